/*
 * The rest of the context API against a real KDC: channel bindings,
 * delegation and impersonation, context export and import.
 */
#include "config.h"

#include <check.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "handshake.h"
#include "realm.h"
#include "sspi.h"
#include "sspi_shim.h"
#include "suite.h"

static struct test_realm realm;
static char alice_upn[256];



#define FULL_REQ (ISC_REQ_MUTUAL_AUTH | ISC_REQ_CONFIDENTIALITY | ISC_REQ_INTEGRITY | \
                  ISC_REQ_SEQUENCE_DETECT | ISC_REQ_REPLAY_DETECT)

static SECURITY_STATUS alice_handshake(const char *pkg, ULONG isc_req,
                                       const SEC_CHANNEL_BINDINGS *cb, ULONG cb_len,
                                       const SEC_CHANNEL_BINDINGS *sb, ULONG sb_len,
                                       CredHandle *cc, CredHandle *sc, struct handshake *h)
{
    ASSERT_STATUS(handshake_client_cred(pkg, alice_upn, TEST_REALM_ALICE_PASSWORD, cc), SEC_E_OK);
    ASSERT_STATUS(handshake_server_cred(pkg, sc), SEC_E_OK);
    return handshake_run(cc, sc, TEST_REALM_HTTP_SERVICE, isc_req, 0, cb, cb_len, sb, sb_len, h);
}

static void done(CredHandle *cc, CredHandle *sc, struct handshake *h)
{
    handshake_end(h);
    FreeCredentialsHandle(cc);
    FreeCredentialsHandle(sc);
}

/* ------------------------------------------------------------ bindings */

/* A self-signed certificate signed with SHA-384, DER-encoded. */
static unsigned char *make_certificate(int *len)
{
    EVP_PKEY *key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-384");
    X509 *x = X509_new();
    ck_assert(key != NULL && x != NULL);
    ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
    X509_gmtime_adj(X509_getm_notBefore(x), 0);
    X509_gmtime_adj(X509_getm_notAfter(x), 3600);
    X509_NAME_add_entry_by_txt(X509_get_subject_name(x), "CN", MBSTRING_ASC,
                               (const unsigned char *)"localhost", -1, -1, 0);
    X509_set_issuer_name(x, X509_get_subject_name(x));
    X509_set_pubkey(x, key);
    ck_assert(X509_sign(x, key, EVP_sha384()) > 0);
    unsigned char *der = NULL;
    *len = i2d_X509(x, &der);
    ck_assert_int_gt(*len, 0);
    X509_free(x);
    EVP_PKEY_free(key);
    return der;
}

START_TEST(tls_server_end_point_bindings_follow_rfc5929)
{
    int len;
    unsigned char *der = make_certificate(&len);
    SecPkgContext_Bindings b;
    ASSERT_STATUS(SspiShimTlsServerEndPointBindings(der, (ULONG)len, &b), SEC_E_OK);
    /* RFC 5929 4.1: a SHA-384-signed certificate is hashed with SHA-384. */
    unsigned char hash[48];
    unsigned int hash_len;
    EVP_Digest(der, (size_t)len, hash, &hash_len, EVP_sha384(), NULL);
    ck_assert_uint_eq(b.Bindings->cbApplicationDataLength, 21 + 48);
    const char *data = (const char *)b.Bindings + b.Bindings->dwApplicationDataOffset;
    ck_assert(memcmp(data, "tls-server-end-point:", 21) == 0);
    ck_assert(memcmp(data + 21, hash, 48) == 0);
    ck_assert_uint_eq(b.BindingsLength, 32 + 21 + 48);
    FreeContextBuffer(b.Bindings);
    /* Not a certificate, or trailing bytes. */
    ASSERT_STATUS(SspiShimTlsServerEndPointBindings("junk", 4, &b), SEC_E_INVALID_PARAMETER);
    unsigned char *longer = malloc((size_t)len + 1);
    memcpy(longer, der, (size_t)len);
    longer[len] = 0;
    ASSERT_STATUS(SspiShimTlsServerEndPointBindings(longer, (ULONG)len + 1, &b),
                  SEC_E_INVALID_PARAMETER);
    free(longer);
    OPENSSL_free(der);
}
END_TEST

