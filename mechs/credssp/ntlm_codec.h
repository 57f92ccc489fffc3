/*
 * NTLM message codec ([MS-NLMP] 2.2).  Client side: NEGOTIATE encode,
 * CHALLENGE decode, AUTHENTICATE encode.  Server side (ntlm_server.c):
 * NEGOTIATE decode, CHALLENGE encode, AUTHENTICATE decode.  Every decoder
 * takes untrusted input and bounds-checks each field.  AV_PAIR lists
 * (2.2.2.1).  No crypto here.
 */
#ifndef SSPI_SHIM_NTLM_CODEC_H
#define SSPI_SHIM_NTLM_CODEC_H

#include <stddef.h>
#include <stdint.h>

#ifndef NTLM_HIDDEN
#define NTLM_HIDDEN __attribute__((visibility("hidden")))
#endif

/* NegotiateFlags ([MS-NLMP] 2.2.2.5) */
#define NTLM_NEG_UNICODE      0x00000001u
#define NTLM_NEG_OEM          0x00000002u
#define NTLM_REQUEST_TARGET   0x00000004u
#define NTLM_NEG_SIGN         0x00000010u
#define NTLM_NEG_SEAL         0x00000020u
#define NTLM_NEG_LM_KEY       0x00000080u
#define NTLM_NEG_NTLM         0x00000200u
#define NTLM_NEG_ANONYMOUS    0x00000800u
#define NTLM_NEG_ALWAYS_SIGN  0x00008000u
#define NTLM_TARGET_TYPE_DOMAIN 0x00010000u
#define NTLM_TARGET_TYPE_SERVER 0x00020000u
#define NTLM_NEG_ESS          0x00080000u /* EXTENDED_SESSIONSECURITY */
#define NTLM_NEG_TARGET_INFO  0x00800000u
#define NTLM_NEG_VERSION      0x02000000u
#define NTLM_NEG_128          0x20000000u
#define NTLM_NEG_KEY_EXCH     0x40000000u
#define NTLM_NEG_56           0x80000000u

/* AvId ([MS-NLMP] 2.2.2.1) */
#define NTLM_AV_EOL        0
#define NTLM_AV_NB_COMPUTER 1
#define NTLM_AV_NB_DOMAIN  2
#define NTLM_AV_DNS_COMPUTER 3
#define NTLM_AV_DNS_DOMAIN 4
#define NTLM_AV_FLAGS      6
#define NTLM_AV_TIMESTAMP  7
#define NTLM_AV_SINGLE_HOST 8
#define NTLM_AV_TARGET_NAME 9
#define NTLM_AV_CHANNEL_BINDINGS 10
/* MsvAvFlags bit: the AUTHENTICATE carries a MIC */
#define NTLM_AVFLAG_MIC 0x00000002u

#define NTLM_OK 0
#define NTLM_ERR_MALFORMED (-1)
#define NTLM_ERR_NOMEM (-2)
#define NTLM_ERR_UNSUPPORTED (-3)
#define NTLM_ERR_CRYPTO (-4)
#define NTLM_ERR_STATE (-5)
#define NTLM_ERR_BAD_SIG (-6)
#define NTLM_ERR_LOGON (-7) /* server: unknown user, wrong password, bad MIC */

/* A CHALLENGE_MESSAGE ([MS-NLMP] 2.2.1.2); pointers are into the decoded
 * message, which must outlive this. */
struct ntlm_challenge {
    uint32_t flags;
    uint8_t server_challenge[8];
    const uint8_t *target_name;
    size_t target_name_len;
    const uint8_t *target_info; /* the AV_PAIR list, MsvAvEOL-terminated */
    size_t target_info_len;
    int have_timestamp;
    uint8_t timestamp[8];       /* MsvAvTimestamp, FILETIME little-endian */
};

/* The NEGOTIATE_MESSAGE (2.2.1.1) with no domain or workstation and the
 * VERSION field when NTLM_NEG_VERSION is in flags.  *out is malloc'd. */
int ntlm_encode_negotiate(uint32_t flags, uint8_t **out, size_t *out_len) NTLM_HIDDEN;

/* Decodes and validates a CHALLENGE_MESSAGE: signature, type, every
 * payload field within the message, a well-formed AV_PAIR list. */
int ntlm_decode_challenge(const uint8_t *msg, size_t len, struct ntlm_challenge *out) NTLM_HIDDEN;

/* Walks an AV_PAIR list; NTLM_OK and the value of the first pair with id
 * (*val NULL if absent), NTLM_ERR_MALFORMED if the list runs past len or
 * lacks MsvAvEOL. */
int ntlm_av_find(const uint8_t *list, size_t len, uint16_t id, const uint8_t **val,
                 size_t *val_len) NTLM_HIDDEN;

/* The AUTHENTICATE_MESSAGE (2.2.1.3).  All strings already in UTF-16LE.
 * The MIC field is written as 16 zero bytes at *mic_offset. */
struct ntlm_auth_fields {
    uint32_t flags;
    const uint8_t *lm, *nt, *domain, *user, *workstation, *enc_key;
    size_t lm_len, nt_len, domain_len, user_len, workstation_len, enc_key_len;
};
int ntlm_encode_authenticate(const struct ntlm_auth_fields *f, uint8_t **out, size_t *out_len,
                             size_t *mic_offset) NTLM_HIDDEN;

/* ---- the server's side */

/* Decodes a NEGOTIATE_MESSAGE (2.2.1.1): signature, type, flags; the
 * domain and workstation fields, when present, within the message. */
int ntlm_decode_negotiate(const uint8_t *msg, size_t len, uint32_t *flags) NTLM_HIDDEN;

/* The CHALLENGE_MESSAGE (2.2.1.2) with VERSION; target_name in UTF-16LE,
 * target_info a complete AV_PAIR list.  *out is malloc'd. */
int ntlm_encode_challenge(uint32_t flags, const uint8_t server_challenge[8],
                          const uint8_t *target_name, size_t target_name_len,
                          const uint8_t *target_info, size_t target_info_len, uint8_t **out,
                          size_t *out_len) NTLM_HIDDEN;

/* A decoded AUTHENTICATE_MESSAGE (2.2.1.3); pointers into the message. */
struct ntlm_authenticate {
    uint32_t flags;
    const uint8_t *lm, *nt, *domain, *user, *workstation, *enc_key;
    size_t lm_len, nt_len, domain_len, user_len, workstation_len, enc_key_len;
    int has_mic;       /* the header is long enough to hold the MIC field */
    size_t mic_offset; /* where it is */
};
int ntlm_decode_authenticate(const uint8_t *msg, size_t len,
                             struct ntlm_authenticate *out) NTLM_HIDDEN;

/* Appends one AV_PAIR (id, value) at b + *pos; the caller sized b. */
void ntlm_av_put(uint8_t *b, size_t *pos, uint16_t id, const uint8_t *val,
                 size_t len) NTLM_HIDDEN;

/* UTF-16LE to UTF-8 (malloc'd, NUL-terminated); NTLM_ERR_MALFORMED for an
 * odd length, an unpaired surrogate or a NUL. */
int ntlm_utf16le_to_utf8(const uint8_t *s, size_t len, char **out) NTLM_HIDDEN;

/* UTF-8 to UTF-16LE (malloc'd; an empty string gives a non-NULL buffer of
 * length 0); upper: ASCII and BMP letters upper-cased (towupper), for
 * NTOWFv2's Uppercase(User). */
int ntlm_utf8_to_utf16le(const char *s, int upper, uint8_t **out, size_t *out_len) NTLM_HIDDEN;

#endif
