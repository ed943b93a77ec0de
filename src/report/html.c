/*
 * Comparison results -> one self-contained HTML page (`vigia compare --html`), meant to be read
 * first thing in the morning: a summary header (dataset drift verdict, drifted columns,
 * data-quality issues, target and prediction drift), then the data-quality issues, then a
 * sortable table of the columns and one card per column (drifted columns first) with the
 * reference and current distributions overlaid, every drift score and the column's quality
 * notes.
 *
 * Self-contained means no request of any kind: the styles and the small sorting/filtering
 * script are inline, the charts are inline SVG drawn here (svg.c), the fonts are the
 * system's, and a Content-Security-Policy forbids loading anything else. The page carries the
 * distribution summaries of the result (vg_compare_distribution), never the rows, so its size
 * grows with the number of columns only (a few kB each).
 *
 * Each section is one function of (FILE *, report); the model section (metrics, confusion
 * matrices, curves, fairness) is in html_model.c.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "html.h"
#include "svg.h"
#include "vigia/compare.h"
#include "vigia/quality.h"
#include "vigia/version.h"

#define esc vg_html_escape
#define num vg_html_num

static const char style[] =
    "<style>\n"
    ":root{--ref:" VG_SVG_REF_COLOR ";--cur:" VG_SVG_CUR_COLOR
    ";--bad:#c0392b;--warn:#b9770e;--ok:#1e8449;--mute:#6b7280;--line:#e5e7eb}\n"
    "*{box-sizing:border-box}body{margin:0;font:14px/1.45 system-ui,-apple-system,'Segoe UI',"
    "Roboto,'DejaVu Sans',sans-serif;color:#111827;background:#f6f7f9}\n"
    "main{max-width:1200px;margin:0 auto;padding:20px}h1{font-size:22px;margin:0 0 4px}"
    "h2{font-size:18px;margin:28px 0 10px}h3{font-size:15px;margin:0}\n"
    ".sub{color:var(--mute)}.cards{display:grid;grid-template-columns:repeat(auto-fit,"
    "minmax(210px,1fr));gap:12px;margin-top:14px}\n"
    ".card{background:#fff;border:1px solid var(--line);border-radius:8px;padding:12px 14px}"
    ".card .k{color:var(--mute);font-size:12px;text-transform:uppercase;letter-spacing:.04em}"
    ".card .v{font-size:20px;font-weight:600;margin:2px 0}\n"
    ".bad{color:var(--bad)}.warn{color:var(--warn)}.ok{color:var(--ok)}.mute{color:var(--mute)}\n"
    ".badge{display:inline-block;border-radius:10px;padding:0 8px;font-size:12px;font-weight:600;"
    "border:1px solid currentColor}\n"
    "table{border-collapse:collapse;background:#fff;width:100%}th,td{padding:4px 8px;"
    "border-bottom:1px solid var(--line);text-align:left;vertical-align:top}"
    "td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}\n"
    "th[data-sort]{cursor:pointer;user-select:none}th[data-sort]:after{content:' \\2195';"
    "color:#bbb}\n"
    ".issues li{margin:3px 0}.col{background:#fff;border:1px solid var(--line);"
    "border-left:4px solid var(--ok);border-radius:8px;padding:12px 14px;margin:12px 0}"
    ".col.drifted{border-left-color:var(--bad)}.col.skipped{border-left-color:#9ca3af}\n"
    ".col .head{display:flex;gap:10px;align-items:baseline;flex-wrap:wrap}"
    ".col .body{display:grid;grid-template-columns:minmax(300px,400px) 1fr;gap:16px;"
    "margin-top:8px}\n"
    ".col table{font-size:12.5px}.col tr.decides td{font-weight:600}"
    ".notes{margin:0 0 8px;padding-left:18px;font-size:13px}"
    "details summary{cursor:pointer;color:var(--mute);font-size:13px}\n"
    "svg.chart{width:100%;height:auto;max-width:400px;font-size:10px;fill:#374151}"
    "svg .grid line,svg line.grid{stroke:#9ca3af}svg .hover rect{fill:transparent}"
    "svg .hover rect:hover{fill:rgba(0,0,0,.06)}svg .frame{fill:none;stroke:#d1d5db}"
    "svg line.ref{stroke:#6b7280;stroke-dasharray:4 3}svg rect.bar{fill:var(--ref)}"
    "svg rect.bar.alert{fill:var(--bad)}\n"
    ".legend{font-size:12px;color:var(--mute)}.sw{display:inline-block;width:10px;height:10px;"
    "border-radius:2px;margin:0 4px 0 10px;vertical-align:-1px}\n"
    ".tools{margin:8px 0;display:flex;gap:14px;align-items:center}"
    "input[type=search]{padding:4px 8px;border:1px solid #d1d5db;border-radius:6px}\n"
    ".figs{display:flex;flex-wrap:wrap;gap:12px}figure{margin:0;background:#fff;"
    "border:1px solid var(--line);border-radius:8px;padding:8px;width:380px}"
    "figcaption{font-size:12px;color:var(--mute)}table.metrics{max-width:640px;margin:8px 0}"
    "table.metrics tr.bad td{color:var(--bad)}#model h3{margin:16px 0 6px}\n"
    "@media(max-width:760px){.col .body{grid-template-columns:1fr}}\n"
    "</style>\n";

/* Sorting the column table by a header click (numbers by data-v) and filtering the table and
 * the cards by name and by verdict. Kept tiny; the page reads fine without it. */
