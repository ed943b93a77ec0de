/*
 * Model-metric and fairness constraints: the figure comes from the evaluate module
 * (vigia/evaluate.h), exactly as `vigia evaluate` computes it on the same file with the same
 * target, prediction, positive label and sensitive column; this file only picks the figure
 * the constraint names and compares it with the bounds.
 *
 * The evaluate module reads the file itself (it keeps the target and prediction of a row
 * together), so a suite with these constraints reads the data once more. Whatever stops the
 * evaluation on this data (a missing column, a probability outside [0, 1], a metric of another
 * task) fails the constraint with evaluate's message, as a missing column fails the others;
 * only running out of memory stops the run.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "internal.h"
#include "vigia/evaluate.h"

static void say(char *dst, size_t size, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

static void say(char *dst, size_t size, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(dst, size, fmt, ap);
    va_end(ap);
}

/* The metric `name` of an evaluation, or NaN with *why set when the task has no such metric.
 * Multiclass precision, recall and F1 are the macro averages. */
static double metric_of(const vg_eval_result *r, const char *name, const char **why) {
    vg_task t = r->plan->task;
    *why = NULL;
    if (t == VG_TASK_BINARY) {
        const vg_perf_binary *b = &r->binary;
        static const char *const names[] = {"accuracy", "precision",   "recall",
                                            "f1",       "specificity", "balanced_accuracy",
                                            "mcc",      "roc_auc",     "average_precision",
                                            "log_loss", "brier"};
        const double v[] = {b->accuracy,          b->precision,         b->recall, b->f1,
                            b->specificity,       b->balanced_accuracy, b->mcc,    b->roc_auc,
                            b->average_precision, b->log_loss,          b->brier};
        for (size_t i = 0; i < sizeof names / sizeof *names; i++)
            if (!strcmp(names[i], name)) {
                if (i >= 7 && !b->has_scores)
                    *why = "needs probability scores, and the prediction holds labels";
                else if (i == 7 && b->single_class)
                    *why = "is undefined: the target holds one class only";
                return v[i];
            }
    } else if (t == VG_TASK_MULTICLASS) {
        const vg_perf_multiclass *m = &r->multiclass;
        static const char *const names[] = {"accuracy",          "precision", "recall",  "f1",
                                            "balanced_accuracy", "mcc",       "log_loss"};
        const double v[] = {m->accuracy, m->macro_precision,   m->macro_recall,
                            m->macro_f1, m->balanced_accuracy, m->mcc,
                            m->log_loss};
        for (size_t i = 0; i < sizeof names / sizeof *names; i++)
            if (!strcmp(names[i], name)) {
                if (i == 6 && !m->has_proba)
                    *why = "needs per-class probabilities, which a suite cannot name yet";
                return v[i];
            }
    } else {
        const vg_perf_regression *g = &r->regression;
        static const char *const names[] = {"mae", "mse", "rmse", "mape", "r2", "median_ae"};
        const double v[] = {g->mae, g->mse, g->rmse, g->mape, g->r2, g->median_ae};
        for (size_t i = 0; i < sizeof names / sizeof *names; i++)
            if (!strcmp(names[i], name))
                return v[i];
    }
    *why = "does not apply to this task";
    return NAN;
}

static double fairness_of(const vg_fair_result *f, const char *name) {
    if (!strcmp(name, "disparate_impact"))
        return f->demographic_parity_ratio;
    if (!strcmp(name, "demographic_parity_difference"))
        return f->demographic_parity_difference;
    if (!strcmp(name, "equal_opportunity_difference"))
        return f->equal_opportunity_difference;
    if (!strcmp(name, "equalized_odds_difference"))
        return f->equalized_odds_difference;
    if (!strcmp(name, "fpr_difference"))
        return f->fpr_difference;
    if (!strcmp(name, "predictive_parity_difference"))
        return f->predictive_parity_difference;
    return f->accuracy_difference;
}