static SecPkgContext_Bindings bindings_for(const char *text)
{
    SecPkgContext_Bindings b;
    size_t n = strlen(text);
    b.BindingsLength = (ULONG)(32 + n);
    b.Bindings = calloc(1, 32 + n);
    b.Bindings->cbApplicationDataLength = (ULONG)n;
    b.Bindings->dwApplicationDataOffset = 32;
    memcpy((char *)b.Bindings + 32, text, n);
    return b;
}

START_TEST(matching_bindings_succeed)
{
    SecPkgContext_Bindings b = bindings_for("tls-server-end-point:same");
    CredHandle cc, sc;
    struct handshake h;
    ASSERT_STATUS(alice_handshake(PKG, FULL_REQ, b.Bindings, b.BindingsLength, b.Bindings,
                                  b.BindingsLength, &cc, &sc, &h), SEC_E_OK);
    done(&cc, &sc, &h);
    free(b.Bindings);
}
END_TEST

START_TEST(mismatched_bindings_are_bad_bindings)
{
    SecPkgContext_Bindings client = bindings_for("tls-server-end-point:client-saw-this");
    SecPkgContext_Bindings server = bindings_for("tls-server-end-point:server-has-that");
    CredHandle cc, sc;
    struct handshake h;
    ASSERT_STATUS(alice_handshake(PKG, FULL_REQ, client.Bindings, client.BindingsLength,
                                  server.Bindings, server.BindingsLength, &cc, &sc, &h),
                  SEC_E_BAD_BINDINGS);
    ck_assert(!h.have_server);      /* no half context on the server */
    done(&cc, &sc, &h);
    free(client.Bindings);
    free(server.Bindings);
}
END_TEST

START_TEST(bindings_on_one_side_only_are_accepted)
{
    /* Windows without Extended Protection policy: a server that has no
     * bindings accepts a client's, and a client that sends none (an older
     * client) is accepted by a server that has some.  Heimdal does both
     * (measured), so the SSPI caller sees Windows' default. */
    SecPkgContext_Bindings b = bindings_for("tls-server-end-point:only-one-side");
    CredHandle cc, sc;
    struct handshake h;
    ASSERT_STATUS(alice_handshake(PKG, FULL_REQ, b.Bindings, b.BindingsLength, NULL, 0, &cc, &sc,
                                  &h), SEC_E_OK);
    done(&cc, &sc, &h);
    ASSERT_STATUS(alice_handshake(PKG, FULL_REQ, NULL, 0, b.Bindings, b.BindingsLength, &cc, &sc,
                                  &h), SEC_E_OK);
    done(&cc, &sc, &h);
    free(b.Bindings);
}
END_TEST

START_TEST(malformed_bindings_are_invalid_token)
{
    SEC_CHANNEL_BINDINGS bad = {.cbApplicationDataLength = 1000, .dwApplicationDataOffset = 32};
    CredHandle cc, sc;
    struct handshake h;
    ASSERT_STATUS(alice_handshake(PKG, FULL_REQ, &bad, sizeof(bad), NULL, 0, &cc, &sc, &h),
                  SEC_E_INVALID_TOKEN);
    done(&cc, &sc, &h);
    SecPkgContext_Bindings good = bindings_for("x");
    ASSERT_STATUS(alice_handshake(PKG, FULL_REQ, good.Bindings, good.BindingsLength, &bad, 20, &cc,
                                  &sc, &h), SEC_E_INVALID_TOKEN);
    done(&cc, &sc, &h);
    free(good.Bindings);
}
END_TEST

/* ------------------------------------------------------------ delegation */

START_TEST(delegation_is_reported_on_both_sides)
{
    CredHandle cc, sc;
    struct handshake h;
    ASSERT_STATUS(alice_handshake(PKG, FULL_REQ | ISC_REQ_DELEGATE, NULL, 0, NULL, 0, &cc, &sc, &h),
                  SEC_E_OK);
    ck_assert(h.client_attr & ISC_RET_DELEGATE);
    ck_assert(h.server_attr & ASC_RET_DELEGATE);
    done(&cc, &sc, &h);
    ASSERT_STATUS(alice_handshake(PKG, FULL_REQ, NULL, 0, NULL, 0, &cc, &sc, &h), SEC_E_OK);
    ck_assert(!(h.client_attr & ISC_RET_DELEGATE));
    ck_assert(!(h.server_attr & ASC_RET_DELEGATE));
    done(&cc, &sc, &h);
}
END_TEST

