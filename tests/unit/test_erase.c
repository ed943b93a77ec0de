/*
 * Tests of the right to erasure and of record-level retention: vg_monitor_erase on a monitor
 * holding open windows, kept closed windows and waiting labels (exact counts, later labels do not
 * join, aggregates unchanged); the journal and rows-blob rewriters (the id's bytes gone, the
 * other records intact and in order, an emptied entry reported for deletion); vg_store_erase
 * over a real store (nothing of the id in the database or WAL files afterwards, replay does not
 * bring it back); and the daemon's retention of dead letters and rows blobs with a clock of the
 * test's own (serve_retention).
 */
#include <fcntl.h>
#include <jansson.h>
#include <sys/stat.h>

#include "serve/internal.h"
#include "testutil.h"
#include "vigia/monitor.h"

#define T0 1767261600000LL /* 2026-01-01T10:00:00Z */
#define MIN 60000LL
#define HOUR 3600000LL

static const char *SPEC =
    "{\"name\": \"credit\", \"task\": \"binary\", \"features\": ["
    "{\"name\": \"age\", \"type\": \"numeric\", \"required\": true},"
    "{\"name\": \"region\", \"type\": \"categorical\"}],"
    "\"sensitive\": [\"region\"], \"window\": {\"duration\": \"1h\", \"lateness\": \"5m\"},"
    "\"label_ttl\": \"1d\"}";

static vg_monitor *new_monitor(void) {
    vg_model_spec *s = NULL;
    vg_error err;
    assert_int_equal(vg_model_spec_parse(SPEC, strlen(SPEC), &s, &err), VG_OK);
    vg_monitor *m = vg_monitor_new(s, &err);
    assert_non_null(m);
    vg_model_spec_free(s);
    return m;
}

/* One prediction; its region is derived from the id, so that a record's sensitive value is as
 * distinctive as its id (both must leave). */
static void add_rec(char *buf, size_t cap, const char *id, int64_t ts, double score,
                    const char *label) {
    size_t n = strlen(buf);
    char lab[64] = "", reg[64];
    /* "reg_" and the id with '_' for '-': as distinctive, yet not containing the id's text */
    snprintf(reg, sizeof reg, "reg_%s", id);
    for (char *p = reg; *p; p++)
        *p = *p == '-' ? '_' : *p;
    if (label)
        snprintf(lab, sizeof lab, ", \"label\": %s", label);
    snprintf(buf + n, cap - n,
             "{\"id\": \"%s\", \"timestamp\": %.3f, \"features\": {\"age\": 40, \"region\": "
             "\"%s\"}, \"prediction\": %.2f%s}\n",
             id, ts / 1000.0, reg, score, lab);
}

/* Parses, applies and encodes a body; returns the encoded batch (malloc'd). */
static unsigned char *feed(vg_monitor *m, const char *body, int64_t now, uint64_t seq, int labels,
                           size_t *len) {
    vg_monitor_batch *b = NULL;
    vg_monitor_rejects rj = {0};
    vg_error err;
    int rc = labels ? vg_monitor_parse_labels(m, body, strlen(body), now, &b, &rj, &err)
                    : vg_monitor_parse_predictions(m, body, strlen(body), now, &b, &rj, &err);
    if (rc != VG_OK || rj.n)
        fprintf(stderr, "parse: %s (%zu rejects)\n", rc ? err.msg : "", rj.n);
    assert_int_equal(rc, VG_OK);
    assert_int_equal(rj.n, 0);
    assert_int_equal(vg_monitor_apply(m, b, seq, 0, &err), VG_OK);
    unsigned char *bytes = NULL;
    assert_int_equal(vg_monitor_batch_encode(b, &bytes, len, &err), VG_OK);
    vg_monitor_batch_free(b);
    vg_monitor_rejects_free(&rj);
    return bytes;
}

static int has(const void *hay, size_t n, const char *needle) {
    return hay && memmem(hay, n, needle, strlen(needle)) != NULL;
}

