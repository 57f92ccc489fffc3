/*
 * Credentials.  Initiator: a user name and a copy of the password (wiped
 * on release), only from gssspi_acquire_cred_with_password.  Acceptor: a
 * user store plus the nonce key and the offer (algorithms, qop, ciphers),
 * set through gssspi_set_cred_option (include/gssapi_sspi_shim_digest.h).
 * Credentials are reference-counted: a context keeps its acceptor
 * credential alive after the application released the handle.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "digest_gss.h"
#include "shim_config.h"

#define DG_DEFAULT_NONCE_LIFETIME 300

static struct dg_cred *cred_new(int initiator)
{
    struct dg_cred *c = calloc(1, sizeof(*c));
    if (!c)
        return NULL;
    pthread_mutex_init(&c->lock, NULL);
    c->refs = 1;
    c->initiator = initiator;
    c->nonce_lifetime = DG_DEFAULT_NONCE_LIFETIME;
    c->qop = DIGEST_QOP_AUTH | DIGEST_QOP_AUTH_INT | DIGEST_QOP_AUTH_CONF;
    c->sasl_ciphers = digest_sasl_ciphers_available();
    if (!initiator) {
        c->nonce_key_len = DIGEST_NONCE_KEY_LEN;
        if (digest_nonce_key_generate(c->nonce_key, c->nonce_key_len) != DIGEST_OK) {
            pthread_mutex_destroy(&c->lock);
            free(c);
            return NULL;
        }
    }
    return c;
}

struct dg_cred *dg_cred_ref(struct dg_cred *c)
{
    if (c)
        __atomic_add_fetch(&c->refs, 1, __ATOMIC_SEQ_CST);
    return c;
}

void dg_cred_unref(struct dg_cred *c)
{
    if (!c || __atomic_sub_fetch(&c->refs, 1, __ATOMIC_SEQ_CST) != 0)
        return;
    dg_name_free(c->name);
    if (c->password) {
        OPENSSL_cleanse(c->password, c->password_len);
        free(c->password);
    }
    dg_userstore_free(c->store);
    OPENSSL_cleanse(c->nonce_key, sizeof(c->nonce_key));
    free(c->realm);
    pthread_mutex_destroy(&c->lock);
    free(c);
}

/*
 * Acceptor credential.  The store comes from SSPI_SHIM_DIGEST_USERS (an
 * htdigest file) or later from set_cred_option.  Without a store the
 * contract says GSS_S_NO_CRED; MIT's gss_set_cred_option cannot create a
 * credential for a non-default mechanism from GSS_C_NO_CREDENTIAL (it asks
 * only the default mechanism), so on MIT an empty acceptor credential is
 * returned instead and gss_accept_sec_context reports GSS_S_NO_CRED
 * (minor NO_USER_STORE) until a store is set.
 */
/* A nonce key shared by several server processes (a prefork server, a
 * farm behind one name): their nonces then verify in each other, which a
 * per-credential random key cannot do.  The file's bytes are the key. */
static bool nonce_key_from_file(struct dg_cred *c, const char *path)
{
    unsigned char key[sizeof(c->nonce_key) + 1];
    size_t n;
    bool ok;
    FILE *f = fopen(path, "rbe");
    if (f == NULL)
        return false;
    n = fread(key, 1, sizeof(key), f);
    ok = !ferror(f) && n >= DIGEST_NONCE_KEY_MIN && n <= sizeof(c->nonce_key);
    fclose(f);
    if (ok) {
        memcpy(c->nonce_key, key, n);
        c->nonce_key_len = n;
    }
    OPENSSL_cleanse(key, sizeof(key));
    return ok;
}

