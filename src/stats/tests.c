/*
 * Two-sample tests on raw samples (vigia/stattests.h), computed as scipy 1.10 computes them so
 * that a drift report and a notebook agree to the last digits:
 *
 * - Welch's t test (Welch, Biometrika 34, 1947; Satterthwaite, Biometrics Bull. 2, 1946).
 * - Mann-Whitney U (Mann & Whitney, Ann. Math. Statist. 18, 1947). The exact null distribution
 *   of U for sizes m <= n counts the arrangements with U = k: the coefficients of the Gaussian
 *   binomial [m+n choose m]_q = prod_{i=1..m} (1 - q^(n+i)) / (1 - q^i) (Andrews, "The Theory of
 *   Partitions", 1976, Thm 3.1; Di Bucchianico, J. Stat. Plan. Inf. 79, 1999, on which scipy's
 *   recursion is based). Multiplying in one factor at a time, each intermediate polynomial is
 *   [n+i choose i]_q, symmetric and unimodal; only the coefficients up to the needed
 *   k <= (mn)/2 are kept, the upper half of each intermediate mirrored from the lower, so the
 *   single subtraction per coefficient removes a left tail smaller than what remains (a few
 *   bits at most, in doubles, where scipy's recursion adds exact integers up to 2^53).
 * - The k-sample Anderson-Darling test: Scholz & Stephens, "K-Sample Anderson-Darling Tests",
 *   JASA 82 (1987): the midrank statistic A2akN of their eq. (7), its variance (eq. 4 and the
 *   coefficients a, b, c, d that follow) and the critical values of their Table 2
 *   (b0 + b1/sqrt(m) + b2/m). scipy 1.10 turns the statistic into a p-value by fitting a
 *   quadratic in least squares to (critical value, log significance) over the 7 tabulated
 *   levels and evaluating it, bounded to [0.001, 0.25] outside the table.
 * - The two-sample Cramer-von Mises test: Anderson, "On the Distribution of the Two-Sample
 *   Cramer-von Mises Criterion", Ann. Math. Statist. 33 (1962): T from U (eq. 9, 10), its mean
 *   and variance (eq. 11, 14) and the normalization of eq. 15, whose p-value is taken from the
 *   limiting distribution of the one-sample statistic (Csorgo & Faraway, JRSS B 58, 1996,
 *   eq. 1.2-1.3, a series in the Bessel function K_1/4). The exact p-value counts lattice paths
 *   by their value of U, as in Xiao, Gordon & Yakovlev, "A C++ Program for the Cramer-von Mises
 *   Two-Sample Test", J. Stat. Soft. 17(8), 2006, Algorithm 1.
 *
 * Matching scipy's numbers where it matters means following numpy's arithmetic: sums over
 * arrays use numpy's pairwise summation (blocks of 8 partial sums, halves above 128 elements,
 * chunks of 8192 added in order), and expressions keep scipy's order of operations; the
 * statistics then agree with scipy to the last bit. Ranks are midranks from one merge of the
 * two sorted copies.
 */
#include "../base/sort.h"
#include "../base/sum.h"
#include "internal.h"
#include "vigia/stats.h"
#include "vigia/stattests.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* ---- shared helpers ------------------------------------------------------------------------ */

/* Checks the common arguments; `min_n` is the smallest size each sample may have. */
static int check_samples(const char *fn, const double *a, size_t na, const double *b, size_t nb,
                         size_t min_n, const void *out1, const void *out2, int presorted,
                         vg_error *err) {
    if (!out1 || !out2)
        return vg_error_set(err, VG_ERR_INVALID, "%s: NULL output pointer", fn);
    if (na < min_n || nb < min_n)
        return vg_error_set(err, VG_ERR_INVALID,
                            "%s: each sample needs at least %zu value%s (got %zu and %zu)", fn,
                            min_n, min_n == 1 ? "" : "s", na, nb);
    if ((na && !a) || (nb && !b))
        return vg_error_set(err, VG_ERR_INVALID, "%s: NULL sample", fn);
    if (presorted)
        return VG_OK; /* the caller vouches for sorted, NaN-free samples */
    for (size_t i = 0; i < na; i++)
        if (isnan(a[i]))
            return vg_error_set(err, VG_ERR_INVALID, "%s: NaN at index %zu of the first sample", fn,
                                i);
    for (size_t i = 0; i < nb; i++)
        if (isnan(b[i]))
            return vg_error_set(err, VG_ERR_INVALID, "%s: NaN at index %zu of the second sample",
                                fn, i);
    return VG_OK;
}

/* Sorted views of both samples (the inputs themselves when already sorted, as vigia compare
 * passes them; see base/sort.h); -1 if out of memory. Release with release_views. */
