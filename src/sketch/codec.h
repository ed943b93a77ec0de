/*
 * Internal: sketch encoders and decoders that write into / read from a shared buffer.
 *
 * The public vg_*_serialize functions wrap these for a standalone blob; the profile codec
 * calls them directly to embed sketches in a .vgp file without copying. Decoders validate
 * every invariant they can check (lengths, ranges, sortedness, total weight) and fail with
 * VG_ERR_FORMAT rather than build a sketch that would later answer garbage.
 */
#ifndef VG_SKETCH_CODEC_H
#define VG_SKETCH_CODEC_H

#include "../base/bytes.h"
#include "vigia/freq.h"
#include "vigia/hll.h"
#include "vigia/kll.h"
#include "vigia/moments.h"

void vg_kll_encode(const vg_kll *s, vg_wbuf *w);
vg_kll *vg_kll_decode(vg_rbuf *r, vg_error *err);
void vg_hll_encode(const vg_hll *s, vg_wbuf *w);
vg_hll *vg_hll_decode(vg_rbuf *r, vg_error *err);
void vg_freq_encode(const vg_freq *s, vg_wbuf *w);
vg_freq *vg_freq_decode(vg_rbuf *r, vg_error *err);
void vg_moments_encode(const vg_moments *m, vg_wbuf *w);
int vg_moments_decode(vg_moments *m, vg_rbuf *r, vg_error *err);

/* Shared by the public serialize wrappers: copies an encoder's output to a malloc'd blob. */
int vg_sketch_blob(vg_wbuf *w, unsigned char **out, size_t *len, vg_error *err);

#endif
