/*
 * Shortest round-trip formatting of doubles (see fmt.h).
 */
#include "fmt.h"

#include <stdio.h>
#include <stdlib.h>

int vg_fmt_double(char *buf, size_t size, double x) {
    int n = 0;
    for (int prec = 15; prec <= 17; prec++) {
        n = snprintf(buf, size, "%.*g", prec, x);
        if (strtod(buf, NULL) == x)
            break;
    }
    return n;
}
