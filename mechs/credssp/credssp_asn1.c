/*
 * CredSSP protocol codec ([MS-CSSP] 2.2.1) on OpenSSL's ASN.1 templates.
 * See credssp_asn1.h for the rules every decoder applies.
 */
#include <limits.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/asn1.h>
#include <openssl/asn1t.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/safestack.h>

#include "credssp_asn1.h"
#include "credssp_asn1_internal.h"

/* ------------------------------------------------------------ templates */

/* Free callback for the structures that hold secrets: wipe every octet
 * string before OpenSSL frees it (ASN1_STRING_free does not).  The field
 * list of each type is given by a small table of offsets. */
struct secret_fields {
    size_t count;
    size_t offsets[4];
};

static void wipe_asn1_string(ASN1_STRING *s)
{
    if (s != NULL && s->data != NULL && s->length > 0)
        OPENSSL_cleanse(s->data, (size_t)s->length);
}

static void wipe_fields(ASN1_VALUE *val, const struct secret_fields *f)
{
    size_t i;
    if (val == NULL)
        return;
    for (i = 0; i < f->count; i++)
        wipe_asn1_string(*(ASN1_STRING **)(void *)((unsigned char *)val + f->offsets[i]));
}

/* MS-CSSP 2.2.1.1 NegoData ::= SEQUENCE OF SEQUENCE { negoToken [0] OCTET STRING } */
typedef struct {
    ASN1_OCTET_STRING *nego_token;
} CSSP_NEGO_ITEM;
DEFINE_STACK_OF(CSSP_NEGO_ITEM)

ASN1_SEQUENCE(CSSP_NEGO_ITEM) = {
    ASN1_EXP(CSSP_NEGO_ITEM, nego_token, ASN1_OCTET_STRING, 0)
} static_ASN1_SEQUENCE_END(CSSP_NEGO_ITEM)

/* MS-CSSP 2.2.1 TSRequest */
typedef struct {
    ASN1_INTEGER *version;
    STACK_OF(CSSP_NEGO_ITEM) *nego_tokens;
    ASN1_OCTET_STRING *auth_info;
    ASN1_OCTET_STRING *pub_key_auth;
    ASN1_INTEGER *error_code;
    ASN1_OCTET_STRING *client_nonce;
} CSSP_TS_REQUEST;

ASN1_SEQUENCE(CSSP_TS_REQUEST) = {
    ASN1_EXP(CSSP_TS_REQUEST, version, ASN1_INTEGER, 0),
    ASN1_EXP_SEQUENCE_OF_OPT(CSSP_TS_REQUEST, nego_tokens, CSSP_NEGO_ITEM, 1),
    ASN1_EXP_OPT(CSSP_TS_REQUEST, auth_info, ASN1_OCTET_STRING, 2),
    ASN1_EXP_OPT(CSSP_TS_REQUEST, pub_key_auth, ASN1_OCTET_STRING, 3),
    ASN1_EXP_OPT(CSSP_TS_REQUEST, error_code, ASN1_INTEGER, 4),
    ASN1_EXP_OPT(CSSP_TS_REQUEST, client_nonce, ASN1_OCTET_STRING, 5)
} static_ASN1_SEQUENCE_END(CSSP_TS_REQUEST)

/* MS-CSSP 2.2.1.2 TSCredentials */
typedef struct {
    ASN1_INTEGER *cred_type;
    ASN1_OCTET_STRING *credentials;
} CSSP_TS_CREDENTIALS;

static int ts_credentials_cb(int op, ASN1_VALUE **pval, const ASN1_ITEM *it, void *exarg)
{
    static const struct secret_fields f = {
        1, {offsetof(CSSP_TS_CREDENTIALS, credentials)}};
    if (op == ASN1_OP_FREE_PRE)
        wipe_fields(*pval, &f);
    return 1;
}

ASN1_SEQUENCE_cb(CSSP_TS_CREDENTIALS, ts_credentials_cb) = {
    ASN1_EXP(CSSP_TS_CREDENTIALS, cred_type, ASN1_INTEGER, 0),
    ASN1_EXP(CSSP_TS_CREDENTIALS, credentials, ASN1_OCTET_STRING, 1)
} static_ASN1_SEQUENCE_END_cb(CSSP_TS_CREDENTIALS, CSSP_TS_CREDENTIALS)

/* MS-CSSP 2.2.1.2.1 TSPasswordCreds */
typedef struct {
    ASN1_OCTET_STRING *domain_name;
    ASN1_OCTET_STRING *user_name;
    ASN1_OCTET_STRING *password;
} CSSP_TS_PASSWORD_CREDS;

static int ts_password_cb(int op, ASN1_VALUE **pval, const ASN1_ITEM *it, void *exarg)
{
    static const struct secret_fields f = {
        3, {offsetof(CSSP_TS_PASSWORD_CREDS, domain_name),
            offsetof(CSSP_TS_PASSWORD_CREDS, user_name),
            offsetof(CSSP_TS_PASSWORD_CREDS, password)}};
    if (op == ASN1_OP_FREE_PRE)
        wipe_fields(*pval, &f);
    return 1;
}

