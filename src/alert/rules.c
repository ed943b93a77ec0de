/*
 * The alerting configuration: rules and notifiers read from YAML (a rules file, or the
 * `alerts:` section of the daemon config) with libyaml's document API, so that every error can
 * name the file, line and column of the node at fault, the rule (by name, or by index before its
 * name is known) and the field. Everything is validated here, once, so the engine and the daemon
 * only read well-formed structures: metric names against the catalogue, templates, durations,
 * globs, regexes, notifier references.
 */
#include <ctype.h>
#include <errno.h>
#include <fnmatch.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "../config/yamldoc.h"
#include "internal.h"

static const char *const window_metrics[] = {
    "drift_score",   "drift_p_value",        "drift_detected",        "drift_share",
    "dataset_drift", "missing_share",        "unseen_category_share", "out_of_range_share",
    "model_metric",  "estimated_metric",     "fairness_ratio",        "fairness_difference",
    "window_rows",   "window_labelled_rows", "pii_findings",          "pii_records_share"};
/* the integrity signals of a window (docs/monitor.md) */
static const char *const integrity_metrics[] = {"ood_share", "ood_feature_share", "duplicate_share",
                                                "sweep_share", "prediction_shift"};
static const char *const daemon_metrics[] = {"records_rejected_share", "label_join_rate",
                                             "token_rate_anomaly"};

#define COUNT(a) (sizeof(a) / sizeof *(a))

int vg_alert_metric_daemon_level(const char *metric) {
    for (size_t i = 0; metric && i < COUNT(daemon_metrics); i++)
        if (!strcmp(metric, daemon_metrics[i]))
            return 1;
    return 0;
}

int vg_alert_metric_known(const char *metric) {
    for (size_t i = 0; metric && i < COUNT(window_metrics); i++)
        if (!strcmp(metric, window_metrics[i]))
            return 1;
    for (size_t i = 0; metric && i < COUNT(integrity_metrics); i++)
        if (!strcmp(metric, integrity_metrics[i]))
            return 1;
    return vg_alert_metric_daemon_level(metric);
}

const char *vg_alert_op_name(vg_alert_op op) {
    static const char *names[] = {">", ">=", "<", "<=", "==", "!="};
    return (unsigned)op < COUNT(names) ? names[op] : "?";
}

const char *vg_alert_severity_name(vg_alert_severity s) {
    static const char *names[] = {"critical", "warning", "info"};
    return (unsigned)s < COUNT(names) ? names[s] : "?";
}

int vg_alert_parse_duration(const char *s, int64_t *ms) {
    /* one duration syntax for the whole daemon: the model specs' (vigia/monitor.h) */
    if (!s || isspace((unsigned char)*s) || vg_parse_duration_ms(s, ms) != VG_OK || *ms > 1e15)
        return VG_ERR_PARSE;
    return VG_OK;
}

/* ---- freeing ---- */

static void free_rule(vg_alert_rule *r) {
    free(r->name);
    free(r->model);
    free(r->feature);
    free(r->metric);
    for (size_t i = 0; i < r->n_match; i++)
        vg_alert_matcher_clear(&r->match[i]);
    free(r->match);
    vg_alert_kv_free(r->labels, r->n_labels);
    vg_alert_kv_free(r->annotations, r->n_annotations);
    for (size_t i = 0; i < r->n_notify; i++)
        free(r->notify[i]);
    free(r->notify);
}

static void free_notifier(vg_alert_notifier *n) {
    free(n->name);
    free(n->url);
    for (size_t i = 0; i < n->argc; i++)
        free(n->argv[i]);
    free(n->argv);
}

void vg_alert_config_free(vg_alert_config *c) {
    if (!c)
        return;
    for (size_t i = 0; i < c->n_rules; i++)
        free_rule(&c->rules[i]);
    free(c->rules);
    for (size_t i = 0; i < c->n_notifiers; i++)
        free_notifier(&c->notifiers[i]);
    free(c->notifiers);
    free(c);
}

const vg_alert_rule *vg_alert_config_rule(const vg_alert_config *c, const char *name) {
    for (size_t i = 0; c && i < c->n_rules; i++)
        if (!strcmp(c->rules[i].name, name))
            return &c->rules[i];
    return NULL;
}

