/*
 * The alert state machine. One instance per (rule, model, label set of the matched sample);
 * each evaluation moves the instances of the rules in scope:
 *
 *   inactive --cond--> pending --`for` met--> firing --cleared--> resolved --cond--> pending
 *                        |  ^                                         |
 *                        +--+ not cond / absent: back to inactive      +-- not cond: dropped
 *
 * with `for` measured as Prometheus does (time since the condition started, here in the time of
 * evaluations: event time of windows, wall time of interval evaluations) or as a count of
 * consecutive evaluations (for_windows). Hysteresis: a firing instance clears only when its value
 * leaves the firing side of clear_threshold. Inactive instances are not kept, so the state is
 * bounded by the alerts that are live. Silences never stop the state machine: they only mark the
 * transitions whose notifications the daemon must suppress.
 */
#include <fnmatch.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../base/hash.h"
#include "engine.h"

static void inst_clear(vg_alert_inst *in) {
    free(in->rule);
    free(in->model);
    free(in->sample_labels);
    vg_alert_kv_free(in->slabels, in->n_slabels);
    memset(in, 0, sizeof *in);
}

void vg_alert_engine_free(vg_alert_engine *e) {
    if (!e)
        return;
    for (size_t i = 0; i < e->n; i++)
        inst_clear(&e->v[i]);
    free(e->v);
    for (size_t i = 0; i < e->nsil; i++)
        vg_alert_silence_clear(&e->sil[i]);
    free(e->sil);
    vg_alert_config_free(e->cfg);
    free(e);
}

int vg_alert_engine_new(vg_alert_config *cfg, vg_alert_engine **out, vg_error *err) {
    vg_alert_engine *e = calloc(1, sizeof *e);
    if (!e) {
        vg_alert_config_free(cfg);
        return vg_error_set(err, VG_ERR_NOMEM, "out of memory");
    }
    e->cfg = cfg;
    *out = e;
    return VG_OK;
}

const vg_alert_config *vg_alert_engine_config(const vg_alert_engine *e) {
    return e->cfg;
}

const char *vg_alert_state_name(vg_alert_state s) {
    static const char *names[] = {"inactive", "pending", "firing", "resolved"};
    return (unsigned)s < 4 ? names[s] : "?";
}

void vg_alert_clear(vg_alert *a) {
    if (!a)
        return;
    free(a->rule);
    free(a->model);
    free(a->sample_labels);
    free(a->feature);
    vg_alert_kv_free(a->labels, a->n_labels);
    vg_alert_kv_free(a->annotations, a->n_annotations);
    for (size_t i = 0; i < a->n_notify; i++)
        free(a->notify[i]);
    free(a->notify);
    memset(a, 0, sizeof *a);
}

void vg_alert_array_free(vg_alert *a, size_t n) {
    for (size_t i = 0; a && i < n; i++)
        vg_alert_clear(&a[i]);
    free(a);
}

void vg_alert_fingerprint(const char *rule, const char *model, const char *labels, char out[17]) {
    size_t lr = strlen(rule), lm = strlen(model), ll = strlen(labels);
    char *buf = malloc(lr + lm + ll + 3);
    uint64_t h;
    if (buf) {
        memcpy(buf, rule, lr + 1);
        memcpy(buf + lr + 1, model, lm + 1);
        memcpy(buf + lr + lm + 2, labels, ll + 1);
        h = vg_hash_bytes(buf, lr + lm + ll + 3);
        free(buf);
    } else /* still stable, only weaker */
        h = vg_hash_bytes(rule, lr) ^ vg_hash_fmix64(vg_hash_bytes(model, lm)) ^
            vg_hash_fmix64(vg_hash_bytes(labels, ll) + 1);
    snprintf(out, 17, "%016llx", (unsigned long long)h);
}

const vg_alert_rule *vg_alert_inst_rule(const vg_alert_engine *e, const vg_alert_inst *in) {
    return in->rule_idx < e->cfg->n_rules ? &e->cfg->rules[in->rule_idx] : NULL;
}

/* ---- snapshots ---- */

