/*
 * Regression metrics (vigia/perf.h), as scikit-learn 1.2.1 and numpy 1.24 define them. Sums
 * are compensated (Neumaier), so they are at least as accurate as numpy's pairwise sums; R^2's
 * denominator is the two-pass centered sum of squares. The median and the error quantiles select
 * order statistics from a copy in expected O(n) (util.c) and interpolate as numpy.quantile's
 * default "linear" method (Hyndman & Fan, Amer. Statistician 50, 1996, definition 7), in numpy's
 * arithmetic: a + (b - a) t below t = 0.5 and b - (b - a)(1 - t) from there, so that q = 1 gives
 * the max.
 */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

void vg_perf_regression_free(vg_perf_regression *r) {
    (void)r; /* nothing on the heap */
}

/* numpy.quantile(x, q), method "linear": the ranks it reads (*i and *i + 1, or n - 1 alone)
 * and the interpolation weight. */
static void quantile_ranks(size_t n, double q, size_t *i, double *t) {
    double vi = (double)(n - 1) * q;
    if (vi >= (double)(n - 1)) {
        *i = n - 1;
        *t = 0;
        return;
    }
    double fl = floor(vi);
    *i = (size_t)fl;
    *t = vi - fl;
}

static double quantile_linear(const double *x, size_t n, double q) {
    size_t i;
    double t;
    quantile_ranks(n, q, &i, &t);
    if (i == n - 1)
        return x[i];
    double a = x[i], b = x[i + 1], d = b - a;
    return t >= 0.5 ? b - d * (1 - t) : a + d * t;
}

static int check_quantiles(const char *fn, const double *q, size_t nq, vg_error *err) {
    if (nq > VG_PERF_MAX_QUANTILES)
        return vg_error_set(err, VG_ERR_INVALID, "%s: %zu quantiles asked, at most %d", fn, nq,
                            VG_PERF_MAX_QUANTILES);
    if (nq && !q)
        return vg_error_set(err, VG_ERR_INVALID, "%s: q is NULL", fn);
    for (size_t j = 0; j < nq; j++)
        if (!(q[j] >= 0 && q[j] <= 1))
            return vg_error_set(err, VG_ERR_INVALID, "%s: q[%zu] = %g is not in [0, 1]", fn, j,
                                q[j]);
    return VG_OK;
}

static int check_values(const char *fn, const char *name, const double *x, size_t n,
                        vg_error *err) {
    if (!x && n)
        return vg_error_set(err, VG_ERR_INVALID, "%s: %s is NULL", fn, name);
    for (size_t i = 0; i < n; i++)
        if (!isfinite(x[i]))
            return vg_error_set(err, VG_ERR_INVALID, "%s: %s[%zu] is %s", fn, name, i,
                                isnan(x[i]) ? "NaN" : "infinite");
    return VG_OK;
}

/* Exposed to stream.c through a declaration there: the checks of both entry points. */
int vg_perf_regression_check(const char *fn, const double *y_true, const double *y_pred, size_t n,
                             const double *q, size_t nq, vg_error *err);

int vg_perf_regression_check(const char *fn, const double *y_true, const double *y_pred, size_t n,
                             const double *q, size_t nq, vg_error *err) {
    int rc = check_quantiles(fn, q, nq, err);
    if (!rc)
        rc = check_values(fn, "y_true", y_true, n, err);
    if (!rc)
        rc = check_values(fn, "y_pred", y_pred, n, err);
    return rc;
}

