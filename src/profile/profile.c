/*
 * Dataset profiles: a growable list of column profiles with a name index, cell updates and
 * merging (see vigia/profile.h).
 *
 * vg_profile_add_text is the innermost loop of `vigia profile`: one classification, and for
 * each non-missing value one hash that HyperLogLog and the frequent-items summary share.
 */
#include <stdlib.h>
#include <string.h>

#include "../base/hash.h"
#include "../base/utf8.h"
#include "vigia/profile.h"
#include "vigia/reader.h"

/* Booleans hash by value, so "True" and "true" are one distinct value. */
#define HASH_TRUE 0x5be1a1e5f00dULL
#define HASH_FALSE 0xfa15eb0015ULL

const char *vg_coltype_name(vg_coltype t) {
    switch (t) {
    case VG_TYPE_EMPTY: return "empty";
    case VG_TYPE_INTEGER: return "integer";
    case VG_TYPE_FRACTIONAL: return "fractional";
    case VG_TYPE_BOOLEAN: return "boolean";
    case VG_TYPE_STRING: return "string";
    }
    return "unknown";
}

void vg_profile_options_default(vg_profile_options *o) {
    o->kll_k = VG_KLL_DEFAULT_K;
    o->hll_p = VG_HLL_DEFAULT_P;
    o->top_capacity = VG_FREQ_DEFAULT_CAPACITY;
    o->seed = 0x7669676961ULL; /* "vigia" */
}

uint64_t vg_column_count(const vg_column *c) {
    return c->n_integer + c->n_fractional + c->n_boolean + c->n_string;
}

vg_coltype vg_column_type(const vg_column *c) {
    uint64_t n = vg_column_count(c);
    if (n == 0)
        return VG_TYPE_EMPTY;
    if (c->n_integer == n)
        return VG_TYPE_INTEGER;
    if (c->n_integer + c->n_fractional == n)
        return VG_TYPE_FRACTIONAL;
    if (c->n_boolean == n)
        return VG_TYPE_BOOLEAN;
    return VG_TYPE_STRING;
}

double vg_column_distinct(const vg_column *c, int *exact) {
    if (!c->numbers_uncounted && vg_freq_offset(c->freq) == 0) {
        if (exact)
            *exact = 1;
        return (double)(vg_freq_size(c->freq) + vg_freq_size(c->freq_num));
    }
    if (exact)
        *exact = 0;
    return vg_hll_estimate(c->hll);
}

static void column_free(vg_column *c) {
    if (!c)
        return;
    free(c->name);
    vg_kll_free(c->kll);
    vg_hll_free(c->hll);
    vg_freq_free(c->freq);
    vg_freq_free(c->freq_num);
    free(c);
}

/* A new, empty column; each column's KLL gets its own seed so that columns (and shards, see
 * ingest.c) do not share coin flips. */
static vg_column *column_new(const vg_profile_options *o, const char *name, size_t len,
                             uint64_t salt) {
    vg_column *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    c->name = malloc(len + 1);
    c->kll = vg_kll_new(o->kll_k, vg_hash_fmix64(o->seed + salt) | 1);
    c->hll = vg_hll_new(o->hll_p);
    c->freq = vg_freq_new(o->top_capacity);
    c->freq_num = vg_freq_new(o->top_capacity);
    if (!c->name || !c->kll || !c->hll || !c->freq || !c->freq_num) {
        column_free(c);
        return NULL;
    }
    memcpy(c->name, name, len);
    c->name[len] = '\0';
    vg_moments_init(&c->moments);
    return c;
}

