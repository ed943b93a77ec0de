/*
 * `vigia suggest`: a constraint suite proposed from a baseline dataset, written as commented
 * YAML for a person to edit (docs/constraints.md, "Suggested suites").
 *
 * The idea is Deequ's constraint suggestion (Schelter et al., "Automating large-scale data
 * quality verification", VLDB 2018): profile the baseline, and turn each column's profile into
 * the constraints it already satisfies, loosened by a margin so that the next batch of the same
 * process passes. Each proposal carries a comment giving the figure it came from and the
 * margin, so the reader can judge it. The rules:
 *   - every column: present; its inferred type (fractional becomes numeric, since a batch of a
 *     fractional column may happen to hold only whole numbers);
 *   - completeness: at most 1.5 times the reference's missing share plus 1 point (0 when the
 *     reference has none);
 *   - integer and text columns whose values are all distinct: unique, and nothing else (an
 *     identifier: new batches bring new values, so ranges and drift would fail by design);
 *   - numbers: the reference range widened by `margin` of its width on each side (not below 0
 *     when the reference has no negative value), and a warning when the mean moves by more than
 *     a quarter of the reference's standard deviation;
 *   - booleans, text and integer codes with at most `max_categories` (codes: 5) distinct values:
 *     those values;
 *   - drift: normed Wasserstein distance below 0.1 for numeric columns, Jensen-Shannon distance
 *     below 0.1 for the others (vigia compare's defaults for references over 1,000 rows).
 * Every figure is exact (vg_samples), measured as vigia check measures it, so the suite passes
 * on the baseline itself.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../base/fmt.h"
#include "../base/utf8.h"
#include "internal.h"
#include "vigia/check.h"
#include "vigia/moments.h"

void vg_suggest_options_default(vg_suggest_options *o) {
    o->margin = 0.1;
    o->max_categories = 20;
    o->drift = 1;
}

/* A YAML scalar: plain when it reads back as itself (names, numbers), else double-quoted. */
static void yaml_scalar(FILE *f, const char *s) {
    size_t n = strlen(s);
    double v;
    vg_kind k = vg_classify(s, n, &v);
    int plain =
        n > 0 && (k == VG_KIND_INTEGER || k == VG_KIND_FRACTIONAL ||
                  ((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= 'A' && s[0] <= 'Z') || s[0] == '_'));
    for (size_t i = 0; plain && i < n; i++) {
        char c = s[i];
        plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                c == '_' || c == '-' || c == '.' || c == '+';
    }
    /* words other YAML readers take for booleans or null stay text when quoted */
    static const char *const special[] = {"y",   "Y",   "n",    "N",    "yes", "Yes", "YES",
                                          "no",  "No",  "NO",   "on",   "On",  "ON",  "off",
                                          "Off", "OFF", "null", "Null", "NULL"};
    for (size_t i = 0; plain && i < sizeof special / sizeof *special; i++)
        if (!strcmp(s, special[i]))
            plain = 0;
    if (plain) {
        fputs(s, f);
        return;
    }
    fputc('"', f);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\\')
            fprintf(f, "\\%c", c);
        else if (c < 0x20 || c == 0x7f)
            fprintf(f, "\\x%02x", c);
        else
            fputc(c, f);
    }
    fputc('"', f);
}

/* x rounded outward (down, or up) to about three significant digits of `width`, as text that
 * reads back beyond x: bounds a person can read that still contain the reference. */
static void outward(char *buf, size_t size, double x, double width, int up, int integer) {
    if (integer) {
        snprintf(buf, size, "%.0f", up ? ceil(x) : floor(x));
        return;
    }
    if (!(width > 0) || !isfinite(width)) {
        vg_fmt_double(buf, size, x);
        return;
    }
    int e = (int)floor(log10(width)) - 2;
    double step = pow(10, e);
    int dec = e < 0 ? -e : 0;
    if (dec > 15) {
        vg_fmt_double(buf, size, x);
        return;
    }
    double v = up ? ceil(x / step) * step : floor(x / step) * step;
    snprintf(buf, size, "%.*f", dec, v);
    double back = strtod(buf, NULL);
    if (up ? back < x : back > x)
        vg_fmt_double(buf, size, x);
}

/* Text inside a comment: a line break or control character would end the comment. */
static void comment_text(FILE *f, const char *s, size_t max) {
    size_t n = strnlen(s, max);
    if (n == max)
        n = vg_utf8_cut(s, n); /* never cut inside a character: YAML must be valid UTF-8 */
    for (size_t i = 0; i < n; i++)
        fputc((unsigned char)s[i] < 0x20 || s[i] == 0x7f ? '?' : s[i], f);
}

typedef struct {
    const char *text;
    uint64_t count;
} value;

