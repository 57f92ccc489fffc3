/*
 * The SSPI auth-identity helpers (sspi.h, "auth identity helpers"): opaque
 * identities built from strings and back, copies, comparison, marshaling
 * for another process, and the small utilities around them.
 *
 * Every identity handed out is one allocation holding a packed
 * SEC_WINNT_AUTH_IDENTITY_EX2 block (auth_identity_format.c); every
 * identity taken in may also be the caller's SEC_WINNT_AUTH_IDENTITY_W/A or
 * _EXW/_EXA.  Everything returned is freed with SspiFreeAuthIdentity or
 * SspiLocalFree (either works for any of it), which wipe it first.
 *
 * Status codes: a malformed structure passed in memory is
 * SEC_E_INVALID_PARAMETER (the caller's argument is wrong); malformed
 * marshaled bytes are SEC_E_INVALID_TOKEN, the status SSPI uses for any
 * untrusted input that does not parse.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "auth_identity.h"

/* ------------------------------------------------------------ helpers */

static bool is_password(const struct ai_parts *parts)
{
    return memcmp(&parts->cred_type, &shim_auth_data_type_password, sizeof(GUID)) == 0;
}

static bool is_encrypted(const struct ai_parts *parts)
{
    return (parts->flags & SEC_WINNT_AUTH_IDENTITY_FLAGS_PROCESS_ENCRYPTED) != 0;
}

/* A NUL-terminated copy of n units, as a registered string. */
static SECURITY_STATUS new_string(const SEC_WCHAR *s, size_t n, PWSTR *out)
{
    *out = ai_alloc((n + 1) * sizeof(SEC_WCHAR), AI_KIND_STRING);
    if (*out == NULL)
        return SEC_E_INSUFFICIENT_MEMORY;
    if (n != 0)
        memcpy(*out, s, n * sizeof(SEC_WCHAR));
    return SEC_E_OK;
}

/* A caller's NUL-terminated string, bounded so a missing NUL past the
 * largest legal field is an error rather than a read off into memory we
 * were not given the size of. */
static SECURITY_STATUS take_string(PCWSTR s, SEC_WCHAR **out, size_t *out_n)
{
    *out = NULL;
    *out_n = 0;
    if (s == NULL)
        return SEC_E_OK;
    size_t n = 0;
    while (s[n] != 0) {
        if (++n > 0xFFFFu / 2)
            return SEC_E_INVALID_PARAMETER;
    }
    if (n == 0)
        return SEC_E_OK;
    SEC_WCHAR *d = malloc(n * sizeof(SEC_WCHAR));
    if (d == NULL)
        return SEC_E_INSUFFICIENT_MEMORY;
    memcpy(d, s, n * sizeof(SEC_WCHAR));
    *out = d;
    *out_n = n;
    return SEC_E_OK;
}

static SECURITY_STATUS build_identity(const struct ai_parts *parts, void **out)
{
    return ai_build(parts, false, AI_KIND_IDENTITY, out, NULL);
}

/* ------------------------------------------------------------ strings <-> identity */

