/*
 * The mechanism's exported entry points: the names mechglue (Heimdal 7.8
 * lib/gssapi/mech/gss_mech_switch.c, MIT src/lib/gssapi/mechglue/
 * g_initialize.c) looks up with dlsym, listed in sspi_shim_digest.sym.
 *
 * The GSS headers declare these same names for the library's API; they are
 * renamed while the headers are read so that this file can define the
 * mechanism's versions (same ABI) without clashing with either library's
 * const qualifiers.  Nothing in the module calls these functions: the
 * helpers behind them are static or hidden dg_* functions.
 */
#include "config.h"

#define gss_acquire_cred dg_hdr_acquire_cred
#define gss_release_cred dg_hdr_release_cred
#define gss_init_sec_context dg_hdr_init_sec_context
#define gss_accept_sec_context dg_hdr_accept_sec_context
#define gss_process_context_token dg_hdr_process_context_token
#define gss_delete_sec_context dg_hdr_delete_sec_context
#define gss_context_time dg_hdr_context_time
#define gss_get_mic dg_hdr_get_mic
#define gss_verify_mic dg_hdr_verify_mic
#define gss_wrap dg_hdr_wrap
#define gss_unwrap dg_hdr_unwrap
#define gss_display_status dg_hdr_display_status
#define gss_indicate_mechs dg_hdr_indicate_mechs
#define gss_compare_name dg_hdr_compare_name
#define gss_display_name dg_hdr_display_name
#define gss_import_name dg_hdr_import_name
#define gss_export_name dg_hdr_export_name
#define gss_release_name dg_hdr_release_name
#define gss_inquire_cred dg_hdr_inquire_cred
#define gss_inquire_context dg_hdr_inquire_context
#define gss_wrap_size_limit dg_hdr_wrap_size_limit
#define gss_add_cred dg_hdr_add_cred
#define gss_inquire_cred_by_mech dg_hdr_inquire_cred_by_mech
#define gss_export_sec_context dg_hdr_export_sec_context
#define gss_import_sec_context dg_hdr_import_sec_context
#define gss_inquire_names_for_mech dg_hdr_inquire_names_for_mech
#define gss_inquire_mechs_for_name dg_hdr_inquire_mechs_for_name
#define gss_canonicalize_name dg_hdr_canonicalize_name
#define gss_duplicate_name dg_hdr_duplicate_name
#define gss_inquire_sec_context_by_oid dg_hdr_inquire_sec_context_by_oid
#define gss_inquire_attrs_for_mech dg_hdr_inquire_attrs_for_mech
#define gss_inquire_saslname_for_mech dg_hdr_inquire_saslname_for_mech
#define gss_inquire_mech_for_saslname dg_hdr_inquire_mech_for_saslname

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/crypto.h>

#include "digest_gss.h"
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
#undef gss_inquire_saslname_for_mech
#undef gss_inquire_mech_for_saslname

#define DG_EXPORT __attribute__((visibility("default")))

/* Prototypes of the exported entry points (the GSS headers' own
 * declarations were renamed above). */
DG_EXPORT OM_uint32 gss_acquire_cred(OM_uint32 *minor, gss_name_t desired_name,
                                     OM_uint32 time_req, gss_OID_set desired_mechs,
                                     gss_cred_usage_t usage, gss_cred_id_t *out,
                                     gss_OID_set *actual_mechs, OM_uint32 *time_rec);
DG_EXPORT OM_uint32 gssspi_acquire_cred_with_password(
    OM_uint32 *minor, const gss_name_t desired_name, const gss_buffer_t password,
    OM_uint32 time_req, const gss_OID_set desired_mechs, gss_cred_usage_t usage,
    gss_cred_id_t *out, gss_OID_set *actual_mechs, OM_uint32 *time_rec);
DG_EXPORT OM_uint32 gssspi_set_cred_option(OM_uint32 *minor, gss_cred_id_t *cred,
                                           const gss_OID option, const gss_buffer_t value);
DG_EXPORT OM_uint32 gss_release_cred(OM_uint32 *minor, gss_cred_id_t *cred);
DG_EXPORT OM_uint32 gss_inquire_cred(OM_uint32 *minor, gss_cred_id_t cred, gss_name_t *name,
                                     OM_uint32 *lifetime, gss_cred_usage_t *usage,
                                     gss_OID_set *mechs);
DG_EXPORT OM_uint32 gss_inquire_cred_by_mech(OM_uint32 *minor, gss_cred_id_t cred,
                                             gss_OID mech, gss_name_t *name,
                                             OM_uint32 *init_lifetime, OM_uint32 *accept_lifetime,
                                             gss_cred_usage_t *usage);
DG_EXPORT OM_uint32 gss_add_cred(OM_uint32 *minor, gss_cred_id_t input_cred, gss_name_t name,
                                 gss_OID mech, gss_cred_usage_t usage, OM_uint32 init_time,
                                 OM_uint32 accept_time, gss_cred_id_t *out,
                                 gss_OID_set *actual_mechs, OM_uint32 *init_rec,
                                 OM_uint32 *accept_rec);
DG_EXPORT OM_uint32 gss_init_sec_context(OM_uint32 *minor, gss_cred_id_t cred,
                                         gss_ctx_id_t *context, gss_name_t target,
                                         gss_OID mech, OM_uint32 req_flags, OM_uint32 time_req,
                                         gss_channel_bindings_t cb, gss_buffer_t input,
                                         gss_OID *actual_mech, gss_buffer_t output,
                                         OM_uint32 *ret_flags, OM_uint32 *time_rec);
