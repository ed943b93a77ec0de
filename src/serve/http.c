/*
 * HTTP on libmicrohttpd: a pool of `threads` polling threads (epoll), each request's body
 * accumulated under the hard cap max_body_bytes, the routing of docs/api.md, and the request
 * statistics of /metrics.
 *
 * The cap is enforced twice: a Content-Length over it is answered 413 before a byte of the
 * body is read (curl's Expect: 100-continue then sends nothing), and a chunked body is counted
 * as it arrives; past the cap the rest is read and dropped, never buffered, and the answer is
 * 413. Routes are matched on the path split at '/', giving the pattern ("/v1/models/{model}/
 * predictions") that labels the metrics, so their cardinality stays bounded whatever the URLs.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <netdb.h>
#include <netinet/in.h>
#include <openssl/crypto.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"

typedef enum {
    R_MODELS,
    R_MODEL,
    R_REFERENCE,
    R_PREDICTIONS,
    R_LABELS,
    R_FLUSH,
    R_WINDOWS,
    R_WINDOW_OPEN,
    R_WINDOW,
    R_WINDOW_PROFILE,
    R_SERIES,
    R_REJECTED,
    R_RECORD, /* erasure (api.c: api_erase_record, api_erase) */
    R_ERASE,
    R_RULES, /* alerting (alerting.c) */
    R_ALERTS,
    R_ALERT_HISTORY,
    R_ALERT_ACK,
    R_SILENCES,
    R_SILENCE,
    R_TOKENS, /* auth.c */
    R_TOKEN,
    R_AUDIT, /* audit.c; admin scope */
    R_HEALTHZ,
    R_READYZ,
    R_METRICS,
    R_OTHER
} route_id;

static const struct {
    const char *pattern;
    const char *methods; /* allowed, space separated (HEAD comes with GET) */
    const char *allow;   /* the same for the Allow header of a 405 */
    int body;            /* the route reads a body */
} routes[] = {
    [R_MODELS] = {"/v1/models", "GET POST", "GET, HEAD, POST", 1},
    [R_MODEL] = {"/v1/models/{model}", "GET PUT DELETE", "GET, HEAD, PUT, DELETE", 1},
    [R_REFERENCE] = {"/v1/models/{model}/reference", "GET PUT POST", "GET, HEAD, PUT, POST", 1},
    [R_PREDICTIONS] = {"/v1/models/{model}/predictions", "POST", "POST", 1},
    [R_LABELS] = {"/v1/models/{model}/labels", "POST", "POST", 1},
    [R_FLUSH] = {"/v1/models/{model}/flush", "POST", "POST", 0},
    [R_WINDOWS] = {"/v1/models/{model}/windows", "GET", "GET, HEAD", 0},
    [R_WINDOW_OPEN] = {"/v1/models/{model}/windows/open", "GET", "GET, HEAD", 0},
    [R_WINDOW] = {"/v1/models/{model}/windows/{key}", "GET", "GET, HEAD", 0},
    [R_WINDOW_PROFILE] = {"/v1/models/{model}/windows/{key}/profile", "GET", "GET, HEAD", 0},
    [R_SERIES] = {"/v1/models/{model}/series", "GET", "GET, HEAD", 0},
    [R_REJECTED] = {"/v1/models/{model}/rejected", "GET", "GET, HEAD", 0},
    [R_RECORD] = {"/v1/models/{model}/records/{id}", "DELETE", "DELETE", 0},
    [R_ERASE] = {"/v1/models/{model}/erase", "POST", "POST", 1},
    [R_RULES] = {"/v1/rules", "GET", "GET, HEAD", 0},
    [R_ALERTS] = {"/v1/alerts", "GET", "GET, HEAD", 0},
    [R_ALERT_HISTORY] = {"/v1/alerts/history", "GET", "GET, HEAD", 0},
    [R_ALERT_ACK] = {"/v1/alerts/{id}/ack", "POST", "POST", 1},
    [R_SILENCES] = {"/v1/silences", "GET POST", "GET, HEAD, POST", 1},
    [R_SILENCE] = {"/v1/silences/{id}", "GET DELETE", "GET, HEAD, DELETE", 0},
    [R_TOKENS] = {"/v1/tokens", "GET POST", "GET, HEAD, POST", 1},
    [R_TOKEN] = {"/v1/tokens/{id}", "GET DELETE", "GET, HEAD, DELETE", 0},
    [R_AUDIT] = {"/v1/audit", "GET", "GET, HEAD", 0},
    [R_HEALTHZ] = {"/healthz", "GET", "GET, HEAD", 0},
    [R_READYZ] = {"/readyz", "GET", "GET, HEAD", 0},
    [R_METRICS] = {"/metrics", "GET", "GET, HEAD", 0},
    [R_OTHER] = {"other", "", "", 0},
};

