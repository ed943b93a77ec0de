/*
 * The JSON API under /v1 (docs/api.md): one function per route, each turning a request into a
 * reply. The ingest path is the one with rules to keep:
 *
 *   lock model -> parse -> (rejects and batch_mode reject, or nothing good: 400, dead letters)
 *   -> seq -> apply -> encode -> closed windows to the store -> unlock
 *   -> journal append (blocks until committed: outside the lock, so that concurrent batches of
 *      every model share one fsync) -> dead letters of a partial batch -> 200
 *
 * A batch is acknowledged (200) only after its journal entry is on disk. A failed commit
 * answers 503: the records are in memory and may be counted, but a retry is the safe course
 * (docs/api.md says so).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "internal.h"
#include "vigia/profile.h"
#include "vigia/report.h"

/* ---- helpers ---- */

static json_t *json_time(int64_t ms) {
    char buf[40];
    vg_format_rfc3339_ms(ms, buf, sizeof buf);
    return json_string(buf);
}

/* A time query argument: milliseconds since the epoch or RFC 3339. */
static int time_arg(const serve_request *q, const char *name, int64_t dflt, int64_t *out,
                    serve_reply *r) {
    const char *v = serve_query(q, name);
    *out = dflt;
    if (!v || !*v)
        return 1;
    char *end;
    errno = 0;
    long long x = strtoll(v, &end, 10);
    if (!*end && !errno) {
        *out = x;
        return 1;
    }
    if (vg_parse_rfc3339_ms(v, out) == VG_OK)
        return 1;
    serve_reply_error(r, 400, "invalid",
                      "%s: '%s' is neither milliseconds since the epoch nor an RFC 3339 time", name,
                      v);
    return 0;
}

static int uint_arg(const serve_request *q, const char *name, uint64_t dflt, uint64_t max,
                    uint64_t *out, serve_reply *r) {
    const char *v = serve_query(q, name);
    *out = dflt;
    if (!v || !*v)
        return 1;
    char *end;
    errno = 0;
    unsigned long long x = strtoull(v, &end, 10);
    if (*end || errno || *v == '-' || x > max) {
        serve_reply_error(r, 400, "invalid", "%s: '%s' is not a whole number up to %llu", name, v,
                          (unsigned long long)max);
        return 0;
    }
    *out = x;
    return 1;
}

/* The media type of Content-Type, lowercased, without parameters. */
static void media_type(const serve_request *q, char *buf, size_t cap) {
    buf[0] = 0;
    if (!q->content_type)
        return;
    size_t i = 0;
    for (const char *p = q->content_type; *p && *p != ';' && i + 1 < cap; p++)
        if (*p != ' ' && *p != '\t')
            buf[i++] = (char)((*p >= 'A' && *p <= 'Z') ? *p + 32 : *p);
    buf[i] = 0;
}

/* Takes and locks the model, or replies 404. Looks again if it was replaced meanwhile. */
static serve_model *lock_model(vg_serve *s, const char *name, serve_reply *r) {
    for (int tries = 0; tries < 8; tries++) {
        serve_model *m = serve_model_acquire(s, name);
        if (!m)
            break;
        pthread_mutex_lock(&m->mu);
        if (!m->gone)
            return m;
        pthread_mutex_unlock(&m->mu);
        serve_model_release(s, m);
    }
    serve_reply_error(r, 404, "model_not_found", "no model '%s' (GET /v1/models lists them)", name);
    return NULL;
}

static void unlock_model(vg_serve *s, serve_model *m) {
    pthread_mutex_unlock(&m->mu);
    serve_model_release(s, m);
}

static json_t *stats_json(const vg_monitor_stats *st) {
    return json_pack("{s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I}", "records_accepted",
                     (json_int_t)st->records_accepted, "records_rejected",
                     (json_int_t)st->records_rejected, "records_late", (json_int_t)st->records_late,
                     "labels_received", (json_int_t)st->labels_received, "labels_matched",
                     (json_int_t)st->labels_matched, "labels_late", (json_int_t)st->labels_late,
                     "labels_unmatched", (json_int_t)st->labels_unmatched, "labels_rejected",
                     (json_int_t)st->labels_rejected, "join_pending", (json_int_t)st->join_pending,
                     "windows_closed", (json_int_t)st->windows_closed, "open_rows",
                     (json_int_t)st->open_rows);
}

/* The model as GET /v1/models/{m} shows it (with m->mu held). */
static json_t *model_json(vg_serve *s, serve_model *m, int full) {
    char *spec = vg_model_spec_json(vg_monitor_spec(m->mon));
    json_t *js = spec ? json_loads(spec, 0, NULL) : NULL;
    free(spec);
    vg_monitor_stats st;
    vg_monitor_get_stats(m->mon, &st);
    const vg_profile *ref = vg_monitor_reference(m->mon);
    json_t *o = json_object();
    json_object_set_new(o, "name", json_string(m->name));
    json_object_set_new(o, "spec", js ? js : json_null());
    json_object_set_new(o, "reference",
                        ref ? json_pack("{s:I,s:I}", "rows", (json_int_t)ref->rows, "columns",
                                        (json_int_t)ref->ncols)
                            : json_null());
    if (full) {
        json_object_set_new(o, "stats", stats_json(&st));
        json_object_set_new(o, "dead_letters",
                            json_integer(vg_store_count_dead(s->store, m->name)));
        if (st.watermark_ms)
            json_object_set_new(o, "watermark", json_time(st.watermark_ms));
        if (st.last_closed_end_ms)
            json_object_set_new(o, "last_closed_end", json_time(st.last_closed_end_ms));
    } else {
        json_object_set_new(o, "open_rows", json_integer((json_int_t)st.open_rows));
        json_object_set_new(o, "windows_closed", json_integer((json_int_t)st.windows_closed));
    }
    return o;
}

