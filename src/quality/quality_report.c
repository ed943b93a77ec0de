/*
 * Data-quality results -> the JSON "quality" object (keys documented in docs/quality.md) and a
 * terminal section. Shares that have nothing to divide by (no rows, no values) are NaN in the
 * result and null in JSON; the issues say why (an "empty_data" error for a dataset without rows).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../drift/internal.h"
#include "../report/json.h"
#include "../report/table.h"
#include "vigia/quality.h"

static json_t *summary_json(const vg_quality_summary *s, int *oom) {
    if (!s->present)
        return json_null();
    json_t *o = json_object();
    if (!o) {
        *oom = 1;
        return NULL;
    }
    vg_json_put(o, "type", json_string(vg_quality_type_name(s->type)), oom);
    vg_json_put(o, "rows", vg_json_count(s->rows), oom);
    vg_json_put(o, "missing", vg_json_count(s->missing), oom);
    vg_json_put(o, "missing_share", vg_json_num(s->missing_share), oom);
    vg_json_put(o, "numeric_count", vg_json_count(s->n_numeric), oom);
    vg_json_put(o, "other_count", vg_json_count(s->n_other), oom);
    vg_json_put(o, "distinct", s->distinct_known ? vg_json_count(s->distinct) : json_null(), oom);
    vg_json_put(o, "min", vg_json_num(s->min), oom);
    vg_json_put(o, "max", vg_json_num(s->max), oom);
    vg_json_put(o, "mean", vg_json_num(s->mean), oom);
    vg_json_put(o, "constant", json_boolean(s->constant), oom);
    if (s->constant)
        vg_json_put(o, "constant_value", vg_json_text(s->constant_value, s->constant_len), oom);
    vg_json_put(o, "empty", json_boolean(s->empty), oom);
    return o;
}

static json_t *column_json(const vg_quality_column *c, int *oom) {
    json_t *o = json_object();
    if (!o) {
        *oom = 1;
        return NULL;
    }
    vg_json_put(o, "reference", summary_json(&c->ref, oom), oom);
    vg_json_put(o, "current", summary_json(&c->cur, oom), oom);
    vg_json_put(o, "missing_share_change", vg_json_num(c->missing_share_change), oom);
    vg_json_put(o, "type_changed", json_boolean(c->type_changed), oom);
    if (c->range_checked) {
        json_t *r = json_object();
        vg_json_put(r, "count", vg_json_count(c->n_out_of_range), oom);
        vg_json_put(r, "below", vg_json_count(c->n_below), oom);
        vg_json_put(r, "above", vg_json_count(c->n_above), oom);
        vg_json_put(r, "share", vg_json_num(c->out_of_range_share), oom);
        vg_json_put(r, "reference_min", vg_json_num(c->ref.min), oom);
        vg_json_put(r, "reference_max", vg_json_num(c->ref.max), oom);
        vg_json_put(o, "out_of_range", r, oom);
    }
    if (c->unseen_checked) {
        json_t *u = json_object(), *ex = json_array();
        if (!ex)
            *oom = 1;
        vg_json_put(u, "count", vg_json_count(c->n_unseen), oom);
        vg_json_put(u, "categories", vg_json_count(c->n_unseen_categories), oom);
        vg_json_put(u, "share", vg_json_num(c->unseen_share), oom);
        for (size_t k = 0; ex && k < c->n_examples; k++) {
            json_t *e = json_object();
            vg_json_put(e, "value", vg_json_text(c->examples[k].text, c->examples[k].len), oom);
            vg_json_put(e, "count", vg_json_count(c->examples[k].count), oom);
            if (!e || json_array_append_new(ex, e) != 0)
                *oom = 1;
        }
        vg_json_put(u, "examples", ex, oom);
        vg_json_put(o, "unseen_categories", u, oom);
    }
    return o;
}

static json_t *dup_json(uint64_t n, double s, int *oom) {
    json_t *o = json_object();
    vg_json_put(o, "count", vg_json_count(n), oom);
    vg_json_put(o, "share", vg_json_num(s), oom);
    return o;
}

static json_t *quality_json(const vg_quality_result *q, int *oom) {
    json_t *o = json_object(), *rows = json_object(), *dup = json_object(), *schema = json_object(),
           *only_ref = json_array(), *only_cur = json_array(), *changed = json_array(),
           *counts = json_object(), *issues = json_array(), *cols = json_object();
    if (!o || !rows || !dup || !schema || !only_ref || !only_cur || !changed || !counts ||
        !issues || !cols)
        *oom = 1;
    vg_json_put(rows, "reference", vg_json_count(q->ref_rows), oom);
    vg_json_put(rows, "current", vg_json_count(q->cur_rows), oom);
    vg_json_put(o, "rows", rows, oom);
    vg_json_put(dup, "reference", dup_json(q->ref_duplicates, q->ref_duplicate_share, oom), oom);
    vg_json_put(dup, "current", dup_json(q->cur_duplicates, q->cur_duplicate_share, oom), oom);
    vg_json_put(o, "duplicate_rows", dup, oom);
    for (size_t i = 0; !*oom && i < q->ncols; i++) {
        const vg_quality_column *c = &q->cols[i];
        json_t *list = !c->cur.present ? only_ref : !c->ref.present ? only_cur : NULL;
        if (list && json_array_append_new(list, vg_json_str(c->name)) != 0)
            *oom = 1;
        if (c->type_changed && json_array_append_new(changed, vg_json_str(c->name)) != 0)
            *oom = 1;
    }
    vg_json_put(schema, "only_in_reference", only_ref, oom);
    vg_json_put(schema, "only_in_current", only_cur, oom);
    vg_json_put(schema, "type_changed", changed, oom);
    vg_json_put(o, "schema", schema, oom);
    vg_json_put(o, "n_ignored", vg_json_count(q->n_ignored), oom);
    vg_json_put(counts, "error", vg_json_count(q->n_errors), oom);
    vg_json_put(counts, "warning", vg_json_count(q->n_warnings), oom);
    vg_json_put(counts, "info", vg_json_count(q->n_infos), oom);
    vg_json_put(o, "issue_counts", counts, oom);
    for (size_t i = 0; !*oom && i < q->nissues; i++) {
        const vg_quality_issue *is = &q->issues[i];
        json_t *e = json_object();
        vg_json_put(e, "severity", json_string(vg_quality_severity_name(is->severity)), oom);
        vg_json_put(e, "kind", json_string(is->kind), oom);
        vg_json_put(e, "column", is->column ? vg_json_str(is->column) : json_null(), oom);
        vg_json_put(e, "message", vg_json_str(is->message), oom);
        if (!e || json_array_append_new(issues, e) != 0)
            *oom = 1;
    }
    vg_json_put(o, "issues", issues, oom);
    for (size_t i = 0; !*oom && i < q->ncols; i++)
        vg_json_put(cols, q->cols[i].name, column_json(&q->cols[i], oom), oom);
    vg_json_put(o, "columns", cols, oom);
    return o;
}

int vg_quality_json(const vg_quality_result *q, json_t *root, vg_error *err) {
    if (!q || !root || !json_is_object(root))
        return vg_error_set(err, VG_ERR_INVALID, "quality: no result or no JSON object");
    int oom = 0;
    json_t *o = quality_json(q, &oom);
    if (oom || !o) {
        json_decref(o);
        return vg_error_set(err, VG_ERR_NOMEM, "out of memory rendering JSON");
    }
    if (json_object_set_new(root, "quality", o) != 0)
        return vg_error_set(err, VG_ERR_NOMEM, "out of memory rendering JSON");
    return VG_OK;
}

char *vg_quality_json_string(const vg_quality_result *q, vg_error *err) {
    json_t *root = json_object();
    if (!root) {
        vg_error_set(err, VG_ERR_NOMEM, "out of memory rendering JSON");
        return NULL;
    }
    char *out = NULL;
    if (vg_quality_json(q, root, err) == VG_OK) {
        out = json_dumps(json_object_get(root, "quality"), JSON_INDENT(2) | JSON_PRESERVE_ORDER);
        if (!out)
            vg_error_set(err, VG_ERR_NOMEM, "out of memory rendering JSON");
    }
    json_decref(root);
    return out;
}

/* A percentage with one decimal that never rounds a share that is not 0 or 1 to "0.0%" or
 * "100.0%" (as in the issue messages). */
