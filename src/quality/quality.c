/*
 * vg_quality_compare: data-quality checks of a current dataset against a reference, from the
 * exact per-column counts and values of vg_samples (see vigia/quality.h).
 *
 * Everything here is one pass over what vg_samples already holds: category counts answer
 * distinct, constant and unseen-category questions by hash lookup, the numbers answer min, max
 * and the range check, and the row hashes answer duplicate rows through a hash set, so the
 * checks cost O(rows + values) beyond two sorts that only columns with more than
 * VG_SAMPLES_MAX_NUMERIC_CATEGORIES distinct numbers need (their numbers are not counted as
 * categories, so they are matched by value instead). Findings become issues, which are
 * collected in check order and then ordered by severity, keeping that order within each.
 */
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../base/fmt.h"
#include "../drift/internal.h"
#include "vigia/profile.h"
#include "vigia/quality.h"

const char *vg_quality_type_name(vg_quality_type t) {
    static const char *const names[] = {"empty", "numeric", "boolean", "text", "mixed"};
    return (unsigned)t < sizeof names / sizeof *names ? names[t] : "unknown";
}

const char *vg_quality_severity_name(vg_quality_severity s) {
    static const char *const names[] = {"error", "warning", "info"};
    return (unsigned)s < sizeof names / sizeof *names ? names[s] : "unknown";
}

void vg_quality_options_default(vg_quality_options *o) {
    o->ignore = NULL;
    o->n_ignore = 0;
    o->max_examples = 5;
    o->tolerance = 0.1;
    o->warn_share = 0.01;
    o->novel = NULL;
    o->n_novel = 0;
}

void vg_quality_result_free(vg_quality_result *q) {
    if (!q)
        return;
    for (size_t i = 0; i < q->ncols; i++) {
        vg_quality_column *c = &q->cols[i];
        free(c->name);
        free(c->ref.constant_value);
        free(c->cur.constant_value);
        for (size_t k = 0; k < c->n_examples; k++)
            free(c->examples[k].text);
        free(c->examples);
    }
    free(q->cols);
    for (size_t i = 0; i < q->nissues; i++) {
        free(q->issues[i].column);
        free(q->issues[i].message);
    }
    free(q->issues);
    free(q);
}

static double share(uint64_t k, uint64_t n) {
    return n ? (double)k / (double)n : NAN;
}

static const vg_samples_column *find(const vg_samples *s, const char *name) {
    for (size_t i = 0; i < s->ncols; i++)
        if (strcmp(s->cols[i].name, name) == 0)
            return &s->cols[i];
    return NULL;
}

static int in_list(const char *const *list, size_t n, const char *name) {
    for (size_t i = 0; i < n; i++)
        if (list[i] && strcmp(list[i], name) == 0)
            return 1;
    return 0;
}

static int ignored(const vg_quality_options *o, const char *name) {
    return in_list(o->ignore, o->n_ignore, name);
}

/* A boolean cell is stored under the category "true" or "false", and no text cell can have
 * those texts (the classifier makes them booleans), so these categories are the booleans. */
static int is_boolean_category(const vg_samples_category *k) {
    return (k->len == 4 && memcmp(k->text, "true", 4) == 0) ||
           (k->len == 5 && memcmp(k->text, "false", 5) == 0);
}

static vg_quality_type column_type(const vg_samples_column *c) {
    if (c->nnum == 0 && c->n_other == 0)
        return VG_QUALITY_EMPTY;
    if (c->n_other == 0)
        return VG_QUALITY_NUMERIC;
    if (c->nnum > 0)
        return VG_QUALITY_MIXED;
    for (size_t i = 0; i < c->ncat; i++)
        if (!is_boolean_category(&c->cat[i]))
            return VG_QUALITY_TEXT;
    return VG_QUALITY_BOOLEAN;
}

