/*
 * Welford/Chan moments with a compensated sum (see vigia/moments.h).
 *
 * The merge is the parallel variance formula of Chan, Golub & LeVeque, "Updating formulae and
 * a pairwise algorithm for computing sample variances" (1979):
 *   delta = mean_b - mean_a,  n = n_a + n_b
 *   mean  = mean_a + delta * n_b / n
 *   M2    = M2_a + M2_b + delta^2 * n_a * n_b / n
 */
#include "vigia/moments.h"
#include "codec.h"

#include <math.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

void vg_moments_init(vg_moments *m) {
    m->n = 0;
    m->mean = 0;
    m->m2 = 0;
    m->min = INFINITY;
    m->max = -INFINITY;
    m->sum = 0;
    m->sum_c = 0;
}

/* Neumaier's variant of Kahan summation: also correct when the addend is the larger term.
 * Once the sum is infinite (an infinity in the data, or overflow) the compensation would be
 * inf - inf; it is left alone and the sum carries the IEEE result. */
static inline void add_compensated(double *sum, double *c, double x) {
    double t = *sum + x;
    if (!isfinite(t)) {
        *sum = t;
        return;
    }
    if (fabs(*sum) >= fabs(x))
        *c += (*sum - t) + x;
    else
        *c += (x - t) + *sum;
    *sum = t;
}

/* The same compensation by Knuth's TwoSum, which finds the exact rounding error of sum + x
 * without comparing magnitudes: no branch to mispredict when the data is centred near zero.
 * Only valid while the sum stays finite (see vg_moments_update_batch). */
static inline void add_two_sum(double *sum, double *c, double x) {
    double t = *sum + x, bp = t - *sum;
    *c += (*sum - (t - bp)) + (x - bp);
    *sum = t;
}

void vg_moments_update(vg_moments *m, double x) {
    vg_moments_update_batch(m, &x, 1);
}

/* A block: min, max and the compensated sum in one pass (two interleaved sums, so that the
 * two dependency chains overlap), then the squared deviations from the compensated mean. */
void vg_moments_update_batch(vg_moments *m, const double *x, size_t n) {
    if (n == 0)
        return;
    vg_moments b;
    vg_moments_init(&b);
    double mn = x[0], mx = x[0], s1 = 0, c1 = 0;
    size_t i = 0;
#if defined(__SSE2__)
    /* The same two interleaved sums (even and odd positions) as the loop below, in the two
     * lanes of SSE2 registers; min and max per lane, then across (only the sign of a zero
     * minimum or maximum can differ from the scalar order). */
    if (n >= 2) {
        __m128d vmn = _mm_set1_pd(x[0]), vmx = vmn, vs = _mm_setzero_pd(), vc = vs;
        for (; i + 1 < n; i += 2) {
            __m128d v = _mm_loadu_pd(x + i);
            vmn = _mm_min_pd(v, vmn); /* v < mn ? v : mn, as below */
            vmx = _mm_max_pd(v, vmx);
            __m128d t = _mm_add_pd(vs, v), bp = _mm_sub_pd(t, vs);
            vc = _mm_add_pd(vc, _mm_add_pd(_mm_sub_pd(vs, _mm_sub_pd(t, bp)), _mm_sub_pd(v, bp)));
            vs = t;
        }
        double lo[2], hi[2], su[2], co[2];
        _mm_storeu_pd(lo, vmn);
        _mm_storeu_pd(hi, vmx);
        _mm_storeu_pd(su, vs);
        _mm_storeu_pd(co, vc);
        mn = lo[1] < lo[0] ? lo[1] : lo[0];
        mx = hi[1] > hi[0] ? hi[1] : hi[0];
        b.sum = su[0];
        b.sum_c = co[0];
        s1 = su[1];
        c1 = co[1];
    }
#endif
    for (; i + 1 < n; i += 2) {
        double u = x[i], v = x[i + 1];
        mn = u < mn ? u : mn;
        mx = u > mx ? u : mx;
        mn = v < mn ? v : mn;
        mx = v > mx ? v : mx;
        add_two_sum(&b.sum, &b.sum_c, u);
        add_two_sum(&s1, &c1, v);
    }
    if (i < n) {
        mn = x[i] < mn ? x[i] : mn;
        mx = x[i] > mx ? x[i] : mx;
        add_two_sum(&b.sum, &b.sum_c, x[i]);
    }
    /* TwoSum's correction can overflow to NaN on its own (a rounding tie at the edge of the
     * range) while the sums stay finite: that too takes the careful form */
    if (isfinite(b.sum) && isfinite(s1) && isfinite(b.sum_c) && isfinite(c1)) {
        add_compensated(&b.sum, &b.sum_c, s1);
        b.sum_c += c1;
    } else {
        /* A sum that is not finite stays so: redo the block with the careful form, which
         * keeps the compensation finite (rare: infinities or values near the overflow
         * threshold). */
        b.sum = b.sum_c = 0;
        for (i = 0; i < n; i++)
            add_compensated(&b.sum, &b.sum_c, x[i]);
    }
    int inf = isinf(mn) || isinf(mx);
    b.n = n;
    b.min = mn;
    b.max = mx;
    double s = b.sum + b.sum_c;
    if (inf) {
        /* infinities: mean is +-inf (or NaN for both signs), variance NaN, as numpy says */
        b.mean = s;
        b.m2 = NAN;
    } else {
        /* When the sum overflowed (huge values), the deviations are taken in a scale where
         * neither the sum nor the squares can overflow: 2^-600 keeps |x| < 2^424. */
        double scale = 1.0, mean;
        if (isfinite(s)) {
            mean = s / (double)n;
        } else {
            double ss = 0;
            scale = 0x1p-600;
            for (i = 0; i < n; i++)
                ss += x[i] * scale;
            mean = ss / (double)n;
        }
        double d1 = 0, d2 = 0, e1 = 0, e2 = 0;
        i = 0;
#if defined(__SSE2__)
        /* d1/e1 and d2/e2 are the two lanes: the same sums as the loop below */
        __m128d vsc = _mm_set1_pd(scale), vmean = _mm_set1_pd(mean), v1 = _mm_setzero_pd(), v2 = v1;
        for (; i + 1 < n; i += 2) {
            __m128d d = _mm_sub_pd(_mm_mul_pd(_mm_loadu_pd(x + i), vsc), vmean);
            v1 = _mm_add_pd(v1, d);
            v2 = _mm_add_pd(v2, _mm_mul_pd(d, d));
        }
        double l1[2], l2[2];
        _mm_storeu_pd(l1, v1);
        _mm_storeu_pd(l2, v2);
        d1 = l1[0];
        e1 = l1[1];
        d2 = l2[0];
        e2 = l2[1];
#endif
        for (; i + 1 < n; i += 2) {
            double d = x[i] * scale - mean, e = x[i + 1] * scale - mean;
            d1 += d;
            d2 += d * d;
            e1 += e;
            e2 += e * e;
        }
        if (i < n) {
            double d = x[i] * scale - mean;
            d1 += d;
            d2 += d * d;
        }
        d1 += e1;
        d2 += e2;
        /* corrected two-pass (Chan, Golub & LeVeque 1983): d1 is the rounding error of mean */
        b.mean = (mean + d1 / (double)n) / scale;
        b.m2 = (d2 - d1 * d1 / (double)n) / scale / scale; /* +inf if it overflows: true M2 */
        if (b.m2 < 0)
            b.m2 = 0;
    }
    vg_moments_merge(m, &b);
}

