/*
 * Handle table for CredHandle and CtxtHandle.
 *
 * A SecHandle is { dwLower = slot index + 1, dwUpper = tag }, where the tag
 * packs the handle kind and a per-slot generation.  Freeing a handle bumps
 * the generation, so a stale copy stops matching; a zeroed handle has
 * index 0, which is never used.  Slots live in chunks that are allocated
 * once and never moved or freed, so a lookup is two atomic loads and no
 * lock: different contexts can be used from different threads without a
 * global bottleneck.  Creating and freeing handles take a per-thread free
 * list's mutex, or none (fresh slots come from an atomic counter).
 *
 * Every public entry point pins the handles it uses for the length of the
 * call (shim_handle_pin): a per-slot count of calls in progress.  Freeing
 * a handle first retires its tag, so no new call can pin it, then waits
 * for the calls already in progress to unpin it; only then does the
 * caller free the object.  So DeleteSecurityContext or
 * FreeCredentialsHandle racing a call on the same handle either makes
 * that call fail with SEC_E_INVALID_HANDLE or waits for it to return;
 * it never frees memory a call is using.
 */
#include "config.h"

#include <sched.h>
#include <stdlib.h>

#include "shim_internal.h"

#define CHUNK_SLOTS 1024u
#define MAX_CHUNKS 4096u            /* 4 Mi live handles */
#define KIND_SHIFT 56
#define GEN_MASK ((UINT64_C(1) << KIND_SHIFT) - 1)
#define FREE_LISTS 16u

struct slot {
    _Atomic uint64_t tag;           /* 0 = free */
    void *_Atomic object;
    uint32_t next_free;             /* index + 1 of the next free slot */
    uint64_t generation;            /* last generation used (owner only) */
    _Atomic uint32_t pins;          /* calls in progress on this slot's object */
};

/* The pins this thread holds, so that a call which frees a handle it has
 * pinned itself (ExportSecurityContext with DELETE_OLD) does not wait for
 * itself. */
#define MAX_THREAD_PINS 8
static _Thread_local struct slot *thread_pins[MAX_THREAD_PINS];
static _Thread_local unsigned thread_pin_count;

/* Freed slots go to one of several free lists, picked per thread, so
 * threads creating and deleting contexts do not queue on one mutex.  A
 * slot is owned by whoever took it off a list (or fresh from the counter)
 * until it is published with its tag. */
struct free_list {
    pthread_mutex_t lock;
    uint32_t head;                  /* index + 1, 0 = empty */
} __attribute__((aligned(64)));

static struct slot *_Atomic chunks[MAX_CHUNKS];
static pthread_mutex_t chunk_lock = PTHREAD_MUTEX_INITIALIZER;
static struct free_list free_lists[FREE_LISTS] = {
    [0 ... FREE_LISTS - 1] = {PTHREAD_MUTEX_INITIALIZER, 0},
};
static atomic_uint next_fresh = 1;  /* index 0 stays unused: zeroed handles */
static atomic_uint next_list;

static struct slot *slot_at(uint32_t index)
{
    uint32_t chunk = index / CHUNK_SLOTS;
    if (chunk >= MAX_CHUNKS)
        return NULL;
    struct slot *base = atomic_load_explicit(&chunks[chunk], memory_order_acquire);
    return base ? &base[index % CHUNK_SLOTS] : NULL;
}

static struct free_list *my_free_list(void)
{
    static _Thread_local struct free_list *mine;
    if (mine == NULL)
        mine = &free_lists[atomic_fetch_add_explicit(&next_list, 1, memory_order_relaxed) %
                           FREE_LISTS];
    return mine;
}

/* A slot nobody uses: from this thread's free list, or a fresh index. */
static struct slot *take_slot(uint32_t *index)
{
    struct free_list *fl = my_free_list();
    pthread_mutex_lock(&fl->lock);
    if (fl->head != 0) {
        *index = fl->head - 1;
        struct slot *s = slot_at(*index);
        fl->head = s->next_free;
        pthread_mutex_unlock(&fl->lock);
        return s;
    }
    pthread_mutex_unlock(&fl->lock);

