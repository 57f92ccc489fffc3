/*
 * InitializeSecurityContext, AcceptSecurityContext, DeleteSecurityContext,
 * CompleteAuthToken, ApplyControlToken.
 *
 * Each leg is one gss_init_sec_context / gss_accept_sec_context call; what
 * this file adds are the SSPI leg rules that ported code depends on:
 *  - the first call creates the handle only when it succeeds: a failed
 *    first call leaves nothing behind and does not touch phNewContext;
 *  - a later failure keeps the handle (the caller deletes it) and makes
 *    the error sticky;
 *  - pfContextAttr and ptsExpiry are set on every successful leg;
 *  - an empty output token is legal with SEC_I_CONTINUE_NEEDED, and SEC_E_OK
 *    may come with a final token that must still be sent;
 *  - without ISC_REQ_ALLOCATE_MEMORY a too-small SECBUFFER_TOKEN gives
 *    SEC_E_BUFFER_TOO_SMALL; on a later leg the context keeps the token so
 *    the caller can repeat the call with a bigger buffer; on a first leg
 *    nothing was created and the caller simply starts again;
 *  - phNewContext may equal phContext.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bindings.h"
#include "framing.h"
#include "shim_internal.h"
#include "sspi_shim.h"
#include "trace.h"

static gss_OID_desc oid_hostbased_service =
    {10, (void *)"\x2a\x86\x48\x86\xf7\x12\x01\x02\x01\x04"};
static gss_OID_desc oid_krb5_principal_name =
    {10, (void *)"\x2a\x86\x48\x86\xf7\x12\x01\x02\x02\x01"};

void shim_context_free(struct shim_context *ctx)
{
    OM_uint32 minor;
    if (ctx == NULL)
        return;
    if (ctx->gss != GSS_C_NO_CONTEXT)
        gss_delete_sec_context(&minor, &ctx->gss, GSS_C_NO_BUFFER);
    if (ctx->target != GSS_C_NO_NAME && ctx->target_owned)
        gss_release_name(&minor, &ctx->target);
    if (ctx->peer != GSS_C_NO_NAME)
        gss_release_name(&minor, &ctx->peer);
    if (ctx->delegated != GSS_C_NO_CREDENTIAL)
        gss_release_cred(&minor, &ctx->delegated);
    if (ctx->ntlm_cred != GSS_C_NO_CREDENTIAL)
        gss_release_cred(&minor, &ctx->ntlm_cred);
    if (ctx->pending_output.value != NULL)
        gss_release_buffer(&minor, &ctx->pending_output);
    free(ctx->pending_input.value);
    if (ctx->digest_pending_mic.value != NULL)
        gss_release_buffer(&minor, &ctx->digest_pending_mic);
    free(ctx->digest_pending_params.value);
    free(ctx->ntlm_server_domain);
    shim_credential_unref(ctx->cred);
    free(ctx);
}

static struct shim_context *context_new(struct shim_credential *cred, bool initiator)
{
    struct shim_context *ctx = calloc(1, sizeof(*ctx));
    if (ctx == NULL)
        return NULL;
    shim_credential_ref(cred);
    ctx->cred = cred;
    ctx->pkg = cred->pkg;
    ctx->initiator = initiator;
    ctx->gss = GSS_C_NO_CONTEXT;
    ctx->target = GSS_C_NO_NAME;
    ctx->peer = GSS_C_NO_NAME;
    ctx->delegated = GSS_C_NO_CREDENTIAL;
    ctx->started = time(NULL);
    return ctx;
}

static SECURITY_STATUS import_target_name(const char *target, gss_name_t *out)
{
    enum gssmap_name_kind kind;
    char *text = NULL;

    if (target == NULL || target[0] == '\0')
        return shim_fail(SEC_E_TARGET_UNKNOWN, "no target name given");
    if (gssmap_target_name(target, &kind, &text) != 0)
        return shim_fail(SEC_E_TARGET_UNKNOWN, "'%s' is not a service principal name", target);
    OM_uint32 major, minor;
    gss_buffer_desc buf = {strlen(text), text};
    major = gss_import_name(&minor, &buf,
                            kind == GSSMAP_NAME_HOSTBASED ? &oid_hostbased_service
                                                          : &oid_krb5_principal_name,
                            out);
    free(text);
    if (GSS_ERROR(major))
        return shim_fail(SEC_E_TARGET_UNKNOWN, "cannot import target name '%s'", target);
    return SEC_E_OK;
}

/* The context's target name: from the credential's cache when this SPN was
 * seen before (importing a name is a measurable part of a handshake). */
static SECURITY_STATUS import_target(struct shim_context *ctx, const char *target)
{
    struct shim_credential *cred = ctx->cred;
    if (target != NULL) {
        unsigned n = atomic_load_explicit(&cred->ntargets, memory_order_acquire);
        for (unsigned i = 0; i < n; i++) {
            if (strcmp(cred->targets[i].text, target) == 0) {
                ctx->target = cred->targets[i].name;
                return SEC_E_OK;
            }
        }
    }
    gss_name_t name;
    SECURITY_STATUS st = import_target_name(target, &name);
    if (st != SEC_E_OK)
        return st;
    ctx->target = name;
    ctx->target_owned = true;
    pthread_mutex_lock(&cred->lock);
    unsigned n = atomic_load_explicit(&cred->ntargets, memory_order_relaxed);
    if (n < sizeof(cred->targets) / sizeof(cred->targets[0])) {
        char *text = strdup(target);
        if (text != NULL) {
            cred->targets[n].text = text;
            cred->targets[n].name = name;
            atomic_store_explicit(&cred->ntargets, n + 1, memory_order_release);
            ctx->target_owned = false;
        }
    }
    pthread_mutex_unlock(&cred->lock);
    return SEC_E_OK;
}

