/*
 * Entry points that exist so ported code links, but whose feature is not
 * built yet, or has no equivalent on Unix (those say why).  Each validates its handle (a bad handle is still
 * SEC_E_INVALID_HANDLE) and then says plainly that it is not available,
 * with SEC_E_UNSUPPORTED_FUNCTION and a message for SspiShimLastErrorMessage.
 * docs/features.md lists them; each moves out of this file when it works.
 */
#include "config.h"

#include "shim_internal.h"
#include "trace.h"

#define NOT_YET(what) shim_not_yet(what)
#define context_not_yet shim_context_not_yet

SECURITY_STATUS shim_not_yet(const char *what)
{
    return shim_fail(SEC_E_UNSUPPORTED_FUNCTION, "%s is not implemented yet", what);
}

SECURITY_STATUS shim_context_not_yet(PCtxtHandle phContext, const char *what)
{
    if (shim_handle_get(phContext, SHIM_HANDLE_CONTEXT) == NULL)
        return SEC_E_INVALID_HANDLE;
    return shim_not_yet(what);
}

static SECURITY_STATUS credential_not_yet(PCredHandle phCredential, const char *what)
{
    if (shim_handle_get(phCredential, SHIM_HANDLE_CREDENTIAL) == NULL)
        return SEC_E_INVALID_HANDLE;
    return NOT_YET(what);
}

static SECURITY_STATUS query_security_context_token(PCtxtHandle phContext, void **Token)
{
    if (shim_handle_get(phContext, SHIM_HANDLE_CONTEXT) == NULL)
        return SEC_E_INVALID_HANDLE;
    if (Token != NULL)
        *Token = NULL;
    /* A Windows access token is a kernel object that GetTokenInformation
     * and CloseHandle work on; Unix has none to hand out. */
    return shim_fail(SEC_E_UNSUPPORTED_FUNCTION,
                     "there is no Windows access token on Unix: use QueryContextAttributes "
                     "(SECPKG_ATTR_NAMES / NATIVE_NAMES) for the client's identity and "
                     "ImpersonateSecurityContext to act as the client");
}

SSPI_API SECURITY_STATUS SEC_ENTRY QuerySecurityContextToken(PCtxtHandle phContext, void **Token)
{
    SECURITY_STATUS st = query_security_context_token(phContext, Token);
    if (shim_trace_enabled())
        shim_trace_call("QuerySecurityContextToken", shim_trace_context_package(phContext), SHIM_TRACE_NO_FLAGS, 0, 0, st);
    return st;
}

/* GSS-API has no call that changes an established krb5 or SPNEGO context,
 * so no attribute of these packages can be set. */
static SECURITY_STATUS set_context_attributes(const char *function, PCtxtHandle phContext)
{
    SECURITY_STATUS st = SEC_E_INVALID_HANDLE;
    if (shim_handle_get(phContext, SHIM_HANDLE_CONTEXT) != NULL)
        st = shim_fail(SEC_E_UNSUPPORTED_FUNCTION,
                       "no context attribute of this package can be set through GSS-API");
    if (shim_trace_enabled())
        shim_trace_call(function, shim_trace_context_package(phContext), SHIM_TRACE_NO_FLAGS, 0, 0, st);
    return st;
}

SSPI_API SECURITY_STATUS SEC_ENTRY SetContextAttributesA(PCtxtHandle phContext, ULONG ulAttribute,
                                                         void *pBuffer, ULONG cbBuffer)
{
    (void)ulAttribute; (void)pBuffer; (void)cbBuffer;
    return set_context_attributes("SetContextAttributesA", phContext);
}

SSPI_API SECURITY_STATUS SEC_ENTRY SetContextAttributesW(PCtxtHandle phContext, ULONG ulAttribute,
                                                         void *pBuffer, ULONG cbBuffer)
{
    (void)ulAttribute; (void)pBuffer; (void)cbBuffer;
    return set_context_attributes("SetContextAttributesW", phContext);
}

SSPI_API SECURITY_STATUS SEC_ENTRY QueryContextAttributesExA(PCtxtHandle phContext,
                                                             ULONG ulAttribute, void *pBuffer,
                                                             ULONG cbBuffer)
{
    (void)ulAttribute; (void)pBuffer; (void)cbBuffer;
    return context_not_yet(phContext, "QueryContextAttributesEx");
}

