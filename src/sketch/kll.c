/*
 * KLL quantile sketch: a stack of "compactors" (Karnin, Lang & Liberty 2016).
 *
 * Level h holds values of weight 2^h. New values go to level 0, unsorted. When the sketch
 * holds as many values as its total capacity, the lowest level that is at or over its own
 * capacity is compacted: sorted, and every other value (starting at a random offset 0 or 1)
 * moves up a level with doubled weight while the rest are discarded. Each compaction keeps
 * the total weight exactly n and shifts any rank by at most 2^h, with a random sign, which is
 * where the error bound comes from. Capacities shrink geometrically going down,
 * cap(h) = max(8, k * (2/3)^(levels-1-h)), so the top level holds k values and memory is
 * about 3k values plus 8 per extra level; this is the lazy variant of Apache DataSketches,
 * which only compacts when the whole sketch is full. Levels above the staging level are kept
 * sorted, so a compaction merges its promoted half into the level above in linear time.
 *
 * Sampler (KLL paper, section 4). Sorting the staging level costs more than everything else
 * together, yet once n is large the weight-1 compactions contribute almost nothing to the
 * error, which is dominated by the top levels (weight ~ n/k). So past a threshold the bottom
 * of the stack is replaced by a sampler: each block of w = 2^base consecutive values keeps one
 * of them, chosen uniformly at random, as a value of weight w at level `base` (the staging
 * level, unsorted, sorted in big batches when compacted); the values of the current block wait
 * at level 0 with weight 1, so the total weight stays exactly n. For a query x, a block that
 * straddles x contributes an unbiased error of variance at most w^2/4, so over n/w blocks the
 * rank error is a sum of independent terms with standard deviation at most sqrt(w n)/2, a
 * Brownian-bridge-like process over queries whose maximum is about 1.63 sqrt(w/n) at 99%
 * (the Kolmogorov distribution's 99th percentile). base grows with n so that this stays at
 * SAMPLER_SHARE of kll_rank_error(k); errors add in quadrature with the compactors', measured
 * in docs/sketches.md. A sorted or adversarially ordered stream only helps the sampler (a
 * block straddles x at most a few times).
 */
#include <math.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif
#include <stdlib.h>
#include <string.h>

#include "codec.h"
#include "vigia/kll.h"

#define MAX_LEVELS 60
#define MIN_WIDTH 8
/* eps(k) = C / k^0.9723, constant and exponent as published for DataSketches' KLL. */
#define VG_KLL_ERROR_CONST 2.296
/* The sampler's own 99% rank error, as a share of kll_rank_error(k) (see above). */
#define SAMPLER_SHARE 0.5
/* Blocks of at most 2^8 values: the level-0 buffer stays 2 KiB whatever n. */
#define SAMPLER_MAX_BASE 8

struct vg_kll {
    uint32_t k;
    uint32_t nlevels;
    uint64_t n;
    double min, max;
    uint64_t rng;
    uint32_t base;         /* sampling level: 0 = no sampler, level 0 is the staging level */
    uint64_t base_unit;    /* base = largest b <= SAMPLER_MAX_BASE with n >= base_unit * 2^b */
    size_t retained;       /* values held over all levels */
    size_t capacity_total; /* sum of level capacities for the current number of levels */
    uint32_t cap[MAX_LEVELS];
    uint32_t len[MAX_LEVELS];
    uint32_t alloc[MAX_LEVELS];
    double *lv[MAX_LEVELS];
    uint64_t *scratch; /* radix-sort keys for the staging level, 2 x its capacity */
    size_t scratch_len;
};

/* The staging level (level `base`: 0 until the sampler starts) is larger than the geometric
 * schedule asks for (4k values, at most 2048): new values are sorted in big batches by radix
 * sort, which costs a few ns per value instead of the ~15 ns of comparison-sorting many small,
 * mispredicted batches. A level that holds more than its scheduled capacity only lowers the
 * error (fewer values are ever discarded), so the bound of vg_kll_rank_error still holds. */
static uint32_t staging_capacity(uint32_t k) {
    return k * 4 > 2048 ? 2048 : k * 4;
}

/* The staging level (level `base`) gets the big sorting batch; with a sampler, level 0 holds
 * the current block (fewer than 2^base values, so it is never the level compress picks). */
