/*
 * HyperLogLog, frequent items and moments: each against its published bound or an exact
 * computation, plus merge and serialization behaviour.
 */
#include <float.h>

#include "testutil.h"

#include "../../src/base/hash.h"

/* HLL within 3 standard errors over a range of cardinalities, small ones nearly exact. */
static void test_hll_accuracy(void **state) {
    (void)state;
    const uint64_t sizes[] = {1, 2, 10, 100, 1000, 5000, 20000, 100000, 1000000};
    double rse = vg_hll_rse(VG_HLL_DEFAULT_P);
    assert_true(rse < 0.02);
    for (size_t t = 0; t < sizeof sizes / sizeof *sizes; t++) {
        vg_hll *s = vg_hll_new(VG_HLL_DEFAULT_P);
        for (uint64_t i = 0; i < sizes[t]; i++) {
            char key[32];
            int n = snprintf(key, sizeof key, "value-%llu", (unsigned long long)i);
            vg_hll_update_bytes(s, key, (size_t)n);
            vg_hll_update_bytes(s, key, (size_t)n); /* duplicates do not count */
        }
        double est = vg_hll_estimate(s), truth = (double)sizes[t];
        if (fabs(est - truth) > 3 * rse * truth + 0.5)
            fail_msg("n=%g estimate %g outside 3 standard errors", truth, est);
        vg_hll_free(s);
    }
    vg_hll *e = vg_hll_new(VG_HLL_DEFAULT_P);
    assert_true(vg_hll_estimate(e) == 0);
    vg_hll_free(e);
}

/* Over many independent sketches, the observed relative error has the stated spread. */
static void test_hll_standard_error(void **state) {
    (void)state;
    int trials = 60;
    uint64_t n = 20000, seed = 1;
    double sq = 0;
    for (int t = 0; t < trials; t++) {
        vg_hll *s = vg_hll_new(10);
        for (uint64_t i = 0; i < n; i++)
            vg_hll_update_hash(s, vg_hash_fmix64(t_rand(&seed)));
        double r = vg_hll_estimate(s) / (double)n - 1;
        sq += r * r;
        vg_hll_free(s);
    }
    double observed = sqrt(sq / trials), stated = vg_hll_rse(10);
    if (observed > 1.5 * stated)
        fail_msg("observed RSE %g vs stated %g", observed, stated);
}

/* The batch update is the same as one update per hash, including hashes whose low bits are
 * all zero (the largest rank) and those with the register index bits only. */
static void test_hll_batch(void **state) {
    (void)state;
    for (unsigned p = VG_HLL_MIN_P; p <= 16; p += 3) {
        vg_hll *a = vg_hll_new(p), *b = vg_hll_new(p);
        uint64_t h[1000], seed = p;
        for (int i = 0; i < 1000; i++)
            h[i] = i % 50 == 0 ? t_rand(&seed) << (64 - p) : vg_hash_fmix64(t_rand(&seed));
        for (int i = 0; i < 1000; i++)
            vg_hll_update_hash(a, h[i]);
        vg_hll_update_hashes(b, h, 700);
        vg_hll_update_hashes(b, h + 700, 300);
        unsigned char *ba, *bb;
        size_t la, lb;
        assert_int_equal(vg_hll_serialize(a, &ba, &la, NULL), VG_OK);
        assert_int_equal(vg_hll_serialize(b, &bb, &lb, NULL), VG_OK);
        assert_int_equal(la, lb);
        assert_memory_equal(ba, bb, la);
        free(ba);
        free(bb);
        vg_hll_free(a);
        vg_hll_free(b);
    }
}

/* The string hash is part of the file format (HLL registers and item keys in .vgp files):
 * it must equal this byte-at-a-time definition for every length and alignment, and a
 * few fixed values pin it across hosts. */
static uint64_t ref_rotl(uint64_t x, int r) {
    return (x << r) | (x >> (64 - r));
}

static uint64_t ref_hash_bytes(const unsigned char *p, size_t len) {
    const uint64_t m1 = 0x87c37b91114253d5ULL, m2 = 0x4cf5ad432745937fULL;
    uint64_t h = 0x243f6a8885a308d3ULL ^ (len * m1);
    for (; len >= 8; p += 8, len -= 8) {
        uint64_t k = 0;
        for (int i = 0; i < 8; i++)
            k |= (uint64_t)p[i] << (8 * i);
        h ^= ref_rotl(k * m1, 31) * m2;
        h = ref_rotl(h, 27) * 5 + 0x52dce729;
    }
    uint64_t tail = 0;
    for (size_t i = 0; i < len; i++)
        tail |= (uint64_t)p[i] << (8 * i);
    h ^= ref_rotl(tail * m2, 33) * m1;
    return vg_hash_fmix64(h);
}

