/*
 * Per-message calls (include/gssapi_sspi_shim_digest.h "Per-message
 * calls"): the RFC 2831 2.3/2.4 security layer in SASL mode, and in HTTP
 * mode the Authorization of a later request on the same nonce.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "digest_gss.h"

static uint32_t be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/*
 * A security-layer sequence number other than the next expected one.  The
 * crypto layer checks the number before the MAC, so the message is not
 * authenticated: the supplementary bit comes with GSS_S_FAILURE.  All
 * earlier numbers were received exactly once, so a lower one is a
 * duplicate and a higher one a gap.
 */
static OM_uint32 seq_error(OM_uint32 *minor, const struct dg_ctx *ctx, const unsigned char *trailer)
{
    uint32_t got = be32(trailer + 12), want = digest_sasl_layer_recv_seq(ctx->layer);
    OM_uint32 bit = got > want ? GSS_S_GAP_TOKEN : GSS_S_DUPLICATE_TOKEN;
    return dg_minor(minor, GSS_S_FAILURE | bit, GSS_SSPI_SHIM_DIGEST_S_NONCE_REPLAYED);
}

static OM_uint32 need_layer(OM_uint32 *minor, const struct dg_ctx *ctx)
{
    if (!ctx || ctx->state != DG_ESTABLISHED)
        return dg_minor(minor, GSS_S_NO_CONTEXT, 0);
    if (ctx->mode != 'S')
        return dg_minor(minor, GSS_S_FAILURE, GSS_SSPI_SHIM_DIGEST_S_WRONG_MODE);
    if (!ctx->layer)
        return dg_minor(minor, GSS_S_FAILURE, GSS_SSPI_SHIM_DIGEST_S_NO_LAYER);
    return GSS_S_COMPLETE;
}

/* HTTP message: METHOD, URI, ENTITY_HASH records (no RFC 2743 header). */
static OM_uint32 http_params(OM_uint32 *minor, const gss_buffer_desc *msg,
                             struct gssmap_digest_params *p)
{
    if (!msg || gssmap_digest_params_parse_list(msg->value, msg->length, p) != 0)
        return dg_minor(minor, GSS_S_DEFECTIVE_TOKEN, GSS_SSPI_SHIM_DIGEST_S_BAD_PARAMS);
    return GSS_S_COMPLETE;
}

static OM_uint32 http_next_authorization(OM_uint32 *minor, struct dg_ctx *ctx,
                                         const gss_buffer_desc *msg, gss_buffer_t token)
{
    struct gssmap_digest_params p;
    char *method, *uri, *eh;
    OM_uint32 major = http_params(minor, msg, &p);
    if (major != GSS_S_COMPLETE)
        return major;
    if (ctx->qop == 0 || ctx->nc == UINT32_MAX)
        return dg_minor(minor, GSS_S_FAILURE, GSS_SSPI_SHIM_DIGEST_S_LIMIT);
    method = dg_param_str(&p, GSS_SSPI_SHIM_DIGEST_P_METHOD);
    uri = dg_param_str(&p, GSS_SSPI_SHIM_DIGEST_P_URI);
    eh = dg_param_str(&p, GSS_SSPI_SHIM_DIGEST_P_ENTITY_HASH);
    if (method) {
        free(ctx->method);
        ctx->method = method;
    }
    if (uri) {
        free(ctx->uri);
        ctx->uri = uri;
    }
    if (eh && strlen(eh) < DIGEST_HEX_BUFSIZE)
        strcpy(ctx->entity_hash, eh);
    else if (digest_http_entity_hash(ctx->alg, "", 0, ctx->entity_hash) != DIGEST_OK)
        ctx->entity_hash[0] = '\0';
    free(eh);
    ctx->nc++; /* RFC 7616 3.4: nc counts the requests on this nonce */
    major = dg_http_authorization(minor, ctx, token);
    if (major != GSS_S_COMPLETE)
        ctx->nc--;
    return major;
}

