/*
 * KLL: rank error within vg_kll_rank_error(k) against exact ranks of sorted data, for
 * several distributions including ties; merge keeps the bound; serialization round-trips
 * and refuses corrupted input.
 */
#include "base/bytes.h"
#include "testutil.h"

/* Largest distance from q to the rank interval [#<v, #<=v]/n of the returned values, over
 * 99 quantiles. sorted is the exact data in order. */
static double max_rank_error(const vg_kll *s, const double *sorted, size_t n) {
    double worst = 0;
    for (int j = 1; j < 100; j++) {
        double q = j / 100.0, v = vg_kll_quantile(s, q);
        size_t lo = 0, hi = n; /* lower bound: first >= v */
        while (lo < hi) {
            size_t mid = (lo + hi) / 2;
            if (sorted[mid] < v)
                lo = mid + 1;
            else
                hi = mid;
        }
        size_t below = lo;
        hi = n; /* upper bound: first > v */
        while (lo < hi) {
            size_t mid = (lo + hi) / 2;
            if (sorted[mid] <= v)
                lo = mid + 1;
            else
                hi = mid;
        }
        double rlo = (double)below / (double)n, rhi = (double)lo / (double)n;
        double e = q < rlo ? rlo - q : (q > rhi ? q - rhi : 0);
        if (e > worst)
            worst = e;
    }
    return worst;
}

typedef double (*gen_fn)(uint64_t *);
static double g_uniform(uint64_t *s) {
    return t_uniform(s);
}
static double g_normal(uint64_t *s) {
    return t_normal(s);
}
static double g_lognormal(uint64_t *s) {
    return exp(2 * t_normal(s));
}
static double g_ties(uint64_t *s) {
    double u = t_uniform(s);
    return floor(10 * u * u); /* 10 values, skewed */
}
static double g_const(uint64_t *s) {
    (void)s;
    return 42;
}

static void check_distribution(gen_fn gen, size_t n, uint32_t k) {
    double *x = malloc(n * sizeof *x);
    uint64_t seed = 12345;
    vg_kll *s = vg_kll_new(k, 7);
    for (size_t i = 0; i < n; i++) {
        x[i] = gen(&seed);
        assert_int_equal(vg_kll_update(s, x[i]), VG_OK);
    }
    qsort(x, n, sizeof *x, t_cmp_double);
    assert_int_equal(vg_kll_n(s), n);
    assert_true(vg_kll_min(s) == x[0]);
    assert_true(vg_kll_max(s) == x[n - 1]);
    assert_true(vg_kll_quantile(s, 0) == x[0]);
    assert_true(vg_kll_quantile(s, 1) == x[n - 1]);
    double err = max_rank_error(s, x, n);
    if (err > vg_kll_rank_error(k))
        fail_msg("rank error %g exceeds bound %g (n=%zu k=%u)", err, vg_kll_rank_error(k), n, k);
    /* memory stays O(k log(n/k)) */
    assert_true(vg_kll_retained(s) < 12 * (size_t)k + 2048);
    vg_kll_free(s);
    free(x);
}

static void test_distributions(void **state) {
    (void)state;
    check_distribution(g_uniform, 300000, VG_KLL_DEFAULT_K);
    check_distribution(g_normal, 300000, VG_KLL_DEFAULT_K);
    check_distribution(g_lognormal, 300000, VG_KLL_DEFAULT_K);
    check_distribution(g_ties, 300000, VG_KLL_DEFAULT_K);
    check_distribution(g_const, 100000, VG_KLL_DEFAULT_K);
    check_distribution(g_normal, 200000, 64);
    check_distribution(g_normal, 50, VG_KLL_DEFAULT_K); /* exact regime */
}

/* Sorted input is the adversarial order for many sketches. */
static double g_counter_state;
static double g_sorted(uint64_t *s) {
    (void)s;
    return g_counter_state++;
}

/* Values packed in a tiny range differ only in their lowest bytes: the level sort's
 * insertion pass gives up and sorts them fully by radix; a wrong order would show here. */
