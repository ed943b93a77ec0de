/*
 * Abuse and integrity signals of a window, computed record by record as apply adds them and
 * summarized when the window closes: the share of out-of-distribution records (each feature
 * scored against the reference profile), the share of near-duplicate records, the share of
 * records that are one-feature variations of an earlier record (a client sweeping one input
 * while holding the others: the probing pattern of model extraction), and, from the profiles,
 * how far the prediction distribution moved since the previous window. docs/monitor.md
 * ("Integrity signals") defines each metric and its memory bound.
 *
 * Every record is quantized to a vector of per-feature codes: a numeric value to its rank bucket
 * in the reference (quantize_bins equal-probability buckets cut at the reference's quantiles),
 * or, without a reference, to a relative grid (sign, exponent and the top bits of the
 * mantissa); a categorical value to its value hash. The record's hash H is the sum of one mixed
 * term per feature t_j = mix(code_j, j), so that the hash of the record without feature j is
 * H - t_j: the F "leave-one-feature-out" signatures cost F subtractions. Two records that differ
 * in exactly feature j share signature j and differ in H. A table keyed by signature keeps
 * bits of the H of the first record that had it, how many records repeated that vector, and
 * whether a record with another vector followed ("several"). A record is counted in
 * sweep_share when its signature j is in the table with another vector or the flag: it differs
 * from an earlier record in feature j alone; the first time a signature turns "several", the
 * copies of the first vector count too (the first steps of a sweep may share a quantization
 * bucket, and they are part of it). Natural traffic over several features rarely shares a
 * signature; a client sweeping one input while holding the others shares one throughout.
 *
 * Memory is constant per window: the distinct-H set is exact up to max_table vectors, then
 * duplicate_share comes from a HyperLogLog of H fed from the start (p = 14: relative standard
 * error 1.04 / 128 = 0.81% of the distinct count); the signature table holds at most max_table
 * signatures and, once full, a new signature replaces the entry at its home slot (or, when that
 * slot is empty, the next entry after it, removed by backward-shift deletion): a random
 * eviction that keeps every probe chain intact, so a burst of sweeping records is still caught
 * as long as its signature is not evicted between two of its records. Both tables start at
 * 1024 slots and double at half load, up to 2 x max_table slots.
 */
#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../base/hash.h"
#include "../report/json.h"
#include "internal.h"
#include "vigia/drift.h"
#include "vigia/hll.h"

#define HLL_P 14
#define MIN_SLOTS 1024
#define SHIFT_BINS 20 /* bins of a numeric prediction for prediction_shift */

/* The boolean hashes of src/profile/profile.c, so that a boolean is found in the reference's
 * value table under the same key. */
#define HASH_TRUE 0x5be1a1e5f00dULL
#define HASH_FALSE 0xfa15eb0015ULL
#define CODE_MISSING 0x6d697373696e67ULL

void vg_integrity_spec_default(vg_integrity_spec *o) {
    o->enabled = 1;
    o->ood_quantile = VG_INTEGRITY_DEFAULT_OOD_QUANTILE;
    o->ood_margin = 0;
    o->quantize_bins = VG_INTEGRITY_DEFAULT_BINS;
    o->max_table = VG_INTEGRITY_DEFAULT_MAX_TABLE;
    o->max_features = VG_INTEGRITY_DEFAULT_MAX_FEATURES;
}

/* ---- what the reference gives each feature --------------------------------------------------- */

typedef struct fref {
    int numeric;   /* numeric feature with numbers in the reference */
    double lo, hi; /* numeric: in distribution when lo <= x <= hi */
    double *edges; /* numeric: quantize_bins - 1 rank-bucket cuts, ascending */
    size_t n_edges;
    int cat_exact; /* categorical/boolean: the reference's value tables are exact */
    const vg_freq *freq, *freq_num; /* point into the reference profile (owned by mref) */
} fref;

struct mint_ref {
    size_t n_features;
    int have_ref;
    fref *f;
    int grid_bits; /* relative grid without a reference: mantissa bits kept */
};

