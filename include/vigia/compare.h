/*
 * Comparing a reference dataset with a current one: per-column drift scores from the raw
 * values, a decision per column, and the dataset verdict (`vigia compare`).
 *
 * Exact tests need every value, so a dataset is loaded into memory as vg_samples: per column,
 * the numeric values and the counts of each distinct value. Columns are compared by name.
 * A column is *numeric* when both datasets hold only numbers in it and the reference has more
 * than 5 distinct values; otherwise it is *categorical*, and *binary* when the two datasets
 * together have at most 2 categories. Every applicable score is computed; one decides, chosen
 * as Evidently does by default: with a reference of at most 1,000 rows, KS for numeric
 * columns, the z-test for binary and chi-squared for other categorical columns, drifted at
 * p < 0.05; with more rows, normed Wasserstein for numeric and Jensen-Shannon distance for
 * categorical columns, drifted at a score >= 0.1. The dataset drifts when the share of
 * drifted columns reaches 0.5.
 */
#ifndef VIGIA_COMPARE_H
#define VIGIA_COMPARE_H

#include <stdint.h>
#include <stdio.h>

#include "vigia/error.h"
#include "vigia/profile.h"
#include "vigia/reader.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct vg_samples vg_samples;

/* Loads every column of a CSV/NDJSON file. Free with vg_samples_free. */
int vg_samples_load(const char *path, const vg_read_options *ro, vg_samples **out, vg_error *err);
void vg_samples_free(vg_samples *s);
uint64_t vg_samples_rows(const vg_samples *s);

#define VG_COMPARE_MAX_SCORES 16

typedef struct vg_compare_score {
    const char *method; /* "ks", "wasserstein", ... (static strings) */
    double statistic;
    double p_value; /* NaN for distances */
    /* Bound on |statistic - exact statistic| when computed from sketches (.vgp profiles);
     * NaN when exact (from raw data). */
    double error_bound;
} vg_compare_score;

typedef struct vg_compare_column {
    char *name;
    const char *kind;   /* "numeric" or "categorical" */
    const char *method; /* the deciding method */
    double statistic, p_value, threshold;
    double p_value_adjusted; /* after the multiple-testing correction (= p_value without) */
    int uses_p_value;        /* drifted = p_value < threshold, else statistic >= threshold */
    int drifted;
    uint64_t ref_count, cur_count; /* non-missing values compared */
    size_t n_unseen;               /* categories of the current data absent from the reference */
    const char *role; /* NULL for a feature; "target" or "prediction" (scored, but outside the
                         dataset verdict and the correction) */
    size_t nscores;
    vg_compare_score scores[VG_COMPARE_MAX_SCORES];
    char note[160]; /* why the column was not compared, when it was not ("" otherwise) */
} vg_compare_column;

/* Correction for testing many columns at once, applied to the p-values of the columns decided
 * by a p-value method (m of them): Bonferroni p*m; Benjamini-Hochberg's step-up adjusted
 * p-values min_{j>=i} p_(j) m / j (controls the false discovery rate). Capped at 1. */
typedef enum vg_correction {
    VG_CORRECTION_NONE = 0,
    VG_CORRECTION_BONFERRONI,
    VG_CORRECTION_BH
} vg_correction;

/* A method and/or threshold for one column (most specific: wins over kind and global
 * settings). method NULL = keep the kind's or the default choice; threshold NaN = keep. */
typedef struct vg_compare_rule {
    const char *column;
    const char *method;
    double threshold;
} vg_compare_rule;

/* What a column is for, besides being a feature. Target and prediction columns are compared
 * (target drift, prediction drift) but reported apart and left out of the dataset verdict; the
 * others are not compared at all. */
typedef enum vg_role {
    VG_ROLE_TARGET = 1,
    VG_ROLE_PREDICTION,
    VG_ROLE_ID,
    VG_ROLE_TIMESTAMP,
    VG_ROLE_SENSITIVE
} vg_role;

typedef struct vg_compare_role {
    const char *column;
    vg_role role;
} vg_compare_role;