static double g_packed(uint64_t *s) {
    return 1.0 + ldexp((double)(t_uniform(s) * 1e6), -52);
}

/* With the sampler on (large n, and small k where it starts early and reaches its largest
 * block of 2^8), the bound still holds. */
static void test_sampler(void **state) {
    (void)state;
    check_distribution(g_uniform, 2000000, VG_KLL_DEFAULT_K);
    check_distribution(g_ties, 1000000, VG_KLL_DEFAULT_K);
    check_distribution(g_packed, 400000, VG_KLL_DEFAULT_K);
    check_distribution(g_lognormal, 500000, 20);
    check_distribution(g_normal, 500000, 8);
    g_counter_state = 0;
    check_distribution(g_sorted, 600000, 20);
}

/* Sorted input is the adversarial order for many sketches. */

static void test_sorted_input(void **state) {
    (void)state;
    g_counter_state = 0;
    check_distribution(g_sorted, 300000, VG_KLL_DEFAULT_K);
}

static void test_empty_and_nan(void **state) {
    (void)state;
    vg_kll *s = vg_kll_new(VG_KLL_DEFAULT_K, 1);
    assert_true(isnan(vg_kll_quantile(s, 0.5)));
    assert_true(isnan(vg_kll_rank(s, 1)));
    assert_int_equal(vg_kll_update(s, NAN), VG_OK);
    assert_int_equal(vg_kll_n(s), 0);
    assert_int_equal(vg_kll_update(s, 3), VG_OK);
    assert_true(vg_kll_quantile(s, 0.5) == 3);
    assert_true(vg_kll_rank(s, 3) == 1.0);
    assert_true(vg_kll_rank(s, 2.9) == 0.0);
    vg_kll_free(s);
    assert_null(vg_kll_new(2, 1));
}

/* Cutting the stream into calls differently never changes the sketch: with and without the
 * sampler (k = 20 samples from n ~ 1400 and reaches blocks of 2^8), with NaNs between values. */
static void check_batch_equals_single(uint32_t k, size_t n, int nans) {
    double *x = malloc(n * sizeof *x);
    uint64_t seed = 99;
    for (size_t i = 0; i < n; i++)
        x[i] = nans && i % 97 == 5 ? NAN : t_normal(&seed);
    vg_kll *a = vg_kll_new(k, 5), *b = vg_kll_new(k, 5), *c = vg_kll_new(k, 5);
    for (size_t i = 0; i < n; i++)
        vg_kll_update(a, x[i]);
    for (size_t i = 0; i < n; i += 777)
        vg_kll_update_batch(b, x + i, n - i < 777 ? n - i : 777);
    for (size_t i = 0, step = 1; i < n; i += step, step = step * 3 % 1001 + 1)
        vg_kll_update_batch(c, x + i, n - i < step ? n - i : step);
    assert_true(vg_kll_n(a) == vg_kll_n(b) && vg_kll_n(a) == vg_kll_n(c));
    assert_int_equal(vg_kll_retained(a), vg_kll_retained(b));
    assert_int_equal(vg_kll_retained(a), vg_kll_retained(c));
    for (int j = 0; j <= 100; j++) {
        assert_true(vg_kll_quantile(a, j / 100.0) == vg_kll_quantile(b, j / 100.0));
        assert_true(vg_kll_quantile(a, j / 100.0) == vg_kll_quantile(c, j / 100.0));
    }
    vg_kll_free(a);
    vg_kll_free(b);
    vg_kll_free(c);
    free(x);
}

static void test_batch_equals_single(void **state) {
    (void)state;
    check_batch_equals_single(200, 100000, 0);
    check_batch_equals_single(200, 400000, 1);
    check_batch_equals_single(20, 300000, 1);
    check_batch_equals_single(8, 200000, 0);
}