#define MAX_SEGS 8
#define SEG_MAX 256

typedef struct request {
    struct timespec t0;
    route_id route;
    char model[SEG_MAX], key[SEG_MAX];
    unsigned status;
    char *body;
    size_t len, cap;
    uint64_t limit;
    int too_large, answered;
    char method[8];
    serve_principal who; /* decided on the request's first call (auth.c) */
} request;

/* The route of a path, with its {model} and {key}. */
static route_id match(const char *url, request *r) {
    char segs[MAX_SEGS][SEG_MAX];
    size_t n = 0;
    const char *p = url;
    while (*p) {
        while (*p == '/')
            p++;
        if (!*p)
            break;
        const char *e = strchr(p, '/');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        if (n == MAX_SEGS || len >= SEG_MAX)
            return R_OTHER;
        memcpy(segs[n], p, len);
        segs[n][len] = 0;
        n++;
        p += len;
    }
    if (n == 1 && !strcmp(segs[0], "healthz"))
        return R_HEALTHZ;
    if (n == 1 && !strcmp(segs[0], "readyz"))
        return R_READYZ;
    if (n == 1 && !strcmp(segs[0], "metrics"))
        return R_METRICS;
    if (n >= 2 && !strcmp(segs[0], "v1") && strcmp(segs[1], "models")) {
        /* the alerting routes: {id} (an alert fingerprint or a silence id) goes in key */
        if (n == 2 && !strcmp(segs[1], "rules"))
            return R_RULES;
        if (n == 2 && !strcmp(segs[1], "audit"))
            return R_AUDIT;
        if (!strcmp(segs[1], "alerts")) {
            if (n == 2)
                return R_ALERTS;
            if (n == 3 && !strcmp(segs[2], "history"))
                return R_ALERT_HISTORY;
            if (n == 4 && !strcmp(segs[3], "ack")) {
                memcpy(r->key, segs[2], SEG_MAX);
                return R_ALERT_ACK;
            }
        }
        if (!strcmp(segs[1], "tokens")) {
            if (n == 2)
                return R_TOKENS;
            if (n == 3) {
                memcpy(r->key, segs[2], SEG_MAX);
                return R_TOKEN;
            }
        }
        if (!strcmp(segs[1], "silences")) {
            if (n == 2)
                return R_SILENCES;
            if (n == 3) {
                memcpy(r->key, segs[2], SEG_MAX);
                return R_SILENCE;
            }
        }
        return R_OTHER;
    }
    if (n < 2 || strcmp(segs[0], "v1") || strcmp(segs[1], "models"))
        return R_OTHER;
    if (n == 2)
        return R_MODELS;
    memcpy(r->model, segs[2], SEG_MAX);
    if (n == 3)
        return R_MODEL;
    const char *what = segs[3];
    if (n == 4) {
        if (!strcmp(what, "reference"))
            return R_REFERENCE;
        if (!strcmp(what, "predictions"))
            return R_PREDICTIONS;
        if (!strcmp(what, "labels"))
            return R_LABELS;
        if (!strcmp(what, "flush"))
            return R_FLUSH;
        if (!strcmp(what, "windows"))
            return R_WINDOWS;
        if (!strcmp(what, "series"))
            return R_SERIES;
        if (!strcmp(what, "rejected"))
            return R_REJECTED;
        if (!strcmp(what, "erase"))
            return R_ERASE;
        return R_OTHER;
    }
    if (n == 5 && !strcmp(what, "records")) {
        memcpy(r->key, segs[4], SEG_MAX);
        return R_RECORD;
    }
    if (strcmp(what, "windows"))
        return R_OTHER;
    if (n == 5 && !strcmp(segs[4], "open"))
        return R_WINDOW_OPEN;
    memcpy(r->key, segs[4], SEG_MAX);
    if (n == 5)
        return R_WINDOW;
    if (n == 6 && !strcmp(segs[5], "profile"))
        return R_WINDOW_PROFILE;
    return R_OTHER;
}

static int method_allowed(route_id id, const char *method) {
    const char *m = !strcmp(method, "HEAD") ? "GET" : method;
    size_t len = strlen(m);
    for (const char *p = routes[id].methods; (p = strstr(p, m)); p += len)
        if ((p == routes[id].methods || p[-1] == ' ') && (p[len] == ' ' || !p[len]))
            return 1;
    return 0;
}

const char *serve_query(const serve_request *q, const char *name) {
    return MHD_lookup_connection_value((struct MHD_Connection *)q->con, MHD_GET_ARGUMENT_KIND,
                                       name);
}

