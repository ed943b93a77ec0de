/*
 * vg_profile_file: the one place where readers feed profiles, serially or in parallel.
 *
 * Parallel plan (see vigia/ingest.h): range i starts just after the first line end at or
 * after i*size/threads. Range i is read up to the first record that starts at or after the
 * start of range i+1 and reports where it stopped; if that is not exactly the next range's
 * start, the guess fell inside a multi-line quoted field and everything is redone serially.
 * Bad-row and error line numbers are relative to each range and are made absolute by adding
 * the lines consumed by the ranges before it.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../io/internal.h"
#include "vigia/ingest.h"

#define MAX_THREADS 256
/* Rows per block: enough to amortize per-column work, few enough to stay in L1/L2. */
#define BATCH_ROWS 256

static void stats_add_bad(vg_ingest_stats *st, const vg_reader *r, uint64_t line_base) {
    for (size_t i = 0; st->nbad < VG_READ_BAD_ROWS_KEPT; i++) {
        uint64_t line;
        const char *why = vg_reader_bad_row(r, i, &line);
        if (!why)
            break;
        st->bad_line[st->nbad] = line + line_base;
        snprintf(st->bad_reason[st->nbad], sizeof st->bad_reason[st->nbad], "%s", why);
        st->nbad++;
    }
}

/* Feeds every record of r into p, adding columns the reader discovers (NDJSON). */
static int feed(vg_reader *r, vg_profile *p, vg_error *err) {
    vg_batch b;
    int rc;
    while ((rc = vg_reader_next_batch(r, BATCH_ROWS, &b, err)) > 0) {
        while (p->ncols < b.ncols) {
            size_t len;
            const char *name = vg_reader_column(r, p->ncols, &len);
            int idx = vg_profile_add_column(p, name, len, err);
            if (idx < 0)
                return idx;
        }
        if ((rc = vg_profile_add_batch(p, &b)) != VG_OK)
            return vg_error_set(err, rc, "out of memory");
    }
    return rc;
}

static int add_header_columns(vg_profile *p, const vg_reader *r, vg_error *err) {
    for (size_t i = 0; i < vg_reader_ncols(r); i++) {
        size_t len;
        const char *name = vg_reader_column(r, i, &len);
        int idx = vg_profile_add_column(p, name, len, err);
        if (idx < 0)
            return idx;
    }
    return VG_OK;
}

static int profile_serial(const char *path, const vg_read_options *ro, const vg_profile_options *po,
                          vg_profile **out, vg_ingest_stats *st, vg_error *err) {
    vg_reader *r = vg_reader_open(path, ro, err);
    if (!r)
        return err->code;
    vg_profile *p = vg_profile_new(po, err);
    int rc = p ? add_header_columns(p, r, err) : err->code;
    if (rc == VG_OK)
        rc = feed(r, p, err);
    if (rc == VG_OK) {
        vg_read_stats rs;
        vg_reader_stats(r, &rs);
        st->format = vg_reader_format(r);
        st->rows = rs.rows;
        st->bad_rows = rs.bad_rows;
        st->blank_lines = rs.blank_lines;
        st->bytes = rs.bytes;
        st->threads_used = 1;
        stats_add_bad(st, r, 0);
        p->bad_rows = rs.bad_rows;
        *out = p;
    } else {
        vg_profile_free(p);
    }
    vg_reader_close(r);
    return rc;
}

typedef struct {
    const char *path;
    const vg_read_options *ro;
    vg_profile_options po;
    const vg_reader *header;
    uint64_t start, limit;
    unsigned parts; /* shards in all: each KLL samples as the whole file's would */
    vg_reader *r;
    vg_profile *p;
    int rc;
    vg_error err;
} shard;

static void *run_shard(void *arg) {
    shard *s = arg;
    vg_error_clear(&s->err);
    s->r = vg_reader_open_range(s->path, s->ro, s->start, s->limit, s->header, &s->err);
    if (!s->r) {
        s->rc = s->err.code;
        return NULL;
    }
    s->p = vg_profile_new(&s->po, &s->err);
    if (!s->p) {
        s->rc = s->err.code;
        return NULL;
    }
    s->p->kll_parts = s->parts;
    s->rc = s->header ? add_header_columns(s->p, s->r, &s->err) : VG_OK;
    if (s->rc == VG_OK)
        s->rc = feed(s->r, s->p, &s->err);
    return NULL;
}

/* Offset just past the first '\n' at or after `from`, or `size` if none. */
static int next_line_start(int fd, uint64_t from, uint64_t size, uint64_t *out) {
    char buf[65536];
    uint64_t off = from;
    while (off < size) {
        ssize_t n = pread(fd, buf, sizeof buf, (off_t)off);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return VG_ERR_IO;
        const char *nl = memchr(buf, '\n', (size_t)n);
        if (nl) {
            *out = off + (uint64_t)(nl - buf) + 1;
            return VG_OK;
        }
        off += (uint64_t)n;
    }
    *out = size;
    return VG_OK;
}

