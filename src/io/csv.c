/*
 * RFC 4180 CSV parsing over the reader's buffer.
 *
 * A record is scanned in one pass that notes each field's start and length; doubled quotes are
 * undone afterwards, in place, once the record is known to be complete. So when a record runs
 * off the end of the buffered data, the scan simply restarts after a refill (at most once per
 * buffer) without having modified anything.
 *
 * Unquoted fields, the common case, are found 64 bytes at a time where SSE2 is available: one
 * compare per structural byte (separator, LF, CR) gives a bit mask of stops, and the fields of a
 * run of unquoted fields are cut at its set bits, so the cost is per field rather than per byte.
 * The same pass ORs the bytes' high bits, so a record seen whole this way and found all ASCII
 * needs no UTF-8 validation. Anything unusual - a quoted field, a CR that is not part of CRLF,
 * the last 16 bytes of the buffer - goes to the careful byte-at-a-time code, which scans against a
 * '\n' sentinel past the data with a 256-entry stop table. That careful code alone is the
 * reference scanner (vg_csv_reference_scan) the differential tests compare against, and the
 * scanner on targets without SSE2.
 *
 * Leniency follows what users expect from pandas where RFC 4180 is silent: a quote inside an
 * unquoted field is kept as a literal, and a CR not followed by LF is data. A character
 * after a closing quote other than a separator or line end is an error.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "../base/utf8.h"
#include "internal.h"

int vg_csv_reference_scan;

enum { SCAN_OK, SCAN_MORE, SCAN_BLANK, SCAN_BAD, SCAN_STOP };

typedef struct {
    size_t end;      /* buffer index just past the record (and its line end) */
    size_t nf;       /* fields */
    uint64_t lines;  /* line ends consumed, including those inside quoted fields */
    const char *why; /* SCAN_BAD reason */
    int too_long;    /* SCAN_BAD because the record outgrew max_record */
    int at_end;      /* SCAN_BAD at `end`, the offending character: resume after its line */
    int ascii;       /* SCAN_OK: every byte of the record is known to be ASCII (0: unknown) */
    size_t nesc;     /* SCAN_OK: fields holding doubled quotes, to undo in finish_fields */
} scan_result;

/* Field bounds are stored as the final pointer and length straight away; only fields with
 * doubled quotes (fesc) change later. A refill moves the buffer, but it also restarts the scan,
 * so no pointer from before a refill survives. */
static int add_field(vg_reader *r, size_t nf, size_t s, size_t e, int esc) {
    nf += r->fbase;
    if (nf >= r->fcap && vg_rd_reserve_fields(r, nf + 1) != VG_OK)
        return VG_ERR_NOMEM;
    r->fdata[nf] = r->buf + s;
    r->flen[nf] = e - s;
    r->fesc[nf] = (unsigned char)esc;
    return VG_OK;
}

static size_t count_newlines(const char *s, size_t n) {
    size_t c = 0;
    const char *p = s, *end = s + n;
    while ((p = memchr(p, '\n', (size_t)(end - p))) != NULL) {
        c++;
        p++;
    }
    return c;
}

#if defined(__SSE2__)
enum { RUN_CAREFUL, RUN_QUOTE, RUN_DONE };

/* Bit i set where b[i] is sep, LF or CR, for the 16 bytes at b; *high gets their top bits. */
static inline uint64_t stops16(const char *b, __m128i vsep, uint64_t *high) {
    const __m128i v = _mm_loadu_si128((const __m128i *)(const void *)b);
    const __m128i s =
        _mm_or_si128(_mm_cmpeq_epi8(v, vsep), _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('\n')),
                                                           _mm_cmpeq_epi8(v, _mm_set1_epi8('\r'))));
    *high = (uint64_t)_mm_movemask_epi8(v);
    return (uint64_t)_mm_movemask_epi8(s);
}

/* The same for 64 bytes: one mask per block means one hard-to-predict loop exit per ~8 fields
 * instead of per ~2. */
static inline uint64_t stops64(const char *b, __m128i vsep, uint64_t *high) {
    uint64_t h0, h1, h2, h3;
    uint64_t m = stops16(b, vsep, &h0) | stops16(b + 16, vsep, &h1) << 16 |
                 stops16(b + 32, vsep, &h2) << 32 | stops16(b + 48, vsep, &h3) << 48;
    *high = h0 | h1 << 16 | h2 << 32 | h3 << 48;
    return m;
}

