/*
 * SSPI_SHIM_TRACE (docs/tracing.md): with the switch on, a Kerberos and a
 * Negotiate handshake against the test realm, a message and the deletes
 * leave one line per call in the trace file, naming the function, the
 * package, the flags asked and obtained and the status; a wrong password
 * leaves the failure with the GSS library's reason.  The password, the
 * plaintext and the session key (raw or hex) never appear; check_secrets
 * asserts the same for NTLM, WDigest and CredSSP and their keys.  With
 * the switch off nothing is written.
 * Every test runs in its own forked process, which reads the switch anew.
 */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "handshake.h"
#include "realm.h"
#include "sspi.h"
#include "sspi_shim.h"
#include "suite.h"

#define ISC (ISC_REQ_MUTUAL_AUTH | ISC_REQ_CONFIDENTIALITY | ISC_REQ_INTEGRITY | \
             ISC_REQ_SEQUENCE_DETECT | ISC_REQ_REPLAY_DETECT)
#define ASC (ASC_REQ_CONFIDENTIALITY | ASC_REQ_INTEGRITY | ASC_REQ_SEQUENCE_DETECT | \
             ASC_REQ_REPLAY_DETECT)

static struct test_realm realm;
static char alice_upn[256];
static char trace_path[TEST_REALM_PATH_MAX + 32];

/* The whole trace file, NUL-terminated (empty when there is none). */
static char *read_trace(void)
{
    FILE *f = fopen(trace_path, "r");
    char *text = calloc(1, 1 << 20);
    ck_assert_ptr_nonnull(text);
    if (f != NULL) {
        size_t n = fread(text, 1, (1 << 20) - 1, f);
        text[n] = '\0';
        fclose(f);
    }
    return text;
}

static void start_trace(void)
{
    remove(trace_path);
    setenv("SSPI_SHIM_TRACE", trace_path, 1);
}

/* A line of `text` that holds every one of the strings. */
static bool has_line_with(const char *text, const char *a, const char *b, const char *c)
{
    for (const char *line = text; line != NULL && *line;) {
        const char *end = strchr(line, '\n');
        size_t len = end ? (size_t)(end - line) : strlen(line);
        char buf[4096];
        if (len >= sizeof(buf))
            len = sizeof(buf) - 1;
        memcpy(buf, line, len);
        buf[len] = '\0';
        if (strstr(buf, a) && (!b || strstr(buf, b)) && (!c || strstr(buf, c)))
            return true;
        line = end ? end + 1 : NULL;
    }
    return false;
}

