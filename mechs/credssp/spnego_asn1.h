/*
 * The SPNEGO messages ([RFC 4178] 4.2) the CredSSP acceptor needs when a
 * client sends NTLM inside SPNEGO and the module's own NTLMv2 acceptor
 * answers (the Heimdal build: mechs/credssp/ntlm_server.h): decoding a
 * client's NegTokenInit (with its RFC 2743 framing) or NegTokenResp, and
 * encoding the acceptor's NegTokenResp.  On OpenSSL's ASN.1 templates, as
 * credssp_asn1.c; the same decoder rules (DER, no trailing bytes).
 */
#ifndef SSPI_SHIM_SPNEGO_ASN1_H
#define SSPI_SHIM_SPNEGO_ASN1_H

#include <stddef.h>
#include <stdint.h>

#include "credssp_asn1.h"

/* RFC 4178 4.2.2 negState */
enum spnego_neg_state {
    SPNEGO_ABSENT = -1,
    SPNEGO_ACCEPT_COMPLETED = 0,
    SPNEGO_ACCEPT_INCOMPLETE = 1,
    SPNEGO_REJECT = 2,
    SPNEGO_REQUEST_MIC = 3,
};

/* A decoded client token.  init: mechTypes (their DER, what mechListMIC
 * covers, and the first one's OID contents), mechToken, mechListMIC.
 * resp: negState, responseToken, mechListMIC.  Absent octet strings have
 * data == NULL. */
struct spnego_token {
    int is_init;
    uint8_t *mech_types;        /* init: the MechTypeList, DER */
    size_t mech_types_len;
    uint8_t first_mech[32];     /* init: the first MechType's OID contents */
    size_t first_mech_len;
    int neg_state;              /* resp: enum spnego_neg_state */
    cssp_octets token;          /* init mechToken / resp responseToken */
    cssp_octets mech_list_mic;
};

/* A client's token: the initial one (0x60 framing, the SPNEGO OID, then a
 * NegTokenInit) or a later NegTokenResp.  CSSP_OK or CSSP_ERR_DECODE. */
int spnego_decode(const uint8_t *in, size_t len, struct spnego_token *out);
void spnego_token_clear(struct spnego_token *t);

/* The acceptor's NegTokenResp: negState, supportedMech (the OID contents,
 * NULL for none), responseToken and mechListMIC (NULL or absent data for
 * none).  *out is malloc'd. */
int spnego_encode_resp(enum spnego_neg_state state, const uint8_t *mech, size_t mech_len,
                       const cssp_octets *token, const cssp_octets *mic, uint8_t **out,
                       size_t *out_len);

#endif
