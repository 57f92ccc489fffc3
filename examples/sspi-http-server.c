/*
 * sspi-http-server: HTTP "Negotiate" authentication (RFC 4559) with
 * AcceptSecurityContext, the way IIS-style Windows code does it.
 *
 *   sspi-http-server [--package Negotiate|Kerberos|NTLM|WDigest] [--port N | --port-file F]
 *                    [--count N] [--max-clients N] [WDigest options, see --help]
 *
 * A minimal HTTP/1.1 server on 127.0.0.1, structured as ported Windows
 * servers usually are: one server credential (AcquireCredentialsHandle
 * once, SECPKG_CRED_INBOUND) shared by a thread per connection, at most
 * --max-clients at once (examples/demo_pool.c), each connection with its
 * own security context:
 *   - a request without "Authorization: Negotiate ..." gets
 *     401 with "WWW-Authenticate: Negotiate";
 *   - "Authorization: Negotiate <base64 token>" goes to AcceptSecurityContext:
 *       SEC_E_OK               -> 200 "authenticated as <client name>
 *                                 (<Kerberos principal>)", with
 *                                 "WWW-Authenticate: Negotiate <final token>"
 *                                 when there is one (mutual authentication,
 *                                 RFC 4559 section 5);
 *       SEC_I_CONTINUE_NEEDED  -> 401 with the continuation token, and the
 *                                 connection (and the context) are kept for
 *                                 the next leg (RFC 4559 section 4.2);
 *       an error               -> 401 (credentials rejected: the client may
 *                                 try others) or 403 (retrying cannot help),
 *                                 and the status is logged;
 *   - every other response closes the connection.
 *
 * With --package WDigest, HTTP Digest (RFC 7616) instead, as the
 * AcceptSecurityContext (Digest) page lays out the buffers (token, method,
 * reserved, hex H(entity-body), realm):
 *   - no "Authorization: Digest": 401 with the WWW-Authenticate challenges
 *     of a first AcceptSecurityContext leg (empty token);
 *   - credentials on a new nonce: AcceptSecurityContext on a new context
 *     (nonces are stateless, so any connection will do): SEC_E_OK -> 200
 *     with Authentication-Info (the final output token: rspauth), else 401
 *     with a fresh challenge (stale nonce: the package's stale=true one);
 *   - later requests on that nonce (nc 2, 3, ...): VerifySignature on the
 *     nonce's context, which demands nc = previous + 1;
 *   - GET, HEAD and POST; the body is hashed with the client's algorithm
 *     for qop=auth-int.
 *
 * Examples:  curl --negotiate -u : http://localhost:PORT/
 *            curl --digest -u alice:PASSWORD http://localhost:PORT/
 *
 * Exit status: 0 after --count requests or on SIGINT/SIGTERM (the requests
 * being answered are finished first), 1 on a setup failure, 2 on a usage
 * error.
 */
#include <ctype.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include <openssl/evp.h>

#include "demo_b64.h"
#include "demo_net.h"
#include "demo_pool.h"
#include "sspi_shim.h"

/* Request headers larger than this are refused (431).  Kerberos tickets
 * with a PAC make large Authorization headers; IIS accepts up to 64 KiB. */
#define HTTP_HEADER_MAX (64u * 1024u)
/* Request bodies are read and discarded, up to this size. */
#define HTTP_BODY_MAX (64u * 1024u)

/* The Digest page's ASC_REQ_HTTP: the SDK value of
 * ASC_REQ_ALLOW_MISSING_BINDINGS (include/sspi_shim.h explains). */
#ifndef ASC_REQ_HTTP
#define ASC_REQ_HTTP 0x10000000
#endif
#define DIGEST_ASC_REQ (ASC_REQ_ALLOCATE_MEMORY | ASC_REQ_HTTP)

/* Connections served at once when --max-clients is not given. */
#define DEFAULT_MAX_CLIENTS 8u
#define MAX_CLIENTS_LIMIT 1024u

#define DEMO_ASC_REQ (ASC_REQ_ALLOCATE_MEMORY | ASC_REQ_MUTUAL_AUTH | ASC_REQ_CONFIDENTIALITY | \
                      ASC_REQ_INTEGRITY | ASC_REQ_SEQUENCE_DETECT | ASC_REQ_REPLAY_DETECT)

static void usage(FILE *out)
{
    fprintf(out,
            "usage: %s [--package Negotiate|Kerberos|NTLM|WDigest] [--port N | --port-file FILE] [--count N]\n"
            "          [--max-clients N] [--htdigest F | --passwords F] [--algorithms L] [--qop L]\n"
            "          [--realm R]\n"
            "\n"
            "  --package P     security package: Negotiate (default), Kerberos, NTLM\n"
            "                  (the NTLM HTTP scheme) or WDigest\n"
            "  --port N        TCP port on 127.0.0.1 (default 0: any free port)\n"
            "  --port-file F   write the port actually bound to F (for scripts)\n"
            "  --count N       exit after answering N requests (default: run forever)\n"
            "  --max-clients N connections served at once, a thread each (default %u);\n"
            "                  more clients wait in the listen backlog\n"
            "\n"
            "WDigest (RFC 7616) options; without any, the user store is the htdigest file\n"
            "named by SSPI_SHIM_DIGEST_USERS:\n"
            "  --htdigest F    Apache htdigest file (MD5, MD5-sess)\n"
            "  --passwords F   user:password file (every algorithm)\n"
            "  --algorithms L  challenge algorithms in preference order (SHA-256,MD5)\n"
            "  --qop L         qop values offered (auth,auth-int)\n"
            "  --realm R       the realm of the challenges (AcceptSecurityContext buffer 4)\n"
            "\n"
            "The service keys come from the keytab named by KRB5_KTNAME (or the system keytab);\n"
            "clients use the SPN HTTP/<host name in the URL>.\n",
            demo_progname(), DEFAULT_MAX_CLIENTS);
}

/* ------------------------------------------------------------- HTTP */

struct conn {
    int fd;
    char buf[HTTP_HEADER_MAX + 1];
    size_t len; /* bytes in buf, possibly the start of the next request */
};

struct request {
    char method[16];
    char target[256];
    const char *authorization; /* value of the Authorization header, or NULL */
    size_t content_length;
    int keep_alive_allowed;    /* HTTP/1.1 without "Connection: close" */
    size_t header_len;         /* bytes of conn->buf used by the header */
};

