/*
 * The HTML report's parts: HTML escaping (and cutting labels on code points, not bytes), each
 * SVG chart function from plain arrays (the histogram and category bars of the drift report,
 * and the line chart, bar chart with a reference line, heatmap and metric table that the model
 * section will use), the distribution summaries (shared bins, infinities, top categories and their
 * ties), and vg_report_compare_html on a hand-made result. Browser rendering: tests/browser/.
 */
#include "drift/internal.h"
#include "report/svg.h"
#include "testutil.h"

/* What a function wrote to a FILE, as a string (freed by the caller). */
#define CAPTURE(buf, call)                                                                         \
    do {                                                                                           \
        size_t len_;                                                                               \
        FILE *f = open_memstream(&(buf), &len_);                                                   \
        assert_non_null(f);                                                                        \
        call;                                                                                      \
        assert_int_equal(fclose(f), 0);                                                            \
    } while (0)

static size_t count(const char *s, const char *needle) {
    size_t n = 0;
    for (const char *p = strstr(s, needle); p; p = strstr(p + 1, needle))
        n++;
    return n;
}

static void test_escape(void **state) {
    (void)state;
    char *s = NULL;
    CAPTURE(s, vg_html_escape(f, "<a href=\"x\">'&'</a>"));
    assert_string_equal(s, "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;");
    free(s);
    CAPTURE(s, vg_html_escape_max(f, "\xc3\xa9\xc3\xa9\xc3\xa9", 2)); /* ééé */
    assert_string_equal(s, "\xc3\xa9\xc3\xa9\xe2\x80\xa6");
    free(s);
    CAPTURE(s, vg_html_escape_max(f, "ab", 2));
    assert_string_equal(s, "ab");
    free(s);
    CAPTURE(s, (vg_html_escape(f, NULL), vg_html_num(f, NAN), vg_html_num(f, 0.123456)));
    assert_string_equal(s, "-0.1235");
    free(s);
}

static void test_histogram(void **state) {
    (void)state;
    uint64_t r[4] = {1, 2, 3, 4}, c[4] = {4, 3, 2, 1};
    char *s = NULL;
    CAPTURE(s, vg_svg_histogram(f, 0, 1, 4, r, c));
    assert_int_equal(count(s, "<svg"), 1);
    assert_int_equal(count(s, "</svg>"), 1);
    assert_non_null(strstr(s, "data-chart=\"histogram\""));
    assert_int_equal(count(s, "<path"), 2); /* one area per dataset */
    assert_int_equal(count(s, "<rect"), 4); /* one tooltip per bin */
    assert_non_null(strstr(s, "[0, 0.25) reference 10.00% (1), current 40.00% (4)"));
    assert_non_null(strstr(s, "[0.75, 1] reference 40.00% (4)")); /* the last bin is closed */
    free(s);
    uint64_t z[1] = {0};
    CAPTURE(s, vg_svg_histogram(f, 5, 5, 1, z, z)); /* empty: drawn flat, no division by 0 */
    assert_null(strstr(s, "nan"));
    free(s);
}

static void test_category_bars(void **state) {
    (void)state;
    const char *labels[] = {"<script>x</script>", "R&D", "a very long category label indeed"};
    uint64_t r[] = {5, 3, 2}, c[] = {1, 1, 8};
    char *s = NULL;
    CAPTURE(s, vg_svg_category_bars(f, labels, 3, r, c, 10, 10));
    assert_null(strstr(s, "<script>"));
    assert_non_null(strstr(s, "&lt;script&gt;x&lt;/script&gt;: reference 50.00% (5)"));
    assert_non_null(strstr(s, "R&amp;D"));
    assert_non_null(strstr(s, "a very long catego\xe2\x80\xa6</text>")); /* cut at 18 */
    assert_int_equal(count(s, "<rect"), 6);
    free(s);
}

static void test_line_chart(void **state) {
    (void)state;
    double x[] = {0, 0.5, NAN, 1}, y1[] = {0, 0.8, 0.9, 1}, y2[] = {0, 0.3, 0.6, 1};
    vg_svg_series s2[] = {{"model <A>", x, y1, 4, NULL}, {"model B", x, y2, 4, "#123456"}};
    char *s = NULL;
    CAPTURE(s, vg_svg_line_chart(f, s2, 2, 0, 1, 0, 1, "false positive rate", "recall", 1));
    assert_non_null(strstr(s, "data-chart=\"line\""));
    assert_int_equal(count(s, "class=\"curve\""), 2);
    assert_int_equal(count(s, "class=\"ref\""), 1); /* the diagonal */
    assert_non_null(strstr(s, "model &lt;A&gt;"));
    assert_non_null(strstr(s, "stroke=\"#123456\""));
    /* the NaN point lifts the pen: M, L, then M again */
    assert_non_null(strstr(s, "d=\"M48.0 260.0L208.0 61.6M368.0 12.0\""));
    free(s);
}

