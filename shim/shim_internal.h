/*
 * Internal interfaces of the SSPI surface (shim/).
 *
 * The shim owns all state: the handle tables, the credential and context
 * objects, the per-context SSPI bookkeeping.  gss_map/ translates values;
 * the GSS library does the security work.
 */
#ifndef SSPI_SHIM_INTERNAL_H
#define SSPI_SHIM_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <gssapi/gssapi.h>

#include "sspi.h"
#include "gss_map.h"

/* Functions the library uses internally but does not export. */
#define SHIM_LOCAL __attribute__((visibility("hidden")))

/* ------------------------------------------------------------ handles */

enum shim_handle_kind {
    SHIM_HANDLE_CREDENTIAL = 1,
    SHIM_HANDLE_CONTEXT = 2,
};

/*
 * Handles are (slot index + 1, kind/generation tag): a zeroed handle, a
 * handle of the wrong kind, or a handle whose object was freed never
 * matches a live slot, so the caller gets SEC_E_INVALID_HANDLE instead of
 * a crash.  Lookups take no lock.
 */
SHIM_LOCAL SECURITY_STATUS shim_handle_new(enum shim_handle_kind kind, void *object,
                                           SecHandle *out);
SHIM_LOCAL void *shim_handle_get(const SecHandle *handle, enum shim_handle_kind kind);
/* Removes the handle and returns its object (NULL if it was not valid). */
SHIM_LOCAL void *shim_handle_take(const SecHandle *handle, enum shim_handle_kind kind);
/* Pins the object a handle names for one API call (NULL when the handle
 * is not valid: the call then fails as it would anyway); freeing the
 * handle waits until every pin is released.  Every public entry point
 * that uses a handle's object pins it first. */
SHIM_LOCAL void *shim_handle_pin(const SecHandle *handle, enum shim_handle_kind kind);
SHIM_LOCAL void shim_handle_unpin(void *pin);

/* ------------------------------------------------------------ packages */

struct shim_credential;
struct shim_context;
struct shim_package_ops;

struct shim_package {
    const char *name;           /* "Kerberos", "Negotiate" */
    const char *comment;
    ULONG capabilities;         /* SECPKG_FLAG_* we really provide */
    USHORT version;
    USHORT rpc_id;
    ULONG max_token;
    gss_OID mech;               /* mechanism passed to gss_init_sec_context */
    /* Mechanisms whose framed tokens the acceptor takes for this package. */
    const gss_OID_desc *const *accept_mechs;
    /* Package-specific hooks (NULL: the generic Kerberos/Negotiate paths). */
    const struct shim_package_ops *ops;
};

/*
 * Hooks a package whose mechanism needs more than the generic GSS paths
 * (Digest: side parameters framed into the token, a constant expiry, its
 * own message layouts).  Each hook is optional; the generic code calls it
 * at one well-defined point and keeps every SSPI leg rule to itself.
 */