static int sorted_views(const double *a, size_t na, const double *b, size_t nb, vg_sorted *va,
                        vg_sorted *vb, int presorted) {
    if (presorted) {
        *va = (vg_sorted){a, NULL};
        *vb = (vg_sorted){b, NULL};
        return 0;
    }
    if (vg_sorted_view(a, na, va) != 0)
        return -1;
    if (vg_sorted_view(b, nb, vb) != 0) {
        vg_sorted_release(va);
        return -1;
    }
    return 0;
}

static void release_views(vg_sorted *va, vg_sorted *vb) {
    vg_sorted_release(va);
    vg_sorted_release(vb);
}

/* ---- Welch's t test ------------------------------------------------------------------------ */

/* Mean and ddof = 1 variance as scipy's ttest_ind computes them (scipy.stats._stats_py._var):
 * mean = np.mean (pairwise sum / n), the second central moment np.mean((x - mean)^2), then
 * scaled by n / (n - 1), a quotient rounded on its own. A sample of one has no variance (NaN,
 * scipy's 0 * inf). */
static void mean_var(const double *x, size_t n, vg_sum_stream *work, double *mean, double *var) {
    double m = vg_sum_pairwise(x, n) / (double)n;
    vg_sum_stream_init(work);
    for (size_t i = 0; i < n; i++) {
        double d = x[i] - m;
        vg_sum_stream_push(work, d * d);
    }
    double m2 = vg_sum_stream_value(work) / (double)n;
    *mean = m;
    *var = n > 1 ? m2 * ((double)n / (double)(n - 1)) : NAN;
}

int vg_stats_ttest_welch(const double *a, size_t na, const double *b, size_t nb, double *statistic,
                         double *pvalue, vg_error *err) {
    int rc = check_samples("ttest_welch", a, na, b, nb, 1, statistic, pvalue, 0, err);
    if (rc)
        return rc;
    vg_sum_stream *work = malloc(sizeof *work);
    if (!work)
        return vg_error_set(err, VG_ERR_NOMEM, "ttest_welch: out of memory");
    double m1, v1, m2, v2;
    mean_var(a, na, work, &m1, &v1);
    mean_var(b, nb, work, &m2, &v2);
    free(work);
    /* Welch-Satterthwaite degrees of freedom; undefined (0/0: both variances zero) -> 1,
     * scipy's choice, which makes t = +/-inf give p = 0 */
    double vn1 = v1 / (double)na, vn2 = v2 / (double)nb;
    double s = vn1 + vn2;
    double df = s * s / (vn1 * vn1 / (double)(na - 1) + vn2 * vn2 / (double)(nb - 1));
    if (isnan(df))
        df = 1;
    double t = (m1 - m2) / sqrt(s);
    /* two-sided: 2 sf(|t|) (scipy: 2 stdtr(df, -|t|)) */
    double p = isnan(t) ? NAN : 2 * vg_dist_t_sf(fabs(t), df);
    *statistic = t;
    *pvalue = p;
    return VG_OK;
}

/* ---- Mann-Whitney U ------------------------------------------------------------------------ */

/* P(U <= k) for U the statistic of a sample of m against one of n, no ties, k <= mn/2 (the
 * lower half, where the p-value is summed). Coefficients c[0..k] of the Gaussian binomial,
 * built factor by factor (see the file header); after step i they are those of
 * [n+i choose i]_q, of degree i n, symmetric about i n / 2. Returns NaN if out of memory. */
static double mwu_exact_cdf(uint64_t m, uint64_t n, uint64_t k) {
    double *c = malloc((size_t)(k + 1) * sizeof *c);
    if (!c)
        return NAN;
    /* [n choose 0]_q = 1 */
    c[0] = 1;
    for (uint64_t j = 1; j <= k; j++)
        c[j] = 0;
    for (uint64_t i = 1; i <= m; i++) {
        uint64_t deg = i * n, half = deg / 2, top = k < half ? k : half;
        /* divide by (1 - q^i): prefix sums with stride i */
        for (uint64_t j = i; j <= top; j++)
            c[j] += c[j - i];
        /* multiply by (1 - q^(n+i)), from the top down so c[j - n - i] is still the quotient */
        for (uint64_t j = top; j >= n + i && j <= top; j--)
            c[j] -= c[j - n - i];
        /* the upper half by symmetry */
        for (uint64_t j = top + 1; j <= k && j <= deg; j++)
            c[j] = c[deg - j];
    }
    /* P(U <= k) = sum c[0..k] / C(m+n, m), the binomial as a product of m <= 8 ratios */
    double sum = 0;
    for (uint64_t j = 0; j <= k; j++)
        sum += c[j];
    free(c);
    double binom = 1;
    for (uint64_t i = 1; i <= m; i++)
        binom = binom * (double)(n + i) / (double)i;
    return sum / binom;
}

