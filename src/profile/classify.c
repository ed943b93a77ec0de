/*
 * Cell classification: missing, boolean, integer, fractional or string, plus the number.
 *
 * This runs once per cell and dominates profiling time on numeric data, so numbers are
 * parsed here rather than by strtod, in three tiers that accept exactly the same texts:
 *  - vg_classify's fast path (parse_short): a cell of at most 16 bytes after the sign, read
 *    as two 64-bit words whose digit bytes are checked and converted eight at a time (SWAR),
 *    the dot cut out; the usual numeric cell takes no call and no per-byte loop. Cells of 17
 *    to 24 bytes (parse_long) get the same over three words;
 *  - parse_number: [sign] digits [. digits] of any length with at most 19 significant
 *    digits, scanned eight bytes at a time;
 *  - parse_general, the original byte-at-a-time scanner, which defines the syntax and takes
 *    the rest (exponents, more digits, inf, malformed text).
 * The value then comes from Clinger's exact one-operation path when the mantissa fits 53 bits
 * and 10^|exp10| is exact ("How to read floating point numbers accurately", 1990), else
 * from one x87 extended-precision operation whose double rounding is provably harmless
 * unless the result sits on a halfway pattern (see to_double), else from strtod. So every
 * value is exactly what strtod_l returns in the C locale.
 *
 * The rules follow pandas.read_csv defaults so that profiles agree with what users see in
 * pandas: its default missing markers, case-insensitive true/false, surrounding spaces
 * ignored around numbers. Unlike pandas, integers beyond 64 bits and decimals that overflow
 * (1e400 -> inf) still count as numbers (pandas turns the whole column into strings).
 *
 * Defining VG_CLASSIFY_PORTABLE before compiling this file turns off the x87 path and the
 * eight-bytes-at-a-time reading (parse_short and scan_digits' word loop), leaving the plain C
 * code that big-endian and non-x86 platforms get; the unit test and the fuzz target compile
 * the file that way as well, so both variants are checked on x86-64.
 */
#include <ctype.h>
#include <float.h>
#include <math.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../base/clocale.h"
#include "vigia/profile.h"

/* x87 only where the psABI promises extended precision control (the System V x86-64 ABI;
 * Windows sets the x87 to 53 bits) and long double is the 64-bit-significand format. */
#if !defined(VG_CLASSIFY_PORTABLE) && defined(__x86_64__) && !defined(_WIN32) && LDBL_MANT_DIG == 64
#define VG_CLASSIFY_X87 1
#endif
#if !defined(VG_CLASSIFY_PORTABLE) && defined(__BYTE_ORDER__) &&                                   \
    __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define VG_CLASSIFY_SWAR 1
#endif

/* Keeps the rare paths out of vg_classify, whose fast path then makes no calls. */
#if defined(__GNUC__)
#define VG_NOINLINE __attribute__((noinline))
#else
#define VG_NOINLINE
#endif

static const double pow10_exact[23] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                       1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                       1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
/* pandas' STR_NA_VALUES (pandas 1.5) */
static const char *const na_tokens[] = {
    "#N/A", "#N/A N/A", "#NA", "-1.#IND", "-1.#QNAN", "-NaN", "-nan", "1.#IND", "1.#QNAN",
    "<NA>", "N/A",      "NA",  "NULL",    "NaN",      "n/a",  "nan",  "null"};

static int is_na(const char *s, size_t len) {
    if (len == 0)
        return 1;
    /* Every marker starts with one of these and is at most 8 bytes: most strings are
     * rejected by the first test without touching the table. */
    unsigned char c = (unsigned char)s[0];
    if (len > 8 || !(c == '#' || c == '-' || c == '1' || c == '<' || c == 'N' || c == 'n'))
        return 0;
    for (size_t i = 0; i < sizeof na_tokens / sizeof *na_tokens; i++)
        if (na_tokens[i][0] == s[0] && strlen(na_tokens[i]) == len &&
            memcmp(na_tokens[i], s, len) == 0)
            return 1;
    return 0;
}

static int eq_nocase(const char *s, size_t len, const char *word) {
    size_t n = strlen(word);
    if (len != n)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (tolower((unsigned char)s[i]) != word[i])
            return 0;
    return 1;
}

