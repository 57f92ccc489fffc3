/*
 * Kerberos-specific credential work that GSS-API has no call for: the
 * default realm, and a password or smart-card (PKINIT) logon into a private
 * in-memory cache.
 *
 * Why not gss_acquire_cred_with_password: in Heimdal 7.8 it yields a
 * credential with a krb5 element only, and Heimdal's SPNEGO initiator needs
 * an SPNEGO element, which gss_acquire_cred builds only from the *default*
 * cache.  So the password logon goes into a fresh MEMORY cache (never the
 * user's default cache), and the credential is acquired while that cache
 * is this thread's default: Heimdal keeps one krb5 context per thread, so
 * gss_krb5_ccache_name affects no other thread.
 *
 * MIT krb5 1.20 needs no such trick: its SPNEGO works on the mechglue's
 * union credential, so gss_acquire_cred_from with a cred_store naming the
 * MEMORY cache gives krb5 and SPNEGO elements bound to that cache, and the
 * default cache is never switched.  (MIT's gss_krb5_ccache_name is
 * per-thread too - src/lib/gssapi/krb5/gssapi_krb5.c keeps the name in
 * thread-specific data - but it is not needed.)
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <krb5.h>
#include <gssapi/gssapi_krb5.h>

#include "shim_internal.h"

char *shim_default_realm(void)
{
    krb5_context k;
    char *realm = NULL, *copy = NULL;
    if (krb5_init_context(&k) != 0)
        return NULL;
    if (krb5_get_default_realm(k, &realm) == 0 && realm != NULL) {
        copy = strdup(realm);
        krb5_free_default_realm(k, realm);
    }
    krb5_free_context(k);
    return copy;
}

/* A krb5 library failure, mapped as GSS-API would carry it (the code as the
 * minor status of GSS_S_FAILURE), described with the library's own text. */
static SECURITY_STATUS krb5_status(krb5_context k, const char *call, krb5_error_code code)
{
    SECURITY_STATUS st = gssmap_status(GSS_S_FAILURE, (OM_uint32)code);
    const char *text = k != NULL ? krb5_get_error_message(k, code) : NULL;
    shim_fail(st, "%s: %s [krb5 error %d]", call, text != NULL ? text : "unknown error", (int)code);
    if (text != NULL)
        krb5_free_error_message(k, text);
    return st;
}

/* Frees a string the krb5 library returned (krb5_cc_get_full_name). */
static void free_krb5_string(krb5_context k, char *s)
{
#ifdef SSPI_SHIM_MIT
    krb5_free_string(k, s);
#else
    (void)k;
    krb5_xfree(s);
#endif
}

/* krbtgt/REALM@REALM (or a cross-realm TGT): the first component is "krbtgt". */
static bool is_tgt_principal(krb5_context k, krb5_const_principal p)
{
#ifdef SSPI_SHIM_MIT
    (void)k;
    return p->length >= 1 && p->data[0].length == 6 && memcmp(p->data[0].data, "krbtgt", 6) == 0;
#else
    const char *svc = krb5_principal_get_comp_string(k, p, 0);
    return svc != NULL && strcmp(svc, "krbtgt") == 0;
#endif
}

#ifdef SSPI_SHIM_MIT
/* Acquires a GSS initiator credential for mechs from the named cache
 * (gss_acquire_cred_from, RFC 7546-style cred_store "ccache" element). */
static SECURITY_STATUS acquire_from_ccache(krb5_context k, const char *name,
                                           const gss_OID_set mechs, gss_cred_id_t *out,
                                           OM_uint32 *lifetime)
{
    gss_key_value_element_desc element = {"ccache", name};
    gss_key_value_set_desc store = {1, &element};
    OM_uint32 major, minor;
    (void)k;
    major = gss_acquire_cred_from(&minor, GSS_C_NO_NAME, GSS_C_INDEFINITE, mechs,
                                  GSS_C_INITIATE, &store, out, NULL, lifetime);
    if (GSS_ERROR(major))
        return shim_gss_status("gss_acquire_cred_from", major, minor, GSS_C_NO_OID);
    return SEC_E_OK;
}
#else
/* Acquires a GSS initiator credential for mechs from the named cache,
 * with that cache as this thread's default for the duration of the call
 * (see the comment at the top of this file). */