/* U and its p-value from the rank sums of a merge walk (see stats_mannwhitneyu_impl). */
static int mwu_finish(size_t na, size_t nb, uint64_t r1_twice, uint64_t tie_term, double tie_big,
                      int ties, double *statistic, double *pvalue, vg_error *err) {
    double n1 = (double)na, n2 = (double)nb;
    double u1 = (double)r1_twice / 2 - n1 * (n1 + 1) / 2;
    double u2 = n1 * n2 - u1;
    double u = u1 > u2 ? u1 : u2;
    double p;
    if ((na <= 8 || nb <= 8) && !ties) {
        /* exact: P(U >= u) = P(U <= mn - u) by symmetry, the mass at u included */
        uint64_t m = na < nb ? na : nb, n = na < nb ? nb : na;
        p = 2 * mwu_exact_cdf(m, n, (uint64_t)(n1 * n2 - u));
        if (isnan(p))
            return vg_error_set(err, VG_ERR_NOMEM, "mannwhitneyu: out of memory");
    } else {
        /* normal approximation: mean n1 n2 / 2, the tie-corrected variance
         * n1 n2 / 12 ((N + 1) - sum (t^3 - t) / (N (N - 1))) (Lehmann, "Nonparametrics:
         * Statistical Methods Based on Ranks", 1975, ch. 1), continuity correction 1/2 */
        double n = n1 + n2;
        double s = sqrt(n1 * n2 / 12 * ((n + 1) - ((double)tie_term + tie_big) / (n * (n - 1))));
        double z = (u - n1 * n2 / 2 - 0.5) / s;
        p = 2 * vg_dist_norm_sf(z);
    }
    if (p > 1)
        p = 1;
    *statistic = u1;
    *pvalue = p;
    return VG_OK;
}

static int stats_mannwhitneyu_impl(const double *a, size_t na, const double *b, size_t nb,
                                   double *statistic, double *pvalue, vg_error *err,
                                   int presorted) {
    int rc = check_samples("mannwhitneyu", a, na, b, nb, 1, statistic, pvalue, presorted, err);
    if (rc)
        return rc;
    vg_sorted va, vb;
    if (sorted_views(a, na, b, nb, &va, &vb, presorted) != 0)
        return vg_error_set(err, VG_ERR_NOMEM, "mannwhitneyu: out of memory");
    const double *xs = va.x, *ys = vb.x;
    /* midranks: twice the rank sum of x, and the tie term sum (t^3 - t), in exact integers */
    uint64_t r1_twice = 0, tie_term = 0; /* exact, as numpy's int64 sum, while t < 2^21 */
    double tie_big = 0;                  /* the groups beyond, where t^3 would overflow */
    int ties = 0;
    size_t i = 0, j = 0;
    while (i < na || j < nb) {
        double v = i < na && (j >= nb || xs[i] <= ys[j]) ? xs[i] : ys[j];
        uint64_t below = i + j, cx = 0, cy = 0;
        while (i < na && xs[i] == v)
            i++, cx++;
        while (j < nb && ys[j] == v)
            j++, cy++;
        uint64_t t = cx + cy;
        r1_twice += cx * (2 * below + t + 1);
        if (t > 1) {
            ties = 1;
            if (t < (1u << 21))
                tie_term += t * t * t - t;
            else
                tie_big += (double)t * (double)t * (double)t - (double)t;
        }
    }
    release_views(&va, &vb);
    return mwu_finish(na, nb, r1_twice, tie_term, tie_big, ties, statistic, pvalue, err);
}

int vg_stats_mannwhitneyu(const double *a, size_t na, const double *b, size_t nb, double *statistic,
                          double *pvalue, vg_error *err) {
    return stats_mannwhitneyu_impl(a, na, b, nb, statistic, pvalue, err, 0);
}

int vg_stats_mannwhitneyu_sorted(const double *a, size_t na, const double *b, size_t nb,
                                 double *statistic, double *pvalue, vg_error *err) {
    return stats_mannwhitneyu_impl(a, na, b, nb, statistic, pvalue, err, 1);
}

/* ---- Anderson-Darling k-sample (k = 2) ------------------------------------------------------ */

/* Significance levels of Scholz & Stephens' Table 2 and the coefficients of its interpolation
 * formula for the critical values, b0 + b1 / sqrt(m) + b2 / m with m = k - 1. */
static const double ad_sig[7] = {0.25, 0.1, 0.05, 0.025, 0.01, 0.005, 0.001};
static const double ad_b0[7] = {0.675, 1.281, 1.645, 1.96, 2.326, 2.573, 3.085};
static const double ad_b1[7] = {-0.245, 0.25, 0.678, 1.149, 1.822, 2.364, 3.615};
static const double ad_b2[7] = {-0.105, -0.305, -0.362, -0.391, -0.396, -0.345, -0.154};

/* Least-squares quadratic through (x[i], y[i]), i < 7, by Householder QR of the Vandermonde
 * matrix with columns scaled to unit norm (as np.polyfit scales them): coef[0] x^2 + coef[1] x
 * + coef[2]. */
