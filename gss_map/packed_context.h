/*
 * The packed form of an exported context (ExportSecurityContext), pure
 * and bounds-checked both ways: ImportSecurityContext reads it from
 * wherever the caller got it.
 *
 *   "SSPISHIM" | version (1) | side (0 client, 1 server) | name length |
 *   package name | req flags (4) | ret flags (4) | started (8) | GSS token
 *
 * Integers are big-endian.  The GSS token is gss_export_sec_context's.
 */
#ifndef SSPI_SHIM_GSS_MAP_PACKED_CONTEXT_H
#define SSPI_SHIM_GSS_MAP_PACKED_CONTEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define GSSMAP_PACKED_MAX_NAME 64

struct gssmap_packed_context {
    bool initiator;
    char package[GSSMAP_PACKED_MAX_NAME + 1];
    uint32_t req_flags, ret_flags;
    int64_t started;                /* Unix time */
    const void *gss_token;          /* points into the packed bytes */
    size_t gss_token_len;
};

/* Bytes needed to pack ctx with a GSS token of token_len bytes. */
size_t gssmap_packed_context_size(const struct gssmap_packed_context *ctx);
/* Writes the header then ctx->gss_token into out (gssmap_packed_context_size
 * bytes).  Returns 0, or EINVAL for an empty or overlong package name. */
int gssmap_pack_context(const struct gssmap_packed_context *ctx, unsigned char *out);
/* Parses packed bytes; the token points into them.  Returns 0, or EINVAL
 * for anything that is not a well-formed packed context (wrong magic or
 * version, bad side, name length 0 or over the limit, no GSS token). */
int gssmap_unpack_context(const void *packed, size_t len, struct gssmap_packed_context *out);

#endif
