/*
 * NTLMv2 initiator for CredSSP's inner context.  See ntlm_client.h.
 */
#include "config.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/provider.h>
#include <openssl/rand.h>

#include "ntlm_client.h"

/* ------------------------------------------------------------ crypto */

/* MD4 and RC4 live in OpenSSL 3's legacy provider: a private library
 * context with "default" + "legacy", made once, so the application's
 * default context keeps its providers (as mechs/digest does). */
static CRYPTO_ONCE legacy_once = CRYPTO_ONCE_STATIC_INIT;
static OSSL_LIB_CTX *legacy_ctx;

static void legacy_init(void)
{
    OSSL_LIB_CTX *ctx = OSSL_LIB_CTX_new();
    if (!ctx)
        return;
    ERR_set_mark();
    if (!OSSL_PROVIDER_load(ctx, "default") || !OSSL_PROVIDER_load(ctx, "legacy")) {
        OSSL_LIB_CTX_free(ctx);
        ctx = NULL;
    }
    ERR_pop_to_mark();
    legacy_ctx = ctx;
}

static OSSL_LIB_CTX *ntlm_libctx(void)
{
    if (!CRYPTO_THREAD_run_once(&legacy_once, legacy_init))
        return NULL;
    return legacy_ctx;
}

static int md4(const uint8_t *in, size_t len, uint8_t out[16])
{
    OSSL_LIB_CTX *lc = ntlm_libctx();
    EVP_MD *md;
    unsigned int n = 0;
    int ok;
    if (lc == NULL)
        return NTLM_ERR_CRYPTO;
    ERR_set_mark();
    md = EVP_MD_fetch(lc, "MD4", NULL);
    ok = md != NULL && EVP_Digest(in, len, out, &n, md, NULL) == 1 && n == 16;
    EVP_MD_free(md);
    ERR_pop_to_mark();
    return ok ? NTLM_OK : NTLM_ERR_CRYPTO;
}

static int md5_parts(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen,
                     uint8_t out[16])
{
    EVP_MD_CTX *m = EVP_MD_CTX_new();
    EVP_MD *md = EVP_MD_fetch(ntlm_libctx(), "MD5", NULL);
    unsigned int n = 0;
    int ok = m != NULL && md != NULL && EVP_DigestInit_ex(m, md, NULL) == 1 &&
             EVP_DigestUpdate(m, a, alen) == 1 && EVP_DigestUpdate(m, b, blen) == 1 &&
             EVP_DigestFinal_ex(m, out, &n) == 1 && n == 16;
    EVP_MD_CTX_free(m);
    EVP_MD_free(md);
    return ok ? NTLM_OK : NTLM_ERR_CRYPTO;
}

/* HMAC_MD5(key, parts[0] || parts[1] || ...) ([MS-NLMP] 6) */
struct part { const uint8_t *p; size_t n; };
static int hmac_md5(const uint8_t *key, size_t key_len, const struct part *parts, size_t count,
                    uint8_t out[16])
{
    EVP_MAC *mac = EVP_MAC_fetch(ntlm_libctx(), "HMAC", NULL);
    EVP_MAC_CTX *m = mac ? EVP_MAC_CTX_new(mac) : NULL;
    OSSL_PARAM params[2];
    size_t n = 0, i;
    int ok;
    params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, (char *)"MD5", 0);
    params[1] = OSSL_PARAM_construct_end();
    ok = m != NULL && EVP_MAC_init(m, key, key_len, params) == 1;
    for (i = 0; ok && i < count; i++)
        ok = EVP_MAC_update(m, parts[i].p, parts[i].n) == 1;
    ok = ok && EVP_MAC_final(m, out, &n, 16) == 1 && n == 16;
    EVP_MAC_CTX_free(m);
    EVP_MAC_free(mac);
    return ok ? NTLM_OK : NTLM_ERR_CRYPTO;
}