DG_EXPORT OM_uint32 gss_accept_sec_context(OM_uint32 *minor, gss_ctx_id_t *context,
                                           gss_cred_id_t cred, gss_buffer_t input,
                                           gss_channel_bindings_t cb, gss_name_t *src_name,
                                           gss_OID *mech, gss_buffer_t output,
                                           OM_uint32 *ret_flags, OM_uint32 *time_rec,
                                           gss_cred_id_t *delegated);
DG_EXPORT OM_uint32 gss_delete_sec_context(OM_uint32 *minor, gss_ctx_id_t *context,
                                           gss_buffer_t output);
DG_EXPORT OM_uint32 gss_process_context_token(OM_uint32 *minor, gss_ctx_id_t context,
                                              gss_buffer_t token);
DG_EXPORT OM_uint32 gss_context_time(OM_uint32 *minor, gss_ctx_id_t context, OM_uint32 *t);
DG_EXPORT OM_uint32 gss_inquire_context(OM_uint32 *minor, gss_ctx_id_t context,
                                        gss_name_t *src, gss_name_t *targ, OM_uint32 *lifetime,
                                        gss_OID *mech, OM_uint32 *flags, int *local, int *open);
DG_EXPORT OM_uint32 gss_export_sec_context(OM_uint32 *minor, gss_ctx_id_t *context,
                                           gss_buffer_t token);
DG_EXPORT OM_uint32 gss_import_sec_context(OM_uint32 *minor, gss_buffer_t token,
                                           gss_ctx_id_t *context);
DG_EXPORT OM_uint32 gss_inquire_sec_context_by_oid(OM_uint32 *minor, const gss_ctx_id_t context,
                                                   const gss_OID what, gss_buffer_set_t *out);
DG_EXPORT OM_uint32 gss_get_mic(OM_uint32 *minor, gss_ctx_id_t context, gss_qop_t qop,
                                gss_buffer_t msg, gss_buffer_t token);
DG_EXPORT OM_uint32 gss_verify_mic(OM_uint32 *minor, gss_ctx_id_t context, gss_buffer_t msg,
                                   gss_buffer_t token, gss_qop_t *qop);
DG_EXPORT OM_uint32 gss_wrap(OM_uint32 *minor, gss_ctx_id_t context, int conf_req,
                             gss_qop_t qop, gss_buffer_t in, int *conf_state, gss_buffer_t out);
DG_EXPORT OM_uint32 gss_unwrap(OM_uint32 *minor, gss_ctx_id_t context, gss_buffer_t in,
                               gss_buffer_t out, int *conf_state, gss_qop_t *qop);
DG_EXPORT OM_uint32 gss_wrap_size_limit(OM_uint32 *minor, gss_ctx_id_t context, int conf_req,
                                        gss_qop_t qop, OM_uint32 req_output_size,
                                        OM_uint32 *max_input);
DG_EXPORT OM_uint32 gss_display_status(OM_uint32 *minor, OM_uint32 status, int type,
                                       gss_OID mech, OM_uint32 *ctx, gss_buffer_t out);
DG_EXPORT OM_uint32 gss_indicate_mechs(OM_uint32 *minor, gss_OID_set *mechs);
DG_EXPORT OM_uint32 gss_inquire_names_for_mech(OM_uint32 *minor, gss_OID mech,
                                               gss_OID_set *types);
DG_EXPORT OM_uint32 gss_inquire_mechs_for_name(OM_uint32 *minor, gss_name_t name,
                                               gss_OID_set *mechs);
DG_EXPORT OM_uint32 gss_inquire_attrs_for_mech(OM_uint32 *minor, gss_const_OID mech,
                                               gss_OID_set *attrs, gss_OID_set *known);
DG_EXPORT OM_uint32 gss_inquire_saslname_for_mech(OM_uint32 *minor, const gss_OID mech,
                                                  gss_buffer_t sasl_name, gss_buffer_t mech_name,
                                                  gss_buffer_t description);
DG_EXPORT OM_uint32 gss_inquire_mech_for_saslname(OM_uint32 *minor, const gss_buffer_t sasl_name,
                                                  gss_OID *mech);
DG_EXPORT OM_uint32 gss_import_name(OM_uint32 *minor, gss_buffer_t buf, gss_OID type,
                                    gss_name_t *out);
DG_EXPORT OM_uint32 gss_display_name(OM_uint32 *minor, gss_name_t name, gss_buffer_t out,
                                     gss_OID *type);
DG_EXPORT OM_uint32 gss_compare_name(OM_uint32 *minor, gss_name_t a, gss_name_t b, int *equal);
DG_EXPORT OM_uint32 gss_release_name(OM_uint32 *minor, gss_name_t *name);
DG_EXPORT OM_uint32 gss_canonicalize_name(OM_uint32 *minor, gss_name_t in, gss_OID mech,
                                          gss_name_t *out);
DG_EXPORT OM_uint32 gss_duplicate_name(OM_uint32 *minor, gss_name_t in, gss_name_t *out);
DG_EXPORT OM_uint32 gss_export_name(OM_uint32 *minor, gss_name_t name, gss_buffer_t out);

/* Buffer sets as both libraries define them (count + elements). */
typedef struct dg_buffer_set {
    size_t count;
    gss_buffer_desc *elements;
} dg_buffer_set;

/* Splits a token into parameters (include/gssapi_sspi_shim_digest.h). */
static OM_uint32 token_params(OM_uint32 *minor, const gss_buffer_desc *tok,
                              struct gssmap_digest_params *p)
{
    memset(p, 0, sizeof(*p));
    if (!tok || tok->length == 0)
        return GSS_S_COMPLETE; /* empty wire message */
    if (tok->length > GSS_SSPI_SHIM_DIGEST_PARAMS_MAX)
        return dg_minor(minor, GSS_S_DEFECTIVE_TOKEN, GSS_SSPI_SHIM_DIGEST_S_LIMIT);
    if (gssmap_digest_params_parse_token(tok->value, tok->length, p) < 0)
        return dg_minor(minor, GSS_S_DEFECTIVE_TOKEN, GSS_SSPI_SHIM_DIGEST_S_BAD_PARAMS);
    return GSS_S_COMPLETE;
}

