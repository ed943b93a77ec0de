/*
 * Group fairness metrics (vigia/fairness.h). Everything derives from one confusion matrix per
 * group, so rows are counted once (vg_fair_count, which a streaming reader can call per batch)
 * and the report is a pass over the groups. The disparities follow fairlearn 0.8
 * (fairlearn.metrics: demographic_parity_difference/_ratio, equalized_odds_difference, all
 * with method 'between_groups', i.e. max - min or min / max over groups) and the disparate
 * impact four-fifths rule of the US Uniform Guidelines on Employee Selection Procedures
 * (29 CFR 1607.4(D)).
 *
 * vg_fair_cross numbers the intersections of two groupings row-major (a * nb + b), so that
 * crossing is a relabelling and every report function works on intersections unchanged.
 *
 * Invariants: a small group (n < min_group_size, or n = 0) never enters a max, min or
 * comparison; a NaN rate (zero denominator) never enters the max and min of that rate. So a
 * disparity is NaN exactly when no eligible group defines the rate, and comparisons with a
 * small reference are all NaN rather than measured against noise.
 */
#include "vigia/fairness.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void vg_fair_options_init(vg_fair_options *opt) {
    if (!opt)
        return;
    opt->reference = -1;
    opt->min_group_size = VG_FAIR_DEFAULT_MIN_GROUP_SIZE;
    opt->four_fifths = VG_FAIR_DEFAULT_FOUR_FIFTHS;
}

int vg_fair_count(const uint8_t *y_true, const uint8_t *y_pred, const uint32_t *group, size_t n,
                  vg_fair_counts *counts, size_t n_groups, vg_error *err) {
    if (n && (!y_pred || !group))
        return vg_error_set(err, VG_ERR_INVALID, "fairness: NULL %s", !y_pred ? "y_pred" : "group");
    if (!counts || n_groups == 0)
        return vg_error_set(err, VG_ERR_INVALID, "fairness: no groups to count into");
    /* validate everything first, so that a failure leaves the counts untouched */
    for (size_t i = 0; i < n; i++) {
        if (group[i] >= n_groups)
            return vg_error_set(err, VG_ERR_INVALID,
                                "fairness: group index %lu at row %zu is not below the number of "
                                "groups (%zu)",
                                (unsigned long)group[i], i, n_groups);
        if (y_pred[i] > 1)
            return vg_error_set(err, VG_ERR_INVALID,
                                "fairness: y_pred at row %zu is %u, not 0 or 1", i, y_pred[i]);
        if (y_true && y_true[i] > 1)
            return vg_error_set(err, VG_ERR_INVALID,
                                "fairness: y_true at row %zu is %u, not 0 or 1", i, y_true[i]);
    }
    for (size_t i = 0; i < n; i++) {
        vg_fair_counts *c = &counts[group[i]];
        int pred = y_pred[i];
        c->n++;
        c->n_selected += (uint64_t)pred;
        if (y_true) {
            int truth = y_true[i];
            c->tp += (uint64_t)(truth && pred);
            c->fp += (uint64_t)(!truth && pred);
            c->fn += (uint64_t)(truth && !pred);
            c->tn += (uint64_t)(!truth && !pred);
        }
    }
    return VG_OK;
}

/* a / b, NaN when b is zero (the rate is undefined, not zero) */
static double rate(uint64_t a, uint64_t b) {
    return b ? (double)a / (double)b : NAN;
}

/* max - min of field `off` (a double in vg_fair_group) over the eligible groups whose value is
 * defined: 0 with one such group, NaN with none. Also the min and max themselves (may be NULL). */
static double spread(const vg_fair_result *r, size_t off, double *min_out, double *max_out) {
    double lo = INFINITY, hi = -INFINITY;
    for (size_t g = 0; g < r->n_groups; g++) {
        const vg_fair_group *grp = &r->groups[g];
        double v;
        memcpy(&v, (const char *)grp + off, sizeof v);
        if (grp->small || isnan(v))
            continue;
        lo = v < lo ? v : lo;
        hi = v > hi ? v : hi;
    }
    if (lo > hi)
        lo = hi = NAN;
    if (min_out)
        *min_out = lo;
    if (max_out)
        *max_out = hi;
    return hi - lo;
}

static int check_counts(const vg_fair_counts *c, size_t g, int has_labels, vg_error *err) {
    if (c->n_selected > c->n)
        return vg_error_set(err, VG_ERR_INVALID, "fairness: group %zu has n_selected %llu > n %llu",
                            g, (unsigned long long)c->n_selected, (unsigned long long)c->n);
    if (!has_labels)
        return VG_OK;
    /* the four counts are bounded by n in a consistent record, so the sums cannot wrap */
    if (c->tp > c->n || c->fp > c->n || c->fn > c->n || c->tn > c->n ||
        c->tp + c->fp + c->fn + c->tn != c->n || c->tp + c->fp != c->n_selected)
        return vg_error_set(err, VG_ERR_INVALID,
                            "fairness: group %zu: tp + fp + fn + tn must equal n and tp + fp "
                            "must equal n_selected",
                            g);
    return VG_OK;
}

