/*
 * Tests of the alerting module (vigia/alert.h): rule parsing and its error messages, the state
 * machine over sequences of windows (for_windows, for, hysteresis, flapping, absence), templates,
 * silences, acknowledgements, reload, the persisted state (restore without re-firing), and the
 * Prometheus export.
 */
#include "testutil.h"

#define OK(x) assert_int_equal((x), VG_OK)
#define H 3600000LL

static const char *vg_alert_kv_get_test(const vg_alert_kv *kv, size_t n, const char *k) {
    for (size_t i = 0; i < n; i++)
        if (!strcmp(kv[i].key, k))
            return kv[i].value;
    return "(absent)";
}

static vg_alert_config *cfg_from(const char *yaml) {
    vg_alert_config *c = NULL;
    vg_error err;
    vg_error_clear(&err);
    int rc = vg_alert_config_load(NULL, yaml, strlen(yaml), "rules.yaml", &c, &err);
    if (rc != VG_OK)
        fail_msg("unexpected error: %s", err.msg);
    return c;
}

/* Expects a parse error whose message contains each of the given strings. */
static void expect_error(const char *yaml, const char *a, const char *b, const char *d) {
    vg_alert_config *c = NULL;
    vg_error err;
    vg_error_clear(&err);
    int rc = vg_alert_config_load(NULL, yaml, strlen(yaml), "rules.yaml", &c, &err);
    if (rc == VG_OK) {
        vg_alert_config_free(c);
        fail_msg("expected an error containing '%s' for:\n%s", a, yaml);
    }
    assert_int_equal(rc, VG_ERR_PARSE);
    const char *want[] = {a, b, d};
    for (int i = 0; i < 3; i++)
        if (want[i] && !strstr(err.msg, want[i]))
            fail_msg("error '%s' lacks '%s'", err.msg, want[i]);
}

static void test_parse_errors(void **state) {
    (void)state;
    expect_error("rules:\n  - name: r1\n    metric: drift_scor\n    threshold: 1\n",
                 "rules.yaml:3:13:", "rule 'r1': metric:", "unknown metric 'drift_scor'");
    expect_error("rules:\n  - name: r1\n    metric: drift_score\n    op: '=>'\n    threshold: 1\n",
                 "rules.yaml:4:9:", "rule 'r1': op:", "bad comparison '=>'");
    expect_error("rules:\n  - name: r1\n    metric: drift_score\n    threshold: 1\n"
                 "    annotations: {summary: 'x {{modle}}'}\n",
                 "rule 'r1': annotations.summary:", "unknown template variable '{{modle}}'", NULL);
    expect_error("rules:\n  - name: r1\n    metric: drift_score\n    threshold: 1\n"
                 "    labels: {team: 'x {{model'}\n",
                 "rule 'r1': labels.team:", "unclosed '{{'", NULL);
    expect_error("rules:\n  - name: r1\n    metric: drift_score\n    threshold: 1\n    for: 2x\n",
                 "rules.yaml:5:10:", "rule 'r1': for:", "bad duration '2x'");
    expect_error("rules:\n  - name: r1\n    metric: drift_score\n    threshold: 1\n"
                 "    match: {method: '=~ps(i'}\n",
                 "rule 'r1': match.method:", "bad regex 'ps(i'", NULL);
    expect_error("rules:\n  - name: r1\n    metric: drift_score\n    threshold: 1\n"
                 "    feature: 'ag[e'\n",
                 "rule 'r1': feature:", "unclosed '['", NULL);
    expect_error("rules:\n  - name: r1\n    metric: drift_score\n",
                 "rules.yaml:2:5:", "rule 'r1': threshold:", "missing");
    expect_error("rules:\n  - name: r1\n    metric: drift_score\n    threshold: abc\n",
                 "rule 'r1': threshold:", "expected a finite number", NULL);
    expect_error("rules:\n  - name: ok\n    metric: drift_share\n    threshold: 1\n"
                 "  - metric: drift_share\n    threshold: 1\n",
                 "rule #2: name:", "missing", NULL);
    expect_error("rules:\n  - name: a\n    metric: drift_share\n    threshold: 1\n"
                 "  - name: a\n    metric: drift_share\n    threshold: 1\n",
                 "rule 'a': name:", "duplicate rule name (also at line 2)", NULL);
    expect_error("rules:\n  - name: r1\n    metric: drift_score\n    threshold: 1\n"
                 "    notify: [pager]\n",
                 "rule 'r1': notify:", "unknown notifier 'pager'", NULL);
    expect_error(
        "rules:\n  - name: r1\n    metric: drift_score\n    threshold: 1\n    sevrity: info\n",
        "rule 'r1': sevrity:", "unknown field", NULL);
    expect_error("rules:\n  - name: r1\n    metric: drift_score\n    threshold: 0.2\n"
                 "    clear_threshold: 0.3\n",
                 "rule 'r1': clear_threshold:", "firing side", NULL);
    expect_error("rules:\n  - name: r1\n    metric: drift_score\n    threshold: 1\n    for: 1h\n"
                 "    for_windows: 2\n",
                 "rule 'r1': for_windows:", "not both", NULL);
    expect_error("rules:\n  - name: r1\n    metric: drift_score\n    threshold: 1\n"
                 "    severity: urgent\n",
                 "rule 'r1': severity:", "unknown severity 'urgent'", NULL);
    expect_error("notifiers:\n  - name: w\n    type: webhook\n", "notifier 'w': url:", "missing",
                 NULL);
    expect_error("notifiers:\n  - name: w\n    type: sms\n",
                 "notifier 'w': type:", "unknown notifier type 'sms'", NULL);
    expect_error("notifiers:\n  - name: x\n    type: exec\n    command: []\n",
                 "notifier 'x': command:", "non-empty list", NULL);
    expect_error("notifiers:\n  - name: w\n    type: webhook\n    url: ftp://x\n",
                 "notifier 'w': url:", "not an http", NULL);
    expect_error("alerts:\n  evaluation_interval: soon\n", "evaluation_interval:", "bad duration",
                 NULL);
    expect_error("rules:\n  - name: r1\n   bad", "rules.yaml:", "YAML", NULL);
    expect_error("rules:\n  - name: r1\n    metric: drift_score\n    threshold: 1\n"
                 "    match: {a: x}\n    match: {b: y}\n",
                 "rules.yaml:6:5: rule 'r1': match: given twice (also at line 5)", NULL, NULL);
    expect_error("rules:\n  - name: r1\n    metric: drift_score\n    threshold: 1\n"
                 "    match: {8x: y}\n",
                 "rule 'r1': match.8x: '8x' is not a valid label name", NULL, NULL);
    expect_error("notifiers:\n  - {name: l, type: log}\nrules: 5\n",
                 "rules.yaml:3:8: rules: expected a list", NULL, NULL);
    expect_error("alerts:\n  rule:\n    - name: r1\n",
                 "rules.yaml:2:3:", "alerts: unknown key 'rule'", NULL);
}

