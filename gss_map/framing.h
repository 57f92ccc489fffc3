/*
 * RFC 2743 section 3.1 token framing: 0x60, DER length, 0x06, OID length,
 * OID, inner token.  Pure and bounds-checked: it reads untrusted bytes.
 */
#ifndef SSPI_SHIM_GSS_MAP_FRAMING_H
#define SSPI_SHIM_GSS_MAP_FRAMING_H

#include <stddef.h>
#include <gssapi/gssapi.h>

/*
 * If token is an RFC 2743 framed token, sets *oid to point at the OID bytes
 * inside it (no copy) and returns 1.  Returns 0 for a token that is not
 * framed (a raw mechanism token) and -1 for one that starts like a framed
 * token but whose lengths are wrong (truncated or inconsistent).
 */
int gssmap_token_oid(const void *token, size_t length, gss_OID_desc *oid);

#endif

/*
 * The mechToken of an initial SPNEGO token (RFC 4178 4.2.1: NegTokenInit
 * [2] mechToken OCTET STRING), framed as RFC 2743 3.1 with the SPNEGO OID.
 * Sets *inner to point into token (no copy) and returns 1; returns 0 when
 * the token is well formed but carries no mechToken, -1 when it is not an
 * initial SPNEGO token or is malformed.
 */
int gssmap_spnego_mech_token(const void *token, size_t length, gss_buffer_desc *inner);