SSPI_API SECURITY_STATUS SEC_ENTRY QueryContextAttributesExW(PCtxtHandle phContext,
                                                             ULONG ulAttribute, void *pBuffer,
                                                             ULONG cbBuffer)
{
    (void)ulAttribute; (void)pBuffer; (void)cbBuffer;
    return context_not_yet(phContext, "QueryContextAttributesEx");
}

SSPI_API SECURITY_STATUS SEC_ENTRY AddCredentialsA(PCredHandle hCredentials, LPSTR pszPrincipal,
                                                   LPSTR pszPackage, ULONG fCredentialUse,
                                                   void *pAuthData, SEC_GET_KEY_FN pGetKeyFn,
                                                   void *pvGetKeyArgument, PTimeStamp ptsExpiry)
{
    (void)pszPrincipal; (void)pszPackage; (void)fCredentialUse; (void)pAuthData;
    (void)pGetKeyFn; (void)pvGetKeyArgument; (void)ptsExpiry;
    return credential_not_yet(hCredentials, "AddCredentials");
}

SSPI_API SECURITY_STATUS SEC_ENTRY AddCredentialsW(PCredHandle hCredentials, LPWSTR pszPrincipal,
                                                   LPWSTR pszPackage, ULONG fCredentialUse,
                                                   void *pAuthData, SEC_GET_KEY_FN pGetKeyFn,
                                                   void *pvGetKeyArgument, PTimeStamp ptsExpiry)
{
    (void)pszPrincipal; (void)pszPackage; (void)fCredentialUse; (void)pAuthData;
    (void)pGetKeyFn; (void)pvGetKeyArgument; (void)ptsExpiry;
    return credential_not_yet(hCredentials, "AddCredentials");
}

SSPI_API SECURITY_STATUS SEC_ENTRY SetCredentialsAttributesA(PCredHandle phCredential,
                                                             ULONG ulAttribute, void *pBuffer,
                                                             ULONG cbBuffer)
{
    (void)ulAttribute; (void)pBuffer; (void)cbBuffer;
    return credential_not_yet(phCredential, "SetCredentialsAttributes");
}

SSPI_API SECURITY_STATUS SEC_ENTRY SetCredentialsAttributesW(PCredHandle phCredential,
                                                             ULONG ulAttribute, void *pBuffer,
                                                             ULONG cbBuffer)
{
    (void)ulAttribute; (void)pBuffer; (void)cbBuffer;
    return credential_not_yet(phCredential, "SetCredentialsAttributes");
}

SSPI_API SECURITY_STATUS SEC_ENTRY QueryCredentialsAttributesExA(PCredHandle phCredential,
                                                                 ULONG ulAttribute, void *pBuffer,
                                                                 ULONG cbBuffer)
{
    (void)ulAttribute; (void)pBuffer; (void)cbBuffer;
    return credential_not_yet(phCredential, "QueryCredentialsAttributesEx");
}

SSPI_API SECURITY_STATUS SEC_ENTRY QueryCredentialsAttributesExW(PCredHandle phCredential,
                                                                 ULONG ulAttribute, void *pBuffer,
                                                                 ULONG cbBuffer)
{
    (void)ulAttribute; (void)pBuffer; (void)cbBuffer;
    return credential_not_yet(phCredential, "QueryCredentialsAttributesEx");
}

SSPI_API SECURITY_STATUS SEC_ENTRY ChangeAccountPasswordA(
    SEC_CHAR *pszPackageName, SEC_CHAR *pszDomainName, SEC_CHAR *pszAccountName,
    SEC_CHAR *pszOldPassword, SEC_CHAR *pszNewPassword, BOOLEAN bImpersonating,
    ULONG dwReserved, PSecBufferDesc pOutput)
{
    (void)pszPackageName; (void)pszDomainName; (void)pszAccountName; (void)pszOldPassword;
    (void)pszNewPassword; (void)bImpersonating; (void)dwReserved; (void)pOutput;
    return NOT_YET("ChangeAccountPassword");
}

SSPI_API SECURITY_STATUS SEC_ENTRY ChangeAccountPasswordW(
    SEC_WCHAR *pszPackageName, SEC_WCHAR *pszDomainName, SEC_WCHAR *pszAccountName,
    SEC_WCHAR *pszOldPassword, SEC_WCHAR *pszNewPassword, BOOLEAN bImpersonating,
    ULONG dwReserved, PSecBufferDesc pOutput)
{
    (void)pszPackageName; (void)pszDomainName; (void)pszAccountName; (void)pszOldPassword;
    (void)pszNewPassword; (void)bImpersonating; (void)dwReserved; (void)pOutput;
    return NOT_YET("ChangeAccountPassword");
}
