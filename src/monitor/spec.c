/*
 * The model spec of a monitored model: strict JSON parsing (every unknown key, wrong type or
 * bad value is an error naming the field, so that a typo never silently changes what is
 * monitored), its canonical JSON form, and the two text formats of time the monitor accepts:
 * durations ("15m", "7d", or seconds) and RFC 3339 timestamps. docs/monitor.md lists the keys.
 */
#include <ctype.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

const char *vg_feature_type_name(vg_feature_type t) {
    switch (t) {
    case VG_FEATURE_NUMERIC: return "numeric";
    case VG_FEATURE_CATEGORICAL: return "categorical";
    case VG_FEATURE_BOOLEAN: return "boolean";
    case VG_FEATURE_TEXT: return "text";
    }
    return "?";
}

/* ---- durations and timestamps ---------------------------------------------------------------- */

int vg_parse_duration_ms(const char *s, int64_t *ms) {
    if (!s)
        return VG_ERR_INVALID;
    const char *p = s;
    while (isspace((unsigned char)*p))
        p++;
    if (!*p)
        return VG_ERR_INVALID;
    /* a plain number is seconds; otherwise a sequence of NUMBER UNIT ("1h30m"), as Go and
     * Prometheus write durations */
    double total = 0;
    int first = 1;
    while (*p) {
        if (!isdigit((unsigned char)*p) && *p != '.')
            return VG_ERR_INVALID;
        char *end;
        double x = strtod(p, &end);
        if (end == p || !isfinite(x) || x < 0)
            return VG_ERR_INVALID;
        p = end;
        double unit;
        if (first && *p == '\0')
            unit = 1000;
        else if (strncmp(p, "ms", 2) == 0)
            unit = 1, p += 2;
        else if (*p == 's')
            unit = 1000, p++;
        else if (*p == 'm')
            unit = 60e3, p++;
        else if (*p == 'h')
            unit = 3600e3, p++;
        else if (*p == 'd')
            unit = 86400e3, p++;
        else if (*p == 'w')
            unit = 7 * 86400e3, p++;
        else
            return VG_ERR_INVALID;
        total += x * unit;
        first = 0;
    }
    if (total > 9.2e18)
        return VG_ERR_INVALID;
    *ms = (int64_t)llround(total);
    return VG_OK;
}

/* Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days_from_civil). */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d) {
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400);
    unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

static int digits(const char *s, int n, int *out) {
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (!isdigit((unsigned char)s[i]))
            return 0;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return 1;
}

int vg_parse_rfc3339_ms(const char *s, int64_t *ms) {
    static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int y, mo, d, h, mi, sec;
    if (!s || strlen(s) < 20 || !digits(s, 4, &y) || s[4] != '-' || !digits(s + 5, 2, &mo) ||
        s[7] != '-' || !digits(s + 8, 2, &d) || (s[10] != 'T' && s[10] != 't' && s[10] != ' ') ||
        !digits(s + 11, 2, &h) || s[13] != ':' || !digits(s + 14, 2, &mi) || s[16] != ':' ||
        !digits(s + 17, 2, &sec))
        return VG_ERR_INVALID;
    if (mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] || h > 23 || mi > 59 || sec > 60)
        return VG_ERR_INVALID;
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    if (mo == 2 && d == 29 && !leap)
        return VG_ERR_INVALID;
    const char *p = s + 19;
    double frac = 0;
    if (*p == '.') {
        p++;
        if (!isdigit((unsigned char)*p))
            return VG_ERR_INVALID;
        double scale = 0.1;
        while (isdigit((unsigned char)*p)) {
            frac += (*p - '0') * scale;
            scale /= 10;
            p++;
        }
    }
    int64_t off_min = 0;
    if (*p == 'Z' || *p == 'z') {
        p++;
    } else if (*p == '+' || *p == '-') {
        int oh, om;
        if (!digits(p + 1, 2, &oh) || p[3] != ':' || !digits(p + 4, 2, &om) || oh > 23 || om > 59)
            return VG_ERR_INVALID;
        off_min = (oh * 60 + om) * (*p == '-' ? -1 : 1);
        p += 6;
    } else {
        return VG_ERR_INVALID;
    }
    if (*p != '\0')
        return VG_ERR_INVALID;
    if (sec == 60)
        sec = 59; /* a leap second counts as the last second of its minute */
    int64_t t = days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400 + h * 3600 + mi * 60 + sec -
                off_min * 60;
    *ms = t * 1000 + (int64_t)floor(frac * 1000 + 1e-6);
    return VG_OK;
}

/* ms since the epoch into its UTC calendar fields (Hinnant's civil_from_days): no gmtime, so no
 * time_t range or locale to worry about */
