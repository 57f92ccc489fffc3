/*
 * ExportSecurityContext, ImportSecurityContextA/W: move an established
 * context to another process (gss_export_sec_context /
 * gss_import_sec_context, RFC 2743 2.2.8-9).
 *
 * The packed context is the shim's own small header, then the GSS token
 * (gss_map/packed_context.h): the header carries what GSS-API does not,
 * the package and the SSPI flags.  The bytes are a secret (they hold the
 * session keys): whoever gets them can use the context.
 *
 * GSS-API's export always ends the exporting context, while Windows keeps
 * it unless SECPKG_CONTEXT_EXPORT_DELETE_OLD is given; without that flag
 * the shim imports the token straight back, so the old handle keeps
 * working.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "packed_context.h"
#include "shim_internal.h"
#include "trace.h"

static SECURITY_STATUS export_security_context(PCtxtHandle phContext, ULONG fFlags,
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

    struct gssmap_packed_context pc = {
        .initiator = ctx->initiator,
        .req_flags = ctx->req_flags,
        .ret_flags = ctx->ret_flags,
        .started = (int64_t)ctx->started,
        .gss_token = token.value,
        .gss_token_len = token.length,
    };
    snprintf(pc.package, sizeof(pc.package), "%s", ctx->pkg->name);
    size_t total = gssmap_packed_context_size(&pc);
    unsigned char *packed = total <= UINT32_MAX ? malloc(total) : NULL;
    SECURITY_STATUS st = SEC_E_OK;
    if (packed == NULL || gssmap_pack_context(&pc, packed) != 0)
        st = SEC_E_INSUFFICIENT_MEMORY;

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

    struct gssmap_packed_context pc;
    if (gssmap_unpack_context(pPackedContext->pvBuffer, pPackedContext->cbBuffer, &pc) != 0)
        return shim_fail(SEC_E_INVALID_TOKEN, "not a context exported by sspi-shim");
    if (shim_package_find(pc.package) != pkg)
        return shim_fail(SEC_E_INVALID_TOKEN, "the context was exported by the %s package",
                         pc.package);
    bool initiator = pc.initiator;

    struct shim_context *ctx = calloc(1, sizeof(*ctx));
    if (ctx == NULL)
        return SEC_E_INSUFFICIENT_MEMORY;
    ctx->pkg = pkg;
    ctx->initiator = initiator;
    ctx->established = true;
    ctx->req_flags = pc.req_flags;
    ctx->ret_flags = pc.ret_flags;
    ctx->started = (time_t)pc.started;
    ctx->gss = GSS_C_NO_CONTEXT;
    ctx->target = GSS_C_NO_NAME;
    ctx->peer = GSS_C_NO_NAME;
    ctx->delegated = GSS_C_NO_CREDENTIAL;

    OM_uint32 major, minor, lifetime = 0;
    gss_buffer_desc token = {pc.gss_token_len, (void *)pc.gss_token};
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
    SECURITY_STATUS st = pszPackage == NULL ? SEC_E_INVALID_PARAMETER
                                            : import_context(pszPackage, pPackedContext, phContext);
    if (shim_trace_enabled())
        shim_trace_call("ImportSecurityContextA", pszPackage, SHIM_TRACE_NO_FLAGS, 0, 0, st);
    return st;
}

SSPI_API SECURITY_STATUS SEC_ENTRY ImportSecurityContextW(LPWSTR pszPackage,
                                                          PSecBuffer pPackedContext, void *Token,
                                                          PCtxtHandle phContext)
{
    (void)Token;
    char *package = NULL;
    SECURITY_STATUS st;
    if (pszPackage == NULL)
        st = SEC_E_INVALID_PARAMETER;
    else if (shim_utf16_to_utf8(pszPackage, (size_t)-1, &package) != SEC_E_OK)
        st = SEC_E_SECPKG_NOT_FOUND;
    else
        st = import_context(package, pPackedContext, phContext);
    if (shim_trace_enabled())
        shim_trace_call("ImportSecurityContextW", package, SHIM_TRACE_NO_FLAGS, 0, 0, st);
    free(package);
    return st;
}

SSPI_API SECURITY_STATUS SEC_ENTRY ExportSecurityContext(PCtxtHandle phContext, ULONG fFlags,
                                                         PSecBuffer pPackedContext, void **pToken)
{
    void *pin = shim_handle_pin(phContext, SHIM_HANDLE_CONTEXT);
    /* Before the call: SECPKG_CONTEXT_EXPORT_DELETE_OLD frees the handle. */
    const char *pkg = shim_trace_enabled() ? shim_trace_context_package(phContext) : NULL;
    SECURITY_STATUS st = export_security_context(phContext, fFlags, pPackedContext, pToken);
    if (shim_trace_enabled())
        shim_trace_call("ExportSecurityContext", pkg, SHIM_TRACE_NO_FLAGS, 0, 0, st);
    shim_handle_unpin(pin);
    return st;
}
