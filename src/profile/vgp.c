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
#include <sys/stat.h>
#include <unistd.h>
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

/* The section codecs, under one signature. */
typedef struct {
    void *(*decode)(vg_rbuf *, vg_error *);
    void (*release)(void *);
    const char *what;
} section_codec;

static void *dec_kll(vg_rbuf *r, vg_error *e) {
    return vg_kll_decode(r, e);
}
static void rel_kll(void *p) {
    vg_kll_free(p);
}
static void *dec_hll(vg_rbuf *r, vg_error *e) {
    return vg_hll_decode(r, e);
}
static void rel_hll(void *p) {
    vg_hll_free(p);
}
static void *dec_freq(vg_rbuf *r, vg_error *e) {
    return vg_freq_decode(r, e);
}
static void rel_freq(void *p) {
    vg_freq_free(p);
}
static const section_codec kll_codec = {dec_kll, rel_kll, "quantile sketch"};
static const section_codec hll_codec = {dec_hll, rel_hll, "distinct-count sketch"};
static const section_codec freq_codec = {dec_freq, rel_freq, "value counts"};

/* Reads one length-prefixed section of column `col` with `decode`, which must consume it
 * exactly. Returns the object, or NULL with err set (out of memory keeps its own code). */
static void *decode_section(vg_rbuf *r, const section_codec *codec, const char *src,
                            const char *col, vg_error *err) {
    const char *what = codec->what;
    uint32_t len = vg_rbuf_u32(r);
    const unsigned char *p = vg_rbuf_bytes(r, len);
    if (!p) {
        vg_error_set(err, VG_ERR_FORMAT, "%s: column '%s': truncated %s", src, col, what);
        return NULL;
    }
    vg_rbuf sr;
    vg_rbuf_init(&sr, p, len);
    vg_error e;
    vg_error_clear(&e);
    void *obj = codec->decode(&sr, &e);
    if (!obj) {
        vg_error_set(err, e.code == VG_ERR_NOMEM ? VG_ERR_NOMEM : VG_ERR_FORMAT,
                     "%s: column '%s': %s", src, col, e.msg);
        return NULL;
    }
    if (vg_rbuf_left(&sr)) {
        vg_error_set(err, VG_ERR_FORMAT, "%s: column '%s': trailing bytes in %s", src, col, what);
        codec->release(obj);
        return NULL;
    }
    return obj;
}

/* a + b + ... without wrapping: a crafted file must not make its counts add up by overflow */
static int add_u64(uint64_t *acc, uint64_t v) {
    return __builtin_add_overflow(*acc, v, acc);
}

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
        if (!(c->kll = decode_section(&r, &kll_codec, src, c->name, err)) ||
            !(c->hll = decode_section(&r, &hll_codec, src, c->name, err)) ||
            !(c->freq = decode_section(&r, &freq_codec, src, c->name, err)) ||
            !(c->freq_num = decode_section(&r, &freq_codec, src, c->name, err)))
            goto fail;
        uint64_t numeric = c->n_integer, count = 0, total = 0, strings = c->n_string;
        int wrapped = add_u64(&numeric, c->n_fractional) | add_u64(&count, numeric) |
                      add_u64(&count, c->n_boolean) | add_u64(&count, c->n_string) |
                      add_u64(&total, count) | add_u64(&total, c->missing) |
                      add_u64(&strings, c->n_boolean);
        if (wrapped || total != rows || c->moments.n != numeric || vg_kll_n(c->kll) != numeric ||
            vg_freq_total(c->freq) != strings ||
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

/* mkstemp creates files 0600; a profile gets the permissions fopen would have given it. The
 * umask is read from /proc rather than with umask(2), which would briefly change it for every
 * thread of a program that embeds the library. */
static void fchmod_default(const char *path) {
    mode_t mask = 022;
    FILE *f = fopen("/proc/self/status", "r");
    if (f) {
        char line[128];
        unsigned m;
        while (fgets(line, sizeof line, f))
            if (sscanf(line, "Umask: %o", &m) == 1) {
                mask = (mode_t)m;
                break;
            }
        fclose(f);
    }
    chmod(path, 0666 & ~mask);
}

/* write(2) all of buf, retrying short writes and EINTR */
static int write_all(int fd, const unsigned char *buf, size_t len) {
    while (len > 0) {
        ssize_t n = write(fd, buf, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        buf += n;
        len -= (size_t)n;
    }
    return 0;
}

int vg_profile_save(const vg_profile *p, const char *path, vg_error *err) {
    unsigned char *buf;
    size_t len;
    int rc = vg_profile_encode(p, &buf, &len, err);
    if (rc != VG_OK)
        return rc;
    /* A unique temporary file beside the target, flushed to disk, then renamed over it: a
     * crash or a concurrent save never leaves a half-written profile under the final name. */
    size_t pl = strlen(path);
    char *tmp = malloc(pl + 16);
    if (!tmp) {
        free(buf);
        return vg_error_set(err, VG_ERR_NOMEM, "out of memory");
    }
    memcpy(tmp, path, pl);
    memcpy(tmp + pl, ".tmp-XXXXXX", 12);
    int fd = mkstemp(tmp);
    if (fd < 0) {
        rc = vg_error_set(err, VG_ERR_IO, "%s: cannot create: %s", path, strerror(errno));
        goto out;
    }
    int bad = write_all(fd, buf, len) != 0 || fsync(fd) != 0;
    int saved = errno;
    bad = (close(fd) != 0) || bad;
    if (bad) {
        rc = vg_error_set(err, VG_ERR_IO, "%s: write failed: %s", path, strerror(saved));
        unlink(tmp);
        goto out;
    }
    fchmod_default(tmp);
    if (rename(tmp, path) != 0) {
        rc =
            vg_error_set(err, VG_ERR_IO, "%s: cannot rename into place: %s", path, strerror(errno));
        unlink(tmp);
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
    int saved = errno;
    fclose(f);
    errno = saved;
    if (bad) {
        free(buf);
        vg_error_set(err, VG_ERR_IO, "%s: read error: %s", path, strerror(errno));
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

int vg_profile_file_is_vgp(const char *path) {
    unsigned char buf[8];
    FILE *f = strcmp(path, "-") ? fopen(path, "rb") : NULL;
    if (!f)
        return 0;
    size_t n = fread(buf, 1, 8, f);
    fclose(f);
    return n == 8 && memcmp(buf, magic, 8) == 0;
}