static void set_capacities(vg_kll *s) {
    s->capacity_total = 0;
    for (uint32_t h = 0; h < s->nlevels; h++) {
        uint32_t depth = s->nlevels - 1 - h;
        double c = (double)s->k * pow(2.0 / 3.0, (double)depth);
        uint32_t cap = (uint32_t)(c + 0.5);
        s->cap[h] = cap < MIN_WIDTH ? MIN_WIDTH : cap;
        if (h == s->base && s->cap[h] < staging_capacity(s->k))
            s->cap[h] = staging_capacity(s->k);
        if (h == 0 && s->base > 0)
            s->cap[0] = 1u << s->base;
        s->capacity_total += s->cap[h];
    }
}

/* n per unit of block size: the sampler's 99% error 1.63 sqrt(w/n) is at most
 * SAMPLER_SHARE * eps(k) when n >= w * base_unit. */
static uint64_t sampler_unit(uint32_t k) {
    double e = SAMPLER_SHARE * VG_KLL_ERROR_CONST / pow((double)k, 0.9723) / 1.63;
    return (uint64_t)ceil(1.0 / (e * e));
}

/* n at which base grows next (UINT64_MAX: never). */
static uint64_t base_next(const vg_kll *s) {
    return s->base < SAMPLER_MAX_BASE ? s->base_unit << (s->base + 1) : UINT64_MAX;
}

vg_kll *vg_kll_new(uint32_t k, uint64_t seed) {
    if (k < VG_KLL_MIN_K || k > VG_KLL_MAX_K)
        return NULL;
    vg_kll *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->k = k;
    s->nlevels = 1;
    s->min = NAN;
    s->max = NAN;
    s->rng = seed ? seed : 0x853c49e6748fea9bULL;
    s->base_unit = sampler_unit(k);
    set_capacities(s);
    return s;
}

void vg_kll_free(vg_kll *s) {
    if (!s)
        return;
    for (uint32_t h = 0; h < MAX_LEVELS; h++)
        free(s->lv[h]);
    free(s->scratch);
    free(s);
}

static int reserve(vg_kll *s, uint32_t h, size_t need) {
    if (need <= s->alloc[h])
        return VG_OK;
    size_t a = s->alloc[h] ? s->alloc[h] : 16;
    while (a < need)
        a *= 2;
    if (a > UINT32_MAX)
        return VG_ERR_NOMEM;
    double *p = realloc(s->lv[h], a * sizeof *p);
    if (!p)
        return VG_ERR_NOMEM;
    s->lv[h] = p;
    s->alloc[h] = (uint32_t)a;
    return VG_OK;
}

vg_kll *vg_kll_clone(const vg_kll *s) {
    vg_kll *c = malloc(sizeof *c);
    if (!c)
        return NULL;
    *c = *s;
    for (uint32_t h = 0; h < MAX_LEVELS; h++) {
        c->lv[h] = NULL;
        c->alloc[h] = 0;
    }
    c->scratch = NULL;
    c->scratch_len = 0;
    for (uint32_t h = 0; h < s->nlevels; h++) {
        if (s->len[h] == 0)
            continue;
        if (reserve(c, h, s->len[h]) != VG_OK) {
            vg_kll_free(c);
            return NULL;
        }
        memcpy(c->lv[h], s->lv[h], s->len[h] * sizeof(double));
    }
    return c;
}

/* xorshift64*: one random bit per compaction and one index per sampled block. */
static uint64_t random64(vg_kll *s) {
    s->rng ^= s->rng >> 12;
    s->rng ^= s->rng << 25;
    s->rng ^= s->rng >> 27;
    return s->rng * 0x2545F4914F6CDD1DULL;
}

static int coin(vg_kll *s) {
    return (int)(random64(s) >> 63);
}

/* Level 0 is sorted here on every compaction, so this is on the hot path: an introsort-free
 * quicksort with insertion sort for short runs, comparing doubles inline (no NaN gets in). */
