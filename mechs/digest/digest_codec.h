/*
 * Digest protocol codec: strict parsers and serializers for the messages of
 *
 *   - HTTP Digest (RFC 7616, which obsoletes RFC 2617): WWW-Authenticate /
 *     Proxy-Authenticate challenges, Authorization / Proxy-Authorization
 *     responses and Authentication-Info / Proxy-Authentication-Info;
 *   - SASL DIGEST-MD5 (RFC 2831): digest-challenge, digest-response and
 *     the server's response-auth ("rspauth=...").
 *
 * No GSS-API and no crypto here: this file only turns untrusted bytes into
 * structures and structures back into bytes. It never recurses, checks every
 * length against the limits below before it copies, and reports a specific
 * digest_status for every failure.
 *
 * Ownership: the parsers allocate the structure and every string in it with
 * malloc; release it with the matching *_free function. The serializers take
 * a caller-built structure (which may point at the caller's own strings) and
 * return a malloc'ed NUL-terminated string.
 *
 * Rules applied by every parser
 * -----------------------------
 * - Directive names are matched case-insensitively (RFC 7235 2.1; RFC 2831
 *   1.1 inherits RFC 2616 2.1).
 * - A directive that appears twice is an error, DIGEST_ERR_DUPLICATE
 *   (RFC 7235 2.1 "each parameter name MUST only occur once per challenge";
 *   RFC 7616 3.3/3.4; RFC 2831 2.1.1/2.1.2 "may appear at most once").  The
 *   one exception is "realm" in a SASL digest-challenge, which RFC 2831 2.1.1
 *   allows several times (at most DIGEST_SASL_MAX_REALMS).
 * - Unknown directives are ignored (RFC 7616 3.3 and 3.4, RFC 2831 2.1.1 and
 *   2.1.2), but still have to be syntactically valid.  Unknown values inside
 *   the qop-options and cipher-opts lists are ignored too (RFC 7616 3.3,
 *   RFC 2831 2.1.1).  An HTTP algorithm this codec does not know is kept as
 *   DIGEST_ALG_UNKNOWN with its token, so the caller can skip that challenge
 *   as RFC 7616 3.3 asks ("If the algorithm is not understood, the challenge
 *   should be ignored").  SASL demands algorithm=md5-sess (RFC 2831 2.1.1).
 * - quoted-string is RFC 7230 3.2.6: qdtext / quoted-pair, no CTL other than
 *   HTAB, a backslash always escapes the next octet.  EXCEPTION, for the
 *   "username" directive only (HTTP and SASL): Windows clients send
 *   username="DOMAIN\user" without escaping the backslash.  Inside a quoted
 *   username, a backslash that is followed by '"' or '\' is a quoted-pair;
 *   any other backslash is taken literally ("DOMAIN\user" gives DOMAIN\user,
 *   "DOMAIN\\user" gives DOMAIN\user too, "a\"b" gives a"b).  Where the
 *   string ends is the same under both rules, so this never changes how the
 *   rest of the message is read.
 * - Token or quoted-string: each directive has the form its RFC gives
 *   (documented per structure field below).  RFC 7235 2.1 lets recipients
 *   accept either form, and real peers rely on it (python-requests sends
 *   algorithm="MD5" and qop="auth"; curl's SASL client sends nc="00000001";
 *   old servers send realm as a token), so by default the other form is
 *   accepted too, as long as its content is still valid for the directive (a
 *   quoted token-valued directive must hold a token, nc exactly 8 hex digits,
 *   ...).  With DIGEST_PARSE_STRICT the RFC form is required
 *   (DIGEST_ERR_WRONG_FORM otherwise).  username* (RFC 8187 ext-value) is
 *   never accepted quoted.
 * - nc is exactly 8 hexadecimal digits (RFC 7616 3.4, RFC 2831 2.1.2.1).
 * - Between directives only optional whitespace and one comma are allowed;
 *   anything else is DIGEST_ERR_JUNK.  Empty list elements ("a=1,,b=2") are
 *   accepted as RFC 7230 7 requires, at most DIGEST_MAX_EMPTY of them.
 *   HTTP whitespace is SP / HTAB; SASL also accepts folded whitespace
 *   (CRLF followed by SP or HTAB, RFC 2831 1.1 implied LWS).
 * - A NUL octet anywhere is DIGEST_ERR_BAD_CHAR; an empty or all-blank input
 *   is DIGEST_ERR_EMPTY.
 *
 * Limits (values are counted after quoted-pair unescaping / ext-value
 * decoding; exceeding one is DIGEST_ERR_TOO_LONG or DIGEST_ERR_TOO_MANY):
 */
