/*
 * Running a constraint suite (vigia/check.h) on a dataset held as vg_samples.
 *
 * Every figure is exact, because vg_samples keeps every value: after loading, a column's
 * numbers are sorted (min, max, quantiles and out-of-range counts are read off the array, the
 * count of distinct numbers is the count of runs) and its categories carry exact counts
 * (distinct values, duplicates, values outside an allowed set). One subtlety of vg_samples: a
 * purely numeric column with more than VG_SAMPLES_MAX_NUMERIC_CATEGORIES distinct numbers stops
 * counting them as categories (`numbers_uncounted`); its categories then hold only the
 * non-numeric values, and the numbers are counted from the sorted array instead. Column types
 * come from a profile's exact type counts (pandas' inference, docs/input.md), since vg_samples
 * keeps values, not how they were written. Drift is vg_compare_samples on the one column, with
 * the constraint's method and threshold as a per-column rule. Model metrics and fairness are
 * in model.c (the evaluate module's figures).
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../base/fmt.h"
#include "internal.h"
#include "vigia/check.h"
#include "vigia/moments.h"

const char *vg_check_status_name(vg_check_status s) {
    return s == VG_CHECK_PASS ? "pass" : s == VG_CHECK_FAIL ? "fail" : "warn";
}

static const vg_samples_column *find_column(const vg_samples *s, const char *name) {
    for (size_t j = 0; j < s->ncols; j++)
        if (!strcmp(s->cols[j].name, name))
            return &s->cols[j];
    return NULL;
}

/* A number as reports show it: the shortest text that reads back as the same double. */
static const char *num(char *buf, double x) {
    if (isnan(x))
        return "-";
    vg_fmt_double(buf, 40, x);
    return buf;
}

