/*
 * Model-quality metrics (vigia/perf.h): values worked out by hand (scikit-learn's documented
 * examples among them), the undefined cases (a single class, labels only, zero division), the
 * curve thinning and the calibration bin edges, the radix sort against qsort, streams and merged
 * shards against the batch, and the error paths (outputs untouched on failure).
 * tests/oracle/test_perf.py compares the same functions with scikit-learn on many more inputs.
 */
#include "perf/internal.h"
#include "testutil.h"
#include "vigia/perf.h"

static void check_rel(const char *what, double got, double want, double rtol) {
    if (got == want || (isnan(got) && isnan(want)))
        return;
    double err = fabs(got - want);
    if (!(err <= rtol * fabs(want)))
        fail_msg("%s: got %.17g, want %.17g (rel %.3g > %.3g)", what, got, want,
                 want != 0 ? err / fabs(want) : INFINITY, rtol);
}

static void test_binary_docs_example(void **state) {
    (void)state;
    /* sklearn's docstrings: roc_auc_score 0.75, average_precision_score 0.8333...,
     * precision_recall_curve precision [0.5, 0.667, 0.5, 1, 1], recall [1, 1, 0.5, 0.5, 0] */
    const uint8_t y[] = {0, 0, 1, 1};
    const double s[] = {0.1, 0.4, 0.35, 0.8};
    vg_perf_binary r;
    assert_int_equal(vg_perf_binary_compute(y, s, NULL, 4, NULL, &r, NULL), VG_OK);
    assert_true(r.roc_auc == 0.75);
    check_rel("ap", r.average_precision, 5.0 / 6, 1e-15);
    assert_int_equal(r.pr.n, 5);
    const double prec[] = {0.5, 2.0 / 3, 0.5, 1, 1}, rec[] = {1, 1, 0.5, 0.5, 0};
    for (size_t i = 0; i < 5; i++) {
        check_rel("precision curve", r.pr.y[i], prec[i], 1e-15);
        check_rel("recall curve", r.pr.x[i], rec[i], 1e-15);
    }
    assert_true(isnan(r.pr.threshold[4]));
    /* predictions at 0.5: only 0.8 -> tn 2, fp 0, fn 1, tp 1 */
    assert_true(r.tn == 2 && r.fp == 0 && r.fn == 1 && r.tp == 1);
    assert_true(r.precision == 1 && r.recall == 0.5 && r.specificity == 1);
    check_rel("f1", r.f1, 2.0 / 3, 1e-15);
    check_rel("mcc", r.mcc, 1 / sqrt(3.0), 1e-15);
    assert_true(r.balanced_accuracy == 0.75 && r.accuracy == 0.75);
    /* ROC: (0,0) at max + 1, then every group (none collinear here but the middle ones) */
    assert_true(r.roc.x[0] == 0 && r.roc.y[0] == 0 && r.roc.threshold[0] == 1.8);
    assert_true(r.roc.x[r.roc.n - 1] == 1 && r.roc.y[r.roc.n - 1] == 1);
    /* brier: (0.01 + 0.16 + 0.4225 + 0.04) / 4 */
    check_rel("brier", r.brier, (0.01 + 0.16 + 0.4225 + 0.04) / 4, 1e-15);
    check_rel("log loss", r.log_loss, -(log(0.9) + log(0.6) + log(0.35) + log(0.8)) / 4, 1e-14);
    assert_true(r.roc_auc_bound == 0 && r.average_precision_bound == 0);
    vg_perf_binary_free(&r);
    vg_perf_binary_free(&r); /* freeing twice is harmless */
}

