/*
 * Continuous monitoring of one deployed model, in memory: the engine of `vigia serve`, and the
 * part of libvigia an inference server embeds. It does no I/O and starts no thread; the caller
 * (the daemon in src/serve/, or an embedding application) serializes calls on one monitor, makes
 * batches durable (journal) and persists closed windows.
 *
 * Threads: vg_monitor_parse_predictions and vg_monitor_parse_labels may run without the
 * caller's lock, concurrently with each other and with any other call on the same monitor
 * (apply, advance, restore, take_jobs, ...) but not with vg_monitor_free: the spec they read is
 * immutable for the monitor's life, and the one mutable thing they read (the last closed
 * window, for the lateness check) is read atomically. A window may then close between parse
 * and apply: vg_monitor_recheck, under the lock right before apply, moves the records that
 * became late to the rejects. Every other call, vg_monitor_recheck included, is serialized by
 * the caller (one at a time on one monitor); vg_window_job_run needs no lock (see below).
 * docs/monitor.md documents the JSON shapes (spec, records, window report, metric samples);
 * docs/api.md the HTTP API.
 *
 * A model is registered with a spec (vg_model_spec, parsed from JSON): its features with their
 * types, which of them are sensitive, the task, and how its stream is cut into windows. Records
 * (predictions, and labels that arrive later) come in batches, as a JSON array or NDJSON:
 *
 *   {"id": "r1", "timestamp": "2026-01-01T10:00:00Z", "features": {"age": 41, "region": "north"},
 *    "prediction": 0.83 | "yes" | {"score": 0.83} | {"class": "a", "probabilities": {"a": 0.7}},
 *    "label": optional, "metadata": {...}}
 *   {"id": "r1", "label": 1}                                    (labels endpoint)
 *
 * Parsing validates every record against the spec and never changes the monitor: the good
 * records become a vg_monitor_batch, the bad ones a list of (index, field, reason). Applying a
 * batch adds each record to its window: a tumbling window of event time (the record's timestamp,
 * or the time of arrival when it has none) with an allowed lateness, or a window of a fixed
 * number of records. Each window keeps a mergeable vg_profile of the features, the prediction
 * ("prediction" column) and the label ("label" column), plus the few values per record that the
 * model metrics need (prediction, label, sensitive attributes). A window closes when the event
 * time seen passes its end plus the lateness (or when full, or when flushed); its report is then
 * computed: drift against the reference and against the previous window (vg_compare_profiles,
 * so the same JSON as `vigia compare` in sketch mode), data quality, model quality when labels
 * exist, the label-free CBPE estimate when the reference holds labels and scores, and fairness
 * across the sensitive attributes.
 *
 * Labels join their predictions by id: a bounded map (spec.max_join entries, spec.label_ttl_ms)
 * keeps the ids of recent predictions, including those of closed windows, whose model section
 * is recomputed when a late label arrives (the window comes out of vg_monitor_take_windows again,
 * with the same key and a higher revision). A label whose prediction is not (yet) known waits in
 * the same map for the TTL, then counts as unmatched.
 *
 * Durability is the caller's: it journals vg_monitor_batch_encode()'s bytes before acknowledging
 * and, after a restart, restores the closed windows it kept (vg_monitor_restore_window) and replays
 * the journal (vg_monitor_apply with replay = 1), which skips records of windows already closed.
 */
#ifndef VIGIA_MONITOR_H
#define VIGIA_MONITOR_H

#include <stddef.h>
#include <stdint.h>

#include "vigia/error.h"
#include "vigia/evaluate.h"
#include "vigia/pii.h"
#include "vigia/profile.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- model spec ------------------------------------------------------------------------------ */

typedef enum vg_feature_type {
    VG_FEATURE_NUMERIC = 0, /* a finite JSON number */
    VG_FEATURE_CATEGORICAL, /* JSON string, number or boolean, compared as a category */
    VG_FEATURE_BOOLEAN,     /* JSON true/false */
    VG_FEATURE_TEXT         /* free text: profiled (missing, lengths not), never compared */
} vg_feature_type;