const vg_alert_notifier *vg_alert_config_notifier(const vg_alert_config *c, const char *name) {
    for (size_t i = 0; c && i < c->n_notifiers; i++)
        if (!strcmp(c->notifiers[i].name, name))
            return &c->notifiers[i];
    return NULL;
}

/* ---- parsing ---- */

typedef struct {
    const char *path;
    yaml_document_t *doc;
    vg_error *err;
    char who[160]; /* "rule 'x'" / "notifier #2" */
} ctx;

static int fail(ctx *x, const yaml_node_t *n, const char *field, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 4, 5)))
#endif
    ;

static int fail(ctx *x, const yaml_node_t *n, const char *field, const char *fmt, ...) {
    char msg[320];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return vg_error_set(x->err, VG_ERR_PARSE, "%s:%lu:%lu: %s%s%s%s%s", x->path,
                        (unsigned long)(n ? n->start_mark.line + 1 : 0),
                        (unsigned long)(n ? n->start_mark.column + 1 : 0), x->who,
                        *x->who ? ": " : "", field ? field : "", field ? ": " : "", msg);
}

static int nomem(ctx *x) {
    return vg_error_set(x->err, VG_ERR_NOMEM, "out of memory");
}

static yaml_node_t *node(ctx *x, int id) {
    return yaml_document_get_node(x->doc, id);
}

static const yaml_node_t *map_get(ctx *x, const yaml_node_t *map, const char *key) {
    if (!map || map->type != YAML_MAPPING_NODE)
        return NULL;
    for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top;
         p++) {
        const char *k = vg_yaml_scalar(node(x, p->key));
        if (k && !strcmp(k, key))
            return node(x, p->value);
    }
    return NULL;
}

/* A key given twice in one mapping: YAML parsers disagree on which wins, so it is an error. */
static int dup_key(ctx *x, const yaml_node_t *map, const yaml_node_pair_t *p) {
    const char *k = vg_yaml_scalar(node(x, p->key));
    for (const yaml_node_pair_t *q = map->data.mapping.pairs.start; q < p; q++) {
        const char *kq = vg_yaml_scalar(node(x, q->key));
        if (k && kq && !strcmp(k, kq))
            return fail(x, node(x, p->key), k, "given twice (also at line %lu)",
                        (unsigned long)node(x, q->key)->start_mark.line + 1);
    }
    return VG_OK;
}

static int label_name_ok(const char *k) {
    if (!*k)
        return 0;
    for (const char *c = k; *c; c++)
        if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || *c == '_' ||
              (c > k && *c >= '0' && *c <= '9')))
            return 0;
    return 1;
}

static size_t seq_len(const yaml_node_t *n) {
    return (size_t)(n->data.sequence.items.top - n->data.sequence.items.start);
}

static int get_string(ctx *x, const yaml_node_t *v, const char *field, char **out) {
    const char *s = vg_yaml_scalar(v);
    if (!s || !*s)
        return fail(x, v, field, "expected a non-empty string");
    free(*out);
    if (!(*out = strdup(s)))
        return nomem(x);
    return VG_OK;
}

static int get_number(ctx *x, const yaml_node_t *v, const char *field, double *out) {
    const char *s = vg_yaml_scalar(v);
    char *end;
    errno = 0;
    double d = s ? strtod(s, &end) : NAN;
    if (!s || !*s || *end || errno || !isfinite(d))
        return fail(x, v, field, "expected a finite number, got '%s'", s ? s : "(not a scalar)");
    *out = d;
    return VG_OK;
}

static int get_uint(ctx *x, const yaml_node_t *v, const char *field, uint32_t lo, uint32_t hi,
                    uint32_t *out) {
    const char *s = vg_yaml_scalar(v);
    char *end;
    errno = 0;
    unsigned long long u = s && *s != '-' ? strtoull(s, &end, 10) : 0;
    if (!s || !*s || *s == '-' || *end || errno || u < lo || u > hi)
        return fail(x, v, field, "expected an integer between %u and %u, got '%s'", lo, hi,
                    s ? s : "(not a scalar)");
    *out = (uint32_t)u;
    return VG_OK;
}

static int get_duration(ctx *x, const yaml_node_t *v, const char *field, int64_t *out) {
    const char *s = vg_yaml_scalar(v);
    if (vg_alert_parse_duration(s, out) != VG_OK)
        return fail(x, v, field, "bad duration '%s' (expected e.g. 30s, 5m, 2h, 1h30m, 1d)",
                    s ? s : "(not a scalar)");
    return VG_OK;
}