/* P_MODE, else "Digest" scheme = HTTP, else SASL (contract P_MODE). */
static OM_uint32 pick_mode(OM_uint32 *minor, const struct gssmap_digest_params *p, char *mode)
{
    const char *w = (const char *)p->value[GSS_SSPI_SHIM_DIGEST_P_WIRE].data;
    size_t wl = p->value[GSS_SSPI_SHIM_DIGEST_P_WIRE].length;
    if (gssmap_digest_param_has(p, GSS_SSPI_SHIM_DIGEST_P_MODE)) {
        const uint8_t *m = p->value[GSS_SSPI_SHIM_DIGEST_P_MODE].data;
        if (p->value[GSS_SSPI_SHIM_DIGEST_P_MODE].length != 1 || (m[0] != 'H' && m[0] != 'S'))
            return dg_minor(minor, GSS_S_DEFECTIVE_TOKEN, GSS_SSPI_SHIM_DIGEST_S_BAD_PARAMS);
        *mode = (char)m[0];
    } else {
        *mode = (wl >= 6 && strncasecmp(w, "Digest", 6) == 0 && (wl == 6 || w[6] == ' ')) ? 'H'
                                                                                          : 'S';
    }
    return GSS_S_COMPLETE;
}

/* ------------------------------------------------------------- credentials */

DG_EXPORT OM_uint32 gss_acquire_cred(OM_uint32 *minor, gss_name_t desired_name,
                                     OM_uint32 time_req, gss_OID_set desired_mechs,
                                     gss_cred_usage_t usage, gss_cred_id_t *out,
                                     gss_OID_set *actual_mechs, OM_uint32 *time_rec)
{
    struct dg_cred *c = NULL;
    OM_uint32 major;
    const gss_OID_desc *mech = &dg_mech_oid;
    (void)time_req;
    *out = GSS_C_NO_CREDENTIAL;
    if (!mg_set_has_mech(desired_mechs, &dg_mech_oid))
        return dg_minor(minor, GSS_S_BAD_MECH, 0);
    /* Initiator credentials come only with a password. */
    if (usage == GSS_C_INITIATE)
        return dg_minor(minor, GSS_S_NO_CRED, GSS_SSPI_SHIM_DIGEST_S_NO_PASSWORD);
    major = dg_cred_acquire_acceptor(minor, &c);
    if (major != GSS_S_COMPLETE)
        return major;
    /* An acceptor name is the service the SASL digest-uri must name. */
    if (desired_name && dg_name_new(minor, DG_NAME_TARGET, ((struct dg_name *)desired_name)->value,
                                    &c->name) != GSS_S_COMPLETE) {
        dg_cred_unref(c);
        return GSS_S_FAILURE;
    }
    if (actual_mechs && mg_oid_set_of(minor, &mech, 1, actual_mechs) != GSS_S_COMPLETE) {
        dg_cred_unref(c);
        return GSS_S_FAILURE;
    }
    if (time_rec)
        *time_rec = GSS_C_INDEFINITE;
    *out = (gss_cred_id_t)c;
    return GSS_S_COMPLETE;
}

DG_EXPORT OM_uint32 gssspi_acquire_cred_with_password(
    OM_uint32 *minor, const gss_name_t desired_name, const gss_buffer_t password,
    OM_uint32 time_req, const gss_OID_set desired_mechs, gss_cred_usage_t usage,
    gss_cred_id_t *out, gss_OID_set *actual_mechs, OM_uint32 *time_rec)
{
    struct dg_cred *c = NULL;
    OM_uint32 major;
    const gss_OID_desc *mech = &dg_mech_oid;
    (void)time_req;
    *out = GSS_C_NO_CREDENTIAL;
    if (!mg_set_has_mech(desired_mechs, &dg_mech_oid))
        return dg_minor(minor, GSS_S_BAD_MECH, 0);
    if (usage == GSS_C_ACCEPT)
        return dg_minor(minor, GSS_S_NO_CRED, GSS_SSPI_SHIM_DIGEST_S_NO_USER_STORE);
    major = dg_cred_acquire_password(minor, (const struct dg_name *)desired_name, password, &c);
    if (major != GSS_S_COMPLETE)
        return major;
    if (actual_mechs && mg_oid_set_of(minor, &mech, 1, actual_mechs) != GSS_S_COMPLETE) {
        dg_cred_unref(c);
        return GSS_S_FAILURE;
    }
    if (time_rec)
        *time_rec = GSS_C_INDEFINITE;
    *out = (gss_cred_id_t)c;
    return GSS_S_COMPLETE;
}

DG_EXPORT OM_uint32 gssspi_set_cred_option(OM_uint32 *minor, gss_cred_id_t *cred,
                                           const gss_OID option, const gss_buffer_t value)
{
    struct dg_cred *c;
    OM_uint32 major;
    if (!cred)
        return dg_minor(minor, GSS_S_CALL_INACCESSIBLE_WRITE, 0);
    c = (struct dg_cred *)*cred;
    major = dg_cred_set_option(minor, &c, option, value);
    if (major == GSS_S_COMPLETE)
        *cred = (gss_cred_id_t)c;
    return major;
}

