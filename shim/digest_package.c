/*
 * The "WDigest" package: HTTP Digest (RFC 7616, RFC 2617) and SASL
 * DIGEST-MD5 (RFC 2831) over the sspi-shim Digest GSS mechanism
 * (include/gssapi_sspi_shim_digest.h).  The generic context code runs the
 * legs; these hooks add what Digest needs on top:
 *  - credentials: outbound only from a password identity ("DOMAIN\user"
 *    or "user", gss_acquire_cred_with_password); inbound from
 *    SSPI_SHIM_DIGEST_SERVER_CONFIG (gss_set_cred_option) or the
 *    mechanism's default (SSPI_SHIM_DIGEST_USERS);
 *  - each leg's side parameters (method, H(entity), realm, target host,
 *    channel-binding policy) framed with the wire message into the
 *    parameter token (shim/digest_rules.c);
 *  - the acceptor's answer to a call after establishment
 *    (STATUS_LOGON_FAILURE), a constant expiry, Digest's attributes.
 *
 * SEC_I_COMPLETE_NEEDED / CompleteAuthToken: the Digest pages let the
 * client package ask for CompleteAuthToken after the caller "updated some
 * message parameters".  Every parameter this package needs (method, URI,
 * H(entity)) is an input of the call itself, so each token is complete
 * when returned: no leg returns SEC_I_COMPLETE_NEEDED, and
 * CompleteAuthToken on a Digest context checks its arguments and returns
 * SEC_E_OK (curl calls it only on COMPLETE_NEEDED, and then with its
 * credential handle).
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifndef SSPI_SHIM_HEIMDAL
#include <gssapi/gssapi_ext.h>    /* MIT: gss_acquire_cred_with_password, gss_set_cred_option */
#endif

#include "bindings.h"
#include "digest_rules.h"
#include "gssapi_sspi_shim_digest.h"
#include "messages.h"
#include "shim_config.h"
#include "shim_internal.h"
#include "sspi_shim.h"

gss_OID_desc shim_oid_digest = {GSS_SSPI_SHIM_DIGEST_MECH_OID_LENGTH,
                                (void *)GSS_SSPI_SHIM_DIGEST_MECH_OID_BYTES};
static gss_OID_desc oid_nt_uri = {GSS_SSPI_SHIM_DIGEST_OID_LENGTH,
                                  (void *)GSS_SSPI_SHIM_DIGEST_NT_URI_BYTES};
static gss_OID_desc oid_nt_user_name = {10, (void *)"\x2a\x86\x48\x86\xf7\x12\x01\x02\x01\x01"};
static gss_OID_desc oid_inq_info = {GSS_SSPI_SHIM_DIGEST_OID_LENGTH,
                                    (void *)GSS_SSPI_SHIM_DIGEST_INQ_INFO_BYTES};
static gss_OID_desc oid_inq_session_key = {11, (void *)"\x2a\x86\x48\x86\xf7\x12\x01\x02\x02\x05\x05"};

#define OPT(name) {GSS_SSPI_SHIM_DIGEST_OID_LENGTH, (void *)GSS_SSPI_SHIM_DIGEST_OPT_##name##_BYTES}
static gss_OID_desc opt_htdigest = OPT(HTDIGEST_FILE);
static gss_OID_desc opt_password = OPT(PASSWORD_FILE);
static gss_OID_desc opt_nonce_key = OPT(NONCE_KEY);
static gss_OID_desc opt_nonce_lifetime = OPT(NONCE_LIFETIME);
static gss_OID_desc opt_realm = OPT(REALM);
static gss_OID_desc opt_http_algorithms = OPT(HTTP_ALGORITHMS);
static gss_OID_desc opt_qop = OPT(QOP);
static gss_OID_desc opt_sasl_ciphers = OPT(SASL_CIPHERS);

/* ------------------------------------------------------------ credentials */

/* Registration is read once per process by the GSS library, so a found
 * mechanism stays found: remember it (an absent one is asked again). */
static atomic_bool mech_seen;

static bool mech_registered(void)
{
    if (atomic_load_explicit(&mech_seen, memory_order_acquire))
        return true;
    OM_uint32 minor;
    gss_OID_set mechs = GSS_C_NO_OID_SET;
    int present = 0;
    if (GSS_ERROR(gss_indicate_mechs(&minor, &mechs)))
        return false;
    gss_test_oid_set_member(&minor, &shim_oid_digest, mechs, &present);
    gss_release_oid_set(&minor, &mechs);
    if (present)
        atomic_store_explicit(&mech_seen, true, memory_order_release);
    return present != 0;
}

