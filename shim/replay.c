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
 * The digest is taken over the initiator's authenticator subkey, which a
 * client draws fresh for every AP-REQ, so the same AP-REQ re-wrapped in
 * another framing (raw krb5 vs SPNEGO) is still caught.  A token without
 * a subkey falls back to the digest of the token bytes.
 *
 * The set is sharded by digest so concurrent handshakes rarely contend.
 * It is per process: servers that share a keytab across processes or hosts
 * get per-process protection only (docs/features.md).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#ifdef HAVE_GSSAPI_GSSAPI_KRB5_H
#include <gssapi/gssapi_krb5.h>
#endif

#include "shim_internal.h"

#define REPLAY_WINDOW_SECONDS (2 * 300)
#define SHARDS 64
#define BUCKETS_PER_SHARD 1024

struct entry {
    unsigned char digest[32];
    time_t expires;
    struct entry *next;
};

struct shard {
    pthread_mutex_t lock;
    struct entry *buckets[BUCKETS_PER_SHARD];
};

static struct shard shards[SHARDS];
static pthread_once_t shards_once = PTHREAD_ONCE_INIT;

static void shards_init(void)
{
    for (int i = 0; i < SHARDS; i++)
        pthread_mutex_init(&shards[i].lock, NULL);
}

/* The digest identifying the authenticator accepted into ctx. */
static bool authenticator_digest(gss_ctx_id_t ctx, const gss_buffer_desc *token,
                                 unsigned char digest[32])
{
    bool ok = false;
#ifdef GSS_KRB5_GET_INITIATOR_SUBKEY_X
    OM_uint32 minor;
    gss_buffer_set_t set = GSS_C_NO_BUFFER_SET;
    if (!GSS_ERROR(gss_inquire_sec_context_by_oid(&minor, ctx, GSS_KRB5_GET_INITIATOR_SUBKEY_X,
                                                  &set)) &&
        set != GSS_C_NO_BUFFER_SET && set->count > 0 && set->elements[0].length > 0) {
        ok = EVP_Digest(set->elements[0].value, set->elements[0].length, digest, NULL,
                        EVP_sha256(), NULL) == 1;
        explicit_bzero(set->elements[0].value, set->elements[0].length);
    }
    if (set != GSS_C_NO_BUFFER_SET)
        gss_release_buffer_set(&minor, &set);
#else
    (void)ctx;
#endif
    if (!ok)
        ok = EVP_Digest(token->value, token->length, digest, NULL, EVP_sha256(), NULL) == 1;
    return ok;
}

static struct shard *shard_for(const unsigned char digest[32], struct entry ***bucket)
{
    pthread_once(&shards_once, shards_init);
    struct shard *s = &shards[digest[0] % SHARDS];
    uint32_t b;
    memcpy(&b, digest + 1, sizeof(b));
    *bucket = &s->buckets[b % BUCKETS_PER_SHARD];
    return s;
}

SECURITY_STATUS shim_replay_check(gss_ctx_id_t ctx, const gss_buffer_desc *token)
{
    unsigned char digest[32];
    if (!authenticator_digest(ctx, token, digest))
        return SEC_E_INTERNAL_ERROR;

    struct entry **bucket;
    struct shard *s = shard_for(digest, &bucket);
    time_t now = time(NULL);
    SECURITY_STATUS st = SEC_E_OK;

    pthread_mutex_lock(&s->lock);
    for (struct entry **e = bucket; *e != NULL;) {
        if ((*e)->expires <= now) {         /* sweep while walking */
            struct entry *dead = *e;
            *e = dead->next;
            free(dead);
            continue;
        }
        if (memcmp((*e)->digest, digest, sizeof(digest)) == 0)
            st = shim_fail(SEC_E_OUT_OF_SEQUENCE,
                           "replayed authenticator: this token was already accepted");
        e = &(*e)->next;
    }
    if (st == SEC_E_OK) {
        struct entry *n = malloc(sizeof(*n));
        if (n == NULL) {
            st = SEC_E_INSUFFICIENT_MEMORY;
        } else {
            memcpy(n->digest, digest, sizeof(digest));
            n->expires = now + REPLAY_WINDOW_SECONDS;
            n->next = *bucket;
            *bucket = n;
        }
    }
    pthread_mutex_unlock(&s->lock);
    return st;
}

void shim_replay_forget(gss_ctx_id_t ctx, const gss_buffer_desc *token)
{
    unsigned char digest[32];
    if (!authenticator_digest(ctx, token, digest))
        return;
    struct entry **bucket;
    struct shard *s = shard_for(digest, &bucket);
    pthread_mutex_lock(&s->lock);
    for (struct entry **e = bucket; *e != NULL; e = &(*e)->next) {
        if (memcmp((*e)->digest, digest, sizeof(digest)) == 0) {
            struct entry *dead = *e;
            *e = dead->next;
            free(dead);
            break;
        }
    }
    pthread_mutex_unlock(&s->lock);
}
