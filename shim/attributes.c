/*
 * QueryContextAttributesA/W: values computed from the live GSS context.
 *
 * Strings and SecPkgInfo blocks are malloc'd for the caller, who frees
 * each with FreeContextBuffer, as on Windows.  Attributes that need an
 * established context (SIZES, STREAM_SIZES, NAMES, NATIVE_NAMES, LIFESPAN,
 * SESSION_KEY, KEY_INFO, AUTHORITY, CLIENT_SPECIFIED_TARGET) return
 * SEC_E_INVALID_HANDLE before that; FLAGS, PACKAGE_INFO and
 * NEGOTIATION_INFO work on every leg.  An attribute the packages do not
 * have (DCE_INFO, ACCESS_TOKEN, PROTO_INFO, ...) is
 * SEC_E_UNSUPPORTED_FUNCTION on every leg.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "account_name.h"
#include "messages.h"
#include "shim_internal.h"
#include "trace.h"

static char *name_text(gss_name_t name)
{
    OM_uint32 minor;
    gss_buffer_desc buf;
    if (name == GSS_C_NO_NAME || GSS_ERROR(gss_display_name(&minor, name, &buf, NULL)))
        return NULL;
    char *s = strndup(buf.value, buf.length);
    gss_release_buffer(&minor, &buf);
    return s;
}

/* Client and server principal names of an established context. */
static SECURITY_STATUS context_names(struct shim_context *ctx, char **client, char **server)
{
    OM_uint32 major, minor;
    gss_name_t src = GSS_C_NO_NAME, targ = GSS_C_NO_NAME;
    /* The target only when asked for: gss-ntlmssp 1.2's acceptor has none
     * and dereferences NULL when asked for it (measured, tests/check_ntlm.c). */
    major = gss_inquire_context(&minor, ctx->gss, &src, server != NULL ? &targ : NULL, NULL, NULL,
                                NULL, NULL, NULL);
    if (GSS_ERROR(major))
        return shim_gss_status("gss_inquire_context", major, minor, ctx->actual_mech);
    *client = name_text(src);
    if (server != NULL)
        *server = name_text(targ);
    gss_release_name(&minor, &src);
    gss_release_name(&minor, &targ);
    if (*client == NULL || (server != NULL && *server == NULL)) {
        free(*client);
        if (server != NULL)
            free(*server);
        return SEC_E_INSUFFICIENT_MEMORY;
    }
    return SEC_E_OK;
}

/* The package a context really uses: for Negotiate, the one negotiated. */
static const struct shim_package *effective_package(struct shim_context *ctx)
{
    if (ctx->actual_mech != GSS_C_NO_OID &&
        (shim_oid_equal(ctx->actual_mech, &shim_oid_krb5) ||
         shim_oid_equal(ctx->actual_mech, &shim_oid_krb5_ms)))
        return shim_package_find("Kerberos");
    if (shim_context_is_ntlm(ctx))
        return shim_package_find("NTLM");
    return ctx->pkg;
}

static SECURITY_STATUS string_out(char *utf8, bool wide, void **out)
{
    if (utf8 == NULL)
        return SEC_E_INSUFFICIENT_MEMORY;
    if (!wide) {
        *out = utf8;
        return SEC_E_OK;
    }
    SEC_WCHAR *w;
    SECURITY_STATUS st = shim_utf8_to_utf16(utf8, &w, NULL);
    free(utf8);
    if (st == SEC_E_OK)
        *out = w;
    return st;
}

static SECURITY_STATUS package_info_out(const struct shim_package *pkg, bool wide, void **out)
{
    if (wide)
        return shim_package_info_w(pkg, (SecPkgInfoW **)out);
    return shim_package_info_a(pkg, (SecPkgInfoA **)out);
}

/* ------------------------------------------------------------ keys */

/*
 * SECPKG_ATTR_KEY_INFO values per session-key enctype.  EncryptAlgorithm
 * is the enctype number (ntsecapi.h KERB_ETYPE_* are the RFC 3961
 * numbers: KERB_ETYPE_AES256_CTS_HMAC_SHA1_96 18, KERB_ETYPE_RC4_HMAC_NT
 * 23), SignatureAlgorithm the checksum type the package's tokens use
 * (ntsecapi.h KERB_CHECKSUM_*: KERB_CHECKSUM_HMAC_SHA1_96_AES256 16, and
 * Microsoft's negative KERB_CHECKSUM_HMAC_MD5 -138 and
 * KERB_CHECKSUM_DES_MAC_MD5 -134 for RC4 and DES).  The names are the RFC
 * names of the enctype and the checksum (RFC 3962 7, RFC 4757 4, RFC 8009
 * 8, RFC 6803 10, RFC 3961 8).  KeySize is the key's strength in bits.
 */
