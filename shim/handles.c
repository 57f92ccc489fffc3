/*
 * Handle table for CredHandle and CtxtHandle.
 *
 * A SecHandle is { dwLower = slot index + 1, dwUpper = tag }, where the tag
 * packs the handle kind and a per-slot generation.  Freeing a handle bumps
 * the generation, so a stale copy stops matching; a zeroed handle has
 * index 0, which is never used.  Slots live in chunks that are allocated
 * once and never moved or freed, so a lookup is two atomic loads and no
 * lock: different contexts can be used from different threads without a
 * global bottleneck.  Only creating and freeing handles takes a mutex.
 *
 * Using a handle in one thread while another thread frees it is invalid
 * use, as on Windows; the generation check makes it fail cleanly in the
 * common case but cannot make it safe.
 */
#include "config.h"

#include <stdlib.h>

#include "shim_internal.h"

#define CHUNK_SLOTS 1024u
#define MAX_CHUNKS 4096u            /* 4 Mi live handles */
#define KIND_SHIFT 56
#define GEN_MASK ((UINT64_C(1) << KIND_SHIFT) - 1)

struct slot {
    _Atomic uint64_t tag;           /* 0 = free */
    void *_Atomic object;
    uint32_t next_free;             /* index + 1 of the next free slot */
    uint64_t generation;            /* last generation used (under lock) */
};

static struct slot *_Atomic chunks[MAX_CHUNKS];
static pthread_mutex_t table_lock = PTHREAD_MUTEX_INITIALIZER;
static uint32_t free_head;          /* index + 1, 0 = empty */
static uint32_t slots_used;         /* slots ever handed out */

static struct slot *slot_at(uint32_t index)
{
    uint32_t chunk = index / CHUNK_SLOTS;
    if (chunk >= MAX_CHUNKS)
        return NULL;
    struct slot *base = atomic_load_explicit(&chunks[chunk], memory_order_acquire);
    return base ? &base[index % CHUNK_SLOTS] : NULL;
}

SECURITY_STATUS shim_handle_new(enum shim_handle_kind kind, void *object, SecHandle *out)
{
    uint32_t index;
    struct slot *s;

    pthread_mutex_lock(&table_lock);
    if (free_head != 0) {
        index = free_head - 1;
        s = slot_at(index);
        free_head = s->next_free;
    } else {
        index = slots_used + 1;     /* index 0 stays unused: zeroed handles */
        uint32_t chunk = index / CHUNK_SLOTS;
        if (chunk >= MAX_CHUNKS) {
            pthread_mutex_unlock(&table_lock);
            return SEC_E_INSUFFICIENT_MEMORY;
        }
        if (atomic_load_explicit(&chunks[chunk], memory_order_relaxed) == NULL) {
            struct slot *base = calloc(CHUNK_SLOTS, sizeof(*base));
            if (base == NULL) {
                pthread_mutex_unlock(&table_lock);
                return SEC_E_INSUFFICIENT_MEMORY;
            }
            atomic_store_explicit(&chunks[chunk], base, memory_order_release);
        }
        slots_used = index;
        s = slot_at(index);
    }
    s->generation = (s->generation + 1) & GEN_MASK;
    if (s->generation == 0)
        s->generation = 1;
    uint64_t tag = ((uint64_t)kind << KIND_SHIFT) | s->generation;
    atomic_store_explicit(&s->object, object, memory_order_relaxed);
    atomic_store_explicit(&s->tag, tag, memory_order_release);
    pthread_mutex_unlock(&table_lock);

    out->dwLower = (ULONG_PTR)index + 1;
    out->dwUpper = (ULONG_PTR)tag;
    return SEC_E_OK;
}

static struct slot *slot_for(const SecHandle *handle, enum shim_handle_kind kind)
{
    if (handle == NULL || handle->dwLower == 0 || handle->dwLower > UINT32_MAX)
        return NULL;
    if (((uint64_t)handle->dwUpper >> KIND_SHIFT) != (uint64_t)kind)
        return NULL;
    return slot_at((uint32_t)(handle->dwLower - 1));
}

void *shim_handle_get(const SecHandle *handle, enum shim_handle_kind kind)
{
    struct slot *s = slot_for(handle, kind);
    if (s == NULL)
        return NULL;
    if (atomic_load_explicit(&s->tag, memory_order_acquire) != (uint64_t)handle->dwUpper)
        return NULL;
    return atomic_load_explicit(&s->object, memory_order_relaxed);
}

void *shim_handle_take(const SecHandle *handle, enum shim_handle_kind kind)
{
    struct slot *s = slot_for(handle, kind);
    void *object = NULL;

    if (s == NULL)
        return NULL;
    pthread_mutex_lock(&table_lock);
    if (atomic_load_explicit(&s->tag, memory_order_relaxed) == (uint64_t)handle->dwUpper) {
        object = atomic_load_explicit(&s->object, memory_order_relaxed);
        atomic_store_explicit(&s->tag, 0, memory_order_release);
        atomic_store_explicit(&s->object, NULL, memory_order_relaxed);
        s->next_free = free_head;
        free_head = (uint32_t)handle->dwLower;
    }
    pthread_mutex_unlock(&table_lock);
    return object;
}