struct shim_package_ops {
    /* AcquireCredentialsHandle after the credential object exists: fills
     * cred->initiate / cred->accept (and sets initiate_ready). */
    SECURITY_STATUS (*acquire)(struct shim_credential *cred, const char *principal,
                               void *auth_data);
    /* First-call flag check (SEC_E_SECURITY_QOS_FAILED for combinations
     * the package cannot honour). */
    SECURITY_STATUS (*check_req)(bool initiator, ULONG req);
    /* The initiator's target name for gss_init_sec_context. */
    SECURITY_STATUS (*import_target)(struct shim_context *ctx, const char *target);
    /* The token handed to GSS-API, built from the caller's input buffers
     * (*token malloc'd, freed by the caller), and the channel bindings
     * (pointing into the caller's buffer, or GSS_C_NO_CHANNEL_BINDINGS).
     * *skip_gss: nothing to hand to GSS-API yet (answer
     * SEC_I_CONTINUE_NEEDED with an empty token). */
    SECURITY_STATUS (*leg_input)(struct shim_context *ctx, bool first, PSecBufferDesc in,
                                 gss_buffer_desc *token, struct gss_channel_bindings_struct *cb,
                                 gss_channel_bindings_t *bindings, bool *skip_gss);
    /* The acceptor's status after mapping (the mechanism's codes that mean
     * something else to this package's callers). */
    SECURITY_STATUS (*accept_status)(OM_uint32 major, OM_uint32 minor, SECURITY_STATUS st);
    /* After a successful acceptor leg: marks what the package left unused
     * in the input (SECBUFFER_EXTRA). */
    void (*accept_done)(struct shim_context *ctx, PSecBufferDesc in);
    /* An acceptor call after establishment (0: the generic answer). */
    SECURITY_STATUS established_again;
    /* ptsExpiry / LIFESPAN: a constant instead of the GSS lifetime. */
    bool constant_expiry;
    /* The package never authenticates the server (NTLM, [MS-NLMP] 1.3):
     * a GSS_C_MUTUAL_FLAG from the mechanism is dropped (gss-ntlmssp 1.2
     * hands back the requested flags, mutual included: measured). */
    bool never_mutual;
    /* QueryContextAttributes: *handled = false leaves it to the generic code. */
    SECURITY_STATUS (*query)(struct shim_context *ctx, ULONG attribute, void *buffer, bool wide,
                             bool *handled);
    /* Message calls (under the context's lock; *handled as above). */
    SECURITY_STATUS (*make_signature)(struct shim_context *ctx, ULONG qop, PSecBufferDesc msg,
                                      bool *handled);
    SECURITY_STATUS (*verify_signature)(struct shim_context *ctx, PSecBufferDesc msg,
                                        ULONG *qop, bool *handled);
    SECURITY_STATUS (*encrypt)(struct shim_context *ctx, ULONG qop, PSecBufferDesc msg,
                               bool *handled);
    SECURITY_STATUS (*decrypt)(struct shim_context *ctx, PSecBufferDesc msg, ULONG *qop,
                               bool *handled);
};

/* The CredSSP package's hooks and mechanism (shim/credssp_package.c). */
extern SHIM_LOCAL const struct shim_package_ops shim_credssp_ops;
extern SHIM_LOCAL gss_OID_desc shim_oid_credssp;    /* 1.3.6.1.4.1.32473.1.1 */

/* The Digest package's hooks and mechanism (shim/digest_package.c). */
extern SHIM_LOCAL const struct shim_package_ops shim_digest_ops;
extern SHIM_LOCAL gss_OID_desc shim_oid_digest;     /* 1.2.752.43.14.1 */
/* shim/digest_messages.c: the message calls of a Digest context. */
SHIM_LOCAL SECURITY_STATUS shim_digest_make_signature(struct shim_context *ctx, ULONG qop,
                                                      PSecBufferDesc msg, bool *handled);
SHIM_LOCAL SECURITY_STATUS shim_digest_verify_signature(struct shim_context *ctx,
                                                        PSecBufferDesc msg, ULONG *qop,
                                                        bool *handled);
SHIM_LOCAL SECURITY_STATUS shim_digest_encrypt(struct shim_context *ctx, ULONG qop,
                                               PSecBufferDesc msg, bool *handled);
SHIM_LOCAL SECURITY_STATUS shim_digest_decrypt(struct shim_context *ctx, PSecBufferDesc msg,
                                               ULONG *qop, bool *handled);

/* The NTLM package's hooks and mechanism (shim/ntlm_package.c). */
extern SHIM_LOCAL const struct shim_package_ops shim_ntlm_ops;
extern SHIM_LOCAL gss_OID_desc shim_oid_ntlm;       /* 1.3.6.1.4.1.311.2.2.10 */
/* The first leg of a Negotiate context run as SPNEGO offering NTLM alone,
 * with the password identity of ctx->cred (the Negotiate fallback:
 * shim/negotiate_ntlm.c).  Sets ctx->ntlm_cred, the SPNEGO credential the
 * later legs use; GSS status as gss_init_sec_context's. */
SHIM_LOCAL OM_uint32 shim_ntlm_spnego_first_leg(OM_uint32 *minor, struct shim_context *ctx,
                                                OM_uint32 req_flags,
                                                gss_channel_bindings_t bindings,
                                                gss_buffer_t input, gss_OID *mech,
                                                gss_buffer_t output, OM_uint32 *ret_flags,
                                                OM_uint32 *lifetime);
