/*
 * sspi-demo-client: the client half of the SSPI demo, written as a Windows
 * programmer writes it (plain SSPI calls; only the sockets are Unix).
 *
 *   sspi-demo-client [--package Kerberos|Negotiate] --target SPN --port N
 *                    [--user USER [--password PW]] [--mutual] [--wide]
 *
 * With --user it authenticates with an explicit identity
 * (SEC_WINNT_AUTH_IDENTITY_A, or _W with UTF-16 strings under --wide):
 * USER is a UPN ("alice@EXAMPLE.ORG") or "DOMAIN\user"; without --password
 * the password is read from the first line of standard input.  Without
 * --user it uses the default credentials (on Unix: the credential cache
 * named by KRB5CCNAME, filled by kinit).
 *
 * --wide uses the W entry points throughout (AcquireCredentialsHandleW,
 * InitializeSecurityContextW, QueryContextAttributesW) with UTF-16 strings.
 * --mutual makes the run fail unless ISC_RET_MUTUAL_AUTH was granted
 * (mutual authentication is always requested).
 *
 * Exit status: 0 authenticated and greeted, 1 failure, 2 usage error.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "demo_net.h"

#define DEMO_ISC_REQ (ISC_REQ_MUTUAL_AUTH | ISC_REQ_CONFIDENTIALITY | ISC_REQ_INTEGRITY | \
                      ISC_REQ_SEQUENCE_DETECT | ISC_REQ_REPLAY_DETECT | ISC_REQ_ALLOCATE_MEMORY)

static void usage(FILE *out)
{
    fprintf(out,
            "usage: %s [--package Kerberos|Negotiate] --target SPN --port N\n"
            "          [--user USER [--password PW]] [--mutual] [--wide]\n"
            "\n"
            "  --package P     security package (default Negotiate)\n"
            "  --target SPN    service principal name of the server, e.g. HTTP/localhost\n"
            "  --port N        TCP port of sspi-demo-server on 127.0.0.1\n"
            "  --user USER     explicit identity: user@REALM or DOMAIN\\user\n"
            "  --password PW   its password (default: read a line from standard input)\n"
            "                  without --user: the default credentials (KRB5CCNAME)\n"
            "  --mutual        fail unless the server proved its identity (ISC_RET_MUTUAL_AUTH)\n"
            "  --wide          use the W (UTF-16) entry points\n",
            demo_progname());
}

/* ------------------------------------------------------------- UTF-16 */

/* UTF-8 -> NUL-terminated UTF-16 (what MultiByteToWideChar(CP_UTF8) does on
 * Windows).  Returns NULL on invalid UTF-8 or no memory; *units gets the
 * length in code units without the NUL. */
static SEC_WCHAR *utf8_to_utf16(const char *s, ULONG *units)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t n = strlen(s), i = 0, o = 0;
    SEC_WCHAR *w = malloc((n + 1) * sizeof *w); /* never more units than bytes */

    if (w == NULL)
        return NULL;
    while (i < n) {
        uint32_t c = p[i], min;
        size_t extra, k;

        if (c < 0x80) {
            extra = 0; min = 0;
        } else if ((c & 0xE0) == 0xC0) {
            extra = 1; min = 0x80; c &= 0x1F;
        } else if ((c & 0xF0) == 0xE0) {
            extra = 2; min = 0x800; c &= 0x0F;
        } else if ((c & 0xF8) == 0xF0) {
            extra = 3; min = 0x10000; c &= 0x07;
        } else {
            goto bad;
        }
        if (extra > n - i - 1) /* truncated sequence */
            goto bad;
        for (k = 1; k <= extra; k++) {
            if ((p[i + k] & 0xC0) != 0x80)
                goto bad;
            c = c << 6 | (p[i + k] & 0x3F);
        }
        if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
            goto bad;
        i += extra + 1;
        if (c >= 0x10000) {
            c -= 0x10000;
            w[o++] = (SEC_WCHAR)(0xD800 + (c >> 10));
            w[o++] = (SEC_WCHAR)(0xDC00 + (c & 0x3FF));
        } else {
            w[o++] = (SEC_WCHAR)c;
        }
    }
    w[o] = 0;
    if (units != NULL)
        *units = (ULONG)o;
    return w;
