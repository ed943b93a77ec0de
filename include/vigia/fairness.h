/*
 * Fairness of a binary classifier across sensitive groups: per group the count, the selection
 * (positive prediction) rate, TPR, FPR, precision and accuracy, and the disparities between
 * groups that fairlearn 0.8 defines (demographic parity difference and ratio, equalized odds
 * difference), plus equal opportunity and predictive parity differences, the disparate impact
 * ratio with the four-fifths rule, and each group's difference (and selection-rate ratio) to a
 * reference group. docs/fairness.md gives every definition and the JSON field names;
 * tests/oracle/test_fairness.py checks them against sklearn/pandas.
 *
 * A group is one value of a sensitive column, or of several crossed (vg_fair_cross numbers the
 * intersections). Groups with fewer rows than a minimum size are marked `small` and take no part
 * in any disparity or comparison, so that a handful of rows cannot produce a verdict; their own
 * rates are still reported. A rate whose denominator is zero (TPR of a group without actual
 * positives, precision of a group without predicted positives, anything of an empty group) is
 * NaN and is left out of the disparities of that rate.
 *
 * The work is split so that a streaming caller need not keep rows: vg_fair_count adds rows to
 * per-group confusion counts, vg_fair_from_counts turns counts into the report, and
 * vg_fair_compute does both for arrays in memory.
 */
#ifndef VIGIA_FAIRNESS_H
#define VIGIA_FAIRNESS_H

#include <stddef.h>
#include <stdint.h>

#include "vigia/error.h"

#ifdef __cplusplus
extern "C" {
#endif

#define VG_FAIR_DEFAULT_MIN_GROUP_SIZE 30
#define VG_FAIR_DEFAULT_FOUR_FIFTHS 0.8

/* Counts of one group. With labels, tp + fp + fn + tn = n and tp + fp = n_selected; without
 * labels tp, fp, fn, tn stay zero. */
typedef struct vg_fair_counts {
    uint64_t n;          /* rows */
    uint64_t n_selected; /* rows predicted positive */
    uint64_t tp, fp, fn, tn;
} vg_fair_counts;

typedef struct vg_fair_options {
    int64_t reference;       /* reference group index, or -1: the largest group (ties: first) */
    uint64_t min_group_size; /* groups with fewer rows are small (empty groups always are) */
    double four_fifths;      /* disparate impact threshold, in (0, 1] */
} vg_fair_options;

/* Sets the defaults: reference -1, min_group_size 30, four_fifths 0.8. */
void vg_fair_options_init(vg_fair_options *opt);

typedef struct vg_fair_group {
    char *name;            /* owned by the result */
    vg_fair_counts counts; /* the confusion counts of the group */
    int small;             /* 1 if n < min_group_size or n = 0: left out of every disparity */
    double selection_rate; /* n_selected / n */
    double tpr;            /* tp / (tp + fn); NaN without labels or actual positives */
    double fpr;            /* fp / (fp + tn); NaN without labels or actual negatives */
    double precision;      /* tp / (tp + fp); NaN without labels or predicted positives */
    double accuracy;       /* (tp + tn) / n; NaN without labels */
    /* Comparisons with the reference group: this group's value minus the reference's, and the
     * ratio of selection rates. NaN when this group or the reference is small, or either value
     * is NaN (the reference compared with itself gives 0 and 1). */
    double selection_rate_diff, selection_rate_ratio;
    double tpr_diff, fpr_diff, precision_diff, accuracy_diff;
    /* 1 if selection_rate_ratio < four_fifths; 0 otherwise, NaN ratios included */
    int four_fifths_violation;
} vg_fair_group;

/* Disparities over the groups that are not small and whose rate is defined ("eligible"): max -
 * min of that rate; 0 with one eligible group, NaN with none. */
typedef struct vg_fair_result {
    size_t n_groups;
    vg_fair_group *groups; /* n_groups entries, in the caller's group order */
    int has_labels;        /* 0: only counts, selection rates and demographic parity */
    size_t reference;      /* index of the reference group */
    int reference_small;   /* the reference is small: every per-group comparison is NaN */
    size_t n_eligible;     /* groups that are not small */
    double demographic_parity_difference; /* selection rate max - min */
    double demographic_parity_ratio;      /* selection rate min / max (disparate impact); NaN
                                             when no eligible group selects anyone */
    int four_fifths_violation;            /* demographic_parity_ratio < four_fifths */
    double equal_opportunity_difference;  /* TPR max - min */
    double fpr_difference;                /* FPR max - min */
    double equalized_odds_difference;     /* max(TPR difference, FPR difference); NaN if
                                             either is NaN */
    double predictive_parity_difference;  /* precision max - min */
    double accuracy_difference;           /* accuracy max - min */
    double four_fifths;                   /* the threshold used */
    uint64_t min_group_size;              /* the minimum used */
} vg_fair_result;

/* Adds rows 0 .. n-1 into counts[0 .. n_groups-1] (which the caller zeroes before the first
 * call): row i belongs to group[i] and is predicted positive when y_pred[i] is 1. y_true (may
 * be NULL: counts n and n_selected only) holds the actual labels. Labels must be 0 or 1 and
 * group indices below n_groups: otherwise VG_ERR_INVALID naming the array and the row, and
 * `counts` is left untouched. */
int vg_fair_count(const uint8_t *y_true, const uint8_t *y_pred, const uint32_t *group, size_t n,
                  vg_fair_counts *counts, size_t n_groups, vg_error *err);

/* The report from the counts of n_groups >= 1 groups. group_names (may be NULL: names "0", "1",
 * ...) are copied; has_labels says whether the confusion counts are filled (they must then sum
 * to n, else VG_ERR_INVALID). opt may be NULL (the defaults). On success *out receives a result
 * that the caller frees with vg_fair_result_free. */
int vg_fair_from_counts(const vg_fair_counts *counts, size_t n_groups,
                        const char *const *group_names, int has_labels, const vg_fair_options *opt,
                        vg_fair_result **out, vg_error *err);

/* vg_fair_count over zeroed counts, then vg_fair_from_counts (has_labels = y_true != NULL). */
int vg_fair_compute(const uint8_t *y_true, const uint8_t *y_pred, const uint32_t *group, size_t n,
                    const char *const *group_names, size_t n_groups, const vg_fair_options *opt,
                    vg_fair_result **out, vg_error *err);

/* Frees a result (NULL allowed). */
void vg_fair_result_free(vg_fair_result *r);

/* Intersections of two groupings (for several sensitive columns): row i falls in group
 * out[i] = a[i] * nb + b[i] of the na * nb crossed groups, named "<name a> & <name b>" (names_a,
 * names_b may be NULL: the indices). Combinations that occur in no row are empty groups, which
 * the report marks small. Cross the result with a third grouping for three columns. *names_out
 * receives na * nb names that the caller frees with vg_fair_names_free. Indices out of range
 * are VG_ERR_INVALID naming the row; na * nb above 2^20 is VG_ERR_LIMIT. */
int vg_fair_cross(const uint32_t *a, size_t na, const char *const *names_a, const uint32_t *b,
                  size_t nb, const char *const *names_b, size_t n, uint32_t *out, char ***names_out,
                  vg_error *err);

/* Frees n names from vg_fair_cross (NULL allowed). */
void vg_fair_names_free(char **names, size_t n);

#ifdef __cplusplus
}
#endif
#endif
