/*
 * AcquireCredentialsHandle, FreeCredentialsHandle, QueryCredentialsAttributes.
 *
 * Inbound credentials come from the keytab (KRB5_KTNAME or the system
 * default), optionally one named principal of it.  Outbound credentials come
 * from the default credential cache, a named principal's cache in a cache
 * collection, a password identity, or a smart-card identity (its User a
 * PKCS#11 URI, its Password the PIN: shim/smartcard.c).  A password identity gets its own
 * in-memory cache (shim/krb5_creds.c) and never touches the
 * user's default cache; as on Windows, the password is tried when the first
 * context needs it, so a wrong password surfaces as SEC_E_LOGON_DENIED from
 * InitializeSecurityContext, not from AcquireCredentialsHandle.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "shim_internal.h"
#include "trace.h"
#include "sspi_shim.h"

static gss_OID_desc oid_krb5_principal_name =
    {10, (void *)"\x2a\x86\x48\x86\xf7\x12\x01\x02\x02\x01"};
static gss_OID_desc oid_hostbased_service =
    {10, (void *)"\x2a\x86\x48\x86\xf7\x12\x01\x02\x01\x04"};
/* Both elements: the Kerberos package uses krb5, Negotiate uses SPNEGO,
 * whose Heimdal implementation needs its own element in the credential. */
static gss_OID_desc krb5_and_spnego_oids[2];
static gss_OID_set_desc krb5_and_spnego = {2, krb5_and_spnego_oids};
static pthread_once_t mech_set_once = PTHREAD_ONCE_INIT;

static void mech_set_init(void)
{
    krb5_and_spnego_oids[0] = shim_oid_krb5;
    krb5_and_spnego_oids[1] = shim_oid_spnego;
}

gss_OID_set shim_credential_mechs(void)
{
    pthread_once(&mech_set_once, mech_set_init);
    return &krb5_and_spnego;
}

void shim_credential_ref(struct shim_credential *cred)
{
    atomic_fetch_add_explicit(&cred->refs, 1, memory_order_relaxed);
}

void shim_credential_unref(struct shim_credential *cred)
{
    if (cred == NULL || atomic_fetch_sub_explicit(&cred->refs, 1, memory_order_acq_rel) != 1)
        return;
    OM_uint32 minor;
    if (cred->initiate != GSS_C_NO_CREDENTIAL)
        gss_release_cred(&minor, &cred->initiate);
    if (cred->accept != GSS_C_NO_CREDENTIAL)
        gss_release_cred(&minor, &cred->accept);
    if (cred->desired_name != GSS_C_NO_NAME)
        gss_release_name(&minor, &cred->desired_name);
    shim_credential_forget_targets(cred);
    free(cred->principal);
    if (cred->inner != NULL)
        shim_credential_unref(cred->inner);
    if (cred->inner_accept != NULL)
        shim_credential_unref(cred->inner_accept);
    if (cred->ccache_name != NULL) {
        shim_krb5_destroy_ccache(cred->ccache_name);
        free(cred->ccache_name);
    }
    shim_identity_clear(&cred->identity);
    shim_card_free(cred->card);
    pthread_mutex_destroy(&cred->lock);
    free(cred);
}

static SECURITY_STATUS import_principal(const char *principal, gss_name_t *out)
{
    OM_uint32 major, minor;
    gss_buffer_desc buf = {strlen(principal), (void *)principal};
    major = gss_import_name(&minor, &buf, &oid_krb5_principal_name, out);
    if (GSS_ERROR(major))
        return shim_fail(SEC_E_UNKNOWN_CREDENTIALS, "'%s' is not a Kerberos principal name",
                         principal);
    return SEC_E_OK;
}

/* pszPrincipal of an inbound credential: an SPN ("HTTP/host"), a GSS
 * service name ("HTTP@host") or a full principal. */
static SECURITY_STATUS import_acceptor_name(const char *principal, gss_name_t *out)
{
    enum gssmap_name_kind kind;
    char *text = NULL;
    if (gssmap_target_name(principal, &kind, &text) != 0)
        return shim_fail(SEC_E_UNKNOWN_CREDENTIALS, "'%s' is not a service principal name",
                         principal);
    OM_uint32 major, minor;
    gss_buffer_desc buf = {strlen(text), text};
    major = gss_import_name(&minor, &buf,
                            kind == GSSMAP_NAME_HOSTBASED ? &oid_hostbased_service
                                                          : &oid_krb5_principal_name,
                            out);
    free(text);
    if (GSS_ERROR(major))
        return shim_gss_status("gss_import_name", major, minor, GSS_C_NO_OID);
    return SEC_E_OK;
}

