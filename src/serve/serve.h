/*
 * The `vigia serve` daemon: one process watching many models. The parts, one file each:
 *
 *   config.c   the YAML settings (docs/serve.md), defaults, and what a reload may change
 *   log.c      leveled log lines on standard error
 *   daemon.c   the model registry and the ingest path: parse -> journal -> apply -> ack, closed
 *              windows -> store, the start-up replay and the tick thread
 *   http.c     libmicrohttpd: request bodies under a cap, routing, the JSON API (docs/api.md)
 *   metrics.c  /metrics in the Prometheus text format 0.0.4 and the HTTP request counters
 *
 * Threads: libmicrohttpd's pool calls the handlers; each model has a mutex that serializes its
 * monitor (vg_monitor is single-threaded); the journal's durability wait happens outside that
 * mutex so that concurrent batches share one commit (group commit in the store). The tick
 * thread advances every model's windows on the wall clock. src/cli/serve.c owns the signals.
 */
#ifndef VG_SERVE_H
#define VG_SERVE_H

#include <stddef.h>
#include <stdint.h>

#include "vigia/error.h"

/* ---- configuration (config.c) ---- */

enum { VG_LOG_ERROR = 0, VG_LOG_WARN, VG_LOG_INFO, VG_LOG_DEBUG };

typedef struct vg_serve_model_conf {
    char *spec_json; /* the spec of a `models:` entry, converted to JSON for vg_model_spec_parse */
    char *reference; /* optional file uploaded at start when the model has no reference yet */
    char *name;      /* the spec's "name" (for messages) */
} vg_serve_model_conf;

/* A token of the config's auth: section, its hash string ("vg1$<id>$<salt hex>$<sha256 hex>")
 * already decoded (vg_serve_token_hash_parse). */
typedef struct vg_serve_token_conf {
    char *name;
    char id[13];
    unsigned char salt[16], hash[32];
    unsigned scopes; /* SERVE_SCOPE_* bits (internal.h): 1 ingest, 2 read, 4 admin */
    char *model;     /* NULL: every model */
} vg_serve_token_conf;

typedef struct vg_serve_config {
    char *host;              /* "127.0.0.1" */
    unsigned port;           /* 8080 */
    char *data_dir;          /* "./vigia-data" */
    unsigned threads;        /* HTTP worker threads (4) */
    uint64_t max_body_bytes; /* 64 MiB */
    uint64_t max_records;    /* per batch, 0: no limit (100000) */
    int batch_partial;       /* batch_mode: 0 reject (the default), 1 partial */
    int64_t retention_ms;    /* closed windows older than this are deleted; 0 keeps all (30d) */
    int64_t tick_ms;         /* timer of advance, label TTL and retention (1s) */
    int log_level;           /* VG_LOG_INFO */
    /* dead letters received longer ago than this are deleted; 0 keeps all (7d) */
    int64_t dead_retention_ms;
    /* the rows blobs of closed windows older than this are cleared; 0 keeps; -1: retention_ms */
    int64_t rows_retention_ms;
    size_t n_models;
    vg_serve_model_conf *models;
    struct vg_alert_config *alerts; /* the alerts: section (vigia/alert.h), NULL when none */
    /* auth: (auth.c, docs/serve.md) */
    int auth_off;       /* mode: off (development only; loopback addresses only) */
    int public_metrics; /* /metrics without a token */
    size_t n_tokens;
    vg_serve_token_conf *tokens;
    /* tls: PEM files read at start (restart to change) */
    char *tls_cert, *tls_key;
    /* limits: (limits.c) */
    double rate;              /* requests/s per token or client address; 0: no limit */
    unsigned burst;           /* bucket size; 0: max(1, ceil(rate)) */
    unsigned max_connections; /* concurrent connections; 0: no limit */
} vg_serve_config;

/* The defaults (no file). */
int vg_serve_config_default(vg_serve_config *c);
/* Reads the YAML file at path over the defaults; errors are VG_ERR_PARSE naming
 * path:line:column, or VG_ERR_IO. On failure *c is left cleared (nothing to free). */
int vg_serve_config_load(const char *path, vg_serve_config *c, vg_error *err);
/* The same from bytes (name stands for the file in messages); for tests. */
int vg_serve_config_parse(const char *data, size_t len, const char *name, vg_serve_config *c,
                          vg_error *err);
void vg_serve_config_clear(vg_serve_config *c);
/* "HOST:PORT", ":PORT" or "PORT" into c (the flag --listen and the key listen). */
int vg_serve_parse_listen(const char *s, vg_serve_config *c, vg_error *err);
/* Decodes "vg1$<12 hex id>$<32 hex salt>$<64 hex sha256>" into t's id, salt and hash. */
int vg_serve_token_hash_parse(const char *s, vg_serve_token_conf *t, vg_error *err);
/* Scope names ("ingest,read" or a list's items) into SERVE_SCOPE_* bits; 0 for an unknown name. */
unsigned vg_serve_scope_parse(const char *name);
/* Sizes: "64MiB", "10MB", "512k", "1048576" into bytes. */
int vg_serve_parse_size(const char *s, uint64_t *out);
const char *vg_serve_log_level_name(int level);
int vg_serve_log_level_parse(const char *s);

/* ---- logging (log.c) ---- */
void vg_serve_log_set_level(int level);
int vg_serve_log_level(void);
void vg_serve_log(int level, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/* ---- the daemon (daemon.c, http.c) ---- */

typedef struct vg_serve vg_serve;

/* Opens the store under cfg->data_dir and starts listening (so /healthz answers at once);
 * cfg is moved into the daemon (the caller's copy is cleared). Not ready until
 * vg_serve_recover() returns. */
int vg_serve_start(vg_serve_config *cfg, vg_serve **out, vg_error *err);
/* Rebuilds every stored model (reference, recent windows, journal replay), registers the
 * config's models, starts the tick thread, then flags the daemon ready. */
int vg_serve_recover(vg_serve *s, vg_error *err);
/* Applies a new configuration: what can change live changes (logged), the rest is logged as
 * needing a restart. cfg is consumed. */
void vg_serve_reload(vg_serve *s, vg_serve_config *cfg);
/* Stops accepting, finishes in-flight requests, stops the tick thread, drains the journal
 * and closes the store. Accepts NULL. */
void vg_serve_stop(vg_serve *s);
/* The port actually bound (useful with port 0). */
unsigned vg_serve_port(const vg_serve *s);

#endif
