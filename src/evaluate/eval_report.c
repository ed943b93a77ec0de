/*
 * Evaluation results -> JSON (keys documented in docs/evaluate.md) and terminal tables.
 *
 * One dataset (`vigia evaluate`) gives each section as an object; a comparison gives each as
 * {"reference": ..., "current": ...} built by the same functions, so that a consumer reads
 * one layout. The text form is a list of metrics (side by side with the change for a
 * comparison), the confusion matrix and, per sensitive grouping, a table of groups with the
 * four-fifths flag. NaN is null in JSON and "-" in text.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../report/json.h"
#include "../report/table.h"
#include "internal.h"

/* ---- JSON -------------------------------------------------------------------------------------
 */

static json_t *num_array(const double *x, size_t n, int *oom) {
    json_t *a = json_array();
    for (size_t i = 0; a && i < n; i++)
        if (json_array_append_new(a, vg_json_num(x[i])) != 0)
            *oom = 1;
    if (!a)
        *oom = 1;
    return a;
}

static json_t *count_array(const uint64_t *x, size_t n, int *oom) {
    json_t *a = json_array();
    for (size_t i = 0; a && i < n; i++)
        if (json_array_append_new(a, vg_json_count(x[i])) != 0)
            *oom = 1;
    if (!a)
        *oom = 1;
    return a;
}

static json_t *str_array(char *const *s, size_t n, int *oom) {
    json_t *a = json_array();
    for (size_t i = 0; a && i < n; i++)
        if (json_array_append_new(a, vg_json_str(s[i])) != 0)
            *oom = 1;
    if (!a)
        *oom = 1;
    return a;
}

static json_t *curve_json(const vg_perf_curve *c, const char *x, const char *y, int *oom) {
    json_t *o = json_object();
    if (!o) {
        *oom = 1;
        return NULL;
    }
    vg_json_put(o, x, num_array(c->x, c->n, oom), oom);
    vg_json_put(o, y, num_array(c->y, c->n, oom), oom);
    vg_json_put(o, "threshold", num_array(c->threshold, c->n, oom), oom);
    vg_json_put(o, "points_full", vg_json_count(c->n_full), oom);
    return o;
}

static json_t *binary_json(const vg_eval_result *r, int *oom) {
    const vg_perf_binary *b = &r->binary;
    const vg_eval_plan *p = r->plan;
    json_t *o = json_object(), *cm = json_object(), *m = json_array(), *row0 = json_array(),
           *row1 = json_array();
    if (!o || !cm || !m || !row0 || !row1) {
        *oom = 1;
        json_decref(o), json_decref(cm), json_decref(m), json_decref(row0), json_decref(row1);
        return NULL;
    }
    /* rows and columns: negative class, then positive */
    char *labels[2] = {p->classes[1 - p->pos], p->classes[p->pos]};
    vg_json_put(o, "type", json_string("binary"), oom);
    vg_json_put(o, "n", vg_json_count(b->n), oom);
    vg_json_put(o, "positive_class", vg_json_str(p->classes[p->pos]), oom);
    vg_json_put(o, "positives", vg_json_count(b->n_pos), oom);
    vg_json_put(o, "negatives", vg_json_count(b->n_neg), oom);
    vg_json_put(o, "threshold", p->scores ? vg_json_num(r->threshold) : json_null(), oom);
    vg_json_put(o, "tn", vg_json_count(b->tn), oom);
    vg_json_put(o, "fp", vg_json_count(b->fp), oom);
    vg_json_put(o, "fn", vg_json_count(b->fn), oom);
    vg_json_put(o, "tp", vg_json_count(b->tp), oom);
    json_array_append_new(row0, vg_json_count(b->tn));
    json_array_append_new(row0, vg_json_count(b->fp));
    json_array_append_new(row1, vg_json_count(b->fn));
    json_array_append_new(row1, vg_json_count(b->tp));
    json_array_append_new(m, row0);
    json_array_append_new(m, row1);
    vg_json_put(cm, "labels", str_array(labels, 2, oom), oom);
    vg_json_put(cm, "matrix", m, oom);
    vg_json_put(o, "confusion_matrix", cm, oom);
    static const char *const names[] = {"accuracy", "precision",   "recall",
                                        "f1",       "specificity", "balanced_accuracy",
                                        "mcc",      "roc_auc",     "average_precision",
                                        "log_loss", "brier",       "ece"};
    const double vals[] = {b->accuracy,          b->precision,         b->recall, b->f1,
                           b->specificity,       b->balanced_accuracy, b->mcc,    b->roc_auc,
                           b->average_precision, b->log_loss,          b->brier,  b->ece};
    for (size_t i = 0; i < sizeof names / sizeof *names; i++)
        vg_json_put(o, names[i], vg_json_num(vals[i]), oom);
    vg_json_put(o, "single_class", json_boolean(b->single_class), oom);
    vg_json_put(o, "has_scores", json_boolean(b->has_scores), oom);
    if (b->has_scores) {
        vg_json_put(o, "roc_curve", curve_json(&b->roc, "fpr", "tpr", oom), oom);
        vg_json_put(o, "pr_curve", curve_json(&b->pr, "recall", "precision", oom), oom);
        json_t *cal = json_object();
        if (!cal)
            *oom = 1;
        else {
            vg_json_put(cal, "bins", vg_json_count(b->calibration_bins), oom);
            vg_json_put(cal, "count", count_array(b->cal_count, b->calibration_bins, oom), oom);
            vg_json_put(cal, "prob_true", num_array(b->cal_prob_true, b->calibration_bins, oom),
                        oom);
            vg_json_put(cal, "prob_pred", num_array(b->cal_prob_pred, b->calibration_bins, oom),
                        oom);
        }
        vg_json_put(o, "calibration", cal, oom);
    } else {
        vg_json_put(o, "roc_curve", json_null(), oom);
        vg_json_put(o, "pr_curve", json_null(), oom);
        vg_json_put(o, "calibration", json_null(), oom);
    }
    return o;
}