SECURITY_STATUS SEC_ENTRY SspiEncodeStringsAsAuthIdentity(PCWSTR pszUserName, PCWSTR pszDomainName,
                                                          PCWSTR pszPackedCredentialsString,
                                                          PSEC_WINNT_AUTH_IDENTITY_OPAQUE *ppAuthIdentity)
{
    if (ppAuthIdentity == NULL)
        return SEC_E_INVALID_PARAMETER;
    *ppAuthIdentity = NULL;
    struct ai_parts parts;
    memset(&parts, 0, sizeof(parts));
    parts.flags = SEC_WINNT_AUTH_IDENTITY_UNICODE;
    SECURITY_STATUS st = take_string(pszUserName, &parts.user, &parts.user_n);
    if (st == SEC_E_OK)
        st = take_string(pszDomainName, &parts.domain, &parts.domain_n);
    if (st == SEC_E_OK && pszPackedCredentialsString != NULL) {
        /* The packed-credentials string of a password identity is the
         * password itself (what SspiEncodeAuthIdentityAsStrings returns). */
        SEC_WCHAR *pw;
        size_t pw_n;
        st = take_string(pszPackedCredentialsString, &pw, &pw_n);
        if (st == SEC_E_OK) {
            parts.has_cred = true;
            parts.cred_type = shim_auth_data_type_password;
            parts.cred = (uint8_t *)pw;
            parts.cred_len = pw_n * sizeof(SEC_WCHAR);
        }
    }
    if (st == SEC_E_OK) {
        /* Round-trips only what the parser takes back: well-formed UTF-16. */
        struct ai_parts check;
        void *built = NULL;
        st = build_identity(&parts, &built);
        if (st == SEC_E_OK) {
            size_t size = 0;
            ai_lookup(built, &size, NULL, NULL);
            st = ai_parse_ex2(built, size, false, false, &check, NULL);
            if (st == SEC_E_OK) {
                ai_parts_clear(&check);
                *ppAuthIdentity = built;
            } else {
                ai_release(built);
                if (st == SEC_E_INVALID_TOKEN)
                    st = SEC_E_INVALID_PARAMETER;
            }
        }
    }
    ai_parts_clear(&parts);
    return st;
}

SECURITY_STATUS SEC_ENTRY SspiEncodeAuthIdentityAsStrings(PSEC_WINNT_AUTH_IDENTITY_OPAQUE pAuthIdentity,
                                                          PCWSTR *ppszUserName, PCWSTR *ppszDomainName,
                                                          PCWSTR *ppszPackedCredentialsString)
{
    if (ppszUserName != NULL)
        *ppszUserName = NULL;
    if (ppszDomainName != NULL)
        *ppszDomainName = NULL;
    if (ppszPackedCredentialsString != NULL)
        *ppszPackedCredentialsString = NULL;
    if (pAuthIdentity == NULL || ppszUserName == NULL || ppszDomainName == NULL)
        return SEC_E_INVALID_PARAMETER;
    struct ai_parts parts;
    SECURITY_STATUS st = ai_decode(pAuthIdentity, true, &parts);
    if (st != SEC_E_OK)
        return st;
    /* The SDK documents STATUS_INVALID_PARAMETER for an encrypted identity. */
    if (is_encrypted(&parts))
        st = SEC_E_INVALID_PARAMETER;
    else if (parts.has_cred && !is_password(&parts))
        st = SEC_E_UNSUPPORTED_FUNCTION;    /* only passwords have a string form here */
    PWSTR user = NULL, domain = NULL, packed = NULL;
    if (st == SEC_E_OK && parts.user_n != 0)
        st = new_string(parts.user, parts.user_n, &user);
    if (st == SEC_E_OK && parts.domain_n != 0)
        st = new_string(parts.domain, parts.domain_n, &domain);
    if (st == SEC_E_OK && parts.has_cred && ppszPackedCredentialsString != NULL)
        st = new_string((const SEC_WCHAR *)(const void *)parts.cred, parts.cred_len / 2, &packed);
    ai_parts_clear(&parts);
    if (st != SEC_E_OK) {
        ai_release(user);
        ai_release(domain);
        ai_release(packed);
        return st;
    }
    *ppszUserName = user;
    *ppszDomainName = domain;
    if (ppszPackedCredentialsString != NULL)
        *ppszPackedCredentialsString = packed;
    return SEC_E_OK;
}

/* ------------------------------------------------------------ lifetime */

SECURITY_STATUS SEC_ENTRY SspiValidateAuthIdentity(PSEC_WINNT_AUTH_IDENTITY_OPAQUE AuthData)
{
    struct ai_parts parts;
    SECURITY_STATUS st = ai_decode(AuthData, true, &parts);
    if (st == SEC_E_OK)
        ai_parts_clear(&parts);
    return st;
}

