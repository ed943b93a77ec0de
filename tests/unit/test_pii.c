/*
 * PII detectors: for each kind, true positives (valid check digits, several formats, embedded
 * in text) and false positives (a changed digit, wrong length, all-same digits, dates,
 * decimals, ids); the precedence between kinds; redaction; and no read past len (every scan
 * runs on a heap copy of exactly len bytes, without a NUL, so ASan catches an overread).
 */
#include "testutil.h"

#include "vigia/pii.h"

/* Scans text through an exact-size heap copy. */
static size_t scan(const char *text, vg_pii_match *m, size_t max) {
    size_t len = strlen(text);
    char *copy = malloc(len ? len : 1);
    assert_non_null(copy);
    memcpy(copy, text, len);
    size_t n = vg_pii_scan(copy, len, m, max);
    free(copy);
    return n;
}

/* text holds exactly one match, of kind k, equal to want. */
static void expect_one(const char *text, vg_pii_kind k, const char *want) {
    vg_pii_match m[4];
    size_t n = scan(text, m, 4);
    if (n != 1 || m[0].kind != k || m[0].length != strlen(want) ||
        memcmp(text + m[0].offset, want, m[0].length) != 0) {
        print_error("text \"%s\": %zu matches, first %s \"%.*s\"; wanted %s \"%s\"\n", text, n,
                    n ? vg_pii_kind_name(m[0].kind) : "-", n ? (int)m[0].length : 0,
                    n ? text + m[0].offset : "", vg_pii_kind_name(k), want);
        fail();
    }
}

static void expect_none(const char *text) {
    vg_pii_match m[4];
    size_t n = scan(text, m, 4);
    if (n != 0) {
        print_error("text \"%s\": unexpected %s \"%.*s\"\n", text, vg_pii_kind_name(m[0].kind),
                    (int)m[0].length, text + m[0].offset);
        fail();
    }
}

static int ok(int (*f)(const char *, size_t), const char *s) {
    size_t len = strlen(s);
    char *copy = malloc(len ? len : 1);
    assert_non_null(copy);
    memcpy(copy, s, len);
    int r = f(copy, len);
    free(copy);
    return r;
}

static void test_kind_names(void **st) {
    (void)st;
    assert_string_equal(vg_pii_kind_name(VG_PII_EMAIL), "email");
    assert_string_equal(vg_pii_kind_name(VG_PII_CNPJ), "cnpj");
    assert_null(vg_pii_kind_name(VG_PII_N_KINDS));
}

static void test_luhn_and_cards(void **st) {
    (void)st;
    assert_true(ok(vg_pii_luhn_ok, "79927398713"));
    assert_false(ok(vg_pii_luhn_ok, "79927398710"));
    assert_true(ok(vg_pii_card_ok, "4111111111111111"));
    assert_true(ok(vg_pii_card_ok, "4111 1111 1111 1111"));
    assert_true(ok(vg_pii_card_ok, "5555-5555-5555-4444"));
    assert_true(ok(vg_pii_card_ok, "378282246310005"));       /* Amex, 15 */
    assert_true(ok(vg_pii_card_ok, "3782 822463 10005"));     /* Amex grouping */
    assert_false(ok(vg_pii_card_ok, "4111111111111112"));     /* one digit changed */
    assert_false(ok(vg_pii_card_ok, "4111 1111-1111 1111"));  /* mixed separators */
    assert_false(ok(vg_pii_card_ok, "4111  1111 1111 1111")); /* double space */
    assert_false(ok(vg_pii_card_ok, "411111111111"));         /* 12 digits */
    assert_false(ok(vg_pii_card_ok, "79927398713000000000")); /* 20 digits */
    assert_false(ok(vg_pii_card_ok, "0000000000000000"));     /* Luhn-valid, no issuer */

    expect_one("paid with 4111 1111 1111 1111 yesterday", VG_PII_CARD, "4111 1111 1111 1111");
    expect_one("card=5555555555554444;", VG_PII_CARD, "5555555555554444");
    expect_one("4012-8888-8888-1881", VG_PII_CARD, "4012-8888-8888-1881");
    expect_none("paid with 4111 1111 1111 1112 yesterday");
    expect_none("order id 1000000000000007"); /* Luhn-valid but starts with 1 */
    expect_none("x4111111111111111");         /* glued to a word */
    expect_none("0.4111111111111111");        /* a decimal */
}