static json_t *multiclass_json(const vg_eval_result *r, int *oom) {
    const vg_perf_multiclass *mc = &r->multiclass;
    const vg_eval_plan *p = r->plan;
    json_t *o = json_object(), *cm = json_object(), *m = json_array(), *per = json_object();
    if (!o || !cm || !m || !per) {
        *oom = 1;
        json_decref(o), json_decref(cm), json_decref(m), json_decref(per);
        return NULL;
    }
    size_t k = mc->k;
    vg_json_put(o, "type", json_string("multiclass"), oom);
    vg_json_put(o, "n", vg_json_count(mc->n), oom);
    vg_json_put(o, "classes", str_array(p->classes, k, oom), oom);
    for (size_t i = 0; i < k; i++)
        if (json_array_append_new(m, count_array(mc->confusion + i * k, k, oom)) != 0)
            *oom = 1;
    vg_json_put(cm, "labels", str_array(p->classes, k, oom), oom);
    vg_json_put(cm, "matrix", m, oom);
    vg_json_put(o, "confusion_matrix", cm, oom);
    static const char *const names[] = {"accuracy",
                                        "balanced_accuracy",
                                        "mcc",
                                        "macro_precision",
                                        "macro_recall",
                                        "macro_f1",
                                        "micro_precision",
                                        "micro_recall",
                                        "micro_f1",
                                        "weighted_precision",
                                        "weighted_recall",
                                        "weighted_f1",
                                        "log_loss"};
    const double vals[] = {mc->accuracy,
                           mc->balanced_accuracy,
                           mc->mcc,
                           mc->macro_precision,
                           mc->macro_recall,
                           mc->macro_f1,
                           mc->micro_precision,
                           mc->micro_recall,
                           mc->micro_f1,
                           mc->weighted_precision,
                           mc->weighted_recall,
                           mc->weighted_f1,
                           mc->log_loss};
    for (size_t i = 0; i < sizeof names / sizeof *names; i++)
        vg_json_put(o, names[i], vg_json_num(vals[i]), oom);
    vg_json_put(o, "has_proba", json_boolean(mc->has_proba), oom);
    vg_json_put(o, "top_k", mc->top_k ? vg_json_count(mc->top_k) : json_null(), oom);
    vg_json_put(o, "top_k_accuracy", vg_json_num(mc->top_k_accuracy), oom);
    for (size_t i = 0; i < k; i++) {
        json_t *c = json_object();
        if (!c) {
            *oom = 1;
            break;
        }
        vg_json_put(c, "precision", vg_json_num(mc->precision[i]), oom);
        vg_json_put(c, "recall", vg_json_num(mc->recall[i]), oom);
        vg_json_put(c, "f1", vg_json_num(mc->f1[i]), oom);
        vg_json_put(c, "support", vg_json_count(mc->support[i]), oom);
        vg_json_put(per, p->classes[i], c, oom);
    }
    vg_json_put(o, "per_class", per, oom);
    return o;
}

