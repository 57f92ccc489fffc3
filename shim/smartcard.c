/*
 * Smart-card credentials: the Unix form of a Windows card identity.
 *
 * On Windows a caller logs on with a card by passing a
 * SEC_WINNT_AUTH_IDENTITY whose User is a marshaled certificate reference
 * ("@@B...", CredMarshalCredential) and whose Password is the PIN; the
 * reference is a hash that only Windows' certificate store can resolve.
 * Here User is an RFC 7512 PKCS#11 URI naming the token and the
 * certificate ("pkcs11:token=alice-card;object=alice?module-path=/usr/lib/
 * softhsm/libsofthsm2.so"), Password the PIN.  Without module-path, the
 * modules p11-kit is configured with are searched.
 *
 * The certificate is read here (p11-kit parses the URI and loads the module,
 * OpenSSL parses the certificate) for two things the Kerberos libraries cannot give us:
 * the user principal to log on as, from the certificate's UPN (as Windows
 * maps a smart-card certificate to its account), and the card's names for
 * CredSSP's TSSmartCardCreds ([MS-CSSP] 2.2.1.2.2).  The private key is
 * never touched here: the PKINIT logon (shim/krb5_creds.c) has the
 * Kerberos library open the token with the PIN.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <pthread.h>

#include <openssl/objects.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <p11-kit/p11-kit.h>
#include <p11-kit/uri.h>

#include "shim_internal.h"

#define URI_PREFIX "pkcs11:"

/* Whoever initializes a PKCS#11 module owns its C_Finalize, and a second
 * C_Initialize fails: so our look at the token and the Kerberos library's
 * logon never overlap.  Held by shim_card_resolve and from
 * shim_card_logon_begin to shim_card_logon_end; card logons run one at a
 * time in a process. */
static pthread_mutex_t card_module_lock = PTHREAD_MUTEX_INITIALIZER;

bool shim_card_identity(const char *user)
{
    return user != NULL && strncasecmp(user, URI_PREFIX, strlen(URI_PREFIX)) == 0;
}

bool shim_marshaled_certificate(const char *user)
{
    return user != NULL && user[0] == '@' && user[1] == '@';
}

void shim_card_free(struct shim_card *card)
{
    if (card == NULL)
        return;
    free(card->module_path);
    free(card->token_label);
    free(card->reader_name);
    free(card->object_label);
    free(card->principal);
    free(card);
}

/* The certificate's user principal name: the otherName
 * 1.3.6.1.4.1.311.20.2.3 (szOID_NT_PRINCIPAL_NAME) of its subjectAltName,
 * a UTF8String.  NULL when it has none. */
static char *certificate_upn(const unsigned char *der, size_t length)
{
    const unsigned char *p = der;
    X509 *cert = d2i_X509(NULL, &p, (long)length);
    if (cert == NULL)
        return NULL;
    char *upn = NULL;
    GENERAL_NAMES *names = X509_get_ext_d2i(cert, NID_subject_alt_name, NULL, NULL);
    for (int i = 0; names != NULL && upn == NULL && i < sk_GENERAL_NAME_num(names); i++) {
        const GENERAL_NAME *name = sk_GENERAL_NAME_value(names, i);
        if (name->type != GEN_OTHERNAME || OBJ_obj2nid(name->d.otherName->type_id) != NID_ms_upn)
            continue;
        const ASN1_TYPE *value = name->d.otherName->value;
        if (value == NULL || value->type != V_ASN1_UTF8STRING)
            continue;
        const ASN1_UTF8STRING *s = value->value.utf8string;
        /* A NUL inside would name another principal than the one shown. */
        if (s->length > 0 && memchr(s->data, '\0', (size_t)s->length) == NULL)
            upn = strndup((const char *)s->data, (size_t)s->length);
    }
    GENERAL_NAMES_free(names);
    X509_free(cert);
    return upn;
}

/* An attribute of object, malloc'd (NUL-terminated for text); NULL when
 * the token has none. */
