/*
 * The configuration file (see vigia/config.h and docs/config.md), read with libyaml's document
 * API: the whole file becomes a node tree, which is walked with the key names checked, so each
 * error can name the line and column of the node at fault.
 */
#include "vigia/config.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "yamldoc.h"

struct vg_config {
    int has_method, has_threshold, has_num_method, has_num_threshold, has_cat_method,
        has_cat_threshold, has_share, has_bins, has_correction;
    const char *method, *num_method, *cat_method; /* static names */
    double threshold, num_threshold, cat_threshold, share;
    size_t bins;
    vg_correction correction;
    char **strings; /* every string the options point to */
    size_t nstrings, capstrings;
    vg_compare_rule *rules;
    size_t nrules;
    vg_compare_role *roles;
    size_t nroles;
    const char **ignore;
    size_t nignore;
};

typedef struct {
    const char *path;
    yaml_document_t *doc;
    vg_config *c;
    vg_error *err;
} ctx;

static int fail(ctx *x, const yaml_node_t *n, const char *fmt, const char *a, const char *b) {
    char msg[256];
    snprintf(msg, sizeof msg, fmt, a ? a : "", b ? b : "");
    return vg_yaml_fail(x->err, x->path, n, "%s", msg);
}

static char *keep(ctx *x, const char *s) {
    vg_config *c = x->c;
    if (c->nstrings == c->capstrings) {
        size_t cap = c->capstrings ? 2 * c->capstrings : 16;
        char **v = realloc(c->strings, cap * sizeof *v);
        if (!v)
            return NULL;
        c->strings = v;
        c->capstrings = cap;
    }
    char *d = strdup(s);
    if (d)
        c->strings[c->nstrings++] = d;
    return d;
}

static int get_method(ctx *x, const yaml_node_t *n, const char **out) {
    const char *s = vg_yaml_scalar(n), *m = s ? vg_compare_method_name(s) : NULL;
    if (!m)
        return fail(x, n, "unknown drift method '%s' (see docs/compare.md)", s ? s : "(not a name)",
                    NULL);
    *out = m;
    return VG_OK;
}

static int get_number(ctx *x, const yaml_node_t *n, const char *key, double lo, double hi,
                      double *out) {
    const char *s = vg_yaml_scalar(n);
    char *end;
    errno = 0;
    double v = s ? strtod(s, &end) : NAN;
    if (!s || !*s || *end || errno || !(v >= lo && v <= hi)) {
        char range[64];
        snprintf(range, sizeof range, "%g and %g", lo, hi);
        return fail(x, n, "%s: expected a number between %s", key, range);
    }
    *out = v;
    return VG_OK;
}

/* Calls f on each item of a sequence (or on a lone scalar, as a one-item list). */
static int each_name(ctx *x, const yaml_node_t *n, const char *key, const char ***list,
                     size_t *count) {
    size_t items = n->type == YAML_SEQUENCE_NODE
                       ? (size_t)(n->data.sequence.items.top - n->data.sequence.items.start)
                       : 1;
    const char **l = realloc(*list, (*count + items + 1) * sizeof *l);
    if (!l)
        return vg_error_set(x->err, VG_ERR_NOMEM, "out of memory");
    *list = l;
    for (size_t i = 0; i < items; i++) {
        const yaml_node_t *it =
            n->type == YAML_SEQUENCE_NODE
                ? yaml_document_get_node(x->doc, n->data.sequence.items.start[i])
                : n;
        const char *s = vg_yaml_scalar(it);
        if (!s || !*s)
            return fail(x, it ? it : n, "%s: expected a column name or a list of them", key, NULL);
        if (!(l[(*count)++] = keep(x, s)))
            return vg_error_set(x->err, VG_ERR_NOMEM, "out of memory");
    }
    return VG_OK;
}

typedef int (*pair_fn)(ctx *x, const char *key, const yaml_node_t *k, const yaml_node_t *v,
                       void *arg);

static int each_pair(ctx *x, const yaml_node_t *map, const char *what, pair_fn f, void *arg) {
    if (map->type != YAML_MAPPING_NODE)
        return fail(x, map, "%s: expected a mapping (key: value lines)", what, NULL);
    for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top;
         p++) {
        const yaml_node_t *k = yaml_document_get_node(x->doc, p->key);
        const yaml_node_t *v = yaml_document_get_node(x->doc, p->value);
        const char *key = vg_yaml_scalar(k);
        if (!key)
            return fail(x, k, "%s: keys must be plain names", what, NULL);
        int rc = f(x, key, k, v, arg);
        if (rc != VG_OK)
            return rc;
    }
    return VG_OK;
}

