/*
 * Two-sample tests (vigia/stattests.h): values worked out by hand, the exact p-values of
 * Mann-Whitney and Cramer-von Mises against full enumeration of the arrangements, ties,
 * identical and constant samples, single elements, symmetry under swapping the samples, and the
 * error paths (outputs untouched on failure). tests/oracle/test_stattests.py compares the same
 * functions with scipy on many more inputs.
 */
#include "testutil.h"
#include "vigia/stattests.h"

static void check_rel(const char *what, double got, double want, double rtol) {
    if (got == want || (isnan(got) && isnan(want)))
        return;
    double err = fabs(got - want);
    if (!(err <= rtol * fabs(want)))
        fail_msg("%s: got %.17g, want %.17g (rel %.3g > %.3g)", what, got, want,
                 want != 0 ? err / fabs(want) : INFINITY, rtol);
}

static void test_welch(void **state) {
    (void)state;
    /* a: mean 2.5, var 5/3; b: mean 6, var 10. t = -3.5 / sqrt(5/12 + 2) = -2.25149..., df =
     * (29/12)^2 / ((5/12)^2/3 + 4/4) = 5.52079...; p from Student's t (scipy 1.10) */
    const double a[] = {1, 2, 3, 4}, b[] = {2, 4, 6, 8, 10};
    double t, p;
    assert_int_equal(vg_stats_ttest_welch(a, 4, b, 5, &t, &p, NULL), VG_OK);
    check_rel("welch t", t, -3.5 / sqrt(29.0 / 12), 1e-15);
    check_rel("welch p", p, 0.06913359319239236, 1e-11);
    /* swapping the samples negates t and keeps p */
    double t2, p2;
    assert_int_equal(vg_stats_ttest_welch(b, 5, a, 4, &t2, &p2, NULL), VG_OK);
    assert_true(t2 == -t && p2 == p);
    /* identical samples: t = 0, p = 1 */
    assert_int_equal(vg_stats_ttest_welch(a, 4, a, 4, &t, &p, NULL), VG_OK);
    assert_true(t == 0 && p == 1);
    /* constant samples: different means -> -inf, p 0 (df taken as 1); equal means -> NaN */
    const double c1[] = {1, 1, 1}, c2[] = {2, 2};
    assert_int_equal(vg_stats_ttest_welch(c1, 3, c2, 2, &t, &p, NULL), VG_OK);
    assert_true(t == -INFINITY && p == 0);
    assert_int_equal(vg_stats_ttest_welch(c1, 3, c1, 2, &t, &p, NULL), VG_OK);
    assert_true(isnan(t) && isnan(p));
    /* one element: variance undefined -> NaN */
    assert_int_equal(vg_stats_ttest_welch(a, 1, b, 5, &t, &p, NULL), VG_OK);
    assert_true(isnan(t) && isnan(p));
}

