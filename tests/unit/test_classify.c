/*
 * Number classification against an independent oracle (classify_oracle.h: a syntax model
 * plus strtod_l): the kind and the value to the bit, for random decimals of every shape,
 * 17-digit printings of random doubles, decimals exactly halfway between two doubles and
 * their neighbours, and hand-picked edges. Both builds of src/profile/classify.c are
 * checked: the one in libvigia (on x86-64 its x87 and eight-digit paths) and the portable
 * one every other platform gets, compiled into this test with VG_CLASSIFY_PORTABLE.
 */
#include "testutil.h"

#include <float.h>

#include "classify_oracle.h"

vg_kind vg_classify_portable(const char *s, size_t len, double *num);
#define VG_CLASSIFY_PORTABLE 1
#define vg_classify vg_classify_portable
#include "../../src/profile/classify.c"
#undef vg_classify

static long n_checked;

/* Checks one text with both builds: a number must match the oracle's kind and value to the
 * bit; a non-number must not be one to the oracle, and if `plain` (no letters in the text)
 * must be VG_KIND_STRING, or VG_KIND_MISSING when empty. */
static void check_text(const char *s, size_t len, int plain) {
    double want = 0;
    vg_kind wk = oracle_number(s, len, &want);
    for (int build = 0; build < 2; build++) {
        double got = -12345.0;
        vg_kind k = build ? vg_classify_portable(s, len, &got) : vg_classify(s, len, &got);
        const char *name = build ? "portable" : "libvigia";
        if (wk != VG_KIND_STRING) {
            if (k != wk || !same_bits(got, want))
                fail_msg("%s '%.*s': kind %d value %.17g (%a), expected kind %d value %.17g (%a)",
                         name, (int)len, s, k, got, got, wk, want, want);
        } else if (k == VG_KIND_INTEGER || k == VG_KIND_FRACTIONAL) {
            fail_msg("%s '%.*s': kind %d, not a number to the oracle", name, (int)len, s, k);
        } else if (plain && k != (len ? VG_KIND_STRING : VG_KIND_MISSING)) {
            fail_msg("%s '%.*s': kind %d", name, (int)len, s, k);
        }
    }
    n_checked++;
}

static void check_str(const char *s) {
    check_text(s, strlen(s), 0);
}

static void rand_digits(uint64_t *seed, char *out, int n) {
    for (int i = 0; i < n; i++)
        out[i] = (char)('0' + t_rand(seed) % 10);
}

/* Writes the decimal mant * 10^exp10 in a random spelling: a random sign (when `sign`), the
 * decimal point at a random place with the exponent that compensates (or none when it is
 * zero, or all digits before the point with no exponent at all), sometimes leading zeros or
 * trailing fraction zeros, which change the digit count but not the value. */
static int spell(uint64_t *seed, char *buf, size_t cap, int neg, uint64_t mant, int exp10) {
    char digits[32];
    int nd = snprintf(digits, sizeof digits, "%llu", (unsigned long long)mant);
    int q = (int)(t_rand(seed) % (uint64_t)(nd + 1)); /* digits before the point */
    int e = exp10 + nd - q;
    uint64_t r = t_rand(seed);
    int lead = r % 8 == 0 ? (int)(r >> 8) % 4 : 0, trail = r % 16 == 1 ? (int)(r >> 12) % 6 : 0;
    int len = snprintf(buf, cap, "%s%.*s%.*s%s%.*s%.*s", neg ? "-" : "", lead, "000", q, digits,
                       (q < nd || trail || e != 0) ? "." : "", nd - q, digits + q, trail, "00000");
    if (e != 0 || (r >> 20) % 4 == 0)
        len += snprintf(buf + len, cap - (size_t)len, "%c%s%d", (r >> 22) % 2 ? 'e' : 'E',
                        e >= 0 && (r >> 23) % 2 ? "+" : "", e);
    return len;
}