static void test_binary_undefined(void **state) {
    (void)state;
    vg_perf_binary r;
    /* labels only: score metrics NaN */
    const uint8_t y[] = {1, 0, 1}, p[] = {1, 1, 0};
    assert_int_equal(vg_perf_binary_compute(y, NULL, p, 3, NULL, &r, NULL), VG_OK);
    assert_false(r.has_scores);
    assert_true(isnan(r.roc_auc) && isnan(r.log_loss) && isnan(r.ece));
    assert_null(r.roc.x);
    check_rel("precision", r.precision, 0.5, 0);
    vg_perf_binary_free(&r);
    /* no positive at all: precision, recall, f1, mcc 0 (zero_division); AUC NaN; AP 0 */
    const uint8_t y0[] = {0, 0, 0};
    const double s0[] = {0.2, 0.3, 0.9};
    assert_int_equal(vg_perf_binary_compute(y0, s0, NULL, 3, NULL, &r, NULL), VG_OK);
    assert_true(r.single_class && isnan(r.roc_auc) && r.average_precision == 0);
    assert_true(r.precision == 0 && r.recall == 0 && r.f1 == 0 && r.mcc == 0);
    check_rel("specificity", r.specificity, 2.0 / 3, 1e-15);
    assert_true(r.balanced_accuracy == r.specificity);
    vg_perf_binary_free(&r);
    /* n = 1, correct: everything perfect but AUC */
    const uint8_t y1[] = {1};
    const double s1[] = {0.7};
    assert_int_equal(vg_perf_binary_compute(y1, s1, NULL, 1, NULL, &r, NULL), VG_OK);
    assert_true(r.accuracy == 1 && r.precision == 1 && r.recall == 1 && r.f1 == 1);
    assert_true(r.mcc == 0 && isnan(r.roc_auc) && r.average_precision == 1);
    vg_perf_binary_free(&r);
}

static void test_binary_curves_and_bins(void **state) {
    (void)state;
    enum { N = 10000 };
    uint8_t *y = malloc(N);
    double *s = malloc(N * sizeof *s);
    uint64_t seed = 7;
    for (size_t i = 0; i < N; i++) {
        y[i] = t_uniform(&seed) < 0.3;
        s[i] = 1 / (1 + exp(-(t_normal(&seed) + (y[i] ? 1 : -1))));
    }
    vg_perf_binary_opts o;
    vg_perf_binary_opts_init(&o);
    o.curve_points = 11;
    vg_perf_binary r;
    assert_int_equal(vg_perf_binary_compute(y, s, NULL, N, &o, &r, NULL), VG_OK);
    assert_true(r.roc.n <= 11 && r.roc.n >= 2 && r.roc.n_full > 11);
    assert_true(r.pr.n <= 11 && r.pr.n_full == N + 1);
    assert_true(r.roc.x[0] == 0 && r.roc.y[0] == 0);
    assert_true(r.roc.x[r.roc.n - 1] == 1 && r.roc.y[r.roc.n - 1] == 1);
    for (size_t i = 1; i < r.roc.n; i++)
        assert_true(r.roc.x[i] >= r.roc.x[i - 1] && r.roc.y[i] >= r.roc.y[i - 1]);
    assert_true(r.pr.x[r.pr.n - 1] == 0 && r.pr.y[r.pr.n - 1] == 1);
    /* AUC against the O(n^2) definition of the Mann-Whitney statistic */
    double wins = 0, pairs = 0;
    for (size_t i = 0; i < N; i++)
        for (size_t j = 0; y[i] && j < N; j++)
            if (!y[j]) {
                pairs++;
                wins += s[i] > s[j] ? 1 : s[i] == s[j] ? 0.5 : 0;
            }
    check_rel("auc", r.roc_auc, wins / pairs, 1e-13);
    assert_true(r.roc_auc > 0.8 && r.roc_auc < 0.95);
    vg_perf_binary_free(&r);
    free(y);
    free(s);

    /* calibration bins: an edge value belongs to the bin below (np.searchsorted, left) */
    assert_int_equal(vg_perf_calibration_bin(0.0, 10), 0);
    assert_int_equal(vg_perf_calibration_bin(0.1, 10), 0);
    assert_int_equal(vg_perf_calibration_bin(0.30000000000000004, 10), 2); /* = 3 * 0.1 */
    assert_int_equal(vg_perf_calibration_bin(0.3, 10), 2); /* below the edge 3 * 0.1 */
    assert_int_equal(vg_perf_calibration_bin(0.30000000000000010, 10), 3);
    assert_int_equal(vg_perf_calibration_bin(1.0, 10), 9);
    assert_int_equal(vg_perf_calibration_bin(0.5, 1), 0);
}

