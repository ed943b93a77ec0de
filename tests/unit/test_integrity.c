/*
 * Tests of the integrity signals of a window (src/monitor/integrity.c, docs/monitor.md
 * "Integrity signals"): duplicate_share on windows with a known number of exact duplicates
 * (exact table and HyperLogLog past it), sweep_share for a one-feature sweep and for iid
 * traffic, ood_share against a N(0,1) reference with a known share of outliers (the expected
 * count recomputed here from the data and the reference's cut points), unseen categories,
 * prediction_shift against the Jensen-Shannon distance computed here from the class counts,
 * the spec options, and a micro benchmark of apply with and without the signals.
 */
#include <time.h>

#include "testutil.h"
#include "vigia/alert.h"
#include "vigia/monitor.h"

#define T0 1767261600000LL /* 2026-01-01T10:00:00Z */

static vg_monitor *new_monitor(const char *spec_json) {
    vg_model_spec *s = NULL;
    vg_error err;
    int rc = vg_model_spec_parse(spec_json, strlen(spec_json), &s, &err);
    if (rc != VG_OK)
        fprintf(stderr, "spec: %s\n", err.msg);
    assert_int_equal(rc, VG_OK);
    vg_monitor *m = vg_monitor_new(s, &err);
    assert_non_null(m);
    vg_model_spec_free(s);
    return m;
}

/* A regression spec of nf numeric features x0.. (plus "cat", categorical, when cat) and
 * `extra` spec keys. */
static char *spec_of(size_t nf, int cat, const char *extra) {
    size_t cap = 256 + nf * 64 + strlen(extra);
    char *s = malloc(cap);
    size_t o =
        (size_t)snprintf(s, cap, "{\"name\": \"m\", \"task\": \"regression\", \"features\": [");
    for (size_t j = 0; j < nf; j++)
        o += (size_t)snprintf(s + o, cap - o, "%s{\"name\": \"x%zu\", \"type\": \"numeric\"}",
                              j ? ", " : "", j);
    if (cat)
        o += (size_t)snprintf(s + o, cap - o, ", {\"name\": \"cat\", \"type\": \"categorical\"}");
    snprintf(s + o, cap - o, "], \"window\": {\"duration\": \"1h\"}%s}", extra);
    return s;
}

/* A growing NDJSON body. */
typedef struct body {
    char *s;
    size_t n, cap;
} body;

static void put(body *b, const char *fmt, ...) {
    va_list ap;
    if (!b->s) {
        b->cap = 1 << 16;
        b->s = malloc(b->cap);
        assert_non_null(b->s);
    }
    for (;;) {
        va_start(ap, fmt);
        int w = vsnprintf(b->s + b->n, b->cap - b->n, fmt, ap);
        va_end(ap);
        if ((size_t)w < b->cap - b->n) {
            b->n += (size_t)w;
            return;
        }
        b->cap = b->cap ? b->cap * 2 : 1 << 16;
        b->s = realloc(b->s, b->cap);
        assert_non_null(b->s);
    }
}

static int digits = 17; /* of the numbers written: 17 round-trips */

/* One record of window `hour`: numeric features x[0..nf), cat (NULL: none), prediction. */
static uint64_t next_id; /* of the records written */

static void rec(body *b, int hour, const double *x, size_t nf, const char *cat, const char *pred) {
    uint64_t id = next_id++;
    put(b, "{\"id\": \"r%llu\", \"timestamp\": %lld, \"features\": {", (unsigned long long)id,
        (long long)((T0 + hour * 3600000LL) / 1000 + 1));
    for (size_t j = 0; j < nf; j++)
        put(b, "%s\"x%zu\": %.*g", j ? ", " : "", j, digits, x[j]);
    if (cat)
        put(b, "%s\"cat\": \"%s\"", nf ? ", " : "", cat);
    put(b, "}, \"prediction\": %s}\n", pred);
}

static void feed(vg_monitor *m, body *b) {
    vg_monitor_batch *bt = NULL;
    vg_monitor_rejects rj = {0};
    vg_error err;
    int rc = vg_monitor_parse_predictions(m, b->s, b->n, T0, &bt, &rj, &err);
    if (rc != VG_OK || rj.n)
        fprintf(stderr, "parse: %s %s\n", rc ? err.msg : "", rj.n ? rj.items[0].reason : "");
    assert_int_equal(rc, VG_OK);
    assert_int_equal(rj.n, 0);
    assert_int_equal(vg_monitor_apply(m, bt, 1, 0, &err), VG_OK);
    vg_monitor_batch_free(bt);
    vg_monitor_rejects_free(&rj);
    b->n = 0;
}