static void civil(int64_t ms, int64_t *y, unsigned *m, unsigned *d, int64_t *rem, int *milli) {
    int64_t secs = ms >= 0 ? ms / 1000 : -((-ms + 999) / 1000);
    *milli = (int)(ms - secs * 1000);
    int64_t days = secs >= 0 ? secs / 86400 : -((-secs + 86399) / 86400);
    *rem = secs - days * 86400;
    int64_t z = days + 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    unsigned doe = (unsigned)(z - era * 146097);
    unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    unsigned mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = (int64_t)yoe + era * 400 + (*m <= 2);
}

void mfmt_time(int64_t ms, char *buf, size_t n) {
    int64_t y, rem;
    unsigned m, d;
    int milli;
    civil(ms, &y, &m, &d, &rem, &milli);
    if (milli)
        snprintf(buf, n, "%04lld-%02u-%02uT%02d:%02d:%02d.%03dZ", (long long)y, m, d,
                 (int)(rem / 3600), (int)(rem / 60 % 60), (int)(rem % 60), milli);
    else
        snprintf(buf, n, "%04lld-%02u-%02uT%02d:%02d:%02dZ", (long long)y, m, d, (int)(rem / 3600),
                 (int)(rem / 60 % 60), (int)(rem % 60));
}

void vg_format_rfc3339_ms(int64_t ms, char *buf, size_t n) {
    int64_t y, rem;
    unsigned m, d;
    int milli;
    civil(ms, &y, &m, &d, &rem, &milli);
    snprintf(buf, n, "%04lld-%02u-%02uT%02d:%02d:%02d.%03dZ", (long long)y, m, d, (int)(rem / 3600),
             (int)(rem / 60 % 60), (int)(rem % 60), milli);
}

/* ---- spec ------------------------------------------------------------------------------------ */

void vg_model_spec_free(vg_model_spec *s) {
    if (!s)
        return;
    free(s->name);
    free(s->version);
    for (size_t i = 0; i < s->n_features; i++)
        free(s->features[i].name);
    free(s->features);
    for (size_t i = 0; i < s->n_sensitive; i++)
        free(s->sensitive[i]);
    free(s->sensitive);
    free(s->pos_label);
    for (size_t i = 0; i < s->n_classes; i++)
        free(s->classes[i]);
    free(s->classes);
    free(s->pii_scan);
    free(s);
}

size_t mspec_n_proba(const vg_model_spec *s) {
    return s->task == VG_TASK_MULTICLASS ? s->n_classes : 0;
}

size_t mspec_n_ext(const vg_model_spec *s) {
    return s->n_sensitive + mspec_n_proba(s);
}

int mspec_feature(const vg_model_spec *s, const char *name, size_t len) {
    for (size_t i = 0; i < s->n_features; i++)
        if (strlen(s->features[i].name) == len && memcmp(s->features[i].name, name, len) == 0)
            return (int)i;
    return -1;
}

static char **dup_strv(char *const *v, size_t n, int *oom) {
    if (n == 0)
        return NULL;
    char **out = calloc(n, sizeof *out);
    if (!out) {
        *oom = 1;
        return NULL;
    }
    for (size_t i = 0; i < n; i++)
        if (!(out[i] = strdup(v[i])))
            *oom = 1;
    return out;
}

vg_model_spec *mspec_copy(const vg_model_spec *s) {
    vg_model_spec *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    *c = *s;
    c->name = c->version = c->pos_label = NULL;
    c->features = NULL;
    c->pii_scan = NULL;
    c->sensitive = c->classes = NULL;
    c->n_features = c->n_sensitive = c->n_classes = 0;
    int oom = 0;
    if (!(c->name = strdup(s->name)) || !(c->version = strdup(s->version ? s->version : "1")))
        oom = 1;
    if (s->pos_label && !(c->pos_label = strdup(s->pos_label)))
        oom = 1;
    if (s->n_features && (c->features = calloc(s->n_features, sizeof *c->features))) {
        c->n_features = s->n_features;
        for (size_t i = 0; i < s->n_features; i++) {
            c->features[i] = s->features[i];
            if (!(c->features[i].name = strdup(s->features[i].name)))
                oom = 1;
        }
    } else if (s->n_features) {
        oom = 1;
    }
    c->sensitive = dup_strv(s->sensitive, s->n_sensitive, &oom);
    if (c->sensitive)
        c->n_sensitive = s->n_sensitive;
    c->classes = dup_strv(s->classes, s->n_classes, &oom);
    if (c->classes)
        c->n_classes = s->n_classes;
    if (s->pii_scan && s->n_features) {
        if ((c->pii_scan = malloc(s->n_features)))
            memcpy(c->pii_scan, s->pii_scan, s->n_features);
        else
            oom = 1;
    }
    if (oom) {
        vg_model_spec_free(c);
        return NULL;
    }
    return c;
}