static EVP_CIPHER_CTX *rc4_new(const uint8_t *key, size_t key_len)
{
    OSSL_LIB_CTX *lc = ntlm_libctx();
    EVP_CIPHER *c;
    EVP_CIPHER_CTX *x = NULL;
    if (lc == NULL)
        return NULL;
    ERR_set_mark();
    c = EVP_CIPHER_fetch(lc, "RC4", NULL);
    if (c != NULL && (x = EVP_CIPHER_CTX_new()) != NULL) {
        OSSL_PARAM p[2] = {OSSL_PARAM_construct_size_t(OSSL_CIPHER_PARAM_KEYLEN, &key_len),
                           OSSL_PARAM_construct_end()};
        if (EVP_EncryptInit_ex2(x, c, NULL, NULL, NULL) != 1 ||
            EVP_CIPHER_CTX_set_params(x, p) != 1 ||
            EVP_EncryptInit_ex2(x, NULL, key, NULL, NULL) != 1) {
            EVP_CIPHER_CTX_free(x);
            x = NULL;
        }
    }
    EVP_CIPHER_free(c);
    ERR_pop_to_mark();
    return x;
}

static int rc4_update(EVP_CIPHER_CTX *x, const uint8_t *in, size_t len, uint8_t *out)
{
    int n = 0;
    if (len > (size_t)0x7fffffff)
        return NTLM_ERR_UNSUPPORTED;
    if (len == 0)
        return NTLM_OK;
    return EVP_EncryptUpdate(x, out, &n, in, (int)len) == 1 && (size_t)n == len ? NTLM_OK
                                                                              : NTLM_ERR_CRYPTO;
}

/* ------------------------------------------------------------ primitives */

int ntlm_ntowfv2(const char *password, const char *user, const char *domain, uint8_t out[16])
{
    uint8_t *pw = NULL, *u = NULL, *d = NULL, nt[16];
    size_t pw_len, u_len, d_len;
    int rc;
    if ((rc = ntlm_utf8_to_utf16le(password, 0, &pw, &pw_len)) != NTLM_OK ||
        (rc = ntlm_utf8_to_utf16le(user, 1, &u, &u_len)) != NTLM_OK ||
        (rc = ntlm_utf8_to_utf16le(domain, 0, &d, &d_len)) != NTLM_OK)
        goto out;
    if ((rc = md4(pw, pw_len, nt)) == NTLM_OK) { /* NTOWFv1, 3.3.1 */
        struct part p[2] = {{u, u_len}, {d, d_len}};
        rc = hmac_md5(nt, 16, p, 2, out);
    }
out:
    if (pw != NULL)
        OPENSSL_cleanse(pw, pw_len);
    OPENSSL_cleanse(nt, sizeof(nt));
    free(pw);
    free(u);
    free(d);
    return rc;
}

int ntlm_nt_proof(const uint8_t key[16], const uint8_t server_challenge[8], const uint8_t *temp,
                  size_t temp_len, uint8_t proof[16])
{
    struct part p[2] = {{server_challenge, 8}, {temp, temp_len}};
    return hmac_md5(key, 16, p, 2, proof);
}

int ntlm_lmv2(const uint8_t key[16], const uint8_t server_challenge[8],
              const uint8_t client_challenge[8], uint8_t out[24])
{
    struct part p[2] = {{server_challenge, 8}, {client_challenge, 8}};
    int rc = hmac_md5(key, 16, p, 2, out);
    memcpy(out + 16, client_challenge, 8);
    return rc;
}

int ntlm_session_base_key(const uint8_t key[16], const uint8_t proof[16], uint8_t out[16])
{
    struct part p = {proof, 16};
    return hmac_md5(key, 16, &p, 1, out);
}

int ntlm_rc4k(const uint8_t key[16], const uint8_t in[16], uint8_t out[16])
{
    EVP_CIPHER_CTX *x = rc4_new(key, 16);
    int rc;
    if (x == NULL)
        return NTLM_ERR_CRYPTO;
    rc = rc4_update(x, in, 16, out);
    EVP_CIPHER_CTX_free(x);
    return rc;
}

int ntlm_mic(const uint8_t exported[16], const uint8_t *neg, size_t neg_len,
             const uint8_t *chal, size_t chal_len, const uint8_t *auth, size_t auth_len,
             uint8_t out[16])
{
    struct part p[3] = {{neg, neg_len}, {chal, chal_len}, {auth, auth_len}};
    return hmac_md5(exported, 16, p, 3, out);
}

/* The magic constants of 3.4.5.2 and 3.4.5.3, with their NUL. */
static const char c2s_sign[] = "session key to client-to-server signing key magic constant";
static const char s2c_sign[] = "session key to server-to-client signing key magic constant";
static const char c2s_seal[] = "session key to client-to-server sealing key magic constant";
static const char s2c_seal[] = "session key to server-to-client sealing key magic constant";

