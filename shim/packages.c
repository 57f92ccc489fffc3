/*
 * The security packages: their SecPkgInfo, and EnumerateSecurityPackages /
 * QuerySecurityPackageInfo.
 *
 * Capabilities list only what the shim really provides today; a bit is
 * added when the feature behind it works (docs/features.md).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "shim_internal.h"
#include "trace.h"

/* RPC authentication service ids (rpcdce.h), reported in wRPCID. */
#define RPC_ID_GSS_NEGOTIATE 9
#define RPC_ID_GSS_KERBEROS 16
#define RPC_ID_DIGEST 21            /* RPC_C_AUTHN_DIGEST */
#define RPC_ID_WINNT 10             /* RPC_C_AUTHN_WINNT: NTLM */

gss_OID_desc shim_oid_krb5 = {9, (void *)"\x2a\x86\x48\x86\xf7\x12\x01\x02\x02"};
gss_OID_desc shim_oid_krb5_ms = {9, (void *)"\x2a\x86\x48\x82\xf7\x12\x01\x02\x02"};
gss_OID_desc shim_oid_spnego = {6, (void *)"\x2b\x06\x01\x05\x05\x02"};

bool shim_oid_equal(const gss_OID_desc *a, const gss_OID_desc *b)
{
    return a != NULL && b != NULL && a->length == b->length &&
           memcmp(a->elements, b->elements, a->length) == 0;
}

static const gss_OID_desc *const kerberos_accepts[] = {
    &shim_oid_krb5, &shim_oid_krb5_ms, NULL,
};
/* Negotiate also takes a raw Kerberos token, as Windows' Negotiate does. */
static const gss_OID_desc *const negotiate_accepts[] = {
    &shim_oid_spnego, &shim_oid_krb5, &shim_oid_krb5_ms, NULL,
};

/* The Digest mechanism (include/gssapi_sspi_shim_digest.h): its framed
 * parameter tokens are what the acceptor hands to GSS-API. */
static const gss_OID_desc *const digest_accepts[] = {&shim_oid_digest, NULL};

/* NTLM: raw NTLMSSP messages ([MS-NLMP]); a framed token must be NTLM's. */
static const gss_OID_desc *const ntlm_accepts[] = {&shim_oid_ntlm, NULL};

/* NTLM: tokens only, connection-oriented, three legs, signing and sealing
 * through the message calls (shim/ntlm_package.c); negotiable inside
 * Negotiate.  No mutual authentication, no delegation: NTLM has neither. */
#define NTLM_CAPS (SECPKG_FLAG_INTEGRITY | SECPKG_FLAG_PRIVACY | SECPKG_FLAG_TOKEN_ONLY | \
                   SECPKG_FLAG_CONNECTION | SECPKG_FLAG_MULTI_REQUIRED | \
                   SECPKG_FLAG_ACCEPT_WIN32_NAME | SECPKG_FLAG_NEGOTIABLE)

/* CredSSP: the inner SPNEGO context's tokens inside TLS records, then
 * TLS records for the messages.  Windows reports INTEGRITY, PRIVACY,
 * CONNECTION, MULTI_REQUIRED, IMPERSONATION, ACCEPT_WIN32_NAME, STREAM and
 * MUTUAL_AUTH; IMPERSONATION is left out: a CredSSP server here gets the
 * client's password, not a Kerberos credential to impersonate with. */
static const gss_OID_desc *const credssp_accepts[] = {&shim_oid_credssp, NULL};
#define CREDSSP_CAPS (SECPKG_FLAG_INTEGRITY | SECPKG_FLAG_PRIVACY | SECPKG_FLAG_CONNECTION | \
                      SECPKG_FLAG_MULTI_REQUIRED | SECPKG_FLAG_ACCEPT_WIN32_NAME | \
                      SECPKG_FLAG_STREAM | SECPKG_FLAG_MUTUAL_AUTH)

/* WDigest: tokens only (the caller carries them in HTTP headers or SASL),
 * mutual authentication by rspauth, integrity and (SASL auth-conf)
 * privacy through the message calls. */
