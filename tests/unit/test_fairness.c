/*
 * Fairness metrics (vigia/fairness.h): a report worked out by hand, small groups and a small
 * reference, counting in batches, labels absent, names, and the error paths (outputs untouched
 * on failure). tests/oracle/test_fairness.py compares the same report with pandas/sklearn on
 * many more inputs.
 */
#include "testutil.h"
#include "vigia/fairness.h"

static void check_close(const char *what, double got, double want) {
    if (got == want || (isnan(got) && isnan(want)))
        return;
    if (!(fabs(got - want) <= 1e-15 * fabs(want)))
        fail_msg("%s: got %.17g, want %.17g", what, got, want);
}

/* group a: tp 2, fn 1, fp 1, tn 1; group b: tp 0, fp 1, fn 1, tn 1 */
static const uint8_t YT[] = {1, 1, 0, 0, 1, 0, 0, 1};
static const uint8_t YP[] = {1, 0, 1, 0, 1, 0, 1, 0};
static const uint32_t G[] = {0, 0, 0, 0, 0, 1, 1, 1};
static const char *const NAMES[] = {"a", "b"};

static void test_by_hand(void **state) {
    (void)state;
    vg_fair_options opt;
    vg_fair_options_init(&opt);
    opt.min_group_size = 1;
    vg_fair_result *r = NULL;
    assert_int_equal(vg_fair_compute(YT, YP, G, 8, NAMES, 2, &opt, &r, NULL), VG_OK);
    assert_non_null(r);
    assert_int_equal(r->n_groups, 2);
    assert_true(r->has_labels);
    assert_int_equal(r->reference, 0); /* the largest */
    assert_false(r->reference_small);
    assert_int_equal(r->n_eligible, 2);
    const vg_fair_group *a = &r->groups[0], *b = &r->groups[1];
    assert_string_equal(a->name, "a");
    assert_string_equal(b->name, "b");
    assert_true(a->counts.n == 5 && a->counts.n_selected == 3 && a->counts.tp == 2 &&
                a->counts.fp == 1 && a->counts.fn == 1 && a->counts.tn == 1);
    check_close("a.selection", a->selection_rate, 0.6);
    check_close("a.tpr", a->tpr, 2.0 / 3);
    check_close("a.fpr", a->fpr, 0.5);
    check_close("a.precision", a->precision, 2.0 / 3);
    check_close("a.accuracy", a->accuracy, 0.6);
    check_close("b.selection", b->selection_rate, 1.0 / 3);
    check_close("b.tpr", b->tpr, 0);
    check_close("b.fpr", b->fpr, 0.5);
    check_close("b.precision", b->precision, 0);
    check_close("b.accuracy", b->accuracy, 1.0 / 3);
    /* the reference against itself */
    assert_true(a->selection_rate_diff == 0 && a->selection_rate_ratio == 1 &&
                !a->four_fifths_violation && a->tpr_diff == 0);
    check_close("b.sel_diff", b->selection_rate_diff, 1.0 / 3 - 0.6);
    check_close("b.sel_ratio", b->selection_rate_ratio, (1.0 / 3) / 0.6);
    assert_true(b->four_fifths_violation);
    check_close("b.tpr_diff", b->tpr_diff, -2.0 / 3);
    check_close("b.fpr_diff", b->fpr_diff, 0);
    check_close("b.precision_diff", b->precision_diff, -2.0 / 3);
    check_close("b.accuracy_diff", b->accuracy_diff, 1.0 / 3 - 0.6);
    check_close("dp difference", r->demographic_parity_difference, 0.6 - 1.0 / 3);
    check_close("dp ratio", r->demographic_parity_ratio, (1.0 / 3) / 0.6);
    assert_true(r->four_fifths_violation);
    check_close("eo difference", r->equal_opportunity_difference, 2.0 / 3);
    check_close("fpr difference", r->fpr_difference, 0);
    check_close("eodds difference", r->equalized_odds_difference, 2.0 / 3);
    check_close("pp difference", r->predictive_parity_difference, 2.0 / 3);
    check_close("accuracy difference", r->accuracy_difference, 0.6 - 1.0 / 3);
    vg_fair_result_free(r);

    /* reference b: the comparisons turn around */
    opt.reference = 1;
    assert_int_equal(vg_fair_compute(YT, YP, G, 8, NAMES, 2, &opt, &r, NULL), VG_OK);
    assert_int_equal(r->reference, 1);
    check_close("a.sel_ratio vs b", r->groups[0].selection_rate_ratio, 0.6 / (1.0 / 3));
    assert_false(r->groups[0].four_fifths_violation);
    check_close("a.tpr_diff vs b", r->groups[0].tpr_diff, 2.0 / 3);
    vg_fair_result_free(r);
}

