/*
 * ImpersonateSecurityContext, RevertSecurityContext.
 * (Being implemented: until then each says so.)
 */
#include "config.h"

#include "shim_internal.h"

SSPI_API SECURITY_STATUS SEC_ENTRY ImpersonateSecurityContext(PCtxtHandle phContext)
{
    return shim_context_not_yet(phContext, "ImpersonateSecurityContext");
}

SSPI_API SECURITY_STATUS SEC_ENTRY RevertSecurityContext(PCtxtHandle phContext)
{
    return shim_context_not_yet(phContext, "RevertSecurityContext");
}


SECURITY_STATUS shim_impersonated_credential(gss_cred_id_t *out, char **principal, bool *found)
{
    (void)out; (void)principal;
    *found = false;
    return SEC_E_OK;
}
