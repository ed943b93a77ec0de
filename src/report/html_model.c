/*
 * The model section of the HTML report (`vigia compare --target T --prediction P --html`):
 * the reference's and the current data's model quality side by side, from a
 * vg_eval_comparison (vigia/evaluate.h). A table of metrics with the change, marked when it
 * is for the worse; the label-free estimate (CBPE) when the current data has no labels yet;
 * confusion matrices, ROC, precision-recall and calibration curves; and per sensitive
 * grouping the selection-rate ratio of each group against the four-fifths line. Everything is
 * drawn with the chart functions of svg.h from the result's arrays.
 */
#include <math.h>
#include <string.h>

#include "html.h"
#include "svg.h"

/* A metric of both sides: NaN where a side has no metrics (unlabelled current data). */
typedef struct {
    const char *name;
    double ref, cur;
    int lower_is_better;
} metric;

static size_t metrics_of(const vg_eval_result *a, const vg_eval_result *b, metric *m) {
    vg_task task = a->plan->task;
    size_t n = 0;
#define M(label, field, lower)                                                                     \
    m[n++] = (metric) {                                                                            \
        label, a->computed ? a->field : NAN, b->computed ? b->field : NAN, lower                   \
    }
    if (task == VG_TASK_BINARY) {
        M("accuracy", binary.accuracy, 0);
        M("precision", binary.precision, 0);
        M("recall", binary.recall, 0);
        M("f1", binary.f1, 0);
        M("balanced accuracy", binary.balanced_accuracy, 0);
        M("matthews corrcoef", binary.mcc, 0);
        if (a->binary.has_scores || b->binary.has_scores) {
            M("roc auc", binary.roc_auc, 0);
            M("average precision", binary.average_precision, 0);
            M("log loss", binary.log_loss, 1);
            M("brier score", binary.brier, 1);
            M("expected calibration error", binary.ece, 1);
        }
    } else if (task == VG_TASK_MULTICLASS) {
        M("accuracy", multiclass.accuracy, 0);
        M("balanced accuracy", multiclass.balanced_accuracy, 0);
        M("macro f1", multiclass.macro_f1, 0);
        M("weighted f1", multiclass.weighted_f1, 0);
        M("matthews corrcoef", multiclass.mcc, 0);
        if (a->multiclass.has_proba || b->multiclass.has_proba)
            M("log loss", multiclass.log_loss, 1);
    } else {
        M("mae", regression.mae, 1);
        M("rmse", regression.rmse, 1);
        M("r2", regression.r2, 0);
        M("median absolute error", regression.median_ae, 1);
        M("mape", regression.mape, 1);
    }
#undef M
    return n;
}

/* The metric a person looks at first, for the summary card. */
static void headline(const vg_eval_result *r, const char **name, double *v, int *lower) {
    *lower = 0;
    if (r->plan->task == VG_TASK_BINARY && r->binary.has_scores) {
        *name = "roc auc";
        *v = r->binary.roc_auc;
    } else if (r->plan->task == VG_TASK_BINARY) {
        *name = "f1";
        *v = r->binary.f1;
    } else if (r->plan->task == VG_TASK_MULTICLASS) {
        *name = "accuracy";
        *v = r->multiclass.accuracy;
    } else {
        *name = "rmse";
        *v = r->regression.rmse;
        *lower = 1;
    }
    if (!r->computed)
        *v = NAN;
}

/* The fairness result to show: the current data's when computed, else the reference's. */
static const vg_eval_result *fairness_side(const vg_eval_comparison *m) {
    if (m->current->n_fair)
        return m->current;
    return m->reference && m->reference->n_fair ? m->reference : NULL;
}

static size_t fairness_flags(const vg_eval_result *r) {
    size_t n = 0;
    for (size_t i = 0; r && i < r->n_fair; i++)
        for (size_t g = 0; g < r->fair[i].result->n_groups; g++)
            n += r->fair[i].result->groups[g].four_fifths_violation != 0;
    return n;
}