static void test_cpf(void **st) {
    (void)st;
    assert_true(ok(vg_pii_cpf_ok, "123.456.789-09"));
    assert_true(ok(vg_pii_cpf_ok, "12345678909"));
    assert_true(ok(vg_pii_cpf_ok, "529.982.247-25"));
    assert_false(ok(vg_pii_cpf_ok, "123.456.789-08")); /* second check digit wrong */
    assert_false(ok(vg_pii_cpf_ok, "123.456.789-19")); /* first check digit wrong */
    assert_false(ok(vg_pii_cpf_ok, "123.456.788-09")); /* body digit changed */
    assert_false(ok(vg_pii_cpf_ok, "111.111.111-11")); /* all same (passes the digits) */
    assert_false(ok(vg_pii_cpf_ok, "00000000000"));
    assert_false(ok(vg_pii_cpf_ok, "123456789-09")); /* half formatted */
    assert_false(ok(vg_pii_cpf_ok, "1234567890"));   /* 10 digits */

    expect_one("CPF: 123.456.789-09.", VG_PII_CPF, "123.456.789-09");
    expect_one("cliente 52998224725 ativo", VG_PII_CPF, "52998224725");
    expect_none("CPF: 123.456.789-08");
    expect_none("CPF: 111.111.111-11");
}

static void test_cnpj(void **st) {
    (void)st;
    assert_true(ok(vg_pii_cnpj_ok, "12.345.678/0001-95"));
    assert_true(ok(vg_pii_cnpj_ok, "11.222.333/0001-81"));
    assert_true(ok(vg_pii_cnpj_ok, "11222333000181"));
    assert_false(ok(vg_pii_cnpj_ok, "11.222.333/0001-82"));
    assert_false(ok(vg_pii_cnpj_ok, "11.222.333/0001-91"));
    assert_false(ok(vg_pii_cnpj_ok, "11.222.334/0001-81"));
    assert_false(ok(vg_pii_cnpj_ok, "00.000.000/0000-00"));
    assert_false(ok(vg_pii_cnpj_ok, "11.222.333.0001-81"));

    expect_one("empresa 11.222.333/0001-81 (matriz)", VG_PII_CNPJ, "11.222.333/0001-81");
    expect_one("cnpj=11222333000181", VG_PII_CNPJ, "11222333000181");
    expect_none("empresa 11.222.333/0001-80");
}

static void test_iban(void **st) {
    (void)st;
    assert_true(ok(vg_pii_iban_ok, "DE89370400440532013000"));
    assert_true(ok(vg_pii_iban_ok, "DE89 3704 0044 0532 0130 00"));
    assert_true(ok(vg_pii_iban_ok, "GB82 WEST 1234 5698 7654 32"));
    assert_true(ok(vg_pii_iban_ok, "NL91ABNA0417164300"));
    assert_true(ok(vg_pii_iban_ok, "FR1420041010050500013M02606"));
    assert_false(ok(vg_pii_iban_ok, "DE89370400440532013001"));  /* mod 97 fails */
    assert_false(ok(vg_pii_iban_ok, "DE88370400440532013000"));  /* check digits */
    assert_false(ok(vg_pii_iban_ok, "DE8937040044053201300"));   /* one short */
    assert_false(ok(vg_pii_iban_ok, "DE893704004405320130000")); /* one long */
    assert_false(ok(vg_pii_iban_ok, "ZZ89370400440532013000"));  /* unknown country */
    assert_false(ok(vg_pii_iban_ok, "gb82west12345698765432"));  /* lowercase */

    expect_one("IBAN DE89 3704 0044 0532 0130 00 please", VG_PII_IBAN,
               "DE89 3704 0044 0532 0130 00");
    expect_one("to NL91ABNA0417164300.", VG_PII_IBAN, "NL91ABNA0417164300");
    expect_none("to NL91ABNA0417164301.");
    expect_none("XNL91ABNA0417164300"); /* glued */
}

static void test_email(void **st) {
    (void)st;
    assert_true(ok(vg_pii_email_ok, "john.doe@example.com"));
    assert_true(ok(vg_pii_email_ok, "a+tag@mail.example.co.uk"));
    assert_false(ok(vg_pii_email_ok, "john@localhost"));
    assert_false(ok(vg_pii_email_ok, "john..doe@example.com"));
    assert_false(ok(vg_pii_email_ok, ".john@example.com"));
    assert_false(ok(vg_pii_email_ok, "john@-example.com"));
    assert_false(ok(vg_pii_email_ok, "john@example.c"));
    assert_false(ok(vg_pii_email_ok, "john@example.c0m"));
    assert_false(ok(vg_pii_email_ok, "@example.com"));

    expect_one("write to john.doe@example.com.", VG_PII_EMAIL, "john.doe@example.com");
    expect_one("<x_y%z-1@sub.example.org>", VG_PII_EMAIL, "x_y%z-1@sub.example.org");
    expect_one("12345678909@example.com", VG_PII_EMAIL, "12345678909@example.com");
    expect_none("user@host and a @ sign, x@y");
    expect_none("version 1.2@3.4");
}

