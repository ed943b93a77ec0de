/*
 * Model evaluation from a file of predictions (`vigia evaluate`, and the model section of
 * `vigia compare`): the glue between the reader and the metric modules. A file is read once,
 * row by row (vg_reader), keeping only the columns named in the options, so that the target
 * and the prediction of one row stay together. Then a *plan* decides, from the data of one or
 * more files, the task (binary, multiclass, regression: inferred when not given, with a reason
 * a person can check), the classes, the positive class and whether the predictions are
 * probability scores or labels; and each file is evaluated with that plan: vigia/perf.h for the
 * metrics, vigia/fairness.h per sensitive grouping, vigia/estimate.h (CBPE) for the current
 * data of a comparison. docs/evaluate.md gives every rule and JSON key.
 *
 * Rows whose target or prediction is missing are left out and counted (never silently); a
 * missing sensitive value is a group of its own, "(missing)". Cells are typed as
 * vg_classify types them, and labels compare by value: "1", "1.0" and a boolean true are one
 * class. Bad input is VG_ERR_PARSE with a message naming the file, line and column.
 */
#ifndef VIGIA_EVALUATE_H
#define VIGIA_EVALUATE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "vigia/error.h"
#include "vigia/estimate.h"
#include "vigia/fairness.h"
#include "vigia/perf.h"
#include "vigia/reader.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum vg_task {
    VG_TASK_AUTO = 0, /* infer from the target (options only) */
    VG_TASK_BINARY,
    VG_TASK_MULTICLASS,
    VG_TASK_REGRESSION
} vg_task;

/* "binary", "multiclass", "regression" ("auto" for VG_TASK_AUTO). */
const char *vg_task_name(vg_task t);

/* One per-class probability column (--proba CLASS=COLUMN). */
typedef struct vg_eval_proba {
    const char *label;  /* the class, compared by value with the target's labels */
    const char *column; /* the column holding P(class) */
} vg_eval_proba;

#define VG_EVAL_MAX_INFER_CLASSES 20 /* integer targets with more distinct values: regression */
#define VG_EVAL_MAX_NQ 5

typedef struct vg_eval_options {
    const char *target;     /* label column (required) */
    const char *prediction; /* model output column; may be NULL when proba columns are given */
    vg_task task;           /* VG_TASK_AUTO: inferred */
    double threshold;       /* binary scores: predicted positive when score >= threshold (0.5) */
    const char *pos_label;  /* binary positive class; NULL: "1", "true" or "yes" if present */
    const char *const *classes; /* declared classes (--classes), in order; NULL: labels seen */
    size_t n_classes;
    const vg_eval_proba *proba; /* multiclass per-class probability columns */
    size_t n_proba;
    uint32_t top_k;               /* multiclass top-k accuracy with proba; 0: none */
    const char *const *sensitive; /* sensitive columns (fairness, binary tasks) */
    size_t n_sensitive;
    int intersections;           /* also the crossing of all sensitive columns */
    const char *reference_group; /* NULL: the largest group */
    uint64_t min_group_size;     /* VG_FAIR_DEFAULT_MIN_GROUP_SIZE */
    size_t curve_points;         /* VG_PERF_DEFAULT_CURVE_POINTS */
    size_t calibration_bins;     /* VG_PERF_DEFAULT_CALIBRATION_BINS */
} vg_eval_options;

/* Fills the defaults above (no columns). */
void vg_eval_options_init(vg_eval_options *o);

/* The needed columns of one file, row-aligned. Opaque; free with vg_eval_data_free. */
typedef struct vg_eval_data vg_eval_data;

/* Reads `path` (CSV/TSV/NDJSON; ro may be NULL) keeping the columns named in o. A column that
 * does not exist is VG_ERR_INVALID naming the columns that do; an empty file (no data rows) is
 * VG_ERR_PARSE. With `target_optional` a missing target column is allowed (the current data
 * of a comparison may be unlabelled). */
int vg_eval_load(const char *path, const vg_read_options *ro, const vg_eval_options *o,
                 int target_optional, vg_eval_data **out, vg_error *err);
/* Data built in memory instead (the monitor's windows): an empty vg_eval_data named `name` (the
 * "file" of messages) with the columns of o, which must outlive it. vg_eval_data_add appends
 * one row: cells[j] / lens[j] in the slot order target, prediction, each proba column, each
 * sensitive column, as text typed like a file's cells; a NULL cell is missing. `line` is the
 * row's number in messages. */
int vg_eval_data_new(const vg_eval_options *o, const char *name, vg_eval_data **out, vg_error *err);
int vg_eval_data_add(vg_eval_data *d, const char *const *cells, const size_t *lens, uint64_t line,
                     vg_error *err);
void vg_eval_data_free(vg_eval_data *d);
uint64_t vg_eval_data_rows(const vg_eval_data *d);

