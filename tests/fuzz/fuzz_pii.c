/*
 * libFuzzer target: the PII detectors (vigia/pii.h) on arbitrary bytes. The input is an
 * exact-size buffer without a NUL, so ASan catches any read past len. Every match lies in
 * bounds, in order, without overlap, and passes its kind's validator; the redacted text has
 * the length announced, and holds no match of a kind that was redacted (a token cannot
 * rebuild what it replaced).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vigia/pii.h"

static int (*const validators[VG_PII_N_KINDS])(const char *, size_t) = {
    vg_pii_email_ok, vg_pii_phone_ok, vg_pii_card_ok,
    vg_pii_iban_ok,  vg_pii_cpf_ok,   vg_pii_cnpj_ok};

#define MAXM 256

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    const char *s = (const char *)data;
    vg_pii_match m[MAXM];
    size_t n = vg_pii_scan(s, size, m, MAXM);
    int kinds[VG_PII_N_KINDS] = {0};
    size_t prev = 0;
    for (size_t i = 0; i < n && i < MAXM; i++) {
        if ((unsigned)m[i].kind >= VG_PII_N_KINDS || m[i].length == 0 || m[i].offset < prev ||
            m[i].offset > size || m[i].length > size - m[i].offset)
            abort();
        if (!validators[m[i].kind](s + m[i].offset, m[i].length))
            abort();
        kinds[m[i].kind] = 1;
        prev = m[i].offset + m[i].length;
    }
    if (n > MAXM)
        return 0;
    size_t need = 0, nm = 0;
    if (vg_pii_redact(s, size, NULL, 0, &need, &nm, NULL) != VG_ERR_LIMIT || nm != n)
        abort();
    char *out = malloc(need + 1);
    if (!out)
        return 0;
    size_t ol = 0;
    if (vg_pii_redact(s, size, out, need + 1, &ol, NULL, NULL) != VG_OK || ol != need ||
        out[ol] != '\0')
        abort();
    n = vg_pii_scan(out, ol, m, MAXM);
    for (size_t i = 0; i < n && i < MAXM; i++)
        if (kinds[m[i].kind])
            abort();
    free(out);
    return 0;
}