/* Position of needle in hay, or -1. */
static long at(const void *hay, size_t n, const char *needle) {
    const char *p = memmem(hay, n, needle, strlen(needle));
    return p ? (long)(p - (const char *)hay) : -1;
}

static void take_one(vg_monitor *m, vg_window **out) {
    vg_window **w = NULL;
    size_t n = 0;
    vg_error err;
    assert_int_equal(vg_monitor_take_windows(m, &w, &n, &err), VG_OK);
    assert_int_equal(n, 1);
    *out = w[0];
    free(w);
}

static uint64_t matched(const vg_monitor *m) {
    vg_monitor_stats st;
    vg_monitor_get_stats(m, &st);
    return st.labels_matched;
}

/* ---- the monitor ----------------------------------------------------------------------------- */

static void test_monitor_erase(void **state) {
    (void)state;
    vg_monitor *m = new_monitor();
    char body[4096] = "";
    size_t len;
    /* window T0: five predictions, one labelled */
    add_rec(body, sizeof body, "alpha-1", T0 + 1 * MIN, 0.9, NULL);
    add_rec(body, sizeof body, "alpha-2", T0 + 2 * MIN, 0.8, "1");
    add_rec(body, sizeof body, "alpha-3", T0 + 3 * MIN, 0.2, NULL);
    add_rec(body, sizeof body, "alpha-4", T0 + 4 * MIN, 0.3, NULL);
    add_rec(body, sizeof body, "alpha-5", T0 + 5 * MIN, 0.7, NULL);
    free(feed(m, body, T0 + 6 * MIN, 1, 0, &len));
    /* window T0+1h: four predictions; the watermark closes window T0 */
    body[0] = 0;
    add_rec(body, sizeof body, "beta-1", T0 + HOUR + 10 * MIN, 0.6, NULL);
    add_rec(body, sizeof body, "beta-2", T0 + HOUR + 11 * MIN, 0.4, NULL);
    add_rec(body, sizeof body, "beta-3", T0 + HOUR + 12 * MIN, 0.1, NULL);
    add_rec(body, sizeof body, "beta-4", T0 + HOUR + 13 * MIN, 0.95, NULL);
    free(feed(m, body, T0 + HOUR + 14 * MIN, 2, 0, &len));
    vg_error err;
    assert_int_equal(vg_monitor_advance(m, T0 + HOUR + 14 * MIN, 0, &err), 1);
    vg_window *w1;
    take_one(m, &w1);
    assert_int_equal(w1->rows, 5);
    assert_true(has(w1->rows_blob, w1->rows_blob_len, "alpha-1"));
    assert_true(has(w1->rows_blob, w1->rows_blob_len, "reg_alpha_3"));
    vg_window_free(w1);
    /* labels: a late one for alpha-3 (closed window), two waiting for predictions not seen */
    const char *labels = "{\"id\": \"alpha-3\", \"label\": 1}\n"
                         "{\"id\": \"wait-1\", \"label\": 0}\n"
                         "{\"id\": \"wait-2\", \"label\": 1}\n";
    free(feed(m, labels, T0 + HOUR + 15 * MIN, 3, 1, &len));
    assert_int_equal(matched(m), 1);
    vg_monitor_stats st;
    vg_monitor_get_stats(m, &st);
    uint64_t join0 = st.join_pending;
    assert_int_equal(join0, 9 + 2);

    const char *ids[] = {"alpha-1", "alpha-3", "beta-2", "wait-1", "not-there", "alpha-1"};
    vg_monitor_erase_counts c;
    assert_int_equal(vg_monitor_erase(m, ids, 6, &c, &err), VG_OK);
    assert_int_equal(c.rows, 3);           /* alpha-1, alpha-3 (kept closed), beta-2 (open) */
    assert_int_equal(c.labels_waiting, 1); /* wait-1 */
    assert_int_equal(c.join, 4);
    vg_monitor_get_stats(m, &st);
    assert_int_equal(st.join_pending, join0 - 4);
    assert_int_equal(st.open_rows, 4); /* aggregates keep counting the erased record */
    /* a second erasure of the same ids finds nothing */
    assert_int_equal(vg_monitor_erase(m, ids, 6, &c, &err), VG_OK);
    assert_int_equal(c.rows + c.labels_waiting + c.join, 0);

    /* later labels: an erased id does not join (it waits, as for an unknown id); others do */
    uint64_t before = matched(m);
    free(feed(m, "{\"id\": \"alpha-1\", \"label\": 1}\n{\"id\": \"beta-2\", \"label\": 1}\n",
              T0 + HOUR + 16 * MIN, 4, 1, &len));
    assert_int_equal(matched(m), before);
    free(feed(m, "{\"id\": \"alpha-4\", \"label\": 0}\n{\"id\": \"beta-1\", \"label\": 1}\n",
              T0 + HOUR + 17 * MIN, 5, 1, &len));
    assert_int_equal(matched(m), before + 2);
    /* the waiting label that was not erased is still picked up by its prediction */
    body[0] = 0;
    add_rec(body, sizeof body, "wait-2", T0 + HOUR + 18 * MIN, 0.5, NULL);
    free(feed(m, body, T0 + HOUR + 18 * MIN, 6, 0, &len));
    assert_int_equal(matched(m), before + 3);

    /* window T0 again (late labels revised it): its rows lack the erased ids, keep the others in
     * order; its record count is the aggregate's (5) */
    take_one(m, &w1);
    assert_int_equal(w1->key, T0);
    assert_int_equal(w1->rows, 5);
    assert_int_equal(w1->labelled, 2); /* alpha-2 and alpha-4; alpha-3's label left with it */
    assert_false(has(w1->rows_blob, w1->rows_blob_len, "alpha-1"));
    assert_false(has(w1->rows_blob, w1->rows_blob_len, "alpha-3"));
    assert_false(has(w1->rows_blob, w1->rows_blob_len, "reg_alpha_3"));
    long p2 = at(w1->rows_blob, w1->rows_blob_len, "alpha-2"),
         p4 = at(w1->rows_blob, w1->rows_blob_len, "alpha-4"),
         p5 = at(w1->rows_blob, w1->rows_blob_len, "alpha-5");
    assert_true(p2 >= 0 && p4 > p2 && p5 > p4);
    /* its report's model section counts the labelled rows left */
    json_t *rep = json_loads(w1->report_json, 0, NULL);
    assert_non_null(rep);
    vg_window_free(w1);
    json_decref(rep);
    /* the open window, flushed: beta-2 is not among its rows, its count stays 5 */
    assert_int_equal(vg_monitor_advance(m, T0 + HOUR + 20 * MIN, 1, &err), 1);
    vg_window *w2;
    take_one(m, &w2);
    assert_int_equal(w2->rows, 5);
    assert_false(has(w2->rows_blob, w2->rows_blob_len, "beta-2"));
    assert_true(has(w2->rows_blob, w2->rows_blob_len, "beta-1"));
    assert_true(has(w2->rows_blob, w2->rows_blob_len, "reg_wait_2"));
    vg_window_free(w2);
    vg_monitor_free(m);
}

