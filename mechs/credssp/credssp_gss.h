/*
 * The CredSSP GSS-API mechanism's internals (include/gssapi_sspi_shim_credssp.h
 * is its public contract).  The exported gss_* names live in
 * credssp_gss_entry.c only.  The inner SPNEGO/Kerberos/NTLM context is run
 * through the GSS library's own mechglue, reached through the function
 * table in credssp_lib.c (resolved from the library by name), never
 * through a plain gss_* call, which could bind to this module's exports.
 *
 * Everything returned to mechglue is allocated with malloc.
 */
#ifndef SSPI_SHIM_CREDSSP_GSS_H
#define SSPI_SHIM_CREDSSP_GSS_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <gssapi/gssapi.h>
#ifdef SSPI_SHIM_MIT
#include <gssapi/gssapi_ext.h> /* gss_buffer_set_t */
#endif
#include <openssl/ssl.h>

#include "credssp_asn1.h"
#include "gssapi_sspi_shim_credssp.h"

#define CS_HIDDEN __attribute__((visibility("hidden")))

/* The highest TSRequest version spoken ([MS-CSSP] 2.2.1). */
#define CS_VERSION_MAX 6
/* The lowest version binding with the nonce hash (MS-CSSP 3.1.5). */
#define CS_VERSION_NONCE 5
/* The largest TSRequest accepted (a Kerberos ticket with a big PAC fits). */
#define CS_TSREQUEST_MAX (256u * 1024u)

extern gss_OID_desc cs_mech_oid CS_HIDDEN;
int cs_oid_is(const gss_OID_desc *oid, const void *bytes, size_t len) CS_HIDDEN;
#define CS_OID_IS(oid, B) cs_oid_is((oid), B, sizeof(B) - 1)

static inline OM_uint32 cs_minor(OM_uint32 *minor, OM_uint32 major, OM_uint32 code)
{
    if (minor)
        *minor = code;
    return major;
}
/* A malloc'd copy of data into out. */
OM_uint32 cs_set_buffer(OM_uint32 *minor, gss_buffer_t out, const void *data, size_t len) CS_HIDDEN;

/* ------------------------------------------------------------- the GSS library */

/* The calls the inner context needs, from the GSS library (credssp_lib.c). */
struct cs_lib {
    OM_uint32 (*init_sec_context)(OM_uint32 *, gss_cred_id_t, gss_ctx_id_t *, gss_name_t,
                                  gss_OID, OM_uint32, OM_uint32, gss_channel_bindings_t,
                                  gss_buffer_t, gss_OID *, gss_buffer_t, OM_uint32 *,
                                  OM_uint32 *);
    OM_uint32 (*accept_sec_context)(OM_uint32 *, gss_ctx_id_t *, gss_cred_id_t, gss_buffer_t,
                                    gss_channel_bindings_t, gss_name_t *, gss_OID *,
                                    gss_buffer_t, OM_uint32 *, OM_uint32 *, gss_cred_id_t *);
    OM_uint32 (*delete_sec_context)(OM_uint32 *, gss_ctx_id_t *, gss_buffer_t);
    OM_uint32 (*wrap)(OM_uint32 *, gss_ctx_id_t, int, gss_qop_t, gss_buffer_t, int *,
                      gss_buffer_t);
    OM_uint32 (*unwrap)(OM_uint32 *, gss_ctx_id_t, gss_buffer_t, gss_buffer_t, int *,
                        gss_qop_t *);
    OM_uint32 (*import_name)(OM_uint32 *, gss_buffer_t, gss_OID, gss_name_t *);
    OM_uint32 (*display_name)(OM_uint32 *, gss_name_t, gss_buffer_t, gss_OID *);
    OM_uint32 (*release_name)(OM_uint32 *, gss_name_t *);
    OM_uint32 (*release_buffer)(OM_uint32 *, gss_buffer_t);
    OM_uint32 (*release_cred)(OM_uint32 *, gss_cred_id_t *);
    OM_uint32 (*inquire_sec_context_by_oid)(OM_uint32 *, gss_ctx_id_t, gss_OID,
                                            gss_buffer_set_t *);
    OM_uint32 (*inquire_context)(OM_uint32 *, gss_ctx_id_t, gss_name_t *, gss_name_t *,
                                 OM_uint32 *, gss_OID *, OM_uint32 *, int *, int *);
    OM_uint32 (*release_buffer_set)(OM_uint32 *, gss_buffer_set_t *);
};
/* The table, or NULL when the GSS library cannot be reached. */
const struct cs_lib *cs_lib_get(void) CS_HIDDEN;

