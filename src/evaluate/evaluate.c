/*
 * Evaluating a model from a file of predictions: loading the needed columns row by row, the
 * plan (task, classes, positive class, kind of prediction) and the metrics of one file.
 *
 * A file is read once with vg_reader and each needed cell is kept as vg_classify types it: a
 * kind and a double, where the double is the number, 1/0 for a boolean, or the id of the text
 * in the file's string pool. Nothing is sorted, so row i of every column is row i of the file,
 * and the line of each row is kept for error messages. Labels are *keys*: numbers (booleans
 * as 1 and 0) compare by value, text by bytes; a set of classes is a sorted array of numbers
 * plus a sorted array of texts, each entry mapped to its class index, so that a label is
 * found by binary search and the text of a file is looked up once per distinct string. The
 * rules the plan follows are in docs/evaluate.md; the messages name file, line and column.
 */
#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../base/fmt.h"
#include "../base/hash.h"
#include "internal.h"
#include "vigia/profile.h"

const char *vg_task_name(vg_task t) {
    switch (t) {
    case VG_TASK_BINARY: return "binary";
    case VG_TASK_MULTICLASS: return "multiclass";
    case VG_TASK_REGRESSION: return "regression";
    default: return "auto";
    }
}

void vg_eval_options_init(vg_eval_options *o) {
    memset(o, 0, sizeof *o);
    o->threshold = VG_PERF_DEFAULT_THRESHOLD;
    o->min_group_size = VG_FAIR_DEFAULT_MIN_GROUP_SIZE;
    o->curve_points = VG_PERF_DEFAULT_CURVE_POINTS;
    o->calibration_bins = VG_PERF_DEFAULT_CALIBRATION_BINS;
}

/* ---- string pool ----------------------------------------------------------------------------- */

static int pool_intern(vg_eval_data *d, const char *s, size_t len, uint32_t *id) {
    if (d->nstr * 2 >= d->nslots) {
        size_t ns = d->nslots ? d->nslots * 2 : 64;
        uint32_t *slots = malloc(ns * sizeof *slots);
        if (!slots)
            return VG_ERR_NOMEM;
        memset(slots, 0xff, ns * sizeof *slots);
        for (size_t i = 0; i < d->nstr; i++) {
            size_t h = (size_t)vg_hash_bytes(d->str[i], d->str_len[i]) & (ns - 1);
            while (slots[h] != UINT32_MAX)
                h = (h + 1) & (ns - 1);
            slots[h] = (uint32_t)i;
        }
        free(d->slots);
        d->slots = slots;
        d->nslots = ns;
    }
    size_t h = (size_t)vg_hash_bytes(s, len) & (d->nslots - 1);
    while (d->slots[h] != UINT32_MAX) {
        uint32_t k = d->slots[h];
        if (d->str_len[k] == len && memcmp(d->str[k], s, len) == 0) {
            *id = k;
            return VG_OK;
        }
        h = (h + 1) & (d->nslots - 1);
    }
    if (d->nstr == d->str_cap) {
        size_t cap = d->str_cap ? d->str_cap * 2 : 32;
        char **str = realloc(d->str, cap * sizeof *str);
        if (!str)
            return VG_ERR_NOMEM;
        d->str = str;
        size_t *sl = realloc(d->str_len, cap * sizeof *sl);
        if (!sl)
            return VG_ERR_NOMEM;
        d->str_len = sl;
        d->str_cap = cap;
    }
    char *copy = malloc(len + 1);
    if (!copy)
        return VG_ERR_NOMEM;
    memcpy(copy, s, len);
    copy[len] = '\0';
    d->str[d->nstr] = copy;
    d->str_len[d->nstr] = len;
    d->slots[h] = (uint32_t)d->nstr;
    *id = (uint32_t)d->nstr++;
    return VG_OK;
}

/* ---- loading -----------------------------------------------------------------------------------
 */

void vg_eval_data_free(vg_eval_data *d) {
    if (!d)
        return;
    for (size_t j = 0; j < d->ncols; j++) {
        free(d->cols[j].kind);
        free(d->cols[j].val);
    }
    free(d->cols);
    for (size_t i = 0; i < d->nstr; i++)
        free(d->str[i]);
    free(d->str);
    free(d->str_len);
    free(d->slots);
    free(d->line);
    free(d->path);
    free(d);
}

uint64_t vg_eval_data_rows(const vg_eval_data *d) {
    return d->rows;
}

/* Resolves the columns not found yet against the reader's columns (NDJSON adds columns as
 * they appear). */
static void resolve(vg_eval_data *d, const vg_reader *r) {
    size_t nc = vg_reader_ncols(r);
    for (size_t j = 0; j < d->ncols; j++) {
        if (d->cols[j].idx >= 0 || !d->cols[j].name)
            continue;
        for (size_t c = 0; c < nc; c++) {
            size_t len;
            const char *name = vg_reader_column(r, c, &len);
            if (len == strlen(d->cols[j].name) && memcmp(name, d->cols[j].name, len) == 0) {
                d->cols[j].idx = (long)c;
                break;
            }
        }
    }
}

static int missing_column(const vg_eval_data *d, const vg_reader *r, const char *name,
                          vg_error *err) {
    char list[300];
    size_t o = 0, nc = vg_reader_ncols(r);
    list[0] = '\0';
    for (size_t c = 0; c < nc && o < sizeof list - 8; c++) {
        size_t len;
        const char *s = vg_reader_column(r, c, &len);
        int w = snprintf(list + o, sizeof list - o, "%s%.*s", c ? ", " : "", (int)len, s);
        if (w < 0 || (size_t)w >= sizeof list - o) {
            snprintf(list + o, sizeof list - o, ", ...");
            break;
        }
        o += (size_t)w;
    }
    return vg_error_set(err, VG_ERR_INVALID, "%s: no column '%s' (columns: %s)", d->path, name,
                        nc ? list : "none");
}

static int grow_rows(vg_eval_data *d) {
    size_t cap = d->row_cap ? d->row_cap * 2 : 4096;
    uint64_t *line = realloc(d->line, cap * sizeof *line);
    if (!line)
        return VG_ERR_NOMEM;
    d->line = line;
    for (size_t j = 0; j < d->ncols; j++) {
        uint8_t *k = realloc(d->cols[j].kind, cap);
        if (!k)
            return VG_ERR_NOMEM;
        d->cols[j].kind = k;
        double *v = realloc(d->cols[j].val, cap * sizeof *v);
        if (!v)
            return VG_ERR_NOMEM;
        d->cols[j].val = v;
    }
    d->row_cap = cap;
    return VG_OK;
}

