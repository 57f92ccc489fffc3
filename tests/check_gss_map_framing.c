/* gss_map/framing.c: RFC 2743 framing, SPNEGO tokens, Kerberos token IDs. */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "framing.h"
#include "packed_context.h"

/* 0x60 len 0x06 0x09 <krb5 OID> <token id> <body> */
static size_t krb5_token(unsigned char *buf, const unsigned char *oid, unsigned id,
                         const char *body)
{
    size_t blen = strlen(body);
    buf[0] = 0x60;
    buf[1] = (unsigned char)(2 + 9 + 2 + blen);
    buf[2] = 0x06;
    buf[3] = 9;
    memcpy(buf + 4, oid, 9);
    buf[13] = (unsigned char)(id >> 8);
    buf[14] = (unsigned char)id;
    memcpy(buf + 15, body, blen);
    return 15 + blen;
}

static const unsigned char krb5_oid[] = {0x2a, 0x86, 0x48, 0x86, 0xf7, 0x12, 0x01, 0x02, 0x02};
static const unsigned char ms_oid[] = {0x2a, 0x86, 0x48, 0x82, 0xf7, 0x12, 0x01, 0x02, 0x02};

START_TEST(framed_tokens_give_their_oid)
{
    unsigned char t[64];
    size_t n = krb5_token(t, krb5_oid, 0x0100, "abc");
    gss_OID_desc oid;
    ck_assert_int_eq(gssmap_token_oid(t, n, &oid), 1);
    ck_assert_uint_eq(oid.length, 9);
    ck_assert(memcmp(oid.elements, krb5_oid, 9) == 0);
    ck_assert_ptr_eq(oid.elements, t + 4);              /* no copy */
    /* Not framed: a raw token. */
    ck_assert_int_eq(gssmap_token_oid("NTLMSSP", 7, &oid), 0);
    ck_assert_int_eq(gssmap_token_oid(t, 0, &oid), 0);
    /* Framed but wrong: outer length, OID tag, OID past the end, long forms. */
    t[1]++;
    ck_assert_int_eq(gssmap_token_oid(t, n, &oid), -1);
    t[1]--;
    t[2] = 0x05;
    ck_assert_int_eq(gssmap_token_oid(t, n, &oid), -1);
    t[2] = 0x06;
    t[3] = 200;
    ck_assert_int_eq(gssmap_token_oid(t, n, &oid), -1);
    const unsigned char indefinite[] = {0x60, 0x80, 0x06, 0x01, 0x2a, 0x00, 0x00};
    ck_assert_int_eq(gssmap_token_oid(indefinite, sizeof(indefinite), &oid), -1);
    const unsigned char non_minimal[] = {0x60, 0x81, 0x03, 0x06, 0x01, 0x2a};
    ck_assert_int_eq(gssmap_token_oid(non_minimal, sizeof(non_minimal), &oid), -1);
    const unsigned char truncated[] = {0x60, 0x84, 0x00};
    ck_assert_int_eq(gssmap_token_oid(truncated, sizeof(truncated), &oid), -1);
}
END_TEST

START_TEST(kerberos_token_ids)
{
    unsigned char t[64];
    unsigned id = 0;
    size_t n = krb5_token(t, krb5_oid, 0x0200, "rep");
    ck_assert_int_eq(gssmap_krb5_token_id(t, n, &id), 1);
    ck_assert_uint_eq(id, 0x0200);
    n = krb5_token(t, ms_oid, 0x0300, "err");
    ck_assert_int_eq(gssmap_krb5_token_id(t, n, &id), 1);
    ck_assert_uint_eq(id, 0x0300);
    /* Another mechanism's OID is no Kerberos token. */
    const unsigned char spnego[] = {0x60, 0x0a, 0x06, 0x06, 0x2b, 0x06, 0x01, 0x05, 0x05, 0x02,
                                    0xa0, 0x00};
    ck_assert_int_eq(gssmap_krb5_token_id(spnego, sizeof(spnego), &id), 0);
    /* The OID with no room for the token ID. */
    n = krb5_token(t, krb5_oid, 0x0200, "");
    t[1] = 11;
    ck_assert_int_eq(gssmap_krb5_token_id(t, 13, &id), -1);
    ck_assert_int_eq(gssmap_krb5_token_id("\x6f\x03\x02\x01\x00", 5, &id), 0);
}
END_TEST