int ntlm_sign_key(const uint8_t exported[16], int client_to_server, uint8_t out[16])
{
    const char *m = client_to_server ? c2s_sign : s2c_sign;
    return md5_parts(exported, 16, (const uint8_t *)m, strlen(m) + 1, out);
}

int ntlm_seal_key(const uint8_t exported[16], uint32_t flags, int client_to_server,
                  uint8_t out[16])
{
    /* With extended session security, 128, 56 or 40 bits of the key are
     * hashed with the constant (3.4.5.3). */
    const char *m = client_to_server ? c2s_seal : s2c_seal;
    size_t n = (flags & NTLM_NEG_128) ? 16 : (flags & NTLM_NEG_56) ? 7 : 5;
    return md5_parts(exported, n, (const uint8_t *)m, strlen(m) + 1, out);
}

/* ------------------------------------------------------------ the client */

/* What we ask for ([MS-NLMP] 2.2.2.5): Unicode only, NTLMv2 with extended
 * session security, signing and sealing with 128-bit keys and a key
 * exchange; REQUEST_TARGET (FreeRDP's acceptor requires it). */
#define CLIENT_FLAGS                                                                             \
    (NTLM_NEG_UNICODE | NTLM_REQUEST_TARGET | NTLM_NEG_SIGN | NTLM_NEG_SEAL | NTLM_NEG_NTLM |    \
     NTLM_NEG_ALWAYS_SIGN | NTLM_NEG_ESS | NTLM_NEG_TARGET_INFO | NTLM_NEG_VERSION |           \
     NTLM_NEG_128 | NTLM_NEG_KEY_EXCH | NTLM_NEG_56)

struct ntlm_dir {
    EVP_CIPHER_CTX *rc4; /* the sealing handle, one RC4 stream per direction */
    uint8_t sign_key[16];
    uint8_t seal_key[16]; /* to restart the stream (ntlm_session_reset_rc4) */
    uint32_t seq;
};

/* The established session's keys, one set per direction; shared by the
 * client and the server (ntlm_server.c). */
struct ntlm_session {
    uint32_t flags;
    struct ntlm_dir send, recv;
};

struct ntlm_client {
    char *user, *domain, *password;
    uint8_t *target;    /* ClientSuppliedTargetName, UTF-16LE, or NULL */
    size_t target_len;
    int state; /* 0 new, 1 NEGOTIATE sent, 2 established, -1 failed */
    uint8_t *negotiate;
    size_t negotiate_len;
    struct ntlm_session *sess;
    bool test_values;
    uint8_t test_client_challenge[8], test_exported[16];
};

static void dir_clear(struct ntlm_dir *d)
{
    EVP_CIPHER_CTX_free(d->rc4);
    OPENSSL_cleanse(d, sizeof(*d));
}

static void free_secret(char *s)
{
    if (s != NULL) {
        OPENSSL_cleanse(s, strlen(s));
        free(s);
    }
}

int ntlm_client_new(const char *user, const char *domain, const char *password,
                    struct ntlm_client **out)
{
    struct ntlm_client *c = calloc(1, sizeof(*c));
    *out = NULL;
    if (c == NULL)
        return NTLM_ERR_NOMEM;
    c->user = strdup(user ? user : "");
    c->domain = strdup(domain ? domain : "");
    c->password = strdup(password ? password : "");
    if (c->user == NULL || c->domain == NULL || c->password == NULL) {
        ntlm_client_free(c);
        return NTLM_ERR_NOMEM;
    }
    *out = c;
    return NTLM_OK;
}

int ntlm_client_set_target(struct ntlm_client *c, const char *spn)
{
    uint8_t *t = NULL;
    size_t n = 0;
    int rc;
    if (c->state != 0)
        return NTLM_ERR_STATE;
    /* An AV_PAIR's length is 16 bits. */
    if (spn != NULL && (rc = ntlm_utf8_to_utf16le(spn, 0, &t, &n)) != NTLM_OK)
        return rc;
    if (n > 0xffff) {
        free(t);
        return NTLM_ERR_MALFORMED;
    }
    free(c->target);
    c->target = t;
    c->target_len = n;
    return NTLM_OK;
}

void ntlm_client_free(struct ntlm_client *c)
{
    if (c == NULL)
        return;
    free(c->user);
    free(c->domain);
    free(c->target);
    free_secret(c->password);
    free(c->negotiate);
    ntlm_session_free(c->sess);
    OPENSSL_cleanse(c, sizeof(*c));
    free(c);
}