const char *vg_feature_type_name(vg_feature_type t); /* "numeric", "categorical", ... */

typedef struct vg_feature_spec {
    char *name;
    vg_feature_type type;
    int required; /* a record without it (or with null) is rejected; default 0: missing counts */
} vg_feature_spec;

#define VG_MONITOR_MAX_FEATURES 1000         /* bounds the label cardinality of /metrics too */
#define VG_MONITOR_DEFAULT_WINDOW_MS 3600000 /* 1h */
#define VG_MONITOR_DEFAULT_LABEL_TTL_MS (7LL * 24 * 3600 * 1000)
#define VG_MONITOR_DEFAULT_MAX_JOIN 1000000
/* A record whose timestamp is more than this after its arrival is rejected ("timestamp"): a
 * clock far ahead would otherwise close every open window. */
#define VG_MONITOR_MAX_FUTURE_MS (24LL * 3600 * 1000)

/* What parse does with PII found in the scanned fields (docs/pii.md). */
typedef enum vg_pii_policy {
    VG_PII_POLICY_OFF = 0, /* no scanning ("pii": {"policy": "off"}) */
    VG_PII_POLICY_REPORT,  /* values kept; findings counted */
    VG_PII_POLICY_REDACT,  /* each match replaced by a keyed hash token before anything is kept */
    VG_PII_POLICY_REJECT   /* the record is rejected ("pii: ... found"), its dead letter masked */
} vg_pii_policy;

const char *vg_pii_policy_name(vg_pii_policy p); /* "off", "report", "redact", "reject" */
/* Abuse and integrity signals of each window (docs/monitor.md, "Integrity signals"): the
 * spec's "integrity" object; `"integrity": false` sets enabled = 0. */
#define VG_INTEGRITY_DEFAULT_OOD_QUANTILE 0.001
#define VG_INTEGRITY_DEFAULT_BINS 256
#define VG_INTEGRITY_DEFAULT_MAX_TABLE 65536
#define VG_INTEGRITY_DEFAULT_MAX_FEATURES 64

typedef struct vg_integrity_spec {
    int enabled;            /* 1 */
    double ood_quantile;    /* a numeric value ranked below q or above 1 - q is out of
                             * distribution; 0: only the range test below */
    double ood_margin;      /* ... or outside [min - m (max - min), max + m (max - min)] */
    uint32_t quantize_bins; /* rank buckets per numeric feature for near-duplicates (256) */
    uint32_t max_table;     /* distinct vectors counted exactly, signatures kept (65536) */
    uint32_t max_features;  /* features in the duplicate/sweep vector: the first N (64) */
} vg_integrity_spec;

void vg_integrity_spec_default(vg_integrity_spec *o);

typedef struct vg_model_spec {
    char *name;    /* [A-Za-z0-9_.-]{1,64}: it appears in URLs and metric labels */
    char *version; /* free text, default "1" */
    vg_task task;  /* VG_TASK_BINARY, _MULTICLASS or _REGRESSION (required) */
    size_t n_features;
    vg_feature_spec *features;
    size_t n_sensitive;
    char **sensitive; /* names of features (categorical or boolean) used for fairness */
    /* windows: event-time tumbling windows of window_ms with allowed lateness_ms, or, when
     * window_count > 0, windows of that many records (window_ms is then 0) */
    int64_t window_ms;
    int64_t lateness_ms;
    uint64_t window_count;
    /* binary tasks */
    double threshold; /* a score >= threshold predicts the positive class (0.5) */
    char *pos_label;  /* NULL: "1", "true" or "yes" */
    size_t n_classes; /* optional declared classes (classification) */
    char **classes;
    /* label join */
    int64_t label_ttl_ms; /* VG_MONITOR_DEFAULT_LABEL_TTL_MS */
    uint64_t max_join;    /* VG_MONITOR_DEFAULT_MAX_JOIN */
    /* drift decision settings: the defaults of vigia compare unless given */
    double drift_share; /* dataset drift at this share of drifted features (0.5) */
    /* PII scanning ("pii" object, docs/pii.md): the policy, the detectors run (bit 1u << kind),
     * which features are scanned (n_features flags, NULL when the policy is off) and whether
     * the record id is */
    vg_pii_policy pii_policy;
    unsigned pii_detectors;
    unsigned char *pii_scan;
    int pii_id;
    vg_integrity_spec integrity;
} vg_model_spec;

