/*
 * Model-quality metrics: binary classification, multiclass classification and regression,
 * in two forms. The batch functions (vg_perf_*_compute) take plain arrays and reproduce
 * scikit-learn 1.2.1's sklearn.metrics to about 1e-12 relative (each field below names the
 * sklearn function and arguments it equals; docs/perf.md gives the exact definitions and
 * tests/oracle/test_perf.py checks them). The streaming forms (vg_perf_*_stream) keep
 * mergeable state for a monitoring daemon: exact confusion counts, compensated sums, and
 * per-class score histograms from which ROC AUC and average precision are computed with a
 * reported error bound.
 *
 * Input contract, common to all functions: the caller has already excluded rows with a
 * missing target or prediction (and counted them: a CLI reports how many it dropped). What is
 * passed here must be complete; a NaN, a label outside the declared classes or a probability
 * outside [0, 1] is a caller error, VG_ERR_INVALID with a message naming the array and the
 * index. n = 0 is VG_ERR_INVALID too. Inputs are never modified.
 *
 * Results are structs owned by the caller. A result may hold heap arrays (curves, per-class
 * arrays); release them with the matching *_free, which accepts a zeroed or already freed
 * struct. A function that fails leaves its result untouched.
 *
 * Undefined values follow scikit-learn: where sklearn divides by zero with zero_division
 * "warn" the value is 0 (precision, recall, F1, specificity, MCC); where sklearn raises
 * (ROC AUC with a single class in y_true) the value is NaN and a flag says why.
 */
#ifndef VIGIA_PERF_H
#define VIGIA_PERF_H

#include <stddef.h>
#include <stdint.h>

#include "vigia/error.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- binary classification ----------------------------------------------------------------- */

#define VG_PERF_DEFAULT_THRESHOLD 0.5
#define VG_PERF_DEFAULT_CURVE_POINTS 201
#define VG_PERF_DEFAULT_CALIBRATION_BINS 10
#define VG_PERF_DEFAULT_SCORE_BINS 1000 /* histogram bins of the binary stream */
#define VG_PERF_MAX_BINS 1000000        /* calibration and score bins */

typedef struct vg_perf_binary_opts {
    double threshold;        /* predicted positive when score >= threshold (0.5) */
    size_t curve_points;     /* at most this many points kept per curve, >= 2 (201) */
    size_t calibration_bins; /* uniform bins on [0, 1] for ECE and the calibration curve (10) */
} vg_perf_binary_opts;

/* Fills the defaults above. */
void vg_perf_binary_opts_init(vg_perf_binary_opts *opts);

/* A curve as parallel arrays of n points (one allocation, owned by the enclosing result).
 * ROC: x = false positive rate, y = true positive rate, in sklearn.metrics.roc_curve's order
 * (drop_intermediate=True; the first point (0, 0) has threshold max(score) + 1, as sklearn
 * 1.2.1). PR: x = recall, y = precision, in precision_recall_curve's order (recall
 * decreasing, ending at (0, 1) whose threshold is NaN). When the full curve has more than
 * curve_points points it is thinned to points equally spaced along its length, always keeping
 * the first and the last, so n <= curve_points and every kept point is a point of sklearn's
 * curve; n_full is the length of the full curve. */
typedef struct vg_perf_curve {
    size_t n, n_full;
    double *x, *y, *threshold;
} vg_perf_curve;

typedef struct vg_perf_binary {
    uint64_t n, n_pos, n_neg;
    uint64_t tn, fp, fn, tp; /* sklearn.metrics.confusion_matrix(y, pred, labels=[0, 1]) */
    /* Label metrics (sklearn defaults, pos_label=1, zero_division="warn" -> 0):
     * accuracy_score, precision_score, recall_score, f1_score, recall_score(pos_label=0)
     * (specificity), balanced_accuracy_score, matthews_corrcoef. */
    double accuracy, precision, recall, f1, specificity, balanced_accuracy, mcc;
    int single_class; /* y_true holds one class only: roc_auc is NaN (sklearn raises) */
    int has_scores;   /* 0: scores were not given and every score metric below is NaN */
    /* Score metrics: roc_auc_score; average_precision_score (sklearn's step sum
     * sum_k (R_k - R_k-1) P_k, not a trapezoid; 0 when y_true has no positive, as sklearn);
     * log_loss(y, score, labels=[0, 1]) with eps = 2^-52 (sklearn 1.2.1 eps="auto");
     * brier_score_loss; ece as defined in docs/perf.md. */
    double roc_auc, average_precision, log_loss, brier, ece;
    /* Batch results are exact: both bounds are 0. A stream's are bounds on the distance to
     * the exact values of the same data: |roc_auc - exact| <= roc_auc_bound and
     * |average_precision - exact| <= average_precision_bound. */
    double roc_auc_bound, average_precision_bound;
    /* Calibration, sklearn.calibration.calibration_curve(y, score, n_bins=calibration_bins,
     * strategy="uniform"): per bin (all bins, empty ones included, where sklearn drops them)
     * the count, prob_true and prob_pred (NaN for an empty bin). */
    size_t calibration_bins;
    uint64_t *cal_count;
    double *cal_prob_true, *cal_prob_pred;
    vg_perf_curve roc, pr;
} vg_perf_binary;