void vg_html_model_cards(FILE *f, const vg_eval_comparison *m) {
    const char *name;
    double a, b;
    int lower;
    if (!m->reference) { /* one dataset (vigia evaluate): its headline metric alone */
        headline(m->current, &name, &b, &lower);
        fputs("<div class=\"card\" id=\"model-card\"><div class=\"k\">Model quality</div>", f);
        fprintf(f, "<div class=\"v\">%s ", name);
        vg_html_num(f, b);
        fprintf(f,
                "</div><div class=\"sub\"><a href=\"#model\">%llu rows evaluated</a></div>"
                "</div>\n",
                (unsigned long long)m->current->evaluated);
        goto fairness_card;
    }
    headline(m->reference, &name, &a, &lower);
    headline(m->current, &name, &b, &lower);
    int worse = !isnan(a) && !isnan(b) && (lower ? b > a * 1.01 : b < a - fabs(a) * 0.01);
    fputs("<div class=\"card\" id=\"model-card\"><div class=\"k\">Model quality</div>", f);
    if (!isnan(b)) {
        fprintf(f, "<div class=\"v %s\">%s ", worse ? "bad" : "ok", name);
        vg_html_num(f, b);
        fputs("</div><div class=\"sub\"><a href=\"#model\">reference ", f);
        vg_html_num(f, a);
        fprintf(f, ", change %+.3g</a></div></div>\n", b - a);
    } else if (m->estimated) {
        fputs("<div class=\"v\">accuracy ~", f);
        vg_html_num(f, m->estimated->estimated.accuracy);
        fputs("</div><div class=\"sub\"><a href=\"#model\">estimated (no labels yet); "
              "reference ",
              f);
        vg_html_num(f, m->estimated->reference.accuracy);
        fputs("</a></div></div>\n", f);
    } else {
        fputs("<div class=\"v mute\">-</div><div class=\"sub\">no labels in the current "
              "data</div></div>\n",
              f);
    }
fairness_card:;
    const vg_eval_result *fr = fairness_side(m);
    if (fr) {
        size_t flags = fairness_flags(fr);
        fprintf(f,
                "<div class=\"card\" id=\"fairness-card\"><div class=\"k\">Fairness</div>"
                "<div class=\"v %s\">%zu flag%s</div><div class=\"sub\"><a href=\"#fairness\">"
                "groups below four-fifths of the reference group's selection rate (%s)</a>"
                "</div></div>\n",
                flags ? "bad" : "ok", flags, flags == 1 ? "" : "s",
                !m->reference      ? "this data"
                : fr == m->current ? "current"
                                   : "reference");
    }
}

static void confusion(FILE *f, const vg_eval_result *r, const char *side) {
    const vg_eval_plan *p = r->plan;
    if (!r->computed)
        return;
    fprintf(f, "<figure><figcaption>confusion matrix, %s</figcaption>", side);
    if (p->task == VG_TASK_BINARY) {
        const char *labels[2] = {p->classes[1 - p->pos], p->classes[p->pos]};
        uint64_t c[4] = {r->binary.tn, r->binary.fp, r->binary.fn, r->binary.tp};
        vg_svg_heatmap(f, labels, c, 2, "actual", "predicted");
    } else if (r->multiclass.k <= 20) {
        vg_svg_heatmap(f, (const char *const *)p->classes, r->multiclass.confusion, r->multiclass.k,
                       "actual", "predicted");
    } else {
        fprintf(f, "<p class=\"sub\">%u classes: too many to draw</p>", r->multiclass.k);
    }
    fputs("</figure>\n", f);
}