static int get_glob(ctx *x, const yaml_node_t *v, const char *field, char **out) {
    int rc = get_string(x, v, field, out);
    if (rc != VG_OK)
        return rc;
    /* fnmatch has no compile step: reject the malformed bracket expressions it would treat
     * literally, so a typo does not silently match nothing */
    int depth = 0;
    for (const char *p = *out; *p; p++) {
        if (*p == '\\' && p[1])
            p++;
        else if (*p == '[')
            depth++;
        else if (*p == ']' && depth)
            depth--;
    }
    if (depth)
        return fail(x, v, field, "bad pattern '%s': unclosed '['", *out);
    return VG_OK;
}

static int get_template_map(ctx *x, const yaml_node_t *v, const char *field, vg_alert_kv **kv,
                            size_t *n) {
    if (v->type != YAML_MAPPING_NODE)
        return fail(x, v, field, "expected a mapping of name: template");
    for (yaml_node_pair_t *p = v->data.mapping.pairs.start; p < v->data.mapping.pairs.top; p++) {
        const yaml_node_t *kn = node(x, p->key), *vn = node(x, p->value);
        const char *k = vg_yaml_scalar(kn), *val = vg_yaml_scalar(vn);
        char why[256], f[160];
        if (!k || !*k)
            return fail(x, kn, field, "keys must be plain names");
        snprintf(f, sizeof f, "%s.%s", field, k);
        if (!val)
            return fail(x, vn, f, "expected a string template");
        if (!label_name_ok(k))
            return fail(x, kn, f, "'%s' is not a valid label name ([a-zA-Z_][a-zA-Z0-9_]*)", k);
        if (dup_key(x, v, p) != VG_OK)
            return VG_ERR_PARSE;
        if (vg_alert_tmpl_check(val, why, sizeof why) != VG_OK)
            return fail(x, vn, f, "bad template: %s", why);
        if (vg_alert_kv_set(kv, n, k, val) != VG_OK)
            return nomem(x);
    }
    return VG_OK;
}

static int parse_op(const char *s, vg_alert_op *op) {
    for (int i = 0; i <= VG_ALERT_NE; i++)
        if (s && !strcmp(s, vg_alert_op_name((vg_alert_op)i))) {
            *op = (vg_alert_op)i;
            return VG_OK;
        }
    if (s && !strcmp(s, "gt"))
        *op = VG_ALERT_GT;
    else if (s && !strcmp(s, "ge"))
        *op = VG_ALERT_GE;
    else if (s && !strcmp(s, "lt"))
        *op = VG_ALERT_LT;
    else if (s && !strcmp(s, "le"))
        *op = VG_ALERT_LE;
    else if (s && !strcmp(s, "eq"))
        *op = VG_ALERT_EQ;
    else if (s && !strcmp(s, "ne"))
        *op = VG_ALERT_NE;
    else
        return VG_ERR_PARSE;
    return VG_OK;
}