void mint_ref_free(mint_ref *r) {
    if (!r)
        return;
    for (size_t j = 0; r->f && j < r->n_features; j++)
        free(r->f[j].edges);
    free(r->f);
    free(r);
}

mint_ref *mint_ref_new(const vg_model_spec *s, const vg_profile *ref, vg_error *err) {
    const vg_integrity_spec *o = &s->integrity;
    mint_ref *r = calloc(1, sizeof *r);
    if (!r || !(r->f = calloc(s->n_features ? s->n_features : 1, sizeof *r->f))) {
        free(r);
        vg_error_set(err, VG_ERR_NOMEM, "out of memory");
        return NULL;
    }
    r->n_features = s->n_features;
    r->have_ref = ref != NULL;
    int bits = 0;
    while ((1u << (bits + 1)) <= o->quantize_bins && bits < 30)
        bits++;
    r->grid_bits = bits;
    double *qs = NULL;
    size_t nb = o->quantize_bins > 1 ? o->quantize_bins - 1 : 0;
    if (ref && nb && !(qs = malloc(nb * sizeof *qs)))
        goto nomem;
    for (size_t i = 0; qs && i < nb; i++)
        qs[i] = (double)(i + 1) / (double)o->quantize_bins;
    for (size_t j = 0; ref && j < s->n_features; j++) {
        const vg_feature_spec *f = &s->features[j];
        int ci = vg_profile_find_column(ref, f->name, strlen(f->name));
        if (ci < 0)
            continue;
        const vg_column *c = ref->cols[ci];
        fref *x = &r->f[j];
        if (f->type == VG_FEATURE_NUMERIC && vg_kll_n(c->kll) > 0) {
            x->numeric = 1;
            double mn = vg_kll_min(c->kll), mx = vg_kll_max(c->kll);
            double m = o->ood_margin * (mx - mn);
            x->lo = mn - m;
            x->hi = mx + m;
            if (o->ood_quantile > 0) {
                /* rank below q or above 1 - q: the sketch's quantiles at q and 1 - q are the
                 * values where its estimated cdf crosses them */
                double ql = vg_kll_quantile(c->kll, o->ood_quantile);
                double qh = vg_kll_quantile(c->kll, 1 - o->ood_quantile);
                if (ql > x->lo)
                    x->lo = ql;
                if (qh < x->hi)
                    x->hi = qh;
            }
            if (nb) {
                if (!(x->edges = malloc(nb * sizeof *x->edges)) ||
                    vg_kll_quantiles(c->kll, qs, nb, x->edges) != VG_OK)
                    goto nomem;
                x->n_edges = nb;
            }
        } else if (f->type == VG_FEATURE_CATEGORICAL || f->type == VG_FEATURE_BOOLEAN) {
            x->cat_exact =
                vg_column_count(c) > 0 && vg_freq_offset(c->freq) == 0 && !c->numbers_uncounted;
            x->freq = c->freq;
            x->freq_num = c->freq_num;
        }
    }
    free(qs);
    return r;
nomem:
    free(qs);
    mint_ref_free(r);
    vg_error_set(err, VG_ERR_NOMEM, "out of memory");
    return NULL;
}

/* ---- per window ------------------------------------------------------------------------------ */

/* A signature table entry, packed in 8 bytes so that the table stays in cache: the top 40 bits
 * of the signature (never 0: 0 is an empty slot; their low bits are the home slot), a "several"
 * bit (records with different vectors had this signature), how many records had it before it
 * became several (saturating at 255) and 15 bits of the first record's H. A false match of 40
 * bits is 2^-40 per lookup, a different H with the same 15 bits 2^-15 per pair of records of
 * one signature: a negligible miscount. */
#define SIG_TAG(e) ((e) >> 24)
#define SIG_SEVERAL ((uint64_t)1 << 23)
#define SIG_COUNT(e) ((uint32_t)(((e) >> 15) & 0xff))
#define SIG_ONE ((uint64_t)1 << 15)
#define SIG_H(e) ((uint32_t)((e)&0x7fff))

