/*
 * Special functions, distributions and the KS test (vigia/stats.h): values against 50-digit
 * references (mpmath; Durbin's matrix in exact arithmetic for kstwo; full enumeration of the
 * arrangements for the two-sample exact p-values), far tails, huge parameters, edges (x = 0,
 * infinities, NaN in -> NaN out), identities (cdf + sf = 1, symmetry, ppf o cdf), monotonicity
 * across the regime boundaries of the KS algorithms, and the error paths.
 * tests/oracle/test_stats.py compares the same functions with scipy on many more points.
 */
#include "testutil.h"
#include "vigia/stats.h"

typedef struct {
    double a, b, c, want;
} ref3;

/* |got - want| <= rtol |want| (exact match for 0 and infinities) */
static void check_rel(const char *what, double a, double b, double got, double want, double rtol) {
    if (got == want)
        return;
    double err = fabs(got - want), tol = rtol * fabs(want);
    if (!(err <= tol))
        fail_msg("%s(%.17g, %.17g): got %.17g, want %.17g (rel %.3g > %.3g)", what, a, b, got, want,
                 want != 0 ? err / fabs(want) : INFINITY, rtol);
}

static void test_normal(void **state) {
    (void)state;
    /* sf in the far tail, to 1e-15 relative: the x/sqrt2 rounding is corrected */
    static const ref3 sf[] = {
        {1.0, 0, 0, 0.15865525393145705},      {5.0, 0, 0, 2.8665157187919391e-07},
        {10.0, 0, 0, 7.6198530241605255e-24},  {20.0, 0, 0, 2.7536241186062337e-89},
        {30.0, 0, 0, 4.9067139271481872e-198}, {37.5, 0, 0, 4.6053530095819552e-308},
    };
    for (size_t i = 0; i < sizeof sf / sizeof sf[0]; i++) {
        check_rel("norm_sf", sf[i].a, 0, vg_dist_norm_sf(sf[i].a), sf[i].want, 1e-15);
        check_rel("norm_cdf", -sf[i].a, 0, vg_dist_norm_cdf(-sf[i].a), sf[i].want, 1e-15);
    }
    /* subnormal result: a few bits only, but not 0 */
    check_rel("norm_sf", 38, 0, vg_dist_norm_sf(38), 2.8854283600687843e-316, 1e-6);
    assert_true(vg_dist_norm_sf(0) == 0.5 && vg_dist_norm_cdf(0) == 0.5);
    assert_true(vg_dist_norm_sf(INFINITY) == 0 && vg_dist_norm_cdf(INFINITY) == 1);
    assert_true(vg_dist_norm_sf(-INFINITY) == 1 && vg_dist_norm_cdf(-INFINITY) == 0);
    assert_true(isnan(vg_dist_norm_sf(NAN)) && isnan(vg_dist_norm_cdf(NAN)));

    static const ref3 ppf[] = {
        {1e-300, 0, 0, -37.047096299361201}, {1e-100, 0, 0, -21.273453560965326},
        {1e-10, 0, 0, -6.3613409024040566},  {0.025, 0, 0, -1.9599639845400543},
        {0.3, 0, 0, -0.52440051270804078},   {0.499999999999, 0, 0, -2.5065728237018603e-12},
        {0.75, 0, 0, 0.67448975019608171},
    };
    for (size_t i = 0; i < sizeof ppf / sizeof ppf[0]; i++) {
        check_rel("norm_ppf", ppf[i].a, 0, vg_dist_norm_ppf(ppf[i].a), ppf[i].want, 1e-15);
        check_rel("norm_isf", ppf[i].a, 0, vg_dist_norm_isf(ppf[i].a), -ppf[i].want, 1e-15);
    }
    assert_true(vg_dist_norm_ppf(0.5) == 0);
    assert_true(vg_dist_norm_ppf(0) == -INFINITY && vg_dist_norm_ppf(1) == INFINITY);
    assert_true(isnan(vg_dist_norm_ppf(-0.1)) && isnan(vg_dist_norm_ppf(1.1)));
    assert_true(isnan(vg_dist_norm_ppf(NAN)) && isnan(vg_dist_norm_isf(NAN)));
    /* round trips and cdf + sf = 1 */
    uint64_t seed = 7;
    for (int i = 0; i < 2000; i++) {
        double x = 8 * t_normal(&seed);
        double c = vg_dist_norm_cdf(x), s = vg_dist_norm_sf(x);
        assert_true(fabs(c + s - 1) <= 2e-16);
        double back = x < 0 ? vg_dist_norm_ppf(c) : vg_dist_norm_isf(s);
        check_rel("ppf(cdf(x))", x, 0, back, x, 1e-13);
    }
}

