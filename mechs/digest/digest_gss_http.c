/*
 * HTTP Digest (RFC 7616, RFC 2617) legs of gss_accept_sec_context and
 * gss_init_sec_context, and the process-wide replay cache.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <openssl/crypto.h>

#include "digest_gss.h"

#define ALL_HTTP_ALGS                                                                         \
    (DIGEST_ALG_BIT(DIGEST_ALG_UNSPECIFIED) | DIGEST_ALG_BIT(DIGEST_ALG_MD5) |                \
     DIGEST_ALG_BIT(DIGEST_ALG_MD5_SESS) | DIGEST_ALG_BIT(DIGEST_ALG_SHA256) |                \
     DIGEST_ALG_BIT(DIGEST_ALG_SHA256_SESS) | DIGEST_ALG_BIT(DIGEST_ALG_SHA512_256) |         \
     DIGEST_ALG_BIT(DIGEST_ALG_SHA512_256_SESS))

#define UPGRADED_NONCE_PREFIX_LEN (sizeof(DIGEST_UPGRADED_NONCE_PREFIX) - 1)

/* ------------------------------------------------- channel binding (shared) */

/* draft-santesson-digestbind-01: channel-binding for the caller's bindings,
 * 32 zeros without any. */
static OM_uint32 binding_hex(OM_uint32 *minor, gss_channel_bindings_t cb,
                             char out[DIGEST_CHANNEL_BINDING_HEX + 1])
{
    if (cb == GSS_C_NO_CHANNEL_BINDINGS) {
        memcpy(out, DIGEST_CHANNEL_BINDING_NONE, sizeof(DIGEST_CHANNEL_BINDING_NONE));
        return GSS_S_COMPLETE;
    }
    if (digest_channel_binding_hash(cb->initiator_addrtype, cb->initiator_address.value,
                                    cb->initiator_address.length, cb->acceptor_addrtype,
                                    cb->acceptor_address.value, cb->acceptor_address.length,
                                    cb->application_data.value, cb->application_data.length,
                                    out) != DIGEST_OK)
        return dg_minor(minor, GSS_S_BAD_BINDINGS, GSS_SSPI_SHIM_DIGEST_S_BINDINGS);
    return GSS_S_COMPLETE;
}

static int binding_is_none(const char *hex)
{
    size_t i;
    for (i = 0; hex[i]; i++)
        if (hex[i] != '0')
            return 0;
    return 1;
}

/* hashed-dirs lists service-name and channel-binding, each once, in any
 * order, with optional whitespace around the commas (the only directives
 * draft-santesson-digestbind-01 defines hashing). */
static int hashed_dirs_ok(const char *v)
{
    int have_sn = 0, have_cb = 0;
    while (*v) {
        const char *start, *end;
        size_t n;
        while (*v == ' ' || *v == '\t')
            v++;
        start = v;
        while (*v && *v != ',')
            v++;
        end = v;
        while (end > start && (end[-1] == ' ' || end[-1] == '\t'))
            end--;
        n = (size_t)(end - start);
        if (n == 12 && strncasecmp(start, "service-name", 12) == 0 && !have_sn)
            have_sn = 1;
        else if (n == 15 && strncasecmp(start, "channel-binding", 15) == 0 && !have_cb)
            have_cb = 1;
        else
            return 0;
        if (*v == ',')
            v++;
    }
    return have_sn && have_cb;
}

int dg_http_same_binding(const struct dg_ctx *ctx, const digest_http_response *r)
{
    if (!ctx->bound)
        return r->hashed_dirs == NULL;
    return r->hashed_dirs && hashed_dirs_ok(r->hashed_dirs) && r->service_name &&
           ctx->service_name && strcmp(r->service_name, ctx->service_name) == 0 &&
           strcmp(r->channel_binding, ctx->channel_binding) == 0 && r->cnonce && ctx->cnonce &&
           strcmp(r->cnonce, ctx->cnonce) == 0;
}

/* ------------------------------------------------------------- acceptor */

static uint64_t now_s(void)
{
    return (uint64_t)time(NULL);
}

/* WWW-Authenticate value: one challenge per offered algorithm, comma-joined
 * in preference order (RFC 7616 3.7), all with the same fresh nonce. */
