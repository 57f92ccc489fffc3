/*
 * Digest crypto on OpenSSL 3 EVP.  See digest_crypto.h.
 */
#include "digest_crypto.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/provider.h>
#include <openssl/rand.h>

/* ================================================================ helpers */

typedef struct dpart {
    const void *p;
    size_t n;
} dpart;

#define PART_STR(s) {(s), strlen(s)}
#define PART_COLON {":", 1}

/* The hashes, fetched once: EVP_md5() and the like make
 * EVP_DigestInit_ex fetch the implementation again on every call, and a
 * handshake hashes a dozen times (perf of fuzz-sspi, 2026-12-06: about 2%
 * of its time).  A hash that cannot be fetched falls back to the
 * EVP_md5()-style object, so the error comes where it came before. */
enum { MD_MD5, MD_SHA256, MD_SHA512_256, MDS };
static CRYPTO_ONCE mds_once = CRYPTO_ONCE_STATIC_INIT;
static EVP_MD *mds[MDS];

static void mds_init(void)
{
    ERR_set_mark();
    mds[MD_MD5] = EVP_MD_fetch(NULL, "MD5", NULL);
    mds[MD_SHA256] = EVP_MD_fetch(NULL, "SHA2-256", NULL);
    mds[MD_SHA512_256] = EVP_MD_fetch(NULL, "SHA2-512/256", NULL);
    ERR_pop_to_mark();
}

static const EVP_MD *fetched_md(int which, const EVP_MD *fallback)
{
    if (CRYPTO_THREAD_run_once(&mds_once, mds_init) && mds[which])
        return mds[which];
    return fallback;
}

static const EVP_MD *md5(void)
{
    return fetched_md(MD_MD5, EVP_md5());
}

static const EVP_MD *md_for(digest_alg alg)
{
    switch (alg) {
    case DIGEST_ALG_UNSPECIFIED: case DIGEST_ALG_MD5: case DIGEST_ALG_MD5_SESS:
        return md5();
    case DIGEST_ALG_SHA256: case DIGEST_ALG_SHA256_SESS:
        return fetched_md(MD_SHA256, EVP_sha256());
    case DIGEST_ALG_SHA512_256: case DIGEST_ALG_SHA512_256_SESS:
        /* FIPS 180-4 SHA-512/256 (its own initial value), as RFC 7616 3.2
         * names it -- not SHA-512 truncated to 256 bits. */
        return fetched_md(MD_SHA512_256, EVP_sha512_256());
    default:
        return NULL;
    }
}

size_t digest_alg_hash_len(digest_alg alg)
{
    switch (alg) {
    case DIGEST_ALG_UNSPECIFIED: case DIGEST_ALG_MD5: case DIGEST_ALG_MD5_SESS:
        return 16;
    case DIGEST_ALG_SHA256: case DIGEST_ALG_SHA256_SESS: case DIGEST_ALG_SHA512_256:
    case DIGEST_ALG_SHA512_256_SESS:
        return 32;
    default:
        return 0;
    }
}

int digest_alg_is_session(digest_alg alg)
{
    return alg == DIGEST_ALG_MD5_SESS || alg == DIGEST_ALG_SHA256_SESS ||
           alg == DIGEST_ALG_SHA512_256_SESS;
}

/* Hash the concatenation of parts without building it (so no copy of a
 * password is made). */
static digest_status md_parts(const EVP_MD *md, const dpart *parts, size_t np,
                              unsigned char *out, size_t *outlen)
{
    EVP_MD_CTX *ctx;
    unsigned int n = 0;
    size_t i;
    int ok;

    if (!md)
        return DIGEST_ERR_UNSUPPORTED;
    ctx = EVP_MD_CTX_new();
    if (!ctx)
        return DIGEST_ERR_NOMEM;
    ok = EVP_DigestInit_ex(ctx, md, NULL);
    for (i = 0; ok && i < np; i++)
        if (parts[i].n)
            ok = EVP_DigestUpdate(ctx, parts[i].p, parts[i].n);
    if (ok)
        ok = EVP_DigestFinal_ex(ctx, out, &n);
    EVP_MD_CTX_free(ctx);
    if (!ok) {
        ERR_clear_error();
        return DIGEST_ERR_CRYPTO;
    }
    if (outlen)
        *outlen = n;
    return DIGEST_OK;
}

static void to_hex(const unsigned char *b, size_t n, char *out)
{
    static const char hx[] = "0123456789abcdef";
    size_t i;
    for (i = 0; i < n; i++) {
        out[2 * i] = hx[b[i] >> 4];
        out[2 * i + 1] = hx[b[i] & 15];
    }
    out[2 * n] = '\0';
}

/* H() of parts as lowercase hex. */
static digest_status md_parts_hex(digest_alg alg, const dpart *parts, size_t np, char *out)
{
    unsigned char h[EVP_MAX_MD_SIZE];
    size_t n = 0;
    digest_status st = md_parts(md_for(alg), parts, np, h, &n);
    if (st == DIGEST_OK)
        to_hex(h, n, out);
    OPENSSL_cleanse(h, sizeof(h));
    return st;
}

/* bounded_len() without relying on POSIX in strict C11. */
static size_t bounded_len(const char *s, size_t max)
{
    size_t n = 0;
    while (n < max && s[n] != '\0')
        n++;
    return n;
}