static char *display_name(gss_name_t name)
{
    OM_uint32 minor;
    gss_buffer_desc buf;
    if (name == GSS_C_NO_NAME || GSS_ERROR(gss_display_name(&minor, name, &buf, NULL)))
        return NULL;
    char *s = strndup(buf.value, buf.length);
    gss_release_buffer(&minor, &buf);
    return s;
}

static SECURITY_STATUS acquire(struct shim_credential *cred, gss_cred_usage_t usage,
                               gss_cred_id_t *out)
{
    OM_uint32 major, minor, lifetime = 0;
    /* The Kerberos package's credential is krb5 alone: with an SPNEGO
     * element, an NTLM mechanism registered system-wide (gss-ntlmssp in
     * /etc/gss/mech.d) made an inbound Kerberos credential succeed on a
     * machine without a keytab (seen with MIT), where Windows' Kerberos
     * package says SEC_E_NO_CREDENTIALS. */
    gss_OID_set_desc krb5_only = {1, &shim_oid_krb5};
    gss_OID_set mechs = shim_oid_equal(cred->pkg->mech, &shim_oid_krb5) ? &krb5_only
                                                                       : shim_credential_mechs();
    major = gss_acquire_cred(&minor, cred->desired_name, GSS_C_INDEFINITE, mechs, usage, out,
                             NULL, &lifetime);
    if (GSS_ERROR(major)) {
        /* The mechglue reports the last element's failure (SPNEGO's, a bare
         * NO_CRED); ask krb5 alone for the precise reason, e.g. expired. */
        gss_cred_id_t probe = GSS_C_NO_CREDENTIAL;
        major = gss_acquire_cred(&minor, cred->desired_name, GSS_C_INDEFINITE, &krb5_only, usage,
                                 &probe, NULL, NULL);
        if (!GSS_ERROR(major)) {
            gss_release_cred(&minor, &probe);
            major = GSS_S_NO_CRED;
            minor = 0;
        }
        SECURITY_STATUS st = shim_gss_status("gss_acquire_cred", major, minor, &shim_oid_krb5);
        /* No cache, no keytab, no such principal: all "no credentials" to
         * an SSPI caller, whatever the krb5 detail, unless the cache only
         * holds an expired ticket.  MIT 1.20 reports a missing or empty
         * keytab as GSS_S_NO_CRED with KRB5_KT_NOTFOUND ("Keytab ... is
         * nonexistent or empty"), whose row (a ticket for a key the keytab
         * lacks) says WRONG_PRINCIPAL: no ticket is involved yet here. */
        if (st == SEC_E_INTERNAL_ERROR || st == SEC_E_WRONG_PRINCIPAL) {
            char detail[512];
            snprintf(detail, sizeof(detail), "%s", SspiShimLastErrorMessage());
            st = shim_fail(SEC_E_NO_CREDENTIALS, "no usable credential; %s", detail);
        }
        if (st == SEC_E_NO_CREDENTIALS && usage == GSS_C_INITIATE &&
            cred->desired_name == GSS_C_NO_NAME)
            st = shim_krb5_diagnose_ccache(st);
        return st;
    }
    if (usage == GSS_C_INITIATE)
        gssmap_lifetime_to_timestamp(lifetime, time(NULL), &cred->expiry);
    return SEC_E_OK;
}

SECURITY_STATUS shim_credential_initiator(struct shim_credential *cred, gss_cred_id_t *out)
{
    /* Once acquired, the credential never changes: every later leg of
     * every context sharing it reads it without the lock. */
    if (atomic_load_explicit(&cred->initiate_ready, memory_order_acquire)) {
        *out = cred->initiate;
        return SEC_E_OK;
    }
    SECURITY_STATUS st = SEC_E_OK;
    pthread_mutex_lock(&cred->lock);
    if (cred->initiate == GSS_C_NO_CREDENTIAL && cred->identity.has_password) {
        OM_uint32 lifetime = 0;
        if (cred->card != NULL) {
            char *identity = shim_card_pkinit_identity(cred->card);
            shim_card_logon_begin(cred->card);
            st = identity == NULL
                     ? SEC_E_INSUFFICIENT_MEMORY
                     : shim_krb5_pkinit_logon(cred->principal, identity, cred->identity.password,
                                              shim_credential_mechs(), &cred->initiate,
                                              &cred->ccache_name, &lifetime);
            shim_card_logon_end();
            free(identity);
        } else {
            st = shim_krb5_password_logon(cred->principal, cred->identity.password,
                                          shim_credential_mechs(), &cred->initiate,
                                          &cred->ccache_name, &lifetime);
        }
        if (st == SEC_E_OK)
            gssmap_lifetime_to_timestamp(lifetime, time(NULL), &cred->expiry);
    } else if (cred->initiate == GSS_C_NO_CREDENTIAL) {
        st = SEC_E_NO_CREDENTIALS;
    }
    *out = cred->initiate;
    if (st == SEC_E_OK && cred->initiate != GSS_C_NO_CREDENTIAL)
        atomic_store_explicit(&cred->initiate_ready, true, memory_order_release);
    pthread_mutex_unlock(&cred->lock);
    return st;
}

