/*
 * Binary classification metrics (vigia/perf.h), computed as scikit-learn 1.2.1 computes them.
 *
 * Label metrics come from the four confusion counts alone, so that the batch and the stream
 * (src/perf/stream.c) agree exactly. Ranking metrics come from "groups": the distinct score
 * values in decreasing order with how many positives and negatives hold each, which is what
 * sklearn's _binary_clf_curve builds after its sort. ROC AUC is then the Mann-Whitney form
 * AUC = (#{s+ > s-} + #{s+ = s-}/2) / (P N) (Hanley & McNeil, Radiology 143, 1982), counted in
 * integers, which is the exact value of sklearn's trapezoid over the ROC curve (a tie group is a
 * diagonal segment, whose trapezoid is the half-credit). Average precision is sklearn's step sum
 * over the same groups. The scores are sorted per class with a radix sort and the two sorted
 * runs merged, so no pair (score, label) array is needed.
 */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

void vg_perf_binary_opts_init(vg_perf_binary_opts *opts) {
    opts->threshold = VG_PERF_DEFAULT_THRESHOLD;
    opts->curve_points = VG_PERF_DEFAULT_CURVE_POINTS;
    opts->calibration_bins = VG_PERF_DEFAULT_CALIBRATION_BINS;
}

int vg_perf_binary_check_opts(const vg_perf_binary_opts *opts, vg_perf_binary_opts *o,
                              const char *fn, vg_error *err) {
    if (opts)
        *o = *opts;
    else
        vg_perf_binary_opts_init(o);
    if (isnan(o->threshold))
        return vg_error_set(err, VG_ERR_INVALID, "%s: opts.threshold is NaN", fn);
    if (o->curve_points < 2)
        return vg_error_set(err, VG_ERR_INVALID, "%s: opts.curve_points = %zu, must be >= 2", fn,
                            o->curve_points);
    if (o->calibration_bins < 1 || o->calibration_bins > VG_PERF_MAX_BINS)
        return vg_error_set(err, VG_ERR_INVALID,
                            "%s: opts.calibration_bins = %zu, must be in [1, %d]", fn,
                            o->calibration_bins, VG_PERF_MAX_BINS);
    return VG_OK;
}

int vg_perf_binary_check_input(const char *fn, const uint8_t *y_true, const double *score,
                               const uint8_t *y_pred, size_t n, vg_error *err) {
    if (!y_true)
        return vg_error_set(err, VG_ERR_INVALID, "%s: y_true is NULL", fn);
    if (!score && !y_pred)
        return vg_error_set(err, VG_ERR_INVALID, "%s: both score and y_pred are NULL", fn);
    for (size_t i = 0; i < n; i++)
        if (y_true[i] > 1)
            return vg_error_set(err, VG_ERR_INVALID,
                                "%s: y_true[%zu] = %u, must be 0 or 1 (1 = positive class)", fn, i,
                                (unsigned)y_true[i]);
    if (y_pred)
        for (size_t i = 0; i < n; i++)
            if (y_pred[i] > 1)
                return vg_error_set(err, VG_ERR_INVALID, "%s: y_pred[%zu] = %u, must be 0 or 1", fn,
                                    i, (unsigned)y_pred[i]);
    if (score)
        for (size_t i = 0; i < n; i++) {
            if (isnan(score[i]))
                return vg_error_set(err, VG_ERR_INVALID, "%s: score[%zu] is NaN", fn, i);
            if (!(score[i] >= 0 && score[i] <= 1))
                return vg_error_set(err, VG_ERR_INVALID,
                                    "%s: score[%zu] = %.17g is not a probability in [0, 1]", fn, i,
                                    score[i]);
        }
    return VG_OK;
}

static double ratio_or_zero(uint64_t a, uint64_t b) {
    return b ? (double)a / (double)b : 0.0;
}