static json_t *regression_json(const vg_eval_result *r, int *oom) {
    const vg_perf_regression *g = &r->regression;
    json_t *o = json_object(), *q = json_object();
    if (!o || !q) {
        *oom = 1;
        json_decref(o), json_decref(q);
        return NULL;
    }
    vg_json_put(o, "n", vg_json_count(g->n), oom);
    static const char *const names[] = {"mae",          "mse", "rmse",      "mape",
                                        "mape_nonzero", "r2",  "median_ae", "mean_error"};
    const double vals[] = {g->mae,          g->mse, g->rmse,      g->mape,
                           g->mape_nonzero, g->r2,  g->median_ae, g->mean_error};
    for (size_t i = 0; i < sizeof names / sizeof *names; i++)
        vg_json_put(o, names[i], vg_json_num(vals[i]), oom);
    vg_json_put(o, "zero_targets", vg_json_count(g->zero_targets), oom);
    for (size_t i = 0; i < g->n_quantiles; i++) {
        char key[32];
        snprintf(key, sizeof key, "%g", g->quantile[i]);
        vg_json_put(q, key, vg_json_num(g->error_quantile[i]), oom);
    }
    vg_json_put(o, "error_quantiles", q, oom);
    return o;
}

static json_t *grouping_json(const vg_eval_fairness *f, int *oom) {
    const vg_fair_result *fr = f->result;
    json_t *o = json_object(), *groups = json_array();
    if (!o || !groups) {
        *oom = 1;
        json_decref(o), json_decref(groups);
        return NULL;
    }
    vg_json_put(o, "sensitive",
                f->n_columns == 1 ? vg_json_str(f->columns[0])
                                  : str_array(f->columns, f->n_columns, oom),
                oom);
    vg_json_put(o, "has_labels", json_boolean(fr->has_labels), oom);
    vg_json_put(o, "min_group_size", vg_json_count(fr->min_group_size), oom);
    vg_json_put(o, "four_fifths_threshold", vg_json_num(fr->four_fifths), oom);
    vg_json_put(o, "reference_group", vg_json_str(fr->groups[fr->reference].name), oom);
    vg_json_put(o, "reference_small", json_boolean(fr->reference_small), oom);
    vg_json_put(o, "eligible_groups", vg_json_count(fr->n_eligible), oom);
    vg_json_put(o, "demographic_parity_difference", vg_json_num(fr->demographic_parity_difference),
                oom);
    vg_json_put(o, "demographic_parity_ratio", vg_json_num(fr->demographic_parity_ratio), oom);
    vg_json_put(o, "four_fifths_violation", json_boolean(fr->four_fifths_violation), oom);
    int l = fr->has_labels;
    vg_json_put(o, "equal_opportunity_difference",
                l ? vg_json_num(fr->equal_opportunity_difference) : json_null(), oom);
    vg_json_put(o, "fpr_difference", l ? vg_json_num(fr->fpr_difference) : json_null(), oom);
    vg_json_put(o, "equalized_odds_difference",
                l ? vg_json_num(fr->equalized_odds_difference) : json_null(), oom);
    vg_json_put(o, "predictive_parity_difference",
                l ? vg_json_num(fr->predictive_parity_difference) : json_null(), oom);
    vg_json_put(o, "accuracy_difference", l ? vg_json_num(fr->accuracy_difference) : json_null(),
                oom);
    for (size_t g = 0; g < fr->n_groups; g++) {
        const vg_fair_group *gr = &fr->groups[g];
        if (gr->counts.n == 0 && f->n_columns > 1)
            continue; /* combinations that never occur */
        json_t *e = json_object();
        if (!e) {
            *oom = 1;
            break;
        }
        vg_json_put(e, "name", vg_json_str(gr->name), oom);
        vg_json_put(e, "count", vg_json_count(gr->counts.n), oom);
        vg_json_put(e, "small", json_boolean(gr->small), oom);
        vg_json_put(e, "selected", vg_json_count(gr->counts.n_selected), oom);
        if (l) {
            vg_json_put(e, "tp", vg_json_count(gr->counts.tp), oom);
            vg_json_put(e, "fp", vg_json_count(gr->counts.fp), oom);
            vg_json_put(e, "fn", vg_json_count(gr->counts.fn), oom);
            vg_json_put(e, "tn", vg_json_count(gr->counts.tn), oom);
        }
        vg_json_put(e, "selection_rate", vg_json_num(gr->selection_rate), oom);
        vg_json_put(e, "tpr", vg_json_num(gr->tpr), oom);
        vg_json_put(e, "fpr", vg_json_num(gr->fpr), oom);
        vg_json_put(e, "precision", vg_json_num(gr->precision), oom);
        vg_json_put(e, "accuracy", vg_json_num(gr->accuracy), oom);
        vg_json_put(e, "selection_rate_difference", vg_json_num(gr->selection_rate_diff), oom);
        vg_json_put(e, "selection_rate_ratio", vg_json_num(gr->selection_rate_ratio), oom);
        vg_json_put(e, "four_fifths_violation", json_boolean(gr->four_fifths_violation), oom);
        vg_json_put(e, "tpr_difference", vg_json_num(gr->tpr_diff), oom);
        vg_json_put(e, "fpr_difference", vg_json_num(gr->fpr_diff), oom);
        vg_json_put(e, "precision_difference", vg_json_num(gr->precision_diff), oom);
        vg_json_put(e, "accuracy_difference", vg_json_num(gr->accuracy_diff), oom);
        if (json_array_append_new(groups, e) != 0)
            *oom = 1;
    }
    vg_json_put(o, "groups", groups, oom);
    return o;
}

