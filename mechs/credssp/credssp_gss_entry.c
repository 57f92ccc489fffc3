/*
 * The CredSSP mechanism's exported entry points: the names mechglue
 * (Heimdal 7.8 lib/gssapi/mech/gss_mech_switch.c, MIT src/lib/gssapi/
 * mechglue/g_initialize.c) looks up with dlsym, listed in
 * sspi_shim_credssp.sym.  The GSS headers' declarations of the same names
 * are renamed while they are read, so this file can define the module's
 * versions; nothing in the module calls them (the inner context goes
 * through credssp_lib.c).
 */
#include "config.h"

#define gss_acquire_cred cs_hdr_acquire_cred
#define gss_release_cred cs_hdr_release_cred
#define gss_init_sec_context cs_hdr_init_sec_context
#define gss_accept_sec_context cs_hdr_accept_sec_context
#define gss_process_context_token cs_hdr_process_context_token
#define gss_delete_sec_context cs_hdr_delete_sec_context
#define gss_context_time cs_hdr_context_time
#define gss_get_mic cs_hdr_get_mic
#define gss_verify_mic cs_hdr_verify_mic
#define gss_wrap cs_hdr_wrap
#define gss_unwrap cs_hdr_unwrap
#define gss_display_status cs_hdr_display_status
#define gss_indicate_mechs cs_hdr_indicate_mechs
#define gss_compare_name cs_hdr_compare_name
#define gss_display_name cs_hdr_display_name
#define gss_import_name cs_hdr_import_name
#define gss_export_name cs_hdr_export_name
#define gss_release_name cs_hdr_release_name
#define gss_inquire_cred cs_hdr_inquire_cred
#define gss_inquire_context cs_hdr_inquire_context
#define gss_wrap_size_limit cs_hdr_wrap_size_limit
#define gss_add_cred cs_hdr_add_cred
#define gss_inquire_cred_by_mech cs_hdr_inquire_cred_by_mech
#define gss_export_sec_context cs_hdr_export_sec_context
#define gss_import_sec_context cs_hdr_import_sec_context
#define gss_inquire_names_for_mech cs_hdr_inquire_names_for_mech
#define gss_inquire_mechs_for_name cs_hdr_inquire_mechs_for_name
#define gss_canonicalize_name cs_hdr_canonicalize_name
#define gss_duplicate_name cs_hdr_duplicate_name
#define gss_inquire_sec_context_by_oid cs_hdr_inquire_sec_context_by_oid
#define gss_inquire_attrs_for_mech cs_hdr_inquire_attrs_for_mech
#define gss_wrap_iov cs_hdr_wrap_iov
#define gss_unwrap_iov cs_hdr_unwrap_iov

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "credssp_gss.h"
#include "mech_glue.h"

#undef gss_acquire_cred
#undef gss_release_cred
#undef gss_init_sec_context
#undef gss_accept_sec_context
#undef gss_process_context_token
#undef gss_delete_sec_context
#undef gss_context_time
#undef gss_get_mic
#undef gss_verify_mic
#undef gss_wrap
#undef gss_unwrap
#undef gss_display_status
#undef gss_indicate_mechs
#undef gss_compare_name
#undef gss_display_name
#undef gss_import_name
#undef gss_export_name
#undef gss_release_name
#undef gss_inquire_cred
#undef gss_inquire_context
#undef gss_wrap_size_limit
#undef gss_add_cred
#undef gss_inquire_cred_by_mech
#undef gss_export_sec_context
#undef gss_import_sec_context
#undef gss_inquire_names_for_mech
#undef gss_inquire_mechs_for_name
#undef gss_canonicalize_name
#undef gss_duplicate_name
#undef gss_inquire_sec_context_by_oid
#undef gss_inquire_attrs_for_mech
#undef gss_wrap_iov
#undef gss_unwrap_iov

#define CS_EXPORT __attribute__((visibility("default")))

/* Prototypes of the exported entry points (the GSS headers' own
 * declarations were renamed above). */
CS_EXPORT OM_uint32 gss_wrap_iov(OM_uint32 *minor, gss_ctx_id_t context, int conf_req,
                                 gss_qop_t qop, int *conf_state, gss_iov_buffer_desc *iov,
                                 int count);
CS_EXPORT OM_uint32 gss_unwrap_iov(OM_uint32 *minor, gss_ctx_id_t context, int *conf_state,
                                   gss_qop_t *qop, gss_iov_buffer_desc *iov, int count);
CS_EXPORT OM_uint32 gss_acquire_cred(OM_uint32 *minor, gss_name_t desired_name,
                                     OM_uint32 time_req, gss_OID_set desired_mechs,
                                     gss_cred_usage_t usage, gss_cred_id_t *out,
                                     gss_OID_set *actual_mechs, OM_uint32 *time_rec);
CS_EXPORT OM_uint32 gssspi_acquire_cred_with_password(
    OM_uint32 *minor, const gss_name_t desired_name, const gss_buffer_t password,
    OM_uint32 time_req, const gss_OID_set desired_mechs, gss_cred_usage_t usage,
    gss_cred_id_t *out, gss_OID_set *actual_mechs, OM_uint32 *time_rec);
CS_EXPORT OM_uint32 gssspi_set_cred_option(OM_uint32 *minor, gss_cred_id_t *cred,
                                           const gss_OID option, const gss_buffer_t value);
CS_EXPORT OM_uint32 gss_release_cred(OM_uint32 *minor, gss_cred_id_t *cred);
CS_EXPORT OM_uint32 gss_inquire_cred(OM_uint32 *minor, gss_cred_id_t cred, gss_name_t *name,
                                     OM_uint32 *lifetime, gss_cred_usage_t *usage,
                                     gss_OID_set *mechs);
CS_EXPORT OM_uint32 gss_inquire_cred_by_mech(OM_uint32 *minor, gss_cred_id_t cred, gss_OID mech,
                                             gss_name_t *name, OM_uint32 *init_lifetime,
                                             OM_uint32 *accept_lifetime, gss_cred_usage_t *usage);
CS_EXPORT OM_uint32 gss_add_cred(OM_uint32 *minor, gss_cred_id_t input_cred, gss_name_t name,
                                 gss_OID mech, gss_cred_usage_t usage, OM_uint32 init_time,
                                 OM_uint32 accept_time, gss_cred_id_t *out,
                                 gss_OID_set *actual_mechs, OM_uint32 *init_rec,
                                 OM_uint32 *accept_rec);
CS_EXPORT OM_uint32 gss_init_sec_context(OM_uint32 *minor, gss_cred_id_t cred,
                                         gss_ctx_id_t *context, gss_name_t target,
                                         gss_OID mech, OM_uint32 req_flags, OM_uint32 time_req,
                                         gss_channel_bindings_t cb, gss_buffer_t input,
                                         gss_OID *actual_mech, gss_buffer_t output,
                                         OM_uint32 *ret_flags, OM_uint32 *time_rec);
