/*
 * sspi-sasl-sample: SASL DIGEST-MD5 (RFC 2831) through the "WDigest"
 * package, speaking the line protocol of Cyrus SASL's sample programs
 * (sasl-sample-server / sasl-sample-client) on stdin/stdout, so that each
 * can be tested against the other's real implementation:
 *
 *   server -> client   "S: <base64>"      client -> server   "C: <base64>"
 *
 *   sspi-sasl-sample --server [--htdigest F | --passwords F] [--qop L] [--ciphers L]
 *                    [--realm R]
 *   sspi-sasl-sample --client --user U --password-file F
 *                    [--service sample] [--host localhost] [--qop auth|auth-int|auth-conf]
 *
 * Server (AcceptSecurityContext without ASC_REQ_HTTP: SASL mode): sends the
 * mechanism list "DIGEST-MD5", reads the client's choice, answers with the
 * challenge of a first leg (empty token), verifies the response (second
 * leg: the output is rspauth), reads the client's empty final response,
 * then sends "srv message 1" through the security layer and reads one
 * message back, as sasl-sample-server does.
 * Client (InitializeSecurityContext, target "service/host", the digest-uri):
 * the mirror image; --qop picks ISC_REQ_INTEGRITY (auth-int) or
 * ISC_REQ_CONFIDENTIALITY (auth-conf).  It reads the server's first
 * message and sends "client message 1", as sasl-sample-client does.
 * Security-layer messages are length-prefixed frames (RFC 2831 2.3: a
 * 4-byte length, then the EncryptMessage output: DATA then TOKEN); with
 * qop=auth the message goes as it is.
 *
 * Protocol lines go to stdout; everything else to stderr.  Lines from the
 * peer without the expected prefix (the sample programs' chatter) are
 * skipped.  Exit: 0 success, 3 authentication refused, 1 other failures,
 * 2 usage.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "demo_net.h"
#include "sspi_shim.h"

#define LINE_MAX_LEN 8192

static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* Print "<prefix><base64 of data>\n" on stdout (RFC 4648 4). */
static void send_line(char prefix, const unsigned char *d, size_t len)
{
    size_t i;
    printf("%c: ", prefix);
    for (i = 0; i + 2 < len; i += 3) {
        uint32_t v = (uint32_t)d[i] << 16 | (uint32_t)d[i + 1] << 8 | d[i + 2];
        printf("%c%c%c%c", b64[v >> 18], b64[(v >> 12) & 63], b64[(v >> 6) & 63], b64[v & 63]);
    }
    if (i < len) {
        uint32_t v = (uint32_t)d[i] << 16 | (i + 1 < len ? (uint32_t)d[i + 1] << 8 : 0);
        printf("%c%c%c=", b64[v >> 18], b64[(v >> 12) & 63], i + 1 < len ? b64[(v >> 6) & 63] : '=');
    }
    printf("\n");
    fflush(stdout);
}

/* The next "<prefix>: <base64>" line from stdin, decoded into buf (at
 * most LINE_MAX_LEN bytes).  Other lines are the peer's chatter: shown on
 * stderr and skipped.  Returns the length or -1. */
static long recv_line(char prefix, unsigned char *buf)
{
    char line[LINE_MAX_LEN * 2];
    for (;;) {
        size_t o = 0, n = 0;
        uint32_t acc = 0;
        char *p;
        if (fgets(line, sizeof line, stdin) == NULL) {
            fprintf(stderr, "%s: the peer closed the exchange\n", demo_progname());
            return -1;
        }
        line[strcspn(line, "\r\n")] = '\0';
        if (line[0] != prefix || line[1] != ':') {
            fprintf(stderr, "peer| %s\n", line);
            continue;
        }
        for (p = line + 2; *p == ' '; p++)
            ;
        for (; *p != '\0' && *p != '='; p++) {
            const char *q = strchr(b64, *p);
            if (q == NULL) {
                fprintf(stderr, "%s: bad base64 from the peer\n", demo_progname());
                return -1;
            }
            acc = acc << 6 | (uint32_t)(q - b64);
            if (++n % 4 == 0) {
                if (o + 3 > LINE_MAX_LEN)
                    return -1;
                buf[o++] = (unsigned char)(acc >> 16);
                buf[o++] = (unsigned char)(acc >> 8);
                buf[o++] = (unsigned char)acc;
                acc = 0;
            }
        }
        if (n % 4 == 2) {
            buf[o++] = (unsigned char)(acc >> 4);
        } else if (n % 4 == 3) {
            buf[o++] = (unsigned char)(acc >> 10);
            buf[o++] = (unsigned char)(acc >> 2);
        }
        return (long)o;
    }
}