START_TEST(impersonation_uses_the_delegated_credential_onward)
{
    setenv("SSPI_SHIM_IMPERSONATION", "credentials", 1);
    CredHandle cc, sc;
    struct handshake h;
    ASSERT_STATUS(alice_handshake(PKG, FULL_REQ | ISC_REQ_DELEGATE, NULL, 0, NULL, 0, &cc, &sc, &h),
                  SEC_E_OK);
    /* Before: the server process has no credential cache of its own. */
    CredHandle onward;
    ASSERT_STATUS(handshake_client_cred(PKG, NULL, NULL, &onward), SEC_E_NO_CREDENTIALS);

    ASSERT_STATUS(ImpersonateSecurityContext(&h.server), SEC_E_OK);
    ASSERT_STATUS(handshake_client_cred(PKG, NULL, NULL, &onward), SEC_E_OK);
    SecPkgCredentials_NamesA names;
    ASSERT_STATUS(QueryCredentialsAttributesA(&onward, SECPKG_CRED_ATTR_NAMES, &names), SEC_E_OK);
    ck_assert_str_eq((char *)names.sUserName, alice_upn);
    FreeContextBuffer(names.sUserName);

    /* The delegated credential reaches a second service as alice. */
    CredHandle sc2;
    struct handshake h2;
    ASSERT_STATUS(handshake_server_cred(PKG, &sc2), SEC_E_OK);
    ASSERT_STATUS(handshake_run(&onward, &sc2, TEST_REALM_HOST_SERVICE, FULL_REQ, 0, NULL, 0, NULL,
                                0, &h2), SEC_E_OK);
    SecPkgContext_NativeNamesA native;
    ASSERT_STATUS(QueryContextAttributesA(&h2.server, SECPKG_ATTR_NATIVE_NAMES, &native), SEC_E_OK);
    ck_assert_str_eq((char *)native.sClientName, alice_upn);
    FreeContextBuffer(native.sClientName);
    FreeContextBuffer(native.sServerName);
    handshake_end(&h2);
    FreeCredentialsHandle(&sc2);
    FreeCredentialsHandle(&onward);

    /* After RevertSecurityContext the thread is the server again. */
    ASSERT_STATUS(RevertSecurityContext(&h.server), SEC_E_OK);
    ASSERT_STATUS(handshake_client_cred(PKG, NULL, NULL, &onward), SEC_E_NO_CREDENTIALS);
    done(&cc, &sc, &h);
}
END_TEST

START_TEST(impersonation_without_delegation_gives_no_credential)
{
    setenv("SSPI_SHIM_IMPERSONATION", "credentials", 1);
    CredHandle cc, sc;
    struct handshake h;
    ASSERT_STATUS(alice_handshake(PKG, FULL_REQ, NULL, 0, NULL, 0, &cc, &sc, &h), SEC_E_OK);
    ASSERT_STATUS(ImpersonateSecurityContext(&h.server), SEC_E_NO_IMPERSONATION);
    done(&cc, &sc, &h);
}
END_TEST

START_TEST(impersonation_never_pretends_to_switch_users)
{
    /* Default mode: the thread must really become the client's local
     * account.  alice@realm maps to a local "alice", which does not exist
     * here, and a non-root process cannot switch at all: either way
     * SEC_E_NO_IMPERSONATION, and the thread keeps its identity. */
    unsetenv("SSPI_SHIM_IMPERSONATION");
    CredHandle cc, sc;
    struct handshake h;
    ASSERT_STATUS(alice_handshake(PKG, FULL_REQ | ISC_REQ_DELEGATE, NULL, 0, NULL, 0, &cc, &sc, &h),
                  SEC_E_OK);
    uid_t before = geteuid();
    ASSERT_STATUS(ImpersonateSecurityContext(&h.server), SEC_E_NO_IMPERSONATION);
    ck_assert_uint_eq(geteuid(), before);
    ck_assert_ptr_nonnull(strstr(SspiShimLastErrorMessage(), "SEC_E_NO_IMPERSONATION"));
    /* A client context cannot be impersonated at all. */
    ASSERT_STATUS(ImpersonateSecurityContext(&h.client), SEC_E_NO_IMPERSONATION);
    done(&cc, &sc, &h);
    CtxtHandle forged = {1, 1};
    ASSERT_STATUS(ImpersonateSecurityContext(&forged), SEC_E_INVALID_HANDLE);
    ASSERT_STATUS(RevertSecurityContext(&forged), SEC_E_INVALID_HANDLE);
}
END_TEST

