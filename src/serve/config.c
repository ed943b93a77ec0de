/*
 * The settings of `vigia serve` (docs/serve.md): defaults, the YAML file read with the
 * project's loader (src/config/yamldoc.h), so that every error names file:line:column, and the
 * small parsers the flags share (listen address, sizes, log levels).
 *
 * A `models:` entry is a model spec written in YAML; it is turned into JSON here (plain scalars
 * that read as numbers, booleans or null become those, quoted ones stay strings) and parsed by
 * vg_model_spec_parse like a POST /v1/models body, so the two ways of registering a model
 * accept exactly the same keys. The spec is checked at load time, so a bad spec is a config
 * error with its line, not a surprise at start-up.
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../config/yamldoc.h"
#include "internal.h"
#include "vigia/alert.h"

int vg_serve_config_default(vg_serve_config *c) {
    memset(c, 0, sizeof *c);
    c->host = strdup("127.0.0.1");
    c->data_dir = strdup("vigia-data");
    if (!c->host || !c->data_dir) {
        vg_serve_config_clear(c);
        return VG_ERR_NOMEM;
    }
    c->port = 8080;
    c->threads = 4;
    c->max_body_bytes = 64ull << 20;
    c->max_records = 100000;
    c->batch_partial = 0;
    c->retention_ms = 30LL * 24 * 3600 * 1000;
    c->tick_ms = 1000;
    c->dead_retention_ms = 7LL * 24 * 3600 * 1000;
    c->rows_retention_ms = -1;
    c->log_level = VG_LOG_INFO;
    return VG_OK;
}

void vg_serve_config_clear(vg_serve_config *c) {
    if (!c)
        return;
    free(c->host);
    free(c->data_dir);
    for (size_t i = 0; i < c->n_models; i++) {
        free(c->models[i].spec_json);
        free(c->models[i].reference);
        free(c->models[i].name);
    }
    free(c->models);
    vg_alert_config_free(c->alerts);
    for (size_t i = 0; i < c->n_tokens; i++) {
        free(c->tokens[i].name);
        free(c->tokens[i].model);
    }
    free(c->tokens);
    free(c->tls_cert);
    free(c->tls_key);
    memset(c, 0, sizeof *c);
}

static const char *const level_names[] = {"error", "warn", "info", "debug"};

const char *vg_serve_log_level_name(int level) {
    return level >= 0 && level <= VG_LOG_DEBUG ? level_names[level] : "info";
}

int vg_serve_log_level_parse(const char *s) {
    for (int i = 0; i <= VG_LOG_DEBUG; i++)
        if (!strcasecmp(s, level_names[i]))
            return i;
    if (!strcasecmp(s, "warning"))
        return VG_LOG_WARN;
    return -1;
}

int vg_serve_parse_listen(const char *s, vg_serve_config *c, vg_error *err) {
    const char *colon = strrchr(s, ':');
    const char *port = colon ? colon + 1 : s;
    char *end;
    errno = 0;
    unsigned long p = strtoul(port, &end, 10);
    if (!*port || *end || errno || p > 65535 || *port == '-' || *port == '+')
        return vg_error_set(err, VG_ERR_INVALID,
                            "listen: '%s' is not HOST:PORT (a port between 0 and 65535)", s);
    char *host = NULL;
    if (colon && colon > s) {
        const char *h = s, *e = colon;
        if (*h == '[' && e[-1] == ']') { /* [::1]:8080 */
            h++;
            e--;
        }
        host = strndup(h, (size_t)(e - h));
    } else {
        host = strdup("127.0.0.1");
    }
    if (!host)
        return vg_error_set(err, VG_ERR_NOMEM, "out of memory");
    free(c->host);
    c->host = host;
    c->port = (unsigned)p;
    return VG_OK;
}