/* sklearn's fbeta with beta = 1: (1 + 1) * p * r / (p + r), 0 when p + r = 0. */
static double f1_of(double p, double r) {
    double d = p + r;
    return d == 0 ? 0.0 : 2.0 * p * r / d;
}

void vg_perf_binary_label_metrics(vg_perf_binary *r) {
    uint64_t n = r->tn + r->fp + r->fn + r->tp;
    uint64_t npos = r->tp + r->fn, nneg = r->tn + r->fp;
    r->n = n;
    r->n_pos = npos;
    r->n_neg = nneg;
    r->single_class = npos == 0 || nneg == 0;
    r->accuracy = (double)(r->tp + r->tn) / (double)n;
    r->precision = ratio_or_zero(r->tp, r->tp + r->fp);
    r->recall = ratio_or_zero(r->tp, npos);
    r->f1 = f1_of(r->precision, r->recall);
    r->specificity = ratio_or_zero(r->tn, nneg);
    /* balanced_accuracy_score: the mean recall over the classes present in y_true */
    if (npos && nneg)
        r->balanced_accuracy = (r->specificity + r->recall) / 2;
    else
        r->balanced_accuracy = npos ? r->recall : r->specificity;
    /* matthews_corrcoef, in sklearn's arithmetic (covariances from the confusion matrix) */
    double t0 = (double)nneg, t1 = (double)npos;
    double p0 = (double)(r->tn + r->fn), p1 = (double)(r->fp + r->tp);
    double ns = p0 + p1, correct = (double)(r->tn + r->tp);
    double cov_ytyp = correct * ns - (t0 * p0 + t1 * p1);
    double cov_ypyp = ns * ns - (p0 * p0 + p1 * p1);
    double cov_ytyt = ns * ns - (t0 * t0 + t1 * t1);
    r->mcc = cov_ypyp * cov_ytyt == 0 ? 0.0 : cov_ytyp / sqrt(cov_ytyt * cov_ypyp);
}

/* The points of the ROC or PR curve, generated from the groups one at a time so that a curve
 * of a million thresholds is never stored, only the few points a report keeps. */
typedef struct curve_iter {
    const vg_perf_group *g;
    size_t m, i;
    uint64_t P, N, tps, fps;
    int pr, done_end; /* done_end: the point before (ROC) or after (PR) the groups is out */
} curve_iter;

static void curve_start(curve_iter *it, const vg_perf_group *g, size_t m, uint64_t P, uint64_t N,
                        int pr) {
    memset(it, 0, sizeof *it);
    it->g = g;
    it->m = m;
    it->P = P;
    it->N = N;
    it->pr = pr;
    if (pr) { /* walked from the lowest threshold up, as precision_recall_curve lists it */
        it->i = m;
        it->tps = P;
        it->fps = N;
    }
}

/* roc_curve(drop_intermediate=True) keeps the ends and every group where the curve bends: a
 * non-zero second difference of the cumulative counts is a change between consecutive
 * groups' counts. */
static int roc_keeps(const vg_perf_group *g, size_t m, size_t i) {
    return m <= 2 || i == 0 || i == m - 1 || g[i + 1].neg != g[i].neg || g[i + 1].pos != g[i].pos;
}

static int curve_next(curve_iter *it, double *x, double *y, double *t) {
    const vg_perf_group *g = it->g;
    double dP = (double)it->P, dN = (double)it->N;
    if (!it->pr) {
        if (!it->done_end) { /* (0, 0) at threshold max + 1, as sklearn 1.2.1 */
            it->done_end = 1;
            *x = it->N ? 0.0 : NAN;
            *y = it->P ? 0.0 : NAN;
            *t = g[0].threshold + 1;
            return 1;
        }
        while (it->i < it->m) {
            size_t i = it->i++;
            it->tps += g[i].pos;
            it->fps += g[i].neg;
            if (roc_keeps(g, it->m, i)) {
                *x = it->N ? (double)it->fps / dN : NAN;
                *y = it->P ? (double)it->tps / dP : NAN;
                *t = g[i].threshold;
                return 1;
            }
        }
        return 0;
    }
    if (it->i > 0) {
        size_t i = --it->i;
        *x = it->P ? (double)it->tps / dP : 1.0; /* no positive: sklearn sets recall to 1 */
        *y = (double)it->tps / (double)(it->tps + it->fps);
        *t = g[i].threshold;
        it->tps -= g[i].pos;
        it->fps -= g[i].neg;
        return 1;
    }
    if (!it->done_end) { /* precision_recall_curve's closing (recall 0, precision 1) */
        it->done_end = 1;
        *x = 0;
        *y = 1;
        *t = NAN;
        return 1;
    }
    return 0;
}