/* ---- journal entries and rows blobs ------------------------------------------------------ */

static void test_erase_batch(void **state) {
    (void)state;
    vg_monitor *m = new_monitor();
    char body[4096] = "";
    add_rec(body, sizeof body, "x-1", T0 + 1 * MIN, 0.1, "0");
    add_rec(body, sizeof body, "x-2", T0 + 2 * MIN, 0.2, "1");
    add_rec(body, sizeof body, "x-3", T0 + 3 * MIN, 0.3, NULL);
    add_rec(body, sizeof body, "x-4", T0 + 4 * MIN, 0.4, NULL);
    size_t len;
    unsigned char *bytes = feed(m, body, T0 + 5 * MIN, 1, 0, &len);
    const size_t blen = len;
    assert_true(has(bytes, len, "reg_x_2"));
    vg_error err;
    unsigned char *out = NULL;
    size_t out_len, removed;
    const char *two[] = {"x-2", "x-4"};
    assert_int_equal(vg_monitor_erase_batch(m, two, 2, bytes, len, &out, &out_len, &removed, &err),
                     VG_OK);
    assert_int_equal(removed, 2);
    assert_non_null(out);
    assert_false(has(out, out_len, "x-2"));
    assert_false(has(out, out_len, "x-4"));
    assert_false(has(out, out_len, "reg_x_2")); /* the sensitive value went with the record */
    long p1 = at(out, out_len, "reg_x_1"), p3 = at(out, out_len, "reg_x_3");
    assert_true(p1 >= 0 && p3 > p1);
    /* it decodes and replays into a fresh monitor as the two records kept */
    vg_monitor *m2 = new_monitor();
    vg_monitor_batch *b = NULL;
    assert_int_equal(vg_monitor_batch_decode(m2, out, out_len, &b, &err), VG_OK);
    assert_int_equal(vg_monitor_batch_size(b), 2);
    assert_int_equal(vg_monitor_apply(m2, b, 1, 1, &err), VG_OK);
    vg_monitor_batch_free(b);
    assert_int_equal(vg_monitor_advance(m2, T0 + 6 * MIN, 1, &err), 1);
    vg_window *w;
    take_one(m2, &w);
    assert_int_equal(w->rows, 2);
    assert_int_equal(w->labelled, 1); /* x-1's label kept; x-2's went with it */
    assert_true(has(w->rows_blob, w->rows_blob_len, "x-3"));
    assert_false(has(w->rows_blob, w->rows_blob_len, "x-2"));

    /* the rows blob: x-3 out, x-1 stays; the result restores into a monitor */
    unsigned char *rows = NULL;
    size_t rows_len;
    const char *x3[] = {"x-3"};
    assert_int_equal(vg_monitor_erase_rows(m2, x3, 1, w->rows_blob, w->rows_blob_len, &rows,
                                           &rows_len, &removed, &err),
                     VG_OK);
    assert_int_equal(removed, 1);
    assert_false(has(rows, rows_len, "x-3"));
    assert_true(has(rows, rows_len, "reg_x_1"));
    vg_monitor *m3 = new_monitor();
    free(w->rows_blob);
    w->rows_blob = rows;
    w->rows_blob_len = rows_len;
    assert_int_equal(vg_monitor_restore_window(m3, w, &err), VG_OK);
    /* a late label: x-1 joins the restored rows, x-3 does not */
    free(feed(m3, "{\"id\": \"x-1\", \"label\": 1}\n{\"id\": \"x-3\", \"label\": 1}\n",
              T0 + 7 * MIN, 2, 1, &len));
    assert_int_equal(matched(m3), 1);
    /* no match: nothing to write */
    const char *none[] = {"nobody"};
    assert_int_equal(vg_monitor_erase_rows(m2, none, 1, w->rows_blob, w->rows_blob_len, &rows,
                                           &rows_len, &removed, &err),
                     VG_OK);
    assert_null(rows);
    assert_int_equal(removed, 0);
    /* every record of the entry: removed, no bytes (the entry is to be deleted) */
    const char *all[] = {"x-1", "x-2", "x-3", "x-4"};
    unsigned char *none_left = NULL;
    assert_int_equal(
        vg_monitor_erase_batch(m, all, 4, bytes, blen, &none_left, &out_len, &removed, &err),
        VG_OK);
    assert_null(none_left);
    assert_int_equal(out_len, 0);
    assert_int_equal(removed, 4);
    /* a label batch */
    unsigned char *lb =
        feed(m, "{\"id\": \"x-1\", \"label\": 1}\n{\"id\": \"x-9\", \"label\": 0}\n", T0 + 8 * MIN,
             2, 1, &len);
    const char *x9[] = {"x-9"};
    unsigned char *lo = NULL;
    assert_int_equal(vg_monitor_erase_batch(m, x9, 1, lb, len, &lo, &out_len, &removed, &err),
                     VG_OK);
    assert_int_equal(removed, 1);
    assert_false(has(lo, out_len, "x-9"));
    assert_int_equal(vg_monitor_batch_decode(m, lo, out_len, &b, &err), VG_OK);
    assert_int_equal(vg_monitor_batch_size(b), 1);
    vg_monitor_batch_free(b);
    /* bytes that do not decode are an error, not a silent keep */
    lb[len / 2] ^= 0x55;
    assert_int_equal(
        vg_monitor_erase_batch(m, x9, 1, lb, len, &none_left, &out_len, &removed, &err),
        VG_ERR_FORMAT);
    free(lb);
    free(lo);
    vg_window_free(w);
    free(out);
    free(bytes);
    vg_monitor_free(m);
    vg_monitor_free(m2);
    vg_monitor_free(m3);
}