static const char *example =
    "alerts:\n"
    "  evaluation_interval: 10s\n"
    "  notifiers:\n"
    "    - {name: hook, type: webhook, url: 'http://127.0.0.1:1/x', retries: 2, backoff: 500ms}\n"
    "    - {name: run, type: exec, command: [/bin/cat, '-'], timeout: 2s}\n"
    "    - {name: am, type: alertmanager, url: 'http://127.0.0.1:9093'}\n"
    "  rules:\n"
    "    - name: drift\n"
    "      model: 'credit-*'\n"
    "      feature: 'a*'\n"
    "      metric: drift_score\n"
    "      match: {baseline: reference, method: '=~psi|ks'}\n"
    "      op: '>'\n"
    "      threshold: 0.2\n"
    "      clear_threshold: 0.1\n"
    "      for_windows: 2\n"
    "      severity: critical\n"
    "      labels: {team: risk, col: '{{feature}}'}\n"
    "      annotations: {summary: '{{rule}} {{model}}/{{feature}} {{value}} > {{threshold}} "
    "({{severity}}, {{label.method}})'}\n"
    "      notify: [hook, run]\n"
    "    - name: volume\n"
    "      metric: window_rows\n"
    "      op: '<'\n"
    "      threshold: 10\n"
    "      for: 2h\n"
    "      absent_resolve: 2\n"
    "    - name: rejects\n"
    "      metric: records_rejected_share\n"
    "      threshold: 0.1\n"
    "      for: 1m\n"
    "serve: {port: 1}\n";

static void test_parse_ok(void **state) {
    (void)state;
    vg_alert_config *c = cfg_from(example);
    assert_int_equal(c->n_rules, 3);
    assert_int_equal(c->n_notifiers, 3);
    assert_int_equal(c->eval_interval_ms, 10000);
    const vg_alert_rule *r = vg_alert_config_rule(c, "drift");
    assert_non_null(r);
    assert_string_equal(r->model, "credit-*");
    assert_string_equal(r->feature, "a*");
    assert_int_equal(r->n_match, 2);
    assert_int_equal(r->match[1].op, VG_MATCH_RE);
    assert_true(r->has_clear);
    assert_true(r->clear_threshold == 0.1);
    assert_int_equal(r->for_windows, 2);
    assert_int_equal(r->severity, VG_ALERT_CRITICAL);
    assert_int_equal(r->n_notify, 2);
    assert_int_equal(r->absent_resolve, 3);
    const vg_alert_rule *v = vg_alert_config_rule(c, "volume");
    assert_string_equal(v->model, "*");
    assert_int_equal(v->op, VG_ALERT_LT);
    assert_int_equal(v->for_ms, 2 * H);
    assert_int_equal(v->absent_resolve, 2);
    assert_int_equal(v->severity, VG_ALERT_WARNING);
    assert_int_equal(vg_alert_config_rule(c, "rejects")->op, VG_ALERT_GT);
    const vg_alert_notifier *n = vg_alert_config_notifier(c, "hook");
    assert_int_equal(n->type, VG_NOTIFY_WEBHOOK);
    assert_int_equal(n->retries, 2);
    assert_int_equal(n->backoff_ms, 500);
    assert_int_equal(n->timeout_ms, 5000);
    n = vg_alert_config_notifier(c, "run");
    assert_int_equal(n->argc, 2);
    assert_string_equal(n->argv[0], "/bin/cat");
    assert_null(n->argv[2]);
    assert_int_equal(n->timeout_ms, 2000);
    assert_int_equal(vg_alert_config_notifier(c, "am")->resend_ms, 60000);
    char *json;
    OK(vg_alert_config_json(c, &json, NULL));
    assert_non_null(strstr(json, "\"name\":\"drift\""));
    assert_non_null(strstr(json, "\"evaluated\":\"interval\""));
    free(json);
    vg_alert_config_free(c);

    /* an empty document and a config without alerts give an empty config */
    c = cfg_from("serve: {port: 8080}\n");
    assert_int_equal(c->n_rules, 0);
    vg_alert_config_free(c);
}

