/*
 * Alerting in the daemon (issue 7; docs/alerting.md, docs/api.md): the rule engine of
 * vigia/alert.h fed with every closed window and, on an interval, with daemon-level samples;
 * its transitions persisted; their notifications delivered by a sender thread; the alerting
 * endpoints of the API and the alert families of /metrics.
 *
 * Durability: every change of the engine (transitions, acknowledgements, silences) is
 * committed to the store in one transaction with the engine's whole state, the history rows and
 * the outbox entries it produces (vg_store_alert_commit). After a restart the state is restored
 * before anything is evaluated, so a firing alert is neither lost nor fired again, and the
 * outbox is delivered from where it stopped.
 *
 * Delivery: the sender thread reads the outbox in id order. Entries of one notifier go out in
 * order (a failed one blocks the notifier's later ones until it is delivered or given up: a
 * receiver never sees "resolved" before "firing"); a failure is retried after backoff_ms,
 * doubled each attempt up to max_backoff_ms, at most `retries` times. Alertmanager also gets
 * every firing, unsilenced, unacknowledged alert again every resend_ms (its alerts expire
 * otherwise); those re-sends are not journaled, being repeats. A silenced transition is
 * recorded in the history but queues nothing.
 *
 * Locking: `mu` guards the engine and the counters. It is taken with a model's mu held (windows
 * are evaluated as they are persisted) and is never held while delivering.
 */
#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "internal.h"
#include "notify.h"
#include "vigia/alert.h"

typedef struct notify_count {
    char *notifier;
    uint64_t delivered, failed, retried, suppressed;
} notify_count;

typedef struct model_rate {
    char *model;
    vg_monitor_stats last;
} model_rate;

typedef struct resend_mark {
    char *notifier;
    int64_t last_ms;
} resend_mark;

struct serve_alerting {
    pthread_mutex_t mu;
    vg_alert_engine *eng;
    int64_t last_interval_ms, last_expire_ms;
    model_rate *rates;
    size_t n_rates;
    notify_count *counts;
    size_t n_counts;
    resend_mark *resends;
    size_t n_resends;
    /* the sender */
    pthread_t th;
    int started, stopping, kick;
    pthread_cond_t cv;
    int curl_ok;
};

/* ---- helpers ---- */

static notify_count *count_of(struct serve_alerting *a, const char *notifier) {
    for (size_t i = 0; i < a->n_counts; i++)
        if (!strcmp(a->counts[i].notifier, notifier))
            return &a->counts[i];
    notify_count *v = realloc(a->counts, (a->n_counts + 1) * sizeof *v);
    if (!v)
        return NULL;
    a->counts = v;
    notify_count *c = &v[a->n_counts];
    memset(c, 0, sizeof *c);
    if (!(c->notifier = strdup(notifier)))
        return NULL;
    a->n_counts++;
    return c;
}

static void wake_sender(struct serve_alerting *a) {
    a->kick = 1;
    pthread_cond_signal(&a->cv);
}

static int notifiable(const vg_alert *t) {
    return t->state == VG_ALERT_FIRING ||
           (t->state == VG_ALERT_RESOLVED && t->from == VG_ALERT_FIRING);
}

/* One "alert.transition" entry: the rule's metric value, never a feature's raw values. */
static void audit_transition(vg_serve *s, const vg_alert *t) {
    json_t *d = json_pack("{s:s,s:s,s:s,s:s}", "rule", t->rule ? t->rule : "", "model",
                          t->model ? t->model : "", "from", vg_alert_state_name(t->from), "to",
                          vg_alert_state_name(t->state));
    if (!d)
        d = json_object();
    json_object_set_new(d, "feature", t->feature ? json_string(t->feature) : json_null());
    json_object_set_new(d, "value", isfinite(t->value) ? json_real(t->value) : json_null());
    serve_audit(s, NULL, "alert.transition", t->fingerprint, d);
}

/* With a->mu held: persists the engine's state with the history of these transitions (and
 * extra events) and the outbox entries of the notifiable, unsilenced ones. Logs on failure:
 * the engine has moved on in memory; the next commit carries its state again. */
static void commit(vg_serve *s, const vg_alert *t, size_t n, const vg_store_alert_event *extra,
                   size_t n_extra) {
    struct serve_alerting *a = s->alerting;
    vg_error err;
    vg_error_clear(&err);
    char *state = NULL;
    if (vg_alert_engine_state_json(a->eng, &state, &err) != VG_OK) {
        vg_serve_log(VG_LOG_ERROR, "alerting: state not saved: %s", err.msg);
        return;
    }
    size_t n_out = 0;
    for (size_t i = 0; i < n; i++)
        if (notifiable(&t[i]) && !t[i].silenced)
            n_out += t[i].n_notify;
    vg_store_alert_event *ev = calloc(n + n_extra + 1, sizeof *ev);
    vg_store_outbox_new *ob = calloc(n_out + 1, sizeof *ob);
    char **jsons = calloc(n + 1, sizeof *jsons);
    if (!ev || !ob || !jsons) {
        vg_serve_log(VG_LOG_ERROR, "alerting: out of memory saving %zu transitions", n);
        goto out;
    }
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (vg_alert_json(&t[i], &jsons[i], &err) != VG_OK) {
            vg_serve_log(VG_LOG_ERROR, "alerting: %s", err.msg);
            goto out;
        }
        ev[i].alert_id = t[i].fingerprint;
        ev[i].rule = t[i].rule;
        ev[i].model = t[i].model;
        ev[i].kind = "transition";
        ev[i].state = vg_alert_state_name(t[i].state);
        ev[i].json = jsons[i];
        ev[i].at_ms = t[i].at_ms;
        vg_serve_log(t[i].state == VG_ALERT_FIRING ? VG_LOG_WARN : VG_LOG_INFO,
                     "alert %s %s -> %s: rule %s, model %s%s%s, value %g%s", t[i].fingerprint,
                     vg_alert_state_name(t[i].from), vg_alert_state_name(t[i].state), t[i].rule,
                     t[i].model, t[i].feature ? ", feature " : "", t[i].feature ? t[i].feature : "",
                     t[i].value, t[i].silenced ? " (silenced: not notified)" : "");
        if (!notifiable(&t[i]))
            continue;
        for (size_t j = 0; j < t[i].n_notify; j++) {
            if (t[i].silenced) {
                notify_count *c = count_of(a, t[i].notify[j]);
                if (c)
                    c->suppressed++;
                continue;
            }
            ob[k].event = (ptrdiff_t)i;
            ob[k].notifier = t[i].notify[j];
            ob[k].payload = jsons[i];
            k++;
        }
    }
    for (size_t i = 0; i < n_extra; i++)
        ev[n + i] = extra[i];
    vg_store_alert_kv kv = {"engine", "state", state, 0};
    vg_store_alert_tx tx = {&kv, 1, ev, n + n_extra, ob, k};
    if (vg_store_alert_commit(s->store, &tx, &err) != VG_OK)
        vg_serve_log(VG_LOG_ERROR, "alerting: %zu transitions not saved: %s", n, err.msg);
    else if (k)
        wake_sender(a);
    /* the engine has moved whether or not its state was saved: the audit log says so */
    for (size_t i = 0; i < n; i++)
        audit_transition(s, &t[i]);