/* Parses a spec from JSON (keys in docs/monitor.md: name, version, task, features [{name, type,
 * required}], sensitive, window {duration: "1h" | seconds, lateness, count}, threshold,
 * pos_label, classes, label_ttl, max_join, drift_share, pii {policy, detectors, features, id},
 * integrity {ood_quantile, ood_margin, quantize_bins, max_table, max_features} | false).
 * Unknown keys, wrong types and bad values are VG_ERR_INVALID with a message naming the field
 * ("features[2].type: ..."). */
int vg_model_spec_parse(const char *json, size_t len, vg_model_spec **out, vg_error *err);
/* The spec as canonical JSON (parseable by vg_model_spec_parse); malloc'd, NULL on NOMEM. */
char *vg_model_spec_json(const vg_model_spec *s);
void vg_model_spec_free(vg_model_spec *s);

/* Durations such as "90s", "15m", "1h", "7d", "2w", "250ms", a sequence of them ("1h30m"), or a
 * plain number of seconds; the one syntax of every duration vigia reads (specs, daemon config,
 * alert rules). */
int vg_parse_duration_ms(const char *s, int64_t *ms);
/* RFC 3339 ("2026-01-01T10:00:00Z", "...T10:00:00.250+02:00") to milliseconds since the epoch. */
int vg_parse_rfc3339_ms(const char *s, int64_t *ms);
/* The reverse, always with milliseconds and in UTC: "2026-01-01T10:00:00.250Z" into buf (32
 * bytes are enough). The one form of every time vigia writes in JSON (API, alerts, audit). */
void vg_format_rfc3339_ms(int64_t ms, char *buf, size_t n);

/* ---- the monitor ----------------------------------------------------------------------------- */

typedef struct vg_monitor vg_monitor;

/* A new monitor for spec (copied). NULL with err set on failure. */
vg_monitor *vg_monitor_new(const vg_model_spec *spec, vg_error *err);
void vg_monitor_free(vg_monitor *m);
const vg_model_spec *vg_monitor_spec(const vg_monitor *m);

/* The reference: a CSV/NDJSON file whose columns are the feature names plus, optionally,
 * "prediction" and "label" (profiled for drift; its labelled scores fit CBPE), or a .vgp profile
 * (drift only). Replaces any previous reference; the next closed window uses it. A file without
 * any feature column is VG_ERR_INVALID. */
int vg_monitor_set_reference_file(vg_monitor *m, const char *path, vg_error *err);
/* p is copied. */
int vg_monitor_set_reference_profile(vg_monitor *m, const vg_profile *p, vg_error *err);
/* The reference profile, or NULL. Owned by the monitor. */
const vg_profile *vg_monitor_reference(const vg_monitor *m);

/* ---- batches --------------------------------------------------------------------------------- */

typedef struct vg_monitor_batch vg_monitor_batch;

typedef struct vg_monitor_reject {
    size_t index;    /* 0-based position of the record in the batch */
    char field[128]; /* "features.age", "prediction", "timestamp", "id", "" for the record */
    char reason[256];
    char *record; /* the record's raw text (owned; for the dead-letter table), may be NULL */
} vg_monitor_reject;

typedef struct vg_monitor_rejects {
    size_t n, cap;
    vg_monitor_reject *items;
} vg_monitor_rejects;
void vg_monitor_rejects_free(vg_monitor_rejects *r); /* frees the items, not r */

/* Parses a body of prediction records (a JSON array of objects, or NDJSON: one object per line)
 * received at now_ms. Good records go to *out (possibly empty), bad ones are appended to
 * *rejects. Records whose window has already closed are rejected ("late: window ... closed").
 * A body that is not JSON at all is VG_ERR_PARSE naming the line and column. Does not change m.
 * The batch borrows body for vg_monitor_recheck (which copies the text of the records it
 * rejects): keep body alive until then, or do not recheck the batch. */
