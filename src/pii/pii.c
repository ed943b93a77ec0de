/*
 * PII detectors (vigia/pii.h). Three finders walk the string independently, each returning its
 * next match at or after a position: e-mail (anchored on '@'), IBAN (anchored on two capitals
 * and two digits at a word start) and numbers (runs of digit groups joined by short
 * separators, classified as CNPJ > CPF > card > phone). The scan merges them by offset; each
 * finder keeps its last answer while it still lies ahead, so every byte is looked at a bounded
 * number of times (each look-around is capped: 65 bytes left of an '@', 254 right of it, 20
 * digit groups of a number) and the whole scan is linear. Nothing is allocated and no byte at
 * or past `len` is read.
 */
#include "vigia/pii.h"

#include <string.h>

#define EMAIL_LOCAL_MAX 64
#define EMAIL_DOMAIN_MAX 253
#define NUM_DIGITS_MAX 19 /* longest card number; phones and CPF/CNPJ are shorter */
#define NUM_GROUPS_MAX (NUM_DIGITS_MAX + 1)

static int is_digit(char c) {
    return c >= '0' && c <= '9';
}
static int is_upper(char c) {
    return c >= 'A' && c <= 'Z';
}
static int is_alpha(char c) {
    return is_upper(c) || (c >= 'a' && c <= 'z');
}
static int is_alnum(char c) {
    return is_digit(c) || is_alpha(c);
}

const char *vg_pii_kind_name(vg_pii_kind kind) {
    switch (kind) {
    case VG_PII_EMAIL: return "email";
    case VG_PII_PHONE: return "phone";
    case VG_PII_CARD: return "card";
    case VG_PII_IBAN: return "iban";
    case VG_PII_CPF: return "cpf";
    case VG_PII_CNPJ: return "cnpj";
    default: return NULL;
    }
}

/* ---- check digits ---- */

int vg_pii_luhn_ok(const char *s, size_t len) {
    int sum = 0, nd = 0;
    for (size_t i = len; i-- > 0;) {
        if (s[i] == ' ' || s[i] == '-')
            continue;
        if (!is_digit(s[i]))
            return 0;
        int d = s[i] - '0';
        if (nd++ & 1) /* every second digit from the right is doubled */
            d = d * 2 > 9 ? d * 2 - 9 : d * 2;
        sum += d;
    }
    return nd >= 2 && sum % 10 == 0;
}

/* Copies the digits of s into d when s is either `bare` digits long and all digits, or
 * exactly the mask (with '#' for a digit). Returns the number of digits or 0. */
static size_t digits_by_mask(const char *s, size_t len, size_t bare, const char *mask, int *d) {
    size_t ml = strlen(mask), n = 0;
    if (len == bare) {
        for (size_t i = 0; i < len; i++) {
            if (!is_digit(s[i]))
                return 0;
            d[n++] = s[i] - '0';
        }
        return n;
    }
    if (len != ml)
        return 0;
    for (size_t i = 0; i < len; i++) {
        if (mask[i] == '#') {
            if (!is_digit(s[i]))
                return 0;
            d[n++] = s[i] - '0';
        } else if (s[i] != mask[i]) {
            return 0;
        }
    }
    return n;
}

static int all_same(const int *d, size_t n) {
    for (size_t i = 1; i < n; i++)
        if (d[i] != d[0])
            return 0;
    return 1;
}

/* Receita Federal rule: weights descending from n+1 to 2 over the first n digits; the check
 * digit is 11 - (sum mod 11), or 0 when that is 10 or 11. */
static int cpf_digit(const int *d, size_t n) {
    int sum = 0;
    for (size_t i = 0; i < n; i++)
        sum += d[i] * (int)(n + 1 - i);
    int r = sum % 11;
    return r < 2 ? 0 : 11 - r;
}

int vg_pii_cpf_ok(const char *s, size_t len) {
    int d[11];
    if (digits_by_mask(s, len, 11, "###.###.###-##", d) != 11 || all_same(d, 11))
        return 0;
    return cpf_digit(d, 9) == d[9] && cpf_digit(d, 10) == d[10];
}

