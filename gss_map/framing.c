/* RFC 2743 3.1 "Mechanism-Independent Token Format". */
#include "config.h"

#include <stdint.h>
#include <string.h>

#include "framing.h"

/* DER length (X.690 8.1.3) at p[*pos]; returns -1 when malformed. */
static long der_length(const unsigned char *p, size_t len, size_t *pos)
{
    if (*pos >= len)
        return -1;
    unsigned char first = p[(*pos)++];
    if (first < 0x80)
        return first;
    size_t n = first & 0x7f;
    if (n == 0 || n > 4)            /* indefinite form or > 4 GiB: not a token */
        return -1;
    unsigned long v = 0;
    for (size_t i = 0; i < n; i++) {
        if (*pos >= len)
            return -1;
        v = (v << 8) | p[(*pos)++];
    }
    if (v < 0x80 || v > (unsigned long)INT32_MAX)   /* non-minimal or absurd */
        return -1;
    return (long)v;
}

int gssmap_token_oid(const void *token, size_t length, gss_OID_desc *oid)
{
    const unsigned char *p = token;
    size_t pos = 0;

    if (token == NULL || length == 0 || p[0] != 0x60)
        return 0;
    pos = 1;
    long outer = der_length(p, length, &pos);
    if (outer < 0 || (size_t)outer != length - pos)
        return -1;
    if (pos >= length || p[pos++] != 0x06)
        return -1;
    long oid_len = der_length(p, length, &pos);
    if (oid_len <= 0 || (size_t)oid_len > length - pos)
        return -1;
    oid->length = (OM_uint32)oid_len;
    oid->elements = (void *)(p + pos);
    return 1;
}

/* Reads one DER tag + length at *pos; the value then lies at *pos. */
static int der_header(const unsigned char *p, size_t len, size_t *pos, unsigned char *tag,
                      size_t *value_len)
{
    if (*pos >= len)
        return -1;
    *tag = p[(*pos)++];
    long l = der_length(p, len, pos);
    if (l < 0 || (size_t)l > len - *pos)
        return -1;
    *value_len = (size_t)l;
    return 0;
}

int gssmap_spnego_mech_token(const void *token, size_t length, gss_buffer_desc *inner)
{
    static const unsigned char spnego_oid[] = {0x2b, 0x06, 0x01, 0x05, 0x05, 0x02};
    gss_OID_desc oid;
    const unsigned char *p = token;

    if (gssmap_token_oid(token, length, &oid) != 1 || oid.length != sizeof(spnego_oid) ||
        memcmp(oid.elements, spnego_oid, sizeof(spnego_oid)) != 0)
        return -1;
    size_t pos = (size_t)((const unsigned char *)oid.elements - p) + oid.length;
    unsigned char tag;
    size_t vlen;
    /* NegotiationToken ::= CHOICE { negTokenInit [0] NegTokenInit, ... } */
    if (der_header(p, length, &pos, &tag, &vlen) != 0 || tag != 0xa0)
        return -1;
    if (der_header(p, length, &pos, &tag, &vlen) != 0 || tag != 0x30)
        return -1;
    size_t end = pos + vlen;
    while (pos < end) {
        size_t field_len;
        if (der_header(p, end, &pos, &tag, &field_len) != 0)
            return -1;
        if (tag == 0xa2) {                  /* mechToken [2] OCTET STRING */
            size_t octets;
            if (der_header(p, pos + field_len, &pos, &tag, &octets) != 0 || tag != 0x04)
                return -1;
            inner->length = octets;
            inner->value = (void *)(p + pos);
            return 1;
        }
        pos += field_len;
    }
    return pos == end ? 0 : -1;
}

int gssmap_krb5_token_id(const void *token, size_t length, unsigned *id)
{
    static const unsigned char krb5[] = {0x2a, 0x86, 0x48, 0x86, 0xf7, 0x12, 0x01, 0x02, 0x02};
    static const unsigned char krb5_ms[] = {0x2a, 0x86, 0x48, 0x82, 0xf7, 0x12, 0x01, 0x02, 0x02};
    gss_OID_desc oid;
    int framed = gssmap_token_oid(token, length, &oid);
    if (framed <= 0)
        return framed;
    if (oid.length != sizeof(krb5) || (memcmp(oid.elements, krb5, sizeof(krb5)) != 0 &&
                                       memcmp(oid.elements, krb5_ms, sizeof(krb5_ms)) != 0))
        return 0;
    const unsigned char *after = (const unsigned char *)oid.elements + oid.length;
    if ((size_t)(after - (const unsigned char *)token) + 2 > length)
        return -1;
    *id = (unsigned)after[0] << 8 | after[1];
    return 1;
}

/* The fields of the DER SEQUENCE at p[*pos] (of `len` bytes in all):
 * finds context tag [want] and leaves *pos at its content. */
static int der_sequence_field(const unsigned char *p, size_t len, size_t *pos, unsigned char want,
                              size_t *field_len)
{
    unsigned char tag;
    size_t seq_len;
    if (der_header(p, len, pos, &tag, &seq_len) != 0 || tag != 0x30)
        return -1;
    size_t end = *pos + seq_len;
    while (*pos < end) {
        if (der_header(p, end, pos, &tag, field_len) != 0)
            return -1;
        if (tag == want)
            return 1;
        *pos += *field_len;
    }
    return 0;
}