/* ---- the store ------------------------------------------------------------------------------- */

typedef struct sctx {
    vg_monitor *m;
    const char *const *ids;
    size_t n;
    uint64_t journal, rows;
} sctx;

static int cb_journal(void *arg, uint64_t seq, int kind, const void *data, size_t len, void **out,
                      size_t *out_len, vg_error *err) {
    sctx *x = arg;
    unsigned char *o = NULL;
    size_t removed = 0;
    (void)seq, (void)kind;
    int rc = vg_monitor_erase_batch(x->m, x->ids, x->n, data, len, &o, out_len, &removed, err);
    if (rc != VG_OK)
        return rc;
    x->journal += removed;
    *out = o;
    return removed > 0;
}

static int cb_rows(void *arg, int64_t key, const void *blob, size_t len, void **out,
                   size_t *out_len, vg_error *err) {
    sctx *x = arg;
    unsigned char *o = NULL;
    size_t removed = 0;
    (void)key;
    int rc = vg_monitor_erase_rows(x->m, x->ids, x->n, blob, len, &o, out_len, &removed, err);
    if (rc != VG_OK)
        return rc;
    x->rows += removed;
    *out = o;
    return removed > 0;
}

static int cb_dead(void *arg, const char *kind, const char *record) {
    sctx *x = arg;
    (void)kind;
    for (size_t i = 0; i < x->n; i++) {
        char pat[128];
        snprintf(pat, sizeof pat, "\"id\": \"%s\"", x->ids[i]);
        if (strstr(record, pat))
            return 1;
    }
    return 0;
}

