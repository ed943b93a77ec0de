/*
 * Tests of the daemon's persistence (src/store/): a round trip through every table, the window
 * upsert by revision, series and dead-letter queries, model deletion cascading, and the journal:
 * concurrent appends all durable and replayed in seq order with their exact bytes, group commit
 * batching, prune, reopening, and a child killed with SIGKILL mid-stream losing no
 * acknowledged entry. Each test runs in a fresh mkdtemp directory, removed afterwards. The
 * throughput of the journal (1 KiB and 64 KiB entries, 4 writers) is printed, not asserted.
 */
#include <pthread.h>
#include <signal.h>
#include <sqlite3.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>

#include "testutil.h"

#include "store/store.h"
#include "store/store_int.h" /* fault injection: the connections, to make them fail */

/* ---- fixture ----------------------------------------------------------------------------------
 */

static vg_store *open_store(const char *dir) {
    vg_store *s = NULL;
    vg_error err = {0};
    int rc = vg_store_open(dir, &s, &err);
    if (rc != VG_OK)
        fail_msg("vg_store_open: %s", err.msg);
    return s;
}

#define OK(call)                                                                                   \
    do {                                                                                           \
        vg_error e_ = {0};                                                                         \
        int rc_ = (call);                                                                          \
        if (rc_ != VG_OK)                                                                          \
            fail_msg("%s: %d %s", #call, rc_, e_.msg);                                             \
    } while (0)
/* the calls below pass &e_ as their error */
#define ERR (&e_)

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* The bytes of journal entry seq: a length and content that only seq determines. */
static size_t entry_len(uint64_t seq) {
    uint64_t x = seq * 7919;
    return (size_t)(t_rand(&x) % 300);
}

static void entry_fill(uint64_t seq, unsigned char *buf, size_t len) {
    uint64_t x = seq;
    for (size_t i = 0; i < len; i++)
        buf[i] = (unsigned char)t_rand(&x);
}

static int entry_check(uint64_t seq, const void *data, size_t len) {
    unsigned char buf[512];
    if (len != entry_len(seq))
        return 0;
    entry_fill(seq, buf, len);
    return memcmp(buf, data, len) == 0;
}

/* ---- models and references --------------------------------------------------------------------
 */

static void test_models_and_references(void **state) {
    vg_store *s = open_store(*state);
    vg_error err = {0};
    OK(vg_store_put_model(s, "zeta", "{\"name\":\"zeta\"}", ERR));
    OK(vg_store_put_model(s, "alpha", "{\"name\":\"alpha\"}", ERR));
    vg_store_model *m;
    size_t n;
    OK(vg_store_list_models(s, &m, &n, ERR));
    assert_int_equal(n, 2);
    assert_string_equal(m[0].name, "alpha");
    assert_string_equal(m[1].name, "zeta");
    assert_string_equal(m[1].spec_json, "{\"name\":\"zeta\"}");
    int64_t created = m[1].created_ms;
    assert_true(created > 1600000000000LL);
    vg_store_models_free(m, n);

    /* a second put replaces the spec, keeps the model (and its creation time) */
    OK(vg_store_put_model(s, "zeta", "{\"name\":\"zeta\",\"version\":\"2\"}", ERR));
    OK(vg_store_list_models(s, &m, &n, ERR));
    assert_int_equal(n, 2);
    assert_string_equal(m[1].spec_json, "{\"name\":\"zeta\",\"version\":\"2\"}");
    assert_int_equal(m[1].created_ms, created);
    vg_store_models_free(m, n);

    /* references: binary bytes, NUL included, exactly as given */
    char *format;
    void *data;
    size_t len;
    int64_t up;
    OK(vg_store_get_reference(s, "alpha", &format, &data, &len, &up, ERR));
    assert_null(format);
    assert_null(data);
    assert_int_equal(len, 0);
    unsigned char ref[1000];
    entry_fill(42, ref, sizeof ref);
    ref[3] = 0;
    OK(vg_store_put_reference(s, "alpha", "vgp", ref, sizeof ref, ERR));
    OK(vg_store_get_reference(s, "alpha", &format, &data, &len, &up, ERR));
    assert_string_equal(format, "vgp");
    assert_int_equal(len, sizeof ref);
    assert_memory_equal(data, ref, sizeof ref);
    assert_true(up > 1600000000000LL);
    free(format);
    free(data);
    OK(vg_store_put_reference(s, "alpha", "csv", "a,b\n1,2\n", 8, ERR));
    OK(vg_store_get_reference(s, "alpha", &format, &data, &len, NULL, ERR));
    assert_string_equal(format, "csv");
    assert_int_equal(len, 8);
    assert_memory_equal(data, "a,b\n1,2\n", 8);
    free(format);
    free(data);

    /* unknown models are named in the error */
    assert_int_equal(vg_store_put_reference(s, "nope", "csv", "x", 1, &err), VG_ERR_INVALID);
    assert_non_null(strstr(err.msg, "no model 'nope'"));
    assert_int_equal(vg_store_get_reference(s, "nope", &format, &data, &len, NULL, &err),
                     VG_ERR_INVALID);
    assert_int_equal(vg_store_delete_model(s, "nope", &err), VG_ERR_INVALID);
    assert_int_equal(vg_store_put_model(s, "", "{}", &err), VG_ERR_INVALID);

    OK(vg_store_delete_model(s, "alpha", ERR));
    OK(vg_store_list_models(s, &m, &n, ERR));
    assert_int_equal(n, 1);
    assert_string_equal(m[0].name, "zeta");
    vg_store_models_free(m, n);
    assert_int_equal(vg_store_get_reference(s, "alpha", &format, &data, &len, NULL, &err),
                     VG_ERR_INVALID);
    vg_store_close(s);
}

/* ---- windows ----------------------------------------------------------------------------------
 */

static vg_store_window make_window(int64_t key, uint32_t revision, const char *report) {
    static unsigned char profile[] = {'V', 'G', 'P', 0, 1, 2, 3};
    static unsigned char rows[] = {9, 8, 0, 7};
    vg_store_window w = {.key = key,
                         .start_ms = key,
                         .end_ms = key + 1000,
                         .revision = revision,
                         .rows = 1000 + (uint64_t)key,
                         .labelled = 10,
                         .max_seq = 77,
                         .closed_ms = 5000 + key,
                         .profile = profile,
                         .profile_len = sizeof profile,
                         .report_json = (char *)report,
                         .rows_blob = rows,
                         .rows_blob_len = sizeof rows};
    return w;
}

static void test_windows(void **state) {
    vg_store *s = open_store(*state);
    vg_error err = {0};
    OK(vg_store_put_model(s, "m", "{}", ERR));
    for (int64_t k = 0; k < 10; k++) {
        vg_store_window w = make_window(k * 1000, 1, "{\"rev\":1}");
        OK(vg_store_put_window(s, "m", &w, ERR));
    }
    vg_store_window got;
    OK(vg_store_get_window(s, "m", 3000, &got, ERR));
    vg_store_window want = make_window(3000, 1, "{\"rev\":1}");
    assert_int_equal(got.key, 3000);
    assert_int_equal(got.start_ms, 3000);
    assert_int_equal(got.end_ms, 4000);
    assert_int_equal(got.revision, 1);
    assert_int_equal(got.rows, 4000);
    assert_int_equal(got.labelled, 10);
    assert_int_equal(got.max_seq, 77);
    assert_int_equal(got.closed_ms, 8000);
    assert_int_equal(got.profile_len, want.profile_len);
    assert_memory_equal(got.profile, want.profile, want.profile_len);
    assert_string_equal(got.report_json, "{\"rev\":1}");
    assert_int_equal(got.rows_blob_len, want.rows_blob_len);
    assert_memory_equal(got.rows_blob, want.rows_blob, want.rows_blob_len);
    vg_store_window_clear(&got);

    /* a revision replaces the row; a stale revision does not */
    vg_store_window w2 = make_window(3000, 2, "{\"rev\":2}");
    w2.labelled = 500;
    OK(vg_store_put_window(s, "m", &w2, ERR));
    vg_store_window stale = make_window(3000, 1, "{\"rev\":1}");
    OK(vg_store_put_window(s, "m", &stale, ERR));
    OK(vg_store_get_window(s, "m", 3000, &got, ERR));
    assert_int_equal(got.revision, 2);
    assert_int_equal(got.labelled, 500);
    assert_string_equal(got.report_json, "{\"rev\":2}");
    vg_store_window_clear(&got);

    /* a window without blobs */
    vg_store_window bare = {.key = 99000, .start_ms = 1, .end_ms = 2, .revision = 1};
    OK(vg_store_put_window(s, "m", &bare, ERR));
    OK(vg_store_get_window(s, "m", 99000, &got, ERR));
    assert_null(got.profile);
    assert_null(got.report_json);
    assert_null(got.rows_blob);
    assert_int_equal(got.closed_ms > 0, 1); /* 0: stamped with the time of the put */
    vg_store_window_clear(&got);

    /* listing: key range, newest first, limit, blobs on request */
    vg_store_window *list;
    size_t n;
    OK(vg_store_list_windows(s, "m", 2000, 7000, 0, 0, &list, &n, ERR));
    assert_int_equal(n, 6);
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(list[i].key, 7000 - 1000 * (int64_t)i);
        assert_null(list[i].profile);
        assert_null(list[i].report_json);
    }
    vg_store_windows_free(list, n);
    OK(vg_store_list_windows(s, "m", INT64_MIN, INT64_MAX, 3, 1, &list, &n, ERR));
    assert_int_equal(n, 3);
    assert_int_equal(list[0].key, 99000);
    assert_int_equal(list[1].key, 9000);
    assert_int_equal(list[2].key, 8000);
    assert_string_equal(list[1].report_json, "{\"rev\":1}");
    assert_int_equal(list[1].profile_len, want.profile_len);
    vg_store_windows_free(list, n);
    OK(vg_store_list_windows(s, "m", 100000, 200000, 0, 1, &list, &n, ERR));
    assert_int_equal(n, 0);
    vg_store_windows_free(list, n);

    assert_int_equal(vg_store_get_window(s, "m", 12345, &got, &err), VG_ERR_INVALID);
    assert_string_equal(err.msg, "no window 12345");
    assert_int_equal(vg_store_list_windows(s, "x", 0, 1, 0, 0, &list, &n, &err), VG_ERR_INVALID);
    assert_int_equal(vg_store_put_window(s, "x", &w2, &err), VG_ERR_INVALID);
    vg_store_close(s);
}

