/*
 * Smart-card credentials through the SSPI API: a SoftHSM2 token holding
 * alice's key and certificate (tests/smartcard.c), a test realm whose KDC
 * does PKINIT, and the card identity form of shim/smartcard.c (User a
 * PKCS#11 URI, Password the PIN).  Covers the Kerberos and Negotiate card
 * logon, the statuses for a wrong PIN, a missing card and the identity
 * forms that cannot work here, and CredSSP sending TSSmartCardCreds: the
 * acceptor's SECPKG_ATTR_CREDS and an onward AcquireCredentialsHandle
 * with the identity it gives.
 */
#include "config.h"

#include <check.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "handshake.h"
#include "mechenv.h"
#include "realm.h"
#include "smartcard.h"
#include "sspi.h"
#include "sspi_shim.h"
#include "suite.h"

#define TERMSRV "TERMSRV/localhost"

static struct test_realm realm;
static struct test_smartcard card;

static SEC_WINNT_AUTH_IDENTITY_A card_identity(const char *uri, const char *pin)
{
    SEC_WINNT_AUTH_IDENTITY_A id;
    memset(&id, 0, sizeof(id));
    id.User = (unsigned char *)uri;
    id.UserLength = (ULONG)strlen(uri);
    id.Password = (unsigned char *)pin;
    id.PasswordLength = (ULONG)strlen(pin);
    id.Flags = SEC_WINNT_AUTH_IDENTITY_ANSI;
    return id;
}

static SECURITY_STATUS acquire(const char *pkg, void *auth_data, CredHandle *out)
{
    TimeStamp expiry;
    return AcquireCredentialsHandleA(NULL, (SEC_CHAR *)pkg, SECPKG_CRED_OUTBOUND, NULL, auth_data,
                                     NULL, NULL, out, &expiry);
}

static SECURITY_STATUS card_cred(const char *pkg, const char *uri, const char *pin,
                                 CredHandle *out)
{
    SEC_WINNT_AUTH_IDENTITY_A id = card_identity(uri, pin);
    return acquire(pkg, &id, out);
}

/* ------------------------------------------------------ Kerberos, Negotiate */

/* The certificate's UPN is who logs on: the credential's name and the
 * client name the server sees. */
START_TEST(card_logon_authenticates_the_certificate_user)
{
    CredHandle cc, sc;
    struct handshake h;
    ASSERT_STATUS(card_cred(PKG, card.uri, card.pin, &cc), SEC_E_OK);
    SecPkgCredentials_NamesA names;
    ASSERT_STATUS(QueryCredentialsAttributesA(&cc, SECPKG_CRED_ATTR_NAMES, &names), SEC_E_OK);
    ck_assert_str_eq(names.sUserName, card.principal);
    FreeContextBuffer(names.sUserName);
    ASSERT_STATUS(handshake_server_cred(PKG, &sc), SEC_E_OK);
    ASSERT_STATUS(handshake_run(&cc, &sc, "HTTP/localhost", ISC_REQ_MUTUAL_AUTH, 0, NULL, 0, NULL,
                                0, &h),
                  SEC_E_OK);
    /* The server names the client Windows' way, DOMAIN\user: the
     * realm's first label and the UPN's user. */
    char want[256];
    snprintf(want, sizeof(want), "%.*s\\%s", (int)strcspn(realm.realm, "."), realm.realm,
             TEST_REALM_ALICE);
    SecPkgContext_NamesA client;
    ASSERT_STATUS(QueryContextAttributesA(&h.server, SECPKG_ATTR_NAMES, &client), SEC_E_OK);
    ck_assert_str_eq(client.sUserName, want);
    FreeContextBuffer(client.sUserName);
    handshake_end(&h);
    FreeCredentialsHandle(&cc);
    FreeCredentialsHandle(&sc);
}
END_TEST

/* Acquires a card credential for pkg and runs the first
 * InitializeSecurityContext to HTTP/localhost (where the PIN logon
 * happens); returns the first failure, or that call's status.  The
 * context and its token are released. */
