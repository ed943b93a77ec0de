/*
 * LSD radix sort of doubles (see sort.h). Keys are the bit patterns with the sign bit flipped
 * for non-negative values and all bits flipped for negative ones, which orders them as the
 * numbers. 11-bit digits make 6 passes; the histograms of all digits are counted in one read,
 * and a digit that is the same in every key (the sign and exponent of data in a narrow range,
 * the low bits of small integers) skips its pass.
 */
#include "sort.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define DIGIT_BITS 11
#define NDIGITS 6 /* ceil(64 / 11) */
#define RADIX (1u << DIGIT_BITS)

static inline uint64_t to_key(double d) {
    uint64_t u;
    memcpy(&u, &d, 8);
    return u ^ ((uint64_t)((int64_t)u >> 63) | 0x8000000000000000ULL);
}

static inline double from_key(uint64_t k) {
    uint64_t u = k ^ ((k >> 63) ? 0x8000000000000000ULL : ~0ULL);
    double d;
    memcpy(&d, &u, 8);
    return d;
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int vg_is_sorted(const double *x, size_t n) {
    for (size_t i = 1; i < n; i++)
        if (x[i] < x[i - 1])
            return 0;
    return 1;
}

void vg_sort_doubles(double *x, size_t n) {
    if (n < 2 || vg_is_sorted(x, n))
        return;
    uint64_t *tmp = n >= 512 ? malloc(2 * n * sizeof *tmp) : NULL;
    if (!tmp) {
        qsort(x, n, sizeof *x, cmp_double);
        return;
    }
    vg_sort_doubles_buf(x, n, tmp);
    free(tmp);
}

void vg_sort_doubles_buf(double *x, size_t n, uint64_t *tmp) {
    if (n < 2 || vg_is_sorted(x, n))
        return;
    uint64_t *keys = tmp + n;
    size_t(*cnt)[RADIX] = calloc(NDIGITS, sizeof *cnt);
    if (!cnt) {
        qsort(x, n, sizeof *x, cmp_double);
        return;
    }
    for (size_t i = 0; i < n; i++) {
        uint64_t k = to_key(x[i]);
        keys[i] = k;
        for (int d = 0; d < NDIGITS; d++)
            cnt[d][(k >> (DIGIT_BITS * d)) & (RADIX - 1)]++;
    }
    uint64_t *src = keys, *dst = tmp;
    for (int d = 0; d < NDIGITS; d++) {
        size_t *c = cnt[d];
        unsigned shift = DIGIT_BITS * (unsigned)d;
        if (c[(src[0] >> shift) & (RADIX - 1)] == n)
            continue;
        size_t sum = 0;
        for (unsigned v = 0; v < RADIX; v++) {
            size_t t = c[v];
            c[v] = sum;
            sum += t;
        }
        for (size_t i = 0; i < n; i++) {
            uint64_t k = src[i];
            dst[c[(k >> shift) & (RADIX - 1)]++] = k;
        }
        uint64_t *t = src;
        src = dst;
        dst = t;
    }
    for (size_t i = 0; i < n; i++)
        x[i] = from_key(src[i]);
    free(cnt);
}

int vg_sorted_view(const double *x, size_t n, vg_sorted *v) {
    v->x = NULL;
    v->owned = NULL;
    if (vg_is_sorted(x, n)) {
        v->x = x;
        return 0;
    }
    double *c = malloc((n ? n : 1) * sizeof *c);
    if (!c)
        return -1;
    memcpy(c, x, n * sizeof *c);
    vg_sort_doubles(c, n);
    v->x = v->owned = c;
    return 0;
}

void vg_sorted_release(vg_sorted *v) {
    free(v->owned);
    v->x = NULL;
    v->owned = NULL;
}
