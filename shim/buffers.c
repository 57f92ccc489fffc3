/*
 * SecBufferDesc rules shared by the context and message calls.
 */
#include "config.h"

#include <malloc.h>
#include <stdlib.h>
#include <string.h>

#include "shim_internal.h"

/* A descriptor never legitimately holds more than a handful of buffers;
 * the cap keeps a hostile cBuffers from making us walk wild memory. */
#define MAX_BUFFERS 64u

SECURITY_STATUS shim_check_desc(const SecBufferDesc *desc)
{
    if (desc == NULL)
        return SEC_E_OK;
    if (desc->ulVersion != SECBUFFER_VERSION)
        return SEC_E_INVALID_TOKEN;
    if (desc->cBuffers > MAX_BUFFERS || (desc->cBuffers > 0 && desc->pBuffers == NULL))
        return SEC_E_INVALID_TOKEN;
    return SEC_E_OK;
}

SecBuffer *shim_find_buffer(PSecBufferDesc desc, ULONG type)
{
    if (desc == NULL || desc->pBuffers == NULL)
        return NULL;
    for (ULONG i = 0; i < desc->cBuffers && i < MAX_BUFFERS; i++)
        if ((desc->pBuffers[i].BufferType & ~SECBUFFER_ATTRMASK) == type)
            return &desc->pBuffers[i];
    return NULL;
}

SECURITY_STATUS shim_put_token(PSecBufferDesc out, const gss_buffer_desc *token, bool allocate)
{
    SecBuffer *buf = shim_find_buffer(out, SECBUFFER_TOKEN);
    size_t len = token != NULL ? token->length : 0;

    if (buf == NULL)
        return len == 0 ? SEC_E_OK : SEC_E_INVALID_TOKEN;
    if (len > UINT32_MAX)
        return SEC_E_INSUFFICIENT_MEMORY;
    if (allocate) {
        void *mem = NULL;
        if (len > 0) {
            mem = malloc(len);
            if (mem == NULL)
                return SEC_E_INSUFFICIENT_MEMORY;
            memcpy(mem, token->value, len);
        }
        buf->pvBuffer = mem;
        buf->cbBuffer = (ULONG)len;
        return SEC_E_OK;
    }
    if (len > 0 && (buf->pvBuffer == NULL || buf->cbBuffer < len))
        return SEC_E_BUFFER_TOO_SMALL;
    if (len > 0)
        memcpy(buf->pvBuffer, token->value, len);
    buf->cbBuffer = (ULONG)len;
    return SEC_E_OK;
}

SSPI_API SECURITY_STATUS SEC_ENTRY FreeContextBuffer(PVOID pvContextBuffer)
{
    /* Everything the shim hands out is one malloc'd block, some of them
     * keys (SECPKG_ATTR_SESSION_KEY): the caller does not say the size,
     * the allocator knows it, so every block is wiped before it goes. */
    if (pvContextBuffer != NULL)
        explicit_bzero(pvContextBuffer, malloc_usable_size(pvContextBuffer));
    free(pvContextBuffer);
    return SEC_E_OK;
}
