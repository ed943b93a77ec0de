/*
 * Standalone serialization of one sketch: the encoder's bytes in a malloc'd buffer.
 */
#include <stdlib.h>

#include "codec.h"

int vg_sketch_blob(vg_wbuf *w, unsigned char **out, size_t *len, vg_error *err) {
    if (w->failed) {
        vg_wbuf_free(w);
        return vg_error_set(err, VG_ERR_NOMEM, "out of memory serializing a sketch");
    }
    *out = w->data;
    *len = w->len;
    return VG_OK;
}
