/*
 * Distribution summaries of a compared column (vg_compare_distribution): what a chart of the
 * reference against the current data needs, a few hundred bytes whatever the row count.
 *
 * Numeric columns get counts in equal-width bins over the range of both sides together, so
 * the two histograms share their bins and overlay; from the sorted values each count is a
 * binary search. Whole-number columns get whole-width bins centred on the numbers. Categorical
 * columns get the most frequent categories of both sides together, found in one pass with a small
 * sorted buffer (O(k top) for k categories). A summary is one allocation, labels included, so that
 * freeing a column is one free().
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* One block: the struct, then the counts, then the label pointers, then the label bytes. */
static vg_compare_distribution *alloc_dist(size_t n, size_t label_bytes, int labelled) {
    size_t size = sizeof(vg_compare_distribution) + 2 * n * sizeof(uint64_t) +
                  (labelled ? n * sizeof(char *) : 0) + label_bytes;
    vg_compare_distribution *d = calloc(1, size);
    if (!d)
        return NULL;
    d->n = n;
    d->lo = d->hi = NAN;
    d->ref = (uint64_t *)(d + 1);
    d->cur = d->ref + n;
    if (labelled)
        d->labels = (const char **)(d->cur + n);
    return d;
}

/* Index of the first value >= x (or > x when `after`) in a sorted array. */
static size_t bound_of(const double *a, size_t n, double x, int after) {
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (a[mid] < x || (after && a[mid] == x))
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static void bin_counts(const double *a, size_t n, const vg_compare_distribution *d, uint64_t *out,
                       uint64_t *other) {
    size_t first = bound_of(a, n, -INFINITY, 1), end = bound_of(a, n, INFINITY, 0);
    *other = (uint64_t)(first + (n - end));
    size_t prev = first;
    for (size_t j = 0; j < d->n; j++) {
        size_t next = end;
        if (j + 1 < d->n) {
            double e = d->lo + (d->hi - d->lo) * (double)(j + 1) / (double)d->n;
            next = bound_of(a + first, end - first, e, 0) + first;
        }
        out[j] = (uint64_t)(next - prev);
        prev = next;
    }
}

/* Whether every finite value is a whole number (stops at the first that is not). Past 2^52
 * every double is whole; below it, a round trip through int64_t is a truncation that compiles
 * to two instructions, where floor() is a libm call: this runs over every value. */
static int integral(const double *a, size_t n) {
    for (size_t i = 0; i < n; i++)
        if (fabs(a[i]) < 4503599627370496.0 && a[i] != (double)(int64_t)a[i])
            return 0;
    return 1;
}

int vg_distribution_numeric_sorted(const double *a, size_t na, const double *b, size_t nb,
                                   size_t nbins, vg_compare_distribution **out) {
    *out = NULL;
    double lo = INFINITY, hi = -INFINITY;
    const double *s[2] = {a, b};
    size_t ns[2] = {na, nb};
    for (int k = 0; k < 2; k++) {
        size_t i = bound_of(s[k], ns[k], -INFINITY, 1), e = bound_of(s[k], ns[k], INFINITY, 0);
        if (i < e) {
            lo = fmin(lo, s[k][i]);
            hi = fmax(hi, s[k][e - 1]);
        }
    }
    if (!(lo <= hi))
        return VG_OK; /* no finite value: nothing to draw */
    if (lo == hi)
        nbins = 1;
    else if (integral(a, na) && integral(b, nb) && hi - lo < 1e15) {
        /* whole numbers: bins of a whole width centred on them, or ages 18..87 in 30 bins
         * would hold 2 or 3 values in turn and draw a comb */
        double span = hi - lo + 1, w = ceil(span / (double)nbins);
        nbins = (size_t)ceil(span / w);
        lo -= 0.5;
        hi = lo + w * (double)nbins;
    }
    vg_compare_distribution *d = alloc_dist(nbins, 0, 0);
    if (!d)
        return VG_ERR_NOMEM;
    d->lo = lo;
    d->hi = hi;
    bin_counts(a, na, d, d->ref, &d->ref_other);
    bin_counts(b, nb, d, d->cur, &d->cur_other);
    *out = d;
    return VG_OK;
}

size_t vg_distribution_top(const uint64_t *rc, const uint64_t *qc, size_t k, size_t top,
                           size_t *best) {
    size_t m = 0;
    /* insertion into a buffer kept sorted by total count, largest first; a later category
     * never passes an earlier one of equal count, which keeps ties in first-seen order */
    for (size_t i = 0; i < k && top; i++) {
        uint64_t t = rc[i] + qc[i];
        if (m == top && t <= rc[best[m - 1]] + qc[best[m - 1]])
            continue;
        size_t p = m < top ? m++ : m - 1;
        while (p > 0 && rc[best[p - 1]] + qc[best[p - 1]] < t) {
            best[p] = best[p - 1];
            p--;
        }
        best[p] = i;
    }
    return m;
}

int vg_distribution_categorical(const uint64_t *rc, const uint64_t *qc, size_t k,
                                const char *const *text, const size_t *len, size_t top,
                                vg_compare_distribution **out) {
    *out = NULL;
    size_t *best = malloc((top ? top : 1) * sizeof *best);
    if (!best)
        return VG_ERR_NOMEM;
    size_t m = vg_distribution_top(rc, qc, k, top, best);
    size_t bytes = 0;
    for (size_t j = 0; j < m; j++)
        bytes += len[best[j]] + 1;
    vg_compare_distribution *d = alloc_dist(m, bytes, 1);
    if (!d) {
        free(best);
        return VG_ERR_NOMEM;
    }
    char *p = (char *)(d->labels + m);
    uint64_t tr = 0, tq = 0;
    for (size_t i = 0; i < k; i++) {
        tr += rc[i];
        tq += qc[i];
    }
    d->ref_other = tr;
    d->cur_other = tq;
    for (size_t j = 0; j < m; j++) {
        size_t i = best[j];
        memcpy(p, text[i], len[i]);
        p[len[i]] = '\0';
        d->labels[j] = p;
        p += len[i] + 1;
        d->ref[j] = rc[i];
        d->cur[j] = qc[i];
        d->ref_other -= rc[i];
        d->cur_other -= qc[i];
    }
    d->n_other_categories = k - m;
    free(best);
    *out = d;
    return VG_OK;
}

int vg_distribution_numeric_cdf(double lo, double hi, size_t nbins,
                                uint64_t (*weight_at)(const void *, double), const void *r,
                                uint64_t nr, const void *q, uint64_t nq,
                                vg_compare_distribution **out) {
    *out = NULL;
    if (!(lo <= hi) || !isfinite(lo) || !isfinite(hi))
        return VG_OK;
    if (lo == hi)
        nbins = 1;
    vg_compare_distribution *d = alloc_dist(nbins, 0, 0);
    if (!d)
        return VG_ERR_NOMEM;
    d->lo = lo;
    d->hi = hi;
    const void *side[2] = {r, q};
    uint64_t n[2] = {nr, nq}, *counts[2] = {d->ref, d->cur};
    for (int k = 0; k < 2; k++) {
        uint64_t prev = 0;
        for (size_t j = 0; j < nbins; j++) {
            uint64_t next = n[k];
            if (j + 1 < nbins) {
                uint64_t w = weight_at(side[k], lo + (hi - lo) * (double)(j + 1) / (double)nbins);
                next = w < prev ? prev : w > n[k] ? n[k] : w;
            }
            counts[k][j] = next - prev;
            prev = next;
        }
    }
    *out = d;
    return VG_OK;
}
