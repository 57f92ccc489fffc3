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

#ifdef __cplusplus
}
#endif
#endif
