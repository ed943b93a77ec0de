/*
 * vg_compare_profiles: drift scores computed from two profiles' sketches, each with a bound
 * on its distance from the score the raw data would give (docs/sketch-compare.md).
 *
 * Numeric columns are compared through their KLL sketches. The one fact every bound rests on
 * is the KLL guarantee: the sketch's cdf F^(x) (retained weight at or below x, over n) is
 * within eps = vg_kll_rank_error(k) of the true F(x) for every x (99% confidence per sketch),
 * and exactly F when the sketch never compacted (every retained weight is 1), where eps = 0.
 * From there: KS moves by at most eps_r + eps_c; Wasserstein, the integral of |F_r - F_c|,
 * by at most eps_r (max_r - min_r) + eps_c (max_c - min_c) since each F^ is exact outside its
 * own [min, max]; binned shares lie in intervals, and each binned score's bound is the worst
 * case over those intervals (convexity or the triangle inequality, per score). The t test
 * uses the exact moments. Categorical columns use the value counts, exact while the
 * top-values tables are; past that only the total variation distance is bounded.
 *
 * The sketches' retained items are read through their portable serialization (the public
 * headers have no accessor for them yet).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../base/fmt.h"
#include "internal.h"
#include "vigia/compare.h"
#include "vigia/drift.h"
#include "vigia/stats.h"

/* ---- a KLL sketch as a step cdf --------------------------------------------------------- */

typedef struct {
    double *v;     /* distinct retained values, ascending */
    uint64_t *cum; /* retained weight at or below v[i] */
    size_t m;
    uint64_t n;
    double min, max;
    double eps; /* bound on |F^ - F| everywhere; 0 when the sketch holds every value */
} cdf_view;

typedef struct {
    double v;
    uint64_t w;
} weighted;

static int cmp_weighted(const void *a, const void *b) {
    double x = ((const weighted *)a)->v, y = ((const weighted *)b)->v;
    return (x > y) - (x < y);
}

static void view_free(cdf_view *c) {
    free(c->v);
    free(c->cum);
}

/* A sketch that never compacted holds every value with weight 1: its cdf is exact. */
static double eps_of(const vg_kll *s) {
    return vg_kll_retained(s) < vg_kll_n(s) ? vg_kll_rank_error(vg_kll_k(s)) : 0;
}

/* The sketch's retained values with their weights, sorted, as a step cdf. */
static int view_of(const vg_kll *s, cdf_view *out) {
    size_t retained = vg_kll_retained(s);
    weighted *w = malloc((retained ? retained : 1) * sizeof *w);
    double *v = malloc((retained ? retained : 1) * sizeof *v);
    uint64_t *wt = malloc((retained ? retained : 1) * sizeof *wt);
    if (!w || !v || !wt) {
        free(w);
        free(v);
        free(wt);
        return VG_ERR_NOMEM;
    }
    size_t m = vg_kll_items(s, v, wt, retained);
    for (size_t i = 0; i < m; i++)
        w[i] = (weighted){v[i], wt[i]};
    free(v);
    free(wt);
    uint64_t n = vg_kll_n(s);
    double mn = vg_kll_min(s), mx = vg_kll_max(s);
    qsort(w, m, sizeof *w, cmp_weighted);
    cdf_view c = {malloc((m ? m : 1) * sizeof(double)),
                  malloc((m ? m : 1) * sizeof(uint64_t)),
                  0,
                  n,
                  mn,
                  mx,
                  eps_of(s)};
    if (!c.v || !c.cum) {
        free(w);
        view_free(&c);
        return VG_ERR_NOMEM;
    }
    uint64_t cum = 0;
    for (size_t i = 0; i < m; i++) {
        cum += w[i].w;
        if (c.m > 0 && c.v[c.m - 1] == w[i].v)
            c.cum[c.m - 1] = cum;
        else {
            c.v[c.m] = w[i].v;
            c.cum[c.m++] = cum;
        }
    }
    free(w);
    *out = c;
    return VG_OK;
}