out:
    for (size_t i = 0; jsons && i < n; i++)
        free(jsons[i]);
    free(jsons);
    free(ev);
    free(ob);
    free(state);
}

/* ---- life cycle ---- */

static void *sender_main(void *arg);

int serve_alerting_start(vg_serve *s, vg_error *err) {
    struct serve_alerting *a = calloc(1, sizeof *a);
    if (!a)
        return vg_error_set(err, VG_ERR_NOMEM, "out of memory");
    pthread_mutex_init(&a->mu, NULL);
    pthread_cond_init(&a->cv, NULL);
    s->alerting = a;
    vg_alert_config *cfg = s->cfg.alerts;
    s->cfg.alerts = NULL;
    if (!cfg && !(cfg = calloc(1, sizeof *cfg)))
        return vg_error_set(err, VG_ERR_NOMEM, "out of memory");
    if (!cfg->eval_interval_ms && !cfg->rules)
        cfg->eval_interval_ms = 30000;
    int rc = vg_alert_engine_new(cfg, &a->eng, err);
    if (rc != VG_OK)
        return rc;
    vg_store_alert_kv *kv = NULL;
    size_t n = 0;
    if ((rc = vg_store_alert_kv_list(s->store, "engine", &kv, &n, err)) != VG_OK)
        return rc;
    for (size_t i = 0; i < n; i++)
        if (!strcmp(kv[i].id, "state")) {
            vg_error e;
            vg_error_clear(&e);
            /* a state this build cannot read is logged, not fatal: alerts start over */
            if (vg_alert_engine_restore_json(a->eng, kv[i].json, strlen(kv[i].json), &e) != VG_OK)
                vg_serve_log(VG_LOG_ERROR, "alerting: saved state not restored: %s", e.msg);
        }
    vg_store_alert_kv_free(kv, n);
    const vg_alert_config *c = vg_alert_engine_config(a->eng);
    if (c->n_rules)
        vg_serve_log(VG_LOG_INFO, "alerting: %zu rules, %zu notifiers", c->n_rules, c->n_notifiers);
    if (serve_notify_init() != 0)
        return vg_error_set(err, VG_ERR_IO, "alerting: libcurl did not initialize");
    a->curl_ok = 1;
    if (pthread_create(&a->th, NULL, sender_main, s) != 0)
        return vg_error_set(err, VG_ERR_NOMEM, "cannot start the notification sender thread");
    a->started = 1;
    return VG_OK;
}

void serve_alerting_stop(vg_serve *s) {
    struct serve_alerting *a = s ? s->alerting : NULL;
    if (!a)
        return;
    if (a->started) {
        pthread_mutex_lock(&a->mu);
        a->stopping = 1;
        pthread_cond_signal(&a->cv);
        pthread_mutex_unlock(&a->mu);
        pthread_join(a->th, NULL);
    }
    if (a->curl_ok)
        serve_notify_cleanup();
    vg_alert_engine_free(a->eng);
    for (size_t i = 0; i < a->n_rates; i++)
        free(a->rates[i].model);
    free(a->rates);
    for (size_t i = 0; i < a->n_counts; i++)
        free(a->counts[i].notifier);
    free(a->counts);
    for (size_t i = 0; i < a->n_resends; i++)
        free(a->resends[i].notifier);
    free(a->resends);
    pthread_cond_destroy(&a->cv);
    pthread_mutex_destroy(&a->mu);
    free(a);
    s->alerting = NULL;
}

/* ---- evaluation ---- */

void serve_alerting_window(vg_serve *s, const char *model, const vg_window *w, int64_t now_ms) {
    struct serve_alerting *a = s->alerting;
    /* a revision (late labels) is evaluated too: the engine recognizes the window by its
     * bounds and updates values (model metrics appear then) without counting it again */
    if (!a)
        return;
    vg_alert *t = NULL;
    size_t n = 0;
    vg_error err;
    vg_error_clear(&err);
    pthread_mutex_lock(&a->mu);
    if (vg_alert_engine_eval(a->eng, VG_ALERT_EVAL_WINDOW, model, w->metrics, w->n_metrics,
                             w->start_ms, w->end_ms, now_ms, &t, &n, &err) != VG_OK)
        vg_serve_log(VG_LOG_ERROR, "alerting: model %s window %lld: %s", model, (long long)w->key,
                     err.msg);
    else if (n)
        commit(s, t, n, NULL, 0);
    pthread_mutex_unlock(&a->mu);
    vg_alert_array_free(t, n);
}

/* The daemon-level samples of one model since the last interval: the share of prediction
 * records rejected, and the share of labels that found their prediction. A rate without
 * traffic in the interval is no sample (absent, not zero). */
static size_t rate_samples(struct serve_alerting *a, const char *model, const vg_monitor_stats *st,
                           vg_metric_sample out[2]) {
    model_rate *r = NULL;
    for (size_t i = 0; i < a->n_rates; i++)
        if (!strcmp(a->rates[i].model, model))
            r = &a->rates[i];
    if (!r) {
        model_rate *v = realloc(a->rates, (a->n_rates + 1) * sizeof *v);
        char *name = strdup(model);
        if (!v || !name) {
            free(name);
            if (v)
                a->rates = v;
            return 0;
        }
        a->rates = v;
        r = &v[a->n_rates++];
        r->model = name;
        memset(&r->last, 0, sizeof r->last);
    }
    size_t n = 0;
    uint64_t acc = st->records_accepted - r->last.records_accepted;
    uint64_t rej = st->records_rejected - r->last.records_rejected;
    if (st->records_accepted >= r->last.records_accepted &&
        st->records_rejected >= r->last.records_rejected && acc + rej > 0) {
        memset(&out[n], 0, sizeof out[n]);
        snprintf(out[n].name, sizeof out[n].name, "records_rejected_share");
        out[n++].value = (double)rej / (double)(acc + rej);
    }
    uint64_t lab = st->labels_received - r->last.labels_received;
    uint64_t mat = st->labels_matched - r->last.labels_matched;
    if (st->labels_received >= r->last.labels_received &&
        st->labels_matched >= r->last.labels_matched && lab > 0) {
        memset(&out[n], 0, sizeof out[n]);
        snprintf(out[n].name, sizeof out[n].name, "label_join_rate");
        out[n++].value = mat > lab ? 1.0 : (double)mat / (double)lab;
    }
    r->last = *st;
    return n;
}

