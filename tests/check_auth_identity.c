/*
 * The SSPI auth-identity helpers (shim/auth_identity*.c): opaque EX2
 * identities from strings and back, every accepted input form, copies,
 * wiping, comparison, marshaling and the strict unmarshal parser (truncated
 * and corrupted blobs at every byte), in-process encryption, the small
 * utilities, and an identity from SspiEncodeStringsAsAuthIdentity used for
 * a real Kerberos handshake against the test realm.
 */
#include "config.h"

#include <check.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uchar.h>

#include "handshake.h"
#include "realm.h"
#include "sspi.h"
#include "sspi_shim.h"
#include "suite.h"

static struct test_realm realm;
static bool have_realm;

/* ------------------------------------------------------------ helpers */

static size_t wlen(PCWSTR s)
{
    size_t n = 0;
    while (s[n] != 0)
        n++;
    return n;
}

static bool wequal(PCWSTR a, PCWSTR b)
{
    if (a == NULL || b == NULL)
        return a == b;
    size_t n = wlen(a);
    return n == wlen(b) && memcmp(a, b, n * sizeof(WCHAR)) == 0;
}

/* ASCII to a malloc'd UTF-16 string. */
static WCHAR *w(const char *s)
{
    size_t n = strlen(s);
    WCHAR *o = calloc(n + 1, sizeof(WCHAR));
    ck_assert_ptr_nonnull(o);
    for (size_t i = 0; i < n; i++)
        o[i] = (WCHAR)(unsigned char)s[i];
    return o;
}

static void assert_strings(PSEC_WINNT_AUTH_IDENTITY_OPAQUE id, PCWSTR user, PCWSTR domain,
                           PCWSTR password)
{
    PCWSTR u = NULL, d = NULL, p = NULL;
    ASSERT_STATUS(SspiEncodeAuthIdentityAsStrings(id, &u, &d, &p), SEC_E_OK);
    ck_assert_msg(wequal(u, user), "user differs");
    ck_assert_msg(wequal(d, domain), "domain differs");
    ck_assert_msg(wequal(p, password), "password differs");
    SspiFreeAuthIdentity((void *)u);
    SspiFreeAuthIdentity((void *)d);
    SspiLocalFree((void *)p);
}

static PSEC_WINNT_AUTH_IDENTITY_OPAQUE encode(PCWSTR user, PCWSTR domain, PCWSTR password)
{
    PSEC_WINNT_AUTH_IDENTITY_OPAQUE id = NULL;
    ASSERT_STATUS(SspiEncodeStringsAsAuthIdentity(user, domain, password, &id), SEC_E_OK);
    ck_assert_ptr_nonnull(id);
    return id;
}

static const SEC_WINNT_AUTH_IDENTITY_EX2 *ex2(const void *id)
{
    return id;
}

/* The UTF-16 package list of an EX2 block, NUL-terminated copy. */
static WCHAR *package_list(const void *id)
{
    const SEC_WINNT_AUTH_IDENTITY_EX2 *h = id;
    size_t n = h->PackageListLength / 2;
    WCHAR *o = calloc(n + 1, sizeof(WCHAR));
    ck_assert_ptr_nonnull(o);
    memcpy(o, (const char *)id + h->PackageListOffset, n * sizeof(WCHAR));
    return o;
}

/* The password bytes inside an EX2 block (packed credentials' CredData). */
static const unsigned char *password_bytes(const void *id, size_t *len)
{
    const SEC_WINNT_AUTH_IDENTITY_EX2 *h = id;
    ck_assert_uint_ge(h->PackedCredentialsLength, sizeof(SEC_WINNT_AUTH_PACKED_CREDENTIALS));
    const SEC_WINNT_AUTH_PACKED_CREDENTIALS *pc =
        (const void *)((const char *)id + h->PackedCredentialsOffset);
    *len = pc->AuthData.CredData.ByteArrayLength;
    return (const unsigned char *)pc + pc->AuthData.CredData.ByteArrayOffset;
}

/* ------------------------------------------------------------ encode / decode */

START_TEST(strings_round_trip_through_an_ex2_block)
{
    PSEC_WINNT_AUTH_IDENTITY_OPAQUE id = encode(u"alice", u"EXAMPLE.COM", u"s3cret\u00e9");
    const SEC_WINNT_AUTH_IDENTITY_EX2 *h = ex2(id);
    ck_assert_uint_eq(h->Version, SEC_WINNT_AUTH_IDENTITY_VERSION_2);
    ck_assert_uint_eq(h->cbHeaderLength, sizeof(SEC_WINNT_AUTH_IDENTITY_EX2));
    ck_assert_uint_eq(h->UserLength, 10);               /* bytes, no NUL */
    ck_assert_uint_eq(h->DomainLength, 22);
    ck_assert_int_eq(memcmp((const char *)id + h->UserOffset, u"alice", 10), 0);
    ck_assert_int_eq(memcmp((const char *)id + h->DomainOffset, u"EXAMPLE.COM", 22), 0);
    ck_assert(h->Flags & SEC_WINNT_AUTH_IDENTITY_UNICODE);
    size_t pw_len;
    const unsigned char *pw = password_bytes(id, &pw_len);
    ck_assert_uint_eq(pw_len, 14);
    ck_assert_int_eq(memcmp(pw, u"s3cret\u00e9", 14), 0);
    /* One self-relative block: every offset inside the structure length. */
    ck_assert_uint_le((size_t)h->PackedCredentialsOffset + h->PackedCredentialsLength,
                      h->cbStructureLength);
    ASSERT_STATUS(SspiValidateAuthIdentity(id), SEC_E_OK);
    ck_assert_int_eq(SspiIsAuthIdentityEncrypted(id), 0);
    assert_strings(id, u"alice", u"EXAMPLE.COM", u"s3cret\u00e9");
    SspiFreeAuthIdentity(id);
}
END_TEST

START_TEST(absent_and_empty_fields)
{
    PSEC_WINNT_AUTH_IDENTITY_OPAQUE id = encode(NULL, NULL, NULL);
    assert_strings(id, NULL, NULL, NULL);
    ck_assert_uint_eq(ex2(id)->PackedCredentialsLength, 0);
    SspiFreeAuthIdentity(id);

    /* An empty password is a password (packed credentials present). */
    id = encode(u"bob", u"", u"");
    assert_strings(id, u"bob", NULL, u"");
    ck_assert_uint_eq(ex2(id)->PackedCredentialsLength, sizeof(SEC_WINNT_AUTH_PACKED_CREDENTIALS));
    SspiFreeAuthIdentity(id);

    /* The packed-credentials string output is optional. */
    id = encode(u"bob", NULL, u"pw");
    PCWSTR u = NULL, d = (PCWSTR)1;
    ASSERT_STATUS(SspiEncodeAuthIdentityAsStrings(id, &u, &d, NULL), SEC_E_OK);
    ck_assert(wequal(u, u"bob"));
    ck_assert_ptr_null(d);
    SspiFreeAuthIdentity((void *)u);
    SspiFreeAuthIdentity(id);
}
END_TEST

