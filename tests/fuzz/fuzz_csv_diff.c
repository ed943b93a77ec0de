/*
 * libFuzzer target: the CSV scanner's fast path against its byte-at-a-time reference
 * (tests/fuzz/csv_diff.h). The first byte picks the options - separator, skip_bad_rows, a
 * small max_record so that refills happen at every offset, the batch size - and the next two
 * the range a range reader covers; any difference in records, errors or counters aborts.
 */
#include "csv_diff.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 3)
        return 0;
    unsigned opt = data[0];
    vg_read_options o;
    vg_read_options_default(&o);
    o.separator = ",;\t|"[opt & 3];
    o.skip_bad_rows = (opt >> 2) & 1;
    /* 64 KiB: larger than any input (max_len), so like the default, with a cheaper buffer */
    static const size_t max_record[] = {65536, 24, 70, 200};
    o.max_record = max_record[(opt >> 3) & 3];
    size_t batch = 1 + ((opt >> 5) & 7);
    const uint8_t *csv = data + 3;
    size_t n = size - 3;
    uint64_t start = n ? data[1] % (n + 1) : 0;
    uint64_t limit = data[2] == 255 ? UINT64_MAX : start + data[2];
    char path[64];
    snprintf(path, sizeof path, "/tmp/vg_fuzz_csv_diff_%d.csv", (int)getpid());
    if (csv_diff_run(path, csv, n, &o, batch, start, limit))
        abort();
    unlink(path);
    return 0;
}
