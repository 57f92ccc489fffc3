/*
 * ExportSecurityContext, ImportSecurityContextA/W: move an established
 * context to another process (gss_export_sec_context /
 * gss_import_sec_context, RFC 2743 2.2.8-9).
 *
 * The packed context is the shim's own small header, then the GSS token:
 *   "SSPISHIM" | version (1) | side (0 client, 1 server) | name length |
 *   package name | req flags | ret flags | started (8 bytes) | GSS token
 * (integers big-endian).  The header carries what GSS-API does not: the
 * package and the SSPI flags.  The bytes are a secret (they hold the
 * session keys): whoever gets them can use the context.
 *
 * GSS-API's export always ends the exporting context, while Windows keeps
 * it unless SECPKG_CONTEXT_EXPORT_DELETE_OLD is given; without that flag
 * the shim imports the token straight back, so the old handle keeps
 * working.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "shim_internal.h"

#define MAGIC "SSPISHIM"
#define MAGIC_LEN 8
#define FORMAT_VERSION 1
#define MAX_NAME 64

static unsigned char *put32(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)(v >> 24);
    p[1] = (unsigned char)(v >> 16);
    p[2] = (unsigned char)(v >> 8);
    p[3] = (unsigned char)v;
    return p + 4;
}

static uint32_t get32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

SSPI_API SECURITY_STATUS SEC_ENTRY ExportSecurityContext(PCtxtHandle phContext, ULONG fFlags,
                                                         PSecBuffer pPackedContext, void **pToken)
{
    struct shim_context *ctx = shim_handle_get(phContext, SHIM_HANDLE_CONTEXT);
    if (ctx == NULL)
        return SEC_E_INVALID_HANDLE;
    if (pPackedContext == NULL)
        return SEC_E_INVALID_PARAMETER;
    if (!ctx->established || ctx->gss == GSS_C_NO_CONTEXT)
        return shim_fail(SEC_E_UNSUPPORTED_FUNCTION, "only an established context can be exported");
    if (fFlags & (SECPKG_CONTEXT_EXPORT_RESET_NEW | SECPKG_CONTEXT_EXPORT_TO_KERNEL))
        return shim_fail(SEC_E_UNSUPPORTED_FUNCTION,
                         "SECPKG_CONTEXT_EXPORT_RESET_NEW and _TO_KERNEL are not supported");

    OM_uint32 major, minor;
    gss_buffer_desc token = GSS_C_EMPTY_BUFFER;
    major = gss_export_sec_context(&minor, &ctx->gss, &token);
    if (GSS_ERROR(major))
        return shim_gss_status("gss_export_sec_context", major, minor, ctx->actual_mech);

    size_t name_len = strlen(ctx->pkg->name);
    size_t total = MAGIC_LEN + 1 + 1 + 1 + name_len + 4 + 4 + 8 + token.length;
    unsigned char *packed = malloc(total);
    SECURITY_STATUS st = SEC_E_OK;
    if (packed == NULL || total > UINT32_MAX) {
        st = SEC_E_INSUFFICIENT_MEMORY;
    } else {
        unsigned char *p = packed;
        memcpy(p, MAGIC, MAGIC_LEN);
        p += MAGIC_LEN;
        *p++ = FORMAT_VERSION;
        *p++ = ctx->initiator ? 0 : 1;
        *p++ = (unsigned char)name_len;
        memcpy(p, ctx->pkg->name, name_len);
        p += name_len;
        p = put32(p, ctx->req_flags);
        p = put32(p, ctx->ret_flags);
        uint64_t started = (uint64_t)ctx->started;
        p = put32(p, (uint32_t)(started >> 32));
        p = put32(p, (uint32_t)started);
        memcpy(p, token.value, token.length);
    }

    /* The old context was ended by the export; keep it alive unless the
     * caller asked for it to go. */
    if (!(fFlags & SECPKG_CONTEXT_EXPORT_DELETE_OLD)) {
        gss_buffer_desc again = token;
        major = gss_import_sec_context(&minor, &again, &ctx->gss);
        if (GSS_ERROR(major))
            ctx->failed = shim_gss_status("gss_import_sec_context", major, minor,
                                          ctx->actual_mech);
    }
    explicit_bzero(token.value, token.length);
    gss_release_buffer(&minor, &token);
    if (st != SEC_E_OK) {
        free(packed);
        return st;
    }
    if (fFlags & SECPKG_CONTEXT_EXPORT_DELETE_OLD)
        shim_context_free(shim_handle_take(phContext, SHIM_HANDLE_CONTEXT));
    pPackedContext->BufferType = SECBUFFER_EMPTY;
    pPackedContext->cbBuffer = (ULONG)total;
    pPackedContext->pvBuffer = packed;
    if (pToken != NULL)
        *pToken = NULL;         /* no access token handle on Unix */
    return SEC_E_OK;
}

