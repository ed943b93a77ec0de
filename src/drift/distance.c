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

#include "../base/sort.h"
#include "../base/sum.h"

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

/* Checks both samples and returns sorted views of them (the input itself when already sorted,
 * as vigia compare passes it; see base/sort.h). Release both with vg_sorted_release. */
static int sorted_views(const double *ref, size_t nref, const double *cur, size_t ncur,
                        vg_sorted *a, vg_sorted *b, vg_error *err) {
    int rc = check_sample(ref, nref, "reference", err);
    if (rc == VG_OK)
        rc = check_sample(cur, ncur, "current", err);
    if (rc != VG_OK)
        return rc;
    if (vg_sorted_view(ref, nref, a) != 0)
        return vg_error_set(err, VG_ERR_NOMEM, "drift: out of memory sorting %zu values", nref);
    if (vg_sorted_view(cur, ncur, b) != 0) {
        vg_sorted_release(a);
        return vg_error_set(err, VG_ERR_NOMEM, "drift: out of memory sorting %zu values", ncur);
    }
    return VG_OK;
}

/* Neumaier's compensated sum (Neumaier, ZAMM 54, 1974). */

/* integrals of |F - G| (*w1) and (F - G)^2 (*w2) over the merged sorted samples a (na) and
 * b (nb), in one walk; either pointer may be NULL */
static void cdf_integrals(const double *a, size_t na, const double *b, size_t nb, double *w1,
                          double *w2) {
    vg_ksum acc = {0, 0}, acc2 = {0, 0};
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
        double w = fabs(d), ww = d * d, len = next - z;
        if (w == 0)
            continue; /* also keeps 0 * inf out when the range exceeds DBL_MAX */
        /* next - z overflows only for values of both signs near DBL_MAX; w <= 1 keeps both
         * products finite, and their difference overflows only if the term itself does */
        vg_ksum_add(&acc, isinf(len) ? w * next - w * z : w * len);
        vg_ksum_add(&acc2, isinf(len) ? ww * next - ww * z : ww * len);
    }
    if (w1)
        *w1 = acc.s + acc.c;
    if (w2)
        *w2 = acc2.s + acc2.c;
}

static int cdf_distance(const double *ref, size_t nref, const double *cur, size_t ncur, int p,
                        double *out, vg_error *err) {
    vg_sorted a, b;
    int rc = sorted_views(ref, nref, cur, ncur, &a, &b, err);
    if (rc != VG_OK)
        return rc;
    cdf_integrals(a.x, nref, b.x, ncur, p == 1 ? out : NULL, p == 2 ? out : NULL);
    vg_sorted_release(&a);
    vg_sorted_release(&b);
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

static double std_pop_ldexp(const double *x, size_t n, int e) {
    vg_ksum s = {0, 0};
    for (size_t i = 0; i < n; i++)
        vg_ksum_add(&s, ldexp(x[i], -e));
    double mean = (s.s + s.c) / (double)n;
    vg_ksum q = {0, 0};
    for (size_t i = 0; i < n; i++) {
        double d = ldexp(x[i], -e) - mean;
        vg_ksum_add(&q, d * d);
    }
    return ldexp(sqrt((q.s + q.c) / (double)n), e);
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
    /* x * 2^-e equals ldexp(x, -e) (both correctly rounded) whenever 2^-e is a double, and
     * costs a multiplication instead of a call */
    if (e > 1000 || e < -1000)
        return std_pop_ldexp(x, n, e);
    double sc = ldexp(1.0, -e);
    vg_ksum s = {0, 0};
    for (size_t i = 0; i < n; i++)
        vg_ksum_add(&s, x[i] * sc);
    double mean = (s.s + s.c) / (double)n;
    vg_ksum q = {0, 0};
    for (size_t i = 0; i < n; i++) {
        double d = x[i] * sc - mean;
        vg_ksum_add(&q, d * d);
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
    vg_sorted va, vb;
    int rc = sorted_views(ref, nref, cur, ncur, &va, &vb, err);
    if (rc != VG_OK)
        return rc;
    const double *a = va.x, *b = vb.x;
    double *edges = malloc((n_bins - 1 ? n_bins - 1 : 1) * sizeof *edges);
    uint64_t *rc_ = calloc(n_bins, sizeof *rc_), *cc = calloc(n_bins, sizeof *cc);
    if (!edges || !rc_ || !cc) {
        vg_sorted_release(&va);
        vg_sorted_release(&vb);
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
    vg_sorted_release(&va);
    vg_sorted_release(&vb);
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

int vg_drift_cdf_scores_sorted(const double *ref, size_t nref, const double *cur, size_t ncur,
                               double *wasserstein, double *wasserstein_normed, double *energy) {
    if (nref == 0 || ncur == 0)
        return VG_ERR_INVALID;
    double w, e;
    cdf_integrals(ref, nref, cur, ncur, &w, &e);
    double sd = std_pop(ref, nref);
    *wasserstein = w;
    *wasserstein_normed = w / (sd > VG_DRIFT_STD_FLOOR ? sd : VG_DRIFT_STD_FLOOR);
    *energy = sqrt(2 * e);
    return VG_OK;
}
