/*
 * sspi-rdp-server: the front door of an RDP server with Network Level
 * Authentication, written as a Windows programmer writes it (plain SSPI
 * calls on the "CREDSSP" package; only the sockets are Unix).  A real RDP
 * client (mstsc, FreeRDP's xfreerdp /sec:nla) logs on to it; the server
 * shows who logged on and checks the password the client delegated.
 *
 *   sspi-rdp-server [--port N | --port-file F] [--expect-password-file F]
 *
 * One TCP connection on 127.0.0.1:
 *   1. X.224 Connection Request in a TPKT ([MS-RDPBCGR] 2.2.1.1); its
 *      RDP_NEG_REQ must offer PROTOCOL_HYBRID (CredSSP), else the client
 *      gets an RDP_NEG_FAILURE (HYBRID_REQUIRED_BY_SERVER);
 *   2. X.224 Connection Confirm selecting PROTOCOL_HYBRID (2.2.1.2);
 *   3. the bytes that follow (TLS records: the TLS handshake, then the
 *      CredSSP TSRequests, [MS-CSSP]) go to AcceptSecurityContext on the
 *      "CREDSSP" package until it says SEC_E_OK;
 *   4. one line on stdout:
 *        CredSSP OK user=<SECPKG_ATTR_NAMES> delegated=<DOMAIN>\<user> password-matches=<yes|no>
 *      the delegated credentials coming from SECPKG_ATTR_CREDS.  The
 *      password is compared with the first line of --expect-password-file,
 *      never printed ("n/a" without that option).
 *
 * The inner logon (NTLM or Kerberos inside CredSSP) is the GSS library's:
 * with MIT krb5 and gss-ntlmssp, NTLM users come from NTLM_USER_FILE
 * (lines DOMAIN:user:password); Kerberos uses the keytab (KRB5_KTNAME).
 * The TLS certificate is $SSPI_SHIM_CREDSSP_CERT / $SSPI_SHIM_CREDSSP_KEY,
 * else a self-signed one made at start-up (clients must be told to accept
 * it, e.g. xfreerdp /cert:ignore).
 *
 * A full RDP server would go on with the MCS Connect Initial over the TLS
 * session (EncryptMessage/DecryptMessage); this example stops after the
 * logon.  Exit status: 0 after CredSSP OK, 1 on any failure (the
 * SECURITY_STATUS is printed with its name), 2 on a usage error.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "demo_net.h"
#include "sspi_shim.h"

/* Windows' SecureZeroMemory (winnt.h): a wipe the compiler keeps. */
#ifndef SecureZeroMemory
#define SecureZeroMemory(p, n) explicit_bzero((p), (n))
#endif

/* [MS-RDPBCGR] 2.2.1.1.1 / 2.2.1.2.1 / 2.2.1.2.2 */
#define TYPE_RDP_NEG_REQ 0x01
#define TYPE_RDP_NEG_RSP 0x02
#define TYPE_RDP_NEG_FAILURE 0x03
#define PROTOCOL_SSL 0x00000001u
#define PROTOCOL_HYBRID 0x00000002u
#define HYBRID_REQUIRED_BY_SERVER 0x00000005u

/* X.224 TPDU codes (ITU-T X.224 13.3.3, 13.4.3). */
#define X224_TPDU_CONNECTION_REQUEST 0xE0
#define X224_TPDU_CONNECTION_CONFIRM 0xD0

/* A Connection Request is small (cookie or routing token, RDP_NEG_REQ,
 * correlation info): refuse anything much bigger. */
#define CR_MAX 1024
/* What one CredSSP leg may hold before we give up (TLS handshake records,
 * a TSRequest with a Kerberos ticket). */
#define LEG_MAX (256u * 1024u)

#define RDP_ASC_REQ (ASC_REQ_CONFIDENTIALITY | ASC_REQ_INTEGRITY | ASC_REQ_SEQUENCE_DETECT | \
                     ASC_REQ_REPLAY_DETECT | ASC_REQ_ALLOCATE_MEMORY | ASC_REQ_EXTENDED_ERROR)