static SECURITY_STATUS acquire_from_ccache(krb5_context k, const char *name,
                                           const gss_OID_set mechs, gss_cred_id_t *out,
                                           OM_uint32 *lifetime)
{
    const char *def = krb5_cc_default_name(k);
    char *previous = def ? strdup(def) : NULL;
    OM_uint32 major, minor;
    SECURITY_STATUS st = SEC_E_OK;
    major = gss_krb5_ccache_name(&minor, name, NULL);
    if (GSS_ERROR(major)) {
        free(previous);
        return shim_gss_status("gss_krb5_ccache_name", major, minor, GSS_C_NO_OID);
    }
    major = gss_acquire_cred(&minor, GSS_C_NO_NAME, GSS_C_INDEFINITE, mechs, GSS_C_INITIATE, out,
                             NULL, lifetime);
    if (GSS_ERROR(major))
        st = shim_gss_status("gss_acquire_cred", major, minor, GSS_C_NO_OID);
    if (previous != NULL)
        (void)gss_krb5_ccache_name(&minor, previous, NULL);
    free(previous);
    return st;
}
#endif

/* A new, empty MEMORY cache; *name (malloc'd) is its full name. */
static krb5_error_code new_memory_ccache(krb5_context k, krb5_ccache *cc, char **name)
{
    char *full = NULL;
    krb5_error_code code = krb5_cc_new_unique(k, "MEMORY", NULL, cc);
    if (code == 0 && (code = krb5_cc_get_full_name(k, *cc, &full)) == 0) {
        *name = strdup(full);
        free_krb5_string(k, full);
        if (*name == NULL)
            code = ENOMEM;
    }
    return code;
}

/* How the initial ticket is asked for: a password, or PKINIT with a card. */
struct logon_method {
    const char *password;        /* password logon; NULL for PKINIT */
    const char *pkinit_identity; /* PKINIT: the card, as the library names it */
    const char *pin;
};

#ifdef SSPI_SHIM_MIT
/* MIT asks for the PIN through the responder after the first KDC round
 * trip (krb5_responder_pkinit_*): answer each identity it names. */
static krb5_error_code answer_pin(krb5_context k, void *data, krb5_responder_context rctx)
{
    krb5_responder_pkinit_challenge *challenge = NULL;
    krb5_error_code code = krb5_responder_pkinit_get_challenge(k, rctx, &challenge);
    if (code != 0 || challenge == NULL)
        return code;
    for (size_t i = 0; challenge->identities != NULL && challenge->identities[i] != NULL; i++) {
        code = krb5_responder_pkinit_set_answer(k, rctx, challenge->identities[i]->identity,
                                                data);
        if (code != 0)
            break;
    }
    krb5_responder_pkinit_challenge_free(k, rctx, challenge);
    return code;
}
#else
/* Heimdal asks for the PIN only through the prompter given to
 * krb5_get_init_creds_opt_set_pkinit, when hx509 opens the token. */
static krb5_error_code answer_pin(krb5_context k, void *data, const char *name,
                                  const char *banner, int count, krb5_prompt prompts[])
{
    (void)k;
    (void)name;
    (void)banner;
    size_t length = strlen(data);
    for (int i = 0; i < count; i++) {
        if (prompts[i].reply->length <= length)
            return KRB5_LIBOS_PWDINTR;
        memcpy(prompts[i].reply->data, data, length + 1);
        prompts[i].reply->length = length;
    }
    return 0;
}
#endif

