/*
 * Driver for tests/oracle/test_stats.py: reads whitespace-separated commands on stdin and prints
 * one line per command with the results of libvigia's stats functions in %.17g, so that Python
 * can compare them with scipy. Commands (numbers as strtod reads them, nan and inf included):
 *
 *   <fn> <args...>                    one double-returning function, e.g. "norm_sf 3.5",
 *                                     "t_sf 2.1 7", "smirnov 100 0.05"; prints the value
 *   ks2 <method> <n1> <n2> <n1 values> <n2 values>
 *                                     vg_stats_ks_2samp_method; prints "D p" or "ERR code"
 *   ks2p <method> <d> <n1> <n2>       vg_stats_ks_2samp_pvalue; prints "p" or "ERR code"
 *
 * method is auto, exact or asymp. Unknown commands print "ERR unknown".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vigia/stats.h"

typedef struct {
    const char *name;
    int nargs;
    double (*f1)(double);
    double (*f2)(double, double);
    double (*f3)(double, double, double);
    double (*fn)(uint64_t, double);
} command;

static const command commands[] = {
    {"lgamma", 1, vg_stats_lgamma, NULL, NULL, NULL},
    {"gammainc_p", 2, NULL, vg_stats_gammainc_p, NULL, NULL},
    {"gammainc_q", 2, NULL, vg_stats_gammainc_q, NULL, NULL},
    {"betainc", 3, NULL, NULL, vg_stats_betainc, NULL},
    {"betainc_c", 3, NULL, NULL, vg_stats_betainc_c, NULL},
    {"norm_cdf", 1, vg_dist_norm_cdf, NULL, NULL, NULL},
    {"norm_sf", 1, vg_dist_norm_sf, NULL, NULL, NULL},
    {"norm_ppf", 1, vg_dist_norm_ppf, NULL, NULL, NULL},
    {"norm_isf", 1, vg_dist_norm_isf, NULL, NULL, NULL},
    {"t_cdf", 2, NULL, vg_dist_t_cdf, NULL, NULL},
    {"t_sf", 2, NULL, vg_dist_t_sf, NULL, NULL},
    {"t_pvalue", 2, NULL, vg_dist_t_pvalue, NULL, NULL},
    {"chi2_cdf", 2, NULL, vg_dist_chi2_cdf, NULL, NULL},
    {"chi2_sf", 2, NULL, vg_dist_chi2_sf, NULL, NULL},
    {"f_cdf", 3, NULL, NULL, vg_dist_f_cdf, NULL},
    {"f_sf", 3, NULL, NULL, vg_dist_f_sf, NULL},
    {"kolmogorov", 1, vg_dist_kolmogorov_sf, NULL, NULL, NULL},
    {"kolmogc", 1, vg_dist_kolmogorov_cdf, NULL, NULL, NULL},
    {"smirnov", -2, NULL, NULL, NULL, vg_dist_smirnov_sf},
    {"kstwo_sf", -2, NULL, NULL, NULL, vg_dist_kstwo_sf},
};

static int read_double(double *x) {
    char tok[128];
    if (scanf("%127s", tok) != 1)
        return 0;
    char *end;
    *x = strtod(tok, &end);
    return *end == '\0';
}

static int read_method(vg_ks_method *m) {
    char tok[32];
    if (scanf("%31s", tok) != 1)
        return 0;
    if (!strcmp(tok, "auto"))
        *m = VG_KS_AUTO;
    else if (!strcmp(tok, "exact"))
        *m = VG_KS_EXACT;
    else if (!strcmp(tok, "asymp"))
        *m = VG_KS_ASYMP;
    else
        return 0;
    return 1;
}

static int run_ks2(void) {
    vg_ks_method m;
    unsigned long long n1, n2;
    if (!read_method(&m) || scanf("%llu %llu", &n1, &n2) != 2)
        return 0;
    double *a = malloc((n1 + 1) * sizeof *a), *b = malloc((n2 + 1) * sizeof *b);
    if (!a || !b)
        return 0;
    for (unsigned long long i = 0; i < n1; i++)
        if (!read_double(&a[i]))
            return 0;
    for (unsigned long long i = 0; i < n2; i++)
        if (!read_double(&b[i]))
            return 0;
    double d, p;
    vg_error err;
    int rc = vg_stats_ks_2samp_method(a, n1, b, n2, m, &d, &p, &err);
    if (rc == VG_OK)
        printf("%.17g %.17g\n", d, p);
    else
        printf("ERR %d %s\n", rc, err.msg);
    free(a);
    free(b);
    return 1;
}

static int run_ks2p(void) {
    vg_ks_method m;
    double d;
    unsigned long long n1, n2;
    if (!read_method(&m) || !read_double(&d) || scanf("%llu %llu", &n1, &n2) != 2)
        return 0;
    double p;
    vg_error err;
    int rc = vg_stats_ks_2samp_pvalue(d, n1, n2, m, &p, &err);
    if (rc == VG_OK)
        printf("%.17g\n", p);
    else
        printf("ERR %d %s\n", rc, err.msg);
    return 1;
}

int main(void) {
    char cmd[64];
    while (scanf("%63s", cmd) == 1) {
        int ok = 1;
        if (!strcmp(cmd, "ks2")) {
            ok = run_ks2();
        } else if (!strcmp(cmd, "ks2p")) {
            ok = run_ks2p();
        } else {
            const command *c = NULL;
            for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
                if (!strcmp(cmd, commands[i].name))
                    c = &commands[i];
            if (!c) {
                printf("ERR unknown %s\n", cmd);
                return 1;
            }
            double x[3] = {0, 0, 0};
            int n = c->nargs < 0 ? -c->nargs : c->nargs;
            for (int i = 0; i < n; i++)
                ok = ok && read_double(&x[i]);
            if (ok) {
                double r;
                if (c->f1)
                    r = c->f1(x[0]);
                else if (c->f2)
                    r = c->f2(x[0], x[1]);
                else if (c->f3)
                    r = c->f3(x[0], x[1], x[2]);
                else
                    r = c->fn((uint64_t)x[0], x[1]);
                printf("%.17g\n", r);
            }
        }
        if (!ok) {
            printf("ERR parse %s\n", cmd);
            return 1;
        }
    }
    return 0;
}