static enum MHD_Result send_reply(struct MHD_Connection *con, request *rq, serve_reply *r) {
    struct MHD_Response *resp =
        MHD_create_response_from_buffer(r->len, r->body ? r->body : (void *)"",
                                        r->body ? MHD_RESPMEM_MUST_FREE : MHD_RESPMEM_PERSISTENT);
    if (!resp) {
        free(r->body);
        return MHD_NO;
    }
    r->body = NULL;
    if (r->type)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, r->type);
    if (r->allow)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW, r->allow);
    if (r->www_auth)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_WWW_AUTHENTICATE, "Bearer realm=\"vigia\"");
    if (r->retry_after) {
        char ra[16];
        snprintf(ra, sizeof ra, "%u", r->retry_after);
        MHD_add_response_header(resp, MHD_HTTP_HEADER_RETRY_AFTER, ra);
    }
    if (r->close)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CONNECTION, "close");
    rq->status = r->status;
    rq->answered = 1;
    enum MHD_Result ret = MHD_queue_response(con, r->status, resp);
    MHD_destroy_response(resp);
    return ret;
}

static void text_reply(serve_reply *r, unsigned status, const char *text) {
    r->status = status;
    r->body = strdup(text);
    r->len = r->body ? strlen(r->body) : 0;
    r->type = "text/plain; charset=utf-8";
}

/* With auth off, everyone may do everything. */
static const serve_principal anonymous = {"anonymous", "anonymous",
                                          SERVE_SCOPE_INGEST | SERVE_SCOPE_READ | SERVE_SCOPE_ADMIN,
                                          "", ""};

/* The client's address as text ("" when unknown). */
static void remote_of(struct MHD_Connection *con, char *out, size_t cap) {
    out[0] = 0;
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(con, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    if (!ci || !ci->client_addr)
        return;
    const struct sockaddr *sa = ci->client_addr;
    if (sa->sa_family == AF_INET)
        inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, out,
                  (socklen_t)cap);
    else if (sa->sa_family == AF_INET6)
        inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr, out,
                  (socklen_t)cap);
}

/* The Bearer credential of the Authorization header (NULL: none; "?" when the header is there
 * but is not a Bearer one). */
static const char *bearer(struct MHD_Connection *con) {
    const char *h =
        MHD_lookup_connection_value(con, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION);
    if (!h)
        return NULL;
    if (strncasecmp(h, "Bearer ", 7))
        return "?"; /* never a token's shape: refused as malformed */
    h += 7;
    while (*h == ' ')
        h++;
    return h;
}

/* Who is asking, whether they may, and whether they are over their rate or the connection
 * limit: decided once, on a request's first call, so that a refusal is answered before a body
 * is read. Returns 1 with r filled when the request is refused. */