static void test_hash_bytes(void **state) {
    (void)state;
    unsigned char buf[80];
    uint64_t seed = 3;
    for (int round = 0; round < 200; round++) {
        for (size_t i = 0; i < sizeof buf; i++)
            buf[i] = (unsigned char)t_rand(&seed);
        for (size_t off = 0; off < 8; off++)
            for (size_t len = 0; off + len <= 72; len++)
                assert_true(vg_hash_bytes(buf + off, len) == ref_hash_bytes(buf + off, len));
    }
    assert_true(vg_hash_bytes("", 0) == ref_hash_bytes((const unsigned char *)"", 0));
    assert_true(vg_hash_bytes("mobile", 6) == 0xcb16a9a17c5ade0fULL);
    assert_true(vg_hash_bytes("paid_search", 11) == 0x49ef6e957ca0a84cULL);
}

/* Values at the edge of the range: the sums stay finite, so must the compensation (TwoSum's
 * error term can overflow on its own; the careful form takes over). */
static void test_moments_edge_of_range(void **state) {
    (void)state;
    double x[] = {-3 * 0x1p970, 0, DBL_MAX, 0};
    vg_moments m;
    vg_moments_init(&m);
    vg_moments_update_batch(&m, x, 4);
    double want = DBL_MAX + -3 * 0x1p970; /* one rounding: the exact sum's nearest double */
    assert_true(isfinite(vg_moments_sum(&m)));
    assert_true(vg_moments_sum(&m) == want);
    assert_true(isfinite(vg_moments_mean(&m)));
}

/* Exact number counting stops before the first new number once the summary is full, and
 * counts everything before it exactly. */
static void test_freq_count_numbers(void **state) {
    (void)state;
    vg_freq *f = vg_freq_new(VG_FREQ_MIN_CAPACITY);
    size_t cap = VG_FREQ_MIN_CAPACITY, n = 5 * cap + 3;
    double x[5 * VG_FREQ_MIN_CAPACITY + 3];
    uint64_t h[5 * VG_FREQ_MIN_CAPACITY + 3];
    for (size_t i = 0; i < n; i++) {
        x[i] = i < 4 * cap ? (double)(i % cap) : (i == 4 * cap + 1 ? 1e9 : 1.0);
        h[i] = vg_hash_double(x[i]);
    }
    assert_int_equal(vg_freq_count_numbers(f, h, x, 3), 3);
    assert_int_equal(vg_freq_count_numbers(f, h + 3, x + 3, n - 3), 4 * cap + 1 - 3);
    assert_int_equal(vg_freq_size(f), cap);
    assert_int_equal(vg_freq_total(f), 4 * cap + 1);
    assert_int_equal(vg_freq_offset(f), 0);
    for (size_t v = 0; v < cap; v++)
        assert_int_equal(vg_freq_count(f, vg_hash_double((double)v)), v == 1 ? 5 : 4);
    /* a held number still counts when full */
    assert_int_equal(vg_freq_count_numbers(f, h + 4 * cap, x + 4 * cap, 1), 1);
    vg_freq_free(f);
}

static void test_hll_merge_serialize(void **state) {
    (void)state;
    vg_hll *a = vg_hll_new(12), *b = vg_hll_new(12), *all = vg_hll_new(12);
    for (int i = 0; i < 30000; i++) {
        uint64_t h = vg_hash_fmix64((uint64_t)i);
        vg_hll_update_hash(i % 3 ? a : b, h);
        vg_hll_update_hash(all, h);
    }
    assert_int_equal(vg_hll_merge(a, b, NULL), VG_OK);
    assert_true(vg_hll_estimate(a) == vg_hll_estimate(all)); /* register max: exact */
    assert_int_equal(vg_hll_merge(a, a, NULL), VG_OK);       /* idempotent */
    assert_true(vg_hll_estimate(a) == vg_hll_estimate(all));
    unsigned char *buf;
    size_t len;
    assert_int_equal(vg_hll_serialize(a, &buf, &len, NULL), VG_OK);
    vg_hll *c = vg_hll_deserialize(buf, len, NULL);
    assert_non_null(c);
    assert_true(vg_hll_estimate(c) == vg_hll_estimate(all));
    assert_null(vg_hll_deserialize(buf, len - 1, NULL));
    buf[10] = 200; /* register value impossible for p = 12 (dense encoding) */
    assert_null(vg_hll_deserialize(buf, len, NULL));
    vg_hll *p10 = vg_hll_new(10);
    assert_int_equal(vg_hll_merge(a, p10, NULL), VG_ERR_MISMATCH);
    free(buf);
    vg_hll_free(a);
    vg_hll_free(b);
    vg_hll_free(c);
    vg_hll_free(all);
    vg_hll_free(p10);
}

