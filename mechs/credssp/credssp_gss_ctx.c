/*
 * The CredSSP exchange ([MS-CSSP] 3.1.5), both sides, one leg per call:
 *
 *   1. TLS handshake (the wire tokens are TLS records).
 *   2. TSRequest.negoTokens carry the inner SPNEGO context's tokens until
 *      it is complete on the client.
 *   3. The client sends pubKeyAuth: the inner context's gss_wrap of
 *      SHA-256("CredSSP Client-To-Server Binding Hash\0" || clientNonce ||
 *      SubjectPublicKey) for version 5 and later, or of the SubjectPublicKey
 *      itself for versions 2-4; the server checks it against its own TLS
 *      key and answers with the server-to-client hash (or the key + 1).
 *   4. The client checks that answer, then sends authInfo: TSCredentials
 *      wrapped by the inner context.  Only now does a password leave the
 *      client, after the server proved it holds the TLS key the client
 *      saw (the CVE-2018-0886 fix is the nonce; versions 2-4 are opt-in).
 *
 * The TSRequest version may not change during an exchange; each side uses
 * the lower of the two versions.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/rand.h>
#include <openssl/x509.h>

#include "credssp_binding.h"
#include "credssp_gss.h"
#include "spnego_asn1.h"
#include "credssp_nonce.h"
#include "ntlm_client.h"
#include "ntlm_server.h"
#include "shim_config.h"

static gss_OID_desc spnego_oid = {6, (void *)"\x2b\x06\x01\x05\x05\x02"};
static gss_OID_desc nt_hostbased_oid = {10, (void *)"\x2a\x86\x48\x86\xf7\x12\x01\x02\x01\x04"};
/* NTLM ([MS-NLMP]; OID 1.3.6.1.4.1.311.2.2.10), raw or chosen by SPNEGO:
 * what FreeRDP and mstsc use inside CredSSP without a domain. */
static const gss_OID_desc ntlm_oid = {10, (void *)"\x2b\x06\x01\x04\x01\x82\x37\x02\x02\x0a"};

static bool cs_inner_is_ntlm(const struct cs_ctx *ctx)
{
    return ctx->inner_mech != GSS_C_NO_OID && ctx->inner_mech->length == ntlm_oid.length &&
           memcmp(ctx->inner_mech->elements, ntlm_oid.elements, ntlm_oid.length) == 0;
}

/* NTSTATUS the server reports in TSRequest.errorCode (MS-CSSP 2.2.1). */
#define STATUS_LOGON_FAILURE 0xC000006Du

/* errorCode exists in versions 3 and 4 and again from 6; version 5 has no
 * such field (MS-CSSP 2.2.1, DESIGN.md). */
static bool version_has_error_code(int version)
{
    return version == 3 || version == 4 || version >= 6;
}

/* ------------------------------------------------------------- UTF-16LE */