#define DIGEST_CAPS (SECPKG_FLAG_TOKEN_ONLY | SECPKG_FLAG_CONNECTION | SECPKG_FLAG_INTEGRITY | \
                     SECPKG_FLAG_PRIVACY | SECPKG_FLAG_MUTUAL_AUTH | SECPKG_FLAG_EXTENDED_ERROR | \
                     SECPKG_FLAG_ACCEPT_WIN32_NAME)

#define COMMON_CAPS (SECPKG_FLAG_CONNECTION | SECPKG_FLAG_MULTI_REQUIRED | \
                     SECPKG_FLAG_EXTENDED_ERROR | SECPKG_FLAG_ACCEPT_WIN32_NAME | \
                     SECPKG_FLAG_GSS_COMPATIBLE | SECPKG_FLAG_MUTUAL_AUTH | \
                     SECPKG_FLAG_DELEGATION | SECPKG_FLAG_INTEGRITY | SECPKG_FLAG_PRIVACY | \
                     SECPKG_FLAG_READONLY_WITH_CHECKSUM)

static const struct shim_package packages[] = {
    {
        .name = "Negotiate",
        .comment = "SPNEGO (RFC 4178) through the system GSS-API: Kerberos, NTLM",
        .capabilities = COMMON_CAPS,
        .version = 1,
        .rpc_id = RPC_ID_GSS_NEGOTIATE,
        .max_token = 48256,             /* Windows' Negotiate cbMaxToken */
        .mech = &shim_oid_spnego,
        .accept_mechs = negotiate_accepts,
    },
    {
        .name = "Kerberos",
        .comment = "Kerberos 5 (RFC 4121) through the system GSS-API",
        .capabilities = COMMON_CAPS | SECPKG_FLAG_NEGOTIABLE,
        .version = 1,
        .rpc_id = RPC_ID_GSS_KERBEROS,
        .max_token = 48000,             /* Windows' Kerberos cbMaxToken */
        .mech = &shim_oid_krb5,
        .accept_mechs = kerberos_accepts,
    },
    {
        .name = "WDigest",
        .comment = "Digest (RFC 7616 HTTP, RFC 2831 SASL) through the sspi-shim Digest mechanism",
        .capabilities = DIGEST_CAPS,
        .version = 1,
        .rpc_id = RPC_ID_DIGEST,
        .max_token = 4096,              /* Windows' WDigest cbMaxToken */
        .mech = &shim_oid_digest,
        .accept_mechs = digest_accepts,
        .ops = &shim_digest_ops,
    },
    {
        .name = "CREDSSP",              /* CREDSSP_NAME; found case-insensitively */
        .comment = "CredSSP (MS-CSSP) through the sspi-shim CredSSP mechanism",
        .capabilities = CREDSSP_CAPS,
        .version = 1,
        .rpc_id = 0xFFFF,               /* as Windows reports it: no RPC id */
        .max_token = 90567,             /* Windows 10's CredSSP cbMaxToken */
        .mech = &shim_oid_credssp,
        .accept_mechs = credssp_accepts,
        .ops = &shim_credssp_ops,
    },
    {
        .name = "NTLM",                 /* NTLMSP_NAME */
        .comment = "NTLM (MS-NLMP) through the GSS library's NTLM mechanism",
        .capabilities = NTLM_CAPS,
        .version = 1,
        .rpc_id = RPC_ID_WINNT,
        .max_token = 2888,              /* Windows' NTLM cbMaxToken */
        .mech = &shim_oid_ntlm,
        .accept_mechs = ntlm_accepts,
        .ops = &shim_ntlm_ops,
    },
};

size_t shim_package_count(void)
{
    return sizeof(packages) / sizeof(packages[0]);
}

const struct shim_package *shim_package_at(size_t index)
{
    return index < shim_package_count() ? &packages[index] : NULL;
}

const struct shim_package *shim_package_find(const char *name)
{
    if (name == NULL)
        return NULL;
    for (size_t i = 0; i < shim_package_count(); i++)
        if (strcasecmp(packages[i].name, name) == 0)
            return &packages[i];
    return NULL;
}

