/*
 * Reader plumbing shared by the CSV and NDJSON parsers: opening files or byte ranges of
 * them, the refillable buffer, the column list, and bad-row bookkeeping.
 *
 * The buffer only ever holds the record being parsed plus read-ahead: when a record runs past
 * the data in the buffer, the unconsumed tail moves to the front and more is read behind it;
 * the buffer doubles only when one record is larger than it, up to max_record. So memory is
 * bounded by the longest record, not by the file.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../base/hash.h"
#include "../base/utf8.h"
#include "internal.h"

#define INITIAL_BUFFER (1u << 20)

void vg_read_options_default(vg_read_options *o) {
    memset(o, 0, sizeof *o);
}

static int has_suffix(const char *s, const char *suffix) {
    size_t n = strlen(s), m = strlen(suffix);
    if (n < m)
        return 0;
    for (size_t i = 0; i < m; i++) {
        char c = s[n - m + i];
        if (c >= 'A' && c <= 'Z')
            c = (char)(c - 'A' + 'a');
        if (c != suffix[i])
            return 0;
    }
    return 1;
}

vg_format vg_read_format_for(const char *path, const vg_read_options *o) {
    if (o && o->format != VG_FORMAT_AUTO)
        return o->format;
    if (has_suffix(path, ".ndjson") || has_suffix(path, ".jsonl") || has_suffix(path, ".json"))
        return VG_FORMAT_NDJSON;
    return VG_FORMAT_CSV;
}

static vg_reader *reader_alloc(const char *path, const vg_read_options *o, vg_error *err) {
    vg_read_options def;
    if (!o) {
        vg_read_options_default(&def);
        o = &def;
    }
    vg_reader *r = calloc(1, sizeof *r);
    if (!r) {
        vg_error_set(err, VG_ERR_NOMEM, "out of memory");
        return NULL;
    }
    r->fd = -1;
    r->fmt = vg_read_format_for(path, o);
    r->skip_bad = o->skip_bad_rows;
    r->max_record = o->max_record ? o->max_record : VG_READ_MAX_RECORD;
    r->sep = o->separator ? o->separator : (has_suffix(path, ".tsv") ? '\t' : ',');
    r->limit = UINT64_MAX;
    r->line = 1;
    r->path = strdup(path);
    /* room for a record of max_record bytes and its CRLF */
    r->cap = r->max_record + 2 < INITIAL_BUFFER ? r->max_record + 2 : INITIAL_BUFFER;
    if (r->cap < 64)
        r->cap = 64;
    r->buf = malloc(r->cap + 1);
    if (!r->path || !r->buf) {
        vg_reader_close(r);
        vg_error_set(err, VG_ERR_NOMEM, "out of memory");
        return NULL;
    }
    r->buf[0] = '\n';
    if (r->fmt == VG_FORMAT_CSV) {
        if (r->sep == '"' || r->sep == '\n' || r->sep == '\r') {
            vg_error_set(err, VG_ERR_INVALID, "invalid CSV separator");
            vg_reader_close(r);
            return NULL;
        }
        r->stop[(unsigned char)r->sep] = 1;
        r->stop['\n'] = 1;
        r->stop['\r'] = 1;
    }
    return r;
}

static int open_fd(vg_reader *r, vg_error *err) {
    if (strcmp(r->path, "-") == 0) {
        r->fd = 0;
        return VG_OK;
    }
    r->fd = open(r->path, O_RDONLY);
    if (r->fd < 0)
        return vg_error_set(err, VG_ERR_IO, "%s: %s", r->path, strerror(errno));
    r->own_fd = 1;
    return VG_OK;
}

vg_reader *vg_reader_open(const char *path, const vg_read_options *o, vg_error *err) {
    vg_reader *r = reader_alloc(path, o, err);
    if (!r)
        return NULL;
    if (open_fd(r, err) != VG_OK) {
        vg_reader_close(r);
        return NULL;
    }
    if (r->fmt == VG_FORMAT_CSV && vg_csv_read_header(r, err) != VG_OK) {
        vg_reader_close(r);
        return NULL;
    }
    return r;
}

vg_reader *vg_reader_open_range(const char *path, const vg_read_options *o, uint64_t start,
                                uint64_t limit, const vg_reader *header, vg_error *err) {
    vg_reader *r = reader_alloc(path, o, err);
    if (!r)
        return NULL;
    if (open_fd(r, err) != VG_OK)
        goto fail;
    if (lseek(r->fd, (off_t)start, SEEK_SET) < 0) {
        vg_error_set(err, VG_ERR_IO, "%s: seek failed: %s", path, strerror(errno));
        goto fail;
    }
    r->buf_off = start;
    r->limit = limit;
    if (header)
        for (size_t i = 0; i < header->ncols; i++)
            if (vg_rd_add_column(r, header->names[i], header->name_len[i]) != VG_OK) {
                vg_error_set(err, VG_ERR_NOMEM, "out of memory");
                goto fail;
            }
    return r;
fail:
    vg_reader_close(r);
    return NULL;
}

