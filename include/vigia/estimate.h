/*
 * Label-free performance estimation for binary classifiers: confidence-based performance
 * estimation (CBPE, as NannyML implements it). If the scores of the current data are calibrated
 * probabilities p_i = P(y_i = 1 | score), each prediction is right or wrong with a known
 * probability, so the confusion matrix has a known expectation and so, approximately, do
 * accuracy, precision, recall, F1 and ROC AUC. Calibration is checked on a labelled reference
 * set, and an isotonic calibrator fitted there (score -> observed positive rate) maps current
 * scores to probabilities when the raw scores are not calibrated. The estimate stays unbiased
 * under covariate shift (P(y | score) unchanged), not under concept shift.
 *
 * Conventions: scores and probabilities are doubles in [0, 1] (NaN or anything outside gives
 * VG_ERR_INVALID naming the array and the index); labels are 0 or 1; a row is predicted positive
 * when its raw score is >= the threshold (the model's decision, which calibration does not
 * change). Rates whose denominator is zero are NaN.
 */
#ifndef VIGIA_ESTIMATE_H
#define VIGIA_ESTIMATE_H

#include <stddef.h>
#include <stdint.h>

#include "vigia/error.h"

#ifdef __cplusplus
extern "C" {
#endif

#define VG_ESTIMATE_DEFAULT_THRESHOLD 0.5
#define VG_ESTIMATE_DEFAULT_BINS 10
#define VG_ESTIMATE_DEFAULT_ALPHA 0.001
#define VG_ESTIMATE_DEFAULT_ECE_TOLERANCE 0.01
#define VG_ESTIMATE_MAX_BINS 1000

/* ---- isotonic calibrator (src/estimate/isotonic.c) ------------------------------------------- */

/* A non-decreasing piecewise-linear map from score to probability, as
 * sklearn.isotonic.IsotonicRegression(out_of_bounds='clip') fits and predicts it (sklearn 1.2):
 * knots (x[k], y[k]) with x strictly increasing, linear interpolation between knots, and scores
 * outside [x[0], x[n-1]] clipped to the end knots. */
typedef struct vg_estimate_calibrator {
    size_t n;  /* knots, >= 1 */
    double *x; /* n ascending scores */
    double *y; /* n non-decreasing probabilities in [0, 1] */
} vg_estimate_calibrator;

/* Fits the calibrator to n >= 1 (score, label) pairs: rows are sorted by score, scores within
 * 1e-15 of the first of a run are merged into one point with the mean label (sklearn's
 * _make_unique), the means are made non-decreasing by pool-adjacent-violators with the merged
 * counts as weights (Ayer et al., Ann. Math. Statist. 26, 1955; Barlow et al., "Statistical
 * Inference under Order Restrictions", 1972), and interior knots whose value equals both
 * neighbours' are dropped. *out is freed with vg_estimate_calibrator_free. */
int vg_estimate_calibrator_fit(const double *score, const uint8_t *y, size_t n,
                               vg_estimate_calibrator **out, vg_error *err);

/* prob[i] = the calibrated score[i], i < n (prob may be score itself). */
int vg_estimate_calibrator_apply(const vg_estimate_calibrator *cal, const double *score, size_t n,
                                 double *prob, vg_error *err);

/* Frees a calibrator (NULL allowed). */
void vg_estimate_calibrator_free(vg_estimate_calibrator *cal);

/* ---- calibration check (src/estimate/cbpe.c) ------------------------------------------------- */

/* Reliability of scores against labels over n_bins equal-width bins of [0, 1]: bin
 * min(floor(score * n_bins), n_bins - 1).
 *   ece       = sum_b |sum_{i in b} score_i - sum_{i in b} y_i| / n  (expected calibration
 *               error: the count-weighted mean gap between mean score and positive rate);
 *   statistic = sum_b (O_b - E_b)^2 / V_b over the bins with V_b > 0, where O_b = sum y,
 *               E_b = sum score, V_b = sum score (1 - score): a Hosmer-Lemeshow-type
 *               chi-squared that uses the exact variance of O_b under calibration (a sum of
 *               independent Bernoullis) instead of n_b pbar (1 - pbar); +inf when a bin with
 *               V_b = 0 (scores all 0 or all 1) has O_b != E_b;
 *   p_value   = chi-squared survival function at the statistic with as many degrees of freedom
 *               as bins used (the scores are not fitted to these labels), 1 with none.
 * The scores are declared not calibrated when p_value < alpha AND ece > ece_tolerance: the
 * test alone would flag immaterial gaps on large samples, the ECE alone the noise of small
 * ones. */
typedef struct vg_estimate_calibration {
    size_t n;            /* rows checked */
    size_t n_bins;       /* bins (of which some may be empty) */
    uint64_t *bin_count; /* n_bins rows per bin */
    double *bin_score;   /* n_bins mean scores (NaN for an empty bin) */
    double *bin_rate;    /* n_bins positive rates (NaN for an empty bin) */
    double ece;          /* as above, in [0, 1] */
    double statistic;    /* chi-squared statistic, or +inf */
    double df;           /* degrees of freedom: bins with V_b > 0 */
    double p_value;      /* 1 when df = 0 */
    int calibrated;      /* 0 when the scores fail the check */
    char warning[256];   /* "" when calibrated, else a sentence for a person */
} vg_estimate_calibration;

typedef struct vg_estimate_options {
    double threshold;     /* predicted positive when score >= threshold; default 0.5 */
    int calibration;      /* VG_ESTIMATE_CALIBRATE_*: when to apply the isotonic calibrator */
    size_t n_bins;        /* bins of the calibration check, 1..1000; default 10 */
    double alpha;         /* significance of the check; default 0.001 */
    double ece_tolerance; /* smallest ECE worth a warning; default 0.01 */
} vg_estimate_options;

enum {
    VG_ESTIMATE_CALIBRATE_AUTO = 0, /* when the reference fails the calibration check */
    VG_ESTIMATE_CALIBRATE_ALWAYS = 1,
    VG_ESTIMATE_CALIBRATE_NEVER = 2
};

/* Sets the defaults above (calibration AUTO). */
void vg_estimate_options_init(vg_estimate_options *opt);

/* Fills *out (arrays freed with vg_estimate_calibration_free) for n >= 1 rows; opt may be NULL
 * (only n_bins, alpha and ece_tolerance are used). On failure *out is untouched. */
int vg_estimate_calibration_check(const double *score, const uint8_t *y, size_t n,
                                  const vg_estimate_options *opt, vg_estimate_calibration *out,
                                  vg_error *err);

/* Frees the arrays of `cal` (NULL allowed) and zeroes it. */
void vg_estimate_calibration_free(vg_estimate_calibration *cal);

/* ---- metrics from probabilities (src/estimate/cbpe.c) ---------------------------------------- */

/* Expected confusion matrix and metrics. With pred_i = (score_i >= threshold):
 *   tp = sum_{pred=1} p_i, fp = sum_{pred=1} (1 - p_i), fn = sum_{pred=0} p_i,
 *   tn = sum_{pred=0} (1 - p_i);
 *   accuracy = (tp + tn) / n, precision = tp / (tp + fp), recall = tp / (tp + fn),
 *   f1 = 2 tp / (2 tp + fp + fn);
 *   accuracy_se = sqrt(sum p_i (1 - p_i)) / n: the standard deviation of the realised accuracy
 *   when the labels are independent Bernoulli(p_i) (each row is right with probability p_i or
 *   1 - p_i, of variance p_i (1 - p_i)); accuracy +/- 1.96 accuracy_se is a 95% interval
 *   for the realised accuracy, given calibrated p (it leaves out the calibrator's own error);
 *   roc_auc = the area under the expected ROC curve: rows sorted by decreasing score, one point
 *   per distinct score (ties grouped) at TPR = sum_{score >= s} p / sum p and FPR =
 *   sum_{score >= s} (1 - p) / sum (1 - p), from (0, 0), trapezoids (NannyML's
 *   estimate_roc_auc, ranking by `score`). NaN when sum p or sum (1 - p) is 0.
 * With p_i = y_i in {0, 1} these are the realised metrics, roc_auc that of
 * sklearn.metrics.roc_auc_score. */
typedef struct vg_estimate_metrics {
    size_t n;
    double tp, fp, fn, tn;
    double accuracy, precision, recall, f1, roc_auc;
    double accuracy_se;
} vg_estimate_metrics;

/* The metrics of n >= 1 rows with probabilities p and ranking scores `score` (may be NULL: p
 * itself, for both the ranking and the threshold). */
int vg_estimate_metrics_compute(const double *p, const double *score, size_t n, double threshold,
                                vg_estimate_metrics *out, vg_error *err);

/* ---- CBPE (src/estimate/cbpe.c) -------------------------------------------------------------- */

typedef struct vg_estimate_result {
    vg_estimate_calibration calibration; /* the check of the raw reference scores */
    int calibration_applied;             /* the isotonic calibrator mapped the current scores */
    vg_estimate_calibrator *calibrator;  /* fitted on the reference when applied, else NULL;
                                            owned by the result */
    vg_estimate_metrics reference;       /* realised metrics of the reference (accuracy_se 0) */
    vg_estimate_metrics estimated;       /* estimated metrics of the current data */
} vg_estimate_result;

/* Checks the reference scores (ref_score, ref_y: n_ref >= 1 rows), decides on calibration
 * (opt->calibration), and estimates the metrics of the current scores (n_cur >= 1 rows; opt
 * may be NULL). *out is freed with vg_estimate_result_free; on failure it is untouched. */
int vg_estimate_cbpe(const double *ref_score, const uint8_t *ref_y, size_t n_ref,
                     const double *cur_score, size_t n_cur, const vg_estimate_options *opt,
                     vg_estimate_result **out, vg_error *err);

/* Frees a result and the calibrator it owns (NULL allowed). */
void vg_estimate_result_free(vg_estimate_result *r);

#ifdef __cplusplus
}
#endif
#endif