CS_EXPORT OM_uint32 gss_accept_sec_context(OM_uint32 *minor, gss_ctx_id_t *context,
                                           gss_cred_id_t cred, gss_buffer_t input,
                                           gss_channel_bindings_t cb, gss_name_t *src_name,
                                           gss_OID *mech, gss_buffer_t output,
                                           OM_uint32 *ret_flags, OM_uint32 *time_rec,
                                           gss_cred_id_t *delegated);
CS_EXPORT OM_uint32 gss_delete_sec_context(OM_uint32 *minor, gss_ctx_id_t *context,
                                           gss_buffer_t output);
CS_EXPORT OM_uint32 gss_process_context_token(OM_uint32 *minor, gss_ctx_id_t context,
                                              gss_buffer_t token);
CS_EXPORT OM_uint32 gss_context_time(OM_uint32 *minor, gss_ctx_id_t context, OM_uint32 *t);
CS_EXPORT OM_uint32 gss_inquire_context(OM_uint32 *minor, gss_ctx_id_t context, gss_name_t *src,
                                        gss_name_t *targ, OM_uint32 *lifetime, gss_OID *mech,
                                        OM_uint32 *flags, int *local, int *open);
CS_EXPORT OM_uint32 gss_export_sec_context(OM_uint32 *minor, gss_ctx_id_t *context,
                                           gss_buffer_t token);
CS_EXPORT OM_uint32 gss_import_sec_context(OM_uint32 *minor, gss_buffer_t token,
                                           gss_ctx_id_t *context);
CS_EXPORT OM_uint32 gss_inquire_sec_context_by_oid(OM_uint32 *minor, const gss_ctx_id_t context,
                                                   const gss_OID what, gss_buffer_set_t *out);
CS_EXPORT OM_uint32 gss_get_mic(OM_uint32 *minor, gss_ctx_id_t context, gss_qop_t qop,
                                gss_buffer_t msg, gss_buffer_t token);
CS_EXPORT OM_uint32 gss_verify_mic(OM_uint32 *minor, gss_ctx_id_t context, gss_buffer_t msg,
                                   gss_buffer_t token, gss_qop_t *qop);
CS_EXPORT OM_uint32 gss_wrap(OM_uint32 *minor, gss_ctx_id_t context, int conf_req,
                             gss_qop_t qop, gss_buffer_t in, int *conf_state, gss_buffer_t out);
CS_EXPORT OM_uint32 gss_unwrap(OM_uint32 *minor, gss_ctx_id_t context, gss_buffer_t in,
                               gss_buffer_t out, int *conf_state, gss_qop_t *qop);
CS_EXPORT OM_uint32 gss_wrap_size_limit(OM_uint32 *minor, gss_ctx_id_t context, int conf_req,
                                        gss_qop_t qop, OM_uint32 req_output_size,
                                        OM_uint32 *max_input);
CS_EXPORT OM_uint32 gss_display_status(OM_uint32 *minor, OM_uint32 status, int type,
                                       gss_OID mech, OM_uint32 *ctx, gss_buffer_t out);
CS_EXPORT OM_uint32 gss_indicate_mechs(OM_uint32 *minor, gss_OID_set *mechs);
CS_EXPORT OM_uint32 gss_inquire_names_for_mech(OM_uint32 *minor, gss_OID mech,
                                               gss_OID_set *types);
CS_EXPORT OM_uint32 gss_inquire_mechs_for_name(OM_uint32 *minor, gss_name_t name,
                                               gss_OID_set *mechs);
CS_EXPORT OM_uint32 gss_inquire_attrs_for_mech(OM_uint32 *minor, gss_const_OID mech,
                                               gss_OID_set *attrs, gss_OID_set *known);
CS_EXPORT OM_uint32 gss_import_name(OM_uint32 *minor, gss_buffer_t buf, gss_OID type,
                                    gss_name_t *out);
CS_EXPORT OM_uint32 gss_display_name(OM_uint32 *minor, gss_name_t name, gss_buffer_t out,
                                     gss_OID *type);
CS_EXPORT OM_uint32 gss_compare_name(OM_uint32 *minor, gss_name_t a, gss_name_t b, int *equal);
CS_EXPORT OM_uint32 gss_release_name(OM_uint32 *minor, gss_name_t *name);
CS_EXPORT OM_uint32 gss_canonicalize_name(OM_uint32 *minor, gss_name_t in, gss_OID mech,
                                          gss_name_t *out);
CS_EXPORT OM_uint32 gss_duplicate_name(OM_uint32 *minor, gss_name_t in, gss_name_t *out);
CS_EXPORT OM_uint32 gss_export_name(OM_uint32 *minor, gss_name_t name, gss_buffer_t out);

typedef struct cs_buffer_set {
    size_t count;
    gss_buffer_desc *elements;
} cs_buffer_set;

static gss_OID_desc nt_user_name_oid = {10, (void *)"\x2a\x86\x48\x86\xf7\x12\x01\x02\x01\x01"};
static gss_OID_desc nt_hostbased_oid = {10, (void *)"\x2a\x86\x48\x86\xf7\x12\x01\x02\x01\x04"};
/* GSS_C_INQ_SSPI_SESSION_KEY 1.2.840.113554.1.2.2.5.5 */
#define INQ_SSPI_SESSION_KEY "\x2a\x86\x48\x86\xf7\x12\x01\x02\x02\x05\x05"

static void clear_buffer(gss_buffer_t b)
{
    if (b != GSS_C_NO_BUFFER) {
        b->value = NULL;
        b->length = 0;
    }
}

/* ------------------------------------------------------------- credentials */

CS_EXPORT OM_uint32 gss_acquire_cred(OM_uint32 *minor, gss_name_t desired_name,
                                     OM_uint32 time_req, gss_OID_set desired_mechs,
                                     gss_cred_usage_t usage, gss_cred_id_t *out,
                                     gss_OID_set *actual_mechs, OM_uint32 *time_rec)
{
    struct cs_cred *c = NULL;
    const gss_OID_desc *mech = &cs_mech_oid;
    OM_uint32 major;
    (void)time_req;
    (void)desired_name;
    *out = GSS_C_NO_CREDENTIAL;
    if (!mg_set_has_mech(desired_mechs, &cs_mech_oid))
        return cs_minor(minor, GSS_S_BAD_MECH, 0);
    /* Initiator credentials need a password (what CredSSP delegates). */
    if (usage == GSS_C_INITIATE)
        return cs_minor(minor, GSS_S_NO_CRED, GSS_SSPI_SHIM_CREDSSP_S_NO_PASSWORD);
    if ((major = cs_cred_new(minor, false, &c)) != GSS_S_COMPLETE)
        return major;
    if (actual_mechs && mg_oid_set_of(minor, &mech, 1, actual_mechs) != GSS_S_COMPLETE) {
        cs_cred_unref(c);
        return GSS_S_FAILURE;
    }
    if (time_rec)
        *time_rec = GSS_C_INDEFINITE;
    *out = (gss_cred_id_t)c;
    return cs_minor(minor, GSS_S_COMPLETE, 0);
}