/* The security layer the exchange settled on, from the returned context
 * attributes: CONFIDENTIALITY is qop=auth-conf, INTEGRITY alone auth-int,
 * neither auth (2, 1, 0).  Also shows the user and SECPKG_ATTR_KEY_INFO. */
static int established_layer(CtxtHandle *ctx, ULONG attrs, int is_isc)
{
    SecPkgContext_KeyInfoA ki;
    SecPkgContext_NamesA names;
    ULONG conf = is_isc ? ISC_RET_CONFIDENTIALITY : ASC_RET_CONFIDENTIALITY;
    ULONG integ = is_isc ? ISC_RET_INTEGRITY : ASC_RET_INTEGRITY;
    int layer = attrs & conf ? 2 : attrs & integ ? 1 : 0;

    if (QueryContextAttributesA(ctx, SECPKG_ATTR_NAMES, &names) == SEC_E_OK) {
        fprintf(stderr, "%s: authenticated user: %s\n", demo_progname(), names.sUserName);
        FreeContextBuffer(names.sUserName);
    }
    if (QueryContextAttributesA(ctx, SECPKG_ATTR_KEY_INFO, &ki) == SEC_E_OK) {
        fprintf(stderr, "%s: KEY_INFO: signature %s, encryption %s (%lu bits)\n",
                demo_progname(), ki.sSignatureAlgorithmName ? ki.sSignatureAlgorithmName : "-",
                ki.sEncryptAlgorithmName ? ki.sEncryptAlgorithmName : "-",
                (unsigned long)ki.KeySize);
        FreeContextBuffer(ki.sSignatureAlgorithmName);
        FreeContextBuffer(ki.sEncryptAlgorithmName);
    }
    fprintf(stderr, "%s: qop=%s\n", demo_progname(),
            layer == 2 ? "auth-conf" : layer == 1 ? "auth-int" : "auth");
    return layer;
}

/* Send one application message through the security layer. */
static int send_message(char prefix, CtxtHandle *ctx, int layer, const char *text)
{
    unsigned char frame[4 + 1024 + 64];
    size_t len = strlen(text);
    SecBuffer b[2];
    SecBufferDesc desc = {SECBUFFER_VERSION, 2, b};
    SECURITY_STATUS ss;
    size_t total;

    if (len > 1024)
        return -1;
    if (layer == 0) {
        send_line(prefix, (const unsigned char *)text, len);
        return 0;
    }
    memcpy(frame + 4, text, len);
    b[0] = (SecBuffer){(ULONG)len, SECBUFFER_DATA, frame + 4};
    b[1] = (SecBuffer){64, SECBUFFER_TOKEN, frame + 4 + len};
    ss = EncryptMessage(ctx, layer == 1 ? SECQOP_WRAP_NO_ENCRYPT : 0, &desc, 0);
    if (ss != SEC_E_OK) {
        demo_print_sspi_error("EncryptMessage", ss);
        return -1;
    }
    total = b[0].cbBuffer + b[1].cbBuffer;
    if (b[0].cbBuffer != len) /* DATA keeps its size: the frame is DATA then TOKEN */
        return -1;
    frame[0] = (unsigned char)(total >> 24);
    frame[1] = (unsigned char)(total >> 16);
    frame[2] = (unsigned char)(total >> 8);
    frame[3] = (unsigned char)total;
    send_line(prefix, frame, 4 + total);
    fprintf(stderr, "%s: sent '%s' (%s)\n", demo_progname(), text,
            layer == 2 ? "encrypted" : "integrity protected");
    return 0;
}

