/*
 * The journal of accepted batches and its group commit (see store.h).
 *
 * An acknowledgement must mean "on disk", and an fsync costs milliseconds whatever it carries,
 * so one writer thread commits for everybody: a caller of vg_store_journal_append queues a
 * request and sleeps; the writer takes every request queued at that moment (up to a bound),
 * inserts them in one transaction on its own connection, commits (synchronous=FULL: the WAL is
 * fsync'd before COMMIT returns) and wakes them all. While it commits, new requests pile up
 * and go together in the next transaction, so the number of fsyncs per second stays bounded
 * while the entries per second grow with the number of concurrent callers: the group commit of
 * database logs (DeWitt et al., "Implementation techniques for main memory database systems",
 * SIGMOD 1984).
 *
 * A request whose own insert fails (unknown model, seq already journaled) fails alone with
 * VG_ERR_INVALID; any other failure (BEGIN, an I/O error, COMMIT) fails every request of the
 * transaction with VG_ERR_IO, and none of them is durable.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "store_int.h"

/* Bounds on one transaction: keeps the WAL growth and the latency of a commit in check when a
 * burst queues many large entries at once. */
#define BATCH_MAX_ENTRIES 4096
#define BATCH_MAX_BYTES (32u << 20)

/* Inserts only when the model exists (0 rows changed otherwise): an unknown model fails that
 * request, not the transaction. */
static const char insert_sql[] = "INSERT INTO journal(seq, model_id, kind, data)"
                                 " SELECT ?1, id, ?3, ?4 FROM models WHERE name = ?2";

static double seconds_now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* Writes the requests of batch in one transaction, setting each rc (and err), and the number
 * of entries and bytes committed. */
static void commit_batch(vg_store *s, vg_journal_req *batch, uint64_t *entries, uint64_t *bytes) {
    sqlite3 *db = s->jdb;
    sqlite3_stmt *st = s->jinsert;
    char msg[VG_ERROR_MSG_MAX] = "";
    const char *what = "beginning a journal transaction";
    int fatal = sqlite3_step(s->jbegin) != SQLITE_DONE;
    if (fatal)
        snprintf(msg, sizeof msg, "%s", sqlite3_errmsg(db));
    sqlite3_reset(s->jbegin);
    *entries = *bytes = 0;
    for (vg_journal_req *r = batch; r && !fatal; r = r->next) {
        sqlite3_bind_int64(st, 1, (int64_t)r->seq);
        sqlite3_bind_text(st, 2, r->model, -1, SQLITE_STATIC);
        sqlite3_bind_int(st, 3, r->kind);
        sqlite3_bind_blob64(st, 4, r->data ? r->data : "", r->len, SQLITE_STATIC);
        int rc = sqlite3_step(st);
        if (rc == SQLITE_DONE && sqlite3_changes(db) == 1) {
            r->rc = VG_OK;
            (*entries)++;
            *bytes += r->len;
        } else if (rc == SQLITE_DONE) {
            r->rc = vg_error_set(r->err, VG_ERR_INVALID, "journal: no model '%s'", r->model);
        } else if ((rc & 0xff) == SQLITE_CONSTRAINT) {
            r->rc = vg_error_set(r->err, VG_ERR_INVALID, "journal: seq %llu of model '%s': %s",
                                 (unsigned long long)r->seq, r->model, sqlite3_errmsg(db));
        } else {
            what = "writing the journal";
            snprintf(msg, sizeof msg, "%s", sqlite3_errmsg(db));
            fatal = 1;
        }
        sqlite3_reset(st);
    }
    sqlite3_clear_bindings(st);
    if (!fatal && sqlite3_step(s->jcommit) != SQLITE_DONE) {
        what = "committing the journal";
        snprintf(msg, sizeof msg, "%s", sqlite3_errmsg(db));
        fatal = 1;
    }
    if (!fatal) {
        sqlite3_reset(s->jcommit);
        return;
    }
    sqlite3_reset(s->jcommit);
    if (!sqlite3_get_autocommit(db)) {
        sqlite3_step(s->jrollback);
        sqlite3_reset(s->jrollback);
    }
    for (vg_journal_req *r = batch; r; r = r->next)
        r->rc = vg_error_set(r->err, VG_ERR_IO, "%s: %s: %s", s->path, what, msg);
    *entries = *bytes = 0;
}