ASN1_SEQUENCE_cb(CSSP_TS_PASSWORD_CREDS, ts_password_cb) = {
    ASN1_EXP(CSSP_TS_PASSWORD_CREDS, domain_name, ASN1_OCTET_STRING, 0),
    ASN1_EXP(CSSP_TS_PASSWORD_CREDS, user_name, ASN1_OCTET_STRING, 1),
    ASN1_EXP(CSSP_TS_PASSWORD_CREDS, password, ASN1_OCTET_STRING, 2)
} static_ASN1_SEQUENCE_END_cb(CSSP_TS_PASSWORD_CREDS, CSSP_TS_PASSWORD_CREDS)

/* MS-CSSP 2.2.1.2.2.1 TSCspDataDetail (names only, nothing secret) */
typedef struct {
    ASN1_INTEGER *key_spec;
    ASN1_OCTET_STRING *card_name;
    ASN1_OCTET_STRING *reader_name;
    ASN1_OCTET_STRING *container_name;
    ASN1_OCTET_STRING *csp_name;
} CSSP_TS_CSP_DATA_DETAIL;

ASN1_SEQUENCE(CSSP_TS_CSP_DATA_DETAIL) = {
    ASN1_EXP(CSSP_TS_CSP_DATA_DETAIL, key_spec, ASN1_INTEGER, 0),
    ASN1_EXP_OPT(CSSP_TS_CSP_DATA_DETAIL, card_name, ASN1_OCTET_STRING, 1),
    ASN1_EXP_OPT(CSSP_TS_CSP_DATA_DETAIL, reader_name, ASN1_OCTET_STRING, 2),
    ASN1_EXP_OPT(CSSP_TS_CSP_DATA_DETAIL, container_name, ASN1_OCTET_STRING, 3),
    ASN1_EXP_OPT(CSSP_TS_CSP_DATA_DETAIL, csp_name, ASN1_OCTET_STRING, 4)
} static_ASN1_SEQUENCE_END(CSSP_TS_CSP_DATA_DETAIL)

/* MS-CSSP 2.2.1.2.2 TSSmartCardCreds */
typedef struct {
    ASN1_OCTET_STRING *pin;
    CSSP_TS_CSP_DATA_DETAIL *csp_data;
    ASN1_OCTET_STRING *user_hint;
    ASN1_OCTET_STRING *domain_hint;
} CSSP_TS_SMARTCARD_CREDS;

static int ts_smartcard_cb(int op, ASN1_VALUE **pval, const ASN1_ITEM *it, void *exarg)
{
    static const struct secret_fields f = {
        3, {offsetof(CSSP_TS_SMARTCARD_CREDS, pin),
            offsetof(CSSP_TS_SMARTCARD_CREDS, user_hint),
            offsetof(CSSP_TS_SMARTCARD_CREDS, domain_hint)}};
    if (op == ASN1_OP_FREE_PRE)
        wipe_fields(*pval, &f);
    return 1;
}

ASN1_SEQUENCE_cb(CSSP_TS_SMARTCARD_CREDS, ts_smartcard_cb) = {
    ASN1_EXP(CSSP_TS_SMARTCARD_CREDS, pin, ASN1_OCTET_STRING, 0),
    ASN1_EXP(CSSP_TS_SMARTCARD_CREDS, csp_data, CSSP_TS_CSP_DATA_DETAIL, 1),
    ASN1_EXP_OPT(CSSP_TS_SMARTCARD_CREDS, user_hint, ASN1_OCTET_STRING, 2),
    ASN1_EXP_OPT(CSSP_TS_SMARTCARD_CREDS, domain_hint, ASN1_OCTET_STRING, 3)
} static_ASN1_SEQUENCE_END_cb(CSSP_TS_SMARTCARD_CREDS, CSSP_TS_SMARTCARD_CREDS)

/* MS-CSSP 2.2.1.2.3.1 TSRemoteGuardPackageCred */
typedef struct {
    ASN1_OCTET_STRING *package_name;
    ASN1_OCTET_STRING *cred_buffer;
} CSSP_TS_RG_PACKAGE_CRED;
DEFINE_STACK_OF(CSSP_TS_RG_PACKAGE_CRED)

static int ts_rg_package_cb(int op, ASN1_VALUE **pval, const ASN1_ITEM *it, void *exarg)
{
    static const struct secret_fields f = {
        2, {offsetof(CSSP_TS_RG_PACKAGE_CRED, package_name),
            offsetof(CSSP_TS_RG_PACKAGE_CRED, cred_buffer)}};
    if (op == ASN1_OP_FREE_PRE)
        wipe_fields(*pval, &f);
    return 1;
}

ASN1_SEQUENCE_cb(CSSP_TS_RG_PACKAGE_CRED, ts_rg_package_cb) = {
    ASN1_EXP(CSSP_TS_RG_PACKAGE_CRED, package_name, ASN1_OCTET_STRING, 0),
    ASN1_EXP(CSSP_TS_RG_PACKAGE_CRED, cred_buffer, ASN1_OCTET_STRING, 1)
} static_ASN1_SEQUENCE_END_cb(CSSP_TS_RG_PACKAGE_CRED, CSSP_TS_RG_PACKAGE_CRED)

/* MS-CSSP 2.2.1.2.3 TSRemoteGuardCreds (the secrets are in the package
 * credentials, wiped by their own callback) */
