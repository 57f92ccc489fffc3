/*
 * Digest protocol codec (RFC 7616, RFC 2617, RFC 2831, RFC 7230, RFC 8187).
 * See digest_codec.h for the rules and limits.  Everything here reads
 * untrusted bytes: no recursion, every loop bounded by the input length,
 * every copy bounded by a limit checked first.
 */
#include "digest_codec.h"

#include <stdlib.h>
#include <string.h>

/* ================================================================ helpers */

const char *digest_status_str(digest_status st)
{
    switch (st) {
    case DIGEST_OK: return "success";
    case DIGEST_ERR_NOMEM: return "out of memory";
    case DIGEST_ERR_INVALID_ARG: return "invalid argument";
    case DIGEST_ERR_EMPTY: return "empty input";
    case DIGEST_ERR_SYNTAX: return "syntax error";
    case DIGEST_ERR_UNTERMINATED: return "unterminated quoted-string";
    case DIGEST_ERR_BAD_CHAR: return "character not allowed";
    case DIGEST_ERR_JUNK: return "unexpected data between directives";
    case DIGEST_ERR_DUPLICATE: return "duplicate directive";
    case DIGEST_ERR_TOO_LONG: return "value too long";
    case DIGEST_ERR_TOO_MANY: return "too many elements";
    case DIGEST_ERR_MISSING: return "required directive missing";
    case DIGEST_ERR_BAD_VALUE: return "invalid directive value";
    case DIGEST_ERR_WRONG_FORM: return "token / quoted-string form not allowed";
    case DIGEST_ERR_NOT_DIGEST: return "not a Digest message";
    case DIGEST_ERR_UNSUPPORTED: return "unsupported value";
    case DIGEST_ERR_BAD_ENCODING: return "bad character encoding";
    case DIGEST_ERR_CRYPTO: return "cryptographic library failure";
    case DIGEST_ERR_AUTH_FAILED: return "authentication failed";
    case DIGEST_ERR_BAD_MAC: return "message integrity check failed";
    case DIGEST_ERR_SEQUENCE: return "wrong sequence number";
    case DIGEST_ERR_STATE: return "invalid state";
    }
    return "unknown status";
}

static int lc(int c)
{
    return (c >= 'A' && c <= 'Z') ? c + ('a' - 'A') : c;
}

/* ASCII case-insensitive equality of a counted string and a C string. */
static int ci_eq(const char *a, size_t an, const char *b)
{
    size_t i;
    for (i = 0; i < an; i++) {
        if (b[i] == '\0' || lc((unsigned char)a[i]) != lc((unsigned char)b[i]))
            return 0;
    }
    return b[an] == '\0';
}

/* RFC 7230 3.2.6 tchar (same set as RFC 2616 2.2 token). */
static int is_tchar(unsigned char c)
{
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
        return 1;
    switch (c) {
    case '!': case '#': case '$': case '%': case '&': case '\'': case '*': case '+':
    case '-': case '.': case '^': case '_': case '`': case '|': case '~':
        return 1;
    default:
        return 0;
    }
}

/* RFC 7230 3.2.6 qdtext. */
static int is_qdtext(unsigned char c)
{
    return c == '\t' || c == ' ' || c == 0x21 || (c >= 0x23 && c <= 0x5b) ||
           (c >= 0x5d && c <= 0x7e) || c >= 0x80;
}

/* RFC 7230 3.2.6 quoted-pair: "\" ( HTAB / SP / VCHAR / obs-text ). */
static int is_qpair_char(unsigned char c)
{
    return c == '\t' || c == ' ' || (c >= 0x21 && c <= 0x7e) || c >= 0x80;
}

/* RFC 7235 2.1 token68 characters (without the trailing '='). */
static int is_token68_char(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '-' || c == '.' || c == '_' || c == '~' || c == '+' || c == '/';
}