static void traced_handshake(const char *pkg)
{
    CredHandle cc, sc;
    struct handshake h;
    start_trace();
    ASSERT_STATUS(handshake_client_cred(pkg, alice_upn, TEST_REALM_ALICE_PASSWORD, &cc), SEC_E_OK);
    ASSERT_STATUS(handshake_server_cred(pkg, &sc), SEC_E_OK);
    ASSERT_STATUS(handshake_run(&cc, &sc, TEST_REALM_HTTP_SERVICE, ISC, ASC, NULL, 0, NULL, 0, &h),
                  SEC_E_OK);
    char data[] = "a message";
    SecPkgContext_Sizes sizes;
    ASSERT_STATUS(QueryContextAttributesA(&h.client, SECPKG_ATTR_SIZES, &sizes), SEC_E_OK);
    char *token = malloc(sizes.cbSecurityTrailer);
    SecBuffer b[2] = {{sizes.cbSecurityTrailer, SECBUFFER_TOKEN, token},
                      {sizeof(data), SECBUFFER_DATA, data}};
    SecBufferDesc msg = {SECBUFFER_VERSION, 2, b};
    ASSERT_STATUS(EncryptMessage(&h.client, 0, &msg, 0), SEC_E_OK);
    ASSERT_STATUS(DecryptMessage(&h.server, &msg, 0, NULL), SEC_E_OK);
    free(token);
    /* The session key, which the trace must not show either. */
    SecPkgContext_SessionKey sk;
    ASSERT_STATUS(QueryContextAttributesA(&h.server, SECPKG_ATTR_SESSION_KEY, &sk), SEC_E_OK);
    unsigned char key[64];
    size_t key_len = sk.SessionKeyLength;
    ck_assert_uint_ge(key_len, 16);
    ck_assert_uint_le(key_len, sizeof(key));
    memcpy(key, sk.SessionKey, key_len);
    FreeContextBuffer(sk.SessionKey);
    handshake_end(&h);
    FreeCredentialsHandle(&cc);
    FreeCredentialsHandle(&sc);

    char *text = read_trace();
    fprintf(stderr, "---- %s trace\n%s----\n", pkg, text);
    char pkgfield[64];
    snprintf(pkgfield, sizeof(pkgfield), "package=%s ", pkg);
    ck_assert(has_line_with(text, "AcquireCredentialsHandleA", pkgfield, "-> SEC_E_OK (0x00000000)"));
    ck_assert(has_line_with(text, "InitializeSecurityContextA", pkgfield,
                            "asked=0x0001001e(ISC_REQ_MUTUAL_AUTH|"));
    ck_assert(has_line_with(text, "InitializeSecurityContextA", "obtained=",
                            "ISC_RET_MUTUAL_AUTH"));
    ck_assert(has_line_with(text, "AcceptSecurityContext", pkgfield, "-> SEC_E_OK"));
    ck_assert(has_line_with(text, "QueryContextAttributesA(attribute 0)", pkgfield, "SEC_E_OK"));
    ck_assert(has_line_with(text, "EncryptMessage", pkgfield, "-> SEC_E_OK"));
    ck_assert(has_line_with(text, "DecryptMessage", pkgfield, "-> SEC_E_OK"));
    ck_assert(has_line_with(text, "DeleteSecurityContext", pkgfield, "-> SEC_E_OK"));
    ck_assert(has_line_with(text, "FreeCredentialsHandle", pkgfield, "-> SEC_E_OK"));
    /* Nothing secret: neither the password nor the plaintext. */
    ck_assert_ptr_null(strstr(text, TEST_REALM_ALICE_PASSWORD));
    ck_assert_ptr_null(strstr(text, "a message"));
    ck_assert(has_line_with(text, "QueryContextAttributesA(attribute 9)", pkgfield, "SEC_E_OK"));
    ck_assert_ptr_null(memmem(text, strlen(text), key, key_len));
    char hex[2 * sizeof(key) + 1], upper[2 * sizeof(key) + 1];
    for (size_t i = 0; i < key_len; i++) {
        snprintf(hex + 2 * i, 3, "%02x", key[i]);
        snprintf(upper + 2 * i, 3, "%02X", key[i]);
    }
    ck_assert_ptr_null(strstr(text, hex));
    ck_assert_ptr_null(strstr(text, upper));
    free(text);
}

START_TEST(kerberos_calls_are_traced)
{
    traced_handshake("Kerberos");
}
END_TEST

START_TEST(negotiate_calls_are_traced)
{
    traced_handshake("Negotiate");
}
END_TEST

/* A failure carries its status by name and the GSS library's reason. */
START_TEST(failure_is_traced_with_its_reason)
{
    CredHandle cc, sc;
    struct handshake h;
    start_trace();
    ASSERT_STATUS(handshake_client_cred("Kerberos", alice_upn, "not-the-password", &cc), SEC_E_OK);
    ASSERT_STATUS(handshake_server_cred("Kerberos", &sc), SEC_E_OK);
    ASSERT_STATUS(handshake_run(&cc, &sc, TEST_REALM_HTTP_SERVICE, ISC, ASC, NULL, 0, NULL, 0, &h),
                  SEC_E_LOGON_DENIED);
    handshake_end(&h);
    FreeCredentialsHandle(&cc);
    FreeCredentialsHandle(&sc);
    char *text = read_trace();
    fprintf(stderr, "---- failure trace\n%s----\n", text);
    ck_assert(has_line_with(text, "InitializeSecurityContextA",
                            "-> SEC_E_LOGON_DENIED (0x8009030c): ", "krb5"));
    ck_assert_ptr_null(strstr(text, "not-the-password"));
    /* An invalid handle is traced too, with no package. */
    CtxtHandle zero = {0, 0};
    ASSERT_STATUS(DeleteSecurityContext(&zero), SEC_E_INVALID_HANDLE);
    free(text);
    text = read_trace();
    ck_assert(has_line_with(text, "DeleteSecurityContext package=- ", "SEC_E_INVALID_HANDLE",
                            NULL));
    free(text);
}
END_TEST

