/*
 * Misra-Gries frequent items with median purges (see vigia/freq.h for the bounds).
 *
 * Items live in a dense array; an open-addressing index of at least twice its size (a power
 * of two) maps hash -> slot and keeps the hash itself, so a lookup touches only the index
 * unless the item is found. Both start small and double up to the capacity, so the many
 * low-cardinality columns of a wide table cost a few hundred bytes each, not 100 KiB. A purge is
 * O(capacity) (quickselect for the median, then a rebuild of the index) and frees at least half of
 * the table, so its cost is amortized to O(1) per new item.
 */
#include <stdlib.h>
#include <string.h>

#include "codec.h"
#include "vigia/freq.h"

typedef struct {
    uint64_t hash;
    uint64_t count;
    uint8_t len;
    uint8_t truncated;
    uint8_t is_number; /* text holds the double's bytes (len 8) */
    char text[VG_FREQ_REPR_MAX];
} entry;

typedef struct {
    uint64_t hash;
    uint32_t pos; /* entry index + 1; 0 marks an empty slot */
} slot;

struct vg_freq {
    uint32_t capacity;
    uint32_t alloc; /* entries allocated: grows to capacity */
    uint32_t size;
    uint64_t total;
    uint64_t offset;
    uint32_t mask; /* index size - 1 */
    entry *items;
    slot *index;
    uint64_t *scratch; /* capacity counters for quickselect, allocated at the first purge */
};

static void rebuild_index(vg_freq *s);

/* Allocates room for `alloc` entries and an index for them, keeping current entries. */
static int resize(vg_freq *s, uint32_t alloc) {
    uint32_t isize = 16;
    while (isize < 2 * alloc)
        isize <<= 1;
    slot *index = calloc(isize, sizeof *index);
    if (!index)
        return VG_ERR_NOMEM;
    entry *items = realloc(s->items, (size_t)alloc * sizeof *items);
    if (!items) {
        free(index);
        return VG_ERR_NOMEM;
    }
    s->items = items;
    free(s->index);
    s->index = index;
    s->alloc = alloc;
    s->mask = isize - 1;
    rebuild_index(s);
    return VG_OK;
}

vg_freq *vg_freq_new(uint32_t capacity) {
    if (capacity < VG_FREQ_MIN_CAPACITY || capacity > VG_FREQ_MAX_CAPACITY)
        return NULL;
    vg_freq *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->capacity = capacity;
    if (resize(s, capacity < 8 ? capacity : 8) != VG_OK) {
        vg_freq_free(s);
        return NULL;
    }
    return s;
}

void vg_freq_free(vg_freq *s) {
    if (!s)
        return;
    free(s->items);
    free(s->index);
    free(s->scratch);
    free(s);
}

void vg_freq_clear(vg_freq *s) {
    s->size = 0;
    s->total = 0;
    s->offset = 0;
    free(s->scratch);
    s->scratch = NULL;
    /* back to the initial size; if that allocation fails the larger table is kept, which is
     * just as valid */
    (void)resize(s, s->capacity < 8 ? s->capacity : 8);
}

vg_freq *vg_freq_clone(const vg_freq *s) {
    vg_freq *c = vg_freq_new(s->capacity);
    if (!c || resize(c, s->alloc) != VG_OK) {
        vg_freq_free(c);
        return NULL;
    }
    c->size = s->size;
    c->total = s->total;
    c->offset = s->offset;
    memcpy(c->items, s->items, (size_t)s->size * sizeof *s->items);
    rebuild_index(c);
    return c;
}

static slot *find_slot(const vg_freq *s, uint64_t hash) {
    uint32_t i = (uint32_t)hash & s->mask;
    for (;;) {
        slot *sl = &s->index[i];
        if (sl->pos == 0 || sl->hash == hash)
            return sl;
        i = (i + 1) & s->mask;
    }
}

static void rebuild_index(vg_freq *s) {
    if (!s->index)
        return;
    memset(s->index, 0, ((size_t)s->mask + 1) * sizeof *s->index);
    for (uint32_t i = 0; i < s->size; i++) {
        slot *sl = find_slot(s, s->items[i].hash);
        sl->hash = s->items[i].hash;
        sl->pos = i + 1;
    }
}

