/*
 * Continuous distributions: standard normal, Student t, chi-squared and F, each with a cdf and
 * a survival function that is computed directly (never as 1 - cdf) so that small p-values keep
 * their relative accuracy.
 *
 * Normal: Phi(x) = erfc(-x/sqrt2)/2 from libm. Forming x/sqrt2 rounds the argument, and erfc
 * multiplies that relative error by ~2y^2 (1e-13 at the 1e-300 tail), so the rounding error
 * y_lo is recovered with fma and applied as a first-order correction,
 *   erfc(y + y_lo) ~ erfc(y) (1 - y_lo r(y)),  r(y) = 2 e^-y^2 / (sqrt(pi) erfc(y)),
 * where r only needs a few digits and is taken from the bounds on Mills' ratio,
 * y + sqrt(y^2 + 4/pi) <= r(y) <= y + sqrt(y^2 + 2) (Abramowitz & Stegun 7.1.13).
 * The quantile starts from P. J. Acklam's rational approximation ("An algorithm for computing
 * the inverse normal cumulative distribution function", 2003; relative error 1.15e-9) and
 * refines it by Halley steps on Phi(x) - p, written near the center as erf(x/sqrt2)/2 - (p-1/2)
 * with p - 1/2 exact, so that results near 0 keep their relative accuracy too.
 *
 * t: P(T > t) = I_{nu/(nu+t^2)}(nu/2, 1/2) / 2 (Abramowitz & Stegun 26.7.1), both
 * x = nu/(nu+t^2) and 1-x = t^2/(nu+t^2) formed directly. Chi-squared: P(df/2, x/2) and
 * Q(df/2, x/2) (A&S 26.4.19). F: I_{d1 x/(d1 x+d2)}(d1/2, d2/2) (A&S 26.6.2).
 */
#include "internal.h"
#include "vigia/stats.h"

#include <float.h>
#include <math.h>

/* 1/sqrt(2) as a sum of two doubles */
#define SQRT1_2_HI 0.70710678118654757
#define SQRT1_2_LO (-4.8336466567264567e-17)

/* erfc(x / sqrt 2) / 2 with the argument rounding corrected (see the file comment) */
static double half_erfc_scaled(double x) {
    double y = x * SQRT1_2_HI;
    double e = erfc(y);
    if (y > 1 && e > 0) {
        double y_lo = fma(x, SQRT1_2_HI, -y) + x * SQRT1_2_LO;
        double r = y + sqrt(y * y + 1.64);
        e *= 1 - y_lo * r;
    }
    return 0.5 * e;
}

double vg_dist_norm_sf(double x) {
    if (isnan(x))
        return NAN;
    return half_erfc_scaled(x);
}

double vg_dist_norm_cdf(double x) {
    if (isnan(x))
        return NAN;
    return half_erfc_scaled(-x);
}

/* Acklam's coefficients: central region |p - 1/2| <= 0.47575 ... */
static const double ack_a[6] = {-3.969683028665376e+01, 2.209460984245205e+02,
                                -2.759285104469687e+02, 1.383577518672690e+02,
                                -3.066479806614716e+01, 2.506628277459239e+00};
static const double ack_b[5] = {-5.447609879822406e+01, 1.615858368580409e+02,
                                -1.556989798598866e+02, 6.680131188771972e+01,
                                -1.328068155288572e+01};
/* ... and tails */
static const double ack_c[6] = {-7.784894002430293e-03, -3.223964580411365e-01,
                                -2.400758277161838e+00, -2.549732539343734e+00,
                                4.374664141464968e+00,  2.938163982698783e+00};
static const double ack_d[4] = {7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00,
                                3.754408661907416e+00};

#define ACKLAM_LOW 0.02425

/* Lower-tail quantile for 0 < p <= 1/2 (result <= 0). */
static double norm_ppf_lower(double p) {
    double x;
    int central = p > ACKLAM_LOW;
    double q = p - 0.5; /* exact for p >= 1/4; for smaller p its rounding is harmless */
    if (central) {
        double r = q * q;
        x = (((((ack_a[0] * r + ack_a[1]) * r + ack_a[2]) * r + ack_a[3]) * r + ack_a[4]) * r +
             ack_a[5]) *
            q /
            (((((ack_b[0] * r + ack_b[1]) * r + ack_b[2]) * r + ack_b[3]) * r + ack_b[4]) * r + 1);
    } else {
        double s = sqrt(-2 * log(p));
        x = (((((ack_c[0] * s + ack_c[1]) * s + ack_c[2]) * s + ack_c[3]) * s + ack_c[4]) * s +
             ack_c[5]) /
            ((((ack_d[0] * s + ack_d[1]) * s + ack_d[2]) * s + ack_d[3]) * s + 1);
    }
    /* Halley on f(x) = Phi(x) - p: f' = phi(x), f'' = -x phi(x), so
     * x <- x - u / (1 + x u / 2) with u = f / phi. */
    for (int it = 0; it < 4; it++) {
        double f = central ? 0.5 * erf(x * SQRT1_2_HI) - q : half_erfc_scaled(-x) - p;
        double phi = exp(-0.5 * x * x) / VG_SQRT_2PI;
        if (!(phi > DBL_MIN))
            break; /* p in the subnormal range: the start is as good as it gets */
        double u = f / phi;
        double step = u / (1 + 0.5 * x * u);
        x -= step;
        if (fabs(step) <= 2 * DBL_EPSILON * fabs(x))
            break;
    }
    return x;
}

