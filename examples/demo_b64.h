/*
 * demo_b64: base64 (RFC 4648 section 4) of SSPI tokens in HTTP headers.
 */
#ifndef SSPI_SHIM_DEMO_B64_H
#define SSPI_SHIM_DEMO_B64_H

#include <stddef.h>

/* With padding.  Returns a malloc'd NUL-terminated string, or NULL when
 * out of memory. */
char *demo_b64_encode(const unsigned char *in, size_t len);

/* Strict decoding: the length a multiple of 4, '=' only as the last one or
 * two characters, no other characters, unused bits zero, at most max
 * output bytes.  Returns 0 and a malloc'd buffer (which may be empty; free
 * it with free()), or -1. */
int demo_b64_decode(const char *in, size_t len, size_t max, unsigned char **out,
                    size_t *out_len);

#endif /* SSPI_SHIM_DEMO_B64_H */
