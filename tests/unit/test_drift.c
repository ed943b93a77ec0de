/*
 * Drift scores: hand-computed values (constants checked against scipy 1.10 where noted), the
 * edge cases (identical samples give 0, one element, constant reference and the std floor,
 * disjoint samples, unseen categories) and the errors (empty input, non-finite values, all-zero
 * counts), which must leave the outputs untouched.
 */
#include "testutil.h"
#include "vigia/drift.h"

#define NEAR(got, want, rtol)                                                                      \
    do {                                                                                           \
        double g_ = (got), w_ = (want);                                                            \
        if (!isfinite(w_) || !(fabs(g_ - w_) <= (rtol)*fabs(w_)))                                  \
            fail_msg("%s = %.17g, want %.17g", #got, g_, w_);                                      \
    } while (0)

static void test_wasserstein_energy(void **state) {
    (void)state;
    const double a[] = {3, 0, 1}, b[] = {8, 5, 6};
    double w = -1, e = -1;
    /* a shift by 5 moves every unit of mass by 5 */
    assert_int_equal(vg_drift_wasserstein(a, 3, b, 3, &w, NULL), VG_OK);
    NEAR(w, 5.0, 1e-15);
    /* (F - G) is 1/3, 2/3, 1, 2/3, 1/3 on intervals of length 1, 2, 2, 1, 2: the integral of the
     * squares is 33/9, energy = sqrt(2 * 33/9) = sqrt(22/3) (scipy: 2.7080128015453204) */
    assert_int_equal(vg_drift_energy_distance(a, 3, b, 3, &e, NULL), VG_OK);
    NEAR(e, sqrt(22.0 / 3), 1e-15);
    /* one element each: |x - y| and sqrt(2 |x - y|) */
    const double x = -1.25, y = 2.5;
    assert_int_equal(vg_drift_wasserstein(&x, 1, &y, 1, &w, NULL), VG_OK);
    NEAR(w, 3.75, 0);
    assert_int_equal(vg_drift_energy_distance(&x, 1, &y, 1, &e, NULL), VG_OK);
    NEAR(e, sqrt(7.5), 1e-15);
    /* identical samples, in another order, give exactly 0 */
    double r[200], c[200];
    uint64_t s = 7;
    for (int i = 0; i < 200; i++)
        r[i] = c[199 - i] = floor(10 * t_normal(&s)); /* with ties */
    assert_int_equal(vg_drift_wasserstein(r, 200, c, 200, &w, NULL), VG_OK);
    assert_true(w == 0);
    assert_int_equal(vg_drift_energy_distance(r, 200, c, 200, &e, NULL), VG_OK);
    assert_true(e == 0);
    /* unequal sizes: {0, 1} vs {0}: F - G = -1/2 on [0, 1) */
    const double u[] = {0, 1}, v[] = {0};
    assert_int_equal(vg_drift_wasserstein(u, 2, v, 1, &w, NULL), VG_OK);
    NEAR(w, 0.5, 0);
    /* symmetric */
    double w2;
    assert_int_equal(vg_drift_wasserstein(v, 1, u, 2, &w2, NULL), VG_OK);
    assert_true(w2 == w);
    /* a range beyond DBL_MAX: F - G = 1/6 on [-1e308, 0) and -1/6 on [0, 1e308), W = 1e308 / 3;
     * identical samples still give 0 (no 0 * inf) */
    const double big[] = {-1e308, 1e308}, big3[] = {1e308, 0, -1e308};
    assert_int_equal(vg_drift_wasserstein(big, 2, big3, 3, &w, NULL), VG_OK);
    NEAR(w, 1e308 / 3, 1e-15);
    assert_int_equal(vg_drift_wasserstein(big, 2, big, 2, &w, NULL), VG_OK);
    assert_true(w == 0);
    assert_int_equal(vg_drift_energy_distance(big, 2, big3, 3, &e, NULL), VG_OK);
    NEAR(e, sqrt(2 * (2 * (1e308 / 36))), 1e-15);
}

static void test_wasserstein_normed(void **state) {
    (void)state;
    const double a[] = {1, 2, 3, 4}, b[] = {2, 3, 4, 5};
    double w = -1;
    /* std with ddof 0 is sqrt(1.25) (scipy/numpy: 0.8944271909999159) */
    assert_int_equal(vg_drift_wasserstein_normed(a, 4, b, 4, &w, NULL), VG_OK);
    NEAR(w, 1 / sqrt(1.25), 1e-15);
    /* constant reference: std 0 is floored at 0.001 */
    const double k[] = {5, 5, 5}, one = 6;
    assert_int_equal(vg_drift_wasserstein_normed(k, 3, &one, 1, &w, NULL), VG_OK);
    NEAR(w, 1000, 1e-15);
    /* huge values do not overflow the std: {-1e300, 1e300} has std 1e300 */
    const double h[] = {-1e300, 1e300}, h2[] = {0, 2e300};
    assert_int_equal(vg_drift_wasserstein_normed(h, 2, h2, 2, &w, NULL), VG_OK);
    NEAR(w, 1, 1e-15);
}

static void test_bins(void **state) {
    (void)state;
    double r[10];
    for (int i = 0; i < 10; i++)
        r[i] = 10 - i; /* unsorted on purpose */
    const double c[] = {-5, 1.9, 1.95, 100};
    vg_drift_bins b;
    /* numpy.quantile(1..10, [0.1 .. 0.9]) = 1.9, 2.8, ..., 9.1: one reference value per bin */
    assert_int_equal(vg_drift_bins_numeric(r, 10, c, 4, 0, &b, NULL), VG_OK);
    assert_int_equal(b.n_bins, 10);
    for (int i = 0; i < 9; i++)
        NEAR(b.edges[i], 1.9 + 0.9 * i, 1e-15);
    for (int i = 0; i < 10; i++)
        assert_int_equal(b.ref_counts[i], 1);
    /* bins are closed on the right: 1.9 falls in the first */
    assert_int_equal(b.cur_counts[0], 2);
    assert_int_equal(b.cur_counts[1], 1);
    assert_int_equal(b.cur_counts[9], 1);
    vg_drift_bins_free(&b);
    assert_null(b.edges);
    vg_drift_bins_free(NULL);

    /* constant reference: all edges equal, one remains, two bins */
    const double k[] = {3, 3, 3}, kc[] = {2, 3, 4};
    assert_int_equal(vg_drift_bins_numeric(k, 3, kc, 3, 10, &b, NULL), VG_OK);
    assert_int_equal(b.n_bins, 2);
    assert_true(b.edges[0] == 3);
    assert_int_equal(b.ref_counts[0], 3);
    assert_int_equal(b.ref_counts[1], 0);
    assert_int_equal(b.cur_counts[0], 2);
    assert_int_equal(b.cur_counts[1], 1);
    vg_drift_bins_free(&b);

    /* a single bin has no edges */
    assert_int_equal(vg_drift_bins_numeric(k, 3, kc, 3, 1, &b, NULL), VG_OK);
    assert_int_equal(b.n_bins, 1);
    assert_null(b.edges);
    assert_int_equal(b.ref_counts[0], 3);
    assert_int_equal(b.cur_counts[0], 3);
    vg_drift_bins_free(&b);

    /* edges of a reference spanning more than DBL_MAX stay finite: the median of
     * {-1e308, 1e308} is 0, its quartiles -/+5e307 */
    const double big[] = {1e308, -1e308};
    assert_int_equal(vg_drift_bins_numeric(big, 2, big, 2, 4, &b, NULL), VG_OK);
    assert_int_equal(b.n_bins, 4);
    NEAR(b.edges[0], -5e307, 1e-15);
    assert_true(b.edges[1] == 0);
    NEAR(b.edges[2], 5e307, 1e-15);
    vg_drift_bins_free(&b);

    /* one-element reference */
    const double one = 5;
    assert_int_equal(vg_drift_bins_numeric(&one, 1, kc, 3, 4, &b, NULL), VG_OK);
    assert_int_equal(b.n_bins, 2);
    assert_true(b.edges[0] == 5);
    assert_int_equal(b.cur_counts[0], 3);
    vg_drift_bins_free(&b);
}

static void test_binned_scores(void **state) {
    (void)state;
    double r[1000], c[1000];
    uint64_t s = 99;
    for (int i = 0; i < 1000; i++) {
        r[i] = t_normal(&s);
        c[i] = r[i];
    }
    double v = -1;
    /* identical samples: every share equal, every score exactly 0 */
    assert_int_equal(vg_drift_psi(r, 1000, c, 1000, 0, &v, NULL), VG_OK);
    assert_true(v == 0);
    assert_int_equal(vg_drift_kl(r, 1000, c, 1000, 0, &v, NULL), VG_OK);
    assert_true(v == 0);
    assert_int_equal(vg_drift_jensen_shannon(r, 1000, c, 1000, 0, &v, NULL), VG_OK);
    assert_true(v == 0);
    assert_int_equal(vg_drift_hellinger(r, 1000, c, 1000, 0, &v, NULL), VG_OK);
    assert_true(v == 0);
    /* disjoint: the current sample all above the reference lands in the last bin */
    for (int i = 0; i < 1000; i++)
        c[i] = 100 + r[i];
    assert_int_equal(vg_drift_hellinger(r, 1000, c, 1000, 0, &v, NULL), VG_OK);
    /* p = 1/10 each, q = (0, ..., 0, 1): H^2 = 1 - sqrt(1/10) */
    NEAR(v, sqrt(1 - sqrt(0.1)), 1e-14);
    /* PSI: nine bins (1e-4 - 0.1) ln(1e-3) plus (1 - 0.1) ln(10) */
    assert_int_equal(vg_drift_psi(r, 1000, c, 1000, 0, &v, NULL), VG_OK);
    NEAR(v, 9 * (1e-4 - 0.1) * log(1e-3) + 0.9 * log(10), 1e-14);
}

static void test_counts_scores(void **state) {
    (void)state;
    const uint64_t r[] = {50, 50}, c[] = {25, 75};
    double v = -1;
    /* p = (1/2, 1/2), q = (1/4, 3/4) */
    assert_int_equal(vg_drift_psi_counts(r, c, 2, &v, NULL), VG_OK);
    NEAR(v, 0.25 * log(3), 1e-15);
    assert_int_equal(vg_drift_kl_counts(r, c, 2, &v, NULL), VG_OK);
    NEAR(v, 0.5 * log(4.0 / 3), 1e-15);
    assert_int_equal(vg_drift_tvd_counts(r, c, 2, &v, NULL), VG_OK);
    NEAR(v, 0.25, 1e-15);
    assert_int_equal(vg_drift_hellinger_counts(r, c, 2, &v, NULL), VG_OK);
    NEAR(v, sqrt(1 - sqrt(0.125) - sqrt(0.375)), 1e-14);
    /* scipy.spatial.distance.jensenshannon([.5, .5], [.25, .75]) */
    assert_int_equal(vg_drift_jensen_shannon_counts(r, c, 2, &v, NULL), VG_OK);
    NEAR(v, 0.1839077909404743, 1e-14);

    /* disjoint categories: the bounded distances reach their maximum */
    const uint64_t d1[] = {10, 0}, d2[] = {0, 10};
    assert_int_equal(vg_drift_tvd_counts(d1, d2, 2, &v, NULL), VG_OK);
    assert_true(v == 1);
    assert_int_equal(vg_drift_hellinger_counts(d1, d2, 2, &v, NULL), VG_OK);
    NEAR(v, 1, 1e-15);
    /* the filled shares (1, 1e-4) and (1e-4, 1) keep PSI finite */
    assert_int_equal(vg_drift_psi_counts(d1, d2, 2, &v, NULL), VG_OK);
    NEAR(v, 2 * (1 - 1e-4) * log(1e4), 1e-14);
    /* identical proportions give 0 */
    const uint64_t s1[] = {1, 2, 3}, s2[] = {1000, 2000, 3000};
    assert_int_equal(vg_drift_jensen_shannon_counts(s1, s2, 3, &v, NULL), VG_OK);
    assert_true(v == 0);
    assert_int_equal(vg_drift_kl_counts(s1, s2, 3, &v, NULL), VG_OK);
    assert_true(fabs(v) < 1e-16);
}

static void test_chi2(void **state) {
    (void)state;
    double stat = -1, p = -1;
    size_t unseen = 99;
    /* expected (50, 50): (100 + 100) / 50 = 4, p = chi2.sf(4, 1) (scipy 0.04550026389635857) */
    const uint64_t r[] = {50, 50}, c[] = {40, 60};
    assert_int_equal(vg_drift_chi2(r, c, 2, &stat, &p, &unseen, NULL), VG_OK);
    NEAR(stat, 4, 1e-15);
    NEAR(p, 0.04550026389635857, 1e-13);
    assert_int_equal(unseen, 0);
    /* a category empty in both is dropped: the same test */
    const uint64_t r0[] = {50, 0, 50}, c0[] = {40, 0, 60};
    assert_int_equal(vg_drift_chi2(r0, c0, 3, &stat, &p, NULL, NULL), VG_OK);
    NEAR(stat, 4, 1e-15);
    NEAR(p, 0.04550026389635857, 1e-13);
    /* an unseen category: share 1e-4, renormalized, expected count 25e-4 / 1.0001; finite */
    const uint64_t ru[] = {10, 10, 0}, cu[] = {10, 10, 5};
    assert_int_equal(vg_drift_chi2(ru, cu, 3, &stat, &p, &unseen, NULL), VG_OK);
    assert_int_equal(unseen, 1);
    double e = 12.5 / 1.0001, e3 = 25e-4 / 1.0001;
    NEAR(stat, 2 * (10 - e) * (10 - e) / e + (5 - e3) * (5 - e3) / e3, 1e-13);
    assert_true(isfinite(stat) && p >= 0 && p < 1e-100);
    /* a single category cannot drift */
    const uint64_t one_r[] = {10}, one_c[] = {3};
    assert_int_equal(vg_drift_chi2(one_r, one_c, 1, &stat, &p, &unseen, NULL), VG_OK);
    assert_true(stat == 0 && p == 1);
    /* identical proportions */
    const uint64_t s1[] = {1, 2, 3}, s2[] = {1000, 2000, 3000};
    assert_int_equal(vg_drift_chi2(s1, s2, 3, &stat, &p, NULL, NULL), VG_OK);
    assert_true(fabs(stat) < 1e-10);
    NEAR(p, 1, 1e-12);
}

static void test_z(void **state) {
    (void)state;
    double z = 0, p = 0;
    /* p1 = 0.3, p2 = 0.5, pooled 0.4: z = -0.2 / sqrt(0.24 * 0.02), p-value (scipy)
     * 2 * norm.sf(|z|) = 0.003892417122778628 */
    const uint64_t r[] = {30, 70}, c[] = {50, 50};
    assert_int_equal(vg_drift_z_test(r, c, 2, &z, &p, NULL), VG_OK);
    NEAR(z, -0.2 / sqrt(0.24 * 0.02), 1e-14);
    NEAR(p, 0.003892417122778628, 1e-13);
    /* the same single category in both: z = 0, p = 1 */
    const uint64_t a[] = {10, 0}, b[] = {20, 0};
    assert_int_equal(vg_drift_z_test(a, b, 2, &z, &p, NULL), VG_OK);
    assert_true(z == 0 && p == 1);
    const uint64_t a1[] = {10}, b1[] = {3};
    assert_int_equal(vg_drift_z_test(a1, b1, 1, &z, &p, NULL), VG_OK);
    assert_true(z == 0 && p == 1);
    /* opposite single categories: p1 = 1, p2 = 0, pooled 1/2, z = 1 / sqrt(1/4 * 2/100); the
     * p-value is tiny but not rounded to 0 as 2 (1 - Phi(|z|)) would be */
    const uint64_t o1[] = {100, 0}, o2[] = {0, 100};
    assert_int_equal(vg_drift_z_test(o1, o2, 2, &z, &p, NULL), VG_OK);
    NEAR(z, sqrt(200), 1e-14);
    assert_true(p > 0 && p < 1e-40);
}

static void test_errors(void **state) {
    (void)state;
    const double x[] = {1, 2}, bad[] = {1, NAN}, inf[] = {INFINITY, 0};
    double v = 42;
    vg_error e;
    assert_int_equal(vg_drift_wasserstein(x, 0, x, 2, &v, &e), VG_ERR_INVALID);
    assert_non_null(strstr(e.msg, "reference"));
    assert_int_equal(vg_drift_energy_distance(x, 2, x, 0, &v, &e), VG_ERR_INVALID);
    assert_non_null(strstr(e.msg, "current"));
    assert_int_equal(vg_drift_wasserstein_normed(bad, 2, x, 2, &v, &e), VG_ERR_INVALID);
    assert_non_null(strstr(e.msg, "finite"));
    assert_int_equal(vg_drift_psi(x, 2, inf, 2, 0, &v, &e), VG_ERR_INVALID);
    assert_int_equal(vg_drift_kl(x, 2, x, 0, 0, &v, NULL), VG_ERR_INVALID);
    assert_int_equal(vg_drift_jensen_shannon(x, 0, x, 2, 0, &v, NULL), VG_ERR_INVALID);
    assert_int_equal(vg_drift_hellinger(x, 2, bad, 2, 0, &v, NULL), VG_ERR_INVALID);
    vg_drift_bins b = {0, NULL, NULL, NULL};
    assert_int_equal(vg_drift_bins_numeric(x, 0, x, 2, 10, &b, &e), VG_ERR_INVALID);
    assert_int_equal(b.n_bins, 0);

    const uint64_t z[] = {0, 0}, c[] = {1, 2}, c3[] = {1, 2, 3};
    double p = 42;
    size_t unseen = 42;
    assert_int_equal(vg_drift_psi_counts(z, c, 2, &v, &e), VG_ERR_INVALID);
    assert_non_null(strstr(e.msg, "reference counts are all zero"));
    assert_int_equal(vg_drift_kl_counts(c, z, 2, &v, &e), VG_ERR_INVALID);
    assert_non_null(strstr(e.msg, "current counts are all zero"));
    assert_int_equal(vg_drift_jensen_shannon_counts(c, c, 0, &v, &e), VG_ERR_INVALID);
    assert_int_equal(vg_drift_hellinger_counts(z, z, 2, &v, NULL), VG_ERR_INVALID);
    assert_int_equal(vg_drift_tvd_counts(z, c, 2, &v, NULL), VG_ERR_INVALID);
    assert_int_equal(vg_drift_chi2(z, c, 2, &v, &p, &unseen, &e), VG_ERR_INVALID);
    assert_int_equal(vg_drift_z_test(c3, c3, 3, &v, &p, &e), VG_ERR_INVALID);
    assert_non_null(strstr(e.msg, "binary"));
    assert_int_equal(vg_drift_z_test(c, z, 2, &v, &p, &e), VG_ERR_INVALID);
    const uint64_t huge[] = {UINT64_MAX, 1};
    assert_int_equal(vg_drift_tvd_counts(huge, c, 2, &v, &e), VG_ERR_INVALID);
    assert_non_null(strstr(e.msg, "overflow"));
    /* failures leave the outputs untouched */
    assert_true(v == 42 && p == 42 && unseen == 42);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_wasserstein_energy),
        cmocka_unit_test(test_wasserstein_normed),
        cmocka_unit_test(test_bins),
        cmocka_unit_test(test_binned_scores),
        cmocka_unit_test(test_counts_scores),
        cmocka_unit_test(test_chi2),
        cmocka_unit_test(test_z),
        cmocka_unit_test(test_errors),
    };
    return cmocka_run_group_tests_name("drift", tests, NULL, NULL);
}
