/*
 * /metrics: the Prometheus text exposition format, version 0.0.4. Every family is written once
 * with its # HELP and # TYPE lines followed by all its samples (the format requires a family's
 * samples to be contiguous), names are vigia_* in base units, counters end in _total.
 *
 * The page is built from a snapshot: each model is locked once, its counters and the metric
 * samples of its last closed window copied, then the families are written model by model. The
 * window samples (drift scores, model metrics, ...) come with their labels already in
 * exposition syntax from the monitor; they are grouped by name here so that each name is one
 * family whatever the order the monitor produced them in.
 *
 * HTTP request statistics are kept per route pattern (a fixed table in http.c) and status
 * code, so their cardinality is bounded: raw paths never become label values.
 */
#include <dirent.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"
#include "vigia/version.h"

const double serve_buckets[SERVE_N_BUCKETS] = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
                                               0.05,   0.1,   0.25,   0.5,   1,    2.5};

void serve_stats_record(vg_serve *s, const char *route, unsigned code, double seconds) {
    pthread_mutex_lock(&s->stats_mu);
    serve_route_stats *rs = NULL;
    for (size_t i = 0; i < s->n_routes; i++)
        if (s->routes[i].route == route || !strcmp(s->routes[i].route, route))
            rs = &s->routes[i];
    if (!rs) {
        serve_route_stats *v = realloc(s->routes, (s->n_routes + 1) * sizeof *v);
        if (v) {
            s->routes = v;
            rs = &v[s->n_routes++];
            memset(rs, 0, sizeof *rs);
            rs->route = route; /* a static pattern */
        }
    }
    if (rs) {
        for (size_t b = 0; b < SERVE_N_BUCKETS; b++)
            if (seconds <= serve_buckets[b]) {
                rs->bucket[b]++;
                break;
            }
        rs->count++;
        rs->sum += seconds;
        unsigned c = 0;
        while (c < rs->ncodes && rs->code[c] != code)
            c++;
        if (c == rs->ncodes && rs->ncodes < 16) {
            rs->code[c] = code;
            rs->code_count[c] = 0;
            rs->ncodes++;
        }
        if (c < rs->ncodes)
            rs->code_count[c]++;
    }
    pthread_mutex_unlock(&s->stats_mu);
}

void serve_stats_free(vg_serve *s) {
    free(s->routes);
    s->routes = NULL;
    s->n_routes = 0;
}

/* ---- the growing text buffer (internal.h) ---- */

void serve_text_put(serve_text *b, const char *fmt, ...) {
    if (b->failed)
        return;
    for (;;) {
        va_list ap;
        va_start(ap, fmt);
        int n = vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
        va_end(ap);
        if (n < 0) {
            b->failed = 1;
            return;
        }
        if ((size_t)n < b->cap - b->len) {
            b->len += (size_t)n;
            return;
        }
        size_t cap = b->cap * 2 + (size_t)n + 1;
        char *q = realloc(b->p, cap);
        if (!q) {
            b->failed = 1;
            return;
        }
        b->p = q;
        b->cap = cap;
    }
}

static void family(serve_text *b, const char *name, const char *type, const char *help) {
    serve_text_put(b, "# HELP vigia_%s %s\n# TYPE vigia_%s %s\n", name, help, name, type);
}

/* A sample value: integers without a fraction, the rest with full precision, NaN and
 * infinities as the format spells them. */
static void value(serve_text *b, double v) {
    if (isnan(v))
        serve_text_put(b, "NaN\n");
    else if (isinf(v))
        serve_text_put(b, v > 0 ? "+Inf\n" : "-Inf\n");
    else if (v == floor(v) && fabs(v) < 1e15)
        serve_text_put(b, "%.0f\n", v);
    else
        serve_text_put(b, "%.17g\n", v);
}

/* ---- process figures from /proc ---- */

