/*
 * tools/freed-block-origin.c - an LD_PRELOAD object that finds who freed a
 * secret without wiping it.  It wraps free(): for every heap block of 32
 * bytes or more it keeps a copy of the first 2 KiB and the call stack, in
 * a ring of the last 65,536 frees.  freed_block_origin_report(needle, n)
 * then prints the stack of each kept block that held needle when freed.
 * tests/check_secrets.c calls it (looked up with dlsym, so only when this
 * object is loaded) for the session key left after the contexts are
 * deleted.  A diagnostic, never installed nor linked into the library:
 *
 *   cc -O1 -g -shared -fPIC -o freed-block-origin.so tools/freed-block-origin.c
 *   cd build && ./libtool --mode=execute env LD_PRELOAD=$PWD/../freed-block-origin.so \
 *       tests/check_secrets 2>&1 | grep -A20 freed_block_origin
 *
 * The ring is itself a copy of every secret freed, so the other cases of
 * check_secrets fail while it is loaded.  Blocks freed inside glibc
 * (realloc moving a block) do not pass through this free() and are missed.
 */
#define _GNU_SOURCE
#include <execinfo.h>
#include <malloc.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern void __libc_free(void *);

#define RING_SLOTS 65536
#define KEPT_BYTES 2048
#define STACK_FRAMES 24

struct freed_block {
    size_t size, kept;
    int frames;
    void *stack[STACK_FRAMES];
    unsigned char bytes[KEPT_BYTES];
};

static struct freed_block *ring;
static atomic_size_t frees_seen;
static __thread int inside; /* backtrace() and calloc() may free */

__attribute__((constructor)) static void freed_block_origin_init(void)
{
    void *warm[2];
    backtrace(warm, 2); /* loads libgcc_s now, not inside free() */
    ring = calloc(RING_SLOTS, sizeof(*ring));
}

void free(void *p)
{
    if (p != NULL && ring != NULL && !inside) {
        inside = 1;
        size_t n = malloc_usable_size(p);
        if (n >= 32) {
            struct freed_block *b = &ring[atomic_fetch_add(&frees_seen, 1) % RING_SLOTS];
            b->size = n;
            b->kept = n < KEPT_BYTES ? n : KEPT_BYTES;
            memcpy(b->bytes, p, b->kept);
            b->frames = backtrace(b->stack, STACK_FRAMES);
        }
        inside = 0;
    }
    __libc_free(p);
}

void freed_block_origin_report(const void *needle, size_t n)
{
    size_t seen = atomic_load(&frees_seen);
    inside = 1;
    fprintf(stderr, "freed_block_origin: %zu frees seen, the last %d kept\n", seen, RING_SLOTS);
    for (size_t i = 0; i < RING_SLOTS && i < seen; i++) {
        const struct freed_block *b = &ring[i];
        const unsigned char *hit = memmem(b->bytes, b->kept, needle, n);
        if (hit == NULL)
            continue;
        fprintf(stderr, "freed_block_origin: a block of %zu bytes held it at offset %td, freed at:\n",
                b->size, hit - b->bytes);
        backtrace_symbols_fd((void *const *)b->stack, b->frames, 2);
    }
    inside = 0;
}
