/*
 * SSPI rules that need no KDC: packages, function tables, handles, NULL
 * pointers, malformed buffer descriptors and identities.  Every case
 * asserts the specific SECURITY_STATUS, never only "failed".
 */
#include "config.h"

#include <check.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sspi.h"
#include "sspi_shim.h"
#include "suite.h"


/* Keep every test away from the user's Kerberos files. */
static void private_krb5_environment(void)
{
    setenv("KRB5_CONFIG", "/nonexistent/sspi-shim-test/krb5.conf", 1);
    setenv("KRB5CCNAME", "FILE:/nonexistent/sspi-shim-test/ccache", 1);
    setenv("KRB5_KTNAME", "FILE:/nonexistent/sspi-shim-test/keytab", 1);
}

START_TEST(enumerate_packages_a_and_w_agree)
{
    ULONG n = 0, nw = 0;
    PSecPkgInfoA a = NULL;
    PSecPkgInfoW w = NULL;
    ASSERT_STATUS(EnumerateSecurityPackagesA(&n, &a), SEC_E_OK);
    ASSERT_STATUS(EnumerateSecurityPackagesW(&nw, &w), SEC_E_OK);
    ck_assert_uint_eq(n, nw);
    ck_assert_uint_ge(n, 2);
    bool kerberos = false, negotiate = false;
    for (ULONG i = 0; i < n; i++) {
        kerberos |= strcmp((char *)a[i].Name, "Kerberos") == 0;
        negotiate |= strcmp((char *)a[i].Name, "Negotiate") == 0;
        ck_assert_uint_eq(a[i].fCapabilities, w[i].fCapabilities);
        ck_assert_uint_eq(a[i].cbMaxToken, w[i].cbMaxToken);
        ck_assert_uint_gt(a[i].cbMaxToken, 0);
        for (size_t k = 0; k <= strlen((char *)a[i].Name); k++)
            ck_assert_uint_eq((SEC_WCHAR)a[i].Name[k], w[i].Name[k]);
        ck_assert_ptr_nonnull(a[i].Comment);
    }
    ck_assert(kerberos && negotiate);
    /* One FreeContextBuffer releases the whole array (valgrind checks it). */
    ASSERT_STATUS(FreeContextBuffer(a), SEC_E_OK);
    ASSERT_STATUS(FreeContextBuffer(w), SEC_E_OK);
}
END_TEST

START_TEST(query_package_info_values)
{
    PSecPkgInfoA info;
    ASSERT_STATUS(QuerySecurityPackageInfoA((LPSTR) "Kerberos", &info), SEC_E_OK);
    ck_assert_str_eq((char *)info->Name, "Kerberos");
    ck_assert_uint_eq(info->wRPCID, 16);                 /* RPC_C_AUTHN_GSS_KERBEROS */
    ck_assert_uint_eq(info->cbMaxToken, 48000);
    ck_assert(info->fCapabilities & SECPKG_FLAG_MUTUAL_AUTH);
    ck_assert(info->fCapabilities & SECPKG_FLAG_GSS_COMPATIBLE);
    ck_assert(info->fCapabilities & SECPKG_FLAG_NEGOTIABLE);
    /* Message protection: MakeSignature/VerifySignature, Encrypt/DecryptMessage
     * (tests/check_messages.c). */
    ck_assert((info->fCapabilities & (SECPKG_FLAG_INTEGRITY | SECPKG_FLAG_PRIVACY |
                                      SECPKG_FLAG_READONLY_WITH_CHECKSUM)) ==
              (SECPKG_FLAG_INTEGRITY | SECPKG_FLAG_PRIVACY | SECPKG_FLAG_READONLY_WITH_CHECKSUM));
    FreeContextBuffer(info);

    /* Package names are case-insensitive, as on Windows. */
    ASSERT_STATUS(QuerySecurityPackageInfoA((LPSTR) "negotiate", &info), SEC_E_OK);
    ck_assert_str_eq((char *)info->Name, "Negotiate");
    ck_assert_uint_eq(info->wRPCID, 9);                  /* RPC_C_AUTHN_GSS_NEGOTIATE */
    FreeContextBuffer(info);

    PSecPkgInfoW winfo;
    ASSERT_STATUS(QuerySecurityPackageInfoW((LPWSTR)u"Kerberos", &winfo), SEC_E_OK);
    ck_assert(memcmp(winfo->Name, u"Kerberos", sizeof(u"Kerberos")) == 0);
    FreeContextBuffer(winfo);
}
END_TEST