START_TEST(every_input_form_decodes_to_the_same_strings)
{
    WCHAR *user = w("carol"), *domain = w("CORP"), *password = w("pa55"), *pkgs = w("kerberos");
    SEC_WINNT_AUTH_IDENTITY_W idw = {(unsigned short *)user, 5, (unsigned short *)domain, 4,
                                     (unsigned short *)password, 4, SEC_WINNT_AUTH_IDENTITY_UNICODE};
    SEC_WINNT_AUTH_IDENTITY_A ida = {(unsigned char *)"carol", 5, (unsigned char *)"CORP", 4,
                                     (unsigned char *)"pa55", 4, SEC_WINNT_AUTH_IDENTITY_ANSI};
    SEC_WINNT_AUTH_IDENTITY_EXW exw = {SEC_WINNT_AUTH_IDENTITY_VERSION, sizeof(exw),
                                       (unsigned short *)user, 5, (unsigned short *)domain, 4,
                                       (unsigned short *)password, 4,
                                       SEC_WINNT_AUTH_IDENTITY_UNICODE, (unsigned short *)pkgs, 8};
    SEC_WINNT_AUTH_IDENTITY_EXA exa = {SEC_WINNT_AUTH_IDENTITY_VERSION, sizeof(exa),
                                       (unsigned char *)"carol", 5, (unsigned char *)"CORP", 4,
                                       (unsigned char *)"pa55", 4, SEC_WINNT_AUTH_IDENTITY_ANSI,
                                       (unsigned char *)"kerberos", 8};
    PSEC_WINNT_AUTH_IDENTITY_OPAQUE ours = encode(u"carol", u"CORP", u"pa55");
    void *forms[] = {&idw, &ida, &exw, &exa, ours};
    for (size_t i = 0; i < 5; i++) {
        ASSERT_STATUS(SspiValidateAuthIdentity(forms[i]), SEC_E_OK);
        assert_strings(forms[i], u"carol", u"CORP", u"pa55");
        /* Copies are EX2 blocks holding the same identity. */
        PSEC_WINNT_AUTH_IDENTITY_OPAQUE copy = NULL;
        ASSERT_STATUS(SspiCopyAuthIdentity(forms[i], &copy), SEC_E_OK);
        ck_assert_uint_eq(ex2(copy)->Version, SEC_WINNT_AUTH_IDENTITY_VERSION_2);
        assert_strings(copy, u"carol", u"CORP", u"pa55");
        BOOLEAN same_user = 0, same_id = 0;
        ASSERT_STATUS(SspiCompareAuthIdentities(forms[i], ours, &same_user, &same_id), SEC_E_OK);
        ck_assert(same_user && same_id);
        SspiFreeAuthIdentity(copy);
    }
    /* The EX forms' package list survives into the EX2 copy. */
    PSEC_WINNT_AUTH_IDENTITY_OPAQUE copy = NULL;
    ASSERT_STATUS(SspiCopyAuthIdentity(&exa, &copy), SEC_E_OK);
    WCHAR *list = package_list(copy);
    ck_assert(wequal(list, u"kerberos"));
    free(list);
    SspiFreeAuthIdentity(copy);
    /* A caller's own EX2 block (not allocated by us) is read too. */
    ULONG len = 0;
    char *bytes = NULL;
    ASSERT_STATUS(SspiMarshalAuthIdentity(ours, &len, &bytes), SEC_E_OK);
    void *foreign = malloc(len);
    memcpy(foreign, bytes, len);
    assert_strings(foreign, u"carol", u"CORP", u"pa55");
    free(foreign);
    SspiFreeAuthIdentity(bytes);
    SspiFreeAuthIdentity(ours);
    free(user);
    free(domain);
    free(password);
    free(pkgs);
}
END_TEST

START_TEST(malformed_in_memory_forms_are_invalid_parameter)
{
    WCHAR *user = w("carol");
    SEC_WINNT_AUTH_IDENTITY_W idw = {(unsigned short *)user, 5, NULL, 0, NULL, 0,
                                     SEC_WINNT_AUTH_IDENTITY_UNICODE};
    /* Neither and both character sets. */
    idw.Flags = 0;
    ASSERT_STATUS(SspiValidateAuthIdentity(&idw), SEC_E_INVALID_PARAMETER);
    idw.Flags = SEC_WINNT_AUTH_IDENTITY_UNICODE | SEC_WINNT_AUTH_IDENTITY_ANSI;
    ASSERT_STATUS(SspiValidateAuthIdentity(&idw), SEC_E_INVALID_PARAMETER);
    /* A length with no string, a password length with no password. */
    idw.Flags = SEC_WINNT_AUTH_IDENTITY_UNICODE;
    idw.DomainLength = 3;
    ASSERT_STATUS(SspiValidateAuthIdentity(&idw), SEC_E_INVALID_PARAMETER);
    idw.DomainLength = 0;
    idw.PasswordLength = 2;
    ASSERT_STATUS(SspiValidateAuthIdentity(&idw), SEC_E_INVALID_PARAMETER);
    idw.PasswordLength = 0;
    /* An unpaired surrogate, an embedded NUL. */
    user[1] = 0xD800;
    ASSERT_STATUS(SspiValidateAuthIdentity(&idw), SEC_E_INVALID_PARAMETER);
    user[1] = 0;
    ASSERT_STATUS(SspiValidateAuthIdentity(&idw), SEC_E_INVALID_PARAMETER);
    user[1] = 'a';
    ASSERT_STATUS(SspiValidateAuthIdentity(&idw), SEC_E_OK);
    /* A plaintext form that claims to be encrypted. */
    idw.Flags |= SEC_WINNT_AUTH_IDENTITY_FLAGS_PROCESS_ENCRYPTED;
    ASSERT_STATUS(SspiValidateAuthIdentity(&idw), SEC_E_INVALID_PARAMETER);
    /* EX with a short Length. */
    SEC_WINNT_AUTH_IDENTITY_EXW exw = {SEC_WINNT_AUTH_IDENTITY_VERSION, 8, (unsigned short *)user,
                                       5, NULL, 0, NULL, 0, SEC_WINNT_AUTH_IDENTITY_UNICODE, NULL, 0};
    ASSERT_STATUS(SspiValidateAuthIdentity(&exw), SEC_E_INVALID_PARAMETER);
    /* Invalid UTF-8 in the ANSI (UTF-8) form. */
    SEC_WINNT_AUTH_IDENTITY_A ida = {(unsigned char *)"\xff\xfe", 2, NULL, 0, NULL, 0,
                                     SEC_WINNT_AUTH_IDENTITY_ANSI};
    ASSERT_STATUS(SspiValidateAuthIdentity(&ida), SEC_E_INVALID_PARAMETER);
    /* Strings SspiEncodeStringsAsAuthIdentity cannot pack. */
    PSEC_WINNT_AUTH_IDENTITY_OPAQUE id = (void *)1;
    const WCHAR bad[] = {'a', 0xDC00, 0};
    ASSERT_STATUS(SspiEncodeStringsAsAuthIdentity(bad, NULL, NULL, &id), SEC_E_INVALID_PARAMETER);
    ck_assert_ptr_null(id);
    WCHAR *huge = calloc(40000, sizeof(WCHAR));
    for (size_t i = 0; i < 39999; i++)
        huge[i] = 'x';
    ASSERT_STATUS(SspiEncodeStringsAsAuthIdentity(u"u", NULL, huge, &id), SEC_E_INVALID_PARAMETER);
    free(huge);
    free(user);
}
END_TEST

