/*
 * The constraint-suite parser (vigia/check.h, docs/constraints.md), built like the config
 * parser (src/config/config.c): libyaml's document API turns the file into a node tree, which
 * is walked with every key checked against the keys its kind allows, so each error names the
 * line and column of the node at fault. Validation is complete here (required keys, value
 * types, ranges, min <= max, known methods and metrics), so that a suite that parses can only
 * fail on the data, never on its own text.
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "../base/fmt.h"
#include "../config/yamldoc.h"
#include "vigia/check.h"

static const char *const kind_names[VG_CHECK_NKINDS] = {
    "row_count",      "column_present", "type",   "completeness", "range",
    "allowed_values", "unique",         "mean",   "std",          "quantile",
    "distinct",       "drift",          "metric", "fairness"};

const char *vg_check_kind_name(vg_check_kind k) {
    return (unsigned)k < VG_CHECK_NKINDS ? kind_names[k] : "?";
}

static const char *const type_names[] = {"integer", "fractional", "numeric", "boolean", "string"};

const char *vg_check_type_name(vg_check_type t) {
    return (unsigned)t < 5 ? type_names[t] : "?";
}

/* Every key a constraint may have; each kind allows a subset (`allowed` below). */
enum {
    K_KIND,
    K_NAME,
    K_SEVERITY,
    K_COLUMN,
    K_MIN,
    K_MAX,
    K_MAX_MISSING,
    K_Q,
    K_TYPE,
    K_VALUES,
    K_METHOD,
    K_THRESHOLD,
    K_METRIC,
    K_TARGET,
    K_PREDICTION,
    K_SENSITIVE,
    K_POSITIVE,
    NKEYS
};

static const char *const key_names[NKEYS] = {
    "kind",        "name",   "severity",   "column",    "min",     "max",
    "max_missing", "q",      "type",       "values",    "method",  "threshold",
    "metric",      "target", "prediction", "sensitive", "positive"};

#define B(k) (1u << (k))
#define COMMON (B(K_KIND) | B(K_NAME) | B(K_SEVERITY))
#define BOUNDS (B(K_MIN) | B(K_MAX))
#define MODEL (B(K_METRIC) | B(K_TARGET) | B(K_PREDICTION) | B(K_POSITIVE) | BOUNDS)

static const unsigned allowed[VG_CHECK_NKINDS] = {
    [VG_CHECK_ROW_COUNT] = COMMON | BOUNDS,
    [VG_CHECK_COLUMN_PRESENT] = COMMON | B(K_COLUMN),
    [VG_CHECK_TYPE] = COMMON | B(K_COLUMN) | B(K_TYPE),
    [VG_CHECK_COMPLETENESS] = COMMON | B(K_COLUMN) | B(K_MAX_MISSING),
    [VG_CHECK_RANGE] = COMMON | B(K_COLUMN) | BOUNDS,
    [VG_CHECK_ALLOWED_VALUES] = COMMON | B(K_COLUMN) | B(K_VALUES),
    [VG_CHECK_UNIQUE] = COMMON | B(K_COLUMN),
    [VG_CHECK_MEAN] = COMMON | B(K_COLUMN) | BOUNDS,
    [VG_CHECK_STD] = COMMON | B(K_COLUMN) | BOUNDS,
    [VG_CHECK_QUANTILE] = COMMON | B(K_COLUMN) | B(K_Q) | BOUNDS,
    [VG_CHECK_DISTINCT] = COMMON | B(K_COLUMN) | BOUNDS,
    [VG_CHECK_DRIFT] = COMMON | B(K_COLUMN) | B(K_METHOD) | B(K_THRESHOLD),
    [VG_CHECK_METRIC] = COMMON | MODEL,
    [VG_CHECK_FAIRNESS] = COMMON | MODEL | B(K_SENSITIVE)};

/* Keys without which a kind means nothing (min/max: at least one, checked apart). */
static const unsigned required[VG_CHECK_NKINDS] = {
    [VG_CHECK_ROW_COUNT] = 0,
    [VG_CHECK_COLUMN_PRESENT] = B(K_COLUMN),
    [VG_CHECK_TYPE] = B(K_COLUMN) | B(K_TYPE),
    [VG_CHECK_COMPLETENESS] = B(K_COLUMN) | B(K_MAX_MISSING),
    [VG_CHECK_RANGE] = B(K_COLUMN),
    [VG_CHECK_ALLOWED_VALUES] = B(K_COLUMN) | B(K_VALUES),
    [VG_CHECK_UNIQUE] = B(K_COLUMN),
    [VG_CHECK_MEAN] = B(K_COLUMN),
    [VG_CHECK_STD] = B(K_COLUMN),
    [VG_CHECK_QUANTILE] = B(K_COLUMN) | B(K_Q),
    [VG_CHECK_DISTINCT] = B(K_COLUMN),
    [VG_CHECK_DRIFT] = B(K_COLUMN),
    [VG_CHECK_METRIC] = B(K_METRIC) | B(K_TARGET) | B(K_PREDICTION),
    [VG_CHECK_FAIRNESS] = B(K_METRIC) | B(K_TARGET) | B(K_PREDICTION) | B(K_SENSITIVE)};