static void test_durations(void **state) {
    (void)state;
    int64_t ms;
    OK(vg_alert_parse_duration("250ms", &ms));
    assert_int_equal(ms, 250);
    OK(vg_alert_parse_duration("1h30m", &ms));
    assert_int_equal(ms, 90 * 60000);
    OK(vg_alert_parse_duration("2d", &ms));
    assert_int_equal(ms, 2 * 24 * H);
    OK(vg_alert_parse_duration("45", &ms));
    assert_int_equal(ms, 45000);
    OK(vg_alert_parse_duration("1.5s", &ms));
    assert_int_equal(ms, 1500);
    assert_int_equal(vg_alert_parse_duration("", &ms), VG_ERR_PARSE);
    assert_int_equal(vg_alert_parse_duration("h", &ms), VG_ERR_PARSE);
    assert_int_equal(vg_alert_parse_duration("-5s", &ms), VG_ERR_PARSE);
    assert_int_equal(vg_alert_parse_duration("5 s", &ms), VG_ERR_PARSE);
    assert_int_equal(vg_alert_parse_duration("3y", &ms), VG_ERR_PARSE);
    assert_int_equal(vg_alert_parse_duration("1h30", &ms), VG_ERR_PARSE);
    /* the same syntax as model specs and the daemon config (vg_parse_duration_ms) */
    OK(vg_parse_duration_ms("1h30m", &ms));
    assert_int_equal(ms, 90 * 60000);
    OK(vg_parse_duration_ms("2w", &ms));
    assert_int_equal(ms, 14 * 24 * H);
    OK(vg_parse_duration_ms("1m30s250ms", &ms));
    assert_int_equal(ms, 90250);
    assert_int_equal(vg_parse_duration_ms("1h 30m", &ms), VG_ERR_INVALID);
    assert_int_equal(vg_parse_duration_ms("30m1", &ms), VG_ERR_INVALID);
}

/* ---- the state machine ---- */

static vg_metric_sample S(const char *name, const char *labels, double v) {
    vg_metric_sample s;
    memset(&s, 0, sizeof s);
    snprintf(s.name, sizeof s.name, "%s", name);
    snprintf(s.labels, sizeof s.labels, "%s", labels);
    s.value = v;
    return s;
}

#define AGE "baseline=\"reference\",feature=\"age\",method=\"psi\""
#define INC "baseline=\"reference\",feature=\"income\",method=\"psi\""

typedef struct {
    vg_alert *v;
    size_t n;
} trans;

/* Evaluates window k (hour k of event time) of `model` with samples; now = k hours + 1 minute. */
static trans win(vg_alert_engine *e, const char *model, int k, const vg_metric_sample *s,
                 size_t n) {
    trans t;
    vg_error err;
    vg_error_clear(&err);
    int rc = vg_alert_engine_eval(e, VG_ALERT_EVAL_WINDOW, model, s, n, k * H, (k + 1) * H,
                                  (k + 1) * H + 60000, &t.v, &t.n, &err);
    if (rc != VG_OK)
        fail_msg("eval: %s", err.msg);
    return t;
}

static void expect_trans(trans t, size_t i, vg_alert_state from, vg_alert_state to) {
    assert_true(i < t.n);
    if (t.v[i].from != from || t.v[i].state != to)
        fail_msg("transition %zu: %s -> %s, expected %s -> %s", i, vg_alert_state_name(t.v[i].from),
                 vg_alert_state_name(t.v[i].state), vg_alert_state_name(from),
                 vg_alert_state_name(to));
}

static vg_alert_engine *engine(const char *yaml) {
    vg_alert_engine *e;
    OK(vg_alert_engine_new(cfg_from(yaml), &e, NULL));
    return e;
}

static void test_for_windows_and_hysteresis(void **state) {
    (void)state;
    vg_alert_engine *e = engine(example);
    vg_metric_sample s[4] = {
        S("drift_score", AGE, 0.3), S("drift_score", INC, 0.05),
        S("drift_score", "baseline=\"previous\",feature=\"age\",method=\"psi\"", 0.9),
        S("drift_share", "baseline=\"reference\"", 0.5)};
    /* window 0: age over the threshold -> pending (income below, the previous baseline and
     * the feature glob a* exclude the rest) */
    trans t = win(e, "credit-a", 0, s, 4);
    assert_int_equal(t.n, 1);
    expect_trans(t, 0, VG_ALERT_INACTIVE, VG_ALERT_PENDING);
    assert_string_equal(t.v[0].feature, "age");
    assert_int_equal(t.v[0].active_since_ms, 0);
    vg_alert_array_free(t.v, t.n);
    /* another model not matching credit-* is out of scope */
    t = win(e, "fraud", 0, s, 4);
    assert_int_equal(t.n, 0);
    vg_alert_array_free(t.v, t.n);
    /* window 1: still over -> firing after for_windows: 2 */
    s[0].value = 0.25;
    t = win(e, "credit-a", 1, s, 4);
    assert_int_equal(t.n, 1);
    expect_trans(t, 0, VG_ALERT_PENDING, VG_ALERT_FIRING);
    assert_int_equal(t.v[0].fired_at_ms, 2 * H + 60000);
    assert_true(t.v[0].value == 0.25);
    assert_string_equal(t.v[0].annotations[0].value,
                        "drift credit-a/age 0.25 > 0.2 (critical, psi)");
    assert_string_equal(vg_alert_kv_get_test(t.v[0].labels, t.v[0].n_labels, "col"), "age");
    vg_alert_array_free(t.v, t.n);
    /* window 2: 0.15 is below the threshold but above clear_threshold 0.1: still firing */
    s[0].value = 0.15;
    t = win(e, "credit-a", 2, s, 4);
    assert_int_equal(t.n, 0);
    vg_alert_array_free(t.v, t.n);
    vg_alert *a;
    size_t n;
    OK(vg_alert_engine_alerts(e, 0, 3 * H, &a, &n, NULL));
    assert_int_equal(n, 1);
    assert_int_equal(a[0].state, VG_ALERT_FIRING);
    vg_alert_array_free(a, n);
    /* window 3: 0.08 crosses the clear threshold -> resolved */
    s[0].value = 0.08;
    t = win(e, "credit-a", 3, s, 4);
    assert_int_equal(t.n, 1);
    expect_trans(t, 0, VG_ALERT_FIRING, VG_ALERT_RESOLVED);
    assert_int_equal(t.v[0].resolved_at_ms, 4 * H + 60000);
    assert_true(t.v[0].threshold == 0.1);
    vg_alert_array_free(t.v, t.n);
    /* resolved is listed with history only, and dropped once the condition stays false */
    OK(vg_alert_engine_alerts(e, 1, 4 * H, &a, &n, NULL));
    assert_int_equal(n, 1);
    assert_int_equal(a[0].state, VG_ALERT_RESOLVED);
    vg_alert_array_free(a, n);
    t = win(e, "credit-a", 4, s, 4);
    assert_int_equal(t.n, 0);
    vg_alert_array_free(t.v, t.n);
    OK(vg_alert_engine_alerts(e, 1, 5 * H, &a, &n, NULL));
    assert_int_equal(n, 0);
    vg_alert_array_free(a, n);
    vg_alert_engine_free(e);
}

