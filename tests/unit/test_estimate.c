/*
 * Label-free performance estimation (vigia/estimate.h): metrics and the expected ROC AUC worked
 * out by hand, the realised AUC with ties, the isotonic calibrator on small cases (pooling,
 * trimmed knots, clipping, ties), the calibration check at its extremes, CBPE on a simulated
 * calibrated model and on an overconfident one, and the error paths (outputs untouched on
 * failure). tests/oracle/test_estimate.py checks the same functions against numpy/sklearn and
 * runs the covariate-shift simulation at scale.
 */
#include "testutil.h"
#include "vigia/estimate.h"

static void check_close(const char *what, double got, double want, double rtol) {
    if (got == want || (isnan(got) && isnan(want)))
        return;
    if (!(fabs(got - want) <= rtol * fabs(want)))
        fail_msg("%s: got %.17g, want %.17g", what, got, want);
}

static void test_metrics_by_hand(void **state) {
    (void)state;
    const double p[] = {0.9, 0.2, 0.6, 0.4};
    vg_estimate_metrics m;
    assert_int_equal(vg_estimate_metrics_compute(p, NULL, 4, 0.5, &m, NULL), VG_OK);
    check_close("tp", m.tp, 1.5, 1e-15);
    check_close("fp", m.fp, 0.5, 1e-15);
    check_close("fn", m.fn, 0.6, 1e-15);
    check_close("tn", m.tn, 1.4, 1e-15);
    check_close("accuracy", m.accuracy, 0.725, 1e-15);
    check_close("precision", m.precision, 0.75, 1e-15);
    check_close("recall", m.recall, 1.5 / 2.1, 1e-15);
    check_close("f1", m.f1, 3.0 / 4.1, 1e-15);
    /* curve points (F, T) = (0.1, 0.9), (0.5, 1.5), (1.1, 1.9), (1.9, 2.1) over N = 1.9,
     * P = 2.1: area = (0.1*0.9 + 0.4*2.4 + 0.6*3.4 + 0.8*4.0) / (2 * 1.9 * 2.1) */
    check_close("roc_auc", m.roc_auc, 6.29 / 7.98, 1e-14);
    check_close("accuracy_se", m.accuracy_se, sqrt(0.09 + 0.16 + 0.24 + 0.24) / 4, 1e-15);

    /* threshold 1: nothing predicted positive, precision undefined */
    assert_int_equal(vg_estimate_metrics_compute(p, NULL, 4, 1.0, &m, NULL), VG_OK);
    assert_true(m.tp == 0 && m.fp == 0 && isnan(m.precision) && m.recall == 0);
    /* all probabilities 1: no expected negatives, AUC undefined */
    const double ones[] = {1, 1, 1};
    assert_int_equal(vg_estimate_metrics_compute(ones, NULL, 3, 0.5, &m, NULL), VG_OK);
    assert_true(m.accuracy == 1 && isnan(m.roc_auc) && m.accuracy_se == 0);
}

/* p = labels gives the realised metrics; tied scores count half a pair. */
static void test_realised_auc_ties(void **state) {
    (void)state;
    const double y[] = {1, 0, 1, 0}, score[] = {0.8, 0.8, 0.3, 0.1};
    vg_estimate_metrics m;
    assert_int_equal(vg_estimate_metrics_compute(y, score, 4, 0.5, &m, NULL), VG_OK);
    /* positive-negative pairs: (0.8, 0.8) 1/2, (0.8, 0.1) 1, (0.3, 0.8) 0, (0.3, 0.1) 1 */
    check_close("auc", m.roc_auc, 2.5 / 4, 1e-15);
    assert_true(m.tp == 1 && m.fp == 1 && m.fn == 1 && m.tn == 1 && m.accuracy_se == 0);
}

