/*
 * Records into batches: validation of prediction and label records against the model spec,
 * and the batch's journal encoding.
 *
 * A body is a JSON array of objects or NDJSON; each record is tokenized (jscan.c) and checked
 * field by field. A good record is copied into the batch: its texts (id, prediction, label,
 * one cell per feature) go to one arena, exactly as they will reach the profile, so a batch is
 * a few growing arrays, not a heap object per value. A bad record leaves nothing in the batch
 * (the arena is rolled back) and becomes a reject naming its index, the field and why, with
 * its raw text for the dead-letter table. A body that is not JSON fails whole (VG_ERR_PARSE
 * with line and column): none of it is accepted, so none of it can be lost.
 */
#include <ctype.h>
#include <jansson.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "../base/bytes.h"
#include "../base/utf8.h"
#include "internal.h"

/* ---- batch storage --------------------------------------------------------------------------- */

static vg_monitor_batch *batch_new(size_t n_features, int labels, int64_t now_ms) {
    vg_monitor_batch *b = calloc(1, sizeof *b);
    if (b) {
        b->n_features = n_features;
        b->labels = labels;
        b->now_ms = now_ms;
    }
    return b;
}

void vg_monitor_batch_free(vg_monitor_batch *b) {
    if (!b)
        return;
    free(b->rec);
    free(b->cells);
    free(b->arena);
    free(b->pii);
    free(b->pii_seen);
    free(b);
}

size_t vg_monitor_batch_size(const vg_monitor_batch *b) {
    return b ? b->n : 0;
}

/* Room for n more arena bytes. */
static int arena_reserve(vg_monitor_batch *b, size_t n) {
    if (b->alen + n <= b->acap)
        return VG_OK;
    size_t cap = b->acap ? b->acap : 4096;
    while (cap < b->alen + n)
        cap *= 2;
    if (cap > UINT32_MAX)
        return VG_ERR_LIMIT;
    char *a = realloc(b->arena, cap);
    if (!a)
        return VG_ERR_NOMEM;
    b->arena = a;
    b->acap = cap;
    return VG_OK;
}

static int arena_put(vg_monitor_batch *b, const char *s, size_t n, mtext *t) {
    int rc = arena_reserve(b, n);
    if (rc != VG_OK)
        return rc;
    memcpy(b->arena + b->alen, s, n);
    t->off = (uint32_t)b->alen;
    t->len = (uint32_t)n;
    t->present = 1;
    b->alen += n;
    return VG_OK;
}

/* A string token, decoded, into the arena. */
static int arena_string(vg_monitor_batch *b, const char *body, const jtok *tk, mtext *t) {
    int rc = arena_reserve(b, tk->len);
    if (rc != VG_OK)
        return rc;
    char *dst = b->arena + b->alen;
    size_t n = js_unescape(body, tk, dst);
    /* texts reach JSON reports and metric labels: they must be UTF-8 without NUL */
    if (n == (size_t)-1 || memchr(dst, '\0', n) || !vg_utf8_valid(dst, n))
        return VG_ERR_PARSE;
    t->off = (uint32_t)b->alen;
    t->len = (uint32_t)n;
    t->present = 1;
    b->alen += n;
    return VG_OK;
}

static int grow_recs(vg_monitor_batch *b) {
    if (b->n < b->cap)
        return VG_OK;
    size_t cap = b->cap ? b->cap * 2 : 64;
    mrec *r = realloc(b->rec, cap * sizeof *r);
    if (!r)
        return VG_ERR_NOMEM;
    b->rec = r;
    b->cap = cap;
    return VG_OK;
}

static int grow_cells(vg_monitor_batch *b, size_t n) {
    if (b->ncells + n <= b->cells_cap)
        return VG_OK;
    size_t cap = b->cells_cap ? b->cells_cap : 256;
    while (cap < b->ncells + n)
        cap *= 2;
    mtext *c = realloc(b->cells, cap * sizeof *c);
    if (!c)
        return VG_ERR_NOMEM;
    b->cells = c;
    b->cells_cap = cap;
    return VG_OK;
}

/* ---- rejects --------------------------------------------------------------------------------- */

void vg_monitor_rejects_free(vg_monitor_rejects *r) {
    if (!r)
        return;
    for (size_t i = 0; i < r->n; i++)
        free(r->items[i].record);
    free(r->items);
    r->items = NULL;
    r->n = r->cap = 0;
}

/* The reason of a failed record check, filled by the validators. */
typedef struct why {
    char field[128];
    char reason[256];
} why;

static int fail(why *w, const char *field, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

static int fail(why *w, const char *field, const char *fmt, ...) {
    snprintf(w->field, sizeof w->field, "%s", field);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(w->reason, sizeof w->reason, fmt, ap);
    va_end(ap);
    return 1;
}

/* Under the redact and reject policies nothing a reject keeps may hold PII: the dead letter's
 * record is masked (every string, key and integer) and so are the field and reason, which can
 * quote the input (an unknown key, an undeclared class). */
static int add_reject(const vg_monitor *m, vg_monitor_rejects *rj, size_t index, const why *w,
                      const char *raw, size_t rawlen) {
    if (rj->n == rj->cap) {
        size_t cap = rj->cap ? rj->cap * 2 : 16;
        vg_monitor_reject *it = realloc(rj->items, cap * sizeof *it);
        if (!it)
            return VG_ERR_NOMEM;
        rj->items = it;
        rj->cap = cap;
    }
    vg_monitor_reject *r = &rj->items[rj->n++];
    memset(r, 0, sizeof *r);
    r->index = index;
    snprintf(r->field, sizeof r->field, "%s", w->field);
    snprintf(r->reason, sizeof r->reason, "%s", w->reason);
    if (m->spec->pii_policy == VG_PII_POLICY_REDACT ||
        m->spec->pii_policy == VG_PII_POLICY_REJECT) {
        char *f = mpii_mask_text(m, r->field, strlen(r->field), NULL);
        char *why_text = mpii_mask_text(m, r->reason, strlen(r->reason), NULL);
        if (f)
            snprintf(r->field, sizeof r->field, "%s", f);
        if (why_text)
            snprintf(r->reason, sizeof r->reason, "%s", why_text);
        free(f);
        free(why_text);
        if (!f || !why_text) {
            rj->n--;
            return VG_ERR_NOMEM;
        }
        if (raw && !(r->record = mpii_mask_record(m, raw, rawlen))) {
            rj->n--;
            return VG_ERR_NOMEM;
        }
        return VG_OK;
    }
    /* compact JSON for the dead-letter table (rejects are few: jansson's cost does not matter
     * here); the bytes as sent when jansson refuses them (invalid UTF-8, duplicate keys) */
    json_t *j =
        raw ? json_loadb(raw, rawlen, JSON_DECODE_ANY | JSON_REJECT_DUPLICATES, NULL) : NULL;
    if (j) {
        r->record = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_ENCODE_ANY);
        json_decref(j);
    }
    if (raw && !r->record && (r->record = malloc(rawlen + 1))) {
        memcpy(r->record, raw, rawlen);
        r->record[rawlen] = '\0';
    }
    return VG_OK;
}