static SECURITY_STATUS import_context(const char *package, PSecBuffer pPackedContext,
                                      PCtxtHandle phContext)
{
    if (pPackedContext == NULL || phContext == NULL ||
        (pPackedContext->cbBuffer > 0 && pPackedContext->pvBuffer == NULL))
        return SEC_E_INVALID_PARAMETER;
    const struct shim_package *pkg = shim_package_find(package);
    if (pkg == NULL)
        return SEC_E_SECPKG_NOT_FOUND;

    const unsigned char *p = pPackedContext->pvBuffer;
    size_t len = pPackedContext->cbBuffer;
    if (len < MAGIC_LEN + 3 || memcmp(p, MAGIC, MAGIC_LEN) != 0 || p[MAGIC_LEN] != FORMAT_VERSION)
        return shim_fail(SEC_E_INVALID_TOKEN, "not a context exported by sspi-shim");
    bool initiator = p[MAGIC_LEN + 1] == 0;
    size_t name_len = p[MAGIC_LEN + 2];
    size_t fixed = MAGIC_LEN + 3 + name_len + 16;
    if (p[MAGIC_LEN + 1] > 1 || name_len == 0 || name_len > MAX_NAME || len <= fixed)
        return shim_fail(SEC_E_INVALID_TOKEN, "malformed exported context");
    char name[MAX_NAME + 1];
    memcpy(name, p + MAGIC_LEN + 3, name_len);
    name[name_len] = '\0';
    if (shim_package_find(name) != pkg)
        return shim_fail(SEC_E_INVALID_TOKEN, "the context was exported by the %s package", name);
    const unsigned char *q = p + MAGIC_LEN + 3 + name_len;

    struct shim_context *ctx = calloc(1, sizeof(*ctx));
    if (ctx == NULL)
        return SEC_E_INSUFFICIENT_MEMORY;
    ctx->pkg = pkg;
    ctx->initiator = initiator;
    ctx->established = true;
    ctx->req_flags = get32(q);
    ctx->ret_flags = get32(q + 4);
    ctx->started = (time_t)((uint64_t)get32(q + 8) << 32 | get32(q + 12));
    ctx->gss = GSS_C_NO_CONTEXT;
    ctx->target = GSS_C_NO_NAME;
    ctx->peer = GSS_C_NO_NAME;
    ctx->delegated = GSS_C_NO_CREDENTIAL;

    OM_uint32 major, minor, lifetime = 0;
    gss_buffer_desc token = {len - fixed, (void *)(p + fixed)};
    major = gss_import_sec_context(&minor, &token, &ctx->gss);
    SECURITY_STATUS st = SEC_E_OK;
    if (GSS_ERROR(major)) {
        st = shim_gss_status("gss_import_sec_context", major, minor, GSS_C_NO_OID);
        if (st == SEC_E_INTERNAL_ERROR)
            st = SEC_E_INVALID_TOKEN;
    } else {
        gss_name_t src = GSS_C_NO_NAME;
        major = gss_inquire_context(&minor, ctx->gss, initiator ? NULL : &src, NULL, &lifetime,
                                    &ctx->actual_mech, &ctx->gss_flags, NULL, NULL);
        if (GSS_ERROR(major))
            st = shim_gss_status("gss_inquire_context", major, minor, GSS_C_NO_OID);
        ctx->peer = src;
        ctx->lifetime = lifetime;
    }
    if (st == SEC_E_OK)
        st = shim_handle_new(SHIM_HANDLE_CONTEXT, ctx, phContext);
    if (st != SEC_E_OK)
        shim_context_free(ctx);
    return st;
}

SSPI_API SECURITY_STATUS SEC_ENTRY ImportSecurityContextA(LPSTR pszPackage,
                                                          PSecBuffer pPackedContext, void *Token,
                                                          PCtxtHandle phContext)
{
    (void)Token;
    if (pszPackage == NULL)
        return SEC_E_INVALID_PARAMETER;
    return import_context(pszPackage, pPackedContext, phContext);
}

SSPI_API SECURITY_STATUS SEC_ENTRY ImportSecurityContextW(LPWSTR pszPackage,
                                                          PSecBuffer pPackedContext, void *Token,
                                                          PCtxtHandle phContext)
{
    (void)Token;
    char *package;
    if (pszPackage == NULL)
        return SEC_E_INVALID_PARAMETER;
    if (shim_utf16_to_utf8(pszPackage, (size_t)-1, &package) != SEC_E_OK)
        return SEC_E_SECPKG_NOT_FOUND;
    SECURITY_STATUS st = import_context(package, pPackedContext, phContext);
    free(package);
    return st;
}