static json_t *task_json(const vg_eval_plan *p, double threshold, int *oom) {
    json_t *o = json_object();
    if (!o) {
        *oom = 1;
        return NULL;
    }
    vg_json_put(o, "name", json_string(vg_task_name(p->task)), oom);
    vg_json_put(o, "inferred", json_boolean(p->task_inferred), oom);
    vg_json_put(o, "reason", vg_json_str(p->task_reason), oom);
    const char *kind = p->task == VG_TASK_REGRESSION ? "values"
                       : p->proba                    ? "probabilities"
                       : p->scores                   ? "scores"
                                                     : "labels";
    vg_json_put(o, "prediction", json_string(kind), oom);
    vg_json_put(o, "prediction_reason", vg_json_str(p->prediction_reason), oom);
    if (p->task == VG_TASK_REGRESSION) {
        vg_json_put(o, "classes", json_null(), oom);
    } else {
        vg_json_put(o, "classes", str_array(p->classes, p->n_classes, oom), oom);
    }
    int bin = p->task == VG_TASK_BINARY;
    vg_json_put(o, "positive_class", bin ? vg_json_str(p->classes[p->pos]) : json_null(), oom);
    vg_json_put(o, "positive_class_reason", bin ? vg_json_str(p->pos_reason) : json_null(), oom);
    vg_json_put(o, "threshold", bin && p->scores ? vg_json_num(threshold) : json_null(), oom);
    return o;
}

static json_t *rows_json(const vg_eval_result *r, int *oom) {
    json_t *o = json_object();
    if (!o) {
        *oom = 1;
        return NULL;
    }
    vg_json_put(o, "total", vg_json_count(r->rows), oom);
    vg_json_put(o, "evaluated", vg_json_count(r->evaluated), oom);
    vg_json_put(o, "excluded", vg_json_count(r->excluded), oom);
    vg_json_put(o, "missing_target", vg_json_count(r->missing_target), oom);
    vg_json_put(o, "missing_prediction", vg_json_count(r->missing_prediction), oom);
    vg_json_put(o, "labelled", json_boolean(r->has_labels), oom);
    return o;
}

static json_t *classification_json(const vg_eval_result *r, int *oom) {
    if (!r->computed || r->plan->task == VG_TASK_REGRESSION)
        return json_null();
    return r->plan->task == VG_TASK_BINARY ? binary_json(r, oom) : multiclass_json(r, oom);
}

static json_t *regr_json(const vg_eval_result *r, int *oom) {
    if (!r->computed || r->plan->task != VG_TASK_REGRESSION)
        return json_null();
    return regression_json(r, oom);
}

static json_t *fairness_json(const vg_eval_result *r, int *oom) {
    if (r->n_fair == 0 && !r->fairness_note[0])
        return json_null();
    json_t *o = json_object(), *a = json_array();
    if (!o || !a) {
        *oom = 1;
        json_decref(o), json_decref(a);
        return NULL;
    }
    vg_json_put(o, "applicable", json_boolean(r->fairness_note[0] == '\0'), oom);
    vg_json_put(o, "note", r->fairness_note[0] ? vg_json_str(r->fairness_note) : json_null(), oom);
    for (size_t k = 0; k < r->n_fair; k++)
        if (json_array_append_new(a, grouping_json(&r->fair[k], oom)) != 0)
            *oom = 1;
    vg_json_put(o, "groupings", a, oom);
    return o;
}

typedef json_t *(*section_fn)(const vg_eval_result *, int *);

static const struct {
    const char *key;
    section_fn fn;
} sections[] = {{"evaluated_rows", rows_json},
                {"classification", classification_json},
                {"regression", regr_json},
                {"fairness", fairness_json}};

