/*
 * security.h - Windows-compatible umbrella header for SSPI.
 *
 * On Windows, security.h insists that one of SECURITY_WIN32, SECURITY_KERNEL
 * or SECURITY_MAC be defined and then includes sspi.h.  Ported code defines
 * SECURITY_WIN32 (sometimes SECURITY_KERNEL) before including it, and some
 * code defines nothing because a build system did it on Windows; all of these
 * are accepted here.  The API is always the user-mode one: SECURITY_KERNEL
 * does not switch to the kernel-mode (SECURITY_STRING) prototypes, which have
 * no meaning on Unix.
 *
 * Everything lives in sspi.h, including the package name macros
 * (NEGOSSP_NAME, NTLMSP_NAME, MICROSOFT_KERBEROS_NAME, ...) and the SEC_E_* /
 * SEC_I_* status codes that Windows takes from winerror.h.
 */
#ifndef SSPI_SHIM_SECURITY_H
#define SSPI_SHIM_SECURITY_H

#if !defined(SECURITY_WIN32) && !defined(SECURITY_KERNEL) && !defined(SECURITY_MAC)
# define SECURITY_WIN32
#endif

#include "sspi.h"

#endif /* SSPI_SHIM_SECURITY_H */
