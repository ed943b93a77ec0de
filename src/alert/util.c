/*
 * Small pieces the alerting module shares: label sets (the exposition syntax of the engine's
 * metric samples, parsed back into pairs so that rules and silences can match single labels),
 * label matchers with anchored POSIX regexes (Prometheus anchors its =~ the same way), the
 * {{var}} templates of labels and annotations, and RFC 3339 times.
 */
#include <ctype.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../base/fmt.h"
#include "internal.h"

char *vg_alert_strdup(const char *s) {
    return s ? strdup(s) : NULL;
}

/* ---- label sets ---- */

void vg_alert_kv_free(vg_alert_kv *kv, size_t n) {
    for (size_t i = 0; kv && i < n; i++) {
        free(kv[i].key);
        free(kv[i].value);
    }
    free(kv);
}

const char *vg_alert_kv_get(const vg_alert_kv *kv, size_t n, const char *key) {
    for (size_t i = 0; i < n; i++)
        if (!strcmp(kv[i].key, key))
            return kv[i].value;
    return NULL;
}

int vg_alert_kv_set(vg_alert_kv **kv, size_t *n, const char *key, const char *value) {
    for (size_t i = 0; i < *n; i++)
        if (!strcmp((*kv)[i].key, key)) {
            char *v = strdup(value);
            if (!v)
                return VG_ERR_NOMEM;
            free((*kv)[i].value);
            (*kv)[i].value = v;
            return VG_OK;
        }
    vg_alert_kv *g = realloc(*kv, (*n + 1) * sizeof *g);
    if (!g)
        return VG_ERR_NOMEM;
    *kv = g;
    g[*n].key = strdup(key);
    g[*n].value = strdup(value);
    if (!g[*n].key || !g[*n].value) {
        free(g[*n].key);
        free(g[*n].value);
        return VG_ERR_NOMEM;
    }
    (*n)++;
    return VG_OK;
}

int vg_alert_labels_parse(const char *s, vg_alert_kv **out, size_t *n) {
    vg_alert_kv *kv = NULL;
    size_t count = 0;
    size_t len = strlen(s);
    char *key = malloc(len + 1), *val = malloc(len + 1);
    int rc = key && val ? VG_OK : VG_ERR_NOMEM;
    const char *p = s;
    while (rc == VG_OK && *p) {
        size_t k = 0, v = 0;
        while (*p && *p != '=')
            key[k++] = *p++;
        key[k] = 0;
        if (*p != '=' || p[1] != '"' || !k) {
            rc = VG_ERR_PARSE;
            break;
        }
        p += 2;
        while (*p && *p != '"') {
            if (*p == '\\' && p[1]) {
                p++;
                val[v++] = *p == 'n' ? '\n' : *p;
                p++;
            } else
                val[v++] = *p++;
        }
        val[v] = 0;
        if (*p != '"') {
            rc = VG_ERR_PARSE;
            break;
        }
        p++;
        if (*p == ',')
            p++;
        rc = vg_alert_kv_set(&kv, &count, key, val);
    }
    free(key);
    free(val);
    if (rc != VG_OK) {
        vg_alert_kv_free(kv, count);
        return rc;
    }
    *out = kv;
    *n = count;
    return VG_OK;
}

/* ---- matchers ---- */

const char *vg_alert_match_op_name(vg_alert_match_op op) {
    static const char *names[] = {"=", "!=", "=~", "!~"};
    return (unsigned)op < 4 ? names[op] : "?";
}

int vg_alert_matcher_init(vg_alert_matcher *m, const char *label, vg_alert_match_op op,
                          const char *value, char *why, size_t n) {
    memset(m, 0, sizeof *m);
    m->op = op;
    m->label = strdup(label);
    m->value = strdup(value);
    if (!m->label || !m->value) {
        vg_alert_matcher_clear(m);
        return VG_ERR_NOMEM;
    }
    if (op == VG_MATCH_RE || op == VG_MATCH_NRE) {
        /* anchored like Prometheus: the whole value must match */
        size_t l = strlen(value);
        char *anchored = malloc(l + 5);
        regex_t *re = malloc(sizeof *re);
        if (!anchored || !re) {
            free(anchored);
            free(re);
            vg_alert_matcher_clear(m);
            return VG_ERR_NOMEM;
        }
        snprintf(anchored, l + 5, "^(%s)$", value);
        int rc = regcomp(re, anchored, REG_EXTENDED | REG_NOSUB);
        free(anchored);
        if (rc != 0) {
            char msg[128];
            regerror(rc, re, msg, sizeof msg);
            snprintf(why, n, "bad regex '%s': %s", value, msg);
            free(re);
            vg_alert_matcher_clear(m);
            return VG_ERR_PARSE;
        }
        m->re = re;
    }
    return VG_OK;
}

int vg_alert_matcher_from_spec(vg_alert_matcher *m, const char *label, const char *spec, char *why,
                               size_t n) {
    vg_alert_match_op op = VG_MATCH_EQ;
    const char *v = spec;
    if (!strncmp(spec, "=~", 2))
        op = VG_MATCH_RE, v = spec + 2;
    else if (!strncmp(spec, "!~", 2))
        op = VG_MATCH_NRE, v = spec + 2;
    else if (!strncmp(spec, "!=", 2))
        op = VG_MATCH_NE, v = spec + 2;
    else if (!strncmp(spec, "==", 2))
        v = spec + 2;
    return vg_alert_matcher_init(m, label, op, v, why, n);
}