static int parse_spec(const serve_request *q, vg_model_spec **spec, serve_reply *r) {
    char mt[128];
    media_type(q, mt, sizeof mt);
    if (mt[0] && strcmp(mt, "application/json")) {
        serve_reply_error(r, 415, "unsupported_media_type",
                          "a model spec is application/json, not %s", mt);
        return 0;
    }
    vg_error e;
    vg_error_clear(&e);
    if (vg_model_spec_parse(q->body, q->body_len, spec, &e) != VG_OK) {
        serve_reply_error(r, 400, e.code == VG_ERR_PARSE ? "bad_json" : "invalid_spec", "%s",
                          e.msg);
        return 0;
    }
    return 1;
}

/* ---- /v1/models ---- */

void api_models(vg_serve *s, const serve_request *q, serve_reply *r) {
    if (!strcmp(q->method, "POST")) {
        vg_model_spec *spec = NULL;
        if (!parse_spec(q, &spec, r))
            return;
        char name[128];
        snprintf(name, sizeof name, "%s", spec->name);
        vg_error e;
        vg_error_clear(&e);
        if (serve_model_register(s, spec, 0, NULL, &e) != VG_OK) {
            vg_model_spec_free(spec);
            if (e.code == VG_ERR_MISMATCH)
                serve_reply_error(r, 409, "model_exists", "%s", e.msg);
            else
                serve_reply_vg_error(r, &e);
            return;
        }
        vg_serve_log(VG_LOG_INFO, "model %s: registered", name);
        serve_audit(s, q->who, "model.register", name, NULL);
        serve_model *m = lock_model(s, name, r);
        if (!m)
            return;
        serve_reply_json(r, 201, model_json(s, m, 1));
        unlock_model(s, m);
        return;
    }
    size_t n = 0;
    char **names = serve_model_names(s, &n);
    json_t *a = json_array();
    for (size_t i = 0; names && i < n; i++) {
        serve_reply tmp = {0, NULL, 0, NULL, NULL, 0, 0, 0};
        serve_model *m = lock_model(s, names[i], &tmp);
        free(tmp.body);
        if (m) {
            json_array_append_new(a, model_json(s, m, 0));
            unlock_model(s, m);
        }
        free(names[i]);
    }
    free(names);
    serve_reply_json(r, 200, json_pack("{s:o}", "models", a));
}

void api_model(vg_serve *s, const serve_request *q, serve_reply *r) {
    if (!strcmp(q->method, "DELETE")) {
        vg_error e;
        vg_error_clear(&e);
        serve_model *m = serve_model_acquire(s, q->model);
        if (!m) {
            serve_reply_error(r, 404, "model_not_found", "no model '%s'", q->model);
            return;
        }
        serve_model_release(s, m);
        if (serve_model_delete(s, q->model, &e) != VG_OK) {
            if (e.code == VG_ERR_INVALID)
                serve_reply_error(r, 404, "model_not_found", "%s", e.msg);
            else
                serve_reply_vg_error(r, &e);
            return;
        }
        vg_serve_log(VG_LOG_INFO, "model %s: deleted", q->model);
        serve_audit(s, q->who, "model.delete", q->model, NULL);
        serve_reply_json(r, 200, json_pack("{s:s}", "deleted", q->model));
        return;
    }
    if (!strcmp(q->method, "PUT")) {
        vg_model_spec *spec = NULL;
        if (!parse_spec(q, &spec, r))
            return;
        if (strcmp(spec->name, q->model)) {
            serve_reply_error(r, 400, "invalid_spec",
                              "name: '%s' differs from the model of the URL, '%s'", spec->name,
                              q->model);
            vg_model_spec_free(spec);
            return;
        }
        int existed = 0;
        vg_error e;
        vg_error_clear(&e);
        if (serve_model_register(s, spec, 1, &existed, &e) != VG_OK) {
            vg_model_spec_free(spec);
            serve_reply_vg_error(r, &e);
            return;
        }
        vg_serve_log(VG_LOG_INFO, "model %s: %s", q->model,
                     existed ? "spec replaced" : "registered");
        serve_audit(s, q->who, existed ? "model.replace" : "model.register", q->model, NULL);
        serve_model *m = lock_model(s, q->model, r);
        if (!m)
            return;
        serve_reply_json(r, existed ? 200 : 201, model_json(s, m, 1));
        unlock_model(s, m);
        return;
    }
    serve_model *m = lock_model(s, q->model, r);
    if (!m)
        return;
    serve_reply_json(r, 200, model_json(s, m, 1));
    unlock_model(s, m);
}

/* ---- reference ---- */

static const unsigned char vgp_magic[8] = {0x89, 'V', 'G', 'P', 0x0D, 0x0A, 0x1A, 0x0A};

