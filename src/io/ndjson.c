/*
 * NDJSON records: one JSON object per line, parsed with jansson.
 *
 * Each value becomes the cell text the CSV path would have seen, so that one classifier
 * types both formats: null -> "" (missing), true/false, integers as written, reals printed
 * with 17 significant digits (exactly round-trippable) and kept fractional, strings as they
 * are, arrays and objects as compact JSON. Keys not seen before become new columns.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

static char *arena_put(vg_reader *r, const char *s, size_t n, int *oom) {
    if (r->arena_len + n > r->arena_cap) {
        size_t cap = r->arena_cap ? r->arena_cap : 4096;
        while (cap < r->arena_len + n)
            cap *= 2;
        char *a = realloc(r->arena, cap);
        if (!a) {
            *oom = 1;
            return NULL;
        }
        r->arena = a;
        r->arena_cap = cap;
    }
    char *dst = r->arena + r->arena_len;
    memcpy(dst, s, n);
    r->arena_len += n;
    return dst;
}

/* Cell text for a JSON value. Offsets into the arena are recorded (the arena may move while
 * the record is built); pointers are fixed up at the end. */
static int value_text(vg_reader *r, json_t *v, size_t *off, size_t *len) {
    char tmp[64];
    const char *s = tmp;
    size_t n = 0;
    char *dumped = NULL;
    switch (json_typeof(v)) {
    case JSON_NULL: n = 0; break;
    case JSON_TRUE:
        s = "true";
        n = 4;
        break;
    case JSON_FALSE:
        s = "false";
        n = 5;
        break;
    case JSON_INTEGER:
        n = (size_t)snprintf(tmp, sizeof tmp, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
        break;
    case JSON_REAL: {
        n = (size_t)snprintf(tmp, sizeof tmp, "%.17g", json_real_value(v));
        if (!strpbrk(tmp, ".eEn")) { /* keep 1.0 fractional: "1" would read as an integer */
            memcpy(tmp + n, ".0", 3);
            n += 2;
        }
        break;
    }
    case JSON_STRING:
        s = json_string_value(v);
        n = json_string_length(v);
        break;
    default:
        dumped = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY | JSON_PRESERVE_ORDER);
        if (!dumped)
            return VG_ERR_NOMEM;
        s = dumped;
        n = strlen(dumped);
        break;
    }
    int oom = 0;
    *off = r->arena_len;
    *len = n;
    if (n)
        arena_put(r, s, n, &oom);
    free(dumped);
    return oom ? VG_ERR_NOMEM : VG_OK;
}

/* jansson refuses integers beyond 64 bits. Re-reading the whole line with
 * JSON_DECODE_INT_AS_REAL would turn every integer on it into a real, so instead integer
 * tokens of more than 18 digits outside strings are quoted: their cell text is then the same
 * digits, which the classifier reads as an integer, exactly as for CSV. Returns a malloc'd
 * copy, or NULL if out of memory. */
static char *quote_big_integers(const char *t, size_t len, size_t *out_len) {
    char *out = malloc(len * 3 + 1);
    if (!out)
        return NULL;
    size_t o = 0, i = 0;
    int in_string = 0;
    while (i < len) {
        char c = t[i];
        if (in_string) {
            out[o++] = c;
            if (c == '\\' && i + 1 < len)
                out[o++] = t[++i];
            else if (c == '"')
                in_string = 0;
            i++;
            continue;
        }
        if (c == '"') {
            in_string = 1;
            out[o++] = c;
            i++;
            continue;
        }
        if (c == '-' || (c >= '0' && c <= '9')) {
            size_t start = i, digits = 0;
            int integral = 1;
            if (t[i] == '-')
                i++;
            while (i < len && ((t[i] >= '0' && t[i] <= '9') || t[i] == '.' || t[i] == 'e' ||
                               t[i] == 'E' || t[i] == '+' || t[i] == '-')) {
                if (t[i] >= '0' && t[i] <= '9')
                    digits++;
                else
                    integral = 0;
                i++;
            }
            int quote = integral && digits > 18;
            if (quote)
                out[o++] = '"';
            memcpy(out + o, t + start, i - start);
            o += i - start;
            if (quote)
                out[o++] = '"';
            continue;
        }
        out[o++] = c;
        i++;
    }
    *out_len = o;
    return out;
}