static void sort_doubles(double *a, size_t n) {
    while (n > 16) {
        double x = a[0], y = a[n / 2], z = a[n - 1];
        double pivot = x < y ? (y < z ? y : (x < z ? z : x)) : (x < z ? x : (y < z ? z : y));
        size_t i = 0, j = n - 1;
        for (;;) {
            while (a[i] < pivot)
                i++;
            while (a[j] > pivot)
                j--;
            if (i >= j)
                break;
            double t = a[i];
            a[i] = a[j];
            a[j] = t;
            i++;
            j--;
        }
        /* recurse into the smaller side, loop on the larger: O(log n) stack */
        size_t left = j + 1;
        if (left < n - left) {
            sort_doubles(a, left);
            a += left;
            n -= left;
        } else {
            sort_doubles(a + left, n - left);
            n = left;
        }
    }
    for (size_t i = 1; i < n; i++) {
        double v = a[i];
        size_t j = i;
        while (j > 0 && a[j - 1] > v) {
            a[j] = a[j - 1];
            j--;
        }
        a[j] = v;
    }
}

/* Order-preserving map from doubles to unsigned integers (no NaN gets here). */
static inline uint64_t sort_key(double x) {
    uint64_t b;
    memcpy(&b, &x, 8);
    return (b & 0x8000000000000000ULL) ? ~b : b | 0x8000000000000000ULL;
}

static inline double key_value(uint64_t b) {
    b = (b & 0x8000000000000000ULL) ? b & ~0x8000000000000000ULL : ~b;
    double x;
    memcpy(&x, &b, 8);
    return x;
}

/* LSD radix passes, 8 bits each, over bytes [lo, hi] of keys[0..n) (other holds n more);
 * bytes that are the same in every key (diff has no bit there) are skipped. Returns the
 * array holding the result (keys or other). */
static uint64_t *radix_passes(uint64_t *keys, uint64_t *other, size_t n, int lo, int hi,
                              uint64_t diff) {
    uint32_t cnt[8][256];
    memset(cnt[lo], 0, (size_t)(hi - lo + 1) * sizeof cnt[0]);
    for (size_t i = 0; i < n; i++)
        for (int d = lo; d <= hi; d++)
            cnt[d][(keys[i] >> (8 * d)) & 0xFF]++;
    uint64_t *src = keys, *dst = other;
    for (int d = lo; d <= hi; d++) {
        if (((diff >> (8 * d)) & 0xFF) == 0)
            continue;
        uint32_t *c = cnt[d], sum = 0;
        for (int v = 0; v < 256; v++) {
            uint32_t t = c[v];
            c[v] = sum;
            sum += t;
        }
        for (size_t i = 0; i < n; i++) {
            uint64_t k = src[i];
            dst[c[(k >> (8 * d)) & 0xFF]++] = k;
        }
        uint64_t *t = src;
        src = dst;
        dst = t;
    }
    return src;
}

/* Sorts a[0..n) (no NaN) through order-preserving integer keys; tmp holds 2n keys. Only the
 * three most significant bytes that vary get radix passes (a full LSD sort would make one
 * pass per varying byte, up to 8, each also paying a 256-entry prefix sum): after them, keys
 * equal in those 24 bits are adjacent and an insertion sort finishes the job, which is one
 * comparison per key unless many keys share those bits. If it has to move too much (values
 * packed in a tiny range), the remaining bytes get their radix passes instead. */
static void radix_sort_doubles(double *a, size_t n, uint64_t *tmp) {
    uint64_t *keys = tmp, *other = tmp + n, diff = 0;
    for (size_t i = 0; i < n; i++) {
        keys[i] = sort_key(a[i]);
        diff |= keys[i] ^ keys[0];
    }
    if (diff == 0)
        return; /* all the same value */
    int hi = (63 - __builtin_clzll(diff)) / 8, lo = hi >= 2 ? hi - 2 : 0;
    uint64_t *k = radix_passes(keys, other, n, lo, hi, diff);
    uint64_t low = lo > 0 ? diff & ((1ULL << (8 * lo)) - 1) : 0;
    if (low) {
        size_t moves = 0, budget = 4 * n;
        for (size_t i = 1; i < n; i++) {
            uint64_t v = k[i];
            size_t j = i;
            while (j > 0 && k[j - 1] > v && moves < budget) {
                k[j] = k[j - 1];
                j--;
                moves++;
            }
            k[j] = v;
            if (moves >= budget) {
                /* k is still a permutation of the keys: sort it all by radix */
                k = radix_passes(k, k == keys ? other : keys, n, 0, hi, diff);
                break;
            }
        }
    }
    for (size_t i = 0; i < n; i++)
        a[i] = key_value(k[i]);
}

/* Merges the sorted `src` (m values, stride `step`) into level h: from the back into a sorted
 * level, appended to a level at or below the staging level (sorted when it is compacted). */
