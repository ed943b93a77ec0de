/*
 * Internals of src/monitor/: the JSON scanner the record parser uses, the batch of validated
 * records, the monitor's windows and label-join map, and the report builder. One header so
 * that each file stays one concern: spec.c (model spec, durations, timestamps), jscan.c (a
 * zero-allocation JSON tokenizer), record.c (record validation, batch codec), monitor.c
 * (windows, join, lifecycle), report.c (window report and metric samples).
 */
#ifndef VG_MONITOR_INTERNAL_H
#define VG_MONITOR_INTERNAL_H

#include <jansson.h>
#include <stdatomic.h>

#include <stddef.h>
#include <stdint.h>

#include "../pii/sha256.h"
#include "vigia/monitor.h"

/* ---- JSON scanner (jscan.c) ------------------------------------------------------------------ */

enum { JT_NULL = 0, JT_FALSE, JT_TRUE, JT_NUMBER, JT_STRING, JT_ARRAY, JT_OBJECT };

/* One value. Strings: the bytes between the quotes (escaped when `escaped`); numbers: their
 * text. Arrays and objects: `size` members (an object member is a key token followed by its
 * value's tokens); `next` is the index of the token after the whole subtree. */
typedef struct jtok {
    uint8_t type;
    uint8_t escaped;
    uint32_t start, len;
    uint32_t size;
    uint32_t next;
} jtok;

typedef struct jscan {
    jtok *tok;
    size_t n, cap;
} jscan;

#define JS_MAX_DEPTH 64 /* nesting of arrays and objects: the scanner recurses */

void js_free(jscan *s);
/* Parses one JSON value of buf starting at *pos (leading white space skipped) into s->tok
 * (replacing its contents) and advances *pos past it. On a syntax error returns VG_ERR_PARSE
 * with *pos at the offending byte; VG_ERR_LIMIT (*pos likewise) for values nested deeper than
 * JS_MAX_DEPTH. */
int js_parse(jscan *s, const char *buf, size_t len, size_t *pos);
/* The decoded bytes of string token t into dst (room for t->len bytes); returns the length, or
 * (size_t)-1 for an invalid escape. */
size_t js_unescape(const char *buf, const jtok *t, char *dst);
/* "line L, column C" of byte offset pos (1-based). */
void js_where(const char *buf, size_t len, size_t pos, uint64_t *line, uint64_t *col);

/* ---- batches (record.c) ---------------------------------------------------------------------- */

enum { PK_NONE = 0, PK_SCORE, PK_CLASS, PK_VALUE }; /* prediction kinds */

/* A text in a batch's (or a window's) arena. */
typedef struct mtext {
    uint32_t off, len;
    uint8_t present;
} mtext;

/* PII found in one value of a record (record.c): the field (a feature index, or n_features for
 * the record id), the kind and how many matches. A record's entries are npii from pii0 in its
 * batch's list. */
typedef struct mpii {
    uint32_t field;
    uint32_t count;
    uint8_t kind;
} mpii;

/* Fields a PII count is kept for: the features, then the record id. */
static inline size_t mpii_slots(size_t n_features) {
    return (n_features + 1) * VG_PII_N_KINDS;
}

/* One validated record. Texts live in the batch arena; cells are n_features mtexts (then
 * mspec_n_proba probabilities) from batch.cells[cell0]. */
typedef struct mrec {
    mtext id;
    int64_t ts_ms;
    int64_t wkey; /* window, assigned by apply; MREC_UNASSIGNED before */
    uint8_t pred_kind;
    uint8_t skip;       /* replay: the record's window is closed */
    uint8_t ts_arrival; /* no "timestamp": ts_ms is the arrival time (vg_monitor_batch_restamp) */
    mtext pred;         /* prediction text (number as written, or the class) */
    mtext label;
    uint32_t cell0;
    uint32_t pii0, npii; /* its PII findings in batch.pii */
    /* where parse found it, for vg_monitor_recheck's rejects (not encoded: a decoded batch
     * numbers its records 0.. and has no raw text) */
    size_t index;            /* position in the body */
    size_t raw_off, raw_len; /* its text in the body (batch.src) */
} mrec;

#define MREC_UNASSIGNED INT64_MIN

