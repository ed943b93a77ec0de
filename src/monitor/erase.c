/*
 * The right to erasure inside the monitor (vigia/monitor.h: vg_monitor_erase and the two byte
 * rewriters): the record-level data of some ids leaves the windows' model rows, the label-join
 * map, journal entries and rows blobs, while aggregates (profiles, counts, reports) stay.
 *
 * Every rewrite copies the texts that remain into a fresh arena instead of unlinking the erased
 * rows: an arena keeps every text ever put (a replaced label too), so unlinking would leave the
 * erased id's bytes in memory and, through the blob codecs that dump the arena whole, on disk.
 * vg_monitor_erase builds all of its new arrays before it changes anything, so that a failed
 * allocation leaves the monitor as it was.
 */
#include <stdlib.h>
#include <string.h>

#include "../base/hash.h"
#include "internal.h"

/* ---- a set of ids ---------------------------------------------------------------------------- */

typedef struct idset {
    uint64_t *hash;
    const char **id;
    size_t *len;
    size_t mask;
} idset;

static void idset_free(idset *s) {
    free(s->hash);
    free(s->id);
    free(s->len);
}

static int idset_has(const idset *s, const char *id, size_t len) {
    uint64_t h = vg_hash_bytes(id, len);
    for (size_t i = (size_t)h & s->mask; s->id[i]; i = (i + 1) & s->mask)
        if (s->hash[i] == h && s->len[i] == len && memcmp(s->id[i], id, len) == 0)
            return 1;
    return 0;
}

/* A window that left memory: only the 64-bit hash of its id is known (the join map's own rule). */
static int idset_has_hash(const idset *s, uint64_t h) {
    for (size_t i = (size_t)h & s->mask; s->id[i]; i = (i + 1) & s->mask)
        if (s->hash[i] == h)
            return 1;
    return 0;
}

static int idset_make(idset *s, const char *const *ids, size_t n, vg_error *err) {
    memset(s, 0, sizeof *s);
    size_t cap = 16;
    while (cap < 2 * n)
        cap *= 2;
    s->hash = calloc(cap, sizeof *s->hash);
    s->id = calloc(cap, sizeof *s->id);
    s->len = calloc(cap, sizeof *s->len);
    if (!s->hash || !s->id || !s->len) {
        idset_free(s);
        return vg_error_set(err, VG_ERR_NOMEM, "out of memory");
    }
    s->mask = cap - 1;
    for (size_t k = 0; k < n; k++) {
        if (!ids[k]) {
            idset_free(s);
            return vg_error_set(err, VG_ERR_INVALID, "erase: ids[%zu] is NULL", k);
        }
        size_t len = strlen(ids[k]);
        if (idset_has(s, ids[k], len))
            continue;
        uint64_t h = vg_hash_bytes(ids[k], len);
        size_t i = (size_t)h & s->mask;
        while (s->id[i])
            i = (i + 1) & s->mask;
        s->hash[i] = h;
        s->id[i] = ids[k];
        s->len[i] = len;
    }
    return VG_OK;
}

/* ---- texts into a fresh arena ---------------------------------------------------------------- */

typedef struct arena {
    char *a;
    size_t len;
} arena;

/* Copies text t of src into a (sized beforehand: never grows) and rewrites t to point there. */
static void arena_copy(arena *a, const char *src, mtext *t) {
    if (!t->present) {
        memset(t, 0, sizeof *t);
        return;
    }
    memcpy(a->a + a->len, src + t->off, t->len);
    t->off = (uint32_t)a->len;
    a->len += t->len;
}

/* ---- model rows ------------------------------------------------------------------------------ */

/* The rows of a window (its row, ext and arena) without those whose id is in ids. */
typedef struct rowplan {
    mwin *w;
    uint32_t *remap; /* old row -> new row, UINT32_MAX for a row dropped */
    mrow *row;
    mtext *ext;
    arena ar;
    size_t nrows, dropped, dropped_labelled;
} rowplan;

static void rowplan_free(rowplan *p) {
    free(p->remap);
    free(p->row);
    free(p->ext);
    free(p->ar.a);
}

