/*
 * Internal layout of vg_samples, shared by samples.c (loading) and compare.c (scoring).
 */
#ifndef VG_DRIFT_INTERNAL_H
#define VG_DRIFT_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "vigia/compare.h"

typedef struct {
    char *text;
    size_t len;
    uint64_t hash;
    uint64_t count;
    uint64_t order; /* first appearance among the column's categories (loading only) */
} vg_samples_category;

/* A distinct number while loading, keyed by value (count 0 = empty slot). Numbers become text
 * categories only once, at the end of loading: formatting each cell's number to find its
 * category would cost more than the tests. */
typedef struct {
    double value;
    uint64_t count;
    uint64_t order;
} vg_samples_number;

typedef struct {
    char *name;
    uint64_t missing;
    uint64_t n_other; /* non-numeric, non-missing values */
    double *num;      /* numeric values */
    size_t nnum, numcap;
    vg_samples_category *cat; /* distinct values with counts */
    size_t ncat;
    uint32_t *cat_index; /* open addressing, category index + 1 */
    size_t cat_cap;
    int numbers_uncounted; /* too many distinct numbers: numbers are not in cat (see samples.c) */
    vg_samples_number *numtab; /* loading only: distinct numbers, open addressing */
    size_t nnumtab, numtab_cap;
    uint64_t next_order;
} vg_samples_column;

/* Distinct numbers counted as categories before a purely numeric column stops: a column with
 * more is numeric (categories matter only up to 5 distinct values), and formatting and
 * storing every value as text would cost more time and memory than all the tests. */
#define VG_SAMPLES_MAX_NUMERIC_CATEGORIES 1024

/* After loading, num is sorted ascending (every exact test wants it so; sorting once is the
 * main saving of vigia compare) and cat holds every category, numbers included, in order of
 * first appearance. */
struct vg_samples {
    uint64_t rows;
    size_t ncols;
    vg_samples_column *cols;
    /* One 64-bit hash per row (rows entries), of every cell's text in column order, for
     * finding duplicate rows; two different rows collide with probability about 2^-64. */
    uint64_t *row_hash;
};

/* Shared by the exact (compare.c) and sketch (sketch.c) comparisons, so that both decide
 * alike. vg_compare_decide picks a column's deciding method among the scores already in it
 * (Evidently's default choice by ref_rows, or o->method) and applies the threshold; on no
 * applicable score it writes c->note and leaves c->method NULL. vg_compare_finish applies the
 * multiple-testing correction and computes the counts and the dataset verdict (VG_ERR_NOMEM
 * is its only failure). */
void vg_compare_decide(vg_compare_column *c, uint64_t ref_rows, const vg_compare_options *o);
int vg_compare_finish(vg_compare_result *res, const vg_compare_options *o);

/* Also shared: whether a column is ignored; appending a copy of a name to a list (VG_OK or
 * VG_ERR_NOMEM); the role given to a column (NULL for a feature). vg_compare_take_role
 * records a role column in res->roles (which must have room for every column) and returns 1
 * when the column is to be compared (a feature, a target or a prediction: *role says which),
 * 0 when not (id, timestamp, sensitive), -1 when out of memory. */
/* The column plan both comparisons share: a result with room for the reference's columns
 * (NULL when out of memory; free with vg_compare_result_free); vg_compare_admit decides what
 * happens to reference column `name` (ignored, a role not compared, only in the reference, or
 * compared) and, in the last case, gives the new column in *col with its name, role and NaN
 * decision (else *col is NULL); vg_compare_only_current lists a current column that the
 * reference lacks. Both return VG_OK or VG_ERR_NOMEM. */
vg_compare_result *vg_compare_result_new(size_t ref_cols, uint64_t ref_rows, uint64_t cur_rows,
                                         const vg_compare_options *o);
int vg_compare_admit(vg_compare_result *res, const vg_compare_options *o, const char *name,
                     int in_current, vg_compare_column **col);
int vg_compare_only_current(vg_compare_result *res, const vg_compare_options *o, const char *name,
                            int in_reference);
int vg_compare_ignored(const vg_compare_options *o, const char *name);
int vg_compare_push_name(char ***list, size_t *n, const char *name);
const vg_compare_role *vg_compare_role_of(const vg_compare_options *o, const char *name);
int vg_compare_take_role(vg_compare_result *res, const vg_compare_options *o, const char *name,
                         const vg_compare_role **role);

/* Distribution summaries (distribution.c; see vg_compare_distribution). Each sets *out to a
 * new summary, or to NULL when there is nothing to draw (no finite value), and returns VG_OK
 * or VG_ERR_NOMEM. numeric_sorted takes both sides' sorted values; categorical the union's
 * counts with each category's text; numeric_cdf a cdf per side (weight_at(side, x): weight at
 * or below x, of n) as a sketch gives it. */
int vg_distribution_numeric_sorted(const double *a, size_t na, const double *b, size_t nb,
                                   size_t nbins, vg_compare_distribution **out);
int vg_distribution_categorical(const uint64_t *rc, const uint64_t *qc, size_t k,
                                const char *const *text, const size_t *len, size_t top,
                                vg_compare_distribution **out);
/* The indices of the (at most) `top` categories of largest rc + qc, into best[0 .. top), in
 * the order of vg_compare_distribution; returns how many. The categorical summary picks its
 * labels so: a caller that has to make the labels can make only those. */
size_t vg_distribution_top(const uint64_t *rc, const uint64_t *qc, size_t k, size_t top,
                           size_t *best);
int vg_distribution_numeric_cdf(double lo, double hi, size_t nbins,
                                uint64_t (*weight_at)(const void *, double), const void *r,
                                uint64_t nr, const void *q, uint64_t nq,
                                vg_compare_distribution **out);

int vg_samples_find_category(const vg_samples_column *c, const char *t, size_t n);

#endif