/* Binary metrics of n predictions. y_true[i] is 1 for the positive class and 0 otherwise (the
 * caller maps its positive label to 1). score[i] is the predicted probability of the positive
 * class, in [0, 1]; may be NULL when only labels are known (has_scores = 0). y_pred[i] in
 * {0, 1}; may be NULL when score is given, and then y_pred[i] = score[i] >= threshold. opts
 * may be NULL (defaults). Time O(n) plus a radix sort of the scores; memory O(n). AUC is
 * counted in 64-bit integers: exact for n < 2^32. */
int vg_perf_binary_compute(const uint8_t *y_true, const double *score, const uint8_t *y_pred,
                           size_t n, const vg_perf_binary_opts *opts, vg_perf_binary *out,
                           vg_error *err);
/* Frees the arrays inside r (not r itself) and zeroes them; accepts a zeroed struct. */
void vg_perf_binary_free(vg_perf_binary *r);

/* ---- multiclass classification ------------------------------------------------------------- */

typedef struct vg_perf_multiclass {
    uint32_t k; /* number of classes; labels are 0 .. k-1 */
    uint64_t n;
    /* k x k row-major, row = true class, column = predicted class:
     * sklearn.metrics.confusion_matrix(y, pred, labels=range(k)) */
    uint64_t *confusion;
    /* Per class, precision_recall_fscore_support(y, pred, labels=range(k), average=None)
     * (zero_division -> 0): precision, recall, f1 and support (the number of true samples). */
    double *precision, *recall, *f1;
    uint64_t *support;
    double accuracy;          /* accuracy_score */
    double balanced_accuracy; /* balanced_accuracy_score (classes absent from y_true skipped) */
    double mcc;               /* matthews_corrcoef */
    /* precision_score / recall_score / f1_score with labels=range(k) and average = "macro",
     * "micro", "weighted". Note labels=range(k): a declared class that never occurs in y_true
     * nor in the predictions counts in the macro average with 0 (sklearn without labels= would
     * leave it out). */
    double macro_precision, macro_recall, macro_f1;
    double micro_precision, micro_recall, micro_f1;
    double weighted_precision, weighted_recall, weighted_f1;
    int has_proba;         /* 0: proba not given, log_loss and top_k_accuracy are NaN */
    double log_loss;       /* log_loss(y, proba, labels=range(k)), eps = 2^-52 */
    uint32_t top_k;        /* as asked (0: top_k_accuracy not computed, NaN) */
    double top_k_accuracy; /* top_k_accuracy_score(y, proba, k=top_k, labels=range(k)) */
} vg_perf_multiclass;

/* Multiclass metrics of n predictions over k >= 2 classes. y_true[i] in [0, k). y_pred[i] in
 * [0, k); may be NULL when proba is given, and then y_pred[i] = argmax_j proba[i][j] (the
 * first maximum, as numpy.argmax). proba (may be NULL) is n x k row-major, each value in
 * [0, 1]; as sklearn 1.2.1's log_loss, rows are clipped to [eps, 1-eps] and renormalized, not
 * required to sum to 1. top_k: 0 for none. */
int vg_perf_multiclass_compute(const uint32_t *y_true, const uint32_t *y_pred, const double *proba,
                               size_t n, uint32_t k, uint32_t top_k, vg_perf_multiclass *out,
                               vg_error *err);
void vg_perf_multiclass_free(vg_perf_multiclass *r);

/* ---- regression ---------------------------------------------------------------------------- */

#define VG_PERF_MAX_QUANTILES 16

typedef struct vg_perf_regression {
    uint64_t n;
    double mae;            /* mean_absolute_error */
    double mse;            /* mean_squared_error */
    double rmse;           /* mean_squared_error(squared=False) */
    double mape;           /* mean_absolute_percentage_error: |e| / max(|y|, 2^-52) averaged */
    uint64_t zero_targets; /* count of y_true == 0, whose terms dominate mape */
    double mape_nonzero;   /* mean of |e| / |y| over the rows with y_true != 0 (NaN if none) */
    double r2;             /* r2_score: NaN for n < 2; constant y_true -> 1 if perfect else 0 */
    double median_ae;      /* median_absolute_error */
    double mean_error;     /* mean(y_pred - y_true): the bias, positive when over-predicting */
    /* numpy.quantile(y_pred - y_true, q) (method "linear") for each q asked; a stream gives
     * KLL sketch estimates instead (see vg_perf_regression_stream_result). */
    size_t n_quantiles;
    double quantile[VG_PERF_MAX_QUANTILES], error_quantile[VG_PERF_MAX_QUANTILES];
} vg_perf_regression;

/* Regression metrics of n predictions; every value must be finite. q[0 .. nq) are the
 * probabilities in [0, 1] of the error quantiles wanted (q may be NULL when nq = 0;
 * nq <= VG_PERF_MAX_QUANTILES). */
