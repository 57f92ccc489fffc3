/*
 * The "CredSSP" package over the sspi-shim CredSSP mechanism
 * (include/gssapi_sspi_shim_credssp.h).  The generic context code runs the
 * legs; these hooks add what the CredSSP pages ask for on top:
 *  - credentials: outbound from a CREDSSP_CRED / CREDSSP_CRED_EX (its
 *    pSpnegoCred) or a bare SEC_WINNT_AUTH_IDENTITY: the password goes to
 *    the mechanism (it is what CredSSP delegates) and to an inner
 *    "Negotiate" credential (what the inner SPNEGO context logs on with);
 *    a card identity (User a pkcs11: URI, Password the PIN:
 *    shim/smartcard.c) logs the inner credential on with PKINIT and has
 *    the mechanism send TSSmartCardCreds;
 *    inbound: the mechanism's acceptor credential, with an inner Negotiate
 *    acceptor credential when a principal is named;
 *  - each leg's input: whole TLS records (SEC_E_INCOMPLETE_MESSAGE with a
 *    SECBUFFER_MISSING count otherwise), the acceptor's first token framed
 *    with the mechanism OID for the mechglue;
 *  - SECPKG_ATTR_CREDS (the delegated credentials, marshaled as
 *    SspiMarshalAuthIdentity does), SIZES and STREAM_SIZES;
 *  - EncryptMessage / DecryptMessage as TLS records in the Schannel
 *    STREAM_HEADER / DATA / STREAM_TRAILER layout.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#ifndef SSPI_SHIM_HEIMDAL
#include <gssapi/gssapi_ext.h>
#endif

#include "auth_identity.h"
#include "gssapi_sspi_shim_credssp.h"
#include "shim_internal.h"

gss_OID_desc shim_oid_credssp = {GSS_SSPI_SHIM_CREDSSP_MECH_OID_LENGTH,
                                 (void *)GSS_SSPI_SHIM_CREDSSP_MECH_OID_BYTES};
static gss_OID_set_desc credssp_only = {1, &shim_oid_credssp};
static gss_OID_desc oid_nt_user_name = {10, (void *)"\x2a\x86\x48\x86\xf7\x12\x01\x02\x01\x01"};
static gss_OID_desc oid_nt_hostbased = {10, (void *)"\x2a\x86\x48\x86\xf7\x12\x01\x02\x01\x04"};
#define CS_OID(name) {GSS_SSPI_SHIM_CREDSSP_OID_LENGTH, (void *)GSS_SSPI_SHIM_CREDSSP_##name##_BYTES}
static gss_OID_desc opt_inner_cred = CS_OID(OPT_INNER_CRED);
static gss_OID_desc opt_inner_mech = CS_OID(OPT_INNER_MECH);
/* NTLM, [MS-NLMP]: 1.3.6.1.4.1.311.2.2.10 (the DER contents INNER_MECH takes). */
static const unsigned char ntlm_oid_bytes[] = {0x2b, 0x06, 0x01, 0x04, 0x01,
                                               0x82, 0x37, 0x02, 0x02, 0x0a};
static gss_OID_desc inq_credentials = CS_OID(INQ_CREDENTIALS);
static gss_OID_desc inq_stream_sizes = CS_OID(INQ_STREAM_SIZES);
static gss_OID_desc inq_extra = CS_OID(INQ_EXTRA);

/* TLS record header (RFC 5246 6.2.1): type, version, 2-byte length. */
#define TLS_HEADER 5

/* ------------------------------------------------------------ credentials */

/* The identity inside pAuthData: CREDSSP_CRED(_EX)'s pSpnegoCred, or the
 * identity itself (CredSSP page of AcquireCredentialsHandle; a CREDSSP_CRED
 * starts with a small submit type, an identity with a pointer or, for
 * the EX forms, a version above 0x100). */
static void *spnego_identity(void *auth_data, bool *card_submit)
{
    ULONG type;
    memcpy(&type, auth_data, sizeof(type));
    *card_submit = type == CredsspSchannelCreds || type == CredsspCertificateCreds;
    if (type == CredsspCredEx)
        return ((CREDSSP_CRED_EX *)auth_data)->Cred.pSpnegoCred;
    if (type == CredsspPasswordCreds || type == CredsspSubmitBufferBoth ||
        type == CredsspSubmitBufferBothOld)
        return ((CREDSSP_CRED *)auth_data)->pSpnegoCred;
    /* Windows' card submit types: the identity (in pSpnegoCred, as mstsc
     * passes it) must be a card identity; acquire_outbound checks. */
    if (*card_submit)
        return ((CREDSSP_CRED *)auth_data)->pSpnegoCred;
    return auth_data;
}