static void quadratic_fit(const double *x, const double *y, double coef[3]) {
    double A[7][3], r[7], scale[3];
    for (int i = 0; i < 7; i++) {
        A[i][0] = x[i] * x[i];
        A[i][1] = x[i];
        A[i][2] = 1;
        r[i] = y[i];
    }
    for (int j = 0; j < 3; j++) {
        double s = 0;
        for (int i = 0; i < 7; i++)
            s += A[i][j] * A[i][j];
        scale[j] = sqrt(s);
        for (int i = 0; i < 7; i++)
            A[i][j] /= scale[j];
    }
    for (int j = 0; j < 3; j++) {
        double norm = 0;
        for (int i = j; i < 7; i++)
            norm += A[i][j] * A[i][j];
        norm = sqrt(norm);
        double alpha = A[j][j] > 0 ? -norm : norm;
        double v[7], vv = 0;
        for (int i = j; i < 7; i++)
            v[i] = A[i][j];
        v[j] -= alpha;
        for (int i = j; i < 7; i++)
            vv += v[i] * v[i];
        /* apply I - 2 v v^T / (v^T v) to the remaining columns and to r */
        for (int c = j; c < 3; c++) {
            double d = 0;
            for (int i = j; i < 7; i++)
                d += v[i] * A[i][c];
            for (int i = j; i < 7; i++)
                A[i][c] -= 2 * d / vv * v[i];
        }
        double d = 0;
        for (int i = j; i < 7; i++)
            d += v[i] * r[i];
        for (int i = j; i < 7; i++)
            r[i] -= 2 * d / vv * v[i];
    }
    for (int j = 2; j >= 0; j--) {
        double s = r[j];
        for (int c = j + 1; c < 3; c++)
            s -= A[j][c] * coef[c];
        coef[j] = s / A[j][j];
    }
    for (int j = 0; j < 3; j++)
        coef[j] /= scale[j];
}

/* The normalized statistic and its p-value from the two per-sample sums of eq. (7) (see
 * stats_anderson_ksamp_impl); needs na + nb >= 3. */
static int ad_finish(size_t na, size_t nb, double s0, double s1, double *statistic, double *pvalue,
                     int *bounded, vg_error *err) {
    const char *fn = "anderson_ksamp";
    size_t N = na + nb;
    double Nd = (double)N, a2 = 0;
    a2 += s0 / (double)na;
    a2 += s1 / (double)nb;
    a2 *= (Nd - 1.) / Nd;

    /* the variance of A2akN, Scholz & Stephens eq. (4): H = sum 1/n_i, h = sum_{i<N} 1/i,
     * g = sum_{i<N-1} sum_{j>i} 1/((N-i) j), the latter from the running sums of 1/(N-1),
     * 1/(N-2), ..., 1/2 (scipy's order), each divided by its count of terms plus one */
    size_t nh = N - 2; /* >= 1 */
    double acc = 0;
    vg_sum_stream *ps = malloc(sizeof *ps);
    if (!ps)
        return vg_error_set(err, VG_ERR_NOMEM, "%s: out of memory", fn);
    vg_sum_stream_init(ps);
    for (size_t k = 0; k < nh; k++) {
        acc += 1. / (double)(N - 1 - k);
        vg_sum_stream_push(ps, acc / (double)(k + 2));
    }
    double h = acc + 1;
    double gg = vg_sum_stream_value(ps);
    free(ps);
    double H = 1. / (double)na + 1. / (double)nb;
    const double k = 2;
    double ca = (4 * gg - 6) * (k - 1) + (10 - 6 * gg) * H;
    double cb = (2 * gg - 4) * (k * k) + 8 * h * k + (2 * gg - 14 * h - 4) * H - 8 * h + 4 * gg - 6;
    double cc = (6 * h + 2 * gg - 2) * (k * k) + (4 * h - 4 * gg + 6) * k + (2 * h - 6) * H + 4 * h;
    double cd = (2 * h + 6) * (k * k) - 4 * h * k;
    /* N^2, N^3 rounded once from the exact integer, as Python's int -> float */
    double N2 = (double)((uint64_t)N * N);
    double N3 = N < 2000000 ? (double)((uint64_t)N * N * N) : Nd * Nd * Nd;
    double sigmasq = (ca * N3 + cb * N2 + cc * Nd + cd) / ((Nd - 1.) * (Nd - 2.) * (Nd - 3.));
    double m = k - 1;
    double A2 = (a2 - m) / sqrt(sigmasq);

    /* p-value: scipy 1.10 fits log(sig) = quadratic in the critical values (least squares over
     * the 7 levels) and evaluates it at A2, within the table; outside it reports the bound */
    double crit[7], logsig[7], cmin = INFINITY, cmax = -INFINITY;
    for (int l = 0; l < 7; l++) {
        crit[l] = ad_b0[l] + ad_b1[l] / sqrt(m) + ad_b2[l] / m;
        logsig[l] = log(ad_sig[l]);
        cmin = fmin(cmin, crit[l]);
        cmax = fmax(cmax, crit[l]);
    }
    double p;
    int bound = 0;
    if (A2 < cmin) {
        p = 0.25;
        bound = 1;
    } else if (A2 > cmax) {
        p = 0.001;
        bound = -1;
    } else {
        double coef[3];
        quadratic_fit(crit, logsig, coef);
        p = exp((coef[0] * A2 + coef[1]) * A2 + coef[2]); /* NaN for a NaN statistic */
    }
    *statistic = A2;
    *pvalue = p;
    if (bounded)
        *bounded = bound;
    return VG_OK;
}