static void test_mwu_values(void **state) {
    (void)state;
    double u, p;
    /* x below all of y: U1 = 0, P(U <= 0) = 1 / C(5, 2) = 1/10, two-sided 0.2 */
    const double x1[] = {2, 1}, y1[] = {5, 3, 4};
    assert_int_equal(vg_stats_mannwhitneyu(x1, 2, y1, 3, &u, &p, NULL), VG_OK);
    assert_true(u == 0);
    check_rel("mwu p", p, 0.2, 1e-15);
    assert_int_equal(vg_stats_mannwhitneyu(y1, 3, x1, 2, &u, &p, NULL), VG_OK);
    assert_true(u == 6);
    check_rel("mwu p swapped", p, 0.2, 1e-15);
    /* ranks of x in {1,2,3,5,7,8,9}: 1, 2, 4 -> U1 = 7 - 6 = 1; P(U <= 1) = 2 / C(7, 3) */
    const double x2[] = {1, 5, 2}, y2[] = {3, 7, 8, 9};
    assert_int_equal(vg_stats_mannwhitneyu(x2, 3, y2, 4, &u, &p, NULL), VG_OK);
    assert_true(u == 1);
    check_rel("mwu p", p, 4.0 / 35, 1e-15);
    /* one element each: U1 = 0, P(U <= 0) = 1/2, p = 1 */
    assert_int_equal(vg_stats_mannwhitneyu(x2, 1, y2, 1, &u, &p, NULL), VG_OK);
    assert_true(u == 0 && p == 1);
    /* all tied: U1 = n1 n2 / 2, zero variance after the tie correction, p = 1 */
    const double c[] = {3, 3, 3, 3, 3, 3, 3, 3, 3, 3};
    assert_int_equal(vg_stats_mannwhitneyu(c, 4, c, 6, &u, &p, NULL), VG_OK);
    assert_true(u == 12 && p == 1);
    /* ties, asymptotic: x = {1, 2, 2}, y = {2, 3, 3, 4}. Midranks 1, 3, 3 | 3, 5.5, 5.5, 7:
     * R1 = 7, U1 = 1. Tie term (3^3 - 3) + (2^3 - 2) = 30; sigma^2 = 12/12 (8 - 30/42);
     * z = (11 - 6 - 0.5) / sigma; p = 2 sf(z) */
    const double x3[] = {1, 2, 2}, y3[] = {2, 3, 3, 4};
    assert_int_equal(vg_stats_mannwhitneyu(x3, 3, y3, 4, &u, &p, NULL), VG_OK);
    assert_true(u == 1);
    check_rel("mwu ties p", p, 2 * vg_dist_norm_sf(4.5 / sqrt(8 - 30.0 / 42)), 1e-15);
}

/* Exact p-value of every arrangement of m + n distinct values, against the count of the
 * arrangements whose U is at least as extreme (two-sided, as scipy: 2 P(U <= min(U, mn-U)),
 * capped at 1). */
static void test_mwu_enumeration(void **state) {
    (void)state;
    static const int sizes[][2] = {{3, 5}, {4, 7}, {8, 6}, {2, 12}, {8, 8}, {1, 9}};
    for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
        int m = sizes[s][0], n = sizes[s][1], N = m + n;
        long long count[129] = {0}, total = 0; /* U <= 64 */
        for (unsigned mask = 0; mask < 1u << N; mask++) {
            if (__builtin_popcount(mask) != m)
                continue;
            int u = 0, ybelow = 0;
            for (int i = 0; i < N; i++) {
                if (mask >> i & 1)
                    u += ybelow;
                else
                    ybelow++;
            }
            count[u]++;
            total++;
        }
        for (unsigned mask = 0; mask < 1u << N; mask += 7) {
            if (__builtin_popcount(mask) != m)
                continue;
            double x[16], y[16];
            int nx = 0, ny = 0, u1 = 0;
            for (int i = 0; i < N; i++) {
                if (mask >> i & 1) {
                    x[nx++] = i;
                    u1 += ny;
                } else {
                    y[ny++] = i;
                }
            }
            int lo = u1 < m * n - u1 ? u1 : m * n - u1;
            long long tail = 0;
            for (int k = 0; k <= lo; k++)
                tail += count[k];
            double want = 2.0 * (double)tail / (double)total;
            if (want > 1)
                want = 1;
            double u, p;
            assert_int_equal(vg_stats_mannwhitneyu(x, (size_t)m, y, (size_t)n, &u, &p, NULL),
                             VG_OK);
            assert_true(u == u1);
            check_rel("mwu exact vs enumeration", p, want, 1e-14);
        }
    }
}