/* Length of a segment; a NaN axis (a single class) counts as flat. Coordinates are in
 * [0, 1], so no overflow to guard and no need for the slower hypot. */
static double seg_len(double dx, double dy) {
    dx = isnan(dx) ? 0 : dx;
    dy = isnan(dy) ? 0 : dy;
    return sqrt(dx * dx + dy * dy);
}

/* Builds the curve, thinned when it has more than max points to points spaced evenly along
 * its length, keeping the first and the last: a report plots the shape, not every threshold.
 * Two passes over the groups: the length, then the points. */
static int curve_build(vg_perf_curve *c, const vg_perf_group *g, size_t m, uint64_t P, uint64_t N,
                       int pr, size_t max, vg_error *err) {
    curve_iter it;
    double x, y, t, px = 0, py = 0, len = 0;
    size_t full = 0;
    for (curve_start(&it, g, m, P, N, pr); curve_next(&it, &x, &y, &t); full++, px = x, py = y)
        if (full)
            len += seg_len(x - px, y - py);
    size_t cap = full < max ? full : max;
    double *buf = malloc(3 * cap * sizeof *buf);
    if (!buf)
        return vg_error_set(err, VG_ERR_NOMEM, "perf: out of memory for a curve of %zu points",
                            cap);
    c->x = buf;
    c->y = buf + cap;
    c->threshold = buf + 2 * cap;
    c->n_full = full;
    double step = len / (double)(max - 1), acc = 0;
    size_t out = 0, idx = 0;
    for (curve_start(&it, g, m, P, N, pr); curve_next(&it, &x, &y, &t); idx++, px = x, py = y) {
        if (idx)
            acc += seg_len(x - px, y - py);
        int keep = full <= max || idx == 0 || idx == full - 1 ||
                   (out < max - 1 && acc >= (double)out * step);
        if (keep) {
            c->x[out] = x;
            c->y[out] = y;
            c->threshold[out] = t;
            out++;
        }
    }
    c->n = out;
    return VG_OK;
}

static void curve_free(vg_perf_curve *c) {
    free(c->x); /* one allocation holds x, y and threshold */
    memset(c, 0, sizeof *c);
}

int vg_perf_binary_rank_metrics(vg_perf_binary *r, const vg_perf_group *g, size_t m,
                                size_t curve_points, vg_error *err) {
    uint64_t P = r->n_pos, N = r->n_neg;
    double dP = (double)P, dN = (double)N;
    /* 2U in integers: each positive of a group beats the negatives of later (lower) groups and
     * ties with the negatives of its own; exact while 2 P N < 2^64 */
    uint64_t u2 = 0, tps = 0, fps = 0;
    vg_ksum ap = {0, 0};
    double rprev = 0;
    for (size_t i = 0; i < m; i++) {
        u2 += g[i].pos * (2 * (N - fps - g[i].neg) + g[i].neg);
        tps += g[i].pos;
        fps += g[i].neg;
        if (P) {
            double rec = (double)tps / dP;
            vg_ksum_add(&ap, (rec - rprev) * ((double)tps / (double)(tps + fps)));
            rprev = rec;
        }
    }
    r->single_class = P == 0 || N == 0;
    r->roc_auc = r->single_class ? NAN : (double)u2 / (2.0 * dP * dN);
    /* no positive: sklearn sets recall to 1 at every threshold, and the sum is 0 */
    r->average_precision = P ? vg_ksum_value(&ap) : 0.0;

    int rc = curve_build(&r->roc, g, m, P, N, 0, curve_points, err);
    if (!rc && (rc = curve_build(&r->pr, g, m, P, N, 1, curve_points, err)))
        curve_free(&r->roc);
    return rc;
}

