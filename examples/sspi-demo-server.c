/*
 * sspi-demo-server: the server half of the SSPI demo, written as a Windows
 * programmer writes it (plain SSPI calls; only the sockets are Unix).
 *
 *   sspi-demo-server [--package Kerberos|Negotiate] [--port N | --port-file F] [--once]
 *
 * It acquires an inbound credential (the service keys: on Unix the keytab
 * named by KRB5_KTNAME, or the system keytab), accepts TCP connections on
 * 127.0.0.1, runs the AcceptSecurityContext loop over the framed tokens of
 * demo_net.h, then prints what it learnt about the client through
 * QueryContextAttributes and greets the client by name, in clear text.
 *
 * Exit status: 0 after --once served its client, 1 on any failure (with
 * --once, or before the first client), 2 on a usage error.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "demo_net.h"

/* What we ask for.  The acceptor's flags mostly document intent; the
 * client's request decides what the context gets, and ASC_RET_* says so. */
#define DEMO_ASC_REQ (ASC_REQ_MUTUAL_AUTH | ASC_REQ_CONFIDENTIALITY | ASC_REQ_INTEGRITY | \
                      ASC_REQ_SEQUENCE_DETECT | ASC_REQ_REPLAY_DETECT)

static void usage(FILE *out)
{
    fprintf(out,
            "usage: %s [--package Kerberos|Negotiate] [--port N | --port-file FILE] [--once]\n"
            "\n"
            "  --package P     security package (default Negotiate)\n"
            "  --port N        TCP port on 127.0.0.1 (default 0: any free port)\n"
            "  --port-file F   write the port actually bound to F (for scripts)\n"
            "  --once          exit after the first client (status 0 only if it authenticated)\n"
            "\n"
            "The service keys come from the keytab named by KRB5_KTNAME (or the system keytab).\n",
            demo_progname());
}

/* Print "  label: <error>" for an attribute that could not be read. */
static void print_attr_error(const char *label, SECURITY_STATUS ss)
{
    const char *name = demo_status_name(ss);

    printf("  %-17s (QueryContextAttributes failed: %s, 0x%08lX)\n", label,
           name ? name : "unknown status", (unsigned long)(unsigned int)ss);
}

/*
 * After SEC_E_OK: show what the context says about itself.  The attributes
 * listed in the README are required (a failure is an error); the
 * negotiated-package query is informational.
 */
static int report_context(CtxtHandle *ctx, ULONG asc_ret, const char *package,
                          char **client_name)
{
    SecPkgContext_NamesA names;
    SecPkgContext_NativeNamesA native;
    SecPkgContext_PackageInfoA pkg;
    SecPkgContext_NegotiationInfoA neg;
    SecPkgContext_Flags flags;
    SecPkgContext_Lifespan life;
    SecPkgContext_Sizes sizes;
    SECURITY_STATUS ss;
    char from[64], to[64];

    *client_name = NULL;

    ss = QueryContextAttributesA(ctx, SECPKG_ATTR_NAMES, &names);
    if (ss != SEC_E_OK) {
        demo_print_sspi_error("QueryContextAttributes(SECPKG_ATTR_NAMES)", ss);
        return -1;
    }
    *client_name = strdup(names.sUserName ? (const char *)names.sUserName : "");
    FreeContextBuffer(names.sUserName);
    if (*client_name == NULL) {
        fprintf(stderr, "%s: out of memory\n", demo_progname());
        return -1;
    }

    ss = QueryContextAttributesA(ctx, SECPKG_ATTR_PACKAGE_INFO, &pkg);
    if (ss != SEC_E_OK) {
        demo_print_sspi_error("QueryContextAttributes(SECPKG_ATTR_PACKAGE_INFO)", ss);
        return -1;
    }
    printf("%s: authenticated a client\n", demo_progname());
    printf("  %-17s %s (asked for %s)\n", "package:",
           pkg.PackageInfo && pkg.PackageInfo->Name ? (const char *)pkg.PackageInfo->Name : "?",
           package);
    FreeContextBuffer(pkg.PackageInfo);

    /* Negotiate picks a real package; say which (Windows: Kerberos or NTLM). */
    if (strcmp(package, "Negotiate") == 0) {
        ss = QueryContextAttributesA(ctx, SECPKG_ATTR_NEGOTIATION_INFO, &neg);
        if (ss != SEC_E_OK) {
            print_attr_error("negotiated:", ss);
        } else if (neg.PackageInfo != NULL) {
            printf("  %-17s %s\n", "negotiated:",
                   neg.PackageInfo->Name ? (const char *)neg.PackageInfo->Name : "?");
            FreeContextBuffer(neg.PackageInfo);
        }
    }

    printf("  %-17s ", "ASC_RET flags:");
    demo_print_ret_flags(stdout, asc_ret, 0);
    printf("\n");

    ss = QueryContextAttributesA(ctx, SECPKG_ATTR_FLAGS, &flags);
    if (ss != SEC_E_OK) {
        demo_print_sspi_error("QueryContextAttributes(SECPKG_ATTR_FLAGS)", ss);
        return -1;
    }
    printf("  %-17s ", "context flags:");
    demo_print_ret_flags(stdout, flags.Flags, 0);
    printf("\n");

    /* SECPKG_ATTR_NAMES is the account name Windows code works with
     * ("DOMAIN\user"); NATIVE_NAMES are the Kerberos principals. */
    printf("  %-17s %s\n", "client name:", *client_name);

    /* Only Kerberos has principals: NTLM says SEC_E_UNSUPPORTED_FUNCTION,
     * as on Windows. */
    ss = QueryContextAttributesA(ctx, SECPKG_ATTR_NATIVE_NAMES, &native);
    if (ss == SEC_E_UNSUPPORTED_FUNCTION) {
        printf("  %-17s %s\n", "client principal:", "(none: no Kerberos principal)");
    } else if (ss != SEC_E_OK) {
        demo_print_sspi_error("QueryContextAttributes(SECPKG_ATTR_NATIVE_NAMES)", ss);
        return -1;
    } else {
        printf("  %-17s %s\n", "client principal:",
               native.sClientName ? (const char *)native.sClientName : "(none)");
        printf("  %-17s %s\n", "server principal:",
               native.sServerName ? (const char *)native.sServerName : "(none)");
        FreeContextBuffer(native.sClientName);
        FreeContextBuffer(native.sServerName);
    }

    ss = QueryContextAttributesA(ctx, SECPKG_ATTR_LIFESPAN, &life);
    if (ss != SEC_E_OK) {
        demo_print_sspi_error("QueryContextAttributes(SECPKG_ATTR_LIFESPAN)", ss);
        return -1;
    }
    demo_format_timestamp(&life.tsStart, from, sizeof from);
    demo_format_timestamp(&life.tsExpiry, to, sizeof to);
    printf("  %-17s %s to %s (local time)\n", "lifespan:", from, to);

    ss = QueryContextAttributesA(ctx, SECPKG_ATTR_SIZES, &sizes);
    if (ss != SEC_E_OK) {
        demo_print_sspi_error("QueryContextAttributes(SECPKG_ATTR_SIZES)", ss);
        return -1;
    }
    printf("  %-17s max token %lu, max signature %lu, block %lu, security trailer %lu\n",
           "sizes:", (unsigned long)sizes.cbMaxToken, (unsigned long)sizes.cbMaxSignature,
           (unsigned long)sizes.cbBlockSize, (unsigned long)sizes.cbSecurityTrailer);
    return 0;
}