struct mint_win {
    size_t n_features;
    uint64_t records; /* records added */
    uint64_t scored;  /* of which scored against a reference (OOD) */
    uint64_t ood;
    uint64_t *ood_feat;   /* per feature */
    uint8_t *feat_scored; /* per feature: scored against the reference at least once */
    uint64_t sweeps;
    int n_sig_features; /* features in the vector */
    /* open: the tables; closed: freed, the summary below */
    uint64_t *dup;
    size_t dup_slots, dup_n;
    int dup_overflow;
    uint64_t *sig; /* signature table (entries above) */
    size_t sig_slots, sig_n;
    vg_hll *hll;
    uint64_t *scratch; /* per feature terms t_j */
    int closed;
    double distinct; /* closed */
    int distinct_exact;
    /* a window restored after a restart: the samples it had (its tables are gone) */
    vg_metric_sample *carry;
    size_t n_carry;
};

void mint_win_free(mint_win *w) {
    if (!w)
        return;
    free(w->ood_feat);
    free(w->feat_scored);
    free(w->dup);
    free(w->sig);
    vg_hll_free(w->hll);
    free(w->scratch);
    free(w->carry);
    free(w);
}

static size_t sig_features(const vg_model_spec *s) {
    size_t n = 0;
    for (size_t j = 0; j < s->n_features; j++)
        n += s->features[j].type != VG_FEATURE_TEXT;
    return n < s->integrity.max_features ? n : s->integrity.max_features;
}

mint_win *mint_win_new(const vg_model_spec *s) {
    mint_win *w = calloc(1, sizeof *w);
    if (!w)
        return NULL;
    w->n_features = s->n_features;
    w->n_sig_features = (int)sig_features(s);
    if (!(w->ood_feat = calloc(s->n_features ? s->n_features : 1, sizeof *w->ood_feat)) ||
        !(w->feat_scored = calloc(s->n_features ? s->n_features : 1, 1)) ||
        !(w->scratch = calloc(s->n_features ? s->n_features : 1, sizeof *w->scratch)) ||
        !(w->hll = vg_hll_new(HLL_P))) {
        mint_win_free(w);
        return NULL;
    }
    return w;
}

/* The summary of w (closed), without tables. */
mint_win *mint_win_clone(const mint_win *src) {
    mint_win *w = calloc(1, sizeof *w);
    if (!w)
        return NULL;
    *w = *src;
    w->ood_feat = NULL;
    w->feat_scored = NULL;
    w->dup = NULL;
    w->sig = NULL;
    w->hll = NULL;
    w->scratch = NULL;
    w->carry = NULL;
    size_t nf = src->n_features ? src->n_features : 1;
    if (!(w->ood_feat = malloc(nf * sizeof *w->ood_feat)) || !(w->feat_scored = malloc(nf)) ||
        (src->n_carry && !(w->carry = malloc(src->n_carry * sizeof *w->carry)))) {
        mint_win_free(w);
        return NULL;
    }
    memcpy(w->ood_feat, src->ood_feat, nf * sizeof *w->ood_feat);
    memcpy(w->feat_scored, src->feat_scored, nf);
    if (src->n_carry)
        memcpy(w->carry, src->carry, src->n_carry * sizeof *w->carry);
    w->dup_slots = w->dup_n = w->sig_slots = w->sig_n = 0;
    return w;
}

static int is_integrity_metric(const char *name) {
    static const char *const names[] = {"ood_share", "ood_feature_share", "duplicate_share",
                                        "sweep_share"};
    for (size_t i = 0; i < sizeof names / sizeof *names; i++)
        if (!strcmp(name, names[i]))
            return 1;
    return 0;
}

/* The integrity samples of a stored report's "integrity" section (names of features the spec
 * no longer has are skipped). */