void api_reference(vg_serve *s, const serve_request *q, serve_reply *r) {
    serve_model *m = lock_model(s, q->model, r);
    if (!m)
        return;
    if (!strcmp(q->method, "GET")) {
        const vg_profile *p = vg_monitor_reference(m->mon);
        vg_error e;
        vg_error_clear(&e);
        char *json = p ? vg_report_profile_json(p, "reference", NULL, &e) : NULL;
        if (!p)
            serve_reply_error(r, 404, "no_reference",
                              "model '%s' has no reference (PUT /v1/models/%s/reference)", m->name,
                              m->name);
        else if (!json)
            serve_reply_vg_error(r, &e);
        else {
            r->status = 200;
            r->body = json;
            r->len = strlen(json);
            r->type = "application/json";
        }
        unlock_model(s, m);
        return;
    }
    char mt[128];
    media_type(q, mt, sizeof mt);
    int is_vgp = q->body_len >= 8 && !memcmp(q->body, vgp_magic, 8);
    const char *format = NULL;
    if (is_vgp)
        format = "vgp";
    else if (!strcmp(mt, "text/csv") || !strcmp(mt, "text/plain") ||
             !strcmp(mt, "text/tab-separated-values"))
        format = "csv";
    else if (!strcmp(mt, "application/x-ndjson") || !strcmp(mt, "application/jsonl") ||
             !strcmp(mt, "application/json"))
        format = "ndjson";
    if (!format && !strcmp(mt, "application/octet-stream")) {
        /* the type is right, the bytes are not: a 415 "not application/octet-stream" would
         * contradict itself */
        serve_reply_error(r, 400, "invalid",
                          "an application/octet-stream reference must be a .vgp profile (vigia "
                          "profile data.csv -o ref.vgp); this body does not start with its magic "
                          "bytes");
        unlock_model(s, m);
        return;
    }
    if (!format) {
        serve_reply_error(r, 415, "unsupported_media_type",
                          "a reference is text/csv, application/x-ndjson or a .vgp profile "
                          "(application/octet-stream), not %s",
                          mt[0] ? mt : "(no Content-Type)");
        unlock_model(s, m);
        return;
    }
    if (!q->body_len) {
        serve_reply_error(r, 400, "invalid", "empty reference body");
        unlock_model(s, m);
        return;
    }
    vg_error e;
    vg_error_clear(&e);
    if (serve_model_set_reference(s, m, format, q->body, q->body_len, &e) != VG_OK) {
        serve_reply_vg_error(r, &e);
        unlock_model(s, m);
        return;
    }
    const vg_profile *p = vg_monitor_reference(m->mon);
    vg_serve_log(VG_LOG_INFO, "model %s: reference set (%s, %zu bytes)", m->name, format,
                 q->body_len);
    /* the shape of the reference, never its values */
    serve_audit(s, q->who, "reference.put", m->name,
                json_pack("{s:s,s:I,s:I,s:I}", "format", format, "bytes", (json_int_t)q->body_len,
                          "rows", (json_int_t)(p ? p->rows : 0), "columns",
                          (json_int_t)(p ? p->ncols : 0)));
    serve_reply_json(r, 200,
                     json_pack("{s:s,s:s,s:I,s:I,s:I}", "model", m->name, "format", format, "bytes",
                               (json_int_t)q->body_len, "rows", (json_int_t)(p ? p->rows : 0),
                               "columns", (json_int_t)(p ? p->ncols : 0)));
    unlock_model(s, m);
}

/* ---- predictions and labels ---- */

static json_t *rejects_json(const vg_monitor_rejects *rj) {
    json_t *a = json_array();
    for (size_t i = 0; i < rj->n; i++)
        json_array_append_new(a, json_pack("{s:I,s:o,s:o}", "index", (json_int_t)rj->items[i].index,
                                           "field", serve_json_text(rj->items[i].field), "reason",
                                           serve_json_text(rj->items[i].reason)));
    return a;
}

static void store_dead(vg_serve *s, const char *model, int labels, int64_t now,
                       const vg_monitor_rejects *rj) {
    if (!rj->n)
        return;
    int64_t *idx = calloc(rj->n, sizeof *idx);
    const char **field = calloc(rj->n, sizeof *field);
    const char **reason = calloc(rj->n, sizeof *reason);
    const char **record = calloc(rj->n, sizeof *record);
    vg_error e;
    vg_error_clear(&e);
    if (idx && field && reason && record) {
        for (size_t i = 0; i < rj->n; i++) {
            idx[i] = (int64_t)rj->items[i].index;
            field[i] = rj->items[i].field;
            reason[i] = rj->items[i].reason;
            record[i] = rj->items[i].record ? rj->items[i].record : "";
        }
        if (vg_store_add_dead(s->store, model, labels ? "label" : "prediction", now, idx, field,
                              reason, record, rj->n, &e) != VG_OK)
            vg_serve_log(VG_LOG_ERROR, "model %s: %zu dead letters not stored: %s", model, rj->n,
                         e.msg);
    } else {
        vg_serve_log(VG_LOG_ERROR, "model %s: %zu dead letters not stored: out of memory", model,
                     rj->n);
    }
    free(idx);
    free(field);
    free(reason);
    free(record);
}

static size_t count_late(const vg_monitor_rejects *rj) {
    size_t n = 0;
    for (size_t i = 0; i < rj->n; i++)
        if (!strncmp(rj->items[i].reason, "late", 4))
            n++;
    return n;
}