/* Flushes and takes the closed windows. */
static vg_window **take(vg_monitor *m, size_t *n) {
    vg_error err;
    assert_true(vg_monitor_advance(m, T0, 1, &err) >= 0);
    vg_window **w = NULL;
    assert_int_equal(vg_monitor_take_windows(m, &w, n, &err), VG_OK);
    return w;
}

static void free_windows(vg_window **w, size_t n) {
    for (size_t i = 0; i < n; i++)
        vg_window_free(w[i]);
    free(w);
}

static const vg_metric_sample *sample(const vg_window *w, const char *name, const char *labels) {
    for (size_t i = 0; i < w->n_metrics; i++)
        if (!strcmp(w->metrics[i].name, name) && !strcmp(w->metrics[i].labels, labels))
            return &w->metrics[i];
    return NULL;
}

static double value_of(const vg_window *w, const char *name, const char *labels) {
    const vg_metric_sample *s = sample(w, name, labels);
    if (!s)
        fail_msg("no sample %s{%s}", name, labels);
    return s->value;
}

/* A reference profile: nf features of N(0,1), n rows, and "cat" from cats[] when given. */
static vg_profile *normal_reference(size_t nf, size_t n, const char *const *cats, size_t ncat,
                                    uint64_t seed) {
    vg_error err;
    vg_profile *p = vg_profile_new(NULL, &err);
    assert_non_null(p);
    char name[32];
    for (size_t j = 0; j < nf; j++) {
        snprintf(name, sizeof name, "x%zu", j);
        assert_true(vg_profile_add_column(p, name, strlen(name), &err) >= 0);
    }
    if (cats)
        assert_true(vg_profile_add_column(p, "cat", 3, &err) >= 0);
    for (size_t i = 0; i < n; i++) {
        for (size_t j = 0; j < nf; j++) {
            char t[40];
            int len = snprintf(t, sizeof t, "%.17g", t_normal(&seed));
            assert_int_equal(vg_profile_add_text(p, j, t, (size_t)len), VG_OK);
        }
        if (cats) {
            const char *c = cats[t_rand(&seed) % ncat];
            assert_int_equal(vg_profile_add_text(p, nf, c, strlen(c)), VG_OK);
        }
        vg_profile_end_rows(p, 1);
    }
    return p;
}

/* ---- spec ------------------------------------------------------------------------------------ */

static void expect_error(const char *extra, const char *needle) {
    char *js = spec_of(2, 0, extra);
    vg_model_spec *s = NULL;
    vg_error err;
    assert_true(vg_model_spec_parse(js, strlen(js), &s, &err) < 0);
    if (!strstr(err.msg, needle))
        fail_msg("error '%s' does not name '%s'", err.msg, needle);
    free(js);
}

static void test_spec_options(void **state) {
    (void)state;
    vg_error err;
    vg_model_spec *s = NULL;
    char *js = spec_of(2, 0, "");
    assert_int_equal(vg_model_spec_parse(js, strlen(js), &s, &err), VG_OK);
    assert_true(s->integrity.enabled == 1 && s->integrity.ood_quantile == 0.001 &&
                s->integrity.quantize_bins == 256 && s->integrity.max_table == 65536);
    char *canon = vg_model_spec_json(s);
    assert_null(strstr(canon, "integrity")); /* defaults: older specs read the same */
    free(canon), free(js), vg_model_spec_free(s);

    js = spec_of(2, 0, ", \"integrity\": false");
    assert_int_equal(vg_model_spec_parse(js, strlen(js), &s, &err), VG_OK);
    assert_int_equal(s->integrity.enabled, 0);
    canon = vg_model_spec_json(s);
    assert_non_null(strstr(canon, "\"integrity\":false"));
    free(canon), free(js), vg_model_spec_free(s);

    js = spec_of(2, 0,
                 ", \"integrity\": {\"ood_quantile\": 0.01, \"quantize_bins\": 64, "
                 "\"max_table\": 4096, \"ood_margin\": 0.5, \"max_features\": 8}");
    assert_int_equal(vg_model_spec_parse(js, strlen(js), &s, &err), VG_OK);
    assert_true(s->integrity.ood_quantile == 0.01 && s->integrity.quantize_bins == 64 &&
                s->integrity.max_table == 4096 && s->integrity.ood_margin == 0.5 &&
                s->integrity.max_features == 8);
    canon = vg_model_spec_json(s);
    vg_model_spec *s2 = NULL;
    assert_int_equal(vg_model_spec_parse(canon, strlen(canon), &s2, &err), VG_OK);
    char *canon2 = vg_model_spec_json(s2);
    assert_string_equal(canon, canon2);
    free(canon), free(canon2), free(js), vg_model_spec_free(s), vg_model_spec_free(s2);

    expect_error(", \"integrity\": {\"ood_quantile\": 0.6}", "integrity.ood_quantile");
    expect_error(", \"integrity\": {\"quantize_bins\": 1}", "integrity.quantize_bins");
    expect_error(", \"integrity\": {\"max_table\": 10}", "integrity.max_table");
    expect_error(", \"integrity\": {\"max_features\": 0}", "integrity.max_features");
    expect_error(", \"integrity\": {\"ood_margin\": -1}", "integrity.ood_margin");
    expect_error(", \"integrity\": {\"bins\": 3}", "integrity.bins: unknown key");
    expect_error(", \"integrity\": 3", "integrity:");
}