/* ---- value checks ---------------------------------------------------------------------------- */

static int key_is(const char *body, const jtok *k, const char *name) {
    size_t n = strlen(name);
    return !k->escaped && k->len == n && memcmp(body + k->start, name, n) == 0;
}

static const char *type_word(uint8_t t) {
    static const char *const w[] = {"null",     "false",    "true",     "a number",
                                    "a string", "an array", "an object"};
    return w[t];
}

/* The value of a number token; 0 when its text is too long or not finite. */
static int number_of(const char *body, const jtok *t, double *x) {
    char buf[512];
    if (t->len >= sizeof buf)
        return 0;
    memcpy(buf, body + t->start, t->len);
    buf[t->len] = '\0';
    *x = strtod(buf, NULL);
    return isfinite(*x);
}

static int is_integer_text(const char *body, const jtok *t) {
    for (uint32_t i = 0; i < t->len; i++) {
        char c = body[t->start + i];
        if (c == '.' || c == 'e' || c == 'E')
            return 0;
    }
    return 1;
}

/* Label equality by value: "1" == "1.0", text by bytes, booleans as true/false. */
static int same_label(const char *a, size_t alen, const char *b, size_t blen) {
    if (alen == blen && memcmp(a, b, alen) == 0)
        return 1;
    double x, y;
    vg_kind ka = vg_classify(a, alen, &x), kb = vg_classify(b, blen, &y);
    if ((ka == VG_KIND_INTEGER || ka == VG_KIND_FRACTIONAL) &&
        (kb == VG_KIND_INTEGER || kb == VG_KIND_FRACTIONAL))
        return x == y;
    if (ka == VG_KIND_BOOLEAN && kb == VG_KIND_BOOLEAN)
        return tolower((unsigned char)a[0]) == tolower((unsigned char)b[0]);
    return 0;
}

/* The declared classes (or the binary positive label): a label must be one of them. */
static int class_declared(const vg_model_spec *s) {
    return s->n_classes > 0;
}

/* Index of the declared class equal to t, or -1. */
static int class_index(const vg_model_spec *s, const char *t, size_t n) {
    for (size_t i = 0; i < s->n_classes; i++)
        if (same_label(s->classes[i], strlen(s->classes[i]), t, n))
            return (int)i;
    return -1;
}

static int class_known(const vg_model_spec *s, const char *t, size_t n) {
    return class_index(s, t, n) >= 0;
}

/* A class-like value (string, integer, boolean) into the arena. */
static int class_value(vg_monitor_batch *b, const char *body, const jtok *t, mtext *out, int *oom) {
    int rc;
    if (t->type == JT_STRING)
        rc = arena_string(b, body, t, out);
    else if (t->type == JT_NUMBER || t->type == JT_TRUE || t->type == JT_FALSE)
        rc = arena_put(b, body + t->start, t->len, out);
    else
        return 0;
    if (rc == VG_ERR_NOMEM || rc == VG_ERR_LIMIT)
        *oom = rc;
    return rc == VG_OK;
}

/* Checks and stores a label value. Returns 0 with *w filled when it is bad. */
static int check_label(const vg_model_spec *s, vg_monitor_batch *b, const char *body, const jtok *t,
                       mtext *out, why *w, int *oom) {
    if (s->task == VG_TASK_REGRESSION) {
        double x;
        if (t->type != JT_NUMBER || !number_of(body, t, &x))
            return !fail(w, "label", "a regression label must be a finite number, not %s",
                         type_word(t->type));
        return arena_put(b, body + t->start, t->len, out) == VG_OK || !(*oom = VG_ERR_NOMEM);
    }
    if (t->type == JT_NUMBER && !is_integer_text(body, t))
        return !fail(w, "label", "a class label must be a string, an integer or a boolean");
    if (!class_value(b, body, t, out, oom)) {
        if (*oom)
            return 0;
        if (t->type == JT_STRING)
            return !fail(w, "label", "invalid string (bad escape, NUL byte or not UTF-8)");
        return !fail(w, "label", "a class label must be a string, an integer or a boolean, not %s",
                     type_word(t->type));
    }
    if (class_declared(s) && !class_known(s, b->arena + out->off, out->len))
        return !fail(w, "label", "'%.*s' is not one of the declared classes", (int)out->len,
                     b->arena + out->off);
    return 1;
}