/* The record's field slots in locals. Room for a block's worth of fields (at most 64) is made
 * before each block, so storing a field is three stores and no check. */
typedef struct {
    const char **data;
    size_t *len;
    unsigned char *esc;
    size_t next, cap;
} field_slots;

static int make_room(vg_reader *r, field_slots *f, size_t n) {
    if (f->cap - f->next >= n)
        return VG_OK;
    if (vg_rd_reserve_fields(r, f->next + n) != VG_OK)
        return VG_ERR_NOMEM;
    f->data = r->fdata;
    f->len = r->flen;
    f->esc = r->fesc;
    f->cap = r->fcap;
    return VG_OK;
}

static inline void cut_field(field_slots *f, const char *s, size_t n) {
    f->data[f->next] = s;
    f->len[f->next] = n;
    f->esc[f->next] = 0;
    f->next++;
}

/* Cuts a run of unquoted fields starting at field start *pp (not a quote), 64 or 16 bytes at a
 * time. Only whole 16-byte loads inside the data [0, end) are made, so the buffer needs no padding;
 * the last bytes of a buffer are left to the careful code. Returns RUN_DONE with res filled when
 * the record ended (LF or CRLF), RUN_QUOTE at a quoted field's start, RUN_CAREFUL at the start of
 * a field the careful code must take (a CR that is not visibly part of a CRLF, or too near the
 * buffer end), or -1 when out of memory. Except after RUN_DONE, *pp and *nfp are left at the
 * field to scan next and the count of fields cut so far. */
static int scan_run(vg_reader *r, size_t *pp, size_t *nfp, scan_result *res) {
    const char *b = r->buf;
    const size_t e = r->end;
    const char sep = r->sep;
    const __m128i vsep = _mm_set1_epi8(sep);
    size_t fs = *pp, c = fs;
    uint64_t high = 0, h;
    field_slots f = {r->fdata, r->flen, r->fesc, r->fbase + *nfp, r->fcap};
    for (;;) {
        uint64_t m;
        size_t width;
        if (c + 64 <= e) {
            m = stops64(b + c, vsep, &h);
            width = 64;
        } else if (c + 16 <= e) {
            m = stops16(b + c, vsep, &h);
            width = 16;
        } else {
            break;
        }
        if (make_room(r, &f, width) != VG_OK)
            return -1;
        while (m) {
            unsigned k = (unsigned)__builtin_ctzll(m);
            size_t q = c + k;
            if (b[q] == sep) {
                cut_field(&f, b + fs, q - fs);
                fs = q + 1; /* <= e: b[e] is the sentinel, so reading it is fine */
                if (b[fs] == '"') {
                    *pp = fs;
                    *nfp = f.next - r->fbase;
                    return RUN_QUOTE;
                }
                m &= m - 1;
                continue;
            }
            size_t end = q + 1;
            if (b[q] == '\r') {
                if (q + 1 >= e)
                    break; /* CR at the buffer end: SCAN_MORE or data, the careful code knows */
                if (b[q + 1] != '\n') {
                    m &= m - 1; /* a lone CR is data */
                    continue;
                }
                end = q + 2;
            }
            cut_field(&f, b + fs, q - fs);
            high |= h & ((UINT64_C(1) << k) - 1);
            res->end = end;
            res->lines++;
            res->nf = f.next - r->fbase;
            /* Whole record seen by this run only when the run began at the record start. */
            res->ascii = *nfp == 0 && *pp == r->pos && high == 0;
            return RUN_DONE;
        }
        if (m)
            break;
        high |= h;
        c += width;
    }
    *pp = fs;
    *nfp = f.next - r->fbase;
    return RUN_CAREFUL;
}
#endif

/* Scans the record starting at r->pos. Needs r->buf[r->end] == '\n' (the sentinel). With
 * `fast`, runs of unquoted fields go through scan_run; without, this is the reference scanner. */
