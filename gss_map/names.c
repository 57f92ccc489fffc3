/*
 * SSPI names -> GSS-API names: target SPNs and user identities.
 *
 * Target grammar (MS "Name Formats for Unique SPNs": serviceclass/host
 * [:port][/servicename]; RFC 2743 4.1 hostbased "service@host"):
 *
 *   target  = spn [ "@" realm ] / service "@" host
 *   spn     = service "/" host [ ":" port ] [ "/" name ]
 *
 * Strict on purpose: a name that is not plainly one of these forms is
 * more likely garbage (or an attack on a name parser further down) than
 * a name some KDC knows.  No krb5 '\' escapes are accepted, and only
 * printable ASCII (host names are ASCII on the wire; IDNs are punycode).
 */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L /* strnlen, also under -std=c11 */
#endif

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "gss_map.h"

/* ------------------------------------------------------- char classes */

static bool is_alnum(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

static char to_upper(char c)
{
    return (c >= 'a' && c <= 'z') ? (char)(c - 'a' + 'A') : c;
}

static bool same_nocase(const char *a, size_t alen, const char *b, size_t blen)
{
    if (alen != blen)
        return false;
    for (size_t i = 0; i < alen; i++)
        if (to_upper(a[i]) != to_upper(b[i]))
            return false;
    return true;
}

/* Service class or third SPN part: letters, digits, '-', '_', '.'. */
static bool valid_token(const char *s, size_t n)
{
    if (n == 0)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!is_alnum(s[i]) && s[i] != '-' && s[i] != '_' && s[i] != '.')
            return false;
    return true;
}

/* DNS-style name (host, realm, domain): labels of 1-63 characters from
 * letters, digits, '-', '_', joined by single dots, 1-max characters in
 * all (RFC 1035 2.3.4; '_' is seen in real host names).  An IPv4 address
 * fits too.  No leading, trailing or double dot. */
static bool valid_dns(const char *s, size_t n, size_t max)
{
    size_t label = 0;
    if (n == 0 || n > max)
        return false;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '.') {
            if (label == 0)
                return false;
            label = 0;
        } else if (is_alnum(s[i]) || s[i] == '-' || s[i] == '_') {
            if (++label > 63)
                return false;
        } else {
            return false;
        }
    }
    return label != 0;
}

static bool valid_port(const char *s, size_t n)
{
    unsigned long v = 0;
    if (n == 0 || n > 5)
        return false;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        v = v * 10 + (unsigned long)(s[i] - '0');
    }
    return v >= 1 && v <= 65535;
}

static int dup_out(const char *s, size_t n, char **out)
{
    char *p = malloc(n + 1);
    if (p == NULL)
        return ENOMEM;
    memcpy(p, s, n);
    p[n] = '\0';
    *out = p;
    return 0;
}

/* ------------------------------------------------------------ targets */

