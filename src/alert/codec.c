/*
 * JSON forms of the alerting objects, with jansson: an alert (the body of webhooks and exec
 * hooks, and of the API), the configuration (GET /v1/rules), silences (POST /v1/silences takes
 * Alertmanager's matcher shape or the rule syntax), and the engine state the daemon persists.
 * The persisted state keeps times in milliseconds and every counter of the state machine, so a
 * restored engine continues exactly where it stopped: a firing alert stays firing and does not
 * produce a second firing transition.
 */
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"
#include "vigia/monitor.h"

static json_t *time_or_null(int64_t ms) {
    if (!ms)
        return json_null();
    char buf[40];
    vg_format_rfc3339_ms(ms, buf, sizeof buf);
    return json_string(buf);
}

static json_t *num_or_null(double v) {
    return isfinite(v) ? json_real(v) : json_null();
}

static json_t *str_or_null(const char *s) {
    return s ? json_string(s) : json_null();
}

static json_t *kv_object(const vg_alert_kv *kv, size_t n) {
    json_t *o = json_object();
    for (size_t i = 0; o && i < n; i++)
        json_object_set_new(o, kv[i].key, json_string(kv[i].value));
    return o;
}

static int dump(json_t *j, char **out, vg_error *err) {
    char *s = j ? json_dumps(j, JSON_COMPACT | JSON_REAL_PRECISION(17)) : NULL;
    json_decref(j);
    if (!s)
        return vg_error_set(err, VG_ERR_NOMEM, "out of memory");
    *out = s;
    return VG_OK;
}

static json_t *alert_object(const vg_alert *a) {
    json_t *o = json_object();
    json_t *notify = json_array();
    for (size_t i = 0; notify && i < a->n_notify; i++)
        json_array_append_new(notify, json_string(a->notify[i]));
    json_object_set_new(o, "fingerprint", json_string(a->fingerprint));
    json_object_set_new(o, "rule", json_string(a->rule));
    json_object_set_new(o, "model", json_string(a->model));
    json_object_set_new(o, "feature", str_or_null(a->feature));
    json_object_set_new(o, "severity", json_string(vg_alert_severity_name(a->severity)));
    json_object_set_new(o, "state", json_string(vg_alert_state_name(a->state)));
    json_object_set_new(o, "from", json_string(vg_alert_state_name(a->from)));
    json_object_set_new(o, "value", num_or_null(a->value));
    json_object_set_new(o, "threshold", num_or_null(a->threshold));
    json_object_set_new(o, "active_since", time_or_null(a->active_since_ms));
    json_object_set_new(o, "fired_at", time_or_null(a->fired_at_ms));
    json_object_set_new(o, "resolved_at", time_or_null(a->resolved_at_ms));
    json_object_set_new(o, "at", time_or_null(a->at_ms));
    json_object_set_new(o, "silenced", json_boolean(a->silenced));
    json_object_set_new(o, "silence_id",
                        a->silence_id[0] ? json_string(a->silence_id) : json_null());
    json_object_set_new(o, "acknowledged", json_boolean(a->acknowledged));
    json_object_set_new(o, "labels", kv_object(a->labels, a->n_labels));
    json_object_set_new(o, "annotations", kv_object(a->annotations, a->n_annotations));
    json_object_set_new(o, "sample_labels", json_string(a->sample_labels ? a->sample_labels : ""));
    json_object_set_new(o, "notify", notify);
    return o;
}

int vg_alert_json(const vg_alert *a, char **json, vg_error *err) {
    return dump(alert_object(a), json, err);
}

static json_t *matchers_array(const vg_alert_matcher *m, size_t n) {
    json_t *a = json_array();
    for (size_t i = 0; a && i < n; i++) {
        json_t *o = json_object();
        json_object_set_new(o, "name", json_string(m[i].label));
        json_object_set_new(o, "value", json_string(m[i].value));
        json_object_set_new(o, "op", json_string(vg_alert_match_op_name(m[i].op)));
        json_object_set_new(o, "isRegex",
                            json_boolean(m[i].op == VG_MATCH_RE || m[i].op == VG_MATCH_NRE));
        json_object_set_new(o, "isEqual",
                            json_boolean(m[i].op == VG_MATCH_EQ || m[i].op == VG_MATCH_RE));
        json_array_append_new(a, o);
    }
    return a;
}