#ifndef SSPI_SHIM_DIGEST_CODEC_H
#define SSPI_SHIM_DIGEST_CODEC_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Whole inputs. */
#define DIGEST_MAX_HTTP_VALUE     8192  /* one header value; Apache's LimitRequestFieldSize is 8190 */
#define DIGEST_SASL_MAX_CHALLENGE 2047  /* RFC 2831 2.1.1: "MUST be less than 2048 bytes" */
#define DIGEST_SASL_MAX_RESPONSE  4095  /* RFC 2831 2.1.2: "MUST be less than 4096 bytes" */
/* Single values. */
#define DIGEST_MAX_NAME        64    /* a directive name or an auth-scheme */
#define DIGEST_MAX_USERNAME    256   /* username, decoded username* */
#define DIGEST_MAX_USERNAME_EXT 832  /* username* as sent: 3 * 256 + charset and language */
#define DIGEST_MAX_REALM       256
#define DIGEST_MAX_NONCE       512   /* nonce, cnonce, opaque, nextnonce */
#define DIGEST_MAX_URI         4096  /* uri, digest-uri, domain */
#define DIGEST_MAX_AUTHZID     256
#define DIGEST_MAX_TOKEN       64    /* token-valued directives (algorithm, qop, stale, ...) */
#define DIGEST_MAX_LIST        256   /* the content of qop-options / cipher-opts */
#define DIGEST_MAX_HEX         128   /* response / rspauth hex digits */
#define DIGEST_CHANNEL_BINDING_HEX 32 /* draft-santesson-digestbind channel-binding: hex MD5 */
/* Counts. */
#define DIGEST_MAX_DIRECTIVES  32    /* directives in one challenge or response */
#define DIGEST_MAX_LIST_ITEMS  16    /* elements of qop-options / cipher-opts */
#define DIGEST_MAX_EMPTY       16    /* empty list elements in one list */
#define DIGEST_MAX_CHALLENGES  16    /* challenges (any scheme) over all header values */
#define DIGEST_SASL_MAX_REALMS 8     /* realm directives in a SASL challenge */

/* Explicit error codes; values are stable. */
typedef enum digest_status {
    DIGEST_OK = 0,
    DIGEST_ERR_NOMEM = 1,        /* malloc failed */
    DIGEST_ERR_INVALID_ARG = 2,  /* NULL pointer or impossible argument */
    DIGEST_ERR_EMPTY = 3,        /* empty input, or no directive at all */
    DIGEST_ERR_SYNTAX = 4,       /* grammar violated (missing '=', no token, ...) */
    DIGEST_ERR_UNTERMINATED = 5, /* quoted-string without its closing quote */
    DIGEST_ERR_BAD_CHAR = 6,     /* NUL, CTL or other octet not allowed there */
    DIGEST_ERR_JUNK = 7,         /* unexpected bytes between directives */
    DIGEST_ERR_DUPLICATE = 8,    /* directive given twice (or username and username*) */
    DIGEST_ERR_TOO_LONG = 9,     /* input or value over its limit */
    DIGEST_ERR_TOO_MANY = 10,    /* too many directives, list items, realms, challenges */
    DIGEST_ERR_MISSING = 11,     /* a required directive is absent */
    DIGEST_ERR_BAD_VALUE = 12,   /* value fails its own syntax (nc, maxbuf, hex, ...) */
    DIGEST_ERR_WRONG_FORM = 13,  /* token vs quoted-string (DIGEST_PARSE_STRICT) */
    DIGEST_ERR_NOT_DIGEST = 14,  /* another auth-scheme, or no Digest challenge */
    DIGEST_ERR_UNSUPPORTED = 15, /* value understood as unsupported (qop, cipher, algorithm) */
    DIGEST_ERR_BAD_ENCODING = 16,/* bad RFC 8187 ext-value, bad UTF-8 */
    /* digest_crypto.h */
    DIGEST_ERR_CRYPTO = 32,      /* libcrypto failed */
    DIGEST_ERR_AUTH_FAILED = 33, /* response / rspauth does not match */
    DIGEST_ERR_BAD_MAC = 34,     /* SASL security layer: MAC or padding wrong */
    DIGEST_ERR_SEQUENCE = 35,    /* SASL security layer: sequence number wrong */
    DIGEST_ERR_STATE = 36        /* object in a state that forbids the call */
} digest_status;

