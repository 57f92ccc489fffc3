/*
 * Message calls of a "WDigest" context.
 *
 * HTTP mode: later requests on the same nonce (RFC 7616 3.4: nc + 1), as
 * Windows' curl drives them (lib/vauth/digest_sspi.c):
 *   client MakeSignature   TOKEN (empty), PKG_PARAMS method, PKG_PARAMS
 *                          URI, PKG_PARAMS H(entity) (may be empty),
 *                          PADDING (output: the Authorization value; curl
 *                          reads it from there) -> gss_get_mic; without a
 *                          PADDING buffer the value goes into TOKEN;
 *   server VerifySignature TOKEN (the Authorization value), PKG_PARAMS
 *                          method, PKG_PARAMS reserved, PKG_PARAMS
 *                          H(entity) -> gss_verify_mic; nc not previous + 1
 *                          gives SEC_E_OUT_OF_SEQUENCE, a wrong response
 *                          SEC_E_MESSAGE_ALTERED.
 * The client's MakeSignature works once InitializeSecurityContext has
 * produced the Authorization (curl never passes the server's
 * Authentication-Info back), so it needs a GSS context, not an
 * established one.
 *
 * SASL mode (RFC 2831 2.3, 2.4), after auth-int / auth-conf:
 *   MakeSignature / VerifySignature: DATA buffers, the 16-byte trailer
 *   (10-byte HMAC, 0x0001, sequence number) in TOKEN;
 *   EncryptMessage: DATA in place (encrypted with auth-conf, unchanged
 *   with auth-int), the rest of the security-layer frame (HMAC, padding
 *   of DES/3DES, 0x0001, sequence number) in TOKEN, an optional PADDING
 *   set to zero bytes; on the wire the frame is DATA then TOKEN.
 *   DecryptMessage: DATA + TOKEN as EncryptMessage left them, or the whole
 *   frame in SECBUFFER_STREAM (the plaintext then comes back in the DATA
 *   buffer, pointing into the stream).  pfQOP is SECQOP_WRAP_NO_ENCRYPT
 *   for an integrity-only frame.
 * gss_wrap returns the frame in one allocation; the only copies are that
 * allocation back into the caller's DATA and TOKEN (and, to decrypt, the
 * frame joined for gss_unwrap when it arrives in two buffers).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "digest_rules.h"
#include "shim_internal.h"

static ULONG base(const SecBuffer *b)
{
    return b->BufferType & ~SECBUFFER_ATTRMASK;
}

/* A context that can run message calls: a GSS context, no sticky error. */
static SECURITY_STATUS usable(struct shim_context *ctx, bool need_established)
{
    if (ctx->failed != SEC_E_OK || ctx->gss == GSS_C_NO_CONTEXT ||
        (need_established && !ctx->established))
        return shim_fail(SEC_E_INVALID_HANDLE, "the security context is not established");
    return SEC_E_OK;
}

/* The message's DATA: the single buffer itself, or several joined
 * (*joined then malloc'd). */
static SECURITY_STATUS data_of(PSecBufferDesc desc, gss_buffer_desc *out, void **joined)
{
    size_t total = 0, count = 0;
    SecBuffer *one = NULL;
    *joined = NULL;
    for (ULONG i = 0; i < desc->cBuffers; i++) {
        SecBuffer *b = &desc->pBuffers[i];
        if (base(b) != SECBUFFER_DATA)
            continue;
        if (b->cbBuffer > 0 && b->pvBuffer == NULL)
            return shim_fail(SEC_E_INVALID_TOKEN, "a SECBUFFER_DATA buffer has no memory");
        total += b->cbBuffer;
        one = b;
        count++;
    }
    if (count == 0)
        return shim_fail(SEC_E_INVALID_TOKEN, "no SECBUFFER_DATA buffer");
    if (count == 1) {
        out->value = one->pvBuffer;
        out->length = one->cbBuffer;
        return SEC_E_OK;
    }
    unsigned char *p = malloc(total ? total : 1);
    if (p == NULL)
        return SEC_E_INSUFFICIENT_MEMORY;
    size_t at = 0;
    for (ULONG i = 0; i < desc->cBuffers; i++) {
        SecBuffer *b = &desc->pBuffers[i];
        if (base(b) == SECBUFFER_DATA && b->cbBuffer > 0) {
            memcpy(p + at, b->pvBuffer, b->cbBuffer);
            at += b->cbBuffer;
        }
    }
    *joined = p;
    out->value = p;
    out->length = total;
    return SEC_E_OK;
}

