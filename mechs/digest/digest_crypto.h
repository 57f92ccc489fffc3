/*
 * Digest crypto on OpenSSL 3 (libcrypto EVP): the RFC 7616 / RFC 2617 HTTP
 * computations, the RFC 2831 SASL DIGEST-MD5 computations and security
 * layer, and stateless server nonces.
 *
 * Conventions: hex outputs are lowercase and NUL-terminated in caller
 * buffers of DIGEST_HEX_BUFSIZE (64 digits + NUL); every secret comparison
 * is constant-time (CRYPTO_memcmp); every intermediate holding a password,
 * H(A1) or a key is wiped with OPENSSL_cleanse before it goes out of scope.
 * Strings are hashed as the octets given: converting user names and
 * passwords to UTF-8 or ISO-8859-1 (RFC 7616 3.4.1 charset, RFC 2831
 * 2.1.2.1) is the caller's choice, helped by digest_utf8_to_latin1().
 * Hash inputs use the qop names in lowercase ("auth", "auth-int", ...), as
 * every known peer sends them.
 *
 * SASL ciphers (RFC 2831 2.4) on OpenSSL 3 / Debian 12:
 *   3des          DES-EDE-CBC (two-key EDE, K1 K2 K1)  default provider
 *   des           DES-CBC                             legacy provider only
 *   rc4, rc4-40,
 *   rc4-56        RC4 (16-byte key Kc for all three;   legacy provider only
 *                 the -40/-56 variants differ only in how many octets of
 *                 H(A1) go into Kc)
 * A cipher is fetched from the application's library context first, so an
 * application that loaded the legacy provider itself is respected; failing
 * that, from a private OSSL_LIB_CTX (created once) into which this code
 * loads the "default" and "legacy" providers.  The private context keeps
 * the process-wide default context untouched (loading a provider into the
 * default context explicitly would stop OpenSSL from auto-loading
 * "default" for everybody else).  Without legacy.so (shipped in Debian 12's
 * libssl3) des and the rc4 family report DIGEST_ERR_UNSUPPORTED;
 * digest_sasl_ciphers_available() tells which ones work.
 */
#ifndef SSPI_SHIM_DIGEST_CRYPTO_H
#define SSPI_SHIM_DIGEST_CRYPTO_H

#include <stddef.h>
#include <stdint.h>

#include "digest_codec.h"