int vg_monitor_parse_predictions(const vg_monitor *m, const char *body, size_t len, int64_t now_ms,
                                 vg_monitor_batch **out, vg_monitor_rejects *rejects,
                                 vg_error *err);
/* The same for {"id", "label"} records (optional "timestamp"). */
int vg_monitor_parse_labels(const vg_monitor *m, const char *body, size_t len, int64_t now_ms,
                            vg_monitor_batch **out, vg_monitor_rejects *rejects, vg_error *err);
/* Records without a timestamp take now_ms as their event time, and the batch as its arrival
 * time (label TTLs). A caller that parses outside its lock calls it under the lock, before
 * vg_monitor_recheck, with the time read there: arrival times then follow the order of apply,
 * as when parse ran under the lock, and such records are never late. Before apply only. */
void vg_monitor_batch_restamp(vg_monitor_batch *b, int64_t now_ms);
/* For a batch parsed without the caller's lock (see Threads above): with the lock, right
 * before vg_monitor_apply, moves every record whose window has closed since parse out of b
 * into *rejects (not NULL), exactly as parse would have rejected it: field "timestamp", reason
 * "late: window ... closed", its index in the body and its raw text (NULL for a decoded
 * batch); then sorts *rejects by index (pass the list parse filled for this batch). The
 * records kept stay in order and the batch encodes and applies as if parse had rejected the
 * others. Label batches and count windows have nothing to recheck. On failure (NOMEM) b and
 * *rejects are unchanged. */
int vg_monitor_recheck(vg_monitor *m, vg_monitor_batch *b, vg_monitor_rejects *rejects,
                       vg_error *err);
size_t vg_monitor_batch_size(const vg_monitor_batch *b);
void vg_monitor_batch_free(vg_monitor_batch *b);

/* Adds the batch to the monitor; `seq` is its journal sequence number (increasing). With
 * replay = 1 (restart), records whose window is already closed are skipped silently; otherwise
 * apply never rejects (parse did). Assigns each record its window, so encode after apply. */
int vg_monitor_apply(vg_monitor *m, vg_monitor_batch *b, uint64_t seq, int replay, vg_error *err);
/* A compact, versioned, checksummed encoding for the journal; decode gives back a batch that
 * applies (with replay) exactly as the original did. */
int vg_monitor_batch_encode(const vg_monitor_batch *b, unsigned char **out, size_t *len,
                            vg_error *err);
int vg_monitor_batch_decode(const vg_monitor *m, const void *data, size_t len,
                            vg_monitor_batch **out, vg_error *err);

/* ---- windows --------------------------------------------------------------------------------- */

/* Closes every window whose end plus lateness the event time has passed (called after each
 * apply by the caller and on a timer); with flush = 1, closes every open window now. now_ms is
 * the wall clock, used for label TTLs. Returns how many windows closed. */
int vg_monitor_advance(vg_monitor *m, int64_t now_ms, int flush, vg_error *err);

/* One closed window, as the caller persists it. */
typedef struct vg_metric_sample {
    char name[64];    /* Prometheus-style metric name without the "vigia_" prefix */
    char labels[256]; /* extra labels, already in exposition syntax: feature="age",method="psi" */
    double value;
} vg_metric_sample;

typedef struct vg_window {
    int64_t key; /* time windows: start in ms since the epoch; count windows: 0, 1, ... */
    int64_t start_ms, end_ms; /* event-time bounds ([start, end)); count windows: first/last seen */
    uint32_t revision;        /* 1 when first closed, +1 each time late labels change it */
    uint64_t rows, labelled;
    uint64_t max_seq;    /* largest journal seq applied to this window */
    vg_profile *profile; /* owned */
    char *report_json;   /* owned: the window's report (docs/monitor.md) */
    size_t n_metrics;
    vg_metric_sample *metrics; /* owned: the figures of the report, for /metrics and series */
    unsigned char *rows_blob;  /* owned: the model rows (prediction, label, sensitive, id) */
    size_t rows_blob_len;
} vg_window;

