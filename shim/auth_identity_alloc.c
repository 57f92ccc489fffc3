/*
 * The allocations the auth-identity helpers hand out (identities, strings,
 * marshaled bytes).  Windows frees them all with LocalFree behind
 * SspiFreeAuthIdentity / SspiLocalFree, which accept any of them; here each
 * carries a hidden header and sits in a registry, so those functions know
 * its size (to wipe all of it, passwords included) and can tell a pointer
 * that is not ours, which they leave alone rather than free with the wrong
 * allocator.  The header also keeps the nonce of an encrypted identity.
 */
#include "config.h"

#include <pthread.h>
#include <stdalign.h>
#include <stdlib.h>
#include <string.h>

#include "auth_identity.h"

#define AI_MAGIC 0x41757468u    /* "Auth" */

struct ai_block {
    struct ai_block *next, *prev;
    size_t size;
    uint32_t magic;
    enum ai_kind kind;
    uint8_t iv[AI_IV_SIZE];
    alignas(max_align_t) unsigned char data[];
};

static pthread_mutex_t registry_lock = PTHREAD_MUTEX_INITIALIZER;
static struct ai_block *registry;

void *ai_alloc(size_t size, enum ai_kind kind)
{
    if (size > SIZE_MAX - sizeof(struct ai_block))
        return NULL;
    struct ai_block *b = calloc(1, sizeof(*b) + size);
    if (b == NULL)
        return NULL;
    b->size = size;
    b->magic = AI_MAGIC;
    b->kind = kind;
    pthread_mutex_lock(&registry_lock);
    b->next = registry;
    if (registry != NULL)
        registry->prev = b;
    registry = b;
    pthread_mutex_unlock(&registry_lock);
    return b->data;
}

/* Caller holds registry_lock.  A walk, not pointer arithmetic on p: the
 * caller's own structures must never be read outside their bounds. */
static struct ai_block *find_locked(const void *p)
{
    for (struct ai_block *b = registry; b != NULL; b = b->next)
        if ((const void *)b->data == p && b->magic == AI_MAGIC)
            return b;
    return NULL;
}

bool ai_lookup(const void *p, size_t *size, enum ai_kind *kind, uint8_t iv[AI_IV_SIZE])
{
    if (p == NULL)
        return false;
    pthread_mutex_lock(&registry_lock);
    struct ai_block *b = find_locked(p);
    if (b != NULL) {
        if (size != NULL)
            *size = b->size;
        if (kind != NULL)
            *kind = b->kind;
        if (iv != NULL)
            memcpy(iv, b->iv, AI_IV_SIZE);
    }
    pthread_mutex_unlock(&registry_lock);
    return b != NULL;
}

bool ai_set_iv(const void *p, const uint8_t iv[AI_IV_SIZE])
{
    pthread_mutex_lock(&registry_lock);
    struct ai_block *b = find_locked(p);
    if (b != NULL)
        memcpy(b->iv, iv, AI_IV_SIZE);
    pthread_mutex_unlock(&registry_lock);
    return b != NULL;
}

bool ai_release(void *p)
{
    if (p == NULL)
        return false;
    pthread_mutex_lock(&registry_lock);
    struct ai_block *b = find_locked(p);
    if (b != NULL) {
        if (b->prev != NULL)
            b->prev->next = b->next;
        else
            registry = b->next;
        if (b->next != NULL)
            b->next->prev = b->prev;
    }
    pthread_mutex_unlock(&registry_lock);
    if (b == NULL)
        return false;
    explicit_bzero(b, sizeof(*b) + b->size);
    free(b);
    return true;
}