SECURITY_STATUS SEC_ENTRY SspiCopyAuthIdentity(PSEC_WINNT_AUTH_IDENTITY_OPAQUE AuthData,
                                               PSEC_WINNT_AUTH_IDENTITY_OPAQUE *AuthDataCopy)
{
    if (AuthDataCopy == NULL)
        return SEC_E_INVALID_PARAMETER;
    *AuthDataCopy = NULL;
    /* Decoded and rebuilt: a deep copy in the packed form, whatever form
     * came in; an encrypted identity stays encrypted (its nonce goes along). */
    struct ai_parts parts;
    SECURITY_STATUS st = ai_decode(AuthData, true, &parts);
    if (st != SEC_E_OK)
        return st;
    st = build_identity(&parts, AuthDataCopy);
    ai_parts_clear(&parts);
    return st;
}

/* Wipes the secrets of a structure that is not ours: its strings and the
 * structure itself (SecureZeroMemory of the whole identity, as Windows). */
static void zero_foreign(void *identity)
{
    ULONG version;
    memcpy(&version, identity, sizeof(version));
    if (version == SEC_WINNT_AUTH_IDENTITY_VERSION_2) {
        SEC_WINNT_AUTH_IDENTITY_EX2 *ex2 = identity;
        size_t size = ex2->cbStructureLength;
        if (size >= AI_EX2_HEADER_SIZE)
            explicit_bzero(identity, size);
        return;
    }
    if (version == SEC_WINNT_AUTH_IDENTITY_VERSION) {
        SEC_WINNT_AUTH_IDENTITY_EXW *ex = identity;
        size_t unit = (ex->Flags & SEC_WINNT_AUTH_IDENTITY_UNICODE) ? 2 : 1;
        if (ex->User != NULL)
            explicit_bzero(ex->User, (size_t)ex->UserLength * unit);
        if (ex->Domain != NULL)
            explicit_bzero(ex->Domain, (size_t)ex->DomainLength * unit);
        if (ex->Password != NULL)
            explicit_bzero(ex->Password, (size_t)ex->PasswordLength * unit);
        if (ex->PackageList != NULL)
            explicit_bzero(ex->PackageList, (size_t)ex->PackageListLength * unit);
        explicit_bzero(ex, sizeof(*ex));
        return;
    }
    SEC_WINNT_AUTH_IDENTITY_W *id = identity;
    size_t unit = (id->Flags & SEC_WINNT_AUTH_IDENTITY_UNICODE) ? 2 : 1;
    if (id->User != NULL)
        explicit_bzero(id->User, (size_t)id->UserLength * unit);
    if (id->Domain != NULL)
        explicit_bzero(id->Domain, (size_t)id->DomainLength * unit);
    if (id->Password != NULL)
        explicit_bzero(id->Password, (size_t)id->PasswordLength * unit);
    explicit_bzero(id, sizeof(*id));
}

void SEC_ENTRY SspiZeroAuthIdentity(PSEC_WINNT_AUTH_IDENTITY_OPAQUE AuthData)
{
    if (AuthData == NULL)
        return;
    size_t size;
    if (ai_lookup(AuthData, &size, NULL, NULL))
        explicit_bzero(AuthData, size);
    else
        zero_foreign(AuthData);
}

void SEC_ENTRY SspiFreeAuthIdentity(PSEC_WINNT_AUTH_IDENTITY_OPAQUE AuthData)
{
    /* Wiped, then freed.  A pointer we did not allocate is left alone: it
     * came from an allocator we cannot name. */
    (void)ai_release(AuthData);
}

void SEC_ENTRY SspiLocalFree(PVOID DataBuffer)
{
    (void)ai_release(DataBuffer);
}

/* ------------------------------------------------------------ comparison */

