/*
 * sspi-http-client: an HTTP Digest (RFC 7616) client written the way
 * Windows code drives the "WDigest" package (curl's lib/vauth/digest_sspi.c
 * is the model):
 *
 *   sspi-http-client --user U (--password P | --password-file F)
 *                    [--domain D] [--requests N] http://127.0.0.1:PORT/PATH
 *
 *   1. GET PATH without credentials: the server answers 401 with
 *      "WWW-Authenticate: Digest ...";
 *   2. AcquireCredentialsHandle("WDigest", SECPKG_CRED_OUTBOUND, a
 *      SEC_WINNT_AUTH_IDENTITY) and InitializeSecurityContext with
 *      ISC_REQ_USE_HTTP_STYLE, the target name the request-URI, and the
 *      input buffers of the InitializeSecurityContext (Digest) page:
 *      TOKEN the challenge, PKG_PARAMS the method, PKG_PARAMS H(entity);
 *      its output is the Authorization value;
 *   3. GET PATH with it: 200, with "Authentication-Info: rspauth=..."
 *      when the server proves it knows the password too; that value goes
 *      to a final InitializeSecurityContext, which verifies rspauth
 *      (mutual authentication);
 *   4. each further request (--requests N, default 2) reuses the nonce
 *      with the next nonce count: MakeSignature with TOKEN, PKG_PARAMS
 *      method, PKG_PARAMS URI, PKG_PARAMS (none), PADDING (the output: the
 *      next Authorization value), exactly as curl does on Windows.
 *
 * Only loopback (127.0.0.1) servers: this is a demo and a test client.
 * Exit status: 0 when every request got 200 (and rspauth, when sent,
 * verified), 3 when the server refused the credentials (401 after the
 * response), 1 on any other failure, 2 on a usage error.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "demo_net.h"
#include "sspi_shim.h"

#define HTTP_RESPONSE_MAX (64u * 1024u)

/* curl's flag for Digest over SSPI, and mutual authentication: the
 * context stays open for the server's Authentication-Info (rspauth). */
#define CLIENT_ISC_REQ (ISC_REQ_USE_HTTP_STYLE | ISC_REQ_MUTUAL_AUTH)

struct response {
    int status;
    char *www_auth;  /* first "WWW-Authenticate: Digest" value, or NULL */
    char *auth_info; /* Authentication-Info value, or NULL */
    int close;       /* the server closes the connection */
    char body[512];
};

static void usage(FILE *out)
{
    fprintf(out,
            "usage: %s --user U (--password P | --password-file F) [--domain D]\n"
            "          [--requests N] http://127.0.0.1:PORT/PATH\n",
            demo_progname());
}

static void response_clear(struct response *r)
{
    free(r->www_auth);
    free(r->auth_info);
    memset(r, 0, sizeof *r);
}