static int summarize(const vg_samples_column *c, uint64_t rows, vg_quality_summary *s) {
    s->present = 1;
    s->rows = rows;
    s->missing = c->missing;
    s->missing_share = share(c->missing, rows);
    s->type = column_type(c);
    s->n_numeric = c->nnum;
    s->n_other = c->n_other;
    s->distinct_known = !c->numbers_uncounted;
    s->distinct = c->numbers_uncounted ? 0 : c->ncat;
    s->empty = c->nnum + c->n_other == 0;
    s->min = s->max = s->mean = NAN;
    if (c->nnum > 0) {
        /* Neumaier's compensated sum, so that the mean of many values is not off by the
         * accumulated rounding; with an infinity the plain sum is the answer. */
        double lo = c->num[0], hi = c->num[0], sum = 0, comp = 0, plain = 0;
        for (size_t i = 0; i < c->nnum; i++) {
            double x = c->num[i], t = sum + x;
            lo = x < lo ? x : lo;
            hi = x > hi ? x : hi;
            comp += fabs(sum) >= fabs(x) ? (sum - t) + x : (x - t) + sum;
            sum = t;
            plain += x;
        }
        s->min = lo;
        s->max = hi;
        s->mean = (isfinite(plain) ? sum + comp : plain) / (double)c->nnum;
    }
    s->constant = s->distinct_known && c->ncat == 1;
    if (s->constant) {
        if (!(s->constant_value = malloc(c->cat[0].len + 1)))
            return VG_ERR_NOMEM;
        memcpy(s->constant_value, c->cat[0].text, c->cat[0].len);
        s->constant_value[c->cat[0].len] = '\0';
        s->constant_len = c->cat[0].len;
    }
    return VG_OK;
}

/* Rows whose hash equals an earlier row's: an open-addressing set of the hashes seen. The hashes
 * are already well mixed, so their low bits index it; 0 is the empty slot, and a row hash of 0 is
 * tracked apart. */
static int count_duplicates(const uint64_t *h, uint64_t n, uint64_t *dup) {
    *dup = 0;
    if (n < 2)
        return VG_OK;
    if (n > SIZE_MAX / 4 / sizeof *h)
        return VG_ERR_NOMEM;
    size_t cap = 16;
    while (cap < (size_t)n + (size_t)n / 2) /* at most 2/3 full: short linear probes */
        cap *= 2;
    uint64_t *set = calloc(cap, sizeof *set);
    if (!set)
        return VG_ERR_NOMEM;
    int zero_seen = 0;
    for (uint64_t i = 0; i < n; i++) {
        uint64_t x = h[i];
        if (x == 0) {
            *dup += zero_seen;
            zero_seen = 1;
            continue;
        }
        size_t j = (size_t)x & (cap - 1);
        while (set[j] != 0 && set[j] != x)
            j = (j + 1) & (cap - 1);
        if (set[j] == x)
            (*dup)++;
        else
            set[j] = x;
    }
    free(set);
    return VG_OK;
}

/* ---------------------------------------------------------------------------------------- */
/* Unseen categories */

static int text_cmp(const char *a, size_t alen, const char *b, size_t blen) {
    int c = memcmp(a, b, alen < blen ? alen : blen);
    return c ? c : (alen > blen) - (alen < blen);
}

/* The max_examples most frequent unseen values seen so far, kept sorted (count descending,
 * then text): a candidate enters only when it beats the last one, so only those are copied. */
