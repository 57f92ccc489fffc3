/*
 * Digest parameter tokens (include/gssapi_sspi_shim_digest.h).  Reads
 * untrusted bytes: every length is checked against what remains.
 */
#include "config.h"

#include <string.h>

#include "digest_params.h"
#include "framing.h"

static const uint8_t digest_oid[] = GSS_SSPI_SHIM_DIGEST_MECH_OID_BYTES;
#define DIGEST_OID_LEN GSS_SSPI_SHIM_DIGEST_MECH_OID_LENGTH
#define RECORD_HEADER 5 /* type + 4-byte length */

int gssmap_digest_params_parse_list(const void *data, size_t length,
                                    struct gssmap_digest_params *out)
{
    const uint8_t *p = data;
    size_t off = 1;

    memset(out, 0, sizeof(*out));
    if (p == NULL || length < 1 || length > GSS_SSPI_SHIM_DIGEST_PARAMS_MAX ||
        p[0] != GSS_SSPI_SHIM_DIGEST_PARAMS_VERSION)
        return -1;
    while (off < length) {
        unsigned type;
        uint32_t len;

        if (length - off < RECORD_HEADER)
            return -1;
        type = p[off];
        len = ((uint32_t)p[off + 1] << 24) | ((uint32_t)p[off + 2] << 16) |
              ((uint32_t)p[off + 3] << 8) | p[off + 4];
        off += RECORD_HEADER;
        if (type == 0 || type > GSSMAP_DIGEST_P_MAX_TYPE || (out->present & (1u << type)) ||
            len > length - off)
            return -1;
        out->present |= 1u << type;
        out->value[type].data = p + off;
        out->value[type].length = len;
        off += len;
    }
    return 0;
}

int gssmap_digest_params_parse_token(const void *token, size_t length,
                                     struct gssmap_digest_params *out)
{
    gss_OID_desc oid;
    int framed;

    memset(out, 0, sizeof(*out));
    framed = token != NULL ? gssmap_token_oid(token, length, &oid) : 0;
    if (framed <= 0) {
        /* A bare wire message (a Digest message never starts with 0x60;
         * a truncated frame is taken as bare text and fails to parse as
         * Digest later). */
        out->present = 1u << GSS_SSPI_SHIM_DIGEST_P_WIRE;
        out->value[GSS_SSPI_SHIM_DIGEST_P_WIRE].data = token;
        out->value[GSS_SSPI_SHIM_DIGEST_P_WIRE].length = token != NULL ? length : 0;
        return 0;
    }
    if (oid.length != DIGEST_OID_LEN || memcmp(oid.elements, digest_oid, DIGEST_OID_LEN) != 0)
        return -1;
    {
        const uint8_t *inner = (const uint8_t *)oid.elements + oid.length;
        size_t inner_len = length - (size_t)(inner - (const uint8_t *)token);

        return gssmap_digest_params_parse_list(inner, inner_len, out) == 0 ? 1 : -1;
    }
}

/* DER length octets for n (RFC 2743 3.1 / X.690 8.1.3). */
static size_t der_length_size(size_t n)
{
    size_t bytes = 1;

    if (n < 0x80)
        return 1;
    while (n > 0) {
        bytes++;
        n >>= 8;
    }
    return bytes;
}

static size_t list_size(const struct gssmap_digest_record *records, size_t count)
{
    size_t total = 1;

    for (size_t i = 0; i < count; i++) {
        if (records[i].data == NULL)
            continue;
        if (records[i].length > GSS_SSPI_SHIM_DIGEST_PARAMS_MAX)
            return 0;
        total += RECORD_HEADER + records[i].length;
        if (total > GSS_SSPI_SHIM_DIGEST_PARAMS_MAX)
            return 0;
    }
    return total;
}

size_t gssmap_digest_params_size(const struct gssmap_digest_record *records, size_t count,
                                 int framed)
{
    size_t inner = list_size(records, count);
    size_t body;

    if (inner == 0)
        return 0;
    if (!framed)
        return inner;
    body = 2 + DIGEST_OID_LEN + inner;
    return 1 + der_length_size(body) + body;
}

size_t gssmap_digest_params_write(const struct gssmap_digest_record *records, size_t count,
                                  int framed, void *out, size_t out_size)
{
    size_t need = gssmap_digest_params_size(records, count, framed);
    uint8_t *p = out;
    unsigned seen = 0;

    if (need == 0 || out == NULL || out_size < need)
        return 0;
    if (framed) {
        size_t body = 2 + DIGEST_OID_LEN + list_size(records, count);
        size_t lbytes = der_length_size(body);

        *p++ = 0x60;
        if (lbytes == 1) {
            *p++ = (uint8_t)body;
        } else {
            *p++ = (uint8_t)(0x80 | (lbytes - 1));
            for (size_t i = lbytes - 1; i > 0; i--)
                *p++ = (uint8_t)(body >> (8 * (i - 1)));
        }
        *p++ = 0x06;
        *p++ = DIGEST_OID_LEN;
        memcpy(p, digest_oid, DIGEST_OID_LEN);
        p += DIGEST_OID_LEN;
    }
    *p++ = GSS_SSPI_SHIM_DIGEST_PARAMS_VERSION;
    for (size_t i = 0; i < count; i++) {
        unsigned type = records[i].type;
        uint32_t len = (uint32_t)records[i].length;

        if (records[i].data == NULL)
            continue;
        if (type == 0 || type > GSSMAP_DIGEST_P_MAX_TYPE || (seen & (1u << type)))
            return 0;
        seen |= 1u << type;
        *p++ = (uint8_t)type;
        *p++ = (uint8_t)(len >> 24);
        *p++ = (uint8_t)(len >> 16);
        *p++ = (uint8_t)(len >> 8);
        *p++ = (uint8_t)len;
        if (len > 0)
            memcpy(p, records[i].data, len);
        p += len;
    }
    return (size_t)(p - (uint8_t *)out);
}