/* TSPasswordCreds strings are UTF-16LE (MS-CSSP 2.2.1.2.1). */
static int utf8_to_utf16le(const char *s, cssp_octets *out)
{
    size_t n = strlen(s), i = 0, o = 0;
    unsigned char *b = malloc(n * 4 + 2);
    out->data = b;
    out->len = 0;
    if (b == NULL)
        return -1;
    while (i < n) {
        unsigned c = (unsigned char)s[i];
        uint32_t cp;
        size_t need;
        if (c < 0x80) { cp = c; need = 0; }
        else if (c >= 0xc2 && c <= 0xdf) { cp = c & 0x1f; need = 1; }
        else if (c >= 0xe0 && c <= 0xef) { cp = c & 0x0f; need = 2; }
        else if (c >= 0xf0 && c <= 0xf4) { cp = c & 0x07; need = 3; }
        else return -1;
        if (n - i <= need)
            return -1;
        for (size_t k = 1; k <= need; k++) {
            if (((unsigned char)s[i + k] & 0xc0) != 0x80)
                return -1;
            cp = (cp << 6) | ((unsigned char)s[i + k] & 0x3f);
        }
        i += need + 1;
        if ((cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
            return -1;
        if (cp >= 0x10000) {
            cp -= 0x10000;
            unsigned hi = 0xd800 + (cp >> 10), lo = 0xdc00 + (cp & 0x3ff);
            b[o++] = hi & 0xff; b[o++] = (unsigned char)(hi >> 8);
            b[o++] = lo & 0xff; b[o++] = (unsigned char)(lo >> 8);
        } else {
            b[o++] = cp & 0xff; b[o++] = (unsigned char)(cp >> 8);
        }
    }
    out->len = o;
    return 0;
}

char *cs_utf16le_to_utf8(const cssp_octets *in)
{
    size_t n = in->data ? in->len / 2 : 0, o = 0;
    char *s;
    if (in->data && (in->len & 1))
        return NULL;
    s = malloc(n * 3 + 1);
    if (s == NULL)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        uint32_t cp = (uint32_t)in->data[2 * i] | (uint32_t)in->data[2 * i + 1] << 8;
        if (cp >= 0xd800 && cp <= 0xdbff && i + 1 < n) {
            uint32_t lo = (uint32_t)in->data[2 * i + 2] | (uint32_t)in->data[2 * i + 3] << 8;
            if (lo < 0xdc00 || lo > 0xdfff)
                goto bad;
            cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
            i++;
        } else if (cp >= 0xd800 && cp <= 0xdfff) {
            goto bad;
        }
        if (cp == 0)
            goto bad;
        if (cp < 0x80) {
            s[o++] = (char)cp;
        } else if (cp < 0x800) {
            s[o++] = (char)(0xc0 | cp >> 6);
            s[o++] = (char)(0x80 | (cp & 0x3f));
        } else if (cp < 0x10000) {
            s[o++] = (char)(0xe0 | cp >> 12);
            s[o++] = (char)(0x80 | ((cp >> 6) & 0x3f));
            s[o++] = (char)(0x80 | (cp & 0x3f));
        } else { /* 4 bytes for 2 units: within the 6 allowed */
            s[o++] = (char)(0xf0 | cp >> 18);
            s[o++] = (char)(0x80 | ((cp >> 12) & 0x3f));
            s[o++] = (char)(0x80 | ((cp >> 6) & 0x3f));
            s[o++] = (char)(0x80 | (cp & 0x3f));
        }
    }
    s[o] = '\0';
    return s;
bad:
    OPENSSL_cleanse(s, o);
    free(s);
    return NULL;
}

/* ------------------------------------------------------------- context */

void cs_ctx_free(struct cs_ctx *ctx)
{
    const struct cs_lib *lib = cs_lib_get();
    OM_uint32 minor;
    if (ctx == NULL)
        return;
    ntlm_client_free(ctx->ntlm);
    ntlm_server_free(ctx->ntlm_srv);
    free(ctx->spnego_mech_types);
    if (lib != NULL) {
        if (ctx->inner != GSS_C_NO_CONTEXT)
            lib->delete_sec_context(&minor, &ctx->inner, GSS_C_NO_BUFFER);
        if (ctx->inner_target != GSS_C_NO_NAME)
            lib->release_name(&minor, &ctx->inner_target);
    }
    SSL_free(ctx->ssl);
    free(ctx->spk);
    if (ctx->in != NULL) {
        OPENSSL_cleanse(ctx->in, ctx->in_len);
        free(ctx->in);
    }
    free(ctx->client_name);
    free(ctx->server_name);
    cssp_ts_credentials_clear(&ctx->creds);
    cs_name_free(ctx->target);
    cs_cred_unref(ctx->cred);
    OPENSSL_cleanse(ctx->nonce, sizeof(ctx->nonce));
    free(ctx);
}

static OM_uint32 fail(OM_uint32 *minor, struct cs_ctx *ctx, OM_uint32 major, OM_uint32 code)
{
    ctx->state = CS_FAILED;
    ERR_clear_error();
    return cs_minor(minor, major, code);
}

static OM_uint32 tls_new(OM_uint32 *minor, struct cs_ctx *ctx)
{
    SSL_CTX *sctx;
    OM_uint32 major = ctx->initiator ? cs_tls_client_ctx(minor, &sctx)
                                     : cs_tls_server_ctx(minor, ctx->cred, &sctx);
    if (major != GSS_S_COMPLETE)
        return major;
    ctx->ssl = SSL_new(sctx);
    ctx->rbio = BIO_new(BIO_s_mem());
    ctx->wbio = BIO_new(BIO_s_mem());
    if (ctx->ssl == NULL || ctx->rbio == NULL || ctx->wbio == NULL) {
        BIO_free(ctx->rbio);
        BIO_free(ctx->wbio);
        ctx->rbio = ctx->wbio = NULL;
        return cs_minor(minor, GSS_S_FAILURE, ENOMEM);
    }
    BIO_set_mem_eof_return(ctx->rbio, -1);
    BIO_set_mem_eof_return(ctx->wbio, -1);
    SSL_set_bio(ctx->ssl, ctx->rbio, ctx->wbio);
    if (ctx->initiator) {
        SSL_set_connect_state(ctx->ssl);
        /* SNI: the target host, as mstsc sends it. */
        const char *at = ctx->target ? strchr(ctx->target->value, '@') : NULL;
        const char *host = at != NULL ? at + 1 : NULL;
        if (host != NULL && *host != '\0')
            SSL_set_tlsext_host_name(ctx->ssl, host);
    } else {
        SSL_set_accept_state(ctx->ssl);
    }
    return GSS_S_COMPLETE;
}

static OM_uint32 feed(OM_uint32 *minor, struct cs_ctx *ctx, const gss_buffer_desc *in)
{
    if (in == NULL || in->length == 0)
        return GSS_S_COMPLETE;
    if (in->length > INT32_MAX || BIO_write(ctx->rbio, in->value, (int)in->length) != (int)in->length)
        return fail(minor, ctx, GSS_S_FAILURE, ENOMEM);
    return GSS_S_COMPLETE;
}

/* The SubjectPublicKey of the server's certificate (MS-CSSP 3.1.5: "the
 * public key ... from the server's X.509 certificate"). */
static OM_uint32 take_server_key(OM_uint32 *minor, struct cs_ctx *ctx)
{
    X509 *cert = ctx->initiator ? SSL_get1_peer_certificate(ctx->ssl)
                                : SSL_get_certificate(ctx->ssl);
    const ASN1_BIT_STRING *bits = cert ? X509_get0_pubkey_bitstr(cert) : NULL;
    OM_uint32 major = GSS_S_COMPLETE;
    if (bits == NULL || bits->length <= 0) {
        major = fail(minor, ctx, GSS_S_DEFECTIVE_TOKEN, GSS_SSPI_SHIM_CREDSSP_S_CERT);
    } else if ((ctx->spk = malloc((size_t)bits->length)) == NULL) {
        major = fail(minor, ctx, GSS_S_FAILURE, ENOMEM);
    } else {
        memcpy(ctx->spk, bits->data, (size_t)bits->length);
        ctx->spk_len = (size_t)bits->length;
    }
    if (ctx->initiator)
        X509_free(cert);
    return major;
}

/* Runs the TLS handshake as far as the input allows; *done once finished. */
static OM_uint32 handshake(OM_uint32 *minor, struct cs_ctx *ctx, bool *done)
{
    int r = SSL_do_handshake(ctx->ssl);
    *done = false;
    if (r == 1) {
        *done = true;
        return take_server_key(minor, ctx);
    }
    if (SSL_get_error(ctx->ssl, r) == SSL_ERROR_WANT_READ)
        return GSS_S_COMPLETE;
    return fail(minor, ctx, GSS_S_DEFECTIVE_TOKEN, GSS_SSPI_SHIM_CREDSSP_S_TLS);
}

static OM_uint32 send_request(OM_uint32 *minor, struct cs_ctx *ctx, struct cssp_ts_request *req)
{
    unsigned char *der = NULL;
    size_t len = 0;
    int w;
    if (cssp_ts_request_encode(req, &der, &len) != CSSP_OK)
        return fail(minor, ctx, GSS_S_FAILURE, ENOMEM);
    w = len <= INT32_MAX ? SSL_write(ctx->ssl, der, (int)len) : -1;
    cssp_free_secret(der, len);
    if (w != (int)len)
        return fail(minor, ctx, GSS_S_FAILURE, GSS_SSPI_SHIM_CREDSSP_S_TLS);
    return GSS_S_COMPLETE;
}

/* Reads the decrypted TLS data; *have when a whole TSRequest arrived. */
static OM_uint32 read_request(OM_uint32 *minor, struct cs_ctx *ctx, struct cssp_ts_request *req,
                              bool *have)
{
    unsigned char buf[16384];
    size_t total = 0;
    int r;
    *have = false;
    for (;;) {
        r = SSL_read(ctx->ssl, buf, sizeof(buf));
        if (r <= 0) {
            int e = SSL_get_error(ctx->ssl, r);
            if (e == SSL_ERROR_WANT_READ)
                break;
            /* FreeRDP 2's server answers an NTLM AUTHENTICATE it cannot
             * verify (a wrong password: its log says the MIC check
             * failed) with a TLS close_notify, no errorCode (measured,
             * tests/interop-freerdp-shadow.sh).  A server that hangs up
             * cleanly right after our NTLM AUTHENTICATE, instead of
             * sending its pubKeyAuth, refused the logon: SEC_E_LOGON_DENIED
             * rather than a TLS failure. */
            if (e == SSL_ERROR_ZERO_RETURN && ctx->initiator && ctx->ntlm != NULL &&
                ctx->state == CS_PUBKEY && ctx->in_len == 0)
                return fail(minor, ctx, GSS_S_FAILURE, GSS_SSPI_SHIM_CREDSSP_S_LOGON_DENIED);
            return fail(minor, ctx, GSS_S_DEFECTIVE_TOKEN, GSS_SSPI_SHIM_CREDSSP_S_TLS);
        }
        if (ctx->in_len + (size_t)r > CS_TSREQUEST_MAX)
            return fail(minor, ctx, GSS_S_DEFECTIVE_TOKEN, GSS_SSPI_SHIM_CREDSSP_S_LIMIT);
        unsigned char *grown = realloc(ctx->in, ctx->in_len + (size_t)r);
        if (grown == NULL)
            return fail(minor, ctx, GSS_S_FAILURE, ENOMEM);
        memcpy(grown + ctx->in_len, buf, (size_t)r);
        ctx->in = grown;
        ctx->in_len += (size_t)r;
    }
    OPENSSL_cleanse(buf, sizeof(buf));
    if (ctx->in_len == 0)
        return GSS_S_COMPLETE;
    if (cssp_der_element_length(ctx->in, ctx->in_len, &total) != CSSP_OK)
        return fail(minor, ctx, GSS_S_DEFECTIVE_TOKEN, GSS_SSPI_SHIM_CREDSSP_S_BAD_MESSAGE);
    if (total == 0 || total > ctx->in_len) {
        if (total > CS_TSREQUEST_MAX)
            return fail(minor, ctx, GSS_S_DEFECTIVE_TOKEN, GSS_SSPI_SHIM_CREDSSP_S_LIMIT);
        return GSS_S_COMPLETE; /* the rest is in a later record */
    }
    if (cssp_ts_request_decode(ctx->in, total, req) != CSSP_OK)
        return fail(minor, ctx, GSS_S_DEFECTIVE_TOKEN, GSS_SSPI_SHIM_CREDSSP_S_BAD_MESSAGE);
    /* One message per leg: the protocol alternates, so anything after the
     * TSRequest is a peer that does not follow it. */
    OPENSSL_cleanse(ctx->in, ctx->in_len);
    free(ctx->in);
    ctx->in = NULL;
    bool extra = ctx->in_len != total;
    ctx->in_len = 0;
    if (extra) {
        cssp_ts_request_clear(req);
        return fail(minor, ctx, GSS_S_DEFECTIVE_TOKEN, GSS_SSPI_SHIM_CREDSSP_S_PROTOCOL);
    }
    *have = true;
    return GSS_S_COMPLETE;
}

/* errorCode and the version rules (MS-CSSP 3.1.5, 2.2.1). */
static OM_uint32 check_peer(OM_uint32 *minor, struct cs_ctx *ctx, const struct cssp_ts_request *req)
{
    if (req->has_error_code) {
        ctx->peer_error = (OM_uint32)req->error_code;
        return fail(minor, ctx, GSS_S_FAILURE, GSS_SSPI_SHIM_CREDSSP_S_PEER_ERROR);
    }
    if (req->version < 2)
        return fail(minor, ctx, GSS_S_DEFECTIVE_TOKEN, GSS_SSPI_SHIM_CREDSSP_S_VERSION);
    if (ctx->peer_version == 0) {
        ctx->peer_version = req->version;
        ctx->version = req->version < CS_VERSION_MAX ? req->version : CS_VERSION_MAX;
        if (ctx->version < ctx->cred->min_version)
            return fail(minor, ctx, GSS_S_FAILURE, GSS_SSPI_SHIM_CREDSSP_S_VERSION);
    } else if (req->version != ctx->peer_version) {
        return fail(minor, ctx, GSS_S_DEFECTIVE_TOKEN, GSS_SSPI_SHIM_CREDSSP_S_VERSION);
    }
    return GSS_S_COMPLETE;
}

/*
 * NTLM inside CredSSP: the peer computes pubKeyAuth and authInfo with SSPI's
 * EncryptMessage, whose result CredSSP sends as the 16-byte NTLMSSP_MESSAGE_
 * SIGNATURE followed by the sealed data ([MS-NLMP] 3.4.4, 2.2.2.9.1; [MS-CSSP]
 * 3.1.5).  gss-ntlmssp's wrap token has that layout; Heimdal's NTLM puts the
 * signature after the sealed data (docs/ntlm.md).  With Heimdal the 16 bytes
 * are moved to where each side expects them.  Not enough with an [MS-NLMP]
 * client such as FreeRDP: Heimdal's KDC derives the wrong key-exchange key
 * for NTLMv2 (docs/credssp.md), so that acceptor runs our own NTLM
 * (ntlm_server.c) when a user store is configured.
 */
#define NTLM_SIGNATURE_LEN 16

static bool ntlm_signature_last(const struct cs_ctx *ctx)
{
#ifdef SSPI_SHIM_HEIMDAL
    return ctx->ntlm == NULL && cs_inner_is_ntlm(ctx);
#else
    (void)ctx;
    return false;
#endif
}

/* sig || sealed  <->  sealed || sig, in place. */
static void ntlm_rotate(unsigned char *p, size_t len, bool sig_to_end)
{
    unsigned char sig[NTLM_SIGNATURE_LEN];
    if (len < NTLM_SIGNATURE_LEN)
        return;
    if (sig_to_end) {
        memcpy(sig, p, NTLM_SIGNATURE_LEN);
        memmove(p, p + NTLM_SIGNATURE_LEN, len - NTLM_SIGNATURE_LEN);
        memcpy(p + len - NTLM_SIGNATURE_LEN, sig, NTLM_SIGNATURE_LEN);
    } else {
        memcpy(sig, p + len - NTLM_SIGNATURE_LEN, NTLM_SIGNATURE_LEN);
        memmove(p + NTLM_SIGNATURE_LEN, p, len - NTLM_SIGNATURE_LEN);
        memcpy(p, sig, NTLM_SIGNATURE_LEN);
    }
}

/* The inner context's wrap/unwrap (confidentiality on). */
static OM_uint32 inner_wrap(OM_uint32 *minor, struct cs_ctx *ctx, const void *data, size_t len,
                            cssp_octets *out)
{
    const struct cs_lib *lib = cs_lib_get();
    gss_buffer_desc in = {len, (void *)data}, w = GSS_C_EMPTY_BUFFER;
    OM_uint32 m, major;
    int conf = 0;
    if (ctx->ntlm != NULL || ctx->ntlm_srv != NULL) {
        /* EncryptMessage's layout already: signature, then sealed data */
        uint8_t *o = NULL;
        size_t n = 0;
        int rc = ctx->ntlm != NULL ? ntlm_client_seal(ctx->ntlm, data, len, &o, &n)
                                   : ntlm_server_seal(ctx->ntlm_srv, data, len, &o, &n);
        if (rc != NTLM_OK)
            return fail(minor, ctx, GSS_S_FAILURE,
                        rc == NTLM_ERR_NOMEM ? ENOMEM : GSS_SSPI_SHIM_CREDSSP_S_INNER);
        out->data = o;
        out->len = n;
        return GSS_S_COMPLETE;
    }
    major = lib->wrap(&m, ctx->inner, 1, GSS_C_QOP_DEFAULT, &in, &conf, &w);
    if (GSS_ERROR(major) || !conf) {
        if (!GSS_ERROR(major))
            lib->release_buffer(&m, &w);
        return fail(minor, ctx, GSS_S_FAILURE, GSS_SSPI_SHIM_CREDSSP_S_INNER);
    }
    out->data = malloc(w.length ? w.length : 1);
    out->len = w.length;
    if (out->data != NULL) {
        memcpy(out->data, w.value, w.length);
        if (ntlm_signature_last(ctx))
            ntlm_rotate(out->data, out->len, false);
    }
    lib->release_buffer(&m, &w);
    return out->data ? GSS_S_COMPLETE : fail(minor, ctx, GSS_S_FAILURE, ENOMEM);
}

static OM_uint32 inner_unwrap(OM_uint32 *minor, struct cs_ctx *ctx, const cssp_octets *in,
                              gss_buffer_t out, OM_uint32 bad_code)
{
    const struct cs_lib *lib = cs_lib_get();
    gss_buffer_desc tok = {in->len, in->data};
    unsigned char *moved = NULL;
    OM_uint32 m, major;
    int conf = 0;
    if (ctx->ntlm != NULL || ctx->ntlm_srv != NULL) {
        uint8_t *o = NULL;
        size_t n = 0;
        int rc = ctx->ntlm != NULL ? ntlm_client_unseal(ctx->ntlm, in->data, in->len, &o, &n)
                                   : ntlm_server_unseal(ctx->ntlm_srv, in->data, in->len, &o, &n);
        if (rc == NTLM_ERR_NOMEM)
            return fail(minor, ctx, GSS_S_FAILURE, ENOMEM);
        if (rc != NTLM_OK)
            return fail(minor, ctx, GSS_S_DEFECTIVE_TOKEN, bad_code);
        out->value = o;
        out->length = n;
        return GSS_S_COMPLETE;
    }
    if (ntlm_signature_last(ctx) && in->len >= NTLM_SIGNATURE_LEN) {
        if ((moved = malloc(in->len)) == NULL)
            return fail(minor, ctx, GSS_S_FAILURE, ENOMEM);
        memcpy(moved, in->data, in->len);
        ntlm_rotate(moved, in->len, true);
        tok.value = moved;
    }
    major = lib->unwrap(&m, ctx->inner, &tok, out, &conf, NULL);
    free(moved);
    if (GSS_ERROR(major) || !conf) {
        if (!GSS_ERROR(major))
            lib->release_buffer(&m, out);
        return fail(minor, ctx, GSS_S_DEFECTIVE_TOKEN, bad_code);
    }
    return GSS_S_COMPLETE;
}

/* What pubKeyAuth must hold, from `server`'s side (MS-CSSP 3.1.5). */
static OM_uint32 binding_value(OM_uint32 *minor, struct cs_ctx *ctx, bool server,
                               unsigned char **out, size_t *len)
{
    *out = NULL;
    if (ctx->version >= CS_VERSION_NONCE) {
        *out = malloc(32);
        *len = 32;
        if (*out == NULL)
            return fail(minor, ctx, GSS_S_FAILURE, ENOMEM);
        if (cssp_binding_hash(server, ctx->nonce, ctx->spk, ctx->spk_len, *out) != CSSP_OK) {
            free(*out);
            *out = NULL;
            return fail(minor, ctx, GSS_S_FAILURE, GSS_SSPI_SHIM_CREDSSP_S_TLS);
        }
        return GSS_S_COMPLETE;
    }
    /* Versions 2-4: the key itself; the server echoes it with its first
     * byte incremented. */
    *out = malloc(ctx->spk_len);
    *len = ctx->spk_len;
    if (*out == NULL)
        return fail(minor, ctx, GSS_S_FAILURE, ENOMEM);
    if (server ? cssp_binding_legacy_echo(ctx->spk, ctx->spk_len, *out) != CSSP_OK
               : (memcpy(*out, ctx->spk, ctx->spk_len), 0)) {
        free(*out);
        *out = NULL;
        return fail(minor, ctx, GSS_S_FAILURE, GSS_SSPI_SHIM_CREDSSP_S_TLS);
    }
    return GSS_S_COMPLETE;
}

/* Checks a received pubKeyAuth against what `from_server` must send. */
static OM_uint32 verify_pubkey_auth(OM_uint32 *minor, struct cs_ctx *ctx, bool from_server,
                                    const cssp_octets *pka)
{
    const struct cs_lib *lib = cs_lib_get();
    gss_buffer_desc plain = GSS_C_EMPTY_BUFFER;
    unsigned char *want = NULL;
    size_t want_len = 0;
    OM_uint32 m, major = inner_unwrap(minor, ctx, pka, &plain, GSS_SSPI_SHIM_CREDSSP_S_PUBKEY_AUTH);
    if (major != GSS_S_COMPLETE)
        return major;
    major = binding_value(minor, ctx, from_server, &want, &want_len);
    if (major == GSS_S_COMPLETE &&
        (plain.length != want_len || CRYPTO_memcmp(plain.value, want, want_len) != 0))
        /* GSS_S_FAILURE, not BAD_SIG: the message is authentic (it
         * unwrapped), it binds another TLS key - a failed mutual
         * authentication, not an altered message. */
        major = fail(minor, ctx, GSS_S_FAILURE, GSS_SSPI_SHIM_CREDSSP_S_PUBKEY_AUTH);
    free(want);
    if (ctx->ntlm != NULL || ctx->ntlm_srv != NULL) {
        free(plain.value); /* ours, not the library's */
    } else {
        lib->release_buffer(&m, &plain);
    }
    return major;
}

/* Builds pubKeyAuth (and the nonce) into req. */
static OM_uint32 make_pubkey_auth(OM_uint32 *minor, struct cs_ctx *ctx, bool server,
                                  struct cssp_ts_request *req)
{
    unsigned char *value = NULL;
    size_t len = 0;
    OM_uint32 major;
    if (!server && ctx->version >= CS_VERSION_NONCE) {
        if (RAND_bytes(ctx->nonce, sizeof(ctx->nonce)) != 1)
            return fail(minor, ctx, GSS_S_FAILURE, GSS_SSPI_SHIM_CREDSSP_S_TLS);
        ctx->have_nonce = true;
        req->client_nonce.data = malloc(32);
        if (req->client_nonce.data == NULL)
            return fail(minor, ctx, GSS_S_FAILURE, ENOMEM);
        memcpy(req->client_nonce.data, ctx->nonce, 32);
        req->client_nonce.len = 32;
    }
    major = binding_value(minor, ctx, server, &value, &len);
    if (major == GSS_S_COMPLETE)
        major = inner_wrap(minor, ctx, value, len, &req->pub_key_auth);
    free(value);
    return major;
}

static void take_octets(cssp_octets *dst, gss_buffer_desc *src)
{
    /* The library's buffer is copied: it must be released by the library. */
    dst->data = malloc(src->length ? src->length : 1);
    if (dst->data != NULL) {
        memcpy(dst->data, src->value, src->length);
        dst->len = src->length;
    }
}

/* ------------------------------------------------------------- inner context */

/* "svc@host" -> "svc/host" for the delegation policy and
 * NTLM's MsvAvTargetName. */
static void target_spn(const struct cs_ctx *ctx, char *spn, size_t size)
{
    const char *v = ctx->target ? ctx->target->value : "";
    size_t n = strlen(v);
    if (n >= size)
        n = size - 1;
    memcpy(spn, v, n);
    spn[n] = '\0';
    char *at = strchr(spn, '@');
    if (at != NULL)
        *at = '/';
}

/* The initiator runs its own NTLMv2 client (ntlm_client.c) when the inner
 * mechanism is raw NTLM and the credential holds a password: neither GSS
 * library's NTLM initiator talks to FreeRDP 2's acceptor (gss-ntlmssp 1.2
 * refuses winpr's CHALLENGE, which echoes OEM and UNICODE together;
 * Heimdal 7.8's NEGOTIATE lacks NTLMSSP_REQUEST_TARGET, which winpr
 * requires: docs/credssp.md).  The acceptor keeps the GSS library. */
static bool own_ntlm(const struct cs_ctx *ctx)
{
    if (ctx->ntlm != NULL)
        return true;
    return ctx->inner_init_mech.length == ntlm_oid.length &&
           memcmp(ctx->inner_init_mech.elements, ntlm_oid.elements, ntlm_oid.length) == 0 &&
           ctx->cred->password != NULL && ctx->cred->user != NULL;
}

static OM_uint32 own_ntlm_step(OM_uint32 *minor, struct cs_ctx *ctx, const cssp_octets *token,
                               cssp_octets *out)
{
    uint8_t *o = NULL;
    size_t n = 0;
    int rc;
    if (ctx->ntlm == NULL) {
        if (token != NULL && token->len > 0)
            return fail(minor, ctx, GSS_S_DEFECTIVE_TOKEN, GSS_SSPI_SHIM_CREDSSP_S_BAD_MESSAGE);
        pthread_mutex_lock(&ctx->cred->lock);
        rc = ntlm_client_new(ctx->cred->user, ctx->cred->domain ? ctx->cred->domain : "",
                             ctx->cred->password, &ctx->ntlm);
        pthread_mutex_unlock(&ctx->cred->lock);
        if (rc == NTLM_OK && ctx->target != NULL) {
            char spn[512];
            target_spn(ctx, spn, sizeof(spn));
            rc = ntlm_client_set_target(ctx->ntlm, spn);
        }
        if (rc == NTLM_OK)
            rc = ntlm_client_negotiate(ctx->ntlm, &o, &n);
    } else {
        if (token == NULL || ntlm_client_established(ctx->ntlm))
            return fail(minor, ctx, GSS_S_DEFECTIVE_TOKEN, GSS_SSPI_SHIM_CREDSSP_S_BAD_MESSAGE);
        rc = ntlm_client_authenticate(ctx->ntlm, token->data, token->len, &o, &n);
    }
    switch (rc) {
    case NTLM_OK:
        break;
    case NTLM_ERR_NOMEM:
        return fail(minor, ctx, GSS_S_FAILURE, ENOMEM);
    case NTLM_ERR_MALFORMED:
        return fail(minor, ctx, GSS_S_DEFECTIVE_TOKEN, GSS_SSPI_SHIM_CREDSSP_S_BAD_MESSAGE);
    default: /* a CHALLENGE without NTLMv2 sealing, a UTF-8 error, crypto */
        return fail(minor, ctx, GSS_S_FAILURE, GSS_SSPI_SHIM_CREDSSP_S_INNER);
    }
    out->data = o;
    out->len = n;
    ctx->inner_mech = (gss_OID)&ntlm_oid;
    /* NTLM never authenticates the server ([MS-NLMP] 1.3): no MUTUAL. */
    ctx->inner_flags = GSS_C_INTEG_FLAG | GSS_C_CONF_FLAG | GSS_C_SEQUENCE_FLAG |
                       GSS_C_REPLAY_FLAG;
    if (ntlm_client_established(ctx->ntlm))
        ctx->inner_done = true;
    return GSS_S_COMPLETE;
}

/* The acceptor runs its own NTLMv2 acceptor (ntlm_server.c) on the Heimdal
 * build when the client's first inner token is an NTLM NEGOTIATE, raw or
 * inside a SPNEGO NegTokenInit listing NTLM first, and an NTLM user file is
 * configured: Heimdal 7.8's NTLM acceptor logs the client
 * on through its KDC's digest service, which decrypts the client's
 * EncryptedRandomSessionKey with ResponseKeyNT instead of the
 * SessionBaseKey [MS-NLMP] 3.4.5.1 names, so every sealed message from an
 * [MS-NLMP] client (FreeRDP, Windows) fails with GSS_S_BAD_SIG
 * (docs/credssp.md).  The MIT build keeps gss-ntlmssp.  The store: the
 * [credssp] ntlm_user_file setting, else NTLM_USER_FILE, gss-ntlmssp's
 * variable, so one file serves both builds. */
static OM_uint32 own_ntlm_message(OM_uint32 *minor, struct cs_ctx *ctx,
                                  const cssp_octets *token, const char *path, cssp_octets *out);

/* An NTLM NEGOTIATE's first bytes: the signature and MessageType 1
 * ([MS-NLMP] 2.2.1.1). */
static const unsigned char ntlm_negotiate_start[12] = {'N', 'T', 'L', 'M', 'S', 'S',
                                                       'P', 0,   1,   0,   0,   0};

static bool is_ntlm_negotiate(const cssp_octets *token)
{
    return token != NULL && token->data != NULL && token->len >= sizeof(ntlm_negotiate_start) &&
           memcmp(token->data, ntlm_negotiate_start, sizeof(ntlm_negotiate_start)) == 0;
}

#ifdef SSPI_SHIM_HEIMDAL
/* A SPNEGO NegTokenInit whose first mechanism is NTLM, with the NTLM
 * NEGOTIATE as its optimistic mechToken: what Windows and FreeRDP 3 send
 * inside CredSSP when Kerberos cannot be used.  (NTLM listed after another
 * mechanism goes to the GSS library's SPNEGO, which picks the first.) */
static bool is_spnego_ntlm_negotiate(const cssp_octets *token)
{
    struct spnego_token sp;
    /* Only a token that holds an NTLM NEGOTIATE is decoded: a Kerberos
     * first leg (the common case) costs a memmem, not an ASN.1 decode. */
    if (token == NULL || token->data == NULL || token->len == 0 || token->data[0] != 0x60 ||
        memmem(token->data, token->len, ntlm_negotiate_start, sizeof(ntlm_negotiate_start)) ==
            NULL ||
        spnego_decode(token->data, token->len, &sp) != CSSP_OK)
        return false;
    bool ntlm = sp.is_init && sp.first_mech_len == ntlm_oid.length &&
                memcmp(sp.first_mech, ntlm_oid.elements, ntlm_oid.length) == 0 &&
                is_ntlm_negotiate(&sp.token);
    spnego_token_clear(&sp);
    return ntlm;
}
#endif

static bool own_ntlm_acceptor(const struct cs_ctx *ctx, const cssp_octets *token, char *path)
{
#ifdef SSPI_SHIM_HEIMDAL
    const char *v;
    if (ctx->initiator || ctx->inner != GSS_C_NO_CONTEXT ||
        (!is_ntlm_negotiate(token) && !is_spnego_ntlm_negotiate(token)))
        return false;
    v = shim_setting("SSPI_SHIM_CREDSSP_NTLM_USER_FILE", "credssp", "ntlm_user_file", path);
    if (v == NULL || *v == '\0') {
        v = secure_getenv("NTLM_USER_FILE");
        if (v == NULL || *v == '\0' || strlen(v) >= SHIM_SETTING_MAX)
            return false;
        memmove(path, v, strlen(v) + 1);
    }
    return true;
#else
    (void)ctx;
    (void)token;
    (void)path;
    return false;
#endif
}

/* The NTLM message inside the client's SPNEGO token (the first leg's
 * NegTokenInit, whose MechTypeList is kept for the mechListMICs, or a
 * NegTokenResp); sp holds it until spnego_token_clear. */
static OM_uint32 spnego_unwrap(OM_uint32 *minor, struct cs_ctx *ctx, const cssp_octets *token,
                               struct spnego_token *sp)
{
    if (spnego_decode(token->data, token->len, sp) != CSSP_OK || sp->token.data == NULL ||
        sp->is_init != (ctx->ntlm_srv == NULL) ||
        (!sp->is_init && sp->neg_state != SPNEGO_ABSENT &&
         sp->neg_state != SPNEGO_ACCEPT_INCOMPLETE))
        return fail(minor, ctx, GSS_S_DEFECTIVE_TOKEN, GSS_SSPI_SHIM_CREDSSP_S_BAD_MESSAGE);
    if (sp->is_init) {
        ctx->spnego_mech_types = sp->mech_types;
        ctx->spnego_mech_types_len = sp->mech_types_len;
        sp->mech_types = NULL;
    }
    return GSS_S_COMPLETE;
}

/* The acceptor's NegTokenResp around our NTLM answer: the CHALLENGE with
 * accept-incomplete and the chosen mechanism; after the AUTHENTICATE,
 * accept-completed with our mechListMIC when the client sent one
 * ([RFC 4178] 5: the client's, checked first, protects its list from a
 * downgrade; [MS-SPNG] 3.3.5.1: an AUTHENTICATE with an NTLM MIC requires
 * it).  Both MICs use the NTLM session's sequence numbers before the
 * first pubKeyAuth, as the peer's library does. */
static OM_uint32 spnego_wrap(OM_uint32 *minor, struct cs_ctx *ctx, const struct spnego_token *sp,
                             cssp_octets *ntlm_out, cssp_octets *out)
{
    uint8_t mic[NTLM_SIG_LEN];
    cssp_octets our_mic = {mic, sizeof(mic)};
    int rc = CSSP_OK;
    if (!ntlm_server_established(ctx->ntlm_srv)) {
        rc = spnego_encode_resp(SPNEGO_ACCEPT_INCOMPLETE, ntlm_oid.elements, ntlm_oid.length,
                                ntlm_out, NULL, &out->data, &out->len);
    } else {
        if (sp->mech_list_mic.data == NULL && ntlm_server_authenticate_had_mic(ctx->ntlm_srv))
            return fail(minor, ctx, GSS_S_DEFECTIVE_TOKEN, GSS_SSPI_SHIM_CREDSSP_S_BAD_MESSAGE);
        if (sp->mech_list_mic.data != NULL) {
            if (ntlm_server_verify_mic(ctx->ntlm_srv, ctx->spnego_mech_types,
                                       ctx->spnego_mech_types_len, sp->mech_list_mic.data,
                                       sp->mech_list_mic.len) != NTLM_OK) {
                ctx->state = CS_FAILED;
                return cs_minor(minor, GSS_S_FAILURE, GSS_SSPI_SHIM_CREDSSP_S_LOGON_DENIED);
            }
            if (ntlm_server_get_mic(ctx->ntlm_srv, ctx->spnego_mech_types,
                                    ctx->spnego_mech_types_len, mic) != NTLM_OK)
                return fail(minor, ctx, GSS_S_FAILURE, GSS_SSPI_SHIM_CREDSSP_S_INNER);
        }
        rc = spnego_encode_resp(SPNEGO_ACCEPT_COMPLETED, NULL, 0, NULL,
                                sp->mech_list_mic.data != NULL ? &our_mic : NULL, &out->data,
                                &out->len);
    }
    if (rc != CSSP_OK)
        return fail(minor, ctx, GSS_S_FAILURE, ENOMEM);
    return GSS_S_COMPLETE;
}

static OM_uint32 own_ntlm_accept_step(OM_uint32 *minor, struct cs_ctx *ctx,
                                      const cssp_octets *token, const char *path,
                                      cssp_octets *out)
{
    struct spnego_token sp;
    memset(&sp, 0, sizeof(sp));
    if (token == NULL)
        return fail(minor, ctx, GSS_S_DEFECTIVE_TOKEN, GSS_SSPI_SHIM_CREDSSP_S_BAD_MESSAGE);
    bool in_spnego = ctx->ntlm_srv == NULL ? !is_ntlm_negotiate(token)
                                           : ctx->spnego_mech_types != NULL;
    if (!in_spnego)
        return own_ntlm_message(minor, ctx, token, path, out);
    OM_uint32 major = spnego_unwrap(minor, ctx, token, &sp);
    cssp_octets ntlm_out = {NULL, 0};
    if (major == GSS_S_COMPLETE)
        major = own_ntlm_message(minor, ctx, &sp.token, path, &ntlm_out);
    if (major == GSS_S_COMPLETE)
        major = spnego_wrap(minor, ctx, &sp, &ntlm_out, out);
    free(ntlm_out.data);
    spnego_token_clear(&sp);
    return major;
}

/* One raw NTLM message through the module's acceptor. */
static OM_uint32 own_ntlm_message(OM_uint32 *minor, struct cs_ctx *ctx,
                                  const cssp_octets *token, const char *path, cssp_octets *out)
{
    uint8_t *o = NULL;
    size_t n = 0;
    int rc;
    if (ctx->ntlm_srv == NULL) {
        rc = ntlm_server_new(path, &ctx->ntlm_srv);
        if (rc == NTLM_OK)
            rc = ntlm_server_challenge(ctx->ntlm_srv, token->data, token->len, &o, &n);
    } else {
        if (ntlm_server_established(ctx->ntlm_srv))
            return fail(minor, ctx, GSS_S_DEFECTIVE_TOKEN, GSS_SSPI_SHIM_CREDSSP_S_BAD_MESSAGE);
        rc = ntlm_server_accept(ctx->ntlm_srv, token->data, token->len);
    }
    switch (rc) {
    case NTLM_OK:
        break;
    case NTLM_ERR_NOMEM:
        return fail(minor, ctx, GSS_S_FAILURE, ENOMEM);
    case NTLM_ERR_LOGON:
        /* an unknown user, a wrong password, a MIC that does not verify:
         * SEC_E_LOGON_DENIED and the errorCode, as for the GSS acceptor */
        ctx->state = CS_FAILED;
        return cs_minor(minor, GSS_S_FAILURE, GSS_SSPI_SHIM_CREDSSP_S_LOGON_DENIED);
    case NTLM_ERR_MALFORMED:
    case NTLM_ERR_UNSUPPORTED: /* no Unicode, no extended session security */
    case NTLM_ERR_STATE:
        return fail(minor, ctx, GSS_S_DEFECTIVE_TOKEN, GSS_SSPI_SHIM_CREDSSP_S_BAD_MESSAGE);
    default:
        return fail(minor, ctx, GSS_S_FAILURE, GSS_SSPI_SHIM_CREDSSP_S_INNER);
    }
    out->data = o;
    out->len = n;
    ctx->inner_mech = (gss_OID)&ntlm_oid;
    ctx->inner_flags = GSS_C_INTEG_FLAG | GSS_C_CONF_FLAG | GSS_C_SEQUENCE_FLAG |
                       GSS_C_REPLAY_FLAG;
    if (ntlm_server_established(ctx->ntlm_srv)) {
        ctx->inner_done = true;
        ctx->client_name = strdup(ntlm_server_client_name(ctx->ntlm_srv));
        if (ctx->client_name == NULL)
            return fail(minor, ctx, GSS_S_FAILURE, ENOMEM);
    }
    return GSS_S_COMPLETE;
}

static OM_uint32 inner_step(OM_uint32 *minor, struct cs_ctx *ctx, const cssp_octets *token,
                            cssp_octets *out)
{
    const struct cs_lib *lib = cs_lib_get();
    gss_buffer_desc in = {token ? token->len : 0, token ? token->data : NULL};
    gss_buffer_desc o = GSS_C_EMPTY_BUFFER;
    gss_name_t src = GSS_C_NO_NAME;
    OM_uint32 m, major, ret = 0;
    gss_OID mech = GSS_C_NO_OID;

    memset(out, 0, sizeof(*out));
    if (ctx->initiator && own_ntlm(ctx))
        return own_ntlm_step(minor, ctx, token, out);
    if (!ctx->initiator) {
        char path[SHIM_SETTING_MAX];
        if (ctx->ntlm_srv != NULL)
            return own_ntlm_accept_step(minor, ctx, token, NULL, out);
        if (own_ntlm_acceptor(ctx, token, path))
            return own_ntlm_accept_step(minor, ctx, token, path, out);
    }
    if (ctx->initiator) {
        OM_uint32 flags = GSS_C_MUTUAL_FLAG | GSS_C_INTEG_FLAG | GSS_C_CONF_FLAG |
                          GSS_C_SEQUENCE_FLAG | GSS_C_REPLAY_FLAG;
        major = lib->init_sec_context(&m, ctx->cred->inner, &ctx->inner, ctx->inner_target,
                                      &ctx->inner_init_mech, flags, 0, GSS_C_NO_CHANNEL_BINDINGS,
                                      token ? &in : GSS_C_NO_BUFFER, &mech, &o, &ret, NULL);
    } else {
        major = lib->accept_sec_context(&m, &ctx->inner, ctx->cred->inner, &in,
                                        GSS_C_NO_CHANNEL_BINDINGS, &src, &mech, &o, &ret, NULL,
                                        NULL);
    }
    if (GSS_ERROR(major)) {
        if (o.length)
            lib->release_buffer(&m, &o);
        ctx->state = CS_FAILED;
        /* The acceptor's inner refusal is SEC_E_LOGON_DENIED, as Windows'
         * acceptor says: the inner minor would mean nothing under our
         * mechanism's OID, and Heimdal's SPNEGO gives none (GSS_S_FAILURE,
         * minor 0, for a ticket whose key the keytab lacks: measured).
         * An NTLM AUTHENTICATE that does not verify is the same case
         * (gss-ntlmssp: GSS_S_FAILURE with EINVAL or EACCES; Heimdal's
         * NTLM: minor 0).  A token the inner mechanism cannot parse stays
         * a bad message. */
        if (!ctx->initiator) {
            OM_uint32 routine = GSS_ROUTINE_ERROR(major);
            if (routine == GSS_S_DEFECTIVE_TOKEN || routine == GSS_S_BAD_MECH)
                return cs_minor(minor, GSS_S_DEFECTIVE_TOKEN, GSS_SSPI_SHIM_CREDSSP_S_BAD_MESSAGE);
            return cs_minor(minor, GSS_S_FAILURE, GSS_SSPI_SHIM_CREDSSP_S_LOGON_DENIED);
        }
        /* The initiator's inner minor is the useful one (an unknown
         * principal, an expired ticket): the shim reads it. */
        return cs_minor(minor, major, m);
    }
    if (o.length) {
        take_octets(out, &o);
        lib->release_buffer(&m, &o);
        if (out->data == NULL)
            return fail(minor, ctx, GSS_S_FAILURE, ENOMEM);
    }
    ctx->inner_mech = mech;
    /* NTLM never authenticates the server ([MS-NLMP] 1.3), whatever flags
     * the mechanism returns: gss-ntlmssp 1.2 hands back the requested
     * flags, GSS_C_MUTUAL_FLAG included (measured), which would let the
     * delegation policy below send a password under the Kerberos list
     * instead of the NTLM_ONLY one. */
    if (cs_inner_is_ntlm(ctx))
        ret &= ~(OM_uint32)GSS_C_MUTUAL_FLAG;
    ctx->inner_flags = ret;
    if (major == GSS_S_COMPLETE) {
        ctx->inner_done = true;
        if (src != GSS_C_NO_NAME) {
            gss_buffer_desc d = GSS_C_EMPTY_BUFFER;
            if (!GSS_ERROR(lib->display_name(&m, src, &d, NULL))) {
                ctx->client_name = strndup(d.value, d.length);
                lib->release_buffer(&m, &d);
            }
            lib->release_name(&m, &src);
            if (ctx->client_name == NULL)
                return fail(minor, ctx, GSS_S_FAILURE, ENOMEM);
        }
        /* The acceptor's own name, for the SSPI NATIVE_NAMES query: the
         * principal whose key took the ticket.  Not every inner mechanism
         * has one (NTLM): then none is reported.  NTLM is not even asked:
         * gss_inquire_context for names crashes gss-ntlmssp's acceptor
         * (it strdup()s its absent target name) and Heimdal's NTLM
         * (docs/ntlm.md). */
        gss_name_t targ = GSS_C_NO_NAME;
        if (!ctx->initiator && !cs_inner_is_ntlm(ctx) &&
            !GSS_ERROR(lib->inquire_context(&m, ctx->inner, NULL, &targ, NULL, NULL, NULL, NULL,
                                            NULL)) &&
            targ != GSS_C_NO_NAME) {
            gss_buffer_desc d = GSS_C_EMPTY_BUFFER;
            if (!GSS_ERROR(lib->display_name(&m, targ, &d, NULL))) {
                ctx->server_name = strndup(d.value, d.length);
                lib->release_buffer(&m, &d);
            }
            lib->release_name(&m, &targ);
        }
    } else if (src != GSS_C_NO_NAME) {
        lib->release_name(&m, &src);
    }
    return GSS_S_COMPLETE;
}

/* ------------------------------------------------------------- initiator */

static OM_uint32 start_inner(OM_uint32 *minor, struct cs_ctx *ctx)
{
    const struct cs_lib *lib = cs_lib_get();
    OM_uint32 m, major;
    if (ctx->target == NULL)
        return fail(minor, ctx, GSS_S_BAD_NAME, 0);
    /* SPNEGO unless INNER_MECH names another (raw NTLM for FreeRDP 2's
     * server); copied so the credential may change under later contexts. */
    pthread_mutex_lock(&ctx->cred->lock);
    if (ctx->cred->inner_mech_len > 0) {
        memcpy(ctx->inner_init_mech_bytes, ctx->cred->inner_mech, ctx->cred->inner_mech_len);
        ctx->inner_init_mech.length = (OM_uint32)ctx->cred->inner_mech_len;
    } else {
        memcpy(ctx->inner_init_mech_bytes, spnego_oid.elements, spnego_oid.length);
        ctx->inner_init_mech.length = spnego_oid.length;
    }
    pthread_mutex_unlock(&ctx->cred->lock);
    ctx->inner_init_mech.elements = ctx->inner_init_mech_bytes;
    gss_buffer_desc t = {strlen(ctx->target->value), ctx->target->value};
    major = lib->import_name(&m, &t, &nt_hostbased_oid, &ctx->inner_target);
    if (GSS_ERROR(major)) {
        ctx->state = CS_FAILED;
        return cs_minor(minor, major, m);
    }
    return GSS_S_COMPLETE;
}


/* MS-CSSP 3.1.5 step 5 with Windows' delegation policies (the CredSSP
 * ISC page: SEC_E_DELEGATION_POLICY, SEC_E_POLICY_NLTM_ONLY). */
static OM_uint32 delegation_allowed(OM_uint32 *minor, struct cs_ctx *ctx, bool *send_password)
{
    char spn[512], setting[SHIM_SETTING_MAX];
    const char *allow, *ntlm_only;
    bool mutual = (ctx->inner_flags & GSS_C_MUTUAL_FLAG) != 0;
    *send_password = false;
    if (!(ctx->req_flags & GSS_C_DELEG_FLAG))
        return GSS_S_COMPLETE; /* the empty set of credentials */
    target_spn(ctx, spn, sizeof(spn));
    allow = shim_setting("SSPI_SHIM_CREDSSP_ALLOW_FRESH_CREDENTIALS", "credssp",
                         "allow_fresh_credentials", setting);
    if (allow == NULL)
        allow = "TERMSRV/*";
    if (mutual && !cs_policy_match(allow, spn))
        return fail(minor, ctx, GSS_S_FAILURE, GSS_SSPI_SHIM_CREDSSP_S_DELEGATION_POLICY);
    if (!mutual) {
        ntlm_only = shim_setting("SSPI_SHIM_CREDSSP_ALLOW_FRESH_CREDENTIALS_NTLM_ONLY", "credssp",
                                 "allow_fresh_credentials_ntlm_only", setting);
        if (!cs_policy_match(ntlm_only, spn))
            return fail(minor, ctx, GSS_S_FAILURE, GSS_SSPI_SHIM_CREDSSP_S_POLICY_NTLM_ONLY);
    }
    *send_password = true;
    return GSS_S_COMPLETE;
}

/* TSSmartCardCreds ([MS-CSSP] 2.2.1.2.2) from the SMARTCARD option, the
 * PIN being the credential's password.  Returns 0, or -1 (out of memory). */
static int smartcard_creds(const struct cs_cred *c, struct cssp_smartcard_creds *sc)
{
    cssp_octets *fields[CS_CARD_FIELDS] = {&sc->card_name,      &sc->reader_name,
                                           &sc->container_name, &sc->csp_name,
                                           &sc->user_hint,      &sc->domain_hint};
    sc->key_spec = 1; /* AT_KEYEXCHANGE: PKINIT decrypts with the card's key */
    if (utf8_to_utf16le(c->password ? c->password : "", &sc->pin) != 0)
        return -1;
    for (int i = 0; i < CS_CARD_FIELDS; i++)
        if (utf8_to_utf16le(c->card[i], fields[i]) != 0)
            return -1;
    return 0;
}

static OM_uint32 make_auth_info(OM_uint32 *minor, struct cs_ctx *ctx, struct cssp_ts_request *req)
{
    struct cssp_ts_credentials tc;
    const struct cs_cred *c = ctx->cred;
    unsigned char *der = NULL;
    size_t der_len = 0;
    bool send_password;
    OM_uint32 major = delegation_allowed(minor, ctx, &send_password);
    if (major != GSS_S_COMPLETE)
        return major;
    memset(&tc, 0, sizeof(tc));
    tc.cred_type = 1; /* TSPasswordCreds, MS-CSSP 2.2.1.2 */
    if (send_password && c->card[0] != NULL && !c->delegate_override) {
        tc.cred_type = CSSP_CRED_SMARTCARD;
        if (smartcard_creds(c, &tc.smartcard) != 0) {
            cssp_ts_credentials_clear(&tc);
            return fail(minor, ctx, GSS_S_FAILURE, ENOMEM);
        }
        ctx->ret_flags |= GSS_C_DELEG_FLAG;
    } else if (send_password) {
        const char *d = c->delegate_override ? c->d_domain : c->domain;
        const char *u = c->delegate_override ? c->d_user : c->user;
        const char *p = c->delegate_override ? c->d_password : c->password;
        if (utf8_to_utf16le(d ? d : "", &tc.password.domain) != 0 ||
            utf8_to_utf16le(u ? u : "", &tc.password.user) != 0 ||
            utf8_to_utf16le(p ? p : "", &tc.password.password) != 0) {
            cssp_ts_credentials_clear(&tc);
            return fail(minor, ctx, GSS_S_FAILURE, EINVAL);
        }
        ctx->ret_flags |= GSS_C_DELEG_FLAG;
    } else {
        /* "If this flag is not specified, an empty set of credentials is
         * delegated" (the CredSSP ISC page). */
        tc.password.domain.data = calloc(1, 1);
        tc.password.user.data = calloc(1, 1);
        tc.password.password.data = calloc(1, 1);
        if (!tc.password.domain.data || !tc.password.user.data || !tc.password.password.data) {
            cssp_ts_credentials_clear(&tc);
            return fail(minor, ctx, GSS_S_FAILURE, ENOMEM);
        }
    }
    if (cssp_ts_credentials_encode(&tc, &der, &der_len) != CSSP_OK) {
        cssp_ts_credentials_clear(&tc);
        return fail(minor, ctx, GSS_S_FAILURE, ENOMEM);
    }
    cssp_ts_credentials_clear(&tc);
    major = inner_wrap(minor, ctx, der, der_len, &req->auth_info);
    cssp_free_secret(der, der_len);
    return major;
}

static OM_uint32 client_nego_reply(OM_uint32 *minor, struct cs_ctx *ctx, const cssp_octets *token)
{
    struct cssp_ts_request out;
    OM_uint32 major;
    memset(&out, 0, sizeof(out));
    out.version = CS_VERSION_MAX;
    major = inner_step(minor, ctx, token, &out.nego_token);
    if (major == GSS_S_COMPLETE && ctx->inner_done) {
        if ((ctx->req_flags & GSS_C_MUTUAL_FLAG) && !(ctx->inner_flags & GSS_C_MUTUAL_FLAG))
            major = fail(minor, ctx, GSS_S_FAILURE, GSS_SSPI_SHIM_CREDSSP_S_MUTUAL_AUTH_FAILED);
        else if (ctx->version == 0)
            major = fail(minor, ctx, GSS_S_FAILURE, GSS_SSPI_SHIM_CREDSSP_S_PROTOCOL);
        else
            major = make_pubkey_auth(minor, ctx, false, &out);
        if (major == GSS_S_COMPLETE)
            ctx->state = CS_PUBKEY;
    }
    if (major == GSS_S_COMPLETE && out.nego_token.data == NULL && out.pub_key_auth.data == NULL)
        major = fail(minor, ctx, GSS_S_DEFECTIVE_TOKEN, GSS_SSPI_SHIM_CREDSSP_S_PROTOCOL);
    if (major == GSS_S_COMPLETE)
        major = send_request(minor, ctx, &out);
    cssp_ts_request_clear(&out);
    return major;
}

static OM_uint32 client_step(OM_uint32 *minor, struct cs_ctx *ctx, const struct cssp_ts_request *req)
{
    struct cssp_ts_request out;
    OM_uint32 major = check_peer(minor, ctx, req);
    if (major != GSS_S_COMPLETE)
        return major;
    switch (ctx->state) {
    case CS_NEGO:
        if (req->nego_token.data == NULL || req->auth_info.data || req->pub_key_auth.data)
            return fail(minor, ctx, GSS_S_DEFECTIVE_TOKEN, GSS_SSPI_SHIM_CREDSSP_S_PROTOCOL);
        return client_nego_reply(minor, ctx, &req->nego_token);
    case CS_PUBKEY:
        /* A final inner token may come with the server's pubKeyAuth; the
         * client's inner context is already complete, so it has no use. */
        if (req->pub_key_auth.data == NULL || req->auth_info.data)
            return fail(minor, ctx, GSS_S_DEFECTIVE_TOKEN, GSS_SSPI_SHIM_CREDSSP_S_PROTOCOL);
        major = verify_pubkey_auth(minor, ctx, true, &req->pub_key_auth);
        if (major != GSS_S_COMPLETE)
            return major;
        memset(&out, 0, sizeof(out));
        out.version = CS_VERSION_MAX;
        major = make_auth_info(minor, ctx, &out);
        if (major == GSS_S_COMPLETE)
            major = send_request(minor, ctx, &out);
        cssp_ts_request_clear(&out);
        if (major == GSS_S_COMPLETE)
            ctx->state = CS_ESTABLISHED;
        return major;
    default:
        return fail(minor, ctx, GSS_S_DEFECTIVE_TOKEN, GSS_SSPI_SHIM_CREDSSP_S_PROTOCOL);
    }
}

static OM_uint32 finish_leg(OM_uint32 *minor, struct cs_ctx *ctx, OM_uint32 major,
                            gss_buffer_t output)
{
    if (major != GSS_S_COMPLETE) {
        /* The failure stands; the errorCode record goes out with it, as
         * an error token (the SSPI caller gets it with
         * ASC_REQ_EXTENDED_ERROR, as Kerberos' KRB-ERROR). */
        if (ctx->error_reply) {
            OM_uint32 m;
            ctx->error_reply = false;
            (void)cs_tls_drain(&m, ctx->wbio, output);
        }
        return major;
    }
    major = cs_tls_drain(minor, ctx->wbio, output);
    if (major != GSS_S_COMPLETE)
        return fail(minor, ctx, major, *minor);
    if (ctx->state == CS_ESTABLISHED) {
        ctx->ret_flags |= GSS_C_CONF_FLAG | GSS_C_INTEG_FLAG | GSS_C_REPLAY_FLAG |
                          GSS_C_SEQUENCE_FLAG | (ctx->inner_flags & GSS_C_MUTUAL_FLAG);
        return cs_minor(minor, GSS_S_COMPLETE, 0);
    }
    return cs_minor(minor, GSS_S_CONTINUE_NEEDED, 0);
}

OM_uint32 cs_init(OM_uint32 *minor, struct cs_ctx **ctxp, struct cs_cred *cred,
                  struct cs_name *target, OM_uint32 req_flags, const gss_buffer_desc *input,
                  gss_buffer_t output)
{
    struct cs_ctx *ctx = *ctxp;
    struct cssp_ts_request req;
    OM_uint32 major;
    bool done, have;

    if (cs_lib_get() == NULL)
        return cs_minor(minor, GSS_S_FAILURE, GSS_SSPI_SHIM_CREDSSP_S_GSS_LIBRARY);
    if (ctx == NULL) {
        ctx = calloc(1, sizeof(*ctx));
        if (ctx == NULL)
            return cs_minor(minor, GSS_S_FAILURE, ENOMEM);
        ctx->initiator = true;
        ctx->cred = cs_cred_ref(cred);
        ctx->req_flags = req_flags;
        if (target != NULL &&
            cs_name_new(minor, CS_NAME_SERVICE, target->value, strlen(target->value),
                        &ctx->target) != GSS_S_COMPLETE) {
            cs_ctx_free(ctx);
            return GSS_S_FAILURE;
        }
        *ctxp = ctx;
        if ((major = tls_new(minor, ctx)) != GSS_S_COMPLETE ||
            (major = start_inner(minor, ctx)) != GSS_S_COMPLETE ||
            (major = handshake(minor, ctx, &done)) != GSS_S_COMPLETE)
            return major;
        return finish_leg(minor, ctx, GSS_S_COMPLETE, output);
    }
    if (ctx->state == CS_ESTABLISHED)
        return cs_minor(minor, GSS_S_FAILURE, GSS_SSPI_SHIM_CREDSSP_S_ESTABLISHED);
    if (ctx->state == CS_FAILED)
        return cs_minor(minor, GSS_S_FAILURE, GSS_SSPI_SHIM_CREDSSP_S_PROTOCOL);
    if ((major = feed(minor, ctx, input)) != GSS_S_COMPLETE)
        return major;
    if (ctx->state == CS_TLS) {
        if ((major = handshake(minor, ctx, &done)) != GSS_S_COMPLETE || !done)
            return finish_leg(minor, ctx, major, output);
        ctx->state = CS_NEGO;
        /* The first TSRequest: our highest version and the first inner
         * token (MS-CSSP 3.1.5 step 2). */
        ctx->version = 0;
        major = client_nego_reply(minor, ctx, NULL);
        return finish_leg(minor, ctx, major, output);
    }
    major = read_request(minor, ctx, &req, &have);
    if (major != GSS_S_COMPLETE || !have)
        return finish_leg(minor, ctx, major, output);
    major = client_step(minor, ctx, &req);
    cssp_ts_request_clear(&req);
    return finish_leg(minor, ctx, major, output);
}

/* ------------------------------------------------------------- acceptor */

/*
 * A server whose inner context refused the client tells it so in errorCode
 * (MS-CSSP 3.1.5, 2.2.1), so that the client reports a failed logon rather
 * than a closed connection.  Only the inner authentication's refusal is
 * reported, as STATUS_LOGON_FAILURE whatever the inner reason (a wrong
 * password, a ticket for a key we lack): the details stay in the server's
 * own status.  A broken protocol or a pubKeyAuth that does not verify gets
 * no answer: a peer that is not following the protocol, or is in the
 * middle, learns nothing.
 */
static void send_error_code(struct cs_ctx *ctx, uint32_t ntstatus)
{
    struct cssp_ts_request out;
    unsigned char *der = NULL;
    size_t len = 0;
    if (!version_has_error_code(ctx->version) || ctx->ssl == NULL)
        return;
    memset(&out, 0, sizeof(out));
    out.version = CS_VERSION_MAX;
    out.has_error_code = 1;
    out.error_code = (int32_t)ntstatus; /* a 32-bit NTSTATUS, signed on the wire */
    if (cssp_ts_request_encode(&out, &der, &len) != CSSP_OK)
        return;
    if (len <= INT32_MAX && SSL_write(ctx->ssl, der, (int)len) == (int)len)
        ctx->error_reply = true;
    ERR_clear_error();
    cssp_free_secret(der, len);
}

static OM_uint32 server_step(OM_uint32 *minor, struct cs_ctx *ctx, const struct cssp_ts_request *req)
{
    struct cssp_ts_request out;
    bool inner_refused = false;
    gss_buffer_desc plain = GSS_C_EMPTY_BUFFER;
    const struct cs_lib *lib = cs_lib_get();
    OM_uint32 m, major = check_peer(minor, ctx, req);
    if (major != GSS_S_COMPLETE)
        return major;
    memset(&out, 0, sizeof(out));
    out.version = CS_VERSION_MAX;
    switch (ctx->state) {
    case CS_NEGO:
        /* Credentials before the server proved its key: refused (MS-CSSP
         * 3.1.5: authInfo only after the pubKeyAuth exchange). */
        if (req->auth_info.data != NULL)
            return fail(minor, ctx, GSS_S_DEFECTIVE_TOKEN, GSS_SSPI_SHIM_CREDSSP_S_PROTOCOL);
        if (req->nego_token.data != NULL) {
            if (ctx->inner_done)
                return fail(minor, ctx, GSS_S_DEFECTIVE_TOKEN, GSS_SSPI_SHIM_CREDSSP_S_PROTOCOL);
            if ((major = inner_step(minor, ctx, &req->nego_token, &out.nego_token)) != GSS_S_COMPLETE) {
                inner_refused = *minor == GSS_SSPI_SHIM_CREDSSP_S_LOGON_DENIED;
                break;
            }
        }
        if (req->pub_key_auth.data != NULL) {
            if (!ctx->inner_done)
                return fail(minor, ctx, GSS_S_DEFECTIVE_TOKEN, GSS_SSPI_SHIM_CREDSSP_S_PROTOCOL);
            if (ctx->version >= CS_VERSION_NONCE) {
                if (req->client_nonce.data == NULL || req->client_nonce.len != 32) {
                    major = fail(minor, ctx, GSS_S_DEFECTIVE_TOKEN, GSS_SSPI_SHIM_CREDSSP_S_PUBKEY_AUTH);
                    break;
                }
                memcpy(ctx->nonce, req->client_nonce.data, 32);
                ctx->have_nonce = true;
            }
            if ((major = verify_pubkey_auth(minor, ctx, false, &req->pub_key_auth)) != GSS_S_COMPLETE)
                break;
            /* Only a pubKeyAuth that verified spends its nonce. */
            if (ctx->version >= CS_VERSION_NONCE && cssp_nonce_remember(ctx->nonce) != 0) {
                major = fail(minor, ctx, GSS_S_DUPLICATE_TOKEN, GSS_SSPI_SHIM_CREDSSP_S_NONCE_REPLAYED);
                break;
            }
            if ((major = make_pubkey_auth(minor, ctx, true, &out)) != GSS_S_COMPLETE)
                break;
            ctx->state = CS_CREDS;
        } else if (req->nego_token.data == NULL) {
            major = fail(minor, ctx, GSS_S_DEFECTIVE_TOKEN, GSS_SSPI_SHIM_CREDSSP_S_PROTOCOL);
            break;
        }
        if (out.nego_token.data != NULL || out.pub_key_auth.data != NULL)
            major = send_request(minor, ctx, &out);
        break;
    case CS_CREDS:
        if (req->auth_info.data == NULL || req->nego_token.data || req->pub_key_auth.data) {
            major = fail(minor, ctx, GSS_S_DEFECTIVE_TOKEN, GSS_SSPI_SHIM_CREDSSP_S_PROTOCOL);
            break;
        }
        major = inner_unwrap(minor, ctx, &req->auth_info, &plain, GSS_SSPI_SHIM_CREDSSP_S_BAD_MESSAGE);
        if (major != GSS_S_COMPLETE)
            break;
        if (cssp_ts_credentials_decode(plain.value, plain.length, &ctx->creds) != CSSP_OK)
            major = fail(minor, ctx, GSS_S_DEFECTIVE_TOKEN, GSS_SSPI_SHIM_CREDSSP_S_BAD_MESSAGE);
        OPENSSL_cleanse(plain.value, plain.length);
        if (ctx->ntlm_srv != NULL)
            free(plain.value); /* ours, not the library's */
        else
            lib->release_buffer(&m, &plain);
        if (major != GSS_S_COMPLETE)
            break;
        ctx->have_creds = true;
        if (ctx->creds.cred_type != 1 || ctx->creds.password.user.len > 0 ||
            ctx->creds.password.password.len > 0)
            ctx->ret_flags |= GSS_C_DELEG_FLAG;
        ctx->state = CS_ESTABLISHED;
        break;
    default:
        major = fail(minor, ctx, GSS_S_DEFECTIVE_TOKEN, GSS_SSPI_SHIM_CREDSSP_S_PROTOCOL);
    }
    cssp_ts_request_clear(&out);
    if (inner_refused)
        send_error_code(ctx, STATUS_LOGON_FAILURE);
    return major;
}

/* The first token may carry RFC 2743 framing with our OID (mechglue needs
 * it to pick this mechanism); the wire bytes follow it. */
static int strip_framing(const gss_buffer_desc *in, gss_buffer_desc *wire)
{
    const unsigned char *p = in->value;
    size_t n = in->length, len, hdr;
    *wire = *in;
    if (n < 2 || p[0] != 0x60)
        return 0;
    if (p[1] < 0x80) {
        len = p[1];
        hdr = 2;
    } else {
        size_t k = p[1] & 0x7f;
        if (k == 0 || k > 4 || n < 2 + k)
            return -1;
        len = 0;
        for (size_t i = 0; i < k; i++)
            len = len << 8 | p[2 + i];
        hdr = 2 + k;
    }
    if (len != n - hdr || n - hdr < 2 + GSS_SSPI_SHIM_CREDSSP_MECH_OID_LENGTH ||
        p[hdr] != 0x06 || p[hdr + 1] != GSS_SSPI_SHIM_CREDSSP_MECH_OID_LENGTH ||
        memcmp(p + hdr + 2, GSS_SSPI_SHIM_CREDSSP_MECH_OID_BYTES,
               GSS_SSPI_SHIM_CREDSSP_MECH_OID_LENGTH) != 0)
        return -1;
    hdr += 2 + GSS_SSPI_SHIM_CREDSSP_MECH_OID_LENGTH;
    wire->value = (unsigned char *)in->value + hdr;
    wire->length = n - hdr;
    return 0;
}

OM_uint32 cs_accept(OM_uint32 *minor, struct cs_ctx **ctxp, struct cs_cred *cred,
                    const gss_buffer_desc *input, gss_buffer_t output)
{
    struct cs_ctx *ctx = *ctxp;
    struct cssp_ts_request req;
    gss_buffer_desc wire;
    OM_uint32 major;
    bool done, have;

    if (cs_lib_get() == NULL)
        return cs_minor(minor, GSS_S_FAILURE, GSS_SSPI_SHIM_CREDSSP_S_GSS_LIBRARY);
    if (input == NULL || input->length == 0)
        return cs_minor(minor, GSS_S_DEFECTIVE_TOKEN, GSS_SSPI_SHIM_CREDSSP_S_PROTOCOL);
    if (ctx == NULL) {
        if (strip_framing(input, &wire) != 0)
            return cs_minor(minor, GSS_S_DEFECTIVE_TOKEN, GSS_SSPI_SHIM_CREDSSP_S_TLS);
        ctx = calloc(1, sizeof(*ctx));
        if (ctx == NULL)
            return cs_minor(minor, GSS_S_FAILURE, ENOMEM);
        ctx->cred = cs_cred_ref(cred);
        *ctxp = ctx;
        if ((major = tls_new(minor, ctx)) != GSS_S_COMPLETE)
            return major;
        input = &wire;
    }
    if (ctx->state == CS_ESTABLISHED)
        return cs_minor(minor, GSS_S_FAILURE, GSS_SSPI_SHIM_CREDSSP_S_ESTABLISHED);
    if (ctx->state == CS_FAILED)
        return cs_minor(minor, GSS_S_FAILURE, GSS_SSPI_SHIM_CREDSSP_S_PROTOCOL);
    /*
     * The records go to TLS one at a time, and only until a whole TSRequest
     * is in: with PROTOCOL_HYBRID an RDP client sends its first PDU (the MCS
     * Connect Initial, [MS-RDPBCGR] 1.3.1.1) right behind the TSRequest
     * carrying authInfo, without waiting for an answer, so both can arrive
     * in one read (measured with FreeRDP 2.11).  The records after the
     * final TSRequest are left to the caller (extra_len: INQ_EXTRA, SSPI's
     * SECBUFFER_EXTRA).  Bytes that are not whole records go in as they
     * are; OpenSSL keeps the part of a record it cannot use yet.
     */
    const unsigned char *p = input->value;
    size_t left = input->length;
    have = false;
    ctx->extra_len = 0;
    while (left > 0 && !have) {
        size_t rec = left;
        if (left >= 5 && (size_t)(5 + ((size_t)p[3] << 8 | p[4])) < left)
            rec = 5 + ((size_t)p[3] << 8 | p[4]);
        gss_buffer_desc one = {rec, (void *)p};
        if ((major = feed(minor, ctx, &one)) != GSS_S_COMPLETE)
            return major;
        p += rec;
        left -= rec;
        if (ctx->state == CS_TLS) {
            if ((major = handshake(minor, ctx, &done)) != GSS_S_COMPLETE)
                return finish_leg(minor, ctx, major, output);
            if (!done)
                continue;
            ctx->state = CS_NEGO;
            /* TLS 1.3: the client's first TSRequest may come with its Finished. */
        }
        if ((major = read_request(minor, ctx, &req, &have)) != GSS_S_COMPLETE)
            return finish_leg(minor, ctx, major, output);
    }
    if (!have)
        return finish_leg(minor, ctx, GSS_S_COMPLETE, output);
    major = server_step(minor, ctx, &req);
    cssp_ts_request_clear(&req);
    /* Before establishment the protocol alternates: a client that sends
     * more than one message per leg does not follow it. */
    if (major == GSS_S_COMPLETE && left > 0 && ctx->state != CS_ESTABLISHED)
        major = fail(minor, ctx, GSS_S_DEFECTIVE_TOKEN, GSS_SSPI_SHIM_CREDSSP_S_PROTOCOL);
    if (major == GSS_S_COMPLETE)
        ctx->extra_len = left;
    return finish_leg(minor, ctx, major, output);
}

/* ------------------------------------------------------------- messages */

OM_uint32 cs_wrap(OM_uint32 *minor, struct cs_ctx *ctx, const gss_buffer_desc *in,
                  gss_buffer_t out)
{
    out->value = NULL;
    out->length = 0;
    if (ctx == NULL || ctx->state != CS_ESTABLISHED)
        return cs_minor(minor, GSS_S_NO_CONTEXT, 0);
    if (in->length > INT32_MAX)
        return cs_minor(minor, GSS_S_FAILURE, GSS_SSPI_SHIM_CREDSSP_S_LIMIT);
    if (in->length > 0 && SSL_write(ctx->ssl, in->value, (int)in->length) != (int)in->length) {
        ERR_clear_error();
        return cs_minor(minor, GSS_S_FAILURE, GSS_SSPI_SHIM_CREDSSP_S_TLS);
    }
    return cs_tls_drain(minor, ctx->wbio, out);
}

OM_uint32 cs_unwrap(OM_uint32 *minor, struct cs_ctx *ctx, const gss_buffer_desc *in,
                    gss_buffer_t out)
{
    size_t cap = in->length, len = 0;
    unsigned char *buf;
    out->value = NULL;
    out->length = 0;
    if (ctx == NULL || ctx->state != CS_ESTABLISHED)
        return cs_minor(minor, GSS_S_NO_CONTEXT, 0);
    if (in->length == 0 || in->length > INT32_MAX)
        return cs_minor(minor, GSS_S_DEFECTIVE_TOKEN, GSS_SSPI_SHIM_CREDSSP_S_TLS);
    /* Plaintext is never longer than the records that carry it. */
    if ((buf = malloc(cap)) == NULL)
        return cs_minor(minor, GSS_S_FAILURE, ENOMEM);
    if (BIO_write(ctx->rbio, in->value, (int)in->length) != (int)in->length) {
        free(buf);
        return cs_minor(minor, GSS_S_FAILURE, ENOMEM);
    }
    for (;;) {
        size_t got = 0;
        if (len == cap)
            break;
        int r = SSL_read_ex(ctx->ssl, buf + len, cap - len, &got);
        if (r <= 0) {
            int e = SSL_get_error(ctx->ssl, r);
            if (e == SSL_ERROR_WANT_READ)
                break;
            OPENSSL_cleanse(buf, len);
            free(buf);
            ERR_clear_error();
            /* A bad MAC or a closed TLS session: the context is unusable. */
            ctx->state = CS_FAILED;
            return cs_minor(minor, e == SSL_ERROR_ZERO_RETURN ? GSS_S_CONTEXT_EXPIRED
                                                                : GSS_S_BAD_SIG,
                            GSS_SSPI_SHIM_CREDSSP_S_TLS);
        }
        len += got;
    }
    /* A record cut short stays in the BIO: the caller must give whole
     * records (the SSPI layer checks with SECBUFFER_MISSING first). */
    if (BIO_ctrl_pending(ctx->rbio) != 0) {
        (void)BIO_reset(ctx->rbio);
        OPENSSL_cleanse(buf, len);
        free(buf);
        return cs_minor(minor, GSS_S_DEFECTIVE_TOKEN, GSS_SSPI_SHIM_CREDSSP_S_TLS);
    }
    out->value = buf;
    out->length = len;
    return cs_minor(minor, GSS_S_COMPLETE, 0);
}

static gss_iov_buffer_desc *iov_find(gss_iov_buffer_desc *iov, int count, OM_uint32 type)
{
    gss_iov_buffer_desc *found = NULL;
    for (int i = 0; i < count; i++) {
        if (GSS_IOV_BUFFER_TYPE(iov[i].type) != type)
            continue;
        if (found != NULL)
            return NULL; /* one of each */
        found = &iov[i];
    }
    return found;
}

OM_uint32 cs_wrap_iov(OM_uint32 *minor, struct cs_ctx *ctx, gss_iov_buffer_desc *iov, int count)
{
    gss_iov_buffer_desc *h = iov_find(iov, count, GSS_IOV_BUFFER_TYPE_HEADER);
    gss_iov_buffer_desc *d = iov_find(iov, count, GSS_IOV_BUFFER_TYPE_DATA);
    gss_iov_buffer_desc *t = iov_find(iov, count, GSS_IOV_BUFFER_TYPE_TRAILER);
    uint32_t header, trailer, max;
    char *rec;
    if (ctx == NULL || ctx->state != CS_ESTABLISHED)
        return cs_minor(minor, GSS_S_NO_CONTEXT, 0);
    if (t == NULL)
        t = iov_find(iov, count, GSS_IOV_BUFFER_TYPE_PADDING);
    cs_stream_sizes(ctx, &header, &trailer, &max);
    if (h == NULL || d == NULL || t == NULL || d->buffer.length > max ||
        h->buffer.length < header || t->buffer.length < trailer ||
        (d->buffer.length && d->buffer.value == NULL))
        return cs_minor(minor, GSS_S_FAILURE, EINVAL);
    if (d->buffer.length > 0 &&
        SSL_write(ctx->ssl, d->buffer.value, (int)d->buffer.length) != (int)d->buffer.length) {
        ERR_clear_error();
        return cs_minor(minor, GSS_S_FAILURE, GSS_SSPI_SHIM_CREDSSP_S_TLS);
    }
    long n = BIO_get_mem_data(ctx->wbio, &rec);
    if (n < (long)(header + d->buffer.length) ||
        (size_t)n - header - d->buffer.length > t->buffer.length) {
        (void)BIO_reset(ctx->wbio);
        ctx->state = CS_FAILED; /* a record went nowhere: the sequence is lost */
        return cs_minor(minor, GSS_S_FAILURE, GSS_SSPI_SHIM_CREDSSP_S_TLS);
    }
    /* BIO_read, not a copy then BIO_reset: resetting a memory BIO clears
     * its whole buffer, as much work again as the record. */
    size_t rest = (size_t)n - header - d->buffer.length;
    if (BIO_read(ctx->wbio, h->buffer.value, (int)header) != (int)header ||
        (d->buffer.length &&
         BIO_read(ctx->wbio, d->buffer.value, (int)d->buffer.length) != (int)d->buffer.length) ||
        (rest && BIO_read(ctx->wbio, t->buffer.value, (int)rest) != (int)rest)) {
        ctx->state = CS_FAILED;
        return cs_minor(minor, GSS_S_FAILURE, GSS_SSPI_SHIM_CREDSSP_S_TLS);
    }
    h->buffer.length = header;
    t->buffer.length = rest;
    return cs_minor(minor, GSS_S_COMPLETE, 0);
}

OM_uint32 cs_unwrap_iov(OM_uint32 *minor, struct cs_ctx *ctx, gss_iov_buffer_desc *iov, int count)
{
    gss_iov_buffer_desc *s = iov_find(iov, count, GSS_IOV_BUFFER_TYPE_STREAM);
    gss_iov_buffer_desc *h = iov_find(iov, count, GSS_IOV_BUFFER_TYPE_HEADER);
    gss_iov_buffer_desc *d = iov_find(iov, count, GSS_IOV_BUFFER_TYPE_DATA);
    gss_iov_buffer_desc *t = iov_find(iov, count, GSS_IOV_BUFFER_TYPE_TRAILER);
    uint32_t header, trailer, max;
    unsigned char *out;
    size_t cap, got = 0;
    if (ctx == NULL || ctx->state != CS_ESTABLISHED)
        return cs_minor(minor, GSS_S_NO_CONTEXT, 0);
    if (d == NULL)
        return cs_minor(minor, GSS_S_FAILURE, EINVAL);
    cs_stream_sizes(ctx, &header, &trailer, &max);
    if (s != NULL) {
        /* One STREAM buffer holding a whole record: DATA comes back pointing
         * at the plaintext inside it. */
        if (s->buffer.length < header || s->buffer.length > INT32_MAX ||
            BIO_write(ctx->rbio, s->buffer.value, (int)s->buffer.length) != (int)s->buffer.length)
            return cs_minor(minor, GSS_S_DEFECTIVE_TOKEN, GSS_SSPI_SHIM_CREDSSP_S_TLS);
        out = (unsigned char *)s->buffer.value + header;
        /* AEAD records: the plaintext is exactly this long (TLS 1.3 may pad
         * it shorter), so no read is tried past the record. */
        cap = s->buffer.length - header > trailer ? s->buffer.length - header - trailer : 0;
    } else {
        if (h == NULL || t == NULL || h->buffer.length + d->buffer.length + t->buffer.length > INT32_MAX)
            return cs_minor(minor, GSS_S_FAILURE, EINVAL);
        if ((h->buffer.length &&
             BIO_write(ctx->rbio, h->buffer.value, (int)h->buffer.length) != (int)h->buffer.length) ||
            (d->buffer.length &&
             BIO_write(ctx->rbio, d->buffer.value, (int)d->buffer.length) != (int)d->buffer.length) ||
            (t->buffer.length &&
             BIO_write(ctx->rbio, t->buffer.value, (int)t->buffer.length) != (int)t->buffer.length))
            return cs_minor(minor, GSS_S_FAILURE, ENOMEM);
        out = d->buffer.value;
        cap = d->buffer.length;
    }
    /* The record is in OpenSSL's hands now: the plaintext (never longer
     * than the ciphertext) goes where the ciphertext was. */
    for (;;) {
        size_t n = 0;
        int r = got < cap ? SSL_read_ex(ctx->ssl, out + got, cap - got, &n) : 0;
        if (r <= 0) {
            int e = got < cap ? SSL_get_error(ctx->ssl, r) : SSL_ERROR_WANT_READ;
            if (e == SSL_ERROR_WANT_READ)
                break;
            ERR_clear_error();
            (void)BIO_reset(ctx->rbio);
            OPENSSL_cleanse(out, got);
            ctx->state = CS_FAILED;
            return cs_minor(minor, e == SSL_ERROR_ZERO_RETURN ? GSS_S_CONTEXT_EXPIRED : GSS_S_BAD_SIG,
                            GSS_SSPI_SHIM_CREDSSP_S_TLS);
        }
        got += n;
    }
    if (BIO_ctrl_pending(ctx->rbio) != 0) {
        (void)BIO_reset(ctx->rbio);
        return cs_minor(minor, GSS_S_DEFECTIVE_TOKEN, GSS_SSPI_SHIM_CREDSSP_S_TLS);
    }
    d->buffer.value = out;
    d->buffer.length = got;
    return cs_minor(minor, GSS_S_COMPLETE, 0);
}

void cs_stream_sizes(const struct cs_ctx *ctx, uint32_t *header, uint32_t *trailer,
                     uint32_t *max_message)
{
    const SSL_CIPHER *c = SSL_get_current_cipher(ctx->ssl);
    *max_message = 16384; /* RFC 8446 5.1 / RFC 5246 6.2.1 */
    if (SSL_version(ctx->ssl) >= TLS1_3_VERSION) {
        *header = 5;
        *trailer = 17; /* inner content type + 16-byte tag, no padding */
    } else if (c != NULL && SSL_CIPHER_get_cipher_nid(c) == NID_chacha20_poly1305) {
        *header = 5;
        *trailer = 16;
    } else {
        *header = 5 + 8; /* GCM: the explicit nonce (RFC 5288 3) */
        *trailer = 16;
    }
}
