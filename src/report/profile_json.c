/*
 * Profile -> JSON, built as a jansson tree. Every key written here is part of vigia's stable
 * interface and listed in docs/json.md; add keys freely, never rename or remove one.
 * Non-finite numbers have no JSON form and are written as null.
 */
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "vigia/report.h"
#include "vigia/version.h"

const double vg_report_quantiles[VG_REPORT_NQUANTILES] = {0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99};

static json_t *column_json(const vg_column *c, int *oom) {
    json_t *o = json_object();
    if (!o) {
        *oom = 1;
        return NULL;
    }
    uint64_t n = vg_column_count(c);
    uint64_t rows = n + c->missing;
    vg_json_put(o, "type", json_string(vg_coltype_name(vg_column_type(c))), oom);
    vg_json_put(o, "count", vg_json_count(n), oom);
    vg_json_put(o, "missing", vg_json_count(c->missing), oom);
    vg_json_put(o, "missing_share",
                rows ? json_real((double)c->missing / (double)rows) : json_null(), oom);
    json_t *types = json_object();
    if (types) {
        vg_json_put(types, "integer", vg_json_count(c->n_integer), oom);
        vg_json_put(types, "fractional", vg_json_count(c->n_fractional), oom);
        vg_json_put(types, "boolean", vg_json_count(c->n_boolean), oom);
        vg_json_put(types, "string", vg_json_count(c->n_string), oom);
    }
    vg_json_put(o, "types", types, oom);
    const vg_moments *m = &c->moments;
    vg_json_put(o, "numeric_count", vg_json_count(m->n), oom);
    vg_json_put(o, "mean", vg_json_num(vg_moments_mean(m)), oom);
    vg_json_put(o, "std", vg_json_num(vg_moments_std(m, 1)), oom);
    vg_json_put(o, "variance", vg_json_num(vg_moments_variance(m, 1)), oom);
    vg_json_put(o, "min", vg_json_num(vg_moments_min(m)), oom);
    vg_json_put(o, "max", vg_json_num(vg_moments_max(m)), oom);
    vg_json_put(o, "sum", m->n ? vg_json_num(vg_moments_sum(m)) : json_null(), oom);
    double qv[VG_REPORT_NQUANTILES];
    if (vg_kll_quantiles(c->kll, vg_report_quantiles, VG_REPORT_NQUANTILES, qv) != VG_OK)
        *oom = 1;
    json_t *q = json_object();
    if (q) {
        for (int i = 0; i < VG_REPORT_NQUANTILES; i++) {
            char key[16];
            snprintf(key, sizeof key, "%g", vg_report_quantiles[i]);
            vg_json_put(q, key, m->n ? vg_json_num(qv[i]) : json_null(), oom);
        }
    }
    vg_json_put(o, "quantiles", q, oom);
    int exact = 0;
    double d = vg_column_distinct(c, &exact);
    vg_json_put(o, "distinct", json_integer((json_int_t)llround(d)), oom);
    vg_json_put(o, "distinct_exact", json_boolean(exact), oom);
    vg_freq_item items[VG_REPORT_TOP];
    size_t nt = vg_column_top(c, items, VG_REPORT_TOP);
    json_t *top = json_array();
    for (size_t i = 0; top && i < nt; i++) {
        json_t *it = json_object();
        if (!it) {
            *oom = 1;
            break;
        }
        vg_json_put(it, "value",
                    items[i].is_number ? vg_json_num(items[i].number)
                                       : vg_json_text(items[i].value, items[i].len),
                    oom);
        vg_json_put(it, "count", vg_json_count(items[i].count), oom);
        if (items[i].truncated)
            vg_json_put(it, "truncated", json_true(), oom);
        if (json_array_append_new(top, it) != 0)
            *oom = 1;
    }
    vg_json_put(o, "top", top, oom);
    vg_json_put(o, "top_includes_numbers", json_boolean(!c->numbers_uncounted), oom);
    vg_json_put(o, "top_exact", json_boolean(vg_column_top_error(c) == 0), oom);
    vg_json_put(o, "top_max_error", vg_json_count(vg_column_top_error(c)), oom);
    return o;
}

char *vg_report_profile_json(const vg_profile *p, const char *source, const vg_ingest_stats *stats,
                             vg_error *err) {
    int oom = 0;
    json_t *root = json_object();
    if (!root) {
        vg_error_set(err, VG_ERR_NOMEM, "out of memory");
        return NULL;
    }
    vg_json_put(root, "vigia_version", json_string(VG_VERSION), &oom);
    if (source)
        vg_json_put(root, "source", vg_json_text(source, strlen(source)), &oom);
    vg_json_put(root, "rows", vg_json_count(p->rows), &oom);
    vg_json_put(root, "bad_rows", vg_json_count(p->bad_rows), &oom);
    if (stats) {
        json_t *in = json_object();
        if (in) {
            vg_json_put(in, "format",
                        json_string(stats->format == VG_FORMAT_NDJSON ? "ndjson" : "csv"), &oom);
            vg_json_put(in, "bytes", vg_json_count(stats->bytes), &oom);
            vg_json_put(in, "blank_lines", vg_json_count(stats->blank_lines), &oom);
            vg_json_put(in, "threads", json_integer(stats->threads_used), &oom);
            json_t *bad = json_array();
            for (size_t i = 0; bad && i < stats->nbad; i++) {
                json_t *b = json_object();
                if (!b) {
                    oom = 1;
                    break;
                }
                vg_json_put(b, "line", vg_json_count(stats->bad_line[i]), &oom);
                vg_json_put(b, "reason",
                            vg_json_text(stats->bad_reason[i], strlen(stats->bad_reason[i])), &oom);
                json_array_append_new(bad, b);
            }
            vg_json_put(in, "bad_row_examples", bad, &oom);
        }
        vg_json_put(root, "input", in, &oom);
    }
    json_t *sk = json_object();
    if (sk) {
        vg_json_put(sk, "kll_k", json_integer(p->opts.kll_k), &oom);
        vg_json_put(sk, "kll_rank_error", json_real(vg_kll_rank_error(p->opts.kll_k)), &oom);
        vg_json_put(sk, "hll_p", json_integer(p->opts.hll_p), &oom);
        vg_json_put(sk, "hll_rse", json_real(vg_hll_rse(p->opts.hll_p)), &oom);
        vg_json_put(sk, "top_capacity", json_integer(p->opts.top_capacity), &oom);
    }
    vg_json_put(root, "sketch", sk, &oom);
    json_t *schema = json_array();
    json_t *cols = json_object();
    for (size_t i = 0; schema && cols && i < p->ncols; i++) {
        const vg_column *c = p->cols[i];
        json_t *s = json_object();
        if (s) {
            vg_json_put(s, "name", vg_json_text(c->name, strlen(c->name)), &oom);
            vg_json_put(s, "type", json_string(vg_coltype_name(vg_column_type(c))), &oom);
            if (json_array_append_new(schema, s) != 0)
                oom = 1;
        } else {
            oom = 1;
        }
        vg_json_put(cols, c->name, column_json(c, &oom), &oom);
    }
    vg_json_put(root, "schema", schema, &oom);
    vg_json_put(root, "columns", cols, &oom);
    char *out = oom ? NULL : json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    json_decref(root);
    if (!out)
        vg_error_set(err, VG_ERR_NOMEM, "out of memory rendering JSON");
    return out;
}
