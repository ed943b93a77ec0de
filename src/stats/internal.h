/*
 * Helpers shared by the files of src/stats/ and not part of the public API (vigia/stats.h).
 *
 * They are the building blocks that keep the far tails accurate: a tail probability is a
 * prefactor such as x^a e^-x / Gamma(a+1) times a slowly varying series, and for large
 * parameters the logarithm of that prefactor is a difference of huge, nearly equal terms. The
 * saddle-point form of Loader, "Fast and Accurate Computation of Binomial Probabilities" (2000),
 * computes it from the Stirling remainder and the deviance term bd0 instead, so its relative
 * error stays near machine precision for any size of the parameters.
 */
#ifndef VG_STATS_INTERNAL_H
#define VG_STATS_INTERNAL_H

/* log(2*pi)/2 and sqrt(2*pi) */
#define VG_LN_SQRT_2PI 0.91893853320467274178032973640561764
#define VG_SQRT_2PI 2.50662827463100050241576528481104525

/* Stirling remainder: log Gamma(k+1) - [(k+1/2) log k - k + log sqrt(2 pi)], for k > 0. */
double vg_stats_stirlerr(double k);

/* log1p(t) - t without cancellation for small |t|, t > -1. */
double vg_stats_log1pmx(double t);

/* Loader's deviance bd0(x, M) = x log(x/M) + M - x >= 0, for x >= 0, M > 0. `diff` must be
 * x - M computed by the caller as accurately as it can (it is where the cancellation is). */
double vg_stats_bd0(double x, double m, double diff);

/* x^a e^-x / Gamma(a+1), a > 0, x >= 0: the prefactor of both incomplete gamma expansions. */
double vg_stats_gamma_prefactor(double a, double x);

/* Regularized incomplete beta I_x(a, b) (complement = 0) or 1 - I_x(a, b) (complement = 1),
 * given both x and y = 1 - x: callers that can compute y without cancellation (t, F) pass it
 * exactly, which is what keeps their tails accurate. a, b > 0, 0 <= x <= 1. */
double vg_stats_ibeta(double a, double b, double x, double y, int complement);

#endif
