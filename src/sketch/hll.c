/*
 * HyperLogLog with Ertl's improved estimator.
 *
 * The top p bits of a hash pick a register; the register keeps the maximum, over the values
 * routed to it, of 1 + the number of leading zeros in the remaining q = 64 - p bits (capped at
 * q + 1). The estimate (Ertl 2017, section 4, "improved raw estimator") works on the
 * histogram C[0..q+1] of register values:
 *   z = m * tau(1 - C[q+1]/m);  for k = q..1: z = (z + C[k]) / 2;  z += m * sigma(C[0]/m)
 *   estimate = alpha_inf * m^2 / z,   alpha_inf = 1 / (2 ln 2)
 * where sigma and tau are the series below. sigma handles registers never hit (small
 * cardinalities, where classic HLL needed linear counting) and tau registers that saturated
 * (huge cardinalities), so no range switch or bias table is needed.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../base/hash.h"
#include "codec.h"
#include "vigia/hll.h"

struct vg_hll {
    unsigned p;
    uint8_t *reg; /* 2^p registers */
};

vg_hll *vg_hll_new(unsigned p) {
    if (p < VG_HLL_MIN_P || p > VG_HLL_MAX_P)
        return NULL;
    vg_hll *s = malloc(sizeof *s);
    if (!s)
        return NULL;
    s->p = p;
    s->reg = calloc((size_t)1 << p, 1);
    if (!s->reg) {
        free(s);
        return NULL;
    }
    return s;
}

void vg_hll_free(vg_hll *s) {
    if (s) {
        free(s->reg);
        free(s);
    }
}

vg_hll *vg_hll_clone(const vg_hll *s) {
    vg_hll *c = vg_hll_new(s->p);
    if (c)
        memcpy(c->reg, s->reg, (size_t)1 << s->p);
    return c;
}

void vg_hll_update_hash(vg_hll *s, uint64_t hash) {
    vg_hll_update_hashes(s, &hash, 1);
}

void vg_hll_update_hashes(vg_hll *s, const uint64_t *hashes, size_t n) {
    unsigned p = s->p, q = 64 - p;
    uint8_t *reg = s->reg;
    for (size_t i = 0; i < n; i++) {
        uint64_t h = hashes[i], rest = h << p; /* the q low bits, left-aligned */
        /* rho: leading zeros of the q low bits, plus one; q + 1 when they are all zero */
        unsigned rho = rest ? (unsigned)__builtin_clzll(rest) + 1 : q + 1;
        rho = rho > q + 1 ? q + 1 : rho;
        uint8_t *r = &reg[h >> q];
        *r = *r < rho ? (uint8_t)rho : *r;
    }
}

void vg_hll_update_bytes(vg_hll *s, const void *data, size_t len) {
    vg_hll_update_hash(s, vg_hash_bytes(data, len));
}

int vg_hll_merge(vg_hll *dst, const vg_hll *src, vg_error *err) {
    if (dst->p != src->p)
        return vg_error_set(
            err, VG_ERR_MISMATCH,
            "cannot merge HyperLogLog sketches with different precision (%u and %u)", dst->p,
            src->p);
    size_t m = (size_t)1 << dst->p;
    for (size_t i = 0; i < m; i++)
        if (dst->reg[i] < src->reg[i])
            dst->reg[i] = src->reg[i];
    return VG_OK;
}

unsigned vg_hll_p(const vg_hll *s) {
    return s->p;
}

double vg_hll_rse(unsigned p) {
    return 1.04 / sqrt((double)((size_t)1 << p));
}

/* sigma(x) = x + sum_{k>=1} x^(2^k) 2^(k-1) */
static double sigma(double x) {
    if (x == 1)
        return INFINITY;
    double y = 1, z = x, prev;
    do {
        x *= x;
        prev = z;
        z += x * y;
        y += y;
    } while (z != prev);
    return z;
}

/* tau(x) = (1 - x - sum_{k>=1} (1 - x^(2^-k))^2 2^-k) / 3 */
static double tau(double x) {
    if (x == 0 || x == 1)
        return 0;
    double y = 1, z = 1 - x, prev;
    do {
        x = sqrt(x);
        prev = z;
        y *= 0.5;
        z -= (1 - x) * (1 - x) * y;
    } while (z != prev);
    return z / 3;
}

