/*
 * A small NTLMv2 initiator ([MS-NLMP] 3.1.5, 3.3.2, 3.4) for the CredSSP
 * mechanism's inner context when the inner mechanism is raw NTLM: its
 * messages, keys and the EncryptMessage layout CredSSP uses for pubKeyAuth
 * and authInfo (the 16-byte NTLMSSP_MESSAGE_SIGNATURE, then the sealed
 * data).  Crypto from OpenSSL only; MD4 and RC4 from its legacy provider in
 * a library context of our own.
 */
#ifndef SSPI_SHIM_NTLM_CLIENT_H
#define SSPI_SHIM_NTLM_CLIENT_H

#include <stddef.h>
#include <stdint.h>

#include "ntlm_codec.h"

#define NTLM_SIG_LEN 16

/* ---- primitives ([MS-NLMP] 3.3.2, 3.4.5), exposed for the known-answer tests */

/* NTOWFv2: HMAC_MD5(MD4(UNICODE(Passwd)), UNICODE(Uppercase(User) || UserDom)) */
int ntlm_ntowfv2(const char *password, const char *user, const char *domain,
                 uint8_t out[16]) NTLM_HIDDEN;
/* NTProofStr = HMAC_MD5(ResponseKeyNT, ServerChallenge || temp) */
int ntlm_nt_proof(const uint8_t key[16], const uint8_t server_challenge[8], const uint8_t *temp,
                  size_t temp_len, uint8_t proof[16]) NTLM_HIDDEN;
/* LMv2: HMAC_MD5(ResponseKeyLM, ServerChallenge || ClientChallenge) || ClientChallenge */
int ntlm_lmv2(const uint8_t key[16], const uint8_t server_challenge[8],
              const uint8_t client_challenge[8], uint8_t out[24]) NTLM_HIDDEN;
/* SessionBaseKey = HMAC_MD5(ResponseKeyNT, NTProofStr) */
int ntlm_session_base_key(const uint8_t key[16], const uint8_t proof[16],
                          uint8_t out[16]) NTLM_HIDDEN;
/* RC4K(key, 16 bytes): EncryptedRandomSessionKey */
int ntlm_rc4k(const uint8_t key[16], const uint8_t in[16], uint8_t out[16]) NTLM_HIDDEN;
/* MIC = HMAC_MD5(ExportedSessionKey, NEGOTIATE || CHALLENGE || AUTHENTICATE)
 * (3.1.5.1.2), the AUTHENTICATE with its MIC field zeroed */
int ntlm_mic(const uint8_t exported[16], const uint8_t *neg, size_t neg_len,
             const uint8_t *chal, size_t chal_len, const uint8_t *auth, size_t auth_len,
             uint8_t out[16]) NTLM_HIDDEN;
/* SIGNKEY / SEALKEY with extended session security (3.4.5.2, 3.4.5.3) */
int ntlm_sign_key(const uint8_t exported[16], int client_to_server, uint8_t out[16]) NTLM_HIDDEN;
int ntlm_seal_key(const uint8_t exported[16], uint32_t flags, int client_to_server,
                  uint8_t out[16]) NTLM_HIDDEN;

/* Now as a FILETIME (100 ns since 1601-01-01), little-endian. */
void ntlm_filetime_now(uint8_t out[8]) NTLM_HIDDEN;

/* ---- an established session's sealing state, either side */
struct ntlm_session;
/* client: 1 sends with the client-to-server keys, 0 with the server's. */
int ntlm_session_new(const uint8_t exported[16], uint32_t flags, int client,
                     struct ntlm_session **out) NTLM_HIDDEN;
void ntlm_session_free(struct ntlm_session *s) NTLM_HIDDEN;
/* EncryptMessage: signature (16) || RC4-sealed data, malloc'd. */
int ntlm_session_seal(struct ntlm_session *s, const uint8_t *in, size_t len, uint8_t **out,
                      size_t *out_len) NTLM_HIDDEN;
