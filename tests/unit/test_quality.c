/*
 * Data quality (src/quality/): hand-counted figures on small files, every check and issue kind,
 * the bad inputs of the issue (mismatched schemas, a column numeric in one file and text in the
 * other, empty current data: a report without NaN), duplicate rows through the hash set
 * (including a row hash of 0), the examples' order and cap, infinities, NDJSON columns that
 * appear late, the JSON and text renderers, and the argument errors.
 */
#include <jansson.h>

#include "drift/internal.h"
#include "testutil.h"
#include "vigia/quality.h"

static vg_samples *load_text(const char *suffix, const char *text) {
    char *path = t_tempfile(suffix, text, strlen(text));
    vg_read_options ro;
    vg_read_options_default(&ro);
    vg_samples *s = NULL;
    vg_error err;
    int rc = vg_samples_load(path, &ro, &s, &err);
    unlink(path);
    free(path);
    if (rc != VG_OK)
        fail_msg("load: %s", err.msg);
    return s;
}

static vg_quality_result *run(const char *ref, const char *cur, const vg_quality_options *o) {
    vg_samples *r = load_text(".csv", ref), *c = load_text(".csv", cur);
    vg_quality_result *q = NULL;
    vg_error err;
    if (vg_quality_compare(r, c, o, &q, &err) != VG_OK)
        fail_msg("compare: %s", err.msg);
    vg_samples_free(r);
    vg_samples_free(c);
    return q;
}

static const vg_quality_column *col(const vg_quality_result *q, const char *name) {
    for (size_t i = 0; i < q->ncols; i++)
        if (strcmp(q->cols[i].name, name) == 0)
            return &q->cols[i];
    fail_msg("no column %s", name);
    return NULL;
}

static const vg_quality_issue *issue(const vg_quality_result *q, const char *kind,
                                     const char *column) {
    for (size_t i = 0; i < q->nissues; i++)
        if (strcmp(q->issues[i].kind, kind) == 0 &&
            (column ? q->issues[i].column && strcmp(q->issues[i].column, column) == 0
                    : !q->issues[i].column))
            return &q->issues[i];
    return NULL;
}

static char *json_of(const vg_quality_result *q) {
    vg_error err;
    char *s = vg_quality_json_string(q, &err);
    if (!s)
        fail_msg("json: %s", err.msg);
    return s;
}

static char *text_of(const vg_quality_result *q) {
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_non_null(f);
    assert_int_equal(vg_quality_text(q, f, NULL), VG_OK);
    fclose(f);
    return buf;
}

static void assert_ordered(const vg_quality_result *q) {
    for (size_t i = 1; i < q->nissues; i++)
        assert_true(q->issues[i - 1].severity <= q->issues[i].severity);
    assert_int_equal(q->n_errors + q->n_warnings + q->n_infos, q->nissues);
}