/* Windows compares account names case-insensitively (RtlEqualUnicodeString
 * with CaseInSensitive); here: simple case folding of ASCII and Latin-1,
 * Greek and Cyrillic basic letters, the ranges account names use. */
static SEC_WCHAR fold(SEC_WCHAR c)
{
    if ((c >= 'a' && c <= 'z') || (c >= 0xE0 && c <= 0xFE && c != 0xF7))
        return (SEC_WCHAR)(c - 0x20);
    if (c >= 0x3B1 && c <= 0x3C9 && c != 0x3C2)
        return (SEC_WCHAR)(c - 0x20);
    if (c >= 0x430 && c <= 0x44F)
        return (SEC_WCHAR)(c - 0x20);
    if (c >= 0x450 && c <= 0x45F)
        return (SEC_WCHAR)(c - 0x50);
    return c;
}

static bool equal_nocase(const SEC_WCHAR *a, size_t an, const SEC_WCHAR *b, size_t bn)
{
    if (an != bn)
        return false;
    for (size_t i = 0; i < an; i++)
        if (fold(a[i]) != fold(b[i]))
            return false;
    return true;
}

/* Secrets: constant time in their contents. */
static bool equal_secret(const uint8_t *a, size_t an, const uint8_t *b, size_t bn)
{
    if (an != bn)
        return false;
    uint8_t diff = 0;
    for (size_t i = 0; i < an; i++)
        diff |= (uint8_t)(a[i] ^ b[i]);
    return diff == 0;
}

/* Plaintext credentials of parts (decrypting an encrypted identity's copy). */
static SECURITY_STATUS plain(struct ai_parts *parts)
{
    if (!is_encrypted(parts))
        return SEC_E_OK;
    SECURITY_STATUS st = ai_protect_xcrypt(parts->iv, parts->cred, parts->cred_len);
    if (st == SEC_E_OK)
        parts->flags &= ~(ULONG)SEC_WINNT_AUTH_IDENTITY_FLAGS_PROCESS_ENCRYPTED;
    return st;
}

SECURITY_STATUS SEC_ENTRY SspiCompareAuthIdentities(PSEC_WINNT_AUTH_IDENTITY_OPAQUE AuthIdentity1,
                                                    PSEC_WINNT_AUTH_IDENTITY_OPAQUE AuthIdentity2,
                                                    PBOOLEAN SameSuppliedUser,
                                                    PBOOLEAN SameSuppliedIdentity)
{
    if (SameSuppliedUser != NULL)
        *SameSuppliedUser = 0;
    if (SameSuppliedIdentity != NULL)
        *SameSuppliedIdentity = 0;
    if (AuthIdentity1 == NULL || AuthIdentity2 == NULL)
        return SEC_E_INVALID_PARAMETER;
    struct ai_parts a, b;
    SECURITY_STATUS st = ai_decode(AuthIdentity1, true, &a);
    if (st != SEC_E_OK)
        return st;
    st = ai_decode(AuthIdentity2, true, &b);
    if (st != SEC_E_OK) {
        ai_parts_clear(&a);
        return st;
    }
    st = plain(&a);
    if (st == SEC_E_OK)
        st = plain(&b);
    if (st == SEC_E_OK) {
        /* The same account: user and domain.  The same identity: that
         * account with the same credential of the same type. */
        bool same_user = equal_nocase(a.user, a.user_n, b.user, b.user_n) &&
                         equal_nocase(a.domain, a.domain_n, b.domain, b.domain_n);
        bool same_cred = a.has_cred == b.has_cred &&
                         (!a.has_cred || (memcmp(&a.cred_type, &b.cred_type, sizeof(GUID)) == 0 &&
                                          equal_secret(a.cred, a.cred_len, b.cred, b.cred_len)));
        if (SameSuppliedUser != NULL)
            *SameSuppliedUser = same_user ? 1 : 0;
        if (SameSuppliedIdentity != NULL)
            *SameSuppliedIdentity = (same_user && same_cred) ? 1 : 0;
    }
    ai_parts_clear(&a);
    ai_parts_clear(&b);
    return st;
}