int vg_alert_silence_matches(const vg_alert_silence *s, const vg_alert *a, int64_t now_ms) {
    if (now_ms < s->starts_ms || now_ms >= s->ends_ms)
        return 0;
    for (size_t i = 0; i < s->n_matchers; i++)
        if (!vg_alert_matcher_match(&s->matchers[i],
                                    vg_alert_kv_get(a->labels, a->n_labels, s->matchers[i].label)))
            return 0;
    return 1;
}

int vg_alert_engine_silenced(const vg_alert_engine *e, const vg_alert *a, int64_t now_ms,
                             char id[40]) {
    for (size_t i = 0; i < e->nsil; i++)
        if (vg_alert_silence_matches(&e->sil[i], a, now_ms)) {
            if (id)
                snprintf(id, 40, "%s", e->sil[i].id);
            return 1;
        }
    if (id)
        id[0] = 0;
    return 0;
}

/* Fills *a from an instance and its rule (rendering labels and annotations). */
static int snapshot(const vg_alert_engine *e, const vg_alert_rule *r, const vg_alert_inst *in,
                    vg_alert_state from, int64_t at_ms, int64_t now_ms, vg_alert *a) {
    memset(a, 0, sizeof *a);
    memcpy(a->fingerprint, in->fp, sizeof a->fingerprint);
    const char *feature = vg_alert_kv_get(in->slabels, in->n_slabels, "feature");
    a->rule = strdup(in->rule);
    a->model = strdup(in->model);
    a->sample_labels = strdup(in->sample_labels);
    a->feature = vg_alert_strdup(feature);
    a->severity = r->severity;
    a->from = from;
    a->state = in->state;
    a->value = in->value;
    a->threshold = in->threshold;
    a->active_since_ms = in->active_since;
    a->fired_at_ms = in->fired_at;
    a->resolved_at_ms = in->resolved_at;
    a->at_ms = at_ms;
    a->count = in->count;
    a->acknowledged = in->acked;
    int rc =
        a->rule && a->model && a->sample_labels && (a->feature || !feature) ? VG_OK : VG_ERR_NOMEM;
    /* the labels an alert carries, as Alertmanager expects them: identity first, then the
     * sample's labels, then the rule's (which may override, as in Prometheus) */
    if (rc == VG_OK)
        rc = vg_alert_kv_set(&a->labels, &a->n_labels, "alertname", in->rule);
    if (rc == VG_OK)
        rc = vg_alert_kv_set(&a->labels, &a->n_labels, "model", in->model);
    if (rc == VG_OK)
        rc = vg_alert_kv_set(&a->labels, &a->n_labels, "severity",
                             vg_alert_severity_name(r->severity));
    for (size_t i = 0; rc == VG_OK && i < in->n_slabels; i++)
        rc = vg_alert_kv_set(&a->labels, &a->n_labels, in->slabels[i].key, in->slabels[i].value);
    vg_alert_tmpl_ctx tc = {.rule = in->rule,
                            .model = in->model,
                            .feature = feature,
                            .severity = vg_alert_severity_name(r->severity),
                            .value = in->value,
                            .threshold = in->threshold,
                            .labels = in->slabels,
                            .n_labels = in->n_slabels};
    for (size_t i = 0; rc == VG_OK && i < r->n_labels; i++) {
        char *s = NULL;
        rc = vg_alert_tmpl_render(r->labels[i].value, &tc, &s);
        if (rc == VG_OK)
            rc = vg_alert_kv_set(&a->labels, &a->n_labels, r->labels[i].key, s);
        free(s);
    }
    for (size_t i = 0; rc == VG_OK && i < r->n_annotations; i++) {
        char *s = NULL;
        rc = vg_alert_tmpl_render(r->annotations[i].value, &tc, &s);
        if (rc == VG_OK)
            rc = vg_alert_kv_set(&a->annotations, &a->n_annotations, r->annotations[i].key, s);
        free(s);
    }
    if (rc == VG_OK && r->n_notify && !(a->notify = calloc(r->n_notify, sizeof *a->notify)))
        rc = VG_ERR_NOMEM;
    for (size_t i = 0; rc == VG_OK && i < r->n_notify; i++) {
        if (!(a->notify[i] = strdup(r->notify[i])))
            rc = VG_ERR_NOMEM;
        else
            a->n_notify++;
    }
    if (rc == VG_OK)
        a->silenced = vg_alert_engine_silenced(e, a, now_ms, a->silence_id);
    if (rc != VG_OK)
        vg_alert_clear(a);
    return rc;
}

