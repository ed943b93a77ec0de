/*
 * The daemon's SQLite database (see store.h): opening and migrating it, and every table but the
 * journal's writer (journal.c).
 *
 * One file, DIR/vigia.db, in WAL mode: readers never block the writer and a commit is one
 * sequential append to the WAL, fsync'd (synchronous=FULL) before COMMIT returns, so whatever
 * a call reported as written survives kill -9 and power loss. Every table hangs off models(id)
 * with ON DELETE CASCADE, so deleting a model is one statement. Rows refer to models by integer
 * id rather than name: a model deleted and created again under the same name starts empty.
 *
 * The schema version is PRAGMA user_version; migrations[i] takes version i to i + 1 and runs in
 * its own transaction, so an interrupted upgrade leaves the previous version intact. A database
 * newer than this build is refused rather than misread.
 *
 * Statements are prepared once (SQLITE_PREPARE_PERSISTENT) and kept for the life of the store;
 * the store mutex guards them with the connection.
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "store_int.h"

/* ---- schema ---------------------------------------------------------------------------------- */

/* The journal's seq is AUTOINCREMENT only for sqlite_sequence: it remembers the largest seq
 * ever stored even after prune deleted every entry, so vg_store_next_seq never reuses one.
 * points is WITHOUT ROWID: small rows always looked up by (model, name, labels, key). NaN
 * values are stored as NULL (SQLite has no NaN) and read back as NaN. */
/* alerts.c: the tables of alert states, history, outbox, silences and acknowledgements */
extern const char vg_store_alerts_schema[];
/* tokens.c: API tokens (salted hashes); audit.c: the hash-chained audit log */
extern const char vg_store_tokens_schema[];
extern const char vg_store_audit_schema[];

static const char *const migrations[] = {
    /* 0 -> 1 */
    "CREATE TABLE models ("
    " id INTEGER PRIMARY KEY,"
    " name TEXT NOT NULL UNIQUE,"
    " spec_json TEXT NOT NULL,"
    " created_ms INTEGER NOT NULL);"
    "CREATE TABLE refs ("
    " model_id INTEGER PRIMARY KEY REFERENCES models(id) ON DELETE CASCADE,"
    " format TEXT NOT NULL,"
    " data BLOB NOT NULL,"
    " uploaded_ms INTEGER NOT NULL);"
    "CREATE TABLE windows ("
    " model_id INTEGER NOT NULL REFERENCES models(id) ON DELETE CASCADE,"
    " key INTEGER NOT NULL,"
    " start_ms INTEGER NOT NULL,"
    " end_ms INTEGER NOT NULL,"
    " revision INTEGER NOT NULL,"
    " rows INTEGER NOT NULL,"
    " labelled INTEGER NOT NULL,"
    " max_seq INTEGER NOT NULL,"
    " closed_ms INTEGER NOT NULL,"
    " profile BLOB,"
    " report_json TEXT,"
    " rows_blob BLOB,"
    " PRIMARY KEY (model_id, key));"
    "CREATE INDEX windows_end ON windows(end_ms);"
    "CREATE TABLE points ("
    " model_id INTEGER NOT NULL REFERENCES models(id) ON DELETE CASCADE,"
    " name TEXT NOT NULL,"
    " labels TEXT NOT NULL,"
    " key INTEGER NOT NULL,"
    " end_ms INTEGER NOT NULL,"
    " value REAL,"
    " PRIMARY KEY (model_id, name, labels, key)) WITHOUT ROWID;"
    "CREATE INDEX points_window ON points(model_id, key);"
    "CREATE INDEX points_end ON points(end_ms);"
    "CREATE TABLE dead_letters ("
    " id INTEGER PRIMARY KEY AUTOINCREMENT,"
    " model_id INTEGER NOT NULL REFERENCES models(id) ON DELETE CASCADE,"
    " kind TEXT NOT NULL CHECK (kind IN ('prediction', 'label')),"
    " received_ms INTEGER NOT NULL,"
    " batch_index INTEGER NOT NULL,"
    " field TEXT NOT NULL,"
    " reason TEXT NOT NULL,"
    " record TEXT);"
    "CREATE INDEX dead_letters_model ON dead_letters(model_id, id);"
    "CREATE INDEX dead_letters_received ON dead_letters(received_ms);"
    "CREATE TABLE journal ("
    " seq INTEGER PRIMARY KEY AUTOINCREMENT,"
    " model_id INTEGER NOT NULL REFERENCES models(id) ON DELETE CASCADE,"
    " kind INTEGER NOT NULL,"
    " data BLOB NOT NULL);"
    "CREATE INDEX journal_model ON journal(model_id, seq);",
    /* 1 -> 2: alerting (src/store/alerts.c) */
    vg_store_alerts_schema,
    /* 2 -> 3: API tokens (src/store/tokens.c) */
    vg_store_tokens_schema,
    /* 3 -> 4: the audit log (src/store/audit.c) */
    vg_store_audit_schema,
};
#define SCHEMA_VERSION ((int)(sizeof migrations / sizeof migrations[0]))