/* Slow path: strtod on a NUL-terminated copy. Only called on text that passed the syntax
 * check, so strtod consumes all of it. */
static double slow_parse(const char *s, size_t len) {
    char stack[128];
    char *buf = len < sizeof stack ? stack : malloc(len + 1);
    if (!buf)
        return NAN;
    memcpy(buf, s, len);
    buf[len] = '\0';
    locale_t c = vg_c_locale();
    double v = c ? strtod_l(buf, NULL, c) : strtod(buf, NULL);
    if (buf != stack)
        free(buf);
    return v;
}

#ifdef VG_CLASSIFY_X87
/* Whether x87 arithmetic really carries 64 significant bits here: 2^63 + 1 is exact only
 * then. Checked once (a race only stores the same answer twice) because the psABI promise can
 * be broken underneath us: valgrind, for one, emulates the x87 with 53-bit doubles. */
static int x87_extended(void) {
    static _Atomic int state; /* 0 unknown, 1 yes, 2 no */
    int st = atomic_load_explicit(&state, memory_order_relaxed);
    if (st == 0) {
        volatile long double big = 9223372036854775808.0L, one = 1.0L;
        long double sum = big + one;
        st = sum - big == 1.0L ? 1 : 2;
        atomic_store_explicit(&state, st, memory_order_relaxed);
    }
    return st == 1;
}

/* 10^k for k <= 27 is 5^k * 2^k with 5^27 < 2^63, so each is exact in the 64-bit significand
 * (the literals convert exactly). */
static const long double pow10_ld[28] = {1e0L,  1e1L,  1e2L,  1e3L,  1e4L,  1e5L,  1e6L,
                                         1e7L,  1e8L,  1e9L,  1e10L, 1e11L, 1e12L, 1e13L,
                                         1e14L, 1e15L, 1e16L, 1e17L, 1e18L, 1e19L, 1e20L,
                                         1e21L, 1e22L, 1e23L, 1e24L, 1e25L, 1e26L, 1e27L};
#endif

/* The double nearest to (-1)^neg * mant * 10^exp10, ties to even, where mant holds every
 * significant digit of the text s[0..len) (which strtod reads when no fast path applies).
 *
 * Why the x87 path is correctly rounded. Let x = mant * 10^|exp10| or mant / 10^|exp10|, with
 * 1 <= mant < 2^64 and |exp10| <= 27: both operands are exact 64-bit-significand values, and
 * x87 arithmetic (precision control "extended", which the x86-64 psABI makes the initial and
 * callee-preserved setting, and x87_extended checks) returns r = round64(x), x rounded once to 64
 * significant bits. 1e-27 <= x < 2^64 * 1e27 < 2^154, far inside the normal range of both long
 * double and double, so no subnormal or overflow case arises. Every double and every midpoint
 * between two adjacent doubles has at most 54 significant bits, so it is a point of the 64-bit
 * grid. Let m1 < m2 be the adjacent double midpoints around x (m1 <= x < m2; at a power of two the
 * grid spacing changes but both midpoints are still 64-bit grid points). round64 is monotone
 * and fixes grid points, so m1 <= r <= m2. If m1 < r < m2, the double nearest to r is the one
 * double strictly between m1 and m2, which is also the double nearest to x (x is in [m1, m2)
 * and x != m2; x == m1 forces r == m1). So rounding r to double (one more round-to-nearest)
 * gives round53(x) unless r is itself a midpoint, i.e. unless its 11 bits below the double's
 * 53 are exactly 10000000000b. That pattern, hit by about 1 in 2048 inputs, goes to strtod,
 * which settles the exact tie or near-tie. */
