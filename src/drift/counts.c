/*
 * Drift scores computed from counts: the categories of a categorical column, or the bins of a
 * numeric one (distance.c). Definitions, with p the reference shares and q the current ones:
 *
 *   PSI              sum (q - p) ln(q / p)                  Evidently stattests/psi.py
 *   KL               sum p ln(p / q)                        scipy.stats.entropy(p, q), kl_div.py
 *   Jensen-Shannon   sqrt((KL(p || m) + KL(q || m)) / 2),   scipy.spatial.distance.jensenshannon
 *                    m = (p + q) / 2
 *   Hellinger        sqrt(1/2 sum (sqrt p - sqrt q)^2)      Evidently hellinger_distance.py
 *   total variation  1/2 sum |p - q|                        Evidently tvd_stattest.py
 *   chi-squared      scipy.stats.chisquare(cur, p sum(cur)) Evidently chisquare_stattest.py
 *   z-test           pooled two-proportion z                Evidently z_stattest.py
 *
 * Zero shares are replaced by 1e-4 for PSI, KL and JS as Evidently's get_binned_data
 * (feel_zeroes=True) does; scipy then normalizes each vector for KL and JS, and so do we.
 *
 * Jensen-Shannon is summed per category as p ln(2p / (p + q)) + q ln(2q / (p + q)), a
 * non-negative quantity (log-sum inequality): no cancellation between categories, which scipy's
 * sum(rel_entr(p, m)) + sum(rel_entr(q, m)) suffers from when the distributions are close.
 */
#include "vigia/drift.h"
#include "vigia/stats.h"

#include <math.h>
#include <stdlib.h>

/* Checks the arrays and gives both totals as doubles (exact below 2^53). */
static int totals(const uint64_t *ref, const uint64_t *cur, size_t k, double *nref, double *ncur,
                  vg_error *err) {
    if (k == 0 || !ref || !cur)
        return vg_error_set(err, VG_ERR_INVALID, "drift: no categories to compare");
    uint64_t a = 0, b = 0;
    for (size_t i = 0; i < k; i++) {
        if (ref[i] > UINT64_MAX - a || cur[i] > UINT64_MAX - b)
            return vg_error_set(err, VG_ERR_INVALID, "drift: the counts overflow 2^64");
        a += ref[i];
        b += cur[i];
    }
    if (a == 0)
        return vg_error_set(err, VG_ERR_INVALID, "drift: the reference counts are all zero");
    if (b == 0)
        return vg_error_set(err, VG_ERR_INVALID, "drift: the current counts are all zero");
    *nref = (double)a;
    *ncur = (double)b;
    return VG_OK;
}

/* share c / n, a zero one replaced by VG_DRIFT_ZERO_SHARE */
static double filled(uint64_t c, double n) {
    return c ? (double)c / n : VG_DRIFT_ZERO_SHARE;
}

/* sums of the filled shares, to normalize them as scipy does */
static void filled_sums(const uint64_t *ref, const uint64_t *cur, size_t k, double nref,
                        double ncur, double *sp, double *sq) {
    double a = 0, b = 0;
    for (size_t i = 0; i < k; i++) {
        a += filled(ref[i], nref);
        b += filled(cur[i], ncur);
    }
    *sp = a;
    *sq = b;
}

int vg_drift_psi_counts(const uint64_t *ref, const uint64_t *cur, size_t k, double *score,
                        vg_error *err) {
    double nref, ncur;
    int rc = totals(ref, cur, k, &nref, &ncur, err);
    if (rc != VG_OK)
        return rc;
    double s = 0;
    for (size_t i = 0; i < k; i++) {
        double p = filled(ref[i], nref), q = filled(cur[i], ncur);
        s += (q - p) * log(q / p);
    }
    *score = s;
    return VG_OK;
}

int vg_drift_kl_counts(const uint64_t *ref, const uint64_t *cur, size_t k, double *score,
                       vg_error *err) {
    double nref, ncur, sp, sq;
    int rc = totals(ref, cur, k, &nref, &ncur, err);
    if (rc != VG_OK)
        return rc;
    filled_sums(ref, cur, k, nref, ncur, &sp, &sq);
    double s = 0;
    for (size_t i = 0; i < k; i++) {
        double p = filled(ref[i], nref) / sp, q = filled(cur[i], ncur) / sq;
        s += p * log(p / q);
    }
    *score = s;
    return VG_OK;
}