OM_uint32 dg_cred_acquire_acceptor(OM_uint32 *minor, struct dg_cred **out)
{
    char key_file[SHIM_SETTING_MAX];
    char setting[SHIM_SETTING_MAX];
    const char *env = shim_setting("SSPI_SHIM_DIGEST_USERS", "digest", "users", setting);
    struct dg_cred *c;
    *out = NULL;
#ifndef SSPI_SHIM_MIT
    if (!env || !*env)
        return dg_minor(minor, GSS_S_NO_CRED, GSS_SSPI_SHIM_DIGEST_S_NO_USER_STORE);
#endif
    c = cred_new(0);
    if (!c) {
        *minor = ENOMEM;
        return GSS_S_FAILURE;
    }
    if (env && *env && !(c->store = dg_userstore_new(DG_STORE_HTDIGEST, env))) {
        dg_cred_unref(c);
        *minor = ENOMEM;
        return GSS_S_FAILURE;
    }
    if (shim_setting("SSPI_SHIM_DIGEST_NONCE_KEY_FILE", "digest", "nonce_key_file", key_file) &&
        key_file[0] != '\0' && !nonce_key_from_file(c, key_file)) {
        dg_cred_unref(c);
        return dg_minor(minor, GSS_S_NO_CRED, GSS_SSPI_SHIM_DIGEST_S_NONCE_KEY);
    }
    *out = c;
    *minor = 0;
    return GSS_S_COMPLETE;
}

OM_uint32 dg_cred_acquire_password(OM_uint32 *minor, const struct dg_name *name,
                                   const gss_buffer_desc *password, struct dg_cred **out)
{
    struct dg_cred *c;
    OM_uint32 major;
    *out = NULL;
    if (!name)
        return dg_minor(minor, GSS_S_BAD_NAME, GSS_SSPI_SHIM_DIGEST_S_NO_PASSWORD);
    if (!password || (!password->value && password->length))
        return dg_minor(minor, GSS_S_CALL_INACCESSIBLE_READ, GSS_SSPI_SHIM_DIGEST_S_NO_PASSWORD);
    if (password->length > 1024)
        return dg_minor(minor, GSS_S_FAILURE, GSS_SSPI_SHIM_DIGEST_S_LIMIT);
    c = cred_new(1);
    if (!c) {
        *minor = ENOMEM;
        return GSS_S_FAILURE;
    }
    /* The Digest username is the name as given, whatever its name type. */
    major = dg_name_new(minor, DG_NAME_USER, name->value, &c->name);
    if (major != GSS_S_COMPLETE) {
        dg_cred_unref(c);
        return major;
    }
    c->password = malloc(password->length + 1);
    if (!c->password) {
        dg_cred_unref(c);
        *minor = ENOMEM;
        return GSS_S_FAILURE;
    }
    if (password->length)
        memcpy(c->password, password->value, password->length);
    c->password[password->length] = '\0';
    c->password_len = password->length;
    *out = c;
    *minor = 0;
    return GSS_S_COMPLETE;
}

/* Splits a comma-separated list; calls fn for each trimmed item. */
static int each_item(const char *s, size_t len, int (*fn)(void *, const char *, size_t), void *arg)
{
    size_t i = 0;
    while (i <= len) {
        size_t b = i, e;
        while (i < len && s[i] != ',')
            i++;
        e = i;
        while (b < e && (s[b] == ' ' || s[b] == '\t'))
            b++;
        while (e > b && (s[e - 1] == ' ' || s[e - 1] == '\t'))
            e--;
        if (e > b && fn(arg, s + b, e - b) != 0)
            return -1;
        i++;
    }
    return 0;
}

static int add_alg(void *arg, const char *s, size_t n)
{
    struct dg_cred *c = arg;
    digest_alg a = digest_alg_from_name(s, n);
    size_t i;
    if (a == DIGEST_ALG_UNKNOWN || a == DIGEST_ALG_UNSPECIFIED)
        return -1;
    for (i = 0; i < c->http_alg_count; i++)
        if (c->http_algs[i] == a)
            return 0;
    if (c->http_alg_count == DG_MAX_HTTP_ALGS)
        return -1;
    c->http_algs[c->http_alg_count++] = a;
    return 0;
}

