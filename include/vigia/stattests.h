/*
 * Two-sample tests on raw samples: Welch's t test, the Mann-Whitney U test, the k-sample
 * Anderson-Darling test (k = 2) and the two-sample Cramer-von Mises test. Each function names
 * the scipy 1.10 function (with its default arguments, two-sided) whose statistic and p-value it
 * reproduces, arithmetic included where that matters (numpy's pairwise summation, the same
 * order of operations), so that results agree with scipy to about 1e-12 relative
 * (tests/oracle/test_stattests.py). The algorithms are cited in src/stats/tests.c.
 *
 * Common contract: `a` (na values) and `b` (nb values) need not be sorted and must be free of
 * NaN (+/-inf are ordinary values where scipy allows them); the inputs are not modified (the
 * functions sort copies). On success the functions return VG_OK and write the statistic and
 * the p-value; on failure they return VG_ERR_INVALID (bad sizes, NaN, NULL pointers) or
 * VG_ERR_NOMEM, fill `err` (which may be NULL), and leave the outputs untouched. Where scipy
 * returns NaN without raising (zero variances, too few points for a normalization), so do these
 * functions, with VG_OK.
 */
#ifndef VIGIA_STATTESTS_H
#define VIGIA_STATTESTS_H

#include <stddef.h>

#include "vigia/error.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Welch's unequal-variance t test, scipy.stats.ttest_ind(a, b, equal_var=False): t statistic
 * (mean(a) - mean(b)) / sqrt(var(a)/na + var(b)/nb) with ddof = 1 variances, and the two-sided
 * p-value of Student's t with the Welch-Satterthwaite degrees of freedom (1 when those are
 * undefined, as scipy). na, nb >= 1; a sample of one gives NaN, as does two constant samples
 * with equal means (different means: t = +/-inf, p = 0). */
int vg_stats_ttest_welch(const double *a, size_t na, const double *b, size_t nb, double *statistic,
                         double *pvalue, vg_error *err);

/* Mann-Whitney U test, scipy.stats.mannwhitneyu(a, b) (use_continuity, two-sided, method
 * 'auto'): the statistic is U of the first sample (midranks for ties). The p-value is exact when
 * min(na, nb) <= 8 and there are no ties (the null distribution of U computed by recursion; time
 * and memory O(min(na, nb) * min(U, na nb - U))), and otherwise the normal approximation with
 * tie correction and continuity correction. na, nb >= 1. */
int vg_stats_mannwhitneyu(const double *a, size_t na, const double *b, size_t nb, double *statistic,
                          double *pvalue, vg_error *err);

/* k-sample Anderson-Darling test for k = 2, scipy.stats.anderson_ksamp([a, b]) (midrank):
 * the normalized statistic (A2akN - 1) / sigma and scipy's approximate p-value, interpolated
 * from the critical values of Scholz & Stephens and bounded to [0.001, 0.25]. `bounded` (may be
 * NULL) receives 0 when the p-value was interpolated, +1 when it was capped at 0.25 (the true
 * value is larger) and -1 when it was floored at 0.001 (smaller): the cases where scipy warns.
 * Needs na, nb >= 1, na + nb >= 3 and at least two distinct values (VG_ERR_INVALID, where
 * scipy raises); with na + nb = 3 the statistic and p-value are NaN, as scipy's. */
int vg_stats_anderson_ksamp(const double *a, size_t na, const double *b, size_t nb,
                            double *statistic, double *pvalue, int *bounded, vg_error *err);

/* Two-sample Cramer-von Mises test, scipy.stats.cramervonmises_2samp(a, b) (method 'auto'):
 * the statistic T (Anderson 1962, midranks for ties) and its p-value, exact when
 * max(na, nb) <= 20 and otherwise from the limiting distribution of the normalized statistic.
 * na, nb >= 2. */
int vg_stats_cramervonmises_2samp(const double *a, size_t na, const double *b, size_t nb,
                                  double *statistic, double *pvalue, vg_error *err);

/* The same three tests for samples the caller has already sorted ascending and checked for
 * NaN (neither is checked again: unsorted input gives wrong results). vigia compare sorts each
 * column once and calls these, which saves a copy, a sort and two scans per test. */
int vg_stats_mannwhitneyu_sorted(const double *a, size_t na, const double *b, size_t nb,
                                 double *statistic, double *pvalue, vg_error *err);
int vg_stats_anderson_ksamp_sorted(const double *a, size_t na, const double *b, size_t nb,
                                   double *statistic, double *pvalue, int *bounded, vg_error *err);
int vg_stats_cramervonmises_2samp_sorted(const double *a, size_t na, const double *b, size_t nb,
                                         double *statistic, double *pvalue, vg_error *err);

/* Mann-Whitney, Anderson-Darling and Cramer-von Mises at once, on samples sorted ascending and
 * free of NaN (not checked): one walk over the pooled sample instead of three, with results
 * identical to the three functions above. Each test's *_rc is VG_OK when it was computed, or
 * the code its function would return (VG_ERR_INVALID where its size or distinct-value
 * conditions fail, VG_ERR_NOMEM). Returns VG_OK, or VG_ERR_NOMEM when nothing was computed. */
typedef struct vg_rank_tests {
    int mwu_rc, ad_rc, cvm_rc;
    double mwu_statistic, mwu_pvalue;
    double ad_statistic, ad_pvalue;
    int ad_bounded;
    double cvm_statistic, cvm_pvalue;
} vg_rank_tests;

int vg_stats_rank_tests_sorted(const double *a, size_t na, const double *b, size_t nb,
                               vg_rank_tests *out, vg_error *err);

#ifdef __cplusplus
}
#endif
#endif