static int by_count(const void *a, const void *b) {
    const value *x = a, *y = b;
    if (x->count != y->count)
        return x->count < y->count ? 1 : -1;
    return strcmp(x->text, y->text);
}

static int column(FILE *f, const vg_samples_column *col, const vg_column *pc, uint64_t rows,
                  const vg_suggest_options *o) {
    const char *name = col->name;
    if (!*name) { /* a constraint cannot name it: `column:` takes a non-empty name */
        fputs("\n  # (a column with an empty name: no constraint proposed)\n", f);
        return VG_OK;
    }
    vg_coltype t = vg_column_type(pc);
    uint64_t distinct, dups, count = col->nnum + col->n_other;
    vg_check_column_counts(col, &distinct, &dups);
    double missing = rows ? (double)col->missing / (double)rows : 0;
    char a[48], b[48];
    fputs("\n  # ---- ", f);
    comment_text(f, name, 200);
    fprintf(f, ": %s, %llu values, %llu missing, %llu distinct\n", vg_coltype_name(t),
            (unsigned long long)count, (unsigned long long)col->missing,
            (unsigned long long)distinct);
    fputs("  - {kind: column_present, column: ", f);
    yaml_scalar(f, name);
    fputs("}\n", f);
    if (t == VG_TYPE_EMPTY) {
        fputs("  # every value is missing in the reference: nothing else to propose\n", f);
        return VG_OK;
    }
    int numeric = t == VG_TYPE_INTEGER || t == VG_TYPE_FRACTIONAL;
    if (t == VG_TYPE_FRACTIONAL)
        fputs("  # fractional in the reference; numeric also accepts a batch of whole numbers\n",
              f);
    else
        fprintf(f, "  # every reference value is %s\n",
                t == VG_TYPE_INTEGER   ? "an integer"
                : t == VG_TYPE_BOOLEAN ? "a boolean"
                                       : "text (or a mix of text and other values)");
    fputs("  - {kind: type, column: ", f);
    yaml_scalar(f, name);
    fprintf(f, ", type: %s}\n",
            t == VG_TYPE_INTEGER      ? "integer"
            : t == VG_TYPE_FRACTIONAL ? "numeric"
            : t == VG_TYPE_BOOLEAN    ? "boolean"
                                      : "string");
    if (missing == 0) {
        fputs("  # never missing in the reference; raise max_missing if some gaps are fine\n", f);
        fputs("  - {kind: completeness, column: ", f);
        yaml_scalar(f, name);
        fputs(", max_missing: 0}\n", f);
    } else {
        double allow = fmin(1, ceil((1.5 * missing + 0.01) * 10000) / 10000);
        fprintf(f, "  # %.4g%% missing in the reference; allowed: 1.5 times that plus 1 point\n",
                100 * missing);
        fputs("  - {kind: completeness, column: ", f);
        yaml_scalar(f, name);
        vg_fmt_double(a, sizeof a, allow);
        fprintf(f, ", max_missing: %s}\n", a);
    }
    if ((t == VG_TYPE_INTEGER || t == VG_TYPE_STRING) && dups == 0 && count >= 10) {
        fputs("  # every value differs from the others: an identifier. No range or drift is\n"
              "  # proposed for it, since each batch brings new values\n",
              f);
        fputs("  - {kind: unique, column: ", f);
        yaml_scalar(f, name);
        fputs("}\n", f);
        return VG_OK;
    }
    if (numeric && col->nnum && isfinite(col->num[0]) && isfinite(col->num[col->nnum - 1])) {
        double lo = col->num[0], hi = col->num[col->nnum - 1], width = hi - lo;
        double m = width > 0 ? o->margin * width : fmax(fabs(lo) * o->margin, 1);
        double nlo = lo - m, nhi = hi + m;
        if (lo >= 0 && nlo < 0)
            nlo = 0;
        outward(a, sizeof a, nlo, width > 0 ? width : m, 0, t == VG_TYPE_INTEGER);
        outward(b, sizeof b, nhi, width > 0 ? width : m, 1, t == VG_TYPE_INTEGER);
        char rlo[40], rhi[40];
        vg_fmt_double(rlo, sizeof rlo, lo);
        vg_fmt_double(rhi, sizeof rhi, hi);
        fprintf(f, "  # reference range [%s, %s], widened by %g%% of its width on each side%s\n",
                rlo, rhi, 100 * o->margin, lo >= 0 ? " (not below 0)" : "");
        fputs("  - {kind: range, column: ", f);
        yaml_scalar(f, name);
        fprintf(f, ", min: %s, max: %s}\n", a, b);
        vg_moments mo;
        vg_moments_init(&mo);
        vg_moments_update_batch(&mo, col->num, col->nnum);
        double mean = vg_moments_mean(&mo), sd = vg_moments_std(&mo, 1);
        if (isfinite(mean) && isfinite(sd) && sd > 0) {
            outward(a, sizeof a, mean - sd / 4, sd, 0, 0);
            outward(b, sizeof b, mean + sd / 4, sd, 1, 0);
            fprintf(
                f,
                "  # reference mean %.6g, standard deviation %.6g: warn when the mean moves by\n"
                "  # more than a quarter of a standard deviation\n",
                mean, sd);
            fputs("  - {kind: mean, column: ", f);
            yaml_scalar(f, name);
            fprintf(f, ", min: %s, max: %s, severity: warning}\n", a, b);
        }
    }
    size_t cap = t == VG_TYPE_INTEGER ? 5 : t == VG_TYPE_FRACTIONAL ? 0 : o->max_categories;
    if (!col->numbers_uncounted && distinct <= cap && col->ncat > 0) {
        value *v = malloc(col->ncat * sizeof *v);
        if (!v)
            return VG_ERR_NOMEM;
        for (size_t i = 0; i < col->ncat; i++)
            v[i] = (value){col->cat[i].text, col->cat[i].count};
        qsort(v, col->ncat, sizeof *v, by_count);
        fprintf(f, "  # the %zu value%s of the reference, most frequent first:", col->ncat,
                col->ncat == 1 ? "" : "s");
        for (size_t i = 0; i < col->ncat && i < 6; i++) {
            fputs(i ? ", " : " ", f);
            comment_text(f, v[i].text, 30);
            fprintf(f, " (%llu)", (unsigned long long)v[i].count);
        }
        fputs(col->ncat > 6 ? ", ...\n" : "\n", f);
        fputs("  - {kind: allowed_values, column: ", f);
        yaml_scalar(f, name);
        fputs(", values: [", f);
        for (size_t i = 0; i < col->ncat; i++) {
            if (i)
                fputs(", ", f);
            yaml_scalar(f, v[i].text);
        }
        fputs("]}\n", f);
        free(v);
    }
    if (o->drift) {
        int num_drift = numeric && distinct > 5;
        if (num_drift)
            fputs("  # PSI over 10 reference-quantile bins; 0.1-0.2 is a moderate shift, above 0.2 "
                  "a\n"
                  "  # significant one\n",
                  f);
        else
            fputs("  # Jensen-Shannon distance between the value frequencies; 0.1 is Evidently's\n"
                  "  # default threshold\n",
                  f);
        fputs("  - {kind: drift, column: ", f);
        yaml_scalar(f, name);
        fputs(num_drift ? ", method: wasserstein_normed, threshold: 0.1}\n"
                        : ", method: jensen_shannon, threshold: 0.1}\n",
              f);
    }
    return VG_OK;
}

