/*
 * CredSSP protocol codec: the [MS-CSSP] 2.2.1 messages (TSRequest and
 * TSCredentials with the structures inside it) to and from DER.
 *
 * No GSS-API and no TLS here: this file turns untrusted bytes into plain C
 * structures and back.  The DER itself is OpenSSL's ASN.1 template engine
 * (<openssl/asn1t.h>); nothing here writes or walks DER by hand.
 *
 * The module is EXPLICIT TAGS (MS-CSSP 2.2.1 gives every field as
 * "[n] TYPE" and Windows, FreeRDP and the section 4 example all wrap each
 * field in a constructed context tag: a0 03 02 01 02 for version 2).
 *
 * Rules applied by every decoder
 * ------------------------------
 * - DER only (MS-CSSP 2.2: "encoded by using ASN.1 [X690] and DER").
 *   OpenSSL's decoder also takes BER (indefinite lengths, long-form lengths
 *   that would fit the short form, constructed OCTET STRINGs), so every
 *   accepted input is encoded again and must come out byte for byte the
 *   same: anything else is CSSP_ERR_NOT_DER.  As a consequence, for every
 *   input a decoder accepts, the matching encoder reproduces the input
 *   exactly (tests/fuzz/fuzz_credssp_codec.c checks this).
 * - Exact: the input is one whole element.  Fewer bytes than its header
 *   announces is CSSP_ERR_TRUNCATED, more is CSSP_ERR_TRAILING (also inside
 *   TSCredentials.credentials, which holds exactly one structure).
 * - Fields out of order, repeated, with the wrong tag or missing are
 *   CSSP_ERR_MALFORMED (the template matches fields in order, once each).
 * - INTEGER fields must fit the C field: version, credType and keySpec are
 *   "unsigned" in MS-CSSP and must be 0 .. INT32_MAX; errorCode is a
 *   32-bit NTSTATUS sent as a 4-byte signed INTEGER (0xC000006D is
 *   02 04 C0 00 00 6D, as Windows and FreeRDP write it) and must be
 *   INT32_MIN .. INT32_MAX.  Outside: CSSP_ERR_RANGE.
 * - An input longer than CSSP_MAX_DER_LEN is CSSP_ERR_RANGE.
 * - On any error the output structure is left cleared (all NULL / 0), so
 *   calling the matching *_clear is always safe.
 * - libcrypto's error queue is left as it was (ERR_set_mark/ERR_pop_to_mark
 *   around every call into the ASN.1 engine): a stale entry there would
 *   make a later SSL_get_error() on the caller's TLS connection misreport.
 *
 * Octet strings
 * -------------
 * cssp_octets.data == NULL means the field is absent; a present but empty
 * OCTET STRING has data != NULL and len == 0.  Decoders allocate every
 * present field with malloc (at least one byte, so data is never NULL for
 * a present field).  Encoders read caller-owned buffers and never keep
 * them.  A REQUIRED field (TSPasswordCreds' three strings, the PIN,
 * TSRemoteGuardPackageCred's two) given with data == NULL is encoded as an
 * empty OCTET STRING.
 *
 * Text strings (user, domain, password, PIN, card and CSP names, package
 * names) are UTF-16LE without a terminator (MS-CSSP 2.2 footnote 6:
 * Windows' UNICODE_STRING); the codec does not look inside them.
 *
 * Secrets: TSCredentials and everything in it (passwords, PINs, Remote
 * Guard credential buffers holding tickets and keys) are wiped with
 * OPENSSL_cleanse before their memory is freed, in the caller's structures
 * (cssp_ts_credentials_clear), in OpenSSL's intermediate ASN.1 objects
 * (free callbacks on those templates) and in intermediate DER buffers.  The
 * DER that cssp_ts_credentials_encode returns holds the secrets in clear:
 * release it with cssp_free_secret.
 */
