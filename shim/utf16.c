/*
 * UTF-16 <-> UTF-8 for the W entry points.  Strict both ways: unpaired
 * surrogates, overlong forms and code points above U+10FFFF are rejected
 * with SEC_E_INVALID_PARAMETER rather than passed on mangled (RFC 3629,
 * RFC 2781).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "shim_internal.h"

size_t shim_utf16_len(const SEC_WCHAR *s)
{
    size_t n = 0;
    while (s[n] != 0)
        n++;
    return n;
}

SECURITY_STATUS shim_utf16_to_utf8(const SEC_WCHAR *s, size_t len, char **out)
{
    *out = NULL;
    if (s == NULL)
        return SEC_E_INVALID_PARAMETER;
    if (len == (size_t)-1)
        len = shim_utf16_len(s);
    if (len > SIZE_MAX / 3 - 1)
        return SEC_E_INSUFFICIENT_MEMORY;

    char *buf = malloc(len * 3 + 1);    /* a BMP unit is at most 3 bytes */
    if (buf == NULL)
        return SEC_E_INSUFFICIENT_MEMORY;
    size_t o = 0;
    for (size_t i = 0; i < len; i++) {
        uint32_t c = s[i];
        if (c >= 0xD800 && c <= 0xDBFF) {
            if (i + 1 >= len || s[i + 1] < 0xDC00 || s[i + 1] > 0xDFFF)
                goto bad;
            c = 0x10000 + ((c - 0xD800) << 10) + (s[i + 1] - 0xDC00u);
            i++;
        } else if (c >= 0xDC00 && c <= 0xDFFF) {
            goto bad;
        }
        if (c < 0x80) {
            buf[o++] = (char)c;
        } else if (c < 0x800) {
            buf[o++] = (char)(0xC0 | (c >> 6));
            buf[o++] = (char)(0x80 | (c & 0x3F));
        } else if (c < 0x10000) {
            buf[o++] = (char)(0xE0 | (c >> 12));
            buf[o++] = (char)(0x80 | ((c >> 6) & 0x3F));
            buf[o++] = (char)(0x80 | (c & 0x3F));
        } else {                        /* a pair: 2 units in, 4 bytes out */
            buf[o++] = (char)(0xF0 | (c >> 18));
            buf[o++] = (char)(0x80 | ((c >> 12) & 0x3F));
            buf[o++] = (char)(0x80 | ((c >> 6) & 0x3F));
            buf[o++] = (char)(0x80 | (c & 0x3F));
        }
    }
    buf[o] = '\0';
    *out = buf;
    return SEC_E_OK;
bad:
    free(buf);
    return SEC_E_INVALID_PARAMETER;
}

/* Decodes one UTF-8 sequence at p; returns its length, 0 if invalid. */
static size_t utf8_decode(const unsigned char *p, uint32_t *cp)
{
    if (p[0] < 0x80) {
        *cp = p[0];
        return 1;
    }
    size_t n;
    uint32_t c, min;
    if ((p[0] & 0xE0) == 0xC0) {
        n = 2; c = p[0] & 0x1F; min = 0x80;
    } else if ((p[0] & 0xF0) == 0xE0) {
        n = 3; c = p[0] & 0x0F; min = 0x800;
    } else if ((p[0] & 0xF8) == 0xF0) {
        n = 4; c = p[0] & 0x07; min = 0x10000;
    } else {
        return 0;
    }
    for (size_t i = 1; i < n; i++) {
        if ((p[i] & 0xC0) != 0x80)      /* also stops at the NUL */
            return 0;
        c = (c << 6) | (p[i] & 0x3F);
    }
    if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
        return 0;
    *cp = c;
    return n;
}

SECURITY_STATUS shim_utf8_to_utf16(const char *s, SEC_WCHAR **out, size_t *out_len)
{
    *out = NULL;
    if (s == NULL)
        return SEC_E_INVALID_PARAMETER;
    size_t len = strlen(s);
    /* Each UTF-8 byte yields at most one UTF-16 unit. */
    SEC_WCHAR *buf = malloc((len + 1) * sizeof(SEC_WCHAR));
    if (buf == NULL)
        return SEC_E_INSUFFICIENT_MEMORY;
    const unsigned char *p = (const unsigned char *)s;
    size_t o = 0;
    while (*p) {
        uint32_t c;
        size_t n = utf8_decode(p, &c);
        if (n == 0) {
            free(buf);
            return SEC_E_INVALID_PARAMETER;
        }
        p += n;
        if (c >= 0x10000) {
            c -= 0x10000;
            buf[o++] = (SEC_WCHAR)(0xD800 + (c >> 10));
            buf[o++] = (SEC_WCHAR)(0xDC00 + (c & 0x3FF));
        } else {
            buf[o++] = (SEC_WCHAR)c;
        }
    }
    buf[o] = 0;
    *out = buf;
    if (out_len)
        *out_len = o;
    return SEC_E_OK;
}