static int hexdig(unsigned char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

int digest_hex_equal(const char *a, const char *b)
{
    unsigned char ba[DIGEST_MAX_HEX / 2], bb[DIGEST_MAX_HEX / 2];
    size_t n, i;
    int bad = 0, res;
    if (!a || !b)
        return 0;
    n = bounded_len(a, DIGEST_MAX_HEX + 1);
    if (n != bounded_len(b, DIGEST_MAX_HEX + 1) || n == 0 || n > DIGEST_MAX_HEX || (n & 1u))
        return 0;
    for (i = 0; i < n / 2; i++) {
        int a1 = hexdig((unsigned char)a[2 * i]), a2 = hexdig((unsigned char)a[2 * i + 1]);
        int b1 = hexdig((unsigned char)b[2 * i]), b2 = hexdig((unsigned char)b[2 * i + 1]);
        bad |= (a1 | a2 | b1 | b2) < 0;
        ba[i] = (unsigned char)((a1 & 15) << 4 | (a2 & 15)); /* -1 (not hex) may not be shifted */
        bb[i] = (unsigned char)((b1 & 15) << 4 | (b2 & 15));
    }
    res = !bad && CRYPTO_memcmp(ba, bb, n / 2) == 0;
    OPENSSL_cleanse(ba, sizeof(ba));
    OPENSSL_cleanse(bb, sizeof(bb));
    return res;
}

static int hex_len_ok(const char *h, size_t want)
{
    size_t i;
    if (!h || bounded_len(h, want + 1) != want)
        return 0;
    for (i = 0; i < want; i++)
        if (hexdig((unsigned char)h[i]) < 0)
            return 0;
    return 1;
}

/* Validate want hex digits and copy them in lowercase: H() values are
 * hashed as text (RFC 7616 3.4.1 "lowercase hex"), so an uppercase HA1
 * from a credentials file must not change the result. */
static int hex_lower(const char *h, size_t want, char out[DIGEST_HEX_BUFSIZE])
{
    size_t i;
    if (want >= DIGEST_HEX_BUFSIZE || !hex_len_ok(h, want))
        return 0;
    for (i = 0; i < want; i++)
        out[i] = (h[i] >= 'A' && h[i] <= 'F') ? (char)(h[i] + ('a' - 'A')) : h[i];
    out[want] = '\0';
    return 1;
}

digest_status digest_utf8_to_latin1(const char *in, size_t len, char **out, size_t *outlen)
{
    const unsigned char *s = (const unsigned char *)in;
    size_t i = 0, o = 0;
    uint32_t max_cp;
    char *res;

    if (!in || !out)
        return DIGEST_ERR_INVALID_ARG;
    *out = NULL;
    if (!digest_utf8_scan(s, len, &max_cp))
        return DIGEST_ERR_BAD_ENCODING;
    if (max_cp > 0xff)
        return DIGEST_ERR_UNSUPPORTED;
    res = malloc(len + 1);
    if (!res)
        return DIGEST_ERR_NOMEM;
    for (i = 0; i < len; o++) {
        if (s[i] < 0x80) {
            res[o] = (char)s[i++];
        } else {
            res[o] = (char)(((s[i] & 0x03u) << 6) | (s[i + 1] & 0x3fu));
            i += 2;
        }
    }
    res[o] = '\0';
    *out = res;
    if (outlen)
        *outlen = o;
    return DIGEST_OK;
}

/* ================================================================ HTTP */

digest_status digest_H(digest_alg alg, const void *data, size_t len,
                       char out[DIGEST_HEX_BUFSIZE])
{
    dpart p[1];
    if ((!data && len) || !out)
        return DIGEST_ERR_INVALID_ARG;
    p[0].p = data;
    p[0].n = len;
    return md_parts_hex(alg, p, 1, out);
}

/* RFC 7616 3.4.1: KD(secret, data) = H(concat(secret, ":", data)) */
digest_status digest_KD(digest_alg alg, const char *secret, const char *data,
                        char out[DIGEST_HEX_BUFSIZE])
{
    if (!secret || !data || !out)
        return DIGEST_ERR_INVALID_ARG;
    {
        dpart p[3] = {PART_STR(secret), PART_COLON, PART_STR(data)};
        return md_parts_hex(alg, p, 3, out);
    }
}

/* RFC 7616 3.4.2: A1 = unq(username) ":" unq(realm) ":" passwd */
digest_status digest_http_ha1_base(digest_alg alg, const char *username, const char *realm,
                                   const char *password, size_t password_len,
                                   char out[DIGEST_HEX_BUFSIZE])
{
    if (!username || !realm || (!password && password_len) || !out)
        return DIGEST_ERR_INVALID_ARG;
    {
        dpart p[5] = {PART_STR(username), PART_COLON, PART_STR(realm), PART_COLON,
                      {password, password_len}};
        return md_parts_hex(alg, p, 5, out);
    }
}

/* RFC 7616 3.4.2: for <algorithm>-sess,
 *   A1 = H(unq(username) ":" unq(realm) ":" passwd) ":" unq(nonce) ":" unq(cnonce) */
digest_status digest_http_ha1_session(digest_alg alg, const char *ha1_base_hex,
                                      const char *nonce, const char *cnonce,
                                      char out[DIGEST_HEX_BUFSIZE])
{
    char base[DIGEST_HEX_BUFSIZE];
    size_t hl = 2 * digest_alg_hash_len(alg);
    digest_status st;
    if (!hl)
        return DIGEST_ERR_UNSUPPORTED;
    if (!out || !hex_lower(ha1_base_hex, hl, base))
        return DIGEST_ERR_INVALID_ARG;
    if (!digest_alg_is_session(alg)) {
        memcpy(out, base, hl + 1);
        st = DIGEST_OK;
    } else if (!nonce || !cnonce) {
        st = DIGEST_ERR_INVALID_ARG;
    } else {
        dpart p[5] = {{base, hl}, PART_COLON, PART_STR(nonce), PART_COLON, PART_STR(cnonce)};
        st = md_parts_hex(alg, p, 5, out);
    }
    OPENSSL_cleanse(base, sizeof(base));
    return st;
}

digest_status digest_http_ha1(digest_alg alg, const char *username, const char *realm,
                              const char *password, size_t password_len, const char *nonce,
                              const char *cnonce, char out[DIGEST_HEX_BUFSIZE])
{
    char base[DIGEST_HEX_BUFSIZE];
    digest_status st = digest_http_ha1_base(alg, username, realm, password, password_len, base);
    if (st == DIGEST_OK)
        st = digest_http_ha1_session(alg, base, nonce, cnonce, out);
    OPENSSL_cleanse(base, sizeof(base));
    return st;
}

/* RFC 7616 3.4.4: username = H(unq(username) ":" unq(realm)) */
digest_status digest_http_userhash(digest_alg alg, const char *username, const char *realm,
                                   char out[DIGEST_HEX_BUFSIZE])
{
    if (!username || !realm || !out)
        return DIGEST_ERR_INVALID_ARG;
    {
        dpart p[3] = {PART_STR(username), PART_COLON, PART_STR(realm)};
        return md_parts_hex(alg, p, 3, out);
    }
}

digest_status digest_http_entity_hash(digest_alg alg, const void *body, size_t len,
                                      char out[DIGEST_HEX_BUFSIZE])
{
    return digest_H(alg, len ? body : "", len, out);
}

/* RFC 7616 3.4.3 */
digest_status digest_http_ha2(digest_alg alg, unsigned qop, const char *method, const char *uri,
                              const char *entity_hash_hex, char out[DIGEST_HEX_BUFSIZE])
{
    size_t hl = 2 * digest_alg_hash_len(alg);
    if (!method || !uri || !out)
        return DIGEST_ERR_INVALID_ARG;
    if (!hl)
        return DIGEST_ERR_UNSUPPORTED;
    if (qop == DIGEST_QOP_AUTH_INT) {
        char eh[DIGEST_HEX_BUFSIZE];
        if (!hex_lower(entity_hash_hex, hl, eh))
            return DIGEST_ERR_INVALID_ARG;
        {
            dpart p[5] = {PART_STR(method), PART_COLON, PART_STR(uri), PART_COLON, {eh, hl}};
            return md_parts_hex(alg, p, 5, out);
        }
    }
    if (qop != 0 && qop != DIGEST_QOP_AUTH)
        return DIGEST_ERR_UNSUPPORTED;
    {
        dpart p[3] = {PART_STR(method), PART_COLON, PART_STR(uri)};
        return md_parts_hex(alg, p, 3, out);
    }
}

/* RFC 7616 3.4.1 (qop present) / RFC 2617 3.2.2.1 (RFC 2069 compatibility) */
digest_status digest_http_response_value(digest_alg alg, const char *ha1_hex, const char *nonce,
                                         const char *nc, const char *cnonce, unsigned qop,
                                         const char *ha2_hex, char out[DIGEST_HEX_BUFSIZE])
{
    char ha1[DIGEST_HEX_BUFSIZE], ha2[DIGEST_HEX_BUFSIZE];
    size_t hl = 2 * digest_alg_hash_len(alg);
    digest_status st;
    if (!hl)
        return DIGEST_ERR_UNSUPPORTED;
    if (!nonce || !out || !hex_lower(ha2_hex, hl, ha2))
        return DIGEST_ERR_INVALID_ARG;
    if (qop != 0 && qop != DIGEST_QOP_AUTH && qop != DIGEST_QOP_AUTH_INT)
        return DIGEST_ERR_UNSUPPORTED;
    if (qop != 0 && (!nc || !cnonce))
        return DIGEST_ERR_INVALID_ARG;
    if (!hex_lower(ha1_hex, hl, ha1))
        return DIGEST_ERR_INVALID_ARG;
    if (qop == 0) {
        dpart p[5] = {{ha1, hl}, PART_COLON, PART_STR(nonce), PART_COLON, {ha2, hl}};
        st = md_parts_hex(alg, p, 5, out);
    } else {
        const char *q = digest_qop_name(qop);
        dpart p[11] = {{ha1, hl}, PART_COLON, PART_STR(nonce), PART_COLON, PART_STR(nc),
                       PART_COLON, PART_STR(cnonce), PART_COLON, PART_STR(q), PART_COLON,
                       {ha2, hl}};
        st = md_parts_hex(alg, p, 11, out);
    }
    OPENSSL_cleanse(ha1, sizeof(ha1));
    return st;
}

/* The request-digest (method given) or response-auth (method "") of r. */
static digest_status http_digest_of(const digest_http_response *r, const char *method,
                                    const char *ha1_hex, const char *entity_hash_hex,
                                    char out[DIGEST_HEX_BUFSIZE])
{
    char ha2[DIGEST_HEX_BUFSIZE];
    digest_status st = digest_http_ha2(r->algorithm, r->qop, method, r->uri, entity_hash_hex, ha2);
    if (st == DIGEST_OK)
        st = digest_http_response_value(r->algorithm, ha1_hex, r->nonce, r->nc, r->cnonce,
                                        r->qop, ha2, out);
    return st;
}

static digest_status http_session_ha1(const digest_http_response *r, const char *ha1_base_hex,
                                      char out[DIGEST_HEX_BUFSIZE])
{
    if (!r->uri || !r->nonce)
        return DIGEST_ERR_INVALID_ARG;
    if (r->algorithm == DIGEST_ALG_UNKNOWN)
        return DIGEST_ERR_UNSUPPORTED;
    /* -sess needs the cnonce, so it needs qop (RFC 7616 3.4.2) */
    if (digest_alg_is_session(r->algorithm) && !r->cnonce)
        return DIGEST_ERR_BAD_VALUE;
    return digest_http_ha1_session(r->algorithm, ha1_base_hex, r->nonce, r->cnonce, out);
}

digest_status digest_http_verify_response(const digest_http_response *r, const char *method,
                                          const char *ha1_base_hex, const char *entity_hash_hex,
                                          char rspauth_out[DIGEST_HEX_BUFSIZE])
{
    char ha1[DIGEST_HEX_BUFSIZE], expect[DIGEST_HEX_BUFSIZE];
    digest_status st;

    if (!r || !method || !ha1_base_hex)
        return DIGEST_ERR_INVALID_ARG;
    st = http_session_ha1(r, ha1_base_hex, ha1);
    if (st == DIGEST_OK)
        st = http_digest_of(r, method, ha1, entity_hash_hex, expect);
    if (st == DIGEST_OK && !digest_hex_equal(expect, r->response))
        st = DIGEST_ERR_AUTH_FAILED;
    /* RFC 7616 3.5: rspauth uses A2 = ":" request-uri [":" H(entity-body)] */
    if (st == DIGEST_OK && rspauth_out)
        st = http_digest_of(r, "", ha1, entity_hash_hex, rspauth_out);
    OPENSSL_cleanse(ha1, sizeof(ha1));
    OPENSSL_cleanse(expect, sizeof(expect));
    return st;
}

digest_status digest_http_verify_rspauth(const digest_http_response *sent,
                                         const char *ha1_base_hex, const char *entity_hash_hex,
                                         const char *rspauth_hex)
{
    char ha1[DIGEST_HEX_BUFSIZE], expect[DIGEST_HEX_BUFSIZE];
    digest_status st;

    if (!sent || !ha1_base_hex || !rspauth_hex)
        return DIGEST_ERR_INVALID_ARG;
    st = http_session_ha1(sent, ha1_base_hex, ha1);
    if (st == DIGEST_OK)
        st = http_digest_of(sent, "", ha1, entity_hash_hex, expect);
    if (st == DIGEST_OK && !digest_hex_equal(expect, rspauth_hex))
        st = DIGEST_ERR_AUTH_FAILED;
    OPENSSL_cleanse(ha1, sizeof(ha1));
    OPENSSL_cleanse(expect, sizeof(expect));
    return st;
}

/* ================================================================ SASL */

/* Hash s, converted to ISO-8859-1 first when convert is set and possible. */
static int md_update_8859(EVP_MD_CTX *ctx, const char *s, size_t n, int convert)
{
    char *l1 = NULL;
    size_t l1n = 0;
    int ok;
    if (convert && digest_utf8_to_latin1(s, n, &l1, &l1n) == DIGEST_OK) {
        ok = l1n == 0 || EVP_DigestUpdate(ctx, l1, l1n);
        OPENSSL_cleanse(l1, l1n);
        free(l1);
        return ok;
    }
    return n == 0 || EVP_DigestUpdate(ctx, s, n);
}

/* RFC 2831 2.1.2.1: H({ username-value, ":", realm-value, ":", passwd }) */
digest_status digest_sasl_secret(const char *username, const char *realm, const char *password,
                                 size_t password_len, int charset_utf8,
                                 unsigned char out[DIGEST_MD5_LEN])
{
    EVP_MD_CTX *ctx;
    unsigned int n = 0;
    int ok;

    if (!username || (!password && password_len) || !out)
        return DIGEST_ERR_INVALID_ARG;
    if (!realm)
        realm = "";
    ctx = EVP_MD_CTX_new();
    if (!ctx)
        return DIGEST_ERR_NOMEM;
    ok = EVP_DigestInit_ex(ctx, md5(), NULL) &&
         md_update_8859(ctx, username, strlen(username), charset_utf8) &&
         EVP_DigestUpdate(ctx, ":", 1) &&
         (realm[0] == '\0' || EVP_DigestUpdate(ctx, realm, strlen(realm))) &&
         EVP_DigestUpdate(ctx, ":", 1) &&
         md_update_8859(ctx, password ? password : "", password_len, charset_utf8) &&
         EVP_DigestFinal_ex(ctx, out, &n);
    EVP_MD_CTX_free(ctx);
    if (!ok || n != DIGEST_MD5_LEN) {
        ERR_clear_error();
        OPENSSL_cleanse(out, DIGEST_MD5_LEN);
        return DIGEST_ERR_CRYPTO;
    }
    return DIGEST_OK;
}

/* RFC 2831 2.1.2.1: A1 = { H({username ":" realm ":" passwd}),
 *                          ":" nonce ":" cnonce [ ":" authzid ] } */
digest_status digest_sasl_ha1(const unsigned char secret[DIGEST_MD5_LEN], const char *nonce,
                              const char *cnonce, const char *authzid,
                              unsigned char ha1[DIGEST_MD5_LEN])
{
    if (!secret || !nonce || !cnonce || !ha1)
        return DIGEST_ERR_INVALID_ARG;
    {
        dpart p[7] = {{secret, DIGEST_MD5_LEN}, PART_COLON, PART_STR(nonce), PART_COLON,
                      PART_STR(cnonce), PART_COLON, {authzid, authzid ? strlen(authzid) : 0}};
        return md_parts(md5(), p, authzid ? 7 : 5, ha1, NULL);
    }
}

/* RFC 2831 2.1.2.1 (response-value) and 2.1.3 (rspauth):
 *   HEX(KD(HEX(H(A1)), { nonce ":" nc ":" cnonce ":" qop ":" HEX(H(A2)) }))
 *   A2 = { "AUTHENTICATE:", digest-uri [ ":00000000000000000000000000000000" ] }
 *   (rspauth: A2 = { ":", digest-uri [...] }); the zeros for auth-int and
 *   auth-conf. */
digest_status digest_sasl_response_value(const unsigned char ha1[DIGEST_MD5_LEN],
                                         const char *nonce, const char *nc, const char *cnonce,
                                         unsigned qop, const char *digest_uri, int for_rspauth,
                                         char out[33])
{
    static const char zeros[] = ":00000000000000000000000000000000";
    char ha1hex[33], ha2hex[33];
    const char *q;
    digest_status st;

    if (!ha1 || !nonce || !nc || !cnonce || !digest_uri || !out)
        return DIGEST_ERR_INVALID_ARG;
    if (qop == 0)
        qop = DIGEST_QOP_AUTH;
    q = digest_qop_name(qop);
    if (!q)
        return DIGEST_ERR_UNSUPPORTED;
    {
        const char *m = for_rspauth ? "" : "AUTHENTICATE";
        dpart a2[4] = {PART_STR(m), PART_COLON, PART_STR(digest_uri),
                       {zeros, sizeof(zeros) - 1}};
        st = md_parts_hex(DIGEST_ALG_MD5, a2, qop == DIGEST_QOP_AUTH ? 3 : 4, ha2hex);
    }
    if (st != DIGEST_OK)
        return st;
    to_hex(ha1, DIGEST_MD5_LEN, ha1hex);
    {
        dpart p[11] = {{ha1hex, 32}, PART_COLON, PART_STR(nonce), PART_COLON, PART_STR(nc),
                       PART_COLON, PART_STR(cnonce), PART_COLON, PART_STR(q), PART_COLON,
                       {ha2hex, 32}};
        st = md_parts_hex(DIGEST_ALG_MD5, p, 11, out);
    }
    OPENSSL_cleanse(ha1hex, sizeof(ha1hex));
    return st;
}

digest_status digest_sasl_verify_response(const digest_sasl_response *r,
                                          const unsigned char secret[DIGEST_MD5_LEN],
                                          unsigned char ha1_out[DIGEST_MD5_LEN],
                                          char rspauth_out[33])
{
    unsigned char ha1[DIGEST_MD5_LEN];
    char expect[33];
    digest_status st;

    if (!r || !secret || !r->nonce || !r->cnonce || !r->digest_uri)
        return DIGEST_ERR_INVALID_ARG;
    st = digest_sasl_ha1(secret, r->nonce, r->cnonce, r->authzid, ha1);
    if (st == DIGEST_OK)
        st = digest_sasl_response_value(ha1, r->nonce, r->nc, r->cnonce, r->qop, r->digest_uri,
                                        0, expect);
    if (st == DIGEST_OK && !digest_hex_equal(expect, r->response))
        st = DIGEST_ERR_AUTH_FAILED;
    if (st == DIGEST_OK && rspauth_out)
        st = digest_sasl_response_value(ha1, r->nonce, r->nc, r->cnonce, r->qop, r->digest_uri,
                                        1, rspauth_out);
    if (st == DIGEST_OK && ha1_out)
        memcpy(ha1_out, ha1, DIGEST_MD5_LEN);
    OPENSSL_cleanse(ha1, sizeof(ha1));
    OPENSSL_cleanse(expect, sizeof(expect));
    return st;
}

digest_status digest_sasl_verify_rspauth(const digest_sasl_response *sent,
                                         const unsigned char ha1[DIGEST_MD5_LEN],
                                         const char *rspauth)
{
    char expect[33];
    digest_status st;
    if (!sent || !ha1 || !rspauth || !sent->nonce || !sent->cnonce || !sent->digest_uri)
        return DIGEST_ERR_INVALID_ARG;
    st = digest_sasl_response_value(ha1, sent->nonce, sent->nc, sent->cnonce, sent->qop,
                                    sent->digest_uri, 1, expect);
    if (st == DIGEST_OK && !digest_hex_equal(expect, rspauth))
        st = DIGEST_ERR_AUTH_FAILED;
    OPENSSL_cleanse(expect, sizeof(expect));
    return st;
}

/* ------------------------------------------------------ key derivation */

static const char kic_magic[] = "Digest session key to client-to-server signing key magic constant";
static const char kis_magic[] = "Digest session key to server-to-client signing key magic constant";
static const char kcc_magic[] = "Digest H(A1) to client-to-server sealing key magic constant";
static const char kcs_magic[] = "Digest H(A1) to server-to-client sealing key magic constant";

static int cipher_known(unsigned cipher)
{
    return cipher == DIGEST_CIPHER_3DES || cipher == DIGEST_CIPHER_DES ||
           cipher == DIGEST_CIPHER_RC4 || cipher == DIGEST_CIPHER_RC4_40 ||
           cipher == DIGEST_CIPHER_RC4_56;
}

/* RFC 2831 2.3 (Kic, Kis) and 2.4 (Kcc, Kcs) */
digest_status digest_sasl_derive_keys(const unsigned char ha1[DIGEST_MD5_LEN], unsigned cipher,
                                      digest_sasl_keys *out)
{
    size_t n = 16;
    digest_status st;

    if (!ha1 || !out || (cipher && !cipher_known(cipher)))
        return DIGEST_ERR_INVALID_ARG;
    memset(out, 0, sizeof(*out));
    {
        dpart p[2] = {{ha1, DIGEST_MD5_LEN}, {kic_magic, sizeof(kic_magic) - 1}};
        st = md_parts(md5(), p, 2, out->kic, NULL);
        p[1].p = kis_magic;
        p[1].n = sizeof(kis_magic) - 1;
        if (st == DIGEST_OK)
            st = md_parts(md5(), p, 2, out->kis, NULL);
    }
    if (st == DIGEST_OK && cipher) {
        /* 2.4: n = 5 for rc4-40, 7 for rc4-56, 16 for the others */
        if (cipher == DIGEST_CIPHER_RC4_40)
            n = 5;
        else if (cipher == DIGEST_CIPHER_RC4_56)
            n = 7;
        {
            dpart p[2] = {{ha1, n}, {kcc_magic, sizeof(kcc_magic) - 1}};
            st = md_parts(md5(), p, 2, out->kcc, NULL);
            p[1].p = kcs_magic;
            p[1].n = sizeof(kcs_magic) - 1;
            if (st == DIGEST_OK)
                st = md_parts(md5(), p, 2, out->kcs, NULL);
        }
    }
    if (st != DIGEST_OK)
        OPENSSL_cleanse(out, sizeof(*out));
    return st;
}

/* ------------------------------------------------------------ ciphers */

/* des and rc4 live in OpenSSL 3's legacy provider: a private library
 * context with "default" + "legacy", made once (see digest_crypto.h). */
static CRYPTO_ONCE legacy_once = CRYPTO_ONCE_STATIC_INIT;
static OSSL_LIB_CTX *legacy_ctx;

static void legacy_init(void)
{
    OSSL_LIB_CTX *ctx = OSSL_LIB_CTX_new();
    if (!ctx)
        return;
    ERR_set_mark();
    if (!OSSL_PROVIDER_load(ctx, "default") || !OSSL_PROVIDER_load(ctx, "legacy")) {
        OSSL_LIB_CTX_free(ctx);
        ctx = NULL;
    }
    ERR_pop_to_mark();
    legacy_ctx = ctx;
}

static EVP_CIPHER *fetch_cipher(const char *name)
{
    EVP_CIPHER *c;
    ERR_set_mark();
    c = EVP_CIPHER_fetch(NULL, name, NULL);
    if (!c && CRYPTO_THREAD_run_once(&legacy_once, legacy_init) && legacy_ctx)
        c = EVP_CIPHER_fetch(legacy_ctx, name, NULL);
    ERR_pop_to_mark();
    return c;
}

static const char *cipher_evp_name(unsigned cipher)
{
    switch (cipher) {
    case DIGEST_CIPHER_3DES: return "DES-EDE-CBC"; /* two-key EDE: K1, K2, K1 */
    case DIGEST_CIPHER_DES: return "DES-CBC";
    case DIGEST_CIPHER_RC4: case DIGEST_CIPHER_RC4_40: case DIGEST_CIPHER_RC4_56:
        return "RC4";
    default: return NULL;
    }
}

/* The ciphers, fetched once for the life of the process.  Fetching them
 * for each credential, challenge and security layer cost more than the
 * rest of the cipher set-up: des and rc4 are not in the default context,
 * so each fetch first failed there, and a failed fetch is not cached by
 * OpenSSL 3.0 (perf of fuzz-sspi, 2026-12-06: about 8% of its time,
 * docs/robustness.md).  EVP_CIPHER objects are reference-counted and may
 * be shared by threads.  What is unavailable at the first use stays so. */
enum { EVP_3DES, EVP_DES, EVP_RC4, EVP_CIPHERS };
static CRYPTO_ONCE ciphers_once = CRYPTO_ONCE_STATIC_INIT;
static EVP_CIPHER *ciphers[EVP_CIPHERS];

static void ciphers_init(void)
{
    ciphers[EVP_3DES] = fetch_cipher(cipher_evp_name(DIGEST_CIPHER_3DES));
    ciphers[EVP_DES] = fetch_cipher(cipher_evp_name(DIGEST_CIPHER_DES));
    ciphers[EVP_RC4] = fetch_cipher(cipher_evp_name(DIGEST_CIPHER_RC4));
}

static const EVP_CIPHER *cipher_for(unsigned cipher)
{
    if (!CRYPTO_THREAD_run_once(&ciphers_once, ciphers_init))
        return NULL;
    switch (cipher) {
    case DIGEST_CIPHER_3DES: return ciphers[EVP_3DES];
    case DIGEST_CIPHER_DES: return ciphers[EVP_DES];
    case DIGEST_CIPHER_RC4: case DIGEST_CIPHER_RC4_40: case DIGEST_CIPHER_RC4_56:
        return ciphers[EVP_RC4];
    default: return NULL;
    }
}

unsigned digest_sasl_ciphers_available(void)
{
    static const unsigned all[] = {DIGEST_CIPHER_3DES, DIGEST_CIPHER_DES, DIGEST_CIPHER_RC4,
                                   DIGEST_CIPHER_RC4_40, DIGEST_CIPHER_RC4_56};
    unsigned mask = 0;
    size_t i;
    for (i = 0; i < sizeof(all) / sizeof(all[0]); i++)
        if (cipher_for(all[i]))
            mask |= all[i];
    return mask;
}

/* RFC 2831 2.4: a 56-bit DES key from 7 octets, each 7 bits in the high
 * bits of an output octet, the low bit made odd parity. */
static void des_key_expand(const unsigned char in[7], unsigned char out[8])
{
    uint64_t v = 0;
    size_t i;
    for (i = 0; i < 7; i++)
        v = (v << 8) | in[i];
    for (i = 0; i < 8; i++) {
        unsigned b = (unsigned)(v >> (49 - 7 * i)) & 0x7fu;
        unsigned par = b ^ (b >> 4);
        par ^= par >> 2;
        par ^= par >> 1;
        out[i] = (unsigned char)((b << 1) | (~par & 1u));
    }
}

static digest_status cipher_setup(unsigned cipher, const unsigned char kc[16], int enc,
                                  EVP_CIPHER_CTX **out, size_t *block)
{
    unsigned char key[16];
    size_t keylen;
    const unsigned char *iv = NULL;
    const EVP_CIPHER *c;
    EVP_CIPHER_CTX *ctx;
    int ok;

    switch (cipher) {
    case DIGEST_CIPHER_3DES: /* 2.4: K1 = Kc[0..6], K2 = Kc[7..13], IV = Kc[8..15] */
        des_key_expand(kc, key);
        des_key_expand(kc + 7, key + 8);
        keylen = 16;
        iv = kc + 8;
        *block = 8;
        break;
    case DIGEST_CIPHER_DES: /* 2.4: K = Kc[0..6], IV = Kc[8..15] */
        des_key_expand(kc, key);
        keylen = 8;
        iv = kc + 8;
        *block = 8;
        break;
    case DIGEST_CIPHER_RC4: case DIGEST_CIPHER_RC4_40: case DIGEST_CIPHER_RC4_56:
        memcpy(key, kc, 16); /* 2.4: the whole Kc is the RC4 key */
        keylen = 16;
        *block = 1;
        break;
    default:
        return DIGEST_ERR_INVALID_ARG;
    }
    c = cipher_for(cipher);
    if (!c) {
        OPENSSL_cleanse(key, sizeof(key));
        return DIGEST_ERR_UNSUPPORTED;
    }
    ctx = EVP_CIPHER_CTX_new();
    ok = ctx && (size_t)EVP_CIPHER_get_key_length(c) == keylen &&
         EVP_CipherInit_ex2(ctx, c, key, iv, enc, NULL) && EVP_CIPHER_CTX_set_padding(ctx, 0);
    OPENSSL_cleanse(key, sizeof(key));
    if (!ok) {
        EVP_CIPHER_CTX_free(ctx);
        ERR_clear_error();
        return DIGEST_ERR_CRYPTO;
    }
    *out = ctx;
    return DIGEST_OK;
}

/* ------------------------------------------------------ security layer */

struct digest_sasl_layer {
    unsigned qop;
    unsigned cipher;
    size_t block;
    unsigned char ki_send[16], ki_recv[16];
    EVP_CIPHER_CTX *enc, *dec;
    EVP_MAC *hmac;
    uint32_t seq_send, seq_recv;
    int send_done, recv_done;   /* 2^32 messages used up */
};

void digest_sasl_layer_free(digest_sasl_layer *l)
{
    if (!l)
        return;
    EVP_CIPHER_CTX_free(l->enc);
    EVP_CIPHER_CTX_free(l->dec);
    EVP_MAC_free(l->hmac);
    OPENSSL_cleanse(l, sizeof(*l));
    free(l);
}

digest_status digest_sasl_layer_new(const unsigned char ha1[DIGEST_MD5_LEN], int is_server,
                                    unsigned qop, unsigned cipher, digest_sasl_layer **out)
{
    digest_sasl_keys k;
    digest_sasl_layer *l;
    digest_status st;

    if (!ha1 || !out)
        return DIGEST_ERR_INVALID_ARG;
    *out = NULL;
    if (qop == DIGEST_QOP_AUTH_INT)
        cipher = 0;
    else if (qop != DIGEST_QOP_AUTH_CONF || !cipher_known(cipher))
        return DIGEST_ERR_INVALID_ARG;
    st = digest_sasl_derive_keys(ha1, cipher, &k);
    if (st != DIGEST_OK)
        return st;
    l = calloc(1, sizeof(*l));
    if (!l) {
        OPENSSL_cleanse(&k, sizeof(k));
        return DIGEST_ERR_NOMEM;
    }
    l->qop = qop;
    l->cipher = cipher;
    l->block = 1;
    /* the client sends with Kic / Kcc, the server with Kis / Kcs */
    memcpy(l->ki_send, is_server ? k.kis : k.kic, 16);
    memcpy(l->ki_recv, is_server ? k.kic : k.kis, 16);
    ERR_set_mark();
    l->hmac = EVP_MAC_fetch(NULL, "HMAC", NULL);
    ERR_pop_to_mark();
    st = l->hmac ? DIGEST_OK : DIGEST_ERR_CRYPTO;
    if (st == DIGEST_OK && cipher) {
        st = cipher_setup(cipher, is_server ? k.kcs : k.kcc, 1, &l->enc, &l->block);
        if (st == DIGEST_OK)
            st = cipher_setup(cipher, is_server ? k.kcc : k.kcs, 0, &l->dec, &l->block);
    }
    OPENSSL_cleanse(&k, sizeof(k));
    if (st != DIGEST_OK) {
        digest_sasl_layer_free(l);
        return st;
    }
    *out = l;
    return DIGEST_OK;
}

uint32_t digest_sasl_layer_send_seq(const digest_sasl_layer *l)
{
    return l ? l->seq_send : 0;
}

uint32_t digest_sasl_layer_recv_seq(const digest_sasl_layer *l)
{
    return l ? l->seq_recv : 0;
}

static void put_be32(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)(v >> 24);
    p[1] = (unsigned char)(v >> 16);
    p[2] = (unsigned char)(v >> 8);
    p[3] = (unsigned char)v;
}