/* ------------------------------------------------------------- names */
enum cs_name_kind { CS_NAME_USER = 1, CS_NAME_SERVICE = 2 };
struct cs_name {
    enum cs_name_kind kind;
    char *value; /* user: as given; service: "service@host" */
};
OM_uint32 cs_name_new(OM_uint32 *minor, enum cs_name_kind kind, const char *value, size_t len,
                      struct cs_name **out) CS_HIDDEN;
void cs_name_free(struct cs_name *n) CS_HIDDEN;

/* ------------------------------------------------------------- credentials */
#define CS_INNER_MECH_MAX 32 /* bytes of an INNER_MECH OID */
#define CS_CARD_FIELDS 6
struct cs_cred {
    pthread_mutex_t lock;
    unsigned refs;
    bool initiator;
    /* initiator: what TSPasswordCreds carries (UTF-8) */
    char *domain, *user, *password;
    size_t password_len;
    bool delegate_override; /* DELEGATE_IDENTITY given */
    /* SMARTCARD given: cardName, readerName, containerName, cspName,
     * userHint, domainHint; the PIN is `password` */
    char *card[CS_CARD_FIELDS];
    char *d_domain, *d_user, *d_password;
    /* acceptor */
    char *cert_file, *key_file;
    int min_version;
    gss_cred_id_t inner;    /* borrowed from the caller (INNER_CRED) */
    /* initiator: the inner mechanism (INNER_MECH); length 0: SPNEGO */
    unsigned char inner_mech[CS_INNER_MECH_MAX];
    size_t inner_mech_len;
    SSL_CTX *server_ctx;    /* acceptor: made on first use, under lock */
};
OM_uint32 cs_cred_new(OM_uint32 *minor, bool initiator, struct cs_cred **out) CS_HIDDEN;
OM_uint32 cs_cred_set_password(OM_uint32 *minor, struct cs_cred *c, const char *name,
                               const gss_buffer_desc *password) CS_HIDDEN;
OM_uint32 cs_cred_set_option(OM_uint32 *minor, struct cs_cred *c, const gss_OID_desc *option,
                             const gss_buffer_desc *value) CS_HIDDEN;
struct cs_cred *cs_cred_ref(struct cs_cred *c) CS_HIDDEN;
/* Copies six NUL-separated fields of value (SMARTCARD) into card. */
OM_uint32 cs_card_fields(OM_uint32 *minor, const char *value, size_t length,
                         char *card[CS_CARD_FIELDS]) CS_HIDDEN;
void cs_cred_unref(struct cs_cred *c) CS_HIDDEN;

/* ------------------------------------------------------------- TLS */
/* The acceptor's SSL_CTX for a credential (certificate from the options,
 * the environment or the process's self-signed one); the initiator's. */
OM_uint32 cs_tls_server_ctx(OM_uint32 *minor, struct cs_cred *c, SSL_CTX **out) CS_HIDDEN;
OM_uint32 cs_tls_client_ctx(OM_uint32 *minor, SSL_CTX **out) CS_HIDDEN;
/* Bytes the TLS engine wrote for the peer, as a malloc'd token. */
OM_uint32 cs_tls_drain(OM_uint32 *minor, BIO *wbio, gss_buffer_t out) CS_HIDDEN;

/* ------------------------------------------------------------- contexts */
enum cs_state {
    CS_TLS = 0,        /* TLS handshake */
    CS_NEGO,           /* inner context legs (TSRequest.negoTokens) */
    CS_PUBKEY,         /* client: pubKeyAuth sent, waiting for the server's */
    CS_CREDS,          /* server: pubKeyAuth answered, waiting for authInfo */
    CS_ESTABLISHED,
    CS_FAILED,
};