int vg_eval_json(const vg_eval_result *r, json_t *root, vg_error *err) {
    int oom = 0;
    vg_json_put(root, "task", task_json(r->plan, r->threshold, &oom), &oom);
    for (size_t s = 0; s < sizeof sections / sizeof *sections; s++)
        vg_json_put(root, sections[s].key, sections[s].fn(r, &oom), &oom);
    return oom ? vg_error_set(err, VG_ERR_NOMEM, "out of memory rendering JSON") : VG_OK;
}

static json_t *est_metrics_json(const vg_estimate_metrics *m, int *oom) {
    json_t *o = json_object();
    if (!o) {
        *oom = 1;
        return NULL;
    }
    vg_json_put(o, "n", vg_json_count(m->n), oom);
    vg_json_put(o, "accuracy", vg_json_num(m->accuracy), oom);
    vg_json_put(o, "precision", vg_json_num(m->precision), oom);
    vg_json_put(o, "recall", vg_json_num(m->recall), oom);
    vg_json_put(o, "f1", vg_json_num(m->f1), oom);
    vg_json_put(o, "roc_auc", vg_json_num(m->roc_auc), oom);
    return o;
}

static json_t *estimated_json(const vg_eval_comparison *c, int *oom) {
    json_t *o = json_object();
    if (!o) {
        *oom = 1;
        return NULL;
    }
    const vg_estimate_result *e = c->estimated;
    vg_json_put(o, "applicable", json_boolean(e != NULL), oom);
    vg_json_put(o, "note", e ? json_null() : vg_json_str(c->estimate_note), oom);
    if (!e)
        return o;
    vg_json_put(o, "method", json_string("cbpe"), oom);
    json_t *cal = json_object();
    if (cal) {
        vg_json_put(cal, "calibrated", json_boolean(e->calibration.calibrated), oom);
        vg_json_put(cal, "calibrator_applied", json_boolean(e->calibration_applied), oom);
        vg_json_put(cal, "ece", vg_json_num(e->calibration.ece), oom);
        vg_json_put(cal, "statistic", vg_json_num(e->calibration.statistic), oom);
        vg_json_put(cal, "df", vg_json_num(e->calibration.df), oom);
        vg_json_put(cal, "p_value", vg_json_num(e->calibration.p_value), oom);
        vg_json_put(cal, "warning",
                    e->calibration.warning[0] ? vg_json_str(e->calibration.warning) : json_null(),
                    oom);
    } else {
        *oom = 1;
    }
    vg_json_put(o, "calibration", cal, oom);
    vg_json_put(o, "reference", est_metrics_json(&e->reference, oom), oom);
    json_t *cur = est_metrics_json(&e->estimated, oom);
    if (cur) {
        const vg_estimate_metrics *m = &e->estimated;
        json_t *ci = json_array();
        if (ci) {
            json_array_append_new(ci, vg_json_num(m->accuracy - 1.96 * m->accuracy_se));
            json_array_append_new(ci, vg_json_num(m->accuracy + 1.96 * m->accuracy_se));
        }
        vg_json_put(cur, "accuracy_se", vg_json_num(m->accuracy_se), oom);
        vg_json_put(cur, "accuracy_interval_95", ci, oom);
        const vg_eval_result *r = c->current;
        if (r && r->computed) {
            json_t *re = json_object();
            if (re) {
                vg_json_put(re, "n", vg_json_count(r->binary.n), oom);
                vg_json_put(re, "accuracy", vg_json_num(r->binary.accuracy), oom);
                vg_json_put(re, "precision", vg_json_num(r->binary.precision), oom);
                vg_json_put(re, "recall", vg_json_num(r->binary.recall), oom);
                vg_json_put(re, "f1", vg_json_num(r->binary.f1), oom);
                vg_json_put(re, "roc_auc", vg_json_num(r->binary.roc_auc), oom);
            }
            vg_json_put(cur, "realised", re, oom);
        } else {
            vg_json_put(cur, "realised", json_null(), oom);
        }
    }
    vg_json_put(o, "current", cur, oom);
    return o;
}

static json_t *pair(json_t *ref, json_t *cur, int *oom) {
    json_t *o = json_object();
    if (!o) {
        *oom = 1;
        json_decref(ref), json_decref(cur);
        return NULL;
    }
    vg_json_put(o, "reference", ref, oom);
    vg_json_put(o, "current", cur, oom);
    return o;
}

int vg_eval_json_compare(const vg_eval_comparison *c, json_t *root, vg_error *err) {
    int oom = 0;
    vg_json_put(root, "task", task_json(c->reference->plan, c->reference->threshold, &oom), &oom);
    for (size_t s = 0; s < sizeof sections / sizeof *sections; s++)
        vg_json_put(
            root, sections[s].key,
            pair(sections[s].fn(c->reference, &oom), sections[s].fn(c->current, &oom), &oom), &oom);
    vg_json_put(root, "estimated", estimated_json(c, &oom), &oom);
    return oom ? vg_error_set(err, VG_ERR_NOMEM, "out of memory rendering JSON") : VG_OK;
}