CS_EXPORT OM_uint32 gssspi_acquire_cred_with_password(
    OM_uint32 *minor, const gss_name_t desired_name, const gss_buffer_t password,
    OM_uint32 time_req, const gss_OID_set desired_mechs, gss_cred_usage_t usage,
    gss_cred_id_t *out, gss_OID_set *actual_mechs, OM_uint32 *time_rec)
{
    struct cs_cred *c = NULL;
    const struct cs_name *n = (const struct cs_name *)desired_name;
    const gss_OID_desc *mech = &cs_mech_oid;
    OM_uint32 major;
    (void)time_req;
    *out = GSS_C_NO_CREDENTIAL;
    if (!mg_set_has_mech(desired_mechs, &cs_mech_oid))
        return cs_minor(minor, GSS_S_BAD_MECH, 0);
    if (usage == GSS_C_ACCEPT)
        return cs_minor(minor, GSS_S_NO_CRED, 0);
    if (n == NULL || n->kind != CS_NAME_USER)
        return cs_minor(minor, GSS_S_BAD_NAME, 0);
    if ((major = cs_cred_new(minor, true, &c)) != GSS_S_COMPLETE)
        return major;
    if ((major = cs_cred_set_password(minor, c, n->value, password)) != GSS_S_COMPLETE ||
        (actual_mechs && mg_oid_set_of(minor, &mech, 1, actual_mechs) != GSS_S_COMPLETE)) {
        cs_cred_unref(c);
        return major != GSS_S_COMPLETE ? major : GSS_S_FAILURE;
    }
    if (time_rec)
        *time_rec = GSS_C_INDEFINITE;
    *out = (gss_cred_id_t)c;
    return cs_minor(minor, GSS_S_COMPLETE, 0);
}

CS_EXPORT OM_uint32 gssspi_set_cred_option(OM_uint32 *minor, gss_cred_id_t *cred,
                                           const gss_OID option, const gss_buffer_t value)
{
    if (cred == NULL)
        return cs_minor(minor, GSS_S_CALL_INACCESSIBLE_WRITE, 0);
    if (*cred == GSS_C_NO_CREDENTIAL) {
        struct cs_cred *c = NULL;
        OM_uint32 major = cs_cred_new(minor, false, &c);
        if (major != GSS_S_COMPLETE)
            return major;
        major = cs_cred_set_option(minor, c, option, value);
        if (major != GSS_S_COMPLETE) {
            cs_cred_unref(c);
            return major;
        }
        *cred = (gss_cred_id_t)c;
        return major;
    }
    return cs_cred_set_option(minor, (struct cs_cred *)*cred, option, value);
}

CS_EXPORT OM_uint32 gss_release_cred(OM_uint32 *minor, gss_cred_id_t *cred)
{
    if (cred && *cred != GSS_C_NO_CREDENTIAL) {
        cs_cred_unref((struct cs_cred *)*cred);
        *cred = GSS_C_NO_CREDENTIAL;
    }
    return cs_minor(minor, GSS_S_COMPLETE, 0);
}

static OM_uint32 cred_name(OM_uint32 *minor, const struct cs_cred *c, gss_name_t *name)
{
    struct cs_name *n = NULL;
    char buf[1024];
    *name = GSS_C_NO_NAME;
    if (!c->initiator || c->user == NULL)
        return cs_minor(minor, GSS_S_COMPLETE, 0);
    if (c->domain && *c->domain)
        snprintf(buf, sizeof(buf), "%s\\%s", c->domain, c->user);
    else
        snprintf(buf, sizeof(buf), "%s", c->user);
    OM_uint32 major = cs_name_new(minor, CS_NAME_USER, buf, strlen(buf), &n);
    *name = (gss_name_t)n;
    return major;
}

/* Exported names are never called from inside the module (they could
 * bind to the GSS library's): both inquiries share this helper. */
static OM_uint32 inquire_cred(OM_uint32 *minor, gss_cred_id_t cred, gss_name_t *name,
                              OM_uint32 *lifetime, gss_cred_usage_t *usage, gss_OID_set *mechs)
{
    struct cs_cred *c = (struct cs_cred *)cred;
    const gss_OID_desc *mech = &cs_mech_oid;
    if (c == NULL)
        return cs_minor(minor, GSS_S_NO_CRED, 0);
    if (name && cred_name(minor, c, name) != GSS_S_COMPLETE)
        return GSS_S_FAILURE;
    if (lifetime)
        *lifetime = GSS_C_INDEFINITE;
    if (usage)
        *usage = c->initiator ? GSS_C_INITIATE : GSS_C_ACCEPT;
    if (mechs && mg_oid_set_of(minor, &mech, 1, mechs) != GSS_S_COMPLETE) {
        if (name && *name) {
            cs_name_free((struct cs_name *)*name);
            *name = GSS_C_NO_NAME;
        }
        return GSS_S_FAILURE;
    }
    return cs_minor(minor, GSS_S_COMPLETE, 0);
}

CS_EXPORT OM_uint32 gss_inquire_cred(OM_uint32 *minor, gss_cred_id_t cred, gss_name_t *name,
                                     OM_uint32 *lifetime, gss_cred_usage_t *usage,
                                     gss_OID_set *mechs)
{
    return inquire_cred(minor, cred, name, lifetime, usage, mechs);
}

CS_EXPORT OM_uint32 gss_inquire_cred_by_mech(OM_uint32 *minor, gss_cred_id_t cred, gss_OID mech,
                                             gss_name_t *name, OM_uint32 *init_lifetime,
                                             OM_uint32 *accept_lifetime, gss_cred_usage_t *usage)
{
    struct cs_cred *c = (struct cs_cred *)cred;
    if (!mg_is_mech(mech, &cs_mech_oid))
        return cs_minor(minor, GSS_S_BAD_MECH, 0);
    if (c == NULL)
        return cs_minor(minor, GSS_S_NO_CRED, 0);
    if (init_lifetime)
        *init_lifetime = c->initiator ? GSS_C_INDEFINITE : 0;
    if (accept_lifetime)
        *accept_lifetime = c->initiator ? 0 : GSS_C_INDEFINITE;
    return inquire_cred(minor, cred, name, NULL, usage, NULL);
}

