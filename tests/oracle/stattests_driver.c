/*
 * Driver for tests/oracle/test_stattests.py: reads commands on stdin, one per line in effect
 * (whitespace-separated), and prints one line per command with the results of libvigia's
 * two-sample tests (vigia/stattests.h) in %.17g, for Python to compare with scipy:
 *
 *   <test> <n1> <n2> <n1 values> <n2 values>
 *
 * where test is welch, mwu, ad or cvm; prints "statistic pvalue" ("statistic pvalue bounded"
 * for ad) or "ERR code message". Numbers are read by strtod (nan and inf included).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vigia/stattests.h"

static int read_double(double *x) {
    char tok[128];
    if (scanf("%127s", tok) != 1)
        return 0;
    char *end;
    *x = strtod(tok, &end);
    return *end == '\0';
}

static int run(const char *cmd) {
    unsigned long long n1, n2;
    if (scanf("%llu %llu", &n1, &n2) != 2)
        return 0;
    double *a = malloc((n1 + 1) * sizeof *a), *b = malloc((n2 + 1) * sizeof *b);
    int ok = a && b;
    for (unsigned long long i = 0; ok && i < n1; i++)
        ok = read_double(&a[i]);
    for (unsigned long long i = 0; ok && i < n2; i++)
        ok = read_double(&b[i]);
    if (ok) {
        double s = -1, p = -1;
        int bounded = 0, rc;
        vg_error err;
        err.msg[0] = '\0';
        if (!strcmp(cmd, "welch"))
            rc = vg_stats_ttest_welch(a, n1, b, n2, &s, &p, &err);
        else if (!strcmp(cmd, "mwu"))
            rc = vg_stats_mannwhitneyu(a, n1, b, n2, &s, &p, &err);
        else if (!strcmp(cmd, "ad"))
            rc = vg_stats_anderson_ksamp(a, n1, b, n2, &s, &p, &bounded, &err);
        else
            rc = vg_stats_cramervonmises_2samp(a, n1, b, n2, &s, &p, &err);
        if (rc != VG_OK)
            printf("ERR %d %s\n", rc, err.msg);
        else if (!strcmp(cmd, "ad"))
            printf("%.17g %.17g %d\n", s, p, bounded);
        else
            printf("%.17g %.17g\n", s, p);
    }
    free(a);
    free(b);
    return ok;
}

int main(void) {
    char cmd[64];
    while (scanf("%63s", cmd) == 1) {
        if (strcmp(cmd, "welch") && strcmp(cmd, "mwu") && strcmp(cmd, "ad") && strcmp(cmd, "cvm")) {
            printf("ERR unknown %s\n", cmd);
            return 1;
        }
        if (!run(cmd)) {
            printf("ERR parse %s\n", cmd);
            return 1;
        }
        fflush(stdout);
    }
    return 0;
}
