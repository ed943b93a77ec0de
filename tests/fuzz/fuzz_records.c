/*
 * libFuzzer target: the daemon's input parsers (vigia/monitor.h) on arbitrary bytes. The first
 * byte picks the parser: a model spec, a batch of prediction records, a batch of labels, or the
 * journal encoding of a batch; bit 2 of it gives the model the PII policy redact (with a key)
 * instead of the default report. Whatever the bytes, the parser either fails with a message or
 * gives a batch that applies, encodes and decodes back to the same bytes; every reject names a
 * record inside the batch. ASan and UBSan check the reads.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vigia/monitor.h"

static const char SPEC[] =
    "{\"name\": \"fz\", \"task\": \"binary\", \"features\": ["
    "{\"name\": \"a\", \"type\": \"numeric\"}, {\"name\": \"b\", \"type\": \"categorical\"},"
    "{\"name\": \"c\", \"type\": \"boolean\"}, {\"name\": \"t\", \"type\": \"text\"}],"
    " \"sensitive\": [\"b\"], \"window\": {\"duration\": \"1h\", \"lateness\": \"5m\"}}";
static const char SPEC_REDACT[] =
    "{\"name\": \"fz\", \"task\": \"binary\", \"features\": ["
    "{\"name\": \"a\", \"type\": \"numeric\"}, {\"name\": \"b\", \"type\": \"categorical\"},"
    "{\"name\": \"c\", \"type\": \"boolean\"}, {\"name\": \"t\", \"type\": \"text\"}],"
    " \"sensitive\": [\"b\"], \"window\": {\"duration\": \"1h\", \"lateness\": \"5m\"},"
    " \"pii\": {\"policy\": \"redact\"}}";

static void roundtrip(vg_monitor *m, vg_monitor_batch *b) {
    vg_error e;
    if (vg_monitor_apply(m, b, 1, 0, &e) != VG_OK)
        return;
    unsigned char *enc = NULL;
    size_t len = 0;
    if (vg_monitor_batch_encode(b, &enc, &len, &e) != VG_OK)
        return;
    vg_monitor_batch *d = NULL;
    if (vg_monitor_batch_decode(m, enc, len, &d, &e) != VG_OK)
        abort(); /* what encode wrote, decode reads */
    unsigned char *enc2 = NULL;
    size_t len2 = 0;
    if (vg_monitor_batch_encode(d, &enc2, &len2, &e) == VG_OK &&
        (len2 != len || memcmp(enc, enc2, len) != 0))
        abort();
    free(enc2);
    vg_monitor_batch_free(d);
    free(enc);
    vg_monitor_advance(m, 0, 1, &e);
    vg_window **w = NULL;
    size_t n = 0;
    if (vg_monitor_take_windows(m, &w, &n, &e) == VG_OK) {
        for (size_t i = 0; i < n; i++)
            vg_window_free(w[i]);
        free(w);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 1)
        return 0;
    int which = data[0] & 3;
    const char *body = (const char *)data + 1;
    size_t len = size - 1;
    vg_error e;
    vg_error_clear(&e);
    if (which == 0) {
        vg_model_spec *s = NULL;
        if (vg_model_spec_parse(body, len, &s, &e) != VG_OK)
            return 0;
        char *j = vg_model_spec_json(s);
        vg_model_spec *s2 = NULL;
        if (!j || vg_model_spec_parse(j, strlen(j), &s2, &e) != VG_OK)
            abort(); /* the canonical form parses */
        vg_model_spec_free(s2);
        free(j);
        vg_model_spec_free(s);
        return 0;
    }
    vg_model_spec *spec = NULL;
    const char *sj = data[0] & 4 ? SPEC_REDACT : SPEC;
    if (vg_model_spec_parse(sj, strlen(sj), &spec, &e) != VG_OK)
        abort();
    vg_monitor *m = vg_monitor_new(spec, &e);
    if (!m)
        abort();
    static const unsigned char key[32] = {7};
    if (vg_monitor_set_pii_key(m, key, sizeof key, &e) != VG_OK)
        abort();
    vg_monitor_batch *b = NULL;
    vg_monitor_rejects rej = {0};
    int rc = VG_OK;
    if (which == 1)
        rc = vg_monitor_parse_predictions(m, body, len, 1767225600000LL, &b, &rej, &e);
    else if (which == 2)
        rc = vg_monitor_parse_labels(m, body, len, 1767225600000LL, &b, &rej, &e);
    else
        rc = vg_monitor_batch_decode(m, body, len, &b, &e);
    if (rc == VG_OK && b) {
        for (size_t i = 0; i < rej.n; i++)
            if (rej.items[i].index >= vg_monitor_batch_size(b) + rej.n)
                abort(); /* a reject points at a record of the batch */
        roundtrip(m, b);
    }
    vg_monitor_batch_free(b);
    vg_monitor_rejects_free(&rej);
    vg_monitor_free(m);
    vg_model_spec_free(spec);
    return 0;
}
