/*
 * vg_error: an error code plus a formatted message owned by the caller (see vigia/error.h).
 */
#include "vigia/error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

const char *vg_strerror(int code) {
    switch (code) {
    case VG_OK: return "ok";
    case VG_ERR_NOMEM: return "out of memory";
    case VG_ERR_IO: return "input/output error";
    case VG_ERR_PARSE: return "malformed input";
    case VG_ERR_FORMAT: return "invalid profile file";
    case VG_ERR_INVALID: return "invalid argument";
    case VG_ERR_MISMATCH: return "incompatible objects";
    case VG_ERR_LIMIT: return "limit exceeded";
    default: return "unknown error";
    }
}

int vg_error_set(vg_error *err, int code, const char *fmt, ...) {
    if (err) {
        va_list ap;
        err->code = code;
        va_start(ap, fmt);
        vsnprintf(err->msg, sizeof err->msg, fmt, ap);
        va_end(ap);
    }
    return code;
}

void vg_error_clear(vg_error *err) {
    if (err) {
        err->code = VG_OK;
        err->msg[0] = '\0';
    }
}