void serve_alerting_tick(vg_serve *s, int64_t now_ms) {
    struct serve_alerting *a = s->alerting;
    if (!a)
        return;
    pthread_mutex_lock(&a->mu);
    int64_t every = vg_alert_engine_config(a->eng)->eval_interval_ms;
    int due = every > 0 && now_ms - a->last_interval_ms >= every;
    if (due)
        a->last_interval_ms = now_ms;
    pthread_cond_signal(&a->cv); /* the sender checks its re-sends and retries */
    pthread_mutex_unlock(&a->mu);
    if (!due)
        return;
    /* the history and the finished outbox follow the windows' retention (checked at most
     * once a minute: a delete over the history table) */
    serve_live l = serve_get_live(s);
    if (l.retention_ms > 0 && now_ms - a->last_expire_ms >= 60000) {
        a->last_expire_ms = now_ms;
        vg_error e;
        vg_error_clear(&e);
        if (vg_store_alert_expire(s->store, now_ms - l.retention_ms, &e) < 0)
            vg_serve_log(VG_LOG_WARN, "alerting: retention: %s", e.msg);
    }
    size_t nm = 0;
    char **names = serve_model_names(s, &nm);
    for (size_t i = 0; names && i < nm; i++) {
        serve_model *m = serve_model_acquire(s, names[i]);
        if (m) {
            vg_monitor_stats st;
            pthread_mutex_lock(&m->mu);
            vg_monitor_get_stats(m->mon, &st);
            pthread_mutex_unlock(&m->mu);
            serve_model_release(s, m);
            vg_metric_sample smp[2];
            vg_alert *t = NULL;
            size_t n = 0;
            vg_error err;
            vg_error_clear(&err);
            pthread_mutex_lock(&a->mu);
            size_t k = rate_samples(a, names[i], &st, smp);
            if (vg_alert_engine_eval(a->eng, VG_ALERT_EVAL_INTERVAL, names[i], smp, k, now_ms,
                                     now_ms, now_ms, &t, &n, &err) != VG_OK)
                vg_serve_log(VG_LOG_ERROR, "alerting: model %s: %s", names[i], err.msg);
            else if (n)
                commit(s, t, n, NULL, 0);
            pthread_mutex_unlock(&a->mu);
            vg_alert_array_free(t, n);
        }
        free(names[i]);
    }
    free(names);
    /* daemon-wide: each token's request-rate anomaly (auth.c), under the model "(daemon)" */
    if (s->auth) {
        vg_metric_sample *ts = NULL;
        size_t k = serve_auth_anomaly_samples(s->auth, &ts);
        vg_alert *t = NULL;
        size_t n = 0;
        vg_error err;
        vg_error_clear(&err);
        pthread_mutex_lock(&a->mu);
        if (vg_alert_engine_eval(a->eng, VG_ALERT_EVAL_INTERVAL, "(daemon)", ts, k, now_ms, now_ms,
                                 now_ms, &t, &n, &err) != VG_OK)
            vg_serve_log(VG_LOG_ERROR, "alerting: token_rate_anomaly: %s", err.msg);
        else if (n)
            commit(s, t, n, NULL, 0);
        pthread_mutex_unlock(&a->mu);
        vg_alert_array_free(t, n);
        free(ts);
    }
}

void serve_alerting_drop_model(vg_serve *s, const char *model) {
    struct serve_alerting *a = s->alerting;
    if (!a)
        return;
    vg_alert *t = NULL;
    size_t n = 0;
    vg_error err;
    vg_error_clear(&err);
    pthread_mutex_lock(&a->mu);
    if (vg_alert_engine_drop_model(a->eng, model, serve_now_ms(), &t, &n, &err) != VG_OK)
        vg_serve_log(VG_LOG_ERROR, "alerting: model %s: %s", model, err.msg);
    else
        commit(s, t, n, NULL, 0);
    pthread_mutex_unlock(&a->mu);
    vg_alert_array_free(t, n);
}

int serve_alerting_reload(vg_serve *s, vg_alert_config *cfg) {
    struct serve_alerting *a = s->alerting;
    if (!a) {
        vg_alert_config_free(cfg);
        return 0;
    }
    if (!cfg && !(cfg = calloc(1, sizeof *cfg)))
        return 0;
    if (!cfg->eval_interval_ms && !cfg->rules)
        cfg->eval_interval_ms = 30000;
    size_t nr = cfg->n_rules, nn = cfg->n_notifiers;
    vg_alert *t = NULL;
    size_t n = 0;
    vg_error err;
    vg_error_clear(&err);
    char *before = NULL, *after = NULL;
    pthread_mutex_lock(&a->mu);
    /* the rules as the engine holds them, before and after: changed or not, for the audit log */
    vg_alert_config_json(vg_alert_engine_config(a->eng), &before, NULL);
    if (vg_alert_engine_replace_config(a->eng, cfg, serve_now_ms(), &t, &n, &err) != VG_OK) {
        vg_serve_log(VG_LOG_ERROR, "reload: alert rules not replaced: %s", err.msg);
    } else {
        vg_serve_log(VG_LOG_INFO, "reload: alerting: %zu rules, %zu notifiers", nr, nn);
        vg_alert_config_json(vg_alert_engine_config(a->eng), &after, NULL);
        commit(s, t, n, NULL, 0);
    }
    pthread_mutex_unlock(&a->mu);
    vg_alert_array_free(t, n);
    int changed = after && (!before || strcmp(before, after));
    free(before);
    free(after);
    return changed;
}

/* ---- delivery ---- */

/* What the sender needs of a notifier, copied under mu so delivery runs without it. */
typedef struct notifier_copy {
    vg_alert_notifier_type type;
    char *url;
    int64_t timeout_ms, backoff_ms, max_backoff_ms, resend_ms;
    uint32_t retries;
    char **argv;
} notifier_copy;