static int add_qop(void *arg, const char *s, size_t n)
{
    unsigned *q = arg;
    static const char *const names[] = {"auth", "auth-int", "auth-conf"};
    unsigned i;
    for (i = 0; i < 3; i++)
        if (strlen(names[i]) == n && strncasecmp(names[i], s, n) == 0) {
            *q |= 1u << i;
            return 0;
        }
    return -1;
}

static int add_cipher(void *arg, const char *s, size_t n)
{
    unsigned *m = arg, bit;
    for (bit = DIGEST_CIPHER_3DES; bit <= DIGEST_CIPHER_RC4_56; bit <<= 1) {
        const char *name = digest_cipher_name(bit);
        if (name && strlen(name) == n && strncasecmp(name, s, n) == 0) {
            *m |= bit;
            return 0;
        }
    }
    return -1;
}

static OM_uint32 set_store(OM_uint32 *minor, struct dg_cred *c, enum dg_store_kind kind,
                           const gss_buffer_desc *v)
{
    char *path = dg_strndup(v->value, v->length);
    struct dg_userstore *s;
    if (!path) {
        *minor = ENOMEM;
        return GSS_S_FAILURE;
    }
    s = dg_userstore_new(kind, path);
    free(path);
    if (!s) {
        *minor = ENOMEM;
        return GSS_S_FAILURE;
    }
    dg_userstore_free(c->store);
    c->store = s;
    return GSS_S_COMPLETE;
}

