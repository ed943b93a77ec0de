/*
 * Authentication of `vigia serve` (docs/api.md "Authentication"): scoped API tokens from the
 * config's auth: section and from the admin API, the table that checks a Bearer credential,
 * the bootstrap admin token, the /v1/tokens endpoints, and the per-token request counters and
 * request-rate EWMAs behind vigia_token_requests_total and vigia_token_rate_anomaly.
 *
 * A token is "vg_<id>_<secret>": the id (12 hex digits) is public and is the lookup key; the
 * secret is 32 random bytes. Only a random 16-byte salt and SHA-256(salt || token) are kept.
 * A fast hash is enough because the secret has 256 bits of entropy: there is no dictionary to
 * try, so a slow password hash would only slow every request down. Every check costs one digest
 * and one CRYPTO_memcmp whether or not the id is known or the shape is right, so the time of a
 * refusal says nothing about which ids exist.
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "internal.h"

/* ---- the token format ---- */

static const char b64url[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

int serve_token_generate(char token[SERVE_TOKEN_LEN + 1], char id[13], vg_error *err) {
    unsigned char raw[6 + 32];
    if (RAND_bytes(raw, sizeof raw) != 1)
        return vg_error_set(err, VG_ERR_IO, "cannot draw random bytes (OpenSSL RAND_bytes)");
    for (int i = 0; i < 6; i++)
        snprintf(id + 2 * i, 3, "%02x", raw[i]);
    char *p = token;
    memcpy(p, "vg_", 3);
    memcpy(p + 3, id, 12);
    p[15] = '_';
    p += 16;
    /* 32 bytes = 256 bits: 42 full sextets and 4 bits in the 43rd (no padding) */
    const unsigned char *s = raw + 6;
    uint32_t acc = 0;
    int bits = 0;
    for (int i = 0; i < 32; i++) {
        acc = (acc << 8) | s[i];
        bits += 8;
        while (bits >= 6) {
            *p++ = b64url[(acc >> (bits - 6)) & 63];
            bits -= 6;
        }
    }
    if (bits)
        *p++ = b64url[(acc << (6 - bits)) & 63];
    *p = 0;
    OPENSSL_cleanse(raw, sizeof raw);
    return VG_OK;
}

int serve_token_shape(const char *token, char id[13]) {
    if (!token || strlen(token) != SERVE_TOKEN_LEN || strncmp(token, "vg_", 3) || token[15] != '_')
        return 0;
    for (int i = 3; i < 15; i++)
        if (!((token[i] >= '0' && token[i] <= '9') || (token[i] >= 'a' && token[i] <= 'f')))
            return 0;
    for (int i = 16; i < SERVE_TOKEN_LEN; i++)
        if (!strchr(b64url, token[i]) || !token[i])
            return 0;
    memcpy(id, token + 3, 12);
    id[12] = 0;
    return 1;
}

int serve_token_digest(const char *token, const unsigned char salt[16], unsigned char out[32]) {
    EVP_MD_CTX *c = EVP_MD_CTX_new();
    unsigned len = 0;
    int ok = c && EVP_DigestInit_ex(c, EVP_sha256(), NULL) == 1 &&
             EVP_DigestUpdate(c, salt, 16) == 1 && EVP_DigestUpdate(c, token, strlen(token)) == 1 &&
             EVP_DigestFinal_ex(c, out, &len) == 1 && len == 32;
    EVP_MD_CTX_free(c);
    return ok ? VG_OK : VG_ERR_NOMEM;
}

int serve_token_matches(const char *token, const unsigned char salt[16],
                        const unsigned char hash[32]) {
    unsigned char d[32];
    if (serve_token_digest(token, salt, d) != VG_OK)
        return 0;
    return CRYPTO_memcmp(d, hash, 32) == 0;
}

static void hex(const unsigned char *b, size_t n, char *out) {
    for (size_t i = 0; i < n; i++)
        snprintf(out + 2 * i, 3, "%02x", b[i]);
}

int serve_token_hash_string(const char *token, char *out, size_t cap, vg_error *err) {
    char id[13];
    if (!serve_token_shape(token, id))
        return vg_error_set(err, VG_ERR_INVALID,
                            "not a vigia token (expected vg_<12 hex>_<43 base64url characters>)");
    unsigned char salt[16], h[32];
    if (RAND_bytes(salt, sizeof salt) != 1)
        return vg_error_set(err, VG_ERR_IO, "cannot draw random bytes (OpenSSL RAND_bytes)");
    if (serve_token_digest(token, salt, h) != VG_OK)
        return vg_error_set(err, VG_ERR_NOMEM, "SHA-256 failed");
    if (cap < 4 + 12 + 1 + 32 + 1 + 64 + 1)
        return vg_error_set(err, VG_ERR_INVALID, "buffer too small");
    char sh[33], hh[65];
    hex(salt, 16, sh);
    hex(h, 32, hh);
    snprintf(out, cap, "vg1$%s$%s$%s", id, sh, hh);
    return VG_OK;
}

/* ---- rate EWMAs ---- */

void serve_rate_update(serve_rate_ewma *e, uint64_t count, int64_t now_ms) {
    if (!e->last_ms) {
        e->last_ms = now_ms;
        e->last_count = count;
        return;
    }
    if (now_ms <= e->last_ms)
        return;
    double dt = (double)(now_ms - e->last_ms) / 1000.0;
    double r = count >= e->last_count ? (double)(count - e->last_count) / dt : 0;
    /* an EWMA over irregular steps: the weight of the old value decays as exp(-dt/tau) */
    e->short_rate += (1 - exp(-dt / SERVE_RATE_SHORT_S)) * (r - e->short_rate);
    e->long_rate += (1 - exp(-dt / SERVE_RATE_LONG_S)) * (r - e->long_rate);
    e->last_ms = now_ms;
    e->last_count = count;
}

double serve_rate_anomaly(const serve_rate_ewma *e) {
    double base = e->long_rate > SERVE_RATE_FLOOR ? e->long_rate : SERVE_RATE_FLOOR;
    return e->short_rate / base;
}

/* ---- the table ---- */

typedef struct token {
    serve_token_def d; /* name, model, created_by owned */
    uint64_t requests;
    serve_rate_ewma ewma;
} token;

struct serve_auth {
    pthread_mutex_t mu;
    token *t;
    size_t n, cap;
    uint64_t anonymous;
    uint64_t failures[SERVE_AUTH_N_REASONS];
};

static const char *const reason_names[SERVE_AUTH_N_REASONS] = {
    "ok", "missing", "malformed", "unknown", "revoked", "expired", "scope", "model"};

const char *serve_auth_reason_name(serve_auth_reason r) {
    return r < SERVE_AUTH_N_REASONS ? reason_names[r] : "unknown";
}

serve_auth *serve_auth_new(void) {
    serve_auth *a = calloc(1, sizeof *a);
    if (a)
        pthread_mutex_init(&a->mu, NULL);
    return a;
}

static void token_clear(token *t) {
    free((char *)t->d.name);
    free((char *)t->d.model);
    free((char *)t->d.created_by);
}

void serve_auth_free(serve_auth *a) {
    if (!a)
        return;
    for (size_t i = 0; i < a->n; i++)
        token_clear(&a->t[i]);
    free(a->t);
    pthread_mutex_destroy(&a->mu);
    free(a);
}

static token *find(serve_auth *a, const char *id) {
    for (size_t i = 0; i < a->n; i++)
        if (!strcmp(a->t[i].d.id, id))
            return &a->t[i];
    return NULL;
}

static int add_locked(serve_auth *a, const serve_token_def *d, vg_error *err) {
    if (find(a, d->id))
        return vg_error_set(err, VG_ERR_MISMATCH, "token id %s is already in use", d->id);
    if (a->n == a->cap) {
        size_t nc = a->cap ? 2 * a->cap : 16;
        token *v = realloc(a->t, nc * sizeof *v);
        if (!v)
            return vg_error_set(err, VG_ERR_NOMEM, "out of memory");
        a->t = v;
        a->cap = nc;
    }
    token *t = &a->t[a->n];
    memset(t, 0, sizeof *t);
    t->d = *d;
    t->d.name = strdup(d->name ? d->name : "");
    t->d.model = d->model ? strdup(d->model) : NULL;
    t->d.created_by = d->created_by ? strdup(d->created_by) : NULL;
    if (!t->d.name || (d->model && !t->d.model) || (d->created_by && !t->d.created_by)) {
        token_clear(t);
        return vg_error_set(err, VG_ERR_NOMEM, "out of memory");
    }
    a->n++;
    return VG_OK;
}

int serve_auth_add(serve_auth *a, const serve_token_def *t, vg_error *err) {
    pthread_mutex_lock(&a->mu);
    int rc = add_locked(a, t, err);
    pthread_mutex_unlock(&a->mu);
    return rc;
}

int serve_auth_set_config(serve_auth *a, const vg_serve_token_conf *c, size_t n, vg_error *err) {
    pthread_mutex_lock(&a->mu);
    /* the old config tokens go (their counters with them: a reload may rename them) */
    size_t w = 0;
    for (size_t i = 0; i < a->n; i++) {
        if (a->t[i].d.from_config)
            token_clear(&a->t[i]);
        else
            a->t[w++] = a->t[i];
    }
    a->n = w;
    int rc = VG_OK;
    for (size_t i = 0; i < n && rc == VG_OK; i++) {
        serve_token_def d;
        memset(&d, 0, sizeof d);
        memcpy(d.id, c[i].id, sizeof d.id);
        d.name = c[i].name;
        d.scopes = c[i].scopes;
        d.model = c[i].model;
        memcpy(d.salt, c[i].salt, 16);
        memcpy(d.hash, c[i].hash, 32);
        d.from_config = 1;
        rc = add_locked(a, &d, err);
    }
    pthread_mutex_unlock(&a->mu);
    return rc;
}

int serve_auth_revoke(serve_auth *a, const char *id, int64_t now_ms, vg_error *err) {
    pthread_mutex_lock(&a->mu);
    token *t = find(a, id);
    int rc = VG_OK;
    if (!t)
        rc = vg_error_set(err, VG_ERR_INVALID, "no token %s", id);
    else if (t->d.from_config)
        rc = vg_error_set(err, VG_ERR_MISMATCH,
                          "token %s (%s) comes from the config file: remove it from auth.tokens "
                          "and reload (SIGHUP)",
                          id, t->d.name);
    else if (!t->d.revoked_ms)
        t->d.revoked_ms = now_ms;
    pthread_mutex_unlock(&a->mu);
    return rc;
}

size_t serve_auth_count(serve_auth *a) {
    pthread_mutex_lock(&a->mu);
    size_t n = a->n;
    pthread_mutex_unlock(&a->mu);
    return n;
}

serve_auth_reason serve_auth_verify(serve_auth *a, const char *tok, int64_t now_ms,
                                    serve_principal *who) {
    /* a fixed salt and digest stand in for a token that cannot match, so that every refusal
     * costs what an acceptance costs */
    static const unsigned char dummy_salt[16] = {0};
    static const unsigned char dummy_hash[32] = {0};
    char id[13] = "";
    int shaped = serve_token_shape(tok, id);
    pthread_mutex_lock(&a->mu);
    token *t = shaped ? find(a, id) : NULL;
    unsigned char salt[16], hash[32];
    memcpy(salt, t ? t->d.salt : dummy_salt, 16);
    memcpy(hash, t ? t->d.hash : dummy_hash, 32);
    pthread_mutex_unlock(&a->mu);
    int ok = serve_token_matches(tok ? tok : "", salt, hash);
    if (!tok || !*tok)
        return SERVE_AUTH_MISSING;
    if (!shaped)
        return SERVE_AUTH_MALFORMED;
    if (!t || !ok)
        return SERVE_AUTH_UNKNOWN;
    serve_auth_reason r = SERVE_AUTH_OK;
    pthread_mutex_lock(&a->mu);
    t = find(a, id); /* the table may have grown meanwhile */
    if (!t)
        r = SERVE_AUTH_UNKNOWN;
    else if (t->d.revoked_ms)
        r = SERVE_AUTH_REVOKED;
    else if (t->d.expires_ms && now_ms >= t->d.expires_ms)
        r = SERVE_AUTH_EXPIRED;
    else {
        snprintf(who->id, sizeof who->id, "%s", t->d.id);
        snprintf(who->name, sizeof who->name, "%s", t->d.name);
        who->scopes = t->d.scopes;
        snprintf(who->model, sizeof who->model, "%s", t->d.model ? t->d.model : "");
    }
    pthread_mutex_unlock(&a->mu);
    return r;
}

serve_auth_reason serve_auth_allows(const serve_principal *who, unsigned need, const char *model) {
    if (!need)
        return SERVE_AUTH_OK;
    unsigned have = who->scopes;
    if (have & SERVE_SCOPE_ADMIN)
        have |= SERVE_SCOPE_READ | SERVE_SCOPE_INGEST;
    if (!(have & need))
        return SERVE_AUTH_SCOPE;
    /* a model-scoped token stays under /v1/models/{its model}/ */
    if (who->model[0] && (!model || strcmp(model, who->model)))
        return SERVE_AUTH_MODEL;
    return SERVE_AUTH_OK;
}

unsigned serve_auth_need(const char *method, const char *pattern, int public_metrics) {
    if (!strcmp(pattern, "/healthz") || !strcmp(pattern, "/readyz"))
        return 0;
    if (!strcmp(pattern, "/metrics"))
        return public_metrics ? 0 : SERVE_SCOPE_READ;
    int get = !strcmp(method, "GET") || !strcmp(method, "HEAD");
    size_t len = strlen(pattern);
    int ingest = (len > 12 && !strcmp(pattern + len - 12, "/predictions")) ||
                 (len > 7 && !strcmp(pattern + len - 7, "/labels"));
    if (ingest && !strcmp(method, "POST"))
        return SERVE_SCOPE_INGEST;
    /* tokens and the audit log are admin even to read: they say who may do what */
    if (get && strncmp(pattern, "/v1/tokens", 10) && strncmp(pattern, "/v1/audit", 9))
        return SERVE_SCOPE_READ;
    return SERVE_SCOPE_ADMIN;
}

void serve_auth_count_request(serve_auth *a, const char *id) {
    pthread_mutex_lock(&a->mu);
    token *t = id ? find(a, id) : NULL;
    if (t)
        t->requests++;
    else
        a->anonymous++;
    pthread_mutex_unlock(&a->mu);
}

void serve_auth_count_failure(serve_auth *a, serve_auth_reason r) {
    if (r >= SERVE_AUTH_N_REASONS)
        return;
    pthread_mutex_lock(&a->mu);
    a->failures[r]++;
    pthread_mutex_unlock(&a->mu);
}

void serve_auth_tick(serve_auth *a, int64_t now_ms) {
    pthread_mutex_lock(&a->mu);
    for (size_t i = 0; i < a->n; i++)
        serve_rate_update(&a->t[i].ewma, a->t[i].requests, now_ms);
    pthread_mutex_unlock(&a->mu);
}

size_t serve_auth_anomaly_samples(serve_auth *a, vg_metric_sample **out) {
    *out = NULL;
    pthread_mutex_lock(&a->mu);
    vg_metric_sample *v = a->n ? calloc(a->n, sizeof *v) : NULL;
    size_t k = 0;
    for (size_t i = 0; v && i < a->n; i++) {
        const token *t = &a->t[i];
        if (t->d.revoked_ms || !t->ewma.last_ms)
            continue;
        snprintf(v[k].name, sizeof v[k].name, "token_rate_anomaly");
        snprintf(v[k].labels, sizeof v[k].labels, "token=\"%s\"", t->d.id);
        v[k++].value = serve_rate_anomaly(&t->ewma);
    }
    pthread_mutex_unlock(&a->mu);
    *out = v;
    return k;
}

char *serve_auth_metrics(serve_auth *a) {
    serve_text b = {malloc(4096), 0, 4096, 0};
    if (!b.p)
        return NULL;
    b.p[0] = 0;
    pthread_mutex_lock(&a->mu);
    serve_text_put(&b,
                   "# HELP vigia_auth_failures_total Requests refused by authentication (401) or "
                   "authorization (403), by reason\n# TYPE vigia_auth_failures_total counter\n");
    for (int r = 1; r < SERVE_AUTH_N_REASONS; r++)
        serve_text_put(&b, "vigia_auth_failures_total{reason=\"%s\"} %llu\n", reason_names[r],
                       (unsigned long long)a->failures[r]);
    serve_text_put(&b,
                   "# HELP vigia_token_requests_total Requests by API token id (\"anonymous\": no "
                   "token)\n# TYPE vigia_token_requests_total counter\n");
    serve_text_put(&b, "vigia_token_requests_total{token=\"anonymous\"} %llu\n",
                   (unsigned long long)a->anonymous);
    for (size_t i = 0; i < a->n; i++)
        serve_text_put(&b, "vigia_token_requests_total{token=\"%s\"} %llu\n", a->t[i].d.id,
                       (unsigned long long)a->t[i].requests);
    serve_text_put(
        &b, "# HELP vigia_token_rate_anomaly Short-term (1 min EWMA) request rate of a token over "
            "its long-term (1 h EWMA, at least 1/s) rate\n"
            "# TYPE vigia_token_rate_anomaly gauge\n");
    for (size_t i = 0; i < a->n; i++)
        if (!a->t[i].d.revoked_ms && a->t[i].ewma.last_ms)
            serve_text_put(&b, "vigia_token_rate_anomaly{token=\"%s\"} %.6g\n", a->t[i].d.id,
                           serve_rate_anomaly(&a->t[i].ewma));
    serve_text_put(&b, "# HELP vigia_tokens Tokens known (config and API, not revoked)\n"
                       "# TYPE vigia_tokens gauge\n");
    size_t live = 0;
    for (size_t i = 0; i < a->n; i++)
        live += !a->t[i].d.revoked_ms;
    serve_text_put(&b, "vigia_tokens %zu\n", live);
    pthread_mutex_unlock(&a->mu);
    if (b.failed) {
        free(b.p);
        return NULL;
    }
    return b.p;
}

/* ---- the daemon's side ---- */

static void def_from_store(serve_token_def *d, const vg_store_token *t) {
    memset(d, 0, sizeof *d);
    memcpy(d->id, t->id, sizeof d->id);
    d->name = t->name;
    d->scopes = t->scopes;
    d->model = t->model;
    memcpy(d->salt, t->salt, 16);
    memcpy(d->hash, t->hash, 32);
    d->created_ms = t->created_ms;
    d->expires_ms = t->expires_ms;
    d->revoked_ms = t->revoked_ms;
    d->created_by = t->created_by;
}

/* Makes a token, stores it, adds it to the table. */
static int create_token(vg_serve *s, const char *name, unsigned scopes, const char *model,
                        int64_t expires_ms, const char *by, char token_out[SERVE_TOKEN_LEN + 1],
                        vg_store_token *row, vg_error *err) {
    memset(row, 0, sizeof *row);
    int rc = serve_token_generate(token_out, row->id, err);
    if (rc != VG_OK)
        return rc;
    if (RAND_bytes(row->salt, sizeof row->salt) != 1)
        return vg_error_set(err, VG_ERR_IO, "cannot draw random bytes (OpenSSL RAND_bytes)");
    if (serve_token_digest(token_out, row->salt, row->hash) != VG_OK)
        return vg_error_set(err, VG_ERR_NOMEM, "SHA-256 failed");
    row->name = (char *)name;
    row->scopes = scopes;
    row->model = (char *)model;
    row->created_ms = serve_now_ms();
    row->created_by = (char *)by;
    row->expires_ms = expires_ms;
    if ((rc = vg_store_put_token(s->store, row, err)) != VG_OK)
        return rc;
    serve_token_def d;
    def_from_store(&d, row);
    return serve_auth_add(s->auth, &d, err);
}

static int bootstrap(vg_serve *s, vg_error *err) {
    char path[4096];
    snprintf(path, sizeof path, "%s/admin-token", s->cfg.data_dir);
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0)
        return vg_error_set(err, VG_ERR_IO,
                            "auth: no token is configured or stored, and %s cannot be created for "
                            "the bootstrap admin token: %s (remove a stale file, or add tokens to "
                            "auth.tokens)",
                            path, strerror(errno));
    char tok[SERVE_TOKEN_LEN + 1];
    vg_store_token row;
    int rc = create_token(s, "bootstrap-admin", SERVE_SCOPE_ADMIN, NULL, 0, NULL, tok, &row, err);
    if (rc == VG_OK) {
        char line[SERVE_TOKEN_LEN + 2];
        int len = snprintf(line, sizeof line, "%s\n", tok);
        if (write(fd, line, (size_t)len) != len || fsync(fd) != 0)
            rc = vg_error_set(err, VG_ERR_IO, "writing %s: %s", path, strerror(errno));
        OPENSSL_cleanse(line, sizeof line);
    }
    OPENSSL_cleanse(tok, sizeof tok);
    close(fd);
    if (rc != VG_OK) {
        unlink(path);
        return rc;
    }
    vg_serve_log(VG_LOG_WARN,
                 "auth: no token existed: created the admin token %s, its secret is in %s "
                 "(mode 0600); use it to create scoped tokens (POST /v1/tokens), then keep it safe",
                 row.id, path);
    serve_audit(s, NULL, "token.create", row.id,
                json_pack("{s:s,s:[s]}", "name", "bootstrap-admin", "scopes", "admin"));
    return VG_OK;
}