typedef struct {
    CSSP_TS_RG_PACKAGE_CRED *logon_cred;
    STACK_OF(CSSP_TS_RG_PACKAGE_CRED) *supplemental_creds;
} CSSP_TS_RG_CREDS;

ASN1_SEQUENCE(CSSP_TS_RG_CREDS) = {
    ASN1_EXP(CSSP_TS_RG_CREDS, logon_cred, CSSP_TS_RG_PACKAGE_CRED, 0),
    ASN1_EXP_SEQUENCE_OF_OPT(CSSP_TS_RG_CREDS, supplemental_creds, CSSP_TS_RG_PACKAGE_CRED, 1)
} static_ASN1_SEQUENCE_END(CSSP_TS_RG_CREDS)

/* -------------------------------------------------------------- helpers */

const char *cssp_status_str(enum cssp_status st)
{
    switch (st) {
    case CSSP_OK: return "ok";
    case CSSP_ERR_NOMEM: return "out of memory";
    case CSSP_ERR_MALFORMED: return "malformed";
    case CSSP_ERR_TRAILING: return "trailing bytes";
    case CSSP_ERR_RANGE: return "value out of range";
    case CSSP_ERR_INVALID_ARG: return "invalid argument";
    case CSSP_ERR_TRUNCATED: return "truncated";
    case CSSP_ERR_NOT_DER: return "not DER";
    case CSSP_ERR_UNSUPPORTED: return "unsupported";
    case CSSP_ERR_CRYPTO: return "libcrypto failure";
    case CSSP_ERR_MISMATCH: return "binding mismatch";
    }
    return "unknown status";
}

void cssp_free_secret(void *p, size_t len)
{
    if (p == NULL)
        return;
    OPENSSL_cleanse(p, len);
    free(p);
}

static void oct_clear(cssp_octets *o)
{
    cssp_free_secret(o->data, o->len);
    o->data = NULL;
    o->len = 0;
}

static int oct_equal(const cssp_octets *a, const cssp_octets *b)
{
    if (a->data == NULL || b->data == NULL)
        return a->data == NULL && b->data == NULL;
    return a->len == b->len && (a->len == 0 || memcmp(a->data, b->data, a->len) == 0);
}

/* C field -> ASN.1: absent optional fields stay NULL; a required field
 * without data becomes an empty OCTET STRING. */
enum cssp_status cssp_oct_to_asn1(const cssp_octets *src, int required, ASN1_OCTET_STRING **dst)
{
    if (src->data == NULL && src->len != 0)
        return CSSP_ERR_INVALID_ARG;
    if (src->data == NULL && !required)
        return CSSP_OK;
    if (src->len > (size_t)INT_MAX || src->len > CSSP_MAX_DER_LEN)
        return CSSP_ERR_RANGE;
    /* ASN1_item_new() already made the REQUIRED ones: fill those in */
    if (*dst == NULL && (*dst = ASN1_OCTET_STRING_new()) == NULL)
        return CSSP_ERR_NOMEM;
    if (!ASN1_OCTET_STRING_set(*dst, src->data, (int)src->len))
        return CSSP_ERR_NOMEM;
    return CSSP_OK;
}

/* ASN.1 -> C field: NULL stays absent; present fields get at least one
 * allocated byte so that data != NULL. */
enum cssp_status cssp_oct_from_asn1(const ASN1_OCTET_STRING *src, cssp_octets *dst)
{
    size_t n;
    if (src == NULL)
        return CSSP_OK;
    n = (size_t)ASN1_STRING_length(src);
    if ((dst->data = malloc(n ? n : 1)) == NULL)
        return CSSP_ERR_NOMEM;
    if (n)
        memcpy(dst->data, ASN1_STRING_get0_data(src), n);
    dst->len = n;
    return CSSP_OK;
}

static enum cssp_status int_to_asn1(int32_t v, ASN1_INTEGER **dst)
{
    if (*dst == NULL && (*dst = ASN1_INTEGER_new()) == NULL)
        return CSSP_ERR_NOMEM;
    if (!ASN1_INTEGER_set_int64(*dst, v))
        return CSSP_ERR_NOMEM;
    return CSSP_OK;
}

/* The INTEGER must lie in [min, max] (both within int32_t).  Together with
 * the DER check this is what OpenSSL's INT32 item does, with a specific
 * status for a value outside the field. */
static enum cssp_status int_from_asn1(const ASN1_INTEGER *src, int64_t min, int64_t max,
                                      int32_t *dst)
{
    int64_t v;
    enum cssp_status st = CSSP_OK;
    if (src == NULL)
        return CSSP_ERR_MALFORMED;
    ERR_set_mark();
    if (!ASN1_INTEGER_get_int64(&v, src) || v < min || v > max)
        st = CSSP_ERR_RANGE;  /* beyond int64_t, or beyond the field */
    else
        *dst = (int32_t)v;
    ERR_pop_to_mark();
    return st;
}

