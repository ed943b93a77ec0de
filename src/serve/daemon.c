/*
 * The daemon's core: the registry of models (each a vg_monitor behind its own mutex), the
 * persistence of closed windows, references on disk, the start-up recovery and the tick thread.
 *
 * Durability, the invariant a reader must keep in mind: a batch is acknowledged only once its
 * journal entry is committed; a journal entry is deleted only once every window holding its
 * records is in the store (vg_monitor_min_open_seq bounds the prune). After a crash, recovery
 * restores the recent closed windows (so late labels still find their rows and replay knows
 * what is closed) and replays the journal, which rebuilds the open windows exactly.
 *
 * Models are reference counted: a request takes a reference under the registry lock, then
 * locks the model. DELETE and PUT take the model out of (or swap it in) the registry and flag it
 * gone; a request that finds its model gone after locking looks the name up again.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "../base/utf8.h"
#include "internal.h"
#include "vigia/profile.h"
#include "vigia/version.h"

int64_t serve_now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

serve_live serve_get_live(vg_serve *s) {
    serve_live l;
    pthread_mutex_lock(&s->cfg_mu);
    l.max_body_bytes = s->cfg.max_body_bytes;
    l.max_records = s->cfg.max_records;
    l.batch_partial = s->cfg.batch_partial;
    l.retention_ms = s->cfg.retention_ms;
    l.tick_ms = s->cfg.tick_ms;
    l.dead_retention_ms = s->cfg.dead_retention_ms;
    l.rows_retention_ms =
        s->cfg.rows_retention_ms < 0 ? s->cfg.retention_ms : s->cfg.rows_retention_ms;
    pthread_mutex_unlock(&s->cfg_mu);
    return l;
}

/* ---- replies ---- */

void serve_reply_json(serve_reply *r, unsigned status, json_t *j) {
    free(r->body);
    r->body = j ? json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER) : NULL;
    json_decref(j);
    if (!r->body) {
        r->status = 500;
        r->body = strdup("{\"error\": {\"code\": \"internal\", \"message\": \"out of memory\"}}");
    } else {
        r->status = status;
    }
    r->len = r->body ? strlen(r->body) : 0;
    r->type = "application/json";
}

json_t *serve_json_text(const char *s) {
    if (!s)
        s = "";
    size_t n = strlen(s);
    if (vg_utf8_valid(s, n))
        return json_stringn(s, n);
    /* at most 3 bytes (U+FFFD) out per byte in */
    char *o = malloc(3 * n + 1);
    if (!o)
        return NULL;
    size_t k = 0;
    for (size_t i = 0; i < n;) {
        unsigned char c = (unsigned char)s[i];
        size_t L = c < 0x80                 ? 1
                   : c >= 0xC2 && c <= 0xDF ? 2
                   : c >= 0xE0 && c <= 0xEF ? 3
                   : c >= 0xF0 && c <= 0xF4 ? 4
                                            : 0;
        if (L && i + L <= n && vg_utf8_valid(s + i, L)) {
            memcpy(o + k, s + i, L);
            k += L;
            i += L;
        } else {
            memcpy(o + k, "\xEF\xBF\xBD", 3);
            k += 3;
            i++;
        }
    }
    json_t *j = json_stringn(o, k);
    free(o);
    return j;
}

