/*
 * demo_b64: base64 (RFC 4648 section 4) for the HTTP examples and the
 * sspi-shim tool, where SSPI tokens travel in Authorization and
 * WWW-Authenticate headers (RFC 4559).
 */
#include "demo_b64.h"

#include <stdint.h>
#include <stdlib.h>

static const char b64_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* RFC 4648 section 4, with padding.  Returns a malloc'd NUL-terminated
 * string, or NULL when out of memory. */
char *demo_b64_encode(const unsigned char *in, size_t len)
{
    size_t out_len = (len + 2) / 3 * 4, i, o = 0;
    char *out;

    if (len > (SIZE_MAX - 1) / 4 * 3 - 2)
        return NULL;
    out = malloc(out_len + 1);
    if (out == NULL)
        return NULL;
    for (i = 0; i + 2 < len; i += 3) {
        uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];
        out[o++] = b64_alphabet[v >> 18];
        out[o++] = b64_alphabet[(v >> 12) & 63];
        out[o++] = b64_alphabet[(v >> 6) & 63];
        out[o++] = b64_alphabet[v & 63];
    }
    if (i < len) {
        uint32_t v = (uint32_t)in[i] << 16 | (i + 1 < len ? (uint32_t)in[i + 1] << 8 : 0);
        out[o++] = b64_alphabet[v >> 18];
        out[o++] = b64_alphabet[(v >> 12) & 63];
        out[o++] = i + 1 < len ? b64_alphabet[(v >> 6) & 63] : '=';
        out[o++] = '=';
    }
    out[o] = '\0';
    return out;
}

static int b64_value(unsigned char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '+')
        return 62;
    if (c == '/')
        return 63;
    return -1;
}

/* Strict RFC 4648 decoding: the length must be a multiple of 4, '=' only
 * as the last one or two characters, no other characters, unused bits zero,
 * and at most max output bytes.  Returns 0 and a malloc'd buffer (which
 * may be empty), or -1. */
int demo_b64_decode(const char *in, size_t len, size_t max, unsigned char **out,
                    size_t *out_len)
{
    size_t i, o = 0, pad = 0;
    unsigned char *buf;

    *out = NULL;
    *out_len = 0;
    if (len % 4 != 0)
        return -1;
    if (len >= 1 && in[len - 1] == '=')
        pad++;
    if (len >= 2 && in[len - 2] == '=')
        pad++;
    if (len / 4 * 3 - pad > max)
        return -1;
    buf = malloc(len / 4 * 3 + 1);
    if (buf == NULL)
        return -1;
    for (i = 0; i < len; i += 4) {
        int v[4], k, last = i + 4 == len;
        uint32_t q;

        for (k = 0; k < 4; k++) {
            unsigned char c = (unsigned char)in[i + k];
            if (c == '=' && last && k >= 4 - (int)pad) {
                v[k] = 0;
                continue;
            }
            v[k] = b64_value(c);
            if (v[k] < 0)
                goto bad;
        }
        q = (uint32_t)v[0] << 18 | (uint32_t)v[1] << 12 | (uint32_t)v[2] << 6 | (uint32_t)v[3];
        if (last && pad == 2 && (q & 0xFFFF) != 0)
            goto bad; /* RFC 4648 3.5: non-zero pad bits */
        if (last && pad == 1 && (q & 0xFF) != 0)
            goto bad;
        buf[o++] = (unsigned char)(q >> 16);
        if (!(last && pad == 2))
            buf[o++] = (unsigned char)(q >> 8);
        if (!(last && pad >= 1))
            buf[o++] = (unsigned char)q;
    }
    *out = buf;
    *out_len = o;
    return 0;
bad:
    free(buf);
    return -1;
}