static const char *const sql[ST_COUNT] = {
    [ST_BEGIN] = "BEGIN IMMEDIATE",
    [ST_COMMIT] = "COMMIT",
    [ST_ROLLBACK] = "ROLLBACK",
    [ST_MODEL_ID] = "SELECT id FROM models WHERE name = ?1",
    [ST_PUT_MODEL] = "INSERT INTO models(name, spec_json, created_ms) VALUES (?1, ?2, ?3)"
                     " ON CONFLICT(name) DO UPDATE SET spec_json = excluded.spec_json",
    [ST_DELETE_MODEL] = "DELETE FROM models WHERE name = ?1",
    [ST_LIST_MODELS] = "SELECT name, spec_json, created_ms FROM models ORDER BY name",
    [ST_PUT_REF] = "INSERT INTO refs(model_id, format, data, uploaded_ms) VALUES (?1, ?2, ?3, ?4)"
                   " ON CONFLICT(model_id) DO UPDATE SET format = excluded.format,"
                   " data = excluded.data, uploaded_ms = excluded.uploaded_ms",
    [ST_GET_REF] = "SELECT format, data, uploaded_ms FROM refs WHERE model_id = ?1",
    /* a revision replaces the row; an older revision arriving late does not */
    [ST_PUT_WINDOW] =
        "INSERT INTO windows(model_id, key, start_ms, end_ms, revision, rows, labelled, max_seq,"
        " closed_ms, profile, report_json, rows_blob)"
        " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)"
        " ON CONFLICT(model_id, key) DO UPDATE SET start_ms = excluded.start_ms,"
        " end_ms = excluded.end_ms, revision = excluded.revision, rows = excluded.rows,"
        " labelled = excluded.labelled, max_seq = excluded.max_seq,"
        " closed_ms = excluded.closed_ms, profile = excluded.profile,"
        " report_json = excluded.report_json, rows_blob = excluded.rows_blob"
        " WHERE excluded.revision >= windows.revision",
    [ST_LIST_WINDOWS] = "SELECT key, start_ms, end_ms, revision, rows, labelled, max_seq, closed_ms"
                        " FROM windows WHERE model_id = ?1 AND key BETWEEN ?2 AND ?3"
                        " ORDER BY key DESC LIMIT ?4",
    [ST_LIST_WINDOWS_BLOBS] =
        "SELECT key, start_ms, end_ms, revision, rows, labelled, max_seq, closed_ms, profile,"
        " report_json, rows_blob FROM windows WHERE model_id = ?1 AND key BETWEEN ?2 AND ?3"
        " ORDER BY key DESC LIMIT ?4",
    [ST_GET_WINDOW] =
        "SELECT key, start_ms, end_ms, revision, rows, labelled, max_seq, closed_ms, profile,"
        " report_json, rows_blob FROM windows WHERE model_id = ?1 AND key = ?2",
    [ST_EXPIRE_POINTS] = "DELETE FROM points WHERE end_ms < ?1",
    [ST_EXPIRE_WINDOW_POINTS] = "DELETE FROM points WHERE (model_id, key) IN"
                                " (SELECT model_id, key FROM windows WHERE end_ms < ?1)",
    [ST_EXPIRE_WINDOWS] = "DELETE FROM windows WHERE end_ms < ?1",
    [ST_EXPIRE_DEAD] = "DELETE FROM dead_letters WHERE received_ms < ?1",
    [ST_DELETE_POINTS] = "DELETE FROM points WHERE model_id = ?1 AND key = ?2",
    [ST_PUT_POINT] = "INSERT OR REPLACE INTO points(model_id, name, labels, key, end_ms, value)"
                     " VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    [ST_GET_SERIES] = "SELECT key, end_ms, value FROM points WHERE model_id = ?1 AND name = ?2"
                      " AND labels = ?3 AND key BETWEEN ?4 AND ?5 ORDER BY key",
    [ST_LIST_SERIES] =
        "SELECT DISTINCT name, labels FROM points WHERE model_id = ?1 ORDER BY name, labels",
    [ST_ADD_DEAD] = "INSERT INTO dead_letters(model_id, kind, received_ms, batch_index, field,"
                    " reason, record) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    [ST_LIST_DEAD] = "SELECT d.id, d.received_ms, m.name, d.kind, d.batch_index, d.field,"
                     " d.reason, d.record FROM dead_letters d JOIN models m ON m.id = d.model_id"
                     " WHERE d.model_id = ?1 AND d.id < ?2 ORDER BY d.id DESC LIMIT ?3",
    [ST_LIST_DEAD_ALL] = "SELECT d.id, d.received_ms, m.name, d.kind, d.batch_index, d.field,"
                         " d.reason, d.record FROM dead_letters d"
                         " JOIN models m ON m.id = d.model_id"
                         " WHERE d.id < ?1 ORDER BY d.id DESC LIMIT ?2",
    [ST_COUNT_DEAD] = "SELECT count(*) FROM dead_letters WHERE model_id = ?1",
    [ST_COUNT_DEAD_ALL] = "SELECT count(*) FROM dead_letters",
    [ST_JOURNAL_PRUNE] = "DELETE FROM journal WHERE model_id = ?1 AND seq < ?2",
};

/* ---- helpers shared with journal.c ----------------------------------------------------------- */

int vg_store_db_error(const vg_store *s, sqlite3 *db, const char *what, vg_error *err) {
    return vg_error_set(err, VG_ERR_IO, "%s: %s: %s", s->path, what,
                        db ? sqlite3_errmsg(db) : "no connection");
}

int64_t vg_store_now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

sqlite3_stmt *vg_store_stmt(vg_store *s, int id, vg_error *err) {
    if (!s->stmt[id] && sqlite3_prepare_v3(s->db, sql[id], -1, SQLITE_PREPARE_PERSISTENT,
                                           &s->stmt[id], NULL) != SQLITE_OK) {
        vg_store_db_error(s, s->db, "preparing a statement", err);
        s->stmt[id] = NULL;
        return NULL;
    }
    return s->stmt[id];
}

void vg_store_reset(sqlite3_stmt *st) {
    if (st) {
        sqlite3_reset(st);
        sqlite3_clear_bindings(st);
    }
}

int vg_store_exec(vg_store *s, sqlite3_stmt *st, const char *what, vg_error *err) {
    int rc = sqlite3_step(st);
    int ret = VG_OK;
    if (rc != SQLITE_DONE && rc != SQLITE_ROW)
        ret = vg_store_db_error(s, s->db, what, err);
    vg_store_reset(st);
    return ret;
}

int vg_store_begin(vg_store *s, vg_error *err) {
    sqlite3_stmt *st = vg_store_stmt(s, ST_BEGIN, err);
    return st ? vg_store_exec(s, st, "beginning a transaction", err) : VG_ERR_IO;
}

int vg_store_commit(vg_store *s, vg_error *err) {
    sqlite3_stmt *st = vg_store_stmt(s, ST_COMMIT, err);
    int rc = st ? vg_store_exec(s, st, "committing", err) : VG_ERR_IO;
    if (rc != VG_OK)
        vg_store_rollback(s);
    return rc;
}

void vg_store_rollback(vg_store *s) {
    /* a failed statement may already have rolled the transaction back (SQLITE_FULL, IOERR) */
    if (sqlite3_get_autocommit(s->db))
        return;
    sqlite3_stmt *st = vg_store_stmt(s, ST_ROLLBACK, NULL);
    if (st)
        vg_store_exec(s, st, "rolling back", NULL);
}

int vg_store_check_len(const vg_store *s, size_t len, const char *what, vg_error *err) {
    if (len > s->max_value)
        return vg_error_set(err, VG_ERR_LIMIT, "%s of %zu bytes exceeds the store's limit of %zu",
                            what, len, s->max_value);
    return VG_OK;
}

