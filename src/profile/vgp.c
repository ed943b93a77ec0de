/*
 * The .vgp profile file: a checksummed, versioned, endian-neutral envelope around a dataset
 * profile (format specification: docs/vgp-format.md).
 *
 *   magic[8] = 89 'V' 'G' 'P' 0D 0A 1A 0A     (PNG-style: catches text-mode mangling)
 *   u32 version                               (VG_VGP_VERSION)
 *   u64 payload_length
 *   payload
 *   u32 crc32 of every byte before it         (zlib's CRC-32)
 *
 * The decoder checks magic, version, length and checksum before it parses anything, and
 * then checks every invariant between the parts (counts add up, sketch weights match the
 * counts, sketch settings match the profile's), so a damaged file is refused with a message
 * instead of being read as plausible garbage.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "../base/bytes.h"
#include "../sketch/codec.h"
#include "vigia/profile.h"
#include "vigia/version.h"

#define VG_VGP_VERSION 1
#define HEADER_LEN 20
static const unsigned char magic[8] = {0x89, 'V', 'G', 'P', 0x0D, 0x0A, 0x1A, 0x0A};

static uint32_t crc_of(const unsigned char *p, size_t n) {
    uLong crc = crc32(0L, Z_NULL, 0);
    while (n > 0) {
        uInt chunk = n > 0x40000000u ? 0x40000000u : (uInt)n;
        crc = crc32(crc, p, chunk);
        p += chunk;
        n -= chunk;
    }
    return (uint32_t)crc;
}

/* A section is a u32 length then the bytes, so a reader can tell a short section from a long
 * one and later versions can append fields. */
static size_t section_begin(vg_wbuf *w) {
    size_t at = w->len;
    vg_wbuf_u32(w, 0);
    return at;
}

static void section_end(vg_wbuf *w, size_t at) {
    vg_wbuf_patch_u32(w, at, (uint32_t)(w->len - at - 4));
}

int vg_profile_encode(const vg_profile *p, unsigned char **out, size_t *len, vg_error *err) {
    vg_wbuf w;
    vg_wbuf_init(&w);
    vg_wbuf_put(&w, magic, 8);
    vg_wbuf_u32(&w, VG_VGP_VERSION);
    vg_wbuf_u64(&w, 0); /* payload length, patched below */
    const char *writer = "vigia " VG_VERSION;
    vg_wbuf_str(&w, writer, strlen(writer));
    vg_wbuf_u32(&w, p->opts.kll_k);
    vg_wbuf_u8(&w, (uint8_t)p->opts.hll_p);
    vg_wbuf_u32(&w, p->opts.top_capacity);
    vg_wbuf_u64(&w, p->opts.seed);
    vg_wbuf_u64(&w, p->rows);
    vg_wbuf_u64(&w, p->bad_rows);
    vg_wbuf_u32(&w, (uint32_t)p->ncols);
    for (size_t i = 0; i < p->ncols; i++) {
        const vg_column *c = p->cols[i];
        vg_wbuf_str(&w, c->name, strlen(c->name));
        vg_wbuf_u64(&w, c->missing);
        vg_wbuf_u64(&w, c->n_integer);
        vg_wbuf_u64(&w, c->n_fractional);
        vg_wbuf_u64(&w, c->n_boolean);
        vg_wbuf_u64(&w, c->n_string);
        vg_wbuf_u8(&w, (uint8_t)c->numbers_uncounted);
        vg_moments_encode(&c->moments, &w);
        size_t at = section_begin(&w);
        vg_kll_encode(c->kll, &w);
        section_end(&w, at);
        at = section_begin(&w);
        vg_hll_encode(c->hll, &w);
        section_end(&w, at);
        at = section_begin(&w);
        vg_freq_encode(c->freq, &w);
        section_end(&w, at);
        at = section_begin(&w);
        vg_freq_encode(c->freq_num, &w);
        section_end(&w, at);
    }
    if (!w.failed) {
        uint64_t payload = w.len - HEADER_LEN;
        for (int i = 0; i < 8; i++)
            w.data[12 + i] = (unsigned char)(payload >> (8 * i));
        vg_wbuf_u32(&w, crc_of(w.data, w.len));
    }
    if (w.failed) {
        vg_wbuf_free(&w);
        return vg_error_set(err, VG_ERR_NOMEM, "out of memory encoding a profile");
    }
    *out = w.data;
    *len = w.len;
    return VG_OK;
}

/* Reads one length-prefixed section with `decode`, which must consume it exactly. */
#define DECODE_SECTION(r, var, decode_fn, what)                                                    \
    do {                                                                                           \
        uint32_t slen_ = vg_rbuf_u32(r);                                                           \
        const unsigned char *sp_ = vg_rbuf_bytes(r, slen_);                                        \
        if (!sp_) {                                                                                \
            vg_error_set(err, VG_ERR_FORMAT, "%s: column '%s': truncated %s", src, c->name, what); \
            goto fail;                                                                             \
        }                                                                                          \
        vg_rbuf sr_;                                                                               \
        vg_rbuf_init(&sr_, sp_, slen_);                                                            \
        var = decode_fn(&sr_, &e2);                                                                \
        if (!var || vg_rbuf_left(&sr_)) {                                                          \
            vg_error_set(err, VG_ERR_FORMAT, "%s: column '%s': %s", src, c->name,                  \
                         var ? "trailing bytes in " what : e2.msg);                                \
            goto fail;                                                                             \
        }                                                                                          \
    } while (0)