int serve_auth_start(vg_serve *s, vg_error *err) {
    if (!(s->auth = serve_auth_new()))
        return vg_error_set(err, VG_ERR_NOMEM, "out of memory");
    int rc = serve_auth_set_config(s->auth, s->cfg.tokens, s->cfg.n_tokens, err);
    if (rc != VG_OK)
        return rc;
    vg_store_token *t = NULL;
    size_t n = 0;
    if ((rc = vg_store_list_tokens(s->store, &t, &n, err)) != VG_OK)
        return rc;
    for (size_t i = 0; i < n && rc == VG_OK; i++) {
        serve_token_def d;
        def_from_store(&d, &t[i]);
        rc = serve_auth_add(s->auth, &d, err);
        if (rc == VG_ERR_MISMATCH)
            rc = vg_error_set(err, VG_ERR_INVALID,
                              "auth: token id %s is both in the config and in the store", t[i].id);
    }
    vg_store_tokens_free(t, n);
    if (rc != VG_OK)
        return rc;
    if (s->cfg.auth_off) {
        vg_serve_log(VG_LOG_WARN,
                     "authentication is off: anyone who can reach %s can read, ingest, and "
                     "change or delete models (auth.mode off / --auth off is for local "
                     "development only)",
                     s->cfg.host);
        return VG_OK;
    }
    if (n == 0 && s->cfg.n_tokens == 0)
        return bootstrap(s, err);
    vg_serve_log(VG_LOG_INFO, "auth: %zu tokens (%zu from the config)", serve_auth_count(s->auth),
                 s->cfg.n_tokens);
    return VG_OK;
}