int vg_alert_config_json(const vg_alert_config *c, char **json, vg_error *err) {
    json_t *root = json_object(), *rules = json_array(), *nots = json_array();
    for (size_t i = 0; i < c->n_rules; i++) {
        const vg_alert_rule *r = &c->rules[i];
        json_t *o = json_object(), *notify = json_array();
        json_object_set_new(o, "name", json_string(r->name));
        json_object_set_new(o, "model", json_string(r->model));
        json_object_set_new(o, "feature", str_or_null(r->feature));
        json_object_set_new(o, "metric", json_string(r->metric));
        json_object_set_new(o, "match", matchers_array(r->match, r->n_match));
        json_object_set_new(o, "op", json_string(vg_alert_op_name(r->op)));
        json_object_set_new(o, "threshold", json_real(r->threshold));
        json_object_set_new(o, "clear_threshold",
                            r->has_clear ? json_real(r->clear_threshold) : json_null());
        json_object_set_new(o, "for_ms", json_integer(r->for_ms));
        json_object_set_new(o, "for_windows", json_integer(r->for_windows));
        json_object_set_new(o, "absent_resolve", json_integer(r->absent_resolve));
        json_object_set_new(o, "severity", json_string(vg_alert_severity_name(r->severity)));
        json_object_set_new(o, "labels", kv_object(r->labels, r->n_labels));
        json_object_set_new(o, "annotations", kv_object(r->annotations, r->n_annotations));
        for (size_t k = 0; k < r->n_notify; k++)
            json_array_append_new(notify, json_string(r->notify[k]));
        json_object_set_new(o, "notify", notify);
        json_object_set_new(
            o, "evaluated",
            json_string(vg_alert_metric_daemon_level(r->metric) ? "interval" : "window"));
        json_array_append_new(rules, o);
    }
    static const char *types[] = {"webhook", "alertmanager", "exec", "log"};
    for (size_t i = 0; i < c->n_notifiers; i++) {
        const vg_alert_notifier *n = &c->notifiers[i];
        json_t *o = json_object();
        json_object_set_new(o, "name", json_string(n->name));
        json_object_set_new(o, "type", json_string(types[n->type]));
        if (n->url)
            json_object_set_new(o, "url", json_string(n->url));
        if (n->type != VG_NOTIFY_LOG)
            json_object_set_new(o, "timeout_ms", json_integer(n->timeout_ms));
        if (n->type == VG_NOTIFY_WEBHOOK || n->type == VG_NOTIFY_ALERTMANAGER) {
            json_object_set_new(o, "retries", json_integer(n->retries));
            json_object_set_new(o, "backoff_ms", json_integer(n->backoff_ms));
            json_object_set_new(o, "max_backoff_ms", json_integer(n->max_backoff_ms));
        }
        if (n->type == VG_NOTIFY_ALERTMANAGER)
            json_object_set_new(o, "resend_ms", json_integer(n->resend_ms));
        if (n->type == VG_NOTIFY_EXEC) {
            json_t *a = json_array();
            for (size_t k = 0; k < n->argc; k++)
                json_array_append_new(a, json_string(n->argv[k]));
            json_object_set_new(o, "command", a);
        }
        json_array_append_new(nots, o);
    }
    json_object_set_new(root, "evaluation_interval_ms", json_integer(c->eval_interval_ms));
    json_object_set_new(root, "absent_resolve", json_integer(c->absent_resolve));
    json_object_set_new(root, "rules", rules);
    json_object_set_new(root, "notifiers", nots);
    return dump(root, json, err);
}

/* ---- silences ---- */

static json_t *silence_object(const vg_alert_silence *s, int persist) {
    json_t *o = json_object();
    json_object_set_new(o, "id", json_string(s->id));
    json_object_set_new(o, "matchers", matchers_array(s->matchers, s->n_matchers));
    if (persist) {
        json_object_set_new(o, "starts_ms", json_integer(s->starts_ms));
        json_object_set_new(o, "ends_ms", json_integer(s->ends_ms));
    } else {
        json_object_set_new(o, "startsAt", time_or_null(s->starts_ms));
        json_object_set_new(o, "endsAt", time_or_null(s->ends_ms));
    }
    json_object_set_new(o, "createdBy", str_or_null(s->created_by));
    json_object_set_new(o, "comment", str_or_null(s->comment));
    return o;
}