SECURITY_STATUS shim_credential_create(const char *principal, const char *package, ULONG use,
                                       void *auth_data, struct shim_credential **out)
{
    *out = NULL;
    if (package == NULL)
        return SEC_E_INVALID_PARAMETER;
    const struct shim_package *pkg = shim_package_find(package);
    if (pkg == NULL)
        return shim_fail(SEC_E_SECPKG_NOT_FOUND, "no security package named '%s'", package);
    ULONG direction = use & (SECPKG_CRED_INBOUND | SECPKG_CRED_OUTBOUND);
    if (direction == 0)
        return SEC_E_INVALID_PARAMETER;

    struct shim_credential *cred = calloc(1, sizeof(*cred));
    if (cred == NULL)
        return SEC_E_INSUFFICIENT_MEMORY;
    atomic_init(&cred->refs, 1);
    pthread_mutex_init(&cred->lock, NULL);
    cred->pkg = pkg;
    cred->use = direction;
    cred->initiate = GSS_C_NO_CREDENTIAL;
    cred->accept = GSS_C_NO_CREDENTIAL;
    cred->desired_name = GSS_C_NO_NAME;
    cred->expiry.QuadPart = GSSMAP_TIMESTAMP_NEVER;

    SECURITY_STATUS st = SEC_E_OK;
    if (pkg->ops != NULL && pkg->ops->acquire != NULL) {
        /* A package with its own credentials (WDigest: shim/digest_package.c). */
        st = pkg->ops->acquire(cred, principal, auth_data);
        if (st != SEC_E_OK) {
            shim_credential_unref(cred);
            return st;
        }
        *out = cred;
        return SEC_E_OK;
    }
    if (auth_data != NULL) {
        st = shim_identity_decode(auth_data, &cred->identity);
        if (st == SEC_E_OK && shim_marshaled_certificate(cred->identity.user))
            st = shim_fail(SEC_E_NO_CREDENTIALS,
                           "a marshaled Windows certificate reference ('@@...') names a "
                           "certificate in a Windows store; name the card with a pkcs11: URI");
        if (st == SEC_E_OK && shim_card_identity(cred->identity.user)) {
            /* A smart card: the certificate names who logs on. */
            st = shim_card_resolve(cred->identity.user, &cred->card);
            if (st == SEC_E_OK && !cred->identity.has_password)
                st = shim_fail(SEC_E_NO_CREDENTIALS, "a card identity needs its PIN as Password");
            if (st == SEC_E_OK && (cred->principal = strdup(cred->card->principal)) == NULL)
                st = SEC_E_INSUFFICIENT_MEMORY;
            if (st == SEC_E_OK)
                st = import_principal(cred->principal, &cred->desired_name);
        } else if (st == SEC_E_OK && cred->identity.user != NULL) {
            char *realm = shim_default_realm();
            if (gssmap_user_principal(cred->identity.user, cred->identity.domain, realm,
                                      &cred->principal) != 0)
                st = shim_fail(SEC_E_UNKNOWN_CREDENTIALS, "cannot make a principal of '%s'",
                               cred->identity.user);
            free(realm);
            if (st == SEC_E_OK)
                st = import_principal(cred->principal, &cred->desired_name);
        }
        /* As Windows' Negotiate: a PackageList that leaves neither
         * Kerberos nor NTLM leaves nothing to log on with. */
        if (st == SEC_E_OK && cred->identity.packages != NULL && pkg->mech == &shim_oid_spnego &&
            !shim_negotiate_allows(cred, true) && !shim_negotiate_allows(cred, false))
            st = shim_fail(SEC_E_NO_CREDENTIALS,
                           "the identity's package list '%s' allows neither Kerberos nor NTLM",
                           cred->identity.packages);
    }
    if (st == SEC_E_OK && cred->desired_name == GSS_C_NO_NAME && principal != NULL &&
        principal[0] != '\0') {
        if (direction & SECPKG_CRED_INBOUND)
            st = import_acceptor_name(principal, &cred->desired_name);
        else
            st = import_principal(principal, &cred->desired_name);
        if (st == SEC_E_OK)
            cred->principal = strdup(principal);
    }

    if (st == SEC_E_OK && (direction & SECPKG_CRED_INBOUND)) {
        /* Heimdal's SPNEGO acceptor takes NTLM too (shim/ntlm_acceptor_ccache.c). */
        if (pkg->mech == &shim_oid_spnego)
            shim_ntlm_acceptor_ccache_ready();
        st = acquire(cred, GSS_C_ACCEPT, &cred->accept);
    }
    /* As on Windows: after ImpersonateSecurityContext, an outbound credential
     * with no identity of its own is the impersonated client's (delegated). */
    bool delegated = false;
    if (st == SEC_E_OK && (direction & SECPKG_CRED_OUTBOUND) && auth_data == NULL &&
        cred->desired_name == GSS_C_NO_NAME)
        st = shim_impersonated_credential(cred, &delegated);
    if (st == SEC_E_OK && (direction & SECPKG_CRED_OUTBOUND) && !cred->identity.has_password &&
        !delegated)
        st = acquire(cred, GSS_C_INITIATE, &cred->initiate);
    /* Only initiator credentials are asked for their name: a default
     * acceptor credential has none (any key of the keytab may serve), and
     * Heimdal 7.8 returns a name for it that crashes gss_display_name. */
    if (st == SEC_E_OK && cred->principal == NULL && cred->initiate != GSS_C_NO_CREDENTIAL) {
        gss_name_t name = GSS_C_NO_NAME;
        OM_uint32 minor;
        if (!GSS_ERROR(gss_inquire_cred(&minor, cred->initiate, &name, NULL, NULL, NULL))) {
            cred->principal = display_name(name);
            gss_release_name(&minor, &name);
        }
    }
    if (st != SEC_E_OK) {
        shim_credential_unref(cred);
        return st;
    }
    *out = cred;
    return SEC_E_OK;
}