/* One ASN.1 value to a malloc'ed DER buffer. */
enum cssp_status cssp_to_der(const ASN1_VALUE *val, const ASN1_ITEM *it, unsigned char **der,
                               size_t *der_len)
{
    int n, m;
    unsigned char *buf, *p;
    enum cssp_status st = CSSP_OK;

    ERR_set_mark();
    n = ASN1_item_i2d((ASN1_VALUE *)val, NULL, it);
    if (n <= 0) {
        st = CSSP_ERR_NOMEM;
        goto out;
    }
    if ((size_t)n > CSSP_MAX_DER_LEN) {
        st = CSSP_ERR_RANGE;
        goto out;
    }
    if ((buf = malloc((size_t)n)) == NULL) {
        st = CSSP_ERR_NOMEM;
        goto out;
    }
    p = buf;
    m = ASN1_item_i2d((ASN1_VALUE *)val, &p, it);
    if (m != n) {
        cssp_free_secret(buf, (size_t)n);
        st = CSSP_ERR_NOMEM;
        goto out;
    }
    *der = buf;
    *der_len = (size_t)n;
out:
    ERR_pop_to_mark();
    return st;
}

enum cssp_status cssp_der_element_length(const unsigned char *buf, size_t len,
                                                size_t *total)
{
    const unsigned char *p = buf;
    long content = 0, omax;
    int tag, cls, ret;
    size_t hdr;

    if (total == NULL || (buf == NULL && len > 0))
        return CSSP_ERR_INVALID_ARG;
    *total = 0;
    if (len == 0)
        return CSSP_OK;
    /* X.690 8.1.2.4: the high tag number form.  Every CredSSP tag is below
     * 31, so a header using it is not a CredSSP element. */
    if ((buf[0] & 0x1f) == 0x1f)
        return CSSP_ERR_MALFORMED;

    /* The announced length is what matters here, not how much has arrived:
     * cap what OpenSSL is told so a huge len still fits a long. */
    omax = (long)(len > CSSP_MAX_DER_LEN + 16 ? CSSP_MAX_DER_LEN + 16 : len);
    ERR_set_mark();
    ret = ASN1_get_object(&p, &content, &tag, &cls, omax);
    ERR_pop_to_mark();

    if (p == buf) {
        /* The header was not parsed: either it has not all arrived
         * (identifier, first length octet, the long form's length octets
         * and, for OpenSSL's parser, one content octet after those), or it
         * is bad (too many length octets, indefinite length on a
         * primitive). */
        size_t need = 2;
        if (len >= 2 && (buf[1] & 0x80) && buf[1] != 0x80)
            need = 2 + (size_t)(buf[1] & 0x7f) + 1;
        return len < need ? CSSP_OK : CSSP_ERR_MALFORMED;
    }
    if (ret & 0x01)  /* X.690 10.1: DER uses the definite form only */
        return CSSP_ERR_NOT_DER;
    hdr = (size_t)(p - buf);
    if (content < 0 || (size_t)content > CSSP_MAX_DER_LEN - hdr)
        return CSSP_ERR_RANGE;
    *total = hdr + (size_t)content;
    return CSSP_OK;
}

/* Decodes exactly one DER element of type `it` from der[0..len). */
enum cssp_status cssp_from_der(const unsigned char *der, size_t len, const ASN1_ITEM *it,
                                 ASN1_VALUE **out)
{
    const unsigned char *p = der;
    unsigned char *again = NULL;
    ASN1_VALUE *val = NULL;
    size_t total;
    int n;
    enum cssp_status st;

    *out = NULL;
    if (der == NULL && len > 0)
        return CSSP_ERR_INVALID_ARG;
    if (len > CSSP_MAX_DER_LEN)
        return CSSP_ERR_RANGE;
    st = cssp_der_element_length(der, len, &total);
    if (st != CSSP_OK)
        return st;
    if (total == 0 || total > len)
        return CSSP_ERR_TRUNCATED;
    if (total < len)
        return CSSP_ERR_TRAILING;

    ERR_set_mark();
    val = ASN1_item_d2i(NULL, &p, (long)len, it);
    if (val == NULL) {
        st = CSSP_ERR_MALFORMED;
        goto out;
    }
    if (p != der + len) {
        st = CSSP_ERR_TRAILING;
        goto out;
    }
    /* DER check: the canonical encoding of what was read must be the input
     * itself (MS-CSSP 2.2; X.690 10 and 11). */
    n = ASN1_item_i2d(val, &again, it);
    if (n <= 0) {
        st = CSSP_ERR_NOMEM;
        goto out;
    }
    if ((size_t)n != len || memcmp(again, der, len) != 0)
        st = CSSP_ERR_NOT_DER;
    OPENSSL_clear_free(again, (size_t)n);
out:
    ERR_pop_to_mark();
    if (st != CSSP_OK) {
        ASN1_item_free(val, it);
        return st;
    }
    *out = val;
    return CSSP_OK;
}

/* ------------------------------------------------------------ TSRequest */

void cssp_ts_request_clear(struct cssp_ts_request *req)
{
    if (req == NULL)
        return;
    oct_clear(&req->nego_token);
    oct_clear(&req->auth_info);
    oct_clear(&req->pub_key_auth);
    oct_clear(&req->client_nonce);
    memset(req, 0, sizeof(*req));
}

int cssp_ts_request_equal(const struct cssp_ts_request *a, const struct cssp_ts_request *b)
{
    return a->version == b->version && oct_equal(&a->nego_token, &b->nego_token) &&
           oct_equal(&a->auth_info, &b->auth_info) &&
           oct_equal(&a->pub_key_auth, &b->pub_key_auth) &&
           !a->has_error_code == !b->has_error_code &&
           (!a->has_error_code || a->error_code == b->error_code) &&
           oct_equal(&a->client_nonce, &b->client_nonce);
}

