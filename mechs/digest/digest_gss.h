/*
 * The Digest GSS-API mechanism's internals (include/gssapi_sspi_shim_digest.h
 * is its public contract).  The exported gss_* names live in
 * digest_gss_entry.c only and call the dg_* functions declared here; the
 * module never calls an exported gss_* name itself, because mechglue
 * resolves those names with dlsym and a call from inside the module could
 * bind to the GSS library's function of the same name.
 *
 * Everything returned to mechglue (buffers, OID sets, buffer sets) is
 * allocated with malloc, which both Heimdal and MIT release with free.
 */
#ifndef SSPI_SHIM_DIGEST_GSS_H
#define SSPI_SHIM_DIGEST_GSS_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#ifndef DG_NO_GSSAPI_H
#include <gssapi/gssapi.h>
#ifdef SSPI_SHIM_MIT
#include <gssapi/gssapi_ext.h>
#endif
#endif

#include "digest_codec.h"
#include "digest_crypto.h"
#include "digest_params.h"
#include "digest_userstore.h"
#include "gssapi_sspi_shim_digest.h"

#define DG_HIDDEN __attribute__((visibility("hidden")))

/* The OIDs this module compares against or hands out (static storage, so
 * mechglue may keep pointers to them). */
extern gss_OID_desc dg_mech_oid DG_HIDDEN;
extern gss_OID_desc dg_nt_uri_oid DG_HIDDEN;
extern gss_OID_desc dg_nt_user_name_oid DG_HIDDEN;
extern gss_OID_desc dg_nt_hostbased_oid DG_HIDDEN;
int dg_oid_equal(const gss_OID_desc *a, const void *bytes, size_t len) DG_HIDDEN;
#define DG_OID_IS(oid, B) dg_oid_equal((oid), B, sizeof(B) - 1)

/* ------------------------------------------------------------- names */
enum dg_name_kind { DG_NAME_USER = 1, DG_NAME_TARGET = 2 };
struct dg_name {
    enum dg_name_kind kind;
    char *value; /* NUL-terminated UTF-8: user name, or URI / "svc/host" */
};
OM_uint32 dg_name_import(OM_uint32 *minor, const gss_buffer_desc *buf, const gss_OID_desc *type,
                         struct dg_name **out) DG_HIDDEN;
OM_uint32 dg_name_new(OM_uint32 *minor, enum dg_name_kind kind, const char *value,
                      struct dg_name **out) DG_HIDDEN;
void dg_name_free(struct dg_name *n) DG_HIDDEN;
OM_uint32 dg_name_display(OM_uint32 *minor, const struct dg_name *n, gss_buffer_t out,
                          gss_OID *type) DG_HIDDEN;
OM_uint32 dg_name_export(OM_uint32 *minor, const struct dg_name *n, gss_buffer_t out) DG_HIDDEN;
int dg_name_equal(const struct dg_name *a, const struct dg_name *b) DG_HIDDEN;

/* ------------------------------------------------------------- credentials */
#define DG_MAX_HTTP_ALGS 6
struct dg_cred {
    pthread_mutex_t lock;
    unsigned refs;           /* the handle plus each context using it */
    int initiator;           /* 1: password credential, 0: acceptor */
    /* initiator */
    struct dg_name *name;
    char *password;
    size_t password_len;
    /* acceptor */
    struct dg_userstore *store;
    unsigned char nonce_key[128];
    size_t nonce_key_len;
    uint64_t nonce_lifetime;
    char *realm;
    digest_alg http_algs[DG_MAX_HTTP_ALGS];
    size_t http_alg_count; /* 0: the store's default */
    unsigned qop;          /* DIGEST_QOP_* offered */
    unsigned sasl_ciphers; /* DIGEST_CIPHER_* offered */
};
OM_uint32 dg_cred_acquire_acceptor(OM_uint32 *minor, struct dg_cred **out) DG_HIDDEN;
OM_uint32 dg_cred_acquire_password(OM_uint32 *minor, const struct dg_name *name,
                                   const gss_buffer_desc *password, struct dg_cred **out) DG_HIDDEN;
OM_uint32 dg_cred_set_option(OM_uint32 *minor, struct dg_cred **cred, const gss_OID_desc *option,
                             const gss_buffer_desc *value) DG_HIDDEN;
struct dg_cred *dg_cred_ref(struct dg_cred *c) DG_HIDDEN;
void dg_cred_unref(struct dg_cred *c) DG_HIDDEN;
/* The algorithms an acceptor offers, in preference order; returns count. */
size_t dg_cred_http_algs(const struct dg_cred *c, digest_alg out[DG_MAX_HTTP_ALGS]) DG_HIDDEN;
/* The realm for a challenge: explicit, else the credential's, else the host
 * name.  Returns a malloc'ed string or NULL. */
char *dg_cred_realm(const struct dg_cred *c, const char *explicit_realm, size_t len) DG_HIDDEN;

/* ------------------------------------------------------------- contexts */
enum dg_state { DG_START = 0, DG_SENT_CHALLENGE, DG_SENT_RESPONSE, DG_ESTABLISHED };