static void test_classify_edges(void **state) {
    (void)state;
    static const char *const edges[] = {"0",
                                        "-0",
                                        "+0",
                                        "-0.0",
                                        "0.000",
                                        "-.0",
                                        "0e5",
                                        "-0e-400",
                                        "00000000000000000000000",
                                        "1",
                                        "1.",
                                        ".5",
                                        "-.5",
                                        "+.5",
                                        "5.",
                                        "-5.",
                                        "007",
                                        "-007.50",
                                        "0.1",
                                        "0.2",
                                        "0.3",
                                        "9007199254740992",
                                        "9007199254740993",
                                        "9007199254740994",
                                        "9007199254740995",
                                        "18014398509481985",
                                        "18014398509481986",
                                        "18014398509481987",
                                        "9999999999999999",
                                        "99999999999999999",
                                        "999999999999999999",
                                        "9999999999999999999",
                                        "18446744073709551615",
                                        "18446744073709551616",
                                        "99999999999999999999",
                                        "1234567890123456.7",
                                        "123456789012345.67",
                                        "0.12345678901234567",
                                        "-0.00077369743820566333",
                                        "0.30000000000000004",
                                        "1e22",
                                        "1e23",
                                        "9e22",
                                        "1e27",
                                        "1e28",
                                        "8.5e26",
                                        "12345678901234567e-27",
                                        "12345678901234567e-28",
                                        "1e-22",
                                        "1e-23",
                                        "1e400",
                                        "-1e400",
                                        "1e-400",
                                        "1e308",
                                        "1.7976931348623157e308",
                                        "1.7976931348623158e308",
                                        "1.7976931348623159e308",
                                        "2.2250738585072011e-308",
                                        "2.2250738585072012e-308",
                                        "2.2250738585072014e-308",
                                        "4.9406564584124654e-324",
                                        "2.4703282292062327e-324",
                                        "2.4703282292062328e-324",
                                        "1e-324",
                                        "1e99999999999",
                                        "1e-99999999999",
                                        "0e99999999999",
                                        "inf",
                                        "-inf",
                                        "+INF",
                                        "Infinity",
                                        "-infinity",
                                        "infinit",
                                        "infx",
                                        " inf",
                                        "inf ",
                                        "-Inf\t",
                                        "-",
                                        "+",
                                        ".",
                                        "-.",
                                        "e5",
                                        ".e5",
                                        "1e",
                                        "1e+",
                                        "1e-",
                                        "1ee5",
                                        "1.2.3",
                                        "--1",
                                        "+-1",
                                        "1-",
                                        "1+1",
                                        " 12 ",
                                        "\t-3.5\t",
                                        " ",
                                        "  ",
                                        "",
                                        "1 2",
                                        "0x10",
                                        "1,5",
                                        "1_000",
                                        "12abc",
                                        "NaN",
                                        "nan",
                                        "-nan",
                                        "NA",
                                        "true",
                                        "FALSE",
                                        " true",
                                        "1.#IND",
                                        "-1.#QNAN",
                                        "#N/A",
                                        "<NA>",
                                        "null",
                                        "None",
                                        "12345678.",
                                        "1234567.8",
                                        "123456781234567.8",
                                        "1234567812345678",
                                        "12345678123456789",
                                        "1234567.812345678",
                                        "-1234567812345678",
                                        "-1234567812345678.",
                                        ".1234567812345678",
                                        ".123456781234567",
                                        "-.123456781234567",
                                        "000000000000000.1",
                                        "0000000000000000.1",
                                        "12345678e5",
                                        "1.5E-3",
                                        "\xff\xfe\xfa",
                                        "1\xfa",
                                        "12345678\xfa",
                                        "1234567\xfa\x31",
                                        "1.2345678\xfa",
                                        "123456789012345.\xfa"};
    for (size_t i = 0; i < sizeof edges / sizeof *edges; i++)
        check_str(edges[i]);
    /* texts with a NUL inside */
    check_text("1\0002", 3, 0);
    check_text("12345678\0", 9, 0);
    check_text("1234567\0", 8, 0);
    check_text("123\0.5", 6, 0);
    check_text("1.23456\0", 8, 0);
    /* kinds the oracle does not model */
    double x;
    assert_int_equal(vg_classify("NA", 2, &x), VG_KIND_MISSING);
    assert_int_equal(vg_classify("", 0, &x), VG_KIND_MISSING);
    assert_int_equal(vg_classify("tRuE", 4, &x), VG_KIND_BOOLEAN);
    assert_int_equal(vg_classify("-nan", 4, &x), VG_KIND_MISSING);
    /* cells starting with a letter: only i (inf), n/N (markers), t and f (booleans) can be
     * anything but strings */
    static const struct {
        const char *s;
        vg_kind kind;
    } words[] = {
        {"mobile", VG_KIND_STRING},       {"tablet", VG_KIND_STRING}, {"Nope", VG_KIND_STRING},
        {"e5", VG_KIND_STRING},           {"E", VG_KIND_STRING},      {"zz 1", VG_KIND_STRING},
        {"fAlSe", VG_KIND_BOOLEAN},       {"True", VG_KIND_BOOLEAN},  {"n/a", VG_KIND_MISSING},
        {"NULL", VG_KIND_MISSING},        {"N/A", VG_KIND_MISSING},   {"INF", VG_KIND_FRACTIONAL},
        {"iNfInItY", VG_KIND_FRACTIONAL}, {"info", VG_KIND_STRING}};
    for (size_t i = 0; i < sizeof words / sizeof *words; i++) {
        for (int build = 0; build < 2; build++) {
            vg_kind k = build ? vg_classify_portable(words[i].s, strlen(words[i].s), &x)
                              : vg_classify(words[i].s, strlen(words[i].s), &x);
            if (k != words[i].kind)
                fail_msg("'%s': kind %d, expected %d", words[i].s, k, words[i].kind);
        }
        check_str(words[i].s);
    }
    /* every length from 1 to 40 of a few digit patterns, with and without a point */
    for (int n = 1; n <= 40; n++) {
        for (int dot = -1; dot <= n; dot++) {
            char buf[64];
            for (int pat = 0; pat < 4; pat++) {
                int len = 0;
                for (int i = 0; i < n; i++) {
                    if (i == dot)
                        buf[len++] = '.';
                    buf[len++] = (char)('0' + (pat == 0   ? 9
                                               : pat == 1 ? (i == n - 1)
                                               : pat == 2 ? (i + 1) % 10
                                                          : (i == 0) * 7));
                }
                if (dot == n)
                    buf[len++] = '.';
                check_text(buf, (size_t)len, 1);
                memmove(buf + 1, buf, (size_t)len);
                buf[0] = '-';
                check_text(buf, (size_t)len + 1, 1);
            }
        }
    }
}