static gss_OID_set_desc digest_only = {1, &shim_oid_digest};

/* The Digest username: "DOMAIN\user" when a domain was given (what
 * Windows clients send, DESIGN.md "Digest"), else the user as given. */
static SECURITY_STATUS digest_username(const struct shim_identity *id, char **out)
{
    size_t n = strlen(id->user) + (id->domain != NULL ? strlen(id->domain) + 1 : 0) + 1;
    char *s = malloc(n);
    if (s == NULL)
        return SEC_E_INSUFFICIENT_MEMORY;
    if (id->domain != NULL)
        snprintf(s, n, "%s\\%s", id->domain, id->user);
    else
        snprintf(s, n, "%s", id->user);
    *out = s;
    return SEC_E_OK;
}

static SECURITY_STATUS acquire_outbound(struct shim_credential *cred, void *auth_data)
{
    if (auth_data == NULL)
        return shim_fail(SEC_E_NO_CREDENTIALS,
                         "WDigest has no default credential on Unix: pass a "
                         "SEC_WINNT_AUTH_IDENTITY with user name and password");
    struct shim_identity id;
    SECURITY_STATUS st = shim_identity_decode(auth_data, &id);
    if (st != SEC_E_OK)
        return st;
    if (id.user == NULL || !id.has_password) {
        shim_identity_clear(&id);
        return shim_fail(SEC_E_NO_CREDENTIALS, "a WDigest identity needs a user name and a password");
    }
    char *username = NULL;
    if ((st = digest_username(&id, &username)) != SEC_E_OK) {
        shim_identity_clear(&id);
        return st;
    }
    OM_uint32 major, minor;
    gss_name_t name = GSS_C_NO_NAME;
    gss_buffer_desc nbuf = {strlen(username), username};
    major = gss_import_name(&minor, &nbuf, &oid_nt_user_name, &name);
    if (GSS_ERROR(major)) {
        st = shim_gss_status("gss_import_name", major, minor, &shim_oid_digest);
        free(username);
        shim_identity_clear(&id);
        return st == SEC_E_TARGET_UNKNOWN ? SEC_E_UNKNOWN_CREDENTIALS : st;
    }
    gss_buffer_desc pw = {strlen(id.password), id.password};
    major = gss_acquire_cred_with_password(&minor, name, &pw, GSS_C_INDEFINITE, &digest_only,
                                           GSS_C_INITIATE, &cred->initiate, NULL, NULL);
    gss_release_name(&minor, &name);
    shim_identity_clear(&id);           /* wipes the password */
    if (GSS_ERROR(major)) {
        free(username);
        return shim_gss_status("gss_acquire_cred_with_password", major, minor, &shim_oid_digest);
    }
    cred->principal = username;
    atomic_store_explicit(&cred->initiate_ready, true, memory_order_release);
    return SEC_E_OK;
}

static SECURITY_STATUS set_option(gss_cred_id_t *cred, gss_OID option, const void *value,
                                  size_t length, const char *what)
{
    if (value == NULL)
        return SEC_E_OK;
    OM_uint32 minor;
    gss_buffer_desc buf = {length, (void *)value};
    OM_uint32 major = gss_set_cred_option(&minor, cred, option, &buf);
    if (!GSS_ERROR(major))
        return SEC_E_OK;
    SECURITY_STATUS st = shim_gss_status("gss_set_cred_option", major, minor, &shim_oid_digest);
    char detail[300];
    snprintf(detail, sizeof(detail), "%s", SspiShimLastErrorMessage());
    if (st == SEC_E_INTERNAL_ERROR || st == SEC_E_UNSUPPORTED_FUNCTION)
        st = SEC_E_UNKNOWN_CREDENTIALS;
    return shim_fail(st, "WDigest server configuration, %s: %s", what, detail);
}