static double to_double(uint64_t mant, int exp10, int neg, const char *s, size_t len) {
    if (mant == 0)
        return neg ? -0.0 : 0.0;
    if (mant <= (1ULL << 53) && exp10 >= -22 && exp10 <= 22) {
        double v = (double)mant;
        v = exp10 < 0 ? v / pow10_exact[-exp10] : v * pow10_exact[exp10];
        return neg ? -v : v;
    }
#ifdef VG_CLASSIFY_X87
    if (exp10 >= -27 && exp10 <= 27 && x87_extended()) {
        long double x = (long double)mant;
        x = exp10 < 0 ? x / pow10_ld[-exp10] : x * pow10_ld[exp10];
        uint64_t sig; /* the x87 format keeps the 64-bit significand in its first 8 bytes */
        memcpy(&sig, &x, sizeof sig);
        if ((sig & 0x7ff) != 0x400) {
            double v = (double)x;
            return neg ? -v : v;
        }
    }
#endif
    return slow_parse(s, len);
}

/* Consumes decimal digits from s[i]: up to 19 significant ones accumulate into *mant (which
 * cannot overflow 64 bits), the rest are counted in *dropped; *appended counts the digits that
 * went into *mant, leading zeros included. Returns the index after the run. */
static size_t digit_run(const char *s, size_t len, size_t i, uint64_t *mant, int *digits,
                        int *appended, int *dropped) {
    *appended = *dropped = 0;
    for (; i < len && (unsigned)(s[i] - '0') < 10; i++) {
        if (*digits < 19) {
            *mant = *mant * 10 + (unsigned)(s[i] - '0');
            if (*mant)
                (*digits)++;
            (*appended)++;
        } else {
            (*dropped)++;
        }
    }
    return i;
}

/* Parses a decimal number occupying exactly s[0..len): the reference syntax for every shape.
 * Returns VG_KIND_INTEGER, VG_KIND_FRACTIONAL or VG_KIND_STRING (not a number). */
static vg_kind parse_general(const char *s, size_t len, double *out) {
    size_t i = 0;
    int neg = 0;
    if (s[0] == '-' || s[0] == '+') {
        neg = s[0] == '-';
        i = 1;
    }
    if (i == len)
        return VG_KIND_STRING;
    uint64_t mant = 0;
    int digits = 0; /* significant digits accumulated in mant (leading zeros do not count) */
    int exp10 = 0;
    vg_kind kind = VG_KIND_INTEGER;
    int appended, dropped;
    size_t start = i;
    i = digit_run(s, len, i, &mant, &digits, &appended, &dropped);
    exp10 += dropped; /* integer digits past the 19th scale the value up */
    int any = i > start, dropped_any = dropped;
    if (i < len && s[i] == '.') {
        kind = VG_KIND_FRACTIONAL;
        start = ++i;
        i = digit_run(s, len, i, &mant, &digits, &appended, &dropped);
        exp10 -= appended; /* fraction digits kept scale the value down; dropped ones vanish */
        any |= i > start;
        dropped_any |= dropped;
    }
    if (!any) {
        /* inf, infinity (any case, optional sign) */
        const char *w = s + (s[0] == '-' || s[0] == '+');
        size_t wl = len - (size_t)(w - s);
        if (eq_nocase(w, wl, "inf") || eq_nocase(w, wl, "infinity")) {
            *out = neg ? -INFINITY : INFINITY;
            return VG_KIND_FRACTIONAL;
        }
        return VG_KIND_STRING;
    }
    if (i < len && (s[i] == 'e' || s[i] == 'E')) {
        kind = VG_KIND_FRACTIONAL;
        i++;
        int eneg = 0;
        if (i < len && (s[i] == '-' || s[i] == '+')) {
            eneg = s[i] == '-';
            i++;
        }
        if (i == len)
            return VG_KIND_STRING;
        int e = 0;
        while (i < len && (unsigned)(s[i] - '0') < 10) {
            if (e < 100000)
                e = e * 10 + (s[i] - '0');
            i++;
        }
        exp10 += eneg ? -e : e;
    }
    if (i != len)
        return VG_KIND_STRING;
    *out = dropped_any ? slow_parse(s, len) : to_double(mant, exp10, neg, s, len);
    return kind;
}

#ifdef VG_CLASSIFY_SWAR
/* Eight bytes, first byte lowest: returns a word whose bytes are zero exactly where the
 * byte is an ASCII digit. Exact up to and including the first non-digit byte; after a byte
 * >= 0xfa (itself flagged) the carry of the +6 may misreport the next byte, so callers look
 * past a non-digit only when it is the '.', which carries nothing. */
