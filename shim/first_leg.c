/*
 * Parked first acceptor legs.
 *
 * Without ASC_REQ_ALLOCATE_MEMORY a first AcceptSecurityContext whose
 * output token does not fit returns SEC_E_BUFFER_TOO_SMALL and creates no
 * handle; the caller repeats the call with the same client token and a
 * bigger buffer.  Running the acceptor twice on one AP-REQ is not possible
 * (MIT's replay cache, and the shim's own, refuse the second run), so the
 * context the first run built waits here, keyed by the digest of the input
 * token and the credential, and the repeat takes it back.  Entries last a
 * minute; at most PARK_MAX wait, the oldest going first.  This is a rare
 * path: nothing here is on the handshake's normal path.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "shim_internal.h"

#define PARK_SECONDS 60
#define PARK_MAX 64

struct parked {
    unsigned char digest[32];
    struct shim_context *ctx;
    time_t expires;
    struct parked *next;            /* newest first */
};

static struct parked *parked_list;
static pthread_mutex_t parked_lock = PTHREAD_MUTEX_INITIALIZER;
/* Entries in the list: read without the lock on every first accept, so the
 * common case (nothing parked) costs no lock and no digest. */
static atomic_size_t parked_count;

/* Unlinks expired entries and those beyond the first PARK_MAX (the
 * oldest), handing them back in *dead to be freed outside the lock. */
static void sweep(time_t now, struct parked **dead)
{
    size_t kept = 0;
    for (struct parked **p = &parked_list; *p != NULL;) {
        if ((*p)->expires <= now || kept >= PARK_MAX) {
            struct parked *gone = *p;
            *p = gone->next;
            gone->next = *dead;
            *dead = gone;
            atomic_fetch_sub_explicit(&parked_count, 1, memory_order_relaxed);
            continue;
        }
        kept++;
        p = &(*p)->next;
    }
}

static void free_all(struct parked *dead)
{
    while (dead != NULL) {
        struct parked *next = dead->next;
        shim_context_free(dead->ctx);
        free(dead);
        dead = next;
    }
}

void shim_replay_park(const gss_buffer_desc *token, struct shim_context *ctx)
{
    struct parked *n = malloc(sizeof(*n)), *dead = NULL;
    if (n == NULL ||
        EVP_Digest(token->value, token->length, n->digest, NULL, EVP_sha256(), NULL) != 1) {
        free(n);
        shim_context_free(ctx);
        return;
    }
    time_t now = time(NULL);
    n->ctx = ctx;
    n->expires = now + PARK_SECONDS;
    pthread_mutex_lock(&parked_lock);
    n->next = parked_list;
    parked_list = n;
    atomic_fetch_add_explicit(&parked_count, 1, memory_order_relaxed);
    sweep(now, &dead);
    pthread_mutex_unlock(&parked_lock);
    free_all(dead);
}

struct shim_context *shim_replay_unpark(const gss_buffer_desc *token,
                                        const struct shim_credential *cred)
{
    unsigned char digest[32];
    struct shim_context *found = NULL;
    struct parked *dead = NULL;

    if (atomic_load_explicit(&parked_count, memory_order_relaxed) == 0)
        return NULL;                /* the common case: no lock, no digest */
    if (EVP_Digest(token->value, token->length, digest, NULL, EVP_sha256(), NULL) != 1)
        return NULL;
    pthread_mutex_lock(&parked_lock);
    sweep(time(NULL), &dead);
    for (struct parked **p = &parked_list; *p != NULL; p = &(*p)->next) {
        if ((*p)->ctx->cred == cred && memcmp((*p)->digest, digest, sizeof(digest)) == 0) {
            struct parked *hit = *p;
            *p = hit->next;
            atomic_fetch_sub_explicit(&parked_count, 1, memory_order_relaxed);
            found = hit->ctx;
            free(hit);
            break;
        }
    }
    pthread_mutex_unlock(&parked_lock);
    free_all(dead);
    return found;
}
