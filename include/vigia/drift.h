/*
 * Drift scores between a reference and a current sample of one column: the distance-type
 * scores computed from raw data (numeric columns) or from category counts (categorical columns),
 * with the definitions of Evidently's stattests and the scipy functions they call (scipy 1.10,
 * checked by tests/oracle/test_drift.py).
 *
 * Numeric functions take two arrays of doubles that must be non-empty and finite (NaN and +/-inf
 * give VG_ERR_INVALID); they sort private copies, so they allocate (VG_ERR_NOMEM on failure).
 * Count functions take parallel arrays ref[i], cur[i] of the counts of category i in the
 * reference and the current sample, over the union of the categories of both (k entries); each
 * array must have a positive total (VG_ERR_INVALID if all zero or if the total overflows 2^64;
 * shares are computed in double, exactly so for totals below 2^53).
 *
 * Every function returns VG_OK or a negative VG_ERR_* code with a message in `err` (may be NULL)
 * and writes its results through out-parameters only on success.
 *
 * Share-based scores (PSI, KL, Jensen-Shannon, Hellinger, total variation) work on shares
 * p_i = ref[i] / sum(ref), q_i = cur[i] / sum(cur). PSI, KL and Jensen-Shannon cannot take a
 * zero share; as Evidently's get_binned_data(feel_zeroes=True), every zero share (of either
 * sample) is replaced by 1e-4 (VG_DRIFT_ZERO_SHARE) and the shares are not renormalized for PSI;
 * KL and Jensen-Shannon then normalize each vector to sum 1, as scipy.stats.entropy and
 * scipy.spatial.distance.jensenshannon do. Hellinger and total variation use the raw shares.
 *
 * Numeric binning (vg_drift_bins_numeric) for the share-based scores of numeric columns:
 *   edges: the reference's quantiles at i / n_bins, i = 1 .. n_bins - 1, as numpy.quantile
 *          (method 'linear', numpy's default: virtual index h = (N - 1) q on the sorted sample,
 *          x[floor h] + (h - floor h)(x[floor h + 1] - x[floor h])), with repeated edges removed;
 *   bins:  (-inf, e_1], (e_1, e_2], ..., (e_m, +inf), so m + 1 bins for m distinct edges: a value
 *          x falls in bin #{ j : e_j < x } (numpy.searchsorted(edges, x, side='left')).
 * n_bins = 0 means the default, 10; at most 2^24. Where the reference holds values of both signs
 * near DBL_MAX, so that x[i + 1] - x[i] overflows, an edge is (1 - t) x[i] + t x[i + 1] (numpy
 * gives inf or nan there); likewise the cdf distances stay finite unless the result overflows.
 */
#ifndef VIGIA_DRIFT_H
#define VIGIA_DRIFT_H

#include <stddef.h>
#include <stdint.h>

#include "vigia/error.h"