bad:
    free(w);
    return NULL;
}

/* NUL-terminated UTF-16 -> malloc'd UTF-8, for printing; unpaired
 * surrogates become U+FFFD. */
static char *utf16_to_utf8(const SEC_WCHAR *w)
{
    size_t n = 0, i, o = 0;
    char *s;

    if (w == NULL)
        return strdup("(none)");
    while (w[n] != 0)
        n++;
    s = malloc(n * 3 + 1); /* a code unit never needs more than 3 bytes */
    if (s == NULL)
        return NULL;
    for (i = 0; i < n; i++) {
        uint32_t c = (uint16_t)w[i];

        if (c >= 0xD800 && c <= 0xDBFF && i + 1 < n && (uint16_t)w[i + 1] >= 0xDC00 &&
            (uint16_t)w[i + 1] <= 0xDFFF) {
            c = 0x10000 + ((c - 0xD800) << 10) + ((uint16_t)w[i + 1] - 0xDC00);
            i++;
        } else if (c >= 0xD800 && c <= 0xDFFF) {
            c = 0xFFFD;
        }
        if (c < 0x80) {
            s[o++] = (char)c;
        } else if (c < 0x800) {
            s[o++] = (char)(0xC0 | c >> 6);
            s[o++] = (char)(0x80 | (c & 0x3F));
        } else if (c < 0x10000) {
            s[o++] = (char)(0xE0 | c >> 12);
            s[o++] = (char)(0x80 | ((c >> 6) & 0x3F));
            s[o++] = (char)(0x80 | (c & 0x3F));
        } else { /* a surrogate pair: 2 units in, 4 bytes out */
            s[o++] = (char)(0xF0 | c >> 18);
            s[o++] = (char)(0x80 | ((c >> 12) & 0x3F));
            s[o++] = (char)(0x80 | ((c >> 6) & 0x3F));
            s[o++] = (char)(0x80 | (c & 0x3F));
        }
    }
    s[o] = '\0';
    return s;
}

/* Overwrite a secret before freeing it (SecureZeroMemory on Windows). */
static void wipe(void *p, size_t n)
{
    volatile unsigned char *v = p;

    while (n--)
        *v++ = 0;
}

/* The packages this demo knows, as a UNICODE Windows program spells them. */
static SEC_WCHAR wide_kerberos[] = u"Kerberos";
static SEC_WCHAR wide_negotiate[] = u"Negotiate";

static int is_literal_package(const SEC_WCHAR *w)
{
    return w == wide_kerberos || w == wide_negotiate;
}

/* u"Kerberos"/u"Negotiate" for the usual names, else a converted copy. */
static SEC_WCHAR *wide_package_name(const char *package)
{
    if (strcmp(package, "Kerberos") == 0)
        return wide_kerberos;
    if (strcmp(package, "Negotiate") == 0)
        return wide_negotiate;
    return utf8_to_utf16(package, NULL);
}

/* ------------------------------------------------------------- options */

struct options {
    const char *package;
    const char *target;
    const char *user;
    char *password; /* malloc'd copy, wiped at exit */
    unsigned short port;
    int mutual;
    int wide;
};

/* Read the password from the first line of standard input. */
static char *read_password(void)
{
    char buf[1024];
    size_t n;

    if (fgets(buf, sizeof buf, stdin) == NULL) {
        fprintf(stderr, "%s: --user without --password: no password on standard input\n",
                demo_progname());
        return NULL;
    }
    n = strcspn(buf, "\r\n");
    buf[n] = '\0';
    {
        char *p = strdup(buf);
        wipe(buf, sizeof buf);
        return p;
    }
}

/* ------------------------------------------------------------- the work */

/*
 * The identity for AcquireCredentialsHandle, as a Windows program fills it:
 * "DOMAIN\user" is split into Domain and User, a UPN goes whole into User.
 * Both forms are kept so that --wide can show the _W structure.
 */