static void test_figures(void **state) {
    (void)state;
    const char *ref = "n,c,b,k\n"
                      "1,red,true,z\n"
                      "2,red,False,z\n"
                      "3,blue,TRUE,z\n"
                      "NA,green,true,z\n";
    const char *cur = "n,c,b,k\n"
                      "0,red,true,z\n"
                      "2.0,pink,false,z\n"
                      ",pink,true,z\n"
                      "9,teal,,z\n"
                      "5,pink,true,z\n";
    vg_quality_result *q = run(ref, cur, NULL);
    assert_int_equal(q->ref_rows, 4);
    assert_int_equal(q->cur_rows, 5);
    assert_int_equal(q->ncols, 4);
    const vg_quality_column *n = col(q, "n");
    assert_int_equal(n->ref.type, VG_QUALITY_NUMERIC);
    assert_int_equal(n->ref.missing, 1);
    assert_true(n->ref.missing_share == 0.25);
    assert_true(n->cur.missing_share == 0.2);
    assert_true(n->missing_share_change == 0.2 - 0.25);
    assert_true(n->ref.min == 1 && n->ref.max == 3 && n->ref.mean == 2);
    assert_true(n->cur.mean == 4);
    assert_int_equal(n->ref.distinct, 3);
    /* 0 below [1, 3]; 9 and 5 above; 2.0 is inside */
    assert_true(n->range_checked && !n->unseen_checked);
    assert_int_equal(n->n_below, 1);
    assert_int_equal(n->n_above, 2);
    assert_int_equal(n->n_out_of_range, 3);
    assert_true(n->out_of_range_share == 0.75);
    const vg_quality_column *c = col(q, "c");
    assert_int_equal(c->ref.type, VG_QUALITY_TEXT);
    assert_true(c->unseen_checked && !c->range_checked);
    assert_int_equal(c->n_unseen, 4);
    assert_int_equal(c->n_unseen_categories, 2);
    assert_true(c->unseen_share == 0.8);
    assert_int_equal(c->n_examples, 2);
    assert_string_equal(c->examples[0].text, "pink");
    assert_int_equal(c->examples[0].count, 3);
    assert_string_equal(c->examples[1].text, "teal");
    const vg_quality_column *b = col(q, "b");
    assert_int_equal(b->ref.type, VG_QUALITY_BOOLEAN);
    assert_int_equal(b->cur.type, VG_QUALITY_BOOLEAN);
    assert_int_equal(b->n_unseen, 0); /* TRUE, true and False are the booleans */
    assert_int_equal(b->ref.distinct, 2);
    const vg_quality_column *k = col(q, "k");
    assert_true(k->ref.constant && k->cur.constant);
    assert_string_equal(k->cur.constant_value, "z");
    assert_non_null(issue(q, "constant_column", "k"));
    assert_int_equal(issue(q, "constant_column", "k")->severity, VG_QUALITY_INFO);
    assert_non_null(issue(q, "out_of_range", "n"));
    assert_non_null(issue(q, "unseen_categories", "c"));
    /* b: 20% missing against none */
    const vg_quality_issue *m = issue(q, "missing_values", "b");
    assert_non_null(m);
    assert_string_equal(m->message, "column b: 20.0% missing (reference 0.0%)");
    assert_null(issue(q, "missing_values", "n")); /* 20% < 25% */
    assert_int_equal(q->n_errors, 0);
    assert_ordered(q);
    vg_quality_result_free(q);
}

static void test_schema_and_types(void **state) {
    (void)state;
    const char *ref = "a,b,gone,m\n1,x,1,1\n2,y,2,u\n3,x,3,2\n";
    const char *cur = "new,a,b,m\nq,one,1,1.0\nq,two,true,v\nq,3,2,2\n";
    vg_quality_result *q = run(ref, cur, NULL);
    assert_int_equal(q->n_only_ref, 1);
    assert_int_equal(q->n_only_cur, 1);
    assert_int_equal(q->ncols, 5);
    /* reference order, then the current-only column */
    assert_string_equal(q->cols[0].name, "a");
    assert_string_equal(q->cols[2].name, "gone");
    assert_string_equal(q->cols[4].name, "new");
    assert_true(q->cols[2].ref.present && !q->cols[2].cur.present);
    assert_true(!q->cols[4].ref.present && q->cols[4].cur.present);
    assert_true(isnan(q->cols[4].missing_share_change));
    const vg_quality_column *a = col(q, "a"), *b = col(q, "b"), *m = col(q, "m");
    assert_true(a->type_changed);
    assert_int_equal(a->cur.type, VG_QUALITY_MIXED);
    assert_int_equal(q->n_type_changed, 2);
    const vg_quality_issue *t = issue(q, "type_change", "a");
    assert_non_null(t);
    assert_int_equal(t->severity, VG_QUALITY_ERROR);
    assert_string_equal(t->message,
                        "column a: type changed from numeric to mixed (2 non-numeric values)");
    /* text to mixed (numbers and a boolean) */
    assert_true(b->type_changed);
    assert_int_equal(b->cur.type, VG_QUALITY_MIXED);
    assert_int_equal(b->n_unseen, 3);
    /* mixed: 1.0 is the reference's 1, v is new */
    assert_false(m->type_changed);
    assert_int_equal(m->n_unseen, 1);
    assert_string_equal(m->examples[0].text, "v");
    assert_non_null(issue(q, "missing_column", "gone"));
    assert_int_equal(issue(q, "missing_column", "gone")->severity, VG_QUALITY_ERROR);
    assert_non_null(issue(q, "extra_column", "new"));
    assert_int_equal(q->issues[0].severity, VG_QUALITY_ERROR);
    assert_ordered(q);
    char *j = json_of(q);
    json_t *root = json_loads(j, 0, NULL);
    assert_non_null(root);
    json_t *sch = json_object_get(root, "schema");
    assert_string_equal(
        json_string_value(json_array_get(json_object_get(sch, "only_in_reference"), 0)), "gone");
    assert_int_equal(json_array_size(json_object_get(sch, "type_changed")), 2);
    assert_true(json_is_null(
        json_object_get(json_object_get(json_object_get(root, "columns"), "gone"), "current")));
    json_decref(root);
    free(j);
    vg_quality_result_free(q);
}