static SECURITY_STATUS set_option(gss_cred_id_t *cred, gss_OID option, const void *value,
                                  size_t length)
{
    OM_uint32 major, minor;
    gss_buffer_desc v = {length, (void *)value};
    major = gss_set_cred_option(&minor, cred, option, &v);
    if (GSS_ERROR(major))
        return shim_gss_status("gss_set_cred_option", major, minor, &shim_oid_credssp);
    return SEC_E_OK;
}

/*
 * The inner package the identity's PackageList leaves (shim/identity.c
 * parses it, as Windows' Negotiate does; Windows' CredSSP runs its inner
 * context through Negotiate and so honours the same list).  Returns
 * "Negotiate" (Kerberos allowed: SPNEGO, the default), "NTLM" (only NTLM
 * allowed) or NULL (neither).
 */
static const char *inner_package(const char *list)
{
    bool kerberos, ntlm;
    shim_identity_packages(list, &kerberos, &ntlm);
    if (kerberos)
        return "Negotiate";
    return ntlm ? "NTLM" : NULL;
}

/* SMARTCARD: the card's names for TSSmartCardCreds (cardName, readerName,
 * containerName, cspName, userHint, domainHint), from the certificate the
 * inner credential found; the hints split the certificate's UPN. */
static SECURITY_STATUS set_card_option(gss_cred_id_t *cred, const struct shim_card *card)
{
    const char *at = strrchr(card->principal, '@');
    int user_len = at ? (int)(at - card->principal) : (int)strlen(card->principal);
    char *value = NULL;
    int length = asprintf(&value, "%s%c%s%c%s%c%s%c%.*s%c%s", card->token_label, 0,
                          card->reader_name, 0, card->object_label, 0, card->module_path, 0,
                          user_len, card->principal, 0, at ? at + 1 : "");
    if (length < 0)
        return SEC_E_INSUFFICIENT_MEMORY;
    static gss_OID_desc opt_smartcard = CS_OID(OPT_SMARTCARD);
    SECURITY_STATUS st = set_option(cred, &opt_smartcard, value, (size_t)length);
    free(value);
    return st;
}

static SECURITY_STATUS acquire_outbound(struct shim_credential *cred, const char *principal,
                                        void *auth_data)
{
    bool card_submit = false;
    void *identity = auth_data ? spnego_identity(auth_data, &card_submit) : NULL;
    if (identity == NULL)
        return shim_fail(SEC_E_NO_CREDENTIALS,
                         "CredSSP delegates a password or a card: pass a SEC_WINNT_AUTH_IDENTITY, "
                         "or a CREDSSP_CRED whose pSpnegoCred is one");
    struct shim_identity id;
    SECURITY_STATUS st = shim_identity_decode(identity, &id);
    if (st != SEC_E_OK)
        return st;
    if (id.user == NULL || !id.has_password) {
        shim_identity_clear(&id);
        return shim_fail(SEC_E_NO_CREDENTIALS, "a CredSSP identity needs a user name and a password");
    }
    /* The inner context's logon: Kerberos through SPNEGO, as Negotiate;
     * or, when the identity's package list allows only NTLM, raw NTLM
     * (INNER_MECH).  Raw, not NTLM inside SPNEGO: that is what FreeRDP 2's
     * server takes - winpr 2's "Negotiate" package is NTLM passed straight
     * through (Debian's build has no GSS-API and no SPNEGO), and its first
     * token must be an NTLMSSP NEGOTIATE (docs/credssp.md, measured). */
    const char *inner = inner_package(id.packages);
    bool card = shim_card_identity(id.user);
    if (card && (inner == NULL || strcmp(inner, "NTLM") == 0)) {
        shim_identity_clear(&id);
        return shim_fail(SEC_E_NO_CREDENTIALS, "a smart card logs on with Kerberos (PKINIT), "
                                               "which the identity's package list leaves out");
    }
    if (!card && card_submit) {
        shim_identity_clear(&id);
        return shim_fail(SEC_E_NO_CREDENTIALS, "a CredSSP certificate credential needs a card "
                                               "identity: User a pkcs11: URI, Password the PIN");
    }
    if (inner == NULL) {
        shim_identity_clear(&id);
        return shim_fail(SEC_E_NO_CREDENTIALS,
                         "the identity's package list allows neither Kerberos nor NTLM for the "
                         "CredSSP inner context");
    }
    st = shim_credential_create(principal, inner, SECPKG_CRED_OUTBOUND, identity, &cred->inner);
    char name[1024];
    if (card && st == SEC_E_OK)
        snprintf(name, sizeof(name), "%s", cred->inner->card->principal);
    else if (id.domain != NULL && id.domain[0] != '\0')
        snprintf(name, sizeof(name), "%s\\%s", id.domain, id.user);
    else
        snprintf(name, sizeof(name), "%s", id.user);
    if (st == SEC_E_OK) {
        OM_uint32 major, minor;
        gss_name_t gname = GSS_C_NO_NAME;
        gss_buffer_desc nbuf = {strlen(name), name};
        gss_buffer_desc pw = {strlen(id.password), id.password};
        major = gss_import_name(&minor, &nbuf, &oid_nt_user_name, &gname);
        if (!GSS_ERROR(major)) {
            major = gss_acquire_cred_with_password(&minor, gname, &pw, GSS_C_INDEFINITE,
                                                   &credssp_only, GSS_C_INITIATE,
                                                   &cred->initiate, NULL, NULL);
            gss_release_name(&minor, &gname);
        }
        if (GSS_ERROR(major))
            st = shim_gss_status("gss_acquire_cred_with_password", major, minor,
                                 &shim_oid_credssp);
    }
    if (st == SEC_E_OK && strcmp(inner, "NTLM") == 0)
        st = set_option(&cred->initiate, &opt_inner_mech, ntlm_oid_bytes, sizeof(ntlm_oid_bytes));
    if (st == SEC_E_OK && card)
        st = set_card_option(&cred->initiate, cred->inner->card);
    shim_identity_clear(&id); /* wipes the password */
    if (st != SEC_E_OK)
        return st;
    cred->principal = strdup(name);
    if (cred->principal == NULL)
        return SEC_E_INSUFFICIENT_MEMORY;
    /* initiate_ready stays false: the first InitializeSecurityContext hands
     * the inner credential over (shim_credential_initiator is where a wrong
     * password shows, as on Windows). */
    return SEC_E_OK;
}