struct key_algorithm {
    int32_t enctype;
    const char *encrypt_name;
    const char *signature_name;
    ULONG key_bits;
    int32_t checksum;
};

static const struct key_algorithm key_algorithms[] = {
    {1, "des-cbc-crc", "des-mac-md5", 56, -134},      /* RFC 1964 1.2.1.1 SGN_ALG DES MAC MD5 */
    {3, "des-cbc-md5", "des-mac-md5", 56, -134},
    {16, "des3-cbc-sha1-kd", "hmac-sha1-des3-kd", 168, 12},
    {17, "aes128-cts-hmac-sha1-96", "hmac-sha1-96-aes128", 128, 15},
    {18, "aes256-cts-hmac-sha1-96", "hmac-sha1-96-aes256", 256, 16},
    {19, "aes128-cts-hmac-sha256-128", "hmac-sha256-128-aes128", 128, 19},
    {20, "aes256-cts-hmac-sha384-192", "hmac-sha384-192-aes256", 256, 20},
    {23, "rc4-hmac", "hmac-md5", 128, -138},
    {24, "rc4-hmac-exp", "hmac-md5", 56, -138},
    {25, "camellia128-cts-cmac", "cmac-camellia128", 128, 17},
    {26, "camellia256-cts-cmac", "cmac-camellia256", 256, 18},
};

static SECURITY_STATUS key_info(struct shim_context *ctx, bool wide, SecPkgContext_KeyInfoA *out)
{
    unsigned char *key = NULL;
    size_t key_len = 0;
    int32_t enctype = 0;
    SECURITY_STATUS st = shim_session_key(ctx, &key, &key_len, &enctype);
    if (key != NULL) {
        explicit_bzero(key, key_len);
        free(key);
    }
    if (st != SEC_E_OK)
        return st;
    const struct key_algorithm *alg = NULL;
    for (size_t i = 0; i < sizeof(key_algorithms) / sizeof(key_algorithms[0]); i++)
        if (key_algorithms[i].enctype == enctype)
            alg = &key_algorithms[i];
    char *sig, *enc;
    if (alg != NULL) {
        sig = strdup(alg->signature_name);
        enc = strdup(alg->encrypt_name);
    } else {
        /* An enctype newer than this table: say what is known. */
        char buf[40];
        snprintf(buf, sizeof(buf), "enctype %d", (int)enctype);
        sig = strdup(buf);
        enc = strdup(buf);
    }
    void *s = NULL, *e = NULL;
    if (sig == NULL) {
        free(enc);
        return SEC_E_INSUFFICIENT_MEMORY;
    }
    st = string_out(sig, wide, &s);
    if (st == SEC_E_OK)
        st = string_out(enc, wide, &e);
    else
        free(enc);
    if (st != SEC_E_OK) {
        free(s);
        return st;
    }
    out->sSignatureAlgorithmName = s;
    out->sEncryptAlgorithmName = e;
    out->KeySize = alg != NULL ? alg->key_bits : (ULONG)(key_len * 8);
    out->SignatureAlgorithm = alg != NULL ? (ULONG)alg->checksum : 0;
    out->EncryptAlgorithm = (ULONG)enctype;
    return SEC_E_OK;
}

static SECURITY_STATUS session_key(struct shim_context *ctx, SecPkgContext_SessionKey *out)
{
    unsigned char *key = NULL;
    size_t key_len = 0;
    /* No enctype asked: on Heimdal that would take gsskrb5_get_subkey,
     * whose key travels through two more blocks that Heimdal frees
     * unwiped (docs/robustness.md). */
    SECURITY_STATUS st = shim_session_key(ctx, &key, &key_len, NULL);
    if (st != SEC_E_OK)
        return st;
    /* The caller frees it with FreeContextBuffer, which wipes it. */
    out->SessionKey = key;
    out->SessionKeyLength = (ULONG)key_len;
    return SEC_E_OK;
}

