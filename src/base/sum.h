/*
 * Summation, in the two ways libvigia needs.
 *
 * Neumaier's compensated sum (Neumaier, ZAMM 54, 1974: Kahan's algorithm, also exact when the
 * addend is larger than the running sum) keeps long sums of probabilities, errors and moments
 * accurate to about one rounding whatever their length; sums merge by adding the other's sum
 * and compensation. numpy's pairwise summation (numpy/core/src/umath/loops_utils.h) is there
 * to round exactly as np.sum does, where a result must match scipy or scikit-learn to the last
 * bits: below 8 terms a plain loop, up to 128 eight interleaved partial sums, beyond that the
 * two halves split at a multiple of 8; np.sum hands it chunks of its buffer size (8192) and adds
 * the chunk sums in order, which is also what lets vg_sum_stream reproduce it one term at a
 * time without storing the sequence.
 */
#ifndef VG_BASE_SUM_H
#define VG_BASE_SUM_H

#include <math.h>
#include <stddef.h>

typedef struct vg_ksum {
    double s, c;
} vg_ksum;

static inline void vg_ksum_add(vg_ksum *k, double x) {
    double t = k->s + x;
    if (fabs(k->s) >= fabs(x))
        k->c += (k->s - t) + x;
    else
        k->c += (x - t) + k->s;
    k->s = t;
}

static inline void vg_ksum_merge(vg_ksum *a, const vg_ksum *b) {
    vg_ksum_add(a, b->s);
    vg_ksum_add(a, b->c);
}

static inline double vg_ksum_value(const vg_ksum *k) {
    return k->s + k->c;
}

#define VG_SUM_CHUNK 8192

/* np.sum(x) of n doubles, bit for bit. */
double vg_sum_pairwise(const double *x, size_t n);

/* np.sum of a sequence given one term at a time (64 KiB of state: keep it off small stacks). */
typedef struct vg_sum_stream {
    double buf[VG_SUM_CHUNK];
    size_t n;
    double s;
} vg_sum_stream;

void vg_sum_stream_init(vg_sum_stream *p);
void vg_sum_stream_flush(vg_sum_stream *p); /* (internal: adds a full buffer) */
static inline void vg_sum_stream_push(vg_sum_stream *p, double x) {
    p->buf[p->n++] = x;
    if (p->n == VG_SUM_CHUNK)
        vg_sum_stream_flush(p);
}
/* The sum of everything pushed since init; the stream can take more terms after. */
double vg_sum_stream_value(vg_sum_stream *p);

#endif