static SECURITY_STATUS acquire_inbound(struct shim_credential *cred, const char *principal)
{
    OM_uint32 major, minor;
    major = gss_acquire_cred(&minor, GSS_C_NO_NAME, GSS_C_INDEFINITE, &credssp_only,
                             GSS_C_ACCEPT, &cred->accept, NULL, NULL);
    if (GSS_ERROR(major))
        return shim_gss_status("gss_acquire_cred", major, minor, &shim_oid_credssp);
    if (principal == NULL || principal[0] == '\0')
        return SEC_E_OK; /* the inner acceptor uses the keytab's keys */
    SECURITY_STATUS st = shim_credential_create(principal, "Negotiate", SECPKG_CRED_INBOUND,
                                                NULL, &cred->inner_accept);
    if (st != SEC_E_OK)
        return st;
    return set_option(&cred->accept, &opt_inner_cred, &cred->inner_accept->accept,
                      sizeof(cred->inner_accept->accept));
}

static SECURITY_STATUS credssp_acquire(struct shim_credential *cred, const char *principal,
                                       void *auth_data)
{
    SECURITY_STATUS st = SEC_E_OK;
    if (cred->use & SECPKG_CRED_OUTBOUND)
        st = acquire_outbound(cred, principal, auth_data);
    if (st == SEC_E_OK && (cred->use & SECPKG_CRED_INBOUND))
        st = acquire_inbound(cred, principal);
    return st;
}

/* The inner credential goes to the mechanism on the first context: its
 * password logon happens then (SEC_E_LOGON_DENIED from
 * InitializeSecurityContext, as on Windows). */
static SECURITY_STATUS hand_over_inner(struct shim_credential *cred)
{
    if (atomic_load_explicit(&cred->initiate_ready, memory_order_acquire))
        return SEC_E_OK;
    gss_cred_id_t inner;
    SECURITY_STATUS st = shim_credential_initiator(cred->inner, &inner);
    if (st != SEC_E_OK)
        return st;
    pthread_mutex_lock(&cred->lock);
    if (!atomic_load_explicit(&cred->initiate_ready, memory_order_relaxed)) {
        st = set_option(&cred->initiate, &opt_inner_cred, &inner, sizeof(inner));
        if (st == SEC_E_OK)
            atomic_store_explicit(&cred->initiate_ready, true, memory_order_release);
    }
    pthread_mutex_unlock(&cred->lock);
    return st;
}

/* ------------------------------------------------------------ legs */

/* fContextReq flags CredSSP cannot honour (the ISC/ASC (CredSSP) pages:
 * SEC_E_UNSUPPORTED_FUNCTION for a flag "not supported by CredSSP"). */
#define ISC_UNSUPPORTED (ISC_REQ_DATAGRAM | ISC_REQ_NULL_SESSION | ISC_REQ_PROMPT_FOR_CREDS | \
                         ISC_REQ_USE_DCE_STYLE | ISC_REQ_USE_HTTP_STYLE)
/* The ASC page's ASC_REQ_PROMPT_FOR_CREDS has no value in the SDK. */
#define ASC_UNSUPPORTED (ASC_REQ_DATAGRAM | ASC_REQ_ALLOW_NULL_SESSION | ASC_REQ_USE_DCE_STYLE)

