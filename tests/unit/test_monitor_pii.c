/*
 * PII in the monitoring engine: the SHA-256 and HMAC-SHA256 of src/pii against published
 * vectors (FIPS 180-4 examples, RFC 4231; expectations computed with Python's hashlib/hmac), the
 * spec's "pii" object and its errors, and each policy on batches with known findings: exact
 * counts per feature and kind (invalid check digits not counted), redaction (no raw value in
 * the journal encoding, the window profile's .vgp bytes, the model rows or the dead letters;
 * the expected tokens computed independently), equal values giving equal tokens and another
 * key other tokens, replay keeping the counts, and rejection naming index, field and kind.
 */
#include "testutil.h"

#include "../../src/pii/sha256.h"
#include "vigia/monitor.h"

static void hex(const unsigned char *d, size_t n, char *out) {
    for (size_t i = 0; i < n; i++)
        snprintf(out + 2 * i, 3, "%02x", d[i]);
}

static void expect_sha(const void *data, size_t len, const char *want) {
    unsigned char d[32];
    char h[65];
    vg_sha256(data, len, d);
    hex(d, 32, h);
    assert_string_equal(h, want);
}

static void expect_hmac(const void *key, size_t klen, const void *data, size_t len,
                        const char *want) {
    unsigned char d[32];
    char h[65];
    vg_hmac_sha256(key, klen, data, len, d);
    hex(d, 32, h);
    assert_string_equal(h, want);
}