static SECURITY_STATUS acquire_credentials(const char *principal, const char *package,
                                           ULONG use, void *auth_data,
                                           PCredHandle phCredential, PTimeStamp ptsExpiry)
{
    struct shim_credential *cred;
    if (phCredential == NULL)
        return SEC_E_INVALID_PARAMETER;
    SECURITY_STATUS st = shim_credential_create(principal, package, use, auth_data, &cred);
    if (st != SEC_E_OK)
        return st;
    st = shim_handle_new(SHIM_HANDLE_CREDENTIAL, cred, phCredential);
    if (st != SEC_E_OK) {
        shim_credential_unref(cred);
        return st;
    }
    if (ptsExpiry != NULL)
        *ptsExpiry = cred->expiry;
    return SEC_E_OK;
}

SSPI_API SECURITY_STATUS SEC_ENTRY AcquireCredentialsHandleA(
    LPSTR pszPrincipal, LPSTR pszPackage, ULONG fCredentialUse, PVOID pvLogonId,
    PVOID pAuthData, SEC_GET_KEY_FN pGetKeyFn, PVOID pvGetKeyArgument,
    PCredHandle phCredential, PTimeStamp ptsExpiry)
{
    (void)pvLogonId; (void)pGetKeyFn; (void)pvGetKeyArgument;
    SECURITY_STATUS st = acquire_credentials(pszPrincipal, pszPackage, fCredentialUse, pAuthData,
                                             phCredential, ptsExpiry);
    if (shim_trace_enabled())
        shim_trace_call("AcquireCredentialsHandleA", pszPackage, SHIM_TRACE_NO_FLAGS, 0, 0, st);
    return st;
}

SSPI_API SECURITY_STATUS SEC_ENTRY AcquireCredentialsHandleW(
    LPWSTR pszPrincipal, LPWSTR pszPackage, ULONG fCredentialUse, PVOID pvLogonId,
    PVOID pAuthData, SEC_GET_KEY_FN pGetKeyFn, PVOID pvGetKeyArgument,
    PCredHandle phCredential, PTimeStamp ptsExpiry)
{
    char *principal = NULL, *package = NULL;
    SECURITY_STATUS st = SEC_E_OK;
    (void)pvLogonId; (void)pGetKeyFn; (void)pvGetKeyArgument;

    if (pszPackage == NULL)
        return SEC_E_INVALID_PARAMETER;
    if (shim_utf16_to_utf8(pszPackage, (size_t)-1, &package) != SEC_E_OK)
        return SEC_E_SECPKG_NOT_FOUND;
    if (pszPrincipal != NULL)
        st = shim_utf16_to_utf8(pszPrincipal, (size_t)-1, &principal);
    if (st == SEC_E_OK)
        st = acquire_credentials(principal, package, fCredentialUse, pAuthData, phCredential,
                                 ptsExpiry);
    if (shim_trace_enabled())
        shim_trace_call("AcquireCredentialsHandleW", package, SHIM_TRACE_NO_FLAGS, 0, 0, st);
    free(principal);
    free(package);
    return st;
}

