/*
 * Multiclass classification metrics (vigia/perf.h), computed as scikit-learn 1.2.1 computes
 * them with labels=range(k). Everything that depends on labels only is a function of the k x k
 * confusion matrix, which the batch builds in one pass and the stream (src/perf/stream.c) keeps
 * exactly, so both give the same numbers. The probability metrics are per-row terms: the
 * log-loss term follows sklearn's clip-then-renormalize arithmetic (numpy's pairwise row sum
 * included), and top-k accuracy ranks the true class against the others with sklearn's tie
 * rule, in O(k) per row without sorting.
 */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

int vg_perf_multiclass_check_input(const char *fn, const uint32_t *y_true, const uint32_t *y_pred,
                                   const double *proba, size_t n, uint32_t k, vg_error *err) {
    if (k < 2)
        return vg_error_set(err, VG_ERR_INVALID, "%s: k = %u classes, need at least 2", fn,
                            (unsigned)k);
    if (!y_true)
        return vg_error_set(err, VG_ERR_INVALID, "%s: y_true is NULL", fn);
    if (!y_pred && !proba)
        return vg_error_set(err, VG_ERR_INVALID, "%s: both y_pred and proba are NULL", fn);
    for (size_t i = 0; i < n; i++)
        if (y_true[i] >= k)
            return vg_error_set(err, VG_ERR_INVALID,
                                "%s: y_true[%zu] = %u is not a declared class (0 .. %u)", fn, i,
                                (unsigned)y_true[i], (unsigned)k - 1);
    if (y_pred)
        for (size_t i = 0; i < n; i++)
            if (y_pred[i] >= k)
                return vg_error_set(err, VG_ERR_INVALID,
                                    "%s: y_pred[%zu] = %u is not a declared class (0 .. %u)", fn, i,
                                    (unsigned)y_pred[i], (unsigned)k - 1);
    if (proba)
        for (size_t i = 0; i < n; i++)
            for (uint32_t j = 0; j < k; j++) {
                double p = proba[i * k + j];
                if (isnan(p))
                    return vg_error_set(err, VG_ERR_INVALID, "%s: proba[%zu][%u] is NaN", fn, i,
                                        (unsigned)j);
                if (!(p >= 0 && p <= 1))
                    return vg_error_set(err, VG_ERR_INVALID,
                                        "%s: proba[%zu][%u] = %.17g is not a probability in "
                                        "[0, 1]",
                                        fn, i, (unsigned)j, p);
            }
    return VG_OK;
}

int vg_perf_multiclass_alloc(vg_perf_multiclass *r, uint32_t k, vg_error *err) {
    memset(r, 0, sizeof *r);
    size_t kk = (size_t)k;
    r->confusion = calloc(kk * kk + kk, sizeof *r->confusion); /* support follows confusion */
    r->precision = calloc(3 * kk, sizeof *r->precision);       /* recall, f1 follow precision */
    if (!r->confusion || !r->precision) {
        free(r->confusion);
        free(r->precision);
        memset(r, 0, sizeof *r);
        return vg_error_set(err, VG_ERR_NOMEM, "perf: out of memory for %u classes", (unsigned)k);
    }
    r->support = r->confusion + kk * kk;
    r->recall = r->precision + kk;
    r->f1 = r->precision + 2 * kk;
    r->k = k;
    return VG_OK;
}

void vg_perf_multiclass_free(vg_perf_multiclass *r) {
    if (!r)
        return;
    free(r->confusion);
    free(r->precision);
    r->confusion = r->support = NULL;
    r->precision = r->recall = r->f1 = NULL;
}

static double f1_of(double p, double r) {
    double d = p + r;
    return d == 0 ? 0.0 : 2.0 * p * r / d;
}

