/*
 * CredSSP codec (mechs/credssp/credssp_asn1.c) and public-key binding
 * (mechs/credssp/credssp_binding.c).
 *
 * Where the vectors come from:
 *   - MS_CSSP_4: [MS-CSSP] section 4 (Protocol Examples, step 9), the
 *     smart-card TSCredentials printed there, 275 bytes, transcribed from
 *     the v20240423 document.  It is the only message the specification
 *     prints in full.
 *   - Every other expected encoding is computed by hand from the ASN.1 of
 *     MS-CSSP 2.2.1 (EXPLICIT tags) and X.690 DER; each one is laid out
 *     field by field in a comment next to it.
 *   - Binding hashes: known answers computed once with Python's hashlib
 *     (hashlib.sha256(magic + b"\0" + nonce + spk)), and recomputed here
 *     with EVP_Digest over the literal magic strings as a second check.
 */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "credssp_asn1.h"
#include "credssp_binding.h"
#include "credssp_nonce.h"
#include "spnego_asn1.h"

#define ck_status(got, want)                                                              \
    ck_assert_msg((got) == (want), "status %d (%s), expected %d (%s)", (int)(got),        \
                  cssp_status_str(got), (int)(want), cssp_status_str(want))

/* ------------------------------------------------------------ helpers */

/* Hex with any spaces, dashes and newlines; returns a malloc'ed buffer. */
static unsigned char *unhex(const char *h, size_t *n)
{
    unsigned char *out = malloc(strlen(h) / 2 + 1);
    size_t k = 0;
    int hi = -1;
    ck_assert_ptr_nonnull(out);
    for (; *h; h++) {
        int v;
        if (*h >= '0' && *h <= '9')
            v = *h - '0';
        else if (*h >= 'a' && *h <= 'f')
            v = *h - 'a' + 10;
        else if (*h >= 'A' && *h <= 'F')
            v = *h - 'A' + 10;
        else
            continue;
        if (hi < 0) {
            hi = v;
        } else {
            out[k++] = (unsigned char)(hi << 4 | v);
            hi = -1;
        }
    }
    ck_assert_int_eq(hi, -1);
    *n = k;
    return out;
}

static cssp_octets lit(const void *p, size_t n)
{
    cssp_octets o;
    o.data = (unsigned char *)(uintptr_t)p;
    o.len = n;
    return o;
}

/* An ASCII string as UTF-16LE (what Windows puts in these OCTET STRINGs). */
static cssp_octets u16(const char *s)
{
    size_t i, n = strlen(s);
    cssp_octets o;
    o.data = malloc(2 * n + 1);
    ck_assert_ptr_nonnull(o.data);
    for (i = 0; i < n; i++) {
        o.data[2 * i] = (unsigned char)s[i];
        o.data[2 * i + 1] = 0;
    }
    o.len = 2 * n;
    return o;
}

static int oct_is(const cssp_octets *o, const void *p, size_t n)
{
    return o->data != NULL && o->len == n && (n == 0 || memcmp(o->data, p, n) == 0);
}

static int oct_is_u16(const cssp_octets *o, const char *s)
{
    cssp_octets w = u16(s);
    int r = oct_is(o, w.data, w.len);
    free(w.data);
    return r;
}

static void ck_bytes(const unsigned char *got, size_t got_len, const unsigned char *want,
                     size_t want_len)
{
    size_t i;
    ck_assert_uint_eq(got_len, want_len);
    for (i = 0; i < want_len; i++)
        ck_assert_msg(got[i] == want[i], "byte %zu: %02x, expected %02x", i, got[i], want[i]);
}

static enum cssp_status req_decode_hex(const char *h)
{
    struct cssp_ts_request r;
    size_t n;
    unsigned char *b = unhex(h, &n);
    enum cssp_status st = cssp_ts_request_decode(b, n, &r);
    cssp_ts_request_clear(&r);
    free(b);
    return st;
}

static enum cssp_status creds_decode_hex(const char *h)
{
    struct cssp_ts_credentials c;
    size_t n;
    unsigned char *b = unhex(h, &n);
    enum cssp_status st = cssp_ts_credentials_decode(b, n, &c);
    cssp_ts_credentials_clear(&c);
    free(b);
    return st;
}

/* decode -> encode gives the same bytes -> decode gives an equal struct */
static void req_roundtrip_bytes(const unsigned char *der, size_t len)
{
    struct cssp_ts_request a, b;
    unsigned char *out = NULL;
    size_t out_len = 0;
    ck_status(cssp_ts_request_decode(der, len, &a), CSSP_OK);
    ck_status(cssp_ts_request_encode(&a, &out, &out_len), CSSP_OK);
    ck_bytes(out, out_len, der, len);
    ck_status(cssp_ts_request_decode(out, out_len, &b), CSSP_OK);
    ck_assert(cssp_ts_request_equal(&a, &b));
    cssp_ts_request_clear(&a);
    cssp_ts_request_clear(&b);
    free(out);
}

/* struct -> encode -> decode gives an equal struct -> encode the same bytes */
static void req_roundtrip(const struct cssp_ts_request *in)
{
    struct cssp_ts_request back;
    unsigned char *d1 = NULL, *d2 = NULL;
    size_t n1 = 0, n2 = 0;
    ck_status(cssp_ts_request_encode(in, &d1, &n1), CSSP_OK);
    ck_status(cssp_ts_request_decode(d1, n1, &back), CSSP_OK);
    ck_assert(cssp_ts_request_equal(in, &back));
    ck_status(cssp_ts_request_encode(&back, &d2, &n2), CSSP_OK);
    ck_bytes(d2, n2, d1, n1);
    cssp_ts_request_clear(&back);
    free(d1);
    free(d2);
}

static void creds_roundtrip(const struct cssp_ts_credentials *in)
{
    struct cssp_ts_credentials back;
    unsigned char *d1 = NULL, *d2 = NULL;
    size_t n1 = 0, n2 = 0;
    ck_status(cssp_ts_credentials_encode(in, &d1, &n1), CSSP_OK);
    ck_status(cssp_ts_credentials_decode(d1, n1, &back), CSSP_OK);
    ck_assert(cssp_ts_credentials_equal(in, &back));
    ck_status(cssp_ts_credentials_encode(&back, &d2, &n2), CSSP_OK);
    ck_bytes(d2, n2, d1, n1);
    cssp_ts_credentials_clear(&back);
    cssp_free_secret(d1, n1);
    cssp_free_secret(d2, n2);
}

/* Every strict prefix of a valid message is refused as truncated. */
static void all_prefixes_truncated(const unsigned char *der, size_t len, int creds)
{
    size_t i;
    for (i = 0; i < len; i++) {
        enum cssp_status st;
        if (creds) {
            struct cssp_ts_credentials c;
            st = cssp_ts_credentials_decode(der, i, &c);
            cssp_ts_credentials_clear(&c);
        } else {
            struct cssp_ts_request r;
            st = cssp_ts_request_decode(der, i, &r);
            ck_assert_ptr_null(r.nego_token.data);  /* left cleared */
            cssp_ts_request_clear(&r);
        }
        ck_assert_msg(st == CSSP_ERR_TRUNCATED, "prefix %zu of %zu: %s", i, len,
                      cssp_status_str(st));
    }
}

/* ----------------------------------------------------- MS-CSSP 4 vector */

/* [MS-CSSP] 4, step 9: "A sample of an unencrypted (ASN.1 DER encoded)
 * TSRequest.authInfo structure", a TSCredentials with credType 2. */
static const char MS_CSSP_4[] =
    "30 82 01 0f a0 03 02 01-02 a1 82 01 06 04 82 01"
    "02 30 81 ff a0 1a 04 18-62 00 62 00 62 00 62 00"
    "62 00 62 00 62 00 62 00-62 00 62 00 62 00 62 00"
    "a1 81 e0 30 81 dd a0 03-02 01 01 a2 2e 04 2c 4f"
    "00 4d 00 4e 00 49 00 4b-00 45 00 59 00 20 00 43"
    "00 61 00 72 00 64 00 4d-00 61 00 6e 00 20 00 33"
    "00 78 00 32 00 31 00 20-00 30 00 a3 50 04 4e 6c"
    "00 65 00 2d 00 4d 00 53-00 53 00 6d 00 61 00 72"
    "00 74 00 63 00 61 00 72-00 64 00 55 00 73 00 65"
    "00 72 00 2d 00 38 00 62-00 64 00 61 00 30 00 31"
    "00 39 00 66 00 2d 00 31-00 32 00 36 00 36 00 2d"
    "00 2d 00 35 00 33 00 32-00 36 00 38 00 a4 54 04"
    "52 4d 00 69 00 63 00 72-00 6f 00 73 00 6f 00 66"
    "00 74 00 20 00 42 00 61-00 73 00 65 00 20 00 53"
    "00 6d 00 61 00 72 00 74-00 20 00 43 00 61 00 72"
    "00 64 00 20 00 43 00 72-00 79 00 70 00 74 00 6f"
    "00 20 00 50 00 72 00 6f-00 76 00 69 00 64 00 65"
    "00 72 00";

