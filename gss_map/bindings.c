#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bindings.h"

/* The part [offset, offset + length) lies inside a buffer of len bytes. */
static int part(const unsigned char *base, size_t len, ULONG offset, ULONG length,
                gss_buffer_desc *out)
{
    if (length == 0) {
        out->length = 0;
        out->value = NULL;
        return 0;
    }
    if ((size_t)offset > len || (size_t)length > len - (size_t)offset)
        return EINVAL;
    out->length = length;
    out->value = (void *)(base + offset);
    return 0;
}

int gssmap_channel_bindings(const void *buf, size_t len, struct gss_channel_bindings_struct *out)
{
    SEC_CHANNEL_BINDINGS h;
    if (buf == NULL || len < sizeof(h))
        return EINVAL;
    memcpy(&h, buf, sizeof(h));         /* the caller's buffer may be unaligned */
    const unsigned char *base = buf;
    memset(out, 0, sizeof(*out));
    out->initiator_addrtype = h.dwInitiatorAddrType;
    out->acceptor_addrtype = h.dwAcceptorAddrType;
    if (part(base, len, h.dwInitiatorOffset, h.cbInitiatorLength, &out->initiator_address) ||
        part(base, len, h.dwAcceptorOffset, h.cbAcceptorLength, &out->acceptor_address) ||
        part(base, len, h.dwApplicationDataOffset, h.cbApplicationDataLength,
             &out->application_data))
        return EINVAL;
    return 0;
}

int gssmap_pack_channel_bindings(const void *application_data, size_t len,
                                 SEC_CHANNEL_BINDINGS **block, size_t *block_len)
{
    *block = NULL;
    if ((application_data == NULL && len > 0) || len > UINT32_MAX - sizeof(SEC_CHANNEL_BINDINGS))
        return EINVAL;
    SEC_CHANNEL_BINDINGS *b = calloc(1, sizeof(*b) + len);
    if (b == NULL)
        return ENOMEM;
    b->cbApplicationDataLength = (ULONG)len;
    b->dwApplicationDataOffset = sizeof(*b);
    if (len > 0)
        memcpy(b + 1, application_data, len);
    *block = b;
    *block_len = sizeof(*b) + len;
    return 0;
}
