/*
 * Sections of the HTML report shared between html.c (the page) and html_model.c (the model
 * section), private to src/report.
 */
#ifndef VG_REPORT_HTML_H
#define VG_REPORT_HTML_H

#include <stdio.h>

#include "vigia/evaluate.h"

/* m->reference may be NULL: one dataset (vigia evaluate), shown alone. */

/* Summary cards: the headline metric of the current data against the reference (or the
 * estimate without labels) and the count of four-fifths flags. */
void vg_html_model_cards(FILE *f, const vg_eval_comparison *m);
/* <section id="model">: metrics, estimate, confusion matrices, curves, fairness. */
void vg_html_model_section(FILE *f, const vg_eval_comparison *m);

#endif