static OM_uint32 make_challenge(OM_uint32 *minor, struct dg_ctx *ctx, int stale, gss_buffer_t out)
{
    struct dg_cred *c = ctx->cred;
    digest_alg algs[DG_MAX_HTTP_ALGS];
    digest_http_challenge items[DG_MAX_HTTP_ALGS];
    digest_http_challenge_list list;
    char nonce[UPGRADED_NONCE_PREFIX_LEN + DIGEST_NONCE_LEN + 1];
    char *s = NULL;
    size_t n, i, slen;
    OM_uint32 major;
    unsigned qop = c->qop & (DIGEST_QOP_AUTH | DIGEST_QOP_AUTH_INT);

    if (qop == 0)
        return dg_minor(minor, GSS_S_FAILURE, GSS_SSPI_SHIM_DIGEST_S_QOP_REFUSED);
    /* draft-santesson-digestbind-01: "+Upgraded+" tells a client that can
     * bind to do so; the rest is the stateless nonce (others treat the
     * whole value as opaque). */
    memcpy(nonce, DIGEST_UPGRADED_NONCE_PREFIX, UPGRADED_NONCE_PREFIX_LEN);
    if (digest_nonce_make(c->nonce_key, c->nonce_key_len, ctx->realm, now_s(),
                          nonce + UPGRADED_NONCE_PREFIX_LEN) != DIGEST_OK)
        return dg_minor(minor, GSS_S_FAILURE, GSS_SSPI_SHIM_DIGEST_S_CRYPTO);
    n = dg_cred_http_algs(c, algs);
    memset(items, 0, sizeof(items));
    for (i = 0; i < n; i++) {
        items[i].realm = ctx->realm;
        items[i].nonce = nonce;
        items[i].stale = stale;
        items[i].algorithm = algs[i];
        items[i].qop_present = 1;
        items[i].qop = qop;
        items[i].charset_utf8 = 1; /* RFC 7616 3.3 */
        items[i].userhash = 1;     /* RFC 7616 3.4.4: the store can answer it */
    }
    list.count = n;
    list.items = items;
    if (digest_http_challenge_list_serialize(&list, DIGEST_SER_SCHEME, &s, &slen) != DIGEST_OK)
        return dg_minor(minor, GSS_S_FAILURE, GSS_SSPI_SHIM_DIGEST_S_LIMIT);
    major = dg_set_token(minor, out, s, slen);
    free(s);
    ctx->state = DG_SENT_CHALLENGE;
    return major == GSS_S_COMPLETE ? GSS_S_CONTINUE_NEEDED : major;
}

/* H(user:realm:password) for r's algorithm from the user store. */
static OM_uint32 user_ha1_base(OM_uint32 *minor, struct dg_cred *c, const char *user,
                               const char *realm, digest_alg alg, char out[DIGEST_HEX_BUFSIZE])
{
    struct dg_user_secret sec;
    OM_uint32 major = GSS_S_COMPLETE;
    if (dg_userstore_lookup(c->store, user, realm, &sec) != 0)
        return dg_minor(minor, GSS_S_FAILURE, GSS_SSPI_SHIM_DIGEST_S_USER_STORE);
    if (!sec.found) {
        major = dg_minor(minor, GSS_S_FAILURE, GSS_SSPI_SHIM_DIGEST_S_LOGON_DENIED);
    } else if (sec.password) {
        if (digest_http_ha1_base(alg, user, realm, sec.password, sec.password_len, out) !=
            DIGEST_OK)
            major = dg_minor(minor, GSS_S_FAILURE, GSS_SSPI_SHIM_DIGEST_S_CRYPTO);
    } else if (digest_alg_hash_len(alg) == DIGEST_MD5_LEN) {
        memcpy(out, sec.ha1_md5, 33); /* htdigest: MD5 H(A1) as stored */
        for (size_t i = 0; i < 32; i++)
            if (out[i] >= 'A' && out[i] <= 'F')
                out[i] = (char)(out[i] - 'A' + 'a');
    } else {
        major = dg_minor(minor, GSS_S_FAILURE, GSS_SSPI_SHIM_DIGEST_S_LOGON_DENIED);
    }
    dg_user_secret_clear(&sec);
    return major;
}

static int alg_offered(struct dg_cred *c, digest_alg a)
{
    digest_alg algs[DG_MAX_HTTP_ALGS];
    size_t n = dg_cred_http_algs(c, algs), i;
    if (a == DIGEST_ALG_UNSPECIFIED)
        a = DIGEST_ALG_MD5; /* RFC 7616 3.3: absent means MD5 */
    for (i = 0; i < n; i++)
        if (algs[i] == a)
            return 1;
    return 0;
}

/* draft-santesson-digestbind-01, the form of a bound response: hashed-dirs
 * names exactly service-name and channel-binding (else DEFECTIVE_TOKEN),
 * and the cnonce carries H(service-name ":" channel-binding), which the
 * response value covers (else BAD_BINDINGS: a directive was changed). */