static SECURITY_STATUS credssp_check_req(bool initiator, ULONG req)
{
    return (req & (initiator ? ISC_UNSUPPORTED : ASC_UNSUPPORTED)) ? SEC_E_UNSUPPORTED_FUNCTION
                                                                   : SEC_E_OK;
}

/* "TERMSRV/host" (or "TERMSRV@host"): a host-based service name. */
static SECURITY_STATUS credssp_import_target(struct shim_context *ctx, const char *target)
{
    enum gssmap_name_kind kind;
    char *text = NULL;
    if (target == NULL || target[0] == '\0' || gssmap_target_name(target, &kind, &text) != 0)
        return shim_fail(SEC_E_TARGET_UNKNOWN, "CredSSP needs a target 'service/host', not '%s'",
                         target ? target : "");
    if (kind != GSSMAP_NAME_HOSTBASED) {
        free(text);
        return shim_fail(SEC_E_TARGET_UNKNOWN,
                         "CredSSP targets are 'service/host' without a realm: '%s'", target);
    }
    OM_uint32 major, minor;
    gss_buffer_desc buf = {strlen(text), text};
    major = gss_import_name(&minor, &buf, &oid_nt_hostbased, &ctx->target);
    free(text);
    if (GSS_ERROR(major)) {
        ctx->target = GSS_C_NO_NAME;
        return shim_fail(SEC_E_TARGET_UNKNOWN, "cannot import the CredSSP target '%s'", target);
    }
    ctx->target_owned = true;
    return SEC_E_OK;
}

/*
 * How much of `p` is whole TLS records: SEC_E_OK with *whole == len, or
 * SEC_E_INCOMPLETE_MESSAGE with *missing the bytes still to read for the
 * cut record, or SEC_E_INVALID_TOKEN for bytes that are not TLS records
 * (RFC 5246 6.2.1: content types 20-23, major version 3).
 */
static SECURITY_STATUS scan_records(const unsigned char *p, size_t len, size_t limit_records,
                                    size_t *whole, size_t *missing)
{
    size_t pos = 0, n = 0;
    *whole = 0;
    *missing = 0;
    while (pos < len && (limit_records == 0 || n < limit_records)) {
        if (len - pos < TLS_HEADER) {
            *missing = TLS_HEADER - (len - pos);
            return SEC_E_INCOMPLETE_MESSAGE;
        }
        if (p[pos] < 20 || p[pos] > 23 || p[pos + 1] != 3)
            return SEC_E_INVALID_TOKEN;
        size_t rec = TLS_HEADER + ((size_t)p[pos + 3] << 8 | p[pos + 4]);
        if (len - pos < rec) {
            *missing = rec - (len - pos);
            return SEC_E_INCOMPLETE_MESSAGE;
        }
        pos += rec;
        n++;
    }
    *whole = pos;
    return SEC_E_OK;
}

/* SEC_E_INCOMPLETE_MESSAGE: an empty buffer of the input becomes
 * SECBUFFER_MISSING with the count (the CredSSP ISC page). */
static void mark_missing(PSecBufferDesc in, size_t missing)
{
    SecBuffer *b = shim_find_buffer(in, SECBUFFER_EMPTY);
    if (b != NULL) {
        b->BufferType = SECBUFFER_MISSING;
        b->cbBuffer = (ULONG)missing;
    }
}

/*
 * ISC_REQ_USE_SUPPLIED_CREDS (the ISC (CredSSP) page): CredSSP supplies no
 * credentials of its own and looks for a SECBUFFER_PKG_PARAMS input buffer.
 * The page leaves its contents to the package; here it is a marshaled auth
 * identity (SspiMarshalAuthIdentity's format, the one SECPKG_ATTR_CREDS
 * hands an acceptor), and this context logs on and delegates with it
 * instead of the credential handle's identity.  Without the buffer the
 * handle's own identity is the supplied one: a CredSSP handle always has
 * one (AcquireCredentialsHandle refuses default credentials on Unix).
 */
static SECURITY_STATUS use_supplied_credentials(struct shim_context *ctx, PSecBufferDesc in)
{
    SecBuffer *params = shim_find_buffer(in, SECBUFFER_PKG_PARAMS);
    if (params != NULL) {
        if (params->pvBuffer == NULL || params->cbBuffer == 0)
            return shim_fail(SEC_E_UNKNOWN_CREDENTIALS, "SECBUFFER_PKG_PARAMS is empty");
        PSEC_WINNT_AUTH_IDENTITY_OPAQUE identity = NULL;
        if (SspiUnmarshalAuthIdentity(params->cbBuffer, params->pvBuffer, &identity) != SEC_E_OK)
            return shim_fail(SEC_E_UNKNOWN_CREDENTIALS,
                             "SECBUFFER_PKG_PARAMS holds no marshaled auth identity");
        struct shim_credential *supplied = NULL;
        SECURITY_STATUS st = shim_credential_create(NULL, "CREDSSP", SECPKG_CRED_OUTBOUND,
                                                    identity, &supplied);
        SspiFreeAuthIdentity(identity); /* wipes the password */
        if (st != SEC_E_OK)
            return st;
        shim_credential_unref(ctx->cred);
        ctx->cred = supplied;
    }
    ctx->pkg_ret_flags |= ISC_RET_USED_SUPPLIED_CREDS;
    return SEC_E_OK;
}

