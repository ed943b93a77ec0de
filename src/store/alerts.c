/*
 * The alerting tables of the daemon's store (see store.h, "alerts"): the state of every alert
 * instance, the history of what happened to them, the outbox of notifications still to send,
 * and the silences and acknowledgements made through the API.
 *
 * The point of keeping them in the same database as the windows is atomicity: a transition,
 * its history row and the outbox entries it produces are written in one transaction
 * (vg_store_alert_commit), so after a crash either the alert moved and its notifications are
 * queued, or neither happened and the next evaluation does it again. The outbox is what makes a
 * notification survive a restart: an entry is deleted from the pending set only once it was
 * delivered or gave up, and the sender reads it back in id order after a restart.
 *
 * States, silences and acknowledgements share one keyed table (alert_kv, by kind and id) since
 * the store treats them all as opaque JSON owned by src/serve/alerting.c. Statements here are
 * prepared per call (sqlite3_prepare_v2): these calls are rare next to the ingest path, and it
 * keeps the store's statement table untouched.
 */
#include <stdlib.h>
#include <string.h>

#include "store_int.h"

const char vg_store_alerts_schema[] =
    "CREATE TABLE alert_kv ("
    " kind TEXT NOT NULL,"
    " id TEXT NOT NULL,"
    " json TEXT NOT NULL,"
    " expires_ms INTEGER NOT NULL DEFAULT 0,"
    " updated_ms INTEGER NOT NULL,"
    " PRIMARY KEY (kind, id)) WITHOUT ROWID;"
    "CREATE TABLE alert_history ("
    " id INTEGER PRIMARY KEY AUTOINCREMENT,"
    " at_ms INTEGER NOT NULL,"
    " alert_id TEXT NOT NULL,"
    " rule TEXT NOT NULL,"
    " model TEXT NOT NULL,"
    " kind TEXT NOT NULL,"
    " state TEXT NOT NULL,"
    " json TEXT NOT NULL);"
    "CREATE INDEX alert_history_alert ON alert_history(alert_id, id);"
    "CREATE TABLE alert_outbox ("
    " id INTEGER PRIMARY KEY AUTOINCREMENT,"
    " event_id INTEGER,"
    " notifier TEXT NOT NULL,"
    " payload TEXT NOT NULL,"
    " created_ms INTEGER NOT NULL,"
    " attempts INTEGER NOT NULL DEFAULT 0,"
    " next_ms INTEGER NOT NULL,"
    " done_ms INTEGER,"
    " result TEXT);"
    "CREATE INDEX alert_outbox_pending ON alert_outbox(done_ms, id);";

static int prep(vg_store *s, const char *sql, sqlite3_stmt **st, vg_error *err) {
    if (sqlite3_prepare_v2(s->db, sql, -1, st, NULL) != SQLITE_OK) {
        *st = NULL;
        return vg_store_db_error(s, s->db, "preparing an alert statement", err);
    }
    return VG_OK;
}

/* Steps st (no row expected) and finalizes it. */
static int run(vg_store *s, sqlite3_stmt *st, const char *what, vg_error *err) {
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    return rc == SQLITE_DONE || rc == SQLITE_ROW ? VG_OK : vg_store_db_error(s, s->db, what, err);
}

static char *dup_col(sqlite3_stmt *st, int i) {
    const unsigned char *t = sqlite3_column_text(st, i);
    return strdup(t ? (const char *)t : "");
}

static int bind_event(sqlite3_stmt *st, const vg_store_alert_event *e, int64_t now) {
    sqlite3_bind_int64(st, 1, e->at_ms ? e->at_ms : now);
    sqlite3_bind_text(st, 2, e->alert_id ? e->alert_id : "", -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, e->rule ? e->rule : "", -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, e->model ? e->model : "", -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 5, e->kind ? e->kind : "transition", -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 6, e->state ? e->state : "", -1, SQLITE_STATIC);
    return sqlite3_bind_text(st, 7, e->json ? e->json : "{}", -1, SQLITE_STATIC);
}

#define INSERT_EVENT                                                                               \
    "INSERT INTO alert_history(at_ms, alert_id, rule, model, kind, state, json)"                   \
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)"