static OM_uint32 check_binding_form(OM_uint32 *minor, const digest_http_response *r)
{
    if (!r->hashed_dirs)
        return GSS_S_COMPLETE; /* a client that does not bind */
    if (!hashed_dirs_ok(r->hashed_dirs) || r->qop == 0)
        return dg_minor(minor, GSS_S_DEFECTIVE_TOKEN, GSS_SSPI_SHIM_DIGEST_S_BAD_MESSAGE);
    if (!digest_upgraded_cnonce_ok(r->cnonce, r->service_name, r->channel_binding))
        return dg_minor(minor, GSS_S_BAD_BINDINGS, GSS_SSPI_SHIM_DIGEST_S_BINDINGS);
    return GSS_S_COMPLETE;
}

/* The acceptor's policy (contract P_CB_POLICY):
 *   client bound, server has bindings: they must be equal;
 *   client unbound (zero hash or no hashed-dirs): only REQUIRE refuses;
 *   client bound, server has none: REQUIRE accepts (a TLS-terminating
 *   proxy checked the channel, like HTTP_CHANNEL_BIND_PROXY), otherwise the
 *   client's channel is not this server's. */
static OM_uint32 check_binding_policy(OM_uint32 *minor, const digest_http_response *r,
                                      const struct gssmap_digest_params *p,
                                      gss_channel_bindings_t cb)
{
    char mine[DIGEST_CHANNEL_BINDING_HEX + 1];
    int require = gssmap_digest_param_has(p, GSS_SSPI_SHIM_DIGEST_P_CB_POLICY) &&
                  p->value[GSS_SSPI_SHIM_DIGEST_P_CB_POLICY].length == 1 &&
                  p->value[GSS_SSPI_SHIM_DIGEST_P_CB_POLICY].data[0] ==
                      GSS_SSPI_SHIM_DIGEST_CB_REQUIRE;
    OM_uint32 major;

    if (!r->hashed_dirs || binding_is_none(r->channel_binding))
        return require ? dg_minor(minor, GSS_S_BAD_BINDINGS, GSS_SSPI_SHIM_DIGEST_S_BINDINGS)
                       : GSS_S_COMPLETE;
    if (cb == GSS_C_NO_CHANNEL_BINDINGS)
        return require ? GSS_S_COMPLETE
                       : dg_minor(minor, GSS_S_BAD_BINDINGS, GSS_SSPI_SHIM_DIGEST_S_BINDINGS);
    if ((major = binding_hex(minor, cb, mine)) != GSS_S_COMPLETE)
        return major;
    if (!digest_hex_equal(mine, r->channel_binding)) /* constant time */
        return dg_minor(minor, GSS_S_BAD_BINDINGS, GSS_SSPI_SHIM_DIGEST_S_BINDINGS);
    return GSS_S_COMPLETE;
}