/* Zipf-like stream of many more distinct items than counters: every held item satisfies
 * count <= true <= count + offset, absent items have true <= offset, and offset <= 2n/cap. */
static void test_freq_bounds(void **state) {
    (void)state;
    enum { UNIVERSE = 50000, N = 400000, CAP = 256 };
    uint64_t *truth = calloc(UNIVERSE, sizeof *truth);
    vg_freq *f = vg_freq_new(CAP);
    uint64_t seed = 77;
    for (int i = 0; i < N; i++) {
        double u = t_uniform(&seed);
        uint64_t item = (uint64_t)(pow(u, 4) * UNIVERSE); /* skewed */
        if (item >= UNIVERSE)
            item = UNIVERSE - 1;
        truth[item]++;
        char key[24];
        int n = snprintf(key, sizeof key, "k%llu", (unsigned long long)item);
        vg_freq_update(f, vg_hash_bytes(key, (size_t)n), key, (size_t)n, 1);
    }
    uint64_t off = vg_freq_offset(f);
    assert_true(off > 0);
    assert_true(off <= 2ULL * N / CAP);
    assert_int_equal(vg_freq_total(f), N);
    for (uint64_t item = 0; item < UNIVERSE; item++) {
        char key[24];
        int n = snprintf(key, sizeof key, "k%llu", (unsigned long long)item);
        uint64_t c = vg_freq_count(f, vg_hash_bytes(key, (size_t)n));
        if (!(c <= truth[item] && truth[item] <= c + off))
            fail_msg("item %llu: count %llu true %llu offset %llu", (unsigned long long)item,
                     (unsigned long long)c, (unsigned long long)truth[item],
                     (unsigned long long)off);
    }
    vg_freq_item top[3];
    assert_int_equal(vg_freq_top(f, top, 3), 3);
    assert_memory_equal(top[0].value, "k0", 2); /* the most frequent item comes first */
    vg_freq_free(f);
    free(truth);
}

static void test_freq_exact_merge_serialize(void **state) {
    (void)state;
    vg_freq *a = vg_freq_new(16), *b = vg_freq_new(16);
    const char *words[] = {"red", "green", "blue", "red", "red", "blue"};
    for (int i = 0; i < 6; i++)
        vg_freq_update(i % 2 ? a : b, vg_hash_bytes(words[i], strlen(words[i])), words[i],
                       strlen(words[i]), 1);
    vg_freq_update_number(a, vg_hash_double(2.5), 2.5, 4);
    assert_int_equal(vg_freq_merge(a, b, NULL), VG_OK);
    assert_int_equal(vg_freq_offset(a), 0);
    assert_int_equal(vg_freq_size(a), 4);
    vg_freq_item top[8];
    size_t n = vg_freq_top(a, top, 8);
    assert_int_equal(n, 4);
    assert_true(top[0].is_number && top[0].number == 2.5 && top[0].count == 4);
    assert_int_equal(top[1].count, 3);
    assert_memory_equal(top[1].value, "red", 3);
    unsigned char *buf;
    size_t len;
    assert_int_equal(vg_freq_serialize(a, &buf, &len, NULL), VG_OK);
    vg_freq *c = vg_freq_deserialize(buf, len, NULL);
    assert_non_null(c);
    assert_int_equal(vg_freq_top(c, top, 8), 4);
    assert_true(top[0].is_number && top[0].number == 2.5);
    for (size_t cut = 0; cut < len; cut++)
        assert_null(vg_freq_deserialize(buf, cut, NULL));
    free(buf);
    /* long values are cut at a UTF-8 boundary and flagged */
    char longv[200];
    memset(longv, 'a', sizeof longv);
    memcpy(longv + 63, "\xc3\xa9", 2); /* a 2-byte character straddling the 64-byte cut */
    vg_freq_update(c, 42, longv, sizeof longv, 1);
    n = vg_freq_top(c, top, 8);
    int found = 0;
    for (size_t i = 0; i < n; i++)
        if (top[i].truncated) {
            found = 1;
            assert_int_equal(top[i].len, 63);
        }
    assert_true(found);
    vg_freq_free(a);
    vg_freq_free(b);
    vg_freq_free(c);
}