struct cs_ctx {
    bool initiator;
    enum cs_state state;
    struct cs_cred *cred;
    OM_uint32 req_flags, ret_flags;
    struct cs_name *target;     /* initiator */
    SSL *ssl;
    BIO *rbio, *wbio;           /* owned by ssl */
    unsigned char *spk;         /* the server's SubjectPublicKey */
    size_t spk_len;
    int version;                /* the version in use (min of both sides) */
    int peer_version;           /* the peer's, which must not change */
    unsigned char nonce[32];    /* v5+: the clientNonce */
    bool have_nonce;
    /* plaintext TSRequest bytes read from TLS, not yet a whole message */
    unsigned char *in;
    size_t in_len;
    /* the inner context */
    gss_ctx_id_t inner;
    gss_name_t inner_target;
    gss_OID_desc inner_init_mech; /* initiator: what the inner context runs */
    unsigned char inner_init_mech_bytes[CS_INNER_MECH_MAX];
    gss_OID inner_mech;         /* the library's */
    /* initiator with raw NTLM inside: our own NTLMv2 client (ntlm_client.c)
     * instead of the GSS library's, whose NTLM FreeRDP 2 cannot talk to
     * (docs/credssp.md); inner stays GSS_C_NO_CONTEXT then */
    struct ntlm_client *ntlm;
    /* acceptor with raw NTLM inside on the Heimdal build, when an NTLM user
     * file is configured: our own NTLMv2 acceptor (ntlm_server.c), since
     * Heimdal's cannot unseal an [MS-NLMP] client's messages
     * (docs/credssp.md); inner stays GSS_C_NO_CONTEXT then */
    struct ntlm_server *ntlm_srv;
    /* ntlm_srv's messages came inside SPNEGO ([RFC 4178]): the client's
     * MechTypeList DER, which both mechListMICs cover */
    uint8_t *spnego_mech_types;
    size_t spnego_mech_types_len;
    OM_uint32 inner_flags;
    bool inner_done;
    /* acceptor results */
    char *client_name;          /* the inner context's source name */
    char *server_name;          /* acceptor: the inner context's target (our own name) */
    struct cssp_ts_credentials creds;
    bool have_creds;
    OM_uint32 peer_error;       /* errorCode the peer sent */
    bool error_reply;           /* acceptor: a TSRequest with errorCode awaits the caller */
    /* acceptor: bytes at the end of the last input token that were not
     * used - the client's first application records, sent right behind
     * its final TSRequest (INQ_EXTRA, SSPI's SECBUFFER_EXTRA) */
    size_t extra_len;
};

OM_uint32 cs_init(OM_uint32 *minor, struct cs_ctx **ctxp, struct cs_cred *cred,
                  struct cs_name *target, OM_uint32 req_flags, const gss_buffer_desc *input,
                  gss_buffer_t output) CS_HIDDEN;
OM_uint32 cs_accept(OM_uint32 *minor, struct cs_ctx **ctxp, struct cs_cred *cred,
                    const gss_buffer_desc *input, gss_buffer_t output) CS_HIDDEN;
void cs_ctx_free(struct cs_ctx *ctx) CS_HIDDEN;
OM_uint32 cs_wrap(OM_uint32 *minor, struct cs_ctx *ctx, const gss_buffer_desc *in,
                  gss_buffer_t out) CS_HIDDEN;
OM_uint32 cs_unwrap(OM_uint32 *minor, struct cs_ctx *ctx, const gss_buffer_desc *in,
                    gss_buffer_t out) CS_HIDDEN;
/* One record into the caller's HEADER, DATA (in place) and TRAILER or
 * PADDING buffers; and back, the record given as HEADER, DATA, TRAILER (or
 * one STREAM buffer, plaintext then in a DATA buffer pointing into it). */
OM_uint32 cs_wrap_iov(OM_uint32 *minor, struct cs_ctx *ctx, gss_iov_buffer_desc *iov,
                      int count) CS_HIDDEN;
OM_uint32 cs_unwrap_iov(OM_uint32 *minor, struct cs_ctx *ctx, gss_iov_buffer_desc *iov,
                        int count) CS_HIDDEN;
/* TLS record sizes of an established context. */
void cs_stream_sizes(const struct cs_ctx *ctx, uint32_t *header, uint32_t *trailer,
                     uint32_t *max_message) CS_HIDDEN;

/* UTF-16LE (TSPasswordCreds) to a malloc'd UTF-8 string; NULL for an
 * odd length, an unpaired surrogate or a NUL inside. */
char *cs_utf16le_to_utf8(const cssp_octets *in) CS_HIDDEN;

/* ------------------------------------------------------------- policy */
/* 1 if "service/host" matches a comma-separated pattern list ('*' any run). */
int cs_policy_match(const char *patterns, const char *spn) CS_HIDDEN;

#endif