static void test_gamma_beta(void **state) {
    (void)state;
    static const ref3 p[] = {
        {0.5, 1e-10, 0, 1.1283791670579e-05},
        {1.0, 1.0, 0, 0.63212055882855767},
        {1500.0, 750.0, 0, 3.0843372305983793e-128},
        {200000.0, 197763.9320225002, 0, 2.6104685572339149e-07},
        {100.0, 30.0, 0, 7.3384686328783328e-24},
        {1e10, 1e10, 0, 0.50000132980760134}, /* Temme's expansion from a = 1e8 */
        {1e12, 1e12, 0, 0.50000013298076013},
    };
    for (size_t i = 0; i < sizeof p / sizeof p[0]; i++)
        check_rel("gammainc_p", p[i].a, p[i].b, vg_stats_gammainc_p(p[i].a, p[i].b), p[i].want,
                  1e-13);
    static const ref3 q[] = {
        {100.0, 900.0, 0, 4.8474600684612058e-255},
        {200000.0, 213416.40786499874, 0, 1.0313202023587768e-189},
        {2.5, 30.0, 0, 1.215456977718304e-11},
        {1717.7253777575067, 3435.4507555150135, 0, 1.177925092282139e-231},
    };
    for (size_t i = 0; i < sizeof q / sizeof q[0]; i++)
        check_rel("gammainc_q", q[i].a, q[i].b, vg_stats_gammainc_q(q[i].a, q[i].b), q[i].want,
                  2e-13);
    /* underflow is 0, not garbage */
    assert_true(vg_stats_gammainc_q(10, 1000) == 0);
    /* edges, as scipy */
    assert_true(vg_stats_gammainc_p(1, 0) == 0 && vg_stats_gammainc_q(1, 0) == 1);
    assert_true(vg_stats_gammainc_p(0, 1) == 1 && vg_stats_gammainc_q(0, 1) == 0);
    assert_true(vg_stats_gammainc_p(2, INFINITY) == 1 && vg_stats_gammainc_q(2, INFINITY) == 0);
    assert_true(isnan(vg_stats_gammainc_p(-1, 1)) && isnan(vg_stats_gammainc_q(1, -1)));
    assert_true(isnan(vg_stats_gammainc_p(NAN, 1)) && isnan(vg_stats_gammainc_q(1, NAN)));
    assert_true(isnan(vg_stats_gammainc_p(0, 0)));

    static const struct {
        double a, b, x, want;
    } beta[] = {
        {2.0, 3.0, 0.4, 0.52480000000000004},
        {0.5, 0.5, 0.5, 0.5},
        {1e4, 1e4, 0.5, 0.5},
        {994.8255467383422, 0.10775669073040169, 0.9998916945584603, 0.17901153247239382},
        {6.7075377317868945, 815.0396595328468, 0.008162531924799267, 0.55075102217397975},
    };
    for (size_t i = 0; i < sizeof beta / sizeof beta[0]; i++) {
        double got = vg_stats_betainc(beta[i].a, beta[i].b, beta[i].x);
        check_rel("betainc", beta[i].a, beta[i].x, got, beta[i].want, 1e-14);
        /* the complement is computed directly, and agrees */
        double c = vg_stats_betainc_c(beta[i].a, beta[i].b, beta[i].x);
        assert_true(fabs(got + c - 1) <= 4e-16);
    }
    /* 1.326e-997 underflows to 0; at x = 1e-6 the first two terms of the series
     * x^a / (a B(a,b)) (1 + a (1-b) x / (a+1) + ...) */
    assert_true(vg_stats_betainc(50, 3, 1e-20) == 0);
    check_rel("betainc", 50, 1e-6, vg_stats_betainc(50, 3, 1e-6),
              1326 * pow(1e-6, 50) * (1 - 100.0 / 51 * 1e-6), 1e-11);
    assert_true(vg_stats_betainc(2, 3, 0) == 0 && vg_stats_betainc(2, 3, 1) == 1);
    assert_true(vg_stats_betainc_c(2, 3, 0) == 1 && vg_stats_betainc_c(2, 3, 1) == 0);
    assert_true(isnan(vg_stats_betainc(0, 1, 0.5)) && isnan(vg_stats_betainc(1, -1, 0.5)));
    assert_true(isnan(vg_stats_betainc(1, 1, 1.5)) && isnan(vg_stats_betainc(1, 1, -0.5)));
    assert_true(isnan(vg_stats_betainc(NAN, 1, 0.5)) && isnan(vg_stats_betainc(1, 1, NAN)));
    assert_true(isnan(vg_stats_betainc(1e18, 2, 0.5))); /* beyond the documented range */
    /* P(a, a) = 1/2 + 1/(3 sqrt(2 pi a)) + O(1/a^1.5) for huge a */
    check_rel("gammainc_p", 1e300, 1e300, vg_stats_gammainc_p(1e300, 1e300), 0.5, 1e-15);
    check_rel("lgamma", 0.5, 0, vg_stats_lgamma(0.5), 0.57236494292470008, 1e-15);
    check_rel("lgamma", 100, 0, vg_stats_lgamma(100), 359.13420536957540, 1e-15);
}