int gssmap_target_name(const char *target, enum gssmap_name_kind *kind, char **out)
{
    if (target == NULL || kind == NULL || out == NULL)
        return EINVAL;
    size_t len = strnlen(target, GSSMAP_NAME_MAX + 1);
    if (len == 0 || len > GSSMAP_NAME_MAX)
        return EINVAL;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)target[i];
        if (c <= ' ' || c >= 0x7f || c == '\\')
            return EINVAL; /* controls, space, DEL, 8-bit, krb5 escapes */
    }

    const char *at = memchr(target, '@', len);
    const char *slash = memchr(target, '/', len);
    if (at != NULL && memchr(at + 1, '@', len - (size_t)(at + 1 - target)) != NULL)
        return EINVAL; /* two realms, or "svc@host@REALM" */

    if (slash == NULL) {
        /* RFC 2743 4.1 hostbased form, passed through. */
        if (at == NULL || !valid_token(target, (size_t)(at - target)) ||
            !valid_dns(at + 1, len - (size_t)(at + 1 - target), 255))
            return EINVAL;
        *kind = GSSMAP_NAME_HOSTBASED;
        return dup_out(target, len, out);
    }
    if (at != NULL && at < slash)
        return EINVAL; /* "svc@host/x" */

    const char *end = at != NULL ? at : target + len; /* end of the SPN part */
    if (!valid_token(target, (size_t)(slash - target)))
        return EINVAL;
    const char *host = slash + 1;
    const char *slash2 = memchr(host, '/', (size_t)(end - host));
    const char *host_end = slash2 != NULL ? slash2 : end;
    const char *colon = memchr(host, ':', (size_t)(host_end - host));
    const char *name_end = colon != NULL ? colon : host_end;
    if (!valid_dns(host, (size_t)(name_end - host), 255))
        return EINVAL;
    if (colon != NULL && !valid_port(colon + 1, (size_t)(host_end - colon - 1)))
        return EINVAL;
    if (slash2 != NULL && !valid_token(slash2 + 1, (size_t)(end - slash2 - 1)))
        return EINVAL; /* also rejects a fourth part: '/' is not a token char */
    if (at != NULL) {
        if (!valid_dns(at + 1, len - (size_t)(at + 1 - target), 255))
            return EINVAL;
        /* An explicit principal is kept verbatim, port included. */
        *kind = GSSMAP_NAME_KRB5_PRINCIPAL;
        return dup_out(target, len, out);
    }

    /* Rebuild without the port: "svc/host" -> "svc@host" (hostbased),
     * "svc/host/name" -> "svc/host/name" (krb5, default realm). */
    size_t svc_len = (size_t)(slash - target), host_len = (size_t)(name_end - host);
    size_t name_len = slash2 != NULL ? (size_t)(end - slash2) : 0; /* with its '/' */
    char *p = malloc(svc_len + 1 + host_len + name_len + 1);
    if (p == NULL)
        return ENOMEM;
    memcpy(p, target, svc_len);
    p[svc_len] = slash2 != NULL ? '/' : '@';
    memcpy(p + svc_len + 1, host, host_len);
    if (name_len != 0)
        memcpy(p + svc_len + 1 + host_len, slash2, name_len);
    p[svc_len + 1 + host_len + name_len] = '\0';
    *kind = slash2 != NULL ? GSSMAP_NAME_KRB5_PRINCIPAL : GSSMAP_NAME_HOSTBASED;
    *out = p;
    return 0;
}

/* -------------------------------------------------------------- users */

/* Well-formed UTF-8 (RFC 3629 4: no overlongs, surrogates or > U+10FFFF),
 * without C0/C1 controls or DEL; user names may have spaces and non-ASCII. */
static bool valid_utf8_text(const unsigned char *s, size_t n)
{
    for (size_t i = 0; i < n;) {
        unsigned char c = s[i];
        if (c < 0x80) {
            if (c < 0x20 || c == 0x7f)
                return false;
            i++;
            continue;
        }
        size_t more;
        unsigned long cp;
        if (c >= 0xc2 && c <= 0xdf) {
            more = 1;
            cp = c & 0x1f;
        } else if (c >= 0xe0 && c <= 0xef) {
            more = 2;
            cp = c & 0x0f;
        } else if (c >= 0xf0 && c <= 0xf4) {
            more = 3;
            cp = c & 0x07;
        } else {
            return false;
        }
        if (n - i <= more)
            return false;
        for (size_t k = 1; k <= more; k++) {
            if ((s[i + k] & 0xc0) != 0x80)
                return false;
            cp = (cp << 6) | (s[i + k] & 0x3f);
        }
        if ((more == 2 && cp < 0x800) || (more == 3 && (cp < 0x10000 || cp > 0x10ffff)) ||
            (cp >= 0xd800 && cp <= 0xdfff) || (cp >= 0x80 && cp <= 0x9f))
            return false;
        i += more + 1;
    }
    return true;
}

/* The user part of a principal: '@' and '\' are structure, not name
 * (a '/' stays: "alice/admin" is a krb5 instance); no spaces at the
 * ends (pasted input), where Windows would not match the account. */
static bool valid_user(const char *s, size_t n)
{
    if (n == 0 || s[0] == ' ' || s[n - 1] == ' ')
        return false;
    if (memchr(s, '@', n) != NULL || memchr(s, '\\', n) != NULL)
        return false;
    return valid_utf8_text((const unsigned char *)s, n);
}

