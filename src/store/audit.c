/*
 * The audit log in the store: append-only rows, each carrying the SHA-256 of the previous
 * entry so that editing, deleting or reordering one is detected by a walk over the chain.
 *
 * The hash of an entry covers a canonical encoding of its fields (vg_store_audit_hash; the
 * byte layout is documented in docs/security.md so that any tool can re-verify an export):
 * integers as fixed-width big-endian, strings as a 4-byte big-endian length and their bytes.
 * Length prefixes make the encoding unambiguous: no choice of field values can make two
 * different entries encode to the same bytes. Every column is NOT NULL (empty strings for
 * "none"), so there is no NULL-versus-empty case to encode.
 *
 * An append reads the head and inserts the next entry inside one write transaction (BEGIN
 * IMMEDIATE under the store mutex), so concurrent appends, from threads of this process or
 * another connection, always extend a linear chain. Verification is a pure walk (the
 * vg_store_audit_check state) shared by the daemon's store, a read-only connection of the CLI
 * (vg_store_audit_verify_path: no flock, so it works while the daemon runs) and NDJSON exports.
 */
#include <jansson.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "store_int.h"
#include "vigia/monitor.h"

const char vg_store_audit_schema[] = "CREATE TABLE audit ("
                                     " seq INTEGER PRIMARY KEY,"
                                     " ts_ms INTEGER NOT NULL,"
                                     " actor TEXT NOT NULL,"
                                     " remote TEXT NOT NULL,"
                                     " action TEXT NOT NULL,"
                                     " target TEXT NOT NULL,"
                                     " detail TEXT NOT NULL,"
                                     " prev_hash TEXT NOT NULL,"
                                     " hash TEXT NOT NULL);";

const char vg_store_audit_genesis[VG_STORE_HASH_HEX + 1] =
    "0000000000000000000000000000000000000000000000000000000000000000";

/* ---- the canonical encoding and its hash ---- */

static void put_u64(unsigned char *p, uint64_t v) {
    for (int i = 7; i >= 0; i--, v >>= 8)
        p[i] = (unsigned char)(v & 0xff);
}

static int digest_str(EVP_MD_CTX *c, const char *s) {
    size_t len = s ? strlen(s) : 0;
    unsigned char n[4] = {(unsigned char)(len >> 24), (unsigned char)(len >> 16),
                          (unsigned char)(len >> 8), (unsigned char)len};
    return EVP_DigestUpdate(c, n, 4) && (!len || EVP_DigestUpdate(c, s, len));
}

int vg_store_audit_hash(const vg_store_audit_entry *e, char out[VG_STORE_HASH_HEX + 1],
                        vg_error *err) {
    const char *fields[] = {e->actor, e->remote, e->action, e->target, e->detail, e->prev_hash};
    for (size_t i = 0; i < sizeof fields / sizeof *fields; i++)
        if (fields[i] && strlen(fields[i]) > 0xffffffffu)
            return vg_error_set(err, VG_ERR_LIMIT, "audit entry %lld: a field over 4 GiB",
                                (long long)e->seq);
    unsigned char ints[16], md[32];
    put_u64(ints, (uint64_t)e->seq);
    put_u64(ints + 8, (uint64_t)e->ts_ms); /* two's complement for a (theoretical) negative */
    EVP_MD_CTX *c = EVP_MD_CTX_new();
    unsigned int mdlen = 0;
    int ok = c && EVP_DigestInit_ex(c, EVP_sha256(), NULL) && EVP_DigestUpdate(c, ints, 16);
    for (size_t i = 0; ok && i < sizeof fields / sizeof *fields; i++)
        ok = digest_str(c, fields[i]);
    ok = ok && EVP_DigestFinal_ex(c, md, &mdlen) && mdlen == 32;
    EVP_MD_CTX_free(c);
    if (!ok)
        return vg_error_set(err, VG_ERR_NOMEM, "SHA-256 failed (libcrypto)");
    static const char hex[] = "0123456789abcdef";
    for (int i = 0; i < 32; i++) {
        out[2 * i] = hex[md[i] >> 4];
        out[2 * i + 1] = hex[md[i] & 15];
    }
    out[VG_STORE_HASH_HEX] = '\0';
    return VG_OK;
}