/* ---- transition list ---- */

typedef struct {
    vg_alert *v;
    size_t n, cap;
} tlist;

static int emit(const vg_alert_engine *e, tlist *t, const vg_alert_rule *r, const vg_alert_inst *in,
                vg_alert_state from, int64_t at_ms, int64_t now_ms) {
    if (t->n == t->cap) {
        size_t cap = t->cap ? 2 * t->cap : 8;
        vg_alert *g = realloc(t->v, cap * sizeof *g);
        if (!g)
            return VG_ERR_NOMEM;
        t->v = g;
        t->cap = cap;
    }
    int rc = snapshot(e, r, in, from, at_ms, now_ms, &t->v[t->n]);
    if (rc == VG_OK)
        t->n++;
    return rc;
}

static int finish(tlist *t, int rc, vg_alert **out, size_t *n_out, vg_error *err) {
    if (rc != VG_OK) {
        vg_alert_array_free(t->v, t->n);
        return vg_error_set(err, rc, "%s", rc == VG_ERR_NOMEM ? "out of memory" : "alert engine");
    }
    if (out) {
        *out = t->v;
        *n_out = t->n;
    } else
        vg_alert_array_free(t->v, t->n);
    return VG_OK;
}

/* ---- the state machine ---- */

static int compare(double v, vg_alert_op op, double t) {
    switch (op) {
    case VG_ALERT_GT: return v > t;
    case VG_ALERT_GE: return v >= t;
    case VG_ALERT_LT: return v < t;
    case VG_ALERT_LE: return v <= t;
    case VG_ALERT_EQ: return v == t;
    case VG_ALERT_NE: return v != t;
    }
    return 0;
}

static int for_met(const vg_alert_rule *r, const vg_alert_inst *in, int64_t to_ms) {
    if (r->for_windows)
        return in->count >= r->for_windows;
    return to_ms - in->active_since >= r->for_ms;
}

static void remove_inst(vg_alert_engine *e, size_t i) {
    inst_clear(&e->v[i]);
    memmove(&e->v[i], &e->v[i + 1], (e->n - i - 1) * sizeof *e->v);
    e->n--;
}

/* Steps one instance that has a sample with `value`. Sets *drop when it went inactive. */
static int step(vg_alert_engine *e, tlist *t, const vg_alert_rule *r, vg_alert_inst *in,
                double value, int64_t from_ms, int64_t to_ms, int64_t now_ms, int again,
                int *drop) {
    int cond = compare(value, r->op, r->threshold);
    vg_alert_state prev = in->state;
    int rc = VG_OK;
    *drop = 0;
    in->value = value;
    in->absent = 0;
    in->last_at = to_ms;
    in->last_from = from_ms;
    switch (in->state) {
    case VG_ALERT_INACTIVE:
    case VG_ALERT_RESOLVED:
        if (!cond) {
            *drop = 1; /* a resolved alert whose condition stays false becomes inactive */
            return VG_OK;
        }
        in->state = VG_ALERT_PENDING;
        in->active_since = from_ms;
        in->count = 1;
        in->fired_at = in->resolved_at = 0;
        in->acked = 0;
        in->threshold = r->threshold;
        rc = emit(e, t, r, in, prev, to_ms, now_ms);
        if (rc == VG_OK && for_met(r, in, to_ms)) {
            in->state = VG_ALERT_FIRING;
            in->fired_at = now_ms;
            rc = emit(e, t, r, in, VG_ALERT_PENDING, to_ms, now_ms);
        }
        return rc;
    case VG_ALERT_PENDING:
        if (!cond) {
            in->state = VG_ALERT_INACTIVE;
            in->threshold = r->threshold;
            *drop = 1;
            return emit(e, t, r, in, prev, to_ms, now_ms);
        }
        in->count += !again;
        in->threshold = r->threshold;
        if (for_met(r, in, to_ms)) {
            in->state = VG_ALERT_FIRING;
            in->fired_at = now_ms;
            return emit(e, t, r, in, prev, to_ms, now_ms);
        }
        return VG_OK;
    case VG_ALERT_FIRING: {
        /* with hysteresis the alert holds while the value stays beyond the clear threshold */
        double clear = r->has_clear ? r->clear_threshold : r->threshold;
        int holds = r->has_clear ? compare(value, r->op, clear) || cond : cond;
        if (holds) {
            in->count += !again;
            in->threshold = r->threshold;
            return VG_OK;
        }
        in->state = VG_ALERT_RESOLVED;
        in->resolved_at = now_ms;
        in->threshold = clear;
        in->count = 0;
        in->acked = 0;
        return emit(e, t, r, in, prev, to_ms, now_ms);
    }
    }
    return VG_OK;
}

