/*
 * Inline SVG charts for the HTML reports (see svg.h).
 *
 * Charts are drawn in a fixed coordinate system (the viewBox) and scaled by CSS. Coordinates
 * are written with one decimal, enough at any screen size and small: a report carries
 * hundreds of charts. Areas are single <path> elements rather than a <rect> per bin for the
 * same reason; the per-bin tooltips are transparent rectangles over the plot.
 */
#include "svg.h"

#include <math.h>
#include <string.h>

void vg_html_escape_max(FILE *f, const char *s, size_t max) {
    if (!s)
        return;
    size_t points = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if ((*p & 0xC0) != 0x80 && points++ == max) {
            fputs("\xe2\x80\xa6", f); /* … */
            return;
        }
        switch (*p) {
        case '&': fputs("&amp;", f); break;
        case '<': fputs("&lt;", f); break;
        case '>': fputs("&gt;", f); break;
        case '"': fputs("&quot;", f); break;
        case '\'': fputs("&#39;", f); break;
        default: fputc(*p, f);
        }
    }
}

void vg_html_escape(FILE *f, const char *s) {
    vg_html_escape_max(f, s, SIZE_MAX);
}

void vg_html_num(FILE *f, double x) {
    if (isnan(x))
        fputc('-', f);
    else
        fprintf(f, "%.4g", x);
}

static double share(uint64_t c, uint64_t total) {
    return total ? (double)c / (double)total : 0;
}

/* Axis label text of a number: short, no exponent for ordinary magnitudes. */
static void tick(FILE *f, double x) {
    fprintf(f, "%.4g", x);
}

static void open_svg(FILE *f, const char *kind, double w, double h) {
    fprintf(f,
            "<svg class=\"chart\" data-chart=\"%s\" viewBox=\"0 0 %.0f %.0f\" "
            "xmlns=\"http://www.w3.org/2000/svg\" role=\"img\">",
            kind, w, h);
}

/* ---- histogram ------------------------------------------------------------------------- */

enum { HW = 380, HH = 170, HL = 44, HR = 10, HT = 10, HB = 30 };

/* A step area of the shares counts[j] / total over the bins, closed along the baseline. */
static void area(FILE *f, const uint64_t *counts, uint64_t total, size_t n, double ymax,
                 const char *color, double opacity) {
    double pw = HW - HL - HR, ph = HH - HT - HB, base = HT + ph;
    fprintf(f,
            "<path fill=\"%s\" fill-opacity=\"%.2f\" stroke=\"%s\" stroke-width=\"1.5\" "
            "d=\"M%.1f %.1f",
            color, opacity, color, (double)HL, base);
    for (size_t j = 0; j < n; j++) {
        double yy = base - (ymax > 0 ? share(counts[j], total) / ymax : 0) * ph;
        fprintf(f, "V%.1fH%.1f", yy, HL + pw * (double)(j + 1) / (double)n);
    }
    fprintf(f, "V%.1fZ\"/>", base);
}

