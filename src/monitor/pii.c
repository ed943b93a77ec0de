/*
 * PII in the monitoring engine (docs/pii.md): the glue between the detectors (src/pii/pii.c)
 * and the record parser. It finds the matches of a model's detectors in a value, turns a match
 * into its keyed token ("pii:email:3f2a9c01d4e5b6a7", the first 8 bytes of HMAC-SHA256 under the
 * monitor's key, so equal values stay equal in sketches but a dictionary cannot reverse them
 * without the key), masks whole dead-letter records, and keeps the counts: per record (batch),
 * per window (for the report's samples) and since the monitor was made (for /metrics).
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

int vg_monitor_set_pii_key(vg_monitor *m, const void *key, size_t len, vg_error *err) {
    if (!key || len < 16)
        return vg_error_set(err, VG_ERR_INVALID, "pii key: needs at least 16 bytes, got %zu",
                            key ? len : 0);
    vg_hmac_sha256_key(&m->pii_key, key, len);
    m->has_pii_key = 1;
    return VG_OK;
}

uint64_t vg_monitor_pii_findings(const vg_monitor *m, size_t field, vg_pii_kind kind) {
    if (!m->pii_total || field > m->spec->n_features || (unsigned)kind >= VG_PII_N_KINDS)
        return 0;
    return atomic_load_explicit(&m->pii_total[field * VG_PII_N_KINDS + kind], memory_order_relaxed);
}

const char *mpii_kind_words(vg_pii_kind k) {
    switch (k) {
    case VG_PII_EMAIL: return "e-mail address";
    case VG_PII_PHONE: return "phone number";
    case VG_PII_CARD: return "payment card number";
    case VG_PII_IBAN: return "IBAN";
    case VG_PII_CPF: return "CPF number";
    case VG_PII_CNPJ: return "CNPJ number";
    case VG_PII_N_KINDS: break;
    }
    return "PII";
}

int mpii_may_match(const char *s, size_t n) {
    /* What every kind needs at least (docs/pii.md): an e-mail an '@'; a phone 8 digits (E.164;
     * national forms 10); a card 13, a CPF 11, a CNPJ 14 digits; an IBAN its two capitals and
     * two check digits. Most category words and ids have none of these, and this loop is a
     * fraction of the scan's cost. */
    size_t digits = 0;
    int upper = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if ((unsigned)(c - '0') < 10u)
            digits++;
        else if (c == '@')
            return 1;
        else if ((unsigned)(c - 'A') < 26u)
            upper = 1;
    }
    return digits >= 8 || (digits >= 2 && upper);
}

size_t mpii_find(const vg_model_spec *sp, const char *s, size_t n, vg_pii_match *buf, size_t cap,
                 vg_pii_match **out) {
    *out = buf;
    if (!mpii_may_match(s, n))
        return 0;
    size_t k = vg_pii_scan(s, n, buf, cap);
    if (k > cap) {
        vg_pii_match *all = malloc(k * sizeof *all);
        if (!all)
            return (size_t)-1;
        vg_pii_scan(s, n, all, k);
        *out = all;
    }
    /* the detectors the spec leaves out: their matches are dropped */
    size_t j = 0;
    for (size_t i = 0; i < k; i++)
        if (sp->pii_detectors & (1u << (*out)[i].kind))
            (*out)[j++] = (*out)[i];
    return j;
}

size_t mpii_token(const vg_monitor *m, vg_pii_kind kind, const char *s, size_t n, char *out) {
    int len = snprintf(out, MPII_TOKEN_MAX, "pii:%s", vg_pii_kind_name(kind));
    if (m->has_pii_key) {
        unsigned char mac[VG_SHA256_LEN];
        vg_hmac_sha256_with(&m->pii_key, s, n, mac);
        out[len++] = ':';
        for (int i = 0; i < 8; i++) {
            out[len++] = "0123456789abcdef"[mac[i] >> 4];
            out[len++] = "0123456789abcdef"[mac[i] & 15];
        }
        out[len] = '\0';
    }
    return (size_t)len;
}

int mpii_mask(const vg_monitor *m, const char *s, size_t n, const vg_pii_match *mm, size_t k,
              char **out, size_t *out_len) {
    size_t cap = n + k * MPII_TOKEN_MAX + 1, o = 0, at = 0;
    char *d = malloc(cap);
    if (!d)
        return VG_ERR_NOMEM;
    for (size_t i = 0; i < k; i++) {
        memcpy(d + o, s + at, mm[i].offset - at);
        o += mm[i].offset - at;
        o += mpii_token(m, mm[i].kind, s + mm[i].offset, mm[i].length, d + o);
        at = mm[i].offset + mm[i].length;
    }
    memcpy(d + o, s + at, n - at);
    o += n - at;
    d[o] = '\0';
    *out = d;
    *out_len = o;
    return VG_OK;
}

char *mpii_mask_text(const vg_monitor *m, const char *s, size_t n, size_t *out_len) {
    vg_pii_match buf[16], *mm;
    size_t k = mpii_find(m->spec, s, n, buf, 16, &mm), len = 0;
    char *d = NULL;
    if (k == (size_t)-1)
        return NULL;
    if (mpii_mask(m, s, n, mm, k, &d, &len) != VG_OK)
        d = NULL;
    if (mm != buf)
        free(mm);
    if (out_len)
        *out_len = len;
    return d;
}