static void usage(FILE *out)
{
    fprintf(out,
            "usage: %s [--port N | --port-file FILE] [--expect-password-file FILE]\n"
            "\n"
            "  --port N                    TCP port on 127.0.0.1 (default 0: a free port,\n"
            "                              printed on stdout)\n"
            "  --port-file F               also write the port actually bound to F\n"
            "  --expect-password-file F    compare the delegated password with the\n"
            "                              first line of F (it is never printed)\n",
            demo_progname());
}

/* Reads exactly len bytes. */
static int recv_exact(int fd, unsigned char *buf, size_t len)
{
    size_t got = 0;
    while (got < len) {
        ssize_t n = recv(fd, buf + got, len - got, 0);
        if (n <= 0) {
            fprintf(stderr, "%s: the client closed the connection (or timed out)\n",
                    demo_progname());
            return -1;
        }
        got += (size_t)n;
    }
    return 0;
}

static uint32_t le32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* Connection Confirm (or, with failure set, an RDP_NEG_FAILURE carrying
 * code): TPKT, X.224 CC TPDU, then the 8-byte negotiation structure. */
static int send_confirm(int fd, int failure, uint32_t value)
{
    unsigned char cc[19] = {
        0x03, 0x00, 0x00, 0x13,                  /* TPKT: version 3, length 19 */
        0x0E, X224_TPDU_CONNECTION_CONFIRM,      /* LI 14, CC */
        0x00, 0x00, 0x12, 0x34, 0x00,            /* DST-REF, SRC-REF, class 0 */
        failure ? TYPE_RDP_NEG_FAILURE : TYPE_RDP_NEG_RSP,
        0x00, 0x08, 0x00,                        /* flags, length 8 */
        (unsigned char)value, (unsigned char)(value >> 8), (unsigned char)(value >> 16),
        (unsigned char)(value >> 24),
    };
    return demo_send_all(fd, cc, sizeof cc);
}

/*
 * Reads the X.224 Connection Request and answers it.  Returns 0 when
 * PROTOCOL_HYBRID was selected, -1 otherwise (refused or broken).
 */
static int negotiate_hybrid(int fd)
{
    unsigned char hdr[4], body[CR_MAX];
    size_t tpkt_len, len, pos;
    uint32_t requested;

    if (recv_exact(fd, hdr, sizeof hdr) < 0)
        return -1;
    tpkt_len = (size_t)hdr[2] << 8 | hdr[3];
    if (hdr[0] != 0x03 || tpkt_len < 4 + 7 || tpkt_len - 4 > sizeof body) {
        fprintf(stderr, "%s: not an RDP client (no TPKT header with an X.224 request)\n",
                demo_progname());
        return -1;
    }
    len = tpkt_len - 4;
    if (recv_exact(fd, body, len) < 0)
        return -1;
    /* X.224 CR TPDU: LI, code, DST-REF(2), SRC-REF(2), class; LI counts
     * the bytes after itself. */
    if (body[0] + 1u != len || (body[1] & 0xF0) != X224_TPDU_CONNECTION_REQUEST) {
        fprintf(stderr, "%s: not an X.224 Connection Request\n", demo_progname());
        return -1;
    }
    pos = 7;
    /* Optional routingToken or cookie ("Cookie: mstshash=user"), ended by
     * CR LF (2.2.1.1). */
    if (len - pos >= 5 && (memcmp(body + pos, "Cookie", 6) == 0 || body[pos] != TYPE_RDP_NEG_REQ)) {
        while (pos + 1 < len && !(body[pos] == '\r' && body[pos + 1] == '\n'))
            pos++;
        pos += 2;
    }
    if (pos + 8 > len || body[pos] != TYPE_RDP_NEG_REQ || body[pos + 2] != 8 || body[pos + 3] != 0) {
        /* No RDP_NEG_REQ: a client of Standard RDP Security only. */
        fprintf(stderr, "%s: the client offers no security protocol negotiation "
                        "(Standard RDP Security only); this server requires CredSSP\n",
                demo_progname());
        send_confirm(fd, 1, HYBRID_REQUIRED_BY_SERVER);
        return -1;
    }
    requested = le32(body + pos + 4);
    printf("%s: X.224 Connection Request, requestedProtocols 0x%08lX\n", demo_progname(),
           (unsigned long)requested);
    if (!(requested & PROTOCOL_HYBRID)) {
        fprintf(stderr, "%s: the client does not offer PROTOCOL_HYBRID (CredSSP, NLA); "
                        "refused with HYBRID_REQUIRED_BY_SERVER\n",
                demo_progname());
        send_confirm(fd, 1, HYBRID_REQUIRED_BY_SERVER);
        return -1;
    }
    if (send_confirm(fd, 0, PROTOCOL_HYBRID) < 0)
        return -1;
    printf("%s: X.224 Connection Confirm, selectedProtocol PROTOCOL_HYBRID\n", demo_progname());
    return 0;
}