static const char script[] =
    "<script>\n"
    "(function(){\n"
    "var t=document.getElementById('columns-table');if(!t)return;\n"
    "var body=t.tBodies[0];\n"
    "t.querySelectorAll('th[data-sort]').forEach(function(th,i){var asc=true;"
    "th.addEventListener('click',function(){var idx=th.cellIndex,num=th.dataset.sort==='n';"
    "var rows=Array.prototype.slice.call(body.rows);rows.sort(function(a,b){"
    "var x=a.cells[idx],y=b.cells[idx];var u=num?parseFloat(x.dataset.v):x.textContent,"
    "v=num?parseFloat(y.dataset.v):y.textContent;if(num){if(isNaN(u))u=-Infinity;"
    "if(isNaN(v))v=-Infinity;}var c=u<v?-1:u>v?1:0;return asc?c:-c;});"
    "rows.forEach(function(r){body.appendChild(r);});asc=!asc;});});\n"
    "var q=document.getElementById('filter'),only=document.getElementById('only-drifted');\n"
    "function apply(){var s=q.value.toLowerCase(),d=only.checked;"
    "document.querySelectorAll('[data-name]').forEach(function(e){"
    "var show=e.dataset.name.toLowerCase().indexOf(s)>=0&&(!d||e.dataset.drifted==='1');"
    "e.style.display=show?'':'none';});}\n"
    "q.addEventListener('input',apply);only.addEventListener('change',apply);\n"
    "})();\n"
    "</script>\n";

static void pct(FILE *f, double share) {
    if (isnan(share))
        fputc('-', f);
    else
        fprintf(f, "%.3g%%", 100 * share);
}

static const char *verdict_class(const vg_compare_column *c) {
    return !c->method ? "mute" : c->drifted ? "bad" : "ok";
}

static const char *verdict_text(const vg_compare_column *c) {
    return !c->method ? "not compared" : c->drifted ? "DRIFT" : "ok";
}

/* The score of the deciding method (its error bound matters in sketch mode). */
static const vg_compare_score *deciding(const vg_compare_column *c) {
    for (size_t k = 0; c->method && k < c->nscores; k++)
        if (!strcmp(c->scores[k].method, c->method))
            return &c->scores[k];
    return NULL;
}

static const vg_compare_column *role_column(const vg_compare_result *r, const char *role) {
    for (size_t i = 0; i < r->ncols; i++)
        if (r->cols[i].role && !strcmp(r->cols[i].role, role))
            return &r->cols[i];
    return NULL;
}

/* ---- the quality result, looked up by column name ---------------------------------------- */

typedef struct {
    const vg_quality_result *q;
    const vg_quality_issue **issues; /* issues naming a column, sorted by column name */
    size_t nissues;
    size_t hint; /* quality columns follow the reference order, as drift columns do */
} quality_index;