enum cssp_status cssp_ts_request_encode(const struct cssp_ts_request *req,
                                               unsigned char **der, size_t *der_len)
{
    const ASN1_ITEM *it = ASN1_ITEM_rptr(CSSP_TS_REQUEST);
    CSSP_TS_REQUEST *r = NULL;
    CSSP_NEGO_ITEM *item = NULL;
    enum cssp_status st;

    if (der != NULL)
        *der = NULL;
    if (der_len != NULL)
        *der_len = 0;
    if (req == NULL || der == NULL || der_len == NULL)
        return CSSP_ERR_INVALID_ARG;
    if (req->version < 0)
        return CSSP_ERR_RANGE;
    if (req->client_nonce.data != NULL && req->client_nonce.len != CSSP_NONCE_LEN)
        return CSSP_ERR_RANGE;  /* MS-CSSP 2.2.1: "A 32-byte array" */

    if ((r = (CSSP_TS_REQUEST *)ASN1_item_new(it)) == NULL)
        return CSSP_ERR_NOMEM;
    if ((st = int_to_asn1(req->version, &r->version)) != CSSP_OK)
        goto out;
    if (req->nego_token.data != NULL || req->nego_token.len != 0) {
        if ((r->nego_tokens = sk_CSSP_NEGO_ITEM_new_null()) == NULL) {
            st = CSSP_ERR_NOMEM;
            goto out;
        }
        item = (CSSP_NEGO_ITEM *)ASN1_item_new(ASN1_ITEM_rptr(CSSP_NEGO_ITEM));
        if (item == NULL) {
            st = CSSP_ERR_NOMEM;
            goto out;
        }
        if (!sk_CSSP_NEGO_ITEM_push(r->nego_tokens, item)) {
            ASN1_item_free((ASN1_VALUE *)item, ASN1_ITEM_rptr(CSSP_NEGO_ITEM));
            st = CSSP_ERR_NOMEM;
            goto out;
        }
        if ((st = cssp_oct_to_asn1(&req->nego_token, 1, &item->nego_token)) != CSSP_OK)
            goto out;
    }
    if ((st = cssp_oct_to_asn1(&req->auth_info, 0, &r->auth_info)) != CSSP_OK ||
        (st = cssp_oct_to_asn1(&req->pub_key_auth, 0, &r->pub_key_auth)) != CSSP_OK ||
        (st = cssp_oct_to_asn1(&req->client_nonce, 0, &r->client_nonce)) != CSSP_OK)
        goto out;
    if (req->has_error_code && (st = int_to_asn1(req->error_code, &r->error_code)) != CSSP_OK)
        goto out;
    st = cssp_to_der((ASN1_VALUE *)r, it, der, der_len);
out:
    ASN1_item_free((ASN1_VALUE *)r, it);
    return st;
}

enum cssp_status cssp_ts_request_decode(const unsigned char *der, size_t len,
                                               struct cssp_ts_request *out)
{
    const ASN1_ITEM *it = ASN1_ITEM_rptr(CSSP_TS_REQUEST);
    CSSP_TS_REQUEST *r = NULL;
    enum cssp_status st;

    if (out == NULL)
        return CSSP_ERR_INVALID_ARG;
    memset(out, 0, sizeof(*out));
    if ((st = cssp_from_der(der, len, it, (ASN1_VALUE **)&r)) != CSSP_OK)
        return st;

    if ((st = int_from_asn1(r->version, 0, INT32_MAX, &out->version)) != CSSP_OK)
        goto out;
    if (r->nego_tokens != NULL) {
        int n = sk_CSSP_NEGO_ITEM_num(r->nego_tokens);
        if (n == 0) {
            st = CSSP_ERR_MALFORMED;  /* negoTokens without a token: see the header */
            goto out;
        }
        if (n > 1) {
            st = CSSP_ERR_UNSUPPORTED;  /* one leg, one negoToken: see the header */
            goto out;
        }
        st = cssp_oct_from_asn1(sk_CSSP_NEGO_ITEM_value(r->nego_tokens, 0)->nego_token,
                           &out->nego_token);
        if (st != CSSP_OK)
            goto out;
    }
    if ((st = cssp_oct_from_asn1(r->auth_info, &out->auth_info)) != CSSP_OK ||
        (st = cssp_oct_from_asn1(r->pub_key_auth, &out->pub_key_auth)) != CSSP_OK)
        goto out;
    if (r->error_code != NULL) {
        /* MS-CSSP 2.2.1 errorCode: a 32-bit NTSTATUS, signed on the wire */
        st = int_from_asn1(r->error_code, INT32_MIN, INT32_MAX, &out->error_code);
        if (st != CSSP_OK)
            goto out;
        out->has_error_code = 1;
    }
    if (r->client_nonce != NULL && ASN1_STRING_length(r->client_nonce) != CSSP_NONCE_LEN) {
        st = CSSP_ERR_RANGE;  /* MS-CSSP 2.2.1: "A 32-byte array" */
        goto out;
    }
    st = cssp_oct_from_asn1(r->client_nonce, &out->client_nonce);
out:
    ASN1_item_free((ASN1_VALUE *)r, it);
    if (st != CSSP_OK)
        cssp_ts_request_clear(out);
    return st;
}