/* Sets opt up for a PKINIT logon with the card. */
static krb5_error_code use_pkinit(krb5_context k, krb5_get_init_creds_opt *opt,
                                  krb5_principal client, const struct logon_method *how)
{
#ifdef SSPI_SHIM_MIT
    (void)client;
    krb5_error_code code =
        krb5_get_init_creds_opt_set_pa(k, opt, "X509_user_identity", how->pkinit_identity);
    if (code == 0)
        code = krb5_get_init_creds_opt_set_responder(k, opt, answer_pin, (void *)how->pin);
    return code;
#else
    /* The trust anchors as Heimdal itself would look them up when given
     * none: 7.8 leaks the string it looks up (fixed on master, which frees
     * it), so look it up here and free it.  The password argument is not
     * a PIN in Heimdal 7.8 (measured, see docs/credssp.md); the prompter is
     * the only way in. */
    char *anchors = NULL;
    krb5_appdefault_string(k, "kinit", krb5_principal_get_realm(k, client), "pkinit_anchors",
                           NULL, &anchors);
    krb5_error_code code = krb5_get_init_creds_opt_set_pkinit(
        k, opt, client, how->pkinit_identity, anchors, NULL, NULL, 0, answer_pin,
        (void *)how->pin, NULL);
    free(anchors);
    return code;
#endif
}

static SECURITY_STATUS logon(const char *principal, const struct logon_method *how,
                             const gss_OID_set mechs, gss_cred_id_t *out, char **ccache_name,
                             OM_uint32 *lifetime)
{
    krb5_context k = NULL;
    krb5_principal client = NULL;
    krb5_get_init_creds_opt *opt = NULL;
    krb5_creds creds;
    krb5_ccache cc = NULL;
    char *name = NULL;
    krb5_error_code code;
    SECURITY_STATUS st = SEC_E_OK;
    bool have_creds = false;

    *out = GSS_C_NO_CREDENTIAL;
    *ccache_name = NULL;
    memset(&creds, 0, sizeof(creds));
    if ((code = krb5_init_context(&k)) != 0)
        return krb5_status(NULL, "krb5_init_context", code);
    if ((code = krb5_parse_name(k, principal, &client)) != 0) {
        st = shim_fail(SEC_E_UNKNOWN_CREDENTIALS, "'%s' is not a Kerberos principal name",
                       principal);
        goto out;
    }
    if ((code = krb5_get_init_creds_opt_alloc(k, &opt)) != 0) {
        st = krb5_status(k, "krb5_get_init_creds_opt_alloc", code);
        goto out;
    }
    /* Windows TGTs are forwardable; ISC_REQ_DELEGATE needs it. */
    krb5_get_init_creds_opt_set_forwardable(opt, 1);
    if (how->pkinit_identity != NULL && (code = use_pkinit(k, opt, client, how)) != 0) {
        st = krb5_status(k, "PKINIT options", code);
        goto out;
    }
    code = krb5_get_init_creds_password(k, &creds, client, how->password, NULL, NULL, 0, NULL,
                                        opt);
    if (code != 0) {
        st = krb5_status(k, "krb5_get_init_creds_password", code);
        goto out;
    }
    have_creds = true;
    if ((code = new_memory_ccache(k, &cc, &name)) != 0 ||
        (code = krb5_cc_initialize(k, cc, client)) != 0 ||
        (code = krb5_cc_store_cred(k, cc, &creds)) != 0) {
        st = krb5_status(k, "krb5_cc (MEMORY)", code);
        goto out;
    }
    st = acquire_from_ccache(k, name, mechs, out, lifetime);

out:
    if (st == SEC_E_OK) {
        *ccache_name = name;
        name = NULL;
        krb5_cc_close(k, cc);
    } else if (cc != NULL) {
        krb5_cc_destroy(k, cc);
    }
    free(name);
    if (have_creds)
        krb5_free_cred_contents(k, &creds);
    if (opt != NULL)
        krb5_get_init_creds_opt_free(k, opt);
    if (client != NULL)
        krb5_free_principal(k, client);
    krb5_free_context(k);
    return st;
}

SECURITY_STATUS shim_krb5_password_logon(const char *principal, const char *password,
                                         const gss_OID_set mechs, gss_cred_id_t *out,
                                         char **ccache_name, OM_uint32 *lifetime)
{
    struct logon_method how = {password, NULL, NULL};
    return logon(principal, &how, mechs, out, ccache_name, lifetime);
}

