/*
 * One YAML document from a file or from memory (see yamldoc.h).
 */
#include "yamldoc.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

int vg_yaml_load(const char *path, const void *data, size_t len, const char *name,
                 yaml_document_t *doc, vg_error *err) {
    FILE *f = NULL;
    if (!data && !(f = fopen(path, "rb")))
        return vg_error_set(err, VG_ERR_IO, "%s: %s", path, strerror(errno));
    yaml_parser_t parser;
    if (!yaml_parser_initialize(&parser)) {
        if (f)
            fclose(f);
        return vg_error_set(err, VG_ERR_NOMEM, "out of memory");
    }
    if (f)
        yaml_parser_set_input_file(&parser, f);
    else
        yaml_parser_set_input_string(&parser, data, len);
    int rc = VG_OK;
    if (!yaml_parser_load(&parser, doc))
        rc = vg_error_set(err, VG_ERR_PARSE, "%s:%lu:%lu: YAML syntax error: %s%s%s",
                          f ? path : name, (unsigned long)parser.problem_mark.line + 1,
                          (unsigned long)parser.problem_mark.column + 1,
                          parser.problem ? parser.problem : "invalid YAML",
                          parser.context ? " " : "", parser.context ? parser.context : "");
    yaml_parser_delete(&parser);
    if (f)
        fclose(f);
    return rc;
}

int vg_yaml_fail(vg_error *err, const char *path, const yaml_node_t *n, const char *fmt, ...) {
    char msg[VG_ERROR_MSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return vg_error_set(err, VG_ERR_PARSE, "%s:%lu:%lu: %s", path,
                        (unsigned long)n->start_mark.line + 1,
                        (unsigned long)n->start_mark.column + 1, msg);
}

const char *vg_yaml_scalar(const yaml_node_t *n) {
    return n && n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value : NULL;
}