OM_uint32 dg_cred_set_option(OM_uint32 *minor, struct dg_cred **credp, const gss_OID_desc *opt,
                             const gss_buffer_desc *v)
{
    struct dg_cred *c = *credp;
    int created = 0;
    OM_uint32 major = GSS_S_COMPLETE;

    *minor = 0;
    if (!opt || opt->length != GSS_SSPI_SHIM_DIGEST_OID_LENGTH ||
        memcmp(opt->elements, GSS_SSPI_SHIM_DIGEST_OPT_HTDIGEST_FILE_BYTES,
               GSS_SSPI_SHIM_DIGEST_OID_LENGTH - 1) != 0)
        return GSS_S_UNAVAILABLE; /* not one of ours: mechglue asks the others */
    if (!v || (!v->value && v->length))
        return GSS_S_CALL_INACCESSIBLE_READ;
    if (v->length > 4096 || memchr(v->value, '\0', v->length))
        return dg_minor(minor, GSS_S_FAILURE, GSS_SSPI_SHIM_DIGEST_S_LIMIT);
    if (!c) {
        c = cred_new(0);
        if (!c) {
            *minor = ENOMEM;
            return GSS_S_FAILURE;
        }
        created = 1;
    } else if (c->initiator) {
        return dg_minor(minor, GSS_S_NO_CRED, GSS_SSPI_SHIM_DIGEST_S_NO_USER_STORE);
    }

    pthread_mutex_lock(&c->lock);
    if (DG_OID_IS(opt, GSS_SSPI_SHIM_DIGEST_OPT_HTDIGEST_FILE_BYTES)) {
        major = set_store(minor, c, DG_STORE_HTDIGEST, v);
    } else if (DG_OID_IS(opt, GSS_SSPI_SHIM_DIGEST_OPT_PASSWORD_FILE_BYTES)) {
        major = set_store(minor, c, DG_STORE_PASSWORD, v);
    } else if (DG_OID_IS(opt, GSS_SSPI_SHIM_DIGEST_OPT_NONCE_KEY_BYTES)) {
        if (v->length < DIGEST_NONCE_KEY_MIN || v->length > sizeof(c->nonce_key)) {
            major = dg_minor(minor, GSS_S_FAILURE, GSS_SSPI_SHIM_DIGEST_S_LIMIT);
        } else {
            OPENSSL_cleanse(c->nonce_key, sizeof(c->nonce_key));
            memcpy(c->nonce_key, v->value, v->length);
            c->nonce_key_len = v->length;
        }
    } else if (DG_OID_IS(opt, GSS_SSPI_SHIM_DIGEST_OPT_NONCE_LIFETIME_BYTES)) {
        char buf[16], *end;
        unsigned long n;
        if (v->length == 0 || v->length >= sizeof(buf)) {
            major = dg_minor(minor, GSS_S_FAILURE, GSS_SSPI_SHIM_DIGEST_S_BAD_PARAMS);
        } else {
            memcpy(buf, v->value, v->length);
            buf[v->length] = '\0';
            errno = 0;
            n = strtoul(buf, &end, 10);
            if (*end || errno || buf[0] < '0' || buf[0] > '9' || n > 86400UL * 365)
                major = dg_minor(minor, GSS_S_FAILURE, GSS_SSPI_SHIM_DIGEST_S_BAD_PARAMS);
            else
                c->nonce_lifetime = n;
        }
    } else if (DG_OID_IS(opt, GSS_SSPI_SHIM_DIGEST_OPT_REALM_BYTES)) {
        char *r = dg_strndup(v->value, v->length);
        if (!r || v->length == 0 || v->length > DIGEST_MAX_REALM) {
            free(r);
            major = dg_minor(minor, GSS_S_FAILURE, GSS_SSPI_SHIM_DIGEST_S_BAD_PARAMS);
        } else {
            free(c->realm);
            c->realm = r;
        }
    } else if (DG_OID_IS(opt, GSS_SSPI_SHIM_DIGEST_OPT_HTTP_ALGORITHMS_BYTES)) {
        size_t keep = c->http_alg_count;
        c->http_alg_count = 0;
        if (each_item(v->value, v->length, add_alg, c) != 0 || c->http_alg_count == 0) {
            c->http_alg_count = keep;
            major = dg_minor(minor, GSS_S_FAILURE, GSS_SSPI_SHIM_DIGEST_S_QOP_REFUSED);
        }
    } else if (DG_OID_IS(opt, GSS_SSPI_SHIM_DIGEST_OPT_QOP_BYTES)) {
        unsigned q = 0;
        if (each_item(v->value, v->length, add_qop, &q) != 0 || q == 0)
            major = dg_minor(minor, GSS_S_FAILURE, GSS_SSPI_SHIM_DIGEST_S_QOP_REFUSED);
        else
            c->qop = q;
    } else if (DG_OID_IS(opt, GSS_SSPI_SHIM_DIGEST_OPT_SASL_CIPHERS_BYTES)) {
        unsigned m = 0;
        if (each_item(v->value, v->length, add_cipher, &m) != 0 ||
            (m & ~digest_sasl_ciphers_available()) != 0)
            major = dg_minor(minor, GSS_S_FAILURE, GSS_SSPI_SHIM_DIGEST_S_QOP_REFUSED);
        else
            c->sasl_ciphers = m;
    } else {
        major = GSS_S_UNAVAILABLE;
    }
    pthread_mutex_unlock(&c->lock);

    if (major != GSS_S_COMPLETE) {
        if (created)
            dg_cred_unref(c);
        return major;
    }
    *credp = c;
    return GSS_S_COMPLETE;
}

size_t dg_cred_http_algs(const struct dg_cred *c, digest_alg out[DG_MAX_HTTP_ALGS])
{
    if (c->http_alg_count) {
        memcpy(out, c->http_algs, c->http_alg_count * sizeof(out[0]));
        return c->http_alg_count;
    }
    /* An htdigest file only holds MD5 H(A1)s. */
    if (c->store && dg_userstore_kind(c->store) == DG_STORE_HTDIGEST) {
        out[0] = DIGEST_ALG_MD5;
        return 1;
    }
    out[0] = DIGEST_ALG_SHA256;
    out[1] = DIGEST_ALG_MD5;
    return 2;
}

char *dg_cred_realm(const struct dg_cred *c, const char *explicit_realm, size_t len)
{
    char host[HOST_NAME_MAX + 1];
    if (explicit_realm && len)
        return dg_strndup(explicit_realm, len);
    if (c->realm)
        return strdup(c->realm);
    if (gethostname(host, sizeof(host)) != 0)
        return strdup("localhost");
    host[HOST_NAME_MAX] = '\0';
    return strdup(host);
}