static void test_t_chi2_f(void **state) {
    (void)state;
    static const ref3 t[] = {
        {2.0, 1e10, 0, 0.02275013196167695}, /* huge df: x = df/(df+t^2) ~ 1 - 4e-10 */
        {2.0, 1e5, 0, 0.022751481728753232},      {3.0, 1.0, 0, 0.10241638234956672},
        {1e300, 1.0, 0, 3.1830988618379065e-301}, /* t^2 overflows */
        {1e150, 2.0, 0, 5.0000000000000001e-301}, {40.0, 5.0, 0, 9.2059810858864771e-08},
        {1.5, 7.5, 0, 0.08724028529323212},
    };
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
        check_rel("t_sf", t[i].a, t[i].b, vg_dist_t_sf(t[i].a, t[i].b), t[i].want, 1e-13);
        check_rel("t_cdf", -t[i].a, t[i].b, vg_dist_t_cdf(-t[i].a, t[i].b), t[i].want, 1e-13);
        check_rel("t_pvalue", -t[i].a, t[i].b, vg_dist_t_pvalue(-t[i].a, t[i].b), 2 * t[i].want,
                  1e-13);
    }
    assert_true(vg_dist_t_sf(0, 3) == 0.5 && vg_dist_t_cdf(0, 3) == 0.5);
    assert_true(vg_dist_t_pvalue(0, 3) == 1);
    assert_true(vg_dist_t_sf(INFINITY, 3) == 0 && vg_dist_t_cdf(INFINITY, 3) == 1);
    assert_true(vg_dist_t_sf(1.5, INFINITY) == vg_dist_norm_sf(1.5));
    assert_true(vg_dist_t_sf(3, 1e300) == vg_dist_norm_sf(3)); /* df > 1e17: the normal */
    check_rel("t_sf", 3, 1e16, vg_dist_t_sf(3, 1e16), vg_dist_norm_sf(3), 1e-14);
    assert_true(isnan(vg_dist_t_sf(1, 0)) && isnan(vg_dist_t_sf(1, -2)));
    assert_true(isnan(vg_dist_t_sf(NAN, 3)) && isnan(vg_dist_t_cdf(1, NAN)));
    assert_true(isnan(vg_dist_t_pvalue(NAN, 3)));

    static const ref3 chi[] = {
        {1400.0, 1.0, 0, 2.1010145162642176e-306},
        {100.0, 3.0, 0, 1.5541594313896049e-21},
        {50.0, 50.0, 0, 0.47339846855634937},
    };
    for (size_t i = 0; i < sizeof chi / sizeof chi[0]; i++)
        check_rel("chi2_sf", chi[i].a, chi[i].b, vg_dist_chi2_sf(chi[i].a, chi[i].b), chi[i].want,
                  1e-13);
    /* chi2 with 2 df is exponential: cdf(x) = 1 - e^(-x/2), accurate near 0 */
    check_rel("chi2_cdf", 1e-10, 2, vg_dist_chi2_cdf(1e-10, 2), -expm1(-5e-11), 4e-15);
    assert_true(vg_dist_chi2_cdf(0, 3) == 0 && vg_dist_chi2_sf(0, 3) == 1);
    assert_true(vg_dist_chi2_cdf(-1, 3) == 0 && vg_dist_chi2_sf(-1, 3) == 1);
    assert_true(isnan(vg_dist_chi2_sf(1, 0)) && isnan(vg_dist_chi2_cdf(NAN, 2)));

    /* F: equal degrees of freedom put the median at 1 */
    check_rel("f_cdf", 1, 1e4, vg_dist_f_cdf(1, 1e4, 1e4), 0.5, 1e-14);
    /* F(1, d) at x is t(d) at sqrt(x), two-sided */
    check_rel("f_sf", 4, 7.5, vg_dist_f_sf(4, 1, 7.5), 2 * vg_dist_t_sf(2, 7.5), 1e-14);
    /* huge df, against a 40-digit quadrature of the density */
    check_rel("f_sf", 1.0001, 1e9, vg_dist_f_sf(1.0001, 1e9, 1e9), 0.05693218516812948, 1e-11);
    assert_true(vg_dist_f_cdf(0, 2, 3) == 0 && vg_dist_f_sf(INFINITY, 2, 3) == 0);
    assert_true(isnan(vg_dist_f_sf(1, 0, 3)) && isnan(vg_dist_f_cdf(NAN, 2, 3)));

    /* cdf + sf = 1 over random arguments */
    uint64_t seed = 11;
    for (int i = 0; i < 3000; i++) {
        double df = exp(8 * t_uniform(&seed) - 1), x = 5 * t_normal(&seed);
        double c = vg_dist_t_cdf(x, df), s = vg_dist_t_sf(x, df);
        assert_true(fabs(c + s - 1) <= 1e-15);
        double y = df * exp(t_normal(&seed));
        c = vg_dist_chi2_cdf(y, df);
        s = vg_dist_chi2_sf(y, df);
        assert_true(fabs(c + s - 1) <= 1e-15);
        c = vg_dist_f_cdf(exp(t_normal(&seed)), df, df + 1);
        s = vg_dist_f_sf(exp(t_normal(&seed) * 0), df, df + 1); /* x = 1 */
        assert_true(c >= 0 && c <= 1 && s >= 0 && s <= 1);
    }
}