/* Stores one cell of row i in slot j, typed as vg_classify types it (text interned). */
static int store_cell(vg_eval_data *d, size_t j, size_t i, const char *s, size_t len) {
    ev_col *c = &d->cols[j];
    if (!s) {
        c->kind[i] = VG_KIND_MISSING;
        c->val[i] = NAN;
        return VG_OK;
    }
    double x = NAN;
    vg_kind k = vg_classify(s, len, &x);
    if (k == VG_KIND_STRING) {
        uint32_t id;
        int rc = pool_intern(d, s, len, &id);
        if (rc != VG_OK)
            return rc;
        x = id;
    } else if (k == VG_KIND_BOOLEAN) {
        x = (len > 0 && tolower((unsigned char)s[0]) == 't') ? 1 : 0;
    }
    c->kind[i] = (uint8_t)k;
    c->val[i] = x;
    return VG_OK;
}

/* The empty data of `name` with the slots of o (names point into o, which must outlive d). */
static int data_new(const vg_eval_options *o, const char *name, vg_eval_data **out, vg_error *err) {
    if (!o->target)
        return vg_error_set(err, VG_ERR_INVALID, "no target column given");
    if (!o->prediction && o->n_proba == 0)
        return vg_error_set(err, VG_ERR_INVALID, "no prediction column given");
    vg_eval_data *d = calloc(1, sizeof *d);
    if (!d || !(d->path = strdup(name))) {
        free(d);
        return vg_error_set(err, VG_ERR_NOMEM, "out of memory");
    }
    d->ncols = EV_FIRST_PROBA + o->n_proba + o->n_sensitive;
    d->n_proba = o->n_proba;
    d->cols = calloc(d->ncols, sizeof *d->cols);
    if (!d->cols) {
        vg_eval_data_free(d);
        return vg_error_set(err, VG_ERR_NOMEM, "out of memory");
    }
    d->cols[EV_TARGET].name = o->target;
    d->cols[EV_PRED].name = o->prediction;
    for (size_t k = 0; k < o->n_proba; k++)
        d->cols[EV_FIRST_PROBA + k].name = o->proba[k].column;
    for (size_t k = 0; k < o->n_sensitive; k++)
        d->cols[EV_FIRST_PROBA + o->n_proba + k].name = o->sensitive[k];
    for (size_t j = 0; j < d->ncols; j++)
        d->cols[j].idx = -1;
    *out = d;
    return VG_OK;
}

int vg_eval_data_new(const vg_eval_options *o, const char *name, vg_eval_data **out,
                     vg_error *err) {
    vg_eval_data *d;
    int rc = data_new(o, name, &d, err);
    if (rc != VG_OK)
        return rc;
    /* in memory every named column exists: its slot stands for its position */
    for (size_t j = 0; j < d->ncols; j++)
        if (d->cols[j].name)
            d->cols[j].idx = (long)j;
    *out = d;
    return VG_OK;
}

int vg_eval_data_add(vg_eval_data *d, const char *const *cells, const size_t *lens, uint64_t line,
                     vg_error *err) {
    int rc;
    if (d->rows == d->row_cap && (rc = grow_rows(d)) != VG_OK)
        return vg_error_set(err, rc, "out of memory adding to %s", d->path);
    size_t i = (size_t)d->rows;
    d->line[i] = line;
    for (size_t j = 0; j < d->ncols; j++)
        if ((rc = store_cell(d, j, i, d->cols[j].name ? cells[j] : NULL, lens[j])) != VG_OK)
            return vg_error_set(err, rc, "out of memory adding to %s", d->path);
    d->rows++;
    return VG_OK;
}

int vg_eval_load(const char *path, const vg_read_options *ro, const vg_eval_options *o,
                 int target_optional, vg_eval_data **out, vg_error *err) {
    vg_eval_data *d;
    int rc = data_new(o, path, &d, err);
    if (rc != VG_OK)
        return rc;
    vg_reader *r = vg_reader_open(path, ro, err);
    if (!r) {
        vg_eval_data_free(d);
        return err ? err->code : VG_ERR_IO;
    }
    int ndjson = vg_reader_format(r) == VG_FORMAT_NDJSON;
    resolve(d, r);
    if (!ndjson)
        for (size_t j = 0; j < d->ncols; j++)
            if (d->cols[j].name && d->cols[j].idx < 0 && !(j == EV_TARGET && target_optional)) {
                rc = missing_column(d, r, d->cols[j].name, err);
                goto done;
            }
    size_t known = vg_reader_ncols(r);
    vg_record rec;
    int got;
    while ((got = vg_reader_next(r, &rec, err)) == 1) {
        if (ndjson && rec.n != known) {
            resolve(d, r);
            known = rec.n;
        }
        if (d->rows == d->row_cap && (rc = grow_rows(d)) != VG_OK) {
            vg_error_set(err, rc, "out of memory reading %s", path);
            goto done;
        }
        size_t i = (size_t)d->rows;
        d->line[i] = rec.line;
        for (size_t j = 0; j < d->ncols; j++) {
            long idx = d->cols[j].idx;
            int absent = idx < 0 || (size_t)idx >= rec.n;
            if ((rc = store_cell(d, j, i, absent ? NULL : rec.data[idx],
                                 absent ? 0 : rec.len[idx])) != VG_OK) {
                vg_error_set(err, rc, "out of memory reading %s", path);
                goto done;
            }
        }
        d->rows++;
    }
    if (got < 0) {
        rc = got;
        goto done;
    }
    if (ndjson)
        for (size_t j = 0; j < d->ncols; j++)
            if (d->cols[j].name && d->cols[j].idx < 0 && !(j == EV_TARGET && target_optional)) {
                rc = missing_column(d, r, d->cols[j].name, err);
                goto done;
            }
    if (d->rows == 0)
        rc = vg_error_set(err, VG_ERR_PARSE, "%s: no data rows", path);
done:
    vg_reader_close(r);
    if (rc != VG_OK) {
        vg_eval_data_free(d);
        return rc;
    }
    *out = d;
    return VG_OK;
}

/* ---- keys and key sets ------------------------------------------------------------------------
 */

/* A cell as a label key: numbers and booleans by value, text by bytes. */
typedef struct key {
    int is_str;
    double x;
    const char *s;
    size_t len;
} key;

static key cell_key(const vg_eval_data *d, size_t col, size_t i) {
    const ev_col *c = &d->cols[col];
    key k = {0, c->val[i], NULL, 0};
    if (c->kind[i] == VG_KIND_STRING) {
        uint32_t id = (uint32_t)c->val[i];
        k.is_str = 1;
        k.s = d->str[id];
        k.len = d->str_len[id];
    } else if (k.x == 0) {
        k.x = 0; /* folds -0.0 */
    }
    return k;
}

static int key_cmp(const key *a, const key *b) {
    if (a->is_str != b->is_str)
        return a->is_str - b->is_str;
    if (!a->is_str)
        return a->x < b->x ? -1 : a->x > b->x;
    size_t n = a->len < b->len ? a->len : b->len;
    int c = memcmp(a->s, b->s, n);
    return c ? c : (a->len > b->len) - (a->len < b->len);
}

/* Display text of a key: numbers in their shortest round-trip form, booleans as true/false
 * when first seen as booleans. */