START_TEST(test_ms_cssp_4_smartcard)
{
    struct cssp_ts_credentials c, built;
    unsigned char *der, *out = NULL;
    size_t len, out_len = 0, total = 0;

    der = unhex(MS_CSSP_4, &len);
    ck_assert_uint_eq(len, 275);  /* "Total Size: 275" */
    ck_status(cssp_der_element_length(der, len, &total), CSSP_OK);
    ck_assert_uint_eq(total, 275);

    ck_status(cssp_ts_credentials_decode(der, len, &c), CSSP_OK);
    /* the summary the specification prints under the dump */
    ck_assert_int_eq(c.cred_type, CSSP_CRED_SMARTCARD);
    ck_assert(oct_is_u16(&c.smartcard.pin, "bbbbbbbbbbbb"));
    ck_assert_int_eq(c.smartcard.key_spec, 1);
    ck_assert_ptr_null(c.smartcard.card_name.data);  /* "cardName not present" */
    ck_assert(oct_is_u16(&c.smartcard.reader_name, "OMNIKEY CardMan 3x21 0"));
    ck_assert(oct_is_u16(&c.smartcard.container_name, "le-MSSmartcardUser-8bda019f-1266--53268"));
    ck_assert(oct_is_u16(&c.smartcard.csp_name, "Microsoft Base Smart Card Crypto Provider"));
    ck_assert_ptr_null(c.smartcard.user_hint.data);
    ck_assert_ptr_null(c.smartcard.domain_hint.data);

    /* and the encoder writes the specification's bytes from the fields */
    memset(&built, 0, sizeof(built));
    built.cred_type = CSSP_CRED_SMARTCARD;
    built.smartcard.pin = u16("bbbbbbbbbbbb");
    built.smartcard.key_spec = 1;
    built.smartcard.reader_name = u16("OMNIKEY CardMan 3x21 0");
    built.smartcard.container_name = u16("le-MSSmartcardUser-8bda019f-1266--53268");
    built.smartcard.csp_name = u16("Microsoft Base Smart Card Crypto Provider");
    ck_status(cssp_ts_credentials_encode(&built, &out, &out_len), CSSP_OK);
    ck_bytes(out, out_len, der, len);
    ck_assert(cssp_ts_credentials_equal(&built, &c));
    cssp_free_secret(out, out_len);
    cssp_ts_credentials_clear(&built);

    /* decoded bytes re-encode identically; every prefix is truncated */
    creds_roundtrip(&c);
    all_prefixes_truncated(der, len, 1);
    cssp_ts_credentials_clear(&c);
    ck_assert_ptr_null(c.smartcard.pin.data);
    ck_assert_int_eq(c.cred_type, 0);
    free(der);
}
END_TEST

/* ------------------------------------------------------ TSRequest bytes */

/* version 6, one negoToken 01 02 03 04, clientNonce 00 01 .. 1f:
 *   30 37                          TSRequest, 55 octets
 *     a0 03 02 01 06               version [0] INTEGER 6
 *     a1 0c                        negoTokens [1]
 *       30 0a                        NegoData SEQUENCE OF
 *         30 08                        SEQUENCE
 *           a0 06 04 04 01 02 03 04      negoToken [0] OCTET STRING
 *     a5 22 04 20 00 01 .. 1f      clientNonce [5] OCTET STRING (32) */
static const char V6_NEGO_NONCE[] =
    "30 37 a0 03 02 01 06 a1 0c 30 0a 30 08 a0 06 04 04 01 02 03 04"
    "a5 22 04 20 00 01 02 03 04 05 06 07 08 09 0a 0b 0c 0d 0e 0f"
    "10 11 12 13 14 15 16 17 18 19 1a 1b 1c 1d 1e 1f";

/* ------------------------------------------------------------ SPNEGO */

/* RFC 4178 4.2: a client's framed NegTokenInit offering NTLM with its
 * NEGOTIATE as mechToken, written out byte by byte. */
static const uint8_t ntlm_oid_contents[] = {0x2b, 0x06, 0x01, 0x04, 0x01, 0x82, 0x37, 0x02, 0x02, 0x0a};
static const uint8_t spnego_init_ntlm[] = {
    0x60, 0x30, 0x06, 0x06, 0x2b, 0x06, 0x01, 0x05, 0x05, 0x02, /* framing, SPNEGO OID */
    0xa0, 0x26, 0x30, 0x24,                                     /* [0] NegTokenInit */
    0xa0, 0x0e, 0x30, 0x0c, 0x06, 0x0a, 0x2b, 0x06, 0x01, 0x04, 0x01, 0x82, 0x37, 0x02, 0x02, 0x0a,
    0xa2, 0x12, 0x04, 0x10, 'N', 'T', 'L', 'M', 'S', 'S', 'P', 0, 1, 0, 0, 0, 0xb7, 0x82, 0x08, 0xe2};

START_TEST(test_spnego_decode_init)
{
    struct spnego_token t;
    ck_assert_int_eq(spnego_decode(spnego_init_ntlm, sizeof(spnego_init_ntlm), &t), CSSP_OK);
    ck_assert(t.is_init);
    ck_assert_uint_eq(t.first_mech_len, sizeof(ntlm_oid_contents));
    ck_assert_mem_eq(t.first_mech, ntlm_oid_contents, sizeof(ntlm_oid_contents));
    /* the MechTypeList as sent: what mechListMIC covers */
    ck_assert_uint_eq(t.mech_types_len, 14);
    ck_assert_mem_eq(t.mech_types, spnego_init_ntlm + 16, 14);
    ck_assert_uint_eq(t.token.len, 16);
    ck_assert_mem_eq(t.token.data, "NTLMSSP\0\1\0\0\0", 12);
    ck_assert_ptr_null(t.mech_list_mic.data);
    spnego_token_clear(&t);
}
END_TEST

/* The acceptor's NegTokenResp, byte by byte, and a client's read back. */
START_TEST(test_spnego_encode_resp)
{
    static const uint8_t want[] = {
        0xa1, 0x1c, 0x30, 0x1a, 0xa0, 0x03, 0x0a, 0x01, 0x01,             /* accept-incomplete */
        0xa1, 0x0c, 0x06, 0x0a, 0x2b, 0x06, 0x01, 0x04, 0x01, 0x82, 0x37, 0x02, 0x02, 0x0a,
        0xa2, 0x05, 0x04, 0x03, 'a', 'b', 'c'};
    cssp_octets token = {(unsigned char *)"abc", 3}, mic = {(unsigned char *)"0123456789abcdef", 16};
    uint8_t *der = NULL;
    size_t len = 0;
    struct spnego_token t;
    ck_assert_int_eq(spnego_encode_resp(SPNEGO_ACCEPT_INCOMPLETE, ntlm_oid_contents,
                                        sizeof(ntlm_oid_contents), &token, NULL, &der, &len),
                     CSSP_OK);
    ck_assert_uint_eq(len, sizeof(want));
    ck_assert_mem_eq(der, want, sizeof(want));
    free(der);
    /* accept-completed with a mechListMIC, as a client's resp would carry */
    ck_assert_int_eq(spnego_encode_resp(SPNEGO_ACCEPT_COMPLETED, NULL, 0, NULL, &mic, &der, &len),
                     CSSP_OK);
    ck_assert_int_eq(spnego_decode(der, len, &t), CSSP_OK);
    ck_assert(!t.is_init);
    ck_assert_int_eq(t.neg_state, SPNEGO_ACCEPT_COMPLETED);
    ck_assert_ptr_null(t.token.data);
    ck_assert_uint_eq(t.mech_list_mic.len, 16);
    ck_assert_mem_eq(t.mech_list_mic.data, "0123456789abcdef", 16);
    spnego_token_clear(&t);
    free(der);
}
END_TEST

/* What the acceptor refuses: an init without its framing, a framed resp,
 * another mechanism's framing, a cut token, an empty MechTypeList, a
 * negState outside RFC 4178's four. */
START_TEST(test_spnego_rejects)
{
    struct spnego_token t;
    uint8_t b[sizeof(spnego_init_ntlm)];
    ck_assert_int_ne(spnego_decode(spnego_init_ntlm + 10, sizeof(spnego_init_ntlm) - 10, &t),
                     CSSP_OK);
    for (size_t n = 0; n < sizeof(spnego_init_ntlm); n++)
        ck_assert_int_ne(spnego_decode(spnego_init_ntlm, n, &t), CSSP_OK);
    memcpy(b, spnego_init_ntlm, sizeof(b));
    b[9] = 0x01; /* 1.3.6.1.5.5.1: not SPNEGO */
    ck_assert_int_eq(spnego_decode(b, sizeof(b), &t), CSSP_ERR_MALFORMED);
    static const uint8_t framed_resp[] = {0x60, 0x0f, 0x06, 0x06, 0x2b, 0x06, 0x01, 0x05, 0x05,
                                          0x02, 0xa1, 0x05, 0x30, 0x03, 0xa0, 0x01, 0x00};
    ck_assert_int_ne(spnego_decode(framed_resp, sizeof(framed_resp), &t), CSSP_OK);
    static const uint8_t empty_list[] = {0x60, 0x10, 0x06, 0x06, 0x2b, 0x06, 0x01, 0x05, 0x05, 0x02,
                                         0xa0, 0x06, 0x30, 0x04, 0xa0, 0x02, 0x30, 0x00};
    ck_assert_int_eq(spnego_decode(empty_list, sizeof(empty_list), &t), CSSP_ERR_MALFORMED);
    static const uint8_t bad_state[] = {0xa1, 0x07, 0x30, 0x05, 0xa0, 0x03, 0x0a, 0x01, 0x07};
    ck_assert_int_eq(spnego_decode(bad_state, sizeof(bad_state), &t), CSSP_ERR_RANGE);
    ck_assert_ptr_null(t.token.data);
}
END_TEST