static void *writer_main(void *arg) {
    vg_store *s = arg;
    pthread_mutex_lock(&s->qlock);
    for (;;) {
        while (!s->head && !s->stopping)
            pthread_cond_wait(&s->qwork, &s->qlock);
        if (!s->head)
            break; /* stopping, and the queue is drained */
        vg_journal_req *batch = s->head, *last = batch;
        size_t n = 1, size = batch->len;
        while (last->next && n < BATCH_MAX_ENTRIES && size + last->next->len <= BATCH_MAX_BYTES) {
            last = last->next;
            n++;
            size += last->len;
        }
        s->head = last->next;
        if (!s->head)
            s->tail = NULL;
        last->next = NULL;
        pthread_mutex_unlock(&s->qlock);

        double t0 = seconds_now();
        uint64_t entries, bytes;
        commit_batch(s, batch, &entries, &bytes);
        double dt = seconds_now() - t0;

        pthread_mutex_lock(&s->qlock);
        if (entries) {
            s->stats.journal_commits++;
            s->stats.journal_entries += entries;
            s->stats.journal_bytes += bytes;
            s->stats.journal_commit_seconds += dt;
        }
        /* a request's owner may return (and its stack frame go) as soon as it sees done */
        for (vg_journal_req *r = batch, *next; r; r = next) {
            next = r->next;
            r->done = 1;
        }
        pthread_cond_broadcast(&s->qdone);
    }
    pthread_mutex_unlock(&s->qlock);
    return NULL;
}

int vg_store_journal_start(vg_store *s, vg_error *err) {
    const unsigned flags = SQLITE_PREPARE_PERSISTENT;
    if (sqlite3_prepare_v3(s->jdb, insert_sql, -1, flags, &s->jinsert, NULL) != SQLITE_OK ||
        sqlite3_prepare_v3(s->jdb, "BEGIN IMMEDIATE", -1, flags, &s->jbegin, NULL) != SQLITE_OK ||
        sqlite3_prepare_v3(s->jdb, "COMMIT", -1, flags, &s->jcommit, NULL) != SQLITE_OK ||
        sqlite3_prepare_v3(s->jdb, "ROLLBACK", -1, flags, &s->jrollback, NULL) != SQLITE_OK)
        return vg_store_db_error(s, s->jdb, "preparing the journal statements", err);
    int e = pthread_create(&s->writer, NULL, writer_main, s);
    if (e != 0)
        return vg_error_set(err, VG_ERR_IO, "%s: cannot start the journal writer: %s", s->path,
                            strerror(e));
    s->writer_started = 1;
    return VG_OK;
}

void vg_store_journal_stop(vg_store *s) {
    pthread_mutex_lock(&s->qlock);
    s->stopping = 1;
    pthread_cond_signal(&s->qwork);
    pthread_mutex_unlock(&s->qlock);
    if (s->writer_started)
        pthread_join(s->writer, NULL);
    s->writer_started = 0;
}

uint64_t vg_store_next_seq(vg_store *s) {
    return atomic_fetch_add(&s->last_seq, 1) + 1;
}

/* Keeps vg_store_next_seq above a seq the caller chose itself. */
static void raise_last_seq(vg_store *s, uint64_t seq) {
    uint64_t cur = atomic_load(&s->last_seq);
    while (cur < seq && !atomic_compare_exchange_weak(&s->last_seq, &cur, seq))
        ;
}

