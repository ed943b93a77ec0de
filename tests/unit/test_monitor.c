/*
 * Tests of the monitoring engine (include/vigia/monitor.h): the model spec, record validation,
 * windows, the label join, the journal codec with replay, and the numbers of a window report
 * checked against the library functions computed independently.
 */
#include <jansson.h>
#include <pthread.h>
#include <stdatomic.h>
#include <zlib.h>

#include "testutil.h"
#include "vigia/monitor.h"

#define T0 1767261600000LL /* 2026-01-01T10:00:00Z */
#define HOUR 3600000LL

static const char *SPEC =
    "{\"name\": \"credit\", \"task\": \"binary\", \"features\": ["
    "{\"name\": \"age\", \"type\": \"numeric\", \"required\": true},"
    "{\"name\": \"region\", \"type\": \"categorical\"},"
    "{\"name\": \"vip\", \"type\": \"boolean\"},"
    "{\"name\": \"note\", \"type\": \"text\"}],"
    "\"sensitive\": [\"region\"], \"window\": {\"duration\": \"1h\", \"lateness\": \"5m\"},"
    "\"label_ttl\": \"1d\"}";

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

/* Parses and applies a body; returns the number of rejects (kept in *rj when given). */
static size_t feed(vg_monitor *m, const char *body, int64_t now, uint64_t seq, int labels,
                   vg_monitor_rejects *keep) {
    vg_monitor_batch *b = NULL;
    vg_monitor_rejects rj = {0};
    vg_error err;
    int rc = labels ? vg_monitor_parse_labels(m, body, strlen(body), now, &b, &rj, &err)
                    : vg_monitor_parse_predictions(m, body, strlen(body), now, &b, &rj, &err);
    if (rc != VG_OK)
        fprintf(stderr, "parse: %s\n", err.msg);
    assert_int_equal(rc, VG_OK);
    rc = vg_monitor_apply(m, b, seq, 0, &err);
    assert_int_equal(rc, VG_OK);
    vg_monitor_batch_free(b);
    size_t n = rj.n;
    if (keep)
        *keep = rj;
    else
        vg_monitor_rejects_free(&rj);
    return n;
}

static char *record(const char *id, int64_t ts_ms, double age, const char *region, double score,
                    const char *label) {
    char ts[40], *out = malloc(512);
    snprintf(ts, sizeof ts, "%.3f", ts_ms / 1000.0);
    snprintf(out, 512,
             "{\"id\": \"%s\", \"timestamp\": %s, \"features\": {\"age\": %.17g, \"region\": "
             "\"%s\", \"vip\": false}, \"prediction\": %.17g%s%s%s}",
             id, ts, age, region, score, label ? ", \"label\": " : "", label ? label : "", "");
    return out;
}

/* ---- spec ------------------------------------------------------------------------------------ */

static void expect_spec_error(const char *json, const char *needle) {
    vg_model_spec *s = NULL;
    vg_error err;
    int rc = vg_model_spec_parse(json, strlen(json), &s, &err);
    assert_true(rc < 0);
    assert_null(s);
    if (!strstr(err.msg, needle))
        fail_msg("error '%s' does not mention '%s'", err.msg, needle);
}

static void test_spec(void **state) {
    (void)state;
    vg_model_spec *s = NULL;
    vg_error err;
    assert_int_equal(vg_model_spec_parse(SPEC, strlen(SPEC), &s, &err), VG_OK);
    assert_string_equal(s->name, "credit");
    assert_int_equal(s->task, VG_TASK_BINARY);
    assert_int_equal(s->n_features, 4);
    assert_int_equal(s->features[0].required, 1);
    assert_int_equal(s->features[1].type, VG_FEATURE_CATEGORICAL);
    assert_int_equal(s->window_ms, HOUR);
    assert_int_equal(s->lateness_ms, 300000);
    assert_int_equal(s->label_ttl_ms, 86400000);
    assert_true(s->threshold == 0.5 && s->drift_share == 0.5);
    /* canonical JSON parses back to the same JSON */
    char *j1 = vg_model_spec_json(s);
    vg_model_spec *s2 = NULL;
    assert_int_equal(vg_model_spec_parse(j1, strlen(j1), &s2, &err), VG_OK);
    char *j2 = vg_model_spec_json(s2);
    assert_string_equal(j1, j2);
    free(j1), free(j2);
    vg_model_spec_free(s), vg_model_spec_free(s2);

    expect_spec_error("{\"name\": \"a\", \"task\": \"binary\", \"features\": [{\"name\": \"x\", "
                      "\"type\": \"numeric\"}], \"colour\": 1}",
                      "colour: unknown key");
    expect_spec_error("{\"name\": \"a b\", \"task\": \"binary\", \"features\": []}", "name:");
    expect_spec_error("{\"name\": \"a\", \"task\": \"ranking\", \"features\": []}", "task:");
    expect_spec_error("{\"name\": \"a\", \"task\": \"binary\", \"features\": []}", "features:");
    expect_spec_error("{\"name\": \"a\", \"task\": \"binary\", \"features\": [{\"name\": \"x\", "
                      "\"type\": \"numeric\"}, {\"name\": \"y\", \"type\": \"float\"}]}",
                      "features[1].type");
    expect_spec_error("{\"name\": \"a\", \"task\": \"binary\", \"features\": [{\"name\": \"x\", "
                      "\"type\": \"numeric\", \"kind\": 1}]}",
                      "features[0].kind: unknown key");
    expect_spec_error("{\"name\": \"a\", \"task\": \"binary\", \"features\": [{\"name\": \"x\", "
                      "\"type\": \"numeric\"}, {\"name\": \"x\", \"type\": \"numeric\"}]}",
                      "duplicate feature");
    expect_spec_error("{\"name\": \"a\", \"task\": \"binary\", \"features\": [{\"name\": "
                      "\"label\", \"type\": \"numeric\"}]}",
                      "features[0].name");
    expect_spec_error("{\"name\": \"a\", \"task\": \"binary\", \"features\": [{\"name\": \"x\", "
                      "\"type\": \"numeric\"}], \"sensitive\": [\"x\"]}",
                      "sensitive[0]");
    expect_spec_error("{\"name\": \"a\", \"task\": \"binary\", \"features\": [{\"name\": \"x\", "
                      "\"type\": \"numeric\"}], \"window\": {\"duration\": \"1h\", \"count\": 5}}",
                      "window:");
    expect_spec_error("{\"name\": \"a\", \"task\": \"binary\", \"features\": [{\"name\": \"x\", "
                      "\"type\": \"numeric\"}], \"window\": {\"duration\": \"soon\"}}",
                      "window.duration");
    expect_spec_error("{\"name\": \"a\", \"task\": \"binary\", \"features\": [{\"name\": \"x\", "
                      "\"type\": \"numeric\"}], \"threshold\": 2}",
                      "threshold");
    expect_spec_error("{\"name\": \"a\", \"task\": \"binary\", \"features\": [{\"name\": \"x\", "
                      "\"type\": \"numeric\"}], \"classes\": [\"a\", \"b\", \"c\"]}",
                      "classes");
    expect_spec_error("{\"name\": \"a\", \"task\": ", "line 1");
}

static void test_time_formats(void **state) {
    (void)state;
    int64_t ms;
    /* the writer of every JSON time (expected strings from Python's datetime), and its round
     * trip through the parser */
    static const struct {
        int64_t ms;
        const char *text;
    } fmt[] = {{0, "1970-01-01T00:00:00.000Z"},
               {1796334719123LL, "2026-12-03T21:51:59.123Z"},
               {951782400999LL, "2000-02-29T00:00:00.999Z"},
               {-1, "1969-12-31T23:59:59.999Z"}};
    for (size_t i = 0; i < sizeof fmt / sizeof fmt[0]; i++) {
        char buf[32];
        vg_format_rfc3339_ms(fmt[i].ms, buf, sizeof buf);
        assert_string_equal(buf, fmt[i].text);
        assert_int_equal(vg_parse_rfc3339_ms(buf, &ms), VG_OK);
        assert_int_equal(ms, fmt[i].ms);
    }
    assert_int_equal(vg_parse_duration_ms("90s", &ms), VG_OK);
    assert_int_equal(ms, 90000);
    assert_int_equal(vg_parse_duration_ms("15m", &ms), VG_OK);
    assert_int_equal(ms, 900000);
    assert_int_equal(vg_parse_duration_ms("7d", &ms), VG_OK);
    assert_int_equal(ms, 7LL * 86400000);
    assert_int_equal(vg_parse_duration_ms("250ms", &ms), VG_OK);
    assert_int_equal(ms, 250);
    assert_int_equal(vg_parse_duration_ms("30", &ms), VG_OK);
    assert_int_equal(ms, 30000);
    assert_true(vg_parse_duration_ms("1y", &ms) < 0);
    assert_true(vg_parse_duration_ms("-1h", &ms) < 0);
    assert_true(vg_parse_duration_ms("h", &ms) < 0);

    assert_int_equal(vg_parse_rfc3339_ms("2026-01-01T10:00:00Z", &ms), VG_OK);
    assert_int_equal(ms, T0);
    assert_int_equal(vg_parse_rfc3339_ms("2026-01-01T12:00:00.250+02:00", &ms), VG_OK);
    assert_int_equal(ms, T0 + 250);
    assert_int_equal(vg_parse_rfc3339_ms("2026-01-01T09:30:00-00:30", &ms), VG_OK);
    assert_int_equal(ms, T0);
    assert_int_equal(vg_parse_rfc3339_ms("1970-01-01T00:00:00Z", &ms), VG_OK);
    assert_int_equal(ms, 0);
    assert_int_equal(vg_parse_rfc3339_ms("2024-02-29T00:00:00Z", &ms), VG_OK);
    assert_true(vg_parse_rfc3339_ms("2026-02-29T00:00:00Z", &ms) < 0);
    assert_true(vg_parse_rfc3339_ms("2026-01-01 10:00", &ms) < 0);
    assert_true(vg_parse_rfc3339_ms("2026-01-01T10:00:00", &ms) < 0);
    assert_true(vg_parse_rfc3339_ms("2026-13-01T10:00:00Z", &ms) < 0);
    assert_true(vg_parse_rfc3339_ms("2026-01-01T10:00:00Zjunk", &ms) < 0);
    assert_true(vg_parse_rfc3339_ms("yesterday", &ms) < 0);
}

/* ---- records --------------------------------------------------------------------------------- */

static void expect_reject(const vg_monitor_rejects *rj, size_t i, size_t index, const char *field,
                          const char *reason) {
    assert_true(i < rj->n);
    assert_int_equal(rj->items[i].index, index);
    assert_string_equal(rj->items[i].field, field);
    if (!strstr(rj->items[i].reason, reason))
        fail_msg("reject %zu: reason '%s' lacks '%s'", i, rj->items[i].reason, reason);
    assert_non_null(rj->items[i].record);
}