static SECURITY_STATUS credssp_leg_input(struct shim_context *ctx, bool first, PSecBufferDesc in,
                                         gss_buffer_desc *token,
                                         struct gss_channel_bindings_struct *cb,
                                         gss_channel_bindings_t *bindings, bool *skip_gss)
{
    (void)cb;
    *skip_gss = false;
    *bindings = GSS_C_NO_CHANNEL_BINDINGS; /* CredSSP binds to the TLS key itself */
    token->length = 0;
    token->value = NULL;
    if (ctx->initiator && first) {
        SECURITY_STATUS st = SEC_E_OK;
        if (ctx->req_flags & ISC_REQ_USE_SUPPLIED_CREDS)
            st = use_supplied_credentials(ctx, in);
        /* The inner credential goes to the mechanism now (its password
         * logon: SEC_E_LOGON_DENIED from this first call, as on Windows). */
        if (st == SEC_E_OK)
            st = hand_over_inner(ctx->cred);
        if (st != SEC_E_OK)
            return st;
    }
    SecBuffer *t = shim_find_buffer(in, SECBUFFER_TOKEN);
    bool empty = t == NULL || t->cbBuffer == 0;
    if (empty) {
        if (ctx->initiator && first)
            return SEC_E_OK; /* the ClientHello needs no input */
        return shim_fail(SEC_E_INVALID_TOKEN, "no input SECBUFFER_TOKEN");
    }
    if (t->pvBuffer == NULL)
        return shim_fail(SEC_E_INVALID_TOKEN, "input SECBUFFER_TOKEN has no memory");
    size_t whole, missing;
    SECURITY_STATUS st = scan_records(t->pvBuffer, t->cbBuffer, 0, &whole, &missing);
    if (st == SEC_E_INCOMPLETE_MESSAGE) {
        mark_missing(in, missing);
        return st; /* no shim_fail: not an error, read more */
    }
    if (st != SEC_E_OK)
        return shim_fail(st, "the CredSSP input is not TLS records");
    /* The mechglue picks the acceptor's mechanism from the first token:
     * frame it with our OID (RFC 2743 3.1). */
    size_t frame = 0, body = 0;
    if (first && !ctx->initiator) {
        body = 2 + GSS_SSPI_SHIM_CREDSSP_MECH_OID_LENGTH + whole;
        frame = 1 + (body < 0x80 ? 1 : body < 0x100 ? 2 : body < 0x10000 ? 3 : 4) +
                2 + GSS_SSPI_SHIM_CREDSSP_MECH_OID_LENGTH;
        if (body >= 0x1000000)
            return shim_fail(SEC_E_INVALID_TOKEN, "CredSSP first token too large");
    }
    unsigned char *p = malloc(frame + whole);
    if (p == NULL)
        return SEC_E_INSUFFICIENT_MEMORY;
    if (frame) {
        size_t i = 0;
        p[i++] = 0x60;
        if (body < 0x80) {
            p[i++] = (unsigned char)body;
        } else if (body < 0x100) {
            p[i++] = 0x81;
            p[i++] = (unsigned char)body;
        } else if (body < 0x10000) {
            p[i++] = 0x82;
            p[i++] = (unsigned char)(body >> 8);
            p[i++] = (unsigned char)body;
        } else {
            p[i++] = 0x83;
            p[i++] = (unsigned char)(body >> 16);
            p[i++] = (unsigned char)(body >> 8);
            p[i++] = (unsigned char)body;
        }
        p[i++] = 0x06;
        p[i++] = GSS_SSPI_SHIM_CREDSSP_MECH_OID_LENGTH;
        memcpy(p + i, GSS_SSPI_SHIM_CREDSSP_MECH_OID_BYTES, GSS_SSPI_SHIM_CREDSSP_MECH_OID_LENGTH);
    }
    memcpy(p + frame, t->pvBuffer, whole);
    token->value = p;
    token->length = frame + whole;
    return SEC_E_OK;
}

/* Once established: TLS records the client sent behind its final
 * TSRequest (an RDP client's first PDU) were not used; an empty input
 * buffer becomes SECBUFFER_EXTRA with their count, as Schannel reports
 * the start of the application data (the bytes are the last cbBuffer of
 * the input token; DecryptMessage takes them). */