static inline uint64_t nondigit_bytes(uint64_t w) {
    uint64_t hi = (w & 0xf0f0f0f0f0f0f0f0ULL) ^ 0x3030303030303030ULL;
    uint64_t hi6 = ((w + 0x0606060606060606ULL) & 0xf0f0f0f0f0f0f0f0ULL) ^ 0x3030303030303030ULL;
    return hi | hi6; /* '0'..'9' are the bytes 0x3_ that stay 0x3_ after adding 6 */
}

/* The number spelled by the first n (1..8) bytes of w, all digits: they are moved to the
 * top, below them zeros act as leading zeros, then neighbouring digits, pairs and quads
 * combine (each step's lanes hold at most 99, 9999, 99999999, so nothing carries). */
static inline uint64_t swar_value(uint64_t w, int n) {
    uint64_t v = (w - 0x3030303030303030ULL) << (8 * (8 - n));
    v = (v * 10 + (v >> 8)) & 0x00ff00ff00ff00ffULL;
    v = (v * 100 + (v >> 16)) & 0x0000ffff0000ffffULL;
    return (v * 10000 + (v >> 32)) & 0xffffffffULL;
}

static const uint64_t pow10_u64[9] = {1,      10,      100,      1000,     10000,
                                      100000, 1000000, 10000000, 100000000};
#endif

/* Scans the digit run at p (lo <= p <= end, lo..end readable), appending its digits to *mant
 * (modulo 2^64: callers discard the value when the run is too long to fit). Returns the end
 * of the run. */
static inline const char *scan_digits(const char *lo, const char *p, const char *end,
                                      uint64_t *mant) {
    uint64_t m = *mant;
#ifdef VG_CLASSIFY_SWAR
    for (;;) {
        uint64_t w;
        size_t left = (size_t)(end - p);
        if (left >= 8) {
            memcpy(&w, p, 8);
        } else if ((size_t)(end - lo) >= 8 && left > 0) {
            /* Short tail: read the 8 bytes that end at `end` (all inside the cell) and
             * shift out the ones before p; the bytes past the cell then read as non-digits. */
            memcpy(&w, end - 8, 8);
            w >>= 8 * (8 - left);
            w |= ~0ULL << (8 * left);
        } else {
            break;
        }
        uint64_t nd = nondigit_bytes(w);
        if (nd == 0) {
            m = m * 100000000 + swar_value(w, 8);
            p += 8;
            continue;
        }
        int n = __builtin_ctzll(nd) >> 3;
        if (n > 0)
            m = m * pow10_u64[n] + swar_value(w, n);
        *mant = m;
        return p + n;
    }
#else
    (void)lo;
#endif
    for (; p < end && (unsigned)(*p - '0') < 10; p++)
        m = m * 10 + (unsigned)(*p - '0');
    *mant = m;
    return p;
}

#ifdef VG_CLASSIFY_SWAR
static inline uint64_t load8(const char *p) {
    uint64_t w;
    memcpy(&w, p, 8);
    return w;
}

static inline uint64_t load4(const char *p) {
    uint32_t w;
    memcpy(&w, p, 4);
    return w;
}

/* Index of the first set byte of the 16-byte mask lo, hi (16 if none). */
static inline unsigned first_set(uint64_t lo, uint64_t hi) {
    if (lo)
        return (unsigned)__builtin_ctzll(lo) >> 3;
    return hi ? 8 + ((unsigned)__builtin_ctzll(hi) >> 3) : 16;
}

/* Cells of 1 to 16 bytes after the sign, the usual numeric cell: [digits] [.] [digits] read
 * as one 16-byte string, zero-padded (NUL is a non-digit, so the padding ends the digits).
 * Every load stays inside the cell s[0 .. p - s + n): p[0..n) itself, or when that is shorter
 * than 8 bytes but the whole cell is not, the 8 bytes ending at p + n shifted down, or two
 * overlapping 4-byte loads, or single bytes. The dot, if any, is cut out, leaving at most 16
 * digits whose value is below 10^16 (fractional ones at most 15 digits, below 2^53). Returns
 * 0 for anything else (exponents, signs or spaces inside, no digits), which classify_rest
 * then settles from the start. */