static int parse_records(vg_monitor *mon, const serve_request *q, int64_t now, int labels,
                         vg_monitor_batch **b, vg_monitor_rejects *rj, vg_error *e) {
    return labels ? vg_monitor_parse_labels(mon, q->body, q->body_len, now, b, rj, e)
                  : vg_monitor_parse_predictions(mon, q->body, q->body_len, now, b, rj, e);
}

void api_records(vg_serve *s, const serve_request *q, serve_reply *r, int labels) {
    char mt[128];
    media_type(q, mt, sizeof mt);
    if (mt[0] && strcmp(mt, "application/json") && strcmp(mt, "application/x-ndjson") &&
        strcmp(mt, "application/jsonl") && strcmp(mt, "application/ndjson")) {
        serve_reply_error(r, 415, "unsupported_media_type",
                          "records are application/json (an array) or application/x-ndjson, "
                          "not %s",
                          mt);
        return;
    }
    serve_live live = serve_get_live(s);
    /* Parsing is most of a batch's cost: it runs holding a reference to the model (its
     * monitor stays alive) but not its lock, so that batches of one model parse on several
     * cores; only apply is serialized. */
    serve_model *m = serve_model_acquire(s, q->model);
    if (!m) {
        serve_reply_error(r, 404, "model_not_found", "no model '%s' (GET /v1/models lists them)",
                          q->model);
        return;
    }
    int64_t now = serve_now_ms();
    vg_monitor_batch *b = NULL;
    vg_monitor_rejects rj = {0, 0, NULL};
    vg_error e;
    vg_error_clear(&e);
    int rc = parse_records(m->mon, q, now, labels, &b, &rj, &e);
    if (rc != VG_OK) {
        serve_model_release(s, m);
        vg_monitor_batch_free(b);
        vg_monitor_rejects_free(&rj);
        serve_reply_vg_error(r, &e);
        return;
    }
    pthread_mutex_lock(&m->mu);
    if (m->gone) {
        /* replaced (a PUT of its spec: another monitor, maybe another spec) or deleted while
         * we parsed: rare, so parse again under the lock of the model now registered */
        unlock_model(s, m);
        vg_monitor_batch_free(b);
        b = NULL;
        vg_monitor_rejects_free(&rj);
        if (!(m = lock_model(s, q->model, r)))
            return;
        now = serve_now_ms();
        if ((rc = parse_records(m->mon, q, now, labels, &b, &rj, &e)) != VG_OK) {
            unlock_model(s, m);
            vg_monitor_batch_free(b);
            vg_monitor_rejects_free(&rj);
            serve_reply_vg_error(r, &e);
            return;
        }
    } else {
        /* records without a timestamp arrive now, in the order of apply (never late), as
         * when parse ran under the lock */
        now = serve_now_ms();
        vg_monitor_batch_restamp(b, now);
        /* windows closed since parse: their records are rejected as late, as parse would have
         * (so that reject mode below refuses the whole batch, and apply never sees them) */
        rc = vg_monitor_recheck(m->mon, b, &rj, &e);
    }
    if (rc != VG_OK) {
        unlock_model(s, m);
        vg_monitor_batch_free(b);
        vg_monitor_rejects_free(&rj);
        serve_reply_vg_error(r, &e);
        return;
    }
    size_t good = vg_monitor_batch_size(b), bad = rj.n;
    if (live.max_records && good + bad > live.max_records) {
        unlock_model(s, m);
        vg_monitor_batch_free(b);
        vg_monitor_rejects_free(&rj);
        serve_reply_error(r, 413, "too_many_records",
                          "%zu records in one batch, over max_records_per_batch (%llu)", good + bad,
                          (unsigned long long)live.max_records);
        return;
    }
    if (bad && (!live.batch_partial || good == 0)) {
        vg_monitor_count_rejects(m->mon, bad, count_late(&rj), labels);
        atomic_fetch_add(&m->writes_pending, 1); /* an erasure waits for the dead letters */
        pthread_mutex_unlock(&m->mu);
        store_dead(s, m->name, labels, now, &rj);
        atomic_fetch_sub(&m->writes_pending, 1);
        serve_model_release(s, m);
        serve_reply_json(r, 400,
                         json_pack("{s:i,s:o,s:s}", "accepted", 0, "rejected", rejects_json(&rj),
                                   "batch_mode", live.batch_partial ? "partial" : "reject"));
        vg_monitor_batch_free(b);
        vg_monitor_rejects_free(&rj);
        return;
    }
    json_t *closed = json_array();
    unsigned char *bytes = NULL;
    size_t nbytes = 0;
    uint64_t seq = 0;
    if (good) {
        seq = vg_store_next_seq(s->store);
        rc = vg_monitor_apply(m->mon, b, seq, 0, &e);
        if (rc == VG_OK)
            rc = vg_monitor_batch_encode(b, &bytes, &nbytes, &e);
        if (rc == VG_OK && bad)
            vg_monitor_count_rejects(m->mon, bad, count_late(&rj), labels);
        if (rc == VG_OK) {
            vg_error pe;
            vg_error_clear(&pe);
            /* a store failure here keeps the journal entries (no prune); logged, not fatal */
            serve_model_persist(s, m, now, 0, closed, &pe);
        }
    }
    atomic_fetch_add(&m->writes_pending, 1); /* an erasure waits for the journal entry */
    pthread_mutex_unlock(&m->mu);
    vg_monitor_batch_free(b);
    if (rc == VG_OK && good) {
        rc = vg_store_journal_append(s->store, m->name, seq,
                                     labels ? SERVE_KIND_LABELS : SERVE_KIND_PREDICTIONS, bytes,
                                     nbytes, &e);
        if (rc != VG_OK)
            vg_serve_log(VG_LOG_ERROR, "model %s: batch %llu not durable: %s", m->name,
                         (unsigned long long)seq, e.msg);
    }
    free(bytes);
    if (rc != VG_OK) {
        serve_reply_error(r, 503, "not_durable",
                          "the batch could not be made durable (%s); it was not acknowledged: "
                          "retry",
                          e.msg);
        json_decref(closed);
    } else {
        store_dead(s, m->name, labels, now, &rj);
        serve_reply_json(r, 200,
                         json_pack("{s:I,s:o,s:o}", "accepted", (json_int_t)good, "rejected",
                                   rejects_json(&rj), "windows_closed", closed));
    }
    atomic_fetch_sub(&m->writes_pending, 1);
    vg_monitor_rejects_free(&rj);
    serve_model_release(s, m);
}

