/*
 * The CSV scanner's fast path (SIMD where available) against its byte-at-a-time reference: the
 * same bytes must give the same records, errors, line numbers and counters (tests/fuzz/
 * csv_diff.h compares full transcripts). Inputs are chosen to hit the fast path's edges:
 * separators, quotes, CR and line ends at every offset mod 16 and 64, fields across 16- and
 * 64-byte blocks and across buffer refills, invalid UTF-8 at every position, the buffer end and
 * its sentinel, plus random and mutated CSV. A few fixed cases check the answers themselves.
 */
#include "testutil.h"

#include "../fuzz/csv_diff.h"

static char g_path[128];
static uint64_t g_runs;

/* Runs the differential check under several option sets (with `small_buffers`, also with a small
 * max_record, hence a buffer refilled every few dozen bytes); fails the test on a difference. */
static void diff_all(const char *data, size_t n, char sep, uint64_t *rng, int small_buffers) {
    static const size_t small[] = {20, 40, 64, 100, 300};
    for (int k = 0; k < (small_buffers ? 4 : 2); k++) {
        vg_read_options o;
        vg_read_options_default(&o);
        o.separator = sep;
        o.skip_bad_rows = k & 1;
        /* a 64 KiB buffer for small inputs reads them as the default 1 MiB one does, and spares
         * the sanitizer build most of the cost of a large allocation per reader */
        o.max_record = (k & 2) ? small[t_rand(rng) % 5] : n < 60000 ? 65536 : 0;
        size_t batch = 1 + (size_t)(t_rand(rng) % 7);
        uint64_t start = n ? t_rand(rng) % (n + 1) : 0;
        uint64_t limit = start + t_rand(rng) % (n + 2);
        if (t_rand(rng) % 4 == 0)
            limit = UINT64_MAX;
        g_runs++;
        if (csv_diff_run(g_path, data, n, &o, batch, start, limit))
            fail_msg("fast and reference CSV scans differ (input of %zu bytes)", n);
    }
}

static void set_path(void **state) {
    snprintf(g_path, sizeof g_path, "%s/in.csv", (const char *)*state);
}

/* The harness is not vacuous: both paths return the right fields for plain input. */
static void test_known_answers(void **state) {
    set_path(state);
    const char *text = "a,b,c\n1,22,333\r\n\"x,\"\"y\",,z\n"
                       "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef,q,\"\"\n";
    FILE *f = fopen(g_path, "wb");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
    const char *want[3][3] = {
        {"1", "22", "333"},
        {"x,\"y", "", "z"},
        {"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", "q", ""}};
    vg_error err;
    vg_reader *r;
    vg_record rec;
    for (int reference = 0; reference < 2; reference++) {
        vg_csv_reference_scan = reference;
        r = vg_reader_open(g_path, NULL, &err);
        assert_non_null(r);
        for (int i = 0; i < 3; i++) {
            assert_int_equal(vg_reader_next(r, &rec, &err), 1);
            assert_int_equal(rec.n, 3);
            assert_int_equal(rec.line, (uint64_t)i + 2);
            for (int j = 0; j < 3; j++) {
                assert_int_equal(rec.len[j], strlen(want[i][j]));
                assert_memory_equal(rec.data[j], want[i][j], rec.len[j]);
            }
        }
        assert_int_equal(vg_reader_next(r, &rec, &err), 0);
        vg_reader_close(r);
    }
    vg_csv_reference_scan = 0;

    /* invalid UTF-8 past the first 16 bytes of an otherwise ASCII record is still caught */
    f = fopen(g_path, "wb");
    assert_non_null(f);
    fputs("a,b\n0123456789abcdefghij,x\xff\n", f);
    fclose(f);
    r = vg_reader_open(g_path, NULL, &err);
    assert_non_null(r);
    assert_true(vg_reader_next(r, &rec, &err) < 0);
    assert_non_null(strstr(err.msg, ":2: field 2 (column 'b') is not valid UTF-8"));
    vg_reader_close(r);
}