static char *key_name(const key *k, int boolean) {
    char buf[40];
    if (k->is_str) {
        char *s = malloc(k->len + 1);
        if (s) {
            memcpy(s, k->s, k->len);
            s[k->len] = '\0';
        }
        return s;
    }
    if (boolean)
        snprintf(buf, sizeof buf, "%s", k->x != 0 ? "true" : "false");
    else
        vg_fmt_double(buf, sizeof buf, k->x);
    return strdup(buf);
}

/* A sorted set of keys, each with a value (class or group index). Texts are owned copies. */
struct ev_keyset {
    size_t n, cap;
    key *k;
    uint32_t *v;
    unsigned char *boolean; /* first seen as a boolean */
};

void ev_keyset_free(ev_keyset *s) {
    if (!s)
        return;
    for (size_t i = 0; i < s->n; i++)
        free((char *)s->k[i].s);
    free(s->k);
    free(s->v);
    free(s->boolean);
    free(s);
}

static ev_keyset *keyset_new(void) {
    return calloc(1, sizeof(ev_keyset));
}

/* Position of k, or -(insertion point) - 1. */
static long keyset_find(const ev_keyset *s, const key *k) {
    /* The common case, a number among a few classes (0 and 1), by a linear scan: numbers sort
     * before text, so the scan stops at the first larger number or the first text. */
    if (!k->is_str && s->n <= 8) {
        size_t i = 0;
        while (i < s->n && !s->k[i].is_str && s->k[i].x < k->x)
            i++;
        if (i < s->n && !s->k[i].is_str && s->k[i].x == k->x)
            return (long)i;
        return -(long)i - 1;
    }
    size_t lo = 0, hi = s->n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int c = key_cmp(&s->k[mid], k);
        if (c == 0)
            return (long)mid;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return -(long)lo - 1;
}

/* Adds k (copying its text) with value v unless present; *added says whether it was new. */
static int keyset_add(ev_keyset *s, const key *k, uint32_t v, int boolean, int *added) {
    long at = keyset_find(s, k);
    if (added)
        *added = at < 0;
    if (at >= 0)
        return VG_OK;
    size_t pos = (size_t)(-at - 1);
    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 8;
        key *nk = realloc(s->k, cap * sizeof *nk);
        if (!nk)
            return VG_ERR_NOMEM;
        s->k = nk;
        uint32_t *nv = realloc(s->v, cap * sizeof *nv);
        if (!nv)
            return VG_ERR_NOMEM;
        s->v = nv;
        unsigned char *nb = realloc(s->boolean, cap);
        if (!nb)
            return VG_ERR_NOMEM;
        s->boolean = nb;
        s->cap = cap;
    }
    key copy = *k;
    if (k->is_str) {
        char *t = malloc(k->len + 1);
        if (!t)
            return VG_ERR_NOMEM;
        memcpy(t, k->s, k->len);
        t[k->len] = '\0';
        copy.s = t;
    }
    memmove(&s->k[pos + 1], &s->k[pos], (s->n - pos) * sizeof *s->k);
    memmove(&s->v[pos + 1], &s->v[pos], (s->n - pos) * sizeof *s->v);
    memmove(&s->boolean[pos + 1], &s->boolean[pos], s->n - pos);
    s->k[pos] = copy;
    s->v[pos] = v;
    s->boolean[pos] = (unsigned char)boolean;
    s->n++;
    return VG_OK;
}

/* A key from option text ("1.0", "yes"), typed as a cell would be. */
static key text_key(const char *s) {
    double x = NAN;
    vg_kind k = vg_classify(s, strlen(s), &x);
    key out = {0, x, NULL, 0};
    if (k == VG_KIND_BOOLEAN)
        out.x = (tolower((unsigned char)s[0]) == 't') ? 1 : 0;
    else if (k != VG_KIND_INTEGER && k != VG_KIND_FRACTIONAL) {
        out.is_str = 1;
        out.s = s;
        out.len = strlen(s);
    }
    if (!out.is_str && out.x == 0)
        out.x = 0;
    return out;
}

/* Per file: class (or group) index of every string id, looked up once; -1 when absent. */
static int32_t *string_lookup(const vg_eval_data *d, const ev_keyset *s) {
    int32_t *t = malloc((d->nstr ? d->nstr : 1) * sizeof *t);
    if (!t)
        return NULL;
    for (size_t i = 0; i < d->nstr; i++) {
        key k = {1, 0, d->str[i], d->str_len[i]};
        long at = keyset_find(s, &k);
        t[i] = at >= 0 ? (int32_t)s->v[at] : -1;
    }
    return t;
}

/* The value of row i of column col in s, or -1. */
static long lookup(const vg_eval_data *d, size_t col, size_t i, const ev_keyset *s,
                   const int32_t *strtab) {
    const ev_col *c = &d->cols[col];
    if (c->kind[i] == VG_KIND_STRING)
        return strtab[(uint32_t)c->val[i]];
    key k = cell_key(d, col, i);
    long at = keyset_find(s, &k);
    return at >= 0 ? (long)s->v[at] : -1;
}

/* ---- rows ----------------------------------------------------------------------------------- */

static int is_missing(const vg_eval_data *d, size_t col, size_t i) {
    return d->cols[col].kind[i] == VG_KIND_MISSING;
}

static int has_target_col(const vg_eval_data *d) {
    return d->cols[EV_TARGET].idx >= 0;
}

/* The row's prediction (label/score and every proba column) is present. */
static int pred_present(const vg_eval_data *d, size_t i) {
    if (d->cols[EV_PRED].name && is_missing(d, EV_PRED, i))
        return 0;
    for (size_t k = 0; k < d->n_proba; k++)
        if (is_missing(d, EV_FIRST_PROBA + k, i))
            return 0;
    return 1;
}

static int row_evaluated(const vg_eval_data *d, size_t i) {
    return !is_missing(d, EV_TARGET, i) && pred_present(d, i);
}

static int cell_is_number(const vg_eval_data *d, size_t col, size_t i) {
    uint8_t k = d->cols[col].kind[i];
    return k == VG_KIND_INTEGER || k == VG_KIND_FRACTIONAL;
}

/* The text of a cell for a message. */
static const char *cell_text(const vg_eval_data *d, size_t col, size_t i, char *buf, size_t n) {
    const ev_col *c = &d->cols[col];
    if (c->kind[i] == VG_KIND_STRING)
        return d->str[(uint32_t)c->val[i]];
    if (c->kind[i] == VG_KIND_BOOLEAN)
        return c->val[i] != 0 ? "true" : "false";
    vg_fmt_double(buf, n, c->val[i]);
    return buf;
}

static int cell_error(vg_error *err, const vg_eval_data *d, size_t col, size_t i, const char *fmt,
                      ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 5, 6)))
#endif
    ;

static int cell_error(vg_error *err, const vg_eval_data *d, size_t col, size_t i, const char *fmt,
                      ...) {
    char what[300], buf[40];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    return vg_error_set(err, VG_ERR_PARSE, "%s:%llu: column '%s': '%s' %s", d->path,
                        (unsigned long long)d->line[i], d->cols[col].name,
                        cell_text(d, col, i, buf, sizeof buf), what);
}

