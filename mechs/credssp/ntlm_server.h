/*
 * A small NTLMv2 acceptor ([MS-NLMP] 3.2, 3.3.2, 3.4) for the CredSSP
 * mechanism's inner context on the Heimdal build, where Heimdal's NTLM
 * acceptor cannot serve a client that follows [MS-NLMP] (its KDC's digest
 * service decrypts the NTLMv2 key exchange with the wrong key:
 * docs/credssp.md).  It verifies against a user store in gss-ntlmssp's
 * NTLM_USER_FILE format: lines DOMAIN:USER:PASSWORD.
 *
 * Only NTLMv2 with extended session security; NTLMv1, LM and anonymous
 * logons are refused.  The codec and crypto are ntlm_codec.c and
 * ntlm_client.c's.
 */
#ifndef SSPI_SHIM_NTLM_SERVER_H
#define SSPI_SHIM_NTLM_SERVER_H

#include <stddef.h>
#include <stdint.h>

#include "ntlm_client.h"
#include "ntlm_codec.h"

struct ntlm_server;

/* user_file: the store's path, read at each AUTHENTICATE (so an edit is
 * seen by the next logon). */
int ntlm_server_new(const char *user_file, struct ntlm_server **out) NTLM_HIDDEN;
void ntlm_server_free(struct ntlm_server *s) NTLM_HIDDEN;
/* Fixed values instead of random ones, the clock and the host name
 * (tests only); computer may be NULL to keep the host's. */
void ntlm_server_set_test_values(struct ntlm_server *s, const uint8_t server_challenge[8],
                                 const uint8_t timestamp[8], const char *computer) NTLM_HIDDEN;
/* Leg 1: NEGOTIATE in, CHALLENGE out (malloc'd).  NTLM_ERR_UNSUPPORTED
 * for a client that offers no Unicode or no extended session security. */
int ntlm_server_challenge(struct ntlm_server *s, const uint8_t *negotiate, size_t len,
                          uint8_t **out, size_t *out_len) NTLM_HIDDEN;
/* Leg 2: the AUTHENTICATE.  NTLM_OK: the user is logged on and the
 * session keys are set.  NTLM_ERR_LOGON: an unknown user, a response that
 * does not verify (wrong password), a MIC that does not verify, an
 * NTLMv1 or anonymous response.  NTLM_ERR_MALFORMED: a broken message. */
int ntlm_server_accept(struct ntlm_server *s, const uint8_t *authenticate, size_t len) NTLM_HIDDEN;
int ntlm_server_established(const struct ntlm_server *s) NTLM_HIDDEN;
/* After NTLM_OK: "DOMAIN\user" as the client sent them (the store's
 * domain when the client sent none). */
const char *ntlm_server_client_name(const struct ntlm_server *s) NTLM_HIDDEN;
/* EncryptMessage (signature || sealed) and DecryptMessage, server side. */
int ntlm_server_seal(struct ntlm_server *s, const uint8_t *in, size_t len, uint8_t **out,
                     size_t *out_len) NTLM_HIDDEN;
int ntlm_server_unseal(struct ntlm_server *s, const uint8_t *in, size_t len, uint8_t **out,
                       size_t *out_len) NTLM_HIDDEN;

/* After NTLM_OK: the SPNEGO mechListMIC ([RFC 4178] 5, [MS-SPNG] 3.3.5.1)
 * signed and checked with the session's keys and sequence numbers (they
 * come before the first sealed message); each then restarts its
 * direction's RC4 stream, as the peer's SPNEGO does
 * (ntlm_session_reset_rc4). */
int ntlm_server_get_mic(struct ntlm_server *s, const uint8_t *msg, size_t len,
                        uint8_t sig[16]) NTLM_HIDDEN;
int ntlm_server_verify_mic(struct ntlm_server *s, const uint8_t *msg, size_t len,
                           const uint8_t *sig, size_t sig_len) NTLM_HIDDEN;
/* Whether the AUTHENTICATE carried a MIC (MsvAvFlags 0x2): [MS-SPNG]
 * 3.3.5.1 then requires the SPNEGO mechListMIC. */
int ntlm_server_authenticate_had_mic(const struct ntlm_server *s) NTLM_HIDDEN;

/* The store's password for (domain, user), malloc'd (free with
 * OPENSSL_cleanse): the user compared case-insensitively (ASCII), the
 * domain too unless the line's domain or the asked one is empty.
 * NTLM_ERR_LOGON when absent or the file cannot be read. */
int ntlm_user_file_lookup(const char *path, const char *domain, const char *user,
                          char **password, char **line_domain) NTLM_HIDDEN;

#endif