/* k-th smallest of a[0..n) (Hoare's quickselect; a is scrambled). */
static uint64_t select_kth(uint64_t *a, size_t n, size_t k) {
    size_t lo = 0, hi = n - 1;
    while (lo < hi) {
        uint64_t pivot = a[lo + (hi - lo) / 2];
        size_t i = lo, j = hi;
        while (i <= j) {
            while (a[i] < pivot)
                i++;
            while (a[j] > pivot)
                j--;
            if (i <= j) {
                uint64_t t = a[i];
                a[i] = a[j];
                a[j] = t;
                i++;
                if (j == 0)
                    break;
                j--;
            }
        }
        if (k <= j)
            hi = j;
        else if (k >= i)
            lo = i;
        else
            return a[k];
    }
    return a[k];
}

/* Subtracts the median counter from all counters and drops those that reach zero. */
static int purge(vg_freq *s) {
    if (!s->scratch && !(s->scratch = malloc((size_t)s->capacity * sizeof *s->scratch)))
        return VG_ERR_NOMEM;
    for (uint32_t i = 0; i < s->size; i++)
        s->scratch[i] = s->items[i].count;
    uint64_t c = select_kth(s->scratch, s->size, s->size / 2);
    uint32_t kept = 0;
    for (uint32_t i = 0; i < s->size; i++) {
        if (s->items[i].count > c) {
            s->items[kept] = s->items[i];
            s->items[kept].count -= c;
            kept++;
        }
    }
    s->size = kept;
    s->offset += c;
    rebuild_index(s);
    return VG_OK;
}

/* Cuts text to at most VG_FREQ_REPR_MAX bytes without splitting a UTF-8 sequence. */
static size_t repr_len(const char *text, size_t len) {
    if (len <= VG_FREQ_REPR_MAX)
        return len;
    size_t n = VG_FREQ_REPR_MAX;
    while (n > 0 && ((unsigned char)text[n] & 0xC0) == 0x80)
        n--;
    return n;
}

static int add(vg_freq *s, uint64_t hash, const char *text, size_t len, int truncated,
               int is_number, uint64_t weight) {
    slot *sl = find_slot(s, hash);
    if (sl->pos) {
        s->items[sl->pos - 1].count += weight;
        return VG_OK;
    }
    if (s->size == s->alloc && s->alloc < s->capacity) {
        uint32_t a = s->alloc * 2 < s->capacity ? s->alloc * 2 : s->capacity;
        if (resize(s, a) != VG_OK)
            return VG_ERR_NOMEM;
        sl = find_slot(s, hash);
    } else if (s->size == s->capacity) {
        if (purge(s) != VG_OK)
            return VG_ERR_NOMEM;
        sl = find_slot(s, hash);
    }
    entry *e = &s->items[s->size];
    size_t n = repr_len(text, len);
    e->hash = hash;
    e->count = weight;
    e->len = (uint8_t)n;
    e->truncated = (uint8_t)(truncated || n < len);
    e->is_number = (uint8_t)is_number;
    memcpy(e->text, text, n);
    sl->hash = hash;
    sl->pos = ++s->size;
    return VG_OK;
}

int vg_freq_update(vg_freq *s, uint64_t hash, const char *text, size_t len, uint64_t weight) {
    if (weight == 0)
        return VG_OK;
    int rc = add(s, hash, text, len, 0, 0, weight);
    if (rc == VG_OK)
        s->total += weight;
    return rc;
}

int vg_freq_update_number(vg_freq *s, uint64_t hash, double x, uint64_t weight) {
    if (weight == 0)
        return VG_OK;
    int rc = add(s, hash, (const char *)&x, sizeof x, 0, 1, weight);
    if (rc == VG_OK)
        s->total += weight;
    return rc;
}

long vg_freq_count_numbers(vg_freq *s, const uint64_t *hash, const double *x, size_t n) {
    for (size_t i = 0; i < n; i++) {
        slot *sl = find_slot(s, hash[i]);
        if (sl->pos) {
            s->items[sl->pos - 1].count++;
        } else {
            if (s->size == s->capacity)
                return (long)i;
            if (add(s, hash[i], (const char *)&x[i], sizeof x[i], 0, 1, 1) != VG_OK)
                return VG_ERR_NOMEM;
        }
        s->total++;
    }
    return (long)n;
}

