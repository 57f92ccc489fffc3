/*
 * tls-server-end-point channel bindings (RFC 5929 section 4) from a
 * server certificate, as Windows' Schannel hands them out through
 * QueryContextAttributes(SECPKG_ATTR_ENDPOINT_BINDINGS): a
 * SEC_CHANNEL_BINDINGS block whose application data is
 * "tls-server-end-point:" followed by the certificate hash.
 */
#include "config.h"

#include <string.h>

#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/x509.h>

#include "bindings.h"
#include "shim_internal.h"
#include "sspi_shim.h"

#define PREFIX "tls-server-end-point:"

/* RFC 5929 4.1: the certificate's signature hash, except that MD5 and
 * SHA-1 are replaced by SHA-256. */
static const EVP_MD *end_point_hash(X509 *cert)
{
    int md_nid = NID_undef;
    if (!X509_get_signature_info(cert, &md_nid, NULL, NULL, NULL) || md_nid == NID_undef ||
        md_nid == NID_md5 || md_nid == NID_sha1)
        return EVP_sha256();
    const EVP_MD *md = EVP_get_digestbynid(md_nid);
    return md != NULL ? md : EVP_sha256();
}

SSPI_API SECURITY_STATUS SspiShimTlsServerEndPointBindings(const void *cert_der, ULONG cert_len,
                                                           SecPkgContext_Bindings *out)
{
    if (cert_der == NULL || cert_len == 0 || out == NULL)
        return SEC_E_INVALID_PARAMETER;
    const unsigned char *p = cert_der;
    X509 *cert = d2i_X509(NULL, &p, (long)cert_len);
    if (cert == NULL || p != (const unsigned char *)cert_der + cert_len) {
        X509_free(cert);
        return shim_fail(SEC_E_INVALID_PARAMETER, "not one DER-encoded X.509 certificate");
    }
    unsigned char data[sizeof(PREFIX) - 1 + EVP_MAX_MD_SIZE];
    unsigned int hash_len = 0;
    memcpy(data, PREFIX, sizeof(PREFIX) - 1);
    int ok = X509_digest(cert, end_point_hash(cert), data + sizeof(PREFIX) - 1, &hash_len);
    X509_free(cert);
    if (!ok)
        return shim_fail(SEC_E_INTERNAL_ERROR, "cannot hash the certificate");

    SEC_CHANNEL_BINDINGS *block;
    size_t block_len;
    if (gssmap_pack_channel_bindings(data, sizeof(PREFIX) - 1 + hash_len, &block, &block_len) != 0)
        return SEC_E_INSUFFICIENT_MEMORY;
    out->BindingsLength = (ULONG)block_len;
    out->Bindings = block;
    return SEC_E_OK;
}