int vg_store_model_id(vg_store *s, const char *name, int64_t *id, vg_error *err) {
    if (!name || !*name)
        return vg_error_set(err, VG_ERR_INVALID, "a model name is required");
    sqlite3_stmt *st = vg_store_stmt(s, ST_MODEL_ID, err);
    if (!st)
        return VG_ERR_IO;
    sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st), ret = VG_OK;
    if (rc == SQLITE_ROW)
        *id = sqlite3_column_int64(st, 0);
    else if (rc == SQLITE_DONE)
        ret = vg_error_set(err, VG_ERR_INVALID, "no model '%s'", name);
    else
        ret = vg_store_db_error(s, s->db, "looking up a model", err);
    vg_store_reset(st);
    return ret;
}

/* ---- open, migrate, close -------------------------------------------------------------------- */

static int exec_sql(vg_store *s, sqlite3 *db, const char *text, const char *what, vg_error *err) {
    char *msg = NULL;
    if (sqlite3_exec(db, text, NULL, NULL, &msg) != SQLITE_OK) {
        vg_error_set(err, VG_ERR_IO, "%s: %s: %s", s->path, what, msg ? msg : sqlite3_errmsg(db));
        sqlite3_free(msg);
        return VG_ERR_IO;
    }
    return VG_OK;
}

/* An integer that a one-row query returns (0 for NULL or no row). */
static int query_int(vg_store *s, sqlite3 *db, const char *text, int64_t *out, vg_error *err) {
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, text, -1, &st, NULL) != SQLITE_OK)
        return vg_store_db_error(s, db, "preparing a query", err);
    int rc = sqlite3_step(st);
    *out = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
    int ret =
        rc == SQLITE_ROW || rc == SQLITE_DONE ? VG_OK : vg_store_db_error(s, db, "querying", err);
    sqlite3_finalize(st);
    return ret;
}

