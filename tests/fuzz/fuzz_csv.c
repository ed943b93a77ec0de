/* libFuzzer target: the CSV reader and profiler on arbitrary bytes (see fuzz_reader.h). */
#include "fuzz_reader.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    fuzz_profile_bytes(data, size, ".csv");
    return 0;
}
