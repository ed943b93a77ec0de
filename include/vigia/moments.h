/*
 * Exact streaming moments: count, mean, variance, min, max and sum of a numeric stream.
 *
 * Mean and variance use Welford's update (Welford 1962) for one value and Chan, Golub and
 * LeVeque's pairwise formula (1979) to merge two summaries; the reported mean is the
 * compensated sum divided by n, falling back to Welford's running mean if the sum overflows, so
 * partial results computed on shards combine into the same figures as one pass over all the data,
 * to within floating-point rounding (relative error ~1e-15, not a sketch approximation). The sum is
 * kept with Neumaier's compensated summation, so it stays accurate when large and small values mix.
 *
 * vg_moments is a plain value type: no allocation, copy it freely. NaN is never passed in by
 * the profiler (it counts as missing); +/-inf are accepted and propagate as IEEE arithmetic
 * says (mean inf, variance NaN), as numpy and pandas do.
 */
#ifndef VIGIA_MOMENTS_H
#define VIGIA_MOMENTS_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct vg_moments {
    uint64_t n;
    double mean;
    double m2; /* sum of squared deviations from the mean */
    double min, max;
    double sum, sum_c; /* Neumaier sum and its running compensation */
} vg_moments;

void vg_moments_init(vg_moments *m);
void vg_moments_update(vg_moments *m, double x);
/* Adds n values at once: two passes over the block (sum, then squared deviations from the
 * block mean, with the corrected two-pass formula) and a Chan merge. Faster than n calls
 * (independent operations pipeline), and at least as accurate. */
void vg_moments_update_batch(vg_moments *m, const double *x, size_t n);
/* dst := dst combined with src. */
void vg_moments_merge(vg_moments *dst, const vg_moments *src);

/* Variance with `ddof` delta degrees of freedom (1: sample variance, as pandas' default; 0:
 * population). NaN when n <= ddof. */
double vg_moments_variance(const vg_moments *m, unsigned ddof);
double vg_moments_std(const vg_moments *m, unsigned ddof);
double vg_moments_sum(const vg_moments *m);
/* mean, min and max are NaN when n == 0. */
double vg_moments_mean(const vg_moments *m);
double vg_moments_min(const vg_moments *m);
double vg_moments_max(const vg_moments *m);

#ifdef __cplusplus
}
#endif
#endif