static int parse_rule(ctx *x, const yaml_node_t *rn, size_t index, vg_alert_config *c,
                      vg_alert_rule *r) {
    const char *nm = vg_yaml_scalar(map_get(x, rn, "name"));
    if (nm && *nm)
        snprintf(x->who, sizeof x->who, "rule '%s'", nm);
    else
        snprintf(x->who, sizeof x->who, "rule #%zu", index + 1);
    r->line = (int)rn->start_mark.line + 1;
    r->severity = VG_ALERT_WARNING;
    r->absent_resolve = c->absent_resolve;
    if (rn->type != YAML_MAPPING_NODE)
        return fail(x, rn, NULL, "expected a mapping (name:, metric:, op:, threshold:, ...)");
    const yaml_node_t *thr = NULL, *clear = NULL, *opn = NULL, *forn = NULL, *forw = NULL;
    int rc = VG_OK;
    for (yaml_node_pair_t *p = rn->data.mapping.pairs.start;
         rc == VG_OK && p < rn->data.mapping.pairs.top; p++) {
        const yaml_node_t *kn = node(x, p->key), *v = node(x, p->value);
        const char *k = vg_yaml_scalar(kn);
        if (!k)
            return fail(x, kn, NULL, "keys must be plain names");
        if ((rc = dup_key(x, rn, p)) != VG_OK)
            return rc;
        if (!strcmp(k, "name"))
            rc = get_string(x, v, k, &r->name);
        else if (!strcmp(k, "model"))
            rc = get_glob(x, v, k, &r->model);
        else if (!strcmp(k, "feature"))
            rc = get_glob(x, v, k, &r->feature);
        else if (!strcmp(k, "metric")) {
            rc = get_string(x, v, k, &r->metric);
            if (rc == VG_OK && !vg_alert_metric_known(r->metric))
                rc = fail(x, v, k,
                          "unknown metric '%s' (known: drift_score, drift_p_value, "
                          "drift_detected, drift_share, dataset_drift, missing_share, "
                          "unseen_category_share, out_of_range_share, model_metric, "
                          "estimated_metric, fairness_ratio, fairness_difference, window_rows, "
                          "window_labelled_rows, pii_findings, pii_records_share, ood_share, "
                          "ood_feature_share, duplicate_share, sweep_share, prediction_shift, "
                          "records_rejected_share, label_join_rate, token_rate_anomaly)",
                          r->metric);
        } else if (!strcmp(k, "match")) {
            if (v->type != YAML_MAPPING_NODE)
                return fail(x, v, k, "expected a mapping of label: value (or =~regex, !=value)");
            size_t m = (size_t)(v->data.mapping.pairs.top - v->data.mapping.pairs.start);
            if (!(r->match = calloc(m ? m : 1, sizeof *r->match)))
                return nomem(x);
            for (yaml_node_pair_t *q = v->data.mapping.pairs.start;
                 rc == VG_OK && q < v->data.mapping.pairs.top; q++) {
                const yaml_node_t *mk = node(x, q->key), *mv = node(x, q->value);
                const char *l = vg_yaml_scalar(mk), *s = vg_yaml_scalar(mv);
                char why[256], f[160];
                snprintf(f, sizeof f, "match.%s", l ? l : "?");
                if (!l || !*l || !s)
                    return fail(x, mv, f, "expected label: value");
                if (!label_name_ok(l))
                    return fail(x, mk, f, "'%s' is not a valid label name ([a-zA-Z_][a-zA-Z0-9_]*)",
                                l);
                if ((rc = dup_key(x, v, q)) != VG_OK)
                    return rc;
                rc = vg_alert_matcher_from_spec(&r->match[r->n_match], l, s, why, sizeof why);
                if (rc == VG_ERR_PARSE)
                    return fail(x, mv, f, "%s", why);
                if (rc != VG_OK)
                    return nomem(x);
                r->n_match++;
            }
        } else if (!strcmp(k, "op") || !strcmp(k, "comparison")) {
            opn = v;
            if (parse_op(vg_yaml_scalar(v), &r->op) != VG_OK)
                rc = fail(x, v, k, "bad comparison '%s' (expected >, >=, <, <=, == or !=)",
                          vg_yaml_scalar(v) ? vg_yaml_scalar(v) : "(not a scalar)");
        } else if (!strcmp(k, "threshold")) {
            thr = v;
            rc = get_number(x, v, k, &r->threshold);
        } else if (!strcmp(k, "clear_threshold")) {
            clear = v;
            r->has_clear = 1;
            rc = get_number(x, v, k, &r->clear_threshold);
        } else if (!strcmp(k, "for")) {
            forn = v;
            rc = get_duration(x, v, k, &r->for_ms);
        } else if (!strcmp(k, "for_windows")) {
            forw = v;
            rc = get_uint(x, v, k, 1, 1000000, &r->for_windows);
        } else if (!strcmp(k, "absent_resolve"))
            rc = get_uint(x, v, k, 0, 1000000, &r->absent_resolve);
        else if (!strcmp(k, "severity")) {
            const char *s = vg_yaml_scalar(v);
            if (s && !strcmp(s, "critical"))
                r->severity = VG_ALERT_CRITICAL;
            else if (s && !strcmp(s, "warning"))
                r->severity = VG_ALERT_WARNING;
            else if (s && !strcmp(s, "info"))
                r->severity = VG_ALERT_INFO;
            else
                rc = fail(x, v, k, "unknown severity '%s' (expected critical, warning or info)",
                          s ? s : "(not a scalar)");
        } else if (!strcmp(k, "labels"))
            rc = get_template_map(x, v, k, &r->labels, &r->n_labels);
        else if (!strcmp(k, "annotations"))
            rc = get_template_map(x, v, k, &r->annotations, &r->n_annotations);
        else if (!strcmp(k, "notify")) {
            size_t m = v->type == YAML_SEQUENCE_NODE ? seq_len(v) : 1;
            if (!(r->notify = calloc(m, sizeof *r->notify)))
                return nomem(x);
            for (size_t i = 0; rc == VG_OK && i < m; i++) {
                const yaml_node_t *it =
                    v->type == YAML_SEQUENCE_NODE ? node(x, v->data.sequence.items.start[i]) : v;
                rc = get_string(x, it, k, &r->notify[i]);
                if (rc == VG_OK) {
                    r->n_notify++;
                    if (!vg_alert_config_notifier(c, r->notify[i]))
                        rc = fail(x, it, k, "unknown notifier '%s' (define it under notifiers:)",
                                  r->notify[i]);
                }
            }
        } else
            rc = fail(x, kn, k,
                      "unknown field (expected name, model, feature, metric, match, op, "
                      "threshold, clear_threshold, for, for_windows, absent_resolve, severity, "
                      "labels, annotations, notify)");
    }
    if (rc != VG_OK)
        return rc;
    if (!r->name)
        return fail(x, rn, "name", "missing (every rule needs a unique name)");
    for (const char *p = r->name; *p; p++)
        if (*p == '"' || *p == '\\' || *p == '\n' || (unsigned char)*p < 0x20)
            return fail(x, map_get(x, rn, "name"), "name",
                        "must not contain quotes, backslashes or control characters");
    if (!r->metric)
        return fail(x, rn, "metric", "missing (which metric the rule watches)");
    if (!thr)
        return fail(x, rn, "threshold", "missing (the value the metric is compared with)");
    if (!opn)
        r->op = VG_ALERT_GT;
    if (forn && forw)
        return fail(x, forw, "for_windows", "give either for or for_windows, not both");
    if (!r->model && !(r->model = strdup("*")))
        return nomem(x);
    if (r->has_clear) {
        int ok = 1;
        if (r->op == VG_ALERT_GT || r->op == VG_ALERT_GE)
            ok = r->clear_threshold <= r->threshold;
        else if (r->op == VG_ALERT_LT || r->op == VG_ALERT_LE)
            ok = r->clear_threshold >= r->threshold;
        else
            return fail(x, clear, "clear_threshold", "hysteresis needs op >, >=, < or <=");
        if (!ok)
            return fail(x, clear, "clear_threshold",
                        "%g is on the firing side of threshold %g (for op %s it must be %s)",
                        r->clear_threshold, r->threshold, vg_alert_op_name(r->op),
                        r->op <= VG_ALERT_GE ? "<= threshold" : ">= threshold");
    }
    if (r->feature && vg_alert_metric_daemon_level(r->metric))
        return fail(x, map_get(x, rn, "feature"), "feature", "metric '%s' has no feature label",
                    r->metric);
    for (size_t i = 0; i < c->n_rules; i++)
        if (&c->rules[i] != r && c->rules[i].name && !strcmp(c->rules[i].name, r->name))
            return fail(x, map_get(x, rn, "name"), "name", "duplicate rule name (also at line %d)",
                        c->rules[i].line);
    return VG_OK;
}

