/*
 * Isotonic calibrator (vigia/estimate.h): the non-decreasing fit of labels on scores that
 * sklearn.isotonic.IsotonicRegression(out_of_bounds='clip') computes (sklearn 1.2,
 * sklearn/isotonic.py _build_y and sklearn/_isotonic.pyx), step for step so that the knots agree
 * to rounding: sort by (score, label), merge runs of equal scores into their mean label weighted
 * by the run length, pool adjacent violators in place (sklearn's single-pass variant, which
 * backtracks after each merge and so runs in O(n)), drop the interior knots that equal both
 * neighbours, and predict by linear interpolation between knots (scipy's interp1d), clipping
 * scores outside the fitted range. The pool-adjacent-violators algorithm is from Ayer, Brunk,
 * Ewing, Reid & Silverman, Ann. Math. Statist. 26 (1955); its optimality for the weighted least
 * squares problem is in Barlow, Bartholomew, Bremner & Brunk (1972), ch. 1.
 */
#include "vigia/estimate.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* sklearn's _make_unique merges scores closer than np.finfo(float64).resolution */
#define MERGE_EPS 1e-15

typedef struct {
    double score;
    uint8_t y;
} scored_label;

static int cmp_scored(const void *a, const void *b) {
    const scored_label *p = a, *q = b;
    if (p->score != q->score)
        return p->score < q->score ? -1 : 1;
    return (p->y > q->y) - (p->y < q->y);
}

/* sklearn's _inplace_contiguous_isotonic_regression: y (values) and w (weights) are replaced by
 * the non-decreasing weighted least-squares fit. target[i] links the first and last index of
 * each pooled block to each other. */
static void pava(double *y, double *w, size_t *target, size_t n) {
    for (size_t i = 0; i < n; i++)
        target[i] = i;
    size_t i = 0;
    while (i < n) {
        size_t k = target[i] + 1;
        if (k == n)
            break;
        if (y[i] < y[k]) {
            i = k;
            continue;
        }
        double sum_wy = w[i] * y[i], sum_w = w[i];
        for (;;) {
            /* inside a non-increasing run: pool it into the block starting at i */
            double prev_y = y[k];
            sum_wy += w[k] * y[k];
            sum_w += w[k];
            k = target[k] + 1;
            if (k == n || prev_y < y[k]) {
                y[i] = sum_wy / sum_w;
                w[i] = sum_w;
                target[i] = k - 1;
                target[k - 1] = i;
                if (i > 0)
                    i = target[i - 1]; /* the previous block may now violate: step back */
                break;
            }
        }
    }
    for (i = 0; i < n;) {
        size_t k = target[i] + 1;
        for (size_t j = i + 1; j < k; j++)
            y[j] = y[i];
        i = k;
    }
}