/* -------------------------------------------------------- TSCredentials */

static void rg_package_clear(struct cssp_remote_guard_package_cred *c)
{
    oct_clear(&c->package_name);
    oct_clear(&c->cred_buffer);
}

void cssp_ts_credentials_clear(struct cssp_ts_credentials *c)
{
    size_t i;
    if (c == NULL)
        return;
    oct_clear(&c->password.domain);
    oct_clear(&c->password.user);
    oct_clear(&c->password.password);
    oct_clear(&c->smartcard.pin);
    oct_clear(&c->smartcard.card_name);
    oct_clear(&c->smartcard.reader_name);
    oct_clear(&c->smartcard.container_name);
    oct_clear(&c->smartcard.csp_name);
    oct_clear(&c->smartcard.user_hint);
    oct_clear(&c->smartcard.domain_hint);
    rg_package_clear(&c->remote_guard.logon_cred);
    if (c->remote_guard.supplemental != NULL) {
        for (i = 0; i < c->remote_guard.supplemental_count; i++)
            rg_package_clear(&c->remote_guard.supplemental[i]);
        free(c->remote_guard.supplemental);
    }
    OPENSSL_cleanse(c, sizeof(*c));
}

static int rg_package_equal(const struct cssp_remote_guard_package_cred *a,
                            const struct cssp_remote_guard_package_cred *b)
{
    return oct_equal(&a->package_name, &b->package_name) &&
           oct_equal(&a->cred_buffer, &b->cred_buffer);
}

int cssp_ts_credentials_equal(const struct cssp_ts_credentials *a,
                                     const struct cssp_ts_credentials *b)
{
    size_t i;
    if (a->cred_type != b->cred_type)
        return 0;
    switch (a->cred_type) {
    case CSSP_CRED_PASSWORD:
        return oct_equal(&a->password.domain, &b->password.domain) &&
               oct_equal(&a->password.user, &b->password.user) &&
               oct_equal(&a->password.password, &b->password.password);
    case CSSP_CRED_SMARTCARD:
        return oct_equal(&a->smartcard.pin, &b->smartcard.pin) &&
               a->smartcard.key_spec == b->smartcard.key_spec &&
               oct_equal(&a->smartcard.card_name, &b->smartcard.card_name) &&
               oct_equal(&a->smartcard.reader_name, &b->smartcard.reader_name) &&
               oct_equal(&a->smartcard.container_name, &b->smartcard.container_name) &&
               oct_equal(&a->smartcard.csp_name, &b->smartcard.csp_name) &&
               oct_equal(&a->smartcard.user_hint, &b->smartcard.user_hint) &&
               oct_equal(&a->smartcard.domain_hint, &b->smartcard.domain_hint);
    case CSSP_CRED_REMOTE_GUARD:
        if (!rg_package_equal(&a->remote_guard.logon_cred, &b->remote_guard.logon_cred))
            return 0;
        if ((a->remote_guard.supplemental == NULL) != (b->remote_guard.supplemental == NULL) ||
            a->remote_guard.supplemental_count != b->remote_guard.supplemental_count)
            return 0;
        for (i = 0; i < a->remote_guard.supplemental_count; i++)
            if (!rg_package_equal(&a->remote_guard.supplemental[i],
                                  &b->remote_guard.supplemental[i]))
                return 0;
        return 1;
    default:
        return 1;
    }
}

static enum cssp_status rg_package_to_asn1(const struct cssp_remote_guard_package_cred *src,
                                           CSSP_TS_RG_PACKAGE_CRED **dst)
{
    enum cssp_status st;
    if (*dst == NULL)
        *dst = (CSSP_TS_RG_PACKAGE_CRED *)ASN1_item_new(ASN1_ITEM_rptr(CSSP_TS_RG_PACKAGE_CRED));
    if (*dst == NULL)
        return CSSP_ERR_NOMEM;
    if ((st = cssp_oct_to_asn1(&src->package_name, 1, &(*dst)->package_name)) != CSSP_OK)
        return st;
    return cssp_oct_to_asn1(&src->cred_buffer, 1, &(*dst)->cred_buffer);
}

static enum cssp_status rg_package_from_asn1(const CSSP_TS_RG_PACKAGE_CRED *src,
                                             struct cssp_remote_guard_package_cred *dst)
{
    enum cssp_status st;
    if (src == NULL)
        return CSSP_ERR_MALFORMED;
    if ((st = cssp_oct_from_asn1(src->package_name, &dst->package_name)) != CSSP_OK)
        return st;
    return cssp_oct_from_asn1(src->cred_buffer, &dst->cred_buffer);
}