static void test_record_validation(void **state) {
    (void)state;
    vg_monitor *m = new_monitor(SPEC);
    const char *body =
        "[{\"id\": 1, \"features\": {\"age\": 30}, \"prediction\": 0.2},\n"                /* ok */
        " {\"id\": \"b\", \"features\": {\"region\": \"n\"}, \"prediction\": 0.2},\n"      /* 1 */
        " {\"id\": \"c\", \"features\": {\"age\": \"x\"}, \"prediction\": 0.2},\n"         /* 2 */
        " {\"id\": \"d\", \"features\": {\"age\": 1, \"zip\": 3}, \"prediction\": 0.2},\n" /* 3 */
        " {\"id\": \"e\", \"features\": {\"age\": 1}, \"prediction\": 1.5},\n"             /* 4 */
        " {\"features\": {\"age\": 1}, \"prediction\": 0.5},\n"                            /* 5 */
        " {\"id\": \"g\", \"features\": {\"age\": 1}},\n"                                  /* 6 */
        " {\"id\": \"h\", \"features\": {\"age\": 1}, \"prediction\": 0.5, \"x\": 1},\n"   /* 7 */
        " {\"id\": \"i\", \"features\": {\"age\": 1, \"vip\": \"yes\"}, \"prediction\": 0.5},\n"
        " {\"id\": \"j\", \"timestamp\": \"noon\", \"features\": {\"age\": 1}, \"prediction\": "
        "0},\n"
        " {\"id\": \"k\", \"features\": {\"age\": 1e999}, \"prediction\": 0.1},\n" /* 10 */
        " {\"id\": \"l\", \"features\": {\"age\": 1, \"note\": 5}, \"prediction\": 0.1},\n"
        " {\"id\": \"m\", \"features\": {\"age\": null}, \"prediction\": 0.1},\n" /* 12 */
        " {\"id\": \"n\", \"features\": {\"age\": 1}, \"prediction\": {\"score\": 0.4}, "
        "\"metadata\": {\"a\": 1}},\n" /* ok */
        " {\"id\": \"o\", \"features\": {\"age\": 1}, \"prediction\": 0.4, \"metadata\": 3},\n"
        " [1, 2],\n"                                                        /* 15 */
        " {\"id\": 1.5, \"features\": {\"age\": 1}, \"prediction\": 0.4}]"; /* 16 */
    vg_monitor_batch *b = NULL;
    vg_monitor_rejects rj = {0};
    vg_error err;
    assert_int_equal(vg_monitor_parse_predictions(m, body, strlen(body), T0, &b, &rj, &err), VG_OK);
    assert_int_equal(vg_monitor_batch_size(b), 2);
    assert_int_equal(rj.n, 15);
    expect_reject(&rj, 0, 1, "features.age", "required");
    expect_reject(&rj, 1, 2, "features.age", "expected a number");
    expect_reject(&rj, 2, 3, "features.zip", "unknown feature");
    expect_reject(&rj, 3, 4, "prediction", "score in [0, 1]");
    expect_reject(&rj, 4, 5, "id", "required");
    expect_reject(&rj, 5, 6, "prediction", "required");
    expect_reject(&rj, 6, 7, "", "unknown key 'x'");
    expect_reject(&rj, 7, 8, "features.vip", "true or false");
    expect_reject(&rj, 8, 9, "timestamp", "RFC 3339");
    expect_reject(&rj, 9, 10, "features.age", "finite");
    expect_reject(&rj, 10, 11, "features.note", "expected a string");
    expect_reject(&rj, 11, 12, "features.age", "required");
    expect_reject(&rj, 12, 14, "metadata", "object");
    expect_reject(&rj, 13, 15, "", "JSON object");
    expect_reject(&rj, 14, 16, "id", "string or an integer");
    assert_string_equal(rj.items[6].record,
                        "{\"id\":\"h\",\"features\":{\"age\":1},\"prediction\":0.5,\"x\":1}");
    vg_monitor_rejects_free(&rj);
    vg_monitor_batch_free(b);

    /* NDJSON: blank lines allowed, indices count records */
    const char *nd = "{\"id\": \"a\", \"features\": {\"age\": 1}, \"prediction\": 0.3}\n\n"
                     "{\"id\": \"b\", \"features\": {\"age\": \"old\"}, \"prediction\": 0.3}\r\n"
                     "{\"id\": \"c\", \"features\": {\"age\": 2, \"region\": 7, \"note\": "
                     "\"caf\\u00e9 \\\"x\\\"\"}, \"prediction\": 0.3}\n";
    assert_int_equal(vg_monitor_parse_predictions(m, nd, strlen(nd), T0, &b, &rj, &err), VG_OK);
    assert_int_equal(vg_monitor_batch_size(b), 2);
    assert_int_equal(rj.n, 1);
    expect_reject(&rj, 0, 1, "features.age", "numeric");
    vg_monitor_rejects_free(&rj);
    vg_monitor_batch_free(b);

    /* not JSON at all: the whole body fails, naming line and column */
    const char *bad = "{\"id\": \"a\", \"features\": {\"age\": 1}, \"prediction\": 0.3}\n"
                      "{\"id\": \"b\", \"features\": {\"age\": 1}, \"prediction\": 0.3\n";
    b = NULL;
    assert_int_equal(vg_monitor_parse_predictions(m, bad, strlen(bad), T0, &b, &rj, &err),
                     VG_ERR_PARSE);
    assert_null(b);
    assert_int_equal(rj.n, 0);
    assert_non_null(strstr(err.msg, "line 2"));
    const char *bad2 = "[{\"id\": \"a\"}, {\"id\": tru}]";
    assert_int_equal(vg_monitor_parse_predictions(m, bad2, strlen(bad2), T0, &b, &rj, &err),
                     VG_ERR_PARSE);
    if (!strstr(err.msg, "line 1, column 22"))
        fail_msg("%s", err.msg);
    const char *dup =
        "{\"id\": \"a\", \"timestamp\": 1, \"timestamp\": 2, \"prediction\": 0.1}\n"
        "{\"id\": \"a\", \"id\": \"b\", \"prediction\": 0.1}\n"
        "{\"id\": \"c\", \"features\": {\"age\": 1, \"age\": 2}, \"prediction\": 0.1}\n";
    assert_int_equal(vg_monitor_parse_predictions(m, dup, strlen(dup), T0, &b, &rj, &err), VG_OK);
    assert_int_equal(vg_monitor_batch_size(b), 0);
    assert_int_equal(rj.n, 3);
    expect_reject(&rj, 0, 0, "timestamp", "duplicate");
    expect_reject(&rj, 1, 1, "id", "duplicate");
    /* kept as sent: compact JSON would have dropped the duplicate */
    assert_string_equal(rj.items[1].record, "{\"id\": \"a\", \"id\": \"b\", \"prediction\": 0.1}");
    expect_reject(&rj, 2, 2, "features.age", "duplicate");
    vg_monitor_rejects_free(&rj);
    vg_monitor_batch_free(b);
    const char *two = "{\"id\": \"a\"} {\"id\": \"b\"}\n";
    assert_int_equal(vg_monitor_parse_predictions(m, two, strlen(two), T0, &b, &rj, &err),
                     VG_ERR_PARSE);

    /* labels endpoint */
    const char *lb =
        "[{\"id\": \"a\", \"label\": 1}, {\"id\": \"b\"}, {\"label\": 0},"
        " {\"id\": \"c\", \"label\": 1, \"features\": {}}, {\"id\": \"d\", \"label\": 0.5}]";
    assert_int_equal(vg_monitor_parse_labels(m, lb, strlen(lb), T0, &b, &rj, &err), VG_OK);
    assert_int_equal(vg_monitor_batch_size(b), 1);
    assert_int_equal(rj.n, 4);
    expect_reject(&rj, 0, 1, "label", "required");
    expect_reject(&rj, 1, 2, "id", "required");
    expect_reject(&rj, 2, 3, "", "unknown key 'features'");
    expect_reject(&rj, 3, 4, "label", "class label");
    vg_monitor_rejects_free(&rj);
    vg_monitor_batch_free(b);
    vg_monitor_free(m);

    /* multiclass and regression predictions */
    vg_monitor *mc = new_monitor("{\"name\": \"m\", \"task\": \"multiclass\", \"classes\": [\"a\", "
                                 "\"b\", \"c\"], \"features\": [{\"name\": \"x\", \"type\": "
                                 "\"numeric\"}]}");
    const char *mb = "[{\"id\": 1, \"features\": {}, \"prediction\": \"a\"},"
                     "{\"id\": 2, \"features\": {}, \"prediction\": {\"class\": \"b\", "
                     "\"probabilities\": {\"a\": 0.2, \"b\": 0.8}}},"
                     "{\"id\": 3, \"features\": {}, \"prediction\": \"z\"},"
                     "{\"id\": 4, \"features\": {}, \"prediction\": {\"probabilities\": {}}},"
                     "{\"id\": 5, \"features\": {}, \"prediction\": \"c\", \"label\": \"q\"}]";
    assert_int_equal(vg_monitor_parse_predictions(mc, mb, strlen(mb), T0, &b, &rj, &err), VG_OK);
    assert_int_equal(vg_monitor_batch_size(b), 2);
    assert_int_equal(rj.n, 3);
    expect_reject(&rj, 0, 2, "prediction", "declared classes");
    expect_reject(&rj, 1, 3, "prediction", "missing \"class\"");
    expect_reject(&rj, 2, 4, "label", "declared classes");
    vg_monitor_rejects_free(&rj);
    vg_monitor_batch_free(b);
    vg_monitor_free(mc);

    vg_monitor *rg = new_monitor("{\"name\": \"r\", \"task\": \"regression\", \"features\": "
                                 "[{\"name\": \"x\", \"type\": \"numeric\"}]}");
    const char *rb = "[{\"id\": 1, \"features\": {}, \"prediction\": 3.5, \"label\": 4},"
                     "{\"id\": 2, \"features\": {}, \"prediction\": {\"value\": -2}},"
                     "{\"id\": 3, \"features\": {}, \"prediction\": \"big\"},"
                     "{\"id\": 4, \"features\": {}, \"prediction\": 1, \"label\": \"x\"}]";
    assert_int_equal(vg_monitor_parse_predictions(rg, rb, strlen(rb), T0, &b, &rj, &err), VG_OK);
    assert_int_equal(vg_monitor_batch_size(b), 2);
    assert_int_equal(rj.n, 2);
    expect_reject(&rj, 0, 2, "prediction", "finite number");
    expect_reject(&rj, 1, 3, "label", "finite number");
    vg_monitor_rejects_free(&rj);
    vg_monitor_batch_free(b);
    vg_monitor_free(rg);
}

/* ---- windows --------------------------------------------------------------------------------- */

static vg_window **take(vg_monitor *m, size_t *n) {
    vg_window **w = NULL;
    vg_error err;
    assert_int_equal(vg_monitor_take_windows(m, &w, n, &err), VG_OK);
    return w;
}

static void free_windows(vg_window **w, size_t n) {
    for (size_t i = 0; i < n; i++)
        vg_window_free(w[i]);
    free(w);
}

