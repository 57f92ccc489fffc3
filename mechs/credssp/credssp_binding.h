/*
 * CredSSP public-key binding, [MS-CSSP] 3.1.5 steps 3 to 5: what the
 * client puts (before the inner context's GSS_WrapEx) in pubKeyAuth to bind
 * the inner authentication to the TLS server key, and what the server
 * answers.  No GSS-API here: the caller wraps and unwraps these bytes with
 * the inner context.
 *
 * "SubjectPublicKey" (MS-CSSP 3.1.5 step 3, "the ASN.1-encoded
 * SubjectPublicKey sub-field of SubjectPublicKeyInfo", RFC 3280 4.1) is, as
 * Windows and FreeRDP use it, the content of the subjectPublicKey BIT
 * STRING without its unused-bits octet: for RSA the DER RSAPublicKey
 * (30 82 01 0a 02 82 01 01 00 ... for a 2048-bit key), for EC the point
 * (04 X Y).  cssp_x509_subject_public_key() gives exactly those bytes.
 *
 * Versions 5 and 6 (MS-CSSP 3.1.5 step 3 / step 4):
 *   client -> server  SHA256("CredSSP Client-To-Server Binding Hash\0" ||
 *                            clientNonce || SubjectPublicKey)
 *   server -> client  SHA256("CredSSP Server-To-Client Binding Hash\0" ||
 *                            clientNonce || SubjectPublicKey)
 *   ("The hash MUST include the null terminator (\0) of the string.")
 * Versions 2, 3 and 4 (open to the CVE-2018-0886 oracle: opt-in only):
 *   client -> server  SubjectPublicKey itself;
 *   server -> client  SubjectPublicKey with 1 added to its first byte
 *                     (step 4: "adds 1 to the first byte representing the
 *                     public key (the ASN.1 structure corresponding to the
 *                     SubjectPublicKey field)"), an 8-bit addition: 0xff
 *                     becomes 0x00; the other bytes are unchanged.
 *
 * Every comparison here is constant-time (CRYPTO_memcmp) and refuses two
 * traps seen in other implementations: comparing a buffer with itself
 * (a == b always "matches") and an empty key (an empty echo always
 * "matches" an empty expectation).
 */
#ifndef SSPI_SHIM_CREDSSP_BINDING_H
#define SSPI_SHIM_CREDSSP_BINDING_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/x509.h>

#include "credssp_asn1.h"

#ifdef __cplusplus
extern "C" {
#endif

#define CSSP_BINDING_HASH_LEN 32  /* SHA-256 */

/* The magic strings; sizeof includes the terminating NUL that goes into
 * the hash (MS-CSSP 3.1.5 step 3 note). */
#define CSSP_CLIENT_SERVER_MAGIC "CredSSP Client-To-Server Binding Hash"
#define CSSP_SERVER_CLIENT_MAGIC "CredSSP Server-To-Client Binding Hash"

/* 1 if protocol version v binds with the hash (5 and later), 0 if with
 * the key echo (2, 3, 4). */
int cssp_binding_uses_hash(int32_t version);

/* The SubjectPublicKey of cert, as MS-CSSP means it (see above): a pointer
 * into cert, valid as long as cert is.  CSSP_ERR_MALFORMED if the key is
 * missing, empty, or not a whole number of octets. */
enum cssp_status cssp_x509_subject_public_key(const X509 *cert, const unsigned char **spk,
                                              size_t *spk_len);

/* Versions 5+: out = SHA256(magic || nonce || spk) with the client-to-
 * server magic (server_to_client == 0) or the server-to-client one. */
enum cssp_status cssp_binding_hash(int server_to_client, const unsigned char nonce[CSSP_NONCE_LEN],
                                   const unsigned char *spk, size_t spk_len,
                                   unsigned char out[CSSP_BINDING_HASH_LEN]);

/* Versions 2-4: the server's answer, spk with its first byte + 1, into
 * out (spk_len bytes; out may equal spk). */
enum cssp_status cssp_binding_legacy_echo(const unsigned char *spk, size_t spk_len,
                                          unsigned char *out);

/* Checks a received (already unwrapped) pubKeyAuth against our own key;
 * CSSP_OK if it matches, CSSP_ERR_MISMATCH if not (length included).
 *   server_to_client == 0: the server checking the client's value;
 *   server_to_client == 1: the client checking the server's answer.
 * Versions 5+: */
enum cssp_status cssp_binding_verify_hash(int server_to_client,
                                          const unsigned char nonce[CSSP_NONCE_LEN],
                                          const unsigned char *spk, size_t spk_len,
                                          const unsigned char *received, size_t received_len);
/* Versions 2-4: the client's value must be spk itself, the server's the
 * echo.  received must not be spk's own memory. */
enum cssp_status cssp_binding_verify_legacy(int server_to_client, const unsigned char *spk,
                                            size_t spk_len, const unsigned char *received,
                                            size_t received_len);

/* Constant-time equality (CRYPTO_memcmp; the time depends on the lengths
 * only): 1 if a[0..alen) == b[0..blen).  0 if the lengths differ, if
 * either is empty or NULL, or if a and b are the same memory (comparing a
 * buffer with itself is always a bug in a verification). */
int cssp_ct_equal(const void *a, size_t alen, const void *b, size_t blen);

#ifdef __cplusplus
}
#endif

#endif /* SSPI_SHIM_CREDSSP_BINDING_H */