void vg_window_free(vg_window *w);

/* Hands over the windows closed (or revised) since the last call, oldest first; the caller
 * frees each with vg_window_free and the array with free(). */
int vg_monitor_take_windows(vg_monitor *m, vg_window ***out, size_t *n, vg_error *err);

/* The same hand-over in three steps, so that a multi-threaded caller computes the reports
 * without holding its lock on the monitor (a window's report - drift of every feature against
 * the reference and the previous window, quality, model metrics, CBPE, fairness - takes
 * seconds for large windows, and the model's ingestion would wait):
 *   1. with the lock: vg_monitor_take_jobs detaches the windows closed (or revised) since the
 *      last call, as jobs holding copies of all their report needs (profile, model rows, the
 *      previous window's profile, a reference to the reference); cheap (copies, no report);
 *   2. without the lock: vg_window_job_run computes the report and gives the vg_window to
 *      persist; the job is independent of the monitor (which may even be freed meanwhile);
 *   3. with the lock, once persisted: vg_monitor_window_done. Until then the window's records
 *      stay counted in vg_monitor_min_open_seq, so the journal keeps them; a window that is
 *      never confirmed (persistence failed) keeps them until the monitor is rebuilt.
 * Jobs of one monitor are to be persisted in order and one take at a time (a later take may
 * hold a newer revision of the same window). vg_monitor_take_windows is steps 1-3 at once. */
typedef struct vg_window_job vg_window_job;
int vg_monitor_take_jobs(vg_monitor *m, vg_window_job ***out, size_t *n, vg_error *err);
/* Computes the job's window: *out to free with vg_window_free. Does not free the job. */
int vg_window_job_run(vg_window_job *job, vg_window **out, vg_error *err);
void vg_window_job_free(vg_window_job *job);
/* w (from vg_window_job_run) is persisted: its journal records may go, and its metric samples
 * become vg_monitor_last_metrics when it is the newest closed window. A window no longer in
 * memory, or a stale revision, is ignored. */
void vg_monitor_window_done(vg_monitor *m, const vg_window *w);

/* After a restart: gives back a closed window (its key, bounds, revision, profile and rows
 * blob; report and metrics are not needed), in key order; the last one restored is the
 * "previous window" of the next to close and marks what replay skips. A NULL rows blob (the
 * rows were cleared by a retention) restores the window without model rows: late labels for
 * it then count as unmatched. */
int vg_monitor_restore_window(vg_monitor *m, const vg_window *w, vg_error *err);

/* The journal seq below which no entry is needed any more: the smallest seq of a record in an
 * open window or in a closed window not yet taken by vg_monitor_take_windows, of a label
 * waiting for its prediction, or of a late label whose revision is not yet taken. Entries with
 * a smaller seq may be deleted once the windows taken are persisted; UINT64_MAX when nothing
 * is held. */
uint64_t vg_monitor_min_open_seq(const vg_monitor *m);

/* The report of the open window(s) so far, as if closed now (malloc'd JSON), or NULL with err
 * set (VG_ERR_INVALID when no window is open). */
char *vg_monitor_open_report(vg_monitor *m, vg_error *err);

/* ---- PII ------------------------------------------------------------------------------------- */

/* The key of the tokens that replace PII under the redact policy ("pii:email:<16 hex of
 * HMAC-SHA256(key, value)>", docs/pii.md) and mask it in dead letters: at least 16 bytes (32
 * random bytes recommended; `vigia serve` keeps them in <data_dir>/pii.key). Copied. Call it
 * before the first parse, and with the same key after a restart so that tokens stay equal
 * across it; libvigia does no I/O and draws no random numbers, so it has no key of its own: a
 * redact model without one refuses to parse (VG_ERR_INVALID), and other policies mask dead
 * letters with "pii:<kind>" only. Not concurrent with parse. */
int vg_monitor_set_pii_key(vg_monitor *m, const void *key, size_t len, vg_error *err);
/* PII matches found by parse since the monitor was made (bodies that parsed; rejected records
 * included) in `field`: a feature index, or n_features for the record id; 0 when the policy is
 * off. Safe concurrently with parse. */
