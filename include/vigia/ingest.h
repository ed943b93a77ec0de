/*
 * Profiling a file: reader + profile, optionally on several threads.
 *
 * With threads > 1 (regular files only), the file is cut into that many byte ranges at line
 * starts; each range is read and profiled on its own thread and the profiles are merged in
 * file order. A cut can land inside a quoted field that spans lines; that is detected (each
 * range must end exactly where the next begins) and the work is then redone on one thread,
 * so the result never depends on where the cuts fell: counts, min, max and exact value counts
 * are identical to a one-thread run, mean and variance agree to floating-point rounding, and
 * quantiles, distinct estimates and approximate value counts are within the same bounds (they
 * are not bit-identical, since sketches see the data in a different order).
 */
#ifndef VIGIA_INGEST_H
#define VIGIA_INGEST_H

#include "vigia/profile.h"
#include "vigia/reader.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct vg_ingest_stats {
    vg_format format;
    uint64_t rows, bad_rows, blank_lines, bytes;
    unsigned threads_used;
    /* first bad rows (with --skip-bad-rows): absolute line numbers and reasons */
    size_t nbad;
    uint64_t bad_line[VG_READ_BAD_ROWS_KEPT];
    char bad_reason[VG_READ_BAD_ROWS_KEPT][256];
} vg_ingest_stats;

/* Profiles `path` ("-" for standard input). On success *out receives a new profile the
 * caller frees with vg_profile_free; on failure *out is NULL, *stats is zeroed and err names
 * the file and line. ro, po, stats and err may be NULL. */
int vg_profile_file(const char *path, const vg_read_options *ro, const vg_profile_options *po,
                    unsigned threads, vg_profile **out, vg_ingest_stats *stats, vg_error *err);

#ifdef __cplusplus
}
#endif
#endif