void ntlm_client_set_test_values(struct ntlm_client *c, const uint8_t client_challenge[8],
                                 const uint8_t exported_key[16])
{
    c->test_values = true;
    memcpy(c->test_client_challenge, client_challenge, 8);
    memcpy(c->test_exported, exported_key, 16);
}

int ntlm_client_established(const struct ntlm_client *c)
{
    return c != NULL && c->state == 2;
}

int ntlm_client_negotiate(struct ntlm_client *c, uint8_t **out, size_t *out_len)
{
    int rc;
    if (c->state != 0)
        return NTLM_ERR_STATE;
    if ((rc = ntlm_encode_negotiate(CLIENT_FLAGS, &c->negotiate, &c->negotiate_len)) != NTLM_OK)
        return rc;
    *out = malloc(c->negotiate_len);
    if (*out == NULL)
        return NTLM_ERR_NOMEM;
    memcpy(*out, c->negotiate, c->negotiate_len);
    *out_len = c->negotiate_len;
    c->state = 1;
    return NTLM_OK;
}

void ntlm_session_free(struct ntlm_session *s)
{
    if (s == NULL)
        return;
    dir_clear(&s->send);
    dir_clear(&s->recv);
    OPENSSL_cleanse(s, sizeof(*s));
    free(s);
}

int ntlm_session_new(const uint8_t exported[16], uint32_t flags, int client,
                     struct ntlm_session **out)
{
    struct ntlm_session *s = calloc(1, sizeof(*s));
    int rc;
    *out = NULL;
    if (s == NULL)
        return NTLM_ERR_NOMEM;
    s->flags = flags;
    /* 3.4.5.2, 3.4.5.3: a key pair per direction; the client seals and
     * signs with the client-to-server keys, the server with the others. */
    if ((rc = ntlm_sign_key(exported, client, s->send.sign_key)) != NTLM_OK ||
        (rc = ntlm_sign_key(exported, !client, s->recv.sign_key)) != NTLM_OK)
        goto out;
    if ((rc = ntlm_seal_key(exported, flags, client, s->send.seal_key)) != NTLM_OK ||
        (rc = ntlm_seal_key(exported, flags, !client, s->recv.seal_key)) != NTLM_OK)
        goto out;
    if ((s->send.rc4 = rc4_new(s->send.seal_key, 16)) == NULL ||
        (s->recv.rc4 = rc4_new(s->recv.seal_key, 16)) == NULL)
        rc = NTLM_ERR_CRYPTO;
out:
    if (rc != NTLM_OK)
        ntlm_session_free(s);
    else
        *out = s;
    return rc;
}

int ntlm_client_start_session(struct ntlm_client *c, const uint8_t exported[16], uint32_t flags)
{
    int rc;
    ntlm_session_free(c->sess);
    c->sess = NULL;
    if ((rc = ntlm_session_new(exported, flags, 1, &c->sess)) == NTLM_OK)
        c->state = 2;
    return rc;
}

/* The AV_PAIR list the client sends in its NTLMv2_CLIENT_CHALLENGE
 * (3.1.5.1.2): the server's pairs, MsvAvFlags with the MIC bit added,
 * MsvAvTargetName when the caller named the target (a server's own
 * MsvAvTargetName is not copied: the pair is the client's to give), then
 * MsvAvEOL. */
static int client_av_pairs(const struct ntlm_client *c, const struct ntlm_challenge *ch,
                           uint8_t **out, size_t *out_len)
{
    size_t pos = 0, n = ch->target_info_len;
    uint32_t avflags = NTLM_AVFLAG_MIC;
    uint8_t *b = malloc(n + 12 + 4 + c->target_len);
    size_t o = 0;
    if (b == NULL)
        return NTLM_ERR_NOMEM;
    while (n - pos >= 4) { /* ntlm_decode_challenge checked the list */
        const uint8_t *a = ch->target_info + pos;
        uint16_t id = (uint16_t)(a[0] | a[1] << 8), len = (uint16_t)(a[2] | a[3] << 8);
        if (id == NTLM_AV_EOL)
            break;
        if (id == NTLM_AV_FLAGS && len == 4) {
            avflags |= (uint32_t)a[4] | (uint32_t)a[5] << 8 | (uint32_t)a[6] << 16 |
                       (uint32_t)a[7] << 24;
        } else if (id != NTLM_AV_TARGET_NAME || c->target == NULL) {
            memcpy(b + o, a, 4u + len);
            o += 4u + len;
        }
        pos += 4u + len;
    }
    b[o++] = NTLM_AV_FLAGS; b[o++] = 0; b[o++] = 4; b[o++] = 0;
    b[o++] = avflags & 0xff; b[o++] = (avflags >> 8) & 0xff;
    b[o++] = (avflags >> 16) & 0xff; b[o++] = (uint8_t)(avflags >> 24);
    if (c->target != NULL) {
        b[o++] = NTLM_AV_TARGET_NAME; b[o++] = 0;
        b[o++] = c->target_len & 0xff; b[o++] = (uint8_t)(c->target_len >> 8);
        memcpy(b + o, c->target, c->target_len);
        o += c->target_len;
    }
    memset(b + o, 0, 4);
    o += 4;
    *out = b;
    *out_len = o;
    return NTLM_OK;
}

