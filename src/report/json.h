/*
 * Small helpers shared by the JSON reports (profile, compare): numbers that may be
 * non-finite, strings that may not be UTF-8, and insertion that remembers allocation failure.
 */
#ifndef VG_REPORT_JSON_H
#define VG_REPORT_JSON_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

/* A real, or null for NaN and infinities (JSON has no form for them). */
json_t *vg_json_num(double x);
json_t *vg_json_count(uint64_t n);
/* A string from bytes that should be UTF-8 (a file name may not be): invalid bytes become
 * U+FFFD rather than making the whole document fail. */
json_t *vg_json_text(const char *s, size_t n);
json_t *vg_json_str(const char *s);
/* json_object_set_new that sets *oom instead of ignoring a failure (v may be NULL). */
void vg_json_put(json_t *o, const char *key, json_t *v, int *oom);

#endif
