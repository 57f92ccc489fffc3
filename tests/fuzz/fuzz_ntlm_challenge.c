/*
 * libFuzzer target for the NTLM CHALLENGE decoder of the CredSSP
 * mechanism's NTLMv2 initiator (mechs/credssp/ntlm_codec.c) and what the
 * client does with a CHALLENGE (ntlm_client.c: the AV pairs copied into
 * its response, the AUTHENTICATE built): the CHALLENGE is the first thing
 * an untrusted server sends it.
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
 * same with an MsvAvTimestamp pair, gss-ntlmssp's CHALLENGEs, and the NTLM
 * messages of FreeRDP 2 (cap-*: winpr's CHALLENGEs, xfreerdp's NEGOTIATE
 * and AUTHENTICATE; tools/capture-corpus.sh).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ntlm_client.h"
#include "ntlm_codec.h"

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
    free(copy);
    return 0;
}