struct dg_ctx {
    int initiator;
    char mode;               /* 'H' or 'S' (0 until known) */
    enum dg_state state;
    OM_uint32 flags;         /* ret_flags once established */
    struct dg_cred *cred;
    struct dg_name *target;  /* initiator: the URI / digest-uri */
    char *user;              /* authenticated (acceptor) or own (initiator) user name */
    char *realm;
    digest_alg alg;
    unsigned qop;
    unsigned cipher;
    char *nonce;
    char *cnonce;
    uint32_t nc;             /* last nc used (initiator) or accepted (acceptor) */
    /* HTTP */
    char *username_sent;     /* as sent: the name or its userhash */
    int username_ext, userhash;
    char *uri;
    char *opaque;
    char *method;
    char entity_hash[DIGEST_HEX_BUFSIZE];
    char ha1_base[DIGEST_HEX_BUFSIZE]; /* H(user:realm:password) */
    char ha1[DIGEST_HEX_BUFSIZE];      /* H(A1) (session for -sess) */
    /* draft-santesson-digestbind-01: the response carries (initiator) or
     * carried (acceptor) hashed-dirs, service-name and channel-binding;
     * later requests on the nonce repeat them with the same cnonce. */
    int bound;
    char *service_name;
    char channel_binding[DIGEST_CHANNEL_BINDING_HEX + 1];
    /* SASL */
    unsigned char sasl_ha1[DIGEST_MD5_LEN];
    char *sasl_digest_uri;
    int sasl_charset_utf8;
    digest_sasl_layer *layer;
};

void dg_ctx_free(struct dg_ctx *ctx) DG_HIDDEN;
/* Helpers shared by the HTTP and SASL halves. */
OM_uint32 dg_set_token(OM_uint32 *minor, gss_buffer_t out, const char *data, size_t len) DG_HIDDEN;
char *dg_strndup(const void *data, size_t len) DG_HIDDEN;
char *dg_param_str(const struct gssmap_digest_params *p, unsigned type) DG_HIDDEN;
int dg_random_cnonce(char out[33]) DG_HIDDEN;
OM_uint32 dg_minor(OM_uint32 *minor, OM_uint32 major, OM_uint32 code) DG_HIDDEN;

/* cb: the caller's channel bindings (GSS_C_NO_CHANNEL_BINDINGS: none),
 * checked or sent as draft-santesson-digestbind-01 says (digest_gss_http.c). */
OM_uint32 dg_http_accept(OM_uint32 *minor, struct dg_ctx *ctx,
                         const struct gssmap_digest_params *p, gss_channel_bindings_t cb,
                         gss_buffer_t out) DG_HIDDEN;
OM_uint32 dg_http_init(OM_uint32 *minor, struct dg_ctx *ctx, OM_uint32 req_flags,
                       const struct gssmap_digest_params *p, gss_channel_bindings_t cb,
                       gss_buffer_t out) DG_HIDDEN;
OM_uint32 dg_sasl_accept(OM_uint32 *minor, struct dg_ctx *ctx,
                         const struct gssmap_digest_params *p, gss_buffer_t out) DG_HIDDEN;
OM_uint32 dg_sasl_init(OM_uint32 *minor, struct dg_ctx *ctx, OM_uint32 req_flags,
                       const struct gssmap_digest_params *p, gss_buffer_t out) DG_HIDDEN;
/* HTTP: build an Authorization value for ctx's current nc/uri/method. */
OM_uint32 dg_http_authorization(OM_uint32 *minor, struct dg_ctx *ctx, gss_buffer_t out) DG_HIDDEN;
/* HTTP acceptor, a later request on ctx's nonce: 1 if r repeats the binding
 * directives and cnonce of the authentication (or, unbound, has none). */
int dg_http_same_binding(const struct dg_ctx *ctx, const digest_http_response *r) DG_HIDDEN;
/* HTTP: the process-wide replay cache (nonce, nc, cnonce). 1 = seen before. */
/* digest_replay.c: (nonce, nc, cnonce) tuples accepted while their nonce
 * is fresh, process-wide. */
enum dg_replay_result { DG_REPLAY_NEW = 0, DG_REPLAY_SEEN = 1, DG_REPLAY_FULL = 2 };
enum dg_replay_result dg_replay_check_and_add(const char *nonce, const char *nc,
                                              const char *cnonce, uint64_t expires,
                                              uint64_t now) DG_HIDDEN;

/* Per-message (digest_gss_msg.c). */
OM_uint32 dg_get_mic(OM_uint32 *minor, struct dg_ctx *ctx, const gss_buffer_desc *msg,
                     gss_buffer_t token) DG_HIDDEN;
OM_uint32 dg_verify_mic(OM_uint32 *minor, struct dg_ctx *ctx, const gss_buffer_desc *msg,
                        const gss_buffer_desc *token) DG_HIDDEN;
OM_uint32 dg_wrap(OM_uint32 *minor, struct dg_ctx *ctx, int conf_req, const gss_buffer_desc *in,
                  int *conf_state, gss_buffer_t out) DG_HIDDEN;
OM_uint32 dg_unwrap(OM_uint32 *minor, struct dg_ctx *ctx, const gss_buffer_desc *in,
                    gss_buffer_t out, int *conf_state) DG_HIDDEN;
OM_uint32 dg_wrap_size_limit(OM_uint32 *minor, const struct dg_ctx *ctx, int conf_req,
                             OM_uint32 req_output_size, OM_uint32 *max_input) DG_HIDDEN;

#endif