static void *object_attribute(CK_FUNCTION_LIST *m, CK_SESSION_HANDLE session,
                              CK_OBJECT_HANDLE object, CK_ATTRIBUTE_TYPE type, size_t *length)
{
    CK_ATTRIBUTE a = {type, NULL, 0};
    if (m->C_GetAttributeValue(session, object, &a, 1) != CKR_OK ||
        a.ulValueLen == (CK_ULONG)-1 || a.ulValueLen > 65536)
        return NULL;
    if ((a.pValue = calloc(1, a.ulValueLen + 1)) == NULL)
        return NULL;
    if (m->C_GetAttributeValue(session, object, &a, 1) != CKR_OK) {
        free(a.pValue);
        return NULL;
    }
    *length = a.ulValueLen;
    return a.pValue;
}

/* Takes the certificate object into card when it names a user. */
static bool take_certificate(CK_FUNCTION_LIST *m, CK_SESSION_HANDLE session,
                             CK_OBJECT_HANDLE object, struct shim_card *card)
{
    size_t length = 0, id_len = 0;
    unsigned char *der = object_attribute(m, session, object, CKA_VALUE, &length);
    char *upn = der != NULL ? certificate_upn(der, length) : NULL;
    free(der);
    if (upn == NULL)
        return false;
    card->principal = upn;
    card->object_label = object_attribute(m, session, object, CKA_LABEL, &length);
    if (card->object_label == NULL)
        card->object_label = strdup("");
    unsigned char *id = object_attribute(m, session, object, CKA_ID, &id_len);
    if (id != NULL && id_len <= sizeof(card->id)) {
        memcpy(card->id, id, id_len);
        card->id_len = id_len; /* else selected by slot alone */
    }
    free(id);
    return true;
}

/* The first certificate the URI selects on this slot's token. */
static bool search_token(CK_FUNCTION_LIST *m, CK_SLOT_ID slot, P11KitUri *uri,
                         struct shim_card *card)
{
    CK_SESSION_HANDLE session;
    if (m->C_OpenSession(slot, CKF_SERIAL_SESSION, NULL, NULL, &session) != CKR_OK)
        return false;
    /* The URI's object attributes (object=, id=, type=) and the class. */
    CK_ULONG n_uri = 0;
    CK_ATTRIBUTE *uri_attrs = p11_kit_uri_get_attributes(uri, &n_uri);
    CK_ATTRIBUTE match[8];
    CK_ULONG n = 0;
    CK_OBJECT_CLASS cert_class = CKO_CERTIFICATE;
    for (CK_ULONG i = 0; i < n_uri && n < 7; i++)
        if (uri_attrs[i].type != CKA_CLASS)
            match[n++] = uri_attrs[i];
    match[n++] = (CK_ATTRIBUTE){CKA_CLASS, &cert_class, sizeof(cert_class)};
    bool found = false;
    if (m->C_FindObjectsInit(session, match, n) == CKR_OK) {
        CK_OBJECT_HANDLE object;
        CK_ULONG count;
        while (!found && m->C_FindObjects(session, &object, 1, &count) == CKR_OK && count == 1)
            found = take_certificate(m, session, object, card);
        m->C_FindObjectsFinal(session);
    }
    m->C_CloseSession(session);
    return found;
}

/* The first certificate the URI selects among the module's tokens. */
static bool find_certificate(CK_FUNCTION_LIST *m, P11KitUri *uri, struct shim_card *card)
{
    CK_ULONG count = 0;
    if (m->C_GetSlotList(CK_TRUE, NULL, &count) != CKR_OK || count == 0)
        return false;
    CK_SLOT_ID *slots = calloc(count, sizeof(*slots));
    if (slots == NULL || m->C_GetSlotList(CK_TRUE, slots, &count) != CKR_OK) {
        free(slots);
        return false;
    }
    bool found = false;
    for (CK_ULONG i = 0; i < count && !found; i++) {
        CK_TOKEN_INFO token;
        CK_SLOT_INFO info;
        /* SoftHSM2 lists an uninitialised spare slot: skip such tokens. */
        if (m->C_GetTokenInfo(slots[i], &token) != CKR_OK ||
            !(token.flags & CKF_TOKEN_INITIALIZED) || !p11_kit_uri_match_token_info(uri, &token) ||
            m->C_GetSlotInfo(slots[i], &info) != CKR_OK ||
            !p11_kit_uri_match_slot_info(uri, &info))
            continue;
        if (search_token(m, slots[i], uri, card)) {
            card->slot_id = slots[i];
            card->token_label = p11_kit_space_strdup(token.label, sizeof(token.label));
            card->reader_name = p11_kit_space_strdup(info.slotDescription,
                                                     sizeof(info.slotDescription));
            found = true;
        }
    }
    free(slots);
    return found;
}