static void credssp_accept_done(struct shim_context *ctx, PSecBufferDesc in)
{
    OM_uint32 major, minor;
    gss_buffer_set_t set = GSS_C_NO_BUFFER_SET;
    if (!ctx->established)
        return;
    major = gss_inquire_sec_context_by_oid(&minor, ctx->gss, &inq_extra, &set);
    if (!GSS_ERROR(major) && set != GSS_C_NO_BUFFER_SET && set->count == 1 &&
        set->elements[0].length == 4) {
        const unsigned char *b = set->elements[0].value;
        uint32_t n = b[0] | b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
        SecBuffer *t = shim_find_buffer(in, SECBUFFER_TOKEN);
        SecBuffer *e = shim_find_buffer(in, SECBUFFER_EMPTY);
        if (n > 0 && t != NULL && e != NULL && n <= t->cbBuffer) {
            e->BufferType = SECBUFFER_EXTRA;
            e->pvBuffer = (unsigned char *)t->pvBuffer + t->cbBuffer - n;
            e->cbBuffer = n;
        }
    }
    gss_release_buffer_set(&minor, &set);
}

/* ------------------------------------------------------------ attributes */

/* The record sizes, asked of the mechanism once per context (message
 * calls run under the context's lock; so do the attribute queries). */
static SECURITY_STATUS stream_sizes(struct shim_context *ctx, uint32_t *header, uint32_t *trailer,
                                    uint32_t *max_message)
{
    OM_uint32 major, minor;
    gss_buffer_set_t set = GSS_C_NO_BUFFER_SET;
    if (!ctx->established)
        return SEC_E_INVALID_HANDLE;
    if (!ctx->tls_sizes_known) {
        major = gss_inquire_sec_context_by_oid(&minor, ctx->gss, &inq_stream_sizes, &set);
        if (GSS_ERROR(major) || set == GSS_C_NO_BUFFER_SET || set->count != 1 ||
            set->elements[0].length != 12) {
            gss_release_buffer_set(&minor, &set);
            return shim_fail(SEC_E_INTERNAL_ERROR, "the CredSSP mechanism gave no record sizes");
        }
        const unsigned char *b = set->elements[0].value;
        ctx->tls_header = b[0] | b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
        ctx->tls_trailer = b[4] | b[5] << 8 | (uint32_t)b[6] << 16 | (uint32_t)b[7] << 24;
        ctx->tls_max = b[8] | b[9] << 8 | (uint32_t)b[10] << 16 | (uint32_t)b[11] << 24;
        gss_release_buffer_set(&minor, &set);
        ctx->tls_sizes_known = true;
    }
    *header = ctx->tls_header;
    *trailer = ctx->tls_trailer;
    *max_message = ctx->tls_max;
    return SEC_E_OK;
}

/* SECPKG_ATTR_CREDS: the delegated credentials as a marshaled identity
 * (what SspiUnmarshalAuthIdentity takes back), freed with
 * FreeContextBuffer. */
static SECURITY_STATUS client_creds(struct shim_context *ctx, SecPkgContext_ClientCreds *out)
{
    OM_uint32 major, minor;
    gss_buffer_set_t set = GSS_C_NO_BUFFER_SET;
    struct ai_parts parts;
    SECURITY_STATUS st;
    out->AuthBufferLen = 0;
    out->AuthBuffer = NULL;
    if (ctx->initiator || !ctx->established)
        return shim_fail(SEC_E_UNSUPPORTED_FUNCTION,
                         "SECPKG_ATTR_CREDS is the server's, once established");
    major = gss_inquire_sec_context_by_oid(&minor, ctx->gss, &inq_credentials, &set);
    if (GSS_ERROR(major) || set == GSS_C_NO_BUFFER_SET || set->count != 1)
        return shim_fail(SEC_E_UNSUPPORTED_FUNCTION, "no password credentials were delegated");
    const char *f = set->elements[0].value, *end = f + set->elements[0].length;
    const char *user = memchr(f, '\0', (size_t)(end - f));
    const char *pw = user ? memchr(user + 1, '\0', (size_t)(end - user - 1)) : NULL;
    char *domain_s = NULL, *user_s = NULL, *pw_s = NULL;
    memset(&parts, 0, sizeof(parts));
    st = SEC_E_INTERNAL_ERROR;
    if (pw != NULL && (domain_s = strndup(f, (size_t)(user - f))) != NULL &&
        (user_s = strdup(user + 1)) != NULL &&
        (pw_s = strndup(pw + 1, (size_t)(end - pw - 1))) != NULL) {
        size_t pw_n = 0;
        SEC_WCHAR *pw16 = NULL;
        parts.flags = SEC_WINNT_AUTH_IDENTITY_UNICODE;
        st = shim_utf8_to_utf16(user_s, &parts.user, &parts.user_n);
        if (st == SEC_E_OK)
            st = shim_utf8_to_utf16(domain_s, &parts.domain, &parts.domain_n);
        if (st == SEC_E_OK)
            st = shim_utf8_to_utf16(pw_s, &pw16, &pw_n);
        if (st == SEC_E_OK) {
            parts.has_cred = true;
            parts.cred_type = shim_auth_data_type_password;
            parts.cred = (uint8_t *)pw16;
            parts.cred_len = pw_n * sizeof(SEC_WCHAR);
        }
        if (parts.user_n == 0) {
            free(parts.user);
            parts.user = NULL;
        }
        if (parts.domain_n == 0) {
            free(parts.domain);
            parts.domain = NULL;
        }
    }
    if (pw_s != NULL)
        explicit_bzero(pw_s, strlen(pw_s));
    free(pw_s);
    free(user_s);
    free(domain_s);
    explicit_bzero(set->elements[0].value, set->elements[0].length);
    gss_release_buffer_set(&minor, &set);
    void *bytes = NULL;
    size_t len = 0;
    if (st == SEC_E_OK)
        st = ai_build(&parts, true, AI_KIND_BYTES, &bytes, &len);
    ai_parts_clear(&parts);
    if (st != SEC_E_OK)
        return st;
    /* FreeContextBuffer frees with free(): a plain copy of the marshaled form. */
    out->AuthBuffer = malloc(len);
    if (out->AuthBuffer != NULL) {
        memcpy(out->AuthBuffer, bytes, len);
        out->AuthBufferLen = (ULONG)len;
    }
    ai_release(bytes);
    return out->AuthBuffer != NULL ? SEC_E_OK : SEC_E_INSUFFICIENT_MEMORY;
}

