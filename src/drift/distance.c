/*
 * Drift distances of a numeric column computed from the raw reference and current samples:
 * the Wasserstein and energy distances between the two empirical cdfs, Evidently's normed
 * Wasserstein score, and the reference-quantile binning behind PSI, KL, Jensen-Shannon and
 * Hellinger (whose formulas live in counts.c, shared with categorical columns).
 *
 * Both cdf distances are integrals of a step function: with all values of both samples sorted
 * into z_0 <= z_1 <= ... and F, G the empirical cdfs (right-continuous, F(z) = #{x <= z} / n),
 *   wasserstein = sum_j |F(z_j) - G(z_j)| (z_{j+1} - z_j)         (scipy's _cdf_distance, p = 1)
 *   energy      = sqrt(2 sum_j (F(z_j) - G(z_j))^2 (z_{j+1} - z_j))   (p = 2, times sqrt 2)
 * see scipy.stats.wasserstein_distance / energy_distance (scipy 1.10) and Székely & Rizzo,
 * "Energy statistics", J. Stat. Plann. Inference 143 (2013), for the identity between the energy
 * distance and the cdf integral. The terms are non-negative, so a compensated sum (Neumaier)
 * gives the integral to a few ulps whatever the sample size.
 */
#include "vigia/drift.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static int check_sample(const double *x, size_t n, const char *name, vg_error *err) {
    if (n == 0 || !x)
        return vg_error_set(err, VG_ERR_INVALID, "drift: the %s sample is empty", name);
    for (size_t i = 0; i < n; i++)
        if (!isfinite(x[i]))
            return vg_error_set(err, VG_ERR_INVALID,
                                "drift: value %zu of the %s sample is not finite (%g)", i, name,
                                x[i]);
    return VG_OK;
}

/* Checks both samples and returns sorted copies (the caller frees *sref and *scur). */
static int sorted_copies(const double *ref, size_t nref, const double *cur, size_t ncur,
                         double **sref, double **scur, vg_error *err) {
    int rc = check_sample(ref, nref, "reference", err);
    if (rc == VG_OK)
        rc = check_sample(cur, ncur, "current", err);
    if (rc != VG_OK)
        return rc;
    double *a = malloc(nref * sizeof *a), *b = malloc(ncur * sizeof *b);
    if (!a || !b) {
        free(a);
        free(b);
        return vg_error_set(err, VG_ERR_NOMEM, "drift: out of memory sorting %zu + %zu values",
                            nref, ncur);
    }
    memcpy(a, ref, nref * sizeof *a);
    memcpy(b, cur, ncur * sizeof *b);
    qsort(a, nref, sizeof *a, cmp_double);
    qsort(b, ncur, sizeof *b, cmp_double);
    *sref = a;
    *scur = b;
    return VG_OK;
}

/* Neumaier's compensated sum (Neumaier, ZAMM 54, 1974). */
typedef struct {
    double s, c;
} ksum;

static void ksum_add(ksum *k, double x) {
    double t = k->s + x;
    if (fabs(k->s) >= fabs(x))
        k->c += (k->s - t) + x;
    else
        k->c += (x - t) + k->s;
    k->s = t;
}

/* integral of |F - G|^p for p = 1 or 2 over the merged sorted samples a (na) and b (nb) */
static double cdf_integral(const double *a, size_t na, const double *b, size_t nb, int p) {
    ksum acc = {0, 0};
    size_t i = 0, j = 0;
    while (i < na || j < nb) {
        /* the next distinct value z, and both counts of values <= z */
        double z = i < na && (j >= nb || a[i] <= b[j]) ? a[i] : b[j];
        while (i < na && a[i] == z)
            i++;
        while (j < nb && b[j] == z)
            j++;
        if (i == na && j == nb)
            break; /* z is the largest value: beyond it F = G = 1 */
        double next = i < na && (j >= nb || a[i] <= b[j]) ? a[i] : b[j];
        double d = (double)i / (double)na - (double)j / (double)nb;
        double w = p == 1 ? fabs(d) : d * d, len = next - z;
        if (w == 0)
            continue; /* also keeps 0 * inf out when the range exceeds DBL_MAX */
        /* next - z overflows only for values of both signs near DBL_MAX; w <= 1 keeps both
         * products finite, and their difference overflows only if the term itself does */
        ksum_add(&acc, isinf(len) ? w * next - w * z : w * len);
    }
    return acc.s + acc.c;
}