int vg_freq_merge(vg_freq *dst, const vg_freq *src, vg_error *err) {
    if (dst->capacity != src->capacity)
        return vg_error_set(err, VG_ERR_MISMATCH,
                            "cannot merge frequent-item sketches with different capacity (%u "
                            "and %u)",
                            dst->capacity, src->capacity);
    if (dst == src)
        return vg_error_set(err, VG_ERR_INVALID, "cannot merge a frequent-item sketch into itself");
    dst->total += src->total;
    dst->offset += src->offset;
    for (uint32_t i = 0; i < src->size; i++) {
        const entry *e = &src->items[i];
        if (add(dst, e->hash, e->text, e->len, e->truncated, e->is_number, e->count) != VG_OK)
            return vg_error_set(err, VG_ERR_NOMEM, "out of memory merging frequent items");
    }
    return VG_OK;
}

uint32_t vg_freq_capacity(const vg_freq *s) {
    return s->capacity;
}
uint64_t vg_freq_total(const vg_freq *s) {
    return s->total;
}
uint64_t vg_freq_offset(const vg_freq *s) {
    return s->offset;
}
size_t vg_freq_size(const vg_freq *s) {
    return s->size;
}

uint64_t vg_freq_count(const vg_freq *s, uint64_t hash) {
    const slot *sl = find_slot(s, hash);
    return sl->pos ? s->items[sl->pos - 1].count : 0;
}

/* Order of vg_freq_top: count descending, then numbers (by value) before text (bytewise). */
int vg_freq_item_cmp(const vg_freq_item *x, const vg_freq_item *y) {
    if (x->count != y->count)
        return x->count > y->count ? -1 : 1;
    if (x->is_number != y->is_number)
        return x->is_number ? -1 : 1;
    if (x->is_number)
        return (x->number > y->number) - (x->number < y->number);
    size_t n = x->len < y->len ? x->len : y->len;
    int c = memcmp(x->value, y->value, n);
    return c ? c : (x->len > y->len) - (x->len < y->len);
}

static vg_freq_item item_of(const entry *e) {
    vg_freq_item it = {e->is_number, 0, e->text, e->is_number ? 0 : e->len, e->truncated, e->count};
    if (e->is_number)
        memcpy(&it.number, e->text, 8);
    return it;
}

/* vg_freq_item_cmp order; entries equal in it (values cut to the same prefix) by hash, so the
 * result does not depend on insertion order. */
static int before(const entry *x, const entry *y) {
    vg_freq_item a = item_of(x), b = item_of(y);
    int c = vg_freq_item_cmp(&a, &b);
    return c ? c < 0 : x->hash < y->hash;
}

/* Selection by insertion into the output: O(size * max) and no allocation, so it cannot fail
 * (reports ask for 10 of at most a few thousand). */
size_t vg_freq_items(const vg_freq *s, vg_freq_item *out, uint64_t *hashes, size_t max) {
    size_t n = s->size < max ? s->size : max;
    for (size_t i = 0; i < n; i++) {
        if (out)
            out[i] = item_of(&s->items[i]);
        if (hashes)
            hashes[i] = s->items[i].hash;
    }
    return n;
}

size_t vg_freq_top(const vg_freq *s, vg_freq_item *out, size_t max) {
    const entry *best[64];
    if (max > 64)
        max = 64;
    size_t n = 0;
    for (uint32_t i = 0; i < s->size; i++) {
        const entry *e = &s->items[i];
        if (n == max && !before(e, best[n - 1]))
            continue;
        size_t j = n < max ? n++ : n - 1;
        while (j > 0 && before(e, best[j - 1])) {
            best[j] = best[j - 1];
            j--;
        }
        best[j] = e;
    }
    for (size_t i = 0; i < n; i++)
        out[i] = item_of(best[i]);
    return n;
}