/* UTF-16 (as SSPI's wide strings) to a malloc'd UTF-8 string, as
 * WideCharToMultiByte(CP_UTF8) would; NULL in gives "". */
static char *to_utf8(PCWSTR w)
{
    size_t n = 0, o = 0;
    char *s;
    while (w != NULL && w[n] != 0)
        n++;
    s = malloc(n * 3 + 1);
    if (s == NULL)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        uint32_t c = w[i];
        if (c >= 0xD800 && c <= 0xDBFF && i + 1 < n && w[i + 1] >= 0xDC00 && w[i + 1] <= 0xDFFF) {
            c = 0x10000 + ((c - 0xD800) << 10) + (w[i + 1] - 0xDC00u);
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
        } else {
            s[o++] = (char)(0xF0 | c >> 18);
            s[o++] = (char)(0x80 | ((c >> 12) & 0x3F));
            s[o++] = (char)(0x80 | ((c >> 6) & 0x3F));
            s[o++] = (char)(0x80 | (c & 0x3F));
        }
    }
    s[o] = '\0';
    return s;
}

/* Compares without stopping at the first difference. */
static int same_secret(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    unsigned char diff = (unsigned char)(la != lb);
    for (size_t i = 0; i < la && i < lb; i++)
        diff |= (unsigned char)(a[i] ^ b[i]);
    return diff == 0;
}

/* The first line of path (a password), malloc'd. */
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

/* After SEC_E_OK: who logged on, and what they delegated. */
static int report(CtxtHandle *ctx, const char *expected_password)
{
    SecPkgContext_NamesA names;
    SecPkgContext_ClientCreds creds;
    PSEC_WINNT_AUTH_IDENTITY_OPAQUE identity = NULL;
    PCWSTR user_w = NULL, domain_w = NULL, password_w = NULL;
    char *user = NULL, *domain = NULL, *password = NULL;
    const char *matches = "n/a";
    SECURITY_STATUS ss;
    int rc = -1;

    ss = QueryContextAttributesA(ctx, SECPKG_ATTR_NAMES, &names);
    if (ss != SEC_E_OK) {
        demo_print_sspi_error("QueryContextAttributes(SECPKG_ATTR_NAMES)", ss);
        return -1;
    }

    /* The credentials the client delegated (TSCredentials), marshaled. */
    ss = QueryContextAttributesA(ctx, SECPKG_ATTR_CREDS, &creds);
    if (ss != SEC_E_OK) {
        demo_print_sspi_error("QueryContextAttributes(SECPKG_ATTR_CREDS)", ss);
        FreeContextBuffer(names.sUserName);
        return -1;
    }
    ss = SspiUnmarshalAuthIdentity(creds.AuthBufferLen, (char *)creds.AuthBuffer, &identity);
    SecureZeroMemory(creds.AuthBuffer, creds.AuthBufferLen);
    FreeContextBuffer(creds.AuthBuffer);
    if (ss != SEC_E_OK) {
        demo_print_sspi_error("SspiUnmarshalAuthIdentity", ss);
        goto out;
    }
    ss = SspiEncodeAuthIdentityAsStrings(identity, &user_w, &domain_w, &password_w);
    if (ss != SEC_E_OK) {
        demo_print_sspi_error("SspiEncodeAuthIdentityAsStrings", ss);
        goto out;
    }
    user = to_utf8(user_w);
    domain = to_utf8(domain_w);
    password = to_utf8(password_w);
    if (user == NULL || domain == NULL || password == NULL) {
        fprintf(stderr, "%s: out of memory\n", demo_progname());
        goto out;
    }
    if (expected_password != NULL)
        matches = same_secret(password, expected_password) ? "yes" : "no";
    printf("CredSSP OK user=%s delegated=%s\\%s password-matches=%s\n",
           names.sUserName ? (const char *)names.sUserName : "", domain, user, matches);
    rc = 0;

out:
    if (password != NULL) {
        SecureZeroMemory(password, strlen(password));
        free(password);
    }
    free(user);
    free(domain);
    if (password_w != NULL) {
        size_t n = 0;
        while (password_w[n] != 0)
            n++;
        SecureZeroMemory((void *)password_w, n * sizeof(WCHAR));
        SspiFreeAuthIdentity((PVOID)password_w);
    }
    SspiFreeAuthIdentity((PVOID)user_w);
    SspiFreeAuthIdentity((PVOID)domain_w);
    if (identity != NULL) {
        SspiZeroAuthIdentity(identity);
        SspiFreeAuthIdentity(identity);
    }
    FreeContextBuffer(names.sUserName);
    return rc;
}