bool shim_package_is(const struct shim_package *pkg, const char *name)
{
    return pkg != NULL && strcmp(pkg->name, name) == 0;
}

static void fill_info(const struct shim_package *pkg, ULONG *caps, USHORT *version,
                      USHORT *rpc_id, ULONG *max_token)
{
    *caps = pkg->capabilities;
    *version = pkg->version;
    *rpc_id = pkg->rpc_id;
    *max_token = pkg->max_token;
}

/* Writes the info for packages[first..first+count) into one block. */
static SECURITY_STATUS info_block_a(const struct shim_package *const *pkgs, size_t count,
                                    SecPkgInfoA **out)
{
    size_t size = count * sizeof(SecPkgInfoA);
    for (size_t i = 0; i < count; i++)
        size += strlen(pkgs[i]->name) + 1 + strlen(pkgs[i]->comment) + 1;
    SecPkgInfoA *info = calloc(1, size);
    if (info == NULL)
        return SEC_E_INSUFFICIENT_MEMORY;
    char *strings = (char *)(info + count);
    for (size_t i = 0; i < count; i++) {
        fill_info(pkgs[i], &info[i].fCapabilities, &info[i].wVersion, &info[i].wRPCID,
                  &info[i].cbMaxToken);
        size_t n = strlen(pkgs[i]->name) + 1;
        info[i].Name = memcpy(strings, pkgs[i]->name, n);
        strings += n;
        n = strlen(pkgs[i]->comment) + 1;
        info[i].Comment = memcpy(strings, pkgs[i]->comment, n);
        strings += n;
    }
    *out = info;
    return SEC_E_OK;
}

static SECURITY_STATUS info_block_w(const struct shim_package *const *pkgs, size_t count,
                                    SecPkgInfoW **out)
{
    /* Package names and comments are ASCII: one UTF-16 unit per byte. */
    size_t units = 0;
    for (size_t i = 0; i < count; i++)
        units += strlen(pkgs[i]->name) + 1 + strlen(pkgs[i]->comment) + 1;
    SecPkgInfoW *info = calloc(1, count * sizeof(SecPkgInfoW) + units * sizeof(SEC_WCHAR));
    if (info == NULL)
        return SEC_E_INSUFFICIENT_MEMORY;
    SEC_WCHAR *strings = (SEC_WCHAR *)(info + count);
    for (size_t i = 0; i < count; i++) {
        fill_info(pkgs[i], &info[i].fCapabilities, &info[i].wVersion, &info[i].wRPCID,
                  &info[i].cbMaxToken);
        const char *src[2] = {pkgs[i]->name, pkgs[i]->comment};
        SEC_WCHAR **dst[2] = {&info[i].Name, &info[i].Comment};
        for (int k = 0; k < 2; k++) {
            *dst[k] = strings;
            for (const char *p = src[k]; *p; p++)
                *strings++ = (SEC_WCHAR)(unsigned char)*p;
            *strings++ = 0;
        }
    }
    *out = info;
    return SEC_E_OK;
}

SECURITY_STATUS shim_package_info_a(const struct shim_package *pkg, SecPkgInfoA **out)
{
    return info_block_a(&pkg, 1, out);
}

SECURITY_STATUS shim_package_info_w(const struct shim_package *pkg, SecPkgInfoW **out)
{
    return info_block_w(&pkg, 1, out);
}

static const struct shim_package *const *all_packages(void)
{
    static const struct shim_package *const list[] = {&packages[0], &packages[1], &packages[2],
                                                      &packages[3], &packages[4]};
    _Static_assert(sizeof(list) / sizeof(list[0]) == sizeof(packages) / sizeof(packages[0]),
                   "every package is enumerated");
    return list;
}

static SECURITY_STATUS enumerate_packages_a(ULONG *pcPackages,
                                                              PSecPkgInfoA *ppPackageInfo)
{
    if (pcPackages == NULL || ppPackageInfo == NULL)
        return SEC_E_INVALID_PARAMETER;
    SECURITY_STATUS st = info_block_a(all_packages(), shim_package_count(), ppPackageInfo);
    *pcPackages = st == SEC_E_OK ? (ULONG)shim_package_count() : 0;
    return st;
}