/* CNPJ: the weights cycle 2..9 from the right. */
static int cnpj_digit(const int *d, size_t n) {
    int sum = 0, w = 2;
    for (size_t i = n; i-- > 0;) {
        sum += d[i] * w;
        w = w == 9 ? 2 : w + 1;
    }
    int r = sum % 11;
    return r < 2 ? 0 : 11 - r;
}

int vg_pii_cnpj_ok(const char *s, size_t len) {
    int d[14];
    if (digits_by_mask(s, len, 14, "##.###.###/####-##", d) != 14 || all_same(d, 14))
        return 0;
    return cnpj_digit(d, 12) == d[12] && cnpj_digit(d, 13) == d[13];
}

/* ---- cards ---- */

int vg_pii_card_ok(const char *s, size_t len) {
    size_t nd = 0;
    char sep = 0;
    for (size_t i = 0; i < len; i++) {
        if (is_digit(s[i])) {
            nd++;
            continue;
        }
        if (s[i] != ' ' && s[i] != '-')
            return 0;
        /* a separator sits between two digits and is the only kind used */
        if (i == 0 || i + 1 >= len || !is_digit(s[i - 1]) || !is_digit(s[i + 1]))
            return 0;
        if (sep && s[i] != sep)
            return 0;
        sep = s[i];
    }
    /* issuers' major industry identifiers 2-6 (Mastercard 2-series, Amex/Diners 3, Visa 4,
     * Mastercard 5, Discover/UnionPay 6): cuts Luhn's 1-in-10 false positives on ids */
    if (nd < 13 || nd > 19 || s[0] < '2' || s[0] > '6')
        return 0;
    return vg_pii_luhn_ok(s, len);
}

/* ---- IBAN ---- */

/* ISO 13616 registry lengths (SWIFT IBAN registry) of the countries vigia knows. */
static const struct {
    char cc[3];
    unsigned char len;
} iban_countries[] = {
    {"AD", 24}, {"AE", 23}, {"AL", 28}, {"AT", 20}, {"AZ", 28}, {"BA", 20}, {"BE", 16}, {"BG", 22},
    {"BH", 22}, {"BR", 29}, {"CH", 21}, {"CR", 22}, {"CY", 28}, {"CZ", 24}, {"DE", 22}, {"DK", 18},
    {"DO", 28}, {"EE", 20}, {"ES", 24}, {"FI", 18}, {"FO", 18}, {"FR", 27}, {"GB", 22}, {"GE", 22},
    {"GI", 23}, {"GL", 18}, {"GR", 27}, {"GT", 28}, {"HR", 21}, {"HU", 28}, {"IE", 22}, {"IL", 23},
    {"IS", 26}, {"IT", 27}, {"JO", 30}, {"KW", 30}, {"KZ", 20}, {"LB", 28}, {"LI", 21}, {"LT", 20},
    {"LU", 20}, {"LV", 21}, {"MC", 27}, {"MD", 24}, {"ME", 22}, {"MK", 19}, {"MR", 27}, {"MT", 31},
    {"MU", 30}, {"NL", 18}, {"NO", 15}, {"PK", 24}, {"PL", 28}, {"PS", 29}, {"PT", 25}, {"QA", 29},
    {"RO", 24}, {"RS", 22}, {"SA", 24}, {"SE", 24}, {"SI", 19}, {"SK", 24}, {"SM", 27}, {"TN", 24},
    {"TR", 26}, {"UA", 29}, {"VG", 24}, {"XK", 20},
};

static size_t iban_length(char a, char b) {
    for (size_t i = 0; i < sizeof iban_countries / sizeof iban_countries[0]; i++)
        if (iban_countries[i].cc[0] == a && iban_countries[i].cc[1] == b)
            return iban_countries[i].len;
    return 0;
}

/* Collects the IBAN starting at s[0]: want alnum characters, single spaces allowed between
 * them. Returns the bytes used (0 if fewer) and fills c (compact form). */
static size_t iban_collect(const char *s, size_t len, size_t want, char *c) {
    size_t i = 0, n = 0;
    while (n < want) {
        if (i < len && s[i] == ' ' && n > 0 && i + 1 < len && s[i + 1] != ' ')
            i++;
        if (i >= len || !(is_upper(s[i]) || is_digit(s[i])))
            return 0;
        c[n++] = s[i++];
    }
    return i;
}

