/*
 * Portable binary encoding: a growable write buffer and a bounds-checked read cursor.
 *
 * All of vigia's binary formats (sketch serialization, .vgp profiles) go through these two
 * types. Integers are written little-endian byte by byte and doubles as their IEEE-754 bit
 * pattern, so a file written on any host reads back identically on any other, whatever its
 * endianness. The reader never reads past its end: a short read sets a sticky failure flag
 * and returns zeros, and the caller checks `vg_rbuf_ok()` once after a group of reads. That
 * keeps decoders short while making truncated input impossible to misread.
 */
#ifndef VG_BASE_BYTES_H
#define VG_BASE_BYTES_H

#include <stddef.h>
#include <stdint.h>

typedef struct vg_wbuf {
    unsigned char *data;
    size_t len, cap;
    int failed; /* an allocation failed: contents are incomplete */
} vg_wbuf;

void vg_wbuf_init(vg_wbuf *w);
void vg_wbuf_free(vg_wbuf *w);
void vg_wbuf_put(vg_wbuf *w, const void *p, size_t n);
void vg_wbuf_u8(vg_wbuf *w, uint8_t v);
void vg_wbuf_u32(vg_wbuf *w, uint32_t v);
void vg_wbuf_u64(vg_wbuf *w, uint64_t v);
void vg_wbuf_f64(vg_wbuf *w, double v);
/* u32 length followed by the bytes. */
void vg_wbuf_str(vg_wbuf *w, const char *s, size_t n);
/* Overwrites 4 bytes at `at` (for lengths known only after the body is written). */
void vg_wbuf_patch_u32(vg_wbuf *w, size_t at, uint32_t v);

typedef struct vg_rbuf {
    const unsigned char *p, *end;
    int failed; /* a read went past the end, or a value was out of range */
} vg_rbuf;

void vg_rbuf_init(vg_rbuf *r, const void *data, size_t len);
uint8_t vg_rbuf_u8(vg_rbuf *r);
uint32_t vg_rbuf_u32(vg_rbuf *r);
uint64_t vg_rbuf_u64(vg_rbuf *r);
double vg_rbuf_f64(vg_rbuf *r);
/* Returns a pointer into the buffer (not NUL-terminated) and its length via *n. */
const unsigned char *vg_rbuf_bytes(vg_rbuf *r, size_t n);
const char *vg_rbuf_str(vg_rbuf *r, size_t *n);
size_t vg_rbuf_left(const vg_rbuf *r);
static inline int vg_rbuf_ok(const vg_rbuf *r) {
    return !r->failed;
}

#endif