/* With the default minimum of 30 rows both groups are small: rates reported, no verdicts. */
static void test_small_groups(void **state) {
    (void)state;
    vg_fair_result *r = NULL;
    assert_int_equal(vg_fair_compute(YT, YP, G, 8, NAMES, 2, NULL, &r, NULL), VG_OK);
    assert_int_equal(r->min_group_size, VG_FAIR_DEFAULT_MIN_GROUP_SIZE);
    assert_int_equal(r->n_eligible, 0);
    assert_true(r->reference_small);
    assert_true(r->groups[0].small && r->groups[1].small);
    check_close("small a.selection", r->groups[0].selection_rate, 0.6);
    assert_true(isnan(r->groups[1].selection_rate_diff) && isnan(r->groups[1].tpr_diff));
    assert_false(r->groups[1].four_fifths_violation);
    assert_true(isnan(r->demographic_parity_difference) && isnan(r->demographic_parity_ratio));
    assert_false(r->four_fifths_violation);
    assert_true(isnan(r->equalized_odds_difference) && isnan(r->predictive_parity_difference));
    vg_fair_result_free(r);

    /* min 4: b (3 rows) is small, a alone gives differences 0 and ratio 1 */
    vg_fair_options opt;
    vg_fair_options_init(&opt);
    opt.min_group_size = 4;
    assert_int_equal(vg_fair_compute(YT, YP, G, 8, NAMES, 2, &opt, &r, NULL), VG_OK);
    assert_int_equal(r->n_eligible, 1);
    assert_true(r->demographic_parity_difference == 0 && r->demographic_parity_ratio == 1);
    assert_true(r->equalized_odds_difference == 0);
    assert_true(isnan(r->groups[1].selection_rate_ratio));
    vg_fair_result_free(r);

    /* an empty group is small even with min 0, and all its rates are NaN */
    const uint32_t g3[] = {0, 0, 0, 0, 0, 2, 2, 2};
    opt.min_group_size = 0;
    assert_int_equal(vg_fair_compute(YT, YP, g3, 8, NULL, 3, &opt, &r, NULL), VG_OK);
    assert_true(r->groups[1].small && r->groups[1].counts.n == 0);
    assert_true(isnan(r->groups[1].selection_rate) && isnan(r->groups[1].accuracy));
    assert_int_equal(r->n_eligible, 2);
    assert_string_equal(r->groups[2].name, "2");
    vg_fair_result_free(r);
}

/* Without labels: selection rates and demographic parity only. */
static void test_no_labels(void **state) {
    (void)state;
    vg_fair_options opt;
    vg_fair_options_init(&opt);
    opt.min_group_size = 1;
    vg_fair_result *r = NULL;
    assert_int_equal(vg_fair_compute(NULL, YP, G, 8, NAMES, 2, &opt, &r, NULL), VG_OK);
    assert_false(r->has_labels);
    assert_true(r->groups[0].counts.tp == 0 && r->groups[0].counts.n_selected == 3);
    check_close("dp difference", r->demographic_parity_difference, 0.6 - 1.0 / 3);
    assert_true(isnan(r->groups[0].tpr) && isnan(r->groups[0].precision) &&
                isnan(r->groups[0].accuracy) && isnan(r->groups[1].tpr_diff));
    assert_true(isnan(r->equal_opportunity_difference) && isnan(r->equalized_odds_difference) &&
                isnan(r->predictive_parity_difference));
    vg_fair_result_free(r);
}

