/*
 * Driver for tests/oracle/test_fairness.py: reads commands on stdin and prints one line per
 * command with libvigia's fairness report (vigia/fairness.h) in %.17g:
 *
 *   fair <n> <n_groups> <reference> <min_group_size> <four_fifths> <has_labels>
 *        [<n y_true>] <n y_pred> <n group>
 *   cross <n> <na> <nb> <reference> <min_group_size> <four_fifths> <has_labels>
 *        [<n y_true>] <n y_pred> <n group a> <n group b>
 *
 * (cross: the report on the na * nb intersections numbered by vg_fair_cross), each of which
 * prints "ref ref_small n_eligible dp_diff dp_ratio four_fifths eo_diff fpr_diff eodds_diff
 * pp_diff acc_diff" then, per group, "n small selection tpr fpr precision accuracy sel_diff
 * sel_ratio four_fifths tpr_diff fpr_diff precision_diff accuracy_diff", all on one line; or
 * "ERR code message".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vigia/fairness.h"

static int read_u8(uint8_t *v, size_t n) {
    for (size_t i = 0; i < n; i++) {
        unsigned x;
        if (scanf("%u", &x) != 1)
            return 0;
        v[i] = (uint8_t)x;
    }
    return 1;
}

static int read_u32(uint32_t *v, size_t n) {
    for (size_t i = 0; i < n; i++)
        if (scanf("%u", &v[i]) != 1)
            return 0;
    return 1;
}

static void print_report(const vg_fair_result *r) {
    printf("%zu %d %zu %.17g %.17g %d %.17g %.17g %.17g %.17g %.17g", r->reference,
           r->reference_small, r->n_eligible, r->demographic_parity_difference,
           r->demographic_parity_ratio, r->four_fifths_violation, r->equal_opportunity_difference,
           r->fpr_difference, r->equalized_odds_difference, r->predictive_parity_difference,
           r->accuracy_difference);
    for (size_t k = 0; k < r->n_groups; k++) {
        const vg_fair_group *q = &r->groups[k];
        printf(" %llu %d %.17g %.17g %.17g %.17g %.17g %.17g %.17g %d %.17g %.17g %.17g %.17g",
               (unsigned long long)q->counts.n, q->small, q->selection_rate, q->tpr, q->fpr,
               q->precision, q->accuracy, q->selection_rate_diff, q->selection_rate_ratio,
               q->four_fifths_violation, q->tpr_diff, q->fpr_diff, q->precision_diff,
               q->accuracy_diff);
    }
    printf("\n");
}

static int run(int cross) {
    unsigned long long n, n_groups, nb = 1, min_size;
    long long ref;
    double ff;
    int has_labels;
    if (scanf("%llu %llu", &n, &n_groups) != 2 || (cross && scanf("%llu", &nb) != 1) ||
        scanf("%lld %llu %lf %d", &ref, &min_size, &ff, &has_labels) != 4)
        return 0;
    uint8_t *yt = malloc(n + 1), *yp = malloc(n + 1);
    uint32_t *g = malloc((n + 1) * sizeof *g), *g2 = malloc((n + 1) * sizeof *g2);
    int ok = yt && yp && g && g2 && (!has_labels || read_u8(yt, n)) && read_u8(yp, n) &&
             read_u32(g, n) && (!cross || read_u32(g2, n));
    char **names = NULL;
    size_t k = n_groups;
    vg_error err;
    err.msg[0] = '\0';
    int rc = VG_OK;
    if (ok && cross) {
        rc = vg_fair_cross(g, n_groups, NULL, g2, nb, NULL, n, g, &names, &err);
        k = n_groups * nb;
    }
    if (ok && rc == VG_OK) {
        vg_fair_options opt;
        vg_fair_options_init(&opt);
        opt.reference = ref;
        opt.min_group_size = min_size;
        opt.four_fifths = ff;
        vg_fair_result *r = NULL;
        rc = vg_fair_compute(has_labels ? yt : NULL, yp, g, n, (const char *const *)names, k, &opt,
                             &r, &err);
        if (rc == VG_OK)
            print_report(r);
        vg_fair_result_free(r);
    }
    if (ok && rc != VG_OK)
        printf("ERR %d %s\n", rc, err.msg);
    vg_fair_names_free(names, k);
    free(yt);
    free(yp);
    free(g);
    free(g2);
    return ok;
}

int main(void) {
    char cmd[64];
    while (scanf("%63s", cmd) == 1) {
        int cross = !strcmp(cmd, "cross");
        if ((!cross && strcmp(cmd, "fair")) || !run(cross)) {
            printf("ERR parse %s\n", cmd);
            return 1;
        }
        fflush(stdout);
    }
    return 0;
}