/* Now as a FILETIME: 100 ns since 1601-01-01. */
void ntlm_filetime_now(uint8_t out[8])
{
    struct timespec ts;
    uint64_t v;
    clock_gettime(CLOCK_REALTIME, &ts);
    v = ((uint64_t)ts.tv_sec + 11644473600ull) * 10000000ull + (uint64_t)ts.tv_nsec / 100;
    for (int i = 0; i < 8; i++)
        out[i] = (uint8_t)(v >> (8 * i));
}

int ntlm_client_authenticate(struct ntlm_client *c, const uint8_t *challenge, size_t len,
                             uint8_t **out, size_t *out_len)
{
    struct ntlm_challenge ch;
    uint8_t key[16], proof[16], base[16], exported[16], enc_key[16], client_chal[8], lm[24];
    uint8_t *av = NULL, *temp = NULL, *nt = NULL, *udom = NULL, *uuser = NULL, *msg = NULL;
    size_t av_len = 0, temp_len, nt_len, udom_len = 0, uuser_len = 0, msg_len = 0, mic_off = 0;
    uint32_t flags;
    int rc;

    *out = NULL;
    *out_len = 0;
    if (c->state != 1)
        return NTLM_ERR_STATE;
    c->state = -1;
    if ((rc = ntlm_decode_challenge(challenge, len, &ch)) != NTLM_OK)
        return rc;
    /* The negotiated flags: what both asked for.  A server echoing OEM
     * and UNICODE gets Unicode (2.2.2.5 flag A: UNICODE wins).  NTLMv2
     * needs the target info; sealing needs extended session security. */
    flags = ch.flags & CLIENT_FLAGS;
    if (!(flags & NTLM_NEG_UNICODE) || !(flags & NTLM_NEG_ESS) || !(flags & NTLM_NEG_SEAL) ||
        !(flags & NTLM_NEG_SIGN) || !(flags & NTLM_NEG_KEY_EXCH) || ch.target_info_len == 0)
        return NTLM_ERR_UNSUPPORTED;

    if (c->test_values) {
        memcpy(client_chal, c->test_client_challenge, 8);
        memcpy(exported, c->test_exported, 16);
    } else if (RAND_bytes(client_chal, 8) != 1 || RAND_bytes(exported, 16) != 1) {
        return NTLM_ERR_CRYPTO;
    }
    if ((rc = ntlm_ntowfv2(c->password, c->user, c->domain, key)) != NTLM_OK)
        goto out;
    if ((rc = client_av_pairs(c, &ch, &av, &av_len)) != NTLM_OK)
        goto out;

    /* temp (3.3.2): Responserversion, HiResponserversion, Z(6), Time,
     * ClientChallenge, Z(4), ServerName (the AV pairs), Z(4). */
    temp_len = 28 + av_len + 4;
    if ((temp = calloc(1, temp_len)) == NULL) {
        rc = NTLM_ERR_NOMEM;
        goto out;
    }
    temp[0] = 1;
    temp[1] = 1;
    if (ch.have_timestamp)
        memcpy(temp + 8, ch.timestamp, 8); /* 3.1.5.1.2: the server's time */
    else if (!c->test_values)
        ntlm_filetime_now(temp + 8);
    memcpy(temp + 16, client_chal, 8);
    memcpy(temp + 28, av, av_len);
    if ((rc = ntlm_nt_proof(key, ch.server_challenge, temp, temp_len, proof)) != NTLM_OK)
        goto out;
    nt_len = 16 + temp_len;
    if ((nt = malloc(nt_len)) == NULL) {
        rc = NTLM_ERR_NOMEM;
        goto out;
    }
    memcpy(nt, proof, 16);
    memcpy(nt + 16, temp, temp_len);
    /* 3.1.5.1.2: with MsvAvTimestamp in the CHALLENGE the client sends
     * Z(24) as LmChallengeResponse; otherwise LMv2 (ResponseKeyLM is
     * NTOWFv2 too, 3.3.2). */
    if (ch.have_timestamp)
        memset(lm, 0, sizeof(lm));
    else if ((rc = ntlm_lmv2(key, ch.server_challenge, client_chal, lm)) != NTLM_OK)
        goto out;
    /* KeyExchangeKey = SessionBaseKey for NTLMv2 (3.4.5.1);
     * EncryptedRandomSessionKey = RC4K(KeyExchangeKey, ExportedSessionKey). */
    if ((rc = ntlm_session_base_key(key, proof, base)) != NTLM_OK ||
        (rc = ntlm_rc4k(base, exported, enc_key)) != NTLM_OK)
        goto out;
    if ((rc = ntlm_utf8_to_utf16le(c->domain, 0, &udom, &udom_len)) != NTLM_OK ||
        (rc = ntlm_utf8_to_utf16le(c->user, 0, &uuser, &uuser_len)) != NTLM_OK)
        goto out;
    {
        struct ntlm_auth_fields f = {
            .flags = flags,
            .lm = lm, .lm_len = sizeof(lm),
            .nt = nt, .nt_len = nt_len,
            .domain = udom, .domain_len = udom_len,
            .user = uuser, .user_len = uuser_len,
            .workstation = NULL, .workstation_len = 0,
            .enc_key = enc_key, .enc_key_len = 16,
        };
        if ((rc = ntlm_encode_authenticate(&f, &msg, &msg_len, &mic_off)) != NTLM_OK)
            goto out;
    }
    /* MIC = HMAC_MD5(ExportedSessionKey, NEGOTIATE || CHALLENGE ||
     * AUTHENTICATE with a zero MIC) (3.1.5.1.2), MsvAvFlags bit 0x2 set. */
    {
        uint8_t mic[16];
        if ((rc = ntlm_mic(exported, c->negotiate, c->negotiate_len, challenge, len, msg,
                           msg_len, mic)) != NTLM_OK)
            goto out;
        memcpy(msg + mic_off, mic, 16);
    }
    if ((rc = ntlm_client_start_session(c, exported, flags)) != NTLM_OK)
        goto out;
    *out = msg;
    *out_len = msg_len;
    msg = NULL;
out:
    OPENSSL_cleanse(key, sizeof(key));
    OPENSSL_cleanse(proof, sizeof(proof));
    OPENSSL_cleanse(base, sizeof(base));
    OPENSSL_cleanse(exported, sizeof(exported));
    OPENSSL_cleanse(lm, sizeof(lm));
    free(av);
    free(temp);
    free(nt);
    free(udom);
    free(uuser);
    free(msg);
    if (rc != NTLM_OK)
        c->state = -1;
    return rc;
}