START_TEST(null_arguments)
{
    PSEC_WINNT_AUTH_IDENTITY_OPAQUE id = encode(u"a", u"b", u"c"), out = NULL;
    PCWSTR u, d, p;
    ULONG len;
    char *bytes;
    BOOLEAN x, y;
    PWSTR host;
    ASSERT_STATUS(SspiEncodeStringsAsAuthIdentity(u"a", NULL, NULL, NULL), SEC_E_INVALID_PARAMETER);
    ASSERT_STATUS(SspiEncodeAuthIdentityAsStrings(NULL, &u, &d, &p), SEC_E_INVALID_PARAMETER);
    ASSERT_STATUS(SspiEncodeAuthIdentityAsStrings(id, NULL, &d, &p), SEC_E_INVALID_PARAMETER);
    ASSERT_STATUS(SspiEncodeAuthIdentityAsStrings(id, &u, NULL, &p), SEC_E_INVALID_PARAMETER);
    ASSERT_STATUS(SspiValidateAuthIdentity(NULL), SEC_E_INVALID_PARAMETER);
    ASSERT_STATUS(SspiCopyAuthIdentity(NULL, &out), SEC_E_INVALID_PARAMETER);
    ASSERT_STATUS(SspiCopyAuthIdentity(id, NULL), SEC_E_INVALID_PARAMETER);
    ASSERT_STATUS(SspiCompareAuthIdentities(NULL, id, &x, &y), SEC_E_INVALID_PARAMETER);
    ASSERT_STATUS(SspiCompareAuthIdentities(id, NULL, &x, &y), SEC_E_INVALID_PARAMETER);
    ASSERT_STATUS(SspiCompareAuthIdentities(id, id, NULL, NULL), SEC_E_OK);
    ASSERT_STATUS(SspiMarshalAuthIdentity(NULL, &len, &bytes), SEC_E_INVALID_PARAMETER);
    ASSERT_STATUS(SspiMarshalAuthIdentity(id, NULL, &bytes), SEC_E_INVALID_PARAMETER);
    ASSERT_STATUS(SspiMarshalAuthIdentity(id, &len, NULL), SEC_E_INVALID_PARAMETER);
    ASSERT_STATUS(SspiUnmarshalAuthIdentity(10, NULL, &out), SEC_E_INVALID_PARAMETER);
    ASSERT_STATUS(SspiUnmarshalAuthIdentity(10, (char *)"0123456789", NULL), SEC_E_INVALID_PARAMETER);
    ASSERT_STATUS(SspiGetTargetHostName(NULL, &host), SEC_E_INVALID_PARAMETER);
    ASSERT_STATUS(SspiGetTargetHostName(u"HTTP/h", NULL), SEC_E_INVALID_PARAMETER);
    ASSERT_STATUS(SspiExcludePackage(NULL, u"NTLM", &out), SEC_E_INVALID_PARAMETER);
    ASSERT_STATUS(SspiExcludePackage(id, NULL, &out), SEC_E_INVALID_PARAMETER);
    ASSERT_STATUS(SspiExcludePackage(id, u"NTLM", NULL), SEC_E_INVALID_PARAMETER);
    ASSERT_STATUS(SspiEncryptAuthIdentity(NULL), SEC_E_INVALID_PARAMETER);
    ASSERT_STATUS(SspiDecryptAuthIdentity(NULL), SEC_E_INVALID_PARAMETER);
    ck_assert_int_eq(SspiIsAuthIdentityEncrypted(NULL), 0);
    /* The void functions take NULL quietly. */
    SspiFreeAuthIdentity(NULL);
    SspiZeroAuthIdentity(NULL);
    SspiLocalFree(NULL);
    SspiFreeAuthIdentity(id);
}
END_TEST

/* ------------------------------------------------------------ copy, zero, free */

START_TEST(copy_is_deep)
{
    PSEC_WINNT_AUTH_IDENTITY_OPAQUE id = encode(u"dave", u"D", u"pw-dave"), copy = NULL;
    ASSERT_STATUS(SspiCopyAuthIdentity(id, &copy), SEC_E_OK);
    ck_assert_ptr_ne(copy, id);
    size_t size = ex2(id)->cbStructureLength;
    ck_assert_uint_eq(ex2(copy)->cbStructureLength, size);
    ck_assert_int_eq(memcmp(copy, id, size), 0);
    /* The original wiped and gone: the copy is untouched. */
    SspiZeroAuthIdentity(id);
    SspiFreeAuthIdentity(id);
    assert_strings(copy, u"dave", u"D", u"pw-dave");
    SspiFreeAuthIdentity(copy);
}
END_TEST

START_TEST(zero_wipes_our_block_entirely)
{
    PSEC_WINNT_AUTH_IDENTITY_OPAQUE id = encode(u"erin", u"E", u"very-secret");
    size_t size = ex2(id)->cbStructureLength;
    size_t pw_len;
    const unsigned char *pw = password_bytes(id, &pw_len);
    ck_assert_uint_eq(pw_len, 22);
    ck_assert_int_eq(memcmp(pw, u"very-secret", 22), 0);
    SspiZeroAuthIdentity(id);
    const unsigned char *p = id;
    for (size_t i = 0; i < size; i++)
        ck_assert_msg(p[i] == 0, "byte %zu not wiped", i);
    /* Zeroed, it is no identity any more. */
    ASSERT_STATUS(SspiValidateAuthIdentity(id), SEC_E_INVALID_PARAMETER);
    SspiFreeAuthIdentity(id);
}
END_TEST