static int merge_into_level(vg_kll *s, uint32_t h, const double *src, size_t m, size_t step) {
    size_t have = s->len[h];
    if (reserve(s, h, have + m) != VG_OK)
        return VG_ERR_NOMEM;
    double *d = s->lv[h];
    if (h <= s->base) {
        for (size_t j = 0; j < m; j++)
            d[have + j] = src[j * step];
        s->len[h] = (uint32_t)(have + m);
        return VG_OK;
    }
    size_t i = have, j = m, out = have + m;
    while (j > 0) {
        double b = src[(j - 1) * step];
        if (i > 0 && d[i - 1] > b)
            d[--out] = d[--i];
        else {
            d[--out] = b;
            j--;
        }
    }
    s->len[h] = (uint32_t)(have + m);
    return VG_OK;
}

static int add_level(vg_kll *s) {
    if (s->nlevels >= MAX_LEVELS)
        return VG_ERR_NOMEM; /* 2^60 values: unreachable in practice */
    s->nlevels++;
    set_capacities(s);
    return VG_OK;
}

static int compact(vg_kll *s, uint32_t h) {
    if (h + 1 >= s->nlevels && add_level(s) != VG_OK)
        return VG_ERR_NOMEM;
    double *a = s->lv[h];
    size_t len = s->len[h];
    if (h <= s->base) {
        if (len >= 256) {
            /* kept between compactions: no allocation per batch on the hot path */
            if (s->scratch_len < 2 * len) {
                uint64_t *t = realloc(s->scratch, 2 * len * sizeof *t);
                if (!t)
                    return VG_ERR_NOMEM;
                s->scratch = t;
                s->scratch_len = 2 * len;
            }
            radix_sort_doubles(a, len, s->scratch);
        } else {
            sort_doubles(a, len);
        }
    }
    size_t odd = len & 1; /* an odd value out stays at this level (its smallest) */
    size_t pairs = (len - odd) / 2;
    size_t first = odd + (size_t)coin(s);
    if (merge_into_level(s, h + 1, a + first, pairs, 2) != VG_OK)
        return VG_ERR_NOMEM;
    s->len[h] = (uint32_t)odd;
    s->retained -= pairs;
    return VG_OK;
}

/* Compacts the lowest full level until the sketch is back under its total capacity. */
static int compress(vg_kll *s) {
    while (s->retained >= s->capacity_total) {
        uint32_t h = 0;
        while (h < s->nlevels && s->len[h] < s->cap[h])
            h++;
        if (h == s->nlevels)
            return VG_OK; /* cannot happen: retained >= sum of caps implies a full level */
        if (compact(s, h) != VG_OK)
            return VG_ERR_NOMEM;
    }
    return VG_OK;
}

/* With a sampler, level 0 must hold less than one block. It holds more only when the sampler
 * has just started or grown (level 0 was the staging level), or after a merge or decode: then
 * it is compacted once, which leaves at most one value and is as valid as any compaction. */
static int settle_level0(vg_kll *s) {
    if (s->base > 0 && s->len[0] >= (1u << s->base))
        return compact(s, 0);
    return VG_OK;
}

/* Grows base to what n calls for, and to at least `at_least`; levels between the old and
 * new staging level keep their values (they may be unsorted, and are sorted when compacted). */
static int grow_base(vg_kll *s, uint32_t at_least) {
    uint32_t b = s->base > at_least ? s->base : at_least;
    while (b < SAMPLER_MAX_BASE && s->n >= s->base_unit << (b + 1))
        b++;
    if (b == s->base)
        return VG_OK;
    while (s->nlevels <= b + 1)
        if (add_level(s) != VG_OK)
            return VG_ERR_NOMEM;
    s->base = b;
    set_capacities(s);
    return settle_level0(s);
}

/* Copies m values to level 0 (weight 1 each). */
static int append_level0(vg_kll *s, const double *x, size_t m) {
    if (reserve(s, 0, (size_t)s->len[0] + m) != VG_OK)
        return VG_ERR_NOMEM;
    memcpy(s->lv[0] + s->len[0], x, m * sizeof *x);
    s->len[0] += (uint32_t)m;
    s->n += m;
    s->retained += m;
    return VG_OK;
}

