/*
 * Little-endian encoder and bounds-checked decoder (see bytes.h for why they exist).
 */
#include "bytes.h"

#include <stdlib.h>
#include <string.h>

void vg_wbuf_init(vg_wbuf *w) {
    memset(w, 0, sizeof *w);
}

void vg_wbuf_free(vg_wbuf *w) {
    free(w->data);
    vg_wbuf_init(w);
}

static int reserve(vg_wbuf *w, size_t n) {
    if (w->failed)
        return 0;
    if (w->len + n > w->cap) {
        size_t cap = w->cap ? w->cap : 256;
        while (cap < w->len + n)
            cap *= 2;
        unsigned char *d = realloc(w->data, cap);
        if (!d) {
            w->failed = 1;
            return 0;
        }
        w->data = d;
        w->cap = cap;
    }
    return 1;
}

void vg_wbuf_put(vg_wbuf *w, const void *p, size_t n) {
    if (n && reserve(w, n)) {
        memcpy(w->data + w->len, p, n);
        w->len += n;
    }
}

void vg_wbuf_u8(vg_wbuf *w, uint8_t v) {
    vg_wbuf_put(w, &v, 1);
}

void vg_wbuf_u32(vg_wbuf *w, uint32_t v) {
    unsigned char b[4];
    for (int i = 0; i < 4; i++)
        b[i] = (unsigned char)(v >> (8 * i));
    vg_wbuf_put(w, b, 4);
}

void vg_wbuf_u64(vg_wbuf *w, uint64_t v) {
    unsigned char b[8];
    for (int i = 0; i < 8; i++)
        b[i] = (unsigned char)(v >> (8 * i));
    vg_wbuf_put(w, b, 8);
}

void vg_wbuf_f64(vg_wbuf *w, double v) {
    uint64_t bits;
    memcpy(&bits, &v, 8);
    vg_wbuf_u64(w, bits);
}

void vg_wbuf_str(vg_wbuf *w, const char *s, size_t n) {
    vg_wbuf_u32(w, (uint32_t)n);
    vg_wbuf_put(w, s, n);
}

void vg_wbuf_patch_u32(vg_wbuf *w, size_t at, uint32_t v) {
    if (w->failed || at + 4 > w->len)
        return;
    for (int i = 0; i < 4; i++)
        w->data[at + i] = (unsigned char)(v >> (8 * i));
}

void vg_rbuf_init(vg_rbuf *r, const void *data, size_t len) {
    r->p = data;
    r->end = r->p + len;
    r->failed = 0;
}

size_t vg_rbuf_left(const vg_rbuf *r) {
    return (size_t)(r->end - r->p);
}

const unsigned char *vg_rbuf_bytes(vg_rbuf *r, size_t n) {
    if (r->failed || n > vg_rbuf_left(r)) {
        r->failed = 1;
        return NULL;
    }
    const unsigned char *p = r->p;
    r->p += n;
    return p;
}

uint8_t vg_rbuf_u8(vg_rbuf *r) {
    const unsigned char *b = vg_rbuf_bytes(r, 1);
    return b ? b[0] : 0;
}

uint32_t vg_rbuf_u32(vg_rbuf *r) {
    const unsigned char *b = vg_rbuf_bytes(r, 4);
    uint32_t v = 0;
    if (b)
        for (int i = 0; i < 4; i++)
            v |= (uint32_t)b[i] << (8 * i);
    return v;
}

uint64_t vg_rbuf_u64(vg_rbuf *r) {
    const unsigned char *b = vg_rbuf_bytes(r, 8);
    uint64_t v = 0;
    if (b)
        for (int i = 0; i < 8; i++)
            v |= (uint64_t)b[i] << (8 * i);
    return v;
}

double vg_rbuf_f64(vg_rbuf *r) {
    uint64_t bits = vg_rbuf_u64(r);
    double v;
    memcpy(&v, &bits, 8);
    return v;
}

const char *vg_rbuf_str(vg_rbuf *r, size_t *n) {
    uint32_t len = vg_rbuf_u32(r);
    const unsigned char *b = vg_rbuf_bytes(r, len);
    *n = b ? len : 0;
    return (const char *)b;
}
