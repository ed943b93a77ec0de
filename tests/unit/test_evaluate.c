/*
 * The evaluate module (src/evaluate/): loading keeps rows aligned and counts exclusions, the
 * plan infers the task, the classes and the positive class with a reason, and the metrics of
 * small hand-counted files; bad values are errors naming the line and the column.
 * (tests/oracle/test_evaluate.py checks every metric against scikit-learn end to end.)
 */
#include "testutil.h"
#include "vigia/evaluate.h"

typedef struct {
    vg_eval_data *data;
    vg_eval_plan plan;
    vg_eval_result *res;
} evaluated;

/* Loads `csv`, plans and computes with target "y" and prediction "p"; returns the error code
 * of the first step that fails (and its message in err). */
static int evaluate_text(const char *csv, vg_eval_options *o, evaluated *e, vg_error *err) {
    memset(e, 0, sizeof *e);
    char *path = t_tempfile(".csv", csv, strlen(csv));
    o->target = "y";
    o->prediction = "p";
    int rc = vg_eval_load(path, NULL, o, 0, &e->data, err);
    unlink(path);
    free(path);
    if (rc != VG_OK)
        return rc;
    const vg_eval_data *d[1] = {e->data};
    if ((rc = vg_eval_plan_make(d, 1, o, &e->plan, err)) != VG_OK)
        return rc;
    return vg_eval_compute(e->data, &e->plan, o, 0, &e->res, err);
}

static void release(evaluated *e) {
    vg_eval_result_free(e->res);
    vg_eval_plan_free(&e->plan);
    vg_eval_data_free(e->data);
}

static void test_binary_scores(void **state) {
    (void)state;
    vg_eval_options o;
    vg_eval_options_init(&o);
    evaluated e;
    vg_error err;
    /* 6 rows, one without a target, one without a prediction: 4 evaluated */
    const char *csv = "y,p\n1,0.9\n0,0.2\n1,0.4\n0,0.7\n,0.5\n1,\n";
    assert_int_equal(evaluate_text(csv, &o, &e, &err), VG_OK);
    assert_int_equal(e.plan.task, VG_TASK_BINARY);
    assert_true(e.plan.task_inferred);
    assert_true(e.plan.scores);
    assert_non_null(strstr(e.plan.task_reason, "0 and 1"));
    assert_int_equal(e.res->rows, 6);
    assert_int_equal(e.res->evaluated, 4);
    assert_int_equal(e.res->missing_target, 1);
    assert_int_equal(e.res->missing_prediction, 1);
    assert_int_equal(e.res->excluded, 2);
    /* at 0.5: predicted 1 0 0 1 against 1 0 1 0 */
    assert_int_equal(e.res->binary.tp, 1);
    assert_int_equal(e.res->binary.fn, 1);
    assert_int_equal(e.res->binary.fp, 1);
    assert_int_equal(e.res->binary.tn, 1);
    assert_true(fabs(e.res->binary.accuracy - 0.5) < 1e-15);
    /* AUC: positives 0.9, 0.4 against negatives 0.2, 0.7: 3 of 4 pairs ordered */
    assert_true(fabs(e.res->binary.roc_auc - 0.75) < 1e-15);
    release(&e);
}

static void test_labels_and_pos_label(void **state) {
    (void)state;
    vg_eval_options o;
    vg_eval_options_init(&o);
    evaluated e;
    vg_error err;
    const char *csv = "y,p\ncat,cat\ndog,cat\ndog,dog\ncat,cat\n";
    /* text labels without a default positive class: an error asking for --pos-label */
    assert_int_equal(evaluate_text(csv, &o, &e, &err) < 0, 1);
    assert_non_null(strstr(err.msg, "pos-label"));
    release(&e);
    o.pos_label = "dog";
    assert_int_equal(evaluate_text(csv, &o, &e, &err), VG_OK);
    assert_int_equal(e.plan.task, VG_TASK_BINARY);
    assert_false(e.plan.scores);
    assert_int_equal(e.res->binary.tp, 1); /* dog predicted dog once */
    assert_int_equal(e.res->binary.fn, 1);
    assert_int_equal(e.res->binary.fp, 0);
    assert_true(fabs(e.res->binary.recall - 0.5) < 1e-15);
    release(&e);
}

static void test_multiclass_and_regression(void **state) {
    (void)state;
    vg_eval_options o;
    vg_eval_options_init(&o);
    evaluated e;
    vg_error err;
    /* integers with 3 distinct values: multiclass; "1" and "1.0" are one class */
    const char *mc = "y,p\n1,1.0\n2,2\n3,1\n2,2\n1,1\n";
    assert_int_equal(evaluate_text(mc, &o, &e, &err), VG_OK);
    assert_int_equal(e.plan.task, VG_TASK_MULTICLASS);
    assert_int_equal(e.plan.n_classes, 3);
    assert_true(fabs(e.res->multiclass.accuracy - 0.8) < 1e-15);
    release(&e);
    /* fractional targets: regression */
    const char *rg = "y,p\n1.5,1.0\n2.5,3.0\n0,0.5\n4,4\n";
    assert_int_equal(evaluate_text(rg, &o, &e, &err), VG_OK);
    assert_int_equal(e.plan.task, VG_TASK_REGRESSION);
    assert_true(fabs(e.res->regression.mae - 0.375) < 1e-15);
    assert_int_equal(e.res->regression.zero_targets, 1);
    release(&e);
}

static void test_bad_values(void **state) {
    (void)state;
    vg_eval_options o;
    vg_eval_options_init(&o);
    evaluated e;
    vg_error err;
    /* a probability outside [0, 1] on line 4 */
    assert_int_equal(evaluate_text("y,p\n1,0.9\n0,0.2\n1,1.7\n", &o, &e, &err), VG_ERR_PARSE);
    assert_non_null(strstr(err.msg, ":4:"));
    assert_non_null(strstr(err.msg, "'p'"));
    release(&e);
    /* a column that does not exist: the message lists those that do */
    assert_int_equal(evaluate_text("y,q\n1,0.9\n", &o, &e, &err), VG_ERR_INVALID);
    assert_non_null(strstr(err.msg, "q"));
    release(&e);
    /* a declared class list excludes a label */
    const char *classes[] = {"0", "1"};
    o.classes = classes;
    o.n_classes = 2;
    assert_int_equal(evaluate_text("y,p\n1,1\n0,2\n", &o, &e, &err) < 0, 1);
    assert_non_null(strstr(err.msg, "2"));
    release(&e);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_binary_scores),
        cmocka_unit_test(test_labels_and_pos_label),
        cmocka_unit_test(test_multiclass_and_regression),
        cmocka_unit_test(test_bad_values),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