/* ---- duplicates ------------------------------------------------------------------------------ */

/* n records, of which `dups` repeat an earlier one exactly (the rest distinct): duplicate_share
 * is dups / n. Values are spread over many binades so that the relative grid (no reference)
 * separates them. */
static double duplicate_share_of(size_t n, size_t dups, const char *extra, uint64_t seed) {
    char *js = spec_of(3, 0, extra);
    vg_monitor *m = new_monitor(js);
    free(js);
    double *seen = malloc(n * 3 * sizeof *seen);
    body b = {0};
    size_t distinct = 0;
    for (size_t i = 0; i < n; i++) {
        double x[3];
        /* the duplicates are spread through the window, after the first record */
        int dup = distinct > 0 && (i * dups) / n != ((i + 1) * dups) / n;
        if (dup) {
            memcpy(x, seen + 3 * (t_rand(&seed) % distinct), sizeof x);
        } else {
            for (int j = 0; j < 3; j++)
                x[j] = ldexp(1 + t_uniform(&seed), (int)(t_rand(&seed) % 200) - 100);
            memcpy(seen + 3 * distinct++, x, sizeof x);
        }
        rec(&b, 0, x, 3, NULL, "1");
    }
    feed(m, &b);
    size_t nw;
    vg_window **w = take(m, &nw);
    assert_int_equal(nw, 1);
    /* the count of records that repeat an earlier one, counted here */
    assert_int_equal(distinct + dups, n);
    double d = value_of(w[0], "duplicate_share", "");
    free_windows(w, nw);
    vg_monitor_free(m);
    free(seen);
    free(b.s);
    return d;
}

static void test_duplicates_exact(void **state) {
    (void)state;
    /* exact while the distinct vectors fit the table */
    assert_true(duplicate_share_of(1000, 300, "", 1) == 1 - 700.0 / 1000);
    assert_true(duplicate_share_of(2000, 0, "", 2) == 0);
    assert_true(duplicate_share_of(5000, 4999, "", 3) == 1 - 1.0 / 5000);
    /* past max_table the HyperLogLog estimate (p = 14: relative standard error 0.81% of the
     * distinct count): 6000 distinct of 10000, allow 4 standard errors */
    double d = duplicate_share_of(10000, 4000, ", \"integrity\": {\"max_table\": 1024}", 4);
    double tol = 4 * 0.0081 * 6000.0 / 10000;
    printf("# duplicate_share past the table: %.5f (exact 0.4, tolerance %.4f)\n", d, tol);
    assert_true(fabs(d - 0.4) <= tol);
}

/* ---- sweeps ---------------------------------------------------------------------------------- */

