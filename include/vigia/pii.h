/*
 * PII detection in string features: e-mail addresses, phone numbers, payment card numbers
 * (Luhn), IBANs (ISO 13616 mod 97) and Brazilian CPF/CNPJ numbers (both check digits).
 *
 * vg_pii_scan finds the matches inside a string (not only whole-string matches) in one
 * left-to-right pass, in time linear in the length, without allocating and without reading
 * past `len` (the string need not be NUL-terminated). vg_pii_redact masks them. The per-kind
 * validators check one whole candidate. docs/pii.md gives what each detector does and does
 * not match, the precedence between kinds and the redaction format.
 */
#ifndef VIGIA_PII_H
#define VIGIA_PII_H

#include <stddef.h>

#include "vigia/error.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum vg_pii_kind {
    VG_PII_EMAIL = 0,
    VG_PII_PHONE,
    VG_PII_CARD,
    VG_PII_IBAN,
    VG_PII_CPF,
    VG_PII_CNPJ,
    VG_PII_N_KINDS
} vg_pii_kind;

typedef struct vg_pii_match {
    vg_pii_kind kind;
    size_t offset; /* byte offset of the match in the scanned string */
    size_t length; /* bytes, > 0; matches never overlap and come in increasing offset */
} vg_pii_match;

/* "email", "phone", "card", "iban", "cpf", "cnpj"; NULL for an unknown kind. */
const char *vg_pii_kind_name(vg_pii_kind kind);

/* Scans s[0..len) and stores the first min(found, max) matches in `out` (which may be NULL
 * when max is 0). Returns the number of matches found, which can exceed max (as snprintf
 * does), so a caller can count without storing. */
size_t vg_pii_scan(const char *s, size_t len, vg_pii_match *out, size_t max);

/* Writes s[0..len) into out with every match replaced by a token: "[EMAIL]", "[PHONE]",
 * "[IBAN]", "[CPF]", "[CNPJ]" and, for cards, "[CARD ****dddd]" keeping the last four digits
 * (what PCI DSS allows to display, and what a person needs to tell two cards apart).
 * *out_len (if not NULL) receives the length of the redacted text, NUL excluded, and
 * *n_matches (if not NULL) the number of matches. out is NUL-terminated. If cap is not at least
 * *out_len + 1, returns VG_ERR_LIMIT with *out_len still set to the length needed (out is then
 * undefined). The error message never quotes the input: it may be PII. */
int vg_pii_redact(const char *s, size_t len, char *out, size_t cap, size_t *out_len,
                  size_t *n_matches, vg_error *err);

/* Whole-candidate validators: 1 if s[0..len) is exactly one value of the kind, else 0. */

/* Luhn (ISO/IEC 7812-1 annex B) over the digits of s; spaces and hyphens are skipped, any
 * other character fails; needs at least 2 digits. Says nothing about the length or the issuer:
 * the card detector adds those rules. */
int vg_pii_luhn_ok(const char *s, size_t len);
/* A card as the scanner matches it: 13-19 digits starting with 2-6, bare or in groups joined by
 * single spaces or single hyphens (one kind), Luhn valid. */
int vg_pii_card_ok(const char *s, size_t len);
/* ISO 13616: a known country (docs/pii.md lists them) at its fixed length, uppercase letters and
 * digits, compact or with single spaces, remainder 1 mod 97. */
int vg_pii_iban_ok(const char *s, size_t len);
/* CPF: 11 digits bare or "123.456.789-09"; both check digits; all-same digits refused. */
int vg_pii_cpf_ok(const char *s, size_t len);
/* CNPJ: 14 digits bare or "12.345.678/0001-95"; both check digits; all-same digits refused. */
int vg_pii_cnpj_ok(const char *s, size_t len);
/* E-mail: the practical subset of RFC 5322 described in docs/pii.md. */
int vg_pii_email_ok(const char *s, size_t len);
/* Phone: E.164 ("+" and 8-15 digits) or a national format of 10-11 digits with separators. */
int vg_pii_phone_ok(const char *s, size_t len);

#ifdef __cplusplus
}
#endif
#endif