START_TEST(test_request_v6_nego_nonce)
{
    static const unsigned char tok[] = {1, 2, 3, 4};
    unsigned char nonce[32], *want, *out = NULL;
    size_t want_len, out_len = 0, i;
    struct cssp_ts_request r, d;

    for (i = 0; i < 32; i++)
        nonce[i] = (unsigned char)i;
    memset(&r, 0, sizeof(r));
    r.version = 6;
    r.nego_token = lit(tok, sizeof(tok));
    r.client_nonce = lit(nonce, sizeof(nonce));
    want = unhex(V6_NEGO_NONCE, &want_len);
    ck_assert_uint_eq(want_len, 57);
    ck_status(cssp_ts_request_encode(&r, &out, &out_len), CSSP_OK);
    ck_bytes(out, out_len, want, want_len);

    ck_status(cssp_ts_request_decode(want, want_len, &d), CSSP_OK);
    ck_assert_int_eq(d.version, 6);
    ck_assert(oct_is(&d.nego_token, tok, sizeof(tok)));
    ck_assert(oct_is(&d.client_nonce, nonce, sizeof(nonce)));
    ck_assert_ptr_null(d.auth_info.data);
    ck_assert_ptr_null(d.pub_key_auth.data);
    ck_assert_int_eq(d.has_error_code, 0);
    ck_assert(cssp_ts_request_equal(&r, &d));
    cssp_ts_request_clear(&d);

    req_roundtrip_bytes(want, want_len);
    all_prefixes_truncated(want, want_len, 0);
    free(out);
    free(want);
}
END_TEST

/* The first client message of a version 2 exchange with a 3-byte token:
 *   30 12 a0 03 02 01 02 a1 0b 30 09 30 07 a0 05 04 03 00 01 02 */
START_TEST(test_request_v2_nego)
{
    static const unsigned char tok[] = {0, 1, 2};
    struct cssp_ts_request r;
    unsigned char *want, *out = NULL;
    size_t want_len, out_len = 0;

    memset(&r, 0, sizeof(r));
    r.version = 2;
    r.nego_token = lit(tok, sizeof(tok));
    want = unhex("30 12 a0 03 02 01 02 a1 0b 30 09 30 07 a0 05 04 03 00 01 02", &want_len);
    ck_status(cssp_ts_request_encode(&r, &out, &out_len), CSSP_OK);
    ck_bytes(out, out_len, want, want_len);
    free(out);
    free(want);
}
END_TEST

/* errorCode is an NTSTATUS written as a 4-byte signed INTEGER:
 * STATUS_LOGON_FAILURE 0xC000006D is 02 04 c0 00 00 6d.
 *   30 0d a0 03 02 01 06 a4 06 02 04 c0 00 00 6d */
START_TEST(test_request_error_code)
{
    static const struct {
        int32_t code;
        const char *der;
    } v[] = {
        {(int32_t)0xC000006D, "30 0d a0 03 02 01 06 a4 06 02 04 c0 00 00 6d"},
        {(int32_t)0xC00000BB, "30 0d a0 03 02 01 06 a4 06 02 04 c0 00 00 bb"}, /* NOT_SUPPORTED */
        {(int32_t)0x80000000, "30 0d a0 03 02 01 06 a4 06 02 04 80 00 00 00"},
        {0x7fffffff, "30 0d a0 03 02 01 06 a4 06 02 04 7f ff ff ff"},
        {0, "30 0a a0 03 02 01 06 a4 03 02 01 00"},
        {-1, "30 0a a0 03 02 01 06 a4 03 02 01 ff"},
        {0x80, "30 0b a0 03 02 01 06 a4 04 02 02 00 80"},
    };
    size_t i;
    for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
        struct cssp_ts_request r, d;
        unsigned char *want, *out = NULL;
        size_t want_len, out_len = 0;
        memset(&r, 0, sizeof(r));
        r.version = 6;
        r.has_error_code = 1;
        r.error_code = v[i].code;
        want = unhex(v[i].der, &want_len);
        ck_status(cssp_ts_request_encode(&r, &out, &out_len), CSSP_OK);
        ck_bytes(out, out_len, want, want_len);
        ck_status(cssp_ts_request_decode(want, want_len, &d), CSSP_OK);
        ck_assert_int_eq(d.has_error_code, 1);
        ck_assert_int_eq(d.error_code, v[i].code);
        cssp_ts_request_clear(&d);
        free(out);
        free(want);
    }
    /* 0xC000006D written as an unsigned number (5 octets) is 3221225581,
     * outside the 32-bit signed field */
    ck_status(req_decode_hex("30 0e a0 03 02 01 06 a4 07 02 05 00 c0 00 00 6d"), CSSP_ERR_RANGE);
    ck_status(req_decode_hex("30 0e a0 03 02 01 06 a4 07 02 05 ff 7f ff ff ff"), CSSP_ERR_RANGE);
    /* a sign-extension octet too many is not DER (X.690 8.3.2) */
    ck_status(req_decode_hex("30 0e a0 03 02 01 06 a4 07 02 05 ff c0 00 00 6d"),
              CSSP_ERR_MALFORMED);
}
END_TEST

START_TEST(test_request_roundtrips)
{
    unsigned char nonce[32], tok[300], key[270];
    struct cssp_ts_request r;
    size_t i;

    for (i = 0; i < sizeof(nonce); i++)
        nonce[i] = (unsigned char)(0xa0 + i);
    for (i = 0; i < sizeof(tok); i++)
        tok[i] = (unsigned char)(i * 7);
    for (i = 0; i < sizeof(key); i++)
        key[i] = (unsigned char)(i * 13);

    /* every field, long-form lengths */
    memset(&r, 0, sizeof(r));
    r.version = 6;
    r.nego_token = lit(tok, sizeof(tok));
    r.auth_info = lit(tok, 129);
    r.pub_key_auth = lit(key, sizeof(key));
    r.has_error_code = 1;
    r.error_code = (int32_t)0xC0000022;
    r.client_nonce = lit(nonce, sizeof(nonce));
    req_roundtrip(&r);

    /* each optional field alone */
    memset(&r, 0, sizeof(r));
    r.version = 5;
    req_roundtrip(&r);
    r.auth_info = lit(tok, 10);
    req_roundtrip(&r);
    memset(&r, 0, sizeof(r));
    r.version = 4;
    r.pub_key_auth = lit(key, 16);
    req_roundtrip(&r);
    memset(&r, 0, sizeof(r));
    r.version = 3;
    r.has_error_code = 1;
    r.error_code = 0;
    req_roundtrip(&r);
    memset(&r, 0, sizeof(r));
    r.version = 6;
    r.client_nonce = lit(nonce, sizeof(nonce));
    req_roundtrip(&r);

    /* present but empty fields stay present (data != NULL, len 0) */
    memset(&r, 0, sizeof(r));
    r.version = 2;
    r.nego_token = lit(tok, 0);
    r.auth_info = lit(tok, 0);
    r.pub_key_auth = lit(key, 0);
    req_roundtrip(&r);

    /* the largest version the field takes */
    memset(&r, 0, sizeof(r));
    r.version = INT32_MAX;
    req_roundtrip(&r);
}
END_TEST

START_TEST(test_request_encode_args)
{
    unsigned char nonce[33] = {0}, *out = (unsigned char *)1;
    size_t out_len = 7;
    struct cssp_ts_request r;

    memset(&r, 0, sizeof(r));
    r.version = 6;
    ck_status(cssp_ts_request_encode(NULL, &out, &out_len), CSSP_ERR_INVALID_ARG);
    ck_assert_ptr_null(out);
    ck_assert_uint_eq(out_len, 0);
    ck_status(cssp_ts_request_encode(&r, NULL, &out_len), CSSP_ERR_INVALID_ARG);
    ck_status(cssp_ts_request_encode(&r, &out, NULL), CSSP_ERR_INVALID_ARG);
    r.version = -1;
    ck_status(cssp_ts_request_encode(&r, &out, &out_len), CSSP_ERR_RANGE);
    r.version = 6;
    r.client_nonce = lit(nonce, 31);
    ck_status(cssp_ts_request_encode(&r, &out, &out_len), CSSP_ERR_RANGE);
    r.client_nonce = lit(nonce, 33);
    ck_status(cssp_ts_request_encode(&r, &out, &out_len), CSSP_ERR_RANGE);
    r.client_nonce = lit(NULL, 0);
    r.pub_key_auth = lit(NULL, 5);  /* no data, yet a length */
    ck_status(cssp_ts_request_encode(&r, &out, &out_len), CSSP_ERR_INVALID_ARG);
    ck_assert_ptr_null(out);
    ck_status(cssp_ts_request_decode(NULL, 5, &r), CSSP_ERR_INVALID_ARG);
    ck_status(cssp_ts_request_decode(nonce, 5, NULL), CSSP_ERR_INVALID_ARG);
    ck_status(cssp_ts_request_decode(NULL, 0, &r), CSSP_ERR_TRUNCATED);
    cssp_ts_request_clear(NULL);
}
END_TEST