/* The calls outside the handshake and message path: one line each too. */
START_TEST(every_other_call_is_traced)
{
    CredHandle cc, sc;
    struct handshake h;
    start_trace();
    ASSERT_STATUS(handshake_client_cred("Kerberos", alice_upn, TEST_REALM_ALICE_PASSWORD, &cc),
                  SEC_E_OK);
    ASSERT_STATUS(handshake_server_cred("Kerberos", &sc), SEC_E_OK);
    ASSERT_STATUS(handshake_run(&cc, &sc, TEST_REALM_HTTP_SERVICE, ISC, ASC, NULL, 0, NULL, 0, &h),
                  SEC_E_OK);
    SecPkgCredentials_NamesA names;
    ASSERT_STATUS(QueryCredentialsAttributesA(&cc, SECPKG_CRED_ATTR_NAMES, &names), SEC_E_OK);
    FreeContextBuffer(names.sUserName);
    SecBuffer none = {0, SECBUFFER_TOKEN, NULL};
    SecBufferDesc desc = {SECBUFFER_VERSION, 1, &none};
    ASSERT_STATUS(CompleteAuthToken(&h.client, &desc), SEC_E_OK);
    void *token = NULL;
    ASSERT_STATUS(QuerySecurityContextToken(&h.server, &token), SEC_E_UNSUPPORTED_FUNCTION);
    ULONG value = 0;
    ASSERT_STATUS(SetContextAttributesA(&h.server, SECPKG_ATTR_SIZES, &value, sizeof(value)),
                  SEC_E_UNSUPPORTED_FUNCTION);
    ASSERT_STATUS(ApplyControlToken(&h.server, &desc), SEC_E_UNSUPPORTED_FUNCTION);
    (void)ImpersonateSecurityContext(&h.server); /* root or not: a line either way */
    ASSERT_STATUS(RevertSecurityContext(&h.server), SEC_E_OK);
    SecBuffer packed = {0, SECBUFFER_EMPTY, NULL};
    ASSERT_STATUS(ExportSecurityContext(&h.server, 0, &packed, NULL), SEC_E_OK);
    CtxtHandle imported;
    ASSERT_STATUS(ImportSecurityContextA((SEC_CHAR *)"Kerberos", &packed, NULL, &imported),
                  SEC_E_OK);
    FreeContextBuffer(packed.pvBuffer);
    DeleteSecurityContext(&imported);
    PSecPkgInfoA info;
    ASSERT_STATUS(QuerySecurityPackageInfoA((SEC_CHAR *)"Kerberos", &info), SEC_E_OK);
    FreeContextBuffer(info);
    PSecPkgInfoW infow;
    ASSERT_STATUS(QuerySecurityPackageInfoW((SEC_WCHAR *)u"NoSuchPackage", &infow),
                  SEC_E_SECPKG_NOT_FOUND);
    ULONG count;
    ASSERT_STATUS(EnumerateSecurityPackagesA(&count, &info), SEC_E_OK);
    FreeContextBuffer(info);
    handshake_end(&h);
    FreeCredentialsHandle(&cc);
    FreeCredentialsHandle(&sc);

    char *text = read_trace();
    fprintf(stderr, "---- other calls\n%s----\n", text);
    ck_assert(has_line_with(text, "QueryCredentialsAttributesA", "package=Kerberos ", "-> SEC_E_OK"));
    ck_assert(has_line_with(text, "CompleteAuthToken", "package=Kerberos ", "-> SEC_E_OK"));
    ck_assert(has_line_with(text, "QuerySecurityContextToken", "package=Kerberos ",
                            "-> SEC_E_UNSUPPORTED_FUNCTION (0x80090302)"));
    ck_assert(has_line_with(text, "SetContextAttributesA", "package=Kerberos ",
                            "-> SEC_E_UNSUPPORTED_FUNCTION"));
    ck_assert(has_line_with(text, "ApplyControlToken", "package=Kerberos ",
                            "-> SEC_E_UNSUPPORTED_FUNCTION"));
    ck_assert(has_line_with(text, "ImpersonateSecurityContext", "package=Kerberos ", "-> SEC_"));
    ck_assert(has_line_with(text, "RevertSecurityContext", "package=Kerberos ", "-> SEC_E_OK"));
    ck_assert(has_line_with(text, "ExportSecurityContext", "package=Kerberos ", "-> SEC_E_OK"));
    ck_assert(has_line_with(text, "ImportSecurityContextA", "package=Kerberos ", "-> SEC_E_OK"));
    ck_assert(has_line_with(text, "QuerySecurityPackageInfoA", "package=Kerberos ", "-> SEC_E_OK"));
    /* A failure that explains nothing carries no older call's reason. */
    ck_assert_ptr_nonnull(strstr(text, "QuerySecurityPackageInfoW package=NoSuchPackage "
                                       "-> SEC_E_SECPKG_NOT_FOUND (0x80090305)\n"));
    ck_assert(has_line_with(text, "EnumerateSecurityPackagesA", "package=- ", "-> SEC_E_OK"));
    free(text);
}
END_TEST