/* ---- verification: one walk for every source ---- */

void vg_store_audit_check_init(vg_store_audit_check *c) {
    memset(c, 0, sizeof *c);
    memcpy(c->head, vg_store_audit_genesis, sizeof c->head);
}

int vg_store_audit_check_next(vg_store_audit_check *c, const vg_store_audit_entry *e) {
    if (c->broken)
        return 1;
    uint64_t pos = c->n + 1;
    char h[VG_STORE_HASH_HEX + 1];
    const char *why = NULL;
    if (vg_store_audit_hash(e, h, NULL) != VG_OK || strcmp(h, e->hash ? e->hash : ""))
        why = "hash mismatch: the entry was modified";
    else if (e->seq != c->head_seq + 1)
        why = e->seq > c->head_seq + 1
                  ? "seq gap: the entries before it (back to the previous seq) were deleted"
                  : "seq out of order: entries were reordered or duplicated";
    else if (strcmp(e->prev_hash ? e->prev_hash : "", c->head))
        why = "prev_hash mismatch: an entry before it was removed, reordered or modified";
    if (why) {
        c->broken = 1;
        c->bad_pos = pos;
        c->bad_seq = e->seq;
        c->bad_ts_ms = e->ts_ms;
        c->why = why;
        c->expected_seq = c->head_seq + 1;
        return 1;
    }
    c->n = pos;
    c->head_seq = e->seq;
    memcpy(c->head, e->hash, VG_STORE_HASH_HEX + 1);
    return 0;
}

/* ---- rows ---- */

static char *col_dup(sqlite3_stmt *st, int i) {
    const unsigned char *t = sqlite3_column_text(st, i);
    return strdup(t ? (const char *)t : "");
}

void vg_store_audit_entry_clear(vg_store_audit_entry *e) {
    free(e->actor);
    free(e->remote);
    free(e->action);
    free(e->target);
    free(e->detail);
    free(e->prev_hash);
    free(e->hash);
    memset(e, 0, sizeof *e);
}

void vg_store_audit_free(vg_store_audit_entry *v, size_t n) {
    for (size_t i = 0; v && i < n; i++)
        vg_store_audit_entry_clear(&v[i]);
    free(v);
}

/* The row of a SELECT of the audit columns in table order. */
static int read_row(sqlite3_stmt *st, vg_store_audit_entry *e) {
    memset(e, 0, sizeof *e);
    e->seq = sqlite3_column_int64(st, 0);
    e->ts_ms = sqlite3_column_int64(st, 1);
    e->actor = col_dup(st, 2);
    e->remote = col_dup(st, 3);
    e->action = col_dup(st, 4);
    e->target = col_dup(st, 5);
    e->detail = col_dup(st, 6);
    e->prev_hash = col_dup(st, 7);
    e->hash = col_dup(st, 8);
    if (!e->actor || !e->remote || !e->action || !e->target || !e->detail || !e->prev_hash ||
        !e->hash) {
        vg_store_audit_entry_clear(e);
        return 0;
    }
    return 1;
}

#define COLUMNS "seq, ts_ms, actor, remote, action, target, detail, prev_hash, hash"

