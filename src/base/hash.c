/*
 * String hash for sketches: 8-byte words mixed by multiply and rotate, finished by fmix64.
 */
#include "hash.h"

static inline uint64_t rotl(uint64_t x, int r) {
    return (x << r) | (x >> (64 - r));
}

uint64_t vg_hash_bytes(const void *data, size_t len) {
    const unsigned char *p = data;
    const uint64_t m1 = 0x87c37b91114253d5ULL, m2 = 0x4cf5ad432745937fULL;
    uint64_t h = 0x243f6a8885a308d3ULL ^ (len * m1);
    while (len >= 8) {
        /* Assembled little-endian on every host: hashes end up inside stored sketches (HLL
         * registers, frequent-item keys), and profiles from any two hosts must merge. The
         * compiler turns this into one load on little-endian machines. */
        uint64_t k = 0;
        for (int i = 0; i < 8; i++)
            k |= (uint64_t)p[i] << (8 * i);
        k *= m1;
        k = rotl(k, 31);
        k *= m2;
        h ^= k;
        h = rotl(h, 27) * 5 + 0x52dce729;
        p += 8;
        len -= 8;
    }
    uint64_t tail = 0;
    for (size_t i = 0; i < len; i++)
        tail |= (uint64_t)p[i] << (8 * i);
    tail *= m2;
    tail = rotl(tail, 33);
    tail *= m1;
    h ^= tail;
    return vg_hash_fmix64(h);
}
