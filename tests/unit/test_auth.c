/*
 * Authentication and limits of the daemon (src/serve/auth.c, src/serve/limits.c, the token
 * rows of src/store/tokens.c): token format, hashing and verification (wrong secret, one
 * flipped byte, wrong shape, revoked, expired), the scope matrix over every route class,
 * model-scoped tokens, config hash strings, the token bucket's arithmetic on an injected clock,
 * the bounded bucket table, and the request-rate anomaly on a synthetic series. Expected
 * values are computed here independently (OpenSSL's one-shot SHA256, closed forms).
 */
#include <math.h>
#include <openssl/sha.h>

#include "testutil.h"

#include "serve/internal.h"
#include "store/store.h"
#include "vigia/alert.h"

static void add_token(serve_auth *a, const char *tok, const char *name, unsigned scopes,
                      const char *model, int64_t expires_ms) {
    serve_token_def d;
    memset(&d, 0, sizeof d);
    assert_true(serve_token_shape(tok, d.id));
    for (int i = 0; i < 16; i++)
        d.salt[i] = (unsigned char)(i * 7 + 1);
    assert_int_equal(serve_token_digest(tok, d.salt, d.hash), VG_OK);
    d.name = name;
    d.scopes = scopes;
    d.model = model;
    d.expires_ms = expires_ms;
    vg_error err = {0};
    assert_int_equal(serve_auth_add(a, &d, &err), VG_OK);
}

static void test_format_and_digest(void **state) {
    (void)state;
    char tok[SERVE_TOKEN_LEN + 1], id[13], id2[13], tok2[SERVE_TOKEN_LEN + 1];
    vg_error err = {0};
    assert_int_equal(serve_token_generate(tok, id, &err), VG_OK);
    assert_int_equal(strlen(tok), 59);
    assert_memory_equal(tok, "vg_", 3);
    assert_memory_equal(tok + 3, id, 12);
    assert_int_equal(tok[15], '_');
    assert_true(serve_token_shape(tok, id2));
    assert_string_equal(id, id2);
    /* the last character carries 4 bits (256 = 42 * 6 + 4): its low 2 bits are zero, so it is
     * one of the 16 characters whose base64url index is a multiple of 4 */
    const char *alpha = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    assert_int_equal((strchr(alpha, tok[58]) - alpha) % 4, 0);
    assert_int_equal(serve_token_generate(tok2, id2, &err), VG_OK);
    assert_string_not_equal(tok, tok2);

    /* SHA-256(salt || token), against OpenSSL's one-shot function */
    unsigned char salt[16], mine[32], ref[32], buf[16 + 59];
    for (int i = 0; i < 16; i++)
        salt[i] = (unsigned char)(200 - i);
    memcpy(buf, salt, 16);
    memcpy(buf + 16, tok, 59);
    SHA256(buf, sizeof buf, ref);
    assert_int_equal(serve_token_digest(tok, salt, mine), VG_OK);
    assert_memory_equal(mine, ref, 32);
    assert_true(serve_token_matches(tok, salt, ref));

    /* a hash string parses back and verifies */
    char hs[160];
    assert_int_equal(serve_token_hash_string(tok, hs, sizeof hs, &err), VG_OK);
    assert_int_equal(strlen(hs), 4 + 12 + 1 + 32 + 1 + 64);
    vg_serve_token_conf c;
    memset(&c, 0, sizeof c);
    assert_int_equal(vg_serve_token_hash_parse(hs, &c, &err), VG_OK);
    assert_string_equal(c.id, id);
    assert_true(serve_token_matches(tok, c.salt, c.hash));
    assert_false(serve_token_matches(tok2, c.salt, c.hash));
}