/* Read until the end of the header block.  Returns 1 with a request,
 * 0 when the client closed the connection cleanly between requests,
 * -1 on an error, or an HTTP status to answer with (400, 431). */
static int read_header(struct conn *c, size_t *header_len)
{
    for (;;) {
        char *end;
        ssize_t n;

        c->buf[c->len] = '\0';
        end = strstr(c->buf, "\r\n\r\n");
        if (end != NULL) {
            *header_len = (size_t)(end - c->buf) + 4;
            return 1;
        }
        if (memchr(c->buf, '\0', c->len) != NULL)
            return 400;
        if (c->len >= HTTP_HEADER_MAX)
            return 431;
        n = recv(c->fd, c->buf + c->len, HTTP_HEADER_MAX - c->len, 0);
        if (n < 0)
            return -1;
        if (n == 0)
            return c->len == 0 ? 0 : -1;
        c->len += (size_t)n;
    }
}

/* Parse the header block in place (NUL-terminates lines).  Returns 0 or an
 * HTTP status (400, 505). */
static int parse_header(char *hdr, struct request *r)
{
    char *line = hdr, *next, *sp1, *sp2;
    int http11;

    memset(r, 0, sizeof *r);
    next = strstr(line, "\r\n");
    if (next == NULL)
        return 400;
    *next = '\0';
    sp1 = strchr(line, ' ');
    sp2 = sp1 ? strchr(sp1 + 1, ' ') : NULL;
    if (sp1 == NULL || sp2 == NULL || (size_t)(sp1 - line) >= sizeof r->method ||
        (size_t)(sp2 - sp1 - 1) >= sizeof r->target || sp1 == line || sp2 == sp1 + 1)
        return 400;
    memcpy(r->method, line, (size_t)(sp1 - line));
    memcpy(r->target, sp1 + 1, (size_t)(sp2 - sp1 - 1));
    if (strcmp(sp2 + 1, "HTTP/1.1") == 0)
        http11 = 1;
    else if (strcmp(sp2 + 1, "HTTP/1.0") == 0)
        http11 = 0;
    else
        return strncmp(sp2 + 1, "HTTP/", 5) == 0 ? 505 : 400;
    r->keep_alive_allowed = http11;

    for (line = next + 2; *line != '\0' && strncmp(line, "\r\n", 2) != 0; line = next + 2) {
        char *colon, *value, *vend;

        next = strstr(line, "\r\n");
        if (next == NULL)
            return 400;
        *next = '\0';
        if (*line == ' ' || *line == '\t')
            return 400; /* RFC 9112 5.2: obsolete line folding */
        colon = strchr(line, ':');
        if (colon == NULL || colon == line)
            return 400;
        *colon = '\0';
        value = colon + 1;
        while (*value == ' ' || *value == '\t')
            value++;
        vend = value + strlen(value);
        while (vend > value && (vend[-1] == ' ' || vend[-1] == '\t'))
            *--vend = '\0';

        if (strcasecmp(line, "Authorization") == 0) {
            if (r->authorization != NULL)
                return 400; /* two Authorization headers: ambiguous */
            r->authorization = value;
        } else if (strcasecmp(line, "Content-Length") == 0) {
            char *e;
            unsigned long long v = strtoull(value, &e, 10);
            if (e == value || *e != '\0' || !isdigit((unsigned char)*value) || v > HTTP_BODY_MAX)
                return 400;
            r->content_length = (size_t)v;
        } else if (strcasecmp(line, "Transfer-Encoding") == 0) {
            return 400; /* not needed for this demo; refuse rather than misparse */
        } else if (strcasecmp(line, "Connection") == 0) {
            if (strcasecmp(value, "close") == 0)
                r->keep_alive_allowed = 0;
        }
    }
    return 0;
}

/* Drop the request's header and body from the connection buffer, reading
 * (and discarding) the part of the body not received yet. */
static int consume_request(struct conn *c, size_t header_len, size_t body_len)
{
    size_t total = header_len + body_len, missing;

    if (c->len >= total) {
        memmove(c->buf, c->buf + total, c->len - total);
        c->len -= total;
        return 0;
    }
    missing = total - c->len;
    c->len = 0;
    while (missing > 0) {
        char discard[4096];
        ssize_t n = recv(c->fd, discard, missing < sizeof discard ? missing : sizeof discard, 0);
        if (n <= 0)
            return -1;
        missing -= (size_t)n;
    }
    return 0;
}

static const char *reason_phrase(int code)
{
    switch (code) {
    case 200: return "OK";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 405: return "Method Not Allowed";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 505: return "HTTP Version Not Supported";
    default:  return "Error";
    }
}

/* Send one response with extra header lines (each ending in CRLF, or
 * NULL for none). */
static int send_response_headers(int fd, int code, const char *extra, const char *body,
                                 int head_only, int keep_alive)
{
    size_t body_len = strlen(body);
    size_t cap = 512 + (extra ? strlen(extra) : 0) + body_len;
    char *msg = malloc(cap);
    int n, rc;

    if (msg == NULL)
        return -1;
    n = snprintf(msg, cap,
                 "HTTP/1.1 %d %s\r\n"
                 "Server: sspi-http-server\r\n"
                 "%s%s"
                 "Content-Type: text/plain; charset=utf-8\r\n"
                 "Content-Length: %zu\r\n"
                 "Cache-Control: no-store\r\n"
                 "Connection: %s\r\n"
                 "\r\n"
                 "%s",
                 code, reason_phrase(code), extra ? extra : "",
                 code == 405 ? "Allow: GET, HEAD\r\n" : "", /* RFC 9110 15.5.6 */
                 body_len, keep_alive ? "keep-alive" : "close", head_only ? "" : body);
    if (n < 0 || (size_t)n >= cap) {
        free(msg);
        return -1;
    }
    rc = demo_send_all(fd, msg, (size_t)n);
    free(msg);
    return rc;
}

/* The HTTP authentication scheme: "Negotiate" (RFC 4559), or "NTLM" with
 * --package NTLM (the same exchange under the NTLM scheme, as IIS does). */
static const char *http_scheme = "Negotiate";

/* Send one response.  www_auth: NULL for no WWW-Authenticate header, "" for
 * a bare "Negotiate" challenge, else the base64 token to put after it. */