static SECURITY_STATUS first_leg_with_card(const char *pkg, const char *pin)
{
    CredHandle cc;
    CtxtHandle cx;
    SecBuffer ob = {0, SECBUFFER_TOKEN, NULL};
    SecBufferDesc od = {SECBUFFER_VERSION, 1, &ob};
    ULONG attr;
    TimeStamp t;
    SECURITY_STATUS st = card_cred(pkg, card.uri, pin, &cc);
    if (st != SEC_E_OK)
        return st;
    st = InitializeSecurityContextA(&cc, NULL, "HTTP/localhost", ISC_REQ_ALLOCATE_MEMORY, 0,
                                    SECURITY_NATIVE_DREP, NULL, 0, &cx, &od, &attr, &t);
    if (st >= 0) {
        FreeContextBuffer(ob.pvBuffer);
        DeleteSecurityContext(&cx);
    }
    FreeCredentialsHandle(&cc);
    return st;
}

/* As a wrong password: the PIN is tried by the first
 * InitializeSecurityContext, which says SEC_E_LOGON_DENIED. */
START_TEST(wrong_pin_is_logon_denied)
{
    ASSERT_STATUS(first_leg_with_card(PKG, "0000"), SEC_E_LOGON_DENIED);
}
END_TEST

/* Card logons from several threads at once, each with its own
 * credential: every one gets its ticket (the module is initialized by
 * one logon at a time; Heimdal's leftover initialization is reset). */
#define LOGON_THREADS 4
static void *thread_logon(void *arg)
{
    *(SECURITY_STATUS *)arg = first_leg_with_card("Kerberos", card.pin);
    return NULL;
}

START_TEST(concurrent_card_logons)
{
    pthread_t threads[LOGON_THREADS];
    SECURITY_STATUS results[LOGON_THREADS];
    for (int i = 0; i < LOGON_THREADS; i++)
        ck_assert_int_eq(pthread_create(&threads[i], NULL, thread_logon, &results[i]), 0);
    for (int i = 0; i < LOGON_THREADS; i++) {
        pthread_join(threads[i], NULL);
        ASSERT_STATUS(results[i], SEC_E_OK);
    }
}
END_TEST

/* No such certificate, no such module: nothing to log on with. */
START_TEST(missing_card_is_no_credentials)
{
    CredHandle cc;
    char uri[1024];
    snprintf(uri, sizeof(uri), "pkcs11:token=%s;object=nobody?module-path=%s", card.token_label,
             card.module);
    ASSERT_STATUS(card_cred(PKG, uri, card.pin, &cc), SEC_E_NO_CREDENTIALS);
    snprintf(uri, sizeof(uri), "pkcs11:token=no-such-card?module-path=%s", card.module);
    ASSERT_STATUS(card_cred(PKG, uri, card.pin, &cc), SEC_E_NO_CREDENTIALS);
    ASSERT_STATUS(card_cred(PKG, "pkcs11:?module-path=/nonexistent/pkcs11.so", card.pin, &cc),
                  SEC_E_NO_CREDENTIALS);
}
END_TEST

/* The identity forms that cannot name a card here. */
START_TEST(unusable_card_identities_are_refused)
{
    CredHandle cc;
    char uri[1024];
    /* A PIN inside the URI would travel in the user name. */
    snprintf(uri, sizeof(uri), "pkcs11:token=%s?pin-value=%s&module-path=%s", card.token_label,
             card.pin, card.module);
    ASSERT_STATUS(card_cred(PKG, uri, card.pin, &cc), SEC_E_UNKNOWN_CREDENTIALS);
    ASSERT_STATUS(card_cred(PKG, "pkcs11:token=%zz", card.pin, &cc), SEC_E_UNKNOWN_CREDENTIALS);
    /* A Windows marshaled certificate reference (CredMarshalCredential). */
    ASSERT_STATUS(card_cred(PKG, "@@BQ9eNR0KWVU-CT8sPCp8z37cvDhm", card.pin, &cc),
                  SEC_E_NO_CREDENTIALS);
    /* A card with no PIN. */
    SEC_WINNT_AUTH_IDENTITY_A id = card_identity(card.uri, "");
    id.Password = NULL;
    ASSERT_STATUS(acquire(PKG, &id, &cc), SEC_E_NO_CREDENTIALS);
}
END_TEST

/* ------------------------------------------------------------ CredSSP */

/* The URI the acceptor rebuilds from TSSmartCardCreds' cardName,
 * containerName and cspName (mechs/credssp: card_uri). */
static void expected_delegated_uri(char *out, size_t n)
{
    snprintf(out, n, "pkcs11:token=%s;object=%s?module-path=%s", card.token_label,
             card.object_label, card.module);
}

/* The acceptor's SECPKG_ATTR_CREDS decoded: an identity (owned by the
 * caller, SspiFreeAuthIdentity) and its strings narrowed to ASCII. */
