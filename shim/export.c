/*
 * ExportSecurityContext, ImportSecurityContextA/W.
 * (Being implemented: until then each says so.)
 */
#include "config.h"

#include "shim_internal.h"

SSPI_API SECURITY_STATUS SEC_ENTRY ExportSecurityContext(PCtxtHandle phContext, ULONG fFlags,
                                                         PSecBuffer pPackedContext, void **pToken)
{
    (void)fFlags; (void)pPackedContext; (void)pToken;
    return shim_context_not_yet(phContext, "ExportSecurityContext");
}

SSPI_API SECURITY_STATUS SEC_ENTRY ImportSecurityContextA(LPSTR pszPackage,
                                                          PSecBuffer pPackedContext, void *Token,
                                                          PCtxtHandle phContext)
{
    (void)pszPackage; (void)pPackedContext; (void)Token; (void)phContext;
    return shim_not_yet("ImportSecurityContext");
}

SSPI_API SECURITY_STATUS SEC_ENTRY ImportSecurityContextW(LPWSTR pszPackage,
                                                          PSecBuffer pPackedContext, void *Token,
                                                          PCtxtHandle phContext)
{
    (void)pszPackage; (void)pPackedContext; (void)Token; (void)phContext;
    return shim_not_yet("ImportSecurityContext");
}