int vg_store_journal_append(vg_store *s, const char *model, uint64_t seq, int kind,
                            const void *data, size_t len, vg_error *err) {
    if (!model || !*model)
        return vg_error_set(err, VG_ERR_INVALID, "journal: a model name is required");
    if (!data && len)
        return vg_error_set(err, VG_ERR_INVALID, "journal: no data");
    if (seq == 0 || seq > (uint64_t)INT64_MAX)
        return vg_error_set(err, VG_ERR_INVALID, "journal: seq %llu out of range",
                            (unsigned long long)seq);
    int lrc = vg_store_check_len(s, len, "a journal entry", err);
    if (lrc != VG_OK)
        return lrc;
    vg_journal_req r = {
        .model = model, .seq = seq, .kind = kind, .data = data, .len = len, .err = err};
    pthread_mutex_lock(&s->qlock);
    if (s->stopping) {
        pthread_mutex_unlock(&s->qlock);
        return vg_error_set(err, VG_ERR_IO, "%s: journal: the store is closing", s->path);
    }
    if (s->tail)
        s->tail->next = &r;
    else
        s->head = &r;
    s->tail = &r;
    pthread_cond_signal(&s->qwork);
    while (!r.done)
        pthread_cond_wait(&s->qdone, &s->qlock);
    pthread_mutex_unlock(&s->qlock);
    if (r.rc == VG_OK)
        raise_last_seq(s, seq);
    return r.rc;
}

/* Replay reads on a connection of its own: the callback may call the store (persist the
 * windows that replay closes) without deadlocking on the store mutex, and the read transaction
 * never blocks the writers (WAL). */
int vg_store_journal_replay(vg_store *s, const char *model, uint64_t from, vg_store_journal_fn fn,
                            void *ctx, vg_error *err) {
    if (!model || !*model || !fn)
        return vg_error_set(err, VG_ERR_INVALID, "journal replay: a model and a callback needed");
    sqlite3 *db;
    int rc = vg_store_connect(s, &db, err);
    if (rc != VG_OK)
        return rc;
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db,
                           "SELECT j.seq, j.kind, j.data, m.id FROM models m"
                           " LEFT JOIN journal j ON j.model_id = m.id AND j.seq >= ?2"
                           " WHERE m.name = ?1 ORDER BY j.seq",
                           -1, &st, NULL) != SQLITE_OK) {
        rc = vg_store_db_error(s, db, "preparing the journal replay", err);
        sqlite3_close(db);
        return rc;
    }
    sqlite3_bind_text(st, 1, model, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, from > (uint64_t)INT64_MAX ? INT64_MAX : (int64_t)from);
    int step, rows = 0;
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        rows++;
        if (sqlite3_column_type(st, 0) == SQLITE_NULL)
            continue; /* the model has no entry from `from` on */
        const void *data = sqlite3_column_blob(st, 2);
        size_t len = (size_t)sqlite3_column_bytes(st, 2);
        int stop = fn(ctx, (uint64_t)sqlite3_column_int64(st, 0), sqlite3_column_int(st, 1),
                      data ? data : "", len);
        if (stop) {
            rc = stop;
            break;
        }
    }
    if (rc == VG_OK && step != SQLITE_DONE)
        rc = vg_store_db_error(s, db, "reading the journal", err);
    else if (rc == VG_OK && rows == 0)
        rc = vg_error_set(err, VG_ERR_INVALID, "no model '%s'", model);
    sqlite3_finalize(st);
    sqlite3_close(db);
    return rc;
}

int vg_store_journal_prune(vg_store *s, const char *model, uint64_t below, vg_error *err) {
    pthread_mutex_lock(&s->lock);
    int64_t id;
    int rc = vg_store_model_id(s, model, &id, err);
    sqlite3_stmt *st = rc == VG_OK ? vg_store_stmt(s, ST_JOURNAL_PRUNE, err) : NULL;
    if (rc == VG_OK && !st)
        rc = VG_ERR_IO;
    if (rc == VG_OK && (rc = vg_store_begin(s, err)) == VG_OK) {
        sqlite3_bind_int64(st, 1, id);
        sqlite3_bind_int64(st, 2, below > (uint64_t)INT64_MAX ? INT64_MAX : (int64_t)below);
        rc = vg_store_exec(s, st, "pruning the journal", err);
        if (rc == VG_OK)
            rc = vg_store_commit(s, err);
        else
            vg_store_rollback(s);
    }
    pthread_mutex_unlock(&s->lock);
    return rc;
}

void vg_store_get_stats(vg_store *s, vg_store_stats *st) {
    pthread_mutex_lock(&s->qlock);
    *st = s->stats;
    pthread_mutex_unlock(&s->qlock);
}
