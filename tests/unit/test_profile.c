/*
 * Cell classification, CSV/NDJSON readers (including records that straddle buffer refills),
 * profiles, merging and the .vgp codec.
 */
#include "testutil.h"

#include "../../src/base/hash.h"

static void test_classify(void **state) {
    (void)state;
    struct {
        const char *s;
        vg_kind kind;
        double num;
    } cases[] = {
        {"", VG_KIND_MISSING, 0},
        {"NA", VG_KIND_MISSING, 0},
        {"NaN", VG_KIND_MISSING, 0},
        {"null", VG_KIND_MISSING, 0},
        {"#N/A", VG_KIND_MISSING, 0},
        {"-nan", VG_KIND_MISSING, 0},
        {"None", VG_KIND_STRING, 0},
        {"0", VG_KIND_INTEGER, 0},
        {"-17", VG_KIND_INTEGER, -17},
        {"+5", VG_KIND_INTEGER, 5},
        {"007", VG_KIND_INTEGER, 7},
        {" 12 ", VG_KIND_INTEGER, 12},
        {"1.5", VG_KIND_FRACTIONAL, 1.5},
        {"1.", VG_KIND_FRACTIONAL, 1},
        {".5", VG_KIND_FRACTIONAL, 0.5},
        {"-1e-3", VG_KIND_FRACTIONAL, -1e-3},
        {"2E+2", VG_KIND_FRACTIONAL, 200},
        {"0.1", VG_KIND_FRACTIONAL, 0.1},
        {"inf", VG_KIND_FRACTIONAL, INFINITY},
        {"-Infinity", VG_KIND_FRACTIONAL, -INFINITY},
        {"true", VG_KIND_BOOLEAN, 1},
        {"FALSE", VG_KIND_BOOLEAN, 0},
        {"tRuE", VG_KIND_BOOLEAN, 1},
        {" true", VG_KIND_STRING, 0},
        {"1e", VG_KIND_STRING, 0},
        {"-", VG_KIND_STRING, 0},
        {".", VG_KIND_STRING, 0},
        {"0x10", VG_KIND_STRING, 0},
        {"1,5", VG_KIND_STRING, 0},
        {"abc", VG_KIND_STRING, 0},
        {"  ", VG_KIND_STRING, 0},
        {"12abc", VG_KIND_STRING, 0},
        {"9007199254740993", VG_KIND_INTEGER, 9007199254740992.0},
        {"123456789012345678901234567890", VG_KIND_INTEGER, 1.2345678901234568e29},
        {"0.30000000000000004", VG_KIND_FRACTIONAL, 0.30000000000000004},
        {"1e400", VG_KIND_FRACTIONAL, INFINITY},
        {"4.9406564584124654e-324", VG_KIND_FRACTIONAL, 4.9406564584124654e-324},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        double x = -999;
        vg_kind k = vg_classify(cases[i].s, strlen(cases[i].s), &x);
        if (k != cases[i].kind)
            fail_msg("'%s': kind %d, expected %d", cases[i].s, k, cases[i].kind);
        if ((k == VG_KIND_INTEGER || k == VG_KIND_FRACTIONAL) && x != cases[i].num)
            fail_msg("'%s': value %.17g, expected %.17g", cases[i].s, x, cases[i].num);
    }
    /* every fast-path parse is correctly rounded: compare with strtod on random decimals */
    uint64_t seed = 11;
    for (int i = 0; i < 200000; i++) {
        char buf[64];
        int digits = 1 + (int)(t_rand(&seed) % 17), e = (int)(t_rand(&seed) % 40) - 20;
        double m = (double)(t_rand(&seed) % 100000000000000000ULL);
        int n = snprintf(buf, sizeof buf, "%.*fe%d", digits % 8, m / 1e9, e);
        double x;
        vg_kind k = vg_classify(buf, (size_t)n, &x);
        assert_int_equal(k, VG_KIND_FRACTIONAL);
        if (x != strtod(buf, NULL))
            fail_msg("'%s': %.17g vs strtod %.17g", buf, x, strtod(buf, NULL));
    }
}