int vg_alert_silence_json(const vg_alert_silence *s, char **json, vg_error *err) {
    return dump(silence_object(s, 0), json, err);
}

static int add_matcher(vg_alert_silence *s, const char *label, vg_alert_match_op op,
                       const char *value, const char *spec, vg_error *err) {
    char why[256];
    vg_alert_matcher *g = realloc(s->matchers, (s->n_matchers + 1) * sizeof *g);
    if (!g)
        return vg_error_set(err, VG_ERR_NOMEM, "out of memory");
    s->matchers = g;
    int rc = spec ? vg_alert_matcher_from_spec(&g[s->n_matchers], label, spec, why, sizeof why)
                  : vg_alert_matcher_init(&g[s->n_matchers], label, op, value, why, sizeof why);
    if (rc == VG_ERR_PARSE)
        return vg_error_set(err, rc, "silence: matchers.%s: %s", label, why);
    if (rc != VG_OK)
        return vg_error_set(err, rc, "out of memory");
    s->n_matchers++;
    return VG_OK;
}

static int parse_silence(json_t *root, int64_t now_ms, int persist, vg_alert_silence *s,
                         vg_error *err) {
    memset(s, 0, sizeof *s);
    if (!json_is_object(root))
        return vg_error_set(err, VG_ERR_PARSE, "silence: expected a JSON object");
    json_t *m = json_object_get(root, "matchers"), *v;
    int rc = VG_OK;
    if (json_is_array(m)) {
        size_t i;
        json_array_foreach(m, i, v) {
            const char *name = json_string_value(json_object_get(v, "name"));
            const char *value = json_string_value(json_object_get(v, "value"));
            const char *op = json_string_value(json_object_get(v, "op"));
            json_t *isre = json_object_get(v, "isRegex"), *iseq = json_object_get(v, "isEqual");
            if (!name || !*name || !value)
                return vg_error_set(err, VG_ERR_PARSE,
                                    "silence: matchers[%zu]: expected {\"name\", \"value\", "
                                    "\"isRegex\", \"isEqual\"}",
                                    i);
            vg_alert_match_op mo;
            if (op) {
                if (!strcmp(op, "="))
                    mo = VG_MATCH_EQ;
                else if (!strcmp(op, "!="))
                    mo = VG_MATCH_NE;
                else if (!strcmp(op, "=~"))
                    mo = VG_MATCH_RE;
                else if (!strcmp(op, "!~"))
                    mo = VG_MATCH_NRE;
                else
                    return vg_error_set(err, VG_ERR_PARSE,
                                        "silence: matchers[%zu].op: '%s' is not =, !=, =~ or !~", i,
                                        op);
            } else {
                int re = json_is_true(isre), eq = !json_is_false(iseq);
                mo = re ? (eq ? VG_MATCH_RE : VG_MATCH_NRE) : (eq ? VG_MATCH_EQ : VG_MATCH_NE);
            }
            if ((rc = add_matcher(s, name, mo, value, NULL, err)) != VG_OK)
                return rc;
        }
    } else if (json_is_object(m)) {
        const char *k;
        json_object_foreach(m, k, v) {
            if (!json_is_string(v))
                return vg_error_set(err, VG_ERR_PARSE, "silence: matchers.%s: expected a string",
                                    k);
            if ((rc = add_matcher(s, k, VG_MATCH_EQ, NULL, json_string_value(v), err)) != VG_OK)
                return rc;
        }
    } else
        return vg_error_set(err, VG_ERR_PARSE, "silence: matchers: expected an array or object");
    if (!s->n_matchers)
        return vg_error_set(err, VG_ERR_PARSE, "silence: matchers: at least one is required");
    json_t *id = json_object_get(root, "id");
    if (id && !json_is_null(id)) {
        const char *ids = json_string_value(id);
        if (!ids || strlen(ids) >= sizeof s->id)
            return vg_error_set(err, VG_ERR_PARSE, "silence: id: expected a string under 40 bytes");
        memcpy(s->id, ids, strlen(ids) + 1);
    }
    if (persist) {
        s->starts_ms = (int64_t)json_integer_value(json_object_get(root, "starts_ms"));
        s->ends_ms = (int64_t)json_integer_value(json_object_get(root, "ends_ms"));
    } else {
        const char *st = json_string_value(json_object_get(root, "startsAt"));
        const char *en = json_string_value(json_object_get(root, "endsAt"));
        const char *du = json_string_value(json_object_get(root, "duration"));
        s->starts_ms = now_ms;
        if (st && vg_parse_rfc3339_ms(st, &s->starts_ms) != VG_OK)
            return vg_error_set(err, VG_ERR_PARSE,
                                "silence: startsAt: '%s' is not an RFC 3339 time", st);
        if (en) {
            if (vg_parse_rfc3339_ms(en, &s->ends_ms) != VG_OK)
                return vg_error_set(err, VG_ERR_PARSE,
                                    "silence: endsAt: '%s' is not an RFC 3339 time", en);
        } else if (du) {
            int64_t d;
            if (vg_alert_parse_duration(du, &d) != VG_OK)
                return vg_error_set(err, VG_ERR_PARSE, "silence: duration: bad duration '%s'", du);
            s->ends_ms = s->starts_ms + d;
        } else
            return vg_error_set(err, VG_ERR_PARSE, "silence: endsAt or duration is required");
    }
    if (!persist && s->ends_ms <= s->starts_ms) /* an expired silence may end at its start */
        return vg_error_set(err, VG_ERR_PARSE, "silence: endsAt must be after startsAt");
    const char *by = json_string_value(json_object_get(root, "createdBy"));
    const char *cm = json_string_value(json_object_get(root, "comment"));
    if ((by && !(s->created_by = strdup(by))) || (cm && !(s->comment = strdup(cm))))
        return vg_error_set(err, VG_ERR_NOMEM, "out of memory");
    return VG_OK;
}

