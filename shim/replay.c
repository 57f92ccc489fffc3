/*
 * Acceptor replay cache for Kerberos authenticators.
 *
 * RFC 4120 3.2.3 asks the server to remember authenticators for the clock
 * skew window and reject a repeat.  Heimdal's GSS acceptor keeps no replay
 * cache (measured: the same AP-REQ is accepted twice), while Windows' LSA
 * keeps one, so the shim does: a process-wide, in-memory set of digests of
 * each accepted authenticator, kept for twice the default skew (an
 * authenticator is valid from ctime - skew to ctime + skew).
 *
 * The digest is taken over the authenticator's ciphertext in the AP-REQ
 * (RFC 4120 5.5.1; what MIT krb5's own replay cache keys on; its two ends,
 * see authenticator_digest), so the same AP-REQ re-wrapped in another
 * framing (raw krb5 vs SPNEGO) is still caught, and no key is asked of the
 * GSS library: asking Heimdal for the initiator subkey, as this code did
 * first, left a copy of that key in memory Heimdal freed unwiped, once per
 * handshake (docs/robustness.md).
 * A token that holds no AP-REQ falls back to the digest of its bytes.
 *
 * Storage is on the handshake path, so it allocates nothing per entry:
 * each shard is an open-addressing table of 16-byte digest prefixes
 * (collisions at 2^-64 per pair are no concern at any realistic rate) with
 * their expiry; expired slots are reused, and a table grows (rehashing only
 * live entries) when it is half full.  Sharding by digest keeps concurrent
 * handshakes from contending.
 *
 * It is per process: servers that share a keytab across processes or hosts
 * get per-process protection only (docs/behaviour.md).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "framing.h"
#include "shim_internal.h"

#define REPLAY_WINDOW_SECONDS (2 * 300)
#define SHARDS 64
#define INITIAL_SLOTS 256u

/* expires: 0 = never used, 1 = forgotten (a tombstone), else the time
 * (seconds since `epoch`, + 2) after which the entry is dead. */
struct slot {
    uint64_t key[2];
    uint32_t expires;
};

struct shard {
    pthread_mutex_t lock;
    struct slot *slots;
    uint32_t size;                  /* a power of two */
    uint32_t used;                  /* live or tombstoned slots */
};

static struct shard shards[SHARDS];
static pthread_once_t init_once = PTHREAD_ONCE_INIT;
static EVP_MD *sha256;              /* fetched once: a fetch per call is costly */
static time_t epoch;

static void replay_init(void)
{
    for (int i = 0; i < SHARDS; i++)
        pthread_mutex_init(&shards[i].lock, NULL);
    sha256 = EVP_MD_fetch(NULL, "SHA256", NULL);
    epoch = time(NULL);
}

static uint32_t now_tick(void)
{
    return (uint32_t)(time(NULL) - epoch) + 2;
}

/* Of a longer authenticator ciphertext, its first and last 24 bytes: they
 * hold its integrity tag for every enctype (RFC 3961 simplified profile,
 * RFC 3962, RFC 8009: at the end, 12 to 24 bytes; RFC 4757 rc4-hmac: the
 * 16-byte checksum first), and one SHA-256 block takes them.  That is
 * enough to name it: the check runs after the GSS library accepted the
 * token, so the ciphertext was whole and unaltered, and a fresh
 * authenticator has a fresh confounder, hence a fresh tag. */
#define CIPHER_ENDS 24

/* The digest identifying the authenticator in a first token. */
static bool authenticator_digest(const gss_buffer_desc *token, unsigned char digest[32])
{
    pthread_once(&init_once, replay_init);
    if (sha256 == NULL)
        return false;
    gss_buffer_desc cipher;
    if (gssmap_krb5_authenticator_cipher(token->value, token->length, &cipher) != 1)
        return EVP_Digest(token->value, token->length, digest, NULL, sha256, NULL) == 1;
    if (cipher.length <= 2 * CIPHER_ENDS)
        return EVP_Digest(cipher.value, cipher.length, digest, NULL, sha256, NULL) == 1;
    unsigned char ends[2 * CIPHER_ENDS];
    memcpy(ends, cipher.value, CIPHER_ENDS);
    memcpy(ends + CIPHER_ENDS, (const unsigned char *)cipher.value + cipher.length - CIPHER_ENDS,
           CIPHER_ENDS);
    return EVP_Digest(ends, sizeof(ends), digest, NULL, sha256, NULL) == 1;
}