static PSEC_WINNT_AUTH_IDENTITY_OPAQUE delegated(CtxtHandle *sx, char *user, char *domain,
                                                char *pin, size_t n)
{
    SecPkgContext_ClientCreds cr;
    PSEC_WINNT_AUTH_IDENTITY_OPAQUE ai = NULL;
    PCWSTR u = NULL, d = NULL, pw = NULL;
    ASSERT_STATUS(QueryContextAttributesA(sx, SECPKG_ATTR_CREDS, &cr), SEC_E_OK);
    ASSERT_STATUS(SspiUnmarshalAuthIdentity(cr.AuthBufferLen, (char *)cr.AuthBuffer, &ai),
                  SEC_E_OK);
    FreeContextBuffer(cr.AuthBuffer);
    ASSERT_STATUS(SspiEncodeAuthIdentityAsStrings(ai, &u, &d, &pw), SEC_E_OK);
    const PCWSTR src[3] = {u, d, pw};
    char *dst[3] = {user, domain, pin};
    for (int k = 0; k < 3; k++) {
        size_t i = 0;
        for (; src[k] != NULL && src[k][i] != 0 && i + 1 < n; i++)
            dst[k][i] = (char)src[k][i];
        dst[k][i] = '\0';
        SspiFreeAuthIdentity((PSEC_WINNT_AUTH_IDENTITY_OPAQUE)src[k]);
    }
    return ai;
}

/* A CredSSP server credential (*sc) and a handshake from the client's
 * credential to TERMSRV/localhost; the first failure's status. */
static SECURITY_STATUS credssp_handshake(CredHandle *cc, CredHandle *sc, ULONG isc_req,
                                         struct handshake *h)
{
    TimeStamp t;
    SECURITY_STATUS st = AcquireCredentialsHandleA(NULL, "CredSSP", SECPKG_CRED_INBOUND, NULL,
                                                   NULL, NULL, NULL, sc, &t);
    if (st != SEC_E_OK)
        return st;
    return handshake_run(cc, sc, TERMSRV, isc_req, ASC_REQ_CONNECTION, NULL, 0, NULL, 0, h);
}

/* A CredSSP client with the card (CREDSSP_CRED, CredsspCertificateCreds,
 * as mstsc passes a card) logs on with PKINIT inside and delegates
 * TSSmartCardCreds; the server reads them as a card identity that an
 * onward AcquireCredentialsHandle takes, and whose logon works. */
START_TEST(credssp_delegates_the_card)
{
    SEC_WINNT_AUTH_IDENTITY_A id = card_identity(card.uri, card.pin);
    CREDSSP_CRED cred = {CredsspCertificateCreds, NULL, &id};
    CredHandle cc, sc, onward;
    struct handshake h;
    ASSERT_STATUS(acquire("CredSSP", &cred, &cc), SEC_E_OK);
    ASSERT_STATUS(credssp_handshake(&cc, &sc, ISC_REQ_DELEGATE | ISC_REQ_MUTUAL_AUTH, &h),
                  SEC_E_OK);
    ck_assert(h.client_attr & ISC_RET_DELEGATE);
    ck_assert(h.server_attr & ASC_RET_DELEGATE);

    char user[1024], domain[256], pin[64], want[1024];
    PSEC_WINNT_AUTH_IDENTITY_OPAQUE ai = delegated(&h.server, user, domain, pin, sizeof(user));
    expected_delegated_uri(want, sizeof(want));
    ck_assert_str_eq(user, want);
    ck_assert_str_eq(pin, card.pin);
    ck_assert_str_eq(domain, realm.realm); /* domainHint: the UPN's realm */
    handshake_end(&h);

    /* Onward, as a server would use the client's card for a second hop. */
    ASSERT_STATUS(acquire("Kerberos", ai, &onward), SEC_E_OK);
    SspiFreeAuthIdentity(ai);
    CredHandle http;
    ASSERT_STATUS(handshake_server_cred("Kerberos", &http), SEC_E_OK);
    ASSERT_STATUS(handshake_run(&onward, &http, "HTTP/localhost", 0, 0, NULL, 0, NULL, 0, &h),
                  SEC_E_OK);
    handshake_end(&h);
    FreeCredentialsHandle(&onward);
    FreeCredentialsHandle(&http);
    FreeCredentialsHandle(&cc);
    FreeCredentialsHandle(&sc);
}
END_TEST

