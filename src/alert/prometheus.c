/*
 * `vigia rules export --format prometheus`: the alerting rules of a config rewritten as
 * Prometheus alerting rules over the series vigia exposes on /metrics, for teams that alert from
 * Prometheus instead of the daemon. Window metrics map one to one (vigia_<name>{model=...,
 * <sample labels>}); the two daemon-level shares are computed from counters with rate(). What
 * Prometheus cannot say is approximated, and the output says so in comments: for_windows becomes
 * a `for:` of N windows, hysteresis and absent_resolve have no equivalent (Prometheus resolves
 * when the condition is false, and a vanished series resolves at once).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../base/fmt.h"
#include "internal.h"

typedef struct {
    char *s;
    size_t len, cap;
    int failed;
} out;

static void put(out *o, const char *s, size_t n) {
    if (o->failed)
        return;
    if (o->len + n + 1 > o->cap) {
        size_t cap = o->cap ? o->cap : 1024;
        while (cap < o->len + n + 1)
            cap *= 2;
        char *g = realloc(o->s, cap);
        if (!g) {
            o->failed = 1;
            return;
        }
        o->s = g;
        o->cap = cap;
    }
    memcpy(o->s + o->len, s, n);
    o->len += n;
    o->s[o->len] = 0;
}

static void puts_(out *o, const char *s) {
    put(o, s, strlen(s));
}

static void printf_(out *o, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

static void printf_(out *o, const char *fmt, ...) {
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    if (n < 0)
        o->failed = 1;
    else if ((size_t)n < sizeof buf)
        put(o, buf, (size_t)n);
    else {
        char *big = malloc((size_t)n + 1);
        if (!big) {
            o->failed = 1;
            return;
        }
        va_start(ap, fmt);
        vsnprintf(big, (size_t)n + 1, fmt, ap);
        va_end(ap);
        put(o, big, (size_t)n);
        free(big);
    }
}

/* Appends s escaped for a double-quoted string (PromQL and YAML agree on \\ and \"). */
static void quoted_body(out *o, const char *s) {
    for (; *s; s++) {
        if (*s == '"' || *s == '\\') {
            char e[2] = {'\\', *s};
            put(o, e, 2);
        } else if (*s == '\n')
            puts_(o, "\\n");
        else if ((unsigned char)*s < 0x20)
            printf_(o, "\\x%02x", (unsigned char)*s);
        else
            put(o, s, 1);
    }
}

/* A glob as an RE2 regex (PromQL anchors =~ itself). */
static void glob_regex(out *o, const char *g) {
    for (const char *p = g; *p; p++) {
        if (*p == '*')
            puts_(o, ".*");
        else if (*p == '?')
            puts_(o, ".");
        else if (*p == '[') {
            const char *q = p + 1;
            puts_(o, "[");
            if (*q == '!' || *q == '^')
                puts_(o, "^"), q++;
            if (*q == ']')
                puts_(o, "\\]"), q++;
            for (; *q && *q != ']'; q++) {
                if (*q == '\\' || *q == '[')
                    put(o, "\\", 1);
                put(o, q, 1);
            }
            puts_(o, "]");
            p = *q ? q : q - 1;
        } else if (*p == '\\' && p[1]) {
            p++;
            if (strchr(".^$|()[]{}*+?\\", *p))
                put(o, "\\", 1);
            put(o, p, 1);
        } else {
            if (strchr(".^$|()[]{}*+?\\", *p))
                put(o, "\\", 1);
            put(o, p, 1);
        }
    }
}

static int is_match_all(const char *g) {
    for (; *g; g++)
        if (*g != '*')
            return 0;
    return 1;
}

/* Collects the selector of one rule into `sel` (without braces): model, feature, matchers. The
 * regex goes through quoted_body because the PromQL string needs its backslashes doubled. */
