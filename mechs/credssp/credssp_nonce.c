/*
 * The acceptor's set of seen clientNonces ([MS-CSSP] 2.2.1, 3.1.5), apart
 * from the GSS glue so that tests can drive it directly.
 */
#include "config.h"

#include <pthread.h>
#include <stdint.h>
#include <string.h>

#include <openssl/crypto.h>

#include "credssp_nonce.h"

/* The last 4096 clientNonces this process accepted: a replayed v5+
 * pubKeyAuth is refused even where the inner context would let it
 * through (MS-CSSP 3.1.5: the nonce is fresh per exchange).  A ring of
 * slots, the oldest overwritten, found through hash chains: a lookup
 * compares a handful of nonces, not the whole ring, under the lock every
 * server thread takes.  The bucket is read off the nonce itself: honest
 * clients send random nonces, and one that chooses colliding ones (after
 * a verified pubKeyAuth) only lengthens its chain up to the ring's size,
 * the cost of a plain scan. */
#define NONCE_SLOTS 4096
#define NONCE_BUCKETS 8192
#define NONCE_NONE 0xffffu
static unsigned char nonce_seen[NONCE_SLOTS][32];
static uint16_t nonce_chain[NONCE_SLOTS];     /* next slot in the same bucket */
static uint16_t nonce_head[NONCE_BUCKETS];    /* first slot of each bucket */
static size_t nonce_next, nonce_count;
static pthread_mutex_t nonce_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_once_t nonce_once = PTHREAD_ONCE_INIT;

static void nonce_init(void)
{
    memset(nonce_head, 0xff, sizeof(nonce_head));
}

static size_t nonce_bucket(const unsigned char nonce[32])
{
    return ((size_t)nonce[0] | (size_t)nonce[1] << 8) % NONCE_BUCKETS;
}

/* Unlinks the slot about to be overwritten from its bucket's chain. */
static void nonce_unlink(uint16_t slot)
{
    uint16_t *link = &nonce_head[nonce_bucket(nonce_seen[slot])];
    while (*link != NONCE_NONE && *link != slot)
        link = &nonce_chain[*link];
    if (*link == slot)
        *link = nonce_chain[slot];
}

int cssp_nonce_remember(const unsigned char nonce[32])
{
    pthread_once(&nonce_once, nonce_init);
    size_t bucket = nonce_bucket(nonce);
    int rc = 0;
    pthread_mutex_lock(&nonce_lock);
    for (uint16_t i = nonce_head[bucket]; i != NONCE_NONE; i = nonce_chain[i]) {
        if (CRYPTO_memcmp(nonce_seen[i], nonce, 32) == 0) {
            rc = -1;
            break;
        }
    }
    if (rc == 0) {
        uint16_t slot = (uint16_t)nonce_next;
        if (nonce_count == NONCE_SLOTS)
            nonce_unlink(slot);
        memcpy(nonce_seen[slot], nonce, 32);
        nonce_chain[slot] = nonce_head[bucket];
        nonce_head[bucket] = slot;
        nonce_next = (nonce_next + 1) % NONCE_SLOTS;
        if (nonce_count < NONCE_SLOTS)
            nonce_count++;
    }
    pthread_mutex_unlock(&nonce_lock);
    return rc;
}