/* late labels revise a closed window: the same window again is not one more window */
static void test_revisions(void **state) {
    (void)state;
    vg_alert_engine *e = engine(example);
    vg_metric_sample s = S("drift_score", AGE, 0.5);
    trans t = win(e, "credit-a", 0, &s, 1);
    expect_trans(t, 0, VG_ALERT_INACTIVE, VG_ALERT_PENDING);
    vg_alert_array_free(t.v, t.n);
    s.value = 0.6; /* revision of window 0: still pending (for_windows 2 needs window 1) */
    t = win(e, "credit-a", 0, &s, 1);
    assert_int_equal(t.n, 0);
    vg_alert_array_free(t.v, t.n);
    t = win(e, "credit-a", 0, NULL, 0); /* a revision without the sample is not an absence */
    assert_int_equal(t.n, 0);
    vg_alert_array_free(t.v, t.n);
    t = win(e, "credit-a", 1, &s, 1);
    expect_trans(t, 0, VG_ALERT_PENDING, VG_ALERT_FIRING);
    vg_alert_array_free(t.v, t.n);
    s.value = 0.0; /* window 0 revised again, now below: older history, no effect */
    t = win(e, "credit-a", 0, &s, 1);
    assert_int_equal(t.n, 0);
    vg_alert_array_free(t.v, t.n);
    t = win(e, "credit-a", 1, &s, 1); /* window 1 revised below the clear threshold: resolves */
    expect_trans(t, 0, VG_ALERT_FIRING, VG_ALERT_RESOLVED);
    assert_int_equal(t.v[0].at_ms, 2 * H);
    vg_alert_array_free(t.v, t.n);
    /* a revision that puts a pending alert under the threshold sends it back to inactive */
    s.value = 0.5;
    vg_alert_array_free(win(e, "credit-a", 2, &s, 1).v, 1);
    s.value = 0.01;
    t = win(e, "credit-a", 2, &s, 1);
    expect_trans(t, 0, VG_ALERT_PENDING, VG_ALERT_INACTIVE);
    vg_alert_array_free(t.v, t.n);
    vg_alert_engine_free(e);
}

static void test_flapping(void **state) {
    (void)state;
    vg_alert_engine *e = engine(example);
    vg_metric_sample s = S("drift_score", AGE, 0.3);
    int pend = 0, inact = 0;
    for (int k = 0; k < 10; k++) {
        s.value = k % 2 ? 0.0 : 0.5; /* over, under, over, ... never two windows in a row */
        trans t = win(e, "credit-b", k, &s, 1);
        for (size_t i = 0; i < t.n; i++) {
            assert_int_not_equal(t.v[i].state, VG_ALERT_FIRING);
            pend += t.v[i].state == VG_ALERT_PENDING;
            inact += t.v[i].state == VG_ALERT_INACTIVE;
        }
        vg_alert_array_free(t.v, t.n);
    }
    assert_int_equal(pend, 5);
    assert_int_equal(inact, 5);
    vg_alert_engine_free(e);
}

