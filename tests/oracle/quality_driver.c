/*
 * Driver for tests/oracle/test_quality.py: reads commands on stdin, one per line, and prints one
 * line per command, so that Python can check libvigia's data-quality comparison (vigia/quality.h)
 * against pandas on the same files:
 *
 *   json <ref path> <cur path> <max_examples> <n_ignore> <ignored names...>
 *        prints the "quality" object (vg_quality_json) as compact JSON
 *   text <ref path> <cur path>
 *        prints the terminal section (vg_quality_text) as one JSON string
 *
 * Paths and names are whitespace-free tokens. A failure prints "ERR <code> <message>"; a
 * malformed command ends the driver with exit status 1.
 */
#define _GNU_SOURCE
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vigia/compare.h"
#include "vigia/quality.h"

static int load_both(const char *a, const char *b, vg_samples **ref, vg_samples **cur,
                     vg_error *err) {
    vg_read_options ro;
    vg_read_options_default(&ro);
    *ref = *cur = NULL;
    int rc = vg_samples_load(a, &ro, ref, err);
    if (rc == VG_OK)
        rc = vg_samples_load(b, &ro, cur, err);
    return rc;
}

static void json_cmd(const char *a, const char *b, size_t max_examples, char **ignore,
                     size_t n_ignore) {
    vg_error err = {0, ""};
    vg_samples *ref, *cur;
    vg_quality_result *q = NULL;
    int rc = load_both(a, b, &ref, &cur, &err);
    if (rc == VG_OK) {
        vg_quality_options o;
        vg_quality_options_default(&o);
        o.max_examples = max_examples;
        o.ignore = (const char *const *)ignore;
        o.n_ignore = n_ignore;
        rc = vg_quality_compare(ref, cur, &o, &q, &err);
    }
    json_t *root = json_object();
    if (rc == VG_OK)
        rc = vg_quality_json(q, root, &err);
    char *s = rc == VG_OK ? json_dumps(json_object_get(root, "quality"), JSON_COMPACT) : NULL;
    if (s)
        printf("%s\n", s);
    else
        printf("ERR %d %s\n", rc, err.msg);
    free(s);
    json_decref(root);
    vg_quality_result_free(q);
    vg_samples_free(ref);
    vg_samples_free(cur);
}

static void text_cmd(const char *a, const char *b) {
    vg_error err = {0, ""};
    vg_samples *ref, *cur;
    vg_quality_result *q = NULL;
    int rc = load_both(a, b, &ref, &cur, &err);
    if (rc == VG_OK)
        rc = vg_quality_compare(ref, cur, NULL, &q, &err);
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (rc == VG_OK)
        rc = f ? vg_quality_text(q, f, &err) : VG_ERR_IO;
    if (f)
        fclose(f);
    if (rc == VG_OK) {
        json_t *j = json_stringn(buf, len);
        char *s = json_dumps(j, JSON_ENCODE_ANY);
        printf("%s\n", s ? s : "ERR -1 dump");
        free(s);
        json_decref(j);
    } else {
        printf("ERR %d %s\n", rc, err.msg);
    }
    free(buf);
    vg_quality_result_free(q);
    vg_samples_free(ref);
    vg_samples_free(cur);
}

int main(void) {
    char cmd[16], a[4096], b[4096];
    while (scanf("%15s %4095s %4095s", cmd, a, b) == 3) {
        if (strcmp(cmd, "json") == 0) {
            unsigned long long mx, ni;
            if (scanf("%llu %llu", &mx, &ni) != 2 || ni > 64)
                return 1;
            char *ignore[64];
            char names[64][256];
            for (size_t i = 0; i < ni; i++) {
                if (scanf("%255s", names[i]) != 1)
                    return 1;
                ignore[i] = names[i];
            }
            json_cmd(a, b, (size_t)mx, ignore, (size_t)ni);
        } else if (strcmp(cmd, "text") == 0) {
            text_cmd(a, b);
        } else {
            printf("ERR unknown %s\n", cmd);
            return 1;
        }
        fflush(stdout);
    }
    return 0;
}