struct vg_monitor_batch {
    int labels; /* a batch of the labels endpoint */
    size_t n_features;
    size_t n, cap;
    mrec *rec;
    size_t ncells, cells_cap;
    mtext *cells;
    int64_t now_ms;  /* arrival time (label TTLs) */
    const char *src; /* the body parsed (borrowed: recheck reads rejected records' text), or NULL */
    char *arena;
    size_t alen, acap;
    mpii *pii; /* PII findings of the records kept (mrec.pii0) */
    size_t npii, pii_cap;
    uint64_t *pii_seen; /* parse: findings of every record read, rejected ones included, by
                         * field and kind (mpii_slots); added to the monitor's totals when the
                         * body parses; NULL when the policy is off or for a decoded batch */
};

/* ---- the monitor (monitor.c) ----------------------------------------------------------------- */

/* A model row: what the metrics need of one prediction. Texts in the window arena; its extras
 * are mspec_n_ext mtexts from window.ext[row * n_ext]: the sensitive values, then the
 * probabilities. */
typedef struct mrow {
    mtext id, pred, label;
    uint8_t pred_kind;
} mrow;

typedef struct mwin {
    int64_t key, start_ms, end_ms;
    uint32_t revision;
    uint64_t rows, labelled;
    uint64_t min_seq, max_seq;
    uint64_t label_seq; /* closed: smallest seq of labels not yet handed over (UINT64_MAX) */
    int closed;
    int dirty;             /* closed and changed by late labels since the last take_windows */
    int pending;           /* to hand over at the next take_windows */
    int revision_emitted;  /* handed over at least once: late labels bump the revision */
    int inflight;          /* taken as a job, its persistence not yet confirmed (window_done) */
    uint32_t inflight_rev; /* the revision of that job */
    uint64_t hold_seq;     /* inflight: the smallest journal seq it still needs (min_open_seq) */
    int64_t closed_wall_ms;
    vg_profile *profile; /* open: features + prediction (label column empty); closed: final */
    /* closed and not the newest: the profile encoded instead (about 5x smaller), decoded when a
     * report needs it (a revision, or the previous of a window) */
    unsigned char *pblob;
    size_t pblob_len;
    size_t nrows, rows_cap;
    mrow *row;
    mtext *ext; /* per model row: the sensitive values, then the probabilities (mspec_n_ext) */
    char *arena;
    size_t alen, acap;
    char *report;
    size_t n_metrics;
    vg_metric_sample *metrics;
    uint64_t *pii;        /* PII findings by field and kind (mpii_slots), NULL while none */
    uint64_t pii_records; /* records with at least one finding */
    struct mint_win *integ; /* integrity signals (integrity.c); NULL when disabled */
} mwin;

/* The label-join map: a ring of entries in insertion order (so the oldest is evicted first and
 * TTLs expire from the head), indexed by an open-addressing table of ring positions. */
enum { JE_PRED = 1, JE_WAIT = 2 };

/* A prediction's id is not copied: it is read from its window's model row (wkey, row). A
 * waiting label owns its id and label text (wbuf). */
typedef struct jent {
    uint64_t hash;
    int64_t expires_ms;
    int64_t wkey;      /* JE_PRED: the window */
    uint64_t wait_seq; /* JE_WAIT: journal seq of the label */
    char *wbuf;        /* JE_WAIT: the id, then the label (owned) */
    uint32_t row;      /* JE_PRED: the model row */
    uint32_t id_len, label_len;
    uint8_t state;
} jent;

typedef struct jmap {
    jent *ring;
    size_t cap, head, count, max;
    uint64_t *slots; /* ring position + 1, high 32 bits of the hash above; 0 = empty */
    size_t nslots;
    size_t n_wait;
    size_t wait_scan; /* entries [head, head + wait_scan) are known not to wait */
} jmap;

/* The reference, shared by the monitor and the window jobs that compute reports outside the
 * caller's lock (vg_window_job): immutable once made, freed by the last of its holders. */
typedef struct mref {
    atomic_int refs;
    vg_profile *profile;
    struct vg_eval_data *eval; /* reference prediction + label rows (CBPE), may be NULL */
    char note[200];            /* why eval is NULL */
} mref;