/* mod 97 of the rearranged number (country and check moved to the end, A=10 .. Z=35),
 * folded digit by digit so no big integers are needed (ISO 7064 MOD 97-10). */
static int iban_mod97_ok(const char *c, size_t n) {
    unsigned r = 0;
    for (size_t k = 0; k < n; k++) {
        char ch = c[(k + 4) % n];
        if (is_digit(ch))
            r = (r * 10 + (unsigned)(ch - '0')) % 97;
        else
            r = (r * 100 + (unsigned)(ch - 'A' + 10)) % 97;
    }
    return r == 1;
}

static int iban_prefix(const char *s, size_t len) {
    return len >= 4 && is_upper(s[0]) && is_upper(s[1]) && is_digit(s[2]) && is_digit(s[3]);
}

int vg_pii_iban_ok(const char *s, size_t len) {
    char c[34];
    if (!iban_prefix(s, len))
        return 0;
    size_t want = iban_length(s[0], s[1]);
    return want && iban_collect(s, len, want, c) == len && iban_mod97_ok(c, want);
}

/* ---- e-mail ---- */

/* Local-part characters accepted in free text: RFC 5322 atext restricted to the ones real
 * addresses use; '/', '|', '{' and friends are likelier to be delimiters in running text. */
static int is_local(char c) {
    return is_alnum(c) || c == '.' || c == '_' || c == '%' || c == '+' || c == '-';
}
static int is_domain(char c) {
    return is_alnum(c) || c == '.' || c == '-';
}

static int email_local_ok(const char *s, size_t n) {
    if (n == 0 || n > EMAIL_LOCAL_MAX || s[0] == '.' || s[n - 1] == '.')
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!is_local(s[i]) || (s[i] == '.' && s[i + 1] == '.'))
            return 0;
    return 1;
}

/* labels of 1-63 letters, digits and inner hyphens; at least two; the last all letters, 2+ */
static int email_domain_ok(const char *s, size_t n) {
    if (n == 0 || n > EMAIL_DOMAIN_MAX)
        return 0;
    size_t labels = 0, start = 0;
    for (size_t i = 0; i <= n; i++) {
        if (i < n && s[i] != '.') {
            if (!is_alnum(s[i]) && s[i] != '-')
                return 0;
            continue;
        }
        size_t l = i - start;
        if (l == 0 || l > 63 || s[start] == '-' || s[i - 1] == '-')
            return 0;
        labels++;
        if (i == n) {
            if (l < 2)
                return 0;
            for (size_t k = start; k < n; k++)
                if (!is_alpha(s[k]))
                    return 0;
        }
        start = i + 1;
    }
    return labels >= 2;
}

int vg_pii_email_ok(const char *s, size_t len) {
    const char *at = memchr(s, '@', len);
    if (!at)
        return 0;
    size_t l = (size_t)(at - s);
    return email_local_ok(s, l) && email_domain_ok(at + 1, len - l - 1);
}

/* Next e-mail at or after `from`. The local part is the run of local characters left of an
 * '@' (leading dots dropped, never before `from`); the domain the run of domain characters
 * right of it, trailing dots and hyphens dropped. */
static int find_email(const char *s, size_t len, size_t from, size_t limit, vg_pii_match *m) {
    for (size_t p = from; p < limit; p++) {
        if (s[p] != '@')
            continue;
        size_t a = p;
        while (a > from && p - a <= EMAIL_LOCAL_MAX && is_local(s[a - 1]))
            a--;
        if (p - a > EMAIL_LOCAL_MAX)
            continue; /* the run goes on: too long to be a local part */
        while (a < p && s[a] == '.')
            a++;
        size_t e = p + 1;
        while (e < len && e - p <= EMAIL_DOMAIN_MAX + 1 && is_domain(s[e]))
            e++;
        if (e - p > EMAIL_DOMAIN_MAX + 1)
            continue;
        while (e > p + 1 && (s[e - 1] == '.' || s[e - 1] == '-'))
            e--;
        if (email_local_ok(s + a, p - a) && email_domain_ok(s + p + 1, e - p - 1)) {
            m->kind = VG_PII_EMAIL;
            m->offset = a;
            m->length = e - a;
            return 1;
        }
    }
    return 0;
}

/* ---- phones ---- */

