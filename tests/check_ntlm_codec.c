/*
 * The CredSSP mechanism's NTLMv2 initiator and acceptor
 * (mechs/credssp/ntlm_codec.c, ntlm_client.c, ntlm_server.c).
 *
 * Where the vectors come from: [MS-NLMP] section 4.2 (4.2.1 common
 * values: User "User", UserDom "Domain", Passwd "Password", ServerChallenge
 * 0123456789abcdef, ClientChallenge aaaaaaaaaaaaaaaa, Time 0,
 * RandomSessionKey 55 x 16; 4.2.4 NTLMv2 Authentication: 4.2.4.1.1
 * NTOWFv2, 4.2.4.1.2 session base key, 4.2.4.2.1 LMv2 response, 4.2.4.2.2
 * NTProofStr, 4.2.4.2.3 encrypted session key, 4.2.4.3 the CHALLENGE
 * message, 4.2.4.4 the GSS_WrapEx "Plaintext" example: sealing and signing
 * keys, sealed data and signature).  Looked up in the published document
 * (learn.microsoft.com ms-nlmp 4.2.4.4) and public test suites that
 * transcribe it; none is computed here.
 */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <unistd.h>

#include "ntlm_client.h"
#include "ntlm_codec.h"
#include "ntlm_server.h"

static const uint8_t server_challenge[8] = {0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef};
static const uint8_t client_challenge[8] = {0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa};
static const uint8_t random_session_key[16] = {0x55, 0x55, 0x55, 0x55, 0x55, 0x55, 0x55, 0x55,
                                               0x55, 0x55, 0x55, 0x55, 0x55, 0x55, 0x55, 0x55};

/* 4.2.4.1.1 */
static const uint8_t kat_ntowfv2[16] = {0x0c, 0x86, 0x8a, 0x40, 0x3b, 0xfd, 0x7a, 0x93,
                                        0xa3, 0x00, 0x1e, 0xf2, 0x2e, 0xf0, 0x2e, 0x3f};
/* 4.2.4.1.2 */
static const uint8_t kat_session_base_key[16] = {0x8d, 0xe4, 0x0c, 0xca, 0xdb, 0xc1, 0x4a, 0x82,
                                                 0xf1, 0x5c, 0xb0, 0xad, 0x0d, 0xe9, 0x5c, 0xa3};
/* 4.2.4.2.1 */
static const uint8_t kat_lmv2[24] = {0x86, 0xc3, 0x50, 0x97, 0xac, 0x9c, 0xec, 0x10,
                                     0x25, 0x54, 0x76, 0x4a, 0x57, 0xcc, 0xcc, 0x19,
                                     0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa};
/* 4.2.4.2.2 */
static const uint8_t kat_nt_proof[16] = {0x68, 0xcd, 0x0a, 0xb8, 0x51, 0xe5, 0x1c, 0x96,
                                         0xaa, 0xbc, 0x92, 0x7b, 0xeb, 0xef, 0x6a, 0x1c};
/* 4.2.4.2.3 */
static const uint8_t kat_enc_key[16] = {0xc5, 0xda, 0xd2, 0x54, 0x4f, 0xc9, 0x79, 0x90,
                                        0x94, 0xce, 0x1c, 0xe9, 0x0b, 0xc9, 0xd0, 0x3e};
/* 4.2.4.3: the CHALLENGE_MESSAGE (flags 0xe28a8233, OEM and UNICODE both) */
static const uint8_t kat_challenge[] = {
    0x4e, 0x54, 0x4c, 0x4d, 0x53, 0x53, 0x50, 0x00, 0x02, 0x00, 0x00, 0x00, 0x0c, 0x00, 0x0c,
    0x00, 0x38, 0x00, 0x00, 0x00, 0x33, 0x82, 0x8a, 0xe2, 0x01, 0x23, 0x45, 0x67, 0x89, 0xab,
    0xcd, 0xef, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x24, 0x00, 0x24, 0x00, 0x44,
    0x00, 0x00, 0x00, 0x06, 0x00, 0x70, 0x17, 0x00, 0x00, 0x00, 0x0f, 0x53, 0x00, 0x65, 0x00,
    0x72, 0x00, 0x76, 0x00, 0x65, 0x00, 0x72, 0x00, 0x02, 0x00, 0x0c, 0x00, 0x44, 0x00, 0x6f,
    0x00, 0x6d, 0x00, 0x61, 0x00, 0x69, 0x00, 0x6e, 0x00, 0x01, 0x00, 0x0c, 0x00, 0x53, 0x00,
    0x65, 0x00, 0x72, 0x00, 0x76, 0x00, 0x65, 0x00, 0x72, 0x00, 0x00, 0x00, 0x00, 0x00};
#define KAT_FLAGS 0xe28a8233u
/* 4.2.4.1.3 "temp": 0101, Z(6), Time 0, ClientChallenge, Z(4), the AV
 * pairs of 4.2.4.3 (Domain, Server, EOL), Z(4) */
static const uint8_t kat_temp[] = {
    0x01, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0x00, 0x00, 0x00, 0x00, 0x02, 0x00,
    0x0c, 0x00, 0x44, 0x00, 0x6f, 0x00, 0x6d, 0x00, 0x61, 0x00, 0x69, 0x00, 0x6e, 0x00, 0x01,
    0x00, 0x0c, 0x00, 0x53, 0x00, 0x65, 0x00, 0x72, 0x00, 0x76, 0x00, 0x65, 0x00, 0x72, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00};
