/*
 * Copyright 2026 The vigia authors
 * SPDX-License-Identifier: Apache-2.0
 *
 * loadgen: posts prediction batches to a running `vigia serve` as fast as it acknowledges them
 * and prints the throughput and latency it got (bench/serve drives it; see bench/README.md).
 *
 *     loadgen [--host H] [--port P] [--model M] [--models K] [--features N] [-c CONNS]
 *             [-b BATCH] [-d SECONDS] [--warmup SECONDS] [--event-span DURATION
 *             [--window DURATION] [--lateness DURATION]] [--drift] [--json]
 *     loadgen --spec [--model M] [--models K] [--features N] [--window DURATION]
 *             [--lateness DURATION]          prints the model spec(s) to register, one a line
 *
 * Each of CONNS threads holds one HTTP/1.1 keep-alive connection and sends one request at a
 * time (a client that waits for its acknowledgement, as an inference server does before it
 * forgets a batch), so the figures include the daemon's group commit. The bodies are built
 * before the clock starts: BATCH NDJSON records of a credit model with N features (20 by
 * default; of every ten, 7 numeric and 3 categorical, a few values missing: age, income, ...,
 * channel, then age_1, income_1, ...) and a score, in 16 variants per thread; only the
 * timestamps are rewritten before each send (to the current second, so that the records fall
 * into the open event-time window instead of being rejected as late). With --drift, half of
 * the variants have shifted distributions. Plain sockets, no HTTP library: the client must
 * cost little next to the server it measures, on the same machine.
 *
 * With --models K > 1 the models are M0 .. M(K-1) (bench0, bench1, ...) and each thread sends
 * its batches to them in turn (thread t's j-th batch to model (t + j) mod K). With
 * --event-span D the event time does not follow the clock: it runs from T0, the start of the
 * --window (1h) D + one window before now, evenly over warm-up plus measured period, to T0 + D
 * + lateness + 1 s, so that the D / window windows of every model close during the run
 * (--event-span 24h: a day of hourly windows, 24 closed per model); the timestamps stay in the
 * past, never in the future the daemon rejects.
 *
 * Reported: records/s and batches/s over the measured period (after the warm-up), the
 * request latency p50/p90/p99/max, the records the daemon said it accepted and rejected
 * (from the "accepted" count and the "rejected" list of its JSON answers), HTTP errors
 * (non-2xx answers) and connection errors. Exit status 1 when any request failed.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#define VARIANTS 16
#define MAX_CONNS 256
#define TS_LEN 24 /* "2026-03-02T08:00:00.000Z" */

/* ---- options ------------------------------------------------------------------------------ */

static const char *opt_host = "127.0.0.1";
static const char *opt_token = NULL; /* --token: sent as Authorization: Bearer */
static const char *opt_port = "8080";
static const char *opt_model = "bench";
static const char *opt_window = "1h";
static const char *opt_lateness = "5m";
static int opt_conns = 4;
static int opt_batch = 1000;
static double opt_duration = 10;
static double opt_warmup = 1;
static int opt_drift = 0;
static int opt_json = 0;
static int opt_features = 20;
static int opt_models = 1;
static const char *opt_span = NULL;     /* --event-span */
static int64_t span_t0_ms, span_run_ms; /* event time runs from span_t0_ms over span_run_ms */
static double span_mono0, span_wall_s;  /* ... while the monotonic clock runs this far */

/* ---- PRNG: xoshiro256** seeded through splitmix64 (Blackman & Vigna) ------------------------ */

typedef struct rng {
    uint64_t s[4];
} rng;

