/*
 * Unit tests of the check module (vigia/check.h): the suite parser's acceptance and its errors
 * (code and file:line:column), outcomes and counts of vg_check_run on a small file, the errors
 * that stop a run, and vg_check_suggest's output parsing back and passing on its baseline.
 */
#include "testutil.h"

static vg_check_suite *parse_ok(const char *text) {
    vg_check_suite *s = NULL;
    vg_error e;
    vg_error_clear(&e);
    int rc = vg_check_suite_parse(text, strlen(text), "t.yaml", &s, &e);
    if (rc != VG_OK)
        fail_msg("unexpected error: %s", e.msg);
    return s;
}

static void parse_error(const char *text, const char *want) {
    vg_check_suite *s = (vg_check_suite *)1;
    vg_error e;
    vg_error_clear(&e);
    assert_int_equal(vg_check_suite_parse(text, strlen(text), "t.yaml", &s, &e), VG_ERR_PARSE);
    assert_null(s);
    if (!strstr(e.msg, want))
        fail_msg("error '%s' lacks '%s'", e.msg, want);
}

static void test_parse(void **state) {
    (void)state;
    vg_check_suite *s = parse_ok("constraints:\n"
                                 "  - {kind: range, column: a, min: -1.5, severity: warning}\n"
                                 "  - kind: allowed_values\n"
                                 "    column: b\n"
                                 "    values: [1.0, True, x, \"2\"]\n"
                                 "  - {kind: drift, column: a, method: psi}\n");
    assert_int_equal(s->n, 3);
    assert_int_equal(s->items[0].kind, VG_CHECK_RANGE);
    assert_int_equal(s->items[0].severity, VG_CHECK_WARNING);
    assert_true(s->items[0].min == -1.5 && isnan(s->items[0].max));
    assert_int_equal(s->items[1].line, 3);
    assert_int_equal(s->items[1].col, 5);
    assert_int_equal(s->items[1].n_values, 4);
    assert_string_equal(s->items[1].values[0], "1");
    assert_string_equal(s->items[1].values[1], "true");
    assert_string_equal(s->items[1].values[2], "x");
    assert_string_equal(s->items[1].values[3], "2");
    assert_string_equal(s->items[2].method, "psi");
    assert_true(isnan(s->items[2].threshold));
    assert_true(vg_check_suite_needs_reference(s));
    assert_false(vg_check_suite_needs_profile(s));
    vg_check_suite_free(s);
    vg_check_suite_free(NULL);
}

static void test_parse_errors(void **state) {
    (void)state;
    parse_error("constraints:\n  - {kind: nope}\n", "t.yaml:2:12: unknown constraint kind 'nope'");
    parse_error("constraints:\n  - {kind: unique, column: a, q: 1}\n",
                "t.yaml:2:31: unique: unknown key 'q'");
    parse_error("constraints:\n  - {kind: quantile, column: a, q: 2, min: 0}\n",
                "quantile: q: 2 is not between 0 and 1");
    parse_error("constraints:\n  - {kind: row_count, min: -1}\n",
                "row_count: min: -1 is not between 0");
    parse_error("constraints: {a: 1}\n", "t.yaml:1:14: constraints: expected a list");
    parse_error("constraints:\n  - [1, 2]\n",
                "t.yaml:2:5: constraints: each item must be a mapping");
    parse_error("constraints:\n  - {kind: fairness, metric: fpr_difference, max: 0.1, "
                "sensitive: g, prediction: p}\n",
                "t.yaml:2:5: fairness: missing key 'target'");
    parse_error("constraints: [\n", "t.yaml:2:1: YAML syntax error");
    parse_error("- 1\n", "expected a mapping with a `constraints:` list");
    vg_check_suite *s = (vg_check_suite *)1;
    vg_error e;
    assert_int_equal(vg_check_suite_load("/nonexistent/x.yaml", &s, &e), VG_ERR_IO);
    assert_null(s);
    assert_non_null(strstr(e.msg, "/nonexistent/x.yaml"));
}

static const char data_csv[] = "id,x,c\n1,1.5,a\n2,2.5,b\n3,,a\n4,10,c\n";

static void load(const char *path, vg_samples **sm, vg_profile **p) {
    vg_error e;
    assert_int_equal(vg_samples_load(path, NULL, sm, &e), VG_OK);
    assert_int_equal(vg_profile_file(path, NULL, NULL, 1, p, NULL, &e), VG_OK);
}

