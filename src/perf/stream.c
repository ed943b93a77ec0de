/*
 * Streaming, mergeable forms of the metrics of vigia/perf.h, for a daemon that sees
 * predictions in batches and combines shards. Each stream keeps only what can be added and
 * merged exactly or stably:
 *
 * - confusion counts (binary and multiclass): integers, so a stream and any split of it into
 *   merged shards give exactly the batch label metrics (the same code computes them from the
 *   counts);
 * - losses and error sums: Neumaier compensated sums, merged by adding the other's sum and
 *   compensation, equal to the batch to rounding;
 * - the mean and centered sum of squares of regression targets: two passes per batch, combined
 *   with the pairwise formula of Chan, Golub & LeVeque ("Algorithms for computing the sample
 *   variance", Amer. Statistician 37, 1983), which stays accurate when shards have different
 *   means;
 * - per-class histograms of the binary score over B equal-width bins. ROC AUC and average
 *   precision are those of the histogram read as a scoring with ties inside each bin. Pairs
 *   (positive, negative) in different bins are ordered as in the exact data; a pair within one
 *   bin counts 1/2 where the exact AUC counts 0, 1/2 or 1, so |AUC_hist - AUC| <= (1/2)
 *   sum_b pos_b neg_b / (P N). For average precision each positive is credited with the
 *   precision at the end of its tie group; inside a bin with p positives and n negatives,
 *   below TPa true and FPa false positives, the j-th positive's credit lies between
 *   (TPa + j) / (TPa + FPa + n + j) (all negatives of the bin first) and
 *   (TPa + p) / (TPa + p + FPa) (all positives of the bin tied first). The lower sum over j is
 *   bounded below by its integral, p - (c - a) log(1 + p / c) with a = TPa, c = TPa + FPa + n,
 *   so [AP_lo, AP_hi] holds the exact value and the reported bound is the larger distance from
 *   AP_hist to either end. Both bounds are computed from the histograms alone.
 */
#include "internal.h"
#include "vigia/kll.h"

#include <stdlib.h>
#include <string.h>

/* ---- binary -------------------------------------------------------------------------------- */

struct vg_perf_binary_stream {
    vg_perf_binary_opts opts;
    size_t bins; /* score histogram bins */
    int with_scores;
    uint64_t tn, fp, fn, tp;
    vg_ksum ll, br;
    uint64_t *hist;   /* hist[b] negatives, hist[bins + b] positives, of score bin b */
    uint64_t *cal;    /* cal[b] rows, cal[cb + b] positives, of calibration bin b */
    vg_ksum *cal_sum; /* score sum of calibration bin b */
};

vg_perf_binary_stream *vg_perf_binary_stream_new(const vg_perf_binary_opts *opts, size_t score_bins,
                                                 int with_scores, vg_error *err) {
    static const char fn[] = "vg_perf_binary_stream_new";
    vg_perf_binary_opts o;
    if (vg_perf_binary_check_opts(opts, &o, fn, err))
        return NULL;
    if (score_bins < 1 || score_bins > VG_PERF_MAX_BINS) {
        vg_error_set(err, VG_ERR_INVALID, "%s: score_bins = %zu, must be in [1, %d]", fn,
                     score_bins, VG_PERF_MAX_BINS);
        return NULL;
    }
    vg_perf_binary_stream *s = calloc(1, sizeof *s);
    if (!s) {
        vg_error_set(err, VG_ERR_NOMEM, "%s: out of memory", fn);
        return NULL;
    }
    s->opts = o;
    s->bins = score_bins;
    s->with_scores = with_scores != 0;
    if (s->with_scores) {
        s->hist = calloc(2 * score_bins, sizeof *s->hist);
        s->cal = calloc(2 * o.calibration_bins, sizeof *s->cal);
        s->cal_sum = calloc(o.calibration_bins, sizeof *s->cal_sum);
        if (!s->hist || !s->cal || !s->cal_sum) {
            vg_perf_binary_stream_free(s);
            vg_error_set(err, VG_ERR_NOMEM, "%s: out of memory for %zu bins", fn, score_bins);
            return NULL;
        }
    }
    return s;
}