static uint32_t get_be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* HMAC(key, parts) with the named digest. */
static digest_status hmac_parts(EVP_MAC *mac, const char *mdname, const unsigned char *key,
                                size_t keylen, const dpart *parts, size_t np,
                                unsigned char *out, size_t outsz)
{
    EVP_MAC_CTX *ctx;
    OSSL_PARAM params[2];
    char name[16];
    size_t i, n = 0;
    int ok;

    if (strlen(mdname) >= sizeof(name))
        return DIGEST_ERR_INVALID_ARG;
    strcpy(name, mdname);
    params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, name, 0);
    params[1] = OSSL_PARAM_construct_end();
    ctx = EVP_MAC_CTX_new(mac);
    if (!ctx)
        return DIGEST_ERR_NOMEM;
    ok = EVP_MAC_init(ctx, key, keylen, params);
    for (i = 0; ok && i < np; i++)
        if (parts[i].n)
            ok = EVP_MAC_update(ctx, parts[i].p, parts[i].n);
    if (ok)
        ok = EVP_MAC_final(ctx, out, &n, outsz);
    EVP_MAC_CTX_free(ctx);
    if (!ok || n != outsz) {
        ERR_clear_error();
        return DIGEST_ERR_CRYPTO;
    }
    return DIGEST_OK;
}