static OM_uint32 http_verify_authorization(OM_uint32 *minor, struct dg_ctx *ctx,
                                           const gss_buffer_desc *msg,
                                           const gss_buffer_desc *token)
{
    struct gssmap_digest_params p;
    digest_http_response *r = NULL;
    char *method = NULL, *eh = NULL;
    char entity[DIGEST_HEX_BUFSIZE];
    OM_uint32 major = http_params(minor, msg, &p);
    digest_status st;

    if (major != GSS_S_COMPLETE)
        return major;
    if (!token || token->length > DIGEST_MAX_HTTP_VALUE)
        return dg_minor(minor, GSS_S_DEFECTIVE_TOKEN, GSS_SSPI_SHIM_DIGEST_S_LIMIT);
    if (digest_http_parse_response(token->value, token->length, 0, &r, NULL) != DIGEST_OK)
        return dg_minor(minor, GSS_S_DEFECTIVE_TOKEN, GSS_SSPI_SHIM_DIGEST_S_BAD_MESSAGE);
    /* The same user, realm, nonce and algorithm as the authentication */
    if (strcmp(r->nonce, ctx->nonce) != 0 || strcmp(r->realm, ctx->realm) != 0 ||
        strcmp(r->username, ctx->username_sent ? ctx->username_sent : ctx->user) != 0 ||
        r->userhash != ctx->userhash ||
        (r->algorithm == DIGEST_ALG_UNSPECIFIED ? DIGEST_ALG_MD5 : r->algorithm) != ctx->alg ||
        r->qop == 0) {
        major = dg_minor(minor, GSS_S_BAD_SIG, GSS_SSPI_SHIM_DIGEST_S_NONCE_FOREIGN);
        goto out;
    }
    /* draft-santesson-digestbind-01: the same binding as the authentication */
    if (!dg_http_same_binding(ctx, r)) {
        major = dg_minor(minor, GSS_S_BAD_SIG, GSS_SSPI_SHIM_DIGEST_S_BINDINGS);
        goto out;
    }
    method = dg_param_str(&p, GSS_SSPI_SHIM_DIGEST_P_METHOD);
    eh = dg_param_str(&p, GSS_SSPI_SHIM_DIGEST_P_ENTITY_HASH);
    if (eh && strlen(eh) < DIGEST_HEX_BUFSIZE)
        strcpy(entity, eh);
    else if (digest_http_entity_hash(ctx->alg, "", 0, entity) != DIGEST_OK)
        entity[0] = '\0';
    st = digest_http_verify_response(r, method ? method : "GET", ctx->ha1_base,
                                     r->qop == DIGEST_QOP_AUTH_INT ? entity : NULL, NULL);
    if (st != DIGEST_OK) {
        major = dg_minor(minor, GSS_S_BAD_SIG, GSS_SSPI_SHIM_DIGEST_S_LOGON_DENIED);
        goto out;
    }
    /* nc must be the previous one + 1 (authentic, but out of order: the
     * request is refused, so the bit comes with GSS_S_FAILURE) */
    if (r->nc_value == ctx->nc)
        major = dg_minor(minor, GSS_S_FAILURE | GSS_S_DUPLICATE_TOKEN,
                         GSS_SSPI_SHIM_DIGEST_S_NONCE_REPLAYED);
    else if (r->nc_value < ctx->nc)
        major = dg_minor(minor, GSS_S_FAILURE | GSS_S_UNSEQ_TOKEN,
                         GSS_SSPI_SHIM_DIGEST_S_NONCE_REPLAYED);
    else if (r->nc_value > ctx->nc + 1 || ctx->nc == UINT32_MAX)
        major = dg_minor(minor, GSS_S_FAILURE | GSS_S_GAP_TOKEN,
                         GSS_SSPI_SHIM_DIGEST_S_NONCE_REPLAYED);
    else {
        ctx->nc = r->nc_value;
        major = GSS_S_COMPLETE;
        *minor = 0;
    }
out:
    free(method);
    free(eh);
    digest_http_response_free(r);
    return major;
}

OM_uint32 dg_get_mic(OM_uint32 *minor, struct dg_ctx *ctx, const gss_buffer_desc *msg,
                     gss_buffer_t token)
{
    unsigned char mac[DIGEST_SASL_MAC_LEN];
    OM_uint32 major;
    if (ctx && ctx->state == DG_ESTABLISHED && ctx->mode == 'H') {
        if (!ctx->initiator)
            return dg_minor(minor, GSS_S_UNAVAILABLE, GSS_SSPI_SHIM_DIGEST_S_WRONG_MODE);
        return http_next_authorization(minor, ctx, msg, token);
    }
    if ((major = need_layer(minor, ctx)) != GSS_S_COMPLETE)
        return major;
    if (digest_sasl_sign(ctx->layer, msg->value, msg->length, mac) != DIGEST_OK)
        return dg_minor(minor, GSS_S_FAILURE, GSS_SSPI_SHIM_DIGEST_S_LIMIT);
    return dg_set_token(minor, token, (const char *)mac, sizeof(mac));
}