/* ---- /v1/tokens ---- */

static json_t *scopes_json(unsigned scopes) {
    json_t *a = json_array();
    if (scopes & SERVE_SCOPE_INGEST)
        json_array_append_new(a, json_string("ingest"));
    if (scopes & SERVE_SCOPE_READ)
        json_array_append_new(a, json_string("read"));
    if (scopes & SERVE_SCOPE_ADMIN)
        json_array_append_new(a, json_string("admin"));
    return a;
}

static json_t *token_json(const serve_token_def *d) {
    json_t *o = json_pack("{s:s,s:o,s:o,s:s,s:b}", "id", d->id, "name", serve_json_text(d->name),
                          "scopes", scopes_json(d->scopes), "source",
                          d->from_config ? "config" : "api", "revoked", d->revoked_ms != 0);
    if (!o)
        return NULL;
    json_object_set_new(o, "model", d->model ? serve_json_text(d->model) : json_null());
    if (!d->from_config) {
        json_object_set_new(o, "created_ms", json_integer(d->created_ms));
        json_object_set_new(o, "created_by",
                            d->created_by ? json_string(d->created_by) : json_null());
    }
    json_object_set_new(o, "expires_ms", d->expires_ms ? json_integer(d->expires_ms) : json_null());
    json_object_set_new(o, "revoked_ms", d->revoked_ms ? json_integer(d->revoked_ms) : json_null());
    return o;
}