static int cmp_issue_column(const void *a, const void *b) {
    const vg_quality_issue *x = *(const vg_quality_issue *const *)a,
                           *y = *(const vg_quality_issue *const *)b;
    int c = strcmp(x->column, y->column);
    return c ? c : (x > y) - (x < y); /* stable: keep severity order */
}

static int quality_index_init(quality_index *ix, const vg_quality_result *q) {
    memset(ix, 0, sizeof *ix);
    ix->q = q;
    if (!q || !q->nissues)
        return VG_OK;
    if (!(ix->issues = malloc(q->nissues * sizeof *ix->issues)))
        return VG_ERR_NOMEM;
    for (size_t i = 0; i < q->nissues; i++)
        if (q->issues[i].column)
            ix->issues[ix->nissues++] = &q->issues[i];
    qsort(ix->issues, ix->nissues, sizeof *ix->issues, cmp_issue_column);
    return VG_OK;
}

static const vg_quality_column *quality_column(quality_index *ix, const char *name) {
    if (!ix->q || !ix->q->ncols)
        return NULL;
    size_t n = ix->q->ncols;
    for (size_t k = 0; k < n; k++) {
        size_t i = (ix->hint + k) % n;
        if (!strcmp(ix->q->cols[i].name, name)) {
            ix->hint = i + 1;
            return &ix->q->cols[i];
        }
    }
    return NULL;
}

/* The first issue of column `name` and how many there are. */
static const vg_quality_issue *const *column_issues(const quality_index *ix, const char *name,
                                                    size_t *count) {
    size_t lo = 0, hi = ix->nissues;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (strcmp(ix->issues[mid]->column, name) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    size_t end = lo;
    while (end < ix->nissues && !strcmp(ix->issues[end]->column, name))
        end++;
    *count = end - lo;
    return ix->issues + lo;
}

/* ---- sections ---------------------------------------------------------------------------- */

static void head_title(FILE *f, const char *a, const char *b) {
    fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
          "<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">\n"
          "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
          "style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:\">\n"
          "<link rel=\"icon\" href=\"data:,\">\n<title>vigia: ",
          f);
    esc(f, a);
    if (b) {
        fputs(" vs ", f);
        esc(f, b);
    }
    fputs("</title>\n", f);
    fputs(style, f);
    fputs("</head>\n<body>\n<main>\n", f);
}

static void head(FILE *f, const vg_compare_report *rep) {
    head_title(f, rep->ref_path, rep->cur_path);
}

static void card_open(FILE *f, const char *id, const char *key) {
    fprintf(f, "<div class=\"card\" id=\"%s\"><div class=\"k\">%s</div>", id, key);
}

static void role_card(FILE *f, const vg_compare_result *r, const char *role, const char *id,
                      const char *key) {
    const vg_compare_column *c = role_column(r, role);
    card_open(f, id, key);
    if (!c) {
        fprintf(f, "<div class=\"v mute\">-</div><div class=\"sub\">no --%s column</div></div>\n",
                role);
        return;
    }
    fprintf(f, "<div class=\"v %s\">%s</div><div class=\"sub\"><a href=\"#%s-col\">",
            verdict_class(c), verdict_text(c), role);
    esc(f, c->name);
    fputs("</a>", f);
    if (c->method) {
        fprintf(f, ": %s ", c->method);
        num(f, c->uses_p_value ? c->p_value : c->statistic);
        fputs(c->uses_p_value ? " (p-value)" : "", f);
    }
    fputs("</div></div>\n", f);
}