static void test_bar_chart(void **state) {
    (void)state;
    const char *labels[] = {"f", "m", "x"};
    double v[] = {0.7, 1.0, NAN};
    char *s = NULL;
    CAPTURE(s, vg_svg_bar_chart(f, labels, v, 3, 0.8, "four-fifths"));
    assert_non_null(strstr(s, "data-chart=\"bars\""));
    assert_int_equal(count(s, "class=\"bar alert\""), 1); /* 0.7 < 0.8; NaN is not flagged */
    assert_int_equal(count(s, "class=\"bar\""), 2);
    assert_int_equal(count(s, "class=\"ref\""), 1);
    assert_non_null(strstr(s, ">four-fifths</text>"));
    free(s);
}

static void test_heatmap(void **state) {
    (void)state;
    const char *labels[] = {"no", "yes"};
    uint64_t m[] = {50, 10, 5, 35};
    char *s = NULL;
    CAPTURE(s, vg_svg_heatmap(f, labels, m, 2, "actual", "predicted"));
    assert_non_null(strstr(s, "data-chart=\"heatmap\""));
    assert_int_equal(count(s, "<rect"), 4);
    assert_non_null(strstr(s, "actual yes, predicted no: 5 (12.5% of the row)"));
    assert_non_null(strstr(s, ">35</text>"));
    free(s);
}

static void test_metric_table(void **state) {
    (void)state;
    const char *names[] = {"accuracy", "log <loss>", "f1", "rmse"};
    double ref[] = {0.9, 0.3, 0.8, 1.0}, cur[] = {0.8, 0.5, NAN, 0.9};
    int lower[] = {0, 1, 0, 1};
    char *s = NULL;
    CAPTURE(s, vg_html_metric_table(f, names, ref, cur, lower, 4, 0.01));
    assert_int_equal(count(s, "<tr class=\"bad\">"), 2); /* accuracy down, loss up */
    assert_non_null(strstr(s, "log &lt;loss&gt;"));
    assert_non_null(strstr(s, "-0.1 (worse)"));
    assert_non_null(strstr(s, "+0.2 (worse)"));
    assert_non_null(strstr(s, "<td class=\"n\">-0.1</td>")); /* rmse down: better */
    assert_int_equal(count(s, "<tr"), 5);
    free(s);
}

static void test_distribution_numeric(void **state) {
    (void)state;
    double a[] = {-INFINITY, 0, 1, 2.5, 3}, b[] = {2, 4, 4, INFINITY};
    vg_compare_distribution *d = NULL;
    assert_int_equal(vg_distribution_numeric_sorted(a, 5, b, 4, 4, &d), VG_OK);
    assert_non_null(d);
    assert_null(d->labels);
    assert_true(d->lo == 0 && d->hi == 4 && d->n == 4);
    /* bins [0,1) [1,2) [2,3) [3,4] */
    uint64_t wr[] = {1, 1, 1, 1}, wc[] = {0, 0, 1, 2};
    assert_memory_equal(d->ref, wr, sizeof wr);
    assert_memory_equal(d->cur, wc, sizeof wc);
    assert_int_equal(d->ref_other, 1);
    assert_int_equal(d->cur_other, 1);
    free(d);
    double k[] = {7, 7};
    assert_int_equal(vg_distribution_numeric_sorted(k, 2, k, 1, 30, &d), VG_OK);
    assert_true(d->n == 1 && d->ref[0] == 2 && d->cur[0] == 1);
    free(d);
    /* whole numbers: whole-width bins centred on them (70 values, width 3, 24 bins) */
    double w[] = {18, 19, 20, 87};
    assert_int_equal(vg_distribution_numeric_sorted(w, 4, w, 1, 30, &d), VG_OK);
    assert_true(d->n == 24 && d->lo == 17.5 && d->hi == 89.5);
    assert_true(d->ref[0] == 3 && d->ref[23] == 1 && d->cur[0] == 1);
    free(d);
    double inf[] = {INFINITY};
    assert_int_equal(vg_distribution_numeric_sorted(inf, 1, inf, 1, 30, &d), VG_OK);
    assert_null(d); /* nothing finite to draw */
}