int vg_store_alert_commit(vg_store *s, const vg_store_alert_tx *tx, vg_error *err) {
    int64_t now = vg_store_now_ms();
    int64_t *ids = tx->n_events ? calloc(tx->n_events, sizeof *ids) : NULL;
    if (tx->n_events && !ids)
        return vg_error_set(err, VG_ERR_NOMEM, "out of memory");
    pthread_mutex_lock(&s->lock);
    sqlite3_stmt *put = NULL, *del = NULL, *ev = NULL, *ob = NULL;
    int rc = vg_store_begin(s, err);
    if (rc != VG_OK)
        goto out;
    if ((rc = prep(s,
                   "INSERT INTO alert_kv(kind, id, json, expires_ms, updated_ms)"
                   " VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT(kind, id) DO UPDATE SET"
                   " json = excluded.json, expires_ms = excluded.expires_ms,"
                   " updated_ms = excluded.updated_ms",
                   &put, err)) != VG_OK ||
        (rc = prep(s, "DELETE FROM alert_kv WHERE kind = ?1 AND id = ?2", &del, err)) != VG_OK ||
        (rc = prep(s, INSERT_EVENT, &ev, err)) != VG_OK ||
        (rc = prep(s,
                   "INSERT INTO alert_outbox(event_id, notifier, payload, created_ms, next_ms)"
                   " VALUES (?1, ?2, ?3, ?4, ?4)",
                   &ob, err)) != VG_OK)
        goto fail;
    for (size_t i = 0; i < tx->n_kv; i++) {
        const vg_store_alert_kv *k = &tx->kv[i];
        sqlite3_stmt *st = k->json ? put : del;
        sqlite3_bind_text(st, 1, k->kind, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, k->id, -1, SQLITE_STATIC);
        if (k->json) {
            sqlite3_bind_text(st, 3, k->json, -1, SQLITE_STATIC);
            sqlite3_bind_int64(st, 4, k->expires_ms);
            sqlite3_bind_int64(st, 5, now);
        }
        if ((rc = vg_store_exec(s, st, "writing an alert state", err)) != VG_OK)
            goto fail;
    }
    for (size_t i = 0; i < tx->n_events; i++) {
        bind_event(ev, &tx->events[i], now);
        if ((rc = vg_store_exec(s, ev, "writing the alert history", err)) != VG_OK)
            goto fail;
        ids[i] = sqlite3_last_insert_rowid(s->db);
    }
    for (size_t i = 0; i < tx->n_outbox; i++) {
        const vg_store_outbox_new *o = &tx->outbox[i];
        if (o->event >= 0 && (size_t)o->event < tx->n_events)
            sqlite3_bind_int64(ob, 1, ids[o->event]);
        sqlite3_bind_text(ob, 2, o->notifier, -1, SQLITE_STATIC);
        sqlite3_bind_text(ob, 3, o->payload, -1, SQLITE_STATIC);
        sqlite3_bind_int64(ob, 4, now);
        if ((rc = vg_store_exec(s, ob, "queueing a notification", err)) != VG_OK)
            goto fail;
    }
    rc = vg_store_commit(s, err);
    goto out;
fail:
    vg_store_rollback(s);
out:
    sqlite3_finalize(put);
    sqlite3_finalize(del);
    sqlite3_finalize(ev);
    sqlite3_finalize(ob);
    pthread_mutex_unlock(&s->lock);
    free(ids);
    return rc;
}

int vg_store_alert_kv_list(vg_store *s, const char *kind, vg_store_alert_kv **out, size_t *n,
                           vg_error *err) {
    *out = NULL;
    *n = 0;
    pthread_mutex_lock(&s->lock);
    sqlite3_stmt *st;
    int rc =
        prep(s, "SELECT id, json, expires_ms FROM alert_kv WHERE kind = ?1 ORDER BY id", &st, err);
    vg_store_alert_kv *v = NULL;
    size_t cnt = 0, cap = 0;
    if (rc == VG_OK) {
        sqlite3_bind_text(st, 1, kind, -1, SQLITE_STATIC);
        int step;
        while ((step = sqlite3_step(st)) == SQLITE_ROW) {
            if (cnt == cap) {
                size_t nc = cap ? 2 * cap : 16;
                vg_store_alert_kv *nv = realloc(v, nc * sizeof *nv);
                if (!nv) {
                    rc = vg_error_set(err, VG_ERR_NOMEM, "out of memory");
                    break;
                }
                v = nv;
                cap = nc;
            }
            vg_store_alert_kv *k = &v[cnt++];
            memset(k, 0, sizeof *k);
            k->kind = strdup(kind);
            k->id = dup_col(st, 0);
            k->json = dup_col(st, 1);
            k->expires_ms = sqlite3_column_int64(st, 2);
            if (!k->kind || !k->id || !k->json) {
                rc = vg_error_set(err, VG_ERR_NOMEM, "out of memory");
                break;
            }
        }
        if (rc == VG_OK && step != SQLITE_DONE)
            rc = vg_store_db_error(s, s->db, "reading alert states", err);
        sqlite3_finalize(st);
    }
    pthread_mutex_unlock(&s->lock);
    if (rc != VG_OK) {
        vg_store_alert_kv_free(v, cnt);
        return rc;
    }
    *out = v;
    *n = cnt;
    return VG_OK;
}

