/*
 * Throughput of the daemon's journal (src/store/journal.c): entries/s and commits/s of
 * vg_store_journal_append with W writer threads and entries of S bytes, each append durable
 * (synchronous=FULL) before it returns. It shows the group commit at work: the commits per
 * second stay near what the disk's fsync allows while entries per second grow with the writers.
 *
 *   make && cc -O2 -std=c11 -D_GNU_SOURCE -Iinclude -Isrc -o build/bench-journal \
 *       bench/journal.c build/obj/src/store/store.o build/obj/src/store/journal.o \
 *       build/libvigia.a -lsqlite3 -ljansson -lz -lyaml -lpthread -lm
 *   build/bench-journal [DIR] [SECONDS]
 *
 * DIR (default: a temporary directory, removed after) should be on the disk the daemon will
 * use: the figures are those of its fsync. Each configuration runs SECONDS (default 2).
 */
#include <ftw.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "store/store.h"

typedef struct writer_arg {
    vg_store *s;
    size_t len;
    double until;
    uint64_t done;
    int failed;
} writer_arg;

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

static void *writer(void *p) {
    writer_arg *a = p;
    unsigned char *buf = malloc(a->len);
    if (!buf) {
        a->failed = 1;
        return NULL;
    }
    for (size_t i = 0; i < a->len; i++)
        buf[i] = (unsigned char)(i * 131 + 7);
    while (now_s() < a->until) {
        vg_error err;
        if (vg_store_journal_append(a->s, "bench", vg_store_next_seq(a->s), 1, buf, a->len, &err) !=
            VG_OK) {
            fprintf(stderr, "append: %s\n", err.msg);
            a->failed = 1;
            break;
        }
        a->done++;
    }
    free(buf);
    return NULL;
}

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw) {
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(path);
}

int main(int argc, char **argv) {
    char tmp[] = "/tmp/vg_bench_journal_XXXXXX";
    const char *dir = argc > 1 ? argv[1] : mkdtemp(tmp);
    double seconds = argc > 2 ? atof(argv[2]) : 2.0;
    if (!dir || seconds <= 0) {
        fprintf(stderr, "usage: %s [DIR] [SECONDS]\n", argv[0]);
        return 2;
    }
    vg_store *s;
    vg_error err;
    if (vg_store_open(dir, &s, &err) != VG_OK ||
        vg_store_put_model(s, "bench", "{}", &err) != VG_OK) {
        fprintf(stderr, "%s\n", err.msg);
        return 1;
    }
    static const size_t sizes[] = {1024, 65536};
    static const int writers[] = {1, 4, 16, 64};
    printf("%-8s %7s %12s %10s %10s %14s %10s\n", "entry", "writers", "entries/s", "commits/s",
           "MB/s", "entries/commit", "ms/commit");
    int failed = 0;
    for (size_t si = 0; si < sizeof sizes / sizeof *sizes; si++) {
        for (size_t wi = 0; wi < sizeof writers / sizeof *writers && !failed; wi++) {
            int w = writers[wi];
            writer_arg *a = calloc((size_t)w, sizeof *a);
            pthread_t *th = calloc((size_t)w, sizeof *th);
            vg_store_stats before, after;
            vg_store_get_stats(s, &before);
            double t0 = now_s();
            for (int t = 0; t < w; t++) {
                a[t] = (writer_arg){s, sizes[si], t0 + seconds, 0, 0};
                pthread_create(&th[t], NULL, writer, &a[t]);
            }
            for (int t = 0; t < w; t++) {
                pthread_join(th[t], NULL);
                failed |= a[t].failed;
            }
            double dt = now_s() - t0;
            vg_store_get_stats(s, &after);
            double entries = (double)(after.journal_entries - before.journal_entries);
            double commits = (double)(after.journal_commits - before.journal_commits);
            double bytes = (double)(after.journal_bytes - before.journal_bytes);
            double secs = after.journal_commit_seconds - before.journal_commit_seconds;
            printf("%-8zu %7d %12.0f %10.0f %10.1f %14.1f %10.2f\n", sizes[si], w, entries / dt,
                   commits / dt, bytes / dt / 1e6, commits ? entries / commits : 0,
                   commits ? 1e3 * secs / commits : 0);
            fflush(stdout);
            free(a);
            free(th);
            /* keep the file small between runs, as the daemon does once windows persist */
            if (vg_store_journal_prune(s, "bench", UINT64_MAX, &err) != VG_OK) {
                fprintf(stderr, "%s\n", err.msg);
                failed = 1;
            }
        }
    }
    vg_store_close(s);
    if (argc <= 1)
        nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
    return failed;
}