/* Counting in batches gives the counts of one call; vg_fair_from_counts on them gives the same
 * report; the names are copies. */
static void test_batches_and_names(void **state) {
    (void)state;
    vg_fair_counts c1[2] = {{0}}, c2[2] = {{0}};
    assert_int_equal(vg_fair_count(YT, YP, G, 8, c1, 2, NULL), VG_OK);
    assert_int_equal(vg_fair_count(YT, YP, G, 3, c2, 2, NULL), VG_OK);
    assert_int_equal(vg_fair_count(YT + 3, YP + 3, G + 3, 5, c2, 2, NULL), VG_OK);
    assert_memory_equal(c1, c2, sizeof c1);
    char name0[] = "group zero";
    const char *names[] = {name0, NULL};
    vg_fair_options opt;
    vg_fair_options_init(&opt);
    opt.min_group_size = 1;
    vg_fair_result *r = NULL;
    assert_int_equal(vg_fair_from_counts(c2, 2, names, 1, &opt, &r, NULL), VG_OK);
    name0[0] = 'X';
    assert_string_equal(r->groups[0].name, "group zero");
    assert_string_equal(r->groups[1].name, "1");
    check_close("from counts eodds", r->equalized_odds_difference, 2.0 / 3);
    vg_fair_result_free(r);
    vg_fair_result_free(NULL);
}

/* Intersections: row-major numbering, "a & b" names, empty combinations small. */
static void test_cross(void **state) {
    (void)state;
    const uint32_t sex[] = {0, 0, 1, 1, 1}, age[] = {0, 2, 0, 0, 1};
    const char *const sex_names[] = {"f", "m"};
    uint32_t crossed[5];
    char **names = NULL;
    assert_int_equal(vg_fair_cross(sex, 2, sex_names, age, 3, NULL, 5, crossed, &names, NULL),
                     VG_OK);
    const uint32_t want[] = {0, 2, 3, 3, 4};
    assert_memory_equal(crossed, want, sizeof want);
    assert_string_equal(names[0], "f & 0");
    assert_string_equal(names[2], "f & 2");
    assert_string_equal(names[4], "m & 1");
    const uint8_t yp[] = {1, 0, 1, 1, 0};
    vg_fair_options opt;
    vg_fair_options_init(&opt);
    opt.min_group_size = 1;
    vg_fair_result *r = NULL;
    assert_int_equal(
        vg_fair_compute(NULL, yp, crossed, 5, (const char *const *)names, 6, &opt, &r, NULL),
        VG_OK);
    assert_int_equal(r->reference, 3); /* "m & 0", two rows */
    assert_string_equal(r->groups[3].name, "m & 0");
    assert_true(r->groups[1].small && r->groups[5].small);
    assert_int_equal(r->n_eligible, 4);
    check_close("dp difference", r->demographic_parity_difference, 1);
    vg_fair_result_free(r);
    vg_fair_names_free(names, 6);
    vg_fair_names_free(NULL, 3);

    /* out of range, and too many crossed groups: outputs untouched */
    vg_error err;
    names = NULL;
    const uint32_t bad[] = {0, 0, 1, 5, 1};
    assert_int_equal(vg_fair_cross(sex, 2, NULL, bad, 3, NULL, 5, crossed, &names, &err),
                     VG_ERR_INVALID);
    assert_non_null(strstr(err.msg, "second grouping at row 3"));
    assert_int_equal(
        vg_fair_cross(sex, 1u << 12, NULL, age, 1u << 12, NULL, 5, crossed, &names, &err),
        VG_ERR_LIMIT);
    assert_int_equal(vg_fair_cross(sex, 0, NULL, age, 3, NULL, 5, crossed, &names, &err),
                     VG_ERR_INVALID);
    assert_null(names);
    assert_memory_equal(crossed, want, sizeof want);
}