/* Whether a token is an NTLMSSP message ([MS-NLMP] 2.2.1 signature). */
SHIM_LOCAL bool shim_is_ntlmssp(const void *data, size_t length);
/* A short NEGOTIATE message (curl's) in the form the NTLM mechanisms take. */
SHIM_LOCAL gss_buffer_desc shim_ntlm_negotiate_for_gss(gss_buffer_desc in);
/* ... and a short AUTHENTICATE message; *owned is freed by the caller. */
SHIM_LOCAL gss_buffer_desc shim_ntlm_authenticate_for_gss(gss_buffer_desc in, void **owned);
/* SEC_E_BAD_BINDINGS when a raw NTLM AUTHENTICATE's MsvAvChannelBindings
 * is not the hash of the acceptor's bindings (else SEC_E_OK). */
SHIM_LOCAL SECURITY_STATUS shim_ntlm_check_bindings(gss_buffer_desc authenticate,
                                                    gss_channel_bindings_t cb);

SHIM_LOCAL const struct shim_package *shim_package_find(const char *name);
SHIM_LOCAL size_t shim_package_count(void);
SHIM_LOCAL const struct shim_package *shim_package_at(size_t index);
SHIM_LOCAL bool shim_package_is(const struct shim_package *pkg, const char *name);

/* Well-known mechanism OIDs, defined here so the shim does not depend on
 * one GSS library's exported OID symbols. */
extern SHIM_LOCAL gss_OID_desc shim_oid_krb5;        /* 1.2.840.113554.1.2.2 */
extern SHIM_LOCAL gss_OID_desc shim_oid_krb5_ms;     /* 1.2.840.48018.1.2.2 */
extern SHIM_LOCAL gss_OID_desc shim_oid_spnego;      /* 1.3.6.1.5.5.2 */
SHIM_LOCAL bool shim_oid_equal(const gss_OID_desc *a, const gss_OID_desc *b);

/* Allocates a SecPkgInfoA/W describing pkg as one block (strings inside),
 * so a single FreeContextBuffer releases it. */
SHIM_LOCAL SECURITY_STATUS shim_package_info_a(const struct shim_package *pkg,
                                               SecPkgInfoA **out);
SHIM_LOCAL SECURITY_STATUS shim_package_info_w(const struct shim_package *pkg,
                                               SecPkgInfoW **out);

/* ------------------------------------------------------------ UTF-16 */

/* UTF-16 (len code units, or up to the NUL when len == (size_t)-1) to a
 * malloc'd NUL-terminated UTF-8 string.  Rejects unpaired surrogates. */
SHIM_LOCAL SECURITY_STATUS shim_utf16_to_utf8(const SEC_WCHAR *s, size_t len, char **out);
/* UTF-8 to a malloc'd NUL-terminated UTF-16 string; *out_len (optional)
 * gets the length in code units without the NUL. */
SHIM_LOCAL SECURITY_STATUS shim_utf8_to_utf16(const char *s, SEC_WCHAR **out,
                                              size_t *out_len);
SHIM_LOCAL size_t shim_utf16_len(const SEC_WCHAR *s);

/* ------------------------------------------------------------ identity */

/* SEC_WINNT_AUTH_IDENTITY_A/W/EXA/EXW decoded to UTF-8. */
struct shim_identity {
    char *user;
    char *domain;
    char *password;     /* NULL when none was given; wiped on free */
    bool has_password;
    char *packages;     /* the EX/EX2 PackageList ("NTLM", "!Kerberos"), or NULL */
};

SHIM_LOCAL SECURITY_STATUS shim_identity_decode(const void *auth_data,
                                                struct shim_identity *out);
SHIM_LOCAL void shim_identity_clear(struct shim_identity *id);
/* What a PackageList (NULL: none) leaves to Negotiate: Kerberos, NTLM. */
SHIM_LOCAL void shim_identity_packages(const char *list, bool *kerberos, bool *ntlm);

/* ------------------------------------------------------------ smart cards */