vg_profile *vg_profile_new(const vg_profile_options *opts, vg_error *err) {
    vg_profile *p = calloc(1, sizeof *p);
    if (!p) {
        vg_error_set(err, VG_ERR_NOMEM, "out of memory");
        return NULL;
    }
    if (opts)
        p->opts = *opts;
    else
        vg_profile_options_default(&p->opts);
    const vg_profile_options *o = &p->opts;
    if (o->kll_k < VG_KLL_MIN_K || o->kll_k > VG_KLL_MAX_K) {
        vg_error_set(err, VG_ERR_INVALID, "KLL k must be between %d and %d, not %u", VG_KLL_MIN_K,
                     VG_KLL_MAX_K, o->kll_k);
        free(p);
        return NULL;
    }
    if (o->hll_p < VG_HLL_MIN_P || o->hll_p > VG_HLL_MAX_P) {
        vg_error_set(err, VG_ERR_INVALID, "HyperLogLog precision must be between %d and %d, not %u",
                     VG_HLL_MIN_P, VG_HLL_MAX_P, o->hll_p);
        free(p);
        return NULL;
    }
    if (o->top_capacity < VG_FREQ_MIN_CAPACITY || o->top_capacity > VG_FREQ_MAX_CAPACITY) {
        vg_error_set(err, VG_ERR_INVALID, "top-values capacity must be between %d and %u, not %u",
                     VG_FREQ_MIN_CAPACITY, VG_FREQ_MAX_CAPACITY, o->top_capacity);
        free(p);
        return NULL;
    }
    return p;
}

void vg_profile_free(vg_profile *p) {
    if (!p)
        return;
    for (size_t i = 0; i < p->ncols; i++)
        column_free(p->cols[i]);
    free(p->cols);
    free(p->name_index);
    free(p->scratch);
    free(p->hash_scratch);
    free(p);
}

static uint32_t *index_slot(const vg_profile *p, uint32_t *index, size_t cap, const char *name,
                            size_t len) {
    size_t i = vg_hash_bytes(name, len) & (cap - 1);
    for (;;) {
        uint32_t v = index[i];
        if (v == 0)
            return &index[i];
        const char *n = p->cols[v - 1]->name;
        if (strlen(n) == len && memcmp(n, name, len) == 0)
            return &index[i];
        i = (i + 1) & (cap - 1);
    }
}

int vg_profile_find_column(const vg_profile *p, const char *name, size_t len) {
    if (!p->name_index)
        return -1;
    uint32_t v = *index_slot(p, p->name_index, p->name_cap, name, len);
    return v ? (int)v - 1 : -1;
}

static int grow_index(vg_profile *p) {
    size_t cap = p->name_cap ? p->name_cap * 2 : 64;
    uint32_t *index = calloc(cap, sizeof *index);
    if (!index)
        return VG_ERR_NOMEM;
    for (size_t i = 0; i < p->ncols; i++) {
        const char *n = p->cols[i]->name;
        *index_slot(p, index, cap, n, strlen(n)) = (uint32_t)i + 1;
    }
    free(p->name_index);
    p->name_index = index;
    p->name_cap = cap;
    return VG_OK;
}

int vg_profile_add_column(vg_profile *p, const char *name, size_t len, vg_error *err) {
    if (memchr(name, '\0', len))
        return vg_error_set(err, VG_ERR_INVALID, "column name contains a NUL byte");
    if (!vg_utf8_valid(name, len))
        return vg_error_set(err, VG_ERR_INVALID, "column name is not valid UTF-8");
    if (vg_profile_find_column(p, name, len) >= 0)
        return vg_error_set(err, VG_ERR_INVALID, "duplicate column name '%.*s'", (int)len, name);
    if (p->ncols >= INT32_MAX / 2)
        return vg_error_set(err, VG_ERR_LIMIT, "too many columns");
    if ((p->ncols + 1) * 2 > p->name_cap && grow_index(p) != VG_OK)
        return vg_error_set(err, VG_ERR_NOMEM, "out of memory adding a column");
    vg_column **cols = realloc(p->cols, (p->ncols + 1) * sizeof *cols);
    if (!cols)
        return vg_error_set(err, VG_ERR_NOMEM, "out of memory adding a column");
    p->cols = cols;
    vg_column *c = column_new(&p->opts, name, len, p->ncols);
    if (c && p->kll_parts > 1 && vg_kll_set_parts(c->kll, p->kll_parts) != VG_OK) {
        column_free(c);
        c = NULL;
    }
    if (!c)
        return vg_error_set(err, VG_ERR_NOMEM, "out of memory adding a column");
    c->missing = p->rows;
    p->cols[p->ncols] = c;
    *index_slot(p, p->name_index, p->name_cap, name, len) = (uint32_t)p->ncols + 1;
    return (int)p->ncols++;
}