static int bad(vg_error *err, const char *field, const char *what) {
    return vg_error_set(err, VG_ERR_INVALID, "model spec: %s: %s", field, what);
}

static int check_keys(json_t *obj, const char *where, const char *const *allowed, vg_error *err) {
    const char *key;
    json_t *v;
    json_object_foreach(obj, key, v) {
        int ok = 0;
        for (size_t i = 0; allowed[i]; i++)
            if (strcmp(key, allowed[i]) == 0)
                ok = 1;
        if (!ok) {
            char f[200];
            snprintf(f, sizeof f, "%s%s%.100s", where, *where ? "." : "", key);
            return bad(err, f, "unknown key");
        }
    }
    return VG_OK;
}

static int valid_name(const char *s) {
    size_t n = strlen(s);
    if (n < 1 || n > 64)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!isalnum((unsigned char)s[i]) && s[i] != '_' && s[i] != '.' && s[i] != '-')
            return 0;
    return 1;
}

/* A duration given as text ("15m") or a number of seconds. */
static int duration_of(json_t *v, const char *field, int64_t *ms, vg_error *err) {
    if (json_is_number(v)) {
        double x = json_number_value(v);
        if (!isfinite(x) || x < 0 || x > 9.2e15)
            return bad(err, field, "must be a non-negative number of seconds");
        *ms = (int64_t)llround(x * 1000);
        return VG_OK;
    }
    if (json_is_string(v) && vg_parse_duration_ms(json_string_value(v), ms) == VG_OK)
        return VG_OK;
    return bad(err, field,
               "must be a duration such as \"90s\", \"15m\", \"1h\", \"7d\" or seconds");
}

/* A class or label as text: strings as they are, integers and booleans as written. */
static int label_text(json_t *v, char **out) {
    char buf[64];
    if (json_is_string(v))
        *out = strdup(json_string_value(v));
    else if (json_is_integer(v))
        snprintf(buf, sizeof buf, "%lld", (long long)json_integer_value(v)), *out = strdup(buf);
    else if (json_is_boolean(v))
        *out = strdup(json_is_true(v) ? "true" : "false");
    else
        return VG_ERR_INVALID;
    return *out ? VG_OK : VG_ERR_NOMEM;
}

static int parse_features(json_t *arr, vg_model_spec *s, vg_error *err) {
    static const char *const keys[] = {"name", "type", "required", NULL};
    if (!json_is_array(arr))
        return bad(err, "features", "must be an array of {name, type, required}");
    size_t n = json_array_size(arr);
    if (n < 1 || n > VG_MONITOR_MAX_FEATURES)
        return vg_error_set(err, VG_ERR_INVALID, "model spec: features: needs 1 to %d features",
                            VG_MONITOR_MAX_FEATURES);
    if (!(s->features = calloc(n, sizeof *s->features)))
        return vg_error_set(err, VG_ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < n; i++) {
        char f[64];
        json_t *o = json_array_get(arr, i);
        snprintf(f, sizeof f, "features[%zu]", i);
        if (!json_is_object(o))
            return bad(err, f, "must be an object {name, type, required}");
        int rc = check_keys(o, f, keys, err);
        if (rc != VG_OK)
            return rc;
        json_t *name = json_object_get(o, "name"), *type = json_object_get(o, "type"),
               *req = json_object_get(o, "required");
        char ff[80];
        snprintf(ff, sizeof ff, "%s.name", f);
        if (!json_is_string(name) || json_string_length(name) == 0 ||
            json_string_length(name) > 200)
            return bad(err, ff, "must be a non-empty string (at most 200 bytes)");
        const char *nm = json_string_value(name);
        if (strcmp(nm, "prediction") == 0 || strcmp(nm, "label") == 0)
            return bad(err, ff, "\"prediction\" and \"label\" are reserved column names");
        if (mspec_feature(s, nm, strlen(nm)) >= 0)
            return vg_error_set(err, VG_ERR_INVALID, "model spec: %s: duplicate feature '%s'", ff,
                                nm);
        vg_feature_spec *fs = &s->features[i];
        fs->type = VG_FEATURE_NUMERIC;
        if (type) {
            snprintf(ff, sizeof ff, "%s.type", f);
            const char *t = json_is_string(type) ? json_string_value(type) : "";
            if (strcmp(t, "numeric") == 0)
                fs->type = VG_FEATURE_NUMERIC;
            else if (strcmp(t, "categorical") == 0)
                fs->type = VG_FEATURE_CATEGORICAL;
            else if (strcmp(t, "boolean") == 0)
                fs->type = VG_FEATURE_BOOLEAN;
            else if (strcmp(t, "text") == 0)
                fs->type = VG_FEATURE_TEXT;
            else
                return bad(err, ff,
                           "must be \"numeric\", \"categorical\", \"boolean\" or \"text\"");
        } else {
            snprintf(ff, sizeof ff, "%s.type", f);
            return bad(err, ff, "is required");
        }
        if (req) {
            snprintf(ff, sizeof ff, "%s.required", f);
            if (!json_is_boolean(req))
                return bad(err, ff, "must be true or false");
            fs->required = json_is_true(req);
        }
        if (!(fs->name = strdup(nm)))
            return vg_error_set(err, VG_ERR_NOMEM, "out of memory");
        s->n_features = i + 1;
    }
    return VG_OK;
}