/* "a, b, c" (at most 8 names, then "...") */
static void class_list(char *buf, size_t size, char *const *names, size_t n) {
    size_t o = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < n && o < size; i++) {
        int w = snprintf(buf + o, size - o, "%s%s", i ? ", " : "", i == 8 ? "..." : names[i]);
        if (w < 0)
            break;
        o += (size_t)w;
        if (i == 8)
            break;
    }
}

/* ---- plan -------------------------------------------------------------------------------------
 */

void vg_eval_plan_free(vg_eval_plan *p) {
    if (!p)
        return;
    for (size_t i = 0; p->classes && i < p->n_classes; i++)
        free(p->classes[i]);
    free(p->classes);
    ev_keyset_free(p->keys);
    memset(p, 0, sizeof *p);
}

typedef struct target_stats {
    uint64_t n, n_str, n_bool, n_nonint;
    double nonint_example;
    int all01;
    ev_keyset *distinct; /* up to VG_EVAL_MAX_INFER_CLASSES + 1 keys */
} target_stats;

static int scan_target(const vg_eval_data *const *data, size_t nd, target_stats *t) {
    t->all01 = 1;
    for (size_t f = 0; f < nd; f++) {
        const vg_eval_data *d = data[f];
        if (!has_target_col(d))
            continue;
        for (size_t i = 0; i < d->rows; i++) {
            if (!row_evaluated(d, i))
                continue;
            uint8_t kind = d->cols[EV_TARGET].kind[i];
            double x = d->cols[EV_TARGET].val[i];
            t->n++;
            if (kind == VG_KIND_STRING) {
                t->n_str++;
                t->all01 = 0;
            } else {
                if (kind == VG_KIND_BOOLEAN)
                    t->n_bool++;
                if (x != floor(x) || !isfinite(x)) {
                    if (!t->n_nonint)
                        t->nonint_example = x;
                    t->n_nonint++;
                }
                if (x != 0 && x != 1)
                    t->all01 = 0;
            }
            if (t->distinct->n <= VG_EVAL_MAX_INFER_CLASSES) {
                key k = cell_key(d, EV_TARGET, i);
                if (keyset_add(t->distinct, &k, 0, kind == VG_KIND_BOOLEAN, NULL) != VG_OK)
                    return VG_ERR_NOMEM;
            }
        }
    }
    return VG_OK;
}

static void names_of(const ev_keyset *s, char *buf, size_t size) {
    size_t o = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < s->n && i < 5 && o < size; i++) {
        char *nm = key_name(&s->k[i], s->boolean[i]);
        int w = snprintf(buf + o, size - o, "%s%s", i ? ", " : "", nm ? nm : "?");
        free(nm);
        if (w < 0)
            return;
        o += (size_t)w;
    }
    if (s->n > 5 && o < size)
        snprintf(buf + o, size - o, ", ...");
}

static int infer_task(const vg_eval_data *const *data, size_t nd, const vg_eval_options *o,
                      vg_eval_plan *p, vg_error *err) {
    target_stats t;
    memset(&t, 0, sizeof t);
    if (!(t.distinct = keyset_new()) || scan_target(data, nd, &t) != VG_OK) {
        ev_keyset_free(t.distinct);
        return vg_error_set(err, VG_ERR_NOMEM, "out of memory");
    }
    char vals[160];
    names_of(t.distinct, vals, sizeof vals);
    size_t nd_ = t.distinct->n;
    const char *tc = o->target;
    int rc = VG_OK;
    if (t.n == 0) {
        rc = vg_error_set(err, VG_ERR_PARSE,
                          "%s: no row has both a target ('%s') and a prediction, nothing to "
                          "evaluate",
                          data[0]->path, tc);
    } else if (o->task != VG_TASK_AUTO) {
        p->task = o->task;
        snprintf(p->task_reason, sizeof p->task_reason, "given with --task");
    } else if (o->n_proba > 0) {
        p->task = VG_TASK_MULTICLASS;
        snprintf(p->task_reason, sizeof p->task_reason,
                 "per-class probability columns given (--proba)");
    } else if (t.n_str > 0) {
        p->task = nd_ <= 2 ? VG_TASK_BINARY : VG_TASK_MULTICLASS;
        snprintf(p->task_reason, sizeof p->task_reason,
                 "target '%s' holds text labels, %s%zu distinct (%s)", tc,
                 nd_ > VG_EVAL_MAX_INFER_CLASSES ? "more than " : "",
                 nd_ > VG_EVAL_MAX_INFER_CLASSES ? (size_t)VG_EVAL_MAX_INFER_CLASSES : nd_, vals);
    } else if (t.n_bool == t.n) {
        p->task = VG_TASK_BINARY;
        snprintf(p->task_reason, sizeof p->task_reason, "target '%s' holds booleans", tc);
    } else if (t.all01) {
        p->task = VG_TASK_BINARY;
        snprintf(p->task_reason, sizeof p->task_reason, "target '%s' holds only 0 and 1", tc);
    } else if (t.n_nonint > 0) {
        char ex[40];
        vg_fmt_double(ex, sizeof ex, t.nonint_example);
        p->task = VG_TASK_REGRESSION;
        snprintf(p->task_reason, sizeof p->task_reason,
                 "target '%s' holds numbers that are not integers (e.g. %s)", tc, ex);
    } else if (nd_ > VG_EVAL_MAX_INFER_CLASSES) {
        p->task = VG_TASK_REGRESSION;
        snprintf(p->task_reason, sizeof p->task_reason,
                 "target '%s' holds integers with more than %d distinct values", tc,
                 VG_EVAL_MAX_INFER_CLASSES);
    } else if (nd_ >= 3) {
        p->task = VG_TASK_MULTICLASS;
        snprintf(p->task_reason, sizeof p->task_reason,
                 "target '%s' holds integers with %zu distinct values (3 to %d: classes %s)", tc,
                 nd_, VG_EVAL_MAX_INFER_CLASSES, vals);
    } else {
        p->task = VG_TASK_BINARY;
        snprintf(p->task_reason, sizeof p->task_reason,
                 "target '%s' holds integers with %zu distinct values (%s)", tc, nd_, vals);
    }
    p->task_inferred = o->task == VG_TASK_AUTO;
    ev_keyset_free(t.distinct);
    return rc;
}