static void test_isotonic(void **state) {
    (void)state;
    vg_estimate_calibrator *cal = NULL;
    const double s[] = {0.3, 0.1, 0.4, 0.2};
    const uint8_t y[] = {0, 0, 1, 1};
    assert_int_equal(vg_estimate_calibrator_fit(s, y, 4, &cal, NULL), VG_OK);
    /* sorted labels 0, 1, 0, 1: the middle pair pools to 0.5; every knot differs from a
     * neighbour, so all four stay */
    assert_int_equal(cal->n, 4);
    const double wx[] = {0.1, 0.2, 0.3, 0.4}, wy[] = {0, 0.5, 0.5, 1};
    for (int i = 0; i < 4; i++)
        assert_true(cal->x[i] == wx[i] && cal->y[i] == wy[i]);
    double q[] = {0.05, 0.25, 0.35, 0.95, 0.1};
    assert_int_equal(vg_estimate_calibrator_apply(cal, q, 5, q, NULL), VG_OK); /* in place */
    check_close("clip low", q[0], 0, 0);
    check_close("plateau", q[1], 0.5, 1e-15);
    check_close("ramp", q[2], 0.75, 1e-14);
    check_close("clip high", q[3], 1, 0);
    check_close("knot", q[4], 0, 0);
    vg_estimate_calibrator_free(cal);

    /* decreasing data pools into one value; interior knots are trimmed */
    const uint8_t dec[] = {1, 1, 0, 0};
    assert_int_equal(vg_estimate_calibrator_fit(wx, dec, 4, &cal, NULL), VG_OK);
    assert_int_equal(cal->n, 2);
    assert_true(cal->x[0] == 0.1 && cal->x[1] == 0.4 && cal->y[0] == 0.5 && cal->y[1] == 0.5);
    vg_estimate_calibrator_free(cal);

    /* one distinct score: one knot, a constant map */
    const double same[] = {0.5, 0.5, 0.5};
    const uint8_t y3[] = {1, 0, 1};
    assert_int_equal(vg_estimate_calibrator_fit(same, y3, 3, &cal, NULL), VG_OK);
    assert_int_equal(cal->n, 1);
    double r;
    assert_int_equal(vg_estimate_calibrator_apply(cal, (const double[]){0.9}, 1, &r, NULL), VG_OK);
    check_close("constant", r, 2.0 / 3, 1e-15);
    vg_estimate_calibrator_free(cal);
    vg_estimate_calibrator_free(NULL);
}

static void test_calibration_check(void **state) {
    (void)state;
    vg_estimate_calibration c;
    const double s[] = {0, 0, 1, 1};
    const uint8_t right[] = {0, 0, 1, 1}, wrong[] = {1, 0, 1, 1};
    assert_int_equal(vg_estimate_calibration_check(s, right, 4, NULL, &c, NULL), VG_OK);
    assert_true(c.ece == 0 && c.statistic == 0 && c.df == 0 && c.p_value == 1 && c.calibrated);
    assert_string_equal(c.warning, "");
    assert_int_equal(c.n_bins, VG_ESTIMATE_DEFAULT_BINS);
    assert_true(c.bin_count[0] == 2 && c.bin_count[9] == 2 && c.bin_count[5] == 0);
    assert_true(isnan(c.bin_score[5]) && c.bin_rate[9] == 1);
    vg_estimate_calibration_free(&c);
    assert_null(c.bin_count);
    /* a certain score contradicted by its label: impossible under calibration */
    assert_int_equal(vg_estimate_calibration_check(s, wrong, 4, NULL, &c, NULL), VG_OK);
    assert_true(isinf(c.statistic) && c.p_value == 0 && !c.calibrated);
    check_close("ece", c.ece, 0.25, 1e-15);
    assert_non_null(strstr(c.warning, "not calibrated"));
    vg_estimate_calibration_free(&c);
    vg_estimate_calibration_free(NULL);
}

/* A simulated model, x ~ N(mu, 1), P(y = 1 | x) = sigmoid(2x - 0.5); score = that probability
 * (calibrated) or sigmoid(3(2x - 0.5)) (overconfident). */
static void simulate(uint64_t *seed, double mu, size_t n, int overconfident, double *score,
                     uint8_t *y) {
    for (size_t i = 0; i < n; i++) {
        double z = 2 * (t_normal(seed) + mu) - 0.5;
        double p = 1 / (1 + exp(-z));
        y[i] = t_uniform(seed) < p;
        score[i] = overconfident ? 1 / (1 + exp(-3 * z)) : p;
    }
}

static double realised_accuracy(const double *score, const uint8_t *y, size_t n) {
    size_t right = 0;
    for (size_t i = 0; i < n; i++)
        right += (score[i] >= 0.5) == y[i];
    return (double)right / (double)n;
}