/* Profiles `text` as CSV with the given record limit (small limits force many refills). */
static vg_profile *profile_text(const char *text, size_t max_record, vg_ingest_stats *st) {
    char *path = t_tempfile(".csv", text, strlen(text));
    vg_read_options ro;
    vg_read_options_default(&ro);
    ro.max_record = max_record;
    vg_profile *p = NULL;
    vg_error e;
    int rc = vg_profile_file(path, &ro, NULL, 1, &p, st, &e);
    if (rc != VG_OK)
        fail_msg("%s", e.msg);
    unlink(path);
    free(path);
    return p;
}

static void assert_same_profile(const vg_profile *a, const vg_profile *b) {
    assert_int_equal(a->rows, b->rows);
    assert_int_equal(a->ncols, b->ncols);
    for (size_t i = 0; i < a->ncols; i++) {
        const vg_column *x = a->cols[i], *y = b->cols[i];
        assert_string_equal(x->name, y->name);
        assert_int_equal(x->missing, y->missing);
        assert_int_equal(x->n_integer, y->n_integer);
        assert_int_equal(x->n_fractional, y->n_fractional);
        assert_int_equal(x->n_boolean, y->n_boolean);
        assert_int_equal(x->n_string, y->n_string);
        assert_true(vg_hll_estimate(x->hll) == vg_hll_estimate(y->hll));
        assert_int_equal(vg_freq_size(x->freq), vg_freq_size(y->freq));
    }
}

static void test_csv_refills(void **state) {
    (void)state;
    /* quoted separators, doubled quotes, embedded CRLF and LF, CRLF line ends, a blank line */
    char text[20000] = "id,name,score\r\n";
    uint64_t seed = 4;
    for (int i = 0; i < 300; i++) {
        char row[128];
        switch (t_rand(&seed) % 4) {
        case 0: snprintf(row, sizeof row, "%d,\"a,b\",%d.5\r\n", i, i); break;
        case 1: snprintf(row, sizeof row, "%d,\"say \"\"hi\"\"\",\r\n", i); break;
        case 2: snprintf(row, sizeof row, "%d,\"line1\nline2\r\nline3\",%d\n", i, -i); break;
        default: snprintf(row, sizeof row, "%d,plain,NA\r\n\r\n", i); break;
        }
        strcat(text, row);
    }
    vg_ingest_stats s1, s2;
    vg_profile *big = profile_text(text, 0, &s1);
    vg_profile *tiny = profile_text(text, 64, &s2);
    assert_int_equal(big->rows, 300);
    assert_same_profile(big, tiny);
    assert_int_equal(s1.blank_lines, s2.blank_lines);
    /* the name column has exactly 4 distinct values, one of them with an embedded quote */
    const vg_column *name = big->cols[1];
    assert_int_equal(vg_freq_size(name->freq), 4);
    const char *want = "say \"hi\"";
    assert_true(vg_freq_count(name->freq, vg_hash_bytes(want, strlen(want))) > 0);
    vg_profile_free(big);
    vg_profile_free(tiny);
}