/* Copies bytes into a caller's buffer of fixed size. */
static SECURITY_STATUS put(SecBuffer *b, const void *data, size_t len)
{
    if (b == NULL)
        return shim_fail(SEC_E_INVALID_TOKEN, "no output buffer for the Digest token");
    if (b->pvBuffer == NULL || b->cbBuffer < len)
        return shim_fail(SEC_E_BUFFER_TOO_SMALL, "the output buffer needs %zu bytes", len);
    memcpy(b->pvBuffer, data, len);
    b->cbBuffer = (ULONG)len;
    return SEC_E_OK;
}

static void forget_pending(struct shim_context *ctx)
{
    OM_uint32 minor;
    gss_release_buffer(&minor, &ctx->digest_pending_mic);
    free(ctx->digest_pending_params.value);
    ctx->digest_pending_params.value = NULL;
    ctx->digest_pending_params.length = 0;
}

static SECURITY_STATUS http_params(enum shim_digest_call call, PSecBufferDesc msg,
                                   struct shim_digest_inputs *in, gss_buffer_desc *params)
{
    SECURITY_STATUS st = shim_digest_find_inputs(call, msg, in);
    if (st != SEC_E_OK)
        return shim_fail(st, "malformed WDigest message buffers (method or H(entity))");
    struct shim_digest_param_set set = {.http = true, .acceptor = call == SHIM_DIGEST_VERIFY,
                                        .in = in};
    return shim_digest_build_params(&set, false, params);
}

SECURITY_STATUS shim_digest_make_signature(struct shim_context *ctx, ULONG qop,
                                           PSecBufferDesc msg, bool *handled)
{
    OM_uint32 major, minor;
    gss_buffer_desc in = GSS_C_EMPTY_BUFFER, out = GSS_C_EMPTY_BUFFER;
    void *joined = NULL;
    SECURITY_STATUS st;
    *handled = true;
    if (msg == NULL || (st = shim_check_desc(msg)) != SEC_E_OK)
        return msg == NULL ? SEC_E_INVALID_PARAMETER : st;
    if (qop != 0)
        return shim_fail(SEC_E_QOP_NOT_SUPPORTED, "Digest signatures take no quality of protection");
    SecBuffer *target;
    if (ctx->digest_http) {
        if (!ctx->initiator)
            return shim_fail(SEC_E_UNSUPPORTED_FUNCTION,
                             "an HTTP Digest server verifies requests; it signs none");
        if ((st = usable(ctx, false)) != SEC_E_OK)
            return st;
        struct shim_digest_inputs inputs;
        if ((st = http_params(SHIM_DIGEST_SIGN, msg, &inputs, &in)) != SEC_E_OK)
            return st;
        if (inputs.method.data == NULL || inputs.uri.data == NULL) {
            free(in.value);
            return shim_fail(SEC_E_INVALID_TOKEN, "MakeSignature needs the method and the URI");
        }
        target = shim_find_buffer(msg, SECBUFFER_PADDING);
        if (target == NULL)
            target = shim_find_buffer(msg, SECBUFFER_TOKEN);
        joined = in.value;
    } else {
        if ((st = usable(ctx, true)) != SEC_E_OK)
            return st;
        if ((st = data_of(msg, &in, &joined)) != SEC_E_OK)
            return st;
        target = shim_find_buffer(msg, SECBUFFER_TOKEN);
    }
    if (ctx->digest_http && ctx->digest_pending_mic.value != NULL) {
        /* The retry of a request whose Authorization did not fit. */
        bool same = ctx->digest_pending_params.length == in.length &&
                    memcmp(ctx->digest_pending_params.value, in.value, in.length) == 0;
        if (same) {
            free(joined);
            st = put(target, ctx->digest_pending_mic.value, ctx->digest_pending_mic.length);
            if (st == SEC_E_OK)
                forget_pending(ctx);
            return st;
        }
        forget_pending(ctx);            /* another request: that one is abandoned */
    }
    if (!ctx->digest_http && (target == NULL || target->cbBuffer < SHIM_DIGEST_SASL_TRAILER)) {
        /* Checked first: gss_get_mic spends a sequence number. */
        free(joined);
        return shim_fail(target == NULL ? SEC_E_INVALID_TOKEN : SEC_E_BUFFER_TOO_SMALL,
                         "MakeSignature needs a %d-byte SECBUFFER_TOKEN", SHIM_DIGEST_SASL_TRAILER);
    }
    major = gss_get_mic(&minor, ctx->gss, GSS_C_QOP_DEFAULT, &in, &out);
    if (GSS_ERROR(major)) {
        free(joined);
        return shim_gss_status("gss_get_mic", major, minor, &shim_oid_digest);
    }
    st = put(target, out.value, out.length);
    if (st == SEC_E_BUFFER_TOO_SMALL && ctx->digest_http) {
        ctx->digest_pending_mic = out;  /* kept for the retry */
        ctx->digest_pending_params = in;
        return st;
    }
    free(joined);
    gss_release_buffer(&minor, &out);
    return st;
}