static void summary(FILE *f, const vg_compare_report *rep) {
    const vg_compare_result *r = rep->drift;
    const vg_quality_result *q = rep->quality;
    int sketch = rep->mode && !strcmp(rep->mode, "sketch");
    fputs("<header id=\"summary\">\n<h1>Drift report</h1>\n<div class=\"sub\">reference <b>", f);
    esc(f, rep->ref_path);
    fprintf(f, "</b> (%llu rows) vs current <b>", (unsigned long long)r->ref_rows);
    esc(f, rep->cur_path);
    fprintf(f, "</b> (%llu rows)%s &middot; vigia " VG_VERSION "</div>\n<div class=\"cards\">\n",
            (unsigned long long)r->cur_rows,
            sketch ? " &middot; from profiles: scores approximate, with error bounds" : "");
    card_open(f, "verdict", "Dataset drift");
    fprintf(f,
            "<div class=\"v %s\">%s</div><div class=\"sub\">%zu of %zu columns drifted "
            "(%.0f%%; drift from %.0f%%)</div></div>\n",
            r->dataset_drift ? "bad" : "ok", r->dataset_drift ? "DRIFT" : "no drift", r->n_drifted,
            r->n_compared, 100 * r->share_drifted, 100 * r->share_threshold);
    card_open(f, "quality-card", "Data quality");
    if (q)
        fprintf(f,
                "<div class=\"v %s\">%zu issue%s</div><div class=\"sub\"><a href=\"#quality\">%zu "
                "error%s, %zu warning%s, %zu note%s</a></div></div>\n",
                q->n_errors     ? "bad"
                : q->n_warnings ? "warn"
                                : "ok",
                q->nissues, q->nissues == 1 ? "" : "s", q->n_errors, q->n_errors == 1 ? "" : "s",
                q->n_warnings, q->n_warnings == 1 ? "" : "s", q->n_infos,
                q->n_infos == 1 ? "" : "s");
    else
        fputs("<div class=\"v mute\">-</div><div class=\"sub\">not checked from profiles</div>"
              "</div>\n",
              f);
    role_card(f, r, "target", "target-card", "Target drift");
    role_card(f, r, "prediction", "prediction-card", "Prediction drift");
    if (rep->model)
        vg_html_model_cards(f, rep->model);
    fputs("</div>\n", f);
    if (r->n_drifted) {
        fputs("<p>Drifted: ", f);
        size_t shown = 0;
        for (size_t i = 0; i < r->ncols && shown < 12; i++) {
            const vg_compare_column *c = &r->cols[i];
            if (!c->method || !c->drifted || c->role)
                continue;
            fprintf(f, "%s<a href=\"#col-%zu\">", shown++ ? ", " : "", i);
            esc(f, c->name);
            fputs("</a>", f);
        }
        if (r->n_drifted > shown)
            fprintf(f, " and %zu more", r->n_drifted - shown);
        fputs("</p>\n", f);
    }
    fputs("</header>\n", f);
}

static void quality_section(FILE *f, const vg_quality_result *q) {
    if (!q)
        return;
    fputs("<section id=\"quality\">\n<h2>Data quality</h2>\n", f);
    if (!q->nissues)
        fputs("<p class=\"ok\">No issue found.</p>\n", f);
    else
        fputs("<ul class=\"issues\">\n", f);
    for (size_t i = 0; i < q->nissues; i++) {
        const vg_quality_issue *is = &q->issues[i];
        static const char *const cls[] = {"bad", "warn", "mute"};
        static const char *const word[] = {"error", "warning", "note"};
        fprintf(f, "<li><span class=\"badge %s\">%s</span> ", cls[is->severity],
                word[is->severity]);
        esc(f, is->message);
        fputs("</li>\n", f);
    }
    if (q->nissues)
        fputs("</ul>\n", f);
    fprintf(f, "<p class=\"sub\">Duplicate rows: reference %llu (",
            (unsigned long long)q->ref_duplicates);
    pct(f, q->ref_duplicate_share);
    fprintf(f, "), current %llu (", (unsigned long long)q->cur_duplicates);
    pct(f, q->cur_duplicate_share);
    fputs(").</p>\n</section>\n", f);
}

static void legend(FILE *f) {
    fputs("<div class=\"legend\"><span class=\"sw\" style=\"background:var(--ref)\"></span>"
          "reference<span class=\"sw\" style=\"background:var(--cur)\"></span>current</div>\n",
          f);
}