/* ------------------------------------------------------ decoder refusals */

START_TEST(test_request_rejects)
{
    /* the reference message, valid */
    ck_status(req_decode_hex("30 05 a0 03 02 01 06"), CSSP_OK);

    /* trailing bytes: one zero, a whole second TSRequest */
    ck_status(req_decode_hex("30 05 a0 03 02 01 06 00"), CSSP_ERR_TRAILING);
    ck_status(req_decode_hex("30 05 a0 03 02 01 06 30 05 a0 03 02 01 06"), CSSP_ERR_TRAILING);
    /* trailing bytes inside the SEQUENCE / inside the [0] wrapper */
    ck_status(req_decode_hex("30 06 a0 03 02 01 06 00"), CSSP_ERR_MALFORMED);
    ck_status(req_decode_hex("30 06 a0 04 02 01 06 00"), CSSP_ERR_MALFORMED);

    /* wrong tags */
    ck_status(req_decode_hex("31 05 a0 03 02 01 06"), CSSP_ERR_MALFORMED); /* SET */
    ck_status(req_decode_hex("10 05 a0 03 02 01 06"), CSSP_ERR_MALFORMED); /* primitive */
    ck_status(req_decode_hex("30 05 a1 03 02 01 06"), CSSP_ERR_MALFORMED); /* [1] for [0] */
    ck_status(req_decode_hex("30 05 a0 03 04 01 06"), CSSP_ERR_MALFORMED); /* OCTET STRING */
    ck_status(req_decode_hex("30 05 a0 03 0a 01 06"), CSSP_ERR_MALFORMED); /* ENUMERATED */
    ck_status(req_decode_hex("30 03 80 01 06"), CSSP_ERR_MALFORMED);       /* IMPLICIT */
    ck_status(req_decode_hex("30 05 60 03 02 01 06"), CSSP_ERR_MALFORMED); /* [APPLICATION 0] */
    ck_status(req_decode_hex("30 00"), CSSP_ERR_MALFORMED);                /* no version */
    /* negoToken [1] instead of [0]; NegoData entry not a SEQUENCE */
    ck_status(req_decode_hex("30 0f a0 03 02 01 06 a1 08 30 06 30 04 a1 02 04 00"),
              CSSP_ERR_MALFORMED);
    ck_status(req_decode_hex("30 0d a0 03 02 01 06 a1 06 30 04 a0 02 04 00"),
              CSSP_ERR_MALFORMED);
    /* pubKeyAuth [3] as an INTEGER */
    ck_status(req_decode_hex("30 0a a0 03 02 01 06 a3 03 02 01 01"), CSSP_ERR_MALFORMED);
    /* a context tag beyond [5] */
    ck_status(req_decode_hex("30 0a a0 03 02 01 06 a6 03 04 01 00"), CSSP_ERR_MALFORMED);

    /* version out of range: negative, 2^31, 2^32, beyond int64 */
    ck_status(req_decode_hex("30 05 a0 03 02 01 ff"), CSSP_ERR_RANGE);
    ck_status(req_decode_hex("30 08 a0 06 02 04 80 00 00 00"), CSSP_ERR_RANGE);
    ck_status(req_decode_hex("30 09 a0 07 02 05 00 80 00 00 00"), CSSP_ERR_RANGE);
    ck_status(req_decode_hex("30 09 a0 07 02 05 01 00 00 00 00"), CSSP_ERR_RANGE);
    ck_status(req_decode_hex("30 0e a0 0c 02 0a 01 00 00 00 00 00 00 00 00 00"), CSSP_ERR_RANGE);
    ck_status(req_decode_hex("30 08 a0 06 02 04 7f ff ff ff"), CSSP_OK);
    /* INTEGER with no content octets (X.690 8.3.1) */
    ck_status(req_decode_hex("30 04 a0 02 02 00"), CSSP_ERR_MALFORMED);
    /* non-minimal INTEGER (X.690 8.3.2) */
    ck_status(req_decode_hex("30 06 a0 04 02 02 00 06"), CSSP_ERR_MALFORMED);

    /* duplicate and out-of-order fields */
    ck_status(req_decode_hex("30 0a a0 03 02 01 06 a0 03 02 01 06"), CSSP_ERR_MALFORMED);
    ck_status(req_decode_hex("30 0f a0 03 02 01 06 a3 03 04 01 aa a3 03 04 01 bb"),
              CSSP_ERR_MALFORMED);
    ck_status(req_decode_hex("30 0f a0 03 02 01 06 a4 03 02 01 01 a4 03 02 01 02"),
              CSSP_ERR_MALFORMED);
    ck_status(req_decode_hex("30 0f a0 03 02 01 06 a3 03 04 01 aa a2 03 04 01 bb"),
              CSSP_ERR_MALFORMED);
    ck_status(req_decode_hex("30 0a a3 03 04 01 aa a0 03 02 01 06"), CSSP_ERR_MALFORMED);
    /* two negoToken fields in one NegoData entry */
    ck_status(req_decode_hex("30 13 a0 03 02 01 06 a1 0c 30 0a 30 08 a0 02 04 00 a0 02 04 00"),
              CSSP_ERR_MALFORMED);

    /* NegoData with two entries: refused, not truncated to the first */
    ck_status(req_decode_hex("30 15 a0 03 02 01 06 a1 0e 30 0c 30 04 a0 02 04 00"
                             "30 04 a0 02 04 00"),
              CSSP_ERR_UNSUPPORTED);
    /* NegoData with none */
    ck_status(req_decode_hex("30 09 a0 03 02 01 06 a1 02 30 00"), CSSP_ERR_MALFORMED);

    /* clientNonce of 31 and 33 bytes */
    {
        char h[200];
        int n = snprintf(h, sizeof(h), "30 %02x a0 03 02 01 06 a5 %02x 04 %02x", 5 + 2 + 2 + 31,
                         2 + 31, 31);
        int i;
        for (i = 0; i < 31; i++)
            n += snprintf(h + n, sizeof(h) - (size_t)n, " %02x", i);
        ck_status(req_decode_hex(h), CSSP_ERR_RANGE);
        n = snprintf(h, sizeof(h), "30 %02x a0 03 02 01 06 a5 %02x 04 %02x", 5 + 2 + 2 + 33,
                     2 + 33, 33);
        for (i = 0; i < 33; i++)
            n += snprintf(h + n, sizeof(h) - (size_t)n, " %02x", i);
        ck_status(req_decode_hex(h), CSSP_ERR_RANGE);
    }
}
END_TEST

START_TEST(test_request_not_der)
{
    /* indefinite length, outside and inside (X.690 10.1) */
    ck_status(req_decode_hex("30 80 a0 03 02 01 06 00 00"), CSSP_ERR_NOT_DER);
    ck_status(req_decode_hex("30 07 a0 80 02 01 06 00 00"), CSSP_ERR_NOT_DER);
    ck_status(req_decode_hex("30 0c a0 03 02 01 06 a3 80 04 01 aa 00 00"), CSSP_ERR_NOT_DER);
    ck_status(req_decode_hex("30 15 a0 03 02 01 06 a1 80 30 80 30 06 a0 04 04 02 aa bb"
                             " 00 00 00 00"),
              CSSP_ERR_NOT_DER);
    /* long-form lengths where the short form fits (X.690 10.1) */
    ck_status(req_decode_hex("30 81 05 a0 03 02 01 06"), CSSP_ERR_NOT_DER);
    ck_status(req_decode_hex("30 06 a0 81 03 02 01 06"), CSSP_ERR_NOT_DER);
    ck_status(req_decode_hex("30 82 00 05 a0 03 02 01 06"), CSSP_ERR_NOT_DER);
    ck_status(req_decode_hex("30 0b a0 03 02 01 06 a3 04 04 81 01 aa"), CSSP_ERR_NOT_DER);
    /* constructed OCTET STRING (X.690 10.2: DER uses the primitive form) */
    ck_status(req_decode_hex("30 0c a0 03 02 01 06 a3 05 24 03 04 01 aa"), CSSP_ERR_NOT_DER);
    ck_status(req_decode_hex("30 0e a0 03 02 01 06 a3 07 24 80 04 01 aa 00 00"),
              CSSP_ERR_NOT_DER);
}
END_TEST