/* The NTLMSSP_MESSAGE_SIGNATURE with extended session security
 * (2.2.2.9.1, 3.4.4.2): Version 1, HMAC_MD5(SigningKey, SeqNum ||
 * Message)[0..7] sealed with the direction's RC4 handle (KEY_EXCH), SeqNum. */
static int make_signature(struct ntlm_dir *d, uint32_t flags, const uint8_t *msg, size_t len,
                          uint8_t sig[16])
{
    uint8_t seq[4] = {d->seq & 0xff, (d->seq >> 8) & 0xff, (d->seq >> 16) & 0xff,
                      (uint8_t)(d->seq >> 24)};
    struct part p[2] = {{seq, 4}, {msg, len}};
    uint8_t mac[16];
    int rc = hmac_md5(d->sign_key, 16, p, 2, mac);
    if (rc != NTLM_OK)
        return rc;
    sig[0] = 1; sig[1] = 0; sig[2] = 0; sig[3] = 0;
    if (flags & NTLM_NEG_KEY_EXCH)
        rc = rc4_update(d->rc4, mac, 8, sig + 4);
    else
        memcpy(sig + 4, mac, 8);
    memcpy(sig + 12, seq, 4);
    OPENSSL_cleanse(mac, sizeof(mac));
    return rc;
}

