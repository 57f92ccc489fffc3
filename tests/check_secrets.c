/*
 * Secrets are wiped when freed (issue 6): after a password logon, a
 * handshake and the frees, no copy of the password is left in the
 * process's writable anonymous memory (heap, mmap'd arenas, stacks), in
 * UTF-8 or UTF-16LE.  Freed memory keeps its bytes unless someone wipes
 * them, so a copy the shim or a mechanism forgot shows up in the scan.
 * Each test runs in a fresh forked process (CK_FORK).
 *
 * The password lives only in read-only data (a string literal), which the
 * scan skips with every file-backed mapping.
 */
#include "config.h"

#include <check.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uchar.h>
#include <unistd.h>

#include <valgrind/valgrind.h>

#include "handshake.h"
#include "mechenv.h"
#include "realm.h"
#include "sspi.h"
#include "sspi_shim.h"
#include "suite.h"

static struct test_realm realm;

/* Copies of needle in writable anonymous mappings: *library counts those
 * inside the krb5 library's RFC 4121 working buffers, recognised by the
 * token header that RFC 4121 4.2.4 encrypts right after the plaintext
 * (05 04 ...).  Heimdal 7.8's crypto frees such buffers without wiping
 * them (its HMAC ipad buffer and its decrypt copy hold plaintext || header;
 * docs/robustness.md); the shim never lays data out that way. */
static int copies_in_memory(const void *needle, size_t n, int *library)
{
    FILE *maps = fopen("/proc/self/maps", "r");
    char line[512];
    int ours = 0;
    *library = 0;
    ck_assert_ptr_nonnull(maps);
    while (fgets(line, sizeof(line), maps) != NULL) {
        unsigned long lo, hi, offset, inode;
        char perms[8], dev[16], path[256] = "";
        if (sscanf(line, "%lx-%lx %7s %lx %15s %lu %255s", &lo, &hi, perms, &offset, dev, &inode,
                   path) < 6)
            continue;
        if (perms[0] != 'r' || perms[1] != 'w' || path[0] == '/' ||
            strcmp(path, "[vvar]") == 0 || strcmp(path, "[vsyscall]") == 0)
            continue;
        for (const char *p = (const char *)lo, *end = (const char *)hi; p < end;) {
            const char *hit = memmem(p, (size_t)(end - p), needle, n);
            if (hit == NULL)
                break;
            bool rfc4121 = hit + n + 2 <= end && (unsigned char)hit[n] == 0x05 &&
                           (unsigned char)hit[n + 1] == 0x04;
            if (rfc4121)
                (*library)++;
            else
                ours++;
            if (getenv("CHECK_SECRETS_DUMP") != NULL) {
                const unsigned char *d = (const unsigned char *)hit - 64;
                fprintf(stderr, "%s copy at %p in %s %s:", rfc4121 ? "library" : "other",
                        (const void *)hit, perms, path);
                for (int i = 0; i < 64 + (int)n + 16 && d + i < (const unsigned char *)end; i++)
                    fprintf(stderr, "%s%02x", i % 32 ? " " : "\n  ", d[i]);
                fprintf(stderr, "\n");
            }
            p = hit + 1;
        }
    }
    fclose(maps);
    return ours;
}

/* A long password, so that a copy left in a freed heap chunk keeps most of
 * its bytes: the allocator writes its free-list pointers over the first 16
 * bytes of a chunk, so the scan looks for the part after them. */
#define LONG_USER "carol"
#define LONG_PASSWORD "carol-0123456789-abcdefghij-KLMNOPQRST-uvwxyz"
static const char password8[] = LONG_PASSWORD;
static const char16_t password16[] = u"" LONG_PASSWORD;
#define TAIL 24 /* characters searched for: the password's last 24 */

/* Copies outside the library's working buffers, UTF-8 and UTF-16LE;
 * *library gets the count inside them. */
static int password_copies(int *utf16, int *library)
{
    size_t n = strlen(password8);
    int lib8, lib16;
    *utf16 = copies_in_memory(password16 + (n - TAIL), TAIL * sizeof(char16_t), &lib16);
    int utf8 = copies_in_memory(password8 + (n - TAIL), TAIL, &lib8);
    *library = lib8 + lib16;
    return utf8;
}

static void assert_no_copy(const char *what)
{
    int utf16, library, utf8 = password_copies(&utf16, &library);
    /* Measured, not asserted: the GSS library's own unwiped buffers. */
    fprintf(stderr, "%s: %d copies left in the krb5 library's RFC 4121 working buffers\n", what,
            library);
    ck_assert_msg(utf8 == 0 && utf16 == 0,
                  "%s: %d UTF-8 and %d UTF-16 copies of the password left in memory", what, utf8,
                  utf16);
}

/* The scan itself: a copy freed without wiping is found, a wiped one not.
 * Without this the other tests could pass by seeing nothing at all. */
START_TEST(scan_finds_an_unwiped_copy)
{
    int utf16, library;
    char *copy = strdup(password8);
    ck_assert_int_eq(password_copies(&utf16, &library), 1);
    free(copy);
    ck_assert_int_eq(password_copies(&utf16, &library), 1);   /* freed, not wiped: still there */
    copy = strdup(password8);
    explicit_bzero(copy, strlen(copy));
    free(copy);
    ck_assert_int_eq(password_copies(&utf16, &library), 0);
    static char16_t *volatile wide; /* volatile: the compiler must not drop the copy */
    wide = malloc(sizeof(password16));
    memcpy(wide, password16, sizeof(password16));
    free(wide);
    password_copies(&utf16, &library);
    ck_assert_int_eq(utf16, 1);
}
END_TEST