static int send_response(int fd, int code, const char *www_auth, const char *body,
                         int head_only, int keep_alive)
{
    char *extra = NULL;
    int rc;

    if (www_auth != NULL) {
        size_t cap = strlen(www_auth) + 64;
        extra = malloc(cap);
        if (extra == NULL)
            return -1;
        snprintf(extra, cap, "WWW-Authenticate: %s%s%s\r\n", http_scheme, *www_auth ? " " : "",
                 www_auth);
    }
    rc = send_response_headers(fd, code, extra, body, head_only, keep_alive);
    free(extra);
    return rc;
}

/* ------------------------------------------------------------- the server */

struct digest_state;

/* Shared by every connection thread.  cred is used by all of them at once,
 * as on Windows (the shim allows one credential handle in concurrent calls:
 * tests/check_stress.c, shared credentials); the counters are under lock. */
struct server {
    CredHandle cred;
    const char *package;
    unsigned long count; /* 0: forever */
    struct digest_state *digest; /* WDigest mode, else NULL */
    struct demo_pool *pool;
    pthread_mutex_t lock;
    unsigned long claimed;  /* requests received: answered or being answered */
    unsigned long answered;
};

/* A request came in: may it be answered?  With --count, exactly that many
 * are, whichever connections they arrive on. */
static int claim_request(struct server *s)
{
    int ok;

    pthread_mutex_lock(&s->lock);
    ok = s->count == 0 || s->claimed < s->count;
    if (ok)
        s->claimed++;
    pthread_mutex_unlock(&s->lock);
    return ok;
}

/* A claimed request is answered (or given up on); the last of --count
 * stops the server. */
static void request_done(struct server *s)
{
    int last;

    pthread_mutex_lock(&s->lock);
    s->answered++;
    last = s->count != 0 && s->answered == s->count;
    pthread_mutex_unlock(&s->lock);
    if (last)
        demo_pool_stop(s->pool);
}

/* Retrying with other credentials can help for these; for the rest the
 * server itself is the problem (403). */
static int status_is_credential_rejection(SECURITY_STATUS ss)
{
    switch (ss) {
    case SEC_E_LOGON_DENIED:
    case SEC_E_INVALID_TOKEN:
    case SEC_E_CONTEXT_EXPIRED:
    case SEC_E_TIME_SKEW:
    case SEC_E_MESSAGE_ALTERED:
    case SEC_E_UNKNOWN_CREDENTIALS:
    case SEC_E_INCOMPLETE_MESSAGE:
    case SEC_E_OUT_OF_SEQUENCE:
        return 1;
    default:
        return 0;
    }
}

/* Log a failed call: the request, the response code, then the status with
 * the library's detail and a hint (call right after the failing call). */
static void log_failure(const struct request *r, int code, const char *what,
                        SECURITY_STATUS ss)
{
    fflush(stdout);
    /* Several lines: kept together when connection threads fail at once. */
    flockfile(stderr);
    fprintf(stderr, "%s: %s %s -> %d\n", demo_progname(), r->method, r->target, code);
    demo_print_sspi_error(what, ss);
    funlockfile(stderr);
}

/* ------------------------------------------------------------- WDigest */

/* The "WDigest" mode (RFC 7616): the way IIS-style Windows code drives the
 * Digest SSP.  The server is stateless between requests except for the
 * contexts of established nonces (see struct digest_session). */

/* Contexts of established nonces, so that a later request on the same
 * nonce (nc + 1, RFC 7616 3.4) goes through VerifySignature, which
 * enforces the nonce count.  Oldest entry replaced when full. */
#define DIGEST_SESSIONS 32
struct digest_session {
    CtxtHandle ctx;
    int used;
    unsigned long stamp;
    char nonce[128];
};

/* lock guards the table and the contexts in it: a session's context is
 * only used (VerifySignature, QueryContextAttributes) under it, so another
 * connection cannot evict and delete it meanwhile.  VerifySignature is a
 * hash computation, short enough to hold a process-wide lock for. */
struct digest_state {
    pthread_mutex_t lock;
    struct digest_session sessions[DIGEST_SESSIONS];
    unsigned long clock;
    const char *realm; /* ASC buffer 4, or NULL */
};

/* One directive's value from an Authorization header value (RFC 7616
 * 3.4: token or quoted-string; quoted-pairs unescaped).  Returns 0, or -1
 * when absent or longer than outsz - 1. */
static int digest_directive(const char *v, const char *name, char *out, size_t outsz)
{
    size_t nlen = strlen(name);
    const char *p = v;
    int in_quotes = 0;

    if (strncasecmp(p, "Digest", 6) == 0 && (p[6] == ' ' || p[6] == '\t'))
        p += 6;
    for (; *p != '\0'; p++) {
        if (in_quotes) {
            if (*p == '\\' && p[1] != '\0')
                p++;
            else if (*p == '"')
                in_quotes = 0;
            continue;
        }
        if (*p == '"') {
            in_quotes = 1;
            continue;
        }
        /* a directive starts after the scheme, a comma or spaces */
        if ((p == v || p[-1] == ',' || p[-1] == ' ' || p[-1] == '\t') &&
            strncasecmp(p, name, nlen) == 0) {
            const char *q = p + nlen;
            size_t o = 0;
            while (*q == ' ' || *q == '\t')
                q++;
            if (*q != '=')
                continue;
            q++;
            while (*q == ' ' || *q == '\t')
                q++;
            if (*q == '"') {
                for (q++; *q != '\0' && *q != '"'; q++) {
                    if (*q == '\\' && q[1] != '\0')
                        q++;
                    if (o + 1 >= outsz)
                        return -1;
                    out[o++] = *q;
                }
                if (*q != '"')
                    return -1;
            } else {
                for (; *q != '\0' && *q != ',' && *q != ' ' && *q != '\t'; q++) {
                    if (o + 1 >= outsz)
                        return -1;
                    out[o++] = *q;
                }
            }
            out[o] = '\0';
            return 0;
        }
    }
    return -1;
}

/* Hex H(entity-body) with the hash of the algorithm the client chose
 * (RFC 7616 3.4.3: auth-int's A2 uses the same H); "" when the algorithm
 * is unknown (the package then assumes an empty body). */
