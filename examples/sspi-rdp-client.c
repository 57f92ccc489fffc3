/*
 * sspi-rdp-client: the Network Level Authentication of an RDP client,
 * written as a Windows programmer writes it (plain SSPI calls on the
 * "CREDSSP" package; only the sockets are Unix).  It logs on to a real RDP
 * server (FreeRDP's freerdp-shadow-cli /sec:nla, Windows' TermService)
 * and stops once CredSSP has succeeded.
 *
 *   sspi-rdp-client --port N --user U [--domain D] --password-file F
 *                   [--target TERMSRV/host] [--packages LIST] [--delegate]
 *
 * One TCP connection to 127.0.0.1:N:
 *   1. X.224 Connection Request in a TPKT with an RDP_NEG_REQ asking for
 *      PROTOCOL_HYBRID ([MS-RDPBCGR] 2.2.1.1);
 *   2. the Connection Confirm must select PROTOCOL_HYBRID (2.2.1.2);
 *   3. InitializeSecurityContext on "CREDSSP" over the socket until
 *      SEC_E_OK (SEC_E_INCOMPLETE_MESSAGE: read more and call again);
 *   4. "CredSSP OK" on stdout.
 *
 * The identity is a SEC_WINNT_AUTH_IDENTITY_EXA inside a CREDSSP_CRED;
 * --packages sets its PackageList, which the inner Negotiate logon honours
 * as on Windows: "NTLM" (or "!Kerberos") makes the inner context NTLM,
 * which is what FreeRDP 2's server speaks.  --delegate asks for
 * ISC_REQ_DELEGATE (the password goes to the server, if the delegation
 * policy allows it: SSPI_SHIM_CREDSSP_ALLOW_FRESH_CREDENTIALS(_NTLM_ONLY));
 * without it the empty set of credentials is sent.  The server's
 * certificate is not checked here (CredSSP's pubKeyAuth binds the inner
 * logon to it; a real client would also check it).
 *
 * Exit status: 0 after CredSSP OK, 1 on any failure (the SECURITY_STATUS
 * is printed with its name), 2 on a usage error.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "demo_net.h"
#include "sspi_shim.h"

#ifndef SecureZeroMemory
#define SecureZeroMemory(p, n) explicit_bzero((p), (n))
#endif

/* [MS-RDPBCGR] 2.2.1.1.1 / 2.2.1.2.1 / 2.2.1.2.2 */
#define TYPE_RDP_NEG_REQ 0x01
#define TYPE_RDP_NEG_RSP 0x02
#define TYPE_RDP_NEG_FAILURE 0x03
#define PROTOCOL_SSL 0x00000001u
#define PROTOCOL_HYBRID 0x00000002u
#define X224_TPDU_CONNECTION_REQUEST 0xE0
#define X224_TPDU_CONNECTION_CONFIRM 0xD0

#define LEG_MAX (256u * 1024u)

#define RDP_ISC_REQ (ISC_REQ_CONFIDENTIALITY | ISC_REQ_INTEGRITY | ISC_REQ_SEQUENCE_DETECT | \
                     ISC_REQ_REPLAY_DETECT | ISC_REQ_ALLOCATE_MEMORY | ISC_REQ_EXTENDED_ERROR)

static void usage(FILE *out)
{
    fprintf(out,
            "usage: %s --port N --user U [--domain D] --password-file F\n"
            "          [--target TERMSRV/host] [--packages LIST] [--delegate]\n"
            "\n"
            "  --port N            the RDP server's TCP port on 127.0.0.1\n"
            "  --user, --domain    the account (SEC_WINNT_AUTH_IDENTITY_EXA)\n"
            "  --password-file F   its password: the first line of F\n"
            "  --target SPN        default TERMSRV/localhost\n"
            "  --packages LIST     the identity's PackageList, e.g. NTLM or !Kerberos\n"
            "  --delegate          ISC_REQ_DELEGATE: send the password to the server\n",
            demo_progname());
}

