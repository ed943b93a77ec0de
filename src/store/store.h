/*
 * The daemon's persistence (vigia serve): one SQLite database in WAL mode under the data
 * directory, holding the registered models, their references, the closed windows (profile,
 * report, model rows), the metric series, the dead-letter records, and the journal of accepted
 * batches that rebuilds the open windows after a crash.
 *
 * The journal is what makes an acknowledgement mean "durable": vg_store_journal_append() hands
 * the encoded batch to one writer thread, which commits every batch waiting at that moment in
 * one transaction (group commit; synchronous=FULL, so the commit is on disk when it returns)
 * and then wakes their callers. Entries are deleted (vg_store_journal_prune) once every window
 * holding their records is persisted. Everything else is written in its own transaction.
 *
 * A vg_store is safe to use from several threads (one connection per call site is not needed:
 * calls take an internal mutex; the journal writer has its own connection). Errors are VG_ERR_IO
 * with SQLite's message and the database path; a blob or string beyond SQLite's length limit
 * (about 1 GB) is VG_ERR_LIMIT.
 *
 * Not part of libvigia: linked into the CLI only, so that libvigia needs no SQLite.
 */
#ifndef VG_STORE_H
#define VG_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "vigia/error.h"

typedef struct vg_store vg_store;

/* Opens (creating if needed) DIR/vigia.db, creating DIR too; migrates the schema. Holds a lock
 * on DIR/vigia.lock while open: a second open of the same directory (by any process) fails
 * with VG_ERR_IO "... in use by another process (pid N)". Functions taking a model name
 * return VG_ERR_INVALID "no model 'NAME'" for an unknown one. */
int vg_store_open(const char *dir, vg_store **out, vg_error *err);
/* Waits for the journal writer to finish pending commits, then closes. No other call may be
 * in progress or start (appends that would start meanwhile fail with VG_ERR_IO). NULL ok. */
void vg_store_close(vg_store *s);

/* ---- models ---- */
int vg_store_put_model(vg_store *s, const char *name, const char *spec_json, vg_error *err);
/* Deletes the model and everything of it (reference, windows, series, journal, dead letters). */
int vg_store_delete_model(vg_store *s, const char *name, vg_error *err);
typedef struct vg_store_model {
    char *name, *spec_json;
    int64_t created_ms;
} vg_store_model;
/* Every model, by name; free with vg_store_models_free. */
int vg_store_list_models(vg_store *s, vg_store_model **out, size_t *n, vg_error *err);
void vg_store_models_free(vg_store_model *m, size_t n);

/* ---- references: the uploaded bytes as given (CSV, NDJSON or .vgp) ---- */
int vg_store_put_reference(vg_store *s, const char *model, const char *format, const void *data,
                           size_t len, vg_error *err);
/* *data malloc'd (NULL and *len 0 when the model has none: returns VG_OK). */
int vg_store_get_reference(vg_store *s, const char *model, char **format, void **data, size_t *len,
                           int64_t *uploaded_ms, vg_error *err);

/* ---- closed windows (upserted by model and key: a revision replaces the row; a revision
 * older than the stored one is ignored, so a late writer never undoes a newer report) ---- */
typedef struct vg_store_window {
    int64_t key, start_ms, end_ms;
    uint32_t revision;
    uint64_t rows, labelled, max_seq;
    int64_t closed_ms; /* 0 on put: the time of the put */
    void *profile;     /* .vgp bytes (NULL: none) */
    size_t profile_len;
    char *report_json;
    void *rows_blob;
    size_t rows_blob_len;
} vg_store_window;
int vg_store_put_window(vg_store *s, const char *model, const vg_store_window *w, vg_error *err);
/* Windows of a model with key in [from, to], newest first, at most `limit` (0: all). With
 * with_blobs 0, profile, report and rows blob are left NULL (listing). */
int vg_store_list_windows(vg_store *s, const char *model, int64_t from, int64_t to, size_t limit,
                          int with_blobs, vg_store_window **out, size_t *n, vg_error *err);