/* RFC 2831 2.3: HMAC(Ki, {SeqNum, msg}) */
static digest_status layer_hmac(const digest_sasl_layer *l, const unsigned char *ki,
                                uint32_t seq, const void *msg, size_t len,
                                unsigned char out[16])
{
    unsigned char sq[4];
    dpart p[2] = {{sq, 4}, {msg, len}};
    put_be32(sq, seq);
    return hmac_parts(l->hmac, "MD5", ki, 16, p, 2, out, 16);
}

/* MAC(Ki, SeqNum, msg) = HMAC(Ki, {SeqNum, msg})[0..9], 0x0001, SeqNum */
static void put_trailer(unsigned char *t, const unsigned char hmac[16], uint32_t seq)
{
    memcpy(t, hmac, 10);
    t[10] = 0x00;
    t[11] = 0x01;
    put_be32(t + 12, seq);
}

static digest_status next_send(digest_sasl_layer *l, uint32_t *seq)
{
    if (l->send_done)
        return DIGEST_ERR_SEQUENCE;
    *seq = l->seq_send;
    return DIGEST_OK;
}

static void advance(uint32_t *seq, int *done)
{
    if (*seq == UINT32_MAX)
        *done = 1;
    else
        (*seq)++;
}

/* Checks the version and sequence number of a received trailer. */
static digest_status check_trailer(const digest_sasl_layer *l, const unsigned char *t)
{
    if (t[10] != 0x00 || t[11] != 0x01)
        return DIGEST_ERR_BAD_MAC;
    if (l->recv_done || get_be32(t + 12) != l->seq_recv)
        return DIGEST_ERR_SEQUENCE;
    return DIGEST_OK;
}