/* ---- series -----------------------------------------------------------------------------------
 */

static void test_series(void **state) {
    vg_store *s = open_store(*state);
    vg_error err = {0};
    OK(vg_store_put_model(s, "m", "{}", ERR));
    OK(vg_store_put_model(s, "other", "{}", ERR));
    /* windows put out of order: the series comes back by key */
    const int order[] = {5, 2, 9, 0, 7, 1, 8, 3, 6, 4};
    for (int i = 0; i < 10; i++) {
        int64_t k = order[i];
        const char *names[] = {"drift_psi", "drift_psi", "accuracy"};
        const char *labels[] = {"feature=\"age\"", "feature=\"region\"", NULL};
        double values[] = {0.01 * (double)k, 1.0 + (double)k, k == 4 ? NAN : 0.5 + 0.01 * k};
        OK(vg_store_put_points(s, "m", k, 1000 * k + 999, names, labels, values, 3, ERR));
    }
    const char *on[] = {"accuracy"};
    double ov[] = {42};
    OK(vg_store_put_points(s, "other", 3, 0, on, NULL, ov, 1, ERR));

    vg_store_point *p;
    size_t n;
    OK(vg_store_get_series(s, "m", "drift_psi", "feature=\"age\"", 2, 7, &p, &n, ERR));
    assert_int_equal(n, 6);
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(p[i].key, 2 + (int64_t)i);
        assert_int_equal(p[i].end_ms, 1000 * (2 + (int64_t)i) + 999);
        assert_true(p[i].value == 0.01 * (double)(2 + i));
    }
    free(p);
    OK(vg_store_get_series(s, "m", "accuracy", "", INT64_MIN, INT64_MAX, &p, &n, ERR));
    assert_int_equal(n, 10);
    assert_true(isnan(p[4].value));
    assert_true(p[5].value == 0.55);
    free(p);
    OK(vg_store_get_series(s, "m", "accuracy", "nope=\"1\"", 0, 100, &p, &n, ERR));
    assert_int_equal(n, 0);
    free(p);

    /* replacing a window's points drops the ones not given again */
    const char *nn[] = {"accuracy"};
    double nv[] = {0.9};
    OK(vg_store_put_points(s, "m", 5, 5999, nn, NULL, nv, 1, ERR));
    OK(vg_store_get_series(s, "m", "drift_psi", "feature=\"age\"", 0, 100, &p, &n, ERR));
    assert_int_equal(n, 9);
    for (size_t i = 0; i < n; i++)
        assert_true(p[i].key != 5);
    free(p);
    OK(vg_store_get_series(s, "m", "accuracy", "", 5, 5, &p, &n, ERR));
    assert_int_equal(n, 1);
    assert_true(p[0].value == 0.9);
    free(p);

    char **names, **labels;
    OK(vg_store_list_series(s, "m", &names, &labels, &n, ERR));
    assert_int_equal(n, 3);
    assert_string_equal(names[0], "accuracy");
    assert_string_equal(labels[0], "");
    assert_string_equal(names[1], "drift_psi");
    assert_string_equal(labels[1], "feature=\"age\"");
    assert_string_equal(labels[2], "feature=\"region\"");
    for (size_t i = 0; i < n; i++) {
        free(names[i]);
        free(labels[i]);
    }
    free(names);
    free(labels);
    assert_int_equal(vg_store_get_series(s, "x", "a", "", 0, 1, &p, &n, &err), VG_ERR_INVALID);
    vg_store_close(s);
}