START_TEST(zero_wipes_a_callers_structures)
{
    WCHAR *user = w("frank"), *password = w("hunter2");
    SEC_WINNT_AUTH_IDENTITY_W idw = {(unsigned short *)user, 5, NULL, 0,
                                     (unsigned short *)password, 7, SEC_WINNT_AUTH_IDENTITY_UNICODE};
    SspiZeroAuthIdentity(&idw);
    for (size_t i = 0; i < 7; i++)
        ck_assert_uint_eq(password[i], 0);
    ck_assert_ptr_null(idw.Password);
    ck_assert_uint_eq(idw.PasswordLength, 0);
    free(user);
    free(password);

    char pa[] = "hunter2", ua[] = "frank", pk[] = "ntlm";
    SEC_WINNT_AUTH_IDENTITY_EXA exa = {SEC_WINNT_AUTH_IDENTITY_VERSION, sizeof(exa),
                                       (unsigned char *)ua, 5, NULL, 0, (unsigned char *)pa, 7,
                                       SEC_WINNT_AUTH_IDENTITY_ANSI, (unsigned char *)pk, 4};
    SspiZeroAuthIdentity(&exa);
    for (size_t i = 0; i < 7; i++)
        ck_assert_int_eq(pa[i], 0);
    ck_assert_int_eq(ua[0], 0);
}
END_TEST

START_TEST(foreign_pointers_are_not_freed)
{
    /* Not ours: SspiFreeAuthIdentity / SspiLocalFree leave it (valgrind /
     * ASan would catch a free of a stack or foreign pointer). */
    WCHAR buf[4] = {'a', 'b', 'c', 0};
    SspiLocalFree(buf);
    SspiFreeAuthIdentity(buf);
    ck_assert_uint_eq(buf[0], 'a');
}
END_TEST

/* ------------------------------------------------------------ comparison */

START_TEST(compare_reports_account_and_credential)
{
    PSEC_WINNT_AUTH_IDENTITY_OPAQUE a = encode(u"Alice", u"Example", u"pw1");
    PSEC_WINNT_AUTH_IDENTITY_OPAQUE a_case = encode(u"aLICE", u"EXAMPLE", u"pw1");
    PSEC_WINNT_AUTH_IDENTITY_OPAQUE a_other_pw = encode(u"alice", u"example", u"pw2");
    PSEC_WINNT_AUTH_IDENTITY_OPAQUE a_pw_case = encode(u"alice", u"example", u"PW1");
    PSEC_WINNT_AUTH_IDENTITY_OPAQUE a_no_pw = encode(u"alice", u"example", NULL);
    PSEC_WINNT_AUTH_IDENTITY_OPAQUE b = encode(u"bob", u"Example", u"pw1");
    PSEC_WINNT_AUTH_IDENTITY_OPAQUE a_other_dom = encode(u"alice", u"OTHER", u"pw1");
    struct {
        void *x;
        bool user, identity;
    } cases[] = {
        {a_case, true, true},            /* names compare case-insensitively */
        {a_other_pw, true, false},
        {a_pw_case, true, false},        /* passwords do not */
        {a_no_pw, true, false},
        {b, false, false},
        {a_other_dom, false, false},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        BOOLEAN su = 2, si = 2;
        ASSERT_STATUS(SspiCompareAuthIdentities(a, cases[i].x, &su, &si), SEC_E_OK);
        ck_assert_msg(su == cases[i].user && si == cases[i].identity,
                      "case %zu: user %d identity %d", i, su, si);
    }
    /* Non-ASCII names fold too (Latin-1, Cyrillic). */
    PSEC_WINNT_AUTH_IDENTITY_OPAQUE c1 = encode(u"\u00e9ric", u"\u0434\u043e\u043c", NULL);
    PSEC_WINNT_AUTH_IDENTITY_OPAQUE c2 = encode(u"\u00c9RIC", u"\u0414\u041e\u041c", NULL);
    BOOLEAN su = 0, si = 0;
    ASSERT_STATUS(SspiCompareAuthIdentities(c1, c2, &su, &si), SEC_E_OK);
    ck_assert(su && si);
    void *all[] = {a, a_case, a_other_pw, a_pw_case, a_no_pw, b, a_other_dom, c1, c2};
    for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
        SspiFreeAuthIdentity(all[i]);
}
END_TEST

/* ------------------------------------------------------------ marshaling */

START_TEST(marshal_gives_the_little_endian_ex2_bytes)
{
    PSEC_WINNT_AUTH_IDENTITY_OPAQUE id = encode(u"gina", u"G", u"pw");
    ULONG len = 0;
    char *bytes = NULL;
    ASSERT_STATUS(SspiMarshalAuthIdentity(id, &len, &bytes), SEC_E_OK);
    /* header 48, "gina" 8, "G" 2, pad to 60, packed 28 + "pw" 4 */
    ck_assert_uint_eq(len, 92);
    const unsigned char *b = (const unsigned char *)bytes;
    ck_assert_uint_eq(b[0] | b[1] << 8, 0x201);
    ck_assert_uint_eq(b[4], 48);
    ck_assert_uint_eq(b[8], 92);
    ck_assert_uint_eq(b[12], 48);                   /* UserOffset */
    ck_assert_uint_eq(b[16], 8);                    /* UserLength */
    ck_assert_uint_eq(b[20], 56);                   /* DomainOffset */
    ck_assert_uint_eq(b[28], 60);                   /* PackedCredentialsOffset */
    ck_assert_uint_eq(b[32], 32);
    ck_assert_int_eq(memcmp(b + 48, "g\0i\0n\0a\0", 8), 0);
    /* SEC_WINNT_AUTH_DATA_TYPE_PASSWORD, then CredData at +28. */
    ck_assert_int_eq(memcmp(b + 64, "\x2f\xc3\xbf\x28\xf6\x10\x38\x47\x98\xd1\x1a\xc0\x61\xdf\x71\x6a",
                            16), 0);
    ck_assert_uint_eq(b[80], 28);
    ck_assert_uint_eq(b[84], 4);
    ck_assert_int_eq(memcmp(b + 88, "p\0w\0", 4), 0);

    PSEC_WINNT_AUTH_IDENTITY_OPAQUE back = NULL;
    ASSERT_STATUS(SspiUnmarshalAuthIdentity(len, bytes, &back), SEC_E_OK);
    assert_strings(back, u"gina", u"G", u"pw");
    BOOLEAN su = 0, si = 0;
    ASSERT_STATUS(SspiCompareAuthIdentities(id, back, &su, &si), SEC_E_OK);
    ck_assert(su && si);
    SspiFreeAuthIdentity(back);
    SspiFreeAuthIdentity(bytes);
    SspiFreeAuthIdentity(id);
}
END_TEST

