/*
 * Reading one YAML document with libyaml, for every YAML file vigia reads (the configuration
 * here, constraint suites in src/check): the file or bytes become a node tree, or an error
 * naming the file, line and column of the syntax problem.
 */
#ifndef VG_CONFIG_YAMLDOC_H
#define VG_CONFIG_YAMLDOC_H

#include <stdarg.h>
#include <stddef.h>
#include <yaml.h>

#include "vigia/error.h"

/* Loads the document of the file `path` (data NULL), or of `len` bytes at `data` with `name`
 * standing for the file in messages. On VG_OK the caller deletes *doc with
 * yaml_document_delete; otherwise VG_ERR_IO, VG_ERR_NOMEM or VG_ERR_PARSE
 * ("name:line:column: YAML syntax error: ..."). */
int vg_yaml_load(const char *path, const void *data, size_t len, const char *name,
                 yaml_document_t *doc, vg_error *err);

/* Sets err to VG_ERR_PARSE with "path:line:column: " (the node's position) and the formatted
 * message, and returns VG_ERR_PARSE: the one way every YAML reader names a bad node. */
int vg_yaml_fail(vg_error *err, const char *path, const yaml_node_t *n, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 4, 5)))
#endif
    ;

/* The text of a scalar node, or NULL for anything else (and for NULL). */
const char *vg_yaml_scalar(const yaml_node_t *n);

#endif