static void test_merge(void **state) {
    (void)state;
    size_t n = 400000, parts = 7;
    double *x = malloc(n * sizeof *x);
    uint64_t seed = 2024;
    for (size_t i = 0; i < n; i++)
        x[i] = exp(t_normal(&seed));
    vg_kll *acc = vg_kll_new(VG_KLL_DEFAULT_K, 1);
    for (size_t p = 0; p < parts; p++) {
        vg_kll *s = vg_kll_new(VG_KLL_DEFAULT_K, 100 + p);
        for (size_t i = p * n / parts; i < (p + 1) * n / parts; i++)
            vg_kll_update(s, x[i]);
        assert_int_equal(vg_kll_merge(acc, s, NULL), VG_OK);
        vg_kll_free(s);
    }
    qsort(x, n, sizeof *x, t_cmp_double);
    assert_int_equal(vg_kll_n(acc), n);
    assert_true(vg_kll_min(acc) == x[0] && vg_kll_max(acc) == x[n - 1]);
    double err = max_rank_error(acc, x, n);
    if (err > vg_kll_rank_error(VG_KLL_DEFAULT_K))
        fail_msg("merged rank error %g exceeds bound", err);
    vg_kll *other = vg_kll_new(100, 1);
    vg_error e;
    assert_int_equal(vg_kll_merge(acc, other, &e), VG_ERR_MISMATCH);
    assert_non_null(strstr(e.msg, "different k"));
    vg_kll_free(other);
    vg_kll_free(acc);
    free(x);
}

static void test_serialize(void **state) {
    (void)state;
    vg_kll *s = vg_kll_new(VG_KLL_DEFAULT_K, 3);
    uint64_t seed = 5;
    for (int i = 0; i < 50000; i++)
        vg_kll_update(s, t_normal(&seed));
    unsigned char *buf;
    size_t len;
    assert_int_equal(vg_kll_serialize(s, &buf, &len, NULL), VG_OK);
    vg_kll *t = vg_kll_deserialize(buf, len, NULL);
    assert_non_null(t);
    for (int j = 0; j <= 20; j++)
        assert_true(vg_kll_quantile(s, j / 20.0) == vg_kll_quantile(t, j / 20.0));
    /* continuing after a round trip behaves as the original (rng state is saved) */
    vg_kll_update(s, 1.5);
    vg_kll_update(t, 1.5);
    assert_true(vg_kll_quantile(s, 0.3) == vg_kll_quantile(t, 0.3));
    vg_kll_free(t);
    /* every truncation is refused */
    for (size_t cut = 0; cut < len; cut += (cut < 64 ? 1 : 97)) {
        vg_error e;
        vg_kll *u = vg_kll_deserialize(buf, cut, &e);
        assert_null(u);
        assert_int_equal(e.code, VG_ERR_FORMAT);
    }
    /* corrupting a level length breaks the weight invariant */
    buf[40] ^= 0x01;
    assert_null(vg_kll_deserialize(buf, len, NULL));
    free(buf);
    vg_kll_free(s);
}

/* A sketch with the sampler on round-trips (levels at or below the staging level are written
 * sorted), continues exactly like the original, and a file written before the sampler existed
 * (a big level 0 at large n) is read and keeps working within the bound. */