/* A malloc'd copy of names[g], or of its decimal index when there is no name. */
static char *copy_name(const char *const *names, size_t g) {
    char buf[32];
    const char *s = names && names[g] ? names[g] : buf;
    if (!(names && names[g]))
        snprintf(buf, sizeof buf, "%zu", g);
    size_t len = strlen(s);
    char *copy = malloc(len + 1);
    if (copy)
        memcpy(copy, s, len + 1);
    return copy;
}

int vg_fair_from_counts(const vg_fair_counts *counts, size_t n_groups,
                        const char *const *group_names, int has_labels, const vg_fair_options *opt,
                        vg_fair_result **out, vg_error *err) {
    vg_fair_options defaults;
    vg_fair_options_init(&defaults);
    if (!opt)
        opt = &defaults;
    if (!out)
        return vg_error_set(err, VG_ERR_INVALID, "fairness: NULL output pointer");
    if (!counts || n_groups == 0)
        return vg_error_set(err, VG_ERR_INVALID, "fairness: n_groups must be at least 1");
    if (opt->reference < -1 || (opt->reference >= 0 && (uint64_t)opt->reference >= n_groups))
        return vg_error_set(err, VG_ERR_INVALID,
                            "fairness: reference group %lld is not -1 or below the number of "
                            "groups (%zu)",
                            (long long)opt->reference, n_groups);
    if (!(opt->four_fifths > 0 && opt->four_fifths <= 1))
        return vg_error_set(err, VG_ERR_INVALID,
                            "fairness: four_fifths threshold %g is not in (0, 1]",
                            opt->four_fifths);
    for (size_t g = 0; g < n_groups; g++) {
        int rc = check_counts(&counts[g], g, has_labels, err);
        if (rc != VG_OK)
            return rc;
    }

    vg_fair_result *r = calloc(1, sizeof *r);
    vg_fair_group *groups = calloc(n_groups, sizeof *groups);
    if (!r || !groups) {
        free(r);
        free(groups);
        return vg_error_set(err, VG_ERR_NOMEM, "fairness: out of memory for %zu groups", n_groups);
    }
    r->groups = groups;
    r->n_groups = n_groups;
    r->has_labels = has_labels != 0;
    r->four_fifths = opt->four_fifths;
    r->min_group_size = opt->min_group_size;

    size_t largest = 0;
    for (size_t g = 0; g < n_groups; g++) {
        vg_fair_group *grp = &groups[g];
        const vg_fair_counts *c = &counts[g];
        grp->name = copy_name(group_names, g);
        if (!grp->name) {
            vg_fair_result_free(r);
            return vg_error_set(err, VG_ERR_NOMEM, "fairness: out of memory for group names");
        }
        grp->counts = *c;
        grp->small = c->n == 0 || c->n < opt->min_group_size;
        r->n_eligible += !grp->small;
        grp->selection_rate = rate(c->n_selected, c->n);
        if (has_labels) {
            grp->tpr = rate(c->tp, c->tp + c->fn);
            grp->fpr = rate(c->fp, c->fp + c->tn);
            grp->precision = rate(c->tp, c->tp + c->fp);
            grp->accuracy = rate(c->tp + c->tn, c->n);
        } else {
            grp->tpr = grp->fpr = grp->precision = grp->accuracy = NAN;
        }
        if (c->n > counts[largest].n)
            largest = g;
    }
    r->reference = opt->reference >= 0 ? (size_t)opt->reference : largest;

    const vg_fair_group *ref = &groups[r->reference];
    r->reference_small = ref->small;
    for (size_t g = 0; g < n_groups; g++) {
        vg_fair_group *grp = &groups[g];
        if (grp->small || ref->small) {
            grp->selection_rate_diff = grp->selection_rate_ratio = NAN;
            grp->tpr_diff = grp->fpr_diff = grp->precision_diff = grp->accuracy_diff = NAN;
            continue;
        }
        /* NaN operands propagate: a comparison needs both values */
        grp->selection_rate_diff = grp->selection_rate - ref->selection_rate;
        grp->selection_rate_ratio =
            ref->selection_rate > 0 ? grp->selection_rate / ref->selection_rate : NAN;
        grp->four_fifths_violation = grp->selection_rate_ratio < opt->four_fifths;
        grp->tpr_diff = grp->tpr - ref->tpr;
        grp->fpr_diff = grp->fpr - ref->fpr;
        grp->precision_diff = grp->precision - ref->precision;
        grp->accuracy_diff = grp->accuracy - ref->accuracy;
    }

    double sel_min, sel_max;
    r->demographic_parity_difference =
        spread(r, offsetof(vg_fair_group, selection_rate), &sel_min, &sel_max);
    r->demographic_parity_ratio = sel_max > 0 ? sel_min / sel_max : NAN;
    r->four_fifths_violation = r->demographic_parity_ratio < opt->four_fifths;
    r->equal_opportunity_difference = spread(r, offsetof(vg_fair_group, tpr), NULL, NULL);
    r->fpr_difference = spread(r, offsetof(vg_fair_group, fpr), NULL, NULL);
    r->equalized_odds_difference = r->equal_opportunity_difference > r->fpr_difference
                                       ? r->equal_opportunity_difference
                                       : r->fpr_difference;
    if (isnan(r->equal_opportunity_difference) || isnan(r->fpr_difference))
        r->equalized_odds_difference = NAN;
    r->predictive_parity_difference = spread(r, offsetof(vg_fair_group, precision), NULL, NULL);
    r->accuracy_difference = spread(r, offsetof(vg_fair_group, accuracy), NULL, NULL);
    *out = r;
    return VG_OK;
}