/* ------------------------------------------------------------ marshaling */

SECURITY_STATUS SEC_ENTRY SspiMarshalAuthIdentity(PSEC_WINNT_AUTH_IDENTITY_OPAQUE AuthIdentity,
                                                  ULONG *AuthIdentityLength,
                                                  char **AuthIdentityByteArray)
{
    if (AuthIdentityLength != NULL)
        *AuthIdentityLength = 0;
    if (AuthIdentityByteArray != NULL)
        *AuthIdentityByteArray = NULL;
    if (AuthIdentity == NULL || AuthIdentityLength == NULL || AuthIdentityByteArray == NULL)
        return SEC_E_INVALID_PARAMETER;
    struct ai_parts parts;
    SECURITY_STATUS st = ai_decode(AuthIdentity, true, &parts);
    if (st != SEC_E_OK)
        return st;
    /* Ciphertext under this process's key is useless anywhere else, and
     * decrypting behind the caller's back would undo what they asked for. */
    if (is_encrypted(&parts)) {
        ai_parts_clear(&parts);
        return SEC_E_INVALID_PARAMETER;
    }
    void *bytes;
    size_t len;
    st = ai_build(&parts, true, AI_KIND_BYTES, &bytes, &len);
    ai_parts_clear(&parts);
    if (st != SEC_E_OK)
        return st;
    *AuthIdentityLength = (ULONG)len;
    *AuthIdentityByteArray = bytes;
    return SEC_E_OK;
}

SECURITY_STATUS SEC_ENTRY SspiUnmarshalAuthIdentity(ULONG AuthIdentityLength, char *AuthIdentityByteArray,
                                                    PSEC_WINNT_AUTH_IDENTITY_OPAQUE *ppAuthIdentity)
{
    if (ppAuthIdentity == NULL)
        return SEC_E_INVALID_PARAMETER;
    *ppAuthIdentity = NULL;
    if (AuthIdentityByteArray == NULL)
        return SEC_E_INVALID_PARAMETER;
    /* Untrusted bytes (another process, or the network via CredSSP):
     * every offset, length and string checked, nothing encrypted taken. */
    struct ai_parts parts;
    SECURITY_STATUS st = ai_parse_ex2((const uint8_t *)AuthIdentityByteArray, AuthIdentityLength,
                                      true, false, &parts, NULL);
    if (st != SEC_E_OK)
        return st;
    st = build_identity(&parts, ppAuthIdentity);
    ai_parts_clear(&parts);
    return st;
}

/* ------------------------------------------------------------ utilities */

/*
 * The statuses that mean "the credentials were refused: ask the user
 * again": the SDK's CREDUI_IS_AUTHENTICATION_ERROR (wincred.h), each as a
 * Win32 error, its HRESULT, an NTSTATUS and its HRESULT_FROM_NT.
 */
BOOLEAN SEC_ENTRY SspiIsPromptingNeeded(ULONG ErrorOrNtStatus)
{
    static const ULONG win32[] = {
        1326,   /* ERROR_LOGON_FAILURE */
        5,      /* ERROR_ACCESS_DENIED */
        86,     /* ERROR_INVALID_PASSWORD */
        1265,   /* ERROR_DOWNGRADE_DETECTED */
        1330,   /* ERROR_PASSWORD_EXPIRED */
        1907,   /* ERROR_PASSWORD_MUST_CHANGE */
        2242,   /* NERR_PasswordExpired */
    };
    static const ULONG nt[] = {
        0xC000006D, /* STATUS_LOGON_FAILURE */
        0xC0000022, /* STATUS_ACCESS_DENIED */
        0xC000006A, /* STATUS_WRONG_PASSWORD */
        0xC0000388, /* STATUS_DOWNGRADE_DETECTED */
        0xC0000071, /* STATUS_PASSWORD_EXPIRED */
        0xC0000224, /* STATUS_PASSWORD_MUST_CHANGE */
    };
    ULONG s = ErrorOrNtStatus;
    if (s == (ULONG)SEC_E_NO_CREDENTIALS || s == (ULONG)SEC_E_LOGON_DENIED)
        return 1;
    for (size_t i = 0; i < sizeof(win32) / sizeof(win32[0]); i++)
        if (s == win32[i] || s == (0x80070000u | win32[i]))   /* HRESULT_FROM_WIN32 */
            return 1;
    for (size_t i = 0; i < sizeof(nt) / sizeof(nt[0]); i++)
        if (s == nt[i] || s == (nt[i] | 0x10000000u))           /* HRESULT_FROM_NT */
            return 1;
    return 0;
}