CS_EXPORT OM_uint32 gss_add_cred(OM_uint32 *minor, gss_cred_id_t input_cred, gss_name_t name,
                                 gss_OID mech, gss_cred_usage_t usage, OM_uint32 init_time,
                                 OM_uint32 accept_time, gss_cred_id_t *out,
                                 gss_OID_set *actual_mechs, OM_uint32 *init_rec,
                                 OM_uint32 *accept_rec)
{
    (void)input_cred; (void)name; (void)mech; (void)usage; (void)init_time; (void)accept_time;
    (void)actual_mechs; (void)init_rec; (void)accept_rec;
    if (out)
        *out = GSS_C_NO_CREDENTIAL;
    return cs_minor(minor, GSS_S_UNAVAILABLE, 0);
}

/* ------------------------------------------------------------- contexts */

CS_EXPORT OM_uint32 gss_init_sec_context(OM_uint32 *minor, gss_cred_id_t cred,
                                         gss_ctx_id_t *context, gss_name_t target,
                                         gss_OID mech, OM_uint32 req_flags, OM_uint32 time_req,
                                         gss_channel_bindings_t cb, gss_buffer_t input,
                                         gss_OID *actual_mech, gss_buffer_t output,
                                         OM_uint32 *ret_flags, OM_uint32 *time_rec)
{
    struct cs_cred *c = (struct cs_cred *)cred;
    struct cs_ctx *ctx = (struct cs_ctx *)*context;
    bool created = ctx == NULL;
    OM_uint32 major;
    (void)time_req;
    (void)cb; /* the binding is to the TLS key itself (pubKeyAuth) */
    clear_buffer(output);
    if (actual_mech)
        *actual_mech = &cs_mech_oid;
    if (ret_flags)
        *ret_flags = 0;
    if (!mg_is_mech(mech, &cs_mech_oid))
        return cs_minor(minor, GSS_S_BAD_MECH, 0);
    /* Never from a default credential, so SPNEGO does not offer CredSSP. */
    if (created && (c == NULL || !c->initiator || c->password == NULL))
        return cs_minor(minor, GSS_S_NO_CRED, GSS_SSPI_SHIM_CREDSSP_S_NO_PASSWORD);
    if (created && target == GSS_C_NO_NAME)
        return cs_minor(minor, GSS_S_BAD_NAME, 0);
    major = cs_init(minor, &ctx, c, (struct cs_name *)target, req_flags, input, output);
    *context = (gss_ctx_id_t)ctx;
    if (ret_flags && ctx)
        *ret_flags = ctx->state == CS_ESTABLISHED ? ctx->ret_flags : 0;
    if (time_rec)
        *time_rec = GSS_C_INDEFINITE;
    if (GSS_ERROR(major)) {
        free(output->value);
        clear_buffer(output);
        if (created) { /* RFC 2744 5.19: no context after a failed first call */
            cs_ctx_free(ctx);
            *context = GSS_C_NO_CONTEXT;
        }
    }
    return major;
}

static OM_uint32 delegated_cred(OM_uint32 *minor, const struct cs_ctx *ctx, gss_cred_id_t *out);

CS_EXPORT OM_uint32 gss_accept_sec_context(OM_uint32 *minor, gss_ctx_id_t *context,
                                           gss_cred_id_t cred, gss_buffer_t input,
                                           gss_channel_bindings_t cb, gss_name_t *src_name,
                                           gss_OID *mech, gss_buffer_t output,
                                           OM_uint32 *ret_flags, OM_uint32 *time_rec,
                                           gss_cred_id_t *delegated)
{
    struct cs_cred *c = (struct cs_cred *)cred;
    struct cs_ctx *ctx = (struct cs_ctx *)*context;
    bool created = ctx == NULL, own_cred = false;
    OM_uint32 major;
    (void)cb;
    clear_buffer(output);
    if (src_name)
        *src_name = GSS_C_NO_NAME;
    if (mech)
        *mech = &cs_mech_oid;
    if (delegated)
        *delegated = GSS_C_NO_CREDENTIAL;
    if (ret_flags)
        *ret_flags = 0;
    if (created) {
        if (c != NULL && c->initiator)
            return cs_minor(minor, GSS_S_NO_CRED, 0);
        if (c == NULL) {
            if ((major = cs_cred_new(minor, false, &c)) != GSS_S_COMPLETE)
                return major;
            own_cred = true;
        }
    }
    major = cs_accept(minor, &ctx, c, input, output);
    if (own_cred)
        cs_cred_unref(c); /* the context holds its own reference */
    *context = (gss_ctx_id_t)ctx;
    if (major == GSS_S_COMPLETE) {
        if (src_name && ctx->client_name) {
            struct cs_name *n = NULL;
            if (cs_name_new(minor, CS_NAME_USER, ctx->client_name, strlen(ctx->client_name),
                            &n) != GSS_S_COMPLETE)
                major = GSS_S_FAILURE;
            *src_name = (gss_name_t)n;
        }
        if (major == GSS_S_COMPLETE && delegated && (ctx->ret_flags & GSS_C_DELEG_FLAG))
            major = delegated_cred(minor, ctx, delegated);
    }
    if (ret_flags && ctx)
        *ret_flags = ctx->state == CS_ESTABLISHED ? ctx->ret_flags : 0;
    if (time_rec)
        *time_rec = GSS_C_INDEFINITE;
    if (GSS_ERROR(major)) {
        /* An output token that comes with a failure is the TSRequest with
         * errorCode (cs_accept): the error token the caller may send. */
        if (src_name && *src_name) {
            cs_name_free((struct cs_name *)*src_name);
            *src_name = GSS_C_NO_NAME;
        }
        if (created && ctx) {
            cs_ctx_free(ctx);
            *context = GSS_C_NO_CONTEXT;
        }
    }
    return major;
}

/* Appends s to the URI at *p (room checked by the caller), percent-encoding
 * all but RFC 3986 unreserved characters, and '/' where allowed (RFC 7512
 * 2.3: a module-path value). */
static char *uri_append(char *p, const char *s, bool slash)
{
    static const char hex[] = "0123456789ABCDEF";
    for (; *s; s++) {
        unsigned char ch = (unsigned char)*s;
        if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
            ch == '-' || ch == '.' || ch == '_' || ch == '~' || (slash && ch == '/')) {
            *p++ = (char)ch;
        } else {
            *p++ = '%';
            *p++ = hex[ch >> 4];
            *p++ = hex[ch & 15];
        }
    }
    return p;
}

/* The card of TSSmartCardCreds as the PKCS#11 URI the SSPI shim takes for a
 * card identity: cardName is the token, containerName the certificate,
 * cspName the module (what the shim's initiator sends). */