static void samples_of_report(const vg_model_spec *s, const char *report, msamples *ms) {
    json_t *root = json_loads(report, 0, NULL), *i = json_object_get(root, "integrity"), *v;
    static const char *const plain[] = {"ood_share", "duplicate_share", "sweep_share"};
    for (size_t k = 0; k < sizeof plain / sizeof *plain; k++)
        if (json_is_number(v = json_object_get(i, plain[k])))
            msamples_add(ms, plain[k], json_number_value(v), 0);
    json_t *pf = json_object_get(i, "ood_feature_share");
    for (size_t j = 0; json_is_object(pf) && j < s->n_features; j++)
        if (json_is_number(v = json_object_get(pf, s->features[j].name)))
            msamples_add(ms, "ood_feature_share", json_number_value(v), 1, "feature",
                         s->features[j].name);
    json_decref(root);
}

mint_win *mint_win_restored(const vg_model_spec *s, const vg_metric_sample *ms, size_t n,
                            const char *report) {
    mint_win *w = calloc(1, sizeof *w);
    if (!w || !(w->ood_feat = calloc(1, sizeof *w->ood_feat)) || !(w->feat_scored = calloc(1, 1))) {
        mint_win_free(w);
        return NULL;
    }
    w->closed = 1;
    msamples c = {0};
    for (size_t i = 0; i < n; i++)
        if (is_integrity_metric(ms[i].name))
            msamples_add(&c, ms[i].name, ms[i].value, 0);
    for (size_t i = 0, k = 0; i < n && !c.oom; i++)
        if (is_integrity_metric(ms[i].name))
            memcpy(c.s[k++].labels, ms[i].labels, sizeof ms[i].labels);
    if (c.n == 0 && report)
        samples_of_report(s, report, &c);
    if (c.oom) {
        free(c.s);
        mint_win_free(w);
        return NULL;
    }
    w->carry = c.s;
    w->n_carry = c.n;
    return w;
}

/* ---- the two tables -------------------------------------------------------------------------- */

static size_t table_cap(const vg_model_spec *s) {
    size_t cap = MIN_SLOTS;
    while (cap < 2 * (size_t)s->integrity.max_table)
        cap *= 2;
    return cap;
}

static int dup_grow(mint_win *w, size_t slots) {
    uint64_t *t = calloc(slots, sizeof *t);
    if (!t)
        return VG_ERR_NOMEM;
    for (size_t i = 0; i < w->dup_slots; i++) {
        uint64_t h = w->dup[i];
        if (!h)
            continue;
        size_t p = (size_t)h & (slots - 1);
        while (t[p])
            p = (p + 1) & (slots - 1);
        t[p] = h;
    }
    free(w->dup);
    w->dup = t;
    w->dup_slots = slots;
    return VG_OK;
}

/* Counts H as distinct or not while the set is exact. */
static int dup_add(const vg_model_spec *s, mint_win *w, uint64_t h) {
    if (w->dup_overflow)
        return VG_OK;
    if (w->dup_n + 1 > w->dup_slots / 2) {
        size_t cap = table_cap(s);
        if (w->dup_slots < cap) {
            int rc = dup_grow(w, w->dup_slots ? w->dup_slots * 2 : MIN_SLOTS);
            if (rc != VG_OK)
                return rc;
        }
    }
    size_t mask = w->dup_slots - 1, p = (size_t)h & mask;
    while (w->dup[p]) {
        if (w->dup[p] == h)
            return VG_OK;
        p = (p + 1) & mask;
    }
    if (w->dup_n >= s->integrity.max_table) {
        /* past the bound the count is the HyperLogLog's: the set is no longer needed */
        w->dup_overflow = 1;
        free(w->dup);
        w->dup = NULL;
        w->dup_slots = 0;
        return VG_OK;
    }
    w->dup[p] = h;
    w->dup_n++;
    return VG_OK;
}

static int sig_grow(mint_win *w, size_t slots) {
    uint64_t *t = calloc(slots, sizeof *t);
    if (!t)
        return VG_ERR_NOMEM;
    for (size_t i = 0; i < w->sig_slots; i++) {
        if (!w->sig[i])
            continue;
        size_t p = (size_t)SIG_TAG(w->sig[i]) & (slots - 1);
        while (t[p])
            p = (p + 1) & (slots - 1);
        t[p] = w->sig[i];
    }
    free(w->sig);
    w->sig = t;
    w->sig_slots = slots;
    return VG_OK;
}

