/*
 * Column and dataset profiles: constant-memory, mergeable summaries of tabular data.
 *
 * A column profile counts values by inferred type and keeps, for numeric values, exact
 * moments and a KLL quantile sketch, and for all non-missing values a HyperLogLog distinct
 * count and value counts. Value counts are two summaries: strings and booleans go to a
 * Misra-Gries frequent-items summary (exact up to `top_capacity` distinct values, bounded error
 * past that); numbers are counted exactly up to `top_capacity` distinct numbers, and past that
 * no longer counted (`numbers_uncounted`): a column with that many distinct numbers is
 * continuous, its quantiles describe it, and counting them would cost more than every other
 * sketch together. Whether numbers are counted depends only on how many distinct numbers the
 * data holds, never on their order or on how the data was split for merging. A dataset
 * profile is an ordered set of column profiles plus the row count. Profiles built on parts of a
 * dataset merge into the profile of the whole: counts, min, max exactly; mean, variance and sum to
 * floating-point rounding; sketches within their documented bounds.
 *
 * Cell text is classified as pandas' read_csv would by default: pandas' missing markers
 * ("", "NA", "NaN", "null", "N/A", ...) are missing; "True"/"true"/"TRUE" and the False
 * spellings are boolean; decimal integers are integer; decimal floats, exponents and
 * inf/infinity are fractional; anything else is a string.
 */
#ifndef VIGIA_PROFILE_H
#define VIGIA_PROFILE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "vigia/error.h"
#include "vigia/freq.h"
#include "vigia/hll.h"
#include "vigia/kll.h"
#include "vigia/moments.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum vg_kind {
    VG_KIND_MISSING = 0,
    VG_KIND_INTEGER,
    VG_KIND_FRACTIONAL,
    VG_KIND_BOOLEAN,
    VG_KIND_STRING
} vg_kind;

/* Classifies one cell; for numbers, *num receives the value (correctly rounded). */
vg_kind vg_classify(const char *s, size_t len, double *num);

/* Inferred type of a whole column, from its type counts. */
typedef enum vg_coltype {
    VG_TYPE_EMPTY = 0,  /* no non-missing value */
    VG_TYPE_INTEGER,    /* every value is an integer */
    VG_TYPE_FRACTIONAL, /* every value is numeric, some fractional */
    VG_TYPE_BOOLEAN,    /* every value is boolean */
    VG_TYPE_STRING      /* anything else, including mixes */
} vg_coltype;

const char *vg_coltype_name(vg_coltype t);

typedef struct vg_profile_options {
    uint32_t kll_k;        /* default VG_KLL_DEFAULT_K */
    unsigned hll_p;        /* default VG_HLL_DEFAULT_P */
    uint32_t top_capacity; /* default VG_FREQ_DEFAULT_CAPACITY */
    uint64_t seed;         /* KLL randomness; default fixed, so output is reproducible */
} vg_profile_options;

void vg_profile_options_default(vg_profile_options *o);

typedef struct vg_column {
    char *name;
    uint64_t missing;
    uint64_t n_integer, n_fractional, n_boolean, n_string;
    vg_moments moments;    /* numeric values only */
    vg_kll *kll;           /* numeric values only */
    vg_hll *hll;           /* all non-missing values */
    vg_freq *freq;         /* strings and booleans (Misra-Gries) */
    vg_freq *freq_num;     /* numbers, exact; emptied when numbers_uncounted */
    int numbers_uncounted; /* more than top_capacity distinct numbers (see above) */
} vg_column;

/* Non-missing values in the column. */
uint64_t vg_column_count(const vg_column *c);
vg_coltype vg_column_type(const vg_column *c);
/* Distinct non-missing values: exact while both value-count summaries are exact (then
 * *exact = 1), else the HyperLogLog estimate. */
double vg_column_distinct(const vg_column *c, int *exact);
/* The `max` (at most 64) most frequent values over both summaries, by decreasing count
 * (numbers first on ties, then by value); returns how many. Items point into the column.
 * Never fails. */
size_t vg_column_top(const vg_column *c, vg_freq_item *out, size_t max);
/* Largest possible undercount of a value's count in vg_column_top (0: counts are exact). */
uint64_t vg_column_top_error(const vg_column *c);

typedef struct vg_profile {
    vg_profile_options opts;
    uint64_t rows;
    uint64_t bad_rows; /* rows skipped as malformed by the reader (--skip-bad-rows) */
    size_t ncols;
    vg_column **cols;
    /* private: name lookup, and scratch space for vg_profile_add_batch */
    double *scratch;
    uint64_t *hash_scratch;
    uint32_t kll_parts; /* > 1: one of this many parts of a stream (vg_profile_file -j) */
    size_t scratch_cap;
    size_t name_cap;
    uint32_t *name_index;
} vg_profile;

/* opts may be NULL for defaults. Returns NULL with err set on failure. */
vg_profile *vg_profile_new(const vg_profile_options *opts, vg_error *err);
void vg_profile_free(vg_profile *p);

/* Adds a column (its missing count starts at p->rows, since earlier rows lacked it); returns
 * its index or a negative error code (VG_ERR_INVALID for a duplicate name). */
int vg_profile_add_column(vg_profile *p, const char *name, size_t len, vg_error *err);
/* Index of the column with this name, or -1. */
int vg_profile_find_column(const vg_profile *p, const char *name, size_t len);

/* Adds one cell's text to column `col`. The caller adds each row's cells to every column,
 * then calls vg_profile_end_rows(p, 1). */
int vg_profile_add_text(vg_profile *p, size_t col, const char *s, size_t len);
void vg_profile_end_rows(vg_profile *p, uint64_t rows);
/* Adds a block of rows (see vg_batch in reader.h), column by column; the fast path. Columns
 * j >= p->ncols must have been added first. Counts the rows itself. */
struct vg_batch;
int vg_profile_add_batch(vg_profile *p, const struct vg_batch *b);

/* dst := dst + src. Columns are matched by name; a column only one side has counts the
 * other side's rows as missing. Fails with VG_ERR_MISMATCH if sketch options differ (dst is
 * then unchanged) or VG_ERR_NOMEM (dst is then part-merged and must be freed). */
int vg_profile_merge(vg_profile *dst, const vg_profile *src, vg_error *err);

/* .vgp codec (format: docs/vgp-format.md). */
int vg_profile_save(const vg_profile *p, const char *path, vg_error *err);
vg_profile *vg_profile_load(const char *path, vg_error *err);
/* 1 when the file at `path` starts with the .vgp magic bytes (whatever its name), else 0
 * (also for "-", standard input, which is never read here). */
int vg_profile_file_is_vgp(const char *path);
int vg_profile_encode(const vg_profile *p, unsigned char **out, size_t *len, vg_error *err);
vg_profile *vg_profile_decode(const void *data, size_t len, const char *what, vg_error *err);

#ifdef __cplusplus
}
#endif
#endif