#ifdef __cplusplus
extern "C" {
#endif

#define VG_DRIFT_DEFAULT_BINS 10
#define VG_DRIFT_ZERO_SHARE 1e-4 /* Evidently's replacement for a zero share */
#define VG_DRIFT_STD_FLOOR 0.001 /* Evidently's floor for the std in wasserstein_normed */

/* ---- numeric columns, raw data (src/drift/distance.c) ---------------------------------------- */

/* First Wasserstein (earth mover's) distance between the two empirical distributions, as
 * scipy.stats.wasserstein_distance(ref, cur): the integral of |F_ref - F_cur|. */
int vg_drift_wasserstein(const double *ref, size_t nref, const double *cur, size_t ncur,
                         double *distance, vg_error *err);

/* Evidently's "wasserstein" stattest: the Wasserstein distance divided by
 * max(std(ref), 0.001), where std is the population standard deviation (ddof = 0, numpy.std's
 * default, which Evidently uses). */
int vg_drift_wasserstein_normed(const double *ref, size_t nref, const double *cur, size_t ncur,
                                double *score, vg_error *err);

/* Energy distance, as scipy.stats.energy_distance(ref, cur):
 * sqrt(2 * integral (F_ref - F_cur)^2). */
int vg_drift_energy_distance(const double *ref, size_t nref, const double *cur, size_t ncur,
                             double *distance, vg_error *err);

/* The three scores above at once, for samples already sorted ascending, finite and non-empty
 * (not checked, but for emptiness: VG_ERR_INVALID): one walk over the merged samples instead of
 * three, and no copies. Results are identical to the separate functions'. */
int vg_drift_cdf_scores_sorted(const double *ref, size_t nref, const double *cur, size_t ncur,
                               double *wasserstein, double *wasserstein_normed, double *energy);

/* Reference-quantile bins (see the top of this file) and the counts of both samples in them. */
typedef struct vg_drift_bins {
    size_t n_bins;        /* number of bins: n_bins - 1 edges */
    double *edges;        /* n_bins - 1 distinct ascending edges (NULL when n_bins is 1) */
    uint64_t *ref_counts; /* n_bins counts of the reference, summing to nref */
    uint64_t *cur_counts; /* n_bins counts of the current sample, summing to ncur */
} vg_drift_bins;

/* Fills `bins` (whose arrays the caller frees with vg_drift_bins_free) with at most `n_bins`
 * bins (0 = the default, 10; more than 2^24 is VG_ERR_INVALID). On failure `bins` is left
 * untouched. */
int vg_drift_bins_numeric(const double *ref, size_t nref, const double *cur, size_t ncur,
                          size_t n_bins, vg_drift_bins *bins, vg_error *err);
/* Frees the arrays of `bins` (NULL allowed) and zeroes it. */
void vg_drift_bins_free(vg_drift_bins *bins);

/* Share-based scores of a numeric column over vg_drift_bins_numeric's bins (n_bins as there):
 * the count functions below applied to the bin counts. */
int vg_drift_psi(const double *ref, size_t nref, const double *cur, size_t ncur, size_t n_bins,
                 double *score, vg_error *err);
int vg_drift_kl(const double *ref, size_t nref, const double *cur, size_t ncur, size_t n_bins,
                double *score, vg_error *err);
int vg_drift_jensen_shannon(const double *ref, size_t nref, const double *cur, size_t ncur,
                            size_t n_bins, double *score, vg_error *err);
int vg_drift_hellinger(const double *ref, size_t nref, const double *cur, size_t ncur,
                       size_t n_bins, double *score, vg_error *err);

/* ---- counts: categorical columns, or bins (src/drift/counts.c) ------------------------------ */

/* Population stability index sum_i (q_i - p_i) ln(q_i / p_i), zero shares filled (1e-4). */
int vg_drift_psi_counts(const uint64_t *ref, const uint64_t *cur, size_t k, double *score,
                        vg_error *err);
/* Kullback-Leibler divergence KL(reference || current) = sum_i p_i ln(p_i / q_i), natural log,
 * zero shares filled then renormalized: scipy.stats.entropy(p, q), Evidently's kl_div. */
int vg_drift_kl_counts(const uint64_t *ref, const uint64_t *cur, size_t k, double *score,
                       vg_error *err);
/* Jensen-Shannon distance (the square root of the divergence), natural log, zero shares filled
 * then renormalized: scipy.spatial.distance.jensenshannon(p, q), in [0, sqrt(ln 2)]. */
int vg_drift_jensen_shannon_counts(const uint64_t *ref, const uint64_t *cur, size_t k,
                                   double *score, vg_error *err);
/* Hellinger distance on the raw shares, sqrt(1/2 sum_i (sqrt p_i - sqrt q_i)^2), in [0, 1]; the
 * same number as sqrt(1 - sum_i sqrt(p_i q_i)), computed in the first form, which keeps its
 * relative accuracy when the distributions are close. */
int vg_drift_hellinger_counts(const uint64_t *ref, const uint64_t *cur, size_t k, double *score,
                              vg_error *err);
/* Total variation distance on the raw shares, 1/2 sum_i |p_i - q_i|, in [0, 1]. */
int vg_drift_tvd_counts(const uint64_t *ref, const uint64_t *cur, size_t k, double *score,
                        vg_error *err);

/* Chi-squared goodness of fit of the current counts against the reference proportions, as
 * Evidently's chi-square stattest: scipy.stats.chisquare(f_obs = cur, f_exp = p * sum(cur)),
 * p-value vg_dist_chi2_sf(statistic, k' - 1). Rules, so that nothing is infinite:
 *  - categories with a zero count in both samples are dropped (k' = the others);
 *  - a category absent from the reference (ref[i] = 0 < cur[i], counted in *n_unseen, which
 *    may be NULL) gets the share 1e-4 (VG_DRIFT_ZERO_SHARE), and the reference shares are then
 *    renormalized to sum 1, so that the expected counts sum to sum(cur) as chisquare requires;
 *  - with a single category left (k' = 1) nothing can drift: statistic 0, p-value 1. */
int vg_drift_chi2(const uint64_t *ref, const uint64_t *cur, size_t k, double *statistic,
                  double *p_value, size_t *n_unseen, vg_error *err);

/* Two-proportion z-test for a binary column, as Evidently's z stattest: k is 1 or 2 and the
 * proportions compared are those of category 0, p1 = ref[0] / sum(ref), p2 = cur[0] / sum(cur);
 * z = (p1 - p2) / sqrt(P (1 - P) (1/n1 + 1/n2)) with the pooled P = (ref[0] + cur[0]) /
 * (n1 + n2), and the two-sided p-value 2 * (1 - Phi(|z|)), computed as 2 * vg_dist_norm_sf(|z|)
 * to keep its accuracy in the tail. When P is 0 or 1 (both samples hold one and the same
 * category) z = 0 and the p-value is 1, as Evidently reports. */
int vg_drift_z_test(const uint64_t *ref, const uint64_t *cur, size_t k, double *z, double *p_value,
                    vg_error *err);

#ifdef __cplusplus
}
#endif
#endif
