/*
 * The monitor of one model: windows, the label join, and the life of a window from its first
 * record to its hand-over.
 *
 * A record goes to the window of its key (time windows: floor(ts / duration) * duration; count
 * windows: its ordinal / count) and is added to that window's profile at once (features and
 * prediction), so an open window costs a profile, not its rows; only the few values the model
 * metrics need are kept per record (a model row: id, prediction, label, sensitive values).
 * The "label" column of the profile is filled when the window closes, from the labels its
 * rows have by then: a profile cannot take a value back, and labels arrive after predictions.
 *
 * Windows close in key order: when the watermark (the largest event time seen) reaches the
 * end plus the lateness, when full (count windows), or on flush. A closed window keeps its
 * profile and model rows in memory so that late labels can still reach it: its model section is
 * then recomputed and the window is handed over again with revision + 1. Its drift and quality
 * sections keep the label column of the first close. Kept closed windows are bounded too: at most
 * KEEP_CLOSED, at most max_join model rows in all, none past the label TTL.
 *
 * A closed window is handed over as a job (vg_monitor_take_jobs): copies of its profile and
 * model rows, of the previous window's profile, and a counted reference to the reference, so
 * that the report is computed without the caller's lock and even if the monitor changes or is
 * freed meanwhile. Until the caller confirms the window persisted (vg_monitor_window_done), the
 * window stays in memory as "in flight" and holds its journal records (min_open_seq).
 *
 * Labels join predictions through a map of ids (internal.h: jmap) of at most spec.max_join
 * entries: a ring in arrival order, so that the oldest entry is evicted first and TTLs expire
 * from the head. A label whose prediction has not arrived waits there; a prediction arriving
 * later picks it up; a waiting label that expires or is evicted counts as unmatched.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "../base/bytes.h"
#include "../base/hash.h"
#include "internal.h"
#include "vigia/ingest.h"

#define KEEP_CLOSED 32 /* closed windows kept in memory for late labels */
#define RUN_MAX 1024   /* rows added to a profile in one block */

/* ---- windows --------------------------------------------------------------------------------- */

static void win_free(mwin *w) {
    if (!w)
        return;
    vg_profile_free(w->profile);
    free(w->pblob);
    free(w->row);
    free(w->ext);
    free(w->arena);
    free(w->report);
    free(w->metrics);
    free(w->pii);
    mint_win_free(w->integ);
    free(w);
}

static int win_put(mwin *w, const char *s, size_t n, mtext *t) {
    if (w->alen + n > w->acap) {
        size_t cap = w->acap ? w->acap : 1024;
        while (cap < w->alen + n)
            cap *= 2;
        if (cap > UINT32_MAX)
            return VG_ERR_LIMIT;
        char *a = realloc(w->arena, cap);
        if (!a)
            return VG_ERR_NOMEM;
        w->arena = a;
        w->acap = cap;
    }
    memcpy(w->arena + w->alen, s, n);
    t->off = (uint32_t)w->alen;
    t->len = (uint32_t)n;
    t->present = 1;
    w->alen += n;
    return VG_OK;
}

static int win_grow_rows(mwin *w, size_t n_ext) {
    if (w->nrows < w->rows_cap)
        return VG_OK;
    size_t cap = w->rows_cap ? w->rows_cap * 2 : 256;
    mrow *r = realloc(w->row, cap * sizeof *r);
    if (!r)
        return VG_ERR_NOMEM;
    w->row = r;
    if (n_ext) {
        mtext *s = realloc(w->ext, cap * n_ext * sizeof *s);
        if (!s)
            return VG_ERR_NOMEM;
        w->ext = s;
    }
    w->rows_cap = cap;
    return VG_OK;
}

/* A profile with the spec's columns: features, "prediction", "label". */
static vg_profile *new_profile(const vg_model_spec *s, vg_error *err) {
    vg_profile *p = vg_profile_new(NULL, err);
    if (!p)
        return NULL;
    for (size_t j = 0; j < s->n_features; j++)
        if (vg_profile_add_column(p, s->features[j].name, strlen(s->features[j].name), err) < 0)
            goto fail;
    if (vg_profile_add_column(p, "prediction", 10, err) < 0 ||
        vg_profile_add_column(p, "label", 5, err) < 0)
        goto fail;
    return p;
fail:
    vg_profile_free(p);
    return NULL;
}

static vg_profile *clone_profile(const vg_profile *p, vg_error *err) {
    unsigned char *buf;
    size_t len;
    if (vg_profile_encode(p, &buf, &len, err) != VG_OK)
        return NULL;
    vg_profile *c = vg_profile_decode(buf, len, "window profile", err);
    free(buf);
    return c;
}

/* ---- the shared reference ---------------------------------------------------------------- */

static mref *mref_new(vg_profile *p, vg_eval_data *ev, const char *note) {
    mref *r = calloc(1, sizeof *r);
    if (!r)
        return NULL;
    atomic_init(&r->refs, 1);
    r->profile = p;
    r->eval = ev;
    snprintf(r->note, sizeof r->note, "%s", note);
    return r;
}

static mref *mref_hold(mref *r) {
    if (r)
        atomic_fetch_add(&r->refs, 1);
    return r;
}

static void mref_drop(mref *r) {
    if (!r || atomic_fetch_sub(&r->refs, 1) != 1)
        return;
    vg_profile_free(r->profile);
    vg_eval_data_free(r->eval);
    free(r);
}

/* The report's view of the reference (none: NULLs and the note). */
static void ref_in(const mref *r, mreport_in *in) {
    in->reference = r ? r->profile : NULL;
    in->ref_eval = r ? r->eval : NULL;
    in->ref_eval_note = r ? r->note : "no reference";
}

static mwin *win_new(const vg_model_spec *s, int64_t key, vg_error *err) {
    mwin *w = calloc(1, sizeof *w);
    if (!w) {
        vg_error_set(err, VG_ERR_NOMEM, "out of memory");
        return NULL;
    }
    w->key = key;
    w->min_seq = UINT64_MAX;
    w->label_seq = UINT64_MAX;
    if (s->window_count == 0) {
        w->start_ms = key;
        w->end_ms = key + s->window_ms;
    } else {
        w->start_ms = INT64_MAX;
        w->end_ms = INT64_MIN;
    }
    if (!(w->profile = new_profile(s, err))) {
        free(w);
        return NULL;
    }
    if (s->integrity.enabled && !(w->integ = mint_win_new(s))) {
        win_free(w);
        vg_error_set(err, VG_ERR_NOMEM, "out of memory");
        return NULL;
    }
    return w;
}

/* Finds a window (open or kept closed) by key. */
static mwin *find_window(vg_monitor *m, int64_t key) {
    for (size_t i = 0; i < m->n_open; i++)
        if (m->open[i]->key == key)
            return m->open[i];
    for (size_t i = m->n_closed; i-- > 0;)
        if (m->closed[i]->key == key)
            return m->closed[i];
    return NULL;
}

static int push_win(mwin ***arr, size_t *n, size_t *cap, mwin *w) {
    if (*n == *cap) {
        size_t nc = *cap ? *cap * 2 : 8;
        mwin **a = realloc(*arr, nc * sizeof *a);
        if (!a)
            return VG_ERR_NOMEM;
        *arr = a;
        *cap = nc;
    }
    /* keep key order */
    size_t i = *n;
    while (i > 0 && (*arr)[i - 1]->key > w->key) {
        (*arr)[i] = (*arr)[i - 1];
        i--;
    }
    (*arr)[i] = w;
    (*n)++;
    return VG_OK;
}

static mwin *open_window(vg_monitor *m, int64_t key, vg_error *err) {
    for (size_t i = 0; i < m->n_open; i++)
        if (m->open[i]->key == key)
            return m->open[i];
    mwin *w = win_new(m->spec, key, err);
    if (!w)
        return NULL;
    if (push_win(&m->open, &m->n_open, &m->open_cap, w) != VG_OK) {
        win_free(w);
        vg_error_set(err, VG_ERR_NOMEM, "out of memory");
        return NULL;
    }
    return w;
}