struct vg_monitor {
    vg_model_spec *spec;
    mref *ref; /* NULL until a reference is set */
    /* The last closed window: written by advance and restore (under the caller's lock), read
     * by parse too, which may run concurrently without that lock (vg_monitor.h): atomic, and
     * accessed through mon_closed_key / mon_set_closed only. */
    _Atomic int has_closed;
    _Atomic int64_t last_closed_key;
    int has_watermark;
    uint64_t count_ordinal; /* count windows: records assigned so far */
    mwin **open;            /* open windows, by key */
    size_t n_open, open_cap;
    mwin **closed; /* closed windows kept in memory (late labels, previous), by key */
    size_t n_closed, closed_cap;
    jmap join;
    vg_monitor_stats st;
    vg_metric_sample *last;
    size_t n_last;
    uint64_t wait_min_seq; /* smallest seq of a waiting label, UINT64_MAX */
    int *sens_idx;         /* feature index of each sensitive feature */
    /* PII: the redaction key (vg_monitor_set_pii_key), set before any parse and read by parse
     * without the lock; findings since creation by field and kind (mpii_slots; NULL when the
     * policy is off), added to by parse, which runs concurrently: atomic */
    int has_pii_key;
    vg_hmac_key pii_key;
    _Atomic uint64_t *pii_total;
    struct mint_ref *iref; /* the reference as integrity.c scores records against it */
    const char **run_data; /* apply's scratch: a block of cells for vg_profile_add_batch */
    size_t *run_len;
};

/* The key of the last closed window into *key and 1, or 0 when no window closed yet. Safe
 * without the caller's lock: the key is published before the flag, so a reader that sees the
 * flag sees a key that was really the last closed one at some point (keys only grow). */
static inline int mon_closed_key(const vg_monitor *m, int64_t *key) {
    if (!atomic_load_explicit(&m->has_closed, memory_order_acquire))
        return 0;
    *key = atomic_load_explicit(&m->last_closed_key, memory_order_relaxed);
    return 1;
}
static inline void mon_set_closed(vg_monitor *m, int64_t key) {
    atomic_store_explicit(&m->last_closed_key, key, memory_order_relaxed);
    atomic_store_explicit(&m->has_closed, 1, memory_order_release);
}

/* Shared with erase.c (monitor.c defines them): the smallest seq of a waiting label
 * recomputed, and the rows blob codec. */
void mjoin_update_wait_min(vg_monitor *m);
int mrows_encode(const vg_model_spec *s, const mwin *w, unsigned char **out, size_t *len);
int mrows_decode(const vg_model_spec *s, mwin *w, const unsigned char *d, size_t len,
                 vg_error *err);

/* Window key of event time ts (time windows). */
int64_t mwin_key(const vg_model_spec *s, int64_t ts);

/* ---- report (report.c) ----------------------------------------------------------------------- */

typedef struct vg_eval_data vg_eval_data;

/* Everything the report of a window needs from the monitor. */
typedef struct mreport_in {
    const vg_model_spec *spec;
    const vg_profile *reference;  /* may be NULL */
    const vg_eval_data *ref_eval; /* reference rows with prediction and label, may be NULL */
    const char *ref_eval_note;    /* why ref_eval is NULL */
    const mwin *prev;             /* previous closed window, may be NULL */
    const mwin *w;                /* its profile holds the label column */
} mreport_in;

/* The report JSON (malloc'd) and metric samples (malloc'd array) of a window. */
int mreport_build(const mreport_in *in, char **json, vg_metric_sample **metrics, size_t *n_metrics,
                  vg_error *err);

/* Appends a metric sample; label values are escaped for the exposition format. */
typedef struct msamples {
    size_t n, cap;
    vg_metric_sample *s;
    int oom;
} msamples;
void msamples_add(msamples *m, const char *name, double value, int nlabels, ...);

/* ---- integrity signals (integrity.c) -------------------------------------------------------- */

typedef struct mint_ref mint_ref; /* the reference, prepared for scoring records */
typedef struct mint_win mint_win; /* one window's state, then its summary */

/* ref may be NULL (no reference: no OOD scoring, numeric values quantized on a relative grid).
 * The result points into ref's value tables: free it before ref. */
mint_ref *mint_ref_new(const vg_model_spec *s, const vg_profile *ref, vg_error *err);
void mint_ref_free(mint_ref *r);
mint_win *mint_win_new(const vg_model_spec *s); /* NULL on NOMEM */
void mint_win_free(mint_win *w);
/* Adds one record (its n_features cells, texts in arena). VG_ERR_NOMEM only. */
int mint_add(const vg_model_spec *s, const mint_ref *r, mint_win *w, const char *arena,
             const mtext *cells);