void vg_svg_histogram(FILE *f, double lo, double hi, size_t n, const uint64_t *ref,
                      const uint64_t *cur) {
    uint64_t tr = 0, tc = 0;
    for (size_t j = 0; j < n; j++) {
        tr += ref[j];
        tc += cur[j];
    }
    double ymax = 0;
    for (size_t j = 0; j < n; j++)
        ymax = fmax(ymax, fmax(share(ref[j], tr), share(cur[j], tc)));
    double pw = HW - HL - HR, ph = HH - HT - HB, base = HT + ph;
    open_svg(f, "histogram", HW, HH);
    fprintf(f, "<g class=\"grid\"><line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\"/>", HL, base,
            HW - HR, base);
    fprintf(f, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%.1f\"/></g>", HL, HT, HL, base);
    /* the reference as a filled shape, the current data over it mostly as an outline */
    area(f, ref, tr, n, ymax, VG_SVG_REF_COLOR, 0.45);
    area(f, cur, tc, n, ymax, VG_SVG_CUR_COLOR, 0.15);
    /* axes: the range's ends and middle, 0 and the largest share */
    fprintf(f, "<g class=\"axis\"><text x=\"%d\" y=\"%d\" text-anchor=\"start\">", HL, HH - 12);
    tick(f, lo);
    fprintf(f, "</text><text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">", HL + pw / 2, HH - 12);
    tick(f, lo + (hi - lo) / 2);
    fprintf(f, "</text><text x=\"%d\" y=\"%d\" text-anchor=\"end\">", HW - HR, HH - 12);
    tick(f, hi);
    fprintf(f, "</text><text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">0</text>", HL - 4, base);
    fprintf(f, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">%.3g%%</text></g>", HL - 4, HT + 8,
            100 * ymax);
    /* a tooltip per bin */
    fputs("<g class=\"hover\">", f);
    for (size_t j = 0; j < n; j++) {
        double x0 = HL + pw * (double)j / (double)n, w = pw / (double)n;
        fprintf(f, "<rect x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"%.1f\"><title>[", x0, HT, w,
                ph);
        tick(f, lo + (hi - lo) * (double)j / (double)n);
        fputs(", ", f);
        tick(f, lo + (hi - lo) * (double)(j + 1) / (double)n);
        fprintf(f, "%s reference %.2f%% (%llu), current %.2f%% (%llu)</title></rect>",
                j + 1 == n ? "]" : ")", 100 * share(ref[j], tr), (unsigned long long)ref[j],
                100 * share(cur[j], tc), (unsigned long long)cur[j]);
    }
    fputs("</g></svg>", f);
}

/* ---- categories ------------------------------------------------------------------------ */

enum { CW = 380, CL = 120, CR = 52, CROW = 18 };

void vg_svg_category_bars(FILE *f, const char *const *labels, size_t n, const uint64_t *ref,
                          const uint64_t *cur, uint64_t ref_total, uint64_t cur_total) {
    double smax = 0;
    for (size_t j = 0; j < n; j++)
        smax = fmax(smax, fmax(share(ref[j], ref_total), share(cur[j], cur_total)));
    double pw = CW - CL - CR, h = (double)n * CROW + 4;
    open_svg(f, "categories", CW, h);
    fprintf(f, "<line class=\"grid\" x1=\"%d\" y1=\"0\" x2=\"%d\" y2=\"%.1f\"/>", CL, CL, h);
    for (size_t j = 0; j < n; j++) {
        double y = 2 + (double)j * CROW;
        double sr = share(ref[j], ref_total), sc = share(cur[j], cur_total);
        fputs("<g><title>", f);
        vg_html_escape(f, labels[j]);
        fprintf(f, ": reference %.2f%% (%llu), current %.2f%% (%llu)</title>", 100 * sr,
                (unsigned long long)ref[j], 100 * sc, (unsigned long long)cur[j]);
        fprintf(f, "<text class=\"label\" x=\"%d\" y=\"%.1f\" text-anchor=\"end\">", CL - 4,
                y + 12);
        vg_html_escape_max(f, labels[j], 18);
        fprintf(f,
                "</text><rect fill=\"%s\" x=\"%d\" y=\"%.1f\" width=\"%.1f\" height=\"7\"/>"
                "<rect fill=\"%s\" x=\"%d\" y=\"%.1f\" width=\"%.1f\" height=\"7\"/>",
                VG_SVG_REF_COLOR, CL, y + 1, smax > 0 ? pw * sr / smax : 0, VG_SVG_CUR_COLOR, CL,
                y + 8, smax > 0 ? pw * sc / smax : 0);
        fprintf(f, "<text class=\"value\" x=\"%.1f\" y=\"%.1f\">%.1f%%</text></g>",
                CL + (smax > 0 ? pw * fmax(sr, sc) / smax : 0) + 3, y + 12, 100 * sc);
    }
    fputs("</svg>", f);
}

/* ---- line chart ------------------------------------------------------------------------ */

enum { LW = 380, LH = 300, LL = 48, LR = 12, LT = 12, LB = 40 };

static const char *const palette[] = {"#4c78a8", "#f58518", "#54a24b", "#e45756",
                                      "#72b7b2", "#b279a2", "#9d755d", "#bab0ac"};

void vg_svg_line_chart(FILE *f, const vg_svg_series *s, size_t ns, double xmin, double xmax,
                       double ymin, double ymax, const char *xtitle, const char *ytitle,
                       int diagonal) {
    double pw = LW - LL - LR, ph = LH - LT - LB;
    double dx = xmax > xmin ? xmax - xmin : 1, dy = ymax > ymin ? ymax - ymin : 1;
/* points outside the ranges are drawn on the frame */
#define PX(x) (LL + pw * (fmin(fmax((x), xmin), xmax) - xmin) / dx)
#define PY(y) (LT + ph - ph * (fmin(fmax((y), ymin), ymax) - ymin) / dy)
    open_svg(f, "line", LW, LH);
    fprintf(f, "<rect class=\"frame\" x=\"%d\" y=\"%d\" width=\"%.0f\" height=\"%.0f\"/>", LL, LT,
            pw, ph);
    if (diagonal) {
        double a = fmax(xmin, ymin), b = fmin(xmax, ymax);
        if (b > a)
            fprintf(f, "<line class=\"ref\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>",
                    PX(a), PY(a), PX(b), PY(b));
    }
    fputs("<g class=\"axis\">", f);
    for (int t = 0; t <= 4; t++) {
        double xv = xmin + dx * t / 4, yv = ymin + dy * t / 4;
        fprintf(f, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">", PX(xv), LH - LB + 14);
        tick(f, xv);
        fprintf(f, "</text><text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">", LL - 4, PY(yv) + 4);
        tick(f, yv);
        fputs("</text>", f);
    }
    fprintf(f, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">", LL + pw / 2, LH - 6);
    vg_html_escape(f, xtitle);
    fprintf(f,
            "</text><text transform=\"rotate(-90)\" x=\"%.1f\" y=\"12\" "
            "text-anchor=\"middle\">",
            -(LT + ph / 2));
    vg_html_escape(f, ytitle);
    fputs("</text></g>", f);
    for (size_t k = 0; k < ns; k++) {
        const char *color = s[k].color ? s[k].color : palette[k % 8];
        fprintf(f, "<path class=\"curve\" fill=\"none\" stroke=\"%s\" stroke-width=\"2\" d=\"",
                color);
        int pen = 0;
        for (size_t i = 0; i < s[k].n; i++) {
            if (isnan(s[k].x[i]) || isnan(s[k].y[i])) {
                pen = 0;
                continue;
            }
            fprintf(f, "%c%.1f %.1f", pen ? 'L' : 'M', PX(s[k].x[i]), PY(s[k].y[i]));
            pen = 1;
        }
        fputs("\"><title>", f);
        vg_html_escape(f, s[k].name);
        fputs("</title></path>", f);
        /* legend, top left inside the frame */
        double ly = LT + 14 + 14 * (double)k;
        fprintf(f,
                "<g class=\"legend\"><rect x=\"%d\" y=\"%.1f\" width=\"10\" height=\"3\" "
                "fill=\"%s\"/><text x=\"%d\" y=\"%.1f\">",
                LL + 8, ly - 4, color, LL + 22, ly);
        vg_html_escape_max(f, s[k].name, 32);
        fputs("</text></g>", f);
    }
    fputs("</svg>", f);
#undef PX
#undef PY
}

/* ---- bar chart with a reference line --------------------------------------------------- */

enum { BW = 380, BH = 220, BL = 44, BR = 12, BT = 12, BB = 40 };

void vg_svg_bar_chart(FILE *f, const char *const *labels, const double *values, size_t n,
                      double ref_line, const char *ref_name) {
    double vmax = isnan(ref_line) ? 0 : ref_line;
    for (size_t i = 0; i < n; i++)
        if (!isnan(values[i]))
            vmax = fmax(vmax, values[i]);
    if (!(vmax > 0))
        vmax = 1;
    vmax *= 1.1;
    double pw = BW - BL - BR, ph = BH - BT - BB, base = BT + ph, slot = n ? pw / (double)n : pw;
    open_svg(f, "bars", BW, BH);
    fprintf(f, "<line class=\"grid\" x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\"/>", BL, base,
            BW - BR, base);
    fprintf(f, "<g class=\"axis\"><text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">0</text>", BL - 4,
            base);
    fprintf(f, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">", BL - 4, BT + 8);
    tick(f, vmax);
    fputs("</text></g>", f);
    for (size_t i = 0; i < n; i++) {
        double v = isnan(values[i]) ? 0 : values[i], h = ph * v / vmax;
        int below = !isnan(ref_line) && !isnan(values[i]) && values[i] < ref_line;
        fputs("<g><title>", f);
        vg_html_escape(f, labels[i]);
        fputs(": ", f);
        vg_html_num(f, values[i]);
        fprintf(f,
                "</title><rect class=\"%s\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\"/>",
                below ? "bar alert" : "bar", BL + slot * (double)i + slot * 0.15, base - h,
                slot * 0.7, h);
        fprintf(f, "<text class=\"label\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">",
                BL + slot * ((double)i + 0.5), base + 14);
        vg_html_escape_max(f, labels[i], (size_t)(slot / 7) > 3 ? (size_t)(slot / 7) : 3);
        fputs("</text></g>", f);
    }
    if (!isnan(ref_line)) {
        double y = base - ph * ref_line / vmax;
        fprintf(f,
                "<line class=\"ref\" x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\"/>"
                "<text class=\"reflabel\" x=\"%d\" y=\"%.1f\" text-anchor=\"end\">",
                BL, y, BW - BR, y, BW - BR, y - 3);
        vg_html_escape(f, ref_name);
        fputs("</text>", f);
    }
    fputs("</svg>", f);
}

/* ---- heatmap --------------------------------------------------------------------------- */

void vg_svg_heatmap(FILE *f, const char *const *labels, const uint64_t *m, size_t k,
                    const char *row_title, const char *col_title) {
    /* the width of the other charts, so that text keeps its size when CSS scales them */
    double left = 90, top = 40, cell = k ? fmin(60, 280.0 / (double)k) : 60;
    double w = 380, h = top + cell * (double)k + 10;
    open_svg(f, "heatmap", w, h);
    fprintf(f, "<g class=\"axis\"><text x=\"%.1f\" y=\"12\" text-anchor=\"middle\">",
            left + cell * (double)k / 2);
    vg_html_escape(f, col_title);
    fprintf(f,
            "</text><text transform=\"rotate(-90)\" x=\"%.1f\" y=\"12\" "
            "text-anchor=\"middle\">",
            -(top + cell * (double)k / 2));
    vg_html_escape(f, row_title);
    fputs("</text>", f);
    for (size_t j = 0; j < k; j++) {
        fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">",
                left + cell * ((double)j + 0.5), top - 6);
        vg_html_escape_max(f, labels[j], 8);
        fprintf(f, "</text><text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">", left - 4,
                top + cell * ((double)j + 0.5) + 4);
        vg_html_escape_max(f, labels[j], 10);
        fputs("</text>", f);
    }
    fputs("</g>", f);
    for (size_t i = 0; i < k; i++) {
        uint64_t row = 0;
        for (size_t j = 0; j < k; j++)
            row += m[i * k + j];
        for (size_t j = 0; j < k; j++) {
            double s = share(m[i * k + j], row);
            double x = left + cell * (double)j, y = top + cell * (double)i;
            /* white to the reference blue (76, 120, 168) by the row share */
            int rr = (int)lround(255 - s * (255 - 76)), gg = (int)lround(255 - s * (255 - 120)),
                bb = (int)lround(255 - s * (255 - 168));
            fputs("<g><title>actual ", f);
            vg_html_escape(f, labels[i]);
            fputs(", predicted ", f);
            vg_html_escape(f, labels[j]);
            fprintf(f,
                    ": %llu (%.1f%% of the row)</title><rect x=\"%.1f\" y=\"%.1f\" "
                    "width=\"%.1f\" height=\"%.1f\" fill=\"#%02x%02x%02x\" stroke=\"#fff\"/>"
                    "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" fill=\"%s\">%llu</text>"
                    "</g>",
                    (unsigned long long)m[i * k + j], 100 * s, x, y, cell, cell, rr, gg, bb,
                    x + cell / 2, y + cell / 2 + 4, s > 0.5 ? "#fff" : "#222",
                    (unsigned long long)m[i * k + j]);
        }
    }
    fputs("</svg>", f);
}

/* ---- metric table ---------------------------------------------------------------------- */

void vg_html_metric_table(FILE *f, const char *const *names, const double *ref, const double *cur,
                          const int *lower_is_better, size_t n, double tolerance) {
    fputs("<table class=\"metrics\"><thead><tr><th>metric</th><th class=\"n\">reference</th>"
          "<th class=\"n\">current</th><th class=\"n\">change</th></tr></thead><tbody>\n",
          f);
    for (size_t i = 0; i < n; i++) {
        double d = cur[i] - ref[i];
        int lower = lower_is_better && lower_is_better[i];
        double tol = tolerance * fabs(ref[i]);
        int worse = !isnan(d) && (lower ? d > tol : d < -tol);
        fprintf(f, "<tr%s><td>", worse ? " class=\"bad\"" : "");
        vg_html_escape(f, names[i]);
        fputs("</td><td class=\"n\">", f);
        vg_html_num(f, ref[i]);
        fputs("</td><td class=\"n\">", f);
        vg_html_num(f, cur[i]);
        fputs("</td><td class=\"n\">", f);
        if (isnan(d))
            fputc('-', f);
        else
            fprintf(f, "%+.3g%s", d, worse ? " (worse)" : "");
        fputs("</td></tr>\n", f);
    }
    fputs("</tbody></table>\n", f);
}
