/*
 * SASL DIGEST-MD5 (RFC 2831) legs of gss_accept_sec_context and
 * gss_init_sec_context.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>

#include "digest_gss.h"

#define SASL_MAXBUF 65536

/* Client's cipher preference among those offered (RFC 2831 2.4).  rc4
 * (128-bit key) before 3des: Cyrus SASL 2.1.28 on OpenSSL 3, the usual
 * DIGEST-MD5 server, offers 3des but then fails it (its DES key parity
 * check), and a SASL client cannot retry with another cipher. */
static const unsigned cipher_pref[] = {DIGEST_CIPHER_RC4, DIGEST_CIPHER_3DES,
                                       DIGEST_CIPHER_RC4_56, DIGEST_CIPHER_DES,
                                       DIGEST_CIPHER_RC4_40};

static OM_uint32 layer_flags(unsigned qop)
{
    OM_uint32 f = GSS_C_MUTUAL_FLAG;
    if (qop & (DIGEST_QOP_AUTH_INT | DIGEST_QOP_AUTH_CONF))
        f |= GSS_C_INTEG_FLAG | GSS_C_REPLAY_FLAG | GSS_C_SEQUENCE_FLAG;
    if (qop & DIGEST_QOP_AUTH_CONF)
        f |= GSS_C_CONF_FLAG;
    return f;
}

/* ------------------------------------------------------------- acceptor */

static OM_uint32 make_challenge(OM_uint32 *minor, struct dg_ctx *ctx, gss_buffer_t out)
{
    struct dg_cred *c = ctx->cred;
    digest_sasl_challenge ch;
    char nonce[DIGEST_NONCE_LEN + 1];
    char *s = NULL;
    size_t slen;
    OM_uint32 major;

    memset(&ch, 0, sizeof(ch));
    if (digest_nonce_make(c->nonce_key, c->nonce_key_len, ctx->realm, (uint64_t)time(NULL),
                          nonce) != DIGEST_OK)
        return dg_minor(minor, GSS_S_FAILURE, GSS_SSPI_SHIM_DIGEST_S_CRYPTO);
    ch.realm_count = 1;
    ch.realms[0] = ctx->realm;
    ch.nonce = nonce;
    ch.qop_present = 1;
    ch.qop = c->qop;
    ch.ciphers = c->sasl_ciphers & digest_sasl_ciphers_available();
    if (!ch.ciphers)
        ch.qop &= ~DIGEST_QOP_AUTH_CONF;
    ch.cipher_present = (ch.qop & DIGEST_QOP_AUTH_CONF) != 0;
    if (!ch.cipher_present)
        ch.ciphers = 0;
    if (!ch.qop)
        return dg_minor(minor, GSS_S_FAILURE, GSS_SSPI_SHIM_DIGEST_S_QOP_REFUSED);
    ch.maxbuf = SASL_MAXBUF;
    ch.charset_utf8 = 1;
    if (digest_sasl_challenge_serialize(&ch, 0, &s, &slen) != DIGEST_OK)
        return dg_minor(minor, GSS_S_FAILURE, GSS_SSPI_SHIM_DIGEST_S_LIMIT);
    major = dg_set_token(minor, out, s, slen);
    free(s);
    if (major != GSS_S_COMPLETE)
        return major;
    ctx->nonce = strdup(nonce);
    if (!ctx->nonce)
        return dg_minor(minor, GSS_S_FAILURE, ENOMEM);
    ctx->qop = ch.qop;          /* what was offered, until the response */
    ctx->cipher = ch.ciphers;
    ctx->state = DG_SENT_CHALLENGE;
    return GSS_S_CONTINUE_NEEDED;
}

static OM_uint32 user_secret(OM_uint32 *minor, struct dg_cred *c, const digest_sasl_response *r,
                             const char *realm, unsigned char secret[DIGEST_MD5_LEN])
{
    struct dg_user_secret sec;
    OM_uint32 major = GSS_S_COMPLETE;
    if (dg_userstore_lookup(c->store, r->username, realm, &sec) != 0)
        return dg_minor(minor, GSS_S_FAILURE, GSS_SSPI_SHIM_DIGEST_S_USER_STORE);
    if (!sec.found) {
        major = dg_minor(minor, GSS_S_FAILURE, GSS_SSPI_SHIM_DIGEST_S_LOGON_DENIED);
    } else if (sec.password) {
        /* RFC 2831 2.1.2.1 */
        if (digest_sasl_secret(r->username, realm, sec.password, sec.password_len,
                               r->charset_utf8, secret) != DIGEST_OK)
            major = dg_minor(minor, GSS_S_FAILURE, GSS_SSPI_SHIM_DIGEST_S_CRYPTO);
    } else {
        /* htdigest's H(user:realm:password) is exactly the SASL secret */
        size_t i;
        for (i = 0; i < DIGEST_MD5_LEN; i++) {
            unsigned v;
            sscanf(sec.ha1_md5 + 2 * i, "%2x", &v);
            secret[i] = (unsigned char)v;
        }
    }
    dg_user_secret_clear(&sec);
    return major;
}

