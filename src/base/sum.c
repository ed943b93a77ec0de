/*
 * numpy's pairwise summation and its streaming form (see sum.h).
 */
#include "sum.h"

#include <string.h>

static double pairwise_block(const double *x, size_t n) {
    if (n < 8) {
        double s = 0;
        for (size_t i = 0; i < n; i++)
            s += x[i];
        return s;
    }
    if (n <= 128) {
        double r[8];
        memcpy(r, x, sizeof r);
        size_t i;
        for (i = 8; i < n - n % 8; i += 8)
            for (int j = 0; j < 8; j++)
                r[j] += x[i + j];
        double s = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
        for (; i < n; i++)
            s += x[i];
        return s;
    }
    size_t half = n / 2;
    half -= half % 8;
    return pairwise_block(x, half) + pairwise_block(x + half, n - half);
}

double vg_sum_pairwise(const double *x, size_t n) {
    double s = 0;
    for (size_t i = 0; i < n; i += VG_SUM_CHUNK)
        s += pairwise_block(x + i, n - i < VG_SUM_CHUNK ? n - i : VG_SUM_CHUNK);
    return s;
}

void vg_sum_stream_init(vg_sum_stream *p) {
    p->n = 0;
    p->s = 0;
}

void vg_sum_stream_flush(vg_sum_stream *p) {
    if (p->n)
        p->s += pairwise_block(p->buf, p->n);
    p->n = 0;
}

double vg_sum_stream_value(vg_sum_stream *p) {
    vg_sum_stream_flush(p);
    return p->s;
}
