/*
 * UTF-8 checks shared by the readers (input must be valid UTF-8), the profile decoder (stored
 * names and values must be too) and the reports (JSON strings must be).
 */
#ifndef VG_BASE_UTF8_H
#define VG_BASE_UTF8_H

#include <stddef.h>

/* 1 if s[0..n) is valid UTF-8 (RFC 3629), else 0. */
int vg_utf8_valid(const char *s, size_t n);
/* Length of the longest prefix of s[0..n) that does not end inside a multi-byte sequence: for
 * text cut at a byte limit. */
size_t vg_utf8_cut(const char *s, size_t n);

#endif