static SECURITY_STATUS credssp_query(struct shim_context *ctx, ULONG attribute, void *buffer,
                                     bool wide, bool *handled)
{
    uint32_t header, trailer, max_message;
    SECURITY_STATUS st;
    (void)wide;
    *handled = true;
    switch (attribute) {
    case SECPKG_ATTR_CREDS:
        return client_creds(ctx, buffer);
    case SECPKG_ATTR_STREAM_SIZES: {
        SecPkgContext_StreamSizes *s = buffer;
        if ((st = stream_sizes(ctx, &header, &trailer, &max_message)) != SEC_E_OK)
            return st;
        s->cbHeader = header;
        s->cbTrailer = trailer;
        s->cbMaximumMessage = max_message;
        s->cBuffers = 4;
        s->cbBlockSize = 1; /* AEAD suites only: no padding */
        return SEC_E_OK;
    }
    case SECPKG_ATTR_SIZES: {
        SecPkgContext_Sizes *s = buffer;
        if ((st = stream_sizes(ctx, &header, &trailer, &max_message)) != SEC_E_OK)
            return st;
        s->cbMaxToken = ctx->pkg->max_token;
        s->cbMaxSignature = 0; /* no MakeSignature over TLS */
        s->cbBlockSize = 1;
        s->cbSecurityTrailer = header + trailer;
        return SEC_E_OK;
    }
    default:
        *handled = false;
        return SEC_E_OK;
    }
}

/* ------------------------------------------------------------ messages */

/* EncryptMessage: STREAM_HEADER, DATA, STREAM_TRAILER (sized from
 * STREAM_SIZES); DATA is encrypted in place and the trailer's cbBuffer
 * set to what was used. */
static SECURITY_STATUS credssp_encrypt(struct shim_context *ctx, ULONG qop, PSecBufferDesc msg,
                                       bool *handled)
{
    *handled = true;
    if (qop & SECQOP_WRAP_NO_ENCRYPT)
        return shim_fail(SEC_E_QOP_NOT_SUPPORTED, "every CredSSP (TLS) record is encrypted");
    SecBuffer *h = shim_find_buffer(msg, SECBUFFER_STREAM_HEADER);
    SecBuffer *d = shim_find_buffer(msg, SECBUFFER_DATA);
    SecBuffer *t = shim_find_buffer(msg, SECBUFFER_STREAM_TRAILER);
    uint32_t header, trailer, max_message;
    SECURITY_STATUS st = stream_sizes(ctx, &header, &trailer, &max_message);
    if (st != SEC_E_OK)
        return st;
    if (h == NULL || d == NULL || t == NULL || (d->cbBuffer && d->pvBuffer == NULL) ||
        h->pvBuffer == NULL || t->pvBuffer == NULL)
        return shim_fail(SEC_E_INVALID_TOKEN,
                         "EncryptMessage (CredSSP) takes STREAM_HEADER, DATA and STREAM_TRAILER");
    if (d->cbBuffer > max_message)
        return shim_fail(SEC_E_INVALID_PARAMETER, "more than one TLS record of data (%u > %u)",
                         (unsigned)d->cbBuffer, (unsigned)max_message);
    if (h->cbBuffer < header || t->cbBuffer < trailer)
        return shim_fail(SEC_E_BUFFER_TOO_SMALL, "STREAM_HEADER/TRAILER smaller than STREAM_SIZES");
    OM_uint32 major, minor;
    int conf = 0;
    gss_iov_buffer_desc iov[3] = {
        {GSS_IOV_BUFFER_TYPE_HEADER, {h->cbBuffer, h->pvBuffer}},
        {GSS_IOV_BUFFER_TYPE_DATA, {d->cbBuffer, d->pvBuffer}},
        {GSS_IOV_BUFFER_TYPE_TRAILER, {t->cbBuffer, t->pvBuffer}},
    };
    major = gss_wrap_iov(&minor, ctx->gss, 1, GSS_C_QOP_DEFAULT, &conf, iov, 3);
    if (GSS_ERROR(major))
        return shim_gss_status("gss_wrap_iov", major, minor, &shim_oid_credssp);
    h->cbBuffer = (ULONG)iov[0].buffer.length;
    t->cbBuffer = (ULONG)iov[2].buffer.length;
    return SEC_E_OK;
}

