/*
 * Comparison results -> JSON (keys documented in docs/compare.md) and a terminal table.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "table.h"
#include "vigia/compare.h"
#include "vigia/evaluate.h"
#include "vigia/quality.h"
#include "vigia/version.h"

static json_t *names(char **list, size_t n, int *oom) {
    json_t *a = json_array();
    for (size_t i = 0; a && i < n; i++)
        if (json_array_append_new(a, vg_json_str(list[i])) != 0)
            *oom = 1;
    return a;
}

static json_t *column_json(const vg_compare_column *c, vg_correction correction, int *oom) {
    json_t *o = json_object(), *scores = json_object();
    if (!o || !scores) {
        *oom = 1;
        json_decref(scores);
        return o;
    }
    vg_json_put(o, "kind", json_string(c->kind), oom);
    vg_json_put(o, "method", c->method ? json_string(c->method) : json_null(), oom);
    vg_json_put(o, "statistic", vg_json_num(c->statistic), oom);
    vg_json_put(o, "p_value", vg_json_num(c->p_value), oom);
    if (correction != VG_CORRECTION_NONE && !c->role)
        vg_json_put(o, "p_value_adjusted", vg_json_num(c->p_value_adjusted), oom);
    vg_json_put(o, "threshold", vg_json_num(c->threshold), oom);
    vg_json_put(o, "drifted", c->method ? json_boolean(c->drifted) : json_null(), oom);
    vg_json_put(o, "reference_count", json_integer((json_int_t)c->ref_count), oom);
    vg_json_put(o, "current_count", json_integer((json_int_t)c->cur_count), oom);
    if (strcmp(c->kind, "categorical") == 0)
        vg_json_put(o, "unseen_categories", json_integer((json_int_t)c->n_unseen), oom);
    if (c->note[0])
        vg_json_put(o, "note", vg_json_str(c->note), oom);
    for (size_t k = 0; k < c->nscores; k++) {
        json_t *s = json_object();
        vg_json_put(s, "statistic", vg_json_num(c->scores[k].statistic), oom);
        vg_json_put(s, "p_value", vg_json_num(c->scores[k].p_value), oom);
        if (!isnan(c->scores[k].error_bound))
            vg_json_put(s, "error_bound", vg_json_num(c->scores[k].error_bound), oom);
        vg_json_put(scores, c->scores[k].method, s, oom);
    }
    vg_json_put(o, "scores", scores, oom);
    return o;
}

/* "roles": target and prediction as names, the repeatable roles as arrays */
static json_t *roles_json(const vg_compare_result *r, int *oom) {
    json_t *o = json_object();
    static const vg_role order[] = {VG_ROLE_TARGET, VG_ROLE_PREDICTION, VG_ROLE_ID,
                                    VG_ROLE_TIMESTAMP, VG_ROLE_SENSITIVE};
    for (size_t k = 0; o && k < sizeof order / sizeof *order; k++) {
        int single = order[k] == VG_ROLE_TARGET || order[k] == VG_ROLE_PREDICTION;
        json_t *v = single ? NULL : json_array();
        for (size_t i = 0; i < r->n_roles; i++) {
            if (r->roles[i].role != order[k])
                continue;
            if (single)
                v = vg_json_str(r->roles[i].column);
            else if (json_array_append_new(v, vg_json_str(r->roles[i].column)) != 0)
                *oom = 1;
        }
        vg_json_put(o, vg_role_name(order[k]), v ? v : json_null(), oom);
    }
    return o;
}

char *vg_report_compare_json(const vg_compare_report *rep, vg_error *err) {
    const vg_compare_result *r = rep->drift;
    const char *ref_path = rep->ref_path, *cur_path = rep->cur_path;
    int oom = 0;
    json_t *root = json_object(), *drift = json_object(), *cols = json_object(),
           *rows = json_object(), *schema = json_object();
    if (!root || !drift || !cols || !rows || !schema)
        oom = 1;
    vg_json_put(root, "vigia_version", json_string(VG_VERSION), &oom);
    vg_json_put(root, "reference", vg_json_str(ref_path), &oom);
    vg_json_put(root, "current", vg_json_str(cur_path), &oom);
    vg_json_put(root, "mode", json_string(rep->mode ? rep->mode : "exact"), &oom);
    vg_json_put(rows, "reference", json_integer((json_int_t)r->ref_rows), &oom);
    vg_json_put(rows, "current", json_integer((json_int_t)r->cur_rows), &oom);
    vg_json_put(root, "rows", rows, &oom);
    vg_json_put(schema, "only_in_reference", names(r->only_ref, r->n_only_ref, &oom), &oom);
    vg_json_put(schema, "only_in_current", names(r->only_cur, r->n_only_cur, &oom), &oom);
    vg_json_put(root, "schema", schema, &oom);
    vg_json_put(root, "roles", roles_json(r, &oom), &oom);
    vg_json_put(drift, "dataset_drift", json_boolean(r->dataset_drift), &oom);
    vg_json_put(drift, "share_drifted", json_real(r->share_drifted), &oom);
    vg_json_put(drift, "n_drifted", json_integer((json_int_t)r->n_drifted), &oom);
    vg_json_put(drift, "n_columns", json_integer((json_int_t)r->n_compared), &oom);
    vg_json_put(drift, "share_threshold", json_real(r->share_threshold), &oom);
    static const char *const corr[] = {"none", "bonferroni", "benjamini_hochberg"};
    vg_json_put(drift, "correction", json_string(corr[r->correction]), &oom);
    vg_json_put(drift, "n_ignored", json_integer((json_int_t)r->n_ignored), &oom);
    for (size_t i = 0; !oom && i < r->ncols; i++) {
        const vg_compare_column *c = &r->cols[i];
        json_t *o = column_json(c, r->correction, &oom);
        if (c->role) /* target and prediction drift, apart from the features */
            vg_json_put(o, "column", vg_json_str(c->name), &oom);
        vg_json_put(c->role ? drift : cols, c->role ? c->role : c->name, o, &oom);
    }
    vg_json_put(drift, "columns", cols, &oom);
    vg_json_put(root, "drift", drift, &oom);
    if (!oom && rep->quality) {
        if (vg_quality_json(rep->quality, root, err) != VG_OK) {
            json_decref(root);
            return NULL;
        }
    } else {
        vg_json_put(root, "quality", json_null(), &oom);
    }
    if (!oom && rep->model) {
        if (vg_eval_json_compare(rep->model, root, err) != VG_OK) {
            json_decref(root);
            return NULL;
        }
    } else {
        static const char *const keys[] = {"task",       "evaluated_rows", "classification",
                                           "regression", "fairness",       "estimated"};
        for (size_t k = 0; k < sizeof keys / sizeof *keys; k++)
            vg_json_put(root, keys[k], json_null(), &oom);
    }
    char *out = oom ? NULL : json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    json_decref(root);
    if (!out)
        vg_error_set(err, VG_ERR_NOMEM, "out of memory rendering JSON");
    return out;
}