int vg_fair_compute(const uint8_t *y_true, const uint8_t *y_pred, const uint32_t *group, size_t n,
                    const char *const *group_names, size_t n_groups, const vg_fair_options *opt,
                    vg_fair_result **out, vg_error *err) {
    if (n_groups == 0)
        return vg_error_set(err, VG_ERR_INVALID, "fairness: n_groups must be at least 1");
    vg_fair_counts *counts = calloc(n_groups, sizeof *counts);
    if (!counts)
        return vg_error_set(err, VG_ERR_NOMEM, "fairness: out of memory for %zu groups", n_groups);
    int rc = vg_fair_count(y_true, y_pred, group, n, counts, n_groups, err);
    if (rc == VG_OK)
        rc = vg_fair_from_counts(counts, n_groups, group_names, y_true != NULL, opt, out, err);
    free(counts);
    return rc;
}

void vg_fair_result_free(vg_fair_result *r) {
    if (!r)
        return;
    for (size_t g = 0; g < r->n_groups; g++)
        free(r->groups[g].name);
    free(r->groups);
    free(r);
}

/* ---- intersections ------------------------------------------------------------------------ */

/* More crossed groups than this would be almost all empty or small, and their names alone
 * would take memory out of proportion to a report. */
#define MAX_CROSSED_GROUPS ((size_t)1 << 20)

void vg_fair_names_free(char **names, size_t n) {
    if (!names)
        return;
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
}

int vg_fair_cross(const uint32_t *a, size_t na, const char *const *names_a, const uint32_t *b,
                  size_t nb, const char *const *names_b, size_t n, uint32_t *out, char ***names_out,
                  vg_error *err) {
    if (!names_out || (n && (!a || !b || !out)))
        return vg_error_set(err, VG_ERR_INVALID, "fairness: NULL argument to vg_fair_cross");
    if (na == 0 || nb == 0)
        return vg_error_set(err, VG_ERR_INVALID, "fairness: a grouping to cross has no groups");
    if (na > MAX_CROSSED_GROUPS / nb)
        return vg_error_set(err, VG_ERR_LIMIT,
                            "fairness: %zu x %zu crossed groups exceed the limit of %zu", na, nb,
                            MAX_CROSSED_GROUPS);
    for (size_t i = 0; i < n; i++)
        if (a[i] >= na || b[i] >= nb)
            return vg_error_set(err, VG_ERR_INVALID,
                                "fairness: group index %lu of the %s grouping at row %zu is not "
                                "below %zu",
                                (unsigned long)(a[i] >= na ? a[i] : b[i]),
                                a[i] >= na ? "first" : "second", i, a[i] >= na ? na : nb);
    size_t k = na * nb;
    char **names = calloc(k, sizeof *names);
    if (!names)
        return vg_error_set(err, VG_ERR_NOMEM, "fairness: out of memory for %zu names", k);
    for (size_t i = 0; i < na; i++)
        for (size_t j = 0; j < nb; j++) {
            char *x = copy_name(names_a, i), *y = copy_name(names_b, j);
            size_t len = x && y ? strlen(x) + strlen(y) + 4 : 0;
            char *name = len ? malloc(len) : NULL;
            if (name)
                snprintf(name, len, "%s & %s", x, y);
            free(x);
            free(y);
            if (!name) {
                vg_fair_names_free(names, k);
                return vg_error_set(err, VG_ERR_NOMEM, "fairness: out of memory for names");
            }
            names[i * nb + j] = name;
        }
    for (size_t i = 0; i < n; i++)
        out[i] = (uint32_t)(a[i] * nb + b[i]);
    *names_out = names;
    return VG_OK;
}