static char *card_uri(char *const card[CS_CARD_FIELDS])
{
    size_t room = 64;
    for (int i = 0; i < 4; i++)
        room += 3 * strlen(card[i]);
    char *uri = malloc(room), *p = uri;
    if (uri == NULL)
        return NULL;
    p += sprintf(p, "pkcs11:");
    if (card[0][0]) {
        p += sprintf(p, "token=");
        p = uri_append(p, card[0], false);
    }
    if (card[2][0]) {
        p += sprintf(p, "%sobject=", card[0][0] ? ";" : "");
        p = uri_append(p, card[2], false);
    }
    if (card[3][0]) {
        p += sprintf(p, "?module-path=");
        p = uri_append(p, card[3], true);
    }
    *p = '\0';
    return uri;
}

/* What the client delegated as "domain", "user", "password": for
 * TSPasswordCreds the three fields; for TSSmartCardCreds the domain hint,
 * the card's PKCS#11 URI and the PIN, with the card's six fields in card
 * (when not NULL).  Returns false when a field does not convert. */
static bool delegated_identity(const struct cs_ctx *ctx, char *f[3], char *card[CS_CARD_FIELDS])
{
    const struct cssp_ts_credentials *tc = &ctx->creds;
    char *fields[CS_CARD_FIELDS] = {NULL};
    bool ok = true;
    f[0] = f[1] = f[2] = NULL;
    if (tc->cred_type == CSSP_CRED_PASSWORD) {
        f[0] = cs_utf16le_to_utf8(&tc->password.domain);
        f[1] = cs_utf16le_to_utf8(&tc->password.user);
        f[2] = cs_utf16le_to_utf8(&tc->password.password);
        return f[0] && f[1] && f[2];
    }
    const cssp_octets *in[CS_CARD_FIELDS] = {
        &tc->smartcard.card_name, &tc->smartcard.reader_name, &tc->smartcard.container_name,
        &tc->smartcard.csp_name,  &tc->smartcard.user_hint,   &tc->smartcard.domain_hint};
    for (int i = 0; i < CS_CARD_FIELDS; i++)
        ok = (fields[i] = cs_utf16le_to_utf8(in[i])) != NULL && ok;
    if (ok) {
        f[0] = strdup(fields[5]);
        f[1] = card_uri(fields);
        f[2] = cs_utf16le_to_utf8(&tc->smartcard.pin);
        ok = f[0] && f[1] && f[2];
    }
    for (int i = 0; i < CS_CARD_FIELDS; i++) {
        if (card != NULL)
            card[i] = fields[i];
        else
            free(fields[i]);
    }
    return ok;
}

static void free_identity(char *f[3])
{
    for (int i = 0; i < 3; i++)
        if (f[i] != NULL) {
            OPENSSL_cleanse(f[i], strlen(f[i]));
            free(f[i]);
        }
}

/* The acceptor's delegated credential: an initiator credential holding
 * what the client sent (TSPasswordCreds, or TSSmartCardCreds with the card
 * for an onward smart-card context), usable for an onward CredSSP context
 * (and readable through CREDENTIALS). */
static OM_uint32 delegated_cred(OM_uint32 *minor, const struct cs_ctx *ctx, gss_cred_id_t *out)
{
    struct cs_cred *c = NULL;
    OM_uint32 major;
    char *f[3];
    if (ctx->creds.cred_type != CSSP_CRED_PASSWORD && ctx->creds.cred_type != CSSP_CRED_SMARTCARD)
        return cs_minor(minor, GSS_S_COMPLETE, 0); /* Remote Guard: nothing to log on with */
    if ((major = cs_cred_new(minor, true, &c)) != GSS_S_COMPLETE)
        return major;
    bool ok = delegated_identity(ctx, f, ctx->creds.cred_type == CSSP_CRED_SMARTCARD ? c->card
                                                                                   : NULL);
    c->domain = f[0];
    c->user = f[1];
    c->password = f[2];
    if (!ok) {
        cs_cred_unref(c);
        return cs_minor(minor, GSS_S_DEFECTIVE_TOKEN, GSS_SSPI_SHIM_CREDSSP_S_BAD_MESSAGE);
    }
    c->password_len = strlen(c->password);
    *out = (gss_cred_id_t)c;
    return cs_minor(minor, GSS_S_COMPLETE, 0);
}

CS_EXPORT OM_uint32 gss_delete_sec_context(OM_uint32 *minor, gss_ctx_id_t *context,
                                           gss_buffer_t output)
{
    clear_buffer(output);
    if (context && *context != GSS_C_NO_CONTEXT) {
        cs_ctx_free((struct cs_ctx *)*context);
        *context = GSS_C_NO_CONTEXT;
    }
    return cs_minor(minor, GSS_S_COMPLETE, 0);
}

CS_EXPORT OM_uint32 gss_process_context_token(OM_uint32 *minor, gss_ctx_id_t context,
                                              gss_buffer_t token)
{
    (void)context;
    (void)token;
    return cs_minor(minor, GSS_S_UNAVAILABLE, 0);
}

CS_EXPORT OM_uint32 gss_context_time(OM_uint32 *minor, gss_ctx_id_t context, OM_uint32 *t)
{
    if (!context)
        return cs_minor(minor, GSS_S_NO_CONTEXT, 0);
    if (t)
        *t = GSS_C_INDEFINITE;
    return cs_minor(minor, GSS_S_COMPLETE, 0);
}

CS_EXPORT OM_uint32 gss_inquire_context(OM_uint32 *minor, gss_ctx_id_t context, gss_name_t *src,
                                        gss_name_t *targ, OM_uint32 *lifetime, gss_OID *mech,
                                        OM_uint32 *flags, int *local, int *open)
{
    struct cs_ctx *ctx = (struct cs_ctx *)context;
    struct cs_name *s = NULL, *t = NULL;
    const char *user = NULL;
    char buf[1024];
    if (!ctx)
        return cs_minor(minor, GSS_S_NO_CONTEXT, 0);
    if (ctx->initiator && ctx->cred->user) {
        if (ctx->cred->domain && *ctx->cred->domain)
            snprintf(buf, sizeof(buf), "%s\\%s", ctx->cred->domain, ctx->cred->user);
        else
            snprintf(buf, sizeof(buf), "%s", ctx->cred->user);
        user = buf;
    } else if (!ctx->initiator) {
        user = ctx->client_name;
    }
    if (src && user && cs_name_new(minor, CS_NAME_USER, user, strlen(user), &s) != GSS_S_COMPLETE)
        return GSS_S_FAILURE;
    const char *target = ctx->initiator ? (ctx->target ? ctx->target->value : NULL)
                                        : ctx->server_name;
    if (targ && target &&
        cs_name_new(minor, CS_NAME_SERVICE, target, strlen(target), &t) != GSS_S_COMPLETE) {
        cs_name_free(s);
        return GSS_S_FAILURE;
    }
    if (src)
        *src = (gss_name_t)s;
    if (targ)
        *targ = (gss_name_t)t;
    if (lifetime)
        *lifetime = GSS_C_INDEFINITE;
    if (mech)
        *mech = &cs_mech_oid;
    if (flags)
        *flags = ctx->state == CS_ESTABLISHED ? ctx->ret_flags : 0;
    if (local)
        *local = ctx->initiator;
    if (open)
        *open = ctx->state == CS_ESTABLISHED;
    return cs_minor(minor, GSS_S_COMPLETE, 0);
}