void vg_perf_binary_stream_free(vg_perf_binary_stream *s) {
    if (!s)
        return;
    free(s->hist);
    free(s->cal);
    free(s->cal_sum);
    free(s);
}

static size_t score_bin(double p, size_t bins) {
    size_t b = (size_t)(p * (double)bins); /* monotone in p, which is all the bound needs */
    return b < bins ? b : bins - 1;
}

int vg_perf_binary_stream_add(vg_perf_binary_stream *s, const uint8_t *y_true, const double *score,
                              const uint8_t *y_pred, size_t n, vg_error *err) {
    static const char fn[] = "vg_perf_binary_stream_add";
    if (!s)
        return vg_error_set(err, VG_ERR_INVALID, "%s: stream is NULL", fn);
    if (s->with_scores != (score != NULL))
        return vg_error_set(err, VG_ERR_INVALID, "%s: score is %s but the stream was created %s",
                            fn, score ? "given" : "NULL",
                            s->with_scores ? "with scores" : "without scores");
    int rc = vg_perf_binary_check_input(fn, y_true, score, y_pred, n, err);
    if (rc)
        return rc;
    size_t cb = s->opts.calibration_bins;
    uint64_t cm[2][2] = {{0, 0}, {0, 0}};
    for (size_t i = 0; i < n; i++) {
        int y = y_true[i];
        cm[y][y_pred ? y_pred[i] : score[i] >= s->opts.threshold]++;
        if (!score)
            continue;
        double p = score[i], d = (double)y - p;
        vg_ksum_add(&s->ll, vg_perf_binary_logloss_term(y, p));
        vg_ksum_add(&s->br, d * d);
        s->hist[(size_t)y * s->bins + score_bin(p, s->bins)]++;
        size_t b = vg_perf_calibration_bin(p, cb);
        s->cal[b]++;
        s->cal[cb + b] += (uint64_t)y;
        vg_ksum_add(&s->cal_sum[b], p);
    }
    s->tn += cm[0][0];
    s->fp += cm[0][1];
    s->fn += cm[1][0];
    s->tp += cm[1][1];
    return VG_OK;
}

int vg_perf_binary_stream_merge(vg_perf_binary_stream *dst, const vg_perf_binary_stream *src,
                                vg_error *err) {
    static const char fn[] = "vg_perf_binary_stream_merge";
    if (!dst || !src)
        return vg_error_set(err, VG_ERR_INVALID, "%s: NULL stream", fn);
    if (dst->bins != src->bins || dst->with_scores != src->with_scores ||
        dst->opts.calibration_bins != src->opts.calibration_bins ||
        !(dst->opts.threshold == src->opts.threshold))
        return vg_error_set(err, VG_ERR_MISMATCH,
                            "%s: streams differ in score_bins, calibration_bins, threshold or "
                            "with_scores",
                            fn);
    dst->tn += src->tn;
    dst->fp += src->fp;
    dst->fn += src->fn;
    dst->tp += src->tp;
    if (!dst->with_scores)
        return VG_OK;
    vg_ksum_merge(&dst->ll, &src->ll);
    vg_ksum_merge(&dst->br, &src->br);
    for (size_t b = 0; b < 2 * dst->bins; b++)
        dst->hist[b] += src->hist[b];
    size_t cb = dst->opts.calibration_bins;
    for (size_t b = 0; b < 2 * cb; b++)
        dst->cal[b] += src->cal[b];
    for (size_t b = 0; b < cb; b++)
        vg_ksum_merge(&dst->cal_sum[b], &src->cal_sum[b]);
    return VG_OK;
}

