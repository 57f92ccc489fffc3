/*
 * SPNEGO ([RFC 4178] 4.2) on OpenSSL's ASN.1 templates: what the CredSSP
 * acceptor's own NTLM path reads from a client and answers.  See
 * spnego_asn1.h.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/asn1.h>
#include <openssl/asn1t.h>
#include <openssl/objects.h>

#include "credssp_asn1_internal.h"
#include "spnego_asn1.h"

/* MechTypeList ::= SEQUENCE OF MechType (RFC 4178 4.2.1) */
typedef STACK_OF(ASN1_OBJECT) SPNEGO_MECH_TYPES;
ASN1_ITEM_TEMPLATE(SPNEGO_MECH_TYPES) =
    ASN1_EX_TEMPLATE_TYPE(ASN1_TFLG_SEQUENCE_OF, 0, MechTypes, ASN1_OBJECT)
static_ASN1_ITEM_TEMPLATE_END(SPNEGO_MECH_TYPES)

/* NegTokenInit (4.2.1).  [MS-SPNG] 2.2.1's NegTokenInit2 (negHints [3],
 * mechListMIC [4]) is what servers send; a client sends this one. */
typedef struct {
    SPNEGO_MECH_TYPES *mech_types;
    ASN1_BIT_STRING *req_flags;
    ASN1_OCTET_STRING *mech_token;
    ASN1_OCTET_STRING *mech_list_mic;
} SPNEGO_NEG_TOKEN_INIT;

ASN1_SEQUENCE(SPNEGO_NEG_TOKEN_INIT) = {
    ASN1_EXP_SEQUENCE_OF(SPNEGO_NEG_TOKEN_INIT, mech_types, ASN1_OBJECT, 0),
    ASN1_EXP_OPT(SPNEGO_NEG_TOKEN_INIT, req_flags, ASN1_BIT_STRING, 1),
    ASN1_EXP_OPT(SPNEGO_NEG_TOKEN_INIT, mech_token, ASN1_OCTET_STRING, 2),
    ASN1_EXP_OPT(SPNEGO_NEG_TOKEN_INIT, mech_list_mic, ASN1_OCTET_STRING, 3),
} static_ASN1_SEQUENCE_END(SPNEGO_NEG_TOKEN_INIT)

/* NegTokenResp (4.2.2) */
typedef struct {
    ASN1_ENUMERATED *neg_state;
    ASN1_OBJECT *supported_mech;
    ASN1_OCTET_STRING *response_token;
    ASN1_OCTET_STRING *mech_list_mic;
} SPNEGO_NEG_TOKEN_RESP;

ASN1_SEQUENCE(SPNEGO_NEG_TOKEN_RESP) = {
    ASN1_EXP_OPT(SPNEGO_NEG_TOKEN_RESP, neg_state, ASN1_ENUMERATED, 0),
    ASN1_EXP_OPT(SPNEGO_NEG_TOKEN_RESP, supported_mech, ASN1_OBJECT, 1),
    ASN1_EXP_OPT(SPNEGO_NEG_TOKEN_RESP, response_token, ASN1_OCTET_STRING, 2),
    ASN1_EXP_OPT(SPNEGO_NEG_TOKEN_RESP, mech_list_mic, ASN1_OCTET_STRING, 3),
} static_ASN1_SEQUENCE_END(SPNEGO_NEG_TOKEN_RESP)

/* NegotiationToken ::= CHOICE { negTokenInit [0], negTokenResp [1] } */
typedef struct {
    int type;
    union {
        SPNEGO_NEG_TOKEN_INIT *init;
        SPNEGO_NEG_TOKEN_RESP *resp;
    } d;
} SPNEGO_NEGOTIATION_TOKEN;

ASN1_CHOICE(SPNEGO_NEGOTIATION_TOKEN) = {
    ASN1_EXP(SPNEGO_NEGOTIATION_TOKEN, d.init, SPNEGO_NEG_TOKEN_INIT, 0),
    ASN1_EXP(SPNEGO_NEGOTIATION_TOKEN, d.resp, SPNEGO_NEG_TOKEN_RESP, 1),
} static_ASN1_CHOICE_END(SPNEGO_NEGOTIATION_TOKEN)

/* The SPNEGO OID 1.3.6.1.5.5.2, DER with its tag. */
static const uint8_t spnego_oid_der[] = {0x06, 0x06, 0x2b, 0x06, 0x01, 0x05, 0x05, 0x02};

/* RFC 2743 3.1 framing: 0x60, a DER length, the mechanism OID; returns the
 * NegotiationToken inside, or NULL when the framing is not SPNEGO's. */
static const uint8_t *strip_framing(const uint8_t *in, size_t len, size_t *inner_len)
{
    size_t total;
    if (len < 2 || in[0] != 0x60 || cssp_der_element_length(in, len, &total) != CSSP_OK ||
        total != len)
        return NULL;
    size_t header = (in[1] & 0x80) ? 2 + (size_t)(in[1] & 0x7f) : 2;
    if (len - header < sizeof(spnego_oid_der) ||
        memcmp(in + header, spnego_oid_der, sizeof(spnego_oid_der)) != 0)
        return NULL;
    *inner_len = len - header - sizeof(spnego_oid_der);
    return in + header + sizeof(spnego_oid_der);
}

void spnego_token_clear(struct spnego_token *t)
{
    free(t->mech_types);
    free(t->token.data);
    free(t->mech_list_mic.data);
    memset(t, 0, sizeof(*t));
}