/* Checks and stores the prediction. */
static int check_prediction(const vg_model_spec *s, vg_monitor_batch *b, const char *body,
                            const jscan *js, size_t ti, mrec *r, mtext *proba, why *w, int *oom) {
    const jtok *t = &js->tok[ti];
    double x;
    if (s->task == VG_TASK_REGRESSION) {
        if (t->type == JT_OBJECT) {
            const jtok *val = NULL;
            for (size_t k = ti + 1, i = 0; i < t->size; i++, k = js->tok[k + 1].next) {
                if (!key_is(body, &js->tok[k], "value"))
                    return !fail(w, "prediction", "unknown key '%.*s' (regression: {\"value\": x})",
                                 (int)js->tok[k].len, body + js->tok[k].start);
                val = &js->tok[k + 1];
            }
            if (!val)
                return !fail(w, "prediction", "missing \"value\"");
            t = val;
        }
        if (t->type != JT_NUMBER || !number_of(body, t, &x))
            return !fail(w, "prediction", "a regression prediction must be a finite number");
        r->pred_kind = PK_VALUE;
        return arena_put(b, body + t->start, t->len, &r->pred) == VG_OK || !(*oom = VG_ERR_NOMEM);
    }
    if (s->task == VG_TASK_BINARY) {
        if (t->type == JT_OBJECT) {
            const jtok *score = NULL;
            for (size_t k = ti + 1, i = 0; i < t->size; i++, k = js->tok[k + 1].next) {
                if (!key_is(body, &js->tok[k], "score"))
                    return !fail(w, "prediction", "unknown key '%.*s' (binary: {\"score\": p})",
                                 (int)js->tok[k].len, body + js->tok[k].start);
                score = &js->tok[k + 1];
            }
            if (!score || score->type != JT_NUMBER || !number_of(body, score, &x) || x < 0 || x > 1)
                return !fail(w, "prediction.score", "must be a number in [0, 1]");
            r->pred_kind = PK_SCORE;
            return arena_put(b, body + score->start, score->len, &r->pred) == VG_OK ||
                   !(*oom = VG_ERR_NOMEM);
        }
        if (t->type == JT_NUMBER && number_of(body, t, &x) && x >= 0 && x <= 1) {
            r->pred_kind = PK_SCORE;
            return arena_put(b, body + t->start, t->len, &r->pred) == VG_OK ||
                   !(*oom = VG_ERR_NOMEM);
        }
        if (t->type == JT_NUMBER && (!is_integer_text(body, t) || !class_declared(s)))
            return !fail(w, "prediction",
                         "a binary prediction must be a score in [0, 1] or a "
                         "class label");
    }
    /* classification by label (binary labels, multiclass) */
    const jtok *cls = t;
    if (s->task == VG_TASK_MULTICLASS && t->type == JT_OBJECT) {
        cls = NULL;
        for (size_t k = ti + 1, i = 0; i < t->size; i++, k = js->tok[k + 1].next) {
            const jtok *key = &js->tok[k], *v = &js->tok[k + 1];
            if (key_is(body, key, "class")) {
                cls = v;
            } else if (key_is(body, key, "probabilities")) {
                if (v->type != JT_OBJECT)
                    return !fail(w, "prediction.probabilities",
                                 "must be an object {class: probability}");
                for (size_t pk = k + 2, j = 0; j < v->size; j++, pk = js->tok[pk + 1].next) {
                    const jtok *pv = &js->tok[pk + 1];
                    if (pv->type != JT_NUMBER || !number_of(body, pv, &x) || x < 0 || x > 1)
                        return !fail(w, "prediction.probabilities",
                                     "'%.*s': must be a number in [0, 1]", (int)js->tok[pk].len,
                                     body + js->tok[pk].start);
                    if (!class_declared(s))
                        continue; /* validated, not kept: columns need the declared classes */
                    int ci = js->tok[pk].escaped
                                 ? -1
                                 : class_index(s, body + js->tok[pk].start, js->tok[pk].len);
                    if (ci < 0)
                        return !fail(w, "prediction.probabilities",
                                     "'%.*s' is not one of the declared classes",
                                     (int)js->tok[pk].len, body + js->tok[pk].start);
                    if (proba[ci].present)
                        return !fail(w, "prediction.probabilities", "'%.*s': duplicate class",
                                     (int)js->tok[pk].len, body + js->tok[pk].start);
                    if (arena_put(b, body + pv->start, pv->len, &proba[ci]) != VG_OK) {
                        *oom = VG_ERR_NOMEM;
                        return 0;
                    }
                }
            } else {
                return !fail(w, "prediction",
                             "unknown key '%.*s' (multiclass: {\"class\": c, \"probabilities\": "
                             "{...}})",
                             (int)key->len, body + key->start);
            }
        }
        if (!cls)
            return !fail(w, "prediction", "missing \"class\"");
    }
    if (cls->type == JT_NUMBER && !is_integer_text(body, cls))
        return !fail(w, "prediction", "a class must be a string, an integer or a boolean");
    if (!class_value(b, body, cls, &r->pred, oom)) {
        if (*oom)
            return 0;
        if (cls->type == JT_STRING)
            return !fail(w, "prediction", "invalid string (bad escape, NUL byte or not UTF-8)");
        return !fail(w, "prediction", "must be %s, not %s",
                     s->task == VG_TASK_BINARY ? "a score in [0, 1], {\"score\": p} or a class"
                                               : "a class or {\"class\": c, \"probabilities\": {}}",
                     type_word(cls->type));
    }
    if (class_declared(s) && !class_known(s, b->arena + r->pred.off, r->pred.len))
        return !fail(w, "prediction", "'%.*s' is not one of the declared classes", (int)r->pred.len,
                     b->arena + r->pred.off);
    r->pred_kind = PK_CLASS;
    return 1;
}

/* Checks and stores a feature value in cell c. */
static int check_feature(const vg_feature_spec *f, vg_monitor_batch *b, const char *body,
                         const jtok *t, mtext *c, why *w, int *oom) {
    char field[128];
    snprintf(field, sizeof field, "features.%s", f->name);
    if (t->type == JT_NULL) {
        if (f->required)
            return !fail(w, field, "required, got null");
        c->present = 0;
        return 1;
    }
    int rc = VG_OK;
    switch (f->type) {
    case VG_FEATURE_NUMERIC: {
        if (t->type != JT_NUMBER)
            return !fail(w, field, "numeric: expected a number, got %s", type_word(t->type));
        double x;
        /* a literal such as 1e999 overflows to infinity */
        if (t->len > 15 || memchr(body + t->start, 'e', t->len) ||
            memchr(body + t->start, 'E', t->len))
            if (!number_of(body, t, &x))
                return !fail(w, field, "numeric: not a finite number");
        rc = arena_put(b, body + t->start, t->len, c);
        break;
    }
    case VG_FEATURE_CATEGORICAL:
        if (t->type == JT_STRING)
            rc = arena_string(b, body, t, c);
        else if (t->type == JT_NUMBER || t->type == JT_TRUE || t->type == JT_FALSE)
            rc = arena_put(b, body + t->start, t->len, c);
        else
            return !fail(w, field, "categorical: expected a string, number or boolean, got %s",
                         type_word(t->type));
        break;
    case VG_FEATURE_BOOLEAN:
        if (t->type != JT_TRUE && t->type != JT_FALSE)
            return !fail(w, field, "boolean: expected true or false, got %s", type_word(t->type));
        rc = arena_put(b, body + t->start, t->len, c);
        break;
    case VG_FEATURE_TEXT:
        if (t->type != JT_STRING)
            return !fail(w, field, "text: expected a string, got %s", type_word(t->type));
        rc = arena_string(b, body, t, c);
        break;
    }
    if (rc == VG_ERR_PARSE)
        return !fail(w, field, "invalid string (bad escape, NUL byte or not UTF-8)");
    if (rc != VG_OK) {
        *oom = rc;
        return 0;
    }
    return 1;
}