static OM_uint32 verify_authorization(OM_uint32 *minor, struct dg_ctx *ctx,
                                      const struct gssmap_digest_params *p,
                                      gss_channel_bindings_t cb, const char *wire, size_t wlen,
                                      gss_buffer_t out)
{
    struct dg_cred *c = ctx->cred;
    digest_http_response *r = NULL;
    digest_http_auth_info ai;
    char rspauth[DIGEST_HEX_BUFSIZE], ha1_base[DIGEST_HEX_BUFSIZE];
    char *user = NULL, *method = NULL, *s = NULL;
    size_t slen;
    uint64_t issued = 0, now = now_s();
    digest_nonce_result nr;
    OM_uint32 major;
    digest_status st;

    if (digest_http_parse_response(wire, wlen, 0, &r, NULL) != DIGEST_OK)
        return dg_minor(minor, GSS_S_DEFECTIVE_TOKEN, GSS_SSPI_SHIM_DIGEST_S_BAD_MESSAGE);
    if ((major = check_binding_form(minor, r)) != GSS_S_COMPLETE)
        goto out;
    /* RFC 7616 3.4: algorithm and qop must be ones the challenge offered;
     * qop is mandatory since every challenge here offers it. */
    if (!alg_offered(c, r->algorithm) || r->qop == 0 || (r->qop & c->qop) != r->qop) {
        major = dg_minor(minor, GSS_S_FAILURE, GSS_SSPI_SHIM_DIGEST_S_QOP_REFUSED);
        goto out;
    }
    if (strcmp(r->realm, ctx->realm) != 0) {
        major = dg_minor(minor, GSS_S_FAILURE, GSS_SSPI_SHIM_DIGEST_S_NONCE_FOREIGN);
        goto out;
    }
    /* The stateless nonce follows "+Upgraded+" (draft-santesson-digestbind);
     * one without the prefix (issued before it, or stripped on the way) is
     * still ours: the binding policy alone decides about unbound clients.
     * The hashes use the nonce whole, as sent. */
    {
        size_t skip = strncmp(r->nonce, DIGEST_UPGRADED_NONCE_PREFIX,
                              UPGRADED_NONCE_PREFIX_LEN) == 0 ? UPGRADED_NONCE_PREFIX_LEN : 0;
        nr = digest_nonce_verify(c->nonce_key, c->nonce_key_len, ctx->realm, r->nonce + skip,
                                 strlen(r->nonce) - skip, now, c->nonce_lifetime, &issued);
    }
    if (nr == DIGEST_NONCE_INVALID) {
        major = dg_minor(minor, GSS_S_FAILURE, GSS_SSPI_SHIM_DIGEST_S_NONCE_FOREIGN);
        goto out;
    }
    /* Users: RFC 7616 3.4.4 userhash, else username / username* */
    if (r->userhash) {
        int f = dg_userstore_find_userhash(c->store, r->algorithm, r->realm, r->username, &user);
        if (f < 0) {
            major = dg_minor(minor, GSS_S_FAILURE, GSS_SSPI_SHIM_DIGEST_S_USER_STORE);
            goto out;
        }
        if (f > 0) {
            major = dg_minor(minor, GSS_S_FAILURE, GSS_SSPI_SHIM_DIGEST_S_LOGON_DENIED);
            goto out;
        }
    } else if (!(user = strdup(r->username))) {
        major = dg_minor(minor, GSS_S_FAILURE, ENOMEM);
        goto out;
    }
    major = user_ha1_base(minor, c, user, r->realm, r->algorithm, ha1_base);
    if (major != GSS_S_COMPLETE)
        goto out;
    method = dg_param_str(p, GSS_SSPI_SHIM_DIGEST_P_METHOD);
    if (!ctx->entity_hash[0] || gssmap_digest_param_has(p, GSS_SSPI_SHIM_DIGEST_P_ENTITY_HASH)) {
        char *eh = dg_param_str(p, GSS_SSPI_SHIM_DIGEST_P_ENTITY_HASH);
        if (eh && strlen(eh) < DIGEST_HEX_BUFSIZE)
            strcpy(ctx->entity_hash, eh);
        else if (digest_http_entity_hash(r->algorithm, "", 0, ctx->entity_hash) != DIGEST_OK)
            ctx->entity_hash[0] = '\0';
        free(eh);
    }
    /* RFC 7616 3.4.1 response, compared in constant time by digest_crypto */
    st = digest_http_verify_response(r, method ? method : "GET", ha1_base,
                                     r->qop == DIGEST_QOP_AUTH_INT ? ctx->entity_hash : NULL,
                                     rspauth);
    if (st != DIGEST_OK) {
        major = dg_minor(minor, GSS_S_FAILURE, st == DIGEST_ERR_AUTH_FAILED
                                                   ? GSS_SSPI_SHIM_DIGEST_S_LOGON_DENIED
                                                   : GSS_SSPI_SHIM_DIGEST_S_CRYPTO);
        goto out;
    }
    /* The client is authentic: now its channel (draft-santesson-digestbind). */
    if ((major = check_binding_policy(minor, r, p, cb)) != GSS_S_COMPLETE)
        goto out;
    if (nr == DIGEST_NONCE_STALE) {
        /* RFC 7616 3.3: right password, old nonce: a new challenge, stale=true */
        major = make_challenge(minor, ctx, 1, out);
        goto out;
    }
    switch (dg_replay_check_and_add(r->nonce, r->nc, r->cnonce ? r->cnonce : "",
                                    issued + (c->nonce_lifetime ? c->nonce_lifetime
                                                                : 86400 * 365),
                                    now)) {
    case DG_REPLAY_NEW:
        break;
    case DG_REPLAY_SEEN:
        major = dg_minor(minor, GSS_S_DUPLICATE_TOKEN, GSS_SSPI_SHIM_DIGEST_S_NONCE_REPLAYED);
        goto out;
    default:
        /* Cannot remember it: refuse rather than allow a replay later. */
        major = dg_minor(minor, GSS_S_FAILURE, GSS_SSPI_SHIM_DIGEST_S_LIMIT);
        goto out;
    }
    /* RFC 7616 3.5 Authentication-Info */
    memset(&ai, 0, sizeof(ai));
    ai.qop = r->qop;
    strcpy(ai.rspauth, rspauth);
    ai.cnonce = r->cnonce;
    memcpy(ai.nc, r->nc, sizeof(ai.nc));
    ai.nc_value = r->nc_value;
    if (digest_http_auth_info_serialize(&ai, 0, &s, &slen) != DIGEST_OK) {
        major = dg_minor(minor, GSS_S_FAILURE, GSS_SSPI_SHIM_DIGEST_S_LIMIT);
        goto out;
    }
    major = dg_set_token(minor, out, s, slen);
    free(s);
    if (major != GSS_S_COMPLETE)
        goto out;
    ctx->user = user;
    user = NULL;
    ctx->alg = r->algorithm == DIGEST_ALG_UNSPECIFIED ? DIGEST_ALG_MD5 : r->algorithm;
    ctx->qop = r->qop;
    ctx->nc = r->nc_value;
    ctx->nonce = strdup(r->nonce);
    /* Kept so later requests must repeat them (dg_http_same_binding); the
     * service-name is not checked against a list of the server's SPNs. */
    ctx->bound = r->hashed_dirs != NULL;
    /* An established server context keeps only what later requests are
     * checked against (every byte counts at thousands of contexts): the
     * cnonce only when it carries a binding, the name as sent only when it
     * differs from the authenticated one (userhash). */
    ctx->cnonce = r->cnonce && ctx->bound ? strdup(r->cnonce) : NULL;
    ctx->uri = strdup(r->uri);
    ctx->username_sent = strcmp(r->username, ctx->user) != 0 ? strdup(r->username) : NULL;
    ctx->userhash = r->userhash;
    free(ctx->service_name);
    ctx->service_name = r->service_name ? strdup(r->service_name) : NULL;
    memcpy(ctx->channel_binding, r->channel_binding, sizeof(ctx->channel_binding));
    memcpy(ctx->ha1_base, ha1_base, sizeof(ha1_base));
    if (!ctx->nonce || !ctx->uri || (strcmp(r->username, ctx->user) != 0 && !ctx->username_sent) ||
        (r->cnonce && ctx->bound && !ctx->cnonce) ||
        (r->service_name && !ctx->service_name) ||
        digest_http_ha1_session(ctx->alg, ha1_base, r->nonce, r->cnonce ? r->cnonce : "",
                                ctx->ha1) != DIGEST_OK) {
        major = dg_minor(minor, GSS_S_FAILURE, ENOMEM);
        goto out;
    }
    ctx->flags = GSS_C_MUTUAL_FLAG | GSS_C_REPLAY_FLAG;
    ctx->state = DG_ESTABLISHED;
    *minor = 0;
    major = GSS_S_COMPLETE;
out:
    OPENSSL_cleanse(ha1_base, sizeof(ha1_base));
    OPENSSL_cleanse(rspauth, sizeof(rspauth));
    free(user);
    free(method);
    digest_http_response_free(r);
    return major;
}