static void selector(out *sel, const vg_alert_rule *r) {
    int first = 1;
    if (!is_match_all(r->model)) {
        out re = {0};
        glob_regex(&re, r->model);
        puts_(sel, "model=~\"");
        quoted_body(sel, re.s ? re.s : "");
        puts_(sel, "\"");
        sel->failed |= re.failed;
        free(re.s);
        first = 0;
    }
    if (r->feature && !is_match_all(r->feature)) {
        out re = {0};
        glob_regex(&re, r->feature);
        puts_(sel, first ? "feature=~\"" : ",feature=~\"");
        quoted_body(sel, re.s ? re.s : "");
        puts_(sel, "\"");
        sel->failed |= re.failed;
        free(re.s);
        first = 0;
    } else if (r->feature) {
        puts_(sel, first ? "feature!=\"\"" : ",feature!=\"\"");
        first = 0;
    }
    for (size_t i = 0; i < r->n_match; i++) {
        static const char *ops[] = {"=", "!=", "=~", "!~"};
        printf_(sel, "%s%s%s\"", first ? "" : ",", r->match[i].label, ops[r->match[i].op]);
        quoted_body(sel, r->match[i].value);
        puts_(sel, "\"");
        first = 0;
    }
}

static void duration(char *buf, size_t n, int64_t ms) {
    if (ms % 3600000 == 0)
        snprintf(buf, n, "%lldh", (long long)(ms / 3600000));
    else if (ms % 60000 == 0)
        snprintf(buf, n, "%lldm", (long long)(ms / 60000));
    else if (ms % 1000 == 0)
        snprintf(buf, n, "%llds", (long long)(ms / 1000));
    else
        snprintf(buf, n, "%lldms", (long long)ms);
}

/* A vigia template in Prometheus's (Go) template syntax. */
static void template(out *o, const char *t, const vg_alert_rule *r) {
    const char *p = t;
    while (*p) {
        const char *b = strstr(p, "{{");
        if (!b) {
            puts_(o, p);
            break;
        }
        const char *e = strstr(b + 2, "}}");
        if (!e) { /* validated already; keep the text */
            puts_(o, p);
            break;
        }
        put(o, p, (size_t)(b - p));
        const char *v = b + 2, *ve = e;
        while (v < ve && *v == ' ')
            v++;
        while (ve > v && ve[-1] == ' ')
            ve--;
        size_t l = (size_t)(ve - v);
        char thr[40];
        vg_fmt_double(thr, sizeof thr, r->threshold);
        if (l == 5 && !strncmp(v, "model", 5))
            puts_(o, "{{ $labels.model }}");
        else if (l == 7 && !strncmp(v, "feature", 7))
            puts_(o, "{{ $labels.feature }}");
        else if (l == 5 && !strncmp(v, "value", 5))
            puts_(o, "{{ $value }}");
        else if (l == 9 && !strncmp(v, "threshold", 9))
            puts_(o, thr);
        else if (l == 4 && !strncmp(v, "rule", 4))
            puts_(o, r->name);
        else if (l == 8 && !strncmp(v, "severity", 8))
            puts_(o, vg_alert_severity_name(r->severity));
        else if (l > 6 && !strncmp(v, "label.", 6))
            printf_(o, "{{ $labels.%.*s }}", (int)(l - 6), v + 6);
        p = e + 2;
    }
}

static void yaml_string(out *o, const char *s) {
    puts_(o, "\"");
    quoted_body(o, s);
    puts_(o, "\"");
}

/* Alert names must be valid metric names in Prometheus. */
static void alert_name(out *o, const char *s) {
    for (const char *p = s; *p; p++) {
        int ok = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || *p == '_' || *p == ':' ||
                 (p > s && *p >= '0' && *p <= '9');
        put(o, ok ? p : "_", 1);
    }
}