static int parse_notifier(ctx *x, const yaml_node_t *nn, size_t index, vg_alert_config *c,
                          vg_alert_notifier *n) {
    const char *nm = vg_yaml_scalar(map_get(x, nn, "name"));
    if (nm && *nm)
        snprintf(x->who, sizeof x->who, "notifier '%s'", nm);
    else
        snprintf(x->who, sizeof x->who, "notifier #%zu", index + 1);
    n->line = (int)nn->start_mark.line + 1;
    n->timeout_ms = 5000;
    n->retries = 5;
    n->backoff_ms = 1000;
    n->max_backoff_ms = 300000;
    n->resend_ms = 60000;
    if (nn->type != YAML_MAPPING_NODE)
        return fail(x, nn, NULL, "expected a mapping (name:, type:, ...)");
    const yaml_node_t *typen = map_get(x, nn, "type");
    const char *type = vg_yaml_scalar(typen);
    if (!typen)
        return fail(x, nn, "type", "missing (webhook, alertmanager, exec or log)");
    if (type && !strcmp(type, "webhook"))
        n->type = VG_NOTIFY_WEBHOOK;
    else if (type && !strcmp(type, "alertmanager"))
        n->type = VG_NOTIFY_ALERTMANAGER;
    else if (type && !strcmp(type, "exec"))
        n->type = VG_NOTIFY_EXEC;
    else if (type && !strcmp(type, "log"))
        n->type = VG_NOTIFY_LOG;
    else
        return fail(x, typen, "type",
                    "unknown notifier type '%s' (webhook, alertmanager, exec, log)",
                    type ? type : "(not a scalar)");
    int rc = VG_OK;
    const yaml_node_t *cmd = NULL;
    for (yaml_node_pair_t *p = nn->data.mapping.pairs.start;
         rc == VG_OK && p < nn->data.mapping.pairs.top; p++) {
        const yaml_node_t *kn = node(x, p->key), *v = node(x, p->value);
        const char *k = vg_yaml_scalar(kn);
        int net = n->type == VG_NOTIFY_WEBHOOK || n->type == VG_NOTIFY_ALERTMANAGER;
        if (!k)
            return fail(x, kn, NULL, "keys must be plain names");
        if ((rc = dup_key(x, nn, p)) != VG_OK)
            return rc;
        if (!strcmp(k, "type"))
            continue;
        if (!strcmp(k, "name"))
            rc = get_string(x, v, k, &n->name);
        else if (!strcmp(k, "url") && net) {
            rc = get_string(x, v, k, &n->url);
            if (rc == VG_OK && strncmp(n->url, "http://", 7) && strncmp(n->url, "https://", 8))
                rc = fail(x, v, k, "'%s' is not an http:// or https:// URL", n->url);
        } else if (!strcmp(k, "timeout") && n->type != VG_NOTIFY_LOG) {
            rc = get_duration(x, v, k, &n->timeout_ms);
            if (rc == VG_OK && n->timeout_ms <= 0)
                rc = fail(x, v, k, "must be positive");
        } else if (!strcmp(k, "retries") && net)
            rc = get_uint(x, v, k, 0, 1000, &n->retries);
        else if (!strcmp(k, "backoff") && net) {
            rc = get_duration(x, v, k, &n->backoff_ms);
            if (rc == VG_OK && n->backoff_ms <= 0)
                rc = fail(x, v, k, "must be positive");
        } else if (!strcmp(k, "max_backoff") && net)
            rc = get_duration(x, v, k, &n->max_backoff_ms);
        else if (!strcmp(k, "resend") && n->type == VG_NOTIFY_ALERTMANAGER) {
            rc = get_duration(x, v, k, &n->resend_ms);
            if (rc == VG_OK && n->resend_ms <= 0)
                rc = fail(x, v, k, "must be positive");
        } else if (!strcmp(k, "command") && n->type == VG_NOTIFY_EXEC) {
            cmd = v;
            if (v->type != YAML_SEQUENCE_NODE || !seq_len(v))
                return fail(x, v, k, "expected a non-empty list (the program and its arguments)");
            size_t m = seq_len(v);
            if (!(n->argv = calloc(m + 1, sizeof *n->argv)))
                return nomem(x);
            for (size_t i = 0; rc == VG_OK && i < m; i++) {
                const yaml_node_t *it = node(x, v->data.sequence.items.start[i]);
                if (!vg_yaml_scalar(it))
                    return fail(x, it, k, "expected a string");
                if (!(n->argv[i] = strdup(vg_yaml_scalar(it))))
                    return nomem(x);
                n->argc++;
            }
        } else
            rc = fail(x, kn, k, "unknown field for a %s notifier", type);
    }
    if (rc != VG_OK)
        return rc;
    if (!n->name)
        return fail(x, nn, "name", "missing (rules refer to notifiers by name)");
    if ((n->type == VG_NOTIFY_WEBHOOK || n->type == VG_NOTIFY_ALERTMANAGER) && !n->url)
        return fail(x, nn, "url", "missing");
    if (n->type == VG_NOTIFY_EXEC && !cmd)
        return fail(x, nn, "command", "missing (a list: [program, arg, ...])");
    if (n->max_backoff_ms < n->backoff_ms)
        n->max_backoff_ms = n->backoff_ms;
    for (size_t i = 0; i < c->n_notifiers; i++)
        if (&c->notifiers[i] != n && c->notifiers[i].name && !strcmp(c->notifiers[i].name, n->name))
            return fail(x, map_get(x, nn, "name"), "name",
                        "duplicate notifier name (also at line %d)", c->notifiers[i].line);
    return VG_OK;
}