static struct shard *shard_for(const unsigned char digest[32], uint64_t key[2])
{
    memcpy(key, digest + 8, 16);
    return &shards[digest[0] % SHARDS];
}

/* Finds key; returns its slot, or NULL with *free_slot (if any) set to the
 * first reusable slot on its probe path. */
static struct slot *probe(struct shard *s, const uint64_t key[2], uint32_t now,
                          struct slot **free_slot)
{
    uint32_t mask = s->size - 1, i = (uint32_t)key[0] & mask;
    *free_slot = NULL;
    for (uint32_t n = 0; n < s->size; n++, i = (i + 1) & mask) {
        struct slot *e = &s->slots[i];
        if (e->expires == 0) {
            if (*free_slot == NULL)
                *free_slot = e;
            return NULL;
        }
        bool live = e->expires > now;
        if (live && e->key[0] == key[0] && e->key[1] == key[1])
            return e;
        if (!live && *free_slot == NULL)
            *free_slot = e;
    }
    return NULL;
}

/* Doubles the table (or rebuilds it at the same size when it is mostly
 * dead entries), keeping only live entries. */
static bool rebuild(struct shard *s, uint32_t now)
{
    uint32_t live = 0;
    for (uint32_t i = 0; i < s->size; i++)
        live += s->slots[i].expires > now;
    uint32_t size = s->size ? s->size : INITIAL_SLOTS;
    while (live * 2 >= size)
        size *= 2;
    struct slot *slots = calloc(size, sizeof(*slots));
    if (slots == NULL)
        return false;
    for (uint32_t i = 0; i < s->size; i++) {
        struct slot *e = &s->slots[i];
        if (e->expires <= now)
            continue;
        uint32_t j = (uint32_t)e->key[0] & (size - 1);
        while (slots[j].expires != 0)
            j = (j + 1) & (size - 1);
        slots[j] = *e;
    }
    free(s->slots);
    s->slots = slots;
    s->size = size;
    s->used = live;
    return true;
}

SECURITY_STATUS shim_replay_check(const gss_buffer_desc *token)
{
    unsigned char digest[32];
    uint64_t key[2];
    if (!authenticator_digest(token, digest))
        return SEC_E_INTERNAL_ERROR;
    struct shard *s = shard_for(digest, key);
    uint32_t now = now_tick();
    SECURITY_STATUS st = SEC_E_OK;

    pthread_mutex_lock(&s->lock);
    if ((s->used + 1) * 2 > s->size && !rebuild(s, now)) {
        pthread_mutex_unlock(&s->lock);
        return SEC_E_INSUFFICIENT_MEMORY;
    }
    struct slot *free_slot;
    if (probe(s, key, now, &free_slot) != NULL) {
        st = shim_fail(SEC_E_OUT_OF_SEQUENCE,
                       "replayed authenticator: this token was already accepted");
    } else {
        if (free_slot->expires == 0)
            s->used++;
        free_slot->key[0] = key[0];
        free_slot->key[1] = key[1];
        free_slot->expires = now + REPLAY_WINDOW_SECONDS;
    }
    pthread_mutex_unlock(&s->lock);
    return st;
}

void shim_replay_forget(const gss_buffer_desc *token)
{
    unsigned char digest[32];
    uint64_t key[2];
    if (!authenticator_digest(token, digest))
        return;
    struct shard *s = shard_for(digest, key);
    pthread_mutex_lock(&s->lock);
    struct slot *free_slot, *e = s->size ? probe(s, key, now_tick(), &free_slot) : NULL;
    if (e != NULL)
        e->expires = 1;     /* a tombstone keeps later probe paths intact */
    pthread_mutex_unlock(&s->lock);
}