static void test_sampler_serialize(void **state) {
    (void)state;
    size_t n = 700000;
    double *x = malloc(n * sizeof *x);
    uint64_t seed = 77;
    for (size_t i = 0; i < n; i++)
        x[i] = t_uniform(&seed);
    vg_kll *s = vg_kll_new(VG_KLL_DEFAULT_K, 3);
    vg_kll_update_batch(s, x, n - 3);
    unsigned char *buf;
    size_t len;
    assert_int_equal(vg_kll_serialize(s, &buf, &len, NULL), VG_OK);
    vg_kll *t = vg_kll_deserialize(buf, len, NULL);
    assert_non_null(t);
    free(buf);
    for (int j = 0; j <= 100; j++)
        assert_true(vg_kll_quantile(s, j / 100.0) == vg_kll_quantile(t, j / 100.0));
    vg_kll_update_batch(s, x + n - 3, 3);
    vg_kll_update_batch(t, x + n - 3, 3);
    for (size_t i = 0; i < 50000; i++) {
        double v = t_uniform(&seed);
        vg_kll_update(s, v);
        vg_kll_update(t, v);
    }
    for (int j = 0; j <= 100; j++)
        assert_true(vg_kll_quantile(s, j / 100.0) == vg_kll_quantile(t, j / 100.0));
    vg_kll_free(t);
    vg_kll_free(s);

    /* Old layout: level 0 holds 1200 unsorted values, level 9 holds 510 sorted values of
     * weight 512, n = 262,320 (where the sampler uses blocks of 2). */
    vg_wbuf w;
    vg_wbuf_init(&w);
    vg_wbuf_u32(&w, VG_KLL_DEFAULT_K);
    vg_wbuf_u32(&w, 10);
    vg_wbuf_u64(&w, 1200 + 512 * 510);
    vg_wbuf_f64(&w, 0.0);
    vg_wbuf_f64(&w, 1.0);
    vg_wbuf_u64(&w, 12345);
    vg_wbuf_u32(&w, 1200);
    for (int i = 0; i < 1200; i++)
        vg_wbuf_f64(&w, (double)((i * 7919) % 1200) / 1199.0);
    for (int h = 1; h < 9; h++)
        vg_wbuf_u32(&w, 0);
    vg_wbuf_u32(&w, 510);
    for (int i = 0; i < 510; i++)
        vg_wbuf_f64(&w, i / 509.0);
    assert_false(w.failed);
    vg_kll *o = vg_kll_deserialize(w.data, w.len, NULL);
    vg_wbuf_free(&w);
    assert_non_null(o);
    assert_true(vg_kll_n(o) == 1200 + 512 * 510);
    assert_true(fabs(vg_kll_quantile(o, 0.5) - 0.5) < 0.01);
    for (int i = 0; i < 100000; i++)
        assert_int_equal(vg_kll_update(o, (i % 1000) / 999.0), VG_OK);
    assert_true(fabs(vg_kll_quantile(o, 0.25) - 0.25) < vg_kll_rank_error(VG_KLL_DEFAULT_K));
    assert_true(fabs(vg_kll_rank(o, 0.75) - 0.75) < vg_kll_rank_error(VG_KLL_DEFAULT_K));
    vg_kll_free(o);
    free(x);
}

/* Merging sketches whose samplers are at different levels (and one without) keeps the bound
 * and the exact count, in either order. */
static void test_sampler_merge(void **state) {
    (void)state;
    size_t sizes[] = {1500000, 300000, 1000, 700000};
    size_t n = 0;
    for (size_t p = 0; p < 4; p++)
        n += sizes[p];
    double *x = malloc(n * sizeof *x);
    uint64_t seed = 31;
    for (size_t i = 0; i < n; i++)
        x[i] = t_normal(&seed);
    for (int order = 0; order < 2; order++) {
        vg_kll *acc = vg_kll_new(VG_KLL_DEFAULT_K, 9);
        size_t at = 0;
        for (size_t p = 0; p < 4; p++) {
            size_t q = order ? 3 - p : p, start = 0;
            for (size_t r = 0; r < q; r++)
                start += sizes[r];
            vg_kll *s = vg_kll_new(VG_KLL_DEFAULT_K, 50 + q);
            vg_kll_update_batch(s, x + start, sizes[q]);
            assert_int_equal(vg_kll_merge(acc, s, NULL), VG_OK);
            vg_kll_free(s);
            at += sizes[q];
            assert_true(vg_kll_n(acc) == at);
        }
        double *sorted = malloc(n * sizeof *sorted);
        memcpy(sorted, x, n * sizeof *x);
        qsort(sorted, n, sizeof *sorted, t_cmp_double);
        double err = max_rank_error(acc, sorted, n);
        if (err > vg_kll_rank_error(VG_KLL_DEFAULT_K))
            fail_msg("merged rank error %g exceeds %g", err, vg_kll_rank_error(VG_KLL_DEFAULT_K));
        assert_true(vg_kll_min(acc) == sorted[0] && vg_kll_max(acc) == sorted[n - 1]);
        free(sorted);
        vg_kll_free(acc);
    }
    free(x);
}

