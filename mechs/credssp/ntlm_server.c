/*
 * NTLMv2 acceptor for CredSSP's inner context.  See ntlm_server.h.
 */
#include "config.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "ntlm_server.h"

/* What the server grants ([MS-NLMP] 2.2.2.5), when the client asked:
 * the client's own set (ntlm_client.c) - NTLMv2 with extended session
 * security, 128-bit keys, signing, sealing and a key exchange. */
#define SERVER_FLAGS                                                                             \
    (NTLM_NEG_UNICODE | NTLM_REQUEST_TARGET | NTLM_NEG_SIGN | NTLM_NEG_SEAL | NTLM_NEG_NTLM |    \
     NTLM_NEG_ALWAYS_SIGN | NTLM_NEG_ESS | NTLM_NEG_128 | NTLM_NEG_KEY_EXCH | NTLM_NEG_56)

#define NTLMV2_TEMP_FIXED 28 /* RespType .. Z(4) before the AV pairs (2.2.2.7) */

struct ntlm_server {
    char *user_file;
    int state; /* 0 new, 1 CHALLENGE sent, 2 established, -1 failed */
    uint8_t *negotiate, *challenge;
    size_t negotiate_len, challenge_len;
    uint8_t server_challenge[8];
    uint32_t flags; /* what the CHALLENGE granted */
    struct ntlm_session *sess;
    char *client_name;
    bool authenticate_had_mic;
    bool test_values;
    uint8_t test_challenge[8], test_timestamp[8];
    char *test_computer;
};

int ntlm_server_new(const char *user_file, struct ntlm_server **out)
{
    struct ntlm_server *s = calloc(1, sizeof(*s));
    *out = NULL;
    if (s == NULL)
        return NTLM_ERR_NOMEM;
    if ((s->user_file = strdup(user_file ? user_file : "")) == NULL) {
        free(s);
        return NTLM_ERR_NOMEM;
    }
    *out = s;
    return NTLM_OK;
}

void ntlm_server_free(struct ntlm_server *s)
{
    if (s == NULL)
        return;
    free(s->user_file);
    free(s->negotiate);
    free(s->challenge);
    free(s->client_name);
    free(s->test_computer);
    ntlm_session_free(s->sess);
    OPENSSL_cleanse(s, sizeof(*s));
    free(s);
}

void ntlm_server_set_test_values(struct ntlm_server *s, const uint8_t server_challenge[8],
                                 const uint8_t timestamp[8], const char *computer)
{
    s->test_values = true;
    memcpy(s->test_challenge, server_challenge, 8);
    memcpy(s->test_timestamp, timestamp, 8);
    free(s->test_computer);
    s->test_computer = computer ? strdup(computer) : NULL;
}

int ntlm_server_established(const struct ntlm_server *s)
{
    return s != NULL && s->state == 2;
}

const char *ntlm_server_client_name(const struct ntlm_server *s)
{
    return s->state == 2 ? s->client_name : NULL;
}

/* The host's names for the target info: the NetBIOS computer name is the
 * first label, upper-cased and cut to 15 characters; a stand-alone
 * server's NetBIOS domain is its computer name (its local accounts, as
 * Windows answers); the DNS domain is what follows the first dot. */
static void host_names(const struct ntlm_server *s, char nb[16], char *dns, size_t dns_size,
                       const char **dns_domain)
{
    const char *src = s->test_computer;
    char host[256];
    size_t i;
    if (src == NULL) {
        if (gethostname(host, sizeof(host)) != 0 || host[0] == '\0')
            snprintf(host, sizeof(host), "localhost");
        host[sizeof(host) - 1] = '\0';
        src = host;
    }
    snprintf(dns, dns_size, "%s", src);
    for (i = 0; i < 15 && dns[i] != '\0' && dns[i] != '.'; i++)
        nb[i] = (char)toupper((unsigned char)dns[i]);
    nb[i] = '\0';
    *dns_domain = strchr(dns, '.') ? strchr(dns, '.') + 1 : dns;
}

/* The AV pairs of the CHALLENGE (3.2.5.1.1): NetBIOS domain and computer,
 * DNS computer and domain, the timestamp (which makes NTLMv2 clients send
 * a MIC and no LMv2), MsvAvEOL.  *name is the target name (NetBIOS
 * domain) in UTF-16LE. */