void shim_credential_forget_targets(struct shim_credential *cred)
{
    OM_uint32 minor;
    unsigned n = atomic_load_explicit(&cred->ntargets, memory_order_acquire);
    for (unsigned i = 0; i < n; i++) {
        gss_release_name(&minor, &cred->targets[i].name);
        free(cred->targets[i].text);
    }
    atomic_store_explicit(&cred->ntargets, 0, memory_order_relaxed);
}

/* The input SECBUFFER_TOKEN as a GSS buffer (no copy). */
static SECURITY_STATUS input_token(PSecBufferDesc in, bool required, gss_buffer_desc *out)
{
    SecBuffer *tok = shim_find_buffer(in, SECBUFFER_TOKEN);
    out->length = 0;
    out->value = NULL;
    if (tok == NULL || tok->cbBuffer == 0)
        return required ? shim_fail(SEC_E_INVALID_TOKEN, "no input SECBUFFER_TOKEN") : SEC_E_OK;
    if (tok->pvBuffer == NULL)
        return shim_fail(SEC_E_INVALID_TOKEN, "input SECBUFFER_TOKEN has no memory");
    out->length = tok->cbBuffer;
    out->value = tok->pvBuffer;
    return SEC_E_OK;
}

/* A SECBUFFER_CHANNEL_BINDINGS input buffer as GSS channel bindings
 * (pointers into the caller's buffer); *use = NULL when there is none. */
static SECURITY_STATUS input_bindings(PSecBufferDesc in, struct gss_channel_bindings_struct *cb,
                                      gss_channel_bindings_t *use)
{
    SecBuffer *b = shim_find_buffer(in, SECBUFFER_CHANNEL_BINDINGS);
    *use = GSS_C_NO_CHANNEL_BINDINGS;
    if (b == NULL)
        return SEC_E_OK;
    if (gssmap_channel_bindings(b->pvBuffer, b->cbBuffer, cb) != 0)
        return shim_fail(SEC_E_INVALID_TOKEN, "malformed SECBUFFER_CHANNEL_BINDINGS buffer");
    *use = cb;
    return SEC_E_OK;
}

/*
 * A reply to the initiator must be a framed Kerberos AP-REP or KRB-ERROR
 * (RFC 4121 4.1), for Negotiate inside the NegTokenResp's responseToken.
 * Checked here because Heimdal 7.8 reads an uninitialised krb5_data when a
 * reply is neither (lib/gssapi/krb5/init_sec_context.c, repl_mutual: both
 * decapsulations fail and krb5_rd_rep still runs; found by valgrind on a
 * garbage reply).  NTLM replies (the NTLM package, NTLM inside Negotiate)
 * are let through by their NTLMSSP signature, to the NTLM mechanism only.
 * DCE-style replies are unframed and take another path in the library.
 */
static SECURITY_STATUS check_krb5_reply(const struct shim_context *ctx,
                                        const gss_buffer_desc *input)
{
    if (ctx->req_flags & ISC_REQ_USE_DCE_STYLE)
        return SEC_E_OK;
    gss_buffer_desc reply = *input;
    if (ctx->pkg->mech == &shim_oid_spnego) {
        int found = gssmap_spnego_response_token(input->value, input->length, &reply);
        if (found < 0)
            return shim_fail(SEC_E_INVALID_TOKEN, "the reply is not a SPNEGO NegTokenResp");
        if (found == 0)
            return SEC_E_OK;        /* negState / mechListMIC only */
    }
    /* NTLM: a CHALLENGE message, which the NTLM mechanism reads itself
     * (SPNEGO hands it to NTLM only, by the negotiated mechanism). */
    if (ctx->pkg->mech != &shim_oid_krb5 && shim_is_ntlmssp(reply.value, reply.length))
        return SEC_E_OK;
    unsigned id = 0;
    if (gssmap_krb5_token_id(reply.value, reply.length, &id) == 1 && (id == 0x0200 || id == 0x0300))
        return SEC_E_OK;
    return shim_fail(SEC_E_INVALID_TOKEN,
                     "the reply is not a Kerberos AP-REP or KRB-ERROR, nor an NTLM message");
}

/* Whether a first token carries NTLM, raw or as SPNEGO's mechToken: its
 * NEGOTIATE message is the same bytes every time ([MS-NLMP] 2.2.1.1), and
 * the acceptor's fresh challenge, not a replay cache, stops replays. */
static bool ntlm_first_token(const gss_buffer_desc *t)
{
    gss_buffer_desc inner;
    if (shim_is_ntlmssp(t->value, t->length))
        return true;
    return gssmap_spnego_mech_token(t->value, t->length, &inner) == 1 &&
           shim_is_ntlmssp(inner.value, inner.length);
}

/* A framed first token must name a mechanism this package accepts: the
 * Kerberos package takes no SPNEGO token, as on Windows. */
static SECURITY_STATUS check_token_mech(const struct shim_package *pkg, const gss_buffer_desc *tok)
{
    gss_OID_desc oid;
    int framed = gssmap_token_oid(tok->value, tok->length, &oid);
    if (framed < 0)
        return shim_fail(SEC_E_INVALID_TOKEN, "malformed token framing");
    if (framed == 0)
        return SEC_E_OK;            /* raw token: the GSS library decides */
    for (const gss_OID_desc *const *m = pkg->accept_mechs; *m != NULL; m++)
        if (shim_oid_equal(*m, &oid))
            return SEC_E_OK;
    return shim_fail(SEC_E_INVALID_TOKEN, "token is for a mechanism the %s package does not take",
                     pkg->name);
}

static bool same_bytes(const gss_buffer_desc *a, const gss_buffer_desc *b)
{
    return a->length == b->length && (a->length == 0 || memcmp(a->value, b->value, a->length) == 0);
}

