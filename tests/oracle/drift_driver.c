/*
 * Driver for tests/oracle/test_drift.py: reads whitespace-separated commands on stdin and prints
 * one line per command with the results of libvigia's drift functions in %.17g, so that Python
 * can compare them with scipy/numpy. Commands:
 *
 *   num <fn> <n_bins> <nref> <ncur> <nref values> <ncur values>
 *        fn: wass, wassn, energy, psi, kl, js, hell; prints the score
 *   bins <n_bins> <nref> <ncur> <values...>
 *        prints "m edges... ref_counts... cur_counts..." (m bins, m - 1 edges)
 *   cnt <fn> <k> <k ref counts> <k cur counts>
 *        fn: psi, kl, js, hell, tvd (prints the score), chi2 (prints "stat p n_unseen"),
 *        z (prints "z p")
 *
 * A function that fails prints "ERR <code> <message>". A malformed command ends the driver with
 * exit status 1.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vigia/drift.h"

static int read_double(double *x) {
    char tok[128];
    if (scanf("%127s", tok) != 1)
        return 0;
    char *end;
    *x = strtod(tok, &end);
    return *end == '\0';
}

static int read_size(size_t *n) {
    unsigned long long v;
    if (scanf("%llu", &v) != 1)
        return 0;
    *n = (size_t)v;
    return 1;
}

static int read_doubles(double **out, size_t n) {
    double *x = malloc((n + 1) * sizeof *x);
    if (!x)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!read_double(&x[i])) {
            free(x);
            return 0;
        }
    *out = x;
    return 1;
}

static int read_counts(uint64_t **out, size_t n) {
    uint64_t *x = malloc((n + 1) * sizeof *x);
    if (!x)
        return 0;
    for (size_t i = 0; i < n; i++) {
        unsigned long long v;
        if (scanf("%llu", &v) != 1) {
            free(x);
            return 0;
        }
        x[i] = v;
    }
    *out = x;
    return 1;
}

typedef int (*raw_fn)(const double *, size_t, const double *, size_t, double *, vg_error *);
typedef int (*binned_fn)(const double *, size_t, const double *, size_t, size_t, double *,
                         vg_error *);
typedef int (*counts_fn)(const uint64_t *, const uint64_t *, size_t, double *, vg_error *);

static int run_num(void) {
    char fn[32];
    size_t nb, n1, n2;
    if (scanf("%31s", fn) != 1 || !read_size(&nb) || !read_size(&n1) || !read_size(&n2))
        return 0;
    double *a, *b;
    if (!read_doubles(&a, n1))
        return 0;
    if (!read_doubles(&b, n2)) {
        free(a);
        return 0;
    }
    raw_fn rf = NULL;
    binned_fn bf = NULL;
    if (!strcmp(fn, "wass"))
        rf = vg_drift_wasserstein;
    else if (!strcmp(fn, "wassn"))
        rf = vg_drift_wasserstein_normed;
    else if (!strcmp(fn, "energy"))
        rf = vg_drift_energy_distance;
    else if (!strcmp(fn, "psi"))
        bf = vg_drift_psi;
    else if (!strcmp(fn, "kl"))
        bf = vg_drift_kl;
    else if (!strcmp(fn, "js"))
        bf = vg_drift_jensen_shannon;
    else if (!strcmp(fn, "hell"))
        bf = vg_drift_hellinger;
    int ok = rf || bf;
    if (ok) {
        double r = 0;
        vg_error err;
        int rc = rf ? rf(a, n1, b, n2, &r, &err) : bf(a, n1, b, n2, nb, &r, &err);
        if (rc == VG_OK)
            printf("%.17g\n", r);
        else
            printf("ERR %d %s\n", rc, err.msg);
    }
    free(a);
    free(b);
    return ok;
}

static int run_bins(void) {
    size_t nb, n1, n2;
    if (!read_size(&nb) || !read_size(&n1) || !read_size(&n2))
        return 0;
    double *a, *b;
    if (!read_doubles(&a, n1))
        return 0;
    if (!read_doubles(&b, n2)) {
        free(a);
        return 0;
    }
    vg_drift_bins bins;
    vg_error err;
    int rc = vg_drift_bins_numeric(a, n1, b, n2, nb, &bins, &err);
    if (rc == VG_OK) {
        printf("%zu", bins.n_bins);
        for (size_t i = 0; i + 1 < bins.n_bins; i++)
            printf(" %.17g", bins.edges[i]);
        for (size_t i = 0; i < bins.n_bins; i++)
            printf(" %" PRIu64, bins.ref_counts[i]);
        for (size_t i = 0; i < bins.n_bins; i++)
            printf(" %" PRIu64, bins.cur_counts[i]);
        printf("\n");
        vg_drift_bins_free(&bins);
    } else {
        printf("ERR %d %s\n", rc, err.msg);
    }
    free(a);
    free(b);
    return 1;
}

static int run_cnt(void) {
    char fn[32];
    size_t k;
    if (scanf("%31s", fn) != 1 || !read_size(&k))
        return 0;
    uint64_t *a, *b;
    if (!read_counts(&a, k))
        return 0;
    if (!read_counts(&b, k)) {
        free(a);
        return 0;
    }
    counts_fn f = NULL;
    if (!strcmp(fn, "psi"))
        f = vg_drift_psi_counts;
    else if (!strcmp(fn, "kl"))
        f = vg_drift_kl_counts;
    else if (!strcmp(fn, "js"))
        f = vg_drift_jensen_shannon_counts;
    else if (!strcmp(fn, "hell"))
        f = vg_drift_hellinger_counts;
    else if (!strcmp(fn, "tvd"))
        f = vg_drift_tvd_counts;
    int ok = 1;
    vg_error err;
    int rc;
    double r = 0, p = 0;
    size_t unseen = 0;
    if (f) {
        rc = f(a, b, k, &r, &err);
        if (rc == VG_OK)
            printf("%.17g\n", r);
    } else if (!strcmp(fn, "chi2")) {
        rc = vg_drift_chi2(a, b, k, &r, &p, &unseen, &err);
        if (rc == VG_OK)
            printf("%.17g %.17g %zu\n", r, p, unseen);
    } else if (!strcmp(fn, "z")) {
        rc = vg_drift_z_test(a, b, k, &r, &p, &err);
        if (rc == VG_OK)
            printf("%.17g %.17g\n", r, p);
    } else {
        ok = 0;
        rc = VG_OK;
    }
    if (rc != VG_OK)
        printf("ERR %d %s\n", rc, err.msg);
    free(a);
    free(b);
    return ok;
}

int main(void) {
    char cmd[64];
    while (scanf("%63s", cmd) == 1) {
        int ok;
        if (!strcmp(cmd, "num"))
            ok = run_num();
        else if (!strcmp(cmd, "bins"))
            ok = run_bins();
        else if (!strcmp(cmd, "cnt"))
            ok = run_cnt();
        else
            ok = 0;
        if (!ok) {
            printf("ERR parse %s\n", cmd);
            return 1;
        }
        fflush(stdout);
    }
    return 0;
}
