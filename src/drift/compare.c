/*
 * vg_compare_samples: every applicable drift score per column, one deciding method chosen as
 * Evidently's defaults do (see vigia/compare.h), and the dataset verdict.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "vigia/drift.h"
#include "vigia/stats.h"
#include "vigia/stattests.h"

void vg_compare_options_default(vg_compare_options *o) {
    o->method = NULL;
    o->threshold = NAN;
    o->share_threshold = 0.5;
    o->n_bins = 10;
    o->correction = VG_CORRECTION_NONE;
    o->ignore = NULL;
    o->n_ignore = 0;
}

void vg_compare_result_free(vg_compare_result *r) {
    if (!r)
        return;
    for (size_t i = 0; i < r->ncols; i++)
        free(r->cols[i].name);
    free(r->cols);
    for (size_t i = 0; i < r->n_only_ref; i++)
        free(r->only_ref[i]);
    for (size_t i = 0; i < r->n_only_cur; i++)
        free(r->only_cur[i]);
    free(r->only_ref);
    free(r->only_cur);
    free(r);
}

static const vg_samples_column *find(const vg_samples *s, const char *name) {
    for (size_t i = 0; i < s->ncols; i++)
        if (strcmp(s->cols[i].name, name) == 0)
            return &s->cols[i];
    return NULL;
}

static void add_score(vg_compare_column *c, const char *method, int rc, double stat, double p) {
    if (rc != VG_OK || c->nscores == VG_COMPARE_MAX_SCORES)
        return; /* a test that does not apply (e.g. Anderson-Darling on one value) is left out */
    c->scores[c->nscores++] = (vg_compare_score){method, stat, p, NAN};
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Numeric scores; the tests that need sorted input get sorted copies. */
static int numeric_scores(vg_compare_column *c, const vg_samples_column *r,
                          const vg_samples_column *q, size_t n_bins) {
    double *a = malloc(r->nnum * sizeof *a), *b = malloc(q->nnum * sizeof *b);
    if (!a || !b) {
        free(a);
        free(b);
        return VG_ERR_NOMEM;
    }
    memcpy(a, r->num, r->nnum * sizeof *a);
    memcpy(b, q->num, q->nnum * sizeof *b);
    qsort(a, r->nnum, sizeof *a, cmp_double);
    qsort(b, q->nnum, sizeof *b, cmp_double);
    size_t na = r->nnum, nb = q->nnum;
    double s, p;
    int rc;
    rc = vg_stats_ks_2samp(a, na, b, nb, &s, &p, NULL);
    add_score(c, "ks", rc, s, p);
    rc = vg_drift_wasserstein(a, na, b, nb, &s, NULL);
    add_score(c, "wasserstein", rc, s, NAN);
    rc = vg_drift_wasserstein_normed(a, na, b, nb, &s, NULL);
    add_score(c, "wasserstein_normed", rc, s, NAN);
    rc = vg_drift_psi(a, na, b, nb, n_bins, &s, NULL);
    add_score(c, "psi", rc, s, NAN);
    rc = vg_drift_jensen_shannon(a, na, b, nb, n_bins, &s, NULL);
    add_score(c, "jensen_shannon", rc, s, NAN);
    rc = vg_drift_kl(a, na, b, nb, n_bins, &s, NULL);
    add_score(c, "kl_div", rc, s, NAN);
    rc = vg_drift_hellinger(a, na, b, nb, n_bins, &s, NULL);
    add_score(c, "hellinger", rc, s, NAN);
    int bounded;
    rc = vg_stats_anderson_ksamp(a, na, b, nb, &s, &p, &bounded, NULL);
    add_score(c, "anderson_darling", rc, s, p);
    rc = vg_stats_cramervonmises_2samp(a, na, b, nb, &s, &p, NULL);
    add_score(c, "cramer_von_mises", rc, s, p);
    rc = vg_drift_energy_distance(a, na, b, nb, &s, NULL);
    add_score(c, "energy_distance", rc, s, NAN);
    rc = vg_stats_ttest_welch(a, na, b, nb, &s, &p, NULL);
    add_score(c, "t_test", rc, s, p);
    rc = vg_stats_mannwhitneyu(r->num, na, q->num, nb, &s, &p, NULL);
    add_score(c, "mann_whitney", rc, s, p);
    free(a);
    free(b);
    return VG_OK;
}