static int parse_strings(json_t *arr, const char *field, char ***out, size_t *n, vg_error *err) {
    if (!json_is_array(arr))
        return bad(err, field, "must be an array");
    size_t k = json_array_size(arr);
    if (k == 0)
        return VG_OK;
    if (!(*out = calloc(k, sizeof **out)))
        return vg_error_set(err, VG_ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < k; i++) {
        char f[80];
        snprintf(f, sizeof f, "%s[%zu]", field, i);
        int rc = label_text(json_array_get(arr, i), &(*out)[i]);
        if (rc == VG_ERR_NOMEM)
            return vg_error_set(err, rc, "out of memory");
        if (rc != VG_OK)
            return bad(err, f, "must be a string, an integer or a boolean");
        *n = i + 1;
        for (size_t j = 0; j < i; j++)
            if (strcmp((*out)[j], (*out)[i]) == 0)
                return bad(err, f, "duplicate value");
    }
    return VG_OK;
}

static int parse_window(json_t *w, vg_model_spec *s, vg_error *err) {
    static const char *const keys[] = {"duration", "lateness", "count", NULL};
    if (!json_is_object(w))
        return bad(err, "window", "must be an object {duration | count, lateness}");
    int rc = check_keys(w, "window", keys, err);
    if (rc != VG_OK)
        return rc;
    json_t *d = json_object_get(w, "duration"), *l = json_object_get(w, "lateness"),
           *c = json_object_get(w, "count");
    if (d && c)
        return bad(err, "window", "give either duration or count, not both");
    if (d) {
        if ((rc = duration_of(d, "window.duration", &s->window_ms, err)) != VG_OK)
            return rc;
        if (s->window_ms < 1000)
            return bad(err, "window.duration", "must be at least 1s");
    }
    if (l && (rc = duration_of(l, "window.lateness", &s->lateness_ms, err)) != VG_OK)
        return rc;
    if (c) {
        if (!json_is_integer(c) || json_integer_value(c) < 1)
            return bad(err, "window.count", "must be a positive integer");
        s->window_count = (uint64_t)json_integer_value(c);
        s->window_ms = 0;
        if (l)
            return bad(err, "window.lateness", "applies to time windows only (not with count)");
    }
    return VG_OK;
}

/* ---- PII ------------------------------------------------------------------------------------- */

const char *vg_pii_policy_name(vg_pii_policy p) {
    switch (p) {
    case VG_PII_POLICY_OFF: return "off";
    case VG_PII_POLICY_REPORT: return "report";
    case VG_PII_POLICY_REDACT: return "redact";
    case VG_PII_POLICY_REJECT: return "reject";
    }
    return "?";
}

static int pii_scannable(const vg_feature_spec *f) {
    return f->type == VG_FEATURE_CATEGORICAL || f->type == VG_FEATURE_TEXT;
}

/* The "pii" object: {"policy", "detectors", "features", "id"}; docs/pii.md. Parsed after the
 * features, which it names. */