void vg_reader_close(vg_reader *r) {
    if (!r)
        return;
    if (r->own_fd && r->fd >= 0)
        close(r->fd);
    for (size_t i = 0; i < r->ncols; i++)
        free(r->names[i]);
    free(r->names);
    free(r->name_len);
    free(r->name_index);
    free(r->fdata);
    free(r->flen);
    free(r->fstart);
    free(r->fesc);
    free(r->arena);
    free(r->buf);
    free(r->path);
    free(r);
}

int vg_rd_fill(vg_reader *r, vg_error *err) {
    if (r->eof)
        return VG_OK;
    if (r->pos > 0) {
        memmove(r->buf, r->buf + r->pos, r->end - r->pos);
        r->buf_off += r->pos;
        r->end -= r->pos;
        r->pos = 0;
    }
    if (r->end == r->cap) {
        if (r->cap >= r->max_record + 2)
            return vg_error_set(err, VG_ERR_LIMIT, "record longer than %zu bytes", r->max_record);
        size_t cap = r->cap * 2 > r->max_record + 2 ? r->max_record + 2 : r->cap * 2;
        char *b = realloc(r->buf, cap + 1);
        if (!b)
            return vg_error_set(err, VG_ERR_NOMEM, "out of memory");
        r->buf = b;
        r->cap = cap;
    }
    for (;;) {
        ssize_t n = read(r->fd, r->buf + r->end, r->cap - r->end);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return vg_error_set(err, VG_ERR_IO, "%s: read error: %s", r->path, strerror(errno));
        if (n == 0)
            r->eof = 1;
        r->end += (size_t)n;
        break;
    }
    r->buf[r->end] = '\n';
    return VG_OK;
}

int vg_rd_reserve_fields(vg_reader *r, size_t n) {
    if (n <= r->fcap)
        return VG_OK;
    size_t cap = r->fcap ? r->fcap : 16;
    while (cap < n)
        cap *= 2;
    const char **fd = realloc(r->fdata, cap * sizeof *fd);
    if (fd)
        r->fdata = fd;
    size_t *fl = realloc(r->flen, cap * sizeof *fl);
    if (fl)
        r->flen = fl;
    size_t *fs = realloc(r->fstart, cap * sizeof *fs);
    if (fs)
        r->fstart = fs;
    unsigned char *fx = realloc(r->fesc, cap);
    if (fx)
        r->fesc = fx;
    if (!fd || !fl || !fs || !fx)
        return VG_ERR_NOMEM;
    r->fcap = cap;
    return VG_OK;
}

static uint32_t *name_slot(const vg_reader *r, uint32_t *index, size_t cap, const char *name,
                           size_t len) {
    size_t i = vg_hash_bytes(name, len) & (cap - 1);
    for (;;) {
        uint32_t v = index[i];
        if (v == 0 || (r->name_len[v - 1] == len && memcmp(r->names[v - 1], name, len) == 0))
            return &index[i];
        i = (i + 1) & (cap - 1);
    }
}

int vg_rd_find_column(const vg_reader *r, const char *name, size_t len) {
    if (!r->name_index)
        return -1;
    uint32_t v = *name_slot(r, r->name_index, r->name_index_cap, name, len);
    return v ? (int)v - 1 : -1;
}

int vg_rd_add_column(vg_reader *r, const char *name, size_t len) {
    if (r->ncols == r->names_cap) {
        size_t cap = r->names_cap ? r->names_cap * 2 : 16;
        char **nn = realloc(r->names, cap * sizeof *nn);
        if (!nn)
            return VG_ERR_NOMEM;
        r->names = nn;
        size_t *nl = realloc(r->name_len, cap * sizeof *nl);
        if (!nl)
            return VG_ERR_NOMEM;
        r->name_len = nl;
        r->names_cap = cap;
    }
    if ((r->ncols + 1) * 2 > r->name_index_cap) {
        size_t cap = r->name_index_cap ? r->name_index_cap * 2 : 64;
        uint32_t *idx = calloc(cap, sizeof *idx);
        if (!idx)
            return VG_ERR_NOMEM;
        for (size_t i = 0; i < r->ncols; i++)
            *name_slot(r, idx, cap, r->names[i], r->name_len[i]) = (uint32_t)i + 1;
        free(r->name_index);
        r->name_index = idx;
        r->name_index_cap = cap;
    }
    char *copy = malloc(len + 1);
    if (!copy)
        return VG_ERR_NOMEM;
    memcpy(copy, name, len);
    copy[len] = '\0';
    r->names[r->ncols] = copy;
    r->name_len[r->ncols] = len;
    *name_slot(r, r->name_index, r->name_index_cap, name, len) = (uint32_t)r->ncols + 1;
    r->ncols++;
    return vg_rd_reserve_fields(r, r->ncols);
}