/* Categorical scores on the union of categories (reference order, then new ones). */
static int categorical_scores(vg_compare_column *c, const vg_samples_column *r,
                              const vg_samples_column *q) {
    size_t k = r->ncat;
    for (size_t i = 0; i < q->ncat; i++)
        if (vg_samples_find_category(r, q->cat[i].text, q->cat[i].len) < 0)
            k++;
    uint64_t *rc_ = calloc(k ? k : 1, sizeof *rc_), *qc = calloc(k ? k : 1, sizeof *qc);
    if (!rc_ || !qc) {
        free(rc_);
        free(qc);
        return VG_ERR_NOMEM;
    }
    for (size_t i = 0; i < r->ncat; i++)
        rc_[i] = r->cat[i].count;
    size_t extra = r->ncat;
    for (size_t i = 0; i < q->ncat; i++) {
        int j = vg_samples_find_category(r, q->cat[i].text, q->cat[i].len);
        qc[j >= 0 ? (size_t)j : extra++] = q->cat[i].count;
    }
    double s, p;
    int rc = vg_drift_chi2(rc_, qc, k, &s, &p, &c->n_unseen, NULL);
    add_score(c, "chi2", rc, s, p);
    if (k <= 2) {
        rc = vg_drift_z_test(rc_, qc, k, &s, &p, NULL);
        add_score(c, "z_test", rc, s, p);
    }
    rc = vg_drift_jensen_shannon_counts(rc_, qc, k, &s, NULL);
    add_score(c, "jensen_shannon", rc, s, NAN);
    rc = vg_drift_psi_counts(rc_, qc, k, &s, NULL);
    add_score(c, "psi", rc, s, NAN);
    rc = vg_drift_tvd_counts(rc_, qc, k, &s, NULL);
    add_score(c, "tvd", rc, s, NAN);
    rc = vg_drift_hellinger_counts(rc_, qc, k, &s, NULL);
    add_score(c, "hellinger", rc, s, NAN);
    rc = vg_drift_kl_counts(rc_, qc, k, &s, NULL);
    add_score(c, "kl_div", rc, s, NAN);
    free(rc_);
    free(qc);
    return VG_OK;
}

static int is_p_value_method(const char *m) {
    static const char *const pm[] = {
        "ks", "chi2", "z_test", "anderson_darling", "cramer_von_mises", "t_test", "mann_whitney"};
    for (size_t i = 0; i < sizeof pm / sizeof *pm; i++)
        if (strcmp(m, pm[i]) == 0)
            return 1;
    return 0;
}

static const vg_compare_score *score_of(const vg_compare_column *c, const char *m) {
    for (size_t i = 0; i < c->nscores; i++)
        if (strcmp(c->scores[i].method, m) == 0)
            return &c->scores[i];
    return NULL;
}

void vg_compare_decide(vg_compare_column *c, uint64_t ref_rows, const vg_compare_options *o) {
    int numeric = strcmp(c->kind, "numeric") == 0;
    const char *m;
    if (ref_rows <= 1000)
        m = numeric ? "ks" : (score_of(c, "z_test") ? "z_test" : "chi2");
    else
        m = numeric ? "wasserstein_normed" : "jensen_shannon";
    if (o->method && score_of(c, o->method))
        m = o->method;
    const vg_compare_score *sc = score_of(c, m);
    if (!sc) {
        snprintf(c->note, sizeof c->note, "%s could not be computed for this column", m);
        return;
    }
    c->method = sc->method;
    c->uses_p_value = is_p_value_method(m);
    c->threshold = isnan(o->threshold) ? (c->uses_p_value ? 0.05 : 0.1) : o->threshold;
    c->statistic = sc->statistic;
    c->p_value = c->p_value_adjusted = sc->p_value;
    c->drifted = c->uses_p_value ? sc->p_value < c->threshold : sc->statistic >= c->threshold;
}

static int ignored(const vg_compare_options *o, const char *name) {
    for (size_t i = 0; i < o->n_ignore; i++)
        if (strcmp(o->ignore[i], name) == 0)
            return 1;
    return 0;
}

static int cmp_p(const void *a, const void *b) {
    double x = (*(const vg_compare_column *const *)a)->p_value;
    double y = (*(const vg_compare_column *const *)b)->p_value;
    return (x > y) - (x < y);
}

/* Adjusts the deciding p-values of the columns decided by a p-value method and re-decides
 * them (see vg_correction). */
static int correct(vg_compare_result *res, vg_correction how) {
    size_t m = 0;
    for (size_t i = 0; i < res->ncols; i++)
        m += res->cols[i].method && res->cols[i].uses_p_value && !isnan(res->cols[i].p_value);
    if (how == VG_CORRECTION_NONE || m == 0)
        return VG_OK;
    vg_compare_column **v = malloc(m * sizeof *v);
    if (!v)
        return VG_ERR_NOMEM;
    size_t k = 0;
    for (size_t i = 0; i < res->ncols; i++)
        if (res->cols[i].method && res->cols[i].uses_p_value && !isnan(res->cols[i].p_value))
            v[k++] = &res->cols[i];
    if (how == VG_CORRECTION_BONFERRONI) {
        for (size_t i = 0; i < m; i++)
            v[i]->p_value_adjusted = fmin(1.0, v[i]->p_value * (double)m);
    } else {
        qsort(v, m, sizeof *v, cmp_p);
        double run = 1.0;
        for (size_t i = m; i-- > 0;) {
            double a = v[i]->p_value * (double)m / (double)(i + 1);
            run = fmin(run, a);
            v[i]->p_value_adjusted = run;
        }
    }
    for (size_t i = 0; i < m; i++)
        v[i]->drifted = v[i]->p_value_adjusted < v[i]->threshold;
    free(v);
    return VG_OK;
}