int vg_store_audit_append(vg_store *s, const char *actor, const char *remote, const char *action,
                          const char *target, const char *detail, int64_t *seq_out,
                          char hash_out[VG_STORE_HASH_HEX + 1], vg_error *err) {
    if (!action || !*action)
        return vg_error_set(err, VG_ERR_INVALID, "audit: an action is required");
    size_t total = 0;
    const char *fields[] = {actor, remote, action, target, detail};
    for (size_t i = 0; i < 5; i++)
        total += fields[i] ? strlen(fields[i]) : 0;
    int rc = vg_store_check_len(s, total, "an audit entry", err);
    if (rc != VG_OK)
        return rc;
    pthread_mutex_lock(&s->lock);
    sqlite3_stmt *head = NULL, *ins = NULL;
    if ((rc = vg_store_begin(s, err)) != VG_OK)
        goto out;
    if (sqlite3_prepare_v2(s->db, "SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1", -1,
                           &head, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(s->db,
                           "INSERT INTO audit(" COLUMNS ") VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9)", -1,
                           &ins, NULL) != SQLITE_OK) {
        rc = vg_store_db_error(s, s->db, "preparing an audit statement", err);
        goto fail;
    }
    vg_store_audit_entry e = {0};
    char prev[VG_STORE_HASH_HEX + 1], hash[VG_STORE_HASH_HEX + 1];
    int step = sqlite3_step(head);
    if (step == SQLITE_ROW) {
        const unsigned char *h = sqlite3_column_text(head, 1);
        e.seq = sqlite3_column_int64(head, 0) + 1;
        snprintf(prev, sizeof prev, "%s", h ? (const char *)h : "");
    } else if (step == SQLITE_DONE) {
        e.seq = 1;
        memcpy(prev, vg_store_audit_genesis, sizeof prev);
    } else {
        rc = vg_store_db_error(s, s->db, "reading the audit head", err);
        goto fail;
    }
    /* the time is taken inside the transaction, so timestamps follow the order of the chain */
    e.ts_ms = vg_store_now_ms();
    e.actor = (char *)(actor ? actor : "");
    e.remote = (char *)(remote ? remote : "");
    e.action = (char *)action;
    e.target = (char *)(target ? target : "");
    e.detail = (char *)(detail ? detail : "");
    e.prev_hash = prev;
    if ((rc = vg_store_audit_hash(&e, hash, err)) != VG_OK)
        goto fail;
    sqlite3_bind_int64(ins, 1, e.seq);
    sqlite3_bind_int64(ins, 2, e.ts_ms);
    sqlite3_bind_text(ins, 3, e.actor, -1, SQLITE_STATIC);
    sqlite3_bind_text(ins, 4, e.remote, -1, SQLITE_STATIC);
    sqlite3_bind_text(ins, 5, e.action, -1, SQLITE_STATIC);
    sqlite3_bind_text(ins, 6, e.target, -1, SQLITE_STATIC);
    sqlite3_bind_text(ins, 7, e.detail, -1, SQLITE_STATIC);
    sqlite3_bind_text(ins, 8, prev, -1, SQLITE_STATIC);
    sqlite3_bind_text(ins, 9, hash, -1, SQLITE_STATIC);
    if (sqlite3_step(ins) != SQLITE_DONE) {
        rc = vg_store_db_error(s, s->db, "appending to the audit log", err);
        goto fail;
    }
    sqlite3_finalize(head);
    sqlite3_finalize(ins);
    head = ins = NULL;
    if ((rc = vg_store_commit(s, err)) != VG_OK)
        goto out;
    if (seq_out)
        *seq_out = e.seq;
    if (hash_out)
        memcpy(hash_out, hash, sizeof hash);
    goto out;
fail:
    sqlite3_finalize(head);
    sqlite3_finalize(ins);
    vg_store_rollback(s);
out:
    pthread_mutex_unlock(&s->lock);
    return rc;
}

/* Entries with seq > after, oldest first, at most limit (0: all), read on db. */
static int list_on(sqlite3 *db, const char *path, int64_t after, size_t limit,
                   vg_store_audit_entry **out, size_t *n, vg_error *err) {
    *out = NULL;
    *n = 0;
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db, "SELECT " COLUMNS " FROM audit WHERE seq > ?1 ORDER BY seq LIMIT ?2",
                           -1, &st, NULL) != SQLITE_OK)
        return vg_error_set(err, VG_ERR_IO, "%s: reading the audit log: %s", path,
                            sqlite3_errmsg(db));
    sqlite3_bind_int64(st, 1, after);
    sqlite3_bind_int64(st, 2, limit ? (int64_t)limit : -1);
    vg_store_audit_entry *v = NULL;
    size_t cnt = 0, cap = 0;
    int rc = VG_OK, step;
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        if (cnt == cap) {
            size_t nc = cap ? 2 * cap : 64;
            vg_store_audit_entry *nv = realloc(v, nc * sizeof *nv);
            if (!nv) {
                rc = vg_error_set(err, VG_ERR_NOMEM, "out of memory");
                break;
            }
            v = nv;
            cap = nc;
        }
        if (!read_row(st, &v[cnt])) {
            rc = vg_error_set(err, VG_ERR_NOMEM, "out of memory");
            break;
        }
        cnt++;
    }
    if (rc == VG_OK && step != SQLITE_DONE)
        rc =
            vg_error_set(err, VG_ERR_IO, "%s: reading the audit log: %s", path, sqlite3_errmsg(db));
    sqlite3_finalize(st);
    if (rc != VG_OK) {
        vg_store_audit_free(v, cnt);
        return rc;
    }
    *out = v;
    *n = cnt;
    return VG_OK;
}