/* Read one response (status line, headers, Content-Length body). */
static int read_response(int fd, struct response *r)
{
    char *buf = malloc(HTTP_RESPONSE_MAX + 1), *end, *line, *next;
    size_t len = 0, hdr_len, body_len = 0, have;

    memset(r, 0, sizeof *r);
    if (buf == NULL)
        return -1;
    for (;;) {
        ssize_t n;
        buf[len] = '\0';
        end = strstr(buf, "\r\n\r\n");
        if (end != NULL)
            break;
        if (len >= HTTP_RESPONSE_MAX)
            goto bad;
        n = recv(fd, buf + len, HTTP_RESPONSE_MAX - len, 0);
        if (n <= 0)
            goto bad;
        len += (size_t)n;
    }
    hdr_len = (size_t)(end - buf) + 4;
    *end = '\0';
    if (sscanf(buf, "HTTP/1.%*d %d", &r->status) != 1)
        goto bad;
    for (line = strstr(buf, "\r\n"); line != NULL; line = next) {
        char *value;
        line += 2;
        next = strstr(line, "\r\n");
        if (next != NULL)
            *next = '\0';
        value = strchr(line, ':');
        if (value == NULL)
            continue;
        *value++ = '\0';
        while (*value == ' ' || *value == '\t')
            value++;
        if (strcasecmp(line, "WWW-Authenticate") == 0 && r->www_auth == NULL &&
            strncasecmp(value, "Digest", 6) == 0 && (value[6] == ' ' || value[6] == '\t'))
            r->www_auth = strdup(value);
        else if (strcasecmp(line, "Authentication-Info") == 0 && r->auth_info == NULL)
            r->auth_info = strdup(value);
        else if (strcasecmp(line, "Content-Length") == 0)
            body_len = strtoul(value, NULL, 10);
        else if (strcasecmp(line, "Connection") == 0 && strcasecmp(value, "close") == 0)
            r->close = 1;
    }
    if (body_len > HTTP_RESPONSE_MAX)
        goto bad;
    /* The body: what came with the header, then the rest. */
    have = len - hdr_len;
    while (have < body_len) {
        char chunk[4096];
        size_t want = body_len - have < sizeof chunk ? body_len - have : sizeof chunk;
        ssize_t n = recv(fd, chunk, want, 0);
        if (n <= 0)
            goto bad;
        if (have < sizeof r->body - 1) {
            size_t c = (size_t)n < sizeof r->body - 1 - have ? (size_t)n : sizeof r->body - 1 - have;
            memcpy(r->body + have, chunk, c);
        }
        have += (size_t)n;
    }
    if (len - hdr_len > 0) {
        size_t c = len - hdr_len < sizeof r->body - 1 ? len - hdr_len : sizeof r->body - 1;
        memcpy(r->body, buf + hdr_len, c);
    }
    r->body[body_len < sizeof r->body - 1 ? body_len : sizeof r->body - 1] = '\0';
    free(buf);
    return 0;
bad:
    fprintf(stderr, "%s: malformed or truncated HTTP response\n", demo_progname());
    free(buf);
    response_clear(r);
    return -1;
}

static int send_request(int fd, unsigned short port, const char *path, const char *authorization)
{
    char req[8192];
    int n = snprintf(req, sizeof req,
                     "GET %s HTTP/1.1\r\nHost: 127.0.0.1:%u\r\nUser-Agent: sspi-http-client\r\n"
                     "%s%s%s\r\n",
                     path, (unsigned)port, authorization ? "Authorization: " : "",
                     authorization ? authorization : "", authorization ? "\r\n" : "");
    if (n < 0 || (size_t)n >= sizeof req) {
        fprintf(stderr, "%s: request too long\n", demo_progname());
        return -1;
    }
    return demo_send_all(fd, req, (size_t)n);
}

/* "Digest " + the package's token: Windows' Digest SSP returns the bare
 * credentials and the caller writes the scheme (as curl does). */
static char *authorization_value(const void *token, ULONG len)
{
    char *v = malloc(len + 8);
    if (v != NULL)
        snprintf(v, len + 8, "Digest %.*s", (int)len, (const char *)token);
    return v;
}

