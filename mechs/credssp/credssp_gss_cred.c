/*
 * CredSSP credentials, names, the delegation policy and the acceptor's
 * clientNonce memory.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "credssp_gss.h"
#include "shim_config.h"

gss_OID_desc cs_mech_oid = {GSS_SSPI_SHIM_CREDSSP_MECH_OID_LENGTH,
                            (void *)GSS_SSPI_SHIM_CREDSSP_MECH_OID_BYTES};

int cs_oid_is(const gss_OID_desc *oid, const void *bytes, size_t len)
{
    return oid != GSS_C_NO_OID && oid->length == len && memcmp(oid->elements, bytes, len) == 0;
}

OM_uint32 cs_set_buffer(OM_uint32 *minor, gss_buffer_t out, const void *data, size_t len)
{
    out->value = malloc(len ? len : 1);
    out->length = 0;
    if (out->value == NULL)
        return cs_minor(minor, GSS_S_FAILURE, ENOMEM);
    if (len)
        memcpy(out->value, data, len);
    out->length = len;
    return GSS_S_COMPLETE;
}

static void free_secret(char **s)
{
    if (*s != NULL) {
        OPENSSL_cleanse(*s, strlen(*s));
        free(*s);
        *s = NULL;
    }
}

/* ------------------------------------------------------------- names */

OM_uint32 cs_name_new(OM_uint32 *minor, enum cs_name_kind kind, const char *value, size_t len,
                      struct cs_name **out)
{
    struct cs_name *n;
    *out = NULL;
    if (memchr(value, '\0', len) != NULL)
        return cs_minor(minor, GSS_S_BAD_NAME, 0);
    n = calloc(1, sizeof(*n));
    if (n == NULL || (n->value = strndup(value, len)) == NULL) {
        free(n);
        return cs_minor(minor, GSS_S_FAILURE, ENOMEM);
    }
    n->kind = kind;
    *out = n;
    return GSS_S_COMPLETE;
}

void cs_name_free(struct cs_name *n)
{
    if (n != NULL) {
        free(n->value);
        free(n);
    }
}

/* ------------------------------------------------------------- credentials */

OM_uint32 cs_cred_new(OM_uint32 *minor, bool initiator, struct cs_cred **out)
{
    struct cs_cred *c = calloc(1, sizeof(*c));
    char setting[SHIM_SETTING_MAX];
    const char *v;
    *out = NULL;
    if (c == NULL)
        return cs_minor(minor, GSS_S_FAILURE, ENOMEM);
    pthread_mutex_init(&c->lock, NULL);
    c->refs = 1;
    c->initiator = initiator;
    c->inner = GSS_C_NO_CREDENTIAL;
    c->min_version = CS_VERSION_NONCE;
    v = shim_setting("SSPI_SHIM_CREDSSP_MIN_VERSION", "credssp", "min_version", setting);
    if (v != NULL && v[0] >= '2' && v[0] <= '6' && v[1] == '\0')
        c->min_version = v[0] - '0';
    *out = c;
    return GSS_S_COMPLETE;
}

/* "DOMAIN\user", "user@domain" or "user": TSPasswordCreds keeps the
 * domain and the user apart ([MS-CSSP] 2.2.1.2.1). */
OM_uint32 cs_cred_set_password(OM_uint32 *minor, struct cs_cred *c, const char *name,
                               const gss_buffer_desc *password)
{
    const char *bs = strchr(name, '\\'), *at = strrchr(name, '@');
    if (password == NULL || memchr(password->value, '\0', password->length) != NULL)
        return cs_minor(minor, GSS_S_FAILURE, GSS_SSPI_SHIM_CREDSSP_S_NO_PASSWORD);
    if (bs != NULL) {
        c->domain = strndup(name, (size_t)(bs - name));
        c->user = strdup(bs + 1);
    } else if (at != NULL) {
        c->domain = strdup(at + 1);
        c->user = strndup(name, (size_t)(at - name));
    } else {
        c->domain = strdup("");
        c->user = strdup(name);
    }
    c->password = strndup(password->value, password->length);
    c->password_len = password->length;
    if (c->domain == NULL || c->user == NULL || c->password == NULL)
        return cs_minor(minor, GSS_S_FAILURE, ENOMEM);
    return GSS_S_COMPLETE;
}

