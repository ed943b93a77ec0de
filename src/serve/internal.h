/*
 * What the daemon's files share: the vg_serve structure, the model registry with its reference
 * counts, the reply a handler fills, and the HTTP request statistics. Not installed; only
 * the files of src/serve (and the unit tests) include it.
 *
 * Lock order, to keep it deadlock-free: admin_mu (registrations) first when taken at all;
 * reg_mu (the registry) is never held while taking a model's mu; a model's mu may be held while
 * calling the store (which has its own locks) but never while waiting for the journal; stats_mu
 * and cfg_mu are leaves.
 */
#ifndef VG_SERVE_INTERNAL_H
#define VG_SERVE_INTERNAL_H

#include <jansson.h>
#include <pthread.h>
#include <stdatomic.h>

#include "../store/store.h"
#include "serve.h"
#include "vigia/monitor.h"

/* Journal entry kinds (the store keeps them opaque). */
enum { SERVE_KIND_PREDICTIONS = 1, SERVE_KIND_LABELS = 2 };

typedef struct serve_model {
    char *name;
    pthread_mutex_t mu; /* serializes mon */
    vg_monitor *mon;
    unsigned refs; /* under vg_serve.reg_mu: the registry's reference plus one per user */
    int gone;      /* deleted or replaced: users finish, nothing more is persisted */
    /* a thread computes and persists window reports with mu released (serve_model_persist):
     * others that would persist, replace or delete wait on persist_cv (with mu) */
    int persisting;
    pthread_cond_t persist_cv;
    /* after a restart, the samples of the last persisted window (from the store's series),
     * shown by /metrics until the monitor closes a window of its own */
    vg_metric_sample *restored;
    size_t n_restored;
    /* batches applied (or rejected) under mu whose journal entry or dead letters are still
     * being written with mu released: an erasure holding mu waits for them to reach zero, so
     * that no record it erased from memory lands in the store after it rewrote the store */
    atomic_int writes_pending;
} serve_model;

/* Bounded-cardinality HTTP statistics: routes are the patterns of http.c's table. */
#define SERVE_N_BUCKETS 12
extern const double serve_buckets[SERVE_N_BUCKETS];
typedef struct serve_route_stats {
    const char *route;
    uint64_t bucket[SERVE_N_BUCKETS]; /* cumulative at exposition time, per bucket here */
    uint64_t count;
    double sum;
    unsigned ncodes;
    unsigned code[16];
    uint64_t code_count[16];
} serve_route_stats;

/* Settings a reload may change while running, read under cfg_mu. */
typedef struct serve_live {
    uint64_t max_body_bytes, max_records;
    int batch_partial;
    int64_t retention_ms, tick_ms;
    int64_t dead_retention_ms, rows_retention_ms; /* rows: already resolved (-1 -> retention) */
} serve_live;

struct vg_serve {
    vg_serve_config cfg; /* live fields under cfg_mu */
    pthread_mutex_t cfg_mu;
    vg_store *store;
    pthread_mutex_t reg_mu;
    pthread_mutex_t admin_mu; /* serializes register, replace and delete (outermost lock) */
    serve_model **models;
    size_t n_models, cap_models;
    atomic_int ready;
    atomic_int inflight; /* requests begun and not completed (drained at shutdown) */
    struct MHD_Daemon *mhd;
    unsigned port;
    /* tick thread */
    pthread_t tick;
    int tick_started, stopping;
    pthread_mutex_t tick_mu;
    pthread_cond_t tick_cv;
    int64_t last_expire_ms;
    int64_t last_expire_dead_ms, last_expire_rows_ms;
    /* retention deletions since start, by what (metrics: vigia_retention_deleted_total) */
    _Atomic uint64_t retention_windows, retention_dead, retention_rows;
    /* erasures since start (api.c): requests, and what they removed by where */
    _Atomic uint64_t erase_requests, erased[4]; /* memory, journal, windows, dead_letters */
    /* metrics */
    double start_time; /* seconds since the epoch */
    pthread_mutex_t stats_mu;
    serve_route_stats *routes;
    size_t n_routes;
    struct serve_alerting *alerting; /* alerting.c: rules, states, the notification sender */
};