/*
 * "service/host:port/service-name" (an SPN, RFC 4120 6.2 / MS-ADTS
 * 2.2.21) or a bare "host[:port]" to "host"; an IPv6 literal keeps its
 * brackets out ("[::1]:80" -> "::1").
 */
SECURITY_STATUS SEC_ENTRY SspiGetTargetHostName(PCWSTR pszTargetName, PWSTR *pszHostName)
{
    if (pszHostName == NULL)
        return SEC_E_INVALID_PARAMETER;
    *pszHostName = NULL;
    if (pszTargetName == NULL)
        return SEC_E_INVALID_PARAMETER;
    size_t n = 0;
    while (pszTargetName[n] != 0) {
        if (++n > 0xFFFFu)
            return SEC_E_INVALID_PARAMETER;
    }
    size_t start = 0;
    for (size_t i = 0; i < n; i++) {
        if (pszTargetName[i] == '/') {
            start = i + 1;
            break;
        }
    }
    size_t end = start;
    if (start < n && pszTargetName[start] == '[') {
        start++;
        end = start;
        while (end < n && pszTargetName[end] != ']')
            end++;
        if (end == n)
            return SEC_E_INVALID_PARAMETER;     /* unclosed bracket */
    } else {
        while (end < n && pszTargetName[end] != ':' && pszTargetName[end] != '/')
            end++;
    }
    if (end == start)
        return SEC_E_INVALID_PARAMETER;
    return new_string(pszTargetName + start, end - start, pszHostName);
}

/*
 * The Negotiate package list is comma separated, "!name" excluding a
 * package (SEC_WINNT_AUTH_IDENTITY_EX docs: "!ntlm"; "-name" is read the
 * same way).  Excluding: every "name" entry removed, "!name" appended
 * unless already there.
 */
static bool entry_is(const SEC_WCHAR *e, size_t en, PCWSTR name, size_t name_n, bool *excluded)
{
    *excluded = en > 0 && (e[0] == '!' || e[0] == '-');
    if (*excluded) {
        e++;
        en--;
    }
    return equal_nocase(e, en, name, name_n);
}