#ifdef __cplusplus
extern "C" {
#endif

#define DIGEST_HASH_MAX     32   /* bytes: SHA-256 and SHA-512/256 */
#define DIGEST_HEX_BUFSIZE  65   /* 2 * DIGEST_HASH_MAX + NUL */
#define DIGEST_MD5_LEN      16

/* Digest output length in bytes: 16 (MD5, MD5-sess, unspecified), 32
 * (SHA-256[-sess], SHA-512-256[-sess]), 0 for DIGEST_ALG_UNKNOWN. */
size_t digest_alg_hash_len(digest_alg alg);
int digest_alg_is_session(digest_alg alg);

/* Constant-time equality of two hex strings of the same length
 * (case-insensitive); 0 if the lengths differ or either is not hex. */
int digest_hex_equal(const char *a, const char *b);

/* If every character of the UTF-8 string `in` is in ISO-8859-1, *out gets a
 * malloc'ed ISO-8859-1 copy (wipe it with OPENSSL_cleanse if secret) and
 * DIGEST_OK is returned; DIGEST_ERR_UNSUPPORTED if not representable,
 * DIGEST_ERR_BAD_ENCODING if not UTF-8.  (RFC 2831 2.1.2.1) */
digest_status digest_utf8_to_latin1(const char *in, size_t len, char **out, size_t *outlen);

/* ------------------------------------------------------------- HTTP */

/* H(data) (RFC 7616 3.4.1; RFC 2617 3.1.3). */
digest_status digest_H(digest_alg alg, const void *data, size_t len,
                       char out[DIGEST_HEX_BUFSIZE]);
/* KD(secret, data) = H(concat(secret, ":", data)) (RFC 7616 3.4.1). */
digest_status digest_KD(digest_alg alg, const char *secret, const char *data,
                        char out[DIGEST_HEX_BUFSIZE]);

/* H(unq(username) ":" unq(realm) ":" passwd) -- A1 of the plain algorithms
 * and the inner hash of the -sess ones (RFC 7616 3.4.2); for MD5 this is the
 * third field of an Apache htdigest line. */
digest_status digest_http_ha1_base(digest_alg alg, const char *username, const char *realm,
                                   const char *password, size_t password_len,
                                   char out[DIGEST_HEX_BUFSIZE]);
/* H(A1) from the base above: the base itself, or for -sess
 * H(base ":" unq(nonce) ":" unq(cnonce)) (RFC 7616 3.4.2). */
digest_status digest_http_ha1_session(digest_alg alg, const char *ha1_base_hex,
                                      const char *nonce, const char *cnonce,
                                      char out[DIGEST_HEX_BUFSIZE]);
/* Both steps. */
digest_status digest_http_ha1(digest_alg alg, const char *username, const char *realm,
                              const char *password, size_t password_len, const char *nonce,
                              const char *cnonce, char out[DIGEST_HEX_BUFSIZE]);
/* username = H(unq(username) ":" unq(realm)) (RFC 7616 3.4.4). */
digest_status digest_http_userhash(digest_alg alg, const char *username, const char *realm,
                                   char out[DIGEST_HEX_BUFSIZE]);
/* H(entity-body), for qop=auth-int. */
digest_status digest_http_entity_hash(digest_alg alg, const void *body, size_t len,
                                      char out[DIGEST_HEX_BUFSIZE]);
/* H(A2): A2 = Method ":" request-uri [ ":" H(entity-body) ] (RFC 7616
 * 3.4.3); method "" gives the A2 of rspauth (RFC 7616 3.5).  entity_hash_hex
 * is required for DIGEST_QOP_AUTH_INT and ignored otherwise. */
digest_status digest_http_ha2(digest_alg alg, unsigned qop, const char *method, const char *uri,
                              const char *entity_hash_hex, char out[DIGEST_HEX_BUFSIZE]);
/* response = KD(H(A1), nonce ":" nc ":" cnonce ":" qop ":" H(A2))
 * (RFC 7616 3.4.1), or KD(H(A1), nonce ":" H(A2)) when qop == 0 (RFC 2069
 * compatibility, RFC 2617 3.2.2.1). */
digest_status digest_http_response_value(digest_alg alg, const char *ha1_hex, const char *nonce,
                                         const char *nc, const char *cnonce, unsigned qop,
                                         const char *ha2_hex, char out[DIGEST_HEX_BUFSIZE]);

/* Server: recompute r->response from the stored H(username:realm:password)
 * for r->algorithm's hash, compare in constant time.  DIGEST_OK or
 * DIGEST_ERR_AUTH_FAILED; on success, if rspauth_out is not NULL, it gets
 * the rspauth value for Authentication-Info (RFC 7616 3.5).  The caller
 * checks realm, uri, nonce validity and nc replay itself. */
digest_status digest_http_verify_response(const digest_http_response *r, const char *method,
                                          const char *ha1_base_hex, const char *entity_hash_hex,
                                          char rspauth_out[DIGEST_HEX_BUFSIZE]);
/* Client: check an Authentication-Info rspauth against what was sent. */
digest_status digest_http_verify_rspauth(const digest_http_response *sent,
                                         const char *ha1_base_hex, const char *entity_hash_hex,
                                         const char *rspauth_hex);

/* ------------------------------------------------------------- SASL */

/* H({ username-value ":" realm-value ":" passwd }), 16 raw bytes (RFC 2831
 * 2.1.2.1).  With charset_utf8, the user name and the password are each
 * converted to ISO-8859-1 first when they can be (RFC 2831 2.1.2.1, as Cyrus
 * SASL reads it); the realm is hashed as given.  realm NULL = "". */
digest_status digest_sasl_secret(const char *username, const char *realm, const char *password,
                                 size_t password_len, int charset_utf8,
                                 unsigned char out[DIGEST_MD5_LEN]);
/* H(A1), 16 raw bytes: A1 = { secret, ":" nonce ":" cnonce [ ":" authzid ] }. */
digest_status digest_sasl_ha1(const unsigned char secret[DIGEST_MD5_LEN], const char *nonce,
                              const char *cnonce, const char *authzid,
                              unsigned char ha1[DIGEST_MD5_LEN]);
/* response-value (RFC 2831 2.1.2.1) when for_rspauth == 0, rspauth
 * (RFC 2831 2.1.3, A2 without "AUTHENTICATE") when 1.  qop 0 means auth. */
digest_status digest_sasl_response_value(const unsigned char ha1[DIGEST_MD5_LEN],
                                         const char *nonce, const char *nc, const char *cnonce,
                                         unsigned qop, const char *digest_uri, int for_rspauth,
                                         char out[33]);
/* Server: verify a parsed digest-response with the user's secret; on
 * success gives H(A1) (for the security layer) and the rspauth value. */
digest_status digest_sasl_verify_response(const digest_sasl_response *r,
                                          const unsigned char secret[DIGEST_MD5_LEN],
                                          unsigned char ha1_out[DIGEST_MD5_LEN],
                                          char rspauth_out[33]);
/* Client: check the server's rspauth. */
digest_status digest_sasl_verify_rspauth(const digest_sasl_response *sent,
                                         const unsigned char ha1[DIGEST_MD5_LEN],
                                         const char *rspauth);

/* Kic, Kis (RFC 2831 2.3) and Kcc, Kcs (2.4; n = 5 for rc4-40, 7 for rc4-56,
 * 16 otherwise).  cipher 0 derives only Kic and Kis. */
typedef struct digest_sasl_keys {
    unsigned char kic[16], kis[16], kcc[16], kcs[16];
} digest_sasl_keys;
digest_status digest_sasl_derive_keys(const unsigned char ha1[DIGEST_MD5_LEN], unsigned cipher,
                                      digest_sasl_keys *out);

/* DIGEST_CIPHER_* bits usable in this process. */
unsigned digest_sasl_ciphers_available(void);

/*
 * Security layer (RFC 2831 2.3 integrity, 2.4 confidentiality).  Messages
 * are without SASL's 4-octet length prefix:
 *   integrity:  msg | HMAC-MD5(Ki, {SeqNum, msg})[0..9] | 0x0001 | SeqNum
 *   confidential: CIPHER(Kc, {msg, pad, HMAC(Ki, {SeqNum, msg})[0..9]})
 *                 | 0x0001 | SeqNum        (pad: 1..8 octets for des/3des)
 * SeqNum is a 32-bit big-endian counter per direction starting at 0; unwrap
 * demands exactly the next one (DIGEST_ERR_SEQUENCE); after 2^32 messages a
 * direction refuses to go on.  A rejected message changes no state (the
 * cipher state is copied before decrypting), so the caller may go on.
 */
typedef struct digest_sasl_layer digest_sasl_layer;
#define DIGEST_SASL_MAC_LEN 16   /* 10 HMAC octets, 0x0001, 4-octet SeqNum */

/* qop: DIGEST_QOP_AUTH_INT or DIGEST_QOP_AUTH_CONF (then cipher is one
 * DIGEST_CIPHER_* bit).  is_server picks the key directions. */
digest_status digest_sasl_layer_new(const unsigned char ha1[DIGEST_MD5_LEN], int is_server,
                                    unsigned qop, unsigned cipher, digest_sasl_layer **out);
void digest_sasl_layer_free(digest_sasl_layer *layer);
digest_status digest_sasl_wrap(digest_sasl_layer *layer, const void *msg, size_t len,
                               unsigned char **out, size_t *outlen);
digest_status digest_sasl_unwrap(digest_sasl_layer *layer, const void *in, size_t len,
                                 unsigned char **out, size_t *outlen);
/* The integrity trailer alone (SSPI MakeSignature / VerifySignature); uses
 * and advances the same sequence numbers as wrap / unwrap. */
digest_status digest_sasl_sign(digest_sasl_layer *layer, const void *msg, size_t len,
                               unsigned char mac[DIGEST_SASL_MAC_LEN]);
digest_status digest_sasl_verify(digest_sasl_layer *layer, const void *msg, size_t len,
                                 const unsigned char mac[DIGEST_SASL_MAC_LEN]);
uint32_t digest_sasl_layer_send_seq(const digest_sasl_layer *layer);
uint32_t digest_sasl_layer_recv_seq(const digest_sasl_layer *layer);

/* ------------------------------------------------------------- nonces */

/*
 * Stateless server nonce:
 *   nonce = base64( timestamp[8, big-endian seconds] || random[17] ||
 *                   HMAC-SHA256(key, timestamp || random || realm) )
 * 57 octets, so exactly DIGEST_NONCE_LEN base64 characters without '='
 * padding (which naive parsers that split on '=' mishandle).  Any process
 * or host holding the same key verifies it; nc replay state per nonce is
 * the caller's business.
 */
#define DIGEST_NONCE_LEN      76
#define DIGEST_NONCE_KEY_MIN  16   /* bytes */
#define DIGEST_NONCE_KEY_LEN  32   /* what digest_nonce_key_generate makes */
#define DIGEST_NONCE_MAX_SKEW 300  /* seconds a nonce may come from the future */

typedef enum digest_nonce_result {
    DIGEST_NONCE_VALID = 0,   /* authentic and within its lifetime */
    DIGEST_NONCE_STALE = 1,   /* authentic but expired (or from a clock far ahead):
                               * answer with stale=true (RFC 7616 3.3) */
    DIGEST_NONCE_INVALID = 2  /* malformed, another key or another realm */
} digest_nonce_result;

digest_status digest_nonce_key_generate(unsigned char *key, size_t keylen);
digest_status digest_nonce_make(const unsigned char *key, size_t keylen, const char *realm,
                                uint64_t now, char out[DIGEST_NONCE_LEN + 1]);
/* lifetime in seconds; 0 = never expires.  *issued (may be NULL) gets the
 * nonce's timestamp when it is authentic. */
digest_nonce_result digest_nonce_verify(const unsigned char *key, size_t keylen,
                                        const char *realm, const char *nonce, size_t nonce_len,
                                        uint64_t now, uint64_t lifetime, uint64_t *issued);

/* ------------------------------------------------------------------ channel binding */
/*
 * draft-santesson-digestbind-01 (Windows' Extended Protection for HTTP
 * Digest).  A server that checks bindings sends a nonce starting with
 * DIGEST_UPGRADED_NONCE_PREFIX; a client binding its response sends
 * hashed-dirs, service-name and channel-binding and the cnonce
 * DIGEST_UPGRADED_CNONCE_PREFIX H(service-name ":" channel-binding) random,
 * so the response value, computed over that cnonce, covers the directives.
 */
#define DIGEST_UPGRADED_NONCE_PREFIX  "+Upgraded+"
#define DIGEST_UPGRADED_CNONCE_PREFIX "+Upgraded+v1"
#define DIGEST_HASHED_DIRS            "service-name,channel-binding"
/* channel-binding when the client has no bindings */
#define DIGEST_CHANNEL_BINDING_NONE   "00000000000000000000000000000000"

/* channel-binding: lowercase hex MD5 of the bindings laid out as
 * initiator addrtype (4 bytes little-endian), initiator address length
 * (4 LE) and bytes, acceptor addrtype, length and bytes, application data
 * length and bytes (the gss_channel_bindings_struct fields).  A length over
 * 32 bits is DIGEST_ERR_INVALID_ARG. */
digest_status digest_channel_binding_hash(uint32_t initiator_addrtype, const void *initiator,
                                          size_t initiator_len, uint32_t acceptor_addrtype,
                                          const void *acceptor, size_t acceptor_len,
                                          const void *application, size_t application_len,
                                          char out[DIGEST_CHANNEL_BINDING_HEX + 1]);
/* The hash in an upgraded cnonce: lowercase hex MD5(service-name ":"
 * channel-binding). */
digest_status digest_upgraded_cnonce_hash(const char *service_name, const char *channel_binding,
                                          char out[DIGEST_CHANNEL_BINDING_HEX + 1]);
/* 1 if cnonce is DIGEST_UPGRADED_CNONCE_PREFIX, the hash of service-name and
 * channel-binding (either case, compared in constant time), then at least
 * one more character; 0 otherwise. */
int digest_upgraded_cnonce_ok(const char *cnonce, const char *service_name,
                              const char *channel_binding);

#ifdef __cplusplus
}
#endif

#endif /* SSPI_SHIM_DIGEST_CRYPTO_H */
