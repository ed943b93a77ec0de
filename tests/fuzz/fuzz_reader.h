/*
 * Shared body of the reader fuzzers: writes the input to a file (the readers take paths, as
 * users do) and profiles it strictly and with skip_bad_rows, with a small record limit so
 * that refills and over-long records are exercised too. Any crash, leak or undefined
 * behaviour is a bug; errors are expected and must carry a message.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vigia/vigia.h"

static void fuzz_profile_bytes(const uint8_t *data, size_t size, const char *suffix) {
    char path[64];
    snprintf(path, sizeof path, "/tmp/vg_fuzz_%d%s", (int)getpid(), suffix);
    FILE *f = fopen(path, "wb");
    if (!f)
        return;
    fwrite(data, 1, size, f);
    fclose(f);
    for (int mode = 0; mode < 4; mode++) {
        vg_read_options ro;
        vg_read_options_default(&ro);
        ro.skip_bad_rows = mode & 1;
        ro.max_record = (mode & 2) ? 64 : 0;
        vg_profile *p = NULL;
        vg_ingest_stats st;
        vg_error e;
        vg_error_clear(&e);
        int rc = vg_profile_file(path, &ro, NULL, 1, &p, &st, &e);
        if (rc != VG_OK) {
            if (e.msg[0] == '\0')
                abort(); /* every failure must explain itself */
            continue;
        }
        char *json = vg_report_profile_json(p, path, &st, &e);
        free(json);
        unsigned char *buf;
        size_t len;
        if (vg_profile_encode(p, &buf, &len, &e) == VG_OK) {
            vg_profile *q = vg_profile_decode(buf, len, "fuzz", &e);
            if (!q)
                abort(); /* what we write, we must read back */
            if (vg_profile_merge(q, p, &e) != VG_OK || q->rows != 2 * p->rows)
                abort();
            vg_profile_free(q);
            free(buf);
        }
        vg_profile_free(p);
    }
    unlink(path);
}
