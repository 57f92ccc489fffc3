/*
 * Pure rules of the "WDigest" package: mode and flag checks, the side
 * parameters in the caller's buffers, the parameter token.  See
 * shim/digest_rules.h for the rules themselves and why.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "digest_params.h"
#include "digest_rules.h"

/* SDK values; ASC_REQ_HTTP is the Digest page's name for 0x10000000. */
#define DIGEST_REQ_HTTP_STYLE 0x01000000u   /* ISC_REQ_USE_HTTP_STYLE */
#define DIGEST_REQ_HTTP_PAGE 0x10000000u    /* ASC_REQ_HTTP = ASC_REQ_ALLOW_MISSING_BINDINGS */
#define DIGEST_REQ_PROXY_BINDINGS 0x04000000u

bool shim_digest_http_mode(ULONG req)
{
    return (req & (DIGEST_REQ_HTTP_STYLE | DIGEST_REQ_HTTP_PAGE)) != 0;
}

SECURITY_STATUS shim_digest_check_req(bool initiator, ULONG req)
{
    bool http = shim_digest_http_mode(req);
    /* AcceptSecurityContext (Digest): PROXY_BINDINGS "is mutually
     * exclusive with ASC_REQ_ALLOW_MISSING_BINDINGS". */
    if (!initiator && (req & DIGEST_REQ_PROXY_BINDINGS) && (req & DIGEST_REQ_HTTP_PAGE))
        return SEC_E_SECURITY_QOS_FAILED;
    /* "The Digest SSP supports this flag for SASL only." */
    if (http && (req & (initiator ? ISC_REQ_CONFIDENTIALITY : ASC_REQ_CONFIDENTIALITY)))
        return SEC_E_SECURITY_QOS_FAILED;
    return SEC_E_OK;
}

uint8_t shim_digest_cb_policy(ULONG req)
{
    if (req & DIGEST_REQ_PROXY_BINDINGS)
        return GSS_SSPI_SHIM_DIGEST_CB_REQUIRE;
    if (req & DIGEST_REQ_HTTP_PAGE)
        return GSS_SSPI_SHIM_DIGEST_CB_ALLOW_MISSING;
    return GSS_SSPI_SHIM_DIGEST_CB_DEFAULT;
}

/* A single-byte text value; a C caller may count the NUL, so one
 * trailing NUL is dropped. */
static struct shim_digest_text text_of(const SecBuffer *b)
{
    struct shim_digest_text t = {NULL, 0};
    if (b == NULL || b->pvBuffer == NULL || b->cbBuffer == 0)
        return t;
    t.data = b->pvBuffer;
    t.length = b->cbBuffer;
    if (t.data[t.length - 1] == '\0')
        t.length--;
    if (t.length == 0)
        t.data = NULL;
    return t;
}