static void test_time_windows(void **state) {
    (void)state;
    vg_monitor *m = new_monitor(SPEC);
    vg_error err;
    char *r;
    /* 10:00 .. 10:59: window 10:00 */
    for (int i = 0; i < 60; i++) {
        char id[16];
        snprintf(id, sizeof id, "a%d", i);
        r = record(id, T0 + i * 60000LL, 20 + i, i % 2 ? "north" : "south", 0.5, NULL);
        assert_int_equal(feed(m, r, T0, 1, 0, NULL), 0);
        free(r);
    }
    assert_int_equal(vg_monitor_advance(m, T0, 0, &err), 0);
    assert_int_equal(vg_monitor_min_open_seq(m), 1);
    /* 11:04: the watermark is inside the lateness, nothing closes */
    r = record("b1", T0 + HOUR + 4 * 60000, 30, "north", 0.5, NULL);
    assert_int_equal(feed(m, r, T0, 2, 0, NULL), 0);
    free(r);
    assert_int_equal(vg_monitor_advance(m, T0, 0, &err), 0);
    /* a late-but-allowed record still joins window 10:00 */
    r = record("a60", T0 + 30 * 60000, 99, "north", 0.5, NULL);
    assert_int_equal(feed(m, r, T0, 3, 0, NULL), 0);
    free(r);
    /* 11:05: window 10:00 closes */
    r = record("b2", T0 + HOUR + 5 * 60000, 31, "north", 0.5, NULL);
    assert_int_equal(feed(m, r, T0, 4, 0, NULL), 0);
    free(r);
    assert_int_equal(vg_monitor_advance(m, T0, 0, &err), 1);
    size_t n;
    vg_window **w = take(m, &n);
    assert_int_equal(n, 1);
    assert_int_equal(w[0]->key, T0);
    assert_int_equal(w[0]->start_ms, T0);
    assert_int_equal(w[0]->end_ms, T0 + HOUR);
    assert_int_equal(w[0]->rows, 61);
    assert_int_equal(w[0]->revision, 1);
    assert_int_equal(w[0]->max_seq, 3);
    assert_int_equal(w[0]->profile->rows, 61);
    json_t *rep = json_loads(w[0]->report_json, 0, NULL);
    assert_non_null(rep);
    assert_string_equal(json_string_value(json_object_get(json_object_get(rep, "window"), "start")),
                        "2026-01-01T10:00:00Z");
    assert_true(json_is_null(json_object_get(json_object_get(rep, "drift"), "reference")));
    json_decref(rep);
    free_windows(w, n);
    /* the open window holds seqs 2 and 4 */
    assert_int_equal(vg_monitor_min_open_seq(m), 2);

    /* a record of the closed window is late */
    vg_monitor_rejects rj;
    r = record("c1", T0 + 59 * 60000, 30, "north", 0.5, NULL);
    assert_int_equal(feed(m, r, T0, 5, 0, &rj), 1);
    free(r);
    expect_reject(&rj, 0, 0, "timestamp", "late: window 2026-01-01T10:00:00Z closed");
    vg_monitor_rejects_free(&rj);
    vg_monitor_count_rejects(m, 1, 1, 0);
    vg_monitor_stats st;
    vg_monitor_get_stats(m, &st);
    assert_int_equal(st.records_accepted, 63);
    assert_int_equal(st.records_rejected, 1);
    assert_int_equal(st.records_late, 1);
    assert_int_equal(st.windows_closed, 1);
    assert_int_equal(st.open_rows, 2);
    assert_int_equal(st.last_closed_end_ms, T0 + HOUR);
    assert_int_equal(st.watermark_ms, T0 + HOUR + 5 * 60000);

    /* a clock far ahead is refused rather than closing every window */
    r = record("f1", T0 + 25 * HOUR, 30, "north", 0.5, NULL);
    assert_int_equal(feed(m, r, T0, 6, 0, &rj), 1);
    free(r);
    expect_reject(&rj, 0, 0, "timestamp", "in the future");
    vg_monitor_rejects_free(&rj);

    /* open report, then flush */
    char *open = vg_monitor_open_report(m, &err);
    assert_non_null(open);
    assert_non_null(strstr(open, "\"rows\":2"));
    free(open);
    assert_int_equal(vg_monitor_advance(m, T0, 1, &err), 1);
    /* closed but not taken: its records are still needed */
    assert_int_equal(vg_monitor_min_open_seq(m), 2);
    assert_null(vg_monitor_open_report(m, &err));
    w = take(m, &n);
    assert_int_equal(n, 1);
    assert_int_equal(vg_monitor_min_open_seq(m), UINT64_MAX);
    assert_int_equal(w[0]->key, T0 + HOUR);
    /* drift against the previous window is there */
    rep = json_loads(w[0]->report_json, 0, NULL);
    assert_true(json_is_object(json_object_get(json_object_get(rep, "drift"), "previous")));
    json_decref(rep);
    free_windows(w, n);
    vg_monitor_free(m);
}

static void test_count_windows(void **state) {
    (void)state;
    vg_monitor *m = new_monitor("{\"name\": \"c\", \"task\": \"regression\", \"features\": "
                                "[{\"name\": \"x\", \"type\": \"numeric\"}], \"window\": "
                                "{\"count\": 4}}");
    vg_error err;
    char body[4096];
    size_t o = 0;
    for (int i = 0; i < 10; i++)
        o += (size_t)snprintf(body + o, sizeof body - o,
                              "{\"id\": %d, \"timestamp\": %d, \"features\": {\"x\": %d}, "
                              "\"prediction\": %d}\n",
                              i, 1000 + i, i, i * 2);
    assert_int_equal(feed(m, body, T0, 1, 0, NULL), 0);
    assert_int_equal(vg_monitor_advance(m, T0, 0, &err), 2);
    size_t n;
    vg_window **w = take(m, &n);
    assert_int_equal(n, 2);
    assert_int_equal(w[0]->key, 0);
    assert_int_equal(w[1]->key, 1);
    assert_int_equal(w[0]->rows, 4);
    assert_int_equal(w[0]->start_ms, 1000000);
    assert_int_equal(w[0]->end_ms, 1003000);
    assert_int_equal(w[1]->start_ms, 1004000);
    free_windows(w, n);
    vg_monitor_stats st;
    vg_monitor_get_stats(m, &st);
    assert_int_equal(st.open_rows, 2);
    assert_int_equal(vg_monitor_advance(m, T0, 1, &err), 1);
    w = take(m, &n);
    assert_int_equal(n, 1);
    assert_int_equal(w[0]->key, 2);
    assert_int_equal(w[0]->rows, 2);
    free_windows(w, n);
    /* after a flush the next record opens the next window */
    assert_int_equal(
        feed(m, "{\"id\": 99, \"features\": {\"x\": 1}, \"prediction\": 1}", T0, 2, 0, NULL), 0);
    vg_monitor_get_stats(m, &st);
    assert_int_equal(st.open_rows, 1);
    assert_int_equal(st.records_late, 0);
    assert_int_equal(vg_monitor_advance(m, T0, 1, &err), 1);
    w = take(m, &n);
    assert_int_equal(w[0]->key, 3);
    free_windows(w, n);
    vg_monitor_free(m);
}

/* ---- label join ------------------------------------------------------------------------------ */

static void test_label_join(void **state) {
    (void)state;
    vg_monitor *m = new_monitor(SPEC);
    vg_error err;
    /* a label waiting for its prediction */
    assert_int_equal(feed(m, "{\"id\": \"p3\", \"label\": 1}", T0, 1, 1, NULL), 0);
    assert_int_equal(vg_monitor_min_open_seq(m), 1);
    char body[4096];
    size_t o = 0;
    for (int i = 0; i < 6; i++) {
        char id[8];
        snprintf(id, sizeof id, "p%d", i);
        char *r = record(id, T0 + i * 1000, 30 + i, "north", i < 3 ? 0.8 : 0.2, NULL);
        o += (size_t)snprintf(body + o, sizeof body - o, "%s\n", r);
        free(r);
    }
    assert_int_equal(feed(m, body, T0, 2, 0, NULL), 0);
    /* labels for open rows (one also for the waiting one's window) */
    assert_int_equal(feed(m,
                          "{\"id\": \"p0\", \"label\": 1}\n{\"id\": \"p1\", \"label\": 0}\n"
                          "{\"id\": \"nobody\", \"label\": 0}",
                          T0, 3, 1, NULL),
                     0);
    vg_monitor_stats st;
    vg_monitor_get_stats(m, &st);
    assert_int_equal(st.labels_received, 4);
    assert_int_equal(st.labels_matched, 3);
    /* the waiting label's seq (1) stays in the journal with the window that took it */
    assert_int_equal(vg_monitor_min_open_seq(m), 1);
    assert_int_equal(vg_monitor_advance(m, T0, 1, &err), 1);
    size_t n;
    vg_window **w = take(m, &n);
    assert_int_equal(n, 1);
    assert_int_equal(w[0]->labelled, 3);
    assert_int_equal(w[0]->revision, 1);
    /* accuracy at threshold 0.5: p0 (0.8, 1) right, p1 (0.8, 0) wrong, p3 (0.2, 1) wrong */
    json_t *rep = json_loads(w[0]->report_json, 0, NULL);
    json_t *cls = json_object_get(json_object_get(rep, "performance"), "classification");
    assert_non_null(cls);
    double acc = json_number_value(json_object_get(cls, "accuracy"));
    assert_true(fabs(acc - 1.0 / 3) < 1e-12);
    json_decref(rep);
    /* the label column of the profile holds the labels joined by close */
    int lc = vg_profile_find_column(w[0]->profile, "label", 5);
    assert_true(lc >= 0);
    assert_int_equal(vg_column_count(w[0]->profile->cols[lc]), 3);
    assert_int_equal(w[0]->profile->cols[lc]->missing, 3);
    free_windows(w, n);

    /* late labels for the closed window: re-emitted as revision 2 with the model recomputed */
    assert_int_equal(
        feed(m, "{\"id\": \"p4\", \"label\": 0}\n{\"id\": \"p5\", \"label\": 0}", T0, 4, 1, NULL),
        0);
    /* pinned by the label of "nobody" (seq 3) and the unsent revision (seq 4) */
    assert_int_equal(vg_monitor_min_open_seq(m), 3);
    w = take(m, &n);
    assert_int_equal(n, 1);
    assert_int_equal(w[0]->key, T0);
    assert_int_equal(w[0]->revision, 2);
    assert_int_equal(w[0]->labelled, 5);
    rep = json_loads(w[0]->report_json, 0, NULL);
    cls = json_object_get(json_object_get(rep, "performance"), "classification");
    acc = json_number_value(json_object_get(cls, "accuracy"));
    assert_true(fabs(acc - 3.0 / 5) < 1e-12);
    assert_int_equal(
        json_integer_value(json_object_get(json_object_get(rep, "window"), "revision")), 2);
    json_decref(rep);
    free_windows(w, n);
    /* handed over: only the label still waiting for "nobody" (seq 3) pins the journal */
    assert_int_equal(vg_monitor_min_open_seq(m), 3);
    /* the same label again changes nothing */
    assert_int_equal(feed(m, "{\"id\": \"p4\", \"label\": 0}", T0, 5, 1, NULL), 0);
    w = take(m, &n);
    assert_int_equal(n, 0);
    free(w);
    vg_monitor_get_stats(m, &st);
    assert_int_equal(st.labels_late, 3);
    assert_int_equal(st.labels_unmatched, 0);
    /* the label for "nobody" expires after the TTL (1 day) */
    assert_int_equal(vg_monitor_advance(m, T0 + 86400000 - 1, 0, &err), 0);
    vg_monitor_get_stats(m, &st);
    assert_int_equal(st.labels_unmatched, 0);
    assert_int_equal(vg_monitor_advance(m, T0 + 86400000, 0, &err), 0);
    vg_monitor_get_stats(m, &st);
    assert_int_equal(st.labels_unmatched, 1);
    assert_int_equal(st.join_pending, 0);
    vg_monitor_free(m);
}