int vg_serve_parse_size(const char *s, uint64_t *out) {
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (end == s || errno || !(v >= 0) || !isfinite(v))
        return VG_ERR_INVALID;
    while (*end == ' ')
        end++;
    static const struct {
        const char *suffix;
        double mult;
    } units[] = {{"", 1},
                 {"b", 1},
                 {"k", 1024},
                 {"kb", 1e3},
                 {"kib", 1024},
                 {"m", 1048576},
                 {"mb", 1e6},
                 {"mib", 1048576},
                 {"g", 1073741824.0},
                 {"gb", 1e9},
                 {"gib", 1073741824.0}};
    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
        if (!strcasecmp(end, units[i].suffix)) {
            double b = v * units[i].mult;
            if (b > 1e18)
                return VG_ERR_INVALID;
            *out = (uint64_t)b;
            return VG_OK;
        }
    }
    return VG_ERR_INVALID;
}

/* ---- the YAML walk ---- */

typedef struct {
    const char *path;
    yaml_document_t *doc;
    vg_error *err;
    int has_alerts;
} ctx;

static int fail(ctx *x, const yaml_node_t *n, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

static int fail(ctx *x, const yaml_node_t *n, const char *fmt, ...) {
    char msg[VG_ERROR_MSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return vg_yaml_fail(x->err, x->path, n, "%s", msg);
}

static int get_uint(ctx *x, const yaml_node_t *n, const char *key, uint64_t lo, uint64_t hi,
                    uint64_t *out) {
    const char *s = vg_yaml_scalar(n);
    char *end;
    errno = 0;
    unsigned long long v = s && *s && *s != '-' ? strtoull(s, &end, 10) : 0;
    if (!s || !*s || *s == '-' || *end || errno || v < lo || v > hi)
        return fail(x, n, "%s: expected a whole number between %llu and %llu", key,
                    (unsigned long long)lo, (unsigned long long)hi);
    *out = v;
    return VG_OK;
}

static int get_duration(ctx *x, const yaml_node_t *n, const char *key, int allow_zero,
                        int64_t *out) {
    const char *s = vg_yaml_scalar(n);
    int64_t ms = 0;
    if (!s || vg_parse_duration_ms(s, &ms) != VG_OK || ms < 0 || (!allow_zero && ms == 0))
        return fail(x, n, "%s: expected a duration such as \"30d\", \"1h\", \"1s\" or \"250ms\"",
                    key);
    *out = ms;
    return VG_OK;
}

/* A YAML node as JSON (for model specs). */
static json_t *to_json(ctx *x, yaml_node_t *n, int depth) {
    if (!n || depth > 32)
        return NULL;
    if (n->type == YAML_SCALAR_NODE) {
        const char *s = (const char *)n->data.scalar.value;
        if (n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE) {
            if (!strcmp(s, "true") || !strcmp(s, "True"))
                return json_true();
            if (!strcmp(s, "false") || !strcmp(s, "False"))
                return json_false();
            if (!strcmp(s, "null") || !strcmp(s, "~") || !*s)
                return json_null();
            char *end;
            errno = 0;
            if (*s == '-' || *s == '+' || (*s >= '0' && *s <= '9') || *s == '.') {
                long long i = strtoll(s, &end, 10);
                if (!*end && !errno)
                    return json_integer(i);
                double d = strtod(s, &end);
                if (!*end && !errno && isfinite(d))
                    return json_real(d);
            }
        }
        return json_string(s);
    }
    if (n->type == YAML_SEQUENCE_NODE) {
        json_t *a = json_array();
        for (yaml_node_item_t *it = n->data.sequence.items.start;
             a && it < n->data.sequence.items.top; it++) {
            json_t *v = to_json(x, yaml_document_get_node(x->doc, *it), depth + 1);
            if (!v || json_array_append_new(a, v)) {
                json_decref(a);
                return NULL;
            }
        }
        return a;
    }
    if (n->type == YAML_MAPPING_NODE) {
        json_t *o = json_object();
        for (yaml_node_pair_t *p = n->data.mapping.pairs.start; o && p < n->data.mapping.pairs.top;
             p++) {
            const char *k = vg_yaml_scalar(yaml_document_get_node(x->doc, p->key));
            json_t *v = to_json(x, yaml_document_get_node(x->doc, p->value), depth + 1);
            if (!k || !v || json_object_set_new(o, k, v)) {
                if (!k) /* a key that is not a scalar ({a: 1}: x); set_new took v otherwise */
                    json_decref(v);
                json_decref(o);
                return NULL;
            }
        }
        return o;
    }
    return NULL;
}

static int get_models(ctx *x, yaml_node_t *n, vg_serve_config *c) {
    if (n->type != YAML_SEQUENCE_NODE)
        return fail(x, n, "models: expected a list of model specs (docs/api.md)");
    size_t count = (size_t)(n->data.sequence.items.top - n->data.sequence.items.start);
    c->models = calloc(count ? count : 1, sizeof *c->models);
    if (!c->models)
        return vg_error_set(x->err, VG_ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < count; i++) {
        yaml_node_t *m = yaml_document_get_node(x->doc, n->data.sequence.items.start[i]);
        if (!m || m->type != YAML_MAPPING_NODE)
            return fail(x, m ? m : n, "models[%zu]: expected a mapping (a model spec)", i);
        json_t *j = to_json(x, m, 0);
        if (!j)
            return fail(x, m, "models[%zu]: cannot convert to JSON (too deep?)", i);
        vg_serve_model_conf *mc = &c->models[c->n_models++];
        json_t *ref = json_object_get(j, "reference");
        if (ref) {
            if (!json_is_string(ref)) {
                json_decref(j);
                return fail(x, m, "models[%zu].reference: expected a file name", i);
            }
            /* relative to the config file's directory, as a reader of the file expects */
            const char *rf = json_string_value(ref), *slash = strrchr(x->path, '/');
            if (rf[0] != '/' && slash) {
                size_t dl = (size_t)(slash - x->path) + 1, rl = strlen(rf);
                if ((mc->reference = malloc(dl + rl + 1))) {
                    memcpy(mc->reference, x->path, dl);
                    memcpy(mc->reference + dl, rf, rl + 1);
                }
            } else {
                mc->reference = strdup(rf);
            }
            json_object_del(j, "reference");
        }
        mc->spec_json = json_dumps(j, JSON_COMPACT);
        json_decref(j);
        if (!mc->spec_json || (ref && !mc->reference))
            return vg_error_set(x->err, VG_ERR_NOMEM, "out of memory");
        vg_model_spec *spec = NULL;
        vg_error e;
        vg_error_clear(&e);
        if (vg_model_spec_parse(mc->spec_json, strlen(mc->spec_json), &spec, &e) != VG_OK)
            return fail(x, m, "models[%zu]: %s", i, e.msg);
        mc->name = strdup(spec->name);
        vg_model_spec_free(spec);
        if (!mc->name)
            return vg_error_set(x->err, VG_ERR_NOMEM, "out of memory");
        for (size_t k = 0; k + 1 < c->n_models; k++)
            if (!strcmp(c->models[k].name, mc->name))
                return fail(x, m, "models[%zu]: a second model named '%s'", i, mc->name);
    }
    return VG_OK;
}

/* ---- auth:, tls: and limits: (docs/serve.md) ---- */

static int unhex(const char *s, size_t n, unsigned char *out) {
    for (size_t i = 0; i < n; i++) {
        int v = 0;
        for (int k = 0; k < 2; k++) {
            char ch = s[2 * i + k];
            int d = ch >= '0' && ch <= '9' ? ch - '0' : ch >= 'a' && ch <= 'f' ? ch - 'a' + 10 : -1;
            if (d < 0)
                return -1;
            v = v * 16 + d;
        }
        out[i] = (unsigned char)v;
    }
    return 0;
}

int vg_serve_token_hash_parse(const char *s, vg_serve_token_conf *t, vg_error *err) {
    /* vg1$ + 12 + $ + 32 + $ + 64 */
    static const char *const shape =
        "expected \"vg1$<12 hex id>$<32 hex salt>$<64 hex sha256>\" (from `vigia token new` or "
        "`vigia token hash`)";
    if (strncmp(s, "vg1$", 4))
        return vg_error_set(err, VG_ERR_INVALID, "hash: not a vg1 token hash: %s", shape);
    size_t len = strlen(s);
    if (len != 4 + 12 + 1 + 32 + 1 + 64 || s[16] != '$' || s[49] != '$')
        return vg_error_set(err, VG_ERR_INVALID, "hash: wrong length or separators: %s", shape);
    unsigned char id[6];
    if (unhex(s + 4, 6, id) || unhex(s + 17, 16, t->salt) || unhex(s + 50, 32, t->hash))
        return vg_error_set(err, VG_ERR_INVALID, "hash: not lowercase hexadecimal: %s", shape);
    memcpy(t->id, s + 4, 12);
    t->id[12] = 0;
    return VG_OK;
}

unsigned vg_serve_scope_parse(const char *name) {
    if (!strcmp(name, "ingest"))
        return SERVE_SCOPE_INGEST;
    if (!strcmp(name, "read"))
        return SERVE_SCOPE_READ;
    if (!strcmp(name, "admin"))
        return SERVE_SCOPE_ADMIN;
    return 0;
}

static int get_bool(ctx *x, const yaml_node_t *n, const char *key, int *out) {
    const char *s = vg_yaml_scalar(n);
    if (s && (!strcmp(s, "true") || !strcmp(s, "yes")))
        *out = 1;
    else if (s && (!strcmp(s, "false") || !strcmp(s, "no")))
        *out = 0;
    else
        return fail(x, n, "%s: expected true or false", key);
    return VG_OK;
}

static int get_token(ctx *x, yaml_node_t *m, size_t i, vg_serve_token_conf *t) {
    if (m->type != YAML_MAPPING_NODE)
        return fail(x, m, "auth.tokens[%zu]: expected a mapping {name, hash, scopes, model}", i);
    int has_hash = 0;
    for (yaml_node_pair_t *p = m->data.mapping.pairs.start; p < m->data.mapping.pairs.top; p++) {
        yaml_node_t *kn = yaml_document_get_node(x->doc, p->key);
        yaml_node_t *v = yaml_document_get_node(x->doc, p->value);
        const char *k = vg_yaml_scalar(kn);
        const char *s = vg_yaml_scalar(v);
        if (k && !strcmp(k, "scopes")) {
            t->scopes = 0;
            if (v->type == YAML_SEQUENCE_NODE) {
                for (yaml_node_item_t *it = v->data.sequence.items.start;
                     it < v->data.sequence.items.top; it++) {
                    yaml_node_t *e = yaml_document_get_node(x->doc, *it);
                    const char *name = vg_yaml_scalar(e);
                    unsigned b = name ? vg_serve_scope_parse(name) : 0;
                    if (!b)
                        return fail(x, e ? e : v,
                                    "auth.tokens[%zu].scopes: expected ingest, read or admin", i);
                    t->scopes |= b;
                }
            } else if (s) {
                char buf[64];
                snprintf(buf, sizeof buf, "%s", s);
                for (char *save = NULL, *tok = strtok_r(buf, ", ", &save); tok;
                     tok = strtok_r(NULL, ", ", &save)) {
                    unsigned b = vg_serve_scope_parse(tok);
                    if (!b)
                        return fail(x, v,
                                    "auth.tokens[%zu].scopes: '%s' is not ingest, read or admin", i,
                                    tok);
                    t->scopes |= b;
                }
            }
            if (!t->scopes)
                return fail(x, v, "auth.tokens[%zu].scopes: expected a list of ingest, read, admin",
                            i);
            continue;
        }
        if (!k || !s)
            return fail(x, v, "auth.tokens[%zu].%s: expected a single value", i, k ? k : "?");
        if (!strcmp(k, "name") || !strcmp(k, "model")) {
            char **dst = !strcmp(k, "name") ? &t->name : &t->model;
            if (!*s)
                return fail(x, v, "auth.tokens[%zu].%s: empty", i, k);
            free(*dst);
            if (!(*dst = strdup(s)))
                return vg_error_set(x->err, VG_ERR_NOMEM, "out of memory");
        } else if (!strcmp(k, "hash")) {
            vg_error e;
            if (vg_serve_token_hash_parse(s, t, &e) != VG_OK)
                return fail(x, v, "auth.tokens[%zu].%s", i, e.msg);
            has_hash = 1;
        } else {
            return fail(x, kn,
                        "auth.tokens[%zu]: unknown key '%s' (expected name, hash, scopes, model)",
                        i, k);
        }
    }
    if (!t->name)
        return fail(x, m, "auth.tokens[%zu]: name is missing", i);
    if (!has_hash)
        return fail(x, m, "auth.tokens[%zu]: hash is missing (vigia token new prints one)", i);
    if (!t->scopes)
        return fail(x, m, "auth.tokens[%zu]: scopes is missing (ingest, read, admin)", i);
    return VG_OK;
}

static int get_auth(ctx *x, yaml_node_t *n, vg_serve_config *c) {
    if (n->type != YAML_MAPPING_NODE)
        return fail(x, n, "auth: expected a mapping (mode, tokens, public_metrics)");
    for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++) {
        yaml_node_t *kn = yaml_document_get_node(x->doc, p->key);
        yaml_node_t *v = yaml_document_get_node(x->doc, p->value);
        const char *k = vg_yaml_scalar(kn);
        int rc = VG_OK;
        if (k && !strcmp(k, "mode")) {
            const char *s = vg_yaml_scalar(v);
            if (s && !strcmp(s, "tokens"))
                c->auth_off = 0;
            else if (s && !strcmp(s, "off"))
                c->auth_off = 1;
            else
                return fail(x, v, "auth.mode: expected tokens or off");
        } else if (k && !strcmp(k, "public_metrics")) {
            rc = get_bool(x, v, "auth.public_metrics", &c->public_metrics);
        } else if (k && !strcmp(k, "tokens")) {
            if (v->type != YAML_SEQUENCE_NODE)
                return fail(x, v, "auth.tokens: expected a list of {name, hash, scopes, model}");
            size_t count = (size_t)(v->data.sequence.items.top - v->data.sequence.items.start);
            vg_serve_token_conf *t = calloc(count ? count : 1, sizeof *t);
            if (!t)
                return vg_error_set(x->err, VG_ERR_NOMEM, "out of memory");
            for (size_t i = 0; i < c->n_tokens; i++) {
                free(c->tokens[i].name);
                free(c->tokens[i].model);
            }
            free(c->tokens);
            c->tokens = t;
            c->n_tokens = 0;
            for (size_t i = 0; i < count; i++) {
                yaml_node_t *m = yaml_document_get_node(x->doc, v->data.sequence.items.start[i]);
                c->n_tokens++;
                if ((rc = get_token(x, m ? m : v, i, &t[i])) != VG_OK)
                    return rc;
                for (size_t j = 0; j < i; j++)
                    if (!strcmp(t[j].id, t[i].id))
                        return fail(x, m, "auth.tokens[%zu]: the same token id %s as tokens[%zu]",
                                    i, t[i].id, j);
            }
        } else {
            return fail(x, kn, "auth: unknown key '%s' (expected mode, tokens, public_metrics)",
                        k ? k : "?");
        }
        if (rc != VG_OK)
            return rc;
    }
    return VG_OK;
}

static int get_tls(ctx *x, yaml_node_t *n, vg_serve_config *c) {
    if (n->type != YAML_MAPPING_NODE)
        return fail(x, n, "tls: expected a mapping {cert: PATH, key: PATH}");
    for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++) {
        yaml_node_t *kn = yaml_document_get_node(x->doc, p->key);
        yaml_node_t *v = yaml_document_get_node(x->doc, p->value);
        const char *k = vg_yaml_scalar(kn), *s = vg_yaml_scalar(v);
        char **dst = k && !strcmp(k, "cert")  ? &c->tls_cert
                     : k && !strcmp(k, "key") ? &c->tls_key
                                              : NULL;
        if (!dst)
            return fail(x, kn, "tls: unknown key '%s' (expected cert, key)", k ? k : "?");
        if (!s || !*s)
            return fail(x, v, "tls.%s: expected a file name (PEM)", k);
        free(*dst);
        if (!(*dst = strdup(s)))
            return vg_error_set(x->err, VG_ERR_NOMEM, "out of memory");
    }
    if (!c->tls_cert || !c->tls_key)
        return fail(x, n, "tls: both cert and key are needed");
    return VG_OK;
}