/* Timestamp token to ms. */
static int check_timestamp(const char *body, const jtok *t, int64_t *ms, why *w) {
    if (t->type == JT_STRING) {
        char buf[64];
        if (t->len >= sizeof buf || t->escaped)
            return !fail(w, "timestamp", "not an RFC 3339 timestamp");
        memcpy(buf, body + t->start, t->len);
        buf[t->len] = '\0';
        if (vg_parse_rfc3339_ms(buf, ms) != VG_OK)
            return !fail(w, "timestamp",
                         "'%s' is not an RFC 3339 timestamp "
                         "(2026-01-01T10:00:00Z)",
                         buf);
        return 1;
    }
    double x;
    if (t->type == JT_NUMBER && number_of(body, t, &x) && fabs(x) < 1e13) {
        *ms = (int64_t)llround(x * 1000);
        return 1;
    }
    return !fail(w, "timestamp", "must be an RFC 3339 string or epoch seconds");
}

/* ---- records --------------------------------------------------------------------------------- */

int64_t mwin_key(const vg_model_spec *s, int64_t ts) {
    int64_t w = s->window_ms;
    int64_t q = ts / w;
    if (ts % w != 0 && ts < 0)
        q--;
    return q * w;
}

/* ---- PII ------------------------------------------------------------------------------------- */

/* Scans value t of field `field` (a feature index, or n_features for the id) of record r, the
 * last text put in b's arena: counts its findings, replaces them by their tokens under the
 * redact policy, and gives the first kind found in *first (left as is when none). */
static int pii_value(const vg_monitor *m, vg_monitor_batch *b, mrec *r, uint32_t field, mtext *t,
                     int *first) {
    const vg_model_spec *s = m->spec;
    vg_pii_match buf[16], *mm;
    size_t k = mpii_find(s, b->arena + t->off, t->len, buf, 16, &mm);
    if (k == 0)
        return VG_OK;
    int rc = VG_OK;
    if (k == (size_t)-1)
        return VG_ERR_NOMEM;
    uint32_t per[VG_PII_N_KINDS] = {0};
    for (size_t i = 0; i < k; i++)
        per[mm[i].kind]++;
    if (*first < 0)
        *first = (int)mm[0].kind;
    for (int kind = 0; kind < VG_PII_N_KINDS; kind++) {
        if (!per[kind])
            continue;
        if (b->pii_seen)
            b->pii_seen[(size_t)field * VG_PII_N_KINDS + (size_t)kind] += per[kind];
        if (b->npii == b->pii_cap) {
            size_t cap = b->pii_cap ? b->pii_cap * 2 : 64;
            mpii *p = realloc(b->pii, cap * sizeof *p);
            if (!p) {
                rc = VG_ERR_NOMEM;
                goto out;
            }
            b->pii = p;
            b->pii_cap = cap;
        }
        b->pii[b->npii++] = (mpii){field, per[kind], (uint8_t)kind};
        r->npii++;
    }
    if (s->pii_policy == VG_PII_POLICY_REDACT) {
        char *masked;
        size_t mlen;
        if ((rc = mpii_mask(m, b->arena + t->off, t->len, mm, k, &masked, &mlen)) != VG_OK)
            goto out;
        /* the raw text is the arena's last: the token text takes its place */
        if ((size_t)t->off + t->len == b->alen)
            b->alen = t->off;
        else
            memset(b->arena + t->off, 0, t->len);
        rc = arena_put(b, masked, mlen, t);
        free(masked);
    }
out:
    if (mm != buf)
        free(mm);
    return rc;
}

/* Validates record js (token 0) into b. Returns 1 when good, 0 when bad (*w says why), or a
 * negative error. */