START_TEST(test_element_length)
{
    static const struct {
        const char *hex;
        enum cssp_status st;
        size_t total;
    } v[] = {
        {"", CSSP_OK, 0},
        {"30", CSSP_OK, 0},                      /* no length octet yet */
        {"30 05", CSSP_OK, 7},                   /* header complete */
        {"30 05 a0 03 02 01 06", CSSP_OK, 7},
        {"30 05 a0 03 02 01 06 ff ff", CSSP_OK, 7}, /* more follows */
        {"30 82", CSSP_OK, 0},                   /* length octets missing */
        {"30 82 01", CSSP_OK, 0},
        {"30 82 01 0f", CSSP_OK, 0},             /* OpenSSL wants one content octet */
        {"30 82 01 0f a0", CSSP_OK, 275},
        {"30 81 ff 00", CSSP_OK, 258},
        {"30 00", CSSP_OK, 2},
        {"30 80 00", CSSP_ERR_NOT_DER, 0},       /* indefinite */
        {"1f 05 00", CSSP_ERR_MALFORMED, 0},     /* high tag number form */
        {"30 89 01 00 00 00 00 00 00 00 00 00", CSSP_ERR_MALFORMED, 0}, /* 9 length octets */
        {"30 83 10 00 00 00", CSSP_ERR_RANGE, 0}, /* 1 MiB of content: over the cap */
        {"30 84 7f ff ff ff 00", CSSP_ERR_RANGE, 0},
        {"30 83 0f ff fb 00", CSSP_OK, 0x100000}, /* exactly CSSP_MAX_DER_LEN */
        {"30 83 0f ff fc 00", CSSP_ERR_RANGE, 0},
    };
    size_t i, total, n;
    for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
        unsigned char *b = unhex(v[i].hex, &n);
        total = 99;
        ck_assert_msg(cssp_der_element_length(b, n, &total) == v[i].st, "case %zu", i);
        ck_assert_msg(total == v[i].total, "case %zu: total %zu", i, total);
        free(b);
    }
    ck_status(cssp_der_element_length(NULL, 3, &total), CSSP_ERR_INVALID_ARG);
    ck_status(cssp_der_element_length((const unsigned char *)"0", 1, NULL), CSSP_ERR_INVALID_ARG);
    /* a decoder refuses an input over the cap before reading it */
    {
        unsigned char *big = calloc(1, CSSP_MAX_DER_LEN + 1);
        struct cssp_ts_request r;
        ck_assert_ptr_nonnull(big);
        ck_status(cssp_ts_request_decode(big, CSSP_MAX_DER_LEN + 1, &r), CSSP_ERR_RANGE);
        free(big);
    }
}
END_TEST

/* --------------------------------------------------------- TSCredentials */

/* Password credentials, domain "" (present, empty), user "u", password "p":
 *   30 1b                          TSCredentials, 27
 *     a0 03 02 01 01               credType [0] 1
 *     a1 14 04 12                  credentials [1] OCTET STRING (18)
 *       30 10                        TSPasswordCreds, 16
 *         a0 02 04 00                  domainName [0] ""
 *         a1 04 04 02 75 00            userName [1] "u" (UTF-16LE)
 *         a2 04 04 02 70 00            password [2] "p" */
static const char PW_CREDS[] = "30 1b a0 03 02 01 01 a1 14 04 12"
                               "30 10 a0 02 04 00 a1 04 04 02 75 00 a2 04 04 02 70 00";

START_TEST(test_password_creds)
{
    struct cssp_ts_credentials c, d;
    unsigned char *want, *out = NULL;
    size_t want_len, out_len = 0;

    memset(&c, 0, sizeof(c));
    c.cred_type = CSSP_CRED_PASSWORD;
    c.password.domain = lit(NULL, 0);  /* required: written as an empty string */
    c.password.user = lit("u\0", 2);
    c.password.password = lit("p\0", 2);
    want = unhex(PW_CREDS, &want_len);
    ck_status(cssp_ts_credentials_encode(&c, &out, &out_len), CSSP_OK);
    ck_bytes(out, out_len, want, want_len);
    cssp_free_secret(out, out_len);

    ck_status(cssp_ts_credentials_decode(want, want_len, &d), CSSP_OK);
    ck_assert_int_eq(d.cred_type, 1);
    ck_assert(oct_is(&d.password.domain, "", 0));
    ck_assert(oct_is(&d.password.user, "u\0", 2));
    ck_assert(oct_is(&d.password.password, "p\0", 2));
    creds_roundtrip(&d);
    cssp_ts_credentials_clear(&d);
    all_prefixes_truncated(want, want_len, 1);
    free(want);

    /* a realistic one */
    memset(&c, 0, sizeof(c));
    c.cred_type = CSSP_CRED_PASSWORD;
    c.password.domain = u16("EXAMPLE");
    c.password.user = u16("Administrator");
    c.password.password = u16("P@ssw0rd with a rather long tail to pass 127 octets ...........");
    creds_roundtrip(&c);
    cssp_ts_credentials_clear(&c);
}
END_TEST

START_TEST(test_smartcard_creds)
{
    struct cssp_ts_credentials c;

    /* every optional field present, empty hint */
    memset(&c, 0, sizeof(c));
    c.cred_type = CSSP_CRED_SMARTCARD;
    c.smartcard.pin = u16("123456");
    c.smartcard.key_spec = 2;  /* AT_SIGNATURE */
    c.smartcard.card_name = u16("card");
    c.smartcard.reader_name = u16("reader");
    c.smartcard.container_name = u16("container");
    c.smartcard.csp_name = u16("csp");
    c.smartcard.user_hint = u16("user@example.com");
    c.smartcard.domain_hint = u16("");
    creds_roundtrip(&c);
    cssp_ts_credentials_clear(&c);

    /* the minimum: PIN and keySpec */
    memset(&c, 0, sizeof(c));
    c.cred_type = CSSP_CRED_SMARTCARD;
    c.smartcard.pin = u16("1");
    c.smartcard.key_spec = 1;
    creds_roundtrip(&c);
    {
        /* TSSmartCardCreds { pin [0] "1", cspData [1] { keySpec [0] 1 } }:
         *   30 0f a0 04 04 02 31 00 a1 07 30 05 a0 03 02 01 01          (17)
         * in TSCredentials { credType [0] 2, credentials [1] (17) }:
         *   30 1a a0 03 02 01 02 a1 13 04 11 <17> */
        unsigned char *want, *out = NULL;
        size_t want_len, out_len = 0;
        want = unhex("30 1a a0 03 02 01 02 a1 13 04 11"
                     "30 0f a0 04 04 02 31 00 a1 07 30 05 a0 03 02 01 01",
                     &want_len);
        ck_status(cssp_ts_credentials_encode(&c, &out, &out_len), CSSP_OK);
        ck_bytes(out, out_len, want, want_len);
        cssp_free_secret(out, out_len);
        /* keySpec -1 and cspData missing are refused */
        ck_status(creds_decode_hex("30 1a a0 03 02 01 02 a1 13 04 11"
                                   "30 0f a0 04 04 02 31 00 a1 07 30 05 a0 03 02 01 ff"),
                  CSSP_ERR_RANGE);
        ck_status(creds_decode_hex("30 11 a0 03 02 01 02 a1 0a 04 08"
                                   "30 06 a0 04 04 02 31 00"),
                  CSSP_ERR_MALFORMED);
        free(want);
    }
    c.smartcard.key_spec = -1;
    {
        unsigned char *out = NULL;
        size_t out_len = 0;
        ck_status(cssp_ts_credentials_encode(&c, &out, &out_len), CSSP_ERR_RANGE);
        ck_assert_ptr_null(out);
    }
    cssp_ts_credentials_clear(&c);
}
END_TEST

/* Remote Guard, logonCred { "K", 01 02 }, supplementalCreds [ { "N", 03 } ]:
 *   30 2c                          TSCredentials, 44
 *     a0 03 02 01 06               credType [0] 6
 *     a1 25 04 23                  credentials [1] OCTET STRING (35)
 *       30 21                        TSRemoteGuardCreds, 33
 *         a0 0e 30 0c                  logonCred [0]
 *           a0 04 04 02 4b 00            packageName [0] "K"
 *           a1 04 04 02 01 02            credBuffer [1]
 *         a1 0f 30 0d                  supplementalCreds [1] SEQUENCE OF
 *           30 0b                        TSRemoteGuardPackageCred
 *             a0 04 04 02 4e 00            packageName [0] "N"
 *             a1 03 04 01 03               credBuffer [1] */
static const char RG_CREDS[] = "30 2c a0 03 02 01 06 a1 25 04 23 30 21"
                               "a0 0e 30 0c a0 04 04 02 4b 00 a1 04 04 02 01 02"
                               "a1 0f 30 0d 30 0b a0 04 04 02 4e 00 a1 03 04 01 03";

START_TEST(test_remote_guard_creds)
{
    struct cssp_remote_guard_package_cred sup[3];
    struct cssp_ts_credentials c, d;
    unsigned char *want, *out = NULL;
    size_t want_len, out_len = 0;

    memset(&c, 0, sizeof(c));
    c.cred_type = CSSP_CRED_REMOTE_GUARD;
    c.remote_guard.logon_cred.package_name = lit("K\0", 2);
    c.remote_guard.logon_cred.cred_buffer = lit("\x01\x02", 2);
    sup[0].package_name = lit("N\0", 2);
    sup[0].cred_buffer = lit("\x03", 1);
    c.remote_guard.supplemental = sup;
    c.remote_guard.supplemental_count = 1;
    want = unhex(RG_CREDS, &want_len);
    ck_status(cssp_ts_credentials_encode(&c, &out, &out_len), CSSP_OK);
    ck_bytes(out, out_len, want, want_len);
    cssp_free_secret(out, out_len);
    ck_status(cssp_ts_credentials_decode(want, want_len, &d), CSSP_OK);
    ck_assert(cssp_ts_credentials_equal(&c, &d));
    ck_assert_uint_eq(d.remote_guard.supplemental_count, 1);
    ck_assert(oct_is(&d.remote_guard.supplemental[0].cred_buffer, "\x03", 1));
    cssp_ts_credentials_clear(&d);
    all_prefixes_truncated(want, want_len, 1);
    free(want);

    /* no supplementalCreds; an empty one (kept apart from absent); three */
    c.remote_guard.supplemental = NULL;
    c.remote_guard.supplemental_count = 0;
    creds_roundtrip(&c);
    c.remote_guard.supplemental = sup;
    creds_roundtrip(&c);
    sup[1].package_name = u16("Kerberos");
    sup[1].cred_buffer = lit("", 0);
    sup[2].package_name = u16("NTLM");
    sup[2].cred_buffer = lit("0123456789", 10);
    c.remote_guard.supplemental_count = 3;
    creds_roundtrip(&c);
    free(sup[1].package_name.data);
    free(sup[2].package_name.data);

    /* a count without an array; over the limit */
    c.remote_guard.supplemental = NULL;
    ck_status(cssp_ts_credentials_encode(&c, &out, &out_len), CSSP_ERR_INVALID_ARG);
    c.remote_guard.supplemental = sup;
    c.remote_guard.supplemental_count = CSSP_MAX_SUPPLEMENTAL_CREDS + 1;
    ck_status(cssp_ts_credentials_encode(&c, &out, &out_len), CSSP_ERR_RANGE);
}
END_TEST