SECURITY_STATUS SEC_ENTRY SspiExcludePackage(PSEC_WINNT_AUTH_IDENTITY_OPAQUE AuthIdentity,
                                             PCWSTR pszPackageName,
                                             PSEC_WINNT_AUTH_IDENTITY_OPAQUE *ppNewAuthIdentity)
{
    if (ppNewAuthIdentity == NULL)
        return SEC_E_INVALID_PARAMETER;
    *ppNewAuthIdentity = NULL;
    if (AuthIdentity == NULL || pszPackageName == NULL)
        return SEC_E_INVALID_PARAMETER;
    size_t name_n = 0;
    while (pszPackageName[name_n] != 0) {
        SEC_WCHAR c = pszPackageName[name_n];
        if (c == ',' || c == '!' || c == '-' || ++name_n > 256)
            return SEC_E_INVALID_PARAMETER;
    }
    if (name_n == 0)
        return SEC_E_INVALID_PARAMETER;

    struct ai_parts parts;
    SECURITY_STATUS st = ai_decode(AuthIdentity, true, &parts);
    if (st != SEC_E_OK)
        return st;
    size_t cap = parts.packages_n + name_n + 2;
    SEC_WCHAR *list = malloc(cap * sizeof(SEC_WCHAR));
    if (list == NULL) {
        ai_parts_clear(&parts);
        return SEC_E_INSUFFICIENT_MEMORY;
    }
    size_t out_n = 0;
    bool already = false;
    for (size_t i = 0; i <= parts.packages_n;) {
        size_t j = i;
        while (j < parts.packages_n && parts.packages[j] != ',')
            j++;
        bool excluded;
        bool same = entry_is(parts.packages + i, j - i, pszPackageName, name_n, &excluded);
        if (same && excluded)
            already = true;
        if (j > i && !(same && !excluded)) {
            if (out_n > 0)
                list[out_n++] = ',';
            memcpy(list + out_n, parts.packages + i, (j - i) * sizeof(SEC_WCHAR));
            out_n += j - i;
        }
        i = j + 1;
    }
    if (!already) {
        if (out_n > 0)
            list[out_n++] = ',';
        list[out_n++] = '!';
        memcpy(list + out_n, pszPackageName, name_n * sizeof(SEC_WCHAR));
        out_n += name_n;
    }
    free(parts.packages);
    parts.packages = list;
    parts.packages_n = out_n;
    st = build_identity(&parts, ppNewAuthIdentity);
    ai_parts_clear(&parts);
    return st;
}
/* ------------------------------------------------------------ for identity.c */

static SECURITY_STATUS units_to_utf8(const SEC_WCHAR *s, size_t n, char **out)
{
    *out = NULL;
    if (n == 0)
        return SEC_E_OK;
    return shim_utf16_to_utf8(s, n, out);
}

SECURITY_STATUS shim_identity_decode_ex2(const void *auth_data, struct shim_identity *out)
{
    memset(out, 0, sizeof(*out));
    struct ai_parts parts;
    SECURITY_STATUS st = ai_decode(auth_data, true, &parts);
    if (st != SEC_E_OK)
        return st == SEC_E_INSUFFICIENT_MEMORY ? st : SEC_E_UNKNOWN_CREDENTIALS;
    if (parts.has_cred && !is_password(&parts)) {
        ai_parts_clear(&parts);
        return SEC_E_UNKNOWN_CREDENTIALS;   /* certificates etc.: not supported */
    }
    if (parts.flags & SEC_WINNT_AUTH_IDENTITY_FLAGS_PROCESS_ENCRYPTED) {
        /* Windows' packages take SspiEncryptAuthIdentity's output too. */
        st = ai_protect_xcrypt(parts.iv, parts.cred, parts.cred_len);
        if (st != SEC_E_OK) {
            ai_parts_clear(&parts);
            return st;
        }
    }
    st = units_to_utf8(parts.user, parts.user_n, &out->user);
    if (st == SEC_E_OK)
        st = units_to_utf8(parts.domain, parts.domain_n, &out->domain);
    if (st == SEC_E_OK)
        st = units_to_utf8(parts.packages, parts.packages_n, &out->packages);
    if (st == SEC_E_OK && parts.has_cred) {
        out->has_password = true;
        if (parts.cred_len == 0) {
            out->password = strdup("");
            if (out->password == NULL)
                st = SEC_E_INSUFFICIENT_MEMORY;
        } else {
            st = shim_utf16_to_utf8((const SEC_WCHAR *)(const void *)parts.cred,
                                    parts.cred_len / 2, &out->password);
        }
    }
    ai_parts_clear(&parts);
    if (st != SEC_E_OK) {
        shim_identity_clear(out);
        return st == SEC_E_INSUFFICIENT_MEMORY ? st : SEC_E_UNKNOWN_CREDENTIALS;
    }
    return SEC_E_OK;
}