digest_status digest_sasl_sign(digest_sasl_layer *l, const void *msg, size_t len,
                               unsigned char mac[DIGEST_SASL_MAC_LEN])
{
    unsigned char h[16];
    uint32_t seq;
    digest_status st;
    if (!l || (!msg && len) || !mac)
        return DIGEST_ERR_INVALID_ARG;
    st = next_send(l, &seq);
    if (st == DIGEST_OK)
        st = layer_hmac(l, l->ki_send, seq, msg, len, h);
    if (st == DIGEST_OK) {
        put_trailer(mac, h, seq);
        advance(&l->seq_send, &l->send_done);
    }
    OPENSSL_cleanse(h, sizeof(h));
    return st;
}

digest_status digest_sasl_verify(digest_sasl_layer *l, const void *msg, size_t len,
                                 const unsigned char mac[DIGEST_SASL_MAC_LEN])
{
    unsigned char h[16];
    digest_status st;
    if (!l || (!msg && len) || !mac)
        return DIGEST_ERR_INVALID_ARG;
    st = check_trailer(l, mac);
    if (st == DIGEST_OK)
        st = layer_hmac(l, l->ki_recv, l->seq_recv, msg, len, h);
    if (st == DIGEST_OK && CRYPTO_memcmp(h, mac, 10) != 0)
        st = DIGEST_ERR_BAD_MAC;
    if (st == DIGEST_OK)
        advance(&l->seq_recv, &l->recv_done);
    OPENSSL_cleanse(h, sizeof(h));
    return st;
}