SECURITY_STATUS shim_krb5_pkinit_logon(const char *principal, const char *pkinit_identity,
                                       const char *pin, const gss_OID_set mechs,
                                       gss_cred_id_t *out, char **ccache_name,
                                       OM_uint32 *lifetime)
{
    struct logon_method how = {NULL, pkinit_identity, pin};
    return logon(principal, &how, mechs, out, ccache_name, lifetime);
}

#ifdef SSPI_SHIM_MIT
/* Initializes cc for the principal of the GSS credential cred. */
static SECURITY_STATUS initialize_for_credential(krb5_context k, krb5_ccache cc,
                                                 gss_cred_id_t cred)
{
    OM_uint32 major, minor;
    gss_name_t name = GSS_C_NO_NAME;
    gss_buffer_desc text = GSS_C_EMPTY_BUFFER;
    krb5_principal principal = NULL;
    krb5_error_code code;
    SECURITY_STATUS st = SEC_E_OK;

    major = gss_inquire_cred(&minor, cred, &name, NULL, NULL, NULL);
    if (GSS_ERROR(major))
        return shim_gss_status("gss_inquire_cred", major, minor, &shim_oid_krb5);
    major = gss_display_name(&minor, name, &text, NULL);
    gss_release_name(&minor, &name);
    if (GSS_ERROR(major))
        return shim_gss_status("gss_display_name", major, minor, &shim_oid_krb5);
    char *s = strndup(text.value, text.length);
    gss_release_buffer(&minor, &text);
    if (s == NULL)
        return SEC_E_INSUFFICIENT_MEMORY;
    if ((code = krb5_parse_name(k, s, &principal)) != 0 ||
        (code = krb5_cc_initialize(k, cc, principal)) != 0)
        st = krb5_status(k, "krb5_cc_initialize", code);
    if (principal != NULL)
        krb5_free_principal(k, principal);
    free(s);
    return st;
}
#endif

SECURITY_STATUS shim_krb5_credential_copy(gss_cred_id_t source, const gss_OID_set mechs,
                                          gss_cred_id_t *out, char **ccache_name)
{
    krb5_context k = NULL;
    krb5_ccache cc = NULL;
    char *name = NULL;
    krb5_error_code code;
    SECURITY_STATUS st;

    *out = GSS_C_NO_CREDENTIAL;
    *ccache_name = NULL;
    if ((code = krb5_init_context(&k)) != 0)
        return krb5_status(NULL, "krb5_init_context", code);
    if ((code = new_memory_ccache(k, &cc, &name)) != 0) {
        st = krb5_status(k, "krb5_cc (MEMORY)", code);
        goto out;
    }
    OM_uint32 major, minor, lifetime;
#ifdef SSPI_SHIM_MIT
    /* MIT's gss_krb5_copy_ccache only copies the credentials into the cache
     * (src/lib/gssapi/krb5/copy_ccache.c: krb5_cc_copy_creds); Heimdal's
     * also initializes it with the credential's principal. */
    if ((st = initialize_for_credential(k, cc, source)) != SEC_E_OK)
        goto out;
#endif
    major = gss_krb5_copy_ccache(&minor, source, cc);
    if (GSS_ERROR(major)) {
        st = shim_gss_status("gss_krb5_copy_ccache", major, minor, &shim_oid_krb5);
        goto out;
    }
    st = acquire_from_ccache(k, name, mechs, out, &lifetime);
out:
    if (st == SEC_E_OK) {
        *ccache_name = name;
        name = NULL;
        krb5_cc_close(k, cc);
    } else if (cc != NULL) {
        krb5_cc_destroy(k, cc);
    }
    free(name);
    krb5_free_context(k);
    return st;
}

