/*
 * libFuzzer target: vg_classify on arbitrary bytes, differential. Whatever libvigia's build
 * (on x86-64 its x87 and eight-digit paths) says must agree with the portable build of the
 * same file (compiled in here with VG_CLASSIFY_PORTABLE) in kind and value to the bit, and
 * with the independent oracle of tests/unit/classify_oracle.h (a syntax model and strtod_l in
 * the C locale) on whether the text is a number, of which kind and of which value. Any
 * disagreement aborts.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../unit/classify_oracle.h"

vg_kind vg_classify_portable(const char *s, size_t len, double *num);
#define VG_CLASSIFY_PORTABLE 1
#define vg_classify vg_classify_portable
#include "../../src/profile/classify.c"
#undef vg_classify

static void check(const char *s, size_t len) {
    double a = -1, b = -2, want = -3;
    vg_kind ka = vg_classify(s, len, &a);
    vg_kind kb = vg_classify_portable(s, len, &b);
    vg_kind kw = oracle_number(s, len, &want);
    int num_a = ka == VG_KIND_INTEGER || ka == VG_KIND_FRACTIONAL;
    int bad = ka != kb || ((num_a || ka == VG_KIND_BOOLEAN) && !same_bits(a, b));
    if (kw != VG_KIND_STRING)
        bad |= ka != kw || !same_bits(a, want);
    else
        bad |= num_a;
    if (bad) {
        fprintf(stderr, "'%.*s': libvigia %d %a, portable %d %a, oracle %d %a\n", (int)len, s, ka,
                a, kb, b, kw, want);
        abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    /* a copy of exactly `size` bytes, so that ASan sees any read past the cell */
    char *s = malloc(size ? size : 1);
    if (!s)
        return 0;
    memcpy(s, data, size);
    check(s, size);
    /* each comma-separated piece too, as the cells of a CSV line */
    size_t start = 0;
    for (size_t i = 0; i <= size; i++) {
        if (i == size || s[i] == ',') {
            if (start > 0 || i < size)
                check(s + start, i - start);
            start = i + 1;
        }
    }
    free(s);
    return 0;
}
