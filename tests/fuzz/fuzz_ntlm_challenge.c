/*
 * libFuzzer target for the NTLM decoders of the CredSSP mechanism
 * (mechs/credssp/ntlm_codec.c): the CHALLENGE its NTLMv2 initiator reads
 * from an untrusted server, and what the client does with it
 * (ntlm_client.c: the AV pairs copied into its response, the AUTHENTICATE
 * built); the NEGOTIATE and AUTHENTICATE its NTLMv2 acceptor reads from an
 * untrusted client (ntlm_server.c: the CHALLENGE answered, the response,
 * MIC and key exchange checked against a user store that knows the
 * input's user "User", so the MIC path is reached).
 *
 * Every input goes to ntlm_decode_challenge; what decodes must lie within
 * the input (target name, target info) and its AV list must walk to
 * MsvAvEOL; then a client with fixed values answers it, and the
 * AUTHENTICATE's payload fields must lie within the message.
 *
 *   make fuzz-ntlm
 *   ./tests/fuzz/fuzz_ntlm_challenge -max_total_time=60 corpus-dir tests/fuzz/corpus/ntlm
 *
 * Seeds in tests/fuzz/corpus/ntlm: the [MS-NLMP] 4.2.4.3 CHALLENGE, the
 * same with an MsvAvTimestamp pair, gss-ntlmssp's CHALLENGEs, a NEGOTIATE
 * of our client and the 4.2.4 AUTHENTICATE, and the NTLM messages of
 * FreeRDP 2 (cap-*: winpr's CHALLENGEs, xfreerdp's NEGOTIATE and
 * AUTHENTICATE; tools/capture-corpus.sh).
 */
#include <stdio.h>
#include <unistd.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ntlm_client.h"
#include "ntlm_codec.h"
#include "ntlm_server.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint16_t le16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }
static uint32_t le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void within(const uint8_t *base, size_t len, const uint8_t *p, size_t n)
{
    if (n > 0 && (p < base || p > base + len || n > (size_t)(base + len - p)))
        abort();
}

/* A user store naming the 4.2.1 user, made once per process and removed
 * at its exit. */
static char user_path[64];
static void remove_user_file(void) { unlink(user_path); }
static const char *fuzz_user_file(void)
{
    char *path = user_path;
    if (path[0] == '\0') {
        snprintf(path, sizeof(user_path), "/tmp/fuzz-ntlm-users.XXXXXX");
        int fd = mkstemp(path);
        if (fd < 0)
            abort();
        if (write(fd, "Domain:User:Password\n", 21) != 21)
            abort();
        close(fd);
        atexit(remove_user_file);
    }
    return path;
}

/* The acceptor's side: the input as a NEGOTIATE, and as the AUTHENTICATE
 * answering a CHALLENGE made for our client's NEGOTIATE. */
static void fuzz_server(const uint8_t *copy, size_t size)
{
    static const uint8_t chal[8] = {1, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef};
    static const uint8_t ts[8];
    struct ntlm_authenticate a;
    struct ntlm_server *s = NULL;
    struct ntlm_client *c = NULL;
    uint8_t *out = NULL, *neg = NULL;
    size_t out_len = 0, neg_len = 0;
    uint32_t flags;

    if (ntlm_decode_negotiate(copy, size, &flags) == NTLM_OK && size < 16)
        abort();
    if (ntlm_server_new(fuzz_user_file(), &s) == NTLM_OK) {
        if (ntlm_server_challenge(s, copy, size, &out, &out_len) == NTLM_OK) {
            struct ntlm_challenge ch;
            if (ntlm_decode_challenge(out, out_len, &ch) != NTLM_OK)
                abort(); /* our CHALLENGE must decode */
        }
        free(out);
        out = NULL;
        ntlm_server_free(s);
        s = NULL;
    }
    if (ntlm_decode_authenticate(copy, size, &a) == NTLM_OK) {
        within(copy, size, a.lm, a.lm_len);
        within(copy, size, a.nt, a.nt_len);
        within(copy, size, a.domain, a.domain_len);
        within(copy, size, a.user, a.user_len);
        within(copy, size, a.workstation, a.workstation_len);
        within(copy, size, a.enc_key, a.enc_key_len);
        if (a.has_mic && (a.mic_offset + 16 > size))
            abort();
    }
    if (ntlm_server_new(fuzz_user_file(), &s) == NTLM_OK &&
        ntlm_client_new("User", "Domain", "Password", &c) == NTLM_OK &&
        ntlm_client_negotiate(c, &neg, &neg_len) == NTLM_OK) {
        ntlm_server_set_test_values(s, chal, ts, "server");
        if (ntlm_server_challenge(s, neg, neg_len, &out, &out_len) == NTLM_OK &&
            ntlm_server_accept(s, copy, size) == NTLM_OK) {
            uint8_t *sealed = NULL;
            size_t sealed_len = 0;
            if (!ntlm_server_established(s) || ntlm_server_client_name(s) == NULL)
                abort();
            if (ntlm_server_seal(s, copy, size < 64 ? size : 64, &sealed, &sealed_len) == NTLM_OK)
                free(sealed);
        }
    }
    free(out);
    free(neg);
    ntlm_client_free(c);
    ntlm_server_free(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const uint8_t cc[8] = {0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa};
    static const uint8_t key[16] = {0x55, 0x55, 0x55, 0x55, 0x55, 0x55, 0x55, 0x55,
                                    0x55, 0x55, 0x55, 0x55, 0x55, 0x55, 0x55, 0x55};
    struct ntlm_challenge ch;
    struct ntlm_client *c = NULL;
    uint8_t *copy, *neg = NULL, *auth = NULL;
    size_t neg_len = 0, auth_len = 0;
    const uint8_t *v;
    size_t vl;

    /* an exact-size copy, so ASan sees any read past the end */
    copy = malloc(size ? size : 1);
    if (copy == NULL)
        return 0;
    memcpy(copy, data, size);
    if (ntlm_decode_challenge(copy, size, &ch) == NTLM_OK) {
        within(copy, size, ch.target_name, ch.target_name_len);
        within(copy, size, ch.target_info, ch.target_info_len);
        if (ch.target_info_len > 0 &&
            ntlm_av_find(ch.target_info, ch.target_info_len, NTLM_AV_NB_DOMAIN, &v, &vl) !=
                NTLM_OK)
            abort(); /* the decoder accepted a list that does not walk */
    }
    if (ntlm_client_new("User", "Domain", "Password", &c) == NTLM_OK) {
        ntlm_client_set_test_values(c, cc, key);
        if (ntlm_client_negotiate(c, &neg, &neg_len) == NTLM_OK &&
            ntlm_client_authenticate(c, copy, size, &auth, &auth_len) == NTLM_OK) {
            /* the payload fields of the AUTHENTICATE lie within it */
            static const size_t hdr[6] = {12, 20, 28, 36, 44, 52};
            if (auth_len < 88)
                abort();
            for (int i = 0; i < 6; i++) {
                size_t off = le32(auth + hdr[i] + 4), n = le16(auth + hdr[i]);
                if (off > auth_len || n > auth_len - off)
                    abort();
            }
            uint8_t *sealed = NULL;
            size_t sealed_len = 0;
            if (ntlm_client_seal(c, copy, size < 64 ? size : 64, &sealed, &sealed_len) == NTLM_OK)
                free(sealed);
        }
        free(neg);
        free(auth);
        ntlm_client_free(c);
    }
    fuzz_server(copy, size);
    free(copy);
    return 0;
}
