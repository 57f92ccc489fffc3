/*
 * sspi-shim http-client [--package Negotiate|Kerberos|NTLM] [--target SPN]
 *                       [--user U ...] http://HOST[:PORT]/PATH
 *
 * HTTP authentication as a Windows client does it over SSPI (RFC 4559):
 * GET without credentials, expect 401 with "WWW-Authenticate: Negotiate"
 * (or NTLM), answer with "Authorization: Negotiate <base64 token>" from
 * InitializeSecurityContext, feed each 401's continuation token back on the
 * same connection, and on 200 hand a final token (mutual authentication,
 * RFC 4559 section 5) to a last InitializeSecurityContext.  Plain HTTP
 * only: TLS is not what this tool tests.  WDigest needs other input
 * buffers (examples/sspi-http-client does it).
 */
#include "cli.h"
#include "demo_b64.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#define HTTP_HEADER_MAX (64u * 1024u)

struct http_response {
    int code;
    int have_challenge;     /* a WWW-Authenticate for our scheme */
    char *token;            /* its base64 token, or NULL for a bare challenge */
    int close;              /* the server closes the connection */
    char body[256];         /* the start of the body, for the report */
};

struct url {
    char *host;
    unsigned short port;
    const char *path;
};

/* http://HOST[:PORT][/PATH]; [V6] hosts.  Returns -1 after printing why. */
static int parse_url(const char *text, struct url *u)
{
    const char *p, *host_end, *slash;

    memset(u, 0, sizeof *u);
    if (strncasecmp(text, "http://", 7) != 0) {
        fprintf(stderr, "%s: only http:// URLs (got '%s')\n", demo_progname(), text);
        return -1;
    }
    p = text + 7;
    slash = strchr(p, '/');
    u->path = slash ? slash : "/";
    host_end = slash ? slash : p + strlen(p);
    u->port = 80;
    if (*p == '[') {
        const char *rb = memchr(p, ']', (size_t)(host_end - p));
        if (rb == NULL)
            return -1;
        u->host = strndup(p + 1, (size_t)(rb - p - 1));
        p = rb + 1;
    } else {
        const char *colon = memchr(p, ':', (size_t)(host_end - p));
        u->host = strndup(p, (size_t)((colon ? colon : host_end) - p));
        p = colon ? colon : host_end;
    }
    if (u->host == NULL || *u->host == '\0')
        return -1;
    if (*p == ':') {
        char port[8];
        size_t n = (size_t)(host_end - p - 1);

        if (n == 0 || n >= sizeof port)
            return -1;
        memcpy(port, p + 1, n);
        port[n] = '\0';
        if (demo_parse_port(port, 0, &u->port) < 0)
            return -1;
    }
    return 0;
}

/* The value of header name in one header line "Name: value", or NULL. */
static char *header_value(char *line, const char *name)
{
    size_t n = strlen(name);
    char *v;

    if (strncasecmp(line, name, n) != 0 || line[n] != ':')
        return NULL;
    v = line + n + 1;
    while (*v == ' ' || *v == '\t')
        v++;
    return v;
}

/* What the response headers (the block after the status line, each line
 * ending in CRLF) say: our scheme's challenge and token, the body length,
 * whether the server closes.  Cuts the lines apart in place. */
static int parse_headers(char *line, const char *scheme, struct http_response *r,
                         size_t *content_length)
{
    size_t sl = strlen(scheme);
    char *end, *v;

    for (; (end = strstr(line, "\r\n")) != NULL; line = end + 2) {
        *end = '\0';
        if ((v = header_value(line, "WWW-Authenticate")) != NULL) {
            if (strncasecmp(v, scheme, sl) != 0 || (v[sl] != '\0' && v[sl] != ' '))
                continue;   /* another scheme */
            r->have_challenge = 1;
            for (v += sl; *v == ' '; v++)
                ;
            if (*v != '\0' && r->token == NULL && (r->token = strdup(v)) == NULL)
                return -1;
        } else if ((v = header_value(line, "Content-Length")) != NULL) {
            *content_length = strtoul(v, NULL, 10);
        } else if ((v = header_value(line, "Connection")) != NULL) {
            r->close = strcasecmp(v, "close") == 0;
        }
    }
    return 0;
}

static void response_free(struct http_response *r)
{
    free(r->token);
    memset(r, 0, sizeof *r);
}