/* Retained weight at or below x. */
static uint64_t weight_at(const cdf_view *c, double x) {
    size_t lo = 0, hi = c->m; /* first index with v > x */
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (c->v[mid] <= x)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo ? c->cum[lo - 1] : 0;
}

static uint64_t weight_of(const void *c, double x) {
    return weight_at(c, x);
}

/* The value of rank i (0-based) of an uncompacted sketch, which holds every value. */
static double value_at(const cdf_view *c, uint64_t i) {
    size_t lo = 0, hi = c->m - 1; /* first index with cum > i */
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (c->cum[mid] > i)
            hi = mid;
        else
            lo = mid + 1;
    }
    return c->v[lo];
}

/* numpy.quantile(method='linear') of the values of an uncompacted sketch, the formula of
 * src/drift/distance.c, so that such a sketch bins exactly as the raw data does. */
static double quantile_linear(const cdf_view *c, double q) {
    double h = (double)(c->n - 1) * q;
    double lo = floor(h), t = h - lo;
    uint64_t i = (uint64_t)lo;
    if (i >= c->n - 1)
        return c->max;
    double a = value_at(c, i), b = value_at(c, i + 1), diff = b - a;
    if (isinf(diff))
        return t == 0 ? a : (1 - t) * a + t * b;
    return t >= 0.5 ? b - diff * (1 - t) : a + diff * t;
}

/* Integral of |F^_a - F^_b| over the union of the retained values (both step cdfs are 0
 * before the smallest and 1 from the largest). */
static double wasserstein(const cdf_view *a, const cdf_view *b) {
    size_t i = 0, j = 0;
    double total = 0, x = 0, fa = 0, fb = 0;
    int started = 0;
    while (i < a->m || j < b->m) {
        double y = (j >= b->m || (i < a->m && a->v[i] <= b->v[j])) ? a->v[i] : b->v[j];
        if (started)
            total += fabs(fa - fb) * (y - x);
        while (i < a->m && a->v[i] <= y)
            i++;
        while (j < b->m && b->v[j] <= y)
            j++;
        fa = i ? (double)a->cum[i - 1] / (double)a->n : 0;
        fb = j ? (double)b->cum[j - 1] / (double)b->n : 0;
        x = y;
        started = 1;
    }
    return total;
}

/* ---- binned scores and their bounds ----------------------------------------------------- */

/* What is known of one sample's share of one bin: the estimate and an interval that holds the
 * true share, raw and after the zero fill (1e-4) of PSI, KL and Jensen-Shannon. A positive
 * true share is at least 1/n, which keeps the filled interval away from 0. */
typedef struct {
    double est, lo, hi;       /* raw share */
    double f_est, f_lo, f_hi; /* filled share */
} share;

static void fill_interval(share *s, uint64_t n) {
    double z = VG_DRIFT_ZERO_SHARE, one = 1.0 / (double)n;
    s->f_est = s->est > 0 ? s->est : z;
    if (s->hi <= 0)
        s->f_lo = s->f_hi = z;
    else if (s->lo > 0)
        s->f_lo = fmax(s->lo, one), s->f_hi = s->hi;
    else
        s->f_lo = fmin(z, one), s->f_hi = fmax(s->hi, z);
    s->f_lo = fmin(s->f_lo, s->f_est); /* rounding must not exclude the estimate */
    s->f_hi = fmax(s->f_hi, s->f_est);
}

/* Shares of the bins (-inf, e_1], ..., (e_m, +inf) and their intervals from |F - F^| <= eps
 * at each edge (F is exactly 0 and 1 at the two ends). */