/* Binary: scores or labels, from the prediction cells of the evaluated rows. */
static void infer_prediction(const vg_eval_data *const *data, size_t nd, const vg_eval_options *o,
                             vg_eval_plan *p) {
    uint64_t n_num = 0, n_other = 0, n_nonint = 0, n_01 = 0;
    double example = NAN;
    for (size_t f = 0; f < nd; f++) {
        const vg_eval_data *d = data[f];
        for (size_t i = 0; i < d->rows; i++) {
            if (is_missing(d, EV_PRED, i))
                continue;
            if (!cell_is_number(d, EV_PRED, i)) {
                n_other++;
                continue;
            }
            double x = d->cols[EV_PRED].val[i];
            n_num++;
            if (x == 0 || x == 1)
                n_01++;
            else if (x != floor(x) || !isfinite(x)) {
                if (!n_nonint)
                    example = x;
                n_nonint++;
            }
        }
    }
    const char *pc = o->prediction;
    if (n_nonint > 0) {
        char ex[40];
        vg_fmt_double(ex, sizeof ex, example);
        p->scores = 1;
        snprintf(p->prediction_reason, sizeof p->prediction_reason,
                 "prediction '%s' holds numbers that are not 0 or 1 (e.g. %s): probability "
                 "scores",
                 pc, ex);
    } else if (n_other == 0 && n_01 == n_num) {
        snprintf(p->prediction_reason, sizeof p->prediction_reason,
                 "prediction '%s' holds only 0 and 1: labels", pc);
    } else {
        snprintf(p->prediction_reason, sizeof p->prediction_reason,
                 "prediction '%s' holds %s: labels", pc,
                 n_other ? "text or booleans" : "integers other than 0 and 1");
    }
}

/* Adds the labels of column col (evaluated rows) to the classes; for a binary task a third
 * class is an error at its line. */
static int collect_labels(const vg_eval_data *const *data, size_t nd, size_t col, ev_keyset *s,
                          size_t limit, vg_error *err) {
    for (size_t f = 0; f < nd; f++) {
        const vg_eval_data *d = data[f];
        if (col == EV_TARGET && !has_target_col(d))
            continue;
        for (size_t i = 0; i < d->rows; i++) {
            if (col == EV_TARGET ? !row_evaluated(d, i) : is_missing(d, col, i))
                continue;
            key k = cell_key(d, col, i);
            int added;
            if (keyset_add(s, &k, 0, d->cols[col].kind[i] == VG_KIND_BOOLEAN, &added) != VG_OK)
                return vg_error_set(err, VG_ERR_NOMEM, "out of memory");
            if (added && s->n > limit) {
                char list[160];
                names_of(s, list, sizeof list);
                if (limit == 2)
                    return cell_error(err, d, col, i,
                                      "makes a third class in a binary task (labels: %s); use "
                                      "--task multiclass, or --classes",
                                      list);
                return cell_error(err, d, col, i, "makes more than %zu classes", limit);
            }
        }
    }
    return VG_OK;
}

static int is_positive_name(const char *s) {
    static const char *const words[] = {"1", "true", "yes"};
    for (size_t w = 0; w < 3; w++) {
        size_t n = strlen(words[w]);
        if (strlen(s) != n)
            continue;
        size_t i = 0;
        while (i < n && tolower((unsigned char)s[i]) == words[w][i])
            i++;
        if (i == n)
            return 1;
    }
    return 0;
}

#define EV_MAX_CLASSES 1000

int vg_eval_plan_make(const vg_eval_data *const *data, size_t nd, const vg_eval_options *o,
                      vg_eval_plan *p, vg_error *err) {
    memset(p, 0, sizeof *p);
    int rc = infer_task(data, nd, o, p, err);
    if (rc != VG_OK)
        return rc;
    if (p->task == VG_TASK_REGRESSION) {
        if (o->n_proba)
            return vg_error_set(err, VG_ERR_INVALID, "--proba applies to classification tasks");
        snprintf(p->prediction_reason, sizeof p->prediction_reason, "prediction '%s': values",
                 o->prediction);
        return VG_OK;
    }
    if (p->task == VG_TASK_BINARY && o->n_proba)
        return vg_error_set(err, VG_ERR_INVALID,
                            "--proba applies to multiclass tasks; for a binary task give the "
                            "positive class's probability column as --prediction");
    ev_keyset *s = keyset_new();
    if (!s)
        return vg_error_set(err, VG_ERR_NOMEM, "out of memory");
    p->keys = s;
    int binary = p->task == VG_TASK_BINARY;
    if (binary)
        infer_prediction(data, nd, o, p);
    else if (o->n_proba) {
        p->proba = 1;
        snprintf(p->prediction_reason, sizeof p->prediction_reason,
                 "%zu per-class probability columns%s%s%s", o->n_proba,
                 o->prediction ? "; labels from '" : " (predicted class: the most probable)",
                 o->prediction ? o->prediction : "", o->prediction ? "'" : "");
    } else
        snprintf(p->prediction_reason, sizeof p->prediction_reason, "prediction '%s': labels",
                 o->prediction);
    size_t limit = binary ? 2 : EV_MAX_CLASSES;
    if (o->n_classes) {
        for (size_t c = 0; c < o->n_classes; c++) {
            key k = text_key(o->classes[c]);
            int added;
            if (keyset_add(s, &k, (uint32_t)c, 0, &added) != VG_OK)
                goto nomem;
            if (!added) {
                vg_eval_plan_free(p);
                return vg_error_set(err, VG_ERR_INVALID, "--classes: '%s' is given twice",
                                    o->classes[c]);
            }
        }
        if (binary && s->n != 2) {
            vg_eval_plan_free(p);
            return vg_error_set(err, VG_ERR_INVALID,
                                "--classes: a binary task has 2 classes, %zu given", s->n);
        }
    } else if (o->n_proba) {
        for (size_t c = 0; c < o->n_proba; c++) {
            key k = text_key(o->proba[c].label);
            int added;
            if (keyset_add(s, &k, 0, 0, &added) != VG_OK)
                goto nomem;
            if (!added) {
                vg_eval_plan_free(p);
                return vg_error_set(err, VG_ERR_INVALID, "--proba: class '%s' is given twice",
                                    o->proba[c].label);
            }
        }
    } else {
        if ((rc = collect_labels(data, nd, EV_TARGET, s, limit, err)) != VG_OK ||
            (!(binary && p->scores) &&
             (rc = collect_labels(data, nd, EV_PRED, s, limit, err)) != VG_OK)) {
            vg_eval_plan_free(p);
            return rc;
        }
    }
    if (o->n_proba && o->n_classes) {
        /* every declared class needs its column, and every column a declared class */
        if (o->n_proba != s->n) {
            vg_eval_plan_free(p);
            return vg_error_set(err, VG_ERR_INVALID,
                                "--proba: %zu columns for %zu classes; give one per class",
                                o->n_proba, s->n);
        }
        for (size_t c = 0; c < o->n_proba; c++) {
            key k = text_key(o->proba[c].label);
            if (keyset_find(s, &k) < 0) {
                vg_eval_plan_free(p);
                return vg_error_set(err, VG_ERR_INVALID,
                                    "--proba: '%s' is not one of the classes (--classes)",
                                    o->proba[c].label);
            }
        }
    }
    if (binary) {
        /* a binary target seen with one class: the other is implied by 0/1, booleans or the
         * positive class given */
        if (s->n == 1 && !s->k[0].is_str && (s->k[0].x == 0 || s->k[0].x == 1)) {
            key k = {0, 1 - s->k[0].x, NULL, 0};
            if (keyset_add(s, &k, 0, s->boolean[0], NULL) != VG_OK)
                goto nomem;
        }
        if (o->pos_label) {
            key k = text_key(o->pos_label);
            long at = keyset_find(s, &k);
            if (at < 0 && s->n < 2) {
                if (keyset_add(s, &k, 0, 0, NULL) != VG_OK)
                    goto nomem;
            } else if (at < 0) {
                char list[160];
                names_of(s, list, sizeof list);
                vg_eval_plan_free(p);
                return vg_error_set(err, VG_ERR_INVALID, "--pos-label: '%s' is not a class (%s)",
                                    o->pos_label, list);
            }
        }
    }
    if (!o->n_classes)
        for (size_t c = 0; c < s->n; c++)
            s->v[c] = (uint32_t)c; /* classes in sorted order */
    p->n_classes = s->n;
    if (!(p->classes = calloc(s->n ? s->n : 1, sizeof *p->classes)))
        goto nomem;
    for (size_t c = 0; c < s->n; c++)
        if (!(p->classes[s->v[c]] = key_name(&s->k[c], s->boolean[c])))
            goto nomem;
    if (binary) {
        if (s->n < 2) {
            /* the message names the class: set it before the plan (and its names) is freed */
            vg_error_set(err, VG_ERR_INVALID,
                         "binary task with a single class '%s': give the other with "
                         "--pos-label or --classes",
                         s->n ? p->classes[0] : "");
            vg_eval_plan_free(p);
            return VG_ERR_INVALID;
        }
        long at = -1;
        if (o->pos_label) {
            key k = text_key(o->pos_label);
            at = (long)s->v[keyset_find(s, &k)];
            snprintf(p->pos_reason, sizeof p->pos_reason, "given with --pos-label");
        } else {
            for (size_t c = 0; c < 2; c++)
                if (is_positive_name(p->classes[c]))
                    at = (long)c;
            if (at < 0) {
                char list[160];
                class_list(list, sizeof list, p->classes, 2);
                vg_eval_plan_free(p);
                return vg_error_set(err, VG_ERR_INVALID,
                                    "which class is positive? neither of %s is 1, true or yes: "
                                    "give --pos-label",
                                    list);
            }
            snprintf(p->pos_reason, sizeof p->pos_reason, "'%s' (default: 1, true or yes)",
                     p->classes[at]);
        }
        p->pos = (size_t)at;
    } else if (s->n < 2) {
        vg_eval_plan_free(p);
        return vg_error_set(err, VG_ERR_INVALID, "multiclass task with fewer than 2 classes");
    }
    return VG_OK;
nomem:
    vg_eval_plan_free(p);
    return vg_error_set(err, VG_ERR_NOMEM, "out of memory");
}