/* A card identity's certificate, found on its token (shim/smartcard.c). */
struct shim_card {
    char *module_path;    /* the PKCS#11 module holding it */
    unsigned long slot_id;
    char *token_label;    /* TSCspDataDetail cardName */
    char *reader_name;    /* the slot's description: readerName */
    char *object_label;   /* the certificate's CKA_LABEL: containerName */
    unsigned char id[64]; /* its CKA_ID */
    size_t id_len;
    char *principal;      /* the certificate's UPN: who logs on */
};

/* A user name that is a PKCS#11 URI: the identity is a smart card, its
 * Password the PIN. */
SHIM_LOCAL bool shim_card_identity(const char *user);
/* A Windows marshaled certificate reference ("@@..."), meaningless here. */
SHIM_LOCAL bool shim_marshaled_certificate(const char *user);
/* Finds the URI's certificate: SEC_E_UNKNOWN_CREDENTIALS for a bad URI,
 * SEC_E_NO_CREDENTIALS for a module, token or certificate not found. */
SHIM_LOCAL SECURITY_STATUS shim_card_resolve(const char *uri, struct shim_card **out);
SHIM_LOCAL void shim_card_free(struct shim_card *card);
/* The card as this build's Kerberos library names a PKINIT identity
 * (malloc'd). */
SHIM_LOCAL char *shim_card_pkinit_identity(const struct shim_card *card);
/* Around a PKINIT logon with the card: card logons (and
 * shim_card_resolve) run one at a time, and on Heimdal a module its
 * earlier logon left initialized is reset. */
SHIM_LOCAL void shim_card_logon_begin(const struct shim_card *card);
SHIM_LOCAL void shim_card_logon_end(void);

/* ------------------------------------------------------------ credentials */

struct shim_credential {
    atomic_int refs;
    const struct shim_package *pkg;
    ULONG use;                      /* SECPKG_CRED_INBOUND/OUTBOUND/BOTH */
    pthread_mutex_t lock;           /* guards lazy acquisition below */
    gss_cred_id_t initiate;         /* GSS_C_NO_CREDENTIAL until acquired */
    atomic_bool initiate_ready;     /* set (release) once `initiate` is final */
    gss_cred_id_t accept;
    gss_name_t desired_name;        /* GSS_C_NO_NAME: default */
    char *principal;                /* display form, for NAMES */
    struct shim_identity identity;  /* password identity, acquired lazily */
    struct shim_card *card;         /* a card identity's certificate (PIN: identity) */
    char *ccache_name;              /* its private MEMORY cache, once made */
    /* Target names imported for this credential's contexts, reused so a
     * handshake to a known SPN imports nothing (under `lock`; freed with
     * the credential, which every context using one holds a reference to). */
    struct shim_target_name {
        char *text;
        gss_name_t name;
    } targets[8];
    /* Entries are written under `lock` and published by a release store of
     * the count, never changed afterwards: lookups take no lock. */
    atomic_uint ntargets;
    TimeStamp expiry;
    /* CredSSP: the Negotiate credentials its inner contexts use, outbound
     * and inbound (references, released with this one). */
    struct shim_credential *inner, *inner_accept;
};

SHIM_LOCAL void shim_credential_ref(struct shim_credential *cred);
/* AcquireCredentialsHandle without the handle: a new credential object
 * (one reference) for package (CredSSP makes its inner Negotiate
 * credential with it). */
SHIM_LOCAL SECURITY_STATUS shim_credential_create(const char *principal, const char *package,
                                                  ULONG use, void *auth_data,
                                                  struct shim_credential **out);
/* The mechanisms every credential is acquired for: krb5 and SPNEGO. */
SHIM_LOCAL gss_OID_set shim_credential_mechs(void);
SHIM_LOCAL void shim_credential_unref(struct shim_credential *cred);
/* The GSS initiator credential, acquiring it on first use.  As on Windows,
 * a password identity is checked when the first context needs it, so a
 * wrong password is reported by InitializeSecurityContext. */
SHIM_LOCAL SECURITY_STATUS shim_credential_initiator(struct shim_credential *cred,
                                                     gss_cred_id_t *out);