    *index = atomic_fetch_add_explicit(&next_fresh, 1, memory_order_relaxed);
    uint32_t chunk = *index / CHUNK_SLOTS;
    if (chunk >= MAX_CHUNKS)
        return NULL;
    if (atomic_load_explicit(&chunks[chunk], memory_order_acquire) == NULL) {
        pthread_mutex_lock(&chunk_lock);
        if (atomic_load_explicit(&chunks[chunk], memory_order_relaxed) == NULL) {
            struct slot *base = calloc(CHUNK_SLOTS, sizeof(*base));
            if (base == NULL) {
                pthread_mutex_unlock(&chunk_lock);
                return NULL;        /* this index is lost; memory is short anyway */
            }
            atomic_store_explicit(&chunks[chunk], base, memory_order_release);
        }
        pthread_mutex_unlock(&chunk_lock);
    }
    return slot_at(*index);
}

SECURITY_STATUS shim_handle_new(enum shim_handle_kind kind, void *object, SecHandle *out)
{
    uint32_t index;
    struct slot *s = take_slot(&index);
    if (s == NULL)
        return SEC_E_INSUFFICIENT_MEMORY;
    s->generation = (s->generation + 1) & GEN_MASK;
    if (s->generation == 0)
        s->generation = 1;
    uint64_t tag = ((uint64_t)kind << KIND_SHIFT) | s->generation;
    atomic_store_explicit(&s->object, object, memory_order_relaxed);
    atomic_store_explicit(&s->tag, tag, memory_order_release);
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

void *shim_handle_pin(const SecHandle *handle, enum shim_handle_kind kind)
{
    struct slot *s = slot_for(handle, kind);
    if (s == NULL || thread_pin_count == MAX_THREAD_PINS)
        return NULL;
    /* Sequentially consistent with the tag exchange in shim_handle_take:
     * either that exchange comes first and this load sees the retired
     * tag, or this pin comes first and the taker waits for it. */
    atomic_fetch_add(&s->pins, 1);
    if (atomic_load(&s->tag) != (uint64_t)handle->dwUpper) {
        atomic_fetch_sub(&s->pins, 1);
        return NULL;
    }
    thread_pins[thread_pin_count++] = s;
    return s;
}

void shim_handle_unpin(void *pin)
{
    struct slot *s = pin;
    if (s == NULL)
        return;
    for (unsigned i = thread_pin_count; i-- > 0;) {
        if (thread_pins[i] == s) {
            thread_pins[i] = thread_pins[--thread_pin_count];
            break;
        }
    }
    atomic_fetch_sub(&s->pins, 1);
}

void *shim_handle_take(const SecHandle *handle, enum shim_handle_kind kind)
{
    struct slot *s = slot_for(handle, kind);
    if (s == NULL)
        return NULL;
    /* Exactly one caller wins the tag, so a handle freed twice at once
     * is freed once. */
    uint64_t expected = (uint64_t)handle->dwUpper;
    if (!atomic_compare_exchange_strong(&s->tag, &expected, 0))
        return NULL;
    /* Wait for the calls already using the object (other than this
     * thread's own) to return. */
    uint32_t own = 0;
    for (unsigned i = 0; i < thread_pin_count; i++)
        own += thread_pins[i] == s;
    while (atomic_load(&s->pins) > own)
        sched_yield();
    void *object = atomic_exchange_explicit(&s->object, NULL, memory_order_relaxed);
    struct free_list *fl = my_free_list();
    pthread_mutex_lock(&fl->lock);
    s->next_free = fl->head;
    fl->head = (uint32_t)handle->dwLower;
    pthread_mutex_unlock(&fl->lock);
    return object;
}
