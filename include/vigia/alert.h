/*
 * Alerting rules over the metric samples of monitored models (issue 7): the rule language, its
 * notifiers section, the state machine of alert instances, silences, serialization of that state,
 * and the export of equivalent Prometheus alerting rules. Pure logic like the rest of libvigia: no
 * I/O beyond reading a YAML file, no threads, no clock (every evaluation is given its times). The
 * daemon (src/serve) calls one engine under its own lock, delivers the notifications the
 * transitions ask for, and persists vg_alert_engine_state_json() so that a restart neither loses
 * a firing alert nor fires it twice. docs/alerting.md documents the language and the states.
 *
 * Configuration (a standalone rules file, or the `alerts:` section of the daemon config):
 *
 *   alerts:                        # or these keys at the top level of a rules file
 *     evaluation_interval: 30s     # how often the daemon evaluates daemon-level metrics
 *     absent_resolve: 3            # default for rules: evaluations without a sample
 *     notifiers:
 *       - {name: ops, type: webhook, url: "http://...", timeout: 5s, retries: 5, backoff: 1s}
 *       - {name: am, type: alertmanager, url: "http://127.0.0.1:9093", resend: 1m}
 *       - {name: hook, type: exec, command: [/usr/local/bin/page, --team, ml], timeout: 10s}
 *       - {name: stderr, type: log}
 *     rules:
 *       - name: feature_drift
 *         model: "credit-*"           # glob over model names (default: every model)
 *         feature: "*"                # glob over the sample's feature label (optional)
 *         metric: drift_score         # a name of the catalogue (vg_alert_metric_known)
 *         match: {baseline: reference, method: "=~psi|jensen_shannon"}  # label matchers
 *         op: ">"                     # > >= < <= == !=
 *         threshold: 0.2
 *         clear_threshold: 0.1        # hysteresis: firing clears when the value crosses it
 *         for: 2h                     # or for_windows: 3 (not both)
 *         absent_resolve: 3
 *         severity: warning           # critical | warning | info
 *         labels: {team: risk}
 *         annotations: {summary: "{{feature}} drifted on {{model}}: {{value}} > {{threshold}}"}
 *         notify: [ops, am]
 *
 * Matcher values: "=~re" and "!~re" are POSIX extended regexes anchored at both ends, "!=x" is
 * inequality, anything else is equality ("==x" forces equality on a value starting with "=").
 */
#ifndef VIGIA_ALERT_H
#define VIGIA_ALERT_H

#include <stddef.h>
#include <stdint.h>

#include "vigia/error.h"
#include "vigia/monitor.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- the rule language ----------------------------------------------------------------------- */

typedef enum vg_alert_op {
    VG_ALERT_GT = 0, /* > */
    VG_ALERT_GE,     /* >= */
    VG_ALERT_LT,     /* < */
    VG_ALERT_LE,     /* <= */
    VG_ALERT_EQ,     /* == */
    VG_ALERT_NE      /* != */
} vg_alert_op;

typedef enum vg_alert_severity {
    VG_ALERT_CRITICAL = 0,
    VG_ALERT_WARNING,
    VG_ALERT_INFO
} vg_alert_severity;

typedef enum vg_alert_match_op {
    VG_MATCH_EQ = 0, /* label = value */
    VG_MATCH_NE,     /* label != value */
    VG_MATCH_RE,     /* label =~ regex (anchored) */
    VG_MATCH_NRE     /* label !~ regex (anchored) */
} vg_alert_match_op;

/* A label matcher, in rules (`match:`) and silences. An absent label matches as "". */
typedef struct vg_alert_matcher {
    char *label;
    vg_alert_match_op op;
    char *value;
    void *re; /* compiled regex (regex_t *) for RE/NRE; owned, private */
} vg_alert_matcher;

typedef struct vg_alert_kv {
    char *key;
    char *value; /* labels/annotations of rules: a template ({{model}}, ...) */
} vg_alert_kv;

typedef struct vg_alert_rule {
    char *name;    /* unique in a config; also the alert's "alertname" */
    char *model;   /* glob (fnmatch) over model names; "*" when not given */
    char *feature; /* glob over the sample's feature label, or NULL (any sample) */
    char *metric;  /* sample name without "vigia_", e.g. "drift_score" */
    vg_alert_matcher *match;
    size_t n_match;
    vg_alert_op op;
    double threshold;
    int has_clear; /* clear_threshold given (hysteresis) */
    double clear_threshold;
    int64_t for_ms;          /* condition must hold this long (0: fire at once) */
    uint32_t for_windows;    /* or this many consecutive evaluations (0: not used) */
    uint32_t absent_resolve; /* in-scope evaluations without a sample before a firing alert
                                resolves (0: never resolves for absence) */
    vg_alert_severity severity;
    vg_alert_kv *labels;
    size_t n_labels;
    vg_alert_kv *annotations;
    size_t n_annotations;
    char **notify; /* notifier names, each defined in the config's notifiers */
    size_t n_notify;
    int line; /* 1-based line of the rule in its file (0 when unknown) */
} vg_alert_rule;