/* DecryptMessage: one DATA buffer holding what was read and empty buffers;
 * out come STREAM_HEADER, DATA (the plaintext, in place), STREAM_TRAILER
 * and, when more than one record was read, EXTRA (Schannel's layout). */
static SECURITY_STATUS credssp_decrypt(struct shim_context *ctx, PSecBufferDesc msg, ULONG *qop,
                                       bool *handled)
{
    *handled = true;
    if (qop != NULL)
        *qop = 0;
    SecBuffer *d = shim_find_buffer(msg, SECBUFFER_DATA);
    if (d == NULL || (d->cbBuffer && d->pvBuffer == NULL))
        return shim_fail(SEC_E_INVALID_TOKEN, "DecryptMessage (CredSSP) needs a DATA buffer");
    size_t whole, missing;
    SECURITY_STATUS st = scan_records(d->pvBuffer, d->cbBuffer, 1, &whole, &missing);
    if (st == SEC_E_INCOMPLETE_MESSAGE) {
        mark_missing(msg, missing);
        return st;
    }
    if (st != SEC_E_OK || whole == 0)
        return shim_fail(SEC_E_INVALID_TOKEN, "DecryptMessage (CredSSP): not a TLS record");
    if (msg->cBuffers - (ULONG)(d - msg->pBuffers) < 3)
        return shim_fail(SEC_E_INVALID_TOKEN,
                         "DecryptMessage (CredSSP) needs DATA and three empty buffers after it");
    unsigned char *rec = d->pvBuffer;
    size_t rest = d->cbBuffer - whole;
    uint32_t header, trailer, max_message;
    if ((st = stream_sizes(ctx, &header, &trailer, &max_message)) != SEC_E_OK)
        return st;
    OM_uint32 major, minor;
    gss_iov_buffer_desc iov[2] = {
        {GSS_IOV_BUFFER_TYPE_STREAM, {whole, rec}},
        {GSS_IOV_BUFFER_TYPE_DATA, {0, NULL}},
    };
    major = gss_unwrap_iov(&minor, ctx->gss, NULL, NULL, iov, 2);
    if (GSS_ERROR(major))
        return shim_gss_status("gss_unwrap_iov", major, minor, &shim_oid_credssp);
    size_t plain = iov[1].buffer.length;
    if (iov[1].buffer.value != rec + header || header + plain > whole)
        return shim_fail(SEC_E_INTERNAL_ERROR, "a TLS record of unexpected size");
    /* Lay the buffers out in order of the caller's array, as Schannel does:
     * the DATA buffer becomes the header, then data, trailer, extra. */
    SecBuffer *b = msg->pBuffers;
    ULONG n = msg->cBuffers, i = (ULONG)(d - b);
    b[i].BufferType = SECBUFFER_STREAM_HEADER;
    b[i].pvBuffer = rec;
    b[i].cbBuffer = header;
    b[i + 1].BufferType = SECBUFFER_DATA;
    b[i + 1].pvBuffer = rec + header;
    b[i + 1].cbBuffer = (ULONG)plain;
    b[i + 2].BufferType = SECBUFFER_STREAM_TRAILER;
    b[i + 2].pvBuffer = rec + header + plain;
    b[i + 2].cbBuffer = (ULONG)(whole - header - plain);
    if (rest > 0 && n - i >= 4) {
        b[i + 3].BufferType = SECBUFFER_EXTRA;
        b[i + 3].pvBuffer = rec + whole;
        b[i + 3].cbBuffer = (ULONG)rest;
    }
    return SEC_E_OK;
}

const struct shim_package_ops shim_credssp_ops = {
    .acquire = credssp_acquire,
    .check_req = credssp_check_req,
    .import_target = credssp_import_target,
    .leg_input = credssp_leg_input,
    .accept_done = credssp_accept_done,
    .query = credssp_query,
    .encrypt = credssp_encrypt,
    .decrypt = credssp_decrypt,
};