static OM_uint32 verify_response(OM_uint32 *minor, struct dg_ctx *ctx, const char *wire,
                                 size_t wlen, gss_buffer_t out)
{
    struct dg_cred *c = ctx->cred;
    digest_sasl_response *r = NULL;
    unsigned char secret[DIGEST_MD5_LEN];
    char rspauth[33];
    char *s = NULL;
    size_t slen;
    unsigned qop;
    OM_uint32 major;
    digest_status st;

    if (wlen > DIGEST_SASL_MAX_RESPONSE)
        return dg_minor(minor, GSS_S_DEFECTIVE_TOKEN, GSS_SSPI_SHIM_DIGEST_S_LIMIT);
    if (digest_sasl_parse_response(wire, wlen, 0, &r, NULL) != DIGEST_OK)
        return dg_minor(minor, GSS_S_DEFECTIVE_TOKEN, GSS_SSPI_SHIM_DIGEST_S_BAD_MESSAGE);
    qop = r->qop ? r->qop : DIGEST_QOP_AUTH;
    /* RFC 2831 2.1.2: nonce must be ours, nc 1 on the first response, qop
     * and cipher among those offered, realm the one offered. */
    if (strcmp(r->nonce, ctx->nonce) != 0 ||
        (r->realm && strcmp(r->realm, ctx->realm) != 0)) {
        major = dg_minor(minor, GSS_S_FAILURE, GSS_SSPI_SHIM_DIGEST_S_NONCE_FOREIGN);
        goto out;
    }
    if (r->nc_value != 1) {
        major = dg_minor(minor, GSS_S_FAILURE, GSS_SSPI_SHIM_DIGEST_S_NONCE_REPLAYED);
        goto out;
    }
    if (!(qop & ctx->qop) || (qop == DIGEST_QOP_AUTH_CONF && !(r->cipher & ctx->cipher))) {
        major = dg_minor(minor, GSS_S_FAILURE, GSS_SSPI_SHIM_DIGEST_S_QOP_REFUSED);
        goto out;
    }
    /* digest-uri must name this service when the acceptor has a name */
    if (ctx->target && strcmp(r->digest_uri, ctx->target->value) != 0) {
        major = dg_minor(minor, GSS_S_FAILURE, GSS_SSPI_SHIM_DIGEST_S_LOGON_DENIED);
        goto out;
    }
    major = user_secret(minor, c, r, r->realm ? r->realm : "", secret);
    if (major != GSS_S_COMPLETE)
        goto out;
    st = digest_sasl_verify_response(r, secret, ctx->sasl_ha1, rspauth);
    if (st != DIGEST_OK) {
        major = dg_minor(minor, GSS_S_FAILURE, st == DIGEST_ERR_AUTH_FAILED
                                                   ? GSS_SSPI_SHIM_DIGEST_S_LOGON_DENIED
                                                   : GSS_SSPI_SHIM_DIGEST_S_CRYPTO);
        goto out;
    }
    if (qop != DIGEST_QOP_AUTH &&
        digest_sasl_layer_new(ctx->sasl_ha1, 1, qop, qop == DIGEST_QOP_AUTH_CONF ? r->cipher : 0,
                              &ctx->layer) != DIGEST_OK) {
        major = dg_minor(minor, GSS_S_FAILURE, GSS_SSPI_SHIM_DIGEST_S_CRYPTO);
        goto out;
    }
    if (digest_sasl_rspauth_serialize(rspauth, &s, &slen) != DIGEST_OK) {
        major = dg_minor(minor, GSS_S_FAILURE, GSS_SSPI_SHIM_DIGEST_S_LIMIT);
        goto out;
    }
    major = dg_set_token(minor, out, s, slen);
    free(s);
    if (major != GSS_S_COMPLETE)
        goto out;
    ctx->user = strdup(r->username);
    ctx->sasl_digest_uri = strdup(r->digest_uri);
    ctx->qop = qop;
    ctx->cipher = qop == DIGEST_QOP_AUTH_CONF ? r->cipher : 0;
    ctx->alg = DIGEST_ALG_MD5_SESS;
    ctx->nc = 1;
    ctx->flags = layer_flags(qop);
    ctx->state = DG_ESTABLISHED;
    *minor = 0;
out:
    OPENSSL_cleanse(secret, sizeof(secret));
    OPENSSL_cleanse(rspauth, sizeof(rspauth));
    digest_sasl_response_free(r);
    return major;
}