/* Summarizes the window and frees its tables (once closed, the state is a few counters). */
void mint_close(mint_win *w);
mint_win *mint_win_clone(const mint_win *w); /* of a closed one; NULL on NOMEM */
/* A closed window restored after a restart: its integrity samples (those of ms, else those of
 * the "integrity" section of report, which may be NULL), carried to its revisions. */
mint_win *mint_win_restored(const vg_model_spec *s, const vg_metric_sample *ms, size_t n,
                            const char *report);
/* Appends the samples of a closed window to ms and its keys to o (the report's "integrity"). */
void mint_samples(const vg_model_spec *s, const mint_win *w, msamples *ms, json_t *o, int *oom);
/* Jensen-Shannon distance between the previous window's predictions and this window's: class
 * shares, or 20 bins cut at the reference's prediction quantiles (the previous window's without
 * one). VG_ERR_INVALID with a note when not computable. */
int mint_prediction_shift(const vg_profile *ref, const vg_profile *prev, const vg_profile *cur,
                          double *out, char *note, size_t note_size);

/* ---- spec (spec.c) --------------------------------------------------------------------------- */

vg_model_spec *mspec_copy(const vg_model_spec *s);
/* Probabilities kept per prediction: one per declared class of a multiclass task, else 0. */
size_t mspec_n_proba(const vg_model_spec *s);
/* Extra texts per model row: n_sensitive + mspec_n_proba. */
size_t mspec_n_ext(const vg_model_spec *s);
int mspec_feature(const vg_model_spec *s, const char *name, size_t len); /* index or -1 */
/* RFC 3339 text of ms (UTC, milliseconds when not whole seconds). */
void mfmt_time(int64_t ms, char *buf, size_t n);

/* ---- PII (pii.c) ---------------------------------------------------------------------------- */

#define MPII_TOKEN_MAX 32    /* "pii:<kind>:<16 hex>" and its NUL */
#define MPII_ID_FIELD "(id)" /* the feature label of the record id's findings */

/* "e-mail address", "payment card number", ...: the words of a reject reason. */
const char *mpii_kind_words(vg_pii_kind k);
/* 0 when s[0..n) cannot hold a match of any kind (too few digits, no '@', no capital): the
 * scan is skipped. */
int mpii_may_match(const char *s, size_t n);
/* The matches of the spec's detectors in s[0..n): in buf when at most cap, else in a malloc'd
 * array (*out != buf: the caller frees it); (size_t)-1 when out of memory. */
size_t mpii_find(const vg_model_spec *sp, const char *s, size_t n, vg_pii_match *buf, size_t cap,
                 vg_pii_match **out);
/* The token of one match into out (MPII_TOKEN_MAX bytes): "pii:<kind>:<16 hex>", or "pii:<kind>"
 * without a key. Returns its length. */
size_t mpii_token(const vg_monitor *m, vg_pii_kind kind, const char *s, size_t n, char *out);
/* s[0..n) with the k matches mm replaced by their tokens: *out malloc'd and NUL-terminated. */
int mpii_mask(const vg_monitor *m, const char *s, size_t n, const vg_pii_match *mm, size_t k,
              char **out, size_t *out_len);
/* The same, scanning s itself: malloc'd, NULL when out of memory. */
char *mpii_mask_text(const vg_monitor *m, const char *s, size_t n, size_t *out_len);
/* A rejected record's text for the dead letters with every string, key and integer masked;
 * malloc'd compact JSON (or masked text when it is not JSON), NULL when out of memory. */
char *mpii_mask_record(const vg_monitor *m, const char *raw, size_t len);
/* Adds record r's findings to window w. */
int mpii_window_add(mwin *w, size_t n_features, const vg_monitor_batch *b, const mrec *r);
/* Adds a parsed body's findings to the monitor's totals. */
void mpii_seen_publish(const vg_monitor *m, const uint64_t *seen);
/* The report's "pii" section, with the samples pii_records_share and pii_findings{feature,kind}. */
typedef struct json_t json_t;
json_t *mpii_report(const vg_model_spec *s, const mwin *w, msamples *ms);

#endif