/* Random decimals: 1 to 25 random digits, the point anywhere, exponents from the subnormal
 * to the overflow range, and random short texts over the same alphabet plus spaces. */
static void test_classify_random(void **state) {
    (void)state;
    uint64_t seed = 20261204;
    char buf[128];
    for (int i = 0; i < 150000; i++) {
        uint64_t r = t_rand(&seed);
        int nd = 1 + (int)(r % 25), len = 0;
        if (r >> 8 & 1)
            buf[len++] = (r >> 9 & 1) ? '-' : '+';
        char digits[32];
        rand_digits(&seed, digits, nd);
        if ((r >> 10) % 4 == 0) /* runs of zeros, as in 0.000123 or 1000 */
            for (int j = (int)((r >> 12) % (uint64_t)nd); j < nd && j < (int)((r >> 17) % 26); j++)
                digits[j] = '0';
        int point = (r >> 22) % 3 == 0 ? -1 : (int)((r >> 24) % (uint64_t)(nd + 1));
        for (int j = 0; j < nd; j++) {
            if (j == point)
                buf[len++] = '.';
            buf[len++] = digits[j];
        }
        if (point == nd)
            buf[len++] = '.';
        uint64_t x = t_rand(&seed);
        if (x % 3 == 0) {
            int e;
            switch ((x >> 2) % 4) {
            case 0: e = (int)((x >> 8) % 60) - 30; break;
            case 1: e = (int)((x >> 8) % 700) - 350; break;
            case 2: e = -300 - (int)((x >> 8) % 60); break;
            default: e = 280 + (int)((x >> 8) % 60); break;
            }
            len += snprintf(buf + len, sizeof buf - (size_t)len, "%c%s%d", x >> 20 & 1 ? 'e' : 'E',
                            e >= 0 && x >> 21 & 1 ? "+" : "", e);
        }
        check_text(buf, (size_t)len, 1);
    }
    static const char alphabet[] = "0123456789000...--++eE  \t";
    for (int i = 0; i < 100000; i++) {
        int len = (int)(t_rand(&seed) % 12);
        for (int j = 0; j < len; j++)
            buf[j] = alphabet[t_rand(&seed) % (sizeof alphabet - 1)];
        check_text(buf, (size_t)len, 1);
    }
}

/* Every double printed with 17 significant digits reads back as itself; shorter printings
 * and fixed notation land between doubles. */
static void test_classify_printed(void **state) {
    (void)state;
    uint64_t seed = 17;
    char buf[400];
    for (int i = 0; i < 100000; i++) {
        uint64_t bits = t_rand(&seed);
        if (i % 2) /* magnitudes near 1, where most data lives */
            bits = (bits & 0x800fffffffffffffULL) | (uint64_t)(1023 - 40 + t_rand(&seed) % 80)
                                                        << 52;
        double d;
        memcpy(&d, &bits, sizeof d);
        if (!isfinite(d))
            continue;
        int len = snprintf(buf, sizeof buf, "%.17g", d);
        check_text(buf, (size_t)len, 1);
        double back = -1;
        vg_classify(buf, (size_t)len, &back);
        if (!same_bits(back, d))
            fail_msg("'%s' reads as %a, not %a", buf, back, d);
        len = snprintf(buf, sizeof buf, "%.*e", (int)(t_rand(&seed) % 19), d);
        check_text(buf, (size_t)len, 1);
        if (fabs(d) < 1e15 && fabs(d) > 1e-10) {
            len = snprintf(buf, sizeof buf, "%.*f", (int)(t_rand(&seed) % 22), d);
            check_text(buf, (size_t)len, 1);
        }
    }
}

