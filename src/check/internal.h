/*
 * Shared by the check module's files: exact counts of a vg_samples column (run.c), which
 * suggest.c needs too, so that what it proposes is measured exactly as `vigia check` measures.
 */
#ifndef VG_CHECK_INTERNAL_H
#define VG_CHECK_INTERNAL_H

#include <stdint.h>

#include "../drift/internal.h"

/* Distinct non-missing values, and occurrences that repeat an earlier value. */
void vg_check_column_counts(const vg_samples_column *col, uint64_t *distinct, uint64_t *dups);

#endif