static void shares_of(const cdf_view *c, const double *edges, size_t m, const uint64_t *counts,
                      share *out) {
    double prev_lo = 0, prev_hi = 0;
    for (size_t j = 0; j <= m; j++) {
        double f_lo = 1, f_hi = 1;
        if (j < m) {
            double f = (double)weight_at(c, edges[j]) / (double)c->n;
            f_lo = fmax(0, f - c->eps);
            f_hi = fmin(1, f + c->eps);
        }
        share *s = &out[j];
        s->est = (double)counts[j] / (double)c->n;
        s->lo = fmin(s->est, fmax(0, f_lo - prev_hi));
        s->hi = fmax(s->est, fmin(1, f_hi - prev_lo));
        fill_interval(s, c->n);
        prev_lo = f_lo;
        prev_hi = f_hi;
    }
}

typedef double (*term_fn)(double p, double q);

static double psi_term(double p, double q) {
    return (q - p) * log(q / p);
}
static double psi_dp(double p, double q) {
    return 1 - q / p - log(q / p);
}
static double psi_dq(double p, double q) {
    return log(q / p) + 1 - p / q;
}
static double kl_term(double p, double q) {
    return p * log(p / q);
}
static double kl_dp(double p, double q) {
    return log(p / q) + 1;
}
static double kl_dq(double p, double q) {
    return -p / q;
}

/* Range of a jointly convex term t(p, q) over the box [pl, ph] x [ql, qh] that holds the
 * estimate (p, q): the maximum is at a vertex; below, t stays above its tangent plane at the
 * estimate, whose minimum over the box is taken coordinate by coordinate. */
static void convex_range(term_fn t, term_fn dp, term_fn dq, double p, double q, double pl,
                         double ph, double ql, double qh, double *lo, double *hi) {
    double v = t(p, q);
    double top = fmax(fmax(t(pl, ql), t(pl, qh)), fmax(t(ph, ql), t(ph, qh)));
    double gp = dp(p, q), gq = dq(p, q);
    double low = v + fmin(gp * (pl - p), gp * (ph - p)) + fmin(gq * (ql - q), gq * (qh - q));
    *lo = fmin(low, v);
    *hi = fmax(top, v);
}

static double jsd_term(double a, double b) {
    double m = (a + b) / 2;
    return 0.5 * (a * log(a / m) + b * log(b / m));
}

static double hellinger_term(double a, double b) {
    double d = sqrt(a) - sqrt(b);
    return d * d;
}

/* PSI = sum (q - p) ln(q / p) on the filled shares, each term jointly convex. */
static double psi_bound(const share *p, const share *q, size_t k, double stat) {
    double lo = 0, hi = 0;
    for (size_t j = 0; j < k; j++) {
        double l, h;
        convex_range(psi_term, psi_dp, psi_dq, p[j].f_est, q[j].f_est, p[j].f_lo, p[j].f_hi,
                     q[j].f_lo, q[j].f_hi, &l, &h);
        lo += l;
        hi += h;
    }
    return fmax(0, fmax(hi - stat, stat - fmax(lo, 0)));
}

/* KL on the filled shares renormalized by their sums S_p, S_q (1 + 1e-4 per empty bin):
 * KL = A / S_p + ln(S_q / S_p) with A = sum f ln(f / g), whose terms are jointly convex. */
static double kl_bound(const share *p, const share *q, size_t k, double stat) {
    double alo = 0, ahi = 0, sp_lo = 1, sp_hi = 1, sq_lo = 1, sq_hi = 1;
    double z = VG_DRIFT_ZERO_SHARE;
    for (size_t j = 0; j < k; j++) {
        double l, h;
        convex_range(kl_term, kl_dp, kl_dq, p[j].f_est, q[j].f_est, p[j].f_lo, p[j].f_hi, q[j].f_lo,
                     q[j].f_hi, &l, &h);
        alo += l;
        ahi += h;
        sp_lo += p[j].hi <= 0 ? z : 0;
        sp_hi += p[j].lo <= 0 ? z : 0;
        sq_lo += q[j].hi <= 0 ? z : 0;
        sq_hi += q[j].lo <= 0 ? z : 0;
    }
    double top = fmax(ahi / sp_lo, ahi / sp_hi) + log(sq_hi / sp_lo);
    double low = fmin(alo / sp_lo, alo / sp_hi) + log(sq_lo / sp_hi);
    return fmax(0, fmax(top - stat, stat - fmax(low, 0)));
}