/* 1 when some row goes (plan filled), 0 when none does, negative on NOMEM. */
static int plan_rows(const mwin *w, size_t ne, const idset *ids, int want_remap, rowplan *p) {
    memset(p, 0, sizeof *p);
    size_t drop = 0;
    for (size_t i = 0; i < w->nrows; i++)
        drop += idset_has(ids, w->arena + w->row[i].id.off, w->row[i].id.len);
    if (!drop)
        return 0;
    size_t keep = w->nrows - drop;
    p->row = malloc((keep ? keep : 1) * sizeof *p->row);
    p->ext = ne ? malloc((keep ? keep : 1) * ne * sizeof *p->ext) : NULL;
    p->ar.a = malloc(w->alen ? w->alen : 1);
    p->remap = want_remap ? malloc((w->nrows ? w->nrows : 1) * sizeof *p->remap) : NULL;
    if (!p->row || (ne && !p->ext) || !p->ar.a || (want_remap && !p->remap)) {
        rowplan_free(p);
        return VG_ERR_NOMEM;
    }
    for (size_t i = 0; i < w->nrows; i++) {
        const mrow *r = &w->row[i];
        if (idset_has(ids, w->arena + r->id.off, r->id.len)) {
            p->dropped++;
            p->dropped_labelled += r->label.present;
            if (p->remap)
                p->remap[i] = UINT32_MAX;
            continue;
        }
        mrow *d = &p->row[p->nrows];
        *d = *r;
        arena_copy(&p->ar, w->arena, &d->id);
        arena_copy(&p->ar, w->arena, &d->pred);
        arena_copy(&p->ar, w->arena, &d->label);
        for (size_t k = 0; k < ne; k++) {
            mtext *x = &p->ext[p->nrows * ne + k];
            *x = w->ext[i * ne + k];
            arena_copy(&p->ar, w->arena, x);
        }
        if (p->remap)
            p->remap[i] = (uint32_t)p->nrows;
        p->nrows++;
    }
    return 1;
}

/* Puts the plan's rows in its window (cannot fail). */
static void apply_rows(rowplan *p) {
    mwin *w = p->w;
    free(w->row);
    free(w->ext);
    free(w->arena);
    w->row = p->row;
    w->ext = p->ext;
    w->arena = p->ar.a;
    w->nrows = p->nrows;
    w->rows_cap = p->nrows ? p->nrows : 1;
    w->alen = p->ar.len;
    w->acap = p->ar.len ? p->ar.len : 1;
    w->labelled -= w->labelled >= p->dropped_labelled ? p->dropped_labelled : w->labelled;
    p->row = NULL;
    p->ext = NULL;
    p->ar.a = NULL;
}

/* ---- the monitor ----------------------------------------------------------------------------- */

static const rowplan *plan_of(const rowplan *plans, size_t n, int64_t key) {
    for (size_t i = 0; i < n; i++)
        if (plans[i].w->key == key)
            return &plans[i];
    return NULL;
}

static const mwin *window_of(const vg_monitor *m, int64_t key) {
    for (size_t i = 0; i < m->n_open; i++)
        if (m->open[i]->key == key)
            return m->open[i];
    for (size_t i = 0; i < m->n_closed; i++)
        if (m->closed[i]->key == key)
            return m->closed[i];
    return NULL;
}