int ntlm_session_seal(struct ntlm_session *s, const uint8_t *in, size_t len, uint8_t **out,
                      size_t *out_len)
{
    uint8_t *o;
    int rc;
    *out = NULL;
    if ((o = malloc(NTLM_SIG_LEN + len)) == NULL)
        return NTLM_ERR_NOMEM;
    /* SEAL (3.4.3): the message is RC4-encrypted first, then the
     * checksum with the same handle (4.2.4.4). */
    if ((rc = rc4_update(s->send.rc4, in, len, o + NTLM_SIG_LEN)) != NTLM_OK ||
        (rc = make_signature(&s->send, s->flags, in, len, o)) != NTLM_OK) {
        free(o);
        return rc;
    }
    s->send.seq++;
    *out = o;
    *out_len = NTLM_SIG_LEN + len;
    return NTLM_OK;
}

int ntlm_session_get_mic(struct ntlm_session *s, const uint8_t *msg, size_t len, uint8_t sig[16])
{
    int rc = make_signature(&s->send, s->flags, msg, len, sig);
    if (rc == NTLM_OK)
        s->send.seq++;
    return rc;
}

int ntlm_session_reset_rc4(struct ntlm_session *s, int send)
{
    struct ntlm_dir *d = send ? &s->send : &s->recv;
    EVP_CIPHER_CTX *fresh = rc4_new(d->seal_key, 16);
    if (fresh == NULL)
        return NTLM_ERR_CRYPTO;
    EVP_CIPHER_CTX_free(d->rc4);
    d->rc4 = fresh;
    return NTLM_OK;
}

int ntlm_session_verify_mic(struct ntlm_session *s, const uint8_t *msg, size_t len,
                            const uint8_t *sig, size_t sig_len)
{
    uint8_t want[16];
    if (sig_len != NTLM_SIG_LEN)
        return NTLM_ERR_BAD_SIG;
    int rc = make_signature(&s->recv, s->flags, msg, len, want);
    if (rc != NTLM_OK)
        return rc;
    if (CRYPTO_memcmp(want, sig, NTLM_SIG_LEN) != 0)
        return NTLM_ERR_BAD_SIG;
    s->recv.seq++;
    return NTLM_OK;
}

int ntlm_session_unseal(struct ntlm_session *s, const uint8_t *in, size_t len, uint8_t **out,
                        size_t *out_len)
{
    uint8_t *o, sig[16];
    size_t n;
    int rc;
    *out = NULL;
    if (len < NTLM_SIG_LEN)
        return NTLM_ERR_MALFORMED;
    n = len - NTLM_SIG_LEN;
    if ((o = malloc(n ? n : 1)) == NULL)
        return NTLM_ERR_NOMEM;
    if ((rc = rc4_update(s->recv.rc4, in + NTLM_SIG_LEN, n, o)) != NTLM_OK ||
        (rc = make_signature(&s->recv, s->flags, o, n, sig)) != NTLM_OK) {
        free(o);
        return rc;
    }
    if (CRYPTO_memcmp(sig, in, NTLM_SIG_LEN) != 0) {
        OPENSSL_cleanse(o, n);
        free(o);
        return NTLM_ERR_BAD_SIG;
    }
    s->recv.seq++;
    *out = o;
    *out_len = n;
    return NTLM_OK;
}

int ntlm_client_seal(struct ntlm_client *c, const uint8_t *in, size_t len, uint8_t **out,
                     size_t *out_len)
{
    int rc;
    *out = NULL;
    if (c->state != 2)
        return NTLM_ERR_STATE;
    if ((rc = ntlm_session_seal(c->sess, in, len, out, out_len)) != NTLM_OK &&
        rc != NTLM_ERR_NOMEM)
        c->state = -1;
    return rc;
}

int ntlm_client_unseal(struct ntlm_client *c, const uint8_t *in, size_t len, uint8_t **out,
                       size_t *out_len)
{
    int rc;
    *out = NULL;
    if (c->state != 2)
        return NTLM_ERR_STATE;
    rc = ntlm_session_unseal(c->sess, in, len, out, out_len);
    /* After a bad signature the RC4 stream has moved on: the context is
     * unusable. */
    if (rc != NTLM_OK && rc != NTLM_ERR_MALFORMED && rc != NTLM_ERR_NOMEM)
        c->state = -1;
    return rc;
}