/* Empty current data: a clean report, with shares NaN (null in JSON), never a number made up. */
static void test_empty_current(void **state) {
    (void)state;
    const char *ref = "a,b\n1,x\n2,y\n2,y\n";
    vg_quality_result *q = run(ref, "a,b\n", NULL);
    assert_int_equal(q->cur_rows, 0);
    assert_int_equal(q->ref_duplicates, 1);
    assert_true(fabs(q->ref_duplicate_share - 1.0 / 3) < 1e-16);
    assert_true(isnan(q->cur_duplicate_share));
    assert_int_equal(q->nissues, 1);
    assert_string_equal(q->issues[0].kind, "empty_data");
    assert_int_equal(q->issues[0].severity, VG_QUALITY_ERROR);
    assert_string_equal(q->issues[0].message, "current data is empty (0 rows)");
    char *j = json_of(q);
    assert_null(strstr(j, "nan"));
    assert_null(strstr(j, "NaN"));
    json_t *root = json_loads(j, 0, NULL);
    assert_non_null(root);
    assert_true(json_is_null(json_object_get(
        json_object_get(json_object_get(root, "duplicate_rows"), "current"), "share")));
    json_decref(root);
    free(j);
    char *t = text_of(q);
    assert_non_null(strstr(t, "ERROR   current data is empty (0 rows)"));
    assert_null(strstr(t, "nan"));
    free(t);
    vg_quality_result_free(q);
    /* both empty */
    q = run("a\n", "a\n", NULL);
    assert_int_equal(q->n_errors, 2);
    assert_true(isnan(q->ref_duplicate_share));
    vg_quality_result_free(q);
}

static void test_empty_and_constant(void **state) {
    (void)state;
    const char *ref = "e,k,gone_empty,id\n,1,1,1\nNA,2,2,2\nnull,1,3,3\n";
    const char *cur = "e,k,gone_empty,id\n,4,,4\n,4,NA,5\n,4,,6\n";
    vg_quality_result *q = run(ref, cur, NULL);
    const vg_quality_column *e = col(q, "e"), *k = col(q, "k"), *g = col(q, "gone_empty");
    assert_true(e->ref.empty && e->cur.empty);
    assert_int_equal(e->ref.type, VG_QUALITY_EMPTY);
    assert_false(e->range_checked || e->unseen_checked);
    assert_true(isnan(e->ref.min) && isnan(e->ref.mean));
    assert_false(e->type_changed);
    assert_int_equal(issue(q, "empty_column", "e")->severity, VG_QUALITY_INFO);
    assert_true(g->cur.empty && !g->ref.empty);
    assert_false(g->type_changed); /* an empty column has no type to change to */
    assert_int_equal(issue(q, "empty_column", "gone_empty")->severity, VG_QUALITY_WARNING);
    assert_null(issue(q, "missing_values", "gone_empty")); /* said once, as empty */
    assert_true(k->cur.constant && !k->ref.constant);
    assert_string_equal(k->cur.constant_value, "4");
    assert_int_equal(issue(q, "constant_column", "k")->severity, VG_QUALITY_WARNING);
    assert_int_equal(k->n_above, 3);
    vg_quality_result_free(q);
}