/* The realm of a principal's display form "name@REALM" (RFC 1964 2.1.1:
 * '\' quotes '@' inside the name). */
static char *principal_realm(const char *principal)
{
    const char *at = NULL;
    for (const char *p = principal; *p; p++) {
        if (*p == '\\' && p[1] != '\0')
            p++;
        else if (*p == '@')
            at = p;
    }
    return at != NULL ? strdup(at + 1) : NULL;
}

/*
 * A and W structures differ only in their string pointer types, so both
 * are filled through void pointers at the same offsets; check_abi's
 * static assertions keep that true.
 */
static SECURITY_STATUS query_context(PCtxtHandle phContext, ULONG attribute, void *buffer,
                                     bool wide)
{
    struct shim_context *ctx = shim_handle_get(phContext, SHIM_HANDLE_CONTEXT);
    if (ctx == NULL)
        return SEC_E_INVALID_HANDLE;
    if (buffer == NULL)
        return SEC_E_INVALID_PARAMETER;
    const struct shim_package_ops *ops = shim_context_ops(ctx);
    if (ops != NULL && ops->query != NULL) {
        /* A package with attributes of its own (WDigest; NTLM, also
         * inside Negotiate). */
        bool handled = false;
        SECURITY_STATUS st = ops->query(ctx, attribute, buffer, wide, &handled);
        if (handled)
            return st;
    }

    switch (attribute) {
    case SECPKG_ATTR_FLAGS:
        ((SecPkgContext_Flags *)buffer)->Flags = ctx->ret_flags;
        return SEC_E_OK;
    case SECPKG_ATTR_PACKAGE_INFO: {
        const struct shim_package *pkg = ctx->established ? effective_package(ctx) : ctx->pkg;
        void *info;
        SECURITY_STATUS st = package_info_out(pkg, wide, &info);
        if (st == SEC_E_OK)
            ((SecPkgContext_PackageInfoA *)buffer)->PackageInfo = info;
        return st;
    }
    case SECPKG_ATTR_NEGOTIATION_INFO: {
        SecPkgContext_NegotiationInfoA *ni = buffer;
        void *info;
        SECURITY_STATUS st = package_info_out(effective_package(ctx), wide, &info);
        if (st != SEC_E_OK)
            return st;
        ni->PackageInfo = info;
        ni->NegotiationState = ctx->established ? SECPKG_NEGOTIATION_COMPLETE
                                                : SECPKG_NEGOTIATION_IN_PROGRESS;
        return SEC_E_OK;
    }
    case SECPKG_ATTR_SIZES:
    case SECPKG_ATTR_STREAM_SIZES:
    case SECPKG_ATTR_NAMES:
    case SECPKG_ATTR_NATIVE_NAMES:
    case SECPKG_ATTR_LIFESPAN:
    case SECPKG_ATTR_SESSION_KEY:
    case SECPKG_ATTR_KEY_INFO:
    case SECPKG_ATTR_AUTHORITY:
    case SECPKG_ATTR_CLIENT_SPECIFIED_TARGET:
        break;
    default:
        /* DCE_INFO (no PAC access), ACCESS_TOKEN (no Windows token),
         * PROTO_INFO, PASSWORD_EXPIRY, TARGET_INFORMATION, ...: not
         * something a GSS context can give. */
        return shim_fail(SEC_E_UNSUPPORTED_FUNCTION, "context attribute %u is not supported",
                         (unsigned)attribute);
    }

    if (!ctx->established || ctx->gss == GSS_C_NO_CONTEXT)
        return shim_fail(SEC_E_INVALID_HANDLE, "attribute %u needs an established context",
                         (unsigned)attribute);

    switch (attribute) {
    case SECPKG_ATTR_SIZES:
        return shim_message_sizes(ctx, buffer);
    case SECPKG_ATTR_STREAM_SIZES:
        return shim_message_stream_sizes(ctx, buffer);
    case SECPKG_ATTR_SESSION_KEY:
        return session_key(ctx, buffer);
    case SECPKG_ATTR_KEY_INFO:
        return key_info(ctx, wide, buffer);
    case SECPKG_ATTR_NAMES: {
        char *client, *account;
        SECURITY_STATUS st = context_names(ctx, &client, NULL);
        if (st != SEC_E_OK)
            return st;
        int err = gssmap_account_name(client, &account);
        free(client);
        if (err != 0)
            return SEC_E_INSUFFICIENT_MEMORY;
        void *s;
        st = string_out(account, wide, &s);
        if (st == SEC_E_OK)
            ((SecPkgContext_NamesA *)buffer)->sUserName = s;
        return st;
    }
    case SECPKG_ATTR_AUTHORITY: {
        /* The realm that vouched for the client (its principal's realm). */
        char *client;
        SECURITY_STATUS st = context_names(ctx, &client, NULL);
        if (st != SEC_E_OK)
            return st;
        char *realm = principal_realm(client);
        free(client);
        if (realm == NULL)
            return shim_fail(SEC_E_INTERNAL_ERROR, "the client name has no realm");
        void *s;
        st = string_out(realm, wide, &s);
        if (st == SEC_E_OK)
            ((SecPkgContext_AuthorityA *)buffer)->sAuthorityName = s;
        return st;
    }
    case SECPKG_ATTR_CLIENT_SPECIFIED_TARGET: {
        /* Server side only: the service principal the client's ticket
         * names.  The structure holds a SEC_WCHAR string for A and W. */
        if (ctx->initiator)
            return shim_fail(SEC_E_UNSUPPORTED_FUNCTION,
                             "the client-specified target is an acceptor attribute");
        char *client, *server;
        SECURITY_STATUS st = context_names(ctx, &client, &server);
        if (st != SEC_E_OK)
            return st;
        free(client);
        void *s;
        st = string_out(server, true, &s);
        if (st == SEC_E_OK)
            ((SecPkgContext_ClientSpecifiedTarget *)buffer)->sTargetName = s;
        return st;
    }
    case SECPKG_ATTR_NATIVE_NAMES: {
        char *client, *server;
        SECURITY_STATUS st = context_names(ctx, &client, &server);
        if (st != SEC_E_OK)
            return st;
        void *c = NULL, *s = NULL;
        st = string_out(client, wide, &c);
        if (st == SEC_E_OK)
            st = string_out(server, wide, &s);
        else
            free(server);
        if (st != SEC_E_OK) {
            free(c);
            return st;
        }
        ((SecPkgContext_NativeNamesA *)buffer)->sClientName = c;
        ((SecPkgContext_NativeNamesA *)buffer)->sServerName = s;
        return SEC_E_OK;
    }
    case SECPKG_ATTR_LIFESPAN: {
        OM_uint32 major, minor, lifetime = 0;
        major = gss_context_time(&minor, ctx->gss, &lifetime);
        if (GSS_ERROR(major))
            return shim_gss_status("gss_context_time", major, minor, ctx->actual_mech);
        SecPkgContext_Lifespan *ls = buffer;
        time_t now = time(NULL);
        gssmap_lifetime_to_timestamp(0, ctx->started, &ls->tsStart);
        gssmap_lifetime_to_timestamp(lifetime, now, &ls->tsExpiry);
        return SEC_E_OK;
    }
    default:
        return SEC_E_UNSUPPORTED_FUNCTION;
    }
}