static int stats_anderson_ksamp_impl(const double *a, size_t na, const double *b, size_t nb,
                                     double *statistic, double *pvalue, int *bounded, vg_error *err,
                                     int presorted) {
    const char *fn = "anderson_ksamp";
    int rc = check_samples(fn, a, na, b, nb, 1, statistic, pvalue, presorted, err);
    if (rc)
        return rc;
    if (na + nb < 3)
        return vg_error_set(err, VG_ERR_INVALID, "%s: needs at least 3 values in all", fn);
    vg_sorted va, vb;
    if (sorted_views(a, na, b, nb, &va, &vb, presorted) != 0)
        return vg_error_set(err, VG_ERR_NOMEM, "%s: out of memory", fn);
    const double *xs = va.x, *ys = vb.x;
    size_t N = na + nb;
    double lo = xs[0] < ys[0] ? xs[0] : ys[0];
    double hi = xs[na - 1] > ys[nb - 1] ? xs[na - 1] : ys[nb - 1];
    vg_sum_stream *ps = malloc(2 * sizeof *ps);
    if (!(lo < hi) || !ps) { /* (both samples are sorted: at least two distinct values) */
        release_views(&va, &vb);
        free(ps);
        return !ps ? vg_error_set(err, VG_ERR_NOMEM, "%s: out of memory", fn)
                   : vg_error_set(err, VG_ERR_INVALID, "%s: needs at least two distinct values",
                                  fn);
    }
    /* eq. (7): A2akN = (N-1)/N sum_i 1/n_i sum_j l_j/N (N M_ij - B_j n_i)^2 /
     * (B_j (N - B_j) - N l_j / 4), with l_j the size of group j (the j-th distinct value of
     * the pooled sample), B_j = #{< z_j} + l_j/2 and M_ij = #{sample i <= z_j} - f_ij/2; the
     * terms of each sample are summed as np.sum sums the row of an array, in group order */
    double Nd = (double)N;
    size_t cum[2] = {0, 0};
    vg_sum_stream_init(&ps[0]);
    vg_sum_stream_init(&ps[1]);
    size_t i = 0, j = 0;
    while (i < na || j < nb) {
        double v = i < na && (j >= nb || xs[i] <= ys[j]) ? xs[i] : ys[j];
        size_t below = i + j, f[2] = {0, 0};
        while (i < na && xs[i] == v)
            i++, f[0]++;
        while (j < nb && ys[j] == v)
            j++, f[1]++;
        size_t lj = f[0] + f[1];
        double B = (double)below + (double)lj / 2;
        double den = B * (Nd - B) - (double)(N * lj) / 4.;
        for (int s = 0; s < 2; s++) {
            cum[s] += f[s];
            double M = (double)cum[s] - (double)f[s] / 2.;
            double ns = (double)(s ? nb : na);
            double dev = Nd * M - B * ns;
            vg_sum_stream_push(&ps[s], (double)lj / Nd * (dev * dev) / den);
        }
    }
    release_views(&va, &vb);
    double s0 = vg_sum_stream_value(&ps[0]), s1 = vg_sum_stream_value(&ps[1]);
    free(ps);
    return ad_finish(na, nb, s0, s1, statistic, pvalue, bounded, err);
}

int vg_stats_anderson_ksamp(const double *a, size_t na, const double *b, size_t nb,
                            double *statistic, double *pvalue, int *bounded, vg_error *err) {
    return stats_anderson_ksamp_impl(a, na, b, nb, statistic, pvalue, bounded, err, 0);
}

int vg_stats_anderson_ksamp_sorted(const double *a, size_t na, const double *b, size_t nb,
                                   double *statistic, double *pvalue, int *bounded, vg_error *err) {
    return stats_anderson_ksamp_impl(a, na, b, nb, statistic, pvalue, bounded, err, 1);
}

/* ---- Cramer-von Mises two-sample ------------------------------------------------------------ */

/* e^-q K_1/4(q), the factor of the series below: K_nu(q) = int_0^inf e^(-q cosh t) cosh(nu t) dt
 * (Watson, "Bessel Functions", 6.22 (5)), so e^-q K = e^-2q int e^(-2q sinh^2(t/2)) cosh(t/4) dt.
 * The integrand is analytic and decays doubly exponentially: the trapezoidal rule converges
 * geometrically (error ~ e^(-2 pi d / h) for a strip of half-width d; Trefethen & Weideman, SIAM
 * Review 56, 2014), with step h <= 0.5 / sqrt(q) where the peak narrows for large q. */