static void test_anderson(void **state) {
    (void)state;
    double a2, p;
    int bounded = 7;
    /* references from scipy.stats.anderson_ksamp 1.10 */
    const double x[] = {1, 2, 3}, y[] = {4, 5, 6};
    assert_int_equal(vg_stats_anderson_ksamp(x, 3, y, 3, &a2, &p, &bounded, NULL), VG_OK);
    check_rel("ad statistic", a2, 2.6332335269661775, 1e-13);
    check_rel("ad p", p, 0.027147178465657357, 1e-12);
    assert_int_equal(bounded, 0);
    double a2s, ps;
    assert_int_equal(vg_stats_anderson_ksamp(y, 3, x, 3, &a2s, &ps, NULL, NULL), VG_OK);
    assert_true(a2s == a2 && ps == p);
    /* identical samples: statistic below every critical value -> capped at 0.25 */
    const double z[] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9};
    assert_int_equal(vg_stats_anderson_ksamp(z, 10, z, 10, &a2, &p, &bounded, NULL), VG_OK);
    assert_true(a2 < 0.325 && p == 0.25 && bounded == 1);
    /* disjoint samples of 50: far above the 0.1% critical value -> floored at 0.001 */
    double lo[50], hi[50];
    for (int i = 0; i < 50; i++)
        lo[i] = i, hi[i] = 1000 + i;
    assert_int_equal(vg_stats_anderson_ksamp(lo, 50, hi, 50, &a2, &p, &bounded, NULL), VG_OK);
    assert_true(a2 > 6.546 && p == 0.001 && bounded == -1);
    /* ties: x = {1, 1}, y = {1, 2} gives A2akN = 1 exactly, hence statistic 0 */
    const double t1[] = {1, 1}, t2[] = {1, 2};
    assert_int_equal(vg_stats_anderson_ksamp(t1, 2, t2, 2, &a2, &p, &bounded, NULL), VG_OK);
    assert_true(fabs(a2) < 1e-15 && p == 0.25 && bounded == 1);
    /* N = 3: the variance normalization divides by N - 3 = 0: NaN, as scipy */
    assert_int_equal(vg_stats_anderson_ksamp(x, 2, y, 1, &a2, &p, &bounded, NULL), VG_OK);
    assert_true(isnan(a2) && isnan(p));
}

/* Cramer-von Mises exact p-values against enumeration: U = m sum (r_i - i)^2 + n sum (s_j -
 * j)^2 over every arrangement, p = #{U' >= U} / C(m + n, m). */
static void test_cvm_enumeration(void **state) {
    (void)state;
    static const int sizes[][2] = {{2, 2}, {3, 4}, {5, 5}, {4, 9}, {6, 8}};
    for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
        int m = sizes[s][0], n = sizes[s][1], N = m + n;
        long long *us = malloc(sizeof *us << N);
        assert_non_null(us);
        for (unsigned mask = 0; mask < 1u << N; mask++) {
            us[mask] = -1;
            if (__builtin_popcount(mask) != m)
                continue;
            long long sx = 0, sy = 0;
            int i = 0, j = 0;
            for (int r = 1; r <= N; r++) {
                if (mask >> (r - 1) & 1) {
                    i++;
                    sx += (long long)(r - i) * (r - i);
                } else {
                    j++;
                    sy += (long long)(r - j) * (r - j);
                }
            }
            us[mask] = m * sx + n * sy;
        }
        for (unsigned mask = 0; mask < 1u << N; mask++) {
            if (us[mask] < 0)
                continue;
            long long ge = 0, total = 0;
            for (unsigned o = 0; o < 1u << N; o++) {
                if (us[o] < 0)
                    continue;
                total++;
                ge += us[o] >= us[mask];
            }
            double x[16], y[16];
            int nx = 0, ny = 0;
            for (int i = 0; i < N; i++) {
                if (mask >> i & 1)
                    x[nx++] = i;
                else
                    y[ny++] = i;
            }
            double t, p;
            assert_int_equal(
                vg_stats_cramervonmises_2samp(x, (size_t)m, y, (size_t)n, &t, &p, NULL), VG_OK);
            double mn = (double)m * n;
            check_rel("cvm T", t, (double)us[mask] / (mn * N) - (4 * mn - 1) / (6.0 * N), 1e-14);
            check_rel("cvm exact vs enumeration", p, (double)ge / (double)total, 1e-15);
        }
        free(us);
    }
}