static int admit(vg_serve *s, struct MHD_Connection *con, request *rq, serve_reply *r) {
    pthread_mutex_lock(&s->cfg_mu);
    int auth_off = s->cfg.auth_off, public_metrics = s->cfg.public_metrics;
    double rate = s->cfg.rate;
    unsigned burst = s->cfg.burst;
    pthread_mutex_unlock(&s->cfg_mu);
    const char *pattern = routes[rq->route].pattern;
    char remote[64];
    remote_of(con, remote, sizeof remote);

    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(con, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    if (ci && ci->socket_context) {
        /* over max_connections: told so (and closed) rather than dropped without a word */
        serve_limits_count(s->limits, SERVE_LIMIT_CONNECTIONS);
        serve_reply_error(r, 429, "too_many_connections",
                          "too many concurrent connections (limits.max_connections); retry");
        r->retry_after = 1;
        r->close = 1;
        return 1;
    }

    unsigned need = rq->route == R_OTHER ? 0 : serve_auth_need(rq->method, pattern, public_metrics);
    serve_auth_reason why = SERVE_AUTH_OK;
    char tid[13] = "";
    if (auth_off) {
        rq->who = anonymous;
    } else {
        memset(&rq->who, 0, sizeof rq->who);
        snprintf(rq->who.id, sizeof rq->who.id, "anonymous");
        snprintf(rq->who.name, sizeof rq->who.name, "anonymous");
        const char *tok = bearer(con);
        if (tok || need) {
            why = serve_auth_verify(s->auth, tok, serve_now_ms(), &rq->who);
            if (why != SERVE_AUTH_OK && !need)
                why = SERVE_AUTH_OK; /* a bad token on an open route: answered as anonymous */
            if (why == SERVE_AUTH_OK)
                why = serve_auth_allows(&rq->who, need,
                                        rq->model[0] && rq->route != R_MODELS ? rq->model : NULL);
        }
        if (tok && !serve_token_shape(tok, tid))
            tid[0] = 0;
    }
    snprintf(rq->who.remote, sizeof rq->who.remote, "%s", remote);
    int authenticated = strcmp(rq->who.id, "anonymous") != 0;
    serve_auth_count_request(s->auth, authenticated ? rq->who.id : NULL);

    /* the rate: per token, or per address without one (failed attempts included) */
    if (rate > 0 && rq->route != R_HEALTHZ && rq->route != R_READYZ) {
        char key[80];
        snprintf(key, sizeof key, "%s%s",
                 authenticated ? "t:" : "a:", authenticated ? rq->who.id : remote);
        unsigned wait = serve_limits_take(s->limits, key, rate, burst, serve_now_ms());
        if (wait) {
            serve_reply_error(
                r, 429, "rate_limited", "over %g requests/s (burst %u) for %s %s; retry after %u s",
                rate, burst ? burst : (unsigned)(rate < 1 ? 1 : rate + 0.999999),
                authenticated ? "token" : "address", authenticated ? rq->who.id : remote, wait);
            r->retry_after = wait;
            return 1;
        }
    }
    if (why == SERVE_AUTH_OK)
        return 0;

    serve_auth_count_failure(s->auth, why);
    json_t *detail = json_pack("{s:s,s:s,s:s}", "remote", remote, "method", rq->method, "reason",
                               serve_auth_reason_name(why));
    if (detail && (tid[0] || authenticated))
        json_object_set_new(detail, "token", json_string(authenticated ? rq->who.id : tid));
    if (why == SERVE_AUTH_SCOPE || why == SERVE_AUTH_MODEL) {
        serve_audit(s, &rq->who, "auth.forbidden", pattern, detail);
        if (why == SERVE_AUTH_SCOPE)
            serve_reply_error(r, 403, "forbidden", "%s %s needs a token with the %s scope",
                              rq->method, pattern,
                              need == SERVE_SCOPE_INGEST ? "ingest"
                              : need == SERVE_SCOPE_READ ? "read"
                                                         : "admin");
        else
            serve_reply_error(r, 403, "forbidden",
                              "this token is limited to model %s: %s %s is outside it",
                              rq->who.model, rq->method, pattern);
        return 1;
    }
    serve_audit(s, NULL, "auth.failure", pattern, detail);
    static const char *const msgs[] = {
        [SERVE_AUTH_MISSING] = "an API token is needed: send Authorization: Bearer <token>",
        [SERVE_AUTH_MALFORMED] = "the Authorization header does not carry a vigia token (Bearer "
                                 "vg_<id>_<secret>)",
        [SERVE_AUTH_UNKNOWN] = "the token is not valid",
        [SERVE_AUTH_REVOKED] = "the token was revoked",
        [SERVE_AUTH_EXPIRED] = "the token has expired"};
    serve_reply_error(r, 401, "unauthorized", "%s", msgs[why]);
    r->www_auth = 1;
    return 1;
}

static void dispatch(vg_serve *s, struct MHD_Connection *con, const char *method, request *rq,
                     serve_reply *r) {
    route_id id = rq->route;
    if (id == R_OTHER) {
        serve_reply_error(r, 404, "not_found", "no such endpoint (see docs/api.md)");
        return;
    }
    if (!method_allowed(id, method)) {
        serve_reply_error(r, 405, "method_not_allowed", "%s is not allowed on %s (allowed: %s)",
                          method, routes[id].pattern, routes[id].allow);
        r->allow = routes[id].allow;
        return;
    }
    switch (id) {
    case R_HEALTHZ: text_reply(r, 200, "ok\n"); return;
    case R_READYZ:
        if (atomic_load(&s->ready))
            text_reply(r, 200, "ready\n");
        else
            text_reply(r, 503, "not ready: recovering\n");
        return;
    case R_METRICS:
        r->status = 200;
        r->body = serve_metrics_text(s, &r->len);
        r->type = "text/plain; version=0.0.4; charset=utf-8";
        if (!r->body)
            serve_reply_error(r, 500, "internal", "out of memory");
        return;
    default: break;
    }
    if (!atomic_load(&s->ready)) {
        serve_reply_error(r, 503, "not_ready", "the daemon is recovering; retry (see /readyz)");
        return;
    }
    const char *enc =
        MHD_lookup_connection_value(con, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_ENCODING);
    if (routes[id].body && rq->len && enc && strcasecmp(enc, "identity")) {
        /* a compressed body would otherwise reach the parsers and fail as bad JSON */
        serve_reply_error(r, 415, "unsupported_media_type",
                          "Content-Encoding %s is not supported: send the body uncompressed", enc);
        return;
    }
    if (rq->too_large) {
        serve_limits_count(s->limits, SERVE_LIMIT_BODY);
        serve_reply_error(r, 413, "too_large", "request body over max_body_bytes (%llu bytes)",
                          (unsigned long long)rq->limit);
        return;
    }
    serve_request q = {
        method,
        id == R_MODELS ? NULL : rq->model,
        rq->key,
        MHD_lookup_connection_value(con, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_TYPE),
        rq->body ? rq->body : "",
        rq->len,
        con,
        &rq->who};
    switch (id) {
    case R_MODELS: api_models(s, &q, r); break;
    case R_MODEL: api_model(s, &q, r); break;
    case R_REFERENCE: api_reference(s, &q, r); break;
    case R_PREDICTIONS: api_records(s, &q, r, 0); break;
    case R_LABELS: api_records(s, &q, r, 1); break;
    case R_FLUSH: api_flush(s, &q, r); break;
    case R_WINDOWS: api_windows(s, &q, r); break;
    case R_WINDOW_OPEN: api_window_open(s, &q, r); break;
    case R_WINDOW: api_window(s, &q, r); break;
    case R_WINDOW_PROFILE: api_window_profile(s, &q, r); break;
    case R_SERIES: api_series(s, &q, r); break;
    case R_REJECTED: api_rejected(s, &q, r); break;
    case R_RECORD: api_erase_record(s, &q, r); break;
    case R_ERASE: api_erase(s, &q, r); break;
    case R_RULES: api_rules(s, &q, r); break;
    case R_ALERTS: api_alerts(s, &q, r); break;
    case R_ALERT_HISTORY: api_alert_history(s, &q, r); break;
    case R_ALERT_ACK: api_alert_ack(s, &q, r); break;
    case R_SILENCES: api_silences(s, &q, r); break;
    case R_SILENCE: api_silence(s, &q, r); break;
    case R_TOKENS: api_tokens(s, &q, r); break;
    case R_TOKEN: api_token(s, &q, r); break;
    case R_AUDIT: api_audit(s, &q, r); break;
    default: serve_reply_error(r, 404, "not_found", "no such endpoint"); break;
    }
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *con, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_data_size, void **con_cls) {
    vg_serve *s = cls;
    request *rq = *con_cls;
    (void)version;
    serve_reply r = {0, NULL, 0, NULL, NULL, 0, 0, 0};
    if (!rq) {
        rq = calloc(1, sizeof *rq);
        if (!rq)
            return MHD_NO;
        clock_gettime(CLOCK_MONOTONIC, &rq->t0);
        rq->route = match(url, rq);
        atomic_fetch_add(&s->inflight, 1);
        snprintf(rq->method, sizeof rq->method, "%s", method);
        rq->limit = serve_get_live(s).max_body_bytes;
        *con_cls = rq;
        if (admit(s, con, rq, &r))
            return send_reply(con, rq, &r);
        const char *cl =
            MHD_lookup_connection_value(con, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
        unsigned long long declared = cl ? strtoull(cl, NULL, 10) : 0;
        if (cl && declared > rq->limit) {
            /* answered before the body is read; libmicrohttpd then closes the connection */
            serve_limits_count(s->limits, SERVE_LIMIT_BODY);
            serve_reply_error(&r, 413, "too_large",
                              "request body of %s bytes over max_body_bytes (%llu bytes)", cl,
                              (unsigned long long)rq->limit);
            return send_reply(con, rq, &r);
        }
        if (declared && routes[rq->route].body) {
            /* the declared length at once: no copies while a large batch arrives */
            rq->body = malloc(declared + 1);
            rq->cap = rq->body ? declared + 1 : 0;
        }
        return MHD_YES;
    }
    if (*upload_data_size) {
        size_t n = *upload_data_size;
        *upload_data_size = 0;
        if (rq->answered || rq->too_large || !routes[rq->route].body)
            return MHD_YES; /* dropped */
        if (rq->len + n > rq->limit) {
            rq->too_large = 1;
            free(rq->body);
            rq->body = NULL;
            rq->len = rq->cap = 0;
            return MHD_YES;
        }
        if (rq->len + n + 1 > rq->cap) {
            size_t cap = rq->cap ? rq->cap : 65536;
            while (cap < rq->len + n + 1)
                cap *= 2;
            if (cap > rq->limit + 1) /* never more than the cap itself */
                cap = rq->limit + 1;
            char *b = realloc(rq->body, cap);
            if (!b)
                return MHD_NO;
            rq->body = b;
            rq->cap = cap;
        }
        memcpy(rq->body + rq->len, upload_data, n);
        rq->len += n;
        rq->body[rq->len] = 0;
        return MHD_YES;
    }
    if (rq->answered)
        return MHD_YES;
    dispatch(s, con, method, rq, &r);
    if (r.status == 413 && !rq->too_large)
        serve_limits_count(s->limits, SERVE_LIMIT_RECORDS); /* too_many_records (api.c) */
    return send_reply(con, rq, &r);
}

static void on_completed(void *cls, struct MHD_Connection *con, void **con_cls,
                         enum MHD_RequestTerminationCode toe) {
    vg_serve *s = cls;
    request *rq = *con_cls;
    (void)con;
    (void)toe;
    if (!rq)
        return;
    struct timespec t1;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double secs = (double)(t1.tv_sec - rq->t0.tv_sec) + (t1.tv_nsec - rq->t0.tv_nsec) / 1e9;
    serve_stats_record(s, routes[rq->route].pattern, rq->status ? rq->status : 499, secs);
    /* 499: the client went away before an answer (nginx's convention) */
    vg_serve_log(rq->status >= 500 ? VG_LOG_WARN : VG_LOG_DEBUG, "%s %s -> %u (%.1f ms)",
                 rq->method, routes[rq->route].pattern, rq->status ? rq->status : 499, secs * 1000);
    atomic_fetch_sub(&s->inflight, 1);
    free(rq->body);
    free(rq);
    *con_cls = NULL;
}

/* libmicrohttpd's own complaints (a socket error, a connection it dropped) into our log. It
 * writes one per broken connection (every failed TLS handshake), so at most MHD_LOG_PER_S are
 * written a second: a client opening garbage connections cannot fill the disk. The ones left
 * out are counted, and the count is written with the next line that is. */
#define MHD_LOG_PER_S 20u
static pthread_mutex_t mhd_log_mu = PTHREAD_MUTEX_INITIALIZER;
static int64_t mhd_log_sec = -1;
static unsigned mhd_log_n;
static unsigned long long mhd_log_dropped;

static void mhd_log(void *cls, const char *fmt, va_list ap) {
    (void)cls;
    int64_t sec = serve_now_ms() / 1000;
    unsigned long long dropped = 0;
    pthread_mutex_lock(&mhd_log_mu);
    if (sec != mhd_log_sec) {
        mhd_log_sec = sec;
        mhd_log_n = 0;
    }
    int write = mhd_log_n < MHD_LOG_PER_S;
    if (write) {
        mhd_log_n++;
        dropped = mhd_log_dropped;
        mhd_log_dropped = 0;
    } else {
        mhd_log_dropped++;
    }
    pthread_mutex_unlock(&mhd_log_mu);
    if (!write)
        return;
    char msg[512];
    vsnprintf(msg, sizeof msg, fmt, ap);
    msg[strcspn(msg, "\n")] = 0;
    if (dropped)
        vg_serve_log(VG_LOG_WARN, "http: %s (and %llu such messages left out before it)", msg,
                     dropped);
    else
        vg_serve_log(VG_LOG_WARN, "http: %s", msg);
}

static int hex_digit(char c) {
    return c >= '0' && c <= '9'   ? c - '0'
           : c >= 'a' && c <= 'f' ? c - 'a' + 10
           : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                  : -1;
}

/* Percent-decodes the path and the query arguments in place, as MHD's own unescaper does, except
 * that "%00" stays as it is: decoded, a NUL would end the C string early and
 * /v1/models/credit%00/anything would reach /v1/models/credit. Kept, it makes the name invalid
 * (404). */
static size_t unescape(void *cls, struct MHD_Connection *con, char *str) {
    (void)cls;
    (void)con;
    size_t w = 0;
    for (size_t r = 0; str[r];) {
        int hi, lo;
        if (str[r] == '%' && (hi = hex_digit(str[r + 1])) >= 0 &&
            (lo = hex_digit(str[r + 2])) >= 0 && (hi | lo) != 0) {
            str[w++] = (char)(hi * 16 + lo);
            r += 3;
        } else {
            str[w++] = str[r++];
        }
    }
    str[w] = '\0';
    return w;
}

/* A connection beyond max_connections gets OVER_LIMIT_TIMEOUT_S of silence (not the usual
 * 120 s) to send the request that its 429 answers, and at most OVER_LIMIT_HELD of them are
 * held at once (more are closed as soon as accepted): otherwise connections that never send a
 * byte, or stall mid-handshake, each keep a socket for two minutes, and one client opening
 * them could take every connection libmicrohttpd has (about 1000) whatever max_connections
 * says. */
#define OVER_LIMIT_TIMEOUT_S 2u
#define OVER_LIMIT_HELD 64u

static enum MHD_Result accept_policy(void *cls, const struct sockaddr *addr, socklen_t len) {
    vg_serve *s = cls;
    (void)addr;
    (void)len;
    pthread_mutex_lock(&s->cfg_mu);
    unsigned max = s->cfg.max_connections;
    pthread_mutex_unlock(&s->cfg_mu);
    int n = atomic_load(&s->connections);
    if (max && n >= 0 && (unsigned)n >= max + OVER_LIMIT_HELD) {
        serve_limits_count(s->limits, SERVE_LIMIT_CONNECTIONS);
        return MHD_NO;
    }
    return MHD_YES;
}

/* Counts connections; one beyond max_connections is marked (its socket context) so that its
 * requests get a 429 and it is closed. */
static void on_connection(void *cls, struct MHD_Connection *con, void **socket_context,
                          enum MHD_ConnectionNotificationCode toe) {
    vg_serve *s = cls;
    if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
        int n = atomic_fetch_add(&s->connections, 1) + 1;
        pthread_mutex_lock(&s->cfg_mu);
        unsigned max = s->cfg.max_connections;
        pthread_mutex_unlock(&s->cfg_mu);
        *socket_context = max && (unsigned)n > max ? (void *)s : NULL;
        if (*socket_context)
            MHD_set_connection_option(con, MHD_CONNECTION_OPTION_TIMEOUT, OVER_LIMIT_TIMEOUT_S);
    } else {
        atomic_fetch_sub(&s->connections, 1);
    }
}

/* A PEM file read whole, checked with OpenSSL so that a bad file is refused with its name
 * (libmicrohttpd's own failure would not say which). key: 1 for the private key. */
static char *read_pem(const char *path, int key, vg_error *err) {
    FILE *f = fopen(path, "rb");
    if (!f) {
        vg_error_set(err, VG_ERR_IO, "tls.%s: cannot read %s: %s", key ? "key" : "cert", path,
                     strerror(errno));
        return NULL;
    }
    char *buf = NULL;
    size_t len = 0, cap = 0;
    for (;;) {
        if (len + 4096 + 1 > cap) {
            cap = cap ? 2 * cap : 8192;
            char *b = cap <= (1u << 24) ? realloc(buf, cap) : NULL;
            if (!b) {
                free(buf);
                fclose(f);
                vg_error_set(err, VG_ERR_LIMIT, "tls: %s is too large for a PEM file", path);
                return NULL;
            }
            buf = b;
        }
        size_t k = fread(buf + len, 1, 4096, f);
        len += k;
        if (k < 4096)
            break;
    }
    fclose(f);
    buf[len] = 0;
    BIO *bio = BIO_new_mem_buf(buf, (int)len);
    int ok = 0;
    if (bio && key) {
        EVP_PKEY *pk = PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL);
        ok = pk != NULL;
        EVP_PKEY_free(pk);
    } else if (bio) {
        X509 *x = PEM_read_bio_X509(bio, NULL, NULL, NULL);
        ok = x != NULL;
        X509_free(x);
    }
    BIO_free(bio);
    if (!ok) {
        free(buf);
        vg_error_set(err, VG_ERR_PARSE, "tls.%s: %s is not a PEM %s", key ? "key" : "cert", path,
                     key ? "private key (unencrypted)" : "certificate");
        return NULL;
    }
    return buf;
}