/* ---- the join map ---------------------------------------------------------------------------- */

static void jent_clear(jent *e) {
    free(e->wbuf);
    memset(e, 0, sizeof *e);
}

static size_t ring_pos(const jmap *j, size_t i) {
    size_t p = j->head + i;
    return p >= j->cap ? p - j->cap : p;
}

/* A slot holds the ring position + 1 in its low 32 bits and the high 32 bits of the id's hash
 * above, so that a probe rejects other ids without touching the ring. */
static uint64_t slot_make(uint64_t h, size_t pos) {
    return (h & 0xffffffff00000000ULL) | (uint64_t)(pos + 1);
}

static size_t slot_pos(uint64_t slot) {
    return (size_t)(slot & 0xffffffffu) - 1;
}

/* Whether entry e holds this id. A prediction's id is read from its window's model row; when
 * that window has left memory, the 64-bit hash alone decides. */
static int jent_is(vg_monitor *m, const jent *e, uint64_t h, const char *id, size_t len) {
    if (e->hash != h || e->id_len != len)
        return 0;
    if (e->state == JE_WAIT)
        return memcmp(e->wbuf, id, len) == 0;
    const mwin *w = find_window(m, e->wkey);
    if (!w || e->row >= w->nrows)
        return 1;
    return memcmp(w->arena + w->row[e->row].id.off, id, len) == 0;
}

/* The slot of id, or (*found = 0) the empty slot where it would go. */
static size_t slot_find(vg_monitor *m, uint64_t h, const char *id, size_t len, int *found) {
    jmap *j = &m->join;
    size_t mask = j->nslots - 1, s = (size_t)h & mask;
    uint64_t tag = h & 0xffffffff00000000ULL;
    while (j->slots[s]) {
        if ((j->slots[s] & 0xffffffff00000000ULL) == tag &&
            jent_is(m, &j->ring[slot_pos(j->slots[s])], h, id, len)) {
            *found = 1;
            return s;
        }
        s = (s + 1) & mask;
    }
    *found = 0;
    return s;
}

/* Removes the slot of ring position pos by backward-shift deletion (linear probing keeps no
 * tombstones). */
static void slot_remove(jmap *j, uint64_t h, size_t pos) {
    size_t mask = j->nslots - 1, s = (size_t)h & mask;
    while (j->slots[s] && slot_pos(j->slots[s]) != pos)
        s = (s + 1) & mask;
    if (!j->slots[s])
        return;
    j->slots[s] = 0;
    size_t i = (s + 1) & mask;
    while (j->slots[i]) {
        size_t home = (size_t)j->ring[slot_pos(j->slots[i])].hash & mask;
        /* the entry at i may move to s if its home is not within (s, i] */
        if (((i - home) & mask) >= ((i - s) & mask)) {
            j->slots[s] = j->slots[i];
            j->slots[i] = 0;
            s = i;
        }
        i = (i + 1) & mask;
    }
}

static int rebuild_slots(jmap *j, size_t nslots) {
    uint64_t *sl = calloc(nslots, sizeof *sl);
    if (!sl)
        return VG_ERR_NOMEM;
    free(j->slots);
    j->slots = sl;
    j->nslots = nslots;
    for (size_t i = 0; i < j->count; i++) {
        size_t p = ring_pos(j, i);
        size_t s = (size_t)j->ring[p].hash & (nslots - 1);
        while (sl[s])
            s = (s + 1) & (nslots - 1);
        sl[s] = slot_make(j->ring[p].hash, p);
    }
    return VG_OK;
}

/* Drops the oldest entry; counts an expired waiting label as unmatched. */
static void pop_head(vg_monitor *m) {
    jmap *j = &m->join;
    jent *e = &j->ring[j->head];
    slot_remove(j, e->hash, j->head);
    if (e->state == JE_WAIT) {
        m->st.labels_unmatched++;
        j->n_wait--;
    }
    jent_clear(e);
    j->head = j->head + 1 == j->cap ? 0 : j->head + 1;
    j->count--;
    if (j->wait_scan)
        j->wait_scan--;
}

/* A new entry for an id not in the map, at the tail (evicting the oldest when full); `slot` is
 * where slot_find said it would go. NULL on NOMEM. */
static jent *join_insert(vg_monitor *m, uint64_t h, const char *id, size_t len, size_t slot) {
    jmap *j = &m->join;
    int moved = 0;
    if (j->count == j->cap && j->cap < j->max) {
        size_t cap = j->cap ? j->cap * 2 : 1024;
        if (cap > j->max)
            cap = j->max;
        jent *r = malloc(cap * sizeof *r);
        if (!r)
            return NULL;
        for (size_t i = 0; i < j->count; i++)
            r[i] = j->ring[ring_pos(j, i)];
        free(j->ring);
        j->ring = r;
        j->cap = cap;
        j->head = 0;
        size_t ns = 16;
        while (ns < cap * 2)
            ns *= 2;
        if (rebuild_slots(j, ns) != VG_OK)
            return NULL;
        moved = 1;
    }
    if (j->count == j->cap) {
        pop_head(m);
        moved = 1;
    }
    if (moved) {
        int found;
        slot = slot_find(m, h, id, len, &found);
    }
    size_t p = ring_pos(j, j->count);
    jent *e = &j->ring[p];
    memset(e, 0, sizeof *e);
    e->hash = h;
    e->id_len = (uint32_t)len;
    j->slots[slot] = slot_make(h, p);
    j->count++;
    return e;
}

/* The entry of id, or NULL with *slot where it would go. */
static jent *join_find(vg_monitor *m, uint64_t h, const char *id, size_t len, size_t *slot) {
    jmap *j = &m->join;
    if (!j->nslots && rebuild_slots(j, 16) != VG_OK)
        return NULL;
    int found;
    size_t s = slot_find(m, h, id, len, &found);
    *slot = s;
    return found ? &j->ring[slot_pos(j->slots[s])] : NULL;
}

void mjoin_update_wait_min(vg_monitor *m) {
    jmap *j = &m->join;
    if (j->n_wait == 0) {
        m->wait_min_seq = UINT64_MAX;
        return;
    }
    while (j->wait_scan < j->count && j->ring[ring_pos(j, j->wait_scan)].state != JE_WAIT)
        j->wait_scan++;
    m->wait_min_seq =
        j->wait_scan < j->count ? j->ring[ring_pos(j, j->wait_scan)].wait_seq : UINT64_MAX;
}

/* ---- lifecycle ------------------------------------------------------------------------------- */

vg_monitor *vg_monitor_new(const vg_model_spec *spec, vg_error *err) {
    vg_monitor *m = calloc(1, sizeof *m);
    if (!m || !(m->spec = mspec_copy(spec))) {
        free(m);
        vg_error_set(err, VG_ERR_NOMEM, "out of memory");
        return NULL;
    }
    if (m->spec->window_count == 0 && m->spec->window_ms <= 0) {
        vg_monitor_free(m);
        vg_error_set(err, VG_ERR_INVALID, "model spec: window.duration must be positive");
        return NULL;
    }
    m->join.max = spec->max_join ? spec->max_join : VG_MONITOR_DEFAULT_MAX_JOIN;
    if (m->spec->n_sensitive) {
        if (!(m->sens_idx = malloc(m->spec->n_sensitive * sizeof *m->sens_idx))) {
            vg_monitor_free(m);
            vg_error_set(err, VG_ERR_NOMEM, "out of memory");
            return NULL;
        }
        for (size_t k = 0; k < m->spec->n_sensitive; k++)
            m->sens_idx[k] =
                mspec_feature(m->spec, m->spec->sensitive[k], strlen(m->spec->sensitive[k]));
    }
    m->wait_min_seq = UINT64_MAX;
    if (m->spec->pii_policy != VG_PII_POLICY_OFF &&
        !(m->pii_total = calloc(mpii_slots(m->spec->n_features), sizeof *m->pii_total))) {
        vg_monitor_free(m);
        vg_error_set(err, VG_ERR_NOMEM, "out of memory");
        return NULL;
    }
    return m;
}