static void list_tokens(vg_serve *s, serve_reply *r) {
    json_t *arr = json_array();
    serve_auth *a = s->auth;
    pthread_mutex_lock(&a->mu);
    for (size_t i = 0; arr && i < a->n; i++) {
        json_t *o = token_json(&a->t[i].d);
        if (o)
            json_object_set_new(o, "requests", json_integer((json_int_t)a->t[i].requests));
        if (!o || json_array_append_new(arr, o)) {
            json_decref(arr);
            arr = NULL;
        }
    }
    pthread_mutex_unlock(&a->mu);
    if (!arr) {
        serve_reply_error(r, 500, "internal", "out of memory");
        return;
    }
    serve_reply_json(r, 200, json_pack("{s:o}", "tokens", arr));
}

static void create(vg_serve *s, const serve_request *q, serve_reply *r) {
    json_error_t je;
    json_t *b = json_loadb(q->body, q->body_len, 0, &je);
    if (!b || !json_is_object(b)) {
        json_decref(b);
        serve_reply_error(r, 400, "invalid",
                          "body: expected a JSON object {\"name\", \"scopes\", \"model\"?, "
                          "\"expires_in\"?}");
        return;
    }
    const char *key;
    json_t *v;
    json_object_foreach(b, key, v) {
        if (strcmp(key, "name") && strcmp(key, "scopes") && strcmp(key, "model") &&
            strcmp(key, "expires_in")) {
            serve_reply_error(r, 400, "invalid",
                              "unknown field '%.64s' (expected name, scopes, model, expires_in)",
                              key);
            json_decref(b);
            return;
        }
    }
    json_t *name = json_object_get(b, "name"), *scopes = json_object_get(b, "scopes");
    json_t *model = json_object_get(b, "model"), *exp = json_object_get(b, "expires_in");
    unsigned bits = 0;
    size_t i;
    if (!json_is_string(name) || !json_string_length(name) || json_string_length(name) > 120) {
        serve_reply_error(r, 400, "invalid", "name: expected a string of 1 to 120 characters");
        goto done;
    }
    if (!json_is_array(scopes) || !json_array_size(scopes)) {
        serve_reply_error(r, 400, "invalid",
                          "scopes: expected a non-empty list of \"ingest\", \"read\", \"admin\"");
        goto done;
    }
    json_array_foreach(scopes, i, v) {
        unsigned bit = json_is_string(v) ? vg_serve_scope_parse(json_string_value(v)) : 0;
        if (!bit) {
            serve_reply_error(r, 400, "invalid", "scopes[%zu]: expected ingest, read or admin", i);
            goto done;
        }
        bits |= bit;
    }
    if (model && !json_is_null(model) &&
        (!json_is_string(model) || !json_string_length(model) || json_string_length(model) > 200)) {
        serve_reply_error(r, 400, "invalid", "model: expected a model name");
        goto done;
    }
    int64_t expires_ms = 0;
    if (exp && !json_is_null(exp)) {
        int64_t ms = 0;
        if (json_is_integer(exp) && json_integer_value(exp) > 0)
            ms = (int64_t)json_integer_value(exp) * 1000;
        else if (!json_is_string(exp) ||
                 vg_parse_duration_ms(json_string_value(exp), &ms) != VG_OK || ms <= 0) {
            serve_reply_error(r, 400, "invalid",
                              "expires_in: expected a duration such as \"30d\" or \"12h\" (or "
                              "seconds)");
            goto done;
        }
        expires_ms = serve_now_ms() + ms;
    }
    /* a model-scoped token cannot create a broader one */
    const char *mname = json_is_string(model) ? json_string_value(model) : NULL;
    if (q->who && q->who->model[0] && (!mname || strcmp(mname, q->who->model))) {
        serve_reply_error(r, 403, "forbidden",
                          "a token limited to model %s can only create tokens for that model",
                          q->who->model);
        goto done;
    }
    char tok[SERVE_TOKEN_LEN + 1];
    vg_store_token row;
    vg_error err;
    vg_error_clear(&err);
    const char *by = q->who && strcmp(q->who->id, "anonymous") ? q->who->id : NULL;
    if (create_token(s, json_string_value(name), bits, mname, expires_ms, by, tok, &row, &err) !=
        VG_OK) {
        serve_reply_vg_error(r, &err);
        goto done;
    }
    serve_token_def d;
    def_from_store(&d, &row);
    json_t *o = token_json(&d);
    if (o)
        json_object_set_new(o, "token", json_string(tok));
    OPENSSL_cleanse(tok, sizeof tok);
    serve_audit(s, q->who, "token.create", row.id,
                json_pack("{s:o,s:o,s:o}", "name", serve_json_text(row.name), "scopes",
                          scopes_json(bits), "model",
                          mname ? serve_json_text(mname) : json_null()));
    vg_serve_log(VG_LOG_INFO, "token %s (%s) created by %s", row.id, row.name, by ? by : "-");
    serve_reply_json(r, 201, o);
done:
    json_decref(b);
}