static SECURITY_STATUS acquire_inbound(struct shim_credential *cred, const void *auth_data)
{
    OM_uint32 major, minor;
    char setting[SHIM_SETTING_MAX];
    const char *env = shim_setting("SSPI_SHIM_DIGEST_USERS", "digest", "users", setting);
    if (auth_data == NULL && (env == NULL || env[0] == '\0'))
        /* The contract's rule, checked here too: MIT's mechanism hands out
         * an empty acceptor credential (see below) and would only fail in
         * AcceptSecurityContext. */
        return shim_fail(SEC_E_NO_CREDENTIALS,
                         "no WDigest user store: set SSPI_SHIM_DIGEST_USERS to an htdigest file "
                         "or pass an SSPI_SHIM_DIGEST_SERVER_CONFIG");
    if (auth_data == NULL) {
        major = gss_acquire_cred(&minor, GSS_C_NO_NAME, GSS_C_INDEFINITE, &digest_only,
                                 GSS_C_ACCEPT, &cred->accept, NULL, NULL);
        if (!GSS_ERROR(major))
            return SEC_E_OK;
        SECURITY_STATUS st = shim_gss_status_side("gss_acquire_cred", major, minor,
                                                  &shim_oid_digest, GSSMAP_ACCEPTOR);
        char detail[300];
        snprintf(detail, sizeof(detail), "%s", SspiShimLastErrorMessage());
        return shim_fail(st == SEC_E_INTERNAL_ERROR ? SEC_E_NO_CREDENTIALS : st,
                         "no WDigest user store: set SSPI_SHIM_DIGEST_USERS to an htdigest file "
                         "or pass an SSPI_SHIM_DIGEST_SERVER_CONFIG (%s)", detail);
    }
    const SSPI_SHIM_DIGEST_SERVER_CONFIG *c = auth_data;
    if (c->Version != SSPI_SHIM_DIGEST_SERVER_CONFIG_VERSION)
        return shim_fail(SEC_E_UNKNOWN_CREDENTIALS,
                         "inbound WDigest pAuthData must be an SSPI_SHIM_DIGEST_SERVER_CONFIG");
    if (c->NonceKey != NULL && c->NonceKeyLength < 16)
        return shim_fail(SEC_E_UNKNOWN_CREDENTIALS, "the nonce key needs at least 16 bytes");
    if (c->HtdigestFile == NULL && c->PasswordFile == NULL && (env == NULL || env[0] == '\0'))
        return shim_fail(SEC_E_NO_CREDENTIALS,
                         "the WDigest server configuration names no user store");
    /* A store that cannot be read is no credential, said here rather than
     * by the first AcceptSecurityContext (the mechanism reads it lazily). */
    const char *files[2] = {c->HtdigestFile, c->PasswordFile};
    for (int i = 0; i < 2; i++)
        if (files[i] != NULL && access(files[i], R_OK) != 0)
            return shim_fail(SEC_E_NO_CREDENTIALS, "cannot read the WDigest user store %s: %s",
                             files[i], strerror(errno));
    char lifetime[16];
    snprintf(lifetime, sizeof(lifetime), "%u", (unsigned)c->NonceLifetime);
    /* The options go on the mechanism's acceptor credential.  MIT's
     * gss_set_cred_option cannot create one for a non-default mechanism
     * from GSS_C_NO_CREDENTIAL, so its Digest mechanism gives an empty one
     * to gss_acquire_cred; Heimdal's refuses that without a store and
     * creates the credential from GSS_C_NO_CREDENTIAL instead (contract
     * header, "Acceptor credential options").  The user store is set
     * first, so a missing file fails before anything else. */
    gss_cred_id_t g = GSS_C_NO_CREDENTIAL;
    major = gss_acquire_cred(&minor, GSS_C_NO_NAME, GSS_C_INDEFINITE, &digest_only, GSS_C_ACCEPT,
                             &g, NULL, NULL);
    if (GSS_ERROR(major))
        g = GSS_C_NO_CREDENTIAL;
    SECURITY_STATUS st = SEC_E_OK;
#define SET_STR(opt, field, what) \
    if (st == SEC_E_OK && c->field != NULL) \
        st = set_option(&g, &opt, c->field, strlen(c->field), what)
    SET_STR(opt_htdigest, HtdigestFile, "HtdigestFile");
    SET_STR(opt_password, PasswordFile, "PasswordFile");
    if (st == SEC_E_OK && c->NonceKey != NULL)
        st = set_option(&g, &opt_nonce_key, c->NonceKey, c->NonceKeyLength, "NonceKey");
    if (st == SEC_E_OK && c->NonceLifetime != 0)
        st = set_option(&g, &opt_nonce_lifetime, lifetime, strlen(lifetime), "NonceLifetime");
    SET_STR(opt_realm, Realm, "Realm");
    SET_STR(opt_http_algorithms, HttpAlgorithms, "HttpAlgorithms");
    SET_STR(opt_qop, Qop, "Qop");
    SET_STR(opt_sasl_ciphers, SaslCiphers, "SaslCiphers");
#undef SET_STR
    if (st == SEC_E_OK && g == GSS_C_NO_CREDENTIAL)
        st = shim_fail(SEC_E_NO_CREDENTIALS, "the Digest mechanism made no acceptor credential");
    if (st != SEC_E_OK) {
        if (g != GSS_C_NO_CREDENTIAL)
            gss_release_cred(&minor, &g);
        return st;
    }
    cred->accept = g;
    return SEC_E_OK;
}