static int get_limits(ctx *x, yaml_node_t *n, vg_serve_config *c) {
    if (n->type != YAML_MAPPING_NODE)
        return fail(x, n, "limits: expected a mapping (rate, burst, max_connections)");
    for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++) {
        yaml_node_t *kn = yaml_document_get_node(x->doc, p->key);
        yaml_node_t *v = yaml_document_get_node(x->doc, p->value);
        const char *k = vg_yaml_scalar(kn), *s = vg_yaml_scalar(v);
        uint64_t u;
        int rc = VG_OK;
        if (k && !strcmp(k, "rate")) {
            char *end;
            errno = 0;
            double r = s ? strtod(s, &end) : -1;
            if (!s || !*s || *end || errno || !(r >= 0) || r > 1e9)
                return fail(x, v, "limits.rate: expected requests per second (0: no limit)");
            c->rate = r;
        } else if (k && !strcmp(k, "burst")) {
            if ((rc = get_uint(x, v, "limits.burst", 1, 1000000000, &u)) == VG_OK)
                c->burst = (unsigned)u;
        } else if (k && !strcmp(k, "max_connections")) {
            if ((rc = get_uint(x, v, "limits.max_connections", 0, 1000000, &u)) == VG_OK)
                c->max_connections = (unsigned)u;
        } else {
            return fail(x, kn, "limits: unknown key '%s' (expected rate, burst, max_connections)",
                        k ? k : "?");
        }
        if (rc != VG_OK)
            return rc;
    }
    return VG_OK;
}