const char *digest_status_str(digest_status st);

/* Strict UTF-8 (RFC 3629: no overlongs, no surrogates, <= U+10FFFF): 1 if
 * s[0..n) is valid, with *max_cp the largest code point; else 0. */
int digest_utf8_scan(const unsigned char *s, size_t n, uint32_t *max_cp);

/* Parser flags. */
#define DIGEST_PARSE_STRICT 0x1u  /* require each directive's RFC form */

/* Serializer flags. */
#define DIGEST_SER_SCHEME   0x1u  /* prefix "Digest " (HTTP challenge and response) */
#define DIGEST_SER_WINDOWS  0x2u  /* as Windows peers write it: challenges in the
                                   * IIS / Active Directory order (qop, [cipher],
                                   * algorithm, nonce, ..., charset=utf-8, realm)
                                   * with "," separators; responses with ","
                                   * separators and the backslash of DOMAIN\user
                                   * left unescaped (see the username rule). */

/* Algorithms, RFC 7616 3.3 and 6.1 (names are case-insensitive). */
typedef enum digest_alg {
    DIGEST_ALG_UNSPECIFIED = 0, /* directive absent: MD5 (RFC 7616 3.3) */
    DIGEST_ALG_MD5 = 1,
    DIGEST_ALG_MD5_SESS = 2,
    DIGEST_ALG_SHA256 = 3,
    DIGEST_ALG_SHA256_SESS = 4,
    DIGEST_ALG_SHA512_256 = 5,
    DIGEST_ALG_SHA512_256_SESS = 6,
    DIGEST_ALG_UNKNOWN = 7      /* the token is kept in algorithm_token */
} digest_alg;
#define DIGEST_ALG_BIT(a) (1u << (unsigned)(a))

const char *digest_alg_name(digest_alg alg);         /* "MD5", "SHA-256-sess", ... */
digest_alg digest_alg_from_name(const char *name, size_t len);

/* qop values (bit mask). auth-conf exists in SASL only. */
#define DIGEST_QOP_AUTH      0x1u
#define DIGEST_QOP_AUTH_INT  0x2u
#define DIGEST_QOP_AUTH_CONF 0x4u
const char *digest_qop_name(unsigned qop_bit);

/* RFC 2831 2.1.1 cipher-opts (bit mask). */
#define DIGEST_CIPHER_3DES   0x01u
#define DIGEST_CIPHER_DES    0x02u
#define DIGEST_CIPHER_RC4_40 0x04u
#define DIGEST_CIPHER_RC4    0x08u
#define DIGEST_CIPHER_RC4_56 0x10u
const char *digest_cipher_name(unsigned cipher_bit);

/* ------------------------------------------------------------------ HTTP */

/* One Digest challenge, RFC 7616 3.3. Form in brackets: Q quoted-string,
 * T token. */
typedef struct digest_http_challenge {
    char *realm;            /* [Q] required */
    char *domain;           /* [Q] optional, space-separated URIs as sent; NULL if absent */
    char *nonce;            /* [Q] required */
    char *opaque;           /* [Q] optional, NULL if absent */
    int stale;              /* [T] 1 if stale=true; anything else is false (RFC 2617 3.2.1) */
    digest_alg algorithm;   /* [T] */
    char *algorithm_token;  /* the token when algorithm == DIGEST_ALG_UNKNOWN, else NULL */
    int qop_present;        /* [Q] qop-options given */
    unsigned qop;           /* recognised values (DIGEST_QOP_AUTH / _AUTH_INT); 0 with
                             * qop_present means the server only offered unknown
                             * values: the challenge is unusable */
    int charset_utf8;       /* [T] charset=UTF-8 (the only value RFC 7616 3.3 defines) */
    int userhash;           /* [T] userhash=true (RFC 7616 3.3) */
} digest_http_challenge;

typedef struct digest_http_challenge_list {
    size_t count;
    digest_http_challenge *items;  /* in the order received = server's preference */
} digest_http_challenge_list;