static void test_sha256_vectors(void **state) {
    (void)state;
    expect_sha("", 0, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    expect_sha("abc", 3, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    const char *m448 = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
    expect_sha(m448, strlen(m448),
               "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
    /* one million 'a', fed in uneven pieces through the streaming interface */
    char *a = malloc(1000000);
    assert_non_null(a);
    memset(a, 'a', 1000000);
    expect_sha(a, 1000000, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
    vg_sha256_ctx c;
    vg_sha256_init(&c);
    for (size_t at = 0, step = 1; at < 1000000; at += step, step = step * 7 % 997 + 1)
        vg_sha256_update(&c, a + at, at + step > 1000000 ? 1000000 - at : step);
    unsigned char d[32];
    char h[65];
    vg_sha256_final(&c, d);
    hex(d, 32, h);
    assert_string_equal(h, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
    free(a);

    /* RFC 4231 test cases 1-4, 6 and 7 */
    unsigned char k[131];
    memset(k, 0x0b, 20);
    expect_hmac(k, 20, "Hi There", 8,
                "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
    expect_hmac("Jefe", 4, "what do ya want for nothing?", 28,
                "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
    unsigned char dd[50];
    memset(k, 0xaa, 20);
    memset(dd, 0xdd, 50);
    expect_hmac(k, 20, dd, 50, "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe");
    for (int i = 0; i < 25; i++)
        k[i] = (unsigned char)(i + 1);
    memset(dd, 0xcd, 50);
    expect_hmac(k, 25, dd, 50, "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b");
    memset(k, 0xaa, 131);
    const char *t6 = "Test Using Larger Than Block-Size Key - Hash Key First";
    expect_hmac(k, 131, t6, strlen(t6),
                "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
    const char *t7 = "This is a test using a larger than block-size key and a larger than "
                     "block-size data. The key needs to be hashed before being used by the HMAC "
                     "algorithm.";
    expect_hmac(k, 131, t7, strlen(t7),
                "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2");
}

/* ---- spec ------------------------------------------------------------------------------------ */

#define FEATURES                                                                                   \
    "\"task\": \"binary\", \"features\": ["                                                        \
    "{\"name\": \"age\", \"type\": \"numeric\"},"                                                  \
    "{\"name\": \"contact\", \"type\": \"categorical\"},"                                          \
    "{\"name\": \"note\", \"type\": \"text\"},"                                                    \
    "{\"name\": \"code\", \"type\": \"categorical\"},"                                             \
    "{\"name\": \"vip\", \"type\": \"boolean\"}], \"window\": {\"count\": 1000}"

static void expect_spec_error(const char *pii, const char *needle) {
    char json[2048];
    snprintf(json, sizeof json, "{\"name\": \"m\", " FEATURES ", \"pii\": %s}", pii);
    vg_model_spec *s = NULL;
    vg_error err;
    int rc = vg_model_spec_parse(json, strlen(json), &s, &err);
    if (rc == VG_OK || !strstr(err.msg, needle))
        print_error("pii %s: rc %d, message \"%s\", wanted \"%s\"\n", pii, rc,
                    rc == VG_OK ? "" : err.msg, needle);
    assert_int_not_equal(rc, VG_OK);
    assert_non_null(strstr(err.msg, needle));
    assert_null(s);
}

static vg_model_spec *spec_with(const char *pii) {
    char json[2048];
    snprintf(json, sizeof json, "{\"name\": \"m\", " FEATURES "%s%s}", pii ? ", \"pii\": " : "",
             pii ? pii : "");
    vg_model_spec *s = NULL;
    vg_error err;
    int rc = vg_model_spec_parse(json, strlen(json), &s, &err);
    if (rc != VG_OK)
        print_error("spec: %s\n", err.msg);
    assert_int_equal(rc, VG_OK);
    return s;
}

static void test_spec(void **state) {
    (void)state;
    /* absent or empty: report, every detector, every categorical and text feature, and the id */
    vg_model_spec *s = spec_with(NULL);
    assert_int_equal(s->pii_policy, VG_PII_POLICY_REPORT);
    char *j = vg_model_spec_json(s);
    assert_non_null(strstr(j, "\"pii\":{\"policy\":\"report\",\"detectors\":[\"email\",\"phone\","
                              "\"card\",\"iban\",\"cpf\",\"cnpj\"],\"features\":[\"contact\","
                              "\"note\",\"code\"],\"id\":true}"));
    free(j);
    vg_model_spec_free(s);

    s = spec_with("{}");
    assert_int_equal(s->pii_policy, VG_PII_POLICY_REPORT);
    assert_int_equal(s->pii_detectors, (1u << VG_PII_N_KINDS) - 1);
    assert_int_equal(s->pii_id, 1);
    unsigned char want[5] = {0, 1, 1, 1, 0};
    assert_memory_equal(s->pii_scan, want, 5);
    vg_model_spec_free(s);

    s = spec_with("{\"policy\": \"redact\", \"detectors\": [\"email\", \"cpf\"], \"features\": "
                  "[\"note\"], \"id\": false}");
    assert_int_equal(s->pii_policy, VG_PII_POLICY_REDACT);
    assert_int_equal(s->pii_detectors, (1u << VG_PII_EMAIL) | (1u << VG_PII_CPF));
    assert_int_equal(s->pii_id, 0);
    unsigned char want2[5] = {0, 0, 1, 0, 0};
    assert_memory_equal(s->pii_scan, want2, 5);
    /* canonical JSON round trip */
    j = vg_model_spec_json(s);
    assert_non_null(strstr(j, "\"pii\":{\"policy\":\"redact\",\"detectors\":[\"email\",\"cpf\"],"
                              "\"features\":[\"note\"],\"id\":false}"));
    vg_model_spec *s2 = NULL;
    vg_error err;
    assert_int_equal(vg_model_spec_parse(j, strlen(j), &s2, &err), VG_OK);
    char *j2 = vg_model_spec_json(s2);
    assert_string_equal(j, j2);
    free(j);
    free(j2);
    vg_model_spec_free(s2);
    vg_model_spec_free(s);

    /* the opt-out */
    s = spec_with("{\"policy\": \"off\"}");
    assert_int_equal(s->pii_policy, VG_PII_POLICY_OFF);
    assert_null(s->pii_scan);
    j = vg_model_spec_json(s);
    assert_non_null(strstr(j, "\"pii\":{\"policy\":\"off\"}"));
    assert_int_equal(vg_model_spec_parse(j, strlen(j), &s2, &err), VG_OK);
    assert_int_equal(s2->pii_policy, VG_PII_POLICY_OFF);
    vg_model_spec_free(s2);
    free(j);
    vg_model_spec_free(s);
    expect_spec_error("{\"policy\": \"off\", \"id\": true}",
                      "pii: with policy \"off\" no other key applies");
    expect_spec_error("\"report\"", "pii: must be an object");
    expect_spec_error("{\"policy\": \"mask\"}", "pii.policy: must be \"report\"");
    expect_spec_error("{\"policy\": 1}", "pii.policy");
    expect_spec_error("{\"detectors\": []}", "pii.detectors: must be a non-empty array");
    expect_spec_error("{\"detectors\": [\"email\", \"ssn\"]}", "pii.detectors[1]: must be one of");
    expect_spec_error("{\"detectors\": [\"email\", \"email\"]}",
                      "pii.detectors[1]: duplicate detector");
    expect_spec_error("{\"features\": [\"age\"]}", "pii.features[0]: 'age' is numeric");
    expect_spec_error("{\"features\": [\"note\", \"vip\"]}", "pii.features[1]: 'vip' is boolean");
    expect_spec_error("{\"features\": [\"nope\"]}", "pii.features[0]: no feature 'nope'");
    expect_spec_error("{\"features\": [\"note\", \"note\"]}", "pii.features[1]: duplicate feature");
    expect_spec_error("{\"features\": \"note\"}", "pii.features: must be an array");
    expect_spec_error("{\"id\": \"yes\"}", "pii.id: must be true or false");
    expect_spec_error("{\"features\": [], \"id\": false}", "pii: scans nothing");
    expect_spec_error("{\"policy\": \"report\", \"scope\": 1}", "pii.scope: unknown key");
}

/* ---- policies -------------------------------------------------------------------------------- */

static const unsigned char KEY1[32] = {0,  1,  2,  3,  4,  5,  6,  7,  8,  9,  10,
                                       11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21,
                                       22, 23, 24, 25, 26, 27, 28, 29, 30, 31};

static vg_monitor *monitor_with(const char *pii, const unsigned char *key) {
    vg_model_spec *s = spec_with(pii);
    vg_error err;
    vg_monitor *m = vg_monitor_new(s, &err);
    assert_non_null(m);
    vg_model_spec_free(s);
    if (key)
        assert_int_equal(vg_monitor_set_pii_key(m, key, 32, &err), VG_OK);
    return m;
}

/* Records with known findings. Record by record:
 *   0: e-mail in contact, valid card in note                   -> email 1 (contact), card 1 (note)
 *   1: clean; an invalid card (Luhn) and an invalid CPF        -> nothing
 *   2: the same e-mail again in contact, valid CPF in code     -> email 1, cpf 1 (code)
 *   3: phone and IBAN in note, and an e-mail as the id          -> phone 1, iban 1 (note), email 1
 * (id) 4: clean 5: e-mail in contact, then an age that is not a number: rejected -> in the totals
 * only (values after the first bad one are not read, so not scanned) */
static const char *BODY =
    "{\"id\": \"r0\", \"features\": {\"age\": 30, \"contact\": \"ana@example.com\", \"note\": "
    "\"paid with 4111 1111 1111 1111 today\", \"code\": \"A1\"}, \"prediction\": 0.9}\n"
    "{\"id\": \"r1\", \"features\": {\"age\": 31, \"contact\": \"none\", \"note\": \"card 4111 "
    "1111 1111 1112\", \"code\": \"123.456.789-00\"}, \"prediction\": 0.1}\n"
    "{\"id\": \"r2\", \"features\": {\"age\": 32, \"contact\": \"ana@example.com\", \"note\": "
    "\"ok\", \"code\": \"123.456.789-09\"}, \"prediction\": 0.8}\n"
    "{\"id\": \"ana@example.com\", \"features\": {\"age\": 33, \"contact\": \"x\", \"note\": "
    "\"call +55 11 98765-4321 or pay DE89 3704 0044 0532 0130 00\", \"code\": \"B\"}, "
    "\"prediction\": 0.3}\n"
    "{\"id\": \"r4\", \"features\": {\"age\": 34, \"contact\": \"y\", \"note\": \"nothing\", "
    "\"code\": \"C\"}, \"prediction\": 0.2}\n"
    "{\"id\": \"r5\", \"features\": {\"contact\": \"ana@example.com\", \"age\": \"old\"}, "
    "\"prediction\": 0.2}\n";

static const char *RAW[] = {"ana@example.com", "4111 1111 1111 1111", "123.456.789-09",
                            "+55 11 98765-4321", "DE89 3704 0044 0532 0130 00"};
/* HMAC-SHA256 under KEY1 of each RAW value, first 8 bytes (python3 hmac) */
static const char *TOK1[] = {"pii:email:f7831e3410f19cf2", "pii:card:8eb30d9085c6ae28",
                             "pii:cpf:23d35580475ddb49", "pii:phone:ad0fb7a0f7e4d3c4",
                             "pii:iban:6127472bef071b6d"};
static const unsigned char KEY2[32] = {1,  2,  3,  4,  5,  6,  7,  8,  9,  10, 11,
                                       12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22,
                                       23, 24, 25, 26, 27, 28, 29, 30, 31, 32};
static const char *TOK2[] = {"pii:email:13ec93dad2179727", "pii:card:d92aa39823fdef29",
                             "pii:cpf:2b730e57fd979af0", "pii:phone:ef0bd4947df140f9",
                             "pii:iban:a7ddf2d259af0d5a"};

static size_t count_in(const void *hay, size_t n, const char *needle) {
    size_t k = 0, nl = strlen(needle);
    const char *p = hay, *end = p + n;
    while (p < end) {
        const char *q = memmem(p, (size_t)(end - p), needle, nl);
        if (!q)
            break;
        k++;
        p = q + 1;
    }
    return k;
}

static vg_monitor_batch *parse(vg_monitor *m, const char *body, vg_monitor_rejects *rj) {
    vg_monitor_batch *b = NULL;
    vg_error err;
    int rc = vg_monitor_parse_predictions(m, body, strlen(body), 1000, &b, rj, &err);
    if (rc != VG_OK)
        print_error("parse: %s\n", err.msg);
    assert_int_equal(rc, VG_OK);
    return b;
}

static vg_window *flush_one(vg_monitor *m) {
    vg_error err;
    assert_int_equal(vg_monitor_advance(m, 2000, 1, &err), 1);
    vg_window **w = NULL;
    size_t n = 0;
    assert_int_equal(vg_monitor_take_windows(m, &w, &n, &err), VG_OK);
    assert_int_equal(n, 1);
    vg_window *x = w[0];
    free(w);
    return x;
}

static double sample(const vg_window *w, const char *name, const char *labels) {
    for (size_t i = 0; i < w->n_metrics; i++)
        if (!strcmp(w->metrics[i].name, name) && !strcmp(w->metrics[i].labels, labels))
            return w->metrics[i].value;
    print_error("no sample %s{%s}\n", name, labels);
    fail();
    return -1;
}

/* The window counts of BODY (records 0-4 kept) and the totals (record 5 too). */
static void expect_counts(const vg_monitor *m, const vg_window *w, int totals) {
    static const struct {
        const char *feature;
        size_t field;
        vg_pii_kind kind;
        double window;
    } want[] = {
        {"contact", 1, VG_PII_EMAIL, 2}, {"note", 2, VG_PII_CARD, 1}, {"note", 2, VG_PII_PHONE, 1},
        {"note", 2, VG_PII_IBAN, 1},     {"code", 3, VG_PII_CPF, 1},  {"(id)", 5, VG_PII_EMAIL, 1},
    };
    double sum = 0;
    for (size_t i = 0; i < w->n_metrics; i++)
        if (!strcmp(w->metrics[i].name, "pii_findings"))
            sum += w->metrics[i].value;
    assert_true(sum == 7); /* nothing else: the invalid card and CPF are not counted */
    for (size_t i = 0; i < sizeof want / sizeof *want; i++) {
        char lab[128];
        snprintf(lab, sizeof lab, "feature=\"%s\",kind=\"%s\"", want[i].feature,
                 vg_pii_kind_name(want[i].kind));
        assert_true(sample(w, "pii_findings", lab) == want[i].window);
        if (totals)
            assert_int_equal(vg_monitor_pii_findings(m, want[i].field, want[i].kind),
                             want[i].window + (want[i].field == 1)); /* record 5 */
    }
    /* r0, r2 and r3 have findings, r1 and r4 none: 3 of 5 */
    assert_true(fabs(sample(w, "pii_records_share", "") - 3.0 / 5.0) < 1e-12);
    assert_non_null(strstr(w->report_json, "\"pii\":{\"policy\":"));
}

static void test_report_policy(void **state) {
    (void)state;
    vg_monitor *m = monitor_with("{\"policy\": \"report\"}", NULL);
    vg_monitor_rejects rj = {0};
    vg_monitor_batch *b = parse(m, BODY, &rj);
    assert_int_equal(vg_monitor_batch_size(b), 5);
    assert_int_equal(rj.n, 1);
    assert_int_equal(rj.items[0].index, 5);
    assert_string_equal(rj.items[0].field, "features.age");
    vg_error err;
    assert_int_equal(vg_monitor_apply(m, b, 1, 0, &err), VG_OK);
    /* report keeps the values */
    unsigned char *enc;
    size_t len;
    assert_int_equal(vg_monitor_batch_encode(b, &enc, &len, &err), VG_OK);
    assert_int_equal(count_in(enc, len, "ana@example.com"), 3);
    vg_monitor_batch_free(b);
    vg_window *w = flush_one(m);
    expect_counts(m, w, 1);
    /* replay of the journal encoding into a fresh monitor gives the same window counts */
    vg_monitor *m2 = monitor_with("{\"policy\": \"report\"}", NULL);
    vg_monitor_batch *d = NULL;
    assert_int_equal(vg_monitor_batch_decode(m2, enc, len, &d, &err), VG_OK);
    assert_int_equal(vg_monitor_apply(m2, d, 1, 1, &err), VG_OK);
    vg_monitor_batch_free(d);
    vg_window *w2 = flush_one(m2);
    expect_counts(m2, w2, 0);
    assert_int_equal(vg_monitor_pii_findings(m2, 1, VG_PII_EMAIL), 0); /* replay is not parse */
    vg_window_free(w2);
    vg_monitor_free(m2);
    free(enc);

    /* after a restart: the window restored, then revised by a late label, keeps its counts
     * (they travel in its rows blob) */
    vg_monitor *m3 = monitor_with("{\"policy\": \"report\"}", NULL);
    assert_int_equal(vg_monitor_restore_window(m3, w, &err), VG_OK);
    const char *lab = "{\"id\": \"r0\", \"label\": 1}";
    vg_monitor_batch *lb = NULL;
    vg_monitor_rejects lrj = {0};
    assert_int_equal(vg_monitor_parse_labels(m3, lab, strlen(lab), 3000, &lb, &lrj, &err), VG_OK);
    assert_int_equal(vg_monitor_apply(m3, lb, 2, 0, &err), VG_OK);
    vg_monitor_batch_free(lb);
    vg_window **rv = NULL;
    size_t nrv = 0;
    assert_int_equal(vg_monitor_take_windows(m3, &rv, &nrv, &err), VG_OK);
    assert_int_equal(nrv, 1);
    assert_int_equal(rv[0]->revision, 2);
    assert_int_equal(rv[0]->labelled, 1);
    expect_counts(m3, rv[0], 0);
    vg_window_free(rv[0]);
    free(rv);
    vg_monitor_free(m3);
    vg_window_free(w);
    vg_monitor_rejects_free(&rj);
    vg_monitor_free(m);
}

static void expect_no_raw(const void *data, size_t len, const char *what) {
    for (size_t i = 0; i < sizeof RAW / sizeof *RAW; i++)
        if (memmem(data, len, RAW[i], strlen(RAW[i]))) {
            print_error("%s holds the raw value \"%s\"\n", what, RAW[i]);
            fail();
        }
}

static void test_redact_policy(void **state) {
    (void)state;
    vg_error err;
    /* no key, no redaction */
    vg_monitor *m = monitor_with("{\"policy\": \"redact\"}", NULL);
    vg_monitor_batch *b = NULL;
    vg_monitor_rejects rj = {0};
    assert_int_equal(vg_monitor_parse_predictions(m, BODY, strlen(BODY), 1000, &b, &rj, &err),
                     VG_ERR_INVALID);
    assert_non_null(strstr(err.msg, "needs a key"));
    assert_int_equal(vg_monitor_set_pii_key(m, KEY1, 8, &err), VG_ERR_INVALID);
    assert_int_equal(vg_monitor_set_pii_key(m, KEY1, 32, &err), VG_OK);

    b = parse(m, BODY, &rj);
    assert_int_equal(vg_monitor_batch_size(b), 5);
    assert_int_equal(vg_monitor_apply(m, b, 1, 0, &err), VG_OK);
    unsigned char *enc;
    size_t len;
    assert_int_equal(vg_monitor_batch_encode(b, &enc, &len, &err), VG_OK);
    vg_monitor_batch_free(b);
    expect_no_raw(enc, len, "the journal batch");
    /* equal values, equal tokens: the e-mail of r0, r2 and r3's id */
    assert_int_equal(count_in(enc, len, TOK1[0]), 3);
    for (size_t i = 1; i < 5; i++)
        assert_int_equal(count_in(enc, len, TOK1[i]), 1);
    /* the text around a match stays */
    assert_int_equal(count_in(enc, len, "paid with pii:card:8eb30d9085c6ae28 today"), 1);
    /* the invalid card and CPF are not PII: kept as they are */
    assert_int_equal(count_in(enc, len, "4111 1111 1111 1112"), 1);
    assert_int_equal(count_in(enc, len, "123.456.789-00"), 1);
    /* the dead letter of r5 (rejected for its age) is masked too */
    assert_int_equal(rj.n, 1);
    expect_no_raw(rj.items[0].record, strlen(rj.items[0].record), "the dead letter");
    assert_non_null(strstr(rj.items[0].record, TOK1[0]));
    assert_non_null(strstr(rj.items[0].record, "\"age\":\"old\""));
    vg_monitor_rejects_free(&rj);

    vg_window *w = flush_one(m);
    expect_counts(m, w, 1);
    unsigned char *vgp;
    size_t vlen;
    assert_int_equal(vg_profile_encode(w->profile, &vgp, &vlen, &err), VG_OK);
    expect_no_raw(vgp, vlen, "the window profile");
    assert_true(count_in(vgp, vlen, TOK1[0]) >= 1); /* the frequent items of contact */
    free(vgp);
    expect_no_raw(w->rows_blob, w->rows_blob_len, "the model rows");
    assert_int_equal(count_in(w->rows_blob, w->rows_blob_len, TOK1[0]), 1); /* r3's id */
    expect_no_raw(w->report_json, strlen(w->report_json), "the report");
    vg_window_free(w);

    /* a label for r3 joins by the same token */
    const char *lab = "{\"id\": \"ana@example.com\", \"label\": 1}";
    vg_monitor_batch *lb = NULL;
    assert_int_equal(vg_monitor_parse_labels(m, lab, strlen(lab), 3000, &lb, &rj, &err), VG_OK);
    assert_int_equal(vg_monitor_apply(m, lb, 2, 0, &err), VG_OK);
    vg_monitor_batch_free(lb);
    vg_monitor_stats st;
    vg_monitor_get_stats(m, &st);
    assert_int_equal(st.labels_matched, 1);
    vg_monitor_free(m);

    /* another key, other tokens */
    m = monitor_with("{\"policy\": \"redact\"}", KEY2);
    b = parse(m, BODY, &rj);
    unsigned char *enc2;
    size_t len2;
    assert_int_equal(vg_monitor_batch_encode(b, &enc2, &len2, &err), VG_OK);
    expect_no_raw(enc2, len2, "the journal batch (key 2)");
    for (size_t i = 0; i < 5; i++) {
        assert_int_equal(count_in(enc2, len2, TOK1[i]), 0);
        assert_int_equal(count_in(enc2, len2, TOK2[i]), i == 0 ? 3 : 1);
    }
    free(enc2);
    free(enc);
    vg_monitor_batch_free(b);
    vg_monitor_rejects_free(&rj);
    vg_monitor_free(m);
}

static void test_reject_policy(void **state) {
    (void)state;
    vg_monitor *m = monitor_with("{\"policy\": \"reject\"}", KEY1);
    vg_monitor_rejects rj = {0};
    vg_monitor_batch *b = parse(m, BODY, &rj);
    /* kept: r1 (invalid card and CPF) and r4 */
    assert_int_equal(vg_monitor_batch_size(b), 2);
    static const struct {
        size_t index;
        const char *field, *reason;
    } want[] = {{0, "features.contact", "pii: e-mail address found"},
                {2, "features.contact", "pii: e-mail address found"},
                {3, "id", "pii: e-mail address found"},
                {5, "features.age", "numeric: expected a number, got a string"}};
    assert_int_equal(rj.n, 4);
    for (size_t i = 0; i < 4; i++) {
        assert_int_equal(rj.items[i].index, want[i].index);
        assert_string_equal(rj.items[i].field, want[i].field);
        assert_string_equal(rj.items[i].reason, want[i].reason);
        expect_no_raw(rj.items[i].record, strlen(rj.items[i].record), "a dead letter");
    }
    /* the masked dead letter keeps the rest of the record */
    assert_non_null(strstr(rj.items[0].record, "\"note\":\"paid with pii:card:8eb30d9085c6ae28 "
                                               "today\""));
    assert_non_null(strstr(rj.items[3].record, "\"contact\":\"pii:email:f7831e3410f19cf2\""));
    /* every finding was scanned for, the rejected records' included */
    assert_int_equal(vg_monitor_pii_findings(m, 1, VG_PII_EMAIL), 3);
    assert_int_equal(vg_monitor_pii_findings(m, 2, VG_PII_CARD), 1);
    assert_int_equal(vg_monitor_pii_findings(m, 2, VG_PII_PHONE), 1);
    assert_int_equal(vg_monitor_pii_findings(m, 3, VG_PII_CPF), 1);
    assert_int_equal(vg_monitor_pii_findings(m, 5, VG_PII_EMAIL), 1);
    assert_int_equal(vg_monitor_pii_findings(m, 3, VG_PII_CARD), 0);
    vg_error err;
    assert_int_equal(vg_monitor_apply(m, b, 1, 0, &err), VG_OK);
    vg_monitor_batch_free(b);
    vg_window *w = flush_one(m);
    assert_true(sample(w, "pii_records_share", "") == 0);
    vg_window_free(w);
    vg_monitor_rejects_free(&rj);
    vg_monitor_free(m);
}

/* "off": nothing scanned, nothing counted, nothing replaced. */
static void test_off(void **state) {
    (void)state;
    vg_monitor *m = monitor_with("{\"policy\": \"off\"}", KEY1);
    vg_monitor_rejects rj = {0};
    vg_monitor_batch *b = parse(m, BODY, &rj);
    assert_int_equal(vg_monitor_batch_size(b), 5);
    unsigned char *enc;
    size_t len;
    vg_error err;
    assert_int_equal(vg_monitor_apply(m, b, 1, 0, &err), VG_OK);
    assert_int_equal(vg_monitor_batch_encode(b, &enc, &len, &err), VG_OK);
    assert_int_equal(count_in(enc, len, "ana@example.com"), 3);
    assert_int_equal(count_in(enc, len, "pii:"), 0);
    free(enc);
    vg_monitor_batch_free(b);
    assert_int_equal(vg_monitor_pii_findings(m, 1, VG_PII_EMAIL), 0);
    vg_window *w = flush_one(m);
    for (size_t i = 0; i < w->n_metrics; i++)
        assert_null(strstr(w->metrics[i].name, "pii"));
    assert_null(strstr(w->report_json, "\"pii\""));
    vg_window_free(w);
    vg_monitor_rejects_free(&rj);
    vg_monitor_free(m);
}

/* Only the detectors and the features listed are scanned. */
static void test_scope(void **state) {
    (void)state;
    vg_monitor *m =
        monitor_with("{\"detectors\": [\"card\"], \"features\": [\"note\"], \"id\": false}", NULL);
    vg_monitor_rejects rj = {0};
    vg_monitor_batch *b = parse(m, BODY, &rj);
    vg_error err;
    assert_int_equal(vg_monitor_apply(m, b, 1, 0, &err), VG_OK);
    vg_monitor_batch_free(b);
    vg_window *w = flush_one(m);
    size_t n = 0;
    for (size_t i = 0; i < w->n_metrics; i++)
        if (!strcmp(w->metrics[i].name, "pii_findings")) {
            n++;
            assert_string_equal(w->metrics[i].labels, "feature=\"note\",kind=\"card\"");
            assert_true(w->metrics[i].value == 1);
        }
    assert_int_equal(n, 1);
    assert_true(fabs(sample(w, "pii_records_share", "") - 0.2) < 1e-12);
    assert_int_equal(vg_monitor_pii_findings(m, 1, VG_PII_EMAIL), 0);
    vg_window_free(w);
    vg_monitor_rejects_free(&rj);
    vg_monitor_free(m);
}

/* The scan's pre-filter (src/monitor/pii.c) never skips a value the scanner would match: random
 * strings over digits, separators, '@', letters and capitals, and the values of this file. */
int mpii_may_match(const char *s, size_t n);

static void test_prefilter(void **state) {
    (void)state;
    static const char alphabet[] = "0123456789012345678901234567890123456789 -.()+/@@abcxyzDEGB";
    uint64_t seed = 7;
    char buf[48];
    size_t skipped = 0, matched = 0;
    for (int it = 0; it < 300000; it++) {
        size_t n = 1 + t_rand(&seed) % 40;
        if (it % 2) {
            for (size_t i = 0; i < n; i++)
                buf[i] = alphabet[t_rand(&seed) % (sizeof alphabet - 1)];
        } else {
            /* shaped like numbers: groups of 1-5 digits between single separators, sometimes
             * after a '+' or two capitals, so that the scanner often matches */
            static const char sep[] = " -./()";
            size_t o = 0;
            if (t_rand(&seed) % 4 == 0)
                buf[o++] = '+';
            else if (t_rand(&seed) % 8 == 0)
                buf[o++] = 'D', buf[o++] = 'E';
            while (o < n) {
                for (size_t g = 1 + t_rand(&seed) % 5; g && o < n; g--)
                    buf[o++] = (char)('0' + t_rand(&seed) % 10);
                if (o < n)
                    buf[o++] = sep[t_rand(&seed) % (sizeof sep - 1)];
            }
        }
        size_t k = vg_pii_scan(buf, n, NULL, 0);
        matched += k > 0;
        if (!mpii_may_match(buf, n)) {
            skipped++;
            if (k) {
                print_error("pre-filter skips \"%.*s\", which has %zu matches\n", (int)n, buf, k);
                fail();
            }
        }
    }
    for (size_t i = 0; i < sizeof RAW / sizeof *RAW; i++)
        assert_true(mpii_may_match(RAW[i], strlen(RAW[i])));
    assert_true(mpii_may_match("GB82 WEST 1234 5698 7654 32", 27));
    assert_false(mpii_may_match("employed", 8));
    assert_false(mpii_may_match("t0-v0-123", 9));
    /* the random strings exercised both sides */
    fprintf(stderr, "prefilter: %zu skipped, %zu matched of 300000\n", skipped, matched);
    assert_true(skipped > 10000 && matched > 1000);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sha256_vectors), cmocka_unit_test(test_spec),
        cmocka_unit_test(test_report_policy),  cmocka_unit_test(test_redact_policy),
        cmocka_unit_test(test_reject_policy),  cmocka_unit_test(test_scope),
        cmocka_unit_test(test_prefilter),      cmocka_unit_test(test_off),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