SECURITY_STATUS shim_digest_verify_signature(struct shim_context *ctx, PSecBufferDesc msg,
                                             ULONG *qop, bool *handled)
{
    OM_uint32 major, minor;
    gss_buffer_desc in = GSS_C_EMPTY_BUFFER;
    void *joined = NULL;
    SECURITY_STATUS st;
    *handled = true;
    if (msg == NULL || (st = shim_check_desc(msg)) != SEC_E_OK)
        return msg == NULL ? SEC_E_INVALID_PARAMETER : st;
    if ((st = usable(ctx, true)) != SEC_E_OK)
        return st;
    SecBuffer *token = shim_find_buffer(msg, SECBUFFER_TOKEN);
    if (token == NULL || token->cbBuffer == 0 || token->pvBuffer == NULL)
        return shim_fail(SEC_E_INVALID_TOKEN, "no signature in SECBUFFER_TOKEN");
    if (ctx->digest_http) {
        if (ctx->initiator)
            return shim_fail(SEC_E_UNSUPPORTED_FUNCTION,
                             "an HTTP Digest client signs requests; it verifies none");
        struct shim_digest_inputs inputs;
        if ((st = http_params(SHIM_DIGEST_VERIFY, msg, &inputs, &in)) != SEC_E_OK)
            return st;
        joined = in.value;
    } else if ((st = data_of(msg, &in, &joined)) != SEC_E_OK) {
        return st;
    }
    gss_buffer_desc sig = {token->cbBuffer, token->pvBuffer};
    gss_qop_t state = 0;
    major = gss_verify_mic(&minor, ctx->gss, &in, &sig, &state);
    free(joined);
    st = shim_gss_status("gss_verify_mic", major, minor, &shim_oid_digest);
    if (st == SEC_E_OK && qop != NULL)
        *qop = 0;
    return st;
}

SECURITY_STATUS shim_digest_encrypt(struct shim_context *ctx, ULONG qop, PSecBufferDesc msg,
                                    bool *handled)
{
    OM_uint32 major, minor;
    SECURITY_STATUS st;
    *handled = true;
    if (msg == NULL || (st = shim_check_desc(msg)) != SEC_E_OK)
        return msg == NULL ? SEC_E_INVALID_PARAMETER : st;
    if ((st = usable(ctx, true)) != SEC_E_OK)
        return st;
    if (ctx->digest_http)
        return shim_fail(SEC_E_UNSUPPORTED_FUNCTION, "HTTP Digest has no security layer");
    if (qop != 0 && qop != SECQOP_WRAP_NO_ENCRYPT)
        return shim_fail(SEC_E_QOP_NOT_SUPPORTED, "unknown quality of protection 0x%x",
                         (unsigned)qop);
    SecBuffer *data = shim_find_buffer(msg, SECBUFFER_DATA);
    SecBuffer *token = shim_find_buffer(msg, SECBUFFER_TOKEN);
    if (data == NULL || token == NULL || (data->cbBuffer > 0 && data->pvBuffer == NULL))
        return shim_fail(SEC_E_INVALID_TOKEN, "EncryptMessage needs a TOKEN and a DATA buffer");
    /* Checked first, against SIZES' cbSecurityTrailer: gss_wrap spends a
     * sequence number. */
    if (token->pvBuffer == NULL || token->cbBuffer < SHIM_DIGEST_SASL_TRAILER + 8)
        return shim_fail(SEC_E_BUFFER_TOO_SMALL, "EncryptMessage needs a %d-byte SECBUFFER_TOKEN",
                         SHIM_DIGEST_SASL_TRAILER + 8);
    gss_buffer_desc in = {data->cbBuffer, data->pvBuffer}, out = GSS_C_EMPTY_BUFFER;
    int conf = 0;
    major = gss_wrap(&minor, ctx->gss, qop != SECQOP_WRAP_NO_ENCRYPT, GSS_C_QOP_DEFAULT, &in,
                     &conf, &out);
    if (GSS_ERROR(major))
        return shim_gss_status("gss_wrap", major, minor, &shim_oid_digest);
    if (out.length < in.length) {
        gss_release_buffer(&minor, &out);
        return shim_fail(SEC_E_INTERNAL_ERROR, "the Digest frame is shorter than the message");
    }
    size_t tail = out.length - in.length;
    if (token->pvBuffer == NULL || token->cbBuffer < tail) {
        gss_release_buffer(&minor, &out);
        return shim_fail(SEC_E_BUFFER_TOO_SMALL, "the TOKEN buffer needs %zu bytes", tail);
    }
    if (in.length > 0)              /* an empty DATA buffer may have no pvBuffer */
        memcpy(data->pvBuffer, out.value, in.length);
    memcpy(token->pvBuffer, (unsigned char *)out.value + in.length, tail);
    token->cbBuffer = (ULONG)tail;
    SecBuffer *padding = shim_find_buffer(msg, SECBUFFER_PADDING);
    if (padding != NULL)
        padding->cbBuffer = 0;
    explicit_bzero(out.value, out.length);
    gss_release_buffer(&minor, &out);
    return SEC_E_OK;
}