/* Jensen-Shannon distance is a metric (Endres & Schindelin 2003): the score moves by at most
 * JS(p^, p) + JS(q^, q), each bounded by the largest JS divergence term per bin at the ends of
 * the bin's interval (the term is convex in the true share and 0 at the estimate). The shares
 * are the filled ones divided by their sum, whose range is known. */
static double js_side(const share *p, size_t k, double eps) {
    if (eps == 0)
        return 0; /* exact shares: not even rounding noise */
    double z = VG_DRIFT_ZERO_SHARE, s_lo = 1, s_hi = 1, s_est = 0;
    for (size_t j = 0; j < k; j++) {
        s_lo += p[j].hi <= 0 ? z : 0;
        s_hi += p[j].lo <= 0 ? z : 0;
        s_est += p[j].f_est;
    }
    double d = 0;
    for (size_t j = 0; j < k; j++) {
        double e = p[j].f_est / s_est;
        double lo = fmin(e, p[j].f_lo / s_hi), hi = fmax(e, p[j].f_hi / s_lo);
        d += fmax(jsd_term(e, lo), jsd_term(e, hi));
    }
    return sqrt(fmax(d, 0));
}

/* Hellinger distance is a metric: the score moves by at most H(p^, p) + H(q^, q), and
 * (sqrt x - sqrt e)^2 over an interval holding e is largest at an end. */
static double hellinger_side(const share *p, size_t k, double eps) {
    if (eps == 0)
        return 0;
    double d = 0;
    for (size_t j = 0; j < k; j++)
        d += fmax(hellinger_term(p[j].est, p[j].lo), hellinger_term(p[j].est, p[j].hi));
    return sqrt(d / 2);
}

/* ---- per-column scores ------------------------------------------------------------------ */

static void add_score(vg_compare_column *c, const char *method, int rc, double stat, double p,
                      double bound) {
    if (rc != VG_OK || c->nscores == VG_COMPARE_MAX_SCORES)
        return;
    c->scores[c->nscores++] = (vg_compare_score){method, stat, p, bound};
}

static int binned_scores(vg_compare_column *c, const cdf_view *r, const cdf_view *q,
                         const vg_kll *rk, size_t n_bins) {
    if (n_bins == 0)
        n_bins = VG_DRIFT_DEFAULT_BINS;
    if (n_bins > (size_t)1 << 24)
        return VG_OK; /* as vg_drift_bins_numeric: no such scores */
    double *qs = malloc(n_bins * sizeof *qs), *edges = malloc(n_bins * sizeof *edges);
    uint64_t *rc_ = calloc(n_bins, sizeof *rc_), *cc = calloc(n_bins, sizeof *cc);
    share *ps = malloc(n_bins * sizeof *ps), *pq = malloc(n_bins * sizeof *pq);
    int rc = (qs && edges && rc_ && cc && ps && pq) ? VG_OK : VG_ERR_NOMEM;
    size_t m = 0;
    if (rc == VG_OK) {
        for (size_t i = 1; i < n_bins; i++)
            qs[i - 1] = (double)i / (double)n_bins;
        /* an uncompacted sketch holds the data: numpy's linear quantiles, as the raw path;
         * otherwise the sketch's own quantiles, within eps_r in rank of the exact ones */
        if (r->eps == 0)
            for (size_t i = 0; i + 1 < n_bins; i++)
                edges[i] = quantile_linear(r, qs[i]);
        else if (n_bins > 1)
            rc = vg_kll_quantiles(rk, qs, n_bins - 1, edges);
    }
    if (rc == VG_OK) {
        for (size_t i = 0; i + 1 < n_bins; i++)
            if (m == 0 || edges[i] > edges[m - 1])
                edges[m++] = edges[i];
        uint64_t pr = 0, pc = 0;
        for (size_t j = 0; j < m; j++) {
            uint64_t wr = weight_at(r, edges[j]), wc = weight_at(q, edges[j]);
            rc_[j] = wr - pr;
            cc[j] = wc - pc;
            pr = wr;
            pc = wc;
        }
        rc_[m] = r->n - pr;
        cc[m] = q->n - pc;
        size_t k = m + 1;
        shares_of(r, edges, m, rc_, ps);
        shares_of(q, edges, m, cc, pq);
        double s;
        int exact = r->eps == 0 && q->eps == 0;
        if (vg_drift_psi_counts(rc_, cc, k, &s, NULL) == VG_OK)
            add_score(c, "psi", VG_OK, s, NAN, exact ? 0 : psi_bound(ps, pq, k, s));
        if (vg_drift_jensen_shannon_counts(rc_, cc, k, &s, NULL) == VG_OK)
            add_score(c, "jensen_shannon", VG_OK, s, NAN,
                      fmin(sqrt(log(2.0)), js_side(ps, k, r->eps) + js_side(pq, k, q->eps)));
        if (vg_drift_kl_counts(rc_, cc, k, &s, NULL) == VG_OK)
            add_score(c, "kl_div", VG_OK, s, NAN, exact ? 0 : kl_bound(ps, pq, k, s));
        if (vg_drift_hellinger_counts(rc_, cc, k, &s, NULL) == VG_OK)
            add_score(c, "hellinger", VG_OK, s, NAN,
                      fmin(1, hellinger_side(ps, k, r->eps) + hellinger_side(pq, k, q->eps)));
    }
    free(qs);
    free(edges);
    free(rc_);
    free(cc);
    free(ps);
    free(pq);
    return rc;
}

