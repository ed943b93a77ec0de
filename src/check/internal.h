/*
 * Shared by the check module's files: exact counts of a vg_samples column (run.c), which
 * suggest.c needs too, so that what it proposes is measured exactly as `vigia check` measures.
 */
#ifndef VG_CHECK_INTERNAL_H
#define VG_CHECK_INTERNAL_H

#include <stdint.h>

#include "../drift/internal.h"
#include "vigia/check.h"

/* Distinct non-missing values, and occurrences that repeat an earlier value. */
void vg_check_column_counts(const vg_samples_column *col, uint64_t *distinct, uint64_t *dups);

/* A metric or fairness constraint on data->path (model.c): fills o; fails only on NOMEM. */
int vg_check_model(vg_check_outcome *o, const vg_constraint *c, const vg_check_data *data,
                   vg_error *err);

#endif