CS_EXPORT OM_uint32 gss_export_sec_context(OM_uint32 *minor, gss_ctx_id_t *context,
                                           gss_buffer_t token)
{
    (void)context;
    clear_buffer(token);
    return cs_minor(minor, GSS_S_UNAVAILABLE, 0); /* a TLS session cannot move */
}

CS_EXPORT OM_uint32 gss_import_sec_context(OM_uint32 *minor, gss_buffer_t token,
                                           gss_ctx_id_t *context)
{
    (void)token;
    if (context)
        *context = GSS_C_NO_CONTEXT;
    return cs_minor(minor, GSS_S_UNAVAILABLE, 0);
}

static void put_le32(unsigned char *p, uint32_t v)
{
    p[0] = v & 0xff;
    p[1] = (v >> 8) & 0xff;
    p[2] = (v >> 16) & 0xff;
    p[3] = (unsigned char)(v >> 24);
}

CS_EXPORT OM_uint32 gss_inquire_sec_context_by_oid(OM_uint32 *minor, const gss_ctx_id_t context,
                                                   const gss_OID what, gss_buffer_set_t *out)
{
    struct cs_ctx *ctx = (struct cs_ctx *)context;
    const struct cs_lib *lib = cs_lib_get();
    cs_buffer_set *set;
    unsigned char sizes[12], version;
    unsigned char *der = NULL;
    size_t der_len = 0;
    char info[256];
    const void *data;
    size_t len;
    OM_uint32 major;

    *out = GSS_C_NO_BUFFER_SET;
    if (!ctx || ctx->state != CS_ESTABLISHED)
        return cs_minor(minor, GSS_S_NO_CONTEXT, 0);
    if (CS_OID_IS(what, INQ_SSPI_SESSION_KEY) && ctx->ntlm != NULL)
        return cs_minor(minor, GSS_S_UNAVAILABLE, 0); /* our own NTLM client's: not exported */
    if (CS_OID_IS(what, INQ_SSPI_SESSION_KEY))
        return lib ? lib->inquire_sec_context_by_oid(minor, ctx->inner, what, out)
                   : cs_minor(minor, GSS_S_UNAVAILABLE, 0);
    if (CS_OID_IS(what, GSS_SSPI_SHIM_CREDSSP_INQ_CREDENTIALS_BYTES)) {
        if (ctx->initiator || !ctx->have_creds)
            return cs_minor(minor, GSS_S_UNAVAILABLE, 0);
        if (ctx->creds.cred_type != CSSP_CRED_PASSWORD &&
            ctx->creds.cred_type != CSSP_CRED_SMARTCARD)
            return cs_minor(minor, GSS_S_UNAVAILABLE, 0);
        char *f[3];
        if (delegated_identity(ctx, f, NULL)) {
            size_t l0 = strlen(f[0]), l1 = strlen(f[1]), l2 = strlen(f[2]);
            der_len = l0 + l1 + l2 + 2;
            if ((der = malloc(der_len)) != NULL) {
                memcpy(der, f[0], l0 + 1);
                memcpy(der + l0 + 1, f[1], l1 + 1);
                memcpy(der + l0 + l1 + 2, f[2], l2);
            }
        }
        free_identity(f);
        if (der == NULL)
            return cs_minor(minor, GSS_S_FAILURE, GSS_SSPI_SHIM_CREDSSP_S_BAD_MESSAGE);
        data = der;
        len = der_len;
    } else if (CS_OID_IS(what, GSS_SSPI_SHIM_CREDSSP_INQ_STREAM_SIZES_BYTES)) {
        uint32_t h, t, m;
        cs_stream_sizes(ctx, &h, &t, &m);
        put_le32(sizes, h);
        put_le32(sizes + 4, t);
        put_le32(sizes + 8, m);
        data = sizes;
        len = sizeof(sizes);
    } else if (CS_OID_IS(what, GSS_SSPI_SHIM_CREDSSP_INQ_INFO_BYTES)) {
        const SSL_CIPHER *c = SSL_get_current_cipher(ctx->ssl);
        snprintf(info, sizeof(info), "%s %s v%d", SSL_get_version(ctx->ssl),
                 c ? SSL_CIPHER_get_name(c) : "?", ctx->version);
        data = info;
        len = strlen(info);
    } else if (CS_OID_IS(what, GSS_SSPI_SHIM_CREDSSP_INQ_VERSION_BYTES)) {
        version = (unsigned char)ctx->version;
        data = &version;
        len = 1;
    } else if (CS_OID_IS(what, GSS_SSPI_SHIM_CREDSSP_INQ_EXTRA_BYTES)) {
        if (ctx->initiator)
            return cs_minor(minor, GSS_S_UNAVAILABLE, 0);
        put_le32(sizes, (uint32_t)ctx->extra_len);
        data = sizes;
        len = 4;
    } else {
        return cs_minor(minor, GSS_S_UNAVAILABLE, 0);
    }
    set = calloc(1, sizeof(*set));
    if (!set || !(set->elements = calloc(1, sizeof(gss_buffer_desc)))) {
        free(set);
        cssp_free_secret(der, der_len);
        return cs_minor(minor, GSS_S_FAILURE, ENOMEM);
    }
    set->count = 1;
    major = cs_set_buffer(minor, &set->elements[0], data, len);
    cssp_free_secret(der, der_len);
    if (major != GSS_S_COMPLETE) {
        free(set->elements);
        free(set);
        return major;
    }
    *out = (gss_buffer_set_t)set;
    return cs_minor(minor, GSS_S_COMPLETE, 0);
}

/* ------------------------------------------------------------- per-message */

CS_EXPORT OM_uint32 gss_get_mic(OM_uint32 *minor, gss_ctx_id_t context, gss_qop_t qop,
                                gss_buffer_t msg, gss_buffer_t token)
{
    (void)context; (void)qop; (void)msg;
    clear_buffer(token);
    return cs_minor(minor, GSS_S_UNAVAILABLE, 0); /* TLS has no detached MAC */
}