struct identity {
    SEC_WINNT_AUTH_IDENTITY_A a;
    SEC_WINNT_AUTH_IDENTITY_W w;
    char *user, *domain;           /* UTF-8 copies backing a */
    SEC_WCHAR *wuser, *wdomain, *wpassword;
    ULONG wpassword_len;
};

static void identity_free(struct identity *id)
{
    free(id->user);
    free(id->domain);
    free(id->wuser);
    free(id->wdomain);
    if (id->wpassword != NULL) {
        wipe(id->wpassword, id->wpassword_len * sizeof *id->wpassword);
        free(id->wpassword);
    }
    memset(id, 0, sizeof *id);
}

static int identity_init(struct identity *id, const char *user, char *password)
{
    const char *bs = strchr(user, '\\');
    ULONG len;

    memset(id, 0, sizeof *id);
    if (bs != NULL) {
        id->domain = strndup(user, (size_t)(bs - user));
        id->user = strdup(bs + 1);
    } else {
        id->user = strdup(user);
    }
    if (id->user == NULL || (bs != NULL && id->domain == NULL))
        goto nomem;

    id->a.User = (void *)id->user;
    id->a.UserLength = (ULONG)strlen(id->user);
    id->a.Domain = (void *)id->domain;
    id->a.DomainLength = id->domain ? (ULONG)strlen(id->domain) : 0;
    id->a.Password = (void *)password;
    id->a.PasswordLength = (ULONG)strlen(password);
    id->a.Flags = SEC_WINNT_AUTH_IDENTITY_ANSI;

    id->wuser = utf8_to_utf16(id->user, &len);
    if (id->wuser == NULL)
        goto badutf8;
    id->w.User = (void *)id->wuser;
    id->w.UserLength = len;
    if (id->domain != NULL) {
        id->wdomain = utf8_to_utf16(id->domain, &len);
        if (id->wdomain == NULL)
            goto badutf8;
        id->w.Domain = (void *)id->wdomain;
        id->w.DomainLength = len;
    }
    id->wpassword = utf8_to_utf16(password, &id->wpassword_len);
    if (id->wpassword == NULL)
        goto badutf8;
    id->w.Password = (void *)id->wpassword;
    id->w.PasswordLength = id->wpassword_len;
    id->w.Flags = SEC_WINNT_AUTH_IDENTITY_UNICODE;
    return 0;

badutf8:
    fprintf(stderr, "%s: the user name, domain or password is not valid UTF-8 "
            "(or no memory)\n", demo_progname());
    identity_free(id);
    return -1;
nomem:
    fprintf(stderr, "%s: out of memory\n", demo_progname());
    identity_free(id);
    return -1;
}

/* Print the package the context ended up with (and for Negotiate, the
 * package it negotiated). */
static int print_package(CtxtHandle *ctx, const char *package, int wide)
{
    SECURITY_STATUS ss;
    char *name;

    if (wide) {
        SecPkgContext_PackageInfoW pkg;
        SecPkgContext_NegotiationInfoW neg;

        ss = QueryContextAttributesW(ctx, SECPKG_ATTR_PACKAGE_INFO, &pkg);
        if (ss != SEC_E_OK) {
            demo_print_sspi_error("QueryContextAttributesW(SECPKG_ATTR_PACKAGE_INFO)", ss);
            return -1;
        }
        name = utf16_to_utf8(pkg.PackageInfo ? pkg.PackageInfo->Name : NULL);
        printf("  %-17s %s\n", "package:", name ? name : "?");
        free(name);
        FreeContextBuffer(pkg.PackageInfo);

        if (strcmp(package, "Negotiate") == 0 &&
            QueryContextAttributesW(ctx, SECPKG_ATTR_NEGOTIATION_INFO, &neg) == SEC_E_OK) {
            if (neg.PackageInfo != NULL) {
                name = utf16_to_utf8(neg.PackageInfo->Name);
                printf("  %-17s %s\n", "negotiated:", name ? name : "?");
                free(name);
                FreeContextBuffer(neg.PackageInfo);
            }
        }
    } else {
        SecPkgContext_PackageInfoA pkg;
        SecPkgContext_NegotiationInfoA neg;

        ss = QueryContextAttributesA(ctx, SECPKG_ATTR_PACKAGE_INFO, &pkg);
        if (ss != SEC_E_OK) {
            demo_print_sspi_error("QueryContextAttributes(SECPKG_ATTR_PACKAGE_INFO)", ss);
            return -1;
        }
        printf("  %-17s %s\n", "package:",
               pkg.PackageInfo && pkg.PackageInfo->Name ? (const char *)pkg.PackageInfo->Name
                                                        : "?");
        FreeContextBuffer(pkg.PackageInfo);

        if (strcmp(package, "Negotiate") == 0 &&
            QueryContextAttributesA(ctx, SECPKG_ATTR_NEGOTIATION_INFO, &neg) == SEC_E_OK) {
            if (neg.PackageInfo != NULL) {
                printf("  %-17s %s\n", "negotiated:",
                       neg.PackageInfo->Name ? (const char *)neg.PackageInfo->Name : "?");
                FreeContextBuffer(neg.PackageInfo);
            }
        }
    }
    return 0;
}

