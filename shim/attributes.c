/*
 * QueryContextAttributesA/W: values computed from the live GSS context.
 *
 * Strings and SecPkgInfo blocks are malloc'd for the caller, who frees
 * each with FreeContextBuffer, as on Windows.  Attributes that need an
 * established context (SIZES, NAMES, NATIVE_NAMES, LIFESPAN) return
 * SEC_E_INVALID_HANDLE before that; FLAGS, PACKAGE_INFO and
 * NEGOTIATION_INFO work on every leg.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "account_name.h"
#include "shim_internal.h"

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
    major = gss_inquire_context(&minor, ctx->gss, &src, &targ, NULL, NULL, NULL, NULL, NULL);
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

/* Sizes of signatures and wrap tokens for this context's session key,
 * measured once through the GSS library (RFC 4121 or RFC 1964 layouts
 * differ by enctype). */
static SECURITY_STATUS context_sizes(struct shim_context *ctx, SecPkgContext_Sizes *out)
{
    if (!ctx->sizes_known) {
        OM_uint32 major, minor;
        gss_buffer_desc empty = GSS_C_EMPTY_BUFFER, mic = GSS_C_EMPTY_BUFFER;
        major = gss_get_mic(&minor, ctx->gss, GSS_C_QOP_DEFAULT, &empty, &mic);
        if (GSS_ERROR(major))
            return shim_gss_status("gss_get_mic", major, minor, ctx->actual_mech);
        ULONG max_signature = (ULONG)mic.length;
        gss_release_buffer(&minor, &mic);

        gss_iov_buffer_desc iov[4] = {
            {GSS_IOV_BUFFER_TYPE_HEADER, GSS_C_EMPTY_BUFFER},
            {GSS_IOV_BUFFER_TYPE_DATA, {1, NULL}},
            {GSS_IOV_BUFFER_TYPE_PADDING, GSS_C_EMPTY_BUFFER},
            {GSS_IOV_BUFFER_TYPE_TRAILER, GSS_C_EMPTY_BUFFER},
        };
        major = gss_wrap_iov_length(&minor, ctx->gss, 1, GSS_C_QOP_DEFAULT, NULL, iov, 4);
        if (GSS_ERROR(major))
            return shim_gss_status("gss_wrap_iov_length", major, minor, ctx->actual_mech);
        ctx->sizes.cbMaxToken = ctx->pkg->max_token;
        ctx->sizes.cbMaxSignature = max_signature;
        /* 1 byte of data padded to p bytes more means blocks of p + 1. */
        ctx->sizes.cbBlockSize = (ULONG)iov[2].buffer.length + 1;
        ctx->sizes.cbSecurityTrailer = (ULONG)(iov[0].buffer.length + iov[3].buffer.length);
        ctx->sizes_known = true;
    }
    *out = ctx->sizes;
    return SEC_E_OK;
}

/* The package a context really uses: for Negotiate, the one negotiated. */
static const struct shim_package *effective_package(struct shim_context *ctx)
{
    if (ctx->actual_mech != GSS_C_NO_OID &&
        (shim_oid_equal(ctx->actual_mech, &shim_oid_krb5) ||
         shim_oid_equal(ctx->actual_mech, &shim_oid_krb5_ms)))
        return shim_package_find("Kerberos");
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

/*
 * A and W structures differ only in their string pointer types, so both
 * are filled through void pointers at the same offsets; check_abi's
 * static assertions keep that true.
 */
static SECURITY_STATUS query(PCtxtHandle phContext, ULONG attribute, void *buffer, bool wide)
{
    struct shim_context *ctx = shim_handle_get(phContext, SHIM_HANDLE_CONTEXT);
    if (ctx == NULL)
        return SEC_E_INVALID_HANDLE;
    if (buffer == NULL)
        return SEC_E_INVALID_PARAMETER;

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
    default:
        break;
    }

    if (!ctx->established || ctx->gss == GSS_C_NO_CONTEXT)
        return shim_fail(SEC_E_INVALID_HANDLE, "attribute %u needs an established context",
                         (unsigned)attribute);

    switch (attribute) {
    case SECPKG_ATTR_SIZES:
        return context_sizes(ctx, buffer);
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