/* The inner structure named by creds->cred_type, as DER (secret). */
static enum cssp_status inner_encode(const struct cssp_ts_credentials *c, unsigned char **der,
                                     size_t *der_len)
{
    const ASN1_ITEM *it;
    ASN1_VALUE *val = NULL;
    enum cssp_status st;
    size_t i;

    switch (c->cred_type) {
    case CSSP_CRED_PASSWORD: {
        CSSP_TS_PASSWORD_CREDS *p;
        it = ASN1_ITEM_rptr(CSSP_TS_PASSWORD_CREDS);
        if ((val = ASN1_item_new(it)) == NULL)
            return CSSP_ERR_NOMEM;
        p = (CSSP_TS_PASSWORD_CREDS *)val;
        if ((st = cssp_oct_to_asn1(&c->password.domain, 1, &p->domain_name)) != CSSP_OK ||
            (st = cssp_oct_to_asn1(&c->password.user, 1, &p->user_name)) != CSSP_OK ||
            (st = cssp_oct_to_asn1(&c->password.password, 1, &p->password)) != CSSP_OK)
            goto out;
        break;
    }
    case CSSP_CRED_SMARTCARD: {
        const struct cssp_smartcard_creds *s = &c->smartcard;
        CSSP_TS_SMARTCARD_CREDS *p;
        it = ASN1_ITEM_rptr(CSSP_TS_SMARTCARD_CREDS);
        if (s->key_spec < 0)
            return CSSP_ERR_RANGE;
        if ((val = ASN1_item_new(it)) == NULL)
            return CSSP_ERR_NOMEM;
        p = (CSSP_TS_SMARTCARD_CREDS *)val;
        if ((st = cssp_oct_to_asn1(&s->pin, 1, &p->pin)) != CSSP_OK ||
            (st = int_to_asn1(s->key_spec, &p->csp_data->key_spec)) != CSSP_OK ||
            (st = cssp_oct_to_asn1(&s->card_name, 0, &p->csp_data->card_name)) != CSSP_OK ||
            (st = cssp_oct_to_asn1(&s->reader_name, 0, &p->csp_data->reader_name)) != CSSP_OK ||
            (st = cssp_oct_to_asn1(&s->container_name, 0, &p->csp_data->container_name)) !=
                CSSP_OK ||
            (st = cssp_oct_to_asn1(&s->csp_name, 0, &p->csp_data->csp_name)) != CSSP_OK ||
            (st = cssp_oct_to_asn1(&s->user_hint, 0, &p->user_hint)) != CSSP_OK ||
            (st = cssp_oct_to_asn1(&s->domain_hint, 0, &p->domain_hint)) != CSSP_OK)
            goto out;
        break;
    }
    case CSSP_CRED_REMOTE_GUARD: {
        const struct cssp_remote_guard_creds *g = &c->remote_guard;
        CSSP_TS_RG_CREDS *p;
        it = ASN1_ITEM_rptr(CSSP_TS_RG_CREDS);
        if (g->supplemental == NULL && g->supplemental_count != 0)
            return CSSP_ERR_INVALID_ARG;
        if (g->supplemental_count > CSSP_MAX_SUPPLEMENTAL_CREDS)
            return CSSP_ERR_RANGE;
        if ((val = ASN1_item_new(it)) == NULL)
            return CSSP_ERR_NOMEM;
        p = (CSSP_TS_RG_CREDS *)val;
        if ((st = rg_package_to_asn1(&g->logon_cred, &p->logon_cred)) != CSSP_OK)
            goto out;
        if (g->supplemental != NULL) {
            if ((p->supplemental_creds = sk_CSSP_TS_RG_PACKAGE_CRED_new_null()) == NULL) {
                st = CSSP_ERR_NOMEM;
                goto out;
            }
            for (i = 0; i < g->supplemental_count; i++) {
                CSSP_TS_RG_PACKAGE_CRED *e = NULL;
                st = rg_package_to_asn1(&g->supplemental[i], &e);
                if (st == CSSP_OK && !sk_CSSP_TS_RG_PACKAGE_CRED_push(p->supplemental_creds, e))
                    st = CSSP_ERR_NOMEM;
                if (st != CSSP_OK) {
                    ASN1_item_free((ASN1_VALUE *)e, ASN1_ITEM_rptr(CSSP_TS_RG_PACKAGE_CRED));
                    goto out;
                }
            }
        }
        break;
    }
    default:
        return CSSP_ERR_UNSUPPORTED;
    }
    st = cssp_to_der(val, it, der, der_len);
out:
    ASN1_item_free(val, it);
    return st;
}

enum cssp_status cssp_ts_credentials_encode(const struct cssp_ts_credentials *creds,
                                                   unsigned char **der, size_t *der_len)
{
    const ASN1_ITEM *it = ASN1_ITEM_rptr(CSSP_TS_CREDENTIALS);
    CSSP_TS_CREDENTIALS *t = NULL;
    cssp_octets inner = {NULL, 0};
    enum cssp_status st;

    if (der != NULL)
        *der = NULL;
    if (der_len != NULL)
        *der_len = 0;
    if (creds == NULL || der == NULL || der_len == NULL)
        return CSSP_ERR_INVALID_ARG;
    if ((st = inner_encode(creds, &inner.data, &inner.len)) != CSSP_OK)
        return st;
    if ((t = (CSSP_TS_CREDENTIALS *)ASN1_item_new(it)) == NULL) {
        st = CSSP_ERR_NOMEM;
        goto out;
    }
    if ((st = int_to_asn1(creds->cred_type, &t->cred_type)) != CSSP_OK)
        goto out;
    if ((st = cssp_oct_to_asn1(&inner, 1, &t->credentials)) != CSSP_OK)
        goto out;
    st = cssp_to_der((ASN1_VALUE *)t, it, der, der_len);
out:
    ASN1_item_free((ASN1_VALUE *)t, it);
    cssp_free_secret(inner.data, inner.len);
    return st;
}