static char *marshaled(ULONG *len)
{
    PSEC_WINNT_AUTH_IDENTITY_OPAQUE id = encode(u"henry", u"EXAMPLE", u"pw-\u20ac");
    PSEC_WINNT_AUTH_IDENTITY_OPAQUE with_list = NULL;
    ASSERT_STATUS(SspiExcludePackage(id, u"NTLM", &with_list), SEC_E_OK);
    char *bytes = NULL;
    ASSERT_STATUS(SspiMarshalAuthIdentity(with_list, len, &bytes), SEC_E_OK);
    SspiFreeAuthIdentity(with_list);
    SspiFreeAuthIdentity(id);
    return bytes;
}

START_TEST(truncated_blobs_are_invalid_token)
{
    ULONG len;
    char *bytes = marshaled(&len);
    for (ULONG n = 0; n < len; n++) {
        /* In an allocation of exactly n bytes, so valgrind sees overreads. */
        char *cut = malloc(n ? n : 1);
        memcpy(cut, bytes, n);
        PSEC_WINNT_AUTH_IDENTITY_OPAQUE out = (void *)1;
        ASSERT_STATUS(SspiUnmarshalAuthIdentity(n, cut, &out), SEC_E_INVALID_TOKEN);
        ck_assert_ptr_null(out);
        free(cut);
    }
    /* And one byte too many. */
    char *longer = malloc(len + 1);
    memcpy(longer, bytes, len);
    longer[len] = 0;
    PSEC_WINNT_AUTH_IDENTITY_OPAQUE out = NULL;
    ASSERT_STATUS(SspiUnmarshalAuthIdentity(len + 1, longer, &out), SEC_E_INVALID_TOKEN);
    free(longer);
    SspiFreeAuthIdentity(bytes);
}
END_TEST

START_TEST(corrupted_blobs_parse_strictly_at_every_byte)
{
    ULONG len;
    char *bytes = marshaled(&len);
    static const unsigned char deltas[] = {0x01, 0x80, 0xFF};
    unsigned rejected = 0, accepted = 0;
    for (ULONG i = 0; i < len; i++) {
        for (size_t d = 0; d < sizeof(deltas); d++) {
            char *bad = malloc(len);
            memcpy(bad, bytes, len);
            bad[i] = (char)(bad[i] ^ deltas[d]);
            PSEC_WINNT_AUTH_IDENTITY_OPAQUE out = NULL;
            SECURITY_STATUS st = SspiUnmarshalAuthIdentity(len, bad, &out);
            if (st == SEC_E_OK) {
                /* Only string contents and padding may change and still
                 * parse; what parses is a valid identity that marshals
                 * back to a blob that parses. */
                accepted++;
                ASSERT_STATUS(SspiValidateAuthIdentity(out), SEC_E_OK);
                ULONG len2;
                char *again = NULL;
                ASSERT_STATUS(SspiMarshalAuthIdentity(out, &len2, &again), SEC_E_OK);
                ck_assert_uint_eq(len2, len);
                SspiFreeAuthIdentity(again);
                SspiFreeAuthIdentity(out);
            } else {
                ck_assert_msg(st == SEC_E_INVALID_TOKEN, "byte %u: status 0x%08x", i, (unsigned)st);
                ck_assert_ptr_null(out);
                rejected++;
            }
            free(bad);
        }
    }
    /* Every header byte that matters is checked: Version, lengths, offsets. */
    ck_assert_uint_gt(rejected, 0);
    ck_assert_uint_gt(accepted, 0);
    SspiFreeAuthIdentity(bytes);
}
END_TEST

/* A little-endian EX2 blob from explicit fields, for the crafted cases. */
struct blob {
    unsigned char b[256];
    ULONG len;
};

static void put16(unsigned char *p, unsigned v)
{
    p[0] = (unsigned char)v;
    p[1] = (unsigned char)(v >> 8);
}