/* Keeps a token that did not fit, and the input that produced it. */
static SECURITY_STATUS keep_pending(struct shim_context *ctx, gss_buffer_desc *output,
                                    const gss_buffer_desc *input, SECURITY_STATUS status)
{
    ctx->pending_output = *output;      /* ownership moves to the context */
    output->length = 0;
    output->value = NULL;
    ctx->pending_status = status;
    if (input->length > 0) {
        ctx->pending_input.value = malloc(input->length);
        if (ctx->pending_input.value == NULL)
            return SEC_E_INSUFFICIENT_MEMORY;
        memcpy(ctx->pending_input.value, input->value, input->length);
    }
    ctx->pending_input.length = input->length;
    return SEC_E_BUFFER_TOO_SMALL;
}

static void set_outputs(struct shim_context *ctx, ULONG *pfContextAttr, PTimeStamp ptsExpiry)
{
    if (pfContextAttr != NULL)
        *pfContextAttr = ctx->ret_flags;
    if (ptsExpiry != NULL && ctx->pkg->ops != NULL && ctx->pkg->ops->constant_expiry)
        ptsExpiry->QuadPart = GSSMAP_TIMESTAMP_NEVER;  /* Digest: "a constant maximum time" */
    else if (ptsExpiry != NULL)
        gssmap_lifetime_to_timestamp(ctx->lifetime, time(NULL), ptsExpiry);
}

/* Repeats a leg whose token did not fit: same input, bigger buffer. */
static SECURITY_STATUS deliver_pending(struct shim_context *ctx, const gss_buffer_desc *input,
                                       PSecBufferDesc pOutput, ULONG *pfContextAttr,
                                       PTimeStamp ptsExpiry)
{
    if (!same_bytes(input, &ctx->pending_input))
        return shim_fail(SEC_E_INVALID_TOKEN,
                         "a token is waiting for a bigger buffer; repeat the call with the same input");
    bool allocate = (ctx->req_flags & (ctx->initiator ? ISC_REQ_ALLOCATE_MEMORY
                                                      : ASC_REQ_ALLOCATE_MEMORY)) != 0;
    SECURITY_STATUS st = shim_put_token(pOutput, &ctx->pending_output, allocate);
    if (st != SEC_E_OK)
        return st;
    OM_uint32 minor;
    gss_release_buffer(&minor, &ctx->pending_output);
    free(ctx->pending_input.value);
    ctx->pending_input.value = NULL;
    ctx->pending_input.length = 0;
    set_outputs(ctx, pfContextAttr, ptsExpiry);
    return ctx->pending_status;
}

/* Flags the shim itself reports, whatever the mechanism said. */
static ULONG shim_ret_flags(bool initiator, ULONG req)
{
    ULONG ret = 0;
    if (initiator) {
        if (req & ISC_REQ_ALLOCATE_MEMORY)
            ret |= ISC_RET_ALLOCATED_MEMORY;
        if (req & ISC_REQ_CONNECTION)
            ret |= ISC_RET_CONNECTION;
    } else {
        if (req & ASC_REQ_ALLOCATE_MEMORY)
            ret |= ASC_RET_ALLOCATED_MEMORY;
        if (req & ASC_REQ_CONNECTION)
            ret |= ASC_RET_CONNECTION;
    }
    return ret;
}

/* Looks up the context of a later leg and applies the rules common to
 * both sides.  Returns SEC_E_OK when the caller should run the leg. */
static SECURITY_STATUS later_leg(PCtxtHandle phContext, bool initiator, struct shim_context **out)
{
    struct shim_context *ctx = shim_handle_get(phContext, SHIM_HANDLE_CONTEXT);
    if (ctx == NULL || ctx->initiator != initiator)
        return SEC_E_INVALID_HANDLE;
    *out = ctx;
    if (ctx->failed != SEC_E_OK)
        return ctx->failed;
    return SEC_E_OK;
}

/* Checks of a first call common to both sides: a live credential for
 * this direction and somewhere to put the new handle. */
static SECURITY_STATUS first_leg_credential(PCredHandle phCredential, PCtxtHandle phNewContext,
                                            ULONG direction, struct shim_credential **out)
{
    struct shim_credential *cred = shim_handle_get(phCredential, SHIM_HANDLE_CREDENTIAL);
    if (cred == NULL)
        return SEC_E_INVALID_HANDLE;
    if (phNewContext == NULL)
        return SEC_E_INVALID_PARAMETER;
    if (!(cred->use & direction))
        return shim_fail(SEC_E_NO_CREDENTIALS, "the credential is %s only",
                         direction == SECPKG_CRED_OUTBOUND ? "inbound" : "outbound");
    *out = cred;
    return SEC_E_OK;
}

/* The package's own token for this leg (WDigest: the parameter token),
 * when it has a leg_input hook; *pkg_token is then malloc'd. */
static SECURITY_STATUS package_input(struct shim_context *ctx, bool first, PSecBufferDesc in,
                                     gss_buffer_desc *input, void **pkg_token,
                                     struct gss_channel_bindings_struct *cb,
                                     gss_channel_bindings_t *bindings, bool *skip_gss)
{
    SECURITY_STATUS st = ctx->pkg->ops->leg_input(ctx, first, in, input, cb, bindings, skip_gss);
    *pkg_token = input->value;
    return st;
}

static bool has_leg_input(const struct shim_package *pkg)
{
    return pkg->ops != NULL && pkg->ops->leg_input != NULL;
}

static SECURITY_STATUS check_package_req(const struct shim_package *pkg, bool initiator, ULONG req)
{
    if (pkg->ops == NULL || pkg->ops->check_req == NULL)
        return SEC_E_OK;
    SECURITY_STATUS st = pkg->ops->check_req(initiator, req);
    if (st != SEC_E_OK)
        return shim_fail(st, "the %s package cannot honour context flags 0x%08x", pkg->name,
                         (unsigned)req);
    return SEC_E_OK;
}