/* `strict`: the alerts: section of a daemon config, where every key must be known; the top
 * level of a rules file may hold other things (a daemon config without alerts:). */
static int parse_section(ctx *x, const yaml_node_t *sec, int strict, vg_alert_config *c) {
    const yaml_node_t *rules = NULL, *notifiers = NULL;
    int rc = VG_OK;
    for (yaml_node_pair_t *p = sec->data.mapping.pairs.start;
         rc == VG_OK && p < sec->data.mapping.pairs.top; p++) {
        const yaml_node_t *kn = node(x, p->key), *v = node(x, p->value);
        const char *k = vg_yaml_scalar(kn);
        if (!k)
            continue;
        if ((rc = dup_key(x, sec, p)) != VG_OK)
            return rc;
        if (!strcmp(k, "rules"))
            rules = v;
        else if (!strcmp(k, "notifiers"))
            notifiers = v;
        else if (!strcmp(k, "evaluation_interval")) {
            rc = get_duration(x, v, k, &c->eval_interval_ms);
            if (rc == VG_OK && c->eval_interval_ms < 100)
                rc = fail(x, v, k, "must be at least 100ms");
        } else if (!strcmp(k, "absent_resolve"))
            rc = get_uint(x, v, k, 0, 1000000, &c->absent_resolve);
        else if (strict)
            rc = fail(x, kn, "alerts",
                      "unknown key '%s' (expected rules, notifiers, evaluation_interval, "
                      "absent_resolve)",
                      k);
    }
    if (rc != VG_OK)
        return rc;
    if (notifiers) {
        if (notifiers->type != YAML_SEQUENCE_NODE)
            return fail(x, notifiers, "notifiers", "expected a list of notifiers");
        size_t m = seq_len(notifiers);
        if (!(c->notifiers = calloc(m ? m : 1, sizeof *c->notifiers)))
            return nomem(x);
        for (size_t i = 0; i < m; i++) {
            c->n_notifiers++;
            rc = parse_notifier(x, node(x, notifiers->data.sequence.items.start[i]), i, c,
                                &c->notifiers[i]);
            if (rc != VG_OK)
                return rc;
        }
    }
    x->who[0] = 0;
    if (rules) {
        if (rules->type != YAML_SEQUENCE_NODE)
            return fail(x, rules, "rules", "expected a list of rules");
        size_t m = seq_len(rules);
        if (!(c->rules = calloc(m ? m : 1, sizeof *c->rules)))
            return nomem(x);
        for (size_t i = 0; i < m; i++) {
            c->n_rules++;
            rc = parse_rule(x, node(x, rules->data.sequence.items.start[i]), i, c, &c->rules[i]);
            if (rc != VG_OK)
                return rc;
        }
    }
    return VG_OK;
}