static SECURITY_STATUS enumerate_packages_w(ULONG *pcPackages,
                                                              PSecPkgInfoW *ppPackageInfo)
{
    if (pcPackages == NULL || ppPackageInfo == NULL)
        return SEC_E_INVALID_PARAMETER;
    SECURITY_STATUS st = info_block_w(all_packages(), shim_package_count(), ppPackageInfo);
    *pcPackages = st == SEC_E_OK ? (ULONG)shim_package_count() : 0;
    return st;
}

static SECURITY_STATUS query_package_info_a(LPSTR pszPackageName,
                                                             PSecPkgInfoA *ppPackageInfo)
{
    if (pszPackageName == NULL || ppPackageInfo == NULL)
        return SEC_E_INVALID_PARAMETER;
    const struct shim_package *pkg = shim_package_find(pszPackageName);
    if (pkg == NULL)
        return SEC_E_SECPKG_NOT_FOUND;
    return shim_package_info_a(pkg, ppPackageInfo);
}

static SECURITY_STATUS query_package_info_w(LPWSTR pszPackageName,
                                                             PSecPkgInfoW *ppPackageInfo)
{
    if (pszPackageName == NULL || ppPackageInfo == NULL)
        return SEC_E_INVALID_PARAMETER;
    char *name;
    if (shim_utf16_to_utf8(pszPackageName, (size_t)-1, &name) != SEC_E_OK)
        return SEC_E_SECPKG_NOT_FOUND;
    const struct shim_package *pkg = shim_package_find(name);
    free(name);
    if (pkg == NULL)
        return SEC_E_SECPKG_NOT_FOUND;
    return shim_package_info_w(pkg, ppPackageInfo);
}

SSPI_API SECURITY_STATUS SEC_ENTRY EnumerateSecurityPackagesA(ULONG *pcPackages,
                                                              PSecPkgInfoA *ppPackageInfo)
{
    SECURITY_STATUS st = enumerate_packages_a(pcPackages, ppPackageInfo);
    if (shim_trace_enabled())
        shim_trace_call("EnumerateSecurityPackagesA", NULL, SHIM_TRACE_NO_FLAGS, 0, 0, st);
    return st;
}

SSPI_API SECURITY_STATUS SEC_ENTRY EnumerateSecurityPackagesW(ULONG *pcPackages,
                                                              PSecPkgInfoW *ppPackageInfo)
{
    SECURITY_STATUS st = enumerate_packages_w(pcPackages, ppPackageInfo);
    if (shim_trace_enabled())
        shim_trace_call("EnumerateSecurityPackagesW", NULL, SHIM_TRACE_NO_FLAGS, 0, 0, st);
    return st;
}

SSPI_API SECURITY_STATUS SEC_ENTRY QuerySecurityPackageInfoA(LPSTR pszPackageName,
                                                             PSecPkgInfoA *ppPackageInfo)
{
    SECURITY_STATUS st = query_package_info_a(pszPackageName, ppPackageInfo);
    if (shim_trace_enabled())
        shim_trace_call("QuerySecurityPackageInfoA", pszPackageName, SHIM_TRACE_NO_FLAGS, 0, 0, st);
    return st;
}

SSPI_API SECURITY_STATUS SEC_ENTRY QuerySecurityPackageInfoW(LPWSTR pszPackageName,
                                                             PSecPkgInfoW *ppPackageInfo)
{
    SECURITY_STATUS st = query_package_info_w(pszPackageName, ppPackageInfo);
    /* The package by its name, when the name converts. */
    char *pkg = NULL;
    if (shim_trace_enabled() && pszPackageName != NULL &&
        shim_utf16_to_utf8(pszPackageName, (size_t)-1, &pkg) != SEC_E_OK)
        pkg = NULL;
    if (shim_trace_enabled())
        shim_trace_call("QuerySecurityPackageInfoW", pkg, SHIM_TRACE_NO_FLAGS, 0, 0, st);
    free(pkg);
    return st;
}
