/*
 * Cell classification: missing, boolean, integer, fractional or string, plus the number.
 *
 * This runs once per cell and dominates profiling time on numeric data, so numbers are
 * parsed here rather than by strtod: digits accumulate into a 64-bit mantissa and, when the
 * mantissa fits in 53 bits and the decimal exponent is within +/-22, one IEEE multiplication
 * or division by an exact power of ten gives the correctly rounded result (Clinger, "How to
 * read floating point numbers accurately", 1990). Other numbers (more than 19 significant
 * digits, large exponents) fall back to strtod, so every value is correctly rounded.
 *
 * The rules follow pandas.read_csv defaults so that profiles agree with what users see in
 * pandas: its default missing markers, case-insensitive true/false, surrounding spaces
 * ignored around numbers. Unlike pandas, integers beyond 64 bits and decimals that overflow
 * (1e400 -> inf) still count as numbers (pandas turns the whole column into strings).
 */
#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../base/clocale.h"
#include "vigia/profile.h"

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

/* Parses a decimal number occupying exactly s[0..len). Returns VG_KIND_INTEGER,
 * VG_KIND_FRACTIONAL or VG_KIND_STRING (not a number). */
static vg_kind parse_number(const char *s, size_t len, double *out) {
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
    if (!dropped_any && mant <= (1ULL << 53) && exp10 >= -22 && exp10 <= 22) {
        double v = (double)mant;
        v = exp10 < 0 ? v / pow10_exact[-exp10] : v * pow10_exact[exp10];
        *out = neg ? -v : v;
    } else if (mant == 0 && !dropped_any) {
        *out = neg ? -0.0 : 0.0;
    } else {
        *out = slow_parse(s, len);
    }
    return kind;
}

vg_kind vg_classify(const char *s, size_t len, double *num) {
    if (len == 0)
        return VG_KIND_MISSING;
    /* Fast path: a plain number with no surrounding spaces, the common case by far. */
    unsigned char c0 = (unsigned char)s[0];
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