static SECURITY_STATUS digest_acquire(struct shim_credential *cred, const char *principal,
                                      void *auth_data)
{
    (void)principal;                    /* Digest names come from the identity */
    if (!mech_registered())
        return shim_fail(SEC_E_SECPKG_NOT_FOUND,
                         "the Digest GSS mechanism (OID " GSS_SSPI_SHIM_DIGEST_MECH_OID_STRING
                         ") is not registered with the GSS library: install sspi-shim.conf "
                         "into /etc/gss/mech.d (MIT) or add its line \"sspi_shim_digest "
                         GSS_SSPI_SHIM_DIGEST_MECH_OID_STRING
                         " <pkglibdir>/sspi_shim_digest.so -\" to /etc/gss/mech (Heimdal)");
    SECURITY_STATUS st = SEC_E_OK;
    /* SECPKG_CRED_BOTH: pAuthData is the identity; the inbound half uses
     * the default user store. */
    if (cred->use & SECPKG_CRED_OUTBOUND)
        st = acquire_outbound(cred, auth_data);
    if (st == SEC_E_OK && (cred->use & SECPKG_CRED_INBOUND))
        st = acquire_inbound(cred, (cred->use & SECPKG_CRED_OUTBOUND) ? NULL : auth_data);
    cred->expiry.QuadPart = SHIM_DIGEST_EXPIRY_NEVER;
    return st;
}

/* ------------------------------------------------------------ contexts */

static SECURITY_STATUS digest_import_target(struct shim_context *ctx, const char *target)
{
    if (target == NULL || target[0] == '\0')
        return shim_fail(SEC_E_TARGET_UNKNOWN,
                         "WDigest needs the request URI (HTTP) or service/host (SASL) as target");
    OM_uint32 major, minor;
    gss_buffer_desc buf = {strlen(target), (void *)target};
    major = gss_import_name(&minor, &buf, &oid_nt_uri, &ctx->target);
    if (GSS_ERROR(major)) {
        ctx->target = GSS_C_NO_NAME;
        return shim_fail(SEC_E_TARGET_UNKNOWN, "cannot import the Digest target '%s'", target);
    }
    ctx->target_owned = true;
    return SEC_E_OK;
}

static SECURITY_STATUS digest_leg_input(struct shim_context *ctx, bool first, PSecBufferDesc in,
                                        gss_buffer_desc *token,
                                        struct gss_channel_bindings_struct *cb,
                                        gss_channel_bindings_t *bindings, bool *skip_gss)
{
    struct shim_digest_inputs inputs;
    SECURITY_STATUS st;
    *skip_gss = false;
    *bindings = GSS_C_NO_CHANNEL_BINDINGS;
    token->length = 0;
    token->value = NULL;
    if (first)
        ctx->digest_http = shim_digest_http_mode(ctx->req_flags);
    st = shim_digest_find_inputs(ctx->initiator ? SHIM_DIGEST_ISC : SHIM_DIGEST_ASC, in, &inputs);
    if (st != SEC_E_OK)
        return shim_fail(st, "malformed WDigest input buffers (method, H(entity) or realm)");
    const SecBuffer *t = inputs.token;
    bool empty = (t == NULL || t->cbBuffer == 0);
    if (!empty && t->pvBuffer == NULL)
        return shim_fail(SEC_E_INVALID_TOKEN, "input SECBUFFER_TOKEN has no memory");
    if (empty && ctx->gss != GSS_C_NO_CONTEXT)
        return shim_fail(SEC_E_INVALID_TOKEN, "no input SECBUFFER_TOKEN");
    if (empty && ctx->initiator) {
        /* A SASL client starts without a challenge: nothing to send yet
         * (RFC 2831 2.1: the server speaks first). */
        *skip_gss = true;
        return SEC_E_OK;
    }
    if (inputs.bindings != NULL) {
        if (gssmap_channel_bindings(inputs.bindings->pvBuffer, inputs.bindings->cbBuffer, cb) != 0)
            return shim_fail(SEC_E_INVALID_TOKEN, "malformed SECBUFFER_CHANNEL_BINDINGS buffer");
        *bindings = cb;
    }
    struct shim_digest_param_set set = {
        .wire = empty ? NULL : t->pvBuffer,
        .wire_length = empty ? 0 : t->cbBuffer,
        .http = ctx->digest_http,
        .acceptor = !ctx->initiator,
        .cb_policy = shim_digest_cb_policy(ctx->req_flags),
        .in = &inputs,
    };
    return shim_digest_build_params(&set, true, token);
}

