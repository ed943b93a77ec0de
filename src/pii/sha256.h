/*
 * SHA-256 (FIPS 180-4) and HMAC-SHA256 (RFC 2104), inside libvigia: the keyed hash of PII
 * redaction (docs/pii.md) needs them and libvigia links no crypto library. Streaming contexts
 * plus one-shot helpers; no allocation. Internal to libvigia (tests include it directly).
 */
#ifndef VG_PII_SHA256_H
#define VG_PII_SHA256_H

#include <stddef.h>
#include <stdint.h>

#define VG_SHA256_LEN 32
#define VG_SHA256_BLOCK 64

typedef struct vg_sha256_ctx {
    uint32_t h[8];
    uint64_t bytes; /* message length so far */
    unsigned char buf[VG_SHA256_BLOCK];
    size_t nbuf;
} vg_sha256_ctx;

void vg_sha256_init(vg_sha256_ctx *c);
void vg_sha256_update(vg_sha256_ctx *c, const void *data, size_t len);
void vg_sha256_final(vg_sha256_ctx *c, unsigned char out[VG_SHA256_LEN]);
void vg_sha256(const void *data, size_t len, unsigned char out[VG_SHA256_LEN]);

/* A key prepared once (the inner and outer padded-key states), so that each HMAC costs two
 * compressions fewer: redaction hashes many short values with one key. */
typedef struct vg_hmac_key {
    vg_sha256_ctx inner, outer;
} vg_hmac_key;

void vg_hmac_sha256_key(vg_hmac_key *k, const void *key, size_t key_len);
void vg_hmac_sha256_with(const vg_hmac_key *k, const void *data, size_t len,
                         unsigned char out[VG_SHA256_LEN]);
void vg_hmac_sha256(const void *key, size_t key_len, const void *data, size_t len,
                    unsigned char out[VG_SHA256_LEN]);

#endif