/* ---- fairness groups ----------------------------------------------------------------------------
 */

#define EV_MAX_GROUPS 100000

/* Groups of a sensitive column over the rows `rows[0 .. n)`: its values sorted (numbers, then
 * text), "(missing)" last; grp[k] receives the group of rows[k]. */
static int group_rows(const vg_eval_data *d, size_t col, const size_t *rows, size_t n,
                      uint32_t *grp, char ***names_out, size_t *ng_out, vg_error *err) {
    ev_keyset *s = keyset_new();
    int32_t *tab = NULL;
    char **names = NULL;
    size_t ng = 0;
    int has_missing = 0, rc = VG_OK;
    /* texts are marked by string id and added once each, after the pass */
    unsigned char *used = calloc(d->nstr ? d->nstr : 1, 1);
    if (!s || !used)
        goto nomem;
    for (size_t k = 0; k <= n; k++) {
        key kk;
        if (k == n) {
            /* then the marked texts */
            for (size_t id = 0; id < d->nstr; id++) {
                if (!used[id])
                    continue;
                kk = (key){1, 0, d->str[id], d->str_len[id]};
                if (keyset_add(s, &kk, 0, 0, NULL) != VG_OK)
                    goto nomem;
            }
        } else {
            size_t i = rows[k];
            uint8_t kind = d->cols[col].kind[i];
            if (kind == VG_KIND_MISSING) {
                has_missing = 1;
                continue;
            }
            if (kind == VG_KIND_STRING) {
                used[(uint32_t)d->cols[col].val[i]] = 1;
                continue;
            }
            kk = cell_key(d, col, i);
            if (keyset_add(s, &kk, 0, kind == VG_KIND_BOOLEAN, NULL) != VG_OK)
                goto nomem;
        }
        if (s->n > EV_MAX_GROUPS) {
            rc = vg_error_set(err, VG_ERR_LIMIT,
                              "%s: sensitive column '%s' has more than %d distinct values", d->path,
                              d->cols[col].name, EV_MAX_GROUPS);
            goto out;
        }
    }
    for (size_t g = 0; g < s->n; g++)
        s->v[g] = (uint32_t)g;
    ng = s->n + (size_t)has_missing;
    if (!(names = calloc(ng ? ng : 1, sizeof *names)) || !(tab = string_lookup(d, s)))
        goto nomem;
    for (size_t g = 0; g < s->n; g++)
        if (!(names[g] = key_name(&s->k[g], s->boolean[g])))
            goto nomem;
    if (has_missing && !(names[s->n] = strdup("(missing)")))
        goto nomem;
    for (size_t k = 0; k < n; k++) {
        size_t i = rows[k];
        grp[k] = is_missing(d, col, i) ? (uint32_t)s->n : (uint32_t)lookup(d, col, i, s, tab);
    }
    *names_out = names;
    *ng_out = ng;
    names = NULL;
    goto out;
nomem:
    rc = vg_error_set(err, VG_ERR_NOMEM, "out of memory");
out:
    vg_fair_names_free(names, ng);
    free(used);
    free(tab);
    ev_keyset_free(s);
    return rc;
}

static int fair_one(vg_eval_result *r, const uint8_t *y_true, const uint8_t *y_pred,
                    const uint32_t *grp, size_t n, char **names, size_t ng, char **columns,
                    size_t ncols, const vg_eval_options *o, vg_error *err) {
    vg_fair_options fo;
    vg_fair_options_init(&fo);
    fo.min_group_size = o->min_group_size;
    if (o->reference_group) {
        size_t g = 0;
        while (g < ng && strcmp(names[g], o->reference_group) != 0)
            g++;
        if (g == ng) {
            char list[160];
            class_list(list, sizeof list, names, ng);
            return vg_error_set(err, VG_ERR_INVALID,
                                "--reference-group: no group '%s' in '%s' (groups: %s)",
                                o->reference_group, columns[0], list);
        }
        fo.reference = (int64_t)g;
    }
    vg_eval_fairness *f = &r->fair[r->n_fair];
    int rc = vg_fair_compute(y_true, y_pred, grp, n, (const char *const *)names, ng, &fo,
                             &f->result, err);
    if (rc != VG_OK)
        return rc;
    f->columns = columns;
    f->n_columns = ncols;
    r->n_fair++;
    return VG_OK;
}

static char **dup_names(const char *const *src, size_t n) {
    char **out = calloc(n, sizeof *out);
    for (size_t i = 0; out && i < n; i++)
        if (!(out[i] = strdup(src[i]))) {
            vg_fair_names_free(out, i);
            return NULL;
        }
    return out;
}