START_TEST(unknown_package_is_secpkg_not_found)
{
    PSecPkgInfoA info = (PSecPkgInfoA)0x1;
    ASSERT_STATUS(QuerySecurityPackageInfoA((LPSTR) "NoSuchPackage", &info), SEC_E_SECPKG_NOT_FOUND);
    PSecPkgInfoW winfo;
    ASSERT_STATUS(QuerySecurityPackageInfoW((LPWSTR)u"NoSuchPackage", &winfo), SEC_E_SECPKG_NOT_FOUND);
    /* An unpaired surrogate is no package name either. */
    SEC_WCHAR bad[] = {0xD800, 'x', 0};
    ASSERT_STATUS(QuerySecurityPackageInfoW(bad, &winfo), SEC_E_SECPKG_NOT_FOUND);
    CredHandle cred;
    ASSERT_STATUS(AcquireCredentialsHandleA(NULL, (LPSTR) "NoSuchPackage", SECPKG_CRED_OUTBOUND,
                                            NULL, NULL, NULL, NULL, &cred, NULL),
                  SEC_E_SECPKG_NOT_FOUND);
    ASSERT_STATUS(AcquireCredentialsHandleW(NULL, (LPWSTR)u"NoSuchPackage", SECPKG_CRED_OUTBOUND,
                                            NULL, NULL, NULL, NULL, &cred, NULL),
                  SEC_E_SECPKG_NOT_FOUND);
}
END_TEST

START_TEST(null_pointers_are_invalid_parameter)
{
    ULONG n;
    PSecPkgInfoA a;
    ASSERT_STATUS(EnumerateSecurityPackagesA(NULL, &a), SEC_E_INVALID_PARAMETER);
    ASSERT_STATUS(EnumerateSecurityPackagesA(&n, NULL), SEC_E_INVALID_PARAMETER);
    ASSERT_STATUS(QuerySecurityPackageInfoA(NULL, &a), SEC_E_INVALID_PARAMETER);
    ASSERT_STATUS(QuerySecurityPackageInfoA((LPSTR) "Kerberos", NULL), SEC_E_INVALID_PARAMETER);
    CredHandle cred;
    ASSERT_STATUS(AcquireCredentialsHandleA(NULL, NULL, SECPKG_CRED_OUTBOUND, NULL, NULL, NULL,
                                            NULL, &cred, NULL), SEC_E_INVALID_PARAMETER);
    ASSERT_STATUS(AcquireCredentialsHandleA(NULL, (LPSTR) "Kerberos", SECPKG_CRED_OUTBOUND, NULL,
                                            NULL, NULL, NULL, NULL, NULL), SEC_E_INVALID_PARAMETER);
    ASSERT_STATUS(AcquireCredentialsHandleA(NULL, (LPSTR) "Kerberos", 0, NULL, NULL, NULL, NULL,
                                            &cred, NULL), SEC_E_INVALID_PARAMETER);
    ASSERT_STATUS(FreeCredentialsHandle(NULL), SEC_E_INVALID_HANDLE);
    ASSERT_STATUS(DeleteSecurityContext(NULL), SEC_E_INVALID_HANDLE);
    ASSERT_STATUS(FreeContextBuffer(NULL), SEC_E_OK);
}
END_TEST