/* ---- dead letters -----------------------------------------------------------------------------
 */

static void test_dead_letters(void **state) {
    vg_store *s = open_store(*state);
    vg_error err = {0};
    OK(vg_store_put_model(s, "a", "{}", ERR));
    OK(vg_store_put_model(s, "b", "{}", ERR));
    for (int batch = 0; batch < 3; batch++) {
        int64_t idx[10];
        const char *field[10], *reason[10], *record[10];
        char rbuf[10][32];
        for (int i = 0; i < 10; i++) {
            idx[i] = i * 2;
            field[i] = i % 2 ? "features.age" : NULL;
            reason[i] = "not a number";
            snprintf(rbuf[i], sizeof rbuf[i], "{\"b\":%d,\"i\":%d}", batch, i);
            record[i] = i == 9 ? NULL : rbuf[i];
        }
        OK(vg_store_add_dead(s, "a", batch == 2 ? "label" : "prediction", 1000 * (batch + 1), idx,
                             field, reason, record, 10, ERR));
    }
    const char *r1[] = {"{}"};
    OK(vg_store_add_dead(s, "b", "prediction", 5000, NULL, NULL, r1, r1, 1, ERR));
    assert_int_equal(vg_store_count_dead(s, "a"), 30);
    assert_int_equal(vg_store_count_dead(s, "b"), 1);
    assert_int_equal(vg_store_count_dead(s, NULL), 31);
    assert_true(vg_store_count_dead(s, "zz") < 0);

    /* paging newest first: 12 + 12 + 6, no overlap, decreasing ids */
    int64_t before = 0, last = INT64_MAX;
    size_t total = 0;
    for (;;) {
        vg_store_dead *d;
        size_t n;
        OK(vg_store_list_dead(s, "a", before, 12, &d, &n, ERR));
        if (n == 0) {
            vg_store_dead_free(d, n);
            break;
        }
        assert_true(n == 12 || (total == 24 && n == 6));
        for (size_t i = 0; i < n; i++) {
            assert_true(d[i].id < last);
            last = d[i].id;
            assert_string_equal(d[i].model, "a");
            size_t k = 29 - (total + i); /* position in insertion order */
            int batch = (int)(k / 10), j = (int)(k % 10);
            assert_string_equal(d[i].kind, batch == 2 ? "label" : "prediction");
            assert_int_equal(d[i].received_ms, 1000 * (batch + 1));
            assert_int_equal(d[i].batch_index, j * 2);
            assert_string_equal(d[i].field, j % 2 ? "features.age" : "");
            assert_string_equal(d[i].reason, "not a number");
            if (j == 9) {
                assert_null(d[i].record);
            } else {
                char want[32];
                snprintf(want, sizeof want, "{\"b\":%d,\"i\":%d}", batch, j);
                assert_string_equal(d[i].record, want);
            }
        }
        total += n;
        before = d[n - 1].id;
        vg_store_dead_free(d, n);
    }
    assert_int_equal(total, 30);

    vg_store_dead *d;
    size_t n;
    OK(vg_store_list_dead(s, NULL, 0, 2, &d, &n, ERR));
    assert_int_equal(n, 2);
    assert_string_equal(d[0].model, "b");
    assert_int_equal(d[0].batch_index, 0);
    assert_string_equal(d[1].model, "a");
    vg_store_dead_free(d, n);

    assert_int_equal(vg_store_add_dead(s, "a", "other", 0, NULL, NULL, NULL, NULL, 0, &err),
                     VG_ERR_INVALID);
    assert_non_null(strstr(err.msg, "other"));
    assert_int_equal(vg_store_list_dead(s, "zz", 0, 0, &d, &n, &err), VG_ERR_INVALID);

    /* retention: received before 2500 goes */
    assert_int_equal(vg_store_expire_dead(s, 2500, &err), 20);
    assert_int_equal(vg_store_count_dead(s, "a"), 10);
    vg_store_close(s);
}

