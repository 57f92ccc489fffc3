/*
 * What shim/messages.c shares with shim/attributes.c: the sizes of this
 * context's message tokens and its session key, computed from the GSS
 * mechanism.
 */
#ifndef SSPI_SHIM_MESSAGES_H
#define SSPI_SHIM_MESSAGES_H

#include <stddef.h>
#include <stdint.h>

#include "shim_internal.h"

/*
 * SecPkgContext_Sizes of an established context, measured once through
 * the GSS library without using up a sequence number (a gss_get_mic or
 * gss_wrap call would: the peer would then see a gap):
 *   cbMaxSignature    the MIC token MakeSignature writes into SECBUFFER_TOKEN;
 *   cbSecurityTrailer the SECBUFFER_TOKEN EncryptMessage needs: the whole
 *                     RFC 4121 wrap token header with the trailer rotated
 *                     into it (RFC 4121 4.2.5, RRC), as Windows lays it out;
 *   cbBlockSize       the padding block (1: RFC 4121 enctypes pad nothing).
 * Safe to call from several threads on one context.
 */
SHIM_LOCAL SECURITY_STATUS shim_message_sizes(struct shim_context *ctx,
                                              SecPkgContext_Sizes *out);

/* SecPkgContext_StreamSizes consistent with shim_message_sizes: the
 * TOKEN goes before the data (cbHeader), padding after it (cbTrailer). */
SHIM_LOCAL SECURITY_STATUS shim_message_stream_sizes(struct shim_context *ctx,
                                                     SecPkgContext_StreamSizes *out);

/*
 * The key that protects this context's messages (the acceptor subkey, else
 * the initiator subkey, else the ticket session key: GSS-API's "token key",
 * the same on both sides) and its RFC 3961 enctype number (0 when the GSS
 * library cannot tell; enctype NULL: not wanted, which on Heimdal spares
 * a gsskrb5_get_subkey call).  *key is malloc'd; wipe it with
 * explicit_bzero before freeing.
 */
SHIM_LOCAL SECURITY_STATUS shim_session_key(struct shim_context *ctx, unsigned char **key,
                                            size_t *key_len, int32_t *enctype);

#endif