static void test_sort(void **state) {
    (void)state;
    enum { N = 5000 };
    double *a = malloc(N * sizeof *a), *b = malloc(N * sizeof *b);
    uint64_t *keys = malloc(2 * N * sizeof *keys);
    uint64_t seed = 3;
    for (size_t i = 0; i < N; i++) {
        double u = t_uniform(&seed);
        a[i] = i % 5 == 0 ? -0.0 : i % 7 == 0 ? -INFINITY : (u - 0.5) * pow(10, (int)(u * 40) - 20);
        b[i] = a[i];
    }
    vg_sort_doubles_buf(a, N, keys); /* base/sort.h, as the metrics use it */
    qsort(b, N, sizeof *b, t_cmp_double);
    for (size_t i = 0; i < N; i++)
        assert_true(a[i] == b[i]);
    /* selection: every k of arrays with many ties, against the sorted copy */
    for (size_t round = 0; round < 50; round++) {
        size_t n = 1 + (size_t)(t_uniform(&seed) * 300);
        for (size_t i = 0; i < n; i++)
            b[i] = round % 2 ? (double)(t_rand(&seed) % 5) : t_normal(&seed);
        qsort(b, n, sizeof *b, t_cmp_double);
        for (size_t k = 0; k < n; k++) {
            memcpy(a, b, n * sizeof *a);
            for (size_t i = n; i-- > 1;) { /* shuffle */
                size_t j = (size_t)(t_rand(&seed) % (i + 1));
                double t = a[i];
                a[i] = a[j];
                a[j] = t;
            }
            size_t ks[3] = {k / 3, k, k + (n - k) / 2};
            size_t nk = 1 + (k % 3 != 0) * 2; /* one rank, or three at once */
            const size_t *kk = nk == 1 ? &ks[1] : ks;
            vg_perf_select(a, n, kk, nk);
            for (size_t r = 0; r < nk; r++) {
                size_t at = kk[r];
                assert_true(a[at] == b[at]);
                for (size_t i = 0; i < at; i++)
                    assert_true(a[i] <= a[at]);
                for (size_t i = at + 1; i < n; i++)
                    assert_true(a[i] >= a[at]);
            }
        }
    }
    free(a);
    free(b);
    free(keys);
}

static void test_multiclass(void **state) {
    (void)state;
    /* y = 0 0 1 1 2 2, pred = 0 1 1 1 0 2: per class tp 1 2 1, pred 2 3 1, true 2 2 2 */
    const uint32_t y[] = {0, 0, 1, 1, 2, 2}, p[] = {0, 1, 1, 1, 0, 2};
    vg_perf_multiclass r;
    assert_int_equal(vg_perf_multiclass_compute(y, p, NULL, 6, 3, 0, &r, NULL), VG_OK);
    assert_true(r.confusion[0] == 1 && r.confusion[1] == 1 && r.confusion[6] == 1);
    check_rel("p0", r.precision[0], 0.5, 0);
    check_rel("p1", r.precision[1], 2.0 / 3, 1e-15);
    assert_true(r.precision[2] == 1 && r.recall[1] == 1 && r.recall[2] == 0.5);
    check_rel("accuracy", r.accuracy, 4.0 / 6, 1e-15);
    check_rel("macro p", r.macro_precision, (0.5 + 2.0 / 3 + 1) / 3, 1e-15);
    check_rel("macro r", r.macro_recall, 4.0 / 6, 1e-15);
    assert_true(r.micro_precision == r.accuracy && r.micro_recall == r.accuracy);
    assert_true(r.support[0] == 2 && r.support[2] == 2);
    assert_true(isnan(r.log_loss) && isnan(r.top_k_accuracy) && !r.has_proba);
    vg_perf_multiclass_free(&r);
    vg_perf_multiclass_free(&r);

    /* proba with ties: top-k ranks equal scores with the higher index first (sklearn) */
    const double pa[] = {0.25, 0.25, 0.25, 0.25, /* class 0 ranks last of four */
                         0.25, 0.25, 0.25, 0.25, /* class 3 ranks first */
                         0.1,  0.6,  0.2,  0.1};
    const uint32_t y2[] = {0, 3, 1};
    assert_int_equal(vg_perf_multiclass_compute(y2, NULL, pa, 3, 4, 1, &r, NULL), VG_OK);
    check_rel("top1", r.top_k_accuracy, 2.0 / 3, 1e-15);
    /* argmax takes the first maximum: rows 0 and 1 are predicted 0 */
    assert_true(r.confusion[0 * 4 + 0] == 1 && r.confusion[3 * 4 + 0] == 1);
    check_rel("log loss", r.log_loss, -(log(0.25) + log(0.25) + log(0.6)) / 3, 1e-15);
    vg_perf_multiclass_free(&r);
    assert_int_equal(vg_perf_multiclass_compute(y2, NULL, pa, 3, 4, 4, &r, NULL), VG_OK);
    assert_true(r.top_k_accuracy == 1);
    vg_perf_multiclass_free(&r);
}

