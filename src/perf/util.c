/*
 * Arithmetic shared by the metrics of src/perf/: numpy's pairwise summation (so that a row sum
 * rounds as sklearn's does), an LSD radix sort of doubles, which keeps the sort that ROC AUC and
 * average precision need down to a few linear passes (Knuth, TAOCP vol. 3, 5.2.5), and a
 * selection of several order statistics at once for medians and quantiles. Doubles are mapped
 * to unsigned keys that sort in the same order (flip every bit of a negative, the sign bit of a
 * non-negative), sorted 11 bits at a time, and mapped back; a digit that is equal across all
 * keys (common for probabilities, whose exponents are few) costs no pass.
 */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

static double pairwise_block(const double *x, size_t n) {
    if (n < 8) {
        double s = 0;
        for (size_t i = 0; i < n; i++)
            s += x[i];
        return s;
    }
    if (n <= 128) {
        double r[8];
        memcpy(r, x, sizeof r);
        size_t i;
        for (i = 8; i < n - n % 8; i += 8)
            for (int j = 0; j < 8; j++)
                r[j] += x[i + j];
        double s = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
        for (; i < n; i++)
            s += x[i];
        return s;
    }
    size_t half = n / 2;
    half -= half % 8;
    return pairwise_block(x, half) + pairwise_block(x + half, n - half);
}

double vg_perf_pairwise_sum(const double *x, size_t n) {
    double s = 0;
    for (size_t i = 0; i < n; i += 8192)
        s += pairwise_block(x + i, n - i < 8192 ? n - i : 8192);
    return s;
}

static uint64_t to_key(double x) {
    uint64_t u;
    x += 0.0; /* -0.0 -> +0.0 */
    memcpy(&u, &x, sizeof u);
    return (u >> 63) ? ~u : u | (1ULL << 63);
}

static double from_key(uint64_t k) {
    uint64_t u = (k >> 63) ? k & ~(1ULL << 63) : ~k;
    double x;
    memcpy(&x, &u, sizeof x);
    return x;
}

static int cmp_double(const void *p, const void *q) {
    double x = *(const double *)p, y = *(const double *)q;
    return (x > y) - (x < y);
}

/* 11-bit digits: six passes cover 64 bits, and the 2048 counters of a pass stay in L1. */
#define DIGIT_BITS 11
#define DIGITS 6
#define BUCKETS (1u << DIGIT_BITS)

void vg_perf_sort_doubles(double *x, size_t n, uint64_t *keys) {
    size_t *count = n >= 4096 ? calloc((size_t)DIGITS * BUCKETS, sizeof *count) : NULL;
    if (!count) { /* small input, or no memory for the counters: qsort needs none */
        qsort(x, n, sizeof *x, cmp_double);
        return;
    }
    uint64_t *a = keys, *b = keys + n;
    for (size_t i = 0; i < n; i++) {
        uint64_t k = to_key(x[i]);
        a[i] = k;
        for (int d = 0; d < DIGITS; d++)
            count[d * BUCKETS + ((k >> (DIGIT_BITS * d)) & (BUCKETS - 1))]++;
    }
    for (int d = 0; d < DIGITS; d++) {
        size_t *c = count + d * BUCKETS;
        int shift = DIGIT_BITS * d;
        if (c[(a[0] >> shift) & (BUCKETS - 1)] == n)
            continue; /* every key has this digit: the pass would not move anything */
        size_t pos = 0;
        for (unsigned v = 0; v < BUCKETS; v++) {
            size_t t = c[v];
            c[v] = pos;
            pos += t;
        }
        for (size_t i = 0; i < n; i++)
            b[c[(a[i] >> shift) & (BUCKETS - 1)]++] = a[i];
        uint64_t *t = a;
        a = b;
        b = t;
    }
    free(count);
    for (size_t i = 0; i < n; i++)
        x[i] = from_key(a[i]);
}

static void swap(double *x, size_t i, size_t j) {
    double t = x[i];
    x[i] = x[j];
    x[j] = t;
}

/* One Hoare partition of x[lo .. hi) (hi - lo > 2) around a median-of-three pivot; returns j
 * with x[lo .. j] <= pivot <= x[j + 1 .. hi) and lo <= j < hi - 1. */
static size_t partition(double *x, size_t lo, size_t hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (x[mid] < x[lo])
        swap(x, mid, lo);
    if (x[hi - 1] < x[lo])
        swap(x, hi - 1, lo);
    if (x[hi - 1] < x[mid])
        swap(x, hi - 1, mid);
    double pivot = x[mid];
    size_t i = lo, j = hi - 1;
    for (;;) { /* x[lo] <= pivot <= x[hi - 1] stop both scans */
        while (x[i] < pivot)
            i++;
        while (x[j] > pivot)
            j--;
        if (i >= j)
            return j;
        swap(x, i, j);
        i++;
        j--;
    }
}

static void select_many(double *x, size_t lo, size_t hi, const size_t *k, size_t nk, int budget) {
    while (nk && hi - lo > 2) {
        if (budget-- == 0) { /* adversarial input: sort what remains */
            qsort(x + lo, hi - lo, sizeof *x, cmp_double);
            return;
        }
        size_t j = partition(x, lo, hi), left = 0;
        while (left < nk && k[left] <= j)
            left++;
        /* recurse into the smaller list of indices, loop on the other */
        if (left <= nk - left) {
            select_many(x, lo, j + 1, k, left, budget);
            lo = j + 1;
            k += left;
            nk -= left;
        } else {
            select_many(x, j + 1, hi, k + left, nk - left, budget);
            hi = j + 1;
            nk = left;
        }
    }
    if (nk && hi - lo == 2 && x[lo + 1] < x[lo])
        swap(x, lo, lo + 1);
}

void vg_perf_select(double *x, size_t n, const size_t *k, size_t nk) {
    /* Hoare's FIND (CACM 4, 1961, Algorithm 65) generalized to several ranks at once: each
     * partition sends every wanted rank to its side, so nk ranks cost O(n log nk) expected.
     * After 2 log2(n) + 8 levels without converging the range is sorted instead, which bounds
     * the worst case as introselect does (Musser, Software Pract. Exper. 27, 1997). */
    int budget = 8;
    for (size_t m = n; m > 1; m >>= 1)
        budget += 2;
    select_many(x, 0, n, k, nk, budget);
}