/* A copy of j with every string (object keys too) and every integer masked. */
static json_t *mask_json(const vg_monitor *m, json_t *j, int depth) {
    if (depth > JS_MAX_DEPTH + 2)
        return json_null();
    if (json_is_string(j)) {
        char *t = mpii_mask_text(m, json_string_value(j), json_string_length(j), NULL);
        json_t *r = t ? json_string(t) : NULL;
        free(t);
        return r;
    }
    if (json_is_integer(j)) {
        char num[32];
        int n = snprintf(num, sizeof num, "%lld", (long long)json_integer_value(j));
        vg_pii_match buf[2], *mm;
        size_t k = mpii_find(m->spec, num, (size_t)n, buf, 2, &mm);
        if (k == 0)
            return json_incref(j);
        if (k == (size_t)-1)
            return NULL;
        char *t = mpii_mask_text(m, num, (size_t)n, NULL);
        json_t *r = t ? json_string(t) : NULL;
        free(t);
        return r;
    }
    if (json_is_array(j)) {
        json_t *a = json_array();
        for (size_t i = 0; a && i < json_array_size(j); i++) {
            json_t *x = mask_json(m, json_array_get(j, i), depth + 1);
            if (!x || json_array_append_new(a, x) != 0) {
                json_decref(a);
                a = NULL;
            }
        }
        return a;
    }
    if (json_is_object(j)) {
        json_t *o = json_object();
        const char *key;
        json_t *v;
        json_object_foreach(j, key, v) {
            if (!o)
                break;
            char *mk = mpii_mask_text(m, key, strlen(key), NULL);
            json_t *x = mk ? mask_json(m, v, depth + 1) : NULL;
            if (!x || json_object_set_new(o, mk, x) != 0) {
                json_decref(o);
                o = NULL;
            }
            free(mk);
        }
        return o;
    }
    return json_incref(j);
}

char *mpii_mask_record(const vg_monitor *m, const char *raw, size_t len) {
    json_t *j = json_loadb(raw, len, JSON_DECODE_ANY | JSON_REJECT_DUPLICATES, NULL);
    if (!j) /* not JSON jansson takes (invalid UTF-8, duplicate keys): masked as text */
        return mpii_mask_text(m, raw, len, NULL);
    json_t *x = mask_json(m, j, 0);
    json_decref(j);
    char *out = x ? json_dumps(x, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_ENCODE_ANY) : NULL;
    json_decref(x);
    return out;
}

int mpii_window_add(mwin *w, size_t n_features, const vg_monitor_batch *b, const mrec *r) {
    if (!r->npii)
        return VG_OK;
    if (!w->pii && !(w->pii = calloc(mpii_slots(n_features), sizeof *w->pii)))
        return VG_ERR_NOMEM;
    for (uint32_t i = 0; i < r->npii; i++) {
        const mpii *p = &b->pii[r->pii0 + i];
        w->pii[(size_t)p->field * VG_PII_N_KINDS + p->kind] += p->count;
    }
    w->pii_records++;
    return VG_OK;
}

void mpii_seen_publish(const vg_monitor *m, const uint64_t *seen) {
    if (!m->pii_total || !seen)
        return;
    for (size_t i = 0; i < mpii_slots(m->spec->n_features); i++)
        if (seen[i])
            atomic_fetch_add_explicit(&m->pii_total[i], seen[i], memory_order_relaxed);
}

json_t *mpii_report(const vg_model_spec *s, const mwin *w, msamples *ms) {
    json_t *o = json_object(), *f = json_object();
    if (!o || !f) {
        json_decref(o);
        json_decref(f);
        return NULL;
    }
    double share = w->rows ? (double)w->pii_records / (double)w->rows : 0.0;
    json_object_set_new(o, "policy", json_string(vg_pii_policy_name(s->pii_policy)));
    json_object_set_new(o, "records_with_findings", json_integer((json_int_t)w->pii_records));
    json_object_set_new(o, "records_share", json_real(share));
    msamples_add(ms, "pii_records_share", share, 0);
    for (size_t fi = 0; fi <= s->n_features; fi++) {
        int scanned = fi < s->n_features ? s->pii_scan && s->pii_scan[fi] : s->pii_id;
        if (!scanned)
            continue;
        const char *name = fi < s->n_features ? s->features[fi].name : MPII_ID_FIELD;
        json_t *kinds = json_object();
        for (int k = 0; kinds && k < VG_PII_N_KINDS; k++) {
            if (!(s->pii_detectors & (1u << k)))
                continue;
            uint64_t c = w->pii ? w->pii[fi * VG_PII_N_KINDS + (size_t)k] : 0;
            json_object_set_new(kinds, vg_pii_kind_name((vg_pii_kind)k),
                                json_integer((json_int_t)c));
            /* zeros stay out of the samples: every model scans by default, and a series per
             * feature and kind would multiply /metrics and the stored series for nothing */
            if (c)
                msamples_add(ms, "pii_findings", (double)c, 2, "feature", name, "kind",
                             vg_pii_kind_name((vg_pii_kind)k));
        }
        if (!kinds || json_object_set_new(f, name, kinds) != 0) {
            json_decref(o);
            json_decref(f);
            return NULL;
        }
    }
    json_object_set_new(o, "findings", f);
    return o;
}
