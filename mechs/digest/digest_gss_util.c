/*
 * Small helpers shared by the mechanism's files: status, strings, buffers
 * handed to mechglue (malloc'ed), cnonces, and context release.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "digest_gss.h"

OM_uint32 dg_minor(OM_uint32 *minor, OM_uint32 major, OM_uint32 code)
{
    if (minor)
        *minor = code;
    return major;
}

char *dg_strndup(const void *data, size_t len)
{
    char *s = malloc(len + 1);
    if (!s)
        return NULL;
    if (len)
        memcpy(s, data, len);
    s[len] = '\0';
    return s;
}

char *dg_param_str(const struct gssmap_digest_params *p, unsigned type)
{
    if (!gssmap_digest_param_has(p, type) || memchr(p->value[type].data, '\0', p->value[type].length))
        return NULL;
    return dg_strndup(p->value[type].data, p->value[type].length);
}

OM_uint32 dg_set_token(OM_uint32 *minor, gss_buffer_t out, const char *data, size_t len)
{
    out->value = NULL;
    out->length = 0;
    if (len == 0)
        return dg_minor(minor, GSS_S_COMPLETE, 0);
    out->value = malloc(len);
    if (!out->value)
        return dg_minor(minor, GSS_S_FAILURE, ENOMEM);
    memcpy(out->value, data, len);
    out->length = len;
    return dg_minor(minor, GSS_S_COMPLETE, 0);
}

/* RFC 7616 3.4 / RFC 2831 2.1.2: a random cnonce, 128 bits in hex. */
int dg_random_cnonce(char out[33])
{
    unsigned char r[16];
    size_t i;
    if (RAND_bytes(r, sizeof(r)) != 1)
        return -1;
    for (i = 0; i < sizeof(r); i++)
        snprintf(out + 2 * i, 3, "%02x", r[i]);
    return 0;
}

void dg_ctx_free(struct dg_ctx *ctx)
{
    if (!ctx)
        return;
    dg_cred_unref(ctx->cred);
    dg_name_free(ctx->target);
    free(ctx->user);
    free(ctx->realm);
    free(ctx->nonce);
    free(ctx->cnonce);
    free(ctx->username_sent);
    free(ctx->uri);
    free(ctx->opaque);
    free(ctx->method);
    free(ctx->sasl_digest_uri);
    free(ctx->service_name);
    digest_sasl_layer_free(ctx->layer);
    OPENSSL_cleanse(ctx, sizeof(*ctx));
    free(ctx);
}