/* ---- expiry and deletion ----------------------------------------------------------------------
 */

static void test_expire_and_cascade(void **state) {
    vg_store *s = open_store(*state);
    vg_error err = {0};
    OK(vg_store_put_model(s, "m", "{}", ERR));
    OK(vg_store_put_model(s, "keep", "{}", ERR));
    const char *names[] = {"rows"};
    for (int64_t k = 0; k < 5; k++) {
        vg_store_window w = make_window(k * 1000, 1, "{}"); /* ends at (k + 1) * 1000 */
        OK(vg_store_put_window(s, "m", &w, ERR));
        OK(vg_store_put_window(s, "keep", &w, ERR));
        double v = (double)k;
        OK(vg_store_put_points(s, "m", w.key, w.end_ms, names, NULL, &v, 1, ERR));
    }
    /* windows ending at 1000 and 2000, in both models */
    assert_int_equal(vg_store_expire_windows(s, 2500, &err), 4);
    vg_store_window *list;
    size_t n;
    OK(vg_store_list_windows(s, "m", INT64_MIN, INT64_MAX, 0, 0, &list, &n, ERR));
    assert_int_equal(n, 3);
    assert_int_equal(list[2].key, 2000);
    vg_store_windows_free(list, n);
    vg_store_point *p;
    OK(vg_store_get_series(s, "m", "rows", "", INT64_MIN, INT64_MAX, &p, &n, ERR));
    assert_int_equal(n, 3);
    assert_int_equal(p[0].key, 2000);
    free(p);
    assert_int_equal(vg_store_expire_windows(s, 2500, &err), 0);

    /* delete cascades to every table; the name can be reused and starts empty */
    OK(vg_store_put_reference(s, "m", "csv", "a\n1\n", 4, ERR));
    const char *rec[] = {"{}"};
    OK(vg_store_add_dead(s, "m", "label", 1, NULL, NULL, rec, rec, 1, ERR));
    unsigned char buf[8] = {1, 2, 3};
    OK(vg_store_journal_append(s, "m", vg_store_next_seq(s), 1, buf, 3, ERR));
    OK(vg_store_delete_model(s, "m", ERR));
    OK(vg_store_put_model(s, "m", "{}", ERR));
    OK(vg_store_list_windows(s, "m", INT64_MIN, INT64_MAX, 0, 0, &list, &n, ERR));
    assert_int_equal(n, 0);
    vg_store_windows_free(list, n);
    OK(vg_store_get_series(s, "m", "rows", "", INT64_MIN, INT64_MAX, &p, &n, ERR));
    assert_int_equal(n, 0);
    free(p);
    assert_int_equal(vg_store_count_dead(s, "m"), 0);
    char *format;
    void *data;
    size_t len;
    OK(vg_store_get_reference(s, "m", &format, &data, &len, NULL, ERR));
    assert_null(data);
    OK(vg_store_list_windows(s, "keep", INT64_MIN, INT64_MAX, 0, 0, &list, &n, ERR));
    assert_int_equal(n, 3);
    vg_store_windows_free(list, n);
    vg_store_close(s);

    /* nothing of the deleted model is left in the file either */
    char path[256];
    snprintf(path, sizeof path, "%s/vigia.db", (char *)*state);
    sqlite3 *db;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    const char *q = "SELECT (SELECT count(*) FROM journal) + (SELECT count(*) FROM points)"
                    " + (SELECT count(*) FROM refs) + (SELECT count(*) FROM dead_letters)";
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_prepare_v2(db, q, -1, &st, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    assert_int_equal(sqlite3_column_int(st, 0), 0);
    sqlite3_finalize(st);
    sqlite3_close(db);
}

/* ---- journal ----------------------------------------------------------------------------------
 */

typedef struct replay_ctx {
    uint64_t last, count, bad;
    uint64_t *seen; /* optional: sorted output */
} replay_ctx;

static int count_only(void *ctx, uint64_t seq, int kind, const void *data, size_t len) {
    (void)kind;
    (void)data;
    (void)len;
    replay_ctx *c = ctx;
    c->seen[c->count++] = seq;
    return 0;
}

static int replay_check(void *ctx, uint64_t seq, int kind, const void *data, size_t len) {
    replay_ctx *c = ctx;
    if (seq <= c->last || kind != (int)(seq % 3) || !entry_check(seq, data, len))
        c->bad++;
    c->last = seq;
    if (c->seen)
        c->seen[c->count] = seq;
    c->count++;
    return 0;
}

typedef struct writer_arg {
    vg_store *s;
    const char *model;
    int n;
    uint64_t *seqs;
    int failures;
} writer_arg;

static void *writer(void *p) {
    writer_arg *a = p;
    unsigned char buf[512];
    for (int i = 0; i < a->n; i++) {
        uint64_t seq = vg_store_next_seq(a->s);
        size_t len = entry_len(seq);
        entry_fill(seq, buf, len);
        vg_error err;
        if (vg_store_journal_append(a->s, a->model, seq, (int)(seq % 3), buf, len, &err) != VG_OK)
            a->failures++;
        a->seqs[i] = seq;
    }
    return NULL;
}

static int cmp_u64(const void *a, const void *b) {
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

enum { THREADS = 8, PER_THREAD = 1000, TP_THREADS = 4 };

static void test_journal_concurrent(void **state) {
    vg_store *s = open_store(*state);
    OK(vg_store_put_model(s, "m", "{}", ERR));
    OK(vg_store_put_model(s, "other", "{}", ERR));
    /* an entry of another model, which replay of "m" must not return */
    unsigned char buf[512];
    uint64_t oseq = vg_store_next_seq(s);
    entry_fill(oseq, buf, entry_len(oseq));
    OK(vg_store_journal_append(s, "other", oseq, (int)(oseq % 3), buf, entry_len(oseq), ERR));

    pthread_t th[THREADS];
    writer_arg args[THREADS];
    uint64_t *all = malloc(sizeof *all * THREADS * PER_THREAD);
    double t0 = now_s();
    for (int t = 0; t < THREADS; t++) {
        args[t] = (writer_arg){s, "m", PER_THREAD, all + t * PER_THREAD, 0};
        assert_int_equal(pthread_create(&th[t], NULL, writer, &args[t]), 0);
    }
    for (int t = 0; t < THREADS; t++) {
        pthread_join(th[t], NULL);
        assert_int_equal(args[t].failures, 0);
    }
    double dt = now_s() - t0;
    vg_store_stats st;
    vg_store_get_stats(s, &st);
    assert_int_equal(st.journal_entries, THREADS * PER_THREAD + 1);
    printf("store: %d entries from %d threads in %.2f s: %llu commits (%.1f entries/commit)\n",
           THREADS * PER_THREAD, THREADS, dt, (unsigned long long)st.journal_commits,
           (double)st.journal_entries / (double)st.journal_commits);
    /* group commit: concurrent appends share transactions */
    assert_true(st.journal_commits < st.journal_entries);
    assert_true(st.journal_commit_seconds > 0);

    qsort(all, THREADS * PER_THREAD, sizeof *all, cmp_u64);
    uint64_t *seen = malloc(sizeof(uint64_t) * THREADS * PER_THREAD);
    replay_ctx c = {.seen = seen};
    OK(vg_store_journal_replay(s, "m", 0, replay_check, &c, ERR));
    assert_int_equal(c.bad, 0);
    assert_int_equal(c.count, THREADS * PER_THREAD);
    assert_memory_equal(c.seen, all, sizeof *all * THREADS * PER_THREAD);

    /* replay from a seq; a non-zero return stops and is returned */
    uint64_t mid = all[THREADS * PER_THREAD / 2];
    c = (replay_ctx){0};
    OK(vg_store_journal_replay(s, "m", mid, replay_check, &c, ERR));
    assert_int_equal(c.count, THREADS * PER_THREAD / 2);
    assert_int_equal(c.bad, 0);

    /* per-entry failures: an unknown model, a seq journaled twice; others unaffected */
    vg_error err;
    assert_int_equal(vg_store_journal_append(s, "nope", vg_store_next_seq(s), 0, "x", 1, &err),
                     VG_ERR_INVALID);
    assert_non_null(strstr(err.msg, "no model 'nope'"));
    assert_int_equal(vg_store_journal_append(s, "m", all[5], 0, "x", 1, &err), VG_ERR_INVALID);
    assert_non_null(strstr(err.msg, "seq"));
    assert_int_equal(vg_store_journal_append(s, "m", 0, 0, "x", 1, &err), VG_ERR_INVALID);
    c = (replay_ctx){0};
    assert_int_equal(vg_store_journal_replay(s, "nope", 0, replay_check, &c, &err), VG_ERR_INVALID);
    /* an empty entry */
    uint64_t eseq = vg_store_next_seq(s);
    OK(vg_store_journal_append(s, "other", eseq, 0, NULL, 0, ERR));

    free(all);
    free(seen);
    vg_store_close(s);
}

static int stop_at_third(void *ctx, uint64_t seq, int kind, const void *data, size_t len) {
    (void)seq;
    (void)kind;
    (void)data;
    (void)len;
    return ++*(int *)ctx == 3 ? 42 : 0;
}

/* Replay's callback may write to the store (it reads on its own connection). */
typedef struct reentrant_ctx {
    vg_store *s;
    int n;
} reentrant_ctx;

static int replay_writes(void *ctx, uint64_t seq, int kind, const void *data, size_t len) {
    (void)kind;
    (void)data;
    (void)len;
    reentrant_ctx *c = ctx;
    vg_store_window w = {.key = (int64_t)seq, .end_ms = 1, .revision = 1, .max_seq = seq};
    c->n++;
    return vg_store_put_window(c->s, "m", &w, NULL);
}

static void test_journal_prune_reopen(void **state) {
    vg_store *s = open_store(*state);
    OK(vg_store_put_model(s, "m", "{}", ERR));
    unsigned char buf[512];
    uint64_t first = 0, last = 0;
    for (int i = 0; i < 50; i++) {
        uint64_t seq = vg_store_next_seq(s);
        first = first ? first : seq;
        last = seq;
        entry_fill(seq, buf, entry_len(seq));
        OK(vg_store_journal_append(s, "m", seq, (int)(seq % 3), buf, entry_len(seq), ERR));
    }
    int calls = 0;
    vg_error err;
    assert_int_equal(vg_store_journal_replay(s, "m", 0, stop_at_third, &calls, &err), 42);
    assert_int_equal(calls, 3);

    OK(vg_store_journal_prune(s, "m", first + 20, ERR));
    replay_ctx c = {0};
    OK(vg_store_journal_replay(s, "m", 0, replay_check, &c, ERR));
    assert_int_equal(c.count, 30);
    assert_int_equal(c.bad, 0);
    vg_store_window w = make_window(0, 1, "{\"x\":1}");
    OK(vg_store_put_window(s, "m", &w, ERR));
    vg_store_close(s);

    /* reopen: entries, windows still there; next_seq continues past the last */
    s = open_store(*state);
    c = (replay_ctx){0};
    OK(vg_store_journal_replay(s, "m", 0, replay_check, &c, ERR));
    assert_int_equal(c.count, 30);
    assert_int_equal(c.last, last);
    vg_store_window got;
    OK(vg_store_get_window(s, "m", 0, &got, ERR));
    assert_string_equal(got.report_json, "{\"x\":1}");
    vg_store_window_clear(&got);
    uint64_t next = vg_store_next_seq(s);
    assert_true(next > last);

    /* prune everything, reopen: seqs are still never reused */
    OK(vg_store_journal_prune(s, "m", UINT64_MAX, ERR));
    c = (replay_ctx){0};
    OK(vg_store_journal_replay(s, "m", 0, replay_check, &c, ERR));
    assert_int_equal(c.count, 0);
    OK(vg_store_journal_append(s, "m", next, (int)(next % 3), buf, 0, ERR));
    OK(vg_store_journal_prune(s, "m", next + 1, ERR));
    vg_store_close(s);
    s = open_store(*state);
    assert_true(vg_store_next_seq(s) > next);

    /* replay with a callback that persists windows meanwhile */
    for (int i = 0; i < 5; i++) {
        uint64_t seq = vg_store_next_seq(s);
        OK(vg_store_journal_append(s, "m", seq, 0, "abc", 3, ERR));
    }
    reentrant_ctx rc = {s, 0};
    OK(vg_store_journal_replay(s, "m", 0, replay_writes, &rc, ERR));
    assert_int_equal(rc.n, 5);
    vg_store_window *list;
    size_t n;
    OK(vg_store_list_windows(s, "m", 1, INT64_MAX, 0, 0, &list, &n, ERR));
    assert_int_equal(n, 5);
    vg_store_windows_free(list, n);
    vg_store_close(s);
}

/* ---- kill -9 ----------------------------------------------------------------------------------
 */

typedef struct crash_arg {
    vg_store *s;
    int fd;
} crash_arg;

/* In the child: appends forever, reporting each acknowledged seq on the pipe. */
static void *crash_writer(void *p) {
    crash_arg *a = p;
    unsigned char buf[512];
    for (;;) {
        uint64_t seq = vg_store_next_seq(a->s);
        size_t len = entry_len(seq);
        entry_fill(seq, buf, len);
        if (vg_store_journal_append(a->s, "m", seq, (int)(seq % 3), buf, len, NULL) != VG_OK)
            _exit(3);
        if (write(a->fd, &seq, sizeof seq) != sizeof seq) /* atomic: < PIPE_BUF */
            _exit(4);
    }
    return NULL;
}

static void test_crash_kill9(void **state) {
    const char *dir = *state;
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL); /* never outlive a test run that is interrupted */
        if (getppid() == 1)
            _exit(6);
        close(fds[0]);
        vg_store *s;
        if (vg_store_open(dir, &s, NULL) != VG_OK || vg_store_put_model(s, "m", "{}", NULL))
            _exit(2);
        crash_arg a = {s, fds[1]};
        pthread_t th[TP_THREADS];
        for (int t = 0; t < TP_THREADS; t++)
            pthread_create(&th[t], NULL, crash_writer, &a);
        pthread_join(th[0], NULL);
        _exit(5);
    }
    close(fds[1]);
    size_t cap = 1 << 16, n = 0;
    uint64_t *acked = malloc(cap * sizeof *acked);
    /* let it run until 1500 acknowledgements, then kill it in the middle of its commits */
    while (n < 1500) {
        ssize_t r = read(fds[0], &acked[n], sizeof *acked);
        if (r != sizeof *acked)
            fail_msg("the child stopped early (read %zd)", r);
        n++;
    }
    kill(pid, SIGKILL);
    int status;
    waitpid(pid, &status, 0);
    assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
    /* acknowledgements written before the kill are still in the pipe */
    ssize_t r;
    while (n < cap && (r = read(fds[0], &acked[n], sizeof *acked)) == sizeof *acked)
        n++;
    close(fds[0]);

    vg_store *s = open_store(dir);
    replay_ctx c = {.seen = malloc(sizeof(uint64_t) * (n + 100000))};
    OK(vg_store_journal_replay(s, "m", 0, replay_check, &c, ERR));
    assert_int_equal(c.bad, 0); /* no torn entry, and in seq order */
    assert_true(c.count >= n);
    size_t missing = 0;
    for (size_t i = 0; i < n; i++)
        if (!bsearch(&acked[i], c.seen, c.count, sizeof *c.seen, cmp_u64))
            missing++;
    printf("store: kill -9 after %zu acknowledged entries: %llu in the journal, %zu missing\n", n,
           (unsigned long long)c.count, missing);
    assert_int_equal(missing, 0);
    /* the counter continues past everything the killed process journaled */
    assert_true(vg_store_next_seq(s) > c.last);
    free(c.seen);
    free(acked);
    vg_store_close(s);
}