static void test_sweep(void **state) {
    (void)state;
    const size_t nf = 6;
    const char *cats[] = {"a", "b", "c", "d", "e", "f", "g", "h"};
    char *js = spec_of(nf, 1, "");
    vg_monitor *m = new_monitor(js);
    free(js);
    vg_profile *ref = normal_reference(nf, 20000, cats, 8, 7);
    vg_error err;
    assert_int_equal(vg_monitor_set_reference_profile(m, ref, &err), VG_OK);
    uint64_t seed = 99;
    body b = {0};
    /* window 0: iid traffic */
    for (size_t i = 0; i < 2000; i++) {
        double x[6];
        for (size_t j = 0; j < nf; j++)
            x[j] = t_normal(&seed);
        rec(&b, 0, x, nf, cats[t_rand(&seed) % 8], "1");
    }
    /* window 1: a client sweeps x2 over [-2, 2] holding the rest (500 steps over about 240
     * rank buckets: the second record may fall in the first one's bucket, a duplicate and not
     * yet a one-feature variation; every later one varies an earlier one) */
    double base[6];
    for (size_t j = 0; j < nf; j++)
        base[j] = t_normal(&seed);
    for (size_t i = 0; i < 500; i++) {
        double x[6];
        memcpy(x, base, sizeof x);
        x[2] = -2 + 4.0 * (double)i / 499;
        rec(&b, 1, x, nf, "c", "1");
    }
    feed(m, &b);
    size_t nw;
    vg_window **w = take(m, &nw);
    assert_int_equal(nw, 2);
    double iid = value_of(w[0], "sweep_share", ""), sw = value_of(w[1], "sweep_share", "");
    double dup_iid = value_of(w[0], "duplicate_share", "");
    printf("# sweep_share iid %.5f, sweep %.5f; duplicate_share iid %.5f sweep %.5f\n", iid, sw,
           dup_iid, value_of(w[1], "duplicate_share", ""));
    assert_true(sw >= 0.99);
    assert_true(iid < 0.01);
    assert_true(dup_iid < 0.01);
    free_windows(w, nw);

    /* the same sweep hidden in iid traffic 20x larger, with a small signature table (it is
     * full early): a burst is still caught as long as its signature survives */
    js = spec_of(nf, 1, ", \"integrity\": {\"max_table\": 4096}");
    vg_monitor *m2 = new_monitor(js);
    free(js);
    assert_int_equal(vg_monitor_set_reference_profile(m2, ref, &err), VG_OK);
    for (size_t i = 0; i < 10000; i++) {
        double x[6];
        for (size_t j = 0; j < nf; j++)
            x[j] = t_normal(&seed);
        rec(&b, 0, x, nf, cats[t_rand(&seed) % 8], "1");
        if (i >= 5000 && i < 5500) { /* one sweep record after each iid record */
            memcpy(x, base, sizeof x);
            x[2] = -2 + 4.0 * (double)(i - 5000) / 499;
            rec(&b, 0, x, nf, "c", "1");
        }
    }
    feed(m2, &b);
    w = take(m2, &nw);
    assert_int_equal(nw, 1);
    double mixed = value_of(w[0], "sweep_share", "");
    printf("# sweep_share of 500 sweep records among 10000 iid, table full: %.5f (500/10500 = "
           "%.5f)\n",
           mixed, 500.0 / 10500);
    assert_true(mixed >= 0.9 * 499 / 10500.0 && mixed <= 510 / 10500.0);
    free_windows(w, nw);
    vg_monitor_free(m2);
    vg_profile_free(ref);
    vg_monitor_free(m);
    free(b.s);
}

/* ---- out of distribution --------------------------------------------------------------------- */

/* The reference's cut points, as the monitor takes them: the KLL quantiles at q and 1 - q. */
static void cuts(const vg_profile *ref, size_t j, double q, double *lo, double *hi) {
    char name[32];
    snprintf(name, sizeof name, "x%zu", j);
    int ci = vg_profile_find_column(ref, name, strlen(name));
    assert_true(ci >= 0);
    *lo = vg_kll_quantile(ref->cols[ci]->kll, q);
    *hi = vg_kll_quantile(ref->cols[ci]->kll, 1 - q);
}

/* 1 - Phi(z) */
static double upper_tail(double z) {
    return 0.5 * erfc(z / sqrt(2));
}