OM_uint32 dg_sasl_accept(OM_uint32 *minor, struct dg_ctx *ctx,
                         const struct gssmap_digest_params *p, gss_buffer_t out)
{
    size_t wlen = p->value[GSS_SSPI_SHIM_DIGEST_P_WIRE].length;
    if (!ctx->realm) {
        ctx->realm = dg_cred_realm(ctx->cred,
                                   (const char *)p->value[GSS_SSPI_SHIM_DIGEST_P_REALM].data,
                                   p->value[GSS_SSPI_SHIM_DIGEST_P_REALM].length);
        if (!ctx->realm)
            return dg_minor(minor, GSS_S_FAILURE, ENOMEM);
    }
    if (ctx->state == DG_START) {
        if (wlen != 0) /* SASL has no reusable nonce: the server speaks first */
            return dg_minor(minor, GSS_S_DEFECTIVE_TOKEN, GSS_SSPI_SHIM_DIGEST_S_BAD_MESSAGE);
        return make_challenge(minor, ctx, out);
    }
    return verify_response(minor, ctx, (const char *)p->value[GSS_SSPI_SHIM_DIGEST_P_WIRE].data,
                           wlen, out);
}

/* ------------------------------------------------------------- initiator */

static OM_uint32 answer_challenge(OM_uint32 *minor, struct dg_ctx *ctx, OM_uint32 req_flags,
                                  const char *wire, size_t wlen, gss_buffer_t out)
{
    struct dg_cred *c = ctx->cred;
    digest_sasl_challenge *ch = NULL;
    digest_sasl_response r;
    unsigned char secret[DIGEST_MD5_LEN];
    char cnonce[33];
    char *s = NULL;
    size_t slen, i;
    unsigned offered, ciphers;
    OM_uint32 major;

    if (!ctx->target)
        return dg_minor(minor, GSS_S_BAD_NAME, GSS_SSPI_SHIM_DIGEST_S_BAD_PARAMS);
    if (wlen > DIGEST_SASL_MAX_CHALLENGE)
        return dg_minor(minor, GSS_S_DEFECTIVE_TOKEN, GSS_SSPI_SHIM_DIGEST_S_LIMIT);
    if (digest_sasl_parse_challenge(wire, wlen, 0, &ch, NULL) != DIGEST_OK)
        return dg_minor(minor, GSS_S_DEFECTIVE_TOKEN, GSS_SSPI_SHIM_DIGEST_S_BAD_MESSAGE);
    offered = ch->qop_present ? ch->qop : DIGEST_QOP_AUTH;
    ciphers = ch->ciphers & digest_sasl_ciphers_available();
    memset(&r, 0, sizeof(r));
    /* qop from the caller's flags: confidentiality, integrity, else auth */
    if ((req_flags & GSS_C_CONF_FLAG) && (offered & DIGEST_QOP_AUTH_CONF) && ciphers) {
        r.qop = DIGEST_QOP_AUTH_CONF;
        for (i = 0; i < sizeof(cipher_pref) / sizeof(cipher_pref[0]); i++)
            if (ciphers & cipher_pref[i]) {
                r.cipher = cipher_pref[i];
                break;
            }
    } else if ((req_flags & (GSS_C_INTEG_FLAG | GSS_C_CONF_FLAG)) &&
               (offered & DIGEST_QOP_AUTH_INT)) {
        r.qop = DIGEST_QOP_AUTH_INT;
    } else if (offered & DIGEST_QOP_AUTH) {
        r.qop = DIGEST_QOP_AUTH;
    } else {
        digest_sasl_challenge_free(ch);
        return dg_minor(minor, GSS_S_FAILURE, GSS_SSPI_SHIM_DIGEST_S_QOP_REFUSED);
    }
    free(ctx->realm);
    free(ctx->nonce);
    free(ctx->cnonce);
    ctx->realm = strdup(ch->realm_count ? ch->realms[0] : "");
    ctx->nonce = strdup(ch->nonce);
    ctx->cnonce = dg_random_cnonce(cnonce) == 0 ? strdup(cnonce) : NULL;
    ctx->sasl_charset_utf8 = ch->charset_utf8;
    digest_sasl_challenge_free(ch);
    if (!ctx->realm || !ctx->nonce || !ctx->cnonce)
        return dg_minor(minor, GSS_S_FAILURE, ENOMEM);
    r.username = c->name->value;
    r.realm = ctx->realm[0] ? ctx->realm : NULL;
    r.nonce = ctx->nonce;
    r.cnonce = ctx->cnonce;
    strcpy(r.nc, "00000001");
    r.nc_value = 1;
    r.digest_uri = ctx->target->value;
    r.maxbuf = SASL_MAXBUF;
    r.charset_utf8 = ctx->sasl_charset_utf8;
    /* RFC 2831 2.1.2.1 */
    if (digest_sasl_secret(r.username, ctx->realm, c->password, c->password_len,
                           r.charset_utf8, secret) != DIGEST_OK ||
        digest_sasl_ha1(secret, r.nonce, r.cnonce, NULL, ctx->sasl_ha1) != DIGEST_OK ||
        digest_sasl_response_value(ctx->sasl_ha1, r.nonce, r.nc, r.cnonce, r.qop, r.digest_uri,
                                   0, r.response) != DIGEST_OK) {
        OPENSSL_cleanse(secret, sizeof(secret));
        return dg_minor(minor, GSS_S_FAILURE, GSS_SSPI_SHIM_DIGEST_S_CRYPTO);
    }
    OPENSSL_cleanse(secret, sizeof(secret));
    if (digest_sasl_response_serialize(&r, 0, &s, &slen) != DIGEST_OK)
        return dg_minor(minor, GSS_S_FAILURE, GSS_SSPI_SHIM_DIGEST_S_LIMIT);
    major = dg_set_token(minor, out, s, slen);
    free(s);
    if (major != GSS_S_COMPLETE)
        return major;
    ctx->qop = r.qop;
    ctx->cipher = r.cipher;
    ctx->nc = 1;
    ctx->alg = DIGEST_ALG_MD5_SESS;
    ctx->state = DG_SENT_RESPONSE;
    return GSS_S_CONTINUE_NEEDED;
}