static OM_uint32 set_string(OM_uint32 *minor, char **slot, const gss_buffer_desc *v)
{
    char *s;
    if (v == NULL || v->length == 0 || memchr(v->value, '\0', v->length) != NULL)
        return cs_minor(minor, GSS_S_FAILURE, EINVAL);
    if ((s = strndup(v->value, v->length)) == NULL)
        return cs_minor(minor, GSS_S_FAILURE, ENOMEM);
    free(*slot);
    *slot = s;
    return GSS_S_COMPLETE;
}

/* DELEGATE_IDENTITY: "DOMAIN\0user\0password", or empty. */
static OM_uint32 set_delegate(OM_uint32 *minor, struct cs_cred *c, const gss_buffer_desc *v)
{
    const char *p = v ? v->value : NULL, *end = p ? p + v->length : NULL;
    const char *user, *pw;
    free_secret(&c->d_domain);
    free_secret(&c->d_user);
    free_secret(&c->d_password);
    c->delegate_override = true;
    if (v == NULL || v->length == 0)
        return GSS_S_COMPLETE; /* the empty set of credentials */
    user = memchr(p, '\0', v->length);
    pw = user ? memchr(user + 1, '\0', (size_t)(end - user - 1)) : NULL;
    if (pw == NULL || memchr(pw + 1, '\0', (size_t)(end - pw - 1)) != NULL)
        return cs_minor(minor, GSS_S_FAILURE, EINVAL);
    c->d_domain = strndup(p, (size_t)(user - p));
    c->d_user = strndup(user + 1, (size_t)(pw - user - 1));
    c->d_password = strndup(pw + 1, (size_t)(end - pw - 1));
    if (!c->d_domain || !c->d_user || !c->d_password)
        return cs_minor(minor, GSS_S_FAILURE, ENOMEM);
    return GSS_S_COMPLETE;
}

OM_uint32 cs_card_fields(OM_uint32 *minor, const char *value, size_t length,
                         char *card[CS_CARD_FIELDS])
{
    const char *p = value, *end = value + length;
    for (int i = 0; i < CS_CARD_FIELDS; i++) {
        const char *nul = memchr(p, '\0', (size_t)(end - p));
        if ((nul == NULL) != (i == CS_CARD_FIELDS - 1))
            return cs_minor(minor, GSS_S_FAILURE, EINVAL);
        if (nul == NULL)
            nul = end;
        if ((card[i] = strndup(p, (size_t)(nul - p))) == NULL)
            return cs_minor(minor, GSS_S_FAILURE, ENOMEM);
        p = nul + 1;
    }
    return GSS_S_COMPLETE;
}

static void free_card(struct cs_cred *c)
{
    for (int i = 0; i < CS_CARD_FIELDS; i++) {
        free(c->card[i]);
        c->card[i] = NULL;
    }
}

/* SMARTCARD: six NUL-separated fields, all or nothing. */
static OM_uint32 set_card(OM_uint32 *minor, struct cs_cred *c, const gss_buffer_desc *v)
{
    free_card(c);
    if (!c->initiator || v == NULL || v->value == NULL)
        return cs_minor(minor, GSS_S_FAILURE, EINVAL);
    OM_uint32 major = cs_card_fields(minor, v->value, v->length, c->card);
    if (major != GSS_S_COMPLETE)
        free_card(c);
    return major;
}