START_TEST(zeroed_and_forged_handles_are_invalid_handle)
{
    CredHandle zero = {0, 0};
    CtxtHandle forged = {1, 0x0200000000000001ULL};    /* context kind, unused slot */
    CtxtHandle huge = {~(ULONG_PTR)0, ~(ULONG_PTR)0};
    SecPkgContext_Flags flags;
    ULONG attr;
    unsigned char buf[32];
    SecBuffer tok = {sizeof(buf), SECBUFFER_TOKEN, buf};
    SecBufferDesc desc = {SECBUFFER_VERSION, 1, &tok};

    ASSERT_STATUS(FreeCredentialsHandle(&zero), SEC_E_INVALID_HANDLE);
    ASSERT_STATUS(DeleteSecurityContext(&forged), SEC_E_INVALID_HANDLE);
    ASSERT_STATUS(DeleteSecurityContext(&huge), SEC_E_INVALID_HANDLE);
    ASSERT_STATUS(QueryContextAttributesA(&huge, SECPKG_ATTR_FLAGS, &flags), SEC_E_INVALID_HANDLE);
    ASSERT_STATUS(QueryContextAttributesW(&zero, SECPKG_ATTR_FLAGS, &flags), SEC_E_INVALID_HANDLE);
    ASSERT_STATUS(InitializeSecurityContextA(&zero, NULL, (SEC_CHAR *)"HTTP/x", 0, 0, 0, NULL, 0,
                                             &forged, &desc, &attr, NULL), SEC_E_INVALID_HANDLE);
    ASSERT_STATUS(InitializeSecurityContextA(NULL, NULL, (SEC_CHAR *)"HTTP/x", 0, 0, 0, NULL, 0,
                                             &forged, &desc, &attr, NULL), SEC_E_INVALID_HANDLE);
    ASSERT_STATUS(AcceptSecurityContext(&zero, NULL, &desc, 0, 0, &forged, NULL, &attr, NULL),
                  SEC_E_INVALID_HANDLE);
    ASSERT_STATUS(AcceptSecurityContext(NULL, &huge, &desc, 0, 0, &huge, NULL, &attr, NULL),
                  SEC_E_INVALID_HANDLE);
    ASSERT_STATUS(CompleteAuthToken(&forged, &desc), SEC_E_INVALID_HANDLE);
    ASSERT_STATUS(ApplyControlToken(&forged, &desc), SEC_E_INVALID_HANDLE);
    ASSERT_STATUS(QueryCredentialsAttributesA(&zero, SECPKG_CRED_ATTR_NAMES, &flags),
                  SEC_E_INVALID_HANDLE);
    ASSERT_STATUS(MakeSignature(&forged, 0, &desc, 0), SEC_E_INVALID_HANDLE);
    ASSERT_STATUS(EncryptMessage(&forged, 0, &desc, 0), SEC_E_INVALID_HANDLE);
    ASSERT_STATUS(ImpersonateSecurityContext(&forged), SEC_E_INVALID_HANDLE);
}
END_TEST

START_TEST(function_tables_point_at_the_entry_points)
{
    PSecurityFunctionTableA ta = InitSecurityInterfaceA();
    PSecurityFunctionTableW tw = InitSecurityInterfaceW();
    ck_assert_ptr_nonnull(ta);
    ck_assert_ptr_nonnull(tw);
    ck_assert_uint_eq(ta->dwVersion, SECURITY_SUPPORT_PROVIDER_INTERFACE_VERSION_4);
    ck_assert(ta->AcquireCredentialsHandleA == AcquireCredentialsHandleA);
    ck_assert(ta->InitializeSecurityContextA == InitializeSecurityContextA);
    ck_assert(ta->AcceptSecurityContext == AcceptSecurityContext);
    ck_assert(ta->QueryContextAttributesA == QueryContextAttributesA);
    ck_assert(ta->FreeContextBuffer == FreeContextBuffer);
    ck_assert(ta->EncryptMessage == EncryptMessage);
    ck_assert(ta->ChangeAccountPasswordA == ChangeAccountPasswordA);
    ck_assert(tw->AcquireCredentialsHandleW == AcquireCredentialsHandleW);
    ck_assert(tw->InitializeSecurityContextW == InitializeSecurityContextW);
    ck_assert(tw->QuerySecurityPackageInfoW == QuerySecurityPackageInfoW);
    ck_assert(tw->DecryptMessage == DecryptMessage);
    /* Calling through the table works like calling directly. */
    ULONG n;
    PSecPkgInfoW w;
    ASSERT_STATUS(tw->EnumerateSecurityPackagesW(&n, &w), SEC_E_OK);
    tw->FreeContextBuffer(w);
    /* Every non-reserved field of a version 4 table is filled. */
    void *const *fields = (void *const *)((const char *)ta + offsetof(SecurityFunctionTableA,
                                                                     EnumerateSecurityPackagesA));
    size_t count = (offsetof(SecurityFunctionTableA, QueryContextAttributesExA) -
                    offsetof(SecurityFunctionTableA, EnumerateSecurityPackagesA)) / sizeof(void *);
    size_t filled = 0;
    for (size_t i = 0; i < count; i++)
        filled += fields[i] != NULL;
    ck_assert_uint_eq(filled, count - 4);   /* Reserved2, 3, 4 and 8 */
}
END_TEST

