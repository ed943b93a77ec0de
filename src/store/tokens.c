/*
 * API tokens in the store: one row per token, holding its public id, name, scopes, optional
 * model, and a salted hash of the secret (never the secret itself). The hashing and the
 * constant-time comparison live in src/serve/auth.c; this file only keeps the rows.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_int.h"

const char vg_store_tokens_schema[] = "CREATE TABLE tokens ("
                                      " id TEXT PRIMARY KEY,"
                                      " name TEXT NOT NULL,"
                                      " salt BLOB NOT NULL,"
                                      " hash BLOB NOT NULL,"
                                      " scopes INTEGER NOT NULL,"
                                      " model TEXT,"
                                      " created_ms INTEGER NOT NULL,"
                                      " created_by TEXT,"
                                      " expires_ms INTEGER,"
                                      " revoked_ms INTEGER);";

static int prep(vg_store *s, const char *sql, sqlite3_stmt **st, vg_error *err) {
    if (sqlite3_prepare_v2(s->db, sql, -1, st, NULL) != SQLITE_OK) {
        *st = NULL;
        return vg_store_db_error(s, s->db, "preparing a token statement", err);
    }
    return VG_OK;
}

static void bind_opt_text(sqlite3_stmt *st, int i, const char *v) {
    if (v)
        sqlite3_bind_text(st, i, v, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(st, i);
}

static void bind_opt_ms(sqlite3_stmt *st, int i, int64_t v) {
    if (v)
        sqlite3_bind_int64(st, i, v);
    else
        sqlite3_bind_null(st, i);
}

int vg_store_put_token(vg_store *s, const vg_store_token *t, vg_error *err) {
    pthread_mutex_lock(&s->lock);
    sqlite3_stmt *st;
    int rc = prep(s,
                  "INSERT INTO tokens (id, name, salt, hash, scopes, model, created_ms, "
                  "created_by, expires_ms, revoked_ms) VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10)",
                  &st, err);
    if (rc == VG_OK) {
        sqlite3_bind_text(st, 1, t->id, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, t->name ? t->name : "", -1, SQLITE_STATIC);
        sqlite3_bind_blob(st, 3, t->salt, (int)sizeof t->salt, SQLITE_STATIC);
        sqlite3_bind_blob(st, 4, t->hash, (int)sizeof t->hash, SQLITE_STATIC);
        sqlite3_bind_int64(st, 5, t->scopes);
        bind_opt_text(st, 6, t->model);
        sqlite3_bind_int64(st, 7, t->created_ms ? t->created_ms : vg_store_now_ms());
        bind_opt_text(st, 8, t->created_by);
        bind_opt_ms(st, 9, t->expires_ms);
        bind_opt_ms(st, 10, t->revoked_ms);
        int step = sqlite3_step(st);
        if ((step & 0xff) == SQLITE_CONSTRAINT)
            rc = vg_error_set(err, VG_ERR_MISMATCH, "a token with id %s exists", t->id);
        else if (step != SQLITE_DONE)
            rc = vg_store_db_error(s, s->db, "storing a token", err);
        sqlite3_finalize(st);
    }
    pthread_mutex_unlock(&s->lock);
    return rc;
}

static char *dup_opt(sqlite3_stmt *st, int i, int *oom) {
    const unsigned char *t = sqlite3_column_text(st, i);
    if (!t)
        return NULL;
    char *d = strdup((const char *)t);
    if (!d)
        *oom = 1;
    return d;
}

int vg_store_list_tokens(vg_store *s, vg_store_token **out, size_t *n, vg_error *err) {
    *out = NULL;
    *n = 0;
    pthread_mutex_lock(&s->lock);
    sqlite3_stmt *st;
    int rc = prep(s,
                  "SELECT id, name, salt, hash, scopes, model, created_ms, created_by, "
                  "expires_ms, revoked_ms FROM tokens ORDER BY created_ms, id",
                  &st, err);
    vg_store_token *v = NULL;
    size_t k = 0, cap = 0;
    int step = SQLITE_DONE, oom = 0;
    while (rc == VG_OK && (step = sqlite3_step(st)) == SQLITE_ROW) {
        if (k == cap) {
            size_t nc = cap ? 2 * cap : 16;
            vg_store_token *nv = realloc(v, nc * sizeof *nv);
            if (!nv) {
                oom = 1;
                break;
            }
            v = nv;
            cap = nc;
        }
        vg_store_token *t = &v[k++];
        memset(t, 0, sizeof *t);
        snprintf(t->id, sizeof t->id, "%s", (const char *)sqlite3_column_text(st, 0));
        t->name = dup_opt(st, 1, &oom);
        if (sqlite3_column_bytes(st, 2) == (int)sizeof t->salt &&
            sqlite3_column_bytes(st, 3) == (int)sizeof t->hash) {
            memcpy(t->salt, sqlite3_column_blob(st, 2), sizeof t->salt);
            memcpy(t->hash, sqlite3_column_blob(st, 3), sizeof t->hash);
        } else {
            t->revoked_ms = 1; /* a damaged row can never match: treat it as revoked */
        }
        t->scopes = (unsigned)sqlite3_column_int64(st, 4);
        t->model = dup_opt(st, 5, &oom);
        t->created_ms = sqlite3_column_int64(st, 6);
        t->created_by = dup_opt(st, 7, &oom);
        t->expires_ms = sqlite3_column_int64(st, 8);
        if (!t->revoked_ms)
            t->revoked_ms = sqlite3_column_int64(st, 9);
        if (oom)
            break;
    }
    if (rc == VG_OK && oom)
        rc = vg_error_set(err, VG_ERR_NOMEM, "out of memory");
    else if (rc == VG_OK && step != SQLITE_DONE)
        rc = vg_store_db_error(s, s->db, "listing tokens", err);
    sqlite3_finalize(st);
    pthread_mutex_unlock(&s->lock);
    if (rc != VG_OK) {
        vg_store_tokens_free(v, k);
        return rc;
    }
    *out = v;
    *n = k;
    return VG_OK;
}

void vg_store_tokens_free(vg_store_token *t, size_t n) {
    for (size_t i = 0; t && i < n; i++) {
        free(t[i].name);
        free(t[i].model);
        free(t[i].created_by);
    }
    free(t);
}

int vg_store_revoke_token(vg_store *s, const char *id, int64_t at_ms, vg_error *err) {
    pthread_mutex_lock(&s->lock);
    sqlite3_stmt *st;
    int rc =
        prep(s, "UPDATE tokens SET revoked_ms = ?2 WHERE id = ?1 AND revoked_ms IS NULL", &st, err);
    if (rc == VG_OK) {
        sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 2, at_ms);
        if (sqlite3_step(st) != SQLITE_DONE)
            rc = vg_store_db_error(s, s->db, "revoking a token", err);
        else if (sqlite3_changes(s->db) == 0)
            rc = vg_error_set(err, VG_ERR_INVALID, "no token %s to revoke", id);
        sqlite3_finalize(st);
    }
    pthread_mutex_unlock(&s->lock);
    return rc;
}
