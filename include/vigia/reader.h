/*
 * Streaming readers for tabular input: CSV (RFC 4180) and NDJSON (one JSON object a line).
 *
 * A reader yields one record at a time as an array of cell texts, one per column, valid until
 * the next call; memory is one buffer that holds at least the current record (it grows to
 * the longest record, up to `max_record` bytes), whatever the file size. Malformed records
 * are errors naming the file, line and reason; with `skip_bad_rows` they are counted, the
 * first few reasons kept (vg_reader_bad_row), and reading goes on at the next line.
 *
 * CSV: separator configurable (',' by default, '\t' for .tsv files); quoted fields may hold
 * separators, doubled quotes and line breaks; LF or CRLF line ends; a UTF-8 byte-order mark
 * is skipped; the first record is the header (empty names become "Unnamed: i" and repeated
 * names get ".1", ".2" suffixes, as pandas does). Every record must have as many fields as the
 * header. Text must be valid UTF-8. Blank lines between records are skipped and counted
 * (when the file has one column, a blank line is a row whose value is missing).
 *
 * NDJSON: each non-blank line is a JSON object; its keys are columns, discovered as they
 * appear (a column first seen at line 1000 was missing in the rows before). Values become
 * cell text: null -> missing, true/false, numbers as written (1.0 stays fractional), strings
 * as they are, arrays and objects as compact JSON.
 */
#ifndef VIGIA_READER_H
#define VIGIA_READER_H

#include <stddef.h>
#include <stdint.h>

#include "vigia/error.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum vg_format { VG_FORMAT_AUTO = 0, VG_FORMAT_CSV, VG_FORMAT_NDJSON } vg_format;

typedef struct vg_read_options {
    vg_format format;  /* AUTO: by extension (.ndjson, .jsonl, .json -> NDJSON; else CSV) */
    char separator;    /* CSV; 0 = by extension (.tsv -> tab, else comma) */
    int skip_bad_rows; /* count and skip malformed records instead of failing */
    size_t max_record; /* longest accepted record in bytes; 0 = VG_READ_MAX_RECORD */
} vg_read_options;

#define VG_READ_MAX_RECORD ((size_t)64 << 20)
#define VG_READ_BAD_ROWS_KEPT 10

void vg_read_options_default(vg_read_options *o);
/* Format the options would pick for this path. */
vg_format vg_read_format_for(const char *path, const vg_read_options *o);

typedef struct vg_reader vg_reader;

typedef struct vg_record {
    size_t n;                /* number of cells (= vg_reader_ncols at the time) */
    const char *const *data; /* cell texts, not NUL-terminated */
    const size_t *len;
    uint64_t line; /* line where the record starts (1-based) */
} vg_record;

/* path "-" reads standard input. Returns NULL with err set (file, line, reason). */
vg_reader *vg_reader_open(const char *path, const vg_read_options *o, vg_error *err);
void vg_reader_close(vg_reader *r);

/* 1: a record was read; 0: end of input; negative: error (err names file, line, reason). */
int vg_reader_next(vg_reader *r, vg_record *rec, vg_error *err);

/* A block of consecutive records, row-major: cell (row i, column j) is data[i*ncols + j].
 * Processing a block column by column keeps each column's sketches in cache, which is
 * what makes profiling fast; pointers stay valid until the next call. */
typedef struct vg_batch {
    size_t nrows, ncols;
    const char *const *data;
    const size_t *len;
} vg_batch;

/* Reads up to max_rows records (fewer at the end of the buffered input: a block never spans
 * a refill). Returns the number of rows (> 0), 0 at end of input, or a negative error. */
int vg_reader_next_batch(vg_reader *r, size_t max_rows, vg_batch *b, vg_error *err);

/* Columns known so far (CSV: the header; NDJSON: keys seen so far, in order of appearance). */
size_t vg_reader_ncols(const vg_reader *r);
const char *vg_reader_column(const vg_reader *r, size_t i, size_t *len);
vg_format vg_reader_format(const vg_reader *r);

typedef struct vg_read_stats {
    uint64_t rows;        /* records returned */
    uint64_t bad_rows;    /* malformed records skipped (skip_bad_rows) */
    uint64_t blank_lines; /* blank lines skipped */
    uint64_t bytes;       /* input bytes consumed */
} vg_read_stats;

void vg_reader_stats(const vg_reader *r, vg_read_stats *st);
/* The i-th kept bad-row reason (i < min(bad_rows, VG_READ_BAD_ROWS_KEPT)); *line gets its
 * line. NULL when out of range. */
const char *vg_reader_bad_row(const vg_reader *r, size_t i, uint64_t *line);

#ifdef __cplusplus
}
#endif
#endif