typedef struct rctx {
    vg_monitor *m;
    size_t entries, records;
    int found; /* an erased id's bytes in an entry */
} rctx;

static int replay_cb(void *arg, uint64_t seq, int kind, const void *data, size_t len) {
    rctx *x = arg;
    vg_error err;
    vg_monitor_batch *b = NULL;
    (void)kind;
    assert_int_equal(vg_monitor_batch_decode(x->m, data, len, &b, &err), VG_OK);
    assert_int_equal(vg_monitor_apply(x->m, b, seq, 1, &err), VG_OK);
    x->entries++;
    x->records += vg_monitor_batch_size(b);
    x->found |= has(data, len, "gamma-3") || has(data, len, "gamma-4");
    vg_monitor_batch_free(b);
    return 0;
}

/* Whether the database files of dir (db and WAL) hold needle anywhere. */
static int files_have(const char *dir, const char *needle) {
    static const char *const names[] = {"vigia.db", "vigia.db-wal"};
    int found = 0;
    for (int i = 0; i < 2; i++) {
        char path[512];
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        FILE *f = fopen(path, "rb");
        if (!f)
            continue;
        fseek(f, 0, SEEK_END);
        long n = ftell(f);
        fseek(f, 0, SEEK_SET);
        char *buf = malloc(n > 0 ? (size_t)n : 1);
        size_t got = fread(buf, 1, n > 0 ? (size_t)n : 0, f);
        fclose(f);
        found |= has(buf, got, needle);
        free(buf);
    }
    return found;
}