static SEC_WINNT_AUTH_IDENTITY_A identity(const char *user, const char *password, ULONG flags)
{
    SEC_WINNT_AUTH_IDENTITY_A id;
    memset(&id, 0, sizeof(id));
    id.User = (unsigned char *)user;
    id.UserLength = user ? (ULONG)strlen(user) : 0;
    id.Password = (unsigned char *)password;
    id.PasswordLength = password ? (ULONG)strlen(password) : 0;
    id.Flags = flags;
    return id;
}

START_TEST(malformed_identities_are_unknown_credentials)
{
    private_krb5_environment();
    CredHandle cred;
    SEC_WINNT_AUTH_IDENTITY_A id = identity("alice@EXAMPLE.COM", "pw", 0);   /* neither flag */
    ASSERT_STATUS(AcquireCredentialsHandleA(NULL, (LPSTR) "Kerberos", SECPKG_CRED_OUTBOUND, NULL,
                                            &id, NULL, NULL, &cred, NULL), SEC_E_UNKNOWN_CREDENTIALS);
    id = identity("alice@EXAMPLE.COM", "pw", SEC_WINNT_AUTH_IDENTITY_ANSI | SEC_WINNT_AUTH_IDENTITY_UNICODE);
    ASSERT_STATUS(AcquireCredentialsHandleA(NULL, (LPSTR) "Kerberos", SECPKG_CRED_OUTBOUND, NULL,
                                            &id, NULL, NULL, &cred, NULL), SEC_E_UNKNOWN_CREDENTIALS);
    id = identity(NULL, "pw", SEC_WINNT_AUTH_IDENTITY_ANSI);                 /* password for nobody */
    ASSERT_STATUS(AcquireCredentialsHandleA(NULL, (LPSTR) "Kerberos", SECPKG_CRED_OUTBOUND, NULL,
                                            &id, NULL, NULL, &cred, NULL), SEC_E_UNKNOWN_CREDENTIALS);
    id = identity("alice@EXAMPLE.COM", "pw", SEC_WINNT_AUTH_IDENTITY_ANSI);
    id.UserLength = 1u << 30;                                               /* absurd length */
    ASSERT_STATUS(AcquireCredentialsHandleA(NULL, (LPSTR) "Kerberos", SECPKG_CRED_OUTBOUND, NULL,
                                            &id, NULL, NULL, &cred, NULL), SEC_E_UNKNOWN_CREDENTIALS);
    id = identity("al\0ce", "pw", SEC_WINNT_AUTH_IDENTITY_ANSI);
    id.UserLength = 5;                                                      /* embedded NUL */
    ASSERT_STATUS(AcquireCredentialsHandleA(NULL, (LPSTR) "Kerberos", SECPKG_CRED_OUTBOUND, NULL,
                                            &id, NULL, NULL, &cred, NULL), SEC_E_UNKNOWN_CREDENTIALS);
    id = identity("user@", "pw", SEC_WINNT_AUTH_IDENTITY_ANSI);              /* empty realm */
    ASSERT_STATUS(AcquireCredentialsHandleA(NULL, (LPSTR) "Kerberos", SECPKG_CRED_OUTBOUND, NULL,
                                            &id, NULL, NULL, &cred, NULL), SEC_E_UNKNOWN_CREDENTIALS);
    /* UTF-16 with an unpaired surrogate. */
    SEC_WINNT_AUTH_IDENTITY_W wid;
    memset(&wid, 0, sizeof(wid));
    unsigned short bad_user[] = {'a', 0xDC00, 'b', 0};
    unsigned short pw[] = {'p', 0};
    wid.User = bad_user;
    wid.UserLength = 3;
    wid.Password = pw;
    wid.PasswordLength = 1;
    wid.Flags = SEC_WINNT_AUTH_IDENTITY_UNICODE;
    SECURITY_STATUS st = AcquireCredentialsHandleW(NULL, (LPWSTR)u"Kerberos", SECPKG_CRED_OUTBOUND,
                                                   NULL, &wid, NULL, NULL, &cred, NULL);
    ck_assert_msg(st == SEC_E_INVALID_PARAMETER || st == SEC_E_UNKNOWN_CREDENTIALS, "0x%08X",
                  (unsigned)st);
    /* An EX identity with a wrong Length. */
    SEC_WINNT_AUTH_IDENTITY_EXA ex;
    memset(&ex, 0, sizeof(ex));
    ex.Version = SEC_WINNT_AUTH_IDENTITY_VERSION;
    ex.Length = 4;
    ex.Flags = SEC_WINNT_AUTH_IDENTITY_ANSI;
    ASSERT_STATUS(AcquireCredentialsHandleA(NULL, (LPSTR) "Kerberos", SECPKG_CRED_OUTBOUND, NULL,
                                            &ex, NULL, NULL, &cred, NULL), SEC_E_UNKNOWN_CREDENTIALS);
}
END_TEST