static inline int parse_short(const char *s, const char *p, size_t n, uint64_t *mant, int *exp10,
                              vg_kind *kind) {
    const char *end = p + n;
    uint64_t lo, hi = 0;
    if (n >= 8) {
        lo = load8(p);
        if (n > 8)
            hi = load8(end - 8) >> (8 * (16 - n));
    } else if ((size_t)(end - s) >= 8) {
        lo = load8(end - 8) >> (8 * (8 - n));
    } else if (n >= 4) {
        lo = load4(p) | load4(end - 4) << (8 * (n - 4)); /* the overlap holds the same bytes */
    } else {
        lo = (uint64_t)(unsigned char)p[0] | (uint64_t)(unsigned char)p[n / 2] << (8 * (n / 2)) |
             (uint64_t)(unsigned char)p[n - 1] << (8 * (n - 1));
    }
    unsigned digits = (unsigned)n;
    *exp10 = 0;
    *kind = VG_KIND_INTEGER;
    if (n <= 8) { /* the same steps on one word, the bulk of real cells */
        uint64_t nd = nondigit_bytes(lo);
        unsigned pos = nd ? (unsigned)__builtin_ctzll(nd) >> 3 : 8;
        if (pos != n) {
            if ((lo >> (8 * pos)) % 256 != '.')
                return 0;
            nd &= ~(0xffULL << (8 * pos));
            if (n == 1 || (nd ? (unsigned)__builtin_ctzll(nd) >> 3 : 8) != n)
                return 0;
            uint64_t below = (1ULL << (8 * pos)) - 1;
            lo = (lo & below) | ((lo >> 8) & ~below);
            digits--;
            *exp10 = -(int)(digits - pos);
            *kind = VG_KIND_FRACTIONAL;
        }
        *mant = swar_value(lo, (int)digits);
        return 1;
    }
    uint64_t ndl = nondigit_bytes(lo), ndh = nondigit_bytes(hi);
    unsigned pos = first_set(ndl, ndh);
    if (pos != n) {
        if (pos >= 16 || (pos < 8 ? lo >> (8 * pos) : hi >> (8 * (pos - 8))) % 256 != '.')
            return 0;
        /* The next non-digit must be the padding at n. The masks are exact up to it: only a
         * byte >= 0xfa disturbs the bytes after it, and it is itself flagged. */
        if (pos < 8)
            ndl &= ~(0xffULL << (8 * pos));
        else
            ndh &= ~(0xffULL << (8 * (pos - 8)));
        if (n == 1 || first_set(ndl, ndh) != n)
            return 0;
        /* close the gap: the bytes after the dot move down one place */
        if (pos < 8) {
            uint64_t below = (1ULL << (8 * pos)) - 1;
            lo = (lo & below) | ((lo >> 8) & ~below) | hi << 56;
            hi >>= 8;
        } else {
            uint64_t below = (1ULL << (8 * (pos - 8))) - 1;
            hi = (hi & below) | ((hi >> 8) & ~below);
        }
        digits--;
        *exp10 = -(int)(digits - pos);
        *kind = VG_KIND_FRACTIONAL;
    }
    *mant = digits <= 8
                ? swar_value(lo, (int)digits)
                : swar_value(lo, 8) * pow10_u64[digits - 8] + swar_value(hi, (int)digits - 8);
    return 1;
}
#endif

#ifdef VG_CLASSIFY_SWAR
static inline unsigned first_set3(uint64_t a, uint64_t b, uint64_t c) {
    if (a)
        return (unsigned)__builtin_ctzll(a) >> 3;
    if (b)
        return 8 + ((unsigned)__builtin_ctzll(b) >> 3);
    return c ? 16 + ((unsigned)__builtin_ctzll(c) >> 3) : 24;
}