static void test_run(void **state) {
    (void)state;
    char *path = t_tempfile(".csv", data_csv, sizeof data_csv - 1);
    vg_samples *sm;
    vg_profile *p;
    load(path, &sm, &p);
    vg_check_suite *s = parse_ok("constraints:\n"
                                 "  - {kind: row_count, min: 4, max: 4}\n"
                                 "  - {kind: completeness, column: x, max_missing: 0.2}\n"
                                 "  - {kind: range, column: x, max: 5, severity: warning}\n"
                                 "  - {kind: unique, column: c}\n"
                                 "  - {kind: type, column: id, type: integer}\n"
                                 "  - {kind: quantile, column: x, q: 0.5, min: 2.5, max: 2.5}\n"
                                 "  - {kind: column_present, column: nope}\n");
    vg_check_data d = {path, sm, p, NULL};
    vg_check_result *r = NULL;
    vg_error e;
    assert_int_equal(vg_check_run(s, &d, NULL, &r, &e), VG_OK);
    static const vg_check_status want[] = {VG_CHECK_PASS, VG_CHECK_FAIL, VG_CHECK_WARN,
                                           VG_CHECK_FAIL, VG_CHECK_PASS, VG_CHECK_PASS,
                                           VG_CHECK_FAIL};
    assert_int_equal(r->n, 7);
    for (size_t i = 0; i < 7; i++)
        assert_int_equal(r->outcomes[i].status, want[i]);
    assert_true(r->outcomes[1].observed == 0.25);
    assert_true(r->outcomes[2].observed == 1);
    assert_true(r->outcomes[3].observed == 1);
    assert_int_equal(r->n_passed, 3);
    assert_int_equal(r->n_failed, 3);
    assert_int_equal(r->n_warned, 1);
    FILE *devnull = fopen("/dev/null", "w");
    assert_int_equal(vg_check_report_text(r, devnull, &e), VG_OK);
    assert_int_equal(vg_check_report_junit(r, devnull, &e), VG_OK);
    fclose(devnull);
    char *json = vg_check_report_json(r, &e);
    assert_non_null(json);
    assert_non_null(strstr(json, "\"status\": \"warn\""));
    free(json);
    vg_check_result_free(r);
    /* a type constraint without the profile, a drift constraint without a reference */
    d.profile = NULL;
    r = (vg_check_result *)1;
    assert_int_equal(vg_check_run(s, &d, NULL, &r, &e), VG_ERR_INVALID);
    assert_null(r);
    assert_non_null(strstr(e.msg, "t.yaml:6:5: a type constraint needs the data's profile"));
    vg_check_suite_free(s);
    s = parse_ok("constraints:\n  - {kind: drift, column: x}\n");
    assert_int_equal(vg_check_run(s, &d, NULL, &r, &e), VG_ERR_INVALID);
    assert_non_null(strstr(e.msg, "needs a reference"));
    vg_check_suite_free(s);
    /* a model metric: the evaluate module's figure (regression of x on id) */
    s = parse_ok("constraints:\n  - {kind: metric, metric: mae, max: 2, target: x, "
                 "prediction: id}\n");
    assert_int_equal(vg_check_run(s, &d, NULL, &r, &e), VG_OK);
    assert_int_equal(r->outcomes[0].status, VG_CHECK_FAIL);
    /* |1.5-1| + |2.5-2| + |10-4| over the 3 rows with both values */
    assert_true(fabs(r->outcomes[0].observed - 7.0 / 3) < 1e-12);
    vg_check_result_free(r);
    vg_check_suite_free(s);
    vg_check_result_free(NULL);
    vg_samples_free(sm);
    vg_profile_free(p);
    unlink(path);
    free(path);
}

static void test_suggest(void **state) {
    (void)state;
    /* 60 rows: an id, a number, a category, a boolean, an odd column name */
    char buf[8192];
    size_t at = (size_t)snprintf(buf, sizeof buf, "id,x,c,b,\"we ird\"\n");
    for (int i = 0; i < 60; i++)
        at += (size_t)snprintf(buf + at, sizeof buf - at, "u%d,%d.25,%s,%s,%s\n", i, i % 17,
                               i % 3 ? "p" : "q r", i % 2 ? "true" : "false", i % 5 ? "1" : "");
    char *path = t_tempfile(".csv", buf, at);
    vg_samples *sm;
    vg_profile *p;
    load(path, &sm, &p);
    vg_check_data d = {path, sm, p, NULL};
    vg_error e;
    char *text = vg_check_suggest(&d, NULL, &e);
    assert_non_null(text);
    assert_non_null(strstr(text, "{kind: unique, column: id}"));
    assert_non_null(strstr(text, "values: [p, \"q r\"]"));
    vg_check_suite *s = parse_ok(text);
    vg_check_result *r = NULL;
    assert_int_equal(vg_check_run(s, &d, &d, &r, &e), VG_OK);
    assert_int_equal(r->n_failed + r->n_warned, 0);
    assert_int_equal(r->n_passed, s->n);
    vg_check_result_free(r);
    vg_check_suite_free(s);
    free(text);
    d.profile = NULL;
    assert_null(vg_check_suggest(&d, NULL, &e));
    vg_samples_free(sm);
    vg_profile_free(p);
    unlink(path);
    free(path);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse),
        cmocka_unit_test(test_parse_errors),
        cmocka_unit_test(test_run),
        cmocka_unit_test(test_suggest),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
