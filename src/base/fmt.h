/*
 * Number formatting for reports: the shortest "%.{15,16,17}g" text that reads back as the
 * same double, so 0.1 prints as 0.1 and not 0.10000000000000001.
 */
#ifndef VG_BASE_FMT_H
#define VG_BASE_FMT_H

#include <stddef.h>

/* Writes x into buf (at least 32 bytes); returns the length. */
int vg_fmt_double(char *buf, size_t size, double x);

#endif
