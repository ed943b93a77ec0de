/*
 * libFuzzer target: the daemon's JSON API end to end, in process. LLVMFuzzerInitialize starts a
 * real daemon (vg_serve_start + vg_serve_recover on a fresh data directory, default settings but
 * a small body cap, port 0) with two models, their references and an alert rule; every input
 * becomes one HTTP/1.1 request sent over a loopback socket, and the answer is read whole.
 *
 * The input is decoded so that any bytes make a well-formed request to a chosen route:
 *   byte 0  the route (every one of src/serve/http.c's table, plus a raw path)
 *   byte 1  the method: below 192 one the route takes, else any of GET HEAD POST PUT DELETE
 *           PATCH OPTIONS
 *   byte 2  low 3 bits the Content-Type (none, JSON, NDJSON, CSV, octet-stream, text/plain, JSON
 *           with charset, CSV with a parameter); bit 7 adds Content-Encoding: gzip; the
 *           Authorization header is the admin token the daemon made at its first start, none
 *           when bit 6 is set, and that token with a wrong secret when bit 5 is (both 401 but
 *           on /healthz and /readyz)
 *   byte 3  the {model}: "m" (time windows, CSV reference), "c" (count windows), "x" (unknown
 *           until the input registers it) or the parameter line
 *   then    a parameter line (the {key}/{id}, a model name, or the raw path; "@" as the {id} of
 *           an ack or silence route is the first alert or silence the daemon lists), a query
 *           line, and the body; lines end at '\n'. Path and query bytes are percent-encoded, so
 * every byte value reaches the daemon's decoder (including %00).
 *
 * Checked on every answer: a well-formed HTTP/1.1 status line and headers, a body of exactly
 * Content-Length bytes, a status among those docs/api.md documents (200 201 400 401 404 405 409
 * 413 415), never a 5xx: the disk and memory are healthy here, so a 500 or 503 can only be a bug
 * the request provoked. JSON answers parse; error answers have {"error": {"code", "message"}};
 * a 405 has Allow; /metrics is valid Prometheus text (name, labels with legal escapes, a
 * number). After each input /healthz answers 200.
 *
 * Models "m" and "c" are registered again (with their references) when an input deleted them.
 * State is bounded: every VG_FUZZ_RESTART inputs (default 5000) the daemon is stopped and
 * started again on the same directory (so recovery replays whatever the inputs stored and must
 * succeed), and every fourth restart starts from an empty directory. TMPDIR picks where the
 * data directories go (default /tmp). VG_FUZZ_LOG=debug shows the daemon's log.
 */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "serve/internal.h"

#define BODY_CAP 32768 /* max_body_bytes: inputs of up to 64 KiB also reach the 413 paths */
#define IO_TIMEOUT_MS 20000

static const char *const METHODS[] = {"GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"};

/* The routes of http.c (kept in step by hand: a route missing here is not fuzzed). {model} is
 * %M, {key}/{id} is %K; the methods are those the route takes. */
static const struct {
    const char *path;
    const char *methods[4];
} ROUTES[] = {
    {"/v1/models", {"GET", "POST"}},
    {"/v1/models/%M", {"GET", "PUT", "DELETE"}},
    {"/v1/models/%M/reference", {"GET", "PUT", "POST"}},
    {"/v1/models/%M/predictions", {"POST"}},
    {"/v1/models/%M/labels", {"POST"}},
    {"/v1/models/%M/flush", {"POST"}},
    {"/v1/models/%M/windows", {"GET"}},
    {"/v1/models/%M/windows/open", {"GET"}},
    {"/v1/models/%M/windows/%K", {"GET"}},
    {"/v1/models/%M/windows/%K/profile", {"GET"}},
    {"/v1/models/%M/series", {"GET"}},
    {"/v1/models/%M/rejected", {"GET"}},
    {"/v1/rules", {"GET"}},
    {"/v1/alerts", {"GET"}},
    {"/v1/alerts/history", {"GET"}},
    {"/v1/alerts/%K/ack", {"POST"}},
    {"/v1/silences", {"GET", "POST"}},
    {"/v1/silences/%K", {"GET", "DELETE"}},
    {"/healthz", {"GET"}},
    {"/readyz", {"GET"}},
    {"/metrics", {"GET"}},
    /* security routes (admin): DELETE /v1/tokens/{id} is left out, as it could revoke the
     * admin token every other input authenticates with */
    {"/v1/tokens", {"GET", "POST"}},
    {"/v1/tokens/%K", {"GET"}},
    {"/v1/audit", {"GET"}},
    {"/v1/models/%M/records/%K", {"DELETE"}},
    {"/v1/models/%M/erase", {"POST"}},
    {"%R", {"GET", "POST"}}, /* the parameter line is the path */
};
#define N_ROUTES (sizeof ROUTES / sizeof ROUTES[0])
#define R_ACK 15 /* the index of /v1/alerts/%K/ack */