int vg_drift_jensen_shannon_counts(const uint64_t *ref, const uint64_t *cur, size_t k,
                                   double *score, vg_error *err) {
    double nref, ncur, sp, sq;
    int rc = totals(ref, cur, k, &nref, &ncur, err);
    if (rc != VG_OK)
        return rc;
    filled_sums(ref, cur, k, nref, ncur, &sp, &sq);
    double s = 0;
    for (size_t i = 0; i < k; i++) {
        double p = filled(ref[i], nref) / sp, q = filled(cur[i], ncur) / sq;
        /* with d = (p - q) / (p + q): 2p / (p + q) = 1 + d and 2q / (p + q) = 1 - d */
        double d = (p - q) / (p + q);
        double t = p * log1p(d) + q * log1p(-d);
        if (t > 0)
            s += t; /* never negative in exact arithmetic; rounding can leave -1 ulp */
    }
    *score = sqrt(s / 2);
    return VG_OK;
}

int vg_drift_hellinger_counts(const uint64_t *ref, const uint64_t *cur, size_t k, double *score,
                              vg_error *err) {
    double nref, ncur;
    int rc = totals(ref, cur, k, &nref, &ncur, err);
    if (rc != VG_OK)
        return rc;
    double s = 0;
    for (size_t i = 0; i < k; i++) {
        double d = sqrt((double)ref[i] / nref) - sqrt((double)cur[i] / ncur);
        s += d * d;
    }
    *score = sqrt(s / 2);
    return VG_OK;
}

int vg_drift_tvd_counts(const uint64_t *ref, const uint64_t *cur, size_t k, double *score,
                        vg_error *err) {
    double nref, ncur;
    int rc = totals(ref, cur, k, &nref, &ncur, err);
    if (rc != VG_OK)
        return rc;
    double s = 0;
    for (size_t i = 0; i < k; i++)
        s += fabs((double)ref[i] / nref - (double)cur[i] / ncur);
    *score = s / 2;
    return VG_OK;
}

int vg_drift_chi2(const uint64_t *ref, const uint64_t *cur, size_t k, double *statistic,
                  double *p_value, size_t *n_unseen, vg_error *err) {
    double nref, ncur;
    int rc = totals(ref, cur, k, &nref, &ncur, err);
    if (rc != VG_OK)
        return rc;
    /* the reference shares, unseen ones filled, summed over the categories kept */
    size_t kept = 0, unseen = 0;
    double sp = 0;
    for (size_t i = 0; i < k; i++) {
        if (ref[i] == 0 && cur[i] == 0)
            continue;
        kept++;
        if (ref[i] == 0)
            unseen++;
        sp += filled(ref[i], nref);
    }
    double stat = 0;
    if (kept > 1) {
        for (size_t i = 0; i < k; i++) {
            if (ref[i] == 0 && cur[i] == 0)
                continue;
            double e = filled(ref[i], nref) / sp * ncur, d = (double)cur[i] - e;
            stat += d * d / e;
        }
    }
    *statistic = stat;
    *p_value = kept > 1 ? vg_dist_chi2_sf(stat, (double)(kept - 1)) : 1.0;
    if (n_unseen)
        *n_unseen = unseen;
    return VG_OK;
}

int vg_drift_z_test(const uint64_t *ref, const uint64_t *cur, size_t k, double *z, double *p_value,
                    vg_error *err) {
    if (k > 2)
        return vg_error_set(err, VG_ERR_INVALID,
                            "drift: the z-test needs a binary column, got %zu categories", k);
    double n1, n2;
    int rc = totals(ref, cur, k, &n1, &n2, err);
    if (rc != VG_OK)
        return rc;
    double p1 = (double)ref[0] / n1, p2 = (double)cur[0] / n2;
    double pooled = ((double)ref[0] + (double)cur[0]) / (n1 + n2);
    if (pooled <= 0 || pooled >= 1) {
        *z = 0;
        *p_value = 1;
        return VG_OK;
    }
    double zz = (p1 - p2) / sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2));
    *z = zz;
    *p_value = 2 * vg_dist_norm_sf(fabs(zz));
    return VG_OK;
}