static double bessel_k14_scaled(double q) {
    double h = 0.2;
    if (q > 6.25)
        h = 0.5 / sqrt(q);
    double sum = 0.5; /* t = 0 */
    for (int i = 1; i < 100000; i++) {
        double t = i * h, sh = sinh(t / 2);
        double e = 2 * q * sh * sh;
        double term = exp(-e) * cosh(t / 4);
        sum += term;
        if (e > 1 && term < 1e-18 * sum)
            break;
    }
    return h * sum * exp(-2 * q);
}

/* Limiting cdf of the one-sample CvM statistic, Csorgo & Faraway (1996) eq. 1.3: the sum over
 * k >= 0 of Gamma(k+1/2) / (k! pi^(3/2) sqrt(x)) sqrt(4k+1) e^-q K_1/4(q), q = (4k+1)^2/(16x). The
 * series stops after the first term below 1e-7, as scipy's _cdf_cvm_inf does, so that both sum the
 * same terms. */
static double cvm_inf_cdf(double x) {
    double total = 0;
    for (int k = 0; k < 1000; k++) {
        double u =
            exp(vg_stats_lgamma(k + 0.5) - vg_stats_lgamma(k + 1.0)) / (pow(M_PI, 1.5) * sqrt(x));
        double y = 4.0 * k + 1;
        double q = y * y / (16 * x);
        double z = u * sqrt(y) * bessel_k14_scaled(q);
        total += z;
        if (fabs(z) < 1e-7)
            break;
    }
    return total;
}

/* Python's float floor division a // b (b > 0 here): floor of the quotient, computed from
 * fmod so that an inexact quotient that rounds up to an integer is not taken as one. */
static double py_floordiv(double a, double b) {
    double mod = fmod(a, b);
    double div = (a - mod) / b;
    if (mod != 0 && ((b < 0) != (mod < 0)))
        div -= 1.0;
    if (div == 0)
        return copysign(0.0, a / b);
    double fl = floor(div);
    if (div - fl > 0.5)
        fl += 1.0;
    return fl;
}

/* A sorted list of (value, count): the distribution of the path sum over the lattice paths
 * into one cell. Values are integers below lcm^2 (m + n) <= 400^2 * 40, counts at most
 * C(40, 20) < 2^38: both exact in uint64. */
typedef struct {
    uint64_t *val, *cnt;
    size_t len, cap;
} freq_list;

static int freq_reserve(freq_list *f, size_t cap) {
    if (cap <= f->cap)
        return 1;
    uint64_t *v = realloc(f->val, cap * sizeof *v);
    if (!v)
        return 0;
    f->val = v;
    uint64_t *c = realloc(f->cnt, cap * sizeof *c);
    if (!c)
        return 0;
    f->cnt = c;
    f->cap = cap;
    return 1;
}

/* out = (p merged with q, counts of equal values added), every value then increased by add */
static int freq_merge(const freq_list *p, const freq_list *q, uint64_t add, freq_list *out) {
    if (!freq_reserve(out, p->len + q->len + 1))
        return 0;
    size_t i = 0, j = 0, k = 0;
    while (i < p->len || j < q->len) {
        if (j >= q->len || (i < p->len && p->val[i] < q->val[j])) {
            out->val[k] = p->val[i] + add;
            out->cnt[k++] = p->cnt[i++];
        } else if (i >= p->len || q->val[j] < p->val[i]) {
            out->val[k] = q->val[j] + add;
            out->cnt[k++] = q->cnt[j++];
        } else {
            out->val[k] = p->val[i] + add;
            out->cnt[k++] = p->cnt[i++] + q->cnt[j++];
        }
    }
    out->len = k;
    return 1;
}

static uint64_t gcd_u64(uint64_t x, uint64_t y) {
    while (y) {
        uint64_t r = x % y;
        x = y;
        y = r;
    }
    return x;
}

/* Exact p-value P(U >= s) for samples of m and n (both <= 20): Xiao, Gordon & Yakovlev's
 * Algorithm 1. With L = lcm(m, n), a = L/m, b = L/n, a lattice path from (0,0) to (n, m)
 * (u steps of one sample, v of the other) has the sum over its points of (a v - b u)^2; cell
 * (u, v) holds the distribution of that sum over the paths into it, the union of its two
 * predecessors shifted by its own term. U relates to the sum through Anderson's eq. 9 solved
 * for it (zeta below, rounded down as scipy's float floor division does). Returns NaN if out of
 * memory. */