/* Adds n values, none of them NaN, min and max already accounted for. Without a sampler,
 * values go to level 0 in runs that stop where the sketch fills or base must grow. With one,
 * each block of 2^base values keeps one of them, picked uniformly at random; a block that
 * lies wholly in the input is sampled without copying, a partial one waits at level 0. The
 * sketch is compressed and base grown only at those points (with a sampler, only when a block
 * completes), so the result does not depend on how the stream is cut into calls. */
static int add_run(vg_kll *s, const double *x, size_t n) {
    size_t i = 0;
    while (i < n) {
        if (s->base == 0) {
            if (s->retained >= s->capacity_total && compress(s) != VG_OK)
                return VG_ERR_NOMEM;
            size_t m = n - i;
            if (m > s->capacity_total - s->retained)
                m = s->capacity_total - s->retained;
            if (m > base_next(s) - s->n)
                m = (size_t)(base_next(s) - s->n);
            if (append_level0(s, x + i, m) != VG_OK)
                return VG_ERR_NOMEM;
            i += m;
        } else {
            uint32_t w = 1u << s->base, h = s->base;
            /* room for the value the block keeps first: a failure then leaves nothing of the
             * block counted (n stays the total weight) */
            if (s->len[h] >= s->alloc[h] && reserve(s, h, (size_t)s->len[h] + 1) != VG_OK)
                return VG_ERR_NOMEM;
            double v;
            if (s->len[0] > 0 || n - i < w) {
                size_t m = w - s->len[0];
                if (m > n - i)
                    m = n - i;
                if (append_level0(s, x + i, m) != VG_OK)
                    return VG_ERR_NOMEM;
                i += m;
                if (s->len[0] < w)
                    break; /* the input ended inside the block */
                v = s->lv[0][random64(s) >> (64 - s->base)];
                s->len[0] = 0;
                s->retained -= w;
            } else {
                v = x[i + (random64(s) >> (64 - s->base))];
                i += w;
                s->n += w;
            }
            s->lv[h][s->len[h]++] = v; /* weight 2^base */
            s->retained++;
        }
        if (s->retained >= s->capacity_total && compress(s) != VG_OK)
            return VG_ERR_NOMEM;
        if (s->n >= base_next(s) && grow_base(s, 0) != VG_OK)
            return VG_ERR_NOMEM;
    }
    return VG_OK;
}

int vg_kll_set_parts(vg_kll *s, uint32_t parts) {
    uint64_t unit = sampler_unit(s->k);
    /* At most 2: if a column's values all sit in one part (a sorted file, a column filled
     * only in one stretch), the merged sketch's blocks are `parts` times too large and its
     * sampler error sqrt(parts) times the budget; with 2 that stays within the bound. */
    if (parts > 2)
        parts = 2;
    if (parts > 1)
        unit = (unit + parts - 1) / parts;
    s->base_unit = unit;
    return grow_base(s, 0);
}

int vg_kll_update(vg_kll *s, double x) {
    return vg_kll_update_batch(s, &x, 1);
}

int vg_kll_update_batch(vg_kll *s, const double *x, size_t n) {
    if (settle_level0(s) != VG_OK)
        return VG_ERR_NOMEM;
    /* min and max in one branch-free pass: NaN compares false, so it never becomes either */
    double mn = s->n ? s->min : INFINITY, mx = s->n ? s->max : -INFINITY;
    size_t nans = 0, i = 0;
#if defined(__SSE2__)
    /* two lanes at a time: minpd(v, mn) is exactly v < mn ? v : mn */
    if (n >= 2) {
        __m128d vmn = _mm_set1_pd(mn), vmx = _mm_set1_pd(mx), vnan = _mm_setzero_pd();
        for (; i + 1 < n; i += 2) {
            __m128d v = _mm_loadu_pd(x + i);
            vmn = _mm_min_pd(v, vmn);
            vmx = _mm_max_pd(v, vmx);
            vnan = _mm_or_pd(vnan, _mm_cmpunord_pd(v, v));
        }
        double lo[2], hi[2];
        _mm_storeu_pd(lo, vmn);
        _mm_storeu_pd(hi, vmx);
        double mn0 = mn, mx0 = mx;
        mn = lo[1] < lo[0] ? lo[1] : lo[0];
        mx = hi[1] > hi[0] ? hi[1] : hi[0];
        if (mn == 0 || mx == 0) {
            /* which zero (0.0 or -0.0) is the extreme depends on which came first: the
             * scalar order decides, as for a stream added one value at a time */
            mn = mn0;
            mx = mx0;
            for (size_t j = 0; j < i; j++) {
                mn = x[j] < mn ? x[j] : mn;
                mx = x[j] > mx ? x[j] : mx;
            }
        }
        if (_mm_movemask_pd(vnan))
            nans = 1; /* counted exactly below */
    }
    if (nans) {
        nans = 0;
        for (size_t j = 0; j < i; j++)
            nans += x[j] != x[j];
    }
#endif
    for (; i < n; i++) {
        double v = x[i];
        mn = v < mn ? v : mn;
        mx = v > mx ? v : mx;
        nans += v != v;
    }
    if (nans < n) {
        s->min = mn;
        s->max = mx;
    }
    if (nans == 0)
        return add_run(s, x, n);
    /* the runs between NaNs */
    i = 0;
    while (i < n) {
        while (i < n && x[i] != x[i])
            i++;
        size_t j = i;
        while (j < n && x[j] == x[j])
            j++;
        if (j > i && add_run(s, x + i, j - i) != VG_OK)
            return VG_ERR_NOMEM;
        i = j;
    }
    return VG_OK;
}