static int offer_example(vg_quality_column *c, size_t cap, const char *t, size_t n,
                         uint64_t count) {
    if (cap == 0)
        return VG_OK;
    size_t p = c->n_examples;
    while (p > 0 && (count > c->examples[p - 1].count ||
                     (count == c->examples[p - 1].count &&
                      text_cmp(t, n, c->examples[p - 1].text, c->examples[p - 1].len) < 0)))
        p--;
    if (p == cap)
        return VG_OK;
    char *copy = malloc(n + 1);
    if (!copy)
        return VG_ERR_NOMEM;
    memcpy(copy, t, n);
    copy[n] = '\0';
    if (c->n_examples == cap)
        free(c->examples[--c->n_examples].text);
    memmove(&c->examples[p + 1], &c->examples[p], (c->n_examples - p) * sizeof *c->examples);
    c->examples[p] = (vg_quality_example){copy, n, count};
    c->n_examples++;
    return VG_OK;
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double *sorted_copy(const double *x, size_t n) {
    double *s = malloc((n ? n : 1) * sizeof *s);
    if (s && n) {
        memcpy(s, x, n * sizeof *s);
        qsort(s, n, sizeof *s, cmp_double);
    }
    return s;
}

static int contains(const double *sorted, size_t n, double x) {
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (sorted[mid] < x)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < n && sorted[lo] == x;
}

/* The reference side of the lookup. Numbers are looked up by value in a sorted copy of the
 * reference's numbers, made on first need: that works whether or not the reference counted
 * its numbers as categories, and spares formatting every current number as text. */
typedef struct {
    const vg_samples_column *col;
    double *nums;
    int sorted;
} ref_lookup;

static int ref_has_number(ref_lookup *r, double x, int *found) {
    *found = 0;
    if (r->col->nnum == 0)
        return VG_OK;
    if (!r->sorted) {
        if (!(r->nums = sorted_copy(r->col->num, r->col->nnum)))
            return VG_ERR_NOMEM;
        r->sorted = 1;
    }
    *found = contains(r->nums, r->col->nnum, x);
    return VG_OK;
}

static int ref_has(ref_lookup *r, const char *t, size_t n, int *found) {
    double x;
    if (r->col->numbers_uncounted) {
        vg_kind k = vg_classify(t, n, &x);
        if (k == VG_KIND_INTEGER || k == VG_KIND_FRACTIONAL)
            return ref_has_number(r, x, found);
    }
    *found = vg_samples_find_category(r->col, t, n) >= 0;
    return VG_OK;
}

static int unseen_value(vg_quality_column *c, size_t cap, const char *t, size_t n, uint64_t count) {
    c->n_unseen += count;
    c->n_unseen_categories++;
    return offer_example(c, cap, t, n, count);
}

static int check_unseen(vg_quality_column *c, const vg_samples_column *r,
                        const vg_samples_column *q, size_t cap) {
    ref_lookup look = {r, NULL, 0};
    int rc = VG_OK, found;
    size_t most = q->ncat + (q->numbers_uncounted ? q->nnum : 0); /* distinct values at most */
    cap = cap < most ? cap : most;
    if (cap && !(c->examples = malloc(cap * sizeof *c->examples)))
        return VG_ERR_NOMEM;
    for (size_t i = 0; rc == VG_OK && i < q->ncat; i++) {
        const vg_samples_category *k = &q->cat[i];
        rc = ref_has(&look, k->text, k->len, &found);
        if (rc == VG_OK && !found)
            rc = unseen_value(c, cap, k->text, k->len, k->count);
    }
    if (rc == VG_OK && q->numbers_uncounted && q->nnum > 0) {
        /* the current numbers are not among its categories: count them from a sorted copy */
        double *v = sorted_copy(q->num, q->nnum);
        if (!v)
            rc = VG_ERR_NOMEM;
        for (size_t i = 0; rc == VG_OK && i < q->nnum;) {
            size_t j = i;
            while (j < q->nnum && v[j] == v[i])
                j++;
            uint64_t count = (uint64_t)(j - i);
            rc = ref_has_number(&look, v[i], &found);
            if (rc == VG_OK && !found) {
                /* the text is needed only by a value that may enter the examples */
                c->n_unseen += count;
                c->n_unseen_categories++;
                if (cap && (c->n_examples < cap || count >= c->examples[cap - 1].count)) {
                    char buf[40];
                    size_t n = (size_t)vg_fmt_double(buf, sizeof buf, v[i]);
                    rc = offer_example(c, cap, buf, n, count);
                }
            }
            i = j;
        }
        free(v);
    }
    free(look.nums);
    c->unseen_checked = 1;
    c->unseen_share = share(c->n_unseen, q->nnum + q->n_other);
    return rc;
}

static void check_range(vg_quality_column *c, const vg_samples_column *q) {
    double lo = c->ref.min, hi = c->ref.max;
    for (size_t i = 0; i < q->nnum; i++) {
        c->n_below += q->num[i] < lo;
        c->n_above += q->num[i] > hi;
    }
    c->n_out_of_range = c->n_below + c->n_above;
    c->out_of_range_share = share(c->n_out_of_range, q->nnum);
    c->range_checked = 1;
}

/* ---------------------------------------------------------------------------------------- */
/* Issues */

typedef struct {
    vg_quality_issue *v;
    size_t n, cap;
    int oom;
} issue_list;

#if defined(__GNUC__)
__attribute__((format(printf, 5, 6)))
#endif
static void
add_issue(issue_list *l, vg_quality_severity sev, const char *kind, const char *column,
          const char *fmt, ...) {
    if (l->oom)
        return;
    if (l->n == l->cap) {
        size_t cap = l->cap ? 2 * l->cap : 16;
        vg_quality_issue *v = realloc(l->v, cap * sizeof *v);
        if (!v) {
            l->oom = 1;
            return;
        }
        l->v = v;
        l->cap = cap;
    }
    va_list ap;
    va_start(ap, fmt);
    int len = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    char *msg = len >= 0 ? malloc((size_t)len + 1) : NULL;
    char *col = column ? strdup(column) : NULL;
    if (!msg || (column && !col)) {
        free(msg);
        free(col);
        l->oom = 1;
        return;
    }
    va_start(ap, fmt);
    vsnprintf(msg, (size_t)len + 1, fmt, ap);
    va_end(ap);
    l->v[l->n++] = (vg_quality_issue){sev, kind, col, msg};
}

/* At most 40 bytes of a value for a message, cut at a UTF-8 character boundary. */
static int shown_len(const char *t, size_t n) {
    if (n <= 40)
        return (int)n;
    size_t k = 40;
    while (k > 0 && ((unsigned char)t[k] & 0xC0) == 0x80)
        k--;
    return (int)k;
}

static const char *ellipsis(size_t n) {
    return n > 40 ? "..." : "";
}

static const char *plural(uint64_t n) {
    return n == 1 ? "" : "s";
}

/* A share as a percentage for a message, one decimal, but never rounded to 0.0% or 100.0%
 * when it is not exactly that ("<0.1%", ">99.9%"). Returned by value: the text lives until the
 * end of the full expression, long enough for a printf argument. */
typedef struct {
    char s[16];
} pct_text;

static pct_text pct(double share_) {
    pct_text t;
    double p = 100 * share_;
    if (p > 0 && p < 0.05)
        snprintf(t.s, sizeof t.s, "<0.1%%");
    else if (p >= 99.95 && p < 100)
        snprintf(t.s, sizeof t.s, ">99.9%%");
    else
        snprintf(t.s, sizeof t.s, "%.1f%%", p);
    return t;
}

/* A share of missing values or duplicates beyond the reference's by more than the tolerance
 * (any, when the reference has none). */
static int share_increased(double cur, double ref, double tolerance) {
    return cur > 0 && cur > ref * (1 + tolerance);
}

static void column_issues(issue_list *l, const vg_quality_column *c, const vg_quality_options *o) {
    const vg_quality_summary *r = &c->ref, *q = &c->cur;
    if (!r->present || !q->present || r->rows == 0 || q->rows == 0)
        return; /* schema and empty-data issues say it */
    const char *name = c->name;
    if (c->type_changed && r->type == VG_QUALITY_NUMERIC)
        add_issue(l, VG_QUALITY_ERROR, "type_change", name,
                  "column %s: type changed from numeric to %s (%llu non-numeric values)", name,
                  vg_quality_type_name(q->type), (unsigned long long)q->n_other);
    else if (c->type_changed)
        add_issue(l, VG_QUALITY_ERROR, "type_change", name, "column %s: type changed from %s to %s",
                  name, vg_quality_type_name(r->type), vg_quality_type_name(q->type));
    if (q->empty && !r->empty)
        add_issue(l, VG_QUALITY_WARNING, "empty_column", name,
                  "column %s: every value is missing in the current data (reference %s)", name,
                  pct(r->missing_share).s);
    else if (q->empty)
        add_issue(l, VG_QUALITY_INFO, "empty_column", name,
                  "column %s: every value is missing in both datasets", name);
    else if (r->empty)
        add_issue(l, VG_QUALITY_INFO, "empty_column", name,
                  "column %s: every value is missing in the reference: its current values "
                  "cannot be checked",
                  name);
    if (!q->empty && share_increased(q->missing_share, r->missing_share, o->tolerance))
        add_issue(l, VG_QUALITY_WARNING, "missing_values", name,
                  "column %s: %s missing (reference %s)", name, pct(q->missing_share).s,
                  pct(r->missing_share).s);
    if (c->range_checked && c->n_out_of_range > 0)
        add_issue(l, c->out_of_range_share >= o->warn_share ? VG_QUALITY_WARNING : VG_QUALITY_INFO,
                  "out_of_range", name,
                  "column %s: %llu value%s (%s) outside the reference range [%.6g, %.6g]: "
                  "%llu below, %llu above",
                  name, (unsigned long long)c->n_out_of_range, plural(c->n_out_of_range),
                  pct(c->out_of_range_share).s, r->min, r->max, (unsigned long long)c->n_below,
                  (unsigned long long)c->n_above);
    if (c->unseen_checked && c->n_unseen > 0) {
        char ex[200] = "";
        size_t used = 0;
        for (size_t k = 0; k < c->n_examples && k < 3 && used < sizeof ex; k++) {
            const vg_quality_example *e = &c->examples[k];
            int w = snprintf(ex + used, sizeof ex - used, "%s\"%.*s%s\" (%llu)",
                             k ? ", " : ", e.g. ", shown_len(e->text, e->len), e->text,
                             ellipsis(e->len), (unsigned long long)e->count);
            used += w > 0 ? (size_t)w : 0;
        }
        add_issue(l, c->unseen_share >= o->warn_share ? VG_QUALITY_WARNING : VG_QUALITY_INFO,
                  "unseen_categories", name,
                  "column %s: %llu value%s (%s) in %llu categor%s unseen in the reference%s", name,
                  (unsigned long long)c->n_unseen, plural(c->n_unseen), pct(c->unseen_share).s,
                  (unsigned long long)c->n_unseen_categories,
                  c->n_unseen_categories == 1 ? "y" : "ies", ex);
    }
    if (q->constant && !r->constant)
        add_issue(l, VG_QUALITY_WARNING, "constant_column", name,
                  "column %s: constant in the current data (every value is \"%.*s%s\"), not in "
                  "the reference",
                  name, shown_len(q->constant_value, q->constant_len), q->constant_value,
                  ellipsis(q->constant_len));
    else if (q->constant)
        add_issue(l, VG_QUALITY_INFO, "constant_column", name,
                  "column %s: constant in both datasets (current value \"%.*s%s\")", name,
                  shown_len(q->constant_value, q->constant_len), q->constant_value,
                  ellipsis(q->constant_len));
}

static void dataset_issues(issue_list *l, const vg_quality_result *res,
                           const vg_quality_options *o) {
    if (res->ref_rows == 0)
        add_issue(l, VG_QUALITY_ERROR, "empty_data", NULL,
                  "reference data is empty (0 rows): there is nothing to compare with");
    if (res->cur_rows == 0)
        add_issue(l, VG_QUALITY_ERROR, "empty_data", NULL, "current data is empty (0 rows)");
    /* A dataset without rows says nothing about its columns (a CSV header alone loads as no
     * columns at all), so schema differences are raised only between datasets with rows. */
    for (size_t i = 0; res->ref_rows && res->cur_rows && i < res->ncols; i++) {
        const vg_quality_column *c = &res->cols[i];
        if (!c->cur.present)
            add_issue(l, VG_QUALITY_ERROR, "missing_column", c->name,
                      "column %s: in the reference but not in the current data", c->name);
        else if (!c->ref.present)
            add_issue(l, VG_QUALITY_WARNING, "extra_column", c->name,
                      "column %s: in the current data but not in the reference", c->name);
    }
    if (res->cur_duplicates > 0) {
        int worse =
            share_increased(res->cur_duplicate_share, res->ref_duplicate_share, o->tolerance) ||
            res->ref_rows == 0;
        add_issue(l, worse ? VG_QUALITY_WARNING : VG_QUALITY_INFO, "duplicate_rows", NULL,
                  "current data: %llu duplicate row%s (%s; reference %s)",
                  (unsigned long long)res->cur_duplicates, plural(res->cur_duplicates),
                  pct(res->cur_duplicate_share).s,
                  pct(res->ref_rows ? res->ref_duplicate_share : 0).s);
    }
}

/* Errors first, then warnings, then notes, each in the order found. */
static int order_issues(vg_quality_result *res, issue_list *l) {
    if (l->n == 0) {
        free(l->v);
        return VG_OK;
    }
    vg_quality_issue *v = malloc(l->n * sizeof *v);
    if (!v)
        return VG_ERR_NOMEM;
    size_t k = 0;
    for (int sev = VG_QUALITY_ERROR; sev <= VG_QUALITY_INFO; sev++)
        for (size_t i = 0; i < l->n; i++)
            if ((int)l->v[i].severity == sev)
                v[k++] = l->v[i];
    free(l->v);
    l->v = NULL;
    res->issues = v;
    res->nissues = l->n;
    for (size_t i = 0; i < res->nissues; i++) {
        res->n_errors += v[i].severity == VG_QUALITY_ERROR;
        res->n_warnings += v[i].severity == VG_QUALITY_WARNING;
        res->n_infos += v[i].severity == VG_QUALITY_INFO;
    }
    return VG_OK;
}

/* ---------------------------------------------------------------------------------------- */

static int compare_column(vg_quality_column *c, const vg_samples_column *r,
                          const vg_samples_column *q, const vg_quality_options *o) {
    /* NaN unless both shares are (NaN propagates) */
    c->missing_share_change = c->cur.missing_share - c->ref.missing_share;
    c->out_of_range_share = c->unseen_share = NAN;
    if (!r || !q)
        return VG_OK;
    c->type_changed = !c->ref.empty && !c->cur.empty && c->ref.type != c->cur.type;
    if (in_list(o->novel, o->n_novel, c->name))
        return VG_OK;
    if (c->ref.type == VG_QUALITY_NUMERIC) {
        check_range(c, q);
        return VG_OK;
    }
    if (c->ref.type != VG_QUALITY_EMPTY)
        return check_unseen(c, r, q, o->max_examples);
    return VG_OK;
}

static int add_column(vg_quality_result *res, const char *name, const vg_samples *ref,
                      const vg_samples *cur, const vg_samples_column *r, const vg_samples_column *q,
                      const vg_quality_options *o) {
    vg_quality_column *c = &res->cols[res->ncols++];
    c->ref.min = c->ref.max = c->ref.mean = c->ref.missing_share = NAN;
    c->cur.min = c->cur.max = c->cur.mean = c->cur.missing_share = NAN;
    if (!(c->name = strdup(name)))
        return VG_ERR_NOMEM;
    if (r && summarize(r, ref->rows, &c->ref) != VG_OK)
        return VG_ERR_NOMEM;
    if (q && summarize(q, cur->rows, &c->cur) != VG_OK)
        return VG_ERR_NOMEM;
    if (compare_column(c, r, q, o) != VG_OK)
        return VG_ERR_NOMEM;
    res->n_only_ref += r && !q;
    res->n_only_cur += q && !r;
    res->n_type_changed += c->type_changed != 0;
    return VG_OK;
}

int vg_quality_compare(const vg_samples *ref, const vg_samples *cur, const vg_quality_options *o,
                       vg_quality_result **out, vg_error *err) {
    vg_quality_options def;
    if (!out)
        return vg_error_set(err, VG_ERR_INVALID, "quality: no place for the result");
    *out = NULL;
    if (!ref || !cur)
        return vg_error_set(err, VG_ERR_INVALID, "quality: the %s data is missing",
                            ref ? "current" : "reference");
    if (!o) {
        vg_quality_options_default(&def);
        o = &def;
    }
    if (!(o->tolerance >= 0) || !(o->warn_share >= 0) || (o->n_ignore && !o->ignore))
        return vg_error_set(err, VG_ERR_INVALID,
                            "quality: tolerance and warn_share must be >= 0 and ignore set");
    vg_quality_result *res = calloc(1, sizeof *res);
    size_t maxcols = ref->ncols + cur->ncols;
    if (!res || !(res->cols = calloc(maxcols ? maxcols : 1, sizeof *res->cols))) {
        free(res);
        return vg_error_set(err, VG_ERR_NOMEM, "out of memory");
    }
    res->ref_rows = ref->rows;
    res->cur_rows = cur->rows;
    int rc = count_duplicates(ref->row_hash, ref->rows, &res->ref_duplicates);
    if (rc == VG_OK)
        rc = count_duplicates(cur->row_hash, cur->rows, &res->cur_duplicates);
    res->ref_duplicate_share = share(res->ref_duplicates, ref->rows);
    res->cur_duplicate_share = share(res->cur_duplicates, cur->rows);
    for (size_t i = 0; rc == VG_OK && i < ref->ncols; i++) {
        const vg_samples_column *r = &ref->cols[i];
        if (ignored(o, r->name))
            res->n_ignored++;
        else
            rc = add_column(res, r->name, ref, cur, r, find(cur, r->name), o);
    }
    for (size_t i = 0; rc == VG_OK && i < cur->ncols; i++) {
        const vg_samples_column *q = &cur->cols[i];
        if (find(ref, q->name))
            continue;
        if (ignored(o, q->name))
            res->n_ignored++;
        else
            rc = add_column(res, q->name, ref, cur, NULL, q, o);
    }
    issue_list l = {NULL, 0, 0, 0};
    if (rc == VG_OK) {
        dataset_issues(&l, res, o);
        for (size_t i = 0; i < res->ncols; i++)
            column_issues(&l, &res->cols[i], o);
        rc = l.oom ? VG_ERR_NOMEM : order_issues(res, &l);
    }
    if (rc != VG_OK) {
        for (size_t i = 0; i < l.n; i++) {
            free(l.v[i].column);
            free(l.v[i].message);
        }
        free(l.v);
        vg_quality_result_free(res);
        return vg_error_set(err, VG_ERR_NOMEM, "out of memory");
    }
    *out = res;
    return VG_OK;
}