static void put_window(vg_store *st, vg_window *w, int64_t end_ms) {
    vg_store_window sw;
    memset(&sw, 0, sizeof sw);
    vg_error err;
    sw.key = w->key;
    sw.start_ms = w->start_ms;
    sw.end_ms = end_ms;
    sw.revision = w->revision;
    sw.rows = w->rows;
    sw.labelled = w->labelled;
    sw.max_seq = w->max_seq;
    sw.report_json = w->report_json;
    sw.rows_blob = w->rows_blob;
    sw.rows_blob_len = w->rows_blob_len;
    unsigned char *prof = NULL;
    assert_int_equal(vg_profile_encode(w->profile, &prof, &sw.profile_len, &err), VG_OK);
    sw.profile = prof;
    assert_int_equal(vg_store_put_window(st, "credit", &sw, &err), VG_OK);
    free(prof);
}

static void test_store_erase(void **state) {
    const char *dir = *state;
    vg_store *st = NULL;
    vg_error err;
    assert_int_equal(vg_store_open(dir, &st, &err), VG_OK);
    assert_int_equal(vg_store_put_model(st, "credit", SPEC, &err), VG_OK);
    vg_monitor *m = new_monitor();
    const char *groups[3][2] = {{"gamma-1", "gamma-2"}, {"gamma-3", NULL}, {"gamma-4", "delta-1"}};
    for (int g = 0; g < 3; g++) {
        char body[2048] = "";
        for (int k = 0; k < 2 && groups[g][k]; k++)
            add_rec(body, sizeof body, groups[g][k], T0 + (g * 2 + k) * MIN, 0.5, "1");
        size_t len;
        uint64_t seq = vg_store_next_seq(st);
        unsigned char *bytes = feed(m, body, T0 + 10 * MIN, seq, 0, &len);
        assert_int_equal(vg_store_journal_append(st, "credit", seq, 1, bytes, len, &err), VG_OK);
        free(bytes);
    }
    assert_int_equal(vg_monitor_advance(m, T0 + 11 * MIN, 1, &err), 1);
    vg_window *w;
    take_one(m, &w);
    put_window(st, w, w->end_ms);
    vg_window_free(w);
    const char *recs[] = {"{\"id\": \"gamma-3\", \"features\": {\"age\": \"x\"}}",
                          "{\"id\": \"keep-1\", \"features\": {}}", "{\"id\": \"gamma-4\"}"};
    int64_t idx[] = {0, 1, 2};
    const char *field[] = {"features.age", "prediction", "prediction"};
    const char *reason[] = {"bad", "missing", "missing"};
    assert_int_equal(
        vg_store_add_dead(st, "credit", "prediction", T0, idx, field, reason, recs, 3, &err),
        VG_OK);
    /* the test can fail: before, the files hold the ids */
    assert_true(files_have(dir, "gamma-3"));

    const char *ids[] = {"gamma-3", "gamma-4"};
    sctx x = {m, ids, 2, 0, 0};
    vg_store_erase_ops ops = {&x, cb_journal, cb_rows, cb_dead};
    vg_store_erase_counts c;
    assert_int_equal(vg_store_erase(st, "credit", &ops, &c, &err), VG_OK);
    assert_int_equal(c.journal_rewritten, 1); /* gamma-4's entry keeps delta-1 */
    assert_int_equal(c.journal_deleted, 1);   /* gamma-3's entry had nothing else */
    assert_int_equal(c.windows_rewritten, 1);
    assert_int_equal(c.dead_deleted, 2);
    assert_true(c.checkpointed);
    assert_int_equal(x.journal, 2);
    assert_int_equal(x.rows, 2);
    /* the rows blob: the others intact, in order */
    vg_store_window sw;
    assert_int_equal(vg_store_get_window(st, "credit", T0, &sw, &err), VG_OK);
    assert_false(has(sw.rows_blob, sw.rows_blob_len, "gamma-3"));
    assert_false(has(sw.rows_blob, sw.rows_blob_len, "gamma-4"));
    long a = at(sw.rows_blob, sw.rows_blob_len, "gamma-1"),
         b = at(sw.rows_blob, sw.rows_blob_len, "gamma-2"),
         d = at(sw.rows_blob, sw.rows_blob_len, "delta-1");
    assert_true(a >= 0 && b > a && d > b);
    assert_non_null(sw.profile);
    vg_store_window_clear(&sw);
    vg_store_dead *dl = NULL;
    size_t nd = 0;
    assert_int_equal(vg_store_list_dead(st, "credit", 0, 0, &dl, &nd, &err), VG_OK);
    assert_int_equal(nd, 1);
    assert_string_equal(dl[0].record, recs[1]);
    vg_store_dead_free(dl, nd);
    /* the files, live (after the checkpoint), then closed */
    assert_false(files_have(dir, "gamma-3"));
    assert_false(files_have(dir, "gamma-4"));
    assert_true(files_have(dir, "delta-1"));
    /* what erasure cannot reach, as documented: the window's profile (the categorical sketch of
     * the sensitive feature) and its report (fairness groups) still name the erased record's
     * category when it was unique, without its id */
    assert_true(files_have(dir, "reg_gamma_3"));
    /* replay: the emptied entry is gone, the rewritten one holds delta-1 only */
    vg_monitor *m2 = new_monitor();
    rctx r = {m2, 0, 0, 0};
    assert_int_equal(vg_store_journal_replay(st, "credit", 0, replay_cb, &r, &err), VG_OK);
    assert_int_equal(r.entries, 2);
    assert_int_equal(r.records, 3);
    assert_false(r.found);
    vg_monitor_free(m2);
    /* a new seq stays above every seq ever used (the deleted entry's seq is not reused) */
    uint64_t next = vg_store_next_seq(st);
    assert_true(next > 3);
    vg_store_close(st);
    assert_false(files_have(dir, "gamma-3"));
    assert_false(files_have(dir, "gamma-4"));
    /* reopened: the replay is the same */
    assert_int_equal(vg_store_open(dir, &st, &err), VG_OK);
    m2 = new_monitor();
    rctx r2 = {m2, 0, 0, 0};
    assert_int_equal(vg_store_journal_replay(st, "credit", 0, replay_cb, &r2, &err), VG_OK);
    assert_int_equal(r2.records, 3);
    assert_false(r2.found);
    vg_monitor_free(m2);
    vg_store_close(st);
    vg_monitor_free(m);
}

