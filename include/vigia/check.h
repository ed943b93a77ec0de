/*
 * Constraint suites (`vigia check`, `vigia suggest`): a YAML list of expectations about a
 * dataset (row count, columns, types, completeness, ranges, allowed values, uniqueness, mean,
 * standard deviation, quantiles, distinct counts, drift from a reference, model metrics,
 * fairness), each with a severity, checked against data; and a suite proposed from a baseline.
 *
 * The language is documented in docs/constraints.md. A suite is parsed whole before any data
 * is read, so that a typo (an unknown kind or key, a value of the wrong type) is an error naming
 * the file, line and column, never a silently skipped check.
 *
 * Every figure is exact: it is computed from vg_samples (every value in memory, numbers
 * sorted), and column types from a vg_profile's exact type counts. Drift constraints reuse
 * vg_compare_samples with the constraint's method and threshold. Model-metric and fairness
 * constraints take their figures from the evaluate module (vigia/evaluate.h), which reads the
 * data file again.
 */
#ifndef VIGIA_CHECK_H
#define VIGIA_CHECK_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "vigia/compare.h"
#include "vigia/error.h"
#include "vigia/profile.h"
#include "vigia/reader.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum vg_check_kind {
    VG_CHECK_ROW_COUNT = 0,
    VG_CHECK_COLUMN_PRESENT,
    VG_CHECK_TYPE,
    VG_CHECK_COMPLETENESS,
    VG_CHECK_RANGE,
    VG_CHECK_ALLOWED_VALUES,
    VG_CHECK_UNIQUE,
    VG_CHECK_MEAN,
    VG_CHECK_STD,
    VG_CHECK_QUANTILE,
    VG_CHECK_DISTINCT,
    VG_CHECK_DRIFT,
    VG_CHECK_METRIC,
    VG_CHECK_FAIRNESS,
    VG_CHECK_NKINDS
} vg_check_kind;

/* "row_count", "column_present", ... as written in a suite (static strings). */
const char *vg_check_kind_name(vg_check_kind k);

typedef enum vg_check_severity { VG_CHECK_ERROR = 0, VG_CHECK_WARNING } vg_check_severity;

/* The types a `type` constraint can ask for; numeric = integer or fractional. */
typedef enum vg_check_type {
    VG_CHECK_TYPE_INTEGER = 0,
    VG_CHECK_TYPE_FRACTIONAL,
    VG_CHECK_TYPE_NUMERIC,
    VG_CHECK_TYPE_BOOLEAN,
    VG_CHECK_TYPE_STRING
} vg_check_type;

const char *vg_check_type_name(vg_check_type t);

/* One constraint as parsed. Unset numbers are NaN; unset strings NULL. Strings are owned by
 * the suite. */
typedef struct vg_constraint {
    vg_check_kind kind;
    vg_check_severity severity;
    unsigned long line, col; /* of the constraint's mapping in the file (1-based) */
    const char *name;        /* `name:` given by the user, or NULL */
    const char *column;      /* the column, for the kinds that have one */
    double min, max;         /* bounds (inclusive); NaN = unbounded on that side */
    double max_missing;      /* completeness: largest share of missing values */
    double q;                /* quantile: the probability */
    vg_check_type type;      /* type */
    size_t n_values;         /* allowed_values */
    const char **values;     /* canonical text (numbers by value, booleans true/false) */
    const char *method;      /* drift: static method name, or NULL for compare's default */
    double threshold;        /* drift: NaN for the method's default */
    const char *metric;      /* metric, fairness: the metric name */
    const char *target, *prediction, *sensitive;
    const char *positive; /* metric, fairness: the positive label, or NULL */
} vg_constraint;

typedef struct vg_check_suite {
    char *path; /* the file name used in messages */
    size_t n;
    vg_constraint *items;
    /* private: every string the constraints point to */
    char **strings;
    size_t nstrings, capstrings;
} vg_check_suite;

/* Parses a suite file. Errors (VG_ERR_IO, VG_ERR_PARSE) name the file, line and column. */
int vg_check_suite_load(const char *path, vg_check_suite **out, vg_error *err);
/* The same from `len` bytes in memory; `name` stands for the file in messages. */
int vg_check_suite_parse(const void *data, size_t len, const char *name, vg_check_suite **out,
                         vg_error *err);
