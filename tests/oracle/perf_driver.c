/*
 * Driver for tests/oracle/test_perf.py: reads commands on stdin (whitespace-separated) and
 * prints one line per command with libvigia's model-quality metrics (vigia/perf.h) in %.17g,
 * for Python to compare with scikit-learn. Commands:
 *
 *   bin <n> <has_score> <has_pred> <threshold> <curve_points> <cal_bins> <shards> <score_bins>
 *       <n y_true> [<n scores>] [<n y_pred>]
 *   mc <n> <k> <top_k> <has_proba> <has_pred> <shards> <n y_true> [<n*k proba>] [<n y_pred>]
 *   reg <n> <nq> <shards> <nq q> <n y_true> <n y_pred>
 *
 * shards = 0 calls the batch function; shards >= 1 splits the rows into that many contiguous
 * pieces, feeds each to its own stream (in two adds, to exercise add after add) and merges
 * them all into the first. Output: the result fields in the order of print_binary,
 * print_multiclass, print_regression, or "ERR code message".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vigia/perf.h"

static void pd(double x) {
    printf(" %.17g", x);
}

static void pu(unsigned long long x) {
    printf(" %llu", x);
}

static void print_curve(const vg_perf_curve *c) {
    pu(c->n);
    pu(c->n_full);
    for (size_t i = 0; i < c->n; i++)
        pd(c->x[i]);
    for (size_t i = 0; i < c->n; i++)
        pd(c->y[i]);
    for (size_t i = 0; i < c->n; i++)
        pd(c->threshold[i]);
}

static void print_binary(const vg_perf_binary *r) {
    printf("OK");
    pu(r->n), pu(r->n_pos), pu(r->n_neg), pu(r->tn), pu(r->fp), pu(r->fn), pu(r->tp);
    pd(r->accuracy), pd(r->precision), pd(r->recall), pd(r->f1), pd(r->specificity);
    pd(r->balanced_accuracy), pd(r->mcc);
    pu((unsigned long long)r->single_class), pu((unsigned long long)r->has_scores);
    pd(r->roc_auc), pd(r->average_precision), pd(r->log_loss), pd(r->brier), pd(r->ece);
    pd(r->roc_auc_bound), pd(r->average_precision_bound);
    if (r->has_scores) {
        pu(r->calibration_bins);
        for (size_t b = 0; b < r->calibration_bins; b++)
            pu(r->cal_count[b]);
        for (size_t b = 0; b < r->calibration_bins; b++)
            pd(r->cal_prob_true[b]);
        for (size_t b = 0; b < r->calibration_bins; b++)
            pd(r->cal_prob_pred[b]);
        print_curve(&r->roc);
        print_curve(&r->pr);
    }
    printf("\n");
}

static void print_multiclass(const vg_perf_multiclass *r) {
    printf("OK");
    pu(r->k), pu(r->n);
    for (size_t i = 0; i < (size_t)r->k * r->k; i++)
        pu(r->confusion[i]);
    for (uint32_t c = 0; c < r->k; c++)
        pd(r->precision[c]);
    for (uint32_t c = 0; c < r->k; c++)
        pd(r->recall[c]);
    for (uint32_t c = 0; c < r->k; c++)
        pd(r->f1[c]);
    for (uint32_t c = 0; c < r->k; c++)
        pu(r->support[c]);
    pd(r->accuracy), pd(r->balanced_accuracy), pd(r->mcc);
    pd(r->macro_precision), pd(r->macro_recall), pd(r->macro_f1);
    pd(r->micro_precision), pd(r->micro_recall), pd(r->micro_f1);
    pd(r->weighted_precision), pd(r->weighted_recall), pd(r->weighted_f1);
    pu((unsigned long long)r->has_proba), pd(r->log_loss), pu(r->top_k), pd(r->top_k_accuracy);
    printf("\n");
}

static void print_regression(const vg_perf_regression *r) {
    printf("OK");
    pu(r->n);
    pd(r->mae), pd(r->mse), pd(r->rmse), pd(r->mape), pu(r->zero_targets), pd(r->mape_nonzero);
    pd(r->r2), pd(r->median_ae), pd(r->mean_error);
    pu(r->n_quantiles);
    for (size_t j = 0; j < r->n_quantiles; j++)
        pd(r->error_quantile[j]);
    printf("\n");
}

static int read_doubles(double *x, size_t n) {
    char tok[128];
    for (size_t i = 0; i < n; i++) {
        if (scanf("%127s", tok) != 1)
            return 0;
        char *end;
        x[i] = strtod(tok, &end);
        if (*end)
            return 0;
    }
    return 1;
}

static int read_u8(uint8_t *x, size_t n) {
    for (size_t i = 0; i < n; i++) {
        unsigned v;
        if (scanf("%u", &v) != 1)
            return 0;
        x[i] = (uint8_t)v; /* values > 255 are not sent */
    }
    return 1;
}