/* 4.2.4.4 */
static const uint8_t kat_plaintext[18] = {0x50, 0x00, 0x6c, 0x00, 0x61, 0x00, 0x69, 0x00, 0x6e,
                                          0x00, 0x74, 0x00, 0x65, 0x00, 0x78, 0x00, 0x74, 0x00};
static const uint8_t kat_seal_key[16] = {0x59, 0xf6, 0x00, 0x97, 0x3c, 0xc4, 0x96, 0x0a,
                                         0x25, 0x48, 0x0a, 0x7c, 0x19, 0x6e, 0x4c, 0x58};
static const uint8_t kat_sign_key[16] = {0x47, 0x88, 0xdc, 0x86, 0x1b, 0x47, 0x82, 0xf3,
                                         0x5d, 0x43, 0xfd, 0x98, 0xfe, 0x1a, 0x2d, 0x39};
static const uint8_t kat_sealed[18] = {0x54, 0xe5, 0x01, 0x65, 0xbf, 0x19, 0x36, 0xdc, 0x99,
                                       0x60, 0x20, 0xc1, 0x81, 0x1b, 0x0f, 0x06, 0xfb, 0x5f};
static const uint8_t kat_signature[16] = {0x01, 0x00, 0x00, 0x00, 0x7f, 0xb3, 0x8e, 0xc5,
                                          0xc5, 0x5d, 0x49, 0x76, 0x00, 0x00, 0x00, 0x00};

#define ck_bytes(got, want, n) ck_assert_msg(memcmp((got), (want), (n)) == 0, "bytes differ: " #got)

START_TEST(test_ntowfv2)
{
    uint8_t k[16];
    ck_assert_int_eq(ntlm_ntowfv2("Password", "User", "Domain", k), NTLM_OK);
    ck_bytes(k, kat_ntowfv2, 16);
    /* Uppercase(User): the user's case does not matter, the domain's does */
    ck_assert_int_eq(ntlm_ntowfv2("Password", "user", "Domain", k), NTLM_OK);
    ck_bytes(k, kat_ntowfv2, 16);
}
END_TEST

START_TEST(test_responses)
{
    uint8_t proof[16], base[16], lm[24], enc[16];
    ck_assert_int_eq(ntlm_nt_proof(kat_ntowfv2, server_challenge, kat_temp, sizeof(kat_temp), proof),
                     NTLM_OK);
    ck_bytes(proof, kat_nt_proof, 16);
    ck_assert_int_eq(ntlm_session_base_key(kat_ntowfv2, proof, base), NTLM_OK);
    ck_bytes(base, kat_session_base_key, 16);
    ck_assert_int_eq(ntlm_lmv2(kat_ntowfv2, server_challenge, client_challenge, lm), NTLM_OK);
    ck_bytes(lm, kat_lmv2, 24);
    /* KeyExchangeKey = SessionBaseKey (NTLMv2) */
    ck_assert_int_eq(ntlm_rc4k(base, random_session_key, enc), NTLM_OK);
    ck_bytes(enc, kat_enc_key, 16);
}
END_TEST

START_TEST(test_keys_and_seal)
{
    uint8_t k[16], *out = NULL;
    size_t n = 0;
    struct ntlm_client *c = NULL;
    ck_assert_int_eq(ntlm_seal_key(random_session_key, KAT_FLAGS, 1, k), NTLM_OK);
    ck_bytes(k, kat_seal_key, 16);
    ck_assert_int_eq(ntlm_sign_key(random_session_key, 1, k), NTLM_OK);
    ck_bytes(k, kat_sign_key, 16);
    ck_assert_int_eq(ntlm_client_new("User", "Domain", "Password", &c), NTLM_OK);
    ck_assert_int_eq(ntlm_client_start_session(c, random_session_key, KAT_FLAGS), NTLM_OK);
    ck_assert_int_eq(ntlm_client_seal(c, kat_plaintext, sizeof(kat_plaintext), &out, &n), NTLM_OK);
    ck_assert_uint_eq(n, 16 + sizeof(kat_plaintext));
    ck_bytes(out, kat_signature, 16);              /* EncryptMessage: signature first */
    ck_bytes(out + 16, kat_sealed, sizeof(kat_sealed));
    free(out);
    ntlm_client_free(c);
}
END_TEST

/* Our own message sealed by the server's direction unseals: a second client
 * whose send direction is the server's (keys swapped) is not available, so
 * the unseal path is checked for rejecting a bad signature and a short one. */
START_TEST(test_unseal_rejects)
{
    uint8_t *out = NULL, bad[40];
    size_t n = 0;
    struct ntlm_client *c = NULL;
    ck_assert_int_eq(ntlm_client_new("User", "Domain", "Password", &c), NTLM_OK);
    ck_assert_int_eq(ntlm_client_unseal(c, bad, 20, &out, &n), NTLM_ERR_STATE);
    ck_assert_int_eq(ntlm_client_start_session(c, random_session_key, KAT_FLAGS), NTLM_OK);
    ck_assert_int_eq(ntlm_client_unseal(c, bad, 15, &out, &n), NTLM_ERR_MALFORMED);
    memset(bad, 0, sizeof(bad));
    bad[0] = 1;
    ck_assert_int_eq(ntlm_client_unseal(c, bad, sizeof(bad), &out, &n), NTLM_ERR_BAD_SIG);
    ck_assert_ptr_null(out);
    ntlm_client_free(c);
}
END_TEST