static void test_kolmogorov_smirnov(void **state) {
    (void)state;
    static const ref3 k[] = {
        {0.3, 0, 0, 0.99999069419866549},      {0.5, 0, 0, 0.96394524366487511},
        {1.0, 0, 0, 0.2699996716773545},       {2.0, 0, 0, 0.00067092525577969533},
        {18.5, 0, 0, 1.0628136728909079e-297},
    };
    for (size_t i = 0; i < sizeof k / sizeof k[0]; i++) {
        check_rel("kolmogorov", k[i].a, 0, vg_dist_kolmogorov_sf(k[i].a), k[i].want, 1e-14);
        assert_true(fabs(vg_dist_kolmogorov_cdf(k[i].a) + vg_dist_kolmogorov_sf(k[i].a) - 1) <=
                    2e-16);
    }
    assert_true(vg_dist_kolmogorov_sf(0) == 1 && vg_dist_kolmogorov_sf(-1) == 1);
    assert_true(vg_dist_kolmogorov_sf(0.01) == 1 && vg_dist_kolmogorov_sf(INFINITY) == 0);
    assert_true(isnan(vg_dist_kolmogorov_sf(NAN)) && isnan(vg_dist_kolmogorov_cdf(NAN)));

    static const ref3 sm[] = {
        {5, 0.3, 0, 0.34282000000000001},         {2, 0.75, 0, 0.0625},
        {100, 0.05, 0, 0.58714533808053371},      {1000, 0.1, 0, 1.8518435484088554e-09},
        {20000, 0.02, 0, 1.1090635035024872e-07},
    };
    for (size_t i = 0; i < sizeof sm / sizeof sm[0]; i++)
        check_rel("smirnov", sm[i].a, sm[i].b, vg_dist_smirnov_sf((uint64_t)sm[i].a, sm[i].b),
                  sm[i].want, 1e-14);
    assert_true(vg_dist_smirnov_sf(5, 0) == 1 && vg_dist_smirnov_sf(5, 1) == 0);
    assert_true(vg_dist_smirnov_sf(1, 0.3) == 0.7);
    assert_true(isnan(vg_dist_smirnov_sf(5, 1.2)) && isnan(vg_dist_smirnov_sf(5, NAN)));
    assert_true(isnan(vg_dist_smirnov_sf(0, 0.5)));

    /* kstwo: exact values from Durbin's matrix in 50-digit arithmetic; the sf is 1 - cdf in
     * these regimes, so the tolerance is absolute */
    static const ref3 kt[] = {
        {30, 0.1, 0, 0.89607826800508972},    {7, 0.3, 0, 0.46626387699002969},
        {100, 0.15, 0, 0.019839242125646046}, {141, 0.03, 0, 0.99921076010127186},
        {1000, 0.01, 0, 0.99994967453706107}, {40, 0.25, 0, 0.010895520868552337},
    };
    for (size_t i = 0; i < sizeof kt / sizeof kt[0]; i++) {
        double got = vg_dist_kstwo_sf((uint64_t)kt[i].a, kt[i].b);
        if (!(fabs(got - kt[i].want) <= 5e-15))
            fail_msg("kstwo_sf(%g, %g) = %.17g, want %.17g", kt[i].a, kt[i].b, got, kt[i].want);
    }
    /* Ruben-Gambino ends: sf(n, 1/2n) = 1, sf(n, d >= 1 - 1/n) = 2 (1-d)^n */
    assert_true(vg_dist_kstwo_sf(10, 0.05) == 1);
    check_rel("kstwo_sf", 10, 0.95, vg_dist_kstwo_sf(10, 0.95), 2 * pow(0.05, 10), 1e-14);
    assert_true(vg_dist_kstwo_sf(10, 0) == 1 && vg_dist_kstwo_sf(10, 1) == 0);
    assert_true(isnan(vg_dist_kstwo_sf(10, NAN)) && isnan(vg_dist_kstwo_sf(0, 0.3)));
    /* monotone in d across every regime switch (Durbin, Pomeranz, Smirnov, Pelz-Good) */
    static const uint64_t ns[] = {3, 20, 140, 141, 5000, 100001};
    for (size_t i = 0; i < sizeof ns / sizeof ns[0]; i++) {
        double prev = 1;
        int steps = ns[i] > 10000 ? 50 : 400; /* 2 x Smirnov sums ~n terms: keep it quick */
        for (int j = 1; j <= steps; j++) {
            double d = j / (double)steps * fmin(1, 6 / sqrt((double)ns[i]));
            double s = vg_dist_kstwo_sf(ns[i], d);
            if (!(s <= prev + 1e-15 && s >= 0 && s <= 1))
                fail_msg("kstwo_sf(%llu, %g) = %.17g after %.17g", (unsigned long long)ns[i], d, s,
                         prev);
            prev = s;
        }
    }
}