/* Counts numbers, exactly, until the column shows more than top_capacity distinct numbers;
 * then numbers are no longer counted (see vigia/profile.h). Strings and booleans go to the
 * Misra-Gries summary directly. xs holds no -0.0 (folded into 0.0, as its hash is). */
static int count_numbers(vg_column *c, const uint64_t *hs, const double *xs, size_t m) {
    if (c->numbers_uncounted)
        return VG_OK;
    long added = vg_freq_count_numbers(c->freq_num, hs, xs, m);
    if (added < 0)
        return VG_ERR_NOMEM;
    if ((size_t)added < m) {
        vg_freq_clear(c->freq_num);
        c->numbers_uncounted = 1;
    }
    return VG_OK;
}

static int cmp_item(const void *a, const void *b) {
    return vg_freq_item_cmp(a, b);
}

size_t vg_column_top(const vg_column *c, vg_freq_item *out, size_t max) {
    vg_freq_item tmp[128];
    if (max > 64)
        max = 64;
    size_t n = vg_freq_top(c->freq, tmp, max);
    n += vg_freq_top(c->freq_num, tmp + n, max);
    qsort(tmp, n, sizeof *tmp, cmp_item);
    if (n > max)
        n = max;
    memcpy(out, tmp, n * sizeof *out);
    return n;
}

uint64_t vg_column_top_error(const vg_column *c) {
    return vg_freq_offset(c->freq);
}

/* One column of a block: strings and booleans go straight to the sketches; numbers are
 * parsed into xs and then handed to each sketch as a block (hs: room for their hashes). */
static int column_add_block(vg_column *c, const char *const *data, const size_t *len, size_t stride,
                            size_t nrows, double *xs, uint64_t *hs) {
    size_t m = 0;
    for (size_t i = 0; i < nrows; i++) {
        const char *s = data[i * stride];
        size_t n = len[i * stride];
        double x;
        uint64_t h;
        switch (vg_classify(s, n, &x)) {
        case VG_KIND_MISSING: c->missing++; continue;
        case VG_KIND_INTEGER:
            c->n_integer++;
            xs[m++] = x;
            continue;
        case VG_KIND_FRACTIONAL:
            c->n_fractional++;
            xs[m++] = x;
            continue;
        case VG_KIND_BOOLEAN:
            c->n_boolean++;
            h = vg_hash_fmix64(x != 0 ? HASH_TRUE : HASH_FALSE);
            break;
        default:
            c->n_string++;
            h = vg_hash_bytes(s, n);
            break;
        }
        vg_hll_update_hash(c->hll, h);
        if (vg_freq_update(c->freq, h, s, n, 1) != VG_OK)
            return VG_ERR_NOMEM;
    }
    if (m == 0)
        return VG_OK;
    vg_moments_update_batch(&c->moments, xs, m);
    if (vg_kll_update_batch(c->kll, xs, m) != VG_OK)
        return VG_ERR_NOMEM;
    for (size_t i = 0; i < m; i++) {
        xs[i] = xs[i] == 0 ? 0.0 : xs[i];
        hs[i] = vg_hash_double(xs[i]);
    }
    vg_hll_update_hashes(c->hll, hs, m);
    return count_numbers(c, hs, xs, m);
}

int vg_profile_add_text(vg_profile *p, size_t col, const char *s, size_t len) {
    double x;
    uint64_t h;
    return column_add_block(p->cols[col], &s, &len, 1, 1, &x, &h);
}

