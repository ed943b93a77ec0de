/*
 * The "C" locale, for number parsing and printing that must not change with the locale of a
 * program embedding libvigia (a German locale would make strtod stop at the '.' of "1.5").
 */
#ifndef VG_BASE_CLOCALE_H
#define VG_BASE_CLOCALE_H

#include <locale.h>

/* A process-wide "C" locale object, created on first use (thread-safe). (locale_t)0 if it
 * could not be created; callers then fall back to the current locale. */
locale_t vg_c_locale(void);

#endif
