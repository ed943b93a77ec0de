/*
 * libFuzzer target: the .vgp decoder on arbitrary bytes. Half of the inputs get a valid
 * length field and checksum patched in, since otherwise nearly every mutation stops at the
 * checksum and the body parser behind it would go unexplored. A file the decoder accepts must
 * be internally consistent: it renders, its re-encoding decodes and re-encodes to the same
 * bytes (a canonical form), and it merges.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "vigia/vigia.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    uint8_t *copy = malloc(size ? size : 1);
    if (!copy)
        return 0;
    memcpy(copy, data, size);
    if (size >= 24 && (data[size - 1] & 1)) {
        uint64_t payload = size - 24;
        for (int i = 0; i < 8; i++)
            copy[12 + i] = (uint8_t)(payload >> (8 * i));
        uint32_t crc = (uint32_t)crc32(0L, copy, (uInt)(size - 4));
        for (int i = 0; i < 4; i++)
            copy[size - 4 + i] = (uint8_t)(crc >> (8 * i));
    }
    data = copy;
    vg_error e;
    vg_error_clear(&e);
    vg_profile *p = vg_profile_decode(data, size, "fuzz", &e);
    if (!p) {
        if (e.msg[0] == '\0')
            abort();
        free(copy);
        return 0;
    }
    char *json = vg_report_profile_json(p, NULL, NULL, &e);
    free(json);
    unsigned char *buf;
    size_t len;
    if (vg_profile_encode(p, &buf, &len, &e) == VG_OK) {
        vg_profile *q = vg_profile_decode(buf, len, "fuzz", &e);
        if (!q)
            abort();
        unsigned char *buf2;
        size_t len2;
        if (vg_profile_encode(q, &buf2, &len2, &e) == VG_OK) {
            if (len2 != len || memcmp(buf, buf2, len) != 0)
                abort();
            free(buf2);
        }
        if (vg_profile_merge(q, p, &e) != VG_OK)
            abort();
        vg_profile_free(q);
        free(buf);
    }
    vg_profile_free(p);
    free(copy);
    return 0;
}