SSPI_API SECURITY_STATUS SEC_ENTRY FreeCredentialsHandle(PCredHandle phCredential)
{
    const char *pkg = shim_trace_enabled() ? shim_trace_credential_package(phCredential) : NULL;
    struct shim_credential *cred = shim_handle_take(phCredential, SHIM_HANDLE_CREDENTIAL);
    SECURITY_STATUS st = SEC_E_INVALID_HANDLE;
    if (cred != NULL) {
        shim_credential_unref(cred);
        st = SEC_E_OK;
    }
    if (shim_trace_enabled())
        shim_trace_call("FreeCredentialsHandle", pkg, SHIM_TRACE_NO_FLAGS, 0, 0, st);
    return st;
}

static SECURITY_STATUS credential_names(PCredHandle phCredential, char **name)
{
    struct shim_credential *cred = shim_handle_get(phCredential, SHIM_HANDLE_CREDENTIAL);
    if (cred == NULL)
        return SEC_E_INVALID_HANDLE;
    *name = strdup(cred->principal != NULL ? cred->principal : "");
    return *name != NULL ? SEC_E_OK : SEC_E_INSUFFICIENT_MEMORY;
}

static SECURITY_STATUS query_credentials_attributes_a(PCredHandle phCredential,
                                                               ULONG ulAttribute,
                                                               PVOID pBuffer)
{
    if (shim_handle_get(phCredential, SHIM_HANDLE_CREDENTIAL) == NULL)
        return SEC_E_INVALID_HANDLE;
    if (ulAttribute != SECPKG_CRED_ATTR_NAMES)
        return SEC_E_UNSUPPORTED_FUNCTION;
    if (pBuffer == NULL)
        return SEC_E_INVALID_PARAMETER;
    char *name;
    SECURITY_STATUS st = credential_names(phCredential, &name);
    if (st == SEC_E_OK)
        ((SecPkgCredentials_NamesA *)pBuffer)->sUserName = (SEC_CHAR *)name;
    return st;
}

static SECURITY_STATUS query_credentials_attributes_w(PCredHandle phCredential,
                                                               ULONG ulAttribute,
                                                               PVOID pBuffer)
{
    if (shim_handle_get(phCredential, SHIM_HANDLE_CREDENTIAL) == NULL)
        return SEC_E_INVALID_HANDLE;
    if (ulAttribute != SECPKG_CRED_ATTR_NAMES)
        return SEC_E_UNSUPPORTED_FUNCTION;
    if (pBuffer == NULL)
        return SEC_E_INVALID_PARAMETER;
    char *name;
    SEC_WCHAR *wide;
    SECURITY_STATUS st = credential_names(phCredential, &name);
    if (st != SEC_E_OK)
        return st;
    st = shim_utf8_to_utf16(name, &wide, NULL);
    free(name);
    if (st == SEC_E_OK)
        ((SecPkgCredentials_NamesW *)pBuffer)->sUserName = wide;
    return st;
}

SSPI_API SECURITY_STATUS SEC_ENTRY QueryCredentialsAttributesA(PCredHandle phCredential,
                                                               ULONG ulAttribute,
                                                               PVOID pBuffer)
{
    void *pin = shim_handle_pin(phCredential, SHIM_HANDLE_CREDENTIAL);
    SECURITY_STATUS st = query_credentials_attributes_a(phCredential, ulAttribute, pBuffer);
    if (shim_trace_enabled())
        shim_trace_call("QueryCredentialsAttributesA", shim_trace_credential_package(phCredential), SHIM_TRACE_NO_FLAGS, 0, 0, st);
    shim_handle_unpin(pin);
    return st;
}

SSPI_API SECURITY_STATUS SEC_ENTRY QueryCredentialsAttributesW(PCredHandle phCredential,
                                                               ULONG ulAttribute,
                                                               PVOID pBuffer)
{
    void *pin = shim_handle_pin(phCredential, SHIM_HANDLE_CREDENTIAL);
    SECURITY_STATUS st = query_credentials_attributes_w(phCredential, ulAttribute, pBuffer);
    if (shim_trace_enabled())
        shim_trace_call("QueryCredentialsAttributesW", shim_trace_credential_package(phCredential), SHIM_TRACE_NO_FLAGS, 0, 0, st);
    shim_handle_unpin(pin);
    return st;
}