void vg_moments_merge(vg_moments *dst, const vg_moments *src) {
    if (src->n == 0)
        return;
    if (dst->n == 0) {
        *dst = *src;
        return;
    }
    double na = (double)dst->n, nb = (double)src->n, n = na + nb;
    double delta = src->mean - dst->mean;
    /* Chan's form, unless the difference of the means overflows (values near DBL_MAX of
     * opposite signs): then the weighted average, whose terms cannot overflow. */
    if (isfinite(delta))
        dst->mean += delta * (nb / n);
    else
        dst->mean = dst->mean * (na / n) + src->mean * (nb / n);
    dst->m2 = dst->m2 + src->m2 + delta * delta * (na * nb / n);
    dst->n += src->n;
    if (src->min < dst->min)
        dst->min = src->min;
    if (src->max > dst->max)
        dst->max = src->max;
    add_compensated(&dst->sum, &dst->sum_c, src->sum);
    dst->sum_c += src->sum_c;
}

double vg_moments_variance(const vg_moments *m, unsigned ddof) {
    if (m->n <= ddof)
        return NAN;
    double v = m->m2 / (double)(m->n - ddof);
    return v < 0 ? 0 : v;
}

double vg_moments_std(const vg_moments *m, unsigned ddof) {
    return sqrt(vg_moments_variance(m, ddof));
}

double vg_moments_sum(const vg_moments *m) {
    return m->sum + m->sum_c;
}

double vg_moments_mean(const vg_moments *m) {
    if (!m->n)
        return NAN;
    /* The compensated sum is nearly exact, so sum/n is the better-rounded mean and, unlike
     * the running Welford mean, does not depend on the order of the data or of merges. The
     * Welford mean (used for M2) is kept for when the sum overflows. */
    double s = vg_moments_sum(m);
    return isfinite(s) ? s / (double)m->n : m->mean;
}

double vg_moments_min(const vg_moments *m) {
    return m->n ? m->min : NAN;
}

double vg_moments_max(const vg_moments *m) {
    return m->n ? m->max : NAN;
}

void vg_moments_encode(const vg_moments *m, vg_wbuf *w) {
    vg_wbuf_u64(w, m->n);
    vg_wbuf_f64(w, m->mean);
    vg_wbuf_f64(w, m->m2);
    vg_wbuf_f64(w, m->min);
    vg_wbuf_f64(w, m->max);
    vg_wbuf_f64(w, m->sum);
    vg_wbuf_f64(w, m->sum_c);
}

int vg_moments_decode(vg_moments *m, vg_rbuf *r, vg_error *err) {
    vg_moments t;
    t.n = vg_rbuf_u64(r);
    t.mean = vg_rbuf_f64(r);
    t.m2 = vg_rbuf_f64(r);
    t.min = vg_rbuf_f64(r);
    t.max = vg_rbuf_f64(r);
    t.sum = vg_rbuf_f64(r);
    t.sum_c = vg_rbuf_f64(r);
    if (!vg_rbuf_ok(r))
        return vg_error_set(err, VG_ERR_FORMAT, "truncated moments");
    /* m2 may be NaN only when infinities were seen (then min or max is infinite) */
    if (t.n > 0 &&
        (!(t.min <= t.max) || t.m2 < 0 || (t.m2 != t.m2 && isfinite(t.min) && isfinite(t.max))))
        return vg_error_set(err, VG_ERR_FORMAT, "corrupted moments");
    *m = t;
    return VG_OK;
}
