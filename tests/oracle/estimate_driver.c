/*
 * Driver for tests/oracle/test_estimate.py: reads commands on stdin and prints one line per
 * command with the results of libvigia's performance estimation (vigia/estimate.h) in %.17g:
 *
 *   iso <n> <m> <n scores> <n labels> <m queries>   -> "k x_1..x_k y_1..y_k q_1..q_m"
 *   metrics <n> <threshold> <has_score> <n p> [<n scores>]
 *       -> "tp fp fn tn accuracy precision recall f1 roc_auc accuracy_se" (a leading space)
 *   check <n> <n_bins> <alpha> <ece_tolerance> <n scores> <n labels>
 *       -> "ece statistic df p_value calibrated"
 *   cbpe <n_ref> <n_cur> <mode> <threshold> <n_ref scores> <n_ref labels> <n_cur scores>
 *       -> "calibrated applied ece p_value" + the 10 metrics estimated + the 10 of the reference
 *
 * or "ERR code message". Numbers are read by strtod (nan and inf included).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vigia/estimate.h"

static int read_doubles(double *x, size_t n) {
    char tok[128];
    for (size_t i = 0; i < n; i++) {
        if (scanf("%127s", tok) != 1)
            return 0;
        char *end;
        x[i] = strtod(tok, &end);
        if (*end)
            return 0;
    }
    return 1;
}

static int read_labels(uint8_t *y, size_t n) {
    for (size_t i = 0; i < n; i++) {
        unsigned v;
        if (scanf("%u", &v) != 1)
            return 0;
        y[i] = (uint8_t)v;
    }
    return 1;
}

static void print_metrics(const vg_estimate_metrics *m) {
    printf(" %.17g %.17g %.17g %.17g %.17g %.17g %.17g %.17g %.17g %.17g", m->tp, m->fp, m->fn,
           m->tn, m->accuracy, m->precision, m->recall, m->f1, m->roc_auc, m->accuracy_se);
}

static int fail(int rc, const vg_error *err) {
    printf("ERR %d %s\n", rc, err->msg);
    return 1;
}

static int run_iso(void) {
    size_t n, m;
    if (scanf("%zu %zu", &n, &m) != 2)
        return 0;
    double *s = malloc((n + 1) * sizeof *s), *q = malloc((m + 1) * sizeof *q);
    uint8_t *y = malloc(n + 1);
    int ok = s && q && y && read_doubles(s, n) && read_labels(y, n) && read_doubles(q, m);
    if (ok) {
        vg_error err;
        vg_estimate_calibrator *cal = NULL;
        int rc = vg_estimate_calibrator_fit(s, y, n, &cal, &err);
        if (rc == VG_OK)
            rc = vg_estimate_calibrator_apply(cal, q, m, q, &err);
        if (rc != VG_OK) {
            fail(rc, &err);
        } else {
            printf("%zu", cal->n);
            for (size_t i = 0; i < cal->n; i++)
                printf(" %.17g", cal->x[i]);
            for (size_t i = 0; i < cal->n; i++)
                printf(" %.17g", cal->y[i]);
            for (size_t i = 0; i < m; i++)
                printf(" %.17g", q[i]);
            printf("\n");
        }
        vg_estimate_calibrator_free(cal);
    }
    free(s), free(q), free(y);
    return ok;
}

static int run_metrics(void) {
    size_t n;
    double t;
    int has_score;
    if (scanf("%zu %lf %d", &n, &t, &has_score) != 3)
        return 0;
    double *p = malloc((n + 1) * sizeof *p), *s = malloc((n + 1) * sizeof *s);
    int ok = p && s && read_doubles(p, n) && (!has_score || read_doubles(s, n));
    if (ok) {
        vg_error err;
        vg_estimate_metrics m;
        int rc = vg_estimate_metrics_compute(p, has_score ? s : NULL, n, t, &m, &err);
        if (rc != VG_OK) {
            fail(rc, &err);
        } else {
            print_metrics(&m);
            printf("\n");
        }
    }
    free(p), free(s);
    return ok;
}

static int run_check(void) {
    size_t n;
    vg_estimate_options opt;
    vg_estimate_options_init(&opt);
    if (scanf("%zu %zu %lf %lf", &n, &opt.n_bins, &opt.alpha, &opt.ece_tolerance) != 4)
        return 0;
    double *s = malloc((n + 1) * sizeof *s);
    uint8_t *y = malloc(n + 1);
    int ok = s && y && read_doubles(s, n) && read_labels(y, n);
    if (ok) {
        vg_error err;
        vg_estimate_calibration c;
        int rc = vg_estimate_calibration_check(s, y, n, &opt, &c, &err);
        if (rc != VG_OK) {
            fail(rc, &err);
        } else {
            printf("%.17g %.17g %.17g %.17g %d\n", c.ece, c.statistic, c.df, c.p_value,
                   c.calibrated);
            vg_estimate_calibration_free(&c);
        }
    }
    free(s), free(y);
    return ok;
}

static int run_cbpe(void) {
    size_t nr, nc;
    vg_estimate_options opt;
    vg_estimate_options_init(&opt);
    if (scanf("%zu %zu %d %lf", &nr, &nc, &opt.calibration, &opt.threshold) != 4)
        return 0;
    double *rs = malloc((nr + 1) * sizeof *rs), *cs = malloc((nc + 1) * sizeof *cs);
    uint8_t *y = malloc(nr + 1);
    int ok = rs && cs && y && read_doubles(rs, nr) && read_labels(y, nr) && read_doubles(cs, nc);
    if (ok) {
        vg_error err;
        vg_estimate_result *r = NULL;
        int rc = vg_estimate_cbpe(rs, y, nr, cs, nc, &opt, &r, &err);
        if (rc != VG_OK) {
            fail(rc, &err);
        } else {
            printf("%d %d %.17g %.17g", r->calibration.calibrated, r->calibration_applied,
                   r->calibration.ece, r->calibration.p_value);
            print_metrics(&r->estimated);
            print_metrics(&r->reference);
            printf("\n");
            vg_estimate_result_free(r);
        }
    }
    free(rs), free(cs), free(y);
    return ok;
}

int main(void) {
    char cmd[64];
    while (scanf("%63s", cmd) == 1) {
        int ok = !strcmp(cmd, "iso")       ? run_iso()
                 : !strcmp(cmd, "metrics") ? run_metrics()
                 : !strcmp(cmd, "check")   ? run_check()
                 : !strcmp(cmd, "cbpe")    ? run_cbpe()
                                           : 0;
        if (!ok) {
            printf("ERR parse %s\n", cmd);
            return 1;
        }
        fflush(stdout);
    }
    return 0;
}