static double proc_cpu_seconds(void) {
    FILE *f = fopen("/proc/self/stat", "r");
    if (!f)
        return 0;
    char line[4096];
    double secs = 0;
    if (fgets(line, sizeof line, f)) {
        /* fields after the command (in parentheses, which may hold spaces): utime is the 14th
         * field overall, stime the 15th */
        char *p = strrchr(line, ')');
        unsigned long long ut = 0, st = 0;
        if (p &&
            sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &ut, &st) == 2)
            secs = (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
    }
    fclose(f);
    return secs;
}

static double proc_rss_bytes(void) {
    FILE *f = fopen("/proc/self/statm", "r");
    if (!f)
        return 0;
    unsigned long long size = 0, rss = 0;
    int ok = fscanf(f, "%llu %llu", &size, &rss) == 2;
    fclose(f);
    return ok ? (double)rss * (double)sysconf(_SC_PAGESIZE) : 0;
}

static double proc_open_fds(void) {
    DIR *d = opendir("/proc/self/fd");
    if (!d)
        return 0;
    double n = 0;
    struct dirent *e;
    while ((e = readdir(d)))
        if (e->d_name[0] != '.')
            n++;
    closedir(d);
    return n - 1; /* the directory stream's own descriptor */
}

/* ---- per-model snapshot ---- */

typedef struct {
    char *name;
    vg_monitor_stats st;
    int64_t dead;
    vg_metric_sample *samples;
    size_t n_samples;
    struct snap_pii *pii; /* PII findings since start, the non-zero ones */
    size_t n_pii;
} snap;

typedef struct snap_pii {
    char feature[420]; /* escaped for the exposition format */
    const char *kind;
    uint64_t n;
} snap_pii;

/* A label value in exposition syntax: backslash, quote and newline escaped. */
static void escape_label(char *out, size_t cap, const char *s) {
    size_t o = 0;
    for (; *s && o + 3 < cap; s++) {
        if (*s == '\\' || *s == '"' || *s == '\n') {
            out[o++] = '\\';
            out[o++] = *s == '\n' ? 'n' : *s;
        } else {
            out[o++] = *s;
        }
    }
    out[o] = '\0';
}

/* The monitor's PII totals (vg_monitor_pii_findings), non-zero ones, into x. */
static void snap_pii_take(snap *x, const vg_monitor *mon) {
    const vg_model_spec *sp = vg_monitor_spec(mon);
    if (sp->pii_policy == VG_PII_POLICY_OFF)
        return;
    size_t n = 0;
    for (size_t f = 0; f <= sp->n_features; f++)
        for (int k = 0; k < VG_PII_N_KINDS; k++)
            n += vg_monitor_pii_findings(mon, f, (vg_pii_kind)k) > 0;
    if (!n || !(x->pii = calloc(n, sizeof *x->pii)))
        return;
    for (size_t f = 0; f <= sp->n_features; f++)
        for (int k = 0; k < VG_PII_N_KINDS && x->n_pii < n; k++) {
            uint64_t c = vg_monitor_pii_findings(mon, f, (vg_pii_kind)k);
            if (!c)
                continue;
            snap_pii *p = &x->pii[x->n_pii++];
            /* the record id's findings: the label the window samples use (docs/pii.md) */
            escape_label(p->feature, sizeof p->feature,
                         f < sp->n_features ? sp->features[f].name : "(id)");
            p->kind = vg_pii_kind_name((vg_pii_kind)k);
            p->n = c;
        }
}