static void test_invalid(void **state) {
    (void)state;
    vg_error err;
    vg_fair_result *r = (vg_fair_result *)&err; /* must stay untouched */
    vg_fair_result *const sentinel = r;
    const uint32_t bad_g[] = {0, 0, 5, 0, 0, 1, 1, 1};
    assert_int_equal(vg_fair_compute(YT, YP, bad_g, 8, NAMES, 2, NULL, &r, &err), VG_ERR_INVALID);
    assert_int_equal(err.code, VG_ERR_INVALID);
    assert_non_null(strstr(err.msg, "row 2"));
    assert_ptr_equal(r, sentinel);
    const uint8_t bad_y[] = {1, 1, 0, 0, 1, 0, 7, 1};
    assert_int_equal(vg_fair_compute(bad_y, YP, G, 8, NAMES, 2, NULL, &r, &err), VG_ERR_INVALID);
    assert_non_null(strstr(err.msg, "y_true at row 6"));
    assert_int_equal(vg_fair_compute(YT, bad_y, G, 8, NAMES, 2, NULL, &r, &err), VG_ERR_INVALID);
    assert_non_null(strstr(err.msg, "y_pred at row 6"));
    assert_int_equal(vg_fair_compute(YT, NULL, G, 8, NAMES, 2, NULL, &r, &err), VG_ERR_INVALID);
    assert_int_equal(vg_fair_compute(YT, YP, G, 8, NAMES, 0, NULL, &r, &err), VG_ERR_INVALID);
    assert_int_equal(vg_fair_compute(YT, YP, G, 8, NAMES, 2, NULL, NULL, &err), VG_ERR_INVALID);
    vg_fair_options opt;
    vg_fair_options_init(&opt);
    opt.reference = 2;
    assert_int_equal(vg_fair_compute(YT, YP, G, 8, NAMES, 2, &opt, &r, &err), VG_ERR_INVALID);
    assert_non_null(strstr(err.msg, "reference"));
    vg_fair_options_init(&opt);
    opt.four_fifths = NAN;
    assert_int_equal(vg_fair_compute(YT, YP, G, 8, NAMES, 2, &opt, &r, &err), VG_ERR_INVALID);
    assert_non_null(strstr(err.msg, "four_fifths"));
    assert_ptr_equal(r, sentinel);

    /* a failed count leaves the counts untouched */
    vg_fair_counts c[2] = {{0}}, zero[2] = {{0}};
    assert_int_equal(vg_fair_count(YT, YP, bad_g, 8, c, 2, NULL), VG_ERR_INVALID);
    assert_memory_equal(c, zero, sizeof c);
    /* inconsistent counts */
    vg_fair_counts bad[1] = {{10, 4, 2, 2, 3, 2}};
    assert_int_equal(vg_fair_from_counts(bad, 1, NULL, 1, NULL, &r, &err), VG_ERR_INVALID);
    assert_non_null(strstr(err.msg, "group 0"));
    vg_fair_counts bad2[1] = {{10, 11, 0, 0, 0, 0}};
    assert_int_equal(vg_fair_from_counts(bad2, 1, NULL, 0, NULL, &r, &err), VG_ERR_INVALID);
    assert_ptr_equal(r, sentinel);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_by_hand),   cmocka_unit_test(test_small_groups),
        cmocka_unit_test(test_no_labels), cmocka_unit_test(test_batches_and_names),
        cmocka_unit_test(test_cross),     cmocka_unit_test(test_invalid),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