int vg_store_connect(vg_store *s, sqlite3 **out, vg_error *err) {
    sqlite3 *db = NULL;
    int rc = sqlite3_open_v2(
        s->path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
    if (rc != SQLITE_OK) {
        vg_error_set(err, VG_ERR_IO, "%s: cannot open: %s", s->path,
                     db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
        sqlite3_close(db);
        return VG_ERR_IO;
    }
    sqlite3_extended_result_codes(db, 1);
    /* the other connection (or another process) may hold the write lock for a commit */
    sqlite3_busy_timeout(db, 10000);
    sqlite3_stmt *st = NULL;
    int ret = VG_OK;
    if (sqlite3_prepare_v2(db, "PRAGMA journal_mode=WAL", -1, &st, NULL) != SQLITE_OK ||
        sqlite3_step(st) != SQLITE_ROW) {
        ret = vg_store_db_error(s, db, "setting WAL mode", err);
    } else if (strcmp((const char *)sqlite3_column_text(st, 0), "wal") != 0) {
        ret = vg_error_set(err, VG_ERR_IO, "%s: cannot use WAL mode (journal_mode is %s)", s->path,
                           (const char *)sqlite3_column_text(st, 0));
    }
    sqlite3_finalize(st);
    /* FULL: in WAL mode the WAL is fsync'd at every commit, so a commit survives power loss,
     * not only a crash of the process (NORMAL defers the fsync to checkpoints) */
    if (ret == VG_OK)
        ret = exec_sql(s, db,
                       "PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;"
                       " PRAGMA journal_size_limit=67108864;"
                       /* deleted rows are zeroed, not left in free pages (erasure, retention) */
                       " PRAGMA secure_delete=ON;",
                       "configuring the connection", err);
    if (ret != VG_OK) {
        sqlite3_close(db);
        return ret;
    }
    *out = db;
    return VG_OK;
}

static int migrate(vg_store *s, vg_error *err) {
    int64_t version;
    int rc = query_int(s, s->db, "PRAGMA user_version", &version, err);
    if (rc != VG_OK)
        return rc;
    while (version < SCHEMA_VERSION) {
        /* re-read inside the write transaction: another process may have migrated meanwhile */
        if ((rc = exec_sql(s, s->db, "BEGIN IMMEDIATE", "migrating the schema", err)) != VG_OK)
            return rc;
        if ((rc = query_int(s, s->db, "PRAGMA user_version", &version, err)) != VG_OK)
            goto fail;
        if (version >= SCHEMA_VERSION) {
            exec_sql(s, s->db, "ROLLBACK", "migrating the schema", NULL);
            break;
        }
        char what[64], pragma[64];
        snprintf(what, sizeof what, "migrating the schema to version %d", (int)version + 1);
        snprintf(pragma, sizeof pragma, "PRAGMA user_version = %d", (int)version + 1);
        if ((rc = exec_sql(s, s->db, migrations[version], what, err)) != VG_OK ||
            (rc = exec_sql(s, s->db, pragma, what, err)) != VG_OK ||
            (rc = exec_sql(s, s->db, "COMMIT", what, err)) != VG_OK)
            goto fail;
        version++;
    }
    if (version > SCHEMA_VERSION)
        return vg_error_set(err, VG_ERR_IO,
                            "%s: schema version %d is newer than this vigia supports (%d)", s->path,
                            (int)version, SCHEMA_VERSION);
    return VG_OK;
fail:
    if (!sqlite3_get_autocommit(s->db))
        exec_sql(s, s->db, "ROLLBACK", "rolling back", NULL);
    return rc;
}

/* mkdir -p */
static int make_dirs(const char *dir, vg_error *err) {
    char *p = strdup(dir);
    if (!p)
        return vg_error_set(err, VG_ERR_NOMEM, "out of memory");
    for (char *c = p + 1;; c++) {
        if (*c == '/' || *c == '\0') {
            char saved = *c;
            *c = '\0';
            if (mkdir(p, 0750) != 0 && errno != EEXIST) {
                int e = errno;
                vg_error_set(err, VG_ERR_IO, "%s: cannot create directory: %s", p, strerror(e));
                free(p);
                return VG_ERR_IO;
            }
            *c = saved;
            if (!saved)
                break;
        }
    }
    free(p);
    struct stat sb;
    if (stat(dir, &sb) != 0 || !S_ISDIR(sb.st_mode))
        return vg_error_set(err, VG_ERR_IO, "%s: not a directory", dir);
    return VG_OK;
}

/* Two daemons on one directory would hand out the same journal seqs and each replay the
 * other's batches: the second is refused while the first lives (the kernel drops the lock
 * when its holder dies, even by kill -9, so a crash never leaves a stale lock). */
static int lock_dir(vg_store *s, const char *dir, vg_error *err) {
    char path[4096];
    snprintf(path, sizeof path, "%s/vigia.lock", dir);
    s->lock_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0640);
    if (s->lock_fd < 0)
        return vg_error_set(err, VG_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
    if (flock(s->lock_fd, LOCK_EX | LOCK_NB) != 0) {
        int e = errno;
        char pid[32] = "";
        ssize_t n = pread(s->lock_fd, pid, sizeof pid - 1, 0);
        pid[n > 0 ? n : 0] = '\0';
        pid[strcspn(pid, "\n")] = '\0';
        if (e == EWOULDBLOCK)
            return vg_error_set(err, VG_ERR_IO,
                                "%s: the data directory is in use by another process%s%s%s", dir,
                                *pid ? " (pid " : "", pid, *pid ? ")" : "");
        return vg_error_set(err, VG_ERR_IO, "%s: cannot lock: %s", path, strerror(e));
    }
    char pid[32];
    int len = snprintf(pid, sizeof pid, "%ld\n", (long)getpid());
    if (ftruncate(s->lock_fd, 0) != 0 || pwrite(s->lock_fd, pid, (size_t)len, 0) != len)
        return vg_error_set(err, VG_ERR_IO, "%s: cannot write: %s", path, strerror(errno));
    return VG_OK;
}

int vg_store_open(const char *dir, vg_store **out, vg_error *err) {
    *out = NULL;
    if (!dir || !*dir)
        return vg_error_set(err, VG_ERR_INVALID, "a data directory is required");
    int rc = make_dirs(dir, err);
    if (rc != VG_OK)
        return rc;
    vg_store *s = calloc(1, sizeof *s);
    size_t plen = strlen(dir) + sizeof "/vigia.db";
    if (!s || !(s->path = malloc(plen))) {
        free(s);
        return vg_error_set(err, VG_ERR_NOMEM, "out of memory");
    }
    snprintf(s->path, plen, "%s/vigia.db", dir);
    pthread_mutex_init(&s->lock, NULL);
    pthread_mutex_init(&s->qlock, NULL);
    pthread_cond_init(&s->qwork, NULL);
    pthread_cond_init(&s->qdone, NULL);
    s->lock_fd = -1;
    if ((rc = lock_dir(s, dir, err)) != VG_OK)
        goto fail;

    int64_t last = 0, windows_max = 0;
    if ((rc = vg_store_connect(s, &s->db, err)) != VG_OK)
        goto fail;
    s->max_value = (size_t)sqlite3_limit(s->db, SQLITE_LIMIT_LENGTH, -1) - 1024;
    if ((rc = migrate(s, err)) != VG_OK || (rc = vg_store_connect(s, &s->jdb, err)) != VG_OK)
        goto fail;
    /* the largest seq ever journaled (sqlite_sequence survives prune) or held by a window */
    if ((rc =
             query_int(s, s->db,
                       "SELECT max(coalesce((SELECT seq FROM sqlite_sequence"
                       " WHERE name = 'journal'), 0), coalesce((SELECT max(seq) FROM journal), 0))",
                       &last, err)) != VG_OK ||
        (rc = query_int(s, s->db, "SELECT max(max_seq) FROM windows", &windows_max, err)) != VG_OK)
        goto fail;
    atomic_store(&s->last_seq, (uint64_t)(last > windows_max ? last : windows_max));
    if ((rc = vg_store_journal_start(s, err)) != VG_OK)
        goto fail;
    *out = s;
    return VG_OK;
fail:
    vg_store_close(s);
    return rc;
}

void vg_store_close(vg_store *s) {
    if (!s)
        return;
    vg_store_journal_stop(s);
    if (s->db) /* keeps the query planner's statistics fresh, as SQLite advises before closing */
        sqlite3_exec(s->db, "PRAGMA optimize", NULL, NULL, NULL);
    for (int i = 0; i < ST_COUNT; i++)
        sqlite3_finalize(s->stmt[i]);
    sqlite3_finalize(s->jinsert);
    sqlite3_finalize(s->jbegin);
    sqlite3_finalize(s->jcommit);
    sqlite3_finalize(s->jrollback);
    sqlite3_close(s->jdb);
    sqlite3_close(s->db);
    pthread_cond_destroy(&s->qdone);
    pthread_cond_destroy(&s->qwork);
    pthread_mutex_destroy(&s->qlock);
    pthread_mutex_destroy(&s->lock);
    if (s->lock_fd >= 0)
        close(s->lock_fd); /* releases the flock */
    free(s->path);
    free(s);
}

/* ---- copying column values out --------------------------------------------------------------- */

static int col_text(sqlite3_stmt *st, int i, char **out) {
    const unsigned char *t = sqlite3_column_text(st, i);
    if (!t) {
        *out = NULL;
        return VG_OK;
    }
    size_t n = (size_t)sqlite3_column_bytes(st, i);
    if (!(*out = malloc(n + 1)))
        return VG_ERR_NOMEM;
    memcpy(*out, t, n + 1);
    return VG_OK;
}

/* A NULL column gives NULL; an empty blob a 1-byte allocation of length 0. */
static int col_blob(sqlite3_stmt *st, int i, void **out, size_t *len) {
    *out = NULL;
    *len = 0;
    if (sqlite3_column_type(st, i) == SQLITE_NULL)
        return VG_OK;
    const void *b = sqlite3_column_blob(st, i);
    size_t n = (size_t)sqlite3_column_bytes(st, i);
    if (!(*out = malloc(n ? n : 1)))
        return VG_ERR_NOMEM;
    if (n)
        memcpy(*out, b, n);
    *len = n;
    return VG_OK;
}

/* sqlite3_bind_blob binds NULL for a NULL pointer, even with len 0 */
static void bind_blob(sqlite3_stmt *st, int i, const void *data, size_t len, int present) {
    if (!present)
        sqlite3_bind_null(st, i);
    else
        sqlite3_bind_blob64(st, i, data ? data : "", len, SQLITE_STATIC);
}

static int nomem(vg_error *err) {
    return vg_error_set(err, VG_ERR_NOMEM, "out of memory");
}

/* ---- models ---------------------------------------------------------------------------------- */

int vg_store_put_model(vg_store *s, const char *name, const char *spec_json, vg_error *err) {
    if (!name || !*name || !spec_json)
        return vg_error_set(err, VG_ERR_INVALID, "a model needs a name and a spec");
    pthread_mutex_lock(&s->lock);
    sqlite3_stmt *st = vg_store_stmt(s, ST_PUT_MODEL, err);
    int rc = VG_ERR_IO;
    if (st && (rc = vg_store_begin(s, err)) == VG_OK) {
        sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, spec_json, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 3, vg_store_now_ms());
        rc = vg_store_exec(s, st, "storing a model", err);
        if (rc == VG_OK)
            rc = vg_store_commit(s, err);
        else
            vg_store_rollback(s);
    }
    pthread_mutex_unlock(&s->lock);
    return rc;
}

int vg_store_delete_model(vg_store *s, const char *name, vg_error *err) {
    pthread_mutex_lock(&s->lock);
    int64_t id;
    int rc = vg_store_model_id(s, name, &id, err);
    sqlite3_stmt *st = rc == VG_OK ? vg_store_stmt(s, ST_DELETE_MODEL, err) : NULL;
    if (rc == VG_OK && !st)
        rc = VG_ERR_IO;
    if (rc == VG_OK && (rc = vg_store_begin(s, err)) == VG_OK) {
        sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
        rc = vg_store_exec(s, st, "deleting a model", err);
        if (rc == VG_OK)
            rc = vg_store_commit(s, err);
        else
            vg_store_rollback(s);
    }
    pthread_mutex_unlock(&s->lock);
    return rc;
}

void vg_store_models_free(vg_store_model *m, size_t n) {
    if (!m)
        return;
    for (size_t i = 0; i < n; i++) {
        free(m[i].name);
        free(m[i].spec_json);
    }
    free(m);
}

/* Grows *arr (of elements of size sz) to hold at least n + 1. */
static int grow(void **arr, size_t *cap, size_t n, size_t sz) {
    if (n < *cap)
        return VG_OK;
    size_t c = *cap ? *cap * 2 : 16;
    void *p = realloc(*arr, c * sz);
    if (!p)
        return VG_ERR_NOMEM;
    memset((char *)p + *cap * sz, 0, (c - *cap) * sz);
    *arr = p;
    *cap = c;
    return VG_OK;
}

int vg_store_list_models(vg_store *s, vg_store_model **out, size_t *n, vg_error *err) {
    *out = NULL;
    *n = 0;
    vg_store_model *m = NULL;
    size_t len = 0, cap = 0;
    int rc = VG_OK, step;
    pthread_mutex_lock(&s->lock);
    sqlite3_stmt *st = vg_store_stmt(s, ST_LIST_MODELS, err);
    if (!st) {
        pthread_mutex_unlock(&s->lock);
        return VG_ERR_IO;
    }
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        if (grow((void **)&m, &cap, len, sizeof *m) != VG_OK) {
            rc = nomem(err);
            break;
        }
        vg_store_model *e = &m[len++];
        e->created_ms = sqlite3_column_int64(st, 2);
        if (col_text(st, 0, &e->name) != VG_OK || col_text(st, 1, &e->spec_json) != VG_OK) {
            rc = nomem(err);
            break;
        }
    }
    if (rc == VG_OK && step != SQLITE_DONE)
        rc = vg_store_db_error(s, s->db, "listing models", err);
    vg_store_reset(st);
    pthread_mutex_unlock(&s->lock);
    if (rc != VG_OK) {
        vg_store_models_free(m, len);
        return rc;
    }
    *out = m;
    *n = len;
    return VG_OK;
}