void vg_freq_encode(const vg_freq *s, vg_wbuf *w) {
    vg_wbuf_u32(w, s->capacity);
    vg_wbuf_u64(w, s->total);
    vg_wbuf_u64(w, s->offset);
    vg_wbuf_u32(w, s->size);
    for (uint32_t i = 0; i < s->size; i++) {
        const entry *e = &s->items[i];
        vg_wbuf_u64(w, e->hash);
        vg_wbuf_u64(w, e->count);
        vg_wbuf_u8(w, (uint8_t)(e->truncated | e->is_number << 1));
        if (e->is_number) {
            double x;
            memcpy(&x, e->text, 8);
            vg_wbuf_f64(w, x); /* bit pattern, little-endian: portable */
        } else {
            vg_wbuf_u8(w, e->len);
            vg_wbuf_put(w, e->text, e->len);
        }
    }
}

vg_freq *vg_freq_decode(vg_rbuf *r, vg_error *err) {
    uint32_t capacity = vg_rbuf_u32(r);
    uint64_t total = vg_rbuf_u64(r), offset = vg_rbuf_u64(r);
    uint32_t size = vg_rbuf_u32(r);
    if (!vg_rbuf_ok(r) || capacity < VG_FREQ_MIN_CAPACITY || capacity > VG_FREQ_MAX_CAPACITY ||
        size > capacity || offset > total || (size_t)size * 18 > vg_rbuf_left(r)) {
        vg_error_set(err, VG_ERR_FORMAT, "invalid frequent-items header");
        return NULL;
    }
    vg_freq *s = vg_freq_new(capacity);
    if (!s) {
        vg_error_set(err, VG_ERR_NOMEM, "out of memory reading a frequent-items sketch");
        return NULL;
    }
    if (resize(s, size > 8 ? size : (capacity < 8 ? capacity : 8)) != VG_OK) {
        vg_freq_free(s);
        vg_error_set(err, VG_ERR_NOMEM, "out of memory reading a frequent-items sketch");
        return NULL;
    }
    s->total = total;
    s->offset = offset;
    uint64_t sum = 0;
    for (uint32_t i = 0; i < size; i++) {
        entry *e = &s->items[i];
        e->hash = vg_rbuf_u64(r);
        e->count = vg_rbuf_u64(r);
        uint8_t flags = vg_rbuf_u8(r);
        e->truncated = flags & 1;
        e->is_number = (flags >> 1) & 1;
        double x = 0;
        const unsigned char *t;
        if (e->is_number) {
            x = vg_rbuf_f64(r);
            e->len = 8;
            t = (const unsigned char *)&x;
            if (x != x || e->truncated)
                flags = 0xFF; /* invalid: NaN is never counted, numbers are never cut */
        } else {
            e->len = vg_rbuf_u8(r);
            t = vg_rbuf_bytes(r, e->len);
        }
        if (!vg_rbuf_ok(r) || !t || flags > 3 || e->len > VG_FREQ_REPR_MAX || e->count == 0 ||
            e->count > total || find_slot(s, e->hash)->pos) {
            vg_freq_free(s);
            vg_error_set(err, VG_ERR_FORMAT, "corrupted frequent-items entry");
            return NULL;
        }
        sum += e->count;
        memcpy(e->text, t, e->len);
        slot *sl = find_slot(s, e->hash);
        sl->hash = e->hash;
        sl->pos = ++s->size;
    }
    if (sum > total) {
        vg_freq_free(s);
        vg_error_set(err, VG_ERR_FORMAT, "frequent-items counts exceed their total");
        return NULL;
    }
    return s;
}

int vg_freq_serialize(const vg_freq *s, unsigned char **out, size_t *len, vg_error *err) {
    vg_wbuf w;
    vg_wbuf_init(&w);
    vg_freq_encode(s, &w);
    return vg_sketch_blob(&w, out, len, err);
}

vg_freq *vg_freq_deserialize(const void *data, size_t len, vg_error *err) {
    vg_rbuf r;
    vg_rbuf_init(&r, data, len);
    vg_freq *s = vg_freq_decode(&r, err);
    if (s && vg_rbuf_left(&r) != 0) {
        vg_freq_free(s);
        vg_error_set(err, VG_ERR_FORMAT, "trailing bytes after frequent-items sketch");
        return NULL;
    }
    return s;
}