int vg_pii_phone_ok(const char *s, size_t len) {
    size_t i = 0, nd = 0, groups = 0, maxg = 0, ming = (size_t)-1, cur = 0, dots = 0, others = 0;
    size_t g[3] = {0, 0, 0};
    int plus = 0, open = 0, closed = 0;
    char first_sep = 0;
    if (len > 0 && s[0] == '+') {
        plus = 1;
        i = 1;
    }
    if (i >= len)
        return 0;
    for (; i < len; i++) {
        char c = s[i];
        if (is_digit(c)) {
            if (cur == 0) {
                if (groups < 3)
                    g[groups] = 0;
                groups++;
            }
            cur++;
            nd++;
            if (groups <= 3)
                g[groups - 1] = cur;
            if (cur > maxg)
                maxg = cur;
            continue;
        }
        if (cur && cur < ming)
            ming = cur;
        cur = 0;
        if (c == '(') {
            if (open || (nd > 0 && !plus))
                return 0;
            open = 1;
        } else if (c == ')') {
            if (!open || closed || nd == 0)
                return 0;
            closed = 1;
        } else if (c == '.') {
            dots++;
        } else if (c == ' ' || c == '-') {
            others++;
        } else {
            return 0; /* '/' and anything else: dates, fractions, ids */
        }
        if (!first_sep && c != '(' && c != ')')
            first_sep = c;
    }
    if (open != closed || !is_digit(s[len - 1]))
        return 0;
    if (cur < ming)
        ming = cur;
    if (plus)
        return nd >= 8 && nd <= 15 && s[s[1] == '(' ? 2 : 1] != '0';
    /* national: 10-11 digits split in groups of 2 to 5 (a plain integer is no phone, nor a list
     * of small numbers "1 2 3 4 5 6 7 8 9 10"), dots
     * only as the one separator and at least twice (one dot is a decimal) */
    if (nd < 10 || nd > 11 || groups < 2 || maxg > 5 || ming < 2)
        return 0;
    if (dots && (others || dots < 2 || open))
        return 0;
    /* dates followed by more digits: 2024-01-15 10, 15-01-2024 10 */
    if (groups >= 3 && first_sep != ' ' &&
        ((g[0] == 4 && g[1] == 2 && g[2] == 2) || (g[0] == 2 && g[1] == 2 && g[2] == 4)))
        return 0;
    return 1;
}

/* ---- numbers ---- */

static vg_pii_kind classify_number(const char *s, size_t len, int *ok) {
    *ok = 1;
    if (vg_pii_cnpj_ok(s, len))
        return VG_PII_CNPJ;
    if (vg_pii_cpf_ok(s, len))
        return VG_PII_CPF;
    if (vg_pii_card_ok(s, len))
        return VG_PII_CARD;
    if (vg_pii_phone_ok(s, len))
        return VG_PII_PHONE;
    *ok = 0;
    return VG_PII_PHONE;
}

static int is_sep(char c) {
    return c == ' ' || c == '-' || c == '.' || c == '/' || c == '(' || c == ')';
}

/* After a digit group ending at e: the start of the next group of the same run (0 if the
 * run ends), the separator being one or two different separator characters; *space says
 * whether the run may be cut there into separate numbers: at a space, or at a character an
 * e-mail local part cannot hold ('(', ')', '/'), so that a number ends the same way whether
 * an address right after it is kept or redacted. */
static size_t next_group(const char *s, size_t len, size_t e, int *space) {
    size_t k = e;
    *space = 0;
    while (k < len && k - e < 2 && is_sep(s[k])) {
        if (k > e && s[k] == s[k - 1])
            return 0;
        if (s[k] == ' ' || s[k] == '(' || s[k] == ')' || s[k] == '/')
            *space = 1;
        k++;
    }
    return k > e && k < len && is_digit(s[k]) ? k : 0;
}

static int blocks_before(char c) {
    return is_alnum(c) || c == '_' || c == '@' || c == '.' || c == '-' || c == '/';
}
/* After a number: anything that could start another number or an e-mail glued to it (a
 * redaction token in its place would otherwise unblock that neighbour). */
static int blocks_after(char c) {
    return is_alnum(c) || c == '_' || c == '@' || c == '%' || c == '+' || c == '-' || c == '(';
}