/* {method: M, threshold: X} for a kind or a column */
typedef struct {
    const char **method;
    double *threshold;
    int *has_method, *has_threshold;
    const char *what;
} choice;

static int choice_pair(ctx *x, const char *key, const yaml_node_t *k, const yaml_node_t *v,
                       void *arg) {
    choice *ch = arg;
    if (!strcmp(key, "method")) {
        if (ch->has_method)
            *ch->has_method = 1;
        return get_method(x, v, ch->method);
    }
    if (!strcmp(key, "threshold")) {
        if (ch->has_threshold)
            *ch->has_threshold = 1;
        return get_number(x, v, "threshold", 0, INFINITY, ch->threshold);
    }
    return fail(x, k, "%s: unknown key '%s' (method, threshold)", ch->what, key);
}

static int column_pair(ctx *x, const char *key, const yaml_node_t *k, const yaml_node_t *v,
                       void *arg) {
    (void)k;
    (void)arg;
    vg_config *c = x->c;
    vg_compare_rule *r = realloc(c->rules, (c->nrules + 1) * sizeof *r);
    if (!r)
        return vg_error_set(x->err, VG_ERR_NOMEM, "out of memory");
    c->rules = r;
    r = &r[c->nrules];
    r->method = NULL;
    r->threshold = NAN;
    if (!(r->column = keep(x, key)))
        return vg_error_set(x->err, VG_ERR_NOMEM, "out of memory");
    c->nrules++;
    choice ch = {&r->method, &r->threshold, NULL, NULL, "columns"};
    return each_pair(x, v, "columns", choice_pair, &ch);
}

static int role_pair(ctx *x, const char *key, const yaml_node_t *k, const yaml_node_t *v,
                     void *arg) {
    (void)arg;
    static const vg_role all[] = {VG_ROLE_TARGET, VG_ROLE_PREDICTION, VG_ROLE_ID, VG_ROLE_TIMESTAMP,
                                  VG_ROLE_SENSITIVE};
    size_t i = 0;
    while (i < 5 && strcmp(vg_role_name(all[i]), key) != 0)
        i++;
    if (i == 5)
        return fail(x, k, "roles: unknown role '%s' (target, prediction, id, timestamp, sensitive)",
                    key, NULL);
    const char **names = NULL;
    size_t n = 0;
    int rc = each_name(x, v, key, &names, &n);
    if (rc == VG_OK && n > 1 && (all[i] == VG_ROLE_TARGET || all[i] == VG_ROLE_PREDICTION))
        rc = fail(x, v, "roles: %s takes one column", key, NULL);
    vg_config *c = x->c;
    /* + 1: `id: []` twice asked realloc for 0 bytes, which frees the block and returns NULL:
     * reported as out of memory, then freed again (found by fuzz_config) */
    vg_compare_role *r = rc == VG_OK ? realloc(c->roles, (c->nroles + n + 1) * sizeof *r) : NULL;
    if (rc == VG_OK && !r)
        rc = vg_error_set(x->err, VG_ERR_NOMEM, "out of memory");
    if (rc == VG_OK) {
        c->roles = r;
        for (size_t j = 0; j < n; j++)
            c->roles[c->nroles++] = (vg_compare_role){names[j], all[i]};
    }
    free(names);
    return rc;
}