/* A thread that exists before the impersonation starts (a thread created
 * by an impersonating thread inherits its identity, as on Linux it must). */
static pthread_barrier_t barrier;

static void *other_thread_euid(void *arg)
{
    pthread_barrier_wait(&barrier);     /* impersonation has started */
    *(uid_t *)arg = geteuid();
    pthread_barrier_wait(&barrier);
    return NULL;
}

/* Registered only when the suite runs as root (CI does). */
START_TEST(root_impersonation_switches_only_the_calling_thread)
{
    unsetenv("SSPI_SHIM_IMPERSONATION");
    /* Map alice to the local account "nobody" through krb5.conf's
     * auth_to_local_names, in a copy of the realm's configuration. */
    char conf[700], *text;
    snprintf(conf, sizeof(conf), "%s/krb5-an2ln.conf", realm.dir);
    FILE *in = fopen(realm.krb5_conf, "r");
    ck_assert_ptr_nonnull(in);
    text = calloc(1, 65536);
    size_t n = fread(text, 1, 65535, in);
    fclose(in);
    char needle[200];
    snprintf(needle, sizeof(needle), "%s = {", realm.realm);
    char *at = strstr(text, needle);
    ck_assert_ptr_nonnull(at);
    at += strlen(needle);
    FILE *out = fopen(conf, "w");
    fwrite(text, 1, (size_t)(at - text), out);
    fprintf(out, "\n        auth_to_local_names = {\n            alice = nobody\n        }\n");
    fwrite(at, 1, n - (size_t)(at - text), out);
    fclose(out);
    free(text);
    ck_assert_int_eq(test_realm_use_krb5_conf(&realm, conf), 0);

    CredHandle cc, sc;
    struct handshake h;
    ASSERT_STATUS(alice_handshake(PKG, FULL_REQ, NULL, 0, NULL, 0, &cc, &sc, &h), SEC_E_OK);
    pthread_t t;
    uid_t other = 12345;
    pthread_barrier_init(&barrier, NULL, 2);
    pthread_create(&t, NULL, other_thread_euid, &other);
    ASSERT_STATUS(ImpersonateSecurityContext(&h.server), SEC_E_OK);
    ck_assert_uint_eq(geteuid(), 65534);                /* nobody */
    pthread_barrier_wait(&barrier);
    pthread_barrier_wait(&barrier);
    pthread_join(t, NULL);
    ck_assert_uint_eq(other, 0);                        /* other threads stay root */
    ASSERT_STATUS(RevertSecurityContext(&h.server), SEC_E_OK);
    ck_assert_uint_eq(geteuid(), 0);
    done(&cc, &sc, &h);
}
END_TEST

/* ------------------------------------------------------------ export */