void vg_store_alert_kv_free(vg_store_alert_kv *v, size_t n) {
    for (size_t i = 0; v && i < n; i++) {
        free((char *)v[i].kind);
        free((char *)v[i].id);
        free((char *)v[i].json);
    }
    free(v);
}

int vg_store_alert_history(vg_store *s, const char *alert_id, const char *rule, int64_t before,
                           size_t limit, vg_store_alert_event **out, size_t *n, vg_error *err) {
    *out = NULL;
    *n = 0;
    pthread_mutex_lock(&s->lock);
    sqlite3_stmt *st;
    int rc = prep(s,
                  "SELECT id, at_ms, alert_id, rule, model, kind, state, json FROM alert_history"
                  " WHERE (?1 IS NULL OR alert_id = ?1) AND (?2 IS NULL OR rule = ?2)"
                  " AND (?3 = 0 OR id < ?3) ORDER BY id DESC LIMIT ?4",
                  &st, err);
    vg_store_alert_event *v = NULL;
    size_t cnt = 0, cap = 0;
    if (rc == VG_OK) {
        if (alert_id)
            sqlite3_bind_text(st, 1, alert_id, -1, SQLITE_STATIC);
        if (rule)
            sqlite3_bind_text(st, 2, rule, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 3, before);
        sqlite3_bind_int64(st, 4, limit ? (int64_t)limit : -1);
        int step;
        while ((step = sqlite3_step(st)) == SQLITE_ROW) {
            if (cnt == cap) {
                size_t nc = cap ? 2 * cap : 32;
                vg_store_alert_event *nv = realloc(v, nc * sizeof *nv);
                if (!nv) {
                    rc = vg_error_set(err, VG_ERR_NOMEM, "out of memory");
                    break;
                }
                v = nv;
                cap = nc;
            }
            vg_store_alert_event *e = &v[cnt++];
            memset(e, 0, sizeof *e);
            e->id = sqlite3_column_int64(st, 0);
            e->at_ms = sqlite3_column_int64(st, 1);
            e->alert_id = dup_col(st, 2);
            e->rule = dup_col(st, 3);
            e->model = dup_col(st, 4);
            e->kind = dup_col(st, 5);
            e->state = dup_col(st, 6);
            e->json = dup_col(st, 7);
            if (!e->alert_id || !e->rule || !e->model || !e->kind || !e->state || !e->json) {
                rc = vg_error_set(err, VG_ERR_NOMEM, "out of memory");
                break;
            }
        }
        if (rc == VG_OK && step != SQLITE_DONE)
            rc = vg_store_db_error(s, s->db, "reading the alert history", err);
        sqlite3_finalize(st);
    }
    pthread_mutex_unlock(&s->lock);
    if (rc != VG_OK) {
        vg_store_alert_events_free(v, cnt);
        return rc;
    }
    *out = v;
    *n = cnt;
    return VG_OK;
}

void vg_store_alert_events_free(vg_store_alert_event *v, size_t n) {
    for (size_t i = 0; v && i < n; i++) {
        free((char *)v[i].alert_id);
        free((char *)v[i].rule);
        free((char *)v[i].model);
        free((char *)v[i].kind);
        free((char *)v[i].state);
        free((char *)v[i].json);
    }
    free(v);
}