void serve_reply_error(serve_reply *r, unsigned status, const char *code, const char *fmt, ...) {
    char msg[VG_ERROR_MSG_MAX + 256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    serve_reply_json(
        r, status,
        json_pack("{s:{s:s,s:o}}", "error", "code", code, "message", serve_json_text(msg)));
    r->status = status;
}

void serve_reply_vg_error(serve_reply *r, const vg_error *err) {
    switch (err->code) {
    case VG_ERR_PARSE: serve_reply_error(r, 400, "bad_json", "%s", err->msg); break;
    case VG_ERR_INVALID:
    case VG_ERR_FORMAT:
    case VG_ERR_MISMATCH: serve_reply_error(r, 400, "invalid", "%s", err->msg); break;
    case VG_ERR_LIMIT: serve_reply_error(r, 413, "too_large", "%s", err->msg); break;
    case VG_ERR_NOMEM: serve_reply_error(r, 500, "internal", "out of memory"); break;
    default: serve_reply_error(r, 500, "storage", "%s", err->msg); break;
    }
}

/* ---- registry ---- */

static void model_free(serve_model *m) {
    if (!m)
        return;
    free(m->restored);
    vg_monitor_free(m->mon);
    pthread_cond_destroy(&m->persist_cv);
    pthread_mutex_destroy(&m->mu);
    free(m->name);
    free(m);
}

static serve_model *model_new(vg_monitor *mon) {
    serve_model *m = calloc(1, sizeof *m);
    if (!m)
        return NULL;
    m->name = strdup(vg_monitor_spec(mon)->name);
    if (!m->name || pthread_mutex_init(&m->mu, NULL)) {
        free(m->name);
        free(m);
        return NULL;
    }
    if (pthread_cond_init(&m->persist_cv, NULL)) {
        pthread_mutex_destroy(&m->mu);
        free(m->name);
        free(m);
        return NULL;
    }
    m->mon = mon;
    m->refs = 1;
    atomic_init(&m->writes_pending, 0);
    return m;
}

static ssize_t find_locked(vg_serve *s, const char *name) {
    for (size_t i = 0; i < s->n_models; i++)
        if (!strcmp(s->models[i]->name, name))
            return (ssize_t)i;
    return -1;
}

serve_model *serve_model_acquire(vg_serve *s, const char *name) {
    pthread_mutex_lock(&s->reg_mu);
    ssize_t i = find_locked(s, name);
    serve_model *m = i >= 0 ? s->models[i] : NULL;
    if (m)
        m->refs++;
    pthread_mutex_unlock(&s->reg_mu);
    return m;
}

void serve_model_release(vg_serve *s, serve_model *m) {
    if (!m)
        return;
    pthread_mutex_lock(&s->reg_mu);
    unsigned left = --m->refs;
    pthread_mutex_unlock(&s->reg_mu);
    if (!left)
        model_free(m);
}

static int cmp_str(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

char **serve_model_names(vg_serve *s, size_t *n) {
    pthread_mutex_lock(&s->reg_mu);
    char **v = calloc(s->n_models + 1, sizeof *v);
    size_t k = 0;
    for (size_t i = 0; v && i < s->n_models; i++)
        if ((v[k] = strdup(s->models[i]->name)))
            k++;
    pthread_mutex_unlock(&s->reg_mu);
    if (v)
        qsort(v, k, sizeof *v, cmp_str);
    *n = k;
    return v;
}

/* Adds m (its reference passes to the registry); VG_ERR_MISMATCH when the name is taken. */
static int registry_add(vg_serve *s, serve_model *m) {
    pthread_mutex_lock(&s->reg_mu);
    int rc = VG_OK;
    if (find_locked(s, m->name) >= 0) {
        rc = VG_ERR_MISMATCH;
    } else if (s->n_models == s->cap_models) {
        size_t cap = s->cap_models ? 2 * s->cap_models : 8;
        serve_model **v = realloc(s->models, cap * sizeof *v);
        if (!v)
            rc = VG_ERR_NOMEM;
        else {
            s->models = v;
            s->cap_models = cap;
        }
    }
    if (rc == VG_OK)
        s->models[s->n_models++] = m;
    pthread_mutex_unlock(&s->reg_mu);
    return rc;
}

/* ---- references on disk: DATA_DIR/references/MODEL.{csv,ndjson,vgp} ---- */

static const char *const ref_formats[] = {"csv", "ndjson", "vgp"};

static int ref_path(vg_serve *s, const char *model, const char *format, const char *tag, char *out,
                    size_t cap) {
    int n = snprintf(out, cap, "%s/references/%s%s.%s", s->cfg.data_dir, model, tag, format);
    return n > 0 && (size_t)n < cap ? VG_OK : VG_ERR_LIMIT;
}

static int write_file(const char *path, const void *data, size_t len, vg_error *err) {
    FILE *f = fopen(path, "wb");
    if (!f)
        return vg_error_set(err, VG_ERR_IO, "%s: cannot create: %s", path, strerror(errno));
    int ok = fwrite(data, 1, len, f) == len;
    ok &= fflush(f) == 0 && fsync(fileno(f)) == 0;
    ok &= fclose(f) == 0;
    if (!ok) {
        unlink(path);
        return vg_error_set(err, VG_ERR_IO, "%s: write failed: %s", path, strerror(errno));
    }
    return VG_OK;
}

/* Writes the bytes to a fresh file, loads it into mon, and on success makes it the model's
 * reference file (the previous one, of whatever format, removed). */
static int load_reference(vg_serve *s, vg_monitor *mon, const char *model, const char *format,
                          const void *data, size_t len, vg_error *err) {
    char dir[4096], tmp[4096], final[4096];
    snprintf(dir, sizeof dir, "%s/references", s->cfg.data_dir);
    if (mkdir(dir, 0755) != 0 && errno != EEXIST)
        return vg_error_set(err, VG_ERR_IO, "%s: cannot create: %s", dir, strerror(errno));
    if (ref_path(s, model, format, ".new", tmp, sizeof tmp) ||
        ref_path(s, model, format, "", final, sizeof final))
        return vg_error_set(err, VG_ERR_LIMIT, "data_dir path too long");
    int rc = write_file(tmp, data, len, err);
    if (rc != VG_OK)
        return rc;
    rc = vg_monitor_set_reference_file(mon, tmp, err);
    if (rc != VG_OK) {
        unlink(tmp);
        return rc;
    }
    for (size_t i = 0; i < 3; i++) {
        char old[4096];
        if (!ref_path(s, model, ref_formats[i], "", old, sizeof old))
            unlink(old);
    }
    if (rename(tmp, final) != 0)
        return vg_error_set(err, VG_ERR_IO, "%s: cannot rename: %s", tmp, strerror(errno));
    return VG_OK;
}

static void remove_reference_files(vg_serve *s, const char *model) {
    for (size_t i = 0; i < 3; i++) {
        char p[4096];
        if (!ref_path(s, model, ref_formats[i], "", p, sizeof p))
            unlink(p);
    }
}

/* The stored reference (if any) into mon. */
static int reference_from_store(vg_serve *s, vg_monitor *mon, const char *model, vg_error *err) {
    char *format = NULL;
    void *data = NULL;
    size_t len = 0;
    int64_t when = 0;
    int rc = vg_store_get_reference(s->store, model, &format, &data, &len, &when, err);
    if (rc == VG_OK && data)
        rc = load_reference(s, mon, model, format ? format : "csv", data, len, err);
    free(format);
    free(data);
    return rc;
}

int serve_model_set_reference(vg_serve *s, serve_model *m, const char *format, const void *data,
                              size_t len, vg_error *err) {
    int rc = load_reference(s, m->mon, m->name, format, data, len, err);
    if (rc == VG_OK)
        rc = vg_store_put_reference(s->store, m->name, format, data, len, err);
    return rc;
}

/* ---- closed windows to the store ---- */

static int persist_window(vg_serve *s, const char *model, const vg_window *w, int64_t now,
                          vg_error *err) {
    vg_store_window sw;
    memset(&sw, 0, sizeof sw);
    sw.key = w->key;
    sw.start_ms = w->start_ms;
    sw.end_ms = w->end_ms;
    sw.revision = w->revision;
    sw.rows = w->rows;
    sw.labelled = w->labelled;
    sw.max_seq = w->max_seq;
    sw.closed_ms = now;
    sw.report_json = w->report_json;
    sw.rows_blob = w->rows_blob;
    sw.rows_blob_len = w->rows_blob_len;
    unsigned char *prof = NULL;
    size_t plen = 0;
    int rc = w->profile ? vg_profile_encode(w->profile, &prof, &plen, err) : VG_OK;
    if (rc != VG_OK)
        return rc;
    sw.profile = prof;
    sw.profile_len = plen;
    rc = vg_store_put_window(s->store, model, &sw, err);
    free(prof);
    if (rc != VG_OK)
        return rc;
    size_t n = w->n_metrics;
    const char **names = calloc(n + 1, sizeof *names);
    const char **labels = calloc(n + 1, sizeof *labels);
    double *values = calloc(n + 1, sizeof *values);
    if (!names || !labels || !values) {
        rc = vg_error_set(err, VG_ERR_NOMEM, "out of memory");
    } else {
        for (size_t i = 0; i < n; i++) {
            names[i] = w->metrics[i].name;
            labels[i] = w->metrics[i].labels;
            values[i] = w->metrics[i].value;
        }
        rc = vg_store_put_points(s->store, model, w->key, w->end_ms, names, labels, values, n, err);
    }
    free(names);
    free(labels);
    free(values);
    return rc;
}

/* Waits (m->mu held, released while waiting) until no thread is persisting m's windows. */
static void wait_persisting(serve_model *m) {
    while (m->persisting)
        pthread_cond_wait(&m->persist_cv, &m->mu);
}

int serve_model_persist(vg_serve *s, serve_model *m, int64_t now_ms, int flush, json_t *keys,
                        vg_error *err) {
    /* One thread at a time persists a model's windows, in order (a later take may hold a newer
     * revision of a window an earlier one persists). A flush waits for it; otherwise, while
     * another thread persists, the windows closed here stay pending for the next call (the next
     * batch or the tick): waiting would stall the model's ingestion as the lock did. */
    if (flush)
        wait_persisting(m);
    int rc = vg_monitor_advance(m->mon, now_ms, flush, err);
    if (rc < 0)
        return rc;
    if (m->persisting)
        return 0;
    vg_window_job **jobs = NULL;
    size_t n = 0;
    rc = vg_monitor_take_jobs(m->mon, &jobs, &n, err);
    if (rc != VG_OK)
        return rc;
    vg_window **done = n ? calloc(n, sizeof *done) : NULL;
    size_t nd = 0;
    int failed = 0;
    if (n && !done) {
        /* the windows stay in flight: the journal keeps their records for the next restart */
        vg_error_set(err, VG_ERR_NOMEM, "out of memory persisting windows");
        failed = 1;
    }
    /* The reports (seconds for a large window) are computed and stored with the model's lock
     * released, so that its ingestion goes on; the monitor keeps the windows' journal records
     * until vg_monitor_window_done. A flush (the flush API, a replaced spec) keeps the lock:
     * its caller needs the monitor unchanged until it returns. m->gone cannot change while
     * persisting is set (delete and replace wait for it). */
    int unlocked = n > 0 && !flush;
    if (unlocked) {
        m->persisting = 1;
        pthread_mutex_unlock(&m->mu);
    }
    for (size_t i = 0; i < n; i++) {
        vg_window *w = NULL;
        if (!failed && !m->gone) {
            vg_error e;
            vg_error_clear(&e);
            if (vg_window_job_run(jobs[i], &w, &e) != VG_OK ||
                persist_window(s, m->name, w, now_ms, &e) != VG_OK) {
                /* the journal keeps the records (no prune below); the next restart rebuilds */
                vg_serve_log(VG_LOG_ERROR, "model %s: a window not persisted: %s", m->name, e.msg);
                *err = e;
                failed = 1;
            } else {
                vg_serve_log(VG_LOG_DEBUG,
                             "model %s: window %lld revision %u persisted (%llu rows)", m->name,
                             (long long)w->key, w->revision, (unsigned long long)w->rows);
                serve_alerting_window(s, m->name, w, now_ms);
                done[nd++] = w;
                w = NULL;
            }
        }
        vg_window_free(w);
        vg_window_job_free(jobs[i]);
    }
    free(jobs);
    if (unlocked) {
        pthread_mutex_lock(&m->mu);
        m->persisting = 0;
        pthread_cond_broadcast(&m->persist_cv);
    }
    for (size_t i = 0; i < nd; i++) {
        vg_monitor_window_done(m->mon, done[i]);
        if (keys)
            json_array_append_new(keys, json_integer(done[i]->key));
        vg_window_free(done[i]);
    }
    free(done);
    if (failed)
        return err->code ? err->code : VG_ERR_IO;
    if (m->gone)
        return (int)n;
    uint64_t below = vg_monitor_min_open_seq(m->mon);
    if (n > 0 || below != UINT64_MAX) {
        vg_error e;
        vg_error_clear(&e);
        if (vg_store_journal_prune(s->store, m->name, below, &e) != VG_OK)
            vg_serve_log(VG_LOG_WARN, "model %s: journal prune: %s", m->name, e.msg);
    }
    return (int)n;
}

/* ---- registering, replacing and deleting models ---- */

static int restore_windows(vg_serve *s, vg_monitor *mon, const char *model, vg_error *err);

/* ---- the PII key ---- */

/* <data_dir>/pii.key: 32 random bytes made at the first start (mode 0600) and read at every
 * later one, so that the tokens PII redaction writes (docs/pii.md) stay equal across restarts
 * and replays. Losing it only makes new tokens differ from old ones. */
static int pii_key_load(vg_serve *s, vg_error *err) {
    char path[4096];
    if (snprintf(path, sizeof path, "%s/pii.key", s->cfg.data_dir) >= (int)sizeof path)
        return vg_error_set(err, VG_ERR_LIMIT, "data_dir path too long");
    for (int attempt = 0; attempt < 2; attempt++) {
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd >= 0) {
            struct stat st;
            ssize_t got = fstat(fd, &st) == 0 ? read(fd, s->pii_key, sizeof s->pii_key) : -1;
            close(fd);
            if (got != (ssize_t)sizeof s->pii_key || st.st_size != (off_t)sizeof s->pii_key)
                return vg_error_set(err, VG_ERR_FORMAT,
                                    "%s: not a PII key (32 bytes); restore it from a backup or "
                                    "delete it to make a new one (new tokens then differ)",
                                    path);
            if (st.st_mode & 077)
                vg_serve_log(VG_LOG_WARN, "%s is readable by other users (chmod 600 it)", path);
            return VG_OK;
        }
        if (errno != ENOENT)
            return vg_error_set(err, VG_ERR_IO, "%s: %s", path, strerror(errno));
        unsigned char key[32];
        if (getrandom(key, sizeof key, 0) != (ssize_t)sizeof key)
            return vg_error_set(err, VG_ERR_IO, "no random bytes for the PII key: %s",
                                strerror(errno));
        /* O_EXCL: of two daemons starting on one directory, one key wins and both read it */
        fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
        if (fd < 0 && errno == EEXIST)
            continue;
        if (fd < 0)
            return vg_error_set(err, VG_ERR_IO, "%s: %s", path, strerror(errno));
        int ok = write(fd, key, sizeof key) == (ssize_t)sizeof key && fsync(fd) == 0;
        close(fd);
        memset(key, 0, sizeof key);
        if (!ok) {
            unlink(path);
            return vg_error_set(err, VG_ERR_IO, "%s: cannot write the PII key", path);
        }
        vg_serve_log(VG_LOG_INFO, "PII key created in %s", path);
    }
    return vg_error_set(err, VG_ERR_IO, "%s: cannot read the PII key", path);
}

int serve_model_register(vg_serve *s, vg_model_spec *spec, int replace, int *replaced,
                         vg_error *err) {
    if (replaced)
        *replaced = 0;
    vg_monitor *mon = vg_monitor_new(spec, err);
    if (!mon)
        return err && err->code ? err->code : VG_ERR_NOMEM;
    vg_monitor_set_pii_key(mon, s->pii_key, sizeof s->pii_key, NULL);
    char *json = vg_model_spec_json(vg_monitor_spec(mon));
    serve_model *m = json ? model_new(mon) : NULL;
    if (!m) {
        free(json);
        vg_monitor_free(mon);
        return vg_error_set(err, VG_ERR_NOMEM, "out of memory");
    }
    int rc = VG_OK;
    /* registrations and deletions one at a time: the check of the registry and the write of
     * the store below must not interleave with another's */
    pthread_mutex_lock(&s->admin_mu);
    serve_model *old = serve_model_acquire(s, m->name);
    if (old && !replace) {
        rc = vg_error_set(err, VG_ERR_MISMATCH, "model '%s' exists (PUT /v1/models/%s replaces it)",
                          m->name, m->name);
    } else if (!old) {
        rc = vg_store_put_model(s->store, m->name, json, err);
        if (rc == VG_OK && (rc = registry_add(s, m)) != VG_OK)
            rc = vg_error_set(err, rc == VG_ERR_MISMATCH ? VG_ERR_MISMATCH : rc,
                              "model '%s' exists", m->name);
        if (rc == VG_OK)
            m = NULL; /* the registry's now */
    } else {
        /* replace: close the old monitor's windows under its lock and swap while holding it, so
         * that no batch lands in the old monitor after its last flush */
        pthread_mutex_lock(&old->mu);
        rc = serve_model_persist(s, old, serve_now_ms(), 1, NULL, err);
        if (rc >= 0)
            rc = reference_from_store(s, m->mon, m->name, err);
        /* the new monitor continues after the closed windows, as after a restart: the last one
         * is its previous window, and records of closed windows are late (not a second window
         * with the same key, which would overwrite the first in the store) */
        if (rc >= 0)
            rc = restore_windows(s, m->mon, m->name, err);
        if (rc >= 0)
            rc = vg_store_put_model(s->store, m->name, json, err);
        if (rc >= 0) {
            rc = VG_OK;
            pthread_mutex_lock(&s->reg_mu);
            ssize_t i = find_locked(s, m->name);
            if (i >= 0 && s->models[i] == old) {
                s->models[i] = m;
                old->refs--; /* the registry's reference (ours is still held) */
                old->gone = 1;
                m = NULL;
                if (replaced)
                    *replaced = 1;
            } else {
                rc = vg_error_set(err, VG_ERR_INVALID, "model '%s' changed meanwhile", old->name);
            }
            pthread_mutex_unlock(&s->reg_mu);
        }
        pthread_mutex_unlock(&old->mu);
    }
    pthread_mutex_unlock(&s->admin_mu);
    serve_model_release(s, old);
    if (m)
        model_free(m);
    free(json);
    if (rc == VG_OK)
        vg_model_spec_free(spec);
    return rc;
}

int serve_model_delete(vg_serve *s, const char *name, vg_error *err) {
    pthread_mutex_lock(&s->admin_mu);
    pthread_mutex_lock(&s->reg_mu);
    ssize_t i = find_locked(s, name);
    serve_model *m = i >= 0 ? s->models[i] : NULL;
    if (m) {
        s->models[i] = s->models[--s->n_models];
    }
    pthread_mutex_unlock(&s->reg_mu);
    if (!m) {
        pthread_mutex_unlock(&s->admin_mu);
        return vg_error_set(err, VG_ERR_INVALID, "no model '%s'", name);
    }
    pthread_mutex_lock(&m->mu);
    wait_persisting(m); /* or its windows would be stored after the deletion */
    m->gone = 1;
    int rc = vg_store_delete_model(s->store, name, err);
    remove_reference_files(s, name);
    pthread_mutex_unlock(&m->mu);
    if (rc == VG_OK)
        serve_alerting_drop_model(s, name);
    pthread_mutex_unlock(&s->admin_mu);
    serve_model_release(s, m);
    return rc;
}

/* ---- recovery ---- */

typedef struct {
    vg_monitor *mon;
    const char *model;
    uint64_t entries, records, failed;
} replay_ctx;

static int replay_one(void *arg, uint64_t seq, int kind, const void *data, size_t len) {
    replay_ctx *x = arg;
    vg_error e;
    vg_error_clear(&e);
    vg_monitor_batch *b = NULL;
    (void)kind;
    if (vg_monitor_batch_decode(x->mon, data, len, &b, &e) != VG_OK ||
        vg_monitor_apply(x->mon, b, seq, 1, &e) != VG_OK) {
        vg_serve_log(VG_LOG_ERROR, "model %s: journal entry %llu not replayed: %s", x->model,
                     (unsigned long long)seq, e.msg);
        x->failed++;
    } else {
        x->entries++;
        x->records += vg_monitor_batch_size(b);
    }
    vg_monitor_batch_free(b);
    return 0;
}

/* Gives the monitor back its closed windows still within the label TTL (at least the last). */
static int restore_windows(vg_serve *s, vg_monitor *mon, const char *model, vg_error *err) {
    vg_store_window *w = NULL;
    size_t n = 0;
    int rc = vg_store_list_windows(s->store, model, INT64_MIN, INT64_MAX, 0, 1, &w, &n, err);
    if (rc != VG_OK)
        return rc;
    int64_t ttl = vg_monitor_spec(mon)->label_ttl_ms;
    int64_t cutoff = serve_now_ms() - ttl;
    /* newest first: keep the prefix that is recent enough, at least one */
    size_t keep = 0;
    while (keep < n && (keep == 0 || w[keep].end_ms >= cutoff))
        keep++;
    for (size_t k = keep; k-- > 0 && rc == VG_OK;) {
        vg_window vw;
        memset(&vw, 0, sizeof vw);
        vw.key = w[k].key;
        vw.start_ms = w[k].start_ms;
        vw.end_ms = w[k].end_ms;
        vw.revision = w[k].revision;
        vw.rows = w[k].rows;
        vw.labelled = w[k].labelled;
        vw.max_seq = w[k].max_seq;
        vw.rows_blob = w[k].rows_blob;
        vw.rows_blob_len = w[k].rows_blob_len;
        vw.report_json = w[k].report_json; /* its integrity samples, for revisions */
        vw.profile = w[k].profile
                         ? vg_profile_decode(w[k].profile, w[k].profile_len, "stored window", err)
                         : NULL;
        if (w[k].profile && !vw.profile) {
            rc = err && err->code ? err->code : VG_ERR_FORMAT;
            break;
        }
        rc = vg_monitor_restore_window(mon, &vw, err);
        vg_profile_free(vw.profile);
    }
    vg_store_windows_free(w, n);
    return rc;
}

/* The metric samples of the model's newest persisted window, read back from its series, so
 * that the gauges of /metrics survive a restart. Best effort: a failure leaves none. */
static void restore_samples(vg_serve *s, serve_model *m) {
    vg_store_window *w = NULL;
    size_t nw = 0;
    char **names = NULL, **labels = NULL;
    size_t n = 0;
    if (vg_store_list_windows(s->store, m->name, INT64_MIN, INT64_MAX, 1, 0, &w, &nw, NULL) !=
            VG_OK ||
        nw == 0 || vg_store_list_series(s->store, m->name, &names, &labels, &n, NULL) != VG_OK) {
        vg_store_windows_free(w, nw);
        return;
    }
    int64_t key = w[0].key;
    vg_store_windows_free(w, nw);
    m->restored = calloc(n ? n : 1, sizeof *m->restored);
    for (size_t i = 0; i < n; i++) {
        vg_store_point *p = NULL;
        size_t np = 0;
        if (m->restored &&
            vg_store_get_series(s->store, m->name, names[i], labels[i] ? labels[i] : "", key, key,
                                &p, &np, NULL) == VG_OK &&
            np == 1 && strlen(names[i]) < sizeof m->restored->name &&
            strlen(labels[i] ? labels[i] : "") < sizeof m->restored->labels) {
            vg_metric_sample *x = &m->restored[m->n_restored++];
            snprintf(x->name, sizeof x->name, "%s", names[i]);
            snprintf(x->labels, sizeof x->labels, "%s", labels[i] ? labels[i] : "");
            x->value = p[0].value;
        }
        free(p);
        free(names[i]);
        free(labels[i]);
    }
    free(names);
    free(labels);
}

static int recover_model(vg_serve *s, const vg_store_model *sm, vg_error *err) {
    vg_model_spec *spec = NULL;
    int rc = vg_model_spec_parse(sm->spec_json, strlen(sm->spec_json), &spec, err);
    if (rc != VG_OK)
        return rc;
    vg_monitor *mon = vg_monitor_new(spec, err);
    vg_model_spec_free(spec);
    if (!mon)
        return err && err->code ? err->code : VG_ERR_NOMEM;
    vg_monitor_set_pii_key(mon, s->pii_key, sizeof s->pii_key, NULL);
    rc = reference_from_store(s, mon, sm->name, err);
    if (rc == VG_OK)
        rc = restore_windows(s, mon, sm->name, err);
    replay_ctx x = {mon, sm->name, 0, 0, 0};
    if (rc == VG_OK)
        rc = vg_store_journal_replay(s->store, sm->name, 0, replay_one, &x, err);
    serve_model *m = rc == VG_OK ? model_new(mon) : NULL;
    if (!m) {
        vg_monitor_free(mon);
        return rc != VG_OK ? rc : vg_error_set(err, VG_ERR_NOMEM, "out of memory");
    }
    vg_serve_log(VG_LOG_INFO, "model %s: recovered (%llu journal entries, %llu records replayed%s)",
                 sm->name, (unsigned long long)x.entries, (unsigned long long)x.records,
                 x.failed ? ", some entries failed" : "");
    restore_samples(s, m);
    pthread_mutex_lock(&m->mu);
    vg_error e;
    vg_error_clear(&e);
    serve_model_persist(s, m, serve_now_ms(), 0, NULL, &e);
    pthread_mutex_unlock(&m->mu);
    if ((rc = registry_add(s, m)) != VG_OK) {
        model_free(m);
        return vg_error_set(err, rc, "model '%s': cannot register", sm->name);
    }
    return VG_OK;
}

/* A `models:` entry of the config: registered when new, replaced when its spec changed. */
static void config_model(vg_serve *s, const vg_serve_model_conf *mc) {
    vg_error e;
    vg_error_clear(&e);
    vg_model_spec *spec = NULL;
    if (vg_model_spec_parse(mc->spec_json, strlen(mc->spec_json), &spec, &e) != VG_OK) {
        vg_serve_log(VG_LOG_ERROR, "config model %s: %s", mc->name, e.msg);
        return;
    }
    serve_model *m = serve_model_acquire(s, spec->name);
    int rc = VG_OK, changed = 0;
    if (m) {
        char *a = vg_model_spec_json(spec), *b = vg_model_spec_json(vg_monitor_spec(m->mon));
        changed = !a || !b || strcmp(a, b);
        free(a);
        free(b);
        serve_model_release(s, m);
        if (changed)
            rc = serve_model_register(s, spec, 1, NULL, &e);
        else
            vg_model_spec_free(spec);
    } else {
        rc = serve_model_register(s, spec, 0, NULL, &e);
        changed = 1;
    }
    if (rc != VG_OK) {
        vg_model_spec_free(spec);
        vg_serve_log(VG_LOG_ERROR, "config model %s: %s", mc->name, e.msg);
        return;
    }
    if (changed) {
        vg_serve_log(VG_LOG_INFO, "model %s: %s from the config", mc->name,
                     m ? "spec replaced" : "registered");
        serve_audit(s, NULL, m ? "model.replace" : "model.register", mc->name,
                    json_pack("{s:s}", "source", "config"));
    }
    if (!mc->reference)
        return;
    m = serve_model_acquire(s, mc->name);
    if (!m)
        return;
    pthread_mutex_lock(&m->mu);
    if (!vg_monitor_reference(m->mon)) {
        FILE *f = fopen(mc->reference, "rb");
        char *buf = NULL;
        size_t len = 0;
        if (f) {
            fseek(f, 0, SEEK_END);
            long sz = ftell(f);
            rewind(f);
            buf = sz >= 0 ? malloc((size_t)sz + 1) : NULL;
            len = buf ? fread(buf, 1, (size_t)sz, f) : 0;
            fclose(f);
        }
        const char *dot = strrchr(mc->reference, '.');
        const char *fmt =
            vg_profile_file_is_vgp(mc->reference) ? "vgp"
            : dot && (!strcmp(dot, ".ndjson") || !strcmp(dot, ".jsonl") || !strcmp(dot, ".json"))
                ? "ndjson"
                : "csv";
        if (!buf)
            vg_serve_log(VG_LOG_ERROR, "model %s: reference %s: cannot read: %s", mc->name,
                         mc->reference, strerror(errno));
        else if (serve_model_set_reference(s, m, fmt, buf, len, &e) != VG_OK)
            vg_serve_log(VG_LOG_ERROR, "model %s: reference %s: %s", mc->name, mc->reference,
                         e.msg);
        else {
            vg_serve_log(VG_LOG_INFO, "model %s: reference loaded from %s", mc->name,
                         mc->reference);
            serve_audit(s, NULL, "reference.put", mc->name,
                        json_pack("{s:s,s:s,s:I}", "source", "config", "format", fmt, "bytes",
                                  (json_int_t)len));
        }
        free(buf);
    }
    pthread_mutex_unlock(&m->mu);
    serve_model_release(s, m);
}

/* ---- the tick thread ---- */

static void tick_models(vg_serve *s, int64_t now) {
    size_t n = 0;
    char **names = serve_model_names(s, &n);
    for (size_t i = 0; names && i < n; i++) {
        serve_model *m = serve_model_acquire(s, names[i]);
        if (m) {
            vg_error e;
            vg_error_clear(&e);
            pthread_mutex_lock(&m->mu);
            if (!m->gone)
                serve_model_persist(s, m, now, 0, NULL, &e);
            pthread_mutex_unlock(&m->mu);
            serve_model_release(s, m);
        }
        free(names[i]);
    }
    free(names);
}

/* One retention: due a hundredth of keep_ms after its last run, at most a minute (a delete
 * over one table; a short retention, as in tests, is then enforced within ticks). */
static void retention_one(vg_serve *s, const char *what, int64_t keep_ms, int64_t now,
                          int64_t *last, _Atomic uint64_t *total,
                          int (*expire)(vg_store *, int64_t, vg_error *)) {
    int64_t every = keep_ms / 100 < 60000 ? keep_ms / 100 : 60000;
    if (keep_ms <= 0 || now - *last < every)
        return;
    *last = now;
    vg_error e;
    vg_error_clear(&e);
    int k = expire(s->store, now - keep_ms, &e);
    if (k < 0) {
        vg_serve_log(VG_LOG_WARN, "retention: %s", e.msg);
    } else if (k > 0) {
        atomic_fetch_add(total, (uint64_t)k);
        vg_serve_log(VG_LOG_INFO, "retention: %d %s older than %lld s %s", k, what,
                     (long long)(keep_ms / 1000),
                     expire == vg_store_expire_rows ? "cleared" : "deleted");
    }
}

void serve_retention(vg_serve *s, int64_t now_ms) {
    serve_live l = serve_get_live(s);
    retention_one(s, "windows", l.retention_ms, now_ms, &s->last_expire_ms, &s->retention_windows,
                  vg_store_expire_windows);
    retention_one(s, "dead letters", l.dead_retention_ms, now_ms, &s->last_expire_dead_ms,
                  &s->retention_dead, vg_store_expire_dead);
    retention_one(s, "window rows", l.rows_retention_ms, now_ms, &s->last_expire_rows_ms,
                  &s->retention_rows, vg_store_expire_rows);
}

static void *tick_main(void *arg) {
    vg_serve *s = arg;
    pthread_mutex_lock(&s->tick_mu);
    while (!s->stopping) {
        serve_live l = serve_get_live(s);
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        int64_t ns = (int64_t)until.tv_nsec + (l.tick_ms > 0 ? l.tick_ms : 1000) * 1000000LL;
        until.tv_sec += (time_t)(ns / 1000000000LL);
        until.tv_nsec = (long)(ns % 1000000000LL);
        pthread_cond_timedwait(&s->tick_cv, &s->tick_mu, &until);
        if (s->stopping)
            break;
        pthread_mutex_unlock(&s->tick_mu);
        int64_t now = serve_now_ms();
        tick_models(s, now);
        serve_auth_tick(s->auth, now);
        serve_alerting_tick(s, now);
        serve_retention(s, now);
        pthread_mutex_lock(&s->tick_mu);
    }
    pthread_mutex_unlock(&s->tick_mu);
    return NULL;
}

/* ---- life cycle ---- */

int vg_serve_start(vg_serve_config *cfg, vg_serve **out, vg_error *err) {
    *out = NULL;
    vg_serve *s = calloc(1, sizeof *s);
    if (!s)
        return vg_error_set(err, VG_ERR_NOMEM, "out of memory");
    s->cfg = *cfg;
    memset(cfg, 0, sizeof *cfg);
    pthread_mutex_init(&s->cfg_mu, NULL);
    pthread_mutex_init(&s->reg_mu, NULL);
    pthread_mutex_init(&s->admin_mu, NULL);
    pthread_mutex_init(&s->tick_mu, NULL);
    pthread_mutex_init(&s->stats_mu, NULL);
    pthread_cond_init(&s->tick_cv, NULL);
    atomic_init(&s->ready, 0);
    atomic_init(&s->inflight, 0);
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    s->start_time = (double)ts.tv_sec + ts.tv_nsec / 1e9;
    vg_serve_log_set_level(s->cfg.log_level);
    atomic_init(&s->connections, 0);
    int rc = vg_store_open(s->cfg.data_dir, &s->store, err);
    if (rc == VG_OK)
        rc = serve_auth_start(s, err);
    if (rc == VG_OK)
        rc = pii_key_load(s, err);
    if (rc == VG_OK)
        rc = serve_alerting_start(s, err);
    if (rc == VG_OK)
        rc = serve_http_start(s, err);
    if (rc != VG_OK) {
        vg_serve_stop(s);
        return rc;
    }
    vg_serve_log(VG_LOG_INFO, "vigia %s listening on %s:%u%s, data in %s", vg_version(),
                 s->cfg.host, s->port, s->cfg.tls_cert ? " (TLS)" : "", s->cfg.data_dir);
    serve_audit(s, NULL, "daemon.start", NULL,
                json_pack("{s:s,s:s,s:i}", "version", vg_version(), "host", s->cfg.host, "port",
                          (int)s->port));
    *out = s;
    return VG_OK;
}

unsigned vg_serve_port(const vg_serve *s) {
    return s->port;
}

int vg_serve_recover(vg_serve *s, vg_error *err) {
    vg_store_model *sm = NULL;
    size_t n = 0;
    int rc = vg_store_list_models(s->store, &sm, &n, err);
    if (rc != VG_OK)
        return rc;
    for (size_t i = 0; i < n; i++) {
        vg_error e;
        vg_error_clear(&e);
        /* one broken model does not keep the others down: logged, left out of the registry */
        if (recover_model(s, &sm[i], &e) != VG_OK)
            vg_serve_log(VG_LOG_ERROR, "model %s: not recovered: %s", sm[i].name, e.msg);
    }
    vg_store_models_free(sm, n);
    for (size_t i = 0; i < s->cfg.n_models; i++)
        config_model(s, &s->cfg.models[i]);
    s->last_expire_ms = s->last_expire_dead_ms = s->last_expire_rows_ms = 0;
    if (pthread_create(&s->tick, NULL, tick_main, s) != 0)
        return vg_error_set(err, VG_ERR_NOMEM, "cannot start the tick thread");
    s->tick_started = 1;
    pthread_mutex_lock(&s->reg_mu);
    size_t n_models = s->n_models;
    pthread_mutex_unlock(&s->reg_mu);
    atomic_store(&s->ready, 1);
    vg_serve_log(VG_LOG_INFO, "ready: %zu models", n_models);
    return VG_OK;
}

static char *fmt_ms(int64_t ms, char *buf, size_t cap) {
    if (ms % 86400000 == 0 && ms)
        snprintf(buf, cap, "%lldd", (long long)(ms / 86400000));
    else if (ms % 1000 == 0)
        snprintf(buf, cap, "%llds", (long long)(ms / 1000));
    else
        snprintf(buf, cap, "%lldms", (long long)ms);
    return buf;
}

/* The names of the models cfg adds or changes against o, or drops (for the audit log). */
static json_t *models_changed(const vg_serve_config *o, const vg_serve_config *cfg) {
    json_t *names = json_array();
    for (size_t i = 0; i < cfg->n_models; i++) {
        const vg_serve_model_conf *n = &cfg->models[i], *old = NULL;
        for (size_t j = 0; j < o->n_models && !old; j++)
            if (!strcmp(o->models[j].name, n->name))
                old = &o->models[j];
        if (!old || strcmp(old->spec_json, n->spec_json) ||
            strcmp(old->reference ? old->reference : "", n->reference ? n->reference : ""))
            json_array_append_new(names, json_string(n->name));
    }
    for (size_t j = 0; j < o->n_models; j++) {
        int kept = 0;
        for (size_t i = 0; i < cfg->n_models && !kept; i++)
            kept = !strcmp(o->models[j].name, cfg->models[i].name);
        if (!kept)
            json_array_append_new(names, json_string(o->models[j].name));
    }
    return names;
}

void vg_serve_reload(vg_serve *s, vg_serve_config *cfg) {
    char a[32], b[32];
    vg_serve_config *o = &s->cfg;
    /* what changed, by setting name only (no values: the audit log keeps names) */
    json_t *changed = json_array(), *restart = json_array(),
           *changed_models = models_changed(o, cfg);
    if (strcmp(o->host, cfg->host) || o->port != cfg->port)
        json_array_append_new(restart, json_string("listen"));
    if (strcmp(o->data_dir, cfg->data_dir))
        json_array_append_new(restart, json_string("data_dir"));
    if (o->threads != cfg->threads)
        json_array_append_new(restart, json_string("threads"));
    const struct {
        const char *name;
        int differs;
    } live[] = {{"max_body_bytes", o->max_body_bytes != cfg->max_body_bytes},
                {"max_records_per_batch", o->max_records != cfg->max_records},
                {"batch_mode", o->batch_partial != cfg->batch_partial},
                {"retention", o->retention_ms != cfg->retention_ms},
                {"tick", o->tick_ms != cfg->tick_ms},
                {"log_level", o->log_level != cfg->log_level}};
    for (size_t i = 0; i < sizeof live / sizeof *live; i++)
        if (live[i].differs)
            json_array_append_new(changed, json_string(live[i].name));
    if (json_array_size(changed_models))
        json_array_append_new(changed, json_string("models"));
    if (strcmp(o->host, cfg->host) || o->port != cfg->port)
        vg_serve_log(VG_LOG_WARN, "reload: listen %s:%u -> %s:%u needs a restart", o->host, o->port,
                     cfg->host, cfg->port);
    if (strcmp(o->data_dir, cfg->data_dir))
        vg_serve_log(VG_LOG_WARN, "reload: data_dir %s -> %s needs a restart", o->data_dir,
                     cfg->data_dir);
    if (o->threads != cfg->threads)
        vg_serve_log(VG_LOG_WARN, "reload: threads %u -> %u needs a restart", o->threads,
                     cfg->threads);
    if (o->auth_off != cfg->auth_off)
        vg_serve_log(VG_LOG_WARN, "reload: auth.mode %s -> %s needs a restart",
                     o->auth_off ? "off" : "tokens", cfg->auth_off ? "off" : "tokens");
    if ((o->tls_cert == NULL) != (cfg->tls_cert == NULL) ||
        (o->tls_cert && (strcmp(o->tls_cert, cfg->tls_cert) || strcmp(o->tls_key, cfg->tls_key))))
        vg_serve_log(VG_LOG_WARN, "reload: tls (cert, key) changed: needs a restart");
    {
        vg_error e;
        vg_error_clear(&e);
        if (serve_auth_set_config(s->auth, cfg->tokens, cfg->n_tokens, &e) != VG_OK)
            vg_serve_log(VG_LOG_ERROR, "reload: auth.tokens: %s", e.msg);
        else
            vg_serve_log(VG_LOG_INFO, "reload: auth.tokens: %zu from the config", cfg->n_tokens);
    }
    pthread_mutex_lock(&s->cfg_mu);
    if (o->rate != cfg->rate || o->burst != cfg->burst ||
        o->max_connections != cfg->max_connections || o->public_metrics != cfg->public_metrics)
        vg_serve_log(VG_LOG_INFO,
                     "reload: limits rate %g -> %g, burst %u -> %u, max_connections %u -> %u, "
                     "auth.public_metrics %d -> %d",
                     o->rate, cfg->rate, o->burst, cfg->burst, o->max_connections,
                     cfg->max_connections, o->public_metrics, cfg->public_metrics);
    o->rate = cfg->rate;
    o->burst = cfg->burst;
    o->max_connections = cfg->max_connections;
    o->public_metrics = cfg->public_metrics;
    if (o->max_body_bytes != cfg->max_body_bytes)
        vg_serve_log(VG_LOG_INFO, "reload: max_body_bytes %llu -> %llu",
                     (unsigned long long)o->max_body_bytes,
                     (unsigned long long)cfg->max_body_bytes);
    if (o->max_records != cfg->max_records)
        vg_serve_log(VG_LOG_INFO, "reload: max_records_per_batch %llu -> %llu",
                     (unsigned long long)o->max_records, (unsigned long long)cfg->max_records);
    if (o->batch_partial != cfg->batch_partial)
        vg_serve_log(VG_LOG_INFO, "reload: batch_mode %s -> %s",
                     o->batch_partial ? "partial" : "reject",
                     cfg->batch_partial ? "partial" : "reject");
    if (o->retention_ms != cfg->retention_ms)
        vg_serve_log(VG_LOG_INFO, "reload: retention %s -> %s", fmt_ms(o->retention_ms, a, 32),
                     fmt_ms(cfg->retention_ms, b, 32));
    if (o->dead_retention_ms != cfg->dead_retention_ms)
        vg_serve_log(VG_LOG_INFO, "reload: dead_letter_retention %s -> %s",
                     fmt_ms(o->dead_retention_ms, a, 32), fmt_ms(cfg->dead_retention_ms, b, 32));
    if (o->rows_retention_ms != cfg->rows_retention_ms)
        vg_serve_log(VG_LOG_INFO, "reload: rows_retention %s -> %s",
                     o->rows_retention_ms < 0 ? "(retention)" : fmt_ms(o->rows_retention_ms, a, 32),
                     cfg->rows_retention_ms < 0 ? "(retention)"
                                                : fmt_ms(cfg->rows_retention_ms, b, 32));
    if (o->tick_ms != cfg->tick_ms)
        vg_serve_log(VG_LOG_INFO, "reload: tick %s -> %s", fmt_ms(o->tick_ms, a, 32),
                     fmt_ms(cfg->tick_ms, b, 32));
    if (o->log_level != cfg->log_level)
        vg_serve_log(VG_LOG_INFO, "reload: log_level %s -> %s",
                     vg_serve_log_level_name(o->log_level),
                     vg_serve_log_level_name(cfg->log_level));
    o->max_body_bytes = cfg->max_body_bytes;
    o->max_records = cfg->max_records;
    o->batch_partial = cfg->batch_partial;
    o->retention_ms = cfg->retention_ms;
    o->tick_ms = cfg->tick_ms;
    o->dead_retention_ms = cfg->dead_retention_ms;
    o->rows_retention_ms = cfg->rows_retention_ms;
    o->log_level = cfg->log_level;
    struct vg_alert_config *alerts = cfg->alerts;
    cfg->alerts = NULL;
    /* the models list is swapped too; the registry keeps models the new config drops */
    vg_serve_model_conf *models = o->models;
    size_t n_models = o->n_models;
    o->models = cfg->models;
    o->n_models = cfg->n_models;
    cfg->models = models;
    cfg->n_models = n_models;
    pthread_mutex_unlock(&s->cfg_mu);
    vg_serve_log_set_level(o->log_level);
    for (size_t i = 0; i < o->n_models; i++)
        config_model(s, &o->models[i]);
    vg_serve_config_clear(cfg);
    if (serve_alerting_reload(s, alerts))
        json_array_append_new(changed, json_string("alerts"));
    serve_audit(s, NULL, "config.reload", NULL,
                json_pack("{s:o,s:o,s:o}", "changed", changed, "models", changed_models,
                          "needs_restart", restart));
    pthread_mutex_lock(&s->tick_mu);
    pthread_cond_signal(&s->tick_cv); /* a new tick takes effect now */
    pthread_mutex_unlock(&s->tick_mu);
    vg_serve_log(VG_LOG_INFO, "configuration reloaded");
}

void vg_serve_stop(vg_serve *s) {
    if (!s)
        return;
    atomic_store(&s->ready, 0);
    serve_http_stop(s); /* waits for in-flight requests, which may wait on the journal */
    if (s->tick_started) {
        pthread_mutex_lock(&s->tick_mu);
        s->stopping = 1;
        pthread_cond_signal(&s->tick_cv);
        pthread_mutex_unlock(&s->tick_mu);
        pthread_join(s->tick, NULL);
    }
    /* windows that are due are persisted (nothing is flushed early: that would cut windows) */
    for (size_t i = 0; i < s->n_models; i++) {
        serve_model *m = s->models[i];
        vg_error e;
        vg_error_clear(&e);
        pthread_mutex_lock(&m->mu);
        if (s->store)
            serve_model_persist(s, m, serve_now_ms(), 0, NULL, &e);
        pthread_mutex_unlock(&m->mu);
        serve_model_release(s, m);
    }
    free(s->models);
    /* after the last windows were evaluated, before the store closes */
    serve_alerting_stop(s);
    if (s->store && s->port) /* started: the daemon.start entry was written */
        serve_audit(s, NULL, "daemon.stop", NULL, NULL);
    vg_store_close(s->store); /* drains the journal writer */
    serve_stats_free(s);
    serve_auth_free(s->auth);
    serve_limits_free(s->limits);
    vg_serve_config_clear(&s->cfg);
    pthread_cond_destroy(&s->tick_cv);
    pthread_mutex_destroy(&s->cfg_mu);
    pthread_mutex_destroy(&s->reg_mu);
    pthread_mutex_destroy(&s->admin_mu);
    pthread_mutex_destroy(&s->tick_mu);
    pthread_mutex_destroy(&s->stats_mu);
    free(s);
}