/* ROC, precision-recall or calibration curves of both sides on one chart. */
static void curves(FILE *f, const vg_eval_comparison *m, int which) {
    static const char *const caption[] = {"ROC curve", "precision-recall curve",
                                          "calibration curve"};
    static const char *const xt[] = {"false positive rate", "recall", "mean predicted score"};
    static const char *const yt[] = {"true positive rate", "precision", "fraction of positives"};
    vg_svg_series s[2];
    size_t n = 0;
    const vg_eval_result *side[2] = {m->reference, m->current};
    const char *const names[2] = {"reference", m->reference ? "current" : "data"};
    static const char *const colors[2] = {VG_SVG_REF_COLOR, VG_SVG_CUR_COLOR};
    for (int k = 0; k < 2; k++) {
        if (!side[k])
            continue;
        const vg_perf_binary *b = &side[k]->binary;
        if (!side[k]->computed || !b->has_scores)
            continue;
        if (which == 0)
            s[n++] = (vg_svg_series){names[k], b->roc.x, b->roc.y, b->roc.n, colors[k]};
        else if (which == 1)
            s[n++] = (vg_svg_series){names[k], b->pr.x, b->pr.y, b->pr.n, colors[k]};
        else
            s[n++] = (vg_svg_series){names[k], b->cal_prob_pred, b->cal_prob_true,
                                     b->calibration_bins, colors[k]};
    }
    if (!n)
        return;
    fprintf(f, "<figure><figcaption>%s</figcaption>", caption[which]);
    vg_svg_line_chart(f, s, n, 0, 1, 0, 1, xt[which], yt[which], which != 1);
    fputs("</figure>\n", f);
}

static void estimate(FILE *f, const vg_eval_comparison *m) {
    if (!m->estimated) {
        if (m->estimate_note[0] && !m->current->computed) {
            fputs("<p class=\"sub\">No label-free estimate: ", f);
            vg_html_escape(f, m->estimate_note);
            fputs(".</p>\n", f);
        }
        return;
    }
    const vg_estimate_result *e = m->estimated;
    fputs("<h3>Estimated performance of the current data (CBPE, without its labels)</h3>\n", f);
    const char *names[] = {"accuracy", "precision", "recall", "f1", "roc auc"};
    double ref[] = {e->reference.accuracy, e->reference.precision, e->reference.recall,
                    e->reference.f1, e->reference.roc_auc};
    double est[] = {e->estimated.accuracy, e->estimated.precision, e->estimated.recall,
                    e->estimated.f1, e->estimated.roc_auc};
    vg_html_metric_table(f, names, ref, est, NULL, 5, 0.01);
    fputs("<p class=\"sub\">Accuracy standard error ", f);
    vg_html_num(f, e->estimated.accuracy_se);
    fputs(e->calibration_applied ? "; reference scores recalibrated (isotonic)" : "", f);
    fputs(".</p>\n", f);
    if (!e->calibration.calibrated && e->calibration.warning[0]) {
        fputs("<p class=\"warn\">", f);
        vg_html_escape(f, e->calibration.warning);
        fputs("</p>\n", f);
    }
}

static void fairness(FILE *f, const vg_eval_comparison *m) {
    const vg_eval_result *r = fairness_side(m);
    if (!r) {
        const char *note = m->current->fairness_note[0] || !m->reference
                               ? m->current->fairness_note
                               : m->reference->fairness_note;
        if (note[0]) {
            fputs("<p class=\"sub\" id=\"fairness\">Fairness: ", f);
            vg_html_escape(f, note);
            fputs(".</p>\n", f);
        }
        return;
    }
    if (m->reference)
        fprintf(f, "<div id=\"fairness\"><h3>Fairness (%s data)</h3>\n",
                r == m->current ? "current" : "reference");
    else
        fputs("<div id=\"fairness\"><h3>Fairness</h3>\n", f);
    for (size_t i = 0; i < r->n_fair; i++) {
        const vg_fair_result *fr = r->fair[i].result;
        fputs("<figure><figcaption>selection rate ratio to the reference group, by ", f);
        for (size_t c = 0; c < r->fair[i].n_columns; c++) {
            fputs(c ? " &times; " : "", f);
            vg_html_escape(f, r->fair[i].columns[c]);
        }
        fputs("</figcaption>", f);
        size_t n = fr->n_groups < 40 ? fr->n_groups : 40;
        const char *labels[40];
        double v[40];
        for (size_t g = 0; g < n; g++) {
            labels[g] = fr->groups[g].name;
            v[g] = fr->groups[g].selection_rate_ratio;
        }
        vg_svg_bar_chart(f, labels, v, n, fr->four_fifths, "four-fifths");
        fprintf(f, "<div class=\"sub\">demographic parity ratio ");
        vg_html_num(f, fr->demographic_parity_ratio);
        fputs(", equalized odds difference ", f);
        vg_html_num(f, fr->equalized_odds_difference);
        if (fr->n_groups > n)
            fprintf(f, "; the first %zu of %zu groups drawn", n, fr->n_groups);
        fputs("</div></figure>\n", f);
    }
    fputs("</div>\n", f);
}