/* Searches one module (its path given) or p11-kit's configured ones. */
static SECURITY_STATUS search_modules(P11KitUri *uri, const char *path, struct shim_card *card)
{
    CK_FUNCTION_LIST *one[2] = {NULL, NULL};
    CK_FUNCTION_LIST **modules;
    bool finalize = true;
    if (path != NULL) {
        /* Unmanaged: p11-kit's managed wrapper would hide whether someone
         * else in the process (the Kerberos library) has it initialized. */
        one[0] = p11_kit_module_load(path, P11_KIT_MODULE_UNMANAGED);
        if (one[0] == NULL)
            return shim_fail(SEC_E_NO_CREDENTIALS, "the PKCS#11 module %s does not load: %s", path,
                             p11_kit_message() ? p11_kit_message() : "?");
        CK_RV rv = one[0]->C_Initialize(NULL);
        if (rv == CKR_CRYPTOKI_ALREADY_INITIALIZED) {
            finalize = false; /* not ours to finalize */
        } else if (rv != CKR_OK) {
            p11_kit_module_release(one[0]);
            return shim_fail(SEC_E_NO_CREDENTIALS, "the PKCS#11 module %s does not initialize: %s",
                             path, p11_kit_strerror(rv));
        }
        modules = one;
    } else {
        modules = p11_kit_modules_load_and_initialize(0);
        if (modules == NULL)
            return shim_fail(SEC_E_NO_CREDENTIALS, "p11-kit has no PKCS#11 modules configured");
    }
    bool found = false;
    for (size_t i = 0; modules[i] != NULL && !found; i++) {
        found = find_certificate(modules[i], uri, card);
        if (found && card->module_path == NULL)
            card->module_path = path != NULL ? strdup(path)
                                             : p11_kit_module_get_filename(modules[i]);
    }
    /* Finalize before the Kerberos library loads the module itself: a
     * module initialized twice answers CKR_CRYPTOKI_ALREADY_INITIALIZED. */
    if (path != NULL) {
        if (finalize)
            one[0]->C_Finalize(NULL);
        p11_kit_module_release(one[0]);
    } else {
        p11_kit_modules_finalize_and_release(modules);
    }
    if (!found)
        return shim_fail(SEC_E_NO_CREDENTIALS,
                         "no certificate with a user principal name (UPN) on a token that the "
                         "PKCS#11 URI selects");
    if (card->module_path == NULL || card->token_label == NULL || card->reader_name == NULL ||
        card->object_label == NULL)
        return SEC_E_INSUFFICIENT_MEMORY;
    return SEC_E_OK;
}

