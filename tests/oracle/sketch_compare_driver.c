/*
 * Driver for tests/oracle/test_sketch_compare.py: compares two .vgp profiles with
 * vg_compare_profiles and prints the result as one JSON line per command, for Python to check
 * against the exact figures from the raw data. Commands, one per line:
 *
 *   compare REF.vgp CUR.vgp N_BINS
 *
 * Output: {"ref_rows":..,"columns":{NAME:{"kind":..,"method":..,"drifted":..,"note":..,
 * "edges":[..] or null,"scores":{M:[statistic,p_value,error_bound]}}}} with NaN as null.
 * "edges" are the reference sketch's quantiles at i / N_BINS (before repeats are dropped) when
 * that sketch has compacted, the edges sketch mode bins with; null when the sketch holds every
 * value (then it bins as the raw data does). On failure: ERR code message.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vigia/compare.h"
#include "vigia/profile.h"

static void num(double x) {
    if (isnan(x) || isinf(x))
        printf(isnan(x) ? "null" : (x > 0 ? "1e999" : "-1e999"));
    else
        printf("%.17g", x);
}

static void str(const char *s) {
    putchar('"');
    for (; *s; s++) {
        if (*s == '"' || *s == '\\')
            putchar('\\');
        if ((unsigned char)*s < 0x20)
            printf("\\u%04x", (unsigned char)*s);
        else
            putchar(*s);
    }
    putchar('"');
}

static void edges(const vg_profile *p, const char *name, size_t nb) {
    int i = vg_profile_find_column(p, name, strlen(name));
    const vg_kll *k = i < 0 ? NULL : p->cols[i]->kll;
    if (!k || vg_kll_n(k) == 0 || vg_kll_retained(k) == vg_kll_n(k) || nb < 2) {
        printf("null");
        return;
    }
    putchar('[');
    for (size_t j = 1; j < nb; j++) {
        if (j > 1)
            putchar(',');
        num(vg_kll_quantile(k, (double)j / (double)nb));
    }
    putchar(']');
}

static void run(const char *a, const char *b, size_t nb) {
    vg_error err;
    err.msg[0] = '\0';
    vg_profile *r = vg_profile_load(a, &err), *c = r ? vg_profile_load(b, &err) : NULL;
    vg_compare_options o;
    vg_compare_options_default(&o);
    o.n_bins = nb;
    vg_compare_result *res = NULL;
    int rc = c ? vg_compare_profiles(r, c, &o, &res, &err) : VG_ERR_IO;
    if (rc != VG_OK) {
        printf("ERR %d %s\n", rc, err.msg);
    } else {
        printf("{\"ref_rows\":%llu,\"n_drifted\":%zu,\"dataset_drift\":%d,\"columns\":{",
               (unsigned long long)res->ref_rows, res->n_drifted, res->dataset_drift);
        for (size_t i = 0; i < res->ncols; i++) {
            const vg_compare_column *col = &res->cols[i];
            if (i)
                putchar(',');
            str(col->name);
            printf(":{\"kind\":");
            str(col->kind);
            printf(",\"method\":");
            if (col->method)
                str(col->method);
            else
                printf("null");
            printf(",\"drifted\":%d,\"unseen\":%zu,\"note\":", col->drifted, col->n_unseen);
            str(col->note);
            printf(",\"edges\":");
            edges(r, col->name, nb);
            printf(",\"scores\":{");
            for (size_t j = 0; j < col->nscores; j++) {
                const vg_compare_score *s = &col->scores[j];
                if (j)
                    putchar(',');
                str(s->method);
                putchar(':');
                putchar('[');
                num(s->statistic);
                putchar(',');
                num(s->p_value);
                putchar(',');
                num(s->error_bound);
                putchar(']');
            }
            printf("}}");
        }
        printf("}}\n");
    }
    vg_compare_result_free(res);
    vg_profile_free(r);
    vg_profile_free(c);
}

int main(void) {
    char a[4096], b[4096], cmd[32];
    size_t nb;
    while (scanf("%31s %4095s %4095s %zu", cmd, a, b, &nb) == 4)
        run(a, b, nb);
    return 0;
}
