/*
 * Profile -> text for a terminal: a header line, a numeric summary table (moments and
 * quantiles), and a values table (distinct count and most frequent values) for all columns.
 */
#include <math.h>
#include <string.h>

#include "../base/fmt.h"
#include "table.h"
#include "vigia/report.h"

static int numeric_table(const vg_profile *p, FILE *f) {
    vg_table *t = vg_table_new(8 + VG_REPORT_NQUANTILES);
    if (!t)
        return -1;
    const char *head[] = {"column", "type", "count", "missing", "mean", "std", "min"};
    for (size_t i = 0; i < 7; i++)
        vg_table_cell(t, i >= 2, "%s", head[i]);
    for (int i = 0; i < VG_REPORT_NQUANTILES; i++)
        vg_table_cell(t, 1, "p%g", vg_report_quantiles[i] * 100);
    vg_table_cell(t, 1, "max");
    size_t shown = 0;
    for (size_t i = 0; i < p->ncols; i++) {
        const vg_column *c = p->cols[i];
        const vg_moments *m = &c->moments;
        if (m->n == 0)
            continue;
        shown++;
        double q[VG_REPORT_NQUANTILES];
        if (vg_kll_quantiles(c->kll, vg_report_quantiles, VG_REPORT_NQUANTILES, q) != VG_OK) {
            vg_table_free(t);
            return -1;
        }
        vg_table_cell(t, 0, "%s", c->name);
        vg_table_cell(t, 0, "%s", vg_coltype_name(vg_column_type(c)));
        vg_table_cell(t, 1, "%llu", (unsigned long long)vg_column_count(c));
        vg_table_cell(t, 1, "%llu", (unsigned long long)c->missing);
        vg_table_num(t, vg_moments_mean(m));
        vg_table_num(t, vg_moments_std(m, 1));
        vg_table_num(t, vg_moments_min(m));
        for (int k = 0; k < VG_REPORT_NQUANTILES; k++)
            vg_table_num(t, q[k]);
        vg_table_num(t, vg_moments_max(m));
    }
    int rc = 0;
    if (shown) {
        fputs("\nNumeric values\n", f);
        rc = vg_table_print(t, f);
    }
    vg_table_free(t);
    return rc;
}

static int values_table(const vg_profile *p, FILE *f) {
    vg_table *t = vg_table_new(6);
    if (!t)
        return -1;
    const char *head[] = {"column", "type", "count", "missing", "distinct", "top values"};
    for (size_t i = 0; i < 6; i++)
        vg_table_cell(t, i >= 2 && i <= 4, "%s", head[i]);
    for (size_t i = 0; i < p->ncols; i++) {
        const vg_column *c = p->cols[i];
        int exact;
        double d = vg_column_distinct(c, &exact);
        vg_table_cell(t, 0, "%s", c->name);
        vg_table_cell(t, 0, "%s", vg_coltype_name(vg_column_type(c)));
        vg_table_cell(t, 1, "%llu", (unsigned long long)vg_column_count(c));
        vg_table_cell(t, 1, "%llu", (unsigned long long)c->missing);
        vg_table_cell(t, 1, "%s%.0f", exact ? "" : "~", d);
        vg_freq_item items[3];
        size_t n = vg_column_top(c, items, 3);
        char buf[256];
        size_t len = 0;
        buf[0] = '\0';
        for (size_t k = 0; k < n && len < sizeof buf - 1; k++) {
            char numtext[40];
            if (items[k].is_number) {
                items[k].len = (size_t)vg_fmt_double(numtext, sizeof numtext, items[k].number);
                items[k].value = numtext;
            }
            int show = (int)(items[k].len > 24 ? 24 : items[k].len);
            /* no cut inside a UTF-8 sequence */
            while (show > 0 && show < (int)items[k].len &&
                   ((unsigned char)items[k].value[show] & 0xC0) == 0x80)
                show--;
            int w =
                snprintf(buf + len, sizeof buf - len, "%s%.*s%s (%s%llu)", k ? ", " : "", show,
                         items[k].value, show < (int)items[k].len || items[k].truncated ? "…" : "",
                         vg_column_top_error(c) ? ">=" : "", (unsigned long long)items[k].count);
            if (w < 0)
                break;
            len += (size_t)w;
        }
        if (len >= sizeof buf)
            len = sizeof buf - 1;
        if (c->numbers_uncounted && n == 0)
            snprintf(buf, sizeof buf, "(continuous: see quantiles)");
        else if (c->numbers_uncounted && len + 20 < sizeof buf)
            snprintf(buf + len, sizeof buf - len, " (numbers not counted)");
        vg_table_cell(t, 0, "%s", buf);
    }
    fputs("\nValues\n", f);
    int rc = vg_table_print(t, f);
    vg_table_free(t);
    return rc;
}

int vg_report_profile_text(const vg_profile *p, const char *source, const vg_ingest_stats *stats,
                           FILE *f, vg_error *err) {
    fprintf(f, "%s: %llu rows, %zu columns", source ? source : "profile",
            (unsigned long long)p->rows, p->ncols);
    if (p->bad_rows)
        fprintf(f, ", %llu bad rows skipped", (unsigned long long)p->bad_rows);
    if (stats && stats->blank_lines)
        fprintf(f, ", %llu blank lines skipped", (unsigned long long)stats->blank_lines);
    fputc('\n', f);
    if (stats)
        for (size_t i = 0; i < stats->nbad; i++)
            fprintf(f, "  skipped line %llu: %s\n", (unsigned long long)stats->bad_line[i],
                    stats->bad_reason[i]);
    if (numeric_table(p, f) != 0 || values_table(p, f) != 0)
        return vg_error_set(err, VG_ERR_IO, "cannot write the report");
    fprintf(f, "\nquantiles within ±%.2g%% rank; ~ marks estimated distinct counts (±%.2g%%)\n",
            100 * vg_kll_rank_error(p->opts.kll_k), 100 * vg_hll_rse(p->opts.hll_p));
    return VG_OK;
}
