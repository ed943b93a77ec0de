/*
 * Internal reader state shared by reader.c (buffering, byte ranges, bad-row bookkeeping),
 * csv.c and ndjson.c (record parsing), and the parallel ingest driver, which opens readers on
 * byte ranges of one file.
 */
#ifndef VG_IO_INTERNAL_H
#define VG_IO_INTERNAL_H

#include <stdint.h>

#include "vigia/reader.h"

typedef struct {
    uint64_t line;
    char reason[256];
} vg_bad_row;

struct vg_reader {
    vg_format fmt;
    char *path;
    int fd, own_fd;
    int skip_bad;
    size_t max_record;

    /* Buffer: bytes [0, end) are valid input starting at file offset buf_off; buf[end] is
     * always a '\n' sentinel so that scanning loops need no bounds check. */
    char *buf;
    size_t cap, pos, end;
    uint64_t buf_off;
    int eof;
    uint64_t limit;   /* stop before a record starting at or after this offset */
    uint64_t stopped; /* offset where reading stopped (first record start >= limit, or EOF) */
    int done;

    uint64_t line; /* line number of the next record, relative to the range start */

    /* columns */
    size_t ncols;
    char **names;
    size_t *name_len;
    size_t names_cap;
    uint32_t *name_index; /* NDJSON key lookup: open addressing, column index + 1 */
    size_t name_index_cap;

    /* current record */
    size_t fcap;
    size_t fbase; /* CSV: first slot of the record being scanned (batches) */
    const char **fdata;
    size_t *flen;
    size_t *fstart;      /* NDJSON: value offsets in the arena */
    unsigned char *fesc; /* CSV: field holds doubled quotes, undone once the record is whole */
    char *arena;         /* NDJSON: value texts of the current record */
    size_t arena_len, arena_cap;

    /* CSV */
    char sep;
    unsigned char stop[256];

    /* errors and stats */
    uint64_t rows, bad_rows, blank_lines;
    vg_bad_row kept[VG_READ_BAD_ROWS_KEPT];
    uint64_t err_line; /* line of the last fatal error (relative, see `line`) */
    char err_reason[VG_ERROR_MSG_MAX];
};

/* Opens a reader on [start, limit) of a regular file. For CSV, `header` supplies the
 * columns (the range has no header line); for NDJSON it is NULL. Lines are numbered from 1
 * at `start`. */
vg_reader *vg_reader_open_range(const char *path, const vg_read_options *o, uint64_t start,
                                uint64_t limit, const vg_reader *header, vg_error *err);
/* Offset where a finished range reader stopped (see `stopped`). */
uint64_t vg_reader_stopped(const vg_reader *r);
/* Number of lines consumed so far (the next record's line - 1). */
uint64_t vg_reader_lines(const vg_reader *r);
/* Line and reason of the last fatal error. */
uint64_t vg_reader_error_line(const vg_reader *r);
const char *vg_reader_error_reason(const vg_reader *r);

/* reader.c helpers for the parsers */
int vg_rd_fill(vg_reader *r, vg_error *err);
int vg_rd_reserve_fields(vg_reader *r, size_t n);
int vg_rd_add_column(vg_reader *r, const char *name, size_t len);
int vg_rd_find_column(const vg_reader *r, const char *name, size_t len);
/* A malformed record at `line`: skipped and logged (returns 0) or fatal (returns < 0). */
int vg_rd_bad(vg_reader *r, uint64_t line, vg_error *err, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 4, 5)))
#endif
    ;

/* Tests only: when set, the CSV scan runs its byte-at-a-time reference path alone (the SIMD
 * scan's oracle in differential tests). Not synchronised: set it while no reader is in use. */
extern int vg_csv_reference_scan;

int vg_csv_read_header(vg_reader *r, vg_error *err);
int vg_csv_next(vg_reader *r, vg_record *rec, vg_error *err);
/* Reads records into cell slots [base, base + ncols) of the field arrays; with `no_refill`,
 * returns 2 instead of refilling when the next record is not wholly buffered. */
int vg_csv_next_at(vg_reader *r, size_t base, int no_refill, vg_record *rec, vg_error *err);
int vg_ndjson_next(vg_reader *r, vg_record *rec, vg_error *err);

#endif