/* What the plan decided: the same for every file it was made from. */
typedef struct vg_eval_plan {
    vg_task task;
    int task_inferred;     /* 1 when the task was not given */
    char task_reason[256]; /* why this task (also when given: "given with --task") */
    int scores;            /* binary: the prediction holds probability scores (else labels) */
    int proba;             /* multiclass: per-class probability columns */
    char prediction_reason[256];
    size_t n_classes; /* classification: the classes, in order */
    char **classes;   /* display names, owned by the plan */
    size_t pos;       /* binary: index of the positive class */
    char pos_reason[128];
    /* private: the class keys */
    void *keys;
} vg_eval_plan;

/* Decides the plan from the evaluated rows of data[0 .. nd) (the reference first). On success
 * free *plan with vg_eval_plan_free. Errors: a target or prediction that does not fit the
 * task, more than two classes for a binary task, no positive class (asks for --pos-label). */
int vg_eval_plan_make(const vg_eval_data *const *data, size_t nd, const vg_eval_options *o,
                      vg_eval_plan *plan, vg_error *err);
void vg_eval_plan_free(vg_eval_plan *plan);

/* One fairness grouping: a sensitive column, or the crossing of all of them. */
typedef struct vg_eval_fairness {
    size_t n_columns;
    char **columns;         /* the sensitive column(s), owned */
    vg_fair_result *result; /* owned */
} vg_eval_fairness;

typedef struct vg_eval_result {
    char *path;                  /* owned copy */
    const vg_eval_plan *plan;    /* not owned: must outlive the result */
    uint64_t rows;               /* data rows in the file */
    uint64_t evaluated;          /* rows with a target and a prediction */
    uint64_t missing_target;     /* rows whose target is missing (column absent: every row) */
    uint64_t missing_prediction; /* rows whose prediction (or a proba column) is missing */
    uint64_t excluded;           /* rows left out: missing target or prediction, or both */
    int has_labels;              /* 0: no row has a target (unlabelled current data) */
    int computed;                /* metrics below are filled (evaluated > 0 and has_labels) */
    vg_perf_binary binary;
    vg_perf_multiclass multiclass;
    vg_perf_regression regression;
    double threshold;                  /* binary */
    double quantile_q[VG_EVAL_MAX_NQ]; /* regression error quantiles asked */
    size_t n_fair;
    vg_eval_fairness *fair;
    char fairness_note[160]; /* why fairness was not computed ("" otherwise) */
} vg_eval_result;

/* Evaluates one file with the plan. An unlabelled file (has_labels 0) is not an error: it gets
 * no metrics. A file with labels but no evaluated row is VG_ERR_PARSE unless `allow_empty`.
 * Values that do not fit the plan (a probability outside [0, 1], a label outside the classes,
 * a non-numeric regression value) are VG_ERR_PARSE naming file, line and column. */
int vg_eval_compute(const vg_eval_data *d, const vg_eval_plan *plan, const vg_eval_options *o,
                    int allow_empty, vg_eval_result **out, vg_error *err);
void vg_eval_result_free(vg_eval_result *r);

/* CBPE (vg_estimate_cbpe) for a binary plan with scores: fitted on the labelled rows of `ref`,
 * applied to every row of `cur` with a score. VG_ERR_INVALID when the plan is not binary with
 * scores or either side has no usable row. */
int vg_eval_estimate(const vg_eval_data *ref, const vg_eval_data *cur, const vg_eval_plan *plan,
                     const vg_eval_options *o, vg_estimate_result **out, vg_error *err);

/* The model section of a comparison (vg_compare_report.model). Pointers not owned. */
typedef struct vg_eval_comparison {
    const vg_eval_result *reference, *current;
    const vg_estimate_result *estimated; /* NULL when not applicable */
    char estimate_note[160];             /* why there is no estimate ("" otherwise) */
} vg_eval_comparison;

/* Reports (src/evaluate/eval_report.c). The JSON functions add their keys (task, rows,
 * classification, regression, fairness; and estimated for a comparison) to the object `root`;
 * in a comparison each key holds {"reference": ..., "current": ...}. */
struct json_t;
int vg_eval_json(const vg_eval_result *r, struct json_t *root, vg_error *err);
int vg_eval_json_compare(const vg_eval_comparison *c, struct json_t *root, vg_error *err);
/* For a terminal: the task, row counts, metrics, confusion matrix, fairness tables. */
int vg_eval_text(const vg_eval_result *r, FILE *f, vg_error *err);
/* Reference and current side by side with the change, then the estimate. */
/* A self-contained HTML page (inline SVG, no network) for one file: the metrics, the confusion
 * matrix, the ROC, precision-recall and calibration curves, fairness ratios against the
 * four-fifths line (src/report/html.c, the page of vigia compare --html without the drift). */
int vg_eval_html(const vg_eval_result *r, FILE *f, vg_error *err);
int vg_eval_text_compare(const vg_eval_comparison *c, FILE *f, vg_error *err);

#ifdef __cplusplus
}
#endif
#endif