void vg_monitor_free(vg_monitor *m) {
    if (!m)
        return;
    for (size_t i = 0; i < m->n_open; i++)
        win_free(m->open[i]);
    for (size_t i = 0; i < m->n_closed; i++)
        win_free(m->closed[i]);
    free(m->open);
    free(m->closed);
    for (size_t i = 0; i < m->join.count; i++)
        jent_clear(&m->join.ring[ring_pos(&m->join, i)]);
    free(m->join.ring);
    free(m->join.slots);
    mint_ref_free(m->iref); /* points into the reference: first */
    mref_drop(m->ref);
    free(m->last);
    free(m->run_data);
    free(m->run_len);
    free(m->sens_idx);
    free((void *)m->pii_total);
    /* the key's states are as good as the key: not left in freed memory */
    memset(&m->pii_key, 0, sizeof m->pii_key);
    vg_model_spec_free(m->spec);
    free(m);
}

const vg_model_spec *vg_monitor_spec(const vg_monitor *m) {
    return m->spec;
}

const vg_profile *vg_monitor_reference(const vg_monitor *m) {
    return m->ref ? m->ref->profile : NULL;
}

static int has_feature_column(const vg_monitor *m, const vg_profile *p) {
    for (size_t j = 0; j < m->spec->n_features; j++)
        if (vg_profile_find_column(p, m->spec->features[j].name,
                                   strlen(m->spec->features[j].name)) >= 0)
            return 1;
    return 0;
}

/* The integrity scoring of records follows the reference (built before the old one goes: it
 * points into its profile). */
static int set_integrity_ref(vg_monitor *m, const mref *r, vg_error *err) {
    if (!m->spec->integrity.enabled)
        return VG_OK;
    mint_ref *ir = mint_ref_new(m->spec, r ? r->profile : NULL, err);
    if (!ir)
        return err ? err->code : VG_ERR_NOMEM;
    mint_ref_free(m->iref);
    m->iref = ir;
    return VG_OK;
}

int vg_monitor_set_reference_profile(vg_monitor *m, const vg_profile *p, vg_error *err) {
    if (!has_feature_column(m, p))
        return vg_error_set(err, VG_ERR_INVALID,
                            "the reference has none of the model's feature columns");
    vg_profile *c = clone_profile(p, err);
    if (!c)
        return err ? err->code : VG_ERR_NOMEM;
    mref *r = mref_new(c, NULL, "the reference is a profile: the estimate needs its rows");
    if (!r) {
        vg_profile_free(c);
        return vg_error_set(err, VG_ERR_NOMEM, "out of memory");
    }
    if (set_integrity_ref(m, r, err) != VG_OK) {
        mref_drop(r);
        return err ? err->code : VG_ERR_NOMEM;
    }
    /* jobs still computing with the old reference keep it until they finish */
    mref_drop(m->ref);
    m->ref = r;
    return VG_OK;
}

int vg_monitor_set_reference_file(vg_monitor *m, const char *path, vg_error *err) {
    vg_profile *p = NULL;
    int rc;
    if (vg_profile_file_is_vgp(path)) {
        if (!(p = vg_profile_load(path, err)))
            return err ? err->code : VG_ERR_IO;
        rc = vg_monitor_set_reference_profile(m, p, err);
        vg_profile_free(p);
        return rc;
    }
    if ((rc = vg_profile_file(path, NULL, NULL, 1, &p, NULL, err)) != VG_OK)
        return rc;
    if (!has_feature_column(m, p)) {
        vg_profile_free(p);
        return vg_error_set(err, VG_ERR_INVALID, "%s: none of the model's feature columns", path);
    }
    /* the labelled scores of the reference fit CBPE (binary tasks) */
    vg_eval_data *ev = NULL;
    char note[200] = "";
    if (m->spec->task != VG_TASK_BINARY) {
        snprintf(note, sizeof note, "the estimate (CBPE) is for binary tasks");
    } else if (vg_profile_find_column(p, "prediction", 10) < 0 ||
               vg_profile_find_column(p, "label", 5) < 0) {
        snprintf(note, sizeof note, "the reference has no 'prediction' and 'label' columns");
    } else {
        vg_eval_options o;
        vg_eval_options_init(&o);
        o.target = "label";
        o.prediction = "prediction";
        vg_error e2;
        if (vg_eval_load(path, NULL, &o, 0, &ev, &e2) != VG_OK) {
            snprintf(note, sizeof note, "reference rows unusable: %.150s", e2.msg);
            ev = NULL;
        }
    }
    mref *r = mref_new(p, ev, note);
    if (!r) {
        vg_profile_free(p);
        vg_eval_data_free(ev);
        return vg_error_set(err, VG_ERR_NOMEM, "out of memory");
    }
    if (set_integrity_ref(m, r, err) != VG_OK) {
        mref_drop(r);
        return err ? err->code : VG_ERR_NOMEM;
    }
    mref_drop(m->ref);
    m->ref = r;
    return VG_OK;
}

/* ---- apply ----------------------------------------------------------------------------------- */

/* Sets row `ri` of w to the label text; counts it when new. Returns 1 when it changed. */
static int set_label(mwin *w, size_t ri, const char *s, size_t n, int *nomem) {
    mrow *r = &w->row[ri];
    if (r->label.present && r->label.len == n && memcmp(w->arena + r->label.off, s, n) == 0)
        return 0;
    int was = r->label.present;
    mtext t;
    if (win_put(w, s, n, &t) != VG_OK) {
        *nomem = 1;
        return 0;
    }
    w->row[ri].label = t;
    if (!was)
        w->labelled++;
    return 1;
}

/* The model row of record r in w (what the metrics need), and its id in the join map. */
static int add_model_row(vg_monitor *m, const vg_monitor_batch *b, const mrec *r, mwin *w,
                         int64_t key, int replay, vg_error *err) {
    const vg_model_spec *s = m->spec;
    const char *a = b->arena;
    const mtext *cells = &b->cells[r->cell0];
    size_t ns = s->n_sensitive, ne = mspec_n_ext(s);
    if (win_grow_rows(w, ne) != VG_OK)
        return vg_error_set(err, VG_ERR_NOMEM, "out of memory adding to a window");
    size_t ri = w->nrows;
    mrow *row = &w->row[ri];
    memset(row, 0, sizeof *row);
    row->pred_kind = r->pred_kind;
    int rc = win_put(w, a + r->id.off, r->id.len, &row->id);
    if (rc == VG_OK)
        rc = win_put(w, a + r->pred.off, r->pred.len, &w->row[ri].pred);
    for (size_t k = 0; rc == VG_OK && k < ne; k++) {
        /* the sensitive features' cells, then the probabilities after the features */
        const mtext *src = k < ns ? (m->sens_idx[k] >= 0 ? &cells[m->sens_idx[k]] : NULL)
                                  : &cells[s->n_features + (k - ns)];
        mtext *dst = &w->ext[ri * ne + k];
        memset(dst, 0, sizeof *dst);
        if (src && src->present)
            rc = win_put(w, a + src->off, src->len, dst);
    }
    if (rc != VG_OK)
        return vg_error_set(err, VG_ERR_NOMEM, "out of memory adding to a window");
    w->nrows++;
    int nomem = 0;
    if (r->label.present)
        set_label(w, ri, a + r->label.off, r->label.len, &nomem);
    /* the join: a waiting label is picked up; the id now names this row */
    const char *id = a + r->id.off;
    uint64_t h = vg_hash_bytes(id, r->id.len);
    size_t slot = 0;
    jent *e = join_find(m, h, id, r->id.len, &slot);
    if (e && e->state == JE_WAIT) {
        if (!r->label.present)
            set_label(w, ri, e->wbuf + e->id_len, e->label_len, &nomem);
        if (e->wait_seq < w->min_seq)
            w->min_seq = e->wait_seq; /* the label's batch must stay in the journal */
        free(e->wbuf);                /* the id is now the model row's */
        e->wbuf = NULL;
        m->join.n_wait--;
        if (!replay)
            m->st.labels_matched++;
    } else if (!e && !(e = join_insert(m, h, id, r->id.len, slot))) {
        nomem = 1;
    }
    if (nomem)
        return vg_error_set(err, VG_ERR_NOMEM, "out of memory adding to a window");
    e->state = JE_PRED;
    e->wkey = key;
    e->row = (uint32_t)ri;
    e->expires_ms = b->now_ms + s->label_ttl_ms;

    return VG_OK;
}