static int is_loopback(const struct sockaddr *sa) {
    if (sa->sa_family == AF_INET)
        return (ntohl(((const struct sockaddr_in *)(const void *)sa)->sin_addr.s_addr) >> 24) ==
               127;
    if (sa->sa_family == AF_INET6) {
        const struct in6_addr *a = &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr;
        if (IN6_IS_ADDR_LOOPBACK(a))
            return 1;
        return IN6_IS_ADDR_V4MAPPED(a) && a->s6_addr[12] == 127;
    }
    return 0;
}

/* libmicrohttpd 0.9.75 keeps each query argument in the connection's memory pool (32 KiB) and,
 * when some 500 of them fill it, can neither answer (its 431 needs pool memory too) nor close:
 * the connection hangs until the idle timeout. A 700-byte URL of '&' did it (found by
 * fuzz_serve_api), so a client could pin connections cheaply. The API reads a handful of
 * arguments; a request with more than MAX_QUERY_ARGS is cut off here, before they are parsed
 * (this callback sees the raw URI first): the socket is shut down and the client sees the
 * connection close without an answer. Its return value becomes the request's context: NULL. */
#define MAX_QUERY_ARGS 64

static void *on_uri(void *cls, const char *uri, struct MHD_Connection *con) {
    (void)cls;
    const char *q = strchr(uri, '?');
    size_t n = 0;
    if (q)
        for (n = 1; *q; q++)
            n += *q == '&';
    if (n > MAX_QUERY_ARGS) {
        vg_serve_log(VG_LOG_WARN, "http: a request with %zu query arguments (at most %d): closed",
                     n, MAX_QUERY_ARGS);
        const union MHD_ConnectionInfo *ci =
            MHD_get_connection_info(con, MHD_CONNECTION_INFO_CONNECTION_FD);
        if (ci)
            shutdown(ci->connect_fd, SHUT_RDWR);
    }
    return NULL;
}