/* Domain -> realm, as the header says. */
static int realm_of(const char *d, size_t n, const char *default_realm, const char **realm,
                    size_t *realm_len, bool *upper)
{
    if (!valid_dns(d, n, GSSMAP_NAME_MAX))
        return EINVAL; /* includes "." (a local account, not Kerberos) */
    if (default_realm != NULL && default_realm[0] != '\0') {
        size_t rlen = strnlen(default_realm, GSSMAP_NAME_MAX + 1);
        const char *dot = memchr(default_realm, '.', rlen);
        size_t first = dot != NULL ? (size_t)(dot - default_realm) : rlen;
        if (rlen <= GSSMAP_NAME_MAX &&
            (same_nocase(d, n, default_realm, rlen) ||
             (memchr(d, '.', n) == NULL && same_nocase(d, n, default_realm, first)))) {
            *realm = default_realm;
            *realm_len = rlen;
            *upper = false;
            return 0;
        }
    }
    *realm = d;
    *realm_len = n;
    *upper = true;
    return 0;
}

int gssmap_user_principal(const char *user, const char *domain, const char *default_realm,
                          char **out)
{
    if (user == NULL || out == NULL)
        return EINVAL;
    size_t ulen = strnlen(user, GSSMAP_NAME_MAX + 1);
    size_t dlen = domain != NULL ? strnlen(domain, GSSMAP_NAME_MAX + 1) : 0;
    if (ulen == 0 || ulen > GSSMAP_NAME_MAX || dlen > GSSMAP_NAME_MAX)
        return EINVAL;

    const char *name = user, *dom = domain;
    size_t name_len = ulen;
    const char *at = memchr(user, '@', ulen);
    const char *bs = memchr(user, '\\', ulen);
    if (at != NULL && bs != NULL)
        return EINVAL; /* "DOM\alice@x": two domains */
    if (at != NULL) { /* UPN: its suffix wins over the domain argument */
        name_len = (size_t)(at - user);
        dom = at + 1;
        dlen = ulen - name_len - 1;
    } else if (bs != NULL) { /* DOMAIN\user: the prefix wins likewise */
        dom = user;
        dlen = (size_t)(bs - user);
        name = bs + 1;
        name_len = ulen - dlen - 1;
    }
    if (!valid_user(name, name_len))
        return EINVAL; /* also a second '@' or '\' */
    if ((at != NULL || bs != NULL) && dlen == 0)
        return EINVAL; /* "alice@" or "\alice" */

    if (dom == NULL || dlen == 0)
        return dup_out(name, name_len, out); /* default realm at import */

    const char *realm;
    size_t realm_len;
    bool upper;
    int err = realm_of(dom, dlen, default_realm, &realm, &realm_len, &upper);
    if (err != 0)
        return err;
    char *p = malloc(name_len + 1 + realm_len + 1);
    if (p == NULL)
        return ENOMEM;
    memcpy(p, name, name_len);
    p[name_len] = '@';
    for (size_t i = 0; i < realm_len; i++)
        p[name_len + 1 + i] = upper ? to_upper(realm[i]) : realm[i];
    p[name_len + 1 + realm_len] = '\0';
    *out = p;
    return 0;
}

/* ------------------------------------------------------ form examples */

#define TARGET(form, in, err, kind, out, note) {form, in, NULL, NULL, err, kind, out, note}
#define HB GSSMAP_NAME_HOSTBASED
#define K5 GSSMAP_NAME_KRB5_PRINCIPAL