void api_flush(vg_serve *s, const serve_request *q, serve_reply *r) {
    serve_model *m = lock_model(s, q->model, r);
    if (!m)
        return;
    json_t *keys = json_array();
    vg_error e;
    vg_error_clear(&e);
    int n = serve_model_persist(s, m, serve_now_ms(), 1, keys, &e);
    unlock_model(s, m);
    if (n < 0) {
        json_decref(keys);
        serve_reply_vg_error(r, &e);
        return;
    }
    serve_audit(s, q->who, "model.flush", q->model, json_pack("{s:i}", "closed", n));
    serve_reply_json(r, 200, json_pack("{s:i,s:o}", "closed", n, "windows", keys));
}

/* ---- windows ---- */

static json_t *window_json(const vg_store_window *w) {
    json_t *o = json_pack("{s:I,s:o,s:o,s:I,s:I,s:i,s:I,s:I,s:o}", "key", (json_int_t)w->key,
                          "start", json_time(w->start_ms), "end", json_time(w->end_ms), "start_ms",
                          (json_int_t)w->start_ms, "end_ms", (json_int_t)w->end_ms, "revision",
                          (int)w->revision, "rows", (json_int_t)w->rows, "labelled",
                          (json_int_t)w->labelled, "closed_at", json_time(w->closed_ms));
    return o;
}

static int model_exists(vg_serve *s, const char *name, serve_reply *r) {
    serve_model *m = serve_model_acquire(s, name);
    if (!m) {
        serve_reply_error(r, 404, "model_not_found", "no model '%s' (GET /v1/models lists them)",
                          name);
        return 0;
    }
    serve_model_release(s, m);
    return 1;
}

void api_windows(vg_serve *s, const serve_request *q, serve_reply *r) {
    if (!model_exists(s, q->model, r))
        return;
    int64_t from, to;
    uint64_t limit;
    if (!time_arg(q, "from", INT64_MIN, &from, r) || !time_arg(q, "to", INT64_MAX, &to, r) ||
        !uint_arg(q, "limit", 1000, 100000, &limit, r))
        return;
    vg_store_window *w = NULL;
    size_t n = 0;
    vg_error e;
    vg_error_clear(&e);
    if (vg_store_list_windows(s->store, q->model, from, to, (size_t)limit, 0, &w, &n, &e) !=
        VG_OK) {
        serve_reply_vg_error(r, &e);
        return;
    }
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(a, window_json(&w[i]));
    vg_store_windows_free(w, n);
    serve_reply_json(r, 200, json_pack("{s:s,s:o}", "model", q->model, "windows", a));
}

static int window_key(const serve_request *q, int64_t *key, serve_reply *r) {
    char *end;
    errno = 0;
    long long k = strtoll(q->key, &end, 10);
    if (*q->key && !*end && !errno) {
        *key = k;
        return 1;
    }
    if (vg_parse_rfc3339_ms(q->key, key) == VG_OK)
        return 1;
    serve_reply_error(r, 400, "invalid",
                      "window key '%s' is neither a key (ms) nor an RFC 3339 start time", q->key);
    return 0;
}

static int get_window(vg_serve *s, const serve_request *q, vg_store_window *w, serve_reply *r) {
    int64_t key;
    if (!model_exists(s, q->model, r) || !window_key(q, &key, r))
        return 0;
    vg_error e;
    vg_error_clear(&e);
    memset(w, 0, sizeof *w);
    int rc = vg_store_get_window(s->store, q->model, key, w, &e);
    if (rc == VG_ERR_INVALID) {
        serve_reply_error(r, 404, "window_not_found", "model '%s' has no closed window %lld",
                          q->model, (long long)key);
        return 0;
    }
    if (rc != VG_OK) {
        serve_reply_vg_error(r, &e);
        return 0;
    }
    return 1;
}

void api_window(vg_serve *s, const serve_request *q, serve_reply *r) {
    vg_store_window w;
    if (!get_window(s, q, &w, r))
        return;
    r->status = 200;
    r->body = w.report_json ? w.report_json : strdup("{}");
    w.report_json = NULL;
    r->len = r->body ? strlen(r->body) : 0;
    r->type = "application/json";
    vg_store_window_clear(&w);
}