/* Receive one application message; prints it on stderr. */
static int recv_message(char prefix, CtxtHandle *ctx, int layer)
{
    unsigned char buf[LINE_MAX_LEN + 1];
    long n = recv_line(prefix, buf);
    SecBuffer b[2];
    SecBufferDesc desc = {SECBUFFER_VERSION, 2, b};
    SECURITY_STATUS ss;
    ULONG qop = 0;
    size_t flen;

    if (n < 0)
        return -1;
    if (layer == 0) {
        buf[n] = '\0';
        fprintf(stderr, "%s: received '%s'\n", demo_progname(), (char *)buf);
        return 0;
    }
    if (n < 4)
        return -1;
    flen = (size_t)buf[0] << 24 | (size_t)buf[1] << 16 | (size_t)buf[2] << 8 | buf[3];
    if (flen != (size_t)n - 4) {
        fprintf(stderr, "%s: frame length %zu, but %ld bytes came\n", demo_progname(), flen, n - 4);
        return -1;
    }
    b[0] = (SecBuffer){(ULONG)flen, SECBUFFER_STREAM, buf + 4};
    b[1] = (SecBuffer){0, SECBUFFER_DATA, NULL};
    ss = DecryptMessage(ctx, &desc, 0, &qop);
    if (ss != SEC_E_OK) {
        demo_print_sspi_error("DecryptMessage", ss);
        return -1;
    }
    fprintf(stderr, "%s: received '%.*s' (%s)\n", demo_progname(), (int)b[1].cbBuffer,
            (const char *)b[1].pvBuffer, qop == SECQOP_WRAP_NO_ENCRYPT ? "integrity only" : "decrypted");
    return 0;
}

static int run_server(CredHandle *cred)
{
    unsigned char buf[LINE_MAX_LEN + 1];
    CtxtHandle ctx;
    SecBuffer in, out;
    SecBufferDesc in_desc = {SECBUFFER_VERSION, 1, &in}, out_desc = {SECBUFFER_VERSION, 1, &out};
    ULONG attrs;
    SECURITY_STATUS ss;
    long n;
    int layer, rc = 1;
    const ULONG req = ASC_REQ_ALLOCATE_MEMORY | ASC_REQ_MUTUAL_AUTH | ASC_REQ_INTEGRITY |
                      ASC_REQ_CONFIDENTIALITY | ASC_REQ_REPLAY_DETECT | ASC_REQ_SEQUENCE_DETECT;

    send_line('S', (const unsigned char *)"DIGEST-MD5", 10);
    n = recv_line('C', buf);
    if (n < 10 || memcmp(buf, "DIGEST-MD5", 10) != 0 || (n > 10 && buf[10] != '\0')) {
        fprintf(stderr, "%s: the client did not choose DIGEST-MD5\n", demo_progname());
        return 1;
    }
    /* First leg: empty token in, the digest-challenge out (RFC 2831 2.1.1). */
    in = (SecBuffer){0, SECBUFFER_TOKEN, NULL};
    out = (SecBuffer){0, SECBUFFER_TOKEN, NULL};
    ss = AcceptSecurityContext(cred, NULL, &in_desc, req, 0, &ctx, &out_desc, &attrs, NULL);
    if (ss != SEC_I_CONTINUE_NEEDED) {
        demo_print_sspi_error("AcceptSecurityContext (challenge)", ss);
        return 1;
    }
    send_line('S', out.pvBuffer, out.cbBuffer);
    FreeContextBuffer(out.pvBuffer);
    /* Second leg: the digest-response in, rspauth out (RFC 2831 2.1.3). */
    n = recv_line('C', buf);
    if (n < 0)
        goto out;
    in = (SecBuffer){(ULONG)n, SECBUFFER_TOKEN, buf};
    out = (SecBuffer){0, SECBUFFER_TOKEN, NULL};
    ss = AcceptSecurityContext(cred, &ctx, &in_desc, req, 0, &ctx, &out_desc, &attrs, NULL);
    if (ss != SEC_E_OK) {
        demo_print_sspi_error("AcceptSecurityContext (response)", ss);
        if (out.pvBuffer != NULL)
            FreeContextBuffer(out.pvBuffer);
        rc = ss == SEC_E_LOGON_DENIED ? 3 : 1;
        goto out;
    }
    send_line('S', out.pvBuffer, out.cbBuffer);
    if (out.pvBuffer != NULL)
        FreeContextBuffer(out.pvBuffer);
    /* The client's empty answer to rspauth (RFC 2831 2.1.3 ends there). */
    if (recv_line('C', buf) < 0)
        goto out;
    fprintf(stderr, "%s: negotiation complete; ASC_RET ", demo_progname());
    demo_print_ret_flags(stderr, attrs, 0);
    fputc('\n', stderr);
    layer = established_layer(&ctx, attrs, 0);
    if (send_message('S', &ctx, layer, "srv message 1") < 0 || recv_message('C', &ctx, layer) < 0)
        goto out;
    rc = 0;
out:
    DeleteSecurityContext(&ctx);
    return rc;
}