static void put32(unsigned char *p, unsigned long v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

/* header + user "ab" @48 + packed credentials @52 (password "pw"). */
static struct blob good_blob(void)
{
    struct blob x;
    memset(&x, 0, sizeof(x));
    x.len = 48 + 4 + 28 + 4;
    put32(x.b, 0x201);
    put16(x.b + 4, 48);
    put32(x.b + 8, x.len);
    put32(x.b + 12, 48);
    put16(x.b + 16, 4);
    put32(x.b + 28, 52);
    put16(x.b + 32, 32);
    put32(x.b + 36, SEC_WINNT_AUTH_IDENTITY_UNICODE);
    memcpy(x.b + 48, "a\0b\0", 4);
    unsigned char *pc = x.b + 52;
    put16(pc, 28);
    put16(pc + 2, 32);
    memcpy(pc + 4, "\x2f\xc3\xbf\x28\xf6\x10\x38\x47\x98\xd1\x1a\xc0\x61\xdf\x71\x6a", 16);
    put32(pc + 20, 28);
    put16(pc + 24, 4);
    memcpy(pc + 28, "p\0w\0", 4);
    return x;
}

static SECURITY_STATUS unmarshal(struct blob *x)
{
    PSEC_WINNT_AUTH_IDENTITY_OPAQUE out = NULL;
    SECURITY_STATUS st = SspiUnmarshalAuthIdentity(x->len, (char *)x->b, &out);
    if (st == SEC_E_OK)
        SspiFreeAuthIdentity(out);
    else
        ck_assert_ptr_null(out);
    return st;
}

START_TEST(crafted_blobs_are_refused)
{
    struct blob x = good_blob();
    ASSERT_STATUS(unmarshal(&x), SEC_E_OK);

#define REFUSED(edit)                                      \
    do {                                                   \
        x = good_blob();                                   \
        edit;                                              \
        ASSERT_STATUS(unmarshal(&x), SEC_E_INVALID_TOKEN); \
    } while (0)

    REFUSED(put32(x.b, 0x200));                         /* EX version, not EX2 */
    REFUSED(put16(x.b + 4, 47));                        /* header too short */
    REFUSED(put16(x.b + 4, 200));                       /* header past the end */
    REFUSED(put32(x.b + 8, x.len - 1));                 /* structure length mismatch */
    REFUSED(put16(x.b + 16, 3));                        /* odd UTF-16 length */
    REFUSED(put32(x.b + 12, 40));                       /* user inside the header */
    REFUSED(put32(x.b + 12, 0xFFFFFFFE));               /* offset + length wraps */
    REFUSED(put32(x.b + 12, x.len - 2));                /* runs past the end */
    REFUSED((put32(x.b + 20, 50), put16(x.b + 24, 2))); /* domain overlaps user */
    REFUSED(put32(x.b + 28, 50));                       /* packed overlaps user */
    REFUSED((put32(x.b + 40, 54), put16(x.b + 44, 2))); /* package list inside packed */
    REFUSED(put32(x.b + 20, 0x7FFFFFFF));               /* empty field, wild offset */
    REFUSED(put32(x.b + 36, SEC_WINNT_AUTH_IDENTITY_ANSI));
    REFUSED(put32(x.b + 36, SEC_WINNT_AUTH_IDENTITY_UNICODE |
                                SEC_WINNT_AUTH_IDENTITY_FLAGS_PROCESS_ENCRYPTED));
    REFUSED(put32(x.b + 36, SEC_WINNT_AUTH_IDENTITY_UNICODE |
                                SEC_WINNT_AUTH_IDENTITY_FLAGS_SYSTEM_PROTECTED));
    REFUSED(put32(x.b + 36, 0x100));                    /* unknown flag */
    REFUSED(put16(x.b + 48, 0xD800));                   /* unpaired high surrogate */
    REFUSED(put16(x.b + 50, 0xDC00));                   /* lone low surrogate */
    REFUSED(put16(x.b + 50, 0));                        /* embedded NUL */
    REFUSED(put16(x.b + 32, 20));                       /* packed shorter than its header */
    REFUSED(put16(x.b + 52, 27));                       /* packed header too short */
    REFUSED(put16(x.b + 54, 31));                       /* packed length mismatch */
    REFUSED(put32(x.b + 52 + 20, 20));                  /* CredData inside packed header */
    REFUSED(put16(x.b + 52 + 24, 6));                   /* CredData past packed end */
    REFUSED(put16(x.b + 52 + 24, 3));                   /* odd password length */
    REFUSED(put32(x.b + 52 + 20, 0xFFFFFFFF));          /* CredData offset wraps */
    REFUSED(put16(x.b + 80, 0xDBFF));                   /* password: unpaired surrogate */
#undef REFUSED

    /* A valid surrogate pair is accepted; another credential type is kept
     * as opaque bytes (any length). */
    x = good_blob();
    put16(x.b + 48, 0xD83D);
    put16(x.b + 50, 0xDE00);
    ASSERT_STATUS(unmarshal(&x), SEC_E_OK);
    x = good_blob();
    x.b[52 + 4] ^= 1;
    put16(x.b + 52 + 24, 3);
    ASSERT_STATUS(unmarshal(&x), SEC_E_OK);
}
END_TEST

/* ------------------------------------------------------------ encryption */

START_TEST(encryption_hides_the_password_in_place)
{
    PSEC_WINNT_AUTH_IDENTITY_OPAQUE id = encode(u"ivan", u"I", u"open-sesame");
    size_t size = ex2(id)->cbStructureLength;
    size_t pw_len;
    const unsigned char *pw = password_bytes(id, &pw_len);
    ASSERT_STATUS(SspiEncryptAuthIdentity(id), SEC_E_OK);
    ck_assert_int_eq(SspiIsAuthIdentityEncrypted(id), 1);
    ck_assert(ex2(id)->Flags & SEC_WINNT_AUTH_IDENTITY_FLAGS_PROCESS_ENCRYPTED);
    ck_assert_uint_eq(ex2(id)->cbStructureLength, size);       /* same layout */
    ck_assert_int_ne(memcmp(pw, u"open-sesame", pw_len), 0);
    ck_assert_ptr_null(memmem(id, size, u"open-sesame", 4));   /* not even a prefix */
    ASSERT_STATUS(SspiValidateAuthIdentity(id), SEC_E_OK);

    /* Documented refusals while encrypted. */
    PCWSTR u, d, p;
    ASSERT_STATUS(SspiEncodeAuthIdentityAsStrings(id, &u, &d, &p), SEC_E_INVALID_PARAMETER);
    ULONG len;
    char *bytes;
    ASSERT_STATUS(SspiMarshalAuthIdentity(id, &len, &bytes), SEC_E_INVALID_PARAMETER);
    /* Encrypting twice changes nothing; two encryptions use fresh nonces. */
    unsigned char first[64];
    memcpy(first, pw, pw_len);
    ASSERT_STATUS(SspiEncryptAuthIdentity(id), SEC_E_OK);
    ck_assert_int_eq(memcmp(first, pw, pw_len), 0);
    PSEC_WINNT_AUTH_IDENTITY_OPAQUE other = encode(u"ivan", u"I", u"open-sesame");
    ASSERT_STATUS(SspiEncryptAuthIdentityEx(SEC_WINNT_AUTH_IDENTITY_ENCRYPT_SAME_PROCESS, other),
                  SEC_E_OK);
    size_t other_len;
    ck_assert_int_ne(memcmp(password_bytes(other, &other_len), pw, pw_len), 0);

    /* Comparison and copies see through it. */
    PSEC_WINNT_AUTH_IDENTITY_OPAQUE plain = encode(u"IVAN", u"i", u"open-sesame"), copy = NULL;
    BOOLEAN su = 0, si = 0;
    ASSERT_STATUS(SspiCompareAuthIdentities(id, plain, &su, &si), SEC_E_OK);
    ck_assert(su && si);
    ASSERT_STATUS(SspiCopyAuthIdentity(id, &copy), SEC_E_OK);
    ck_assert_int_eq(SspiIsAuthIdentityEncrypted(copy), 1);
    ASSERT_STATUS(SspiDecryptAuthIdentity(copy), SEC_E_OK);
    assert_strings(copy, u"ivan", u"I", u"open-sesame");

    ASSERT_STATUS(SspiDecryptAuthIdentityEx(SEC_WINNT_AUTH_IDENTITY_ENCRYPT_SAME_PROCESS, id), SEC_E_OK);
    ck_assert_int_eq(SspiIsAuthIdentityEncrypted(id), 0);
    ck_assert_int_eq(memcmp(pw, u"open-sesame", pw_len), 0);
    assert_strings(id, u"ivan", u"I", u"open-sesame");
    ASSERT_STATUS(SspiDecryptAuthIdentity(id), SEC_E_OK);      /* already plain */

    /* Unsupported protections and foreign structures. */
    ASSERT_STATUS(SspiEncryptAuthIdentityEx(SEC_WINNT_AUTH_IDENTITY_ENCRYPT_SAME_LOGON, id),
                  SEC_E_UNSUPPORTED_FUNCTION);
    ASSERT_STATUS(SspiEncryptAuthIdentityEx(SEC_WINNT_AUTH_IDENTITY_ENCRYPT_FOR_SYSTEM, id),
                  SEC_E_UNSUPPORTED_FUNCTION);
    ASSERT_STATUS(SspiEncryptAuthIdentityEx(0x100, id), SEC_E_INVALID_PARAMETER);
    WCHAR *user = w("x");
    SEC_WINNT_AUTH_IDENTITY_W idw = {(unsigned short *)user, 1, NULL, 0, NULL, 0,
                                     SEC_WINNT_AUTH_IDENTITY_UNICODE};
    ASSERT_STATUS(SspiEncryptAuthIdentity(&idw), SEC_E_INVALID_PARAMETER);
    ck_assert_int_eq(SspiIsAuthIdentityEncrypted(&idw), 0);
    free(user);
    void *all[] = {id, other, plain, copy};
    for (size_t i = 0; i < 4; i++)
        SspiFreeAuthIdentity(all[i]);
}
END_TEST

/* ------------------------------------------------------------ utilities */

START_TEST(prompting_is_needed_for_refused_credentials_only)
{
    static const ULONG yes[] = {
        (ULONG)SEC_E_LOGON_DENIED, (ULONG)SEC_E_NO_CREDENTIALS,
        1326, 0x8007052E,           /* ERROR_LOGON_FAILURE, its HRESULT */
        0xC000006D, 0xD000006D,     /* STATUS_LOGON_FAILURE, HRESULT_FROM_NT */
        0xC000006A, 5, 86, 1265, 0xC0000388, 1330, 0xC0000071, 1907, 0xC0000224, 2242,
        0x800708C2,                 /* HRESULT_FROM_WIN32(NERR_PasswordExpired) */
    };
    static const ULONG no[] = {
        (ULONG)SEC_E_OK, (ULONG)SEC_I_CONTINUE_NEEDED, (ULONG)SEC_E_INVALID_TOKEN,
        (ULONG)SEC_E_NO_AUTHENTICATING_AUTHORITY, (ULONG)SEC_E_TARGET_UNKNOWN,
        (ULONG)SEC_E_UNKNOWN_CREDENTIALS, 0xC0000072 /* STATUS_ACCOUNT_DISABLED */,
        1331 /* ERROR_ACCOUNT_DISABLED: CREDUI_NO_PROMPT */, 0,
    };
    for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++)
        ck_assert_msg(SspiIsPromptingNeeded(yes[i]), "0x%08x", (unsigned)yes[i]);
    for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++)
        ck_assert_msg(!SspiIsPromptingNeeded(no[i]), "0x%08x", (unsigned)no[i]);
}
END_TEST