const struct gssmap_name_form gssmap_target_name_forms[] = {
    TARGET("service/host", "HTTP/www.example.com", 0, HB, "HTTP@www.example.com",
           "SPN -> GSS hostbased name (RFC 2743 4.1); the library finds the realm."),
    TARGET("service/host:port", "HTTP/www.example.com:8080", 0, HB, "HTTP@www.example.com",
           "The port is dropped, as Windows HTTP clients build SPNs."),
    TARGET("service/host/name", "ldap/dc1.example.com/example.com", 0, K5,
           "ldap/dc1.example.com/example.com",
           "Three-part SPN -> krb5 principal in the default realm."),
    TARGET("service/host:port/name", "ldap/dc1.example.com:389/example.com", 0, K5,
           "ldap/dc1.example.com/example.com", "Port dropped, as above."),
    TARGET("service/host@REALM", "HTTP/www.example.com@EXAMPLE.COM", 0, K5,
           "HTTP/www.example.com@EXAMPLE.COM", "Explicit principal, kept verbatim."),
    TARGET("service/host:port@REALM", "MSSQLSvc/db.example.com:1433@EXAMPLE.COM", 0, K5,
           "MSSQLSvc/db.example.com:1433@EXAMPLE.COM",
           "Verbatim, port included: names an SPN registered with its port."),
    TARGET("service@host", "HTTP@www.example.com", 0, HB, "HTTP@www.example.com",
           "GSS-API's own hostbased form, passed through."),
    TARGET("service/IPv4", "HTTP/192.0.2.7", 0, HB, "HTTP@192.0.2.7",
           "An IPv4 address is a valid host (KDCs rarely have such SPNs)."),
    TARGET("empty", "", EINVAL, 0, NULL, "Rejected."),
    TARGET("no service", "/www.example.com", EINVAL, 0, NULL, "Rejected."),
    TARGET("no host", "HTTP/", EINVAL, 0, NULL, "Rejected: \"svc/\" with an empty host."),
    TARGET("bare word", "www.example.com", EINVAL, 0, NULL,
           "Rejected: neither an SPN nor service@host."),
    TARGET("empty port", "HTTP/www.example.com:", EINVAL, 0, NULL, "Rejected."),
    TARGET("port 0", "HTTP/www.example.com:0", EINVAL, 0, NULL, "Rejected: port is 1-65535."),
    TARGET("port too big", "HTTP/www.example.com:65536", EINVAL, 0, NULL, "Rejected."),
    TARGET("port not numeric", "HTTP/www.example.com:http", EINVAL, 0, NULL, "Rejected."),
    TARGET("empty realm", "HTTP/www.example.com@", EINVAL, 0, NULL, "Rejected."),
    TARGET("two realms", "HTTP/www.example.com@A@B", EINVAL, 0, NULL, "Rejected."),
    TARGET("hostbased with realm", "HTTP@www.example.com@EXAMPLE.COM", EINVAL, 0, NULL,
           "Rejected: write HTTP/www.example.com@EXAMPLE.COM."),
    TARGET("four parts", "a/b/c/d", EINVAL, 0, NULL, "Rejected."),
    TARGET("empty third part", "ldap/dc1.example.com/", EINVAL, 0, NULL, "Rejected."),
    TARGET("bad host", "HTTP/www..example.com", EINVAL, 0, NULL,
           "Rejected: empty DNS label (also leading/trailing dots, labels > 63)."),
    TARGET("IPv6 literal", "HTTP/[2001:db8::1]", EINVAL, 0, NULL, "Rejected."),
    TARGET("space", "HTTP/www example.com", EINVAL, 0, NULL, "Rejected."),
    TARGET("control character", "HTTP/www.example.com\n", EINVAL, 0, NULL,
           "Rejected: controls, DEL and 8-bit bytes."),
    TARGET("escape", "HTTP\\/www.example.com", EINVAL, 0, NULL,
           "Rejected: no krb5 '\\' escapes."),
    TARGET("over-long", NULL, EINVAL, 0, NULL,
           "Rejected: more than GSSMAP_NAME_MAX (1024) bytes."),
};
const size_t gssmap_target_name_form_count =
    sizeof(gssmap_target_name_forms) / sizeof(gssmap_target_name_forms[0]);

#define USER(form, in, dom, realm, err, out, note) {form, in, dom, realm, err, 0, out, note}