static void test_for_duration_and_absence(void **state) {
    (void)state;
    vg_alert_engine *e = engine(example);
    vg_metric_sample low = S("window_rows", "", 3), high = S("window_rows", "", 500);
    /* for: 2h counted in event time from the start of the first window: hour windows fire at
     * the end of the second */
    trans t = win(e, "m", 0, &low, 1);
    expect_trans(t, 0, VG_ALERT_INACTIVE, VG_ALERT_PENDING);
    vg_alert_array_free(t.v, t.n);
    t = win(e, "m", 1, &low, 1);
    assert_int_equal(t.n, 1);
    expect_trans(t, 0, VG_ALERT_PENDING, VG_ALERT_FIRING);
    vg_alert_array_free(t.v, t.n);
    /* no sample: firing is kept for absent_resolve - 1 = 1 evaluation, then resolves */
    t = win(e, "m", 2, NULL, 0);
    assert_int_equal(t.n, 0);
    vg_alert_array_free(t.v, t.n);
    t = win(e, "m", 3, NULL, 0);
    assert_int_equal(t.n, 1);
    expect_trans(t, 0, VG_ALERT_FIRING, VG_ALERT_RESOLVED);
    vg_alert_array_free(t.v, t.n);
    /* a pending alert without a sample stays pending, and goes back to inactive after
     * absent_resolve (2) evaluations without one */
    t = win(e, "m", 4, &low, 1);
    expect_trans(t, 0, VG_ALERT_RESOLVED, VG_ALERT_PENDING);
    vg_alert_array_free(t.v, t.n);
    t = win(e, "m", 5, NULL, 0);
    assert_int_equal(t.n, 0);
    vg_alert_array_free(t.v, t.n);
    t = win(e, "m", 6, NULL, 0);
    assert_int_equal(t.n, 1);
    expect_trans(t, 0, VG_ALERT_PENDING, VG_ALERT_INACTIVE);
    vg_alert_array_free(t.v, t.n);
    /* one window missing inside a run: `for` counts the event time since the first window */
    t = win(e, "m", 7, &low, 1);
    expect_trans(t, 0, VG_ALERT_INACTIVE, VG_ALERT_PENDING);
    vg_alert_array_free(t.v, t.n);
    t = win(e, "m", 8, NULL, 0);
    assert_int_equal(t.n, 0);
    vg_alert_array_free(t.v, t.n);
    t = win(e, "m", 9, &low, 1);
    expect_trans(t, 0, VG_ALERT_PENDING, VG_ALERT_FIRING);
    assert_int_equal(t.v[0].active_since_ms, 7 * H);
    vg_alert_array_free(t.v, t.n);
    t = win(e, "m", 10, &high, 1);
    expect_trans(t, 0, VG_ALERT_FIRING, VG_ALERT_RESOLVED);
    vg_alert_array_free(t.v, t.n);
    /* malformed labels: an error, and nothing changes */
    vg_metric_sample badl = S("window_rows", "feature=age", 1);
    vg_alert *bv;
    size_t bn;
    vg_error err;
    assert_int_equal(
        vg_alert_engine_eval(e, VG_ALERT_EVAL_WINDOW, "m", &badl, 1, 0, 1, 2, &bv, &bn, &err),
        VG_ERR_PARSE);
    assert_non_null(strstr(err.msg, "malformed labels 'feature=age'"));
    /* a value on the safe side is simply not an alert */
    t = win(e, "m", 11, &high, 1);
    assert_int_equal(t.n, 0);
    vg_alert_array_free(t.v, t.n);
    /* an interval evaluation does not touch window rules; the daemon-level rule uses wall
     * time: for 1m */
    vg_metric_sample rej = S("records_rejected_share", "", 0.5);
    vg_alert *v;
    size_t n;
    OK(vg_alert_engine_eval(e, VG_ALERT_EVAL_INTERVAL, "m", &rej, 1, 1000, 1000, 1000, &v, &n,
                            NULL));
    assert_int_equal(n, 1);
    assert_int_equal(v[0].state, VG_ALERT_PENDING);
    vg_alert_array_free(v, n);
    OK(vg_alert_engine_eval(e, VG_ALERT_EVAL_INTERVAL, "m", &rej, 1, 31000, 31000, 31000, &v, &n,
                            NULL));
    assert_int_equal(n, 0);
    vg_alert_array_free(v, n);
    OK(vg_alert_engine_eval(e, VG_ALERT_EVAL_INTERVAL, "m", &rej, 1, 61000, 61000, 61000, &v, &n,
                            NULL));
    assert_int_equal(n, 1);
    assert_int_equal(v[0].state, VG_ALERT_FIRING);
    vg_alert_array_free(v, n);
    /* a window evaluation does not count the daemon-level rule as absent */
    t = win(e, "m", 12, &high, 1);
    assert_int_equal(t.n, 0);
    vg_alert_array_free(t.v, t.n);
    OK(vg_alert_engine_alerts(e, 0, 0, &v, &n, NULL));
    assert_int_equal(n, 1);
    assert_string_equal(v[0].rule, "rejects");
    vg_alert_array_free(v, n);
    vg_alert_engine_free(e);
}

static void test_immediate_and_ops(void **state) {
    (void)state;
    vg_alert_engine *e = engine("rules:\n"
                                "  - {name: ne, metric: dataset_drift, op: '!=', threshold: 0}\n"
                                "  - {name: le, metric: model_metric, match: {metric: roc_auc},"
                                " op: '<=', threshold: 0.7, clear_threshold: 0.75}\n");
    vg_metric_sample s[3] = {S("dataset_drift", "baseline=\"reference\"", 1),
                             S("model_metric", "metric=\"roc_auc\"", 0.7),
                             S("model_metric", "metric=\"accuracy\"", 0.1)};
    /* no for: pending and firing in one evaluation */
    trans t = win(e, "m", 0, s, 3);
    assert_int_equal(t.n, 4);
    expect_trans(t, 0, VG_ALERT_INACTIVE, VG_ALERT_PENDING);
    expect_trans(t, 1, VG_ALERT_PENDING, VG_ALERT_FIRING);
    assert_string_equal(t.v[1].rule, "ne");
    expect_trans(t, 3, VG_ALERT_PENDING, VG_ALERT_FIRING);
    assert_string_equal(t.v[3].rule, "le");
    vg_alert_array_free(t.v, t.n);
    /* 0.74 <= 0.75 holds the <= alert; 0.76 clears it */
    s[0].value = 0;
    s[1].value = 0.74;
    t = win(e, "m", 1, s, 3);
    assert_int_equal(t.n, 1);
    expect_trans(t, 0, VG_ALERT_FIRING, VG_ALERT_RESOLVED);
    assert_string_equal(t.v[0].rule, "ne");
    vg_alert_array_free(t.v, t.n);
    s[1].value = 0.76;
    t = win(e, "m", 2, s, 3);
    assert_int_equal(t.n, 1);
    assert_string_equal(t.v[0].rule, "le");
    expect_trans(t, 0, VG_ALERT_FIRING, VG_ALERT_RESOLVED);
    vg_alert_array_free(t.v, t.n);
    vg_alert_engine_free(e);
}

/* ---- silences and acknowledgements ---- */