/* ------------------------------------------------------------ contexts */

/* Fields grouped by size (pointers, buffers, 32-bit, 16-bit, flags) so
 * that no padding sits between them: a context is allocated per
 * connection, and the bytes count (docs/performance.md, memory). */
struct shim_context {
    const struct shim_package *pkg;
    struct shim_credential *cred;
    gss_ctx_id_t gss;
    gss_name_t target;              /* initiator: imported target name, until established */
    time_t started;
    gss_OID actual_mech;            /* owned by the GSS library */
    gss_name_t peer;                /* acceptor: the client's name */
    gss_cred_id_t delegated;
    /* Negotiate initiator that fell back to NTLM: its SPNEGO credential
     * (NTLM only), used on every leg instead of the credential's. */
    gss_cred_id_t ntlm_cred;
    /* NTLM acceptor: the TargetName its CHALLENGE named (UTF-8), the
     * domain NAMES gives a client that sent none (shim/ntlm_package.c). */
    char *ntlm_server_domain;
    /* An output token that did not fit the caller's buffer: kept so the
     * caller can retry the same call with a bigger buffer. */
    gss_buffer_desc pending_output;
    gss_buffer_desc pending_input;  /* the input that produced it */
    /* Digest HTTP MakeSignature: an Authorization value that did not fit
     * the caller's buffer, and the request parameters it was made for, so
     * a retry gets it instead of spending another nonce count (the server
     * demands nc = previous + 1). */
    gss_buffer_desc digest_pending_mic, digest_pending_params;

    SECURITY_STATUS failed;         /* sticky error after a failed leg */
    SECURITY_STATUS pending_status;
    ULONG req_flags;                /* ISC_REQ_* or ASC_REQ_* as asked */
    ULONG ret_flags;                /* ISC_RET_* or ASC_RET_* obtained */
    ULONG pkg_ret_flags;            /* ISC_RET_* a package's hook adds (CredSSP:
                                     * USED_SUPPLIED_CREDS) */
    OM_uint32 gss_flags;
    OM_uint32 lifetime;             /* seconds, from the last leg */
    /* Cached message sizes (computed once from the established context). */
    SecPkgContext_Sizes sizes;
    /* CredSSP: the TLS record sizes, asked of the mechanism once. */
    uint32_t tls_header, tls_trailer, tls_max;

    /* RFC 4121 contexts: wrap sizes measured once, since they do not
     * depend on the message, so the message path asks GSS-API nothing
     * extra (shim/messages.c). */
    uint16_t cfx_header[2];         /* EncryptMessage's TOKEN, by conf_req */
    uint16_t cfx_sealed_header, cfx_sealed_trailer;

    bool initiator;
    bool established;
    bool target_owned;              /* else `target` belongs to cred->targets */
    bool cfx_sizes_known, cfx_sizes_constant;
    bool sizes_known;
    bool tls_sizes_known;
    /* A message from the peer was checked (under the context's lock):
     * Heimdal's non-mutual initiator learns the acceptor's sequence
     * start from it (shim/messages.c, message_status). */
    bool peer_message_seen;
    /* Digest: HTTP (RFC 7616) or SASL (RFC 2831) mode, chosen on the first call. */
    bool digest_http;
};

SHIM_LOCAL void shim_context_free(struct shim_context *ctx);
/* Releases the target names a credential cached (shim/contexts.c). */
SHIM_LOCAL void shim_credential_forget_targets(struct shim_credential *cred);

/* ------------------------------------------------------------ buffers */

/* The first buffer of the given type (attribute bits masked off), or NULL. */
SHIM_LOCAL SecBuffer *shim_find_buffer(PSecBufferDesc desc, ULONG type);
/* Validates a SecBufferDesc the caller passed (version, count, pointers). */
SHIM_LOCAL SECURITY_STATUS shim_check_desc(const SecBufferDesc *desc);
/* Copies a GSS output token into the caller's SECBUFFER_TOKEN: allocated
 * with malloc when `allocate` (freed by FreeContextBuffer), else into the
 * caller's memory, SEC_E_BUFFER_TOO_SMALL when it does not fit. */