/* A handler's answer. body is malloc'd (or NULL for none). */
typedef struct serve_reply {
    unsigned status;
    char *body;
    size_t len;
    const char *type;  /* static Content-Type */
    const char *allow; /* Allow header of a 405 */
} serve_reply;

/* Serializes j (stolen) as the body with Content-Type application/json. */
void serve_reply_json(serve_reply *r, unsigned status, json_t *j);
/* A JSON string of s (NULL: ""), each byte of s that is not part of valid UTF-8 replaced by
 * U+FFFD: client bytes (a key, a URL, a rejected record) reach messages and dead letters, and
 * jansson refuses invalid UTF-8, which would drop them silently. NULL only when out of memory. */
json_t *serve_json_text(const char *s);
/* {"error": {"code": code, "message": ...}} */
void serve_reply_error(serve_reply *r, unsigned status, const char *code, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 4, 5)))
#endif
    ;
/* The HTTP status and code of a library error (400 invalid, 500 I/O, ...). */
void serve_reply_vg_error(serve_reply *r, const vg_error *err);

int64_t serve_now_ms(void);
serve_live serve_get_live(vg_serve *s);

/* ---- registry (daemon.c) ---- */
/* The model named name with a reference taken, or NULL. Release with serve_model_release. */
serve_model *serve_model_acquire(vg_serve *s, const char *name);
void serve_model_release(vg_serve *s, serve_model *m);
/* Names of the registered models (malloc'd array of malloc'd strings), sorted. */
char **serve_model_names(vg_serve *s, size_t *n);
/* Registers spec (taken over on success) as a new model or, with replace = 1, replaces the
 * model of that name if there is one (its open windows are closed and persisted first, its
 * reference kept; *replaced, when not NULL, says which happened). Writes the spec to the store.
 * VG_ERR_MISMATCH when the model exists and replace is 0. */
int serve_model_register(vg_serve *s, vg_model_spec *spec, int replace, int *replaced,
                         vg_error *err);
int serve_model_delete(vg_serve *s, const char *name, vg_error *err);
/* With m->mu held: closes what is due (all open windows with flush), persists closed and
 * revised windows with their metric points, prunes the journal. Returns the number of windows
 * persisted (their keys appended to keys when not NULL) or a negative error. */
int serve_model_persist(vg_serve *s, serve_model *m, int64_t now_ms, int flush, json_t *keys,
                        vg_error *err);
/* Stores a reference body for the model (format "csv", "ndjson" or "vgp") and loads it into
 * the monitor. */
int serve_model_set_reference(vg_serve *s, serve_model *m, const char *format, const void *data,
                              size_t len, vg_error *err);

/* Runs the retentions that are due at now_ms (windows, dead letters, rows blobs): logged,
 * counted. The tick thread calls it; tests call it with a clock of their own. */
void serve_retention(vg_serve *s, int64_t now_ms);

/* ---- HTTP (http.c) ---- */
int serve_http_start(vg_serve *s, vg_error *err);
void serve_http_stop(vg_serve *s);

/* ---- metrics (metrics.c) ---- */
void serve_stats_record(vg_serve *s, const char *route, unsigned code, double seconds);
void serve_stats_free(vg_serve *s);
/* The /metrics page (malloc'd). */
char *serve_metrics_text(vg_serve *s, size_t *len);

/* ---- who is asking (auth.c) ---- */
enum { SERVE_SCOPE_INGEST = 1, SERVE_SCOPE_READ = 2, SERVE_SCOPE_ADMIN = 4 };
typedef struct serve_principal {
    char id[48];     /* the token's public id; "anonymous" with auth off; "daemon" for its own acts */
    char name[128];  /* the token's name (config or admin API), for the audit log */
    unsigned scopes; /* SERVE_SCOPE_* bits */
    char model[256]; /* "": every model; otherwise the one model the token may touch */
    char remote[64]; /* the client's address ("" for the daemon) */
} serve_principal;

