/*
 * Input checks shared by the estimation modules (cbpe.c, isotonic.c): probabilities in [0, 1]
 * and labels in {0, 1}, with a message naming the function, the array and the index at fault.
 */
#ifndef VG_ESTIMATE_INTERNAL_H
#define VG_ESTIMATE_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "vigia/error.h"

int vg_estimate_check_scores(const char *fn, const char *what, const double *s, size_t n,
                             vg_error *err);
int vg_estimate_check_labels(const char *fn, const char *what, const uint8_t *y, size_t n,
                             vg_error *err);

#endif