OM_uint32 dg_verify_mic(OM_uint32 *minor, struct dg_ctx *ctx, const gss_buffer_desc *msg,
                        const gss_buffer_desc *token)
{
    OM_uint32 major;
    digest_status st;
    if (ctx && ctx->state == DG_ESTABLISHED && ctx->mode == 'H') {
        if (ctx->initiator)
            return dg_minor(minor, GSS_S_UNAVAILABLE, GSS_SSPI_SHIM_DIGEST_S_WRONG_MODE);
        return http_verify_authorization(minor, ctx, msg, token);
    }
    if ((major = need_layer(minor, ctx)) != GSS_S_COMPLETE)
        return major;
    if (!token || token->length != DIGEST_SASL_MAC_LEN)
        return dg_minor(minor, GSS_S_DEFECTIVE_TOKEN, GSS_SSPI_SHIM_DIGEST_S_BAD_MESSAGE);
    st = digest_sasl_verify(ctx->layer, msg->value, msg->length, token->value);
    if (st == DIGEST_ERR_SEQUENCE)
        return seq_error(minor, ctx, token->value);
    if (st != DIGEST_OK)
        return dg_minor(minor, GSS_S_BAD_SIG, GSS_SSPI_SHIM_DIGEST_S_BAD_MESSAGE);
    *minor = 0;
    return GSS_S_COMPLETE;
}

OM_uint32 dg_wrap(OM_uint32 *minor, struct dg_ctx *ctx, int conf_req, const gss_buffer_desc *in,
                  int *conf_state, gss_buffer_t out)
{
    unsigned char *o = NULL;
    size_t olen;
    OM_uint32 major = need_layer(minor, ctx);
    (void)conf_req; /* the negotiated qop decides: auth-conf encrypts every frame */
    if (major != GSS_S_COMPLETE)
        return major;
    if (digest_sasl_wrap(ctx->layer, in->value, in->length, &o, &olen) != DIGEST_OK)
        return dg_minor(minor, GSS_S_FAILURE, GSS_SSPI_SHIM_DIGEST_S_CRYPTO);
    out->value = o;
    out->length = olen;
    if (conf_state)
        *conf_state = ctx->qop == DIGEST_QOP_AUTH_CONF;
    *minor = 0;
    return GSS_S_COMPLETE;
}

OM_uint32 dg_unwrap(OM_uint32 *minor, struct dg_ctx *ctx, const gss_buffer_desc *in,
                    gss_buffer_t out, int *conf_state)
{
    unsigned char *o = NULL;
    size_t olen;
    digest_status st;
    OM_uint32 major = need_layer(minor, ctx);
    if (major != GSS_S_COMPLETE)
        return major;
    if (!in || in->length < DIGEST_SASL_MAC_LEN)
        return dg_minor(minor, GSS_S_DEFECTIVE_TOKEN, GSS_SSPI_SHIM_DIGEST_S_BAD_MESSAGE);
    st = digest_sasl_unwrap(ctx->layer, in->value, in->length, &o, &olen);
    if (st == DIGEST_ERR_SEQUENCE)
        return seq_error(minor, ctx, (const unsigned char *)in->value + in->length - 16);
    if (st != DIGEST_OK)
        return dg_minor(minor, GSS_S_BAD_SIG, GSS_SSPI_SHIM_DIGEST_S_BAD_MESSAGE);
    if (olen == 0) {
        /* An empty message: no buffer, since MIT's gss_release_buffer
         * frees only a buffer whose length is not 0. */
        free(o);
        o = NULL;
    }
    out->value = o;
    out->length = olen;
    if (conf_state)
        *conf_state = ctx->qop == DIGEST_QOP_AUTH_CONF;
    *minor = 0;
    return GSS_S_COMPLETE;
}

OM_uint32 dg_wrap_size_limit(OM_uint32 *minor, const struct dg_ctx *ctx, int conf_req,
                             OM_uint32 req_output_size, OM_uint32 *max_input)
{
    OM_uint32 major = need_layer(minor, ctx);
    OM_uint32 n;
    (void)conf_req;
    if (major != GSS_S_COMPLETE)
        return major;
    /* RFC 2831 2.3: msg + 10-byte HMAC + 0x0001 + 4-byte SeqNum */
    if (ctx->qop == DIGEST_QOP_AUTH_CONF &&
        (ctx->cipher == DIGEST_CIPHER_3DES || ctx->cipher == DIGEST_CIPHER_DES)) {
        /* RFC 2831 2.4: {msg, pad(1..8), HMAC[10]} is a multiple of 8 */
        n = req_output_size < 6 ? 0 : (req_output_size - 6) / 8 * 8;
        n = n < 11 ? 0 : n - 11;
    } else {
        n = req_output_size < DIGEST_SASL_MAC_LEN ? 0 : req_output_size - DIGEST_SASL_MAC_LEN;
    }
    *max_input = n;
    *minor = 0;
    return GSS_S_COMPLETE;
}
