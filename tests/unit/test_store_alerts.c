/*
 * The alerting tables of the daemon's store (src/store/alerts.c): a commit writes states,
 * history and outbox together or not at all; the outbox hands entries back in order, keeps
 * retried ones and drops delivered ones from the pending set; everything survives a reopen;
 * a version 1 database (before alerting) is migrated.
 */
#include <sqlite3.h>

#include "testutil.h"

#include "store/store.h"

static vg_store *open_store(const char *dir) {
    vg_store *s = NULL;
    vg_error err = {0};
    if (vg_store_open(dir, &s, &err) != VG_OK)
        fail_msg("vg_store_open: %s", err.msg);
    return s;
}

/* Two transitions, the second notified to two notifiers; state saved with them. */
static void commit_two(vg_store *s) {
    vg_store_alert_kv kv = {"engine", "state", "{\"version\":1}", 0};
    vg_store_alert_event ev[2] = {
        {0, 1000, "fp1", "r", "m", "transition", "pending", "{\"state\":\"pending\"}"},
        {0, 2000, "fp1", "r", "m", "transition", "firing", "{\"state\":\"firing\"}"}};
    vg_store_outbox_new ob[2] = {{1, "hook", "{\"n\":1}"}, {1, "am", "{\"n\":2}"}};
    vg_store_alert_tx tx = {&kv, 1, ev, 2, ob, 2};
    vg_error err = {0};
    assert_int_equal(vg_store_alert_commit(s, &tx, &err), VG_OK);
}

static void test_commit_and_read(void **state) {
    vg_store *s = open_store(*state);
    commit_two(s);
    vg_error err = {0};
    vg_store_alert_kv *kv;
    size_t n;
    assert_int_equal(vg_store_alert_kv_list(s, "engine", &kv, &n, &err), VG_OK);
    assert_int_equal(n, 1);
    assert_string_equal(kv[0].id, "state");
    assert_string_equal(kv[0].json, "{\"version\":1}");
    vg_store_alert_kv_free(kv, n);

    /* newest first; filter by alert; paging with before */
    vg_store_alert_event *ev;
    assert_int_equal(vg_store_alert_history(s, "fp1", NULL, 0, 0, &ev, &n, &err), VG_OK);
    assert_int_equal(n, 2);
    assert_string_equal(ev[0].state, "firing");
    assert_string_equal(ev[1].state, "pending");
    assert_int_equal(ev[1].at_ms, 1000);
    int64_t newest = ev[0].id;
    vg_store_alert_events_free(ev, n);
    assert_int_equal(vg_store_alert_history(s, NULL, NULL, newest, 10, &ev, &n, &err), VG_OK);
    assert_int_equal(n, 1);
    assert_string_equal(ev[0].state, "pending");
    vg_store_alert_events_free(ev, n);
    assert_int_equal(vg_store_alert_history(s, "other", NULL, 0, 0, &ev, &n, &err), VG_OK);
    assert_int_equal(n, 0);
    vg_store_alert_events_free(ev, n);

    /* the outbox, in order, tied to the firing event */
    vg_store_outbox *ob;
    assert_int_equal(vg_store_outbox_pending(s, 0, &ob, &n, &err), VG_OK);
    assert_int_equal(n, 2);
    assert_string_equal(ob[0].notifier, "hook");
    assert_string_equal(ob[1].notifier, "am");
    assert_true(ob[0].id < ob[1].id);
    assert_int_equal(ob[0].event_id, newest);
    assert_int_equal(ob[0].attempts, 0);
    int64_t first = ob[0].id, second = ob[1].id;
    vg_store_outbox_free(ob, n);
    assert_int_equal(vg_store_outbox_count(s), 2);

    /* a failed attempt stays pending with its retry time; a delivery leaves the set and adds
     * its history record in the same transaction */
    assert_int_equal(vg_store_outbox_update(s, first, 0, 1, 99999, "refused", NULL, &err), VG_OK);
    vg_store_alert_event rec = {0, 0, "fp1", "r", "m", "notification", "delivered", "{}"};
    assert_int_equal(vg_store_outbox_update(s, second, 1, 1, 0, "HTTP 200", &rec, &err), VG_OK);
    assert_int_equal(vg_store_outbox_pending(s, 0, &ob, &n, &err), VG_OK);
    assert_int_equal(n, 1);
    assert_int_equal(ob[0].id, first);
    assert_int_equal(ob[0].attempts, 1);
    assert_int_equal(ob[0].next_ms, 99999);
    vg_store_outbox_free(ob, n);
    assert_int_equal(vg_store_alert_history(s, NULL, NULL, 0, 0, &ev, &n, &err), VG_OK);
    assert_int_equal(n, 3);
    assert_string_equal(ev[0].kind, "notification");
    vg_store_alert_events_free(ev, n);
    vg_store_close(s);

    /* a reopen (a restart) finds everything */
    s = open_store(*state);
    assert_int_equal(vg_store_outbox_count(s), 1);
    assert_int_equal(vg_store_alert_kv_list(s, "engine", &kv, &n, &err), VG_OK);
    assert_int_equal(n, 1);
    vg_store_alert_kv_free(kv, n);

    /* retention: events before the cutoff and finished outbox entries go; pending stay */
    int k = vg_store_alert_expire(s, 1500, &err);
    assert_int_equal(k, 1); /* the pending event at 1000 (the others are at 2000 and now) */
    assert_int_equal(vg_store_outbox_count(s), 1);
    k = vg_store_alert_expire(s, INT64_MAX, &err);
    assert_true(k >= 3); /* the remaining history and the delivered outbox entry */
    assert_int_equal(vg_store_outbox_count(s), 1);

    /* a delete in a commit */
    vg_store_alert_kv del = {"engine", "state", NULL, 0};
    vg_store_alert_tx tx = {&del, 1, NULL, 0, NULL, 0};
    assert_int_equal(vg_store_alert_commit(s, &tx, &err), VG_OK);
    assert_int_equal(vg_store_alert_kv_list(s, "engine", &kv, &n, &err), VG_OK);
    assert_int_equal(n, 0);
    vg_store_alert_kv_free(kv, n);
    vg_store_close(s);
}