void api_window_profile(vg_serve *s, const serve_request *q, serve_reply *r) {
    vg_store_window w;
    if (!get_window(s, q, &w, r))
        return;
    if (!w.profile) {
        serve_reply_error(r, 404, "window_not_found", "window %lld has no stored profile",
                          (long long)w.key);
    } else {
        r->status = 200;
        r->body = w.profile;
        r->len = w.profile_len;
        r->type = "application/octet-stream";
        w.profile = NULL;
    }
    vg_store_window_clear(&w);
}

void api_window_open(vg_serve *s, const serve_request *q, serve_reply *r) {
    serve_model *m = lock_model(s, q->model, r);
    if (!m)
        return;
    vg_error e;
    vg_error_clear(&e);
    char *json = vg_monitor_open_report(m->mon, &e);
    unlock_model(s, m);
    if (!json) {
        if (e.code == VG_ERR_INVALID)
            serve_reply_error(r, 404, "no_open_window", "%s", e.msg);
        else
            serve_reply_vg_error(r, &e);
        return;
    }
    r->status = 200;
    r->body = json;
    r->len = strlen(json);
    r->type = "application/json";
}

/* ---- series and dead letters ---- */

/* The points of one series as JSON, or NULL with the reply filled. */
static json_t *series_points(vg_serve *s, const char *model, const char *metric, const char *labels,
                             int64_t from, int64_t to, serve_reply *r) {
    vg_store_point *p = NULL;
    size_t n = 0;
    vg_error e;
    vg_error_clear(&e);
    if (vg_store_get_series(s->store, model, metric, labels, from, to, &p, &n, &e) != VG_OK) {
        serve_reply_vg_error(r, &e);
        return NULL;
    }
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(a, json_pack("{s:I,s:o,s:f}", "key", (json_int_t)p[i].key, "end",
                                           json_time(p[i].end_ms), "value", p[i].value));
    free(p);
    return a;
}

void api_series(vg_serve *s, const serve_request *q, serve_reply *r) {
    if (!model_exists(s, q->model, r))
        return;
    vg_error e;
    vg_error_clear(&e);
    const char *metric = serve_query(q, "metric");
    if (!metric || !*metric) {
        char **names = NULL, **labels = NULL;
        size_t n = 0;
        if (vg_store_list_series(s->store, q->model, &names, &labels, &n, &e) != VG_OK) {
            serve_reply_vg_error(r, &e);
            return;
        }
        json_t *a = json_array();
        for (size_t i = 0; i < n; i++) {
            json_array_append_new(a, json_pack("{s:s,s:s}", "metric", names[i], "labels",
                                               labels[i] ? labels[i] : ""));
            free(names[i]);
            free(labels[i]);
        }
        free(names);
        free(labels);
        serve_reply_json(r, 200, json_pack("{s:s,s:o}", "model", q->model, "series", a));
        return;
    }
    if (!strncmp(metric, "vigia_", 6))
        metric += 6;
    const char *labels = serve_query(q, "labels");
    int64_t from, to;
    if (!time_arg(q, "from", INT64_MIN, &from, r) || !time_arg(q, "to", INT64_MAX, &to, r))
        return;
    if (labels) {
        json_t *pts = series_points(s, q->model, metric, labels, from, to, r);
        if (pts)
            serve_reply_json(r, 200,
                             json_pack("{s:s,s:o,s:o,s:o}", "model", q->model, "metric",
                                       serve_json_text(metric), "labels", serve_json_text(labels),
                                       "points", pts));
        return;
    }
    /* no labels given: every series of that name, one per label set */
    char **names = NULL, **lbl = NULL;
    size_t n = 0;
    if (vg_store_list_series(s->store, q->model, &names, &lbl, &n, &e) != VG_OK) {
        serve_reply_vg_error(r, &e);
        return;
    }
    json_t *a = json_array();
    int ok = 1;
    for (size_t i = 0; i < n; i++) {
        if (ok && !strcmp(names[i], metric)) {
            json_t *pts = series_points(s, q->model, metric, lbl[i] ? lbl[i] : "", from, to, r);
            if (pts)
                json_array_append_new(
                    a, json_pack("{s:s,s:o}", "labels", lbl[i] ? lbl[i] : "", "points", pts));
            else
                ok = 0;
        }
        free(names[i]);
        free(lbl[i]);
    }
    free(names);
    free(lbl);
    if (ok)
        serve_reply_json(r, 200,
                         json_pack("{s:s,s:o,s:o}", "model", q->model, "metric",
                                   serve_json_text(metric), "series", a));
    else
        json_decref(a);
}

void api_rejected(vg_serve *s, const serve_request *q, serve_reply *r) {
    if (!model_exists(s, q->model, r))
        return;
    uint64_t limit, before;
    if (!uint_arg(q, "limit", 100, 10000, &limit, r) ||
        !uint_arg(q, "before", 0, (uint64_t)INT64_MAX, &before, r))
        return;
    vg_store_dead *d = NULL;
    size_t n = 0;
    vg_error e;
    vg_error_clear(&e);
    if (vg_store_list_dead(s->store, q->model, (int64_t)before, (size_t)limit, &d, &n, &e) !=
        VG_OK) {
        serve_reply_vg_error(r, &e);
        return;
    }
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(
            a,
            json_pack("{s:I,s:o,s:s,s:I,s:o,s:o,s:o}", "id", (json_int_t)d[i].id, "received",
                      json_time(d[i].received_ms), "kind", d[i].kind ? d[i].kind : "", "index",
                      (json_int_t)d[i].batch_index, "field", serve_json_text(d[i].field), "reason",
                      serve_json_text(d[i].reason), "record", serve_json_text(d[i].record)));
    json_t *o = json_pack("{s:s,s:I,s:o}", "model", q->model, "total",
                          (json_int_t)vg_store_count_dead(s->store, q->model), "rejected", a);
    if (n && n == limit)
        json_object_set_new(o, "next_before", json_integer(d[n - 1].id));
    vg_store_dead_free(d, n);
    serve_reply_json(r, 200, o);
}