int vg_ndjson_next(vg_reader *r, vg_record *rec, vg_error *err) {
    for (;;) {
        if (r->buf_off + r->pos >= r->limit)
            return 0;
        const char *nl = memchr(r->buf + r->pos, '\n', r->end - r->pos);
        if (!nl && !r->eof) {
            vg_error e2;
            int rc = vg_rd_fill(r, &e2);
            if (rc == VG_ERR_LIMIT) {
                /* a line longer than max_record: report it and skip to its end */
                uint64_t line = r->line;
                rc = vg_rd_bad(r, line, err, "line longer than %zu bytes", r->max_record);
                if (rc < 0)
                    return rc;
                for (;;) {
                    r->pos = r->end;
                    rc = vg_rd_fill(r, err);
                    if (rc != VG_OK)
                        return rc;
                    nl = memchr(r->buf + r->pos, '\n', r->end - r->pos);
                    if (nl || r->eof)
                        break;
                }
                r->pos = nl ? (size_t)(nl - r->buf) + 1 : r->end;
                r->line++;
                continue;
            }
            if (rc != VG_OK) {
                if (err)
                    *err = e2;
                return rc;
            }
            continue;
        }
        if (r->pos == r->end)
            return 0; /* eof */
        size_t start = r->pos;
        size_t stop = nl ? (size_t)(nl - r->buf) : r->end;
        r->pos = nl ? stop + 1 : stop;
        uint64_t line = r->line++;
        size_t len = stop - start;
        const char *text = r->buf + start;
        if (len && text[len - 1] == '\r')
            len--;
        if (r->buf_off + start == 0 && len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0) {
            text += 3; /* a UTF-8 byte-order mark, as CSV files may have */
            len -= 3;
        }
        if (len > r->max_record) {
            int rc = vg_rd_bad(r, line, err, "line longer than %zu bytes", r->max_record);
            if (rc < 0)
                return rc;
            continue;
        }
        size_t k = 0;
        while (k < len && (text[k] == ' ' || text[k] == '\t'))
            k++;
        if (k == len) {
            r->blank_lines++;
            continue;
        }
        json_error_t jerr;
        json_t *obj = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
        if (!obj && strstr(jerr.text, "too big")) {
            size_t ql;
            char *quoted = quote_big_integers(text, len, &ql);
            if (!quoted)
                return vg_error_set(err, VG_ERR_NOMEM, "out of memory");
            json_error_t jerr2;
            obj = json_loadb(quoted, ql, JSON_REJECT_DUPLICATES, &jerr2);
            free(quoted);
        }
        if (!obj) {
            int rc =
                vg_rd_bad(r, line, err, "invalid JSON at column %d: %s", jerr.column, jerr.text);
            if (rc < 0)
                return rc;
            continue;
        }
        if (!json_is_object(obj)) {
            json_decref(obj);
            int rc = vg_rd_bad(r, line, err, "expected a JSON object");
            if (rc < 0)
                return rc;
            continue;
        }
        r->arena_len = 0;
        for (size_t i = 0; i < r->ncols; i++) {
            r->fstart[i] = 0;
            r->flen[i] = 0;
        }
        const char *key;
        json_t *v;
        int rc = VG_OK;
        json_object_foreach(obj, key, v) {
            size_t kl = strlen(key);
            int idx = vg_rd_find_column(r, key, kl);
            if (idx < 0) {
                if (vg_rd_add_column(r, key, kl) != VG_OK) {
                    rc = VG_ERR_NOMEM;
                    break;
                }
                idx = (int)r->ncols - 1;
                r->fstart[idx] = 0;
                r->flen[idx] = 0;
            }
            if ((rc = value_text(r, v, &r->fstart[idx], &r->flen[idx])) != VG_OK)
                break;
        }
        json_decref(obj);
        if (rc != VG_OK)
            return vg_error_set(err, VG_ERR_NOMEM, "out of memory");
        for (size_t i = 0; i < r->ncols; i++)
            r->fdata[i] = r->arena ? r->arena + r->fstart[i] : "";
        rec->n = r->ncols;
        rec->data = r->fdata;
        rec->len = r->flen;
        rec->line = line;
        return 1;
    }
}