static int fairness(vg_eval_result *r, const vg_eval_data *d, const vg_eval_options *o,
                    const size_t *rows, size_t n, const uint8_t *y_true, const uint8_t *y_pred,
                    vg_error *err) {
    size_t ns = o->n_sensitive, first = EV_FIRST_PROBA + d->n_proba;
    int cross = o->intersections && ns >= 2;
    r->fair = calloc(ns + (size_t)cross, sizeof *r->fair);
    uint32_t *grp = malloc((n ? n : 1) * sizeof *grp * (cross ? 2 : 1));
    uint32_t *acc = cross ? grp + n : NULL;
    char **acc_names = NULL;
    size_t acc_n = 0;
    int rc = VG_OK;
    if (!r->fair || !grp) {
        rc = vg_error_set(err, VG_ERR_NOMEM, "out of memory");
        goto out;
    }
    for (size_t k = 0; k < ns; k++) {
        char **names = NULL, **cols = NULL;
        size_t ng = 0;
        if ((rc = group_rows(d, first + k, rows, n, grp, &names, &ng, err)) != VG_OK)
            goto out;
        if (!(cols = dup_names(&o->sensitive[k], 1))) {
            vg_fair_names_free(names, ng);
            rc = vg_error_set(err, VG_ERR_NOMEM, "out of memory");
            goto out;
        }
        rc = fair_one(r, y_true, y_pred, grp, n, names, ng, cols, 1, o, err);
        if (rc != VG_OK)
            vg_fair_names_free(cols, 1);
        if (rc == VG_OK && cross) {
            if (k == 0) {
                memcpy(acc, grp, n * sizeof *acc);
                acc_names = names;
                acc_n = ng;
                names = NULL;
            } else {
                char **crossed = NULL;
                rc = vg_fair_cross(acc, acc_n, (const char *const *)acc_names, grp, ng,
                                   (const char *const *)names, n, acc, &crossed, err);
                if (rc == VG_OK) {
                    vg_fair_names_free(acc_names, acc_n);
                    acc_names = crossed;
                    acc_n *= ng;
                }
            }
        }
        vg_fair_names_free(names, ng);
        if (rc != VG_OK)
            goto out;
    }
    if (cross) {
        char **cols = dup_names(o->sensitive, ns);
        if (!cols) {
            rc = vg_error_set(err, VG_ERR_NOMEM, "out of memory");
            goto out;
        }
        /* the reference group named for single columns may not exist crossed: default there */
        vg_eval_options oc = *o;
        oc.reference_group = NULL;
        if ((rc = fair_one(r, y_true, y_pred, acc, n, acc_names, acc_n, cols, ns, &oc, err)) !=
            VG_OK)
            vg_fair_names_free(cols, ns);
    }
out:
    vg_fair_names_free(acc_names, acc_n);
    free(grp);
    return rc;
}

/* ---- evaluation
 * ----------------------------------------------------------------------------------- */

void vg_eval_result_free(vg_eval_result *r) {
    if (!r)
        return;
    vg_perf_binary_free(&r->binary);
    vg_perf_multiclass_free(&r->multiclass);
    for (size_t k = 0; k < r->n_fair; k++) {
        vg_fair_names_free(r->fair[k].columns, r->fair[k].n_columns);
        vg_fair_result_free(r->fair[k].result);
    }
    free(r->fair);
    free(r->path);
    free(r);
}

static int number_in(const vg_eval_data *d, size_t col, size_t i, int prob, double *x,
                     vg_error *err) {
    if (!cell_is_number(d, col, i))
        return cell_error(err, d, col, i, "is not a number%s",
                          prob ? " (this column holds probability scores)" : "");
    *x = d->cols[col].val[i];
    if (prob && !(*x >= 0 && *x <= 1))
        return cell_error(err, d, col, i, "is not a probability in [0, 1]");
    if (!isfinite(*x))
        return cell_error(err, d, col, i, "is not a finite number");
    return VG_OK;
}

static int label_of(const vg_eval_data *d, size_t col, size_t i, const vg_eval_plan *p,
                    const int32_t *tab, uint32_t *cls, vg_error *err) {
    long c = lookup(d, col, i, p->keys, tab);
    if (c < 0) {
        char list[200];
        class_list(list, sizeof list, p->classes, p->n_classes);
        return cell_error(err, d, col, i, "is not one of the classes (%s)", list);
    }
    *cls = (uint32_t)c;
    return VG_OK;
}

static const double regression_q[VG_EVAL_MAX_NQ] = {0.05, 0.25, 0.5, 0.75, 0.95};