static int recv_exact(int fd, unsigned char *buf, size_t len)
{
    size_t got = 0;
    while (got < len) {
        ssize_t n = recv(fd, buf + got, len - got, 0);
        if (n <= 0) {
            fprintf(stderr, "%s: the server closed the connection (or timed out)\n",
                    demo_progname());
            return -1;
        }
        got += (size_t)n;
    }
    return 0;
}

/* X.224 Connection Request with a cookie and an RDP_NEG_REQ offering TLS
 * and CredSSP; then the Confirm, which must select PROTOCOL_HYBRID. */
static int negotiate_hybrid(int fd, const char *user)
{
    unsigned char cr[256], hdr[4], body[64];
    char cookie[128];
    int clen = snprintf(cookie, sizeof cookie, "Cookie: mstshash=%.64s\r\n", user);
    size_t len = 4 + 7 + (size_t)clen + 8, pos = 0;
    uint32_t requested = PROTOCOL_SSL | PROTOCOL_HYBRID;

    cr[pos++] = 0x03; /* TPKT version 3, reserved, length */
    cr[pos++] = 0x00;
    cr[pos++] = (unsigned char)(len >> 8);
    cr[pos++] = (unsigned char)len;
    cr[pos++] = (unsigned char)(len - 5); /* X.224 LI: the bytes after it */
    cr[pos++] = X224_TPDU_CONNECTION_REQUEST;
    memset(cr + pos, 0, 5); /* DST-REF, SRC-REF, class 0 */
    pos += 5;
    memcpy(cr + pos, cookie, (size_t)clen);
    pos += (size_t)clen;
    cr[pos++] = TYPE_RDP_NEG_REQ;
    cr[pos++] = 0x00; /* flags */
    cr[pos++] = 0x08; /* length 8 */
    cr[pos++] = 0x00;
    for (int i = 0; i < 4; i++)
        cr[pos++] = (unsigned char)(requested >> (8 * i));
    if (demo_send_all(fd, cr, pos) < 0)
        return -1;

    if (recv_exact(fd, hdr, sizeof hdr) < 0)
        return -1;
    len = (size_t)hdr[2] << 8 | hdr[3];
    if (hdr[0] != 0x03 || len < 4 + 7 || len - 4 > sizeof body) {
        fprintf(stderr, "%s: not an RDP server (no TPKT with an X.224 Confirm)\n", demo_progname());
        return -1;
    }
    len -= 4;
    if (recv_exact(fd, body, len) < 0)
        return -1;
    if ((body[1] & 0xF0) != X224_TPDU_CONNECTION_CONFIRM || len < 7 + 8) {
        fprintf(stderr, "%s: no X.224 Connection Confirm with a negotiation response\n",
                demo_progname());
        return -1;
    }
    uint32_t value = (uint32_t)body[11] | (uint32_t)body[12] << 8 | (uint32_t)body[13] << 16 |
                     (uint32_t)body[14] << 24;
    if (body[7] == TYPE_RDP_NEG_FAILURE) {
        fprintf(stderr, "%s: the server refused the negotiation: RDP_NEG_FAILURE 0x%08lX\n",
                demo_progname(), (unsigned long)value);
        return -1;
    }
    if (body[7] != TYPE_RDP_NEG_RSP || value != PROTOCOL_HYBRID) {
        fprintf(stderr, "%s: the server selected protocol 0x%08lX, not PROTOCOL_HYBRID\n",
                demo_progname(), (unsigned long)value);
        return -1;
    }
    printf("%s: X.224 Connection Confirm, selectedProtocol PROTOCOL_HYBRID\n", demo_progname());
    return 0;
}

/*
 * The InitializeSecurityContext loop over the raw TLS byte stream: every
 * output token goes to the server; what has been read so far goes in, and
 * SEC_E_INCOMPLETE_MESSAGE means "read more and call again with all of it".
 */