START_TEST(spnego_init_mech_token)
{
    /* 0x60 L 06 06 <spnego> a0 L 30 L [ a0 L 30 L 06 09 <krb5> ] a2 L 04 L <tok> */
    unsigned char t[128];
    size_t i = 0;
    const char tok[] = "MECHTOKEN";
    size_t inner_mechs = 2 + 9, mechtypes = 2 + inner_mechs, a0 = 2 + mechtypes;
    /* seq: the SEQUENCE's content; choice: [0]'s content (the SEQUENCE). */
    size_t a2 = 2 + 2 + 9, seq = a0 + a2, choice = 2 + seq, total = 2 + 6 + 2 + choice;
    t[i++] = 0x60; t[i++] = (unsigned char)total;
    t[i++] = 0x06; t[i++] = 6;
    memcpy(t + i, "\x2b\x06\x01\x05\x05\x02", 6); i += 6;
    t[i++] = 0xa0; t[i++] = (unsigned char)choice;
    t[i++] = 0x30; t[i++] = (unsigned char)seq;
    t[i++] = 0xa0; t[i++] = (unsigned char)mechtypes;
    t[i++] = 0x30; t[i++] = (unsigned char)inner_mechs;
    t[i++] = 0x06; t[i++] = 9;
    memcpy(t + i, krb5_oid, 9); i += 9;
    t[i++] = 0xa2; t[i++] = 11;
    t[i++] = 0x04; t[i++] = 9;
    memcpy(t + i, tok, 9); i += 9;
    gss_buffer_desc inner;
    ck_assert_int_eq(gssmap_spnego_mech_token(t, i, &inner), 1);
    ck_assert_uint_eq(inner.length, 9);
    ck_assert(memcmp(inner.value, tok, 9) == 0);
    /* Truncations never read past the end. */
    for (size_t cut = 0; cut < i; cut++)
        ck_assert_int_ne(gssmap_spnego_mech_token(t, cut, &inner), 1);
    /* Not SPNEGO. */
    unsigned char k[64];
    size_t n = krb5_token(k, krb5_oid, 0x0100, "x");
    ck_assert_int_eq(gssmap_spnego_mech_token(k, n, &inner), -1);
}
END_TEST

START_TEST(spnego_response_token)
{
    /* a1 L 30 L [ a0 03 0a 01 01 ] [ a2 L 04 L <tok> ] */
    const unsigned char resp[] = {0xa1, 0x0f, 0x30, 0x0d, 0xa0, 0x03, 0x0a, 0x01, 0x01,
                                  0xa2, 0x06, 0x04, 0x04, 'R', 'E', 'P', '!'};
    gss_buffer_desc inner;
    ck_assert_int_eq(gssmap_spnego_response_token(resp, sizeof(resp), &inner), 1);
    ck_assert_uint_eq(inner.length, 4);
    ck_assert(memcmp(inner.value, "REP!", 4) == 0);
    /* negState only: no response token. */
    const unsigned char state_only[] = {0xa1, 0x07, 0x30, 0x05, 0xa0, 0x03, 0x0a, 0x01, 0x00};
    ck_assert_int_eq(gssmap_spnego_response_token(state_only, sizeof(state_only), &inner), 0);
    for (size_t cut = 0; cut < sizeof(resp); cut++)
        ck_assert_int_eq(gssmap_spnego_response_token(resp, cut, &inner), -1);
    /* A NegTokenInit is not a NegTokenResp; trailing bytes are refused. */
    unsigned char other[sizeof(resp)];
    memcpy(other, resp, sizeof(resp));
    other[0] = 0xa0;
    ck_assert_int_eq(gssmap_spnego_response_token(other, sizeof(other), &inner), -1);
    unsigned char longer[sizeof(resp) + 1];
    memcpy(longer, resp, sizeof(resp));
    longer[sizeof(resp)] = 0;
    ck_assert_int_eq(gssmap_spnego_response_token(longer, sizeof(longer), &inner), -1);
    ck_assert_int_eq(gssmap_spnego_response_token(NULL, 0, &inner), -1);
}
END_TEST

