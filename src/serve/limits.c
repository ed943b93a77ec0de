/*
 * Request limits of `vigia serve` (docs/serve.md, limits:): a token bucket per API token (per
 * client address for requests without one), kept in a table of bounded size whose least
 * recently used bucket is evicted, so that a flood from many addresses cannot grow memory;
 * and the counters of vigia_http_limited_total (body, records, rate, connections).
 *
 * An evicted bucket comes back full, which forgives at most one burst to a key that had been
 * quiet long enough for 4096 others to arrive after it.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

unsigned serve_bucket_take(serve_bucket *b, double rate, unsigned burst, int64_t now_ms) {
    if (!(rate > 0))
        return 0;
    double cap = burst ? (double)burst : fmax(1.0, ceil(rate));
    if (!b->started) {
        b->tokens = cap;
        b->last_ms = now_ms;
        b->started = 1;
    } else if (now_ms > b->last_ms) {
        b->tokens += (double)(now_ms - b->last_ms) / 1000.0 * rate;
        if (b->tokens > cap)
            b->tokens = cap;
        b->last_ms = now_ms;
    }
    /* a little slack for the rounding of many small refills */
    if (b->tokens >= 1.0 - 1e-9) {
        b->tokens -= 1.0;
        return 0;
    }
    double wait = (1.0 - b->tokens) / rate;
    double secs = ceil(wait - 1e-9);
    return secs < 1 ? 1 : secs > 86400 ? 86400 : (unsigned)secs;
}

typedef struct entry {
    char *key;
    serve_bucket b;
    struct entry *hnext;         /* hash chain */
    struct entry *newer, *older; /* LRU list */
} entry;

struct serve_limits {
    pthread_mutex_t mu;
    entry **slots;
    size_t nslots, n, capacity;
    entry *newest, *oldest;
    uint64_t limited[SERVE_LIMIT_N];
};

static size_t hash_key(const char *s) {
    size_t h = 1469598103934665603ull; /* FNV-1a */
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return h;
}

serve_limits *serve_limits_new(size_t capacity) {
    serve_limits *l = calloc(1, sizeof *l);
    if (!l)
        return NULL;
    l->capacity = capacity ? capacity : 1;
    l->nslots = 1;
    while (l->nslots < 2 * l->capacity)
        l->nslots *= 2;
    if (!(l->slots = calloc(l->nslots, sizeof *l->slots))) {
        free(l);
        return NULL;
    }
    pthread_mutex_init(&l->mu, NULL);
    return l;
}

void serve_limits_free(serve_limits *l) {
    if (!l)
        return;
    for (entry *e = l->newest, *next; e; e = next) {
        next = e->older;
        free(e->key);
        free(e);
    }
    free(l->slots);
    pthread_mutex_destroy(&l->mu);
    free(l);
}

static void unlink_lru(serve_limits *l, entry *e) {
    if (e->newer)
        e->newer->older = e->older;
    else
        l->newest = e->older;
    if (e->older)
        e->older->newer = e->newer;
    else
        l->oldest = e->newer;
    e->newer = e->older = NULL;
}

static void push_newest(serve_limits *l, entry *e) {
    e->older = l->newest;
    e->newer = NULL;
    if (l->newest)
        l->newest->newer = e;
    l->newest = e;
    if (!l->oldest)
        l->oldest = e;
}

static entry **slot_of(serve_limits *l, const char *key) {
    entry **p = &l->slots[hash_key(key) & (l->nslots - 1)];
    while (*p && strcmp((*p)->key, key))
        p = &(*p)->hnext;
    return p;
}

static void evict_oldest(serve_limits *l) {
    entry *e = l->oldest;
    if (!e)
        return;
    entry **p = slot_of(l, e->key);
    if (*p == e)
        *p = e->hnext;
    unlink_lru(l, e);
    free(e->key);
    free(e);
    l->n--;
}

unsigned serve_limits_take(serve_limits *l, const char *key, double rate, unsigned burst,
                           int64_t now_ms) {
    if (!(rate > 0))
        return 0;
    pthread_mutex_lock(&l->mu);
    entry **p = slot_of(l, key);
    entry *e = *p;
    if (e) {
        unlink_lru(l, e);
    } else {
        if (l->n >= l->capacity) {
            evict_oldest(l);
            p = slot_of(l, key); /* the chain may have changed */
        }
        e = calloc(1, sizeof *e);
        if (e && !(e->key = strdup(key))) {
            free(e);
            e = NULL;
        }
        if (!e) { /* out of memory: let the request through rather than refuse everyone */
            pthread_mutex_unlock(&l->mu);
            return 0;
        }
        *p = e;
        l->n++;
    }
    push_newest(l, e);
    unsigned wait = serve_bucket_take(&e->b, rate, burst, now_ms);
    if (wait)
        l->limited[SERVE_LIMIT_RATE]++;
    pthread_mutex_unlock(&l->mu);
    return wait;
}

size_t serve_limits_size(serve_limits *l) {
    pthread_mutex_lock(&l->mu);
    size_t n = l->n;
    pthread_mutex_unlock(&l->mu);
    return n;
}

int serve_limits_has(serve_limits *l, const char *key) {
    pthread_mutex_lock(&l->mu);
    int has = *slot_of(l, key) != NULL;
    pthread_mutex_unlock(&l->mu);
    return has;
}

void serve_limits_count(serve_limits *l, int reason) {
    if (reason < 0 || reason >= SERVE_LIMIT_N)
        return;
    pthread_mutex_lock(&l->mu);
    l->limited[reason]++;
    pthread_mutex_unlock(&l->mu);
}

char *serve_limits_metrics(serve_limits *l) {
    static const char *const names[SERVE_LIMIT_N] = {"body", "records", "rate", "connections"};
    char *p = malloc(1024);
    if (!p)
        return NULL;
    size_t len = (size_t)snprintf(p, 1024,
                                  "# HELP vigia_http_limited_total Requests refused by a limit "
                                  "(413 body or records, 429 rate or connections)\n"
                                  "# TYPE vigia_http_limited_total counter\n");
    pthread_mutex_lock(&l->mu);
    for (int i = 0; i < SERVE_LIMIT_N; i++)
        len +=
            (size_t)snprintf(p + len, 1024 - len, "vigia_http_limited_total{reason=\"%s\"} %llu\n",
                             names[i], (unsigned long long)l->limited[i]);
    len += (size_t)snprintf(p + len, 1024 - len,
                            "# HELP vigia_rate_buckets Rate-limit buckets held (tokens and "
                            "client addresses; bounded)\n# TYPE vigia_rate_buckets gauge\n"
                            "vigia_rate_buckets %zu\n",
                            l->n);
    pthread_mutex_unlock(&l->mu);
    return p;
}