/* One request on a connection (opened again when the server closed it). */
static int exchange(int *fd, unsigned short port, const char *path, const char *authorization,
                    struct response *r)
{
    if (*fd < 0 && (*fd = demo_connect(port)) < 0)
        return -1;
    if (send_request(*fd, port, path, authorization) < 0 || read_response(*fd, r) < 0)
        return -1;
    if (r->close) {
        demo_close(*fd);
        *fd = -1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    const char *user = NULL, *password = NULL, *domain = NULL, *url = NULL, *pwfile = NULL;
    char pwbuf[256], path[1024];
    unsigned long requests = 2, i;
    unsigned short port;
    SEC_WINNT_AUTH_IDENTITY_A id;
    CredHandle cred;
    CtxtHandle ctx;
    TimeStamp expiry;
    SECURITY_STATUS ss;
    PSecPkgInfoA info;
    ULONG max_token, attrs = 0;
    unsigned char *out_token = NULL;
    struct response r;
    char *authz = NULL;
    int fd = -1, rc = 1, a, have_ctx = 0, mutual = 0;
    SECURITY_STATUS first_ss = SEC_E_OK;

    demo_set_progname(argv[0]);
    setvbuf(stdout, NULL, _IOLBF, 0);
    memset(&r, 0, sizeof r);
    for (a = 1; a < argc; a++) {
        if (strcmp(argv[a], "--user") == 0 && a + 1 < argc)
            user = argv[++a];
        else if (strcmp(argv[a], "--password") == 0 && a + 1 < argc)
            password = argv[++a];
        else if (strcmp(argv[a], "--password-file") == 0 && a + 1 < argc)
            pwfile = argv[++a];
        else if (strcmp(argv[a], "--domain") == 0 && a + 1 < argc)
            domain = argv[++a];
        else if (strcmp(argv[a], "--requests") == 0 && a + 1 < argc)
            requests = strtoul(argv[++a], NULL, 10);
        else if (strcmp(argv[a], "--help") == 0) {
            usage(stdout);
            return 0;
        } else if (argv[a][0] != '-' && url == NULL)
            url = argv[a];
        else {
            usage(stderr);
            return 2;
        }
    }
    if (pwfile != NULL) {
        FILE *f = fopen(pwfile, "r");
        if (f == NULL || fgets(pwbuf, sizeof pwbuf, f) == NULL) {
            fprintf(stderr, "%s: cannot read %s\n", demo_progname(), pwfile);
            if (f != NULL)
                fclose(f);
            return 2;
        }
        fclose(f);
        pwbuf[strcspn(pwbuf, "\r\n")] = '\0';
        password = pwbuf;
    }
    if (user == NULL || password == NULL || url == NULL || requests == 0 ||
        sscanf(url, "http://127.0.0.1:%hu%1023s", &port, path) != 2 || path[0] != '/') {
        usage(stderr);
        return 2;
    }

    /* cbMaxToken sizes the caller's output buffers, as curl does. */
    ss = QuerySecurityPackageInfoA((SEC_CHAR *)"WDigest", &info);
    if (ss != SEC_E_OK) {
        demo_print_sspi_error("QuerySecurityPackageInfo(WDigest)", ss);
        return 1;
    }
    max_token = info->cbMaxToken;
    FreeContextBuffer(info);
    out_token = malloc(max_token);
    if (out_token == NULL)
        return 1;

    memset(&id, 0, sizeof id);
    id.User = (unsigned char *)user;
    id.UserLength = (ULONG)strlen(user);
    id.Domain = (unsigned char *)domain;
    id.DomainLength = domain ? (ULONG)strlen(domain) : 0;
    id.Password = (unsigned char *)password;
    id.PasswordLength = (ULONG)strlen(password);
    id.Flags = SEC_WINNT_AUTH_IDENTITY_ANSI;
    ss = AcquireCredentialsHandleA(NULL, (SEC_CHAR *)"WDigest", SECPKG_CRED_OUTBOUND, NULL, &id,
                                   NULL, NULL, &cred, &expiry);
    if (pwfile != NULL)
        explicit_bzero(pwbuf, sizeof pwbuf);
    if (ss != SEC_E_OK) {
        demo_print_sspi_error("AcquireCredentialsHandle(WDigest, OUTBOUND)", ss);
        free(out_token);
        return 1;
    }

    /* 1. Unauthenticated: expect the challenge. */
    if (exchange(&fd, port, path, NULL, &r) < 0)
        goto out;
    printf("%s: GET %s -> %d%s\n", demo_progname(), path, r.status,
           r.www_auth ? " with a Digest challenge" : "");
    if (r.status != 401 || r.www_auth == NULL) {
        fprintf(stderr, "%s: expected 401 with WWW-Authenticate: Digest\n", demo_progname());
        goto out;
    }

    /* 2. The response to the challenge (curl passes it without the scheme). */
    {
        const char *chal = r.www_auth + 6;
        SecBuffer in[3], out = {max_token, SECBUFFER_TOKEN, out_token};
        SecBufferDesc in_desc = {SECBUFFER_VERSION, 3, in}, out_desc = {SECBUFFER_VERSION, 1, &out};

        while (*chal == ' ' || *chal == '\t')
            chal++;
        in[0] = (SecBuffer){(ULONG)strlen(chal), SECBUFFER_TOKEN, (void *)chal};
        in[1] = (SecBuffer){3, SECBUFFER_PKG_PARAMS, (void *)"GET"};
        in[2] = (SecBuffer){0, SECBUFFER_PKG_PARAMS, NULL}; /* H(entity): no body */
        ss = InitializeSecurityContextA(&cred, NULL, (SEC_CHAR *)path, CLIENT_ISC_REQ, 0, 0,
                                        &in_desc, 0, &ctx, &out_desc, &attrs, &expiry);
        if (ss != SEC_E_OK && ss != SEC_I_CONTINUE_NEEDED) {
            demo_print_sspi_error("InitializeSecurityContext (challenge)", ss);
            goto out;
        }
        have_ctx = 1;
        first_ss = ss;
        authz = authorization_value(out.pvBuffer, out.cbBuffer);
        if (authz == NULL)
            goto out;
    }
    response_clear(&r);
    if (exchange(&fd, port, path, authz, &r) < 0)
        goto out;
    printf("%s: GET %s with Authorization (nc=1) -> %d %s", demo_progname(), path, r.status,
           r.status == 200 ? r.body : "\n");
    if (r.body[0] == '\0' || r.body[strlen(r.body) - 1] != '\n')
        putchar('\n');
    if (r.status == 401) {
        fprintf(stderr, "%s: the server refused the credentials\n", demo_progname());
        rc = 3;
        goto out;
    }
    if (r.status != 200)
        goto out;

    /* 3. Mutual authentication: the final leg verifies rspauth. */
    if (r.auth_info != NULL && first_ss == SEC_E_OK) {
        printf("%s: Authentication-Info ignored: the context was complete without it\n",
               demo_progname());
    } else if (r.auth_info != NULL) {
        SecBuffer in[2], out = {max_token, SECBUFFER_TOKEN, out_token};
        SecBufferDesc in_desc = {SECBUFFER_VERSION, 2, in}, out_desc = {SECBUFFER_VERSION, 1, &out};

        in[0] = (SecBuffer){(ULONG)strlen(r.auth_info), SECBUFFER_TOKEN, r.auth_info};
        in[1] = (SecBuffer){3, SECBUFFER_PKG_PARAMS, (void *)"GET"};
        ss = InitializeSecurityContextA(&cred, &ctx, (SEC_CHAR *)path, CLIENT_ISC_REQ, 0, 0,
                                        &in_desc, 0, &ctx, &out_desc, &attrs, &expiry);
        if (ss != SEC_E_OK) {
            demo_print_sspi_error("InitializeSecurityContext (Authentication-Info)", ss);
            fprintf(stderr, "%s: the server's rspauth did not verify\n", demo_progname());
            goto out;
        }
        mutual = 1;
        printf("%s: Authentication-Info verified: the server knows the password "
               "(mutual authentication)\n", demo_progname());
    } else {
        printf("%s: no Authentication-Info: the server was not authenticated\n", demo_progname());
    }

    /* 4. Further requests on the same nonce: MakeSignature as curl does. */
    for (i = 2; i <= requests; i++) {
        SecBuffer b[5];
        SecBufferDesc desc = {SECBUFFER_VERSION, 5, b};

        b[0] = (SecBuffer){0, SECBUFFER_TOKEN, NULL};
        b[1] = (SecBuffer){3, SECBUFFER_PKG_PARAMS, (void *)"GET"};
        b[2] = (SecBuffer){(ULONG)strlen(path), SECBUFFER_PKG_PARAMS, path};
        b[3] = (SecBuffer){0, SECBUFFER_PKG_PARAMS, NULL};
        b[4] = (SecBuffer){max_token, SECBUFFER_PADDING, out_token};
        ss = MakeSignature(&ctx, 0, &desc, 0);
        if (ss != SEC_E_OK) {
            demo_print_sspi_error("MakeSignature (next request)", ss);
            goto out;
        }
        free(authz);
        authz = authorization_value(b[4].pvBuffer, b[4].cbBuffer);
        if (authz == NULL)
            goto out;
        response_clear(&r);
        if (exchange(&fd, port, path, authz, &r) < 0)
            goto out;
        printf("%s: GET %s with MakeSignature's Authorization (nc=%lu) -> %d %s", demo_progname(),
               path, i, r.status, r.status == 200 ? r.body : "\n");
        if (r.body[0] == '\0' || r.body[strlen(r.body) - 1] != '\n')
            putchar('\n');
        if (r.status != 200) {
            rc = r.status == 401 ? 3 : 1;
            goto out;
        }
    }
    printf("%s: %lu requests authenticated%s\n", demo_progname(), requests,
           mutual ? ", server authenticated by rspauth" : "");
    rc = 0;
out:
    response_clear(&r);
    free(authz);
    if (have_ctx)
        DeleteSecurityContext(&ctx);
    FreeCredentialsHandle(&cred);
    free(out_token);
    demo_close(fd);
    return rc;
}
