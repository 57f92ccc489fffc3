/*
 * CredSSP public-key binding, [MS-CSSP] 3.1.5 steps 3 to 5.
 * See credssp_binding.h.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "credssp_binding.h"

int cssp_binding_uses_hash(int32_t version)
{
    return version >= 5;  /* MS-CSSP 3.1.5 step 3: "Version 5 or 6" */
}

enum cssp_status cssp_x509_subject_public_key(const X509 *cert, const unsigned char **spk,
                                              size_t *spk_len)
{
    const ASN1_BIT_STRING *bits;

    if (spk != NULL)
        *spk = NULL;
    if (spk_len != NULL)
        *spk_len = 0;
    if (cert == NULL || spk == NULL || spk_len == NULL)
        return CSSP_ERR_INVALID_ARG;
    /* RFC 3280 4.1: SubjectPublicKeyInfo.subjectPublicKey BIT STRING; its
     * data here is the content after the unused-bits octet. */
    bits = X509_get0_pubkey_bitstr(cert);
    if (bits == NULL || ASN1_STRING_length(bits) <= 0)
        return CSSP_ERR_MALFORMED;
    /* A key that is not a whole number of octets has no "first byte" in
     * the MS-CSSP sense; no RSA or EC key is like that. */
    if ((bits->flags & ASN1_STRING_FLAG_BITS_LEFT) && (bits->flags & 0x07) != 0)
        return CSSP_ERR_MALFORMED;
    *spk = ASN1_STRING_get0_data(bits);
    *spk_len = (size_t)ASN1_STRING_length(bits);
    return CSSP_OK;
}

enum cssp_status cssp_binding_hash(int server_to_client, const unsigned char nonce[CSSP_NONCE_LEN],
                                   const unsigned char *spk, size_t spk_len,
                                   unsigned char out[CSSP_BINDING_HASH_LEN])
{
    /* MS-CSSP 3.1.5 step 3 / 4: "The hash MUST include the null terminator
     * (\0) of the string": sizeof, not strlen. */
    static const char c2s[] = CSSP_CLIENT_SERVER_MAGIC;
    static const char s2c[] = CSSP_SERVER_CLIENT_MAGIC;
    const char *magic = server_to_client ? s2c : c2s;
    size_t magic_len = server_to_client ? sizeof(s2c) : sizeof(c2s);
    EVP_MD_CTX *ctx;
    unsigned int n = 0;
    enum cssp_status st = CSSP_ERR_CRYPTO;

    if (nonce == NULL || spk == NULL || spk_len == 0 || out == NULL)
        return CSSP_ERR_INVALID_ARG;
    ERR_set_mark();
    if ((ctx = EVP_MD_CTX_new()) == NULL) {
        st = CSSP_ERR_NOMEM;
        goto out;
    }
    /* SHA256(Magic, Nonce, SubjectPublicKey), in that order */
    if (EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) == 1 &&
        EVP_DigestUpdate(ctx, magic, magic_len) == 1 &&
        EVP_DigestUpdate(ctx, nonce, CSSP_NONCE_LEN) == 1 &&
        EVP_DigestUpdate(ctx, spk, spk_len) == 1 && EVP_DigestFinal_ex(ctx, out, &n) == 1 &&
        n == CSSP_BINDING_HASH_LEN)
        st = CSSP_OK;
    EVP_MD_CTX_free(ctx);
out:
    ERR_pop_to_mark();
    if (st != CSSP_OK)
        OPENSSL_cleanse(out, CSSP_BINDING_HASH_LEN);
    return st;
}

enum cssp_status cssp_binding_legacy_echo(const unsigned char *spk, size_t spk_len,
                                          unsigned char *out)
{
    if (spk == NULL || spk_len == 0 || out == NULL)
        return CSSP_ERR_INVALID_ARG;
    if (out != spk)
        memmove(out, spk, spk_len);
    /* MS-CSSP 3.1.5 step 4, versions 2-4: "adds 1 to the first byte";
     * unsigned char arithmetic, so 0xff wraps to 0x00. */
    out[0] = (unsigned char)(spk[0] + 1u);
    return CSSP_OK;
}

int cssp_ct_equal(const void *a, size_t alen, const void *b, size_t blen)
{
    if (a == NULL || b == NULL || alen == 0 || alen != blen || a == b)
        return 0;
    return CRYPTO_memcmp(a, b, alen) == 0;
}

enum cssp_status cssp_binding_verify_hash(int server_to_client,
                                          const unsigned char nonce[CSSP_NONCE_LEN],
                                          const unsigned char *spk, size_t spk_len,
                                          const unsigned char *received, size_t received_len)
{
    unsigned char want[CSSP_BINDING_HASH_LEN];
    enum cssp_status st;

    if (received == NULL && received_len > 0)
        return CSSP_ERR_INVALID_ARG;
    st = cssp_binding_hash(server_to_client, nonce, spk, spk_len, want);
    if (st == CSSP_OK && !cssp_ct_equal(want, sizeof(want), received, received_len))
        st = CSSP_ERR_MISMATCH;
    OPENSSL_cleanse(want, sizeof(want));
    return st;
}

enum cssp_status cssp_binding_verify_legacy(int server_to_client, const unsigned char *spk,
                                            size_t spk_len, const unsigned char *received,
                                            size_t received_len)
{
    unsigned char *want;
    enum cssp_status st = CSSP_OK;

    if (spk == NULL || spk_len == 0 || (received == NULL && received_len > 0))
        return CSSP_ERR_INVALID_ARG;
    if (received == spk)  /* a buffer compared with itself proves nothing */
        return CSSP_ERR_MISMATCH;
    if (received_len != spk_len)
        return CSSP_ERR_MISMATCH;
    if (!server_to_client)  /* MS-CSSP 3.1.5 step 4: "verifies that it has the same public key" */
        return cssp_ct_equal(spk, spk_len, received, received_len) ? CSSP_OK
                                                                   : CSSP_ERR_MISMATCH;
    /* MS-CSSP 3.1.5 step 5: binary comparison with the expected echo */
    if ((want = malloc(spk_len)) == NULL)
        return CSSP_ERR_NOMEM;
    cssp_binding_legacy_echo(spk, spk_len, want);
    if (!cssp_ct_equal(want, spk_len, received, received_len))
        st = CSSP_ERR_MISMATCH;
    free(want);
    return st;
}