int vg_alert_config_export_prometheus(const vg_alert_config *c, int64_t window_ms, char **yaml,
                                      vg_error *err) {
    out o = {0};
    char d[40], range[40];
    int64_t unit = window_ms > 0 ? window_ms : c->eval_interval_ms;
    duration(range, sizeof range, unit > 300000 ? unit : 300000);
    puts_(&o, "# Prometheus alerting rules generated by `vigia rules export --format prometheus`\n"
              "# from vigia's alerting rules, over the series of vigia's /metrics.\n");
    puts_(&o, "groups:\n  - name: vigia\n");
    duration(d, sizeof d, c->eval_interval_ms);
    printf_(&o, "    interval: %s\n    rules:\n", d);
    if (!c->n_rules)
        puts_(&o, "      []\n");
    for (size_t i = 0; i < c->n_rules; i++) {
        const vg_alert_rule *r = &c->rules[i];
        out sel = {0};
        char thr[40];
        vg_fmt_double(thr, sizeof thr, r->threshold);
        selector(&sel, r);
        const char *s = sel.s ? sel.s : "";
        printf_(&o, "      # rule '%s' (line %d)\n", r->name, r->line);
        if (r->for_windows)
            printf_(&o, "      # for_windows: %u approximated as for: %u x %s\n", r->for_windows,
                    r->for_windows - 1,
                    window_ms > 0 ? "the window length" : "the evaluation interval");
        else if (r->for_ms && window_ms > 0)
            puts_(&o, "      # for: less one window (the value shows when its window closes)\n");
        if (r->has_clear)
            printf_(&o,
                    "      # clear_threshold %g (hysteresis) has no Prometheus equivalent: the "
                    "alert resolves when the condition is false\n",
                    r->clear_threshold);
        if (r->absent_resolve)
            puts_(&o, "      # absent_resolve: in Prometheus an alert whose series vanishes "
                      "resolves at once\n");
        puts_(&o, "      - alert: ");
        alert_name(&o, r->name);
        puts_(&o, "\n        expr: \"");
        out ex = {0};
        if (!strcmp(r->metric, "records_rejected_share")) {
            printf_(&ex,
                    "(sum by (model) (rate(vigia_records_rejected_total{%s}[%s])) / (sum by "
                    "(model) (rate(vigia_records_rejected_total{%s}[%s])) + sum by (model) "
                    "(rate(vigia_records_accepted_total{%s}[%s])))) %s %s",
                    s, range, s, range, s, range, vg_alert_op_name(r->op), thr);
        } else if (!strcmp(r->metric, "label_join_rate")) {
            printf_(&ex,
                    "(sum by (model) (rate(vigia_labels_matched_total{%s}[%s])) / sum by (model) "
                    "(rate(vigia_labels_received_total{%s}[%s]))) %s %s",
                    s, range, s, range, vg_alert_op_name(r->op), thr);
        } else
            printf_(&ex, "vigia_%s{%s} %s %s", r->metric, s, vg_alert_op_name(r->op), thr);
        quoted_body(&o, ex.s ? ex.s : "");
        o.failed |= ex.failed | sel.failed;
        free(ex.s);
        free(sel.s);
        puts_(&o, "\"\n");
        /* Prometheus sees a window's value only once the window has closed, and from then on
         * for its whole length: N windows in a row are (N - 1) windows after the first shows,
         * and vigia's `for` (counted from the start of the first window) one window less */
        int64_t f = r->for_windows ? (int64_t)(r->for_windows - 1) * unit
                                   : r->for_ms - (window_ms > 0 ? window_ms : 0);
        if (f > 0) {
            duration(d, sizeof d, f);
            printf_(&o, "        for: %s\n", d);
        }
        puts_(&o, "        labels:\n          severity: ");
        yaml_string(&o, vg_alert_severity_name(r->severity));
        puts_(&o, "\n");
        for (size_t k = 0; k < r->n_labels; k++) {
            if (!strcmp(r->labels[k].key, "severity"))
                continue;
            out t = {0};
            template(&t, r->labels[k].value, r);
            printf_(&o, "          %s: ", r->labels[k].key);
            yaml_string(&o, t.s ? t.s : "");
            puts_(&o, "\n");
            o.failed |= t.failed;
            free(t.s);
        }
        if (r->n_annotations) {
            puts_(&o, "        annotations:\n");
            for (size_t k = 0; k < r->n_annotations; k++) {
                out t = {0};
                template(&t, r->annotations[k].value, r);
                printf_(&o, "          %s: ", r->annotations[k].key);
                yaml_string(&o, t.s ? t.s : "");
                puts_(&o, "\n");
                o.failed |= t.failed;
                free(t.s);
            }
        }
    }
    if (o.failed || !o.s) {
        free(o.s);
        return vg_error_set(err, VG_ERR_NOMEM, "out of memory");
    }
    *yaml = o.s;
    return VG_OK;
}