static SECURITY_STATUS initialize_context(PCredHandle phCredential, PCtxtHandle phContext,
                                          const char *target, ULONG fContextReq,
                                          PSecBufferDesc pInput, PCtxtHandle phNewContext,
                                          PSecBufferDesc pOutput, ULONG *pfContextAttr,
                                          PTimeStamp ptsExpiry)
{
    struct shim_context *ctx = NULL;
    const bool first = (phContext == NULL);
    gss_buffer_desc input;
    SECURITY_STATUS st;
    void *pkg_token = NULL;             /* the package's own input token, freed at `done` */
    bool skip_gss = false;
    struct gss_channel_bindings_struct cb_storage;
    gss_channel_bindings_t bindings = GSS_C_NO_CHANNEL_BINDINGS;

    if ((st = shim_check_desc(pInput)) != SEC_E_OK || (st = shim_check_desc(pOutput)) != SEC_E_OK)
        return st;
    if (first) {
        struct shim_credential *cred = NULL;
        if ((st = first_leg_credential(phCredential, phNewContext, SECPKG_CRED_OUTBOUND, &cred)) !=
            SEC_E_OK)
            return st;
        if (fContextReq & ISC_REQ_DATAGRAM)
            return shim_fail(SEC_E_UNSUPPORTED_FUNCTION,
                             "datagram contexts are not available through GSS-API");
        if ((st = check_package_req(cred->pkg, true, fContextReq)) != SEC_E_OK)
            return st;
        if (!has_leg_input(cred->pkg) && (st = input_token(pInput, false, &input)) != SEC_E_OK)
            return st;
        ctx = context_new(cred, true);
        if (ctx == NULL)
            return SEC_E_INSUFFICIENT_MEMORY;
        ctx->req_flags = fContextReq;
        if (ctx->pkg->ops != NULL && ctx->pkg->ops->import_target != NULL)
            st = ctx->pkg->ops->import_target(ctx, target);
        else
            st = import_target(ctx, target);
        if (st != SEC_E_OK)
            goto first_failed;
        if (has_leg_input(ctx->pkg) &&
            (st = package_input(ctx, true, pInput, &input, &pkg_token, &cb_storage, &bindings,
                                &skip_gss)) != SEC_E_OK)
            goto first_failed;
    } else {
        if ((st = later_leg(phContext, true, &ctx)) != SEC_E_OK)
            return st;
        if (has_leg_input(ctx->pkg))
            st = package_input(ctx, false, pInput, &input, &pkg_token, &cb_storage, &bindings,
                               &skip_gss);
        else
            st = input_token(pInput, true, &input);
        if (st != SEC_E_OK)
            goto done;
        if (ctx->pending_output.value != NULL) {
            st = deliver_pending(ctx, &input, pOutput, pfContextAttr, ptsExpiry);
            goto done;
        }
        if (ctx->established) {
            st = shim_fail(SEC_E_INVALID_TOKEN, "the context is already established");
            goto done;
        }
        if (!has_leg_input(ctx->pkg) && (st = check_krb5_reply(ctx, &input)) != SEC_E_OK) {
            ctx->failed = st;
            goto done;
        }
    }

    if (skip_gss) {
        /* Nothing for GSS-API yet (a SASL Digest client before the
         * server's challenge): an empty token, continue. */
        gss_buffer_desc none = GSS_C_EMPTY_BUFFER;
        if ((st = shim_put_token(pOutput, &none, false)) != SEC_E_OK)
            goto failed;
        ctx->ret_flags = shim_ret_flags(true, ctx->req_flags) | ctx->pkg_ret_flags;
        if (first && (st = shim_handle_new(SHIM_HANDLE_CONTEXT, ctx, phNewContext)) != SEC_E_OK)
            goto first_failed;
        if (!first && phNewContext != NULL && phNewContext != phContext)
            *phNewContext = *phContext;
        set_outputs(ctx, pfContextAttr, ptsExpiry);
        st = SEC_I_CONTINUE_NEEDED;
        goto done;
    }
    if (!has_leg_input(ctx->pkg) &&
        (st = input_bindings(pInput, &cb_storage, &bindings)) != SEC_E_OK)
        goto failed;
    OM_uint32 major, minor, ret_flags = 0, lifetime = 0;
    gss_buffer_desc output = GSS_C_EMPTY_BUFFER;
    gss_OID mech = GSS_C_NO_OID;
    gss_cred_id_t gcred = GSS_C_NO_CREDENTIAL;
    /* The Kerberos failure a fallback started from, and its text: reported
     * instead of NTLM's when the NTLM leg fails too. */
    SECURITY_STATUS kerberos_st = SEC_E_OK;
    char kerberos_text[400];
    /* Negotiate with a password identity: NTLM when the PackageList
     * leaves it alone, or when Kerberos cannot be used (shim/negotiate_ntlm.c). */
    if (first && shim_negotiate_ntlm_only(ctx->cred))
        goto ntlm_first_leg;
    if (ctx->ntlm_cred != GSS_C_NO_CREDENTIAL) {
        major = gss_init_sec_context(&minor, ctx->ntlm_cred, &ctx->gss, ctx->target,
                                     ctx->pkg->mech, gssmap_isc_req_to_gss(ctx->req_flags),
                                     GSS_C_INDEFINITE, bindings, &input, &mech, &output,
                                     &ret_flags, &lifetime);
        st = shim_gss_status("gss_init_sec_context", major, minor, ctx->pkg->mech);
        goto leg_done;
    }
    if ((st = shim_credential_initiator(ctx->cred, &gcred)) != SEC_E_OK) {
        if (!(first && shim_negotiate_falls_back(ctx->cred, st)))
            goto failed;
        kerberos_st = st;
        snprintf(kerberos_text, sizeof(kerberos_text), "%s", SspiShimLastErrorMessage());
        goto ntlm_first_leg;
    }

    /* Heimdal's SPNEGO offers a mechanism only if a trial
     * gss_init_sec_context with the *default* credential succeeds, so for
     * the first leg of a password identity its private cache is made this
     * thread's default (tests/check_kerberos.c, Negotiate with a password). */
    char *saved_default = NULL;
    if (first && ctx->cred->ccache_name != NULL && ctx->pkg->mech == &shim_oid_spnego)
        saved_default = shim_krb5_use_ccache(ctx->cred->ccache_name);
    /* CredSSP runs its inner SPNEGO context on later legs, inside the
     * mechanism: the same holds for its inner credential on every leg. */
    else if (ctx->cred->inner != NULL && ctx->cred->inner->ccache_name != NULL)
        saved_default = shim_krb5_use_ccache(ctx->cred->inner->ccache_name);
    major = gss_init_sec_context(&minor, gcred, &ctx->gss, ctx->target, ctx->pkg->mech,
                                 gssmap_isc_req_to_gss(ctx->req_flags), GSS_C_INDEFINITE,
                                 bindings, &input, &mech, &output, &ret_flags, &lifetime);
    shim_krb5_restore_ccache(saved_default);
    st = shim_gss_status("gss_init_sec_context", major, minor, ctx->pkg->mech);
    if (st < 0 && first) {
        gss_release_buffer(&minor, &output);
        st = shim_negotiate_diagnose_init(ctx, gcred, major, minor, st);
        if (!shim_negotiate_falls_back(ctx->cred, st))
            goto failed;
        kerberos_st = st;
        snprintf(kerberos_text, sizeof(kerberos_text), "%s", SspiShimLastErrorMessage());
    ntlm_first_leg:
        if (ctx->gss != GSS_C_NO_CONTEXT)
            gss_delete_sec_context(&minor, &ctx->gss, GSS_C_NO_BUFFER);
        major = shim_ntlm_spnego_first_leg(&minor, ctx, gssmap_isc_req_to_gss(ctx->req_flags),
                                           bindings, &input, &mech, &output, &ret_flags,
                                           &lifetime);
        st = shim_gss_status("gss_init_sec_context (NTLM inside Negotiate)", major, minor,
                             &shim_oid_spnego);
        if (st < 0 && kerberos_st != SEC_E_OK) {
            char ntlm_text[400];
            snprintf(ntlm_text, sizeof(ntlm_text), "%s", SspiShimLastErrorMessage());
            st = shim_fail(kerberos_st, "%s; the NTLM fallback failed too: %s", kerberos_text,
                           ntlm_text);
        }
        if (st >= 0 && mech == GSS_C_NO_OID)
            mech = &shim_oid_ntlm;
    }
leg_done:
    if (st < 0) {
        gss_release_buffer(&minor, &output);
        goto failed;
    }
    if (mech != GSS_C_NO_OID)
        ctx->actual_mech = mech;
    const struct shim_package_ops *ops = shim_context_ops(ctx);
    if (ops != NULL && ops->never_mutual)
        ret_flags &= ~(OM_uint32)GSS_C_MUTUAL_FLAG;
    ctx->gss_flags = ret_flags;
    ctx->lifetime = lifetime;
    ctx->established = (st == SEC_E_OK);
    ctx->ret_flags = gssmap_gss_to_isc_ret(ret_flags) | shim_ret_flags(true, ctx->req_flags) |
                     ctx->pkg_ret_flags;
    /* An established context needs its target name no more: give back
     * the memory of an idle context. */
    if (ctx->established && ctx->target != GSS_C_NO_NAME) {
        if (ctx->target_owned)
            gss_release_name(&minor, &ctx->target);
        ctx->target = GSS_C_NO_NAME;
    }

    SECURITY_STATUS put = shim_put_token(pOutput, &output,
                                         (ctx->req_flags & ISC_REQ_ALLOCATE_MEMORY) != 0);
    if (put == SEC_E_BUFFER_TOO_SMALL && !first) {
        st = keep_pending(ctx, &output, &input, st);
        goto done;
    }
    gss_release_buffer(&minor, &output);
    if (put != SEC_E_OK) {
        st = put;
        goto failed;
    }
    if (first) {
        SECURITY_STATUS made = shim_handle_new(SHIM_HANDLE_CONTEXT, ctx, phNewContext);
        if (made != SEC_E_OK) {
            st = made;
            goto first_failed;
        }
    }
    if (!first && phNewContext != NULL && phNewContext != phContext)
        *phNewContext = *phContext;
    set_outputs(ctx, pfContextAttr, ptsExpiry);
    goto done;

failed:
    if (!first) {
        ctx->failed = st;
        goto done;
    }
first_failed:
    shim_context_free(ctx);
done:
    free(pkg_token);
    return st;
}