/* One request (authorization: the whole header value, or NULL) and its
 * response.  Returns -1 after printing why. */
static int http_get(int fd, const struct url *u, const char *authorization, const char *scheme,
                    struct http_response *r)
{
    char *buf = malloc(HTTP_HEADER_MAX + 1), *end = NULL;
    size_t len = 0, body_have, content_length = 0;
    int rc = -1;

    memset(r, 0, sizeof *r);
    if (buf == NULL)
        return -1;
    if (dprintf(fd, "GET %s HTTP/1.1\r\nHost: %s:%u\r\n%s%s%sUser-Agent: sspi-shim\r\n\r\n",
                u->path, u->host, (unsigned)u->port, authorization ? "Authorization: " : "",
                authorization ? authorization : "", authorization ? "\r\n" : "") < 0)
        goto out;
    while (end == NULL) {
        ssize_t n;

        if (len == HTTP_HEADER_MAX) {
            fprintf(stderr, "%s: the response header is larger than %u bytes\n",
                    demo_progname(), HTTP_HEADER_MAX);
            goto out;
        }
        n = recv(fd, buf + len, HTTP_HEADER_MAX - len, 0);
        if (n <= 0) {
            fprintf(stderr, "%s: the server closed the connection without a response\n",
                    demo_progname());
            goto out;
        }
        len += (size_t)n;
        buf[len] = '\0';
        end = strstr(buf, "\r\n\r\n");
    }
    end[2] = '\0';      /* the header block, each line ending in CRLF */
    if (sscanf(buf, "HTTP/1.%*d %d", &r->code) != 1) {
        fprintf(stderr, "%s: not an HTTP response\n", demo_progname());
        goto out;
    }
    if (parse_headers(strstr(buf, "\r\n") + 2, scheme, r, &content_length) < 0)
        goto out;

    /* The body: keep its start, read and drop the rest so that the
     * connection is ready for the next request. */
    body_have = len - (size_t)(end + 4 - buf);
    memcpy(r->body, end + 4, body_have < sizeof r->body - 1 ? body_have : sizeof r->body - 1);
    while (body_have < content_length) {
        char sink[4096];
        size_t want = content_length - body_have < sizeof sink ? content_length - body_have
                                                                : sizeof sink;
        ssize_t n = recv(fd, sink, want, 0);

        if (n <= 0)
            break;
        if (body_have < sizeof r->body - 1)
            memcpy(r->body + body_have, sink,
                   (size_t)n < sizeof r->body - 1 - body_have ? (size_t)n
                                                               : sizeof r->body - 1 - body_have);
        body_have += (size_t)n;
    }
    r->body[strcspn(r->body, "\r\n")] = '\0';
    rc = 0;
out:
    free(buf);
    if (rc < 0)
        response_free(r);
    return rc;
}

/* "Negotiate <base64>" for the Authorization header. */
static char *authorization_value(const char *scheme, const void *token, size_t len)
{
    char *b64 = demo_b64_encode(token, len), *v;
    size_t n;

    if (b64 == NULL)
        return NULL;
    n = strlen(scheme) + 1 + strlen(b64) + 1;
    v = malloc(n);
    if (v != NULL)
        snprintf(v, n, "%s %s", scheme, b64);
    free(b64);
    return v;
}

