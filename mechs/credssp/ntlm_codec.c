/*
 * NTLM message codec ([MS-NLMP] 2.2), both sides.  See ntlm_codec.h.
 * All multi-byte integers are little-endian ([MS-NLMP] 2.2).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <wctype.h>

#include "ntlm_codec.h"

static const uint8_t ntlm_signature[8] = {'N', 'T', 'L', 'M', 'S', 'S', 'P', 0};

/* The VERSION structure ([MS-NLMP] 2.2.2.10): debugging only, so a fixed
 * 6.1 build 7601 and NTLMSSP_REVISION_W2K3 (0x0F). */
static const uint8_t ntlm_version[8] = {6, 1, 0xb1, 0x1d, 0, 0, 0, 0x0f};

#define NEGOTIATE_LEN 40    /* 2.2.1.1 with VERSION */
#define CHALLENGE_MIN 32    /* 2.2.1.2 up to ServerChallenge + Reserved */
#define CHALLENGE_TI 48     /* ... with TargetInfoFields */
#define AUTH_HEADER_LEN 88  /* 2.2.1.3 with VERSION and MIC */
#define AUTH_MIC_OFFSET 72

static uint16_t get16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }
static uint32_t get32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
static void put16(uint8_t *p, uint16_t v) { p[0] = v & 0xff; p[1] = (uint8_t)(v >> 8); }
static void put32(uint8_t *p, uint32_t v)
{
    p[0] = v & 0xff; p[1] = (v >> 8) & 0xff; p[2] = (v >> 16) & 0xff; p[3] = (uint8_t)(v >> 24);
}

/* A payload field descriptor: Len, MaxLen, BufferOffset (2.2.1.1-3). */
static void put_field(uint8_t *hdr, uint16_t len, uint32_t off)
{
    put16(hdr, len);
    put16(hdr + 2, len);
    put32(hdr + 4, off);
}

int ntlm_encode_negotiate(uint32_t flags, uint8_t **out, size_t *out_len)
{
    uint8_t *m = calloc(1, NEGOTIATE_LEN);
    if (m == NULL)
        return NTLM_ERR_NOMEM;
    memcpy(m, ntlm_signature, 8);
    put32(m + 8, 1);
    put32(m + 12, flags);
    /* DomainNameFields and WorkstationFields empty: the OEM_*_SUPPLIED
     * flags are clear; offsets point at the (empty) payload. */
    put_field(m + 16, 0, NEGOTIATE_LEN);
    put_field(m + 24, 0, NEGOTIATE_LEN);
    if (flags & NTLM_NEG_VERSION)
        memcpy(m + 32, ntlm_version, 8);
    *out = m;
    *out_len = NEGOTIATE_LEN;
    return NTLM_OK;
}

/* A payload field of msg[0..len), its header at hdr: within the message. */
static int get_field(const uint8_t *msg, size_t len, size_t hdr, const uint8_t **p, size_t *n)
{
    uint16_t flen = get16(msg + hdr);
    uint32_t off = get32(msg + hdr + 4);
    *p = NULL;
    *n = 0;
    if (flen == 0)
        return NTLM_OK; /* the offset of an empty field means nothing */
    if (off > len || flen > len - off)
        return NTLM_ERR_MALFORMED;
    *p = msg + off;
    *n = flen;
    return NTLM_OK;
}

int ntlm_av_find(const uint8_t *list, size_t len, uint16_t id, const uint8_t **val,
                 size_t *val_len)
{
    size_t pos = 0;
    *val = NULL;
    *val_len = 0;
    for (;;) {
        uint16_t aid, alen;
        if (len - pos < 4)
            return NTLM_ERR_MALFORMED; /* no MsvAvEOL */
        aid = get16(list + pos);
        alen = get16(list + pos + 2);
        pos += 4;
        if (alen > len - pos)
            return NTLM_ERR_MALFORMED;
        if (aid == NTLM_AV_EOL)
            return NTLM_OK;
        if (aid == id && *val == NULL) {
            *val = list + pos;
            *val_len = alen;
        }
        pos += alen;
    }
}