/* ---- text --------------------------------------------------------------------------------------
 */

#define MAX_METRICS 24

typedef struct metric_list {
    size_t n;
    const char *name[MAX_METRICS];
    double v[MAX_METRICS];
} metric_list;

static void add_metric(metric_list *m, const char *name, double v) {
    if (m->n < MAX_METRICS) {
        m->name[m->n] = name;
        m->v[m->n++] = v;
    }
}

/* The headline metrics of a result, in display order (the same names for both sides of a
 * comparison, since both use one plan). */
static void metrics_of(const vg_eval_result *r, metric_list *m) {
    memset(m, 0, sizeof *m);
    vg_task t = r->plan->task;
    if (t == VG_TASK_BINARY) {
        const vg_perf_binary *b = &r->binary;
        add_metric(m, "accuracy", b->accuracy);
        add_metric(m, "precision", b->precision);
        add_metric(m, "recall", b->recall);
        add_metric(m, "f1", b->f1);
        add_metric(m, "specificity", b->specificity);
        add_metric(m, "balanced accuracy", b->balanced_accuracy);
        add_metric(m, "mcc", b->mcc);
        if (r->plan->scores) {
            add_metric(m, "roc auc", b->roc_auc);
            add_metric(m, "average precision", b->average_precision);
            add_metric(m, "log loss", b->log_loss);
            add_metric(m, "brier", b->brier);
            add_metric(m, "ece", b->ece);
        }
    } else if (t == VG_TASK_MULTICLASS) {
        const vg_perf_multiclass *c = &r->multiclass;
        add_metric(m, "accuracy", c->accuracy);
        add_metric(m, "balanced accuracy", c->balanced_accuracy);
        add_metric(m, "mcc", c->mcc);
        add_metric(m, "macro precision", c->macro_precision);
        add_metric(m, "macro recall", c->macro_recall);
        add_metric(m, "macro f1", c->macro_f1);
        add_metric(m, "weighted precision", c->weighted_precision);
        add_metric(m, "weighted recall", c->weighted_recall);
        add_metric(m, "weighted f1", c->weighted_f1);
        if (r->plan->proba) {
            add_metric(m, "log loss", c->log_loss);
            if (c->top_k)
                add_metric(m, "top-k accuracy", c->top_k_accuracy);
        }
    } else {
        const vg_perf_regression *g = &r->regression;
        add_metric(m, "mae", g->mae);
        add_metric(m, "rmse", g->rmse);
        add_metric(m, "mse", g->mse);
        add_metric(m, "r2", g->r2);
        add_metric(m, "mape", g->mape);
        add_metric(m, "mape (nonzero targets)", g->mape_nonzero);
        add_metric(m, "median abs error", g->median_ae);
        add_metric(m, "mean error (bias)", g->mean_error);
        for (size_t i = 0; i < g->n_quantiles && i < 5; i++) {
            static const char *const qn[] = {"error q05", "error q25", "error q50", "error q75",
                                             "error q95"};
            add_metric(m, qn[i], g->error_quantile[i]);
        }
    }
}

static void print_task(const vg_eval_plan *p, double threshold, FILE *f) {
    fprintf(f, "task: %s (%s: %s)\n", vg_task_name(p->task),
            p->task_inferred ? "inferred" : "given", p->task_reason);
    fprintf(f, "model output: %s", p->prediction_reason);
    if (p->task == VG_TASK_BINARY) {
        if (p->scores)
            fprintf(f, ", threshold %g", threshold);
        fprintf(f, "; positive class %s", p->pos_reason);
    }
    fputc('\n', f);
}

static void print_rows(const vg_eval_result *r, const char *label, FILE *f) {
    fprintf(f, "%s%s: %llu rows", label, r->path, (unsigned long long)r->rows);
    if (!r->has_labels) {
        fprintf(f, ", no labels (target missing in every row): metrics need labels\n");
        return;
    }
    fprintf(f, ", %llu evaluated", (unsigned long long)r->evaluated);
    if (r->excluded)
        fprintf(f, " (%llu excluded: %llu without a target, %llu without a prediction)",
                (unsigned long long)r->excluded, (unsigned long long)r->missing_target,
                (unsigned long long)r->missing_prediction);
    fputc('\n', f);
}