/* An in-scope evaluation without a sample for the instance. */
static int step_absent(vg_alert_engine *e, tlist *t, const vg_alert_rule *r, vg_alert_inst *in,
                       int64_t to_ms, int64_t now_ms, int *drop) {
    vg_alert_state prev = in->state;
    *drop = 0;
    in->absent++;
    switch (in->state) {
    case VG_ALERT_PENDING:
        /* kept, as a firing alert is: metrics that need labels (model_metric) are missing from
         * a window until late labels revise it, and that must not restart every `for` */
        if (r->absent_resolve && in->absent >= r->absent_resolve) {
            in->state = VG_ALERT_INACTIVE;
            *drop = 1;
            return emit(e, t, r, in, prev, to_ms, now_ms);
        }
        return VG_OK;
    case VG_ALERT_FIRING:
        if (r->absent_resolve && in->absent >= r->absent_resolve) {
            in->state = VG_ALERT_RESOLVED;
            in->resolved_at = now_ms;
            in->count = 0;
            in->acked = 0;
            return emit(e, t, r, in, prev, to_ms, now_ms);
        }
        return VG_OK;
    default: *drop = 1; return VG_OK;
    }
}

static int sample_matches(const vg_alert_rule *r, const vg_alert_kv *kv, size_t n) {
    if (r->feature) {
        const char *f = vg_alert_kv_get(kv, n, "feature");
        if (!f || fnmatch(r->feature, f, 0) != 0)
            return 0;
    }
    for (size_t i = 0; i < r->n_match; i++)
        if (!vg_alert_matcher_match(&r->match[i], vg_alert_kv_get(kv, n, r->match[i].label)))
            return 0;
    return 1;
}

static vg_alert_inst *find_inst(vg_alert_engine *e, const char *fp) {
    for (size_t i = 0; i < e->n; i++)
        if (!strcmp(e->v[i].fp, fp))
            return &e->v[i];
    return NULL;
}

vg_alert_inst *vg_alert_engine_add_inst(vg_alert_engine *e) {
    if (e->n == e->cap) {
        size_t cap = e->cap ? 2 * e->cap : 16;
        vg_alert_inst *g = realloc(e->v, cap * sizeof *g);
        if (!g)
            return NULL;
        e->v = g;
        e->cap = cap;
    }
    vg_alert_inst *in = &e->v[e->n++];
    memset(in, 0, sizeof *in);
    return in;
}

static void drop_old_silences(vg_alert_engine *e, int64_t now_ms) {
    for (size_t i = 0; i < e->nsil;) {
        if (e->sil[i].ends_ms + 86400000 < now_ms) {
            vg_alert_silence_clear(&e->sil[i]);
            memmove(&e->sil[i], &e->sil[i + 1], (e->nsil - i - 1) * sizeof *e->sil);
            e->nsil--;
        } else
            i++;
    }
}