SECURITY_STATUS shim_card_resolve(const char *uri_text, struct shim_card **out)
{
    *out = NULL;
    P11KitUri *uri = p11_kit_uri_new();
    if (uri == NULL)
        return SEC_E_INSUFFICIENT_MEMORY;
    int rc = p11_kit_uri_parse(uri_text, P11_KIT_URI_FOR_OBJECT_ON_TOKEN_AND_MODULE, uri);
    if (rc != P11_KIT_URI_OK) {
        p11_kit_uri_free(uri);
        return shim_fail(SEC_E_UNKNOWN_CREDENTIALS, "not a PKCS#11 URI (RFC 7512): %s",
                         p11_kit_uri_message(rc));
    }
    /* A PIN in the URI would sit in every copy of the user name. */
    if (p11_kit_uri_get_pin_value(uri) != NULL || p11_kit_uri_get_pin_source(uri) != NULL) {
        p11_kit_uri_free(uri);
        return shim_fail(SEC_E_UNKNOWN_CREDENTIALS,
                         "the PIN goes in the identity's Password, not in the PKCS#11 URI");
    }
    struct shim_card *card = calloc(1, sizeof(*card));
    if (card == NULL) {
        p11_kit_uri_free(uri);
        return SEC_E_INSUFFICIENT_MEMORY;
    }
    pthread_mutex_lock(&card_module_lock);
    SECURITY_STATUS st = search_modules(uri, p11_kit_uri_get_module_path(uri), card);
    pthread_mutex_unlock(&card_module_lock);
    p11_kit_uri_free(uri);
    if (st != SEC_E_OK) {
        shim_card_free(card);
        return st;
    }
    *out = card;
    return SEC_E_OK;
}

#ifndef SSPI_SHIM_MIT
/* Module paths a PKINIT logon of this process has used (Heimdal), under
 * card_module_lock. */
static char *used_modules[16];

static bool module_used(const char *path)
{
    for (size_t i = 0; i < sizeof(used_modules) / sizeof(used_modules[0]); i++) {
        if (used_modules[i] == NULL) {
            used_modules[i] = strdup(path);
            return false;
        }
        if (strcmp(used_modules[i], path) == 0)
            return true;
    }
    return false;
}
#endif

void shim_card_logon_begin(const struct shim_card *card)
{
    pthread_mutex_lock(&card_module_lock);
#ifdef SSPI_SHIM_MIT
    (void)card;
#else
    /* Heimdal 7.8's hx509 leaves the module initialized after a PKINIT
     * logon: a reference to it stays with the card's RSA key, whose
     * p11_rsa_finish (lib/hx509/ks_p11.c, the only other release) never
     * runs, so p11_release_module never calls C_Finalize.  The next logon's
     * C_Initialize then fails (CKR_CRYPTOKI_ALREADY_INITIALIZED, reported as
     * "Failed initialize the PKCS11 module"; measured with a second logon in
     * one process).  When this process's own earlier logon left it so,
     * finalize it first; a module someone else initialized is left alone. */
    bool used = module_used(card->module_path);
    CK_FUNCTION_LIST *m = p11_kit_module_load(card->module_path, P11_KIT_MODULE_UNMANAGED);
    if (m == NULL)
        return;
    CK_RV rv = m->C_Initialize(NULL);
    if (rv == CKR_OK || (rv == CKR_CRYPTOKI_ALREADY_INITIALIZED && used))
        m->C_Finalize(NULL);
    p11_kit_module_release(m);
#endif
}

void shim_card_logon_end(void)
{
    pthread_mutex_unlock(&card_module_lock);
}

/* The PKINIT identity each Kerberos library takes for the card. */
char *shim_card_pkinit_identity(const struct shim_card *card)
{
    char *s = NULL;
#ifdef SSPI_SHIM_MIT
    /* MIT: module, slot and certificate; certid is hex (pkinit_identity.c). */
    char id[2 * sizeof(card->id) + 1] = "";
    for (size_t i = 0; i < card->id_len; i++)
        snprintf(id + 2 * i, 3, "%02x", card->id[i]);
    if (asprintf(&s, "PKCS11:module_name=%s:slotid=%lu%s%s", card->module_path,
                 (unsigned long)card->slot_id, card->id_len ? ":certid=" : "", id) < 0)
        s = NULL;
#else
    /* Heimdal 7.8's hx509 takes the module alone: slot selection is
     * compiled out (lib/hx509/ks_p11.c); it uses every initialised token's
     * certificates with private keys, and PKINIT the one that fits. */
    if (asprintf(&s, "PKCS11:%s", card->module_path) < 0)
        s = NULL;
#endif
    return s;
}