/* ---- references ------------------------------------------------------------------------------ */

int vg_store_put_reference(vg_store *s, const char *model, const char *format, const void *data,
                           size_t len, vg_error *err) {
    if (!format || (!data && len))
        return vg_error_set(err, VG_ERR_INVALID, "a reference needs a format and data");
    int lrc = vg_store_check_len(s, len, "a reference", err);
    if (lrc != VG_OK)
        return lrc;
    pthread_mutex_lock(&s->lock);
    int64_t id;
    int rc = vg_store_model_id(s, model, &id, err);
    sqlite3_stmt *st = rc == VG_OK ? vg_store_stmt(s, ST_PUT_REF, err) : NULL;
    if (rc == VG_OK && !st)
        rc = VG_ERR_IO;
    if (rc == VG_OK && (rc = vg_store_begin(s, err)) == VG_OK) {
        sqlite3_bind_int64(st, 1, id);
        sqlite3_bind_text(st, 2, format, -1, SQLITE_STATIC);
        bind_blob(st, 3, data, len, 1);
        sqlite3_bind_int64(st, 4, vg_store_now_ms());
        rc = vg_store_exec(s, st, "storing a reference", err);
        if (rc == VG_OK)
            rc = vg_store_commit(s, err);
        else
            vg_store_rollback(s);
    }
    pthread_mutex_unlock(&s->lock);
    return rc;
}

int vg_store_get_reference(vg_store *s, const char *model, char **format, void **data, size_t *len,
                           int64_t *uploaded_ms, vg_error *err) {
    *format = NULL;
    *data = NULL;
    *len = 0;
    if (uploaded_ms)
        *uploaded_ms = 0;
    pthread_mutex_lock(&s->lock);
    int64_t id;
    int rc = vg_store_model_id(s, model, &id, err);
    sqlite3_stmt *st = rc == VG_OK ? vg_store_stmt(s, ST_GET_REF, err) : NULL;
    if (rc == VG_OK && !st)
        rc = VG_ERR_IO;
    if (rc == VG_OK) {
        sqlite3_bind_int64(st, 1, id);
        int step = sqlite3_step(st);
        if (step == SQLITE_ROW) {
            if (col_text(st, 0, format) != VG_OK || col_blob(st, 1, data, len) != VG_OK) {
                free(*format);
                *format = NULL;
                rc = nomem(err);
            } else if (uploaded_ms) {
                *uploaded_ms = sqlite3_column_int64(st, 2);
            }
        } else if (step != SQLITE_DONE) {
            rc = vg_store_db_error(s, s->db, "reading a reference", err);
        }
        vg_store_reset(st);
    }
    pthread_mutex_unlock(&s->lock);
    return rc;
}

/* ---- windows --------------------------------------------------------------------------------- */