static void copy_clear(notifier_copy *c) {
    free(c->url);
    for (size_t i = 0; c->argv && c->argv[i]; i++)
        free(c->argv[i]);
    free(c->argv);
    memset(c, 0, sizeof *c);
}

/* 0 with *c filled, -1 when the notifier is not (or no longer) configured. */
static int copy_notifier(struct serve_alerting *a, const char *name, notifier_copy *c) {
    memset(c, 0, sizeof *c);
    pthread_mutex_lock(&a->mu);
    const vg_alert_notifier *nf = vg_alert_config_notifier(vg_alert_engine_config(a->eng), name);
    int rc = -1;
    if (nf) {
        c->type = nf->type;
        c->timeout_ms = nf->timeout_ms;
        c->backoff_ms = nf->backoff_ms;
        c->max_backoff_ms = nf->max_backoff_ms;
        c->resend_ms = nf->resend_ms;
        c->retries = nf->retries;
        c->url = nf->url ? strdup(nf->url) : NULL;
        rc = 0;
        if (nf->argv) {
            c->argv = calloc(nf->argc + 1, sizeof *c->argv);
            for (size_t i = 0; c->argv && i < nf->argc; i++)
                if (!(c->argv[i] = strdup(nf->argv[i])))
                    rc = -1;
            if (!c->argv)
                rc = -1;
        }
        if (nf->url && !c->url)
            rc = -1;
    }
    pthread_mutex_unlock(&a->mu);
    if (rc != 0)
        copy_clear(c);
    return rc;
}

static const char *jstr(json_t *o, const char *k) {
    const char *v = json_string_value(json_object_get(o, k));
    return v ? v : "";
}

/* Alertmanager's v2 body for alerts (JSON from vg_alert_json): startsAt is when the
 * condition began, endsAt is set once resolved; generatorURL points at this daemon's API. */
static char *am_body(vg_serve *s, json_t *const *alerts, size_t n) {
    json_t *arr = json_array();
    for (size_t i = 0; arr && i < n; i++) {
        json_t *al = alerts[i], *o = json_object();
        char url[300];
        snprintf(url, sizeof url, "http://%s:%u/v1/alerts?fingerprint=%s", s->cfg.host, s->port,
                 jstr(al, "fingerprint"));
        json_t *starts = json_object_get(al, "active_since");
        if (!json_is_string(starts))
            starts = json_object_get(al, "at");
        json_object_set(o, "labels", json_object_get(al, "labels"));
        json_object_set(o, "annotations", json_object_get(al, "annotations"));
        if (json_is_string(starts))
            json_object_set(o, "startsAt", starts);
        if (!strcmp(jstr(al, "state"), "resolved")) {
            json_t *ends = json_object_get(al, "resolved_at");
            json_object_set(o, "endsAt", json_is_string(ends) ? ends : json_object_get(al, "at"));
        }
        json_object_set_new(o, "generatorURL", json_string(url));
        json_array_append_new(arr, o);
    }
    char *body = arr ? json_dumps(arr, JSON_COMPACT) : NULL;
    json_decref(arr);
    return body;
}

/* The VIGIA_ALERT_* variables of an exec hook. */
static char **exec_env(json_t *al, const char *notifier) {
    static const char *const keys[] = {"fingerprint", "rule",  "model",    "feature",
                                       "severity",    "state", "from",     "value",
                                       "threshold",   "at",    "silenced", NULL};
    char **env = calloc(16, sizeof *env);
    size_t k = 0;
    for (size_t i = 0; env && keys[i]; i++) {
        json_t *v = json_object_get(al, keys[i]);
        char val[128] = "";
        if (json_is_string(v))
            snprintf(val, sizeof val, "%s", json_string_value(v));
        else if (json_is_number(v))
            snprintf(val, sizeof val, "%.17g", json_number_value(v));
        else if (json_is_boolean(v))
            snprintf(val, sizeof val, "%s", json_is_true(v) ? "true" : "false");
        char name[64];
        snprintf(name, sizeof name, "VIGIA_ALERT_%s", keys[i]);
        for (char *p = name; *p; p++)
            if (*p >= 'a' && *p <= 'z')
                *p = (char)(*p - 'a' + 'A');
        size_t len = strlen(name) + strlen(val) + 2;
        if ((env[k] = malloc(len)))
            snprintf(env[k++], len, "%s=%s", name, val);
    }
    const char *pre = "VIGIA_ALERT_NOTIFIER=";
    if (env && (env[k] = malloc(strlen(pre) + strlen(notifier) + 1)))
        sprintf(env[k++], "%s%s", pre, notifier);
    return env;
}

static void env_free(char **env) {
    for (size_t i = 0; env && env[i]; i++)
        free(env[i]);
    free(env);
}

/* One delivery attempt of an outbox entry. Returns 0 delivered, -1 failed (retryable), 1 done
 * without success (exec ran and failed: recorded, not retried). *rec gets a history record. */