static int parse_pii(json_t *o, vg_model_spec *s, vg_error *err) {
    static const char *const keys[] = {"policy", "detectors", "features", "id", NULL};
    if (!json_is_object(o))
        return bad(err, "pii", "must be an object {policy, detectors, features, id}");
    int rc = check_keys(o, "pii", keys, err);
    if (rc != VG_OK)
        return rc;
    json_t *p = json_object_get(o, "policy"), *d = json_object_get(o, "detectors"),
           *f = json_object_get(o, "features"), *id = json_object_get(o, "id");
    s->pii_policy = VG_PII_POLICY_REPORT;
    if (p) {
        const char *t = json_is_string(p) ? json_string_value(p) : "";
        if (!strcmp(t, "report"))
            s->pii_policy = VG_PII_POLICY_REPORT;
        else if (!strcmp(t, "redact"))
            s->pii_policy = VG_PII_POLICY_REDACT;
        else if (!strcmp(t, "reject"))
            s->pii_policy = VG_PII_POLICY_REJECT;
        else if (!strcmp(t, "off"))
            s->pii_policy = VG_PII_POLICY_OFF;
        else
            return bad(err, "pii.policy", "must be \"report\", \"redact\", \"reject\" or \"off\"");
    }
    if (s->pii_policy == VG_PII_POLICY_OFF) {
        /* the opt-out of the default scan: nothing else to say */
        if (json_object_size(o) > 1)
            return bad(err, "pii", "with policy \"off\" no other key applies");
        s->pii_detectors = 0;
        s->pii_id = 0;
        return VG_OK;
    }
    s->pii_detectors = (1u << VG_PII_N_KINDS) - 1;
    if (d) {
        if (!json_is_array(d) || json_array_size(d) == 0)
            return bad(err, "pii.detectors",
                       "must be a non-empty array of \"email\", \"phone\", \"card\", "
                       "\"iban\", \"cpf\", \"cnpj\"");
        s->pii_detectors = 0;
        for (size_t i = 0; i < json_array_size(d); i++) {
            char fi[64];
            snprintf(fi, sizeof fi, "pii.detectors[%zu]", i);
            json_t *x = json_array_get(d, i);
            const char *t = json_is_string(x) ? json_string_value(x) : "";
            int k = 0;
            while (k < VG_PII_N_KINDS && strcmp(vg_pii_kind_name((vg_pii_kind)k), t))
                k++;
            if (k == VG_PII_N_KINDS)
                return bad(err, fi,
                           "must be one of \"email\", \"phone\", \"card\", \"iban\", "
                           "\"cpf\", \"cnpj\"");
            if (s->pii_detectors & (1u << k))
                return bad(err, fi, "duplicate detector");
            s->pii_detectors |= 1u << k;
        }
    }
    s->pii_id = 1;
    if (id) {
        if (!json_is_boolean(id))
            return bad(err, "pii.id", "must be true or false");
        s->pii_id = json_is_true(id);
    }
    if (!(s->pii_scan = calloc(s->n_features ? s->n_features : 1, 1)))
        return vg_error_set(err, VG_ERR_NOMEM, "out of memory");
    size_t n_scanned = 0;
    if (f) {
        if (!json_is_array(f))
            return bad(err, "pii.features", "must be an array of feature names");
        for (size_t i = 0; i < json_array_size(f); i++) {
            char fi[64];
            snprintf(fi, sizeof fi, "pii.features[%zu]", i);
            json_t *x = json_array_get(f, i);
            if (!json_is_string(x))
                return bad(err, fi, "must be a feature name (a string)");
            const char *nm = json_string_value(x);
            int k = mspec_feature(s, nm, strlen(nm));
            if (k < 0)
                return vg_error_set(err, VG_ERR_INVALID, "model spec: %s: no feature '%.200s'", fi,
                                    nm);
            if (!pii_scannable(&s->features[k]))
                return vg_error_set(err, VG_ERR_INVALID,
                                    "model spec: %s: '%.200s' is %s: only categorical and text "
                                    "features hold strings to scan",
                                    fi, nm, vg_feature_type_name(s->features[k].type));
            if (s->pii_scan[k])
                return bad(err, fi, "duplicate feature");
            s->pii_scan[k] = 1;
            n_scanned++;
        }
    } else {
        for (size_t k = 0; k < s->n_features; k++)
            if (pii_scannable(&s->features[k])) {
                s->pii_scan[k] = 1;
                n_scanned++;
            }
    }
    if (n_scanned == 0 && !s->pii_id)
        return bad(err, "pii",
                   "scans nothing: no categorical or text feature is listed and id is false");
    return VG_OK;
}