static int scan(vg_reader *r, scan_result *res, int fast) {
    const char *b = r->buf;
    const unsigned char *stop = r->stop;
    size_t p = r->pos, e = r->end, nf = 0;
    const char sep = r->sep;
    int eof = r->eof;
    res->lines = 0;
    res->why = NULL;
    res->too_long = 0;
    res->at_end = 0;
    res->ascii = 0;
    res->nesc = 0;
#if !defined(__SSE2__)
    (void)fast;
#endif

    /* blank line: "\n" or "\r\n" (with one column, an empty field instead; see below) */
    if (p < e && (b[p] == '\n' || (b[p] == '\r' && p + 1 < e && b[p + 1] == '\n')) &&
        r->ncols != 1) {
        res->end = p + (b[p] == '\r' ? 2 : 1);
        res->lines = 1;
        return SCAN_BLANK;
    }
    for (;;) {
        if (p < e && b[p] == '"') {
            size_t fs = p + 1, q = fs;
            int esc = 0;
            for (;;) {
                const char *hit = q < e ? memchr(b + q, '"', e - q) : NULL;
                if (!hit) {
                    if (!eof)
                        return SCAN_MORE;
                    res->why = "unterminated quoted field";
                    res->end = e;
                    return SCAN_BAD;
                }
                q = (size_t)(hit - b);
                if (q + 1 == e && !eof)
                    return SCAN_MORE;
                if (q + 1 < e && b[q + 1] == '"') {
                    esc = 1;
                    q += 2;
                    continue;
                }
                break;
            }
            if (add_field(r, nf++, fs, q, esc) != VG_OK)
                return -1;
            res->nesc += (size_t)esc;
            res->lines += count_newlines(b + fs, q - fs);
            p = q + 1;
            if (p == e) {
                /* eof here (the !eof case returned SCAN_MORE above) */
                res->end = p;
                res->nf = nf;
                return SCAN_OK;
            }
            char c = b[p];
            if (c == sep) {
                p++;
                continue;
            }
            if (c == '\n') {
                res->end = p + 1;
                res->lines++;
                res->nf = nf;
                return SCAN_OK;
            }
            if (c == '\r') {
                if (p + 1 == e && !eof)
                    return SCAN_MORE;
                if (p + 1 < e && b[p + 1] == '\n') {
                    res->end = p + 2;
                    res->lines++;
                    res->nf = nf;
                    return SCAN_OK;
                }
            }
            res->why = "unexpected character after a closing quote";
            res->end = p;
            res->at_end = 1;
            return SCAN_BAD;
        }
#if defined(__SSE2__)
        if (fast) {
            int st = scan_run(r, &p, &nf, res);
            if (st < 0)
                return -1;
            if (st == RUN_DONE)
                return SCAN_OK;
            if (st == RUN_QUOTE)
                continue;
        }
#endif
        size_t fs = p;
        for (;;) {
            while (!stop[(unsigned char)b[p]])
                p++;
            if (p >= e) {
                if (!eof)
                    return SCAN_MORE;
                if (add_field(r, nf++, fs, e, 0) != VG_OK)
                    return -1;
                res->end = e;
                res->nf = nf;
                return SCAN_OK;
            }
            if (b[p] == '\r') {
                if (p + 1 == e && !eof)
                    return SCAN_MORE;
                if (p + 1 < e && b[p + 1] == '\n')
                    break;
                p++; /* a lone CR is data */
                continue;
            }
            break;
        }
        if (add_field(r, nf++, fs, p, 0) != VG_OK)
            return -1;
        if (b[p] == sep) {
            p++;
            continue;
        }
        res->end = p + (b[p] == '\r' ? 2 : 1);
        res->lines++;
        res->nf = nf;
        return SCAN_OK;
    }
}

/* Undoes doubled quotes of field i in place; returns its new length. */
static size_t unescape(char *s, size_t n) {
    size_t w = 0;
    for (size_t i = 0; i < n; i++) {
        s[w++] = s[i];
        if (s[i] == '"' && i + 1 < n && s[i + 1] == '"')
            i++;
    }
    return w;
}

/* Index of the first line end after the record start, for resynchronising after a bad
 * record; the buffer end if there is none. */
static size_t next_line(const vg_reader *r) {
    const char *nl = memchr(r->buf + r->pos, '\n', r->end - r->pos);
    return nl ? (size_t)(nl - r->buf) + 1 : r->end;
}