static void test_join_bounded(void **state) {
    (void)state;
    /* max_join 8: the 9th waiting label evicts the oldest, which counts as unmatched */
    vg_monitor *m = new_monitor("{\"name\": \"j\", \"task\": \"binary\", \"max_join\": 8, "
                                "\"features\": [{\"name\": \"x\", \"type\": \"numeric\"}]}");
    char body[2048];
    size_t o = 0;
    for (int i = 0; i < 20; i++)
        o += (size_t)snprintf(body + o, sizeof body - o, "{\"id\": %d, \"label\": 1}\n", i);
    assert_int_equal(feed(m, body, T0, 1, 1, NULL), 0);
    vg_monitor_stats st;
    vg_monitor_get_stats(m, &st);
    assert_int_equal(st.join_pending, 8);
    assert_int_equal(st.labels_unmatched, 12);
    /* the newest 8 (ids 12..19) still join */
    assert_int_equal(feed(m,
                          "{\"id\": 19, \"timestamp\": 0, \"features\": {\"x\": 1}, "
                          "\"prediction\": 0.9}\n{\"id\": 3, \"timestamp\": 0, \"features\": "
                          "{\"x\": 1}, \"prediction\": 0.9}",
                          T0, 2, 0, NULL),
                     0);
    vg_monitor_get_stats(m, &st);
    assert_int_equal(st.labels_matched, 1);
    vg_monitor_free(m);
}

/* ---- journal and replay ---------------------------------------------------------------------- */

static void test_encode_replay(void **state) {
    (void)state;
    vg_monitor *a = new_monitor(SPEC), *b = new_monitor(SPEC);
    vg_error err;
    uint64_t rng = 7;
    unsigned char *enc[6];
    size_t enc_len[6];
    /* six batches across two hours, with labels in between */
    for (int k = 0; k < 6; k++) {
        char body[16384];
        size_t o = 0;
        int labels = k == 3;
        for (int i = 0; i < 30; i++) {
            char id[16];
            snprintf(id, sizeof id, "r%d_%d", k < 3 ? k : k - 1, i);
            if (labels) {
                o += (size_t)snprintf(body + o, sizeof body - o,
                                      "{\"id\": \"r1_%d\", \"label\": %d}\n", i, i % 2);
                continue;
            }
            int64_t ts = T0 + (int64_t)(k * 25 + i * 0.5) * 60000;
            char *r = record(id, ts, 20 + 40 * t_uniform(&rng), i % 3 ? "north" : "south",
                             t_uniform(&rng), i % 4 == 0 ? "1" : NULL);
            o += (size_t)snprintf(body + o, sizeof body - o, "%s\n", r);
            free(r);
        }
        vg_monitor_batch *bt;
        vg_monitor_rejects rj = {0};
        int rc = labels ? vg_monitor_parse_labels(a, body, o, T0, &bt, &rj, &err)
                        : vg_monitor_parse_predictions(a, body, o, T0, &bt, &rj, &err);
        assert_int_equal(rc, VG_OK);
        assert_int_equal(rj.n, 0);
        assert_int_equal(vg_monitor_apply(a, bt, (uint64_t)k + 1, 0, &err), VG_OK);
        assert_int_equal(vg_monitor_batch_encode(bt, &enc[k], &enc_len[k], &err), VG_OK);
        vg_monitor_batch_free(bt);
        assert_true(vg_monitor_advance(a, T0, 0, &err) >= 0);
    }
    /* the batch decodes to the same bytes */
    vg_monitor_batch *d;
    assert_int_equal(vg_monitor_batch_decode(b, enc[0], enc_len[0], &d, &err), VG_OK);
    unsigned char *again;
    size_t again_len;
    assert_int_equal(vg_monitor_batch_encode(d, &again, &again_len, &err), VG_OK);
    assert_int_equal(again_len, enc_len[0]);
    assert_memory_equal(again, enc[0], again_len);
    free(again);
    vg_monitor_batch_free(d);
    /* corrupted bytes: VG_ERR_FORMAT, never a crash */
    for (size_t i = 0; i < enc_len[1]; i += 7) {
        unsigned char *c = malloc(enc_len[1]);
        memcpy(c, enc[1], enc_len[1]);
        c[i] ^= 0x5a;
        d = NULL;
        assert_int_equal(vg_monitor_batch_decode(b, c, enc_len[1], &d, &err), VG_ERR_FORMAT);
        assert_null(d);
        assert_int_equal(vg_monitor_batch_decode(b, c, i, &d, &err), VG_ERR_FORMAT);
        free(c);
    }

    /* monitor a persisted its closed windows; b restarts from them and replays everything */
    size_t n;
    vg_window **wa = take(a, &n);
    assert_true(n >= 1);
    for (size_t i = 0; i < n; i++)
        if (vg_monitor_restore_window(b, wa[i], &err) != VG_OK)
            fail_msg("restore: %s", err.msg);
    for (int k = 0; k < 6; k++) {
        assert_int_equal(vg_monitor_batch_decode(b, enc[k], enc_len[k], &d, &err), VG_OK);
        assert_int_equal(vg_monitor_apply(b, d, (uint64_t)k + 1, 1, &err), VG_OK);
        vg_monitor_batch_free(d);
        free(enc[k]);
    }
    vg_monitor_stats sa, sb;
    vg_monitor_get_stats(a, &sa);
    vg_monitor_get_stats(b, &sb);
    assert_int_equal(sa.open_rows, sb.open_rows);
    assert_int_equal(sa.watermark_ms, sb.watermark_ms);
    assert_int_equal(vg_monitor_min_open_seq(a), vg_monitor_min_open_seq(b));
    /* the open windows close the same in both */
    assert_int_equal(vg_monitor_advance(a, T0, 1, &err), vg_monitor_advance(b, T0, 1, &err));
    size_t na, nb;
    vg_window **xa = take(a, &na), **xb = take(b, &nb);
    assert_int_equal(na, nb);
    for (size_t i = 0; i < na; i++) {
        assert_int_equal(xa[i]->key, xb[i]->key);
        assert_int_equal(xa[i]->rows, xb[i]->rows);
        assert_int_equal(xa[i]->labelled, xb[i]->labelled);
        assert_string_equal(xa[i]->report_json, xb[i]->report_json);
        assert_int_equal(xa[i]->rows_blob_len, xb[i]->rows_blob_len);
        assert_memory_equal(xa[i]->rows_blob, xb[i]->rows_blob, xa[i]->rows_blob_len);
    }
    free_windows(xa, na);
    free_windows(xb, nb);
    free_windows(wa, n);
    vg_monitor_free(a);
    vg_monitor_free(b);
}

/* ---- report numbers -------------------------------------------------------------------------- */

static const vg_metric_sample *find_sample(const vg_window *w, const char *name,
                                           const char *labels) {
    for (size_t i = 0; i < w->n_metrics; i++)
        if (strcmp(w->metrics[i].name, name) == 0 && strcmp(w->metrics[i].labels, labels) == 0)
            return &w->metrics[i];
    return NULL;
}

