/*
 * Pure rules of the "WDigest" package (no GSS-API call, no state): which
 * mode the flags select, which flag combinations fail, where the side
 * parameters sit in the caller's SecBufferDesc, and the parameter token
 * (include/gssapi_sspi_shim_digest.h) built from them.  Kept apart from
 * shim/digest_package.c so tests/check_wdigest.c can check each rule
 * without a mechanism.
 */
#ifndef SSPI_SHIM_DIGEST_RULES_H
#define SSPI_SHIM_DIGEST_RULES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <gssapi/gssapi.h>

#include "sspi.h"

#ifndef SHIM_LOCAL
#define SHIM_LOCAL __attribute__((visibility("hidden")))
#endif

/* NTSTATUS the AcceptSecurityContext (Digest) page returns when the
 * context was already established (ntstatus.h; include/sspi.h). */
#define SHIM_DIGEST_STATUS_LOGON_FAILURE STATUS_LOGON_FAILURE

/* Windows' WDigest SecPkgInfo (wRPCID RPC_C_AUTHN_DIGEST, rpcdce.h). */
#define SHIM_DIGEST_RPC_ID 21
#define SHIM_DIGEST_MAX_TOKEN 4096
/* SASL trailer: 10-byte HMAC, 0x0001, 4-byte sequence (RFC 2831 2.3). */
#define SHIM_DIGEST_SASL_TRAILER 16
/* ptsExpiry: "a constant maximum time" (AcceptSecurityContext (Digest)). */
#define SHIM_DIGEST_EXPIRY_NEVER 0x7FFFFFFFFFFFFFFFLL

/*
 * Mode selection.  The Digest page's ASC_REQ_HTTP is 0x10000000, the SDK
 * value of ASC_REQ_ALLOW_MISSING_BINDINGS; Windows clients (curl) ask for
 * HTTP with ISC_REQ_USE_HTTP_STYLE 0x01000000.  The rule, on both sides:
 *   - 0x01000000 or 0x10000000 selects HTTP; neither selects SASL;
 *   - on the acceptor, 0x10000000 also means "allow missing bindings"
 *     (both readings agree: an HTTP server that does not demand them), and
 *     ASC_REQ_PROXY_BINDINGS (require bindings) with 0x10000000 is the
 *     combination the page calls mutually exclusive: QOS_FAILED.  An HTTP
 *     server that requires bindings passes 0x01000000 | PROXY_BINDINGS.
 */
SHIM_LOCAL bool shim_digest_http_mode(ULONG req);
/* SEC_E_OK, or SEC_E_SECURITY_QOS_FAILED for flags Digest cannot honour:
 * PROXY_BINDINGS with ALLOW_MISSING_BINDINGS (acceptor), CONFIDENTIALITY
 * in HTTP mode ("supports this flag for SASL only"). */
SHIM_LOCAL SECURITY_STATUS shim_digest_check_req(bool initiator, ULONG req);
/* GSS_SSPI_SHIM_DIGEST_CB_* for an acceptor's flags. */
SHIM_LOCAL uint8_t shim_digest_cb_policy(ULONG req);

/*
 * The side parameters of one call, found as Windows finds them: the
 * first SECBUFFER_TOKEN, the first SECBUFFER_CHANNEL_BINDINGS, and the
 * SECBUFFER_PKG_PARAMS buffers by their order among themselves:
 *   initiator (ISC):   1st method, 2nd H(entity), 3rd target host
 *   acceptor (ASC):    1st method, 2nd reserved, 3rd H(entity), 4th realm
 *                      (UTF-16, ASCII only)
 *   MakeSignature:     1st method, 2nd URI, 3rd H(entity); output into
 *                      SECBUFFER_PADDING (what curl reads), else TOKEN
 *   VerifySignature:   1st method, 2nd reserved, 3rd H(entity)
 * An empty PKG_PARAMS buffer (NULL or zero bytes) is an absent value.
 */
enum shim_digest_call {
    SHIM_DIGEST_ISC,
    SHIM_DIGEST_ASC,
    SHIM_DIGEST_SIGN,
    SHIM_DIGEST_VERIFY,
};

struct shim_digest_text {
    const char *data;   /* NULL: absent */
    size_t length;
};

struct shim_digest_inputs {
    const SecBuffer *token;         /* NULL when there is none */
    const SecBuffer *bindings;
    struct shim_digest_text method, entity_hash, target_host, uri;
    char realm[256];                /* ASCII from the UTF-16 buffer; "" absent */
};

/* SEC_E_OK, SEC_E_INVALID_TOKEN (malformed method / H(entity) / more
 * PKG_PARAMS than the call takes), SEC_E_INVALID_PARAMETER (a realm not
 * representable in US-ASCII, or too long). */
SHIM_LOCAL SECURITY_STATUS shim_digest_find_inputs(enum shim_digest_call call,
                                                   PSecBufferDesc desc,
                                                   struct shim_digest_inputs *out);

/* One record of the token being built (include/gssapi_sspi_shim_digest.h). */
struct shim_digest_param_set {
    const void *wire;
    size_t wire_length;
    bool http;
    bool acceptor;
    uint8_t cb_policy;              /* acceptor only */
    const struct shim_digest_inputs *in;
};

/* The framed parameter token (RFC 2743 3.1 with the Digest OID), or with
 * framed == false the bare record list (gss_get_mic / gss_verify_mic
 * messages).  out->value is malloc'd. */
SHIM_LOCAL SECURITY_STATUS shim_digest_build_params(const struct shim_digest_param_set *set,
                                                    bool framed, gss_buffer_desc *out);

#endif