/* The name the context carries for us (SECPKG_ATTR_NAMES on the client is
 * the client's own name). */
static void print_own_name(CtxtHandle *ctx, int wide)
{
    SECURITY_STATUS ss;

    if (wide) {
        SecPkgContext_NamesW names;
        ss = QueryContextAttributesW(ctx, SECPKG_ATTR_NAMES, &names);
        if (ss == SEC_E_OK) {
            char *u = utf16_to_utf8(names.sUserName);
            printf("  %-17s %s\n", "authenticated as:", u ? u : "?");
            free(u);
            FreeContextBuffer(names.sUserName);
            return;
        }
    } else {
        SecPkgContext_NamesA names;
        ss = QueryContextAttributesA(ctx, SECPKG_ATTR_NAMES, &names);
        if (ss == SEC_E_OK) {
            printf("  %-17s %s\n", "authenticated as:",
                   names.sUserName ? (const char *)names.sUserName : "?");
            FreeContextBuffer(names.sUserName);
            return;
        }
    }
    {
        const char *n = demo_status_name(ss);
        printf("  %-17s (QueryContextAttributes(SECPKG_ATTR_NAMES) failed: %s, 0x%08lX)\n",
               "authenticated as:", n ? n : "unknown status", (unsigned long)(uint32_t)ss);
    }
}