/* Moments against a two-pass computation in long double; batch, single and merged agree. */
static void test_moments(void **state) {
    (void)state;
    size_t n = 100000;
    double *x = malloc(n * sizeof *x);
    uint64_t seed = 3;
    for (size_t i = 0; i < n; i++)
        x[i] = 1e6 + 1000 * t_normal(&seed); /* offset mean: stresses cancellation */
    long double sum = 0, ss = 0;
    for (size_t i = 0; i < n; i++)
        sum += x[i];
    long double mean = sum / n;
    for (size_t i = 0; i < n; i++)
        ss += (x[i] - mean) * (x[i] - mean);
    double var = (double)(ss / (n - 1));
    vg_moments one, batch, merged, part;
    vg_moments_init(&one);
    vg_moments_init(&batch);
    vg_moments_init(&merged);
    for (size_t i = 0; i < n; i++)
        vg_moments_update(&one, x[i]);
    for (size_t i = 0; i < n; i += 1000)
        vg_moments_update_batch(&batch, x + i, 1000);
    for (size_t p = 0; p < 10; p++) {
        vg_moments_init(&part);
        vg_moments_update_batch(&part, x + p * 10000, 10000);
        vg_moments_merge(&merged, &part);
    }
    const vg_moments *all[] = {&one, &batch, &merged};
    for (int i = 0; i < 3; i++) {
        assert_int_equal(all[i]->n, n);
        assert_true(fabs(vg_moments_mean(all[i]) - (double)mean) <= 1e-12 * (double)mean);
        assert_true(fabs(vg_moments_variance(all[i], 1) - var) <= 1e-9 * var);
        assert_true(fabs(vg_moments_sum(all[i]) - (double)sum) <= 1e-12 * (double)sum);
    }
    vg_moments e;
    vg_moments_init(&e);
    assert_true(isnan(vg_moments_mean(&e)) && isnan(vg_moments_variance(&e, 1)));
    vg_moments_update(&e, 5);
    assert_true(vg_moments_mean(&e) == 5 && isnan(vg_moments_variance(&e, 1)));
    assert_true(vg_moments_variance(&e, 0) == 0);
    free(x);
}

/* The accessors the sketch-based comparison reads: KLL items carry weights that sum to n and
 * give the sketch's own cdf; frequent items come back with the hashes they were added under. */
static void test_accessors(void **state) {
    (void)state;
    vg_kll *k = vg_kll_new(50, 7);
    for (int i = 0; i < 20000; i++)
        assert_int_equal(vg_kll_update(k, (double)((i * 7919) % 20000)), VG_OK);
    size_t m = vg_kll_retained(k);
    double *v = malloc(m * sizeof *v);
    uint64_t *w = malloc(m * sizeof *w), total = 0, below = 0;
    assert_int_equal(vg_kll_items(k, v, w, m), m);
    for (size_t i = 0; i < m; i++) {
        total += w[i];
        below += v[i] <= 9999.5 ? w[i] : 0;
        assert_true(w[i] != 0 && (w[i] & (w[i] - 1)) == 0); /* powers of two */
    }
    assert_int_equal(total, vg_kll_n(k));
    assert_true(fabs((double)below / (double)total - 0.5) <= vg_kll_rank_error(50));
    assert_int_equal(vg_kll_items(k, v, w, 3), 3);
    free(v);
    free(w);
    vg_kll_free(k);

    vg_freq *f = vg_freq_new(16);
    const char *words[] = {"a", "bb", "a", "ccc", "a", "bb"};
    for (size_t i = 0; i < 6; i++)
        assert_int_equal(vg_freq_update(f, vg_hash_bytes(words[i], strlen(words[i])), words[i],
                                        strlen(words[i]), 1),
                         VG_OK);
    vg_freq_item it[8];
    uint64_t h[8];
    assert_int_equal(vg_freq_items(f, it, h, 8), 3);
    for (size_t i = 0; i < 3; i++) {
        assert_int_equal(h[i], vg_hash_bytes(it[i].value, it[i].len));
        uint64_t want = it[i].len == 1 ? 3 : it[i].len == 2 ? 2 : 1;
        assert_int_equal(it[i].count, want);
    }
    assert_int_equal(vg_freq_items(f, NULL, h, 2), 2);
    vg_freq_free(f);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hll_accuracy),
        cmocka_unit_test(test_hll_standard_error),
        cmocka_unit_test(test_hll_merge_serialize),
        cmocka_unit_test(test_hll_batch),
        cmocka_unit_test(test_freq_count_numbers),
        cmocka_unit_test(test_hash_bytes),
        cmocka_unit_test(test_moments_edge_of_range),
        cmocka_unit_test(test_freq_bounds),
        cmocka_unit_test(test_freq_exact_merge_serialize),
        cmocka_unit_test(test_moments),
        cmocka_unit_test(test_accessors),
    };
    return cmocka_run_group_tests_name("sketches", tests, NULL, NULL);
}