char *shim_krb5_empty_ccache(void)
{
    krb5_context k;
    krb5_ccache cc;
    char *name = NULL;
    if (krb5_init_context(&k) != 0)
        return NULL;
    if (new_memory_ccache(k, &cc, &name) == 0)
        krb5_cc_close(k, cc);
    krb5_free_context(k);
    return name;
}

void shim_krb5_destroy_ccache(const char *ccache_name)
{
    krb5_context k;
    krb5_ccache cc;
    if (ccache_name == NULL || krb5_init_context(&k) != 0)
        return;
    if (krb5_cc_resolve(k, ccache_name, &cc) == 0)
        krb5_cc_destroy(k, cc);
    krb5_free_context(k);
}

/* One krb5 context per thread, only to read the current default cache
 * name (Heimdal re-reads KRB5CCNAME when it changes). */
static pthread_key_t thread_context_key;
static pthread_once_t thread_context_once = PTHREAD_ONCE_INIT;

static void thread_context_free(void *k)
{
    krb5_free_context(k);
}

static void thread_context_init(void)
{
    (void)pthread_key_create(&thread_context_key, thread_context_free);
}

static krb5_context thread_context(void)
{
    pthread_once(&thread_context_once, thread_context_init);
    krb5_context k = pthread_getspecific(thread_context_key);
    if (k == NULL && krb5_init_context(&k) == 0)
        (void)pthread_setspecific(thread_context_key, k);
    return k;
}

char *shim_krb5_use_ccache(const char *ccache_name)
{
#ifdef SSPI_SHIM_MIT
    /* MIT's SPNEGO uses the credential it is given (bound to its cache by
     * gss_acquire_cred_from): there is no default to switch. */
    (void)ccache_name;
    return NULL;
#else
    krb5_context k = thread_context();
    if (k == NULL)
        return NULL;
    const char *def = krb5_cc_default_name(k);
    char *previous = def ? strdup(def) : NULL;
    if (previous == NULL)
        return NULL;
    OM_uint32 minor;
    if (GSS_ERROR(gss_krb5_ccache_name(&minor, ccache_name, NULL))) {
        free(previous);
        return NULL;
    }
    return previous;
#endif
}

void shim_krb5_restore_ccache(char *previous)
{
    OM_uint32 minor;
    if (previous == NULL)
        return;
    (void)gss_krb5_ccache_name(&minor, previous, NULL);
    free(previous);
}

/*
 * gss_acquire_cred says only "no credentials" when the default cache holds
 * a TGT that expired; a Windows caller would see SEC_E_CONTEXT_EXPIRED for
 * an expired logon, so look at the cache to tell the two apart.
 */
SECURITY_STATUS shim_krb5_diagnose_ccache(SECURITY_STATUS status)
{
    krb5_context k = thread_context();
    krb5_ccache cc = NULL;
    krb5_principal client = NULL;
    krb5_cc_cursor cursor;
    krb5_creds creds;
    bool expired = false, valid = false;

    if (k == NULL || krb5_cc_default(k, &cc) != 0)
        return status;
    if (krb5_cc_get_principal(k, cc, &client) != 0 ||
        krb5_cc_start_seq_get(k, cc, &cursor) != 0) {
        if (client != NULL)
            krb5_free_principal(k, client);
        krb5_cc_close(k, cc);
        return status;
    }
    time_t now = time(NULL);
    while (krb5_cc_next_cred(k, cc, &cursor, &creds) == 0) {
        /* Only the TGT matters: krbtgt/REALM@REALM. */
        if (is_tgt_principal(k, creds.server)) {
            if (creds.times.endtime <= now)
                expired = true;
            else
                valid = true;
        }
        krb5_free_cred_contents(k, &creds);
    }
    krb5_cc_end_seq_get(k, cc, &cursor);
    krb5_free_principal(k, client);
    const char *name = krb5_cc_get_name(k, cc);
    if (expired && !valid)
        status = shim_fail(SEC_E_CONTEXT_EXPIRED,
                           "the Kerberos ticket in the default cache (%s) has expired: kinit again",
                           name ? name : "?");
    krb5_cc_close(k, cc);
    return status;
}