CS_EXPORT OM_uint32 gss_verify_mic(OM_uint32 *minor, gss_ctx_id_t context, gss_buffer_t msg,
                                   gss_buffer_t token, gss_qop_t *qop)
{
    (void)context; (void)msg; (void)token;
    if (qop)
        *qop = 0;
    return cs_minor(minor, GSS_S_UNAVAILABLE, 0);
}

CS_EXPORT OM_uint32 gss_wrap(OM_uint32 *minor, gss_ctx_id_t context, int conf_req,
                             gss_qop_t qop, gss_buffer_t in, int *conf_state, gss_buffer_t out)
{
    (void)qop;
    clear_buffer(out);
    if (!conf_req) /* every TLS record is encrypted */
        return cs_minor(minor, GSS_S_UNAVAILABLE, 0);
    if (conf_state)
        *conf_state = 1;
    return cs_wrap(minor, (struct cs_ctx *)context, in, out);
}

CS_EXPORT OM_uint32 gss_unwrap(OM_uint32 *minor, gss_ctx_id_t context, gss_buffer_t in,
                               gss_buffer_t out, int *conf_state, gss_qop_t *qop)
{
    if (qop)
        *qop = 0;
    if (conf_state)
        *conf_state = 1;
    clear_buffer(out);
    return cs_unwrap(minor, (struct cs_ctx *)context, in, out);
}

/* The message path without a copy of ours: the record goes straight from
 * OpenSSL's buffer into the caller's HEADER / DATA / TRAILER (PADDING)
 * buffers, and the plaintext straight into DATA. */
CS_EXPORT OM_uint32 gss_wrap_iov(OM_uint32 *minor, gss_ctx_id_t context, int conf_req,
                                 gss_qop_t qop, int *conf_state, gss_iov_buffer_desc *iov,
                                 int count)
{
    (void)qop;
    if (!conf_req)
        return cs_minor(minor, GSS_S_UNAVAILABLE, 0);
    if (conf_state)
        *conf_state = 1;
    return cs_wrap_iov(minor, (struct cs_ctx *)context, iov, count);
}

CS_EXPORT OM_uint32 gss_unwrap_iov(OM_uint32 *minor, gss_ctx_id_t context, int *conf_state,
                                   gss_qop_t *qop, gss_iov_buffer_desc *iov, int count)
{
    if (qop)
        *qop = 0;
    if (conf_state)
        *conf_state = 1;
    return cs_unwrap_iov(minor, (struct cs_ctx *)context, iov, count);
}

CS_EXPORT OM_uint32 gss_wrap_size_limit(OM_uint32 *minor, gss_ctx_id_t context, int conf_req,
                                        gss_qop_t qop, OM_uint32 req_output_size,
                                        OM_uint32 *max_input)
{
    struct cs_ctx *ctx = (struct cs_ctx *)context;
    uint32_t h, t, m, per;
    (void)qop;
    (void)conf_req;
    if (!ctx || ctx->state != CS_ESTABLISHED)
        return cs_minor(minor, GSS_S_NO_CONTEXT, 0);
    cs_stream_sizes(ctx, &h, &t, &m);
    per = h + t;
    /* Whole records of m bytes, then what is left of the last one. */
    OM_uint32 full = req_output_size / (m + per), rest = req_output_size % (m + per);
    *max_input = full * m + (rest > per ? rest - per : 0);
    return cs_minor(minor, GSS_S_COMPLETE, 0);
}

/* ------------------------------------------------------------- status */

static const char *const minor_text[] = {
    "TLS failed (handshake, record or certificate)",
    "TSRequest or TSCredentials does not decode",
    "TSRequest version below the minimum, or changed during the exchange",
    "CredSSP message out of order",
    "pubKeyAuth does not match this TLS session's server key",
    "clientNonce seen before (replayed pubKeyAuth)",
    "the peer reported an error (TSRequest.errorCode)",
    "the inner SPNEGO context failed",
    "no password credential",
    "delegation policy does not allow this target",
    "delegation not allowed without mutual authentication (NTLM only)",
    "mutual authentication asked for, not achieved",
    "server certificate or key unusable",
    "context already established",
    "the GSS library could not be reached from the mechanism",
    "a message over its size limit",
    "the client's NTLM response did not verify (wrong password or unknown user)",
};

CS_EXPORT OM_uint32 gss_display_status(OM_uint32 *minor, OM_uint32 status, int type,
                                       gss_OID mech, OM_uint32 *ctx, gss_buffer_t out)
{
    char buf[128];
    const char *s;
    (void)mech;
    if (ctx)
        *ctx = 0;
    if (type != GSS_C_MECH_CODE) {
        clear_buffer(out);
        return cs_minor(minor, GSS_S_BAD_STATUS, 0);
    }
    if (status > GSS_SSPI_SHIM_CREDSSP_MINOR_BASE && status <= GSS_SSPI_SHIM_CREDSSP_S_LOGON_DENIED) {
        s = minor_text[status - GSS_SSPI_SHIM_CREDSSP_MINOR_BASE - 1];
    } else if (status == 0) {
        s = "success";
    } else {
        snprintf(buf, sizeof(buf), "CredSSP mechanism error %u", status);
        s = buf;
    }
    return cs_set_buffer(minor, out, s, strlen(s));
}

/* ------------------------------------------------------------- mechanisms */

CS_EXPORT OM_uint32 gss_indicate_mechs(OM_uint32 *minor, gss_OID_set *mechs)
{
    const gss_OID_desc *m = &cs_mech_oid;
    return mg_oid_set_of(minor, &m, 1, mechs);
}

CS_EXPORT OM_uint32 gss_inquire_names_for_mech(OM_uint32 *minor, gss_OID mech,
                                               gss_OID_set *types)
{
    const gss_OID_desc *t[] = {&nt_user_name_oid, &nt_hostbased_oid};
    if (!mg_is_mech(mech, &cs_mech_oid))
        return cs_minor(minor, GSS_S_BAD_MECH, 0);
    return mg_oid_set_of(minor, t, 2, types);
}

CS_EXPORT OM_uint32 gss_inquire_mechs_for_name(OM_uint32 *minor, gss_name_t name,
                                               gss_OID_set *mechs)
{
    const gss_OID_desc *m = &cs_mech_oid;
    (void)name;
    return mg_oid_set_of(minor, &m, 1, mechs);
}

/* RFC 5587 3.4.1 mechanism attributes 1.3.6.1.5.5.13.<n> */
#define MA(n) {7, (void *)"\x2b\x06\x01\x05\x05\x0d" n}
static gss_OID_desc ma_oids[] = {
    MA("\x01"), /* GSS_C_MA_MECH_CONCRETE */
    MA("\x08"), /* GSS_C_MA_NOT_DFLT_MECH: SPNEGO must not pick it */
    MA("\x0a"), /* GSS_C_MA_AUTH_INIT */
    MA("\x0b"), /* GSS_C_MA_AUTH_TARG */
    MA("\x0e"), /* GSS_C_MA_DELEG_CRED */
    MA("\x12"), /* GSS_C_MA_CONF_PROT */
    MA("\x14"), /* GSS_C_MA_WRAP */
};