static void test_phone(void **st) {
    (void)st;
    assert_true(ok(vg_pii_phone_ok, "+55 11 98765-4321"));
    assert_true(ok(vg_pii_phone_ok, "+5511987654321"));
    assert_true(ok(vg_pii_phone_ok, "+1 (555) 123-4567"));
    assert_true(ok(vg_pii_phone_ok, "(11) 98765-4321"));
    assert_true(ok(vg_pii_phone_ok, "555-123-4567"));
    assert_true(ok(vg_pii_phone_ok, "555.123.4567"));
    assert_true(ok(vg_pii_phone_ok, "020 7946 0958"));
    assert_false(ok(vg_pii_phone_ok, "5551234567"));          /* a plain integer */
    assert_false(ok(vg_pii_phone_ok, "+1234567"));            /* 7 digits */
    assert_false(ok(vg_pii_phone_ok, "+1234567890123456"));   /* 16 digits */
    assert_false(ok(vg_pii_phone_ok, "555-1234"));            /* too short for a national number */
    assert_false(ok(vg_pii_phone_ok, "12345.67890"));         /* a decimal */
    assert_false(ok(vg_pii_phone_ok, "1 2 3 4 5 6 7 8 9 0")); /* small numbers */
    assert_true(ok(vg_pii_phone_ok, "06 12 34 56 78"));
    assert_false(ok(vg_pii_phone_ok, "2024-01-15 10")); /* a date and an hour */
    assert_false(ok(vg_pii_phone_ok, "15/01/2024 10"));
    assert_false(ok(vg_pii_phone_ok, "123.456.789-00")); /* a CPF shape */

    expect_one("call +55 11 98765-4321 now", VG_PII_PHONE, "+55 11 98765-4321");
    expect_one("tel (11) 98765-4321", VG_PII_PHONE, "(11) 98765-4321");
    expect_one("office: 555-123-4567.", VG_PII_PHONE, "555-123-4567");
    expect_none("at 2024-01-15 10:30 the total was 12345.67890");
    expect_none("id 12345678901234 qty 3");
    expect_none("CPF 123.456.789-00"); /* invalid CPF is not a phone either */
    expect_none("pi 3.14159265358979");
    /* found by fuzz_pii: numbers glued by '+' or cut after a ')' are no phones, so that
     * redacting one cannot turn its neighbour into a phone */
    expect_none("x +55 11 9876+55 11 98765");
    /* a run may be cut at ')': two phones, the same ones before and after redaction */
    vg_pii_match m[4];
    assert_int_equal(scan("x 3704 22 0130)7040 22 0130", m, 4), 2);
    assert_int_equal(m[0].offset, 2);
    assert_int_equal(m[1].offset, 15);
}

static void test_precedence_and_many(void **st) {
    (void)st;
    /* a valid card with spaces is a card, not a phone; a valid CPF is not a phone */
    expect_one("+ 4111 1111 1111 1111", VG_PII_CARD, "4111 1111 1111 1111");
    expect_one("52998224725", VG_PII_CPF, "52998224725");
    const char *t = "a@b.com, 4111111111111111 12345678909 +55 11 98765-4321 "
                    "DE89370400440532013000 11.222.333/0001-81";
    vg_pii_match m[8];
    size_t n = scan(t, m, 8);
    assert_int_equal(n, 6);
    vg_pii_kind want[] = {VG_PII_EMAIL, VG_PII_CARD, VG_PII_CPF,
                          VG_PII_PHONE, VG_PII_IBAN, VG_PII_CNPJ};
    for (size_t i = 0; i < 6; i++) {
        assert_int_equal(m[i].kind, want[i]);
        if (i)
            assert_true(m[i].offset >= m[i - 1].offset + m[i - 1].length);
    }
    /* the count goes on past max */
    assert_int_equal(scan(t, m, 2), 6);
    assert_int_equal(vg_pii_scan(t, strlen(t), NULL, 0), 6);
    expect_none("");
}