int vg_alert_engine_eval(vg_alert_engine *e, vg_alert_eval_kind kind, const char *model,
                         const vg_metric_sample *samples, size_t n_samples, int64_t from_ms,
                         int64_t to_ms, int64_t now_ms, vg_alert *out[], size_t *n_out,
                         vg_error *err) {
    tlist t = {0};
    int rc = VG_OK;
    if (out)
        *out = NULL, *n_out = 0;
    if (!model)
        return vg_error_set(err, VG_ERR_INVALID, "alert evaluation without a model name");
    /* malformed labels are refused before any state changes, so an error loses nothing */
    for (size_t si = 0; si < n_samples; si++) {
        vg_alert_kv *kv = NULL;
        size_t nkv = 0;
        int prc = vg_alert_labels_parse(samples[si].labels, &kv, &nkv);
        vg_alert_kv_free(kv, nkv);
        if (prc == VG_ERR_NOMEM)
            return vg_error_set(err, prc, "out of memory");
        if (prc != VG_OK)
            return vg_error_set(err, prc, "metric sample %zu (%s) has malformed labels '%s'", si,
                                samples[si].name, samples[si].labels);
    }
    drop_old_silences(e, now_ms);
    for (size_t ri = 0; rc == VG_OK && ri < e->cfg->n_rules; ri++) {
        const vg_alert_rule *r = &e->cfg->rules[ri];
        int daemon = vg_alert_metric_daemon_level(r->metric);
        if (daemon != (kind == VG_ALERT_EVAL_INTERVAL) || fnmatch(r->model, model, 0) != 0)
            continue;
        for (size_t i = 0; i < e->n; i++)
            if (e->v[i].rule_idx == ri && !strcmp(e->v[i].model, model))
                e->v[i].seen = 0;
        for (size_t si = 0; rc == VG_OK && si < n_samples; si++) {
            const vg_metric_sample *s = &samples[si];
            if (strcmp(s->name, r->metric) || isnan(s->value))
                continue; /* a NaN is no measurement: the instance counts as absent */
            vg_alert_kv *kv = NULL;
            size_t nkv = 0;
            if (vg_alert_labels_parse(s->labels, &kv, &nkv) != VG_OK) {
                rc = VG_ERR_NOMEM; /* the labels parsed above */
                break;
            }
            if (!sample_matches(r, kv, nkv)) {
                vg_alert_kv_free(kv, nkv);
                continue;
            }
            char fp[17];
            vg_alert_fingerprint(r->name, model, s->labels, fp);
            vg_alert_inst *in = find_inst(e, fp);
            if (!in) {
                in = vg_alert_engine_add_inst(e);
                if (!in) {
                    vg_alert_kv_free(kv, nkv);
                    rc = VG_ERR_NOMEM;
                    break;
                }
                memcpy(in->fp, fp, sizeof fp);
                in->rule_idx = ri;
                in->rule = strdup(r->name);
                in->model = strdup(model);
                in->sample_labels = strdup(s->labels);
                in->slabels = kv;
                in->n_slabels = nkv;
                in->value = NAN;
                if (!in->rule || !in->model || !in->sample_labels) {
                    remove_inst(e, (size_t)(in - e->v));
                    rc = VG_ERR_NOMEM;
                    break;
                }
            } else
                vg_alert_kv_free(kv, nkv);
            if (in->seen) /* the same label set twice in one evaluation: the first counts */
                continue;
            in->seen = 1;
            /* a window evaluated again (its revision after late labels) replaces its values
             * without counting as one more window; the revision of an older one is history */
            int again = in->last_at && from_ms == in->last_from && to_ms == in->last_at;
            if (in->last_at && to_ms < in->last_at && from_ms < in->last_from)
                continue;
            int drop;
            rc = step(e, &t, r, in, s->value, from_ms, to_ms, now_ms, again, &drop);
            if (drop)
                remove_inst(e, (size_t)(in - e->v));
        }
        for (size_t i = 0; rc == VG_OK && i < e->n;) {
            vg_alert_inst *in = &e->v[i];
            int drop = 0;
            if (in->rule_idx == ri && !strcmp(in->model, model) && !in->seen &&
                !(in->last_at && to_ms <= in->last_at && from_ms <= in->last_from))
                rc = step_absent(e, &t, r, in, to_ms, now_ms, &drop);
            if (in->rule_idx == ri && !strcmp(in->model, model))
                in->seen = 1; /* so a later rule pass does not see stale flags */
            if (drop)
                remove_inst(e, i);
            else
                i++;
        }
    }
    if (rc != VG_OK && rc != VG_ERR_NOMEM) {
        vg_alert_array_free(t.v, t.n);
        return rc;
    }
    return finish(&t, rc, out, n_out, err);
}