static void test_report_numbers(void **state) {
    (void)state;
    vg_monitor *m = new_monitor(SPEC);
    vg_error err;
    uint64_t rng = 11;
    /* reference: a CSV with the features, prediction and label */
    char *csv = malloc(200000);
    size_t o = (size_t)sprintf(csv, "age,region,vip,note,prediction,label\n");
    for (int i = 0; i < 400; i++) {
        double age = 40 + 10 * t_normal(&rng), p = t_uniform(&rng);
        o += (size_t)sprintf(csv + o, "%.6f,%s,%s,hello,%.6f,%d\n", age, i % 3 ? "north" : "south",
                             i % 2 ? "true" : "false", p, t_uniform(&rng) < p);
    }
    char *path = t_tempfile(".csv", csv, o);
    assert_int_equal(vg_monitor_set_reference_file(m, path, &err), VG_OK);
    assert_non_null(vg_monitor_reference(m));
    /* the window: shifted ages, a new region, and labels */
    vg_profile *direct = vg_profile_new(NULL, &err);
    const char *names[] = {"age", "region", "vip", "note", "prediction", "label"};
    for (int j = 0; j < 6; j++)
        assert_true(vg_profile_add_column(direct, names[j], strlen(names[j]), &err) >= 0);
    char *body = malloc(200000);
    size_t bo = 0;
    int right = 0, total = 0;
    for (int i = 0; i < 200; i++) {
        double age = 50 + 10 * t_normal(&rng), p = t_uniform(&rng);
        const char *region = i % 5 == 0 ? "east" : i % 3 ? "north" : "south";
        int y = t_uniform(&rng) < p;
        char agetxt[40], ptxt[40];
        snprintf(agetxt, sizeof agetxt, "%.6f", age);
        snprintf(ptxt, sizeof ptxt, "%.6f", p);
        bo += (size_t)sprintf(body + bo,
                              "{\"id\": %d, \"timestamp\": \"2026-01-01T10:%02d:00Z\", "
                              "\"features\": {\"age\": %s, \"region\": \"%s\", \"vip\": %s}, "
                              "\"prediction\": %s, \"label\": %d}\n",
                              i, i % 60, agetxt, region, i % 2 ? "true" : "false", ptxt, y);
        const char *cells[6] = {agetxt, region, i % 2 ? "true" : "false", "", ptxt, y ? "1" : "0"};
        for (int j = 0; j < 6; j++)
            vg_profile_add_text(direct, (size_t)j, cells[j], strlen(cells[j]));
        vg_profile_end_rows(direct, 1);
        right += (p >= 0.5) == y;
        total++;
    }
    assert_int_equal(feed(m, body, T0, 1, 0, NULL), 0);
    assert_int_equal(vg_monitor_advance(m, T0, 1, &err), 1);
    size_t n;
    vg_window **w = take(m, &n);
    assert_int_equal(n, 1);
    json_t *rep = json_loads(w[0]->report_json, 0, NULL);
    assert_non_null(rep);
    assert_string_equal(json_string_value(json_object_get(rep, "model")), "credit");
    assert_string_equal(json_string_value(json_object_get(rep, "task")), "binary");

    /* drift equals vg_compare_profiles on a profile built directly from the same rows */
    vg_compare_options co;
    vg_compare_options_default(&co);
    vg_compare_role roles[2] = {{"prediction", VG_ROLE_PREDICTION}, {"label", VG_ROLE_TARGET}};
    const char *ignore[] = {"note"};
    co.roles = roles;
    co.n_roles = 2;
    co.ignore = ignore;
    co.n_ignore = 1;
    vg_compare_result *cr;
    assert_int_equal(vg_compare_profiles(vg_monitor_reference(m), direct, &co, &cr, &err), VG_OK);
    json_t *dref = json_object_get(json_object_get(rep, "drift"), "reference");
    assert_non_null(dref);
    json_t *dd = json_object_get(dref, "drift");
    for (size_t i = 0; i < cr->ncols; i++) {
        const vg_compare_column *c = &cr->cols[i];
        json_t *col = c->role ? json_object_get(dd, c->role)
                              : json_object_get(json_object_get(dd, "columns"), c->name);
        assert_non_null(col);
        assert_string_equal(json_string_value(json_object_get(col, "method")), c->method);
        double stat = json_number_value(json_object_get(col, "statistic"));
        assert_true(fabs(stat - c->statistic) <= 1e-12 * (1 + fabs(c->statistic)));
        char labels[200];
        snprintf(labels, sizeof labels, "baseline=\"reference\",feature=\"%s\",method=\"%s\"",
                 c->name, c->method);
        const vg_metric_sample *s = find_sample(w[0], "drift_score", labels);
        assert_non_null(s);
        assert_true(fabs(s->value - c->statistic) <= 1e-12 * (1 + fabs(c->statistic)));
    }
    assert_int_equal(json_is_true(json_object_get(dd, "dataset_drift")), cr->dataset_drift);
    const vg_metric_sample *s = find_sample(w[0], "drift_share", "baseline=\"reference\"");
    assert_non_null(s);
    assert_true(fabs(s->value - cr->share_drifted) < 1e-12);
    vg_compare_result_free(cr);

    /* quality: east is unseen in 40 of 200 rows; note is missing everywhere */
    json_t *q = json_object_get(rep, "quality");
    json_t *qr = json_object_get(q, "region");
    assert_int_equal(json_integer_value(json_object_get(qr, "unseen_categories")), 1);
    assert_true(fabs(json_number_value(json_object_get(qr, "unseen_share")) - 0.2) < 1e-12);
    s = find_sample(w[0], "unseen_category_share", "feature=\"region\"");
    assert_non_null(s);
    assert_true(fabs(s->value - 0.2) < 1e-12);
    s = find_sample(w[0], "missing_share", "feature=\"note\"");
    assert_non_null(s);
    assert_true(s->value == 1.0);
    assert_non_null(find_sample(w[0], "out_of_range_share", "feature=\"age\""));
    assert_false(json_is_true(json_object_get(json_object_get(q, "age"), "type_changed")));

    /* model: accuracy at 0.5 counted by hand */
    json_t *cls = json_object_get(json_object_get(rep, "performance"), "classification");
    double acc = json_number_value(json_object_get(cls, "accuracy"));
    assert_true(fabs(acc - (double)right / total) < 1e-12);
    s = find_sample(w[0], "model_metric", "metric=\"accuracy\"");
    assert_non_null(s);
    assert_true(fabs(s->value - (double)right / total) < 1e-12);
    assert_non_null(find_sample(w[0], "model_metric", "metric=\"roc_auc\""));
    assert_non_null(find_sample(w[0], "window_rows", ""));
    /* fairness by region, and the CBPE estimate from the labelled reference */
    assert_non_null(find_sample(w[0], "fairness_difference",
                                "attribute=\"region\",group=\"east\",metric=\"selection_rate\""));
    assert_true(json_is_object(json_object_get(rep, "estimated")));
    assert_non_null(find_sample(w[0], "estimated_metric", "metric=\"accuracy\""));
    size_t nl;
    const vg_metric_sample *last = vg_monitor_last_metrics(m, &nl);
    assert_int_equal(nl, w[0]->n_metrics);
    assert_memory_equal(last, w[0]->metrics, nl * sizeof *last);

    json_decref(rep);
    free_windows(w, n);
    vg_profile_free(direct);
    unlink(path);
    free(path);
    free(csv);
    free(body);
    vg_monitor_free(m);
}

/* A batch parsed before a window closed (the daemon parses without the model's lock): recheck
 * moves its records of the now closed window to the rejects, with their index in the body and
 * their text, and the rest encodes, decodes and applies as if parse had rejected them. */
static void test_recheck(void **state) {
    (void)state;
    vg_monitor *m = new_monitor(SPEC);
    vg_error err;
    char *r = record("a0", T0 + 60000, 40, "north", 0.5, NULL);
    assert_int_equal(feed(m, r, T0, 1, 0, NULL), 0);
    free(r);
    /* nothing closed yet: recheck of anything is a no-op */
    char *k0 = record("k0", T0 + HOUR + 10 * 60000, 41, "north", 0.2, NULL);
    char *l1 = record("late1", T0 + 30 * 60000, 42, "south", 0.3, NULL);
    char *k1 = record("k1", T0 + HOUR + 20 * 60000, 43, "south", 0.4, NULL);
    char *l2 = record("late2", T0 + 59 * 60000, 44, "north", 0.6, NULL);
    const char *bad = "{\"id\": \"x\", \"features\": {\"region\": \"north\"}, \"prediction\": 0.5}";
    char body[4096];
    /* index 5 has no timestamp: its event time is its arrival, T0 at parse */
    const char *arr = "{\"id\": \"arr\", \"features\": {\"age\": 46}, \"prediction\": 0.1}";
    snprintf(body, sizeof body, "%s\n%s\n%s\n%s\n%s\n%s\n", k0, bad, l1, k1, l2, arr);
    free(k0);
    free(l1);
    free(k1);
    free(l2);
    vg_monitor_batch *b = NULL;
    vg_monitor_rejects rj = {0};
    assert_int_equal(vg_monitor_parse_predictions(m, body, strlen(body), T0, &b, &rj, &err), VG_OK);
    assert_int_equal(vg_monitor_batch_size(b), 5);
    assert_int_equal(rj.n, 1);
    assert_int_equal(vg_monitor_recheck(m, b, &rj, &err), VG_OK);
    assert_int_equal(vg_monitor_batch_size(b), 5);
    assert_int_equal(rj.n, 1);

    /* meanwhile another batch moves the watermark to 11:06: window 10:00 closes */
    r = record("w", T0 + HOUR + 6 * 60000, 45, "north", 0.7, NULL);
    assert_int_equal(feed(m, r, T0, 2, 0, NULL), 0);
    free(r);
    assert_int_equal(vg_monitor_advance(m, T0, 0, &err), 1);
    size_t nw;
    vg_window **w = take(m, &nw);
    assert_int_equal(nw, 1);
    assert_int_equal(w[0]->rows, 1);
    free_windows(w, nw);

    /* under the lock: "arr" arrives now (11:07), so it is not late; the others are */
    vg_monitor_batch_restamp(b, T0 + HOUR + 7 * 60000);
    assert_int_equal(vg_monitor_recheck(m, b, &rj, &err), VG_OK);
    assert_int_equal(vg_monitor_batch_size(b), 3);
    assert_int_equal(rj.n, 3);
    expect_reject(&rj, 0, 1, "features.age", "required");
    expect_reject(&rj, 1, 2, "timestamp", "late: window 2026-01-01T10:00:00Z closed");
    expect_reject(&rj, 2, 4, "timestamp", "late: window 2026-01-01T10:00:00Z closed");
    assert_non_null(strstr(rj.items[1].record, "\"late1\""));
    assert_non_null(strstr(rj.items[2].record, "\"late2\""));
    assert_int_equal(strncmp(rj.items[1].reason, "late", 4), 0);
    /* a second recheck finds nothing more */
    assert_int_equal(vg_monitor_recheck(m, b, &rj, &err), VG_OK);
    assert_int_equal(vg_monitor_batch_size(b), 3);
    assert_int_equal(rj.n, 3);

    /* the compacted batch round-trips through the journal codec, before and after apply */
    unsigned char *e1 = NULL, *e2 = NULL;
    size_t n1, n2;
    vg_monitor_batch *d = NULL;
    assert_int_equal(vg_monitor_batch_encode(b, &e1, &n1, &err), VG_OK);
    assert_int_equal(vg_monitor_batch_decode(m, e1, n1, &d, &err), VG_OK);
    assert_int_equal(vg_monitor_batch_size(d), 3);
    assert_int_equal(vg_monitor_batch_encode(d, &e2, &n2, &err), VG_OK);
    assert_int_equal(n1, n2);
    assert_memory_equal(e1, e2, n1);
    free(e1);
    free(e2);
    vg_monitor_batch_free(d);
    d = NULL;
    assert_int_equal(vg_monitor_apply(m, b, 3, 0, &err), VG_OK);
    assert_int_equal(vg_monitor_batch_encode(b, &e1, &n1, &err), VG_OK);
    assert_int_equal(vg_monitor_batch_decode(m, e1, n1, &d, &err), VG_OK);
    assert_int_equal(vg_monitor_batch_encode(d, &e2, &n2, &err), VG_OK);
    assert_int_equal(n1, n2);
    assert_memory_equal(e1, e2, n1);
    free(e1);
    free(e2);
    vg_monitor_batch_free(b);

    /* apply saw no late record: the three kept joined window 11:00 with "w" */
    vg_monitor_stats st;
    vg_monitor_get_stats(m, &st);
    assert_int_equal(st.records_accepted, 5);
    assert_int_equal(st.records_late, 0);
    assert_int_equal(st.open_rows, 4);
    /* the decoded batch replays into a fresh monitor restored after window 10:00 as the
     * original did: the same three records, the same features (cells moved with them) */
    vg_monitor *m2 = new_monitor(SPEC);
    assert_int_equal(vg_monitor_apply(m2, d, 3, 1, &err), VG_OK);
    vg_monitor_batch_free(d);
    assert_int_equal(vg_monitor_advance(m2, T0, 1, &err), 1);
    w = take(m2, &nw);
    assert_int_equal(nw, 1);
    assert_int_equal(w[0]->key, T0 + HOUR);
    assert_int_equal(w[0]->rows, 3);
    const vg_profile *p = w[0]->profile;
    assert_int_equal(p->rows, 3);
    const vg_column *age = NULL;
    for (size_t j = 0; j < p->ncols; j++)
        if (!strcmp(p->cols[j]->name, "age"))
            age = p->cols[j];
    assert_non_null(age);
    assert_int_equal(vg_column_count(age), 3);
    /* k0, k1 and arr, not 42 or 44: the cells moved with their records */
    assert_true(age->moments.min == 41 && age->moments.max == 46);
    assert_true(vg_moments_mean(&age->moments) > 43.33 && vg_moments_mean(&age->moments) < 43.34);
    free_windows(w, nw);
    vg_monitor_free(m2);

    /* labels are never late: nothing to recheck */
    const char *lb = "{\"id\": \"late1\", \"label\": 1}\n";
    vg_monitor_rejects lr = {0};
    assert_int_equal(vg_monitor_parse_labels(m, lb, strlen(lb), T0, &b, &lr, &err), VG_OK);
    assert_int_equal(vg_monitor_recheck(m, b, &lr, &err), VG_OK);
    assert_int_equal(vg_monitor_batch_size(b), 1);
    assert_int_equal(lr.n, 0);
    vg_monitor_batch_free(b);
    vg_monitor_rejects_free(&rj);
    vg_monitor_free(m);
}