static enum cssp_status inner_decode(int32_t cred_type, const ASN1_OCTET_STRING *os,
                                     struct cssp_ts_credentials *out)
{
    const unsigned char *der = ASN1_STRING_get0_data(os);
    size_t len = (size_t)ASN1_STRING_length(os);
    const ASN1_ITEM *it;
    ASN1_VALUE *val = NULL;
    enum cssp_status st;

    switch (cred_type) {
    case CSSP_CRED_PASSWORD:
        it = ASN1_ITEM_rptr(CSSP_TS_PASSWORD_CREDS);
        break;
    case CSSP_CRED_SMARTCARD:
        it = ASN1_ITEM_rptr(CSSP_TS_SMARTCARD_CREDS);
        break;
    case CSSP_CRED_REMOTE_GUARD:
        it = ASN1_ITEM_rptr(CSSP_TS_RG_CREDS);
        break;
    default:
        return CSSP_ERR_UNSUPPORTED;  /* MS-CSSP 2.2.1.2: 1, 2 or 6 */
    }
    if ((st = cssp_from_der(der, len, it, &val)) != CSSP_OK)
        return st;

    switch (cred_type) {
    case CSSP_CRED_PASSWORD: {
        const CSSP_TS_PASSWORD_CREDS *p = (const CSSP_TS_PASSWORD_CREDS *)val;
        if ((st = cssp_oct_from_asn1(p->domain_name, &out->password.domain)) == CSSP_OK &&
            (st = cssp_oct_from_asn1(p->user_name, &out->password.user)) == CSSP_OK)
            st = cssp_oct_from_asn1(p->password, &out->password.password);
        break;
    }
    case CSSP_CRED_SMARTCARD: {
        const CSSP_TS_SMARTCARD_CREDS *p = (const CSSP_TS_SMARTCARD_CREDS *)val;
        struct cssp_smartcard_creds *s = &out->smartcard;
        if ((st = cssp_oct_from_asn1(p->pin, &s->pin)) == CSSP_OK &&
            (st = int_from_asn1(p->csp_data->key_spec, 0, INT32_MAX, &s->key_spec)) ==
                CSSP_OK &&
            (st = cssp_oct_from_asn1(p->csp_data->card_name, &s->card_name)) == CSSP_OK &&
            (st = cssp_oct_from_asn1(p->csp_data->reader_name, &s->reader_name)) == CSSP_OK &&
            (st = cssp_oct_from_asn1(p->csp_data->container_name, &s->container_name)) ==
                CSSP_OK &&
            (st = cssp_oct_from_asn1(p->csp_data->csp_name, &s->csp_name)) == CSSP_OK &&
            (st = cssp_oct_from_asn1(p->user_hint, &s->user_hint)) == CSSP_OK)
            st = cssp_oct_from_asn1(p->domain_hint, &s->domain_hint);
        break;
    }
    default: { /* CSSP_CRED_REMOTE_GUARD */
        const CSSP_TS_RG_CREDS *p = (const CSSP_TS_RG_CREDS *)val;
        struct cssp_remote_guard_creds *g = &out->remote_guard;
        int i, n;
        if ((st = rg_package_from_asn1(p->logon_cred, &g->logon_cred)) != CSSP_OK)
            break;
        if (p->supplemental_creds == NULL)
            break;
        n = sk_CSSP_TS_RG_PACKAGE_CRED_num(p->supplemental_creds);
        if (n < 0 || n > CSSP_MAX_SUPPLEMENTAL_CREDS) {
            st = CSSP_ERR_RANGE;
            break;
        }
        /* at least one element, so a present empty list is non-NULL */
        g->supplemental = calloc(n ? (size_t)n : 1, sizeof(*g->supplemental));
        if (g->supplemental == NULL) {
            st = CSSP_ERR_NOMEM;
            break;
        }
        for (i = 0; i < n; i++) {
            g->supplemental_count = (size_t)i + 1;
            st = rg_package_from_asn1(sk_CSSP_TS_RG_PACKAGE_CRED_value(p->supplemental_creds, i),
                                      &g->supplemental[i]);
            if (st != CSSP_OK)
                break;
        }
        break;
    }
    }
    ASN1_item_free(val, it);
    return st;
}

enum cssp_status cssp_ts_credentials_decode(const unsigned char *der, size_t len,
                                                   struct cssp_ts_credentials *out)
{
    const ASN1_ITEM *it = ASN1_ITEM_rptr(CSSP_TS_CREDENTIALS);
    CSSP_TS_CREDENTIALS *t = NULL;
    enum cssp_status st;

    if (out == NULL)
        return CSSP_ERR_INVALID_ARG;
    memset(out, 0, sizeof(*out));
    if ((st = cssp_from_der(der, len, it, (ASN1_VALUE **)&t)) != CSSP_OK)
        return st;
    if ((st = int_from_asn1(t->cred_type, 0, INT32_MAX, &out->cred_type)) == CSSP_OK)
        st = inner_decode(out->cred_type, t->credentials, out);
    ASN1_item_free((ASN1_VALUE *)t, it);
    if (st != CSSP_OK)
        cssp_ts_credentials_clear(out);
    return st;
}
