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
                        "max_body_bytes, max_records_per_batch, batch_mode, retention, tick, "
                        "log_level, models or alerts)",
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