/* Parse runs without the caller's lock, concurrently with apply and advance (monitor.h,
 * Threads): a thread parses a record of window 10:00 over and over while this one applies
 * batches that close windows. Once parse has seen window 10:00 closed it never accepts the
 * record again (the closed key only grows), and a batch it parsed before the close is caught
 * by recheck. Run under ThreadSanitizer this is also the data-race check of the parse path. */
typedef struct parse_race {
    vg_monitor *m;
    const char *body;
    atomic_int stop;
    int accepted, late, regressed, failed;
} parse_race;

static void *parse_race_thread(void *arg) {
    parse_race *pr = arg;
    int seen_late = 0;
    while (!atomic_load(&pr->stop)) {
        vg_monitor_batch *b = NULL;
        vg_monitor_rejects rj = {0};
        vg_error err;
        if (vg_monitor_parse_predictions(pr->m, pr->body, strlen(pr->body), T0, &b, &rj, &err) !=
            VG_OK) {
            pr->failed++;
            break;
        }
        if (vg_monitor_batch_size(b) == 1) {
            pr->accepted++;
            if (seen_late)
                pr->regressed++;
        } else if (rj.n == 1 && !strncmp(rj.items[0].reason, "late", 4)) {
            pr->late++;
            seen_late = 1;
        } else {
            pr->failed++;
        }
        vg_monitor_batch_free(b);
        vg_monitor_rejects_free(&rj);
    }
    return NULL;
}

static void test_parse_concurrent(void **state) {
    (void)state;
    vg_monitor *m = new_monitor(SPEC);
    vg_error err;
    char *early = record("e", T0 + 60000, 40, "north", 0.5, NULL);
    vg_monitor_batch *pre = NULL;
    vg_monitor_rejects prj = {0};
    assert_int_equal(vg_monitor_parse_predictions(m, early, strlen(early), T0, &pre, &prj, &err),
                     VG_OK);
    assert_int_equal(vg_monitor_batch_size(pre), 1);
    parse_race pr = {m, early, 0, 0, 0, 0, 0};
    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, parse_race_thread, &pr), 0);
    int closed = 0;
    for (int i = 0; i < 200; i++) {
        char id[16];
        snprintf(id, sizeof id, "r%d", i);
        /* a record every 30 minutes of event time: a window closes every other batch */
        int64_t ts = T0 + 10 * 60000 + i * HOUR / 2; /* arriving now */
        char *r = record(id, ts, 30, "south", 0.5, NULL);
        size_t rejected = feed(m, r, ts, (uint64_t)i + 1, 0, NULL);
        free(r);
        int n = vg_monitor_advance(m, ts, 0, &err);
        if (rejected || n < 0) {
            atomic_store(&pr.stop, 1); /* a failed assertion must not leave the thread running */
            pthread_join(th, NULL);
            fail_msg("batch %d: %zu rejected, advance %d", i, rejected, n);
        }
        closed += n;
        size_t nw;
        vg_window **w = take(m, &nw);
        free_windows(w, nw);
    }
    atomic_store(&pr.stop, 1);
    pthread_join(th, NULL);
    assert_true(closed >= 90);
    assert_int_equal(pr.failed, 0);
    assert_int_equal(pr.regressed, 0);
    assert_true(pr.late > 0); /* the last parses, at least, saw window 10:00 closed */
    /* the batch parsed before any window closed: recheck makes its record a late reject */
    assert_int_equal(vg_monitor_recheck(m, pre, &prj, &err), VG_OK);
    assert_int_equal(vg_monitor_batch_size(pre), 0);
    assert_int_equal(prj.n, 1);
    expect_reject(&prj, 0, 0, "timestamp", "late: window 2026-01-01T10:00:00Z closed");
    vg_monitor_batch_free(pre);
    vg_monitor_rejects_free(&prj);
    free(early);
    vg_monitor_free(m);
}

static void test_restore_late_label(void **state) {
    (void)state;
    vg_monitor *a = new_monitor(SPEC);
    vg_error err;
    char body[2048];
    size_t o = 0;
    for (int i = 0; i < 4; i++) {
        char id[8];
        snprintf(id, sizeof id, "q%d", i);
        char *r = record(id, T0 + i * 1000, 30 + i, "north", i % 2 ? 0.9 : 0.1, i < 2 ? "1" : NULL);
        o += (size_t)snprintf(body + o, sizeof body - o, "%s\n", r);
        free(r);
    }
    assert_int_equal(feed(a, body, T0, 1, 0, NULL), 0);
    assert_int_equal(vg_monitor_advance(a, T0, 1, &err), 1);
    size_t n;
    vg_window **w = take(a, &n);
    assert_int_equal(n, 1);
    assert_int_equal(w[0]->labelled, 2);
    /* a new monitor from the persisted window: a late label still joins it */
    vg_monitor *b = new_monitor(SPEC);
    assert_int_equal(vg_monitor_restore_window(b, w[0], &err), VG_OK);
    assert_int_equal(vg_monitor_restore_window(b, w[0], &err), VG_ERR_INVALID);
    size_t nl;
    assert_non_null(vg_monitor_last_metrics(b, &nl));
    assert_int_equal(nl, w[0]->n_metrics);
    /* its records are now late */
    vg_monitor_rejects rj;
    char *r = record("z", T0 + 5000, 30, "north", 0.5, NULL);
    assert_int_equal(feed(b, r, T0, 2, 0, &rj), 1);
    free(r);
    expect_reject(&rj, 0, 0, "timestamp", "late");
    vg_monitor_rejects_free(&rj);
    assert_int_equal(feed(b, "{\"id\": \"q3\", \"label\": 1}", T0, 3, 1, NULL), 0);
    vg_window **w2 = take(b, &n);
    assert_int_equal(n, 1);
    assert_int_equal(w2[0]->key, w[0]->key);
    assert_int_equal(w2[0]->revision, 2);
    assert_int_equal(w2[0]->labelled, 3);
    assert_int_equal(w2[0]->rows, 4);
    json_t *rep = json_loads(w2[0]->report_json, 0, NULL);
    json_t *cls = json_object_get(json_object_get(rep, "performance"), "classification");
    /* q0 (0.1, 1) wrong, q1 (0.9, 1) right, q3 (0.9, 1) right */
    assert_true(fabs(json_number_value(json_object_get(cls, "accuracy")) - 2.0 / 3) < 1e-12);
    json_decref(rep);
    free_windows(w2, n);
    free_windows(w, 1);
    vg_monitor_free(a);
    vg_monitor_free(b);
}

/* Reports computed as jobs, outside the monitor: the same report as take_windows gives, the
 * journal held until the caller confirms, the old reference alive while a job uses it, and a
 * job that outlives its monitor. */
static void feed_two_windows(vg_monitor *m) {
    char body[4096];
    size_t o = 0;
    for (int i = 0; i < 8; i++) {
        char id[8];
        snprintf(id, sizeof id, "j%d", i);
        char *r = record(id, T0 + i * 60000, 30 + 3 * i, i % 2 ? "north" : "south",
                         i % 3 ? 0.8 : 0.3, i < 4 ? (i % 2 ? "1" : "0") : NULL);
        o += (size_t)snprintf(body + o, sizeof body - o, "%s\n", r);
        free(r);
    }
    assert_int_equal(feed(m, body, T0, 1, 0, NULL), 0);
    char *r = record("k0", T0 + HOUR + 10 * 60000, 50, "north", 0.6, NULL);
    assert_int_equal(feed(m, r, T0, 2, 0, NULL), 0);
    free(r);
}

static void test_window_jobs(void **state) {
    (void)state;
    vg_error err;
    uint64_t rng = 5;
    char *csv = malloc(100000);
    size_t o = (size_t)sprintf(csv, "age,region,vip,note,prediction,label\n");
    for (int i = 0; i < 300; i++) {
        double p = t_uniform(&rng);
        o += (size_t)sprintf(csv + o, "%.6f,%s,false,x,%.6f,%d\n", 40 + 10 * t_normal(&rng),
                             i % 2 ? "north" : "south", p, t_uniform(&rng) < p);
    }
    char *path = t_tempfile(".csv", csv, o);
    vg_monitor *a = new_monitor(SPEC), *b = new_monitor(SPEC);
    assert_int_equal(vg_monitor_set_reference_file(a, path, &err), VG_OK);
    assert_int_equal(vg_monitor_set_reference_file(b, path, &err), VG_OK);
    feed_two_windows(a);
    feed_two_windows(b);
    assert_int_equal(vg_monitor_advance(a, T0, 0, &err), 1);
    assert_int_equal(vg_monitor_advance(b, T0, 0, &err), 1);
    size_t nb;
    vg_window **wb = take(b, &nb);
    assert_int_equal(nb, 1);

    vg_window_job **j1, **j2;
    size_t n1, n2;
    assert_int_equal(vg_monitor_take_jobs(a, &j1, &n1, &err), VG_OK);
    assert_int_equal(n1, 1);
    /* taken but not confirmed: the window's records (seq 1) stay in the journal */
    assert_int_equal(vg_monitor_min_open_seq(a), 1);
    /* nothing more to take meanwhile */
    assert_int_equal(vg_monitor_take_jobs(a, &j2, &n2, &err), VG_OK);
    assert_int_equal(n2, 0);
    /* a new reference while the job holds the old one (ASan: the old stays alive) */
    assert_int_equal(vg_monitor_set_reference_profile(a, wb[0]->profile, &err), VG_OK);
    /* a late label revises the window while the first job is out: a second job, revision 2 */
    assert_int_equal(feed(a, "{\"id\": \"j5\", \"label\": 1}", T0, 3, 1, NULL), 0);
    assert_int_equal(vg_monitor_take_jobs(a, &j2, &n2, &err), VG_OK);
    assert_int_equal(n2, 1);

    vg_window *w1 = NULL, *w2 = NULL;
    assert_int_equal(vg_window_job_run(j1[0], &w1, &err), VG_OK);
    assert_int_equal(vg_window_job_run(j1[0], &w2, &err), VG_ERR_INVALID); /* once */
    assert_null(w2);
    vg_window_job_free(j1[0]);
    free(j1);
    /* the same window, report and rows as take_windows gives */
    assert_int_equal(w1->key, T0);
    assert_int_equal(w1->revision, 1);
    assert_int_equal(w1->rows, 8);
    assert_int_equal(w1->labelled, 4);
    assert_string_equal(w1->report_json, wb[0]->report_json);
    assert_int_equal(w1->rows_blob_len, wb[0]->rows_blob_len);
    assert_memory_equal(w1->rows_blob, wb[0]->rows_blob, w1->rows_blob_len);
    assert_int_equal(w1->n_metrics, wb[0]->n_metrics);
    /* confirming the stale revision 1 releases nothing: revision 2 still needs seq 1 and 3 */
    vg_monitor_window_done(a, w1);
    assert_int_equal(vg_monitor_min_open_seq(a), 1);

    assert_int_equal(vg_window_job_run(j2[0], &w2, &err), VG_OK);
    vg_window_job_free(j2[0]);
    free(j2);
    assert_int_equal(w2->revision, 2);
    assert_int_equal(w2->labelled, 5);
    vg_monitor_window_done(a, w2);
    /* persisted: only the open window (seq 2) holds the journal */
    assert_int_equal(vg_monitor_min_open_seq(a), 2);
    size_t nl;
    const vg_metric_sample *last = vg_monitor_last_metrics(a, &nl);
    assert_int_equal(nl, w2->n_metrics);
    assert_memory_equal(last, w2->metrics, nl * sizeof *last);

    /* a job outlives its monitor; window T0, no longer the newest, is kept encoded and a late
     * label still revises it */
    assert_int_equal(vg_monitor_advance(a, T0, 1, &err), 1);
    assert_int_equal(feed(a, "{\"id\": \"j6\", \"label\": 0}", T0, 4, 1, NULL), 0);
    assert_int_equal(vg_monitor_take_jobs(a, &j1, &n1, &err), VG_OK);
    assert_int_equal(n1, 2);
    vg_monitor_free(a);
    vg_window *w3 = NULL, *w4 = NULL;
    assert_int_equal(vg_window_job_run(j1[0], &w4, &err), VG_OK);
    assert_int_equal(vg_window_job_run(j1[1], &w3, &err), VG_OK);
    vg_window_job_free(j1[0]);
    vg_window_job_free(j1[1]);
    free(j1);
    assert_int_equal(w4->key, T0);
    assert_int_equal(w4->revision, 3);
    assert_int_equal(w4->labelled, 6);
    assert_int_equal(w4->profile->rows, 8);
    assert_int_equal(w3->key, T0 + HOUR);
    json_t *rep = json_loads(w3->report_json, 0, NULL);
    assert_non_null(rep);
    json_t *drift = json_object_get(rep, "drift");
    assert_true(json_is_object(json_object_get(drift, "previous")));
    assert_true(json_is_object(json_object_get(drift, "reference")));
    json_decref(rep);
    rep = json_loads(w4->report_json, 0, NULL);
    drift = json_object_get(rep, "drift");
    assert_true(json_is_object(json_object_get(drift, "reference")));
    json_decref(rep);
    vg_window_free(w4);

    vg_window_free(w1);
    vg_window_free(w2);
    vg_window_free(w3);
    free_windows(wb, nb);
    vg_monitor_free(b);
    unlink(path);
    free(path);
    free(csv);
}