/* ---- retention with the test's clock --------------------------------------------------------- */

static void test_retention(void **state) {
    const char *dir = *state;
    vg_serve_config c;
    vg_error err;
    /* the keys: defaults, values, a bad value naming its key */
    assert_int_equal(vg_serve_config_default(&c), VG_OK);
    assert_int_equal(c.dead_retention_ms, 7 * 24 * HOUR);
    assert_int_equal(c.rows_retention_ms, -1);
    vg_serve_config_clear(&c);
    const char *bad = "dead_letter_retention: soon\n";
    assert_int_not_equal(vg_serve_config_parse(bad, strlen(bad), "t.yaml", &c, &err), VG_OK);
    assert_non_null(strstr(err.msg, "dead_letter_retention"));
    char yaml[512];
    snprintf(yaml, sizeof yaml,
             "listen: 127.0.0.1:0\nlog_level: error\ndata_dir: %s\nretention: 30d\n"
             "dead_letter_retention: 1h\nrows_retention: 2h\n",
             dir);
    assert_int_equal(vg_serve_config_parse(yaml, strlen(yaml), "t.yaml", &c, &err), VG_OK);
    assert_int_equal(c.dead_retention_ms, HOUR);
    assert_int_equal(c.rows_retention_ms, 2 * HOUR);
    vg_serve *s = NULL;
    assert_int_equal(vg_serve_start(&c, &s, &err), VG_OK); /* no recover: no tick thread */
    vg_store *st = s->store;
    assert_int_equal(vg_store_put_model(st, "credit", SPEC, &err), VG_OK);
    /* three windows ending 31 days, 3 hours and 1 hour before NOW */
    const int64_t NOW = T0 + 40 * 24 * HOUR;
    vg_monitor *m = new_monitor();
    int64_t ends[3] = {NOW - 31 * 24 * HOUR, NOW - 3 * HOUR, NOW - HOUR};
    for (int i = 0; i < 3; i++) {
        char body[512] = "", id[32];
        snprintf(id, sizeof id, "rho-%d", i);
        add_rec(body, sizeof body, id, ends[i] - 30 * MIN, 0.5, NULL);
        size_t len;
        free(feed(m, body, ends[i], (uint64_t)i + 1, 0, &len));
        assert_int_equal(vg_monitor_advance(m, ends[i], 1, &err), 1);
        vg_window *w;
        take_one(m, &w);
        put_window(st, w, ends[i]);
        vg_window_free(w);
    }
    /* dead letters received 2 hours and 10 minutes before NOW */
    const char *rec[] = {"{\"id\": \"old\"}"};
    const char *f[] = {"id"}, *why[] = {"x"};
    int64_t idx[] = {0};
    assert_int_equal(
        vg_store_add_dead(st, "credit", "prediction", NOW - 2 * HOUR, idx, f, why, rec, 1, &err),
        VG_OK);
    rec[0] = "{\"id\": \"new\"}";
    assert_int_equal(
        vg_store_add_dead(st, "credit", "prediction", NOW - 10 * MIN, idx, f, why, rec, 1, &err),
        VG_OK);

    serve_retention(s, NOW);
    assert_int_equal(atomic_load(&s->retention_windows), 1);
    assert_int_equal(atomic_load(&s->retention_dead), 1);
    assert_int_equal(atomic_load(&s->retention_rows), 1); /* the 3-hour-old window's */
    vg_store_window *w = NULL;
    size_t n = 0;
    assert_int_equal(vg_store_list_windows(st, "credit", INT64_MIN, INT64_MAX, 0, 1, &w, &n, &err),
                     VG_OK);
    assert_int_equal(n, 2);
    assert_int_equal(w[0].end_ms, ends[2]);
    assert_non_null(w[0].rows_blob);
    assert_int_equal(w[1].end_ms, ends[1]);
    assert_null(w[1].rows_blob);   /* rows cleared ... */
    assert_non_null(w[1].profile); /* ... profile and report kept */
    assert_non_null(w[1].report_json);
    /* a window without rows restores (late labels then count unmatched) */
    vg_monitor *m2 = new_monitor();
    vg_window vw;
    memset(&vw, 0, sizeof vw);
    vw.key = w[1].key;
    vw.start_ms = w[1].start_ms;
    vw.end_ms = w[1].end_ms;
    vw.rows = w[1].rows;
    vw.profile = vg_profile_decode(w[1].profile, w[1].profile_len, "w", &err);
    assert_non_null(vw.profile);
    assert_int_equal(vg_monitor_restore_window(m2, &vw, &err), VG_OK);
    vg_profile_free(vw.profile);
    vg_monitor_free(m2);
    vg_store_windows_free(w, n);
    assert_int_equal(vg_store_count_dead(st, "credit"), 1);
    /* not due again within a hundredth of the retention */
    serve_retention(s, NOW + 1000);
    assert_int_equal(atomic_load(&s->retention_dead), 1);
    /* an hour later the newer dead letter and the rows of the next window go */
    serve_retention(s, NOW + 2 * HOUR);
    assert_int_equal(atomic_load(&s->retention_dead), 2);
    assert_int_equal(atomic_load(&s->retention_rows), 2);
    assert_int_equal(vg_store_count_dead(st, "credit"), 0);
    size_t len;
    char *text = serve_metrics_text(s, &len);
    assert_non_null(strstr(text, "vigia_retention_deleted_total{what=\"dead_letters\"} 2\n"));
    assert_non_null(strstr(text, "vigia_retention_deleted_total{what=\"rows\"} 2\n"));
    assert_non_null(strstr(text, "vigia_retention_deleted_total{what=\"windows\"} 1\n"));
    free(text);
    vg_serve_stop(s);
    vg_monitor_free(m);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_monitor_erase),
        cmocka_unit_test(test_erase_batch),
        cmocka_unit_test_setup_teardown(test_store_erase, t_tmpdir_setup, t_tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_retention, t_tmpdir_setup, t_tmpdir_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