/* Hand-made samples: a row hash of 0 (the empty slot of the set) must count like any other. */
static void test_duplicates(void **state) {
    (void)state;
    const uint64_t h[] = {5, 0, 7, 5, 0, 0, 5, 7 + 64, 7};
    vg_samples *a = calloc(1, sizeof *a), *b = calloc(1, sizeof *b);
    assert_non_null(a);
    assert_non_null(b);
    a->rows = 9;
    a->row_hash = malloc(sizeof h);
    memcpy(a->row_hash, h, sizeof h);
    vg_quality_result *q = NULL;
    assert_int_equal(vg_quality_compare(a, b, NULL, &q, NULL), VG_OK);
    /* 5 twice more, 0 twice more, 7 once more */
    assert_int_equal(q->ref_duplicates, 5);
    assert_true(q->ref_duplicate_share == 5.0 / 9);
    assert_int_equal(q->cur_duplicates, 0);
    vg_quality_result_free(q);
    /* many rows: the set grows past its first size; every row a duplicate of row i mod 1000 */
    vg_samples_free(a);
    a = calloc(1, sizeof *a);
    a->rows = 100000;
    a->row_hash = malloc(a->rows * sizeof *a->row_hash);
    uint64_t s = 3;
    uint64_t base[1000];
    for (int i = 0; i < 1000; i++)
        base[i] = t_rand(&s);
    for (uint64_t i = 0; i < a->rows; i++)
        a->row_hash[i] = base[i % 1000];
    assert_int_equal(vg_quality_compare(a, a, NULL, &q, NULL), VG_OK);
    assert_int_equal(q->ref_duplicates, 99000);
    /* as many as the reference: a note, not a warning */
    assert_int_equal(issue(q, "duplicate_rows", NULL)->severity, VG_QUALITY_INFO);
    vg_quality_result_free(q);
    vg_samples_free(a);
    vg_samples_free(b);
    /* from files: the row hash is of the cell texts, so "1" and "1.0" rows differ */
    q = run("x,y\n1,a\n1,a\n", "x,y\n1,a\n1.0,a\n1,a\n,\n,\n", NULL);
    assert_int_equal(q->ref_duplicates, 1);
    assert_int_equal(q->cur_duplicates, 2);
    assert_int_equal(issue(q, "duplicate_rows", NULL)->severity, VG_QUALITY_INFO);
    vg_quality_result_free(q);
}

static void test_examples(void **state) {
    (void)state;
    /* unseen: d x3, b x2, c x2, a x1, e x1: by count, ties by text */
    const char *ref = "v\nz\n";
    const char *cur = "v\nb\nd\nc\nd\na\nb\nd\nc\ne\nz\n";
    vg_quality_options o;
    vg_quality_options_default(&o);
    assert_int_equal(o.max_examples, 5);
    o.max_examples = 3;
    vg_quality_result *q = run(ref, cur, &o);
    const vg_quality_column *v = col(q, "v");
    assert_int_equal(v->n_unseen_categories, 5);
    assert_int_equal(v->n_unseen, 9);
    assert_int_equal(v->n_examples, 3);
    assert_string_equal(v->examples[0].text, "d");
    assert_string_equal(v->examples[1].text, "b");
    assert_string_equal(v->examples[2].text, "c");
    assert_int_equal(v->examples[2].count, 2);
    assert_int_equal(issue(q, "unseen_categories", "v")->severity, VG_QUALITY_WARNING);
    vg_quality_result_free(q);
    o.max_examples = 0;
    q = run(ref, cur, &o);
    assert_int_equal(col(q, "v")->n_examples, 0);
    assert_int_equal(col(q, "v")->n_unseen, 9);
    vg_quality_result_free(q);
    /* a huge cap is bounded by the distinct values, not allocated */
    o.max_examples = SIZE_MAX;
    q = run(ref, cur, &o);
    assert_int_equal(col(q, "v")->n_examples, 5);
    vg_quality_result_free(q);
    /* a long value is cut in the message at 40 bytes, on a character boundary: 13 three-byte
     * characters (39 bytes) and "..." */
    char cut[200] = "v\n", want[100] = "\"";
    for (int i = 0; i < 30; i++)
        strcat(cut, "\xe2\x82\xac"); /* the euro sign */
    for (int i = 0; i < 13; i++)
        strcat(want, "\xe2\x82\xac");
    strcat(cut, "\n");
    strcat(want, "...\" (1)");
    q = run(ref, cut, NULL);
    assert_non_null(strstr(issue(q, "unseen_categories", "v")->message, want));
    assert_int_equal(col(q, "v")->examples[0].len, 90);
    vg_quality_result_free(q);
    /* warn_share: 1 unseen value in 200 is a note at 1%, a warning at 0.1% */
    char big[2000] = "v\n";
    for (int i = 0; i < 199; i++)
        strcat(big, "z\n");
    strcat(big, "new\n");
    vg_quality_options_default(&o);
    q = run(ref, big, &o);
    assert_int_equal(issue(q, "unseen_categories", "v")->severity, VG_QUALITY_INFO);
    vg_quality_result_free(q);
    o.warn_share = 0.001;
    q = run(ref, big, &o);
    assert_int_equal(issue(q, "unseen_categories", "v")->severity, VG_QUALITY_WARNING);
    vg_quality_result_free(q);
}

