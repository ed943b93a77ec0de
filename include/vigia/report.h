/*
 * Rendering profiles for people and programs: JSON (keys documented in docs/json.md, stable
 * across releases) and a plain-text table for terminals.
 */
#ifndef VIGIA_REPORT_H
#define VIGIA_REPORT_H

#include <stdio.h>

#include "vigia/ingest.h"
#include "vigia/profile.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Probabilities reported under "quantiles". */
#define VG_REPORT_NQUANTILES 7
extern const double vg_report_quantiles[VG_REPORT_NQUANTILES];
/* Number of most frequent values reported under "top". */
#define VG_REPORT_TOP 10

/* Returns a malloc'd NUL-terminated JSON document (the caller frees it), or NULL with err set.
 * source and stats may be NULL. */
char *vg_report_profile_json(const vg_profile *p, const char *source, const vg_ingest_stats *stats,
                             vg_error *err);

/* Writes a human-readable summary to f. */
int vg_report_profile_text(const vg_profile *p, const char *source, const vg_ingest_stats *stats,
                           FILE *f, vg_error *err);

#ifdef __cplusplus
}
#endif
#endif