DG_EXPORT OM_uint32 gss_release_cred(OM_uint32 *minor, gss_cred_id_t *cred)
{
    if (cred && *cred != GSS_C_NO_CREDENTIAL) {
        dg_cred_unref((struct dg_cred *)*cred);
        *cred = GSS_C_NO_CREDENTIAL;
    }
    return dg_minor(minor, GSS_S_COMPLETE, 0);
}

static OM_uint32 inquire_cred(OM_uint32 *minor, gss_cred_id_t cred, gss_name_t *name,
                              OM_uint32 *lifetime, gss_cred_usage_t *usage, gss_OID_set *mechs)
{
    struct dg_cred *c = (struct dg_cred *)cred;
    const gss_OID_desc *mech = &dg_mech_oid;
    if (!c)
        return dg_minor(minor, GSS_S_NO_CRED, 0);
    if (name) {
        *name = GSS_C_NO_NAME;
        if (c->name) {
            struct dg_name *n = NULL;
            if (dg_name_new(minor, c->name->kind, c->name->value, &n) != GSS_S_COMPLETE)
                return GSS_S_FAILURE;
            *name = (gss_name_t)n;
        }
    }
    if (lifetime)
        *lifetime = GSS_C_INDEFINITE;
    if (usage)
        *usage = c->initiator ? GSS_C_INITIATE : GSS_C_ACCEPT;
    if (mechs && mg_oid_set_of(minor, &mech, 1, mechs) != GSS_S_COMPLETE) {
        if (name && *name) {
            dg_name_free((struct dg_name *)*name);
            *name = GSS_C_NO_NAME;
        }
        return GSS_S_FAILURE;
    }
    return dg_minor(minor, GSS_S_COMPLETE, 0);
}

DG_EXPORT OM_uint32 gss_inquire_cred(OM_uint32 *minor, gss_cred_id_t cred, gss_name_t *name,
                                     OM_uint32 *lifetime, gss_cred_usage_t *usage,
                                     gss_OID_set *mechs)
{
    return inquire_cred(minor, cred, name, lifetime, usage, mechs);
}

DG_EXPORT OM_uint32 gss_inquire_cred_by_mech(OM_uint32 *minor, gss_cred_id_t cred,
                                             gss_OID mech, gss_name_t *name,
                                             OM_uint32 *init_lifetime, OM_uint32 *accept_lifetime,
                                             gss_cred_usage_t *usage)
{
    struct dg_cred *c = (struct dg_cred *)cred;
    if (!mg_is_mech(mech, &dg_mech_oid))
        return dg_minor(minor, GSS_S_BAD_MECH, 0);
    if (!c)
        return dg_minor(minor, GSS_S_NO_CRED, 0);
    if (init_lifetime)
        *init_lifetime = c->initiator ? GSS_C_INDEFINITE : 0;
    if (accept_lifetime)
        *accept_lifetime = c->initiator ? 0 : GSS_C_INDEFINITE;
    return inquire_cred(minor, cred, name, NULL, usage, NULL);
}

DG_EXPORT OM_uint32 gss_add_cred(OM_uint32 *minor, gss_cred_id_t input_cred, gss_name_t name,
                                 gss_OID mech, gss_cred_usage_t usage, OM_uint32 init_time,
                                 OM_uint32 accept_time, gss_cred_id_t *out,
                                 gss_OID_set *actual_mechs, OM_uint32 *init_rec,
                                 OM_uint32 *accept_rec)
{
    (void)input_cred; (void)name; (void)mech; (void)usage; (void)init_time; (void)accept_time;
    (void)actual_mechs; (void)init_rec; (void)accept_rec;
    if (out)
        *out = GSS_C_NO_CREDENTIAL;
    /* A Digest credential holds one mechanism; there is nothing to add. */
    return dg_minor(minor, GSS_S_UNAVAILABLE, 0);
}

/* ------------------------------------------------------------- contexts */

DG_EXPORT OM_uint32 gss_init_sec_context(OM_uint32 *minor, gss_cred_id_t cred,
                                         gss_ctx_id_t *context, gss_name_t target,
                                         gss_OID mech, OM_uint32 req_flags, OM_uint32 time_req,
                                         gss_channel_bindings_t cb, gss_buffer_t input,
                                         gss_OID *actual_mech, gss_buffer_t output,
                                         OM_uint32 *ret_flags, OM_uint32 *time_rec)
{
    struct dg_cred *c = (struct dg_cred *)cred;
    struct dg_ctx *ctx = (struct dg_ctx *)*context;
    struct gssmap_digest_params p;
    OM_uint32 major;
    char mode;
    int created = 0;
    (void)time_req;

    output->value = NULL;
    output->length = 0;
    if (actual_mech)
        *actual_mech = &dg_mech_oid;
    if (!mg_is_mech(mech, &dg_mech_oid))
        return dg_minor(minor, GSS_S_BAD_MECH, 0);
    if (ctx && ctx->state == DG_ESTABLISHED)
        return dg_minor(minor, GSS_S_FAILURE, GSS_SSPI_SHIM_DIGEST_S_ESTABLISHED);
    if (!ctx) {
        /* Never from a default credential, so SPNEGO does not offer Digest. */
        if (!c || !c->initiator || !c->password)
            return dg_minor(minor, GSS_S_NO_CRED, GSS_SSPI_SHIM_DIGEST_S_NO_PASSWORD);
        ctx = calloc(1, sizeof(*ctx));
        if (!ctx)
            return dg_minor(minor, GSS_S_FAILURE, ENOMEM);
        ctx->initiator = 1;
        ctx->cred = dg_cred_ref(c);
        if (target && dg_name_new(minor, DG_NAME_TARGET, ((struct dg_name *)target)->value,
                                  &ctx->target) != GSS_S_COMPLETE) {
            dg_ctx_free(ctx);
            return GSS_S_FAILURE;
        }
        *context = (gss_ctx_id_t)ctx;
        created = 1;
        if (!input || input->length == 0) {
            /* The server speaks first in both HTTP and SASL Digest. */
            if (ret_flags)
                *ret_flags = 0;
            return dg_minor(minor, GSS_S_CONTINUE_NEEDED, 0);
        }
    }
    major = token_params(minor, input, &p);
    if (major == GSS_S_COMPLETE && !ctx->mode) {
        major = pick_mode(minor, &p, &mode);
        ctx->mode = mode;
    }
    if (major == GSS_S_COMPLETE)
        major = ctx->mode == 'H' ? dg_http_init(minor, ctx, req_flags, &p, cb, output)
                                 : dg_sasl_init(minor, ctx, req_flags, &p, output);
    if (ret_flags)
        *ret_flags = ctx->flags;
    if (time_rec)
        *time_rec = GSS_C_INDEFINITE;
    if (GSS_ERROR(major)) {
        free(output->value);
        output->value = NULL;
        output->length = 0;
        if (created) {
            dg_ctx_free(ctx);
            *context = GSS_C_NO_CONTEXT;
        }
    }
    return major;
}