static int read_u32(uint32_t *x, size_t n) {
    for (size_t i = 0; i < n; i++) {
        unsigned long v;
        if (scanf("%lu", &v) != 1)
            return 0;
        x[i] = (uint32_t)v;
    }
    return 1;
}

static void print_err(int rc, const vg_error *err) {
    printf("ERR %d %s\n", rc, err->msg);
}

/* Piece s of `shards` contiguous pieces of n rows: [*lo, *hi). */
static void piece(size_t n, size_t shards, size_t s, size_t *lo, size_t *hi) {
    *lo = n * s / shards;
    *hi = n * (s + 1) / shards;
}

static int run_binary(void) {
    unsigned long n, has_score, has_pred, shards, score_bins;
    vg_perf_binary_opts o;
    if (scanf("%lu %lu %lu %lf %zu %zu %lu %lu", &n, &has_score, &has_pred, &o.threshold,
              &o.curve_points, &o.calibration_bins, &shards, &score_bins) != 8)
        return 0;
    uint8_t *y = malloc(n + 1), *p = malloc(n + 1);
    double *s = malloc((n + 1) * sizeof *s);
    int ok = y && p && s && read_u8(y, n) && (!has_score || read_doubles(s, n)) &&
             (!has_pred || read_u8(p, n));
    if (!ok)
        goto done;
    const double *sc = has_score ? s : NULL;
    const uint8_t *pr = has_pred ? p : NULL;
    vg_error err;
    err.msg[0] = '\0';
    vg_perf_binary r;
    int rc;
    if (shards == 0) {
        rc = vg_perf_binary_compute(y, sc, pr, n, &o, &r, &err);
    } else {
        vg_perf_binary_stream *st[64];
        rc = VG_OK;
        for (size_t k = 0; k < shards; k++) {
            st[k] = vg_perf_binary_stream_new(&o, score_bins, has_score != 0, &err);
            if (!st[k]) {
                rc = err.code;
                shards = k;
                break;
            }
            size_t lo, hi, mid;
            piece(n, shards, k, &lo, &hi);
            mid = lo + (hi - lo) / 3;
            if (!rc)
                rc = vg_perf_binary_stream_add(st[k], y + lo, sc ? sc + lo : NULL,
                                               pr ? pr + lo : NULL, mid - lo, &err);
            if (!rc)
                rc = vg_perf_binary_stream_add(st[k], y + mid, sc ? sc + mid : NULL,
                                               pr ? pr + mid : NULL, hi - mid, &err);
        }
        for (size_t k = 1; k < shards && !rc; k++)
            rc = vg_perf_binary_stream_merge(st[0], st[k], &err);
        if (!rc)
            rc = vg_perf_binary_stream_result(st[0], &r, &err);
        for (size_t k = 0; k < shards; k++)
            vg_perf_binary_stream_free(st[k]);
    }
    if (rc)
        print_err(rc, &err);
    else {
        print_binary(&r);
        vg_perf_binary_free(&r);
    }
done:
    free(y);
    free(p);
    free(s);
    return ok;
}