static int is_hex(unsigned char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static unsigned hexval(unsigned char c)
{
    if (c >= '0' && c <= '9') return (unsigned)(c - '0');
    if (c >= 'a' && c <= 'f') return (unsigned)(c - 'a' + 10);
    return (unsigned)(c - 'A' + 10);
}

static int is_token_str(const char *s, size_t n)
{
    size_t i;
    if (n == 0)
        return 0;
    for (i = 0; i < n; i++)
        if (!is_tchar((unsigned char)s[i]))
            return 0;
    return 1;
}

static char *dupn(const char *s, size_t n)
{
    char *p = malloc(n + 1);
    if (p) {
        memcpy(p, s, n);
        p[n] = '\0';
    }
    return p;
}

/* bounded_len() without relying on POSIX in strict C11. */
static size_t bounded_len(const char *s, size_t max)
{
    size_t n = 0;
    while (n < max && s[n] != '\0')
        n++;
    return n;
}

static int streq_null(const char *a, const char *b)
{
    if (!a || !b)
        return a == b;
    return strcmp(a, b) == 0;
}

/* ---------------------------------------------------------------- names */

static const char *const alg_names[] = {
    NULL, "MD5", "MD5-sess", "SHA-256", "SHA-256-sess", "SHA-512-256", "SHA-512-256-sess",
};

const char *digest_alg_name(digest_alg alg)
{
    if (alg == DIGEST_ALG_UNSPECIFIED)
        return "MD5";
    if ((int)alg > 0 && (int)alg < (int)DIGEST_ALG_UNKNOWN)
        return alg_names[alg];
    return NULL;
}

/* RFC 7616 3.3 / 6.1: the algorithm names, compared case-insensitively. */
digest_alg digest_alg_from_name(const char *name, size_t len)
{
    int a;
    if (!name)
        return DIGEST_ALG_UNKNOWN;
    for (a = DIGEST_ALG_MD5; a < DIGEST_ALG_UNKNOWN; a++)
        if (ci_eq(name, len, alg_names[a]))
            return (digest_alg)a;
    return DIGEST_ALG_UNKNOWN;
}

const char *digest_qop_name(unsigned qop_bit)
{
    switch (qop_bit) {
    case DIGEST_QOP_AUTH: return "auth";
    case DIGEST_QOP_AUTH_INT: return "auth-int";
    case DIGEST_QOP_AUTH_CONF: return "auth-conf";
    default: return NULL;
    }
}

static const struct {
    unsigned bit;
    const char *name;
} cipher_names[] = {
    /* serialisation order: strongest first, as Windows offers them */
    {DIGEST_CIPHER_3DES, "3des"},     {DIGEST_CIPHER_RC4, "rc4"},
    {DIGEST_CIPHER_DES, "des"},       {DIGEST_CIPHER_RC4_56, "rc4-56"},
    {DIGEST_CIPHER_RC4_40, "rc4-40"},
};
#define N_CIPHERS (sizeof(cipher_names) / sizeof(cipher_names[0]))

const char *digest_cipher_name(unsigned cipher_bit)
{
    size_t i;
    for (i = 0; i < N_CIPHERS; i++)
        if (cipher_names[i].bit == cipher_bit)
            return cipher_names[i].name;
    return NULL;
}

static unsigned cipher_from_name(const char *s, size_t n)
{
    size_t i;
    for (i = 0; i < N_CIPHERS; i++)
        if (ci_eq(s, n, cipher_names[i].name))
            return cipher_names[i].bit;
    return 0;
}

static unsigned qop_from_name(const char *s, size_t n, int sasl)
{
    if (ci_eq(s, n, "auth"))
        return DIGEST_QOP_AUTH;
    if (ci_eq(s, n, "auth-int"))
        return DIGEST_QOP_AUTH_INT;
    if (sasl && ci_eq(s, n, "auth-conf"))
        return DIGEST_QOP_AUTH_CONF;
    return 0;
}

/* ================================================================ lexer */

typedef struct lexer {
    const unsigned char *s;
    size_t n;
    size_t i;
    int fold;   /* SASL: accept CRLF 1*(SP / HTAB) as whitespace (RFC 2831 1.1) */
} lexer;

/* A parsed auth-param: spans into the input. */
typedef struct dparam {
    size_t name, nlen;
    size_t val, vlen;   /* inside the quotes when quoted */
    int quoted;
} dparam;

static int lx_eof(const lexer *l)
{
    return l->i >= l->n;
}

static int lx_peek(const lexer *l)
{
    return l->i < l->n ? l->s[l->i] : -1;
}

/* OWS (RFC 7230 3.2.3), or LWS for SASL. */
static void lx_ows(lexer *l)
{
    while (l->i < l->n) {
        unsigned char c = l->s[l->i];
        if (c == ' ' || c == '\t') {
            l->i++;
        } else if (l->fold && c == '\r' && l->i + 2 < l->n && l->s[l->i + 1] == '\n' &&
                   (l->s[l->i + 2] == ' ' || l->s[l->i + 2] == '\t')) {
            l->i += 3;
        } else {
            break;
        }
    }
}

static size_t lx_token(lexer *l)
{
    size_t start = l->i;
    while (l->i < l->n && is_tchar(l->s[l->i]))
        l->i++;
    return l->i - start;
}

/* quoted-string (RFC 7230 3.2.6); at entry s[i] == '"'.  Leaves i after the
 * closing quote and the raw content span in *start / *len. */
static digest_status lx_quoted(lexer *l, size_t *start, size_t *len)
{
    l->i++;
    *start = l->i;
    while (l->i < l->n) {
        unsigned char c = l->s[l->i];
        if (c == '"') {
            *len = l->i - *start;
            l->i++;
            return DIGEST_OK;
        }
        if (c == '\\') {
            if (l->i + 1 >= l->n)
                return DIGEST_ERR_UNTERMINATED;
            if (!is_qpair_char(l->s[l->i + 1])) {
                l->i++;
                return DIGEST_ERR_BAD_CHAR;
            }
            l->i += 2;
            continue;
        }
        if (!is_qdtext(c))
            return DIGEST_ERR_BAD_CHAR;
        l->i++;
    }
    return DIGEST_ERR_UNTERMINATED;
}

/* What is wrong at the cursor when a token was due. */
static digest_status lx_bad_here(const lexer *l)
{
    unsigned char c;
    if (lx_eof(l))
        return DIGEST_ERR_SYNTAX;
    c = l->s[l->i];
    return (c < 0x20 || c >= 0x7f) ? DIGEST_ERR_BAD_CHAR : DIGEST_ERR_SYNTAX;
}

/* auth-param = token BWS "=" BWS ( token / quoted-string )  (RFC 7235 2.1) */
static digest_status lx_param(lexer *l, dparam *p)
{
    size_t k;
    p->name = l->i;
    k = lx_token(l);
    if (k == 0)
        return lx_bad_here(l);
    if (k > DIGEST_MAX_NAME) {
        l->i = p->name;
        return DIGEST_ERR_TOO_LONG;
    }
    p->nlen = k;
    lx_ows(l);
    if (lx_peek(l) != '=')
        return DIGEST_ERR_SYNTAX;
    l->i++;
    lx_ows(l);
    if (lx_peek(l) == '"') {
        p->quoted = 1;
        return lx_quoted(l, &p->val, &p->vlen);
    }
    p->quoted = 0;
    p->val = l->i;
    p->vlen = lx_token(l);
    if (p->vlen == 0)
        return lx_bad_here(l);
    return DIGEST_OK;
}

/* Is "token68 [OWS] (',' / end)" at the cursor?  RFC 7235 2.1. */
static int lx_at_token68(const lexer *l)
{
    lexer t = *l;
    size_t k = 0;
    while (t.i < t.n && is_token68_char(t.s[t.i])) {
        t.i++;
        k++;
    }
    if (k == 0)
        return 0;
    while (t.i < t.n && t.s[t.i] == '=')
        t.i++;
    lx_ows(&t);
    return lx_eof(&t) || t.s[t.i] == ',';
}

static void lx_skip_token68(lexer *l)
{
    while (l->i < l->n && is_token68_char(l->s[l->i]))
        l->i++;
    while (l->i < l->n && l->s[l->i] == '=')
        l->i++;
}

/* Is "token BWS '='" at the cursor (the start of an auth-param)? */
static int lx_at_param(const lexer *l)
{
    lexer t = *l;
    if (lx_token(&t) == 0)
        return 0;
    lx_ows(&t);
    return lx_peek(&t) == '=';
}

static digest_status check_input(const char *buf, size_t len, size_t max)
{
    if (!buf && len)
        return DIGEST_ERR_INVALID_ARG;
    if (len > max)
        return DIGEST_ERR_TOO_LONG;
    if (len && memchr(buf, '\0', len))
        return DIGEST_ERR_BAD_CHAR;
    return DIGEST_OK;
}

/*
 * A comma-separated list of auth-params (RFC 7230 7 #rule), optionally
 * preceded by an auth-scheme when allow_scheme is set; the scheme, if any,
 * must be "Digest".
 */
static digest_status parse_params(lexer *l, int allow_scheme, dparam *ps, size_t *np,
                                  size_t *erroff)
{
    size_t empties = 0;
    digest_status st;

    *np = 0;
    lx_ows(l);
    if (lx_eof(l))
        return DIGEST_ERR_EMPTY;
    if (allow_scheme) {
        lexer t = *l;
        size_t s0 = t.i, k = lx_token(&t);
        int c = lx_peek(&t);
        if (k > 0 && (c == -1 || c == ' ' || c == '\t')) {
            lx_ows(&t);
            if (lx_peek(&t) != '=') {
                if (!ci_eq((const char *)l->s + s0, k, "Digest")) {
                    *erroff = s0;
                    return DIGEST_ERR_NOT_DIGEST;
                }
                *l = t;
            }
        }
    }
    for (;;) {
        lx_ows(l);
        if (lx_eof(l))
            break;
        if (lx_peek(l) == ',') {
            if (++empties > DIGEST_MAX_EMPTY) {
                *erroff = l->i;
                return DIGEST_ERR_TOO_MANY;
            }
            l->i++;
            continue;
        }
        if (*np >= DIGEST_MAX_DIRECTIVES) {
            *erroff = l->i;
            return DIGEST_ERR_TOO_MANY;
        }
        st = lx_param(l, &ps[*np]);
        if (st != DIGEST_OK) {
            *erroff = l->i;
            return st;
        }
        (*np)++;
        lx_ows(l);
        if (lx_eof(l))
            break;
        if (lx_peek(l) != ',') {
            *erroff = l->i;
            return DIGEST_ERR_JUNK;
        }
        l->i++;
    }
    if (*np == 0)
        return DIGEST_ERR_EMPTY;
    return DIGEST_OK;
}

/* ================================================================ values */

enum { FORM_Q, FORM_T };

struct ddef {
    const char *name;
    int form;
};

static int lookup(const struct ddef *tab, size_t ntab, const lexer *l, const dparam *p)
{
    size_t i;
    for (i = 0; i < ntab; i++)
        if (ci_eq((const char *)l->s + p->name, p->nlen, tab[i].name))
            return (int)i;
    return -1;
}

/* Unescape a validated quoted-string body.  username_rule: a backslash not
 * followed by '"' or '\' is literal (Windows DOMAIN\user, see header). */
static size_t unescape(const unsigned char *src, size_t n, int username_rule, char *dst)
{
    size_t i, o = 0;
    for (i = 0; i < n; i++) {
        unsigned char c = src[i];
        if (c == '\\' && i + 1 < n) {
            unsigned char d = src[i + 1];
            if (!username_rule || d == '"' || d == '\\') {
                dst[o++] = (char)d;
                i++;
                continue;
            }
        }
        dst[o++] = (char)c;
    }
    return o;
}

/* The value of p as a malloc'ed string of at most max octets. */
static digest_status val_dup(const lexer *l, const dparam *p, int username_rule, size_t max,
                             char **out, size_t *outlen)
{
    char *v;
    size_t n;
    if (!p->quoted) {
        if (p->vlen > max)
            return DIGEST_ERR_TOO_LONG;
        v = dupn((const char *)l->s + p->val, p->vlen);
        n = p->vlen;
    } else {
        v = malloc(p->vlen + 1);
        if (!v)
            return DIGEST_ERR_NOMEM;
        n = unescape(l->s + p->val, p->vlen, username_rule, v);
        v[n] = '\0';
        if (n > max) {
            free(v);
            return DIGEST_ERR_TOO_LONG;
        }
    }
    if (!v)
        return DIGEST_ERR_NOMEM;
    *out = v;
    if (outlen)
        *outlen = n;
    return DIGEST_OK;
}

/* The value of p into buf (bufsz includes the NUL), unescaped, bounded. */
static digest_status val_small(const lexer *l, const dparam *p, char *buf, size_t bufsz,
                               size_t *len)
{
    size_t i, o = 0;
    for (i = 0; i < p->vlen; i++) {
        unsigned char c = l->s[p->val + i];
        if (p->quoted && c == '\\' && i + 1 < p->vlen)
            c = l->s[p->val + ++i];
        if (o + 1 >= bufsz)
            return DIGEST_ERR_TOO_LONG;
        buf[o++] = (char)c;
    }
    buf[o] = '\0';
    *len = o;
    return DIGEST_OK;
}

/* A token-valued directive: its content must be a token whichever the form. */
static digest_status val_token(const lexer *l, const dparam *p, char *buf, size_t bufsz,
                               size_t *len)
{
    digest_status st = val_small(l, p, buf, bufsz, len);
    if (st != DIGEST_OK)
        return st;
    if (!is_token_str(buf, *len))
        return DIGEST_ERR_BAD_VALUE;
    return DIGEST_OK;
}

/* nc-value = 8LHEX (RFC 7616 3.4, RFC 2831 2.1.2.1); both cases accepted. */
static digest_status val_nc(const lexer *l, const dparam *p, char nc[9], uint32_t *value)
{
    char buf[DIGEST_MAX_TOKEN + 1];
    size_t n, i;
    uint32_t v = 0;
    digest_status st = val_small(l, p, buf, sizeof(buf), &n);
    if (st == DIGEST_ERR_TOO_LONG)
        return DIGEST_ERR_BAD_VALUE;
    if (st != DIGEST_OK)
        return st;
    if (n != 8)
        return DIGEST_ERR_BAD_VALUE;
    for (i = 0; i < 8; i++) {
        if (!is_hex((unsigned char)buf[i]))
            return DIGEST_ERR_BAD_VALUE;
        v = (v << 4) | hexval((unsigned char)buf[i]);
    }
    memcpy(nc, buf, 9);
    *value = v;
    return DIGEST_OK;
}

/* A hex digest value of exactly want digits (or 1..DIGEST_MAX_HEX if 0). */
static digest_status val_hex(const lexer *l, const dparam *p, size_t want, char *out,
                             size_t outsz)
{
    size_t n, i;
    digest_status st = val_small(l, p, out, outsz, &n);
    if (st == DIGEST_ERR_TOO_LONG)
        return DIGEST_ERR_BAD_VALUE;
    if (st != DIGEST_OK)
        return st;
    if (n == 0 || (want && n != want) || (n & 1u))
        return DIGEST_ERR_BAD_VALUE;
    for (i = 0; i < n; i++)
        if (!is_hex((unsigned char)out[i]))
            return DIGEST_ERR_BAD_VALUE;
    return DIGEST_OK;
}

/* "true" / "false", case-insensitive.  Lenient: anything else is false
 * (RFC 2617 3.2.1 for stale); strict: DIGEST_ERR_BAD_VALUE. */
static digest_status val_bool(const lexer *l, const dparam *p, unsigned flags, int *out)
{
    char buf[DIGEST_MAX_TOKEN + 1];
    size_t n;
    digest_status st = val_token(l, p, buf, sizeof(buf), &n);
    if (st != DIGEST_OK)
        return st;
    if (ci_eq(buf, n, "true")) {
        *out = 1;
    } else if (ci_eq(buf, n, "false") || !(flags & DIGEST_PARSE_STRICT)) {
        *out = 0;
    } else {
        return DIGEST_ERR_BAD_VALUE;
    }
    return DIGEST_OK;
}

/* A list of tokens inside one value (qop-options, cipher-opts): unknown
 * elements ignored, empty elements tolerated, at most DIGEST_MAX_LIST_ITEMS. */
static digest_status val_list(const lexer *l, const dparam *p, int is_cipher, int sasl,
                              unsigned *mask)
{
    char buf[DIGEST_MAX_LIST + 1];
    size_t n, i = 0, items = 0;
    digest_status st = val_small(l, p, buf, sizeof(buf), &n);
    if (st != DIGEST_OK)
        return st;
    *mask = 0;
    while (i < n) {
        size_t s0, e;
        while (i < n && (buf[i] == ' ' || buf[i] == '\t'))
            i++;
        s0 = i;
        while (i < n && buf[i] != ',')
            i++;
        e = i;
        while (e > s0 && (buf[e - 1] == ' ' || buf[e - 1] == '\t'))
            e--;
        if (++items > DIGEST_MAX_LIST_ITEMS)
            return DIGEST_ERR_TOO_MANY;
        if (e > s0) {
            if (!is_token_str(buf + s0, e - s0))
                return DIGEST_ERR_BAD_VALUE;
            *mask |= is_cipher ? cipher_from_name(buf + s0, e - s0)
                               : qop_from_name(buf + s0, e - s0, sasl);
        }
        if (i < n)
            i++; /* the comma */
    }
    return DIGEST_OK;
}

/* Decimal maxbuf, 17..16777215 (draft-ietf-sasl-rfc2831bis, GNU SASL and
 * Cyrus SASL all enforce this range; RFC 2831 2.1.1 defaults it to 65536). */
static digest_status val_maxbuf(const lexer *l, const dparam *p, uint32_t *out)
{
    char buf[DIGEST_MAX_TOKEN + 1];
    size_t n, i;
    uint32_t v = 0;
    digest_status st = val_small(l, p, buf, sizeof(buf), &n);
    if (st == DIGEST_ERR_TOO_LONG)
        return DIGEST_ERR_BAD_VALUE;
    if (st != DIGEST_OK)
        return st;
    if (n == 0 || n > 8)
        return DIGEST_ERR_BAD_VALUE;
    for (i = 0; i < n; i++) {
        if (buf[i] < '0' || buf[i] > '9')
            return DIGEST_ERR_BAD_VALUE;
        v = v * 10 + (uint32_t)(buf[i] - '0');
    }
    if (v < 17 || v > 16777215u)
        return DIGEST_ERR_BAD_VALUE;
    *out = v;
    return DIGEST_OK;
}

/* --------------------------------------------------- RFC 8187 ext-value */

static int is_attr_char(unsigned char c)
{
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
        return 1;
    switch (c) {
    case '!': case '#': case '$': case '&': case '+': case '-': case '.': case '^':
    case '_': case '`': case '|': case '~':
        return 1;
    default:
        return 0;
    }
}

/* Strict UTF-8 (RFC 3629): no overlongs, no surrogates, <= U+10FFFF.
 * *max_cp gets the largest code point. */
int digest_utf8_scan(const unsigned char *s, size_t n, uint32_t *max_cp)
{
    size_t i = 0;
    *max_cp = 0;
    while (i < n) {
        unsigned char c = s[i];
        size_t k, need;
        uint32_t cp;
        if (c < 0x80) {
            need = 0;
            cp = c;
        } else if (c >= 0xc2 && c <= 0xdf) {
            need = 1;
            cp = c & 0x1fu;
        } else if (c >= 0xe0 && c <= 0xef) {
            need = 2;
            cp = c & 0x0fu;
        } else if (c >= 0xf0 && c <= 0xf4) {
            need = 3;
            cp = c & 0x07u;
        } else {
            return 0;
        }
        if (n - i <= need)
            return 0;
        for (k = 1; k <= need; k++) {
            if ((s[i + k] & 0xc0u) != 0x80u)
                return 0;
            cp = (cp << 6) | (s[i + k] & 0x3fu);
        }
        if ((need == 2 && cp < 0x800) || (need == 3 && (cp < 0x10000 || cp > 0x10ffff)) ||
            (cp >= 0xd800 && cp <= 0xdfff))
            return 0;
        if (cp > *max_cp)
            *max_cp = cp;
        i += need + 1;
    }
    return 1;
}

static int utf8_valid(const unsigned char *s, size_t n)
{
    uint32_t max_cp;
    return digest_utf8_scan(s, n, &max_cp);
}

/* ext-value = charset "'" [ language ] "'" value-chars (RFC 8187 3.2.1);
 * charset UTF-8 or ISO-8859-1 (converted to UTF-8). */
static digest_status decode_ext_value(const char *s, size_t n, char **out)
{
    size_t q1, q2, i, o = 0;
    int latin1;
    unsigned char raw[DIGEST_MAX_USERNAME];
    char *res;

    for (q1 = 0; q1 < n && s[q1] != '\''; q1++)
        ;
    if (q1 == n)
        return DIGEST_ERR_BAD_ENCODING;
    if (ci_eq(s, q1, "UTF-8"))
        latin1 = 0;
    else if (ci_eq(s, q1, "ISO-8859-1"))
        latin1 = 1;
    else
        return DIGEST_ERR_BAD_ENCODING;
    for (q2 = q1 + 1; q2 < n && s[q2] != '\''; q2++) {
        unsigned char c = (unsigned char)s[q2];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-'))
            return DIGEST_ERR_BAD_ENCODING;
    }
    if (q2 == n || q2 - q1 - 1 > 35)
        return DIGEST_ERR_BAD_ENCODING;
    for (i = q2 + 1; i < n; i++) {
        unsigned char c = (unsigned char)s[i], b;
        if (c == '%') {
            if (n - i < 3 || !is_hex((unsigned char)s[i + 1]) || !is_hex((unsigned char)s[i + 2]))
                return DIGEST_ERR_BAD_ENCODING;
            b = (unsigned char)(hexval((unsigned char)s[i + 1]) << 4 |
                                hexval((unsigned char)s[i + 2]));
            i += 2;
        } else if (is_attr_char(c)) {
            b = c;
        } else {
            return DIGEST_ERR_BAD_ENCODING;
        }
        if (b == 0)
            return DIGEST_ERR_BAD_ENCODING;
        if (o >= sizeof(raw))
            return DIGEST_ERR_TOO_LONG;
        raw[o++] = b;
    }
    if (!latin1) {
        if (!utf8_valid(raw, o))
            return DIGEST_ERR_BAD_ENCODING;
        res = dupn((const char *)raw, o);
        if (!res)
            return DIGEST_ERR_NOMEM;
    } else {
        size_t k, m = 0;
        for (k = 0; k < o; k++)
            m += raw[k] >= 0x80 ? 2 : 1;
        if (m > DIGEST_MAX_USERNAME)
            return DIGEST_ERR_TOO_LONG;
        res = malloc(m + 1);
        if (!res)
            return DIGEST_ERR_NOMEM;
        m = 0;
        for (k = 0; k < o; k++) {
            if (raw[k] >= 0x80) {
                res[m++] = (char)(0xc0 | (raw[k] >> 6));
                res[m++] = (char)(0x80 | (raw[k] & 0x3f));
            } else {
                res[m++] = (char)raw[k];
            }
        }
        res[m] = '\0';
    }
    *out = res;
    return DIGEST_OK;
}

/* ========================================================= HTTP challenge */

enum { HC_REALM, HC_DOMAIN, HC_NONCE, HC_OPAQUE, HC_STALE, HC_ALGORITHM, HC_QOP, HC_CHARSET,
       HC_USERHASH, HC_COUNT };
static const struct ddef hc_defs[HC_COUNT] = {
    {"realm", FORM_Q},  {"domain", FORM_Q}, {"nonce", FORM_Q},   {"opaque", FORM_Q},
    {"stale", FORM_T},  {"algorithm", FORM_T}, {"qop", FORM_Q},  {"charset", FORM_T},
    {"userhash", FORM_T},
};

static void challenge_clear(digest_http_challenge *c)
{
    free(c->realm);
    free(c->domain);
    free(c->nonce);
    free(c->opaque);
    free(c->algorithm_token);
    memset(c, 0, sizeof(*c));
}

/* Form check (DIGEST_PARSE_STRICT) common to all messages. */
static digest_status check_form(const struct ddef *d, const dparam *p, unsigned flags)
{
    if (!(flags & DIGEST_PARSE_STRICT))
        return DIGEST_OK;
    if ((d->form == FORM_Q) != (p->quoted != 0))
        return DIGEST_ERR_WRONG_FORM;
    return DIGEST_OK;
}

static digest_status val_alg(const lexer *l, const dparam *p, digest_alg *alg, char **token)
{
    char buf[DIGEST_MAX_TOKEN + 1];
    size_t n;
    digest_status st = val_token(l, p, buf, sizeof(buf), &n);
    if (st != DIGEST_OK)
        return st;
    *alg = digest_alg_from_name(buf, n);
    if (*alg == DIGEST_ALG_UNKNOWN) {
        *token = dupn(buf, n);
        if (!*token)
            return DIGEST_ERR_NOMEM;
    }
    return DIGEST_OK;
}

/* RFC 7616 3.3 */
static digest_status challenge_from_params(const lexer *l, const dparam *ps, size_t np,
                                           unsigned flags, digest_http_challenge *c,
                                           size_t *erroff)
{
    unsigned seen = 0;
    size_t i;
    digest_status st = DIGEST_OK;

    memset(c, 0, sizeof(*c));
    for (i = 0; i < np; i++) {
        const dparam *p = &ps[i];
        char buf[DIGEST_MAX_TOKEN + 1];
        size_t n;
        int id = lookup(hc_defs, HC_COUNT, l, p);
        if (id < 0)
            continue; /* RFC 7616 3.3: unknown directives are ignored */
        *erroff = p->name;
        if (seen & (1u << id)) {
            st = DIGEST_ERR_DUPLICATE; /* RFC 7235 2.1 */
            goto fail;
        }
        seen |= 1u << id;
        st = check_form(&hc_defs[id], p, flags);
        if (st != DIGEST_OK)
            goto fail;
        *erroff = p->val;
        switch (id) {
        case HC_REALM:
            st = val_dup(l, p, 0, DIGEST_MAX_REALM, &c->realm, NULL);
            break;
        case HC_DOMAIN:
            st = val_dup(l, p, 0, DIGEST_MAX_URI, &c->domain, NULL);
            break;
        case HC_NONCE:
            st = val_dup(l, p, 0, DIGEST_MAX_NONCE, &c->nonce, NULL);
            break;
        case HC_OPAQUE:
            st = val_dup(l, p, 0, DIGEST_MAX_NONCE, &c->opaque, NULL);
            break;
        case HC_STALE:
            st = val_bool(l, p, flags, &c->stale);
            break;
        case HC_ALGORITHM:
            st = val_alg(l, p, &c->algorithm, &c->algorithm_token);
            break;
        case HC_QOP:
            c->qop_present = 1;
            st = val_list(l, p, 0, 0, &c->qop);
            break;
        case HC_CHARSET:
            /* RFC 7616 3.3: "The only allowed value is 'UTF-8'" */
            st = val_token(l, p, buf, sizeof(buf), &n);
            if (st == DIGEST_OK) {
                if (ci_eq(buf, n, "UTF-8"))
                    c->charset_utf8 = 1;
                else if (flags & DIGEST_PARSE_STRICT)
                    st = DIGEST_ERR_BAD_VALUE;
            }
            break;
        case HC_USERHASH:
            st = val_bool(l, p, flags, &c->userhash);
            break;
        default:
            break;
        }
        if (st != DIGEST_OK)
            goto fail;
    }
    if (!(seen & (1u << HC_REALM)) || !(seen & (1u << HC_NONCE))) {
        st = DIGEST_ERR_MISSING;
        goto fail;
    }
    return DIGEST_OK;
fail:
    challenge_clear(c);
    return st;
}

static digest_status list_append(digest_http_challenge_list *list, digest_http_challenge *c)
{
    digest_http_challenge *items =
        realloc(list->items, (list->count + 1) * sizeof(*list->items));
    if (!items)
        return DIGEST_ERR_NOMEM;
    list->items = items;
    list->items[list->count++] = *c;
    return DIGEST_OK;
}

/* One header value: 1#challenge (RFC 7235 4.1). */
static digest_status parse_challenge_value(lexer *l, unsigned flags,
                                           digest_http_challenge_list *list,
                                           size_t *total, size_t *erroff)
{
    size_t empties = 0, seen_any = 0;
    digest_status st;

    for (;;) {
        dparam ps[DIGEST_MAX_DIRECTIVES];
        size_t np = 0, s0, k;
        int is_digest, c, at_next = 0;

        lx_ows(l);
        if (lx_eof(l))
            break;
        if (lx_peek(l) == ',') {
            if (++empties > DIGEST_MAX_EMPTY) {
                *erroff = l->i;
                return DIGEST_ERR_TOO_MANY;
            }
            l->i++;
            continue;
        }
        s0 = l->i;
        k = lx_token(l);
        if (k == 0) {
            *erroff = l->i;
            return lx_bad_here(l);
        }
        if (k > DIGEST_MAX_NAME) {
            *erroff = s0;
            return DIGEST_ERR_TOO_LONG;
        }
        if (++*total > DIGEST_MAX_CHALLENGES) {
            *erroff = s0;
            return DIGEST_ERR_TOO_MANY;
        }
        seen_any = 1;
        is_digest = ci_eq((const char *)l->s + s0, k, "Digest");
        c = lx_peek(l);
        if (c == ' ' || c == '\t') {
            lx_ows(l);
            c = lx_peek(l);
            if (c == '=') {  /* an auth-param where a scheme was due */
                *erroff = s0;
                return DIGEST_ERR_SYNTAX;
            }
            if (c != -1 && c != ',') {
                if (lx_at_token68(l)) {
                    if (is_digest) { /* Digest takes auth-params only */
                        *erroff = l->i;
                        return DIGEST_ERR_SYNTAX;
                    }
                    lx_skip_token68(l);
                } else {
                    for (;;) {
                        dparam p;
                        st = lx_param(l, &p);
                        if (st != DIGEST_OK) {
                            *erroff = l->i;
                            return st;
                        }
                        if (is_digest) {
                            if (np >= DIGEST_MAX_DIRECTIVES) {
                                *erroff = p.name;
                                return DIGEST_ERR_TOO_MANY;
                            }
                            ps[np++] = p;
                        }
                        lx_ows(l);
                        if (lx_eof(l))
                            break;
                        if (lx_peek(l) != ',') {
                            *erroff = l->i;
                            return DIGEST_ERR_JUNK;
                        }
                        /* the separator, any empty elements after it,
                         * then another param of this challenge or the
                         * scheme of the next one */
                        l->i++;
                        for (;;) {
                            lx_ows(l);
                            if (lx_peek(l) != ',')
                                break;
                            if (++empties > DIGEST_MAX_EMPTY) {
                                *erroff = l->i;
                                return DIGEST_ERR_TOO_MANY;
                            }
                            l->i++;
                        }
                        if (lx_eof(l))
                            break;
                        if (!lx_at_param(l)) {
                            at_next = 1;
                            break;
                        }
                    }
                }
            }
        } else if (c != -1 && c != ',') {
            *erroff = l->i;
            return c == '=' ? DIGEST_ERR_SYNTAX : DIGEST_ERR_JUNK;
        }
        if (is_digest) {
            digest_http_challenge ch;
            st = challenge_from_params(l, ps, np, flags, &ch, erroff);
            if (st != DIGEST_OK) {
                if (np == 0)
                    *erroff = s0;
                return st;
            }
            st = list_append(list, &ch);
            if (st != DIGEST_OK) {
                challenge_clear(&ch);
                return st;
            }
        }
        if (!at_next) {
            /* end of the value, or the separator before the next element */
            lx_ows(l);
            if (!lx_eof(l)) {
                if (lx_peek(l) != ',') {
                    *erroff = l->i;
                    return DIGEST_ERR_JUNK;
                }
                l->i++;
            }
        }
    }
    if (!seen_any) {
        *erroff = 0;
        return DIGEST_ERR_EMPTY;
    }
    return DIGEST_OK;
}

void digest_http_challenge_list_free(digest_http_challenge_list *list)
{
    size_t i;
    if (!list)
        return;
    for (i = 0; i < list->count; i++)
        challenge_clear(&list->items[i]);
    free(list->items);
    free(list);
}

void digest_http_challenge_free(digest_http_challenge *c)
{
    if (!c)
        return;
    challenge_clear(c);
    free(c);
}

digest_status digest_http_parse_challenges(const char *const *values, const size_t *lens,
                                           size_t count, unsigned flags,
                                           digest_http_challenge_list **out,
                                           size_t *err_index, size_t *err_off)
{
    digest_http_challenge_list *list;
    size_t v, total = 0, off = 0;
    digest_status st = DIGEST_OK;

    if (err_index)
        *err_index = 0;
    if (err_off)
        *err_off = 0;
    if (!out || (count && (!values || !lens)))
        return DIGEST_ERR_INVALID_ARG;
    *out = NULL;
    if (count == 0)
        return DIGEST_ERR_EMPTY;
    list = calloc(1, sizeof(*list));
    if (!list)
        return DIGEST_ERR_NOMEM;
    for (v = 0; v < count; v++) {
        lexer l = {(const unsigned char *)values[v], lens[v], 0, 0};
        st = check_input(values[v], lens[v], DIGEST_MAX_HTTP_VALUE);
        if (st == DIGEST_OK)
            st = parse_challenge_value(&l, flags, list, &total, &off);
        if (st == DIGEST_ERR_EMPTY && count > 1)
            st = DIGEST_OK; /* an empty header among others is only noise */
        if (st != DIGEST_OK) {
            if (err_index)
                *err_index = v;
            if (err_off)
                *err_off = off;
            digest_http_challenge_list_free(list);
            return st;
        }
    }
    if (list->count == 0) {
        digest_http_challenge_list_free(list);
        return total ? DIGEST_ERR_NOT_DIGEST : DIGEST_ERR_EMPTY;
    }
    *out = list;
    return DIGEST_OK;
}

digest_status digest_http_parse_challenge(const char *buf, size_t len, unsigned flags,
                                          digest_http_challenge **out, size_t *err_off)
{
    dparam ps[DIGEST_MAX_DIRECTIVES];
    size_t np = 0, off = 0;
    lexer l = {(const unsigned char *)buf, len, 0, 0};
    digest_http_challenge *c;
    digest_status st;

    if (err_off)
        *err_off = 0;
    if (!out)
        return DIGEST_ERR_INVALID_ARG;
    *out = NULL;
    st = check_input(buf, len, DIGEST_MAX_HTTP_VALUE);
    if (st == DIGEST_OK)
        st = parse_params(&l, 1, ps, &np, &off);
    if (st != DIGEST_OK)
        goto done;
    c = malloc(sizeof(*c));
    if (!c)
        return DIGEST_ERR_NOMEM;
    st = challenge_from_params(&l, ps, np, flags, c, &off);
    if (st != DIGEST_OK) {
        free(c);
        goto done;
    }
    *out = c;
done:
    if (st != DIGEST_OK && err_off)
        *err_off = off;
    return st;
}

const digest_http_challenge *digest_http_challenge_select(const digest_http_challenge_list *list,
                                                          unsigned alg_mask)
{
    size_t i;
    if (!list)
        return NULL;
    for (i = 0; i < list->count; i++) {
        const digest_http_challenge *c = &list->items[i];
        digest_alg a = c->algorithm == DIGEST_ALG_UNSPECIFIED ? DIGEST_ALG_MD5 : c->algorithm;
        if (a == DIGEST_ALG_UNKNOWN || !(alg_mask & DIGEST_ALG_BIT(a)))
            continue;
        if (c->qop_present && !(c->qop & (DIGEST_QOP_AUTH | DIGEST_QOP_AUTH_INT)))
            continue;
        return c;
    }
    return NULL;
}

int digest_http_challenge_equal(const digest_http_challenge *a, const digest_http_challenge *b)
{
    if (!a || !b)
        return a == b;
    return streq_null(a->realm, b->realm) && streq_null(a->domain, b->domain) &&
           streq_null(a->nonce, b->nonce) && streq_null(a->opaque, b->opaque) &&
           a->stale == b->stale && a->algorithm == b->algorithm &&
           streq_null(a->algorithm_token, b->algorithm_token) &&
           a->qop_present == b->qop_present && a->qop == b->qop &&
           a->charset_utf8 == b->charset_utf8 && a->userhash == b->userhash;
}

int digest_http_challenge_list_equal(const digest_http_challenge_list *a,
                                     const digest_http_challenge_list *b)
{
    size_t i;
    if (!a || !b)
        return a == b;
    if (a->count != b->count)
        return 0;
    for (i = 0; i < a->count; i++)
        if (!digest_http_challenge_equal(&a->items[i], &b->items[i]))
            return 0;
    return 1;
}

/* ========================================================= HTTP response */

enum { HR_USERNAME, HR_USERNAME_EXT, HR_REALM, HR_URI, HR_ALGORITHM, HR_NONCE, HR_NC,
       HR_CNONCE, HR_QOP, HR_RESPONSE, HR_OPAQUE, HR_USERHASH, HR_HASHED_DIRS,
       HR_SERVICE_NAME, HR_CHANNEL_BINDING, HR_COUNT };
static const struct ddef hr_defs[HR_COUNT] = {
    {"username", FORM_Q}, {"username*", FORM_T}, {"realm", FORM_Q},  {"uri", FORM_Q},
    {"algorithm", FORM_T}, {"nonce", FORM_Q},    {"nc", FORM_T},     {"cnonce", FORM_Q},
    {"qop", FORM_T},      {"response", FORM_Q},  {"opaque", FORM_Q}, {"userhash", FORM_T},
    {"hashed-dirs", FORM_Q}, {"service-name", FORM_Q}, {"channel-binding", FORM_Q},
};

static size_t alg_hex_len(digest_alg a)
{
    switch (a) {
    case DIGEST_ALG_UNSPECIFIED: case DIGEST_ALG_MD5: case DIGEST_ALG_MD5_SESS:
        return 32;
    case DIGEST_ALG_SHA256: case DIGEST_ALG_SHA256_SESS: case DIGEST_ALG_SHA512_256:
    case DIGEST_ALG_SHA512_256_SESS:
        return 64;
    default:
        return 0;
    }
}

static void response_clear(digest_http_response *r)
{
    free(r->username);
    free(r->realm);
    free(r->uri);
    free(r->algorithm_token);
    free(r->nonce);
    free(r->cnonce);
    free(r->opaque);
    free(r->hashed_dirs);
    free(r->service_name);
    memset(r, 0, sizeof(*r));
}

void digest_http_response_free(digest_http_response *r)
{
    if (!r)
        return;
    response_clear(r);
    free(r);
}

static digest_status val_qop1(const lexer *l, const dparam *p, int sasl, unsigned *qop)
{
    char buf[DIGEST_MAX_TOKEN + 1];
    size_t n;
    digest_status st = val_token(l, p, buf, sizeof(buf), &n);
    if (st != DIGEST_OK)
        return st;
    *qop = qop_from_name(buf, n, sasl);
    return *qop ? DIGEST_OK : DIGEST_ERR_UNSUPPORTED;
}

/* RFC 7616 3.4 */
digest_status digest_http_parse_response(const char *buf, size_t len, unsigned flags,
                                         digest_http_response **out, size_t *err_off)
{
    dparam ps[DIGEST_MAX_DIRECTIVES];
    size_t np = 0, off = 0, i, hexpos = 0;
    unsigned seen = 0;
    lexer l = {(const unsigned char *)buf, len, 0, 0};
    digest_http_response *r = NULL;
    digest_status st;

    if (err_off)
        *err_off = 0;
    if (!out)
        return DIGEST_ERR_INVALID_ARG;
    *out = NULL;
    st = check_input(buf, len, DIGEST_MAX_HTTP_VALUE);
    if (st == DIGEST_OK)
        st = parse_params(&l, 1, ps, &np, &off);
    if (st != DIGEST_OK)
        goto fail;
    r = calloc(1, sizeof(*r));
    if (!r) {
        st = DIGEST_ERR_NOMEM;
        goto fail;
    }
    for (i = 0; i < np; i++) {
        const dparam *p = &ps[i];
        char *ext = NULL;
        int id = lookup(hr_defs, HR_COUNT, &l, p);
        if (id < 0)
            continue; /* RFC 7616 3.4: unknown directives are ignored */
        off = p->name;
        if (seen & (1u << id)) {
            st = DIGEST_ERR_DUPLICATE;
            goto fail;
        }
        seen |= 1u << id;
        if ((id == HR_USERNAME && (seen & (1u << HR_USERNAME_EXT))) ||
            (id == HR_USERNAME_EXT && (seen & (1u << HR_USERNAME)))) {
            st = DIGEST_ERR_DUPLICATE; /* RFC 7616 3.4: never both */
            goto fail;
        }
        /* RFC 8187 3.2: an ext-value is never a quoted-string */
        st = (id == HR_USERNAME_EXT && p->quoted) ? DIGEST_ERR_WRONG_FORM
                                                   : check_form(&hr_defs[id], p, flags);
        if (st != DIGEST_OK)
            goto fail;
        off = p->val;
        switch (id) {
        case HR_USERNAME:
            st = val_dup(&l, p, 1, DIGEST_MAX_USERNAME, &r->username, NULL);
            break;
        case HR_USERNAME_EXT:
            if (p->vlen > DIGEST_MAX_USERNAME_EXT) {
                st = DIGEST_ERR_TOO_LONG;
                break;
            }
            st = decode_ext_value((const char *)l.s + p->val, p->vlen, &ext);
            if (st == DIGEST_OK) {
                r->username = ext;
                r->username_ext = 1;
            }
            break;
        case HR_REALM:
            st = val_dup(&l, p, 0, DIGEST_MAX_REALM, &r->realm, NULL);
            break;
        case HR_URI:
            st = val_dup(&l, p, 0, DIGEST_MAX_URI, &r->uri, NULL);
            break;
        case HR_ALGORITHM:
            st = val_alg(&l, p, &r->algorithm, &r->algorithm_token);
            break;
        case HR_NONCE:
            st = val_dup(&l, p, 0, DIGEST_MAX_NONCE, &r->nonce, NULL);
            break;
        case HR_NC:
            st = val_nc(&l, p, r->nc, &r->nc_value);
            break;
        case HR_CNONCE:
            st = val_dup(&l, p, 0, DIGEST_MAX_NONCE, &r->cnonce, NULL);
            break;
        case HR_QOP:
            st = val_qop1(&l, p, 0, &r->qop);
            break;
        case HR_RESPONSE:
            hexpos = p->val;
            st = val_hex(&l, p, 0, r->response, sizeof(r->response));
            break;
        case HR_OPAQUE:
            st = val_dup(&l, p, 0, DIGEST_MAX_NONCE, &r->opaque, NULL);
            break;
        case HR_USERHASH:
            st = val_bool(&l, p, flags, &r->userhash);
            break;
        case HR_HASHED_DIRS:
            st = val_dup(&l, p, 0, DIGEST_MAX_LIST, &r->hashed_dirs, NULL);
            break;
        case HR_SERVICE_NAME:
            st = val_dup(&l, p, 0, DIGEST_MAX_URI, &r->service_name, NULL);
            break;
        case HR_CHANNEL_BINDING:
            st = val_hex(&l, p, DIGEST_CHANNEL_BINDING_HEX, r->channel_binding,
                         sizeof(r->channel_binding));
            break;
        default:
            break;
        }
        if (st != DIGEST_OK)
            goto fail;
    }
    off = 0;
    if (!r->username || !r->realm || !r->nonce || !r->uri || !r->response[0]) {
        st = DIGEST_ERR_MISSING;
        goto fail;
    }
    /* RFC 7616 3.4: username* only when userhash is false */
    if (r->username_ext && r->userhash) {
        st = DIGEST_ERR_BAD_VALUE;
        goto fail;
    }
    /* RFC 7616 3.4 / RFC 2617 3.2.2: cnonce and nc go with qop, and only with it */
    if (r->qop && (!r->cnonce || !r->nc[0])) {
        st = DIGEST_ERR_MISSING;
        goto fail;
    }
    if (!r->qop && (r->cnonce || r->nc[0])) {
        st = DIGEST_ERR_BAD_VALUE;
        goto fail;
    }
    /* draft-santesson-digestbind-01: the three binding directives go together */
    if ((r->hashed_dirs != NULL) != (r->service_name != NULL) ||
        (r->hashed_dirs != NULL) != (r->channel_binding[0] != '\0')) {
        st = DIGEST_ERR_MISSING;
        goto fail;
    }
    /* the response has the length of the algorithm's hash */
    if (alg_hex_len(r->algorithm) && strlen(r->response) != alg_hex_len(r->algorithm)) {
        off = hexpos;
        st = DIGEST_ERR_BAD_VALUE;
        goto fail;
    }
    *out = r;
    return DIGEST_OK;
fail:
    if (r)
        digest_http_response_free(r);
    if (err_off)
        *err_off = off;
    return st;
}

int digest_http_response_equal(const digest_http_response *a, const digest_http_response *b)
{
    if (!a || !b)
        return a == b;
    return streq_null(a->username, b->username) && a->username_ext == b->username_ext &&
           streq_null(a->realm, b->realm) && streq_null(a->uri, b->uri) &&
           a->algorithm == b->algorithm && streq_null(a->algorithm_token, b->algorithm_token) &&
           streq_null(a->nonce, b->nonce) && strcmp(a->nc, b->nc) == 0 &&
           a->nc_value == b->nc_value && streq_null(a->cnonce, b->cnonce) && a->qop == b->qop &&
           strcmp(a->response, b->response) == 0 && streq_null(a->opaque, b->opaque) &&
           a->userhash == b->userhash && streq_null(a->hashed_dirs, b->hashed_dirs) &&
           streq_null(a->service_name, b->service_name) &&
           strcmp(a->channel_binding, b->channel_binding) == 0;
}

int digest_http_username_needs_ext(const char *username)
{
    const unsigned char *p;
    if (!username)
        return 0;
    for (p = (const unsigned char *)username; *p; p++)
        if (*p >= 0x7f || (*p < 0x20 && *p != '\t'))
            return 1;
    return 0;
}

/* =================================================== Authentication-Info */

enum { AI_NEXTNONCE, AI_QOP, AI_RSPAUTH, AI_CNONCE, AI_NC, AI_COUNT };
static const struct ddef ai_defs[AI_COUNT] = {
    {"nextnonce", FORM_Q}, {"qop", FORM_T}, {"rspauth", FORM_Q}, {"cnonce", FORM_Q},
    {"nc", FORM_T},
};

static void auth_info_clear(digest_http_auth_info *ai)
{
    free(ai->nextnonce);
    free(ai->cnonce);
    memset(ai, 0, sizeof(*ai));
}

void digest_http_auth_info_free(digest_http_auth_info *ai)
{
    if (!ai)
        return;
    auth_info_clear(ai);
    free(ai);
}

/* RFC 7616 3.5 */
digest_status digest_http_parse_auth_info(const char *buf, size_t len, unsigned flags,
                                          digest_http_auth_info **out, size_t *err_off)
{
    dparam ps[DIGEST_MAX_DIRECTIVES];
    size_t np = 0, off = 0, i;
    unsigned seen = 0;
    lexer l = {(const unsigned char *)buf, len, 0, 0};
    digest_http_auth_info *ai = NULL;
    digest_status st;

    if (err_off)
        *err_off = 0;
    if (!out)
        return DIGEST_ERR_INVALID_ARG;
    *out = NULL;
    st = check_input(buf, len, DIGEST_MAX_HTTP_VALUE);
    if (st == DIGEST_OK)
        st = parse_params(&l, 0, ps, &np, &off);
    if (st != DIGEST_OK)
        goto fail;
    ai = calloc(1, sizeof(*ai));
    if (!ai) {
        st = DIGEST_ERR_NOMEM;
        goto fail;
    }
    for (i = 0; i < np; i++) {
        const dparam *p = &ps[i];
        int id = lookup(ai_defs, AI_COUNT, &l, p);
        if (id < 0)
            continue;
        off = p->name;
        if (seen & (1u << id)) {
            st = DIGEST_ERR_DUPLICATE;
            goto fail;
        }
        seen |= 1u << id;
        st = check_form(&ai_defs[id], p, flags);
        if (st != DIGEST_OK)
            goto fail;
        off = p->val;
        switch (id) {
        case AI_NEXTNONCE:
            st = val_dup(&l, p, 0, DIGEST_MAX_NONCE, &ai->nextnonce, NULL);
            break;
        case AI_QOP:
            st = val_qop1(&l, p, 0, &ai->qop);
            break;
        case AI_RSPAUTH:
            st = val_hex(&l, p, 0, ai->rspauth, sizeof(ai->rspauth));
            break;
        case AI_CNONCE:
            st = val_dup(&l, p, 0, DIGEST_MAX_NONCE, &ai->cnonce, NULL);
            break;
        case AI_NC:
            st = val_nc(&l, p, ai->nc, &ai->nc_value);
            break;
        default:
            break;
        }
        if (st != DIGEST_OK)
            goto fail;
    }
    *out = ai;
    return DIGEST_OK;
fail:
    if (ai)
        digest_http_auth_info_free(ai);
    if (err_off)
        *err_off = off;
    return st;
}

int digest_http_auth_info_equal(const digest_http_auth_info *a, const digest_http_auth_info *b)
{
    if (!a || !b)
        return a == b;
    return streq_null(a->nextnonce, b->nextnonce) && a->qop == b->qop &&
           strcmp(a->rspauth, b->rspauth) == 0 && streq_null(a->cnonce, b->cnonce) &&
           strcmp(a->nc, b->nc) == 0 && a->nc_value == b->nc_value;
}

/* ========================================================= SASL challenge */

enum { SC_REALM, SC_NONCE, SC_QOP, SC_STALE, SC_MAXBUF, SC_CHARSET, SC_ALGORITHM, SC_CIPHER,
       SC_COUNT };
static const struct ddef sc_defs[SC_COUNT] = {
    {"realm", FORM_Q},  {"nonce", FORM_Q},   {"qop", FORM_Q},       {"stale", FORM_T},
    {"maxbuf", FORM_T}, {"charset", FORM_T}, {"algorithm", FORM_T}, {"cipher", FORM_Q},
};

static void sasl_challenge_clear(digest_sasl_challenge *c)
{
    size_t i;
    for (i = 0; i < c->realm_count && i < DIGEST_SASL_MAX_REALMS; i++)
        free(c->realms[i]);
    free(c->nonce);
    memset(c, 0, sizeof(*c));
}

void digest_sasl_challenge_free(digest_sasl_challenge *c)
{
    if (!c)
        return;
    sasl_challenge_clear(c);
    free(c);
}

/* RFC 2831 2.1.1 */
digest_status digest_sasl_parse_challenge(const char *buf, size_t len, unsigned flags,
                                          digest_sasl_challenge **out, size_t *err_off)
{
    dparam ps[DIGEST_MAX_DIRECTIVES];
    size_t np = 0, off = 0, i;
    unsigned seen = 0;
    lexer l = {(const unsigned char *)buf, len, 0, 1};
    digest_sasl_challenge *c = NULL;
    digest_status st;

    if (err_off)
        *err_off = 0;
    if (!out)
        return DIGEST_ERR_INVALID_ARG;
    *out = NULL;
    st = check_input(buf, len, DIGEST_SASL_MAX_CHALLENGE);
    if (st == DIGEST_OK)
        st = parse_params(&l, 0, ps, &np, &off);
    if (st != DIGEST_OK)
        goto fail;
    c = calloc(1, sizeof(*c));
    if (!c) {
        st = DIGEST_ERR_NOMEM;
        goto fail;
    }
    for (i = 0; i < np; i++) {
        const dparam *p = &ps[i];
        char tb[DIGEST_MAX_TOKEN + 1];
        size_t n;
        int id = lookup(sc_defs, SC_COUNT, &l, p);
        if (id < 0)
            continue; /* RFC 2831 2.1.1: unrecognized directives are ignored */
        off = p->name;
        if (id != SC_REALM && (seen & (1u << id))) {
            st = DIGEST_ERR_DUPLICATE;
            goto fail;
        }
        seen |= 1u << id;
        st = check_form(&sc_defs[id], p, flags);
        if (st != DIGEST_OK)
            goto fail;
        off = p->val;
        switch (id) {
        case SC_REALM: /* RFC 2831 2.1.1: several realms may be offered */
            if (c->realm_count >= DIGEST_SASL_MAX_REALMS) {
                st = DIGEST_ERR_TOO_MANY;
                break;
            }
            st = val_dup(&l, p, 0, DIGEST_MAX_REALM, &c->realms[c->realm_count], NULL);
            if (st == DIGEST_OK)
                c->realm_count++;
            break;
        case SC_NONCE:
            st = val_dup(&l, p, 0, DIGEST_MAX_NONCE, &c->nonce, NULL);
            break;
        case SC_QOP:
            c->qop_present = 1;
            st = val_list(&l, p, 0, 1, &c->qop);
            break;
        case SC_STALE:
            st = val_bool(&l, p, flags, &c->stale);
            break;
        case SC_MAXBUF:
            st = val_maxbuf(&l, p, &c->maxbuf);
            break;
        case SC_CHARSET: /* RFC 2831 2.1.1: charset=utf-8 only */
            st = val_token(&l, p, tb, sizeof(tb), &n);
            if (st == DIGEST_OK) {
                if (ci_eq(tb, n, "utf-8"))
                    c->charset_utf8 = 1;
                else if (flags & DIGEST_PARSE_STRICT)
                    st = DIGEST_ERR_BAD_VALUE;
            }
            break;
        case SC_ALGORITHM: /* RFC 2831 2.1.1: algorithm=md5-sess, exactly once */
            st = val_token(&l, p, tb, sizeof(tb), &n);
            if (st == DIGEST_OK && !ci_eq(tb, n, "md5-sess"))
                st = DIGEST_ERR_UNSUPPORTED;
            break;
        case SC_CIPHER:
            c->cipher_present = 1;
            st = val_list(&l, p, 1, 1, &c->ciphers);
            break;
        default:
            break;
        }
        if (st != DIGEST_OK)
            goto fail;
    }
    off = 0;
    if (!c->nonce || !(seen & (1u << SC_ALGORITHM))) {
        st = DIGEST_ERR_MISSING;
        goto fail;
    }
    *out = c;
    return DIGEST_OK;
fail:
    if (c)
        digest_sasl_challenge_free(c);
    if (err_off)
        *err_off = off;
    return st;
}

int digest_sasl_challenge_equal(const digest_sasl_challenge *a, const digest_sasl_challenge *b)
{
    size_t i;
    if (!a || !b)
        return a == b;
    if (a->realm_count != b->realm_count || a->realm_count > DIGEST_SASL_MAX_REALMS)
        return 0;
    for (i = 0; i < a->realm_count; i++)
        if (!streq_null(a->realms[i], b->realms[i]))
            return 0;
    return streq_null(a->nonce, b->nonce) && a->qop_present == b->qop_present &&
           a->qop == b->qop && a->stale == b->stale && a->maxbuf == b->maxbuf &&
           a->charset_utf8 == b->charset_utf8 && a->cipher_present == b->cipher_present &&
           a->ciphers == b->ciphers;
}

/* ========================================================= SASL response */

enum { SR_USERNAME, SR_REALM, SR_NONCE, SR_CNONCE, SR_NC, SR_QOP, SR_DIGEST_URI, SR_RESPONSE,
       SR_MAXBUF, SR_CHARSET, SR_CIPHER, SR_AUTHZID, SR_COUNT };
static const struct ddef sr_defs[SR_COUNT] = {
    {"username", FORM_Q}, {"realm", FORM_Q},      {"nonce", FORM_Q},    {"cnonce", FORM_Q},
    {"nc", FORM_T},       {"qop", FORM_T},        {"digest-uri", FORM_Q}, {"response", FORM_T},
    {"maxbuf", FORM_T},   {"charset", FORM_T},    {"cipher", FORM_T},   {"authzid", FORM_Q},
};

static void sasl_response_clear(digest_sasl_response *r)
{
    free(r->username);
    free(r->realm);
    free(r->nonce);
    free(r->cnonce);
    free(r->digest_uri);
    free(r->authzid);
    memset(r, 0, sizeof(*r));
}

void digest_sasl_response_free(digest_sasl_response *r)
{
    if (!r)
        return;
    sasl_response_clear(r);
    free(r);
}

/* digest-uri-value = serv-type "/" host [ "/" serv-name ] (RFC 2831 2.1.2) */
static int digest_uri_ok(const char *u)
{
    const char *slash = strchr(u, '/');
    const char *rest;
    if (!slash || slash == u || slash[1] == '\0' || slash[1] == '/')
        return 0;
    rest = strchr(slash + 1, '/');
    if (rest && (rest[1] == '\0' || strchr(rest + 1, '/')))
        return 0;
    return 1;
}

/* RFC 2831 2.1.2 */
digest_status digest_sasl_parse_response(const char *buf, size_t len, unsigned flags,
                                         digest_sasl_response **out, size_t *err_off)
{
    dparam ps[DIGEST_MAX_DIRECTIVES];
    size_t np = 0, off = 0, i;
    unsigned seen = 0;
    lexer l = {(const unsigned char *)buf, len, 0, 1};
    digest_sasl_response *r = NULL;
    digest_status st;

    if (err_off)
        *err_off = 0;
    if (!out)
        return DIGEST_ERR_INVALID_ARG;
    *out = NULL;
    st = check_input(buf, len, DIGEST_SASL_MAX_RESPONSE);
    if (st == DIGEST_OK)
        st = parse_params(&l, 0, ps, &np, &off);
    if (st != DIGEST_OK)
        goto fail;
    r = calloc(1, sizeof(*r));
    if (!r) {
        st = DIGEST_ERR_NOMEM;
        goto fail;
    }
    for (i = 0; i < np; i++) {
        const dparam *p = &ps[i];
        char tb[DIGEST_MAX_TOKEN + 1];
        size_t n;
        int id = lookup(sr_defs, SR_COUNT, &l, p);
        if (id < 0)
            continue; /* RFC 2831 2.1.2: unrecognized directives are ignored */
        off = p->name;
        if (seen & (1u << id)) {
            st = DIGEST_ERR_DUPLICATE;
            goto fail;
        }
        seen |= 1u << id;
        st = check_form(&sr_defs[id], p, flags);
        if (st != DIGEST_OK)
            goto fail;
        off = p->val;
        switch (id) {
        case SR_USERNAME:
            st = val_dup(&l, p, 1, DIGEST_MAX_USERNAME, &r->username, NULL);
            break;
        case SR_REALM:
            st = val_dup(&l, p, 0, DIGEST_MAX_REALM, &r->realm, NULL);
            break;
        case SR_NONCE:
            st = val_dup(&l, p, 0, DIGEST_MAX_NONCE, &r->nonce, NULL);
            break;
        case SR_CNONCE:
            st = val_dup(&l, p, 0, DIGEST_MAX_NONCE, &r->cnonce, NULL);
            break;
        case SR_NC:
            st = val_nc(&l, p, r->nc, &r->nc_value);
            break;
        case SR_QOP:
            st = val_qop1(&l, p, 1, &r->qop);
            break;
        case SR_DIGEST_URI:
            st = val_dup(&l, p, 0, DIGEST_MAX_URI, &r->digest_uri, NULL);
            if (st == DIGEST_OK && !digest_uri_ok(r->digest_uri))
                st = DIGEST_ERR_BAD_VALUE;
            break;
        case SR_RESPONSE: /* RFC 2831 2.1.2.1: 32LHEX */
            st = val_hex(&l, p, 32, r->response, sizeof(r->response));
            break;
        case SR_MAXBUF:
            st = val_maxbuf(&l, p, &r->maxbuf);
            break;
        case SR_CHARSET:
            st = val_token(&l, p, tb, sizeof(tb), &n);
            if (st == DIGEST_OK) {
                if (ci_eq(tb, n, "utf-8"))
                    r->charset_utf8 = 1;
                else if (flags & DIGEST_PARSE_STRICT)
                    st = DIGEST_ERR_BAD_VALUE;
            }
            break;
        case SR_CIPHER:
            st = val_token(&l, p, tb, sizeof(tb), &n);
            if (st == DIGEST_OK) {
                r->cipher = cipher_from_name(tb, n);
                if (!r->cipher)
                    st = DIGEST_ERR_UNSUPPORTED;
            }
            break;
        case SR_AUTHZID:
            st = val_dup(&l, p, 0, DIGEST_MAX_AUTHZID, &r->authzid, NULL);
            break;
        default:
            break;
        }
        if (st != DIGEST_OK)
            goto fail;
    }
    off = 0;
    if (!r->username || !r->nonce || !r->cnonce || !r->nc[0] || !r->digest_uri ||
        !r->response[0]) {
        st = DIGEST_ERR_MISSING;
        goto fail;
    }
    /* RFC 2831 2.1.2.1: cipher goes with qop=auth-conf, and only with it */
    if (r->qop == DIGEST_QOP_AUTH_CONF && !r->cipher) {
        st = DIGEST_ERR_MISSING;
        goto fail;
    }
    if (r->qop != DIGEST_QOP_AUTH_CONF && r->cipher) {
        st = DIGEST_ERR_BAD_VALUE;
        goto fail;
    }
    *out = r;
    return DIGEST_OK;
fail:
    if (r)
        digest_sasl_response_free(r);
    if (err_off)
        *err_off = off;
    return st;
}

int digest_sasl_response_equal(const digest_sasl_response *a, const digest_sasl_response *b)
{
    if (!a || !b)
        return a == b;
    return streq_null(a->username, b->username) && streq_null(a->realm, b->realm) &&
           streq_null(a->nonce, b->nonce) && streq_null(a->cnonce, b->cnonce) &&
           strcmp(a->nc, b->nc) == 0 && a->nc_value == b->nc_value && a->qop == b->qop &&
           streq_null(a->digest_uri, b->digest_uri) && strcmp(a->response, b->response) == 0 &&
           a->maxbuf == b->maxbuf && a->charset_utf8 == b->charset_utf8 &&
           a->cipher == b->cipher && streq_null(a->authzid, b->authzid);
}

/* RFC 2831 2.1.3: response-auth = "rspauth" "=" response-value */
digest_status digest_sasl_parse_rspauth(const char *buf, size_t len, unsigned flags,
                                        char rspauth[33], size_t *err_off)
{
    static const struct ddef ra_def = {"rspauth", FORM_T};
    dparam ps[DIGEST_MAX_DIRECTIVES];
    size_t np = 0, off = 0, i;
    int found = 0;
    lexer l = {(const unsigned char *)buf, len, 0, 1};
    digest_status st;

    if (err_off)
        *err_off = 0;
    if (!rspauth)
        return DIGEST_ERR_INVALID_ARG;
    rspauth[0] = '\0';
    st = check_input(buf, len, DIGEST_SASL_MAX_CHALLENGE);
    if (st == DIGEST_OK)
        st = parse_params(&l, 0, ps, &np, &off);
    for (i = 0; st == DIGEST_OK && i < np; i++) {
        if (!ci_eq((const char *)l.s + ps[i].name, ps[i].nlen, "rspauth"))
            continue;
        off = ps[i].name;
        if (found) {
            st = DIGEST_ERR_DUPLICATE;
            break;
        }
        found = 1;
        st = check_form(&ra_def, &ps[i], flags);
        if (st == DIGEST_OK) {
            off = ps[i].val;
            st = val_hex(&l, &ps[i], 32, rspauth, 33);
        }
    }
    if (st == DIGEST_OK && !found) {
        off = 0;
        st = DIGEST_ERR_MISSING;
    }
    if (st != DIGEST_OK) {
        rspauth[0] = '\0';
        if (err_off)
            *err_off = off;
    }
    return st;
}

/* ============================================================ serializers */

#define DIGEST_MAX_OUTPUT (4 * DIGEST_MAX_HTTP_VALUE * DIGEST_MAX_CHALLENGES)

typedef struct dbuf {
    char *p;
    size_t len, cap;
    digest_status err;
    int first;
    const char *sep;
} dbuf;

static void db_init(dbuf *b, const char *sep)
{
    b->p = NULL;
    b->len = b->cap = 0;
    b->err = DIGEST_OK;
    b->first = 1;
    b->sep = sep;
}

static void db_add(dbuf *b, const char *s, size_t n)
{
    if (b->err != DIGEST_OK)
        return;
    if (n > DIGEST_MAX_OUTPUT - b->len) {
        b->err = DIGEST_ERR_TOO_LONG;
        return;
    }
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        char *np;
        while (cap < b->len + n + 1)
            cap *= 2;
        np = realloc(b->p, cap);
        if (!np) {
            b->err = DIGEST_ERR_NOMEM;
            return;
        }
        b->p = np;
        b->cap = cap;
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
}

static void db_str(dbuf *b, const char *s)
{
    db_add(b, s, strlen(s));
}

static void db_fail(dbuf *b, digest_status st)
{
    if (b->err == DIGEST_OK)
        b->err = st;
}

/* Start a directive: separator, name, '='. */
static void db_name(dbuf *b, const char *name)
{
    if (!b->first)
        db_str(b, b->sep);
    b->first = 0;
    db_str(b, name);
    db_add(b, "=", 1);
}

/* A quoted-string (RFC 7230 3.2.6).  windows_user: leave a backslash
 * unescaped when the username rule will read it back literally. */
static void db_quoted(dbuf *b, const char *v, size_t max, int windows_user)
{
    size_t i, n = strlen(v);
    if (n > max) {
        db_fail(b, DIGEST_ERR_TOO_LONG);
        return;
    }
    db_add(b, "\"", 1);
    for (i = 0; i < n; i++) {
        unsigned char c = (unsigned char)v[i];
        if (c == '"' || c == '\\') {
            if (!(windows_user && c == '\\' && i + 1 < n && v[i + 1] != '"' && v[i + 1] != '\\'))
                db_add(b, "\\", 1);
        } else if (!is_qdtext(c)) {
            db_fail(b, DIGEST_ERR_BAD_CHAR);
            return;
        }
        db_add(b, v + i, 1);
    }
    db_add(b, "\"", 1);
}

static void db_token(dbuf *b, const char *v)
{
    size_t n = strlen(v);
    if (n > DIGEST_MAX_TOKEN || !is_token_str(v, n)) {
        db_fail(b, DIGEST_ERR_BAD_VALUE);
        return;
    }
    db_add(b, v, n);
}

static void db_qdir(dbuf *b, const char *name, const char *v, size_t max)
{
    db_name(b, name);
    db_quoted(b, v, max, 0);
}

static void db_tdir(dbuf *b, const char *name, const char *v)
{
    db_name(b, name);
    db_token(b, v);
}

/* Comma-separated list of the names of the bits in mask. */
static void db_qop_list(dbuf *b, unsigned mask, unsigned allowed)
{
    static const unsigned order[] = {DIGEST_QOP_AUTH, DIGEST_QOP_AUTH_INT, DIGEST_QOP_AUTH_CONF};
    size_t i;
    int first = 1;
    if (mask & ~allowed) {
        db_fail(b, DIGEST_ERR_BAD_VALUE);
        return;
    }
    db_add(b, "\"", 1);
    for (i = 0; i < 3; i++) {
        if (!(mask & order[i]))
            continue;
        if (!first)
            db_add(b, ",", 1);
        first = 0;
        db_str(b, digest_qop_name(order[i]));
    }
    db_add(b, "\"", 1);
}

static void db_cipher_list(dbuf *b, unsigned mask)
{
    size_t i;
    int first = 1;
    unsigned all = 0;
    for (i = 0; i < N_CIPHERS; i++)
        all |= cipher_names[i].bit;
    if (mask & ~all) {
        db_fail(b, DIGEST_ERR_BAD_VALUE);
        return;
    }
    db_add(b, "\"", 1);
    for (i = 0; i < N_CIPHERS; i++) {
        if (!(mask & cipher_names[i].bit))
            continue;
        if (!first)
            db_add(b, ",", 1);
        first = 0;
        db_str(b, cipher_names[i].name);
    }
    db_add(b, "\"", 1);
}

static int nc_ok(const char *nc)
{
    size_t i;
    for (i = 0; i < 8; i++)
        if (!is_hex((unsigned char)nc[i]))
            return 0;
    return nc[8] == '\0';
}

static int hex_ok(const char *h, size_t want)
{
    size_t i, n = bounded_len(h, DIGEST_MAX_HEX + 1);
    if (n == 0 || n > DIGEST_MAX_HEX || (want && n != want) || (n & 1u))
        return 0;
    for (i = 0; i < n; i++)
        if (!is_hex((unsigned char)h[i]))
            return 0;
    return 1;
}

static void db_alg(dbuf *b, digest_alg alg, const char *token)
{
    if (alg == DIGEST_ALG_UNSPECIFIED)
        return;
    if (alg == DIGEST_ALG_UNKNOWN) {
        if (!token || digest_alg_from_name(token, strlen(token)) != DIGEST_ALG_UNKNOWN) {
            db_fail(b, DIGEST_ERR_BAD_VALUE);
            return;
        }
        db_tdir(b, "algorithm", token);
    } else if ((int)alg > 0 && alg < DIGEST_ALG_UNKNOWN) {
        db_tdir(b, "algorithm", alg_names[alg]);
    } else {
        db_fail(b, DIGEST_ERR_BAD_VALUE);
    }
}

static digest_status db_finish(dbuf *b, char **out, size_t *outlen)
{
    if (b->err == DIGEST_OK && !b->p)
        db_add(b, "", 0);
    if (b->err != DIGEST_OK) {
        free(b->p);
        return b->err;
    }
    *out = b->p;
    if (outlen)
        *outlen = b->len;
    return DIGEST_OK;
}

/* RFC 7616 3.3; order of the RFC 7616 3.9 examples, or IIS's. */
static void challenge_body(dbuf *b, const digest_http_challenge *c, unsigned flags)
{
    int win = (flags & DIGEST_SER_WINDOWS) != 0;
    if (!c->realm || !c->nonce) {
        db_fail(b, DIGEST_ERR_MISSING);
        return;
    }
    if (!win) {
        db_qdir(b, "realm", c->realm, DIGEST_MAX_REALM);
        if (c->domain)
            db_qdir(b, "domain", c->domain, DIGEST_MAX_URI);
    }
    if (c->qop_present || c->qop) {
        db_name(b, "qop");
        db_qop_list(b, c->qop, DIGEST_QOP_AUTH | DIGEST_QOP_AUTH_INT);
    }
    db_alg(b, c->algorithm, c->algorithm_token);
    db_qdir(b, "nonce", c->nonce, DIGEST_MAX_NONCE);
    if (c->opaque)
        db_qdir(b, "opaque", c->opaque, DIGEST_MAX_NONCE);
    if (c->stale)
        db_tdir(b, "stale", "true");
    if (win && c->domain)
        db_qdir(b, "domain", c->domain, DIGEST_MAX_URI);
    if (c->charset_utf8)
        db_tdir(b, "charset", win ? "utf-8" : "UTF-8");
    if (c->userhash)
        db_tdir(b, "userhash", "true");
    if (win)
        db_qdir(b, "realm", c->realm, DIGEST_MAX_REALM);
}

digest_status digest_http_challenge_serialize(const digest_http_challenge *c, unsigned flags,
                                              char **out, size_t *outlen)
{
    dbuf b;
    if (!c || !out)
        return DIGEST_ERR_INVALID_ARG;
    *out = NULL;
    db_init(&b, (flags & DIGEST_SER_WINDOWS) ? "," : ", ");
    if (flags & DIGEST_SER_SCHEME)
        db_str(&b, "Digest ");
    challenge_body(&b, c, flags);
    return db_finish(&b, out, outlen);
}

digest_status digest_http_challenge_list_serialize(const digest_http_challenge_list *l,
                                                   unsigned flags, char **out, size_t *outlen)
{
    dbuf b;
    size_t i;
    if (!l || !out || (l->count && !l->items))
        return DIGEST_ERR_INVALID_ARG;
    *out = NULL;
    if (l->count == 0)
        return DIGEST_ERR_EMPTY;
    if (l->count > DIGEST_MAX_CHALLENGES)
        return DIGEST_ERR_TOO_MANY;
    db_init(&b, (flags & DIGEST_SER_WINDOWS) ? "," : ", ");
    for (i = 0; i < l->count; i++) {
        if (i)
            db_str(&b, ", ");
        db_str(&b, "Digest ");
        b.first = 1;
        challenge_body(&b, &l->items[i], flags);
    }
    return db_finish(&b, out, outlen);
}

static void db_ext_value(dbuf *b, const char *v)
{
    static const char hx[] = "0123456789ABCDEF";
    size_t i, n = strlen(v);
    if (n > DIGEST_MAX_USERNAME) {
        db_fail(b, DIGEST_ERR_TOO_LONG);
        return;
    }
    if (!utf8_valid((const unsigned char *)v, n)) {
        db_fail(b, DIGEST_ERR_BAD_ENCODING);
        return;
    }
    db_str(b, "UTF-8''");
    for (i = 0; i < n; i++) {
        unsigned char c = (unsigned char)v[i];
        if (is_attr_char(c)) {
            db_add(b, v + i, 1);
        } else {
            char e[3] = {'%', hx[c >> 4], hx[c & 15]};
            db_add(b, e, 3);
        }
    }
}

/* RFC 7616 3.4; order of the RFC 7616 3.9.1 example. */
digest_status digest_http_response_serialize(const digest_http_response *r, unsigned flags,
                                             char **out, size_t *outlen)
{
    dbuf b;
    int win = (flags & DIGEST_SER_WINDOWS) != 0;
    if (!r || !out)
        return DIGEST_ERR_INVALID_ARG;
    *out = NULL;
    if (!r->username || !r->realm || !r->uri || !r->nonce)
        return DIGEST_ERR_MISSING;
    if (!hex_ok(r->response, alg_hex_len(r->algorithm)))
        return DIGEST_ERR_BAD_VALUE;
    if ((r->qop != 0 && r->qop != DIGEST_QOP_AUTH && r->qop != DIGEST_QOP_AUTH_INT) ||
        (r->username_ext && r->userhash))
        return DIGEST_ERR_BAD_VALUE;
    if (r->qop && (!r->cnonce || !nc_ok(r->nc)))
        return DIGEST_ERR_MISSING;
    if (!r->qop && (r->cnonce || r->nc[0]))
        return DIGEST_ERR_BAD_VALUE;
    if ((r->hashed_dirs != NULL) != (r->service_name != NULL) ||
        (r->hashed_dirs != NULL) != (r->channel_binding[0] != '\0'))
        return DIGEST_ERR_MISSING;
    if (r->hashed_dirs && !hex_ok(r->channel_binding, DIGEST_CHANNEL_BINDING_HEX))
        return DIGEST_ERR_BAD_VALUE;
    db_init(&b, win ? "," : ", ");
    if (flags & DIGEST_SER_SCHEME)
        db_str(&b, "Digest ");
    if (r->username_ext) {
        db_name(&b, "username*");
        db_ext_value(&b, r->username);
    } else {
        db_name(&b, "username");
        db_quoted(&b, r->username, DIGEST_MAX_USERNAME, win);
    }
    db_qdir(&b, "realm", r->realm, DIGEST_MAX_REALM);
    db_qdir(&b, "uri", r->uri, DIGEST_MAX_URI);
    db_alg(&b, r->algorithm, r->algorithm_token);
    db_qdir(&b, "nonce", r->nonce, DIGEST_MAX_NONCE);
    if (r->qop) {
        db_tdir(&b, "nc", r->nc);
        db_qdir(&b, "cnonce", r->cnonce, DIGEST_MAX_NONCE);
        db_tdir(&b, "qop", digest_qop_name(r->qop));
    }
    db_qdir(&b, "response", r->response, DIGEST_MAX_HEX);
    if (r->opaque)
        db_qdir(&b, "opaque", r->opaque, DIGEST_MAX_NONCE);
    if (r->userhash)
        db_tdir(&b, "userhash", "true");
    if (r->hashed_dirs) {
        /* draft-santesson-digestbind-01, last as Windows writes them */
        db_qdir(&b, "hashed-dirs", r->hashed_dirs, DIGEST_MAX_LIST);
        db_qdir(&b, "service-name", r->service_name, DIGEST_MAX_URI);
        db_qdir(&b, "channel-binding", r->channel_binding, DIGEST_CHANNEL_BINDING_HEX);
    }
    return db_finish(&b, out, outlen);
}

/* RFC 7616 3.5; Apache mod_auth_digest's order. */
digest_status digest_http_auth_info_serialize(const digest_http_auth_info *ai, unsigned flags,
                                              char **out, size_t *outlen)
{
    dbuf b;
    if (!ai || !out)
        return DIGEST_ERR_INVALID_ARG;
    *out = NULL;
    if (ai->rspauth[0] && !hex_ok(ai->rspauth, 0))
        return DIGEST_ERR_BAD_VALUE;
    if (ai->nc[0] && !nc_ok(ai->nc))
        return DIGEST_ERR_BAD_VALUE;
    if (ai->qop != 0 && ai->qop != DIGEST_QOP_AUTH && ai->qop != DIGEST_QOP_AUTH_INT)
        return DIGEST_ERR_BAD_VALUE;
    if (!ai->rspauth[0] && !ai->nextnonce && !ai->cnonce && !ai->nc[0] && !ai->qop)
        return DIGEST_ERR_EMPTY;
    db_init(&b, (flags & DIGEST_SER_WINDOWS) ? "," : ", ");
    if (ai->rspauth[0])
        db_qdir(&b, "rspauth", ai->rspauth, DIGEST_MAX_HEX);
    if (ai->nextnonce)
        db_qdir(&b, "nextnonce", ai->nextnonce, DIGEST_MAX_NONCE);
    if (ai->cnonce)
        db_qdir(&b, "cnonce", ai->cnonce, DIGEST_MAX_NONCE);
    if (ai->nc[0])
        db_tdir(&b, "nc", ai->nc);
    if (ai->qop)
        db_tdir(&b, "qop", digest_qop_name(ai->qop));
    return db_finish(&b, out, outlen);
}

static void db_maxbuf(dbuf *b, uint32_t v)
{
    char num[12];
    size_t i = sizeof(num) - 1;
    if (v < 17 || v > 16777215u) {
        db_fail(b, DIGEST_ERR_BAD_VALUE);
        return;
    }
    num[i] = '\0';
    do {
        num[--i] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    db_tdir(b, "maxbuf", num + i);
}

/* RFC 2831 2.1.1; order of the RFC 2831 4 example, or Active Directory's. */
digest_status digest_sasl_challenge_serialize(const digest_sasl_challenge *c, unsigned flags,
                                              char **out, size_t *outlen)
{
    dbuf b;
    size_t i;
    int win = (flags & DIGEST_SER_WINDOWS) != 0;
    if (!c || !out)
        return DIGEST_ERR_INVALID_ARG;
    *out = NULL;
    if (!c->nonce)
        return DIGEST_ERR_MISSING;
    if (c->realm_count > DIGEST_SASL_MAX_REALMS)
        return DIGEST_ERR_TOO_MANY;
    db_init(&b, ",");
    if (!win) {
        for (i = 0; i < c->realm_count; i++)
            db_qdir(&b, "realm", c->realms[i] ? c->realms[i] : "", DIGEST_MAX_REALM);
        db_qdir(&b, "nonce", c->nonce, DIGEST_MAX_NONCE);
    }
    if (c->qop_present || c->qop) {
        db_name(&b, "qop");
        db_qop_list(&b, c->qop, DIGEST_QOP_AUTH | DIGEST_QOP_AUTH_INT | DIGEST_QOP_AUTH_CONF);
    }
    if (c->cipher_present || c->ciphers) {
        db_name(&b, "cipher");
        db_cipher_list(&b, c->ciphers);
    }
    if (win) {
        db_tdir(&b, "algorithm", "md5-sess");
        db_qdir(&b, "nonce", c->nonce, DIGEST_MAX_NONCE);
    }
    if (c->stale)
        db_tdir(&b, "stale", "true");
    if (c->maxbuf)
        db_maxbuf(&b, c->maxbuf);
    if (!win)
        db_tdir(&b, "algorithm", "md5-sess");
    if (c->charset_utf8)
        db_tdir(&b, "charset", "utf-8");
    if (win)
        for (i = 0; i < c->realm_count; i++)
            db_qdir(&b, "realm", c->realms[i] ? c->realms[i] : "", DIGEST_MAX_REALM);
    if (b.err == DIGEST_OK && b.len > DIGEST_SASL_MAX_CHALLENGE)
        b.err = DIGEST_ERR_TOO_LONG;
    return db_finish(&b, out, outlen);
}

/* RFC 2831 2.1.2; order of the RFC 2831 4 example. */
digest_status digest_sasl_response_serialize(const digest_sasl_response *r, unsigned flags,
                                             char **out, size_t *outlen)
{
    dbuf b;
    if (!r || !out)
        return DIGEST_ERR_INVALID_ARG;
    *out = NULL;
    if (!r->username || !r->nonce || !r->cnonce || !r->digest_uri)
        return DIGEST_ERR_MISSING;
    if (!nc_ok(r->nc) || !hex_ok(r->response, 32) || !digest_uri_ok(r->digest_uri))
        return DIGEST_ERR_BAD_VALUE;
    if (r->qop != 0 && !digest_qop_name(r->qop))
        return DIGEST_ERR_BAD_VALUE;
    if ((r->qop == DIGEST_QOP_AUTH_CONF) != (r->cipher != 0))
        return r->cipher ? DIGEST_ERR_BAD_VALUE : DIGEST_ERR_MISSING;
    if (r->cipher && !digest_cipher_name(r->cipher))
        return DIGEST_ERR_BAD_VALUE;
    db_init(&b, ",");
    if (r->charset_utf8)
        db_tdir(&b, "charset", "utf-8");
    db_name(&b, "username");
    db_quoted(&b, r->username, DIGEST_MAX_USERNAME, (flags & DIGEST_SER_WINDOWS) != 0);
    if (r->realm)
        db_qdir(&b, "realm", r->realm, DIGEST_MAX_REALM);
    db_qdir(&b, "nonce", r->nonce, DIGEST_MAX_NONCE);
    db_tdir(&b, "nc", r->nc);
    db_qdir(&b, "cnonce", r->cnonce, DIGEST_MAX_NONCE);
    db_qdir(&b, "digest-uri", r->digest_uri, DIGEST_MAX_URI);
    db_tdir(&b, "response", r->response);
    if (r->qop)
        db_tdir(&b, "qop", digest_qop_name(r->qop));
    if (r->maxbuf)
        db_maxbuf(&b, r->maxbuf);
    if (r->cipher)
        db_tdir(&b, "cipher", digest_cipher_name(r->cipher));
    if (r->authzid)
        db_qdir(&b, "authzid", r->authzid, DIGEST_MAX_AUTHZID);
    if (b.err == DIGEST_OK && b.len > DIGEST_SASL_MAX_RESPONSE)
        b.err = DIGEST_ERR_TOO_LONG;
    return db_finish(&b, out, outlen);
}

digest_status digest_sasl_rspauth_serialize(const char *rspauth, char **out, size_t *outlen)
{
    dbuf b;
    if (!rspauth || !out)
        return DIGEST_ERR_INVALID_ARG;
    *out = NULL;
    if (!hex_ok(rspauth, 32))
        return DIGEST_ERR_BAD_VALUE;
    db_init(&b, ",");
    db_tdir(&b, "rspauth", rspauth);
    return db_finish(&b, out, outlen);
}