int vg_alert_config_load(const char *path, const void *data, size_t len, const char *name,
                         vg_alert_config **out, vg_error *err) {
    yaml_document_t doc;
    int rc = vg_yaml_load(path, data, len, name, &doc, err);
    if (rc != VG_OK)
        return rc;
    vg_alert_config *c = calloc(1, sizeof *c);
    if (!c) {
        yaml_document_delete(&doc);
        return vg_error_set(err, VG_ERR_NOMEM, "out of memory");
    }
    c->eval_interval_ms = 30000;
    c->absent_resolve = 3;
    ctx x = {.path = name ? name : path ? path : "(config)", .doc = &doc, .err = err};
    const yaml_node_t *root = yaml_document_get_root_node(&doc);
    if (root && root->type == YAML_MAPPING_NODE) {
        const yaml_node_t *sec = map_get(&x, root, "alerts");
        if (sec && sec->type != YAML_MAPPING_NODE)
            rc = fail(&x, sec, "alerts", "expected a mapping (rules:, notifiers:, ...)");
        else
            rc = parse_section(&x, sec ? sec : root, sec != NULL, c);
    } else if (root && !(root->type == YAML_SCALAR_NODE && !*vg_yaml_scalar(root)))
        rc = fail(&x, root, NULL, "expected a mapping with rules: and notifiers:");
    yaml_document_delete(&doc);
    if (rc != VG_OK) {
        vg_alert_config_free(c);
        return rc;
    }
    *out = c;
    return VG_OK;
}