static int print_confusion(const vg_eval_result *r, const char *label, FILE *f) {
    const vg_eval_plan *p = r->plan;
    size_t k = p->task == VG_TASK_BINARY ? 2 : r->multiclass.k;
    if (k > 20) {
        fprintf(f, "\nconfusion matrix%s: %zu classes, see the JSON output\n", label, k);
        return 0;
    }
    vg_table *t = vg_table_new(k + 1);
    if (!t)
        return -1;
    fprintf(f, "\nconfusion matrix%s (rows: actual, columns: predicted)\n", label);
    vg_table_cell(t, 0, "%s", "");
    size_t order[2] = {1 - p->pos, p->pos};
    for (size_t j = 0; j < k; j++)
        vg_table_cell(t, 1, "%s", p->classes[k == 2 && p->task == VG_TASK_BINARY ? order[j] : j]);
    for (size_t i = 0; i < k; i++) {
        if (p->task == VG_TASK_BINARY) {
            const vg_perf_binary *b = &r->binary;
            vg_table_cell(t, 0, "%s", p->classes[order[i]]);
            vg_table_cell(t, 1, "%llu", (unsigned long long)(i ? b->fn : b->tn));
            vg_table_cell(t, 1, "%llu", (unsigned long long)(i ? b->tp : b->fp));
        } else {
            vg_table_cell(t, 0, "%s", p->classes[i]);
            for (size_t j = 0; j < k; j++)
                vg_table_cell(t, 1, "%llu", (unsigned long long)r->multiclass.confusion[i * k + j]);
        }
    }
    int rc = vg_table_print(t, f);
    vg_table_free(t);
    return rc;
}

static int print_fairness(const vg_eval_result *r, const char *label, FILE *f) {
    if (r->fairness_note[0]) {
        fprintf(f, "\nfairness: %s\n", r->fairness_note);
        return 0;
    }
    for (size_t k = 0; k < r->n_fair; k++) {
        const vg_eval_fairness *fa = &r->fair[k];
        const vg_fair_result *fr = fa->result;
        fprintf(f, "\nfairness by ");
        for (size_t c = 0; c < fa->n_columns; c++)
            fprintf(f, "%s'%s'", c ? " & " : "", fa->columns[c]);
        fprintf(f, "%s%s (reference group %s%s, min group size %llu)\n", label ? ", " : "",
                label ? label : "", fr->groups[fr->reference].name,
                fr->reference_small ? " (small: no comparison)" : "",
                (unsigned long long)fr->min_group_size);
        fprintf(f,
                "demographic parity: difference %.4g, ratio %.4g%s; equalized odds difference "
                "%.4g; equal opportunity difference %.4g\n",
                fr->demographic_parity_difference, fr->demographic_parity_ratio,
                fr->four_fifths_violation ? " (below four fifths: DISPARATE IMPACT)" : "",
                fr->equalized_odds_difference, fr->equal_opportunity_difference);
        vg_table *t = vg_table_new(9);
        if (!t)
            return -1;
        const char *head[] = {"group", "count",     "selection rate", "ratio to ref", "tpr",
                              "fpr",   "precision", "accuracy",       "flag"};
        for (int i = 0; i < 9; i++)
            vg_table_cell(t, i > 0 && i < 8, "%s", head[i]);
        for (size_t g = 0; g < fr->n_groups; g++) {
            const vg_fair_group *gr = &fr->groups[g];
            if (gr->counts.n == 0 && fa->n_columns > 1)
                continue;
            vg_table_cell(t, 0, "%s", gr->name);
            vg_table_cell(t, 1, "%llu", (unsigned long long)gr->counts.n);
            vg_table_num(t, gr->selection_rate);
            vg_table_num(t, gr->selection_rate_ratio);
            vg_table_num(t, gr->tpr);
            vg_table_num(t, gr->fpr);
            vg_table_num(t, gr->precision);
            vg_table_num(t, gr->accuracy);
            vg_table_cell(t, 0, "%s",
                          gr->small                   ? "small"
                          : gr->four_fifths_violation ? "FOUR-FIFTHS"
                          : g == fr->reference        ? "reference"
                                                      : "");
        }
        int rc = vg_table_print(t, f);
        vg_table_free(t);
        if (rc)
            return rc;
    }
    return 0;
}

