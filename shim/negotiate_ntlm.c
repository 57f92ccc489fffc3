/*
 * NTLM inside Negotiate, as Windows' Negotiate does it for a password
 * identity (docs/kerberos.md, "Negotiate"):
 *
 *  - The identity's PackageList (SEC_WINNT_AUTH_IDENTITY_EX/EX2: "NTLM",
 *    "!Kerberos", "!NTLM", ...) says which of Kerberos and NTLM may run
 *    (shim_identity_packages); neither: SEC_E_NO_CREDENTIALS.
 *  - Kerberos allowed: the first leg runs SPNEGO with the Kerberos
 *    credential, as before.  When the Kerberos step fails because Kerberos
 *    cannot be used - no KDC answers or the realm has none
 *    (SEC_E_NO_AUTHENTICATING_AUTHORITY), the KDC does not know the target
 *    SPN (SEC_E_TARGET_UNKNOWN) - and NTLM is allowed, the first leg is run
 *    again as SPNEGO offering NTLM alone.  Any other Kerberos failure is
 *    final: a wrong password or an unknown user (SEC_E_LOGON_DENIED, the
 *    KDC's own answer about the account NTLM would log on with too), clock
 *    skew, an expired password.
 *  - Kerberos excluded: the first leg is SPNEGO offering NTLM alone.
 *
 * Neither GSS library does this by itself with the shim's credentials:
 * Heimdal 7.8's SPNEGO drops a mechanism whose trial with the *default*
 * credential fails and offers the next one only if that one's default
 * credential works (lib/gssapi/spnego/compat.c); the shim's Kerberos
 * credential has no NTLM element.  Running the fallback here gives the
 * same rule on both libraries.
 *
 * An established context that negotiated NTLM uses the NTLM package's
 * message calls and attributes (shim_context_ops): the NTLM mechanisms
 * have no gss_wrap_iov.
 */
#include "config.h"

#include "shim_internal.h"

static gss_OID_desc oid_ntlm = {10, (void *)"\x2b\x06\x01\x04\x01\x82\x37\x02\x02\x0a"};

static bool negotiate_password(const struct shim_credential *cred)
{
    return cred->pkg->mech == &shim_oid_spnego && cred->identity.has_password &&
           cred->identity.user != NULL;
}

bool shim_negotiate_allows(const struct shim_credential *cred, bool kerberos)
{
    bool krb, ntlm;
    shim_identity_packages(cred->identity.packages, &krb, &ntlm);
    return kerberos ? krb : ntlm;
}

bool shim_negotiate_ntlm_only(const struct shim_credential *cred)
{
    return negotiate_password(cred) && !shim_negotiate_allows(cred, true) &&
           shim_negotiate_allows(cred, false);
}

bool shim_negotiate_falls_back(const struct shim_credential *cred, SECURITY_STATUS kerberos)
{
    if (!negotiate_password(cred) || !shim_negotiate_allows(cred, false))
        return false;
    return kerberos == SEC_E_NO_AUTHENTICATING_AUTHORITY || kerberos == SEC_E_TARGET_UNKNOWN;
}

bool shim_context_is_ntlm(const struct shim_context *ctx)
{
    return ctx->actual_mech != GSS_C_NO_OID && shim_oid_equal(ctx->actual_mech, &oid_ntlm);
}

const struct shim_package_ops *shim_context_ops(const struct shim_context *ctx)
{
    if (ctx->pkg->mech == &shim_oid_spnego && shim_context_is_ntlm(ctx))
        return &shim_ntlm_ops;
    return ctx->pkg->ops;
}