static uint64_t splitmix64(uint64_t *x) {
    uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static void rng_seed(rng *r, uint64_t seed) {
    for (int i = 0; i < 4; i++)
        r->s[i] = splitmix64(&seed);
}

static uint64_t rotl(uint64_t x, int k) {
    return (x << k) | (x >> (64 - k));
}

static uint64_t rng_next(rng *r) {
    uint64_t *s = r->s;
    uint64_t result = rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
}

static double rng_uniform(rng *r) { /* [0, 1) */
    return (double)(rng_next(r) >> 11) * 0x1.0p-53;
}

static double rng_normal(rng *r) { /* Box-Muller; one of the pair is enough here */
    double u = rng_uniform(r), v = rng_uniform(r);
    return sqrt(-2.0 * log(1.0 - u)) * cos(2.0 * M_PI * v);
}

static size_t rng_pick(rng *r, const double *cum, size_t n) { /* cumulative weights */
    double u = rng_uniform(r) * cum[n - 1];
    size_t i = 0;
    while (i + 1 < n && u >= cum[i])
        i++;
    return i;
}

/* ---- growable byte buffer ------------------------------------------------------------------- */

typedef struct buf {
    char *p;
    size_t len, cap;
} buf;

static void buf_reserve(buf *b, size_t extra) {
    if (b->len + extra <= b->cap)
        return;
    size_t cap = b->cap ? b->cap : 4096;
    while (cap < b->len + extra)
        cap *= 2;
    char *p = realloc(b->p, cap);
    if (!p) {
        fprintf(stderr, "loadgen: out of memory\n");
        exit(2);
    }
    b->p = p;
    b->cap = cap;
}

static void buf_printf(buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void buf_printf(buf *b, const char *fmt, ...) {
    va_list ap;
    for (;;) {
        va_start(ap, fmt);
        size_t room = b->cap - b->len;
        int n = vsnprintf(b->p ? b->p + b->len : NULL, room, fmt, ap);
        va_end(ap);
        if (n < 0) {
            fprintf(stderr, "loadgen: formatting failed\n");
            exit(2);
        }
        if ((size_t)n < room) {
            b->len += (size_t)n;
            return;
        }
        buf_reserve(b, (size_t)n + 1);
    }
}

/* ---- the records ------------------------------------------------------------------------ */

/* The model the records belong to: bench/serve registers it with `loadgen --spec`. */
static const char *const NUMERIC[] = {"age",           "income",      "credit_score", "loan_amount",
                                      "tenure_months", "utilization", "open_accounts"};
static const char *const CATEGORICAL[] = {"employment", "region", "channel"};
#define N_NUMERIC (sizeof NUMERIC / sizeof *NUMERIC)
#define N_CATEGORICAL (sizeof CATEGORICAL / sizeof *CATEGORICAL)

static const char *const EMPLOYMENT[] = {"salaried", "self-employed", "retired", "unemployed",
                                         "student"};
static const double EMPLOYMENT_W[] = {0.60, 0.15, 0.11, 0.08, 0.06};
static const char *const REGION[] = {"north", "south", "east", "west"};
static const double REGION_W[] = {0.25, 0.25, 0.25, 0.25};
static const char *const CHANNEL[] = {"web", "app", "branch", "broker", "phone", "partner"};
static const double CHANNEL_W[] = {0.40, 0.30, 0.12, 0.10, 0.05, 0.03};

#define GROUP 10 /* the ten base features repeat as age_1, income_1, ... */

/* The name of feature i into out: the base name, with "_g" after the first ten. */
static void feature_name(int i, char *out, size_t n) {
    int slot = i % GROUP, g = i / GROUP;
    const char *base = slot < (int)N_NUMERIC ? NUMERIC[slot] : CATEGORICAL[slot - N_NUMERIC];
    if (g == 0)
        snprintf(out, n, "%s", base);
    else
        snprintf(out, n, "%s_%d", base, g);
}

static int feature_is_numeric(int i) {
    return i % GROUP < (int)N_NUMERIC;
}

/* Model k's name: the --model name itself with one model, name0, name1, ... with several. */
static void model_name(int k, char *out, size_t n) {
    if (opt_models == 1)
        snprintf(out, n, "%s", opt_model);
    else
        snprintf(out, n, "%s%d", opt_model, k);
}

static void print_spec(void) {
    for (int k = 0; k < opt_models; k++) {
        char name[128];
        model_name(k, name, sizeof name);
        printf("{\"name\": \"%s\", \"version\": \"1\", \"task\": \"binary\", \"features\": [",
               name);
        for (int i = 0; i < opt_features; i++) {
            char f[64];
            feature_name(i, f, sizeof f);
            printf("%s{\"name\": \"%s\", \"type\": \"%s\"}", i ? ", " : "", f,
                   feature_is_numeric(i) ? "numeric" : "categorical");
        }
        /* "region" (feature 8) is the sensitive attribute when there is one */
        printf("], \"sensitive\": [%s], \"window\": {\"duration\": \"%s\", \"lateness\": "
               "\"%s\"}}\n",
               opt_features > 8 ? "\"region\"" : "", opt_window, opt_lateness);
    }
}

static const char *pick(rng *r, const char *const *names, const double *w, size_t n, double tilt) {
    double cum[8];
    double s = 0;
    for (size_t i = 0; i < n; i++) {
        /* drift moves weight towards the later categories */
        s += w[i] * (1.0 + tilt * (double)i);
        cum[i] = s;
    }
    return names[rng_pick(r, cum, n)];
}

/* One batch of n records: NDJSON, each line's timestamp at a recorded offset so that it can be
 * rewritten in place before each send. */
typedef struct batch {
    buf body;
    size_t *ts_at; /* offsets of the TS_LEN-byte timestamps */
    size_t n;
} batch;

static void build_batch(batch *b, rng *r, int thread, int variant, int n, int drift) {
    b->n = (size_t)n;
    b->ts_at = malloc(b->n * sizeof *b->ts_at);
    if (!b->ts_at) {
        fprintf(stderr, "loadgen: out of memory\n");
        exit(2);
    }
    double shift = drift ? 1.0 : 0.0;
    for (int i = 0; i < n; i++) {
        buf_printf(&b->body, "{\"id\":\"t%d-v%d-%d\",\"timestamp\":\"", thread, variant, i);
        b->ts_at[i] = b->body.len;
        buf_printf(&b->body, "%.*s\",\"features\":{", TS_LEN, "2026-01-01T00:00:00.000Z");
        double p = 0;
        for (int g = 0; g * GROUP < opt_features; g++) {
            /* one group of ten: every group drawn from the same distributions */
            double age = 45 + 14 * rng_normal(r) + 6 * shift;
            if (age < 18)
                age = 18;
            double income = exp(10.8 + 0.5 * rng_normal(r)) * (1 + 0.3 * shift);
            double score = 680 + 50 * rng_normal(r) - 25 * shift;
            double loan = exp(9.1 + 0.7 * rng_normal(r));
            double tenure = floor(rng_uniform(r) * 120);
            double util = rng_uniform(r) * (0.9 + 0.2 * shift);
            double accounts = floor(-log(1.0 - rng_uniform(r)) * 3);
            int income_null = rng_uniform(r) < 0.02 + 0.08 * shift;
            const char *cat[3] = {pick(r, EMPLOYMENT, EMPLOYMENT_W, 5, shift),
                                  pick(r, REGION, REGION_W, 4, 0.5 * shift),
                                  pick(r, CHANNEL, CHANNEL_W, 6, 0)};
            if (g == 0) {
                double logit = -3.0 + 0.02 * (age - 45) - 0.01 * (score - 680) + 1.5 * util;
                p = 1 / (1 + exp(-logit));
            }
            for (int slot = 0; slot < GROUP && g * GROUP + slot < opt_features; slot++) {
                int fi = g * GROUP + slot;
                char name[64];
                feature_name(fi, name, sizeof name);
                buf_printf(&b->body, "%s\"%s\":", fi ? "," : "", name);
                switch (slot) {
                case 0: buf_printf(&b->body, "%d", (int)age); break;
                case 1:
                    if (income_null)
                        buf_printf(&b->body, "null");
                    else
                        buf_printf(&b->body, "%.2f", income);
                    break;
                case 2: buf_printf(&b->body, "%d", (int)score); break;
                case 3: buf_printf(&b->body, "%.2f", loan); break;
                case 4: buf_printf(&b->body, "%d", (int)tenure); break;
                case 5: buf_printf(&b->body, "%.4f", util); break;
                case 6: buf_printf(&b->body, "%d", (int)accounts); break;
                default: buf_printf(&b->body, "\"%s\"", cat[slot - 7]); break;
                }
            }
        }
        buf_printf(&b->body, "},\"prediction\":{\"score\":%.4f}}\n", p);
    }
}

/* Writes the current time, with a per-record millisecond spread, over every timestamp; with
 * --event-span, the simulated event time instead (the spread goes back from it). */
static void stamp_batch(batch *b) {
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    time_t sec = now.tv_sec;
    int ms0 = (int)(now.tv_nsec / 1000000);
    bool span = opt_span != NULL;
    if (span) {
        struct timespec mono;
        clock_gettime(CLOCK_MONOTONIC, &mono);
        double f = ((double)mono.tv_sec + (double)mono.tv_nsec * 1e-9 - span_mono0) / span_wall_s;
        if (f > 1)
            f = 1;
        int64_t ev = span_t0_ms + (int64_t)(f * (double)span_run_ms);
        sec = (time_t)(ev / 1000);
        ms0 = (int)(ev % 1000);
    }
    struct tm tm;
    gmtime_r(&sec, &tm);
    char head[32];
    strftime(head, sizeof head, "%Y-%m-%dT%H:%M:%S", &tm); /* 19 characters */
    for (size_t i = 0; i < b->n; i++) {
        char *at = b->body.p + b->ts_at[i];
        int ms = (int)(i * 7 % (size_t)(ms0 + 1)); /* spread, but never in the future */
        memcpy(at, head, 19);
        at[19] = '.';
        at[20] = (char)('0' + ms / 100);
        at[21] = (char)('0' + ms / 10 % 10);
        at[22] = (char)('0' + ms % 10);
        at[23] = 'Z';
    }
}

/* "250ms", "90s", "15m", "1h", "2d" or plain seconds, to milliseconds; -1 when malformed. */
static int64_t parse_duration_ms(const char *s) {
    char *end;
    double v = strtod(s, &end);
    if (end == s || !(v >= 0))
        return -1;
    double mul = !strcmp(end, "ms")           ? 1
                 : !strcmp(end, "s") || !*end ? 1e3
                 : !strcmp(end, "m")          ? 60e3
                 : !strcmp(end, "h")          ? 3600e3
                 : !strcmp(end, "d")          ? 86400e3
                                              : -1;
    return mul < 0 ? -1 : (int64_t)(v * mul);
}

/* ---- HTTP/1.1 client ------------------------------------------------------------------------ */

static struct addrinfo *server_addr;

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int connect_server(char *why, size_t whylen) {
    int fd = socket(server_addr->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        snprintf(why, whylen, "socket: %s", strerror(errno));
        return -1;
    }
    if (connect(fd, server_addr->ai_addr, server_addr->ai_addrlen) != 0) {
        snprintf(why, whylen, "connect to %s:%s: %s", opt_host, opt_port, strerror(errno));
        close(fd);
        return -1;
    }
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    return fd;
}

static int send_all(int fd, struct iovec *iov, int n) {
    while (n > 0) {
        struct msghdr msg = {.msg_iov = iov, .msg_iovlen = (size_t)n};
        ssize_t w = sendmsg(fd, &msg, MSG_NOSIGNAL);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        size_t left = (size_t)w;
        while (n > 0 && left >= iov->iov_len) {
            left -= iov->iov_len;
            iov++;
            n--;
        }
        if (n > 0) {
            iov->iov_base = (char *)iov->iov_base + left;
            iov->iov_len -= left;
        }
    }
    return 0;
}

/* The answer to one request: status, body (in the connection's buffer) and whether the server
 * keeps the connection open. */
typedef struct response {
    int status;
    const char *body;
    size_t body_len;
    int close;
} response;

typedef struct conn {
    int fd;
    buf in;
} conn;

static ssize_t fill(conn *c) {
    buf_reserve(&c->in, 16384);
    for (;;) {
        ssize_t r = recv(c->fd, c->in.p + c->in.len, c->in.cap - c->in.len, 0);
        if (r < 0 && errno == EINTR)
            continue;
        if (r > 0)
            c->in.len += (size_t)r;
        return r;
    }
}

static int header_has(const char *h, size_t hlen, const char *name, const char *value) {
    /* case-insensitive search of "name: ...value" within the header block */
    size_t nl = strlen(name);
    for (const char *p = h; p + nl < h + hlen; p++) {
        if ((p == h || p[-1] == '\n') && strncasecmp(p, name, nl) == 0 && p[nl] == ':') {
            const char *e = memchr(p, '\n', (size_t)(h + hlen - p));
            size_t vl = strlen(value);
            for (const char *q = p + nl + 1; e && q + vl <= e; q++)
                if (strncasecmp(q, value, vl) == 0)
                    return 1;
        }
    }
    return 0;
}

static long header_long(const char *h, size_t hlen, const char *name) {
    size_t nl = strlen(name);
    for (const char *p = h; p + nl < h + hlen; p++)
        if ((p == h || p[-1] == '\n') && strncasecmp(p, name, nl) == 0 && p[nl] == ':')
            return strtol(p + nl + 1, NULL, 10);
    return -1;
}

/* Reads one response; 0, or -1 with why set. Handles Content-Length and chunked bodies. */
static int read_response(conn *c, response *out, char *why, size_t whylen) {
    c->in.len = 0;
    char *end = NULL;
    while (!end) {
        ssize_t r = fill(c);
        if (r <= 0) {
            snprintf(why, whylen, "%s",
                     r == 0 ? "connection closed by the server" : strerror(errno));
            return -1;
        }
        end = memmem(c->in.p, c->in.len, "\r\n\r\n", 4);
    }
    size_t hlen = (size_t)(end - c->in.p) + 4;
    if (c->in.len < 12 || strncmp(c->in.p, "HTTP/1.", 7) != 0) {
        snprintf(why, whylen, "not an HTTP response");
        return -1;
    }
    out->status = atoi(c->in.p + 9);
    out->close = header_has(c->in.p, hlen, "Connection", "close");
    long clen = header_long(c->in.p, hlen, "Content-Length");
    if (clen >= 0) {
        while (c->in.len < hlen + (size_t)clen)
            if (fill(c) <= 0) {
                snprintf(why, whylen, "short body");
                return -1;
            }
        out->body = c->in.p + hlen;
        out->body_len = (size_t)clen;
        return 0;
    }
    if (header_has(c->in.p, hlen, "Transfer-Encoding", "chunked")) {
        /* decode in place: chunks are moved down over their size lines */
        size_t rd = hlen, wr = hlen;
        for (;;) {
            char *nl;
            while (!(nl = memmem(c->in.p + rd, c->in.len - rd, "\r\n", 2)))
                if (fill(c) <= 0) {
                    snprintf(why, whylen, "short chunked body");
                    return -1;
                }
            size_t sz = strtoul(c->in.p + rd, NULL, 16);
            size_t data = (size_t)(nl - c->in.p) + 2;
            while (c->in.len < data + sz + 2)
                if (fill(c) <= 0) {
                    snprintf(why, whylen, "short chunked body");
                    return -1;
                }
            memmove(c->in.p + wr, c->in.p + data, sz);
            wr += sz;
            rd = data + sz + 2;
            if (sz == 0)
                break; /* trailers (none expected) are left unread */
        }
        out->body = c->in.p + hlen;
        out->body_len = wr - hlen;
        return 0;
    }
    snprintf(why, whylen, "response without Content-Length or chunked body");
    return -1;
}

/* How many times s occurs in the body. */
static long count_of(const char *body, size_t len, const char *s) {
    long n = 0;
    size_t sl = strlen(s);
    for (const char *p = body; (p = memmem(p, (size_t)(body + len - p), s, sl)); p += sl)
        n++;
    return n;
}

/* The number after "key": in a JSON body, or -1. */
static long json_count(const char *body, size_t len, const char *key) {
    char pat[64];
    int n = snprintf(pat, sizeof pat, "\"%s\"", key);
    const char *p = memmem(body, len, pat, (size_t)n);
    if (!p)
        return -1;
    p += n;
    while (p < body + len && (*p == ' ' || *p == ':'))
        p++;
    return p < body + len && *p >= '0' && *p <= '9' ? strtol(p, NULL, 10) : -1;
}

/* ---- the workers -------------------------------------------------------------------------- */

typedef struct worker {
    pthread_t tid;
    int id;
    batch variants[VARIANTS];
    double *lat; /* latencies of measured requests, seconds */
    size_t n_lat, cap_lat;
    uint64_t batches, records, accepted, rejected, http_errors, conn_errors;
    int counted; /* the server reported accepted/rejected counts */
    char first_error[256];
} worker;

static volatile int stop_flag;
static double t_measure, t_end;    /* monotonic: start of the measured period, end of the run */
static char (*request_paths)[160]; /* one per model */

static void note_error(worker *w, const char *what) {
    if (!w->first_error[0])
        snprintf(w->first_error, sizeof w->first_error, "%s", what);
}

static void *work(void *arg) {
    worker *w = arg;
    conn c = {.fd = -1};
    char why[200], head[512];
    size_t k = 0;
    while (!stop_flag) {
        double t0 = now_s();
        if (t0 >= t_end)
            break;
        if (c.fd < 0) {
            c.fd = connect_server(why, sizeof why);
            if (c.fd < 0) {
                w->conn_errors++;
                note_error(w, why);
                usleep(100000);
                continue;
            }
        }
        const char *request_path = request_paths[(size_t)(w->id + (int)k) % (size_t)opt_models];
        batch *b = &w->variants[k++ % VARIANTS];
        stamp_batch(b);
        int hl =
            snprintf(head, sizeof head,
                     "POST %s HTTP/1.1\r\nHost: %s:%s\r\nContent-Type: application/x-ndjson\r\n"
                     "%s%s%sContent-Length: %zu\r\n\r\n",
                     request_path, opt_host, opt_port, opt_token ? "Authorization: Bearer " : "",
                     opt_token ? opt_token : "", opt_token ? "\r\n" : "", b->body.len);
        struct iovec iov[2] = {{head, (size_t)hl}, {b->body.p, b->body.len}};
        response r;
        t0 = now_s();
        int failed = 0;
        if (send_all(c.fd, iov, 2) != 0) {
            snprintf(why, sizeof why, "send: %s", strerror(errno));
            failed = 1;
        } else if (read_response(&c, &r, why, sizeof why) != 0) {
            failed = 1;
        }
        if (failed) {
            w->conn_errors++;
            note_error(w, why);
            close(c.fd);
            c.fd = -1;
            continue;
        }
        double t1 = now_s();
        int measured = t0 >= t_measure;
        if (r.status < 200 || r.status > 299) {
            w->http_errors += measured;
            char msg[256];
            /* the body on one line, indentation squeezed */
            int n = snprintf(msg, sizeof msg, "HTTP %d: ", r.status);
            for (size_t i = 0; i < r.body_len && n < (int)sizeof msg - 1; i++) {
                char ch = r.body[i] == '\n' || r.body[i] == '\r' ? ' ' : r.body[i];
                if (ch != ' ' || (n > 0 && msg[n - 1] != ' '))
                    msg[n++] = ch;
            }
            msg[n] = 0;
            note_error(w, msg);
        } else if (measured) {
            w->batches++;
            w->records += b->n;
            long acc = json_count(r.body, r.body_len, "accepted");
            /* "rejected" is an array of {"index", "field", "reason"} (or a count) */
            long rej = json_count(r.body, r.body_len, "rejected");
            if (rej < 0)
                rej = count_of(r.body, r.body_len, "\"index\"");
            if (acc >= 0) {
                w->counted = 1;
                w->accepted += (uint64_t)acc;
                w->rejected += rej > 0 ? (uint64_t)rej : 0;
            }
            if (w->n_lat == w->cap_lat) {
                w->cap_lat = w->cap_lat ? 2 * w->cap_lat : 4096;
                w->lat = realloc(w->lat, w->cap_lat * sizeof *w->lat);
                if (!w->lat) {
                    fprintf(stderr, "loadgen: out of memory\n");
                    exit(2);
                }
            }
            w->lat[w->n_lat++] = t1 - t0;
        }
        if (r.close) {
            close(c.fd);
            c.fd = -1;
        }
    }
    if (c.fd >= 0)
        close(c.fd);
    free(c.in.p);
    return NULL;
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double quantile(const double *s, size_t n, double q) { /* s sorted, n > 0 */
    size_t i = (size_t)ceil(q * (double)n);
    return s[i ? i - 1 : 0];
}

static void usage(FILE *f) {
    fprintf(f, "usage: loadgen [--host H] [--port P] [--model M] [--models K] [--features N]\n"
               "               [-c CONNS] [-b BATCH] [-d SECONDS] [--warmup SECONDS]\n"
               "               [--event-span DURATION [--window DURATION] [--lateness DURATION]]\n"
               "               [--drift] [--json] [--token TOKEN]\n"
               "       loadgen --spec [--model M] [--models K] [--features N] [--window DURATION]\n"
               "               [--lateness DURATION]\n");
}

static void on_signal(int sig) {
    (void)sig;
    stop_flag = 1;
}

int main(int argc, char **argv) {
    int spec = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
#define VALUE()                                                                                    \
    do {                                                                                           \
        if (!v) {                                                                                  \
            fprintf(stderr, "loadgen: %s needs a value\n", a);                                     \
            return 2;                                                                              \
        }                                                                                          \
        i++;                                                                                       \
    } while (0)
        if (!strcmp(a, "--host")) {
            VALUE();
            opt_host = v;
        } else if (!strcmp(a, "--port")) {
            VALUE();
            opt_port = v;
        } else if (!strcmp(a, "--model")) {
            VALUE();
            opt_model = v;
        } else if (!strcmp(a, "--window")) {
            VALUE();
            opt_window = v;
        } else if (!strcmp(a, "--lateness")) {
            VALUE();
            opt_lateness = v;
        } else if (!strcmp(a, "-c") || !strcmp(a, "--connections")) {
            VALUE();
            opt_conns = atoi(v);
        } else if (!strcmp(a, "-b") || !strcmp(a, "--batch")) {
            VALUE();
            opt_batch = atoi(v);
        } else if (!strcmp(a, "-d") || !strcmp(a, "--duration")) {
            VALUE();
            opt_duration = atof(v);
        } else if (!strcmp(a, "--warmup")) {
            VALUE();
            opt_warmup = atof(v);
        } else if (!strcmp(a, "--features")) {
            VALUE();
            opt_features = atoi(v);
        } else if (!strcmp(a, "--models")) {
            VALUE();
            opt_models = atoi(v);
        } else if (!strcmp(a, "--event-span")) {
            VALUE();
            opt_span = v;
        } else if (!strcmp(a, "--token")) {
            VALUE();
            opt_token = v; /* an ingest token of vigia serve (docs/api.md, Authentication) */
        } else if (!strcmp(a, "--drift")) {
            opt_drift = 1;
        } else if (!strcmp(a, "--json")) {
            opt_json = 1;
        } else if (!strcmp(a, "--spec")) {
            spec = 1;
        } else if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            usage(stdout);
            return 0;
        } else {
            fprintf(stderr, "loadgen: unknown argument '%s'\n", a);
            usage(stderr);
            return 2;
        }
#undef VALUE
    }
    if (opt_features < 1 || opt_features > 1000 || opt_models < 1 || opt_models > 1000) {
        fprintf(stderr, "loadgen: --features must be 1..1000, --models 1..1000\n");
        return 2;
    }
    if (spec) {
        print_spec();
        return 0;
    }
    if (opt_conns < 1 || opt_conns > MAX_CONNS || opt_batch < 1 || opt_batch > 1000000 ||
        !(opt_duration > 0) || opt_warmup < 0) {
        fprintf(stderr, "loadgen: -c must be 1..%d, -b 1..1000000, -d > 0, --warmup >= 0\n",
                MAX_CONNS);
        return 2;
    }
    request_paths = calloc((size_t)opt_models, sizeof *request_paths);
    if (!request_paths) {
        fprintf(stderr, "loadgen: out of memory\n");
        return 2;
    }
    for (int k = 0; k < opt_models; k++) {
        char name[128];
        model_name(k, name, sizeof name);
        snprintf(request_paths[k], sizeof request_paths[k], "/v1/models/%s/predictions", name);
    }
    int64_t window_ms = parse_duration_ms(opt_window), late_ms = parse_duration_ms(opt_lateness);
    int64_t span_ms = opt_span ? parse_duration_ms(opt_span) : 0;
    if (opt_span && (span_ms <= 0 || window_ms <= 0 || late_ms < 0)) {
        fprintf(stderr, "loadgen: --event-span, --window and --lateness need durations such as "
                        "24h, 1h, 5m\n");
        return 2;
    }

    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM};
    int gai = getaddrinfo(opt_host, opt_port, &hints, &server_addr);
    if (gai != 0) {
        fprintf(stderr, "loadgen: %s:%s: %s\n", opt_host, opt_port, gai_strerror(gai));
        return 2;
    }

    worker *ws = calloc((size_t)opt_conns, sizeof *ws);
    if (!ws) {
        fprintf(stderr, "loadgen: out of memory\n");
        return 2;
    }
    size_t body_bytes = 0;
    for (int t = 0; t < opt_conns; t++) {
        rng r;
        rng_seed(&r, 0x5eed0000u + (uint64_t)t);
        ws[t].id = t;
        for (int v = 0; v < VARIANTS; v++) {
            build_batch(&ws[t].variants[v], &r, t, v, opt_batch, opt_drift && v >= VARIANTS / 2);
            body_bytes += ws[t].variants[v].body.len;
        }
    }
    double avg_record = (double)body_bytes / ((double)opt_conns * VARIANTS * opt_batch);

    struct sigaction sa = {.sa_handler = on_signal};
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);

    double t_start = now_s();
    if (opt_span) {
        /* T0: a window boundary span + one window before now, so that the last event time,
         * T0 + span + lateness + 1 s, is still in the past */
        struct timespec rt;
        clock_gettime(CLOCK_REALTIME, &rt);
        int64_t now_ms = (int64_t)rt.tv_sec * 1000 + rt.tv_nsec / 1000000;
        span_t0_ms = (now_ms - span_ms - window_ms - late_ms) / window_ms * window_ms;
        span_run_ms = span_ms + late_ms + 1000;
        span_mono0 = t_start;
        span_wall_s = opt_warmup + opt_duration;
    }
    t_measure = t_start + opt_warmup;
    t_end = t_measure + opt_duration;
    for (int t = 0; t < opt_conns; t++)
        if (pthread_create(&ws[t].tid, NULL, work, &ws[t]) != 0) {
            fprintf(stderr, "loadgen: cannot start thread %d\n", t);
            return 2;
        }
    for (int t = 0; t < opt_conns; t++)
        pthread_join(ws[t].tid, NULL);
    double t_stop = now_s();
    double period = (t_stop < t_end ? t_stop : t_end) - t_measure;
    if (period <= 0)
        period = 1e-9;

    uint64_t batches = 0, records = 0, accepted = 0, rejected = 0, http_err = 0, conn_err = 0;
    size_t n_lat = 0;
    int counted = 1;
    const char *first_error = NULL;
    for (int t = 0; t < opt_conns; t++) {
        batches += ws[t].batches;
        records += ws[t].records;
        accepted += ws[t].accepted;
        rejected += ws[t].rejected;
        http_err += ws[t].http_errors;
        conn_err += ws[t].conn_errors;
        n_lat += ws[t].n_lat;
        counted &= ws[t].counted || ws[t].batches == 0;
        if (!first_error && ws[t].first_error[0])
            first_error = ws[t].first_error;
    }
    double *lat = malloc((n_lat ? n_lat : 1) * sizeof *lat);
    if (!lat) {
        fprintf(stderr, "loadgen: out of memory\n");
        return 2;
    }
    size_t k = 0;
    for (int t = 0; t < opt_conns; t++) {
        if (ws[t].n_lat)
            memcpy(lat + k, ws[t].lat, ws[t].n_lat * sizeof *lat);
        k += ws[t].n_lat;
    }
    qsort(lat, n_lat, sizeof *lat, cmp_double);
    double p50 = n_lat ? quantile(lat, n_lat, 0.50) : NAN;
    double p90 = n_lat ? quantile(lat, n_lat, 0.90) : NAN;
    double p99 = n_lat ? quantile(lat, n_lat, 0.99) : NAN;
    double pmax = n_lat ? lat[n_lat - 1] : NAN;
    size_t slow = 0; /* requests over a second: stalls such as a window report under a lock */
    while (slow < n_lat && lat[n_lat - 1 - slow] > 1.0)
        slow++;
    double rps = (double)records / period, bps = (double)batches / period;

    if (opt_json) {
        printf("{\"models\": %d, \"features\": %d, ", opt_models, opt_features);
        printf("\"connections\": %d, \"batch\": %d, \"seconds\": %.3f, \"batches\": %" PRIu64
               ", \"records\": %" PRIu64 ", \"records_per_s\": %.0f, \"batches_per_s\": %.1f, "
               "\"mb_per_s\": %.2f, \"latency_ms\": {\"p50\": %.3f, \"p90\": %.3f, \"p99\": %.3f, "
               "\"max\": %.3f}, \"over_1s\": %zu, ",
               opt_conns, opt_batch, period, batches, records, rps, bps, rps * avg_record / 1e6,
               p50 * 1e3, p90 * 1e3, p99 * 1e3, pmax * 1e3, slow);
        if (counted)
            printf("\"accepted\": %" PRIu64 ", \"rejected\": %" PRIu64 ", ", accepted, rejected);
        printf("\"http_errors\": %" PRIu64 ", \"connection_errors\": %" PRIu64 "}\n", http_err,
               conn_err);
    } else {
        printf("target       http://%s:%s%s%s\n", opt_host, opt_port, request_paths[0],
               opt_models > 1 ? " and the other models in turn" : "");
        printf("load         %d connections, %d records a batch of %d features (%.0f bytes a "
               "record), %d model%s%s\n",
               opt_conns, opt_batch, opt_features, avg_record, opt_models,
               opt_models > 1 ? "s" : "", opt_drift ? ", drift in half the batches" : "");
        if (opt_span)
            printf("event time   %s of %s windows (lateness %s) over the run\n", opt_span,
                   opt_window, opt_lateness);
        printf("measured     %.2f s after %.1f s of warm-up\n", period, opt_warmup);
        printf("records/s    %.0f   (%" PRIu64 " records, %.1f MB/s of NDJSON)\n", rps, records,
               rps * avg_record / 1e6);
        printf("batches/s    %.1f   (%" PRIu64 " batches)\n", bps, batches);
        printf(
            "latency      p50 %.2f ms   p90 %.2f ms   p99 %.2f ms   max %.2f ms   (%zu over 1 s)\n",
            p50 * 1e3, p90 * 1e3, p99 * 1e3, pmax * 1e3, slow);
        if (counted)
            printf("server       %" PRIu64 " accepted, %" PRIu64 " rejected\n", accepted, rejected);
        printf("errors       %" PRIu64 " HTTP, %" PRIu64 " connection\n", http_err, conn_err);
    }
    if (first_error)
        fprintf(stderr, "loadgen: first error: %s\n", first_error);

    for (int t = 0; t < opt_conns; t++) {
        for (int v = 0; v < VARIANTS; v++) {
            free(ws[t].variants[v].body.p);
            free(ws[t].variants[v].ts_at);
        }
        free(ws[t].lat);
    }
    free(ws);
    free(lat);
    free(request_paths);
    freeaddrinfo(server_addr);
    return http_err || conn_err || (counted && rejected) || records == 0 ? 1 : 0;
}
