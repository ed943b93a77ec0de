/*
 * Frequent items with guaranteed count bounds: a Misra-Gries summary (Misra & Gries 1982)
 * that purges by the median count, as in Apache DataSketches' frequent-items sketch.
 *
 * The summary holds at most `capacity` items with counters. While fewer than `capacity`
 * distinct items have been seen, every count is exact (offset 0): this is how a categorical
 * column keeps exact value counts up to a cap. Past that, when a new item arrives and the
 * table is full, the median counter c is subtracted from every counter, items at or below it
 * are dropped, and c is added to `offset`. For every item x, counted or not:
 *     count(x) <= true_count(x) <= count(x) + offset,   and   offset <= 2 n / capacity,
 * where n is the total weight added (each purge removes at least c from at least half of the
 * counters, and no more than n can ever be removed). Merging adds counters and purges the
 * same way, so the bounds hold for merged summaries with n the combined weight.
 *
 * Items are identified by a 64-bit hash (collisions are negligible: ~n^2/2^65). Each item
 * keeps either a number (numeric values: no text copy on the hot path, printed at report
 * time) or the first text seen for it, cut to VG_FREQ_REPR_MAX bytes at a UTF-8 boundary.
 */
#ifndef VIGIA_FREQ_H
#define VIGIA_FREQ_H

#include <stddef.h>
#include <stdint.h>

#include "vigia/error.h"

#ifdef __cplusplus
extern "C" {
#endif

#define VG_FREQ_DEFAULT_CAPACITY 1024
#define VG_FREQ_MIN_CAPACITY 4
#define VG_FREQ_MAX_CAPACITY (1u << 20)
#define VG_FREQ_REPR_MAX 64

typedef struct vg_freq vg_freq;

typedef struct vg_freq_item {
    int is_number; /* the item is `number`; otherwise `value`/`len` */
    double number;
    const char *value; /* points into the summary; valid until it is next modified */
    size_t len;
    int truncated;  /* the value was longer than VG_FREQ_REPR_MAX bytes */
    uint64_t count; /* lower bound; the true count is at most count + offset */
} vg_freq_item;

vg_freq *vg_freq_new(uint32_t capacity); /* NULL if out of memory or capacity out of range */
void vg_freq_free(vg_freq *s);
/* Empties the summary (as new). */
void vg_freq_clear(vg_freq *s);
vg_freq *vg_freq_clone(const vg_freq *s);

/* Adds `weight` occurrences of the item with this hash; `text` is stored if the item is new. */
int vg_freq_update(vg_freq *s, uint64_t hash, const char *text, size_t len, uint64_t weight);
/* Same for a numeric item. */
int vg_freq_update_number(vg_freq *s, uint64_t hash, double x, uint64_t weight);
/* Exact counting while it lasts: adds one occurrence of each number x[i] (identity hash[i])
 * in order, and stops before the first number that is not held while the summary already
 * holds `capacity` items (so nothing is ever purged). Returns how many were added (n when all
 * were), or VG_ERR_NOMEM. */
long vg_freq_count_numbers(vg_freq *s, const uint64_t *hash, const double *x, size_t n);
int vg_freq_merge(vg_freq *dst, const vg_freq *src, vg_error *err);

uint32_t vg_freq_capacity(const vg_freq *s);
uint64_t vg_freq_total(const vg_freq *s);  /* n: total weight added */
uint64_t vg_freq_offset(const vg_freq *s); /* maximum undercount of any item; 0 = exact */
size_t vg_freq_size(const vg_freq *s);     /* items currently held */
/* Count (lower bound) for a hash; 0 if not held. */
uint64_t vg_freq_count(const vg_freq *s, uint64_t hash);

/* Writes up to `max` (at most 64) items with the highest counts, ties broken by value, into
 * `out`; returns how many. Never fails. */
size_t vg_freq_top(const vg_freq *s, vg_freq_item *out, size_t max);

/* Every item held (up to `max`), in table order (first-seen order until a purge or a merge),
 * with its 64-bit identity hash (the hash of vg_freq_update: equal values have equal hashes
 * in every summary); out or hashes may be NULL. Returns how many; never fails. */
size_t vg_freq_items(const vg_freq *s, vg_freq_item *out, uint64_t *hashes, size_t max);

/* Order of vg_freq_top: count descending, then numbers (ascending) before text (bytewise);
 * negative, 0 or positive like strcmp. */
int vg_freq_item_cmp(const vg_freq_item *x, const vg_freq_item *y);

int vg_freq_serialize(const vg_freq *s, unsigned char **out, size_t *len, vg_error *err);
vg_freq *vg_freq_deserialize(const void *data, size_t len, vg_error *err);

#ifdef __cplusplus
}
#endif
#endif
