/*
 * Driver for tests/oracle/test_integrity.py: runs two windows of predictions through a monitor
 * (include/vigia/monitor.h) and prints the second window's prediction_shift sample, for Python
 * to compare with scipy.spatial.distance.jensenshannon. One command per stdin line:
 *
 *   shift <kind> <nref> <nref values> <n1> <n1 values> <n2> <n2 values>
 *
 * kind is "class" (values are class names: a multiclass model) or "score" (numbers: a
 * regression model); nref > 0 gives the monitor a reference whose "prediction" column holds
 * those values (score bins are cut at its quantiles). Prints the value in %.17g, "none" when
 * the sample is missing, or "ERR code message".
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vigia/monitor.h"

#define T0 1767261600000LL

static char **read_values(char **save, size_t *n) {
    char *t = strtok_r(NULL, " \t\n", save);
    *n = t ? (size_t)strtoull(t, NULL, 10) : 0;
    char **v = calloc(*n ? *n : 1, sizeof *v);
    for (size_t i = 0; v && i < *n; i++)
        v[i] = strtok_r(NULL, " \t\n", save);
    return v;
}

/* A body of n records of window `hour` with predictions v (quoted when classes). */
static char *body_of(char **v, size_t n, int hour, int quoted, size_t *len) {
    size_t cap = 256 + n * 160, o = 0;
    char *b = malloc(cap);
    for (size_t i = 0; b && i < n; i++)
        o += (size_t)snprintf(b + o, cap - o,
                              "{\"id\": \"w%d-%zu\", \"timestamp\": %lld, \"features\": {\"x\": "
                              "%zu}, \"prediction\": %s%s%s}\n",
                              hour, i, (long long)((T0 + hour * 3600000LL) / 1000 + 1), i,
                              quoted ? "\"" : "", v[i], quoted ? "\"" : "");
    *len = o;
    return b;
}

static int feed(vg_monitor *m, char **v, size_t n, int hour, int quoted, vg_error *err) {
    size_t len;
    char *body = body_of(v, n, hour, quoted, &len);
    vg_monitor_batch *b = NULL;
    vg_monitor_rejects rj = {0};
    int rc = vg_monitor_parse_predictions(m, body, len, T0, &b, &rj, err);
    if (rc == VG_OK && rj.n)
        rc = vg_error_set(err, VG_ERR_INVALID, "record %zu rejected: %s", rj.items[0].index,
                          rj.items[0].reason);
    if (rc == VG_OK)
        rc = vg_monitor_apply(m, b, 1, 0, err);
    vg_monitor_batch_free(b);
    vg_monitor_rejects_free(&rj);
    free(body);
    return rc;
}

static int shift(char **save, vg_error *err, double *out, int *found) {
    char *kind = strtok_r(NULL, " \t\n", save);
    int cls = kind && !strcmp(kind, "class");
    size_t nr, n1, n2;
    char **r = read_values(save, &nr), **a = read_values(save, &n1), **b = read_values(save, &n2);
    const char *spec = cls ? "{\"name\": \"o\", \"task\": \"multiclass\", \"features\": "
                             "[{\"name\": \"x\", \"type\": \"numeric\"}]}"
                           : "{\"name\": \"o\", \"task\": \"regression\", \"features\": "
                             "[{\"name\": \"x\", \"type\": \"numeric\"}]}";
    vg_model_spec *s = NULL;
    vg_monitor *m = NULL;
    vg_profile *ref = NULL;
    vg_window **w = NULL;
    size_t nw = 0;
    int rc = vg_model_spec_parse(spec, strlen(spec), &s, err);
    if (rc == VG_OK && !(m = vg_monitor_new(s, err)))
        rc = err->code;
    if (rc == VG_OK && nr) {
        if (!(ref = vg_profile_new(NULL, err)))
            rc = err->code;
        if (rc == VG_OK && (vg_profile_add_column(ref, "x", 1, err) < 0 ||
                            vg_profile_add_column(ref, "prediction", 10, err) < 0))
            rc = err->code;
        for (size_t i = 0; rc == VG_OK && i < nr; i++) {
            if ((rc = vg_profile_add_text(ref, 0, "0", 1)) == VG_OK)
                rc = vg_profile_add_text(ref, 1, r[i], strlen(r[i]));
            vg_profile_end_rows(ref, 1);
        }
        if (rc == VG_OK)
            rc = vg_monitor_set_reference_profile(m, ref, err);
    }
    if (rc == VG_OK)
        rc = feed(m, a, n1, 0, cls, err);
    if (rc == VG_OK)
        rc = feed(m, b, n2, 1, cls, err);
    if (rc == VG_OK && (rc = vg_monitor_advance(m, T0, 1, err)) >= 0)
        rc = vg_monitor_take_windows(m, &w, &nw, err);
    *found = 0;
    for (size_t i = 0; rc == VG_OK && nw == 2 && i < w[1]->n_metrics; i++)
        if (!strcmp(w[1]->metrics[i].name, "prediction_shift")) {
            *out = w[1]->metrics[i].value;
            *found = 1;
        }
    for (size_t i = 0; i < nw; i++)
        vg_window_free(w[i]);
    free(w);
    free(r), free(a), free(b);
    vg_profile_free(ref);
    vg_monitor_free(m);
    vg_model_spec_free(s);
    return rc;
}

int main(void) {
    static char line[1 << 22];
    while (fgets(line, sizeof line, stdin)) {
        char *save = NULL, *cmd = strtok_r(line, " \t\n", &save);
        vg_error err = {0};
        double v = 0;
        int found = 0, rc = VG_ERR_INVALID;
        if (cmd && !strcmp(cmd, "shift"))
            rc = shift(&save, &err, &v, &found);
        else
            vg_error_set(&err, rc, "unknown command");
        if (rc != VG_OK)
            printf("ERR %d %s\n", rc, err.msg);
        else if (!found)
            printf("none\n");
        else
            printf("%.17g\n", v);
        fflush(stdout);
    }
    return 0;
}