static void digest_entity_hash(const char *algorithm, const unsigned char *body, size_t len,
                               char *hex, size_t hexsz)
{
    const EVP_MD *md = NULL;
    unsigned char h[EVP_MAX_MD_SIZE];
    unsigned int hlen = 0, i;

    hex[0] = '\0';
    if (algorithm[0] == '\0' || strcasecmp(algorithm, "MD5") == 0 ||
        strcasecmp(algorithm, "MD5-sess") == 0)
        md = EVP_md5();
    else if (strcasecmp(algorithm, "SHA-256") == 0 || strcasecmp(algorithm, "SHA-256-sess") == 0)
        md = EVP_sha256();
    else if (strcasecmp(algorithm, "SHA-512-256") == 0 ||
             strcasecmp(algorithm, "SHA-512-256-sess") == 0)
        md = EVP_sha512_256();
    if (md == NULL || EVP_Digest(body, len, h, &hlen, md, NULL) != 1 || hexsz < 2 * hlen + 1)
        return;
    for (i = 0; i < hlen; i++)
        snprintf(hex + 2 * i, 3, "%02x", h[i]);
}

/* "WWW-Authenticate: <challenge>\r\n" once per challenge: the package
 * returns one value with a challenge per algorithm ("Digest ..., Digest
 * ..."); clients such as curl read only the first Digest header, so each
 * gets its own header line (RFC 7235 4.1 allows either form). */
static char *digest_challenge_headers(const char *value, size_t len)
{
    char *out = malloc(len * 2 + 64), *o = out;
    size_t i, start = 0;
    int in_quotes = 0;

    if (out == NULL)
        return NULL;
    for (i = 0; i <= len; i++) {
        int split = 0;
        if (i == len) {
            split = 1;
        } else if (in_quotes) {
            if (value[i] == '\\' && i + 1 < len)
                i++;
            else if (value[i] == '"')
                in_quotes = 0;
            continue;
        } else if (value[i] == '"') {
            in_quotes = 1;
            continue;
        } else if (value[i] == ',') {
            size_t j = i + 1;
            while (j < len && (value[j] == ' ' || value[j] == '\t'))
                j++;
            split = len - j > 7 && strncasecmp(value + j, "Digest ", 7) == 0;
        }
        if (split) {
            size_t s = start, e = i;
            while (s < e && (value[s] == ' ' || value[s] == '\t'))
                s++;
            if (e > s) {
                /* The package's tokens carry the scheme; a bare one (as
                 * Windows' Digest SSP returns it) gets it here. */
                int has_scheme = e - s > 7 && strncasecmp(value + s, "Digest ", 7) == 0;
                o += sprintf(o, "WWW-Authenticate: %s", has_scheme ? "" : "Digest ");
                memcpy(o, value + s, e - s);
                o += e - s;
                o += sprintf(o, "\r\n");
            }
            start = i + 1;
        }
    }
    *o = '\0';
    return out;
}

static void digest_fill_inputs(SecBuffer in[5], SecBufferDesc *desc, const char *token,
                               const char *method, const char *entity_hex, WCHAR *realm16,
                               size_t realm_len)
{
    in[0].BufferType = SECBUFFER_TOKEN;
    in[0].pvBuffer = (void *)token;
    in[0].cbBuffer = token ? (ULONG)strlen(token) : 0;
    in[1].BufferType = SECBUFFER_PKG_PARAMS; /* method, from the request line */
    in[1].pvBuffer = (void *)method;
    in[1].cbBuffer = (ULONG)strlen(method);
    in[2].BufferType = SECBUFFER_PKG_PARAMS; /* reserved */
    in[2].pvBuffer = NULL;
    in[2].cbBuffer = 0;
    in[3].BufferType = SECBUFFER_PKG_PARAMS; /* hex H(entity-body) */
    in[3].pvBuffer = (void *)entity_hex;
    in[3].cbBuffer = (ULONG)strlen(entity_hex);
    in[4].BufferType = SECBUFFER_PKG_PARAMS; /* realm, UTF-16 */
    in[4].pvBuffer = realm_len ? realm16 : NULL;
    in[4].cbBuffer = (ULONG)(realm_len * sizeof(WCHAR));
    desc->ulVersion = SECBUFFER_VERSION;
    desc->cBuffers = 5;
    desc->pBuffers = in;
}

/* A fresh challenge: the first AcceptSecurityContext leg (empty token).
 * Returns the header lines (malloc'd) or NULL after logging why. */
static char *digest_new_challenge(struct server *s, const struct request *r, WCHAR *realm16,
                                  size_t realm_len)
{
    SecBuffer in[5], out_buf = {0, SECBUFFER_TOKEN, NULL};
    SecBufferDesc in_desc, out_desc = {SECBUFFER_VERSION, 1, &out_buf};
    CtxtHandle ctx;
    ULONG attrs = 0;
    char *headers = NULL;
    SECURITY_STATUS ss;

    digest_fill_inputs(in, &in_desc, NULL, r->method, "", realm16, realm_len);
    ss = AcceptSecurityContext(&s->cred, NULL, &in_desc, DIGEST_ASC_REQ, 0, &ctx, &out_desc,
                               &attrs, NULL);
    if (ss != SEC_I_CONTINUE_NEEDED || out_buf.pvBuffer == NULL || out_buf.cbBuffer == 0) {
        log_failure(r, 500, "AcceptSecurityContext (challenge)", ss);
        if (ss == SEC_E_OK)
            fprintf(stderr, "%s: the first leg gave no challenge\n", demo_progname());
    } else {
        headers = digest_challenge_headers(out_buf.pvBuffer, out_buf.cbBuffer);
    }
    if (out_buf.pvBuffer != NULL)
        FreeContextBuffer(out_buf.pvBuffer);
    /* The nonce is stateless (HMAC of the server key): the response may
     * arrive on any connection, so the challenge's context is not kept. */
    if (ss == SEC_I_CONTINUE_NEEDED || ss == SEC_E_OK)
        DeleteSecurityContext(&ctx);
    return headers;
}

/* Under d->lock. */
static struct digest_session *digest_find_session(struct digest_state *d, const char *nonce)
{
    for (int i = 0; i < DIGEST_SESSIONS; i++)
        if (d->sessions[i].used && strcmp(d->sessions[i].nonce, nonce) == 0)
            return &d->sessions[i];
    return NULL;
}