/* Adds record r to its window, all but the profile (apply adds runs of records to a profile at
 * once); *wout receives the window, NULL when the record is skipped (its window closed). */
static int add_prediction(vg_monitor *m, const vg_monitor_batch *b, mrec *r, uint64_t seq,
                          int replay, mwin **wout, vg_error *err) {
    const vg_model_spec *s = m->spec;
    int64_t key;
    *wout = NULL;
    if (s->window_count > 0) {
        key = r->wkey != MREC_UNASSIGNED ? r->wkey : (int64_t)(m->count_ordinal / s->window_count);
    } else {
        key = r->wkey != MREC_UNASSIGNED ? r->wkey : mwin_key(s, r->ts_ms);
    }
    r->wkey = key;
    int64_t closed_key;
    if (mon_closed_key(m, &closed_key) && key <= closed_key) {
        r->skip = 1; /* its window closed between parse and apply, or before a restart */
        if (!replay) {
            m->st.records_rejected++;
            m->st.records_late++;
        }
        return VG_OK;
    }
    mwin *w = open_window(m, key, err);
    if (!w)
        return err ? err->code : VG_ERR_NOMEM;
    if (s->window_count > 0) {
        uint64_t next = (uint64_t)key * s->window_count + w->rows + 1;
        if (next > m->count_ordinal)
            m->count_ordinal = next;
    }
    *wout = w;
    w->rows++;
    if (r->npii && mpii_window_add(w, s->n_features, b, r) != VG_OK)
        return vg_error_set(err, VG_ERR_NOMEM, "out of memory adding to a window");
    /* model rows are bounded per window (max_join: more could not be joined anyway); the
     * profile still takes every record */
    if (w->nrows < m->join.max) {
        int rc = add_model_row(m, b, r, w, key, replay, err);
        if (rc != VG_OK)
            return rc;
    }
    if (seq < w->min_seq)
        w->min_seq = seq;
    if (seq > w->max_seq)
        w->max_seq = seq;
    if (s->window_count > 0) {
        if (r->ts_ms < w->start_ms)
            w->start_ms = r->ts_ms;
        if (r->ts_ms > w->end_ms)
            w->end_ms = r->ts_ms;
    }
    if (!m->has_watermark || r->ts_ms > m->st.watermark_ms) {
        m->st.watermark_ms = r->ts_ms;
        m->has_watermark = 1;
    }
    if (!replay)
        m->st.records_accepted++;
    return VG_OK;
}

static int add_label(vg_monitor *m, const vg_monitor_batch *b, const mrec *r, uint64_t seq,
                     int replay, vg_error *err) {
    const char *a = b->arena;
    const char *id = a + r->id.off;
    uint64_t h = vg_hash_bytes(id, r->id.len);
    size_t slot = 0;
    jent *e = join_find(m, h, id, r->id.len, &slot);
    int nomem = 0;
    if (!replay)
        m->st.labels_received++;
    if (e && e->state == JE_PRED) {
        mwin *w = find_window(m, e->wkey);
        if (!w || e->row >= w->nrows) {
            if (!replay)
                m->st.labels_unmatched++; /* its window left memory */
            return VG_OK;
        }
        int changed = set_label(w, e->row, a + r->label.off, r->label.len, &nomem);
        if (nomem)
            return vg_error_set(err, VG_ERR_NOMEM, "out of memory joining a label");
        if (!replay) {
            m->st.labels_matched++;
            if (w->closed)
                m->st.labels_late++;
        }
        if (w->closed && changed) {
            w->dirty = 1;
            w->pending = 1;
            if (seq < w->label_seq)
                w->label_seq = seq;
        }
        return VG_OK;
    }
    /* waiting already: the newer label replaces the older */
    char *buf = malloc((size_t)r->id.len + r->label.len + 1);
    if (!buf)
        return vg_error_set(err, VG_ERR_NOMEM, "out of memory joining a label");
    memcpy(buf, id, r->id.len);
    memcpy(buf + r->id.len, a + r->label.off, r->label.len);
    if (!e) {
        if (!(e = join_insert(m, h, id, r->id.len, slot))) {
            free(buf);
            return vg_error_set(err, VG_ERR_NOMEM, "out of memory joining a label");
        }
        e->state = JE_WAIT;
        m->join.n_wait++;
    }
    free(e->wbuf);
    e->wbuf = buf;
    e->label_len = r->label.len;
    e->wait_seq = seq;
    e->expires_ms = b->now_ms + m->spec->label_ttl_ms;
    return VG_OK;
}

/* Adds rows rec[from .. to) of b (not skipped) to the profile of w in one block: the
 * features and the prediction. The label column, beyond the block, counts them missing;
 * fill_labels corrects that at close. */
static int profile_run(vg_monitor *m, mwin *w, const vg_monitor_batch *b, size_t from, size_t to,
                       vg_error *err) {
    size_t nc = m->spec->n_features + 1, k = 0;
    for (size_t i = from; i < to; i++) {
        const mrec *r = &b->rec[i];
        if (r->skip)
            continue;
        const mtext *cells = &b->cells[r->cell0];
        const char **d = m->run_data + k * nc;
        size_t *l = m->run_len + k * nc;
        for (size_t j = 0; j + 1 < nc; j++) {
            d[j] = cells[j].present ? b->arena + cells[j].off : "";
            l[j] = cells[j].len;
        }
        d[nc - 1] = b->arena + r->pred.off;
        l[nc - 1] = r->pred.len;
        k++;
    }
    if (k == 0)
        return VG_OK;
    vg_batch vb = {k, nc, m->run_data, m->run_len};
    if (vg_profile_add_batch(w->profile, &vb) != VG_OK)
        return vg_error_set(err, VG_ERR_NOMEM, "out of memory adding to a window");
    return VG_OK;
}

/* The record's integrity signals (its features against the reference, its quantized vector). */
static int integrity_add(vg_monitor *m, mwin *w, const vg_monitor_batch *b, const mrec *r,
                         vg_error *err) {
    if (!m->iref && set_integrity_ref(m, m->ref, err) != VG_OK)
        return err ? err->code : VG_ERR_NOMEM;
    if (mint_add(m->spec, m->iref, w->integ, b->arena, &b->cells[r->cell0]) != VG_OK)
        return vg_error_set(err, VG_ERR_NOMEM, "out of memory adding to a window");
    return VG_OK;
}