typedef enum vg_alert_notifier_type {
    VG_NOTIFY_WEBHOOK = 0,  /* JSON POST to url */
    VG_NOTIFY_ALERTMANAGER, /* POST url + /api/v2/alerts, re-sent every resend_ms while firing */
    VG_NOTIFY_EXEC,         /* runs argv with the alert as JSON on stdin and VIGIA_* env vars */
    VG_NOTIFY_LOG           /* a structured line on stderr */
} vg_alert_notifier_type;

typedef struct vg_alert_notifier {
    char *name;
    vg_alert_notifier_type type;
    char *url;          /* webhook, alertmanager (base URL); else NULL */
    int64_t timeout_ms; /* per attempt (webhook, alertmanager) or per run (exec); default 5000 */
    uint32_t retries;   /* delivery attempts after the first (webhook, alertmanager); default 5 */
    int64_t backoff_ms; /* first retry delay, doubled each retry; default 1000 */
    int64_t max_backoff_ms; /* cap of the delay; default 300000 */
    int64_t resend_ms;      /* alertmanager: re-send interval while firing; default 60000 */
    char **argv;            /* exec: the command, NULL-terminated; else NULL */
    size_t argc;
    int line;
} vg_alert_notifier;

typedef struct vg_alert_config {
    vg_alert_rule *rules;
    size_t n_rules;
    vg_alert_notifier *notifiers;
    size_t n_notifiers;
    int64_t eval_interval_ms; /* evaluation_interval; default 30000 */
    uint32_t absent_resolve;  /* default of rules; default 3 */
} vg_alert_config;

/* Loads the alerting configuration of the YAML file `path` (data NULL), or of `len` bytes at
 * `data` with `name` standing for the file in messages. It reads the top-level `alerts:` mapping
 * if there is one (daemon config; other top-level keys are ignored), else the top-level keys
 * `rules:`, `notifiers:`, `evaluation_interval:`, `absent_resolve:` (rules file). A document
 * with neither gives an empty config. On VG_OK the caller frees *out with vg_alert_config_free.
 * Errors (VG_ERR_PARSE, VG_ERR_IO, VG_ERR_NOMEM) name "file:line:column: rule 'name' (or rule
 * #i): field: problem": unknown metric, unknown key, bad comparison, bad threshold, missing
 * threshold, bad template, bad duration, bad glob or regex, duplicate name, unknown notifier. */
int vg_alert_config_load(const char *path, const void *data, size_t len, const char *name,
                         vg_alert_config **out, vg_error *err);
void vg_alert_config_free(vg_alert_config *c);

/* The rule (or notifier) called `name`, or NULL. Borrowed from the config. */
const vg_alert_rule *vg_alert_config_rule(const vg_alert_config *c, const char *name);
const vg_alert_notifier *vg_alert_config_notifier(const vg_alert_config *c, const char *name);

/* The config as JSON (GET /v1/rules): {"evaluation_interval_ms":..., "rules":[...],
 * "notifiers":[...]}. Caller frees *json with free(). */
int vg_alert_config_json(const vg_alert_config *c, char **json, vg_error *err);

/* Prometheus alerting rules equivalent to the config, over vigia's /metrics names (YAML, one
 * group "vigia"). for_windows becomes a `for:` of N x `window_ms` (the caller's window length;
 * 0 makes it N x evaluation_interval); hysteresis has no Prometheus equivalent and is noted in a
 * comment. Caller frees *yaml with free(). */
int vg_alert_config_export_prometheus(const vg_alert_config *c, int64_t window_ms, char **yaml,
                                      vg_error *err);

/* 1 when `metric` is a name alerts may use: drift_score, drift_p_value, drift_detected,
 * drift_share, dataset_drift, missing_share, unseen_category_share, out_of_range_share,
 * model_metric, estimated_metric, fairness_ratio, fairness_difference, window_rows,
 * window_labelled_rows, ood_share, ood_feature_share, duplicate_share, sweep_share,
 * prediction_shift (window metrics) and records_rejected_share, label_join_rate
 * (daemon-level, evaluated on the interval). */
int vg_alert_metric_known(const char *metric);
/* 1 for the daemon-level names (records_rejected_share, label_join_rate), else 0. */
int vg_alert_metric_daemon_level(const char *metric);

/* Parses a duration: "250ms", "30s", "5m", "2h", "1d", "1h30m", or a bare number of seconds.
 * Returns VG_OK and *ms, or VG_ERR_PARSE. */