/* Several header values (several WWW-Authenticate headers), each holding one
 * or more challenges of any scheme (RFC 7235 4.1: 1#challenge, token68 or
 * auth-params).  Non-Digest challenges are checked for syntax and skipped.
 * On error *err_index is the value and *err_off the offset in it (both may be
 * NULL).  No Digest challenge at all: DIGEST_ERR_NOT_DIGEST. */
digest_status digest_http_parse_challenges(const char *const *values, const size_t *lens,
                                           size_t count, unsigned flags,
                                           digest_http_challenge_list **out,
                                           size_t *err_index, size_t *err_off);

/* One challenge as an SSPI client receives it: the auth-params, optionally
 * preceded by the "Digest" scheme. */
digest_status digest_http_parse_challenge(const char *buf, size_t len, unsigned flags,
                                          digest_http_challenge **out, size_t *err_off);

/* First challenge whose algorithm is in alg_mask (DIGEST_ALG_BIT(...);
 * UNSPECIFIED counts as MD5) and whose qop is usable (absent, or offers auth or
 * auth-int).  NULL if none (RFC 7616 3.7: use the first one understood). */
const digest_http_challenge *digest_http_challenge_select(const digest_http_challenge_list *list,
                                                          unsigned alg_mask);

void digest_http_challenge_free(digest_http_challenge *c);
void digest_http_challenge_list_free(digest_http_challenge_list *l);
int digest_http_challenge_equal(const digest_http_challenge *a, const digest_http_challenge *b);
int digest_http_challenge_list_equal(const digest_http_challenge_list *a,
                                     const digest_http_challenge_list *b);

/* Flags: DIGEST_SER_SCHEME, DIGEST_SER_WINDOWS. */
digest_status digest_http_challenge_serialize(const digest_http_challenge *c, unsigned flags,
                                              char **out, size_t *outlen);
/* All challenges in one header value, each with its "Digest" scheme, ", "
 * between them. */
digest_status digest_http_challenge_list_serialize(const digest_http_challenge_list *l,
                                                   unsigned flags, char **out, size_t *outlen);

/* Authorization credentials, RFC 7616 3.4. */
typedef struct digest_http_response {
    char *username;         /* [Q] or decoded username* (UTF-8); required */
    int username_ext;       /* username was sent as username* [T, RFC 8187] */
    char *realm;            /* [Q] required */
    char *uri;              /* [Q] required */
    digest_alg algorithm;   /* [T] */
    char *algorithm_token;  /* when DIGEST_ALG_UNKNOWN */
    char *nonce;            /* [Q] required */
    char nc[9];             /* [T] 8 hex digits as sent, "" if absent */
    uint32_t nc_value;
    char *cnonce;           /* [Q] required with qop, forbidden without */
    unsigned qop;           /* [T] 0 (absent: RFC 2069 mode), DIGEST_QOP_AUTH or _AUTH_INT */
    char response[DIGEST_MAX_HEX + 1]; /* [Q] hex as sent: 32 (MD5) or 64 (SHA-2) digits */
    char *opaque;           /* [Q] optional */
    int userhash;           /* [T] userhash=true */
    /* draft-santesson-digestbind-01 (Windows' Extended Protection), all
     * three present or all absent (else DIGEST_ERR_MISSING): */
    char *hashed_dirs;      /* [Q] as sent, e.g. "service-name,channel-binding" */
    char *service_name;     /* [Q] the SPN, e.g. "HTTP/host" */
    char channel_binding[DIGEST_CHANNEL_BINDING_HEX + 1]; /* [Q] 32 hex, "" if absent */
} digest_http_response;

/* Accepts an optional leading "Digest" scheme (another scheme gives
 * DIGEST_ERR_NOT_DIGEST).  username and username* together, or username*
 * with userhash=true, are DIGEST_ERR_DUPLICATE / DIGEST_ERR_BAD_VALUE
 * (RFC 7616 3.4). */
digest_status digest_http_parse_response(const char *buf, size_t len, unsigned flags,
                                         digest_http_response **out, size_t *err_off);
void digest_http_response_free(digest_http_response *r);
int digest_http_response_equal(const digest_http_response *a, const digest_http_response *b);
/* Writes username* (UTF-8''...) when username_ext is set. */
digest_status digest_http_response_serialize(const digest_http_response *r, unsigned flags,
                                             char **out, size_t *outlen);
/* 1 if the name cannot go in a quoted-string / is not ASCII, so RFC 7616 3.4
 * wants username* (or userhash). */
int digest_http_username_needs_ext(const char *username);