/* "integrity": false, true, or an object of settings (defaults for the keys not given). */
static int parse_integrity(json_t *v, vg_model_spec *s, vg_error *err) {
    static const char *const keys[] = {"enabled",   "ood_quantile", "ood_margin", "quantize_bins",
                                       "max_table", "max_features", NULL};
    vg_integrity_spec *o = &s->integrity;
    if (json_is_boolean(v)) {
        o->enabled = json_is_true(v);
        return VG_OK;
    }
    if (!json_is_object(v))
        return bad(err, "integrity", "must be false, true or an object of settings");
    int rc = check_keys(v, "integrity", keys, err);
    if (rc != VG_OK)
        return rc;
    json_t *x;
    if ((x = json_object_get(v, "enabled"))) {
        if (!json_is_boolean(x))
            return bad(err, "integrity.enabled", "must be true or false");
        o->enabled = json_is_true(x);
    }
    if ((x = json_object_get(v, "ood_quantile"))) {
        double q = json_number_value(x);
        if (!json_is_number(x) || !(q >= 0 && q < 0.5))
            return bad(err, "integrity.ood_quantile", "must be a number in [0, 0.5)");
        o->ood_quantile = q;
    }
    if ((x = json_object_get(v, "ood_margin"))) {
        double m = json_number_value(x);
        if (!json_is_number(x) || !(m >= 0 && m <= 1e6))
            return bad(err, "integrity.ood_margin", "must be a number in [0, 1e6]");
        o->ood_margin = m;
    }
    static const struct {
        const char *key, *field, *what;
        json_int_t lo, hi;
    } ints[] = {
        {"quantize_bins", "integrity.quantize_bins", "must be an integer in [2, 65536]", 2, 65536},
        {"max_table", "integrity.max_table", "must be an integer in [1024, 16777216]", 1024,
         16777216},
        {"max_features", "integrity.max_features", "must be an integer in [1, 1000]", 1, 1000},
    };
    uint32_t *dst[] = {&o->quantize_bins, &o->max_table, &o->max_features};
    for (size_t i = 0; i < sizeof ints / sizeof *ints; i++) {
        if (!(x = json_object_get(v, ints[i].key)))
            continue;
        if (!json_is_integer(x) || json_integer_value(x) < ints[i].lo ||
            json_integer_value(x) > ints[i].hi)
            return bad(err, ints[i].field, ints[i].what);
        *dst[i] = (uint32_t)json_integer_value(x);
    }
    return VG_OK;
}

