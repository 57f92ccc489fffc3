/*
 * TLS for CredSSP through OpenSSL memory BIOs ([MS-CSSP] 3.1.5 step 1):
 * the server has a certificate, the client none; no session resumption
 * (no tickets, no session cache), since each CredSSP exchange binds its
 * own handshake's server key.  The client does not verify the certificate
 * against a trust store: CredSSP authenticates the server key through the
 * inner context (pubKeyAuth), which is what ISC_REQ_MANUAL_CRED_VALIDATION,
 * "always set" for CredSSP, says.
 *
 * Cipher suites are TLS 1.2 AEAD suites and TLS 1.3's: their record
 * overhead is fixed, so EncryptMessage's STREAM_HEADER and STREAM_TRAILER
 * have exact sizes (cs_stream_sizes).
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>

#include "credssp_gss.h"
#include "shim_config.h"

#define TLS12_CIPHERS "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:" \
                      "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"  \
                      "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305:"  \
                      "DHE-RSA-AES256-GCM-SHA384:DHE-RSA-AES128-GCM-SHA256:"        \
                      "AES256-GCM-SHA384:AES128-GCM-SHA256"

static int common_setup(SSL_CTX *ctx)
{
    SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
    /* CLEANSE_PLAINTEXT: OpenSSL wipes the decrypted records it buffered
     * (messages, TSRequests) before it frees or reuses the buffer. */
    SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET | SSL_OP_NO_COMPRESSION |
                                 SSL_OP_NO_RENEGOTIATION | SSL_OP_CLEANSE_PLAINTEXT);
    SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
    SSL_CTX_set_num_tickets(ctx, 0);
    /* Whole records only: SSL_write of a message never returns a part. */
    SSL_CTX_set_mode(ctx, SSL_MODE_AUTO_RETRY);
    return SSL_CTX_set_cipher_list(ctx, TLS12_CIPHERS);
}

/* ------------------------------------------------------------- client */

static SSL_CTX *client_ctx;
static pthread_once_t client_once = PTHREAD_ONCE_INIT;

static void client_ctx_make(void)
{
    SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
    if (ctx == NULL)
        return;
    if (!common_setup(ctx)) {
        SSL_CTX_free(ctx);
        return;
    }
    SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
    client_ctx = ctx;
}

OM_uint32 cs_tls_client_ctx(OM_uint32 *minor, SSL_CTX **out)
{
    pthread_once(&client_once, client_ctx_make);
    if (client_ctx == NULL)
        return cs_minor(minor, GSS_S_FAILURE, GSS_SSPI_SHIM_CREDSSP_S_TLS);
    *out = client_ctx;
    return GSS_S_COMPLETE;
}

/* ------------------------------------------------------------- server */

/* A self-signed RSA certificate for this host, made once per process (as
 * an RDP server makes one when it is given none). */
static EVP_PKEY *self_key;
static X509 *self_cert;
static pthread_once_t self_once = PTHREAD_ONCE_INIT;

static void self_signed_make(void)
{
    char host[256];
    EVP_PKEY *key = EVP_RSA_gen(2048);
    X509 *cert = X509_new();
    X509_NAME *subject;
    unsigned char serial[16];
    BIGNUM *bn = NULL;

    if (gethostname(host, sizeof(host)) != 0 || host[0] == '\0')
        strcpy(host, "localhost");
    host[sizeof(host) - 1] = '\0';
    if (key == NULL || cert == NULL || RAND_bytes(serial, sizeof(serial)) != 1)
        goto fail;
    serial[0] &= 0x7f;
    if ((bn = BN_bin2bn(serial, sizeof(serial), NULL)) == NULL ||
        BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(cert)) == NULL)
        goto fail;
    X509_set_version(cert, 2);
    X509_gmtime_adj(X509_getm_notBefore(cert), -3600);
    X509_gmtime_adj(X509_getm_notAfter(cert), 365L * 24 * 3600);
    subject = X509_get_subject_name(cert);
    X509_NAME_add_entry_by_txt(subject, "CN", MBSTRING_UTF8, (unsigned char *)host, -1, -1, 0);
    X509_set_issuer_name(cert, subject);
    if (!X509_set_pubkey(cert, key) || !X509_sign(cert, key, EVP_sha256()))
        goto fail;
    BN_free(bn);
    self_key = key;
    self_cert = cert;
    return;
fail:
    BN_free(bn);
    EVP_PKEY_free(key);
    X509_free(cert);
}

static SSL_CTX *server_ctx_new(void)
{
    SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
    if (ctx != NULL && !common_setup(ctx)) {
        SSL_CTX_free(ctx);
        return NULL;
    }
    return ctx;
}

static OM_uint32 load_files(OM_uint32 *minor, SSL_CTX *ctx, const char *cert, const char *key)
{
    if (SSL_CTX_use_certificate_chain_file(ctx, cert) != 1 ||
        SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) != 1 ||
        SSL_CTX_check_private_key(ctx) != 1) {
        ERR_clear_error();
        return cs_minor(minor, GSS_S_NO_CRED, GSS_SSPI_SHIM_CREDSSP_S_CERT);
    }
    return GSS_S_COMPLETE;
}

OM_uint32 cs_tls_server_ctx(OM_uint32 *minor, struct cs_cred *c, SSL_CTX **out)
{
    OM_uint32 major = GSS_S_COMPLETE;
    char cert_setting[SHIM_SETTING_MAX], key_setting[SHIM_SETTING_MAX];
    const char *cert, *key;

    pthread_mutex_lock(&c->lock);
    if (c->server_ctx != NULL) {
        *out = c->server_ctx;
        pthread_mutex_unlock(&c->lock);
        return GSS_S_COMPLETE;
    }
    cert = c->cert_file ? c->cert_file
                        : shim_setting("SSPI_SHIM_CREDSSP_CERT", "credssp", "certificate", cert_setting);
    key = c->key_file ? c->key_file
                      : shim_setting("SSPI_SHIM_CREDSSP_KEY", "credssp", "private_key", key_setting);
    if (cert != NULL && *cert == '\0')
        cert = NULL;
    if (key == NULL || *key == '\0')
        key = cert; /* one PEM file may hold both */
    SSL_CTX *ctx = server_ctx_new();
    if (ctx == NULL) {
        major = cs_minor(minor, GSS_S_FAILURE, GSS_SSPI_SHIM_CREDSSP_S_TLS);
    } else if (cert != NULL) {
        major = load_files(minor, ctx, cert, key);
    } else {
        pthread_once(&self_once, self_signed_make);
        if (self_cert == NULL || SSL_CTX_use_certificate(ctx, self_cert) != 1 ||
            SSL_CTX_use_PrivateKey(ctx, self_key) != 1)
            major = cs_minor(minor, GSS_S_FAILURE, GSS_SSPI_SHIM_CREDSSP_S_CERT);
    }
    if (major == GSS_S_COMPLETE) {
        c->server_ctx = ctx;
        *out = ctx;
    } else {
        SSL_CTX_free(ctx);
    }
    pthread_mutex_unlock(&c->lock);
    return major;
}

/* ------------------------------------------------------------- records */

OM_uint32 cs_tls_drain(OM_uint32 *minor, BIO *wbio, gss_buffer_t out)
{
    char *data;
    long n = BIO_get_mem_data(wbio, &data);
    out->value = NULL;
    out->length = 0;
    if (n <= 0)
        return GSS_S_COMPLETE;
    OM_uint32 major = cs_set_buffer(minor, out, data, (size_t)n);
    (void)BIO_reset(wbio);
    return major;
}