int vg_store_put_window(vg_store *s, const char *model, const vg_store_window *w, vg_error *err) {
    if (!w)
        return vg_error_set(err, VG_ERR_INVALID, "no window given");
    int lrc;
    if ((lrc = vg_store_check_len(s, w->profile_len, "a window profile", err)) != VG_OK ||
        (lrc = vg_store_check_len(s, w->rows_blob_len, "a window's rows", err)) != VG_OK ||
        (lrc = vg_store_check_len(s, w->report_json ? strlen(w->report_json) : 0, "a window report",
                                  err)) != VG_OK)
        return lrc;
    pthread_mutex_lock(&s->lock);
    int64_t id;
    int rc = vg_store_model_id(s, model, &id, err);
    sqlite3_stmt *st = rc == VG_OK ? vg_store_stmt(s, ST_PUT_WINDOW, err) : NULL;
    if (rc == VG_OK && !st)
        rc = VG_ERR_IO;
    if (rc == VG_OK && (rc = vg_store_begin(s, err)) == VG_OK) {
        sqlite3_bind_int64(st, 1, id);
        sqlite3_bind_int64(st, 2, w->key);
        sqlite3_bind_int64(st, 3, w->start_ms);
        sqlite3_bind_int64(st, 4, w->end_ms);
        sqlite3_bind_int64(st, 5, (int64_t)w->revision);
        sqlite3_bind_int64(st, 6, (int64_t)w->rows);
        sqlite3_bind_int64(st, 7, (int64_t)w->labelled);
        sqlite3_bind_int64(st, 8, (int64_t)w->max_seq);
        sqlite3_bind_int64(st, 9, w->closed_ms ? w->closed_ms : vg_store_now_ms());
        bind_blob(st, 10, w->profile, w->profile_len, w->profile != NULL);
        if (w->report_json)
            sqlite3_bind_text(st, 11, w->report_json, -1, SQLITE_STATIC);
        bind_blob(st, 12, w->rows_blob, w->rows_blob_len, w->rows_blob != NULL);
        rc = vg_store_exec(s, st, "storing a window", err);
        if (rc == VG_OK)
            rc = vg_store_commit(s, err);
        else
            vg_store_rollback(s);
    }
    pthread_mutex_unlock(&s->lock);
    return rc;
}

void vg_store_window_clear(vg_store_window *w) {
    if (!w)
        return;
    free(w->profile);
    free(w->report_json);
    free(w->rows_blob);
    memset(w, 0, sizeof *w);
}

void vg_store_windows_free(vg_store_window *w, size_t n) {
    if (!w)
        return;
    for (size_t i = 0; i < n; i++)
        vg_store_window_clear(&w[i]);
    free(w);
}

/* The row of a window query (columns as in ST_GET_WINDOW) into w, blobs when asked. */
static int read_window(sqlite3_stmt *st, vg_store_window *w, int with_blobs) {
    memset(w, 0, sizeof *w);
    w->key = sqlite3_column_int64(st, 0);
    w->start_ms = sqlite3_column_int64(st, 1);
    w->end_ms = sqlite3_column_int64(st, 2);
    w->revision = (uint32_t)sqlite3_column_int64(st, 3);
    w->rows = (uint64_t)sqlite3_column_int64(st, 4);
    w->labelled = (uint64_t)sqlite3_column_int64(st, 5);
    w->max_seq = (uint64_t)sqlite3_column_int64(st, 6);
    w->closed_ms = sqlite3_column_int64(st, 7);
    if (!with_blobs)
        return VG_OK;
    if (col_blob(st, 8, &w->profile, &w->profile_len) != VG_OK ||
        col_text(st, 9, &w->report_json) != VG_OK ||
        col_blob(st, 10, &w->rows_blob, &w->rows_blob_len) != VG_OK) {
        vg_store_window_clear(w);
        return VG_ERR_NOMEM;
    }
    return VG_OK;
}

int vg_store_list_windows(vg_store *s, const char *model, int64_t from, int64_t to, size_t limit,
                          int with_blobs, vg_store_window **out, size_t *n, vg_error *err) {
    *out = NULL;
    *n = 0;
    vg_store_window *w = NULL;
    size_t len = 0, cap = 0;
    pthread_mutex_lock(&s->lock);
    int64_t id;
    int rc = vg_store_model_id(s, model, &id, err);
    sqlite3_stmt *st =
        rc == VG_OK ? vg_store_stmt(s, with_blobs ? ST_LIST_WINDOWS_BLOBS : ST_LIST_WINDOWS, err)
                    : NULL;
    if (rc == VG_OK && !st)
        rc = VG_ERR_IO;
    if (rc == VG_OK) {
        sqlite3_bind_int64(st, 1, id);
        sqlite3_bind_int64(st, 2, from);
        sqlite3_bind_int64(st, 3, to);
        sqlite3_bind_int64(st, 4, limit ? (int64_t)limit : -1);
        int step;
        while ((step = sqlite3_step(st)) == SQLITE_ROW) {
            if (grow((void **)&w, &cap, len, sizeof *w) != VG_OK ||
                read_window(st, &w[len], with_blobs) != VG_OK) {
                rc = nomem(err);
                break;
            }
            len++;
        }
        if (rc == VG_OK && step != SQLITE_DONE)
            rc = vg_store_db_error(s, s->db, "listing windows", err);
        vg_store_reset(st);
    }
    pthread_mutex_unlock(&s->lock);
    if (rc != VG_OK) {
        vg_store_windows_free(w, len);
        return rc;
    }
    *out = w;
    *n = len;
    return VG_OK;
}

int vg_store_get_window(vg_store *s, const char *model, int64_t key, vg_store_window *out,
                        vg_error *err) {
    memset(out, 0, sizeof *out);
    pthread_mutex_lock(&s->lock);
    int64_t id;
    int rc = vg_store_model_id(s, model, &id, err);
    sqlite3_stmt *st = rc == VG_OK ? vg_store_stmt(s, ST_GET_WINDOW, err) : NULL;
    if (rc == VG_OK && !st)
        rc = VG_ERR_IO;
    if (rc == VG_OK) {
        sqlite3_bind_int64(st, 1, id);
        sqlite3_bind_int64(st, 2, key);
        int step = sqlite3_step(st);
        if (step == SQLITE_ROW)
            rc = read_window(st, out, 1) == VG_OK ? VG_OK : nomem(err);
        else if (step == SQLITE_DONE)
            rc = vg_error_set(err, VG_ERR_INVALID, "no window %lld", (long long)key);
        else
            rc = vg_store_db_error(s, s->db, "reading a window", err);
        vg_store_reset(st);
    }
    pthread_mutex_unlock(&s->lock);
    return rc;
}

/* Runs the DELETE statements ids[] (each bound to cutoff) in one transaction; the number of
 * rows the last one deleted. */