static void test_silences(void **state) {
    (void)state;
    vg_alert_engine *e = engine(example);
    vg_alert_silence sil;
    vg_error err;
    const char *bad[] = {"{\"matchers\":[]}",
                         "{\"matchers\":{\"model\":\"x\"}}",
                         "{\"matchers\":{\"model\":\"=~(\"},\"duration\":\"1h\"}",
                         "{\"matchers\":{\"model\":\"x\"},\"duration\":\"1h\",\"startsAt\":\"x\"}",
                         "{\"matchers\":[{\"name\":\"model\"}],\"duration\":\"1h\"}",
                         "[1"};
    const char *why[] = {"at least one", "endsAt or duration", "bad regex",
                         "startsAt",     "matchers[0]",        "invalid JSON"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        vg_error_clear(&err);
        assert_int_equal(vg_alert_silence_parse_json(bad[i], strlen(bad[i]), 0, &sil, &err),
                         VG_ERR_PARSE);
        if (!strstr(err.msg, why[i]))
            fail_msg("'%s' lacks '%s'", err.msg, why[i]);
    }
    /* Alertmanager's shape: silence feature=age of credit-* for two hours from 1h */
    const char *js = "{\"matchers\":[{\"name\":\"model\",\"value\":\"credit-.*\",\"isRegex\":true},"
                     "{\"name\":\"feature\",\"value\":\"age\",\"isRegex\":false}],"
                     "\"startsAt\":\"1970-01-01T01:00:00Z\",\"endsAt\":\"1970-01-01T03:00:00Z\","
                     "\"createdBy\":\"ops\",\"comment\":\"known\"}";
    OK(vg_alert_silence_parse_json(js, strlen(js), 0, &sil, NULL));
    assert_int_equal(sil.starts_ms, H);
    assert_int_equal(sil.ends_ms, 3 * H);
    assert_int_equal(sil.matchers[0].op, VG_MATCH_RE);
    OK(vg_alert_engine_add_silence(e, &sil, NULL));
    assert_int_equal(strlen(sil.id), 16);
    char id[40];
    snprintf(id, sizeof id, "%s", sil.id);
    vg_alert_silence_clear(&sil);
    /* rule syntax shape, with a duration */
    js = "{\"matchers\":{\"alertname\":\"volume\",\"model\":\"!=x\"},\"duration\":\"30m\"}";
    OK(vg_alert_silence_parse_json(js, strlen(js), 5000, &sil, NULL));
    assert_int_equal(sil.ends_ms, 5000 + 30 * 60000);
    assert_int_equal(sil.matchers[1].op, VG_MATCH_NE);
    OK(vg_alert_engine_add_silence(e, &sil, NULL));
    vg_alert_silence_clear(&sil);

    vg_metric_sample s[2] = {S("drift_score", AGE, 0.5), S("drift_score", INC, 0.5)};
    /* window 0 evaluated at 1h01: the silence covers age, not income; the state still moves */
    s[1].labels[0] = 0; /* not matching the rule's baseline: only age counts */
    trans t = win(e, "credit-a", 0, s, 1);
    assert_true(t.v[0].silenced);
    assert_string_equal(t.v[0].silence_id, id);
    vg_alert_array_free(t.v, t.n);
    t = win(e, "credit-a", 1, s, 1);
    expect_trans(t, 0, VG_ALERT_PENDING, VG_ALERT_FIRING);
    assert_true(t.v[0].silenced);
    vg_alert_array_free(t.v, t.n);
    /* at 3h01 the silence has ended */
    s[0].value = 0.01;
    t = win(e, "credit-a", 2, s, 1);
    expect_trans(t, 0, VG_ALERT_FIRING, VG_ALERT_RESOLVED);
    assert_false(t.v[0].silenced);
    vg_alert_array_free(t.v, t.n);
    vg_alert_silence *list;
    size_t n;
    OK(vg_alert_engine_silences(e, &list, &n, NULL));
    assert_int_equal(n, 2);
    char *j;
    OK(vg_alert_silence_json(&list[0], &j, NULL));
    assert_non_null(strstr(j, "\"endsAt\":\"1970-01-01T03:00:00.000Z\""));
    free(j);
    for (size_t i = 0; i < n; i++)
        vg_alert_silence_clear(&list[i]);
    free(list);
    /* expiring: unknown id, then the second silence */
    assert_int_equal(vg_alert_engine_expire_silence(e, "nope", 0, NULL), VG_ERR_INVALID);

    /* acknowledgement of a firing alert, cleared when it resolves */
    s[0].value = 0.5;
    t = win(e, "credit-a", 3, s, 1);
    char fp[17];
    memcpy(fp, t.v[0].fingerprint, sizeof fp);
    vg_alert_array_free(t.v, t.n);
    OK(vg_alert_engine_ack(e, fp, NULL));
    assert_int_equal(vg_alert_engine_ack(e, "0000000000000000", NULL), VG_ERR_INVALID);
    t = win(e, "credit-a", 4, s, 1);
    expect_trans(t, 0, VG_ALERT_PENDING, VG_ALERT_FIRING);
    assert_true(t.v[0].acknowledged);
    vg_alert_array_free(t.v, t.n);
    vg_alert_engine_free(e);
}

/* ---- persistence ---- */