/* The extremes of a stream with both zeros are the ones that came first, however the stream
 * is cut into calls. */
static void test_signed_zero_extremes(void **state) {
    (void)state;
    double x[] = {1, 0.0, -0.0, 5, -0.0, 0.0, 3, 2};
    vg_kll *a = vg_kll_new(VG_KLL_DEFAULT_K, 1), *b = vg_kll_new(VG_KLL_DEFAULT_K, 1);
    for (size_t i = 0; i < 8; i++)
        vg_kll_update(a, x[i]);
    vg_kll_update_batch(b, x, 8);
    assert_false(signbit(vg_kll_min(a)));
    assert_false(signbit(vg_kll_min(b)));
    vg_kll_free(a);
    vg_kll_free(b);
}

/* Parts of one stream, each sampling as the whole stream would (vg_kll_set_parts), merge into
 * a sketch within the bound that keeps working after being told it is whole again. */
static void test_parts(void **state) {
    (void)state;
    size_t n = 2000000, parts = 4;
    double *x = malloc(n * sizeof *x);
    uint64_t seed = 808;
    for (size_t i = 0; i < n; i++)
        x[i] = t_normal(&seed);
    vg_kll *acc = NULL;
    for (size_t p = 0; p < parts; p++) {
        vg_kll *s = vg_kll_new(VG_KLL_DEFAULT_K, 70 + p);
        assert_int_equal(vg_kll_set_parts(s, (uint32_t)parts), VG_OK);
        assert_int_equal(vg_kll_update_batch(s, x + p * n / parts, n / parts), VG_OK);
        if (!acc) {
            acc = s;
            continue;
        }
        assert_int_equal(vg_kll_merge(acc, s, NULL), VG_OK);
        vg_kll_free(s);
    }
    assert_int_equal(vg_kll_set_parts(acc, 1), VG_OK);
    assert_true(vg_kll_n(acc) == n);
    for (size_t i = 0; i < 1000; i++)
        assert_int_equal(vg_kll_update(acc, x[i]), VG_OK);
    double *sorted = malloc((n + 1000) * sizeof *sorted);
    memcpy(sorted, x, n * sizeof *x);
    memcpy(sorted + n, x, 1000 * sizeof *x);
    qsort(sorted, n + 1000, sizeof *sorted, t_cmp_double);
    double err = max_rank_error(acc, sorted, n + 1000);
    if (err > vg_kll_rank_error(VG_KLL_DEFAULT_K))
        fail_msg("parts: rank error %g exceeds %g", err, vg_kll_rank_error(VG_KLL_DEFAULT_K));
    /* every value in one of 8 parts (a column filled only in one stretch of the file): the
     * merged sketch still keeps the bound (parts count at most twice) */
    vg_kll *skew = NULL;
    for (size_t p = 0; p < 8; p++) {
        vg_kll *s = vg_kll_new(VG_KLL_DEFAULT_K, 90 + p);
        assert_int_equal(vg_kll_set_parts(s, 8), VG_OK);
        if (p == 0)
            assert_int_equal(vg_kll_update_batch(s, x, n / 2), VG_OK);
        if (!skew) {
            skew = s;
            continue;
        }
        assert_int_equal(vg_kll_merge(skew, s, NULL), VG_OK);
        vg_kll_free(s);
    }
    assert_int_equal(vg_kll_set_parts(skew, 1), VG_OK);
    memcpy(sorted, x, n / 2 * sizeof *x);
    qsort(sorted, n / 2, sizeof *sorted, t_cmp_double);
    err = max_rank_error(skew, sorted, n / 2);
    if (err > vg_kll_rank_error(VG_KLL_DEFAULT_K))
        fail_msg("skewed parts: rank error %g exceeds %g", err,
                 vg_kll_rank_error(VG_KLL_DEFAULT_K));
    vg_kll_free(skew);
    /* a whole sketch merged with a part that samples further ahead stays consistent */
    vg_kll *whole = vg_kll_new(VG_KLL_DEFAULT_K, 1), *part = vg_kll_new(VG_KLL_DEFAULT_K, 2);
    assert_int_equal(vg_kll_set_parts(part, 64), VG_OK);
    vg_kll_update_batch(whole, x, 100000);
    vg_kll_update_batch(part, x + 100000, 300000);
    assert_int_equal(vg_kll_merge(whole, part, NULL), VG_OK);
    vg_kll_update_batch(whole, x + 400000, 100000);
    memcpy(sorted, x, 500000 * sizeof *x);
    qsort(sorted, 500000, sizeof *sorted, t_cmp_double);
    err = max_rank_error(whole, sorted, 500000);
    if (err > 2 * vg_kll_rank_error(VG_KLL_DEFAULT_K))
        fail_msg("whole + far part: rank error %g", err);
    unsigned char *buf;
    size_t len;
    assert_int_equal(vg_kll_serialize(whole, &buf, &len, NULL), VG_OK);
    vg_kll *back = vg_kll_deserialize(buf, len, NULL);
    assert_non_null(back);
    for (int j = 0; j <= 100; j++)
        assert_true(vg_kll_quantile(back, j / 100.0) == vg_kll_quantile(whole, j / 100.0));
    free(buf);
    vg_kll_free(back);
    vg_kll_free(whole);
    vg_kll_free(part);
    free(sorted);
    vg_kll_free(acc);
    free(x);
}