size_t vg_perf_calibration_bin(double p, size_t bins) {
    double step = 1.0 / (double)bins;
    size_t b = (size_t)(p * (double)bins);
    if (b > bins - 1)
        b = bins - 1;
    /* p * bins and i * step round differently near an edge: settle on the edges themselves */
    while (b > 0 && p <= (double)b * step)
        b--;
    while (b + 1 < bins && p > (double)(b + 1) * step)
        b++;
    return b;
}

int vg_perf_binary_calibration(vg_perf_binary *r, size_t bins, const uint64_t *count,
                               const uint64_t *pos, const vg_ksum *sum, vg_error *err) {
    uint64_t *c = malloc(bins * sizeof *c);
    double *pt = malloc(2 * bins * sizeof *pt);
    if (!c || !pt) {
        free(c);
        free(pt);
        return vg_error_set(err, VG_ERR_NOMEM, "perf: out of memory for %zu calibration bins",
                            bins);
    }
    uint64_t n = 0;
    for (size_t b = 0; b < bins; b++)
        n += count[b];
    vg_ksum ece = {0, 0};
    for (size_t b = 0; b < bins; b++) {
        c[b] = count[b];
        double nb = (double)count[b];
        pt[b] = count[b] ? (double)pos[b] / nb : NAN;
        pt[bins + b] = count[b] ? vg_ksum_value(&sum[b]) / nb : NAN;
        if (count[b])
            vg_ksum_add(&ece, nb / (double)n * fabs(pt[b] - pt[bins + b]));
    }
    r->calibration_bins = bins;
    r->cal_count = c;
    r->cal_prob_true = pt;
    r->cal_prob_pred = pt + bins;
    r->ece = vg_ksum_value(&ece);
    return VG_OK;
}

double vg_perf_binary_logloss_term(int y, double p) {
    double q = p < VG_PERF_EPS ? VG_PERF_EPS : p > 1 - VG_PERF_EPS ? 1 - VG_PERF_EPS : p;
    double a = 1 - q, s = a + q; /* sklearn renormalizes the row [1 - q, q] */
    return -log((y ? q : a) / s);
}

void vg_perf_binary_free(vg_perf_binary *r) {
    if (!r)
        return;
    curve_free(&r->roc);
    curve_free(&r->pr);
    free(r->cal_count);
    free(r->cal_prob_true); /* cal_prob_pred shares its allocation */
    r->cal_count = NULL;
    r->cal_prob_true = r->cal_prob_pred = NULL;
    r->calibration_bins = 0;
}

/* Sorted scores of the positives (first P) and of the negatives, merged from the top into
 * groups of equal score. Returns the number of groups, or 0 if out of memory. */
static size_t score_groups(const uint8_t *y_true, const double *score, size_t n, uint64_t P,
                           vg_perf_group **out) {
    double *s = malloc(n * sizeof *s);
    uint64_t *keys = malloc(2 * n * sizeof *keys);
    vg_perf_group *g = malloc(n * sizeof *g);
    if (!s || !keys || !g) {
        free(s);
        free(keys);
        free(g);
        return 0;
    }
    size_t ip = 0, in = (size_t)P;
    for (size_t i = 0; i < n; i++)
        s[y_true[i] ? ip++ : in++] = score[i];
    vg_sort_doubles_buf(s, (size_t)P, keys);
    vg_sort_doubles_buf(s + P, n - (size_t)P, keys);
    free(keys);
    size_t a = (size_t)P, b = n - (size_t)P, m = 0; /* remaining in each run, from the top */
    const double *sp = s, *sn = s + P;
    while (a || b) {
        double t = !a ? sn[b - 1] : !b ? sp[a - 1] : fmax(sp[a - 1], sn[b - 1]);
        uint64_t cp = 0, cn = 0;
        while (a && sp[a - 1] == t)
            a--, cp++;
        while (b && sn[b - 1] == t)
            b--, cn++;
        g[m].threshold = t;
        g[m].pos = cp;
        g[m].neg = cn;
        m++;
    }
    free(s);
    *out = g;
    return m;
}

