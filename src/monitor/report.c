/*
 * The report of a closed window and its metric samples. Every number comes from a library
 * function the CLI also uses, so that `vigia serve` and `vigia compare` agree: drift is
 * vg_compare_profiles (sketch mode, the JSON of vg_report_compare_json), model quality is
 * vg_eval_compute on the window's model rows (vg_eval_json), the estimate is CBPE
 * (vg_eval_estimate), fairness is the part of vg_eval_compute for the sensitive features.
 * Only the data-quality section is computed here, from the two profiles. docs/monitor.md
 * documents the keys; the metric names are those of the Grafana dashboard.
 */
#include <jansson.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../base/utf8.h"
#include "../report/json.h"
#include "internal.h"
#include "vigia/compare.h"

/* ---- metric samples -------------------------------------------------------------------------- */

/* Appends v, cut to at most MAX_LABEL_VALUE bytes (at a UTF-8 boundary) and escaped for a
 * label value (backslash, double quote, newline); returns the new length, or cap when it does
 * not fit. */
#define MAX_LABEL_VALUE 80

static size_t put_escaped(char *dst, size_t o, size_t cap, const char *v) {
    size_t n = strlen(v);
    if (n > MAX_LABEL_VALUE)
        n = vg_utf8_cut(v, MAX_LABEL_VALUE);
    for (size_t i = 0; i < n; i++) {
        if (o + 3 > cap)
            return cap;
        if (v[i] == '\\' || v[i] == '"') {
            dst[o++] = '\\';
            dst[o++] = v[i];
        } else if (v[i] == '\n') {
            dst[o++] = '\\';
            dst[o++] = 'n';
        } else {
            dst[o++] = v[i];
        }
    }
    return o;
}

/* nlabels pairs of (name, value) follow. A sample whose labels do not fit in
 * vg_metric_sample.labels is left out rather than cut mid-syntax. */
void msamples_add(msamples *m, const char *name, double value, int nlabels, ...) {
    if (m->oom || !isfinite(value))
        return;
    char buf[sizeof m->s->labels];
    size_t o = 0, cap = sizeof buf;
    int fits = 1;
    va_list ap;
    va_start(ap, nlabels);
    for (int i = 0; i < nlabels; i++) {
        const char *k = va_arg(ap, const char *), *v = va_arg(ap, const char *);
        if (!fits)
            continue;
        int w = snprintf(buf + o, cap - o, "%s%s=\"", i ? "," : "", k);
        if (w < 0 || (size_t)w >= cap - o) {
            fits = 0;
            continue;
        }
        o = put_escaped(buf, o + (size_t)w, cap, v);
        if (o + 2 > cap) {
            fits = 0;
            continue;
        }
        buf[o++] = '"';
    }
    va_end(ap);
    if (!fits)
        return;
    buf[o] = '\0';
    if (m->n == m->cap) {
        size_t nc = m->cap ? m->cap * 2 : 64;
        vg_metric_sample *s = realloc(m->s, nc * sizeof *s);
        if (!s) {
            m->oom = 1;
            return;
        }
        m->s = s;
        m->cap = nc;
    }
    vg_metric_sample *s = &m->s[m->n++];
    snprintf(s->name, sizeof s->name, "%s", name);
    s->value = value;
    memcpy(s->labels, buf, o + 1);
}

/* ---- drift ----------------------------------------------------------------------------------- */