/* Both InitializeSecurityContext entry points: the handles stay pinned
 * for the whole call (shim/handles.c). */
static SECURITY_STATUS initialize(const char *function, PCredHandle phCredential,
                                  PCtxtHandle phContext, const char *target, ULONG fContextReq,
                                  PSecBufferDesc pInput, PCtxtHandle phNewContext,
                                  PSecBufferDesc pOutput, ULONG *pfContextAttr,
                                  PTimeStamp ptsExpiry)
{
    void *pin = shim_handle_pin(phContext, SHIM_HANDLE_CONTEXT);
    void *cred_pin = shim_handle_pin(phCredential, SHIM_HANDLE_CREDENTIAL);
    SECURITY_STATUS st = initialize_context(phCredential, phContext, target, fContextReq,
                                            pInput, phNewContext, pOutput, pfContextAttr,
                                            ptsExpiry);
    if (shim_trace_enabled()) {
        const char *pkg = phContext != NULL ? shim_trace_context_package(phContext)
                                            : shim_trace_credential_package(phCredential);
        shim_trace_call(function, pkg, SHIM_TRACE_ISC, fContextReq,
                        pfContextAttr != NULL ? *pfContextAttr : 0, st);
    }
    shim_handle_unpin(cred_pin);
    shim_handle_unpin(pin);
    return st;
}