int gssmap_krb5_authenticator_cipher(const void *token, size_t length, gss_buffer_desc *cipher)
{
    gss_buffer_desc mech_token;
    if (gssmap_spnego_mech_token(token, length, &mech_token) == 1) {
        token = mech_token.value;
        length = mech_token.length;
    }
    unsigned id;
    int krb5 = gssmap_krb5_token_id(token, length, &id);
    if (krb5 <= 0)
        return krb5;
    if (id != 0x0100)
        return 0;
    /* The AP-REQ follows the OID and the two token ID bytes. */
    gss_OID_desc oid;
    (void)gssmap_token_oid(token, length, &oid);
    const unsigned char *p = (const unsigned char *)oid.elements + oid.length + 2;
    size_t len = length - (size_t)(p - (const unsigned char *)token), pos = 0, field_len;
    unsigned char tag;
    size_t ap_req_len;
    if (der_header(p, len, &pos, &tag, &ap_req_len) != 0 || tag != 0x6e)   /* [APPLICATION 14] */
        return -1;
    len = pos + ap_req_len;
    if (der_sequence_field(p, len, &pos, 0xa4, &field_len) != 1)   /* authenticator [4] */
        return -1;
    len = pos + field_len;
    if (der_sequence_field(p, len, &pos, 0xa2, &field_len) != 1)   /* cipher [2] */
        return -1;
    size_t octets;
    if (der_header(p, pos + field_len, &pos, &tag, &octets) != 0 || tag != 0x04 || octets == 0)
        return -1;
    cipher->value = (void *)(p + pos);
    cipher->length = octets;
    return 1;
}

int gssmap_spnego_response_token(const void *token, size_t length, gss_buffer_desc *inner)
{
    const unsigned char *p = token;
    size_t pos = 0, vlen;
    unsigned char tag;
    /* NegotiationToken ::= CHOICE { ..., negTokenResp [1] NegTokenResp } */
    if (token == NULL || der_header(p, length, &pos, &tag, &vlen) != 0 || tag != 0xa1 ||
        pos + vlen != length)
        return -1;
    if (der_header(p, length, &pos, &tag, &vlen) != 0 || tag != 0x30 || pos + vlen != length)
        return -1;
    while (pos < length) {
        size_t field_len;
        if (der_header(p, length, &pos, &tag, &field_len) != 0)
            return -1;
        if (tag == 0xa2) {                  /* responseToken [2] OCTET STRING */
            size_t octets;
            if (der_header(p, pos + field_len, &pos, &tag, &octets) != 0 || tag != 0x04)
                return -1;
            inner->length = octets;
            inner->value = (void *)(p + pos);
            return 1;
        }
        pos += field_len;
    }
    return 0;
}

static unsigned le16(const unsigned char *p)
{
    return (unsigned)p[0] | (unsigned)p[1] << 8;
}

static unsigned long le32(const unsigned char *p)
{
    return (unsigned long)le16(p) | (unsigned long)le16(p + 2) << 16;
}

#define NTLM_CHALLENGE 2
#define NTLM_AUTHENTICATE 3
#define NTLMSSP_NEGOTIATE_UNICODE 0x00000001u
#define NTLM_AV_EOL 0x0000
#define NTLM_AV_CHANNEL_BINDINGS 0x000A
#define NTLMV2_AV_PAIRS_OFFSET 44      /* NTProofStr (16) + header (28) */

int gssmap_ntlm_channel_bindings(const void *msg, size_t length, const unsigned char **hash)
{
    const unsigned char *m = msg;
    *hash = NULL;
    if (length < 32 || memcmp(m, "NTLMSSP\0", 8) != 0 || le32(m + 8) != NTLM_AUTHENTICATE)
        return 0;
    /* NtChallengeResponseFields: Len (2), MaxLen (2), BufferOffset (4). */
    size_t nt_len = le16(m + 20), nt_off = le32(m + 24);
    if (nt_off > length || nt_len > length - nt_off)
        return -1;
    if (nt_len <= NTLMV2_AV_PAIRS_OFFSET)
        return 0;                       /* NTLMv1: 24 bytes, no pairs */
    const unsigned char *av = m + nt_off + NTLMV2_AV_PAIRS_OFFSET;
    size_t left = nt_len - NTLMV2_AV_PAIRS_OFFSET;
    while (left >= 4) {
        unsigned id = le16(av), len = le16(av + 2);
        if (id == NTLM_AV_EOL)
            return 0;
        if (len > left - 4)
            return -1;
        if (id == NTLM_AV_CHANNEL_BINDINGS) {
            if (len != 16)
                return -1;
            *hash = av + 4;
            return 1;
        }
        av += 4 + len;
        left -= 4 + (size_t)len;
    }
    return 0;
}

int gssmap_ntlm_challenge_target_name(const void *msg, size_t length, const unsigned char **name,
                                      size_t *name_length, bool *unicode)
{
    const unsigned char *m = msg;
    *name = NULL;
    *name_length = 0;
    *unicode = false;
    /* [MS-NLMP] 2.2.1.2: Signature (8), MessageType (4), TargetNameFields
     * (Len 2, MaxLen 2, BufferOffset 4), NegotiateFlags (4). */
    if (length < 24 || memcmp(m, "NTLMSSP\0", 8) != 0 || le32(m + 8) != NTLM_CHALLENGE)
        return 0;
    size_t len = le16(m + 12), off = le32(m + 16);
    bool wide = (le32(m + 20) & NTLMSSP_NEGOTIATE_UNICODE) != 0;
    if (off > length || len > length - off || (wide && len % 2 != 0))
        return -1;
    *name = m + off;
    *name_length = len;
    *unicode = wide;
    return 1;
}