static json_t *drift_json(const vg_model_spec *s, const vg_profile *ref, const vg_profile *cur,
                          const char *baseline, const char *ref_name, const char *cur_name,
                          msamples *ms, char *note, size_t note_size) {
    vg_compare_options o;
    vg_compare_options_default(&o);
    o.share_threshold = s->drift_share;
    vg_compare_role roles[2] = {{"prediction", VG_ROLE_PREDICTION}, {"label", VG_ROLE_TARGET}};
    o.roles = roles;
    o.n_roles = 2;
    const char **ignore = NULL;
    size_t ni = 0;
    for (size_t j = 0; j < s->n_features; j++)
        ni += s->features[j].type == VG_FEATURE_TEXT;
    if (ni) {
        if (!(ignore = malloc(ni * sizeof *ignore)))
            return NULL;
        ni = 0;
        for (size_t j = 0; j < s->n_features; j++)
            if (s->features[j].type == VG_FEATURE_TEXT)
                ignore[ni++] = s->features[j].name;
        o.ignore = ignore;
        o.n_ignore = ni;
    }
    vg_compare_result *r = NULL;
    vg_error e;
    json_t *out = NULL;
    if (vg_compare_profiles(ref, cur, &o, &r, &e) != VG_OK) {
        snprintf(note, note_size, "not compared: %.200s", e.msg);
        free(ignore);
        return NULL;
    }
    vg_compare_report rep = {0};
    rep.ref_path = ref_name;
    rep.cur_path = cur_name;
    rep.mode = "sketch";
    rep.drift = r;
    char *txt = vg_report_compare_json(&rep, &e);
    if (txt) {
        out = json_loads(txt, 0, NULL);
        free(txt);
    }
    if (out) {
        /* the model and quality keys of a CLI comparison are the window report's own */
        static const char *const drop[] = {"quality",        "task",       "evaluated_rows",
                                           "classification", "regression", "fairness",
                                           "estimated"};
        for (size_t k = 0; k < sizeof drop / sizeof *drop; k++)
            json_object_del(out, drop[k]);
    } else {
        snprintf(note, note_size, "out of memory");
    }
    for (size_t i = 0; i < r->ncols; i++) {
        const vg_compare_column *c = &r->cols[i];
        if (!c->method || c->note[0])
            continue;
        msamples_add(ms, "drift_score", c->statistic, 3, "baseline", baseline, "feature", c->name,
                     "method", c->method);
        if (c->uses_p_value || isfinite(c->p_value))
            msamples_add(ms, "drift_p_value", c->p_value, 3, "baseline", baseline, "feature",
                         c->name, "method", c->method);
        msamples_add(ms, "drift_detected", c->drifted, 2, "baseline", baseline, "feature", c->name);
    }
    msamples_add(ms, "drift_share", r->share_drifted, 1, "baseline", baseline);
    msamples_add(ms, "dataset_drift", r->dataset_drift, 1, "baseline", baseline);
    vg_compare_result_free(r);
    free(ignore);
    return out;
}

/* ---- data quality ---------------------------------------------------------------------------- */

#define MAX_ITEMS 100000

/* Unseen categories of the window (values the reference never had), from the exact value
 * counts of both; -1 when either side's counts are not exact. */
static int unseen(const vg_column *ref, const vg_column *cur, uint64_t *n_unseen,
                  uint64_t *rows_unseen) {
    if (vg_freq_offset(ref->freq) || vg_freq_offset(cur->freq) || ref->numbers_uncounted ||
        cur->numbers_uncounted)
        return -1;
    *n_unseen = *rows_unseen = 0;
    const vg_freq *sides[2][2] = {{cur->freq, ref->freq}, {cur->freq_num, ref->freq_num}};
    for (int k = 0; k < 2; k++) {
        size_t n = vg_freq_size(sides[k][0]);
        if (n == 0)
            continue;
        if (n > MAX_ITEMS)
            return -1;
        vg_freq_item *it = malloc(n * sizeof *it);
        uint64_t *h = malloc(n * sizeof *h);
        if (!it || !h) {
            free(it);
            free(h);
            return -1;
        }
        n = vg_freq_items(sides[k][0], it, h, n);
        for (size_t i = 0; i < n; i++)
            if (vg_freq_count(sides[k][1], h[i]) == 0) {
                (*n_unseen)++;
                *rows_unseen += it[i].count;
            }
        free(it);
        free(h);
    }
    return 0;
}