/* ---- erasure (right to erasure) ----
 * Order, so that no erased record comes back: with the model's lock held throughout, (1) wait
 * for a persist in progress (its jobs hold copies of rows taken before), (2) erase from the
 * monitor, (3) wait for the batches applied before the lock was taken to finish writing their
 * journal entry and dead letters (writes_pending), then (4) rewrite the store: journal, rows
 * blobs, dead letters, in one transaction. A window persisted after (4) is built from the erased
 * memory; a restart replays the rewritten journal. Holding the lock over the store's work
 * stalls only this model's ingestion, for as long as the rewrite takes. */

#define ERASE_MAX_IDS 10000

typedef struct erase_ctx {
    vg_monitor *mon;
    const char *const *ids;
    size_t n;
    json_t *set; /* the ids as an object's keys (dead letters) */
    uint64_t journal, windows;
} erase_ctx;

static int erase_journal(void *arg, uint64_t seq, int kind, const void *data, size_t len,
                         void **out, size_t *out_len, vg_error *err) {
    erase_ctx *x = arg;
    unsigned char *o = NULL;
    size_t removed = 0;
    (void)kind;
    int rc = vg_monitor_erase_batch(x->mon, x->ids, x->n, data, len, &o, out_len, &removed, err);
    if (rc != VG_OK) {
        /* an entry that does not decode is not replayed either: left alone, logged */
        vg_serve_log(VG_LOG_WARN, "erase: journal entry %llu not examined: %s",
                     (unsigned long long)seq, err->msg);
        vg_error_clear(err);
        return 0;
    }
    x->journal += removed;
    *out = o; /* NULL with removed > 0: no record left, the entry goes */
    return removed > 0;
}

static int erase_rows(void *arg, int64_t key, const void *blob, size_t len, void **out,
                      size_t *out_len, vg_error *err) {
    erase_ctx *x = arg;
    unsigned char *o = NULL;
    size_t removed = 0;
    int rc = vg_monitor_erase_rows(x->mon, x->ids, x->n, blob, len, &o, out_len, &removed, err);
    if (rc != VG_OK) {
        /* unreadable rows cannot be checked: cleared rather than kept with the id maybe in them */
        vg_serve_log(VG_LOG_WARN, "erase: rows of window %lld unreadable (%s): cleared",
                     (long long)key, err->msg);
        vg_error_clear(err);
        *out = NULL;
        *out_len = 0;
        return 1;
    }
    x->windows += removed;
    *out = o;
    return removed > 0;
}

/* A dead letter's record is the client's text: its "id" when it parses as an object, else (the
 * text was not JSON, so no field can be told apart) any erased id anywhere in it. */
static int erase_dead(void *arg, const char *kind, const char *record) {
    erase_ctx *x = arg;
    (void)kind;
    json_t *j = json_loads(record, JSON_DECODE_ANY, NULL);
    if (j) {
        json_t *id = json_is_object(j) ? json_object_get(j, "id") : NULL;
        char num[32];
        const char *t = NULL;
        if (json_is_string(id)) {
            t = json_string_value(id);
        } else if (json_is_integer(id)) {
            snprintf(num, sizeof num, "%lld", (long long)json_integer_value(id));
            t = num;
        }
        int hit = t && json_object_get(x->set, t) != NULL;
        json_decref(j);
        return hit;
    }
    for (size_t i = 0; i < x->n; i++)
        if (strstr(record, x->ids[i]))
            return 1;
    return 0;
}