/* Metrics a `metric` constraint may name (the fields of vigia/perf.h's results), and those of
 * a `fairness` constraint (vigia/fairness.h). */
static const char *const model_metrics[] = {"accuracy", "precision",   "recall",
                                            "f1",       "specificity", "balanced_accuracy",
                                            "mcc",      "roc_auc",     "average_precision",
                                            "log_loss", "brier",       "mae",
                                            "mse",      "rmse",        "mape",
                                            "r2",       "median_ae",   NULL};
static const char *const fairness_metrics[] = {"disparate_impact",
                                               "demographic_parity_difference",
                                               "equal_opportunity_difference",
                                               "equalized_odds_difference",
                                               "fpr_difference",
                                               "predictive_parity_difference",
                                               "accuracy_difference",
                                               NULL};

typedef struct {
    const char *path;
    yaml_document_t *doc;
    vg_check_suite *s;
    vg_error *err;
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

static int nomem(ctx *x) {
    return vg_error_set(x->err, VG_ERR_NOMEM, "out of memory");
}

static const char *node_kind(const yaml_node_t *n) {
    if (!n)
        return "nothing";
    if (n->type == YAML_MAPPING_NODE)
        return "a mapping";
    if (n->type == YAML_SEQUENCE_NODE)
        return "a list";
    return "a value";
}

/* Copies a string into the suite, which owns it. */
static const char *keep(ctx *x, const char *s, size_t len) {
    vg_check_suite *st = x->s;
    if (st->nstrings == st->capstrings) {
        size_t cap = st->capstrings ? 2 * st->capstrings : 16;
        char **v = realloc(st->strings, cap * sizeof *v);
        if (!v)
            return NULL;
        st->strings = v;
        st->capstrings = cap;
    }
    char *d = malloc(len + 1);
    if (!d)
        return NULL;
    memcpy(d, s, len);
    d[len] = '\0';
    st->strings[st->nstrings++] = d;
    return d;
}

/* A finite number, written plainly: a quoted "5" is text in YAML, and a number there is
 * almost always a mistake worth pointing at. */
static int get_number(ctx *x, const yaml_node_t *n, const char *kind, const char *key, double lo,
                      double hi, double *out) {
    const char *s = vg_yaml_scalar(n);
    if (!s)
        return fail(x, n, "%s: %s: expected a number, found %s", kind, key, node_kind(n));
    if (n->data.scalar.style == YAML_SINGLE_QUOTED_SCALAR_STYLE ||
        n->data.scalar.style == YAML_DOUBLE_QUOTED_SCALAR_STYLE)
        return fail(x, n, "%s: %s: expected a number, found the quoted text '%.60s'", kind, key, s);
    char *end = NULL;
    errno = 0;
    double v = strtod(s, &end);
    if (!*s || *end || errno == ERANGE || !isfinite(v))
        return fail(x, n, "%s: %s: expected a number, found '%.60s'", kind, key, s);
    if (!(v >= lo && v <= hi))
        return fail(x, n, "%s: %s: %g is not between %g and %g", kind, key, v, lo, hi);
    *out = v;
    return VG_OK;
}

static int get_name(ctx *x, const yaml_node_t *n, const char *kind, const char *key,
                    const char **out) {
    const char *s = vg_yaml_scalar(n);
    if (!s || !*s)
        return fail(x, n, "%s: %s: expected a name, found %s", kind, key,
                    s ? "an empty value" : node_kind(n));
    if (!(*out = keep(x, s, n->data.scalar.length)))
        return nomem(x);
    return VG_OK;
}

static int one_of(ctx *x, const yaml_node_t *n, const char *kind, const char *key,
                  const char *const *names, size_t count, const char *listed, size_t *out) {
    const char *s = vg_yaml_scalar(n);
    for (size_t i = 0; s && i < count; i++)
        if (names[i] && !strcmp(names[i], s)) {
            *out = i;
            return VG_OK;
        }
    return fail(x, n, "%s: %s: '%.60s' is not one of %s", kind, key, s ? s : node_kind(n), listed);
}

/* An allowed value in its canonical text, as vg_samples keys the data's values: numbers by
 * value (1 = 1.0 = "1"), booleans as true/false, text as written. */
static int get_value(ctx *x, const yaml_node_t *n, const char **out) {
    const char *s = vg_yaml_scalar(n);
    if (!s)
        return fail(x, n, "allowed_values: values: expected a list of values, found %s in it",
                    node_kind(n));
    size_t len = n->data.scalar.length;
    double v;
    char buf[40];
    switch (vg_classify(s, len, &v)) {
    case VG_KIND_MISSING:
        return fail(x, n,
                    "allowed_values: '%.60s' reads as a missing value, never as a value (use a "
                    "completeness constraint for missing values)",
                    s);
    case VG_KIND_INTEGER:
    case VG_KIND_FRACTIONAL:
        len = (size_t)vg_fmt_double(buf, sizeof buf, v == 0 ? 0.0 : v);
        s = buf;
        break;
    case VG_KIND_BOOLEAN:
        s = v != 0 ? "true" : "false";
        len = strlen(s);
        break;
    default: break;
    }
    if (!(*out = keep(x, s, len)))
        return nomem(x);
    return VG_OK;
}

static int get_values(ctx *x, const yaml_node_t *n, vg_constraint *c) {
    if (n->type != YAML_SEQUENCE_NODE || n->data.sequence.items.top == n->data.sequence.items.start)
        return fail(x, n, "allowed_values: values: expected a non-empty list, found %s",
                    n->type == YAML_SEQUENCE_NODE ? "an empty list" : node_kind(n));
    size_t items = (size_t)(n->data.sequence.items.top - n->data.sequence.items.start);
    const char **v = calloc(items, sizeof *v);
    if (!v || !keep(x, "", 0)) {
        free(v);
        return nomem(x);
    }
    /* the array itself is kept with the strings, so that freeing the suite frees it */
    free(x->s->strings[x->s->nstrings - 1]);
    x->s->strings[x->s->nstrings - 1] = (char *)v;
    c->values = v;
    for (size_t i = 0; i < items; i++) {
        const yaml_node_t *it = yaml_document_get_node(x->doc, n->data.sequence.items.start[i]);
        if (!it)
            return fail(x, n, "allowed_values: values: a broken list");
        int rc = get_value(x, it, &v[i]);
        if (rc != VG_OK)
            return rc;
        c->n_values++;
    }
    return VG_OK;
}

static int parse_key(ctx *x, vg_constraint *c, size_t key, const yaml_node_t *v) {
    const char *kind = kind_names[c->kind];
    size_t i;
    int rc;
    switch (key) {
    case K_NAME: return get_name(x, v, kind, "name", &c->name);
    case K_SEVERITY: {
        static const char *const sev[] = {"error", "warning"};
        rc = one_of(x, v, kind, "severity", sev, 2, "error, warning", &i);
        c->severity = (vg_check_severity)i;
        return rc;
    }
    case K_COLUMN: return get_name(x, v, kind, "column", &c->column);
    case K_MIN:
        return get_number(x, v, kind, "min", c->kind == VG_CHECK_ROW_COUNT ? 0 : -HUGE_VAL,
                          HUGE_VAL, &c->min);
    case K_MAX:
        return get_number(x, v, kind, "max", c->kind == VG_CHECK_ROW_COUNT ? 0 : -HUGE_VAL,
                          HUGE_VAL, &c->max);
    case K_MAX_MISSING: return get_number(x, v, kind, "max_missing", 0, 1, &c->max_missing);
    case K_Q: return get_number(x, v, kind, "q", 0, 1, &c->q);
    case K_TYPE:
        rc = one_of(x, v, kind, "type", type_names, 5,
                    "integer, fractional, numeric, boolean, string", &i);
        c->type = (vg_check_type)i;
        return rc;
    case K_VALUES: return get_values(x, v, c);
    case K_METHOD: {
        const char *s = vg_yaml_scalar(v), *m = s ? vg_compare_method_name(s) : NULL;
        if (!m)
            return fail(x, v, "drift: method: unknown drift method '%.60s' (see docs/compare.md)",
                        s ? s : node_kind(v));
        c->method = m;
        return VG_OK;
    }
    case K_THRESHOLD: return get_number(x, v, kind, "threshold", 0, HUGE_VAL, &c->threshold);
    case K_METRIC: {
        const char *const *names = c->kind == VG_CHECK_METRIC ? model_metrics : fairness_metrics;
        size_t count = 0;
        while (names[count])
            count++;
        rc = one_of(x, v, kind, "metric", names, count,
                    c->kind == VG_CHECK_METRIC
                        ? "accuracy, precision, recall, f1, specificity, balanced_accuracy, mcc, "
                          "roc_auc, average_precision, log_loss, brier, mae, mse, rmse, mape, r2, "
                          "median_ae"
                        : "disparate_impact, demographic_parity_difference, "
                          "equal_opportunity_difference, equalized_odds_difference, "
                          "fpr_difference, predictive_parity_difference, accuracy_difference",
                    &i);
        c->metric = rc == VG_OK ? names[i] : NULL;
        return rc;
    }
    case K_TARGET: return get_name(x, v, kind, "target", &c->target);
    case K_PREDICTION: return get_name(x, v, kind, "prediction", &c->prediction);
    case K_SENSITIVE: return get_name(x, v, kind, "sensitive", &c->sensitive);
    case K_POSITIVE: return get_name(x, v, kind, "positive", &c->positive);
    }
    return VG_OK;
}

static void list_keys(unsigned mask, char *buf, size_t size) {
    size_t at = 0;
    buf[0] = '\0';
    for (size_t k = 0; k < NKEYS; k++)
        if (mask & B(k)) {
            int w = snprintf(buf + at, size - at, "%s%s", at ? ", " : "", key_names[k]);
            if (w < 0 || (size_t)w >= size - at)
                return;
            at += (size_t)w;
        }
}

static int parse_constraint(ctx *x, const yaml_node_t *n, vg_constraint *c) {
    memset(c, 0, sizeof *c);
    c->min = c->max = c->max_missing = c->q = c->threshold = NAN;
    c->line = (unsigned long)n->start_mark.line + 1;
    c->col = (unsigned long)n->start_mark.column + 1;
    if (n->type != YAML_MAPPING_NODE)
        return fail(x, n,
                    "constraints: each item must be a mapping such as {kind: range, column: age, "
                    "min: 0}, found %s",
                    node_kind(n));
    /* the kind first, wherever it is written, since it decides which keys are allowed */
    const yaml_node_t *kind_node = NULL;
    for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++) {
        const char *key = vg_yaml_scalar(yaml_document_get_node(x->doc, p->key));
        if (key && !strcmp(key, "kind"))
            kind_node = yaml_document_get_node(x->doc, p->value);
    }
    if (!kind_node)
        return fail(x, n, "constraint without a kind (kind: row_count, column_present, type, ...)");
    const char *ks = vg_yaml_scalar(kind_node);
    size_t k = 0;
    while (k < VG_CHECK_NKINDS && !(ks && !strcmp(ks, kind_names[k])))
        k++;
    if (k == VG_CHECK_NKINDS)
        return fail(x, kind_node,
                    "unknown constraint kind '%.60s' (row_count, column_present, type, "
                    "completeness, range, allowed_values, unique, mean, std, quantile, distinct, "
                    "drift, metric, fairness)",
                    ks ? ks : node_kind(kind_node));
    c->kind = (vg_check_kind)k;
    const char *kind = kind_names[k];
    unsigned seen = 0;
    for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++) {
        const yaml_node_t *kn = yaml_document_get_node(x->doc, p->key);
        const yaml_node_t *vn = yaml_document_get_node(x->doc, p->value);
        const char *key = vg_yaml_scalar(kn);
        if (!kn || !vn)
            return fail(x, n, "%s: a broken mapping", kind);
        size_t i = 0;
        while (i < NKEYS && !(key && !strcmp(key, key_names[i])))
            i++;
        if (i == NKEYS || !(allowed[k] & B(i))) {
            char keys[300];
            list_keys(allowed[k], keys, sizeof keys);
            return fail(x, kn, "%s: unknown key '%.60s' (%s)", kind, key ? key : node_kind(kn),
                        keys);
        }
        if (seen & B(i))
            return fail(x, kn, "%s: key '%s' given twice", kind, key);
        seen |= B(i);
        if (i == K_KIND)
            continue;
        int rc = parse_key(x, c, i, vn);
        if (rc != VG_OK)
            return rc;
    }
    unsigned missing = required[k] & ~seen;
    if (missing) {
        size_t i = 0;
        while (!(missing & B(i)))
            i++;
        return fail(x, n, "%s: missing key '%s'", kind, key_names[i]);
    }
    if ((allowed[k] & BOUNDS) && !(seen & BOUNDS))
        return fail(x, n, "%s: needs min, max or both", kind);
    if (c->min > c->max)
        return fail(x, n, "%s: min %g is above max %g", kind, c->min, c->max);
    return VG_OK;
}

