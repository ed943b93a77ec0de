/*
 * Internals shared by the two halves of the store: store.c (connections, schema, the tables
 * written under the store mutex) and journal.c (the group-commit writer thread). Not installed,
 * not included outside src/store/.
 *
 * Two connections to one WAL database: `db`, used by every call under `lock`, and `jdb`, used
 * only by the journal writer thread (and by open/close, before it starts and after it ends).
 * SQLite serializes their write transactions itself (busy_timeout); both use BEGIN IMMEDIATE so
 * that a transaction never has to upgrade a stale read snapshot (SQLITE_BUSY_SNAPSHOT, which
 * the busy handler does not retry).
 */
#ifndef VG_STORE_INT_H
#define VG_STORE_INT_H

#include <pthread.h>
#include <sqlite3.h>
#include <stdatomic.h>
#include <stdint.h>

#include "store.h"

/* A caller of vg_store_journal_append, queued for the writer. It lives on the caller's stack:
 * the caller blocks until `done`, so the bytes it points to outlive their use. */
typedef struct vg_journal_req {
    const char *model;
    uint64_t seq;
    int kind;
    const void *data;
    size_t len;
    vg_error *err; /* the caller's, filled by the writer on failure */
    int rc;
    int done;
    struct vg_journal_req *next;
} vg_journal_req;

/* Statements of the main connection, prepared on first use and kept (see store.c: sql[]). */
enum {
    ST_BEGIN,
    ST_COMMIT,
    ST_ROLLBACK,
    ST_MODEL_ID,
    ST_PUT_MODEL,
    ST_DELETE_MODEL,
    ST_LIST_MODELS,
    ST_PUT_REF,
    ST_GET_REF,
    ST_PUT_WINDOW,
    ST_LIST_WINDOWS,
    ST_LIST_WINDOWS_BLOBS,
    ST_GET_WINDOW,
    ST_EXPIRE_POINTS,
    ST_EXPIRE_WINDOW_POINTS,
    ST_EXPIRE_WINDOWS,
    ST_EXPIRE_DEAD,
    ST_DELETE_POINTS,
    ST_PUT_POINT,
    ST_GET_SERIES,
    ST_LIST_SERIES,
    ST_ADD_DEAD,
    ST_LIST_DEAD,
    ST_LIST_DEAD_ALL,
    ST_COUNT_DEAD,
    ST_COUNT_DEAD_ALL,
    ST_JOURNAL_PRUNE,
    ST_COUNT
};

struct vg_store {
    char *path;           /* DIR/vigia.db, for messages */
    int lock_fd;          /* DIR/vigia.lock, flock'ed: one process per data directory */
    size_t max_value;     /* SQLite's limit on one blob or string (SQLITE_LIMIT_LENGTH) */
    pthread_mutex_t lock; /* guards db and stmt[] */
    sqlite3 *db;
    sqlite3_stmt *stmt[ST_COUNT];

    /* journal writer */
    sqlite3 *jdb;
    sqlite3_stmt *jinsert, *jbegin, *jcommit, *jrollback;
    pthread_t writer;
    int writer_started;
    pthread_mutex_t qlock; /* guards the queue, stopping and stats */
    pthread_cond_t qwork;  /* the writer waits for requests */
    pthread_cond_t qdone;  /* callers wait for their request to be done */
    vg_journal_req *head, *tail;
    int stopping;
    vg_store_stats stats;
    _Atomic uint64_t last_seq;
};

/* Opens a connection to s->path with the store's settings (WAL, synchronous=FULL, foreign
 * keys, busy timeout). */
int vg_store_connect(vg_store *s, sqlite3 **out, vg_error *err);
/* VG_ERR_IO naming the database, what was being done and SQLite's message for db. */
int vg_store_db_error(const vg_store *s, sqlite3 *db, const char *what, vg_error *err);
int64_t vg_store_now_ms(void);

/* The main connection's statement `id`, prepared on first use (call with s->lock held); NULL
 * with err set on failure. Reset and unbound by vg_store_reset. */
sqlite3_stmt *vg_store_stmt(vg_store *s, int id, vg_error *err);
void vg_store_reset(sqlite3_stmt *st);
/* Steps a statement that returns no row, then resets it. */
int vg_store_exec(vg_store *s, sqlite3_stmt *st, const char *what, vg_error *err);
/* BEGIN IMMEDIATE / COMMIT / ROLLBACK on the main connection (s->lock held). */
int vg_store_begin(vg_store *s, vg_error *err);
int vg_store_commit(vg_store *s, vg_error *err);
void vg_store_rollback(vg_store *s);
/* VG_ERR_LIMIT when a value of len bytes cannot be stored (SQLite's length limit), so that it
 * fails alone and clearly rather than as an I/O error of its transaction. */
int vg_store_check_len(const vg_store *s, size_t len, const char *what, vg_error *err);
/* The id of model `name` (s->lock held): VG_ERR_INVALID "no model NAME" when absent. */
int vg_store_model_id(vg_store *s, const char *name, int64_t *id, vg_error *err);

/* journal.c: starts and stops the writer thread (jdb must be open). */
int vg_store_journal_start(vg_store *s, vg_error *err);
void vg_store_journal_stop(vg_store *s);

#endif
