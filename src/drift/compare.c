/*
 * vg_compare_samples: every applicable drift score per column, one deciding method chosen as
 * Evidently's defaults do (see vigia/compare.h), and the dataset verdict.
 */
#include <math.h>
#include <pthread.h>
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
    o->num_method = o->cat_method = NULL;
    o->num_threshold = o->cat_threshold = NAN;
    o->rules = NULL;
    o->n_rules = 0;
    o->roles = NULL;
    o->n_roles = 0;
    o->threads = 1;
}

const char *vg_compare_method_name(const char *m) {
    static const char *const all[] = {"ks",
                                      "wasserstein",
                                      "wasserstein_normed",
                                      "psi",
                                      "jensen_shannon",
                                      "kl_div",
                                      "hellinger",
                                      "anderson_darling",
                                      "cramer_von_mises",
                                      "energy_distance",
                                      "t_test",
                                      "mann_whitney",
                                      "chi2",
                                      "z_test",
                                      "tvd"};
    for (size_t i = 0; m && i < sizeof all / sizeof *all; i++)
        if (strcmp(all[i], m) == 0)
            return all[i];
    return NULL;
}

const char *vg_role_name(vg_role r) {
    switch (r) {
    case VG_ROLE_TARGET: return "target";
    case VG_ROLE_PREDICTION: return "prediction";
    case VG_ROLE_ID: return "id";
    case VG_ROLE_TIMESTAMP: return "timestamp";
    case VG_ROLE_SENSITIVE: return "sensitive";
    }
    return "unknown";
}