/* ---- audit log (audit.c over src/store/audit.c) ----
 * Appends one entry to the hash-chained audit log. who NULL: the daemon itself. action is a
 * dotted name from docs/security.md ("model.register", "model.replace", "model.delete",
 * "reference.put", "config.reload", "silence.create", "silence.delete", "alert.ack",
 * "alert.transition", "token.create", "token.revoke", "record.erase", "auth.failure",
 * "auth.forbidden", "daemon.start", "daemon.stop"); target names what it acted on (a model, a
 * rule, a token id; NULL: none); detail is a JSON object (stolen; NULL: none) that must never
 * carry raw feature values. Never fails the caller: an append that fails is logged at error
 * level and counted on /metrics. */
void serve_audit(vg_serve *s, const serve_principal *who, const char *action, const char *target,
                 json_t *detail);

/* ---- API handlers (api.c) ---- */
typedef struct serve_request {
    const char *method; /* "GET", ... */
    const char *model;  /* the {model} of the route, or NULL */
    const char *key;    /* the {key} of windows/{key} */
    const char *content_type;
    const char *body;
    size_t body_len;
    void *con; /* the MHD connection, for query arguments */
    const serve_principal *who; /* who is asking (never NULL once auth.c has run) */
} serve_request;
const char *serve_query(const serve_request *q, const char *name);

void api_models(vg_serve *s, const serve_request *q, serve_reply *r);
void api_model(vg_serve *s, const serve_request *q, serve_reply *r);
void api_reference(vg_serve *s, const serve_request *q, serve_reply *r);
void api_records(vg_serve *s, const serve_request *q, serve_reply *r, int labels);
void api_flush(vg_serve *s, const serve_request *q, serve_reply *r);
void api_windows(vg_serve *s, const serve_request *q, serve_reply *r);
void api_window_open(vg_serve *s, const serve_request *q, serve_reply *r);
void api_window(vg_serve *s, const serve_request *q, serve_reply *r);
void api_window_profile(vg_serve *s, const serve_request *q, serve_reply *r);
void api_series(vg_serve *s, const serve_request *q, serve_reply *r);
void api_rejected(vg_serve *s, const serve_request *q, serve_reply *r);
/* DELETE /v1/models/{model}/records/{key} and POST /v1/models/{model}/erase (admin) */
void api_erase_record(vg_serve *s, const serve_request *q, serve_reply *r);
void api_erase(vg_serve *s, const serve_request *q, serve_reply *r);

/* ---- alerting (alerting.c: evaluation, persistence, API; notify.c: delivery) ----
 * Its lock (inside struct serve_alerting) is a leaf but for the store: it may be taken with a
 * model's mu held (windows are evaluated as they are persisted). */
/* After the store is open: the engine over cfg.alerts (taken), its state restored from the
 * store, the sender thread started. */
int serve_alerting_start(vg_serve *s, vg_error *err);
/* Stops the sender (an attempt in progress finishes) and frees everything. NULL-safe. */
void serve_alerting_stop(vg_serve *s);
/* A closed window of model: its samples evaluated, transitions persisted with their outbox. */
void serve_alerting_window(vg_serve *s, const char *model, const vg_window *w, int64_t now_ms);
/* From the tick thread: the interval evaluation when due (daemon-level samples). */
void serve_alerting_tick(vg_serve *s, int64_t now_ms);
/* A model deleted: its alerts are dropped (firing ones resolved). */
void serve_alerting_drop_model(vg_serve *s, const char *model);
/* A reload: the new rules (taken; NULL: no alerts section, i.e. no rules). */
void serve_alerting_reload(vg_serve *s, struct vg_alert_config *cfg);
/* The alert families of /metrics (malloc'd text, "" when none; NULL on no memory). */
char *serve_alerting_metrics(vg_serve *s);
void api_rules(vg_serve *s, const serve_request *q, serve_reply *r);
void api_alerts(vg_serve *s, const serve_request *q, serve_reply *r);
void api_alert_history(vg_serve *s, const serve_request *q, serve_reply *r);
void api_alert_ack(vg_serve *s, const serve_request *q, serve_reply *r);
void api_silences(vg_serve *s, const serve_request *q, serve_reply *r);
void api_silence(vg_serve *s, const serve_request *q, serve_reply *r);

#endif