/* RFC 7230 3.1.1: method = token (tchar). */
static bool is_method(const struct shim_digest_text *t)
{
    static const char tchar[] = "!#$%&'*+-.^_`|~";
    for (size_t i = 0; i < t->length; i++) {
        unsigned char c = (unsigned char)t->data[i];
        bool alnum = (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
        if (!alnum && (c == '\0' || strchr(tchar, c) == NULL))
            return false;
    }
    return t->length <= 64;
}

/* "Hexadecimal representation of H(entity-body)": up to SHA-512's 128 digits. */
static bool is_hex(const struct shim_digest_text *t)
{
    if (t->length > 128)
        return false;
    for (size_t i = 0; i < t->length; i++) {
        unsigned char c = (unsigned char)t->data[i];
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')))
            return false;
    }
    return true;
}

/* "Unicode string that must be representable in US ASCII" (ASC page, buffer 4). */
static SECURITY_STATUS realm_of(const SecBuffer *b, char *out, size_t size)
{
    out[0] = '\0';
    if (b == NULL || b->pvBuffer == NULL || b->cbBuffer == 0)
        return SEC_E_OK;
    if (b->cbBuffer % sizeof(SEC_WCHAR) != 0)
        return SEC_E_INVALID_PARAMETER;
    size_t units = b->cbBuffer / sizeof(SEC_WCHAR);
    const unsigned char *p = b->pvBuffer;
    size_t n = 0;
    for (size_t i = 0; i < units; i++) {
        SEC_WCHAR c;
        memcpy(&c, p + i * sizeof(c), sizeof(c));
        if (c == 0 && i == units - 1)
            break;                      /* a counted terminator */
        if (c == 0 || c > 0x7e || c < 0x20 || c == '"' || c == '\\')
            return SEC_E_INVALID_PARAMETER;
        if (n + 1 >= size)
            return SEC_E_INVALID_PARAMETER;
        out[n++] = (char)c;
    }
    out[n] = '\0';
    return SEC_E_OK;
}

SECURITY_STATUS shim_digest_find_inputs(enum shim_digest_call call, PSecBufferDesc desc,
                                        struct shim_digest_inputs *out)
{
    memset(out, 0, sizeof(*out));
    const SecBuffer *params[4] = {NULL, NULL, NULL, NULL};
    const SecBuffer *target_host = NULL;
    size_t nparams = 0;
    if (desc != NULL && desc->pBuffers != NULL) {
        for (ULONG i = 0; i < desc->cBuffers; i++) {
            const SecBuffer *b = &desc->pBuffers[i];
            ULONG type = b->BufferType & ~SECBUFFER_ATTRMASK;
            if (type == SECBUFFER_TOKEN && out->token == NULL)
                out->token = b;
            else if (type == SECBUFFER_CHANNEL_BINDINGS && out->bindings == NULL)
                out->bindings = b;
            else if (type == SECBUFFER_TARGET_HOST && target_host == NULL)
                target_host = b;    /* "Input Buffers for the Digest Challenge Response": 3 */
            else if (type == SECBUFFER_PKG_PARAMS) {
                if (nparams == sizeof(params) / sizeof(params[0]))
                    return SEC_E_INVALID_TOKEN;
                params[nparams++] = b;
            }
        }
    }
    size_t hash_at = 1;
    switch (call) {
    case SHIM_DIGEST_ISC:
        hash_at = 1;
        /* The SPN as Windows documents it (a SECBUFFER_TARGET_HOST, UTF-8), or
         * the third PKG_PARAMS buffer for callers that pass it that way. */
        out->target_host = text_of(target_host != NULL ? target_host : params[2]);
        if (nparams > 3)
            return SEC_E_INVALID_TOKEN;
        break;
    case SHIM_DIGEST_SIGN:
        out->uri = text_of(params[1]);
        hash_at = 2;
        break;
    case SHIM_DIGEST_ASC:
    case SHIM_DIGEST_VERIFY:
        hash_at = 2;
        break;
    }
    out->method = text_of(params[0]);
    out->entity_hash = text_of(params[hash_at]);
    if (out->method.data != NULL && !is_method(&out->method))
        return SEC_E_INVALID_TOKEN;
    if (out->entity_hash.data != NULL && !is_hex(&out->entity_hash))
        return SEC_E_INVALID_TOKEN;
    if (out->uri.data != NULL && memchr(out->uri.data, '\0', out->uri.length) != NULL)
        return SEC_E_INVALID_TOKEN;
    if (out->target_host.data != NULL &&
        memchr(out->target_host.data, '\0', out->target_host.length) != NULL)
        return SEC_E_INVALID_TOKEN;
    if (call == SHIM_DIGEST_ASC)
        return realm_of(params[3], out->realm, sizeof(out->realm));
    return SEC_E_OK;
}

SECURITY_STATUS shim_digest_build_params(const struct shim_digest_param_set *set, bool framed,
                                         gss_buffer_desc *out)
{
    const struct shim_digest_inputs *in = set->in;
    const char mode = set->http ? 'H' : 'S';
    struct gssmap_digest_record rec[8];
    size_t n = 0;
    out->value = NULL;
    out->length = 0;

    if (framed)
        rec[n++] = (struct gssmap_digest_record){GSS_SSPI_SHIM_DIGEST_P_WIRE,
                                                 set->wire != NULL ? set->wire : "",
                                                 set->wire_length};
    if (framed)
        rec[n++] = (struct gssmap_digest_record){GSS_SSPI_SHIM_DIGEST_P_MODE, &mode, 1};
    if (in != NULL) {
        rec[n++] = (struct gssmap_digest_record){GSS_SSPI_SHIM_DIGEST_P_METHOD, in->method.data,
                                                 in->method.length};
        rec[n++] = (struct gssmap_digest_record){GSS_SSPI_SHIM_DIGEST_P_ENTITY_HASH,
                                                 in->entity_hash.data, in->entity_hash.length};
        rec[n++] = (struct gssmap_digest_record){GSS_SSPI_SHIM_DIGEST_P_URI, in->uri.data,
                                                 in->uri.length};
        if (!set->acceptor)
            rec[n++] = (struct gssmap_digest_record){GSS_SSPI_SHIM_DIGEST_P_TARGET_HOST,
                                                     in->target_host.data,
                                                     in->target_host.length};
        if (set->acceptor && in->realm[0] != '\0')
            rec[n++] = (struct gssmap_digest_record){GSS_SSPI_SHIM_DIGEST_P_REALM, in->realm,
                                                     strlen(in->realm)};
    }
    if (framed && set->acceptor)
        rec[n++] = (struct gssmap_digest_record){GSS_SSPI_SHIM_DIGEST_P_CB_POLICY,
                                                 &set->cb_policy, 1};

    size_t size = gssmap_digest_params_size(rec, n, framed);
    if (size == 0)
        return SEC_E_INVALID_TOKEN;     /* over GSS_SSPI_SHIM_DIGEST_PARAMS_MAX */
    void *buf = malloc(size);
    if (buf == NULL)
        return SEC_E_INSUFFICIENT_MEMORY;
    size_t written = gssmap_digest_params_write(rec, n, framed, buf, size);
    if (written == 0) {
        free(buf);
        return SEC_E_INTERNAL_ERROR;
    }
    out->value = buf;
    out->length = written;
    return SEC_E_OK;
}