START_TEST(test_credentials_rejects)
{
    struct cssp_ts_credentials c;
    unsigned char *out = NULL;
    size_t out_len = 0;

    ck_status(creds_decode_hex(PW_CREDS), CSSP_OK);
    /* unknown credType (3), and one beyond int32 */
    ck_status(creds_decode_hex("30 1b a0 03 02 01 03 a1 14 04 12"
                               "30 10 a0 02 04 00 a1 04 04 02 75 00 a2 04 04 02 70 00"),
              CSSP_ERR_UNSUPPORTED);
    ck_status(creds_decode_hex("30 1f a0 07 02 05 01 00 00 00 01 a1 14 04 12"
                               "30 10 a0 02 04 00 a1 04 04 02 75 00 a2 04 04 02 70 00"),
              CSSP_ERR_RANGE);
    /* credType 2 with password creds inside: the inner type is wrong */
    ck_status(creds_decode_hex("30 1b a0 03 02 01 02 a1 14 04 12"
                               "30 10 a0 02 04 00 a1 04 04 02 75 00 a2 04 04 02 70 00"),
              CSSP_ERR_MALFORMED);
    /* a byte after the inner structure, inside credentials */
    ck_status(creds_decode_hex("30 1c a0 03 02 01 01 a1 15 04 13"
                               "30 10 a0 02 04 00 a1 04 04 02 75 00 a2 04 04 02 70 00 00"),
              CSSP_ERR_TRAILING);
    /* the inner structure cut short, inside credentials */
    ck_status(creds_decode_hex("30 1a a0 03 02 01 01 a1 13 04 11"
                               "30 10 a0 02 04 00 a1 04 04 02 75 00 a2 04 04 02 70"),
              CSSP_ERR_TRUNCATED);
    /* empty credentials */
    ck_status(creds_decode_hex("30 09 a0 03 02 01 01 a1 02 04 00"), CSSP_ERR_TRUNCATED);
    /* password missing; duplicate userName */
    ck_status(creds_decode_hex("30 15 a0 03 02 01 01 a1 0e 04 0c"
                               "30 0a a0 02 04 00 a1 04 04 02 75 00"),
              CSSP_ERR_MALFORMED);
    ck_status(creds_decode_hex("30 21 a0 03 02 01 01 a1 1a 04 18"
                               "30 16 a0 02 04 00 a1 04 04 02 75 00 a1 04 04 02 75 00"
                               " a2 04 04 02 70 00"),
              CSSP_ERR_MALFORMED);
    /* indefinite length inside credentials */
    ck_status(creds_decode_hex("30 1d a0 03 02 01 01 a1 16 04 14"
                               "30 80 a0 02 04 00 a1 04 04 02 75 00 a2 04 04 02 70 00 00 00"),
              CSSP_ERR_NOT_DER);
    /* credentials missing; trailing after TSCredentials */
    ck_status(creds_decode_hex("30 05 a0 03 02 01 01"), CSSP_ERR_MALFORMED);
    {
        char h[sizeof(PW_CREDS) + 8];
        snprintf(h, sizeof(h), "%s 00", PW_CREDS);
        ck_status(creds_decode_hex(h), CSSP_ERR_TRAILING);
    }
    /* encoding an unknown type */
    memset(&c, 0, sizeof(c));
    c.cred_type = 3;
    ck_status(cssp_ts_credentials_encode(&c, &out, &out_len), CSSP_ERR_UNSUPPORTED);
    ck_assert_ptr_null(out);
    ck_status(cssp_ts_credentials_encode(NULL, &out, &out_len), CSSP_ERR_INVALID_ARG);
    ck_status(cssp_ts_credentials_decode(NULL, 4, &c), CSSP_ERR_INVALID_ARG);
    cssp_ts_credentials_clear(NULL);
}
END_TEST

/* ------------------------------------------------------------- binding */

START_TEST(test_binding_hash)
{
    /* nonce 00 01 .. 1f, SubjectPublicKey 30 0a 02 03 01 00 01 02 03 01 00 01
     * (any bytes do; short to keep the vector readable).  Python:
     *   hashlib.sha256(b"CredSSP Client-To-Server Binding Hash\0" + nonce + spk) */
    static const char *const want_c2s =
        "7cf3059a8617df27c5a358b72e90d1744486c5dca0b11fa503e798dcec4abad2";
    static const char *const want_s2c =
        "7767508a81739e6f4404efa01abc326c5464ca2f7071b3a33c4bf8653f998851";
    static const char c2s_magic[] = "CredSSP Client-To-Server Binding Hash";
    static const char s2c_magic[] = "CredSSP Server-To-Client Binding Hash";
    unsigned char nonce[32], *spk, *w, got[32], ref[32], buf[200];
    size_t spk_len, w_len, i, n;
    unsigned int md_len;

    for (i = 0; i < 32; i++)
        nonce[i] = (unsigned char)i;
    spk = unhex("30 0a 02 03 01 00 01 02 03 01 00 01", &spk_len);

    ck_status(cssp_binding_hash(0, nonce, spk, spk_len, got), CSSP_OK);
    w = unhex(want_c2s, &w_len);
    ck_bytes(got, sizeof(got), w, w_len);
    free(w);
    /* the same with EVP_Digest over the literal magic and its NUL (38) */
    ck_assert_uint_eq(sizeof(c2s_magic), 38);
    n = 0;
    memcpy(buf, c2s_magic, sizeof(c2s_magic));
    n += sizeof(c2s_magic);
    memcpy(buf + n, nonce, 32);
    n += 32;
    memcpy(buf + n, spk, spk_len);
    n += spk_len;
    ck_assert_int_eq(EVP_Digest(buf, n, ref, &md_len, EVP_sha256(), NULL), 1);
    ck_bytes(got, sizeof(got), ref, md_len);
    /* without the NUL it would differ */
    memmove(buf + sizeof(c2s_magic) - 1, buf + sizeof(c2s_magic), n - sizeof(c2s_magic));
    ck_assert_int_eq(EVP_Digest(buf, n - 1, ref, &md_len, EVP_sha256(), NULL), 1);
    ck_assert(memcmp(got, ref, 32) != 0);

    ck_status(cssp_binding_hash(1, nonce, spk, spk_len, got), CSSP_OK);
    w = unhex(want_s2c, &w_len);
    ck_bytes(got, sizeof(got), w, w_len);
    free(w);
    n = 0;
    memcpy(buf, s2c_magic, sizeof(s2c_magic));
    n += sizeof(s2c_magic);
    memcpy(buf + n, nonce, 32);
    n += 32;
    memcpy(buf + n, spk, spk_len);
    n += spk_len;
    ck_assert_int_eq(EVP_Digest(buf, n, ref, &md_len, EVP_sha256(), NULL), 1);
    ck_bytes(got, sizeof(got), ref, md_len);

    /* verification: right, wrong nonce, wrong key, wrong direction, wrong
     * length, empty */
    ck_status(cssp_binding_hash(0, nonce, spk, spk_len, got), CSSP_OK);
    ck_status(cssp_binding_verify_hash(0, nonce, spk, spk_len, got, 32), CSSP_OK);
    ck_status(cssp_binding_verify_hash(1, nonce, spk, spk_len, got, 32), CSSP_ERR_MISMATCH);
    ck_status(cssp_binding_verify_hash(0, nonce, spk, spk_len, got, 31), CSSP_ERR_MISMATCH);
    ck_status(cssp_binding_verify_hash(0, nonce, spk, spk_len, got, 0), CSSP_ERR_MISMATCH);
    ck_status(cssp_binding_verify_hash(0, nonce, spk, spk_len, NULL, 0), CSSP_ERR_MISMATCH);
    nonce[31] ^= 1;
    ck_status(cssp_binding_verify_hash(0, nonce, spk, spk_len, got, 32), CSSP_ERR_MISMATCH);
    nonce[31] ^= 1;
    spk[spk_len - 1] ^= 0x80;
    ck_status(cssp_binding_verify_hash(0, nonce, spk, spk_len, got, 32), CSSP_ERR_MISMATCH);
    spk[spk_len - 1] ^= 0x80;
    got[0] ^= 1;
    ck_status(cssp_binding_verify_hash(0, nonce, spk, spk_len, got, 32), CSSP_ERR_MISMATCH);

    ck_status(cssp_binding_hash(0, NULL, spk, spk_len, got), CSSP_ERR_INVALID_ARG);
    ck_status(cssp_binding_hash(0, nonce, spk, 0, got), CSSP_ERR_INVALID_ARG);
    ck_status(cssp_binding_hash(0, nonce, NULL, 5, got), CSSP_ERR_INVALID_ARG);
    ck_status(cssp_binding_hash(0, nonce, spk, spk_len, NULL), CSSP_ERR_INVALID_ARG);

    ck_assert_int_eq(cssp_binding_uses_hash(2), 0);
    ck_assert_int_eq(cssp_binding_uses_hash(3), 0);
    ck_assert_int_eq(cssp_binding_uses_hash(4), 0);
    ck_assert_int_eq(cssp_binding_uses_hash(5), 1);
    ck_assert_int_eq(cssp_binding_uses_hash(6), 1);
    ck_assert_int_eq(cssp_binding_uses_hash(7), 1);  /* later versions keep the hash */
    free(spk);
}
END_TEST