int vg_store_audit_list(vg_store *s, int64_t after_seq, size_t limit, vg_store_audit_entry **out,
                        size_t *n, vg_error *err) {
    pthread_mutex_lock(&s->lock);
    int rc = list_on(s->db, s->path, after_seq, limit, out, n, err);
    pthread_mutex_unlock(&s->lock);
    return rc;
}

static int head_on(sqlite3 *db, const char *path, int64_t *seq, char hash[VG_STORE_HASH_HEX + 1],
                   uint64_t *count, vg_error *err) {
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db,
                           "SELECT seq, hash, (SELECT count(*) FROM audit) FROM audit"
                           " ORDER BY seq DESC LIMIT 1",
                           -1, &st, NULL) != SQLITE_OK)
        return vg_error_set(err, VG_ERR_IO, "%s: reading the audit head: %s", path,
                            sqlite3_errmsg(db));
    int step = sqlite3_step(st), rc = VG_OK;
    *seq = 0;
    memcpy(hash, vg_store_audit_genesis, VG_STORE_HASH_HEX + 1);
    if (count)
        *count = 0;
    if (step == SQLITE_ROW) {
        const unsigned char *h = sqlite3_column_text(st, 1);
        *seq = sqlite3_column_int64(st, 0);
        snprintf(hash, VG_STORE_HASH_HEX + 1, "%s", h ? (const char *)h : "");
        if (count)
            *count = (uint64_t)sqlite3_column_int64(st, 2);
    } else if (step != SQLITE_DONE) {
        rc = vg_error_set(err, VG_ERR_IO, "%s: reading the audit head: %s", path,
                          sqlite3_errmsg(db));
    }
    sqlite3_finalize(st);
    return rc;
}

int vg_store_audit_head(vg_store *s, int64_t *seq, char hash[VG_STORE_HASH_HEX + 1],
                        uint64_t *count, vg_error *err) {
    pthread_mutex_lock(&s->lock);
    int rc = head_on(s->db, s->path, seq, hash, count, err);
    pthread_mutex_unlock(&s->lock);
    return rc;
}