static int run_multiclass(void) {
    unsigned long n, k, top_k, has_proba, has_pred, shards;
    if (scanf("%lu %lu %lu %lu %lu %lu", &n, &k, &top_k, &has_proba, &has_pred, &shards) != 6)
        return 0;
    uint32_t *y = malloc((n + 1) * sizeof *y), *p = malloc((n + 1) * sizeof *p);
    double *pa = malloc((n * k + 1) * sizeof *pa);
    int ok = y && p && pa && read_u32(y, n) && (!has_proba || read_doubles(pa, n * k)) &&
             (!has_pred || read_u32(p, n));
    if (!ok)
        goto done;
    const double *pp = has_proba ? pa : NULL;
    const uint32_t *pr = has_pred ? p : NULL;
    vg_error err;
    err.msg[0] = '\0';
    vg_perf_multiclass r;
    int rc;
    if (shards == 0) {
        rc = vg_perf_multiclass_compute(y, pr, pp, n, (uint32_t)k, (uint32_t)top_k, &r, &err);
    } else {
        vg_perf_multiclass_stream *st[64];
        rc = VG_OK;
        for (size_t j = 0; j < shards; j++) {
            st[j] =
                vg_perf_multiclass_stream_new((uint32_t)k, (uint32_t)top_k, has_proba != 0, &err);
            if (!st[j]) {
                rc = err.code;
                shards = j;
                break;
            }
            size_t lo, hi;
            piece(n, shards, j, &lo, &hi);
            if (!rc)
                rc = vg_perf_multiclass_stream_add(st[j], y + lo, pr ? pr + lo : NULL,
                                                   pp ? pp + lo * k : NULL, hi - lo, &err);
        }
        for (size_t j = 1; j < shards && !rc; j++)
            rc = vg_perf_multiclass_stream_merge(st[0], st[j], &err);
        if (!rc)
            rc = vg_perf_multiclass_stream_result(st[0], &r, &err);
        for (size_t j = 0; j < shards; j++)
            vg_perf_multiclass_stream_free(st[j]);
    }
    if (rc)
        print_err(rc, &err);
    else {
        print_multiclass(&r);
        vg_perf_multiclass_free(&r);
    }
done:
    free(y);
    free(p);
    free(pa);
    return ok;
}

static int run_regression(void) {
    unsigned long n, nq, shards;
    if (scanf("%lu %lu %lu", &n, &nq, &shards) != 3 || nq > 64)
        return 0;
    double q[64];
    double *y = malloc((n + 1) * sizeof *y), *p = malloc((n + 1) * sizeof *p);
    int ok = y && p && read_doubles(q, nq) && read_doubles(y, n) && read_doubles(p, n);
    if (!ok)
        goto done;
    vg_error err;
    err.msg[0] = '\0';
    vg_perf_regression r;
    int rc;
    if (shards == 0) {
        rc = vg_perf_regression_compute(y, p, n, q, nq, &r, &err);
    } else {
        vg_perf_regression_stream *st[64];
        rc = VG_OK;
        for (size_t j = 0; j < shards; j++) {
            st[j] = vg_perf_regression_stream_new(q, nq, &err);
            if (!st[j]) {
                rc = err.code;
                shards = j;
                break;
            }
            size_t lo, hi;
            piece(n, shards, j, &lo, &hi);
            if (!rc)
                rc = vg_perf_regression_stream_add(st[j], y + lo, p + lo, hi - lo, &err);
        }
        for (size_t j = 1; j < shards && !rc; j++)
            rc = vg_perf_regression_stream_merge(st[0], st[j], &err);
        if (!rc)
            rc = vg_perf_regression_stream_result(st[0], &r, &err);
        for (size_t j = 0; j < shards; j++)
            vg_perf_regression_stream_free(st[j]);
    }
    if (rc)
        print_err(rc, &err);
    else {
        print_regression(&r);
        vg_perf_regression_free(&r);
    }
done:
    free(y);
    free(p);
    return ok;
}

int main(void) {
    char cmd[64];
    while (scanf("%63s", cmd) == 1) {
        int ok;
        if (!strcmp(cmd, "bin"))
            ok = run_binary();
        else if (!strcmp(cmd, "mc"))
            ok = run_multiclass();
        else if (!strcmp(cmd, "reg"))
            ok = run_regression();
        else {
            printf("ERR unknown %s\n", cmd);
            return 1;
        }
        if (!ok) {
            printf("ERR parse %s\n", cmd);
            return 1;
        }
        fflush(stdout);
    }
    return 0;
}