static void test_redact(void **st) {
    (void)st;
    const char *t = "mail a@b.com card 4111 1111 1111 1111, cpf 123.456.789-09";
    char out[128];
    size_t ol, nm;
    vg_error e;
    assert_int_equal(vg_pii_redact(t, strlen(t), out, sizeof out, &ol, &nm, &e), VG_OK);
    assert_string_equal(out, "mail [EMAIL] card [CARD ****1111], cpf [CPF]");
    assert_int_equal(ol, strlen(out));
    assert_int_equal(nm, 3);

    /* too small: the size needed is reported, and the message does not quote the input */
    char small[10];
    assert_int_equal(vg_pii_redact(t, strlen(t), small, sizeof small, &ol, &nm, &e), VG_ERR_LIMIT);
    assert_int_equal(ol, strlen("mail [EMAIL] card [CARD ****1111], cpf [CPF]"));
    assert_null(strstr(e.msg, "a@b.com"));
    /* exact fit */
    char *fit = malloc(ol + 1);
    assert_int_equal(vg_pii_redact(t, strlen(t), fit, ol + 1, NULL, NULL, &e), VG_OK);
    assert_string_equal(fit, out);
    free(fit);

    /* redaction output grows past the input: "a@b.cc" is 6 bytes, "[EMAIL]" 7 */
    assert_int_equal(vg_pii_redact("a@b.cc", 6, out, sizeof out, &ol, &nm, &e), VG_OK);
    assert_string_equal(out, "[EMAIL]");
    /* a match is a boundary for what follows, as its token is (found by fuzz_pii) */
    const char *g = "joe@ez.cr+55 11 98765-4321";
    assert_int_equal(vg_pii_redact(g, strlen(g), out, sizeof out, &ol, &nm, &e), VG_OK);
    assert_string_equal(out, "[EMAIL][PHONE]");
    /* no PII: copied as is; an empty input gives an empty string */
    assert_int_equal(vg_pii_redact("hello 12", 8, out, sizeof out, &ol, &nm, &e), VG_OK);
    assert_string_equal(out, "hello 12");
    assert_int_equal(nm, 0);
    assert_int_equal(vg_pii_redact("", 0, out, 1, &ol, &nm, &e), VG_OK);
    assert_string_equal(out, "");
    assert_int_equal(vg_pii_redact(NULL, 3, out, 1, &ol, &nm, &e), VG_ERR_INVALID);
}

/* Cut a match short by len: the truncated candidate must not match (or match less). */
static void test_no_read_past_len(void **st) {
    (void)st;
    const char *t = "cpf 123.456.789-09";
    size_t full = strlen(t);
    for (size_t len = 0; len <= full; len++) {
        char *c = malloc(len ? len : 1);
        memcpy(c, t, len);
        vg_pii_match m[2];
        size_t n = vg_pii_scan(c, len, m, 2);
        assert_int_equal(n, len == full ? 1 : 0);
        free(c);
    }
    const char *mail = "x john@example.com";
    for (size_t len = 0; len <= strlen(mail); len++) {
        char *c = malloc(len ? len : 1);
        memcpy(c, mail, len);
        vg_pii_match m[2];
        size_t n = vg_pii_scan(c, len, m, 2);
        for (size_t i = 0; i < n; i++)
            assert_true(m[i].offset + m[i].length <= len);
        char out[64];
        assert_int_equal(vg_pii_redact(c, len, out, sizeof out, NULL, NULL, NULL), VG_OK);
        free(c);
    }
}

/* Random bytes from a small alphabet: matches stay in bounds, ordered, and each is what its
 * validator accepts. */
static void test_random_consistency(void **st) {
    (void)st;
    static const char alpha[] = "0123456789 -./()+@abAZDEGBc_";
    uint64_t seed = 7;
    char buf[200];
    vg_pii_match m[64];
    for (int it = 0; it < 20000; it++) {
        size_t len = t_rand(&seed) % sizeof buf;
        for (size_t i = 0; i < len; i++)
            buf[i] = alpha[t_rand(&seed) % (sizeof alpha - 1)];
        size_t n = vg_pii_scan(buf, len, m, 64);
        size_t prev = 0;
        for (size_t i = 0; i < n && i < 64; i++) {
            assert_true(m[i].length > 0 && m[i].offset >= prev);
            assert_true(m[i].offset + m[i].length <= len);
            prev = m[i].offset + m[i].length;
            int (*v)(const char *, size_t) = m[i].kind == VG_PII_EMAIL  ? vg_pii_email_ok
                                             : m[i].kind == VG_PII_CARD ? vg_pii_card_ok
                                             : m[i].kind == VG_PII_IBAN ? vg_pii_iban_ok
                                             : m[i].kind == VG_PII_CPF  ? vg_pii_cpf_ok
                                             : m[i].kind == VG_PII_CNPJ ? vg_pii_cnpj_ok
                                                                        : vg_pii_phone_ok;
            assert_true(v(buf + m[i].offset, m[i].length));
        }
    }
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_kind_names),
        cmocka_unit_test(test_luhn_and_cards),
        cmocka_unit_test(test_cpf),
        cmocka_unit_test(test_cnpj),
        cmocka_unit_test(test_iban),
        cmocka_unit_test(test_email),
        cmocka_unit_test(test_phone),
        cmocka_unit_test(test_precedence_and_many),
        cmocka_unit_test(test_redact),
        cmocka_unit_test(test_no_read_past_len),
        cmocka_unit_test(test_random_consistency),
    };
    return cmocka_run_group_tests_name("pii", tests, NULL, NULL);
}