static void digest_keep_session(struct digest_state *d, CtxtHandle *ctx, const char *nonce)
{
    struct digest_session *slot;
    int i;

    pthread_mutex_lock(&d->lock);
    slot = digest_find_session(d, nonce);
    if (slot == NULL) {
        slot = &d->sessions[0];
        for (i = 0; i < DIGEST_SESSIONS; i++) {
            if (!d->sessions[i].used) {
                slot = &d->sessions[i];
                break;
            }
            if (d->sessions[i].stamp < slot->stamp)
                slot = &d->sessions[i];
        }
    }
    if (slot->used)
        DeleteSecurityContext(&slot->ctx);
    slot->ctx = *ctx;
    slot->used = 1;
    slot->stamp = ++d->clock;
    snprintf(slot->nonce, sizeof slot->nonce, "%s", nonce);
    pthread_mutex_unlock(&d->lock);
}

/* The client's account name (SECPKG_ATTR_NAMES) into user, or "". */
static void digest_user_name(CtxtHandle *ctx, char *user, size_t usersz)
{
    SecPkgContext_NamesA names;

    user[0] = '\0';
    if (QueryContextAttributesA(ctx, SECPKG_ATTR_NAMES, &names) == SEC_E_OK) {
        snprintf(user, usersz, "%s", names.sUserName ? names.sUserName : "");
        FreeContextBuffer(names.sUserName);
    }
}

/* Answer one request in WDigest mode.  Returns the status sent. */
static int digest_request(struct server *s, int fd, const struct request *r,
                          const unsigned char *body, size_t body_len, int keep_alive)
{
    struct digest_state *d = s->digest;
    const char *auth = r->authorization;
    int head_only = strcmp(r->method, "HEAD") == 0;
    WCHAR realm16[128];
    size_t realm_len = 0;
    char algorithm[32] = "", nonce[128] = "", uri[256] = "", nc[16] = "", user[128] = "";
    char entity_hex[2 * EVP_MAX_MD_SIZE + 1] = "";
    char *challenge = NULL, *extra = NULL, *body_text = NULL;
    SecBuffer in[5], out_buf = {0, SECBUFFER_TOKEN, NULL};
    SecBufferDesc in_desc, out_desc = {SECBUFFER_VERSION, 1, &out_buf};
    struct digest_session *session;
    CtxtHandle ctx;
    ULONG attrs = 0;
    SECURITY_STATUS ss;
    const char *how;
    int code;

    if (d->realm != NULL)
        for (realm_len = 0; d->realm[realm_len] != '\0' && realm_len < 127; realm_len++)
            realm16[realm_len] = (WCHAR)(unsigned char)d->realm[realm_len];

    if (auth == NULL || strncasecmp(auth, "Digest", 6) != 0 ||
        (auth[6] != ' ' && auth[6] != '\t')) {
        /* RFC 7616 3.3: no (Digest) credentials: 401 with a challenge. */
        challenge = digest_new_challenge(s, r, realm16, realm_len);
        if (challenge == NULL) {
            send_response_headers(fd, 500, NULL, "no challenge\n", head_only, 0);
            return 500;
        }
        send_response_headers(fd, 401, challenge, "authentication required: use Digest\n",
                              head_only, keep_alive);
        printf("%s: %s %s -> 401 (no Digest credentials; challenge sent)\n", demo_progname(),
               r->method, r->target);
        free(challenge);
        return 401;
    }

    digest_directive(auth, "algorithm", algorithm, sizeof algorithm);
    if (digest_directive(auth, "nonce", nonce, sizeof nonce) < 0 ||
        digest_directive(auth, "uri", uri, sizeof uri) < 0) {
        send_response_headers(fd, 400, NULL, "malformed Digest credentials\n", head_only, 0);
        printf("%s: %s %s -> 400 (no nonce or uri)\n", demo_progname(), r->method, r->target);
        return 400;
    }
    digest_directive(auth, "nc", nc, sizeof nc);
    /* RFC 7616 3.4.6: the credentials must be for this request-target. */
    if (strcmp(uri, r->target) != 0) {
        send_response_headers(fd, 400, NULL, "Digest uri does not match the request\n",
                              head_only, 0);
        printf("%s: %s %s -> 400 (uri=\"%s\" in the credentials)\n", demo_progname(), r->method,
               r->target, uri);
        return 400;
    }
    digest_entity_hash(algorithm, body, body_len, entity_hex, sizeof entity_hex);

    pthread_mutex_lock(&d->lock);
    session = digest_find_session(d, nonce);
    if (session != NULL && strcmp(nc, "00000001") != 0) {
        /* A later request on an established nonce: VerifySignature checks
         * the response and that nc is the previous one + 1. */
        SecBuffer vb[5];
        SecBufferDesc vdesc;
        ULONG qop = 0;

        digest_fill_inputs(vb, &vdesc, auth, r->method, entity_hex, NULL, 0);
        vdesc.cBuffers = 4;
        ss = VerifySignature(&session->ctx, &vdesc, 0, &qop);
        how = "VerifySignature";
        if (ss == SEC_E_OK) {
            session->stamp = ++d->clock;
            digest_user_name(&session->ctx, user, sizeof user);
        }
        pthread_mutex_unlock(&d->lock);
    } else {
        /* A new context, this thread's own until digest_keep_session. */
        pthread_mutex_unlock(&d->lock);
        session = NULL;
        digest_fill_inputs(in, &in_desc, auth, r->method, entity_hex, realm16, realm_len);
        ss = AcceptSecurityContext(&s->cred, NULL, &in_desc, DIGEST_ASC_REQ, 0, &ctx, &out_desc,
                                   &attrs, NULL);
        how = "AcceptSecurityContext";
        if (ss == SEC_E_OK)
            digest_user_name(&ctx, user, sizeof user);
    }
    /* From here on session is only tested for NULL: its context may be
     * evicted by another connection once the lock is released. */

    if (ss == SEC_E_OK) {
        size_t blen;

        if (out_buf.pvBuffer != NULL && out_buf.cbBuffer > 0) {
            /* RFC 7616 3.5: the final output token is the Authentication-
             * Info value (rspauth: the server knew the password too). */
            extra = malloc(out_buf.cbBuffer + 32);
            if (extra != NULL)
                snprintf(extra, out_buf.cbBuffer + 32, "Authentication-Info: %.*s\r\n",
                         (int)out_buf.cbBuffer, (const char *)out_buf.pvBuffer);
        }
        blen = strlen(user) + 64;
        body_text = malloc(blen);
        if (body_text != NULL)
            snprintf(body_text, blen, "authenticated as %s\n", user);
        code = 200;
        send_response_headers(fd, code, extra, body_text ? body_text : "authenticated\n",
                              head_only, keep_alive);
        printf("%s: %s %s -> 200 authenticated as %s (%s, algorithm=%s, nc=%s%s)\n",
               demo_progname(), r->method, r->target, user, how,
               algorithm[0] ? algorithm : "MD5", nc, extra ? ", Authentication-Info sent" : "");
        if (session == NULL)
            digest_keep_session(d, &ctx, nonce);
    } else if (ss == SEC_I_CONTINUE_NEEDED && out_buf.pvBuffer != NULL) {
        /* RFC 7616 3.3: a stale nonce: the package's new challenge. */
        challenge = digest_challenge_headers(out_buf.pvBuffer, out_buf.cbBuffer);
        code = 401;
        send_response_headers(fd, code, challenge, "stale nonce\n", head_only, keep_alive);
        printf("%s: %s %s -> 401 (stale nonce; new challenge sent)\n", demo_progname(),
               r->method, r->target);
        DeleteSecurityContext(&ctx);
    } else {
        /* Rejected: 401 with a fresh challenge (RFC 7235 3.1). */
        const char *name = demo_status_name(ss);
        size_t blen = 96 + (name ? strlen(name) : 0);

        code = status_is_credential_rejection(ss) ? 401 : 403;
        log_failure(r, code, how, ss);
        if (session != NULL && ss == SEC_E_OUT_OF_SEQUENCE)
            fprintf(stderr, "%s: nc=%s is not the next count for this nonce\n",
                    demo_progname(), nc);
        if (code == 401)
            challenge = digest_new_challenge(s, r, realm16, realm_len);
        body_text = malloc(blen);
        if (body_text != NULL)
            snprintf(body_text, blen, "authentication failed: %s (0x%08lX)\n",
                     name ? name : "unknown status", (unsigned long)(uint32_t)ss);
        send_response_headers(fd, code, challenge,
                              body_text ? body_text : "authentication failed\n", head_only,
                              keep_alive && code == 401);
        if (session == NULL && ss == SEC_I_CONTINUE_NEEDED)
            DeleteSecurityContext(&ctx);
    }
    if (out_buf.pvBuffer != NULL)
        FreeContextBuffer(out_buf.pvBuffer);
    free(challenge);
    free(extra);
    free(body_text);
    return code;
}