static int target_info(struct ntlm_server *s, uint8_t **out, size_t *out_len, uint8_t **name,
                       size_t *name_len)
{
    char nb[16], dns[256];
    const char *dns_domain;
    uint8_t *u_nb = NULL, *u_dns = NULL, *u_dd = NULL, ts[8], *b = NULL;
    size_t nb_len, dns_len, dd_len, pos = 0;
    int rc;
    host_names(s, nb, dns, sizeof(dns), &dns_domain);
    if ((rc = ntlm_utf8_to_utf16le(nb, 0, &u_nb, &nb_len)) != NTLM_OK ||
        (rc = ntlm_utf8_to_utf16le(dns, 0, &u_dns, &dns_len)) != NTLM_OK ||
        (rc = ntlm_utf8_to_utf16le(dns_domain, 0, &u_dd, &dd_len)) != NTLM_OK)
        goto out;
    if (s->test_values)
        memcpy(ts, s->test_timestamp, 8);
    else
        ntlm_filetime_now(ts);
    if ((b = malloc(6 * 4 + 2 * nb_len + dns_len + dd_len + 8)) == NULL) {
        rc = NTLM_ERR_NOMEM;
        goto out;
    }
    ntlm_av_put(b, &pos, NTLM_AV_NB_DOMAIN, u_nb, nb_len);
    ntlm_av_put(b, &pos, NTLM_AV_NB_COMPUTER, u_nb, nb_len);
    ntlm_av_put(b, &pos, NTLM_AV_DNS_DOMAIN, u_dd, dd_len);
    ntlm_av_put(b, &pos, NTLM_AV_DNS_COMPUTER, u_dns, dns_len);
    ntlm_av_put(b, &pos, NTLM_AV_TIMESTAMP, ts, 8);
    ntlm_av_put(b, &pos, NTLM_AV_EOL, NULL, 0);
    *out = b;
    *out_len = pos;
    *name = u_nb;
    *name_len = nb_len;
    u_nb = NULL;
out:
    free(u_nb);
    free(u_dns);
    free(u_dd);
    return rc;
}

int ntlm_server_challenge(struct ntlm_server *s, const uint8_t *negotiate, size_t len,
                          uint8_t **out, size_t *out_len)
{
    uint8_t *ti = NULL, *name = NULL;
    size_t ti_len = 0, name_len = 0;
    uint32_t neg_flags;
    int rc;
    *out = NULL;
    *out_len = 0;
    if (s->state != 0)
        return NTLM_ERR_STATE;
    s->state = -1;
    if ((rc = ntlm_decode_negotiate(negotiate, len, &neg_flags)) != NTLM_OK)
        return rc;
    /* Unicode strings only; sealing here is extended session security's
     * (3.4.4.2), which every NTLMv2 client offers. */
    if (!(neg_flags & NTLM_NEG_UNICODE) || !(neg_flags & NTLM_NEG_ESS))
        return NTLM_ERR_UNSUPPORTED;
    s->flags = (neg_flags & SERVER_FLAGS) | NTLM_NEG_NTLM | NTLM_NEG_TARGET_INFO |
               NTLM_NEG_VERSION | NTLM_REQUEST_TARGET | NTLM_TARGET_TYPE_SERVER;
    if (s->test_values)
        memcpy(s->server_challenge, s->test_challenge, 8);
    else if (RAND_bytes(s->server_challenge, 8) != 1)
        return NTLM_ERR_CRYPTO;
    if ((s->negotiate = malloc(len)) == NULL)
        return NTLM_ERR_NOMEM;
    memcpy(s->negotiate, negotiate, len);
    s->negotiate_len = len;
    if ((rc = target_info(s, &ti, &ti_len, &name, &name_len)) != NTLM_OK)
        goto out;
    if ((rc = ntlm_encode_challenge(s->flags, s->server_challenge, name, name_len, ti, ti_len,
                                    &s->challenge, &s->challenge_len)) != NTLM_OK)
        goto out;
    if ((*out = malloc(s->challenge_len)) == NULL) {
        rc = NTLM_ERR_NOMEM;
        goto out;
    }
    memcpy(*out, s->challenge, s->challenge_len);
    *out_len = s->challenge_len;
    s->state = 1;
out:
    free(ti);
    free(name);
    return rc;
}

/* ------------------------------------------------------------ the user store */

static bool domain_matches(const char *line_domain, const char *domain)
{
    return line_domain[0] == '\0' || domain[0] == '\0' || strcasecmp(line_domain, domain) == 0;
}