static int parse_into(json_t *root, vg_model_spec *s, vg_error *err) {
    static const char *const keys[] = {"name",      "version",   "task",      "features",
                                       "sensitive", "window",    "threshold", "pos_label",
                                       "classes",   "label_ttl", "max_join",  "drift_share",
                                       "pii",       "integrity", NULL};
    if (!json_is_object(root))
        return bad(err, "spec", "must be a JSON object");
    int rc = check_keys(root, "", keys, err);
    if (rc != VG_OK)
        return rc;
    json_t *v = json_object_get(root, "name");
    if (!json_is_string(v) || !valid_name(json_string_value(v)))
        return bad(err, "name", "must be 1 to 64 characters of A-Z a-z 0-9 _ . -");
    if (!(s->name = strdup(json_string_value(v))))
        return vg_error_set(err, VG_ERR_NOMEM, "out of memory");
    v = json_object_get(root, "version");
    if (v) {
        char *t = NULL;
        if ((!json_is_string(v) && !json_is_integer(v)) || label_text(v, &t) != VG_OK)
            return bad(err, "version", "must be a string");
        s->version = t;
    } else if (!(s->version = strdup("1"))) {
        return vg_error_set(err, VG_ERR_NOMEM, "out of memory");
    }
    v = json_object_get(root, "task");
    const char *t = json_is_string(v) ? json_string_value(v) : NULL;
    if (!v)
        return bad(err, "task", "is required (\"binary\", \"multiclass\" or \"regression\")");
    if (t && strcmp(t, "binary") == 0)
        s->task = VG_TASK_BINARY;
    else if (t && strcmp(t, "multiclass") == 0)
        s->task = VG_TASK_MULTICLASS;
    else if (t && strcmp(t, "regression") == 0)
        s->task = VG_TASK_REGRESSION;
    else
        return bad(err, "task", "must be \"binary\", \"multiclass\" or \"regression\"");
    v = json_object_get(root, "features");
    if (!v)
        return bad(err, "features", "is required");
    if ((rc = parse_features(v, s, err)) != VG_OK)
        return rc;
    if ((v = json_object_get(root, "sensitive"))) {
        if ((rc = parse_strings(v, "sensitive", &s->sensitive, &s->n_sensitive, err)) != VG_OK)
            return rc;
        for (size_t i = 0; i < s->n_sensitive; i++) {
            char f[64];
            snprintf(f, sizeof f, "sensitive[%zu]", i);
            int k = mspec_feature(s, s->sensitive[i], strlen(s->sensitive[i]));
            if (k < 0)
                return vg_error_set(err, VG_ERR_INVALID, "model spec: %s: no feature '%s'", f,
                                    s->sensitive[i]);
            if (s->features[k].type != VG_FEATURE_CATEGORICAL &&
                s->features[k].type != VG_FEATURE_BOOLEAN)
                return bad(err, f, "a sensitive feature must be categorical or boolean");
        }
    }
    if ((v = json_object_get(root, "window")) && (rc = parse_window(v, s, err)) != VG_OK)
        return rc;
    if ((v = json_object_get(root, "threshold"))) {
        double x = json_number_value(v);
        if (!json_is_number(v) || !(x >= 0 && x <= 1))
            return bad(err, "threshold", "must be a number in [0, 1]");
        if (s->task != VG_TASK_BINARY)
            return bad(err, "threshold", "applies to binary tasks only");
        s->threshold = x;
    }
    if ((v = json_object_get(root, "pos_label"))) {
        if (s->task != VG_TASK_BINARY)
            return bad(err, "pos_label", "applies to binary tasks only");
        if ((rc = label_text(v, &s->pos_label)) == VG_ERR_NOMEM)
            return vg_error_set(err, rc, "out of memory");
        if (rc != VG_OK)
            return bad(err, "pos_label", "must be a string, an integer or a boolean");
    }
    if ((v = json_object_get(root, "classes"))) {
        if (s->task == VG_TASK_REGRESSION)
            return bad(err, "classes", "does not apply to regression");
        if ((rc = parse_strings(v, "classes", &s->classes, &s->n_classes, err)) != VG_OK)
            return rc;
        if (s->task == VG_TASK_BINARY && s->n_classes != 2)
            return bad(err, "classes", "a binary task has exactly 2 classes");
        if (s->n_classes < 2)
            return bad(err, "classes", "needs at least 2 classes");
        if (s->pos_label) {
            int found = 0;
            for (size_t i = 0; i < s->n_classes; i++)
                found |= strcmp(s->classes[i], s->pos_label) == 0;
            if (!found)
                return bad(err, "pos_label", "is not one of the classes");
        }
    }
    if ((v = json_object_get(root, "label_ttl")) &&
        (rc = duration_of(v, "label_ttl", &s->label_ttl_ms, err)) != VG_OK)
        return rc;
    if ((v = json_object_get(root, "max_join"))) {
        if (!json_is_integer(v) || json_integer_value(v) < 1 || json_integer_value(v) > 100000000)
            return bad(err, "max_join", "must be an integer in [1, 100000000]");
        s->max_join = (uint64_t)json_integer_value(v);
    }
    if ((v = json_object_get(root, "drift_share"))) {
        double x = json_number_value(v);
        if (!json_is_number(v) || !(x > 0 && x <= 1))
            return bad(err, "drift_share", "must be a number in (0, 1]");
        s->drift_share = x;
    }
    /* no "pii" object: the default policy, report, on what it scans by default (docs/pii.md:
     * the measured cost is a few percent of parsing) */
    json_t *dflt = json_object_get(root, "pii") ? NULL : json_object();
    if ((v = json_object_get(root, "pii"))) {
        if ((rc = parse_pii(v, s, err)) != VG_OK)
            return rc;
    } else if (!dflt) {
        return vg_error_set(err, VG_ERR_NOMEM, "out of memory");
    } else {
        rc = parse_pii(dflt, s, err);
        json_decref(dflt);
        if (rc != VG_OK)
            return rc;
    }
    if ((v = json_object_get(root, "integrity")) && (rc = parse_integrity(v, s, err)) != VG_OK)
        return rc;
    return VG_OK;
}

int vg_model_spec_parse(const char *json, size_t len, vg_model_spec **out, vg_error *err) {
    json_error_t je;
    json_t *root = json_loadb(json, len, JSON_REJECT_DUPLICATES, &je);
    if (!root)
        return vg_error_set(err, VG_ERR_PARSE, "model spec: line %d, column %d: %s", je.line,
                            je.column, je.text);
    vg_model_spec *s = calloc(1, sizeof *s);
    if (!s) {
        json_decref(root);
        return vg_error_set(err, VG_ERR_NOMEM, "out of memory");
    }
    s->window_ms = VG_MONITOR_DEFAULT_WINDOW_MS;
    s->threshold = 0.5;
    s->label_ttl_ms = VG_MONITOR_DEFAULT_LABEL_TTL_MS;
    s->max_join = VG_MONITOR_DEFAULT_MAX_JOIN;
    s->drift_share = 0.5;
    vg_integrity_spec_default(&s->integrity);
    int rc = parse_into(root, s, err);
    json_decref(root);
    if (rc != VG_OK) {
        vg_model_spec_free(s);
        return rc;
    }
    *out = s;
    return VG_OK;
}