/* DecryptMessage of the peer's signature || sealed data; NTLM_ERR_BAD_SIG
 * when the signature does not verify (the session is unusable then). */
int ntlm_session_unseal(struct ntlm_session *s, const uint8_t *in, size_t len, uint8_t **out,
                        size_t *out_len) NTLM_HIDDEN;
/* GSS_GetMICEx / GSS_VerifyMICEx (3.4.4.2): the signature of msg with
 * the direction's key, sequence number and RC4 handle (shared with
 * sealing, as in the SPNEGO mechListMIC before the first sealed message).
 * verify: NTLM_ERR_BAD_SIG when it does not match (the session is
 * unusable then). */
int ntlm_session_get_mic(struct ntlm_session *s, const uint8_t *msg, size_t len,
                         uint8_t sig[16]) NTLM_HIDDEN;
int ntlm_session_verify_mic(struct ntlm_session *s, const uint8_t *msg, size_t len,
                            const uint8_t *sig, size_t sig_len) NTLM_HIDDEN;
/* Restarts one direction's RC4 stream from its sealing key, the sequence
 * number running on: what SPNEGO does to NTLM right after making (send)
 * or checking (receive) a mechListMIC ([MS-SPNG] 3.3.5.1; MIT's SPNEGO
 * asks gss-ntlmssp for it with GSS_NTLMSSP_RESET_CRYPTO, and Windows and
 * Samba do the same), so the first sealed message starts a fresh stream. */
int ntlm_session_reset_rc4(struct ntlm_session *s, int send) NTLM_HIDDEN;

/* ---- the client */
struct ntlm_client;

/* user, domain, password in UTF-8 (domain may be ""). */
int ntlm_client_new(const char *user, const char *domain, const char *password,
                    struct ntlm_client **out) NTLM_HIDDEN;
void ntlm_client_free(struct ntlm_client *c) NTLM_HIDDEN;
/* The target's SPN ("TERMSRV/host"), sent as MsvAvTargetName so that a
 * server checking Extended Protection sees whom the client meant
 * ([MS-NLMP] 3.1.5.1.2 ClientSuppliedTargetName); before leg 1 only. */
int ntlm_client_set_target(struct ntlm_client *c, const char *spn) NTLM_HIDDEN;
/* Fixed values instead of random ones and the clock (tests only). */
void ntlm_client_set_test_values(struct ntlm_client *c, const uint8_t client_challenge[8],
                                 const uint8_t exported_key[16]) NTLM_HIDDEN;
/* Leg 1: the NEGOTIATE_MESSAGE (malloc'd). */
int ntlm_client_negotiate(struct ntlm_client *c, uint8_t **out, size_t *out_len) NTLM_HIDDEN;
/* Leg 2: CHALLENGE in, AUTHENTICATE out (malloc'd); the context is then
 * complete.  NTLM_ERR_UNSUPPORTED for a CHALLENGE that does not offer
 * NTLMv2 with extended session security, signing and sealing. */
int ntlm_client_authenticate(struct ntlm_client *c, const uint8_t *challenge, size_t len,
                             uint8_t **out, size_t *out_len) NTLM_HIDDEN;
int ntlm_client_established(const struct ntlm_client *c) NTLM_HIDDEN;
/* EncryptMessage: signature (16) || RC4-sealed data, malloc'd. */
int ntlm_client_seal(struct ntlm_client *c, const uint8_t *in, size_t len, uint8_t **out,
                     size_t *out_len) NTLM_HIDDEN;
/* DecryptMessage of the server's signature || sealed data. */
int ntlm_client_unseal(struct ntlm_client *c, const uint8_t *in, size_t len, uint8_t **out,
                       size_t *out_len) NTLM_HIDDEN;

/* The sealing state alone, from an exported session key (tests). */
int ntlm_client_start_session(struct ntlm_client *c, const uint8_t exported[16],
                              uint32_t flags) NTLM_HIDDEN;

#endif
