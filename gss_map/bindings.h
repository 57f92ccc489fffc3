/*
 * SEC_CHANNEL_BINDINGS <-> gss_channel_bindings_struct.
 *
 * A SECBUFFER_CHANNEL_BINDINGS buffer holds a SEC_CHANNEL_BINDINGS header
 * (8 ULONGs) followed by the data its offsets point at, offsets counted
 * from the start of the header.  GSS-API's struct (RFC 2744 3.11) carries
 * the same three parts as pointers.  Both directions are pure; parsing
 * reads untrusted bytes and checks every offset and length.
 */
#ifndef SSPI_SHIM_GSS_MAP_BINDINGS_H
#define SSPI_SHIM_GSS_MAP_BINDINGS_H

#include <stddef.h>
#include <gssapi/gssapi.h>

#include "sspi.h"

/*
 * Fills *out with pointers into buf (no copy).  Returns 0, or EINVAL when
 * the buffer is shorter than the header or an offset/length pair points
 * outside it.  Address types are passed through as GSS address types
 * (both use the RFC 2744 GSS_C_AF_* numbering).
 */
int gssmap_channel_bindings(const void *buf, size_t len, struct gss_channel_bindings_struct *out);

/*
 * Packs application data into a new SEC_CHANNEL_BINDINGS block (header +
 * data, no addresses), malloc'd in one piece.  *block_len gets its size.
 * Returns 0, EINVAL or ENOMEM.
 */
int gssmap_pack_channel_bindings(const void *application_data, size_t len,
                                 SEC_CHANNEL_BINDINGS **block, size_t *block_len);

#endif
