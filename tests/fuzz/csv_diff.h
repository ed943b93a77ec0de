/*
 * Differential harness for the CSV scanner, shared by tests/unit/test_csv_scan.c and the
 * fuzz_csv_diff target: the same bytes are read once with the fast (SIMD) scan and once with
 * the byte-at-a-time reference scan (vg_csv_reference_scan), through every way records leave
 * the reader (vg_reader_next, vg_reader_next_batch, a range reader as the parallel ingest opens
 * them), and everything observable - columns, each record's line and field bytes, errors with
 * their messages, bad-row reasons, counters, where reading stopped - is written to a transcript.
 * The two transcripts must be identical.
 */
#ifndef VG_TEST_CSV_DIFF_H
#define VG_TEST_CSV_DIFF_H

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "io/internal.h"
#include "vigia/vigia.h"

typedef struct {
    char *s;
    size_t n, cap;
} csv_diff_text;

static void csv_diff_put(csv_diff_text *t, const void *p, size_t n) {
    if (t->n + n + 1 > t->cap) {
        size_t cap = t->cap ? t->cap : 256;
        while (cap < t->n + n + 1)
            cap *= 2;
        char *s = realloc(t->s, cap);
        if (!s)
            abort();
        t->s = s;
        t->cap = cap;
    }
    memcpy(t->s + t->n, p, n);
    t->n += n;
    t->s[t->n] = '\0';
}

static void csv_diff_printf(csv_diff_text *t, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
static void csv_diff_printf(csv_diff_text *t, const char *fmt, ...) {
    char buf[600];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    if (n > 0)
        csv_diff_put(t, buf, (size_t)n < sizeof buf ? (size_t)n : sizeof buf - 1);
}

static void csv_diff_cells(csv_diff_text *t, uint64_t line, size_t n, const char *const *data,
                           const size_t *len) {
    csv_diff_printf(t, "R%llu:%zu", (unsigned long long)line, n);
    for (size_t i = 0; i < n; i++) {
        csv_diff_printf(t, " %zu:", len[i]);
        csv_diff_put(t, data[i], len[i]);
    }
    csv_diff_put(t, "\n", 1);
}

static void csv_diff_stats(csv_diff_text *t, const vg_reader *r) {
    vg_read_stats st;
    vg_reader_stats(r, &st);
    csv_diff_printf(t, "S rows=%llu bad=%llu blank=%llu bytes=%llu lines=%llu stopped=%llu\n",
                    (unsigned long long)st.rows, (unsigned long long)st.bad_rows,
                    (unsigned long long)st.blank_lines, (unsigned long long)st.bytes,
                    (unsigned long long)vg_reader_lines(r),
                    (unsigned long long)vg_reader_stopped(r));
    uint64_t line;
    const char *why;
    for (size_t i = 0; (why = vg_reader_bad_row(r, i, &line)) != NULL; i++)
        csv_diff_printf(t, "B%llu %s\n", (unsigned long long)line, why);
    if (vg_reader_error_reason(r)[0])
        csv_diff_printf(t, "F%llu %s\n", (unsigned long long)vg_reader_error_line(r),
                        vg_reader_error_reason(r));
}

/* Reads all records of an open reader: one at a time (batch == 0) or in blocks of `batch`. */
static void csv_diff_drain(csv_diff_text *t, vg_reader *r, size_t batch) {
    vg_error err;
    int rc;
    if (batch == 0) {
        vg_record rec;
        while ((rc = vg_reader_next(r, &rec, &err)) > 0)
            csv_diff_cells(t, rec.line, rec.n, rec.data, rec.len);
    } else {
        vg_batch b;
        while ((rc = vg_reader_next_batch(r, batch, &b, &err)) > 0) {
            csv_diff_printf(t, "K%zu\n", b.nrows);
            for (size_t i = 0; i < b.nrows; i++)
                csv_diff_cells(t, 0, b.ncols, b.data + i * b.ncols, b.len + i * b.ncols);
        }
    }
    if (rc < 0)
        csv_diff_printf(t, "E%d %s\n", rc, err.msg);
    csv_diff_stats(t, r);
}

/* The transcript of reading `path` with `o`: whole file one by one, whole file in blocks of
 * `batch`, then a range reader on [start, limit) with the file's header. */
static csv_diff_text csv_diff_transcript(const char *path, const vg_read_options *o, int reference,
                                         size_t batch, uint64_t start, uint64_t limit) {
    csv_diff_text t = {NULL, 0, 0};
    vg_csv_reference_scan = reference;
    for (int pass = 0; pass < 2; pass++) {
        vg_error err;
        vg_reader *r = vg_reader_open(path, o, &err);
        if (!r) {
            csv_diff_printf(&t, "O %s\n", err.msg);
            break;
        }
        csv_diff_printf(&t, "H%zu", vg_reader_ncols(r));
        for (size_t i = 0; i < vg_reader_ncols(r); i++) {
            size_t n;
            const char *name = vg_reader_column(r, i, &n);
            csv_diff_printf(&t, " %zu:", n);
            csv_diff_put(&t, name, n);
        }
        csv_diff_put(&t, "\n", 1);
        csv_diff_drain(&t, r, pass ? batch : 0);
        if (pass == 1) {
            vg_reader *q = vg_reader_open_range(path, o, start, limit, r, &err);
            if (!q) {
                csv_diff_printf(&t, "O %s\n", err.msg);
            } else {
                csv_diff_drain(&t, q, batch > 1 ? batch - 1 : 0);
                vg_reader_close(q);
            }
        }
        vg_reader_close(r);
    }
    vg_csv_reference_scan = 0;
    return t;
}

/* Writes data to `path` and compares both scans under one set of options; returns 1 and
 * prints both transcripts' first difference when they differ. */
static int csv_diff_run(const char *path, const void *data, size_t size, const vg_read_options *o,
                        size_t batch, uint64_t start, uint64_t limit) {
    FILE *f = fopen(path, "wb");
    if (!f)
        abort();
    if (size && fwrite(data, 1, size, f) != size)
        abort();
    fclose(f);
    csv_diff_text a = csv_diff_transcript(path, o, 0, batch, start, limit);
    csv_diff_text b = csv_diff_transcript(path, o, 1, batch, start, limit);
    int differ = a.n != b.n || (a.n && memcmp(a.s, b.s, a.n) != 0);
    if (differ) {
        size_t i = 0;
        while (i < a.n && i < b.n && a.s[i] == b.s[i])
            i++;
        size_t from = i > 200 ? i - 200 : 0;
        fprintf(stderr,
                "csv scan differs (sep 0x%02x, skip %d, max_record %zu, batch %zu, range "
                "%llu-%llu, %zu input bytes) at transcript byte %zu\n--- fast:\n%.400s\n--- "
                "reference:\n%.400s\n",
                (unsigned)(unsigned char)o->separator, o->skip_bad_rows, o->max_record, batch,
                (unsigned long long)start, (unsigned long long)limit, size, i, a.s + from,
                b.s + from);
    }
    free(a.s);
    free(b.s);
    return differ;
}

#endif