/* Cells of 17 to 24 bytes after the sign, such as full-precision printings with leading
 * zeros (-0.00077369743820566333): parse_short's reading over three words (p[0..8),
 * p[8..16) and the last 8 bytes of the cell shifted down), plus a count of the leading zeros,
 * since at most 19 significant digits fit the 64-bit mantissa. Leading zeros add nothing to
 * the value, so every partial sum is below the final value (< 10^19) and nothing overflows.
 * Anything else goes to classify_rest, which settles it from the start (by tail calls, here
 * and in vg_classify, so that no frame has to outlive the fast path). */
static vg_kind classify_rest(const char *s, size_t len, double *num);

VG_NOINLINE static vg_kind parse_long(const char *s, size_t len, const char *p, size_t n, int neg,
                                      double *num) {
    const char *end = p + n;
    uint64_t w0 = load8(p), w1 = load8(p + 8), w2 = load8(end - 8) >> (8 * (24 - n));
    uint64_t n0 = nondigit_bytes(w0), n1 = nondigit_bytes(w1), n2 = nondigit_bytes(w2);
    unsigned pos = first_set3(n0, n1, n2), digits = (unsigned)n;
    int exp10 = 0;
    vg_kind kind = VG_KIND_INTEGER;
    if (pos != n) { /* then pos < n: the padding byte at n is flagged */
        unsigned sh = 8 * (pos % 8);
        uint64_t w = pos < 8 ? w0 : pos < 16 ? w1 : w2;
        if ((w >> sh) % 256 != '.')
            return classify_rest(s, len, num);
        if (pos < 8)
            n0 &= ~(0xffULL << sh);
        else if (pos < 16)
            n1 &= ~(0xffULL << sh);
        else
            n2 &= ~(0xffULL << sh);
        if (first_set3(n0, n1, n2) != n)
            return classify_rest(s, len, num);
        uint64_t below = (1ULL << sh) - 1; /* close the gap as in parse_short */
        if (pos < 8) {
            w0 = (w0 & below) | ((w0 >> 8) & ~below) | w1 << 56;
            w1 = w1 >> 8 | w2 << 56;
            w2 >>= 8;
        } else if (pos < 16) {
            w1 = (w1 & below) | ((w1 >> 8) & ~below) | w2 << 56;
            w2 >>= 8;
        } else {
            w2 = (w2 & below) | ((w2 >> 8) & ~below);
        }
        digits--;
        exp10 = -(int)(digits - pos);
        kind = VG_KIND_FRACTIONAL;
    }
    /* the first byte that is not '0' (the zero padding after the digits is not) */
    const uint64_t zeros = 0x3030303030303030ULL;
    unsigned lz = first_set3(w0 ^ zeros, w1 ^ zeros, w2 ^ zeros);
    if (digits - (lz < digits ? lz : digits) > 19)
        return classify_rest(s, len, num);
    uint64_t mant = swar_value(w0, 8) * 100000000 + swar_value(w1, 8); /* digits >= 16 */
    if (digits > 16)
        mant = mant * pow10_u64[digits - 16] + swar_value(w2, (int)digits - 16);
    *num = to_double(mant, exp10, neg, s, len);
    return kind;
}
#endif

/* [sign] digits [. digits] with at most 19 significant digits, cells of any length; anything
 * else is left to parse_general, so both accept and reject exactly the same texts and give
 * the same values. */
static vg_kind parse_number(const char *s, size_t len, double *out) {
    const char *p = s, *end = s + len;
    int neg = *p == '-';
    p += neg || *p == '+';
    uint64_t mant = 0;
    int exp10 = 0;
    vg_kind kind = VG_KIND_INTEGER;
    const char *int_start = p;
    while (p < end && *p == '0') /* leading zeros are not significant digits */
        p++;
    const char *sig = p;
    p = scan_digits(s, p, end, &mant);
    size_t nsig = (size_t)(p - sig);
    int any = p > int_start;
    if (p < end && *p == '.') {
        kind = VG_KIND_FRACTIONAL;
        const char *frac = ++p;
        if (nsig == 0)
            while (p < end && *p == '0')
                p++;
        sig = p;
        p = scan_digits(s, p, end, &mant);
        nsig += (size_t)(p - sig);
        exp10 = -(int)(p - frac);
        any |= p > frac;
    }
    if (p != end || !any || nsig > 19 || (size_t)(p - s) > 4096)
        return parse_general(s, len, out);
    *out = to_double(mant, exp10, neg, s, len);
    return kind;
}