int vg_monitor_erase(vg_monitor *m, const char *const *ids, size_t n, vg_monitor_erase_counts *c,
                     vg_error *err) {
    vg_monitor_erase_counts local;
    if (!c)
        c = &local;
    memset(c, 0, sizeof *c);
    if (n == 0)
        return VG_OK;
    if (!ids)
        return vg_error_set(err, VG_ERR_INVALID, "erase: no ids");
    idset set;
    int rc = idset_make(&set, ids, n, err);
    if (rc != VG_OK)
        return rc;
    size_t ne = mspec_n_ext(m->spec), nw = m->n_open + m->n_closed, np = 0;
    rowplan *plans = calloc(nw ? nw : 1, sizeof *plans);
    jmap *j = &m->join;
    jent *ring = NULL;
    uint64_t *slots = NULL;
    uint8_t *drop = NULL;
    if (!plans)
        goto nomem;
    /* 1. the rows each window keeps (the windows are not touched yet) */
    for (size_t i = 0; i < nw; i++) {
        mwin *w = i < m->n_open ? m->open[i] : m->closed[i - m->n_open];
        int got = plan_rows(w, ne, &set, 1, &plans[np]);
        if (got < 0)
            goto nomem;
        if (got) {
            plans[np].w = w;
            c->rows += plans[np].dropped;
            np++;
        }
    }
    /* 2. the join entries that go: those of the ids (read through the windows as they still
     * are), and any pointing at a row that goes */
    size_t kept = 0, waits = 0;
    if (j->count) {
        if (!(drop = calloc(j->count, 1)) || !(ring = malloc(j->cap * sizeof *ring)) ||
            !(slots = calloc(j->nslots, sizeof *slots)))
            goto nomem;
        for (size_t i = 0; i < j->count; i++) {
            size_t pos = j->head + i >= j->cap ? j->head + i - j->cap : j->head + i;
            const jent *e = &j->ring[pos];
            int hit;
            if (e->state == JE_WAIT) {
                hit = idset_has(&set, e->wbuf, e->id_len);
            } else {
                const mwin *w = window_of(m, e->wkey);
                if (!w || e->row >= w->nrows) {
                    hit = idset_has_hash(&set, e->hash);
                } else {
                    const rowplan *p = plan_of(plans, np, e->wkey);
                    hit =
                        idset_has(&set, w->arena + w->row[e->row].id.off, w->row[e->row].id.len) ||
                        (p && p->remap[e->row] == UINT32_MAX);
                }
            }
            drop[i] = (uint8_t)hit;
            if (!hit) {
                ring[kept] = *e;
                if (e->state == JE_PRED) {
                    const rowplan *p = plan_of(plans, np, e->wkey);
                    if (p && e->row < p->w->nrows)
                        ring[kept].row = p->remap[e->row];
                }
                size_t s = (size_t)e->hash & (j->nslots - 1);
                while (slots[s])
                    s = (s + 1) & (j->nslots - 1);
                /* the slot layout of monitor.c: ring position + 1, the hash's high bits above */
                slots[s] = (e->hash & 0xffffffff00000000ULL) | (uint64_t)(kept + 1);
                kept++;
            } else {
                c->join++;
                if (e->state == JE_WAIT)
                    waits++;
            }
        }
    }
    /* 3. nothing can fail from here on */
    for (size_t i = 0; i < np; i++)
        apply_rows(&plans[i]);
    if (j->count) {
        for (size_t i = 0; i < j->count; i++) {
            size_t pos = j->head + i >= j->cap ? j->head + i - j->cap : j->head + i;
            if (drop[i])
                free(j->ring[pos].wbuf); /* a waiting label's id and label text */
        }
        free(j->ring);
        free(j->slots);
        j->ring = ring;
        j->slots = slots;
        ring = NULL;
        slots = NULL;
        j->head = 0;
        j->count = kept;
        j->n_wait -= waits;
        j->wait_scan = 0;
        c->labels_waiting = waits;
    }
    mjoin_update_wait_min(m);
    rc = VG_OK;
    goto out;
nomem:
    rc = vg_error_set(err, VG_ERR_NOMEM, "out of memory erasing records");
out:
    for (size_t i = 0; plans && i < np; i++)
        rowplan_free(&plans[i]);
    free(plans);
    free(ring);
    free(slots);
    free(drop);
    idset_free(&set);
    return rc;
}

/* ---- journal entries ------------------------------------------------------------------------- */