static void test_strings_and_caps(void **state) {
    (void)state;
    vg_monitor *m = new_monitor("{\"name\": \"s\", \"task\": \"binary\", \"max_join\": 3, "
                                "\"features\": [{\"name\": \"c\", \"type\": \"categorical\"}]}");
    vg_error err;
    const char body[] =
        "{\"id\": \"a\", \"features\": {\"c\": \"ok \\u00e9\"}, \"prediction\": 0.1}\n"
        "{\"id\": \"b\", \"features\": {\"c\": \"\xff\"}, \"prediction\": 0.1}\n"
        "{\"id\": \"c\", \"features\": {\"c\": \"x\\u0000y\"}, \"prediction\": 0.1}\n"
        "{\"id\": \"d\\ud800\", \"features\": {}, \"prediction\": 0.1}\n"
        "{\"id\": \"e\", \"features\": {}, \"prediction\": 0.1}\n"
        "{\"id\": \"f\", \"features\": {}, \"prediction\": 0.1}\n"
        "{\"id\": \"g\", \"features\": {}, \"prediction\": 0.1}\n";
    vg_monitor_rejects rj;
    assert_int_equal(feed(m, body, T0, 1, 0, &rj), 3);
    expect_reject(&rj, 0, 1, "features.c", "UTF-8");
    expect_reject(&rj, 1, 2, "features.c", "NUL");
    expect_reject(&rj, 2, 3, "id", "invalid string");
    vg_monitor_rejects_free(&rj);
    assert_int_equal(vg_monitor_advance(m, T0, 1, &err), 1);
    size_t n;
    vg_window **w = take(m, &n);
    /* 4 records; at most max_join (3) model rows, every record in the profile */
    assert_int_equal(w[0]->rows, 4);
    assert_int_equal(w[0]->profile->rows, 4);
    json_t *rep = json_loads(w[0]->report_json, 0, NULL);
    json_t *win = json_object_get(rep, "window");
    assert_int_equal(json_integer_value(json_object_get(win, "model_rows")), 3);
    assert_true(json_is_null(json_object_get(rep, "performance")));
    assert_non_null(
        strstr(json_string_value(json_object_get(rep, "performance_note")), "no labelled rows"));
    json_decref(rep);
    free_windows(w, n);
    vg_monitor_free(m);
}

static void test_regression_multiclass_metrics(void **state) {
    (void)state;
    vg_monitor *m = new_monitor("{\"name\": \"r\", \"task\": \"regression\", \"features\": "
                                "[{\"name\": \"x\", \"type\": \"numeric\"}]}");
    vg_error err;
    double y[] = {1, 2, 3, 4, 10}, p[] = {1.5, 2, 2, 5, 7};
    char body[2048];
    size_t o = 0;
    double se = 0, ae = 0;
    for (int i = 0; i < 5; i++) {
        o += (size_t)snprintf(body + o, sizeof body - o,
                              "{\"id\": %d, \"features\": {\"x\": %d}, \"prediction\": %g}\n", i, i,
                              p[i]);
        se += (y[i] - p[i]) * (y[i] - p[i]);
        ae += fabs(y[i] - p[i]);
    }
    assert_int_equal(feed(m, body, T0, 1, 0, NULL), 0);
    o = 0;
    for (int i = 0; i < 5; i++)
        o += (size_t)snprintf(body + o, sizeof body - o, "{\"id\": %d, \"label\": %g}\n", i, y[i]);
    assert_int_equal(feed(m, body, T0, 2, 1, NULL), 0);
    assert_int_equal(vg_monitor_advance(m, T0, 1, &err), 1);
    size_t n;
    vg_window **w = take(m, &n);
    const vg_metric_sample *s = find_sample(w[0], "model_metric", "metric=\"rmse\"");
    assert_non_null(s);
    assert_true(fabs(s->value - sqrt(se / 5)) < 1e-12);
    s = find_sample(w[0], "model_metric", "metric=\"mae\"");
    assert_non_null(s);
    assert_true(fabs(s->value - ae / 5) < 1e-12);
    free_windows(w, n);
    vg_monitor_free(m);

    m = new_monitor("{\"name\": \"mc\", \"task\": \"multiclass\", \"features\": "
                    "[{\"name\": \"x\", \"type\": \"numeric\"}]}");
    const char *mb =
        "{\"id\": 1, \"features\": {}, \"prediction\": \"a\", \"label\": \"a\"}\n"
        "{\"id\": 2, \"features\": {}, \"prediction\": {\"class\": \"b\"}, \"label\": \"c\"}\n"
        "{\"id\": 3, \"features\": {}, \"prediction\": \"c\", \"label\": \"c\"}\n"
        "{\"id\": 4, \"features\": {}, \"prediction\": \"b\", \"label\": \"b\"}\n";
    assert_int_equal(feed(m, mb, T0, 1, 0, NULL), 0);
    assert_int_equal(vg_monitor_advance(m, T0, 1, &err), 1);
    w = take(m, &n);
    s = find_sample(w[0], "model_metric", "metric=\"accuracy\"");
    assert_non_null(s);
    assert_true(fabs(s->value - 0.75) < 1e-12);
    free_windows(w, n);
    vg_monitor_free(m);
}

/* Corrupted journal bytes whose checksum is made valid again reach the structural checks: each
 * must decode to VG_ERR_FORMAT or to a batch that applies without harm. */
static void test_decode_structure(void **state) {
    (void)state;
    vg_monitor *m = new_monitor(SPEC);
    vg_error err;
    char *r1 = record("a", T0, 30, "north", 0.3, "1"),
         *r2 = record("b", T0 + 1, 31, "south", 0.6, NULL);
    char body[2048];
    snprintf(body, sizeof body, "%s\n%s\n", r1, r2);
    free(r1), free(r2);
    vg_monitor_batch *b;
    vg_monitor_rejects rj = {0};
    assert_int_equal(vg_monitor_parse_predictions(m, body, strlen(body), T0, &b, &rj, &err), VG_OK);
    assert_int_equal(vg_monitor_apply(m, b, 1, 0, &err), VG_OK);
    unsigned char *enc;
    size_t len;
    assert_int_equal(vg_monitor_batch_encode(b, &enc, &len, &err), VG_OK);
    vg_monitor_batch_free(b);
    uint64_t rng = 3;
    int format = 0, ok = 0;
    for (size_t i = 4; i + 4 < len; i++) {
        for (int k = 0; k < 3; k++) {
            unsigned char *c = malloc(len);
            memcpy(c, enc, len);
            c[i] = (unsigned char)(k == 0 ? c[i] ^ 0x80 : k == 1 ? 0xff : t_rand(&rng));
            uint32_t crc = (uint32_t)crc32(0L, c, (uInt)(len - 4));
            for (int q = 0; q < 4; q++)
                c[len - 4 + (size_t)q] = (unsigned char)(crc >> (8 * q));
            vg_monitor_batch *d = NULL;
            int rc = vg_monitor_batch_decode(m, c, len, &d, &err);
            if (rc == VG_OK) {
                ok++;
                vg_monitor *fresh = new_monitor(SPEC);
                rc = vg_monitor_apply(fresh, d, 2, 1, &err);
                assert_true(rc == VG_OK || rc == VG_ERR_NOMEM);
                vg_monitor_advance(fresh, T0, 1, &err);
                size_t n;
                vg_window **w = NULL;
                if (vg_monitor_take_windows(fresh, &w, &n, &err) == VG_OK)
                    free_windows(w, n);
                vg_monitor_free(fresh);
                vg_monitor_batch_free(d);
            } else {
                assert_int_equal(rc, VG_ERR_FORMAT);
                assert_null(d);
                format++;
            }
            free(c);
        }
    }
    assert_true(format > 0 && ok > 0);
    free(enc);

    /* a window's rows blob, corrupted, is refused by restore */
    assert_int_equal(vg_monitor_advance(m, T0, 1, &err), 1);
    size_t n;
    vg_window **w = take(m, &n);
    assert_int_equal(n, 1);
    w[0]->rows_blob[w[0]->rows_blob_len / 2] ^= 1;
    vg_monitor *other = new_monitor(SPEC);
    assert_int_equal(vg_monitor_restore_window(other, w[0], &err), VG_ERR_FORMAT);
    vg_monitor_free(other);
    free_windows(w, n);
    vg_monitor_free(m);
}