int vg_perf_binary_compute(const uint8_t *y_true, const double *score, const uint8_t *y_pred,
                           size_t n, const vg_perf_binary_opts *opts, vg_perf_binary *out,
                           vg_error *err) {
    static const char fn[] = "vg_perf_binary_compute";
    vg_perf_binary_opts o;
    int rc = vg_perf_binary_check_opts(opts, &o, fn, err);
    if (rc)
        return rc;
    if (!out)
        return vg_error_set(err, VG_ERR_INVALID, "%s: out is NULL", fn);
    if (n == 0)
        return vg_error_set(err, VG_ERR_INVALID, "%s: n = 0, no predictions", fn);
    rc = vg_perf_binary_check_input(fn, y_true, score, y_pred, n, err);
    if (rc)
        return rc;

    vg_perf_binary r;
    memset(&r, 0, sizeof r);
    uint64_t cm[2][2] = {{0, 0}, {0, 0}};
    for (size_t i = 0; i < n; i++) {
        int p = y_pred ? y_pred[i] : score[i] >= o.threshold;
        cm[y_true[i]][p]++;
    }
    r.tn = cm[0][0];
    r.fp = cm[0][1];
    r.fn = cm[1][0];
    r.tp = cm[1][1];
    vg_perf_binary_label_metrics(&r);
    r.has_scores = score != NULL;
    if (!score) {
        r.roc_auc = r.average_precision = r.log_loss = r.brier = r.ece = NAN;
        *out = r;
        return VG_OK;
    }

    vg_ksum ll = {0, 0}, br = {0, 0};
    for (size_t i = 0; i < n; i++) {
        vg_ksum_add(&ll, vg_perf_binary_logloss_term(y_true[i], score[i]));
        double d = (double)y_true[i] - score[i];
        vg_ksum_add(&br, d * d);
    }
    r.log_loss = vg_ksum_value(&ll) / (double)n;
    r.brier = vg_ksum_value(&br) / (double)n;

    size_t bins = o.calibration_bins;
    uint64_t *count = calloc(2 * bins, sizeof *count);
    vg_ksum *sum = calloc(bins, sizeof *sum);
    if (!count || !sum) {
        free(count);
        free(sum);
        return vg_error_set(err, VG_ERR_NOMEM, "%s: out of memory", fn);
    }
    for (size_t i = 0; i < n; i++) {
        size_t b = vg_perf_calibration_bin(score[i], bins);
        count[b]++;
        count[bins + b] += y_true[i];
        vg_ksum_add(&sum[b], score[i]);
    }
    rc = vg_perf_binary_calibration(&r, bins, count, count + bins, sum, err);
    free(count);
    free(sum);
    if (rc)
        return rc;

    vg_perf_group *g = NULL;
    size_t m = score_groups(y_true, score, n, r.n_pos, &g);
    if (!m) {
        vg_perf_binary_free(&r);
        return vg_error_set(err, VG_ERR_NOMEM, "%s: out of memory sorting %zu scores", fn, n);
    }
    rc = vg_perf_binary_rank_metrics(&r, g, m, o.curve_points, err);
    free(g);
    if (rc) {
        vg_perf_binary_free(&r);
        return rc;
    }
    *out = r;
    return VG_OK;
}