static void fmt_pct(char *buf, size_t size, double s) {
    double p = 100 * s;
    if (p > 0 && p < 0.05)
        snprintf(buf, size, "<0.1%%");
    else if (p >= 99.95 && p < 100)
        snprintf(buf, size, ">99.9%%");
    else
        snprintf(buf, size, "%.1f%%", p);
}

/* "12.5%", or "-" when there is nothing to divide by. */
static void share_cell(vg_table *t, double s) {
    char p[16];
    fmt_pct(p, sizeof p, s);
    vg_table_cell(t, 1, "%s", isnan(s) ? "-" : p);
}

static void count_cell(vg_table *t, int checked, uint64_t n, double s) {
    char p[16];
    fmt_pct(p, sizeof p, s);
    if (!checked)
        vg_table_cell(t, 1, "-");
    else if (isnan(s))
        vg_table_cell(t, 1, "%llu", (unsigned long long)n);
    else
        vg_table_cell(t, 1, "%llu (%s)", (unsigned long long)n, p);
}

static void distinct_cell(vg_table *t, const vg_quality_summary *s) {
    if (!s->present)
        vg_table_cell(t, 1, "-");
    else if (!s->distinct_known)
        vg_table_cell(t, 1, ">%d", VG_SAMPLES_MAX_NUMERIC_CATEGORIES);
    else
        vg_table_cell(t, 1, "%llu", (unsigned long long)s->distinct);
}

