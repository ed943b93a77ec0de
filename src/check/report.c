/*
 * Check results for people (a table, then the reasons), programs (JSON, keys in
 * docs/constraints.md) and CI systems (JUnit XML, the format Jenkins, GitLab and GitHub
 * test reporters read).
 *
 * JUnit has no notion of a warning: a failed warning is a passing <testcase> whose
 * <system-out> says "WARNING: ...", so that CI shows it without failing the build, just as the
 * exit status does. XML 1.0 cannot carry every byte: text is escaped, control characters other
 * than tab and newline become spaces, and invalid UTF-8 becomes U+FFFD, so the document is
 * always well-formed whatever the column names hold.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../base/utf8.h"
#include "../report/json.h"
#include "../report/table.h"
#include "vigia/check.h"
#include "vigia/version.h"

/* What a constraint is called in reports: its `name:`, else its kind (with q for a quantile). */
static void label(const vg_constraint *c, char *buf, size_t size) {
    if (c->name)
        snprintf(buf, size, "%s", c->name);
    else if (c->kind == VG_CHECK_QUANTILE)
        snprintf(buf, size, "quantile %g", c->q);
    else if (c->kind == VG_CHECK_METRIC || c->kind == VG_CHECK_FAIRNESS)
        snprintf(buf, size, "%s %s", vg_check_kind_name(c->kind), c->metric);
    else
        snprintf(buf, size, "%s", vg_check_kind_name(c->kind));
}

static const char *verdict(const vg_check_result *r) {
    return r->n_failed ? "FAILED" : "PASSED";
}

int vg_check_report_text(const vg_check_result *r, FILE *f, vg_error *err) {
    fprintf(f, "%s (%llu rows) against %s", r->data_path, (unsigned long long)r->rows,
            r->suite_path);
    if (r->ref_path)
        fprintf(f, ", reference %s (%llu rows)", r->ref_path, (unsigned long long)r->ref_rows);
    fputs("\n\n", f);
    vg_table *t = vg_table_new(6);
    if (!t)
        return vg_error_set(err, VG_ERR_NOMEM, "out of memory");
    static const char *const head[] = {"status", "severity", "constraint",
                                       "column", "observed", "expected"};
    for (size_t k = 0; k < 6; k++)
        vg_table_cell(t, 0, "%s", head[k]);
    char name[128];
    for (size_t i = 0; i < r->n; i++) {
        const vg_check_outcome *o = &r->outcomes[i];
        const vg_constraint *c = o->c;
        label(c, name, sizeof name);
        vg_table_cell(t, 0, "%s",
                      o->status == VG_CHECK_PASS   ? "ok"
                      : o->status == VG_CHECK_FAIL ? "FAIL"
                                                   : "WARN");
        vg_table_cell(t, 0, "%s", c->severity == VG_CHECK_ERROR ? "error" : "warning");
        vg_table_cell(t, 0, "%s", name);
        vg_table_cell(t, 0, "%s", c->column ? c->column : c->prediction ? c->prediction : "-");
        vg_table_cell(t, 1, "%s", o->observed_text[0] ? o->observed_text : "-");
        vg_table_cell(t, 0, "%s", o->expected[0] ? o->expected : "-");
    }
    int rc = vg_table_print(t, f);
    vg_table_free(t);
    if (rc != 0)
        return vg_error_set(err, VG_ERR_NOMEM, "out of memory");
    for (int pass = 0; pass < 2; pass++) {
        vg_check_status want = pass == 0 ? VG_CHECK_FAIL : VG_CHECK_WARN;
        size_t count = pass == 0 ? r->n_failed : r->n_warned;
        if (!count)
            continue;
        fprintf(f, "\n%s:\n", pass == 0 ? "failures" : "warnings");
        for (size_t i = 0; i < r->n; i++) {
            const vg_check_outcome *o = &r->outcomes[i];
            if (o->status != want)
                continue;
            label(o->c, name, sizeof name);
            fprintf(f, "  %s %s (%s:%lu): %s\n", pass == 0 ? "FAIL" : "WARN", name, r->suite_path,
                    o->c->line, o->message);
        }
    }
    fprintf(f, "\n%s: %zu constraints: %zu passed, %zu failed, %zu warning%s\n", verdict(r), r->n,
            r->n_passed, r->n_failed, r->n_warned, r->n_warned == 1 ? "" : "s");
    return VG_OK;
}

static json_t *bound(double x) {
    return isnan(x) ? json_null() : vg_json_num(x);
}

