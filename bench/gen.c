/*
 * Copyright 2026 The vigia authors
 * SPDX-License-Identifier: Apache-2.0
 *
 * gen: writes the deterministic CSV that bench/profile feeds to `vigia profile`.
 *
 *     gen [-o FILE] [--seed S] [ROWS]     ROWS data rows (default 1000000)
 *     gen [-o FILE] [--seed S] --bytes B  rows until the file holds at least B bytes
 *
 * A header and 20 columns shaped like a typical model-input table: 16 numeric (normal floats
 * with 6 decimals as pandas' to_csv(float_format="%.6f") writes them, one at full double
 * precision, integers, lognormal and exponential values, two columns with missing values)
 * and 4 categorical (5 to 50 categories, skewed frequencies, one with empty values).
 *
 * The PRNG is xoshiro256** seeded through splitmix64, so the same arguments give the same
 * bytes on every run. Fixed-decimal numbers are formatted by hand (round(x * 10^d), then
 * integer digits) because printf would make generating the 1 GB file take most of a minute.
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- PRNG ---------------------------------------------------------------------------- */

static uint64_t rng_s[4];

static uint64_t splitmix64(uint64_t *x) {
    uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static uint64_t rotl(uint64_t x, int k) {
    return (x << k) | (x >> (64 - k));
}

static uint64_t next_u64(void) {
    uint64_t result = rotl(rng_s[1] * 5, 7) * 9;
    uint64_t t = rng_s[1] << 17;
    rng_s[2] ^= rng_s[0];
    rng_s[3] ^= rng_s[1];
    rng_s[1] ^= rng_s[2];
    rng_s[0] ^= rng_s[3];
    rng_s[2] ^= t;
    rng_s[3] = rotl(rng_s[3], 45);
    return result;
}

static void seed_rng(uint64_t seed) {
    for (int i = 0; i < 4; i++)
        rng_s[i] = splitmix64(&seed);
}

/* Uniform in [0, 1). */
static double uniform(void) {
    return (double)(next_u64() >> 11) * 0x1.0p-53;
}

/* Uniform integer in [0, n). */
static uint64_t below(uint64_t n) {
    return next_u64() % n;
}

/* Standard normal, Box-Muller (second value cached). */
static double normal(void) {
    static int have;
    static double spare;
    if (have) {
        have = 0;
        return spare;
    }
    double u = uniform(), v = uniform();
    double r = sqrt(-2.0 * log(1.0 - u)), a = 2.0 * 3.14159265358979323846 * v;
    spare = r * sin(a);
    have = 1;
    return r * cos(a);
}

/* ---- output -------------------------------------------------------------------------- */

#define OUT_CAP (1u << 20)
static char out_buf[OUT_CAP + 4096];
static size_t out_len;
static FILE *out_fp;
static uint64_t out_total;

static void flush_out(void) {
    if (out_len && fwrite(out_buf, 1, out_len, out_fp) != out_len) {
        fprintf(stderr, "gen: write error: %s\n", strerror(errno));
        exit(1);
    }
    out_total += out_len;
    out_len = 0;
}

static void put_str(const char *s) {
    size_t n = strlen(s);
    memcpy(out_buf + out_len, s, n);
    out_len += n;
}

static void put_char(char c) {
    out_buf[out_len++] = c;
}

static void put_u64(uint64_t v) {
    char tmp[24];
    int n = 0;
    do {
        tmp[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    while (n)
        out_buf[out_len++] = tmp[--n];
}

static void put_i64(int64_t v) {
    if (v < 0) {
        put_char('-');
        put_u64((uint64_t)0 - (uint64_t)v);
    } else {
        put_u64((uint64_t)v);
    }
}

/* x with exactly `dec` decimals (|x| < 9e12 / 10^dec), e.g. -0.041290 for dec 6. */
static void put_fixed(double x, int dec) {
    static const double scale[] = {1, 10, 100, 1e3, 1e4, 1e5, 1e6};
    static const uint64_t iscale[] = {1, 10, 100, 1000, 10000, 100000, 1000000};
    int64_t q = llround(x * scale[dec]);
    if (q < 0) {
        put_char('-');
        q = -q;
    }
    uint64_t u = (uint64_t)q;
    put_u64(u / iscale[dec]);
    if (dec > 0) {
        put_char('.');
        uint64_t f = u % iscale[dec];
        for (int i = dec - 1; i >= 0; i--) {
            out_buf[out_len + (size_t)i] = (char)('0' + f % 10);
            f /= 10;
        }
        out_len += (size_t)dec;
    }
}

/* Full double precision, as pandas' default to_csv writes an arbitrary float64. */
static void put_g17(double x) {
    out_len += (size_t)snprintf(out_buf + out_len, 32, "%.17g", x);
}

/* ---- table --------------------------------------------------------------------------- */

static const char *const header =
    "f_normal,f_income_z,f_uniform,f_lognormal,f_price,f_full,f_exp,f_score,f_missing,"
    "f_temp,i_id,i_age,i_count,i_flag,i_delta,i_big,"
    "c_device,c_country,c_segment,c_channel\n";

static const char *const devices[] = {"mobile", "desktop", "tablet", "tv", "other"};
static const double device_cum[] = {0.55, 0.85, 0.95, 0.99, 1.0};

static const char *const countries[] = {"US", "GB", "DE", "FR", "ES", "IT", "NL", "BR", "MX", "AR",
                                        "IN", "JP", "KR", "CN", "AU", "CA", "PT", "PL", "SE", "ZA"};

static const char *const channels[] = {"organic",  "paid_search", "social",    "email",
                                       "referral", "display",     "affiliate", "direct"};

static void put_row(uint64_t row) {
    /* 16 numeric columns */
    put_fixed(normal(), 6); /* f_normal: N(0, 1) */
    put_char(',');
    put_fixed(50000.0 + 12000.0 * normal(), 6); /* f_income_z: N(50000, 12000) */
    put_char(',');
    put_fixed(uniform(), 6); /* f_uniform: U(0, 1) */
    put_char(',');
    put_fixed(exp(normal()), 6); /* f_lognormal: exp N(0, 1) */
    put_char(',');
    put_fixed(exp(3.0 + 0.8 * normal()), 2); /* f_price: lognormal, cents */
    put_char(',');
    put_g17(normal() * 0.001); /* f_full: %.17g, often 1e-04 */
    put_char(',');
    put_fixed(-log(1.0 - uniform()) * 2.5, 6); /* f_exp: exponential, mean 2.5 */
    put_char(',');
    put_fixed((uniform() + uniform() + uniform()) / 3, 6); /* f_score: in [0, 1], peaked */
    put_char(',');
    if (uniform() >= 0.10) /* f_missing: 10% empty */
        put_fixed(10.0 + 3.0 * normal(), 6);
    put_char(',');
    if (uniform() >= 0.01) /* f_temp: 1% "NaN" */
        put_fixed(20.0 + 8.0 * normal(), 1);
    else
        put_str("NaN");
    put_char(',');
    put_u64(row); /* i_id: 0, 1, 2, ... */
    put_char(',');
    put_u64(18 + below(73)); /* i_age: 18..90 */
    put_char(',');
    put_u64((uint64_t)floor(-log(1.0 - uniform()) * 40)); /* i_count: geometric-ish */
    put_char(',');
    put_u64(uniform() < 0.3); /* i_flag: 0/1 */
    put_char(',');
    put_i64((int64_t)below(1001) - 500); /* i_delta: -500..500 */
    put_char(',');
    put_u64(next_u64() >> 34); /* i_big: 0..2^30 */
    put_char(',');
    /* 4 categorical columns */
    double u = uniform();
    int d = 0;
    while (u >= device_cum[d])
        d++;
    put_str(devices[d]); /* c_device: 5, skewed */
    put_char(',');
    put_str(countries[below(20)]); /* c_country: 20, uniform */
    put_char(',');
    double z = uniform(); /* c_segment: 50, ~zipf */
    unsigned seg = (unsigned)(50.0 * z * z * z);
    put_str("seg_");
    put_char((char)('0' + seg / 10));
    put_char((char)('0' + seg % 10));
    put_char(',');
    if (uniform() >= 0.05) /* c_channel: 8, 5% empty */
        put_str(channels[below(8)]);
    put_char('\n');
}

/* ---- main ---------------------------------------------------------------------------- */

static void usage(FILE *fp) {
    fputs("usage: gen [-o FILE] [--seed S] [ROWS | --bytes B]\n"
          "  ROWS       data rows to write (default 1000000)\n"
          "  --bytes B  write rows until the file holds at least B bytes\n"
          "  -o FILE    write to FILE instead of standard output\n"
          "  --seed S   PRNG seed (default 20261125)\n",
          fp);
}

static int parse_u64(const char *s, uint64_t *out) {
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || end == s || *end || s[0] == '-')
        return -1;
    *out = (uint64_t)v;
    return 0;
}

int main(int argc, char **argv) {
    uint64_t rows = 1000000, bytes = 0, seed = 20261125;
    const char *path = NULL;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            usage(stdout);
            return 0;
        } else if ((!strcmp(a, "-o") || !strcmp(a, "--output")) && i + 1 < argc) {
            path = argv[++i];
        } else if (!strcmp(a, "--bytes") && i + 1 < argc) {
            if (parse_u64(argv[++i], &bytes) || bytes == 0) {
                fprintf(stderr, "gen: --bytes: '%s' is not a positive integer\n", argv[i]);
                return 2;
            }
        } else if (!strcmp(a, "--seed") && i + 1 < argc) {
            if (parse_u64(argv[++i], &seed)) {
                fprintf(stderr, "gen: --seed: '%s' is not an integer\n", argv[i]);
                return 2;
            }
        } else if (a[0] != '-' && !parse_u64(a, &rows)) {
            /* ROWS */
        } else {
            usage(stderr);
            return 2;
        }
    }
    out_fp = stdout;
    if (path && !(out_fp = fopen(path, "wb"))) {
        fprintf(stderr, "gen: %s: %s\n", path, strerror(errno));
        return 1;
    }
    seed_rng(seed);
    put_str(header);
    for (uint64_t r = 0; bytes ? out_total + out_len < bytes : r < rows; r++) {
        put_row(r);
        if (out_len >= OUT_CAP)
            flush_out();
    }
    flush_out();
    if (fflush(out_fp) != 0 || (path && fclose(out_fp) != 0)) {
        fprintf(stderr, "gen: write error: %s\n", strerror(errno));
        return 1;
    }
    return 0;
}