/* One window with its blobs; VG_ERR_INVALID "no window KEY" when absent. */
int vg_store_get_window(vg_store *s, const char *model, int64_t key, vg_store_window *out,
                        vg_error *err);
void vg_store_window_clear(vg_store_window *w);
void vg_store_windows_free(vg_store_window *w, size_t n);
/* Deletes windows (and their series points) that ended before cutoff_ms; returns how many. */
int vg_store_expire_windows(vg_store *s, int64_t cutoff_ms, vg_error *err);
/* Deletes dead letters received before cutoff_ms; returns how many. */
int vg_store_expire_dead(vg_store *s, int64_t cutoff_ms, vg_error *err);

/* ---- metric series: one point per window and metric ---- */
typedef struct vg_store_point {
    int64_t key, end_ms;
    double value;
} vg_store_point;
/* Replaces the window's points with these (name and labels as in vg_metric_sample). */
int vg_store_put_points(vg_store *s, const char *model, int64_t key, int64_t end_ms,
                        const char *const *names, const char *const *labels, const double *values,
                        size_t n, vg_error *err);
/* The series of one metric (labels "" for none, or exactly as stored) over windows with key in
 * [from, to], oldest (smallest key) first. NaN values round-trip. */
int vg_store_get_series(vg_store *s, const char *model, const char *name, const char *labels,
                        int64_t from, int64_t to, vg_store_point **out, size_t *n, vg_error *err);
/* The distinct (name, labels) pairs stored for a model (for discovery); free each string and
 * both arrays. */
int vg_store_list_series(vg_store *s, const char *model, char ***names, char ***labels, size_t *n,
                         vg_error *err);

/* ---- dead letters ---- */
typedef struct vg_store_dead {
    int64_t id, received_ms;
    char *model, *kind; /* kind: "prediction" or "label" */
    int64_t batch_index;
    char *field, *reason, *record;
} vg_store_dead;
/* Adds n rejected records of one batch in one transaction. */
int vg_store_add_dead(vg_store *s, const char *model, const char *kind, int64_t received_ms,
                      const int64_t *index, const char *const *field, const char *const *reason,
                      const char *const *record, size_t n, vg_error *err);
/* Newest first, at most limit (0: all), with id < before (0: no bound); model NULL lists every
 * model's. Page on with before = the last id returned. */
int vg_store_list_dead(vg_store *s, const char *model, int64_t before, size_t limit,
                       vg_store_dead **out, size_t *n, vg_error *err);
void vg_store_dead_free(vg_store_dead *d, size_t n);
/* The number of dead letters of the model (NULL: all); a negative VG_ERR_* on failure. */
int64_t vg_store_count_dead(vg_store *s, const char *model);

/* ---- journal ---- */
/* A new journal sequence number, larger than any stored (call before vg_monitor_apply). */
uint64_t vg_store_next_seq(vg_store *s);
/* Queues an entry and blocks until it is committed to disk (the bytes are not copied: the
 * caller's buffer is read by the writer thread while the caller waits). VG_ERR_IO when the
 * commit failed (the entry is then not durable and the caller must not acknowledge);
 * VG_ERR_INVALID for an unknown model or a seq already journaled (that entry only). */
int vg_store_journal_append(vg_store *s, const char *model, uint64_t seq, int kind,
                            const void *data, size_t len, vg_error *err);
/* Calls fn for every entry of the model with seq >= from, in seq order; stops at a non-zero
 * return, which it returns. Reads on a connection of its own, so fn may call the store (e.g.
 * to persist windows that replay closes). VG_ERR_INVALID for an unknown model. */
typedef int (*vg_store_journal_fn)(void *ctx, uint64_t seq, int kind, const void *data, size_t len);
int vg_store_journal_replay(vg_store *s, const char *model, uint64_t from, vg_store_journal_fn fn,
                            void *ctx, vg_error *err);