static json_t *quality_json(const vg_model_spec *s, const vg_profile *ref, const vg_profile *cur,
                            msamples *ms, int *oom) {
    json_t *q = json_object();
    if (!q) {
        *oom = 1;
        return NULL;
    }
    for (size_t j = 0; j < s->n_features; j++) {
        const vg_feature_spec *f = &s->features[j];
        int ci = vg_profile_find_column(cur, f->name, strlen(f->name));
        if (ci < 0)
            continue;
        const vg_column *c = cur->cols[ci];
        json_t *o = json_object();
        if (!o) {
            *oom = 1;
            break;
        }
        double miss = cur->rows ? (double)c->missing / (double)cur->rows : NAN;
        vg_json_put(o, "type", json_string(vg_feature_type_name(f->type)), oom);
        vg_json_put(o, "missing", vg_json_count(c->missing), oom);
        vg_json_put(o, "missing_share", vg_json_num(miss), oom);
        msamples_add(ms, "missing_share", miss, 1, "feature", f->name);
        vg_json_put(o, "observed_type", json_string(vg_coltype_name(vg_column_type(c))), oom);
        int ri = ref ? vg_profile_find_column(ref, f->name, strlen(f->name)) : -1;
        if (ri < 0) {
            vg_json_put(o, "reference_type", json_null(), oom);
            vg_json_put(o, "type_changed", json_null(), oom);
            vg_json_put(q, f->name, o, oom);
            continue;
        }
        const vg_column *rc = ref->cols[ri];
        vg_coltype tr = vg_column_type(rc), tc = vg_column_type(c);
        vg_json_put(o, "reference_type", json_string(vg_coltype_name(tr)), oom);
        /* integer and fractional are one numeric type; an empty side says nothing */
        int num_r = tr == VG_TYPE_INTEGER || tr == VG_TYPE_FRACTIONAL;
        int num_c = tc == VG_TYPE_INTEGER || tc == VG_TYPE_FRACTIONAL;
        int changed = tr != VG_TYPE_EMPTY && tc != VG_TYPE_EMPTY && tr != tc && !(num_r && num_c);
        vg_json_put(o, "type_changed", json_boolean(changed), oom);
        uint64_t nonmissing = vg_column_count(c);
        if (f->type == VG_FEATURE_CATEGORICAL || f->type == VG_FEATURE_BOOLEAN) {
            uint64_t nu, rows_u;
            if (unseen(rc, c, &nu, &rows_u) == 0) {
                double share = nonmissing ? (double)rows_u / (double)nonmissing : 0;
                vg_json_put(o, "unseen_categories", vg_json_count(nu), oom);
                vg_json_put(o, "unseen_share", vg_json_num(share), oom);
                msamples_add(ms, "unseen_category_share", share, 1, "feature", f->name);
            } else {
                vg_json_put(o, "unseen_categories", json_null(), oom);
                vg_json_put(o, "unseen_share", json_null(), oom);
                vg_json_put(o, "unseen_note",
                            json_string("value counts are not exact (too many distinct values)"),
                            oom);
            }
        }
        if (f->type == VG_FEATURE_NUMERIC && rc->moments.n > 0) {
            double lo = vg_moments_min(&rc->moments), hi = vg_moments_max(&rc->moments);
            double share = 0;
            uint64_t nnum = vg_kll_n(c->kll);
            if (nnum > 0) {
                double cmin = vg_kll_min(c->kll), cmax = vg_kll_max(c->kll);
                /* exact when the window is inside the range; else the KLL's estimate of the
                 * share below lo plus the share above hi */
                if (cmin < lo || cmax > hi) {
                    double below = 0, above = 0;
                    if (cmin < lo) /* rank counts <= x: below lo is rank just under it */
                        below = vg_kll_rank(c->kll, nextafter(lo, -INFINITY));
                    if (cmax > hi)
                        above = 1 - vg_kll_rank(c->kll, hi);
                    share = (below + above) * (double)nnum / (double)(nonmissing ? nonmissing : 1);
                }
            }
            vg_json_put(o, "reference_min", vg_json_num(lo), oom);
            vg_json_put(o, "reference_max", vg_json_num(hi), oom);
            vg_json_put(o, "out_of_range_share", vg_json_num(share), oom);
            msamples_add(ms, "out_of_range_share", share, 1, "feature", f->name);
        }
        vg_json_put(q, f->name, o, oom);
    }
    return q;
}

/* ---- model ----------------------------------------------------------------------------------- */

#define MAX_FAIR_GROUPS 20