static const struct {
    const char *name, *help;
} window_help[] = {
    {"drift_score", "Drift statistic of a feature in the last closed window against its baseline"},
    {"drift_p_value", "p-value of the drift test of a feature in the last closed window"},
    {"drift_detected", "1 when the feature drifted in the last closed window, else 0"},
    {"drift_share", "Share of features that drifted in the last closed window"},
    {"dataset_drift", "1 when the share of drifted features reached drift_share, else 0"},
    {"missing_share", "Share of missing values of a column in the last closed window"},
    {"unseen_category_share", "Share of values of a category the reference never saw"},
    {"out_of_range_share", "Share of values outside the reference's range"},
    {"model_metric", "Model quality metric of the last closed window (labelled rows)"},
    {"estimated_metric", "Label-free (CBPE) estimate of a model metric for the last closed window"},
    {"fairness_ratio",
     "Ratio of a group's rate to the reference group's in the last closed window"},
    {"fairness_difference", "Difference of a group's rate and the reference group's"},
    {"window_rows", "Rows of the last closed window"},
    {"window_labelled_rows", "Rows of the last closed window with a label"},
    {"pii_findings", "PII matches in the last closed window, by feature and kind"},
    {"pii_records_share", "Share of the last closed window's records with a PII finding"},
    {"ood_share", "Share of the last closed window's records out of the reference's distribution"},
    {"ood_feature_share", "Share of the last closed window's records with this feature out of "
                          "the reference's distribution"},
    {"duplicate_share", "Share of the last closed window's records that repeat an earlier "
                        "(quantized) record"},
    {"sweep_share", "Share of the last closed window's records that differ from an earlier "
                    "record in exactly one feature"},
    {"prediction_shift", "Jensen-Shannon distance between the prediction distributions of the "
                         "last closed window and the one before"},
};

static const char *help_of(const char *name) {
    for (size_t i = 0; i < sizeof window_help / sizeof window_help[0]; i++)
        if (!strcmp(window_help[i].name, name))
            return window_help[i].help;
    return "Figure of the last closed window's report (docs/api.md)";
}

static snap *take_snapshot(vg_serve *s, size_t *n) {
    size_t nn = 0;
    char **names = serve_model_names(s, &nn);
    snap *v = calloc(nn + 1, sizeof *v);
    size_t k = 0;
    for (size_t i = 0; names && i < nn; i++) {
        serve_model *m = v ? serve_model_acquire(s, names[i]) : NULL;
        if (!m) {
            free(names[i]);
            continue;
        }
        snap *x = &v[k++];
        x->name = names[i];
        pthread_mutex_lock(&m->mu);
        vg_monitor_get_stats(m->mon, &x->st);
        snap_pii_take(x, m->mon);
        size_t ns = 0;
        const vg_metric_sample *ms = vg_monitor_last_metrics(m->mon, &ns);
        if (!ns) { /* no window closed since the restart: the last persisted one's */
            ms = m->restored;
            ns = m->n_restored;
        }
        if (ms && ns && (x->samples = malloc(ns * sizeof *x->samples))) {
            memcpy(x->samples, ms, ns * sizeof *x->samples);
            x->n_samples = ns;
        }
        pthread_mutex_unlock(&m->mu);
        serve_model_release(s, m);
        x->dead = vg_store_count_dead(s->store, x->name);
    }
    free(names);
    *n = k;
    return v;
}

/* A per-model family of one number each. */
#define MODEL_FAMILY(b, v, n, fname, type, help, expr)                                             \
    do {                                                                                           \
        family(b, fname, type, help);                                                              \
        for (size_t i_ = 0; i_ < (n); i_++) {                                                      \
            const snap *x = &(v)[i_];                                                              \
            serve_text_put(b, "vigia_" fname "{model=\"%s\"} ", x->name);                          \
            value(b, (double)(expr));                                                              \
        }                                                                                          \
    } while (0)

static int cmp_sample_name(const void *a, const void *b) {
    return strcmp(((const vg_metric_sample *)a)->name, ((const vg_metric_sample *)b)->name);
}