/* A replayed response (the mechanism's GSS_S_DUPLICATE_TOKEN) is refused
 * as a failed logon: the AcceptSecurityContext (Digest) page lists no
 * sequence error, and a replayed Authorization proves nothing. */
static SECURITY_STATUS digest_accept_status(OM_uint32 major, OM_uint32 minor, SECURITY_STATUS st)
{
    if (st == SEC_E_OUT_OF_SEQUENCE || minor == GSS_SSPI_SHIM_DIGEST_S_NONCE_REPLAYED ||
        (major & GSS_S_DUPLICATE_TOKEN))
        return shim_fail(SEC_E_LOGON_DENIED, "replayed Digest response (nonce and nc already used)");
    return st;
}

/* ------------------------------------------------------------ attributes */

static SECURITY_STATUS inquire(struct shim_context *ctx, gss_OID oid, char **text, size_t *len)
{
    OM_uint32 major, minor;
    gss_buffer_set_t set = GSS_C_NO_BUFFER_SET;
    major = gss_inquire_sec_context_by_oid(&minor, ctx->gss, oid, &set);
    if (GSS_ERROR(major))
        return shim_gss_status("gss_inquire_sec_context_by_oid", major, minor, &shim_oid_digest);
    if (set == GSS_C_NO_BUFFER_SET || set->count < 1) {
        gss_release_buffer_set(&minor, &set);
        return shim_fail(SEC_E_INTERNAL_ERROR, "the Digest mechanism answered no value");
    }
    *text = malloc(set->elements[0].length + 1);
    if (*text != NULL) {
        memcpy(*text, set->elements[0].value, set->elements[0].length);
        (*text)[set->elements[0].length] = '\0';
        *len = set->elements[0].length;
    }
    explicit_bzero(set->elements[0].value, set->elements[0].length);
    gss_release_buffer_set(&minor, &set);
    return *text != NULL ? SEC_E_OK : SEC_E_INSUFFICIENT_MEMORY;
}