int vg_monitor_apply(vg_monitor *m, vg_monitor_batch *b, uint64_t seq, int replay, vg_error *err) {
    if (b->n_features != m->spec->n_features)
        return vg_error_set(err, VG_ERR_INVALID, "batch of another model");
    if (b->labels) {
        for (size_t i = 0; i < b->n; i++) {
            int rc = add_label(m, b, &b->rec[i], seq, replay, err);
            if (rc != VG_OK)
                return rc;
        }
        mjoin_update_wait_min(m);
        return VG_OK;
    }
    /* scratch for blocks of up to RUN_MAX rows */
    size_t nc = m->spec->n_features + 1;
    if (!m->run_data) {
        m->run_data = malloc(RUN_MAX * nc * sizeof *m->run_data);
        m->run_len = malloc(RUN_MAX * nc * sizeof *m->run_len);
        if (!m->run_data || !m->run_len)
            return vg_error_set(err, VG_ERR_NOMEM, "out of memory");
    }
    mwin *cur = NULL;
    size_t from = 0;
    for (size_t i = 0; i < b->n; i++) {
        mwin *w;
        int rc = add_prediction(m, b, &b->rec[i], seq, replay, &w, err);
        if (rc != VG_OK)
            return rc;
        if (!w)
            continue;
        if (w->integ && (rc = integrity_add(m, w, b, &b->rec[i], err)) != VG_OK)
            return rc;
        if (cur && (w != cur || i - from >= RUN_MAX)) {
            if ((rc = profile_run(m, cur, b, from, i, err)) != VG_OK)
                return rc;
            from = i;
        }
        if (!cur || w != cur)
            from = i;
        cur = w;
    }
    if (cur) {
        int rc = profile_run(m, cur, b, from, b->n, err);
        if (rc != VG_OK)
            return rc;
    }
    mjoin_update_wait_min(m);
    return VG_OK;
}

void vg_monitor_count_rejects(vg_monitor *m, size_t n_records, size_t n_late, int labels) {
    if (labels) {
        m->st.labels_rejected += n_records;
    } else {
        m->st.records_rejected += n_records;
        m->st.records_late += n_late;
    }
}

/* ---- closing and reports --------------------------------------------------------------------- */

static const mwin *previous_of(const vg_monitor *m, const mwin *w) {
    const mwin *prev = NULL;
    for (size_t i = 0; i < m->n_closed; i++)
        if (m->closed[i] != w && m->closed[i]->key < w->key)
            prev = m->closed[i];
    return prev;
}

/* The label column from the rows' labels (once, at close). Blocks of records counted every
 * row missing in it (the label is not in the block); each label added now takes one back. */
static int fill_labels(const vg_model_spec *s, mwin *w) {
    size_t col = s->n_features + 1;
    vg_column *c = w->profile->cols[col];
    for (size_t i = 0; i < w->nrows; i++) {
        const mtext *l = &w->row[i].label;
        if (!l->present)
            continue;
        int rc = vg_profile_add_text(w->profile, col, w->arena + l->off, l->len);
        if (rc != VG_OK)
            return rc;
        if (c->missing > 0)
            c->missing--;
    }
    return VG_OK;
}

static int set_last(vg_monitor *m, const vg_metric_sample *ms, size_t n) {
    vg_metric_sample *c = NULL;
    if (n && !(c = malloc(n * sizeof *c)))
        return VG_ERR_NOMEM;
    if (c)
        memcpy(c, ms, n * sizeof *c);
    free(m->last);
    m->last = c;
    m->n_last = n;
    return VG_OK;
}

static int close_window(vg_monitor *m, size_t oi, vg_error *err) {
    mwin *w = m->open[oi];
    int rc = fill_labels(m->spec, w);
    if (rc != VG_OK)
        return vg_error_set(err, rc, "out of memory closing a window");
    /* the report is the job's (take_jobs, window_job_run), computed outside the caller's lock */
    if (w->integ)
        mint_close(w->integ);
    w->closed = 1;
    w->revision = 1;
    w->pending = 1;
    w->dirty = 0;
    if (push_win(&m->closed, &m->n_closed, &m->closed_cap, w) != VG_OK)
        return vg_error_set(err, VG_ERR_NOMEM, "out of memory closing a window");
    memmove(m->open + oi, m->open + oi + 1, (m->n_open - oi - 1) * sizeof *m->open);
    m->n_open--;
    int64_t closed_key;
    if (!mon_closed_key(m, &closed_key) || w->key > closed_key || m->st.windows_closed == 0)
        mon_set_closed(m, w->key);
    /* a count window flushed before it filled: the next record starts the next window */
    if (m->spec->window_count > 0 &&
        (uint64_t)(w->key + 1) * m->spec->window_count > m->count_ordinal)
        m->count_ordinal = (uint64_t)(w->key + 1) * m->spec->window_count;
    m->st.last_closed_end_ms = w->end_ms;
    m->st.windows_closed++;
    return VG_OK;
}

/* Closed windows leave memory, oldest first, past the TTL, beyond KEEP_CLOSED windows or beyond
 * max_join model rows in all (no more could be joined) - never one still to hand over or whose
 * persistence is not confirmed (it holds the journal), never the newest: it is the next
 * window's "previous". */
static void evict_closed(vg_monitor *m, int64_t now_ms) {
    uint64_t kept_rows = 0;
    for (size_t i = 0; i < m->n_closed; i++)
        kept_rows += m->closed[i]->nrows;
    size_t i = 0;
    while (i + 1 < m->n_closed) {
        mwin *w = m->closed[i];
        int old = m->n_closed > KEEP_CLOSED || kept_rows > m->join.max ||
                  w->closed_wall_ms + m->spec->label_ttl_ms <= now_ms;
        if (!old || w->pending || w->inflight) {
            i++;
            continue;
        }
        kept_rows -= w->nrows;
        win_free(w);
        memmove(m->closed + i, m->closed + i + 1, (m->n_closed - i - 1) * sizeof *m->closed);
        m->n_closed--;
    }
}

/* Closed windows but the newest keep their profile encoded: memory then grows by a fraction of
 * a profile per closed window kept (KEEP_CLOSED bounds them), not by a whole profile (a
 * profile's sketches, some MB for 50 features, encode to a fifth). Only an optimization: on
 * failure the profile stays as it is. */
static void compact_closed(vg_monitor *m) {
    for (size_t i = 0; i + 1 < m->n_closed; i++) {
        mwin *w = m->closed[i];
        if (!w->profile)
            continue;
        unsigned char *b;
        size_t len;
        if (vg_profile_encode(w->profile, &b, &len, NULL) != VG_OK)
            continue;
        vg_profile_free(w->profile);
        w->profile = NULL;
        w->pblob = b;
        w->pblob_len = len;
    }
}

int vg_monitor_advance(vg_monitor *m, int64_t now_ms, int flush, vg_error *err) {
    const vg_model_spec *s = m->spec;
    /* label TTLs */
    jmap *j = &m->join;
    while (j->count && j->ring[j->head].expires_ms <= now_ms)
        pop_head(m);
    int closed = 0;
    while (m->n_open) {
        mwin *w = m->open[0];
        int due;
        if (flush)
            due = 1;
        else if (s->window_count > 0)
            due = w->rows >= s->window_count;
        else
            due = m->has_watermark && m->st.watermark_ms >= w->end_ms + s->lateness_ms;
        if (!due) /* windows close in key order (count windows also fill in it) */
            break;
        w->closed_wall_ms = now_ms;
        int rc = close_window(m, 0, err);
        if (rc != VG_OK)
            return rc;
        closed++;
    }
    evict_closed(m, now_ms);
    compact_closed(m);
    mjoin_update_wait_min(m);
    return closed;
}

/* ---- rows blob ------------------------------------------------------------------------------- */

#define ROWS_MAGIC "VGMR"
#define ROWS_VERSION 2

static void put_text(vg_wbuf *w, const mtext *t) {
    vg_wbuf_u32(w, t->off);
    vg_wbuf_u32(w, t->len);
    vg_wbuf_u8(w, t->present);
}

static int get_text(vg_rbuf *r, mtext *t, size_t alen) {
    t->off = vg_rbuf_u32(r);
    t->len = vg_rbuf_u32(r);
    t->present = vg_rbuf_u8(r);
    if (t->present > 1 || (size_t)t->off + t->len > alen)
        r->failed = 1;
    return vg_rbuf_ok(r);
}