START_TEST(test_decode_challenge)
{
    struct ntlm_challenge ch;
    const uint8_t *v;
    size_t vl;
    ck_assert_int_eq(ntlm_decode_challenge(kat_challenge, sizeof(kat_challenge), &ch), NTLM_OK);
    ck_assert_uint_eq(ch.flags, KAT_FLAGS);
    ck_bytes(ch.server_challenge, server_challenge, 8);
    ck_assert_uint_eq(ch.target_name_len, 12);
    ck_assert_uint_eq(ch.target_info_len, 36);
    ck_assert(!ch.have_timestamp);
    ck_assert_int_eq(ntlm_av_find(ch.target_info, ch.target_info_len, NTLM_AV_NB_DOMAIN, &v, &vl),
                     NTLM_OK);
    ck_assert_uint_eq(vl, 12);
    ck_bytes(v, "D\0o\0m\0a\0i\0n\0", 12);
    /* every truncation is refused or parsed within bounds */
    for (size_t l = 0; l < sizeof(kat_challenge); l++) {
        uint8_t *copy = malloc(l ? l : 1);
        memcpy(copy, kat_challenge, l);
        int rc = ntlm_decode_challenge(copy, l, &ch);
        ck_assert_msg(rc == NTLM_ERR_MALFORMED || (rc == NTLM_OK && l >= 32),
                      "length %zu: %d", l, rc);
        free(copy);
    }
}
END_TEST

START_TEST(test_decode_challenge_bad)
{
    struct ntlm_challenge ch;
    uint8_t m[sizeof(kat_challenge)];
    /* target info offset past the end */
    memcpy(m, kat_challenge, sizeof(m));
    m[44] = 0xff;
    ck_assert_int_eq(ntlm_decode_challenge(m, sizeof(m), &ch), NTLM_ERR_MALFORMED);
    /* target name length past the end */
    memcpy(m, kat_challenge, sizeof(m));
    m[12] = 0xff;
    ck_assert_int_eq(ntlm_decode_challenge(m, sizeof(m), &ch), NTLM_ERR_MALFORMED);
    /* an AV pair running past the list */
    memcpy(m, kat_challenge, sizeof(m));
    m[0x44 + 2] = 0x40;
    ck_assert_int_eq(ntlm_decode_challenge(m, sizeof(m), &ch), NTLM_ERR_MALFORMED);
    /* a list without MsvAvEOL (length cut by 4) */
    memcpy(m, kat_challenge, sizeof(m));
    m[40] = m[42] = 0x20;
    ck_assert_int_eq(ntlm_decode_challenge(m, sizeof(m), &ch), NTLM_ERR_MALFORMED);
    /* wrong message type */
    memcpy(m, kat_challenge, sizeof(m));
    m[8] = 3;
    ck_assert_int_eq(ntlm_decode_challenge(m, sizeof(m), &ch), NTLM_ERR_MALFORMED);
}
END_TEST

static uint32_t le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
static uint16_t le16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }

/* The whole client on the 4.2.4.3 CHALLENGE with the 4.2.1 values: the
 * negotiated flags, Unicode names, the NTLMv2 response over our AV pairs
 * (the server's plus MsvAvFlags 0x2) and the encrypted session key. */
