/*
 * Shortest round-trip formatting of doubles (see fmt.h).
 */
#include "fmt.h"

#include "clocale.h"

#include <stdio.h>
#include <stdlib.h>

int vg_fmt_double(char *buf, size_t size, double x) {
    locale_t c = vg_c_locale();
    locale_t old = c ? uselocale(c) : (locale_t)0; /* '.' as the decimal point, always */
    int n = 0;
    for (int prec = 15; prec <= 17; prec++) {
        n = snprintf(buf, size, "%.*g", prec, x);
        if (strtod(buf, NULL) == x)
            break;
    }
    if (c)
        uselocale(old);
    return n;
}