/* Largest message handled: EVP takes int lengths. */
#define SASL_MAX_MSG ((size_t)INT_MAX - 64)

digest_status digest_sasl_wrap(digest_sasl_layer *l, const void *msg, size_t len,
                               unsigned char **out, size_t *outlen)
{
    unsigned char h[16], *buf = NULL;
    size_t pad = 0, plain, total;
    uint32_t seq;
    int n1 = 0;
    digest_status st;

    if (!l || (!msg && len) || !out || !outlen)
        return DIGEST_ERR_INVALID_ARG;
    *out = NULL;
    *outlen = 0;
    if (len > SASL_MAX_MSG)
        return DIGEST_ERR_TOO_LONG;
    if (l->qop == DIGEST_QOP_AUTH_INT) {
        buf = malloc(len + DIGEST_SASL_MAC_LEN);
        if (!buf)
            return DIGEST_ERR_NOMEM;
        if (len)
            memcpy(buf, msg, len);
        st = digest_sasl_sign(l, msg, len, buf + len);
        if (st != DIGEST_OK) {
            free(buf);
            return st;
        }
        *out = buf;
        *outlen = len + DIGEST_SASL_MAC_LEN;
        return DIGEST_OK;
    }
    /* RFC 2831 2.4: CIPHER(Kc, {msg, pad, HMAC(Ki, {SeqNum, msg})[0..9]}),
     * 0x0001, SeqNum; pad makes the ciphertext a multiple of the block */
    st = next_send(l, &seq);
    if (st != DIGEST_OK)
        return st;
    if (l->block > 1)
        pad = l->block - (len + 10) % l->block;
    plain = len + pad + 10;
    total = plain + 6;
    buf = malloc(total);
    if (!buf)
        return DIGEST_ERR_NOMEM;
    if (len)
        memcpy(buf, msg, len);
    memset(buf + len, (int)pad, pad);
    st = layer_hmac(l, l->ki_send, seq, msg, len, h);
    if (st == DIGEST_OK) {
        memcpy(buf + len + pad, h, 10);
        if (!EVP_EncryptUpdate(l->enc, buf, &n1, buf, (int)plain) || (size_t)n1 != plain) {
            ERR_clear_error();
            st = DIGEST_ERR_CRYPTO; /* the cipher state is now unusable */
            l->send_done = 1;
        }
    }
    OPENSSL_cleanse(h, sizeof(h));
    if (st != DIGEST_OK) {
        OPENSSL_cleanse(buf, total);
        free(buf);
        return st;
    }
    buf[plain] = 0x00;
    buf[plain + 1] = 0x01;
    put_be32(buf + plain + 2, seq);
    advance(&l->seq_send, &l->send_done);
    *out = buf;
    *outlen = total;
    return DIGEST_OK;
}