int mrows_encode(const vg_model_spec *s, const mwin *w, unsigned char **out, size_t *len) {
    vg_wbuf b;
    vg_wbuf_init(&b);
    vg_wbuf_put(&b, ROWS_MAGIC, 4);
    vg_wbuf_u32(&b, ROWS_VERSION);
    size_t ne = mspec_n_ext(s);
    vg_wbuf_u32(&b, (uint32_t)ne);
    vg_wbuf_u64(&b, w->nrows);
    vg_wbuf_str(&b, w->arena ? w->arena : "", w->alen);
    for (size_t i = 0; i < w->nrows; i++) {
        const mrow *r = &w->row[i];
        put_text(&b, &r->id);
        put_text(&b, &r->pred);
        put_text(&b, &r->label);
        vg_wbuf_u8(&b, r->pred_kind);
        for (size_t k = 0; k < ne; k++)
            put_text(&b, &w->ext[i * ne + k]);
    }
    /* an optional tail: the window's PII counts, so that a window restored after a restart and
     * revised by a late label reports the same findings (older blobs end before it) */
    if (w->pii) {
        size_t np = mpii_slots(s->n_features);
        vg_wbuf_put(&b, "PII1", 4);
        vg_wbuf_u64(&b, w->pii_records);
        vg_wbuf_u32(&b, (uint32_t)np);
        for (size_t i = 0; i < np; i++)
            vg_wbuf_u64(&b, w->pii[i]);
    }
    vg_wbuf_u32(&b, (uint32_t)crc32(0L, b.data, (uInt)b.len));
    if (b.failed) {
        vg_wbuf_free(&b);
        return VG_ERR_NOMEM;
    }
    *out = b.data;
    *len = b.len;
    return VG_OK;
}

int mrows_decode(const vg_model_spec *s, mwin *w, const unsigned char *d, size_t len,
                 vg_error *err) {
    if (len < 24 || memcmp(d, ROWS_MAGIC, 4) != 0)
        return vg_error_set(err, VG_ERR_FORMAT, "window rows: bad magic or truncated");
    uint32_t crc = (uint32_t)d[len - 4] | (uint32_t)d[len - 3] << 8 | (uint32_t)d[len - 2] << 16 |
                   (uint32_t)d[len - 1] << 24;
    if ((uint32_t)crc32(0L, d, (uInt)(len - 4)) != crc)
        return vg_error_set(err, VG_ERR_FORMAT, "window rows: checksum mismatch");
    vg_rbuf r;
    vg_rbuf_init(&r, d + 4, len - 8);
    uint32_t version = vg_rbuf_u32(&r), ns = vg_rbuf_u32(&r);
    uint64_t n = vg_rbuf_u64(&r);
    size_t alen;
    const char *arena = vg_rbuf_str(&r, &alen);
    size_t per = 28 + 9 * (size_t)ns; /* bytes per row */
    if (!vg_rbuf_ok(&r) || version != ROWS_VERSION || ns != mspec_n_ext(s) ||
        n > vg_rbuf_left(&r) / per)
        return vg_error_set(err, VG_ERR_FORMAT, "window rows: corrupted or another model's");
    w->arena = malloc(alen ? alen : 1);
    w->row = malloc((n ? n : 1) * sizeof *w->row);
    w->ext = ns ? malloc((n ? n : 1) * ns * sizeof *w->ext) : NULL;
    if (!w->arena || !w->row || (ns && !w->ext))
        return vg_error_set(err, VG_ERR_NOMEM, "out of memory");
    memcpy(w->arena, arena, alen);
    w->alen = w->acap = alen;
    w->rows_cap = n;
    w->labelled = 0;
    for (uint64_t i = 0; i < n; i++) {
        mrow *x = &w->row[i];
        get_text(&r, &x->id, alen);
        get_text(&r, &x->pred, alen);
        get_text(&r, &x->label, alen);
        x->pred_kind = vg_rbuf_u8(&r);
        for (size_t k = 0; k < ns; k++)
            get_text(&r, &w->ext[i * ns + k], alen);
        if (x->pred_kind > PK_VALUE || !x->id.present || !x->pred.present)
            r.failed = 1;
        if (!vg_rbuf_ok(&r))
            return vg_error_set(err, VG_ERR_FORMAT, "window rows: corrupted row %llu",
                                (unsigned long long)i);
        w->labelled += x->label.present;
    }
    w->nrows = n;
    if (vg_rbuf_left(&r) >= 16) {
        const unsigned char *tag = vg_rbuf_bytes(&r, 4);
        uint64_t recs = vg_rbuf_u64(&r);
        uint32_t np = vg_rbuf_u32(&r);
        /* counts of another spec's fields (the model was replaced with other features) are
         * left out: they would be attributed to the wrong features */
        if (tag && memcmp(tag, "PII1", 4) == 0 && np == mpii_slots(s->n_features) &&
            vg_rbuf_left(&r) == (size_t)np * 8 && recs <= w->rows) {
            if (!(w->pii = malloc((size_t)np * sizeof *w->pii)))
                return vg_error_set(err, VG_ERR_NOMEM, "out of memory");
            for (uint32_t i = 0; i < np; i++)
                w->pii[i] = vg_rbuf_u64(&r);
            w->pii_records = recs;
        }
    }
    return VG_OK;
}

/* ---- hand-over and restore ------------------------------------------------------------------- */

void vg_window_free(vg_window *w) {
    if (!w)
        return;
    vg_profile_free(w->profile);
    free(w->report_json);
    free(w->metrics);
    free(w->rows_blob);
    free(w);
}

/* The window as handed over; its profile moves to it (the job's copy is not needed after). */
static vg_window *export_window(const vg_model_spec *s, mwin *w, vg_error *err) {
    vg_window *o = calloc(1, sizeof *o);
    if (!o) {
        vg_error_set(err, VG_ERR_NOMEM, "out of memory");
        return NULL;
    }
    o->key = w->key;
    o->start_ms = w->start_ms;
    o->end_ms = w->end_ms;
    o->revision = w->revision;
    o->rows = w->rows;
    o->labelled = w->labelled;
    o->max_seq = w->max_seq;
    o->n_metrics = w->n_metrics;
    o->profile = w->profile;
    w->profile = NULL;
    if (!(o->report_json = strdup(w->report ? w->report : "{}")))
        goto nomem;
    if (w->n_metrics) {
        if (!(o->metrics = malloc(w->n_metrics * sizeof *o->metrics)))
            goto nomem;
        memcpy(o->metrics, w->metrics, w->n_metrics * sizeof *o->metrics);
    }
    if (mrows_encode(s, w, &o->rows_blob, &o->rows_blob_len) != VG_OK)
        goto nomem;
    return o;
nomem:
    vg_error_set(err, VG_ERR_NOMEM, "out of memory");
    vg_window_free(o);
    return NULL;
}

/* A detached copy of a closed window for its report: bounds, counts, profile and, with rows,
 * the model rows (their arena included: late labels may grow the original's meanwhile). */
static mwin *win_copy(const vg_model_spec *s, const mwin *src, int rows, vg_error *err) {
    mwin *w = calloc(1, sizeof *w);
    if (!w) {
        vg_error_set(err, VG_ERR_NOMEM, "out of memory");
        return NULL;
    }
    w->key = src->key;
    w->start_ms = src->start_ms;
    w->end_ms = src->end_ms;
    w->revision = src->revision;
    w->rows = src->rows;
    w->labelled = src->labelled;
    w->max_seq = src->max_seq;
    w->closed = 1;
    w->pii_records = src->pii_records;
    if (src->pii) {
        size_t np = mpii_slots(s->n_features);
        if (!(w->pii = malloc(np * sizeof *w->pii))) {
            win_free(w);
            vg_error_set(err, VG_ERR_NOMEM, "out of memory");
            return NULL;
        }
        memcpy(w->pii, src->pii, np * sizeof *w->pii);
    }
    w->profile = src->profile
                     ? clone_profile(src->profile, err)
                     : vg_profile_decode(src->pblob, src->pblob_len, "window profile", err);
    if (!w->profile) {
        win_free(w);
        return NULL;
    }
    if (src->integ && !(w->integ = mint_win_clone(src->integ))) {
        win_free(w);
        vg_error_set(err, VG_ERR_NOMEM, "out of memory copying a window");
        return NULL;
    }
    if (rows && src->nrows) {
        size_t ne = mspec_n_ext(s), n = src->nrows;
        w->row = malloc(n * sizeof *w->row);
        w->ext = ne ? malloc(n * ne * sizeof *w->ext) : NULL;
        w->arena = malloc(src->alen ? src->alen : 1);
        if (!w->row || (ne && !w->ext) || !w->arena) {
            win_free(w);
            vg_error_set(err, VG_ERR_NOMEM, "out of memory copying a window's rows");
            return NULL;
        }
        memcpy(w->row, src->row, n * sizeof *w->row);
        if (ne)
            memcpy(w->ext, src->ext, n * ne * sizeof *w->ext);
        if (src->alen)
            memcpy(w->arena, src->arena, src->alen);
        w->nrows = w->rows_cap = n;
        w->alen = w->acap = src->alen;
    }
    return w;
}

