/*
 * vigia's configuration file (YAML, docs/config.md), as far as `vigia compare` reads it: the
 * `compare:` section with the drift methods and thresholds (global, per kind, per column), the
 * dataset-drift share, bins, the multiple-testing correction, ignored columns and column roles.
 * Other top-level sections are left for the commands that own them (`serve:` later) and
 * ignored here; unknown keys inside `compare:` are errors, so that a typo is never silently
 * ignored.
 *
 * vg_config_load parses the file into a vg_config that owns every string; the options it
 * fills point into it, so the config must outlive them.
 */
#ifndef VIGIA_CONFIG_H
#define VIGIA_CONFIG_H

#include <stddef.h>

#include "vigia/compare.h"
#include "vigia/error.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct vg_config vg_config;

/* Parses `path`. Errors (VG_ERR_IO, VG_ERR_PARSE) name the file, line and column. */
int vg_config_load(const char *path, vg_config **out, vg_error *err);
/* The same from `len` bytes in memory; `name` stands for the file in messages. */
int vg_config_parse(const void *data, size_t len, const char *name, vg_config **out, vg_error *err);
void vg_config_free(vg_config *c);

/* Applies the `compare:` section to `o` (settings absent from the file are left as they are, so
 * call vg_compare_options_default first and apply command-line flags after). */
void vg_config_compare_options(const vg_config *c, vg_compare_options *o);

#ifdef __cplusplus
}
#endif
#endif