OM_uint32 dg_http_accept(OM_uint32 *minor, struct dg_ctx *ctx,
                         const struct gssmap_digest_params *p, gss_channel_bindings_t cb,
                         gss_buffer_t out)
{
    const char *wire = (const char *)p->value[GSS_SSPI_SHIM_DIGEST_P_WIRE].data;
    size_t wlen = p->value[GSS_SSPI_SHIM_DIGEST_P_WIRE].length;

    if (wlen > DIGEST_MAX_HTTP_VALUE)
        return dg_minor(minor, GSS_S_DEFECTIVE_TOKEN, GSS_SSPI_SHIM_DIGEST_S_LIMIT);
    if (!ctx->realm) {
        ctx->realm = dg_cred_realm(ctx->cred,
                                   (const char *)p->value[GSS_SSPI_SHIM_DIGEST_P_REALM].data,
                                   p->value[GSS_SSPI_SHIM_DIGEST_P_REALM].length);
        if (!ctx->realm)
            return dg_minor(minor, GSS_S_FAILURE, ENOMEM);
    }
    if (wlen == 0)
        return make_challenge(minor, ctx, 0, out);
    /* A response on the first leg: the client reuses a nonce on a new
     * connection; it is checked like any other. */
    return verify_authorization(minor, ctx, p, cb, wire, wlen, out);
}

/* ------------------------------------------------------------- initiator */

OM_uint32 dg_http_authorization(OM_uint32 *minor, struct dg_ctx *ctx, gss_buffer_t out)
{
    digest_http_response r;
    char ha2[DIGEST_HEX_BUFSIZE];
    char *s = NULL;
    size_t slen;
    OM_uint32 major;

    memset(&r, 0, sizeof(r));
    r.username = ctx->username_sent;
    r.username_ext = ctx->username_ext;
    r.userhash = ctx->userhash;
    r.realm = ctx->realm;
    r.uri = ctx->uri;
    r.algorithm = ctx->alg;
    r.nonce = ctx->nonce;
    r.opaque = ctx->opaque;
    r.qop = ctx->qop;
    if (ctx->qop) {
        snprintf(r.nc, sizeof(r.nc), "%08x", (unsigned)ctx->nc);
        r.nc_value = ctx->nc;
        r.cnonce = ctx->cnonce;
    }
    if (ctx->bound) {
        /* draft-santesson-digestbind-01: on every request of the nonce */
        r.hashed_dirs = (char *)DIGEST_HASHED_DIRS;
        r.service_name = ctx->service_name;
        memcpy(r.channel_binding, ctx->channel_binding, sizeof(r.channel_binding));
    }
    /* RFC 7616 3.4.1-3.4.3 */
    if (digest_http_ha2(ctx->alg, ctx->qop, ctx->method, ctx->uri, ctx->entity_hash, ha2) !=
            DIGEST_OK ||
        digest_http_response_value(ctx->alg, ctx->ha1, ctx->nonce, r.nc, ctx->cnonce, ctx->qop,
                                   ha2, r.response) != DIGEST_OK)
        return dg_minor(minor, GSS_S_FAILURE, GSS_SSPI_SHIM_DIGEST_S_CRYPTO);
    /* The credentials without the "Digest" scheme, as Windows' WDigest
     * returns them: curl's Windows code puts "Digest " in front itself. */
    if (digest_http_response_serialize(&r, 0, &s, &slen) != DIGEST_OK)
        return dg_minor(minor, GSS_S_FAILURE, GSS_SSPI_SHIM_DIGEST_S_LIMIT);
    major = dg_set_token(minor, out, s, slen);
    free(s);
    return major;
}