const char *vg_role_name(vg_role r); /* "target", "prediction", "id", "timestamp", "sensitive" */

/* Method choice, most specific first: a column rule, then the kind's setting (num_* for
 * numeric columns, cat_* for categorical and binary ones), then the global one, then the
 * default above. A method that does not apply to a column (ks on a categorical column) is
 * passed over for the next choice, and the column's note says so. */
typedef struct vg_compare_options {
    const char *method; /* force this method where it applies; NULL = default choice */
    double threshold;   /* NaN = the method's default */
    const char *num_method, *cat_method; /* NULL = not set */
    double num_threshold, cat_threshold; /* NaN = not set */
    const vg_compare_rule *rules;        /* per-column settings */
    size_t n_rules;
    const vg_compare_role *roles;
    size_t n_roles;
    unsigned threads;          /* columns scored in parallel (0 or 1 = the calling thread only) */
    double share_threshold;    /* dataset drift at this share of drifted columns (0.5) */
    size_t n_bins;             /* bins for PSI, KL, JS, Hellinger on numeric columns (10) */
    vg_correction correction;  /* multiple-testing correction of deciding p-values */
    const char *const *ignore; /* column names left out of the comparison */
    size_t n_ignore;
} vg_compare_options;

void vg_compare_options_default(vg_compare_options *o);

/* The static name of drift method `m` ("ks", "psi", ...; list in docs/compare.md), or NULL
 * when vigia has no such method. */
const char *vg_compare_method_name(const char *m);

typedef struct vg_compare_result {
    uint64_t ref_rows, cur_rows;
    size_t ncols;
    vg_compare_column *cols; /* columns present in both datasets, reference order */
    size_t n_compared, n_drifted;
    double share_drifted;
    int dataset_drift;
    double share_threshold;
    vg_correction correction;
    size_t n_ignored;
    size_t n_roles;
    vg_compare_role *roles; /* every role column found in the reference (names owned) */
    size_t n_only_ref, n_only_cur;
    char **only_ref, **only_cur; /* column names present on one side only */
} vg_compare_result;

int vg_compare_samples(const vg_samples *ref, const vg_samples *cur, const vg_compare_options *o,
                       vg_compare_result **out, vg_error *err);
void vg_compare_result_free(vg_compare_result *r);

/* Compares two profiles (.vgp) as vg_compare_samples compares two datasets: columns matched by
 * name, the same kinds and the same decision, with every score that the sketches can give and,
 * in each vg_compare_score, `error_bound`: a bound on |statistic - the statistic from the raw
 * data| (0 when the sketches determine it exactly; docs/sketch-compare.md says what each bound
 * assumes). Scores that need every value (Anderson-Darling, Cramer-von Mises, Mann-Whitney,
 * energy distance) are left out. o may be NULL for the defaults. On failure *out is NULL and
 * err says why. Implemented in src/drift/sketch.c. */
int vg_compare_profiles(const vg_profile *ref, const vg_profile *cur, const vg_compare_options *o,
                        vg_compare_result **out, vg_error *err);

struct vg_quality_result;

/* What a comparison report shows: the drift result, and the sections computed beside it. */
typedef struct vg_compare_report {
    const char *ref_path, *cur_path;
    const char *mode; /* "exact" (raw data) or "sketch" (.vgp profiles) */
    const vg_compare_result *drift;
    const struct vg_quality_result *quality; /* NULL when not computed (sketch mode) */
    /* the model section (vigia/evaluate.h); NULL without --target and --prediction or in
     * sketch mode */
    const struct vg_eval_comparison *model;
} vg_compare_report;

/* JSON (keys in docs/compare.md) as a malloc'd string, or NULL with err set. */
char *vg_report_compare_json(const vg_compare_report *rep, vg_error *err);
/* For a terminal: data-quality issues first, then the drift table, drifted columns first. */
int vg_report_compare_text(const vg_compare_report *rep, FILE *f, vg_error *err);

#ifdef __cplusplus
}
#endif
#endif