/* The bounds of the header comment, from the groups (non-empty bins, top first). */
static void histogram_bounds(vg_perf_binary *r, const vg_perf_group *g, size_t m) {
    double P = (double)r->n_pos, N = (double)r->n_neg;
    if (r->single_class) {
        r->roc_auc_bound = NAN;
        r->average_precision_bound = 0; /* AP is 0 (no positive) or 1 (no negative) exactly */
        return;
    }
    vg_ksum same = {0, 0}, lo = {0, 0}, hi = {0, 0};
    double tpa = 0, fpa = 0;
    for (size_t i = 0; i < m; i++) {
        double p = (double)g[i].pos, n = (double)g[i].neg;
        vg_ksum_add(&same, p * n);
        if (p > 0) {
            double a = tpa, c = tpa + fpa + n;
            vg_ksum_add(&hi, p * (a + p) / (a + p + fpa));
            vg_ksum_add(&lo, c > 0 ? p - (c - a) * log1p(p / c) : p);
        }
        tpa += p;
        fpa += n;
    }
    r->roc_auc_bound = 0.5 * vg_ksum_value(&same) / P / N;
    double ap = r->average_precision;
    double up = vg_ksum_value(&hi) / P - ap, down = ap - vg_ksum_value(&lo) / P;
    r->average_precision_bound = fmax(0.0, fmax(up, down));
}

int vg_perf_binary_stream_result(const vg_perf_binary_stream *s, vg_perf_binary *out,
                                 vg_error *err) {
    static const char fn[] = "vg_perf_binary_stream_result";
    if (!s || !out)
        return vg_error_set(err, VG_ERR_INVALID, "%s: NULL argument", fn);
    vg_perf_binary r;
    memset(&r, 0, sizeof r);
    r.tn = s->tn;
    r.fp = s->fp;
    r.fn = s->fn;
    r.tp = s->tp;
    if (r.tn + r.fp + r.fn + r.tp == 0)
        return vg_error_set(err, VG_ERR_INVALID, "%s: nothing was added", fn);
    vg_perf_binary_label_metrics(&r);
    r.has_scores = s->with_scores;
    if (!s->with_scores) {
        r.roc_auc = r.average_precision = r.log_loss = r.brier = r.ece = NAN;
        r.roc_auc_bound = r.average_precision_bound = NAN;
        *out = r;
        return VG_OK;
    }
    double dn = (double)r.n;
    r.log_loss = vg_ksum_value(&s->ll) / dn;
    r.brier = vg_ksum_value(&s->br) / dn;
    size_t cb = s->opts.calibration_bins;
    int rc = vg_perf_binary_calibration(&r, cb, s->cal, s->cal + cb, s->cal_sum, err);
    if (rc)
        return rc;
    vg_perf_group *g = malloc(s->bins * sizeof *g);
    if (!g) {
        vg_perf_binary_free(&r);
        return vg_error_set(err, VG_ERR_NOMEM, "%s: out of memory", fn);
    }
    size_t m = 0;
    for (size_t b = s->bins; b-- > 0;) {
        uint64_t neg = s->hist[b], pos = s->hist[s->bins + b];
        if (neg || pos) {
            g[m].threshold = (double)b / (double)s->bins;
            g[m].pos = pos;
            g[m].neg = neg;
            m++;
        }
    }
    rc = vg_perf_binary_rank_metrics(&r, g, m, s->opts.curve_points, err);
    if (!rc)
        histogram_bounds(&r, g, m);
    free(g);
    if (rc) {
        vg_perf_binary_free(&r);
        return rc;
    }
    *out = r;
    return VG_OK;
}

/* ---- multiclass ---------------------------------------------------------------------------- */

struct vg_perf_multiclass_stream {
    uint32_t k, top_k;
    int with_proba;
    uint64_t *confusion; /* k x k, row = true class */
    vg_ksum ll;
    uint64_t hits;
    double *buf; /* k doubles of scratch for the log-loss row */
};

vg_perf_multiclass_stream *vg_perf_multiclass_stream_new(uint32_t k, uint32_t top_k, int with_proba,
                                                         vg_error *err) {
    static const char fn[] = "vg_perf_multiclass_stream_new";
    if (k < 2) {
        vg_error_set(err, VG_ERR_INVALID, "%s: k = %u classes, need at least 2", fn, (unsigned)k);
        return NULL;
    }
    vg_perf_multiclass_stream *s = calloc(1, sizeof *s);
    if (s) {
        s->confusion = calloc((size_t)k * k, sizeof *s->confusion);
        s->buf = malloc((size_t)k * sizeof *s->buf);
    }
    if (!s || !s->confusion || !s->buf) {
        vg_perf_multiclass_stream_free(s);
        vg_error_set(err, VG_ERR_NOMEM, "%s: out of memory for %u classes", fn, (unsigned)k);
        return NULL;
    }
    s->k = k;
    s->top_k = top_k;
    s->with_proba = with_proba != 0;
    return s;
}