/* After a record too long to buffer: drops input up to and including the next line end,
 * reading on as needed (the buffer cannot hold the line). */
static int skip_line(vg_reader *r, vg_error *err) {
    for (;;) {
        const char *nl = memchr(r->buf + r->pos, '\n', r->end - r->pos);
        if (nl) {
            r->pos = (size_t)(nl - r->buf) + 1;
            return VG_OK;
        }
        r->pos = r->end;
        if (r->eof)
            return VG_OK;
        int rc = vg_rd_fill(r, err);
        if (rc != VG_OK)
            return rc;
    }
}

/* Scans one record, refilling as needed. On SCAN_OK/SCAN_BLANK/SCAN_BAD, res describes it.
 * Returns SCAN_* or a negative error. */
static int scan_record(vg_reader *r, scan_result *res, int no_refill, vg_error *err) {
    for (;;) {
        int st = scan(r, res, !vg_csv_reference_scan);
        if (st < 0)
            return vg_error_set(err, VG_ERR_NOMEM, "out of memory");
        if (st != SCAN_MORE)
            return st;
        if (no_refill)
            return SCAN_STOP;
        vg_error e2;
        int rc = vg_rd_fill(r, &e2);
        if (rc == VG_ERR_LIMIT) {
            res->why = "record too long: over --max-record bytes (an unterminated quote?)";
            res->too_long = 1;
            return SCAN_BAD;
        }
        if (rc != VG_OK) {
            if (err)
                *err = e2;
            return rc;
        }
    }
}

/* Undoes doubled quotes; the scan already stored every field's pointer and raw length. */
static void finish_fields(vg_reader *r, const scan_result *res) {
    if (res->nesc == 0)
        return;
    for (size_t i = r->fbase; i < r->fbase + res->nf; i++)
        if (r->fesc[i])
            r->flen[i] = unescape((char *)r->fdata[i], r->flen[i]);
}

/* Returns the index of the first field that is not valid UTF-8, or nf if all are. */
static size_t bad_utf8_field(const vg_reader *r, size_t nf) {
    for (size_t i = 0; i < nf; i++)
        if (!vg_utf8_valid(r->fdata[r->fbase + i], r->flen[r->fbase + i]))
            return i;
    return nf;
}

int vg_csv_read_header(vg_reader *r, vg_error *err) {
    int rc = vg_rd_fill(r, err);
    if (rc != VG_OK)
        return rc;
    if (r->end >= 3 && memcmp(r->buf, "\xEF\xBB\xBF", 3) == 0)
        r->pos = 3;
    if (r->pos == r->end)
        return vg_error_set(err, VG_ERR_PARSE, "%s: empty file: expected a header line", r->path);
    scan_result res;
    int st;
    do {
        st = scan_record(r, &res, 0, err);
        if (st < 0)
            return st;
        if (st == SCAN_BLANK) {
            r->pos = res.end;
            r->line++;
            if (r->pos == r->end && !r->eof && (rc = vg_rd_fill(r, err)) != VG_OK)
                return rc;
            if (r->pos == r->end && r->eof)
                return vg_error_set(err, VG_ERR_PARSE, "%s: no header line, only blank lines",
                                    r->path);
        }
    } while (st == SCAN_BLANK);
    if (st == SCAN_BAD)
        return vg_error_set(err, VG_ERR_PARSE, "%s:%llu: header: %s", r->path,
                            (unsigned long long)r->line, res.why);
    finish_fields(r, &res);
    size_t bad = bad_utf8_field(r, res.nf);
    if (bad < res.nf)
        return vg_error_set(err, VG_ERR_PARSE,
                            "%s:%llu: header: column %zu name is not valid UTF-8", r->path,
                            (unsigned long long)r->line, bad + 1);
    for (size_t i = 0; i < res.nf; i++) {
        char name[64];
        const char *s = r->fdata[i];
        size_t n = r->flen[i];
        if (n == 0) {
            n = (size_t)snprintf(name, sizeof name, "Unnamed: %zu", i);
            s = name;
        }
        if (memchr(s, '\0', n))
            return vg_error_set(err, VG_ERR_PARSE,
                                "%s:%llu: header: column %zu name has a NUL byte", r->path,
                                (unsigned long long)r->line, i + 1);
        /* pandas-style de-duplication: a, a.1, a.2 ... */
        char *alt = NULL;
        for (unsigned k = 1; vg_rd_find_column(r, s, n) >= 0; k++) {
            free(alt);
            alt = malloc(n + 24);
            if (!alt)
                return vg_error_set(err, VG_ERR_NOMEM, "out of memory");
            size_t m = (size_t)snprintf(alt, n + 24, "%.*s.%u", (int)n, s, k);
            if (vg_rd_find_column(r, alt, m) < 0) {
                rc = vg_rd_add_column(r, alt, m);
                free(alt);
                alt = NULL;
                if (rc != VG_OK)
                    return vg_error_set(err, VG_ERR_NOMEM, "out of memory");
                goto next;
            }
        }
        if (vg_rd_add_column(r, s, n) != VG_OK)
            return vg_error_set(err, VG_ERR_NOMEM, "out of memory");
    next:;
    }
    r->pos = res.end;
    r->line += res.lines ? res.lines : 1;
    return VG_OK;
}