struct vg_window_job {
    vg_model_spec *spec; /* copies: the monitor may be replaced or freed while the job runs */
    mref *ref;           /* held; NULL without a reference */
    mwin *w;             /* the window, with its model rows */
    mwin *prev;          /* the previous closed window (profile only), or NULL */
};

void vg_window_job_free(vg_window_job *j) {
    if (!j)
        return;
    vg_model_spec_free(j->spec);
    mref_drop(j->ref);
    win_free(j->w);
    win_free(j->prev);
    free(j);
}

static vg_window_job *job_new(const vg_monitor *m, const mwin *w, uint32_t revision,
                              vg_error *err) {
    vg_window_job *j = calloc(1, sizeof *j);
    if (!j || !(j->spec = mspec_copy(m->spec))) {
        free(j);
        vg_error_set(err, VG_ERR_NOMEM, "out of memory");
        return NULL;
    }
    j->ref = mref_hold(m->ref);
    const mwin *prev = previous_of(m, w);
    if (!(j->w = win_copy(m->spec, w, 1, err)) ||
        (prev && !(j->prev = win_copy(m->spec, prev, 0, err)))) {
        vg_window_job_free(j);
        return NULL;
    }
    j->w->revision = revision;
    return j;
}

int vg_monitor_take_jobs(vg_monitor *m, vg_window_job ***out, size_t *n, vg_error *err) {
    size_t k = 0;
    for (size_t i = 0; i < m->n_closed; i++)
        k += m->closed[i]->pending;
    *out = NULL;
    *n = 0;
    if (k == 0)
        return VG_OK;
    vg_window_job **arr = calloc(k, sizeof *arr);
    if (!arr)
        return vg_error_set(err, VG_ERR_NOMEM, "out of memory");
    /* every job first, then the state: a failure leaves the windows pending as they were */
    size_t got = 0;
    for (size_t i = 0; i < m->n_closed; i++) {
        const mwin *w = m->closed[i];
        if (!w->pending)
            continue;
        /* late labels after a hand-over: a new revision (its drift keeps the first labels) */
        uint32_t rev = w->revision + (w->dirty && w->revision_emitted ? 1 : 0);
        if (!(arr[got] = job_new(m, w, rev, err))) {
            for (size_t x = 0; x < got; x++)
                vg_window_job_free(arr[x]);
            free(arr);
            return err ? err->code : VG_ERR_NOMEM;
        }
        got++;
    }
    for (size_t i = 0, x = 0; i < m->n_closed; i++) {
        mwin *w = m->closed[i];
        if (!w->pending)
            continue;
        w->revision = arr[x++]->w->revision;
        /* what the journal must keep until the window is persisted: its records the first time,
         * the labels that revised it, and what an unconfirmed earlier job held */
        uint64_t hold = w->label_seq;
        if (!w->revision_emitted && w->min_seq < hold)
            hold = w->min_seq;
        if (w->inflight && w->hold_seq < hold)
            hold = w->hold_seq;
        w->hold_seq = hold;
        w->inflight = 1;
        w->inflight_rev = w->revision;
        w->pending = 0;
        w->dirty = 0;
        w->revision_emitted = 1;
        w->label_seq = UINT64_MAX;
    }
    *out = arr;
    *n = got;
    return VG_OK;
}

int vg_window_job_run(vg_window_job *j, vg_window **out, vg_error *err) {
    *out = NULL;
    if (!j->w->profile)
        return vg_error_set(err, VG_ERR_INVALID, "window job: already run");
    mreport_in in = {j->spec, NULL, NULL, NULL, j->prev, j->w};
    ref_in(j->ref, &in);
    char *json;
    vg_metric_sample *ms;
    size_t nms;
    int rc = mreport_build(&in, &json, &ms, &nms, err);
    if (rc != VG_OK)
        return rc;
    free(j->w->report);
    free(j->w->metrics);
    j->w->report = json;
    j->w->metrics = ms;
    j->w->n_metrics = nms;
    if (!(*out = export_window(j->spec, j->w, err)))
        return err ? err->code : VG_ERR_NOMEM;
    return VG_OK;
}

void vg_monitor_window_done(vg_monitor *m, const vg_window *o) {
    mwin *w = NULL;
    for (size_t i = 0; i < m->n_closed; i++)
        if (m->closed[i]->key == o->key)
            w = m->closed[i];
    if (!w || w->revision != o->revision)
        return; /* evicted, or a newer revision is on its way */
    if (w->inflight && w->inflight_rev == o->revision) {
        w->inflight = 0;
        w->hold_seq = UINT64_MAX;
    }
    /* the gauges of /metrics follow the newest closed window (no memory: they stay as they were) */
    if (w == m->closed[m->n_closed - 1])
        (void)set_last(m, o->metrics, o->n_metrics);
}

int vg_monitor_take_windows(vg_monitor *m, vg_window ***out, size_t *n, vg_error *err) {
    vg_window_job **jobs;
    size_t nj;
    *out = NULL;
    *n = 0;
    int rc = vg_monitor_take_jobs(m, &jobs, &nj, err);
    if (rc != VG_OK || nj == 0)
        return rc;
    vg_window **arr = calloc(nj, sizeof *arr);
    if (!arr)
        rc = vg_error_set(err, VG_ERR_NOMEM, "out of memory");
    for (size_t i = 0; rc == VG_OK && i < nj; i++)
        rc = vg_window_job_run(jobs[i], &arr[i], err);
    for (size_t i = 0; i < nj; i++)
        vg_window_job_free(jobs[i]);
    free(jobs);
    if (rc != VG_OK) {
        /* the windows stay in flight: the journal keeps their records */
        for (size_t i = 0; arr && i < nj; i++)
            vg_window_free(arr[i]);
        free(arr);
        return rc;
    }
    /* the caller persists what it takes: as before the split, taken means done */
    for (size_t i = 0; i < nj; i++)
        vg_monitor_window_done(m, arr[i]);
    *out = arr;
    *n = nj;
    return VG_OK;
}