DG_EXPORT OM_uint32 gss_accept_sec_context(OM_uint32 *minor, gss_ctx_id_t *context,
                                           gss_cred_id_t cred, gss_buffer_t input,
                                           gss_channel_bindings_t cb, gss_name_t *src_name,
                                           gss_OID *mech, gss_buffer_t output,
                                           OM_uint32 *ret_flags, OM_uint32 *time_rec,
                                           gss_cred_id_t *delegated)
{
    struct dg_ctx *ctx = (struct dg_ctx *)*context;
    struct gssmap_digest_params p;
    OM_uint32 major;
    int created = 0;

    output->value = NULL;
    output->length = 0;
    if (src_name)
        *src_name = GSS_C_NO_NAME;
    if (mech)
        *mech = &dg_mech_oid;
    if (delegated)
        *delegated = GSS_C_NO_CREDENTIAL;
    if (ret_flags)
        *ret_flags = 0;
    if (ctx && ctx->state == DG_ESTABLISHED)
        return dg_minor(minor, GSS_S_FAILURE, GSS_SSPI_SHIM_DIGEST_S_ESTABLISHED);
    major = token_params(minor, input, &p);
    if (major != GSS_S_COMPLETE)
        return major;
    if (!ctx) {
        struct dg_cred *c = (struct dg_cred *)cred;
        if (c && c->initiator)
            return dg_minor(minor, GSS_S_NO_CRED, GSS_SSPI_SHIM_DIGEST_S_NO_USER_STORE);
        if (c)
            dg_cred_ref(c);
        else if ((major = dg_cred_acquire_acceptor(minor, &c)) != GSS_S_COMPLETE)
            return major;
        if (!c->store) {
            dg_cred_unref(c);
            return dg_minor(minor, GSS_S_NO_CRED, GSS_SSPI_SHIM_DIGEST_S_NO_USER_STORE);
        }
        ctx = calloc(1, sizeof(*ctx));
        if (!ctx) {
            dg_cred_unref(c);
            return dg_minor(minor, GSS_S_FAILURE, ENOMEM);
        }
        ctx->cred = c;
        if (c->name && dg_name_new(minor, DG_NAME_TARGET, c->name->value, &ctx->target) !=
                           GSS_S_COMPLETE) {
            dg_ctx_free(ctx);
            return GSS_S_FAILURE;
        }
        /* P_MODE; else a "Digest" wire message is HTTP; an empty first
         * leg defaults to SASL (contract P_MODE). */
        if ((major = pick_mode(minor, &p, &ctx->mode)) != GSS_S_COMPLETE) {
            dg_ctx_free(ctx);
            return major;
        }
        *context = (gss_ctx_id_t)ctx;
        created = 1;
    }
    major = ctx->mode == 'H' ? dg_http_accept(minor, ctx, &p, cb, output)
                             : dg_sasl_accept(minor, ctx, &p, output);
    if (major == GSS_S_COMPLETE && src_name && ctx->user) {
        struct dg_name *n = NULL;
        if (dg_name_new(minor, DG_NAME_USER, ctx->user, &n) != GSS_S_COMPLETE) {
            free(output->value);
            output->value = NULL;
            output->length = 0;
            return GSS_S_FAILURE;
        }
        *src_name = (gss_name_t)n;
    }
    if (ret_flags)
        *ret_flags = ctx->flags;
    if (time_rec)
        *time_rec = GSS_C_INDEFINITE;
    if (GSS_ERROR(major) || major == GSS_S_DUPLICATE_TOKEN) {
        free(output->value);
        output->value = NULL;
        output->length = 0;
        if (created) { /* RFC 2744 5.1: no context after a failed first call */
            dg_ctx_free(ctx);
            *context = GSS_C_NO_CONTEXT;
        }
    }
    return major;
}

DG_EXPORT OM_uint32 gss_delete_sec_context(OM_uint32 *minor, gss_ctx_id_t *context,
                                           gss_buffer_t output)
{
    if (output) {
        output->value = NULL;
        output->length = 0;
    }
    if (context && *context != GSS_C_NO_CONTEXT) {
        dg_ctx_free((struct dg_ctx *)*context);
        *context = GSS_C_NO_CONTEXT;
    }
    return dg_minor(minor, GSS_S_COMPLETE, 0);
}