/*
 * With PROTOCOL_HYBRID the client does not wait after its credentials: its
 * first RDP PDU (MCS Connect Initial) may have come in the same read, and
 * AcceptSecurityContext left it in SECBUFFER_EXTRA.  It is a TLS record of
 * the session CredSSP set up: DecryptMessage opens it (Schannel's layout:
 * one DATA buffer in, STREAM_HEADER / DATA / STREAM_TRAILER / EXTRA out).
 */
static void show_first_pdu(CtxtHandle *ctx, unsigned char *data, size_t len)
{
    SecBuffer bufs[4];
    SecBufferDesc desc;
    SECURITY_STATUS ss;

    bufs[0].BufferType = SECBUFFER_DATA;
    bufs[0].cbBuffer = (ULONG)len;
    bufs[0].pvBuffer = data;
    for (int i = 1; i < 4; i++) {
        bufs[i].BufferType = SECBUFFER_EMPTY;
        bufs[i].cbBuffer = 0;
        bufs[i].pvBuffer = NULL;
    }
    desc.ulVersion = SECBUFFER_VERSION;
    desc.cBuffers = 4;
    desc.pBuffers = bufs;
    ss = DecryptMessage(ctx, &desc, 0, NULL);
    if (ss != SEC_E_OK) {
        demo_print_sspi_error("DecryptMessage(first RDP PDU)", ss);
        return;
    }
    for (int i = 0; i < 4; i++) {
        const unsigned char *p = bufs[i].pvBuffer;
        if (bufs[i].BufferType != SECBUFFER_DATA)
            continue;
        printf("%s: first RDP PDU after NLA: %lu bytes%s\n", demo_progname(),
               (unsigned long)bufs[i].cbBuffer,
               bufs[i].cbBuffer >= 4 && p[0] == 0x03 ? " (TPKT: X.224 data, MCS Connect Initial)"
                                                     : "");
    }
}

/*
 * The AcceptSecurityContext loop over the raw TLS byte stream: what has
 * been read so far goes in; SEC_E_INCOMPLETE_MESSAGE means "read more and
 * call again with all of it"; every output token goes to the client.
 */