static void model_samples(const vg_eval_result *r, msamples *ms) {
    const vg_eval_plan *p = r->plan;
    if (!r->computed)
        return;
#define M(name, v) msamples_add(ms, "model_metric", (v), 1, "metric", name)
    if (p->task == VG_TASK_BINARY) {
        const vg_perf_binary *b = &r->binary;
        M("accuracy", b->accuracy);
        M("precision", b->precision);
        M("recall", b->recall);
        M("f1", b->f1);
        M("specificity", b->specificity);
        M("balanced_accuracy", b->balanced_accuracy);
        M("mcc", b->mcc);
        if (p->scores) {
            M("roc_auc", b->roc_auc);
            M("average_precision", b->average_precision);
            M("log_loss", b->log_loss);
            M("brier", b->brier);
            M("ece", b->ece);
        }
    } else if (p->task == VG_TASK_MULTICLASS) {
        const vg_perf_multiclass *c = &r->multiclass;
        M("accuracy", c->accuracy);
        M("balanced_accuracy", c->balanced_accuracy);
        M("mcc", c->mcc);
        M("macro_precision", c->macro_precision);
        M("macro_recall", c->macro_recall);
        M("macro_f1", c->macro_f1);
        M("weighted_precision", c->weighted_precision);
        M("weighted_recall", c->weighted_recall);
        M("weighted_f1", c->weighted_f1);
        if (p->proba)
            M("log_loss", c->log_loss);
    } else {
        const vg_perf_regression *g = &r->regression;
        M("mae", g->mae);
        M("mse", g->mse);
        M("rmse", g->rmse);
        M("r2", g->r2);
        M("mape", g->mape);
        M("median_absolute_error", g->median_ae);
        M("mean_error", g->mean_error);
    }
#undef M
    for (size_t i = 0; i < r->n_fair; i++) {
        const vg_eval_fairness *f = &r->fair[i];
        char attr[200] = "";
        size_t o = 0;
        for (size_t k = 0; k < f->n_columns && o < sizeof attr; k++)
            o += (size_t)snprintf(attr + o, sizeof attr - o, "%s%s", k ? " & " : "", f->columns[k]);
        const vg_fair_result *fr = f->result;
        for (size_t g = 0; g < fr->n_groups && g < MAX_FAIR_GROUPS; g++) {
            const vg_fair_group *gr = &fr->groups[g];
            msamples_add(ms, "fairness_ratio", gr->selection_rate_ratio, 3, "attribute", attr,
                         "group", gr->name, "metric", "selection_rate");
            static const char *const names[] = {"selection_rate", "tpr", "fpr", "precision",
                                                "accuracy"};
            double v[] = {gr->selection_rate_diff, gr->tpr_diff, gr->fpr_diff, gr->precision_diff,
                          gr->accuracy_diff};
            for (size_t k = 0; k < 5; k++)
                msamples_add(ms, "fairness_difference", v[k], 3, "attribute", attr, "group",
                             gr->name, "metric", names[k]);
        }
    }
}

/* The window's model rows as evaluation data, in the slot order of o: target, prediction, the
 * probabilities (o->n_proba: every declared class), the sensitive features (o->n_sensitive). */
static int window_eval_data(const vg_model_spec *s, const mwin *w, const vg_eval_options *o,
                            vg_eval_data **out, vg_error *err) {
    int rc = vg_eval_data_new(o, "window", out, err);
    if (rc != VG_OK)
        return rc;
    size_t ns = s->n_sensitive, ne = mspec_n_ext(s), np = o->n_proba;
    size_t nc = 2 + np + o->n_sensitive;
    const char **cells = malloc(nc * sizeof *cells);
    size_t *lens = malloc(nc * sizeof *lens);
    if (!cells || !lens) {
        free(cells);
        free(lens);
        return vg_error_set(err, VG_ERR_NOMEM, "out of memory");
    }
    for (size_t i = 0; rc == VG_OK && i < w->nrows; i++) {
        const mrow *r = &w->row[i];
        const mtext *ext = w->ext ? &w->ext[i * ne] : NULL;
        cells[0] = r->label.present ? w->arena + r->label.off : NULL;
        lens[0] = r->label.len;
        cells[1] = w->arena + r->pred.off;
        lens[1] = r->pred.len;
        for (size_t k = 0; k < np + o->n_sensitive; k++) {
            /* probabilities follow the sensitive values in the row's extras */
            const mtext *t = k < np ? &ext[ns + k] : &ext[k - np];
            cells[2 + k] = t->present ? w->arena + t->off : NULL;
            lens[2 + k] = t->len;
        }
        rc = vg_eval_data_add(*out, cells, lens, i + 1, err);
    }
    free(cells);
    free(lens);
    return rc;
}

