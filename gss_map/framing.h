/*
 * RFC 2743 section 3.1 token framing: 0x60, DER length, 0x06, OID length,
 * OID, inner token.  Pure and bounds-checked: it reads untrusted bytes.
 */
#ifndef SSPI_SHIM_GSS_MAP_FRAMING_H
#define SSPI_SHIM_GSS_MAP_FRAMING_H

#include <stdbool.h>
#include <stddef.h>
#include <gssapi/gssapi.h>

/*
 * If token is an RFC 2743 framed token, sets *oid to point at the OID bytes
 * inside it (no copy) and returns 1.  Returns 0 for a token that is not
 * framed (a raw mechanism token) and -1 for one that starts like a framed
 * token but whose lengths are wrong (truncated or inconsistent).
 */
int gssmap_token_oid(const void *token, size_t length, gss_OID_desc *oid);


/*
 * The mechToken of an initial SPNEGO token (RFC 4178 4.2.1: NegTokenInit
 * [2] mechToken OCTET STRING), framed as RFC 2743 3.1 with the SPNEGO OID.
 * Sets *inner to point into token (no copy) and returns 1; returns 0 when
 * the token is well formed but carries no mechToken, -1 when it is not an
 * initial SPNEGO token or is malformed.
 */
int gssmap_spnego_mech_token(const void *token, size_t length, gss_buffer_desc *inner);

/*
 * The token ID of a framed Kerberos GSS token (RFC 1964 1.1, RFC 4121
 * 4.1: the two bytes after the krb5 OID; 0x0100 AP-REQ, 0x0200 AP-REP,
 * 0x0300 KRB-ERROR).  Returns 1 and sets *id for a token framed with the
 * krb5 OID (or Microsoft's), 0 for any other token, -1 for a malformed one.
 */
int gssmap_krb5_token_id(const void *token, size_t length, unsigned *id);

/*
 * The authenticator ciphertext of a Kerberos AP-REQ (RFC 4120 5.5.1:
 * AP-REQ ::= [APPLICATION 14] SEQUENCE { ..., authenticator [4]
 * EncryptedData }; 5.2.9: EncryptedData ::= SEQUENCE { etype [0], kvno
 * [1] OPTIONAL, cipher [2] OCTET STRING }), in a framed Kerberos GSS token
 * (RFC 1964 1.1.1: token ID 0x0100) or in the mechToken of an initial
 * SPNEGO token carrying one.  It names one authenticator whatever the
 * framing around it, with no key.  Sets *cipher to point into token and
 * returns 1; returns 0 for a token that is no Kerberos AP-REQ (another
 * mechanism, another token ID, SPNEGO without a mechToken), -1 for a
 * malformed one.
 */
int gssmap_krb5_authenticator_cipher(const void *token, size_t length, gss_buffer_desc *cipher);

/*
 * The responseToken of a SPNEGO NegTokenResp (RFC 4178 4.2.2: [1]
 * NegTokenResp, [2] responseToken OCTET STRING).  Sets *inner to point into
 * token and returns 1; 0 when the NegTokenResp carries none; -1 when the
 * token is not a well-formed NegTokenResp.
 */
int gssmap_spnego_response_token(const void *token, size_t length, gss_buffer_desc *inner);

/*
 * The MsvAvChannelBindings value of an NTLM AUTHENTICATE message
 * ([MS-NLMP] 2.2.1.3; 2.2.2.7: an NTLMv2 response is NTProofStr, a 28-byte
 * client-challenge header, then the AV_PAIRs of 2.2.2.1).  Sets *hash to
 * point at its 16 bytes inside msg and returns 1; returns 0 when the
 * message carries none (an NTLMv1 response, no such pair, or not an
 * AUTHENTICATE at all), -1 when the pair is there with a length other
 * than 16 or the pairs run past the response.
 */
int gssmap_ntlm_channel_bindings(const void *msg, size_t length, const unsigned char **hash);

/*
 * The TargetName of an NTLM CHALLENGE message ([MS-NLMP] 2.2.1.2: the
 * server's domain, or its name), in the string form the message's
 * NegotiateFlags say (*unicode: UTF-16LE, else OEM).  Sets *name to point
 * into msg and returns 1 (the name may be empty); 0 when msg is no
 * CHALLENGE; -1 when the name runs past the message or a UTF-16 name has
 * an odd length.
 */
int gssmap_ntlm_challenge_target_name(const void *msg, size_t length, const unsigned char **name,
                                      size_t *name_length, bool *unicode);

#endif