/* Decimals exactly halfway between two adjacent doubles (where ties-to-even decides and a
 * doubly rounded result goes wrong), and their neighbours one unit in the last digit away:
 *  - N * 2^s with N odd of 54 bits and N * 2^s < 2^64: integers, all digits written out;
 *  - N * 2^s where 5^k divides N: the 54-bit midpoint written as (N / 5^k * 2^(s-k)) e k,
 *    so the mantissa has few digits and the exponent goes up to 27 (the x87 multiply);
 *  - N / 2^t for t <= 3: written as N * 5^t e -t (the x87 divide). */
static void test_classify_halfway(void **state) {
    (void)state;
    uint64_t seed = 5;
    char buf[128];
    for (int i = 0; i < 60000; i++) {
        uint64_t n = (t_rand(&seed) >> 10) | (1ULL << 53) | 1; /* odd, 54 bits */
        uint64_t mant;
        int exp10;
        switch (i % 3) {
        case 0:
            mant = n << (t_rand(&seed) % 11); /* < 2^64 */
            exp10 = 0;
            break;
        case 1: {
            int k = 1 + (int)(t_rand(&seed) % 22);
            uint64_t p5 = 1;
            for (int j = 0; j < k; j++)
                p5 *= 5;
            uint64_t lo = ((1ULL << 53) + p5 - 1) / p5, hi = (1ULL << 54) / p5;
            uint64_t r = lo + t_rand(&seed) % (hi - lo);
            r |= 1;
            if (r * p5 >= (1ULL << 54))
                r -= 2;
            /* r * 5^k * 2^s = (r * 2^(s-k)) * 10^k; s - k bits of headroom below 10^19 */
            int shift = 0;
            while (shift < 10 && (r << (shift + 1)) < 1000000000000000000ULL && t_rand(&seed) % 2)
                shift++;
            mant = r << shift;
            exp10 = k;
            break;
        }
        default: {
            int t = 1 + (int)(t_rand(&seed) % 3);
            uint64_t p5 = t == 1 ? 5 : t == 2 ? 25 : 125;
            mant = n * p5;
            exp10 = -t;
            break;
        }
        }
        int neg = (int)(t_rand(&seed) % 2);
        for (int delta = -1; delta <= 1; delta++) {
            int len = spell(&seed, buf, sizeof buf, neg, mant + (uint64_t)delta, exp10);
            check_text(buf, (size_t)len, 1);
        }
    }
}

/* Decimals of 17 to 19 digits nearest to a midpoint between two doubles, and their
 * neighbours: the midpoint is exact in a 64-bit long double, so printing it rounds once to
 * the decimal. These sit within a few units of 10^-19 of the tie, where an extended-precision
 * intermediate lands on the tie itself about once in ten and only the exact rule (strtod's)
 * knows the side. */
static void test_classify_near_halfway(void **state) {
    (void)state;
#if LDBL_MANT_DIG >= 64
    uint64_t seed = 99;
    char buf[128];
    for (int i = 0; i < 40000; i++) {
        uint64_t bits = (t_rand(&seed) & 0x000fffffffffffffULL) |
                        (uint64_t)(1023 - 30 + t_rand(&seed) % 180) << 52;
        double d;
        memcpy(&d, &bits, sizeof d);
        long double mid = (long double)d + ((long double)nextafter(d, INFINITY) - d) / 2;
        int digits = 17 + (int)(t_rand(&seed) % 3);
        snprintf(buf, sizeof buf, "%.*Le", digits - 1, mid);
        /* d.ddd...e+X -> mantissa digits and exponent */
        uint64_t mant = 0;
        const char *q = buf;
        for (; *q != 'e'; q++)
            if (*q != '.')
                mant = mant * 10 + (uint64_t)(*q - '0');
        int exp10 = atoi(q + 1) - (digits - 1);
        int neg = (int)(t_rand(&seed) % 2);
        for (int delta = -2; delta <= 2; delta++) {
            int len = spell(&seed, buf, sizeof buf, neg, mant + (uint64_t)delta, exp10);
            check_text(buf, (size_t)len, 1);
        }
    }
#endif
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_classify_edges),        cmocka_unit_test(test_classify_random),
        cmocka_unit_test(test_classify_printed),      cmocka_unit_test(test_classify_halfway),
        cmocka_unit_test(test_classify_near_halfway),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    printf("classify: %ld texts checked against the oracle with both builds\n", n_checked);
    return rc;
}