static void test_regression(void **state) {
    (void)state;
    const double y[] = {3, -0.5, 2, 7}, p[] = {2.5, 0.0, 2, 8};
    const double q[] = {0, 0.5, 1};
    vg_perf_regression r;
    assert_int_equal(vg_perf_regression_compute(y, p, 4, q, 3, &r, NULL), VG_OK);
    /* sklearn docstrings: MAE 0.5, MSE 0.375, R^2 0.948..., median AE 0.5 */
    check_rel("mae", r.mae, 0.5, 1e-15);
    check_rel("mse", r.mse, 0.375, 1e-15);
    check_rel("r2", r.r2, 0.9486081370449679, 1e-15);
    check_rel("median", r.median_ae, 0.5, 0);
    check_rel("bias", r.mean_error, 0.25, 1e-15);
    assert_true(r.error_quantile[0] == -0.5 && r.error_quantile[2] == 1);
    check_rel("q0.5", r.error_quantile[1], 0.25, 1e-15);
    check_rel("mape", r.mape, (0.5 / 3 + 1 + 0 + 1.0 / 7) / 4, 1e-15);
    assert_int_equal(r.zero_targets, 0);
    vg_perf_regression_free(&r);
    /* a zero target: eps in the denominator for mape, excluded from mape_nonzero */
    const double y0[] = {0, 2}, p0[] = {1, 1};
    assert_int_equal(vg_perf_regression_compute(y0, p0, 2, NULL, 0, &r, NULL), VG_OK);
    assert_int_equal(r.zero_targets, 1);
    check_rel("mape", r.mape, (1 / 2.220446049250313e-16 + 0.5) / 2, 1e-15);
    check_rel("mape nonzero", r.mape_nonzero, 0.5, 0);
    /* n = 1: R^2 undefined; constant target: 1 if perfect, else 0 */
    assert_int_equal(vg_perf_regression_compute(y, p, 1, NULL, 0, &r, NULL), VG_OK);
    assert_true(isnan(r.r2));
    const double c[] = {0.1, 0.1, 0.1}, c2[] = {0.1, 0.2, 0.1};
    assert_int_equal(vg_perf_regression_compute(c, c, 3, NULL, 0, &r, NULL), VG_OK);
    assert_true(r.r2 == 1);
    assert_int_equal(vg_perf_regression_compute(c, c2, 3, NULL, 0, &r, NULL), VG_OK);
    assert_true(r.r2 == 0);
}

