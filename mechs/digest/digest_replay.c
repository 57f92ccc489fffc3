/*
 * The acceptor's replay cache: every (nonce, nc, cnonce) tuple accepted
 * while its nonce is fresh, for the whole process (RFC 7616 5.5: a server
 * that accepts a nonce more than once must reject a repeated nc).
 *
 * An open-addressing hash set of 16-byte SHA-256 prefixes with their expiry
 * time.  Expired entries are reused in place and dropped when the table
 * grows; the table grows by doubling up to REPLAY_MAX_SLOTS.  A full table
 * never evicts a live entry (that would let its tuple be replayed): the
 * caller refuses the authentication instead.
 */
#include "config.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "digest_gss.h"

/* 96 bits of SHA-256: a false "replay" among a million live tuples has
 * odds of about 2^-57. */
#define REPLAY_ID_LEN 12
#define REPLAY_MIN_SLOTS 4096u
/* 2^21 slots of 16 bytes: 32 MiB, one million live tuples (a nonce
 * lifetime of 300 s at 3,300 authentications per second). */
#define REPLAY_MAX_SLOTS (1u << 21)

struct replay_slot {
    uint32_t expires;   /* seconds since the epoch (to 2106); 0: never used */
    unsigned char id[REPLAY_ID_LEN];
};

static struct replay_slot *slots;
static size_t slot_count;   /* a power of two, or 0 before first use */
static size_t slots_used;   /* slots with expires != 0 */
static pthread_mutex_t replay_lock = PTHREAD_MUTEX_INITIALIZER;

static size_t slot_of(const unsigned char *id, size_t count)
{
    uint64_t h;

    memcpy(&h, id, sizeof(h));  /* SHA-256 output: already uniform */
    return (size_t)h & (count - 1);
}

/* Puts id into table (count slots) unless present; 1 when present. */
static int probe_insert(struct replay_slot *table, size_t count, const unsigned char *id,
                        uint32_t expires, uint64_t now, size_t *used)
{
    size_t i = slot_of(id, count), reuse = (size_t)-1;

    for (size_t n = 0; n < count; n++, i = (i + 1) & (count - 1)) {
        struct replay_slot *s = &table[i];

        if (s->expires == 0)
            break;
        if (s->expires > now) {
            if (memcmp(s->id, id, REPLAY_ID_LEN) == 0)
                return 1;
        } else if (reuse == (size_t)-1) {
            reuse = i;  /* expired: free for reuse, but keep probing */
        }
    }
    if (reuse == (size_t)-1) {
        reuse = i;
        (*used)++;
    }
    table[reuse].expires = expires;
    memcpy(table[reuse].id, id, REPLAY_ID_LEN);
    return 0;
}

/* Rebuilds the table with only live entries, doubling it when they fill
 * more than a quarter.  0, or -1 when it cannot grow. */
static int rebuild(uint64_t now)
{
    size_t live = 0, count = slot_count ? slot_count : REPLAY_MIN_SLOTS;
    struct replay_slot *table;

    for (size_t i = 0; i < slot_count; i++)
        live += slots[i].expires > now;
    while (live * 4 > count && count < REPLAY_MAX_SLOTS)
        count *= 2;
    if (live * 2 >= count)
        return -1;
    table = calloc(count, sizeof(*table));
    if (table == NULL)
        return -1;
    slots_used = 0;
    for (size_t i = 0; i < slot_count; i++)
        if (slots[i].expires > now)
            probe_insert(table, count, slots[i].id, slots[i].expires, now, &slots_used);
    free(slots);
    slots = table;
    slot_count = count;
    return 0;
}

enum dg_replay_result dg_replay_check_and_add(const char *nonce, const char *nc,
                                              const char *cnonce, uint64_t expires,
                                              uint64_t now)
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    enum dg_replay_result result;
    EVP_MD_CTX *h = EVP_MD_CTX_new();
    int ok = h != NULL && EVP_DigestInit_ex(h, EVP_sha256(), NULL) == 1 &&
             EVP_DigestUpdate(h, nonce, strlen(nonce) + 1) == 1 &&  /* NUL separates */
             EVP_DigestUpdate(h, nc, strlen(nc) + 1) == 1 &&
             EVP_DigestUpdate(h, cnonce, strlen(cnonce)) == 1 &&
             EVP_DigestFinal_ex(h, md, &mdlen) == 1 && mdlen >= REPLAY_ID_LEN;

    EVP_MD_CTX_free(h);
    if (!ok)
        return DG_REPLAY_FULL;  /* fail closed */
    if (expires > UINT32_MAX)
        expires = UINT32_MAX;
    pthread_mutex_lock(&replay_lock);
    /* Keep at most half the slots in use so probes stay short. */
    if ((slot_count == 0 || (slots_used + 1) * 2 > slot_count) && rebuild(now) != 0) {
        pthread_mutex_unlock(&replay_lock);
        return DG_REPLAY_FULL;
    }
    result = probe_insert(slots, slot_count, md, (uint32_t)expires, now, &slots_used)
                 ? DG_REPLAY_SEEN
                 : DG_REPLAY_NEW;
    pthread_mutex_unlock(&replay_lock);
    return result;
}