/* Hand-picked adversarial inputs, each under every option set. */
static void test_fixed_cases(void **state) {
    set_path(state);
    static const char *cases[] = {
        "",
        "\n",
        "\n\n\r\n",
        "a\n",
        "a\n\n\n1\n\n",
        "a,b\n1,2",
        "a,b\n1,2\r",
        "a,b\n1,2\r\n",
        "a,b\r\n1,2\r\n3,4\r\n",
        "a,b\n1\r2,3\n",
        "a,b\n1,2\r\r\n",
        "a,b\n\"1\",\"2\"\n",
        "a,b\n\"1\"x,2\n",
        "a,b\n\"1\r\n2\",3\n4,5\n",
        "a,b\n\"unterminated,2\n3,4\n",
        "a,b\n1,\"2\"\"\"\n",
        "a,b\n1,2,3\n4,5\n",
        "a,b\n1\n4,5\n",
        "a,b\n1,\"\"\n",
        "a,b\n1\"2,3\"\n",
        "\357\273\277a,b\n1,2\n", /* byte-order mark */
        "a,a,a\n1,2,3\n",
        ",\n1,2\n",
        "a,b\n\xC3\xA9,\xff\n",
        "a,b\n\xC3,\xA9\n",
        "a\xff,b\n1,2\n",
        "a,b\n1,2\n\"",
        "a,b\n1,2\n\"\"",
        "a,b\n\"x\"\r",
        "a,b\n\"x\"\ry\n",
        "a,b\n\0,\0\n",
    };
    uint64_t rng = 1;
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        size_t n = strlen(cases[i]);
        if (i == sizeof cases / sizeof *cases - 1)
            n = 8; /* the NUL case */
        diff_all(cases[i], n, ',', &rng, 1);
    }
}

/* A header and rows whose structural bytes move through every offset mod 64 (so every lane of
 * the 16-byte loads and every position of a 64-byte block), with each kind of stop byte. */
static void test_offsets(void **state) {
    set_path(state);
    static const char *probes[] = {",",        "\n",   "\r\n", "\r",   "\"", ",\"q\"\"q\",",
                                   "\xC3\xA9", "\xff", ",\r,", "\n\n", ",,", "\"\n"};
    uint64_t rng = 2;
    char buf[1024];
    for (size_t pr = 0; pr < sizeof probes / sizeof *probes; pr++)
        for (size_t shift = 0; shift < 130; shift++) {
            size_t n = 0;
            n += (size_t)snprintf(buf + n, sizeof buf - n, "c1,c2,c3\n");
            for (size_t i = 0; i < shift; i++)
                buf[n++] = (char)('a' + i % 26);
            n += (size_t)snprintf(buf + n, sizeof buf - n, "%s", probes[pr]);
            n +=
                (size_t)snprintf(buf + n, sizeof buf - n,
                                 "x,y\n1,22,333\n4444,55555,666666\n%.*s,,\n", (int)(shift % 70),
                                 "zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz"
                                 "zzzzzzzzzzzzzzzzz");
            diff_all(buf, n, ',', &rng, 1);
            diff_all(buf, n - 1, ',', &rng, 1); /* without the final line end */
        }
}

/* Every byte of a record replaced, in turn, by an invalid or a multi-byte UTF-8 byte. */
static void test_utf8_every_position(void **state) {
    set_path(state);
    const char *base = "name,value,code\n"
                       "alpha,1.25,AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\n"
                       "\"beta, quoted\",2.5,BB\r\n"
                       "gamma,3.75,CCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCC\n";
    size_t n = strlen(base);
    static const unsigned char subst[] = {0xFF, 0xC3, 0xA9, 0x80, 0xE2, 0xF0};
    char *buf = malloc(n + 1);
    assert_non_null(buf);
    uint64_t rng = 3;
    for (size_t s = 0; s < sizeof subst; s++)
        for (size_t i = 0; i < n; i++) {
            memcpy(buf, base, n);
            buf[i] = (char)subst[s];
            diff_all(buf, n, ',', &rng, 1);
        }
    free(buf);
}

/* Random bytes over a small alphabet rich in structure. */
static void test_random_bytes(void **state) {
    set_path(state);
    static const char alphabet[] = ",,,,\"\"\n\n\r;\tab0123456789 \xC3\xA9\xff\x80";
    uint64_t rng = 4;
    char buf[3000];
    for (int t = 0; t < 3000; t++) {
        size_t n = (size_t)(t_rand(&rng) % sizeof buf);
        for (size_t i = 0; i < n; i++)
            buf[i] = alphabet[t_rand(&rng) % (sizeof alphabet - 1)];
        char sep = ",;\t"[t % 3];
        diff_all(buf, n, sep, &rng, 1);
    }
}

