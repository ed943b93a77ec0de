/*
 * Helpers shared by the unit tests: cmocka includes, a deterministic PRNG, temp files and
 * temp directories.
 */
#ifndef VG_TESTUTIL_H
#define VG_TESTUTIL_H

#include <ftw.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "vigia/vigia.h"

static inline int t_rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw) {
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(path);
}

/* Removes a directory tree (a test's data directory). */
static inline void t_rmtree(const char *dir) {
    nftw(dir, t_rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* cmocka fixtures: *state is a fresh mkdtemp directory under /tmp, removed afterwards. */
static inline int t_tmpdir_setup(void **state) {
    char *dir = strdup("/tmp/vg_test_XXXXXX");
    if (!dir || !mkdtemp(dir)) {
        free(dir);
        return -1;
    }
    *state = dir;
    return 0;
}

static inline int t_tmpdir_teardown(void **state) {
    t_rmtree(*state);
    free(*state);
    return 0;
}

/* splitmix64: deterministic, so failures reproduce */
static inline uint64_t t_rand(uint64_t *s) {
    uint64_t z = (*s += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

static inline double t_uniform(uint64_t *s) {
    return (double)(t_rand(s) >> 11) * 0x1.0p-53;
}

/* Box-Muller normal */
static inline double t_normal(uint64_t *s) {
    double u = t_uniform(s), v = t_uniform(s);
    if (u < 1e-300)
        u = 1e-300;
    return sqrt(-2 * log(u)) * cos(6.283185307179586 * v);
}

static inline int t_cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Writes `text` to a new temporary file; returns its malloc'd path. */
static inline char *t_tempfile(const char *suffix, const char *text, size_t len) {
    char *path = malloc(64);
    snprintf(path, 64, "/tmp/vg_test_XXXXXX%s", suffix);
    int fd = mkstemps(path, (int)strlen(suffix));
    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, len), (ssize_t)len);
    close(fd);
    return path;
}

#endif