char *vg_check_suggest(const vg_check_data *ref, const vg_suggest_options *o, vg_error *err) {
    vg_suggest_options defaults;
    if (!o) {
        vg_suggest_options_default(&defaults);
        o = &defaults;
    }
    if (!ref || !ref->samples || !ref->profile) {
        vg_error_set(err, VG_ERR_INVALID, "vg_check_suggest: needs the samples and the profile");
        return NULL;
    }
    const vg_samples *s = ref->samples;
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    if (!f) {
        vg_error_set(err, VG_ERR_NOMEM, "out of memory");
        return NULL;
    }
    const char *path = ref->path ? ref->path : "REFERENCE";
    fputs("# Constraints proposed by `vigia suggest` from ", f);
    comment_text(f, path, 300);
    fprintf(f,
            "\n# (%llu rows, %zu columns). Each is a guess from one baseline, with the figure it\n"
            "# came from: edit freely. Check a dataset with\n"
            "#   vigia check --constraints THIS_FILE DATA --reference ",
            (unsigned long long)s->rows, s->ncols);
    comment_text(f, path, 300);
    fputs("\n# (the drift constraints need the reference). Language: docs/constraints.md.\n"
          "constraints:\n"
          "  # the data must not be empty; set min (and max) to the batch size you expect\n"
          "  - {kind: row_count, min: 1}\n",
          f);
    int rc = VG_OK;
    for (size_t j = 0; rc == VG_OK && j < s->ncols; j++) {
        const vg_samples_column *col = &s->cols[j];
        int pj = vg_profile_find_column(ref->profile, col->name, strlen(col->name));
        if (pj < 0) {
            rc = VG_ERR_INVALID;
            vg_error_set(err, rc, "vg_check_suggest: column '%s' is not in the profile", col->name);
            break;
        }
        rc = column(f, col, ref->profile->cols[pj], s->rows, o);
        if (rc == VG_ERR_NOMEM)
            vg_error_set(err, rc, "out of memory");
    }
    if (fclose(f) != 0 && rc == VG_OK)
        rc = vg_error_set(err, VG_ERR_NOMEM, "out of memory");
    if (rc != VG_OK) {
        free(text);
        return NULL;
    }
    return text;
}
