/*
 * A small JSON tokenizer for the record parser, in the manner of jsmn: one pass over the
 * bytes fills a flat array of tokens (reused from record to record, so parsing allocates
 * nothing per record) that point into the input; strings are decoded only when read, and
 * numbers keep their text, so that a feature value reaches the profile exactly as written.
 * jansson builds a tree of heap objects per record, which alone costs more than the 200k
 * records/s the daemon must sustain. The grammar is RFC 8259's; nesting is capped at 64.
 */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

void js_free(jscan *s) {
    free(s->tok);
    s->tok = NULL;
    s->n = s->cap = 0;
}

static int push(jscan *s, uint8_t type, size_t start) {
    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 64;
        jtok *t = realloc(s->tok, cap * sizeof *t);
        if (!t)
            return -1;
        s->tok = t;
        s->cap = cap;
    }
    jtok *t = &s->tok[s->n];
    t->type = type;
    t->escaped = 0;
    t->start = (uint32_t)start;
    t->len = 0;
    t->size = 0;
    t->next = 0;
    return (int)s->n++;
}

static size_t skip_ws(const char *b, size_t len, size_t p) {
    while (p < len && (b[p] == ' ' || b[p] == '\t' || b[p] == '\n' || b[p] == '\r'))
        p++;
    return p;
}