int vg_store_outbox_pending(vg_store *s, size_t limit, vg_store_outbox **out, size_t *n,
                            vg_error *err) {
    *out = NULL;
    *n = 0;
    pthread_mutex_lock(&s->lock);
    sqlite3_stmt *st;
    int rc = prep(s,
                  "SELECT id, event_id, notifier, payload, created_ms, attempts, next_ms"
                  " FROM alert_outbox WHERE done_ms IS NULL ORDER BY id LIMIT ?1",
                  &st, err);
    vg_store_outbox *v = NULL;
    size_t cnt = 0, cap = 0;
    if (rc == VG_OK) {
        sqlite3_bind_int64(st, 1, limit ? (int64_t)limit : -1);
        int step;
        while ((step = sqlite3_step(st)) == SQLITE_ROW) {
            if (cnt == cap) {
                size_t nc = cap ? 2 * cap : 16;
                vg_store_outbox *nv = realloc(v, nc * sizeof *nv);
                if (!nv) {
                    rc = vg_error_set(err, VG_ERR_NOMEM, "out of memory");
                    break;
                }
                v = nv;
                cap = nc;
            }
            vg_store_outbox *o = &v[cnt++];
            memset(o, 0, sizeof *o);
            o->id = sqlite3_column_int64(st, 0);
            o->event_id = sqlite3_column_int64(st, 1);
            o->notifier = dup_col(st, 2);
            o->payload = dup_col(st, 3);
            o->created_ms = sqlite3_column_int64(st, 4);
            o->attempts = (uint32_t)sqlite3_column_int64(st, 5);
            o->next_ms = sqlite3_column_int64(st, 6);
            if (!o->notifier || !o->payload) {
                rc = vg_error_set(err, VG_ERR_NOMEM, "out of memory");
                break;
            }
        }
        if (rc == VG_OK && step != SQLITE_DONE)
            rc = vg_store_db_error(s, s->db, "reading the outbox", err);
        sqlite3_finalize(st);
    }
    pthread_mutex_unlock(&s->lock);
    if (rc != VG_OK) {
        vg_store_outbox_free(v, cnt);
        return rc;
    }
    *out = v;
    *n = cnt;
    return VG_OK;
}

void vg_store_outbox_free(vg_store_outbox *v, size_t n) {
    for (size_t i = 0; v && i < n; i++) {
        free(v[i].notifier);
        free(v[i].payload);
    }
    free(v);
}

int vg_store_outbox_update(vg_store *s, int64_t id, int done, uint32_t attempts, int64_t next_ms,
                           const char *result, const vg_store_alert_event *record, vg_error *err) {
    int64_t now = vg_store_now_ms();
    pthread_mutex_lock(&s->lock);
    sqlite3_stmt *st = NULL, *ev = NULL;
    int rc = vg_store_begin(s, err);
    if (rc != VG_OK)
        goto out;
    if ((rc = prep(s,
                   "UPDATE alert_outbox SET attempts = ?2, next_ms = ?3, result = ?4,"
                   " done_ms = CASE WHEN ?5 THEN ?6 ELSE NULL END WHERE id = ?1",
                   &st, err)) != VG_OK)
        goto fail;
    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_int64(st, 2, attempts);
    sqlite3_bind_int64(st, 3, next_ms);
    if (result)
        sqlite3_bind_text(st, 4, result, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 5, done);
    sqlite3_bind_int64(st, 6, now);
    rc = run(s, st, "updating the outbox", err);
    st = NULL;
    if (rc != VG_OK)
        goto fail;
    if (record) {
        if ((rc = prep(s, INSERT_EVENT, &ev, err)) != VG_OK)
            goto fail;
        bind_event(ev, record, now);
        rc = run(s, ev, "writing the alert history", err);
        ev = NULL;
        if (rc != VG_OK)
            goto fail;
    }
    rc = vg_store_commit(s, err);
    goto out;
fail:
    vg_store_rollback(s);
out:
    sqlite3_finalize(st);
    sqlite3_finalize(ev);
    pthread_mutex_unlock(&s->lock);
    return rc;
}

int64_t vg_store_outbox_count(vg_store *s) {
    pthread_mutex_lock(&s->lock);
    sqlite3_stmt *st;
    int64_t n = VG_ERR_IO;
    if (prep(s, "SELECT count(*) FROM alert_outbox WHERE done_ms IS NULL", &st, NULL) == VG_OK) {
        if (sqlite3_step(st) == SQLITE_ROW)
            n = sqlite3_column_int64(st, 0);
        sqlite3_finalize(st);
    }
    pthread_mutex_unlock(&s->lock);
    return n;
}

int vg_store_alert_expire(vg_store *s, int64_t cutoff_ms, vg_error *err) {
    pthread_mutex_lock(&s->lock);
    sqlite3_stmt *st = NULL;
    int rc = prep(s, "DELETE FROM alert_history WHERE at_ms < ?1", &st, err);
    int n = 0;
    if (rc == VG_OK) {
        sqlite3_bind_int64(st, 1, cutoff_ms);
        rc = run(s, st, "expiring the alert history", err);
        n += sqlite3_changes(s->db);
    }
    /* delivered and given-up notifications: their outcome is in the history */
    if (rc == VG_OK &&
        (rc = prep(s, "DELETE FROM alert_outbox WHERE done_ms IS NOT NULL AND done_ms < ?1", &st,
                   err)) == VG_OK) {
        sqlite3_bind_int64(st, 1, cutoff_ms);
        rc = run(s, st, "expiring the outbox", err);
        n += sqlite3_changes(s->db);
    }
    pthread_mutex_unlock(&s->lock);
    return rc == VG_OK ? n : rc;
}