CS_EXPORT OM_uint32 gss_inquire_attrs_for_mech(OM_uint32 *minor, gss_const_OID mech,
                                               gss_OID_set *attrs, gss_OID_set *known)
{
    if (!mg_is_mech(mech, &cs_mech_oid)) {
        if (attrs)
            *attrs = GSS_C_NO_OID_SET;
        if (known)
            *known = GSS_C_NO_OID_SET;
        return cs_minor(minor, GSS_S_BAD_MECH, 0);
    }
    return mg_inquire_attrs(minor, ma_oids, sizeof(ma_oids) / sizeof(ma_oids[0]), attrs, known);
}

/* ------------------------------------------------------------- names */

CS_EXPORT OM_uint32 gss_import_name(OM_uint32 *minor, gss_buffer_t buf, gss_OID type,
                                    gss_name_t *out)
{
    struct cs_name *n = NULL;
    enum cs_name_kind kind;
    OM_uint32 major;
    *out = GSS_C_NO_NAME;
    if (buf == NULL || buf->length == 0)
        return cs_minor(minor, GSS_S_BAD_NAME, 0);
    if (type == GSS_C_NO_OID || CS_OID_IS(type, "\x2a\x86\x48\x86\xf7\x12\x01\x02\x01\x01"))
        kind = CS_NAME_USER;
    else if (CS_OID_IS(type, "\x2a\x86\x48\x86\xf7\x12\x01\x02\x01\x04") ||
             CS_OID_IS(type, "\x2b\x06\x01\x05\x06\x02"))
        kind = CS_NAME_SERVICE;
    else
        return cs_minor(minor, GSS_S_BAD_NAMETYPE, 0);
    major = cs_name_new(minor, kind, buf->value, buf->length, &n);
    /* "service" alone means service@localhost (RFC 2743 4.1). */
    if (major == GSS_S_COMPLETE && kind == CS_NAME_SERVICE && strchr(n->value, '@') == NULL) {
        char *full = malloc(strlen(n->value) + sizeof("@localhost"));
        if (full == NULL) {
            cs_name_free(n);
            return cs_minor(minor, GSS_S_FAILURE, ENOMEM);
        }
        strcpy(full, n->value);
        strcat(full, "@localhost");
        free(n->value);
        n->value = full;
    }
    *out = (gss_name_t)n;
    return major;
}

CS_EXPORT OM_uint32 gss_display_name(OM_uint32 *minor, gss_name_t name, gss_buffer_t out,
                                     gss_OID *type)
{
    struct cs_name *n = (struct cs_name *)name;
    if (!n)
        return cs_minor(minor, GSS_S_BAD_NAME, 0);
    OM_uint32 major = cs_set_buffer(minor, out, n->value, strlen(n->value));
    const gss_OID_desc *t = n->kind == CS_NAME_USER ? &nt_user_name_oid : &nt_hostbased_oid;
    if (major != GSS_S_COMPLETE || !type)
        return major;
    /* MIT's mechglue releases a mechanism name's type (mg_name_type). */
    major = mg_name_type(minor, t, type);
    if (major != GSS_S_COMPLETE) {
        free(out->value);
        clear_buffer(out);
    }
    return major;
}

CS_EXPORT OM_uint32 gss_compare_name(OM_uint32 *minor, gss_name_t a, gss_name_t b, int *equal)
{
    struct cs_name *x = (struct cs_name *)a, *y = (struct cs_name *)b;
    if (!x || !y)
        return cs_minor(minor, GSS_S_BAD_NAME, 0);
    *equal = x->kind == y->kind && strcmp(x->value, y->value) == 0;
    return cs_minor(minor, GSS_S_COMPLETE, 0);
}

CS_EXPORT OM_uint32 gss_release_name(OM_uint32 *minor, gss_name_t *name)
{
    if (name && *name) {
        cs_name_free((struct cs_name *)*name);
        *name = GSS_C_NO_NAME;
    }
    return cs_minor(minor, GSS_S_COMPLETE, 0);
}

static OM_uint32 duplicate_name(OM_uint32 *minor, gss_name_t in, gss_name_t *out)
{
    struct cs_name *n = (struct cs_name *)in, *copy = NULL;
    OM_uint32 major;
    if (!n)
        return cs_minor(minor, GSS_S_BAD_NAME, 0);
    major = cs_name_new(minor, n->kind, n->value, strlen(n->value), &copy);
    *out = (gss_name_t)copy;
    return major;
}

CS_EXPORT OM_uint32 gss_canonicalize_name(OM_uint32 *minor, gss_name_t in, gss_OID mech,
                                          gss_name_t *out)
{
    if (!mg_is_mech(mech, &cs_mech_oid))
        return cs_minor(minor, GSS_S_BAD_MECH, 0);
    return duplicate_name(minor, in, out);
}

CS_EXPORT OM_uint32 gss_duplicate_name(OM_uint32 *minor, gss_name_t in, gss_name_t *out)
{
    return duplicate_name(minor, in, out);
}

/* RFC 2743 3.2: 04 01, OID length, OID, name length (4 bytes), name. */
CS_EXPORT OM_uint32 gss_export_name(OM_uint32 *minor, gss_name_t name, gss_buffer_t out)
{
    struct cs_name *n = (struct cs_name *)name;
    size_t vl, ol = GSS_SSPI_SHIM_CREDSSP_MECH_OID_LENGTH;
    unsigned char *p;
    clear_buffer(out);
    if (!n)
        return cs_minor(minor, GSS_S_BAD_NAME, 0);
    vl = strlen(n->value);
    p = malloc(4 + 2 + ol + 4 + vl);
    if (p == NULL)
        return cs_minor(minor, GSS_S_FAILURE, ENOMEM);
    p[0] = 0x04; p[1] = 0x01;
    p[2] = (unsigned char)((ol + 2) >> 8); p[3] = (unsigned char)(ol + 2);
    p[4] = 0x06; p[5] = (unsigned char)ol;
    memcpy(p + 6, GSS_SSPI_SHIM_CREDSSP_MECH_OID_BYTES, ol);
    p[6 + ol] = (unsigned char)(vl >> 24); p[7 + ol] = (unsigned char)(vl >> 16);
    p[8 + ol] = (unsigned char)(vl >> 8); p[9 + ol] = (unsigned char)vl;
    memcpy(p + 10 + ol, n->value, vl);
    out->value = p;
    out->length = 10 + ol + vl;
    return cs_minor(minor, GSS_S_COMPLETE, 0);
}
