/*
 * vg_samples: a dataset held in memory for exact comparisons.
 *
 * Per column: the numeric values in file order (for KS, Wasserstein and the other tests on
 * raw values) and a count per distinct value (for chi-squared and the categorical scores).
 * A value's category key is its canonical text: the shortest round-trip form for numbers (so
 * "1", "1.0" and "1e0" are one category), "true"/"false" for booleans, the text itself for
 * strings. Cells are typed by the same classifier as profiles (vg_classify). A purely numeric
 * column stops counting categories past VG_SAMPLES_MAX_NUMERIC_CATEGORIES distinct numbers.
 */
#include <stdlib.h>
#include <string.h>

#include "../base/fmt.h"
#include "../base/hash.h"
#include "../base/sort.h"
#include "internal.h"
#include "vigia/profile.h"

static void column_free(vg_samples_column *c) {
    free(c->name);
    free(c->num);
    for (size_t i = 0; i < c->ncat; i++)
        free(c->cat[i].text);
    free(c->cat);
    free(c->cat_index);
    free(c->numtab);
}

void vg_samples_free(vg_samples *s) {
    if (!s)
        return;
    for (size_t i = 0; i < s->ncols; i++)
        column_free(&s->cols[i]);
    free(s->cols);
    free(s->row_hash);
    free(s);
}

uint64_t vg_samples_rows(const vg_samples *s) {
    return s->rows;
}

static uint32_t *cat_slot(const vg_samples_column *c, uint32_t *index, size_t cap, uint64_t h,
                          const char *t, size_t n) {
    size_t i = h & (cap - 1);
    for (;;) {
        uint32_t v = index[i];
        if (v == 0)
            return &index[i];
        const vg_samples_category *k = &c->cat[v - 1];
        if (k->hash == h && k->len == n && memcmp(k->text, t, n) == 0)
            return &index[i];
        i = (i + 1) & (cap - 1);
    }
}

int vg_samples_find_category(const vg_samples_column *c, const char *t, size_t n) {
    if (!c->cat_index)
        return -1;
    uint32_t v = *cat_slot(c, c->cat_index, c->cat_cap, vg_hash_bytes(t, n), t, n);
    return v ? (int)v - 1 : -1;
}

static int count_category(vg_samples_column *c, const char *t, size_t n) {
    uint64_t h = vg_hash_bytes(t, n);
    if ((c->ncat + 1) * 2 > c->cat_cap) {
        size_t cap = c->cat_cap ? c->cat_cap * 2 : 64;
        uint32_t *index = calloc(cap, sizeof *index);
        if (!index)
            return VG_ERR_NOMEM;
        for (size_t i = 0; i < c->ncat; i++)
            *cat_slot(c, index, cap, c->cat[i].hash, c->cat[i].text, c->cat[i].len) =
                (uint32_t)i + 1;
        free(c->cat_index);
        c->cat_index = index;
        c->cat_cap = cap;
        vg_samples_category *cat = realloc(c->cat, cap / 2 * sizeof *cat);
        if (!cat)
            return VG_ERR_NOMEM;
        c->cat = cat;
    }
    uint32_t *slot = cat_slot(c, c->cat_index, c->cat_cap, h, t, n);
    if (*slot) {
        c->cat[*slot - 1].count++;
        return VG_OK;
    }
    vg_samples_category *k = &c->cat[c->ncat];
    k->text = malloc(n + 1);
    if (!k->text)
        return VG_ERR_NOMEM;
    memcpy(k->text, t, n);
    k->text[n] = '\0';
    k->len = n;
    k->hash = h;
    k->count = 1;
    k->order = c->next_order++;
    *slot = (uint32_t)++c->ncat;
    return VG_OK;
}

static vg_samples_number *number_slot(vg_samples_number *tab, size_t cap, double x) {
    size_t i = vg_hash_double(x) & (cap - 1);
    while (tab[i].count != 0 && tab[i].value != x)
        i = (i + 1) & (cap - 1);
    return &tab[i];
}

/* Counts x (not -0) among the column's distinct numbers. A purely numeric column stops at
 * VG_SAMPLES_MAX_NUMERIC_CATEGORIES distinct numbers and counts none from then on. */