static int take_init(const SPNEGO_NEG_TOKEN_INIT *init, struct spnego_token *out)
{
    int n = sk_ASN1_OBJECT_num(init->mech_types);
    if (n <= 0)
        return CSSP_ERR_MALFORMED; /* "at least one" (4.2.1) */
    const ASN1_OBJECT *first = sk_ASN1_OBJECT_value(init->mech_types, 0);
    size_t first_len = (size_t)OBJ_length(first);
    if (first_len == 0 || first_len > sizeof(out->first_mech))
        return CSSP_ERR_RANGE;
    memcpy(out->first_mech, OBJ_get0_data(first), first_len);
    out->first_mech_len = first_len;
    /* mechListMIC covers the MechTypeList's DER as sent; the decoder
     * checked that the input is DER, so re-encoding gives those bytes. */
    int st = cssp_to_der((const ASN1_VALUE *)init->mech_types, ASN1_ITEM_rptr(SPNEGO_MECH_TYPES),
                         &out->mech_types, &out->mech_types_len);
    if (st == CSSP_OK)
        st = cssp_oct_from_asn1(init->mech_token, &out->token);
    if (st == CSSP_OK)
        st = cssp_oct_from_asn1(init->mech_list_mic, &out->mech_list_mic);
    out->is_init = 1;
    out->neg_state = SPNEGO_ABSENT;
    return st;
}

static int take_resp(const SPNEGO_NEG_TOKEN_RESP *resp, struct spnego_token *out)
{
    out->neg_state = SPNEGO_ABSENT;
    if (resp->neg_state != NULL) {
        long v = ASN1_ENUMERATED_get(resp->neg_state);
        if (v < SPNEGO_ACCEPT_COMPLETED || v > SPNEGO_REQUEST_MIC)
            return CSSP_ERR_RANGE;
        out->neg_state = (int)v;
    }
    int st = cssp_oct_from_asn1(resp->response_token, &out->token);
    if (st == CSSP_OK)
        st = cssp_oct_from_asn1(resp->mech_list_mic, &out->mech_list_mic);
    return st;
}

int spnego_decode(const uint8_t *in, size_t len, struct spnego_token *out)
{
    memset(out, 0, sizeof(*out));
    if (in == NULL)
        return CSSP_ERR_INVALID_ARG;
    size_t inner_len = len;
    const uint8_t *inner = in;
    if (len > 0 && in[0] == 0x60 && (inner = strip_framing(in, len, &inner_len)) == NULL)
        return CSSP_ERR_MALFORMED;
    ASN1_VALUE *val = NULL;
    int st = cssp_from_der(inner, inner_len, ASN1_ITEM_rptr(SPNEGO_NEGOTIATION_TOKEN), &val);
    if (st != CSSP_OK)
        return st;
    const SPNEGO_NEGOTIATION_TOKEN *tok = (const SPNEGO_NEGOTIATION_TOKEN *)val;
    /* The first token is framed and an init; later ones are bare resps. */
    if ((inner != in) != (tok->type == 0))
        st = CSSP_ERR_MALFORMED;
    else if (tok->type == 0)
        st = take_init(tok->d.init, out);
    else
        st = take_resp(tok->d.resp, out);
    ASN1_item_free(val, ASN1_ITEM_rptr(SPNEGO_NEGOTIATION_TOKEN));
    if (st != CSSP_OK)
        spnego_token_clear(out);
    return st;
}

int spnego_encode_resp(enum spnego_neg_state state, const uint8_t *mech, size_t mech_len,
                       const cssp_octets *token, const cssp_octets *mic, uint8_t **out,
                       size_t *out_len)
{
    SPNEGO_NEGOTIATION_TOKEN *tok = NULL;
    SPNEGO_NEG_TOKEN_RESP *resp = NULL;
    int st = CSSP_ERR_NOMEM;
    *out = NULL;
    *out_len = 0;
    tok = (SPNEGO_NEGOTIATION_TOKEN *)ASN1_item_new(ASN1_ITEM_rptr(SPNEGO_NEGOTIATION_TOKEN));
    resp = (SPNEGO_NEG_TOKEN_RESP *)ASN1_item_new(ASN1_ITEM_rptr(SPNEGO_NEG_TOKEN_RESP));
    if (tok == NULL || resp == NULL)
        goto out;
    tok->type = 1;
    tok->d.resp = resp;
    resp = NULL; /* tok owns it */
    SPNEGO_NEG_TOKEN_RESP *r = tok->d.resp;
    if (state != SPNEGO_ABSENT &&
        ((r->neg_state = ASN1_ENUMERATED_new()) == NULL ||
         !ASN1_ENUMERATED_set(r->neg_state, (long)state)))
        goto out;
    if (mech != NULL && (r->supported_mech = ASN1_OBJECT_create(
                             NID_undef, (unsigned char *)mech, (int)mech_len, NULL, NULL)) == NULL)
        goto out;
    if ((token != NULL && (st = cssp_oct_to_asn1(token, 0, &r->response_token)) != CSSP_OK) ||
        (mic != NULL && (st = cssp_oct_to_asn1(mic, 0, &r->mech_list_mic)) != CSSP_OK))
        goto out;
    st = cssp_to_der((const ASN1_VALUE *)tok, ASN1_ITEM_rptr(SPNEGO_NEGOTIATION_TOKEN), out,
                     out_len);
out:
    ASN1_item_free((ASN1_VALUE *)resp, ASN1_ITEM_rptr(SPNEGO_NEG_TOKEN_RESP));
    ASN1_item_free((ASN1_VALUE *)tok, ASN1_ITEM_rptr(SPNEGO_NEGOTIATION_TOKEN));
    return st;
}
