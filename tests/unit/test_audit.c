/*
 * Tests of the hash-chained audit log (src/store/audit.c): the hash of the documented encoding
 * against values computed elsewhere (Python's hashlib, and a one-shot SHA-256 over bytes laid
 * out here by hand), appends from one and from four threads giving one linear intact chain, and
 * tampering through SQLite's C API behind the store's back: each column of one entry edited,
 * an entry deleted, two swapped, an entry edited with its hash recomputed. Each must be named
 * by the verification walk, and restoring the row must make the chain intact again. Verification
 * also runs on the read-only reader while the store is open (the daemon's flock held). The
 * rate of appends (one fsync each) is printed, not asserted.
 */
#include <openssl/evp.h>
#include <pthread.h>
#include <sqlite3.h>
#include <time.h>

#include "testutil.h"

#include "store/store.h"

#define OK(call)                                                                                   \
    do {                                                                                           \
        vg_error e_ = {0};                                                                         \
        int rc_ = (call);                                                                          \
        if (rc_ != VG_OK)                                                                          \
            fail_msg("%s: %d %s", #call, rc_, e_.msg);                                             \
    } while (0)
#define ERR (&e_)

static vg_store *open_store(const char *dir) {
    vg_store *s = NULL;
    vg_error err = {0};
    if (vg_store_open(dir, &s, &err) != VG_OK)
        fail_msg("vg_store_open: %s", err.msg);
    return s;
}

/* Appends n entries whose fields depend on their index (detail carries it as JSON). */
static void append_n(vg_store *s, int from, int n) {
    for (int i = from; i < from + n; i++) {
        char target[32], detail[64], remote[32];
        snprintf(target, sizeof target, "model-%d", i % 7);
        snprintf(detail, sizeof detail, "{\"i\":%d}", i);
        snprintf(remote, sizeof remote, "10.0.0.%d", i % 250);
        OK(vg_store_audit_append(s, i % 2 ? "tok_a (ci)" : "daemon", remote,
                                 i % 3 ? "model.register" : "reference.put", target, detail, NULL,
                                 NULL, ERR));
    }
}

static vg_store_audit_check verify_reader(const char *dir) {
    vg_store_audit_reader *r = NULL;
    vg_store_audit_check c;
    OK(vg_store_audit_open(dir, &r, ERR));
    OK(vg_store_audit_reader_verify(r, &c, ERR));
    vg_store_audit_close(r);
    return c;
}

static sqlite3 *raw_db(const char *dir) {
    char path[512];
    snprintf(path, sizeof path, "%s/vigia.db", dir);
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    sqlite3_busy_timeout(db, 5000);
    return db;
}

static void sql(sqlite3 *db, const char *text) {
    char *msg = NULL;
    if (sqlite3_exec(db, text, NULL, NULL, &msg) != SQLITE_OK)
        fail_msg("%s: %s", text, msg);
}

/* ---- the hash ---- */

static void test_hash_known(void **state) {
    (void)state;
    /* expected values from Python: hashlib.sha256(struct.pack('>Qq', seq, ts) +
     * b''.join(struct.pack('>I', len(f)) + f for f in fields)).hexdigest() */
    vg_store_audit_entry e = {1,
                              1700000000000,
                              "anonymous",
                              "127.0.0.1",
                              "model.register",
                              "credit",
                              "{\"a\":1}",
                              (char *)vg_store_audit_genesis,
                              NULL};
    char h[VG_STORE_HASH_HEX + 1];
    OK(vg_store_audit_hash(&e, h, ERR));
    assert_string_equal(h, "4caa4eb391538b8a686e5998b15f9d42b0b31a00fcbee2b320e3c7f31135996a");
    /* empty and NULL strings both encode as a zero length; a negative time as two's complement */
    vg_store_audit_entry z = {42,  -5, "", NULL, "x", NULL, "", (char *)vg_store_audit_genesis,
                              NULL};
    OK(vg_store_audit_hash(&z, h, ERR));
    assert_string_equal(h, "a4f8e57527dd061e1416bd4386885e8441e3b31dac6aa7c5aebc78f7f537a5ac");
}

/* The documented layout built byte by byte, hashed in one EVP_Digest call. */
static void manual_hash(const vg_store_audit_entry *e, char out[65]) {
    unsigned char buf[4096];
    size_t n = 0;
    uint64_t ints[2] = {(uint64_t)e->seq, (uint64_t)e->ts_ms};
    for (int k = 0; k < 2; k++)
        for (int i = 7; i >= 0; i--)
            buf[n++] = (unsigned char)(ints[k] >> (8 * i));
    const char *f[] = {e->actor, e->remote, e->action, e->target, e->detail, e->prev_hash};
    for (int k = 0; k < 6; k++) {
        uint32_t len = (uint32_t)strlen(f[k]);
        buf[n++] = (unsigned char)(len >> 24);
        buf[n++] = (unsigned char)(len >> 16);
        buf[n++] = (unsigned char)(len >> 8);
        buf[n++] = (unsigned char)len;
        memcpy(buf + n, f[k], len);
        n += len;
    }
    unsigned char md[32];
    unsigned int mdlen;
    assert_true(EVP_Digest(buf, n, md, &mdlen, EVP_sha256(), NULL));
    for (int i = 0; i < 32; i++)
        snprintf(out + 2 * i, 3, "%02x", md[i]);
}

static void test_append_and_list(void **state) {
    vg_store *s = open_store(*state);
    int64_t seq = 0;
    char hash[65], head[65];
    OK(vg_store_audit_head(s, &seq, head, NULL, ERR));
    assert_int_equal(seq, 0);
    assert_string_equal(head, vg_store_audit_genesis);
    append_n(s, 0, 99);
    OK(vg_store_audit_append(s, "anonymous", "", "model.delete", "credit", "", &seq, hash, ERR));
    assert_int_equal(seq, 100);
    uint64_t count = 0;
    OK(vg_store_audit_head(s, &seq, head, &count, ERR));
    assert_int_equal(seq, 100);
    assert_int_equal(count, 100);
    assert_string_equal(head, hash);

    vg_store_audit_entry *v = NULL;
    size_t n = 0;
    OK(vg_store_audit_list(s, 0, 0, &v, &n, ERR));
    assert_int_equal(n, 100);
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(v[i].seq, (int64_t)i + 1);
        assert_string_equal(v[i].prev_hash, i ? v[i - 1].hash : vg_store_audit_genesis);
        char h[65];
        manual_hash(&v[i], h);
        assert_string_equal(h, v[i].hash);
        if (i)
            assert_true(v[i].ts_ms >= v[i - 1].ts_ms);
    }
    assert_string_equal(v[99].action, "model.delete");
    assert_string_equal(v[99].remote, "");
    char d[32];
    snprintf(d, sizeof d, "{\"i\":%d}", 41);
    assert_string_equal(v[41].detail, d);
    vg_store_audit_free(v, n);
    OK(vg_store_audit_list(s, 50, 10, &v, &n, ERR));
    assert_int_equal(n, 10);
    assert_int_equal(v[0].seq, 51);
    assert_int_equal(v[9].seq, 60);
    vg_store_audit_free(v, n);

    vg_store_audit_check c;
    OK(vg_store_audit_verify(s, &c, ERR));
    assert_false(c.broken);
    assert_int_equal(c.n, 100);
    assert_int_equal(c.head_seq, 100);
    assert_string_equal(c.head, hash);
    vg_store_close(s);
    /* the chain continues across a reopen */
    s = open_store(*state);
    append_n(s, 100, 1);
    OK(vg_store_audit_verify(s, &c, ERR));
    assert_false(c.broken);
    assert_int_equal(c.n, 101);
    vg_store_close(s);
}