/* Everything but the short-number fast path of vg_classify. */
VG_NOINLINE static vg_kind classify_rest(const char *s, size_t len, double *num) {
    unsigned char c0 = (unsigned char)s[0], lower = (unsigned char)(c0 | 0x20);
    /* Categorical cells usually start with a letter that begins no missing marker ('N', 'n'),
     * no boolean ('t', 'f') and no inf ('i'): none of the tests below can match those. */
    if (lower >= 'a' && lower <= 'z' && lower != 'i' && lower != 't' && lower != 'f' &&
        lower != 'n')
        return VG_KIND_STRING;
    if ((unsigned)(c0 - '0') < 10 || c0 == '-' || c0 == '+' || c0 == '.') {
        vg_kind k = parse_number(s, len, num);
        if (k != VG_KIND_STRING)
            return k;
    }
    if (is_na(s, len))
        return VG_KIND_MISSING;
    /* booleans as pandas reads them: any case, no surrounding spaces */
    unsigned char first = (unsigned char)(s[0] | 0x20);
    if ((first == 't' || first == 'f') &&
        (eq_nocase(s, len, "true") || eq_nocase(s, len, "false"))) {
        *num = first == 't' ? 1.0 : 0.0;
        return VG_KIND_BOOLEAN;
    }
    /* numbers may carry surrounding spaces (" 12" is 12 to pandas) */
    size_t a = 0, b = len;
    while (a < b && (s[a] == ' ' || s[a] == '\t'))
        a++;
    while (b > a && (s[b - 1] == ' ' || s[b - 1] == '\t'))
        b--;
    if (a == b)
        return VG_KIND_STRING; /* only spaces: pandas keeps it as a string */
    unsigned char d = (unsigned char)s[a];
    if (!((unsigned)(d - '0') < 10 || d == '-' || d == '+' || d == '.' || (d | 0x20) == 'i'))
        return VG_KIND_STRING;
    vg_kind k = parse_number(s + a, b - a, num);
    return k;
}

#ifdef VG_CLASSIFY_SWAR
/* An integer of up to 16 digits beyond 2^53, kept out of vg_classify's fast path so that
 * stays free of calls (and of the register saves they would need). */
VG_NOINLINE static vg_kind store_big_integer(uint64_t mant, int neg, const char *s, size_t len,
                                             double *num) {
    *num = to_double(mant, 0, neg, s, len);
    return VG_KIND_INTEGER;
}
#endif

vg_kind vg_classify(const char *s, size_t len, double *num) {
    if (len == 0)
        return VG_KIND_MISSING;
#ifdef VG_CLASSIFY_SWAR
    /* Fast path: a plain number of at most 16 bytes after the sign and no surrounding spaces,
     * the common case by far; anything parse_short does not take starts over below. */
    unsigned char c0 = (unsigned char)s[0];
    if ((unsigned)(c0 - '0') < 10 || c0 == '-' || c0 == '+' || c0 == '.') {
        int neg = c0 == '-';
        const char *p = s + (neg || c0 == '+');
        size_t n = len - (size_t)(p - s);
        uint64_t mant;
        int exp10;
        vg_kind kind;
        if (n - 1 < 16 && parse_short(s, p, n, &mant, &exp10, &kind)) {
            if (mant > (1ULL << 53)) /* only integers get here: fractions have <= 15 digits */
                return store_big_integer(mant, neg, s, len, num);
            double v = (double)mant; /* Clinger: exact operands, one rounding */
            if (exp10)
                v /= pow10_exact[-exp10];
            /* the sign goes in as a bit: signs are random in many columns, a branch on them
             * mispredicts half the time (v >= 0, so this also gives -0.0 for "-0") */
            uint64_t bits;
            memcpy(&bits, &v, sizeof bits);
            bits |= (uint64_t)neg << 63;
            memcpy(num, &bits, sizeof bits);
            return kind;
        }
        if (n - 17 < 8)
            return parse_long(s, len, p, n, neg, num);
    }
#endif
    return classify_rest(s, len, num);
}
