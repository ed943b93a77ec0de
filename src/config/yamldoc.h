/*
 * Reading one YAML document with libyaml, for every YAML file vigia reads (the configuration
 * here, constraint suites in src/check): the file or bytes become a node tree, or an error
 * naming the file, line and column of the syntax problem.
 */
#ifndef VG_CONFIG_YAMLDOC_H
#define VG_CONFIG_YAMLDOC_H

#include <stddef.h>
#include <yaml.h>

#include "vigia/error.h"

/* Loads the document of the file `path` (data NULL), or of `len` bytes at `data` with `name`
 * standing for the file in messages. On VG_OK the caller deletes *doc with
 * yaml_document_delete; otherwise VG_ERR_IO, VG_ERR_NOMEM or VG_ERR_PARSE
 * ("name:line:column: YAML syntax error: ..."). */
int vg_yaml_load(const char *path, const void *data, size_t len, const char *name,
                 yaml_document_t *doc, vg_error *err);

#endif
