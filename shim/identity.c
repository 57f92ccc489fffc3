/*
 * SEC_WINNT_AUTH_IDENTITY_A/W and SEC_WINNT_AUTH_IDENTITY_EXA/EXW, as
 * passed in pAuthData of AcquireCredentialsHandle, decoded to UTF-8.
 *
 * The EX forms start with a ULONG Version (SEC_WINNT_AUTH_IDENTITY_VERSION);
 * the plain forms start with the User pointer, whose low 32 bits are never
 * that small on Linux, so the first ULONG tells the two apart, as Windows'
 * packages do.  Lengths are in characters and exclude the terminating NUL.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "auth_identity.h"
#include "shim_internal.h"

#define MAX_FIELD_CHARS 32767u      /* far beyond any real user/domain/password */

static SECURITY_STATUS decode_field(const void *ptr, ULONG len, bool wide, char **out)
{
    *out = NULL;
    if (ptr == NULL)
        return len == 0 ? SEC_E_OK : SEC_E_UNKNOWN_CREDENTIALS;
    if (len > MAX_FIELD_CHARS)
        return SEC_E_UNKNOWN_CREDENTIALS;
    if (wide)
        return shim_utf16_to_utf8((const SEC_WCHAR *)ptr, len, out);
    char *s = malloc((size_t)len + 1);
    if (s == NULL)
        return SEC_E_INSUFFICIENT_MEMORY;
    memcpy(s, ptr, len);
    s[len] = '\0';
    if (strlen(s) != len) {             /* embedded NUL: not a name */
        free(s);
        return SEC_E_UNKNOWN_CREDENTIALS;
    }
    *out = s;
    return SEC_E_OK;
}

static void drop_empty(char **s)
{
    if (*s != NULL && (*s)[0] == '\0') {
        free(*s);
        *s = NULL;
    }
}

static SECURITY_STATUS finish(struct shim_identity *out);

SECURITY_STATUS shim_identity_decode(const void *auth_data, struct shim_identity *out)
{
    const void *user, *domain, *password, *packages = NULL;
    ULONG user_len, domain_len, password_len, flags, packages_len = 0;

    memset(out, 0, sizeof(*out));
    ULONG version;
    memcpy(&version, auth_data, sizeof(version));
    if (version == SEC_WINNT_AUTH_IDENTITY_VERSION) {
        const SEC_WINNT_AUTH_IDENTITY_EXW *ex = auth_data;
        if (ex->Length < sizeof(*ex))
            return SEC_E_UNKNOWN_CREDENTIALS;
        user = ex->User; user_len = ex->UserLength;
        domain = ex->Domain; domain_len = ex->DomainLength;
        password = ex->Password; password_len = ex->PasswordLength;
        packages = ex->PackageList; packages_len = ex->PackageListLength;
        flags = ex->Flags;
    } else if (version == SEC_WINNT_AUTH_IDENTITY_VERSION_2) {
        /* SEC_WINNT_AUTH_IDENTITY_EX2, e.g. from SspiEncodeStringsAsAuthIdentity
         * (auth_identity.c decodes it); then the same checks as below. */
        SECURITY_STATUS st = shim_identity_decode_ex2(auth_data, out);
        if (st != SEC_E_OK)
            return st;
        return finish(out);
    } else {
        const SEC_WINNT_AUTH_IDENTITY_W *id = auth_data;
        user = id->User; user_len = id->UserLength;
        domain = id->Domain; domain_len = id->DomainLength;
        password = id->Password; password_len = id->PasswordLength;
        flags = id->Flags;
    }

    bool wide;
    switch (flags & (SEC_WINNT_AUTH_IDENTITY_ANSI | SEC_WINNT_AUTH_IDENTITY_UNICODE)) {
    case SEC_WINNT_AUTH_IDENTITY_ANSI:
        wide = false;
        break;
    case SEC_WINNT_AUTH_IDENTITY_UNICODE:
        wide = true;
        break;
    default:
        return SEC_E_UNKNOWN_CREDENTIALS;
    }

    SECURITY_STATUS st = decode_field(user, user_len, wide, &out->user);
    if (st == SEC_E_OK)
        st = decode_field(domain, domain_len, wide, &out->domain);
    if (st == SEC_E_OK) {
        st = decode_field(password, password_len, wide, &out->password);
        out->has_password = (password != NULL);
        if (out->has_password && out->password == NULL && st == SEC_E_OK) {
            out->password = strdup("");
            if (out->password == NULL)
                st = SEC_E_INSUFFICIENT_MEMORY;
        }
    }
    if (st == SEC_E_OK)
        st = decode_field(packages, packages_len, wide, &out->packages);
    if (st != SEC_E_OK) {
        shim_identity_clear(out);
        return st;
    }
    return finish(out);
}

static SECURITY_STATUS finish(struct shim_identity *out)
{
    drop_empty(&out->user);
    drop_empty(&out->domain);
    drop_empty(&out->packages);
    if (out->user == NULL && out->has_password) {
        shim_identity_clear(out);       /* a password for nobody */
        return SEC_E_UNKNOWN_CREDENTIALS;
    }
    return SEC_E_OK;
}

void shim_identity_clear(struct shim_identity *id)
{
    free(id->user);
    free(id->domain);
    free(id->packages);
    if (id->password != NULL) {
        explicit_bzero(id->password, strlen(id->password));
        free(id->password);
    }
    memset(id, 0, sizeof(*id));
}

/*
 * Which packages a SEC_WINNT_AUTH_IDENTITY_EX(2) PackageList leaves to
 * Negotiate ("NTLM", "!Kerberos", "Kerberos,NTLM"; comma-separated, '!'
 * excludes, case-insensitive; names other than Kerberos and NTLM are
 * ignored): as Windows' Negotiate, a package runs when no entry excludes
 * it and either no entry names a package positively or one names it.  No
 * list (NULL) allows both.
 */
void shim_identity_packages(const char *list, bool *kerberos, bool *ntlm)
{
    bool kerberos_named = false, ntlm_named = false, kerberos_out = false, ntlm_out = false;
    bool positive = false;
    const char *p = list;
    while (p != NULL && *p != '\0') {
        const char *end = strchr(p, ',');
        size_t n = end ? (size_t)(end - p) : strlen(p);
        const char *e = p;
        while (n > 0 && (*e == ' ' || *e == '\t')) {
            e++;
            n--;
        }
        while (n > 0 && (e[n - 1] == ' ' || e[n - 1] == '\t'))
            n--;
        bool out = n > 0 && *e == '!';
        if (out) {
            e++;
            n--;
        }
        bool is_kerberos = n == 8 && strncasecmp(e, "Kerberos", 8) == 0;
        bool is_ntlm = n == 4 && strncasecmp(e, "NTLM", 4) == 0;
        if (is_kerberos)
            *(out ? &kerberos_out : &kerberos_named) = true;
        if (is_ntlm)
            *(out ? &ntlm_out : &ntlm_named) = true;
        if (!out && (is_kerberos || is_ntlm))
            positive = true;
        p = end ? end + 1 : NULL;
    }
    *kerberos = !kerberos_out && (!positive || kerberos_named);
    *ntlm = !ntlm_out && (!positive || ntlm_named);
}