static int initiate_credssp(int fd, CredHandle *cred, const char *target, ULONG req)
{
    CtxtHandle ctx;
    int have_ctx = 0, rc = -1;
    unsigned char *in = malloc(LEG_MAX);
    size_t in_len = 0;
    ULONG attrs = 0;
    TimeStamp expiry;
    SECURITY_STATUS ss = SEC_I_CONTINUE_NEEDED;

    SecInvalidateHandle(&ctx);
    if (in == NULL) {
        fprintf(stderr, "%s: out of memory\n", demo_progname());
        return -1;
    }
    for (;;) {
        SecBuffer in_bufs[2], out_buf;
        SecBufferDesc in_desc, out_desc;

        if (have_ctx && (in_len == 0 || ss == SEC_E_INCOMPLETE_MESSAGE)) {
            ssize_t n;
            if (in_len == LEG_MAX) {
                fprintf(stderr, "%s: a CredSSP message of more than %u bytes\n",
                        demo_progname(), LEG_MAX);
                goto out;
            }
            n = recv(fd, in + in_len, LEG_MAX - in_len, 0);
            if (n <= 0) {
                fprintf(stderr, "%s: the server closed the connection during CredSSP "
                                "(or timed out)\n", demo_progname());
                goto out;
            }
            in_len += (size_t)n;
        }

        in_bufs[0].BufferType = SECBUFFER_TOKEN;
        in_bufs[0].cbBuffer = (ULONG)in_len;
        in_bufs[0].pvBuffer = in;
        in_bufs[1].BufferType = SECBUFFER_EMPTY;
        in_bufs[1].cbBuffer = 0;
        in_bufs[1].pvBuffer = NULL;
        in_desc.ulVersion = SECBUFFER_VERSION;
        in_desc.cBuffers = 2;
        in_desc.pBuffers = in_bufs;

        out_buf.BufferType = SECBUFFER_TOKEN;
        out_buf.cbBuffer = 0;
        out_buf.pvBuffer = NULL;
        out_desc.ulVersion = SECBUFFER_VERSION;
        out_desc.cBuffers = 1;
        out_desc.pBuffers = &out_buf;

        ss = InitializeSecurityContextA(cred, have_ctx ? &ctx : NULL, (SEC_CHAR *)target, req, 0,
                                        SECURITY_NATIVE_DREP, have_ctx ? &in_desc : NULL, 0,
                                        &ctx, &out_desc, &attrs, &expiry);
        if (ss == SEC_E_INCOMPLETE_MESSAGE)
            continue; /* keep what we have, read the rest */
        if (out_buf.cbBuffer > 0 && out_buf.pvBuffer != NULL) {
            int sent = demo_send_all(fd, out_buf.pvBuffer, out_buf.cbBuffer);
            FreeContextBuffer(out_buf.pvBuffer);
            if (sent < 0)
                goto out;
        }
        if (ss != SEC_E_OK && ss != SEC_I_CONTINUE_NEEDED) {
            demo_print_sspi_error("InitializeSecurityContext", ss);
            goto out;
        }
        have_ctx = 1;
        if (in_bufs[1].BufferType == SECBUFFER_EXTRA && in_bufs[1].cbBuffer <= in_len) {
            memmove(in, in + in_len - in_bufs[1].cbBuffer, in_bufs[1].cbBuffer);
            in_len = in_bufs[1].cbBuffer;
        } else {
            in_len = 0;
        }
        if (ss == SEC_E_OK)
            break;
    }
    printf("CredSSP OK delegated=%s flags=", (attrs & ISC_RET_DELEGATE) ? "yes" : "no");
    demo_print_ret_flags(stdout, attrs, 1);
    printf("\n");
    rc = 0;

out:
    if (have_ctx)
        DeleteSecurityContext(&ctx);
    free(in);
    return rc;
}