static int run_client(CredHandle *cred, const char *target, const char *qop)
{
    unsigned char buf[LINE_MAX_LEN + 1];
    CtxtHandle ctx;
    SecBuffer in, out;
    SecBufferDesc in_desc = {SECBUFFER_VERSION, 1, &in}, out_desc = {SECBUFFER_VERSION, 1, &out};
    ULONG attrs, req = ISC_REQ_ALLOCATE_MEMORY | ISC_REQ_MUTUAL_AUTH;
    SECURITY_STATUS ss;
    long n;
    int layer, rc = 1, have_ctx = 0;

    if (strcmp(qop, "auth-int") == 0)
        req |= ISC_REQ_INTEGRITY | ISC_REQ_REPLAY_DETECT | ISC_REQ_SEQUENCE_DETECT;
    else if (strcmp(qop, "auth-conf") == 0)
        req |= ISC_REQ_INTEGRITY | ISC_REQ_CONFIDENTIALITY | ISC_REQ_REPLAY_DETECT |
               ISC_REQ_SEQUENCE_DETECT;
    n = recv_line('S', buf);
    if (n < 0)
        return 1;
    buf[n] = '\0';
    if (strstr((char *)buf, "DIGEST-MD5") == NULL) {
        fprintf(stderr, "%s: the server does not offer DIGEST-MD5: %s\n", demo_progname(), buf);
        return 1;
    }
    send_line('C', (const unsigned char *)"DIGEST-MD5", 10);
    for (;;) {
        n = recv_line('S', buf);
        if (n < 0)
            goto out;
        in = (SecBuffer){(ULONG)n, SECBUFFER_TOKEN, buf};
        out = (SecBuffer){0, SECBUFFER_TOKEN, NULL};
        ss = InitializeSecurityContextA(cred, have_ctx ? &ctx : NULL, (SEC_CHAR *)target, req, 0,
                                        0, &in_desc, 0, &ctx, &out_desc, &attrs, NULL);
        if (ss != SEC_E_OK && ss != SEC_I_CONTINUE_NEEDED) {
            demo_print_sspi_error("InitializeSecurityContext", ss);
            if (out.pvBuffer != NULL)
                FreeContextBuffer(out.pvBuffer);
            goto out;
        }
        have_ctx = 1;
        /* On SEC_E_OK (rspauth verified) the output is empty: the empty
         * final response the sample server waits for. */
        send_line('C', out.pvBuffer, out.pvBuffer ? out.cbBuffer : 0);
        if (out.pvBuffer != NULL)
            FreeContextBuffer(out.pvBuffer);
        if (ss == SEC_E_OK)
            break;
    }
    fprintf(stderr, "%s: negotiation complete, server authenticated by rspauth; ISC_RET ",
            demo_progname());
    demo_print_ret_flags(stderr, attrs, 1);
    fputc('\n', stderr);
    layer = established_layer(&ctx, attrs, 1);
    if (recv_message('S', &ctx, layer) < 0 || send_message('C', &ctx, layer, "client message 1") < 0)
        goto out;
    rc = 0;
out:
    if (have_ctx)
        DeleteSecurityContext(&ctx);
    return rc;
}