int serve_http_start(vg_serve *s, vg_error *err) {
    struct addrinfo hints, *ai = NULL;
    memset(&hints, 0, sizeof hints);
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
    char port[16];
    snprintf(port, sizeof port, "%u", s->cfg.port);
    int g = getaddrinfo(s->cfg.host, port, &hints, &ai);
    if (g != 0)
        return vg_error_set(err, VG_ERR_INVALID, "listen: %s: %s", s->cfg.host, gai_strerror(g));
    if (s->cfg.auth_off && !is_loopback(ai->ai_addr)) {
        freeaddrinfo(ai);
        return vg_error_set(err, VG_ERR_INVALID,
                            "refusing to listen on %s with authentication off: anyone who can "
                            "reach it could change or delete models. Listen on 127.0.0.1 or ::1, "
                            "or use tokens (auth.mode: tokens, docs/serve.md)",
                            s->cfg.host);
    }
    if (!s->limits && !(s->limits = serve_limits_new(4096))) {
        freeaddrinfo(ai);
        return vg_error_set(err, VG_ERR_NOMEM, "out of memory");
    }
    char *cert = NULL, *key = NULL;
    if (s->cfg.tls_cert) {
        if (!(cert = read_pem(s->cfg.tls_cert, 0, err)) ||
            !(key = read_pem(s->cfg.tls_key, 1, err))) {
            free(cert);
            freeaddrinfo(ai);
            return err->code;
        }
    }
    /* ITC: MHD_quiesce_daemon (stop accepting at shutdown) needs it with internal threads */
    unsigned flags =
        MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ITC | MHD_USE_ERROR_LOG;
    if (ai->ai_family == AF_INET6)
        flags |= MHD_USE_IPv6;
    if (cert)
        flags |= MHD_USE_TLS;
    /* the TLS options last: with no certificate they are left out (MHD_OPTION_END first) */
    s->mhd = MHD_start_daemon(
        flags, (uint16_t)s->cfg.port, accept_policy, s, on_request, s, MHD_OPTION_EXTERNAL_LOGGER,
        mhd_log, NULL, MHD_OPTION_SOCK_ADDR, ai->ai_addr, MHD_OPTION_THREAD_POOL_SIZE,
        s->cfg.threads, MHD_OPTION_NOTIFY_COMPLETED, on_completed, s, MHD_OPTION_UNESCAPE_CALLBACK,
        unescape, NULL, MHD_OPTION_URI_LOG_CALLBACK, on_uri, NULL, MHD_OPTION_CONNECTION_TIMEOUT,
        (unsigned)120, MHD_OPTION_NOTIFY_CONNECTION, on_connection, s,
        cert ? MHD_OPTION_HTTPS_MEM_CERT : MHD_OPTION_END, cert, MHD_OPTION_HTTPS_MEM_KEY, key,
        MHD_OPTION_END);
    freeaddrinfo(ai);
    /* libmicrohttpd copies neither: they must live until MHD_start_daemon returned, and GnuTLS
     * has parsed them by then */
    if (key)
        OPENSSL_cleanse(key, strlen(key));
    free(cert);
    free(key);
    if (!s->mhd)
        return vg_error_set(err, VG_ERR_IO,
                            "cannot listen on %s:%u (address in use, not permitted, or the TLS "
                            "certificate and key do not go together)",
                            s->cfg.host, s->cfg.port);
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(s->mhd, MHD_DAEMON_INFO_BIND_PORT);
    s->port = info ? info->port : s->cfg.port;
    return VG_OK;
}

void serve_http_stop(vg_serve *s) {
    if (!s->mhd)
        return;
    /* stop accepting, then give the requests in flight (a batch waiting for its journal
     * commit, say) up to 10 s to be answered before the connections are closed */
    MHD_socket fd = MHD_quiesce_daemon(s->mhd);
    if (fd != MHD_INVALID_SOCKET)
        close(fd);
    for (int i = 0; i < 1000 && atomic_load(&s->inflight) > 0; i++) {
        struct timespec ts = {0, 10 * 1000000L};
        nanosleep(&ts, NULL);
    }
    MHD_stop_daemon(s->mhd);
    s->mhd = NULL;
}