int vg_monitor_erase_batch(const vg_monitor *m, const char *const *ids, size_t n, const void *data,
                           size_t len, unsigned char **out, size_t *out_len, size_t *removed,
                           vg_error *err) {
    *out = NULL;
    *out_len = 0;
    *removed = 0;
    if (n == 0)
        return VG_OK;
    vg_monitor_batch *b = NULL;
    int rc = vg_monitor_batch_decode(m, data, len, &b, err);
    if (rc != VG_OK)
        return rc;
    idset set;
    if ((rc = idset_make(&set, ids, n, err)) != VG_OK) {
        vg_monitor_batch_free(b);
        return rc;
    }
    size_t drop = 0;
    for (size_t i = 0; i < b->n; i++)
        drop += idset_has(&set, b->arena + b->rec[i].id.off, b->rec[i].id.len);
    if (drop == 0 || drop == b->n) {
        *removed = drop;
        idset_free(&set);
        vg_monitor_batch_free(b);
        return VG_OK;
    }
    /* the records kept, in order, with their cells at k * per and their texts re-laid */
    size_t per = b->labels ? 0 : b->n_features + mspec_n_proba(m->spec), keep = b->n - drop;
    vg_monitor_batch nb = *b;
    nb.rec = malloc(keep * sizeof *nb.rec);
    nb.cells = per ? malloc(keep * per * sizeof *nb.cells) : NULL;
    arena ar = {malloc(b->alen ? b->alen : 1), 0};
    if (!nb.rec || (per && !nb.cells) || !ar.a) {
        rc = vg_error_set(err, VG_ERR_NOMEM, "out of memory erasing from a journal entry");
    } else {
        size_t k = 0;
        for (size_t i = 0; i < b->n; i++) {
            const mrec *r = &b->rec[i];
            if (idset_has(&set, b->arena + r->id.off, r->id.len))
                continue;
            mrec *d = &nb.rec[k];
            *d = *r;
            arena_copy(&ar, b->arena, &d->id);
            arena_copy(&ar, b->arena, &d->pred);
            arena_copy(&ar, b->arena, &d->label);
            d->cell0 = (uint32_t)(k * per);
            for (size_t x = 0; x < per; x++) {
                mtext *t = &nb.cells[k * per + x];
                *t = b->cells[r->cell0 + x];
                arena_copy(&ar, b->arena, t);
            }
            k++;
        }
        nb.n = nb.cap = keep;
        nb.ncells = nb.cells_cap = keep * per;
        nb.arena = ar.a;
        nb.alen = nb.acap = ar.len;
        nb.src = NULL;
        rc = vg_monitor_batch_encode(&nb, out, out_len, err);
        if (rc == VG_OK)
            *removed = drop;
    }
    free(nb.rec);
    free(nb.cells);
    free(ar.a);
    idset_free(&set);
    vg_monitor_batch_free(b);
    return rc;
}

/* ---- rows blobs ------------------------------------------------------------------------------ */

int vg_monitor_erase_rows(const vg_monitor *m, const char *const *ids, size_t n, const void *blob,
                          size_t len, unsigned char **out, size_t *out_len, size_t *removed,
                          vg_error *err) {
    *out = NULL;
    *out_len = 0;
    *removed = 0;
    if (n == 0)
        return VG_OK;
    mwin w;
    memset(&w, 0, sizeof w);
    int rc = mrows_decode(m->spec, &w, blob, len, err);
    idset set;
    memset(&set, 0, sizeof set);
    if (rc == VG_OK)
        rc = idset_make(&set, ids, n, err);
    if (rc == VG_OK) {
        rowplan p;
        int got = plan_rows(&w, mspec_n_ext(m->spec), &set, 0, &p);
        if (got < 0) {
            rc = vg_error_set(err, VG_ERR_NOMEM, "out of memory erasing from window rows");
        } else if (got) {
            p.w = &w;
            apply_rows(&p);
            if (mrows_encode(m->spec, &w, out, out_len) != VG_OK)
                rc = vg_error_set(err, VG_ERR_NOMEM, "out of memory erasing from window rows");
            else
                *removed = p.dropped;
            rowplan_free(&p);
        }
        idset_free(&set);
    }
    free(w.row);
    free(w.ext);
    free(w.arena);
    return rc;
}