int ntlm_user_file_lookup(const char *path, const char *domain, const char *user,
                          char **password, char **line_domain)
{
    FILE *f;
    char *line = NULL, iobuf[4096];
    size_t cap = 0;
    ssize_t n;
    int rc = NTLM_ERR_LOGON;
    *password = NULL;
    if (line_domain != NULL)
        *line_domain = NULL;
    if (path == NULL || path[0] == '\0' || (f = fopen(path, "re")) == NULL)
        return NTLM_ERR_LOGON;
    /* stdio's buffer holds every password read: ours, wiped below */
    setvbuf(f, iobuf, _IOFBF, sizeof(iobuf));
    /* DOMAIN:USER:PASSWORD; the password is the rest of the line (it may
     * hold colons).  Other lines are skipped. */
    while (rc == NTLM_ERR_LOGON && (n = getline(&line, &cap, f)) >= 0) {
        char *u, *p;
        while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
            line[--n] = '\0';
        if ((u = strchr(line, ':')) == NULL || (p = strchr(u + 1, ':')) == NULL)
            continue;
        *u++ = '\0';
        *p++ = '\0';
        if (strcasecmp(u, user) != 0 || !domain_matches(line, domain))
            continue;
        if ((*password = strdup(p)) == NULL ||
            (line_domain != NULL && (*line_domain = strdup(line)) == NULL)) {
            if (*password != NULL) {
                OPENSSL_cleanse(*password, strlen(*password));
                free(*password);
                *password = NULL;
            }
            rc = NTLM_ERR_NOMEM;
        } else {
            rc = NTLM_OK;
        }
    }
    if (line != NULL) {
        OPENSSL_cleanse(line, cap);
        free(line);
    }
    fclose(f);
    OPENSSL_cleanse(iobuf, sizeof(iobuf));
    return rc;
}

/* ------------------------------------------------------------ AUTHENTICATE */

/* The client's MsvAvFlags (in its NTLMv2_CLIENT_CHALLENGE): bit 0x2 says
 * the AUTHENTICATE carries a MIC. */
static int client_av_flags(const uint8_t *av, size_t av_len, uint32_t *flags)
{
    const uint8_t *v;
    size_t vl;
    *flags = 0;
    if (ntlm_av_find(av, av_len, NTLM_AV_FLAGS, &v, &vl) != NTLM_OK)
        return NTLM_ERR_MALFORMED;
    if (v != NULL) {
        if (vl != 4)
            return NTLM_ERR_MALFORMED;
        *flags = (uint32_t)v[0] | (uint32_t)v[1] << 8 | (uint32_t)v[2] << 16 |
                 (uint32_t)v[3] << 24;
    }
    return NTLM_OK;
}

int ntlm_server_accept(struct ntlm_server *s, const uint8_t *msg, size_t len)
{
    struct ntlm_authenticate a;
    char *user = NULL, *domain = NULL, *password = NULL, *line_domain = NULL;
    uint8_t key[16], proof[16], base[16], exported[16], *copy = NULL;
    uint32_t flags, avflags;
    bool known;
    int rc;

    if (s->state != 1)
        return NTLM_ERR_STATE;
    s->state = -1;
    if ((rc = ntlm_decode_authenticate(msg, len, &a)) != NTLM_OK)
        return rc;
    flags = a.flags & s->flags;
    if (!(flags & NTLM_NEG_UNICODE) || !(flags & NTLM_NEG_ESS))
        return NTLM_ERR_UNSUPPORTED;
    /* NTLMv2 only (2.2.2.8): NTProofStr, then the client challenge
     * structure with RespType 1, HiRespType 1 and an AV list.  An NTLMv1
     * response (24 bytes) or none (anonymous) is no logon here. */
    if (a.nt_len < 16 + NTLMV2_TEMP_FIXED + 4 || a.nt[16] != 1 || a.nt[17] != 1)
        return NTLM_ERR_LOGON;
    if (client_av_flags(a.nt + 16 + NTLMV2_TEMP_FIXED, a.nt_len - 16 - NTLMV2_TEMP_FIXED,
                        &avflags) != NTLM_OK)
        return NTLM_ERR_MALFORMED;
    if ((flags & NTLM_NEG_KEY_EXCH) && a.enc_key_len != 16)
        return NTLM_ERR_MALFORMED;
    if ((rc = ntlm_utf16le_to_utf8(a.user, a.user_len, &user)) != NTLM_OK ||
        (rc = ntlm_utf16le_to_utf8(a.domain, a.domain_len, &domain)) != NTLM_OK)
        goto out;
    if (user[0] == '\0') {
        rc = NTLM_ERR_LOGON; /* anonymous */
        goto out;
    }
    rc = ntlm_user_file_lookup(s->user_file, domain, user, &password, &line_domain);
    if (rc == NTLM_ERR_NOMEM)
        goto out;
    /* An unknown user costs the same work as a known one: the response is
     * checked against a random key and cannot verify. */
    known = rc == NTLM_OK;
    if (known)
        rc = ntlm_ntowfv2(password, user, domain, key);
    else
        rc = RAND_bytes(key, 16) == 1 ? NTLM_OK : NTLM_ERR_CRYPTO;
    if (rc != NTLM_OK)
        goto out;
    /* NTProofStr = HMAC_MD5(ResponseKeyNT, ServerChallenge || temp) (3.3.2) */
    if ((rc = ntlm_nt_proof(key, s->server_challenge, a.nt + 16, a.nt_len - 16, proof)) !=
        NTLM_OK)
        goto out;
    if (CRYPTO_memcmp(proof, a.nt, 16) != 0 || !known) {
        rc = NTLM_ERR_LOGON;
        goto out;
    }
    /* KeyExchangeKey = SessionBaseKey (3.4.5.1); the exported key is the
     * client's random one, RC4K-encrypted under it (3.2.5.1.2). */
    if ((rc = ntlm_session_base_key(key, proof, base)) != NTLM_OK)
        goto out;
    if (flags & NTLM_NEG_KEY_EXCH)
        rc = ntlm_rc4k(base, a.enc_key, exported);
    else
        memcpy(exported, base, 16);
    if (rc != NTLM_OK)
        goto out;
    /* MIC (3.2.5.1.2): over the three messages, the AUTHENTICATE's MIC
     * field zeroed; required when the client's MsvAvFlags announce it. */
    if (avflags & NTLM_AVFLAG_MIC) {
        uint8_t mic[16];
        if (!a.has_mic) {
            rc = NTLM_ERR_LOGON;
            goto out;
        }
        if ((copy = malloc(len)) == NULL) {
            rc = NTLM_ERR_NOMEM;
            goto out;
        }
        memcpy(copy, msg, len);
        memset(copy + a.mic_offset, 0, 16);
        rc = ntlm_mic(exported, s->negotiate, s->negotiate_len, s->challenge, s->challenge_len,
                      copy, len, mic);
        if (rc == NTLM_OK && CRYPTO_memcmp(mic, msg + a.mic_offset, 16) != 0)
            rc = NTLM_ERR_LOGON;
        OPENSSL_cleanse(mic, sizeof(mic));
        if (rc != NTLM_OK)
            goto out;
        s->authenticate_had_mic = true;
    }
    {
        const char *d = domain[0] != '\0' ? domain : line_domain;
        size_t n = strlen(d) + 1 + strlen(user) + 1;
        if ((s->client_name = malloc(n)) == NULL) {
            rc = NTLM_ERR_NOMEM;
            goto out;
        }
        snprintf(s->client_name, n, "%s\\%s", d, user);
    }
    if ((rc = ntlm_session_new(exported, flags, 0, &s->sess)) != NTLM_OK)
        goto out;
    s->flags = flags;
    s->state = 2;
out:
    OPENSSL_cleanse(key, sizeof(key));
    OPENSSL_cleanse(proof, sizeof(proof));
    OPENSSL_cleanse(base, sizeof(base));
    OPENSSL_cleanse(exported, sizeof(exported));
    if (password != NULL) {
        OPENSSL_cleanse(password, strlen(password));
        free(password);
    }
    free(copy);
    free(user);
    free(domain);
    free(line_domain);
    if (rc != NTLM_OK) {
        free(s->client_name);
        s->client_name = NULL;
        s->state = -1;
    }
    return rc;
}

