/*
 * HyperLogLog distinct-count sketch (Flajolet, Fusy, Gandouet & Meunier, 2007) with Ertl's
 * improved estimator ("New cardinality estimation algorithms for HyperLogLog sketches",
 * 2017), which is unbiased from 0 to beyond 2^50 distinct values without the empirical bias
 * tables or linear-counting switch of earlier variants.
 *
 * A sketch of precision p has m = 2^p one-byte registers and a relative standard error of
 * about 1.04/sqrt(m): the default p = 12 uses 4 KiB and gives 1.63%. Sketches of the same p
 * merge exactly (register-wise max): merging is associative, commutative and idempotent.
 * Values are added as 64-bit hashes (the profiler hashes each value once and shares the hash
 * with the frequent-items sketch).
 */
#ifndef VIGIA_HLL_H
#define VIGIA_HLL_H

#include <stddef.h>
#include <stdint.h>

#include "vigia/error.h"

#ifdef __cplusplus
extern "C" {
#endif

#define VG_HLL_DEFAULT_P 12
#define VG_HLL_MIN_P 4
#define VG_HLL_MAX_P 18

typedef struct vg_hll vg_hll;

vg_hll *vg_hll_new(unsigned p); /* NULL if out of memory or p out of range */
void vg_hll_free(vg_hll *s);
vg_hll *vg_hll_clone(const vg_hll *s);

/* Adds a value by its 64-bit hash (use a well-mixed hash; see src/base/hash.h). */
void vg_hll_update_hash(vg_hll *s, uint64_t hash);
/* Adds n values by their hashes; same result as n calls to vg_hll_update_hash. */
void vg_hll_update_hashes(vg_hll *s, const uint64_t *hashes, size_t n);
/* Convenience: hashes the bytes first. */
void vg_hll_update_bytes(vg_hll *s, const void *data, size_t len);
int vg_hll_merge(vg_hll *dst, const vg_hll *src, vg_error *err);

unsigned vg_hll_p(const vg_hll *s);
double vg_hll_estimate(const vg_hll *s);
/* Relative standard error for precision p: 1.04 / sqrt(2^p). */
double vg_hll_rse(unsigned p);

int vg_hll_serialize(const vg_hll *s, unsigned char **out, size_t *len, vg_error *err);
vg_hll *vg_hll_deserialize(const void *data, size_t len, vg_error *err);

#ifdef __cplusplus
}
#endif
#endif