digest_status digest_sasl_unwrap(digest_sasl_layer *l, const void *in, size_t len,
                                 unsigned char **out, size_t *outlen)
{
    const unsigned char *p = in;
    unsigned char h[16], *plain = NULL;
    unsigned char trailer[DIGEST_SASL_MAC_LEN];
    EVP_CIPHER_CTX *tmp = NULL;
    size_t clen, msglen, padlen = 0, i, maxpad;
    unsigned bad = 0;
    int n1 = 0;
    digest_status st;

    if (!l || (!in && len) || !out || !outlen)
        return DIGEST_ERR_INVALID_ARG;
    *out = NULL;
    *outlen = 0;
    if (len < DIGEST_SASL_MAC_LEN)
        return DIGEST_ERR_BAD_MAC;
    if (len > SASL_MAX_MSG)
        return DIGEST_ERR_TOO_LONG;
    if (l->qop == DIGEST_QOP_AUTH_INT) {
        msglen = len - DIGEST_SASL_MAC_LEN;
        st = digest_sasl_verify(l, p, msglen, p + msglen);
        if (st != DIGEST_OK)
            return st;
        plain = malloc(msglen ? msglen : 1);
        if (!plain)
            return DIGEST_ERR_NOMEM; /* verified and counted: caller must drop the link */
        if (msglen)
            memcpy(plain, p, msglen);
        *out = plain;
        *outlen = msglen;
        return DIGEST_OK;
    }
    /* confidentiality: the cleartext 0x0001 and SeqNum first */
    clen = len - 6;
    memset(trailer, 0, sizeof(trailer));
    memcpy(trailer + 10, p + clen, 6);
    st = check_trailer(l, trailer);
    if (st != DIGEST_OK)
        return st;
    if (clen < 10 || (l->block > 1 && (clen % l->block != 0 || clen < 16)))
        return DIGEST_ERR_BAD_MAC;
    plain = malloc(clen);
    tmp = EVP_CIPHER_CTX_new();
    if (!plain || !tmp) {
        free(plain);
        EVP_CIPHER_CTX_free(tmp);
        return DIGEST_ERR_NOMEM;
    }
    /* decrypt with a copy of the state, kept only if the message is good */
    if (!EVP_CIPHER_CTX_copy(tmp, l->dec) ||
        !EVP_DecryptUpdate(tmp, plain, &n1, p, (int)clen) || (size_t)n1 != clen) {
        ERR_clear_error();
        st = DIGEST_ERR_CRYPTO;
        goto done;
    }
    msglen = clen - 10;
    if (l->block > 1) {
        /* pad: 1..8 octets, each holding the pad length; checked without
         * branching on the octets, folded with the MAC result */
        padlen = plain[clen - 11];
        maxpad = clen - 10 < 8 ? clen - 10 : 8;
        bad |= (unsigned)(padlen < 1) | (unsigned)(padlen > maxpad);
        for (i = 1; i <= maxpad; i++) {
            unsigned char mask = (unsigned char)(0u - (unsigned)(i <= padlen));
            bad |= (unsigned)((plain[clen - 10 - i] ^ (unsigned char)padlen) & mask);
        }
        if (padlen < 1 || padlen > maxpad)
            padlen = 1;
        msglen = clen - 10 - padlen;
    }
    st = layer_hmac(l, l->ki_recv, l->seq_recv, plain, msglen, h);
    if (st != DIGEST_OK)
        goto done;
    bad |= (unsigned)(CRYPTO_memcmp(h, plain + clen - 10, 10) != 0);
    if (bad) {
        st = DIGEST_ERR_BAD_MAC;
        goto done;
    }
    EVP_CIPHER_CTX_free(l->dec);
    l->dec = tmp;
    tmp = NULL;
    advance(&l->seq_recv, &l->recv_done);
    OPENSSL_cleanse(plain + msglen, clen - msglen);
    *out = plain;
    *outlen = msglen;
    plain = NULL;
done:
    OPENSSL_cleanse(h, sizeof(h));
    EVP_CIPHER_CTX_free(tmp);
    if (plain) {
        OPENSSL_cleanse(plain, clen);
        free(plain);
    }
    return st;
}

/* ================================================================ nonces */

#define NONCE_RAW 57   /* 8 timestamp + 17 random + 32 HMAC-SHA256 */
#define NONCE_TS 8
#define NONCE_RND 17

digest_status digest_nonce_key_generate(unsigned char *key, size_t keylen)
{
    if (!key || keylen < DIGEST_NONCE_KEY_MIN || keylen > INT_MAX)
        return DIGEST_ERR_INVALID_ARG;
    if (RAND_bytes(key, (int)keylen) != 1) {
        ERR_clear_error();
        return DIGEST_ERR_CRYPTO;
    }
    return DIGEST_OK;
}