static int parse_root(ctx *x, const yaml_node_t *root) {
    if (!root || (root->type == YAML_SCALAR_NODE && root->data.scalar.length == 0))
        return vg_error_set(x->err, VG_ERR_PARSE, "%s: empty file: expected a `constraints:` list",
                            x->path);
    if (root->type != YAML_MAPPING_NODE)
        return fail(x, root, "expected a mapping with a `constraints:` list, found %s",
                    node_kind(root));
    const yaml_node_t *list = NULL;
    for (yaml_node_pair_t *p = root->data.mapping.pairs.start; p < root->data.mapping.pairs.top;
         p++) {
        const yaml_node_t *kn = yaml_document_get_node(x->doc, p->key);
        const char *key = vg_yaml_scalar(kn);
        if (!kn)
            return fail(x, root, "a broken mapping");
        if (!key || strcmp(key, "constraints") != 0)
            return fail(x, kn, "unknown key '%.60s' (the file holds one key: constraints)",
                        key ? key : node_kind(kn));
        if (list)
            return fail(x, kn, "key 'constraints' given twice");
        list = yaml_document_get_node(x->doc, p->value);
    }
    if (!list)
        return fail(x, root, "expected a `constraints:` list");
    if (list->type != YAML_SEQUENCE_NODE)
        return fail(x, list, "constraints: expected a list, found %s", node_kind(list));
    size_t items = (size_t)(list->data.sequence.items.top - list->data.sequence.items.start);
    if (items == 0)
        return fail(x, list, "constraints: the list is empty");
    if (!(x->s->items = calloc(items, sizeof *x->s->items)))
        return nomem(x);
    for (size_t i = 0; i < items; i++) {
        const yaml_node_t *it = yaml_document_get_node(x->doc, list->data.sequence.items.start[i]);
        if (!it)
            return fail(x, list, "constraints: a broken list");
        int rc = parse_constraint(x, it, &x->s->items[i]);
        if (rc != VG_OK)
            return rc;
        x->s->n++;
    }
    return VG_OK;
}