char *serve_metrics_text(vg_serve *s, size_t *len) {
    serve_text b = {malloc(16384), 0, 16384, 0};
    if (!b.p)
        return NULL;
    double now = (double)serve_now_ms() / 1000.0;

    family(&b, "build_info", "gauge", "Version of vigia serving (always 1)");
    serve_text_put(&b, "vigia_build_info{version=\"%s\"} 1\n", vg_version());
    family(&b, "process_start_time_seconds", "gauge", "Start time of the process (Unix seconds)");
    serve_text_put(&b, "vigia_process_start_time_seconds %.3f\n", s->start_time);
    family(&b, "process_resident_memory_bytes", "gauge", "Resident memory of the process");
    serve_text_put(&b, "vigia_process_resident_memory_bytes ");
    value(&b, proc_rss_bytes());
    family(&b, "process_cpu_seconds_total", "counter", "CPU time of the process (user+system)");
    serve_text_put(&b, "vigia_process_cpu_seconds_total %.3f\n", proc_cpu_seconds());
    family(&b, "process_open_fds", "gauge", "Open file descriptors of the process");
    serve_text_put(&b, "vigia_process_open_fds %.0f\n", proc_open_fds());

    size_t n = 0;
    snap *v = take_snapshot(s, &n);
    family(&b, "models", "gauge", "Models registered");
    serve_text_put(&b, "vigia_models %zu\n", n);
    family(&b, "ready", "gauge", "1 once the store is open and the start-up replay finished");
    serve_text_put(&b, "vigia_ready %d\n", atomic_load(&s->ready) ? 1 : 0);

    /* HTTP */
    pthread_mutex_lock(&s->stats_mu);
    family(&b, "http_requests_total", "counter", "HTTP requests answered, by route and status");
    for (size_t i = 0; i < s->n_routes; i++)
        for (unsigned c = 0; c < s->routes[i].ncodes; c++)
            serve_text_put(&b, "vigia_http_requests_total{route=\"%s\",code=\"%u\"} %llu\n",
                           s->routes[i].route, s->routes[i].code[c],
                           (unsigned long long)s->routes[i].code_count[c]);
    family(&b, "http_request_duration_seconds", "histogram",
           "Time from the request's arrival to its answer, by route");
    for (size_t i = 0; i < s->n_routes; i++) {
        const serve_route_stats *rs = &s->routes[i];
        uint64_t cum = 0;
        for (size_t k = 0; k < SERVE_N_BUCKETS; k++) {
            cum += rs->bucket[k];
            serve_text_put(
                &b, "vigia_http_request_duration_seconds_bucket{route=\"%s\",le=\"%g\"} %llu\n",
                rs->route, serve_buckets[k], (unsigned long long)cum);
        }
        serve_text_put(
            &b, "vigia_http_request_duration_seconds_bucket{route=\"%s\",le=\"+Inf\"} %llu\n",
            rs->route, (unsigned long long)rs->count);
        serve_text_put(&b, "vigia_http_request_duration_seconds_sum{route=\"%s\"} %.9g\n",
                       rs->route, rs->sum);
        serve_text_put(&b, "vigia_http_request_duration_seconds_count{route=\"%s\"} %llu\n",
                       rs->route, (unsigned long long)rs->count);
    }
    pthread_mutex_unlock(&s->stats_mu);

    /* per model */
    MODEL_FAMILY(&b, v, n, "records_accepted_total", "counter",
                 "Prediction records accepted (journaled and applied)", x->st.records_accepted);
    family(&b, "records_rejected_total", "counter",
           "Prediction records rejected, by reason (invalid, or late: window closed)");
    for (size_t i = 0; i < n; i++) {
        uint64_t late = v[i].st.records_late, all = v[i].st.records_rejected;
        serve_text_put(&b, "vigia_records_rejected_total{model=\"%s\",reason=\"invalid\"} %llu\n",
                       v[i].name, (unsigned long long)(all > late ? all - late : 0));
        serve_text_put(&b, "vigia_records_rejected_total{model=\"%s\",reason=\"late\"} %llu\n",
                       v[i].name, (unsigned long long)late);
    }
    MODEL_FAMILY(&b, v, n, "labels_received_total", "counter", "Label records accepted",
                 x->st.labels_received);
    MODEL_FAMILY(&b, v, n, "labels_matched_total", "counter", "Labels joined to their prediction",
                 x->st.labels_matched);
    MODEL_FAMILY(&b, v, n, "labels_late_total", "counter",
                 "Labels joined to a prediction of an already closed window (window revised)",
                 x->st.labels_late);
    MODEL_FAMILY(&b, v, n, "labels_unmatched_total", "counter",
                 "Labels expired from the join map without their prediction",
                 x->st.labels_unmatched);
    MODEL_FAMILY(&b, v, n, "labels_rejected_total", "counter", "Label records rejected",
                 x->st.labels_rejected);
    MODEL_FAMILY(&b, v, n, "label_join_pending", "gauge", "Entries waiting in the label join map",
                 x->st.join_pending);
    MODEL_FAMILY(&b, v, n, "windows_closed_total", "counter", "Windows closed",
                 x->st.windows_closed);
    MODEL_FAMILY(&b, v, n, "window_open_rows", "gauge", "Records in open windows", x->st.open_rows);
    MODEL_FAMILY(&b, v, n, "watermark_timestamp_seconds", "gauge",
                 "Largest event time seen (Unix seconds)", x->st.watermark_ms / 1000.0);
    MODEL_FAMILY(&b, v, n, "window_last_closed_end_timestamp_seconds", "gauge",
                 "End of the last closed window (Unix seconds, 0 when none)",
                 x->st.last_closed_end_ms / 1000.0);
    MODEL_FAMILY(&b, v, n, "window_age_seconds", "gauge",
                 "Seconds since the end of the last closed window (0 when none)",
                 x->st.last_closed_end_ms ? now - x->st.last_closed_end_ms / 1000.0 : 0.0);
    MODEL_FAMILY(&b, v, n, "dead_letters", "gauge", "Rejected records kept for inspection",
                 x->dead > 0 ? x->dead : 0);
    family(&b, "pii_findings_total", "counter",
           "PII matches found in records received since start, by feature and kind (docs/pii.md)");
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < v[i].n_pii; j++)
            serve_text_put(
                &b, "vigia_pii_findings_total{model=\"%s\",feature=\"%s\",kind=\"%s\"} %llu\n",
                v[i].name, v[i].pii[j].feature, v[i].pii[j].kind,
                (unsigned long long)v[i].pii[j].n);

    /* journal */
    vg_store_stats js;
    memset(&js, 0, sizeof js);
    vg_store_get_stats(s->store, &js);
    family(&b, "journal_commits_total", "counter",
           "Journal transactions committed (group commits)");
    serve_text_put(&b, "vigia_journal_commits_total %llu\n",
                   (unsigned long long)js.journal_commits);
    family(&b, "journal_entries_total", "counter", "Batches written to the journal");
    serve_text_put(&b, "vigia_journal_entries_total %llu\n",
                   (unsigned long long)js.journal_entries);
    family(&b, "journal_bytes_total", "counter", "Bytes written to the journal");
    serve_text_put(&b, "vigia_journal_bytes_total %llu\n", (unsigned long long)js.journal_bytes);
    family(&b, "journal_commit_seconds_total", "counter", "Time spent committing the journal");
    serve_text_put(&b, "vigia_journal_commit_seconds_total %.9g\n", js.journal_commit_seconds);

    /* authentication and limits (auth.c, limits.c) */
    family(&b, "tls_enabled", "gauge", "1 when the listener speaks HTTPS (tls: in the config)");
    serve_text_put(&b, "vigia_tls_enabled %d\n", s->cfg.tls_cert ? 1 : 0);
    char *auth = s->auth ? serve_auth_metrics(s->auth) : strdup("");
    char *lim = s->limits ? serve_limits_metrics(s->limits) : strdup("");
    if (auth && lim)
        serve_text_put(&b, "%s%s", auth, lim);
    else
        b.failed = 1;
    free(auth);
    free(lim);
    /* audit log (audit.c): the head seq lets an alert catch a truncated log (it never drops) */
    family(&b, "audit_entries_total", "counter", "Audit log entries appended by this process");
    serve_text_put(&b, "vigia_audit_entries_total %llu\n",
                   (unsigned long long)atomic_load(&s->audit_appended));
    family(&b, "audit_append_failures_total", "counter",
           "Audit log entries that could not be appended (logged at error level)");
    serve_text_put(&b, "vigia_audit_append_failures_total %llu\n",
                   (unsigned long long)atomic_load(&s->audit_failed));
    int64_t audit_seq = 0;
    char audit_head[VG_STORE_HASH_HEX + 1];
    if (s->store && vg_store_audit_head(s->store, &audit_seq, audit_head, NULL, NULL) == VG_OK) {
        family(&b, "audit_head_seq", "gauge", "Sequence number of the last audit log entry");
        serve_text_put(&b, "vigia_audit_head_seq %lld\n", (long long)audit_seq);
    }
    /* retention and erasure (daemon.c, api.c) */
    family(&b, "retention_deleted_total", "counter",
           "Record-level data removed by retention: windows deleted, dead letters deleted, "
           "window rows blobs cleared");
    serve_text_put(&b, "vigia_retention_deleted_total{what=\"windows\"} %llu\n",
                   (unsigned long long)atomic_load(&s->retention_windows));
    serve_text_put(&b, "vigia_retention_deleted_total{what=\"dead_letters\"} %llu\n",
                   (unsigned long long)atomic_load(&s->retention_dead));
    serve_text_put(&b, "vigia_retention_deleted_total{what=\"rows\"} %llu\n",
                   (unsigned long long)atomic_load(&s->retention_rows));
    family(&b, "erase_requests_total", "counter", "Erasure requests completed (right to erasure)");
    serve_text_put(&b, "vigia_erase_requests_total %llu\n",
                   (unsigned long long)atomic_load(&s->erase_requests));
    family(&b, "erased_total", "counter",
           "Records (memory, journal, windows: model rows) and dead letters removed by erasures");
    static const char *const where[4] = {"memory", "journal", "windows", "dead_letters"};
    for (int i = 0; i < 4; i++)
        serve_text_put(&b, "vigia_erased_total{where=\"%s\"} %llu\n", where[i],
                       (unsigned long long)atomic_load(&s->erased[i]));

    /* alerting (alerting.c) */
    char *alerts = serve_alerting_metrics(s);
    if (alerts)
        serve_text_put(&b, "%s", alerts);
    else
        b.failed = 1;
    free(alerts);

    /* the last closed window's samples, one family per name */
    size_t total = 0;
    for (size_t i = 0; i < n; i++)
        total += v[i].n_samples;
    vg_metric_sample *sorted = total ? malloc(total * sizeof *sorted) : NULL;
    if (sorted) {
        size_t k = 0;
        for (size_t i = 0; i < n; i++)
            for (size_t j = 0; j < v[i].n_samples; j++)
                sorted[k++] = v[i].samples[j];
        /* the distinct names, sorted */
        qsort(sorted, total, sizeof *sorted, cmp_sample_name);
        for (size_t a = 0; a < total; a++) {
            if (a && !strcmp(sorted[a].name, sorted[a - 1].name))
                continue;
            const char *name = sorted[a].name;
            family(&b, name, "gauge", help_of(name));
            for (size_t i = 0; i < n; i++)
                for (size_t j = 0; j < v[i].n_samples; j++) {
                    const vg_metric_sample *x = &v[i].samples[j];
                    if (strcmp(x->name, name))
                        continue;
                    serve_text_put(&b, "vigia_%s{model=\"%s\"%s%s} ", name, v[i].name,
                                   x->labels[0] ? "," : "", x->labels);
                    value(&b, x->value);
                }
        }
    }
    free(sorted);
    for (size_t i = 0; i < n; i++) {
        free(v[i].name);
        free(v[i].samples);
        free(v[i].pii);
    }
    free(v);
    if (b.failed) {
        free(b.p);
        return NULL;
    }
    *len = b.len;
    return b.p;
}