int vg_alert_silence_parse_json(const char *json, size_t len, int64_t now_ms, vg_alert_silence *out,
                                vg_error *err) {
    json_error_t je;
    json_t *root = json_loadb(json, len, 0, &je);
    if (!root)
        return vg_error_set(err, VG_ERR_PARSE, "silence: invalid JSON at line %d column %d: %s",
                            je.line, je.column, je.text);
    vg_alert_silence s;
    int rc = parse_silence(root, now_ms, 0, &s, err);
    json_decref(root);
    if (rc != VG_OK) {
        vg_alert_silence_clear(&s);
        return rc;
    }
    *out = s;
    return VG_OK;
}

/* ---- engine state ---- */

int vg_alert_engine_state_json(const vg_alert_engine *e, char **json, vg_error *err) {
    json_t *root = json_object(), *insts = json_array(), *sils = json_array();
    for (size_t i = 0; i < e->n; i++) {
        const vg_alert_inst *in = &e->v[i];
        json_t *o = json_object();
        json_object_set_new(o, "fingerprint", json_string(in->fp));
        json_object_set_new(o, "rule", json_string(in->rule));
        json_object_set_new(o, "model", json_string(in->model));
        json_object_set_new(o, "sample_labels", json_string(in->sample_labels));
        json_object_set_new(o, "state", json_string(vg_alert_state_name(in->state)));
        json_object_set_new(o, "value", num_or_null(in->value));
        json_object_set_new(o, "threshold", num_or_null(in->threshold));
        json_object_set_new(o, "active_since_ms", json_integer(in->active_since));
        json_object_set_new(o, "fired_at_ms", json_integer(in->fired_at));
        json_object_set_new(o, "resolved_at_ms", json_integer(in->resolved_at));
        json_object_set_new(o, "last_from_ms", json_integer(in->last_from));
        json_object_set_new(o, "last_at_ms", json_integer(in->last_at));
        json_object_set_new(o, "count", json_integer(in->count));
        json_object_set_new(o, "absent", json_integer(in->absent));
        json_object_set_new(o, "acknowledged", json_boolean(in->acked));
        json_array_append_new(insts, o);
    }
    for (size_t i = 0; i < e->nsil; i++)
        json_array_append_new(sils, silence_object(&e->sil[i], 1));
    json_object_set_new(root, "version", json_integer(1));
    json_object_set_new(root, "silence_seq", json_integer((json_int_t)e->sil_seq));
    json_object_set_new(root, "instances", insts);
    json_object_set_new(root, "silences", sils);
    return dump(root, json, err);
}

