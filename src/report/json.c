/*
 * JSON helpers shared by the reports (see json.h).
 */
#include "json.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../base/utf8.h"

json_t *vg_json_num(double x) {
    return isfinite(x) ? json_real(x) : json_null();
}

json_t *vg_json_count(uint64_t n) {
    return json_integer((json_int_t)n);
}

json_t *vg_json_text(const char *s, size_t n) {
    if (vg_utf8_valid(s, n))
        return json_stringn(s, n);
    char *buf = malloc(3 * n + 1);
    if (!buf)
        return NULL;
    size_t o = 0;
    for (size_t i = 0; i < n;) {
        size_t k = 1;
        while (k <= 4 && i + k <= n && !vg_utf8_valid(s + i, k))
            k++;
        if (k <= 4 && i + k <= n) {
            memcpy(buf + o, s + i, k);
            o += k;
            i += k;
        } else {
            memcpy(buf + o, "\xEF\xBF\xBD", 3);
            o += 3;
            i++;
        }
    }
    json_t *j = json_stringn(buf, o);
    free(buf);
    return j;
}

json_t *vg_json_str(const char *s) {
    return vg_json_text(s, strlen(s));
}

void vg_json_put(json_t *o, const char *key, json_t *v, int *oom) {
    if (!v || json_object_set_new(o, key, v) != 0)
        *oom = 1;
}