void vg_perf_multiclass_stream_free(vg_perf_multiclass_stream *s) {
    if (!s)
        return;
    free(s->confusion);
    free(s->buf);
    free(s);
}

int vg_perf_multiclass_stream_add(vg_perf_multiclass_stream *s, const uint32_t *y_true,
                                  const uint32_t *y_pred, const double *proba, size_t n,
                                  vg_error *err) {
    static const char fn[] = "vg_perf_multiclass_stream_add";
    if (!s)
        return vg_error_set(err, VG_ERR_INVALID, "%s: stream is NULL", fn);
    if (s->with_proba != (proba != NULL))
        return vg_error_set(err, VG_ERR_INVALID, "%s: proba is %s but the stream was created %s",
                            fn, proba ? "given" : "NULL",
                            s->with_proba ? "with probabilities" : "without probabilities");
    int rc = vg_perf_multiclass_check_input(fn, y_true, y_pred, proba, n, s->k, err);
    if (rc)
        return rc;
    uint32_t k = s->k;
    for (size_t i = 0; i < n; i++) {
        const double *row = proba ? proba + i * k : NULL;
        uint32_t p = y_pred ? y_pred[i] : vg_perf_argmax(row, k);
        s->confusion[(size_t)y_true[i] * k + p]++;
        if (row) {
            vg_ksum_add(&s->ll, vg_perf_multiclass_logloss_term(row, k, y_true[i], s->buf));
            if (s->top_k)
                s->hits += (uint64_t)vg_perf_multiclass_topk_hit(row, k, y_true[i], s->top_k);
        }
    }
    return VG_OK;
}

int vg_perf_multiclass_stream_merge(vg_perf_multiclass_stream *dst,
                                    const vg_perf_multiclass_stream *src, vg_error *err) {
    static const char fn[] = "vg_perf_multiclass_stream_merge";
    if (!dst || !src)
        return vg_error_set(err, VG_ERR_INVALID, "%s: NULL stream", fn);
    if (dst->k != src->k || dst->top_k != src->top_k || dst->with_proba != src->with_proba)
        return vg_error_set(err, VG_ERR_MISMATCH,
                            "%s: streams differ in k (%u, %u), top_k or with_proba", fn,
                            (unsigned)dst->k, (unsigned)src->k);
    for (size_t i = 0; i < (size_t)dst->k * dst->k; i++)
        dst->confusion[i] += src->confusion[i];
    vg_ksum_merge(&dst->ll, &src->ll);
    dst->hits += src->hits;
    return VG_OK;
}

int vg_perf_multiclass_stream_result(const vg_perf_multiclass_stream *s, vg_perf_multiclass *out,
                                     vg_error *err) {
    static const char fn[] = "vg_perf_multiclass_stream_result";
    if (!s || !out)
        return vg_error_set(err, VG_ERR_INVALID, "%s: NULL argument", fn);
    uint64_t n = 0;
    for (size_t i = 0; i < (size_t)s->k * s->k; i++)
        n += s->confusion[i];
    if (n == 0)
        return vg_error_set(err, VG_ERR_INVALID, "%s: nothing was added", fn);
    vg_perf_multiclass r;
    int rc = vg_perf_multiclass_alloc(&r, s->k, err);
    if (rc)
        return rc;
    memcpy(r.confusion, s->confusion, (size_t)s->k * s->k * sizeof *r.confusion);
    vg_perf_multiclass_label_metrics(&r);
    r.has_proba = s->with_proba;
    r.top_k = s->top_k;
    r.log_loss = s->with_proba ? vg_ksum_value(&s->ll) / (double)n : NAN;
    r.top_k_accuracy = s->with_proba && s->top_k ? (double)s->hits / (double)n : NAN;
    *out = r;
    return VG_OK;
}