static void ood_case(size_t nf, size_t n, size_t outliers, uint64_t seed) {
    char *js = spec_of(nf, 0, "");
    vg_monitor *m = new_monitor(js);
    free(js);
    vg_profile *ref = normal_reference(nf, 100000, NULL, 0, seed);
    vg_error err;
    assert_int_equal(vg_monitor_set_reference_profile(m, ref, &err), VG_OK);
    double lo[4], hi[4], q = 0.001;
    for (size_t j = 0; j < nf; j++)
        cuts(ref, j, q, &lo[j], &hi[j]);
    body b = {0};
    size_t want = 0, want_f[4] = {0};
    for (size_t i = 0; i < n; i++) {
        double x[4];
        for (size_t j = 0; j < nf; j++)
            x[j] = t_normal(&seed);
        if (i % (n / (outliers ? outliers : 1)) == 0 &&
            i / (n / (outliers ? outliers : 1)) < outliers)
            x[t_rand(&seed) % nf] += 8; /* 8 sd: beyond every reference value */
        int any = 0;
        for (size_t j = 0; j < nf; j++)
            if (x[j] < lo[j] || x[j] > hi[j]) {
                want_f[j]++;
                any = 1;
            }
        want += any;
        rec(&b, 0, x, nf, NULL, "1");
    }
    feed(m, &b);
    size_t nw;
    vg_window **w = take(m, &nw);
    assert_int_equal(nw, 1);
    double got = value_of(w[0], "ood_share", "");
    /* exactly the records this test finds outside the cuts */
    assert_true(got == (double)want / (double)n);
    for (size_t j = 0; j < nf; j++) {
        char lab[32];
        snprintf(lab, sizeof lab, "feature=\"x%zu\"", j);
        assert_true(value_of(w[0], "ood_feature_share", lab) == (double)want_f[j] / (double)n);
    }
    /* and the statistical statement of docs/monitor.md: an in-distribution value is flagged
     * with probability rank(lo) + 1 - rank(hi), within 2 (q + eps) of the sketch's rank error
     * eps; the outliers always */
    double eps = vg_kll_rank_error(VG_KLL_DEFAULT_K), p_in = 0;
    double worst = 1;
    for (size_t j = 0; j < nf; j++) {
        double pj = (1 - upper_tail(lo[j])) + upper_tail(hi[j]); /* Phi(lo) + 1 - Phi(hi) */
        printf("# x%zu: cuts %.4f %.4f, true tail ranks %.5f %.5f (q = %.3f, eps = %.4f)\n", j,
               lo[j], hi[j], 1 - upper_tail(lo[j]), upper_tail(hi[j]), q, eps);
        worst *= 1 - pj;
    }
    p_in = 1 - worst; /* P(an in-distribution record has some feature flagged) */
    double expect = ((double)outliers + (double)(n - outliers) * p_in) / (double)n;
    double bound = (double)nf * 2 * (q + eps) * (double)(n - outliers) / (double)n;
    double noise = 4 * sqrt(p_in * (1 - p_in) / (double)n);
    printf("# ood_share %.5f: outliers %.3f, expected %.5f, kll bound %.4f, 4 sd %.4f\n", got,
           (double)outliers / (double)n, expect, bound, noise);
    assert_true(fabs(got - expect) <= noise + 1e-12);
    assert_true(fabs(got - (double)outliers / (double)n) <= bound + noise);
    if (outliers == 0)
        assert_true(got < 0.01);
    free_windows(w, nw);
    vg_profile_free(ref);
    vg_monitor_free(m);
    free(b.s);
}

static void test_ood(void **state) {
    (void)state;
    ood_case(1, 20000, 1400, 5); /* 7% at +8 sd */
    ood_case(3, 20000, 1400, 6);
    ood_case(1, 20000, 0, 8);
    ood_case(2, 20000, 0, 9);
}