SHIM_LOCAL SECURITY_STATUS shim_put_token(PSecBufferDesc out, const gss_buffer_desc *token,
                                          bool allocate);

/* ------------------------------------------------------------ status */

/* GSS status -> SECURITY_STATUS, remembering the GSS text for
 * SspiShimLastErrorMessage() on failures. */
SHIM_LOCAL SECURITY_STATUS shim_gss_status(const char *call, OM_uint32 major,
                                           OM_uint32 minor, gss_OID mech);
/* The same for an acceptor: some krb5 codes mean another thing there. */
SHIM_LOCAL SECURITY_STATUS shim_gss_status_side(const char *call, OM_uint32 major,
                                                OM_uint32 minor, gss_OID mech,
                                                enum gssmap_side side);
/* SEC_E_UNSUPPORTED_FUNCTION with "<what> is not implemented yet"; the
 * context form first checks the handle (shim/not_yet.c). */
SHIM_LOCAL SECURITY_STATUS shim_not_yet(const char *what);
SHIM_LOCAL SECURITY_STATUS shim_context_not_yet(PCtxtHandle phContext, const char *what);
/* Records a failure that did not come from GSS-API. */
SHIM_LOCAL SECURITY_STATUS shim_fail(SECURITY_STATUS status, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* ------------------------------------------------------------ negotiate */

/* Replace an ambiguous SPNEGO failure by the Kerberos step's own status
 * (shim/negotiate_diag.c); returns `status` when there is nothing better. */
SHIM_LOCAL SECURITY_STATUS shim_negotiate_diagnose_init(struct shim_context *ctx,
                                                        gss_cred_id_t cred, OM_uint32 major,
                                                        OM_uint32 minor, SECURITY_STATUS status);
SHIM_LOCAL SECURITY_STATUS shim_negotiate_diagnose_accept(struct shim_context *ctx,
                                                          const gss_buffer_desc *input,
                                                          OM_uint32 major, OM_uint32 minor,
                                                          SECURITY_STATUS status);

/* Heimdal's NTLM acceptor, several contexts at a time
 * (shim/ntlm_acceptor_ccache.c): one shared host/ credentials cache named
 * in NTLM_ACCEPTOR_CCACHE, renewed before it ends.  Called at an NTLM or
 * Negotiate acceptor credential and at an acceptor's first token that
 * carries NTLM.  Nothing on MIT (gss-ntlmssp has no KDC). */
#ifdef SSPI_SHIM_HEIMDAL
SHIM_LOCAL void shim_ntlm_acceptor_ccache_ready(void);
#else
static inline void shim_ntlm_acceptor_ccache_ready(void) {}
#endif

/* NTLM inside Negotiate (shim/negotiate_ntlm.c).  Whether the credential's
 * PackageList allows Kerberos (kerberos) or NTLM (!kerberos). */
SHIM_LOCAL bool shim_negotiate_allows(const struct shim_credential *cred, bool kerberos);
/* A Negotiate password credential whose PackageList leaves NTLM alone. */
SHIM_LOCAL bool shim_negotiate_ntlm_only(const struct shim_credential *cred);
/* Whether a Negotiate first leg whose Kerberos step failed with this
 * status is run again with NTLM. */
SHIM_LOCAL bool shim_negotiate_falls_back(const struct shim_credential *cred,
                                          SECURITY_STATUS kerberos);
/* An NTLM or Negotiate acceptor's first output: keeps the CHALLENGE's
 * TargetName, raw or in SPNEGO's responseToken (shim/ntlm_package.c). */
SHIM_LOCAL void shim_ntlm_note_server_domain(struct shim_context *ctx, gss_buffer_desc output);
/* Whether the context negotiated NTLM (raw or inside SPNEGO). */
SHIM_LOCAL bool shim_context_is_ntlm(const struct shim_context *ctx);
/* The package hooks for the context's messages and attributes: the NTLM
 * package's for a Negotiate context that negotiated NTLM. */
SHIM_LOCAL const struct shim_package_ops *shim_context_ops(const struct shim_context *ctx);

/* ------------------------------------------------------------ replay */

/* Acceptor replay protection for Kerberos AP-REQs whose GSS library keeps
 * no replay cache (Heimdal).  Returns SEC_E_OK the first time the
 * authenticator in a first token is seen (in any framing), an error for a
 * replay. */
SHIM_LOCAL SECURITY_STATUS shim_replay_check(const gss_buffer_desc *token);
/* Forgets what shim_replay_check recorded for a first leg that was then
 * abandoned before the caller saw a context (no handle could be made). */
SHIM_LOCAL void shim_replay_forget(const gss_buffer_desc *token);
/* shim/first_leg.c: a first acceptor leg that succeeded in GSS-API but whose output token the
 * caller could not take (too small a buffer, no token buffer) is parked,
 * keyed by its input token, for a minute: the caller's repeat of the call
 * with the same token takes it back (shim_replay_unpark, NULL if none for
 * that token and credential) instead of running the acceptor again - MIT's
 * acceptor keeps a replay cache of its own that would refuse the repeat.
 * ctx->pending_output holds the token, ctx->pending_status the status. */
SHIM_LOCAL void shim_replay_park(const gss_buffer_desc *token, struct shim_context *ctx);
SHIM_LOCAL struct shim_context *shim_replay_unpark(const gss_buffer_desc *token,
                                                   const struct shim_credential *cred);

/* ------------------------------------------------------------ impersonation */

/* When this thread impersonates a client that delegated its credential,
 * gives cred a copy of that credential (its own MEMORY cache) and the
 * client's name, and sets *found.  Otherwise returns SEC_E_OK, or
 * SEC_E_NO_CREDENTIALS when the impersonated client delegated nothing. */
SHIM_LOCAL SECURITY_STATUS shim_impersonated_credential(struct shim_credential *cred,
                                                        bool *found);

/* ------------------------------------------------------------ krb5 */

/* The default realm of the krb5 configuration, malloc'd, or NULL. */
SHIM_LOCAL char *shim_default_realm(void);
/* Logs principal on with password into a new MEMORY cache and acquires a
 * GSS initiator credential for mechs from it.  *ccache_name (malloc'd)
 * names the cache, for shim_krb5_destroy_ccache when the credential goes. */
SHIM_LOCAL SECURITY_STATUS shim_krb5_password_logon(const char *principal, const char *password,
                                                    const gss_OID_set mechs, gss_cred_id_t *out,
                                                    char **ccache_name, OM_uint32 *lifetime);
/* The same with PKINIT: pkinit_identity names the card for the Kerberos
 * library (shim_card_pkinit_identity), pin unlocks it. */
SHIM_LOCAL SECURITY_STATUS shim_krb5_pkinit_logon(const char *principal,
                                                  const char *pkinit_identity, const char *pin,
                                                  const gss_OID_set mechs, gss_cred_id_t *out,
                                                  char **ccache_name, OM_uint32 *lifetime);
SHIM_LOCAL void shim_krb5_destroy_ccache(const char *ccache_name);
/* A new MEMORY cache with nothing in it (malloc'd name), for a default
 * cache that must give no Kerberos credential. */
SHIM_LOCAL char *shim_krb5_empty_ccache(void);
/* Copies the tickets of a GSS credential (a delegated one) into a new
 * MEMORY cache and acquires a credential for mechs from it, as
 * shim_krb5_password_logon does. */
SHIM_LOCAL SECURITY_STATUS shim_krb5_credential_copy(gss_cred_id_t source,
                                                     const gss_OID_set mechs, gss_cred_id_t *out,
                                                     char **ccache_name);
/* Makes ccache_name this thread's default cache for the GSS krb5 mechanism
 * and returns the previous default (malloc'd) for shim_krb5_restore_ccache;
 * NULL if it could not switch. */
SHIM_LOCAL char *shim_krb5_use_ccache(const char *ccache_name);
SHIM_LOCAL void shim_krb5_restore_ccache(char *previous);
/* SEC_E_CONTEXT_EXPIRED when the default cache's TGT has expired, else
 * `status` unchanged. */
SHIM_LOCAL SECURITY_STATUS shim_krb5_diagnose_ccache(SECURITY_STATUS status);

#endif