START_TEST(test_client_exchange)
{
    struct ntlm_client *c = NULL;
    uint8_t *neg = NULL, *auth = NULL;
    size_t neg_len = 0, auth_len = 0;
    ck_assert_int_eq(ntlm_client_new("User", "Domain", "Password", &c), NTLM_OK);
    ntlm_client_set_test_values(c, client_challenge, random_session_key);
    ck_assert_int_eq(ntlm_client_negotiate(c, &neg, &neg_len), NTLM_OK);
    ck_assert_uint_eq(neg_len, 40);
    ck_bytes(neg, "NTLMSSP\0\1\0\0\0", 12);
    uint32_t nf = le32(neg + 12);
    ck_assert(nf & NTLM_NEG_UNICODE);
    ck_assert(!(nf & NTLM_NEG_OEM));
    ck_assert(nf & NTLM_REQUEST_TARGET);
    ck_assert(nf & NTLM_NEG_KEY_EXCH);
    ck_assert_int_eq(ntlm_client_authenticate(c, kat_challenge, sizeof(kat_challenge), &auth,
                                              &auth_len),
                     NTLM_OK);
    ck_assert(ntlm_client_established(c));
    ck_bytes(auth, "NTLMSSP\0\3\0\0\0", 12);
    uint32_t af = le32(auth + 60);
    ck_assert(af & NTLM_NEG_UNICODE);
    ck_assert(!(af & NTLM_NEG_OEM));
    /* LmChallengeResponse: LMv2 (no MsvAvTimestamp in this CHALLENGE) */
    ck_assert_uint_eq(le16(auth + 12), 24);
    ck_bytes(auth + le32(auth + 16), kat_lmv2, 24);
    /* NtChallengeResponse = NTProofStr || temp, temp with our AV pairs */
    uint16_t ntl = le16(auth + 20);
    const uint8_t *nt = auth + le32(auth + 24);
    ck_assert_uint_eq(ntl, 16 + 28 + 32 + 8 + 4 + 4);
    uint8_t proof[16];
    ck_assert_int_eq(ntlm_nt_proof(kat_ntowfv2, server_challenge, nt + 16, ntl - 16u, proof),
                     NTLM_OK);
    ck_bytes(nt, proof, 16);
    ck_bytes(nt + 16 + 28 + 32, "\6\0\4\0\2\0\0\0\0\0\0\0", 12); /* MsvAvFlags MIC, EOL */
    /* names */
    ck_assert_uint_eq(le16(auth + 28), 12);
    ck_bytes(auth + le32(auth + 32), "D\0o\0m\0a\0i\0n\0", 12);
    ck_assert_uint_eq(le16(auth + 36), 8);
    ck_bytes(auth + le32(auth + 40), "U\0s\0e\0r\0", 8);
    /* the key: RC4K(SessionBaseKey(this proof), 55..55) decrypts to 55..55 */
    uint8_t base[16], dec[16];
    ck_assert_uint_eq(le16(auth + 52), 16);
    ck_assert_int_eq(ntlm_session_base_key(kat_ntowfv2, proof, base), NTLM_OK);
    ck_assert_int_eq(ntlm_rc4k(base, auth + le32(auth + 56), dec), NTLM_OK);
    ck_bytes(dec, random_session_key, 16);
    /* a MIC is present (not all zero) */
    static const uint8_t zero[16];
    ck_assert(memcmp(auth + 72, zero, 16) != 0);
    /* a second CHALLENGE is out of sequence */
    uint8_t *again = NULL;
    size_t again_len = 0;
    ck_assert_int_eq(ntlm_client_authenticate(c, kat_challenge, sizeof(kat_challenge), &again,
                                              &again_len),
                     NTLM_ERR_STATE);
    free(neg);
    free(auth);
    ntlm_client_free(c);
}
END_TEST

/* MsvAvTargetName ([MS-NLMP] 3.1.5.1.2 ClientSuppliedTargetName): the SPN
 * the caller named is among the client's AV pairs, inside the blob that
 * NTProofStr covers, once; it can be named only before leg 1. */
START_TEST(test_client_target_name)
{
    struct ntlm_client *c = NULL;
    uint8_t *neg = NULL, *auth = NULL;
    size_t neg_len = 0, auth_len = 0;
    ck_assert_int_eq(ntlm_client_new("User", "Domain", "Password", &c), NTLM_OK);
    ntlm_client_set_test_values(c, client_challenge, random_session_key);
    ck_assert_int_eq(ntlm_client_set_target(c, "TERMSRV/server"), NTLM_OK);
    ck_assert_int_eq(ntlm_client_negotiate(c, &neg, &neg_len), NTLM_OK);
    ck_assert_int_eq(ntlm_client_set_target(c, "TERMSRV/other"), NTLM_ERR_STATE);
    ck_assert_int_eq(ntlm_client_authenticate(c, kat_challenge, sizeof(kat_challenge), &auth,
                                              &auth_len),
                     NTLM_OK);
    uint16_t ntl = le16(auth + 20);
    const uint8_t *nt = auth + le32(auth + 24);
    uint8_t proof[16];
    ck_assert_int_eq(ntlm_nt_proof(kat_ntowfv2, server_challenge, nt + 16, ntl - 16u, proof),
                     NTLM_OK);
    ck_bytes(nt, proof, 16);
    static const uint8_t spn16[] = "T\0E\0R\0M\0S\0R\0V\0/\0s\0e\0r\0v\0e\0r\0";
    int found = 0;
    size_t pos = 16 + 28;
    for (;;) {
        ck_assert_uint_le(pos + 4, ntl);
        uint16_t id = le16(nt + pos), len = le16(nt + pos + 2);
        ck_assert_uint_le(pos + 4 + len, ntl);
        if (id == NTLM_AV_EOL)
            break;
        if (id == NTLM_AV_TARGET_NAME) {
            found++;
            ck_assert_uint_eq(len, sizeof(spn16) - 1);
            ck_bytes(nt + pos + 4, spn16, sizeof(spn16) - 1);
        }
        pos += 4u + len;
    }
    ck_assert_int_eq(found, 1);
    free(neg);
    free(auth);
    ntlm_client_free(c);
}
END_TEST

/* A CHALLENGE offering no sealing is refused. */
START_TEST(test_client_refuses_weak)
{
    struct ntlm_client *c = NULL;
    uint8_t *neg = NULL, *auth = NULL, m[sizeof(kat_challenge)];
    size_t neg_len = 0, auth_len = 0;
    memcpy(m, kat_challenge, sizeof(m));
    m[20] &= (uint8_t)~NTLM_NEG_SEAL;
    ck_assert_int_eq(ntlm_client_new("User", "Domain", "Password", &c), NTLM_OK);
    ck_assert_int_eq(ntlm_client_negotiate(c, &neg, &neg_len), NTLM_OK);
    ck_assert_int_eq(ntlm_client_authenticate(c, m, sizeof(m), &auth, &auth_len),
                     NTLM_ERR_UNSUPPORTED);
    ck_assert_ptr_null(auth);
    free(neg);
    ntlm_client_free(c);
}
END_TEST