#ifndef SSPI_SHIM_CREDSSP_ASN1_H
#define SSPI_SHIM_CREDSSP_ASN1_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Explicit error codes; values are stable. */
enum cssp_status {
    CSSP_OK = 0,
    CSSP_ERR_NOMEM = 1,         /* malloc failed */
    CSSP_ERR_MALFORMED = 2,     /* not the structure: wrong tag, field missing,
                                 * repeated or out of order, bad header */
    CSSP_ERR_TRAILING = 3,      /* bytes after the element */
    CSSP_ERR_RANGE = 4,         /* INTEGER outside its C field, clientNonce not
                                 * 32 bytes, input or length over the limits */
    CSSP_ERR_INVALID_ARG = 5,   /* NULL pointer or impossible argument */
    CSSP_ERR_TRUNCATED = 6,     /* fewer bytes than the element announces */
    CSSP_ERR_NOT_DER = 7,       /* valid BER, not DER (indefinite length,
                                 * non-minimal length, constructed string) */
    CSSP_ERR_UNSUPPORTED = 8,   /* understood, not supported: unknown credType,
                                 * more than one negoToken */
    CSSP_ERR_CRYPTO = 9,        /* libcrypto failed (credssp_binding.h) */
    CSSP_ERR_MISMATCH = 10      /* binding check failed (credssp_binding.h) */
};

const char *cssp_status_str(enum cssp_status st);

/* Largest DER input the decoders and cssp_der_element_length accept.  Real
 * TSRequests stay well under 64 KiB (Windows' largest SSPI token is 48000
 * bytes); the limit stops a peer from making the caller buffer without end. */
#define CSSP_MAX_DER_LEN ((size_t)1 << 20)

/* MS-CSSP 2.2.1 clientNonce: "A 32-byte array". */
#define CSSP_NONCE_LEN 32

/* MS-CSSP 2.2.1: valid versions are 2..6; a higher version received means
 * "compatible with the highest version the implementation understands".
 * The codec carries any version 0..INT32_MAX; choosing is the caller's. */
#define CSSP_VERSION_MIN 2
#define CSSP_VERSION_MAX 6

/* MS-CSSP 2.2.1.2 credType. */
#define CSSP_CRED_PASSWORD     1
#define CSSP_CRED_SMARTCARD    2
#define CSSP_CRED_REMOTE_GUARD 6

/* Most TSRemoteGuardPackageCred entries accepted in supplementalCreds. */
#define CSSP_MAX_SUPPLEMENTAL_CREDS 64

typedef struct {
    unsigned char *data; /* NULL: absent */
    size_t len;
} cssp_octets;

/* ------------------------------------------------------------ TSRequest */

/* MS-CSSP 2.2.1 TSRequest.  negoTokens is NegoData (2.2.1.1), a SEQUENCE OF
 * negoToken; nego_token is its single entry.  Decoding rejects a NegoData
 * with more than one entry (CSSP_ERR_UNSUPPORTED) and an empty one
 * (CSSP_ERR_MALFORMED): one negoToken "contains one or more SPNEGO tokens
 * and all Kerberos or NTLM messages" (2.2.1.1) of one leg, which is all the
 * inner context can take per step (3.1.5 step 2); Windows and FreeRDP send
 * one entry and read the first.  Taking the first and dropping the rest
 * would let two parsers see different tokens in one message, so a second
 * entry is refused rather than ignored.  A message without a token omits
 * negoTokens (3.1.5 steps 4 and 5). */
struct cssp_ts_request {
    int32_t version;            /* [0] 0..INT32_MAX */
    cssp_octets nego_token;     /* [1] NegoData with one negoToken, OPTIONAL */
    cssp_octets auth_info;      /* [2] OPTIONAL (encrypted TSCredentials) */
    cssp_octets pub_key_auth;   /* [3] OPTIONAL */
    int has_error_code;         /* [4] present */
    int32_t error_code;         /* [4] NTSTATUS, 4-byte signed INTEGER */
    cssp_octets client_nonce;   /* [5] OPTIONAL, exactly CSSP_NONCE_LEN bytes */
};

/* *der is malloc'ed (free()); *der_len its length. */
enum cssp_status cssp_ts_request_encode(const struct cssp_ts_request *req, unsigned char **der,
                                        size_t *der_len);
/* Exact: the whole of der[0..len) is one TSRequest. */
enum cssp_status cssp_ts_request_decode(const unsigned char *der, size_t len,
                                        struct cssp_ts_request *out);
/* Frees and wipes every field, then zeroes the structure. */
void cssp_ts_request_clear(struct cssp_ts_request *req);
/* 1 if the two hold the same fields (absent vs present-empty differ). */
int cssp_ts_request_equal(const struct cssp_ts_request *a, const struct cssp_ts_request *b);