/* Welch's t test from the exact moments (the formula of vg_stats_ttest_welch). */
static void welch(const vg_moments *a, const vg_moments *b, double *t, double *p) {
    double na = (double)a->n, nb = (double)b->n;
    double vn1 = vg_moments_variance(a, 1) / na, vn2 = vg_moments_variance(b, 1) / nb;
    double s = vn1 + vn2;
    double df = s * s / (vn1 * vn1 / (na - 1) + vn2 * vn2 / (nb - 1));
    if (isnan(df))
        df = 1;
    *t = (vg_moments_mean(a) - vg_moments_mean(b)) / sqrt(s);
    *p = isnan(*t) ? NAN : 2 * vg_dist_t_sf(fabs(*t), df);
}

static int numeric_scores(vg_compare_column *c, const vg_column *rcol, const vg_column *qcol,
                          size_t n_bins) {
    const vg_moments *ma = &rcol->moments, *mb = &qcol->moments;
    const vg_kll *ka = rcol->kll, *kb = qcol->kll;
    double d, p;
    /* KS and the t test take infinities, as their raw versions do; the others do not */
    int rc = vg_kll_ks(ka, kb, &d, NULL);
    if (rc == VG_OK) {
        rc = vg_stats_ks_2samp_pvalue(d, vg_kll_n(ka), vg_kll_n(kb), VG_KS_AUTO, &p, NULL);
        add_score(c, "ks", rc, d, p, fmin(1, eps_of(ka) + eps_of(kb)));
    }
    if (rc == VG_ERR_NOMEM)
        return rc;
    rc = VG_OK;
    cdf_view r = {0}, q = {0};
    if (isfinite(ma->min) && isfinite(ma->max) && isfinite(mb->min) && isfinite(mb->max)) {
        rc = view_of(ka, &r);
        if (rc == VG_OK)
            rc = view_of(kb, &q);
        if (rc == VG_OK) {
            double bound = r.eps * (r.max - r.min) + q.eps * (q.max - q.min);
            double w = wasserstein(&r, &q);
            add_score(c, "wasserstein", VG_OK, w, NAN, bound);
            double sd = fmax(vg_moments_std(ma, 0), VG_DRIFT_STD_FLOOR);
            add_score(c, "wasserstein_normed", VG_OK, w / sd, NAN, bound / sd);
            rc = binned_scores(c, &r, &q, ka, n_bins);
        }
        if (rc == VG_OK)
            rc = vg_distribution_numeric_cdf(fmin(ma->min, mb->min), fmax(ma->max, mb->max),
                                             VG_COMPARE_HIST_BINS, weight_of, &r, r.n, &q, q.n,
                                             &c->distribution);
    }
    if (rc == VG_OK) {
        double t;
        welch(ma, mb, &t, &p);
        add_score(c, "t_test", VG_OK, t, p, 0);
    }
    view_free(&r);
    view_free(&q);
    return rc;
}