/* ------------------------------------------------------------ the server */

/* A user store with `line` in a temporary file; path in buf. */
static void user_file(char *buf, size_t n, const char *line)
{
    snprintf(buf, n, "/tmp/ntlm-users.XXXXXX");
    int fd = mkstemp(buf);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(write(fd, line, strlen(line)), (ssize_t)strlen(line));
    close(fd);
}

static const uint8_t zero8[8];

/* A server that sent its CHALLENGE (ServerChallenge of 4.2.1) for our
 * client's NEGOTIATE. */
static struct ntlm_server *server_after_challenge(const char *path, uint8_t **chal,
                                                  size_t *chal_len)
{
    struct ntlm_server *s = NULL;
    struct ntlm_client *c = NULL;
    uint8_t *neg = NULL;
    size_t neg_len = 0;
    ck_assert_int_eq(ntlm_server_new(path, &s), NTLM_OK);
    ntlm_server_set_test_values(s, server_challenge, zero8, "server.example.test");
    ck_assert_int_eq(ntlm_client_new("User", "Domain", "Password", &c), NTLM_OK);
    ck_assert_int_eq(ntlm_client_negotiate(c, &neg, &neg_len), NTLM_OK);
    ck_assert_int_eq(ntlm_server_challenge(s, neg, neg_len, chal, chal_len), NTLM_OK);
    free(neg);
    ntlm_client_free(c);
    return s;
}

/* The [MS-NLMP] 4.2.4 AUTHENTICATE rebuilt from its published parts
 * (LMv2, NTProofStr || temp, the encrypted session key of 4.2.4.2):
 * the server verifies it, recovers the exported key 55..55 and so opens
 * the client's 4.2.4.4 sealed message. */
START_TEST(test_server_kat)
{
    char path[64];
    uint8_t *chal = NULL, *auth = NULL, *plain = NULL, nt[16 + sizeof(kat_temp)], msg[34];
    size_t chal_len = 0, auth_len = 0, mic_off = 0, n = 0;
    user_file(path, sizeof(path), "OTHER:User:not-this\nDomain:User:Password\n");
    struct ntlm_server *s = server_after_challenge(path, &chal, &chal_len);
    memcpy(nt, kat_nt_proof, 16);
    memcpy(nt + 16, kat_temp, sizeof(kat_temp));
    struct ntlm_auth_fields f = {
        .flags = KAT_FLAGS,
        .lm = kat_lmv2, .lm_len = 24,
        .nt = nt, .nt_len = sizeof(nt),
        .domain = (const uint8_t *)"D\0o\0m\0a\0i\0n\0", .domain_len = 12,
        .user = (const uint8_t *)"U\0s\0e\0r\0", .user_len = 8,
        .enc_key = kat_enc_key, .enc_key_len = 16,
    };
    ck_assert_int_eq(ntlm_encode_authenticate(&f, &auth, &auth_len, &mic_off), NTLM_OK);
    ck_assert_int_eq(ntlm_server_accept(s, auth, auth_len), NTLM_OK);
    ck_assert(ntlm_server_established(s));
    ck_assert_str_eq(ntlm_server_client_name(s), "Domain\\User");
    memcpy(msg, kat_signature, 16);
    memcpy(msg + 16, kat_sealed, 18);
    ck_assert_int_eq(ntlm_server_unseal(s, msg, sizeof(msg), &plain, &n), NTLM_OK);
    ck_assert_uint_eq(n, sizeof(kat_plaintext));
    ck_bytes(plain, kat_plaintext, n);
    free(plain);
    ntlm_server_free(s);
    free(auth);

    /* the same AUTHENTICATE with another password in the store: refused */
    unlink(path);
    user_file(path, sizeof(path), "Domain:User:Passw0rd\n");
    free(chal);
    s = server_after_challenge(path, &chal, &chal_len);
    ck_assert_int_eq(ntlm_encode_authenticate(&f, &auth, &auth_len, &mic_off), NTLM_OK);
    ck_assert_int_eq(ntlm_server_accept(s, auth, auth_len), NTLM_ERR_LOGON);
    ck_assert(!ntlm_server_established(s));
    ck_assert_int_eq(ntlm_server_unseal(s, msg, sizeof(msg), &plain, &n), NTLM_ERR_STATE);
    ntlm_server_free(s);
    free(auth);
    free(chal);
    unlink(path);
}
END_TEST

/* The CHALLENGE: Unicode, NTLMv2 flags, the target info with both names,
 * DNS names and a timestamp. */