static int cdf_distance(const double *ref, size_t nref, const double *cur, size_t ncur, int p,
                        double *out, vg_error *err) {
    double *a, *b;
    int rc = sorted_copies(ref, nref, cur, ncur, &a, &b, err);
    if (rc != VG_OK)
        return rc;
    *out = cdf_integral(a, nref, b, ncur, p);
    free(a);
    free(b);
    return VG_OK;
}

int vg_drift_wasserstein(const double *ref, size_t nref, const double *cur, size_t ncur,
                         double *distance, vg_error *err) {
    return cdf_distance(ref, nref, cur, ncur, 1, distance, err);
}

int vg_drift_energy_distance(const double *ref, size_t nref, const double *cur, size_t ncur,
                             double *distance, vg_error *err) {
    double v;
    int rc = cdf_distance(ref, nref, cur, ncur, 2, &v, err);
    if (rc == VG_OK)
        *distance = sqrt(2 * v);
    return rc;
}

/* Population standard deviation (ddof 0) of finite x, two-pass with a compensated mean. The
 * values are first scaled by a power of two (exact) so that neither the sum nor the squares
 * overflow, even for values near DBL_MAX, where numpy.std would give inf. */
static double std_pop(const double *x, size_t n) {
    double m = 0;
    for (size_t i = 0; i < n; i++)
        if (fabs(x[i]) > m)
            m = fabs(x[i]);
    if (m == 0)
        return 0;
    int e = ilogb(m) + 1; /* |x| / 2^e < 1 */
    ksum s = {0, 0};
    for (size_t i = 0; i < n; i++)
        ksum_add(&s, ldexp(x[i], -e));
    double mean = (s.s + s.c) / (double)n;
    ksum q = {0, 0};
    for (size_t i = 0; i < n; i++) {
        double d = ldexp(x[i], -e) - mean;
        ksum_add(&q, d * d);
    }
    return ldexp(sqrt((q.s + q.c) / (double)n), e);
}

/* Evidently, stattests/wasserstein_distance_norm.py: wasserstein_distance(reference, current) /
 * max(np.std(reference), 0.001). */
int vg_drift_wasserstein_normed(const double *ref, size_t nref, const double *cur, size_t ncur,
                                double *score, vg_error *err) {
    double w;
    int rc = vg_drift_wasserstein(ref, nref, cur, ncur, &w, err);
    if (rc != VG_OK)
        return rc;
    double sd = std_pop(ref, nref);
    *score = w / (sd > VG_DRIFT_STD_FLOOR ? sd : VG_DRIFT_STD_FLOOR);
    return VG_OK;
}

/* numpy.quantile(x, q, method='linear') of the sorted x (numpy 1.24, lib/function_base.py:
 * virtual index (n - 1) q, then _lerp, which interpolates from the nearer end point so that
 * the result is monotonic and exact at both ends). */
static double quantile_linear(const double *x, size_t n, double q) {
    double h = (double)(n - 1) * q;
    double lo = floor(h);
    double t = h - lo;
    size_t i = (size_t)lo;
    if (i >= n - 1)
        return x[n - 1];
    double a = x[i], b = x[i + 1], diff = b - a;
    if (isinf(diff)) /* a < 0 < b near DBL_MAX, where numpy gives inf or nan */
        return t == 0 ? a : (1 - t) * a + t * b;
    return t >= 0.5 ? b - diff * (1 - t) : a + diff * t;
}