static int run(const struct options *o)
{
    struct identity id;
    int have_id = 0, have_cred = 0, have_ctx = 0, fd = -1, rc = 1;
    SEC_WCHAR *wpackage = NULL, *wtarget = NULL;
    unsigned char *in = NULL, *hello = NULL;
    size_t in_len = 0, hello_len = 0;
    CredHandle cred;
    CtxtHandle ctx;
    ULONG isc_ret = 0;
    TimeStamp expiry;
    SECURITY_STATUS ss;
    int legs = 0;

    SecInvalidateHandle(&cred);
    SecInvalidateHandle(&ctx);

    if (o->user != NULL) {
        if (identity_init(&id, o->user, o->password) < 0)
            return 1;
        have_id = 1;
    }

    /* 1. Credentials. */
    if (o->wide) {
        /* What a UNICODE build passes: the package as a u"" literal, the
         * target as the UTF-16 string wmain's argv would give. */
        wpackage = wide_package_name(o->package);
        wtarget = utf8_to_utf16(o->target, NULL);
        if (wpackage == NULL || wtarget == NULL) {
            fprintf(stderr, "%s: --package or --target is not valid UTF-8\n", demo_progname());
            goto out;
        }
        ss = AcquireCredentialsHandleW(NULL, wpackage, SECPKG_CRED_OUTBOUND, NULL,
                                       have_id ? (void *)&id.w : NULL, NULL, NULL, &cred,
                                       &expiry);
    } else {
        ss = AcquireCredentialsHandleA(NULL, (SEC_CHAR *)o->package, SECPKG_CRED_OUTBOUND, NULL,
                                       have_id ? (void *)&id.a : NULL, NULL, NULL, &cred,
                                       &expiry);
    }
    if (ss != SEC_E_OK) {
        demo_print_sspi_error(o->wide ? "AcquireCredentialsHandleW(SECPKG_CRED_OUTBOUND)"
                                      : "AcquireCredentialsHandleA(SECPKG_CRED_OUTBOUND)",
                              ss);
        goto out;
    }
    have_cred = 1;
    {
        char until[64];
        demo_format_timestamp(&expiry, until, sizeof until);
        printf("%s: outbound credentials for %s (%s), valid until %s\n", demo_progname(),
               have_id ? o->user : "the default identity", o->package, until);
    }

    fd = demo_connect(o->port);
    if (fd < 0)
        goto out;

    /* 2. The InitializeSecurityContext loop. */
    for (;;) {
        SecBuffer in_buf, out_buf;
        SecBufferDesc in_desc, out_desc;

        in_buf.cbBuffer = (ULONG)in_len;
        in_buf.BufferType = SECBUFFER_TOKEN;
        in_buf.pvBuffer = in;
        in_desc.ulVersion = SECBUFFER_VERSION;
        in_desc.cBuffers = 1;
        in_desc.pBuffers = &in_buf;

        out_buf.cbBuffer = 0;
        out_buf.BufferType = SECBUFFER_TOKEN;
        out_buf.pvBuffer = NULL; /* ISC_REQ_ALLOCATE_MEMORY: the package allocates */
        out_desc.ulVersion = SECBUFFER_VERSION;
        out_desc.cBuffers = 1;
        out_desc.pBuffers = &out_buf;

        if (o->wide)
            ss = InitializeSecurityContextW(&cred, have_ctx ? &ctx : NULL, wtarget, DEMO_ISC_REQ,
                                            0, SECURITY_NATIVE_DREP,
                                            have_ctx ? &in_desc : NULL, 0, &ctx, &out_desc,
                                            &isc_ret, &expiry);
        else
            ss = InitializeSecurityContextA(&cred, have_ctx ? &ctx : NULL,
                                            (SEC_CHAR *)o->target, DEMO_ISC_REQ, 0,
                                            SECURITY_NATIVE_DREP, have_ctx ? &in_desc : NULL,
                                            0, &ctx, &out_desc, &isc_ret, &expiry);
        free(in);
        in = NULL;
        in_len = 0;
        legs++;

        if (ss == SEC_I_COMPLETE_NEEDED || ss == SEC_I_COMPLETE_AND_CONTINUE) {
            SECURITY_STATUS cs = CompleteAuthToken(&ctx, &out_desc);
            if (cs != SEC_E_OK) {
                demo_print_sspi_error("CompleteAuthToken", cs);
                FreeContextBuffer(out_buf.pvBuffer);
                have_ctx = 1;
                goto out;
            }
            ss = ss == SEC_I_COMPLETE_NEEDED ? SEC_E_OK : SEC_I_CONTINUE_NEEDED;
        }
        if (ss != SEC_E_OK && ss != SEC_I_CONTINUE_NEEDED) {
            demo_print_sspi_error(o->wide ? "InitializeSecurityContextW"
                                          : "InitializeSecurityContextA", ss);
            if (out_buf.pvBuffer != NULL)
                FreeContextBuffer(out_buf.pvBuffer);
            goto out;
        }
        have_ctx = 1;

        if (out_buf.cbBuffer > 0 || ss == SEC_I_CONTINUE_NEEDED) {
            int r = demo_send_msg(fd, out_buf.pvBuffer, out_buf.cbBuffer);
            if (out_buf.pvBuffer != NULL)
                FreeContextBuffer(out_buf.pvBuffer);
            if (r < 0)
                goto out;
        } else if (out_buf.pvBuffer != NULL) {
            FreeContextBuffer(out_buf.pvBuffer);
        }
        if (ss == SEC_E_OK)
            break;

        if (demo_recv_msg(fd, &in, &in_len, DEMO_MSG_MAX) < 0) {
            fprintf(stderr, "%s: hint: the server gave up on the handshake; its output says "
                    "why\n", demo_progname());
            goto out;
        }
    }

    printf("%s: security context established after %d call%s\n", demo_progname(), legs,
           legs == 1 ? "" : "s");
    if (print_package(&ctx, o->package, o->wide) < 0)
        goto out;
    printf("  %-17s ", "ISC_RET flags:");
    demo_print_ret_flags(stdout, isc_ret, 1);
    printf("\n");
    print_own_name(&ctx, o->wide);
    printf("  %-17s %s\n", "mutual auth:", (isc_ret & ISC_RET_MUTUAL_AUTH) ? "yes" : "no");
    if (o->mutual && !(isc_ret & ISC_RET_MUTUAL_AUTH)) {
        fprintf(stderr, "%s: --mutual: the server did not prove its identity "
                "(ISC_RET_MUTUAL_AUTH not granted)\n", demo_progname());
        goto out;
    }

    /* 3. The server's greeting, in clear text. */
    if (demo_recv_msg(fd, &hello, &hello_len, 4096) < 0)
        goto out;
    if (hello_len < 6 || memcmp(hello, "hello ", 6) != 0 || memchr(hello, '\0', hello_len)) {
        fprintf(stderr, "%s: the server sent %zu bytes that are not a \"hello <name>\" line "
                "(not an sspi-demo-server?)\n", demo_progname(), hello_len);
        goto out;
    }
    while (hello_len > 0 && (hello[hello_len - 1] == '\n' || hello[hello_len - 1] == '\r'))
        hello[--hello_len] = '\0';
    printf("  %-17s %s\n", "server says:", (const char *)hello);
    rc = 0;

out:
    free(in);
    free(hello);
    demo_close(fd);
    if (have_ctx)
        DeleteSecurityContext(&ctx);
    if (have_cred)
        FreeCredentialsHandle(&cred);
    if (have_id)
        identity_free(&id);
    if (wpackage != NULL && !is_literal_package(wpackage))
        free(wpackage);
    free(wtarget);
    return rc;
}

