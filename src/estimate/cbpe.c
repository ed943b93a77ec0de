/*
 * Confidence-based performance estimation (vigia/estimate.h): the calibration check of the
 * reference scores, the expected confusion matrix and metrics from probabilities, and the CBPE
 * procedure that ties them together with the isotonic calibrator (src/estimate/isotonic.c).
 *
 * The idea (NannyML's CBPE, https://nannyml.readthedocs.io, "Confidence-based Performance
 * Estimation"): for a calibrated probability p_i, row i is an actual positive with probability
 * p_i whatever the features, so under covariate shift the expected true positives among the
 * predicted positives are sum p_i, and so on for the other cells. Ratios of expected counts
 * (precision, recall, F1, AUC) are first-order approximations of the expected ratios, with a
 * bias of order 1/n; accuracy is a mean, so its estimate is exact in expectation and its
 * spread is that of a sum of independent Bernoullis.
 *
 * Sums of probabilities use Neumaier's compensated summation (Neumaier, ZAMM 54, 1974), so that
 * totals over millions of rows keep their digits and the estimates of two equal inputs agree
 * whatever their size.
 */
#include "vigia/estimate.h"
#include "vigia/stats.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../base/sum.h"
#include "internal.h"

static double ratio(double a, double b) {
    return b > 0 ? a / b : NAN;
}

int vg_estimate_check_scores(const char *fn, const char *what, const double *s, size_t n,
                             vg_error *err) {
    if (n && !s)
        return vg_error_set(err, VG_ERR_INVALID, "%s: NULL %s", fn, what);
    for (size_t i = 0; i < n; i++)
        if (!(s[i] >= 0 && s[i] <= 1))
            return vg_error_set(err, VG_ERR_INVALID, "%s: %s at index %zu is %g, not in [0, 1]", fn,
                                what, i, s[i]);
    return VG_OK;
}

int vg_estimate_check_labels(const char *fn, const char *what, const uint8_t *y, size_t n,
                             vg_error *err) {
    if (n && !y)
        return vg_error_set(err, VG_ERR_INVALID, "%s: NULL %s", fn, what);
    for (size_t i = 0; i < n; i++)
        if (y[i] > 1)
            return vg_error_set(err, VG_ERR_INVALID, "%s: %s at index %zu is %u, not 0 or 1", fn,
                                what, i, y[i]);
    return VG_OK;
}

void vg_estimate_options_init(vg_estimate_options *opt) {
    if (!opt)
        return;
    opt->threshold = VG_ESTIMATE_DEFAULT_THRESHOLD;
    opt->calibration = VG_ESTIMATE_CALIBRATE_AUTO;
    opt->n_bins = VG_ESTIMATE_DEFAULT_BINS;
    opt->alpha = VG_ESTIMATE_DEFAULT_ALPHA;
    opt->ece_tolerance = VG_ESTIMATE_DEFAULT_ECE_TOLERANCE;
}

static int check_options(const char *fn, const vg_estimate_options *opt, vg_error *err) {
    if (opt->n_bins < 1 || opt->n_bins > VG_ESTIMATE_MAX_BINS)
        return vg_error_set(err, VG_ERR_INVALID, "%s: n_bins %zu is not in 1..%d", fn, opt->n_bins,
                            VG_ESTIMATE_MAX_BINS);
    if (!(opt->alpha > 0 && opt->alpha < 1))
        return vg_error_set(err, VG_ERR_INVALID, "%s: alpha %g is not in (0, 1)", fn, opt->alpha);
    if (!(opt->ece_tolerance >= 0 && opt->ece_tolerance <= 1))
        return vg_error_set(err, VG_ERR_INVALID, "%s: ece_tolerance %g is not in [0, 1]", fn,
                            opt->ece_tolerance);
    if (isnan(opt->threshold))
        return vg_error_set(err, VG_ERR_INVALID, "%s: threshold is NaN", fn);
    if (opt->calibration < VG_ESTIMATE_CALIBRATE_AUTO ||
        opt->calibration > VG_ESTIMATE_CALIBRATE_NEVER)
        return vg_error_set(err, VG_ERR_INVALID, "%s: calibration mode %d is unknown", fn,
                            opt->calibration);
    return VG_OK;
}

/* ---- calibration check ------------------------------------------------------------------- */