static const char *const TYPES[] = {NULL,
                                    "application/json",
                                    "application/x-ndjson",
                                    "text/csv",
                                    "application/octet-stream",
                                    "text/plain",
                                    "application/json; charset=utf-8",
                                    "text/csv; header=present"};

static const char SPEC_M[] =
    "{\"name\": \"m\", \"task\": \"binary\", \"features\": ["
    "{\"name\": \"age\", \"type\": \"numeric\", \"required\": true},"
    "{\"name\": \"region\", \"type\": \"categorical\"},"
    "{\"name\": \"vip\", \"type\": \"boolean\"},"
    "{\"name\": \"note\", \"type\": \"text\"}],"
    "\"sensitive\": [\"region\"], \"window\": {\"duration\": \"1h\", \"lateness\": \"5m\"},"
    "\"label_ttl\": \"1d\", \"max_join\": 1000}";
static const char SPEC_C[] = "{\"name\": \"c\", \"task\": \"regression\", \"features\": ["
                             "{\"name\": \"x\", \"type\": \"numeric\"},"
                             "{\"name\": \"k\", \"type\": \"categorical\"}],"
                             "\"window\": {\"count\": 20}, \"max_join\": 1000}";
static const char ALERTS[] = "alerts:\n"
                             "  rules:\n"
                             "    - {name: rows, metric: window_rows, op: '>', threshold: 0,"
                             " for_windows: 2, severity: info}\n"
                             "    - {name: drift, metric: drift_score, op: '>', threshold: 0.1}\n";

static vg_serve *daemon_s;
static unsigned daemon_port;
static char data_dir[512];
static unsigned long n_inputs, restart_every = 5000, n_restarts;
static int conn = -1; /* kept alive between requests */
static int log_level = VG_LOG_ERROR;
/* "Authorization: Bearer <the bootstrap admin token>\r\n", and the same with a wrong secret */
static char auth_good[160], auth_bad[160];
static const char *auth_header = auth_good;
static unsigned long seen[N_ROUTES][6]; /* answers per route and status class, for VG_FUZZ_STATS */

static void die(const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 1, 2), noreturn))
#endif
    ;
static void die(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "fuzz_serve_api: ");
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\n");
    va_end(ap);
    if (data_dir[0])
        fprintf(stderr, "fuzz_serve_api: the daemon's data directory is kept: %s\n", data_dir);
    abort();
}

/* ---- a small HTTP/1.1 client ---- */

typedef struct {
    char *buf; /* head and body, NUL-terminated */
    size_t len, head_len;
    unsigned status;
    long content_length; /* -1: none */
    char type[128], allow[128];
    int close; /* Connection: close */
    const char *body;
    size_t body_len;
} answer;

static void answer_free(answer *a) {
    free(a->buf);
    memset(a, 0, sizeof *a);
}