int cli_cmd_http_client(int argc, char **argv)
{
    struct cli_opts o;
    struct cli_identity id;
    struct cli_side c;
    struct cli_failure f = { 0 };
    struct http_response r = { 0 };
    struct url u = { 0 };
    const char *scheme;
    char *target = NULL, *auth = NULL;
    unsigned char *in = NULL;
    size_t in_len = 0;
    int fd = -1, rc = CLI_EXIT_SYSTEM;

    if (cli_parse(argc, argv, OPT_PACKAGE | OPT_TARGET | OPT_USER, 1, &o) < 0)
        return CLI_EXIT_USAGE;
    if (o.positional == NULL || parse_url(o.positional, &u) < 0) {
        fprintf(stderr, "%s: http-client needs an http://HOST[:PORT]/PATH URL (try '%s help')\n",
                demo_progname(), demo_progname());
        free(u.host);
        return CLI_EXIT_USAGE;
    }
    /* RFC 4559: Negotiate carries SPNEGO or raw Kerberos tokens; NTLM has
     * its own scheme. */
    if (strcasecmp(o.package, "Negotiate") == 0 || strcasecmp(o.package, "Kerberos") == 0) {
        scheme = "Negotiate";
    } else if (strcasecmp(o.package, "NTLM") == 0) {
        scheme = "NTLM";
    } else {
        fprintf(stderr, "%s: http-client speaks Negotiate, Kerberos and NTLM, not %s\n",
                demo_progname(), o.package);
        free(u.host);
        return CLI_EXIT_USAGE;
    }
    if (o.target == NULL) {
        size_t n = strlen(u.host) + sizeof "HTTP/";
        if ((target = malloc(n)) == NULL) {
            free(u.host);
            return CLI_EXIT_SYSTEM;
        }
        snprintf(target, n, "HTTP/%s", u.host);
        o.target = target;
    }
    if (o.user != NULL && cli_identity_init(&id, &o) < 0) {
        free(u.host);
        free(target);
        return CLI_EXIT_SYSTEM;
    }
    cli_side_init(&c);

    if ((fd = demo_connect_host(u.host, u.port)) < 0 || http_get(fd, &u, NULL, scheme, &r) < 0)
        goto out;
    if (r.code != 401 || !r.have_challenge) {
        fprintf(stderr, "%s: FAILED: GET %s answered %d without a 'WWW-Authenticate: %s' "
                "challenge\n", demo_progname(), u.path, r.code, scheme);
        rc = CLI_EXIT_AUTH;
        goto out;
    }
    printf("%s: %s asks for %s; target %s\n", demo_progname(), o.positional, scheme, o.target);
    if (cli_acquire_client(&c, o.package, o.user ? &id : NULL, &f) < 0)
        goto out;
    for (;;) {
        void *token;
        size_t token_len;

        if (cli_client_leg(&c, o.target, in, in_len, &token, &token_len, &f) < 0)
            goto out;
        free(in);
        in = NULL;
        if (token == NULL)
            break;      /* done, nothing more to send */
        auth = authorization_value(scheme, token, token_len);
        FreeContextBuffer(token);
        if (auth == NULL)
            goto out;
        if (r.close) {  /* the server closed after its last answer */
            demo_close(fd);
            if ((fd = demo_connect_host(u.host, u.port)) < 0)
                goto out;
        }
        response_free(&r);
        if (http_get(fd, &u, auth, scheme, &r) < 0)
            goto out;
        free(auth);
        auth = NULL;
        if (r.token != NULL && demo_b64_decode(r.token, strlen(r.token), DEMO_MSG_MAX, &in,
                                               &in_len) < 0) {
            fprintf(stderr, "%s: the server's %s token is not base64\n", demo_progname(),
                    scheme);
            goto out;
        }
        if (r.code == 200) {
            /* A final token: mutual authentication (RFC 4559 section 5). */
            if (in != NULL && !c.done) {
                if (cli_client_leg(&c, o.target, in, in_len, &token, &token_len, &f) < 0)
                    goto out;
                if (token != NULL)
                    FreeContextBuffer(token);
            }
            break;
        }
        if (r.code != 401 || in == NULL || c.done) {
            fprintf(stderr, "%s: FAILED: the server answered %d to the %s token%s%s\n",
                    demo_progname(), r.code, scheme, r.body[0] ? ": " : "", r.body);
            fprintf(stderr, "  cause:  the server refused the credentials (its log says "
                    "why: wrong SPN in its keytab, old kvno, clock skew, ...)\n");
            rc = CLI_EXIT_AUTH;
            goto out;
        }
    }
    if (r.code != 200) {
        fprintf(stderr, "%s: FAILED: the handshake ended without a 200 (last answer %d)\n",
                demo_progname(), r.code);
        rc = CLI_EXIT_AUTH;
        goto out;
    }
    printf("%s: HTTP 200 after %d leg%s\n", demo_progname(), c.legs, c.legs == 1 ? "" : "s");
    if (cli_report_client(stdout, &c, o.package, &f) < 0)
        goto out;
    printf("  %-18s %s\n", "server says:", r.body);
    rc = CLI_EXIT_OK;

out:
    if (rc != CLI_EXIT_OK && f.call != NULL)
        rc = cli_diagnose(stderr, &f, o.target);
    free(in);
    free(auth);
    response_free(&r);
    demo_close(fd);
    cli_side_free(&c);
    if (o.user != NULL)
        cli_identity_free(&id);
    free(u.host);
    free(target);
    return rc;
}