static OM_uint32 check_rspauth(OM_uint32 *minor, struct dg_ctx *ctx, const char *wire,
                               size_t wlen)
{
    digest_sasl_response sent;
    char rspauth[33];
    if (digest_sasl_parse_rspauth(wire, wlen, 0, rspauth, NULL) != DIGEST_OK)
        return dg_minor(minor, GSS_S_DEFECTIVE_TOKEN, GSS_SSPI_SHIM_DIGEST_S_BAD_MESSAGE);
    memset(&sent, 0, sizeof(sent));
    sent.username = ctx->cred->name->value;
    sent.realm = ctx->realm[0] ? ctx->realm : NULL;
    sent.nonce = ctx->nonce;
    sent.cnonce = ctx->cnonce;
    strcpy(sent.nc, "00000001");
    sent.nc_value = 1;
    sent.qop = ctx->qop;
    sent.cipher = ctx->cipher;
    sent.digest_uri = ctx->target->value;
    sent.charset_utf8 = ctx->sasl_charset_utf8;
    /* RFC 2831 2.1.3 */
    if (digest_sasl_verify_rspauth(&sent, ctx->sasl_ha1, rspauth) != DIGEST_OK)
        return dg_minor(minor, GSS_S_FAILURE, GSS_SSPI_SHIM_DIGEST_S_RSPAUTH_MISMATCH);
    if (ctx->qop != DIGEST_QOP_AUTH &&
        digest_sasl_layer_new(ctx->sasl_ha1, 0, ctx->qop, ctx->cipher, &ctx->layer) != DIGEST_OK)
        return dg_minor(minor, GSS_S_FAILURE, GSS_SSPI_SHIM_DIGEST_S_CRYPTO);
    ctx->flags = layer_flags(ctx->qop);
    ctx->state = DG_ESTABLISHED;
    *minor = 0;
    return GSS_S_COMPLETE;
}

OM_uint32 dg_sasl_init(OM_uint32 *minor, struct dg_ctx *ctx, OM_uint32 req_flags,
                       const struct gssmap_digest_params *p, gss_buffer_t out)
{
    const char *wire = (const char *)p->value[GSS_SSPI_SHIM_DIGEST_P_WIRE].data;
    size_t wlen = p->value[GSS_SSPI_SHIM_DIGEST_P_WIRE].length;
    if (ctx->state == DG_START)
        return answer_challenge(minor, ctx, req_flags, wire, wlen, out);
    return check_rspauth(minor, ctx, wire, wlen);
}
