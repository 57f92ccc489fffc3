/*
 * Helpers shared by the codecs on OpenSSL's ASN.1 templates
 * (credssp_asn1.c, spnego_asn1.c): one DER element in and out with the
 * decoder rules of credssp_asn1.h, and cssp_octets <-> OCTET STRING.
 */
#ifndef SSPI_SHIM_CREDSSP_ASN1_INTERNAL_H
#define SSPI_SHIM_CREDSSP_ASN1_INTERNAL_H

#include <openssl/asn1.h>

#include "credssp_asn1.h"

/* Exactly one DER element of type it from der[0..len): strict DER, no
 * trailing bytes, at most CSSP_MAX_DER_LEN. */
enum cssp_status cssp_from_der(const unsigned char *der, size_t len, const ASN1_ITEM *it,
                               ASN1_VALUE **out);
/* One value to a malloc'ed DER buffer. */
enum cssp_status cssp_to_der(const ASN1_VALUE *val, const ASN1_ITEM *it, unsigned char **der,
                             size_t *der_len);
/* An absent optional field stays NULL; a required one without data
 * becomes an empty OCTET STRING. */
enum cssp_status cssp_oct_to_asn1(const cssp_octets *src, int required,
                                  ASN1_OCTET_STRING **dst);
/* NULL stays absent; a present field gets data != NULL. */
enum cssp_status cssp_oct_from_asn1(const ASN1_OCTET_STRING *src, cssp_octets *dst);

#endif