/* Appends a DER TLV with a short-form length (all values here are < 128). */
static size_t tlv(unsigned char *out, unsigned char tag, const unsigned char *value, size_t len)
{
    out[0] = tag;
    out[1] = (unsigned char)len;
    memcpy(out + 2, value, len);
    return 2 + len;
}

static const unsigned char authenticator_cipher[] = "sealed-authenticator-bytes";

/* A framed Kerberos AP-REQ (RFC 1964 1.1.1, RFC 4120 5.5.1) whose
 * authenticator is EncryptedData { etype 18, [kvno], cipher }. */
static size_t framed_ap_req(unsigned char *out, bool with_kvno)
{
    unsigned char enc[64], encseq[80], fields[160], seq[180], apreq[200], *q;
    size_t n = 0;
    n += tlv(enc + n, 0xa0, (const unsigned char *)"\x02\x01\x12", 3);
    if (with_kvno)
        n += tlv(enc + n, 0xa1, (const unsigned char *)"\x02\x01\x02", 3);
    unsigned char octets[40];
    size_t on = tlv(octets, 0x04, authenticator_cipher, sizeof(authenticator_cipher) - 1);
    n += tlv(enc + n, 0xa2, octets, on);
    size_t en = tlv(encseq, 0x30, enc, n);
    size_t f = 0;
    f += tlv(fields + f, 0xa0, (const unsigned char *)"\x02\x01\x05", 3);   /* pvno 5 */
    f += tlv(fields + f, 0xa1, (const unsigned char *)"\x02\x01\x0e", 3);   /* AP-REQ (14) */
    f += tlv(fields + f, 0xa2, (const unsigned char *)"\x03\x05\x00\x20\x00\x00\x00", 7);
    f += tlv(fields + f, 0xa3, (const unsigned char *)"\x61\x03\x30\x01\x00", 5); /* a ticket */
    f += tlv(fields + f, 0xa4, encseq, en);
    size_t sn = tlv(seq, 0x30, fields, f);
    size_t an = tlv(apreq, 0x6e, seq, sn);
    q = out;
    *q++ = 0x60;
    *q++ = (unsigned char)(2 + 9 + 2 + an);
    *q++ = 0x06;
    *q++ = 9;
    memcpy(q, krb5_oid, 9);
    q += 9;
    *q++ = 0x01;
    *q++ = 0x00;
    memcpy(q, apreq, an);
    return (size_t)(q - out) + an;
}

/* The same token as the mechToken of an initial SPNEGO token. */
static size_t spnego_around(unsigned char *out, const unsigned char *inner, size_t inner_len)
{
    unsigned char mechs[16], list[20], a0[24], octets[200], a2[210], seq[240], choice[250], *q;
    size_t m = tlv(mechs, 0x06, krb5_oid, 9);
    size_t l = tlv(list, 0x30, mechs, m);
    size_t f0 = tlv(a0, 0xa0, list, l);
    size_t o = tlv(octets, 0x04, inner, inner_len);
    size_t f2 = tlv(a2, 0xa2, octets, o);
    memcpy(seq, a0, f0);
    memcpy(seq + f0, a2, f2);
    unsigned char wrapped[250];
    size_t w = tlv(wrapped, 0x30, seq, f0 + f2);
    size_t c = tlv(choice, 0xa0, wrapped, w);
    q = out;
    *q++ = 0x60;
    *q++ = (unsigned char)(2 + 6 + c);
    *q++ = 0x06;
    *q++ = 6;
    memcpy(q, "\x2b\x06\x01\x05\x05\x02", 6);
    q += 6;
    memcpy(q, choice, c);
    return (size_t)(q - out) + c;
}