static void test_streams(void **state) {
    (void)state;
    enum { N = 3000 };
    uint8_t *y = malloc(N);
    double *s = malloc(N * sizeof *s), *yt = malloc(N * sizeof *yt), *yp = malloc(N * sizeof *yp);
    uint64_t seed = 11;
    for (size_t i = 0; i < N; i++) {
        y[i] = t_uniform(&seed) < 0.4;
        s[i] = fmin(1, fmax(0, 0.5 + 0.2 * (y[i] ? 1 : -1) + 0.2 * t_normal(&seed)));
        /* shards with very different means: what Chan's merge is for */
        yt[i] = (i < N / 2 ? 1e6 : -3) + t_normal(&seed);
        yp[i] = yt[i] + 0.1 * t_normal(&seed);
    }
    vg_perf_binary b;
    assert_int_equal(vg_perf_binary_compute(y, s, NULL, N, NULL, &b, NULL), VG_OK);
    vg_perf_binary_stream *whole = vg_perf_binary_stream_new(NULL, 50, 1, NULL);
    vg_perf_binary_stream *a = vg_perf_binary_stream_new(NULL, 50, 1, NULL);
    vg_perf_binary_stream *c = vg_perf_binary_stream_new(NULL, 50, 1, NULL);
    assert_non_null(whole);
    assert_int_equal(vg_perf_binary_stream_add(whole, y, s, NULL, N, NULL), VG_OK);
    assert_int_equal(vg_perf_binary_stream_add(a, y, s, NULL, 1000, NULL), VG_OK);
    assert_int_equal(vg_perf_binary_stream_add(c, y + 1000, s + 1000, NULL, N - 1000, NULL), VG_OK);
    assert_int_equal(vg_perf_binary_stream_merge(a, c, NULL), VG_OK);
    vg_perf_binary rw, rm;
    assert_int_equal(vg_perf_binary_stream_result(whole, &rw, NULL), VG_OK);
    assert_int_equal(vg_perf_binary_stream_result(a, &rm, NULL), VG_OK);
    assert_true(rw.tp == b.tp && rw.fp == b.fp && rw.mcc == b.mcc && rw.f1 == b.f1);
    assert_true(rm.roc_auc == rw.roc_auc && rm.average_precision == rw.average_precision);
    assert_true(fabs(rw.roc_auc - b.roc_auc) <= rw.roc_auc_bound);
    assert_true(rw.roc_auc_bound > 0 && rw.roc_auc_bound < 0.05);
    assert_true(fabs(rw.average_precision - b.average_precision) <= rw.average_precision_bound);
    check_rel("stream log loss", rw.log_loss, b.log_loss, 1e-13);
    check_rel("merged log loss", rm.log_loss, b.log_loss, 1e-13);
    /* mismatched streams do not merge */
    vg_perf_binary_stream *other = vg_perf_binary_stream_new(NULL, 10, 1, NULL);
    vg_error err;
    assert_int_equal(vg_perf_binary_stream_merge(a, other, &err), VG_ERR_MISMATCH);
    /* a stream without scores refuses them */
    vg_perf_binary_stream *labels = vg_perf_binary_stream_new(NULL, 10, 0, NULL);
    assert_int_equal(vg_perf_binary_stream_add(labels, y, s, NULL, N, &err), VG_ERR_INVALID);
    vg_perf_binary none;
    assert_int_equal(vg_perf_binary_stream_result(labels, &none, &err), VG_ERR_INVALID);
    assert_non_null(strstr(err.msg, "nothing was added"));
    vg_perf_binary_free(&b);
    vg_perf_binary_free(&rw);
    vg_perf_binary_free(&rm);
    vg_perf_binary_stream_free(whole);
    vg_perf_binary_stream_free(a);
    vg_perf_binary_stream_free(c);
    vg_perf_binary_stream_free(other);
    vg_perf_binary_stream_free(labels);
    vg_perf_binary_stream_free(NULL);

    /* regression: R^2 and sums of two shards merged = batch */
    vg_perf_regression rb, rs;
    const double q[] = {0.5};
    assert_int_equal(vg_perf_regression_compute(yt, yp, N, q, 1, &rb, NULL), VG_OK);
    vg_perf_regression_stream *r1 = vg_perf_regression_stream_new(q, 1, NULL);
    vg_perf_regression_stream *r2 = vg_perf_regression_stream_new(q, 1, NULL);
    assert_int_equal(vg_perf_regression_stream_add(r1, yt, yp, N / 2, NULL), VG_OK);
    assert_int_equal(vg_perf_regression_stream_add(r2, yt + N / 2, yp + N / 2, N - N / 2, NULL),
                     VG_OK);
    assert_int_equal(vg_perf_regression_stream_merge(r1, r2, NULL), VG_OK);
    assert_int_equal(vg_perf_regression_stream_result(r1, &rs, NULL), VG_OK);
    check_rel("stream r2", rs.r2, rb.r2, 1e-13);
    check_rel("stream mae", rs.mae, rb.mae, 1e-14);
    check_rel("stream rmse", rs.rmse, rb.rmse, 1e-14);
    assert_true(rs.n == N && rs.n_quantiles == 1);
    vg_perf_regression_stream_free(r1);
    vg_perf_regression_stream_free(r2);
    vg_perf_regression_stream_free(NULL);

    /* multiclass: exact */
    const uint32_t my[] = {0, 1, 2, 2, 1}, mp[] = {0, 2, 2, 1, 1};
    vg_perf_multiclass mb, ms;
    assert_int_equal(vg_perf_multiclass_compute(my, mp, NULL, 5, 3, 0, &mb, NULL), VG_OK);
    vg_perf_multiclass_stream *m1 = vg_perf_multiclass_stream_new(3, 0, 0, NULL);
    vg_perf_multiclass_stream *m2 = vg_perf_multiclass_stream_new(3, 0, 0, NULL);
    assert_int_equal(vg_perf_multiclass_stream_add(m1, my, mp, NULL, 2, NULL), VG_OK);
    assert_int_equal(vg_perf_multiclass_stream_add(m2, my + 2, mp + 2, NULL, 3, NULL), VG_OK);
    assert_int_equal(vg_perf_multiclass_stream_merge(m1, m2, NULL), VG_OK);
    assert_int_equal(vg_perf_multiclass_stream_result(m1, &ms, NULL), VG_OK);
    assert_memory_equal(ms.confusion, mb.confusion, 9 * sizeof *mb.confusion);
    assert_true(ms.macro_f1 == mb.macro_f1 && ms.weighted_f1 == mb.weighted_f1 &&
                ms.mcc == mb.mcc && ms.balanced_accuracy == mb.balanced_accuracy);
    vg_perf_multiclass_free(&mb);
    vg_perf_multiclass_free(&ms);
    vg_perf_multiclass_stream_free(m1);
    vg_perf_multiclass_stream_free(m2);
    vg_perf_multiclass_stream_free(NULL);
    free(y);
    free(s);
    free(yt);
    free(yp);
}