/* Without ISC_REQ_DELEGATE the empty set goes, not the PIN. */
START_TEST(credssp_card_without_delegate_sends_no_pin)
{
    SEC_WINNT_AUTH_IDENTITY_A id = card_identity(card.uri, card.pin);
    CredHandle cc, sc;
    struct handshake h;
    ASSERT_STATUS(acquire("CredSSP", &id, &cc), SEC_E_OK);
    ASSERT_STATUS(credssp_handshake(&cc, &sc, ISC_REQ_MUTUAL_AUTH, &h), SEC_E_OK);
    ck_assert(!(h.server_attr & ASC_RET_DELEGATE));
    char user[1024], domain[256], pin[64];
    SspiFreeAuthIdentity(delegated(&h.server, user, domain, pin, sizeof(user)));
    ck_assert_str_eq(user, "");
    ck_assert_str_eq(pin, "");
    handshake_end(&h);
    FreeCredentialsHandle(&cc);
    FreeCredentialsHandle(&sc);
}
END_TEST

/* CredsspCertificateCreds with a password identity, or a card with an
 * NTLM-only package list: there is no card logon to run. */
START_TEST(credssp_card_forms_that_cannot_log_on)
{
    SEC_WINNT_AUTH_IDENTITY_A pw;
    memset(&pw, 0, sizeof(pw));
    pw.User = (unsigned char *)"alice";
    pw.UserLength = 5;
    pw.Password = (unsigned char *)"pw";
    pw.PasswordLength = 2;
    pw.Flags = SEC_WINNT_AUTH_IDENTITY_ANSI;
    CREDSSP_CRED cred = {CredsspCertificateCreds, NULL, &pw};
    CredHandle cc;
    ASSERT_STATUS(acquire("CredSSP", &cred, &cc), SEC_E_NO_CREDENTIALS);

    SEC_WINNT_AUTH_IDENTITY_EXA ex;
    memset(&ex, 0, sizeof(ex));
    ex.Version = SEC_WINNT_AUTH_IDENTITY_VERSION;
    ex.Length = sizeof(ex);
    ex.User = (unsigned char *)card.uri;
    ex.UserLength = (ULONG)strlen(card.uri);
    ex.Password = (unsigned char *)card.pin;
    ex.PasswordLength = (ULONG)strlen(card.pin);
    ex.Flags = SEC_WINNT_AUTH_IDENTITY_ANSI;
    ex.PackageList = (unsigned char *)"NTLM";
    ex.PackageListLength = 4;
    ASSERT_STATUS(acquire("CredSSP", &ex, &cc), SEC_E_NO_CREDENTIALS);
}
END_TEST

static Suite *smartcard_suite(void)
{
    Suite *s = suite_create("smartcard");
    TCase *tc = tcase_create("card");
    tcase_set_timeout(tc, 120);
    tcase_add_loop_test(tc, card_logon_authenticates_the_certificate_user, 0, 2);
    tcase_add_loop_test(tc, wrong_pin_is_logon_denied, 0, 2);
    tcase_add_test(tc, concurrent_card_logons);
    tcase_add_loop_test(tc, missing_card_is_no_credentials, 0, 2);
    tcase_add_loop_test(tc, unusable_card_identities_are_refused, 0, 2);
    tcase_add_test(tc, credssp_delegates_the_card);
    tcase_add_test(tc, credssp_card_without_delegate_sends_no_pin);
    tcase_add_test(tc, credssp_card_forms_that_cannot_log_on);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    int env = test_mechenv_enter();
    if (env != 0)
        return env;
    int prepared = test_smartcard_prepare(&card, TEST_REALM_DEFAULT_NAME, TEST_REALM_ALICE, "246813");
    if (prepared == -2)
        return 77; /* the reason is on stderr */
    if (prepared != 0)
        return 99;
    struct test_realm_options opt = {0};
    opt.extra_libdefaults = card.extra_libdefaults;
    opt.extra_kdc = card.extra_kdc;
    if (test_realm_start_ex(&realm, NULL, &opt) != 0 ||
        test_realm_add_service(&realm, TERMSRV, NULL) != 0) {
        fprintf(stderr, "cannot start the PKINIT test realm: %s\n", realm.last_output);
        test_realm_destroy(&realm);
        test_smartcard_destroy(&card);
        return 99;
    }
    SRunner *sr = srunner_create(smartcard_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    test_realm_destroy(&realm);
    test_smartcard_destroy(&card);
    return failed == 0 ? 0 : 1;
}