static int count_number(vg_samples_column *c, double x) {
    if (c->numbers_uncounted)
        return VG_OK;
    if ((c->nnumtab + 1) * 2 > c->numtab_cap) {
        if (c->n_other == 0 && c->ncat == 0 && c->nnumtab >= VG_SAMPLES_MAX_NUMERIC_CATEGORIES &&
            number_slot(c->numtab, c->numtab_cap, x)->count == 0) {
            c->numbers_uncounted = 1; /* only numbers so far: drop them all */
            free(c->numtab);
            c->numtab = NULL;
            c->nnumtab = c->numtab_cap = 0;
            return VG_OK;
        }
        size_t cap = c->numtab_cap ? c->numtab_cap * 2 : 64;
        vg_samples_number *tab = calloc(cap, sizeof *tab);
        if (!tab)
            return VG_ERR_NOMEM;
        for (size_t i = 0; i < c->numtab_cap; i++)
            if (c->numtab[i].count)
                *number_slot(tab, cap, c->numtab[i].value) = c->numtab[i];
        free(c->numtab);
        c->numtab = tab;
        c->numtab_cap = cap;
    }
    vg_samples_number *e = number_slot(c->numtab, c->numtab_cap, x);
    if (e->count == 0) {
        if (c->n_other == 0 && c->ncat == 0 && c->nnumtab >= VG_SAMPLES_MAX_NUMERIC_CATEGORIES) {
            c->numbers_uncounted = 1;
            free(c->numtab);
            c->numtab = NULL;
            c->nnumtab = c->numtab_cap = 0;
            return VG_OK;
        }
        e->value = x;
        e->order = c->next_order++;
        c->nnumtab++;
    }
    e->count++;
    return VG_OK;
}

/* Adds `count` occurrences of a category (which may exist already). */
static int add_category(vg_samples_column *c, const char *t, size_t n, uint64_t count) {
    int rc = count_category(c, t, n);
    if (rc == VG_OK)
        c->cat[vg_samples_find_category(c, t, n)].count += count - 1;
    return rc;
}

static int cmp_order(const void *a, const void *b) {
    uint64_t x = ((const vg_samples_number *)a)->order, y = ((const vg_samples_number *)b)->order;
    return (x > y) - (x < y);
}

/* End of loading: the distinct numbers join the text categories under their canonical text,
 * in order of first appearance, and the numbers are sorted. */
static int cmp_value(const void *a, const void *b) {
    double x = ((const vg_samples_number *)a)->value, y = ((const vg_samples_number *)b)->value;
    return (x > y) - (x < y);
}

static int finish_column(vg_samples_column *c, uint64_t *scratch) {
    size_t m = 0;
    for (size_t i = 0; i < c->numtab_cap; i++)
        if (c->numtab[i].count)
            c->numtab[m++] = c->numtab[i];
    uint64_t counted = 0;
    for (size_t i = 0; i < m; i++)
        counted += c->numtab[i].count;
    if (m > 0 && counted == c->nnum) {
        /* every number is in the table of distinct numbers: writing each value count times in
         * value order sorts the column in one pass (a counting sort) */
        qsort(c->numtab, m, sizeof *c->numtab, cmp_value);
        size_t k = 0;
        for (size_t i = 0; i < m; i++)
            for (uint64_t r = 0; r < c->numtab[i].count; r++)
                c->num[k++] = c->numtab[i].value;
    } else if (scratch) {
        vg_sort_doubles_buf(c->num, c->nnum, scratch);
    } else {
        vg_sort_doubles(c->num, c->nnum);
    }
    if (m == 0) {
        free(c->numtab);
        c->numtab = NULL;
        c->nnumtab = c->numtab_cap = 0;
        return VG_OK;
    }
    qsort(c->numtab, m, sizeof *c->numtab, cmp_order);
    /* the text categories keep their order: merge by first appearance into a fresh table */
    vg_samples_category *old = c->cat;
    size_t nold = c->ncat;
    c->cat = NULL;
    c->ncat = 0;
    free(c->cat_index);
    c->cat_index = NULL;
    c->cat_cap = 0;
    size_t i = 0, j = 0;
    int rc = VG_OK;
    char buf[40];
    while (rc == VG_OK && (i < nold || j < m)) {
        if (j >= m || (i < nold && old[i].order < c->numtab[j].order)) {
            rc = add_category(c, old[i].text, old[i].len, old[i].count);
            i++;
        } else {
            size_t bl = (size_t)vg_fmt_double(buf, sizeof buf, c->numtab[j].value);
            rc = add_category(c, buf, bl, c->numtab[j].count);
            j++;
        }
    }
    for (size_t k = 0; k < nold; k++)
        free(old[k].text);
    free(old);
    free(c->numtab);
    c->numtab = NULL;
    c->nnumtab = c->numtab_cap = 0;
    return rc;
}

static int add_cell(vg_samples_column *c, const char *t, size_t n) {
    double x;
    switch (vg_classify(t, n, &x)) {
    case VG_KIND_MISSING: c->missing++; return VG_OK;
    case VG_KIND_INTEGER:
    case VG_KIND_FRACTIONAL:
        if (c->nnum == c->numcap) {
            size_t cap = c->numcap ? c->numcap * 2 : 1024;
            double *num = realloc(c->num, cap * sizeof *num);
            if (!num)
                return VG_ERR_NOMEM;
            c->num = num;
            c->numcap = cap;
        }
        x = x == 0 ? 0.0 : x; /* -0 is 0 */
        c->num[c->nnum++] = x;
        return count_number(c, x);
    case VG_KIND_BOOLEAN:
        c->n_other++;
        return x != 0 ? count_category(c, "true", 4) : count_category(c, "false", 5);
    default: c->n_other++; return count_category(c, t, n);
    }
}