int vg_alert_matcher_match(const vg_alert_matcher *m, const char *value) {
    if (!value)
        value = "";
    switch (m->op) {
    case VG_MATCH_EQ: return !strcmp(value, m->value);
    case VG_MATCH_NE: return strcmp(value, m->value) != 0;
    case VG_MATCH_RE: return regexec((const regex_t *)m->re, value, 0, NULL, 0) == 0;
    case VG_MATCH_NRE: return regexec((const regex_t *)m->re, value, 0, NULL, 0) != 0;
    }
    return 0;
}

void vg_alert_matcher_clear(vg_alert_matcher *m) {
    if (!m)
        return;
    if (m->re) {
        regfree((regex_t *)m->re);
        free(m->re);
    }
    free(m->label);
    free(m->value);
    memset(m, 0, sizeof *m);
}

/* ---- templates: {{name}} with optional spaces inside the braces ---- */

/* Finds the next {{...}}; sets the variable's bounds; returns the position after "}}", or NULL
 * with *bad set when braces are not closed. */
static const char *next_var(const char *p, const char **start, const char **vb, size_t *vl,
                            int *bad) {
    const char *o = strstr(p, "{{");
    *bad = 0;
    if (!o)
        return NULL;
    const char *c = strstr(o + 2, "}}");
    if (!c) {
        *bad = 1;
        return NULL;
    }
    const char *b = o + 2, *e = c;
    while (b < e && isspace((unsigned char)*b))
        b++;
    while (e > b && isspace((unsigned char)e[-1]))
        e--;
    *start = o;
    *vb = b;
    *vl = (size_t)(e - b);
    return c + 2;
}

static int var_is(const char *b, size_t l, const char *name) {
    return strlen(name) == l && !strncmp(b, name, l);
}

static int known_var(const char *b, size_t l) {
    static const char *vars[] = {"model", "feature", "value", "threshold", "rule", "severity"};
    for (size_t i = 0; i < sizeof vars / sizeof *vars; i++)
        if (var_is(b, l, vars[i]))
            return 1;
    if (l > 6 && !strncmp(b, "label.", 6)) {
        for (size_t i = 6; i < l; i++)
            if (!isalnum((unsigned char)b[i]) && b[i] != '_')
                return 0;
        return 1;
    }
    return 0;
}

int vg_alert_tmpl_check(const char *t, char *why, size_t n) {
    const char *p = t, *start, *vb;
    size_t vl;
    int bad;
    while ((p = next_var(p, &start, &vb, &vl, &bad)))
        if (!known_var(vb, vl)) {
            snprintf(why, n,
                     "unknown template variable '{{%.*s}}' (known: model, feature, value, "
                     "threshold, rule, severity, label.NAME)",
                     (int)vl, vb);
            return VG_ERR_PARSE;
        }
    if (bad) {
        snprintf(why, n, "unclosed '{{' in template \"%s\"", t);
        return VG_ERR_PARSE;
    }
    return VG_OK;
}

typedef struct {
    char *s;
    size_t len, cap;
} sbuf;

static int put(sbuf *b, const char *s, size_t n) {
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 64;
        while (cap < b->len + n + 1)
            cap *= 2;
        char *g = realloc(b->s, cap);
        if (!g)
            return VG_ERR_NOMEM;
        b->s = g;
        b->cap = cap;
    }
    memcpy(b->s + b->len, s, n);
    b->len += n;
    b->s[b->len] = 0;
    return VG_OK;
}

int vg_alert_tmpl_render(const char *t, const vg_alert_tmpl_ctx *c, char **out) {
    sbuf b = {0};
    const char *p = t, *q, *start, *vb;
    size_t vl;
    int bad, rc = put(&b, "", 0);
    while (rc == VG_OK && (q = next_var(p, &start, &vb, &vl, &bad))) {
        char num[40];
        const char *v = NULL;
        rc = put(&b, p, (size_t)(start - p));
        if (var_is(vb, vl, "model"))
            v = c->model;
        else if (var_is(vb, vl, "feature"))
            v = c->feature;
        else if (var_is(vb, vl, "rule"))
            v = c->rule;
        else if (var_is(vb, vl, "severity"))
            v = c->severity;
        else if (var_is(vb, vl, "value") || var_is(vb, vl, "threshold")) {
            vg_fmt_double(num, sizeof num, var_is(vb, vl, "value") ? c->value : c->threshold);
            v = num;
        } else if (vl > 6 && !strncmp(vb, "label.", 6)) {
            char key[128];
            snprintf(key, sizeof key, "%.*s", (int)(vl - 6), vb + 6);
            v = vg_alert_kv_get(c->labels, c->n_labels, key);
        } else {
            free(b.s);
            return VG_ERR_PARSE;
        }
        if (rc == VG_OK && v)
            rc = put(&b, v, strlen(v));
        p = q;
    }
    if (rc == VG_OK && bad)
        rc = VG_ERR_PARSE;
    if (rc == VG_OK)
        rc = put(&b, p, strlen(p));
    if (rc != VG_OK) {
        free(b.s);
        return rc;
    }
    *out = b.s;
    return VG_OK;
}