/* The request body (WDigest mode hashes it for qop=auth-int): moved out
 * of the connection buffer, the rest received.  *body is malloc'd. */
static int read_body(struct conn *c, size_t header_len, size_t len, unsigned char **body)
{
    size_t have = c->len - header_len;
    unsigned char *b = malloc(len ? len : 1);

    *body = b;
    if (b == NULL)
        return -1;
    if (have > len)
        have = len;
    memcpy(b, c->buf + header_len, have);
    memmove(c->buf + header_len, c->buf + header_len + have, c->len - header_len - have);
    c->len -= have;
    while (have < len) {
        ssize_t n = recv(c->fd, b + have, len - have, 0);
        if (n <= 0)
            return -1;
        have += (size_t)n;
    }
    return 0;
}

/* One connection, on its own thread (demo_pool): requests until a response
 * closes it or --count is reached.  The security context lives as long as
 * the handshake does and belongs to this connection alone. */
static void serve_connection(void *arg, int fd)
{
    struct server *s = arg;
    struct conn *c = calloc(1, sizeof *c);
    CtxtHandle ctx;
    int have_ctx = 0;

    SecInvalidateHandle(&ctx);
    if (c == NULL) {
        fprintf(stderr, "%s: out of memory\n", demo_progname());
        return;
    }
    c->fd = fd;

    for (;;) {
        struct request r;
        size_t header_len = 0;
        int st, head_only, keep = 0, code = 0;
        const char *auth;
        char *body = NULL, *final_b64 = NULL;

        st = read_header(c, &header_len);
        if (st <= 0)
            break; /* closed or broken: nothing to answer */
        if (!claim_request(s))
            break; /* --count reached on other connections */
        if (st != 1) {
            send_response(fd, st, NULL, "bad request\n", 0, 0);
            printf("%s: malformed request -> %d\n", demo_progname(), st);
            request_done(s);
            break;
        }
        st = parse_header(c->buf, &r);
        if (st != 0) {
            send_response(fd, st, NULL, "bad request\n", 0, 0);
            printf("%s: malformed request -> %d\n", demo_progname(), st);
            request_done(s);
            break;
        }
        /* parse_header wrote NULs into the header only; the body follows. */
        auth = r.authorization;
        head_only = strcmp(r.method, "HEAD") == 0;

        if (s->digest != NULL) {
            unsigned char *req_body = NULL;
            if (strcmp(r.method, "GET") != 0 && strcmp(r.method, "POST") != 0 && !head_only) {
                code = 405;
                send_response(fd, code, NULL, "only GET, HEAD and POST are served\n", 0, 0);
                printf("%s: %s %s -> 405\n", demo_progname(), r.method, r.target);
                goto next;
            }
            if (read_body(c, header_len, r.content_length, &req_body) < 0) {
                free(req_body);
                request_done(s);
                break;
            }
            code = digest_request(s, fd, &r, req_body, r.content_length, r.keep_alive_allowed);
            free(req_body);
            r.content_length = 0; /* read above */
            keep = r.keep_alive_allowed && (code == 200 || code == 401);
        } else if (strcmp(r.method, "GET") != 0 && !head_only) {
            code = 405;
            send_response(fd, code, NULL, "only GET and HEAD are served\n", 0, 0);
            printf("%s: %s %s -> 405\n", demo_progname(), r.method, r.target);
        } else if (auth == NULL || strncasecmp(auth, http_scheme, strlen(http_scheme)) != 0 ||
                   (auth[strlen(http_scheme)] != ' ' && auth[strlen(http_scheme)] != '\0')) {
            /* RFC 4559 4.1: challenge with the bare scheme. */
            code = 401;
            send_response(fd, code, "", strcmp(http_scheme, "NTLM") == 0
                                            ? "authentication required: use NTLM\n"
                                            : "authentication required: use Negotiate\n",
                          head_only, 0);
            printf("%s: %s %s -> 401 (no %s credentials; challenge sent)\n",
                   demo_progname(), r.method, r.target, http_scheme);
        } else {
            const char *b64 = auth + strlen(http_scheme);
            unsigned char *token = NULL;
            size_t token_len = 0;
            SecBuffer in_buf, out_buf;
            SecBufferDesc in_desc, out_desc;
            ULONG asc_ret = 0;
            TimeStamp expiry;
            SECURITY_STATUS ss;

            while (*b64 == ' ')
                b64++;
            if (demo_b64_decode(b64, strlen(b64), DEMO_MSG_MAX, &token, &token_len) < 0 ||
                token_len == 0) {
                code = 400;
                send_response(fd, code, NULL, "malformed Negotiate token\n", 0, 0);
                printf("%s: %s %s -> 400 (Authorization: Negotiate with %s)\n",
                       demo_progname(), r.method, r.target,
                       *b64 == '\0' ? "no token" : "bad base64");
                goto next;
            }

            in_buf.cbBuffer = (ULONG)token_len;
            in_buf.BufferType = SECBUFFER_TOKEN;
            in_buf.pvBuffer = token;
            in_desc.ulVersion = SECBUFFER_VERSION;
            in_desc.cBuffers = 1;
            in_desc.pBuffers = &in_buf;
            out_buf.cbBuffer = 0;
            out_buf.BufferType = SECBUFFER_TOKEN;
            out_buf.pvBuffer = NULL;
            out_desc.ulVersion = SECBUFFER_VERSION;
            out_desc.cBuffers = 1;
            out_desc.pBuffers = &out_buf;

            ss = AcceptSecurityContext(&s->cred, have_ctx ? &ctx : NULL, &in_desc, DEMO_ASC_REQ,
                                       SECURITY_NATIVE_DREP, &ctx, &out_desc, &asc_ret, &expiry);
            free(token);
            if (ss == SEC_I_COMPLETE_NEEDED || ss == SEC_I_COMPLETE_AND_CONTINUE) {
                SECURITY_STATUS cs = CompleteAuthToken(&ctx, &out_desc);
                have_ctx = 1;
                if (cs != SEC_E_OK) {
                    code = 403;
                    log_failure(&r, code, "CompleteAuthToken", cs);
                    ss = cs;
                } else {
                    ss = ss == SEC_I_COMPLETE_NEEDED ? SEC_E_OK : SEC_I_CONTINUE_NEEDED;
                }
            } else if (ss == SEC_E_OK || ss == SEC_I_CONTINUE_NEEDED) {
                have_ctx = 1;
            } else {
                /* A failed first call leaves no context; a failed later
                 * leg leaves the one we hold, deleted below. */
                code = status_is_credential_rejection(ss) ? 401 : 403;
                log_failure(&r, code, "AcceptSecurityContext", ss);
            }

            if (out_buf.pvBuffer != NULL && out_buf.cbBuffer > 0 &&
                (ss == SEC_E_OK || ss == SEC_I_CONTINUE_NEEDED)) {
                final_b64 = demo_b64_encode(out_buf.pvBuffer, out_buf.cbBuffer);
                if (final_b64 == NULL) {
                    fprintf(stderr, "%s: out of memory encoding a token\n", demo_progname());
                    ss = SEC_E_INSUFFICIENT_MEMORY;
                    code = 500;
                }
            }
            if (out_buf.pvBuffer != NULL)
                FreeContextBuffer(out_buf.pvBuffer);

            if (ss == SEC_E_OK) {
                SecPkgContext_NamesA names;
                SecPkgContext_NativeNamesA native;
                SECURITY_STATUS qs = QueryContextAttributesA(&ctx, SECPKG_ATTR_NAMES, &names);
                if (qs != SEC_E_OK) {
                    code = 500;
                    log_failure(&r, code, "QueryContextAttributes(SECPKG_ATTR_NAMES)", qs);
                    send_response(fd, code, NULL, "cannot read the client name\n", head_only, 0);
                } else {
                    /* NAMES: the account name ("DOMAIN\user") Windows code
                     * works with; NATIVE_NAMES: the Kerberos principal. */
                    const char *who = names.sUserName ? (const char *)names.sUserName : "";
                    const char *principal = NULL;
                    size_t blen;

                    memset(&native, 0, sizeof native);
                    if (QueryContextAttributesA(&ctx, SECPKG_ATTR_NATIVE_NAMES, &native) ==
                        SEC_E_OK)
                        principal = (const char *)native.sClientName;
                    blen = strlen("authenticated as  ()\n") + strlen(who) +
                           (principal ? strlen(principal) : 0) + 1;
                    body = malloc(blen);
                    if (body != NULL && principal != NULL && strcmp(principal, who) != 0)
                        snprintf(body, blen, "authenticated as %s (%s)\n", who, principal);
                    else if (body != NULL)
                        snprintf(body, blen, "authenticated as %s\n", who);
                    code = 200;
                    /* RFC 4559 5: the final token rides on the 200, so that
                     * the client can complete mutual authentication. */
                    send_response(fd, code, final_b64, body ? body : "authenticated\n",
                                  head_only, 0);
                    /* One line from three calls: hold stdout so that
                     * another connection's line cannot land inside it. */
                    flockfile(stdout);
                    printf("%s: %s %s -> 200 authenticated as %s%s%s%s; ASC_RET ",
                           demo_progname(), r.method, r.target, who,
                           principal ? " (" : "", principal ? principal : "",
                           principal ? ")" : "");
                    demo_print_ret_flags(stdout, asc_ret, 0);
                    printf("%s\n", final_b64 ? "; final token sent" : "");
                    funlockfile(stdout);
                    FreeContextBuffer(names.sUserName);
                    FreeContextBuffer(native.sClientName);
                    FreeContextBuffer(native.sServerName);
                }
                DeleteSecurityContext(&ctx);
                have_ctx = 0;
            } else if (ss == SEC_I_CONTINUE_NEEDED) {
                /* Another leg: keep this connection and its context. */
                code = 401;
                keep = r.keep_alive_allowed;
                send_response(fd, code, final_b64 ? final_b64 : "", "continue the handshake\n",
                              head_only, keep);
                printf("%s: %s %s -> 401 (SEC_I_CONTINUE_NEEDED, continuation token sent)\n",
                       demo_progname(), r.method, r.target);
                if (!keep) {
                    DeleteSecurityContext(&ctx);
                    have_ctx = 0;
                }
            } else {
                const char *name = demo_status_name(ss);
                size_t blen = 64 + (name ? strlen(name) : 0);

                body = malloc(blen);
                if (body != NULL)
                    snprintf(body, blen, "authentication failed: %s (0x%08lX)\n",
                             name ? name : "unknown status", (unsigned long)(uint32_t)ss);
                /* 401 carries a fresh challenge (RFC 7235 3.1). */
                send_response(fd, code, code == 401 ? "" : NULL,
                              body ? body : "authentication failed\n", head_only, 0);
                if (have_ctx) {
                    DeleteSecurityContext(&ctx);
                    have_ctx = 0;
                }
            }
        }
    next:
        request_done(s);
        free(body);
        free(final_b64);
        if (!keep || consume_request(c, header_len, r.content_length) < 0)
            break;
    }

    if (have_ctx)
        DeleteSecurityContext(&ctx);
    free(c);
}