static int walk(ctx *x, vg_serve_config *c) {
    yaml_node_t *root = yaml_document_get_root_node(x->doc);
    if (!root)
        return VG_OK; /* an empty file: the defaults */
    if (root->type != YAML_MAPPING_NODE)
        return fail(x, root, "expected a mapping of settings (docs/serve.md)");
    for (yaml_node_pair_t *p = root->data.mapping.pairs.start; p < root->data.mapping.pairs.top;
         p++) {
        yaml_node_t *kn = yaml_document_get_node(x->doc, p->key);
        yaml_node_t *v = yaml_document_get_node(x->doc, p->value);
        const char *k = vg_yaml_scalar(kn);
        if (!k)
            return fail(x, kn, "expected a setting name");
        /* YAML parsers differ on a repeated key; a second `models:` would also be read into
         * the first one's list (found by fuzz_serve_config) */
        for (yaml_node_pair_t *q = root->data.mapping.pairs.start; q < p; q++) {
            const char *prev = vg_yaml_scalar(yaml_document_get_node(x->doc, q->key));
            if (prev && !strcmp(prev, k))
                return fail(x, kn, "%s: set twice (line %lu has it already)", k,
                            (unsigned long)yaml_document_get_node(x->doc, q->key)->start_mark.line +
                                1);
        }
        if (!strcmp(k, "alerts")) {
            x->has_alerts = 1; /* read by vg_alert_config_load after the walk (load below) */
            continue;
        }
        if (!strcmp(k, "auth") || !strcmp(k, "tls") || !strcmp(k, "limits")) {
            int rc = !strcmp(k, "auth")  ? get_auth(x, v, c)
                     : !strcmp(k, "tls") ? get_tls(x, v, c)
                                         : get_limits(x, v, c);
            if (rc != VG_OK)
                return rc;
            continue;
        }
        if (!strcmp(k, "models")) {
            int rc = get_models(x, v, c);
            if (rc != VG_OK)
                return rc;
            continue;
        }
        const char *s = vg_yaml_scalar(v);
        if (!s)
            return fail(x, v, "%s: expected a single value", k);
        uint64_t u;
        int rc = VG_OK;
        if (!strcmp(k, "listen")) {
            vg_error e;
            if (vg_serve_parse_listen(s, c, &e) != VG_OK)
                return fail(x, v, "%s", e.msg);
        } else if (!strcmp(k, "data_dir")) {
            if (!*s)
                return fail(x, v, "data_dir: empty");
            char *d = strdup(s);
            if (!d)
                return vg_error_set(x->err, VG_ERR_NOMEM, "out of memory");
            free(c->data_dir);
            c->data_dir = d;
        } else if (!strcmp(k, "threads")) {
            if ((rc = get_uint(x, v, k, 1, 1024, &u)) == VG_OK)
                c->threads = (unsigned)u;
        } else if (!strcmp(k, "max_body_bytes")) {
            if (vg_serve_parse_size(s, &u) != VG_OK || u < 1024)
                return fail(x, v,
                            "max_body_bytes: expected a size of at least 1024 bytes, such "
                            "as \"64MiB\"");
            c->max_body_bytes = u;
        } else if (!strcmp(k, "max_records_per_batch")) {
            if ((rc = get_uint(x, v, k, 0, 1000000000, &u)) == VG_OK)
                c->max_records = u;
        } else if (!strcmp(k, "batch_mode")) {
            if (!strcmp(s, "reject"))
                c->batch_partial = 0;
            else if (!strcmp(s, "partial"))
                c->batch_partial = 1;
            else
                return fail(x, v, "batch_mode: expected reject or partial, not '%s'", s);
        } else if (!strcmp(k, "retention")) {
            rc = get_duration(x, v, k, 1, &c->retention_ms);
        } else if (!strcmp(k, "dead_letter_retention")) {
            rc = get_duration(x, v, k, 1, &c->dead_retention_ms);
        } else if (!strcmp(k, "rows_retention")) {
            rc = get_duration(x, v, k, 1, &c->rows_retention_ms);
        } else if (!strcmp(k, "tick")) {
            rc = get_duration(x, v, k, 0, &c->tick_ms);
        } else if (!strcmp(k, "log_level")) {
            int l = vg_serve_log_level_parse(s);
            if (l < 0)
                return fail(x, v, "log_level: expected error, warn, info or debug, not '%s'", s);
            c->log_level = l;
        } else {
            return fail(x, kn,
                        "unknown setting '%s' (expected listen, data_dir, threads, "
                        "max_body_bytes, max_records_per_batch, batch_mode, retention, "
                        "dead_letter_retention, rows_retention, tick, log_level, models, alerts, "
                        "auth, tls or limits)",
                        k);
        }
        if (rc != VG_OK)
            return rc;
    }
    return VG_OK;
}

static int load(const char *path, const char *data, size_t len, const char *name,
                vg_serve_config *c, vg_error *err) {
    int rc = vg_serve_config_default(c);
    if (rc != VG_OK)
        return vg_error_set(err, rc, "out of memory");
    yaml_document_t doc;
    rc = vg_yaml_load(path, data, len, name, &doc, err);
    if (rc != VG_OK) {
        vg_serve_config_clear(c);
        return rc;
    }
    ctx x = {path ? path : name, &doc, err, 0};
    rc = walk(&x, c);
    yaml_document_delete(&doc);
    /* the rules and notifiers (docs/alerting.md), with errors naming the rule and field */
    if (rc == VG_OK && x.has_alerts)
        rc = vg_alert_config_load(path, data, len, name, &c->alerts, err);
    if (rc != VG_OK)
        vg_serve_config_clear(c);
    return rc;
}

int vg_serve_config_load(const char *path, vg_serve_config *c, vg_error *err) {
    return load(path, NULL, 0, path, c, err);
}

int vg_serve_config_parse(const char *data, size_t len, const char *name, vg_serve_config *c,
                          vg_error *err) {
    return load(NULL, data, len, name, c, err);
}