/* ---- categorical columns ---------------------------------------------------------------- */

typedef struct {
    uint64_t hash, count;
    const char *text; /* the value's text (into the summary), or NULL for a number */
    size_t len;
    double number;
} item;

/* Appends the items of a frequent-items summary (identity hash and count), in table order. */
static int items_of(const vg_freq *f, item *out, size_t *n) {
    size_t size = vg_freq_size(f);
    uint64_t *h = malloc((size ? size : 1) * sizeof *h);
    vg_freq_item *it = malloc((size ? size : 1) * sizeof *it);
    if (!h || !it) {
        free(h);
        free(it);
        return VG_ERR_NOMEM;
    }
    size_t got = vg_freq_items(f, it, h, size);
    for (size_t i = 0; i < got; i++) {
        out[*n] = (item){h[i], it[i].count, it[i].is_number ? NULL : it[i].value,
                         it[i].is_number ? 0 : it[i].len, it[i].number};
        (*n)++;
    }
    free(h);
    free(it);
    return VG_OK;
}

static int column_items(const vg_column *c, item **out, size_t *n) {
    *n = 0;
    *out = malloc(((size_t)vg_freq_size(c->freq) + vg_freq_size(c->freq_num) + 1) * sizeof **out);
    if (!*out)
        return VG_ERR_NOMEM;
    int rc = c->numbers_uncounted ? VG_OK : items_of(c->freq_num, *out, n);
    return rc == VG_OK ? items_of(c->freq, *out, n) : rc;
}

static int cmp_hash(const void *x, const void *y) {
    uint64_t a = ((const item *)x)->hash, b = ((const item *)y)->hash;
    return (a > b) - (a < b);
}

static int counts_exact(const vg_column *c) {
    return !c->numbers_uncounted && vg_freq_offset(c->freq) == 0;
}

/* The distribution summary of a categorical column whose counts are exact: the labels of
 * the top categories of the union (the reference's items a[0 .. na), then the new ones
 * b[0 .. k - na)), numbers given their canonical text as vg_samples does. */
static int top_categories(vg_compare_column *c, const item *a, size_t na, const item *b,
                          const uint64_t *rc, const uint64_t *qc, size_t k) {
    size_t best[VG_COMPARE_TOP_CATEGORIES];
    size_t m = vg_distribution_top(rc, qc, k, VG_COMPARE_TOP_CATEGORIES, best);
    const char **text = calloc(k ? k : 1, sizeof *text);
    size_t *len = calloc(k ? k : 1, sizeof *len);
    char num[VG_COMPARE_TOP_CATEGORIES][32];
    int rc_ = text && len ? VG_OK : VG_ERR_NOMEM;
    for (size_t j = 0; rc_ == VG_OK && j < m; j++) {
        const item *it = best[j] < na ? &a[best[j]] : &b[best[j] - na];
        if (it->text) {
            text[best[j]] = it->text;
            len[best[j]] = it->len;
        } else {
            len[best[j]] = (size_t)vg_fmt_double(num[j], sizeof num[j], it->number);
            text[best[j]] = num[j];
        }
    }
    if (rc_ == VG_OK)
        rc_ = vg_distribution_categorical(rc, qc, k, text, len, VG_COMPARE_TOP_CATEGORIES,
                                          &c->distribution);
    free(text);
    free(len);
    return rc_;
}

