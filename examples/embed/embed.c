/*
 * Embedding libvigia's monitoring engine in an inference service: one vg_monitor per model,
 * fed the service's own predictions in batches, with the closed windows' reports handed back.
 * No daemon, no HTTP, no SQLite: durability and persistence are the embedding program's (here,
 * none). Build: cc -Iinclude examples/embed/embed.c build/libvigia.a -ljansson -lyaml -lz
 * -lpthread -lm. Usage: embed [REFERENCE.csv]; prints each closed window's drift verdict.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vigia/vigia.h"

static const char SPEC[] =
    "{\"name\": \"scorer\", \"task\": \"binary\","
    " \"features\": [{\"name\": \"amount\", \"type\": \"numeric\", \"required\": true},"
    "                {\"name\": \"channel\", \"type\": \"categorical\"}],"
    " \"window\": {\"count\": 500}}";

/* One batch of n predictions as NDJSON; from `shift` on, amounts are larger (drift). */
static char *make_batch(int first, int n, double shift) {
    size_t cap = (size_t)n * 160 + 1, len = 0;
    char *s = malloc(cap);
    if (!s)
        return NULL;
    for (int i = first; i < first + n; i++) {
        double amount = 50 + (i * 7919 % 100) + shift;
        const char *ch = (i % 3) ? "web" : "store";
        len +=
            (size_t)snprintf(s + len, cap - len,
                             "{\"id\": %d, \"features\": {\"amount\": %.2f, \"channel\": \"%s\"},"
                             " \"prediction\": %.3f}\n",
                             i, amount, ch, (i % 100) / 100.0);
    }
    return s;
}

int main(int argc, char **argv) {
    vg_error err;
    vg_model_spec *spec = NULL;
    if (vg_model_spec_parse(SPEC, strlen(SPEC), &spec, &err) != VG_OK) {
        fprintf(stderr, "embed: %s\n", err.msg);
        return 2;
    }
    vg_monitor *m = vg_monitor_new(spec, &err);
    vg_model_spec_free(spec); /* the monitor keeps its own copy */
    if (!m) {
        fprintf(stderr, "embed: %s\n", err.msg);
        return 2;
    }
    if (argc > 1 && vg_monitor_set_reference_file(m, argv[1], &err) != VG_OK) {
        fprintf(stderr, "embed: %s\n", err.msg);
        vg_monitor_free(m);
        return 2;
    }
    int status = 0;
    uint64_t seq = 0;
    for (int b = 0; b < 8 && status == 0; b++) {
        char *body = make_batch(b * 250, 250, b >= 4 ? 80.0 : 0.0);
        vg_monitor_batch *batch = NULL;
        vg_monitor_rejects rej = {0};
        if (!body || vg_monitor_parse_predictions(m, body, strlen(body), 0, &batch, &rej, &err) ||
            vg_monitor_apply(m, batch, ++seq, 0, &err) ||
            vg_monitor_advance(m, 0, b == 7, &err) < 0) {
            fprintf(stderr, "embed: %s\n", body ? err.msg : "out of memory");
            status = 2;
        }
        vg_window **w = NULL;
        size_t nw = 0;
        if (status == 0 && vg_monitor_take_windows(m, &w, &nw, &err) == VG_OK) {
            for (size_t i = 0; i < nw; i++) {
                double drift = NAN;
                for (size_t k = 0; k < w[i]->n_metrics; k++)
                    if (!strcmp(w[i]->metrics[k].name, "dataset_drift") &&
                        strstr(w[i]->metrics[k].labels, "\"reference\""))
                        drift = w[i]->metrics[k].value;
                printf("window %lld: %llu rows, dataset drift vs reference: %s\n",
                       (long long)w[i]->key, (unsigned long long)w[i]->rows,
                       isnan(drift) ? "n/a"
                       : drift > 0  ? "yes"
                                    : "no");
                vg_window_free(w[i]);
            }
            free(w);
        }
        vg_monitor_batch_free(batch);
        vg_monitor_rejects_free(&rej);
        free(body);
    }
    vg_monitor_free(m);
    return status;
}