static int resolve_and_drop(vg_alert_engine *e, tlist *t, size_t i, int64_t now_ms) {
    vg_alert_inst *in = &e->v[i];
    const vg_alert_rule *r = vg_alert_inst_rule(e, in);
    int rc = VG_OK;
    if (in->state == VG_ALERT_FIRING && r) {
        in->state = VG_ALERT_RESOLVED;
        in->resolved_at = now_ms;
        rc = emit(e, t, r, in, VG_ALERT_FIRING, now_ms, now_ms);
    }
    remove_inst(e, i);
    return rc;
}

int vg_alert_engine_drop_model(vg_alert_engine *e, const char *model, int64_t now_ms,
                               vg_alert *out[], size_t *n_out, vg_error *err) {
    tlist t = {0};
    int rc = VG_OK;
    for (size_t i = 0; rc == VG_OK && i < e->n;) {
        if (!strcmp(e->v[i].model, model))
            rc = resolve_and_drop(e, &t, i, now_ms);
        else
            i++;
    }
    return finish(&t, rc, out, n_out, err);
}

int vg_alert_engine_replace_config(vg_alert_engine *e, vg_alert_config *cfg, int64_t now_ms,
                                   vg_alert *out[], size_t *n_out, vg_error *err) {
    tlist t = {0};
    int rc = VG_OK;
    if (out)
        *out = NULL, *n_out = 0;
    /* resolutions are rendered with the old rules, before they are freed */
    for (size_t i = 0; rc == VG_OK && i < e->n;) {
        vg_alert_inst *in = &e->v[i];
        const vg_alert_rule *old = vg_alert_inst_rule(e, in);
        const vg_alert_rule *nr = vg_alert_config_rule(cfg, in->rule);
        if (!nr || !old || strcmp(nr->metric, old->metric) || fnmatch(nr->model, in->model, 0) ||
            !sample_matches(nr, in->slabels, in->n_slabels))
            rc = resolve_and_drop(e, &t, i, now_ms);
        else {
            in->rule_idx = (size_t)(nr - cfg->rules);
            i++;
        }
    }
    if (rc != VG_OK) {
        vg_alert_config_free(cfg);
        return finish(&t, rc, out, n_out, err);
    }
    vg_alert_config_free(e->cfg);
    e->cfg = cfg;
    return finish(&t, rc, out, n_out, err);
}

int vg_alert_engine_alerts(const vg_alert_engine *e, int with_resolved, int64_t now_ms,
                           vg_alert *out[], size_t *n_out, vg_error *err) {
    tlist t = {0};
    int rc = VG_OK;
    for (size_t i = 0; rc == VG_OK && i < e->n; i++) {
        const vg_alert_inst *in = &e->v[i];
        const vg_alert_rule *r = vg_alert_inst_rule(e, in);
        if (!r || (in->state == VG_ALERT_RESOLVED && !with_resolved))
            continue;
        rc = emit(e, &t, r, in, in->state, in->last_at, now_ms);
    }
    return finish(&t, rc, out, n_out, err);
}

int vg_alert_engine_ack(vg_alert_engine *e, const char *fingerprint, vg_error *err) {
    vg_alert_inst *in = fingerprint ? find_inst(e, fingerprint) : NULL;
    if (!in || (in->state != VG_ALERT_PENDING && in->state != VG_ALERT_FIRING))
        return vg_error_set(err, VG_ERR_INVALID, "no pending or firing alert with fingerprint '%s'",
                            fingerprint ? fingerprint : "");
    in->acked = 1;
    return VG_OK;
}

/* ---- silences ---- */

int vg_alert_silence_copy(vg_alert_silence *d, const vg_alert_silence *s) {
    memset(d, 0, sizeof *d);
    memcpy(d->id, s->id, sizeof d->id);
    d->starts_ms = s->starts_ms;
    d->ends_ms = s->ends_ms;
    d->created_by = vg_alert_strdup(s->created_by);
    d->comment = vg_alert_strdup(s->comment);
    int rc =
        (d->created_by || !s->created_by) && (d->comment || !s->comment) ? VG_OK : VG_ERR_NOMEM;
    if (rc == VG_OK && s->n_matchers && !(d->matchers = calloc(s->n_matchers, sizeof *d->matchers)))
        rc = VG_ERR_NOMEM;
    for (size_t i = 0; rc == VG_OK && i < s->n_matchers; i++) {
        char why[200];
        rc = vg_alert_matcher_init(&d->matchers[i], s->matchers[i].label, s->matchers[i].op,
                                   s->matchers[i].value, why, sizeof why);
        if (rc == VG_OK)
            d->n_matchers++;
    }
    if (rc != VG_OK)
        vg_alert_silence_clear(d);
    return rc;
}