const struct gssmap_name_form gssmap_user_name_forms[] = {
    USER("user@domain (UPN)", "alice@EXAMPLE.COM", NULL, NULL, 0, "alice@EXAMPLE.COM",
         "UPN: user@realm."),
    USER("user@domain (UPN)", "alice@example.com", NULL, NULL, 0, "alice@EXAMPLE.COM",
         "Realm upper-cased: by convention the upper-cased DNS domain, as AD makes it."),
    USER("UPN + domain", "alice@example.com", "OTHER", NULL, 0, "alice@EXAMPLE.COM",
         "The UPN's suffix wins; the Domain field is ignored."),
    USER("DOMAIN\\user", "EXAMPLE\\alice", NULL, NULL, 0, "alice@EXAMPLE",
         "NetBIOS domain, no default realm: upper-cased as is."),
    USER("DOMAIN\\user", "example\\alice", NULL, "EXAMPLE.COM", 0, "alice@EXAMPLE.COM",
         "NetBIOS domain = first label of the default realm -> default realm."),
    USER("DOMAIN\\user", "OTHER\\alice", NULL, "EXAMPLE.COM", 0, "alice@OTHER",
         "Another NetBIOS domain stays itself."),
    USER("DNS\\user", "example.com\\alice", NULL, "EXAMPLE.COM", 0, "alice@EXAMPLE.COM",
         "DNS domain: upper-cased."),
    USER("user + domain", "alice", "example.com", NULL, 0, "alice@EXAMPLE.COM",
         "Domain field, DNS style."),
    USER("user + domain", "alice", "EXAMPLE", "EXAMPLE.COM", 0, "alice@EXAMPLE.COM",
         "Domain field, NetBIOS style."),
    USER("user + domain", "alice", "example.com", "example.com", 0, "alice@example.com",
         "Domain equal to the default realm (any case) -> the default realm as spelled."),
    USER("user", "alice", NULL, "EXAMPLE.COM", 0, "alice",
         "No domain: the GSS library adds its default realm."),
    USER("user", "alice", "", NULL, 0, "alice", "An empty domain is no domain."),
    USER("user/instance", "alice/admin", "example.com", NULL, 0, "alice/admin@EXAMPLE.COM",
         "A krb5 instance principal."),
    USER("non-ASCII user", "j\xc3\xb6rg", "example.com", NULL, 0, "j\xc3\xb6rg@EXAMPLE.COM",
         "UTF-8 names (the W entry points convert to UTF-8)."),
    USER("empty user", "", "example.com", NULL, EINVAL, NULL, "Rejected."),
    USER("empty UPN name", "@EXAMPLE.COM", NULL, NULL, EINVAL, NULL, "Rejected."),
    USER("empty UPN suffix", "alice@", NULL, NULL, EINVAL, NULL, "Rejected."),
    USER("empty DOMAIN\\", "\\alice", NULL, NULL, EINVAL, NULL, "Rejected."),
    USER("empty \\user", "EXAMPLE\\", NULL, NULL, EINVAL, NULL, "Rejected."),
    USER("two domains", "EXAMPLE\\alice@EXAMPLE.COM", NULL, NULL, EINVAL, NULL, "Rejected."),
    USER("two @", "alice@x@EXAMPLE.COM", NULL, NULL, EINVAL, NULL, "Rejected."),
    USER("local account", ".\\alice", NULL, NULL, EINVAL, NULL,
         "Rejected: \".\" is the local machine, not a Kerberos realm."),
    USER("bad domain", "alice", "exa mple.com", NULL, EINVAL, NULL,
         "Rejected: a domain is a DNS-style name."),
    USER("control character", "ali\tce", NULL, NULL, EINVAL, NULL, "Rejected."),
    USER("invalid UTF-8", "j\xf6rg", NULL, NULL, EINVAL, NULL, "Rejected."),
    USER("edge spaces", " alice", NULL, NULL, EINVAL, NULL, "Rejected."),
    USER("over-long", NULL, NULL, NULL, EINVAL, NULL,
         "Rejected: user or domain over GSSMAP_NAME_MAX (1024) bytes."),
};
const size_t gssmap_user_name_form_count =
    sizeof(gssmap_user_name_forms) / sizeof(gssmap_user_name_forms[0]);
