/*
 * The daemon's side of the audit log (docs/security.md): serve_audit() appends an entry to the
 * hash-chained log of src/store/audit.c for every administrative action and alert transition,
 * and GET /v1/audit pages through it or exports it as NDJSON.
 *
 * Appending never fails the action it records: the action has already happened when it is
 * audited, so a failed append is logged at error level and counted
 * (vigia_audit_append_failures_total) for an operator to see, rather than undoing or refusing
 * it. Every string is made valid UTF-8 before it is hashed, so that the exact hashed bytes can
 * always be exported as JSON and re-verified by another tool.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* A copy of s as valid UTF-8 (invalid bytes become U+FFFD), or NULL when out of memory. */
static char *clean_text(const char *s) {
    json_t *j = serve_json_text(s);
    char *out = j ? strdup(json_string_value(j)) : NULL;
    json_decref(j);
    return out;
}

void serve_audit(vg_serve *s, const serve_principal *who, const char *action, const char *target,
                 json_t *detail) {
    char actor[sizeof who->id + sizeof who->name + 4];
    if (!who)
        snprintf(actor, sizeof actor, "daemon");
    else if (!who->name[0] || !strcmp(who->id, who->name))
        snprintf(actor, sizeof actor, "%s", who->id);
    else
        snprintf(actor, sizeof actor, "%s (%s)", who->id, who->name);
    /* sorted keys: the same detail always serializes to the same (hashed) bytes */
    char *dj = detail ? json_dumps(detail, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
    json_decref(detail);
    char *a = clean_text(actor), *r = clean_text(who ? who->remote : ""),
         *t = clean_text(target ? target : ""), *d = clean_text(dj ? dj : "");
    free(dj);
    vg_error err;
    vg_error_clear(&err);
    int rc;
    if (!s->store)
        rc = vg_error_set(&err, VG_ERR_IO, "the store is not open");
    else if (!a || !r || !t || !d)
        rc = vg_error_set(&err, VG_ERR_NOMEM, "out of memory");
    else
        rc = vg_store_audit_append(s->store, a, r, action, t, d, NULL, NULL, &err);
    if (rc == VG_OK) {
        atomic_fetch_add(&s->audit_appended, 1);
        vg_serve_log(VG_LOG_DEBUG, "audit: %s %s by %s", action, t, a);
    } else {
        atomic_fetch_add(&s->audit_failed, 1);
        vg_serve_log(VG_LOG_ERROR, "audit: %s %s by %s not recorded: %s", action, t ? t : "",
                     a ? a : "", err.msg);
    }
    free(a);
    free(r);
    free(t);
    free(d);
}

/* ---- GET /v1/audit ---- */

typedef struct text {
    char *p;
    size_t len, cap;
    int oom;
} text;

static void add(text *b, const char *s, size_t n) {
    if (b->oom)
        return;
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 4096;
        while (cap < b->len + n + 1)
            cap *= 2;
        char *p = realloc(b->p, cap);
        if (!p) {
            b->oom = 1;
            return;
        }
        b->p = p;
        b->cap = cap;
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
}

static void adds(text *b, const char *s) {
    add(b, s, strlen(s));
}

/* A non-negative integer query argument in [0, max]; 0 with a 400 reply when malformed. */
static int int_arg(const serve_request *q, const char *name, long long dflt, long long max,
                   long long *out, serve_reply *r) {
    const char *v = serve_query(q, name);
    *out = dflt;
    if (!v)
        return 1;
    char *end;
    long long x = strtoll(v, &end, 10);
    if (!*v || *end || x < 0 || x > max) {
        serve_reply_error(r, 400, "invalid", "%s: expected an integer from 0 to %lld, not '%s'",
                          name, max, v);
        return 0;
    }
    *out = x;
    return 1;
}

void api_audit(vg_serve *s, const serve_request *q, serve_reply *r) {
    const char *format = serve_query(q, "format");
    int ndjson = 0;
    if (format && !strcmp(format, "ndjson"))
        ndjson = 1;
    else if (format && strcmp(format, "json")) {
        serve_reply_error(r, 400, "invalid", "format: expected json or ndjson, not '%s'", format);
        return;
    }
    long long after, limit;
    /* a page is bounded; the export is whole unless a limit is given */
    if (!int_arg(q, "after", 0, INT64_MAX, &after, r) ||
        !int_arg(q, "limit", ndjson ? 0 : 100, ndjson ? INT64_MAX : 1000, &limit, r))
        return;
    if (!ndjson && limit == 0) {
        serve_reply_error(r, 400, "invalid", "limit: expected an integer from 1 to 1000, not '0'");
        return;
    }
    vg_error err;
    vg_error_clear(&err);
    vg_store_audit_entry *v = NULL;
    size_t n = 0;
    int64_t head_seq = 0;
    char head[VG_STORE_HASH_HEX + 1];
    uint64_t count = 0;
    /* the head after the page: it is never behind the entries listed */
    if (vg_store_audit_list(s->store, after, (size_t)limit, &v, &n, &err) != VG_OK ||
        vg_store_audit_head(s->store, &head_seq, head, &count, &err) != VG_OK) {
        vg_store_audit_free(v, n);
        serve_reply_vg_error(r, &err);
        return;
    }
    text b = {NULL, 0, 0, 0};
    if (!ndjson)
        adds(&b, "{\"entries\":[");
    for (size_t i = 0; i < n; i++) {
        char *line = vg_store_audit_entry_json(&v[i], &err);
        if (!line) {
            free(b.p);
            vg_store_audit_free(v, n);
            serve_reply_vg_error(r, &err);
            return;
        }
        if (!ndjson && i)
            adds(&b, ",");
        adds(&b, line);
        if (ndjson)
            adds(&b, "\n");
        free(line);
    }
    if (!ndjson) {
        char tail[256];
        snprintf(tail, sizeof tail, "],\"head\":{\"seq\":%lld,\"hash\":\"%s\",\"entries\":%llu}",
                 (long long)head_seq, head, (unsigned long long)count);
        adds(&b, tail);
        if (n && n == (size_t)limit) {
            snprintf(tail, sizeof tail, ",\"next_after\":%lld", (long long)v[n - 1].seq);
            adds(&b, tail);
        }
        adds(&b, "}");
    }
    vg_store_audit_free(v, n);
    if (b.oom) {
        free(b.p);
        serve_reply_error(r, 500, "internal", "out of memory");
        return;
    }
    r->status = 200;
    r->body = b.p ? b.p : strdup("");
    r->len = b.len;
    r->type = ndjson ? "application/x-ndjson" : "application/json";
}