static void test_ood_categorical(void **state) {
    (void)state;
    const char *cats[] = {"north", "south", "east"};
    char *js = spec_of(1, 1, "");
    vg_monitor *m = new_monitor(js);
    free(js);
    vg_profile *ref = normal_reference(1, 5000, cats, 3, 21);
    vg_error err;
    assert_int_equal(vg_monitor_set_reference_profile(m, ref, &err), VG_OK);
    body b = {0};
    uint64_t seed = 3;
    for (size_t i = 0; i < 500; i++) {
        double x = 0.1 * t_normal(&seed); /* well inside the numeric cuts */
        rec(&b, 0, &x, 1, i % 10 == 3 ? "west" : cats[i % 3], "1");
    }
    feed(m, &b);
    size_t nw;
    vg_window **w = take(m, &nw);
    assert_int_equal(nw, 1);
    assert_true(value_of(w[0], "ood_share", "") == 50.0 / 500);
    assert_true(value_of(w[0], "ood_feature_share", "feature=\"cat\"") == 50.0 / 500);
    assert_true(value_of(w[0], "ood_feature_share", "feature=\"x0\"") == 0);
    free_windows(w, nw);
    vg_monitor_free(m);
    vg_profile_free(ref);

    /* a reference whose value table is not exact (more distinct values than it counts): the
     * categorical feature is not scored, and has no ood_feature_share */
    js = spec_of(1, 1, "");
    m = new_monitor(js);
    free(js);
    char **many = malloc(5000 * sizeof *many);
    for (size_t i = 0; i < 5000; i++) {
        many[i] = malloc(16);
        snprintf(many[i], 16, "v%zu", i);
    }
    ref = normal_reference(1, 20000, (const char *const *)many, 5000, 22);
    assert_int_equal(vg_monitor_set_reference_profile(m, ref, &err), VG_OK);
    for (size_t i = 0; i < 100; i++) {
        double x = 0.1 * t_normal(&seed);
        rec(&b, 0, &x, 1, "never-seen", "1");
    }
    feed(m, &b);
    w = take(m, &nw);
    assert_true(value_of(w[0], "ood_share", "") == 0);
    assert_null(sample(w[0], "ood_feature_share", "feature=\"cat\""));
    assert_non_null(sample(w[0], "ood_feature_share", "feature=\"x0\""));
    free_windows(w, nw);
    vg_monitor_free(m);
    vg_profile_free(ref);
    for (size_t i = 0; i < 5000; i++)
        free(many[i]);
    free(many);

    /* no reference: no OOD samples; the report says why */
    js = spec_of(1, 1, "");
    m = new_monitor(js);
    free(js);
    double x = 1;
    rec(&b, 0, &x, 1, "west", "1");
    feed(m, &b);
    w = take(m, &nw);
    assert_null(sample(w[0], "ood_share", ""));
    assert_non_null(strstr(w[0]->report_json, "\"ood_note\":\"no reference set\""));
    free_windows(w, nw);
    vg_monitor_free(m);

    /* integrity off: none of the samples */
    js = spec_of(2, 0, ", \"integrity\": false");
    m = new_monitor(js);
    free(js);
    double x2[2] = {1, 2};
    rec(&b, 0, x2, 2, NULL, "1");
    rec(&b, 1, x2, 2, NULL, "1");
    feed(m, &b);
    w = take(m, &nw);
    assert_int_equal(nw, 2);
    for (size_t i = 0; i < nw; i++)
        for (size_t k = 0; k < w[i]->n_metrics; k++)
            assert_true(strcmp(w[i]->metrics[k].name, "duplicate_share") &&
                        strcmp(w[i]->metrics[k].name, "sweep_share") &&
                        strcmp(w[i]->metrics[k].name, "prediction_shift"));
    assert_null(strstr(w[1]->report_json, "\"integrity\""));
    free_windows(w, nw);
    vg_monitor_free(m);
    free(b.s);
}

/* ---- prediction shift ------------------------------------------------------------------------ */

/* scipy.spatial.distance.jensenshannon(p, q) of two count vectors, with zero shares filled by
 * 1e-4 and renormalized as src/drift/counts.c documents (Evidently's convention). */
static double js_counts(const double *a, const double *b, size_t k) {
    double na = 0, nb = 0, sa = 0, sb = 0, p[16], q[16];
    for (size_t i = 0; i < k; i++)
        na += a[i], nb += b[i];
    for (size_t i = 0; i < k; i++) {
        p[i] = a[i] ? a[i] / na : 1e-4;
        q[i] = b[i] ? b[i] / nb : 1e-4;
        sa += p[i], sb += q[i];
    }
    double s = 0;
    for (size_t i = 0; i < k; i++) {
        p[i] /= sa, q[i] /= sb;
        double mm = (p[i] + q[i]) / 2;
        s += p[i] * log(p[i] / mm) + q[i] * log(q[i] / mm);
    }
    return sqrt(s / 2);
}

static void test_prediction_shift(void **state) {
    (void)state;
    const char *spec = "{\"name\": \"c\", \"task\": \"multiclass\", \"features\": ["
                       "{\"name\": \"x0\", \"type\": \"numeric\"}], \"window\": {\"duration\": "
                       "\"1h\"}}";
    vg_monitor *m = new_monitor(spec);
    body b = {0};
    double x = 0;
    /* window 0: a 70 / 30, window 1: the same, window 2: flipped with a new class c */
    const int counts[3][3] = {{70, 30, 0}, {70, 30, 0}, {20, 70, 10}};
    for (int h = 0; h < 3; h++)
        for (int c = 0; c < 3; c++)
            for (int i = 0; i < counts[h][c]; i++) {
                x += 1;
                rec(&b, h, &x, 1, NULL, c == 0 ? "\"a\"" : c == 1 ? "\"b\"" : "\"c\"");
            }
    feed(m, &b);
    size_t nw;
    vg_window **w = take(m, &nw);
    assert_int_equal(nw, 3);
    assert_null(sample(w[0], "prediction_shift", "")); /* no previous window */
    assert_non_null(strstr(w[0]->report_json, "\"prediction_shift\":null"));
    assert_true(value_of(w[1], "prediction_shift", "") == 0);
    double a[3] = {70, 30, 0}, c2[3] = {20, 70, 10};
    double want = js_counts(a, c2, 3), got = value_of(w[2], "prediction_shift", "");
    printf("# prediction_shift flipped: %.12f (computed here %.12f)\n", got, want);
    assert_true(fabs(got - want) <= 1e-12);
    assert_true(got > 0.3);
    free_windows(w, nw);
    vg_monitor_free(m);
    free(b.s);
}

