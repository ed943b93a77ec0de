/*
 * Internal layout of vg_samples, shared by samples.c (loading) and compare.c (scoring).
 */
#ifndef VG_DRIFT_INTERNAL_H
#define VG_DRIFT_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "vigia/compare.h"

typedef struct {
    char *text;
    size_t len;
    uint64_t hash;
    uint64_t count;
} vg_samples_category;

typedef struct {
    char *name;
    uint64_t missing;
    uint64_t n_other; /* non-numeric, non-missing values */
    double *num;      /* numeric values */
    size_t nnum, numcap;
    vg_samples_category *cat; /* distinct values with counts */
    size_t ncat;
    uint32_t *cat_index; /* open addressing, category index + 1 */
    size_t cat_cap;
} vg_samples_column;

struct vg_samples {
    uint64_t rows;
    size_t ncols;
    vg_samples_column *cols;
};

int vg_samples_find_category(const vg_samples_column *c, const char *t, size_t n);

#endif