static void test_restore_without_refire(void **state) {
    (void)state;
    vg_alert_engine *e = engine(example);
    vg_metric_sample s = S("drift_score", AGE, 0.5);
    vg_alert_array_free(win(e, "credit-a", 0, &s, 1).v, 1);
    trans t = win(e, "credit-a", 1, &s, 1);
    expect_trans(t, 0, VG_ALERT_PENDING, VG_ALERT_FIRING);
    char fp[17];
    memcpy(fp, t.v[0].fingerprint, sizeof fp);
    char *aj;
    OK(vg_alert_json(&t.v[0], &aj, NULL));
    assert_non_null(strstr(aj, "\"state\":\"firing\""));
    assert_non_null(strstr(aj, "\"fired_at\":\"1970-01-01T02:01:00.000Z\""));
    assert_non_null(strstr(aj, "\"notify\":[\"hook\",\"run\"]"));
    free(aj);
    vg_alert_array_free(t.v, t.n);
    vg_alert_silence sil;
    const char *js = "{\"matchers\":{\"model\":\"other\"},\"duration\":\"1d\",\"id\":\"s1\"}";
    OK(vg_alert_silence_parse_json(js, strlen(js), 0, &sil, NULL));
    OK(vg_alert_engine_add_silence(e, &sil, NULL));
    vg_alert_silence_clear(&sil);
    char *state_json;
    OK(vg_alert_engine_state_json(e, &state_json, NULL));
    vg_alert_engine_free(e);

    /* "restart": a new engine from the same rules restores the state */
    e = engine(example);
    OK(vg_alert_engine_restore_json(e, state_json, strlen(state_json), NULL));
    char *again;
    OK(vg_alert_engine_state_json(e, &again, NULL));
    assert_string_equal(again, state_json); /* the round trip is exact */
    free(again);
    vg_alert *a;
    size_t n;
    OK(vg_alert_engine_alerts(e, 0, 0, &a, &n, NULL));
    assert_int_equal(n, 1);
    assert_string_equal(a[0].fingerprint, fp);
    assert_int_equal(a[0].state, VG_ALERT_FIRING);
    assert_int_equal(a[0].fired_at_ms, 2 * H + 60000);
    vg_alert_array_free(a, n);
    /* the next window over the threshold does not fire again; the one under resolves */
    t = win(e, "credit-a", 2, &s, 1);
    assert_int_equal(t.n, 0);
    vg_alert_array_free(t.v, t.n);
    s.value = 0.01;
    t = win(e, "credit-a", 3, &s, 1);
    assert_int_equal(t.n, 1);
    expect_trans(t, 0, VG_ALERT_FIRING, VG_ALERT_RESOLVED);
    assert_string_equal(t.v[0].fingerprint, fp);
    vg_alert_array_free(t.v, t.n);
    vg_alert_silence *list;
    OK(vg_alert_engine_silences(e, &list, &n, NULL));
    assert_int_equal(n, 1);
    assert_string_equal(list[0].id, "s1");
    vg_alert_silence_clear(&list[0]);
    free(list);
    vg_alert_engine_free(e);

    /* rules removed while down: their instances are dropped on restore */
    e = engine("rules:\n  - {name: other, metric: drift_share, threshold: 0.5}\n");
    OK(vg_alert_engine_restore_json(e, state_json, strlen(state_json), NULL));
    OK(vg_alert_engine_alerts(e, 1, 0, &a, &n, NULL));
    assert_int_equal(n, 0);
    vg_alert_array_free(a, n);
    assert_int_equal(vg_alert_engine_restore_json(e, "{\"version\":9}", 13, NULL), VG_ERR_FORMAT);
    assert_int_equal(vg_alert_engine_restore_json(e, "{", 1, NULL), VG_ERR_PARSE);
    vg_alert_engine_free(e);
    free(state_json);
}

static void test_reload(void **state) {
    (void)state;
    vg_alert_engine *e = engine(example);
    vg_metric_sample s[2] = {S("drift_score", AGE, 0.5), S("window_rows", "", 1)};
    vg_alert_array_free(win(e, "credit-a", 0, s, 2).v, 2);
    trans t = win(e, "credit-a", 1, s, 2);
    assert_int_equal(t.n, 2); /* both fire: drift after 2 windows, volume after 2h */
    vg_alert_array_free(t.v, t.n);
    /* the new config keeps "drift" (with a new annotation) and drops "volume" */
    vg_alert *out;
    size_t n;
    OK(vg_alert_engine_replace_config(
        e,
        cfg_from("rules:\n  - name: drift\n    metric: drift_score\n    threshold: 0.4\n"
                 "    annotations: {summary: 'now {{value}}'}\n"),
        99, &out, &n, NULL));
    assert_int_equal(n, 1);
    assert_string_equal(out[0].rule, "volume");
    expect_trans((trans){out, n}, 0, VG_ALERT_FIRING, VG_ALERT_RESOLVED);
    vg_alert_array_free(out, n);
    OK(vg_alert_engine_alerts(e, 0, 0, &out, &n, NULL));
    assert_int_equal(n, 1);
    assert_string_equal(out[0].rule, "drift");
    assert_int_equal(out[0].state, VG_ALERT_FIRING);
    assert_string_equal(out[0].annotations[0].value, "now 0.5");
    vg_alert_array_free(out, n);
    /* dropping the model resolves its firing alert */
    OK(vg_alert_engine_drop_model(e, "credit-a", 5, &out, &n, NULL));
    assert_int_equal(n, 1);
    assert_int_equal(out[0].state, VG_ALERT_RESOLVED);
    vg_alert_array_free(out, n);
    vg_alert_engine_free(e);
}

/* ---- Prometheus export ---- */