/* Versions 2-4 (MS-CSSP 3.1.5 step 4): the server answers with the key's
 * first byte plus one; step 5: the client compares byte for byte. */
START_TEST(test_binding_legacy)
{
    unsigned char spk[] = {0x30, 0x82, 0x01, 0x0a, 0x02, 0x82, 0x01, 0x01, 0x00, 0xc3};
    unsigned char echo[sizeof(spk)], copy[sizeof(spk)], ff[3] = {0xff, 0x01, 0xff};

    ck_status(cssp_binding_legacy_echo(spk, sizeof(spk), echo), CSSP_OK);
    ck_assert_int_eq(echo[0], 0x31);  /* the SEQUENCE tag 30 becomes 31 */
    ck_assert(memcmp(echo + 1, spk + 1, sizeof(spk) - 1) == 0);
    ck_assert_int_eq(spk[0], 0x30);   /* input untouched */
    /* 8-bit addition: ff -> 00, no carry into the next byte */
    ck_status(cssp_binding_legacy_echo(ff, sizeof(ff), ff), CSSP_OK);  /* in place */
    ck_assert_int_eq(ff[0], 0x00);
    ck_assert_int_eq(ff[1], 0x01);
    ck_assert_int_eq(ff[2], 0xff);

    /* the client checking the server's answer */
    ck_status(cssp_binding_verify_legacy(1, spk, sizeof(spk), echo, sizeof(echo)), CSSP_OK);
    /* its own pubKeyAuth replayed back (what the +1 is there to stop) */
    memcpy(copy, spk, sizeof(spk));
    ck_status(cssp_binding_verify_legacy(1, spk, sizeof(spk), copy, sizeof(copy)),
              CSSP_ERR_MISMATCH);
    /* a zeroed key, a short answer, an empty one, the same buffer */
    memset(copy, 0, sizeof(copy));
    ck_status(cssp_binding_verify_legacy(1, spk, sizeof(spk), copy, sizeof(copy)),
              CSSP_ERR_MISMATCH);
    ck_status(cssp_binding_verify_legacy(1, spk, sizeof(spk), echo, sizeof(echo) - 1),
              CSSP_ERR_MISMATCH);
    ck_status(cssp_binding_verify_legacy(1, spk, sizeof(spk), echo, 0), CSSP_ERR_MISMATCH);
    ck_status(cssp_binding_verify_legacy(0, spk, sizeof(spk), spk, sizeof(spk)),
              CSSP_ERR_MISMATCH);
    /* the server checking the client's value: the key itself */
    memcpy(copy, spk, sizeof(spk));
    ck_status(cssp_binding_verify_legacy(0, spk, sizeof(spk), copy, sizeof(copy)), CSSP_OK);
    ck_status(cssp_binding_verify_legacy(0, spk, sizeof(spk), echo, sizeof(echo)),
              CSSP_ERR_MISMATCH);
    ck_status(cssp_binding_legacy_echo(spk, 0, echo), CSSP_ERR_INVALID_ARG);
    ck_status(cssp_binding_verify_legacy(1, spk, 0, echo, 0), CSSP_ERR_INVALID_ARG);
}
END_TEST

START_TEST(test_ct_equal)
{
    unsigned char a[4] = {1, 2, 3, 4}, b[4] = {1, 2, 3, 4};
    ck_assert_int_eq(cssp_ct_equal(a, 4, b, 4), 1);
    ck_assert_int_eq(cssp_ct_equal(a, 4, b, 3), 0);
    ck_assert_int_eq(cssp_ct_equal(a, 0, b, 0), 0);
    ck_assert_int_eq(cssp_ct_equal(a, 4, a, 4), 0);  /* itself */
    ck_assert_int_eq(cssp_ct_equal(NULL, 4, b, 4), 0);
    b[3] = 5;
    ck_assert_int_eq(cssp_ct_equal(a, 4, b, 4), 0);
}
END_TEST

/* A self-signed certificate for pkey. */
static X509 *self_signed(EVP_PKEY *pkey)
{
    X509 *x = X509_new();
    X509_NAME *name;
    ck_assert_ptr_nonnull(x);
    ck_assert_int_eq(X509_set_version(x, 2), 1);
    ck_assert_int_eq(ASN1_INTEGER_set(X509_get_serialNumber(x), 1), 1);
    ck_assert_ptr_nonnull(X509_gmtime_adj(X509_getm_notBefore(x), 0));
    ck_assert_ptr_nonnull(X509_gmtime_adj(X509_getm_notAfter(x), 3600));
    name = X509_get_subject_name(x);
    ck_assert_int_eq(X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                                                (const unsigned char *)"credssp.test", -1, -1, 0),
                     1);
    ck_assert_int_eq(X509_set_issuer_name(x, name), 1);
    ck_assert_int_eq(X509_set_pubkey(x, pkey), 1);
    ck_assert_int_gt(X509_sign(x, pkey, EVP_sha256()), 0);
    return x;
}

/* The SubjectPublicKey of a real certificate is the BIT STRING content:
 * for RSA the PKCS#1 RSAPublicKey DER (i2d_PublicKey), starting 30; for EC
 * the uncompressed point, 04 || X || Y. */
START_TEST(test_x509_subject_public_key)
{
    EVP_PKEY *keys[2];
    size_t k;

    keys[0] = EVP_RSA_gen(1024);
    keys[1] = EVP_EC_gen("P-256");
    for (k = 0; k < 2; k++) {
        unsigned char *ref = NULL, nonce[32] = {0}, h[32];
        const unsigned char *spk;
        size_t spk_len;
        int ref_len;
        X509 *x;

        ck_assert_ptr_nonnull(keys[k]);
        x = self_signed(keys[k]);
        ck_status(cssp_x509_subject_public_key(x, &spk, &spk_len), CSSP_OK);
        ref_len = i2d_PublicKey(keys[k], &ref);
        ck_assert_int_gt(ref_len, 0);
        ck_bytes(spk, spk_len, ref, (size_t)ref_len);
        if (k == 0) {
            ck_assert_int_eq(spk[0], 0x30);  /* RSAPublicKey SEQUENCE */
            ck_assert_uint_eq(spk_len, 140); /* 30 81 89 02 81 81 00 <128> 02 03 01 00 01 */
        } else {
            ck_assert_int_eq(spk[0], 0x04);
            ck_assert_uint_eq(spk_len, 65);
        }
        /* usable as is by the binding */
        ck_status(cssp_binding_hash(0, nonce, spk, spk_len, h), CSSP_OK);
        OPENSSL_free(ref);
        X509_free(x);
        EVP_PKEY_free(keys[k]);
    }
    {
        const unsigned char *spk = (const unsigned char *)1;
        size_t spk_len = 1;
        X509 *empty = X509_new();
        ck_status(cssp_x509_subject_public_key(NULL, &spk, &spk_len), CSSP_ERR_INVALID_ARG);
        ck_assert_ptr_null(spk);
        ck_status(cssp_x509_subject_public_key(empty, &spk, &spk_len), CSSP_ERR_MALFORMED);
        X509_free(empty);
    }
}
END_TEST

START_TEST(test_status_str)
{
    int i;
    for (i = CSSP_OK; i <= CSSP_ERR_MISMATCH; i++)
        ck_assert_str_ne(cssp_status_str((enum cssp_status)i), "unknown status");
    ck_assert_str_eq(cssp_status_str((enum cssp_status)99), "unknown status");
}
END_TEST

/* ------------------------------------------------------ secrets wiped */

/* libcrypto's allocator is replaced (in main, before anything allocates)
 * by one that remembers block sizes and, on free, looks for MARKER in the
 * block.  A hit means a password or PIN copy inside OpenSSL's ASN.1
 * objects or buffers was freed without OPENSSL_cleanse. */
static const unsigned char MARKER[] = "\x5a\xa5 SECRET-4242 \xa5\x5a";
static int hooks_on;
static size_t marker_frees, hooked_frees;

struct hdr {
    size_t n;
    size_t pad;
};

