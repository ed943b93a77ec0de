/*
 * Special functions, probability distributions and the two-sample Kolmogorov-Smirnov test: the
 * numerical ground floor of the drift and model-quality engines.
 *
 * Every distribution has a cdf and a survival function (sf = 1 - cdf) that is computed directly,
 * never as 1 - cdf, so that p-values stay accurate in the far tail: a relative error of about
 * 1e-13 or better down to 1e-300 where double precision allows. Each function names the scipy
 * function it matches (scipy 1.10, checked by tests/oracle/test_stats.py) and the algorithm it
 * uses is cited in the source (src/stats/).
 *
 * Conventions, as scipy's: a NaN argument gives NaN; a parameter out of its domain (a degree of
 * freedom <= 0, a probability outside [0, 1]) gives NaN; a point outside the support gives the
 * limiting value (cdf 0 or 1). The functions returning double are pure (no allocation, no global
 * state, safe from any thread) except where a comment says otherwise. The functions that can
 * fail for another reason than a bad number return a VG_ERR_* code and fill a vg_error.
 */
#ifndef VIGIA_STATS_H
#define VIGIA_STATS_H

#include <stddef.h>
#include <stdint.h>

#include "vigia/error.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- special functions (src/stats/special.c) ------------------------------------------------ */

/* log |Gamma(x)| (libm's lgamma_r: thread-safe, unlike lgamma). */
double vg_stats_lgamma(double x);

/* Regularized lower incomplete gamma P(a, x) = gamma(a, x) / Gamma(a) (scipy.special.gammainc)
 * and upper Q(a, x) = 1 - P(a, x) (scipy.special.gammaincc), for a >= 0, x >= 0. The smaller of
 * the two is computed directly, so each keeps its relative accuracy (~1e-14, ~1e-13 at the 1e-300
 * tail) down to the underflow threshold, for any a (Temme's expansion from a = 1e8); Q for
 * x < a + 1 is 1 - P, relatively accurate to ~1e-16 / Q (fine for a >= 0.1). */
double vg_stats_gammainc_p(double a, double x);
double vg_stats_gammainc_q(double a, double x);

/* Regularized incomplete beta I_x(a, b) (scipy.special.betainc) and its complement
 * 1 - I_x(a, b) = I_{1-x}(b, a), computed directly. a, b > 0, 0 <= x <= 1. Relative accuracy
 * ~1e-13 for parameters up to ~1e8, degrading slowly beyond (1e-10 at a = b = 1e12); NaN for a
 * parameter above 1e17. */
double vg_stats_betainc(double a, double b, double x);
double vg_stats_betainc_c(double a, double b, double x);

/* ---- continuous distributions (src/stats/dist.c) ------------------------------------------- */

/* Standard normal: cdf Phi(x) (scipy.special.ndtr), sf 1 - Phi(x) = Phi(-x), quantile
 * Phi^-1(p) (scipy.special.ndtri; -inf at 0, +inf at 1) and inverse sf Phi^-1(1 - q) computed
 * without forming 1 - q (scipy.stats.norm.isf), so isf(1e-300) = 37.04... */
double vg_dist_norm_cdf(double x);
double vg_dist_norm_sf(double x);
double vg_dist_norm_ppf(double p);
double vg_dist_norm_isf(double q);

/* Student t with df > 0 degrees of freedom (non-integer allowed; above 1e17, and at +inf, the
 * normal, which is then within a relative t^4 / (4 df)):
 * scipy.stats.t.cdf / .sf. vg_dist_t_pvalue is the two-sided p-value 2 * sf(|t|) of a t test
 * (as scipy.stats.ttest_ind reports it). */
double vg_dist_t_cdf(double t, double df);
double vg_dist_t_sf(double t, double df);
double vg_dist_t_pvalue(double t, double df);

/* Chi-squared with df > 0: scipy.stats.chi2.cdf / .sf. */
double vg_dist_chi2_cdf(double x, double df);
double vg_dist_chi2_sf(double x, double df);

/* F (Fisher-Snedecor) with dfn, dfd > 0: scipy.stats.f.cdf / .sf. */
double vg_dist_f_cdf(double x, double dfn, double dfd);
double vg_dist_f_sf(double x, double dfn, double dfd);

/* ---- Kolmogorov-Smirnov (src/stats/ks.c) --------------------------------------------------- */

/* Limiting distribution of sqrt(n) D_n: sf is scipy.special.kolmogorov (= scipy.stats.kstwobign
 * .sf), cdf is its complement (scipy.special.kolmogc). */
double vg_dist_kolmogorov_sf(double x);
double vg_dist_kolmogorov_cdf(double x);

/* One-sided one-sample statistic D_n^+ for a sample of n: P(D_n^+ >= d), scipy.special.smirnov.
 * Exact (Birnbaum-Tingey sum) for n <= 1e6; beyond, the same asymptotic formula as scipy. */
double vg_dist_smirnov_sf(uint64_t n, double d);

/* Two-sided one-sample statistic D_n for a sample of n: P(D_n >= d), scipy.stats.kstwo.sf,
 * by the algorithm of Simard & L'Ecuyer (2011) as scipy implements it. Allocates a small
 * matrix in part of its range; NaN if that allocation fails. */
double vg_dist_kstwo_sf(uint64_t n, double d);

/* How the p-value of the two-sample test is computed, as scipy.stats.ks_2samp's `method`. */
typedef enum vg_ks_method {
    VG_KS_AUTO = 0, /* exact if max(n1, n2) <= 10000, else asymptotic */
    VG_KS_EXACT,    /* exact lattice-path count (Hodges 1958), unless lcm(n1, n2) >= 2^31 */
    VG_KS_ASYMP     /* kstwo sf of D with n = round(n1 n2 / (n1 + n2)) */
} vg_ks_method;

/* Two-sided two-sample Kolmogorov-Smirnov test, as scipy.stats.ks_2samp(a, b) (alternative
 * 'two-sided', method 'auto'): the largest distance D between the two empirical cdfs (ties
 * handled as scipy does, both cdfs evaluated at every data value) and its p-value.
 * `a` and `b` must be sorted ascending, non-empty and free of NaN (VG_ERR_INVALID otherwise);
 * +/-inf are ordinary values. With the exact method the statistic is reported, as scipy does,
 * rounded to the lattice value h / lcm(na, nb) it was computed from. */
int vg_stats_ks_2samp(const double *a, size_t na, const double *b, size_t nb, double *statistic,
                      double *pvalue, vg_error *err);
/* The same with an explicit method. */
int vg_stats_ks_2samp_method(const double *a, size_t na, const double *b, size_t nb,
                             vg_ks_method method, double *statistic, double *pvalue, vg_error *err);
/* The p-value alone, for a statistic d in [0, 1] obtained elsewhere (from two sketches, say),
 * with the sample sizes n1, n2 >= 1. The exact method needs O(min(n1, n2)) memory and time
 * O(d n1 n2); it may fail with VG_ERR_NOMEM. */
int vg_stats_ks_2samp_pvalue(double d, uint64_t n1, uint64_t n2, vg_ks_method method,
                             double *pvalue, vg_error *err);

#ifdef __cplusplus
}
#endif
#endif
