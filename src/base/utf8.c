/*
 * UTF-8 validation (RFC 3629): rejects overlong forms, surrogates and code points past
 * U+10FFFF. ASCII runs are skipped 8 bytes at a time, since almost all CSV text is ASCII.
 */
#include "utf8.h"

#include <stdint.h>
#include <string.h>

int vg_utf8_valid(const char *str, size_t n) {
    const unsigned char *s = (const unsigned char *)str;
    size_t i = 0;
    while (i < n) {
        if (i + 8 <= n) {
            uint64_t w;
            memcpy(&w, s + i, 8);
            if ((w & 0x8080808080808080ULL) == 0) {
                i += 8;
                continue;
            }
        }
        unsigned c = s[i];
        if (c < 0x80) {
            i++;
            continue;
        }
        size_t need;
        unsigned lo = 0x80, hi = 0xBF; /* allowed range of the first continuation byte */
        if (c >= 0xC2 && c <= 0xDF)
            need = 1;
        else if (c == 0xE0) {
            need = 2;
            lo = 0xA0;
        } else if (c >= 0xE1 && c <= 0xEC)
            need = 2;
        else if (c == 0xED) {
            need = 2;
            hi = 0x9F;
        } else if (c >= 0xEE && c <= 0xEF)
            need = 2;
        else if (c == 0xF0) {
            need = 3;
            lo = 0x90;
        } else if (c >= 0xF1 && c <= 0xF3)
            need = 3;
        else if (c == 0xF4) {
            need = 3;
            hi = 0x8F;
        } else
            return 0;
        if (i + need >= n)
            return 0;
        if (s[i + 1] < lo || s[i + 1] > hi)
            return 0;
        for (size_t k = 2; k <= need; k++)
            if ((s[i + k] & 0xC0) != 0x80)
                return 0;
        i += need + 1;
    }
    return 1;
}

size_t vg_utf8_cut(const char *str, size_t n) {
    const unsigned char *s = (const unsigned char *)str;
    /* step back over at most 3 continuation bytes to the last lead byte */
    size_t i = n, back = 0;
    while (i > 0 && back < 4 && (s[i - 1] & 0xC0) == 0x80) {
        i--;
        back++;
    }
    if (i == 0)
        return back ? 0 : n;
    unsigned c = s[i - 1];
    size_t need = c >= 0xF0 ? 3 : c >= 0xE0 ? 2 : c >= 0xC0 ? 1 : 0;
    return need == back ? n : i - 1;
}