static int categorical_scores(vg_compare_column *c, const vg_column *rcol, const vg_column *qcol) {
    item *a = NULL, *b = NULL, *by_hash = NULL; /* by_hash: (hash, index in a) */
    size_t na, nb;
    uint64_t *rc_ = NULL, *qc = NULL;
    int rc = column_items(rcol, &a, &na);
    if (rc == VG_OK)
        rc = column_items(qcol, &b, &nb);
    if (rc == VG_OK) {
        rc_ = calloc(na + nb + 1, sizeof *rc_);
        qc = calloc(na + nb + 1, sizeof *qc);
        if (!rc_ || !qc)
            rc = VG_ERR_NOMEM;
    }
    if (rc != VG_OK)
        goto done;
    /* the union of the categories: the reference's in table order, then the new ones; the
     * reference's are looked up by hash in a sorted copy (tables can hold 2^20 items) */
    size_t k = na;
    for (size_t i = 0; i < na; i++)
        rc_[i] = a[i].count;
    if (!(by_hash = malloc((na ? na : 1) * sizeof *by_hash))) {
        rc = VG_ERR_NOMEM;
        goto done;
    }
    for (size_t i = 0; i < na; i++)
        by_hash[i] = (item){a[i].hash, i, NULL, 0, 0};
    qsort(by_hash, na, sizeof *by_hash, cmp_hash);
    for (size_t i = 0; i < nb; i++) {
        size_t lo = 0, hi = na;
        while (lo < hi) {
            size_t mid = lo + (hi - lo) / 2;
            if (by_hash[mid].hash < b[i].hash)
                lo = mid + 1;
            else
                hi = mid;
        }
        int seen = lo < na && by_hash[lo].hash == b[i].hash;
        if (!seen)
            b[k - na] = b[i]; /* the new categories, in union order (k - na <= i) */
        qc[seen ? (size_t)by_hash[lo].count : k++] = b[i].count;
    }
    double s, p;
    if (counts_exact(rcol) && counts_exact(qcol)) {
        rc = top_categories(c, a, na, b, rc_, qc, k);
        if (rc != VG_OK)
            goto done;
        int r = vg_drift_chi2(rc_, qc, k, &s, &p, &c->n_unseen, NULL);
        add_score(c, "chi2", r, s, p, 0);
        if (k <= 2) {
            r = vg_drift_z_test(rc_, qc, k, &s, &p, NULL);
            add_score(c, "z_test", r, s, p, 0);
        }
        r = vg_drift_jensen_shannon_counts(rc_, qc, k, &s, NULL);
        add_score(c, "jensen_shannon", r, s, NAN, 0);
        r = vg_drift_psi_counts(rc_, qc, k, &s, NULL);
        add_score(c, "psi", r, s, NAN, 0);
        r = vg_drift_tvd_counts(rc_, qc, k, &s, NULL);
        add_score(c, "tvd", r, s, NAN, 0);
        r = vg_drift_hellinger_counts(rc_, qc, k, &s, NULL);
        add_score(c, "hellinger", r, s, NAN, 0);
        r = vg_drift_kl_counts(rc_, qc, k, &s, NULL);
        add_score(c, "kl_div", r, s, NAN, 0);
    } else {
        /* Counts are lower bounds (Misra-Gries) and the categories left out of the tables
         * unknown. With the shares p^ = count / n of the listed categories and u_r, u_c the
         * shares left unaccounted (1 - sum p^), every undercount of a listed category and
         * every unlisted category together weigh u_r on the reference side, so the true total
         * variation distance is within (u_r + u_c) / 2 of 1/2 sum |p^ - q^| over the listed
         * ones. The other scores have no such bound here and are left out. */
        double nr = (double)c->ref_count, nq = (double)c->cur_count, t = 0, sr = 0, sq = 0;
        for (size_t i = 0; i < k; i++) {
            t += fabs((double)rc_[i] / nr - (double)qc[i] / nq);
            sr += (double)rc_[i];
            sq += (double)qc[i];
        }
        double bound = ((1 - sr / nr) + (1 - sq / nq)) / 2;
        add_score(c, "tvd", VG_OK, fmin(1, t / 2), NAN, fmax(0, bound));
    }
done:
    free(a);
    free(b);
    free(by_hash);
    free(rc_);
    free(qc);
    return rc;
}