int vg_eval_compute(const vg_eval_data *d, const vg_eval_plan *p, const vg_eval_options *o,
                    int allow_empty, vg_eval_result **out, vg_error *err) {
    vg_eval_result *r = calloc(1, sizeof *r);
    size_t n = (size_t)d->rows, k = p->n_classes, m = 0;
    size_t *rows = malloc((n ? n : 1) * sizeof *rows);
    uint8_t *y_true = NULL, *y_pred = NULL;
    uint32_t *c_true = NULL, *c_pred = NULL;
    double *score = NULL, *proba = NULL, *v_true = NULL, *v_pred = NULL;
    int32_t *tab = NULL;
    int rc = VG_OK;
    if (!r || !rows || !(r->path = strdup(d->path)))
        goto nomem;
    r->plan = p;
    r->rows = d->rows;
    r->threshold = o->threshold;
    memcpy(r->quantile_q, regression_q, sizeof regression_q);
    int labels = has_target_col(d);
    for (size_t i = 0; i < n; i++) {
        int tmiss = !labels || is_missing(d, EV_TARGET, i), pmiss = !pred_present(d, i);
        r->missing_target += (uint64_t)tmiss;
        r->missing_prediction += (uint64_t)pmiss;
        if (!pmiss && !tmiss)
            rows[m++] = i;
    }
    r->has_labels = labels && r->missing_target < d->rows;
    if (!r->has_labels) {
        /* unlabelled: keep the rows with a prediction (fairness selection rates, CBPE) */
        m = 0;
        for (size_t i = 0; i < n; i++)
            if (pred_present(d, i))
                rows[m++] = i;
    } else {
        r->evaluated = m;
    }
    r->excluded = r->rows - r->evaluated;
    if (r->has_labels && m == 0 && !allow_empty) {
        rc = vg_error_set(err, VG_ERR_PARSE,
                          "%s: no row has both a target and a prediction (%llu rows: %llu "
                          "without a target, %llu without a prediction)",
                          d->path, (unsigned long long)r->rows,
                          (unsigned long long)r->missing_target,
                          (unsigned long long)r->missing_prediction);
        goto out;
    }
    if (d->nstr && p->keys && !(tab = string_lookup(d, p->keys)))
        goto nomem;
    size_t mm = m ? m : 1;
    int with_labels = r->has_labels;
    if (p->task == VG_TASK_BINARY) {
        if (!(y_true = malloc(mm)) || !(y_pred = malloc(mm)) ||
            (p->scores && !(score = malloc(mm * sizeof *score))))
            goto nomem;
        for (size_t j = 0; j < m; j++) {
            size_t i = rows[j];
            uint32_t c;
            if (with_labels) {
                if ((rc = label_of(d, EV_TARGET, i, p, tab, &c, err)) != VG_OK)
                    goto out;
                y_true[j] = c == p->pos;
            }
            if (p->scores) {
                if ((rc = number_in(d, EV_PRED, i, 1, &score[j], err)) != VG_OK)
                    goto out;
                y_pred[j] = score[j] >= o->threshold;
            } else {
                if ((rc = label_of(d, EV_PRED, i, p, tab, &c, err)) != VG_OK)
                    goto out;
                y_pred[j] = c == p->pos;
            }
        }
        if (with_labels && m > 0) {
            vg_perf_binary_opts bo;
            vg_perf_binary_opts_init(&bo);
            bo.threshold = o->threshold;
            bo.curve_points = o->curve_points;
            bo.calibration_bins = o->calibration_bins;
            if ((rc = vg_perf_binary_compute(y_true, score, y_pred, m, &bo, &r->binary, err)) !=
                VG_OK)
                goto out;
            r->computed = 1;
        }
        if (o->n_sensitive &&
            (rc = fairness(r, d, o, rows, m, with_labels ? y_true : NULL, y_pred, err)) != VG_OK)
            goto out;
    } else if (p->task == VG_TASK_MULTICLASS) {
        if (!(c_true = malloc(mm * sizeof *c_true)) ||
            (o->prediction && !(c_pred = malloc(mm * sizeof *c_pred))) ||
            (p->proba && !(proba = malloc(mm * k * sizeof *proba))))
            goto nomem;
        /* the class of each proba column */
        uint32_t *col_class = NULL;
        if (p->proba) {
            if (!(col_class = malloc(o->n_proba * sizeof *col_class)))
                goto nomem;
            for (size_t c = 0; c < o->n_proba; c++) {
                key kk = text_key(o->proba[c].label);
                col_class[c] = ((ev_keyset *)p->keys)->v[keyset_find(p->keys, &kk)];
            }
        }
        for (size_t j = 0; j < m && rc == VG_OK; j++) {
            size_t i = rows[j];
            if (with_labels)
                rc = label_of(d, EV_TARGET, i, p, tab, &c_true[j], err);
            if (rc == VG_OK && c_pred)
                rc = label_of(d, EV_PRED, i, p, tab, &c_pred[j], err);
            for (size_t c = 0; rc == VG_OK && proba && c < o->n_proba; c++)
                rc = number_in(d, EV_FIRST_PROBA + c, i, 1, &proba[j * k + col_class[c]], err);
        }
        free(col_class);
        if (rc != VG_OK)
            goto out;
        if (with_labels && m > 0) {
            if ((rc = vg_perf_multiclass_compute(c_true, c_pred, proba, m, (uint32_t)k,
                                                 proba ? o->top_k : 0, &r->multiclass, err)) !=
                VG_OK)
                goto out;
            r->computed = 1;
        }
    } else {
        if (!(v_true = malloc(mm * sizeof *v_true)) || !(v_pred = malloc(mm * sizeof *v_pred)))
            goto nomem;
        for (size_t j = 0; j < m && rc == VG_OK; j++) {
            if (with_labels)
                rc = number_in(d, EV_TARGET, rows[j], 0, &v_true[j], err);
            if (rc == VG_OK)
                rc = number_in(d, EV_PRED, rows[j], 0, &v_pred[j], err);
        }
        if (rc != VG_OK)
            goto out;
        if (with_labels && m > 0) {
            if ((rc = vg_perf_regression_compute(v_true, v_pred, m, regression_q, VG_EVAL_MAX_NQ,
                                                 &r->regression, err)) != VG_OK)
                goto out;
            r->computed = 1;
        }
    }
    if (o->n_sensitive && p->task != VG_TASK_BINARY)
        snprintf(r->fairness_note, sizeof r->fairness_note,
                 "fairness metrics apply to binary classification only (this task is %s)",
                 vg_task_name(p->task));
    goto out;
nomem:
    rc = vg_error_set(err, VG_ERR_NOMEM, "out of memory");
out:
    free(rows);
    free(y_true);
    free(y_pred);
    free(c_true);
    free(c_pred);
    free(score);
    free(proba);
    free(v_true);
    free(v_pred);
    free(tab);
    if (rc != VG_OK) {
        vg_eval_result_free(r);
        return rc;
    }
    *out = r;
    return VG_OK;
}

/* ---- CBPE
 * ----------------------------------------------------------------------------------------- */

int vg_eval_estimate(const vg_eval_data *ref, const vg_eval_data *cur, const vg_eval_plan *p,
                     const vg_eval_options *o, vg_estimate_result **out, vg_error *err) {
    if (p->task != VG_TASK_BINARY || !p->scores)
        return vg_error_set(err, VG_ERR_INVALID,
                            "label-free estimation needs a binary task with probability scores");
    size_t nr = (size_t)ref->rows, nc = (size_t)cur->rows, mr = 0, mc = 0;
    double *rs = malloc((nr ? nr : 1) * sizeof *rs), *cs = malloc((nc ? nc : 1) * sizeof *cs);
    uint8_t *ry = malloc(nr ? nr : 1);
    int32_t *tab = ref->nstr ? string_lookup(ref, p->keys) : NULL;
    int rc = VG_OK;
    if (!rs || !cs || !ry || (ref->nstr && !tab)) {
        rc = vg_error_set(err, VG_ERR_NOMEM, "out of memory");
        goto out;
    }
    for (size_t i = 0; i < nr && rc == VG_OK && has_target_col(ref); i++) {
        if (!row_evaluated(ref, i))
            continue;
        uint32_t c;
        if ((rc = label_of(ref, EV_TARGET, i, p, tab, &c, err)) == VG_OK &&
            (rc = number_in(ref, EV_PRED, i, 1, &rs[mr], err)) == VG_OK)
            ry[mr++] = c == p->pos;
    }
    for (size_t i = 0; i < nc && rc == VG_OK; i++)
        if (!is_missing(cur, EV_PRED, i))
            rc = number_in(cur, EV_PRED, i, 1, &cs[mc++], err);
    if (rc != VG_OK)
        goto out;
    if (mr == 0 || mc == 0) {
        rc =
            vg_error_set(err, VG_ERR_INVALID, "%s: no row with %s", mr == 0 ? ref->path : cur->path,
                         mr == 0 ? "both a label and a score" : "a score");
        goto out;
    }
    vg_estimate_options eo;
    vg_estimate_options_init(&eo);
    eo.threshold = o->threshold;
    rc = vg_estimate_cbpe(rs, ry, mr, cs, mc, &eo, out, err);
out:
    free(rs);
    free(cs);
    free(ry);
    free(tab);
    return rc;
}