/* Empties slot pos by backward-shift deletion (linear probing keeps no tombstones): each later
 * entry of the cluster moves into the gap unless its home lies in (gap, its slot]. */
static void sig_delete(mint_win *w, size_t pos) {
    size_t mask = w->sig_slots - 1, gap = pos;
    w->sig[gap] = 0;
    for (size_t i = (gap + 1) & mask; w->sig[i]; i = (i + 1) & mask) {
        size_t home = (size_t)SIG_TAG(w->sig[i]) & mask;
        if (((i - home) & mask) >= ((i - gap) & mask)) {
            w->sig[gap] = w->sig[i];
            w->sig[i] = 0;
            gap = i;
        }
    }
}

/* Looks signature tag up for a record whose H has low bits h; records the signature. Returns
 * how many records this one shows to be one-feature variations: itself when an earlier record
 * with this signature has another vector, plus, the first time that happens, the records that
 * had the signature until then (all copies of the first vector: a sweep's first steps may fall
 * in one quantization bucket). */
static uint32_t sig_visit(const vg_model_spec *s, mint_win *w, uint64_t tag, uint32_t h) {
    size_t mask = w->sig_slots - 1, home = (size_t)tag & mask, p = home;
    while (w->sig[p]) {
        uint64_t e = w->sig[p];
        if (SIG_TAG(e) == tag) {
            if (e & SIG_SEVERAL)
                return 1;
            if (SIG_H(e) != h) {
                w->sig[p] = e | SIG_SEVERAL;
                return 1 + SIG_COUNT(e);
            }
            if (SIG_COUNT(e) < 0xff)
                w->sig[p] = e + SIG_ONE;
            return 0;
        }
        p = (p + 1) & mask;
    }
    uint64_t e = tag << 24 | SIG_ONE | h;
    if (w->sig_n >= s->integrity.max_table) {
        /* full: the new signature takes its home slot and evicts what was there; an empty home
         * is filled and the next entry after it goes instead, so the count stays */
        if (!w->sig[home]) {
            size_t v = (home + 1) & mask;
            while (!w->sig[v])
                v = (v + 1) & mask;
            sig_delete(w, v);
        }
        w->sig[home] = e;
        return 0;
    }
    w->sig[p] = e;
    w->sig_n++;
    return 0;
}

/* ---- one record ------------------------------------------------------------------------------ */

/* The bucket of x: how many cuts lie strictly below it (bins (-inf, e1], (e1, e2], ...). The
 * branch-free form of the binary search (the halving step selects with a conditional move): the
 * comparisons of a data-dependent search mispredict half the time, and this runs once per
 * numeric feature of every record. */
static uint64_t bucket_of(const double *e, size_t n, double x) {
    if (n == 0)
        return 0;
    const double *b = e;
    while (n > 1) {
        size_t half = n / 2;
        b = b[half] < x ? b + half : b;
        n -= half;
    }
    return (uint64_t)(b - e) + (*b < x);
}

/* Without reference buckets: sign, exponent and the top `bits` bits of the mantissa, a grid of
 * relative step 2^-bits. */
static uint64_t grid_of(double x, int bits) {
    if (x == 0)
        x = 0; /* -0.0 */
    uint64_t u;
    memcpy(&u, &x, 8);
    return u >> (52 - bits);
}