int vg_eval_text(const vg_eval_result *r, FILE *f, vg_error *err) {
    print_rows(r, "", f);
    print_task(r->plan, r->threshold, f);
    int rc = 0;
    if (r->computed) {
        metric_list m;
        metrics_of(r, &m);
        vg_table *t = vg_table_new(2);
        if (!t)
            return vg_error_set(err, VG_ERR_NOMEM, "out of memory");
        fputc('\n', f);
        vg_table_cell(t, 0, "metric");
        vg_table_cell(t, 1, "value");
        for (size_t i = 0; i < m.n; i++) {
            vg_table_cell(t, 0, "%s", m.name[i]);
            vg_table_num(t, m.v[i]);
        }
        rc = vg_table_print(t, f);
        vg_table_free(t);
        if (rc == 0 && r->plan->task != VG_TASK_REGRESSION)
            rc = print_confusion(r, "", f);
        if (rc == 0 && r->plan->task == VG_TASK_BINARY && r->binary.single_class)
            fprintf(f, "note: the target holds one class only: ROC AUC is undefined\n");
    }
    if (rc == 0)
        rc = print_fairness(r, NULL, f);
    return rc == 0 ? VG_OK : vg_error_set(err, VG_ERR_IO, "cannot write the report");
}

int vg_eval_text_compare(const vg_eval_comparison *c, FILE *f, vg_error *err) {
    const vg_eval_result *ref = c->reference, *cur = c->current;
    fprintf(f, "model\n");
    print_rows(ref, "reference ", f);
    print_rows(cur, "current ", f);
    print_task(ref->plan, ref->threshold, f);
    int rc = 0;
    if (ref->computed || cur->computed) {
        metric_list a, b;
        metrics_of(ref, &a);
        metrics_of(cur, &b);
        vg_table *t = vg_table_new(4);
        if (!t)
            return vg_error_set(err, VG_ERR_NOMEM, "out of memory");
        fputc('\n', f);
        vg_table_cell(t, 0, "metric");
        vg_table_cell(t, 1, "reference");
        vg_table_cell(t, 1, "current");
        vg_table_cell(t, 1, "change");
        for (size_t i = 0; i < a.n; i++) {
            double va = ref->computed ? a.v[i] : NAN, vb = cur->computed ? b.v[i] : NAN;
            vg_table_cell(t, 0, "%s", a.name[i]);
            vg_table_num(t, va);
            vg_table_num(t, vb);
            if (isnan(vb - va))
                vg_table_cell(t, 1, "-");
            else
                vg_table_cell(t, 1, "%+.4g", vb - va);
        }
        rc = vg_table_print(t, f);
        vg_table_free(t);
    }
    if (ref->plan->task != VG_TASK_REGRESSION) {
        if (rc == 0 && ref->computed)
            rc = print_confusion(ref, ", reference", f);
        if (rc == 0 && cur->computed)
            rc = print_confusion(cur, ", current", f);
    }
    if (rc == 0 && c->estimated) {
        const vg_estimate_result *e = c->estimated;
        const vg_estimate_metrics *m = &e->estimated;
        fprintf(f, "\nestimated performance of the current data (CBPE, no labels needed)%s\n",
                e->calibration_applied ? ", scores recalibrated on the reference" : "");
        if (e->calibration.warning[0])
            fprintf(f, "warning: %s\n", e->calibration.warning);
        vg_table *t = vg_table_new(4);
        if (!t)
            return vg_error_set(err, VG_ERR_NOMEM, "out of memory");
        vg_table_cell(t, 0, "metric");
        vg_table_cell(t, 1, "reference");
        vg_table_cell(t, 1, "estimated");
        vg_table_cell(t, 1, "realised");
        const char *nm[] = {"accuracy", "precision", "recall", "f1", "roc auc"};
        const double ev[] = {m->accuracy, m->precision, m->recall, m->f1, m->roc_auc};
        const double rv[] = {e->reference.accuracy, e->reference.precision, e->reference.recall,
                             e->reference.f1, e->reference.roc_auc};
        const vg_perf_binary *cb = &cur->binary;
        const double cv[] = {cb->accuracy, cb->precision, cb->recall, cb->f1, cb->roc_auc};
        for (int i = 0; i < 5; i++) {
            vg_table_cell(t, 0, "%s", nm[i]);
            vg_table_num(t, rv[i]);
            if (i == 0)
                vg_table_cell(t, 1, "%.4g ±%.2g", ev[i], 1.96 * m->accuracy_se);
            else
                vg_table_num(t, ev[i]);
            vg_table_num(t, cur->computed ? cv[i] : NAN);
        }
        rc = vg_table_print(t, f);
        vg_table_free(t);
    } else if (rc == 0 && c->estimate_note[0]) {
        fprintf(f, "\nestimated performance: %s\n", c->estimate_note);
    }
    if (rc == 0)
        rc = print_fairness(ref, "reference", f);
    if (rc == 0)
        rc = print_fairness(cur, "current", f);
    return rc == 0 ? VG_OK : vg_error_set(err, VG_ERR_IO, "cannot write the report");
}
