/*
 * libFuzzer target for the CredSSP codec (mechs/credssp/credssp_asn1.c).
 *
 * Every input goes to cssp_der_element_length, cssp_ts_request_decode and
 * cssp_ts_credentials_decode.  Whatever decodes is encoded again, and
 *   - the encoding must be the input byte for byte (the decoders accept DER
 *     only and keep every field, so decode is a bijection onto its inputs);
 *   - decoding the encoding must give an equal structure.
 * cssp_der_element_length must agree with the decoders: an input they
 * accept is exactly one element of that length.
 *
 *   make fuzz-credssp
 *   ./tests/fuzz/fuzz_credssp_codec -max_total_time=60 corpus-dir tests/fuzz/corpus/credssp
 *
 * The seeds in tests/fuzz/corpus/credssp are encoder outputs for the
 * vectors of tests/check_credssp_codec.c (TSRequests of versions 2 to 6
 * with each field, the [MS-CSSP] 4 smart-card TSCredentials, password and
 * Remote Guard credentials), and the TSRequests FreeRDP 2's client and
 * server sent (cap-*, tools/capture-corpus.sh).
 *
 * Built with -DCSSP_FUZZ_STANDALONE it has a main() that runs the files
 * named on the command line, to replay a corpus without libFuzzer.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "credssp_asn1.h"
#include "spnego_asn1.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FAIL(...)                                                                            \
    do {                                                                                     \
        fprintf(stderr, "fuzz_credssp_codec: " __VA_ARGS__);                                 \
        fputc('\n', stderr);                                                                 \
        abort();                                                                             \
    } while (0)

static void same_bytes(const char *what, const unsigned char *a, size_t alen,
                       const uint8_t *b, size_t blen)
{
    if (alen != blen || (alen && memcmp(a, b, alen) != 0))
        FAIL("%s: re-encoding differs from the input (%zu vs %zu bytes)", what, alen, blen);
}

static void fuzz_request(const uint8_t *data, size_t size, size_t total)
{
    struct cssp_ts_request a, b;
    unsigned char *der = NULL;
    size_t der_len = 0;
    enum cssp_status st;

    st = cssp_ts_request_decode(data, size, &a);
    if (st != CSSP_OK) {
        if (a.nego_token.data || a.auth_info.data || a.pub_key_auth.data ||
            a.client_nonce.data || a.has_error_code || a.version)
            FAIL("TSRequest: error %s left fields set", cssp_status_str(st));
        return;
    }
    if (total != size)
        FAIL("TSRequest decoded, but cssp_der_element_length said %zu of %zu", total, size);
    if ((st = cssp_ts_request_encode(&a, &der, &der_len)) != CSSP_OK)
        FAIL("TSRequest encode: %s", cssp_status_str(st));
    same_bytes("TSRequest", der, der_len, data, size);
    if ((st = cssp_ts_request_decode(der, der_len, &b)) != CSSP_OK)
        FAIL("TSRequest re-decode: %s", cssp_status_str(st));
    if (!cssp_ts_request_equal(&a, &b))
        FAIL("TSRequest: re-decoded structure differs");
    cssp_ts_request_clear(&a);
    cssp_ts_request_clear(&b);
    free(der);
}

static void fuzz_credentials(const uint8_t *data, size_t size, size_t total)
{
    struct cssp_ts_credentials a, b;
    unsigned char *der = NULL;
    size_t der_len = 0;
    enum cssp_status st;

    st = cssp_ts_credentials_decode(data, size, &a);
    if (st != CSSP_OK) {
        if (a.cred_type || a.password.password.data || a.smartcard.pin.data ||
            a.remote_guard.supplemental || a.remote_guard.logon_cred.cred_buffer.data)
            FAIL("TSCredentials: error %s left fields set", cssp_status_str(st));
        return;
    }
    if (total != size)
        FAIL("TSCredentials decoded, but cssp_der_element_length said %zu of %zu", total, size);
    if ((st = cssp_ts_credentials_encode(&a, &der, &der_len)) != CSSP_OK)
        FAIL("TSCredentials encode: %s", cssp_status_str(st));
    same_bytes("TSCredentials", der, der_len, data, size);
    if ((st = cssp_ts_credentials_decode(der, der_len, &b)) != CSSP_OK)
        FAIL("TSCredentials re-decode: %s", cssp_status_str(st));
    if (!cssp_ts_credentials_equal(&a, &b))
        FAIL("TSCredentials: re-decoded structure differs");
    cssp_ts_credentials_clear(&a);
    cssp_ts_credentials_clear(&b);
    cssp_free_secret(der, der_len);
}

static int octets_equal(const cssp_octets *a, const cssp_octets *b)
{
    return !a->data == !b->data && a->len == b->len && (!a->len || !memcmp(a->data, b->data, a->len));
}

/* A client's SPNEGO token as the CredSSP acceptor's own NTLM path reads
 * it; a NegTokenResp must survive the acceptor's encoder. */
static void fuzz_spnego(const uint8_t *data, size_t size)
{
    struct spnego_token a, b;
    uint8_t *der = NULL;
    size_t der_len = 0;
    if (spnego_decode(data, size, &a) != CSSP_OK) {
        if (a.mech_types || a.token.data || a.mech_list_mic.data || a.first_mech_len)
            FAIL("SPNEGO: an error left fields set");
        return;
    }
    if (a.is_init && (a.mech_types == NULL || a.first_mech_len == 0))
        FAIL("SPNEGO: a NegTokenInit without its mechTypes");
    if (!a.is_init) {
        if (spnego_encode_resp(a.neg_state, NULL, 0, &a.token, &a.mech_list_mic, &der,
                               &der_len) != CSSP_OK)
            FAIL("SPNEGO: NegTokenResp re-encode failed");
        if (spnego_decode(der, der_len, &b) != CSSP_OK || b.is_init ||
            b.neg_state != a.neg_state || !octets_equal(&a.token, &b.token) ||
            !octets_equal(&a.mech_list_mic, &b.mech_list_mic))
            FAIL("SPNEGO: NegTokenResp does not survive re-encoding");
        spnego_token_clear(&b);
        free(der);
    }
    spnego_token_clear(&a);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_spnego(data, size);
    size_t total = 0;
    enum cssp_status st = cssp_der_element_length(data, size, &total);

    if (st == CSSP_OK && total > CSSP_MAX_DER_LEN)
        FAIL("element length %zu over the cap", total);
    if (st != CSSP_OK)
        total = (size_t)-1;  /* then nothing may decode */
    fuzz_request(data, size, total);
    fuzz_credentials(data, size, total);
    return 0;
}

#ifdef CSSP_FUZZ_STANDALONE
int main(int argc, char **argv)
{
    int i;
    for (i = 1; i < argc; i++) {
        FILE *f = fopen(argv[i], "rb");
        unsigned char *buf;
        long n;
        if (f == NULL || fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 ||
            fseek(f, 0, SEEK_SET) != 0)
            FAIL("cannot read %s", argv[i]);
        buf = malloc((size_t)n + 1);
        if (buf == NULL || fread(buf, 1, (size_t)n, f) != (size_t)n)
            FAIL("cannot read %s", argv[i]);
        fclose(f);
        LLVMFuzzerTestOneInput(buf, (size_t)n);
        free(buf);
    }
    return 0;
}
#endif