/* The chart of a column's distributions, or why there is none. */
static void column_chart(FILE *f, const vg_compare_column *c) {
    const vg_compare_distribution *d = c->distribution;
    if (!d) {
        fputs("<p class=\"sub\">No distribution chart", f);
        if (strcmp(c->kind, "categorical") == 0 && c->method)
            fputs(": the profiles' value counts are not exact (too many distinct values)", f);
        fputs(".</p>\n", f);
        return;
    }
    if (!d->labels) {
        vg_svg_histogram(f, d->lo, d->hi, d->n, d->ref, d->cur);
        legend(f);
        if (d->ref_other || d->cur_other)
            fprintf(f,
                    "<div class=\"sub\">not drawn: %llu infinite values in the reference, %llu in "
                    "the current data</div>\n",
                    (unsigned long long)d->ref_other, (unsigned long long)d->cur_other);
        return;
    }
    uint64_t tr = d->ref_other, tc = d->cur_other;
    for (size_t j = 0; j < d->n; j++) {
        tr += d->ref[j];
        tc += d->cur[j];
    }
    /* the other categories as one more bar */
    const char *labels[VG_COMPARE_TOP_CATEGORIES + 1];
    uint64_t ref[VG_COMPARE_TOP_CATEGORIES + 1], cur[VG_COMPARE_TOP_CATEGORIES + 1];
    size_t n = d->n < VG_COMPARE_TOP_CATEGORIES ? d->n : VG_COMPARE_TOP_CATEGORIES;
    for (size_t j = 0; j < n; j++) {
        labels[j] = d->labels[j];
        ref[j] = d->ref[j];
        cur[j] = d->cur[j];
    }
    char other[64];
    if (d->n_other_categories) {
        snprintf(other, sizeof other, "(%zu others)", d->n_other_categories);
        labels[n] = other;
        ref[n] = d->ref_other;
        cur[n++] = d->cur_other;
    }
    vg_svg_category_bars(f, labels, n, ref, cur, tr, tc);
    legend(f);
}

static void scores_table(FILE *f, const vg_compare_column *c, int sketch) {
    if (!c->nscores)
        return;
    fprintf(f,
            "<table class=\"scores\"><thead><tr><th>score</th><th class=\"n\">statistic</th>"
            "<th class=\"n\">p-value</th>%s</tr></thead><tbody>\n",
            sketch ? "<th class=\"n\">error bound</th>" : "");
    for (size_t k = 0; k < c->nscores; k++) {
        const vg_compare_score *s = &c->scores[k];
        int dec = c->method && !strcmp(s->method, c->method);
        fprintf(f, "<tr%s><td>%s%s</td><td class=\"n\">", dec ? " class=\"decides\"" : "",
                s->method, dec ? " (decides)" : "");
        num(f, s->statistic);
        fputs("</td><td class=\"n\">", f);
        num(f, s->p_value);
        if (sketch) {
            fputs("</td><td class=\"n\">", f);
            num(f, s->error_bound);
        }
        fputs("</td></tr>\n", f);
    }
    fputs("</tbody></table>\n", f);
}

/* What the quality check says of one column, in a few lines. */
static void column_notes(FILE *f, const vg_compare_column *c, const vg_quality_column *qc,
                         const vg_quality_issue *const *issues, size_t nissues) {
    fputs("<ul class=\"notes\">\n", f);
    fprintf(f, "<li>values compared: reference %llu, current %llu</li>\n",
            (unsigned long long)c->ref_count, (unsigned long long)c->cur_count);
    if (qc && qc->ref.present && qc->cur.present) {
        fputs("<li>missing: reference ", f);
        pct(f, qc->ref.missing_share);
        fputs(", current ", f);
        pct(f, qc->cur.missing_share);
        fputs("</li>\n", f);
    }
    if (c->note[0]) {
        fputs("<li>", f);
        esc(f, c->note);
        fputs("</li>\n", f);
    }
    for (size_t i = 0; i < nissues; i++) {
        static const char *const cls[] = {"bad", "warn", "mute"};
        fprintf(f, "<li class=\"%s\">", cls[issues[i]->severity]);
        esc(f, issues[i]->message);
        fputs("</li>\n", f);
    }
    fputs("</ul>\n", f);
}

