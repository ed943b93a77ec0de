/*
 * Data quality of a current dataset against a reference (the "quality" part of `vigia compare`):
 * schema differences, missing values, column types, values outside the reference range,
 * categories the reference never showed, constant and empty columns, duplicate rows.
 *
 * Both datasets are vg_samples (every value in memory), so every figure is exact. Columns are
 * matched by name. Each column gets a summary per dataset and the checks that apply to it; the
 * findings worth a reader's attention become issues, ordered errors first, then warnings, then
 * notes. A value's identity is its category key (see samples.c): numbers by value ("1" = "1.0"),
 * booleans as true/false, text as written. Keys of the JSON form: docs/quality.md.
 */
#ifndef VIGIA_QUALITY_H
#define VIGIA_QUALITY_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "vigia/compare.h"
#include "vigia/error.h"

#ifdef __cplusplus
extern "C" {
#endif

/* What a column holds, from its non-missing values. */
typedef enum vg_quality_type {
    VG_QUALITY_EMPTY = 0, /* no non-missing value */
    VG_QUALITY_NUMERIC,   /* only numbers */
    VG_QUALITY_BOOLEAN,   /* only true/false */
    VG_QUALITY_TEXT,      /* text, or text and booleans */
    VG_QUALITY_MIXED      /* numbers and non-numbers */
} vg_quality_type;

/* "empty", "numeric", "boolean", "text", "mixed" (static strings). */
const char *vg_quality_type_name(vg_quality_type t);

typedef enum vg_quality_severity {
    VG_QUALITY_ERROR = 0, /* the data cannot be used as the reference implies */
    VG_QUALITY_WARNING,   /* a figure beyond its threshold */
    VG_QUALITY_INFO       /* worth knowing, below thresholds */
} vg_quality_severity;

/* "error", "warning", "info" (static strings). */
const char *vg_quality_severity_name(vg_quality_severity s);

typedef struct vg_quality_options {
    const char *const *ignore; /* column names left out (not kept: read during the call) */
    size_t n_ignore;
    size_t max_examples; /* unseen-category examples kept per column (5) */
    /* A share of missing values or duplicate rows above the reference's by more than this
     * fraction of it is a warning (0.1); with none in the reference, any is. */
    double tolerance;
    /* Shares of out-of-range values or unseen categories from which they are a warning
     * rather than a note (0.01). */
    double warn_share;
    /* Columns whose new values are expected (ids, timestamps: vigia compare's --id and
     * --timestamp roles): summarized, but not checked for out-of-range values or unseen
     * categories (not kept: read during the call). */
    const char *const *novel;
    size_t n_novel;
} vg_quality_options;

void vg_quality_options_default(vg_quality_options *o);

/* One column in one dataset. Shares are NaN when there is nothing to divide by. */
typedef struct vg_quality_summary {
    int present;           /* the dataset has this column (when not: counts 0, figures NaN) */
    uint64_t rows;         /* the dataset's rows */
    uint64_t missing;      /* missing cells (markers of docs/input.md, or absent) */
    double missing_share;  /* missing / rows; NaN with no rows */
    vg_quality_type type;  /* from the non-missing values */
    uint64_t n_numeric;    /* non-missing numbers */
    uint64_t n_other;      /* non-missing non-numbers: text and booleans */
    int distinct_known;    /* 0 past 1,024 distinct numbers seen before any other value */
    uint64_t distinct;     /* distinct non-missing values, when known */
    double min, max, mean; /* of the numbers; NaN without numbers (or mean inf - inf) */
    int constant;          /* exactly one distinct non-missing value */
    int empty;             /* no non-missing value */
    char *constant_value;  /* its canonical text when constant (owned), else NULL */
    size_t constant_len;
} vg_quality_summary;

typedef struct vg_quality_example {
    char *text; /* canonical text of the value (owned by the result) */
    size_t len;
    uint64_t count; /* times in the current data */
} vg_quality_example;

typedef struct vg_quality_column {
    char *name;
    vg_quality_summary ref, cur;
    double missing_share_change; /* cur - ref; NaN unless both have rows */
    int type_changed;            /* both non-empty and of different types */
    /* Range check, when the reference column is numeric and the current one present:
     * current numbers below the reference min or above its max. */
    int range_checked;
    uint64_t n_below, n_above, n_out_of_range;
    double out_of_range_share; /* of the current numbers; NaN without any */
    /* Unseen check, when the reference column is boolean, text or mixed and the current one
     * present: current values whose category the reference does not have. */
    int unseen_checked;
    uint64_t n_unseen;            /* values */
    uint64_t n_unseen_categories; /* distinct such values */
    double unseen_share;          /* n_unseen / current non-missing values; NaN without any */
    size_t n_examples;            /* min(max_examples, n_unseen_categories) */
    vg_quality_example *examples; /* most frequent first, ties by text (bytes) */
} vg_quality_column;

typedef struct vg_quality_issue {
    vg_quality_severity severity;
    const char *kind; /* static: "empty_data", "missing_column", "extra_column", "type_change",
                         "missing_values", "out_of_range", "unseen_categories", "constant_column",
                         "empty_column", "duplicate_rows" */
    char *column;     /* NULL for a dataset issue */
    char *message;    /* a sentence for a person, naming the column */
} vg_quality_issue;

typedef struct vg_quality_result {
    uint64_t ref_rows, cur_rows;
    /* Rows equal (every cell's text) to an earlier row of the same dataset, ignored columns
     * included (row hashes cover whole rows); shares NaN with no rows. */
    uint64_t ref_duplicates, cur_duplicates;
    double ref_duplicate_share, cur_duplicate_share;
    /* Every column not ignored: the reference's in its order, then those only in the current
     * data in theirs. `ref.present`/`cur.present` tell which side has it. */
    size_t ncols;
    vg_quality_column *cols;
    size_t n_only_ref, n_only_cur, n_type_changed, n_ignored;
    size_t nissues;
    vg_quality_issue *issues; /* errors, then warnings, then notes; dataset issues first */
    size_t n_errors, n_warnings, n_infos;
} vg_quality_result;

/* Compares cur against ref. o may be NULL (defaults). On success *out is a result for the
 * caller to free with vg_quality_result_free; it does not point into either dataset. On failure
 * *out is NULL. Fails only on bad arguments (VG_ERR_INVALID) and allocation (VG_ERR_NOMEM): empty
 * data, missing columns and type changes are findings, not errors. */
int vg_quality_compare(const vg_samples *ref, const vg_samples *cur, const vg_quality_options *o,
                       vg_quality_result **out, vg_error *err);
void vg_quality_result_free(vg_quality_result *q);

/* Adds the "quality" object (keys in docs/quality.md) to a JSON object (a jansson json_t;
 * declared here as a struct so that this header does not need jansson's). */
struct json_t;
int vg_quality_json(const vg_quality_result *q, struct json_t *root, vg_error *err);
/* The "quality" object alone as a malloc'd indented JSON document the caller frees, or NULL
 * with err set. */
char *vg_quality_json_string(const vg_quality_result *q, vg_error *err);
/* A section for a terminal: issues first, then the dataset figures and a table of columns. */
int vg_quality_text(const vg_quality_result *q, FILE *f, vg_error *err);

#ifdef __cplusplus
}
#endif
#endif