/* The value starts with the "Digest" auth-scheme (RFC 7235 2.1). */
static int has_digest_scheme(const char *wire, size_t wlen)
{
    return wlen >= 7 && strncasecmp(wire, "Digest", 6) == 0 &&
           (wire[6] == ' ' || wire[6] == '\t');
}

static int is_bare_challenge(const char *wire, size_t wlen)
{
    digest_http_challenge *one = NULL;
    int yes = digest_http_parse_challenge(wire, wlen, 0, &one, NULL) == DIGEST_OK;
    digest_http_challenge_free(one);
    return yes;
}

/*
 * draft-santesson-digestbind-01 on the client: bind when the nonce is
 * upgraded, qop is in use (the binding rides in the cnonce) and the caller
 * named the service (P_TARGET_HOST, the SPN "HTTP/host").  Without a
 * service name the response is the plain RFC 7616 one: the URI target
 * carries no host to make one from.  The cnonce becomes "+Upgraded+v1"
 * H(service-name ":" channel-binding) and 32 random hex digits.
 */
static OM_uint32 prepare_binding(OM_uint32 *minor, struct dg_ctx *ctx,
                                 const struct gssmap_digest_params *p,
                                 gss_channel_bindings_t cb, char *cnonce, size_t cnonce_size)
{
    char random_part[33], h[DIGEST_CHANNEL_BINDING_HEX + 1];
    OM_uint32 major;

    free(ctx->service_name);
    ctx->service_name = NULL;
    ctx->bound = 0;
    ctx->channel_binding[0] = '\0';
    if (dg_random_cnonce(random_part) != 0)
        return dg_minor(minor, GSS_S_FAILURE, GSS_SSPI_SHIM_DIGEST_S_CRYPTO);
    if (ctx->qop == 0 ||
        strncmp(ctx->nonce, DIGEST_UPGRADED_NONCE_PREFIX, UPGRADED_NONCE_PREFIX_LEN) != 0 ||
        !gssmap_digest_param_has(p, GSS_SSPI_SHIM_DIGEST_P_TARGET_HOST) ||
        p->value[GSS_SSPI_SHIM_DIGEST_P_TARGET_HOST].length == 0) {
        snprintf(cnonce, cnonce_size, "%s", random_part);
        return GSS_S_COMPLETE;
    }
    if (!(ctx->service_name = dg_param_str(p, GSS_SSPI_SHIM_DIGEST_P_TARGET_HOST)))
        return dg_minor(minor, GSS_S_FAILURE, ENOMEM);
    if ((major = binding_hex(minor, cb, ctx->channel_binding)) != GSS_S_COMPLETE)
        return major;
    if (digest_upgraded_cnonce_hash(ctx->service_name, ctx->channel_binding, h) != DIGEST_OK)
        return dg_minor(minor, GSS_S_FAILURE, GSS_SSPI_SHIM_DIGEST_S_CRYPTO);
    snprintf(cnonce, cnonce_size, "%s%s%s", DIGEST_UPGRADED_CNONCE_PREFIX, h, random_part);
    ctx->bound = 1;
    return GSS_S_COMPLETE;
}