SECURITY_STATUS shim_digest_decrypt(struct shim_context *ctx, PSecBufferDesc msg, ULONG *qop,
                                    bool *handled)
{
    OM_uint32 major, minor;
    SECURITY_STATUS st;
    *handled = true;
    if (msg == NULL || (st = shim_check_desc(msg)) != SEC_E_OK)
        return msg == NULL ? SEC_E_INVALID_PARAMETER : st;
    if ((st = usable(ctx, true)) != SEC_E_OK)
        return st;
    if (ctx->digest_http)
        return shim_fail(SEC_E_UNSUPPORTED_FUNCTION, "HTTP Digest has no security layer");
    SecBuffer *stream = shim_find_buffer(msg, SECBUFFER_STREAM);
    SecBuffer *data = shim_find_buffer(msg, SECBUFFER_DATA);
    SecBuffer *token = shim_find_buffer(msg, SECBUFFER_TOKEN);
    if (data == NULL)
        return shim_fail(SEC_E_INVALID_TOKEN, "DecryptMessage needs a DATA buffer");
    gss_buffer_desc frame;
    unsigned char *joined = NULL;
    if (stream != NULL) {
        if (stream->pvBuffer == NULL || stream->cbBuffer == 0)
            return shim_fail(SEC_E_INVALID_TOKEN, "empty SECBUFFER_STREAM");
        frame.value = stream->pvBuffer;
        frame.length = stream->cbBuffer;
    } else {
        if (token == NULL || token->pvBuffer == NULL || token->cbBuffer == 0 ||
            (data->cbBuffer > 0 && data->pvBuffer == NULL))
            return shim_fail(SEC_E_INVALID_TOKEN, "DecryptMessage needs DATA and TOKEN");
        frame.length = (size_t)data->cbBuffer + token->cbBuffer;
        joined = malloc(frame.length);
        if (joined == NULL)
            return SEC_E_INSUFFICIENT_MEMORY;
        if (data->cbBuffer > 0)
            memcpy(joined, data->pvBuffer, data->cbBuffer);
        memcpy(joined + data->cbBuffer, token->pvBuffer, token->cbBuffer);
        frame.value = joined;
    }
    gss_buffer_desc out = GSS_C_EMPTY_BUFFER;
    int conf = 0;
    gss_qop_t state = 0;
    major = gss_unwrap(&minor, ctx->gss, &frame, &out, &conf, &state);
    free(joined);
    st = shim_gss_status("gss_unwrap", major, minor, &shim_oid_digest);
    if (st != SEC_E_OK) {
        gss_release_buffer(&minor, &out);
        return st;
    }
    /* The plaintext is never longer than the frame part it came from. */
    /* An empty plaintext may come back without a buffer (out.value NULL). */
    if (stream != NULL) {
        if (out.length > 0)
            memcpy(stream->pvBuffer, out.value, out.length);
        data->pvBuffer = stream->pvBuffer;
    } else if (out.length > data->cbBuffer) {
        explicit_bzero(out.value, out.length);
        gss_release_buffer(&minor, &out);
        return shim_fail(SEC_E_INVALID_TOKEN, "the Digest frame does not match its DATA buffer");
    } else if (out.length > 0) {
        memcpy(data->pvBuffer, out.value, out.length);
    }
    data->cbBuffer = (ULONG)out.length;
    if (out.length > 0)
        explicit_bzero(out.value, out.length);
    gss_release_buffer(&minor, &out);
    if (qop != NULL)
        *qop = conf ? 0 : SECQOP_WRAP_NO_ENCRYPT;
    return SEC_E_OK;
}