DG_EXPORT OM_uint32 gss_process_context_token(OM_uint32 *minor, gss_ctx_id_t context,
                                              gss_buffer_t token)
{
    (void)context;
    (void)token;
    return dg_minor(minor, GSS_S_UNAVAILABLE, 0); /* Digest has no context tokens */
}

DG_EXPORT OM_uint32 gss_context_time(OM_uint32 *minor, gss_ctx_id_t context, OM_uint32 *t)
{
    if (!context)
        return dg_minor(minor, GSS_S_NO_CONTEXT, 0);
    if (t)
        *t = GSS_C_INDEFINITE;
    return dg_minor(minor, GSS_S_COMPLETE, 0);
}

DG_EXPORT OM_uint32 gss_inquire_context(OM_uint32 *minor, gss_ctx_id_t context,
                                        gss_name_t *src, gss_name_t *targ, OM_uint32 *lifetime,
                                        gss_OID *mech, OM_uint32 *flags, int *local, int *open)
{
    struct dg_ctx *ctx = (struct dg_ctx *)context;
    struct dg_name *s = NULL, *t = NULL;
    const char *user, *target;
    if (!ctx)
        return dg_minor(minor, GSS_S_NO_CONTEXT, 0);
    user = ctx->initiator ? ctx->cred->name->value : ctx->user;
    target = ctx->initiator ? (ctx->target ? ctx->target->value : NULL)
                            : (ctx->mode == 'H' ? ctx->uri : ctx->sasl_digest_uri);
    if (src && user && dg_name_new(minor, DG_NAME_USER, user, &s) != GSS_S_COMPLETE)
        return GSS_S_FAILURE;
    if (targ && target && dg_name_new(minor, DG_NAME_TARGET, target, &t) != GSS_S_COMPLETE) {
        dg_name_free(s);
        return GSS_S_FAILURE;
    }
    if (src)
        *src = (gss_name_t)s;
    if (targ)
        *targ = (gss_name_t)t;
    if (lifetime)
        *lifetime = GSS_C_INDEFINITE;
    if (mech)
        *mech = &dg_mech_oid;
    if (flags)
        *flags = ctx->flags;
    if (local)
        *local = ctx->initiator;
    if (open)
        *open = ctx->state == DG_ESTABLISHED;
    return dg_minor(minor, GSS_S_COMPLETE, 0);
}

DG_EXPORT OM_uint32 gss_export_sec_context(OM_uint32 *minor, gss_ctx_id_t *context,
                                           gss_buffer_t token)
{
    (void)context;
    if (token) {
        token->value = NULL;
        token->length = 0;
    }
    return dg_minor(minor, GSS_S_UNAVAILABLE, 0); /* not supported */
}

DG_EXPORT OM_uint32 gss_import_sec_context(OM_uint32 *minor, gss_buffer_t token,
                                           gss_ctx_id_t *context)
{
    (void)token;
    if (context)
        *context = GSS_C_NO_CONTEXT;
    return dg_minor(minor, GSS_S_UNAVAILABLE, 0);
}

/* GSS_C_INQ_SSPI_SESSION_KEY 1.2.840.113554.1.2.2.5.5 */
#define INQ_SSPI_SESSION_KEY "\x2a\x86\x48\x86\xf7\x12\x01\x02\x02\x05\x05"

static int hexval(char c)
{
    return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c - 'A' + 10;
}

DG_EXPORT OM_uint32 gss_inquire_sec_context_by_oid(OM_uint32 *minor, const gss_ctx_id_t context,
                                                   const gss_OID what, gss_buffer_set_t *out)
{
    struct dg_ctx *ctx = (struct dg_ctx *)context;
    dg_buffer_set *set;
    unsigned char key[DIGEST_HASH_MAX];
    char info[128];
    const void *data;
    size_t len, i;
    OM_uint32 major;

    *out = GSS_C_NO_BUFFER_SET;
    if (!ctx || ctx->state != DG_ESTABLISHED)
        return dg_minor(minor, GSS_S_NO_CONTEXT, 0);
    if (DG_OID_IS(what, GSS_SSPI_SHIM_DIGEST_INQ_INFO_BYTES)) {
        snprintf(info, sizeof(info), "%s %s %s%s%s", ctx->mode == 'H' ? "HTTP" : "SASL",
                 digest_alg_name(ctx->alg), digest_qop_name(ctx->qop),
                 ctx->cipher ? " " : "", ctx->cipher ? digest_cipher_name(ctx->cipher) : "");
        data = info;
        len = strlen(info);
    } else if (DG_OID_IS(what, GSS_SSPI_SHIM_DIGEST_INQ_REALM_BYTES)) {
        data = ctx->realm ? ctx->realm : "";
        len = strlen(data);
    } else if (DG_OID_IS(what, INQ_SSPI_SESSION_KEY)) {
        if (ctx->mode == 'S') {
            memcpy(key, ctx->sasl_ha1, DIGEST_MD5_LEN);
            len = DIGEST_MD5_LEN;
        } else {
            len = strlen(ctx->ha1) / 2;
            for (i = 0; i < len; i++)
                key[i] = (unsigned char)(hexval(ctx->ha1[2 * i]) << 4 | hexval(ctx->ha1[2 * i + 1]));
        }
        data = key;
    } else {
        return dg_minor(minor, GSS_S_UNAVAILABLE, 0);
    }
    set = calloc(1, sizeof(*set));
    if (!set || !(set->elements = calloc(1, sizeof(gss_buffer_desc)))) {
        free(set);
        OPENSSL_cleanse(key, sizeof(key));
        return dg_minor(minor, GSS_S_FAILURE, ENOMEM);
    }
    set->count = 1;
    major = dg_set_token(minor, &set->elements[0], data, len);
    OPENSSL_cleanse(key, sizeof(key));
    if (major != GSS_S_COMPLETE) {
        free(set->elements);
        free(set);
        return major;
    }
    *out = (gss_buffer_set_t)set;
    return GSS_S_COMPLETE;
}