static int has_marker(const unsigned char *p, size_t n)
{
    size_t i, m = sizeof(MARKER) - 1;
    for (i = 0; i + m <= n; i++)
        if (memcmp(p + i, MARKER, m) == 0)
            return 1;
    return 0;
}

static void *hook_malloc(size_t n, const char *file, int line)
{
    /* zeroed, so that hook_free's scan never reads uninitialised bytes */
    struct hdr *h = calloc(1, sizeof(*h) + n);
    if (h == NULL)
        return NULL;
    h->n = n;
    return h + 1;
}

static void hook_free(void *p, const char *file, int line)
{
    struct hdr *h;
    if (p == NULL)
        return;
    h = (struct hdr *)p - 1;
    hooked_frees++;
    if (has_marker(p, h->n))
        marker_frees++;
    free(h);
}

static void *hook_realloc(void *p, size_t n, const char *file, int line)
{
    void *q;
    if (p == NULL)
        return hook_malloc(n, file, line);
    if (n == 0) {
        hook_free(p, file, line);
        return NULL;
    }
    if ((q = hook_malloc(n, file, line)) == NULL)
        return NULL;
    memcpy(q, p, ((struct hdr *)p - 1)->n < n ? ((struct hdr *)p - 1)->n : n);
    hook_free(p, file, line);
    return q;
}

START_TEST(test_secrets_wiped_in_openssl)
{
    struct cssp_remote_guard_package_cred sup[1];
    struct cssp_ts_credentials c, d;
    unsigned char *der = NULL;
    size_t der_len = 0, k;
    cssp_octets m = lit(MARKER, sizeof(MARKER) - 1);

    if (!hooks_on)
        return;  /* libcrypto had allocated before main: cannot watch it */
    for (k = 0; k < 3; k++) {
        memset(&c, 0, sizeof(c));
        if (k == 0) {
            c.cred_type = CSSP_CRED_PASSWORD;
            c.password.domain = lit("", 0);
            c.password.user = lit("u\0", 2);
            c.password.password = m;
        } else if (k == 1) {
            c.cred_type = CSSP_CRED_SMARTCARD;
            c.smartcard.pin = m;
            c.smartcard.key_spec = 1;
            c.smartcard.user_hint = m;
        } else {
            c.cred_type = CSSP_CRED_REMOTE_GUARD;
            c.remote_guard.logon_cred.package_name = lit("K\0", 2);
            c.remote_guard.logon_cred.cred_buffer = m;
            sup[0].package_name = lit("N\0", 2);
            sup[0].cred_buffer = m;
            c.remote_guard.supplemental = sup;
            c.remote_guard.supplemental_count = 1;
        }
        hooked_frees = marker_frees = 0;
        ck_status(cssp_ts_credentials_encode(&c, &der, &der_len), CSSP_OK);
        ck_assert(has_marker(der, der_len));
        ck_status(cssp_ts_credentials_decode(der, der_len, &d), CSSP_OK);
        ck_assert(cssp_ts_credentials_equal(&c, &d));
        cssp_ts_credentials_clear(&d);
        /* failures after the secret was copied: a byte added at the end of
         * the inner structure (so the outer lengths grow by one) */
        {
            unsigned char *bad = malloc(der_len + 1);
            ck_assert_ptr_nonnull(bad);
            memcpy(bad, der, der_len);
            bad[der_len] = 0;
            ck_assert_int_ne(cssp_ts_credentials_decode(bad, der_len + 1, &d), CSSP_OK);
            cssp_free_secret(bad, der_len + 1);
        }
        cssp_free_secret(der, der_len);
        ck_assert_uint_gt(hooked_frees, 0);  /* the hook did see OpenSSL's frees */
        ck_assert_msg(marker_frees == 0, "credType %d: %zu OpenSSL blocks freed unwiped",
                      c.cred_type, marker_frees);
    }
}
END_TEST

/* The decoders leave libcrypto's per-thread error queue as they found it:
 * a stale entry would make the caller's next SSL_get_error() misreport. */
START_TEST(test_error_queue_untouched)
{
    unsigned long before;
    size_t total;
    ERR_clear_error();
    ck_status(req_decode_hex("30 05 a1 03 02 01 06"), CSSP_ERR_MALFORMED);
    ck_status(req_decode_hex("30 80 a0 03 02 01 06 00 00"), CSSP_ERR_NOT_DER);
    ck_status(req_decode_hex("30 0e a0 0c 02 0a 01 00 00 00 00 00 00 00 00 00"), CSSP_ERR_RANGE);
    ck_status(creds_decode_hex("30 05 a0 03 02 01 01"), CSSP_ERR_MALFORMED);
    ck_status(cssp_der_element_length((const unsigned char *)"\x30\x89\x01\x00\x00\x00\x00\x00"
                                                             "\x00\x00\x00\x00",
                                      12, &total),
              CSSP_ERR_MALFORMED);
    ck_assert_uint_eq(ERR_peek_error(), 0);
    /* and an error the caller already had stays there */
    ERR_raise(ERR_LIB_USER, 42);
    before = ERR_peek_last_error();
    ck_status(req_decode_hex("30 05 a1 03 02 01 06"), CSSP_ERR_MALFORMED);
    ck_assert_uint_eq(ERR_peek_last_error(), before);
    ck_assert_uint_eq(ERR_peek_error(), before);
    ERR_clear_error();
}
END_TEST

/* ------------------------------------------------------------ nonce set */

/* Nonce number i, spread over every bucket and, for i < 16, a run that
 * shares one bucket (the same first two bytes) to exercise the chains. */
static void nonce_n(uint32_t i, unsigned char n[32])
{
    memset(n, 0x5a, 32);
    if (i < 16) {
        n[0] = 0x11;
        n[1] = 0x22;
    } else {
        n[0] = (unsigned char)(i * 2654435761u >> 24);
        n[1] = (unsigned char)(i * 2654435761u >> 16);
    }
    memcpy(n + 2, &i, sizeof(i));
}

/* Every nonce is new once and a replay after; the 4096 most recent are
 * refused, older ones forgotten (the ring wraps, chains stay whole). */
START_TEST(test_nonce_set)
{
    unsigned char n[32];
    for (uint32_t i = 0; i < 5000; i++) {
        nonce_n(i, n);
        ck_assert_int_eq(cssp_nonce_remember(n), 0);
        ck_assert_int_eq(cssp_nonce_remember(n), -1);
    }
    /* 5000 were kept in a ring of 4096: 904..4999 are still there. */
    for (uint32_t i = 904; i < 5000; i++) {
        nonce_n(i, n);
        ck_assert_msg(cssp_nonce_remember(n) == -1, "nonce %u forgotten too early", i);
    }
    /* The oldest were overwritten: new again (and each re-entry evicts
     * the then-oldest, 904 onwards, which the loop does not revisit). */
    for (uint32_t i = 0; i < 16; i++) {
        nonce_n(i, n);
        ck_assert_msg(cssp_nonce_remember(n) == 0, "nonce %u not forgotten", i);
    }
    nonce_n(0, n);
    ck_assert_int_eq(cssp_nonce_remember(n), -1);
    /* Same first bytes, another nonce: not a replay. */
    n[31] ^= 1;
    ck_assert_int_eq(cssp_nonce_remember(n), 0);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("credssp_codec");
    TCase *t = tcase_create("tsrequest");
    tcase_add_test(t, test_request_v6_nego_nonce);
    tcase_add_test(t, test_request_v2_nego);
    tcase_add_test(t, test_request_error_code);
    tcase_add_test(t, test_request_roundtrips);
    tcase_add_test(t, test_request_encode_args);
    tcase_add_test(t, test_request_rejects);
    tcase_add_test(t, test_request_not_der);
    tcase_add_test(t, test_element_length);
    tcase_add_test(t, test_status_str);
    suite_add_tcase(s, t);
    t = tcase_create("tscredentials");
    tcase_add_test(t, test_ms_cssp_4_smartcard);
    tcase_add_test(t, test_password_creds);
    tcase_add_test(t, test_smartcard_creds);
    tcase_add_test(t, test_remote_guard_creds);
    tcase_add_test(t, test_credentials_rejects);
    tcase_add_test(t, test_secrets_wiped_in_openssl);
    tcase_add_test(t, test_error_queue_untouched);
    suite_add_tcase(s, t);
    t = tcase_create("binding");
    tcase_set_timeout(t, 120);  /* RSA key generation under valgrind */
    tcase_add_test(t, test_binding_hash);
    tcase_add_test(t, test_binding_legacy);
    tcase_add_test(t, test_ct_equal);
    tcase_add_test(t, test_x509_subject_public_key);
    tcase_add_test(t, test_nonce_set);
    tcase_add_test(t, test_spnego_decode_init);
    tcase_add_test(t, test_spnego_encode_resp);
    tcase_add_test(t, test_spnego_rejects);
    suite_add_tcase(s, t);
    return s;
}

int main(void)
{
    SRunner *sr;
    int failed;
    /* first, before libcrypto allocates anything (see hook_free) */
    hooks_on = CRYPTO_set_mem_functions(hook_malloc, hook_realloc, hook_free);
    if (!hooks_on)
        printf("libcrypto allocated before main: the secret-wipe test is skipped\n");
    sr = srunner_create(suite());
    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