static void erase_ids(vg_serve *s, const serve_request *q, const char *const *ids, size_t n,
                      serve_reply *r) {
    json_t *set = json_object();
    for (size_t i = 0; set && i < n; i++)
        json_object_set_new(set, ids[i], json_true());
    if (!set) {
        serve_reply_error(r, 500, "internal", "out of memory");
        return;
    }
    serve_model *m = NULL;
    for (int tries = 0; !m && tries < 8; tries++) {
        if (!(m = lock_model(s, q->model, r))) {
            json_decref(set);
            return;
        }
        while (m->persisting)
            pthread_cond_wait(&m->persist_cv, &m->mu);
        if (m->gone) { /* deleted or replaced while we waited: erase from the one registered now */
            unlock_model(s, m);
            m = NULL;
        }
    }
    if (!m) {
        json_decref(set);
        serve_reply_error(r, 503, "busy", "model '%s' is being replaced: retry", q->model);
        return;
    }
    vg_monitor_erase_counts mc;
    vg_error e;
    vg_error_clear(&e);
    if (vg_monitor_erase(m->mon, ids, n, &mc, &e) != VG_OK) {
        unlock_model(s, m);
        json_decref(set);
        serve_reply_vg_error(r, &e);
        return;
    }
    /* the writers of batches applied before: they do not need the lock to finish */
    while (atomic_load(&m->writes_pending) > 0) {
        struct timespec ts = {0, 1000000};
        nanosleep(&ts, NULL);
    }
    erase_ctx x = {m->mon, ids, n, set, 0, 0};
    vg_store_erase_ops ops = {&x, erase_journal, erase_rows, erase_dead};
    vg_store_erase_counts sc;
    int rc = vg_store_erase(s->store, m->name, &ops, &sc, &e);
    unlock_model(s, m);
    json_decref(set);
    uint64_t memory = mc.rows + mc.labels_waiting;
    json_t *counts = json_pack("{s:I,s:I,s:I,s:I}", "memory", (json_int_t)memory, "journal",
                               (json_int_t)x.journal, "windows", (json_int_t)x.windows,
                               "dead_letters", (json_int_t)sc.dead_deleted);
    /* the audit entry carries how many ids and what went, never the ids (personal data) */
    serve_audit(s, q->who, "record.erase", q->model,
                json_pack("{s:I,s:O,s:b}", "ids", (json_int_t)n, "erased", counts, "complete",
                          rc == VG_OK));
    if (rc != VG_OK) {
        json_decref(counts);
        vg_serve_log(VG_LOG_ERROR, "model %s: erasure of %zu ids: the store was not rewritten: %s",
                     q->model, n, e.msg);
        serve_reply_error(r, 500, "erase_incomplete",
                          "the records were erased from memory but the stored copies could not be "
                          "rewritten (%s): retry the same request",
                          e.msg);
        return;
    }
    if (!sc.checkpointed)
        vg_serve_log(VG_LOG_WARN,
                     "model %s: erasure: the WAL checkpoint did not complete; the old pages "
                     "leave the WAL at the next checkpoint",
                     q->model);
    atomic_fetch_add(&s->erase_requests, 1);
    atomic_fetch_add(&s->erased[0], memory);
    atomic_fetch_add(&s->erased[1], x.journal);
    atomic_fetch_add(&s->erased[2], x.windows);
    atomic_fetch_add(&s->erased[3], sc.dead_deleted);
    vg_serve_log(VG_LOG_INFO,
                 "model %s: erasure of %zu ids: %llu in memory, %llu journal records, %llu "
                 "window rows, %llu dead letters",
                 q->model, n, (unsigned long long)memory, (unsigned long long)x.journal,
                 (unsigned long long)x.windows, (unsigned long long)sc.dead_deleted);
    serve_reply_json(
        r, 200,
        json_pack("{s:s,s:I,s:o,s:s}", "model", q->model, "ids", (json_int_t)n, "erased", counts,
                  "note",
                  "aggregates (window profiles, row counts, reports, metric series) still count "
                  "the erased records; no record can be read back from them by its id "
                  "(docs/security.md)"));
}

void api_erase_record(vg_serve *s, const serve_request *q, serve_reply *r) {
    if (!q->key || !*q->key) {
        serve_reply_error(r, 400, "invalid", "a record id is required");
        return;
    }
    const char *ids[1] = {q->key};
    erase_ids(s, q, ids, 1, r);
}

void api_erase(vg_serve *s, const serve_request *q, serve_reply *r) {
    json_error_t je;
    json_t *body = json_loadb(q->body, q->body_len, 0, &je);
    if (!body || !json_is_object(body)) {
        json_decref(body);
        serve_reply_error(r, 400, "invalid", "the body must be a JSON object {\"ids\": [...]}%s%s",
                          body ? "" : ": ", body ? "" : je.text);
        return;
    }
    const char *k;
    json_t *v;
    json_object_foreach(body, k, v) {
        if (strcmp(k, "ids")) {
            serve_reply_error(r, 400, "invalid", "unknown key '%s' (expected ids)", k);
            json_decref(body);
            return;
        }
    }
    json_t *a = json_object_get(body, "ids");
    size_t n = json_array_size(a);
    if (!json_is_array(a) || n == 0 || n > ERASE_MAX_IDS) {
        serve_reply_error(r, 400, "invalid",
                          "ids: expected an array of 1 to %d record ids, got %s%zu%s",
                          ERASE_MAX_IDS, json_is_array(a) ? "" : "no array (", n,
                          json_is_array(a) ? " ids" : ")");
        json_decref(body);
        return;
    }
    char **ids = calloc(n, sizeof *ids);
    if (!ids) {
        json_decref(body);
        serve_reply_error(r, 500, "internal", "out of memory");
        return;
    }
    int ok = 1;
    for (size_t i = 0; ok && i < n; i++) {
        json_t *x = json_array_get(a, i);
        char num[32];
        if (json_is_string(x) && json_string_length(x) > 0 &&
            strlen(json_string_value(x)) == json_string_length(x)) {
            ids[i] = strdup(json_string_value(x));
        } else if (json_is_integer(x)) {
            snprintf(num, sizeof num, "%lld", (long long)json_integer_value(x));
            ids[i] = strdup(num);
        } else {
            serve_reply_error(r, 400, "invalid",
                              "ids[%zu]: expected a non-empty string (without NUL) or an integer",
                              i);
            ok = 0;
            break;
        }
        if (!ids[i]) {
            serve_reply_error(r, 500, "internal", "out of memory");
            ok = 0;
        }
    }
    json_decref(body);
    if (ok)
        erase_ids(s, q, (const char *const *)ids, n, r);
    for (size_t i = 0; i < n; i++)
        free(ids[i]);
    free(ids);
}