static double cvm_exact_pvalue(double s, uint64_t m, uint64_t n) {
    uint64_t L = m / gcd_u64(m, n) * n, a = L / m, b = L / n, mn = m * n;
    double num = (double)(L * L * (m + n)) * (6 * s - (double)(mn * (4 * mn - 1)));
    double zeta = py_floordiv(num, (double)(6 * mn * mn));
    /* two rows of m + 1 cells: prev (u - 1) and cur (u) */
    freq_list *rows = calloc(2 * (m + 1), sizeof *rows);
    if (!rows)
        return NAN;
    freq_list *prev = rows, *cur = rows + m + 1, empty = {NULL, NULL, 0, 0};
    int ok = freq_reserve(&prev[0], 1);
    if (ok) {
        prev[0].val[0] = 0;
        prev[0].cnt[0] = 1;
        prev[0].len = 1;
    }
    /* row u = 0 is built from a virtual row -1 that holds only the start {0: 1} at v = 0 */
    for (uint64_t u = 0; ok && u <= n; u++) {
        for (uint64_t v = 0; ok && v <= m; v++) {
            int64_t d = (int64_t)(a * v) - (int64_t)(b * u);
            uint64_t add = (uint64_t)(d * d);
            const freq_list *left = v ? &cur[v - 1] : &empty;
            const freq_list *down = &prev[v];
            ok = freq_merge(left, down, add, &cur[v]);
        }
        freq_list *t = prev;
        prev = cur;
        cur = t;
    }
    double p = NAN;
    if (ok) {
        const freq_list *last = &prev[m];
        uint64_t hits = 0, total = 0;
        for (size_t i = 0; i < last->len; i++) {
            total += last->cnt[i];
            if ((double)last->val[i] >= zeta)
                hits += last->cnt[i];
        }
        p = (double)hits / (double)total; /* total = C(m + n, m) */
    }
    for (size_t i = 0; i < 2 * (m + 1); i++) {
        free(rows[i].val);
        free(rows[i].cnt);
    }
    free(rows);
    return p;
}

/* T and its p-value from the two per-sample sums of squared rank differences (see
 * stats_cramervonmises_2samp_impl). */
static int cvm_finish(size_t na, size_t nb, double s0, double s1, double *statistic, double *pvalue,
                      vg_error *err) {
    double nx = (double)na, ny = (double)nb;
    const char *fn = "cramervonmises_2samp";
    size_t N = na + nb;
    double u = nx * s0;
    u += ny * s1;
    /* eq. 9: T = U / (mn N) - (4 mn - 1) / (6 N) */
    double k = nx * ny, Nd = (double)N;
    double t = u / (k * Nd) - (4 * k - 1) / (6 * Nd);
    double p;
    if (na <= 20 && nb <= 20) {
        p = cvm_exact_pvalue(u, na, nb);
        if (isnan(p))
            return vg_error_set(err, VG_ERR_NOMEM, "%s: out of memory", fn);
    } else {
        /* eq. 11 and 14: mean and variance of T; eq. 15: the normalized statistic, whose law
         * tends to that of the one-sample statistic */
        double et = (1 + 1 / Nd) / 6;
        double vt = (Nd + 1) * (4 * k * Nd - 3 * (nx * nx + ny * ny) - 2 * k);
        vt = vt / (45 * (Nd * Nd) * 4 * k);
        double tn = 1. / 6 + (t - et) / sqrt(45 * vt);
        if (tn < 0.003) /* the cdf is below 1.3e-18 there (scipy's shortcut) */
            p = 1.0;
        else
            p = fmax(0, 1. - cvm_inf_cdf(tn));
    }
    *statistic = t;
    *pvalue = p;
    return VG_OK;
}

static int stats_cramervonmises_2samp_impl(const double *a, size_t na, const double *b, size_t nb,
                                           double *statistic, double *pvalue, vg_error *err,
                                           int presorted) {
    const char *fn = "cramervonmises_2samp";
    int rc = check_samples(fn, a, na, b, nb, 2, statistic, pvalue, presorted, err);
    if (rc)
        return rc;
    vg_sorted va, vb;
    vg_sum_stream *ps = malloc(2 * sizeof *ps);
    if (!ps || sorted_views(a, na, b, nb, &va, &vb, presorted) != 0) {
        free(ps);
        return vg_error_set(err, VG_ERR_NOMEM, "%s: out of memory", fn);
    }
    const double *xs = va.x, *ys = vb.x;
    /* (r_i - i)^2 over each sorted sample, r_i the pooled midrank of its i-th value, summed in
     * sample order as np.sum sums them */
    vg_sum_stream_init(&ps[0]);
    vg_sum_stream_init(&ps[1]);
    size_t i = 0, j = 0;
    while (i < na || j < nb) {
        double v = i < na && (j >= nb || xs[i] <= ys[j]) ? xs[i] : ys[j];
        size_t below = i + j, i0 = i, j0 = j;
        while (i < na && xs[i] == v)
            i++;
        while (j < nb && ys[j] == v)
            j++;
        double r = (double)below + (double)(i - i0 + j - j0 + 1) / 2;
        for (size_t q = i0; q < i; q++)
            vg_sum_stream_push(&ps[0], (r - (double)(q + 1)) * (r - (double)(q + 1)));
        for (size_t q = j0; q < j; q++)
            vg_sum_stream_push(&ps[1], (r - (double)(q + 1)) * (r - (double)(q + 1)));
    }
    release_views(&va, &vb);
    double s0 = vg_sum_stream_value(&ps[0]), s1 = vg_sum_stream_value(&ps[1]);
    free(ps);
    return cvm_finish(na, nb, s0, s1, statistic, pvalue, err);
}