static void logon_handshake_and_free(const char *pkg, const char *target, ULONG isc_req)
{
    char upn[256];
    CredHandle cc, sc;
    struct handshake h;
    snprintf(upn, sizeof(upn), "%s@%s", LONG_USER, realm.realm);
    ASSERT_STATUS(handshake_client_cred(pkg, upn, password8, &cc), SEC_E_OK);
    ASSERT_STATUS(handshake_server_cred(pkg, &sc), SEC_E_OK);
    ASSERT_STATUS(handshake_run(&cc, &sc, target, isc_req, 0, NULL, 0, NULL, 0, &h), SEC_E_OK);
    handshake_end(&h);
    FreeCredentialsHandle(&cc);
    FreeCredentialsHandle(&sc);
    assert_no_copy(pkg);
}

/* A secret message sealed by one side and unsealed by the other: once the
 * caller wipes its own buffers, no plaintext copy is left. */
START_TEST(sealed_message_leaves_no_copy)
{
    CredHandle cc, sc;
    struct handshake h;
    char upn[256];
    snprintf(upn, sizeof(upn), "%s@%s", TEST_REALM_ALICE, realm.realm);
    ASSERT_STATUS(handshake_client_cred(PKG, upn, TEST_REALM_ALICE_PASSWORD, &cc), SEC_E_OK);
    ASSERT_STATUS(handshake_server_cred(PKG, &sc), SEC_E_OK);
    ASSERT_STATUS(handshake_run(&cc, &sc, TEST_REALM_HTTP_SERVICE,
                                ISC_REQ_MUTUAL_AUTH | ISC_REQ_CONFIDENTIALITY, ASC_REQ_CONFIDENTIALITY,
                                NULL, 0, NULL, 0, &h),
                  SEC_E_OK);
    SecPkgContext_Sizes sizes;
    ASSERT_STATUS(QueryContextAttributesA(&h.client, SECPKG_ATTR_SIZES, &sizes), SEC_E_OK);
    unsigned char *token = malloc(sizes.cbSecurityTrailer);
    char *data = strdup(password8);
    SecBuffer b[2] = {{sizes.cbSecurityTrailer, SECBUFFER_TOKEN, token},
                      {(ULONG)strlen(data), SECBUFFER_DATA, data}};
    SecBufferDesc msg = {SECBUFFER_VERSION, 2, b};
    ASSERT_STATUS(EncryptMessage(&h.client, 0, &msg, 0), SEC_E_OK);
    ASSERT_STATUS(DecryptMessage(&h.server, &msg, 0, NULL), SEC_E_OK);
    ck_assert_mem_eq(b[1].pvBuffer, password8, strlen(password8));
    explicit_bzero(data, strlen(password8));
    free(data);
    free(token);
    handshake_end(&h);
    FreeCredentialsHandle(&cc);
    FreeCredentialsHandle(&sc);
    assert_no_copy(PKG);
}
END_TEST

START_TEST(kerberos_password_logon_leaves_no_copy)
{
    logon_handshake_and_free(PKG, TEST_REALM_HTTP_SERVICE, ISC_REQ_MUTUAL_AUTH);
}
END_TEST

/* CredSSP sends the password itself to the server (TSCredentials): the
 * client's copies, the TLS records and the server's decoded copy must all
 * be gone after the contexts are deleted. */
START_TEST(credssp_delegated_password_leaves_no_copy)
{
    logon_handshake_and_free("CREDSSP", "TERMSRV/localhost",
                             ISC_REQ_DELEGATE | ISC_REQ_MUTUAL_AUTH);
}
END_TEST

int main(void)
{
    /* The scan reads freed memory on purpose, which is what memcheck and
     * AddressSanitizer exist to stop; the plain build runs it. */
#if defined(__SANITIZE_ADDRESS__)
    fprintf(stderr, "SKIP: the scan of freed memory cannot run under AddressSanitizer\n");
    return 77;
#endif
    if (RUNNING_ON_VALGRIND) {
        fprintf(stderr, "SKIP: the scan of freed memory cannot run under valgrind\n");
        return 77;
    }
    int env = test_mechenv_enter();   /* our CredSSP mechanism, for this process */
    if (env != 0)
        return env;
    if (test_realm_start(&realm, NULL) != 0) {
        fprintf(stderr, "cannot start the test realm: %s\n", realm.last_output);
        test_realm_destroy(&realm);
        return 99;
    }
    if (test_realm_add_user(&realm, LONG_USER, LONG_PASSWORD) != 0 ||
        test_realm_add_service(&realm, "TERMSRV/localhost", NULL) != 0) {
        fprintf(stderr, "cannot add principals: %s\n", realm.last_output);
        test_realm_destroy(&realm);
        return 99;
    }
    Suite *s = suite_create("secrets");
    TCase *tc = tcase_create("wiped");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, scan_finds_an_unwiped_copy);
    tcase_add_loop_test(tc, kerberos_password_logon_leaves_no_copy, 0, 2);
    tcase_add_test(tc, credssp_delegated_password_leaves_no_copy);
    tcase_add_loop_test(tc, sealed_message_leaves_no_copy, 0, 2);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_set_fork_status(sr, CK_FORK);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    test_realm_destroy(&realm);
    return failed == 0 ? 0 : 1;
}