/* ---- regression ---------------------------------------------------------------------------- */

#define STREAM_KLL_SEED 0x7065726673747265ULL

struct vg_perf_regression_stream {
    uint64_t n, zeros;
    vg_ksum sae, sse, se, sape, sapenz;
    double mean_y, m2_y; /* of y_true, for R^2 */
    double first_y;      /* with `constant`: whether every y_true so far equals first_y */
    int constant;
    size_t nq;
    double q[VG_PERF_MAX_QUANTILES];
    vg_kll *err_sketch, *abs_sketch; /* of y_pred - y_true and of its absolute value */
};

vg_perf_regression_stream *vg_perf_regression_stream_new(const double *q, size_t nq,
                                                         vg_error *err) {
    static const char fn[] = "vg_perf_regression_stream_new";
    if (vg_perf_regression_check(fn, NULL, NULL, 0, q, nq, err))
        return NULL;
    vg_perf_regression_stream *s = calloc(1, sizeof *s);
    if (s) {
        s->err_sketch = vg_kll_new(VG_KLL_DEFAULT_K, STREAM_KLL_SEED);
        s->abs_sketch = vg_kll_new(VG_KLL_DEFAULT_K, STREAM_KLL_SEED + 1);
    }
    if (!s || !s->err_sketch || !s->abs_sketch) {
        vg_perf_regression_stream_free(s);
        vg_error_set(err, VG_ERR_NOMEM, "%s: out of memory", fn);
        return NULL;
    }
    s->nq = nq;
    if (nq)
        memcpy(s->q, q, nq * sizeof *q);
    s->constant = 1;
    return s;
}

void vg_perf_regression_stream_free(vg_perf_regression_stream *s) {
    if (!s)
        return;
    vg_kll_free(s->err_sketch);
    vg_kll_free(s->abs_sketch);
    free(s);
}

/* Chan, Golub & LeVeque's combination of (n, mean, M2) pairs. */
static void chan_merge(uint64_t na, double *ma, double *m2a, uint64_t nb, double mb, double m2b) {
    if (nb == 0)
        return;
    if (na == 0) {
        *ma = mb;
        *m2a = m2b;
        return;
    }
    double n = (double)(na + nb), d = mb - *ma;
    *ma += d * ((double)nb / n);
    *m2a += m2b + d * d * ((double)na * (double)nb / n);
}

int vg_perf_regression_stream_add(vg_perf_regression_stream *s, const double *y_true,
                                  const double *y_pred, size_t n, vg_error *err) {
    static const char fn[] = "vg_perf_regression_stream_add";
    if (!s)
        return vg_error_set(err, VG_ERR_INVALID, "%s: stream is NULL", fn);
    int rc = vg_perf_regression_check(fn, y_true, y_pred, n, NULL, 0, err);
    if (rc || n == 0)
        return rc;
    vg_ksum sy = {0, 0}, ss = {0, 0};
    int nomem = 0;
    for (size_t i = 0; i < n; i++) {
        double d = y_pred[i] - y_true[i], ad = fabs(d), ay = fabs(y_true[i]);
        vg_ksum_add(&s->sae, ad);
        vg_ksum_add(&s->sse, d * d);
        vg_ksum_add(&s->se, d);
        double ape = ad / (ay > VG_PERF_EPS ? ay : VG_PERF_EPS);
        vg_ksum_add(&s->sape, ape);
        if (y_true[i] == 0)
            s->zeros++;
        else
            vg_ksum_add(&s->sapenz, ad / ay);
        vg_ksum_add(&sy, y_true[i]);
        /* a sketch that cannot compact still counts the value and stays valid: keep going,
         * so that the sums and the sketches always describe the same rows */
        nomem |= vg_kll_update(s->err_sketch, d) != VG_OK;
        nomem |= vg_kll_update(s->abs_sketch, ad) != VG_OK;
    }
    /* the batch's own mean and M2 (two passes), then combined with the stream's */
    double mb = vg_ksum_value(&sy) / (double)n;
    int constant = 1;
    for (size_t i = 0; i < n; i++) {
        double c = y_true[i] - mb;
        vg_ksum_add(&ss, c * c);
        constant &= y_true[i] == y_true[0];
    }
    if (s->n == 0)
        s->first_y = y_true[0];
    s->constant = s->constant && constant && y_true[0] == s->first_y;
    chan_merge(s->n, &s->mean_y, &s->m2_y, n, mb, vg_ksum_value(&ss));
    s->n += n;
    if (nomem)
        return vg_error_set(err, VG_ERR_NOMEM,
                            "%s: out of memory compacting a quantile sketch (rows counted, the "
                            "sketch over its capacity)",
                            fn);
    return VG_OK;
}