static int one_record(const vg_monitor *m, vg_monitor_batch *b, const char *body, const jscan *js,
                      int64_t now_ms, why *w) {
    const vg_model_spec *s = m->spec;
    const jtok *root = &js->tok[0];
    if (root->type != JT_OBJECT)
        return !fail(w, "", "a record must be a JSON object, not %s", type_word(root->type));
    int rc = grow_recs(b);
    if (rc != VG_OK)
        return rc;
    size_t nc = s->n_features + mspec_n_proba(s); /* cells per record */
    if (!b->labels && (rc = grow_cells(b, nc)) != VG_OK)
        return rc;
    mrec *r = &b->rec[b->n];
    memset(r, 0, sizeof *r);
    r->ts_ms = now_ms;
    r->ts_arrival = 1;
    r->wkey = MREC_UNASSIGNED;
    r->cell0 = (uint32_t)b->ncells;
    r->pii0 = (uint32_t)b->npii;
    int pii_kind = -1, pii_field = -1; /* the first finding, for the reject policy */
    const int pii_on = s->pii_policy != VG_PII_POLICY_OFF;
    mtext *cells = b->labels ? NULL : &b->cells[b->ncells];
    if (cells)
        memset(cells, 0, nc * sizeof *cells);
    int has_id = 0, has_pred = 0, has_label = 0, has_features = 0, has_ts = 0, oom = 0;
    size_t next_feature = 0;
    for (size_t k = 1, i = 0; i < root->size; i++, k = js->tok[k + 1].next) {
        const jtok *key = &js->tok[k], *v = &js->tok[k + 1];
        if (key_is(body, key, "id")) {
            if (has_id)
                return !fail(w, "id", "duplicate key");
            has_id = 1;
            if (v->type == JT_STRING) {
                if (v->len == 0)
                    return !fail(w, "id", "must not be empty");
                if ((rc = arena_string(b, body, v, &r->id)) == VG_ERR_PARSE)
                    return !fail(w, "id", "invalid string (bad escape, NUL byte or not UTF-8)");
            } else if (v->type == JT_NUMBER && is_integer_text(body, v)) {
                rc = arena_put(b, body + v->start, v->len, &r->id);
            } else {
                return !fail(w, "id", "must be a string or an integer, not %s", type_word(v->type));
            }
            if (rc != VG_OK)
                return rc;
            if (pii_on && s->pii_id) {
                int before = pii_kind;
                if ((rc = pii_value(m, b, r, (uint32_t)s->n_features, &r->id, &pii_kind)) != VG_OK)
                    return rc;
                if (before < 0 && pii_kind >= 0)
                    pii_field = (int)s->n_features;
            }
        } else if (key_is(body, key, "timestamp")) {
            if (has_ts)
                return !fail(w, "timestamp", "duplicate key");
            has_ts = 1;
            r->ts_arrival = 0;
            if (!check_timestamp(body, v, &r->ts_ms, w))
                return 0;
            /* one clock far ahead would move the watermark past every open window, and every
             * later record would be late */
            if (r->ts_ms > now_ms + VG_MONITOR_MAX_FUTURE_MS)
                return !fail(w, "timestamp", "in the future: more than 1d after its arrival");
        } else if (key_is(body, key, "label")) {
            if (has_label)
                return !fail(w, "label", "duplicate key");
            has_label = 1;
            if (v->type == JT_NULL && !b->labels)
                continue;
            if (!check_label(s, b, body, v, &r->label, w, &oom))
                return oom ? oom : 0;
        } else if (key_is(body, key, "metadata")) {
            if (v->type != JT_OBJECT)
                return !fail(w, "metadata", "must be an object, not %s", type_word(v->type));
        } else if (!b->labels && key_is(body, key, "prediction")) {
            if (has_pred)
                return !fail(w, "prediction", "duplicate key");
            has_pred = 1;
            if (!check_prediction(s, b, body, js, k + 1, r, cells + s->n_features, w, &oom))
                return oom ? oom : 0;
        } else if (!b->labels && key_is(body, key, "features")) {
            if (has_features)
                return !fail(w, "features", "duplicate key");
            has_features = 1;
            if (v->type != JT_OBJECT)
                return !fail(w, "features", "must be an object, not %s", type_word(v->type));
            unsigned char seen_buf[256], *seen = seen_buf;
            if (s->n_features > sizeof seen_buf && !(seen = calloc(s->n_features, 1)))
                return VG_ERR_NOMEM;
            if (seen == seen_buf)
                memset(seen, 0, s->n_features);
            int ok = 1;
            for (size_t fk = k + 2, j = 0; ok && j < v->size; j++, fk = js->tok[fk + 1].next) {
                const jtok *fkey = &js->tok[fk];
                /* records usually list features in spec order: try the next one first */
                int fi = -1;
                const char *kname = body + fkey->start;
                size_t klen = fkey->len;
                char kbuf[256];
                if (fkey->escaped) {
                    /* an escaped name ("a\"b") is compared decoded */
                    size_t dl =
                        fkey->len < sizeof kbuf ? js_unescape(body, fkey, kbuf) : (size_t)-1;
                    if (dl != (size_t)-1) {
                        kname = kbuf;
                        klen = dl;
                    }
                }
                if (next_feature < s->n_features &&
                    strlen(s->features[next_feature].name) == klen &&
                    memcmp(s->features[next_feature].name, kname, klen) == 0)
                    fi = (int)next_feature;
                else
                    fi = mspec_feature(s, kname, klen);
                if (fi < 0) {
                    char f[128];
                    snprintf(f, sizeof f, "features.%.*s", (int)(klen > 100 ? 100 : klen), kname);
                    ok = !fail(w, f, "unknown feature (not in the model spec)");
                    break;
                }
                next_feature = (size_t)fi + 1;
                if (seen[fi]) {
                    char f[128];
                    snprintf(f, sizeof f, "features.%s", s->features[fi].name);
                    ok = !fail(w, f, "duplicate key");
                    break;
                }
                seen[fi] = 1;
                if (!check_feature(&s->features[fi], b, body, &js->tok[fk + 1], &cells[fi], w,
                                   &oom))
                    ok = 0;
                else if (pii_on && s->pii_scan[fi] && cells[fi].present) {
                    int before = pii_kind;
                    if ((rc = pii_value(m, b, r, (uint32_t)fi, &cells[fi], &pii_kind)) != VG_OK) {
                        oom = rc;
                        ok = 0;
                    } else if (before < 0 && pii_kind >= 0) {
                        pii_field = fi;
                    }
                }
            }
            if (seen != seen_buf)
                free(seen);
            if (!ok)
                return oom ? oom : 0;
        } else {
            return !fail(w, "", "unknown key '%.*s'", (int)(key->len > 100 ? 100 : key->len),
                         body + key->start);
        }
    }
    if (pii_kind >= 0 && s->pii_policy == VG_PII_POLICY_REJECT) {
        char f[128];
        if (pii_field == (int)s->n_features)
            snprintf(f, sizeof f, "id");
        else
            snprintf(f, sizeof f, "features.%s", s->features[pii_field].name);
        return !fail(w, f, "pii: %s found", mpii_kind_words((vg_pii_kind)pii_kind));
    }
    if (b->labels) {
        if (!has_id)
            return !fail(w, "id", "required (labels join their predictions by id)");
        if (!has_label)
            return !fail(w, "label", "required");
    } else {
        if (!has_id)
            return !fail(w, "id", "required (labels join their predictions by id)");
        if (!has_pred)
            return !fail(w, "prediction", "required");
        for (size_t j = 0; j < s->n_features; j++)
            if (s->features[j].required && !cells[j].present) {
                char f[128];
                snprintf(f, sizeof f, "features.%s", s->features[j].name);
                return !fail(w, f, "required");
            }
        /* the closed key may move on meanwhile (parse runs without the caller's lock):
         * vg_monitor_recheck catches the records it turns late before apply */
        int64_t closed_key;
        if (s->window_count == 0 && mon_closed_key(m, &closed_key)) {
            int64_t key = mwin_key(s, r->ts_ms);
            if (key <= closed_key) {
                char t0[40];
                mfmt_time(key, t0, sizeof t0);
                return !fail(w, "timestamp", "late: window %s closed", t0);
            }
        }
        b->ncells += nc;
    }
    b->n++;
    return 1;
}