/* Deletes the model's entries with seq < below. */
int vg_store_journal_prune(vg_store *s, const char *model, uint64_t below, vg_error *err);
/* Counters for /metrics: commits, entries, bytes, and total seconds spent in commits. */
typedef struct vg_store_stats {
    uint64_t journal_commits, journal_entries, journal_bytes;
    double journal_commit_seconds;
} vg_store_stats;
void vg_store_get_stats(vg_store *s, vg_store_stats *st);

/* ---- API tokens (tokens.c): salted hashes only, never a secret ---- */
typedef struct vg_store_token {
    char id[13];
    char *name;
    unsigned char salt[16], hash[32];
    unsigned scopes;
    char *model; /* NULL: every model */
    int64_t created_ms;
    char *created_by;               /* the creating token's id (NULL: the daemon) */
    int64_t expires_ms, revoked_ms; /* 0: never / not revoked */
} vg_store_token;
/* Inserts a token; VG_ERR_MISMATCH when its id exists. */
int vg_store_put_token(vg_store *s, const vg_store_token *t, vg_error *err);
/* Every token (revoked ones too), by creation; free with vg_store_tokens_free. */
int vg_store_list_tokens(vg_store *s, vg_store_token **out, size_t *n, vg_error *err);
void vg_store_tokens_free(vg_store_token *t, size_t n);
/* Marks a token revoked at at_ms; VG_ERR_INVALID when no such (unrevoked) token. */
int vg_store_revoke_token(vg_store *s, const char *id, int64_t at_ms, vg_error *err);
/* ---- erasure and record-level retention (erase.c) ----
 * The right to erasure: one model's journal entries, windows' rows blobs and dead letters go
 * through the caller's callbacks (the store keeps the first two opaque) and every change is
 * written in one transaction. journal and rows return 0 to keep the bytes, 1 with *out (malloc'd;
 * the store frees it) to replace them, 1 with *out NULL to delete the entry (journal) or clear
 * the blob (window), or a negative VG_ERR_* (with err set) to abort with nothing changed; dead
 * returns 1 for a dead letter to delete. The connections run with PRAGMA secure_delete (freed
 * bytes are zeroed) and a successful erasure that changed anything ends with a truncating WAL
 * checkpoint, so the removed bytes leave the files at once (checkpointed says whether the
 * checkpoint completed: a reader of an older snapshot can hold it back). The journal seqs are
 * kept: a rewritten entry keeps its seq, a deleted one leaves a gap, which replay skips. */
typedef struct vg_store_erase_ops {
    void *ctx;
    int (*journal)(void *ctx, uint64_t seq, int kind, const void *data, size_t len, void **out,
                   size_t *out_len, vg_error *err);
    int (*rows)(void *ctx, int64_t key, const void *blob, size_t len, void **out, size_t *out_len,
                vg_error *err);
    int (*dead)(void *ctx, const char *kind, const char *record);
} vg_store_erase_ops;
typedef struct vg_store_erase_counts {
    uint64_t journal_rewritten, journal_deleted; /* entries */
    uint64_t windows_rewritten;                  /* rows blobs */
    uint64_t dead_deleted;                       /* dead letters */
    int checkpointed;
} vg_store_erase_counts;
int vg_store_erase(vg_store *s, const char *model, const vg_store_erase_ops *ops,
                   vg_store_erase_counts *c, vg_error *err);
/* Clears (sets to NULL) the rows blob of every window that ended before cutoff_ms, keeping its
 * profile, report and series; returns how many were cleared. */
int vg_store_expire_rows(vg_store *s, int64_t cutoff_ms, vg_error *err);

/* ---- alerting (alerts.c): states, history, outbox, silences, acknowledgements ----
 * The alerting code keeps its state as JSON it owns; the store only promises atomicity:
 * vg_store_alert_commit writes keyed rows, history events and outbox entries in one
 * transaction, so a transition and the notifications it causes are durable together. */