int vg_estimate_calibration_check(const double *score, const uint8_t *y, size_t n,
                                  const vg_estimate_options *opt, vg_estimate_calibration *out,
                                  vg_error *err) {
    static const char fn[] = "calibration check";
    vg_estimate_options defaults;
    vg_estimate_options_init(&defaults);
    if (!opt)
        opt = &defaults;
    if (!out)
        return vg_error_set(err, VG_ERR_INVALID, "%s: NULL output pointer", fn);
    if (n == 0)
        return vg_error_set(err, VG_ERR_INVALID, "%s: no reference rows", fn);
    int rc = check_options(fn, opt, err);
    if (rc == VG_OK)
        rc = vg_estimate_check_scores(fn, "reference score", score, n, err);
    if (rc == VG_OK)
        rc = vg_estimate_check_labels(fn, "reference label", y, n, err);
    if (rc != VG_OK)
        return rc;

    size_t nb = opt->n_bins;
    uint64_t *count = calloc(nb, sizeof *count);
    double *mean_score = malloc(nb * sizeof *mean_score), *rate = malloc(nb * sizeof *rate);
    vg_ksum *sum_s = calloc(nb, sizeof *sum_s), *sum_v = calloc(nb, sizeof *sum_v);
    uint64_t *pos = calloc(nb, sizeof *pos);
    if (!count || !mean_score || !rate || !sum_s || !sum_v || !pos) {
        free(count), free(mean_score), free(rate), free(sum_s), free(sum_v), free(pos);
        return vg_error_set(err, VG_ERR_NOMEM, "%s: out of memory for %zu bins", fn, nb);
    }
    for (size_t i = 0; i < n; i++) {
        double b = floor(score[i] * (double)nb);
        size_t k = b >= (double)nb ? nb - 1 : (size_t)b;
        count[k]++;
        pos[k] += y[i];
        vg_ksum_add(&sum_s[k], score[i]);
        vg_ksum_add(&sum_v[k], score[i] * (1 - score[i]));
    }
    double gap = 0, stat = 0, df = 0;
    for (size_t k = 0; k < nb; k++) {
        double e = vg_ksum_value(&sum_s[k]), v = vg_ksum_value(&sum_v[k]), o = (double)pos[k];
        mean_score[k] = count[k] ? e / (double)count[k] : NAN;
        rate[k] = count[k] ? o / (double)count[k] : NAN;
        gap += fabs(e - o);
        if (v > 0) {
            stat += (o - e) * (o - e) / v;
            df += 1;
        } else if (count[k] && o != e) {
            /* certain scores (all 0 or all 1) contradicted by a label: impossible if calibrated */
            stat = INFINITY;
        }
    }
    free(sum_s);
    free(sum_v);
    free(pos);

    memset(out, 0, sizeof *out);
    out->n = n;
    out->n_bins = nb;
    out->bin_count = count;
    out->bin_score = mean_score;
    out->bin_rate = rate;
    out->ece = gap / (double)n;
    out->statistic = stat;
    out->df = df;
    out->p_value = isinf(stat) ? 0 : df > 0 ? vg_dist_chi2_sf(stat, df) : 1;
    out->calibrated = !(out->p_value < opt->alpha && out->ece > opt->ece_tolerance);
    if (!out->calibrated)
        snprintf(out->warning, sizeof out->warning,
                 "scores are not calibrated on the reference data: expected calibration error "
                 "%.3f over %zu bins, chi-squared %.1f on %.0f df (p = %.2g)",
                 out->ece, nb, stat, df, out->p_value);
    return VG_OK;
}

void vg_estimate_calibration_free(vg_estimate_calibration *cal) {
    if (!cal)
        return;
    free(cal->bin_count);
    free(cal->bin_score);
    free(cal->bin_rate);
    memset(cal, 0, sizeof *cal);
}

/* ---- metrics from probabilities ------------------------------------------------------------ */

typedef struct {
    double score, p;
} ranked;

static int cmp_ranked_desc(const void *a, const void *b) {
    double x = ((const ranked *)a)->score, y = ((const ranked *)b)->score;
    return (x < y) - (x > y);
}

/* Area under the expected ROC curve (see vigia/estimate.h). The totals are the final
 * cumulative sums, so the curve ends exactly at (1, 1). */
static double expected_auc(ranked *r, size_t n) {
    qsort(r, n, sizeof *r, cmp_ranked_desc);
    vg_ksum tot_p = {0, 0}, tot_n = {0, 0};
    for (size_t i = 0; i < n; i++) {
        vg_ksum_add(&tot_p, r[i].p);
        vg_ksum_add(&tot_n, 1 - r[i].p);
    }
    double P = vg_ksum_value(&tot_p), N = vg_ksum_value(&tot_n);
    if (!(P > 0 && N > 0))
        return NAN;
    vg_ksum cp = {0, 0}, cn = {0, 0};
    double tpr0 = 0, fpr0 = 0, area = 0;
    for (size_t i = 0; i < n;) {
        size_t j = i;
        for (; j < n && r[j].score == r[i].score; j++) {
            vg_ksum_add(&cp, r[j].p);
            vg_ksum_add(&cn, 1 - r[j].p);
        }
        double tpr = vg_ksum_value(&cp) / P, fpr = vg_ksum_value(&cn) / N;
        area += (fpr - fpr0) * (tpr + tpr0) / 2;
        tpr0 = tpr, fpr0 = fpr;
        i = j;
    }
    return area;
}