static int parse_body(const vg_monitor *m, int labels, const char *body, size_t len, int64_t now_ms,
                      vg_monitor_batch **out, vg_monitor_rejects *rejects, vg_error *err) {
    vg_monitor_batch *b = batch_new(m->spec->n_features, labels, now_ms);
    jscan js = {0};
    if (!b)
        return vg_error_set(err, VG_ERR_NOMEM, "out of memory");
    if (m->spec->pii_policy == VG_PII_POLICY_REDACT && !m->has_pii_key) {
        vg_monitor_batch_free(b);
        return vg_error_set(err, VG_ERR_INVALID,
                            "model %s: pii policy redact needs a key (vg_monitor_set_pii_key)",
                            m->spec->name);
    }
    if (m->spec->pii_policy != VG_PII_POLICY_OFF &&
        !(b->pii_seen = calloc(mpii_slots(m->spec->n_features), sizeof *b->pii_seen))) {
        vg_monitor_batch_free(b);
        return vg_error_set(err, VG_ERR_NOMEM, "out of memory");
    }
    b->src = body;
    size_t p = 0, index = 0;
    int rc = VG_OK, array = 0;
    while (p < len && (body[p] == ' ' || body[p] == '\t' || body[p] == '\n' || body[p] == '\r'))
        p++;
    if (p < len && body[p] == '[') {
        array = 1;
        p++;
    }
    size_t n_rej0 = rejects ? rejects->n : 0;
    for (;;) {
        while (p < len && (body[p] == ' ' || body[p] == '\t' || body[p] == '\n' || body[p] == '\r'))
            p++;
        if (p >= len) {
            if (array) {
                rc = VG_ERR_PARSE;
                goto syntax;
            }
            break;
        }
        if (array && body[p] == ']' && index == 0) {
            p++;
            goto tail;
        }
        size_t start = p;
        /* NDJSON: a record ends with its line, so an error points at that line */
        size_t end = len;
        if (!array) {
            const char *nl = memchr(body + p, '\n', len - p);
            end = nl ? (size_t)(nl - body) : len;
        }
        if ((rc = js_parse(&js, body, end, &p)) != VG_OK) {
            if (rc == VG_ERR_NOMEM)
                goto nomem;
            goto syntax;
        }
        size_t a0 = b->alen, c0 = b->ncells, p0 = b->npii;
        why w;
        int got = one_record(m, b, body, &js, now_ms, &w);
        if (got < 0) {
            rc = got;
            if (rc == VG_ERR_NOMEM)
                goto nomem;
            vg_error_set(err, rc, "record %zu: a batch beyond 4 GiB of text", index);
            goto fail;
        }
        if (got == 1) {
            mrec *r = &b->rec[b->n - 1];
            r->index = index;
            r->raw_off = start;
            r->raw_len = p - start;
        } else if (got == 0) {
            b->alen = a0;
            b->ncells = c0;
            b->npii = p0;
            if (rejects && add_reject(m, rejects, index, &w, body + start, p - start) != VG_OK)
                goto nomem;
        }
        index++;
        if (array) {
            while (p < len &&
                   (body[p] == ' ' || body[p] == '\t' || body[p] == '\n' || body[p] == '\r'))
                p++;
            if (p < len && body[p] == ',') {
                p++;
                continue;
            }
            if (p < len && body[p] == ']') {
                p++;
                goto tail;
            }
            rc = VG_ERR_PARSE;
            goto syntax;
        }
        /* NDJSON: the rest of the line must be blank */
        while (p < len && (body[p] == ' ' || body[p] == '\t' || body[p] == '\r'))
            p++;
        if (p < len && body[p] != '\n') {
            rc = VG_ERR_PARSE;
            goto syntax;
        }
    }
    goto done;
tail:
    while (p < len && (body[p] == ' ' || body[p] == '\t' || body[p] == '\n' || body[p] == '\r'))
        p++;
    if (p < len) {
        rc = VG_ERR_PARSE;
        goto syntax;
    }
done:
    js_free(&js);
    mpii_seen_publish(m, b->pii_seen);
    *out = b;
    return VG_OK;
syntax : {
    uint64_t line, col;
    char deep[64];
    snprintf(deep, sizeof deep, " (nested deeper than %d levels)", JS_MAX_DEPTH);
    js_where(body, len, p, &line, &col);
    vg_error_set(err, VG_ERR_PARSE, "body is not valid %s: line %llu, column %llu%s",
                 array ? "JSON" : "NDJSON (one JSON object per line)", (unsigned long long)line,
                 (unsigned long long)col,
                 rc == VG_ERR_LIMIT ? deep
                 : p >= len         ? " (unexpected end)"
                 : body[p] == '\n'  ? " (unexpected end of line)"
                                    : "");
    rc = VG_ERR_PARSE;
    goto fail;
}
nomem:
    rc = vg_error_set(err, VG_ERR_NOMEM, "out of memory parsing a batch");
fail:
    /* nothing of a failed body is kept: drop its rejects too */
    if (rejects) {
        for (size_t i = n_rej0; i < rejects->n; i++)
            free(rejects->items[i].record);
        rejects->n = n_rej0;
    }
    js_free(&js);
    vg_monitor_batch_free(b);
    return rc;
}

int vg_monitor_parse_predictions(const vg_monitor *m, const char *body, size_t len, int64_t now_ms,
                                 vg_monitor_batch **out, vg_monitor_rejects *rejects,
                                 vg_error *err) {
    return parse_body(m, 0, body, len, now_ms, out, rejects, err);
}