void vg_perf_multiclass_label_metrics(vg_perf_multiclass *r) {
    uint32_t k = r->k;
    const uint64_t *cm = r->confusion;
    uint64_t n = 0, trace = 0;
    vg_ksum mp = {0, 0}, mr = {0, 0}, mf = {0, 0}, wp = {0, 0}, wr = {0, 0}, wf = {0, 0};
    vg_ksum bal = {0, 0};
    uint32_t present = 0;
    double dot_tp = 0, dot_pp = 0, dot_tt = 0;
    for (uint32_t c = 0; c < k; c++) {
        uint64_t t = 0, p = 0;
        for (uint32_t j = 0; j < k; j++) {
            t += cm[(size_t)c * k + j];
            p += cm[(size_t)j * k + c];
        }
        uint64_t tp = cm[(size_t)c * k + c];
        n += t;
        trace += tp;
        r->support[c] = t;
        r->precision[c] = p ? (double)tp / (double)p : 0.0;
        r->recall[c] = t ? (double)tp / (double)t : 0.0;
        r->f1[c] = f1_of(r->precision[c], r->recall[c]);
        vg_ksum_add(&mp, r->precision[c]);
        vg_ksum_add(&mr, r->recall[c]);
        vg_ksum_add(&mf, r->f1[c]);
        vg_ksum_add(&wp, r->precision[c] * (double)t);
        vg_ksum_add(&wr, r->recall[c] * (double)t);
        vg_ksum_add(&wf, r->f1[c] * (double)t);
        if (t) {
            vg_ksum_add(&bal, r->recall[c]);
            present++;
        }
        dot_tp += (double)t * (double)p;
        dot_pp += (double)p * (double)p;
        dot_tt += (double)t * (double)t;
    }
    double dn = (double)n, dk = (double)k;
    r->n = n;
    r->accuracy = (double)trace / dn;
    r->balanced_accuracy = vg_ksum_value(&bal) / (double)present;
    r->macro_precision = vg_ksum_value(&mp) / dk;
    r->macro_recall = vg_ksum_value(&mr) / dk;
    r->macro_f1 = vg_ksum_value(&mf) / dk;
    /* micro averages over all k labels: every error is a false positive of one class and a
     * false negative of another, so precision = recall = accuracy */
    r->micro_precision = r->micro_recall = (double)trace / dn;
    r->micro_f1 = f1_of(r->micro_precision, r->micro_recall);
    r->weighted_precision = vg_ksum_value(&wp) / dn;
    r->weighted_recall = vg_ksum_value(&wr) / dn;
    r->weighted_f1 = vg_ksum_value(&wf) / dn;
    /* matthews_corrcoef, multiclass form (Gorodkin, Comput. Biol. Chem. 28, 2004), in
     * sklearn's arithmetic */
    double cov_ytyp = (double)trace * dn - dot_tp;
    double cov_ypyp = dn * dn - dot_pp, cov_ytyt = dn * dn - dot_tt;
    r->mcc = cov_ypyp * cov_ytyt == 0 ? 0.0 : cov_ytyp / sqrt(cov_ytyt * cov_ypyp);
}

double vg_perf_multiclass_logloss_term(const double *row, uint32_t k, uint32_t y, double *buf) {
    for (uint32_t j = 0; j < k; j++) {
        double p = row[j];
        buf[j] = p < VG_PERF_EPS ? VG_PERF_EPS : p > 1 - VG_PERF_EPS ? 1 - VG_PERF_EPS : p;
    }
    return -log(buf[y] / vg_sum_pairwise(buf, k));
}

int vg_perf_multiclass_topk_hit(const double *row, uint32_t k, uint32_t y, uint32_t top_k) {
    /* sklearn sorts with a stable argsort and reverses it: among equal scores the higher
     * index comes first */
    uint32_t above = 0;
    double s = row[y];
    for (uint32_t j = 0; j < k; j++)
        above += row[j] > s || (row[j] == s && j > y);
    return above < top_k;
}

uint32_t vg_perf_argmax(const double *row, uint32_t k) {
    uint32_t best = 0;
    for (uint32_t j = 1; j < k; j++)
        if (row[j] > row[best])
            best = j;
    return best;
}

int vg_perf_multiclass_compute(const uint32_t *y_true, const uint32_t *y_pred, const double *proba,
                               size_t n, uint32_t k, uint32_t top_k, vg_perf_multiclass *out,
                               vg_error *err) {
    static const char fn[] = "vg_perf_multiclass_compute";
    if (!out)
        return vg_error_set(err, VG_ERR_INVALID, "%s: out is NULL", fn);
    if (n == 0)
        return vg_error_set(err, VG_ERR_INVALID, "%s: n = 0, no predictions", fn);
    int rc = vg_perf_multiclass_check_input(fn, y_true, y_pred, proba, n, k, err);
    if (rc)
        return rc;
    vg_perf_multiclass r;
    rc = vg_perf_multiclass_alloc(&r, k, err);
    if (rc)
        return rc;
    double *buf = NULL;
    if (proba && !(buf = malloc((size_t)k * sizeof *buf))) {
        vg_perf_multiclass_free(&r);
        return vg_error_set(err, VG_ERR_NOMEM, "%s: out of memory", fn);
    }
    vg_ksum ll = {0, 0};
    uint64_t hits = 0;
    for (size_t i = 0; i < n; i++) {
        const double *row = proba ? proba + i * k : NULL;
        uint32_t p = y_pred ? y_pred[i] : vg_perf_argmax(row, k);
        r.confusion[(size_t)y_true[i] * k + p]++;
        if (row) {
            vg_ksum_add(&ll, vg_perf_multiclass_logloss_term(row, k, y_true[i], buf));
            if (top_k)
                hits += (uint64_t)vg_perf_multiclass_topk_hit(row, k, y_true[i], top_k);
        }
    }
    free(buf);
    vg_perf_multiclass_label_metrics(&r);
    r.has_proba = proba != NULL;
    r.top_k = top_k;
    r.log_loss = proba ? vg_ksum_value(&ll) / (double)n : NAN;
    r.top_k_accuracy = proba && top_k ? (double)hits / (double)n : NAN;
    *out = r;
    return VG_OK;
}