START_TEST(test_server_challenge)
{
    uint8_t *chal = NULL;
    size_t chal_len = 0;
    struct ntlm_challenge ch;
    const uint8_t *v;
    size_t vl;
    struct ntlm_server *s = server_after_challenge("/nonexistent", &chal, &chal_len);
    ck_assert_int_eq(ntlm_decode_challenge(chal, chal_len, &ch), NTLM_OK);
    ck_bytes(ch.server_challenge, server_challenge, 8);
    ck_assert(ch.flags & NTLM_NEG_UNICODE);
    ck_assert(!(ch.flags & NTLM_NEG_OEM));
    ck_assert(ch.flags & NTLM_NEG_ESS);
    ck_assert(ch.flags & NTLM_NEG_KEY_EXCH);
    ck_assert(ch.flags & NTLM_NEG_TARGET_INFO);
    ck_assert(ch.have_timestamp);
    static const struct { uint16_t id; const char *want; size_t n; } av[] = {
        {NTLM_AV_NB_DOMAIN, "S\0E\0R\0V\0E\0R\0", 12},
        {NTLM_AV_NB_COMPUTER, "S\0E\0R\0V\0E\0R\0", 12},
        {NTLM_AV_DNS_DOMAIN, "e\0x\0a\0m\0p\0l\0e\0.\0t\0e\0s\0t\0", 24},
        {NTLM_AV_DNS_COMPUTER, "s\0e\0r\0v\0e\0r\0.\0e\0x\0a\0m\0p\0l\0e\0.\0t\0e\0s\0t\0", 38},
    };
    for (size_t i = 0; i < sizeof(av) / sizeof(av[0]); i++) {
        ck_assert_int_eq(ntlm_av_find(ch.target_info, ch.target_info_len, av[i].id, &v, &vl),
                         NTLM_OK);
        ck_assert_uint_eq(vl, av[i].n);
        ck_bytes(v, av[i].want, vl);
    }
    ck_assert_uint_eq(ch.target_name_len, 12);
    /* a second NEGOTIATE is out of sequence */
    uint8_t *again = NULL;
    size_t again_len = 0;
    ck_assert_int_eq(ntlm_server_challenge(s, chal, chal_len, &again, &again_len), NTLM_ERR_STATE);
    ntlm_server_free(s);
    free(chal);
}
END_TEST

START_TEST(test_server_refuses_negotiate)
{
    struct ntlm_server *s = NULL;
    uint8_t *neg = NULL, *out = NULL;
    size_t neg_len = 0, out_len = 0;
    uint32_t flags;
    /* OEM only (curl 7.88's 0x00088206): no Unicode */
    ck_assert_int_eq(ntlm_encode_negotiate(0x00088206u, &neg, &neg_len), NTLM_OK);
    ck_assert_int_eq(ntlm_server_new("/nonexistent", &s), NTLM_OK);
    ck_assert_int_eq(ntlm_server_challenge(s, neg, neg_len, &out, &out_len), NTLM_ERR_UNSUPPORTED);
    ck_assert_ptr_null(out);
    ntlm_server_free(s);
    /* truncations and a wrong type */
    for (size_t l = 0; l < neg_len; l++)
        ck_assert_int_eq(ntlm_decode_negotiate(neg, l, &flags),
                         l >= 16 ? NTLM_OK : NTLM_ERR_MALFORMED); /* 16: up to the flags */
    neg[8] = 2;
    ck_assert_int_eq(ntlm_decode_negotiate(neg, neg_len, &flags), NTLM_ERR_MALFORMED);
    neg[8] = 1;
    neg[16] = 0x10; /* a domain field past the end */
    neg[20] = 0x40;
    ck_assert_int_eq(ntlm_decode_negotiate(neg, neg_len, &flags), NTLM_ERR_MALFORMED);
    free(neg);
}
END_TEST

/* Our client against our server: a MIC and a timestamp, sealing both ways;
 * then a wrong password, an unknown user, a tampered MIC and a tampered
 * NTProofStr are each refused as a failed logon. */
enum tamper { T_NONE, T_MIC, T_PROOF, T_BLOB };
static int exchange(const char *path, const char *user, const char *password, enum tamper t,
                    struct ntlm_client **cp, struct ntlm_server **sp)
{
    struct ntlm_client *c = NULL;
    struct ntlm_server *s = NULL;
    uint8_t *neg = NULL, *chal = NULL, *auth = NULL;
    size_t neg_len = 0, chal_len = 0, auth_len = 0;
    int rc;
    ck_assert_int_eq(ntlm_client_new(user, "Domain", password, &c), NTLM_OK);
    ck_assert_int_eq(ntlm_server_new(path, &s), NTLM_OK);
    ck_assert_int_eq(ntlm_client_set_target(c, "TERMSRV/server.example"), NTLM_OK);
    ck_assert_int_eq(ntlm_client_negotiate(c, &neg, &neg_len), NTLM_OK);
    ck_assert_int_eq(ntlm_server_challenge(s, neg, neg_len, &chal, &chal_len), NTLM_OK);
    ck_assert_int_eq(ntlm_client_authenticate(c, chal, chal_len, &auth, &auth_len), NTLM_OK);
    struct ntlm_authenticate a;
    ck_assert_int_eq(ntlm_decode_authenticate(auth, auth_len, &a), NTLM_OK);
    ck_assert(a.has_mic);
    if (t == T_MIC)
        auth[a.mic_offset] ^= 1;
    else if (t == T_PROOF)
        auth[a.nt - auth] ^= 1;
    else if (t == T_BLOB)
        auth[a.nt - auth + 16 + 8] ^= 1; /* the client's timestamp */
    rc = ntlm_server_accept(s, auth, auth_len);
    free(neg);
    free(chal);
    free(auth);
    *cp = c;
    *sp = s;
    return rc;
}