int vg_monitor_restore_window(vg_monitor *m, const vg_window *src, vg_error *err) {
    const vg_model_spec *s = m->spec;
    if (!src->profile)
        return vg_error_set(err, VG_ERR_INVALID, "restore: the window needs its profile");
    if (find_window(m, src->key))
        return vg_error_set(err, VG_ERR_INVALID, "restore: window %lld is already in memory",
                            (long long)src->key);
    mwin *w = calloc(1, sizeof *w);
    if (!w)
        return vg_error_set(err, VG_ERR_NOMEM, "out of memory");
    w->key = src->key;
    w->start_ms = src->start_ms;
    w->end_ms = src->end_ms;
    w->revision = src->revision ? src->revision : 1;
    w->revision_emitted = 1;
    w->rows = src->rows;
    w->max_seq = src->max_seq;
    w->min_seq = UINT64_MAX;
    w->label_seq = UINT64_MAX;
    w->closed = 1;
    w->closed_wall_ms = src->end_ms;
    int rc;
    if (!(w->profile = clone_profile(src->profile, err)) ||
        (src->rows_blob &&
         (rc = mrows_decode(s, w, src->rows_blob, src->rows_blob_len, err)) != VG_OK)) {
        rc = err ? err->code : VG_ERR_NOMEM;
        win_free(w);
        return rc;
    }
    if (!src->rows_blob)
        w->labelled = src->labelled; /* rows cleared by retention: no late label can join */
    if (src->n_metrics && src->metrics) {
        if (!(w->metrics = malloc(src->n_metrics * sizeof *w->metrics))) {
            win_free(w);
            return vg_error_set(err, VG_ERR_NOMEM, "out of memory");
        }
        memcpy(w->metrics, src->metrics, src->n_metrics * sizeof *w->metrics);
        w->n_metrics = src->n_metrics;
    }
    /* its report is not kept: a revision computes a new one (only its integrity samples are
     * read from it below); its integrity tables are gone: a revision reports the samples it had
     * (from its metrics, else from its report's "integrity" section) */
    if (s->integrity.enabled &&
        !(w->integ = mint_win_restored(s, src->metrics, src->n_metrics, src->report_json))) {
        win_free(w);
        return vg_error_set(err, VG_ERR_NOMEM, "out of memory");
    }
    if (push_win(&m->closed, &m->n_closed, &m->closed_cap, w) != VG_OK) {
        win_free(w);
        return vg_error_set(err, VG_ERR_NOMEM, "out of memory");
    }
    /* its ids join late labels again */
    for (size_t i = 0; i < w->nrows; i++) {
        const mrow *r = &w->row[i];
        const char *id = w->arena + r->id.off;
        uint64_t h = vg_hash_bytes(id, r->id.len);
        size_t slot = 0;
        jent *e = join_find(m, h, id, r->id.len, &slot);
        if (e && e->state == JE_WAIT)
            continue;
        if (!e && !(e = join_insert(m, h, id, r->id.len, slot)))
            return vg_error_set(err, VG_ERR_NOMEM, "out of memory");
        e->state = JE_PRED;
        e->wkey = w->key;
        e->row = (uint32_t)i;
        e->expires_ms = w->end_ms + s->label_ttl_ms;
    }
    int64_t closed_key;
    if (!mon_closed_key(m, &closed_key) || w->key >= closed_key) {
        mon_set_closed(m, w->key);
        m->st.last_closed_end_ms = w->end_ms;
        if (set_last(m, w->metrics, w->n_metrics) != VG_OK)
            return vg_error_set(err, VG_ERR_NOMEM, "out of memory");
    }
    if (s->window_count > 0 && (uint64_t)(w->key + 1) * s->window_count > m->count_ordinal)
        m->count_ordinal = (uint64_t)(w->key + 1) * s->window_count;
    if (!m->has_watermark || w->end_ms > m->st.watermark_ms) {
        /* event time has reached at least the end of what was closed */
        m->st.watermark_ms = s->window_count > 0 ? w->end_ms : w->end_ms + s->lateness_ms;
        m->has_watermark = 1;
    }
    /* keep memory bounded as advance would */
    while (m->n_closed > KEEP_CLOSED) {
        win_free(m->closed[0]);
        memmove(m->closed, m->closed + 1, (m->n_closed - 1) * sizeof *m->closed);
        m->n_closed--;
    }
    compact_closed(m);
    return VG_OK;
}

uint64_t vg_monitor_min_open_seq(const vg_monitor *m) {
    uint64_t s = m->wait_min_seq;
    for (size_t i = 0; i < m->n_open; i++)
        if (m->open[i]->min_seq < s)
            s = m->open[i]->min_seq;
    /* closed windows not yet handed over (so not yet persisted) still need their records, and
     * revised ones the labels that revised them */
    for (size_t i = 0; i < m->n_closed; i++) {
        const mwin *w = m->closed[i];
        if (!w->pending)
            continue;
        if (!w->revision_emitted && w->min_seq < s)
            s = w->min_seq;
        if (w->label_seq < s)
            s = w->label_seq;
    }
    /* and so do windows taken as jobs whose persistence is not yet confirmed */
    for (size_t i = 0; i < m->n_closed; i++) {
        const mwin *w = m->closed[i];
        if (w->inflight && w->hold_seq < s)
            s = w->hold_seq;
    }
    return s;
}

/* The open windows as one window closed now: profiles merged, rows concatenated. */
char *vg_monitor_open_report(vg_monitor *m, vg_error *err) {
    if (m->n_open == 0) {
        vg_error_set(err, VG_ERR_INVALID, "no window is open");
        return NULL;
    }
    const vg_model_spec *s = m->spec;
    mwin *t = calloc(1, sizeof *t);
    char *json = NULL;
    vg_metric_sample *ms = NULL;
    size_t nms = 0;
    if (!t) {
        vg_error_set(err, VG_ERR_NOMEM, "out of memory");
        return NULL;
    }
    t->key = m->open[0]->key;
    t->start_ms = INT64_MAX;
    t->end_ms = INT64_MIN;
    if (!(t->profile = new_profile(s, err)))
        goto out;
    size_t ns = mspec_n_ext(s);
    for (size_t i = 0; i < m->n_open; i++) {
        const mwin *w = m->open[i];
        if (vg_profile_merge(t->profile, w->profile, err) != VG_OK)
            goto out;
        t->start_ms = w->start_ms < t->start_ms ? w->start_ms : t->start_ms;
        t->end_ms = w->end_ms > t->end_ms ? w->end_ms : t->end_ms;
        t->rows += w->rows;
        for (size_t r = 0; r < w->nrows; r++) {
            if (win_grow_rows(t, ns) != VG_OK)
                goto nomem;
            mrow *d = &t->row[t->nrows];
            const mrow *x = &w->row[r];
            *d = *x;
            memset(&d->label, 0, sizeof d->label);
            if (win_put(t, w->arena + x->id.off, x->id.len, &t->row[t->nrows].id) != VG_OK ||
                win_put(t, w->arena + x->pred.off, x->pred.len, &t->row[t->nrows].pred) != VG_OK)
                goto nomem;
            if (x->label.present) {
                if (win_put(t, w->arena + x->label.off, x->label.len, &t->row[t->nrows].label) !=
                    VG_OK)
                    goto nomem;
                t->labelled++;
            }
            for (size_t k = 0; k < ns; k++) {
                const mtext *sv = &w->ext[r * ns + k];
                mtext *dv = &t->ext[t->nrows * ns + k];
                memset(dv, 0, sizeof *dv);
                if (sv->present && win_put(t, w->arena + sv->off, sv->len, dv) != VG_OK)
                    goto nomem;
            }
            t->nrows++;
        }
    }
    if (fill_labels(s, t) != VG_OK)
        goto nomem;
    {
        const mwin *prev = m->n_closed ? m->closed[m->n_closed - 1] : NULL;
        mreport_in in = {s, NULL, NULL, NULL, prev, t};
        ref_in(m->ref, &in);
        if (mreport_build(&in, &json, &ms, &nms, err) != VG_OK)
            json = NULL;
    }
    goto out;
nomem:
    vg_error_set(err, VG_ERR_NOMEM, "out of memory");
out:
    free(ms);
    win_free(t);
    return json;
}

/* ---- counters -------------------------------------------------------------------------------- */

void vg_monitor_get_stats(const vg_monitor *m, vg_monitor_stats *s) {
    *s = m->st;
    s->join_pending = m->join.count;
    uint64_t open = 0;
    for (size_t i = 0; i < m->n_open; i++)
        open += m->open[i]->rows;
    s->open_rows = open;
}

const vg_metric_sample *vg_monitor_last_metrics(const vg_monitor *m, size_t *n) {
    *n = m->n_last;
    return m->last;
}