START_TEST(target_host_name_is_extracted)
{
    static const struct {
        const char16_t *target, *host;
    } cases[] = {
        {u"HTTP/host.example.com:8080/svc", u"host.example.com"},
        {u"HTTP/host.example.com", u"host.example.com"},
        {u"HTTP/host:80", u"host"},
        {u"host.example.com", u"host.example.com"},
        {u"host:443", u"host"},
        {u"TERMSRV/[fe80::1]:3389", u"fe80::1"},
        {u"ldap/dc1.corp/corp.example", u"dc1.corp"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        PWSTR host = NULL;
        ASSERT_STATUS(SspiGetTargetHostName(cases[i].target, &host), SEC_E_OK);
        ck_assert_msg(wequal(host, cases[i].host), "case %zu", i);
        SspiLocalFree(host);
    }
    static const char16_t *const bad[] = {u"", u"HTTP/", u"HTTP/:80", u"HTTP/[::1"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        PWSTR host = (PWSTR)1;
        ASSERT_STATUS(SspiGetTargetHostName(bad[i], &host), SEC_E_INVALID_PARAMETER);
        ck_assert_ptr_null(host);
    }
}
END_TEST

START_TEST(exclude_package_edits_the_package_list)
{
    static const struct {
        const char *list;           /* EXA PackageList, NULL for none */
        const char16_t *exclude, *result;
    } cases[] = {
        {NULL, u"NTLM", u"!NTLM"},
        {"kerberos", u"NTLM", u"kerberos,!NTLM"},
        {"kerberos,ntlm", u"NTLM", u"kerberos,!NTLM"},          /* the positive entry goes */
        {"!ntlm", u"NTLM", u"!ntlm"},                           /* already excluded */
        {"-ntlm,kerberos", u"ntlm", u"-ntlm,kerberos"},
        {"ntlm,kerberos,ntlm", u"Ntlm", u"kerberos,!Ntlm"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        SEC_WINNT_AUTH_IDENTITY_EXA exa = {SEC_WINNT_AUTH_IDENTITY_VERSION, sizeof(exa),
                                           (unsigned char *)"jo", 2, NULL, 0, (unsigned char *)"pw",
                                           2, SEC_WINNT_AUTH_IDENTITY_ANSI,
                                           (unsigned char *)cases[i].list,
                                           cases[i].list ? (ULONG)strlen(cases[i].list) : 0};
        PSEC_WINNT_AUTH_IDENTITY_OPAQUE out = NULL;
        ASSERT_STATUS(SspiExcludePackage(&exa, cases[i].exclude, &out), SEC_E_OK);
        WCHAR *list = package_list(out);
        ck_assert_msg(wequal(list, cases[i].result), "case %zu", i);
        free(list);
        assert_strings(out, u"jo", NULL, u"pw");                 /* the rest is kept */
        SspiFreeAuthIdentity(out);
    }
    /* The original is not modified; bad names are refused. */
    PSEC_WINNT_AUTH_IDENTITY_OPAQUE id = encode(u"jo", NULL, u"pw"), out = NULL;
    ASSERT_STATUS(SspiExcludePackage(id, u"NTLM", &out), SEC_E_OK);
    ck_assert_uint_eq(ex2(id)->PackageListLength, 0);
    SspiFreeAuthIdentity(out);
    ASSERT_STATUS(SspiExcludePackage(id, u"", &out), SEC_E_INVALID_PARAMETER);
    ASSERT_STATUS(SspiExcludePackage(id, u"a,b", &out), SEC_E_INVALID_PARAMETER);
    ASSERT_STATUS(SspiExcludePackage(id, u"!ntlm", &out), SEC_E_INVALID_PARAMETER);
    SspiFreeAuthIdentity(id);
}
END_TEST

/* ------------------------------------------------------------ Kerberos */

static SECURITY_STATUS client_cred_from(void *identity, CredHandle *cc)
{
    TimeStamp expiry;
    return AcquireCredentialsHandleW(NULL, (SEC_WCHAR *)u"Kerberos", SECPKG_CRED_OUTBOUND, NULL,
                                     identity, NULL, NULL, cc, &expiry);
}

static WCHAR *realm_w(void)
{
    return w(realm.realm);
}

START_TEST(encoded_identity_authenticates_with_kerberos)
{
    ck_assert(have_realm);
    WCHAR *user = w(TEST_REALM_ALICE), *domain = realm_w(), *password = w(TEST_REALM_ALICE_PASSWORD);
    PSEC_WINNT_AUTH_IDENTITY_OPAQUE id = encode(user, domain, password);
    /* _i: 0 plain, 1 encrypted, 2 marshaled and unmarshaled. */
    if (_i == 1)
        ASSERT_STATUS(SspiEncryptAuthIdentity(id), SEC_E_OK);
    if (_i == 2) {
        ULONG len;
        char *bytes;
        ASSERT_STATUS(SspiMarshalAuthIdentity(id, &len, &bytes), SEC_E_OK);
        SspiFreeAuthIdentity(id);
        id = NULL;
        ASSERT_STATUS(SspiUnmarshalAuthIdentity(len, bytes, &id), SEC_E_OK);
        SspiFreeAuthIdentity(bytes);
    }
    CredHandle cc, sc;
    ASSERT_STATUS(client_cred_from(id, &cc), SEC_E_OK);
    /* The credential holds its own copy (Windows: the identity may be freed). */
    SspiFreeAuthIdentity(id);
    ASSERT_STATUS(handshake_server_cred("Kerberos", &sc), SEC_E_OK);
    struct handshake h;
    ASSERT_STATUS(handshake_run(&cc, &sc, TEST_REALM_HTTP_SERVICE, ISC_REQ_MUTUAL_AUTH, 0, NULL, 0,
                                NULL, 0, &h),
                  SEC_E_OK);
    SecPkgContext_NamesA names;
    ASSERT_STATUS(QueryContextAttributesA(&h.server, SECPKG_ATTR_NAMES, &names), SEC_E_OK);
    ck_assert_ptr_nonnull(strstr(names.sUserName, TEST_REALM_ALICE));
    FreeContextBuffer(names.sUserName);
    handshake_end(&h);
    FreeCredentialsHandle(&cc);
    FreeCredentialsHandle(&sc);
    free(user);
    free(domain);
    free(password);
}
END_TEST

START_TEST(encoded_identity_with_wrong_password_is_logon_denied)
{
    ck_assert(have_realm);
    WCHAR *user = w(TEST_REALM_ALICE), *domain = realm_w();
    PSEC_WINNT_AUTH_IDENTITY_OPAQUE id = encode(user, domain, u"not-the-password");
    CredHandle cc, sc;
    ASSERT_STATUS(client_cred_from(id, &cc), SEC_E_OK);
    SspiFreeAuthIdentity(id);
    ASSERT_STATUS(handshake_server_cred("Kerberos", &sc), SEC_E_OK);
    struct handshake h;
    ASSERT_STATUS(handshake_run(&cc, &sc, TEST_REALM_HTTP_SERVICE, ISC_REQ_MUTUAL_AUTH, 0, NULL, 0,
                                NULL, 0, &h),
                  SEC_E_LOGON_DENIED);
    ck_assert(SspiIsPromptingNeeded((ULONG)SEC_E_LOGON_DENIED));
    handshake_end(&h);
    FreeCredentialsHandle(&cc);
    FreeCredentialsHandle(&sc);
    free(user);
    free(domain);
}
END_TEST

START_TEST(acquire_refuses_malformed_ex2)
{
    PSEC_WINNT_AUTH_IDENTITY_OPAQUE id = encode(u"alice", NULL, u"pw");
    /* Corrupt a copy the caller owns: the user runs past the structure. */
    size_t size = ex2(id)->cbStructureLength;
    SEC_WINNT_AUTH_IDENTITY_EX2 *bad = malloc(size);
    memcpy(bad, id, size);
    bad->UserLength = (unsigned short)(size + 10);
    CredHandle cc;
    ASSERT_STATUS(client_cred_from(bad, &cc), SEC_E_UNKNOWN_CREDENTIALS);
    free(bad);
    SspiFreeAuthIdentity(id);
}
END_TEST

static Suite *helpers_suite(void)
{
    Suite *s = suite_create("auth_identity");
    TCase *tc = tcase_create("helpers");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, strings_round_trip_through_an_ex2_block);
    tcase_add_test(tc, absent_and_empty_fields);
    tcase_add_test(tc, every_input_form_decodes_to_the_same_strings);
    tcase_add_test(tc, malformed_in_memory_forms_are_invalid_parameter);
    tcase_add_test(tc, null_arguments);
    tcase_add_test(tc, copy_is_deep);
    tcase_add_test(tc, zero_wipes_our_block_entirely);
    tcase_add_test(tc, zero_wipes_a_callers_structures);
    tcase_add_test(tc, foreign_pointers_are_not_freed);
    tcase_add_test(tc, compare_reports_account_and_credential);
    tcase_add_test(tc, marshal_gives_the_little_endian_ex2_bytes);
    tcase_add_test(tc, truncated_blobs_are_invalid_token);
    tcase_add_test(tc, corrupted_blobs_parse_strictly_at_every_byte);
    tcase_add_test(tc, crafted_blobs_are_refused);
    tcase_add_test(tc, encryption_hides_the_password_in_place);
    tcase_add_test(tc, prompting_is_needed_for_refused_credentials_only);
    tcase_add_test(tc, target_host_name_is_extracted);
    tcase_add_test(tc, exclude_package_edits_the_package_list);
    tcase_add_test(tc, acquire_refuses_malformed_ex2);
    suite_add_tcase(s, tc);
    return s;
}

static Suite *kerberos_suite(void)
{
    Suite *s = suite_create("auth_identity_kerberos");
    TCase *tc = tcase_create("kerberos");
    tcase_set_timeout(tc, 120);
    tcase_add_loop_test(tc, encoded_identity_authenticates_with_kerberos, 0, 3);
    tcase_add_test(tc, encoded_identity_with_wrong_password_is_logon_denied);
    suite_add_tcase(s, tc);
    return s;
}

static int run_suite(Suite *s)
{
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed;
}

int main(void)
{
    /* The helpers need no KDC; the handshakes do. */
    int failed = run_suite(helpers_suite());
    if (test_realm_start(&realm, NULL) != 0) {
        fprintf(stderr, "cannot start the test realm: %s\n", realm.last_output);
        test_realm_destroy(&realm);
        return 99;      /* a hard error, not a skip: CI installs the KDC */
    }
    have_realm = true;
    failed += run_suite(kerberos_suite());
    test_realm_destroy(&realm);
    return failed == 0 ? 0 : 1;
}