/* Whether every model row has a probability for every declared class (multiclass): then the
 * metrics use them (log loss); a row without would be left out of every metric. */
static int all_probabilities(const vg_model_spec *s, const mwin *w) {
    size_t ns = s->n_sensitive, ne = mspec_n_ext(s), np = mspec_n_proba(s);
    if (np == 0 || w->nrows == 0)
        return 0;
    for (size_t i = 0; i < w->nrows; i++)
        for (size_t k = 0; k < np; k++)
            if (!w->ext[i * ne + ns + k].present)
                return 0;
    return 1;
}

static void eval_options(const vg_model_spec *s, vg_eval_options *o) {
    vg_eval_options_init(o);
    o->target = "label";
    o->prediction = "prediction";
    o->task = s->task;
    o->threshold = s->threshold;
    o->pos_label = s->pos_label;
    o->classes = (const char *const *)s->classes;
    o->n_classes = s->n_classes;
    if (s->task == VG_TASK_BINARY) {
        o->sensitive = (const char *const *)s->sensitive;
        o->n_sensitive = s->n_sensitive;
    }
}

/* Adds "performance" (+ "performance_note") and "estimated" (+ "estimated_note") to root. */
static void model_json(const mreport_in *in, json_t *root, msamples *ms, int *oom) {
    const vg_model_spec *s = in->spec;
    vg_eval_options o, o_ref;
    eval_options(s, &o);
    /* multiclass probabilities: columns named after their class */
    vg_eval_proba *proba = NULL;
    char **proba_names = NULL;
    size_t np = all_probabilities(s, in->w) ? mspec_n_proba(s) : 0;
    if (np && (proba = calloc(np, sizeof *proba)) &&
        (proba_names = calloc(np, sizeof *proba_names))) {
        for (size_t c = 0; c < np; c++) {
            size_t len = strlen(s->classes[c]) + 8;
            if (!(proba_names[c] = malloc(len)))
                break;
            snprintf(proba_names[c], len, "proba:%s", s->classes[c]);
            proba[c].label = s->classes[c];
            proba[c].column = proba_names[c];
            o.n_proba = c + 1;
        }
        o.proba = proba;
    }
    o_ref = o; /* the reference rows have no sensitive columns */
    o_ref.sensitive = NULL;
    o_ref.n_sensitive = 0;
    vg_eval_data *cur = NULL;
    vg_eval_plan plan;
    int have_plan = 0;
    vg_eval_result *res = NULL, *ref_res = NULL;
    vg_estimate_result *est = NULL;
    vg_error e;
    char note[300] = "", est_note[300] = "";
    json_t *model = NULL, *estimated = NULL;
    if (window_eval_data(s, in->w, &o, &cur, &e) != VG_OK) {
        snprintf(note, sizeof note, "%.250s", e.msg);
        goto out;
    }
    /* the estimate's plan is made with the reference, so that both sides agree on classes */
    const vg_eval_data *both[2] = {in->ref_eval, cur};
    int with_ref = in->ref_eval != NULL;
    if (in->w->labelled == 0 && !with_ref) {
        snprintf(note, sizeof note, "no labelled rows in the window");
        snprintf(est_note, sizeof est_note, "%s", in->ref_eval_note ? in->ref_eval_note : "");
        goto out;
    }
    if (vg_eval_plan_make(with_ref ? both : both + 1, with_ref ? 2 : 1, &o, &plan, &e) != VG_OK) {
        snprintf(note, sizeof note, "%.250s", e.msg);
        snprintf(est_note, sizeof est_note, "%.250s", e.msg);
        goto out;
    }
    have_plan = 1;
    if (in->w->labelled == 0) {
        snprintf(note, sizeof note, "no labelled rows in the window");
    } else if (vg_eval_compute(cur, &plan, &o, 1, &res, &e) != VG_OK) {
        snprintf(note, sizeof note, "%.250s", e.msg);
    } else if ((model = json_object())) {
        if (vg_eval_json(res, model, &e) != VG_OK) {
            json_decref(model);
            model = NULL;
            *oom = 1;
        }
        model_samples(res, ms);
    } else {
        *oom = 1;
    }
    if (!with_ref) {
        snprintf(est_note, sizeof est_note, "%s", in->ref_eval_note ? in->ref_eval_note : "");
    } else if (plan.task != VG_TASK_BINARY || !plan.scores) {
        snprintf(est_note, sizeof est_note, "the estimate (CBPE) needs binary scores");
    } else if (vg_eval_estimate(in->ref_eval, cur, &plan, &o, &est, &e) != VG_OK) {
        snprintf(est_note, sizeof est_note, "%.250s", e.msg);
    } else if (vg_eval_compute(in->ref_eval, &plan, &o_ref, 1, &ref_res, &e) != VG_OK) {
        snprintf(est_note, sizeof est_note, "%.250s", e.msg);
    } else {
        vg_eval_result *cur_res = res;
        vg_eval_result *empty = NULL;
        if (!cur_res && vg_eval_compute(cur, &plan, &o, 1, &empty, &e) == VG_OK)
            cur_res = empty;
        vg_eval_comparison c = {ref_res, cur_res, est, ""};
        json_t *tmp = json_object();
        if (cur_res && tmp && vg_eval_json_compare(&c, tmp, &e) == VG_OK) {
            estimated = json_incref(json_object_get(tmp, "estimated"));
            const vg_estimate_metrics *m = &est->estimated;
            msamples_add(ms, "estimated_metric", m->accuracy, 1, "metric", "accuracy");
            msamples_add(ms, "estimated_metric", m->precision, 1, "metric", "precision");
            msamples_add(ms, "estimated_metric", m->recall, 1, "metric", "recall");
            msamples_add(ms, "estimated_metric", m->f1, 1, "metric", "f1");
            msamples_add(ms, "estimated_metric", m->roc_auc, 1, "metric", "roc_auc");
        } else {
            snprintf(est_note, sizeof est_note, "could not render the estimate");
        }
        json_decref(tmp);
        vg_eval_result_free(empty);
    }
out:
    /* "model" is the model's name: the section of vg_eval_json is "performance" */
    vg_json_put(root, "performance", model ? model : json_null(), oom);
    if (!model)
        vg_json_put(root, "performance_note", json_string(note), oom);
    vg_json_put(root, "estimated", estimated ? estimated : json_null(), oom);
    if (!estimated)
        vg_json_put(root, "estimated_note", vg_json_str(est_note), oom);
    vg_estimate_result_free(est);
    vg_eval_result_free(ref_res);
    vg_eval_result_free(res);
    if (have_plan)
        vg_eval_plan_free(&plan);
    vg_eval_data_free(cur);
    for (size_t c = 0; proba_names && c < np; c++)
        free(proba_names[c]);
    free(proba_names);
    free(proba);
}