int vg_report_compare_text(const vg_compare_report *rep, FILE *f, vg_error *err) {
    const vg_compare_result *r = rep->drift;
    fprintf(f, "reference %s (%llu rows) vs current %s (%llu rows)%s\n", rep->ref_path,
            (unsigned long long)r->ref_rows, rep->cur_path, (unsigned long long)r->cur_rows,
            rep->mode && !strcmp(rep->mode, "sketch") ? ", from profiles (scores approximate)"
                                                      : "");
    if (rep->quality) {
        if (vg_quality_text(rep->quality, f, err) != VG_OK)
            return err ? err->code : VG_ERR_IO;
        fputc('\n', f);
    }
    fprintf(f, "dataset drift: %s: %zu of %zu columns drifted (%.0f%%, threshold %.0f%%)%s\n\n",
            r->dataset_drift ? "YES" : "no", r->n_drifted, r->n_compared, 100 * r->share_drifted,
            100 * r->share_threshold,
            r->correction == VG_CORRECTION_BONFERRONI ? "; p-values Bonferroni-adjusted"
            : r->correction == VG_CORRECTION_BH       ? "; p-values Benjamini-Hochberg-adjusted"
                                                      : "");
    vg_table *t = vg_table_new(7);
    if (!t)
        return vg_error_set(err, VG_ERR_NOMEM, "out of memory");
    const char *head[] = {"column", "kind", "method", "statistic", "p-value", "threshold", "drift"};
    for (int i = 0; i < 7; i++)
        vg_table_cell(t, i >= 3 && i <= 5, "%s", head[i]);
    /* drifted columns first, then the others, then those not compared */
    for (int pass = 0; pass < 3; pass++)
        for (size_t i = 0; i < r->ncols; i++) {
            const vg_compare_column *c = &r->cols[i];
            int group = !c->method ? 2 : c->drifted ? 0 : 1;
            if (group != pass || c->role)
                continue;
            vg_table_cell(t, 0, "%s", c->name);
            vg_table_cell(t, 0, "%s", c->kind);
            vg_table_cell(t, 0, "%s", c->method ? c->method : "-");
            double bound = NAN;
            for (size_t k = 0; k < c->nscores; k++)
                if (c->method && !strcmp(c->scores[k].method, c->method))
                    bound = c->scores[k].error_bound;
            if (bound > 0)
                vg_table_cell(t, 1, "%.6g ±%.2g", c->statistic, bound);
            else
                vg_table_num(t, c->statistic);
            vg_table_num(t, c->p_value_adjusted);
            vg_table_num(t, c->threshold);
            vg_table_cell(t, 0, "%s", !c->method ? c->note : c->drifted ? "DRIFT" : "ok");
        }
    int rc = vg_table_print(t, f);
    vg_table_free(t);
    for (size_t i = 0; i < r->ncols; i++) {
        const vg_compare_column *c = &r->cols[i];
        if (!c->role)
            continue;
        if (!c->method)
            fprintf(f, "\n%s drift (%s): %s\n", c->role, c->name, c->note);
        else
            fprintf(f, "\n%s drift (%s): %s %s = %.6g%s, threshold %g: %s\n", c->role, c->name,
                    c->kind, c->method, c->uses_p_value ? c->p_value : c->statistic,
                    c->uses_p_value ? " (p-value)" : "", c->threshold, c->drifted ? "DRIFT" : "ok");
    }
    if (r->n_only_ref || r->n_only_cur)
        fprintf(f, "\n%zu columns only in the reference, %zu only in the current data\n",
                r->n_only_ref, r->n_only_cur);
    if (rc == 0 && rep->model) {
        fputc('\n', f);
        if (vg_eval_text_compare(rep->model, f, err) != VG_OK)
            return err ? err->code : VG_ERR_IO;
    }
    return rc == 0 ? VG_OK : vg_error_set(err, VG_ERR_IO, "cannot write the report");
}
