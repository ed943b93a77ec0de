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

#include "../base/fmt.h"
#include "../base/utf8.h"
#include "vigia/report.h"
#include "vigia/version.h"

const double vg_report_quantiles[VG_REPORT_NQUANTILES] = {0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99};

static json_t *num(double x) {
    return isfinite(x) ? json_real(x) : json_null();
}

/* A JSON string from bytes that should be UTF-8 (a file name may not be): invalid bytes
 * become U+FFFD rather than making the whole document fail. */
static json_t *text(const char *s, size_t n) {
    if (vg_utf8_valid(s, n))
        return json_stringn(s, n);
    char *buf = malloc(3 * n + 1);
    if (!buf)
        return NULL;
    size_t o = 0;
    for (size_t i = 0; i < n;) {
        size_t k = 1;
        while (k <= 4 && i + k <= n && !vg_utf8_valid(s + i, k))
            k++;
        if (k <= 4 && i + k <= n) {
            memcpy(buf + o, s + i, k);
            o += k;
            i += k;
        } else {
            memcpy(buf + o, "\xEF\xBF\xBD", 3);
            o += 3;
            i++;
        }
    }
    json_t *j = json_stringn(buf, o);
    free(buf);
    return j;
}

static json_t *count(uint64_t n) {
    return json_integer((json_int_t)n);
}

/* json_object_set_new that records allocation failure instead of ignoring it. */
static void put(json_t *o, const char *key, json_t *v, int *oom) {
    if (!v || json_object_set_new(o, key, v) != 0)
        *oom = 1;
}

static json_t *column_json(const vg_column *c, int *oom) {
    json_t *o = json_object();
    if (!o) {
        *oom = 1;
        return NULL;
    }
    uint64_t n = vg_column_count(c);
    uint64_t rows = n + c->missing;
    put(o, "type", json_string(vg_coltype_name(vg_column_type(c))), oom);
    put(o, "count", count(n), oom);
    put(o, "missing", count(c->missing), oom);
    put(o, "missing_share", rows ? json_real((double)c->missing / (double)rows) : json_null(), oom);
    json_t *types = json_object();
    if (types) {
        put(types, "integer", count(c->n_integer), oom);
        put(types, "fractional", count(c->n_fractional), oom);
        put(types, "boolean", count(c->n_boolean), oom);
        put(types, "string", count(c->n_string), oom);
    }
    put(o, "types", types, oom);
    const vg_moments *m = &c->moments;
    put(o, "numeric_count", count(m->n), oom);
    put(o, "mean", num(vg_moments_mean(m)), oom);
    put(o, "std", num(vg_moments_std(m, 1)), oom);
    put(o, "variance", num(vg_moments_variance(m, 1)), oom);
    put(o, "min", num(vg_moments_min(m)), oom);
    put(o, "max", num(vg_moments_max(m)), oom);
    put(o, "sum", m->n ? num(vg_moments_sum(m)) : json_null(), oom);
    double qv[VG_REPORT_NQUANTILES];
    if (vg_kll_quantiles(c->kll, vg_report_quantiles, VG_REPORT_NQUANTILES, qv) != VG_OK)
        *oom = 1;
    json_t *q = json_object();
    if (q) {
        for (int i = 0; i < VG_REPORT_NQUANTILES; i++) {
            char key[16];
            snprintf(key, sizeof key, "%g", vg_report_quantiles[i]);
            put(q, key, m->n ? num(qv[i]) : json_null(), oom);
        }
    }
    put(o, "quantiles", q, oom);
    int exact = 0;
    double d = vg_column_distinct(c, &exact);
    put(o, "distinct", json_integer((json_int_t)llround(d)), oom);
    put(o, "distinct_exact", json_boolean(exact), oom);
    vg_freq_item items[VG_REPORT_TOP];
    size_t nt = vg_column_top(c, items, VG_REPORT_TOP);
    json_t *top = json_array();
    for (size_t i = 0; top && i < nt; i++) {
        json_t *it = json_object();
        if (!it) {
            *oom = 1;
            break;
        }
        put(it, "value",
            items[i].is_number ? num(items[i].number) : text(items[i].value, items[i].len), oom);
        put(it, "count", count(items[i].count), oom);
        if (items[i].truncated)
            put(it, "truncated", json_true(), oom);
        if (json_array_append_new(top, it) != 0)
            *oom = 1;
    }
    put(o, "top", top, oom);
    put(o, "top_includes_numbers", json_boolean(!c->numbers_uncounted), oom);
    put(o, "top_exact", json_boolean(vg_column_top_error(c) == 0), oom);
    put(o, "top_max_error", count(vg_column_top_error(c)), oom);
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
    put(root, "vigia_version", json_string(VG_VERSION), &oom);
    if (source)
        put(root, "source", text(source, strlen(source)), &oom);
    put(root, "rows", count(p->rows), &oom);
    put(root, "bad_rows", count(p->bad_rows), &oom);
    if (stats) {
        json_t *in = json_object();
        if (in) {
            put(in, "format", json_string(stats->format == VG_FORMAT_NDJSON ? "ndjson" : "csv"),
                &oom);
            put(in, "bytes", count(stats->bytes), &oom);
            put(in, "blank_lines", count(stats->blank_lines), &oom);
            put(in, "threads", json_integer(stats->threads_used), &oom);
            json_t *bad = json_array();
            for (size_t i = 0; bad && i < stats->nbad; i++) {
                json_t *b = json_object();
                if (!b) {
                    oom = 1;
                    break;
                }
                put(b, "line", count(stats->bad_line[i]), &oom);
                put(b, "reason", text(stats->bad_reason[i], strlen(stats->bad_reason[i])), &oom);
                json_array_append_new(bad, b);
            }
            put(in, "bad_row_examples", bad, &oom);
        }
        put(root, "input", in, &oom);
    }
    json_t *sk = json_object();
    if (sk) {
        put(sk, "kll_k", json_integer(p->opts.kll_k), &oom);
        put(sk, "kll_rank_error", json_real(vg_kll_rank_error(p->opts.kll_k)), &oom);
        put(sk, "hll_p", json_integer(p->opts.hll_p), &oom);
        put(sk, "hll_rse", json_real(vg_hll_rse(p->opts.hll_p)), &oom);
        put(sk, "top_capacity", json_integer(p->opts.top_capacity), &oom);
    }
    put(root, "sketch", sk, &oom);
    json_t *schema = json_array();
    json_t *cols = json_object();
    for (size_t i = 0; schema && cols && i < p->ncols; i++) {
        const vg_column *c = p->cols[i];
        json_t *s = json_object();
        if (s) {
            put(s, "name", text(c->name, strlen(c->name)), &oom);
            put(s, "type", json_string(vg_coltype_name(vg_column_type(c))), &oom);
            if (json_array_append_new(schema, s) != 0)
                oom = 1;
        } else {
            oom = 1;
        }
        put(cols, c->name, column_json(c, &oom), &oom);
    }
    put(root, "schema", schema, &oom);
    put(root, "columns", cols, &oom);
    char *out = oom ? NULL : json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    json_decref(root);
    if (!out)
        vg_error_set(err, VG_ERR_NOMEM, "out of memory rendering JSON");
    return out;
}
