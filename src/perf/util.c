/*
 * Order statistics for src/perf/: a selection of several ranks at once, for medians and error
 * quantiles, cheaper than the sort that ROC AUC and average precision need (those use
 * base/sort.h's radix sort).
 */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

static int cmp_double(const void *p, const void *q) {
    double x = *(const double *)p, y = *(const double *)q;
    return (x > y) - (x < y);
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