int vg_perf_regression_stream_merge(vg_perf_regression_stream *dst,
                                    const vg_perf_regression_stream *src, vg_error *err) {
    static const char fn[] = "vg_perf_regression_stream_merge";
    if (!dst || !src)
        return vg_error_set(err, VG_ERR_INVALID, "%s: NULL stream", fn);
    if (dst->nq != src->nq || (dst->nq && memcmp(dst->q, src->q, dst->nq * sizeof *dst->q)))
        return vg_error_set(err, VG_ERR_MISMATCH, "%s: streams ask for different quantiles", fn);
    /* the sums first (they cannot fail), the sketches last */
    if (src->n) {
        vg_ksum_merge(&dst->sae, &src->sae);
        vg_ksum_merge(&dst->sse, &src->sse);
        vg_ksum_merge(&dst->se, &src->se);
        vg_ksum_merge(&dst->sape, &src->sape);
        vg_ksum_merge(&dst->sapenz, &src->sapenz);
        dst->zeros += src->zeros;
        if (dst->n == 0) {
            dst->first_y = src->first_y;
            dst->constant = src->constant;
        } else {
            dst->constant = dst->constant && src->constant && dst->first_y == src->first_y;
        }
        chan_merge(dst->n, &dst->mean_y, &dst->m2_y, src->n, src->mean_y, src->m2_y);
        dst->n += src->n;
    }
    int rc = vg_kll_merge(dst->err_sketch, src->err_sketch, err);
    if (!rc)
        rc = vg_kll_merge(dst->abs_sketch, src->abs_sketch, err);
    return rc;
}

int vg_perf_regression_stream_result(const vg_perf_regression_stream *s, vg_perf_regression *out,
                                     vg_error *err) {
    static const char fn[] = "vg_perf_regression_stream_result";
    if (!s || !out)
        return vg_error_set(err, VG_ERR_INVALID, "%s: NULL argument", fn);
    if (s->n == 0)
        return vg_error_set(err, VG_ERR_INVALID, "%s: nothing was added", fn);
    vg_perf_regression r;
    memset(&r, 0, sizeof r);
    double dn = (double)s->n;
    r.n = s->n;
    r.mae = vg_ksum_value(&s->sae) / dn;
    r.mse = vg_ksum_value(&s->sse) / dn;
    r.rmse = sqrt(r.mse);
    r.mean_error = vg_ksum_value(&s->se) / dn;
    r.mape = vg_ksum_value(&s->sape) / dn;
    r.zero_targets = s->zeros;
    r.mape_nonzero = s->zeros < s->n ? vg_ksum_value(&s->sapenz) / (double)(s->n - s->zeros) : NAN;
    double num = vg_ksum_value(&s->sse), den = s->constant ? 0.0 : s->m2_y;
    if (s->n < 2)
        r.r2 = NAN;
    else if (den == 0)
        r.r2 = num == 0 ? 1.0 : 0.0;
    else
        r.r2 = 1 - num / den;
    r.median_ae = vg_kll_quantile(s->abs_sketch, 0.5);
    r.n_quantiles = s->nq;
    for (size_t j = 0; j < s->nq; j++) {
        r.quantile[j] = s->q[j];
        r.error_quantile[j] = vg_kll_quantile(s->err_sketch, s->q[j]);
    }
    *out = r;
    return VG_OK;
}
