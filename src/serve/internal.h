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
    struct serve_auth *auth;         /* auth.c: the tokens (config and store), counters */
    struct serve_limits *limits;     /* limits.c: rate buckets, limited counters */
    atomic_int connections;          /* open HTTP connections (max_connections) */
    _Atomic uint64_t audit_appended, audit_failed; /* audit.c: entries appended, appends failed */
    unsigned char pii_key[32]; /* <data_dir>/pii.key: every monitor's PII redaction key */
};

/* A handler's answer. body is malloc'd (or NULL for none). */
typedef struct serve_reply {
    unsigned status;
    char *body;
    size_t len;
    const char *type;     /* static Content-Type */
    const char *allow;    /* Allow header of a 405 */
    int www_auth;         /* a 401: WWW-Authenticate: Bearer realm="vigia" */
    unsigned retry_after; /* a 429: Retry-After in seconds (0: none) */
    int close;            /* Connection: close */
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
/* A growing text buffer for the /metrics page and the families other files add to it. p is
 * malloc'd (the caller frees it); after a failed allocation `failed` is set and puts do nothing. */
typedef struct serve_text {
    char *p;
    size_t len, cap;
    int failed;
} serve_text;
void serve_text_put(serve_text *b, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
void serve_stats_record(vg_serve *s, const char *route, unsigned code, double seconds);
void serve_stats_free(vg_serve *s);
/* The /metrics page (malloc'd). */
char *serve_metrics_text(vg_serve *s, size_t *len);

/* ---- who is asking (auth.c) ---- */
enum { SERVE_SCOPE_INGEST = 1, SERVE_SCOPE_READ = 2, SERVE_SCOPE_ADMIN = 4 };
typedef struct serve_principal {
    char id[48]; /* the token's public id; "anonymous" with auth off; "daemon" for its own acts */
    char name[128];  /* the token's name (config or admin API), for the audit log */
    unsigned scopes; /* SERVE_SCOPE_* bits */
    char model[256]; /* "": every model; otherwise the one model the token may touch */
    char remote[64]; /* the client's address ("" for the daemon) */
} serve_principal;

/* ---- tokens and authentication (auth.c, docs/api.md "Authentication") ----
 * A token is "vg_<id>_<secret>": id 12 lowercase hex digits (public: logs, metrics, audit),
 * secret 43 base64url characters of 32 random bytes. Only salt (16 random bytes) and
 * SHA-256(salt || whole token) are kept. */
#define SERVE_TOKEN_LEN 59 /* "vg_" 12 "_" 43 */
/* A new random token and its id (OpenSSL RAND_bytes). */
int serve_token_generate(char token[SERVE_TOKEN_LEN + 1], char id[13], vg_error *err);
/* 1 when token has the shape above (then id is filled), else 0. */
int serve_token_shape(const char *token, char id[13]);
/* SHA-256(salt || token). */
int serve_token_digest(const char *token, const unsigned char salt[16], unsigned char out[32]);
/* A fresh salt and the config hash string "vg1$<id>$<salt hex>$<sha256 hex>" of token (which
 * must have the shape); out holds at least 128 bytes. */
int serve_token_hash_string(const char *token, char *out, size_t cap, vg_error *err);
/* 1 when SHA-256(salt || token) equals hash (CRYPTO_memcmp: constant time), else 0. */
int serve_token_matches(const char *token, const unsigned char salt[16],
                        const unsigned char hash[32]);

/* The table of known tokens (thread-safe). */
typedef struct serve_auth serve_auth;
typedef struct serve_token_def {
    char id[13];
    const char *name;
    unsigned scopes;
    const char *model; /* NULL: every model */
    unsigned char salt[16], hash[32];
    int64_t created_ms, expires_ms, revoked_ms; /* 0: never / not */
    const char *created_by;
    int from_config;
} serve_token_def;
serve_auth *serve_auth_new(void);
void serve_auth_free(serve_auth *a);
/* Adds (copies) a token; VG_ERR_MISMATCH when its id is known. */
int serve_auth_add(serve_auth *a, const serve_token_def *t, vg_error *err);
/* Replaces the tokens that came from the config by these (reload). */
int serve_auth_set_config(serve_auth *a, const vg_serve_token_conf *t, size_t n, vg_error *err);
/* Revokes a token made through the API: VG_ERR_INVALID unknown id, VG_ERR_MISMATCH a config
 * token (edit the config); revoking a revoked token is VG_OK (its first time is kept). */
int serve_auth_revoke(serve_auth *a, const char *id, int64_t now_ms, vg_error *err);
size_t serve_auth_count(serve_auth *a);
/* Why a request was refused (SERVE_AUTH_OK: it was not); names are the reason labels. */
typedef enum {
    SERVE_AUTH_OK = 0,
    SERVE_AUTH_MISSING,
    SERVE_AUTH_MALFORMED,
    SERVE_AUTH_UNKNOWN,
    SERVE_AUTH_REVOKED,
    SERVE_AUTH_EXPIRED,
    SERVE_AUTH_SCOPE,
    SERVE_AUTH_MODEL,
    SERVE_AUTH_N_REASONS
} serve_auth_reason;
const char *serve_auth_reason_name(serve_auth_reason r);
/* Checks token (the Bearer credential; NULL: none) at now_ms; on success fills who (id, name,
 * scopes, model; remote left alone). Always one digest and one constant-time compare. */
serve_auth_reason serve_auth_verify(serve_auth *a, const char *token, int64_t now_ms,
                                    serve_principal *who);
/* Whether who may do what needs `need` (SERVE_SCOPE_* bit; 0: open) on model (NULL: a route
 * that is not under /v1/models/{model}). admin implies read and ingest. */
serve_auth_reason serve_auth_allows(const serve_principal *who, unsigned need, const char *model);
/* Counts one request of token id ("anonymous" for none). */
void serve_auth_count_request(serve_auth *a, const char *id);
void serve_auth_count_failure(serve_auth *a, serve_auth_reason r);
/* The request-rate EWMAs of every token advanced to now_ms (the tick). */
void serve_auth_tick(serve_auth *a, int64_t now_ms);
/* Per-token anomaly samples ("token_rate_anomaly", labels token="<id>"): malloc'd array. */
size_t serve_auth_anomaly_samples(serve_auth *a, vg_metric_sample **out);
/* The auth families of /metrics (malloc'd; NULL on no memory). */
char *serve_auth_metrics(serve_auth *a);

/* A rate EWMA pair: short-term (tau 60 s) and long-term (tau 1 h) requests/s. */
#define SERVE_RATE_SHORT_S 60.0
#define SERVE_RATE_LONG_S 3600.0
#define SERVE_RATE_FLOOR 1.0 /* requests/s: the baseline never counts as less */
typedef struct serve_rate_ewma {
    double short_rate, long_rate;
    uint64_t last_count;
    int64_t last_ms; /* 0: not started */
} serve_rate_ewma;
/* count: the token's request counter (cumulative) at now_ms. */
void serve_rate_update(serve_rate_ewma *e, uint64_t count, int64_t now_ms);
/* short / max(long, SERVE_RATE_FLOOR). */
double serve_rate_anomaly(const serve_rate_ewma *e);

/* The daemon's side: config and store tokens loaded, the bootstrap admin token made when there
 * is none (mode tokens). Called by vg_serve_start once the store is open. */
int serve_auth_start(vg_serve *s, vg_error *err);
/* The scope a request needs: 0 open (/healthz, /readyz; /metrics with public_metrics), else a
 * SERVE_SCOPE_* bit, from its method and the route's pattern. */
unsigned serve_auth_need(const char *method, const char *pattern, int public_metrics);

/* ---- limits (limits.c) ---- */
typedef struct serve_bucket {
    double tokens;
    int64_t last_ms;
    int started; /* 0: new (full) */
} serve_bucket;
/* Takes one request from the bucket at now_ms: 0 when allowed, else the whole seconds (>= 1)
 * until one is available (Retry-After). */
unsigned serve_bucket_take(serve_bucket *b, double rate, unsigned burst, int64_t now_ms);
typedef struct serve_limits serve_limits;
enum {
    SERVE_LIMIT_BODY,
    SERVE_LIMIT_RECORDS,
    SERVE_LIMIT_RATE,
    SERVE_LIMIT_CONNECTIONS,
    SERVE_LIMIT_N
};
/* A table of at most capacity buckets, the least recently used evicted. */
serve_limits *serve_limits_new(size_t capacity);
void serve_limits_free(serve_limits *l);
/* serve_bucket_take on key's bucket (made full when new). */
unsigned serve_limits_take(serve_limits *l, const char *key, double rate, unsigned burst,
                           int64_t now_ms);
size_t serve_limits_size(serve_limits *l);
int serve_limits_has(serve_limits *l, const char *key);
void serve_limits_count(serve_limits *l, int reason);
/* The limits families of /metrics (malloc'd; NULL on no memory). */
char *serve_limits_metrics(serve_limits *l);

/* ---- audit log (audit.c over src/store/audit.c) ----
 * Appends one entry to the hash-chained audit log. who NULL: the daemon itself. action is a
 * dotted name from docs/security.md ("model.register", "model.replace", "model.delete",
 * "model.flush", "reference.put", "config.reload", "silence.create", "silence.delete",
 * "alert.ack", "alert.transition", "token.create", "token.revoke", "record.erase", "auth.failure",
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
    void *con;                  /* the MHD connection, for query arguments */
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
void api_tokens(vg_serve *s, const serve_request *q, serve_reply *r); /* auth.c */
void api_token(vg_serve *s, const serve_request *q, serve_reply *r);
/* GET /v1/audit (audit.c): a page of the audit log, or ?format=ndjson its export */
void api_audit(vg_serve *s, const serve_request *q, serve_reply *r);
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
/* A reload: the new rules (taken; NULL: no alerts section, i.e. no rules). 1 when the rules
 * the engine holds changed (for the audit log), else 0. */
int serve_alerting_reload(vg_serve *s, struct vg_alert_config *cfg);
/* The alert families of /metrics (malloc'd text, "" when none; NULL on no memory). */
char *serve_alerting_metrics(vg_serve *s);
void api_rules(vg_serve *s, const serve_request *q, serve_reply *r);
void api_alerts(vg_serve *s, const serve_request *q, serve_reply *r);
void api_alert_history(vg_serve *s, const serve_request *q, serve_reply *r);
void api_alert_ack(vg_serve *s, const serve_request *q, serve_reply *r);
void api_silences(vg_serve *s, const serve_request *q, serve_reply *r);
void api_silence(vg_serve *s, const serve_request *q, serve_reply *r);

#endif
