#include "config.h"

#include <errno.h>
#include <string.h>

#include "packed_context.h"

#define MAGIC "SSPISHIM"
#define MAGIC_LEN 8
#define FORMAT_VERSION 1
#define FIXED_AFTER_NAME 16         /* req flags, ret flags, started */

static unsigned char *put32(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)(v >> 24);
    p[1] = (unsigned char)(v >> 16);
    p[2] = (unsigned char)(v >> 8);
    p[3] = (unsigned char)v;
    return p + 4;
}

static uint32_t get32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

size_t gssmap_packed_context_size(const struct gssmap_packed_context *ctx)
{
    return MAGIC_LEN + 3 + strlen(ctx->package) + FIXED_AFTER_NAME + ctx->gss_token_len;
}

int gssmap_pack_context(const struct gssmap_packed_context *ctx, unsigned char *out)
{
    size_t name_len = strlen(ctx->package);
    if (name_len == 0 || name_len > GSSMAP_PACKED_MAX_NAME)
        return EINVAL;
    unsigned char *p = out;
    memcpy(p, MAGIC, MAGIC_LEN);
    p += MAGIC_LEN;
    *p++ = FORMAT_VERSION;
    *p++ = ctx->initiator ? 0 : 1;
    *p++ = (unsigned char)name_len;
    memcpy(p, ctx->package, name_len);
    p += name_len;
    p = put32(p, ctx->req_flags);
    p = put32(p, ctx->ret_flags);
    uint64_t started = (uint64_t)ctx->started;
    p = put32(p, (uint32_t)(started >> 32));
    p = put32(p, (uint32_t)started);
    if (ctx->gss_token_len > 0)
        memcpy(p, ctx->gss_token, ctx->gss_token_len);
    return 0;
}

int gssmap_unpack_context(const void *packed, size_t len, struct gssmap_packed_context *out)
{
    const unsigned char *p = packed;
    if (p == NULL || len < MAGIC_LEN + 3 || memcmp(p, MAGIC, MAGIC_LEN) != 0 ||
        p[MAGIC_LEN] != FORMAT_VERSION || p[MAGIC_LEN + 1] > 1)
        return EINVAL;
    size_t name_len = p[MAGIC_LEN + 2];
    size_t fixed = MAGIC_LEN + 3 + name_len + FIXED_AFTER_NAME;
    if (name_len == 0 || name_len > GSSMAP_PACKED_MAX_NAME || len <= fixed)
        return EINVAL;              /* "<=": a context without its GSS token is none */
    memset(out, 0, sizeof(*out));
    out->initiator = p[MAGIC_LEN + 1] == 0;
    memcpy(out->package, p + MAGIC_LEN + 3, name_len);
    out->package[name_len] = '\0';
    if (strlen(out->package) != name_len)
        return EINVAL;              /* an embedded NUL */
    const unsigned char *q = p + MAGIC_LEN + 3 + name_len;
    out->req_flags = get32(q);
    out->ret_flags = get32(q + 4);
    out->started = (int64_t)((uint64_t)get32(q + 8) << 32 | get32(q + 12));
    out->gss_token = p + fixed;
    out->gss_token_len = len - fixed;
    return 0;
}