/* How many bytes the DER element that starts at buf[0] takes, header
 * included, so a caller reading TSRequests out of TLS records can tell
 * whether a whole one has arrived:
 *   CSSP_OK, *total == 0   the header is not complete yet: read more
 *                          (OpenSSL's header parser also wants the first
 *                          content octet after a long-form length);
 *   CSSP_OK, *total > 0    the element is *total bytes; *total may be more
 *                          than len (read more) or less (more follows);
 *   CSSP_ERR_MALFORMED     not a DER header (high tag number form, bad
 *                          length octets);
 *   CSSP_ERR_NOT_DER       indefinite length;
 *   CSSP_ERR_RANGE         *total would exceed CSSP_MAX_DER_LEN.
 * len == 0 gives CSSP_OK with *total == 0. */
enum cssp_status cssp_der_element_length(const unsigned char *buf, size_t len, size_t *total);

/* -------------------------------------------------------- TSCredentials */

/* MS-CSSP 2.2.1.2.1 TSPasswordCreds: all three REQUIRED. */
struct cssp_password_creds {
    cssp_octets domain;     /* [0] domainName */
    cssp_octets user;       /* [1] userName */
    cssp_octets password;   /* [2] password */
};

/* MS-CSSP 2.2.1.2.2 TSSmartCardCreds with 2.2.1.2.2.1 TSCspDataDetail
 * (cspData [1]) flattened in. */
struct cssp_smartcard_creds {
    cssp_octets pin;            /* [0] REQUIRED */
    int32_t key_spec;           /* cspData.keySpec [0], 0..INT32_MAX */
    cssp_octets card_name;      /* cspData.cardName [1] OPTIONAL */
    cssp_octets reader_name;    /* cspData.readerName [2] OPTIONAL */
    cssp_octets container_name; /* cspData.containerName [3] OPTIONAL */
    cssp_octets csp_name;       /* cspData.cspName [4] OPTIONAL */
    cssp_octets user_hint;      /* [2] OPTIONAL */
    cssp_octets domain_hint;    /* [3] OPTIONAL */
};

/* MS-CSSP 2.2.1.2.3.1 TSRemoteGuardPackageCred: both REQUIRED. */
struct cssp_remote_guard_package_cred {
    cssp_octets package_name;   /* [0] */
    cssp_octets cred_buffer;    /* [1] */
};

/* MS-CSSP 2.2.1.2.3 TSRemoteGuardCreds.  supplementalCreds [1] OPTIONAL:
 * supplemental == NULL means absent; a present, empty SEQUENCE OF has
 * supplemental != NULL and supplemental_count == 0 (as with cssp_octets). */
struct cssp_remote_guard_creds {
    struct cssp_remote_guard_package_cred logon_cred;      /* [0] */
    struct cssp_remote_guard_package_cred *supplemental;   /* [1] */
    size_t supplemental_count;  /* <= CSSP_MAX_SUPPLEMENTAL_CREDS */
};

/* MS-CSSP 2.2.1.2 TSCredentials.  cred_type selects which member is
 * encoded into (or was decoded from) the credentials OCTET STRING; the
 * others are ignored by the encoder and left zero by the decoder.  MS-CSSP
 * 3.1.5 step 5: exactly one structure. */
struct cssp_ts_credentials {
    int32_t cred_type;  /* CSSP_CRED_PASSWORD (1), _SMARTCARD (2), _REMOTE_GUARD (6) */
    struct cssp_password_creds password;
    struct cssp_smartcard_creds smartcard;
    struct cssp_remote_guard_creds remote_guard;
};

/* Another cred_type: CSSP_ERR_UNSUPPORTED.  *der is malloc'ed and holds
 * the secrets: release it with cssp_free_secret(*der, *der_len). */
enum cssp_status cssp_ts_credentials_encode(const struct cssp_ts_credentials *creds,
                                            unsigned char **der, size_t *der_len);
/* Decodes TSCredentials and the structure its credType names, both exact.
 * Another credType: CSSP_ERR_UNSUPPORTED. */
enum cssp_status cssp_ts_credentials_decode(const unsigned char *der, size_t len,
                                            struct cssp_ts_credentials *out);
/* Wipes (OPENSSL_cleanse) and frees every field, then zeroes the structure. */
void cssp_ts_credentials_clear(struct cssp_ts_credentials *creds);
int cssp_ts_credentials_equal(const struct cssp_ts_credentials *a,
                              const struct cssp_ts_credentials *b);

/* OPENSSL_cleanse(p, len) then free(p); p may be NULL. */
void cssp_free_secret(void *p, size_t len);

#ifdef __cplusplus
}
#endif

#endif /* SSPI_SHIM_CREDSSP_ASN1_H */