/* ---- the samples reach the alert rules --------------------------------------------------------
 * The daemon hands each window's samples to vg_alert_engine_eval (src/serve/alerting.c): a rule
 * on sweep_share fires on the sweep window and not on the iid one. */
static void test_alert_rule(void **state) {
    (void)state;
    const char *yaml = "rules:\n"
                       "  - name: extraction\n"
                       "    metric: sweep_share\n"
                       "    threshold: 0.5\n";
    vg_alert_config *cfg = NULL;
    vg_error err;
    assert_int_equal(vg_alert_config_load(NULL, yaml, strlen(yaml), "rules.yaml", &cfg, &err),
                     VG_OK);
    vg_alert_engine *eng = NULL;
    assert_int_equal(vg_alert_engine_new(cfg, &eng, &err), VG_OK);

    char *js = spec_of(4, 0, "");
    vg_monitor *m = new_monitor(js);
    free(js);
    body b = {0};
    uint64_t seed = 5;
    for (size_t i = 0; i < 300; i++) {
        double x[4] = {t_normal(&seed), t_normal(&seed), t_normal(&seed), t_normal(&seed)};
        rec(&b, 0, x, 4, NULL, "1");
    }
    for (size_t i = 0; i < 300; i++) {
        double x[4] = {1, 2, 3, (double)i};
        rec(&b, 1, x, 4, NULL, "1");
    }
    feed(m, &b);
    size_t nw;
    vg_window **w = take(m, &nw);
    assert_int_equal(nw, 2);
    size_t firing[2];
    for (size_t i = 0; i < 2; i++) {
        vg_alert *tr = NULL;
        size_t ntr = 0;
        assert_int_equal(vg_alert_engine_eval(eng, VG_ALERT_EVAL_WINDOW, "m", w[i]->metrics,
                                              w[i]->n_metrics, w[i]->start_ms, w[i]->end_ms,
                                              w[i]->end_ms, &tr, &ntr, &err),
                         VG_OK);
        vg_alert_array_free(tr, ntr);
        assert_int_equal(vg_alert_engine_alerts(eng, 0, w[i]->end_ms, &tr, &ntr, &err), VG_OK);
        firing[i] = 0;
        for (size_t k = 0; k < ntr; k++)
            firing[i] += tr[k].state == VG_ALERT_FIRING && !strcmp(tr[k].rule, "extraction");
        vg_alert_array_free(tr, ntr);
    }
    assert_int_equal(firing[0], 0);
    assert_int_equal(firing[1], 1);
    free_windows(w, nw);
    vg_monitor_free(m);
    vg_alert_engine_free(eng);
    free(b.s);
}

/* ---- restart ------------------------------------------------------------------------------- *
 * A closed window restored after a restart has lost its tables: a revision by a late label
 * reports the integrity samples it had, read from its stored report as the daemon passes it. */
static void test_restore_revision(void **state) {
    (void)state;
    char *js = spec_of(3, 0, "");
    vg_monitor *m = new_monitor(js);
    body b = {0};
    uint64_t first = next_id;
    for (size_t i = 0; i < 200; i++) {
        double x[3] = {1, 2, (double)i}; /* a sweep of x2 */
        rec(&b, 0, x, 3, NULL, "1");
    }
    feed(m, &b);
    size_t nw;
    vg_window **w = take(m, &nw);
    assert_int_equal(nw, 1);
    double sweep = value_of(w[0], "sweep_share", ""), dup = value_of(w[0], "duplicate_share", "");
    assert_true(sweep == 1);

    vg_monitor *m2 = new_monitor(js);
    free(js);
    vg_window vw = *w[0];
    vw.metrics = NULL; /* as src/serve/daemon.c restores: profile, rows and report */
    vw.n_metrics = 0;
    vg_error err;
    assert_int_equal(vg_monitor_restore_window(m2, &vw, &err), VG_OK);
    char lab[64];
    int len =
        snprintf(lab, sizeof lab, "{\"id\": \"r%llu\", \"label\": 1}", (unsigned long long)first);
    vg_monitor_batch *bt = NULL;
    vg_monitor_rejects rj = {0};
    assert_int_equal(vg_monitor_parse_labels(m2, lab, (size_t)len, T0, &bt, &rj, &err), VG_OK);
    assert_int_equal(vg_monitor_apply(m2, bt, 2, 0, &err), VG_OK);
    vg_monitor_batch_free(bt);
    vg_monitor_rejects_free(&rj);
    vg_window **w2 = take(m2, &nw);
    assert_int_equal(nw, 1);
    assert_int_equal(w2[0]->revision, 2);
    assert_true(value_of(w2[0], "sweep_share", "") == sweep);
    assert_true(value_of(w2[0], "duplicate_share", "") == dup);
    assert_null(sample(w2[0], "ood_share", "")); /* there was no reference */
    free_windows(w2, nw);
    free_windows(w, 1);
    vg_monitor_free(m2);
    vg_monitor_free(m);
    free(b.s);
}