/* The sketch KS distance is within the sum of the two rank errors of the exact one. */
static void test_ks_distance(void **state) {
    (void)state;
    size_t n = 200000, m = 150000;
    double *x = malloc(n * sizeof *x), *y = malloc(m * sizeof *y);
    for (int shift = 0; shift < 3; shift++) {
        uint64_t seed = 40 + (uint64_t)shift;
        vg_kll *a = vg_kll_new(VG_KLL_DEFAULT_K, 1), *b = vg_kll_new(100, 2);
        for (size_t i = 0; i < n; i++) {
            x[i] = t_normal(&seed);
            vg_kll_update(a, x[i]);
        }
        for (size_t i = 0; i < m; i++) {
            y[i] = floor(4 * (t_normal(&seed) + 0.1 * shift)) / 4; /* ties, shifted */
            vg_kll_update(b, y[i]);
        }
        qsort(x, n, sizeof *x, t_cmp_double);
        qsort(y, m, sizeof *y, t_cmp_double);
        double exact, p, est;
        assert_int_equal(vg_stats_ks_2samp_method(x, n, y, m, VG_KS_ASYMP, &exact, &p, NULL),
                         VG_OK);
        assert_int_equal(vg_kll_ks(a, b, &est, NULL), VG_OK);
        double bound = vg_kll_rank_error(VG_KLL_DEFAULT_K) + vg_kll_rank_error(100);
        if (fabs(est - exact) > bound)
            fail_msg("sketch D %g vs exact %g, bound %g", est, exact, bound);
        assert_int_equal(vg_kll_ks(a, a, &est, NULL), VG_OK);
        assert_true(est == 0);
        vg_kll_free(a);
        vg_kll_free(b);
    }
    vg_kll *e = vg_kll_new(VG_KLL_DEFAULT_K, 1);
    double d;
    assert_int_equal(vg_kll_ks(e, e, &d, NULL), VG_ERR_INVALID);
    vg_kll_free(e);
    free(x);
    free(y);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_distributions),
        cmocka_unit_test(test_sorted_input),
        cmocka_unit_test(test_empty_and_nan),
        cmocka_unit_test(test_batch_equals_single),
        cmocka_unit_test(test_merge),
        cmocka_unit_test(test_serialize),
        cmocka_unit_test(test_ks_distance),
        cmocka_unit_test(test_sampler),
        cmocka_unit_test(test_sampler_serialize),
        cmocka_unit_test(test_sampler_merge),
        cmocka_unit_test(test_parts),
        cmocka_unit_test(test_signed_zero_extremes),
    };
    return cmocka_run_group_tests_name("kll", tests, NULL, NULL);
}