int vg_estimate_metrics_compute(const double *p, const double *score, size_t n, double threshold,
                                vg_estimate_metrics *out, vg_error *err) {
    static const char fn[] = "estimated metrics";
    if (!out)
        return vg_error_set(err, VG_ERR_INVALID, "%s: NULL output pointer", fn);
    if (n == 0)
        return vg_error_set(err, VG_ERR_INVALID, "%s: no rows", fn);
    if (isnan(threshold))
        return vg_error_set(err, VG_ERR_INVALID, "%s: threshold is NaN", fn);
    int rc = vg_estimate_check_scores(fn, "probability", p, n, err);
    if (rc == VG_OK && score)
        rc = vg_estimate_check_scores(fn, "score", score, n, err);
    if (rc != VG_OK)
        return rc;
    if (!score)
        score = p;
    ranked *r = malloc(n * sizeof *r);
    if (!r)
        return vg_error_set(err, VG_ERR_NOMEM, "%s: out of memory for %zu rows", fn, n);

    vg_ksum tp = {0, 0}, fp = {0, 0}, fn_ = {0, 0}, tn = {0, 0}, var = {0, 0};
    for (size_t i = 0; i < n; i++) {
        double pi = p[i];
        if (score[i] >= threshold) {
            vg_ksum_add(&tp, pi);
            vg_ksum_add(&fp, 1 - pi);
        } else {
            vg_ksum_add(&fn_, pi);
            vg_ksum_add(&tn, 1 - pi);
        }
        vg_ksum_add(&var, pi * (1 - pi));
        r[i] = (ranked){score[i], pi};
    }
    vg_estimate_metrics m;
    m.n = n;
    m.tp = vg_ksum_value(&tp), m.fp = vg_ksum_value(&fp);
    m.fn = vg_ksum_value(&fn_), m.tn = vg_ksum_value(&tn);
    m.accuracy = (m.tp + m.tn) / (double)n;
    m.precision = ratio(m.tp, m.tp + m.fp);
    m.recall = ratio(m.tp, m.tp + m.fn);
    m.f1 = ratio(2 * m.tp, 2 * m.tp + m.fp + m.fn);
    m.accuracy_se = sqrt(vg_ksum_value(&var)) / (double)n;
    m.roc_auc = expected_auc(r, n);
    free(r);
    *out = m;
    return VG_OK;
}

/* ---- CBPE ------------------------------------------------------------------------------------ */

int vg_estimate_cbpe(const double *ref_score, const uint8_t *ref_y, size_t n_ref,
                     const double *cur_score, size_t n_cur, const vg_estimate_options *opt,
                     vg_estimate_result **out, vg_error *err) {
    static const char fn[] = "cbpe";
    vg_estimate_options defaults;
    vg_estimate_options_init(&defaults);
    if (!opt)
        opt = &defaults;
    if (!out)
        return vg_error_set(err, VG_ERR_INVALID, "%s: NULL output pointer", fn);
    if (n_ref == 0 || n_cur == 0)
        return vg_error_set(err, VG_ERR_INVALID, "%s: no %s rows", fn,
                            n_ref == 0 ? "reference" : "current");
    int rc = check_options(fn, opt, err);
    if (rc == VG_OK)
        rc = vg_estimate_check_scores(fn, "reference score", ref_score, n_ref, err);
    if (rc == VG_OK)
        rc = vg_estimate_check_labels(fn, "reference label", ref_y, n_ref, err);
    if (rc == VG_OK)
        rc = vg_estimate_check_scores(fn, "current score", cur_score, n_cur, err);
    if (rc != VG_OK)
        return rc;

    vg_estimate_result *r = calloc(1, sizeof *r);
    double *buf = malloc((n_ref > n_cur ? n_ref : n_cur) * sizeof *buf);
    if (!r || !buf) {
        rc = vg_error_set(err, VG_ERR_NOMEM, "%s: out of memory", fn);
        goto fail;
    }
    rc = vg_estimate_calibration_check(ref_score, ref_y, n_ref, opt, &r->calibration, err);
    if (rc != VG_OK)
        goto fail;

    /* realised reference metrics: the same formulas with p = y */
    for (size_t i = 0; i < n_ref; i++)
        buf[i] = ref_y[i];
    rc = vg_estimate_metrics_compute(buf, ref_score, n_ref, opt->threshold, &r->reference, err);
    if (rc != VG_OK)
        goto fail;

    r->calibration_applied =
        opt->calibration == VG_ESTIMATE_CALIBRATE_ALWAYS ||
        (opt->calibration == VG_ESTIMATE_CALIBRATE_AUTO && !r->calibration.calibrated);
    const double *p = cur_score;
    if (r->calibration_applied) {
        rc = vg_estimate_calibrator_fit(ref_score, ref_y, n_ref, &r->calibrator, err);
        if (rc == VG_OK)
            rc = vg_estimate_calibrator_apply(r->calibrator, cur_score, n_cur, buf, err);
        if (rc != VG_OK)
            goto fail;
        p = buf;
    }
    rc = vg_estimate_metrics_compute(p, cur_score, n_cur, opt->threshold, &r->estimated, err);
    if (rc != VG_OK)
        goto fail;
    free(buf);
    *out = r;
    return VG_OK;
fail:
    free(buf);
    vg_estimate_result_free(r);
    return rc;
}

void vg_estimate_result_free(vg_estimate_result *r) {
    if (!r)
        return;
    vg_estimate_calibration_free(&r->calibration);
    vg_estimate_calibrator_free(r->calibrator);
    free(r);
}