int vg_alert_parse_duration(const char *s, int64_t *ms);

const char *vg_alert_op_name(vg_alert_op op);            /* ">" ... */
const char *vg_alert_severity_name(vg_alert_severity s); /* "critical" ... */

/* ---- alert states ---------------------------------------------------------------------------- */

typedef enum vg_alert_state {
    VG_ALERT_INACTIVE = 0, /* condition false; such instances are not kept */
    VG_ALERT_PENDING,      /* condition true, `for` not yet met */
    VG_ALERT_FIRING,
    VG_ALERT_RESOLVED /* was firing, condition cleared (or absent); kept until it is inactive */
} vg_alert_state;

const char *vg_alert_state_name(vg_alert_state s); /* "inactive", "pending", ... */

/* A snapshot of one alert instance (rule, model, labels of the matched sample), owned copy. In a
 * transition, `from` is the previous state and `state` the new one; `silenced` says that the
 * notifications of this transition must be suppressed (the state still changes). */
typedef struct vg_alert {
    char fingerprint[17]; /* 16 hex digits, stable over restarts: hash of rule, model, labels */
    char *rule;           /* rule name */
    char *model;
    char *sample_labels; /* the sample's labels in exposition syntax (feature="age",...) */
    char *feature;       /* the sample's feature label, or NULL */
    vg_alert_severity severity;
    vg_alert_state from, state;
    double value;     /* the last value seen (NaN if none yet) */
    double threshold; /* the threshold the value was compared with (clear one when clearing) */
    int64_t active_since_ms; /* start of the condition (event time of its first window) */
    int64_t fired_at_ms;     /* wall time (now_ms) it fired, 0 if not */
    int64_t resolved_at_ms;  /* wall time it resolved, 0 if not */
    int64_t at_ms;           /* time of the evaluation: window end (event time), or now */
    uint32_t count;          /* consecutive evaluations meeting the condition */
    int silenced;            /* a silence matches (at the evaluation time) */
    char silence_id[40];     /* the first matching silence, "" if none */
    int acknowledged;        /* acknowledged through the API (cleared when it resolves) */
    vg_alert_kv *labels;     /* rendered: alertname, model, severity, feature, the sample's
                                labels, then the rule's labels */
    size_t n_labels;
    vg_alert_kv *annotations; /* rendered */
    size_t n_annotations;
    char **notify; /* the rule's notifier names (copies) */
    size_t n_notify;
} vg_alert;

void vg_alert_clear(vg_alert *a);                /* frees what one snapshot owns */
void vg_alert_array_free(vg_alert *a, size_t n); /* clears each, then frees the array */

/* The alert as JSON (webhook body, exec stdin, API): {"fingerprint","rule","model","feature",
 * "severity","state","from","value","threshold","active_since","fired_at","resolved_at","at"
 * (RFC 3339 UTC, null when 0),"silenced","silence_id","acknowledged","labels":{},
 * "annotations":{},"sample_labels"}. Caller frees *json with free(). */
int vg_alert_json(const vg_alert *a, char **json, vg_error *err);

/* ---- silences -------------------------------------------------------------------------------- */

typedef struct vg_alert_silence {
    char id[40]; /* given by the caller, or assigned by vg_alert_engine_add_silence when "" */
    vg_alert_matcher *matchers; /* over the alert's rendered labels (alertname, model, ...) */
    size_t n_matchers;
    int64_t starts_ms, ends_ms; /* active in [starts, ends) */
    char *created_by;           /* may be NULL */
    char *comment;              /* may be NULL */
} vg_alert_silence;

/* Parses a silence from JSON (POST /v1/silences): {"matchers":[{"name":"model","value":"x",
 * "isRegex":false,"isEqual":true}, ...] (Alertmanager's shape) or {"matchers":{"model":"x",
 * "alertname":"=~drift.*"}} (the rule syntax), "startsAt" (RFC 3339, default now_ms), "endsAt"
 * or "duration" ("2h"), "createdBy", "comment", optional "id"}. At least one matcher and
 * endsAt > startsAt are required. The caller clears *out with vg_alert_silence_clear. */
int vg_alert_silence_parse_json(const char *json, size_t len, int64_t now_ms, vg_alert_silence *out,
                                vg_error *err);
void vg_alert_silence_clear(vg_alert_silence *s);
int vg_alert_silence_json(const vg_alert_silence *s, char **json, vg_error *err);

/* ---- the engine ------------------------------------------------------------------------------ */

typedef struct vg_alert_engine vg_alert_engine;

/* A new engine over `cfg`, which it takes (frees it on error too). Caller frees the engine with
 * vg_alert_engine_free. */