/* Both QueryContextAttributes entry points: the context stays pinned for
 * the whole call (shim/handles.c). */
static SECURITY_STATUS query(PCtxtHandle phContext, ULONG attribute, void *buffer, bool wide)
{
    void *pin = shim_handle_pin(phContext, SHIM_HANDLE_CONTEXT);
    SECURITY_STATUS st = query_context(phContext, attribute, buffer, wide);
    if (shim_trace_enabled()) {
        char function[64];
        snprintf(function, sizeof(function), "QueryContextAttributes%s(attribute %lu)",
                 wide ? "W" : "A", (unsigned long)attribute);
        shim_trace_call(function, shim_trace_context_package(phContext), SHIM_TRACE_NO_FLAGS, 0,
                        0, st);
    }
    shim_handle_unpin(pin);
    return st;
}

SSPI_API SECURITY_STATUS SEC_ENTRY QueryContextAttributesA(PCtxtHandle phContext,
                                                           ULONG ulAttribute, PVOID pBuffer)
{
    return query(phContext, ulAttribute, pBuffer, false);
}

SSPI_API SECURITY_STATUS SEC_ENTRY QueryContextAttributesW(PCtxtHandle phContext,
                                                           ULONG ulAttribute, PVOID pBuffer)
{
    return query(phContext, ulAttribute, pBuffer, true);
}