int vg_kll_merge(vg_kll *dst, const vg_kll *src, vg_error *err) {
    if (dst->k != src->k)
        return vg_error_set(err, VG_ERR_MISMATCH,
                            "cannot merge KLL sketches with different k (%u and %u)", dst->k,
                            src->k);
    if (src->n == 0)
        return VG_OK;
    while (dst->nlevels < src->nlevels)
        if (add_level(dst) != VG_OK)
            return vg_error_set(err, VG_ERR_NOMEM, "out of memory merging KLL sketches");
    /* base first, at least src's (it is, as it depends on n, unless src was one of several
     * parts: vg_kll_set_parts), so that every src level that may be unsorted (at or below
     * src->base) lands at or below dst->base. Then room in every level, so that once values
     * move nothing can fail: a failure before leaves dst holding what it held, with its n. */
    uint64_t n0 = dst->n;
    dst->n += src->n;
    int rc = grow_base(dst, src->base);
    for (uint32_t h = 0; h < src->nlevels && rc == VG_OK; h++)
        if (src->len[h])
            rc = reserve(dst, h, (size_t)dst->len[h] + src->len[h]);
    if (rc != VG_OK) {
        dst->n = n0;
        return vg_error_set(err, VG_ERR_NOMEM, "out of memory merging KLL sketches");
    }
    for (uint32_t h = 0; h < src->nlevels; h++) {
        size_t m = src->len[h];
        if (m == 0)
            continue;
        (void)merge_into_level(dst, h, src->lv[h], m, 1); /* reserved above: cannot fail */
        dst->retained += m;
    }
    if (n0 == 0) {
        dst->min = src->min;
        dst->max = src->max;
    } else {
        if (src->min < dst->min)
            dst->min = src->min;
        if (src->max > dst->max)
            dst->max = src->max;
    }
    if (settle_level0(dst) != VG_OK || compress(dst) != VG_OK)
        return vg_error_set(err, VG_ERR_NOMEM, "out of memory merging KLL sketches");
    return VG_OK;
}

uint32_t vg_kll_k(const vg_kll *s) {
    return s->k;
}
uint64_t vg_kll_n(const vg_kll *s) {
    return s->n;
}
size_t vg_kll_items(const vg_kll *s, double *values, uint64_t *weights, size_t max) {
    size_t m = 0;
    for (uint32_t h = 0; h < s->nlevels; h++)
        for (uint32_t i = 0; i < s->len[h] && m < max; i++, m++) {
            values[m] = s->lv[h][i];
            weights[m] = (uint64_t)1 << h;
        }
    return m;
}

size_t vg_kll_retained(const vg_kll *s) {
    return s->retained;
}
double vg_kll_min(const vg_kll *s) {
    return s->n ? s->min : NAN;
}
double vg_kll_max(const vg_kll *s) {
    return s->n ? s->max : NAN;
}

typedef struct {
    double v;
    uint64_t w;
} weighted;

static int cmp_weighted(const void *a, const void *b) {
    double x = ((const weighted *)a)->v, y = ((const weighted *)b)->v;
    return (x > y) - (x < y);
}