static OM_uint32 answer_challenge(OM_uint32 *minor, struct dg_ctx *ctx, OM_uint32 req_flags,
                                  const struct gssmap_digest_params *p,
                                  gss_channel_bindings_t cb, const char *wire, size_t wlen,
                                  gss_buffer_t out)
{
    struct dg_cred *c = ctx->cred;
    const char *values[1] = {wire};
    size_t lens[1] = {wlen};
    digest_http_challenge_list *list = NULL;
    const digest_http_challenge *ch;
    char cnonce[sizeof(DIGEST_UPGRADED_CNONCE_PREFIX) + 2 * DIGEST_CHANNEL_BINDING_HEX];
    char *eh;
    OM_uint32 major;

    if (has_digest_scheme(wire, wlen)) {
        /* A whole WWW-Authenticate value: one or more challenges. */
        if (digest_http_parse_challenges(values, lens, 1, 0, &list, NULL, NULL) != DIGEST_OK)
            return dg_minor(minor, GSS_S_DEFECTIVE_TOKEN, GSS_SSPI_SHIM_DIGEST_S_BAD_MESSAGE);
    } else {
        /* The auth-params alone: what Windows' curl passes after cutting
         * "Digest " off the header. */
        digest_http_challenge *one = NULL;
        if (digest_http_parse_challenge(wire, wlen, 0, &one, NULL) != DIGEST_OK)
            return dg_minor(minor, GSS_S_DEFECTIVE_TOKEN, GSS_SSPI_SHIM_DIGEST_S_BAD_MESSAGE);
        list = malloc(sizeof(*list));
        if (list == NULL) {
            digest_http_challenge_free(one);
            return dg_minor(minor, GSS_S_FAILURE, ENOMEM);
        }
        list->count = 1;
        list->items = one;
    }
    /* RFC 7616 3.7: the first challenge with an algorithm we support */
    ch = digest_http_challenge_select(list, ALL_HTTP_ALGS);
    if (!ch) {
        digest_http_challenge_list_free(list);
        return dg_minor(minor, GSS_S_FAILURE, GSS_SSPI_SHIM_DIGEST_S_QOP_REFUSED);
    }
    free(ctx->realm);
    free(ctx->nonce);
    free(ctx->opaque);
    free(ctx->username_sent);
    free(ctx->uri);
    free(ctx->method);
    ctx->realm = strdup(ch->realm);
    ctx->nonce = strdup(ch->nonce);
    ctx->opaque = ch->opaque ? strdup(ch->opaque) : NULL;
    ctx->alg = ch->algorithm;
    ctx->uri = strdup(ctx->target ? ctx->target->value : "/");
    ctx->method = dg_param_str(p, GSS_SSPI_SHIM_DIGEST_P_METHOD);
    if (!ctx->method)
        ctx->method = strdup("GET");
    eh = dg_param_str(p, GSS_SSPI_SHIM_DIGEST_P_ENTITY_HASH);
    /* qop: auth unless the caller gave H(entity) and auth-int is offered,
     * or auth-int is all that is offered (then H(empty body) by default). */
    if (!ch->qop_present)
        ctx->qop = 0; /* RFC 2617 3.2.2.1 / RFC 2069 compatibility */
    else if ((ch->qop & DIGEST_QOP_AUTH_INT) && (eh || !(ch->qop & DIGEST_QOP_AUTH)))
        ctx->qop = DIGEST_QOP_AUTH_INT;
    else
        ctx->qop = DIGEST_QOP_AUTH;
    if (eh && strlen(eh) < DIGEST_HEX_BUFSIZE)
        strcpy(ctx->entity_hash, eh);
    else if (digest_http_entity_hash(ctx->alg, "", 0, ctx->entity_hash) != DIGEST_OK)
        ctx->entity_hash[0] = '\0';
    free(eh);
    ctx->username_ext = 0;
    ctx->userhash = ch->userhash;
    if (ch->userhash) {
        char h[DIGEST_HEX_BUFSIZE];
        /* RFC 7616 3.4.4 */
        if (digest_http_userhash(ctx->alg, c->name->value, ch->realm, h) == DIGEST_OK)
            ctx->username_sent = strdup(h);
        else
            ctx->username_sent = NULL;
    } else {
        ctx->username_sent = strdup(c->name->value);
        ctx->username_ext = digest_http_username_needs_ext(c->name->value); /* RFC 7616 3.4 */
    }
    digest_http_challenge_list_free(list);
    free(ctx->cnonce);
    ctx->cnonce = NULL;
    if (!ctx->realm || !ctx->nonce || !ctx->uri || !ctx->method || !ctx->username_sent)
        return dg_minor(minor, GSS_S_FAILURE, ENOMEM);
    if ((major = prepare_binding(minor, ctx, p, cb, cnonce, sizeof(cnonce))) != GSS_S_COMPLETE)
        return major;
    if (!(ctx->cnonce = strdup(cnonce)))
        return dg_minor(minor, GSS_S_FAILURE, ENOMEM);
    if (digest_http_ha1_base(ctx->alg, c->name->value, ctx->realm, c->password, c->password_len,
                             ctx->ha1_base) != DIGEST_OK ||
        digest_http_ha1_session(ctx->alg, ctx->ha1_base, ctx->nonce, ctx->cnonce, ctx->ha1) !=
            DIGEST_OK)
        return dg_minor(minor, GSS_S_FAILURE, GSS_SSPI_SHIM_DIGEST_S_CRYPTO);
    ctx->nc = 1;
    major = dg_http_authorization(minor, ctx, out);
    if (major != GSS_S_COMPLETE)
        return major;
    if (!(req_flags & GSS_C_MUTUAL_FLAG)) {
        /* Without mutual authentication the client is done once its
         * response is out, as Windows' WDigest returns SEC_E_OK here: curl
         * never hands back Authentication-Info and signs its next request
         * at once (MakeSignature, nc + 1). */
        ctx->state = DG_ESTABLISHED;
        ctx->flags = GSS_C_REPLAY_FLAG;
        return GSS_S_COMPLETE;
    }
    ctx->state = DG_SENT_RESPONSE;
    return GSS_S_CONTINUE_NEEDED;
}