START_TEST(export_keeps_or_deletes_the_old_context)
{
    CredHandle cc, sc;
    struct handshake h;
    ASSERT_STATUS(alice_handshake(PKG, FULL_REQ, NULL, 0, NULL, 0, &cc, &sc, &h), SEC_E_OK);
    SecBuffer packed = {0, 0, NULL};
    void *token = (void *)1;
    ASSERT_STATUS(ExportSecurityContext(&h.server, 0, &packed, &token), SEC_E_OK);
    ck_assert_ptr_null(token);
    ck_assert_ptr_nonnull(packed.pvBuffer);
    /* Without SECPKG_CONTEXT_EXPORT_DELETE_OLD the old handle still works. */
    SecPkgContext_NamesA names;
    ASSERT_STATUS(QueryContextAttributesA(&h.server, SECPKG_ATTR_NAMES, &names), SEC_E_OK);
    char original[256];
    snprintf(original, sizeof(original), "%s", (char *)names.sUserName);
    FreeContextBuffer(names.sUserName);

    CtxtHandle imported;
    ASSERT_STATUS(ImportSecurityContextA((LPSTR)PKG, &packed, NULL, &imported), SEC_E_OK);
    ASSERT_STATUS(QueryContextAttributesA(&imported, SECPKG_ATTR_NAMES, &names), SEC_E_OK);
    ck_assert_str_eq((char *)names.sUserName, original);
    FreeContextBuffer(names.sUserName);
    SecPkgContext_Flags flags;
    ASSERT_STATUS(QueryContextAttributesA(&imported, SECPKG_ATTR_FLAGS, &flags), SEC_E_OK);
    ck_assert_uint_eq(flags.Flags, h.server_attr);
    ASSERT_STATUS(DeleteSecurityContext(&imported), SEC_E_OK);

    /* The W form takes the same bytes. */
    SEC_WCHAR wpkg[16];
    for (size_t i = 0; i <= strlen(PKG); i++)
        wpkg[i] = (SEC_WCHAR)PKG[i];
    ASSERT_STATUS(ImportSecurityContextW(wpkg, &packed, NULL, &imported), SEC_E_OK);
    ASSERT_STATUS(DeleteSecurityContext(&imported), SEC_E_OK);
    FreeContextBuffer(packed.pvBuffer);

    /* With it, the old handle is gone. */
    CtxtHandle old = h.server;
    ASSERT_STATUS(ExportSecurityContext(&h.server, SECPKG_CONTEXT_EXPORT_DELETE_OLD, &packed, NULL),
                  SEC_E_OK);
    h.have_server = false;
    ASSERT_STATUS(QueryContextAttributesA(&old, SECPKG_ATTR_FLAGS, &flags), SEC_E_INVALID_HANDLE);
    ASSERT_STATUS(ImportSecurityContextA((LPSTR)PKG, &packed, NULL, &imported), SEC_E_OK);
    ASSERT_STATUS(DeleteSecurityContext(&imported), SEC_E_OK);
    FreeContextBuffer(packed.pvBuffer);
    done(&cc, &sc, &h);
}
END_TEST

START_TEST(exported_context_moves_to_another_process)
{
    CredHandle cc, sc;
    struct handshake h;
    ASSERT_STATUS(alice_handshake(PKG, FULL_REQ, NULL, 0, NULL, 0, &cc, &sc, &h), SEC_E_OK);
    SecBuffer packed;
    ASSERT_STATUS(ExportSecurityContext(&h.server, SECPKG_CONTEXT_EXPORT_DELETE_OLD, &packed, NULL),
                  SEC_E_OK);
    h.have_server = false;
    int fds[2];
    ck_assert_int_eq(pipe(fds), 0);
    pid_t pid = fork();
    if (pid == 0) {
        /* A fresh process image would do the same; a forked child has no
         * handle of the parent's context, only the bytes. */
        close(fds[1]);
        static unsigned char buf[65536];
        ssize_t got = 0, r;
        while ((r = read(fds[0], buf + got, sizeof(buf) - (size_t)got)) > 0)
            got += r;
        SecBuffer in = {(ULONG)got, SECBUFFER_EMPTY, buf};
        CtxtHandle ctx;
        SecPkgContext_NativeNamesA native;
        if (ImportSecurityContextA((LPSTR)PKG, &in, NULL, &ctx) != SEC_E_OK ||
            QueryContextAttributesA(&ctx, SECPKG_ATTR_NATIVE_NAMES, &native) != SEC_E_OK)
            _exit(2);
        int same = strcmp((char *)native.sClientName, alice_upn) == 0;
        /* Release what this process holds, for leak checkers run on it. */
        FreeContextBuffer(native.sClientName);
        FreeContextBuffer(native.sServerName);
        DeleteSecurityContext(&ctx);
        FreeContextBuffer(packed.pvBuffer);
        done(&cc, &sc, &h);
        _exit(same ? 0 : 3);
    }
    close(fds[0]);
    ck_assert_int_eq(write(fds[1], packed.pvBuffer, packed.cbBuffer), (ssize_t)packed.cbBuffer);
    close(fds[1]);
    int status;
    waitpid(pid, &status, 0);
    ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "child status %d", status);
    FreeContextBuffer(packed.pvBuffer);
    done(&cc, &sc, &h);
}
END_TEST