/* One client: the AcceptSecurityContext loop, the report, the greeting.
 * Returns 0 when the client was authenticated and greeted. */
static int serve_client(int fd, CredHandle *cred, const char *package, ULONG max_token)
{
    CtxtHandle ctx;
    int have_ctx = 0, rc = -1;
    unsigned char *out_token = NULL;
    char *client_name = NULL, *hello = NULL;
    ULONG asc_ret = 0;
    TimeStamp expiry;
    SECURITY_STATUS ss;
    size_t hello_len;

    SecInvalidateHandle(&ctx);

    /* The token buffer is ours (no ASC_REQ_ALLOCATE_MEMORY), sized as the
     * package says its tokens can be, the way classic Windows servers do. */
    out_token = malloc(max_token);
    if (out_token == NULL) {
        fprintf(stderr, "%s: out of memory\n", demo_progname());
        return -1;
    }

    for (;;) {
        unsigned char *in = NULL;
        size_t in_len = 0;
        SecBuffer in_buf, out_buf;
        SecBufferDesc in_desc, out_desc;

        if (demo_recv_msg(fd, &in, &in_len, DEMO_MSG_MAX) < 0)
            goto out;

        in_buf.cbBuffer = (ULONG)in_len;
        in_buf.BufferType = SECBUFFER_TOKEN;
        in_buf.pvBuffer = in;
        in_desc.ulVersion = SECBUFFER_VERSION;
        in_desc.cBuffers = 1;
        in_desc.pBuffers = &in_buf;

        out_buf.cbBuffer = max_token;
        out_buf.BufferType = SECBUFFER_TOKEN;
        out_buf.pvBuffer = out_token;
        out_desc.ulVersion = SECBUFFER_VERSION;
        out_desc.cBuffers = 1;
        out_desc.pBuffers = &out_buf;

        ss = AcceptSecurityContext(cred, have_ctx ? &ctx : NULL, &in_desc, DEMO_ASC_REQ,
                                   SECURITY_NATIVE_DREP, &ctx, &out_desc, &asc_ret, &expiry);
        free(in);

        if (ss == SEC_I_COMPLETE_NEEDED || ss == SEC_I_COMPLETE_AND_CONTINUE) {
            SECURITY_STATUS cs = CompleteAuthToken(&ctx, &out_desc);
            if (cs != SEC_E_OK) {
                demo_print_sspi_error("CompleteAuthToken", cs);
                have_ctx = 1;
                goto out;
            }
            ss = ss == SEC_I_COMPLETE_NEEDED ? SEC_E_OK : SEC_I_CONTINUE_NEEDED;
        }
        if (ss != SEC_E_OK && ss != SEC_I_CONTINUE_NEEDED) {
            /* A failed first call leaves no context; a later one leaves
             * the context to delete. */
            demo_print_sspi_error("AcceptSecurityContext", ss);
            goto out;
        }
        have_ctx = 1;

        /* SEC_E_OK can come with a final token (Kerberos AP-REP for mutual
         * authentication): it must still reach the client.  On
         * SEC_I_CONTINUE_NEEDED the client waits for our answer, so send
         * one even when it is empty. */
        if (out_buf.cbBuffer > 0 || ss == SEC_I_CONTINUE_NEEDED) {
            if (demo_send_msg(fd, out_buf.pvBuffer, out_buf.cbBuffer) < 0)
                goto out;
        }
        if (ss == SEC_E_OK)
            break;
    }

    if (report_context(&ctx, asc_ret, package, &client_name) < 0)
        goto out;

    /* The greeting is deliberately in clear text: this demo is about
     * authentication; EncryptMessage is another example. */
    hello_len = strlen("hello \n") + strlen(client_name);
    hello = malloc(hello_len + 1);
    if (hello == NULL) {
        fprintf(stderr, "%s: out of memory\n", demo_progname());
        goto out;
    }
    snprintf(hello, hello_len + 1, "hello %s\n", client_name);
    if (demo_send_msg(fd, hello, hello_len) < 0)
        goto out;
    printf("  %-17s %s", "sent:", hello);
    rc = 0;

out:
    if (have_ctx)
        DeleteSecurityContext(&ctx);
    free(client_name);
    free(hello);
    free(out_token);
    fflush(stdout);
    return rc;
}