/* ---- the comparison --------------------------------------------------------------------- */

static const vg_column *find(const vg_profile *p, const char *name) {
    int i = vg_profile_find_column(p, name, strlen(name));
    return i < 0 ? NULL : p->cols[i];
}

/* Numeric as vg_compare_samples decides it: numbers only on both sides, and more than 5
 * distinct numbers in the reference (the profile counts numbers exactly up to its top
 * capacity, and past it has more than 5). */
static int is_numeric(const vg_column *r, const vg_column *q) {
    return r->n_boolean + r->n_string == 0 && q->n_boolean + q->n_string == 0 &&
           r->n_integer + r->n_fractional > 0 && q->n_integer + q->n_fractional > 0 &&
           (r->numbers_uncounted || vg_freq_size(r->freq_num) > 5);
}

static int compare_column(vg_compare_column *c, const vg_column *r, const vg_column *q,
                          uint64_t ref_rows, const vg_compare_options *o) {
    c->statistic = c->p_value = c->p_value_adjusted = c->threshold = NAN;
    c->ref_count = vg_column_count(r);
    c->cur_count = vg_column_count(q);
    int numeric = is_numeric(r, q);
    c->kind = numeric ? "numeric" : "categorical";
    if (c->ref_count == 0 || c->cur_count == 0) {
        snprintf(c->note, sizeof c->note, "no values in the %s data",
                 c->ref_count == 0 ? "reference" : "current");
        return VG_OK;
    }
    if (!numeric && (r->numbers_uncounted || q->numbers_uncounted)) {
        snprintf(c->note, sizeof c->note,
                 "mixes text with over %u distinct numbers: not comparable as categories",
                 vg_freq_capacity(r->freq_num));
        return VG_OK;
    }
    int rc = numeric ? numeric_scores(c, r, q, o->n_bins) : categorical_scores(c, r, q);
    if (rc != VG_OK)
        return rc;
    vg_compare_decide(c, ref_rows, o);
    if (!numeric && !c->method && !(counts_exact(r) && counts_exact(q)))
        snprintf(c->note, sizeof c->note,
                 "over %u distinct values: value counts are approximate, only tvd is bounded",
                 vg_freq_capacity(counts_exact(r) ? q->freq : r->freq));
    return VG_OK;
}

int vg_compare_profiles(const vg_profile *ref, const vg_profile *cur, const vg_compare_options *o,
                        vg_compare_result **out, vg_error *err) {
    vg_compare_options def;
    if (!o) {
        vg_compare_options_default(&def);
        o = &def;
    }
    *out = NULL;
    vg_compare_result *res = vg_compare_result_new(ref->ncols, ref->rows, cur->rows, o);
    if (!res)
        return vg_error_set(err, VG_ERR_NOMEM, "out of memory");
    int rc = VG_OK;
    for (size_t i = 0; i < ref->ncols && rc == VG_OK; i++) {
        const vg_column *r = ref->cols[i], *q = find(cur, r->name);
        vg_compare_column *c;
        if ((rc = vg_compare_admit(res, o, r->name, q != NULL, &c)) == VG_OK && c)
            rc = compare_column(c, r, q, ref->rows, o);
    }
    for (size_t i = 0; i < cur->ncols && rc == VG_OK; i++)
        rc = vg_compare_only_current(res, o, cur->cols[i]->name,
                                     find(ref, cur->cols[i]->name) != NULL);
    if (rc == VG_OK)
        rc = vg_compare_finish(res, o);
    if (rc != VG_OK) {
        vg_compare_result_free(res);
        if (rc == VG_ERR_NOMEM)
            return vg_error_set(err, rc, "out of memory");
        return vg_error_set(err, rc, "cannot read the sketches of the profiles");
    }
    *out = res;
    return VG_OK;
}
