/*
 * Helpers shared by the files of src/perf/ and not part of the public API (vigia/perf.h):
 * compensated sums, radix sorts of doubles, and the computations that the batch and the
 * streaming forms share so that both give the same numbers from the same counts (label
 * metrics from a confusion matrix, ranking metrics and curves from score groups, calibration
 * from bin sums).
 */
#ifndef VG_PERF_INTERNAL_H
#define VG_PERF_INTERNAL_H

#include <math.h>
#include <stddef.h>
#include <stdint.h>

#include "vigia/perf.h"

#include "../base/sort.h"
#include "../base/sum.h"

/* Sums are base/sum.h's: Neumaier's compensated vg_ksum (the error stays O(u |sum|) plus
 * O(n u^2 sum|x|), independent of n for the sums of non-negative terms that losses are) and
 * numpy's pairwise vg_sum_pairwise; sorting is base/sort.h's radix sort. */

/* log_loss's clipping: sklearn 1.2.1 eps="auto" is np.finfo(np.float64).eps. */
#define VG_PERF_EPS 2.220446049250313080847263336181640625e-16

/* Rearranges x[0 .. n) so that x[k[j]] holds the value a sort would put there, for each of
 * the nk ranks k[] (increasing, each < n); no NaN. Expected time O(n log nk). */
void vg_perf_select(double *x, size_t n, const size_t *k, size_t nk);

/* One distinct score value (or one histogram bin) and how many positives and negatives hold
 * it; groups are passed in decreasing order of threshold. */
typedef struct vg_perf_group {
    double threshold;
    uint64_t pos, neg;
} vg_perf_group;

/* Fills the label metrics of r from r->tn, fp, fn, tp. */
void vg_perf_binary_label_metrics(vg_perf_binary *r);

/* Fills roc_auc, average_precision, single_class and the roc and pr curves of r (r->n_pos,
 * r->n_neg set) from m >= 1 groups. VG_ERR_NOMEM or VG_OK (curves then allocated). */
int vg_perf_binary_rank_metrics(vg_perf_binary *r, const vg_perf_group *g, size_t m,
                                size_t curve_points, vg_error *err);

/* Index of p in the uniform calibration bins of calibration_curve: the number of inner edges
 * i/B (i = 1..B-1, as np.linspace computes them) strictly below p (np.searchsorted, left). */
size_t vg_perf_calibration_bin(double p, size_t bins);

/* Allocates r's calibration arrays (bins) and fills them and ece from per-bin counts,
 * positives and score sums. */
int vg_perf_binary_calibration(vg_perf_binary *r, size_t bins, const uint64_t *count,
                               const uint64_t *pos, const vg_ksum *sum, vg_error *err);

/* Per-row log-loss term of sklearn 1.2.1: clip to [eps, 1-eps], renormalize, -log. */
double vg_perf_binary_logloss_term(int y, double p);

/* Checks the options (NULL -> defaults) into *o. */
int vg_perf_binary_check_opts(const vg_perf_binary_opts *opts, vg_perf_binary_opts *o,
                              const char *fn, vg_error *err);

/* Validates binary inputs; the message names the array and index. */
int vg_perf_binary_check_input(const char *fn, const uint8_t *y_true, const double *score,
                               const uint8_t *y_pred, size_t n, vg_error *err);

/* Fills the per-class and averaged metrics of r from r->confusion (k, n set). */
void vg_perf_multiclass_label_metrics(vg_perf_multiclass *r);

/* Allocates r's arrays for k classes (zeroed). */
int vg_perf_multiclass_alloc(vg_perf_multiclass *r, uint32_t k, vg_error *err);

/* Validates multiclass inputs. */
int vg_perf_multiclass_check_input(const char *fn, const uint32_t *y_true, const uint32_t *y_pred,
                                   const double *proba, size_t n, uint32_t k, vg_error *err);

/* Row i's contribution to log loss and whether its true class is in the top k (ties broken
 * as top_k_accuracy_score: among equal scores the higher class index ranks first). */
double vg_perf_multiclass_logloss_term(const double *row, uint32_t k, uint32_t y, double *buf);
int vg_perf_multiclass_topk_hit(const double *row, uint32_t k, uint32_t y, uint32_t top_k);
uint32_t vg_perf_argmax(const double *row, uint32_t k);

/* Validates regression inputs (every value finite) and the quantile probabilities. */
int vg_perf_regression_check(const char *fn, const double *y_true, const double *y_pred, size_t n,
                             const double *q, size_t nq, vg_error *err);

#endif