/* Whether a number starting at `start` would continue a run through a separator without a
 * space ("12)34"): a run is cut into separate numbers only at spaces, so the same text gives
 * the same numbers whatever the scan started from (and whatever a redaction put before it). */
static int mid_run(const char *s, size_t len, size_t from, size_t start) {
    size_t j = start;
    while (j > from && start - j < 2 && is_sep(s[j - 1]))
        j--;
    if (j == start || j <= from || !is_digit(s[j - 1]))
        return 0;
    size_t first = start;
    while (first < len && !is_digit(s[first]))
        first++; /* past the '+' or '(' the span took */
    int space;
    return next_group(s, len, j, &space) == first && !space;
}

static int find_number(const char *s, size_t len, size_t from, size_t limit, vg_pii_match *m) {
    size_t i = from;
    while (i < limit) {
        if (!is_digit(s[i]) || (i > 0 && is_digit(s[i - 1]))) {
            i++;
            continue;
        }
        /* i starts a digit group; the span may take a '+' or '(' just before it */
        size_t start = i;
        if (start > from && (s[start - 1] == '(' || s[start - 1] == '+'))
            start--;
        if (start > from && s[start] == '(' && s[start - 1] == '+')
            start--;
        if ((start > from && blocks_before(s[start - 1])) || mid_run(s, len, from, start)) {
            i++;
            continue;
        }
        size_t ge[NUM_GROUPS_MAX];
        int cut_after[NUM_GROUPS_MAX];
        size_t ng = 0, nd = 0, g = i;
        while (ng < NUM_GROUPS_MAX) {
            size_t e = g;
            while (e < len && is_digit(s[e]) && nd + (e - g) <= NUM_DIGITS_MAX)
                e++;
            if (nd + (e - g) > NUM_DIGITS_MAX || (e < len && is_digit(s[e])))
                break; /* this group would take the number past any detector's length */
            nd += e - g;
            ge[ng] = e;
            int space;
            size_t nx = next_group(s, len, e, &space);
            cut_after[ng++] = nx == 0 || space;
            if (nx == 0)
                break;
            g = nx;
        }
        for (size_t b = ng; b-- > 0;) {
            size_t end = ge[b];
            if (!cut_after[b] || (end < len && blocks_after(s[end])))
                continue;
            int ok;
            vg_pii_kind k = classify_number(s + start, end - start, &ok);
            if (ok) {
                m->kind = k;
                m->offset = start;
                m->length = end - start;
                return 1;
            }
        }
        i++;
    }
    return 0;
}

/* Next IBAN at or after `from`: two capitals and two digits at a word start. */
static int find_iban(const char *s, size_t len, size_t from, size_t limit, vg_pii_match *m) {
    char c[34];
    for (size_t i = from; i < limit && i + 4 <= len; i++) {
        if (!iban_prefix(s + i, len - i) || (i > from && (is_alnum(s[i - 1]) || s[i - 1] == '_')))
            continue;
        size_t want = iban_length(s[i], s[i + 1]);
        if (!want)
            continue;
        size_t used = iban_collect(s + i, len - i, want, c);
        if (!used || (i + used < len && (is_alnum(s[i + used]) || s[i + used] == '_')))
            continue;
        if (iban_mod97_ok(c, want)) {
            m->kind = VG_PII_IBAN;
            m->offset = i;
            m->length = used;
            return 1;
        }
    }
    return 0;
}

/* ---- the merged scan ---- */

enum { F_EMAIL, F_IBAN, F_NUMBER, F_N };

typedef struct scanner {
    const char *s;
    size_t len, pos;
    vg_pii_match next[F_N];
    int state[F_N];   /* 0: to compute, 1: next[] holds a match, 2: no more matches */
    size_t from[F_N]; /* the start next[] was computed from */
} scanner;

static int (*const finders[F_N])(const char *, size_t, size_t, size_t,
                                 vg_pii_match *) = {find_email, find_iban, find_number};

/* How far past its start a finder's start can change its answer: an '@' whose local part
 * reaches back to the start; a number's digits after a '+(' prefix or a two-byte separator;
 * an IBAN right at the start. */
static const size_t probe[F_N] = {EMAIL_LOCAL_MAX + 2, 1, 5};

/* The next match at or after sc->pos: the earliest start wins; on a tie, the finder order
 * (e-mail, IBAN, number) decides, so an address whose local part is digits stays an
 * e-mail. */
