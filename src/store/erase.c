/*
 * Erasure and retention of record-level data in the store (store.h: vg_store_erase,
 * vg_store_expire_rows). The store keeps journal entries and rows blobs opaque, so the caller
 * rewrites them through callbacks (the monitor's codecs know the formats); the store's part is
 * that every rewrite of one model happens in one transaction, and that the bytes removed do not
 * stay on disk: the connections run with secure_delete (store.c), so freed pages and cells are
 * zeroed, and a checkpoint after the commit copies the new pages into the database and
 * truncates the WAL, whose older frames still held the old pages.
 */
#include <stdlib.h>
#include <string.h>

#include "store_int.h"

/* One change decided while reading, applied after the read statement is finished (SQLite
 * allows writes during a read, but what the read then sees is not defined for every case). */
typedef struct change {
    int64_t key; /* journal seq, window key or dead-letter id */
    void *data;  /* NULL: delete the row (journal, dead letter) or clear the blob (window) */
    size_t len;
} change;

typedef struct changes {
    change *v;
    size_t n, cap;
} changes;

static int changes_add(changes *c, int64_t key, void *data, size_t len) {
    if (c->n == c->cap) {
        size_t cap = c->cap ? c->cap * 2 : 32;
        change *v = realloc(c->v, cap * sizeof *v);
        if (!v)
            return VG_ERR_NOMEM;
        c->v = v;
        c->cap = cap;
    }
    c->v[c->n++] = (change){key, data, len};
    return VG_OK;
}

static void changes_free(changes *c) {
    for (size_t i = 0; i < c->n; i++)
        free(c->v[i].data);
    free(c->v);
    memset(c, 0, sizeof *c);
}

static int prepare(vg_store *s, const char *sql, sqlite3_stmt **st, vg_error *err) {
    if (sqlite3_prepare_v2(s->db, sql, -1, st, NULL) != SQLITE_OK)
        return vg_store_db_error(s, s->db, "preparing an erasure statement", err);
    return VG_OK;
}

/* Runs st (bound by the caller) to its end, then finalizes it. */
static int run(vg_store *s, sqlite3_stmt *st, const char *what, vg_error *err) {
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? VG_OK : vg_store_db_error(s, s->db, what, err);
}

/* Reads the journal entries of model id through ops->journal into ch. */
static int read_journal(vg_store *s, int64_t id, const vg_store_erase_ops *ops, changes *ch,
                        vg_error *err) {
    sqlite3_stmt *st;
    int rc = prepare(s, "SELECT seq, kind, data FROM journal WHERE model_id = ?1 ORDER BY seq", &st,
                     err);
    if (rc != VG_OK)
        return rc;
    sqlite3_bind_int64(st, 1, id);
    int step;
    while (rc == VG_OK && (step = sqlite3_step(st)) == SQLITE_ROW) {
        const void *d = sqlite3_column_blob(st, 2);
        size_t len = (size_t)sqlite3_column_bytes(st, 2);
        void *out = NULL;
        size_t out_len = 0;
        int got = ops->journal(ops->ctx, (uint64_t)sqlite3_column_int64(st, 0),
                               sqlite3_column_int(st, 1), d ? d : "", len, &out, &out_len, err);
        if (got < 0)
            rc = got;
        else if (got > 0 && changes_add(ch, sqlite3_column_int64(st, 0), out, out_len) != VG_OK) {
            free(out);
            rc = vg_error_set(err, VG_ERR_NOMEM, "out of memory");
        }
    }
    if (rc == VG_OK && step != SQLITE_DONE)
        rc = vg_store_db_error(s, s->db, "reading the journal", err);
    sqlite3_finalize(st);
    return rc;
}

static int read_windows(vg_store *s, int64_t id, const vg_store_erase_ops *ops, changes *ch,
                        vg_error *err) {
    sqlite3_stmt *st;
    int rc = prepare(s,
                     "SELECT key, rows_blob FROM windows WHERE model_id = ?1"
                     " AND rows_blob IS NOT NULL ORDER BY key",
                     &st, err);
    if (rc != VG_OK)
        return rc;
    sqlite3_bind_int64(st, 1, id);
    int step;
    while (rc == VG_OK && (step = sqlite3_step(st)) == SQLITE_ROW) {
        const void *d = sqlite3_column_blob(st, 1);
        size_t len = (size_t)sqlite3_column_bytes(st, 1);
        void *out = NULL;
        size_t out_len = 0;
        int64_t key = sqlite3_column_int64(st, 0);
        int got = ops->rows(ops->ctx, key, d ? d : "", len, &out, &out_len, err);
        if (got < 0)
            rc = got;
        else if (got > 0 && changes_add(ch, key, out, out_len) != VG_OK) {
            free(out);
            rc = vg_error_set(err, VG_ERR_NOMEM, "out of memory");
        }
    }
    if (rc == VG_OK && step != SQLITE_DONE)
        rc = vg_store_db_error(s, s->db, "reading the windows", err);
    sqlite3_finalize(st);
    return rc;
}