static void test_export(void **state) {
    (void)state;
    vg_alert_config *c = cfg_from(example);
    char *y;
    OK(vg_alert_config_export_prometheus(c, H, &y, NULL));
    assert_non_null(strstr(y, "- alert: drift\n"));
    assert_non_null(
        strstr(y, "expr: \"vigia_drift_score{model=~\\\"credit-.*\\\",feature=~\\\"a.*\\\","
                  "baseline=\\\"reference\\\",method=~\\\"psi|ks\\\"} > 0.2\""));
    assert_non_null(strstr(y, "for: 1h\n")); /* for_windows 2 of 1h windows */
    assert_non_null(strstr(y, "col: \"{{ $labels.feature }}\""));
    assert_non_null(strstr(y, "summary: \"drift {{ $labels.model }}/{{ $labels.feature }} "
                              "{{ $value }} > 0.2 (critical, {{ $labels.method }})\""));
    assert_non_null(strstr(y, "rate(vigia_records_rejected_total"));
    assert_non_null(strstr(y, "hysteresis"));
    free(y);
    vg_alert_config_free(c);
}

/* docs/alerting.md's worked example, window by window */
static void test_worked_example(void **state) {
    (void)state;
    vg_alert_engine *e =
        engine("notifiers:\n  - {name: oncall, type: log}\n"
               "rules:\n  - name: feature_drift\n    model: 'credit-*'\n    feature: '*'\n"
               "    metric: drift_score\n    match: {baseline: reference, method: psi}\n"
               "    op: '>'\n    threshold: 0.2\n    clear_threshold: 0.1\n    for: 2h\n"
               "    severity: warning\n    labels: {team: risk}\n    annotations:\n"
               "      summary: '{{feature}} drifted on {{model}} (PSI {{value}} > {{threshold}})'\n"
               "    notify: [oncall]\n");
    const double psi[] = {0.05, 0.31, 0.27, 0.14, 0.06, 0.04};
    const char *want[] = {"", "inactive>pending", "pending>firing", "", "firing>resolved", ""};
    const char *summary[] = {NULL,
                             NULL,
                             "income drifted on credit-eu (PSI 0.27 > 0.2)",
                             NULL,
                             "income drifted on credit-eu (PSI 0.06 > 0.1)",
                             NULL};
    for (int k = 0; k < 6; k++) {
        vg_metric_sample s = S("drift_score", INC, psi[k]);
        trans t = win(e, "credit-eu", 8 + k, &s, 1);
        char got[64] = "";
        if (t.n)
            snprintf(got, sizeof got, "%s>%s", vg_alert_state_name(t.v[0].from),
                     vg_alert_state_name(t.v[0].state));
        assert_true(t.n <= 1);
        assert_string_equal(got, want[k]);
        if (summary[k]) {
            assert_string_equal(t.v[0].annotations[0].value, summary[k]);
            assert_int_equal(t.v[0].n_labels, 7);
            assert_string_equal(vg_alert_kv_get_test(t.v[0].labels, 7, "team"), "risk");
        }
        if (k == 1)
            assert_int_equal(t.v[0].active_since_ms, 9 * H);
        vg_alert_array_free(t.v, t.n);
    }
    vg_alert_engine_free(e);
}

/* Property: an engine saved and restored (a daemon restart) at random points produces exactly
 * the transitions of one that ran without interruption, over random windows with absences and
 * revisions: nothing is lost and nothing fires twice. */
static void test_restart_property(void **state) {
    (void)state;
    uint64_t seed = 42;
    vg_alert_engine *a = engine(example), *b = engine(example);
    const char *feats[] = {INC, AGE, "baseline=\"reference\",feature=\"amount\",method=\"psi\""};
    size_t total = 0;
    int k = 0;
    for (int step_i = 0; step_i < 400; step_i++) {
        vg_metric_sample s[4];
        size_t n = 0;
        for (int f = 0; f < 3; f++)
            if (t_uniform(&seed) < 0.85)
                s[n++] = S("drift_score", feats[f], t_uniform(&seed) * 0.35);
        if (t_uniform(&seed) < 0.9)
            s[n++] = S("window_rows", "", t_uniform(&seed) < 0.5 ? 5 : 50);
        int kk = t_uniform(&seed) < 0.15 && k > 0 ? k - 1 : k++; /* sometimes a revision */
        trans ta = win(a, "credit-x", kk, s, n), tb = win(b, "credit-x", kk, s, n);
        assert_int_equal(ta.n, tb.n);
        for (size_t i = 0; i < ta.n; i++) {
            assert_string_equal(ta.v[i].fingerprint, tb.v[i].fingerprint);
            assert_int_equal(ta.v[i].from, tb.v[i].from);
            assert_int_equal(ta.v[i].state, tb.v[i].state);
            assert_true(ta.v[i].value == tb.v[i].value);
            assert_int_equal(ta.v[i].fired_at_ms, tb.v[i].fired_at_ms);
        }
        total += ta.n;
        vg_alert_array_free(ta.v, ta.n);
        vg_alert_array_free(tb.v, tb.n);
        if (t_uniform(&seed) < 0.3) { /* restart b */
            char *js;
            OK(vg_alert_engine_state_json(b, &js, NULL));
            vg_alert_engine_free(b);
            b = engine(example);
            OK(vg_alert_engine_restore_json(b, js, strlen(js), NULL));
            free(js);
        }
    }
    assert_true(total > 50); /* the sequence did exercise the state machine */
    vg_alert_engine_free(a);
    vg_alert_engine_free(b);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_errors),
        cmocka_unit_test(test_parse_ok),
        cmocka_unit_test(test_durations),
        cmocka_unit_test(test_for_windows_and_hysteresis),
        cmocka_unit_test(test_revisions),
        cmocka_unit_test(test_flapping),
        cmocka_unit_test(test_for_duration_and_absence),
        cmocka_unit_test(test_immediate_and_ops),
        cmocka_unit_test(test_silences),
        cmocka_unit_test(test_restore_without_refire),
        cmocka_unit_test(test_restart_property),
        cmocka_unit_test(test_reload),
        cmocka_unit_test(test_export),
        cmocka_unit_test(test_worked_example),
    };
    return cmocka_run_group_tests_name("alert", tests, NULL, NULL);
}