/* The row's cells as one stream of 8-byte words, each cell closed by a word that carries its
 * last bytes and its length (so ("ab", "c") and ("a", "bc") differ), multiply-rotate mixed
 * and finished by the MurmurHash3 finalizer: one finalizer a row instead of one a cell, which
 * made hashing rows a twentieth of vigia compare's time. Trailing empty cells are not hashed,
 * so that an NDJSON row without a key seen later equals one with an empty value there. The
 * words are loaded in the machine's byte order: hashes are compared within one run only. */
static uint64_t row_hash(const vg_batch *b, size_t i) {
    const char *const *data = b->data + i * b->ncols;
    const size_t *len = b->len + i * b->ncols;
    size_t n = b->ncols;
    while (n > 0 && len[n - 1] == 0)
        n--;
    const uint64_t K = 0x9e3779b97f4a7c15ULL;
    uint64_t h = 0x243f6a8885a308d3ULL, w;
    for (size_t j = 0; j < n; j++) {
        const char *p = data[j];
        size_t m = len[j];
        for (; m >= 8; p += 8, m -= 8) {
            memcpy(&w, p, 8);
            h = (h ^ w) * K;
            h = (h << 29) | (h >> 35);
        }
        w = 0;
        memcpy(&w, p, m);
        h = (h ^ w ^ ((uint64_t)len[j] << 56) ^ ((uint64_t)j << 40)) * K;
        h = (h << 29) | (h >> 35);
    }
    return vg_hash_fmix64(h ^ n);
}

int vg_samples_load(const char *path, const vg_read_options *ro, vg_samples **out, vg_error *err) {
    *out = NULL;
    vg_samples *s = calloc(1, sizeof *s);
    if (!s)
        return vg_error_set(err, VG_ERR_NOMEM, "out of memory");
    vg_reader *r = vg_reader_open(path, ro, err);
    if (!r) {
        vg_samples_free(s);
        return err ? err->code : VG_ERR_IO;
    }
    vg_batch b;
    int rc;
    size_t row_cap = 0;
    while ((rc = vg_reader_next_batch(r, 256, &b, err)) > 0) {
        size_t nc = vg_reader_ncols(r);
        if (nc > s->ncols) { /* header, or NDJSON keys seen for the first time */
            vg_samples_column *cols = realloc(s->cols, nc * sizeof *cols);
            if (!cols) {
                rc = vg_error_set(err, VG_ERR_NOMEM, "out of memory");
                break;
            }
            s->cols = cols;
            for (size_t j = s->ncols; j < nc; j++) {
                size_t len;
                const char *name = vg_reader_column(r, j, &len);
                memset(&cols[j], 0, sizeof cols[j]);
                cols[j].name = strndup(name, len);
                cols[j].missing = s->rows; /* absent from the rows before */
                s->ncols = j + 1;
                if (!cols[j].name) {
                    rc = vg_error_set(err, VG_ERR_NOMEM, "out of memory");
                    break;
                }
            }
            if (rc < 0)
                break;
        }
        if (s->rows + b.nrows > row_cap) {
            size_t cap = row_cap ? row_cap * 2 : 1024;
            while (cap < s->rows + b.nrows)
                cap *= 2;
            uint64_t *rh = realloc(s->row_hash, cap * sizeof *rh);
            if (!rh) {
                rc = vg_error_set(err, VG_ERR_NOMEM, "out of memory");
                break;
            }
            s->row_hash = rh;
            row_cap = cap;
        }
        for (size_t i = 0; i < b.nrows; i++)
            s->row_hash[s->rows + i] = row_hash(&b, i);
        /* column by column: each column's tables stay in cache for the whole block */
        for (size_t j = 0; j < s->ncols && rc >= 0; j++) {
            vg_samples_column *c = &s->cols[j];
            if (j >= b.ncols) {
                c->missing += b.nrows;
                continue;
            }
            for (size_t i = 0; i < b.nrows; i++)
                if (add_cell(c, b.data[i * b.ncols + j], b.len[i * b.ncols + j]) != VG_OK) {
                    rc = vg_error_set(err, VG_ERR_NOMEM, "out of memory");
                    break;
                }
        }
        s->rows += b.nrows;
    }
    vg_reader_close(r);
    size_t most = 0;
    for (size_t j = 0; j < s->ncols; j++)
        most = s->cols[j].nnum > most ? s->cols[j].nnum : most;
    uint64_t *scratch = rc >= 0 ? malloc(2 * (most ? most : 1) * sizeof *scratch) : NULL;
    for (size_t j = 0; rc >= 0 && j < s->ncols; j++)
        if (finish_column(&s->cols[j], scratch) != VG_OK)
            rc = vg_error_set(err, VG_ERR_NOMEM, "out of memory");
    free(scratch);
    if (rc < 0) {
        vg_samples_free(s);
        return rc;
    }
    *out = s;
    return VG_OK;
}