static int deliver(vg_serve *s, const vg_store_outbox *o, const notifier_copy *c, char *msg,
                   size_t cap, json_t **rec) {
    json_error_t je;
    json_t *al = json_loads(o->payload, 0, &je);
    *rec = json_object();
    json_object_set_new(*rec, "notifier", json_string(o->notifier));
    json_object_set_new(*rec, "outbox_id", json_integer(o->id));
    json_object_set_new(*rec, "attempt", json_integer((json_int_t)o->attempts + 1));
    if (!al) {
        snprintf(msg, cap, "unreadable payload: %s", je.text);
        return 1;
    }
    int rc = -1;
    long status = 0;
    switch (c->type) {
    case VG_NOTIFY_WEBHOOK:
        rc = serve_notify_post(c->url, o->payload, c->timeout_ms, &status, msg, cap);
        json_object_set_new(*rec, "http_status", json_integer(status));
        break;
    case VG_NOTIFY_ALERTMANAGER: {
        json_t *one[1] = {al};
        char *body = am_body(s, one, 1);
        char url[1024];
        size_t ul = strlen(c->url);
        snprintf(url, sizeof url, "%s%sapi/v2/alerts", c->url,
                 ul && c->url[ul - 1] == '/' ? "" : "/");
        rc = body ? serve_notify_post(url, body, c->timeout_ms, &status, msg, cap) : -1;
        if (!body)
            snprintf(msg, cap, "out of memory");
        json_object_set_new(*rec, "http_status", json_integer(status));
        free(body);
        break;
    }
    case VG_NOTIFY_EXEC: {
        char **env = exec_env(al, o->notifier);
        serve_exec_result r;
        int er = env ? serve_notify_exec(c->argv, o->payload, env, c->timeout_ms, &r) : -1;
        env_free(env);
        if (!env) {
            snprintf(msg, cap, "out of memory");
            break;
        }
        snprintf(msg, cap, "%s", r.msg);
        json_object_set_new(*rec, "command", json_string(c->argv[0]));
        if (r.started) {
            json_object_set_new(*rec, "exit_status", json_integer(r.exit_status));
            json_object_set_new(*rec, "timed_out", json_boolean(r.timed_out));
            json_object_set_new(*rec, "output", json_string(r.output ? r.output : ""));
            if (r.output_dropped)
                json_object_set_new(*rec, "output_dropped_bytes",
                                    json_integer((json_int_t)r.output_dropped));
        }
        free(r.output);
        /* a hook that ran has had its say (its status is in the history); only a hook that
         * could not be started is retried */
        rc = er == 0 ? 0 : r.started ? 1 : -1;
        break;
    }
    case VG_NOTIFY_LOG: {
        char *line = json_dumps(al, JSON_COMPACT);
        fprintf(stderr, "vigia alert notifier=%s %s\n", o->notifier, line ? line : o->payload);
        fflush(stderr);
        free(line);
        snprintf(msg, cap, "logged");
        rc = 0;
        break;
    }
    }
    json_decref(al);
    return rc;
}

static int64_t backoff(const notifier_copy *c, uint32_t attempts) {
    int64_t d = c->backoff_ms > 0 ? c->backoff_ms : 1000;
    int64_t cap = c->max_backoff_ms > 0 ? c->max_backoff_ms : 300000;
    for (uint32_t i = 1; i < attempts && d < cap; i++)
        d *= 2;
    return d < cap ? d : cap;
}

/* Delivers what is due; returns the earliest time something else becomes due (or now + 1 s). */
static int64_t deliver_due(vg_serve *s) {
    struct serve_alerting *a = s->alerting;
    int64_t now = serve_now_ms(), next = now + 1000;
    vg_store_outbox *ob = NULL;
    size_t n = 0;
    vg_error err;
    vg_error_clear(&err);
    if (vg_store_outbox_pending(s->store, 1000, &ob, &n, &err) != VG_OK) {
        vg_serve_log(VG_LOG_ERROR, "alerting: outbox: %s", err.msg);
        return next;
    }
    /* the first pending entry of each notifier only: order within a notifier is kept */
    const char **seen = calloc(n + 1, sizeof *seen);
    size_t n_seen = 0;
    for (size_t i = 0; seen && i < n; i++) {
        vg_store_outbox *o = &ob[i];
        int dup = 0;
        for (size_t j = 0; j < n_seen && !dup; j++)
            dup = !strcmp(seen[j], o->notifier);
        if (dup)
            continue;
        seen[n_seen++] = o->notifier;
        if (o->next_ms > now) {
            if (o->next_ms < next)
                next = o->next_ms;
            continue;
        }
        pthread_mutex_lock(&a->mu);
        int stop = a->stopping;
        pthread_mutex_unlock(&a->mu);
        if (stop)
            break;
        notifier_copy c;
        char msg[512];
        json_t *rec = NULL;
        int done, rc;
        const char *result;
        if (copy_notifier(a, o->notifier, &c) != 0) {
            snprintf(msg, sizeof msg, "notifier '%s' is not configured (removed by a reload?)",
                     o->notifier);
            rec = json_object();
            json_object_set_new(rec, "notifier", json_string(o->notifier));
            rc = 1;
        } else {
            rc = deliver(s, o, &c, msg, sizeof msg, &rec);
        }
        uint32_t attempts = o->attempts + 1;
        int64_t retry_at = 0;
        if (rc == 0) {
            done = 1;
            result = "delivered";
        } else if (rc > 0 || attempts > c.retries) {
            done = 1;
            result = "failed";
        } else {
            done = 0;
            result = "retry";
            retry_at = serve_now_ms() + backoff(&c, attempts);
        }
        pthread_mutex_lock(&a->mu);
        notify_count *cnt = count_of(a, o->notifier);
        if (cnt) {
            if (rc == 0)
                cnt->delivered++;
            else if (done)
                cnt->failed++;
            else
                cnt->retried++;
        }
        pthread_mutex_unlock(&a->mu);
        json_object_set_new(rec, "result", json_string(result));
        json_object_set_new(rec, "message", json_string(msg));
        json_error_t je;
        json_t *al = json_loads(o->payload, 0, &je);
        if (al)
            json_object_set(rec, "alert_state", json_object_get(al, "state"));
        char *rj = json_dumps(rec, JSON_COMPACT);
        vg_store_alert_event ev = {0,
                                   0,
                                   al ? jstr(al, "fingerprint") : "",
                                   al ? jstr(al, "rule") : "",
                                   al ? jstr(al, "model") : "",
                                   c.type == VG_NOTIFY_EXEC && rc != -1 ? "exec" : "notification",
                                   result,
                                   rj};
        /* retries are not history: only the outcome (delivered or given up) is */
        if (vg_store_outbox_update(s->store, o->id, done, attempts, retry_at, msg,
                                   done ? &ev : NULL, &err) != VG_OK)
            vg_serve_log(VG_LOG_ERROR, "alerting: outbox %lld: %s", (long long)o->id, err.msg);
        vg_serve_log(done && rc != 0 ? VG_LOG_WARN : VG_LOG_DEBUG,
                     "alerting: notification %lld to %s: %s (attempt %u): %s", (long long)o->id,
                     o->notifier, result, attempts, msg);
        free(rj);
        json_decref(al);
        json_decref(rec);
        copy_clear(&c);
        if (!done && retry_at < next)
            next = retry_at;
        if (done)
            next = now; /* the notifier's next entry is due at once */
    }
    free(seen);
    vg_store_outbox_free(ob, n);
    return next;
}

/* Alertmanager forgets an alert not re-sent within its resolve_timeout: every firing,
 * unsilenced, unacknowledged alert goes again to its Alertmanager notifiers each resend_ms. */