/* Walks the whole chain on db in pages (memory stays bounded whatever the log's length). */
static int verify_on(sqlite3 *db, const char *path, vg_store_audit_check *c, vg_error *err) {
    vg_store_audit_check_init(c);
    sqlite3_stmt *st = NULL;
    /* one read transaction: a concurrent append cannot make the walk see half a page */
    if (sqlite3_exec(db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(db, "SELECT " COLUMNS " FROM audit ORDER BY seq", -1, &st, NULL) !=
            SQLITE_OK) {
        int rc =
            vg_error_set(err, VG_ERR_IO, "%s: reading the audit log: %s", path, sqlite3_errmsg(db));
        sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
        return rc;
    }
    int rc = VG_OK, step;
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        vg_store_audit_entry e;
        if (!read_row(st, &e)) {
            rc = vg_error_set(err, VG_ERR_NOMEM, "out of memory");
            break;
        }
        int bad = vg_store_audit_check_next(c, &e);
        vg_store_audit_entry_clear(&e);
        if (bad)
            break;
    }
    if (rc == VG_OK && !c->broken && step != SQLITE_DONE)
        rc =
            vg_error_set(err, VG_ERR_IO, "%s: reading the audit log: %s", path, sqlite3_errmsg(db));
    sqlite3_finalize(st);
    sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
    return rc;
}

int vg_store_audit_verify(vg_store *s, vg_store_audit_check *c, vg_error *err) {
    pthread_mutex_lock(&s->lock);
    int rc = verify_on(s->db, s->path, c, err);
    pthread_mutex_unlock(&s->lock);
    return rc;
}

/* ---- read-only access for the CLI ---- */

struct vg_store_audit_reader {
    sqlite3 *db;
    char *path;
};

int vg_store_audit_open(const char *dir, vg_store_audit_reader **out, vg_error *err) {
    *out = NULL;
    if (!dir || !*dir)
        return vg_error_set(err, VG_ERR_INVALID, "a data directory is required");
    vg_store_audit_reader *r = calloc(1, sizeof *r);
    size_t plen = strlen(dir) + sizeof "/vigia.db";
    if (!r || !(r->path = malloc(plen))) {
        free(r);
        return vg_error_set(err, VG_ERR_NOMEM, "out of memory");
    }
    snprintf(r->path, plen, "%s/vigia.db", dir);
    struct stat sb;
    int rc = VG_OK;
    /* SQLite would create a missing file only with OPEN_CREATE; the check gives a plain message */
    if (stat(r->path, &sb) != 0) {
        rc = vg_error_set(err, VG_ERR_IO, "%s: no database (is %s a vigia data directory?)",
                          r->path, dir);
        goto fail;
    }
    /* read-only and without the data directory's flock: a WAL reader never blocks the daemon,
     * and sees every committed entry */
    if (sqlite3_open_v2(r->path, &r->db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, NULL) !=
        SQLITE_OK) {
        rc = vg_error_set(err, VG_ERR_IO, "%s: cannot open: %s", r->path,
                          r->db ? sqlite3_errmsg(r->db) : "out of memory");
        goto fail;
    }
    sqlite3_busy_timeout(r->db, 10000);
    sqlite3_stmt *st = NULL;
    int have = 0;
    if (sqlite3_prepare_v2(r->db,
                           "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'audit'",
                           -1, &st, NULL) == SQLITE_OK) {
        int step = sqlite3_step(st);
        have = step == SQLITE_ROW;
        if (step != SQLITE_ROW && step != SQLITE_DONE)
            rc = vg_error_set(err, VG_ERR_IO, "%s: %s", r->path, sqlite3_errmsg(r->db));
    } else {
        rc = vg_error_set(err, VG_ERR_IO, "%s: %s", r->path, sqlite3_errmsg(r->db));
    }
    sqlite3_finalize(st);
    if (rc == VG_OK && !have)
        rc = vg_error_set(err, VG_ERR_INVALID,
                          "%s: no audit log (written by an older vigia; run vigia serve once to "
                          "upgrade it)",
                          r->path);
    if (rc != VG_OK)
        goto fail;
    *out = r;
    return VG_OK;
fail:
    vg_store_audit_close(r);
    return rc;
}

void vg_store_audit_close(vg_store_audit_reader *r) {
    if (!r)
        return;
    sqlite3_close(r->db);
    free(r->path);
    free(r);
}

