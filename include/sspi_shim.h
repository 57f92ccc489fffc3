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

#ifdef __cplusplus
}
#endif
#endif