/* ------------------------------------------------------------- per-message */

DG_EXPORT OM_uint32 gss_get_mic(OM_uint32 *minor, gss_ctx_id_t context, gss_qop_t qop,
                                gss_buffer_t msg, gss_buffer_t token)
{
    (void)qop;
    token->value = NULL;
    token->length = 0;
    return dg_get_mic(minor, (struct dg_ctx *)context, msg, token);
}

DG_EXPORT OM_uint32 gss_verify_mic(OM_uint32 *minor, gss_ctx_id_t context, gss_buffer_t msg,
                                   gss_buffer_t token, gss_qop_t *qop)
{
    if (qop)
        *qop = 0;
    return dg_verify_mic(minor, (struct dg_ctx *)context, msg, token);
}

DG_EXPORT OM_uint32 gss_wrap(OM_uint32 *minor, gss_ctx_id_t context, int conf_req,
                             gss_qop_t qop, gss_buffer_t in, int *conf_state, gss_buffer_t out)
{
    (void)qop;
    out->value = NULL;
    out->length = 0;
    return dg_wrap(minor, (struct dg_ctx *)context, conf_req, in, conf_state, out);
}

DG_EXPORT OM_uint32 gss_unwrap(OM_uint32 *minor, gss_ctx_id_t context, gss_buffer_t in,
                               gss_buffer_t out, int *conf_state, gss_qop_t *qop)
{
    if (qop)
        *qop = 0;
    out->value = NULL;
    out->length = 0;
    return dg_unwrap(minor, (struct dg_ctx *)context, in, out, conf_state);
}

DG_EXPORT OM_uint32 gss_wrap_size_limit(OM_uint32 *minor, gss_ctx_id_t context, int conf_req,
                                        gss_qop_t qop, OM_uint32 req_output_size,
                                        OM_uint32 *max_input)
{
    (void)qop;
    return dg_wrap_size_limit(minor, (struct dg_ctx *)context, conf_req, req_output_size,
                              max_input);
}

/* ------------------------------------------------------------- status */

static const char *const minor_text[] = {
    "unknown user or wrong password",
    "Digest message does not parse",
    "Digest parameter token malformed",
    "nonce is not ours (other key or realm, or forged)",
    "nonce and nc already used",
    "server's rspauth does not match",
    "no acceptable qop, algorithm or cipher",
    "channel-binding policy not met",
    "acceptor has no user store",
    "user store unreadable or malformed",
    "no password credential",
    "context already established",
    "call does not fit the context's mode (HTTP or SASL)",
    "no security layer (auth-int or auth-conf) negotiated",
    "libcrypto failed",
    "a value is over its limit",
    "the configured nonce key file is unreadable or not 16 to 128 bytes",
};

DG_EXPORT OM_uint32 gss_display_status(OM_uint32 *minor, OM_uint32 status, int type,
                                       gss_OID mech, OM_uint32 *ctx, gss_buffer_t out)
{
    char buf[128];
    const char *s;
    (void)mech;
    if (ctx)
        *ctx = 0;
    if (type != GSS_C_MECH_CODE) {
        out->value = NULL;
        out->length = 0;
        return dg_minor(minor, GSS_S_BAD_STATUS, 0);
    }
    if (status > GSS_SSPI_SHIM_DIGEST_MINOR_BASE &&
        status <= GSS_SSPI_SHIM_DIGEST_S_NONCE_KEY) {
        s = minor_text[status - GSS_SSPI_SHIM_DIGEST_MINOR_BASE - 1];
    } else if (status == 0) {
        s = "success";
    } else {
        snprintf(buf, sizeof(buf), "Digest mechanism error %u (%s)", status, strerror((int)status));
        s = buf;
    }
    return dg_set_token(minor, out, s, strlen(s));
}

/* ------------------------------------------------------------- mechanisms */

DG_EXPORT OM_uint32 gss_indicate_mechs(OM_uint32 *minor, gss_OID_set *mechs)
{
    const gss_OID_desc *m = &dg_mech_oid;
    return mg_oid_set_of(minor, &m, 1, mechs);
}

DG_EXPORT OM_uint32 gss_inquire_names_for_mech(OM_uint32 *minor, gss_OID mech,
                                               gss_OID_set *types)
{
    const gss_OID_desc *t[] = {&dg_nt_uri_oid, &dg_nt_user_name_oid, &dg_nt_hostbased_oid};
    if (!mg_is_mech(mech, &dg_mech_oid))
        return dg_minor(minor, GSS_S_BAD_MECH, 0);
    return mg_oid_set_of(minor, t, 3, types);
}

DG_EXPORT OM_uint32 gss_inquire_mechs_for_name(OM_uint32 *minor, gss_name_t name,
                                               gss_OID_set *mechs)
{
    const gss_OID_desc *m = &dg_mech_oid;
    (void)name;
    return mg_oid_set_of(minor, &m, 1, mechs);
}

/* RFC 5587 3.4.1 mechanism attributes 1.3.6.1.5.5.13.<n> */
#define MA(n) {7, (void *)"\x2b\x06\x01\x05\x05\x0d" n}
static gss_OID_desc ma_oids[] = {
    MA("\x01"), /* GSS_C_MA_MECH_CONCRETE */
    MA("\x08"), /* GSS_C_MA_NOT_DFLT_MECH */
    MA("\x0a"), /* GSS_C_MA_AUTH_INIT */
    MA("\x0b"), /* GSS_C_MA_AUTH_TARG */
    MA("\x11"), /* GSS_C_MA_INTEG_PROT */
    MA("\x12"), /* GSS_C_MA_CONF_PROT */
    MA("\x13"), /* GSS_C_MA_MIC */
    MA("\x14"), /* GSS_C_MA_WRAP */
};