int mint_add(const vg_model_spec *s, const mint_ref *r, mint_win *w, const char *arena,
             const mtext *cells) {
    size_t nf = s->n_features;
    int scored = r->have_ref, ood = 0;
    uint64_t H = 0;
    int k = 0;
    for (size_t j = 0; j < nf; j++) {
        const vg_feature_spec *f = &s->features[j];
        if (f->type == VG_FEATURE_TEXT)
            continue;
        const fref *x = &r->f[j];
        const mtext *c = &cells[j];
        if (scored && (x->numeric || x->cat_exact))
            w->feat_scored[j] = 1;
        uint64_t code = CODE_MISSING;
        if (c->present) {
            const char *t = arena + c->off;
            double v;
            vg_kind kind = vg_classify(t, c->len, &v);
            int out = 0;
            switch (kind) {
            case VG_KIND_MISSING: break;
            case VG_KIND_INTEGER:
            case VG_KIND_FRACTIONAL:
                if (f->type == VG_FEATURE_NUMERIC) {
                    if (x->numeric)
                        out = !(v >= x->lo && v <= x->hi);
                    code = x->n_edges ? bucket_of(x->edges, x->n_edges, v) + 1
                                      : grid_of(v, r->grid_bits);
                } else {
                    code = vg_hash_double(v);
                    out = x->cat_exact && vg_freq_count(x->freq_num, code) == 0;
                }
                break;
            case VG_KIND_BOOLEAN:
                code = vg_hash_fmix64(v != 0 ? HASH_TRUE : HASH_FALSE);
                out = x->cat_exact && vg_freq_count(x->freq, code) == 0;
                break;
            default:
                code = vg_hash_bytes(t, c->len);
                out = x->cat_exact && vg_freq_count(x->freq, code) == 0;
                break;
            }
            if (out && scored) {
                w->ood_feat[j]++;
                ood = 1;
            }
        }
        if (k < w->n_sig_features) {
            uint64_t t = vg_hash_fmix64(code + 0x9e3779b97f4a7c15ULL * (uint64_t)(j + 1));
            w->scratch[k++] = t;
            H += t;
        }
    }
    w->records++;
    if (scored) {
        w->scored++;
        w->ood += ood;
    }
    if (k == 0)
        return VG_OK;
    uint64_t hr = vg_hash_fmix64(H);
    vg_hll_update_hash(w->hll, hr);
    int rc = dup_add(s, w, hr ? hr : 1);
    if (rc != VG_OK || k < 2)
        return rc;
    if (w->sig_n + (size_t)k > w->sig_slots / 2) {
        size_t cap = table_cap(s), slots = w->sig_slots ? w->sig_slots : MIN_SLOTS;
        while (slots < cap && w->sig_n + (size_t)k > slots / 2)
            slots *= 2;
        if (slots != w->sig_slots && (rc = sig_grow(w, slots)) != VG_OK)
            return rc;
    }
    uint32_t h15 = (uint32_t)(hr & 0x7fff);
    uint32_t sweep = 0;
    /* the signatures first, their slots prefetched: the table is larger than the caches, and
     * the F lookups of a record are independent */
    size_t mask = w->sig_slots - 1;
    for (int i = 0; i < k; i++) {
        uint64_t tag =
            vg_hash_fmix64((H - w->scratch[i]) ^ (0xc2b2ae3d27d4eb4fULL * (uint64_t)(i + 1))) >> 24;
        w->scratch[i] = tag ? tag : 1;
        __builtin_prefetch(&w->sig[w->scratch[i] & mask]);
    }
    for (int i = 0; i < k; i++) {
        uint32_t v = sig_visit(s, w, w->scratch[i], h15);
        if (v > sweep)
            sweep = v; /* one record counts once, whatever the feature */
    }
    w->sweeps += sweep;
    return VG_OK;
}

void mint_close(mint_win *w) {
    if (w->closed)
        return;
    w->closed = 1;
    if (w->dup_overflow) {
        w->distinct = vg_hll_estimate(w->hll);
        w->distinct_exact = 0;
    } else {
        w->distinct = (double)w->dup_n;
        w->distinct_exact = 1;
    }
    free(w->dup);
    free(w->sig);
    vg_hll_free(w->hll);
    free(w->scratch);
    w->dup = NULL;
    w->sig = NULL;
    w->hll = NULL;
    w->scratch = NULL;
    w->dup_slots = w->sig_slots = 0;
}

/* ---- prediction shift ------------------------------------------------------------------------ */