int vg_profile_file(const char *path, const vg_read_options *ro, const vg_profile_options *po,
                    unsigned threads, vg_profile **out, vg_ingest_stats *st, vg_error *err) {
    vg_ingest_stats local;
    vg_error local_err;
    if (!st)
        st = &local;
    if (!err)
        err = &local_err; /* the code returned must be the one the message explains */
    vg_error_clear(err);
    memset(st, 0, sizeof *st);
    *out = NULL;
    struct stat sb;
    if (threads > MAX_THREADS)
        threads = MAX_THREADS;
    if (threads <= 1 || strcmp(path, "-") == 0 || stat(path, &sb) != 0 || !S_ISREG(sb.st_mode) ||
        (uint64_t)sb.st_size < (uint64_t)threads * 65536)
        return profile_serial(path, ro, po, out, st, err);

    vg_profile_options opts;
    if (po)
        opts = *po;
    else
        vg_profile_options_default(&opts);
    /* The header reader gives the column names and where the data begins. */
    vg_reader *head = NULL;
    uint64_t data_start = 0;
    vg_format fmt = vg_read_format_for(path, ro);
    if (fmt == VG_FORMAT_CSV) {
        head = vg_reader_open(path, ro, err);
        if (!head)
            return err->code;
        data_start = head->buf_off + head->pos;
    }
    uint64_t size = (uint64_t)sb.st_size;
    uint64_t header_lines = head ? vg_reader_lines(head) : 0;
    int fd = open(path, O_RDONLY);
    if (fd < 0) {
        vg_reader_close(head);
        return vg_error_set(err, VG_ERR_IO, "%s: %s", path, strerror(errno));
    }
    shard *sh = calloc(threads, sizeof *sh);
    pthread_t *tid = calloc(threads, sizeof *tid);
    int rc = (sh && tid) ? VG_OK : VG_ERR_NOMEM;
    for (unsigned i = 0; i < threads && rc == VG_OK; i++) {
        sh[i].path = path;
        sh[i].ro = ro;
        sh[i].po = opts;
        /* distinct KLL randomness per shard (see column_new) */
        sh[i].po.seed = opts.seed + 0x9e3779b97f4a7c15ULL * i;
        sh[i].header = head;
        sh[i].parts = threads;
        if (i == 0)
            sh[i].start = data_start;
        else {
            uint64_t guess = data_start + (size - data_start) / threads * i;
            if (next_line_start(fd, guess > 0 ? guess - 1 : 0, size, &sh[i].start) != VG_OK)
                rc = vg_error_set(err, VG_ERR_IO, "%s: read error: %s", path, strerror(errno));
        }
    }
    close(fd);
    if (rc == VG_ERR_NOMEM)
        vg_error_set(err, rc, "out of memory");
    unsigned started = 0;
    if (rc == VG_OK) {
        for (unsigned i = 0; i < threads; i++)
            sh[i].limit = i + 1 < threads ? sh[i + 1].start : UINT64_MAX;
        for (unsigned i = 0; i < threads; i++, started++)
            if (pthread_create(&tid[i], NULL, run_shard, &sh[i]) != 0)
                break;
        for (unsigned i = 0; i < started; i++)
            pthread_join(tid[i], NULL);
    }
    /* Verify the cuts before trusting any shard's result or error. If a thread could not be
     * started, the work is redone serially below, like a bad cut. */
    int consistent = rc == VG_OK && started == threads;
    for (unsigned i = 0; consistent && i + 1 < threads; i++)
        if (sh[i].rc == VG_OK && vg_reader_stopped(sh[i].r) != sh[i + 1].start)
            consistent = 0;
    if (rc == VG_OK && consistent) {
        uint64_t line_base = header_lines;
        for (unsigned i = 0; i < threads && rc == VG_OK; i++) {
            if (sh[i].rc != VG_OK) {
                rc = sh[i].rc;
                if (sh[i].r && vg_reader_error_reason(sh[i].r)[0] && sh[i].rc == VG_ERR_PARSE)
                    vg_error_set(err, rc, "%s:%llu: %s", path,
                                 (unsigned long long)(vg_reader_error_line(sh[i].r) + line_base),
                                 vg_reader_error_reason(sh[i].r));
                else if (err)
                    *err = sh[i].err;
                break;
            }
            vg_read_stats rs;
            vg_reader_stats(sh[i].r, &rs);
            st->rows += rs.rows;
            st->bad_rows += rs.bad_rows;
            st->blank_lines += rs.blank_lines;
            stats_add_bad(st, sh[i].r, line_base);
            sh[i].p->bad_rows = rs.bad_rows;
            line_base += vg_reader_lines(sh[i].r);
            if (i > 0)
                rc = vg_profile_merge(sh[0].p, sh[i].p, err);
        }
        if (rc == VG_OK) {
            /* Restore the caller's seed in the result, so that it merges with and reads like
             * a serial profile; the merged sketches are the whole now, not a part. */
            sh[0].p->opts.seed = opts.seed;
            sh[0].p->kll_parts = 0;
            for (size_t c = 0; c < sh[0].p->ncols && rc == VG_OK; c++)
                if (vg_kll_set_parts(sh[0].p->cols[c]->kll, 1) != VG_OK)
                    rc = vg_error_set(err, VG_ERR_NOMEM, "out of memory");
        }
        if (rc == VG_OK) {
            *out = sh[0].p;
            sh[0].p = NULL;
            st->format = fmt;
            st->bytes = size;
            st->threads_used = threads;
        }
    }
    for (unsigned i = 0; sh && i < threads; i++) {
        vg_reader_close(sh[i].r);
        vg_profile_free(sh[i].p);
    }
    free(sh);
    free(tid);
    vg_reader_close(head);
    if (rc == VG_OK && !consistent) {
        memset(st, 0, sizeof *st);
        return profile_serial(path, ro, po, out, st, err);
    }
    return rc;
}