int vg_stats_cramervonmises_2samp(const double *a, size_t na, const double *b, size_t nb,
                                  double *statistic, double *pvalue, vg_error *err) {
    return stats_cramervonmises_2samp_impl(a, na, b, nb, statistic, pvalue, err, 0);
}

int vg_stats_cramervonmises_2samp_sorted(const double *a, size_t na, const double *b, size_t nb,
                                         double *statistic, double *pvalue, vg_error *err) {
    return stats_cramervonmises_2samp_impl(a, na, b, nb, statistic, pvalue, err, 1);
}

/* ---- the three rank tests in one walk -------------------------------------------------------- */

int vg_stats_rank_tests_sorted(const double *xs, size_t na, const double *ys, size_t nb,
                               vg_rank_tests *out, vg_error *err) {
    out->mwu_rc = out->ad_rc = out->cvm_rc = VG_ERR_INVALID;
    if (na == 0 || nb == 0 || !xs || !ys)
        return VG_OK;
    double lo = xs[0] < ys[0] ? xs[0] : ys[0];
    double hi = xs[na - 1] > ys[nb - 1] ? xs[na - 1] : ys[nb - 1];
    int want_ad = na + nb >= 3 && lo < hi, want_cvm = na >= 2 && nb >= 2;
    vg_sum_stream *ps = malloc(4 * sizeof *ps); /* Anderson-Darling x, y; Cramer-von Mises x, y */
    if (!ps)
        return vg_error_set(err, VG_ERR_NOMEM, "rank tests: out of memory");
    for (int k = 0; k < 4; k++)
        vg_sum_stream_init(&ps[k]);
    /* the walks of the three functions above, fused: the same groups, the same arithmetic, so
     * the same results to the bit */
    size_t N = na + nb, cum[2] = {0, 0};
    double Nd = (double)N;
    uint64_t r1_twice = 0, tie_term = 0;
    double tie_big = 0;
    int ties = 0;
    size_t i = 0, j = 0;
    while (i < na || j < nb) {
        double v = i < na && (j >= nb || xs[i] <= ys[j]) ? xs[i] : ys[j];
        size_t below = i + j, i0 = i, j0 = j;
        while (i < na && xs[i] == v)
            i++;
        while (j < nb && ys[j] == v)
            j++;
        size_t f[2] = {i - i0, j - j0}, lj = f[0] + f[1];
        uint64_t t = lj;
        r1_twice += (uint64_t)f[0] * (2 * (uint64_t)below + t + 1);
        if (t > 1) {
            ties = 1;
            if (t < (1u << 21))
                tie_term += t * t * t - t;
            else
                tie_big += (double)t * (double)t * (double)t - (double)t;
        }
        if (want_ad) {
            double B = (double)below + (double)lj / 2;
            double den = B * (Nd - B) - (double)(N * lj) / 4.;
            for (int s = 0; s < 2; s++) {
                cum[s] += f[s];
                double M = (double)cum[s] - (double)f[s] / 2.;
                double ns = (double)(s ? nb : na);
                double dev = Nd * M - B * ns;
                vg_sum_stream_push(&ps[s], (double)lj / Nd * (dev * dev) / den);
            }
        }
        if (want_cvm) {
            double r = (double)below + (double)(i - i0 + j - j0 + 1) / 2;
            for (size_t q = i0; q < i; q++)
                vg_sum_stream_push(&ps[2], (r - (double)(q + 1)) * (r - (double)(q + 1)));
            for (size_t q = j0; q < j; q++)
                vg_sum_stream_push(&ps[3], (r - (double)(q + 1)) * (r - (double)(q + 1)));
        }
    }
    double s[4];
    for (int k = 0; k < 4; k++)
        s[k] = vg_sum_stream_value(&ps[k]);
    free(ps);
    out->mwu_rc = mwu_finish(na, nb, r1_twice, tie_term, tie_big, ties, &out->mwu_statistic,
                             &out->mwu_pvalue, err);
    if (want_ad)
        out->ad_rc = ad_finish(na, nb, s[0], s[1], &out->ad_statistic, &out->ad_pvalue,
                               &out->ad_bounded, err);
    if (want_cvm)
        out->cvm_rc = cvm_finish(na, nb, s[2], s[3], &out->cvm_statistic, &out->cvm_pvalue, err);
    return VG_OK;
}