int vg_profile_add_batch(vg_profile *p, const vg_batch *b) {
    if (b->ncols > p->ncols)
        return VG_ERR_INVALID;
    if (b->nrows > p->scratch_cap) {
        double *s = realloc(p->scratch, b->nrows * sizeof *s);
        if (s)
            p->scratch = s;
        uint64_t *h = realloc(p->hash_scratch, b->nrows * sizeof *h);
        if (h)
            p->hash_scratch = h;
        if (!s || !h)
            return VG_ERR_NOMEM;
        p->scratch_cap = b->nrows;
    }
    for (size_t j = 0; j < b->ncols; j++) {
        int rc = column_add_block(p->cols[j], b->data + j, b->len + j, b->ncols, b->nrows,
                                  p->scratch, p->hash_scratch);
        if (rc != VG_OK)
            return rc;
    }
    /* columns the block does not have (NDJSON keys not in these rows) are missing */
    for (size_t j = b->ncols; j < p->ncols; j++)
        p->cols[j]->missing += b->nrows;
    p->rows += b->nrows;
    return VG_OK;
}

void vg_profile_end_rows(vg_profile *p, uint64_t rows) {
    p->rows += rows;
}

static int column_merge(vg_column *d, const vg_column *s, vg_error *err) {
    int rc;
    if ((rc = vg_kll_merge(d->kll, s->kll, err)) != VG_OK ||
        (rc = vg_hll_merge(d->hll, s->hll, err)) != VG_OK)
        return rc;
    if ((rc = vg_freq_merge(d->freq, s->freq, err)) != VG_OK)
        return rc;
    if (s->numbers_uncounted)
        d->numbers_uncounted = 1;
    else if (!d->numbers_uncounted && (rc = vg_freq_merge(d->freq_num, s->freq_num, err)) != VG_OK)
        return rc;
    /* more distinct numbers together than the capacity: the merge had to purge */
    if (vg_freq_offset(d->freq_num) > 0)
        d->numbers_uncounted = 1;
    if (d->numbers_uncounted)
        vg_freq_clear(d->freq_num);
    d->missing += s->missing;
    d->n_integer += s->n_integer;
    d->n_fractional += s->n_fractional;
    d->n_boolean += s->n_boolean;
    d->n_string += s->n_string;
    vg_moments_merge(&d->moments, &s->moments);
    return VG_OK;
}

int vg_profile_merge(vg_profile *dst, const vg_profile *src, vg_error *err) {
    if (dst == src)
        return vg_error_set(err, VG_ERR_INVALID, "cannot merge a profile into itself");
    const vg_profile_options *a = &dst->opts, *b = &src->opts;
    if (a->kll_k != b->kll_k || a->hll_p != b->hll_p || a->top_capacity != b->top_capacity)
        return vg_error_set(err, VG_ERR_MISMATCH,
                            "cannot merge profiles built with different sketch settings "
                            "(kll k %u/%u, hll p %u/%u, top capacity %u/%u)",
                            a->kll_k, b->kll_k, a->hll_p, b->hll_p, a->top_capacity,
                            b->top_capacity);
    /* With the options checked above, what remains can fail only for lack of memory; then
     * dst is left part-merged and the caller must discard it (documented in profile.h).
     * Columns new to dst start with dst->rows missing, as add_column sets. */
    size_t old_ncols = dst->ncols;
    char *seen = calloc(old_ncols + 1, 1);
    if (!seen)
        return vg_error_set(err, VG_ERR_NOMEM, "out of memory merging profiles");
    int rc = VG_OK;
    for (size_t i = 0; i < src->ncols && rc == VG_OK; i++) {
        const vg_column *sc = src->cols[i];
        size_t len = strlen(sc->name);
        int j = vg_profile_find_column(dst, sc->name, len);
        if (j < 0) {
            j = vg_profile_add_column(dst, sc->name, len, err);
            if (j < 0) {
                rc = j;
                break;
            }
        } else if ((size_t)j < old_ncols) {
            seen[j] = 1;
        }
        rc = column_merge(dst->cols[j], sc, err);
    }
    if (rc == VG_OK)
        for (size_t j = 0; j < old_ncols; j++)
            if (!seen[j])
                dst->cols[j]->missing += src->rows;
    free(seen);
    if (rc != VG_OK)
        return rc;
    dst->rows += src->rows;
    dst->bad_rows += src->bad_rows;
    return VG_OK;
}