START_TEST(test_server_with_client)
{
    char path[64];
    struct ntlm_client *c;
    struct ntlm_server *s;
    uint8_t *w = NULL, *p = NULL;
    size_t wn = 0, pn = 0;
    user_file(path, sizeof(path), "DOMAIN:user:Pass:word\n");
    /* user and domain compare case-insensitively; the password holds a ':' */
    ck_assert_int_eq(exchange(path, "User", "Pass:word", T_NONE, &c, &s), NTLM_OK);
    ck_assert_str_eq(ntlm_server_client_name(s), "Domain\\User");
    for (int i = 0; i < 2; i++) { /* sequence numbers advance on both sides */
        ck_assert_int_eq(ntlm_client_seal(c, (const uint8_t *)"hello", 5, &w, &wn), NTLM_OK);
        ck_assert_int_eq(ntlm_server_unseal(s, w, wn, &p, &pn), NTLM_OK);
        ck_assert_uint_eq(pn, 5);
        ck_bytes(p, "hello", 5);
        free(w);
        free(p);
        ck_assert_int_eq(ntlm_server_seal(s, (const uint8_t *)"world!", 6, &w, &wn), NTLM_OK);
        ck_assert_int_eq(ntlm_client_unseal(c, w, wn, &p, &pn), NTLM_OK);
        ck_bytes(p, "world!", 6);
        free(w);
        free(p);
    }
    /* a sealed message altered on the way */
    ck_assert_int_eq(ntlm_client_seal(c, (const uint8_t *)"hello", 5, &w, &wn), NTLM_OK);
    w[wn - 1] ^= 1;
    ck_assert_int_eq(ntlm_server_unseal(s, w, wn, &p, &pn), NTLM_ERR_BAD_SIG);
    free(w);
    ntlm_client_free(c);
    ntlm_server_free(s);

    static const struct { const char *user, *password; enum tamper t; } bad[] = {
        {"User", "wrong", T_NONE},
        {"mallory", "Pass:word", T_NONE},
        {"User", "Pass:word", T_MIC},
        {"User", "Pass:word", T_PROOF},
        {"User", "Pass:word", T_BLOB},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        ck_assert_msg(exchange(path, bad[i].user, bad[i].password, bad[i].t, &c, &s) ==
                          NTLM_ERR_LOGON, "case %zu", i);
        ck_assert(!ntlm_server_established(s));
        ck_assert_ptr_null(ntlm_server_client_name(s));
        ntlm_client_free(c);
        ntlm_server_free(s);
    }
    /* no store at all */
    ck_assert_int_eq(exchange("/nonexistent/users", "User", "Pass:word", T_NONE, &c, &s),
                     NTLM_ERR_LOGON);
    ntlm_client_free(c);
    ntlm_server_free(s);
    unlink(path);
}
END_TEST

/* The SPNEGO mechListMIC ([MS-NLMP] 3.4.4.2 GSS_GetMICEx): signed with
 * one side's keys, checked with the other's, sharing sequence numbers
 * and the RC4 handle with sealing (a MIC, then a sealed message, as
 * SPNEGO then CredSSP's pubKeyAuth do); a changed or replayed MIC fails. */