static void column_card(FILE *f, const vg_compare_column *c, const char *id, int sketch,
                        quality_index *ix) {
    fprintf(f, "<article class=\"col%s\" id=\"%s\" data-drifted=\"%d\" data-name=\"",
            !c->method   ? " skipped"
            : c->drifted ? " drifted"
                         : "",
            id, c->method && c->drifted);
    esc(f, c->name);
    fputs("\">\n<div class=\"head\"><h3>", f);
    if (c->role)
        fprintf(f, "%s: ", c->role);
    esc(f, c->name);
    fprintf(f, "</h3><span class=\"badge %s\">%s</span><span class=\"sub\">%s", verdict_class(c),
            verdict_text(c), c->kind);
    if (c->method) {
        const vg_compare_score *s = deciding(c);
        fprintf(f, " &middot; %s = ", c->method);
        num(f, c->uses_p_value ? c->p_value_adjusted : c->statistic);
        if (s && s->error_bound > 0) {
            fputs(" &plusmn; ", f);
            num(f, s->error_bound);
        }
        fprintf(f, "%s, drift %s ", c->uses_p_value ? " (p-value)" : "",
                c->uses_p_value ? "below" : "from");
        num(f, c->threshold);
    }
    fprintf(f, "</span></div>\n<div class=\"body\"><div>\n");
    column_chart(f, c);
    fputs("</div><div>\n", f);
    size_t nissues = 0;
    const vg_quality_issue *const *issues =
        ix->nissues ? column_issues(ix, c->name, &nissues) : NULL;
    column_notes(f, c, quality_column(ix, c->name), issues, nissues);
    /* the deciding score is in the card's head; the others one click away */
    if (c->nscores) {
        fprintf(f, "<details><summary>all %zu scores</summary>\n", c->nscores);
        scores_table(f, c, sketch);
        fputs("</details>\n", f);
    }
    fputs("</div></div>\n</article>\n", f);
}

static void roles_section(FILE *f, const vg_compare_result *r, int sketch, quality_index *ix) {
    const vg_compare_column *t = role_column(r, "target"), *p = role_column(r, "prediction");
    if (!t && !p)
        return;
    fputs("<section id=\"target-drift\">\n<h2>Target and prediction drift</h2>\n", f);
    if (t)
        column_card(f, t, "target-col", sketch, ix);
    if (p)
        column_card(f, p, "prediction-col", sketch, ix);
    fputs("</section>\n", f);
}

/* Drifted columns first, then the others, then those not compared (as the text report). */
static int group_of(const vg_compare_column *c) {
    return !c->method ? 2 : c->drifted ? 0 : 1;
}

static void drift_section(FILE *f, const vg_compare_result *r, int sketch, quality_index *ix) {
    fputs("<section id=\"drift\">\n<h2>Columns</h2>\n", f);
    fprintf(f, "<p class=\"sub\">%zu compared, %zu drifted", r->n_compared, r->n_drifted);
    if (r->correction != VG_CORRECTION_NONE)
        fprintf(f, "; p-values %s-adjusted",
                r->correction == VG_CORRECTION_BONFERRONI ? "Bonferroni" : "Benjamini-Hochberg");
    if (r->n_ignored)
        fprintf(f, "; %zu ignored", r->n_ignored);
    fputs(".</p>\n<div class=\"tools\"><input type=\"search\" id=\"filter\" "
          "placeholder=\"filter columns\" aria-label=\"filter columns\">"
          "<label><input type=\"checkbox\" id=\"only-drifted\"> drifted only</label></div>\n",
          f);
    fputs(
        "<table id=\"columns-table\"><thead><tr><th data-sort=\"s\">column</th>"
        "<th data-sort=\"s\">kind</th><th data-sort=\"s\">method</th>"
        "<th class=\"n\" data-sort=\"n\">statistic</th><th class=\"n\" data-sort=\"n\">p-value</th>"
        "<th class=\"n\">threshold</th><th data-sort=\"s\">drift</th></tr></thead><tbody>\n",
        f);
    for (int g = 0; g < 3; g++)
        for (size_t i = 0; i < r->ncols; i++) {
            const vg_compare_column *c = &r->cols[i];
            if (c->role || group_of(c) != g)
                continue;
            fprintf(f, "<tr data-drifted=\"%d\" data-name=\"", g == 0);
            esc(f, c->name);
            fprintf(f, "\"><td><a href=\"#col-%zu\">", i);
            esc(f, c->name);
            fprintf(f, "</a></td><td>%s</td><td>%s</td><td class=\"n\" data-v=\"", c->kind,
                    c->method ? c->method : "-");
            num(f, c->statistic);
            fputs("\">", f);
            num(f, c->statistic);
            fputs("</td><td class=\"n\" data-v=\"", f);
            num(f, c->p_value_adjusted);
            fputs("\">", f);
            num(f, c->p_value_adjusted);
            fputs("</td><td class=\"n\">", f);
            num(f, c->threshold);
            fprintf(f, "</td><td class=\"%s\">%s</td></tr>\n", verdict_class(c), verdict_text(c));
        }
    fputs("</tbody></table>\n", f);
    for (int g = 0; g < 3; g++)
        for (size_t i = 0; i < r->ncols; i++) {
            const vg_compare_column *c = &r->cols[i];
            if (c->role || group_of(c) != g)
                continue;
            char id[32];
            snprintf(id, sizeof id, "col-%zu", i);
            column_card(f, c, id, sketch, ix);
        }
    fputs("</section>\n", f);
}