START_TEST(krb5_authenticator_cipher)
{
    unsigned char t[256], s[256];
    gss_buffer_desc cipher;
    const size_t want = sizeof(authenticator_cipher) - 1;
    for (int kvno = 0; kvno < 2; kvno++) {
        size_t n = framed_ap_req(t, kvno);
        ck_assert_int_eq(gssmap_krb5_authenticator_cipher(t, n, &cipher), 1);
        ck_assert_uint_eq(cipher.length, want);
        ck_assert(memcmp(cipher.value, authenticator_cipher, want) == 0);
        /* Inside SPNEGO: the same bytes, whatever the framing. */
        size_t sn = spnego_around(s, t, n);
        ck_assert_int_eq(gssmap_krb5_authenticator_cipher(s, sn, &cipher), 1);
        ck_assert_uint_eq(cipher.length, want);
        ck_assert(memcmp(cipher.value, authenticator_cipher, want) == 0);
        /* Cut anywhere: never found, never read past the end. */
        for (size_t cut = 0; cut < n; cut++)
            ck_assert_int_ne(gssmap_krb5_authenticator_cipher(t, cut, &cipher), 1);
        for (size_t cut = 0; cut < sn; cut++)
            ck_assert_int_ne(gssmap_krb5_authenticator_cipher(s, cut, &cipher), 1);
    }
    /* Another token ID (an AP-REP), another mechanism, no token: not an AP-REQ. */
    size_t n = framed_ap_req(t, false);
    t[13] = 0x02;
    ck_assert_int_eq(gssmap_krb5_authenticator_cipher(t, n, &cipher), 0);
    ck_assert_int_eq(gssmap_krb5_authenticator_cipher("NTLMSSP\0\1\0\0\0", 12, &cipher), 0);
    ck_assert_int_eq(gssmap_krb5_authenticator_cipher(NULL, 0, &cipher), 0);
    /* No authenticator field: [4] renamed [5]. */
    n = framed_ap_req(t, false);
    unsigned char *a4 = memchr(t + 15, 0xa4, n - 15);
    ck_assert_ptr_nonnull(a4);
    *a4 = 0xa5;
    ck_assert_int_eq(gssmap_krb5_authenticator_cipher(t, n, &cipher), -1);
    /* Not [APPLICATION 14]. */
    n = framed_ap_req(t, false);
    t[15] = 0x6f;
    ck_assert_int_eq(gssmap_krb5_authenticator_cipher(t, n, &cipher), -1);
}
END_TEST

/* An AUTHENTICATE ([MS-NLMP] 2.2.1.3) whose NT response is `nt` (at
 * offset 72, after the header with Version and MIC). */
static size_t authenticate_with(unsigned char *msg, const unsigned char *nt, size_t nt_len)
{
    memset(msg, 0, 72);
    memcpy(msg, "NTLMSSP\0\3\0\0\0", 12);
    msg[20] = msg[22] = (unsigned char)nt_len;
    msg[24] = 72;
    memcpy(msg + 72, nt, nt_len);
    return 72 + nt_len;
}