static void resend_firing(vg_serve *s) {
    struct serve_alerting *a = s->alerting;
    int64_t now = serve_now_ms();
    pthread_mutex_lock(&a->mu);
    const vg_alert_config *cfg = vg_alert_engine_config(a->eng);
    size_t nn = cfg->n_notifiers;
    char **due = calloc(nn + 1, sizeof *due);
    size_t n_due = 0;
    for (size_t i = 0; due && i < nn; i++) {
        const vg_alert_notifier *nf = &cfg->notifiers[i];
        if (nf->type != VG_NOTIFY_ALERTMANAGER)
            continue;
        resend_mark *m = NULL;
        for (size_t j = 0; j < a->n_resends; j++)
            if (!strcmp(a->resends[j].notifier, nf->name))
                m = &a->resends[j];
        if (!m) {
            resend_mark *v = realloc(a->resends, (a->n_resends + 1) * sizeof *v);
            if (!v)
                continue;
            a->resends = v;
            m = &v[a->n_resends];
            if (!(m->notifier = strdup(nf->name)))
                continue;
            m->last_ms = now;
            a->n_resends++;
            continue;
        }
        int64_t every = nf->resend_ms > 0 ? nf->resend_ms : 60000;
        if (now - m->last_ms >= every) {
            m->last_ms = now;
            due[n_due++] = strdup(nf->name);
        }
    }
    vg_alert *al = NULL;
    size_t n = 0;
    vg_error err;
    vg_error_clear(&err);
    if (n_due && vg_alert_engine_alerts(a->eng, 0, now, &al, &n, &err) != VG_OK)
        n = 0;
    pthread_mutex_unlock(&a->mu);
    for (size_t d = 0; d < n_due; d++) {
        if (!due[d])
            continue;
        json_t **sel = calloc(n + 1, sizeof *sel);
        size_t k = 0;
        for (size_t i = 0; sel && i < n; i++) {
            if (al[i].state != VG_ALERT_FIRING || al[i].silenced || al[i].acknowledged)
                continue;
            int mine = 0;
            for (size_t j = 0; j < al[i].n_notify; j++)
                mine |= !strcmp(al[i].notify[j], due[d]);
            char *js = NULL;
            if (mine && vg_alert_json(&al[i], &js, &err) == VG_OK) {
                json_error_t je;
                if ((sel[k] = json_loads(js, 0, &je)))
                    k++;
            }
            free(js);
        }
        notifier_copy c;
        if (k && copy_notifier(a, due[d], &c) == 0) {
            char *body = am_body(s, sel, k);
            char url[1024], msg[256];
            size_t ul = strlen(c.url);
            snprintf(url, sizeof url, "%s%sapi/v2/alerts", c.url,
                     ul && c.url[ul - 1] == '/' ? "" : "/");
            long status;
            if (body && serve_notify_post(url, body, c.timeout_ms, &status, msg, sizeof msg) != 0)
                vg_serve_log(VG_LOG_WARN, "alerting: re-sending %zu alerts to %s: %s", k, due[d],
                             msg);
            free(body);
            copy_clear(&c);
        }
        for (size_t i = 0; i < k; i++)
            json_decref(sel[i]);
        free(sel);
        free(due[d]);
    }
    free(due);
    vg_alert_array_free(al, n);
}

static void *sender_main(void *arg) {
    vg_serve *s = arg;
    struct serve_alerting *a = s->alerting;
    for (;;) {
        int64_t next = deliver_due(s);
        resend_firing(s);
        pthread_mutex_lock(&a->mu);
        if (!a->stopping && !a->kick) {
            int64_t wait = next - serve_now_ms();
            if (wait > 1000)
                wait = 1000;
            if (wait > 0) {
                struct timespec until;
                clock_gettime(CLOCK_REALTIME, &until);
                int64_t ns = (int64_t)until.tv_nsec + wait * 1000000LL;
                until.tv_sec += (time_t)(ns / 1000000000LL);
                until.tv_nsec = (long)(ns % 1000000000LL);
                pthread_cond_timedwait(&a->cv, &a->mu, &until);
            }
        }
        a->kick = 0;
        int stop = a->stopping;
        pthread_mutex_unlock(&a->mu);
        if (stop)
            break;
    }
    return NULL;
}

/* ---- /metrics ---- */

typedef struct {
    char *p;
    size_t len, cap;
    int failed;
} text;