START_TEST(test_session_mic)
{
    static const uint8_t exported[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
    static const uint8_t list[] = {0x30, 0x0c, 0x06, 0x0a, 0x2b, 0x06, 0x01, 0x04,
                                   0x01, 0x82, 0x37, 0x02, 0x02, 0x0a};
    const uint32_t flags = NTLM_NEG_KEY_EXCH | NTLM_NEG_ESS |
                           NTLM_NEG_SEAL | NTLM_NEG_SIGN | NTLM_NEG_128;
    struct ntlm_session *c, *s;
    uint8_t mic[16], again[16], *w = NULL, *p = NULL;
    size_t wn = 0, pn = 0;
    ck_assert_int_eq(ntlm_session_new(exported, flags, 1, &c), NTLM_OK);
    ck_assert_int_eq(ntlm_session_new(exported, flags, 0, &s), NTLM_OK);
    ck_assert_int_eq(ntlm_session_get_mic(c, list, sizeof(list), mic), NTLM_OK);
    ck_assert_int_eq(mic[0], 1);    /* Version */
    ck_assert_int_eq(mic[12], 0);   /* SeqNum 0 */
    ck_assert_int_eq(ntlm_session_verify_mic(s, list, sizeof(list), mic, 16), NTLM_OK);
    /* SPNEGO restarts the RC4 stream on both ends after the MIC; the next
     * sealed message follows the MIC's sequence number */
    ck_assert_int_eq(ntlm_session_reset_rc4(c, 1), NTLM_OK);
    ck_assert_int_eq(ntlm_session_reset_rc4(s, 0), NTLM_OK);
    ck_assert_int_eq(ntlm_session_seal(c, (const uint8_t *)"key", 3, &w, &wn), NTLM_OK);
    ck_assert_int_eq(w[12], 1);
    ck_assert_int_eq(ntlm_session_unseal(s, w, wn, &p, &pn), NTLM_OK);
    free(w);
    free(p);
    /* one end restarted, the other not: the streams disagree */
    ck_assert_int_eq(ntlm_session_reset_rc4(c, 1), NTLM_OK);
    ck_assert_int_eq(ntlm_session_seal(c, (const uint8_t *)"key", 3, &w, &wn), NTLM_OK);
    ck_assert_int_eq(ntlm_session_unseal(s, w, wn, &p, &pn), NTLM_ERR_BAD_SIG);
    free(w);
    /* the other direction, with its own keys */
    ck_assert_int_eq(ntlm_session_get_mic(s, list, sizeof(list), mic), NTLM_OK);
    memcpy(again, mic, 16);
    ck_assert_int_eq(ntlm_session_verify_mic(c, list, sizeof(list), mic, 16), NTLM_OK);
    ck_assert_int_eq(ntlm_session_verify_mic(c, list, sizeof(list), again, 16), NTLM_ERR_BAD_SIG);
    ntlm_session_free(c);
    ntlm_session_free(s);
    /* a MIC over another list, or cut short */
    ck_assert_int_eq(ntlm_session_new(exported, flags, 1, &c), NTLM_OK);
    ck_assert_int_eq(ntlm_session_new(exported, flags, 0, &s), NTLM_OK);
    ck_assert_int_eq(ntlm_session_get_mic(c, list, sizeof(list), mic), NTLM_OK);
    ck_assert_int_eq(ntlm_session_verify_mic(s, list, sizeof(list) - 1, mic, 16), NTLM_ERR_BAD_SIG);
    ck_assert_int_eq(ntlm_session_verify_mic(s, list, sizeof(list), mic, 15), NTLM_ERR_BAD_SIG);
    ntlm_session_free(c);
    ntlm_session_free(s);
}
END_TEST

/* AUTHENTICATE decoding: every truncation refused or in bounds; fields
 * past the end or inside the fixed header refused. */
START_TEST(test_decode_authenticate)
{
    struct ntlm_client *c = NULL;
    uint8_t *neg = NULL, *auth = NULL;
    size_t neg_len = 0, auth_len = 0;
    struct ntlm_authenticate a;
    ck_assert_int_eq(ntlm_client_new("User", "Domain", "Password", &c), NTLM_OK);
    ntlm_client_set_test_values(c, client_challenge, random_session_key);
    ck_assert_int_eq(ntlm_client_negotiate(c, &neg, &neg_len), NTLM_OK);
    ck_assert_int_eq(ntlm_client_authenticate(c, kat_challenge, sizeof(kat_challenge), &auth,
                                              &auth_len), NTLM_OK);
    ck_assert_int_eq(ntlm_decode_authenticate(auth, auth_len, &a), NTLM_OK);
    ck_assert_uint_eq(a.user_len, 8);
    ck_bytes(a.user, "U\0s\0e\0r\0", 8);
    ck_assert_uint_eq(a.enc_key_len, 16);
    ck_assert(a.has_mic);
    ck_assert_uint_eq(a.mic_offset, 72);
    for (size_t l = 0; l < auth_len; l++) {
        uint8_t *copy = malloc(l ? l : 1);
        memcpy(copy, auth, l);
        ck_assert_int_eq(ntlm_decode_authenticate(copy, l, &a), NTLM_ERR_MALFORMED);
        free(copy);
    }
    uint8_t *m = malloc(auth_len);
    memcpy(m, auth, auth_len);
    m[40] = 0x10; /* the user name's offset inside the header */
    m[41] = 0;
    ck_assert_int_eq(ntlm_decode_authenticate(m, auth_len, &a), NTLM_ERR_MALFORMED);
    memcpy(m, auth, auth_len);
    m[36] = 0xff; /* the user name's length past the end */
    ck_assert_int_eq(ntlm_decode_authenticate(m, auth_len, &a), NTLM_ERR_MALFORMED);
    free(m);
    /* UTF-16LE decoding: odd length, a lone surrogate */
    char *u8 = NULL;
    ck_assert_int_eq(ntlm_utf16le_to_utf8((const uint8_t *)"U\0s", 3, &u8), NTLM_ERR_MALFORMED);
    ck_assert_int_eq(ntlm_utf16le_to_utf8((const uint8_t *)"\x00\xd8", 2, &u8), NTLM_ERR_MALFORMED);
    ck_assert_int_eq(ntlm_utf16le_to_utf8((const uint8_t *)"\xe9\x00\x3d\xd8\x00\xde", 6, &u8),
                     NTLM_OK);
    ck_assert_str_eq(u8, "\xc3\xa9\xf0\x9f\x98\x80");
    free(u8);
    free(neg);
    free(auth);
    ntlm_client_free(c);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("ntlm_codec");
    TCase *t = tcase_create("ms-nlmp");
    tcase_add_test(t, test_ntowfv2);
    tcase_add_test(t, test_responses);
    tcase_add_test(t, test_keys_and_seal);
    tcase_add_test(t, test_unseal_rejects);
    tcase_add_test(t, test_decode_challenge);
    tcase_add_test(t, test_decode_challenge_bad);
    tcase_add_test(t, test_client_exchange);
    tcase_add_test(t, test_client_target_name);
    tcase_add_test(t, test_client_refuses_weak);
    tcase_add_test(t, test_server_kat);
    tcase_add_test(t, test_server_challenge);
    tcase_add_test(t, test_server_refuses_negotiate);
    tcase_add_test(t, test_server_with_client);
    tcase_add_test(t, test_session_mic);
    tcase_add_test(t, test_decode_authenticate);
    suite_add_tcase(s, t);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(suite());
    int failed;
    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