static void test_cbpe(void **state) {
    (void)state;
    enum { NR = 20000, NC = 10000 };
    double *rs = malloc(NR * sizeof *rs), *cs = malloc(NC * sizeof *cs);
    uint8_t *ry = malloc(NR), *cy = malloc(NC);
    assert_true(rs && cs && ry && cy);
    for (int over = 0; over <= 1; over++) {
        uint64_t seed = 2024 + (uint64_t)over;
        simulate(&seed, 0, NR, over, rs, ry);
        simulate(&seed, 0.8, NC, over, cs, cy); /* covariate shift */
        vg_estimate_result *r = NULL;
        assert_int_equal(vg_estimate_cbpe(rs, ry, NR, cs, NC, NULL, &r, NULL), VG_OK);
        assert_int_equal(r->calibration.calibrated, !over);
        assert_int_equal(r->calibration_applied, over);
        assert_true(over ? r->calibrator != NULL : r->calibrator == NULL);
        double real = realised_accuracy(cs, cy, NC);
        /* 4 standard errors, plus 0.02 for the calibrator's own error when it is used */
        double tol = 4 * r->estimated.accuracy_se + (over ? 0.02 : 0);
        if (!(fabs(r->estimated.accuracy - real) <= tol))
            fail_msg("overconfident=%d: estimated accuracy %.4f, realised %.4f, tol %.4f", over,
                     r->estimated.accuracy, real, tol);
        check_close("reference accuracy", r->reference.accuracy, realised_accuracy(rs, ry, NR),
                    1e-15);
        vg_estimate_result_free(r);
    }
    /* NEVER leaves overconfident scores as they are: the estimate is then far off */
    vg_estimate_options opt;
    vg_estimate_options_init(&opt);
    opt.calibration = VG_ESTIMATE_CALIBRATE_NEVER;
    vg_estimate_result *r = NULL;
    assert_int_equal(vg_estimate_cbpe(rs, ry, NR, cs, NC, &opt, &r, NULL), VG_OK);
    assert_false(r->calibration.calibrated);
    assert_false(r->calibration_applied);
    assert_null(r->calibrator);
    assert_true(fabs(r->estimated.accuracy - realised_accuracy(cs, cy, NC)) > 0.03);
    vg_estimate_result_free(r);
    vg_estimate_result_free(NULL);
    free(rs), free(cs), free(ry), free(cy);
}

static void test_invalid(void **state) {
    (void)state;
    vg_error err;
    const double bad[] = {0.1, 0.5, NAN, 0.2}, out_of_range[] = {0.1, -0.5, 0.3, 0.2};
    const double good[] = {0.1, 0.5, 0.7, 0.2};
    const uint8_t y[] = {0, 1, 1, 0}, bad_y[] = {0, 1, 2, 0};
    vg_estimate_metrics m, m0;
    memset(&m, 0x5a, sizeof m);
    m0 = m;
    assert_int_equal(vg_estimate_metrics_compute(bad, NULL, 4, 0.5, &m, &err), VG_ERR_INVALID);
    assert_non_null(strstr(err.msg, "probability at index 2"));
    assert_int_equal(vg_estimate_metrics_compute(good, out_of_range, 4, 0.5, &m, &err),
                     VG_ERR_INVALID);
    assert_non_null(strstr(err.msg, "score at index 1"));
    assert_int_equal(vg_estimate_metrics_compute(good, NULL, 0, 0.5, &m, &err), VG_ERR_INVALID);
    assert_int_equal(vg_estimate_metrics_compute(good, NULL, 4, NAN, &m, &err), VG_ERR_INVALID);
    assert_memory_equal(&m, &m0, sizeof m);

    vg_estimate_calibrator *cal = NULL;
    assert_int_equal(vg_estimate_calibrator_fit(bad, y, 4, &cal, &err), VG_ERR_INVALID);
    assert_int_equal(vg_estimate_calibrator_fit(good, bad_y, 4, &cal, &err), VG_ERR_INVALID);
    assert_non_null(strstr(err.msg, "label at index 2"));
    assert_null(cal);

    vg_estimate_calibration c;
    memset(&c, 0, sizeof c);
    vg_estimate_options opt;
    vg_estimate_options_init(&opt);
    opt.n_bins = 0;
    assert_int_equal(vg_estimate_calibration_check(good, y, 4, &opt, &c, &err), VG_ERR_INVALID);
    assert_non_null(strstr(err.msg, "n_bins"));
    assert_null(c.bin_count);

    vg_estimate_result *r = NULL;
    assert_int_equal(vg_estimate_cbpe(good, y, 4, bad, 4, NULL, &r, &err), VG_ERR_INVALID);
    assert_non_null(strstr(err.msg, "current score at index 2"));
    assert_int_equal(vg_estimate_cbpe(out_of_range, y, 4, good, 4, NULL, &r, &err), VG_ERR_INVALID);
    assert_non_null(strstr(err.msg, "reference score at index 1"));
    assert_int_equal(vg_estimate_cbpe(good, y, 0, good, 4, NULL, &r, &err), VG_ERR_INVALID);
    vg_estimate_options_init(&opt);
    opt.alpha = 1;
    assert_int_equal(vg_estimate_cbpe(good, y, 4, good, 4, &opt, &r, &err), VG_ERR_INVALID);
    assert_non_null(strstr(err.msg, "alpha"));
    assert_null(r);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_metrics_by_hand),
        cmocka_unit_test(test_realised_auc_ties),
        cmocka_unit_test(test_isotonic),
        cmocka_unit_test(test_calibration_check),
        cmocka_unit_test(test_cbpe),
        cmocka_unit_test(test_invalid),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