static void test_cvm_values(void **state) {
    (void)state;
    double t, p;
    /* x all below y: U = 3 * 3 * 3^2 = 81, T = 81/54 - 35/36; the two extreme arrangements
     * share the largest U: p = 2/20 */
    const double x[] = {3, 1, 2}, y[] = {4, 6, 5};
    assert_int_equal(vg_stats_cramervonmises_2samp(x, 3, y, 3, &t, &p, NULL), VG_OK);
    check_rel("cvm T", t, 81.0 / 54 - 35.0 / 36, 1e-15);
    check_rel("cvm p", p, 0.1, 1e-15);
    /* identical samples: T at its minimum, p = 1 (exact and asymptotic paths) */
    double z[30];
    for (int i = 0; i < 30; i++)
        z[i] = i * 0.5;
    assert_int_equal(vg_stats_cramervonmises_2samp(z, 10, z, 10, &t, &p, NULL), VG_OK);
    assert_true(p == 1);
    assert_int_equal(vg_stats_cramervonmises_2samp(z, 30, z, 30, &t, &p, NULL), VG_OK);
    assert_true(t >= 0 && p > 0.99 && p <= 1);
    /* constant samples: every rank is the midrank, T = U/(mnN) - (4mn-1)/(6N), p = 1 */
    const double c[] = {7, 7, 7, 7, 7, 7, 7};
    assert_int_equal(vg_stats_cramervonmises_2samp(c, 3, c, 4, &t, &p, NULL), VG_OK);
    assert_true(p == 1);
    /* asymptotic path, reference from scipy.stats.cramervonmises_2samp 1.10 */
    double a[25];
    for (int i = 0; i < 25; i++)
        a[i] = i + 1;
    const double b[] = {2.5, 8.5, 30};
    assert_int_equal(vg_stats_cramervonmises_2samp(a, 25, b, 3, &t, &p, NULL), VG_OK);
    check_rel("cvm T asymptotic", t, 0.09119047619047627, 1e-13);
    check_rel("cvm p asymptotic", p, 0.7234997208537289, 1e-12);
}

static void test_invalid(void **state) {
    (void)state;
    const double a[] = {1, 2, 3}, bad[] = {1, NAN, 3};
    double s = 42, p = 43;
    int bounded = 44;
    vg_error err;
    assert_int_equal(vg_stats_ttest_welch(a, 0, a, 3, &s, &p, &err), VG_ERR_INVALID);
    assert_int_equal(err.code, VG_ERR_INVALID);
    assert_true(strlen(err.msg) > 0);
    assert_int_equal(vg_stats_ttest_welch(a, 3, bad, 3, &s, &p, &err), VG_ERR_INVALID);
    assert_non_null(strstr(err.msg, "NaN"));
    assert_int_equal(vg_stats_ttest_welch(a, 3, a, 3, NULL, &p, NULL), VG_ERR_INVALID);
    assert_int_equal(vg_stats_mannwhitneyu(a, 3, a, 0, &s, &p, &err), VG_ERR_INVALID);
    assert_int_equal(vg_stats_mannwhitneyu(bad, 3, a, 3, &s, &p, NULL), VG_ERR_INVALID);
    assert_int_equal(vg_stats_mannwhitneyu(NULL, 3, a, 3, &s, &p, NULL), VG_ERR_INVALID);
    assert_int_equal(vg_stats_anderson_ksamp(a, 1, a, 1, &s, &p, &bounded, &err), VG_ERR_INVALID);
    const double same[] = {5, 5, 5};
    assert_int_equal(vg_stats_anderson_ksamp(same, 2, same, 3, &s, &p, &bounded, &err),
                     VG_ERR_INVALID);
    assert_non_null(strstr(err.msg, "distinct"));
    assert_int_equal(vg_stats_anderson_ksamp(a, 3, bad, 3, &s, &p, &bounded, NULL), VG_ERR_INVALID);
    assert_int_equal(vg_stats_cramervonmises_2samp(a, 1, a, 3, &s, &p, &err), VG_ERR_INVALID);
    assert_int_equal(vg_stats_cramervonmises_2samp(a, 3, bad, 3, &s, &p, &err), VG_ERR_INVALID);
    assert_int_equal(vg_stats_cramervonmises_2samp(a, 3, a, 3, &s, NULL, &err), VG_ERR_INVALID);
    /* outputs untouched on failure */
    assert_true(s == 42 && p == 43 && bounded == 44);
}