static int push_name(char ***list, size_t *n, const char *name) {
    char **l = realloc(*list, (*n + 1) * sizeof *l);
    if (!l)
        return VG_ERR_NOMEM;
    *list = l;
    if (!(l[*n] = strdup(name)))
        return VG_ERR_NOMEM;
    (*n)++;
    return VG_OK;
}

int vg_compare_samples(const vg_samples *ref, const vg_samples *cur, const vg_compare_options *o,
                       vg_compare_result **out, vg_error *err) {
    vg_compare_options def;
    if (!o) {
        vg_compare_options_default(&def);
        o = &def;
    }
    *out = NULL;
    vg_compare_result *res = calloc(1, sizeof *res);
    if (!res || !(res->cols = calloc(ref->ncols ? ref->ncols : 1, sizeof *res->cols))) {
        free(res);
        return vg_error_set(err, VG_ERR_NOMEM, "out of memory");
    }
    res->ref_rows = ref->rows;
    res->cur_rows = cur->rows;
    res->share_threshold = o->share_threshold;
    int rc = VG_OK;
    for (size_t i = 0; i < ref->ncols && rc == VG_OK; i++) {
        const vg_samples_column *r = &ref->cols[i], *q = find(cur, r->name);
        if (ignored(o, r->name)) {
            res->n_ignored++;
            continue;
        }
        if (!q) {
            rc = push_name(&res->only_ref, &res->n_only_ref, r->name);
            continue;
        }
        vg_compare_column *c = &res->cols[res->ncols++];
        c->name = strdup(r->name);
        c->statistic = c->p_value = c->p_value_adjusted = c->threshold = NAN;
        c->ref_count = r->nnum + r->n_other;
        c->cur_count = q->nnum + q->n_other;
        if (!c->name) {
            rc = VG_ERR_NOMEM;
            break;
        }
        int numeric = r->n_other == 0 && q->n_other == 0 && r->nnum > 0 && q->nnum > 0 &&
                      (r->ncat > 5 || r->numbers_uncounted);
        c->kind = numeric ? "numeric" : "categorical";
        if (c->ref_count == 0 || c->cur_count == 0) {
            snprintf(c->note, sizeof c->note, "no values in the %s data",
                     c->ref_count == 0 ? "reference" : "current");
            continue;
        }
        if (!numeric && (r->numbers_uncounted || q->numbers_uncounted)) {
            snprintf(c->note, sizeof c->note,
                     "mixes text with over %d distinct numbers: not comparable as categories",
                     VG_SAMPLES_MAX_NUMERIC_CATEGORIES);
            continue;
        }
        rc = numeric ? numeric_scores(c, r, q, o->n_bins) : categorical_scores(c, r, q);
        if (rc == VG_OK)
            vg_compare_decide(c, ref->rows, o);
    }
    for (size_t i = 0; i < cur->ncols && rc == VG_OK; i++)
        if (!find(ref, cur->cols[i].name) && !ignored(o, cur->cols[i].name))
            rc = push_name(&res->only_cur, &res->n_only_cur, cur->cols[i].name);
    if (rc != VG_OK) {
        vg_compare_result_free(res);
        return vg_error_set(err, VG_ERR_NOMEM, "out of memory");
    }
    if (vg_compare_finish(res, o) != VG_OK) {
        vg_compare_result_free(res);
        return vg_error_set(err, VG_ERR_NOMEM, "out of memory");
    }
    *out = res;
    return VG_OK;
}

int vg_compare_finish(vg_compare_result *res, const vg_compare_options *o) {
    res->correction = o->correction;
    res->share_threshold = o->share_threshold;
    int rc = correct(res, o->correction);
    res->n_compared = res->n_drifted = 0;
    for (size_t i = 0; i < res->ncols; i++)
        if (res->cols[i].method) {
            res->n_compared++;
            res->n_drifted += res->cols[i].drifted != 0;
        }
    res->share_drifted = res->n_compared ? (double)res->n_drifted / (double)res->n_compared : 0;
    res->dataset_drift = res->n_compared > 0 && res->share_drifted >= o->share_threshold;
    return rc;
}