vg_profile *vg_profile_decode(const void *data, size_t len, const char *what, vg_error *err) {
    const char *src = what ? what : "profile";
    const unsigned char *d = data;
    if (len < 8 && len > 0 && memcmp(d, magic, len) == 0) {
        vg_error_set(err, VG_ERR_FORMAT, "%s: truncated profile: %zu bytes", src, len);
        return NULL;
    }
    if (len < 8 || memcmp(d, magic, 8) != 0) {
        vg_error_set(err, VG_ERR_FORMAT, "%s: not a vigia profile (.vgp): bad magic bytes", src);
        return NULL;
    }
    if (len < HEADER_LEN + 4) {
        vg_error_set(err, VG_ERR_FORMAT, "%s: truncated profile: %zu bytes, header needs %d", src,
                     len, HEADER_LEN + 4);
        return NULL;
    }
    vg_rbuf r;
    vg_rbuf_init(&r, d + 8, len - 8);
    uint32_t version = vg_rbuf_u32(&r);
    uint64_t payload = vg_rbuf_u64(&r);
    if (version != VG_VGP_VERSION) {
        vg_error_set(err, VG_ERR_FORMAT,
                     "%s: profile format version %u is not supported (this vigia reads version %d)",
                     src, version, VG_VGP_VERSION);
        return NULL;
    }
    if (payload > len - HEADER_LEN - 4) {
        vg_error_set(err, VG_ERR_FORMAT,
                     "%s: truncated profile: header announces %llu payload bytes, file holds %zu",
                     src, (unsigned long long)payload, len - HEADER_LEN - 4);
        return NULL;
    }
    if (payload < len - HEADER_LEN - 4) {
        vg_error_set(err, VG_ERR_FORMAT, "%s: %zu unexpected bytes after the profile", src,
                     (size_t)(len - HEADER_LEN - 4 - payload));
        return NULL;
    }
    size_t body = HEADER_LEN + (size_t)payload;
    uint32_t stored = (uint32_t)d[body] | (uint32_t)d[body + 1] << 8 | (uint32_t)d[body + 2] << 16 |
                      (uint32_t)d[body + 3] << 24;
    if (crc_of(d, body) != stored) {
        vg_error_set(err, VG_ERR_FORMAT, "%s: checksum mismatch: the profile file is corrupted",
                     src);
        return NULL;
    }

    vg_rbuf_init(&r, d + HEADER_LEN, (size_t)payload);
    vg_error e2;
    vg_error_clear(&e2);
    size_t wl;
    (void)vg_rbuf_str(&r, &wl); /* writer: informational */
    vg_profile_options o;
    o.kll_k = vg_rbuf_u32(&r);
    o.hll_p = vg_rbuf_u8(&r);
    o.top_capacity = vg_rbuf_u32(&r);
    o.seed = vg_rbuf_u64(&r);
    uint64_t rows = vg_rbuf_u64(&r), bad_rows = vg_rbuf_u64(&r);
    uint32_t ncols = vg_rbuf_u32(&r);
    if (!vg_rbuf_ok(&r)) {
        vg_error_set(err, VG_ERR_FORMAT, "%s: truncated profile header", src);
        return NULL;
    }
    vg_profile *p = vg_profile_new(&o, &e2);
    if (!p) {
        vg_error_set(err, e2.code == VG_ERR_NOMEM ? VG_ERR_NOMEM : VG_ERR_FORMAT, "%s: %s", src,
                     e2.msg);
        return NULL;
    }
    vg_column *c = NULL;
    for (uint32_t i = 0; i < ncols; i++) {
        size_t nl;
        const char *name = vg_rbuf_str(&r, &nl);
        if (!name) {
            vg_error_set(err, VG_ERR_FORMAT, "%s: truncated column %u", src, i);
            goto fail;
        }
        int idx = vg_profile_add_column(p, name, nl, &e2);
        if (idx < 0) {
            vg_error_set(err, e2.code == VG_ERR_NOMEM ? VG_ERR_NOMEM : VG_ERR_FORMAT, "%s: %s", src,
                         e2.msg);
            goto fail;
        }
        c = p->cols[idx];
        c->missing = vg_rbuf_u64(&r);
        c->n_integer = vg_rbuf_u64(&r);
        c->n_fractional = vg_rbuf_u64(&r);
        c->n_boolean = vg_rbuf_u64(&r);
        c->n_string = vg_rbuf_u64(&r);
        uint8_t retired = vg_rbuf_u8(&r);
        if (retired > 1) {
            vg_error_set(err, VG_ERR_FORMAT, "%s: column '%s': invalid flags", src, c->name);
            goto fail;
        }
        c->numbers_uncounted = retired;
        if (vg_moments_decode(&c->moments, &r, &e2) != VG_OK) {
            vg_error_set(err, VG_ERR_FORMAT, "%s: column '%s': %s", src, c->name, e2.msg);
            goto fail;
        }
        vg_kll_free(c->kll);
        vg_hll_free(c->hll);
        vg_freq_free(c->freq);
        vg_freq_free(c->freq_num);
        c->freq_num = NULL;
        c->kll = NULL;
        c->hll = NULL;
        c->freq = NULL;
        DECODE_SECTION(&r, c->kll, vg_kll_decode, "quantile sketch");
        DECODE_SECTION(&r, c->hll, vg_hll_decode, "distinct-count sketch");
        DECODE_SECTION(&r, c->freq, vg_freq_decode, "frequent-items sketch");
        DECODE_SECTION(&r, c->freq_num, vg_freq_decode, "numeric value counts");
        uint64_t numeric = c->n_integer + c->n_fractional;
        uint64_t count = vg_column_count(c);
        if (count < numeric || count + c->missing != rows || c->moments.n != numeric ||
            vg_kll_n(c->kll) != numeric ||
            vg_freq_total(c->freq) != c->n_string + c->n_boolean ||
            vg_freq_total(c->freq_num) != (c->numbers_uncounted ? 0 : numeric) ||
            vg_freq_offset(c->freq_num) != 0) {
            vg_error_set(err, VG_ERR_FORMAT, "%s: column '%s': counts do not add up", src, c->name);
            goto fail;
        }
        if (vg_kll_k(c->kll) != o.kll_k || vg_hll_p(c->hll) != o.hll_p ||
            vg_freq_capacity(c->freq) != o.top_capacity ||
            vg_freq_capacity(c->freq_num) != o.top_capacity) {
            vg_error_set(err, VG_ERR_FORMAT,
                         "%s: column '%s': sketch settings differ from the "
                         "profile's",
                         src, c->name);
            goto fail;
        }
    }
    if (vg_rbuf_left(&r) != 0) {
        vg_error_set(err, VG_ERR_FORMAT, "%s: unexpected bytes after the last column", src);
        goto fail;
    }
    p->rows = rows;
    p->bad_rows = bad_rows;
    return p;
fail:
    vg_profile_free(p);
    return NULL;
}