int main(int argc, char **argv)
{
    const char *user = NULL, *pwfile = NULL, *service = "sample", *host = "localhost";
    const char *qop = "auth";
    char password[256], target[512];
    int a, server = -1, rc, use_conf = 0;
    SSPI_SHIM_DIGEST_SERVER_CONFIG conf;
    SEC_WINNT_AUTH_IDENTITY_A id;
    CredHandle cred;
    TimeStamp expiry;
    SECURITY_STATUS ss;

    demo_set_progname(argv[0]);
    memset(&conf, 0, sizeof conf);
    conf.Version = SSPI_SHIM_DIGEST_SERVER_CONFIG_VERSION;
    for (a = 1; a < argc; a++) {
        const char *o = argv[a], *v = a + 1 < argc ? argv[a + 1] : NULL;
        if (strcmp(o, "--server") == 0 || strcmp(o, "--client") == 0) {
            server = o[2] == 's';
            continue;
        }
        if (v == NULL) {
            fprintf(stderr, "%s: unknown or incomplete argument '%s'\n", demo_progname(), o);
            return 2;
        }
        a++;
        if (strcmp(o, "--user") == 0)
            user = v;
        else if (strcmp(o, "--password-file") == 0)
            pwfile = v;
        else if (strcmp(o, "--service") == 0)
            service = v;
        else if (strcmp(o, "--host") == 0)
            host = v;
        else if (strcmp(o, "--qop") == 0)
            qop = v, conf.Qop = v;
        else if (strcmp(o, "--htdigest") == 0)
            conf.HtdigestFile = v, use_conf = 1;
        else if (strcmp(o, "--passwords") == 0)
            conf.PasswordFile = v, use_conf = 1;
        else if (strcmp(o, "--ciphers") == 0)
            conf.SaslCiphers = v, use_conf = 1;
        else if (strcmp(o, "--realm") == 0)
            conf.Realm = v, use_conf = 1;
        else {
            fprintf(stderr, "%s: unknown argument '%s'\n", demo_progname(), o);
            return 2;
        }
    }
    if (server < 0 || (!server && (user == NULL || pwfile == NULL))) {
        fprintf(stderr, "usage: %s --server [--htdigest F | --passwords F] [--qop L] "
                        "[--ciphers L] [--realm R]\n"
                        "       %s --client --user U --password-file F [--service S] "
                        "[--host H] [--qop auth|auth-int|auth-conf]\n",
                demo_progname(), demo_progname());
        return 2;
    }

    if (server) {
        if (conf.Qop != NULL)
            use_conf = 1;
        ss = AcquireCredentialsHandleA(NULL, (SEC_CHAR *)"WDigest", SECPKG_CRED_INBOUND, NULL,
                                       use_conf ? &conf : NULL, NULL, NULL, &cred, &expiry);
        if (ss != SEC_E_OK) {
            demo_print_sspi_error("AcquireCredentialsHandle(WDigest, INBOUND)", ss);
            return 1;
        }
        rc = run_server(&cred);
    } else {
        FILE *f = fopen(pwfile, "r");
        if (f == NULL || fgets(password, sizeof password, f) == NULL) {
            fprintf(stderr, "%s: cannot read %s\n", demo_progname(), pwfile);
            if (f != NULL)
                fclose(f);
            return 2;
        }
        fclose(f);
        password[strcspn(password, "\r\n")] = '\0';
        memset(&id, 0, sizeof id);
        id.User = (unsigned char *)user;
        id.UserLength = (ULONG)strlen(user);
        id.Password = (unsigned char *)password;
        id.PasswordLength = (ULONG)strlen(password);
        id.Flags = SEC_WINNT_AUTH_IDENTITY_ANSI;
        ss = AcquireCredentialsHandleA(NULL, (SEC_CHAR *)"WDigest", SECPKG_CRED_OUTBOUND, NULL,
                                       &id, NULL, NULL, &cred, &expiry);
        explicit_bzero(password, sizeof password);
        if (ss != SEC_E_OK) {
            demo_print_sspi_error("AcquireCredentialsHandle(WDigest, OUTBOUND)", ss);
            return 1;
        }
        /* SASL target: the digest-uri "service/host" (RFC 2831 2.1.2). */
        snprintf(target, sizeof target, "%s/%s", service, host);
        rc = run_client(&cred, target, qop);
    }
    FreeCredentialsHandle(&cred);
    fprintf(stderr, "%s: %s\n", demo_progname(), rc == 0 ? "done" : "FAILED");
    return rc;
}