static int read_dead(vg_store *s, int64_t id, const vg_store_erase_ops *ops, changes *ch,
                     vg_error *err) {
    sqlite3_stmt *st;
    int rc = prepare(s, "SELECT id, kind, record FROM dead_letters WHERE model_id = ?1", &st, err);
    if (rc != VG_OK)
        return rc;
    sqlite3_bind_int64(st, 1, id);
    int step;
    while (rc == VG_OK && (step = sqlite3_step(st)) == SQLITE_ROW) {
        const char *kind = (const char *)sqlite3_column_text(st, 1);
        const char *rec = (const char *)sqlite3_column_text(st, 2);
        if (ops->dead(ops->ctx, kind ? kind : "", rec ? rec : "") &&
            changes_add(ch, sqlite3_column_int64(st, 0), NULL, 0) != VG_OK)
            rc = vg_error_set(err, VG_ERR_NOMEM, "out of memory");
    }
    if (rc == VG_OK && step != SQLITE_DONE)
        rc = vg_store_db_error(s, s->db, "reading the dead letters", err);
    sqlite3_finalize(st);
    return rc;
}

/* Writes the changes of one table: sql_set binds (?1 model, ?2 key, ?3 bytes), sql_del (?1, ?2). */
static int write_changes(vg_store *s, int64_t id, const changes *ch, const char *sql_set,
                         const char *sql_del, uint64_t *set, uint64_t *del, vg_error *err) {
    for (size_t i = 0; i < ch->n; i++) {
        const change *c = &ch->v[i];
        sqlite3_stmt *st;
        int rc = prepare(s, c->data || !sql_del ? sql_set : sql_del, &st, err);
        if (rc != VG_OK)
            return rc;
        sqlite3_bind_int64(st, 1, id);
        sqlite3_bind_int64(st, 2, c->key);
        if (c->data || !sql_del) {
            if ((rc = vg_store_check_len(s, c->len, "an erased entry", err)) != VG_OK) {
                sqlite3_finalize(st);
                return rc;
            }
            if (c->data)
                sqlite3_bind_blob64(st, 3, c->data, c->len, SQLITE_STATIC);
            else
                sqlite3_bind_null(st, 3);
            (*set)++;
        } else {
            (*del)++;
        }
        if ((rc = run(s, st, "writing an erasure", err)) != VG_OK)
            return rc;
    }
    return VG_OK;
}

int vg_store_erase(vg_store *s, const char *model, const vg_store_erase_ops *ops,
                   vg_store_erase_counts *c, vg_error *err) {
    memset(c, 0, sizeof *c);
    if (!ops || !ops->journal || !ops->rows || !ops->dead)
        return vg_error_set(err, VG_ERR_INVALID, "erase: three callbacks are needed");
    changes jc = {0}, wc = {0}, dc = {0};
    pthread_mutex_lock(&s->lock);
    int64_t id;
    int rc = vg_store_model_id(s, model, &id, err);
    if (rc == VG_OK && (rc = vg_store_begin(s, err)) == VG_OK) {
        if ((rc = read_journal(s, id, ops, &jc, err)) == VG_OK &&
            (rc = read_windows(s, id, ops, &wc, err)) == VG_OK &&
            (rc = read_dead(s, id, ops, &dc, err)) == VG_OK &&
            (rc = write_changes(s, id, &jc,
                                "UPDATE journal SET data = ?3 WHERE model_id = ?1 AND seq = ?2",
                                "DELETE FROM journal WHERE model_id = ?1 AND seq = ?2",
                                &c->journal_rewritten, &c->journal_deleted, err)) == VG_OK &&
            (rc = write_changes(
                 s, id, &wc, "UPDATE windows SET rows_blob = ?3 WHERE model_id = ?1 AND key = ?2",
                 NULL, &c->windows_rewritten, &c->windows_rewritten, err)) == VG_OK &&
            (rc = write_changes(s, id, &dc, "",
                                "DELETE FROM dead_letters WHERE model_id = ?1 AND id = ?2",
                                &c->dead_deleted, &c->dead_deleted, err)) == VG_OK)
            rc = vg_store_commit(s, err);
        else
            vg_store_rollback(s);
    }
    if (rc == VG_OK && (jc.n || wc.n || dc.n)) {
        /* the old pages are still in the WAL's earlier frames: copy the new ones into the
         * database and truncate the WAL (a reader holding an old snapshot makes this partial:
         * the next erase or the checkpoint at close finishes it) */
        int logged = 0, ckpt = 0;
        c->checkpointed = sqlite3_wal_checkpoint_v2(s->db, NULL, SQLITE_CHECKPOINT_TRUNCATE,
                                                    &logged, &ckpt) == SQLITE_OK;
    }
    pthread_mutex_unlock(&s->lock);
    changes_free(&jc);
    changes_free(&wc);
    changes_free(&dc);
    return rc;
}

int vg_store_expire_rows(vg_store *s, int64_t cutoff_ms, vg_error *err) {
    pthread_mutex_lock(&s->lock);
    sqlite3_stmt *st = NULL;
    int rc = prepare(s,
                     "UPDATE windows SET rows_blob = NULL WHERE end_ms < ?1"
                     " AND rows_blob IS NOT NULL",
                     &st, err);
    int64_t n = 0;
    if (rc == VG_OK) {
        sqlite3_bind_int64(st, 1, cutoff_ms);
        rc = run(s, st, "clearing the rows of old windows", err);
        n = sqlite3_changes64(s->db);
    }
    pthread_mutex_unlock(&s->lock);
    if (rc != VG_OK)
        return rc;
    return n > INT32_MAX ? INT32_MAX : (int)n;
}