void vg_alert_silence_clear(vg_alert_silence *s) {
    if (!s)
        return;
    for (size_t i = 0; i < s->n_matchers; i++)
        vg_alert_matcher_clear(&s->matchers[i]);
    free(s->matchers);
    free(s->created_by);
    free(s->comment);
    memset(s, 0, sizeof *s);
}

static vg_alert_silence *find_silence(vg_alert_engine *e, const char *id) {
    for (size_t i = 0; i < e->nsil; i++)
        if (!strcmp(e->sil[i].id, id))
            return &e->sil[i];
    return NULL;
}

int vg_alert_engine_add_silence(vg_alert_engine *e, vg_alert_silence *s, vg_error *err) {
    if (!s->n_matchers)
        return vg_error_set(err, VG_ERR_INVALID, "a silence needs at least one matcher");
    if (s->ends_ms <= s->starts_ms)
        return vg_error_set(err, VG_ERR_INVALID, "a silence must end after it starts");
    if (!s->id[0]) {
        /* a content hash plus a sequence number: unique in this engine, and the restored
         * sequence keeps it unique after a restart */
        char buf[40];
        uint64_t h = vg_hash_fmix64((uint64_t)s->starts_ms ^ vg_hash_fmix64((uint64_t)s->ends_ms));
        for (size_t i = 0; i < s->n_matchers; i++)
            h ^= vg_hash_fmix64(vg_hash_bytes(s->matchers[i].label, strlen(s->matchers[i].label)) +
                                vg_hash_bytes(s->matchers[i].value, strlen(s->matchers[i].value)) +
                                i);
        do {
            snprintf(buf, sizeof buf, "%016llx",
                     (unsigned long long)vg_hash_fmix64(h + ++e->sil_seq));
        } while (find_silence(e, buf));
        memcpy(s->id, buf, sizeof s->id);
    } else if (find_silence(e, s->id))
        return vg_error_set(err, VG_ERR_INVALID, "a silence with id '%s' exists", s->id);
    vg_alert_silence *g = realloc(e->sil, (e->nsil + 1) * sizeof *g);
    if (!g)
        return vg_error_set(err, VG_ERR_NOMEM, "out of memory");
    e->sil = g;
    if (vg_alert_silence_copy(&e->sil[e->nsil], s) != VG_OK)
        return vg_error_set(err, VG_ERR_NOMEM, "out of memory");
    e->nsil++;
    return VG_OK;
}

int vg_alert_engine_expire_silence(vg_alert_engine *e, const char *id, int64_t now_ms,
                                   vg_error *err) {
    vg_alert_silence *s = id ? find_silence(e, id) : NULL;
    if (!s)
        return vg_error_set(err, VG_ERR_INVALID, "no silence with id '%s'", id ? id : "");
    if (s->ends_ms > now_ms)
        s->ends_ms = now_ms < s->starts_ms ? s->starts_ms : now_ms;
    return VG_OK;
}

int vg_alert_engine_silences(const vg_alert_engine *e, vg_alert_silence **out, size_t *n_out,
                             vg_error *err) {
    vg_alert_silence *v = calloc(e->nsil ? e->nsil : 1, sizeof *v);
    if (!v)
        return vg_error_set(err, VG_ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < e->nsil; i++)
        if (vg_alert_silence_copy(&v[i], &e->sil[i]) != VG_OK) {
            for (size_t j = 0; j < i; j++)
                vg_alert_silence_clear(&v[j]);
            free(v);
            return vg_error_set(err, VG_ERR_NOMEM, "out of memory");
        }
    *out = v;
    *n_out = e->nsil;
    return VG_OK;
}