static int parse(const char *path, const void *data, size_t len, const char *name,
                 vg_check_suite **out, vg_error *err) {
    *out = NULL;
    yaml_document_t doc;
    int rc = vg_yaml_load(path, data, len, name, &doc, err);
    if (rc != VG_OK)
        return rc;
    vg_check_suite *s = calloc(1, sizeof *s);
    if (!s || !(s->path = strdup(name))) {
        free(s);
        yaml_document_delete(&doc);
        return vg_error_set(err, VG_ERR_NOMEM, "out of memory");
    }
    ctx x = {name, &doc, s, err};
    rc = parse_root(&x, yaml_document_get_root_node(&doc));
    yaml_document_delete(&doc);
    if (rc != VG_OK) {
        vg_check_suite_free(s);
        return rc;
    }
    *out = s;
    return VG_OK;
}

int vg_check_suite_load(const char *path, vg_check_suite **out, vg_error *err) {
    return parse(path, NULL, 0, path, out, err);
}

int vg_check_suite_parse(const void *data, size_t len, const char *name, vg_check_suite **out,
                         vg_error *err) {
    return parse(NULL, data ? data : "", len, name, out, err);
}

void vg_check_suite_free(vg_check_suite *s) {
    if (!s)
        return;
    for (size_t i = 0; i < s->nstrings; i++)
        free(s->strings[i]);
    free(s->strings);
    free(s->items);
    free(s->path);
    free(s);
}

int vg_check_suite_needs_reference(const vg_check_suite *s) {
    for (size_t i = 0; i < s->n; i++)
        if (s->items[i].kind == VG_CHECK_DRIFT)
            return 1;
    return 0;
}

int vg_check_suite_needs_profile(const vg_check_suite *s) {
    for (size_t i = 0; i < s->n; i++)
        if (s->items[i].kind == VG_CHECK_TYPE)
            return 1;
    return 0;
}

int vg_check_suite_rereads(const vg_check_suite *s) {
    for (size_t i = 0; i < s->n; i++)
        if (s->items[i].kind == VG_CHECK_TYPE || s->items[i].kind == VG_CHECK_METRIC ||
            s->items[i].kind == VG_CHECK_FAIRNESS)
            return 1;
    return 0;
}