static SECURITY_STATUS string_out(char *utf8, bool wide, void **out)
{
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

/* KEY_INFO from the INFO query ("HTTP SHA-256 auth", "SASL MD5-sess
 * auth-conf rc4"): SignatureAlgorithmName the Digest algorithm,
 * EncryptAlgorithmName the SASL cipher (or "none"); the algorithm numbers
 * have no Windows registry for Digest and stay 0. */
static SECURITY_STATUS key_info(struct shim_context *ctx, bool wide, SecPkgContext_KeyInfoA *out)
{
    char *info = NULL;
    size_t len = 0;
    SECURITY_STATUS st = inquire(ctx, &oid_inq_info, &info, &len);
    if (st != SEC_E_OK)
        return st;
    char mode[8] = "", alg[32] = "", qop[16] = "", cipher[16] = "";
    int n = sscanf(info, "%7s %31s %15s %15s", mode, alg, qop, cipher);
    free(info);
    if (n < 3)
        return shim_fail(SEC_E_INTERNAL_ERROR, "unexpected Digest INFO value");
    char *sig = strdup(alg), *enc = strdup(n >= 4 ? cipher : "none");
    void *s = NULL, *e = NULL;
    if (sig == NULL || enc == NULL) {
        free(sig);
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
    /* RFC 2831 2.4: rc4 128, rc4-56 56, rc4-40 40, des 56, 3des 112 bits. */
    ULONG bits = 0;
    if (strcmp(cipher, "rc4") == 0)
        bits = 128;
    else if (strcmp(cipher, "rc4-56") == 0 || strcmp(cipher, "des") == 0)
        bits = 56;
    else if (strcmp(cipher, "rc4-40") == 0)
        bits = 40;
    else if (strcmp(cipher, "3des") == 0)
        bits = 112;
    out->sSignatureAlgorithmName = s;
    out->sEncryptAlgorithmName = e;
    out->KeySize = bits;
    out->SignatureAlgorithm = 0;
    out->EncryptAlgorithm = 0;
    return SEC_E_OK;
}

static SECURITY_STATUS names(struct shim_context *ctx, bool wide, SecPkgContext_NamesA *out)
{
    OM_uint32 major, minor;
    gss_name_t own = GSS_C_NO_NAME;
    /* The client's name is the context's source on both sides; the shim
     * keeps no copy (contexts.c), the mechanism has it. */
    major = gss_inquire_context(&minor, ctx->gss, &own, NULL, NULL, NULL, NULL, NULL, NULL);
    if (GSS_ERROR(major))
        return shim_gss_status("gss_inquire_context", major, minor, &shim_oid_digest);
    gss_name_t name = own;
    gss_buffer_desc buf = GSS_C_EMPTY_BUFFER;
    major = name != GSS_C_NO_NAME ? gss_display_name(&minor, name, &buf, NULL) : GSS_S_BAD_NAME;
    if (own != GSS_C_NO_NAME)
        gss_release_name(&minor, &own);
    if (GSS_ERROR(major))
        return shim_fail(SEC_E_INTERNAL_ERROR, "the Digest context has no client name");
    /* The username as the client sent it, "DOMAIN\user" included. */
    char *s = strndup(buf.value, buf.length);
    gss_release_buffer(&minor, &buf);
    if (s == NULL)
        return SEC_E_INSUFFICIENT_MEMORY;
    void *o;
    SECURITY_STATUS st = string_out(s, wide, &o);
    if (st == SEC_E_OK)
        out->sUserName = o;
    return st;
}

static SECURITY_STATUS digest_query(struct shim_context *ctx, ULONG attribute, void *buffer,
                                    bool wide, bool *handled)
{
    *handled = true;
    switch (attribute) {
    case SECPKG_ATTR_SIZES:
    case SECPKG_ATTR_NAMES:
    case SECPKG_ATTR_LIFESPAN:
    case SECPKG_ATTR_KEY_INFO:
    case SECPKG_ATTR_SESSION_KEY:
        break;
    default:
        *handled = false;
        return SEC_E_OK;
    }
    if (!ctx->established || ctx->gss == GSS_C_NO_CONTEXT)
        return shim_fail(SEC_E_INVALID_HANDLE, "attribute %u needs an established context",
                         (unsigned)attribute);
    switch (attribute) {
    case SECPKG_ATTR_SIZES: {
        SecPkgContext_Sizes *s = buffer;
        s->cbMaxToken = SHIM_DIGEST_MAX_TOKEN;
        s->cbMaxSignature = SHIM_DIGEST_SASL_TRAILER;
        /* RFC 2831 2.4: DES and 3DES pad to 8 bytes; RC4 is a stream. */
        s->cbBlockSize = ctx->digest_http ? 0 : 8;
        s->cbSecurityTrailer = ctx->digest_http ? 0 : SHIM_DIGEST_SASL_TRAILER + 8;
        return SEC_E_OK;
    }
    case SECPKG_ATTR_NAMES:
        return names(ctx, wide, buffer);
    case SECPKG_ATTR_LIFESPAN: {
        SecPkgContext_Lifespan *ls = buffer;
        gssmap_lifetime_to_timestamp(0, ctx->started, &ls->tsStart);
        ls->tsExpiry.QuadPart = SHIM_DIGEST_EXPIRY_NEVER;
        return SEC_E_OK;
    }
    case SECPKG_ATTR_KEY_INFO:
        return key_info(ctx, wide, buffer);
    default: {
        char *key = NULL;
        size_t len = 0;
        SECURITY_STATUS st = inquire(ctx, &oid_inq_session_key, &key, &len);
        if (st != SEC_E_OK)
            return st;
        SecPkgContext_SessionKey *sk = buffer;
        sk->SessionKey = (unsigned char *)key;
        sk->SessionKeyLength = (ULONG)len;
        return SEC_E_OK;
    }
    }
}

const struct shim_package_ops shim_digest_ops = {
    .acquire = digest_acquire,
    .check_req = shim_digest_check_req,
    .import_target = digest_import_target,
    .leg_input = digest_leg_input,
    .accept_status = digest_accept_status,
    .established_again = SHIM_DIGEST_STATUS_LOGON_FAILURE,
    .constant_expiry = true,
    .query = digest_query,
    .make_signature = shim_digest_make_signature,
    .verify_signature = shim_digest_verify_signature,
    .encrypt = shim_digest_encrypt,
    .decrypt = shim_digest_decrypt,
};