SSPI_API SECURITY_STATUS SEC_ENTRY InitializeSecurityContextA(
    PCredHandle phCredential, PCtxtHandle phContext, SEC_CHAR *pszTargetName,
    ULONG fContextReq, ULONG Reserved1, ULONG TargetDataRep, PSecBufferDesc pInput,
    ULONG Reserved2, PCtxtHandle phNewContext, PSecBufferDesc pOutput,
    ULONG *pfContextAttr, PTimeStamp ptsExpiry)
{
    (void)Reserved1; (void)Reserved2; (void)TargetDataRep;
    return initialize("InitializeSecurityContextA", phCredential, phContext,
                      (const char *)pszTargetName, fContextReq, pInput,
                      phNewContext, pOutput, pfContextAttr, ptsExpiry);
}

SSPI_API SECURITY_STATUS SEC_ENTRY InitializeSecurityContextW(
    PCredHandle phCredential, PCtxtHandle phContext, SEC_WCHAR *pszTargetName,
    ULONG fContextReq, ULONG Reserved1, ULONG TargetDataRep, PSecBufferDesc pInput,
    ULONG Reserved2, PCtxtHandle phNewContext, PSecBufferDesc pOutput,
    ULONG *pfContextAttr, PTimeStamp ptsExpiry)
{
    char *target = NULL;
    (void)Reserved1; (void)Reserved2; (void)TargetDataRep;
    /* The target matters on the first call only. */
    if (phContext == NULL && pszTargetName != NULL &&
        shim_utf16_to_utf8(pszTargetName, (size_t)-1, &target) != SEC_E_OK)
        return shim_fail(SEC_E_TARGET_UNKNOWN, "target name is not valid UTF-16");
    SECURITY_STATUS st = initialize("InitializeSecurityContextW", phCredential, phContext, target,
                                    fContextReq, pInput,
                                    phNewContext, pOutput, pfContextAttr, ptsExpiry);
    free(target);
    return st;
}

/* The NTLM AUTHENTICATE in an acceptor's later token, for the shim's own
 * channel-binding check: the token itself (the NTLM package), or the
 * responseToken of Negotiate's NegTokenResp once NTLM was negotiated
 * (RFC 4178 4.2.2).  Anything else is returned as it is and is no NTLM
 * message, so the check lets it through to the mechanism. */
static gss_buffer_desc ntlm_authenticate_in(const struct shim_context *ctx, gss_buffer_desc input)
{
    gss_buffer_desc inner;
    if (ctx->pkg->mech == &shim_oid_spnego && shim_context_is_ntlm(ctx) &&
        gssmap_spnego_response_token(input.value, input.length, &inner) == 1)
        return inner;
    return input;
}