double vg_dist_norm_ppf(double p) {
    if (isnan(p) || p < 0 || p > 1)
        return NAN;
    if (p == 0)
        return -INFINITY;
    if (p == 1)
        return INFINITY;
    if (p <= 0.5)
        return norm_ppf_lower(p);
    return -norm_ppf_lower(1 - p); /* 1 - p is exact for p >= 1/2 */
}

double vg_dist_norm_isf(double q) {
    return -vg_dist_norm_ppf(q);
}

/* P(T > t) for t >= 0 (upper = 1) or P(T <= t) (upper = 0), finite df > 0. */
static double t_tail(double t, double df, int upper) {
    if (t == 0)
        return 0.5;
    if (isinf(t))
        return upper ? 0 : 1;
    double a = df / 2, x, y;
    if (t * t > df || isinf(t * t)) {
        double r = (df / t) / t; /* df / t^2 < 1, without overflow */
        if (r < 1e-200) {
            /* x = r/(1+r) may underflow: leading term of the series, I_x(a, 1/2) ~ x^a /
             * (a B(a, 1/2)), exact to a relative O(r); only small df get here unrounded to 0 */
            if (!upper)
                return 1;
            double lbeta = vg_stats_lgamma(a) + vg_stats_lgamma(0.5) - vg_stats_lgamma(a + 0.5);
            return 0.5 * exp(a * (log(df) - 2 * log(t)) - log(a) - lbeta);
        }
        x = r / (1 + r);
        y = 1 / (1 + r);
    } else {
        double s = (t / df) * t; /* t^2 / df <= 1 */
        x = 1 / (1 + s);
        y = s / (1 + s);
    }
    double i = vg_stats_ibeta(a, 0.5, x, y, !upper);
    return upper ? 0.5 * i : 0.5 + 0.5 * i;
}

double vg_dist_t_sf(double t, double df) {
    if (isnan(t) || isnan(df) || !(df > 0))
        return NAN;
    if (df > 1e17) /* the normal, to a relative O(t^4 / df) */
        return vg_dist_norm_sf(t);
    return t >= 0 ? t_tail(t, df, 1) : t_tail(-t, df, 0);
}

double vg_dist_t_cdf(double t, double df) {
    if (isnan(t) || isnan(df) || !(df > 0))
        return NAN;
    if (df > 1e17)
        return vg_dist_norm_cdf(t);
    return t >= 0 ? t_tail(t, df, 0) : t_tail(-t, df, 1);
}

double vg_dist_t_pvalue(double t, double df) {
    double p = 2 * vg_dist_t_sf(fabs(t), df);
    return p > 1 ? 1 : p;
}

double vg_dist_chi2_cdf(double x, double df) {
    if (isnan(x) || isnan(df) || !(df > 0))
        return NAN;
    if (x <= 0)
        return 0;
    return vg_stats_gammainc_p(df / 2, x / 2);
}

double vg_dist_chi2_sf(double x, double df) {
    if (isnan(x) || isnan(df) || !(df > 0))
        return NAN;
    if (x <= 0)
        return 1;
    return vg_stats_gammainc_q(df / 2, x / 2);
}

/* F cdf (complement = 0) or sf (complement = 1). */
static double f_dist(double x, double dfn, double dfd, int complement) {
    if (isnan(x) || isnan(dfn) || isnan(dfd) || !(dfn > 0) || !(dfd > 0))
        return NAN;
    if (x <= 0)
        return complement ? 1 : 0;
    if (isinf(x))
        return complement ? 0 : 1;
    /* the beta argument u = dfn x / (dfn x + dfd) and 1 - u, from whichever ratio is < 1 */
    double u, v;
    if (dfn * x > dfd || isinf(dfn * x)) {
        double r = (dfd / dfn) / x;
        u = 1 / (1 + r);
        v = r / (1 + r);
    } else {
        double s = (dfn / dfd) * x;
        u = s / (1 + s);
        v = 1 / (1 + s);
    }
    return vg_stats_ibeta(dfn / 2, dfd / 2, u, v, complement);
}

double vg_dist_f_cdf(double x, double dfn, double dfd) {
    return f_dist(x, dfn, dfd, 0);
}

double vg_dist_f_sf(double x, double dfn, double dfd) {
    return f_dist(x, dfn, dfd, 1);
}