START_TEST(ntlm_channel_bindings_pair)
{
    unsigned char msg[256], nt[128];
    const unsigned char *hash;
    size_t n;

    /* NTLMv2: NTProofStr (16), the 28-byte header, then the pairs:
     * MsvAvNbDomainName "D", MsvAvChannelBindings, MsvAvEOL. */
    memset(nt, 0, sizeof(nt));
    unsigned char *av = nt + 44;
    memcpy(av, "\2\0\2\0D\0", 6);
    memcpy(av + 6, "\x0a\0\x10\0", 4);
    memset(av + 10, 0xcb, 16);
    n = authenticate_with(msg, nt, 44 + 6 + 20 + 4);
    ck_assert_int_eq(gssmap_ntlm_channel_bindings(msg, n, &hash), 1);
    ck_assert_ptr_eq(hash, msg + 72 + 44 + 10);

    /* The pair with another length, or running past the response. */
    unsigned char *sent = msg + 72 + 44;
    sent[8] = 15;
    ck_assert_int_eq(gssmap_ntlm_channel_bindings(msg, n, &hash), -1);
    sent[8] = 16;
    ck_assert_int_eq(gssmap_ntlm_channel_bindings(msg, n - 12, &hash), -1);
    msg[20] = (unsigned char)(44 + 6 + 12);     /* the response ends inside the pair */
    ck_assert_int_eq(gssmap_ntlm_channel_bindings(msg, n, &hash), -1);

    /* MsvAvEOL before it: none. */
    memset(nt, 0, sizeof(nt));
    n = authenticate_with(msg, nt, 44 + 4);
    ck_assert_int_eq(gssmap_ntlm_channel_bindings(msg, n, &hash), 0);
    ck_assert_ptr_null(hash);

    /* NTLMv1: a 24-byte response has no pairs. */
    n = authenticate_with(msg, nt, 24);
    ck_assert_int_eq(gssmap_ntlm_channel_bindings(msg, n, &hash), 0);

    /* A response offset past the message; other messages; too short. */
    msg[24] = 200;
    ck_assert_int_eq(gssmap_ntlm_channel_bindings(msg, n, &hash), -1);
    msg[8] = 1;                                  /* NEGOTIATE */
    ck_assert_int_eq(gssmap_ntlm_channel_bindings(msg, n, &hash), 0);
    ck_assert_int_eq(gssmap_ntlm_channel_bindings("NTLMSSP", 8, &hash), 0);
}
END_TEST

/* [MS-NLMP] 4.2.4.3, the NTLMv2 example's CHALLENGE_MESSAGE: TargetName
 * "Domain" in UTF-16LE (NegotiateFlags 0xe28a8233 has UNICODE). */
static const unsigned char spec_challenge[] = {
    0x4e, 0x54, 0x4c, 0x4d, 0x53, 0x53, 0x50, 0x00, 0x02, 0x00, 0x00, 0x00, 0x0c, 0x00, 0x0c, 0x00,
    0x38, 0x00, 0x00, 0x00, 0x33, 0x82, 0x8a, 0xe2, 0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x24, 0x00, 0x24, 0x00, 0x44, 0x00, 0x00, 0x00,
    0x06, 0x00, 0x70, 0x17, 0x00, 0x00, 0x00, 0x0f, 0x44, 0x00, 0x6f, 0x00, 0x6d, 0x00, 0x61, 0x00,
    0x69, 0x00, 0x6e, 0x00, 0x02, 0x00, 0x0c, 0x00, 0x44, 0x00, 0x6f, 0x00, 0x6d, 0x00, 0x61, 0x00,
    0x69, 0x00, 0x6e, 0x00, 0x01, 0x00, 0x0c, 0x00, 0x53, 0x00, 0x65, 0x00, 0x72, 0x00, 0x76, 0x00,
    0x65, 0x00, 0x72, 0x00, 0x00, 0x00, 0x00, 0x00};

START_TEST(ntlm_challenge_target_name)
{
    unsigned char msg[sizeof(spec_challenge)];
    const unsigned char *name;
    size_t len;
    bool unicode;
    memcpy(msg, spec_challenge, sizeof(msg));
    ck_assert_int_eq(gssmap_ntlm_challenge_target_name(msg, sizeof(msg), &name, &len, &unicode), 1);
    ck_assert_ptr_eq(name, msg + 0x38);
    ck_assert_uint_eq(len, 12);
    ck_assert(unicode);
    ck_assert_mem_eq(name, "D\0o\0m\0a\0i\0n\0", 12);

    /* OEM: the same bytes, read as such when UNICODE is not set. */
    msg[20] &= (unsigned char)~1u;
    ck_assert_int_eq(gssmap_ntlm_challenge_target_name(msg, sizeof(msg), &name, &len, &unicode), 1);
    ck_assert(!unicode);
    /* An odd UTF-16 length; a name past the end; an offset past the end. */
    msg[20] |= 1;
    msg[12] = 11;
    ck_assert_int_eq(gssmap_ntlm_challenge_target_name(msg, sizeof(msg), &name, &len, &unicode), -1);
    msg[12] = 12;
    ck_assert_int_eq(gssmap_ntlm_challenge_target_name(msg, 0x38 + 11, &name, &len, &unicode), -1);
    msg[16] = 0xff;
    ck_assert_int_eq(gssmap_ntlm_challenge_target_name(msg, sizeof(msg), &name, &len, &unicode), -1);
    ck_assert_ptr_null(name);
    /* An empty name is a name. */
    memcpy(msg, spec_challenge, sizeof(msg));
    msg[12] = msg[14] = 0;
    ck_assert_int_eq(gssmap_ntlm_challenge_target_name(msg, sizeof(msg), &name, &len, &unicode), 1);
    ck_assert_uint_eq(len, 0);
    /* Not a CHALLENGE: another message type, too short, no signature. */
    msg[8] = 3;
    ck_assert_int_eq(gssmap_ntlm_challenge_target_name(msg, sizeof(msg), &name, &len, &unicode), 0);
    ck_assert_int_eq(gssmap_ntlm_challenge_target_name(spec_challenge, 23, &name, &len, &unicode), 0);
    ck_assert_int_eq(gssmap_ntlm_challenge_target_name("not NTLM at all, no, not at all", 31, &name,
                                                       &len, &unicode),
                     0);
}
END_TEST