/* All retained values with their weights, sorted by value; cumulative weights in place. */
static weighted *sorted_view(const vg_kll *s) {
    weighted *w = malloc((s->retained ? s->retained : 1) * sizeof *w);
    if (!w)
        return NULL;
    size_t m = 0;
    for (uint32_t h = 0; h < s->nlevels; h++)
        for (uint32_t i = 0; i < s->len[h]; i++) {
            w[m].v = s->lv[h][i];
            w[m].w = (uint64_t)1 << h;
            m++;
        }
    qsort(w, m, sizeof *w, cmp_weighted);
    uint64_t cum = 0;
    for (size_t i = 0; i < m; i++) {
        cum += w[i].w;
        w[i].w = cum;
    }
    return w;
}

int vg_kll_ks(const vg_kll *a, const vg_kll *b, double *d, vg_error *err) {
    if (a->n == 0 || b->n == 0)
        return vg_error_set(err, VG_ERR_INVALID, "KS distance of an empty sketch");
    weighted *wa = sorted_view(a), *wb = sorted_view(b);
    if (!wa || !wb) {
        free(wa);
        free(wb);
        return vg_error_set(err, VG_ERR_NOMEM, "out of memory");
    }
    /* Walk both sorted views; after consuming every value <= x from each, compare the CDFs. */
    size_t i = 0, j = 0, na = a->retained, nb = b->retained;
    double best = 0;
    while (i < na || j < nb) {
        double x = (j >= nb || (i < na && wa[i].v <= wb[j].v)) ? wa[i].v : wb[j].v;
        while (i < na && wa[i].v <= x)
            i++;
        while (j < nb && wb[j].v <= x)
            j++;
        double fa = i ? (double)wa[i - 1].w / (double)a->n : 0;
        double fb = j ? (double)wb[j - 1].w / (double)b->n : 0;
        double diff = fabs(fa - fb);
        if (diff > best)
            best = diff;
    }
    free(wa);
    free(wb);
    *d = best;
    return VG_OK;
}

static double quantile_from_view(const vg_kll *s, const weighted *w, double q) {
    if (q <= 0)
        return s->min;
    if (q >= 1)
        return s->max;
    double target = q * (double)s->n;
    size_t lo = 0, hi = s->retained; /* first index with cumulative weight >= target */
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if ((double)w[mid].w < target)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < s->retained ? w[lo].v : s->max;
}

int vg_kll_quantiles(const vg_kll *s, const double *qs, size_t nq, double *out) {
    if (s->n == 0) {
        for (size_t i = 0; i < nq; i++)
            out[i] = NAN;
        return VG_OK;
    }
    weighted *w = sorted_view(s);
    if (!w)
        return VG_ERR_NOMEM;
    for (size_t i = 0; i < nq; i++)
        out[i] = qs[i] != qs[i] ? NAN : quantile_from_view(s, w, qs[i]);
    free(w);
    return VG_OK;
}

double vg_kll_quantile(const vg_kll *s, double q) {
    double out;
    if (vg_kll_quantiles(s, &q, 1, &out) != VG_OK)
        return NAN;
    return out;
}

double vg_kll_rank(const vg_kll *s, double x) {
    if (s->n == 0)
        return NAN;
    uint64_t below = 0;
    for (uint32_t h = 0; h < s->nlevels; h++)
        for (uint32_t i = 0; i < s->len[h]; i++)
            if (s->lv[h][i] <= x)
                below += (uint64_t)1 << h;
    return (double)below / (double)s->n;
}

double vg_kll_rank_error(uint32_t k) {
    /* Apache DataSketches' published fit for the error over all queries at 99% confidence.
     * The maximum errors measured here stay well below it (docs/sketches.md), and the unit and
     * oracle tests check every reported quantile against it. */
    return VG_KLL_ERROR_CONST / pow((double)k, 0.9723);
}

/* The order of the radix sort (-0.0 before 0.0), so that a level written sorted reads back in
 * the order a compaction would have given it. */
static int cmp_key(const void *a, const void *b) {
    uint64_t x = sort_key(*(const double *)a), y = sort_key(*(const double *)b);
    return (x > y) - (x < y);
}

