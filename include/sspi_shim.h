/*
 * sspi-shim extensions: the few things a Unix program needs that the
 * Windows SDK has no name for.  Kept small; everything else is sspi.h.
 */
#ifndef SSPI_SHIM_H
#define SSPI_SHIM_H

#include "sspi.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * The last failure seen by an SSPI call in this thread, as one line:
 * "<call>: <SEC_E name> (0x...): <the GSS library's own text>", e.g.
 * "gss_init_sec_context: SEC_E_LOGON_DENIED (0x8009030C): Preauthentication
 * failed".  Windows reports such detail through the event log; on Unix a
 * program prints it.  Empty when nothing failed yet.  The string stays
 * valid until the next SSPI call in the same thread.
 */
SSPI_API const char *SspiShimLastErrorMessage(void);

/* "SEC_E_LOGON_DENIED" for 0x8009030C, or NULL for an unknown code. */
SSPI_API const char *SspiShimStatusName(SECURITY_STATUS status);

/*
 * tls-server-end-point channel bindings (RFC 5929 4) for a DER-encoded
 * server certificate: what Schannel's QueryContextAttributes
 * (SECPKG_ATTR_ENDPOINT_BINDINGS) returns on Windows, ready to pass as a
 * SECBUFFER_CHANNEL_BINDINGS buffer (pvBuffer = out->Bindings, cbBuffer =
 * out->BindingsLength) to InitializeSecurityContext / AcceptSecurityContext.
 * Free out->Bindings with FreeContextBuffer.  SEC_E_INVALID_PARAMETER when
 * cert_der is not exactly one certificate.
 */
SSPI_API SECURITY_STATUS SspiShimTlsServerEndPointBindings(const void *cert_der, ULONG cert_len,
                                                           SecPkgContext_Bindings *out);

/*
 * "WDigest" server configuration: pass as pAuthData to
 * AcquireCredentialsHandle(..., "WDigest", SECPKG_CRED_INBOUND, ...).  On
 * Windows the user store is the domain; here it is a file.  Every field
 * but Version is optional (NULL / 0: the mechanism's default); strings are
 * UTF-8 and NUL-terminated.  Each field set becomes one gss_set_cred_option
 * call on the Digest mechanism (include/gssapi_sspi_shim_digest.h, the
 * GSS_SSPI_SHIM_DIGEST_OPT_* options, which document each value).
 * With pAuthData NULL the user store is the htdigest file named by the
 * environment variable SSPI_SHIM_DIGEST_USERS; with neither,
 * AcquireCredentialsHandle returns SEC_E_NO_CREDENTIALS.
 * Outbound "WDigest" credentials need a SEC_WINNT_AUTH_IDENTITY (A, W or
 * EX) with a password: there is no default Digest credential on Unix.
 *
 * WDigest rules where Windows' pages are silent or contradict each other:
 *  - HTTP mode: ISC_REQ_USE_HTTP_STYLE (0x01000000, what curl passes) or
 *    the Digest page's ASC_REQ_HTTP (0x10000000, the SDK's
 *    ASC_REQ_ALLOW_MISSING_BINDINGS), on either side; neither: SASL.  On
 *    the acceptor 0x10000000 also allows missing bindings, so
 *    ASC_REQ_PROXY_BINDINGS with it is SEC_E_SECURITY_QOS_FAILED (the page
 *    calls the two exclusive); an HTTP server that requires bindings passes
 *    0x01000000 | ASC_REQ_PROXY_BINDINGS.  CONFIDENTIALITY in HTTP mode is
 *    SEC_E_SECURITY_QOS_FAILED ("for SASL only").
 *  - No call returns SEC_I_COMPLETE_NEEDED: every parameter is an input of
 *    the call itself; CompleteAuthToken on a WDigest context is SEC_E_OK.
 *  - A replayed response in AcceptSecurityContext is SEC_E_LOGON_DENIED;
 *    a nonce this server did not issue (other NonceKey) SEC_E_INVALID_TOKEN;
 *    an expired one SEC_I_CONTINUE_NEEDED with a stale=true challenge.
 *  - MakeSignature (HTTP client) writes the next Authorization value into
 *    the SECBUFFER_PADDING buffer when there is one (where curl reads it),
 *    else into SECBUFFER_TOKEN.
 */
#define SSPI_SHIM_DIGEST_SERVER_CONFIG_VERSION 0x31434453u /* "SDC1" */
typedef struct _SSPI_SHIM_DIGEST_SERVER_CONFIG {
    ULONG Version;                  /* SSPI_SHIM_DIGEST_SERVER_CONFIG_VERSION */
    const char *HtdigestFile;       /* Apache htdigest file (user:realm:HA1) */
    const char *PasswordFile;       /* "user:password" lines */
    const unsigned char *NonceKey;  /* >= 16 bytes shared by cooperating servers */
    ULONG NonceKeyLength;
    ULONG NonceLifetime;            /* seconds; 0: the default (300) */
    const char *Realm;              /* challenge realm when ASC gives none */
    const char *HttpAlgorithms;     /* "SHA-256,MD5" */
    const char *Qop;                /* "auth,auth-int" */
    const char *SaslCiphers;        /* "rc4,3des" */
} SSPI_SHIM_DIGEST_SERVER_CONFIG;

#ifdef __cplusplus
}
#endif
#endif