/* The switch from the configuration file's [shim] trace when the variable
 * is not set (docs/configuration.md). */
START_TEST(switch_from_the_configuration_file)
{
    char conf[TEST_REALM_PATH_MAX + 32];
    snprintf(conf, sizeof(conf), "%s/sspi-shim.conf", realm.dir);
    FILE *f = fopen(conf, "w");
    ck_assert_ptr_nonnull(f);
    fprintf(f, "[shim]\ntrace = %s\n", trace_path);
    fclose(f);
    remove(trace_path);
    unsetenv("SSPI_SHIM_TRACE");
    setenv("SSPI_SHIM_CONFIG", conf, 1);
    PSecPkgInfoA info;
    ASSERT_STATUS(QuerySecurityPackageInfoA((SEC_CHAR *)"Negotiate", &info), SEC_E_OK);
    FreeContextBuffer(info);
    char *text = read_trace();
    ck_assert(has_line_with(text, "QuerySecurityPackageInfoA", "package=Negotiate ", "SEC_E_OK"));
    free(text);
    unsetenv("SSPI_SHIM_CONFIG");
    remove(conf);
}
END_TEST

START_TEST(off_writes_nothing)
{
    CredHandle cc;
    remove(trace_path);
    unsetenv("SSPI_SHIM_TRACE");
    ASSERT_STATUS(handshake_client_cred("Kerberos", alice_upn, TEST_REALM_ALICE_PASSWORD, &cc),
                  SEC_E_OK);
    FreeCredentialsHandle(&cc);
    struct stat st;
    ck_assert_int_ne(stat(trace_path, &st), 0);
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
    snprintf(trace_path, sizeof(trace_path), "%s/trace.log", realm.dir);
    Suite *s = suite_create("trace");
    TCase *tc = tcase_create("trace");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, kerberos_calls_are_traced);
    tcase_add_test(tc, negotiate_calls_are_traced);
    tcase_add_test(tc, failure_is_traced_with_its_reason);
    tcase_add_test(tc, every_other_call_is_traced);
    tcase_add_test(tc, switch_from_the_configuration_file);
    tcase_add_test(tc, off_writes_nothing);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    /* Each test in its own process: the switch is read once per process. */
    srunner_set_fork_status(sr, CK_FORK);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    test_realm_destroy(&realm);
    return failed == 0 ? 0 : 1;
}