/* A commit that fails part-way leaves nothing behind. */
static void test_commit_atomic(void **state) {
    vg_store *s = open_store(*state);
    vg_store_close(s);
    /* make outbox inserts fail with a trigger, so the transaction aborts after the history */
    char path[512];
    snprintf(path, sizeof path, "%s/vigia.db", (const char *)*state);
    sqlite3 *db;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db,
                                  "CREATE TRIGGER no_outbox BEFORE INSERT ON alert_outbox"
                                  " BEGIN SELECT RAISE(ABORT, 'outbox refused'); END;",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    sqlite3_close(db);
    s = open_store(*state);
    vg_store_alert_kv kv = {"engine", "state", "{}", 0};
    vg_store_alert_event ev = {0, 0, "fp", "r", "m", "transition", "firing", "{}"};
    vg_store_outbox_new ob = {0, "hook", "{}"};
    vg_store_alert_tx tx = {&kv, 1, &ev, 1, &ob, 1};
    vg_error err = {0};
    assert_int_equal(vg_store_alert_commit(s, &tx, &err), VG_ERR_IO);
    assert_non_null(strstr(err.msg, "outbox refused"));
    vg_store_alert_kv *v;
    vg_store_alert_event *e;
    size_t n;
    assert_int_equal(vg_store_alert_kv_list(s, "engine", &v, &n, &err), VG_OK);
    assert_int_equal(n, 0);
    vg_store_alert_kv_free(v, n);
    assert_int_equal(vg_store_alert_history(s, NULL, NULL, 0, 0, &e, &n, &err), VG_OK);
    assert_int_equal(n, 0);
    vg_store_alert_events_free(e, n);
    vg_store_close(s);
}

/* A database of schema version 1 (before alerting) gets the alerting tables, and those of the
 * later versions, on open. */
static void test_migrate_from_v1(void **state) {
    vg_store *s = open_store(*state);
    vg_error err = {0};
    assert_int_equal(vg_store_put_model(s, "m", "{}", &err), VG_OK);
    vg_store_close(s);
    char path[512];
    snprintf(path, sizeof path, "%s/vigia.db", (const char *)*state);
    sqlite3 *db;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db,
                                  "DROP TABLE alert_kv; DROP TABLE alert_history;"
                                  " DROP TABLE alert_outbox; DROP TABLE tokens; DROP TABLE audit;"
                                  " PRAGMA user_version = 1;",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    sqlite3_close(db);
    s = open_store(*state);
    commit_two(s);
    assert_int_equal(vg_store_outbox_count(s), 2);
    vg_store_model *m;
    size_t n;
    assert_int_equal(vg_store_list_models(s, &m, &n, &err), VG_OK);
    assert_int_equal(n, 1); /* the version 1 data is kept */
    vg_store_models_free(m, n);
    vg_store_close(s);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_commit_and_read, t_tmpdir_setup, t_tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_commit_atomic, t_tmpdir_setup, t_tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_migrate_from_v1, t_tmpdir_setup, t_tmpdir_teardown),
    };
    return cmocka_run_group_tests_name("store_alerts", tests, NULL, NULL);
}
