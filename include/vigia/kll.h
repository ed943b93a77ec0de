/*
 * KLL quantile sketch (Karnin, Lang & Liberty, "Optimal Quantile Approximation in Streams",
 * FOCS 2016), in the lazy-compaction form used by Apache DataSketches.
 *
 * A stream of n doubles is summarised in O(k log(n/k)) memory, independent of how the values
 * are distributed. Any quantile or rank query is answered within a normalized rank error eps:
 * the value returned for probability q has a true rank (fraction of the stream at or below it)
 * within q +/- eps. vg_kll_rank_error(k) gives eps for a given k; the default k = 300 gives
 * eps <= 1% (see docs/sketches.md for how the bound was measured). Min and max are exact.
 * Sketches with the same k merge into a sketch whose error bound is the same as if it had
 * seen both streams; merging is associative and commutative up to the randomness of
 * compaction, which comes from a seeded generator so that runs are reproducible.
 *
 * NaN is ignored by vg_kll_update (the profiler counts it as missing before it gets here).
 */
#ifndef VIGIA_KLL_H
#define VIGIA_KLL_H

#include <stddef.h>
#include <stdint.h>

#include "vigia/error.h"

#ifdef __cplusplus
extern "C" {
#endif

#define VG_KLL_DEFAULT_K 300
#define VG_KLL_MIN_K 8
#define VG_KLL_MAX_K 65535

typedef struct vg_kll vg_kll;

/* Returns NULL if out of memory or k is outside [VG_KLL_MIN_K, VG_KLL_MAX_K]. Free with
 * vg_kll_free. */
vg_kll *vg_kll_new(uint32_t k, uint64_t seed);
void vg_kll_free(vg_kll *s);
vg_kll *vg_kll_clone(const vg_kll *s);

/* For a sketch that summarizes one of `parts` parts of a stream, all to be merged before any
 * query (as `vigia profile -j` splits a file): its sampler (see docs/sketches.md) then
 * follows min(parts, 2) x its own n, so with two even parts the merged sketch samples as one
 * sketch fed the whole stream would, and the parts together sort no more values than it.
 * Counting at most twice keeps the bound when the parts are uneven (all of a column's values
 * in one part: blocks up to twice too large). A part queried alone can exceed the bound.
 * parts <= 1 restores the default (call it on the merged sketch). Fails only with
 * VG_ERR_NOMEM. */
int vg_kll_set_parts(vg_kll *s, uint32_t parts);

/* Adds one value. Fails only with VG_ERR_NOMEM, when a compaction could not allocate: the
 * value is then counted and the sketch stays valid, only over its capacity until the next
 * update or merge compacts it. */
int vg_kll_update(vg_kll *s, double x);
/* Adds n values; same result as n calls to vg_kll_update. */
int vg_kll_update_batch(vg_kll *s, const double *x, size_t n);
/* dst := dst + src. Fails with VG_ERR_MISMATCH when k differs, or VG_ERR_NOMEM. */
int vg_kll_merge(vg_kll *dst, const vg_kll *src, vg_error *err);

uint32_t vg_kll_k(const vg_kll *s);
uint64_t vg_kll_n(const vg_kll *s);
/* Number of values the sketch holds (its memory is about 8 bytes per retained value). */
size_t vg_kll_retained(const vg_kll *s);
/* The retained values (up to `max`; vg_kll_retained(s) is all of them) with their weights
 * (2^level: each stands for that many input values, and the weights sum to vg_kll_n), in
 * level order, unsorted within the whole. The sketch's estimated cdf at x is the weight at or
 * below x over the count. Returns how many were written. */
size_t vg_kll_items(const vg_kll *s, double *values, uint64_t *weights, size_t max);
double vg_kll_min(const vg_kll *s); /* NaN when empty */
double vg_kll_max(const vg_kll *s); /* NaN when empty */

/* Value at probability q in [0, 1]: the smallest retained value whose cumulative weight
 * reaches q*n (q = 0 gives the exact min, q = 1 the exact max). NaN when empty. */
double vg_kll_quantile(const vg_kll *s, double q);
/* Fills out[i] = quantile(qs[i]) sorting the sketch once. VG_ERR_NOMEM or VG_OK. */
int vg_kll_quantiles(const vg_kll *s, const double *qs, size_t nq, double *out);
/* Estimated fraction of the stream <= x. NaN when empty. */
double vg_kll_rank(const vg_kll *s, double x);

/* Two-sample Kolmogorov-Smirnov distance between the streams two sketches summarize:
 * D = sup_x |F_a(x) - F_b(x)|, with each CDF estimated by its sketch and evaluated at every
 * retained value of either (where the step functions change). Each estimated CDF is within
 * its rank error of the true one, so |D - D_true| <= vg_kll_rank_error(k_a) +
 * vg_kll_rank_error(k_b). Fails with VG_ERR_INVALID if a sketch is empty, VG_ERR_NOMEM. */
int vg_kll_ks(const vg_kll *a, const vg_kll *b, double *d, vg_error *err);

/* Normalized rank error bound eps for parameter k (holds for every query with probability
 * at least 99%; see docs/sketches.md). */
double vg_kll_rank_error(uint32_t k);

/* Portable serialization. vg_kll_serialize returns a malloc'd buffer the caller frees. */
int vg_kll_serialize(const vg_kll *s, unsigned char **out, size_t *len, vg_error *err);
vg_kll *vg_kll_deserialize(const void *data, size_t len, vg_error *err);

#ifdef __cplusplus
}
#endif
#endif