typedef struct worker {
    vg_store *s;
    int id, n, failed;
} worker;

static void *append_worker(void *arg) {
    worker *w = arg;
    for (int i = 0; i < w->n; i++) {
        char actor[32], detail[64];
        snprintf(actor, sizeof actor, "thread-%d", w->id);
        snprintf(detail, sizeof detail, "{\"i\":%d}", i);
        vg_error err = {0};
        if (vg_store_audit_append(w->s, actor, "", "model.flush", "m", detail, NULL, NULL, &err) !=
            VG_OK)
            w->failed++;
    }
    return NULL;
}

static void test_concurrent(void **state) {
    vg_store *s = open_store(*state);
    enum { T = 4, N = 50 };
    pthread_t th[T];
    worker w[T];
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (int i = 0; i < T; i++) {
        w[i] = (worker){s, i, N, 0};
        assert_int_equal(pthread_create(&th[i], NULL, append_worker, &w[i]), 0);
    }
    for (int i = 0; i < T; i++) {
        pthread_join(th[i], NULL);
        assert_int_equal(w[i].failed, 0);
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double secs = (double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) * 1e-9;
    /* each append is one fsync'd transaction: the rate is the disk's, printed, not asserted */
    print_message("%d appends from %d threads in %.3f s (%.0f/s)\n", T * N, T, secs, T * N / secs);
    vg_store_audit_check c;
    OK(vg_store_audit_verify(s, &c, ERR));
    assert_false(c.broken);
    assert_int_equal(c.n, T * N);
    /* every thread's entries are there, each in its own order */
    vg_store_audit_entry *v = NULL;
    size_t n = 0;
    OK(vg_store_audit_list(s, 0, 0, &v, &n, ERR));
    assert_int_equal(n, T * N);
    int next[T] = {0};
    for (size_t i = 0; i < n; i++) {
        int t = v[i].actor[7] - '0';
        assert_true(t >= 0 && t < T);
        char d[32];
        snprintf(d, sizeof d, "{\"i\":%d}", next[t]++);
        assert_string_equal(v[i].detail, d);
    }
    for (int i = 0; i < T; i++)
        assert_int_equal(next[i], N);
    vg_store_audit_free(v, n);
    vg_store_close(s);
}

/* ---- tampering ---- */

#define K 7

static void expect_broken(const char *dir, uint64_t pos, int64_t seq, const char *why) {
    vg_store_audit_check c = verify_reader(dir);
    assert_true(c.broken);
    assert_int_equal(c.bad_pos, pos);
    assert_int_equal(c.bad_seq, seq);
    if (strncmp(c.why, why, strlen(why)))
        fail_msg("expected '%s...', got '%s'", why, c.why);
}

static void expect_intact(const char *dir, uint64_t n) {
    vg_store_audit_check c = verify_reader(dir);
    if (c.broken)
        fail_msg("broken at %llu: %s", (unsigned long long)c.bad_pos, c.why);
    assert_int_equal(c.n, n);
}

static void test_edit_each_column(void **state) {
    vg_store *s = open_store(*state);
    append_n(s, 0, 20);
    vg_store_close(s);
    expect_intact(*state, 20);
    sqlite3 *db = raw_db(*state);
    static const char *const cols[] = {"ts_ms",  "actor",  "remote",    "action",
                                       "target", "detail", "prev_hash", "hash"};
    for (size_t i = 0; i < sizeof cols / sizeof *cols; i++) {
        char q[256];
        /* keep the old value aside, change it, verify, put it back */
        sql(db, "DROP TABLE IF EXISTS saved");
        snprintf(q, sizeof q, "CREATE TABLE saved AS SELECT %s AS v FROM audit WHERE seq = %d",
                 cols[i], K);
        sql(db, q);
        if (!strcmp(cols[i], "ts_ms"))
            snprintf(q, sizeof q, "UPDATE audit SET ts_ms = ts_ms + 1 WHERE seq = %d", K);
        else if (!strcmp(cols[i], "prev_hash") || !strcmp(cols[i], "hash"))
            /* one hex digit changed */
            snprintf(q, sizeof q,
                     "UPDATE audit SET %s = (CASE substr(%s,1,1) WHEN 'a' THEN 'b' ELSE 'a' END)"
                     " || substr(%s,2) WHERE seq = %d",
                     cols[i], cols[i], cols[i], K);
        else
            snprintf(q, sizeof q, "UPDATE audit SET %s = %s || 'x' WHERE seq = %d", cols[i],
                     cols[i], K);
        sql(db, q);
        expect_broken(*state, K, K, "hash mismatch");
        snprintf(q, sizeof q, "UPDATE audit SET %s = (SELECT v FROM saved) WHERE seq = %d", cols[i],
                 K);
        sql(db, q);
        expect_intact(*state, 20);
    }
    /* seq is the key: renumbering entry K moves it; the walk stops where it went missing */
    sql(db, "UPDATE audit SET seq = 1000 WHERE seq = 7");
    expect_broken(*state, K, K + 1, "seq gap");
    sql(db, "UPDATE audit SET seq = 7 WHERE seq = 1000");
    expect_intact(*state, 20);
    sqlite3_close(db);
}

static void test_delete_and_swap(void **state) {
    vg_store *s = open_store(*state);
    append_n(s, 0, 20);
    vg_store_close(s);
    sqlite3 *db = raw_db(*state);
    sql(db, "CREATE TABLE saved AS SELECT * FROM audit");
    /* deleted in the middle: the next entry is named */
    sql(db, "DELETE FROM audit WHERE seq = 7");
    expect_broken(*state, K, K + 1, "seq gap");
    sql(db, "INSERT INTO audit SELECT * FROM saved WHERE seq = 7");
    expect_intact(*state, 20);
    /* the first one */
    sql(db, "DELETE FROM audit WHERE seq = 1");
    expect_broken(*state, 1, 2, "seq gap");
    sql(db, "INSERT INTO audit SELECT * FROM saved WHERE seq = 1");
    /* deleted and the rest renumbered to hide the gap: the hashes cover seq */
    sql(db, "DELETE FROM audit WHERE seq = 7");
    sql(db, "UPDATE audit SET seq = seq - 1 WHERE seq > 7");
    expect_broken(*state, K, K, "hash mismatch");
    sql(db, "DELETE FROM audit");
    sql(db, "INSERT INTO audit SELECT * FROM saved");
    expect_intact(*state, 20);
    /* two entries swapped (contents exchanged between seqs 5 and 9) */
    sql(db, "UPDATE audit SET ts_ms = (SELECT ts_ms FROM saved WHERE seq = 14 - audit.seq),"
            " actor = (SELECT actor FROM saved WHERE seq = 14 - audit.seq),"
            " remote = (SELECT remote FROM saved WHERE seq = 14 - audit.seq),"
            " action = (SELECT action FROM saved WHERE seq = 14 - audit.seq),"
            " target = (SELECT target FROM saved WHERE seq = 14 - audit.seq),"
            " detail = (SELECT detail FROM saved WHERE seq = 14 - audit.seq),"
            " prev_hash = (SELECT prev_hash FROM saved WHERE seq = 14 - audit.seq),"
            " hash = (SELECT hash FROM saved WHERE seq = 14 - audit.seq)"
            " WHERE seq IN (5, 9)");
    expect_broken(*state, 5, 5, "hash mismatch");
    sql(db, "DELETE FROM audit");
    sql(db, "INSERT INTO audit SELECT * FROM saved");
    expect_intact(*state, 20);
    /* the documented limit: the tail cut off leaves an intact, shorter chain */
    sql(db, "DELETE FROM audit WHERE seq > 15");
    expect_intact(*state, 15);
    sqlite3_close(db);
}

/* Someone who edits an entry and recomputes its hash breaks the link of the next one. */
static void test_edit_with_rehash(void **state) {
    vg_store *s = open_store(*state);
    append_n(s, 0, 20);
    vg_store_audit_entry *v = NULL;
    size_t n = 0;
    OK(vg_store_audit_list(s, K - 1, 1, &v, &n, ERR));
    assert_int_equal(n, 1);
    vg_store_close(s);
    free(v[0].detail);
    v[0].detail = strdup("{\"i\":-1}");
    char h[65];
    OK(vg_store_audit_hash(&v[0], h, ERR));
    sqlite3 *db = raw_db(*state);
    char q[256];
    snprintf(q, sizeof q, "UPDATE audit SET detail = '{\"i\":-1}', hash = '%s' WHERE seq = %d", h,
             K);
    sql(db, q);
    sqlite3_close(db);
    expect_broken(*state, K + 1, K + 1, "prev_hash mismatch");
    vg_store_audit_free(v, n);
}

/* The CLI's reader needs no lock: it verifies while the store (the daemon) holds the directory,
 * and sees entries appended after it opened. */
static void test_reader_while_open(void **state) {
    vg_store *s = open_store(*state);
    append_n(s, 0, 10);
    vg_store_audit_reader *r = NULL;
    OK(vg_store_audit_open(*state, &r, ERR));
    vg_store_audit_check c;
    OK(vg_store_audit_reader_verify(r, &c, ERR));
    assert_false(c.broken);
    assert_int_equal(c.n, 10);
    append_n(s, 10, 5);
    OK(vg_store_audit_reader_verify(r, &c, ERR));
    assert_false(c.broken);
    assert_int_equal(c.n, 15);
    char head[65];
    int64_t seq;
    OK(vg_store_audit_head(s, &seq, head, NULL, ERR));
    assert_string_equal(c.head, head);
    vg_store_audit_entry *v = NULL;
    size_t n = 0;
    OK(vg_store_audit_reader_list(r, 12, 0, &v, &n, ERR));
    assert_int_equal(n, 3);
    assert_int_equal(v[0].seq, 13);
    vg_store_audit_free(v, n);
    vg_store_audit_close(r);
    vg_store_close(s);

    vg_error err = {0};
    char missing[512];
    snprintf(missing, sizeof missing, "%s/nothing-here", (char *)*state);
    assert_int_equal(vg_store_audit_open(missing, &r, &err), VG_ERR_IO);
    assert_non_null(strstr(err.msg, "no database"));
    assert_null(r);
}

/* The export line parses back to the same entry, and the walk over parsed lines agrees. */
static void test_json_roundtrip(void **state) {
    vg_store *s = open_store(*state);
    append_n(s, 0, 5);
    OK(vg_store_audit_append(s, "t\xc3\xa9st \"q\"", "::1", "alert.ack", "a/b\\c",
                             "{\"c\":\"\\n\"}", NULL, NULL, ERR));
    vg_store_audit_entry *v = NULL;
    size_t n = 0;
    OK(vg_store_audit_list(s, 0, 0, &v, &n, ERR));
    vg_store_close(s);
    vg_store_audit_check c;
    vg_store_audit_check_init(&c);
    for (size_t i = 0; i < n; i++) {
        char *line = NULL;
        vg_error err = {0};
        line = vg_store_audit_entry_json(&v[i], &err);
        assert_non_null(line);
        assert_null(strchr(line, '\n'));
        vg_store_audit_entry e;
        OK(vg_store_audit_entry_parse(line, strlen(line), &e, ERR));
        assert_int_equal(e.seq, v[i].seq);
        assert_int_equal(e.ts_ms, v[i].ts_ms);
        assert_string_equal(e.actor, v[i].actor);
        assert_string_equal(e.remote, v[i].remote);
        assert_string_equal(e.target, v[i].target);
        assert_string_equal(e.detail, v[i].detail);
        assert_string_equal(e.hash, v[i].hash);
        assert_int_equal(vg_store_audit_check_next(&c, &e), 0);
        vg_store_audit_entry_clear(&e);
        free(line);
    }
    assert_int_equal(c.n, 6);
    /* out of order in a file: named */
    assert_int_equal(vg_store_audit_check_next(&c, &v[2]), 1);
    assert_int_equal(c.bad_pos, 7);
    assert_non_null(strstr(c.why, "seq out of order"));
    vg_store_audit_free(v, n);

    vg_store_audit_entry e;
    vg_error err = {0};
    assert_int_equal(vg_store_audit_entry_parse("{\"seq\":1}", 9, &e, &err), VG_ERR_INVALID);
    assert_non_null(strstr(err.msg, "ts_ms"));
    const char *no_hash = "{\"seq\":1,\"ts_ms\":2,\"actor\":\"\",\"remote\":\"\",\"action\":\"x\","
                          "\"target\":\"\",\"detail\":\"\",\"prev_hash\":\"\"}";
    assert_int_equal(vg_store_audit_entry_parse(no_hash, strlen(no_hash), &e, &err),
                     VG_ERR_INVALID);
    assert_non_null(strstr(err.msg, "hash: expected a string"));
    assert_int_equal(vg_store_audit_entry_parse("[1", 2, &e, &err), VG_ERR_PARSE);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hash_known),
        cmocka_unit_test_setup_teardown(test_append_and_list, t_tmpdir_setup, t_tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_concurrent, t_tmpdir_setup, t_tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_edit_each_column, t_tmpdir_setup, t_tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_delete_and_swap, t_tmpdir_setup, t_tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_edit_with_rehash, t_tmpdir_setup, t_tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_reader_while_open, t_tmpdir_setup, t_tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_json_roundtrip, t_tmpdir_setup, t_tmpdir_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