static int accept_credssp(int fd, CredHandle *cred, const char *expected_password)
{
    CtxtHandle ctx;
    int have_ctx = 0, rc = -1;
    unsigned char *in = malloc(LEG_MAX);
    size_t in_len = 0;
    ULONG attrs = 0;
    TimeStamp expiry;
    SECURITY_STATUS ss = SEC_E_OK;

    SecInvalidateHandle(&ctx);
    if (in == NULL) {
        fprintf(stderr, "%s: out of memory\n", demo_progname());
        return -1;
    }
    for (;;) {
        SecBuffer in_bufs[2], out_buf;
        SecBufferDesc in_desc, out_desc;

        if (in_len == 0 || ss == SEC_E_INCOMPLETE_MESSAGE) {
            ssize_t n;
            if (in_len == LEG_MAX) {
                fprintf(stderr, "%s: a CredSSP message of more than %u bytes\n",
                        demo_progname(), LEG_MAX);
                goto out;
            }
            n = recv(fd, in + in_len, LEG_MAX - in_len, 0);
            if (n <= 0) {
                fprintf(stderr, "%s: the client closed the connection during CredSSP "
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

        ss = AcceptSecurityContext(cred, have_ctx ? &ctx : NULL, &in_desc, RDP_ASC_REQ,
                                   SECURITY_NATIVE_DREP, &ctx, &out_desc, &attrs, &expiry);
        if (ss == SEC_E_INCOMPLETE_MESSAGE)
            continue; /* keep what we have, read the rest */

        /* A token goes out even with an error (ASC_REQ_EXTENDED_ERROR: the
         * client learns why). */
        if (out_buf.cbBuffer > 0 && out_buf.pvBuffer != NULL) {
            int sent = demo_send_all(fd, out_buf.pvBuffer, out_buf.cbBuffer);
            FreeContextBuffer(out_buf.pvBuffer);
            if (sent < 0)
                goto out;
        }
        if (ss != SEC_E_OK && ss != SEC_I_CONTINUE_NEEDED) {
            demo_print_sspi_error("AcceptSecurityContext", ss);
            goto out;
        }
        have_ctx = 1;

        /* Bytes after the message the package used (Schannel's
         * SECBUFFER_EXTRA) start the next call's input. */
        if (in_bufs[1].BufferType == SECBUFFER_EXTRA && in_bufs[1].cbBuffer <= in_len) {
            memmove(in, in + in_len - in_bufs[1].cbBuffer, in_bufs[1].cbBuffer);
            in_len = in_bufs[1].cbBuffer;
        } else {
            in_len = 0;
        }
        if (ss == SEC_E_OK)
            break;
    }
    rc = report(&ctx, expected_password);
    if (rc == 0 && in_len > 0)
        show_first_pdu(&ctx, in, in_len);

out:
    if (have_ctx)
        DeleteSecurityContext(&ctx);
    SecureZeroMemory(in, LEG_MAX);
    free(in);
    return rc;
}

int main(int argc, char **argv)
{
    const char *port_file = NULL, *password_file = NULL;
    char *expected_password = NULL;
    unsigned short port = 0, bound = 0;
    CredHandle cred;
    TimeStamp expiry;
    SECURITY_STATUS ss;
    int lfd, cfd, rc = 1;

    demo_set_progname(argv[0]);
    setvbuf(stdout, NULL, _IOLBF, 0);

    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--port") == 0 && i + 1 < argc) {
            if (demo_parse_port(argv[++i], 1, &port) < 0)
                return 2;
        } else if (strcmp(a, "--port-file") == 0 && i + 1 < argc) {
            port_file = argv[++i];
        } else if (strcmp(a, "--expect-password-file") == 0 && i + 1 < argc) {
            password_file = argv[++i];
        } else if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            usage(stdout);
            return 0;
        } else {
            fprintf(stderr, "%s: unknown or incomplete argument '%s'\n", demo_progname(), a);
            usage(stderr);
            return 2;
        }
    }
    if (password_file != NULL && (expected_password = read_secret_file(password_file)) == NULL)
        return 2;

    /* The server's CredSSP credential: the TLS certificate and the inner
     * acceptor (NTLM's user store, the Kerberos keytab). */
    ss = AcquireCredentialsHandleA(NULL, (SEC_CHAR *)CREDSSP_NAME_A, SECPKG_CRED_INBOUND, NULL,
                                   NULL, NULL, NULL, &cred, &expiry);
    if (ss != SEC_E_OK) {
        demo_print_sspi_error("AcquireCredentialsHandle(CREDSSP, SECPKG_CRED_INBOUND)", ss);
        goto free_password;
    }

    lfd = demo_listen(port, &bound);
    if (lfd < 0)
        goto free_cred;
    if (port_file != NULL && demo_write_port_file(port_file, bound) < 0) {
        demo_close(lfd);
        goto free_cred;
    }
    printf("%s: listening on 127.0.0.1:%u\n", demo_progname(), (unsigned)bound);

    cfd = demo_accept(lfd);
    demo_close(lfd);
    if (cfd < 0)
        goto free_cred;
    if (negotiate_hybrid(cfd) == 0 && accept_credssp(cfd, &cred, expected_password) == 0)
        rc = 0;
    demo_close(cfd);

free_cred:
    FreeCredentialsHandle(&cred);
free_password:
    if (expected_password != NULL) {
        SecureZeroMemory(expected_password, strlen(expected_password));
        free(expected_password);
    }
    return rc;
}