void vg_check_suite_free(vg_check_suite *s);

/* What the suite needs besides the data's values: a reference (drift), a profile (type), a
 * file that can be read again (type, metric, fairness: not standard input). */
int vg_check_suite_needs_reference(const vg_check_suite *s);
int vg_check_suite_needs_profile(const vg_check_suite *s);
int vg_check_suite_rereads(const vg_check_suite *s);

/* A dataset to check: its values, and (for `type` constraints) its profile. */
typedef struct vg_check_data {
    const char *path;          /* named in the report */
    const vg_samples *samples; /* required */
    const vg_profile *profile; /* required when vg_check_suite_needs_profile, else may be NULL */
    const vg_read_options *ro; /* how the file was read (NULL: defaults): metric and fairness
                                  constraints read it again (vigia/evaluate.h) */
} vg_check_data;

typedef enum vg_check_status {
    VG_CHECK_PASS = 0,
    VG_CHECK_FAIL, /* failed, severity error */
    VG_CHECK_WARN  /* failed, severity warning */
} vg_check_status;

/* "pass", "fail", "warn" (static strings). */
const char *vg_check_status_name(vg_check_status s);

typedef struct vg_check_outcome {
    const vg_constraint *c; /* points into the suite */
    vg_check_status status;
    double observed;        /* the figure checked (NaN when there is none: column missing, ...) */
    char observed_text[64]; /* the figure as shown ("5000", "integer", "3 of 4 allowed") */
    char expected[96];      /* the bound as shown (">= 1000", "[18, 95]", "integer") */
    char message[320];      /* a sentence for a person: what was found, naming the column */
    /* drift only (method NULL otherwise): what vg_compare_samples decided with */
    const char *method; /* static */
    double statistic, p_value, threshold;
} vg_check_outcome;

typedef struct vg_check_result {
    const char *suite_path, *data_path, *ref_path; /* ref_path NULL without a reference */
    uint64_t rows, ref_rows;
    size_t n;
    vg_check_outcome *outcomes; /* in the suite's order */
    size_t n_passed, n_failed, n_warned;
} vg_check_result;

/* Checks `data` against every constraint of `s`. ref may be NULL when the suite has no drift
 * constraint. Fails (VG_ERR_INVALID) when a drift constraint lacks a reference or a profile is
 * missing for a type constraint; the message names the constraint's line. A constraint that does
 * not hold, including on a column the data lacks, is an outcome, not an error. The result points
 * into s (and into data and ref for the paths): they must outlive it. */
int vg_check_run(const vg_check_suite *s, const vg_check_data *data, const vg_check_data *ref,
                 vg_check_result **out, vg_error *err);
void vg_check_result_free(vg_check_result *r);

/* Reports (src/check/report.c). Text: a table of every constraint, then the failures and
 * warnings with their reasons, then a verdict line. JSON: keys in docs/constraints.md, as a
 * malloc'd string. JUnit XML: one <testsuite>, a <testcase> per constraint named "kind column",
 * failed errors as <failure>, failed warnings as passing test cases with a <system-out>
 * "WARNING: ..." line. */
int vg_check_report_text(const vg_check_result *r, FILE *f, vg_error *err);
char *vg_check_report_json(const vg_check_result *r, vg_error *err);
int vg_check_report_junit(const vg_check_result *r, FILE *f, vg_error *err);

/* ---- suggest ------------------------------------------------------------------------------- */

typedef struct vg_suggest_options {
    double margin;         /* ranges widened by this share of the reference range (0.1) */
    size_t max_categories; /* allowed_values only for columns with at most this many (20) */
    int drift;             /* propose drift constraints (1) */
} vg_suggest_options;

void vg_suggest_options_default(vg_suggest_options *o);

/* A suite proposed from a baseline, as commented YAML that vg_check_suite_parse accepts: a
 * malloc'd string the caller frees, or NULL with err set. ref->profile is required. */
char *vg_check_suggest(const vg_check_data *ref, const vg_suggest_options *o, vg_error *err);

#ifdef __cplusplus
}
#endif
#endif