char *vg_check_report_json(const vg_check_result *r, vg_error *err) {
    int oom = 0;
    json_t *root = json_object(), *list = json_array(), *sum = json_object();
    if (!root || !list || !sum) {
        json_decref(root);
        json_decref(list);
        json_decref(sum);
        vg_error_set(err, VG_ERR_NOMEM, "out of memory");
        return NULL;
    }
    vg_json_put(root, "vigia_version", json_string(vg_version()), &oom);
    vg_json_put(root, "constraints", vg_json_str(r->suite_path), &oom);
    vg_json_put(root, "data", vg_json_str(r->data_path ? r->data_path : ""), &oom);
    vg_json_put(root, "rows", vg_json_count(r->rows), &oom);
    vg_json_put(root, "reference", r->ref_path ? vg_json_str(r->ref_path) : json_null(), &oom);
    vg_json_put(root, "reference_rows", r->ref_path ? vg_json_count(r->ref_rows) : json_null(),
                &oom);
    vg_json_put(root, "passed", json_boolean(r->n_failed == 0), &oom);
    vg_json_put(sum, "total", vg_json_count(r->n), &oom);
    vg_json_put(sum, "passed", vg_json_count(r->n_passed), &oom);
    vg_json_put(sum, "failed", vg_json_count(r->n_failed), &oom);
    vg_json_put(sum, "warnings", vg_json_count(r->n_warned), &oom);
    vg_json_put(root, "summary", sum, &oom);
    char name[128];
    for (size_t i = 0; i < r->n; i++) {
        const vg_check_outcome *o = &r->outcomes[i];
        const vg_constraint *c = o->c;
        json_t *j = json_object();
        if (!j || json_array_append_new(list, j) != 0) {
            json_decref(j);
            oom = 1;
            break;
        }
        label(c, name, sizeof name);
        vg_json_put(j, "kind", json_string(vg_check_kind_name(c->kind)), &oom);
        vg_json_put(j, "name", vg_json_str(name), &oom);
        vg_json_put(j, "column", c->column ? vg_json_str(c->column) : json_null(), &oom);
        vg_json_put(j, "severity", json_string(c->severity == VG_CHECK_ERROR ? "error" : "warning"),
                    &oom);
        vg_json_put(j, "status", json_string(vg_check_status_name(o->status)), &oom);
        vg_json_put(j, "line", vg_json_count(c->line), &oom);
        vg_json_put(j, "observed", bound(o->observed), &oom);
        vg_json_put(j, "observed_text", vg_json_str(o->observed_text), &oom);
        vg_json_put(j, "expected", vg_json_str(o->expected), &oom);
        vg_json_put(j, "min", bound(c->min), &oom);
        vg_json_put(j, "max", bound(c->max), &oom);
        vg_json_put(j, "message", vg_json_str(o->message), &oom);
        if (o->method) {
            json_t *dj = json_object();
            vg_json_put(dj, "method", json_string(o->method), &oom);
            vg_json_put(dj, "statistic", bound(o->statistic), &oom);
            vg_json_put(dj, "p_value", bound(o->p_value), &oom);
            vg_json_put(dj, "threshold", bound(o->threshold), &oom);
            vg_json_put(j, "drift", dj, &oom);
        }
    }
    vg_json_put(root, "results", list, &oom);
    char *text = oom ? NULL : json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    json_decref(root);
    if (!text)
        vg_error_set(err, VG_ERR_NOMEM, "out of memory");
    return text;
}

/* Writes s as XML character data or attribute text (see the top of this file). */
static void xml_text(FILE *f, const char *s) {
    size_t n = strlen(s);
    for (size_t i = 0; i < n;) {
        unsigned char ch = (unsigned char)s[i];
        if (ch < 0x80) {
            switch (ch) {
            case '&': fputs("&amp;", f); break;
            case '<': fputs("&lt;", f); break;
            case '>': fputs("&gt;", f); break;
            case '"': fputs("&quot;", f); break;
            case '\'': fputs("&apos;", f); break;
            case '\n': fputs("&#10;", f); break;
            case '\t': fputs("&#9;", f); break;
            default: fputc(ch < 0x20 || ch == 0x7f ? ' ' : ch, f); break;
            }
            i++;
            continue;
        }
        size_t k = 2;
        while (k <= 4 && i + k <= n && !vg_utf8_valid(s + i, k))
            k++;
        if (k <= 4 && i + k <= n) {
            fwrite(s + i, 1, k, f);
            i += k;
        } else {
            fputs("\xEF\xBF\xBD", f);
            i++;
        }
    }
}

int vg_check_report_junit(const vg_check_result *r, FILE *f, vg_error *err) {
    (void)err;
    fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuite name=\"vigia check ", f);
    xml_text(f, r->data_path ? r->data_path : "");
    fprintf(f, "\" tests=\"%zu\" failures=\"%zu\" errors=\"0\" skipped=\"0\">\n", r->n,
            r->n_failed);
    fputs("  <properties>\n    <property name=\"constraints\" value=\"", f);
    xml_text(f, r->suite_path);
    fputs("\"/>\n", f);
    if (r->ref_path) {
        fputs("    <property name=\"reference\" value=\"", f);
        xml_text(f, r->ref_path);
        fputs("\"/>\n", f);
    }
    fputs("  </properties>\n", f);
    char name[160], line[32];
    for (size_t i = 0; i < r->n; i++) {
        const vg_check_outcome *o = &r->outcomes[i];
        const vg_constraint *c = o->c;
        label(c, name, sizeof name);
        fputs("  <testcase classname=\"vigia.check.", f);
        xml_text(f, vg_check_kind_name(c->kind));
        fputs("\" name=\"", f);
        xml_text(f, name);
        if (c->column) {
            fputc(' ', f);
            xml_text(f, c->column);
        }
        snprintf(line, sizeof line, "%lu", c->line);
        fprintf(f, "\" file=\"");
        xml_text(f, r->suite_path);
        fprintf(f, "\" line=\"%s\"", line);
        if (o->status == VG_CHECK_PASS) {
            fputs("/>\n", f);
            continue;
        }
        fputs(">\n", f);
        if (o->status == VG_CHECK_FAIL) {
            fputs("    <failure type=\"", f);
            xml_text(f, vg_check_kind_name(c->kind));
            fputs("\" message=\"", f);
            xml_text(f, o->message);
            fputs("\">", f);
            xml_text(f, o->message);
            fputs("&#10;observed: ", f);
            xml_text(f, o->observed_text);
            fputs("&#10;expected: ", f);
            xml_text(f, o->expected);
            fputs("</failure>\n", f);
        } else {
            fputs("    <system-out>WARNING: ", f);
            xml_text(f, o->message);
            fputs("</system-out>\n", f);
        }
        fputs("  </testcase>\n", f);
    }
    fputs("</testsuite>\n", f);
    return VG_OK;
}