/* Mutated bodies never crash the parser: they fail whole or give records and rejects. */
static void test_parse_mutations(void **state) {
    (void)state;
    vg_monitor *m = new_monitor(SPEC);
    const char *base =
        "[{\"id\": \"a\\u00e9\", \"timestamp\": \"2026-01-01T10:00:00.5+01:00\", \"features\": "
        "{\"age\": -1.5e3, \"region\": \"n\", \"vip\": true, \"note\": \"x\\ny\"}, \"prediction\": "
        "{\"score\": 0.25}, \"label\": true, \"metadata\": {\"k\": [1, {\"z\": null}]}}]";
    size_t len = strlen(base);
    uint64_t rng = 5;
    char *buf = malloc(len + 1);
    for (int it = 0; it < 3000; it++) {
        memcpy(buf, base, len + 1);
        size_t cut = len;
        for (int k = 0; k < 1 + (int)(t_rand(&rng) % 3); k++)
            buf[t_rand(&rng) % len] = "{}[]\",:\\0aeE.-+ \n\x80"[t_rand(&rng) % 19];
        if (it % 5 == 0)
            cut = t_rand(&rng) % len;
        vg_monitor_batch *b = NULL;
        vg_monitor_rejects rj = {0};
        vg_error err;
        int rc = vg_monitor_parse_predictions(m, buf, cut, T0, &b, &rj, &err);
        if (rc == VG_OK) {
            assert_int_equal(vg_monitor_batch_size(b) + rj.n >= 1 || cut < len, 1);
            vg_monitor_batch_free(b);
        } else {
            assert_int_equal(rc, VG_ERR_PARSE);
            assert_null(b);
        }
        vg_monitor_rejects_free(&rj);
    }
    free(buf);
    vg_monitor_free(m);
}

static void test_reference_errors(void **state) {
    (void)state;
    vg_monitor *m = new_monitor(SPEC);
    vg_error err;
    const char *csv = "height,weight\n1,2\n3,4\n";
    char *path = t_tempfile(".csv", csv, strlen(csv));
    assert_int_equal(vg_monitor_set_reference_file(m, path, &err), VG_ERR_INVALID);
    assert_non_null(strstr(err.msg, "feature"));
    assert_null(vg_monitor_reference(m));
    unlink(path);
    free(path);
    assert_true(vg_monitor_set_reference_file(m, "/nonexistent/ref.csv", &err) < 0);
    /* a .vgp reference: drift, but no estimate */
    const char *ok = "age,region\n30,north\n40,south\n";
    path = t_tempfile(".csv", ok, strlen(ok));
    vg_profile *p = NULL;
    assert_int_equal(vg_profile_file(path, NULL, NULL, 1, &p, NULL, &err), VG_OK);
    char vgp[64];
    snprintf(vgp, sizeof vgp, "%s.vgp", path);
    assert_int_equal(vg_profile_save(p, vgp, &err), VG_OK);
    assert_int_equal(vg_monitor_set_reference_file(m, vgp, &err), VG_OK);
    assert_int_equal(vg_monitor_reference(m)->rows, 2);
    assert_int_equal(
        feed(m, "{\"id\": 1, \"features\": {\"age\": 35}, \"prediction\": 0.4}", T0, 1, 0, NULL),
        0);
    assert_int_equal(vg_monitor_advance(m, T0, 1, &err), 1);
    size_t n;
    vg_window **w = take(m, &n);
    json_t *rep = json_loads(w[0]->report_json, 0, NULL);
    assert_true(json_is_object(json_object_get(json_object_get(rep, "drift"), "reference")));
    assert_true(json_is_null(json_object_get(rep, "estimated")));
    assert_non_null(strstr(json_string_value(json_object_get(rep, "estimated_note")), "profile"));
    json_decref(rep);
    free_windows(w, n);
    vg_profile_free(p);
    unlink(vgp);
    unlink(path);
    free(path);
    vg_monitor_free(m);
}

/* A binary window of class labels that are all one class has no plan without declared classes
 * (the note says why; this once read freed memory), and one with them. */
static void test_single_class_window(void **state) {
    (void)state;
    const char *body =
        "{\"id\": 1, \"features\": {\"x\": 1}, \"prediction\": \"yes\", \"label\": \"yes\"}\n"
        "{\"id\": 2, \"features\": {\"x\": 2}, \"prediction\": \"yes\", \"label\": \"yes\"}\n";
    for (int declared = 0; declared < 2; declared++) {
        vg_monitor *m = new_monitor(
            declared ? "{\"name\": \"s\", \"task\": \"binary\", \"classes\": [\"no\", \"yes\"], "
                       "\"features\": [{\"name\": \"x\", \"type\": \"numeric\"}]}"
                     : "{\"name\": \"s\", \"task\": \"binary\", \"features\": [{\"name\": \"x\", "
                       "\"type\": \"numeric\"}]}");
        vg_error err;
        assert_int_equal(feed(m, body, T0, 1, 0, NULL), 0);
        assert_int_equal(vg_monitor_advance(m, T0, 1, &err), 1);
        size_t n;
        vg_window **w = take(m, &n);
        json_t *rep = json_loads(w[0]->report_json, 0, NULL);
        if (declared) {
            json_t *cls = json_object_get(json_object_get(rep, "performance"), "classification");
            assert_true(json_number_value(json_object_get(cls, "accuracy")) == 1.0);
        } else {
            if (!json_is_null(json_object_get(rep, "performance")))
                fail_msg("%s", w[0]->report_json);
            assert_non_null(strstr(json_string_value(json_object_get(rep, "performance_note")),
                                   "single class 'yes'"));
        }
        json_decref(rep);
        free_windows(w, n);
        vg_monitor_free(m);
    }
}

/* Multiclass probabilities (declared classes): the log loss of the window, by hand, also after
 * the batch went through the journal encoding into another monitor. */
static void test_multiclass_probabilities(void **state) {
    (void)state;
    const char *spec = "{\"name\": \"mp\", \"task\": \"multiclass\", \"classes\": [\"a\", \"b\", "
                       "\"c\"], \"features\": [{\"name\": \"x\", \"type\": \"numeric\"}]}";
    const char *body =
        "{\"id\": 1, \"features\": {}, \"prediction\": {\"class\": \"a\", \"probabilities\": "
        "{\"a\": 0.7, \"b\": 0.2, \"c\": 0.1}}, \"label\": \"a\"}\n"
        "{\"id\": 2, \"features\": {}, \"prediction\": {\"class\": \"b\", \"probabilities\": "
        "{\"c\": 0.1, \"b\": 0.8, \"a\": 0.1}}, \"label\": \"c\"}\n"
        "{\"id\": 3, \"features\": {}, \"prediction\": {\"class\": \"c\", \"probabilities\": "
        "{\"a\": 0.2, \"b\": 0.2, \"c\": 0.6}}, \"label\": \"c\"}\n"
        "{\"id\": 4, \"features\": {}, \"prediction\": {\"class\": \"b\", \"probabilities\": "
        "{\"a\": 0.3, \"b\": 0.4, \"c\": 0.3}}, \"label\": \"b\"}\n";
    double expect = -(log(0.7) + log(0.1) + log(0.6) + log(0.4)) / 4;
    vg_monitor *a = new_monitor(spec), *b = new_monitor(spec);
    vg_error err;
    vg_monitor_batch *bt;
    vg_monitor_rejects rj = {0};
    assert_int_equal(vg_monitor_parse_predictions(a, body, strlen(body), T0, &bt, &rj, &err),
                     VG_OK);
    assert_int_equal(rj.n, 0);
    assert_int_equal(vg_monitor_apply(a, bt, 1, 0, &err), VG_OK);
    unsigned char *enc;
    size_t len;
    assert_int_equal(vg_monitor_batch_encode(bt, &enc, &len, &err), VG_OK);
    vg_monitor_batch_free(bt);
    assert_int_equal(vg_monitor_batch_decode(b, enc, len, &bt, &err), VG_OK);
    assert_int_equal(vg_monitor_apply(b, bt, 1, 1, &err), VG_OK);
    vg_monitor_batch_free(bt);
    free(enc);
    vg_monitor *both[2] = {a, b};
    for (int k = 0; k < 2; k++) {
        assert_int_equal(vg_monitor_advance(both[k], T0, 1, &err), 1);
        size_t n;
        vg_window **w = take(both[k], &n);
        const vg_metric_sample *s = find_sample(w[0], "model_metric", "metric=\"log_loss\"");
        assert_non_null(s);
        assert_true(fabs(s->value - expect) < 1e-12);
        s = find_sample(w[0], "model_metric", "metric=\"accuracy\"");
        assert_true(fabs(s->value - 0.75) < 1e-12);
        /* the rows blob keeps the probabilities */
        vg_monitor *c = new_monitor(spec);
        assert_int_equal(vg_monitor_restore_window(c, w[0], &err), VG_OK);
        vg_monitor_free(c);
        free_windows(w, n);
    }
    /* a row without probabilities: metrics from the classes only (no log loss) */
    vg_monitor *m = new_monitor(spec);
    assert_int_equal(feed(m, body, T0, 1, 0, NULL), 0);
    assert_int_equal(feed(m,
                          "{\"id\": 5, \"features\": {}, \"prediction\": \"a\", \"label\": \"a\"}",
                          T0, 2, 0, NULL),
                     0);
    assert_int_equal(vg_monitor_advance(m, T0, 1, &err), 1);
    size_t n;
    vg_window **w = take(m, &n);
    assert_null(find_sample(w[0], "model_metric", "metric=\"log_loss\""));
    assert_true(fabs(find_sample(w[0], "model_metric", "metric=\"accuracy\"")->value - 0.8) <
                1e-12);
    free_windows(w, n);
    vg_monitor_free(m);
    vg_monitor_free(a);
    vg_monitor_free(b);
}

static void test_label_escaping(void **state) {
    (void)state;
    vg_monitor *m = new_monitor("{\"name\": \"e\", \"task\": \"regression\", \"features\": "
                                "[{\"name\": \"x\", \"type\": \"numeric\"}, {\"name\": "
                                "\"a\\\"b\\\\c\", \"type\": \"numeric\"}]}");
    vg_error err;
    assert_int_equal(feed(m,
                          "{\"id\": 1, \"features\": {\"x\": 1, \"a\\\"b\\\\c\": 2}, "
                          "\"prediction\": 3}",
                          T0, 1, 0, NULL),
                     0);
    assert_int_equal(vg_monitor_advance(m, T0, 1, &err), 1);
    size_t n;
    vg_window **w = take(m, &n);
    assert_non_null(find_sample(w[0], "missing_share", "feature=\"a\\\"b\\\\c\""));
    free_windows(w, n);
    vg_monitor_free(m);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_spec),
        cmocka_unit_test(test_time_formats),
        cmocka_unit_test(test_record_validation),
        cmocka_unit_test(test_time_windows),
        cmocka_unit_test(test_count_windows),
        cmocka_unit_test(test_label_join),
        cmocka_unit_test(test_join_bounded),
        cmocka_unit_test(test_encode_replay),
        cmocka_unit_test(test_report_numbers),
        cmocka_unit_test(test_label_escaping),
        cmocka_unit_test(test_restore_late_label),
        cmocka_unit_test(test_recheck),
        cmocka_unit_test(test_parse_concurrent),
        cmocka_unit_test(test_window_jobs),
        cmocka_unit_test(test_strings_and_caps),
        cmocka_unit_test(test_decode_structure),
        cmocka_unit_test(test_parse_mutations),
        cmocka_unit_test(test_reference_errors),
        cmocka_unit_test(test_single_class_window),
        cmocka_unit_test(test_multiclass_probabilities),
        cmocka_unit_test(test_regression_multiclass_metrics),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