OM_uint32 cs_cred_set_option(OM_uint32 *minor, struct cs_cred *c, const gss_OID_desc *option,
                             const gss_buffer_desc *value)
{
    OM_uint32 major;
    pthread_mutex_lock(&c->lock);
    if (CS_OID_IS(option, GSS_SSPI_SHIM_CREDSSP_OPT_CERT_FILE_BYTES)) {
        major = set_string(minor, &c->cert_file, value);
    } else if (CS_OID_IS(option, GSS_SSPI_SHIM_CREDSSP_OPT_KEY_FILE_BYTES)) {
        major = set_string(minor, &c->key_file, value);
    } else if (CS_OID_IS(option, GSS_SSPI_SHIM_CREDSSP_OPT_MIN_VERSION_BYTES)) {
        const char *v = value ? value->value : NULL;
        if (value == NULL || value->length != 1 || v[0] < '2' || v[0] > '6') {
            major = cs_minor(minor, GSS_S_FAILURE, EINVAL);
        } else {
            c->min_version = v[0] - '0';
            major = GSS_S_COMPLETE;
        }
    } else if (CS_OID_IS(option, GSS_SSPI_SHIM_CREDSSP_OPT_INNER_CRED_BYTES)) {
        if (value == NULL || value->length != sizeof(gss_cred_id_t)) {
            major = cs_minor(minor, GSS_S_FAILURE, EINVAL);
        } else {
            memcpy(&c->inner, value->value, sizeof(gss_cred_id_t));
            major = GSS_S_COMPLETE;
        }
    } else if (CS_OID_IS(option, GSS_SSPI_SHIM_CREDSSP_OPT_INNER_MECH_BYTES)) {
        /* The DER contents of an OID: at least two bytes, the last one
         * ending its arc (bit 8 clear, X.690 8.19.2). */
        if (!c->initiator || value == NULL || value->length < 2 ||
            value->length > sizeof(c->inner_mech) ||
            (((const unsigned char *)value->value)[value->length - 1] & 0x80) != 0) {
            major = cs_minor(minor, GSS_S_FAILURE, EINVAL);
        } else {
            memcpy(c->inner_mech, value->value, value->length);
            c->inner_mech_len = value->length;
            major = GSS_S_COMPLETE;
        }
    } else if (CS_OID_IS(option, GSS_SSPI_SHIM_CREDSSP_OPT_SMARTCARD_BYTES)) {
        major = set_card(minor, c, value);
    } else if (CS_OID_IS(option, GSS_SSPI_SHIM_CREDSSP_OPT_DELEGATE_IDENTITY_BYTES)) {
        major = c->initiator ? set_delegate(minor, c, value) : cs_minor(minor, GSS_S_FAILURE, EINVAL);
    } else {
        major = cs_minor(minor, GSS_S_UNAVAILABLE, 0);
    }
    /* A new certificate takes effect for the next context. */
    if (major == GSS_S_COMPLETE && c->server_ctx != NULL &&
        (CS_OID_IS(option, GSS_SSPI_SHIM_CREDSSP_OPT_CERT_FILE_BYTES) ||
         CS_OID_IS(option, GSS_SSPI_SHIM_CREDSSP_OPT_KEY_FILE_BYTES))) {
        SSL_CTX_free(c->server_ctx);
        c->server_ctx = NULL;
    }
    pthread_mutex_unlock(&c->lock);
    return major;
}

struct cs_cred *cs_cred_ref(struct cs_cred *c)
{
    pthread_mutex_lock(&c->lock);
    c->refs++;
    pthread_mutex_unlock(&c->lock);
    return c;
}

void cs_cred_unref(struct cs_cred *c)
{
    unsigned left;
    if (c == NULL)
        return;
    pthread_mutex_lock(&c->lock);
    left = --c->refs;
    pthread_mutex_unlock(&c->lock);
    if (left)
        return;
    free(c->domain);
    free(c->user);
    free_secret(&c->password);
    free_secret(&c->d_domain);
    free_secret(&c->d_user);
    free_secret(&c->d_password);
    free_card(c);
    free(c->cert_file);
    free(c->key_file);
    SSL_CTX_free(c->server_ctx);
    pthread_mutex_destroy(&c->lock);
    free(c);
}

/* ------------------------------------------------------------- policy */

/* '*' matches any run (case-insensitive, as SPNs are on Windows). */
static int glob_match(const char *p, size_t pn, const char *s)
{
    if (pn == 0)
        return *s == '\0';
    if (*p == '*') {
        for (;;) {
            if (glob_match(p + 1, pn - 1, s))
                return 1;
            if (*s == '\0')
                return 0;
            s++;
        }
    }
    if (*s == '\0')
        return 0;
    char a = *p, b = *s;
    if (a >= 'A' && a <= 'Z')
        a = (char)(a - 'A' + 'a');
    if (b >= 'A' && b <= 'Z')
        b = (char)(b - 'A' + 'a');
    return a == b && glob_match(p + 1, pn - 1, s + 1);
}

int cs_policy_match(const char *patterns, const char *spn)
{
    const char *p = patterns;
    if (patterns == NULL)
        return 0;
    while (*p) {
        const char *end = strchr(p, ',');
        size_t n = end ? (size_t)(end - p) : strlen(p);
        while (n && *p == ' ')
            p++, n--;
        while (n && p[n - 1] == ' ')
            n--;
        if (n && glob_match(p, n, spn))
            return 1;
        if (!end)
            break;
        p = end + 1;
    }
    return 0;
}