int vg_store_audit_reader_list(vg_store_audit_reader *r, int64_t after_seq, size_t limit,
                               vg_store_audit_entry **out, size_t *n, vg_error *err) {
    return list_on(r->db, r->path, after_seq, limit, out, n, err);
}

int vg_store_audit_reader_verify(vg_store_audit_reader *r, vg_store_audit_check *c, vg_error *err) {
    return verify_on(r->db, r->path, c, err);
}

/* ---- the export format: one JSON object per entry ---- */

void vg_store_audit_time(int64_t ts_ms, char buf[32]) {
    vg_format_rfc3339_ms(ts_ms, buf, 32);
}

char *vg_store_audit_entry_json(const vg_store_audit_entry *e, vg_error *err) {
    char t[32];
    vg_format_rfc3339_ms(e->ts_ms, t, sizeof t);
    const char *names[] = {"actor", "remote", "action", "target", "detail", "prev_hash", "hash"};
    const char *vals[] = {e->actor,  e->remote,    e->action, e->target,
                          e->detail, e->prev_hash, e->hash};
    json_t *o = json_object();
    int ok = o && !json_object_set_new(o, "seq", json_integer((json_int_t)e->seq)) &&
             !json_object_set_new(o, "ts_ms", json_integer((json_int_t)e->ts_ms)) &&
             !json_object_set_new(o, "time", json_string(t));
    for (size_t i = 0; ok && i < sizeof names / sizeof *names; i++) {
        json_t *v = json_string(vals[i] ? vals[i] : "");
        if (!v) {
            json_decref(o);
            vg_error_set(err, VG_ERR_INVALID, "audit entry seq %lld: %s is not valid UTF-8",
                         (long long)e->seq, names[i]);
            return NULL;
        }
        ok = !json_object_set_new(o, names[i], v);
    }
    /* key order as inserted: seq first reads best in a file of entries */
    char *text = ok ? json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    json_decref(o);
    if (!text)
        vg_error_set(err, VG_ERR_NOMEM, "out of memory");
    return text;
}

int vg_store_audit_entry_parse(const char *text, size_t len, vg_store_audit_entry *out,
                               vg_error *err) {
    memset(out, 0, sizeof *out);
    json_error_t je;
    json_t *o = json_loadb(text, len, 0, &je);
    if (!json_is_object(o)) {
        json_decref(o);
        return vg_error_set(err, VG_ERR_PARSE, "not a JSON object%s%s", o ? "" : ": ",
                            o ? "" : je.text);
    }
    int rc = VG_OK;
    json_t *seq = json_object_get(o, "seq"), *ts = json_object_get(o, "ts_ms");
    if (!json_is_integer(seq))
        rc = vg_error_set(err, VG_ERR_INVALID, "seq: expected an integer");
    else if (!json_is_integer(ts))
        rc = vg_error_set(err, VG_ERR_INVALID, "ts_ms: expected an integer");
    else {
        out->seq = (int64_t)json_integer_value(seq);
        out->ts_ms = (int64_t)json_integer_value(ts);
    }
    const char *names[] = {"actor", "remote", "action", "target", "detail", "prev_hash", "hash"};
    char **slots[] = {&out->actor,  &out->remote,    &out->action, &out->target,
                      &out->detail, &out->prev_hash, &out->hash};
    for (size_t i = 0; rc == VG_OK && i < sizeof names / sizeof *names; i++) {
        json_t *v = json_object_get(o, names[i]);
        if (!json_is_string(v))
            rc = vg_error_set(err, VG_ERR_INVALID, "%s: expected a string", names[i]);
        else if (!(*slots[i] = strdup(json_string_value(v))))
            rc = vg_error_set(err, VG_ERR_NOMEM, "out of memory");
    }
    json_decref(o);
    if (rc != VG_OK)
        vg_store_audit_entry_clear(out);
    return rc;
}