static int compare_pair(ctx *x, const char *key, const yaml_node_t *k, const yaml_node_t *v,
                        void *arg) {
    (void)arg;
    vg_config *c = x->c;
    if (!strcmp(key, "method")) {
        c->has_method = 1;
        return get_method(x, v, &c->method);
    }
    if (!strcmp(key, "threshold")) {
        c->has_threshold = 1;
        return get_number(x, v, "threshold", 0, INFINITY, &c->threshold);
    }
    if (!strcmp(key, "numeric")) {
        choice ch = {&c->num_method, &c->num_threshold, &c->has_num_method, &c->has_num_threshold,
                     "numeric"};
        return each_pair(x, v, "numeric", choice_pair, &ch);
    }
    if (!strcmp(key, "categorical")) {
        choice ch = {&c->cat_method, &c->cat_threshold, &c->has_cat_method, &c->has_cat_threshold,
                     "categorical"};
        return each_pair(x, v, "categorical", choice_pair, &ch);
    }
    if (!strcmp(key, "columns"))
        return each_pair(x, v, "columns", column_pair, NULL);
    if (!strcmp(key, "roles"))
        return each_pair(x, v, "roles", role_pair, NULL);
    if (!strcmp(key, "ignore"))
        return each_name(x, v, "ignore", &c->ignore, &c->nignore);
    if (!strcmp(key, "drift_share")) {
        c->has_share = 1;
        return get_number(x, v, "drift_share", 0, 1, &c->share);
    }
    if (!strcmp(key, "bins")) {
        double b;
        int rc = get_number(x, v, "bins", 1, 1000000, &b);
        if (rc == VG_OK && b != floor(b))
            rc = fail(x, v, "bins: expected a whole number", NULL, NULL);
        c->bins = (size_t)b;
        c->has_bins = 1;
        return rc;
    }
    if (!strcmp(key, "correction")) {
        const char *s = vg_yaml_scalar(v);
        c->has_correction = 1;
        if (s && !strcmp(s, "none"))
            c->correction = VG_CORRECTION_NONE;
        else if (s && !strcmp(s, "bonferroni"))
            c->correction = VG_CORRECTION_BONFERRONI;
        else if (s && !strcmp(s, "bh"))
            c->correction = VG_CORRECTION_BH;
        else
            return fail(x, v, "correction: '%s' is not one of none, bonferroni, bh",
                        s ? s : "(not a name)", NULL);
        return VG_OK;
    }
    return fail(x, k,
                "compare: unknown key '%s' (method, threshold, numeric, categorical, columns, "
                "roles, ignore, drift_share, bins, correction)",
                key, NULL);
}

static int top_pair(ctx *x, const char *key, const yaml_node_t *k, const yaml_node_t *v,
                    void *arg) {
    (void)k;
    (void)arg;
    if (!strcmp(key, "compare"))
        return each_pair(x, v, "compare", compare_pair, NULL);
    return VG_OK; /* sections of other commands */
}

/* Walks the document of `name` into a new config. */
static int parse(const char *path, const void *data, size_t len, const char *name, vg_config **out,
                 vg_error *err) {
    *out = NULL;
    yaml_document_t doc;
    int rc = vg_yaml_load(path, data, len, name, &doc, err);
    if (rc != VG_OK)
        return rc;
    vg_config *c = calloc(1, sizeof *c);
    if (!c) {
        yaml_document_delete(&doc);
        return vg_error_set(err, VG_ERR_NOMEM, "out of memory");
    }
    ctx x = {name, &doc, c, err};
    yaml_node_t *root = yaml_document_get_root_node(&doc);
    if (root && !(root->type == YAML_SCALAR_NODE && root->data.scalar.length == 0))
        rc = each_pair(&x, root, "the file", top_pair, NULL);
    yaml_document_delete(&doc);
    if (rc != VG_OK) {
        vg_config_free(c);
        return rc;
    }
    *out = c;
    return VG_OK;
}

int vg_config_load(const char *path, vg_config **out, vg_error *err) {
    return parse(path, NULL, 0, path, out, err);
}

int vg_config_parse(const void *data, size_t len, const char *name, vg_config **out,
                    vg_error *err) {
    return parse(NULL, data ? data : "", len, name, out, err);
}

void vg_config_free(vg_config *c) {
    if (!c)
        return;
    for (size_t i = 0; i < c->nstrings; i++)
        free(c->strings[i]);
    free(c->strings);
    free(c->rules);
    free(c->roles);
    free(c->ignore);
    free(c);
}

void vg_config_compare_options(const vg_config *c, vg_compare_options *o) {
    if (c->has_method)
        o->method = c->method;
    if (c->has_threshold)
        o->threshold = c->threshold;
    if (c->has_num_method)
        o->num_method = c->num_method;
    if (c->has_num_threshold)
        o->num_threshold = c->num_threshold;
    if (c->has_cat_method)
        o->cat_method = c->cat_method;
    if (c->has_cat_threshold)
        o->cat_threshold = c->cat_threshold;
    if (c->has_share)
        o->share_threshold = c->share;
    if (c->has_bins)
        o->n_bins = c->bins;
    if (c->has_correction)
        o->correction = c->correction;
    if (c->nrules) {
        o->rules = c->rules;
        o->n_rules = c->nrules;
    }
    if (c->nroles) {
        o->roles = c->roles;
        o->n_roles = c->nroles;
    }
    if (c->nignore) {
        o->ignore = c->ignore;
        o->n_ignore = c->nignore;
    }
}