static int hexval(char c) {
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* A string from the opening quote at *p; fills token t. */
static int scan_string(jscan *s, int t, const char *b, size_t len, size_t *p) {
    size_t i = *p + 1, start = i;
    int esc = 0;
    for (;;) {
        /* the common run of plain bytes */
        while (i < len && b[i] != '"' && b[i] != '\\' && (unsigned char)b[i] >= 0x20)
            i++;
        if (i >= len || (unsigned char)b[i] < 0x20) {
            *p = i;
            return VG_ERR_PARSE;
        }
        if (b[i] == '"')
            break;
        esc = 1;
        i++;
        if (i >= len) {
            *p = i;
            return VG_ERR_PARSE;
        }
        char c = b[i];
        if (c == 'u') {
            for (int k = 1; k <= 4; k++)
                if (i + (size_t)k >= len || hexval(b[i + k]) < 0) {
                    *p = i;
                    return VG_ERR_PARSE;
                }
            i += 5;
        } else if (strchr("\"\\/bfnrt", c) && c) {
            i++;
        } else {
            *p = i;
            return VG_ERR_PARSE;
        }
    }
    s->tok[t].start = (uint32_t)start;
    s->tok[t].len = (uint32_t)(i - start);
    s->tok[t].escaped = (uint8_t)esc;
    *p = i + 1;
    return VG_OK;
}

static int scan_number(jscan *s, int t, const char *b, size_t len, size_t *p) {
    size_t i = *p, start = i;
    if (i < len && b[i] == '-')
        i++;
    if (i < len && b[i] == '0') {
        i++;
    } else if (i < len && b[i] >= '1' && b[i] <= '9') {
        while (i < len && b[i] >= '0' && b[i] <= '9')
            i++;
    } else {
        *p = i;
        return VG_ERR_PARSE;
    }
    if (i < len && b[i] == '.') {
        i++;
        if (i >= len || b[i] < '0' || b[i] > '9') {
            *p = i;
            return VG_ERR_PARSE;
        }
        while (i < len && b[i] >= '0' && b[i] <= '9')
            i++;
    }
    if (i < len && (b[i] == 'e' || b[i] == 'E')) {
        i++;
        if (i < len && (b[i] == '+' || b[i] == '-'))
            i++;
        if (i >= len || b[i] < '0' || b[i] > '9') {
            *p = i;
            return VG_ERR_PARSE;
        }
        while (i < len && b[i] >= '0' && b[i] <= '9')
            i++;
    }
    s->tok[t].start = (uint32_t)start;
    s->tok[t].len = (uint32_t)(i - start);
    *p = i;
    return VG_OK;
}

static int scan_value(jscan *s, const char *b, size_t len, size_t *p, int depth) {
    size_t i = skip_ws(b, len, *p);
    *p = i;
    if (i >= len)
        return VG_ERR_PARSE;
    if (depth > JS_MAX_DEPTH)
        return VG_ERR_LIMIT; /* its own code, so that the message can say why */
    char c = b[i];
    int t, rc;
    switch (c) {
    case '{':
    case '[': {
        int obj = c == '{';
        if ((t = push(s, obj ? JT_OBJECT : JT_ARRAY, i)) < 0)
            return VG_ERR_NOMEM;
        i = skip_ws(b, len, i + 1);
        char close = obj ? '}' : ']';
        uint32_t size = 0;
        if (i < len && b[i] == close) {
            i++;
        } else {
            for (;;) {
                if (obj) {
                    i = skip_ws(b, len, i);
                    if (i >= len || b[i] != '"') {
                        *p = i;
                        return VG_ERR_PARSE;
                    }
                    int k = push(s, JT_STRING, i);
                    if (k < 0)
                        return VG_ERR_NOMEM;
                    if ((rc = scan_string(s, k, b, len, &i)) != VG_OK) {
                        *p = i;
                        return rc;
                    }
                    s->tok[k].next = (uint32_t)s->n;
                    i = skip_ws(b, len, i);
                    if (i >= len || b[i] != ':') {
                        *p = i;
                        return VG_ERR_PARSE;
                    }
                    i++;
                }
                if ((rc = scan_value(s, b, len, &i, depth + 1)) != VG_OK) {
                    *p = i;
                    return rc;
                }
                size++;
                i = skip_ws(b, len, i);
                if (i < len && b[i] == ',') {
                    i++;
                    continue;
                }
                if (i < len && b[i] == close) {
                    i++;
                    break;
                }
                *p = i;
                return VG_ERR_PARSE;
            }
        }
        s->tok[t].size = size;
        s->tok[t].len = (uint32_t)(i - s->tok[t].start);
        s->tok[t].next = (uint32_t)s->n;
        *p = i;
        return VG_OK;
    }
    case '"':
        if ((t = push(s, JT_STRING, i)) < 0)
            return VG_ERR_NOMEM;
        rc = scan_string(s, t, b, len, &i);
        s->tok[t].next = (uint32_t)s->n;
        *p = i;
        return rc;
    case 't':
    case 'f':
    case 'n': {
        const char *word = c == 't' ? "true" : c == 'f' ? "false" : "null";
        size_t wl = strlen(word);
        if (len - i < wl || memcmp(b + i, word, wl) != 0)
            return VG_ERR_PARSE;
        if ((t = push(s, c == 't' ? JT_TRUE : c == 'f' ? JT_FALSE : JT_NULL, i)) < 0)
            return VG_ERR_NOMEM;
        s->tok[t].len = (uint32_t)wl;
        s->tok[t].next = (uint32_t)s->n;
        *p = i + wl;
        return VG_OK;
    }
    default:
        if ((t = push(s, JT_NUMBER, i)) < 0)
            return VG_ERR_NOMEM;
        rc = scan_number(s, t, b, len, &i);
        s->tok[t].next = (uint32_t)s->n;
        *p = i;
        return rc;
    }
}

int js_parse(jscan *s, const char *buf, size_t len, size_t *pos) {
    s->n = 0;
    if (len > UINT32_MAX)
        return VG_ERR_LIMIT;
    return scan_value(s, buf, len, pos, 0);
}

static size_t put_utf8(char *d, unsigned cp) {
    if (cp < 0x80) {
        d[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        d[0] = (char)(0xC0 | (cp >> 6));
        d[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        d[0] = (char)(0xE0 | (cp >> 12));
        d[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        d[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    d[0] = (char)(0xF0 | (cp >> 18));
    d[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    d[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    d[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

static unsigned hex4(const char *p) {
    return (unsigned)(hexval(p[0]) << 12 | hexval(p[1]) << 8 | hexval(p[2]) << 4 | hexval(p[3]));
}

size_t js_unescape(const char *buf, const jtok *t, char *dst) {
    const char *p = buf + t->start, *end = p + t->len;
    if (!t->escaped) {
        memcpy(dst, p, t->len);
        return t->len;
    }
    size_t o = 0;
    while (p < end) {
        if (*p != '\\') {
            dst[o++] = *p++;
            continue;
        }
        p++;
        char c = *p++;
        switch (c) {
        case 'b': dst[o++] = '\b'; break;
        case 'f': dst[o++] = '\f'; break;
        case 'n': dst[o++] = '\n'; break;
        case 'r': dst[o++] = '\r'; break;
        case 't': dst[o++] = '\t'; break;
        case 'u': {
            unsigned cp = hex4(p);
            p += 4;
            if (cp >= 0xD800 && cp <= 0xDBFF) {
                /* a high surrogate must be followed by an escaped low one */
                if (end - p < 6 || p[0] != '\\' || p[1] != 'u')
                    return (size_t)-1;
                unsigned lo = hex4(p + 2);
                if (lo < 0xDC00 || lo > 0xDFFF)
                    return (size_t)-1;
                cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                p += 6;
            } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
                return (size_t)-1;
            }
            o += put_utf8(dst + o, cp);
            break;
        }
        default: dst[o++] = c; break; /* " \ / */
        }
    }
    return o;
}

void js_where(const char *buf, size_t len, size_t pos, uint64_t *line, uint64_t *col) {
    uint64_t l = 1, c = 1;
    for (size_t i = 0; i < pos && i < len; i++) {
        if (buf[i] == '\n') {
            l++;
            c = 1;
        } else {
            c++;
        }
    }
    *line = l;
    *col = c;
}
