/*
 * String hash for sketches: 8-byte words mixed by multiply and rotate, finished by fmix64.
 */
#include "hash.h"

static inline uint64_t rotl(uint64_t x, int r) {
    return (x << r) | (x >> (64 - r));
}

/* Little-endian loads on every host: hashes end up inside stored sketches (HLL registers,
 * frequent-item keys), and profiles from any two hosts must merge. On little-endian machines
 * these are plain unaligned loads. */
static inline uint64_t load64_le(const unsigned char *p) {
    uint64_t v;
    memcpy(&v, p, 8);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    v = __builtin_bswap64(v);
#endif
    return v;
}

static inline uint64_t load32_le(const unsigned char *p) {
    uint32_t v;
    memcpy(&v, p, 4);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    v = __builtin_bswap32(v);
#endif
    return v;
}

/* The last len < 8 bytes as a little-endian integer, from at most three loads instead of a
 * loop whose trip count the branch predictor cannot know: overlapping loads OR the same byte
 * into the same place twice. */
static inline uint64_t tail_le(const unsigned char *p, size_t len) {
    if (len >= 4)
        return load32_le(p) | load32_le(p + len - 4) << (8 * (len - 4));
    if (len == 0)
        return 0;
    return (uint64_t)p[0] | (uint64_t)p[len / 2] << (8 * (len / 2)) |
           (uint64_t)p[len - 1] << (8 * (len - 1));
}

uint64_t vg_hash_bytes(const void *data, size_t len) {
    const unsigned char *p = data;
    const uint64_t m1 = 0x87c37b91114253d5ULL, m2 = 0x4cf5ad432745937fULL;
    uint64_t h = 0x243f6a8885a308d3ULL ^ (len * m1);
    while (len >= 8) {
        uint64_t k = load64_le(p);
        k *= m1;
        k = rotl(k, 31);
        k *= m2;
        h ^= k;
        h = rotl(h, 27) * 5 + 0x52dce729;
        p += 8;
        len -= 8;
    }
    uint64_t tail = tail_le(p, len);
    tail *= m2;
    tail = rotl(tail, 33);
    tail *= m1;
    h ^= tail;
    return vg_hash_fmix64(h);
}