void vg_kll_encode(const vg_kll *s, vg_wbuf *w) {
    vg_wbuf_u32(w, s->k);
    vg_wbuf_u32(w, s->nlevels);
    vg_wbuf_u64(w, s->n);
    vg_wbuf_f64(w, s->min);
    vg_wbuf_f64(w, s->max);
    vg_wbuf_u64(w, s->rng);
    for (uint32_t h = 0; h < s->nlevels; h++) {
        vg_wbuf_u32(w, s->len[h]);
        const double *v = s->lv[h];
        double *sorted = NULL;
        /* The format keeps every level above 0 sorted (the decoder checks it); levels up to
         * the staging level may not be, so they are written from a sorted copy. */
        if (h > 0 && h <= s->base && s->len[h] > 1) {
            sorted = malloc(s->len[h] * sizeof *sorted);
            if (!sorted) {
                w->failed = 1;
                return;
            }
            memcpy(sorted, v, s->len[h] * sizeof *sorted);
            qsort(sorted, s->len[h], sizeof *sorted, cmp_key);
            v = sorted;
        }
        for (uint32_t i = 0; i < s->len[h]; i++)
            vg_wbuf_f64(w, v[i]);
        free(sorted);
    }
}

vg_kll *vg_kll_decode(vg_rbuf *r, vg_error *err) {
    uint32_t k = vg_rbuf_u32(r), nlevels = vg_rbuf_u32(r);
    uint64_t n = vg_rbuf_u64(r);
    double mn = vg_rbuf_f64(r), mx = vg_rbuf_f64(r);
    uint64_t rng = vg_rbuf_u64(r);
    if (!vg_rbuf_ok(r) || k < VG_KLL_MIN_K || k > VG_KLL_MAX_K || nlevels == 0 ||
        nlevels > MAX_LEVELS || rng == 0) {
        vg_error_set(err, VG_ERR_FORMAT, "invalid KLL sketch header");
        return NULL;
    }
    vg_kll *s = vg_kll_new(k, rng);
    if (!s) {
        vg_error_set(err, VG_ERR_NOMEM, "out of memory reading a KLL sketch");
        return NULL;
    }
    s->nlevels = nlevels;
    set_capacities(s);
    s->n = n;
    s->min = mn;
    s->max = mx;
    unsigned __int128 weight = 0;
    for (uint32_t h = 0; h < nlevels; h++) {
        uint32_t len = vg_rbuf_u32(r);
        if (!vg_rbuf_ok(r) || (size_t)len * 8 > vg_rbuf_left(r))
            goto bad;
        if (len && reserve(s, h, len) != VG_OK) {
            vg_kll_free(s);
            vg_error_set(err, VG_ERR_NOMEM, "out of memory reading a KLL sketch");
            return NULL;
        }
        for (uint32_t i = 0; i < len; i++) {
            double v = vg_rbuf_f64(r);
            if (v != v || v < mn || v > mx || (h > 0 && i > 0 && v < s->lv[h][i - 1]))
                goto bad;
            s->lv[h][i] = v;
        }
        s->len[h] = len;
        s->retained += len;
        weight += (unsigned __int128)len << h;
    }
    /* Compaction preserves total weight exactly, so this catches most corruption. */
    if (weight != n || (n > 0 && !(mn <= mx)) || s->retained > s->capacity_total + 64 * k)
        goto bad;
    if (n == 0) {
        s->min = s->max = NAN;
    }
    /* the sampler's state follows from n (files written before the sampler get one too) */
    if (grow_base(s, 0) != VG_OK) {
        vg_kll_free(s);
        vg_error_set(err, VG_ERR_NOMEM, "out of memory reading a KLL sketch");
        return NULL;
    }
    return s;
bad:
    vg_kll_free(s);
    vg_error_set(err, VG_ERR_FORMAT, "corrupted KLL sketch");
    return NULL;
}

int vg_kll_serialize(const vg_kll *s, unsigned char **out, size_t *len, vg_error *err) {
    vg_wbuf w;
    vg_wbuf_init(&w);
    vg_kll_encode(s, &w);
    return vg_sketch_blob(&w, out, len, err);
}

vg_kll *vg_kll_deserialize(const void *data, size_t len, vg_error *err) {
    vg_rbuf r;
    vg_rbuf_init(&r, data, len);
    vg_kll *s = vg_kll_decode(&r, err);
    if (s && vg_rbuf_left(&r) != 0) {
        vg_kll_free(s);
        vg_error_set(err, VG_ERR_FORMAT, "trailing bytes after KLL sketch");
        return NULL;
    }
    return s;
}