/* ---- integrity ------------------------------------------------------------------------------- */

/* The window's integrity signals (integrity.c) and the shift of its predictions since the
 * previous window. */
static json_t *integrity_json(const mreport_in *in, msamples *ms, int *oom) {
    json_t *o = json_object();
    if (!o) {
        *oom = 1;
        return NULL;
    }
    if (in->w->integ)
        mint_samples(in->spec, in->w->integ, ms, o, oom);
    if (!in->reference)
        vg_json_put(o, "ood_note", json_string("no reference set"), oom);
    char note[200] = "no previous window";
    double js;
    if (in->prev && in->prev->profile &&
        mint_prediction_shift(in->reference, in->prev->profile, in->w->profile, &js, note,
                              sizeof note) == VG_OK) {
        vg_json_put(o, "prediction_shift", json_real(js), oom);
        msamples_add(ms, "prediction_shift", js, 0);
    } else {
        vg_json_put(o, "prediction_shift", json_null(), oom);
        vg_json_put(o, "prediction_shift_note", json_string(note), oom);
    }
    return o;
}

/* ---- the report ------------------------------------------------------------------------------ */

int mreport_build(const mreport_in *in, char **json, vg_metric_sample **metrics, size_t *n_metrics,
                  vg_error *err) {
    const vg_model_spec *s = in->spec;
    const mwin *w = in->w;
    msamples ms = {0};
    int oom = 0;
    json_t *root = json_object(), *win = json_object(), *drift = json_object();
    if (!root || !win || !drift) {
        json_decref(root), json_decref(win), json_decref(drift);
        return vg_error_set(err, VG_ERR_NOMEM, "out of memory");
    }
    char t0[40], t1[40], name[64];
    vg_json_put(root, "model", vg_json_str(s->name), &oom);
    vg_json_put(root, "version", vg_json_str(s->version), &oom);
    vg_json_put(root, "task", json_string(vg_task_name(s->task)), &oom);
    vg_json_put(win, "key", json_integer((json_int_t)w->key), &oom);
    if (w->rows > 0 || s->window_count == 0) {
        mfmt_time(w->start_ms, t0, sizeof t0);
        mfmt_time(w->end_ms, t1, sizeof t1);
        vg_json_put(win, "start", json_string(t0), &oom);
        vg_json_put(win, "end", json_string(t1), &oom);
    } else {
        vg_json_put(win, "start", json_null(), &oom);
        vg_json_put(win, "end", json_null(), &oom);
    }
    vg_json_put(win, "rows", vg_json_count(w->rows), &oom);
    vg_json_put(win, "labelled", vg_json_count(w->labelled), &oom);
    /* rows kept for the model metrics: all, up to max_join per window */
    vg_json_put(win, "model_rows", vg_json_count(w->nrows), &oom);
    vg_json_put(win, "revision", json_integer(w->revision ? w->revision : 1), &oom);
    vg_json_put(root, "window", win, &oom);
    msamples_add(&ms, "window_rows", (double)w->rows, 0);
    msamples_add(&ms, "window_labelled_rows", (double)w->labelled, 0);
    if (s->pii_policy != VG_PII_POLICY_OFF) {
        json_t *pii = mpii_report(s, w, &ms);
        if (!pii)
            oom = 1;
        vg_json_put(root, "pii", pii, &oom);
    }

    snprintf(name, sizeof name, "window %lld", (long long)w->key);
    char note[300] = "";
    json_t *d = NULL;
    if (in->reference) {
        d = drift_json(s, in->reference, w->profile, "reference", "reference", name, &ms, note,
                       sizeof note);
    } else {
        snprintf(note, sizeof note, "no reference set");
    }
    vg_json_put(drift, "reference", d ? d : json_null(), &oom);
    if (!d)
        vg_json_put(drift, "reference_note", json_string(note), &oom);
    d = NULL;
    if (in->prev && in->prev->profile) {
        char pname[64];
        snprintf(pname, sizeof pname, "window %lld", (long long)in->prev->key);
        d = drift_json(s, in->prev->profile, w->profile, "previous", pname, name, &ms, note,
                       sizeof note);
    } else {
        snprintf(note, sizeof note, "no previous window");
    }
    vg_json_put(drift, "previous", d ? d : json_null(), &oom);
    if (!d)
        vg_json_put(drift, "previous_note", json_string(note), &oom);
    vg_json_put(root, "drift", drift, &oom);
    vg_json_put(root, "quality", quality_json(s, in->reference, w->profile, &ms, &oom), &oom);
    if (s->integrity.enabled)
        vg_json_put(root, "integrity", integrity_json(in, &ms, &oom), &oom);
    model_json(in, root, &ms, &oom);
    char *txt = oom || ms.oom ? NULL : json_dumps(root, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(root);
    if (!txt) {
        free(ms.s);
        return vg_error_set(err, VG_ERR_NOMEM, "out of memory rendering a window report");
    }
    *json = txt;
    *metrics = ms.s;
    *n_metrics = ms.n;
    return VG_OK;
}