int vg_monitor_parse_labels(const vg_monitor *m, const char *body, size_t len, int64_t now_ms,
                            vg_monitor_batch **out, vg_monitor_rejects *rejects, vg_error *err) {
    return parse_body(m, 1, body, len, now_ms, out, rejects, err);
}

void vg_monitor_batch_restamp(vg_monitor_batch *b, int64_t now_ms) {
    b->now_ms = now_ms;
    for (size_t i = 0; i < b->n; i++)
        if (b->rec[i].ts_arrival && b->rec[i].wkey == MREC_UNASSIGNED)
            b->rec[i].ts_ms = now_ms;
}

/* ---- recheck --------------------------------------------------------------------------------- */

static int cmp_reject_index(const void *a, const void *b) {
    size_t x = ((const vg_monitor_reject *)a)->index, y = ((const vg_monitor_reject *)b)->index;
    return x < y ? -1 : x > y;
}

int vg_monitor_recheck(vg_monitor *m, vg_monitor_batch *b, vg_monitor_rejects *rejects,
                       vg_error *err) {
    const vg_model_spec *s = m->spec;
    if (!rejects)
        return vg_error_set(err, VG_ERR_INVALID, "recheck: no list for the rejects");
    if (b->n_features != s->n_features)
        return vg_error_set(err, VG_ERR_INVALID, "batch of another model");
    int64_t closed_key;
    if (b->labels || s->window_count > 0 || !mon_closed_key(m, &closed_key))
        return VG_OK; /* only time windows make records late, and labels never are */
    /* first the rejects, which may fail (memory), then the batch, which cannot: a failure
     * leaves both as they were */
    size_t n0 = rejects->n, late = 0;
    for (size_t i = 0; i < b->n; i++) {
        const mrec *r = &b->rec[i];
        int64_t key = r->wkey != MREC_UNASSIGNED ? r->wkey : mwin_key(s, r->ts_ms);
        if (key > closed_key)
            continue;
        why w;
        char t0[40];
        mfmt_time(key, t0, sizeof t0);
        fail(&w, "timestamp", "late: window %s closed", t0); /* the words of parse */
        const char *raw = b->src && r->raw_len ? b->src + r->raw_off : NULL;
        if (add_reject(m, rejects, r->index, &w, raw, r->raw_len) != VG_OK) {
            for (size_t j = n0; j < rejects->n; j++)
                free(rejects->items[j].record);
            rejects->n = n0;
            return vg_error_set(err, VG_ERR_NOMEM, "out of memory rechecking a batch");
        }
        late++;
    }
    if (!late)
        return VG_OK;
    /* compact: the records kept, and their cells, move down in order (the journal codec wants
     * record i's cells at i * per); their texts stay where they are in the arena */
    size_t per = s->n_features + mspec_n_proba(s), k = 0;
    for (size_t i = 0; i < b->n; i++) {
        mrec *r = &b->rec[i];
        int64_t key = r->wkey != MREC_UNASSIGNED ? r->wkey : mwin_key(s, r->ts_ms);
        if (key <= closed_key)
            continue;
        if (k != i) {
            memmove(&b->cells[k * per], &b->cells[(size_t)r->cell0], per * sizeof *b->cells);
            b->rec[k] = *r;
            b->rec[k].cell0 = (uint32_t)(k * per);
        }
        k++;
    }
    b->n = k;
    b->ncells = k * per;
    /* the rejects in body order, as parse alone would have listed them */
    qsort(rejects->items, rejects->n, sizeof *rejects->items, cmp_reject_index);
    return VG_OK;
}

/* ---- journal encoding
 * ---------------------------------------------------------------------------- "VGMB", u32 version,
 * u8 labels, u32 n_features, u64 now_ms, u64 n, u64 ncells, the arena (u32 length + bytes), n
 * records, ncells cells (per prediction: one per feature, then one per declared class of a
 * multiclass task for its probability), then the CRC-32 of everything before it. Version 3 adds
 * u64 npii after ncells and, after the cells, the PII findings (u32 record, u32 field, u32
 * count, u8 kind) in record order; version 2 (no findings) still decodes. */

#define BATCH_MAGIC "VGMB"
#define BATCH_VERSION 3

static void put_text(vg_wbuf *w, const mtext *t) {
    vg_wbuf_u32(w, t->off);
    vg_wbuf_u32(w, t->len);
    vg_wbuf_u8(w, t->present);
}

static void get_text(vg_rbuf *r, mtext *t, size_t alen) {
    t->off = vg_rbuf_u32(r);
    t->len = vg_rbuf_u32(r);
    t->present = vg_rbuf_u8(r);
    if (t->present > 1 || (size_t)t->off + t->len > alen || (!t->present && (t->off || t->len)))
        r->failed = 1;
}

int vg_monitor_batch_encode(const vg_monitor_batch *b, unsigned char **out, size_t *len,
                            vg_error *err) {
    vg_wbuf w;
    vg_wbuf_init(&w);
    vg_wbuf_put(&w, BATCH_MAGIC, 4);
    vg_wbuf_u32(&w, BATCH_VERSION);
    vg_wbuf_u8(&w, (uint8_t)b->labels);
    vg_wbuf_u32(&w, (uint32_t)b->n_features);
    vg_wbuf_u64(&w, (uint64_t)b->now_ms);
    vg_wbuf_u64(&w, b->n);
    vg_wbuf_u64(&w, b->ncells);
    size_t npii = 0;
    for (size_t i = 0; i < b->n; i++)
        npii += b->rec[i].npii;
    vg_wbuf_u64(&w, npii);
    vg_wbuf_str(&w, b->arena ? b->arena : "", b->alen);
    for (size_t i = 0; i < b->n; i++) {
        const mrec *r = &b->rec[i];
        put_text(&w, &r->id);
        vg_wbuf_u64(&w, (uint64_t)r->ts_ms);
        vg_wbuf_u64(&w, (uint64_t)r->wkey);
        vg_wbuf_u8(&w, r->pred_kind);
        put_text(&w, &r->pred);
        put_text(&w, &r->label);
        vg_wbuf_u32(&w, r->cell0);
    }
    for (size_t i = 0; i < b->ncells; i++)
        put_text(&w, &b->cells[i]);
    for (size_t i = 0; i < b->n; i++)
        for (uint32_t j = 0; j < b->rec[i].npii; j++) {
            const mpii *x = &b->pii[b->rec[i].pii0 + j];
            vg_wbuf_u32(&w, (uint32_t)i);
            vg_wbuf_u32(&w, x->field);
            vg_wbuf_u32(&w, x->count);
            vg_wbuf_u8(&w, x->kind);
        }
    uint32_t crc = (uint32_t)crc32(0L, w.data, (uInt)w.len);
    vg_wbuf_u32(&w, crc);
    if (w.failed) {
        vg_wbuf_free(&w);
        return vg_error_set(err, VG_ERR_NOMEM, "out of memory encoding a batch");
    }
    *out = w.data;
    *len = w.len;
    return VG_OK;
}

