/*
 * Sketch-mode drift (vg_compare_profiles, src/drift/sketch.c) on small in-memory profiles
 * whose exact scores are known by hand: uncompacted sketches give exact scores with bound 0;
 * compacted ones stay within their bounds on data with closed-form KS and Wasserstein;
 * approximate value counts keep only tvd, within its bound; and the schema handling (columns
 * on one side, ignored, empty, mixed) and the decision follow vg_compare_samples.
 */
#include "vigia/compare.h"
#include "testutil.h"
#include "vigia/drift.h"

#define NEAR(got, want, atol)                                                                      \
    do {                                                                                           \
        double g_ = (got), w_ = (want);                                                            \
        if (!(fabs(g_ - w_) <= (atol)))                                                            \
            fail_msg("%s = %.17g, want %.17g", #got, g_, w_);                                      \
    } while (0)

static vg_profile *new_profile(uint32_t top_capacity, const char *const *names, size_t ncols) {
    vg_profile_options o;
    vg_profile_options_default(&o);
    if (top_capacity)
        o.top_capacity = top_capacity;
    vg_profile *p = vg_profile_new(&o, NULL);
    assert_non_null(p);
    for (size_t j = 0; j < ncols; j++)
        assert_true(vg_profile_add_column(p, names[j], strlen(names[j]), NULL) >= 0);
    return p;
}

/* Adds one row of cells (NULL: the column is missing from the row, an empty cell). */
static void add_row(vg_profile *p, const char *const *cells, size_t ncols) {
    for (size_t j = 0; j < ncols; j++) {
        const char *c = cells[j] ? cells[j] : "";
        assert_int_equal(vg_profile_add_text(p, j, c, strlen(c)), VG_OK);
    }
    vg_profile_end_rows(p, 1);
}

static void add_number_row(vg_profile *p, double x) {
    char buf[40];
    snprintf(buf, sizeof buf, "%.17g", x);
    const char *cell = buf;
    add_row(p, &cell, 1);
}

static const vg_compare_column *column(const vg_compare_result *r, const char *name) {
    for (size_t i = 0; i < r->ncols; i++)
        if (strcmp(r->cols[i].name, name) == 0)
            return &r->cols[i];
    fail_msg("no column %s", name);
    return NULL;
}

static const vg_compare_score *score(const vg_compare_column *c, const char *m) {
    for (size_t i = 0; i < c->nscores; i++)
        if (strcmp(c->scores[i].method, m) == 0)
            return &c->scores[i];
    return NULL;
}

/* 1..100 against 51..150: D = 0.5, W = 50, and the numpy-linear edges of 1..100 are
 * 10.9, 20.8, ..., 90.1, so the bins hold 10 each of the reference and 0 x 5, 10 x 4, 60 of the
 * current. Below the first compaction the sketches hold every value: all bounds are 0. */
static void test_small_numeric_exact(void **state) {
    (void)state;
    const char *name = "x";
    vg_profile *r = new_profile(0, &name, 1), *c = new_profile(0, &name, 1);
    double a[100], b[100];
    for (int i = 0; i < 100; i++) {
        a[i] = i + 1;
        b[i] = i + 51;
        add_number_row(r, a[i]);
        add_number_row(c, b[i]);
    }
    vg_compare_result *res = NULL;
    assert_int_equal(vg_compare_profiles(r, c, NULL, &res, NULL), VG_OK);
    const vg_compare_column *x = column(res, "x");
    assert_string_equal(x->kind, "numeric");
    assert_string_equal(x->method, "ks"); /* 100 reference rows: Evidently's choice */
    assert_true(x->drifted);
    for (size_t i = 0; i < x->nscores; i++)
        if (x->scores[i].error_bound != 0)
            fail_msg("%s: bound %g", x->scores[i].method, x->scores[i].error_bound);
    double d, p;
    assert_int_equal(vg_stats_ks_2samp(a, 100, b, 100, &d, &p, NULL), VG_OK);
    NEAR(score(x, "ks")->statistic, 0.5, 1e-15);
    NEAR(score(x, "ks")->p_value, p, 1e-12 * p);
    NEAR(score(x, "wasserstein")->statistic, 50, 1e-12);
    NEAR(score(x, "wasserstein_normed")->statistic, 50 / sqrt((100.0 * 100 - 1) / 12), 1e-12);
    const uint64_t rc[10] = {10, 10, 10, 10, 10, 10, 10, 10, 10, 10},
                   cc[10] = {0, 0, 0, 0, 0, 10, 10, 10, 10, 60};
    double psi, js, kl, h;
    assert_int_equal(vg_drift_psi_counts(rc, cc, 10, &psi, NULL), VG_OK);
    assert_int_equal(vg_drift_jensen_shannon_counts(rc, cc, 10, &js, NULL), VG_OK);
    assert_int_equal(vg_drift_kl_counts(rc, cc, 10, &kl, NULL), VG_OK);
    assert_int_equal(vg_drift_hellinger_counts(rc, cc, 10, &h, NULL), VG_OK);
    NEAR(score(x, "psi")->statistic, psi, 1e-12);
    NEAR(score(x, "jensen_shannon")->statistic, js, 1e-12);
    NEAR(score(x, "kl_div")->statistic, kl, 1e-12);
    NEAR(score(x, "hellinger")->statistic, h, 1e-12);
    /* Welch: means 50.5 and 100.5, equal variances 841.666..., t = -50 / sqrt(2 v / 100) */
    double t = -50 / sqrt(2 * (100.0 * 101 / 12) / 100);
    NEAR(score(x, "t_test")->statistic, t, 1e-12);
    assert_null(score(x, "mann_whitney"));
    assert_null(score(x, "anderson_darling"));
    vg_compare_result_free(res);
    vg_profile_free(r);
    vg_profile_free(c);
}

/* Exact fraction of 0, 1, ..., n - 1 (plus `shift`) at or below x. */
static uint64_t count_le(double x, uint64_t n, uint64_t shift) {
    double k = floor(x) - (double)shift + 1;
    return k <= 0 ? 0 : (k >= (double)n ? n : (uint64_t)k);
}

/* 0..N-1 against N/10..11N/10 - 1, both in a scrambled order, through compacted sketches:
 * exact D = 0.1 and W = N/10, and the exact binned scores over the sketch's own edges are
 * known from the exact cdfs. Each figure must be within its (positive) bound. */
static void test_large_numeric_bounds(void **state) {
    (void)state;
    const uint64_t n = 100000, shift = n / 10;
    const char *name = "x";
    vg_profile *r = new_profile(0, &name, 1), *c = new_profile(0, &name, 1);
    for (uint64_t i = 0; i < n; i++) {
        uint64_t v = (i * 7919) % n; /* 7919 is prime to n: a permutation */
        add_number_row(r, (double)v);
        add_number_row(c, (double)(v + shift));
    }
    vg_compare_result *res = NULL;
    assert_int_equal(vg_compare_profiles(r, c, NULL, &res, NULL), VG_OK);
    const vg_compare_column *x = column(res, "x");
    assert_string_equal(x->method, "wasserstein_normed");
    double eps = vg_kll_rank_error(VG_KLL_DEFAULT_K);
    const vg_compare_score *ks = score(x, "ks"), *w = score(x, "wasserstein");
    NEAR(ks->error_bound, 2 * eps, 1e-15);
    NEAR(ks->statistic, 0.1, ks->error_bound);
    NEAR(w->error_bound, 2 * eps * (double)(n - 1), 1e-6);
    NEAR(w->statistic, (double)shift, w->error_bound);
    double sd = sqrt(((double)n * n - 1) / 12);
    NEAR(score(x, "wasserstein_normed")->statistic * sd, w->statistic, 1e-9 * w->statistic);
    assert_true(score(x, "t_test")->error_bound == 0);

    /* exact bin counts over the sketch's edges */
    double qs[9], e[9];
    for (int i = 0; i < 9; i++)
        qs[i] = (i + 1) / 10.0;
    assert_int_equal(vg_kll_quantiles(r->cols[0]->kll, qs, 9, e), VG_OK);
    uint64_t rc[10], cc[10], pr = 0, pc = 0;
    size_t m = 0;
    for (int i = 0; i < 9; i++) {
        if (m > 0 && !(e[i] > e[m - 1]))
            continue;
        e[m] = e[i];
        rc[m] = count_le(e[m], n, 0) - pr;
        cc[m] = count_le(e[m], n, shift) - pc;
        pr += rc[m];
        pc += cc[m];
        m++;
    }
    rc[m] = n - pr;
    cc[m] = n - pc;
    double want;
    assert_int_equal(vg_drift_psi_counts(rc, cc, m + 1, &want, NULL), VG_OK);
    assert_true(score(x, "psi")->error_bound > 0);
    NEAR(score(x, "psi")->statistic, want, score(x, "psi")->error_bound);
    assert_int_equal(vg_drift_jensen_shannon_counts(rc, cc, m + 1, &want, NULL), VG_OK);
    NEAR(score(x, "jensen_shannon")->statistic, want, score(x, "jensen_shannon")->error_bound);
    assert_int_equal(vg_drift_kl_counts(rc, cc, m + 1, &want, NULL), VG_OK);
    NEAR(score(x, "kl_div")->statistic, want, score(x, "kl_div")->error_bound);
    assert_int_equal(vg_drift_hellinger_counts(rc, cc, m + 1, &want, NULL), VG_OK);
    NEAR(score(x, "hellinger")->statistic, want, score(x, "hellinger")->error_bound);
    vg_compare_result_free(res);
    vg_profile_free(r);
    vg_profile_free(c);
}

/* a x 60, b x 40 against a x 40, b x 60: exact counts, so exact scores with bound 0. */
static void test_categorical_exact(void **state) {
    (void)state;
    const char *name = "g";
    vg_profile *r = new_profile(0, &name, 1), *c = new_profile(0, &name, 1);
    for (int i = 0; i < 100; i++) {
        const char *a = i < 60 ? "a" : "b", *b = i < 40 ? "a" : "b";
        add_row(r, &a, 1);
        add_row(c, &b, 1);
    }
    vg_compare_result *res = NULL;
    assert_int_equal(vg_compare_profiles(r, c, NULL, &res, NULL), VG_OK);
    const vg_compare_column *g = column(res, "g");
    assert_string_equal(g->kind, "categorical");
    assert_string_equal(g->method, "z_test");
    assert_true(g->drifted);
    for (size_t i = 0; i < g->nscores; i++)
        assert_true(g->scores[i].error_bound == 0);
    NEAR(score(g, "tvd")->statistic, 0.2, 1e-15);
    /* expected 60, 40; observed 40, 60 */
    NEAR(score(g, "chi2")->statistic, 400.0 / 60 + 400.0 / 40, 1e-12);
    /* pooled 0.5: z = 0.2 / sqrt(0.25 * 0.02) */
    NEAR(score(g, "z_test")->statistic, 0.2 / sqrt(0.25 * 0.02), 1e-12);
    vg_compare_result_free(res);
    vg_profile_free(r);
    vg_profile_free(c);
}

/* Numbers are categories by value ("1" and "1.0" are one), as in raw mode; "3" is unseen. */
static void test_categories_by_value(void **state) {
    (void)state;
    const char *name = "g";
    vg_profile *r = new_profile(0, &name, 1), *c = new_profile(0, &name, 1);
    const char *rv[] = {"1", "2", "1.0", "x"}, *cv[] = {"1.00", "2", "3", "x"};
    for (int i = 0; i < 4; i++) {
        add_row(r, &rv[i], 1);
        add_row(c, &cv[i], 1);
    }
    vg_compare_result *res = NULL;
    assert_int_equal(vg_compare_profiles(r, c, NULL, &res, NULL), VG_OK);
    const vg_compare_column *g = column(res, "g");
    assert_string_equal(g->kind, "categorical");
    assert_int_equal(g->n_unseen, 1);
    /* shares 1/2, 1/4, 0, 1/4 against 1/4, 1/4, 1/4, 1/4 */
    NEAR(score(g, "tvd")->statistic, 0.25, 1e-15);
    assert_true(score(g, "tvd")->error_bound == 0);
    assert_string_equal(g->method, "chi2");
    vg_compare_result_free(res);
    vg_profile_free(r);
    vg_profile_free(c);
}

/* 40 categories through tables of 8: counts are lower bounds, only tvd remains, and the exact
 * tvd is within its bound. The reference is uniform over c0..c39 (25 each), the current puts
 * twice the weight on c0..c19 (2000 rows each side). */
static void test_categorical_approx(void **state) {
    (void)state;
    const char *name = "g";
    vg_profile *r = new_profile(8, &name, 1), *c = new_profile(8, &name, 1);
    char buf[16];
    const char *cell = buf;
    uint64_t s = 3;
    for (int i = 0; i < 2000; i++) {
        snprintf(buf, sizeof buf, "c%d", (int)(t_rand(&s) % 40));
        add_row(r, &cell, 1);
    }
    for (int i = 0; i < 2000; i++) {
        uint64_t u = t_rand(&s) % 60;
        snprintf(buf, sizeof buf, "c%d", (int)(u < 40 ? u % 20 : u - 20));
        add_row(c, &cell, 1);
    }
    vg_compare_result *res = NULL;
    assert_int_equal(vg_compare_profiles(r, c, NULL, &res, NULL), VG_OK);
    const vg_compare_column *g = column(res, "g");
    assert_int_equal(g->nscores, 1);
    const vg_compare_score *t = score(g, "tvd");
    assert_non_null(t);
    assert_true(t->error_bound > 0 && t->error_bound <= 1);
    assert_null(g->method);
    assert_non_null(strstr(g->note, "only tvd"));
    vg_compare_result_free(res);
    vg_profile_free(r);
    vg_profile_free(c);
}

/* The exact tvd of test_categorical_approx's data, recounted here by brute force. */
static void test_categorical_approx_value(void **state) {
    (void)state;
    const char *name = "g";
    vg_profile *r = new_profile(8, &name, 1), *c = new_profile(8, &name, 1);
    char buf[16];
    const char *cell = buf;
    uint64_t s = 5, rn[40] = {0}, cn[40] = {0};
    for (int i = 0; i < 3000; i++) {
        int k = (int)(t_rand(&s) % 40);
        rn[k]++;
        snprintf(buf, sizeof buf, "c%d", k);
        add_row(r, &cell, 1);
    }
    for (int i = 0; i < 2000; i++) {
        uint64_t u = t_rand(&s) % 60;
        int k = (int)(u < 40 ? u % 20 : u - 20);
        cn[k]++;
        snprintf(buf, sizeof buf, "c%d", k);
        add_row(c, &cell, 1);
    }
    double exact = 0;
    for (int k = 0; k < 40; k++)
        exact += fabs((double)rn[k] / 3000 - (double)cn[k] / 2000) / 2;
    vg_compare_options o;
    vg_compare_options_default(&o);
    o.method = "tvd";
    vg_compare_result *res = NULL;
    assert_int_equal(vg_compare_profiles(r, c, &o, &res, NULL), VG_OK);
    const vg_compare_column *g = column(res, "g");
    const vg_compare_score *t = score(g, "tvd");
    NEAR(t->statistic, exact, t->error_bound);
    assert_string_equal(g->method, "tvd"); /* --method tvd decides with the bounded score */
    vg_compare_result_free(res);
    vg_profile_free(r);
    vg_profile_free(c);
}

/* With an infinity, as in raw mode: KS and the t test only (the distances need finite values). */
static void test_infinite(void **state) {
    (void)state;
    const char *name = "x";
    vg_profile *r = new_profile(0, &name, 1), *c = new_profile(0, &name, 1);
    for (int i = 0; i < 20; i++) {
        add_number_row(r, i);
        add_number_row(c, i + 10);
    }
    const char *inf = "inf";
    add_row(c, &inf, 1);
    vg_compare_result *res = NULL;
    assert_int_equal(vg_compare_profiles(r, c, NULL, &res, NULL), VG_OK);
    const vg_compare_column *x = column(res, "x");
    assert_string_equal(x->kind, "numeric");
    assert_int_equal(x->nscores, 2);
    /* largest gap at 19: 1 - 10/21 */
    NEAR(score(x, "ks")->statistic, 11.0 / 21, 1e-15);
    assert_true(score(x, "ks")->error_bound == 0);
    assert_non_null(score(x, "t_test"));
    assert_null(score(x, "wasserstein"));
    assert_string_equal(x->method, "ks");
    vg_compare_result_free(res);
    vg_profile_free(r);
    vg_profile_free(c);
}

/* Columns on one side only, ignored, empty, mixed, constant; the dataset verdict. */
static void test_schema(void **state) {
    (void)state;
    const char *rn[] = {"id", "only_r", "empty", "mixed", "const", "skip"};
    const char *cn[] = {"skip", "const", "mixed", "empty", "id", "only_c"};
    vg_profile *r = new_profile(0, rn, 6), *c = new_profile(0, cn, 6);
    char id[16], m[16];
    for (int i = 0; i < 50; i++) {
        snprintf(id, sizeof id, "%d", i);
        snprintf(m, sizeof m, "%d", i % 3);
        const char *rrow[] = {id, "x", NULL, i == 7 ? "seven" : m, "5", "s"};
        const char *crow[] = {"s", "5", m, NULL, id, "y"};
        add_row(r, rrow, 6);
        add_row(c, crow, 6);
    }
    const char *ign[] = {"skip"};
    vg_compare_options o;
    vg_compare_options_default(&o);
    o.ignore = ign;
    o.n_ignore = 1;
    vg_compare_result *res = NULL;
    assert_int_equal(vg_compare_profiles(r, c, &o, &res, NULL), VG_OK);
    assert_int_equal(res->n_ignored, 1);
    assert_int_equal(res->n_only_ref, 1);
    assert_string_equal(res->only_ref[0], "only_r");
    assert_int_equal(res->n_only_cur, 1);
    assert_string_equal(res->only_cur[0], "only_c");
    assert_int_equal(res->ncols, 4);
    const vg_compare_column *e = column(res, "empty");
    assert_null(e->method);
    assert_string_equal(e->note, "no values in the reference data");
    assert_string_equal(column(res, "mixed")->kind, "categorical");
    const vg_compare_column *k = column(res, "const");
    assert_string_equal(k->kind, "categorical");
    assert_false(k->drifted);
    const vg_compare_column *idc = column(res, "id");
    assert_string_equal(idc->kind, "numeric");
    assert_false(idc->drifted);
    assert_int_equal(res->n_compared, 3);
    assert_int_equal(res->n_drifted, 0);
    assert_false(res->dataset_drift);
    vg_compare_result_free(res);
    vg_profile_free(r);
    vg_profile_free(c);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_small_numeric_exact),
        cmocka_unit_test(test_large_numeric_bounds),
        cmocka_unit_test(test_categorical_exact),
        cmocka_unit_test(test_categories_by_value),
        cmocka_unit_test(test_categorical_approx),
        cmocka_unit_test(test_categorical_approx_value),
        cmocka_unit_test(test_infinite),
        cmocka_unit_test(test_schema),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