static digest_status nonce_mac(const unsigned char *key, size_t keylen, const unsigned char *head,
                               const char *realm, unsigned char out[32])
{
    EVP_MAC *mac;
    digest_status st;
    dpart p[2] = {{head, NONCE_TS + NONCE_RND}, {realm, strlen(realm)}};
    ERR_set_mark();
    mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
    ERR_pop_to_mark();
    if (!mac)
        return DIGEST_ERR_CRYPTO;
    st = hmac_parts(mac, "SHA256", key, keylen, p, 2, out, 32);
    EVP_MAC_free(mac);
    return st;
}

digest_status digest_nonce_make(const unsigned char *key, size_t keylen, const char *realm,
                                uint64_t now, char out[DIGEST_NONCE_LEN + 1])
{
    unsigned char raw[NONCE_RAW];
    size_t i;
    digest_status st;

    if (!key || keylen < DIGEST_NONCE_KEY_MIN || !realm || !out)
        return DIGEST_ERR_INVALID_ARG;
    for (i = 0; i < NONCE_TS; i++)
        raw[i] = (unsigned char)(now >> (56 - 8 * i));
    if (RAND_bytes(raw + NONCE_TS, NONCE_RND) != 1) {
        ERR_clear_error();
        return DIGEST_ERR_CRYPTO;
    }
    st = nonce_mac(key, keylen, raw, realm, raw + NONCE_TS + NONCE_RND);
    if (st != DIGEST_OK)
        return st;
    if (EVP_EncodeBlock((unsigned char *)out, raw, NONCE_RAW) != DIGEST_NONCE_LEN)
        return DIGEST_ERR_CRYPTO;
    out[DIGEST_NONCE_LEN] = '\0';
    return DIGEST_OK;
}

static int is_b64(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
           c == '+' || c == '/';
}

digest_nonce_result digest_nonce_verify(const unsigned char *key, size_t keylen,
                                        const char *realm, const char *nonce, size_t nonce_len,
                                        uint64_t now, uint64_t lifetime, uint64_t *issued)
{
    unsigned char raw[NONCE_RAW + 3], mac[32];
    uint64_t ts = 0;
    size_t i;
    int ok;

    if (!key || keylen < DIGEST_NONCE_KEY_MIN || !realm || !nonce ||
        nonce_len != DIGEST_NONCE_LEN)
        return DIGEST_NONCE_INVALID;
    for (i = 0; i < DIGEST_NONCE_LEN; i++)
        if (!is_b64((unsigned char)nonce[i]))
            return DIGEST_NONCE_INVALID;
    if (EVP_DecodeBlock(raw, (const unsigned char *)nonce, DIGEST_NONCE_LEN) != NONCE_RAW)
        return DIGEST_NONCE_INVALID;
    if (nonce_mac(key, keylen, raw, realm, mac) != DIGEST_OK)
        return DIGEST_NONCE_INVALID;
    ok = CRYPTO_memcmp(mac, raw + NONCE_TS + NONCE_RND, 32) == 0;
    OPENSSL_cleanse(mac, sizeof(mac));
    if (!ok)
        return DIGEST_NONCE_INVALID;
    for (i = 0; i < NONCE_TS; i++)
        ts = (ts << 8) | raw[i];
    if (issued)
        *issued = ts;
    if (ts > now && ts - now > DIGEST_NONCE_MAX_SKEW)
        return DIGEST_NONCE_STALE;
    if (lifetime && now > ts && now - ts > lifetime)
        return DIGEST_NONCE_STALE;
    return DIGEST_NONCE_VALID;
}

/* ------------------------------------------------------------------ channel binding */

static void put_le32(unsigned char p[4], uint32_t v)
{
    p[0] = (unsigned char)v;
    p[1] = (unsigned char)(v >> 8);
    p[2] = (unsigned char)(v >> 16);
    p[3] = (unsigned char)(v >> 24);
}

/* draft-santesson-digestbind-01: MD5 over the binding fields, each length
 * as 4 little-endian bytes (what Windows hashes from SEC_CHANNEL_BINDINGS). */
digest_status digest_channel_binding_hash(uint32_t initiator_addrtype, const void *initiator,
                                          size_t initiator_len, uint32_t acceptor_addrtype,
                                          const void *acceptor, size_t acceptor_len,
                                          const void *application, size_t application_len,
                                          char out[DIGEST_CHANNEL_BINDING_HEX + 1])
{
    unsigned char ia[8], aa[8], ad[4], h[DIGEST_MD5_LEN];
    digest_status st;
    if (!out || initiator_len > UINT32_MAX || acceptor_len > UINT32_MAX ||
        application_len > UINT32_MAX || (initiator_len && !initiator) ||
        (acceptor_len && !acceptor) || (application_len && !application))
        return DIGEST_ERR_INVALID_ARG;
    put_le32(ia, initiator_addrtype);
    put_le32(ia + 4, (uint32_t)initiator_len);
    put_le32(aa, acceptor_addrtype);
    put_le32(aa + 4, (uint32_t)acceptor_len);
    put_le32(ad, (uint32_t)application_len);
    {
        const dpart parts[] = {{ia, 8},       {initiator, initiator_len},
                               {aa, 8},       {acceptor, acceptor_len},
                               {ad, 4},       {application, application_len}};
        st = md_parts(md5(), parts, sizeof(parts) / sizeof(parts[0]), h, NULL);
    }
    if (st == DIGEST_OK)
        to_hex(h, DIGEST_MD5_LEN, out);
    return st;
}

digest_status digest_upgraded_cnonce_hash(const char *service_name, const char *channel_binding,
                                          char out[DIGEST_CHANNEL_BINDING_HEX + 1])
{
    if (!service_name || !channel_binding || !out)
        return DIGEST_ERR_INVALID_ARG;
    {
        const dpart parts[] = {{service_name, strlen(service_name)},
                               {":", 1},
                               {channel_binding, strlen(channel_binding)}};
        unsigned char h[DIGEST_MD5_LEN];
        digest_status st = md_parts(md5(), parts, 3, h, NULL);
        if (st == DIGEST_OK)
            to_hex(h, DIGEST_MD5_LEN, out);
        return st;
    }
}

int digest_upgraded_cnonce_ok(const char *cnonce, const char *service_name,
                              const char *channel_binding)
{
    static const size_t plen = sizeof(DIGEST_UPGRADED_CNONCE_PREFIX) - 1;
    char want[DIGEST_CHANNEL_BINDING_HEX + 1], got[DIGEST_CHANNEL_BINDING_HEX + 1];
    if (!cnonce || bounded_len(cnonce, plen + DIGEST_CHANNEL_BINDING_HEX + 1) <=
                       plen + DIGEST_CHANNEL_BINDING_HEX ||
        memcmp(cnonce, DIGEST_UPGRADED_CNONCE_PREFIX, plen) != 0 ||
        digest_upgraded_cnonce_hash(service_name, channel_binding, want) != DIGEST_OK)
        return 0;
    memcpy(got, cnonce + plen, DIGEST_CHANNEL_BINDING_HEX);
    got[DIGEST_CHANNEL_BINDING_HEX] = '\0';
    return digest_hex_equal(want, got); /* constant time */
}