typedef struct vg_store_alert_kv {
    const char *kind, *id; /* e.g. "state", "silence", "ack" */
    const char *json;      /* NULL in a commit: delete the row */
    int64_t expires_ms;    /* 0: none (informational; the caller expires) */
} vg_store_alert_kv;
typedef struct vg_store_alert_event {
    int64_t id, at_ms; /* id assigned by the store; at_ms 0: now */
    const char *alert_id, *rule, *model;
    const char *kind;  /* "transition", "notification", "ack", ... */
    const char *state; /* the alert's state after the event, or the notification's result */
    const char *json;  /* the whole event */
} vg_store_alert_event;
typedef struct vg_store_outbox_new {
    ptrdiff_t event; /* index in the commit's events of the event it notifies, or -1 */
    const char *notifier, *payload;
} vg_store_outbox_new;
typedef struct vg_store_alert_tx {
    const vg_store_alert_kv *kv;
    size_t n_kv;
    const vg_store_alert_event *events;
    size_t n_events;
    const vg_store_outbox_new *outbox;
    size_t n_outbox;
} vg_store_alert_tx;
int vg_store_alert_commit(vg_store *s, const vg_store_alert_tx *tx, vg_error *err);
/* Rows of one kind, by id; the strings are malloc'd: free with vg_store_alert_kv_free. */
int vg_store_alert_kv_list(vg_store *s, const char *kind, vg_store_alert_kv **out, size_t *n,
                           vg_error *err);
void vg_store_alert_kv_free(vg_store_alert_kv *v, size_t n);
/* History newest first, optionally of one alert and/or rule, with id < before (0: no bound),
 * at most limit (0: all); strings malloc'd: free with vg_store_alert_events_free. */
int vg_store_alert_history(vg_store *s, const char *alert_id, const char *rule, int64_t before,
                           size_t limit, vg_store_alert_event **out, size_t *n, vg_error *err);
void vg_store_alert_events_free(vg_store_alert_event *v, size_t n);
typedef struct vg_store_outbox {
    int64_t id, event_id, created_ms, next_ms;
    uint32_t attempts;
    char *notifier, *payload;
} vg_store_outbox;
/* Undelivered entries, oldest first, at most limit (0: all). */
int vg_store_outbox_pending(vg_store *s, size_t limit, vg_store_outbox **out, size_t *n,
                            vg_error *err);
void vg_store_outbox_free(vg_store_outbox *v, size_t n);
/* Records an attempt on entry id: done 1 takes it out of the pending set (delivered, or given
 * up), done 0 keeps it for a retry at next_ms; result is the last outcome (NULL: none). record,
 * when not NULL, is appended to the history in the same transaction. */
int vg_store_outbox_update(vg_store *s, int64_t id, int done, uint32_t attempts, int64_t next_ms,
                           const char *result, const vg_store_alert_event *record, vg_error *err);
/* Entries pending; a negative VG_ERR_* on failure. */
int64_t vg_store_outbox_count(vg_store *s);
/* Deletes history events older than cutoff_ms and the outbox entries done before it (the
 * daemon's retention); returns how many rows went, or a negative VG_ERR_*. */
int vg_store_alert_expire(vg_store *s, int64_t cutoff_ms, vg_error *err);


/* ---- audit log (audit.c): entries chained by SHA-256 ----
 * Each entry's hash covers (seq, ts_ms, actor, remote, action, target, detail, prev_hash) in the
 * canonical encoding of docs/security.md; prev_hash is the previous entry's hash (the first
 * entry's is vg_store_audit_genesis, 64 zeros); hashes are lowercase hex. seq counts from 1
 * without gaps. Strings are never NULL in an entry read back ("" for none). */
#define VG_STORE_HASH_HEX 64
extern const char vg_store_audit_genesis[VG_STORE_HASH_HEX + 1];
typedef struct vg_store_audit_entry {
    int64_t seq, ts_ms;
    char *actor, *remote, *action, *target, *detail;
    char *prev_hash, *hash;
} vg_store_audit_entry;
/* The lowercase hex SHA-256 of e's canonical encoding (e->hash is not read; NULL strings count
 * as ""). */