int vg_profile_save(const vg_profile *p, const char *path, vg_error *err) {
    unsigned char *buf;
    size_t len;
    int rc = vg_profile_encode(p, &buf, &len, err);
    if (rc != VG_OK)
        return rc;
    /* Write to a temporary name and rename, so a crash never leaves a half-written profile
     * under the final name. */
    size_t pl = strlen(path);
    char *tmp = malloc(pl + 8);
    if (!tmp) {
        free(buf);
        return vg_error_set(err, VG_ERR_NOMEM, "out of memory");
    }
    memcpy(tmp, path, pl);
    memcpy(tmp + pl, ".tmpXXX", 8);
    FILE *f = fopen(tmp, "wb");
    if (!f) {
        rc = vg_error_set(err, VG_ERR_IO, "%s: cannot create: %s", path, strerror(errno));
        goto out;
    }
    int ok = fwrite(buf, 1, len, f) == len;
    ok = (fflush(f) == 0) && ok;
    ok = (fclose(f) == 0) && ok;
    if (!ok) {
        rc = vg_error_set(err, VG_ERR_IO, "%s: write failed: %s", path, strerror(errno));
        remove(tmp);
        goto out;
    }
    if (rename(tmp, path) != 0) {
        rc =
            vg_error_set(err, VG_ERR_IO, "%s: cannot rename into place: %s", path, strerror(errno));
        remove(tmp);
    }
out:
    free(tmp);
    free(buf);
    return rc;
}

vg_profile *vg_profile_load(const char *path, vg_error *err) {
    FILE *f = fopen(path, "rb");
    if (!f) {
        vg_error_set(err, VG_ERR_IO, "%s: %s", path, strerror(errno));
        return NULL;
    }
    unsigned char *buf = NULL;
    size_t len = 0, cap = 0;
    for (;;) {
        if (len == cap) {
            cap = cap ? cap * 2 : 1 << 16;
            unsigned char *nb = realloc(buf, cap);
            if (!nb) {
                free(buf);
                fclose(f);
                vg_error_set(err, VG_ERR_NOMEM, "%s: out of memory", path);
                return NULL;
            }
            buf = nb;
        }
        size_t got = fread(buf + len, 1, cap - len, f);
        len += got;
        if (got == 0)
            break;
    }
    int bad = ferror(f);
    fclose(f);
    if (bad) {
        free(buf);
        vg_error_set(err, VG_ERR_IO, "%s: read error", path);
        return NULL;
    }
    if (len == 0) {
        free(buf);
        vg_error_set(err, VG_ERR_FORMAT, "%s: empty file, not a vigia profile", path);
        return NULL;
    }
    vg_profile *p = vg_profile_decode(buf, len, path, err);
    free(buf);
    return p;
}