int vg_estimate_calibrator_fit(const double *score, const uint8_t *y, size_t n,
                               vg_estimate_calibrator **out, vg_error *err) {
    static const char fn[] = "isotonic calibrator";
    if (!out)
        return vg_error_set(err, VG_ERR_INVALID, "%s: NULL output pointer", fn);
    if (n == 0)
        return vg_error_set(err, VG_ERR_INVALID, "%s: no rows to fit", fn);
    int rc = vg_estimate_check_scores(fn, "score", score, n, err);
    if (rc != VG_OK)
        return rc;
    if (!y)
        return vg_error_set(err, VG_ERR_INVALID, "%s: NULL labels", fn);
    if ((rc = vg_estimate_check_labels(fn, "label", y, n, err)) != VG_OK)
        return rc;

    scored_label *rows = malloc(n * sizeof *rows);
    double *ux = malloc(n * sizeof *ux), *uy = malloc(n * sizeof *uy), *uw = malloc(n * sizeof *uw);
    size_t *target = malloc(n * sizeof *target);
    vg_estimate_calibrator *cal = calloc(1, sizeof *cal);
    if (!rows || !ux || !uy || !uw || !target || !cal) {
        rc = vg_error_set(err, VG_ERR_NOMEM, "%s: out of memory for %zu rows", fn, n);
        goto done;
    }
    for (size_t i = 0; i < n; i++)
        rows[i] = (scored_label){score[i], y[i]};
    qsort(rows, n, sizeof *rows, cmp_scored);

    /* _make_unique: one point per run of scores within MERGE_EPS of the run's first score */
    size_t m = 0;
    double cur_x = rows[0].score, cur_y = 0, cur_w = 0;
    for (size_t i = 0; i < n; i++) {
        if (rows[i].score - cur_x >= MERGE_EPS) {
            ux[m] = cur_x, uy[m] = cur_y / cur_w, uw[m] = cur_w, m++;
            cur_x = rows[i].score, cur_y = 0, cur_w = 0;
        }
        cur_w += 1;
        cur_y += rows[i].y;
    }
    ux[m] = cur_x, uy[m] = cur_y / cur_w, uw[m] = cur_w, m++;

    pava(uy, uw, target, m);

    /* keep the end knots and every interior knot that differs from a neighbour */
    size_t kept = 0;
    for (size_t i = 0; i < m; i++)
        if (i == 0 || i == m - 1 || uy[i] != uy[i - 1] || uy[i] != uy[i + 1]) {
            ux[kept] = ux[i];
            uy[kept] = uy[i];
            kept++;
        }
    cal->n = kept;
    cal->x = realloc(ux, kept * sizeof *ux);
    cal->y = realloc(uy, kept * sizeof *uy);
    /* shrinking cannot fail in practice; if it does, the larger block is still ours */
    if (!cal->x)
        cal->x = ux;
    if (!cal->y)
        cal->y = uy;
    ux = uy = NULL;
    *out = cal;
    cal = NULL;
    rc = VG_OK;
done:
    free(rows);
    free(ux);
    free(uy);
    free(uw);
    free(target);
    free(cal);
    return rc;
}

/* scipy.interpolate.interp1d(kind='linear')._call_linear on a clipped value: the segment whose
 * right end is the first knot >= v (searchsorted, side left), kept within [1, n - 1]. */
static double interpolate(const vg_estimate_calibrator *cal, double v) {
    size_t n = cal->n;
    if (n == 1)
        return cal->y[0];
    if (v < cal->x[0])
        v = cal->x[0];
    if (v > cal->x[n - 1])
        v = cal->x[n - 1];
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (cal->x[mid] < v)
            lo = mid + 1;
        else
            hi = mid;
    }
    hi = lo < 1 ? 1 : lo > n - 1 ? n - 1 : lo;
    lo = hi - 1;
    double slope = (cal->y[hi] - cal->y[lo]) / (cal->x[hi] - cal->x[lo]);
    double p = slope * (v - cal->x[lo]) + cal->y[lo];
    /* rounding may step an ulp past the segment's ends, which could leave [0, 1] */
    return p < cal->y[lo] ? cal->y[lo] : p > cal->y[hi] ? cal->y[hi] : p;
}

int vg_estimate_calibrator_apply(const vg_estimate_calibrator *cal, const double *score, size_t n,
                                 double *prob, vg_error *err) {
    static const char fn[] = "isotonic calibrator";
    if (!cal || !cal->n || (n && !prob))
        return vg_error_set(err, VG_ERR_INVALID, "%s: NULL calibrator or output", fn);
    int rc = vg_estimate_check_scores(fn, "score", score, n, err);
    if (rc != VG_OK)
        return rc;
    for (size_t i = 0; i < n; i++)
        prob[i] = interpolate(cal, score[i]);
    return VG_OK;
}

void vg_estimate_calibrator_free(vg_estimate_calibrator *cal) {
    if (!cal)
        return;
    free(cal->x);
    free(cal->y);
    free(cal);
}