void api_tokens(vg_serve *s, const serve_request *q, serve_reply *r) {
    if (!strcmp(q->method, "POST"))
        create(s, q, r);
    else
        list_tokens(s, r);
}

void api_token(vg_serve *s, const serve_request *q, serve_reply *r) {
    const char *id = q->key;
    vg_error err;
    vg_error_clear(&err);
    pthread_mutex_lock(&s->auth->mu);
    token *t = find(s->auth, id);
    int found = t != NULL, cfg = t && t->d.from_config;
    int model_ok = !q->who->model[0] || (t && t->d.model && !strcmp(t->d.model, q->who->model));
    json_t *o = t && !strcmp(q->method, "GET") ? token_json(&t->d) : NULL;
    pthread_mutex_unlock(&s->auth->mu);
    if (!found) {
        serve_reply_error(r, 404, "not_found", "no token %s", id);
        return;
    }
    if (!model_ok) {
        json_decref(o);
        serve_reply_error(r, 403, "forbidden", "token %s is not limited to model %s", id,
                          q->who->model);
        return;
    }
    if (!strcmp(q->method, "GET")) {
        serve_reply_json(r, 200, o);
        return;
    }
    if (cfg) {
        serve_reply_error(r, 409, "conflict",
                          "token %s comes from the config file: remove it from auth.tokens and "
                          "reload (SIGHUP)",
                          id);
        return;
    }
    int64_t now = serve_now_ms();
    int rc = vg_store_revoke_token(s->store, id, now, &err);
    if (rc != VG_OK && rc != VG_ERR_INVALID) { /* INVALID: revoked already */
        serve_reply_vg_error(r, &err);
        return;
    }
    if (serve_auth_revoke(s->auth, id, now, &err) != VG_OK) {
        serve_reply_vg_error(r, &err);
        return;
    }
    if (rc == VG_OK) {
        serve_audit(s, q->who, "token.revoke", id, NULL);
        vg_serve_log(VG_LOG_INFO, "token %s revoked by %s", id, q->who->id);
    }
    pthread_mutex_lock(&s->auth->mu);
    t = find(s->auth, id);
    o = t ? token_json(&t->d) : json_object();
    pthread_mutex_unlock(&s->auth->mu);
    serve_reply_json(r, 200, o);
}