int main(int argc, char **argv)
{
    struct options o;
    const char *password = NULL;
    int have_port = 0, i, rc;

    memset(&o, 0, sizeof o);
    o.package = "Negotiate";
    demo_set_progname(argv[0]);
    setvbuf(stdout, NULL, _IOLBF, 0);

    for (i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--package") == 0 && i + 1 < argc) {
            o.package = argv[++i];
        } else if (strcmp(a, "--target") == 0 && i + 1 < argc) {
            o.target = argv[++i];
        } else if (strcmp(a, "--port") == 0 && i + 1 < argc) {
            if (demo_parse_port(argv[++i], 0, &o.port) < 0)
                return 2;
            have_port = 1;
        } else if (strcmp(a, "--user") == 0 && i + 1 < argc) {
            o.user = argv[++i];
        } else if (strcmp(a, "--password") == 0 && i + 1 < argc) {
            password = argv[++i];
        } else if (strcmp(a, "--mutual") == 0) {
            o.mutual = 1;
        } else if (strcmp(a, "--wide") == 0) {
            o.wide = 1;
        } else if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            usage(stdout);
            return 0;
        } else {
            fprintf(stderr, "%s: unknown or incomplete argument '%s'\n", demo_progname(), a);
            usage(stderr);
            return 2;
        }
    }
    if (o.target == NULL || !have_port) {
        fprintf(stderr, "%s: --target and --port are required\n", demo_progname());
        usage(stderr);
        return 2;
    }
    if (password != NULL && o.user == NULL) {
        fprintf(stderr, "%s: --password needs --user\n", demo_progname());
        return 2;
    }
    if (o.user != NULL) {
        o.password = password != NULL ? strdup(password) : read_password();
        if (o.password == NULL)
            return 1;
    }

    rc = run(&o);

    if (o.password != NULL) {
        wipe(o.password, strlen(o.password));
        free(o.password);
    }
    return rc;
}
