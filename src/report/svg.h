/*
 * Inline SVG charts and HTML escaping for the HTML reports (html.c).
 *
 * Each chart function writes one <svg class="chart" data-chart="KIND"> element, sized by its
 * viewBox so that CSS scales it, from plain arrays: nothing here knows about vigia's result
 * types, so the model section (ROC, PR and calibration curves, confusion matrix, fairness
 * bars) wires in by passing arrays. Every string that comes from data goes through
 * vg_html_escape. The functions write to the caller's FILE and never fail on their own: the
 * caller checks ferror() once at the end.
 */
#ifndef VG_REPORT_SVG_H
#define VG_REPORT_SVG_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* The two datasets keep these colours in every chart and legend of a report. */
#define VG_SVG_REF_COLOR "#4c78a8"
#define VG_SVG_CUR_COLOR "#f58518"

/* Writes s with &, <, >, " and ' escaped (safe in text and in quoted attributes); NULL writes
 * nothing. vg_html_escape_max stops after max code points and appends an ellipsis (labels). */
void vg_html_escape(FILE *f, const char *s);
void vg_html_escape_max(FILE *f, const char *s, size_t max);

/* A number for a person: %.4g, "-" for NaN. */
void vg_html_num(FILE *f, double x);

/* Two samples' histograms overlaid on n shared equal-width bins over [lo, hi], each as shares
 * of its own total, so that samples of different sizes compare. */
void vg_svg_histogram(FILE *f, double lo, double hi, size_t n, const uint64_t *ref,
                      const uint64_t *cur);

/* Paired horizontal bars, one row per category (reference above current), as shares of
 * ref_total and cur_total; labels are cut to fit, the full text is in each row's tooltip. */
void vg_svg_category_bars(FILE *f, const char *const *labels, size_t n, const uint64_t *ref,
                          const uint64_t *cur, uint64_t ref_total, uint64_t cur_total);

/* One curve of a line chart. color NULL = the next of a small palette. */
typedef struct vg_svg_series {
    const char *name;
    const double *x, *y;
    size_t n;
    const char *color;
} vg_svg_series;

/* Curves over [xmin, xmax] x [ymin, ymax] with axis titles and a legend; `diagonal` draws the
 * y = x line (chance for ROC, perfect calibration). Points with a NaN coordinate are skipped. */
void vg_svg_line_chart(FILE *f, const vg_svg_series *s, size_t ns, double xmin, double xmax,
                       double ymin, double ymax, const char *xtitle, const char *ytitle,
                       int diagonal);

/* Vertical bars, one per label, on [0, max(values, ref_line)], with a dashed reference line at
 * ref_line (NaN: none) named ref_name: fairness ratios with the four-fifths line. Bars below the
 * line are drawn in the alert colour. */
void vg_svg_bar_chart(FILE *f, const char *const *labels, const double *values, size_t n,
                      double ref_line, const char *ref_name);

/* A k x k matrix of counts (row-major: m[i * k + j]), cells shaded by their share of the row,
 * with the count written in each: a confusion matrix (rows actual, columns predicted). */
void vg_svg_heatmap(FILE *f, const char *const *labels, const uint64_t *m, size_t k,
                    const char *row_title, const char *col_title);

/* A table of model metrics, reference against current: name, both values and the change,
 * marked "worse" (class bad) when it goes the wrong way by more than `tolerance` times the
 * reference value's magnitude (0.01: 1%).
 * lower_is_better[i] != 0 for errors and losses (NULL: higher is better for all). NaN values
 * show as "-" and are never marked. For the model section's metric table. */
void vg_html_metric_table(FILE *f, const char *const *names, const double *ref, const double *cur,
                          const int *lower_is_better, size_t n, double tolerance);

#endif