int vg_monitor_batch_decode(const vg_monitor *m, const void *data, size_t len,
                            vg_monitor_batch **out, vg_error *err) {
    const unsigned char *d = data;
    if (len < 4 + 4 + 1 + 4 + 8 * 3 + 4 + 4 || memcmp(d, BATCH_MAGIC, 4) != 0)
        return vg_error_set(err, VG_ERR_FORMAT, "journal batch: bad magic or truncated");
    uint32_t crc = (uint32_t)d[len - 4] | (uint32_t)d[len - 3] << 8 | (uint32_t)d[len - 2] << 16 |
                   (uint32_t)d[len - 1] << 24;
    if ((uint32_t)crc32(0L, d, (uInt)(len - 4)) != crc)
        return vg_error_set(err, VG_ERR_FORMAT, "journal batch: checksum mismatch");
    vg_rbuf r;
    vg_rbuf_init(&r, d + 4, len - 8);
    uint32_t version = vg_rbuf_u32(&r);
    if (version != BATCH_VERSION && version != 2)
        return vg_error_set(err, VG_ERR_FORMAT, "journal batch: unknown version %u", version);
    int labels = vg_rbuf_u8(&r);
    uint32_t nf = vg_rbuf_u32(&r);
    int64_t now_ms = (int64_t)vg_rbuf_u64(&r);
    uint64_t n = vg_rbuf_u64(&r), ncells = vg_rbuf_u64(&r);
    uint64_t npii = version >= 3 ? vg_rbuf_u64(&r) : 0;
    size_t alen;
    const char *arena = vg_rbuf_str(&r, &alen);
    if (!vg_rbuf_ok(&r) || labels > 1 || nf != m->spec->n_features)
        return vg_error_set(err, VG_ERR_FORMAT,
                            "journal batch: corrupted header or another model's features");
    /* each record takes 48 bytes and each cell 9: the counts must fill the rest exactly,
     * which bounds them before anything is allocated */
    size_t left = vg_rbuf_left(&r);
    size_t per = nf + mspec_n_proba(m->spec);
    if (n > left / 48 || ncells > left / 9 || npii > left / 13 ||
        n * 48 + ncells * 9 + npii * 13 != left || (labels && ncells) ||
        (!labels && ncells != n * per))
        return vg_error_set(err, VG_ERR_FORMAT, "journal batch: counts out of range");
    vg_monitor_batch *b = batch_new(nf, labels, now_ms);
    if (!b)
        return vg_error_set(err, VG_ERR_NOMEM, "out of memory");
    b->rec = malloc((n ? n : 1) * sizeof *b->rec);
    b->cells = malloc((ncells ? ncells : 1) * sizeof *b->cells);
    b->arena = malloc(alen ? alen : 1);
    b->pii = npii ? malloc(npii * sizeof *b->pii) : NULL;
    if (!b->rec || !b->cells || !b->arena || (npii && !b->pii)) {
        vg_monitor_batch_free(b);
        return vg_error_set(err, VG_ERR_NOMEM, "out of memory");
    }
    memcpy(b->arena, arena, alen);
    b->alen = b->acap = alen;
    b->cap = n;
    b->cells_cap = ncells;
    for (uint64_t i = 0; i < n && vg_rbuf_ok(&r); i++) {
        mrec *x = &b->rec[i];
        memset(x, 0, sizeof *x);
        get_text(&r, &x->id, alen);
        x->ts_ms = (int64_t)vg_rbuf_u64(&r);
        x->wkey = (int64_t)vg_rbuf_u64(&r);
        x->pred_kind = vg_rbuf_u8(&r);
        get_text(&r, &x->pred, alen);
        get_text(&r, &x->label, alen);
        x->cell0 = vg_rbuf_u32(&r);
        x->index = (size_t)i;
        if (x->pred_kind > PK_VALUE || (!labels && (x->cell0 != i * per || !x->pred.present)) ||
            (labels && (x->pred_kind || !x->label.present)) || !x->id.present)
            r.failed = 1;
    }
    for (uint64_t i = 0; i < ncells && vg_rbuf_ok(&r); i++)
        get_text(&r, &b->cells[i], alen);
    /* findings: grouped by record, in record order, of a known field and kind */
    uint64_t prev_rec = 0;
    for (uint64_t i = 0; i < npii && vg_rbuf_ok(&r); i++) {
        uint32_t ri = vg_rbuf_u32(&r);
        mpii *x = &b->pii[i];
        x->field = vg_rbuf_u32(&r);
        x->count = vg_rbuf_u32(&r);
        x->kind = vg_rbuf_u8(&r);
        if (ri >= n || (i && ri < prev_rec) || x->field > nf || x->kind >= VG_PII_N_KINDS ||
            !x->count) {
            r.failed = 1;
            break;
        }
        if (!b->rec[ri].npii)
            b->rec[ri].pii0 = (uint32_t)i;
        else if (ri != prev_rec)
            r.failed = 1;
        b->rec[ri].npii++;
        prev_rec = ri;
    }
    b->npii = b->pii_cap = npii;
    if (!vg_rbuf_ok(&r) || vg_rbuf_left(&r) != 0) {
        vg_monitor_batch_free(b);
        return vg_error_set(err, VG_ERR_FORMAT, "journal batch: corrupted records");
    }
    b->n = n;
    b->ncells = ncells;
    *out = b;
    return VG_OK;
}
