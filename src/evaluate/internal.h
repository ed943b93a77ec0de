/*
 * Internals of src/evaluate/: the loaded columns of one file, shared by evaluate.c (loading,
 * plan, metrics) and eval_report.c (nothing there reads rows; it only needs the types).
 */
#ifndef VG_EVALUATE_INTERNAL_H
#define VG_EVALUATE_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "vigia/evaluate.h"

/* Column slots of vg_eval_data: the target, the prediction, then one per proba column, then
 * one per sensitive column. */
enum { EV_TARGET = 0, EV_PRED = 1, EV_FIRST_PROBA = 2 };

/* One kept column: per row the vg_kind and a double that is the number, 1/0 for a boolean, or
 * the string id (vg_eval_data.str) for text. name points into the options (not owned); idx is
 * the column's position in the file, -1 when absent. */
typedef struct ev_col {
    const char *name;
    long idx;
    uint8_t *kind;
    double *val;
} ev_col;

struct vg_eval_data {
    char *path;
    uint64_t rows;
    size_t row_cap;
    uint64_t *line; /* line of each row, for messages */
    size_t ncols, n_proba;
    ev_col *cols;
    /* string pool: each distinct text once, found through an open-addressing table */
    char **str;
    size_t *str_len;
    size_t nstr, str_cap;
    uint32_t *slots;
    size_t nslots;
};

/* A sorted set of label keys (the plan's classes); defined in evaluate.c. */
typedef struct ev_keyset ev_keyset;
void ev_keyset_free(ev_keyset *s);

#endif