int vg_csv_next(vg_reader *r, vg_record *rec, vg_error *err) {
    return vg_csv_next_at(r, 0, 0, rec, err);
}

int vg_csv_next_at(vg_reader *r, size_t base, int no_refill, vg_record *rec, vg_error *err) {
    r->fbase = base;
    for (;;) {
        if (r->buf_off + r->pos >= r->limit)
            return 0;
        if (r->pos == r->end) {
            if (r->eof)
                return 0;
            if (no_refill)
                return 2;
            int rc = vg_rd_fill(r, err);
            if (rc != VG_OK)
                return rc;
            if (r->pos == r->end)
                return 0;
        }
        scan_result res;
        int st = scan_record(r, &res, no_refill, err);
        if (st < 0)
            return st;
        if (st == SCAN_STOP)
            return 2;
        uint64_t line = r->line;
        if (st == SCAN_BLANK) {
            r->blank_lines++;
            r->pos = res.end;
            r->line += res.lines;
            continue;
        }
        if (st == SCAN_BAD) {
            int rc = vg_rd_bad(r, line, err, "%s", res.why);
            if (rc < 0)
                return rc;
            /* Resume after the line holding the fault: the fault itself when known (line
             * ends inside earlier quoted fields were data), else the record's first line. */
            if (res.at_end) {
                r->pos = res.end;
                r->line = line + res.lines + 1;
            } else {
                r->line = line + 1;
            }
            if (res.too_long || res.at_end) {
                if ((rc = skip_line(r, err)) != VG_OK)
                    return rc;
            } else {
                r->pos = next_line(r);
            }
            continue;
        }
        size_t content = res.end - r->pos;
        if (content && r->buf[res.end - 1] == '\n')
            content -= (content > 1 && r->buf[res.end - 2] == '\r') ? 2 : 1;
        if (content > r->max_record) {
            int rc = vg_rd_bad(r, line, err, "record too long: over --max-record bytes");
            if (rc < 0)
                return rc;
            r->pos = res.end;
            r->line += res.lines;
            continue;
        }
        if (res.nf != r->ncols) {
            int rc = vg_rd_bad(r, line, err, "expected %zu fields, found %zu", r->ncols, res.nf);
            if (rc < 0)
                return rc;
            r->pos = res.end;
            r->line += res.lines;
            continue;
        }
        /* Whole-record check first (quotes and separators are ASCII, so the raw record is
         * valid UTF-8 exactly when every field is); per-field only to name the culprit. An
         * all-ASCII record, known from the scan, is valid. */
        int valid = res.ascii || vg_utf8_valid(r->buf + r->pos, res.end - r->pos);
        finish_fields(r, &res);
        if (!valid) {
            size_t bad = bad_utf8_field(r, res.nf);
            int rc = vg_rd_bad(r, line, err, "field %zu (column '%s') is not valid UTF-8", bad + 1,
                               bad < r->ncols ? r->names[bad] : "?");
            if (rc < 0)
                return rc;
            r->pos = res.end;
            r->line += res.lines;
            continue;
        }
        r->pos = res.end;
        r->line += res.lines;
        rec->n = res.nf;
        rec->data = r->fdata + base;
        rec->len = r->flen + base;
        rec->line = line;
        return 1;
    }
}