static int expire(vg_store *s, const int *ids, int n_ids, int64_t cutoff_ms, const char *what,
                  vg_error *err) {
    pthread_mutex_lock(&s->lock);
    int rc = vg_store_begin(s, err);
    int64_t deleted = 0;
    for (int i = 0; rc == VG_OK && i < n_ids; i++) {
        sqlite3_stmt *st = vg_store_stmt(s, ids[i], err);
        if (!st) {
            rc = VG_ERR_IO;
            break;
        }
        sqlite3_bind_int64(st, 1, cutoff_ms);
        rc = vg_store_exec(s, st, what, err);
        deleted = sqlite3_changes64(s->db);
    }
    if (rc == VG_OK)
        rc = vg_store_commit(s, err);
    else
        vg_store_rollback(s);
    pthread_mutex_unlock(&s->lock);
    if (rc != VG_OK)
        return rc;
    return deleted > INT32_MAX ? INT32_MAX : (int)deleted;
}

int vg_store_expire_windows(vg_store *s, int64_t cutoff_ms, vg_error *err) {
    /* the points of the expiring windows, then any point older than the cutoff (points put
     * without their window), then the windows */
    static const int ids[] = {ST_EXPIRE_WINDOW_POINTS, ST_EXPIRE_POINTS, ST_EXPIRE_WINDOWS};
    return expire(s, ids, 3, cutoff_ms, "expiring windows", err);
}

int vg_store_expire_dead(vg_store *s, int64_t cutoff_ms, vg_error *err) {
    static const int ids[] = {ST_EXPIRE_DEAD};
    return expire(s, ids, 1, cutoff_ms, "expiring dead letters", err);
}

/* ---- metric series --------------------------------------------------------------------------- */

int vg_store_put_points(vg_store *s, const char *model, int64_t key, int64_t end_ms,
                        const char *const *names, const char *const *labels, const double *values,
                        size_t n, vg_error *err) {
    if (n && (!names || !values))
        return vg_error_set(err, VG_ERR_INVALID, "points need names and values");
    for (size_t i = 0; i < n; i++)
        if (!names[i] || !*names[i])
            return vg_error_set(err, VG_ERR_INVALID, "point %zu: a metric name is required", i);
    pthread_mutex_lock(&s->lock);
    int64_t id;
    int rc = vg_store_model_id(s, model, &id, err);
    sqlite3_stmt *del = rc == VG_OK ? vg_store_stmt(s, ST_DELETE_POINTS, err) : NULL;
    sqlite3_stmt *put = del ? vg_store_stmt(s, ST_PUT_POINT, err) : NULL;
    if (rc == VG_OK && !put)
        rc = VG_ERR_IO;
    if (rc == VG_OK && (rc = vg_store_begin(s, err)) == VG_OK) {
        sqlite3_bind_int64(del, 1, id);
        sqlite3_bind_int64(del, 2, key);
        rc = vg_store_exec(s, del, "replacing points", err);
        for (size_t i = 0; rc == VG_OK && i < n; i++) {
            sqlite3_bind_int64(put, 1, id);
            sqlite3_bind_text(put, 2, names[i], -1, SQLITE_STATIC);
            sqlite3_bind_text(put, 3, labels && labels[i] ? labels[i] : "", -1, SQLITE_STATIC);
            sqlite3_bind_int64(put, 4, key);
            sqlite3_bind_int64(put, 5, end_ms);
            if (isnan(values[i]))
                sqlite3_bind_null(put, 6);
            else
                sqlite3_bind_double(put, 6, values[i]);
            rc = vg_store_exec(s, put, "storing points", err);
        }
        if (rc == VG_OK)
            rc = vg_store_commit(s, err);
        else
            vg_store_rollback(s);
    }
    pthread_mutex_unlock(&s->lock);
    return rc;
}

int vg_store_get_series(vg_store *s, const char *model, const char *name, const char *labels,
                        int64_t from, int64_t to, vg_store_point **out, size_t *n, vg_error *err) {
    *out = NULL;
    *n = 0;
    if (!name)
        return vg_error_set(err, VG_ERR_INVALID, "a metric name is required");
    vg_store_point *p = NULL;
    size_t len = 0, cap = 0;
    pthread_mutex_lock(&s->lock);
    int64_t id;
    int rc = vg_store_model_id(s, model, &id, err);
    sqlite3_stmt *st = rc == VG_OK ? vg_store_stmt(s, ST_GET_SERIES, err) : NULL;
    if (rc == VG_OK && !st)
        rc = VG_ERR_IO;
    if (rc == VG_OK) {
        sqlite3_bind_int64(st, 1, id);
        sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 3, labels ? labels : "", -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 4, from);
        sqlite3_bind_int64(st, 5, to);
        int step;
        while ((step = sqlite3_step(st)) == SQLITE_ROW) {
            if (grow((void **)&p, &cap, len, sizeof *p) != VG_OK) {
                rc = nomem(err);
                break;
            }
            p[len].key = sqlite3_column_int64(st, 0);
            p[len].end_ms = sqlite3_column_int64(st, 1);
            p[len].value =
                sqlite3_column_type(st, 2) == SQLITE_NULL ? NAN : sqlite3_column_double(st, 2);
            len++;
        }
        if (rc == VG_OK && step != SQLITE_DONE)
            rc = vg_store_db_error(s, s->db, "reading a series", err);
        vg_store_reset(st);
    }
    pthread_mutex_unlock(&s->lock);
    if (rc != VG_OK) {
        free(p);
        return rc;
    }
    *out = p;
    *n = len;
    return VG_OK;
}

int vg_store_list_series(vg_store *s, const char *model, char ***names, char ***labels, size_t *n,
                         vg_error *err) {
    *names = NULL;
    *labels = NULL;
    *n = 0;
    char **nm = NULL, **lb = NULL;
    size_t len = 0, cap_n = 0, cap_l = 0;
    pthread_mutex_lock(&s->lock);
    int64_t id;
    int rc = vg_store_model_id(s, model, &id, err);
    sqlite3_stmt *st = rc == VG_OK ? vg_store_stmt(s, ST_LIST_SERIES, err) : NULL;
    if (rc == VG_OK && !st)
        rc = VG_ERR_IO;
    if (rc == VG_OK) {
        sqlite3_bind_int64(st, 1, id);
        int step;
        while ((step = sqlite3_step(st)) == SQLITE_ROW) {
            /* grow zeroes the new slots, so a half-filled pair frees cleanly */
            if (grow((void **)&nm, &cap_n, len, sizeof *nm) != VG_OK ||
                grow((void **)&lb, &cap_l, len, sizeof *lb) != VG_OK) {
                rc = nomem(err);
                break;
            }
            len++;
            if (col_text(st, 0, &nm[len - 1]) != VG_OK || col_text(st, 1, &lb[len - 1]) != VG_OK) {
                rc = nomem(err);
                break;
            }
        }
        if (rc == VG_OK && step != SQLITE_DONE)
            rc = vg_store_db_error(s, s->db, "listing series", err);
        vg_store_reset(st);
    }
    pthread_mutex_unlock(&s->lock);
    if (rc != VG_OK) {
        for (size_t i = 0; i < len; i++) {
            free(nm[i]);
            free(lb[i]);
        }
        free(nm);
        free(lb);
        return rc;
    }
    *names = nm;
    *labels = lb;
    *n = len;
    return VG_OK;
}