static void test_csv_errors(void **state) {
    (void)state;
    struct {
        const char *text;
        const char *msg;
    } cases[] = {
        {"a,b\n1,2\n3\n", ":3: expected 2 fields, found 1"},
        {"a,b\n1,2\n3,4,5\n", ":3: expected 2 fields, found 3"},
        {"a,b\n1,\"open\n2,3\n", ":2: unterminated quoted field"},
        {"a,b\n1,\"x\"y\n", ":2: unexpected character after a closing quote"},
        {"a,b\n1,\xff\xfe\n", ":2: field 2 (column 'b') is not valid UTF-8"},
        {"", "empty file"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char *path = t_tempfile(".csv", cases[i].text, strlen(cases[i].text));
        vg_profile *p = NULL;
        vg_error e;
        int rc = vg_profile_file(path, NULL, NULL, 1, &p, NULL, &e);
        assert_true(rc < 0);
        assert_null(p);
        if (!strstr(e.msg, cases[i].msg) || !strstr(e.msg, path))
            fail_msg("case %zu: message '%s' lacks '%s'", i, e.msg, cases[i].msg);
        /* with skip_bad_rows the same input reads, counting the bad row */
        vg_read_options ro;
        vg_read_options_default(&ro);
        ro.skip_bad_rows = 1;
        vg_ingest_stats st;
        rc = vg_profile_file(path, &ro, NULL, 1, &p, &st, &e);
        if (i + 1 < sizeof cases / sizeof *cases) {
            assert_int_equal(rc, VG_OK);
            assert_int_equal(st.bad_rows, 1);
            assert_int_equal(p->bad_rows, 1);
            assert_int_equal(p->rows + st.bad_rows, i <= 2 ? 2 : 1);
            vg_profile_free(p);
        }
        unlink(path);
        free(path);
    }
}

static void test_ndjson(void **state) {
    (void)state;
    const char *text = "{\"a\": 1, \"b\": \"x\"}\n"
                       "\n"
                       "{\"a\": 2.0, \"b\": null, \"c\": true}\r\n"
                       "{\"a\": 3, \"c\": false, \"d\": [1, 2]}\n";
    char *path = t_tempfile(".ndjson", text, strlen(text));
    vg_profile *p = NULL;
    vg_ingest_stats st;
    vg_error e;
    assert_int_equal(vg_profile_file(path, NULL, NULL, 1, &p, &st, &e), VG_OK);
    assert_int_equal(p->rows, 3);
    assert_int_equal(st.blank_lines, 1);
    assert_int_equal(p->ncols, 4);
    const vg_column *a = p->cols[0], *b = p->cols[1], *c = p->cols[2], *d = p->cols[3];
    assert_int_equal(a->n_integer, 2);
    assert_int_equal(a->n_fractional, 1); /* 2.0 stays fractional */
    assert_true(vg_moments_mean(&a->moments) == 2);
    assert_int_equal(b->missing, 2); /* null, and absent in row 3 */
    assert_int_equal(c->missing, 1); /* first seen in row 2 */
    assert_int_equal(c->n_boolean, 2);
    assert_int_equal(d->n_string, 1);
    assert_int_equal(d->missing, 2);
    vg_profile_free(p);
    unlink(path);
    free(path);
}

static vg_profile *profile_rows(const char *const *cells, size_t rows, size_t cols,
                                const char *const *names) {
    vg_profile *p = vg_profile_new(NULL, NULL);
    for (size_t j = 0; j < cols; j++)
        assert_true(vg_profile_add_column(p, names[j], strlen(names[j]), NULL) >= 0);
    for (size_t i = 0; i < rows; i++) {
        for (size_t j = 0; j < cols; j++)
            vg_profile_add_text(p, j, cells[i * cols + j], strlen(cells[i * cols + j]));
        vg_profile_end_rows(p, 1);
    }
    return p;
}

static void test_merge_union_and_codec(void **state) {
    (void)state;
    const char *n1[] = {"x", "y"}, *n2[] = {"y", "z"};
    const char *c1[] = {"1", "a", "2", "b", "", "a"};
    const char *c2[] = {"c", "true", "a", "false"};
    vg_profile *p = profile_rows(c1, 3, 2, n1), *q = profile_rows(c2, 2, 2, n2);
    assert_int_equal(vg_profile_merge(p, q, NULL), VG_OK);
    assert_int_equal(p->rows, 5);
    assert_int_equal(p->ncols, 3);
    const vg_column *x = p->cols[0], *y = p->cols[1], *z = p->cols[2];
    assert_int_equal(x->missing, 1 + 2); /* one empty cell, two rows without x */
    assert_int_equal(vg_column_count(y), 5);
    assert_int_equal(z->missing, 3);
    assert_int_equal(z->n_boolean, 2);
    int exact;
    assert_true(vg_column_distinct(y, &exact) == 3 && exact);
    assert_int_equal(vg_profile_merge(p, p, NULL), VG_ERR_INVALID);

    vg_profile_options o;
    vg_profile_options_default(&o);
    o.kll_k = 100;
    vg_profile *other = vg_profile_new(&o, NULL);
    vg_error e;
    assert_int_equal(vg_profile_merge(p, other, &e), VG_ERR_MISMATCH);
    assert_non_null(strstr(e.msg, "different sketch settings"));
    vg_profile_free(other);

    unsigned char *buf;
    size_t len;
    assert_int_equal(vg_profile_encode(p, &buf, &len, NULL), VG_OK);
    vg_profile *r = vg_profile_decode(buf, len, "mem", &e);
    assert_non_null(r);
    assert_same_profile(p, r);
    vg_profile_free(r);
    /* any truncation, and any single flipped bit, is refused with a message */
    for (size_t cut = 0; cut < len; cut += 1 + cut / 16) {
        r = vg_profile_decode(buf, cut, "mem", &e);
        assert_null(r);
        assert_int_equal(e.code, VG_ERR_FORMAT);
    }
    for (size_t at = 0; at < len; at += 1 + at / 32) {
        buf[at] ^= 0x10;
        r = vg_profile_decode(buf, len, "mem", &e);
        assert_null(r);
        assert_non_null(strstr(e.msg, "mem: "));
        buf[at] ^= 0x10;
    }
    free(buf);
    vg_profile_free(p);
    vg_profile_free(q);
}

/* A purely numeric column past top_capacity distinct values stops counting values; a
 * string column goes on with bounded error. */
static void test_numbers_uncounted(void **state) {
    (void)state;
    vg_profile_options o;
    vg_profile_options_default(&o);
    o.top_capacity = 8;
    vg_profile *p = vg_profile_new(&o, NULL);
    vg_profile_add_column(p, "num", 3, NULL);
    vg_profile_add_column(p, "str", 3, NULL);
    for (int i = 0; i < 100; i++) {
        char v[16];
        int n = snprintf(v, sizeof v, "%d", i % 20);
        vg_profile_add_text(p, 0, v, (size_t)n);
        n = snprintf(v, sizeof v, "s%d", i % 20);
        vg_profile_add_text(p, 1, v, (size_t)n);
        vg_profile_end_rows(p, 1);
    }
    assert_true(p->cols[0]->numbers_uncounted);
    assert_int_equal(vg_freq_size(p->cols[0]->freq), 0);
    assert_false(p->cols[1]->numbers_uncounted);
    /* strings arriving later are still counted, exactly */
    vg_profile_add_text(p, 0, "unknown", 7);
    vg_profile_add_text(p, 1, "s1", 2);
    vg_profile_end_rows(p, 1);
    assert_int_equal(vg_freq_size(p->cols[0]->freq), 1);
    assert_int_equal(vg_freq_offset(p->cols[0]->freq), 0);
    /* merging a counted shard into an uncounted one drops the numbers, keeps the strings */
    vg_profile *q = vg_profile_new(&o, NULL);
    vg_profile_add_column(q, "num", 3, NULL);
    vg_profile_add_column(q, "str", 3, NULL);
    vg_profile_add_text(q, 0, "7", 1);
    vg_profile_add_text(q, 1, "s1", 2);
    vg_profile_add_text(q, 0, "unknown", 7);
    vg_profile_add_text(q, 1, "s2", 2);
    vg_profile_end_rows(q, 2);
    assert_int_equal(vg_profile_merge(q, p, NULL), VG_OK);
    assert_true(q->cols[0]->numbers_uncounted);
    vg_freq_item top[4];
    assert_int_equal(vg_freq_top(q->cols[0]->freq, top, 4), 1);
    assert_int_equal(top[0].count, 2);
    assert_memory_equal(top[0].value, "unknown", 7);
    vg_profile_free(q);
    assert_true(vg_freq_offset(p->cols[1]->freq) > 0);
    int exact;
    vg_column_distinct(p->cols[0], &exact);
    assert_false(exact);
    vg_profile_free(p);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_classify),
        cmocka_unit_test(test_csv_refills),
        cmocka_unit_test(test_csv_errors),
        cmocka_unit_test(test_ndjson),
        cmocka_unit_test(test_merge_union_and_codec),
        cmocka_unit_test(test_numbers_uncounted),
    };
    return cmocka_run_group_tests_name("profile", tests, NULL, NULL);
}