static const char *type_of(const vg_quality_summary *s) {
    return s->present ? vg_quality_type_name(s->type) : "absent";
}

int vg_quality_text(const vg_quality_result *q, FILE *f, vg_error *err) {
    if (!q || !f)
        return vg_error_set(err, VG_ERR_INVALID, "quality: no result or no output");
    fprintf(f, "data quality: %zu error%s, %zu warning%s, %zu note%s\n", q->n_errors,
            q->n_errors == 1 ? "" : "s", q->n_warnings, q->n_warnings == 1 ? "" : "s", q->n_infos,
            q->n_infos == 1 ? "" : "s");
    static const char *const label[] = {"ERROR  ", "WARNING", "note   "};
    for (size_t i = 0; i < q->nissues; i++)
        fprintf(f, "  %s %s\n", label[q->issues[i].severity], q->issues[i].message);
    fprintf(f,
            "\nrows: reference %llu, current %llu; duplicate rows: reference %llu, current %llu\n",
            (unsigned long long)q->ref_rows, (unsigned long long)q->cur_rows,
            (unsigned long long)q->ref_duplicates, (unsigned long long)q->cur_duplicates);
    if (q->n_ignored)
        fprintf(f, "%zu column%s ignored\n", q->n_ignored, q->n_ignored == 1 ? "" : "s");
    fputc('\n', f);
    vg_table *t = vg_table_new(9);
    if (!t)
        return vg_error_set(err, VG_ERR_NOMEM, "out of memory");
    static const char *const head[] = {"column",       "type",         "missing ref",
                                       "missing cur",  "distinct ref", "distinct cur",
                                       "out of range", "unseen",       "note"};
    for (int i = 0; i < 9; i++)
        vg_table_cell(t, i >= 2 && i <= 7, "%s", head[i]);
    for (size_t i = 0; i < q->ncols; i++) {
        const vg_quality_column *c = &q->cols[i];
        vg_table_cell(t, 0, "%s", c->name);
        if (c->ref.present && c->cur.present && c->ref.type != c->cur.type)
            vg_table_cell(t, 0, "%s -> %s", type_of(&c->ref), type_of(&c->cur));
        else
            vg_table_cell(t, 0, "%s", type_of(c->ref.present ? &c->ref : &c->cur));
        share_cell(t, c->ref.missing_share);
        share_cell(t, c->cur.missing_share);
        distinct_cell(t, &c->ref);
        distinct_cell(t, &c->cur);
        count_cell(t, c->range_checked, c->n_out_of_range, c->out_of_range_share);
        count_cell(t, c->unseen_checked, c->n_unseen, c->unseen_share);
        vg_table_cell(t, 0, "%s",
                      !c->cur.present               ? "missing in current"
                      : !c->ref.present             ? "not in reference"
                      : c->type_changed             ? "TYPE CHANGED"
                      : c->cur.empty && q->cur_rows ? "empty"
                      : c->cur.constant             ? "constant"
                                                    : "");
    }
    int rc = vg_table_print(t, f);
    vg_table_free(t);
    return rc == 0 && !ferror(f) ? VG_OK : vg_error_set(err, VG_ERR_IO, "cannot write the report");
}