static void say(char *dst, size_t size, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

static void say(char *dst, size_t size, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(dst, size, fmt, ap);
    va_end(ap);
}

#define SAY(field, ...) say(o->field, sizeof o->field, __VA_ARGS__)

/* "[a, b]", ">= a" or "<= b" */
static void bounds_text(char *dst, size_t size, double lo, double hi) {
    char a[40], b[40];
    if (!isnan(lo) && !isnan(hi))
        say(dst, size, "[%s, %s]", num(a, lo), num(b, hi));
    else if (!isnan(lo))
        say(dst, size, ">= %s", num(a, lo));
    else
        say(dst, size, "<= %s", num(b, hi));
}

static int within(double v, double lo, double hi) {
    return !isnan(v) && !(v < lo) && !(v > hi);
}

static double share(uint64_t part, uint64_t whole) {
    return whole ? (double)part / (double)whole : 0;
}

/* The bound a figure broke, for messages: "below the minimum 10" or "above the maximum 20". */
static void broken(char *dst, size_t size, double v, double lo, double hi) {
    char b[40];
    if (v < lo)
        say(dst, size, "below the minimum %s", num(b, lo));
    else
        say(dst, size, "above the maximum %s", num(b, hi));
}

static void absent(vg_check_outcome *o, const vg_constraint *c, const char *where) {
    o->status = VG_CHECK_FAIL;
    SAY(observed_text, "absent");
    SAY(message, "column '%s' is not in the %s", c->column, where);
}

static void row_count(vg_check_outcome *o, const vg_constraint *c, uint64_t rows) {
    char why[80];
    o->observed = (double)rows;
    SAY(observed_text, "%llu", (unsigned long long)rows);
    bounds_text(o->expected, sizeof o->expected, c->min, c->max);
    if (within(o->observed, c->min, c->max)) {
        SAY(message, "%llu rows", (unsigned long long)rows);
        return;
    }
    o->status = VG_CHECK_FAIL;
    broken(why, sizeof why, o->observed, c->min, c->max);
    SAY(message, "%llu rows, %s", (unsigned long long)rows, why);
}

static void type_check(vg_check_outcome *o, const vg_constraint *c, const vg_profile *p) {
    SAY(expected, "%s", vg_check_type_name(c->type));
    int j = vg_profile_find_column(p, c->column, strlen(c->column));
    if (j < 0) {
        absent(o, c, "data");
        return;
    }
    const vg_column *col = p->cols[j];
    vg_coltype t = vg_column_type(col);
    SAY(observed_text, "%s", vg_coltype_name(t));
    int ok;
    switch (c->type) {
    case VG_CHECK_TYPE_INTEGER: ok = t == VG_TYPE_INTEGER; break;
    case VG_CHECK_TYPE_FRACTIONAL: ok = t == VG_TYPE_FRACTIONAL; break;
    case VG_CHECK_TYPE_NUMERIC: ok = t == VG_TYPE_INTEGER || t == VG_TYPE_FRACTIONAL; break;
    case VG_CHECK_TYPE_BOOLEAN: ok = t == VG_TYPE_BOOLEAN; break;
    default: ok = t == VG_TYPE_STRING; break;
    }
    if (t == VG_TYPE_EMPTY) {
        SAY(message, "column '%s' holds no value (every cell is missing): no type to check",
            c->column);
        return;
    }
    SAY(message, "column '%s' is %s: %llu integer, %llu fractional, %llu boolean, %llu text values",
        c->column, vg_coltype_name(t), (unsigned long long)col->n_integer,
        (unsigned long long)col->n_fractional, (unsigned long long)col->n_boolean,
        (unsigned long long)col->n_string);
    if (!ok)
        o->status = VG_CHECK_FAIL;
}

static void completeness(vg_check_outcome *o, const vg_constraint *c, const vg_samples_column *col,
                         uint64_t rows) {
    char b[40];
    o->observed = share(col->missing, rows);
    SAY(observed_text, "%.4g%%", 100 * o->observed);
    SAY(expected, "missing <= %s%%", num(b, 100 * c->max_missing));
    SAY(message, "column '%s': %llu of %llu values missing (%.4g%%, at most %s%% allowed)",
        c->column, (unsigned long long)col->missing, (unsigned long long)rows, 100 * o->observed,
        num(b, 100 * c->max_missing));
    if (o->observed > c->max_missing)
        o->status = VG_CHECK_FAIL;
}

/* Numbers of the sorted array below lo and above hi (binary search; NaN bounds are open). */
static void count_outside(const vg_samples_column *col, double lo, double hi, uint64_t *below,
                          uint64_t *above) {
    size_t a = 0, b = col->nnum;
    while (!isnan(lo) && a < b) { /* first index with value >= lo */
        size_t m = a + (b - a) / 2;
        if (col->num[m] < lo)
            a = m + 1;
        else
            b = m;
    }
    *below = isnan(lo) ? 0 : a;
    a = 0;
    b = col->nnum;
    while (!isnan(hi) && a < b) { /* first index with value > hi */
        size_t m = a + (b - a) / 2;
        if (col->num[m] <= hi)
            a = m + 1;
        else
            b = m;
    }
    *above = isnan(hi) ? 0 : col->nnum - a;
}

static void range_check(vg_check_outcome *o, const vg_constraint *c, const vg_samples_column *col) {
    char a[40], b[40], lo[40], hi[40];
    bounds_text(o->expected, sizeof o->expected, c->min, c->max);
    uint64_t below, above;
    count_outside(col, c->min, c->max, &below, &above);
    uint64_t values = col->nnum + col->n_other;
    if (col->nnum)
        SAY(observed_text, "[%s, %s]", num(a, col->num[0]), num(b, col->num[col->nnum - 1]));
    else
        SAY(observed_text, "no numbers");
    o->observed = (double)(below + above + col->n_other);
    if (below + above + col->n_other == 0) {
        if (col->nnum)
            SAY(message, "column '%s': all %llu numbers within %s (min %s, max %s)", c->column,
                (unsigned long long)col->nnum, o->expected, num(lo, col->num[0]),
                num(hi, col->num[col->nnum - 1]));
        else
            SAY(message, "column '%s' holds no value to check", c->column);
        return;
    }
    o->status = VG_CHECK_FAIL;
    SAY(message,
        "column '%s': %llu of %llu values (%.3g%%) out of range (allowed %s): %llu below, %llu "
        "above, %llu not numbers; min %s, max %s",
        c->column, (unsigned long long)(below + above + col->n_other), (unsigned long long)values,
        100 * share(below + above + col->n_other, values), o->expected, (unsigned long long)below,
        (unsigned long long)above, (unsigned long long)col->n_other,
        col->nnum ? num(lo, col->num[0]) : "-", col->nnum ? num(hi, col->num[col->nnum - 1]) : "-");
}

static int cmp_str(const void *a, const void *b) {
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Up to 3 examples, most frequent first, gathered while scanning values. */
typedef struct {
    const char *text[3];
    uint64_t count[3];
    char numtext[3][40]; /* storage for numbers formatted on the fly */
    size_t n;
} examples;

static void example_add(examples *e, const char *text, uint64_t count, int copy) {
    size_t i = e->n < 3 ? e->n++ : 3;
    if (i == 3) {
        if (count <= e->count[2])
            return;
        i = 2;
    }
    while (i > 0 && e->count[i - 1] < count) {
        e->count[i] = e->count[i - 1];
        if (e->text[i - 1] == e->numtext[i - 1]) {
            memcpy(e->numtext[i], e->numtext[i - 1], sizeof e->numtext[i]);
            e->text[i] = e->numtext[i];
        } else {
            e->text[i] = e->text[i - 1];
        }
        i--;
    }
    e->count[i] = count;
    if (copy) {
        snprintf(e->numtext[i], sizeof e->numtext[i], "%s", text);
        e->text[i] = e->numtext[i];
    } else {
        e->text[i] = text;
    }
}

static void examples_text(const examples *e, char *dst, size_t size) {
    size_t at = 0;
    dst[0] = '\0';
    for (size_t i = 0; i < e->n && at < size; i++) {
        int w = snprintf(dst + at, size - at, "%s\"%.40s\" (%llu)", i ? ", " : "", e->text[i],
                         (unsigned long long)e->count[i]);
        if (w < 0)
            return;
        at += (size_t)w;
    }
}

static int allowed_values(vg_check_outcome *o, const vg_constraint *c,
                          const vg_samples_column *col) {
    const char **set = malloc((c->n_values ? c->n_values : 1) * sizeof *set);
    if (!set)
        return VG_ERR_NOMEM;
    memcpy(set, c->values, c->n_values * sizeof *set);
    qsort(set, c->n_values, sizeof *set, cmp_str);
    SAY(expected, "%zu allowed value%s", c->n_values, c->n_values == 1 ? "" : "s");
    uint64_t bad = 0, bad_distinct = 0;
    examples ex = {0};
    for (size_t i = 0; i < col->ncat; i++) {
        const char *t = col->cat[i].text;
        if (!bsearch(&t, set, c->n_values, sizeof *set, cmp_str)) {
            bad += col->cat[i].count;
            bad_distinct++;
            example_add(&ex, t, col->cat[i].count, 0);
        }
    }
    if (col->numbers_uncounted) /* numbers are not categories here: walk their sorted runs */
        for (size_t i = 0; i < col->nnum;) {
            size_t j = i;
            while (j < col->nnum && col->num[j] == col->num[i])
                j++;
            char buf[40];
            const char *t = buf;
            vg_fmt_double(buf, sizeof buf, col->num[i]);
            if (!bsearch(&t, set, c->n_values, sizeof *set, cmp_str)) {
                bad += j - i;
                bad_distinct++;
                example_add(&ex, buf, j - i, 1);
            }
            i = j;
        }
    free(set);
    uint64_t values = col->nnum + col->n_other;
    o->observed = (double)bad;
    SAY(observed_text, "%llu not allowed", (unsigned long long)bad);
    if (bad == 0) {
        SAY(message, "column '%s': all %llu values allowed", c->column, (unsigned long long)values);
        return VG_OK;
    }
    char list[200];
    examples_text(&ex, list, sizeof list);
    o->status = VG_CHECK_FAIL;
    SAY(message, "column '%s': %llu of %llu values (%.3g%%) not allowed, %llu distinct: %s%s",
        c->column, (unsigned long long)bad, (unsigned long long)values, 100 * share(bad, values),
        (unsigned long long)bad_distinct, list, bad_distinct > ex.n ? ", ..." : "");
    return VG_OK;
}

/* Distinct values and duplicated occurrences (occurrences beyond the first of each value). */
static void distinct_counts(const vg_samples_column *col, uint64_t *distinct, uint64_t *dups,
                            examples *ex) {
    *distinct = 0;
    *dups = 0;
    for (size_t i = 0; i < col->ncat; i++) {
        (*distinct)++;
        if (col->cat[i].count > 1) {
            *dups += col->cat[i].count - 1;
            if (ex)
                example_add(ex, col->cat[i].text, col->cat[i].count, 0);
        }
    }
    if (!col->numbers_uncounted)
        return;
    for (size_t i = 0; i < col->nnum;) {
        size_t j = i;
        while (j < col->nnum && col->num[j] == col->num[i])
            j++;
        (*distinct)++;
        if (j - i > 1) {
            *dups += j - i - 1;
            if (ex) {
                char buf[40];
                vg_fmt_double(buf, sizeof buf, col->num[i]);
                example_add(ex, buf, j - i, 1);
            }
        }
        i = j;
    }
}

void vg_check_column_counts(const vg_samples_column *col, uint64_t *distinct, uint64_t *dups) {
    distinct_counts(col, distinct, dups, NULL);
}

static void unique_check(vg_check_outcome *o, const vg_constraint *c,
                         const vg_samples_column *col) {
    uint64_t distinct, dups;
    examples ex = {0};
    distinct_counts(col, &distinct, &dups, &ex);
    o->observed = (double)dups;
    SAY(observed_text, "%llu duplicate%s", (unsigned long long)dups, dups == 1 ? "" : "s");
    SAY(expected, "no duplicates");
    if (dups == 0) {
        SAY(message, "column '%s': all %llu values distinct", c->column,
            (unsigned long long)distinct);
        return;
    }
    char list[200];
    examples_text(&ex, list, sizeof list);
    o->status = VG_CHECK_FAIL;
    SAY(message, "column '%s': %llu values repeat an earlier one; most repeated: %s", c->column,
        (unsigned long long)dups, list);
}

/* numpy.quantile(x, q, method='linear') of the sorted x, as src/drift/distance.c computes it
 * (virtual index (n - 1) q; numpy's _lerp, which interpolates from the nearer end point). */
static double quantile_linear(const double *x, size_t n, double q) {
    double h = (double)(n - 1) * q;
    double lo = floor(h);
    double t = h - lo;
    size_t i = (size_t)lo;
    if (i >= n - 1)
        return x[n - 1];
    double a = x[i], b = x[i + 1], diff = b - a;
    if (isinf(diff))
        return t == 0 ? a : (1 - t) * a + t * b;
    return t >= 0.5 ? b - diff * (1 - t) : a + diff * t;
}

/* mean, std and quantile: a statistic of the column's numbers, within bounds. */
static void statistic(vg_check_outcome *o, const vg_constraint *c, const vg_samples_column *col) {
    char a[40], why[80], label[40];
    bounds_text(o->expected, sizeof o->expected, c->min, c->max);
    double v = NAN;
    if (c->kind == VG_CHECK_QUANTILE) {
        say(label, sizeof label, "quantile %s", num(a, c->q));
        if (col->nnum)
            v = quantile_linear(col->num, col->nnum, c->q);
    } else {
        vg_moments m;
        vg_moments_init(&m);
        vg_moments_update_batch(&m, col->num, col->nnum);
        v = c->kind == VG_CHECK_MEAN ? vg_moments_mean(&m) : vg_moments_std(&m, 1);
        say(label, sizeof label, "%s", c->kind == VG_CHECK_MEAN ? "mean" : "standard deviation");
    }
    o->observed = v;
    SAY(observed_text, "%.6g", v);
    char ignored[80] = "";
    if (col->n_other)
        say(ignored, sizeof ignored, "; %llu non-numeric values left out",
            (unsigned long long)col->n_other);
    if (isnan(v)) {
        o->status = VG_CHECK_FAIL;
        SAY(observed_text, "-");
        SAY(message, "column '%s': %s undefined (%llu numbers)%s", c->column, label,
            (unsigned long long)col->nnum, ignored);
        return;
    }
    if (within(v, c->min, c->max)) {
        SAY(message, "column '%s': %s %.6g, within %s (%llu numbers)%s", c->column, label, v,
            o->expected, (unsigned long long)col->nnum, ignored);
        return;
    }
    o->status = VG_CHECK_FAIL;
    broken(why, sizeof why, v, c->min, c->max);
    SAY(message, "column '%s': %s %.6g, %s (%llu numbers)%s", c->column, label, v, why,
        (unsigned long long)col->nnum, ignored);
}

static void distinct_check(vg_check_outcome *o, const vg_constraint *c,
                           const vg_samples_column *col) {
    char why[80];
    uint64_t distinct, dups;
    distinct_counts(col, &distinct, &dups, NULL);
    bounds_text(o->expected, sizeof o->expected, c->min, c->max);
    o->observed = (double)distinct;
    SAY(observed_text, "%llu", (unsigned long long)distinct);
    if (within(o->observed, c->min, c->max)) {
        SAY(message, "column '%s': %llu distinct values", c->column, (unsigned long long)distinct);
        return;
    }
    o->status = VG_CHECK_FAIL;
    broken(why, sizeof why, o->observed, c->min, c->max);
    SAY(message, "column '%s': %llu distinct values, %s", c->column, (unsigned long long)distinct,
        why);
}

static int drift_check(vg_check_outcome *o, const vg_constraint *c, const vg_samples *cur,
                       const vg_samples *ref, vg_error *err) {
    /* one column compared: every other column of either dataset is ignored */
    const char **ignore = malloc((cur->ncols + ref->ncols + 1) * sizeof *ignore);
    if (!ignore)
        return vg_error_set(err, VG_ERR_NOMEM, "out of memory");
    size_t ni = 0;
    for (size_t j = 0; j < cur->ncols; j++)
        if (strcmp(cur->cols[j].name, c->column) != 0)
            ignore[ni++] = cur->cols[j].name;
    for (size_t j = 0; j < ref->ncols; j++)
        if (strcmp(ref->cols[j].name, c->column) != 0)
            ignore[ni++] = ref->cols[j].name;
    vg_compare_rule rule = {c->column, c->method, c->threshold};
    vg_compare_options co;
    vg_compare_options_default(&co);
    co.rules = &rule;
    co.n_rules = 1;
    co.ignore = ignore;
    co.n_ignore = ni;
    co.threads = 1;
    vg_compare_result *res = NULL;
    int rc = vg_compare_samples(ref, cur, &co, &res, err);
    free(ignore);
    if (rc != VG_OK)
        return rc;
    const vg_compare_column *col = NULL;
    for (size_t j = 0; j < res->ncols; j++)
        if (!strcmp(res->cols[j].name, c->column))
            col = &res->cols[j];
    char a[40], b[40];
    if (c->method)
        SAY(expected, "%s %s %s", c->method,
            isnan(c->threshold) ? "below its default threshold" : "<", num(b, c->threshold));
    else
        SAY(expected, "no drift (default method)");
    if (!col) {
        absent(o, c, find_column(cur, c->column) ? "reference" : "data");
    } else if (!col->method || (c->method && strcmp(col->method, c->method) != 0)) {
        o->status = VG_CHECK_FAIL;
        SAY(observed_text, "not compared");
        SAY(message, "column '%s' could not be compared%s%s", c->column, col->note[0] ? ": " : "",
            col->note);
    } else {
        o->method = col->method;
        o->statistic = col->statistic;
        o->p_value = col->p_value;
        o->threshold = col->threshold;
        o->observed = col->uses_p_value ? col->p_value : col->statistic;
        SAY(observed_text, "%s %.4g", col->uses_p_value ? "p" : col->method, o->observed);
        if (col->uses_p_value)
            SAY(expected, "%s p >= %s", col->method, num(b, col->threshold));
        else
            SAY(expected, "%s < %s", col->method, num(b, col->threshold));
        if (col->uses_p_value)
            SAY(message, "column '%s' (%s): %s statistic %s, p-value %.4g %s threshold %s: %s",
                c->column, col->kind, col->method, num(a, col->statistic), col->p_value,
                col->drifted ? "<" : ">=", num(b, col->threshold),
                col->drifted ? "drifted" : "no drift");
        else
            SAY(message, "column '%s' (%s): %s %.4g %s threshold %s: %s", c->column, col->kind,
                col->method, col->statistic, col->drifted ? ">=" : "<", num(b, col->threshold),
                col->drifted ? "drifted" : "no drift");
        if (col->drifted)
            o->status = VG_CHECK_FAIL;
    }
    vg_compare_result_free(res);
    return VG_OK;
}

int vg_check_run(const vg_check_suite *s, const vg_check_data *data, const vg_check_data *ref,
                 vg_check_result **out, vg_error *err) {
    *out = NULL;
    if (!s || !data || !data->samples)
        return vg_error_set(err, VG_ERR_INVALID, "vg_check_run: no suite or no data");
    /* everything that would stop the run is found before any figure is computed */
    for (size_t i = 0; i < s->n; i++) {
        const vg_constraint *c = &s->items[i];
        if (c->kind == VG_CHECK_DRIFT && !(ref && ref->samples))
            return vg_error_set(err, VG_ERR_INVALID,
                                "%s:%lu:%lu: a drift constraint needs a reference dataset "
                                "(--reference)",
                                s->path, c->line, c->col);
        if (c->kind == VG_CHECK_TYPE && !data->profile)
            return vg_error_set(err, VG_ERR_INVALID,
                                "%s:%lu:%lu: a type constraint needs the data's profile", s->path,
                                c->line, c->col);
        if ((c->kind == VG_CHECK_METRIC || c->kind == VG_CHECK_FAIRNESS) && !data->path)
            return vg_error_set(err, VG_ERR_INVALID,
                                "%s:%lu:%lu: a %s constraint needs the data's file name", s->path,
                                c->line, c->col, vg_check_kind_name(c->kind));
    }
    vg_check_result *r = calloc(1, sizeof *r);
    if (!r || !(r->outcomes = calloc(s->n, sizeof *r->outcomes))) {
        free(r);
        return vg_error_set(err, VG_ERR_NOMEM, "out of memory");
    }
    r->suite_path = s->path;
    r->data_path = data->path;
    r->ref_path = ref ? ref->path : NULL;
    r->rows = data->samples->rows;
    r->ref_rows = ref && ref->samples ? ref->samples->rows : 0;
    r->n = s->n;
    for (size_t i = 0; i < s->n; i++) {
        const vg_constraint *c = &s->items[i];
        vg_check_outcome *o = &r->outcomes[i];
        o->c = c;
        o->status = VG_CHECK_PASS;
        o->observed = NAN;
        const vg_samples_column *col = c->column ? find_column(data->samples, c->column) : NULL;
        int rc = VG_OK;
        if (c->kind == VG_CHECK_ROW_COUNT) {
            row_count(o, c, data->samples->rows);
        } else if (c->kind == VG_CHECK_COLUMN_PRESENT) {
            SAY(expected, "present");
            SAY(observed_text, "%s", col ? "present" : "absent");
            if (col)
                SAY(message, "column '%s' is present", c->column);
            else
                absent(o, c, "data");
        } else if (c->kind == VG_CHECK_TYPE) {
            type_check(o, c, data->profile);
        } else if (c->kind == VG_CHECK_METRIC || c->kind == VG_CHECK_FAIRNESS) {
            rc = vg_check_model(o, c, data, err);
        } else if (c->kind == VG_CHECK_DRIFT) {
            rc = drift_check(o, c, data->samples, ref->samples, err);
        } else if (!col) {
            char b[40];
            if (c->kind == VG_CHECK_COMPLETENESS)
                SAY(expected, "missing <= %s%%", num(b, 100 * c->max_missing));
            else if (c->kind == VG_CHECK_ALLOWED_VALUES)
                SAY(expected, "%zu allowed value%s", c->n_values, c->n_values == 1 ? "" : "s");
            else if (c->kind == VG_CHECK_UNIQUE)
                SAY(expected, "no duplicates");
            else
                bounds_text(o->expected, sizeof o->expected, c->min, c->max);
            absent(o, c, data->samples->rows ? "data" : "data (which has no rows)");
        } else {
            switch (c->kind) {
            case VG_CHECK_COMPLETENESS: completeness(o, c, col, data->samples->rows); break;
            case VG_CHECK_RANGE: range_check(o, c, col); break;
            case VG_CHECK_ALLOWED_VALUES:
                if ((rc = allowed_values(o, c, col)) != VG_OK)
                    rc = vg_error_set(err, rc, "out of memory");
                break;
            case VG_CHECK_UNIQUE: unique_check(o, c, col); break;
            case VG_CHECK_MEAN:
            case VG_CHECK_STD:
            case VG_CHECK_QUANTILE: statistic(o, c, col); break;
            case VG_CHECK_DISTINCT: distinct_check(o, c, col); break;
            default: break;
            }
        }
        if (rc != VG_OK) {
            vg_check_result_free(r);
            return rc;
        }
        if (o->status == VG_CHECK_FAIL && c->severity == VG_CHECK_WARNING)
            o->status = VG_CHECK_WARN;
        if (o->status == VG_CHECK_PASS)
            r->n_passed++;
        else if (o->status == VG_CHECK_FAIL)
            r->n_failed++;
        else
            r->n_warned++;
    }
    *out = r;
    return VG_OK;
}

void vg_check_result_free(vg_check_result *r) {
    if (!r)
        return;
    free(r->outcomes);
    free(r);
}