int vg_alert_engine_new(vg_alert_config *cfg, vg_alert_engine **out, vg_error *err);
void vg_alert_engine_free(vg_alert_engine *e);

/* The current config (borrowed; valid until it is replaced). */
const vg_alert_config *vg_alert_engine_config(const vg_alert_engine *e);

/* Replaces the config (taken, even on error) on reload. Instances of rules that keep their name
 * keep their state (a firing alert stays firing, and its rendered labels follow the new rule);
 * instances of removed rules are dropped, their resolution reported in *out as transitions to
 * RESOLVED (at now_ms) for those firing. Caller frees *out with vg_alert_array_free. */
int vg_alert_engine_replace_config(vg_alert_engine *e, vg_alert_config *cfg, int64_t now_ms,
                                   vg_alert *out_transitions[], size_t *n_out, vg_error *err);

/* One evaluation of a model's samples.
 * - kind WINDOW: the samples of a closed window (vg_window.metrics plus any extra); from_ms and
 *   to_ms are the window's event-time bounds. Rules over window metrics are in scope.
 * - kind INTERVAL: daemon-level samples (records_rejected_share, label_join_rate), evaluated on
 *   the interval; from_ms = to_ms = now_ms. Rules over daemon-level metrics are in scope.
 * `for` is counted in the time of evaluations: event time for windows (the condition holds since
 *  the start of the first window meeting it; it fires when to_ms - active_since >= for), wall
 *  time for interval evaluations. for_windows counts consecutive in-scope evaluations meeting the
 *  condition. An in-scope instance without a sample keeps its state (and its count) until
 *  absent_resolve such evaluations in a row: then pending goes back to inactive, firing resolves. A
 * window evaluated again with the same bounds (its revision after late labels) updates the values
 * without counting as another window; the revision of an older window (both bounds earlier than the
 *  instance's last) leaves the instance alone.
 * now_ms is the wall time (fired_at, resolved_at, silences). Transitions come out in *out, in
 * rule order; caller frees them with vg_alert_array_free. */
typedef enum vg_alert_eval_kind {
    VG_ALERT_EVAL_WINDOW = 0,
    VG_ALERT_EVAL_INTERVAL
} vg_alert_eval_kind;

int vg_alert_engine_eval(vg_alert_engine *e, vg_alert_eval_kind kind, const char *model,
                         const vg_metric_sample *samples, size_t n_samples, int64_t from_ms,
                         int64_t to_ms, int64_t now_ms, vg_alert *out[], size_t *n_out,
                         vg_error *err);

/* Forgets a model's instances (model deleted): firing ones come out as RESOLVED transitions. */
int vg_alert_engine_drop_model(vg_alert_engine *e, const char *model, int64_t now_ms,
                               vg_alert *out[], size_t *n_out, vg_error *err);

/* Snapshots of the instances, pending and firing (GET /v1/alerts), plus resolved ones when
 * `with_resolved`; silenced/flags computed at now_ms. Caller frees with vg_alert_array_free. */
int vg_alert_engine_alerts(const vg_alert_engine *e, int with_resolved, int64_t now_ms,
                           vg_alert *out[], size_t *n_out, vg_error *err);

/* Acknowledges the instance with this fingerprint (until it resolves): VG_OK, or
 * VG_ERR_INVALID when there is no such pending/firing instance. */
int vg_alert_engine_ack(vg_alert_engine *e, const char *fingerprint, vg_error *err);

/* Silences: add (copied; assigns s->id when empty, written back to `s`), expire (by id: ends at
 * now_ms; VG_ERR_INVALID if unknown), list (copies; caller clears each and frees the array).
 * Silences are dropped by eval a day after their end. */
int vg_alert_engine_add_silence(vg_alert_engine *e, vg_alert_silence *s, vg_error *err);
int vg_alert_engine_expire_silence(vg_alert_engine *e, const char *id, int64_t now_ms,
                                   vg_error *err);
int vg_alert_engine_silences(const vg_alert_engine *e, vg_alert_silence **out, size_t *n_out,
                             vg_error *err);
/* 1 when an active silence (at now_ms) matches the rendered labels of `a`; copies its id. */
int vg_alert_engine_silenced(const vg_alert_engine *e, const vg_alert *a, int64_t now_ms,
                             char id[40]);

/* The state to persist (instances and silences) as JSON: {"version":1,"instances":[...],
 * "silences":[...]}. Caller frees *json with free(). */
int vg_alert_engine_state_json(const vg_alert_engine *e, char **json, vg_error *err);

/* Restores a state_json into an engine (after a restart, before any evaluation): instances of
 * rules that no longer exist are dropped; restored firing alerts do not fire again. */
int vg_alert_engine_restore_json(vg_alert_engine *e, const char *json, size_t len, vg_error *err);

#ifdef __cplusplus
}
#endif
#endif