uint64_t vg_monitor_pii_findings(const vg_monitor *m, size_t field, vg_pii_kind kind);
/* ---- erasure (right to erasure; src/monitor/erase.c) ------------------------------------------
 * Removes every record of some ids from the raw, record-level data a monitor and its caller
 * hold: in memory the model rows of open and kept closed windows (id, prediction, label,
 * sensitive values) and the label-join map (predictions waiting for labels, labels waiting for
 * predictions); on the caller's side the journal entries (vg_monitor_erase_batch) and the rows
 * blobs of persisted windows (vg_monitor_erase_rows). Aggregates are not changed: a window's
 * profile, its row count and its report keep counting the record (a sketch cannot take a value
 * back), but nothing of the record can be read back with its id. The texts of the remaining rows
 * are copied to a fresh arena, so no byte of an erased id, label or attribute stays in the
 * monitor's memory. ids are NUL-terminated; duplicates are harmless. */
typedef struct vg_monitor_erase_counts {
    uint64_t rows;           /* model rows removed from open and kept closed windows */
    uint64_t labels_waiting; /* labels waiting for their prediction, dropped */
    uint64_t join;           /* entries of the label-join map dropped (the two above included) */
} vg_monitor_erase_counts;
/* A window job taken before the call (vg_monitor_take_jobs) holds its own copy of the rows:
 * the caller erases from what it persists, or waits for its jobs first (the daemon waits). On
 * failure (NOMEM) the monitor is unchanged. counts may be NULL. */
int vg_monitor_erase(vg_monitor *m, const char *const *ids, size_t n, vg_monitor_erase_counts *c,
                     vg_error *err);
/* A journal entry (vg_monitor_batch_encode bytes) without the records of ids: *out malloc'd
 * (NULL and *out_len 0 when no record is left), *removed records dropped. When none is
 * dropped *out is NULL too and *removed 0: the entry stays as it is. VG_ERR_FORMAT for bytes
 * that do not decode. */
int vg_monitor_erase_batch(const vg_monitor *m, const char *const *ids, size_t n, const void *data,
                           size_t len, unsigned char **out, size_t *out_len, size_t *removed,
                           vg_error *err);
/* The same for a window's rows blob (vg_window.rows_blob): *out is the blob without the rows of
 * ids (an empty blob when none is left: the window keeps its rows section), NULL when none was
 * dropped. */
int vg_monitor_erase_rows(const vg_monitor *m, const char *const *ids, size_t n, const void *blob,
                          size_t len, unsigned char **out, size_t *out_len, size_t *removed,
                          vg_error *err);

/* ---- counters for /metrics ------------------------------------------------------------------ */

typedef struct vg_monitor_stats {
    uint64_t records_accepted; /* prediction records applied (not replayed) */
    uint64_t records_rejected; /* prediction records rejected by parse (incl. late) */
    uint64_t records_late;     /* of which late */
    uint64_t labels_received;
    uint64_t labels_matched;   /* joined to a prediction */
    uint64_t labels_late;      /* joined to a prediction of an already closed window */
    uint64_t labels_unmatched; /* expired from the join map without a prediction */
    uint64_t labels_rejected;
    uint64_t join_pending; /* entries in the join map now */
    uint64_t windows_closed;
    uint64_t open_rows;         /* records in open windows */
    int64_t last_closed_end_ms; /* end of the last closed window, 0 when none */
    int64_t watermark_ms;       /* largest event time seen */
} vg_monitor_stats;

void vg_monitor_get_stats(const vg_monitor *m, vg_monitor_stats *s);
/* Counters the caller accounts for on its side (parse is const). */
void vg_monitor_count_rejects(vg_monitor *m, size_t n_records, size_t n_late, int labels);

/* The metric samples of the last closed window (for /metrics gauges); pointer valid until the
 * next call that changes m. */
const vg_metric_sample *vg_monitor_last_metrics(const vg_monitor *m, size_t *n);

#ifdef __cplusplus
}
#endif
#endif