int main(int argc, char **argv)
{
    struct server s;
    const char *port_file = NULL;
    unsigned short port = 0, bound = 0;
    SSPI_SHIM_DIGEST_SERVER_CONFIG dconf;
    struct digest_state *dstate = NULL;
    int use_dconf = 0;
    unsigned max_clients = DEFAULT_MAX_CLIENTS;
    TimeStamp expiry;
    SECURITY_STATUS ss;
    int lfd, i, rc = 0;

    memset(&s, 0, sizeof s);
    memset(&dconf, 0, sizeof dconf);
    dconf.Version = SSPI_SHIM_DIGEST_SERVER_CONFIG_VERSION;
    s.package = "Negotiate";
    demo_set_progname(argv[0]);
    setvbuf(stdout, NULL, _IOLBF, 0);

    for (i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--package") == 0 && i + 1 < argc) {
            s.package = argv[++i];
        } else if (strcmp(a, "--realm") == 0 && i + 1 < argc) {
            dconf.Realm = argv[++i];
        } else if (strcmp(a, "--htdigest") == 0 && i + 1 < argc) {
            dconf.HtdigestFile = argv[++i];
            use_dconf = 1;
        } else if (strcmp(a, "--passwords") == 0 && i + 1 < argc) {
            dconf.PasswordFile = argv[++i];
            use_dconf = 1;
        } else if (strcmp(a, "--algorithms") == 0 && i + 1 < argc) {
            dconf.HttpAlgorithms = argv[++i];
            use_dconf = 1;
        } else if (strcmp(a, "--qop") == 0 && i + 1 < argc) {
            dconf.Qop = argv[++i];
            use_dconf = 1;
        } else if (strcmp(a, "--port") == 0 && i + 1 < argc) {
            if (demo_parse_port(argv[++i], 1, &port) < 0)
                return 2;
        } else if (strcmp(a, "--port-file") == 0 && i + 1 < argc) {
            port_file = argv[++i];
        } else if (strcmp(a, "--count") == 0 && i + 1 < argc) {
            char *e;
            const char *v = argv[++i];
            s.count = strtoul(v, &e, 10);
            if (e == v || *e != '\0' || *v == '-' || s.count == 0) {
                fprintf(stderr, "%s: --count needs a positive number, not '%s'\n",
                        demo_progname(), v);
                return 2;
            }
        } else if (strcmp(a, "--max-clients") == 0 && i + 1 < argc) {
            char *e;
            const char *v = argv[++i];
            unsigned long n = strtoul(v, &e, 10);
            if (e == v || *e != '\0' || *v == '-' || n == 0 || n > MAX_CLIENTS_LIMIT) {
                fprintf(stderr, "%s: --max-clients needs a number from 1 to %u, not '%s'\n",
                        demo_progname(), MAX_CLIENTS_LIMIT, v);
                return 2;
            }
            max_clients = (unsigned)n;
        } else if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            usage(stdout);
            return 0;
        } else {
            fprintf(stderr, "%s: unknown or incomplete argument '%s'\n", demo_progname(), a);
            usage(stderr);
            return 2;
        }
    }

    if (strcmp(s.package, "NTLM") == 0)
        http_scheme = "NTLM";
    if (strcmp(s.package, "WDigest") == 0) {
        dstate = calloc(1, sizeof *dstate);
        if (dstate == NULL) {
            fprintf(stderr, "%s: out of memory\n", demo_progname());
            return 1;
        }
        dstate->realm = dconf.Realm;
        pthread_mutex_init(&dstate->lock, NULL);
        s.digest = dstate;
    } else if (use_dconf || dconf.Realm != NULL) {
        fprintf(stderr, "%s: --realm, --htdigest, --passwords, --algorithms and --qop are "
                        "WDigest options\n", demo_progname());
        return 2;
    }
    /* WDigest: pAuthData NULL reads the htdigest file named by
     * SSPI_SHIM_DIGEST_USERS; the shim's server configuration
     * (include/sspi_shim.h) names other stores and algorithms. */
    ss = AcquireCredentialsHandleA(NULL, (SEC_CHAR *)s.package, SECPKG_CRED_INBOUND, NULL,
                                   use_dconf ? &dconf : NULL, NULL, NULL, &s.cred, &expiry);
    if (ss != SEC_E_OK) {
        demo_print_sspi_error("AcquireCredentialsHandle(SECPKG_CRED_INBOUND)", ss);
        return 1;
    }

    lfd = demo_listen(port, &bound);
    if (lfd < 0) {
        FreeCredentialsHandle(&s.cred);
        return 1;
    }
    if (port_file != NULL && demo_write_port_file(port_file, bound) < 0) {
        demo_close(lfd);
        FreeCredentialsHandle(&s.cred);
        return 1;
    }
    pthread_mutex_init(&s.lock, NULL);
    s.pool = demo_pool_new(max_clients, serve_connection, &s);
    if (s.pool == NULL || demo_pool_stop_on_signals(s.pool) < 0) {
        rc = 1;
    } else {
        printf("%s: %s authentication on http://localhost:%u/ (up to %u clients at once)\n",
               demo_progname(), s.package, (unsigned)bound, max_clients);
        /* Returns once every connection thread has ended: nothing uses
         * the credential or the Digest sessions after this. */
        if (demo_pool_run(s.pool, lfd) < 0)
            rc = 1;
    }

    demo_pool_free(s.pool);
    demo_close(lfd);
    if (dstate != NULL) {
        for (i = 0; i < DIGEST_SESSIONS; i++)
            if (dstate->sessions[i].used)
                DeleteSecurityContext(&dstate->sessions[i].ctx);
        pthread_mutex_destroy(&dstate->lock);
        free(dstate);
    }
    pthread_mutex_destroy(&s.lock);
    FreeCredentialsHandle(&s.cred);
    return rc;
}