int vg_perf_regression_compute(const double *y_true, const double *y_pred, size_t n,
                               const double *q, size_t nq, vg_perf_regression *out, vg_error *err) {
    static const char fn[] = "vg_perf_regression_compute";
    if (!out)
        return vg_error_set(err, VG_ERR_INVALID, "%s: out is NULL", fn);
    if (n == 0)
        return vg_error_set(err, VG_ERR_INVALID, "%s: n = 0, no predictions", fn);
    int rc = vg_perf_regression_check(fn, y_true, y_pred, n, q, nq, err);
    if (rc)
        return rc;
    double *e = malloc(2 * n * sizeof *e);
    if (!e)
        return vg_error_set(err, VG_ERR_NOMEM, "%s: out of memory for %zu rows", fn, n);
    double *ae = e + n;
    vg_ksum sae = {0, 0}, sse = {0, 0}, se = {0, 0}, sape = {0, 0}, sapenz = {0, 0};
    vg_ksum sy = {0, 0};
    uint64_t zeros = 0;
    int constant = 1;
    for (size_t i = 0; i < n; i++) {
        double d = y_pred[i] - y_true[i];
        e[i] = d;
        ae[i] = fabs(d);
        vg_ksum_add(&sae, ae[i]);
        vg_ksum_add(&sse, d * d);
        vg_ksum_add(&se, d);
        vg_ksum_add(&sy, y_true[i]);
        double ay = fabs(y_true[i]);
        /* mean_absolute_percentage_error divides by max(|y|, eps) */
        double ape = ae[i] / (ay > VG_PERF_EPS ? ay : VG_PERF_EPS);
        vg_ksum_add(&sape, ape);
        if (y_true[i] == 0)
            zeros++;
        else
            vg_ksum_add(&sapenz, ae[i] / ay);
        constant &= y_true[i] == y_true[0];
    }
    double dn = (double)n, mean = vg_ksum_value(&sy) / dn;
    vg_ksum ss = {0, 0};
    for (size_t i = 0; i < n; i++) {
        double c = y_true[i] - mean;
        vg_ksum_add(&ss, c * c);
    }
    vg_perf_regression r;
    memset(&r, 0, sizeof r);
    r.n = n;
    r.mae = vg_ksum_value(&sae) / dn;
    r.mse = vg_ksum_value(&sse) / dn;
    r.rmse = sqrt(r.mse);
    r.mean_error = vg_ksum_value(&se) / dn;
    r.mape = vg_ksum_value(&sape) / dn;
    r.zero_targets = zeros;
    r.mape_nonzero = zeros < n ? vg_ksum_value(&sapenz) / (double)(n - zeros) : NAN;
    /* r2_score: NaN below two samples; a constant target (denominator 0) gives 1 for a
     * perfect fit and 0 otherwise (force_finite) */
    double num = vg_ksum_value(&sse), den = constant ? 0.0 : vg_ksum_value(&ss);
    if (n < 2)
        r.r2 = NAN;
    else if (den == 0)
        r.r2 = num == 0 ? 1.0 : 0.0;
    else
        r.r2 = 1 - num / den;

    /* median and quantiles by selecting the ranks they read, O(n), rather than by sorting */
    size_t ranks[2 * VG_PERF_MAX_QUANTILES + 2], nr = 0;
    ranks[nr++] = (n - 1) / 2;
    if (n % 2 == 0)
        ranks[nr++] = n / 2;
    vg_perf_select(ae, n, ranks, nr);
    r.median_ae = n % 2 ? ae[n / 2] : (ae[n / 2 - 1] + ae[n / 2]) / 2;
    nr = 0;
    for (size_t j = 0; j < nq; j++) {
        size_t i;
        double t;
        quantile_ranks(n, q[j], &i, &t);
        ranks[nr++] = i;
        if (i + 1 < n)
            ranks[nr++] = i + 1;
    }
    for (size_t j = 1; j < nr; j++) /* insertion sort, then drop repeats */
        for (size_t m = j; m > 0 && ranks[m - 1] > ranks[m]; m--) {
            size_t t = ranks[m];
            ranks[m] = ranks[m - 1];
            ranks[m - 1] = t;
        }
    size_t u = 0;
    for (size_t j = 0; j < nr; j++)
        if (u == 0 || ranks[j] != ranks[u - 1])
            ranks[u++] = ranks[j];
    vg_perf_select(e, n, ranks, u);
    for (size_t j = 0; j < nq; j++) {
        r.quantile[j] = q[j];
        r.error_quantile[j] = quantile_linear(e, n, q[j]);
    }
    r.n_quantiles = nq;
    free(e);
    *out = r;
    return VG_OK;
}