START_TEST(packed_contexts_round_trip_and_reject_malformed)
{
    struct gssmap_packed_context in = {.initiator = false, .req_flags = 0x20116,
                                       .ret_flags = 0x1c, .started = 1700000000,
                                       .gss_token = "GSSTOKEN", .gss_token_len = 8};
    strcpy(in.package, "Negotiate");
    unsigned char buf[128];
    size_t n = gssmap_packed_context_size(&in);
    ck_assert_uint_eq(n, 8 + 3 + 9 + 16 + 8);
    ck_assert_int_eq(gssmap_pack_context(&in, buf), 0);
    struct gssmap_packed_context out;
    ck_assert_int_eq(gssmap_unpack_context(buf, n, &out), 0);
    ck_assert(!out.initiator);
    ck_assert_str_eq(out.package, "Negotiate");
    ck_assert_uint_eq(out.req_flags, 0x20116);
    ck_assert_uint_eq(out.ret_flags, 0x1c);
    ck_assert_int_eq(out.started, 1700000000);
    ck_assert_uint_eq(out.gss_token_len, 8);
    ck_assert_ptr_eq(out.gss_token, buf + n - 8);       /* no copy */
    /* Every truncation, including the one that drops the whole GSS token. */
    for (size_t cut = 0; cut < n - 8 + 1; cut++)
        ck_assert_int_eq(gssmap_unpack_context(buf, cut, &out), EINVAL);
    unsigned char bad[128];
    const size_t offsets[] = {0, 8, 9, 10};             /* magic, version, side, name length */
    const unsigned char values[] = {'X', 2, 7, 0};
    for (size_t k = 0; k < 4; k++) {
        memcpy(bad, buf, n);
        bad[offsets[k]] = values[k];
        ck_assert_int_eq(gssmap_unpack_context(bad, n, &out), EINVAL);
    }
    memcpy(bad, buf, n);
    bad[10] = 200;                                      /* name longer than allowed */
    ck_assert_int_eq(gssmap_unpack_context(bad, n, &out), EINVAL);
    memcpy(bad, buf, n);
    bad[12] = 0;                                        /* a NUL inside the name */
    ck_assert_int_eq(gssmap_unpack_context(bad, n, &out), EINVAL);
    strcpy(in.package, "");
    ck_assert_int_eq(gssmap_pack_context(&in, buf), EINVAL);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("gss_map_framing");
    TCase *tc = tcase_create("framing");
    tcase_add_test(tc, framed_tokens_give_their_oid);
    tcase_add_test(tc, kerberos_token_ids);
    tcase_add_test(tc, spnego_init_mech_token);
    tcase_add_test(tc, spnego_response_token);
    tcase_add_test(tc, krb5_authenticator_cipher);
    tcase_add_test(tc, ntlm_channel_bindings_pair);
    tcase_add_test(tc, ntlm_challenge_target_name);
    tcase_add_test(tc, packed_contexts_round_trip_and_reject_malformed);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? 0 : 1;
}