static void test_invalid(void **state) {
    (void)state;
    vg_error err;
    vg_perf_binary r;
    memset(&r, 0xAB, sizeof r);
    vg_perf_binary before = r;
    const uint8_t y[] = {0, 1, 2}, ok[] = {0, 1, 1};
    const double s[] = {0.1, NAN, 0.3}, s2[] = {0.1, 0.2, 1.5};
    assert_int_equal(vg_perf_binary_compute(y, NULL, ok, 3, NULL, &r, &err), VG_ERR_INVALID);
    assert_non_null(strstr(err.msg, "y_true[2] = 2"));
    assert_int_equal(vg_perf_binary_compute(ok, s, NULL, 3, NULL, &r, &err), VG_ERR_INVALID);
    assert_non_null(strstr(err.msg, "score[1] is NaN"));
    assert_int_equal(vg_perf_binary_compute(ok, s2, NULL, 3, NULL, &r, &err), VG_ERR_INVALID);
    assert_non_null(strstr(err.msg, "score[2]"));
    assert_int_equal(vg_perf_binary_compute(ok, s2, NULL, 0, NULL, &r, NULL), VG_ERR_INVALID);
    assert_memory_equal(&r, &before, sizeof r);

    vg_perf_multiclass m;
    memset(&m, 0xCD, sizeof m);
    vg_perf_multiclass mbefore = m;
    const uint32_t my[] = {0, 5}, mp[] = {0, 1};
    assert_int_equal(vg_perf_multiclass_compute(my, mp, NULL, 2, 3, 0, &m, &err), VG_ERR_INVALID);
    assert_non_null(strstr(err.msg, "y_true[1] = 5"));
    const double pa[] = {0.5, 0.5, -0.1, 1};
    assert_int_equal(vg_perf_multiclass_compute(mp, NULL, pa, 2, 2, 0, &m, &err), VG_ERR_INVALID);
    assert_non_null(strstr(err.msg, "proba[1][0]"));
    assert_memory_equal(&m, &mbefore, sizeof m);

    vg_perf_regression g;
    const double yt[] = {1, NAN}, yp[] = {1, 2}, q[] = {2};
    assert_int_equal(vg_perf_regression_compute(yt, yp, 2, NULL, 0, &g, &err), VG_ERR_INVALID);
    assert_non_null(strstr(err.msg, "y_true[1] is NaN"));
    assert_int_equal(vg_perf_regression_compute(yp, yp, 2, q, 1, &g, &err), VG_ERR_INVALID);
    assert_non_null(strstr(err.msg, "q[0]"));
    assert_null(vg_perf_regression_stream_new(q, 1, &err));
    assert_null(vg_perf_multiclass_stream_new(1, 0, 0, &err));
    assert_null(vg_perf_binary_stream_new(NULL, 0, 1, &err));
    vg_perf_binary_free(NULL);
    vg_perf_multiclass_free(NULL);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_binary_docs_example),
        cmocka_unit_test(test_binary_undefined),
        cmocka_unit_test(test_binary_curves_and_bins),
        cmocka_unit_test(test_sort),
        cmocka_unit_test(test_multiclass),
        cmocka_unit_test(test_regression),
        cmocka_unit_test(test_streams),
        cmocka_unit_test(test_invalid),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