/* ---- dead letters ---------------------------------------------------------------------------- */

int vg_store_add_dead(vg_store *s, const char *model, const char *kind, int64_t received_ms,
                      const int64_t *index, const char *const *field, const char *const *reason,
                      const char *const *record, size_t n, vg_error *err) {
    if (!kind || (strcmp(kind, "prediction") != 0 && strcmp(kind, "label") != 0))
        return vg_error_set(err, VG_ERR_INVALID,
                            "dead letter kind must be \"prediction\" or \"label\", not \"%s\"",
                            kind ? kind : "(null)");
    for (size_t i = 0; record && i < n; i++) {
        int lrc = vg_store_check_len(s, record[i] ? strlen(record[i]) : 0, "a dead letter", err);
        if (lrc != VG_OK)
            return lrc;
    }
    pthread_mutex_lock(&s->lock);
    int64_t id;
    int rc = vg_store_model_id(s, model, &id, err);
    sqlite3_stmt *st = rc == VG_OK ? vg_store_stmt(s, ST_ADD_DEAD, err) : NULL;
    if (rc == VG_OK && !st)
        rc = VG_ERR_IO;
    if (rc == VG_OK && (rc = vg_store_begin(s, err)) == VG_OK) {
        for (size_t i = 0; rc == VG_OK && i < n; i++) {
            sqlite3_bind_int64(st, 1, id);
            sqlite3_bind_text(st, 2, kind, -1, SQLITE_STATIC);
            sqlite3_bind_int64(st, 3, received_ms);
            sqlite3_bind_int64(st, 4, index ? index[i] : (int64_t)i);
            sqlite3_bind_text(st, 5, field && field[i] ? field[i] : "", -1, SQLITE_STATIC);
            sqlite3_bind_text(st, 6, reason && reason[i] ? reason[i] : "", -1, SQLITE_STATIC);
            if (record && record[i])
                sqlite3_bind_text(st, 7, record[i], -1, SQLITE_STATIC);
            rc = vg_store_exec(s, st, "storing dead letters", err);
        }
        if (rc == VG_OK)
            rc = vg_store_commit(s, err);
        else
            vg_store_rollback(s);
    }
    pthread_mutex_unlock(&s->lock);
    return rc;
}

void vg_store_dead_free(vg_store_dead *d, size_t n) {
    if (!d)
        return;
    for (size_t i = 0; i < n; i++) {
        free(d[i].model);
        free(d[i].kind);
        free(d[i].field);
        free(d[i].reason);
        free(d[i].record);
    }
    free(d);
}

int vg_store_list_dead(vg_store *s, const char *model, int64_t before, size_t limit,
                       vg_store_dead **out, size_t *n, vg_error *err) {
    *out = NULL;
    *n = 0;
    vg_store_dead *d = NULL;
    size_t len = 0, cap = 0;
    int64_t id = 0;
    pthread_mutex_lock(&s->lock);
    int rc = model ? vg_store_model_id(s, model, &id, err) : VG_OK;
    sqlite3_stmt *st =
        rc == VG_OK ? vg_store_stmt(s, model ? ST_LIST_DEAD : ST_LIST_DEAD_ALL, err) : NULL;
    if (rc == VG_OK && !st)
        rc = VG_ERR_IO;
    if (rc == VG_OK) {
        int k = 1;
        if (model)
            sqlite3_bind_int64(st, k++, id);
        sqlite3_bind_int64(st, k++, before > 0 ? before : INT64_MAX);
        sqlite3_bind_int64(st, k, limit ? (int64_t)limit : -1);
        int step;
        while ((step = sqlite3_step(st)) == SQLITE_ROW) {
            if (grow((void **)&d, &cap, len, sizeof *d) != VG_OK) {
                rc = nomem(err);
                break;
            }
            vg_store_dead *e = &d[len++];
            e->id = sqlite3_column_int64(st, 0);
            e->received_ms = sqlite3_column_int64(st, 1);
            e->batch_index = sqlite3_column_int64(st, 4);
            if (col_text(st, 2, &e->model) != VG_OK || col_text(st, 3, &e->kind) != VG_OK ||
                col_text(st, 5, &e->field) != VG_OK || col_text(st, 6, &e->reason) != VG_OK ||
                col_text(st, 7, &e->record) != VG_OK) {
                rc = nomem(err);
                break;
            }
        }
        if (rc == VG_OK && step != SQLITE_DONE)
            rc = vg_store_db_error(s, s->db, "listing dead letters", err);
        vg_store_reset(st);
    }
    pthread_mutex_unlock(&s->lock);
    if (rc != VG_OK) {
        vg_store_dead_free(d, len);
        return rc;
    }
    *out = d;
    *n = len;
    return VG_OK;
}

int64_t vg_store_count_dead(vg_store *s, const char *model) {
    int64_t id = 0, count;
    pthread_mutex_lock(&s->lock);
    int rc = model ? vg_store_model_id(s, model, &id, NULL) : VG_OK;
    sqlite3_stmt *st =
        rc == VG_OK ? vg_store_stmt(s, model ? ST_COUNT_DEAD : ST_COUNT_DEAD_ALL, NULL) : NULL;
    if (rc == VG_OK && !st)
        rc = VG_ERR_IO;
    if (rc == VG_OK) {
        if (model)
            sqlite3_bind_int64(st, 1, id);
        if (sqlite3_step(st) == SQLITE_ROW)
            count = sqlite3_column_int64(st, 0);
        else
            rc = VG_ERR_IO;
        vg_store_reset(st);
    }
    pthread_mutex_unlock(&s->lock);
    return rc == VG_OK ? count : rc;
}
