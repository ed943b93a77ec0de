/*
 * 64-bit hashing for sketches.
 *
 * HyperLogLog needs hash bits that look uniformly random, and the frequent-items table uses
 * the same 64-bit hash as an item's identity, so one hash is computed per value and shared.
 * Strings are consumed 8 bytes at a time (multiply-rotate mixing) and every result goes
 * through the MurmurHash3 64-bit finalizer (Appleby), whose avalanche makes the leading-zero
 * counts HLL relies on unbiased. Numbers are hashed from their value, not their text, so
 * "1", "1.0" and "1e0" are one distinct value; -0.0 is folded into 0.0. A domain tag keeps a
 * number and the string with the same bytes apart.
 */
#ifndef VG_BASE_HASH_H
#define VG_BASE_HASH_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

static inline uint64_t vg_hash_fmix64(uint64_t k) {
    k ^= k >> 33;
    k *= 0xff51afd7ed558ccdULL;
    k ^= k >> 33;
    k *= 0xc4ceb9fe1a85ec53ULL;
    k ^= k >> 33;
    return k;
}

static inline uint64_t vg_hash_double(double x) {
    uint64_t bits;
    if (x == 0)
        x = 0; /* folds -0.0 */
    memcpy(&bits, &x, 8);
    return vg_hash_fmix64(bits ^ 0x9e3779b97f4a7c15ULL);
}

uint64_t vg_hash_bytes(const void *data, size_t len);

#endif
