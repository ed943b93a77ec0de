/*
 * Error reporting for libvigia.
 *
 * Every function that can fail returns an int: VG_OK (zero) on success, a negative VG_ERR_*
 * code on failure. It also takes a `vg_error *` (which may be NULL) and, on failure, writes a
 * message meant for a person into it, naming the file, line, column or field at fault. This is
 * libuv's error codes plus SQLite's error message, in one value the caller owns: no global
 * state, so it is safe from any thread. The library never prints and never exits.
 */
#ifndef VIGIA_ERROR_H
#define VIGIA_ERROR_H

#ifdef __cplusplus
extern "C" {
#endif

enum {
    VG_OK = 0,
    VG_ERR_NOMEM = -1,    /* an allocation failed */
    VG_ERR_IO = -2,       /* open/read/write failed; the message carries strerror(errno) */
    VG_ERR_PARSE = -3,    /* malformed input data (CSV, NDJSON, config) */
    VG_ERR_FORMAT = -4,   /* a .vgp file that is truncated, corrupted or of an unknown version */
    VG_ERR_INVALID = -5,  /* a bad argument from the caller */
    VG_ERR_MISMATCH = -6, /* objects that cannot be combined (different sketch parameters) */
    VG_ERR_LIMIT = -7     /* input beyond a documented limit (record or field too long) */
};

#define VG_ERROR_MSG_MAX 512

typedef struct vg_error {
    int code;                   /* the VG_ERR_* value returned with it */
    char msg[VG_ERROR_MSG_MAX]; /* NUL-terminated human message */
} vg_error;

/* Short static description of an error code ("out of memory", ...). */
const char *vg_strerror(int code);

/* Fills `err` (if not NULL) and returns `code`, so that callers can write
 * `return vg_error_set(err, VG_ERR_PARSE, "%s:%lu: ...", ...);`. */
int vg_error_set(vg_error *err, int code, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

/* Resets `err` to VG_OK with an empty message. */
void vg_error_clear(vg_error *err);

#ifdef __cplusplus
}
#endif
#endif