double vg_hll_estimate(const vg_hll *s) {
    unsigned q = 64 - s->p;
    size_t m = (size_t)1 << s->p;
    uint64_t c[66] = {0};
    for (size_t i = 0; i < m; i++)
        c[s->reg[i]]++;
    double dm = (double)m;
    double z = dm * tau(1 - (double)c[q + 1] / dm);
    for (unsigned k = q; k >= 1; k--)
        z = 0.5 * (z + (double)c[k]);
    z += dm * sigma((double)c[0] / dm);
    return (0.5 / log(2.0)) * dm * dm / z;
}

/* Encoding: p, then a mode byte. Mode 0: the 2^p registers. Mode 1 (sparse, when it is
 * smaller): a u32 count of non-zero registers, then (u32 index, u8 value) pairs in increasing
 * index order. A profile of a wide table with few distinct values per column stays small. */
void vg_hll_encode(const vg_hll *s, vg_wbuf *w) {
    size_t m = (size_t)1 << s->p, nonzero = 0;
    for (size_t i = 0; i < m; i++)
        nonzero += s->reg[i] != 0;
    vg_wbuf_u8(w, (uint8_t)s->p);
    if (4 + nonzero * 5 < m) {
        vg_wbuf_u8(w, 1);
        vg_wbuf_u32(w, (uint32_t)nonzero);
        for (size_t i = 0; i < m; i++)
            if (s->reg[i]) {
                vg_wbuf_u32(w, (uint32_t)i);
                vg_wbuf_u8(w, s->reg[i]);
            }
    } else {
        vg_wbuf_u8(w, 0);
        vg_wbuf_put(w, s->reg, m);
    }
}

vg_hll *vg_hll_decode(vg_rbuf *r, vg_error *err) {
    unsigned p = vg_rbuf_u8(r);
    unsigned mode = vg_rbuf_u8(r);
    if (!vg_rbuf_ok(r) || p < VG_HLL_MIN_P || p > VG_HLL_MAX_P || mode > 1) {
        vg_error_set(err, VG_ERR_FORMAT, "invalid HyperLogLog header");
        return NULL;
    }
    size_t m = (size_t)1 << p;
    unsigned maxv = 64 - p + 1;
    vg_hll *s = vg_hll_new(p);
    if (!s) {
        vg_error_set(err, VG_ERR_NOMEM, "out of memory reading a HyperLogLog sketch");
        return NULL;
    }
    if (mode == 0) {
        const unsigned char *b = vg_rbuf_bytes(r, m);
        if (!b)
            goto bad;
        for (size_t i = 0; i < m; i++)
            if (b[i] > maxv)
                goto bad;
        memcpy(s->reg, b, m);
    } else {
        uint32_t n = vg_rbuf_u32(r);
        if (!vg_rbuf_ok(r) || n > m || (size_t)n * 5 > vg_rbuf_left(r))
            goto bad;
        int64_t prev = -1;
        for (uint32_t k = 0; k < n; k++) {
            uint32_t i = vg_rbuf_u32(r);
            uint8_t v = vg_rbuf_u8(r);
            if (!vg_rbuf_ok(r) || i >= m || (int64_t)i <= prev || v == 0 || v > maxv)
                goto bad;
            s->reg[i] = v;
            prev = i;
        }
    }
    return s;
bad:
    vg_hll_free(s);
    vg_error_set(err, VG_ERR_FORMAT, "corrupted HyperLogLog sketch");
    return NULL;
}

int vg_hll_serialize(const vg_hll *s, unsigned char **out, size_t *len, vg_error *err) {
    vg_wbuf w;
    vg_wbuf_init(&w);
    vg_hll_encode(s, &w);
    return vg_sketch_blob(&w, out, len, err);
}

vg_hll *vg_hll_deserialize(const void *data, size_t len, vg_error *err) {
    vg_rbuf r;
    vg_rbuf_init(&r, data, len);
    vg_hll *s = vg_hll_decode(&r, err);
    if (s && vg_rbuf_left(&r) != 0) {
        vg_hll_free(s);
        vg_error_set(err, VG_ERR_FORMAT, "trailing bytes after HyperLogLog sketch");
        return NULL;
    }
    return s;
}