/* Appends a random field for separator `sep`. */
static size_t random_field(char *b, uint64_t *rng, char sep) {
    size_t n = 0, len = (size_t)(t_rand(rng) % 4 == 0 ? t_rand(rng) % 120 : t_rand(rng) % 12);
    switch (t_rand(rng) % 8) {
    case 0: /* empty */ return 0;
    case 1: /* quoted, with doubled quotes, separators and line ends inside */
        b[n++] = '"';
        for (size_t i = 0; i < len; i++) {
            static const char in[] = "ab\"\"\n\r,;\t \xC3\xA9";
            char c = in[t_rand(rng) % (sizeof in - 1)];
            b[n++] = c;
            if (c == '"')
                b[n++] = '"';
        }
        b[n++] = '"';
        return n;
    case 2: /* non-ASCII text */
        for (size_t i = 0; i < len; i++) {
            b[n++] = '\xC3';
            b[n++] = '\xA9';
        }
        return n;
    default: /* plain ASCII, like numbers and categories */
        for (size_t i = 0; i < len; i++) {
            char c = (char)('0' + t_rand(rng) % 10);
            b[n++] = c == sep ? 'x' : c;
        }
        return n;
    }
}

/* Mostly well-formed CSV, then a few bytes mutated. */
static size_t random_csv(char *b, size_t cap, uint64_t *rng, char sep) {
    size_t n = 0, cols = 1 + (size_t)(t_rand(rng) % 6), rows = (size_t)(t_rand(rng) % 40);
    int crlf = t_rand(rng) % 3 == 0;
    for (size_t r = 0; r <= rows && n + 2000 < cap; r++) {
        size_t nf = t_rand(rng) % 10 == 0 ? 1 + (size_t)(t_rand(rng) % 7) : cols;
        if (r && t_rand(rng) % 15 == 0)
            nf = 0; /* blank line */
        for (size_t f = 0; f < nf; f++) {
            if (f)
                b[n++] = sep;
            n += random_field(b + n, rng, sep);
        }
        if (crlf || t_rand(rng) % 20 == 0)
            b[n++] = '\r';
        b[n++] = '\n';
    }
    if (n && t_rand(rng) % 4 == 0)
        n--; /* no final line end */
    size_t mutations = (size_t)(t_rand(rng) % 4);
    for (size_t i = 0; i < mutations && n; i++)
        b[t_rand(rng) % n] = "\"\r\n,\xff"[t_rand(rng) % 5];
    return n;
}

static void test_random_csv(void **state) {
    set_path(state);
    size_t cap = 1 << 17;
    char *buf = malloc(cap);
    assert_non_null(buf);
    uint64_t rng = 5;
    for (int t = 0; t < 3000; t++) {
        char sep = ",;\t|"[t % 4];
        size_t n = random_csv(buf, cap, &rng, sep);
        diff_all(buf, n, sep, &rng, 1);
    }
    free(buf);
}

/* Files larger than the 1 MiB initial buffer, so records straddle refills at arbitrary
 * offsets, including one line longer than the buffer. */
static void test_refills(void **state) {
    set_path(state);
    size_t cap = 5u << 20;
    char *buf = malloc(cap);
    assert_non_null(buf);
    uint64_t rng = 6;
    for (int t = 0; t < 3; t++) {
        size_t n = (size_t)snprintf(buf, cap, "a,b,c,d\n");
        while (n + 4000 < cap - (2u << 20)) {
            for (int f = 0; f < 4; f++) {
                if (f)
                    buf[n++] = ',';
                n += random_field(buf + n, &rng, ',');
            }
            if (t_rand(&rng) % 500 == 0)
                buf[n++] = '\r';
            buf[n++] = '\n';
        }
        if (t == 2) { /* a 1.5 MiB record */
            memset(buf + n, 'q', 3u << 19);
            n += 3u << 19;
            memcpy(buf + n, ",1,2,3\n", 7);
            n += 7;
        }
        uint64_t r2 = rng;
        diff_all(buf, n, ',', &r2, 0);
        rng = r2;
    }
    free(buf);
}

static void test_run_count(void **state) {
    (void)state;
    /* every differential run above happened (a guard against silently skipped loops) */
    assert_true(g_runs > 40000);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_known_answers, t_tmpdir_setup, t_tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_fixed_cases, t_tmpdir_setup, t_tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_offsets, t_tmpdir_setup, t_tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_utf8_every_position, t_tmpdir_setup,
                                        t_tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_random_bytes, t_tmpdir_setup, t_tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_random_csv, t_tmpdir_setup, t_tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_refills, t_tmpdir_setup, t_tmpdir_teardown),
        cmocka_unit_test(test_run_count),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
