/*
 * An independent model of number cells for the vg_classify tests (tests/unit/test_classify.c
 * and tests/fuzz/fuzz_classify.c): which texts are numbers, of which kind, and their value as
 * strtod_l reads them in the C locale. It shares no code with src/profile/classify.c: the
 * syntax is written out from the rules in that file's comment, and the values come from libc.
 *
 * A cell is a number when, with spaces and tabs at both ends removed, it is
 *   [+-] ( digits [ . [digits] ] | . digits ) [ (e|E) [+-] digits ]   or   [+-] inf|infinity
 * (any case). It is an integer when it has neither a '.' nor an exponent. No missing-value
 * marker and neither boolean has that shape, so their order of tests does not matter here.
 */
#ifndef VG_TEST_CLASSIFY_ORACLE_H
#define VG_TEST_CLASSIFY_ORACLE_H

#include <locale.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "vigia/vigia.h"

static locale_t oracle_c_locale(void) {
    static locale_t c;
    if (!c)
        c = newlocale(LC_ALL_MASK, "C", (locale_t)0);
    return c;
}

/* Returns VG_KIND_INTEGER or VG_KIND_FRACTIONAL with *v set for a number, else
 * VG_KIND_STRING (the model says nothing about which non-number kind a text is). */
static vg_kind oracle_number(const char *s, size_t len, double *v) {
    size_t a = 0, b = len;
    while (a < b && (s[a] == ' ' || s[a] == '\t'))
        a++;
    while (b > a && (s[b - 1] == ' ' || s[b - 1] == '\t'))
        b--;
    if (a == b)
        return VG_KIND_STRING;
    size_t i = a;
    int neg = 0;
    if (s[i] == '+' || s[i] == '-')
        neg = s[i++] == '-';
    size_t wl = b - i;
    if ((wl == 3 && strncasecmp(s + i, "inf", 3) == 0) ||
        (wl == 8 && strncasecmp(s + i, "infinity", 8) == 0)) {
        *v = neg ? -INFINITY : INFINITY;
        return VG_KIND_FRACTIONAL;
    }
    size_t nd = 0;
    int is_int = 1;
    while (i < b && s[i] >= '0' && s[i] <= '9')
        i++, nd++;
    if (i < b && s[i] == '.') {
        is_int = 0;
        i++;
        while (i < b && s[i] >= '0' && s[i] <= '9')
            i++, nd++;
    }
    if (nd == 0)
        return VG_KIND_STRING;
    if (i < b && (s[i] == 'e' || s[i] == 'E')) {
        is_int = 0;
        i++;
        if (i < b && (s[i] == '+' || s[i] == '-'))
            i++;
        size_t ne = 0;
        while (i < b && s[i] >= '0' && s[i] <= '9')
            i++, ne++;
        if (ne == 0)
            return VG_KIND_STRING;
    }
    if (i != b)
        return VG_KIND_STRING;
    char *copy = malloc(b - a + 1);
    if (!copy)
        abort();
    memcpy(copy, s + a, b - a);
    copy[b - a] = '\0';
    char *end;
    *v = strtod_l(copy, &end, oracle_c_locale());
    if (*end != '\0') /* the model and strtod disagree on the syntax: a bug in the model */
        abort();
    free(copy);
    return is_int ? VG_KIND_INTEGER : VG_KIND_FRACTIONAL;
}

static int same_bits(double x, double y) {
    return memcmp(&x, &y, sizeof x) == 0;
}

#endif