int vg_store_audit_hash(const vg_store_audit_entry *e, char out[VG_STORE_HASH_HEX + 1],
                        vg_error *err);
/* Appends one entry stamped now: reads the head and inserts the next entry in one write
 * transaction, so concurrent appends extend one linear chain. NULL actor, remote, target or
 * detail are stored as "". *seq_out and hash_out (each may be NULL) receive the new entry's. */
int vg_store_audit_append(vg_store *s, const char *actor, const char *remote, const char *action,
                          const char *target, const char *detail, int64_t *seq_out,
                          char hash_out[VG_STORE_HASH_HEX + 1], vg_error *err);
/* Entries with seq > after_seq, oldest first, at most limit (0: all); free with
 * vg_store_audit_free. */
int vg_store_audit_list(vg_store *s, int64_t after_seq, size_t limit, vg_store_audit_entry **out,
                        size_t *n, vg_error *err);
void vg_store_audit_free(vg_store_audit_entry *v, size_t n);
void vg_store_audit_entry_clear(vg_store_audit_entry *e); /* frees the strings of one entry */
/* The export format of one entry (GET /v1/audit, NDJSON lines): a compact JSON object with seq,
 * ts_ms, time (RFC 3339, derived from ts_ms, not hashed), actor, remote, action, target, detail
 * (the exact string hashed), prev_hash and hash. malloc'd; NULL with err set when a string is
 * not valid UTF-8 (a row edited behind vigia's back) or out of memory. */
char *vg_store_audit_entry_json(const vg_store_audit_entry *e, vg_error *err);
/* The inverse, for one NDJSON line: errors name the field. Free with vg_store_audit_entry_clear. */
int vg_store_audit_entry_parse(const char *text, size_t len, vg_store_audit_entry *out,
                               vg_error *err);
/* ts_ms as RFC 3339 UTC with milliseconds ("2026-12-03T21:51:59.123Z"). */
void vg_store_audit_time(int64_t ts_ms, char buf[32]);
/* The last entry's seq and hash (0 and the genesis value when empty) and the number of rows
 * (count may be NULL). */
int vg_store_audit_head(vg_store *s, int64_t *seq, char hash[VG_STORE_HASH_HEX + 1],
                        uint64_t *count, vg_error *err);

/* The verification walk: feed entries in chain order; the first broken one is recorded (its
 * position from 1, seq, time and why) and the walk stops. Intact so far: n entries, head_seq and
 * head (the last hash). */
typedef struct vg_store_audit_check {
    uint64_t n;
    int64_t head_seq;
    char head[VG_STORE_HASH_HEX + 1];
    int broken;
    uint64_t bad_pos;
    int64_t bad_seq, bad_ts_ms, expected_seq;
    const char *why; /* static: "hash mismatch: ...", "prev_hash mismatch: ...", "seq gap: ..." */
} vg_store_audit_check;
void vg_store_audit_check_init(vg_store_audit_check *c);
/* 0 while intact; 1 once broken (this entry or an earlier one). */
int vg_store_audit_check_next(vg_store_audit_check *c, const vg_store_audit_entry *e);
/* The whole chain of an open store; a broken chain is VG_OK with c->broken set (errors are I/O). */
int vg_store_audit_verify(vg_store *s, vg_store_audit_check *c, vg_error *err);
/* Read-only access to DIR/vigia.db for the CLI: no lock on DIR, so it works while a daemon
 * holds the directory (a WAL reader sees every committed entry and blocks nobody). */
typedef struct vg_store_audit_reader vg_store_audit_reader;
int vg_store_audit_open(const char *dir, vg_store_audit_reader **out, vg_error *err);
void vg_store_audit_close(vg_store_audit_reader *r);
int vg_store_audit_reader_list(vg_store_audit_reader *r, int64_t after_seq, size_t limit,
                               vg_store_audit_entry **out, size_t *n, vg_error *err);
int vg_store_audit_reader_verify(vg_store_audit_reader *r, vg_store_audit_check *c,
                                 vg_error *err);

#endif