void vg_compare_result_free(vg_compare_result *r) {
    if (!r)
        return;
    for (size_t i = 0; i < r->ncols; i++) {
        free(r->cols[i].name);
        free(r->cols[i].distribution);
    }
    free(r->cols);
    for (size_t i = 0; i < r->n_only_ref; i++)
        free(r->only_ref[i]);
    for (size_t i = 0; i < r->n_only_cur; i++)
        free(r->only_cur[i]);
    free(r->only_ref);
    free(r->only_cur);
    for (size_t i = 0; i < r->n_roles; i++)
        free((char *)r->roles[i].column);
    free(r->roles);
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

/* Numeric scores. The samples' values are sorted (vg_samples_load sorts them), so every test
 * takes them as they are, without a copy; the bins are computed once for the four scores that
 * share them. */
static int numeric_scores(vg_compare_column *c, const vg_samples_column *r,
                          const vg_samples_column *q, size_t n_bins) {
    const double *a = r->num, *b = q->num;
    size_t na = r->nnum, nb = q->nnum;
    double s, p;
    int rc;
    rc = vg_stats_ks_2samp(a, na, b, nb, &s, &p, NULL);
    add_score(c, "ks", rc, s, p);
    double w, wn, e;
    rc = vg_drift_cdf_scores_sorted(a, na, b, nb, &w, &wn, &e);
    add_score(c, "wasserstein", rc, w, NAN);
    add_score(c, "wasserstein_normed", rc, wn, NAN);
    vg_drift_bins bins;
    rc = vg_drift_bins_numeric(a, na, b, nb, n_bins, &bins, NULL);
    if (rc == VG_ERR_NOMEM)
        return rc;
    if (rc == VG_OK) {
        const uint64_t *rb = bins.ref_counts, *cb = bins.cur_counts;
        size_t k = bins.n_bins;
        /* (the call and the read of s are separate statements: the order in which function
         * arguments are evaluated is unspecified) */
        rc = vg_drift_psi_counts(rb, cb, k, &s, NULL);
        add_score(c, "psi", rc, s, NAN);
        rc = vg_drift_jensen_shannon_counts(rb, cb, k, &s, NULL);
        add_score(c, "jensen_shannon", rc, s, NAN);
        rc = vg_drift_kl_counts(rb, cb, k, &s, NULL);
        add_score(c, "kl_div", rc, s, NAN);
        rc = vg_drift_hellinger_counts(rb, cb, k, &s, NULL);
        add_score(c, "hellinger", rc, s, NAN);
        vg_drift_bins_free(&bins);
    }
    vg_rank_tests rt;
    if (vg_stats_rank_tests_sorted(a, na, b, nb, &rt, NULL) != VG_OK)
        return VG_ERR_NOMEM;
    add_score(c, "anderson_darling", rt.ad_rc, rt.ad_statistic, rt.ad_pvalue);
    add_score(c, "cramer_von_mises", rt.cvm_rc, rt.cvm_statistic, rt.cvm_pvalue);
    add_score(c, "energy_distance", na && nb ? VG_OK : VG_ERR_INVALID, e, NAN);
    rc = vg_stats_ttest_welch(a, na, b, nb, &s, &p, NULL);
    add_score(c, "t_test", rc, s, p);
    add_score(c, "mann_whitney", rt.mwu_rc, rt.mwu_statistic, rt.mwu_pvalue);
    return vg_distribution_numeric_sorted(a, na, b, nb, VG_COMPARE_HIST_BINS, &c->distribution);
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
    /* each category's text, for the distribution summary */
    const char **text = malloc((k ? k : 1) * sizeof *text);
    size_t *len = malloc((k ? k : 1) * sizeof *len);
    if (!text || !len) {
        free(rc_);
        free(qc);
        free(text);
        free(len);
        return VG_ERR_NOMEM;
    }
    for (size_t i = 0; i < r->ncat; i++) {
        text[i] = r->cat[i].text;
        len[i] = r->cat[i].len;
    }
    size_t extra = r->ncat;
    for (size_t i = 0; i < q->ncat; i++) {
        int j = vg_samples_find_category(r, q->cat[i].text, q->cat[i].len);
        if (j < 0) {
            text[extra] = q->cat[i].text;
            len[extra] = q->cat[i].len;
        }
        qc[j >= 0 ? (size_t)j : extra++] = q->cat[i].count;
    }
    int drc = vg_distribution_categorical(rc_, qc, k, text, len, VG_COMPARE_TOP_CATEGORIES,
                                          &c->distribution);
    free(text);
    free(len);
    if (drc != VG_OK) {
        free(rc_);
        free(qc);
        return drc;
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

/* The first of the candidate methods (most specific first) that the column has a score for;
 * notes a requested method that does not apply. */
static const vg_compare_score *choose(vg_compare_column *c, const char *const *cand, size_t n,
                                      const char *def) {
    for (size_t i = 0; i < n; i++) {
        if (!cand[i])
            continue;
        const vg_compare_score *sc = score_of(c, cand[i]);
        if (sc)
            return sc;
        if (!c->note[0])
            snprintf(c->note, sizeof c->note, "%s does not apply to this %s column", cand[i],
                     c->kind);
    }
    return score_of(c, def);
}

void vg_compare_decide(vg_compare_column *c, uint64_t ref_rows, const vg_compare_options *o) {
    int numeric = strcmp(c->kind, "numeric") == 0;
    const char *def;
    if (ref_rows <= 1000)
        def = numeric ? "ks" : (score_of(c, "z_test") ? "z_test" : "chi2");
    else
        def = numeric ? "wasserstein_normed" : "jensen_shannon";
    const vg_compare_rule *rule = NULL;
    for (size_t i = 0; i < o->n_rules && !rule; i++)
        if (strcmp(o->rules[i].column, c->name) == 0)
            rule = &o->rules[i];
    const char *cand[3] = {rule ? rule->method : NULL, numeric ? o->num_method : o->cat_method,
                           o->method};
    const vg_compare_score *sc = choose(c, cand, 3, def);
    if (!sc) {
        snprintf(c->note, sizeof c->note, "%s could not be computed for this column", def);
        return;
    }
    c->method = sc->method;
    c->uses_p_value = is_p_value_method(sc->method);
    double t = rule && !isnan(rule->threshold) ? rule->threshold : NAN;
    if (isnan(t))
        t = numeric ? o->num_threshold : o->cat_threshold;
    if (isnan(t))
        t = o->threshold;
    c->threshold = isnan(t) ? (c->uses_p_value ? 0.05 : 0.1) : t;
    c->statistic = sc->statistic;
    c->p_value = c->p_value_adjusted = sc->p_value;
    c->drifted = c->uses_p_value ? sc->p_value < c->threshold : sc->statistic >= c->threshold;
}

int vg_compare_ignored(const vg_compare_options *o, const char *name) {
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
        m += res->cols[i].method && !res->cols[i].role && res->cols[i].uses_p_value &&
             !isnan(res->cols[i].p_value);
    if (how == VG_CORRECTION_NONE || m == 0)
        return VG_OK;
    vg_compare_column **v = malloc(m * sizeof *v);
    if (!v)
        return VG_ERR_NOMEM;
    size_t k = 0;
    for (size_t i = 0; i < res->ncols; i++)
        if (res->cols[i].method && !res->cols[i].role && res->cols[i].uses_p_value &&
            !isnan(res->cols[i].p_value))
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

int vg_compare_push_name(char ***list, size_t *n, const char *name) {
    char **l = realloc(*list, (*n + 1) * sizeof *l);
    if (!l)
        return VG_ERR_NOMEM;
    *list = l;
    if (!(l[*n] = strdup(name)))
        return VG_ERR_NOMEM;
    (*n)++;
    return VG_OK;
}

const vg_compare_role *vg_compare_role_of(const vg_compare_options *o, const char *name) {
    for (size_t i = 0; i < o->n_roles; i++)
        if (strcmp(o->roles[i].column, name) == 0)
            return &o->roles[i];
    return NULL;
}

/* One column to score: filled by the setup pass, scored by any thread. */
typedef struct {
    vg_compare_column *c;
    const vg_samples_column *r, *q;
    int numeric;
} job;

typedef struct {
    job *jobs;
    size_t njobs;
    size_t n_bins;
    pthread_mutex_t lock;
    size_t next;
    int rc;
} job_queue;

static void *worker(void *arg) {
    job_queue *jq = arg;
    for (;;) {
        pthread_mutex_lock(&jq->lock);
        size_t i = jq->next++;
        int stop = jq->rc != VG_OK;
        pthread_mutex_unlock(&jq->lock);
        if (stop || i >= jq->njobs)
            return NULL;
        job *j = &jq->jobs[i];
        int rc = j->numeric ? numeric_scores(j->c, j->r, j->q, jq->n_bins)
                            : categorical_scores(j->c, j->r, j->q);
        if (rc != VG_OK) {
            pthread_mutex_lock(&jq->lock);
            jq->rc = rc;
            pthread_mutex_unlock(&jq->lock);
        }
    }
}

/* Scores the jobs on up to `threads` threads (the calling one included). Columns are taken
 * one at a time from a shared counter, the largest first, so that the threads finish
 * together. */
static int run_jobs(job *jobs, size_t njobs, size_t n_bins, unsigned threads) {
    job_queue jq = {jobs, njobs, n_bins, PTHREAD_MUTEX_INITIALIZER, 0, VG_OK};
    if (threads > njobs)
        threads = (unsigned)njobs;
    if (threads > 64)
        threads = 64;
    pthread_t tid[64];
    unsigned started = 0;
    for (unsigned t = 1; t < threads; t++)
        if (pthread_create(&tid[started], NULL, worker, &jq) == 0)
            started++;
    worker(&jq);
    for (unsigned t = 0; t < started; t++)
        pthread_join(tid[t], NULL);
    pthread_mutex_destroy(&jq.lock);
    return jq.rc;
}

static int cmp_job_size(const void *a, const void *b) {
    const job *x = a, *y = b;
    size_t sx = x->r->nnum + x->q->nnum, sy = y->r->nnum + y->q->nnum;
    return (sx < sy) - (sx > sy);
}

int vg_compare_take_role(vg_compare_result *res, const vg_compare_options *o, const char *name,
                         const vg_compare_role **role) {
    *role = vg_compare_role_of(o, name);
    if (!*role)
        return 1;
    vg_compare_role *rr = &res->roles[res->n_roles];
    if (!(rr->column = strdup(name)))
        return -1;
    rr->role = (*role)->role;
    res->n_roles++;
    return (*role)->role == VG_ROLE_TARGET || (*role)->role == VG_ROLE_PREDICTION;
}

vg_compare_result *vg_compare_result_new(size_t ref_cols, uint64_t ref_rows, uint64_t cur_rows,
                                         const vg_compare_options *o) {
    size_t nc = ref_cols ? ref_cols : 1;
    vg_compare_result *res = calloc(1, sizeof *res);
    if (!res || !(res->cols = calloc(nc, sizeof *res->cols)) ||
        !(res->roles = calloc(nc, sizeof *res->roles))) {
        vg_compare_result_free(res);
        return NULL;
    }
    res->ref_rows = ref_rows;
    res->cur_rows = cur_rows;
    res->share_threshold = o->share_threshold;
    return res;
}

int vg_compare_admit(vg_compare_result *res, const vg_compare_options *o, const char *name,
                     int in_current, vg_compare_column **col) {
    *col = NULL;
    if (vg_compare_ignored(o, name)) {
        res->n_ignored++;
        return VG_OK;
    }
    const vg_compare_role *role = NULL;
    int take = vg_compare_take_role(res, o, name, &role);
    if (take <= 0)
        return take < 0 ? VG_ERR_NOMEM : VG_OK;
    if (!in_current)
        return vg_compare_push_name(&res->only_ref, &res->n_only_ref, name);
    vg_compare_column *c = &res->cols[res->ncols++];
    c->role = role ? vg_role_name(role->role) : NULL;
    c->statistic = c->p_value = c->p_value_adjusted = c->threshold = NAN;
    if (!(c->name = strdup(name)))
        return VG_ERR_NOMEM;
    *col = c;
    return VG_OK;
}

int vg_compare_only_current(vg_compare_result *res, const vg_compare_options *o, const char *name,
                            int in_reference) {
    if (in_reference || vg_compare_ignored(o, name) || vg_compare_role_of(o, name))
        return VG_OK;
    return vg_compare_push_name(&res->only_cur, &res->n_only_cur, name);
}

int vg_compare_samples(const vg_samples *ref, const vg_samples *cur, const vg_compare_options *o,
                       vg_compare_result **out, vg_error *err) {
    vg_compare_options def;
    if (!o) {
        vg_compare_options_default(&def);
        o = &def;
    }
    *out = NULL;
    vg_compare_result *res = vg_compare_result_new(ref->ncols, ref->rows, cur->rows, o);
    job *jobs = malloc((ref->ncols ? ref->ncols : 1) * sizeof *jobs);
    if (!res || !jobs) {
        vg_compare_result_free(res);
        free(jobs);
        return vg_error_set(err, VG_ERR_NOMEM, "out of memory");
    }
    size_t njobs = 0;
    int rc = VG_OK;
    for (size_t i = 0; i < ref->ncols && rc == VG_OK; i++) {
        const vg_samples_column *r = &ref->cols[i], *q = find(cur, r->name);
        vg_compare_column *c;
        if ((rc = vg_compare_admit(res, o, r->name, q != NULL, &c)) != VG_OK || !c)
            continue;
        c->ref_count = r->nnum + r->n_other;
        c->cur_count = q->nnum + q->n_other;
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
        jobs[njobs++] = (job){c, r, q, numeric};
    }
    if (rc == VG_OK) {
        qsort(jobs, njobs, sizeof *jobs, cmp_job_size);
        rc = run_jobs(jobs, njobs, o->n_bins, o->threads ? o->threads : 1);
    }
    for (size_t i = 0; i < njobs && rc == VG_OK; i++)
        vg_compare_decide(jobs[i].c, ref->rows, o);
    free(jobs);
    for (size_t i = 0; i < cur->ncols && rc == VG_OK; i++)
        rc = vg_compare_only_current(res, o, cur->cols[i].name,
                                     find(ref, cur->cols[i].name) != NULL);
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
        if (res->cols[i].method && !res->cols[i].role) {
            res->n_compared++;
            res->n_drifted += res->cols[i].drifted != 0;
        }
    res->share_drifted = res->n_compared ? (double)res->n_drifted / (double)res->n_compared : 0;
    res->dataset_drift = res->n_compared > 0 && res->share_drifted >= o->share_threshold;
    return rc;
}