static void test_ignore_and_ndjson(void **state) {
    (void)state;
    vg_samples *r = load_text(".ndjson", "{\"a\": 1, \"s\": \"x\"}\n{\"a\": 2, \"s\": \"y\"}\n"
                                         "{\"a\": 3, \"s\": \"x\", \"late\": 1}\n");
    vg_samples *c = load_text(".ndjson", "{\"a\": 1, \"s\": \"x\"}\n{\"a\": null, \"s\": \"x\"}\n"
                                         "{\"a\": 1e300, \"late\": 2, \"s\": \"x\"}\n");
    vg_quality_result *q = NULL;
    assert_int_equal(vg_quality_compare(r, c, NULL, &q, NULL), VG_OK);
    const vg_quality_column *late = col(q, "late");
    assert_int_equal(late->ref.missing, 2); /* absent from the rows before its first key */
    assert_int_equal(late->cur.missing, 2);
    assert_int_equal(late->n_above, 1);
    assert_int_equal(col(q, "a")->n_above, 1);
    assert_true(col(q, "s")->cur.constant);
    vg_quality_result_free(q);
    const char *ign[] = {"a", "late", "absent"};
    vg_quality_options o;
    vg_quality_options_default(&o);
    o.ignore = ign;
    o.n_ignore = 3;
    assert_int_equal(vg_quality_compare(r, c, &o, &q, NULL), VG_OK);
    assert_int_equal(q->ncols, 1);
    assert_int_equal(q->n_ignored, 2);
    assert_null(issue(q, "out_of_range", "a"));
    vg_quality_result_free(q);
    vg_samples_free(r);
    vg_samples_free(c);
}

/* Columns named as novel (ids, timestamps) are summarized but not checked for new values. */
static void test_novel(void **state) {
    (void)state;
    const char *novel[] = {"id", "ts"};
    vg_quality_options o;
    vg_quality_options_default(&o);
    o.novel = novel;
    o.n_novel = 2;
    const char *ref = "id,ts,s\na1,1,x\na2,2,y\n", *cur = "id,ts,s\nb1,9,z\nb2,10,x\n";
    vg_quality_result *q = run(ref, cur, &o);
    assert_false(col(q, "id")->unseen_checked);
    assert_false(col(q, "ts")->range_checked);
    assert_int_equal(col(q, "id")->cur.rows, 2);
    assert_null(issue(q, "unseen_categories", "id"));
    assert_null(issue(q, "out_of_range", "ts"));
    assert_non_null(issue(q, "unseen_categories", "s"));
    vg_quality_result_free(q);
    q = run(ref, cur, NULL);
    assert_non_null(issue(q, "unseen_categories", "id"));
    assert_non_null(issue(q, "out_of_range", "ts"));
    vg_quality_result_free(q);
}

/* Infinities are numbers: min/max may be infinite, a mean of inf and -inf is NaN; JSON has
 * null for both, and the range check still counts. */