static int numeric_column(const vg_column *c) {
    return c->n_integer + c->n_fractional > 0 && c->n_string + c->n_boolean == 0;
}

/* Per-bin weights of a sketch's retained items; bins (-inf, e1], (e1, e2], ..., (em, inf). */
static int kll_bins(const vg_kll *k, const double *e, size_t ne, uint64_t *cnt) {
    size_t n = vg_kll_retained(k);
    double *v = malloc((n ? n : 1) * sizeof *v);
    uint64_t *wt = malloc((n ? n : 1) * sizeof *wt);
    if (!v || !wt) {
        free(v);
        free(wt);
        return VG_ERR_NOMEM;
    }
    n = vg_kll_items(k, v, wt, n);
    memset(cnt, 0, (ne + 1) * sizeof *cnt);
    for (size_t i = 0; i < n; i++)
        cnt[bucket_of(e, ne, v[i])] += wt[i];
    free(v);
    free(wt);
    return VG_OK;
}

static int cmp_u64(const void *x, const void *y) {
    uint64_t a = *(const uint64_t *)x, b = *(const uint64_t *)y;
    return (a > b) - (a < b);
}

/* The counts of both columns' values over the union of their values (exact tables only). */
static int class_counts(const vg_column *a, const vg_column *b, uint64_t **ca, uint64_t **cb,
                        size_t *k, char *note, size_t note_size) {
    if (vg_freq_offset(a->freq) || vg_freq_offset(b->freq) || a->numbers_uncounted ||
        b->numbers_uncounted) {
        snprintf(note, note_size, "prediction value counts are not exact");
        return VG_ERR_INVALID;
    }
    size_t na = vg_freq_size(a->freq) + vg_freq_size(a->freq_num);
    size_t nb = vg_freq_size(b->freq) + vg_freq_size(b->freq_num);
    size_t cap = na + nb + 1;
    uint64_t *h = malloc(cap * sizeof *h);
    vg_freq_item *it = malloc(cap * sizeof *it);
    *ca = calloc(cap, sizeof **ca);
    *cb = calloc(cap, sizeof **cb);
    if (!h || !it || !*ca || !*cb) {
        free(h), free(it), free(*ca), free(*cb);
        *ca = *cb = NULL;
        return VG_ERR_NOMEM;
    }
    /* the distinct hashes of both sides, then each side's count of each */
    size_t n = 0;
    const vg_freq *tabs[4] = {a->freq, a->freq_num, b->freq, b->freq_num};
    for (int t = 0; t < 4; t++)
        n += vg_freq_items(tabs[t], it, h + n, cap - n);
    qsort(h, n, sizeof *h, cmp_u64);
    size_t cnt = 0;
    for (size_t i = 0; i < n; i++) {
        if (i && h[i] == h[i - 1])
            continue;
        (*ca)[cnt] = vg_freq_count(a->freq, h[i]) + vg_freq_count(a->freq_num, h[i]);
        (*cb)[cnt] = vg_freq_count(b->freq, h[i]) + vg_freq_count(b->freq_num, h[i]);
        cnt++;
    }
    free(h);
    free(it);
    *k = cnt;
    return VG_OK;
}