DG_EXPORT OM_uint32 gss_inquire_attrs_for_mech(OM_uint32 *minor, gss_const_OID mech,
                                               gss_OID_set *attrs, gss_OID_set *known)
{
    if (!mg_is_mech(mech, &dg_mech_oid)) {
        if (attrs)
            *attrs = GSS_C_NO_OID_SET;
        if (known)
            *known = GSS_C_NO_OID_SET;
        return dg_minor(minor, GSS_S_BAD_MECH, 0);
    }
    return mg_inquire_attrs(minor, ma_oids, sizeof(ma_oids) / sizeof(ma_oids[0]), attrs, known);
}

DG_EXPORT OM_uint32 gss_inquire_saslname_for_mech(OM_uint32 *minor, const gss_OID mech,
                                                  gss_buffer_t sasl_name, gss_buffer_t mech_name,
                                                  gss_buffer_t description)
{
    static const char sasl[] = "DIGEST-MD5", name[] = "sspi_shim_digest",
                      desc[] = "HTTP Digest (RFC 7616) and SASL DIGEST-MD5 (RFC 2831)";
    if (!mg_is_mech(mech, &dg_mech_oid))
        return dg_minor(minor, GSS_S_BAD_MECH, 0);
    if (sasl_name)
        sasl_name->value = NULL, sasl_name->length = 0;
    if (mech_name)
        mech_name->value = NULL, mech_name->length = 0;
    if (description)
        description->value = NULL, description->length = 0;
    if ((sasl_name && dg_set_token(minor, sasl_name, sasl, sizeof(sasl) - 1)) ||
        (mech_name && dg_set_token(minor, mech_name, name, sizeof(name) - 1)) ||
        (description && dg_set_token(minor, description, desc, sizeof(desc) - 1))) {
        if (sasl_name)
            free(sasl_name->value), sasl_name->value = NULL, sasl_name->length = 0;
        if (mech_name)
            free(mech_name->value), mech_name->value = NULL, mech_name->length = 0;
        return GSS_S_FAILURE;
    }
    return dg_minor(minor, GSS_S_COMPLETE, 0);
}

DG_EXPORT OM_uint32 gss_inquire_mech_for_saslname(OM_uint32 *minor, const gss_buffer_t sasl_name,
                                                  gss_OID *mech)
{
    if (!sasl_name || sasl_name->length != 10 ||
        strncasecmp(sasl_name->value, "DIGEST-MD5", 10) != 0)
        return dg_minor(minor, GSS_S_BAD_MECH, 0);
    if (mech)
        *mech = &dg_mech_oid;
    return dg_minor(minor, GSS_S_COMPLETE, 0);
}

/* ------------------------------------------------------------- names */

DG_EXPORT OM_uint32 gss_import_name(OM_uint32 *minor, gss_buffer_t buf, gss_OID type,
                                    gss_name_t *out)
{
    struct dg_name *n = NULL;
    OM_uint32 major = dg_name_import(minor, buf, type, &n);
    *out = (gss_name_t)n;
    return major;
}

DG_EXPORT OM_uint32 gss_display_name(OM_uint32 *minor, gss_name_t name, gss_buffer_t out,
                                     gss_OID *type)
{
    if (!name)
        return dg_minor(minor, GSS_S_BAD_NAME, 0);
    return dg_name_display(minor, (struct dg_name *)name, out, type);
}

DG_EXPORT OM_uint32 gss_compare_name(OM_uint32 *minor, gss_name_t a, gss_name_t b, int *equal)
{
    if (!a || !b)
        return dg_minor(minor, GSS_S_BAD_NAME, 0);
    *equal = dg_name_equal((struct dg_name *)a, (struct dg_name *)b);
    return dg_minor(minor, GSS_S_COMPLETE, 0);
}

DG_EXPORT OM_uint32 gss_release_name(OM_uint32 *minor, gss_name_t *name)
{
    if (name && *name) {
        dg_name_free((struct dg_name *)*name);
        *name = GSS_C_NO_NAME;
    }
    return dg_minor(minor, GSS_S_COMPLETE, 0);
}

static OM_uint32 dup_name(OM_uint32 *minor, gss_name_t in, gss_name_t *out)
{
    struct dg_name *n = NULL;
    OM_uint32 major;
    if (!in)
        return dg_minor(minor, GSS_S_BAD_NAME, 0);
    major = dg_name_new(minor, ((struct dg_name *)in)->kind, ((struct dg_name *)in)->value, &n);
    *out = (gss_name_t)n;
    return major;
}

DG_EXPORT OM_uint32 gss_canonicalize_name(OM_uint32 *minor, gss_name_t in, gss_OID mech,
                                          gss_name_t *out)
{
    if (!mg_is_mech(mech, &dg_mech_oid))
        return dg_minor(minor, GSS_S_BAD_MECH, 0);
    return dup_name(minor, in, out);
}

DG_EXPORT OM_uint32 gss_duplicate_name(OM_uint32 *minor, gss_name_t in, gss_name_t *out)
{
    return dup_name(minor, in, out);
}

DG_EXPORT OM_uint32 gss_export_name(OM_uint32 *minor, gss_name_t name, gss_buffer_t out)
{
    if (!name)
        return dg_minor(minor, GSS_S_BAD_NAME, 0);
    return dg_name_export(minor, (struct dg_name *)name, out);
}