static SECURITY_STATUS accept_security_context(
    PCredHandle phCredential, PCtxtHandle phContext, PSecBufferDesc pInput,
    ULONG fContextReq, ULONG TargetDataRep, PCtxtHandle phNewContext,
    PSecBufferDesc pOutput, ULONG *pfContextAttr, PTimeStamp ptsExpiry)
{
    struct shim_context *ctx = NULL;
    const bool first = (phContext == NULL);
    gss_buffer_desc input;
    SECURITY_STATUS st;
    void *pkg_token = NULL;             /* the package's own input token, freed at `done` */
    bool skip_gss = false;
    struct gss_channel_bindings_struct cb_storage;
    gss_channel_bindings_t bindings = GSS_C_NO_CHANNEL_BINDINGS;
    (void)TargetDataRep;

    if ((st = shim_check_desc(pInput)) != SEC_E_OK || (st = shim_check_desc(pOutput)) != SEC_E_OK)
        return st;
    if (first) {
        struct shim_credential *cred = NULL;
        if ((st = first_leg_credential(phCredential, phNewContext, SECPKG_CRED_INBOUND, &cred)) !=
            SEC_E_OK)
            return st;
        if ((st = check_package_req(cred->pkg, false, fContextReq)) != SEC_E_OK)
            return st;
        if (has_leg_input(cred->pkg)) {
            /* The package frames the token itself, and its first token may
             * be empty (Digest: "Empty for the first call"). */
            ctx = context_new(cred, false);
            if (ctx == NULL)
                return SEC_E_INSUFFICIENT_MEMORY;
            ctx->req_flags = fContextReq;
            if ((st = package_input(ctx, true, pInput, &input, &pkg_token, &cb_storage, &bindings,
                                    &skip_gss)) != SEC_E_OK)
                goto failed;
        } else {
            if ((st = input_token(pInput, true, &input)) != SEC_E_OK)
                return st;
            input = shim_ntlm_negotiate_for_gss(input);
            if ((st = check_token_mech(cred->pkg, &input)) != SEC_E_OK)
                return st;
            if (ntlm_first_token(&input))   /* Heimdal: its NTLM acceptor's host/ ticket */
                shim_ntlm_acceptor_ccache_ready();
            /* The repeat of a first call whose output did not fit. */
            ctx = shim_replay_unpark(&input, cred);
            if (ctx != NULL) {
                ctx->req_flags = fContextReq;
                ctx->ret_flags =
                    gssmap_gss_to_asc_ret(ctx->gss_flags) | shim_ret_flags(false, fContextReq);
                st = shim_put_token(pOutput, &ctx->pending_output,
                                    (fContextReq & ASC_REQ_ALLOCATE_MEMORY) != 0);
                if (st != SEC_E_OK) {
                    shim_replay_park(&input, ctx);
                    return st;
                }
                OM_uint32 tmp;
                gss_release_buffer(&tmp, &ctx->pending_output);
                if ((st = shim_handle_new(SHIM_HANDLE_CONTEXT, ctx, phNewContext)) != SEC_E_OK) {
                    shim_context_free(ctx);
                    return st;
                }
                set_outputs(ctx, pfContextAttr, ptsExpiry);
                return ctx->pending_status;
            }
            ctx = context_new(cred, false);
            if (ctx == NULL)
                return SEC_E_INSUFFICIENT_MEMORY;
            ctx->req_flags = fContextReq;
        }
    } else {
        if ((st = later_leg(phContext, false, &ctx)) != SEC_E_OK)
            return st;
        if (ctx->established && ctx->pending_output.value == NULL && ctx->pkg->ops != NULL &&
            ctx->pkg->ops->established_again != 0)
            return shim_fail(ctx->pkg->ops->established_again,
                             "AcceptSecurityContext called after the context was established");
        if (has_leg_input(ctx->pkg))
            st = package_input(ctx, false, pInput, &input, &pkg_token, &cb_storage, &bindings,
                               &skip_gss);
        else
            st = input_token(pInput, true, &input);
        if (st != SEC_E_OK)
            goto done;
        if (ctx->pending_output.value != NULL) {
            st = deliver_pending(ctx, &input, pOutput, pfContextAttr, ptsExpiry);
            goto done;
        }
        if (ctx->established) {
            st = shim_fail(SEC_E_INVALID_TOKEN, "the context is already established");
            goto done;
        }
        if (!has_leg_input(ctx->pkg))
            input = shim_ntlm_authenticate_for_gss(input, &pkg_token);
    }

    if (!has_leg_input(ctx->pkg) &&
        ((st = input_bindings(pInput, &cb_storage, &bindings)) != SEC_E_OK ||
         (!first && (st = shim_ntlm_check_bindings(ntlm_authenticate_in(ctx, input), bindings)) !=
                        SEC_E_OK)))
        goto failed;

    /* NTLM inside Negotiate: known from the client's first token.  Without
     * this, a wrong NTLM password inside Heimdal's SPNEGO came back as
     * SEC_E_INTERNAL_ERROR (GSS_S_FAILURE, minor 0, no mechanism known
     * to read it as NTLM's SEC_E_LOGON_DENIED; measured, check_ntlm). */
    if (first && ctx->pkg->mech == &shim_oid_spnego && ntlm_first_token(&input))
        ctx->actual_mech = &shim_oid_ntlm;
    OM_uint32 major, minor, ret_flags = 0, lifetime = 0;
    gss_buffer_desc output = GSS_C_EMPTY_BUFFER;
    gss_OID mech = GSS_C_NO_OID;
    gss_name_t peer = GSS_C_NO_NAME;
    gss_cred_id_t delegated = GSS_C_NO_CREDENTIAL;
    /* Packages that frame their own tokens (WDigest) ask the mechanism for
     * the client's name when needed instead of keeping a copy per context. */
    major = gss_accept_sec_context(&minor, &ctx->gss, ctx->cred->accept, &input, bindings,
                                   has_leg_input(ctx->pkg) ? NULL : &peer, &mech, &output,
                                   &ret_flags, &lifetime, &delegated);
    st = shim_gss_status_side("gss_accept_sec_context", major, minor, ctx->pkg->mech,
                              GSSMAP_ACCEPTOR);
    if (mech != GSS_C_NO_OID)
        ctx->actual_mech = mech;
    /* NTLM inside Negotiate: the NTLM package's reading of the failure
     * (the mechanism is known from the first leg on). */
    const struct shim_package_ops *ops = shim_context_ops(ctx);
    if (st < 0 && ops != NULL && ops->accept_status != NULL)
        st = ops->accept_status(major, minor, st);
    if (peer != GSS_C_NO_NAME) {
        if (ctx->peer != GSS_C_NO_NAME)
            gss_release_name(&minor, &ctx->peer);
        ctx->peer = peer;
    }
    if (delegated != GSS_C_NO_CREDENTIAL) {
        if (ctx->delegated != GSS_C_NO_CREDENTIAL)
            gss_release_cred(&minor, &ctx->delegated);
        ctx->delegated = delegated;
    }
    if (st < 0) {
        /* With ASC_REQ_EXTENDED_ERROR the client gets the mechanism's error
         * token (a KRB-ERROR), as Windows sends it. */
        if (output.length > 0 && (ctx->req_flags & ASC_REQ_EXTENDED_ERROR))
            (void)shim_put_token(pOutput, &output,
                                 (ctx->req_flags & ASC_REQ_ALLOCATE_MEMORY) != 0);
        gss_release_buffer(&minor, &output);
        if (first && !has_leg_input(ctx->pkg))
            st = shim_negotiate_diagnose_accept(ctx, &input, major, minor, st);
        goto failed;
    }
    if (ops != NULL && ops->never_mutual)
        ret_flags &= ~(OM_uint32)GSS_C_MUTUAL_FLAG;
    ctx->gss_flags = ret_flags;
    ctx->lifetime = lifetime;
    ctx->established = (st == SEC_E_OK);
    ctx->ret_flags = gssmap_gss_to_asc_ret(ret_flags) | shim_ret_flags(false, ctx->req_flags);

    /* A replayed first token is refused before anything is handed out
     * (Kerberos; Digest's mechanism keeps its own nonce-count state, NTLM
     * its challenge). */
    if (first && !has_leg_input(ctx->pkg) && !ntlm_first_token(&input) &&
        (st = shim_replay_check(&input)) != SEC_E_OK) {
        gss_release_buffer(&minor, &output);
        goto failed;
    }
    if (first && !has_leg_input(ctx->pkg))
        shim_ntlm_note_server_domain(ctx, output);
    SECURITY_STATUS put = shim_put_token(pOutput, &output,
                                         (ctx->req_flags & ASC_REQ_ALLOCATE_MEMORY) != 0);
    if (put == SEC_E_BUFFER_TOO_SMALL && !first) {
        st = keep_pending(ctx, &output, &input, st);
        goto done;
    }
    if (put != SEC_E_OK && first && !has_leg_input(ctx->pkg) &&
        (put == SEC_E_BUFFER_TOO_SMALL || put == SEC_E_INVALID_TOKEN)) {
        /* Nothing was created: the caller may repeat the first call with
         * the same token and room for the output.  The accepted context
         * waits for that (the acceptor is not run twice on one AP-REQ:
         * MIT's replay cache would refuse the second time).  A Digest
         * first leg is simply run again (its nonces are stateless). */
        ctx->pending_output = output;
        ctx->pending_status = ctx->established ? SEC_E_OK : SEC_I_CONTINUE_NEEDED;
        shim_replay_park(&input, ctx);
        st = put;
        goto done;
    }
    gss_release_buffer(&minor, &output);
    if (put != SEC_E_OK) {
        st = put;
        goto failed;
    }
    if (first) {
        if ((st = shim_handle_new(SHIM_HANDLE_CONTEXT, ctx, phNewContext)) != SEC_E_OK) {
            if (!has_leg_input(ctx->pkg))
                shim_replay_forget(&input);
            goto failed;
        }
        st = ctx->established ? SEC_E_OK : SEC_I_CONTINUE_NEEDED;
    } else if (phNewContext != NULL && phNewContext != phContext) {
        *phNewContext = *phContext;
    }
    if (ctx->pkg->ops != NULL && ctx->pkg->ops->accept_done != NULL)
        ctx->pkg->ops->accept_done(ctx, pInput);
    set_outputs(ctx, pfContextAttr, ptsExpiry);
    goto done;

failed:
    if (!first)
        ctx->failed = st;
    else
        shim_context_free(ctx);
done:
    free(pkg_token);
    return st;
}