static void add(text *t, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

static void add(text *t, const char *fmt, ...) {
    va_list ap;
    for (;;) {
        va_start(ap, fmt);
        int k = vsnprintf(t->p + t->len, t->cap - t->len, fmt, ap);
        va_end(ap);
        if (k < 0) {
            t->failed = 1;
            return;
        }
        if ((size_t)k < t->cap - t->len) {
            t->len += (size_t)k;
            return;
        }
        size_t nc = t->cap * 2 + (size_t)k;
        char *np = realloc(t->p, nc);
        if (!np) {
            t->failed = 1;
            return;
        }
        t->p = np;
        t->cap = nc;
    }
}

/* A label value in exposition syntax (backslash, quote and newline escaped). */
static void add_value(text *t, const char *v) {
    for (; v && *v; v++) {
        if (*v == '\\' || *v == '"')
            add(t, "\\%c", *v);
        else if (*v == '\n')
            add(t, "\\n");
        else
            add(t, "%c", *v);
    }
}

char *serve_alerting_metrics(vg_serve *s) {
    struct serve_alerting *a = s->alerting;
    text t = {malloc(4096), 0, 4096, 0};
    if (!t.p)
        return NULL;
    t.p[0] = 0;
    if (!a)
        return t.p;
    vg_alert *al = NULL;
    size_t n = 0;
    vg_error err;
    vg_error_clear(&err);
    pthread_mutex_lock(&a->mu);
    if (vg_alert_engine_alerts(a->eng, 1, serve_now_ms(), &al, &n, &err) != VG_OK)
        n = 0;
    add(&t, "# HELP vigia_alert_state State of an alert instance (0 inactive or resolved, 1 "
            "pending, 2 firing)\n# TYPE vigia_alert_state gauge\n");
    size_t firing[3] = {0, 0, 0};
    for (size_t i = 0; i < n; i++) {
        int v = al[i].state == VG_ALERT_FIRING ? 2 : al[i].state == VG_ALERT_PENDING ? 1 : 0;
        if (v == 2 && al[i].severity <= VG_ALERT_INFO)
            firing[al[i].severity]++;
        add(&t, "vigia_alert_state{rule=\"");
        add_value(&t, al[i].rule);
        add(&t, "\",model=\"");
        add_value(&t, al[i].model);
        add(&t, "\",severity=\"%s\"%s%s} %d\n", vg_alert_severity_name(al[i].severity),
            al[i].sample_labels && al[i].sample_labels[0] ? "," : "",
            al[i].sample_labels ? al[i].sample_labels : "", v);
    }
    add(&t, "# HELP vigia_alerts_firing Alerts firing, by severity\n"
            "# TYPE vigia_alerts_firing gauge\n");
    for (int k = 0; k < 3; k++)
        add(&t, "vigia_alerts_firing{severity=\"%s\"} %zu\n",
            vg_alert_severity_name((vg_alert_severity)k), firing[k]);
    add(&t, "# HELP vigia_notifications_total Notifications by notifier and result (delivered, "
            "failed: given up, retried: an attempt failed, suppressed: silenced)\n"
            "# TYPE vigia_notifications_total counter\n");
    for (size_t i = 0; i < a->n_counts; i++) {
        const notify_count *c = &a->counts[i];
        const char *res[4] = {"delivered", "failed", "retried", "suppressed"};
        uint64_t val[4] = {c->delivered, c->failed, c->retried, c->suppressed};
        for (int k = 0; k < 4; k++) {
            add(&t, "vigia_notifications_total{notifier=\"");
            add_value(&t, c->notifier);
            add(&t, "\",result=\"%s\"} %llu\n", res[k], (unsigned long long)val[k]);
        }
    }
    pthread_mutex_unlock(&a->mu);
    vg_alert_array_free(al, n);
    int64_t pending = vg_store_outbox_count(s->store);
    add(&t,
        "# HELP vigia_notification_outbox_pending Notifications waiting in the outbox\n"
        "# TYPE vigia_notification_outbox_pending gauge\nvigia_notification_outbox_pending "
        "%lld\n",
        (long long)(pending > 0 ? pending : 0));
    if (t.failed) {
        free(t.p);
        return NULL;
    }
    return t.p;
}

/* ---- the API ---- */

static json_t *loads(const char *js) {
    json_error_t je;
    return js ? json_loads(js, 0, &je) : NULL;
}

void api_rules(vg_serve *s, const serve_request *q, serve_reply *r) {
    (void)q;
    struct serve_alerting *a = s->alerting;
    char *js = NULL;
    vg_error err;
    vg_error_clear(&err);
    pthread_mutex_lock(&a->mu);
    int rc = vg_alert_config_json(vg_alert_engine_config(a->eng), &js, &err);
    pthread_mutex_unlock(&a->mu);
    json_t *j = rc == VG_OK ? loads(js) : NULL;
    free(js);
    if (!j) {
        serve_reply_vg_error(r, &err);
        return;
    }
    serve_reply_json(r, 200, j);
}

void api_alerts(vg_serve *s, const serve_request *q, serve_reply *r) {
    struct serve_alerting *a = s->alerting;
    const char *res = serve_query(q, "resolved"), *fp = serve_query(q, "fingerprint");
    const char *rule = serve_query(q, "rule"), *model = serve_query(q, "model");
    int with_resolved = res && (!strcmp(res, "1") || !strcmp(res, "true"));
    vg_alert *al = NULL;
    size_t n = 0;
    vg_error err;
    vg_error_clear(&err);
    pthread_mutex_lock(&a->mu);
    int rc = vg_alert_engine_alerts(a->eng, with_resolved, serve_now_ms(), &al, &n, &err);
    pthread_mutex_unlock(&a->mu);
    if (rc != VG_OK) {
        serve_reply_vg_error(r, &err);
        return;
    }
    json_t *arr = json_array();
    for (size_t i = 0; i < n; i++) {
        if ((fp && strcmp(fp, al[i].fingerprint)) || (rule && strcmp(rule, al[i].rule)) ||
            (model && strcmp(model, al[i].model)))
            continue;
        char *js = NULL;
        if (vg_alert_json(&al[i], &js, &err) == VG_OK) {
            json_t *j = loads(js);
            if (j)
                json_array_append_new(arr, j);
        }
        free(js);
    }
    vg_alert_array_free(al, n);
    serve_reply_json(r, 200, json_pack("{s:o}", "alerts", arr));
}

void api_alert_history(vg_serve *s, const serve_request *q, serve_reply *r) {
    const char *al = serve_query(q, "alert"), *rule = serve_query(q, "rule");
    const char *bs = serve_query(q, "before"), *ls = serve_query(q, "limit");
    char *end = NULL;
    int bad = 0;
    int64_t before = 0;
    long long limit = 100;
    if (bs) {
        errno = 0;
        before = strtoll(bs, &end, 10);
        bad |= !*bs || *end || errno;
    }
    if (ls) {
        errno = 0;
        limit = strtoll(ls, &end, 10);
        bad |= !*ls || *end || errno;
    }
    if (bad || limit <= 0 || limit > 10000 || before < 0) {
        serve_reply_error(r, 400, "invalid",
                          "limit must be between 1 and 10000 and before a positive event id");
        return;
    }
    vg_store_alert_event *ev = NULL;
    size_t n = 0;
    vg_error err;
    vg_error_clear(&err);
    if (vg_store_alert_history(s->store, al, rule, before, (size_t)limit, &ev, &n, &err) != VG_OK) {
        serve_reply_vg_error(r, &err);
        return;
    }
    json_t *arr = json_array();
    for (size_t i = 0; i < n; i++) {
        char at[40];
        vg_format_rfc3339_ms(ev[i].at_ms, at, sizeof at);
        json_t *e = json_pack("{s:I,s:s,s:s,s:s,s:s,s:s,s:s}", "id", (json_int_t)ev[i].id, "at", at,
                              "alert", ev[i].alert_id, "rule", ev[i].rule, "model", ev[i].model,
                              "kind", ev[i].kind, "state", ev[i].state);
        json_t *d = loads(ev[i].json);
        if (e) {
            json_object_set_new(e, "detail", d ? d : json_null());
            json_array_append_new(arr, e);
        } else {
            json_decref(d);
        }
    }
    json_t *out = json_pack("{s:o}", "events", arr);
    if (n == (size_t)limit)
        json_object_set_new(out, "next_before", json_integer((json_int_t)ev[n - 1].id));
    vg_store_alert_events_free(ev, n);
    serve_reply_json(r, 200, out);
}

/* Records an API action on the engine (ack, silence) in the history with the engine's state. */
static void commit_action(vg_serve *s, const char *alert_id, const char *rule, const char *model,
                          const char *kind, const char *state, json_t *detail) {
    char *dj = json_dumps(detail, JSON_COMPACT);
    vg_store_alert_event ev = {0, 0, alert_id, rule, model, kind, state, dj ? dj : "{}"};
    commit(s, NULL, 0, &ev, 1);
    free(dj);
}

void api_alert_ack(vg_serve *s, const serve_request *q, serve_reply *r) {
    struct serve_alerting *a = s->alerting;
    json_t *body = NULL;
    if (q->body_len) {
        json_error_t je;
        body = json_loadb(q->body, q->body_len, 0, &je);
        if (!json_is_object(body)) {
            json_decref(body);
            serve_reply_error(r, 400, "invalid",
                              "body: expected a JSON object such as {\"by\": \"me\", "
                              "\"comment\": \"...\"} (%s)",
                              je.text);
            return;
        }
    }
    vg_error err;
    vg_error_clear(&err);
    pthread_mutex_lock(&a->mu);
    int rc = vg_alert_engine_ack(a->eng, q->key, &err);
    if (rc == VG_OK) {
        /* the instance, for the history row */
        vg_alert *al = NULL;
        size_t n = 0;
        const char *rule = "", *model = "";
        if (vg_alert_engine_alerts(a->eng, 0, serve_now_ms(), &al, &n, NULL) == VG_OK)
            for (size_t i = 0; i < n; i++)
                if (!strcmp(al[i].fingerprint, q->key)) {
                    rule = al[i].rule;
                    model = al[i].model;
                }
        json_t *d = json_pack("{s:s}", "alert", q->key);
        if (body)
            json_object_update(d, body);
        commit_action(s, q->key, rule, model, "ack", "acknowledged", d);
        json_decref(d);
        vg_alert_array_free(al, n);
    }
    pthread_mutex_unlock(&a->mu);
    if (rc == VG_OK) /* by and comment as the client gave them */
        serve_audit(s, q->who, "alert.ack", q->key, body ? json_deep_copy(body) : NULL);
    json_decref(body);
    if (rc != VG_OK) {
        serve_reply_error(r, 404, "not_found", "%s", err.msg);
        return;
    }
    vg_serve_log(VG_LOG_INFO, "alert %s acknowledged", q->key);
    serve_reply_json(r, 200, json_pack("{s:s,s:b}", "fingerprint", q->key, "acknowledged", 1));
}

static json_t *silence_json(const vg_alert_silence *sl) {
    char *js = NULL;
    json_t *j = vg_alert_silence_json(sl, &js, NULL) == VG_OK ? loads(js) : NULL;
    free(js);
    return j;
}

void api_silences(vg_serve *s, const serve_request *q, serve_reply *r) {
    struct serve_alerting *a = s->alerting;
    vg_error err;
    vg_error_clear(&err);
    if (!strcmp(q->method, "POST")) {
        vg_alert_silence sl;
        memset(&sl, 0, sizeof sl);
        if (vg_alert_silence_parse_json(q->body, q->body_len, serve_now_ms(), &sl, &err) != VG_OK) {
            serve_reply_error(r, 400, "invalid", "%s", err.msg);
            return;
        }
        pthread_mutex_lock(&a->mu);
        int rc = vg_alert_engine_add_silence(a->eng, &sl, &err);
        json_t *j = rc == VG_OK ? silence_json(&sl) : NULL;
        if (rc == VG_OK)
            commit_action(s, "", "", "", "silence", "created", j ? j : json_object());
        pthread_mutex_unlock(&a->mu);
        if (rc != VG_OK) {
            vg_alert_silence_clear(&sl);
            json_decref(j);
            serve_reply_error(r, 400, "invalid", "%s", err.msg);
            return;
        }
        vg_serve_log(VG_LOG_INFO, "silence %s created", sl.id);
        json_t *out = json_pack("{s:s}", "id", sl.id);
        serve_audit(s, q->who, "silence.create", sl.id, j ? json_deep_copy(j) : NULL);
        if (j)
            json_object_set_new(out, "silence", j);
        vg_alert_silence_clear(&sl);
        serve_reply_json(r, 201, out);
        return;
    }
    vg_alert_silence *v = NULL;
    size_t n = 0;
    pthread_mutex_lock(&a->mu);
    int rc = vg_alert_engine_silences(a->eng, &v, &n, &err);
    pthread_mutex_unlock(&a->mu);
    if (rc != VG_OK) {
        serve_reply_vg_error(r, &err);
        return;
    }
    json_t *arr = json_array();
    for (size_t i = 0; i < n; i++) {
        json_t *j = silence_json(&v[i]);
        if (j)
            json_array_append_new(arr, j);
        vg_alert_silence_clear(&v[i]);
    }
    free(v);
    serve_reply_json(r, 200, json_pack("{s:o}", "silences", arr));
}

void api_silence(vg_serve *s, const serve_request *q, serve_reply *r) {
    struct serve_alerting *a = s->alerting;
    vg_error err;
    vg_error_clear(&err);
    if (!strcmp(q->method, "DELETE")) {
        pthread_mutex_lock(&a->mu);
        int rc = vg_alert_engine_expire_silence(a->eng, q->key, serve_now_ms(), &err);
        if (rc == VG_OK) {
            json_t *d = json_pack("{s:s}", "id", q->key);
            commit_action(s, "", "", "", "silence", "expired", d);
            json_decref(d);
        }
        pthread_mutex_unlock(&a->mu);
        if (rc != VG_OK) {
            serve_reply_error(r, 404, "not_found", "%s", err.msg);
            return;
        }
        vg_serve_log(VG_LOG_INFO, "silence %s expired", q->key);
        serve_audit(s, q->who, "silence.delete", q->key, NULL);
        serve_reply_json(r, 200, json_pack("{s:s,s:b}", "id", q->key, "expired", 1));
        return;
    }
    vg_alert_silence *v = NULL;
    size_t n = 0;
    pthread_mutex_lock(&a->mu);
    int rc = vg_alert_engine_silences(a->eng, &v, &n, &err);
    pthread_mutex_unlock(&a->mu);
    if (rc != VG_OK) {
        serve_reply_vg_error(r, &err);
        return;
    }
    json_t *found = NULL;
    for (size_t i = 0; i < n; i++) {
        if (!found && !strcmp(v[i].id, q->key))
            found = silence_json(&v[i]);
        vg_alert_silence_clear(&v[i]);
    }
    free(v);
    if (!found)
        serve_reply_error(r, 404, "not_found", "no silence '%s'", q->key);
    else
        serve_reply_json(r, 200, found);
}