/* One dataset (vigia evaluate): its metrics in one column, one confusion matrix, its curves. */
static void model_section_single(FILE *f, const vg_eval_comparison *m) {
    const vg_eval_result *r = m->current;
    const vg_eval_plan *p = r->plan;
    fputs("<section id=\"model\">\n<h2>Model quality</h2>\n<p class=\"sub\">", f);
    fprintf(f, "%s task: ", vg_task_name(p->task));
    vg_html_escape(f, p->task_reason);
    fprintf(f,
            ". Rows evaluated: %llu of %llu (%llu without a target, %llu without a "
            "prediction).</p>\n",
            (unsigned long long)r->evaluated, (unsigned long long)r->rows,
            (unsigned long long)r->missing_target, (unsigned long long)r->missing_prediction);
    metric m3[16];
    size_t n = metrics_of(r, r, m3);
    fputs("<table class=\"metrics\"><thead><tr><th>metric</th><th>value</th></tr></thead>"
          "<tbody>\n",
          f);
    for (size_t i = 0; i < n; i++) {
        fputs("<tr><td>", f);
        vg_html_escape(f, m3[i].name);
        fputs("</td><td class=\"num\">", f);
        vg_html_num(f, m3[i].cur);
        fputs("</td></tr>\n", f);
    }
    fputs("</tbody></table>\n<div class=\"figs\">\n", f);
    if (p->task != VG_TASK_REGRESSION)
        confusion(f, r, "all rows");
    if (p->task == VG_TASK_BINARY)
        for (int w = 0; w < 3; w++)
            curves(f, m, w);
    fputs("</div>\n", f);
    fairness(f, m);
    fputs("</section>\n", f);
}

void vg_html_model_section(FILE *f, const vg_eval_comparison *m) {
    if (!m->reference) {
        model_section_single(f, m);
        return;
    }
    const vg_eval_result *a = m->reference, *b = m->current;
    const vg_eval_plan *p = a->plan;
    fputs("<section id=\"model\">\n<h2>Model quality</h2>\n<p class=\"sub\">", f);
    fprintf(f, "%s task: ", vg_task_name(p->task));
    vg_html_escape(f, p->task_reason);
    fprintf(f, ". Rows evaluated: reference %llu of %llu, current %llu of %llu.</p>\n",
            (unsigned long long)a->evaluated, (unsigned long long)a->rows,
            (unsigned long long)b->evaluated, (unsigned long long)b->rows);
    metric m3[16];
    size_t n = metrics_of(a, b, m3);
    const char *names[16];
    double ref[16], cur[16];
    int lower[16];
    for (size_t i = 0; i < n; i++) {
        names[i] = m3[i].name;
        ref[i] = m3[i].ref;
        cur[i] = m3[i].cur;
        lower[i] = m3[i].lower_is_better;
    }
    if (a->computed || b->computed)
        vg_html_metric_table(f, names, ref, cur, lower, n, 0.01);
    if (!b->has_labels)
        fputs("<p class=\"sub\">The current data has no labels yet.</p>\n", f);
    estimate(f, m);
    fputs("<div class=\"figs\">\n", f);
    if (p->task != VG_TASK_REGRESSION) {
        confusion(f, a, "reference");
        confusion(f, b, "current");
    }
    if (p->task == VG_TASK_BINARY)
        for (int w = 0; w < 3; w++)
            curves(f, m, w);
    fputs("</div>\n", f);
    fairness(f, m);
    fputs("</section>\n", f);
}