int main(int argc, char **argv)
{
    const char *package = "Negotiate";
    const char *port_file = NULL;
    unsigned short port = 0, bound = 0;
    int once = 0, lfd, i, rc = 0;
    PSecPkgInfoA info = NULL;
    CredHandle cred;
    TimeStamp expiry;
    SECURITY_STATUS ss;
    ULONG max_token;
    char until[64];

    demo_set_progname(argv[0]);
    /* Output goes to logs that scripts read while we run. */
    setvbuf(stdout, NULL, _IOLBF, 0);

    for (i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--package") == 0 && i + 1 < argc) {
            package = argv[++i];
        } else if (strcmp(a, "--port") == 0 && i + 1 < argc) {
            if (demo_parse_port(argv[++i], 1, &port) < 0)
                return 2;
        } else if (strcmp(a, "--port-file") == 0 && i + 1 < argc) {
            port_file = argv[++i];
        } else if (strcmp(a, "--once") == 0) {
            once = 1;
        } else if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            usage(stdout);
            return 0;
        } else {
            fprintf(stderr, "%s: unknown or incomplete argument '%s'\n", demo_progname(), a);
            usage(stderr);
            return 2;
        }
    }

    /* The package's maximum token size sizes our output buffer. */
    ss = QuerySecurityPackageInfoA((SEC_CHAR *)package, &info);
    if (ss != SEC_E_OK) {
        demo_print_sspi_error("QuerySecurityPackageInfo", ss);
        return 1;
    }
    max_token = info->cbMaxToken;
    printf("%s: package %s (%s), max token %lu bytes\n", demo_progname(),
           info->Name ? (const char *)info->Name : package,
           info->Comment ? (const char *)info->Comment : "", (unsigned long)max_token);
    FreeContextBuffer(info);
    if (max_token == 0 || max_token > DEMO_MSG_MAX) {
        fprintf(stderr, "%s: the package reports an unusable maximum token size (%lu)\n",
                demo_progname(), (unsigned long)max_token);
        return 1;
    }

    ss = AcquireCredentialsHandleA(NULL, (SEC_CHAR *)package, SECPKG_CRED_INBOUND, NULL, NULL,
                                   NULL, NULL, &cred, &expiry);
    if (ss != SEC_E_OK) {
        demo_print_sspi_error("AcquireCredentialsHandle(SECPKG_CRED_INBOUND)", ss);
        return 1;
    }
    demo_format_timestamp(&expiry, until, sizeof until);
    printf("%s: inbound credentials acquired (valid until %s)\n", demo_progname(), until);

    lfd = demo_listen(port, &bound);
    if (lfd < 0) {
        FreeCredentialsHandle(&cred);
        return 1;
    }
    if (port_file != NULL && demo_write_port_file(port_file, bound) < 0) {
        demo_close(lfd);
        FreeCredentialsHandle(&cred);
        return 1;
    }
    printf("%s: listening on 127.0.0.1:%u\n", demo_progname(), (unsigned)bound);

    for (;;) {
        int cfd = demo_accept(lfd);
        int r;

        if (cfd < 0) {
            rc = 1;
            break;
        }
        r = serve_client(cfd, &cred, package, max_token);
        demo_close(cfd);
        if (once) {
            rc = r < 0 ? 1 : 0;
            break;
        }
        /* A long-running server survives a client that failed: the error
         * has been printed, the next client may do better. */
    }

    demo_close(lfd);
    FreeCredentialsHandle(&cred);
    return rc;
}