static int scanner_next(scanner *sc, vg_pii_match *m) {
    int best = -1;
    for (int f = 0; f < F_N; f++) {
        if (sc->state[f] == 1 && sc->next[f].offset < sc->pos)
            sc->state[f] = 0; /* overlapped by the match just taken: look again */
        if (sc->state[f] == 0) {
            sc->state[f] = finders[f](sc->s, sc->len, sc->pos, sc->len, &sc->next[f]) ? 1 : 2;
        } else if (sc->from[f] < sc->pos) {
            /* The answer was computed from an earlier start, when the bytes before pos were
             * text, not a taken match. A finder treats its start as a boundary (as a redaction
             * token would be), so only candidates anchored within probe[f] bytes of pos can
             * differ: look there again. This keeps the scan linear and its answer equal to a
             * fresh scan of the text after the match, hence of the redacted text. */
            size_t lim = sc->pos + probe[f];
            if (sc->state[f] == 1 && sc->next[f].offset < lim)
                lim = sc->next[f].offset;
            if (lim > sc->len)
                lim = sc->len;
            vg_pii_match m2;
            if (finders[f](sc->s, sc->len, sc->pos, lim, &m2)) {
                sc->next[f] = m2;
                sc->state[f] = 1;
            }
        }
        sc->from[f] = sc->pos;
        if (sc->state[f] == 1 && (best < 0 || sc->next[f].offset < sc->next[best].offset))
            best = f;
    }
    if (best < 0)
        return 0;
    *m = sc->next[best];
    sc->pos = m->offset + m->length;
    sc->state[best] = 0;
    return 1;
}

static void scanner_init(scanner *sc, const char *s, size_t len) {
    memset(sc, 0, sizeof *sc);
    sc->s = s;
    sc->len = len;
}

size_t vg_pii_scan(const char *s, size_t len, vg_pii_match *out, size_t max) {
    scanner sc;
    vg_pii_match m;
    size_t n = 0;
    if (!s)
        return 0;
    scanner_init(&sc, s, len);
    while (scanner_next(&sc, &m)) {
        if (n < max)
            out[n] = m;
        n++;
    }
    return n;
}

/* The token of a match into tok (at least 16 bytes); returns its length. */
static size_t redact_token(const char *s, const vg_pii_match *m, char *tok) {
    static const char *const names[] = {"[EMAIL]", "[PHONE]", "", "[IBAN]", "[CPF]", "[CNPJ]"};
    if (m->kind != VG_PII_CARD) {
        size_t n = strlen(names[m->kind]);
        memcpy(tok, names[m->kind], n);
        return n;
    }
    char last[4];
    size_t k = 4;
    for (size_t i = m->offset + m->length; i-- > m->offset && k > 0;)
        if (is_digit(s[i]))
            last[--k] = s[i];
    memcpy(tok, "[CARD ****", 10);
    memcpy(tok + 10, last, 4);
    tok[14] = ']';
    return 15;
}

int vg_pii_redact(const char *s, size_t len, char *out, size_t cap, size_t *out_len,
                  size_t *n_matches, vg_error *err) {
    if ((!s && len) || (!out && cap))
        return vg_error_set(err, VG_ERR_INVALID, "pii redact: NULL buffer");
    scanner sc;
    vg_pii_match m;
    size_t w = 0, r = 0, n = 0;
    char tok[16];
    scanner_init(&sc, s ? s : "", s ? len : 0);
    for (;;) {
        int more = scanner_next(&sc, &m);
        size_t upto = more ? m.offset : len;
        size_t tl = more ? redact_token(s, &m, tok) : 0;
        if (w + (upto - r) < cap)
            memcpy(out + w, s + r, upto - r);
        w += upto - r;
        if (!more)
            break;
        if (w + tl < cap)
            memcpy(out + w, tok, tl);
        w += tl;
        r = m.offset + m.length;
        n++;
    }
    if (out_len)
        *out_len = w;
    if (n_matches)
        *n_matches = n;
    if (w + 1 > cap)
        return vg_error_set(err, VG_ERR_LIMIT,
                            "pii redact: the redacted text needs %zu bytes, the buffer has %zu",
                            w + 1, cap);
    out[w] = '\0';
    return VG_OK;
}