static void test_shapes(void **state) {
    (void)state;
    char id[13];
    const char *good = "vg_0123456789ab_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
    assert_true(serve_token_shape(good, id));
    assert_string_equal(id, "0123456789ab");
    const char *bad[] = {
        "",
        "vg_0123456789ab_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",   /* one short */
        "vg_0123456789ab_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", /* one long */
        "vg_0123456789AB_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",  /* upper-case id */
        "xx_0123456789ab_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        "vg_0123456789ab-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        "vg_0123456789ab_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=", /* padding */
        "vg_0123456789ab_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA+", /* base64, not url */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_false(serve_token_shape(bad[i], id));
    assert_false(serve_token_shape(NULL, id));
}

static void test_verify(void **state) {
    (void)state;
    serve_auth *a = serve_auth_new();
    char tok[SERVE_TOKEN_LEN + 1], id[13], other[SERVE_TOKEN_LEN + 1], oid[13];
    vg_error err = {0};
    assert_int_equal(serve_token_generate(tok, id, &err), VG_OK);
    assert_int_equal(serve_token_generate(other, oid, &err), VG_OK);
    add_token(a, tok, "ci", SERVE_SCOPE_INGEST | SERVE_SCOPE_READ, "credit", 5000);
    serve_principal who;
    memset(&who, 0, sizeof who);
    assert_int_equal(serve_auth_verify(a, tok, 1000, &who), SERVE_AUTH_OK);
    assert_string_equal(who.id, id);
    assert_string_equal(who.name, "ci");
    assert_int_equal(who.scopes, SERVE_SCOPE_INGEST | SERVE_SCOPE_READ);
    assert_string_equal(who.model, "credit");
    /* the right id with another secret */
    char wrong[SERVE_TOKEN_LEN + 1];
    memcpy(wrong, other, sizeof wrong);
    memcpy(wrong + 3, id, 12);
    assert_int_equal(serve_auth_verify(a, wrong, 1000, &who), SERVE_AUTH_UNKNOWN);
    /* every single flipped character of the secret fails */
    for (int i = 16; i < SERVE_TOKEN_LEN; i++) {
        char f[SERVE_TOKEN_LEN + 1];
        memcpy(f, tok, sizeof f);
        f[i] = f[i] == 'A' ? 'B' : 'A';
        assert_int_equal(serve_auth_verify(a, f, 1000, &who), SERVE_AUTH_UNKNOWN);
    }
    assert_int_equal(serve_auth_verify(a, other, 1000, &who), SERVE_AUTH_UNKNOWN);
    assert_int_equal(serve_auth_verify(a, NULL, 1000, &who), SERVE_AUTH_MISSING);
    assert_int_equal(serve_auth_verify(a, "", 1000, &who), SERVE_AUTH_MISSING);
    assert_int_equal(serve_auth_verify(a, "hunter2", 1000, &who), SERVE_AUTH_MALFORMED);
    /* expiry at 5000: valid just before, refused from then on */
    assert_int_equal(serve_auth_verify(a, tok, 4999, &who), SERVE_AUTH_OK);
    assert_int_equal(serve_auth_verify(a, tok, 5000, &who), SERVE_AUTH_EXPIRED);
    /* revoked; revoking twice keeps the first time */
    char tok3[SERVE_TOKEN_LEN + 1], id3[13];
    assert_int_equal(serve_token_generate(tok3, id3, &err), VG_OK);
    add_token(a, tok3, "tmp", SERVE_SCOPE_ADMIN, NULL, 0);
    assert_int_equal(serve_auth_verify(a, tok3, 1000, &who), SERVE_AUTH_OK);
    assert_int_equal(serve_auth_revoke(a, id3, 2000, &err), VG_OK);
    assert_int_equal(serve_auth_revoke(a, id3, 3000, &err), VG_OK);
    assert_int_equal(serve_auth_verify(a, tok3, 2500, &who), SERVE_AUTH_REVOKED);
    assert_int_equal(serve_auth_revoke(a, "000000000000", 3000, &err), VG_ERR_INVALID);
    /* a second token of the same id is refused */
    serve_token_def d;
    memset(&d, 0, sizeof d);
    memcpy(d.id, id, 13);
    d.name = "dup";
    assert_int_equal(serve_auth_add(a, &d, &err), VG_ERR_MISMATCH);
    serve_auth_free(a);
}

static void test_config_tokens(void **state) {
    (void)state;
    serve_auth *a = serve_auth_new();
    char tok[SERVE_TOKEN_LEN + 1], id[13], hs[160];
    vg_error err = {0};
    assert_int_equal(serve_token_generate(tok, id, &err), VG_OK);
    assert_int_equal(serve_token_hash_string(tok, hs, sizeof hs, &err), VG_OK);
    char yaml[512];
    snprintf(yaml, sizeof yaml,
             "auth:\n  public_metrics: true\n  tokens:\n"
             "    - {name: scraper, hash: \"%s\", scopes: [read]}\n",
             hs);
    vg_serve_config c;
    assert_int_equal(vg_serve_config_parse(yaml, strlen(yaml), "t.yaml", &c, &err), VG_OK);
    assert_int_equal(c.n_tokens, 1);
    assert_int_equal(c.public_metrics, 1);
    assert_int_equal(c.auth_off, 0);
    assert_int_equal(c.tokens[0].scopes, SERVE_SCOPE_READ);
    assert_int_equal(serve_auth_set_config(a, c.tokens, c.n_tokens, &err), VG_OK);
    serve_principal who;
    memset(&who, 0, sizeof who);
    assert_int_equal(serve_auth_verify(a, tok, 1, &who), SERVE_AUTH_OK);
    assert_string_equal(who.name, "scraper");
    /* config tokens cannot be revoked through the API */
    assert_int_equal(serve_auth_revoke(a, id, 2, &err), VG_ERR_MISMATCH);
    assert_non_null(strstr(err.msg, "config"));
    /* a reload without it: gone */
    assert_int_equal(serve_auth_set_config(a, NULL, 0, &err), VG_OK);
    assert_int_equal(serve_auth_verify(a, tok, 1, &who), SERVE_AUTH_UNKNOWN);
    vg_serve_config_clear(&c);
    serve_auth_free(a);
}

static void expect_config_error(const char *yaml, const char *want) {
    vg_serve_config c;
    vg_error err = {0};
    int rc = vg_serve_config_parse(yaml, strlen(yaml), "t.yaml", &c, &err);
    if (rc == VG_OK) {
        vg_serve_config_clear(&c);
        fail_msg("accepted: %s", yaml);
    }
    if (!strstr(err.msg, want))
        fail_msg("'%s' lacks '%s'", err.msg, want);
}

static void test_config_errors(void **state) {
    (void)state;
    const char *h = "vg1$0123456789ab$00112233445566778899aabbccddeeff$"
                    "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";
    vg_serve_token_conf t;
    vg_error err = {0};
    assert_int_equal(vg_serve_token_hash_parse(h, &t, &err), VG_OK);
    assert_string_equal(t.id, "0123456789ab");
    assert_int_equal(t.salt[1], 0x11);
    assert_int_equal(t.hash[31], 0xff);
    char bad[200];
    snprintf(bad, sizeof bad, "%s", h);
    bad[2] = '2'; /* vg2 */
    assert_int_equal(vg_serve_token_hash_parse(bad, &t, &err), VG_ERR_INVALID);
    snprintf(bad, sizeof bad, "%s", h);
    bad[20] = 'G';
    assert_int_equal(vg_serve_token_hash_parse(bad, &t, &err), VG_ERR_INVALID);
    assert_non_null(strstr(err.msg, "hexadecimal"));
    snprintf(bad, sizeof bad, "%s0", h);
    assert_int_equal(vg_serve_token_hash_parse(bad, &t, &err), VG_ERR_INVALID);
    assert_non_null(strstr(err.msg, "length"));

    expect_config_error("auth: {mode: maybe}\n", "auth.mode: expected tokens or off");
    expect_config_error("auth: {tokens: [{name: x, hash: nope, scopes: [read]}]}\n", "t.yaml:1:");
    expect_config_error("auth: {tokens: [{name: x, hash: nope, scopes: [read]}]}\n",
                        "auth.tokens[0].hash");
    char y[512];
    snprintf(y, sizeof y, "auth: {tokens: [{name: x, hash: \"%s\", scopes: [root]}]}\n", h);
    expect_config_error(y, "auth.tokens[0].scopes");
    snprintf(y, sizeof y, "auth: {tokens: [{name: x, hash: \"%s\"}]}\n", h);
    expect_config_error(y, "scopes is missing");
    snprintf(y, sizeof y,
             "auth: {tokens: [{name: x, hash: \"%s\", scopes: [read]}, {name: y, hash: \"%s\", "
             "scopes: [admin]}]}\n",
             h, h);
    expect_config_error(y, "the same token id");
    expect_config_error("auth: {colour: blue}\n", "auth: unknown key 'colour'");
    expect_config_error("tls: {cert: a.pem}\n", "both cert and key");
    expect_config_error("limits: {rate: -1}\n", "limits.rate");
    expect_config_error("limits: {burst: 0}\n", "limits.burst");
    expect_config_error("limits: {max_conns: 3}\n", "unknown key 'max_conns'");

    vg_serve_config c;
    const char *ok = "auth: {mode: 'off'}\nlimits: {rate: 2.5, burst: 7, max_connections: 9}\n"
                     "tls: {cert: c.pem, key: k.pem}\n";
    assert_int_equal(vg_serve_config_parse(ok, strlen(ok), "t.yaml", &c, &err), VG_OK);
    assert_int_equal(c.auth_off, 1);
    assert_true(c.rate == 2.5);
    assert_int_equal(c.burst, 7);
    assert_int_equal(c.max_connections, 9);
    assert_string_equal(c.tls_cert, "c.pem");
    assert_string_equal(c.tls_key, "k.pem");
    vg_serve_config_clear(&c);
}

/* Each scope against each route class, and model-scoped tokens. */
static void test_scope_matrix(void **state) {
    (void)state;
    static const struct {
        const char *method, *pattern;
        unsigned need;
    } routes[] = {
        {"GET", "/healthz", 0},
        {"GET", "/readyz", 0},
        {"GET", "/metrics", SERVE_SCOPE_READ},
        {"POST", "/v1/models/{model}/predictions", SERVE_SCOPE_INGEST},
        {"POST", "/v1/models/{model}/labels", SERVE_SCOPE_INGEST},
        {"GET", "/v1/models", SERVE_SCOPE_READ},
        {"HEAD", "/v1/models/{model}", SERVE_SCOPE_READ},
        {"GET", "/v1/models/{model}/windows/{key}", SERVE_SCOPE_READ},
        {"GET", "/v1/alerts", SERVE_SCOPE_READ},
        {"POST", "/v1/models", SERVE_SCOPE_ADMIN},
        {"PUT", "/v1/models/{model}", SERVE_SCOPE_ADMIN},
        {"DELETE", "/v1/models/{model}", SERVE_SCOPE_ADMIN},
        {"PUT", "/v1/models/{model}/reference", SERVE_SCOPE_ADMIN},
        {"POST", "/v1/models/{model}/flush", SERVE_SCOPE_ADMIN},
        {"POST", "/v1/silences", SERVE_SCOPE_ADMIN},
        {"POST", "/v1/alerts/{id}/ack", SERVE_SCOPE_ADMIN},
        {"GET", "/v1/tokens", SERVE_SCOPE_ADMIN},
        {"DELETE", "/v1/tokens/{id}", SERVE_SCOPE_ADMIN},
        {"GET", "/v1/audit", SERVE_SCOPE_ADMIN},
        {"DELETE", "/v1/models/{model}/records/{id}", SERVE_SCOPE_ADMIN},
        {"POST", "/v1/models/{model}/erase", SERVE_SCOPE_ADMIN},
    };
    for (size_t i = 0; i < sizeof routes / sizeof routes[0]; i++)
        assert_int_equal(serve_auth_need(routes[i].method, routes[i].pattern, 0), routes[i].need);
    assert_int_equal(serve_auth_need("GET", "/metrics", 1), 0);

    serve_principal p;
    memset(&p, 0, sizeof p);
    unsigned scopes[] = {SERVE_SCOPE_INGEST, SERVE_SCOPE_READ, SERVE_SCOPE_ADMIN};
    unsigned needs[] = {0, SERVE_SCOPE_INGEST, SERVE_SCOPE_READ, SERVE_SCOPE_ADMIN};
    /* allowed[scope][need] */
    int allowed[3][4] = {{1, 1, 0, 0}, {1, 0, 1, 0}, {1, 1, 1, 1}};
    for (int s = 0; s < 3; s++)
        for (int n = 0; n < 4; n++) {
            p.scopes = scopes[s];
            serve_auth_reason r = serve_auth_allows(&p, needs[n], "m");
            assert_int_equal(r, allowed[s][n] ? SERVE_AUTH_OK : SERVE_AUTH_SCOPE);
        }
    p.scopes = SERVE_SCOPE_INGEST | SERVE_SCOPE_READ;
    assert_int_equal(serve_auth_allows(&p, SERVE_SCOPE_ADMIN, "m"), SERVE_AUTH_SCOPE);
    /* limited to model "credit" */
    snprintf(p.model, sizeof p.model, "credit");
    assert_int_equal(serve_auth_allows(&p, SERVE_SCOPE_INGEST, "credit"), SERVE_AUTH_OK);
    assert_int_equal(serve_auth_allows(&p, SERVE_SCOPE_READ, "credit"), SERVE_AUTH_OK);
    assert_int_equal(serve_auth_allows(&p, SERVE_SCOPE_INGEST, "fraud"), SERVE_AUTH_MODEL);
    assert_int_equal(serve_auth_allows(&p, SERVE_SCOPE_READ, NULL), SERVE_AUTH_MODEL);
    assert_int_equal(serve_auth_allows(&p, SERVE_SCOPE_READ, "credit2"), SERVE_AUTH_MODEL);
    assert_int_equal(serve_auth_allows(&p, 0, NULL), SERVE_AUTH_OK);
}

/* burst 5 at 2 requests/s: five at once, the sixth waits 0.5 s (Retry-After 1); after 1.25 s
 * 2.5 tokens are back: two pass, the third waits (1 - 0.5) / 2 = 0.25 s -> 1. */
static void test_bucket(void **state) {
    (void)state;
    serve_bucket b;
    memset(&b, 0, sizeof b);
    for (int i = 0; i < 5; i++)
        assert_int_equal(serve_bucket_take(&b, 2.0, 5, 0), 0);
    assert_int_equal(serve_bucket_take(&b, 2.0, 5, 0), 1);
    assert_true(fabs(b.tokens) < 1e-9);
    assert_int_equal(serve_bucket_take(&b, 2.0, 5, 1250), 0);
    assert_int_equal(serve_bucket_take(&b, 2.0, 5, 1250), 0);
    assert_true(fabs(b.tokens - 0.5) < 1e-9);
    assert_int_equal(serve_bucket_take(&b, 2.0, 5, 1250), 1);
    /* a slow rate: 0.1/s, burst 1: after the one request, 10 s to the next */
    memset(&b, 0, sizeof b);
    assert_int_equal(serve_bucket_take(&b, 0.1, 1, 0), 0);
    assert_int_equal(serve_bucket_take(&b, 0.1, 1, 0), 10);
    assert_int_equal(serve_bucket_take(&b, 0.1, 1, 3000), 7); /* 0.3 there: 0.7 / 0.1 */
    assert_int_equal(serve_bucket_take(&b, 0.1, 1, 10000), 0);
    /* refill stops at the burst */
    memset(&b, 0, sizeof b);
    assert_int_equal(serve_bucket_take(&b, 1.0, 3, 0), 0);
    assert_int_equal(serve_bucket_take(&b, 1.0, 3, 1000000), 0);
    assert_true(fabs(b.tokens - 2.0) < 1e-9);
    /* burst 0: ceil(rate) */
    memset(&b, 0, sizeof b);
    for (int i = 0; i < 3; i++)
        assert_int_equal(serve_bucket_take(&b, 2.5, 0, 0), 0);
    assert_int_equal(serve_bucket_take(&b, 2.5, 0, 0), 1);
    /* rate 0: no limit */
    assert_int_equal(serve_bucket_take(&b, 0, 1, 0), 0);
}

static void test_bucket_table(void **state) {
    (void)state;
    serve_limits *l = serve_limits_new(4);
    char k[16];
    for (int i = 0; i < 4; i++) {
        snprintf(k, sizeof k, "a:%d", i);
        assert_int_equal(serve_limits_take(l, k, 1.0, 1, 0), 0);
    }
    assert_int_equal(serve_limits_size(l), 4);
    /* a:0 used again: a:1 is now the least recently used */
    assert_int_equal(serve_limits_take(l, "a:0", 1.0, 1, 0), 1);
    assert_int_equal(serve_limits_take(l, "a:4", 1.0, 1, 0), 0);
    assert_int_equal(serve_limits_size(l), 4);
    assert_false(serve_limits_has(l, "a:1"));
    assert_true(serve_limits_has(l, "a:0"));
    assert_true(serve_limits_has(l, "a:4"));
    /* a:0 kept its state: still empty */
    assert_int_equal(serve_limits_take(l, "a:0", 1.0, 1, 0), 1);
    /* a flood of new addresses never grows the table */
    for (int i = 0; i < 10000; i++) {
        snprintf(k, sizeof k, "f:%d", i);
        serve_limits_take(l, k, 1.0, 1, 0);
    }
    assert_int_equal(serve_limits_size(l), 4);
    assert_true(serve_limits_has(l, "f:9999"));
    assert_true(serve_limits_has(l, "f:9996"));
    assert_false(serve_limits_has(l, "f:9995"));
    char *m = serve_limits_metrics(l);
    assert_non_null(strstr(m, "vigia_http_limited_total{reason=\"rate\"} 2\n"));
    assert_non_null(strstr(m, "vigia_rate_buckets 4\n"));
    free(m);
    serve_limits_free(l);
}

/* 2 requests/s for 2 h, then 20/s for 5 min, stepped every second. Closed forms: after a long
 * steady rate both EWMAs equal it; a step from r0 to r1 lasting t gives r1 + (r0 - r1) e^{-t/tau}
 * for each tau. */
static void test_anomaly(void **state) {
    (void)state;
    serve_rate_ewma e;
    memset(&e, 0, sizeof e);
    uint64_t count = 0;
    int64_t t = 1000;
    serve_rate_update(&e, count, t);
    for (int i = 0; i < 7200; i++) {
        count += 2;
        t += 1000;
        serve_rate_update(&e, count, t);
    }
    double long_after = 2 * (1 - exp(-7200.0 / 3600));
    assert_true(fabs(e.short_rate - 2) < 1e-6);
    assert_true(fabs(e.long_rate - long_after) < 1e-6);
    assert_true(fabs(serve_rate_anomaly(&e) - 2 / long_after) < 1e-6);
    for (int i = 0; i < 300; i++) {
        count += 20;
        t += 1000;
        serve_rate_update(&e, count, t);
    }
    double s_exp = 20 + (2 - 20) * exp(-300.0 / 60);
    double l_exp = 20 + (long_after - 20) * exp(-300.0 / 3600);
    assert_true(fabs(e.short_rate - s_exp) < 1e-6);
    assert_true(fabs(e.long_rate - l_exp) < 1e-6);
    assert_true(fabs(serve_rate_anomaly(&e) - s_exp / l_exp) < 1e-6);
    assert_true(serve_rate_anomaly(&e) > 4);

    /* a new token's first burst: 30 requests in one second, then nothing for a minute. The
     * baseline's floor (1/s) keeps the score well under 1. */
    memset(&e, 0, sizeof e);
    serve_rate_update(&e, 0, 1000);
    serve_rate_update(&e, 30, 2000);
    double s1 = 30 * (1 - exp(-1.0 / 60));
    assert_true(fabs(e.short_rate - s1) < 1e-9);
    assert_true(fabs(serve_rate_anomaly(&e) - s1 / SERVE_RATE_FLOOR) < 1e-9);
    assert_true(serve_rate_anomaly(&e) < 1);
    /* the clock going back changes nothing */
    serve_rate_ewma before = e;
    serve_rate_update(&e, 40, 1500);
    assert_true(e.short_rate == before.short_rate && e.last_count == before.last_count);
}

/* The per-token samples the alerting tick evaluates, and the rule metric they feed. */
static void test_anomaly_samples(void **state) {
    (void)state;
    serve_auth *a = serve_auth_new();
    char t1[SERVE_TOKEN_LEN + 1], i1[13], t2[SERVE_TOKEN_LEN + 1], i2[13];
    vg_error err = {0};
    assert_int_equal(serve_token_generate(t1, i1, &err), VG_OK);
    assert_int_equal(serve_token_generate(t2, i2, &err), VG_OK);
    add_token(a, t1, "one", SERVE_SCOPE_READ, NULL, 0);
    add_token(a, t2, "two", SERVE_SCOPE_READ, NULL, 0);
    serve_auth_tick(a, 1000);
    for (int i = 0; i < 120; i++)
        serve_auth_count_request(a, i1);
    serve_auth_count_request(a, NULL); /* anonymous: no sample */
    serve_auth_tick(a, 2000);
    assert_int_equal(serve_auth_revoke(a, i2, 2000, &err), VG_OK);
    vg_metric_sample *v = NULL;
    size_t n = serve_auth_anomaly_samples(a, &v);
    assert_int_equal(n, 1); /* the revoked token has none */
    assert_string_equal(v[0].name, "token_rate_anomaly");
    char want[64];
    snprintf(want, sizeof want, "token=\"%s\"", i1);
    assert_string_equal(v[0].labels, want);
    /* 120 requests in 1 s: short = 120 (1 - e^{-1/60}); the baseline is floored at 1 */
    assert_true(fabs(v[0].value - 120 * (1 - exp(-1.0 / 60))) < 1e-9);
    free(v);
    char *m = serve_auth_metrics(a);
    snprintf(want, sizeof want, "vigia_token_requests_total{token=\"%s\"} 120\n", i1);
    assert_non_null(strstr(m, want));
    assert_non_null(strstr(m, "vigia_token_requests_total{token=\"anonymous\"} 1\n"));
    assert_non_null(strstr(m, "vigia_tokens 1\n"));
    free(m);
    assert_true(vg_alert_metric_known("token_rate_anomaly"));
    assert_true(vg_alert_metric_daemon_level("token_rate_anomaly"));
    serve_auth_free(a);
}

static void test_store_rows(void **state) {
    vg_store *s = NULL;
    vg_error err = {0};
    if (vg_store_open(*state, &s, &err) != VG_OK)
        fail_msg("open: %s", err.msg);
    vg_store_token t;
    memset(&t, 0, sizeof t);
    snprintf(t.id, sizeof t.id, "00000000abcd");
    t.name = "ci";
    t.salt[0] = 1;
    t.hash[31] = 2;
    t.scopes = SERVE_SCOPE_INGEST;
    t.model = "credit";
    t.created_ms = 10;
    t.expires_ms = 99;
    assert_int_equal(vg_store_put_token(s, &t, &err), VG_OK);
    assert_int_equal(vg_store_put_token(s, &t, &err), VG_ERR_MISMATCH);
    assert_int_equal(vg_store_revoke_token(s, "00000000abcd", 50, &err), VG_OK);
    assert_int_equal(vg_store_revoke_token(s, "00000000abcd", 60, &err), VG_ERR_INVALID);
    assert_int_equal(vg_store_revoke_token(s, "ffffffffffff", 60, &err), VG_ERR_INVALID);
    vg_store_close(s);
    assert_int_equal(vg_store_open(*state, &s, &err), VG_OK);
    vg_store_token *v = NULL;
    size_t n = 0;
    assert_int_equal(vg_store_list_tokens(s, &v, &n, &err), VG_OK);
    assert_int_equal(n, 1);
    assert_string_equal(v[0].id, "00000000abcd");
    assert_string_equal(v[0].name, "ci");
    assert_string_equal(v[0].model, "credit");
    assert_null(v[0].created_by);
    assert_int_equal(v[0].salt[0], 1);
    assert_int_equal(v[0].hash[31], 2);
    assert_int_equal(v[0].scopes, SERVE_SCOPE_INGEST);
    assert_int_equal(v[0].created_ms, 10);
    assert_int_equal(v[0].expires_ms, 99);
    assert_int_equal(v[0].revoked_ms, 50);
    vg_store_tokens_free(v, n);
    vg_store_close(s);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_format_and_digest),
        cmocka_unit_test(test_shapes),
        cmocka_unit_test(test_verify),
        cmocka_unit_test(test_config_tokens),
        cmocka_unit_test(test_config_errors),
        cmocka_unit_test(test_scope_matrix),
        cmocka_unit_test(test_bucket),
        cmocka_unit_test(test_bucket_table),
        cmocka_unit_test(test_anomaly),
        cmocka_unit_test(test_anomaly_samples),
        cmocka_unit_test_setup_teardown(test_store_rows, t_tmpdir_setup, t_tmpdir_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