int ntlm_decode_challenge(const uint8_t *msg, size_t len, struct ntlm_challenge *out)
{
    const uint8_t *ts;
    size_t ts_len;
    memset(out, 0, sizeof(*out));
    if (msg == NULL || len < CHALLENGE_MIN || memcmp(msg, ntlm_signature, 8) != 0 ||
        get32(msg + 8) != 2)
        return NTLM_ERR_MALFORMED;
    if (get_field(msg, len, 12, &out->target_name, &out->target_name_len) != NTLM_OK)
        return NTLM_ERR_MALFORMED;
    out->flags = get32(msg + 20);
    memcpy(out->server_challenge, msg + 24, 8);
    if (len >= CHALLENGE_TI && (out->flags & NTLM_NEG_TARGET_INFO)) {
        if (get_field(msg, len, 40, &out->target_info, &out->target_info_len) != NTLM_OK)
            return NTLM_ERR_MALFORMED;
    }
    if (out->target_info_len > 0) {
        if (ntlm_av_find(out->target_info, out->target_info_len, NTLM_AV_TIMESTAMP, &ts, &ts_len) !=
            NTLM_OK)
            return NTLM_ERR_MALFORMED;
        if (ts != NULL) {
            if (ts_len != 8)
                return NTLM_ERR_MALFORMED;
            memcpy(out->timestamp, ts, 8);
            out->have_timestamp = 1;
        }
    }
    return NTLM_OK;
}

int ntlm_encode_authenticate(const struct ntlm_auth_fields *f, uint8_t **out, size_t *out_len,
                             size_t *mic_offset)
{
    const uint8_t *parts[6] = {f->domain, f->user, f->workstation, f->lm, f->nt, f->enc_key};
    const size_t lens[6] = {f->domain_len, f->user_len, f->workstation_len,
                            f->lm_len, f->nt_len, f->enc_key_len};
    /* field headers in message order: Lm, Nt, Domain, User, Workstation, Key */
    static const size_t hdr[6] = {28, 36, 44, 12, 20, 52};
    size_t total = AUTH_HEADER_LEN, off = AUTH_HEADER_LEN;
    uint8_t *m;
    int i;
    for (i = 0; i < 6; i++) {
        if (lens[i] > 0xffff)
            return NTLM_ERR_UNSUPPORTED;
        total += lens[i];
    }
    if (total > 0xffff)
        return NTLM_ERR_UNSUPPORTED;
    m = calloc(1, total);
    if (m == NULL)
        return NTLM_ERR_NOMEM;
    memcpy(m, ntlm_signature, 8);
    put32(m + 8, 3);
    for (i = 0; i < 6; i++) {
        put_field(m + hdr[i], (uint16_t)lens[i], (uint32_t)off);
        if (lens[i])
            memcpy(m + off, parts[i], lens[i]);
        off += lens[i];
    }
    put32(m + 60, f->flags);
    if (f->flags & NTLM_NEG_VERSION)
        memcpy(m + 64, ntlm_version, 8);
    *out = m;
    *out_len = total;
    *mic_offset = AUTH_MIC_OFFSET;
    return NTLM_OK;
}

