/*
 * Plain-text tables for terminal output: cells are collected first, then printed with each
 * column as wide as its widest cell (by UTF-8 code points). Numbers right-aligned.
 */
#ifndef VG_REPORT_TABLE_H
#define VG_REPORT_TABLE_H

#include <stddef.h>
#include <stdio.h>

typedef struct vg_table vg_table;

vg_table *vg_table_new(size_t ncols);
void vg_table_free(vg_table *t);
/* Appends a cell to the current row (printf-style); `right` aligns it right. A failure is
 * remembered and makes vg_table_print fail, so callers may check only at the end. */
int vg_table_cell(vg_table *t, int right, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;
/* Formats a number compactly: integers exactly, others with 6 significant digits; "-" for
 * NaN. */
int vg_table_num(vg_table *t, double x);
int vg_table_print(const vg_table *t, FILE *f);

#endif