/* ---- schema -----------------------------------------------------------------------------------
 */

static void test_schema_version(void **state) {
    const char *dir = *state;
    vg_store *s = open_store(dir);
    vg_store_close(s);
    char path[256];
    snprintf(path, sizeof path, "%s/vigia.db", dir);
    sqlite3 *db;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    assert_int_equal(sqlite3_column_int(st, 0), 4); /* models..journal, alerting, tokens, audit */
    sqlite3_finalize(st);
    assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &st, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    assert_string_equal((const char *)sqlite3_column_text(st, 0), "wal");
    sqlite3_finalize(st);
    /* a database from a newer vigia is refused, not misread */
    assert_int_equal(sqlite3_exec(db, "PRAGMA user_version = 99", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
    vg_error err;
    assert_int_equal(vg_store_open(dir, &s, &err), VG_ERR_IO);
    assert_null(s);
    assert_non_null(strstr(err.msg, "newer"));
    assert_non_null(strstr(err.msg, path));

    /* a data directory that is a file */
    char file[256];
    snprintf(file, sizeof file, "%s/vigia.db/sub", dir);
    assert_int_equal(vg_store_open(file, &s, &err), VG_ERR_IO);
    assert_non_null(strstr(err.msg, "vigia.db"));

    /* nested directories are created */
    snprintf(file, sizeof file, "%s/a/b/c", dir);
    s = open_store(file);
    vg_store_close(s);
}

/* ---- failures ---------------------------------------------------------------------------------
 */

typedef struct big_arg {
    vg_store *s;
    uint64_t seq;
    int rc;
    vg_error err;
} big_arg;

static void *big_writer(void *p) {
    big_arg *a = p;
    size_t len = 1 << 20;
    unsigned char *buf = calloc(1, len);
    a->rc = vg_store_journal_append(a->s, "m", a->seq, 0, buf, len, &a->err);
    free(buf);
    return NULL;
}

/* A commit that fails (here: the database may not grow, SQLITE_FULL) fails every entry of it
 * with VG_ERR_IO naming the database; none of them is replayed; the store keeps working. */
static void test_io_failures(void **state) {
    vg_store *s = open_store(*state);
    OK(vg_store_put_model(s, "m", "{}", ERR));
    uint64_t first = vg_store_next_seq(s);
    OK(vg_store_journal_append(s, "m", first, 0, "ok", 2, ERR));
    vg_store_stats before, after;
    vg_store_get_stats(s, &before);

    /* the writer thread is idle between appends, so its connection can be changed here */
    assert_int_equal(sqlite3_exec(s->jdb, "PRAGMA max_page_count = 1", NULL, NULL, NULL),
                     SQLITE_OK);
    big_arg a[4];
    pthread_t th[4];
    for (int t = 0; t < 4; t++) {
        a[t] = (big_arg){.s = s, .seq = vg_store_next_seq(s)};
        pthread_create(&th[t], NULL, big_writer, &a[t]);
    }
    for (int t = 0; t < 4; t++) {
        pthread_join(th[t], NULL);
        assert_int_equal(a[t].rc, VG_ERR_IO);
        assert_non_null(strstr(a[t].err.msg, s->path));
        assert_non_null(strstr(a[t].err.msg, "full"));
    }
    vg_store_get_stats(s, &after);
    assert_int_equal(after.journal_entries, before.journal_entries);
    assert_int_equal(sqlite3_exec(s->jdb, "PRAGMA max_page_count = 1073741823", NULL, NULL, NULL),
                     SQLITE_OK);
    uint64_t last = vg_store_next_seq(s);
    big_arg ok = {.s = s, .seq = last};
    big_writer(&ok);
    assert_int_equal(ok.rc, VG_OK);
    replay_ctx c = {0};
    uint64_t seen[8];
    c.seen = seen;
    c.bad = 0;
    OK(vg_store_journal_replay(s, "m", 0, count_only, &c, ERR));
    assert_int_equal(c.count, 2);
    assert_int_equal(seen[0], first);
    assert_int_equal(seen[1], last);

    /* the same on the main connection: an error naming the database, then business as usual */
    assert_int_equal(sqlite3_exec(s->db, "PRAGMA max_page_count = 1", NULL, NULL, NULL), SQLITE_OK);
    unsigned char *blob = calloc(1, 1 << 20);
    vg_store_window w = {.key = 1, .revision = 1, .profile = blob, .profile_len = 1 << 20};
    vg_error err;
    assert_int_equal(vg_store_put_window(s, "m", &w, &err), VG_ERR_IO);
    assert_non_null(strstr(err.msg, s->path));
    assert_int_equal(sqlite3_exec(s->db, "PRAGMA max_page_count = 1073741823", NULL, NULL, NULL),
                     SQLITE_OK);
    OK(vg_store_put_window(s, "m", &w, ERR));
    vg_store_window got;
    OK(vg_store_get_window(s, "m", 1, &got, ERR));
    assert_int_equal(got.profile_len, 1 << 20);
    vg_store_window_clear(&got);

    /* values beyond SQLite's length limit fail alone, before any transaction */
    s->max_value = 100;
    assert_int_equal(vg_store_journal_append(s, "m", vg_store_next_seq(s), 0, blob, 101, &err),
                     VG_ERR_LIMIT);
    assert_non_null(strstr(err.msg, "a journal entry of 101 bytes"));
    assert_int_equal(vg_store_put_reference(s, "m", "csv", blob, 101, &err), VG_ERR_LIMIT);
    assert_int_equal(vg_store_put_window(s, "m", &w, &err), VG_ERR_LIMIT);
    OK(vg_store_journal_append(s, "m", vg_store_next_seq(s), 0, blob, 100, ERR));
    free(blob);
    vg_store_close(s);
}

/* One process per data directory; the lock goes with the store. */
static void test_lock(void **state) {
    vg_store *s = open_store(*state), *t = NULL;
    vg_error err;
    assert_int_equal(vg_store_open(*state, &t, &err), VG_ERR_IO);
    assert_null(t);
    char want[64];
    snprintf(want, sizeof want, "in use by another process (pid %ld)", (long)getpid());
    assert_non_null(strstr(err.msg, want));
    vg_store_close(s);
    s = open_store(*state);
    vg_store_close(s);
}

/* ---- throughput (printed) ---------------------------------------------------------------------
 */

typedef struct tp_arg {
    vg_store *s;
    size_t len;
    double until;
    uint64_t n;
    int failures;
} tp_arg;

static void *tp_writer(void *p) {
    tp_arg *a = p;
    unsigned char *buf = malloc(a->len);
    memset(buf, 0xa5, a->len);
    while (now_s() < a->until) {
        vg_error err;
        if (vg_store_journal_append(a->s, "m", vg_store_next_seq(a->s), 1, buf, a->len, &err))
            a->failures++;
        a->n++;
    }
    free(buf);
    return NULL;
}

static void test_journal_throughput(void **state) {
    vg_store *s = open_store(*state);
    OK(vg_store_put_model(s, "m", "{}", ERR));
    const size_t sizes[] = {1024, 65536};
    for (int k = 0; k < 2; k++) {
        vg_store_stats before, after;
        vg_store_get_stats(s, &before);
        tp_arg a[TP_THREADS];
        pthread_t th[TP_THREADS];
        double t0 = now_s();
        for (int t = 0; t < TP_THREADS; t++) {
            a[t] = (tp_arg){s, sizes[k], t0 + 1.0, 0, 0};
            pthread_create(&th[t], NULL, tp_writer, &a[t]);
        }
        for (int t = 0; t < TP_THREADS; t++) {
            pthread_join(th[t], NULL);
            assert_int_equal(a[t].failures, 0);
        }
        double dt = now_s() - t0;
        vg_store_get_stats(s, &after);
        double entries = (double)(after.journal_entries - before.journal_entries);
        double commits = (double)(after.journal_commits - before.journal_commits);
        printf("store: journal throughput, %zu B entries, %d writers: %.0f entries/s, %.0f "
               "commits/s, %.1f MB/s, %.2f ms per commit\n",
               sizes[k], TP_THREADS, entries / dt, commits / dt,
               (double)(after.journal_bytes - before.journal_bytes) / dt / 1e6,
               1e3 * (after.journal_commit_seconds - before.journal_commit_seconds) / commits);
        OK(vg_store_journal_prune(s, "m", UINT64_MAX, ERR));
    }
    vg_store_close(s);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_models_and_references, t_tmpdir_setup,
                                        t_tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_windows, t_tmpdir_setup, t_tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_series, t_tmpdir_setup, t_tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_dead_letters, t_tmpdir_setup, t_tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_expire_and_cascade, t_tmpdir_setup, t_tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_journal_concurrent, t_tmpdir_setup, t_tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_journal_prune_reopen, t_tmpdir_setup,
                                        t_tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_crash_kill9, t_tmpdir_setup, t_tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_schema_version, t_tmpdir_setup, t_tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_io_failures, t_tmpdir_setup, t_tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_lock, t_tmpdir_setup, t_tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_journal_throughput, t_tmpdir_setup, t_tmpdir_teardown),
    };
    return cmocka_run_group_tests_name("store", tests, NULL, NULL);
}