int ntlm_utf8_to_utf16le(const char *s, int upper, uint8_t **out, size_t *out_len)
{
    size_t n = strlen(s), i = 0, o = 0;
    uint8_t *b = malloc(n * 2 + 2);
    *out = NULL;
    *out_len = 0;
    if (b == NULL)
        return NTLM_ERR_NOMEM;
    while (i < n) {
        unsigned c = (unsigned char)s[i];
        uint32_t cp;
        size_t need, k;
        if (c < 0x80) { cp = c; need = 0; }
        else if (c >= 0xc2 && c <= 0xdf) { cp = c & 0x1f; need = 1; }
        else if (c >= 0xe0 && c <= 0xef) { cp = c & 0x0f; need = 2; }
        else if (c >= 0xf0 && c <= 0xf4) { cp = c & 0x07; need = 3; }
        else goto bad;
        if (n - i <= need)
            goto bad;
        for (k = 1; k <= need; k++) {
            if (((unsigned char)s[i + k] & 0xc0) != 0x80)
                goto bad;
            cp = (cp << 6) | ((unsigned char)s[i + k] & 0x3f);
        }
        i += need + 1;
        if ((cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
            goto bad;
        if (upper && cp < 0x10000) {
            if (cp < 0x80)
                cp = (cp >= 'a' && cp <= 'z') ? cp - 32 : cp;
            else
                cp = (uint32_t)towupper((wint_t)cp);
        }
        if (cp >= 0x10000) {
            uint32_t v = cp - 0x10000, hi = 0xd800 + (v >> 10), lo = 0xdc00 + (v & 0x3ff);
            put16(b + o, (uint16_t)hi);
            put16(b + o + 2, (uint16_t)lo);
            o += 4;
        } else {
            put16(b + o, (uint16_t)cp);
            o += 2;
        }
    }
    *out = b;
    *out_len = o;
    return NTLM_OK;
bad:
    free(b);
    return NTLM_ERR_MALFORMED;
}

/* ------------------------------------------------------------ server side */

#define NEGOTIATE_MIN 16    /* signature, type, flags */
#define NEGOTIATE_FIELDS 32 /* ... with DomainNameFields, WorkstationFields */
#define CHALLENGE_LEN 56    /* 2.2.1.2 with TargetInfoFields and VERSION */
#define AUTH_MIN 64         /* 2.2.1.3 up to NegotiateFlags */

int ntlm_decode_negotiate(const uint8_t *msg, size_t len, uint32_t *flags)
{
    const uint8_t *p;
    size_t n;
    if (msg == NULL || len < NEGOTIATE_MIN || memcmp(msg, ntlm_signature, 8) != 0 ||
        get32(msg + 8) != 1)
        return NTLM_ERR_MALFORMED;
    *flags = get32(msg + 12);
    /* A NEGOTIATE may stop after the flags (2.2.1.1: old clients); the
     * fields it has must lie within it.  Their values are not used. */
    if (len >= NEGOTIATE_FIELDS &&
        (get_field(msg, len, 16, &p, &n) != NTLM_OK || get_field(msg, len, 24, &p, &n) != NTLM_OK))
        return NTLM_ERR_MALFORMED;
    return NTLM_OK;
}

int ntlm_encode_challenge(uint32_t flags, const uint8_t server_challenge[8],
                          const uint8_t *target_name, size_t target_name_len,
                          const uint8_t *target_info, size_t target_info_len, uint8_t **out,
                          size_t *out_len)
{
    size_t total = CHALLENGE_LEN + target_name_len + target_info_len;
    uint8_t *m;
    if (target_name_len > 0xffff || target_info_len > 0xffff || total > 0xffff)
        return NTLM_ERR_UNSUPPORTED;
    if ((m = calloc(1, total)) == NULL)
        return NTLM_ERR_NOMEM;
    memcpy(m, ntlm_signature, 8);
    put32(m + 8, 2);
    put_field(m + 12, (uint16_t)target_name_len, CHALLENGE_LEN);
    put32(m + 20, flags);
    memcpy(m + 24, server_challenge, 8);
    put_field(m + 40, (uint16_t)target_info_len, (uint32_t)(CHALLENGE_LEN + target_name_len));
    memcpy(m + 48, ntlm_version, 8);
    if (target_name_len)
        memcpy(m + CHALLENGE_LEN, target_name, target_name_len);
    if (target_info_len)
        memcpy(m + CHALLENGE_LEN + target_name_len, target_info, target_info_len);
    *out = m;
    *out_len = total;
    return NTLM_OK;
}

int ntlm_decode_authenticate(const uint8_t *msg, size_t len, struct ntlm_authenticate *out)
{
    /* field headers: Lm, Nt, Domain, User, Workstation, EncryptedRandomSessionKey */
    static const size_t hdr[6] = {12, 20, 28, 36, 44, 52};
    const uint8_t **ptr[6] = {&out->lm, &out->nt, &out->domain, &out->user, &out->workstation,
                              &out->enc_key};
    size_t *lens[6] = {&out->lm_len, &out->nt_len, &out->domain_len, &out->user_len,
                       &out->workstation_len, &out->enc_key_len};
    size_t payload = len;
    int i;
    memset(out, 0, sizeof(*out));
    if (msg == NULL || len < AUTH_MIN || memcmp(msg, ntlm_signature, 8) != 0 ||
        get32(msg + 8) != 3)
        return NTLM_ERR_MALFORMED;
    for (i = 0; i < 6; i++) {
        if (get_field(msg, len, hdr[i], ptr[i], lens[i]) != NTLM_OK)
            return NTLM_ERR_MALFORMED;
        /* where the payload starts: the header (and the MIC in it) ends
         * before the first field's bytes */
        if (*lens[i] > 0 && (size_t)(*ptr[i] - msg) < payload)
            payload = (size_t)(*ptr[i] - msg);
    }
    if (payload < AUTH_MIN)
        return NTLM_ERR_MALFORMED; /* a field overlapping the fixed header */
    out->flags = get32(msg + 60);
    /* VERSION (8 bytes at 64) then MIC (16 at 72) when the header has room
     * for them (2.2.1.3). */
    if (payload >= AUTH_HEADER_LEN) {
        out->has_mic = 1;
        out->mic_offset = AUTH_MIC_OFFSET;
    }
    return NTLM_OK;
}

void ntlm_av_put(uint8_t *b, size_t *pos, uint16_t id, const uint8_t *val, size_t len)
{
    put16(b + *pos, id);
    put16(b + *pos + 2, (uint16_t)len);
    if (len)
        memcpy(b + *pos + 4, val, len);
    *pos += 4 + len;
}

int ntlm_utf16le_to_utf8(const uint8_t *s, size_t len, char **out)
{
    size_t i = 0, o = 0;
    char *b;
    *out = NULL;
    if (len % 2 != 0)
        return NTLM_ERR_MALFORMED;
    /* at most 3 UTF-8 bytes per UTF-16 unit (a pair of units: 4) */
    if ((b = malloc(len / 2 * 3 + 1)) == NULL)
        return NTLM_ERR_NOMEM;
    while (i < len) {
        uint32_t cp = get16(s + i);
        i += 2;
        if (cp >= 0xd800 && cp <= 0xdbff) {
            uint32_t lo;
            if (len - i < 2)
                goto bad;
            lo = get16(s + i);
            if (lo < 0xdc00 || lo > 0xdfff)
                goto bad;
            i += 2;
            cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
        } else if ((cp >= 0xdc00 && cp <= 0xdfff) || cp == 0) {
            goto bad;
        }
        if (cp < 0x80) {
            b[o++] = (char)cp;
        } else if (cp < 0x800) {
            b[o++] = (char)(0xc0 | cp >> 6);
            b[o++] = (char)(0x80 | (cp & 0x3f));
        } else if (cp < 0x10000) {
            b[o++] = (char)(0xe0 | cp >> 12);
            b[o++] = (char)(0x80 | ((cp >> 6) & 0x3f));
            b[o++] = (char)(0x80 | (cp & 0x3f));
        } else {
            b[o++] = (char)(0xf0 | cp >> 18);
            b[o++] = (char)(0x80 | ((cp >> 12) & 0x3f));
            b[o++] = (char)(0x80 | ((cp >> 6) & 0x3f));
            b[o++] = (char)(0x80 | (cp & 0x3f));
        }
    }
    b[o] = '\0';
    *out = b;
    return NTLM_OK;
bad:
    free(b);
    return NTLM_ERR_MALFORMED;
}