static char *read_secret_file(const char *path)
{
    char line[1024];
    FILE *f = fopen(path, "r");
    char *s = NULL;
    if (f == NULL) {
        perror(path);
        return NULL;
    }
    if (fgets(line, sizeof line, f) != NULL) {
        line[strcspn(line, "\r\n")] = '\0';
        s = strdup(line);
    } else {
        fprintf(stderr, "%s: %s is empty\n", demo_progname(), path);
    }
    SecureZeroMemory(line, sizeof line);
    fclose(f);
    return s;
}

int main(int argc, char **argv)
{
    const char *user = NULL, *domain = "", *password_file = NULL, *packages = NULL;
    const char *target = "TERMSRV/localhost";
    char *password = NULL;
    unsigned short port = 0;
    ULONG req = RDP_ISC_REQ;
    CredHandle cred;
    TimeStamp expiry;
    SECURITY_STATUS ss;
    int fd, rc = 1;

    demo_set_progname(argv[0]);
    setvbuf(stdout, NULL, _IOLBF, 0);

    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--port") == 0 && i + 1 < argc) {
            if (demo_parse_port(argv[++i], 0, &port) < 0)
                return 2;
        } else if (strcmp(a, "--user") == 0 && i + 1 < argc) {
            user = argv[++i];
        } else if (strcmp(a, "--domain") == 0 && i + 1 < argc) {
            domain = argv[++i];
        } else if (strcmp(a, "--password-file") == 0 && i + 1 < argc) {
            password_file = argv[++i];
        } else if (strcmp(a, "--target") == 0 && i + 1 < argc) {
            target = argv[++i];
        } else if (strcmp(a, "--packages") == 0 && i + 1 < argc) {
            packages = argv[++i];
        } else if (strcmp(a, "--delegate") == 0) {
            req |= ISC_REQ_DELEGATE;
        } else if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            usage(stdout);
            return 0;
        } else {
            fprintf(stderr, "%s: unknown or incomplete argument '%s'\n", demo_progname(), a);
            usage(stderr);
            return 2;
        }
    }
    if (port == 0 || user == NULL || password_file == NULL) {
        usage(stderr);
        return 2;
    }
    if ((password = read_secret_file(password_file)) == NULL)
        return 2;

    /* CredSSP's credential: a password identity inside a CREDSSP_CRED (the
     * CredSSP page of AcquireCredentialsHandle); its PackageList steers
     * the inner Negotiate logon. */
    SEC_WINNT_AUTH_IDENTITY_EXA id;
    memset(&id, 0, sizeof id);
    id.Version = SEC_WINNT_AUTH_IDENTITY_VERSION;
    id.Length = sizeof id;
    id.User = (unsigned char *)user;
    id.UserLength = (ULONG)strlen(user);
    id.Domain = (unsigned char *)domain;
    id.DomainLength = (ULONG)strlen(domain);
    id.Password = (unsigned char *)password;
    id.PasswordLength = (ULONG)strlen(password);
    id.Flags = SEC_WINNT_AUTH_IDENTITY_ANSI;
    if (packages != NULL) {
        id.PackageList = (unsigned char *)packages;
        id.PackageListLength = (ULONG)strlen(packages);
    }
    CREDSSP_CRED cc;
    memset(&cc, 0, sizeof cc);
    cc.Type = CredsspPasswordCreds;
    cc.pSpnegoCred = &id;
    ss = AcquireCredentialsHandleA(NULL, (SEC_CHAR *)CREDSSP_NAME_A, SECPKG_CRED_OUTBOUND, NULL,
                                   &cc, NULL, NULL, &cred, &expiry);
    SecureZeroMemory(password, strlen(password));
    free(password);
    if (ss != SEC_E_OK) {
        demo_print_sspi_error("AcquireCredentialsHandle(CREDSSP, SECPKG_CRED_OUTBOUND)", ss);
        return 1;
    }

    fd = demo_connect(port);
    if (fd >= 0) {
        if (negotiate_hybrid(fd, user) == 0 && initiate_credssp(fd, &cred, target, req) == 0)
            rc = 0;
        demo_close(fd);
    }
    FreeCredentialsHandle(&cred);
    return rc;
}