static void conn_close(void) {
    if (conn < 0)
        return;
    /* reset rather than linger in TIME_WAIT: hundreds of connections a second would use up
     * the ephemeral ports */
    struct linger lg = {1, 0};
    setsockopt(conn, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
    close(conn);
    conn = -1;
}

static int conn_open(void) {
    if (conn >= 0)
        return 0;
    conn = socket(AF_INET, SOCK_STREAM, 0);
    if (conn < 0)
        return -1;
    int one = 1;
    setsockopt(conn, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_port = htons((uint16_t)daemon_port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(conn, (struct sockaddr *)&a, sizeof a) != 0) {
        conn_close();
        return -1;
    }
    return 0;
}

/* Writes everything; 0, or -1 when the peer closed or reset (errno kept). */
static int send_all(const char *p, size_t n) {
    while (n) {
        struct pollfd pf = {conn, POLLOUT, 0};
        if (poll(&pf, 1, IO_TIMEOUT_MS) != 1)
            die("cannot send the request within %d ms", IO_TIMEOUT_MS);
        ssize_t w = send(conn, p, n, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

/* Reads more into a->buf; returns bytes read, 0 at end of stream, -1 on reset. Dies on a
 * timeout: the daemon hangs. */
static ssize_t recv_more(answer *a, size_t *cap) {
    if (a->len + 4096 + 1 > *cap) {
        *cap = (*cap ? *cap * 2 : 16384) + 4096;
        a->buf = realloc(a->buf, *cap);
        if (!a->buf)
            die("out of memory");
    }
    for (;;) {
        struct pollfd pf = {conn, POLLIN, 0};
        int pr = poll(&pf, 1, IO_TIMEOUT_MS);
        if (pr == 0)
            die("no answer within %d ms", IO_TIMEOUT_MS);
        if (pr < 0 && errno == EINTR)
            continue;
        ssize_t r = recv(conn, a->buf + a->len, *cap - a->len - 1, 0);
        if (r < 0 && errno == EINTR)
            continue;
        if (r > 0) {
            a->len += (size_t)r;
            a->buf[a->len] = 0;
        }
        return r;
    }
}

static const char *header(const char *head, size_t head_len, const char *name, char *out,
                          size_t cap) {
    size_t nl = strlen(name);
    const char *p = strstr(head, "\r\n");
    while (p && (size_t)(p - head) < head_len) {
        p += 2;
        if (!strncasecmp(p, name, nl) && p[nl] == ':') {
            const char *v = p + nl + 1;
            while (*v == ' ')
                v++;
            size_t l = strcspn(v, "\r");
            if (l >= cap)
                l = cap - 1;
            memcpy(out, v, l);
            out[l] = 0;
            return out;
        }
        p = strstr(p, "\r\n");
    }
    return NULL;
}

/* Reads one answer: the head, then Content-Length bytes (none for HEAD). 0, or -1 when the
 * connection ended before a complete head (the caller decides whether that is allowed). */
static int read_answer(int head_only, answer *a) {
    size_t cap = 0;
    memset(a, 0, sizeof *a);
    a->content_length = -1;
    char *end = NULL;
    while (!(a->buf && (end = strstr(a->buf, "\r\n\r\n")))) {
        if (a->len > 65536)
            die("an answer head over 64 KiB");
        if (recv_more(a, &cap) <= 0)
            return -1;
    }
    a->head_len = (size_t)(end - a->buf) + 4;
    unsigned st = 0;
    char sp = 0;
    if (sscanf(a->buf, "HTTP/1.1 %3u%c", &st, &sp) != 2 || sp != ' ' || st < 100 || st > 599)
        die("bad status line: %.80s", a->buf);
    a->status = st;
    char v[128];
    if (header(a->buf, a->head_len, "Content-Length", v, sizeof v)) {
        char *e;
        a->content_length = strtol(v, &e, 10);
        if (*e || a->content_length < 0)
            die("bad Content-Length '%s'", v);
    }
    if (header(a->buf, a->head_len, "Transfer-Encoding", v, sizeof v))
        die("unexpected Transfer-Encoding '%s' (bodies are buffered)", v);
    header(a->buf, a->head_len, "Content-Type", a->type, sizeof a->type);
    header(a->buf, a->head_len, "Allow", a->allow, sizeof a->allow);
    a->close = header(a->buf, a->head_len, "Connection", v, sizeof v) && !strcasecmp(v, "close");
    size_t want = head_only ? 0 : a->content_length >= 0 ? (size_t)a->content_length : SIZE_MAX;
    while (a->len - a->head_len < want) {
        ssize_t r = recv_more(a, &cap);
        if (r <= 0) {
            if (want == SIZE_MAX)
                break; /* no length: the body ends with the connection */
            die("the body ended after %zu of %zu bytes", a->len - a->head_len, want);
        }
    }
    if (want != SIZE_MAX && a->len - a->head_len > want)
        die("%zu bytes after the body", a->len - a->head_len - want);
    if (want == SIZE_MAX)
        a->close = 1;
    a->body = a->buf + a->head_len;
    a->body_len = a->len - a->head_len;
    return 0;
}

/* One request over the kept connection (opened again when the daemon closed it): 0 with the
 * answer, or -1 when the daemon closed the connection without one, as it may for a body over
 * the cap (the early 413 and close) and for more than 64 query arguments. */
static int request(const char *method, const char *target, const char *type, int gzip,
                   const char *body, size_t len, answer *a) {
    char head[8192];
    int n =
        snprintf(head, sizeof head,
                 "%s %s HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: %zu\r\n%s%s%s%s%s\r\n",
                 method, target, len, auth_header, type ? "Content-Type: " : "", type ? type : "",
                 type ? "\r\n" : "", gzip ? "Content-Encoding: gzip\r\n" : "");
    if (n < 0 || (size_t)n >= sizeof head)
        die("request head too long");
    for (int attempt = 0;; attempt++) {
        int reused = conn >= 0;
        if (conn_open() != 0)
            die("cannot connect to the daemon on port %u: %s", daemon_port, strerror(errno));
        if (send_all(head, (size_t)n) == 0)
            send_all(body, len); /* a failure shows as a missing answer below */
        int rc = read_answer(!strcmp(method, "HEAD"), a);
        if (rc == 0) {
            if (a->close)
                conn_close();
            return 0;
        }
        answer_free(a);
        conn_close();
        const char *q = strchr(target, '?');
        size_t args = 0;
        for (; q && *q; q++)
            args += *q == '?' || *q == '&';
        if (len > BODY_CAP || args > 64)
            return -1; /* refused early and closed, as documented (docs/api.md#errors) */
        if (attempt == 0 && reused)
            continue; /* the kept connection had been closed by the daemon (idle) */
        die("the connection closed without an answer to %s %s", method, target);
    }
}

/* ---- checks ---- */

static int prom_name_char(char c, int first) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':' ||
           (!first && c >= '0' && c <= '9');
}

/* One sample line of the text format 0.0.4: name{l="v",...} value [timestamp]. */
static int prom_sample_ok(const char *p, const char *e) {
    if (p == e || !prom_name_char(*p, 1))
        return 0;
    while (p < e && prom_name_char(*p, 0))
        p++;
    if (p < e && *p == '{') {
        p++;
        while (p < e && *p != '}') {
            if (!prom_name_char(*p, 1))
                return 0;
            while (p < e && prom_name_char(*p, 0))
                p++;
            if (e - p < 2 || p[0] != '=' || p[1] != '"')
                return 0;
            p += 2;
            while (p < e && *p != '"') {
                if (*p == '\\') {
                    if (e - p < 2 || (p[1] != '\\' && p[1] != '"' && p[1] != 'n'))
                        return 0;
                    p++;
                }
                p++;
            }
            if (p == e)
                return 0;
            p++;
            if (p < e && *p == ',')
                p++;
        }
        if (p == e)
            return 0;
        p++;
    }
    if (p == e || *p != ' ')
        return 0;
    p++;
    char num[64];
    size_t l = (size_t)(e - p);
    const char *sp = memchr(p, ' ', l);
    if (sp)
        l = (size_t)(sp - p);
    if (l == 0 || l >= sizeof num)
        return 0;
    memcpy(num, p, l);
    num[l] = 0;
    char *end;
    if (strcmp(num, "+Inf") && strcmp(num, "-Inf") && strcmp(num, "NaN")) {
        strtod(num, &end);
        if (*end)
            return 0;
    }
    return 1;
}

static void check_metrics(const answer *a) {
    const char *p = a->body, *end = a->body + a->body_len;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        if (!nl)
            die("/metrics: the last line has no newline");
        if (*p != '#' && !prom_sample_ok(p, nl))
            die("/metrics: not a valid sample line: %.*s", (int)(nl - p), p);
        p = nl + 1;
    }
}

static void check_answer(const char *method, const char *target, unsigned route, const answer *a) {
    static const unsigned documented[] = {200, 201, 400, 401, 404, 405, 409, 413, 415};
    int ok = 0;
    for (size_t i = 0; i < sizeof documented / sizeof documented[0]; i++)
        ok |= a->status == documented[i];
    if (!ok)
        die("%s %s -> %u (not a documented status): %.*s", method, target, a->status,
            (int)(a->body_len > 2000 ? 2000 : a->body_len), a->body);
    if (a->content_length < 0)
        die("%s %s -> %u without Content-Length", method, target, a->status);
    if (a->status == 405 && !a->allow[0])
        die("%s %s -> 405 without Allow", method, target);
    if (!strcmp(method, "HEAD"))
        return;
    if (!strncmp(a->type, "application/json", 16)) {
        json_error_t je;
        /* "\u0000" is valid JSON (a NUL in an uploaded category, say): allowed */
        json_t *j = json_loadb(a->body, a->body_len, JSON_ALLOW_NUL, &je);
        if (!j)
            die("%s %s -> %u: the JSON body does not parse (%s): %.*s", method, target, a->status,
                je.text, (int)(a->body_len > 2000 ? 2000 : a->body_len), a->body);
        if (a->status >= 400) {
            json_t *err = json_object_get(j, "error");
            int batch = a->status == 400 && json_object_get(j, "accepted") &&
                        json_object_get(j, "rejected");
            if (!batch && (!json_is_string(json_object_get(err, "code")) ||
                           !json_is_string(json_object_get(err, "message"))))
                die("%s %s -> %u: not an error body: %.*s", method, target, a->status,
                    (int)(a->body_len > 2000 ? 2000 : a->body_len), a->body);
        }
        json_decref(j);
    } else if (a->status >= 400) {
        die("%s %s -> %u with Content-Type '%s' (errors are JSON)", method, target, a->status,
            a->type);
    }
    if (!strcmp(ROUTES[route].path, "/metrics") && a->status == 200)
        check_metrics(a);
}

static void healthz(void) {
    answer a;
    if (request("GET", "/healthz", NULL, 0, "", 0, &a) != 0 || a.status != 200 || a.body_len != 3 ||
        memcmp(a.body, "ok\n", 3))
        die("/healthz did not answer 200 ok");
    answer_free(&a);
}

/* ---- the daemon ---- */

static void must(const char *method, const char *target, const char *type, const char *body,
                 unsigned want) {
    answer a;
    if (request(method, target, type, 0, body, strlen(body), &a) != 0 || a.status != want)
        die("set-up: %s %s -> %u, not %u: %.*s", method, target, a.status, want, (int)a.body_len,
            a.body ? a.body : "");
    answer_free(&a);
}

static char ref_csv[8192], ref_ndjson[8192];

static void make_references(void) {
    size_t n = (size_t)snprintf(ref_csv, sizeof ref_csv, "age,region,vip,note,prediction,label\n");
    for (int i = 0; i < 60; i++)
        n += (size_t)snprintf(ref_csv + n, sizeof ref_csv - n, "%d,%s,%s,n%d,%.3f,%d\n",
                              20 + (i * 7) % 50, i % 3 ? "north" : "south",
                              i % 4 ? "true" : "false", i, (i % 10) / 10.0, i % 10 >= 5);
    n = 0;
    for (int i = 0; i < 40; i++)
        n += (size_t)snprintf(ref_ndjson + n, sizeof ref_ndjson - n,
                              "{\"x\": %d.5, \"k\": \"k%d\"}\n", i, i % 3);
}

static void rmtree(const char *dir) {
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "fuzz_serve_api: could not remove %s\n", dir);
}

static void revive(void);

static void new_data_dir(void) {
    const char *tmp = getenv("TMPDIR");
    snprintf(data_dir, sizeof data_dir, "%s/vg_fuzz_api_XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(data_dir))
        die("mkdtemp %s: %s", data_dir, strerror(errno));
}

static void daemon_start(int fresh) {
    vg_serve_config c;
    vg_error err;
    vg_error_clear(&err);
    if (vg_serve_config_parse(ALERTS, strlen(ALERTS), "fuzz.yaml", &c, &err) != VG_OK)
        die("config: %s", err.msg);
    free(c.data_dir);
    c.data_dir = strdup(data_dir);
    c.port = 0;
    c.threads = 2;
    c.max_body_bytes = BODY_CAP;
    c.max_records = 1000;
    c.log_level = log_level;
    if (vg_serve_start(&c, &daemon_s, &err) != VG_OK)
        die("vg_serve_start: %s", err.msg);
    if (vg_serve_recover(daemon_s, &err) != VG_OK)
        die("vg_serve_recover: %s (after %lu inputs)", err.msg, n_inputs);
    daemon_port = vg_serve_port(daemon_s);
    /* the admin token the daemon wrote at its first start on this directory */
    char path[600], tok[128] = "";
    snprintf(path, sizeof path, "%s/admin-token", data_dir);
    FILE *f = fopen(path, "r");
    if (!f || !fgets(tok, sizeof tok, f))
        die("no admin token in %s", path);
    fclose(f);
    tok[strcspn(tok, "\r\n")] = 0;
    snprintf(auth_good, sizeof auth_good, "Authorization: Bearer %s\r\n", tok);
    size_t tl = strlen(tok);
    if (tl)
        tok[tl - 1] = tok[tl - 1] == 'A' ? 'B' : 'A';
    snprintf(auth_bad, sizeof auth_bad, "Authorization: Bearer %s\r\n", tok);
    auth_header = auth_good;
    if (!fresh)
        return;
    revive();
}

/* The id of the first item of a list the daemon gives ("" when none): "@" as the {key} of the
 * ack and silence routes stands for it, so that those reach an alert or silence that exists. */
static void first_id(const char *list, const char *array, const char *field, char *out,
                     size_t cap) {
    answer a;
    out[0] = 0;
    if (request("GET", list, NULL, 0, "", 0, &a) != 0)
        return;
    json_t *j = a.status == 200 ? json_loadb(a.body, a.body_len, 0, NULL) : NULL;
    json_t *v = json_object_get(json_array_get(json_object_get(j, array), 0), field);
    if (json_is_string(v))
        snprintf(out, cap, "%s", json_string_value(v));
    json_decref(j);
    answer_free(&a);
}

/* Inputs delete and replace models; the two of the set-up come back (with their reference)
 * when gone, so that most inputs reach a model that has data. */
static void revive(void) {
    static const struct { const char *name, *spec; } models[] = {{"m", SPEC_M}, {"c", SPEC_C}};
    for (size_t i = 0; i < 2; i++) {
        serve_model *m = serve_model_acquire(daemon_s, models[i].name);
        if (m) {
            serve_model_release(daemon_s, m);
            continue;
        }
        must("POST", "/v1/models", "application/json", models[i].spec, 201);
        char target[64];
        snprintf(target, sizeof target, "/v1/models/%s/reference", models[i].name);
        if (i == 0)
            must("PUT", target, "text/csv", ref_csv, 200);
        else
            must("PUT", target, "application/x-ndjson", ref_ndjson, 200);
    }
}

static void daemon_stop(void) {
    conn_close();
    vg_serve_stop(daemon_s);
    daemon_s = NULL;
}

static void at_exit(void) {
    if (getenv("VG_FUZZ_STATS")) {
        fprintf(stderr, "fuzz_serve_api: %lu inputs, %lu restarts; answers by route:\n", n_inputs,
                n_restarts);
        for (size_t i = 0; i < N_ROUTES; i++)
            fprintf(stderr, "  %-36s 2xx %lu 4xx %lu none %lu\n", ROUTES[i].path, seen[i][2],
                    seen[i][4], seen[i][0]);
    }
    daemon_stop();
    rmtree(data_dir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerInitialize(int *argc, char ***argv) {
    (void)argc;
    (void)argv;
    const char *lvl = getenv("VG_FUZZ_LOG");
    if (lvl && vg_serve_log_level_parse(lvl) >= 0)
        log_level = vg_serve_log_level_parse(lvl);
    vg_serve_log_set_level(log_level);
    const char *re = getenv("VG_FUZZ_RESTART");
    if (re && atol(re) > 0)
        restart_every = (unsigned long)atol(re);
    make_references();
    new_data_dir();
    daemon_start(1);
    atexit(at_exit);
    return 0;
}

/* ---- decoding an input ---- */

static void pct(char **w, const char *end, unsigned char ch, int keep) {
    static const char hex[] = "0123456789ABCDEF";
    int plain = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
                ch == '-' || ch == '.' || ch == '_' || ch == '~' || (keep && strchr("&=", ch));
    if (*w + 3 >= end)
        return;
    if (plain) {
        *(*w)++ = (char)ch;
    } else {
        *(*w)++ = '%';
        *(*w)++ = hex[ch >> 4];
        *(*w)++ = hex[ch & 15];
    }
}

/* The next line of the input (without its '\n'), at most max bytes. */
static const uint8_t *next_line(const uint8_t **p, const uint8_t *end, size_t max, size_t *len) {
    const uint8_t *s = *p;
    const uint8_t *nl = memchr(s, '\n', (size_t)(end - s));
    const uint8_t *e = nl ? nl : end;
    if ((size_t)(e - s) > max)
        e = s + max;
    *len = (size_t)(e - s);
    *p = nl && e == nl ? nl + 1 : e;
    return s;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 4)
        return -1;
    if (++n_inputs % restart_every == 0) {
        daemon_stop();
        if (getenv("VG_FUZZ_STATS")) { /* how the store grows between restarts */
            char cmd[600];
            snprintf(cmd, sizeof cmd, "du -sk '%s' >&2", data_dir);
            if (system(cmd) != 0)
                fprintf(stderr, "fuzz_serve_api: du failed\n");
        }
        int fresh = ++n_restarts % 4 == 0;
        if (fresh) {
            rmtree(data_dir);
            new_data_dir();
        }
        daemon_start(fresh);
    }
    unsigned route = data[0] % N_ROUTES;
    size_t nm = 0;
    while (nm < 4 && ROUTES[route].methods[nm])
        nm++;
    const char *method = data[1] < 192 ? ROUTES[route].methods[data[1] % nm]
                                       : METHODS[data[1] % (sizeof METHODS / sizeof METHODS[0])];
    if (!strcmp(ROUTES[route].path, "/v1/tokens/%K") && !strcmp(method, "DELETE"))
        method = "GET"; /* never revoke the token the fuzzer authenticates with */
    const char *type = TYPES[data[2] & 7];
    int gzip = data[2] >> 7;
    const uint8_t *p = data + 4, *end = data + size;
    size_t plen, qlen;
    const uint8_t *param = next_line(&p, end, 512, &plen);
    const uint8_t *query = next_line(&p, end, 2048, &qlen);
    const char *body = (const char *)p;
    size_t blen = (size_t)(end - p);

    /* the request target: the route's path with %M and %K filled in, then ?query */
    char target[8192], *w = target, *tend = target + sizeof target - 1;
    for (const char *t = ROUTES[route].path; *t && w < tend - 8; t++) {
        if (t[0] == '%' && (t[1] == 'M' || t[1] == 'K' || t[1] == 'R')) {
            char which = t[1];
            t++;
            if (which == 'M' && (data[3] & 3) != 3) {
                *w++ = "mcx"[data[3] & 3];
                continue;
            }
            if (which == 'R') { /* raw: '/' kept so that it splits into segments */
                *w++ = '/';
                for (size_t i = 0; i < plen; i++)
                    if (param[i] == '/')
                        *w++ = '/';
                    else
                        pct(&w, tend, param[i], 0);
                continue;
            }
            if (which == 'K' && plen == 1 && param[0] == '@') {
                char id[128];
                if (route == R_ACK)
                    first_id("/v1/alerts", "alerts", "fingerprint", id, sizeof id);
                else
                    first_id("/v1/silences", "silences", "id", id, sizeof id);
                for (const char *c = id; *c; c++)
                    pct(&w, tend, (unsigned char)*c, 0);
                continue;
            }
            for (size_t i = 0; i < plen; i++)
                pct(&w, tend, param[i], 0);
            continue;
        }
        *w++ = *t;
    }
    if (qlen) {
        *w++ = '?';
        for (size_t i = 0; i < qlen; i++)
            pct(&w, tend, query[i], 1);
    }
    *w = 0;

    revive();
    answer a;
    auth_header = data[2] & 0x40 ? "" : data[2] & 0x20 ? auth_bad : auth_good;
    int rc = request(method, target, type, gzip, body, blen, &a);
    auth_header = auth_good;
    if (rc == 0) {
        check_answer(method, target, route, &a);
        seen[route][a.status / 100]++;
        answer_free(&a);
    } else {
        seen[route][0]++;
    }
    healthz();
    return 0;
}