int ntlm_server_seal(struct ntlm_server *s, const uint8_t *in, size_t len, uint8_t **out,
                     size_t *out_len)
{
    int rc;
    *out = NULL;
    if (s->state != 2)
        return NTLM_ERR_STATE;
    if ((rc = ntlm_session_seal(s->sess, in, len, out, out_len)) != NTLM_OK &&
        rc != NTLM_ERR_NOMEM)
        s->state = -1;
    return rc;
}

int ntlm_server_unseal(struct ntlm_server *s, const uint8_t *in, size_t len, uint8_t **out,
                       size_t *out_len)
{
    int rc;
    *out = NULL;
    if (s->state != 2)
        return NTLM_ERR_STATE;
    rc = ntlm_session_unseal(s->sess, in, len, out, out_len);
    if (rc != NTLM_OK && rc != NTLM_ERR_MALFORMED && rc != NTLM_ERR_NOMEM)
        s->state = -1;
    return rc;
}

int ntlm_server_get_mic(struct ntlm_server *s, const uint8_t *msg, size_t len, uint8_t sig[16])
{
    if (s->state != 2)
        return NTLM_ERR_STATE;
    int rc = ntlm_session_get_mic(s->sess, msg, len, sig);
    if (rc == NTLM_OK)
        rc = ntlm_session_reset_rc4(s->sess, 1);
    return rc;
}

int ntlm_server_verify_mic(struct ntlm_server *s, const uint8_t *msg, size_t len,
                           const uint8_t *sig, size_t sig_len)
{
    if (s->state != 2)
        return NTLM_ERR_STATE;
    int rc = ntlm_session_verify_mic(s->sess, msg, len, sig, sig_len);
    if (rc == NTLM_OK)
        rc = ntlm_session_reset_rc4(s->sess, 0);
    if (rc == NTLM_ERR_BAD_SIG)
        s->state = -1;
    return rc;
}

int ntlm_server_authenticate_had_mic(const struct ntlm_server *s)
{
    return s->authenticate_had_mic;
}