static void test_distribution_categorical(void **state) {
    (void)state;
    const char *text[] = {"a", "b", "c", "d", "e"};
    size_t len[] = {1, 1, 1, 1, 1};
    uint64_t r[] = {1, 5, 2, 2, 0}, c[] = {1, 0, 1, 1, 9};
    vg_compare_distribution *d = NULL;
    assert_int_equal(vg_distribution_categorical(r, c, 5, text, len, 3, &d), VG_OK);
    /* totals a 2, b 5, c 3, d 3, e 9: e, b, then c before d (first seen) */
    assert_int_equal(d->n, 3);
    assert_string_equal(d->labels[0], "e");
    assert_string_equal(d->labels[1], "b");
    assert_string_equal(d->labels[2], "c");
    assert_int_equal(d->ref[2], 2);
    assert_int_equal(d->cur[0], 9);
    assert_int_equal(d->n_other_categories, 2);
    assert_int_equal(d->ref_other, 3); /* a and d */
    assert_int_equal(d->cur_other, 2);
    free(d);
}

static void test_report(void **state) {
    (void)state;
    vg_compare_column cols[2];
    memset(cols, 0, sizeof cols);
    double a[] = {1, 2, 3, 4, 5, 6}, b[] = {4, 5, 6, 7, 8, 9};
    cols[0] = (vg_compare_column){.name = "<b>x</b>",
                                  .kind = "numeric",
                                  .method = "wasserstein_normed",
                                  .statistic = 1.5,
                                  .p_value = NAN,
                                  .p_value_adjusted = NAN,
                                  .threshold = 0.1,
                                  .drifted = 1,
                                  .ref_count = 6,
                                  .cur_count = 6,
                                  .nscores = 1};
    cols[0].scores[0] = (vg_compare_score){"wasserstein_normed", 1.5, NAN, NAN};
    assert_int_equal(vg_distribution_numeric_sorted(a, 6, b, 6, 30, &cols[0].distribution), VG_OK);
    cols[1] = (vg_compare_column){.name = "y",
                                  .kind = "categorical",
                                  .statistic = NAN,
                                  .p_value = NAN,
                                  .p_value_adjusted = NAN,
                                  .threshold = NAN};
    snprintf(cols[1].note, sizeof cols[1].note, "no values in the current data");
    vg_compare_result res = {.ref_rows = 6,
                             .cur_rows = 6,
                             .ncols = 2,
                             .cols = cols,
                             .n_compared = 1,
                             .n_drifted = 1,
                             .share_drifted = 1,
                             .dataset_drift = 1,
                             .share_threshold = 0.5};
    vg_compare_report rep = {"ref & co.csv", "cur.csv", "exact", &res, NULL, NULL};
    char *s = NULL;
    vg_error err;
    CAPTURE(s, assert_int_equal(vg_report_compare_html(&rep, f, &err), VG_OK));
    assert_non_null(strstr(s, "<title>vigia: ref &amp; co.csv vs cur.csv</title>"));
    assert_non_null(strstr(s, "id=\"summary\""));
    assert_non_null(strstr(s, "id=\"drift\""));
    assert_null(strstr(s, "id=\"quality\"")); /* not computed: no section */
    assert_int_equal(count(s, "<article"), 2);
    assert_int_equal(count(s, "<svg class=\"chart\""), 1);
    assert_null(strstr(s, "<b>x</b>"));
    assert_true(strstr(s, "data-name=\"&lt;b&gt;x&lt;/b&gt;\"") < strstr(s, "data-name=\"y\""));
    assert_non_null(strstr(s, "no values in the current data"));
    free(s);
    free(cols[0].distribution);
    assert_int_equal(vg_report_compare_html(NULL, stdout, &err), VG_ERR_INVALID);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_escape),
        cmocka_unit_test(test_histogram),
        cmocka_unit_test(test_category_bars),
        cmocka_unit_test(test_line_chart),
        cmocka_unit_test(test_bar_chart),
        cmocka_unit_test(test_heatmap),
        cmocka_unit_test(test_metric_table),
        cmocka_unit_test(test_distribution_numeric),
        cmocka_unit_test(test_distribution_categorical),
        cmocka_unit_test(test_report),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