START_TEST(password_identity_defers_the_check_to_initialize)
{
    /* No KDC at all: AcquireCredentialsHandle still succeeds, like Windows;
     * the first InitializeSecurityContext reports why it cannot log on. */
    private_krb5_environment();
    CredHandle cred;
    TimeStamp expiry;
    SEC_WINNT_AUTH_IDENTITY_EXA ex;
    memset(&ex, 0, sizeof(ex));
    ex.Version = SEC_WINNT_AUTH_IDENTITY_VERSION;
    ex.Length = sizeof(ex);
    ex.User = (unsigned char *)"alice";
    ex.UserLength = 5;
    ex.Domain = (unsigned char *)"NOWHERE.INVALID";
    ex.DomainLength = 15;
    ex.Password = (unsigned char *)"pw";
    ex.PasswordLength = 2;
    ex.Flags = SEC_WINNT_AUTH_IDENTITY_ANSI;
    ASSERT_STATUS(AcquireCredentialsHandleA(NULL, (LPSTR) "Kerberos", SECPKG_CRED_OUTBOUND, NULL,
                                            &ex, NULL, NULL, &cred, &expiry), SEC_E_OK);
    SecPkgCredentials_NamesA names;
    ASSERT_STATUS(QueryCredentialsAttributesA(&cred, SECPKG_CRED_ATTR_NAMES, &names), SEC_E_OK);
    ck_assert_str_eq((char *)names.sUserName, "alice@NOWHERE.INVALID");
    FreeContextBuffer(names.sUserName);
    ASSERT_STATUS(QueryCredentialsAttributesA(&cred, 0x7777, &names), SEC_E_UNSUPPORTED_FUNCTION);

    unsigned char buf[1024];
    SecBuffer out = {sizeof(buf), SECBUFFER_TOKEN, buf};
    SecBufferDesc desc = {SECBUFFER_VERSION, 1, &out};
    CtxtHandle ctx;
    ULONG attr;
    SECURITY_STATUS st = InitializeSecurityContextA(&cred, NULL, (SEC_CHAR *)"HTTP/localhost", 0, 0,
                                                    0, NULL, 0, &ctx, &desc, &attr, NULL);
    ck_assert_msg(st == SEC_E_NO_AUTHENTICATING_AUTHORITY, "0x%08X (%s)", (unsigned)st,
                  SspiShimLastErrorMessage());
    ck_assert_str_ne(SspiShimLastErrorMessage(), "");
    ASSERT_STATUS(FreeCredentialsHandle(&cred), SEC_E_OK);
    ASSERT_STATUS(FreeCredentialsHandle(&cred), SEC_E_INVALID_HANDLE);
}
END_TEST