static void name_list(FILE *f, const char *what, char **names, size_t n) {
    if (!n)
        return;
    fprintf(f, "<p>%zu column%s only in the %s data: ", n, n == 1 ? "" : "s", what);
    for (size_t i = 0; i < n; i++) {
        fputs(i ? ", <code>" : "<code>", f);
        esc(f, names[i]);
        fputs("</code>", f);
    }
    fputs("</p>\n", f);
}

static void schema_section(FILE *f, const vg_compare_result *r) {
    if (!r->n_only_ref && !r->n_only_cur)
        return;
    fputs("<section id=\"schema\">\n<h2>Schema</h2>\n", f);
    name_list(f, "reference", r->only_ref, r->n_only_ref);
    name_list(f, "current", r->only_cur, r->n_only_cur);
    fputs("</section>\n", f);
}

int vg_report_compare_html(const vg_compare_report *rep, FILE *f, vg_error *err) {
    if (!rep || !rep->drift || !f)
        return vg_error_set(err, VG_ERR_INVALID, "vg_report_compare_html: no report or file");
    const vg_compare_result *r = rep->drift;
    int sketch = rep->mode && !strcmp(rep->mode, "sketch");
    quality_index ix;
    if (quality_index_init(&ix, rep->quality) != VG_OK)
        return vg_error_set(err, VG_ERR_NOMEM, "out of memory");
    head(f, rep);
    summary(f, rep);
    quality_section(f, rep->quality);
    if (rep->model)
        vg_html_model_section(f, rep->model);
    roles_section(f, r, sketch, &ix);
    drift_section(f, r, sketch, &ix);
    schema_section(f, r);
    fputs("<footer class=\"sub\"><p>Generated by vigia " VG_VERSION
          ". Charts: each dataset's share of its values per bin or category; hover for counts."
          "</p></footer>\n</main>\n",
          f);
    fputs(script, f);
    fputs("</body>\n</html>\n", f);
    free(ix.issues);
    if (ferror(f))
        return vg_error_set(err, VG_ERR_IO, "cannot write the HTML report");
    return VG_OK;
}

int vg_eval_html(const vg_eval_result *r, FILE *f, vg_error *err) {
    if (!r || !f)
        return vg_error_set(err, VG_ERR_INVALID, "vg_eval_html: no result or file");
    vg_eval_comparison m = {NULL, r, NULL, ""};
    head_title(f, r->path, NULL);
    fputs("<header id=\"summary\">\n<h1>Model report</h1>\n<div class=\"sub\"><b>", f);
    esc(f, r->path);
    fprintf(f, "</b> (%llu rows) &middot; vigia " VG_VERSION "</div>\n<div class=\"cards\">\n",
            (unsigned long long)r->rows);
    vg_html_model_cards(f, &m);
    fputs("</div>\n</header>\n", f);
    if (r->computed)
        vg_html_model_section(f, &m);
    else
        fputs("<section id=\"model\"><h2>Model quality</h2><p class=\"sub\">No row has both a "
              "target and a prediction.</p></section>\n",
              f);
    fputs("<footer class=\"sub\"><p>Generated by vigia " VG_VERSION ".</p></footer>\n</main>\n", f);
    fputs(script, f);
    fputs("</body>\n</html>\n", f);
    if (ferror(f))
        return vg_error_set(err, VG_ERR_IO, "cannot write the HTML report");
    return VG_OK;
}