/* Authentication-Info (RFC 7616 3.5): rspauth proves the server knew H(A1). */
static OM_uint32 check_auth_info(OM_uint32 *minor, struct dg_ctx *ctx, const char *wire,
                                 size_t wlen)
{
    digest_http_auth_info *ai = NULL;
    digest_http_response sent;
    OM_uint32 major = GSS_S_COMPLETE;

    if (wlen == 0) {
        /* No Authentication-Info: done, without mutual authentication. */
        ctx->state = DG_ESTABLISHED;
        ctx->flags = GSS_C_REPLAY_FLAG;
        *minor = 0;
        return GSS_S_COMPLETE;
    }
    if (digest_http_parse_auth_info(wire, wlen, 0, &ai, NULL) != DIGEST_OK)
        return dg_minor(minor, GSS_S_DEFECTIVE_TOKEN, GSS_SSPI_SHIM_DIGEST_S_BAD_MESSAGE);
    memset(&sent, 0, sizeof(sent));
    sent.username = ctx->username_sent;
    sent.realm = ctx->realm;
    sent.uri = ctx->uri;
    sent.algorithm = ctx->alg;
    sent.nonce = ctx->nonce;
    sent.qop = ctx->qop;
    sent.cnonce = ctx->qop ? ctx->cnonce : NULL;
    if (ctx->qop) {
        snprintf(sent.nc, sizeof(sent.nc), "%08x", (unsigned)ctx->nc);
        sent.nc_value = ctx->nc;
    }
    if ((ai->qop && ai->qop != ctx->qop) || (ai->cnonce && ctx->cnonce && strcmp(ai->cnonce, ctx->cnonce)) ||
        (ai->nc[0] && ai->nc_value != ctx->nc)) {
        major = dg_minor(minor, GSS_S_FAILURE, GSS_SSPI_SHIM_DIGEST_S_RSPAUTH_MISMATCH);
    } else if (!ai->rspauth[0]) {
        ctx->flags = GSS_C_REPLAY_FLAG;
    } else if (digest_http_verify_rspauth(&sent, ctx->ha1_base,
                                          ctx->qop == DIGEST_QOP_AUTH_INT ? ctx->entity_hash : NULL,
                                          ai->rspauth) != DIGEST_OK) {
        major = dg_minor(minor, GSS_S_FAILURE, GSS_SSPI_SHIM_DIGEST_S_RSPAUTH_MISMATCH);
    } else {
        ctx->flags = GSS_C_MUTUAL_FLAG | GSS_C_REPLAY_FLAG;
    }
    digest_http_auth_info_free(ai);
    if (major == GSS_S_COMPLETE) {
        ctx->state = DG_ESTABLISHED;
        *minor = 0;
    }
    return major;
}

OM_uint32 dg_http_init(OM_uint32 *minor, struct dg_ctx *ctx, OM_uint32 req_flags,
                       const struct gssmap_digest_params *p, gss_channel_bindings_t cb,
                       gss_buffer_t out)
{
    const char *wire = (const char *)p->value[GSS_SSPI_SHIM_DIGEST_P_WIRE].data;
    size_t wlen = p->value[GSS_SSPI_SHIM_DIGEST_P_WIRE].length;

    if (wlen > DIGEST_MAX_HTTP_VALUE)
        return dg_minor(minor, GSS_S_DEFECTIVE_TOKEN, GSS_SSPI_SHIM_DIGEST_S_LIMIT);
    if (ctx->state == DG_START)
        return answer_challenge(minor, ctx, req_flags, p, cb, wire, wlen, out);
    /* A second challenge (stale=true) instead of Authentication-Info:
     * answer it again with the new nonce (RFC 7616 3.3).  A challenge has
     * a realm, Authentication-Info never does. */
    if (has_digest_scheme(wire, wlen) || is_bare_challenge(wire, wlen))
        return answer_challenge(minor, ctx, req_flags, p, cb, wire, wlen, out);
    return check_auth_info(minor, ctx, wire, wlen);
}