/* "[a, b]", ">= a" or "<= b" with 6 significant digits */
static void bounds(char *dst, size_t size, double lo, double hi) {
    if (!isnan(lo) && !isnan(hi))
        say(dst, size, "[%.6g, %.6g]", lo, hi);
    else if (!isnan(lo))
        say(dst, size, ">= %.6g", lo);
    else
        say(dst, size, "<= %.6g", hi);
}

int vg_check_model(vg_check_outcome *o, const vg_constraint *c, const vg_check_data *data,
                   vg_error *err) {
    vg_eval_options eo;
    vg_eval_options_init(&eo);
    eo.target = c->target;
    eo.prediction = c->prediction;
    eo.pos_label = c->positive;
    if (c->kind == VG_CHECK_FAIRNESS) {
        eo.sensitive = &c->sensitive;
        eo.n_sensitive = 1;
    }
    bounds(o->expected, sizeof o->expected, c->min, c->max);
    vg_eval_data *ed = NULL;
    vg_eval_plan plan;
    memset(&plan, 0, sizeof plan);
    vg_eval_result *res = NULL;
    vg_error e;
    vg_error_clear(&e);
    int rc = vg_eval_load(data->path, data->ro, &eo, 0, &ed, &e);
    if (rc == VG_OK) {
        const vg_eval_data *one[1] = {ed};
        rc = vg_eval_plan_make(one, 1, &eo, &plan, &e);
        if (rc == VG_OK)
            rc = vg_eval_compute(ed, &plan, &eo, 0, &res, &e);
    }
    if (rc == VG_ERR_NOMEM) {
        vg_error_set(err, rc, "%s", e.msg);
    } else if (rc != VG_OK) {
        o->status = VG_CHECK_FAIL;
        say(o->observed_text, sizeof o->observed_text, "not evaluated");
        say(o->message, sizeof o->message, "%s", e.msg);
        rc = VG_OK;
    } else {
        const char *why = NULL;
        double v = NAN;
        char where[120] = "";
        if (c->kind == VG_CHECK_METRIC) {
            v = metric_of(res, c->metric, &why);
        } else if (res->n_fair == 0 || !res->fair[0].result) {
            why = res->fairness_note[0] ? res->fairness_note : "was not computed";
        } else {
            const vg_fair_result *f = res->fair[0].result;
            v = fairness_of(f, c->metric);
            say(where, sizeof where, "; %zu groups of '%s', %zu with at least %llu rows",
                f->n_groups, c->sensitive, f->n_eligible, (unsigned long long)f->min_group_size);
            if (isnan(v))
                why = "is undefined: too few groups with enough rows, or a rate without a "
                      "denominator";
        }
        o->observed = v;
        if (why || isnan(v)) {
            o->status = VG_CHECK_FAIL;
            say(o->observed_text, sizeof o->observed_text, "-");
            say(o->message, sizeof o->message, "%s %s (%s task, %llu rows evaluated)", c->metric,
                why ? why : "is undefined", vg_task_name(plan.task),
                (unsigned long long)res->evaluated);
        } else {
            int ok = !(v < c->min) && !(v > c->max);
            char verdict[80];
            if (ok)
                say(verdict, sizeof verdict, "within %s", o->expected);
            else if (v < c->min)
                say(verdict, sizeof verdict, "below the minimum %.6g", c->min);
            else
                say(verdict, sizeof verdict, "above the maximum %.6g", c->max);
            say(o->observed_text, sizeof o->observed_text, "%.4g", v);
            say(o->message, sizeof o->message,
                "%s %.6g (%s, %llu rows evaluated, %llu left out%s): %s", c->metric, v,
                vg_task_name(plan.task), (unsigned long long)res->evaluated,
                (unsigned long long)res->excluded, where, verdict);
            if (!ok)
                o->status = VG_CHECK_FAIL;
        }
    }
    vg_eval_result_free(res);
    vg_eval_plan_free(&plan);
    vg_eval_data_free(ed);
    return rc;
}