/* ---- cost ------------------------------------------------------------------------------------ */

/* records/s (of thread CPU time) of parse + apply of n records of nf numeric features, with and
 * without the signals (with a reference: OOD scoring and rank buckets). */
static double apply_rate(size_t nf, size_t n, int on, int dg) {
    char *js = spec_of(nf, 0, on ? "" : ", \"integrity\": false");
    vg_monitor *m = new_monitor(js);
    vg_profile *ref = normal_reference(nf, 20000, NULL, 0, 1);
    vg_error err;
    assert_int_equal(vg_monitor_set_reference_profile(m, ref, &err), VG_OK);
    body b = {0};
    uint64_t seed = 17;
    double x[64];
    for (size_t i = 0; i < n; i++) {
        for (size_t j = 0; j < nf; j++) {
            char t[32];
            snprintf(t, sizeof t, "%.*g", dg, t_normal(&seed));
            x[j] = strtod(t, NULL); /* as a client would send it */
        }
        rec(&b, 0, x, nf, NULL, "0.5");
    }
    /* thread CPU time, best of 3 fresh monitors: the machine is shared */
    double sec = INFINITY;
    for (int rep = 0; rep < 3; rep++) {
        vg_monitor *mm = rep ? new_monitor(js) : m;
        if (rep)
            assert_int_equal(vg_monitor_set_reference_profile(mm, ref, &err), VG_OK);
        struct timespec t0, t1;
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t0);
        vg_monitor_batch *bt = NULL;
        vg_monitor_rejects rj = {0};
        assert_int_equal(vg_monitor_parse_predictions(mm, b.s, b.n, T0, &bt, &rj, &err), VG_OK);
        assert_int_equal(vg_monitor_apply(mm, bt, 1, 0, &err), VG_OK);
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t1);
        vg_monitor_batch_free(bt);
        vg_monitor_rejects_free(&rj);
        double t = (double)(t1.tv_sec - t0.tv_sec) + 1e-9 * (double)(t1.tv_nsec - t0.tv_nsec);
        if (t < sec)
            sec = t;
        if (rep)
            vg_monitor_free(mm);
    }
    free(js);
    vg_profile_free(ref);
    vg_monitor_free(m);
    free(b.s);
    return (double)n / sec;
}

/* Not a test: what the signals cost parse+apply, printed when VG_BENCH_RECORDS is set
 * (`VG_BENCH_RECORDS=50000 build/tests/test_integrity`); make test skips it (figures belong to
 * benchmarks, and the sanitizer build would spend a minute on it). */
static void test_benchmark(void **state) {
    (void)state;
    const char *env = getenv("VG_BENCH_RECORDS");
    if (!env || atol(env) <= 0) {
        skip();
        return;
    }
    size_t n = (size_t)atol(env);
    static const struct {
        size_t nf;
        int digits;
    } cases[] = {{20, 6}, {50, 6}, {20, 17}, {50, 17}};
    for (size_t c = 0; c < sizeof cases / sizeof *cases; c++) {
        size_t nf = cases[c].nf;
        int dg = cases[c].digits;
        digits = dg;
        double off = apply_rate(nf, n, 0, dg), on = apply_rate(nf, n, 1, dg);
        digits = 17;
        printf("# parse+apply, %zu numeric features of %d significant digits, %zu records: %.0f "
               "records/s without the integrity signals, %.0f with (%.1f%% slower)\n",
               nf, dg, n, off, on, 100 * (1 - on / off));
    }
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_spec_options),    cmocka_unit_test(test_duplicates_exact),
        cmocka_unit_test(test_sweep),           cmocka_unit_test(test_ood),
        cmocka_unit_test(test_ood_categorical), cmocka_unit_test(test_prediction_shift),
        cmocka_unit_test(test_alert_rule),      cmocka_unit_test(test_restore_revision),
        cmocka_unit_test(test_benchmark),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
