/*
 * Why did Negotiate fail?  Heimdal 7.8's SPNEGO hides the reason of a
 * failed Kerberos step: its initiator drops a mechanism whose trial
 * gss_init_sec_context fails and then reports GSS_S_BAD_MECH; its acceptor
 * returns GSS_S_FAILURE with minor 0.  A Windows caller would see the
 * Kerberos status (wrong password, unknown SPN, clock skew, wrong key), so
 * on those ambiguous failures only, the step is repeated with the krb5
 * mechanism alone and its status is reported instead.  Success paths never
 * come here.  MIT krb5 1.20's SPNEGO acceptor hides it the same way
 * (GSS_S_FAILURE, minor 0, measured).
 */
#include "config.h"

#include <stdlib.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "framing.h"
#include "shim_internal.h"

static bool ambiguous(OM_uint32 major, OM_uint32 minor)
{
    OM_uint32 routine = GSS_ROUTINE_ERROR(major);
    return routine == GSS_S_BAD_MECH || (routine == GSS_S_FAILURE && minor == 0);
}

SECURITY_STATUS shim_negotiate_diagnose_init(struct shim_context *ctx, gss_cred_id_t cred,
                                             OM_uint32 major, OM_uint32 minor,
                                             SECURITY_STATUS status)
{
    if (ctx->pkg->mech != &shim_oid_spnego || !ambiguous(major, minor))
        return status;
    OM_uint32 m, tmp;
    gss_ctx_id_t probe = GSS_C_NO_CONTEXT;
    gss_buffer_desc out = GSS_C_EMPTY_BUFFER;
    char *saved = ctx->cred->ccache_name ? shim_krb5_use_ccache(ctx->cred->ccache_name) : NULL;
    m = gss_init_sec_context(&minor, cred, &probe, ctx->target, &shim_oid_krb5,
                             gssmap_isc_req_to_gss(ctx->req_flags), GSS_C_INDEFINITE,
                             GSS_C_NO_CHANNEL_BINDINGS, GSS_C_NO_BUFFER, NULL, &out, NULL, NULL);
    shim_krb5_restore_ccache(saved);
    gss_release_buffer(&tmp, &out);
    gss_delete_sec_context(&tmp, &probe, GSS_C_NO_BUFFER);
    if (!GSS_ERROR(m))
        return status;
    return shim_gss_status("gss_init_sec_context (Kerberos inside Negotiate)", m, minor,
                           &shim_oid_krb5);
}

/* The acceptor credential for the krb5 probe.  MIT's acceptor keeps a
 * replay cache: the failed attempt has already recorded the authenticator,
 * so the same token again would only say "Request is a replay".  The probe
 * gets a krb5 credential of its own without one (cred_store "rcache" =
 * "none:"); whatever the probe does is never let through (its success is
 * ignored).  Heimdal's acceptor keeps no replay cache (shim/replay.c). */
static gss_cred_id_t probe_credential(struct shim_context *ctx, gss_cred_id_t *owned)
{
    *owned = GSS_C_NO_CREDENTIAL;
#ifdef SSPI_SHIM_MIT
    gss_key_value_element_desc element = {"rcache", "none:"};
    gss_key_value_set_desc store = {1, &element};
    gss_OID_set_desc krb5_only = {1, &shim_oid_krb5};
    OM_uint32 minor;
    if (GSS_ERROR(gss_acquire_cred_from(&minor, ctx->cred->desired_name, GSS_C_INDEFINITE,
                                        &krb5_only, GSS_C_ACCEPT, &store, owned, NULL, NULL)))
        return GSS_C_NO_CREDENTIAL;
    return *owned;
#else
    return ctx->cred->accept;
#endif
}

#ifdef SSPI_SHIM_MIT
/* Whether MIT's default file replay cache can take a record: its directory
 * (KRB5RCACHEDIR, else /var/tmp: MIT 1.20's "dfl" type) is writable and
 * has a free block.  A probe that succeeds without the replay cache is a
 * replay only when the cache could have stored the authenticator;
 * otherwise the store failed (ENOSPC, EACCES), which the plain Kerberos
 * package reports as SEC_E_INTERNAL_ERROR (tests/check_faults.c). */
static bool replay_cache_can_store(void)
{
    const char *dir = secure_getenv("KRB5RCACHEDIR");
    struct statvfs fs;
    if (dir == NULL || *dir == '\0')
        dir = "/var/tmp";
    if (access(dir, W_OK) != 0)
        return false;
    return statvfs(dir, &fs) != 0 || (fs.f_bavail > 0 && fs.f_favail > 0);
}
#endif

SECURITY_STATUS shim_negotiate_diagnose_accept(struct shim_context *ctx,
                                               const gss_buffer_desc *input, OM_uint32 major,
                                               OM_uint32 minor, SECURITY_STATUS status)
{
    gss_buffer_desc inner;
    if (ctx->pkg->mech != &shim_oid_spnego || !ambiguous(major, minor) ||
        gssmap_spnego_mech_token(input->value, input->length, &inner) != 1)
        return status;
    gss_OID_desc oid;
    if (gssmap_token_oid(inner.value, inner.length, &oid) != 1 ||
        !(shim_oid_equal(&oid, &shim_oid_krb5) || shim_oid_equal(&oid, &shim_oid_krb5_ms)))
        return status;
    OM_uint32 m, tmp;
    gss_ctx_id_t probe = GSS_C_NO_CONTEXT;
    gss_buffer_desc out = GSS_C_EMPTY_BUFFER;
    gss_cred_id_t owned, cred = probe_credential(ctx, &owned);
    if (cred == GSS_C_NO_CREDENTIAL)
        return status;
    m = gss_accept_sec_context(&minor, &probe, cred, &inner,
                               GSS_C_NO_CHANNEL_BINDINGS, NULL, NULL, &out, NULL, NULL, NULL);
    gss_release_buffer(&tmp, &out);
    gss_delete_sec_context(&tmp, &probe, GSS_C_NO_BUFFER);
    if (owned != GSS_C_NO_CREDENTIAL)
        gss_release_cred(&tmp, &owned);
#ifdef SSPI_SHIM_MIT
    /* The probe did all the Kerberos acceptor did but the replay cache
     * step: that is what refused the token - a replay, or a cache that
     * could not store it. */
    if (!GSS_ERROR(m) && !replay_cache_can_store())
        return shim_fail(SEC_E_INTERNAL_ERROR,
                         "the acceptor's replay cache cannot store the authenticator (its "
                         "directory, KRB5RCACHEDIR or /var/tmp, is full or not writable)");
    if (!GSS_ERROR(m))
        return shim_fail(SEC_E_OUT_OF_SEQUENCE,
                         "replayed authenticator: the acceptor's replay cache already has it");
#endif
    if (!GSS_ERROR(m))
        return status;
    return shim_gss_status_side("gss_accept_sec_context (Kerberos inside Negotiate)", m, minor,
                                &shim_oid_krb5, GSSMAP_ACCEPTOR);
}