int vg_rd_bad(vg_reader *r, uint64_t line, vg_error *err, const char *fmt, ...) {
    char reason[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(reason, sizeof reason, fmt, ap);
    va_end(ap);
    reason[vg_utf8_cut(reason, strlen(reason))] = '\0'; /* a cut may split a character */
    if (!r->skip_bad) {
        r->err_line = line;
        snprintf(r->err_reason, sizeof r->err_reason, "%s", reason);
        return vg_error_set(err, VG_ERR_PARSE, "%s:%llu: %s", r->path, (unsigned long long)line,
                            reason);
    }
    if (r->bad_rows < VG_READ_BAD_ROWS_KEPT) {
        r->kept[r->bad_rows].line = line;
        snprintf(r->kept[r->bad_rows].reason, sizeof r->kept[r->bad_rows].reason, "%s", reason);
    }
    r->bad_rows++;
    return VG_OK;
}

int vg_reader_next(vg_reader *r, vg_record *rec, vg_error *err) {
    if (r->done)
        return 0;
    int rc = r->fmt == VG_FORMAT_CSV ? vg_csv_next(r, rec, err) : vg_ndjson_next(r, rec, err);
    if (rc == 0) {
        r->done = 1;
        r->stopped = r->buf_off + r->pos;
    } else if (rc > 0) {
        r->rows++;
    } else if (r->err_reason[0] == '\0' && err) {
        r->err_line = r->line;
        snprintf(r->err_reason, sizeof r->err_reason, "%s", err->msg);
    }
    return rc;
}

int vg_reader_next_batch(vg_reader *r, size_t max_rows, vg_batch *b, vg_error *err) {
    vg_record rec;
    if (max_rows == 0)
        max_rows = 1;
    if (r->fmt != VG_FORMAT_CSV) {
        /* NDJSON cells live in a per-record arena and columns can appear at any row, so
         * its batches hold one record. */
        int rc = vg_reader_next(r, &rec, err);
        if (rc <= 0)
            return rc;
        b->nrows = 1;
        b->ncols = rec.n;
        b->data = rec.data;
        b->len = rec.len;
        return 1;
    }
    if (r->done)
        return 0;
    size_t n = 0, nc = r->ncols;
    if (vg_rd_reserve_fields(r, max_rows * nc + nc + 1) != VG_OK)
        return vg_error_set(err, VG_ERR_NOMEM, "out of memory");
    while (n < max_rows) {
        int rc = vg_csv_next_at(r, n * nc, n > 0, &rec, err);
        if (rc == 2)
            break; /* the next record needs a refill, which would move this block's cells */
        if (rc < 0) {
            if (r->err_reason[0] == '\0' && err) {
                r->err_line = r->line;
                snprintf(r->err_reason, sizeof r->err_reason, "%s", err->msg);
            }
            return rc;
        }
        if (rc == 0) {
            r->done = 1;
            r->stopped = r->buf_off + r->pos;
            break;
        }
        r->rows++;
        n++;
    }
    b->nrows = n;
    b->ncols = nc;
    b->data = r->fdata;
    b->len = r->flen;
    return (int)n;
}

size_t vg_reader_ncols(const vg_reader *r) {
    return r->ncols;
}

const char *vg_reader_column(const vg_reader *r, size_t i, size_t *len) {
    if (i >= r->ncols)
        return NULL;
    if (len)
        *len = r->name_len[i];
    return r->names[i];
}

vg_format vg_reader_format(const vg_reader *r) {
    return r->fmt;
}

void vg_reader_stats(const vg_reader *r, vg_read_stats *st) {
    st->rows = r->rows;
    st->bad_rows = r->bad_rows;
    st->blank_lines = r->blank_lines;
    st->bytes = r->buf_off + r->pos;
}

const char *vg_reader_bad_row(const vg_reader *r, size_t i, uint64_t *line) {
    if (i >= r->bad_rows || i >= VG_READ_BAD_ROWS_KEPT)
        return NULL;
    if (line)
        *line = r->kept[i].line;
    return r->kept[i].reason;
}

uint64_t vg_reader_stopped(const vg_reader *r) {
    return r->stopped;
}

uint64_t vg_reader_lines(const vg_reader *r) {
    return r->line - 1;
}

uint64_t vg_reader_error_line(const vg_reader *r) {
    return r->err_line;
}

const char *vg_reader_error_reason(const vg_reader *r) {
    return r->err_reason;
}