/* The inputs are not modified (the functions sort copies). */
static void test_inputs_untouched(void **state) {
    (void)state;
    uint64_t seed = 11;
    double a[40], b[35], a0[40], b0[35];
    for (int i = 0; i < 40; i++)
        a[i] = a0[i] = t_normal(&seed);
    for (int i = 0; i < 35; i++)
        b[i] = b0[i] = floor(3 * t_normal(&seed));
    double s, p;
    assert_int_equal(vg_stats_ttest_welch(a, 40, b, 35, &s, &p, NULL), VG_OK);
    assert_int_equal(vg_stats_mannwhitneyu(a, 40, b, 35, &s, &p, NULL), VG_OK);
    assert_int_equal(vg_stats_anderson_ksamp(a, 40, b, 35, &s, &p, NULL, NULL), VG_OK);
    assert_int_equal(vg_stats_cramervonmises_2samp(a, 40, b, 35, &s, &p, NULL), VG_OK);
    assert_memory_equal(a, a0, sizeof a);
    assert_memory_equal(b, b0, sizeof b);
}

/* The fused walk gives the three tests' results to the bit, and the same failures. */
static void test_rank_tests_fused(void **state) {
    (void)state;
    uint64_t seed = 17;
    static const size_t sizes[][2] = {{1, 1},   {1, 2},   {2, 2},    {3, 5},       {8, 2},
                                      {20, 19}, {25, 30}, {400, 90}, {3000, 2500}, {9000, 100}};
    double *a = malloc(9000 * sizeof *a), *b = malloc(9000 * sizeof *b);
    for (size_t k = 0; k < sizeof sizes / sizeof *sizes; k++)
        for (int ties = 0; ties < 3; ties++) {
            size_t na = sizes[k][0], nb = sizes[k][1];
            for (size_t i = 0; i < na; i++)
                a[i] = ties == 2 ? 1.0 : ties ? (double)(t_rand(&seed) % 7) : t_normal(&seed);
            for (size_t i = 0; i < nb; i++)
                b[i] = ties == 2 ? 1.0 : ties ? (double)(t_rand(&seed) % 9) : t_normal(&seed) + 0.3;
            qsort(a, na, sizeof *a, t_cmp_double);
            qsort(b, nb, sizeof *b, t_cmp_double);
            vg_rank_tests rt;
            assert_int_equal(vg_stats_rank_tests_sorted(a, na, b, nb, &rt, NULL), VG_OK);
            double s, p;
            int bounded;
            int rc = vg_stats_mannwhitneyu_sorted(a, na, b, nb, &s, &p, NULL);
            assert_int_equal(rc, rt.mwu_rc);
            if (rc == VG_OK)
                assert_true(memcmp(&s, &rt.mwu_statistic, 8) == 0 &&
                            memcmp(&p, &rt.mwu_pvalue, 8) == 0);
            rc = vg_stats_anderson_ksamp_sorted(a, na, b, nb, &s, &p, &bounded, NULL);
            assert_int_equal(rc, rt.ad_rc);
            if (rc == VG_OK)
                assert_true(memcmp(&s, &rt.ad_statistic, 8) == 0 &&
                            memcmp(&p, &rt.ad_pvalue, 8) == 0 && bounded == rt.ad_bounded);
            rc = vg_stats_cramervonmises_2samp_sorted(a, na, b, nb, &s, &p, NULL);
            assert_int_equal(rc, rt.cvm_rc);
            if (rc == VG_OK)
                assert_true(memcmp(&s, &rt.cvm_statistic, 8) == 0 &&
                            memcmp(&p, &rt.cvm_pvalue, 8) == 0);
        }
    free(a);
    free(b);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rank_tests_fused), cmocka_unit_test(test_welch),
        cmocka_unit_test(test_mwu_values),       cmocka_unit_test(test_mwu_enumeration),
        cmocka_unit_test(test_anderson),         cmocka_unit_test(test_cvm_enumeration),
        cmocka_unit_test(test_cvm_values),       cmocka_unit_test(test_invalid),
        cmocka_unit_test(test_inputs_untouched),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