/* Authentication-Info, RFC 7616 3.5. */
typedef struct digest_http_auth_info {
    char *nextnonce;        /* [Q] */
    unsigned qop;           /* [T] 0, DIGEST_QOP_AUTH or _AUTH_INT */
    char rspauth[DIGEST_MAX_HEX + 1]; /* [Q] "" if absent */
    char *cnonce;           /* [Q] */
    char nc[9];             /* [T] "" if absent */
    uint32_t nc_value;
} digest_http_auth_info;

digest_status digest_http_parse_auth_info(const char *buf, size_t len, unsigned flags,
                                          digest_http_auth_info **out, size_t *err_off);
void digest_http_auth_info_free(digest_http_auth_info *ai);
int digest_http_auth_info_equal(const digest_http_auth_info *a, const digest_http_auth_info *b);
digest_status digest_http_auth_info_serialize(const digest_http_auth_info *ai, unsigned flags,
                                              char **out, size_t *outlen);

/* ------------------------------------------------------------------ SASL */

/* digest-challenge, RFC 2831 2.1.1. */
typedef struct digest_sasl_challenge {
    size_t realm_count;     /* [Q] 0..DIGEST_SASL_MAX_REALMS */
    char *realms[DIGEST_SASL_MAX_REALMS];
    char *nonce;            /* [Q] required */
    int qop_present;        /* [Q] qop-options given (absent means "auth") */
    unsigned qop;           /* DIGEST_QOP_* recognised */
    int stale;              /* [T] */
    uint32_t maxbuf;        /* [T] 0 if absent (the default is 65536); else 17..16777215 */
    int charset_utf8;       /* [T] charset=utf-8 */
    int cipher_present;     /* [Q] cipher-opts given */
    unsigned ciphers;       /* DIGEST_CIPHER_* recognised */
    /* algorithm=md5-sess [T] is required and the only value. */
} digest_sasl_challenge;

digest_status digest_sasl_parse_challenge(const char *buf, size_t len, unsigned flags,
                                          digest_sasl_challenge **out, size_t *err_off);
void digest_sasl_challenge_free(digest_sasl_challenge *c);
int digest_sasl_challenge_equal(const digest_sasl_challenge *a, const digest_sasl_challenge *b);
/* Flags: DIGEST_SER_WINDOWS. */
digest_status digest_sasl_challenge_serialize(const digest_sasl_challenge *c, unsigned flags,
                                              char **out, size_t *outlen);

/* digest-response, RFC 2831 2.1.2. */
typedef struct digest_sasl_response {
    char *username;         /* [Q] required (Windows backslash rule applies) */
    char *realm;            /* [Q] optional, NULL if absent */
    char *nonce;            /* [Q] required */
    char *cnonce;           /* [Q] required */
    char nc[9];             /* [T] required, 8 hex digits as sent */
    uint32_t nc_value;
    unsigned qop;           /* [T] 0 if absent (means auth), else one DIGEST_QOP_* */
    char *digest_uri;       /* [Q] required, serv-type "/" host [ "/" serv-name ] */
    char response[33];      /* [T] 32 hex digits */
    uint32_t maxbuf;        /* [T] 0 if absent */
    int charset_utf8;       /* [T] */
    unsigned cipher;        /* [T] one DIGEST_CIPHER_*; required iff qop=auth-conf */
    char *authzid;          /* [Q] optional */
} digest_sasl_response;

digest_status digest_sasl_parse_response(const char *buf, size_t len, unsigned flags,
                                         digest_sasl_response **out, size_t *err_off);
void digest_sasl_response_free(digest_sasl_response *r);
int digest_sasl_response_equal(const digest_sasl_response *a, const digest_sasl_response *b);
/* Flags: DIGEST_SER_WINDOWS (unescaped DOMAIN\user backslash). */
digest_status digest_sasl_response_serialize(const digest_sasl_response *r, unsigned flags,
                                             char **out, size_t *outlen);

/* response-auth, RFC 2831 2.1.3: "rspauth=" 32 hex digits [T]. */
digest_status digest_sasl_parse_rspauth(const char *buf, size_t len, unsigned flags,
                                        char rspauth[33], size_t *err_off);
digest_status digest_sasl_rspauth_serialize(const char *rspauth, char **out, size_t *outlen);

#ifdef __cplusplus
}
#endif

#endif /* SSPI_SHIM_DIGEST_CODEC_H */