START_TEST(malformed_buffer_descriptors_are_rejected)
{
    private_krb5_environment();
    CredHandle cred;
    SEC_WINNT_AUTH_IDENTITY_A id = identity("alice@NOWHERE.INVALID", "pw", SEC_WINNT_AUTH_IDENTITY_ANSI);
    ASSERT_STATUS(AcquireCredentialsHandleA(NULL, (LPSTR) "Kerberos", SECPKG_CRED_OUTBOUND, NULL,
                                            &id, NULL, NULL, &cred, NULL), SEC_E_OK);
    CtxtHandle ctx;
    ULONG attr;
    SecBufferDesc bad_version = {7, 0, NULL};
    SecBufferDesc bad_count = {SECBUFFER_VERSION, 3, NULL};
    SecBufferDesc too_many = {SECBUFFER_VERSION, 100000, (PSecBuffer)&id};
    ASSERT_STATUS(InitializeSecurityContextA(&cred, NULL, (SEC_CHAR *)"HTTP/localhost", 0, 0, 0,
                                             &bad_version, 0, &ctx, NULL, &attr, NULL),
                  SEC_E_INVALID_TOKEN);
    ASSERT_STATUS(InitializeSecurityContextA(&cred, NULL, (SEC_CHAR *)"HTTP/localhost", 0, 0, 0,
                                             NULL, 0, &ctx, &bad_count, &attr, NULL),
                  SEC_E_INVALID_TOKEN);
    ASSERT_STATUS(InitializeSecurityContextA(&cred, NULL, (SEC_CHAR *)"HTTP/localhost", 0, 0, 0,
                                             &too_many, 0, &ctx, NULL, &attr, NULL),
                  SEC_E_INVALID_TOKEN);
    /* No phNewContext to write the new handle to. */
    ASSERT_STATUS(InitializeSecurityContextA(&cred, NULL, (SEC_CHAR *)"HTTP/localhost", 0, 0, 0,
                                             NULL, 0, NULL, NULL, &attr, NULL),
                  SEC_E_INVALID_PARAMETER);
    /* Datagram contexts do not exist in GSS-API. */
    ASSERT_STATUS(InitializeSecurityContextA(&cred, NULL, (SEC_CHAR *)"HTTP/localhost",
                                             ISC_REQ_DATAGRAM, 0, 0, NULL, 0, &ctx, NULL, &attr,
                                             NULL), SEC_E_UNSUPPORTED_FUNCTION);
    /* A malformed target name. */
    ASSERT_STATUS(InitializeSecurityContextA(&cred, NULL, (SEC_CHAR *)"HTTP/", 0, 0, 0, NULL, 0,
                                             &ctx, NULL, &attr, NULL), SEC_E_TARGET_UNKNOWN);
    SEC_WCHAR bad_target[] = {'H', '/', 0xDFFF, 0};
    ASSERT_STATUS(InitializeSecurityContextW(&cred, NULL, bad_target, 0, 0, 0, NULL, 0, &ctx, NULL,
                                             &attr, NULL), SEC_E_TARGET_UNKNOWN);
    /* An outbound credential cannot accept. */
    unsigned char buf[8] = "abcdefg";
    SecBuffer tok = {sizeof(buf), SECBUFFER_TOKEN, buf};
    SecBufferDesc in = {SECBUFFER_VERSION, 1, &tok};
    ASSERT_STATUS(AcceptSecurityContext(&cred, NULL, &in, 0, 0, &ctx, NULL, &attr, NULL),
                  SEC_E_NO_CREDENTIALS);
    FreeCredentialsHandle(&cred);
}
END_TEST

START_TEST(not_yet_implemented_calls_say_so)
{
    ASSERT_STATUS(ChangeAccountPasswordA((SEC_CHAR *)"Kerberos", NULL, NULL, NULL, NULL, 0, 0,
                                         NULL), SEC_E_UNSUPPORTED_FUNCTION);
    ck_assert_ptr_nonnull(strstr(SspiShimLastErrorMessage(), "not implemented yet"));
}
END_TEST

START_TEST(status_names_cover_the_common_codes)
{
    ck_assert_str_eq(SspiShimStatusName(SEC_E_LOGON_DENIED), "SEC_E_LOGON_DENIED");
    ck_assert_str_eq(SspiShimStatusName(SEC_I_CONTINUE_NEEDED), "SEC_I_CONTINUE_NEEDED");
    ck_assert_str_eq(SspiShimStatusName(SEC_E_OK), "SEC_E_OK");
    ck_assert_ptr_null(SspiShimStatusName((SECURITY_STATUS)0x12345678));
}
END_TEST

int main(void)
{
    Suite *s = suite_create("api_rules");
    TCase *tc = tcase_create("rules");
    tcase_add_test(tc, enumerate_packages_a_and_w_agree);
    tcase_add_test(tc, query_package_info_values);
    tcase_add_test(tc, unknown_package_is_secpkg_not_found);
    tcase_add_test(tc, null_pointers_are_invalid_parameter);
    tcase_add_test(tc, zeroed_and_forged_handles_are_invalid_handle);
    tcase_add_test(tc, function_tables_point_at_the_entry_points);
    tcase_add_test(tc, malformed_identities_are_unknown_credentials);
    tcase_add_test(tc, password_identity_defers_the_check_to_initialize);
    tcase_add_test(tc, malformed_buffer_descriptors_are_rejected);
    tcase_add_test(tc, not_yet_implemented_calls_say_so);
    tcase_add_test(tc, status_names_cover_the_common_codes);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? 0 : 1;
}