SSPI_API SECURITY_STATUS SEC_ENTRY DeleteSecurityContext(PCtxtHandle phContext)
{
    const char *pkg = shim_trace_enabled() ? shim_trace_context_package(phContext) : NULL;
    struct shim_context *ctx = shim_handle_take(phContext, SHIM_HANDLE_CONTEXT);
    SECURITY_STATUS st = SEC_E_INVALID_HANDLE;
    if (ctx != NULL) {
        shim_context_free(ctx);
        st = SEC_E_OK;
    }
    if (shim_trace_enabled())
        shim_trace_call("DeleteSecurityContext", pkg, SHIM_TRACE_NO_FLAGS, 0, 0, st);
    return st;
}

static SECURITY_STATUS complete_auth_token(PCtxtHandle phContext, PSecBufferDesc pToken)
{
    if (shim_handle_get(phContext, SHIM_HANDLE_CONTEXT) == NULL)
        return SEC_E_INVALID_HANDLE;
    SECURITY_STATUS st = shim_check_desc(pToken);
    if (st != SEC_E_OK)
        return st;
    /* No package asks for SEC_I_COMPLETE_NEEDED: Kerberos and Negotiate
     * tokens are complete when InitializeSecurityContext returns them, and
     * so are WDigest's, whose every parameter is an input of the call
     * (shim/digest_package.c). */
    return SEC_E_OK;
}

SSPI_API SECURITY_STATUS SEC_ENTRY CompleteAuthToken(PCtxtHandle phContext, PSecBufferDesc pToken)
{
    SECURITY_STATUS st = complete_auth_token(phContext, pToken);
    if (shim_trace_enabled())
        shim_trace_call("CompleteAuthToken", shim_trace_context_package(phContext), SHIM_TRACE_NO_FLAGS, 0, 0, st);
    return st;
}

SSPI_API SECURITY_STATUS SEC_ENTRY ApplyControlToken(PCtxtHandle phContext, PSecBufferDesc pInput)
{
    SECURITY_STATUS st = SEC_E_INVALID_HANDLE;
    (void)pInput;
    /* No control token of these packages has a GSS-API counterpart. */
    if (shim_handle_get(phContext, SHIM_HANDLE_CONTEXT) != NULL)
        st = shim_fail(SEC_E_UNSUPPORTED_FUNCTION,
                       "no control token can be applied through GSS-API");
    if (shim_trace_enabled())
        shim_trace_call("ApplyControlToken", shim_trace_context_package(phContext), SHIM_TRACE_NO_FLAGS, 0, 0, st);
    return st;
}

SSPI_API SECURITY_STATUS SEC_ENTRY AcceptSecurityContext(
    PCredHandle phCredential, PCtxtHandle phContext, PSecBufferDesc pInput,
    ULONG fContextReq, ULONG TargetDataRep, PCtxtHandle phNewContext,
    PSecBufferDesc pOutput, ULONG *pfContextAttr, PTimeStamp ptsExpiry)
{
    void *pin = shim_handle_pin(phContext, SHIM_HANDLE_CONTEXT);
    void *cred_pin = shim_handle_pin(phCredential, SHIM_HANDLE_CREDENTIAL);
    SECURITY_STATUS st = accept_security_context(phCredential, phContext, pInput, fContextReq,
                                                 TargetDataRep, phNewContext, pOutput,
                                                 pfContextAttr, ptsExpiry);
    if (shim_trace_enabled()) {
        const char *pkg = phContext != NULL ? shim_trace_context_package(phContext)
                                            : shim_trace_credential_package(phCredential);
        shim_trace_call("AcceptSecurityContext", pkg, SHIM_TRACE_ASC, fContextReq,
                        pfContextAttr != NULL ? *pfContextAttr : 0, st);
    }
    shim_handle_unpin(cred_pin);
    shim_handle_unpin(pin);
    return st;
}