typedef struct {
    double a[8];
    size_t na;
    double b[8];
    size_t nb;
    double d, p;
} ks_case;

static void test_ks_2samp(void **state) {
    (void)state;
    /* exact p-values by enumerating all C(na+nb, na) arrangements (rational, then rounded) */
    static const ks_case cases[] = {
        {{1, 2, 3}, 3, {2.5, 3.5, 4, 5}, 4, 0.75, 8.0 / 35},
        {{0.1, 0.4, 0.5, 0.9, 1.3},
         5,
         {0.2, 0.3, 1.1, 1.2, 1.4, 1.5, 1.6},
         7,
         18.0 / 35,
         65.0 / 198},
        {{1, 1, 2}, 3, {1, 2, 2, 3}, 4, 5.0 / 12, 31.0 / 35}, /* ties */
        {{1, 2, 3, 4, 5}, 5, {6, 7, 8, 9, 10, 11}, 6, 1, 1.0 / 231},
        {{3}, 1, {1, 2, 4, 5, 6}, 5, 0.6, 1},
        {{1, 2, 3, 4, 5, 6}, 6, {1, 2, 3, 4, 5, 6}, 6, 0, 1}, /* identical */
        {{0.5, 2.5, 2.6, 3, 7, 8, 9, 9.5}, 8, {1, 2, 4, 5, 6, 10}, 6, 1.0 / 3, 214.0 / 273},
        {{1, 2, 3, 4, 5}, 5, {6, 7, 8, 9, 10}, 5, 1, 2.0 / 252}, /* equal sizes */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const ks_case *c = &cases[i];
        double d, p, d2, p2;
        vg_error err;
        assert_int_equal(vg_stats_ks_2samp(c->a, c->na, c->b, c->nb, &d, &p, &err), VG_OK);
        if (fabs(d - c->d) > 1e-15 || fabs(p - c->p) > 1e-15 * c->p)
            fail_msg("case %zu: D %.17g p %.17g, want D %.17g p %.17g", i, d, p, c->d, c->p);
        /* symmetric in the samples */
        assert_int_equal(vg_stats_ks_2samp(c->b, c->nb, c->a, c->na, &d2, &p2, NULL), VG_OK);
        assert_true(d2 == d && p2 == p);
    }

    /* larger samples: p in [0, 1], shift detected, p-value of D alone agrees */
    size_t n1 = 3000, n2 = 2000;
    double *a = malloc(n1 * sizeof *a), *b = malloc(n2 * sizeof *b);
    uint64_t seed = 3;
    for (size_t i = 0; i < n1; i++)
        a[i] = t_normal(&seed);
    for (size_t i = 0; i < n2; i++)
        b[i] = t_normal(&seed) + 0.3;
    qsort(a, n1, sizeof *a, t_cmp_double);
    qsort(b, n2, sizeof *b, t_cmp_double);
    double d, p, pd;
    assert_int_equal(vg_stats_ks_2samp(a, n1, b, n2, &d, &p, NULL), VG_OK);
    assert_true(d > 0.08 && d < 0.2 && p > 0 && p < 1e-8);
    assert_int_equal(vg_stats_ks_2samp_pvalue(d, n1, n2, VG_KS_AUTO, &pd, NULL), VG_OK);
    assert_true(pd == p);
    /* the asymptotic method is close to the exact one at this size */
    assert_int_equal(vg_stats_ks_2samp_pvalue(d, n1, n2, VG_KS_ASYMP, &pd, NULL), VG_OK);
    assert_true(fabs(log(pd / p)) < 0.3);
    /* the same distribution: a large p */
    for (size_t i = 0; i < n2; i++)
        b[i] -= 0.3;
    assert_int_equal(vg_stats_ks_2samp(a, n1, b, n2, &d, &p, NULL), VG_OK);
    assert_true(p > 0.001);
    free(a);
    free(b);

    /* exact p-value is monotone in d */
    double prev = 1;
    for (int h = 0; h <= 77; h++) {
        assert_int_equal(vg_stats_ks_2samp_pvalue(h / 77.0, 7, 11, VG_KS_EXACT, &p, NULL), VG_OK);
        assert_true(p <= prev && p >= 0);
        prev = p;
    }
    check_rel("ks2 exact", 7, 11, p, 2.0 / 31824, 1e-15); /* D = 1: 2 / C(18, 7) */

    /* errors */
    vg_error err;
    double one = 1, two[2] = {1, 2}, unsorted[3] = {1, 3, 2}, withnan[2] = {1, NAN};
    assert_int_equal(vg_stats_ks_2samp(&one, 0, two, 2, &d, &p, &err), VG_ERR_INVALID);
    assert_int_equal(err.code, VG_ERR_INVALID);
    assert_true(strlen(err.msg) > 0);
    assert_int_equal(vg_stats_ks_2samp(two, 2, unsorted, 3, &d, &p, &err), VG_ERR_INVALID);
    assert_non_null(strstr(err.msg, "sorted"));
    assert_int_equal(vg_stats_ks_2samp(withnan, 2, two, 2, &d, &p, NULL), VG_ERR_INVALID);
    assert_int_equal(vg_stats_ks_2samp(NULL, 2, two, 2, &d, &p, NULL), VG_ERR_INVALID);
    assert_int_equal(vg_stats_ks_2samp_method(two, 2, two, 2, (vg_ks_method)9, &d, &p, NULL),
                     VG_ERR_INVALID);
    assert_int_equal(vg_stats_ks_2samp_pvalue(1.5, 3, 3, VG_KS_AUTO, &p, NULL), VG_ERR_INVALID);
    assert_int_equal(vg_stats_ks_2samp_pvalue(NAN, 3, 3, VG_KS_AUTO, &p, NULL), VG_ERR_INVALID);
    assert_int_equal(vg_stats_ks_2samp_pvalue(0.5, 0, 3, VG_KS_AUTO, &p, NULL), VG_ERR_INVALID);
    /* outputs untouched on failure */
    d = p = 42;
    assert_int_equal(vg_stats_ks_2samp(two, 2, unsorted, 3, &d, &p, NULL), VG_ERR_INVALID);
    assert_true(d == 42 && p == 42);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_normal),   cmocka_unit_test(test_gamma_beta),
        cmocka_unit_test(test_t_chi2_f), cmocka_unit_test(test_kolmogorov_smirnov),
        cmocka_unit_test(test_ks_2samp),
    };
    return cmocka_run_group_tests_name("stats", tests, NULL, NULL);
}