START_TEST(bad_packed_contexts_are_refused)
{
    CredHandle cc, sc;
    struct handshake h;
    ASSERT_STATUS(alice_handshake(PKG, FULL_REQ, NULL, 0, NULL, 0, &cc, &sc, &h), SEC_E_OK);
    SecBuffer packed;
    ASSERT_STATUS(ExportSecurityContext(&h.server, 0, &packed, NULL), SEC_E_OK);
    CtxtHandle ctx = {5, 5};
    SecBuffer junk = {5, SECBUFFER_EMPTY, "junk!"};
    ASSERT_STATUS(ImportSecurityContextA((LPSTR)PKG, &junk, NULL, &ctx), SEC_E_INVALID_TOKEN);
    SecBuffer cut = {packed.cbBuffer / 2, SECBUFFER_EMPTY, packed.pvBuffer};
    ASSERT_STATUS(ImportSecurityContextA((LPSTR)PKG, &cut, NULL, &ctx), SEC_E_INVALID_TOKEN);
    SecBuffer header_only = {20, SECBUFFER_EMPTY, packed.pvBuffer};
    ASSERT_STATUS(ImportSecurityContextA((LPSTR)PKG, &header_only, NULL, &ctx), SEC_E_INVALID_TOKEN);
    const char *other = strcmp(PKG, "Kerberos") == 0 ? "Negotiate" : "Kerberos";
    ASSERT_STATUS(ImportSecurityContextA((LPSTR)other, &packed, NULL, &ctx), SEC_E_INVALID_TOKEN);
    ASSERT_STATUS(ImportSecurityContextA((LPSTR) "NoSuchPackage", &packed, NULL, &ctx),
                  SEC_E_SECPKG_NOT_FOUND);
    ck_assert_uint_eq(ctx.dwLower, 5);
    FreeContextBuffer(packed.pvBuffer);
    ASSERT_STATUS(ExportSecurityContext(&h.server, SECPKG_CONTEXT_EXPORT_RESET_NEW, &packed, NULL),
                  SEC_E_UNSUPPORTED_FUNCTION);
    CtxtHandle forged = {1, 1};
    ASSERT_STATUS(ExportSecurityContext(&forged, 0, &packed, NULL), SEC_E_INVALID_HANDLE);
    done(&cc, &sc, &h);
}
END_TEST

int main(void)
{
    if (test_realm_start(&realm, NULL) != 0) {
        fprintf(stderr, "cannot start the test realm: %s\n", realm.last_output);
        test_realm_destroy(&realm);
        return 99;
    }
    snprintf(alice_upn, sizeof(alice_upn), "%s@%s", TEST_REALM_ALICE, realm.realm);
    /* The service the delegated credential is used for onward. */
    Suite *s = suite_create("context_api");
    TCase *tc = tcase_create("bindings");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, tls_server_end_point_bindings_follow_rfc5929);
    tcase_add_loop_test(tc, matching_bindings_succeed, 0, 2);
    tcase_add_loop_test(tc, mismatched_bindings_are_bad_bindings, 0, 2);
    tcase_add_loop_test(tc, bindings_on_one_side_only_are_accepted, 0, 2);
    tcase_add_loop_test(tc, malformed_bindings_are_invalid_token, 0, 2);
    suite_add_tcase(s, tc);
    tc = tcase_create("delegation");
    tcase_set_timeout(tc, 60);
    tcase_add_loop_test(tc, delegation_is_reported_on_both_sides, 0, 2);
    tcase_add_loop_test(tc, impersonation_uses_the_delegated_credential_onward, 0, 2);
    tcase_add_loop_test(tc, impersonation_without_delegation_gives_no_credential, 0, 2);
    tcase_add_loop_test(tc, impersonation_never_pretends_to_switch_users, 0, 2);
    if (geteuid() == 0)
        tcase_add_loop_test(tc, root_impersonation_switches_only_the_calling_thread, 0, 2);
    else
        fprintf(stderr, "not root: the thread identity switch is not exercised in this run\n");
    suite_add_tcase(s, tc);
    tc = tcase_create("export");
    tcase_set_timeout(tc, 60);
    tcase_add_loop_test(tc, export_keeps_or_deletes_the_old_context, 0, 2);
    tcase_add_loop_test(tc, exported_context_moves_to_another_process, 0, 2);
    tcase_add_loop_test(tc, bad_packed_contexts_are_refused, 0, 2);
    suite_add_tcase(s, tc);

    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    test_realm_destroy(&realm);
    return failed == 0 ? 0 : 1;
}