int vg_perf_regression_compute(const double *y_true, const double *y_pred, size_t n,
                               const double *q, size_t nq, vg_perf_regression *out, vg_error *err);
/* The result holds no heap memory; provided for symmetry with the other results. */
void vg_perf_regression_free(vg_perf_regression *r);

/* ---- streaming, mergeable forms ------------------------------------------------------------ */

/* Each stream has _new, _add (any number of batches), _merge(dst, src) (dst += src; src is not
 * changed and must be a different stream), _result (fills the batch result struct, to be freed
 * with the batch _free) and _free (accepts NULL). */

/* Binary stream: exact confusion counts, compensated sums for log loss and Brier, exact
 * calibration bin counts, and per-class histograms of the score over `score_bins` equal-width
 * bins on [0, 1] (bin of s: min(floor(s B), B-1)). ROC AUC and average precision come from the
 * histograms, treating scores of one bin as tied; the result carries a bound on the distance
 * to the exact values, computed from the histograms (docs/perf.md): for AUC, half the share of
 * positive-negative pairs that share a bin. The label metrics equal the batch ones exactly;
 * log loss, Brier and ECE to rounding. `with_scores`: whether every add brings scores. */
typedef struct vg_perf_binary_stream vg_perf_binary_stream;

/* opts may be NULL (defaults); score_bins in [1, VG_PERF_MAX_BINS]. Free with
 * vg_perf_binary_stream_free. */
vg_perf_binary_stream *vg_perf_binary_stream_new(const vg_perf_binary_opts *opts, size_t score_bins,
                                                 int with_scores, vg_error *err);
void vg_perf_binary_stream_free(vg_perf_binary_stream *s);
/* Adds n rows, with the arguments of vg_perf_binary_compute (score non-NULL iff with_scores).
 * The rows are validated first: on error nothing is added. */
int vg_perf_binary_stream_add(vg_perf_binary_stream *s, const uint8_t *y_true, const double *score,
                              const uint8_t *y_pred, size_t n, vg_error *err);
/* dst := dst + src; VG_ERR_MISMATCH when the options, bins or with_scores differ. */
int vg_perf_binary_stream_merge(vg_perf_binary_stream *dst, const vg_perf_binary_stream *src,
                                vg_error *err);
/* Metrics of everything added so far (VG_ERR_INVALID when nothing was). Curves are the ROC
 * and PR curves of the histogram (thresholds at the bin lower edges). Free with
 * vg_perf_binary_free. */
int vg_perf_binary_stream_result(const vg_perf_binary_stream *s, vg_perf_binary *out,
                                 vg_error *err);

/* Multiclass stream: the exact confusion matrix plus, when with_proba, the log-loss sum and
 * top-k hits. Every field of the result equals the batch result exactly, but log_loss, which
 * equals it to rounding. */
typedef struct vg_perf_multiclass_stream vg_perf_multiclass_stream;

vg_perf_multiclass_stream *vg_perf_multiclass_stream_new(uint32_t k, uint32_t top_k, int with_proba,
                                                         vg_error *err);
void vg_perf_multiclass_stream_free(vg_perf_multiclass_stream *s);
int vg_perf_multiclass_stream_add(vg_perf_multiclass_stream *s, const uint32_t *y_true,
                                  const uint32_t *y_pred, const double *proba, size_t n,
                                  vg_error *err);
int vg_perf_multiclass_stream_merge(vg_perf_multiclass_stream *dst,
                                    const vg_perf_multiclass_stream *src, vg_error *err);
int vg_perf_multiclass_stream_result(const vg_perf_multiclass_stream *s, vg_perf_multiclass *out,
                                     vg_error *err);

/* Regression stream: compensated sums of |e|, e, e^2 and the percentage errors, the count of
 * zero targets, and the mean and centered sum of squares of y_true (two passes per batch,
 * combined with Chan, Golub & LeVeque's pairwise formula) for R^2. These fields equal the batch
 * ones to rounding. median_ae and the error quantiles come from KLL sketches (vigia/kll.h,
 * k = 300: rank error about 1%), not exact. _add validates the rows before adding any; it can
 * then fail only with VG_ERR_NOMEM from a sketch, with the rows counted and the stream valid
 * (vg_kll_update's contract). _merge fails with VG_ERR_MISMATCH when the quantiles asked
 * differ. */
typedef struct vg_perf_regression_stream vg_perf_regression_stream;

/* q[0 .. nq): error quantiles to report, as vg_perf_regression_compute. */
vg_perf_regression_stream *vg_perf_regression_stream_new(const double *q, size_t nq, vg_error *err);
void vg_perf_regression_stream_free(vg_perf_regression_stream *s);
int vg_perf_regression_stream_add(vg_perf_regression_stream *s, const double *y_true,
                                  const double *y_pred, size_t n, vg_error *err);
int vg_perf_regression_stream_merge(vg_perf_regression_stream *dst,
                                    const vg_perf_regression_stream *src, vg_error *err);
int vg_perf_regression_stream_result(const vg_perf_regression_stream *s, vg_perf_regression *out,
                                     vg_error *err);

#ifdef __cplusplus
}
#endif
#endif
