/*
 * SHA-256 after FIPS 180-4 section 6.2 and HMAC after RFC 2104, written for libvigia so that PII
 * redaction can key its hashes without linking a crypto library. Portable C: the message
 * schedule is read big-endian byte by byte, so host endianness does not matter. Checked against
 * the NIST example vectors and RFC 4231 in tests/unit/test_monitor_pii.c.
 */
#include "sha256.h"

#include <string.h>

static const uint32_t K[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2};

#define ROTR(x, n) (((x) >> (n)) | ((x) << (32 - (n))))

static void compress(uint32_t h[8], const unsigned char *p) {
    uint32_t w[64];
    for (int t = 0; t < 16; t++)
        w[t] = (uint32_t)p[4 * t] << 24 | (uint32_t)p[4 * t + 1] << 16 |
               (uint32_t)p[4 * t + 2] << 8 | (uint32_t)p[4 * t + 3];
    for (int t = 16; t < 64; t++) {
        uint32_t s0 = ROTR(w[t - 15], 7) ^ ROTR(w[t - 15], 18) ^ (w[t - 15] >> 3);
        uint32_t s1 = ROTR(w[t - 2], 17) ^ ROTR(w[t - 2], 19) ^ (w[t - 2] >> 10);
        w[t] = w[t - 16] + s0 + w[t - 7] + s1;
    }
    uint32_t a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], k = h[7];
    for (int t = 0; t < 64; t++) {
        uint32_t S1 = ROTR(e, 6) ^ ROTR(e, 11) ^ ROTR(e, 25);
        uint32_t ch = (e & f) ^ (~e & g);
        uint32_t t1 = k + S1 + ch + K[t] + w[t];
        uint32_t S0 = ROTR(a, 2) ^ ROTR(a, 13) ^ ROTR(a, 22);
        uint32_t maj = (a & b) ^ (a & c) ^ (b & c);
        uint32_t t2 = S0 + maj;
        k = g;
        g = f;
        f = e;
        e = d + t1;
        d = c;
        c = b;
        b = a;
        a = t1 + t2;
    }
    h[0] += a;
    h[1] += b;
    h[2] += c;
    h[3] += d;
    h[4] += e;
    h[5] += f;
    h[6] += g;
    h[7] += k;
}

void vg_sha256_init(vg_sha256_ctx *c) {
    static const uint32_t h0[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                                   0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
    memcpy(c->h, h0, sizeof h0);
    c->bytes = 0;
    c->nbuf = 0;
}

void vg_sha256_update(vg_sha256_ctx *c, const void *data, size_t len) {
    const unsigned char *p = data;
    c->bytes += len;
    if (c->nbuf) {
        size_t take = VG_SHA256_BLOCK - c->nbuf;
        if (take > len)
            take = len;
        memcpy(c->buf + c->nbuf, p, take);
        c->nbuf += take;
        p += take;
        len -= take;
        if (c->nbuf < VG_SHA256_BLOCK)
            return;
        compress(c->h, c->buf);
        c->nbuf = 0;
    }
    for (; len >= VG_SHA256_BLOCK; p += VG_SHA256_BLOCK, len -= VG_SHA256_BLOCK)
        compress(c->h, p);
    memcpy(c->buf, p, len);
    c->nbuf = len;
}

void vg_sha256_final(vg_sha256_ctx *c, unsigned char out[VG_SHA256_LEN]) {
    uint64_t bits = c->bytes * 8;
    c->buf[c->nbuf++] = 0x80;
    if (c->nbuf > VG_SHA256_BLOCK - 8) {
        memset(c->buf + c->nbuf, 0, VG_SHA256_BLOCK - c->nbuf);
        compress(c->h, c->buf);
        c->nbuf = 0;
    }
    memset(c->buf + c->nbuf, 0, VG_SHA256_BLOCK - 8 - c->nbuf);
    for (int i = 0; i < 8; i++)
        c->buf[VG_SHA256_BLOCK - 1 - i] = (unsigned char)(bits >> (8 * i));
    compress(c->h, c->buf);
    for (int i = 0; i < 8; i++) {
        out[4 * i] = (unsigned char)(c->h[i] >> 24);
        out[4 * i + 1] = (unsigned char)(c->h[i] >> 16);
        out[4 * i + 2] = (unsigned char)(c->h[i] >> 8);
        out[4 * i + 3] = (unsigned char)c->h[i];
    }
}

void vg_sha256(const void *data, size_t len, unsigned char out[VG_SHA256_LEN]) {
    vg_sha256_ctx c;
    vg_sha256_init(&c);
    vg_sha256_update(&c, data, len);
    vg_sha256_final(&c, out);
}

void vg_hmac_sha256_key(vg_hmac_key *k, const void *key, size_t key_len) {
    unsigned char kb[VG_SHA256_BLOCK] = {0}, pad[VG_SHA256_BLOCK];
    if (key_len > VG_SHA256_BLOCK)
        vg_sha256(key, key_len, kb); /* RFC 2104: a long key is hashed first */
    else if (key_len)
        memcpy(kb, key, key_len);
    for (int i = 0; i < VG_SHA256_BLOCK; i++)
        pad[i] = kb[i] ^ 0x36;
    vg_sha256_init(&k->inner);
    vg_sha256_update(&k->inner, pad, sizeof pad);
    for (int i = 0; i < VG_SHA256_BLOCK; i++)
        pad[i] = kb[i] ^ 0x5c;
    vg_sha256_init(&k->outer);
    vg_sha256_update(&k->outer, pad, sizeof pad);
    memset(kb, 0, sizeof kb);
    memset(pad, 0, sizeof pad);
}

void vg_hmac_sha256_with(const vg_hmac_key *k, const void *data, size_t len,
                         unsigned char out[VG_SHA256_LEN]) {
    unsigned char ih[VG_SHA256_LEN];
    vg_sha256_ctx c = k->inner;
    vg_sha256_update(&c, data, len);
    vg_sha256_final(&c, ih);
    c = k->outer;
    vg_sha256_update(&c, ih, sizeof ih);
    vg_sha256_final(&c, out);
}

void vg_hmac_sha256(const void *key, size_t key_len, const void *data, size_t len,
                    unsigned char out[VG_SHA256_LEN]) {
    vg_hmac_key k;
    vg_hmac_sha256_key(&k, key, key_len);
    vg_hmac_sha256_with(&k, data, len, out);
}