static void test_infinities(void **state) {
    (void)state;
    vg_quality_result *q = run("x\n1\ninf\n-inf\n", "x\n2\n-Infinity\n", NULL);
    const vg_quality_column *x = col(q, "x");
    assert_true(isinf(x->ref.max) && x->ref.max > 0);
    assert_true(isinf(x->ref.min) && x->ref.min < 0);
    assert_true(isnan(x->ref.mean));
    assert_true(isinf(x->cur.mean) && x->cur.mean < 0);
    assert_int_equal(x->n_out_of_range, 0);
    char *j = json_of(q);
    json_t *root = json_loads(j, 0, NULL);
    assert_non_null(root);
    json_t *ref =
        json_object_get(json_object_get(json_object_get(root, "columns"), "x"), "reference");
    assert_true(json_is_null(json_object_get(ref, "min")));
    assert_true(json_is_null(json_object_get(ref, "mean")));
    json_decref(root);
    free(j);
    vg_quality_result_free(q);
    /* large finite values: the compensated sum keeps the mean exact */
    q = run("x\n1e16\n1\n-1e16\n1\n", "x\n1\n", NULL);
    assert_true(col(q, "x")->ref.mean == 0.5);
    vg_quality_result_free(q);
}

static void test_text(void **state) {
    (void)state;
    vg_quality_result *q = run("a,b,c\n1,x,u\n2,y,u\n", "a,b\nword,x\n2,zz\n", NULL);
    char *t = text_of(q);
    const char *head = "data quality: 2 errors, 1 warning, 0 notes\n";
    assert_true(strncmp(t, head, strlen(head)) == 0);
    /* errors first */
    char *e1 = strstr(t, "ERROR"), *w1 = strstr(t, "WARNING");
    assert_non_null(e1);
    assert_non_null(w1);
    assert_true(e1 < w1);
    assert_non_null(strstr(t, "numeric -> mixed"));
    assert_non_null(strstr(t, "missing in current"));
    for (size_t i = 0; i < q->nissues; i++)
        assert_non_null(strstr(t, q->issues[i].message));
    free(t);
    vg_quality_result_free(q);
}

static void test_errors(void **state) {
    (void)state;
    vg_samples *s = load_text(".csv", "a\n1\n");
    vg_quality_result *q = (vg_quality_result *)1;
    vg_error err;
    assert_int_equal(vg_quality_compare(NULL, s, NULL, &q, &err), VG_ERR_INVALID);
    assert_null(q);
    assert_non_null(strstr(err.msg, "reference"));
    assert_int_equal(vg_quality_compare(s, s, NULL, NULL, NULL), VG_ERR_INVALID);
    vg_quality_options o;
    vg_quality_options_default(&o);
    o.tolerance = NAN;
    q = (vg_quality_result *)1;
    assert_int_equal(vg_quality_compare(s, s, &o, &q, &err), VG_ERR_INVALID);
    assert_null(q);
    vg_quality_options_default(&o);
    o.n_ignore = 2;
    assert_int_equal(vg_quality_compare(s, s, &o, &q, NULL), VG_ERR_INVALID);
    assert_int_equal(vg_quality_compare(s, s, NULL, &q, NULL), VG_OK);
    assert_int_equal(q->nissues, 1); /* a one-value column is constant in both: a note */
    assert_int_equal(q->n_infos, 1);
    json_t *arr = json_array();
    assert_int_equal(vg_quality_json(q, arr, &err), VG_ERR_INVALID);
    assert_int_equal(vg_quality_json(NULL, arr, NULL), VG_ERR_INVALID);
    json_decref(arr);
    json_t *root = json_object();
    assert_int_equal(vg_quality_json(q, root, NULL), VG_OK);
    assert_true(json_is_object(json_object_get(root, "quality")));
    json_decref(root);
    assert_int_equal(vg_quality_text(NULL, stdout, NULL), VG_ERR_INVALID);
    assert_null(vg_quality_json_string(NULL, &err));
    assert_string_equal(vg_quality_type_name(VG_QUALITY_MIXED), "mixed");
    assert_string_equal(vg_quality_severity_name(VG_QUALITY_INFO), "info");
    vg_quality_result_free(q);
    vg_quality_result_free(NULL);
    vg_samples_free(s);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_figures),
        cmocka_unit_test(test_schema_and_types),
        cmocka_unit_test(test_empty_current),
        cmocka_unit_test(test_empty_and_constant),
        cmocka_unit_test(test_duplicates),
        cmocka_unit_test(test_examples),
        cmocka_unit_test(test_ignore_and_ndjson),
        cmocka_unit_test(test_novel),
        cmocka_unit_test(test_infinities),
        cmocka_unit_test(test_text),
        cmocka_unit_test(test_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