/* A duration in its shortest unit form ("1h", "90s", "250ms"). */
static json_t *duration_json(int64_t ms) {
    static const struct {
        int64_t ms;
        const char *u;
    } units[] = {{86400000, "d"}, {3600000, "h"}, {60000, "m"}, {1000, "s"}, {1, "ms"}};
    char buf[40];
    for (size_t i = 0; i < sizeof units / sizeof *units; i++)
        if (ms % units[i].ms == 0 || units[i].ms == 1) {
            snprintf(buf, sizeof buf, "%lld%s", (long long)(ms / units[i].ms), units[i].u);
            return json_string(buf);
        }
    return NULL;
}

static json_t *strv_json(char *const *v, size_t n) {
    json_t *a = json_array();
    for (size_t i = 0; a && i < n; i++)
        json_array_append_new(a, json_string(v[i]));
    return a;
}

char *vg_model_spec_json(const vg_model_spec *s) {
    json_t *o = json_object();
    if (!o)
        return NULL;
    json_object_set_new(o, "name", json_string(s->name));
    json_object_set_new(o, "version", json_string(s->version ? s->version : "1"));
    json_object_set_new(o, "task", json_string(vg_task_name(s->task)));
    json_t *fs = json_array();
    for (size_t i = 0; fs && i < s->n_features; i++) {
        json_t *f = json_object();
        json_object_set_new(f, "name", json_string(s->features[i].name));
        json_object_set_new(f, "type", json_string(vg_feature_type_name(s->features[i].type)));
        json_object_set_new(f, "required", json_boolean(s->features[i].required));
        json_array_append_new(fs, f);
    }
    json_object_set_new(o, "features", fs);
    json_object_set_new(o, "sensitive", strv_json(s->sensitive, s->n_sensitive));
    json_t *w = json_object();
    if (s->window_count > 0) {
        json_object_set_new(w, "count", json_integer((json_int_t)s->window_count));
    } else {
        json_object_set_new(w, "duration", duration_json(s->window_ms));
        json_object_set_new(w, "lateness", duration_json(s->lateness_ms));
    }
    json_object_set_new(o, "window", w);
    if (s->task == VG_TASK_BINARY) {
        json_object_set_new(o, "threshold", json_real(s->threshold));
        if (s->pos_label)
            json_object_set_new(o, "pos_label", json_string(s->pos_label));
    }
    if (s->n_classes)
        json_object_set_new(o, "classes", strv_json(s->classes, s->n_classes));
    json_object_set_new(o, "label_ttl", duration_json(s->label_ttl_ms));
    json_object_set_new(o, "max_join", json_integer((json_int_t)s->max_join));
    json_object_set_new(o, "drift_share", json_real(s->drift_share));
    if (s->pii_policy == VG_PII_POLICY_OFF) {
        json_object_set_new(o, "pii", json_pack("{s:s}", "policy", "off"));
    } else {
        json_t *p = json_object(), *det = json_array(), *pf = json_array();
        for (int k = 0; det && k < VG_PII_N_KINDS; k++)
            if (s->pii_detectors & (1u << k))
                json_array_append_new(det, json_string(vg_pii_kind_name((vg_pii_kind)k)));
        for (size_t k = 0; pf && s->pii_scan && k < s->n_features; k++)
            if (s->pii_scan[k])
                json_array_append_new(pf, json_string(s->features[k].name));
        json_object_set_new(p, "policy", json_string(vg_pii_policy_name(s->pii_policy)));
        json_object_set_new(p, "detectors", det);
        json_object_set_new(p, "features", pf);
        json_object_set_new(p, "id", json_boolean(s->pii_id));
        json_object_set_new(o, "pii", p);
    }
    /* the integrity settings only when not the defaults, so that older specs read the same */
    vg_integrity_spec d;
    vg_integrity_spec_default(&d);
    const vg_integrity_spec *g = &s->integrity;
    if (!g->enabled) {
        json_object_set_new(o, "integrity", json_false());
    } else if (g->ood_quantile != d.ood_quantile || g->ood_margin != d.ood_margin ||
               g->quantize_bins != d.quantize_bins || g->max_table != d.max_table ||
               g->max_features != d.max_features) {
        json_t *i = json_object();
        json_object_set_new(i, "ood_quantile", json_real(g->ood_quantile));
        json_object_set_new(i, "ood_margin", json_real(g->ood_margin));
        json_object_set_new(i, "quantize_bins", json_integer(g->quantize_bins));
        json_object_set_new(i, "max_table", json_integer(g->max_table));
        json_object_set_new(i, "max_features", json_integer(g->max_features));
        json_object_set_new(o, "integrity", i);
    }
    char *txt = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(o);
    return txt;
}