/* index of the bin of v: #{ j : edges[j] < v } */
static size_t bin_of(const double *edges, size_t m, double v) {
    size_t lo = 0, hi = m;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (edges[mid] < v)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

int vg_drift_bins_numeric(const double *ref, size_t nref, const double *cur, size_t ncur,
                          size_t n_bins, vg_drift_bins *bins, vg_error *err) {
    if (n_bins == 0)
        n_bins = VG_DRIFT_DEFAULT_BINS;
    if (n_bins > ((size_t)1 << 24))
        return vg_error_set(err, VG_ERR_INVALID, "drift: %zu bins requested, at most 2^24", n_bins);
    double *a, *b;
    int rc = sorted_copies(ref, nref, cur, ncur, &a, &b, err);
    if (rc != VG_OK)
        return rc;
    double *edges = malloc((n_bins - 1 ? n_bins - 1 : 1) * sizeof *edges);
    uint64_t *rc_ = calloc(n_bins, sizeof *rc_), *cc = calloc(n_bins, sizeof *cc);
    if (!edges || !rc_ || !cc) {
        free(a);
        free(b);
        free(edges);
        free(rc_);
        free(cc);
        return vg_error_set(err, VG_ERR_NOMEM, "drift: out of memory for %zu bins", n_bins);
    }
    /* quantiles are non-decreasing in q, so removing repeats keeps the distinct ones in order */
    size_t m = 0;
    for (size_t i = 1; i < n_bins; i++) {
        double e = quantile_linear(a, nref, (double)i / (double)n_bins);
        if (m == 0 || e > edges[m - 1])
            edges[m++] = e;
    }
    for (size_t i = 0; i < nref; i++)
        rc_[bin_of(edges, m, a[i])]++;
    for (size_t i = 0; i < ncur; i++)
        cc[bin_of(edges, m, b[i])]++;
    free(a);
    free(b);
    if (m == 0) {
        free(edges);
        edges = NULL;
    }
    bins->n_bins = m + 1;
    bins->edges = edges;
    bins->ref_counts = rc_;
    bins->cur_counts = cc;
    return VG_OK;
}

void vg_drift_bins_free(vg_drift_bins *bins) {
    if (!bins)
        return;
    free(bins->edges);
    free(bins->ref_counts);
    free(bins->cur_counts);
    memset(bins, 0, sizeof *bins);
}

typedef int (*counts_score)(const uint64_t *, const uint64_t *, size_t, double *, vg_error *);

static int binned_score(const double *ref, size_t nref, const double *cur, size_t ncur,
                        size_t n_bins, counts_score f, double *score, vg_error *err) {
    vg_drift_bins bins;
    int rc = vg_drift_bins_numeric(ref, nref, cur, ncur, n_bins, &bins, err);
    if (rc != VG_OK)
        return rc;
    rc = f(bins.ref_counts, bins.cur_counts, bins.n_bins, score, err);
    vg_drift_bins_free(&bins);
    return rc;
}

int vg_drift_psi(const double *ref, size_t nref, const double *cur, size_t ncur, size_t n_bins,
                 double *score, vg_error *err) {
    return binned_score(ref, nref, cur, ncur, n_bins, vg_drift_psi_counts, score, err);
}

int vg_drift_kl(const double *ref, size_t nref, const double *cur, size_t ncur, size_t n_bins,
                double *score, vg_error *err) {
    return binned_score(ref, nref, cur, ncur, n_bins, vg_drift_kl_counts, score, err);
}

int vg_drift_jensen_shannon(const double *ref, size_t nref, const double *cur, size_t ncur,
                            size_t n_bins, double *score, vg_error *err) {
    return binned_score(ref, nref, cur, ncur, n_bins, vg_drift_jensen_shannon_counts, score, err);
}

int vg_drift_hellinger(const double *ref, size_t nref, const double *cur, size_t ncur,
                       size_t n_bins, double *score, vg_error *err) {
    return binned_score(ref, nref, cur, ncur, n_bins, vg_drift_hellinger_counts, score, err);
}