static double num(json_t *j) {
    return json_is_number(j) ? json_number_value(j) : NAN;
}

int vg_alert_engine_restore_json(vg_alert_engine *e, const char *json, size_t len, vg_error *err) {
    json_error_t je;
    json_t *root = json_loadb(json, len, 0, &je), *v;
    if (!root)
        return vg_error_set(err, VG_ERR_PARSE, "alert state: invalid JSON at line %d: %s", je.line,
                            je.text);
    int rc = VG_OK;
    if (json_integer_value(json_object_get(root, "version")) != 1) {
        json_decref(root);
        return vg_error_set(err, VG_ERR_FORMAT, "alert state: unknown version");
    }
    e->sil_seq = (uint64_t)json_integer_value(json_object_get(root, "silence_seq"));
    size_t i;
    json_array_foreach(json_object_get(root, "instances"), i, v) {
        const char *rule = json_string_value(json_object_get(v, "rule"));
        const char *model = json_string_value(json_object_get(v, "model"));
        const char *labels = json_string_value(json_object_get(v, "sample_labels"));
        const char *state = json_string_value(json_object_get(v, "state"));
        const vg_alert_rule *r = rule ? vg_alert_config_rule(e->cfg, rule) : NULL;
        if (!r || !model || !labels || !state)
            continue; /* a rule removed while the daemon was down: its alerts go with it */
        vg_alert_state st;
        if (!strcmp(state, "pending"))
            st = VG_ALERT_PENDING;
        else if (!strcmp(state, "firing"))
            st = VG_ALERT_FIRING;
        else if (!strcmp(state, "resolved"))
            st = VG_ALERT_RESOLVED;
        else
            continue;
        char fp[17];
        vg_alert_fingerprint(rule, model, labels, fp);
        int dup = 0;
        for (size_t k = 0; k < e->n; k++)
            dup |= !strcmp(e->v[k].fp, fp);
        if (dup)
            continue;
        vg_alert_inst *in = vg_alert_engine_add_inst(e);
        if (!in) {
            rc = vg_error_set(err, VG_ERR_NOMEM, "out of memory");
            break;
        }
        memcpy(in->fp, fp, sizeof fp);
        in->rule_idx = (size_t)(r - e->cfg->rules);
        in->rule = strdup(rule);
        in->model = strdup(model);
        in->sample_labels = strdup(labels);
        in->state = st;
        in->value = num(json_object_get(v, "value"));
        in->threshold = num(json_object_get(v, "threshold"));
        in->active_since = (int64_t)json_integer_value(json_object_get(v, "active_since_ms"));
        in->fired_at = (int64_t)json_integer_value(json_object_get(v, "fired_at_ms"));
        in->resolved_at = (int64_t)json_integer_value(json_object_get(v, "resolved_at_ms"));
        in->last_from = (int64_t)json_integer_value(json_object_get(v, "last_from_ms"));
        in->last_at = (int64_t)json_integer_value(json_object_get(v, "last_at_ms"));
        in->count = (uint32_t)json_integer_value(json_object_get(v, "count"));
        in->absent = (uint32_t)json_integer_value(json_object_get(v, "absent"));
        in->acked = json_is_true(json_object_get(v, "acknowledged"));
        if (!in->rule || !in->model || !in->sample_labels ||
            vg_alert_labels_parse(labels, &in->slabels, &in->n_slabels) != VG_OK) {
            free(in->rule);
            free(in->model);
            free(in->sample_labels);
            e->n--;
            rc = VG_ERR_PARSE;
            vg_error_set(err, rc, "alert state: instance %zu: bad sample labels", i);
            break;
        }
    }
    json_array_foreach(json_object_get(root, "silences"), i, v) {
        if (rc != VG_OK)
            break;
        vg_alert_silence s;
        rc = parse_silence(v, 0, 1, &s, err);
        if (rc == VG_OK) {
            vg_alert_silence *g = realloc(e->sil, (e->nsil + 1) * sizeof *g);
            if (!g)
                rc = vg_error_set(err, VG_ERR_NOMEM, "out of memory");
            else {
                e->sil = g;
                e->sil[e->nsil++] = s;
                continue;
            }
        }
        vg_alert_silence_clear(&s);
    }
    json_decref(root);
    return rc;
}