int mint_prediction_shift(const vg_profile *ref, const vg_profile *prev, const vg_profile *cur,
                          double *out, char *note, size_t note_size) {
    int pi = vg_profile_find_column(prev, "prediction", 10);
    int ci = vg_profile_find_column(cur, "prediction", 10);
    if (pi < 0 || ci < 0 || vg_column_count(prev->cols[pi]) == 0 ||
        vg_column_count(cur->cols[ci]) == 0) {
        snprintf(note, note_size, "no predictions in this or the previous window");
        return VG_ERR_INVALID;
    }
    const vg_column *p = prev->cols[pi], *c = cur->cols[ci];
    uint64_t *cp = NULL, *cc = NULL;
    size_t k = 0;
    int rc;
    if (numeric_column(p) && numeric_column(c)) {
        /* 20 equal-probability bins of the reference's predictions, else of the previous
         * window's */
        int ri = ref ? vg_profile_find_column(ref, "prediction", 10) : -1;
        const vg_kll *base =
            ri >= 0 && vg_kll_n(ref->cols[ri]->kll) > 0 ? ref->cols[ri]->kll : p->kll;
        double qs[SHIFT_BINS - 1], e[SHIFT_BINS - 1];
        for (size_t i = 0; i < SHIFT_BINS - 1; i++)
            qs[i] = (double)(i + 1) / SHIFT_BINS;
        if (vg_kll_quantiles(base, qs, SHIFT_BINS - 1, e) != VG_OK)
            return VG_ERR_NOMEM;
        size_t ne = 0;
        for (size_t i = 0; i < SHIFT_BINS - 1; i++)
            if (ne == 0 || e[i] != e[ne - 1])
                e[ne++] = e[i];
        cp = malloc((ne + 1) * sizeof *cp);
        cc = malloc((ne + 1) * sizeof *cc);
        if (!cp || !cc || kll_bins(p->kll, e, ne, cp) != VG_OK ||
            kll_bins(c->kll, e, ne, cc) != VG_OK) {
            free(cp);
            free(cc);
            return VG_ERR_NOMEM;
        }
        k = ne + 1;
    } else if ((rc = class_counts(p, c, &cp, &cc, &k, note, note_size)) != VG_OK) {
        return rc;
    }
    rc = vg_drift_jensen_shannon_counts(cp, cc, k, out, NULL);
    free(cp);
    free(cc);
    if (rc != VG_OK)
        snprintf(note, note_size, "no predictions to compare");
    return rc;
}

/* ---- samples --------------------------------------------------------------------------------- */

void mint_samples(const vg_model_spec *s, const mint_win *w, msamples *ms, json_t *o, int *oom) {
    if (w->n_carry) {
        for (size_t i = 0; i < w->n_carry; i++) {
            if (ms->n == ms->cap) {
                size_t nc = ms->cap ? ms->cap * 2 : 64;
                vg_metric_sample *x = realloc(ms->s, nc * sizeof *x);
                if (!x) {
                    ms->oom = 1;
                    return;
                }
                ms->s = x;
                ms->cap = nc;
            }
            ms->s[ms->n++] = w->carry[i];
        }
        return;
    }
    if (!w->closed || w->records == 0)
        return;
    if (w->scored > 0) {
        double share = (double)w->ood / (double)w->scored;
        msamples_add(ms, "ood_share", share, 0);
        vg_json_put(o, "ood_share", json_real(share), oom);
        vg_json_put(o, "ood_records", json_integer((json_int_t)w->ood), oom);
        vg_json_put(o, "scored_records", json_integer((json_int_t)w->scored), oom);
        json_t *pf = json_object();
        for (size_t j = 0; j < s->n_features && j < w->n_features; j++) {
            if (!w->feat_scored[j])
                continue; /* text, or no usable reference column */
            double fs = (double)w->ood_feat[j] / (double)w->scored;
            msamples_add(ms, "ood_feature_share", fs, 1, "feature", s->features[j].name);
            if (pf)
                vg_json_put(pf, s->features[j].name, json_real(fs), oom);
        }
        vg_json_put(o, "ood_feature_share", pf, oom);
    }
    if (w->n_sig_features > 0) {
        double d = 1 - w->distinct / (double)w->records;
        if (d < 0)
            d = 0;
        msamples_add(ms, "duplicate_share", d, 0);
        vg_json_put(o, "duplicate_share", json_real(d), oom);
        vg_json_put(o, "distinct_exact", json_boolean(w->distinct_exact), oom);
    }
    if (w->n_sig_features > 1) {
        double sw = (double)w->sweeps / (double)w->records;
        if (sw > 1) /* a record counted again by a second signature */
            sw = 1;
        msamples_add(ms, "sweep_share", sw, 0);
        vg_json_put(o, "sweep_share", json_real(sw), oom);
    }
}
