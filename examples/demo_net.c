/*
 * demo_net: loopback TCP, length-prefixed frames, and SSPI status/flag
 * names for the demo programs.  See demo_net.h for the wire protocol.
 */
#include "demo_net.h"

#include <sspi_shim.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static const char *progname = "demo";

void demo_set_progname(const char *name)
{
    const char *slash;

    if (name == NULL || *name == '\0')
        return;
    slash = strrchr(name, '/');
    progname = slash ? slash + 1 : name;
}

const char *demo_progname(void)
{
    return progname;
}

int demo_parse_port(const char *text, int allow_zero, unsigned short *port)
{
    char *end = NULL;
    long v;

    errno = 0;
    v = strtol(text, &end, 10);
    if (errno != 0 || end == text || *end != '\0' || v < (allow_zero ? 0 : 1) || v > 65535) {
        fprintf(stderr, "%s: invalid port '%s' (expected %d..65535)\n", progname, text,
                allow_zero ? 0 : 1);
        return -1;
    }
    *port = (unsigned short)v;
    return 0;
}

static void set_timeouts(int fd)
{
    struct timeval tv;

    tv.tv_sec = DEMO_IO_TIMEOUT;
    tv.tv_usec = 0;
    /* Best effort: without the timeouts we still work, we just may wait. */
    (void)setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    (void)setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
}

/* The first IPv4 or IPv6 address of host (numeric or a name) and port;
 * NULL host: 127.0.0.1.  passive: an address to bind. */
static struct addrinfo *resolve(const char *host, unsigned short port, int passive)
{
    struct addrinfo hints, *res = NULL;
    char service[8];
    int e;

    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = passive ? AI_PASSIVE : 0;
    snprintf(service, sizeof service, "%u", (unsigned)port);
    e = getaddrinfo(host ? host : "127.0.0.1", service, &hints, &res);
    if (e != 0) {
        fprintf(stderr, "%s: cannot resolve %s: %s\n", progname, host ? host : "127.0.0.1",
                gai_strerror(e));
        return NULL;
    }
    return res;
}

int demo_listen(unsigned short port, unsigned short *bound_port)
{
    return demo_listen_on(NULL, port, bound_port);
}

int demo_listen_on(const char *addr, unsigned short port, unsigned short *bound_port)
{
    struct addrinfo *res = resolve(addr, port, 1);
    struct sockaddr_storage ss;
    socklen_t slen = sizeof ss;
    const char *shown = addr ? addr : "127.0.0.1";
    int fd, one = 1;

    if (res == NULL)
        return -1;
    fd = socket(res->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        fprintf(stderr, "%s: socket: %s\n", progname, strerror(errno));
        freeaddrinfo(res);
        return -1;
    }
    (void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (bind(fd, res->ai_addr, res->ai_addrlen) < 0) {
        fprintf(stderr, "%s: bind %s:%u: %s\n", progname, shown, (unsigned)port, strerror(errno));
        goto fail;
    }
    if (listen(fd, 16) < 0) {
        fprintf(stderr, "%s: listen: %s\n", progname, strerror(errno));
        goto fail;
    }
    if (getsockname(fd, (struct sockaddr *)&ss, &slen) < 0) {
        fprintf(stderr, "%s: getsockname: %s\n", progname, strerror(errno));
        goto fail;
    }
    if (bound_port != NULL)
        *bound_port = ntohs(ss.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
                                                     : ((struct sockaddr_in *)&ss)->sin_port);
    freeaddrinfo(res);
    return fd;
fail:
    close(fd);
    freeaddrinfo(res);
    return -1;
}

int demo_write_port_file(const char *path, unsigned short port)
{
    size_t n = strlen(path);
    char *tmp;
    FILE *f;
    int ok;

    tmp = malloc(n + sizeof ".tmp");
    if (tmp == NULL) {
        fprintf(stderr, "%s: out of memory\n", progname);
        return -1;
    }
    memcpy(tmp, path, n);
    memcpy(tmp + n, ".tmp", sizeof ".tmp");

    f = fopen(tmp, "w");
    if (f == NULL) {
        fprintf(stderr, "%s: cannot create %s: %s\n", progname, tmp, strerror(errno));
        free(tmp);
        return -1;
    }
    ok = fprintf(f, "%u\n", (unsigned)port) > 0;
    if (fclose(f) != 0)
        ok = 0;
    if (!ok || rename(tmp, path) != 0) {
        fprintf(stderr, "%s: cannot write %s: %s\n", progname, path, strerror(errno));
        (void)unlink(tmp);
        free(tmp);
        return -1;
    }
    free(tmp);
    return 0;
}

int demo_accept(int listen_fd)
{
    int fd;

    do {
        fd = accept(listen_fd, NULL, NULL);
    } while (fd < 0 && errno == EINTR);
    if (fd < 0) {
        fprintf(stderr, "%s: accept: %s\n", progname, strerror(errno));
        return -1;
    }
    set_timeouts(fd);
    return fd;
}

int demo_connect(unsigned short port)
{
    return demo_connect_host(NULL, port);
}

int demo_connect_host(const char *host, unsigned short port)
{
    struct addrinfo *res = resolve(host, port, 0), *ai;
    int fd = -1, one = 1, err = 0;

    if (res == NULL)
        return -1;
    for (ai = res; ai != NULL && fd < 0; ai = ai->ai_next) {
        fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd >= 0 && connect(fd, ai->ai_addr, ai->ai_addrlen) < 0) {
            err = errno;
            close(fd);
            fd = -1;
        } else if (fd < 0) {
            err = errno;
        }
    }
    freeaddrinfo(res);
    if (fd < 0) {
        fprintf(stderr, "%s: connect to %s:%u: %s\n", progname, host ? host : "127.0.0.1",
                (unsigned)port, strerror(err));
        return -1;
    }
    (void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    set_timeouts(fd);
    return fd;
}

void demo_close(int fd)
{
    if (fd >= 0)
        close(fd);
}

int demo_send_all(int fd, const void *buf, size_t len)
{
    const unsigned char *p = buf;

    while (len > 0) {
        /* MSG_NOSIGNAL: a peer that went away gives EPIPE, not SIGPIPE. */
        ssize_t n = send(fd, p, len, MSG_NOSIGNAL);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            fprintf(stderr, "%s: send: %s\n", progname,
                    errno == EAGAIN || errno == EWOULDBLOCK ? "timed out" : strerror(errno));
            return -1;
        }
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

/* Read exactly len bytes.  Returns 0, or -1 after printing an error;
 * what names the data being read ("length prefix", "message body"). */
static int recv_all(int fd, unsigned char *p, size_t len, const char *what)
{
    size_t got = 0;

    while (got < len) {
        ssize_t n = recv(fd, p + got, len - got, 0);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            fprintf(stderr, "%s: receiving %s: %s\n", progname, what,
                    errno == EAGAIN || errno == EWOULDBLOCK ? "timed out" : strerror(errno));
            return -1;
        }
        if (n == 0) {
            if (got == 0 && strcmp(what, "length prefix") == 0)
                fprintf(stderr, "%s: connection closed by the peer (no message)\n", progname);
            else
                fprintf(stderr, "%s: connection closed by the peer in the middle of the %s "
                        "(%zu of %zu bytes)\n", progname, what, got, len);
            return -1;
        }
        got += (size_t)n;
    }
    return 0;
}

int demo_send_msg(int fd, const void *buf, size_t len)
{
    unsigned char hdr[4];

    if (len > DEMO_MSG_MAX) {
        fprintf(stderr, "%s: refusing to send a %zu-byte message (limit %u)\n", progname, len,
                DEMO_MSG_MAX);
        return -1;
    }
    hdr[0] = (unsigned char)(len >> 24);
    hdr[1] = (unsigned char)(len >> 16);
    hdr[2] = (unsigned char)(len >> 8);
    hdr[3] = (unsigned char)len;
    if (demo_send_all(fd, hdr, sizeof hdr) < 0)
        return -1;
    if (len > 0 && demo_send_all(fd, buf, len) < 0)
        return -1;
    return 0;
}

int demo_recv_msg(int fd, unsigned char **buf, size_t *len, size_t max)
{
    unsigned char hdr[4];
    uint32_t n;
    unsigned char *p;

    *buf = NULL;
    *len = 0;
    if (max > DEMO_MSG_MAX)
        max = DEMO_MSG_MAX;
    if (recv_all(fd, hdr, sizeof hdr, "length prefix") < 0)
        return -1;
    n = (uint32_t)hdr[0] << 24 | (uint32_t)hdr[1] << 16 | (uint32_t)hdr[2] << 8 | hdr[3];
    if (n > max) {
        fprintf(stderr, "%s: the peer announced a %lu-byte message; the limit is %zu "
                "(not speaking the demo protocol?)\n", progname, (unsigned long)n, max);
        return -1;
    }
    p = malloc((size_t)n + 1);
    if (p == NULL) {
        fprintf(stderr, "%s: out of memory for a %lu-byte message\n", progname, (unsigned long)n);
        return -1;
    }
    if (n > 0 && recv_all(fd, p, n, "message body") < 0) {
        free(p);
        return -1;
    }
    p[n] = '\0';
    *buf = p;
    *len = n;
    return 0;
}

/* ------------------------------------------------------------ SSPI names */

/*
 * Status names come from the library (SspiShimStatusName, the same table
 * the library maps GSS-API errors with); what this file adds is a hint
 * about what usually causes each failure in a setup like the demo's.
 */
struct hint_row {
    SECURITY_STATUS status;
    const char *hint;
};

static const struct hint_row hint_rows[] = {
    { SEC_E_INSUFFICIENT_MEMORY, "the library could not allocate memory" },
    { SEC_E_INVALID_HANDLE,
      "a credential or context handle was used before it was set, or after it was freed" },
    { SEC_E_UNSUPPORTED_FUNCTION, "this package does not support the call or attribute" },
    { SEC_E_TARGET_UNKNOWN,
      "the KDC does not know the target SPN: check --target (service/host) and the "
      "principals in the realm" },
    { SEC_E_INTERNAL_ERROR,
      "the GSS-API library reported an error the shim could not map more precisely "
      "(see the detail line)" },
    { SEC_E_SECPKG_NOT_FOUND, "unknown package name: use Kerberos or Negotiate" },
    { SEC_E_INVALID_TOKEN,
      "the peer sent something that is not a token of this package (different "
      "--package on each side, or a corrupted stream)" },
    { SEC_E_LOGON_DENIED, "wrong user name or password (or the account is disabled)" },
    { SEC_E_UNKNOWN_CREDENTIALS,
      "the credentials are not usable: check the user name (user@REALM) and the "
      "credential cache or keytab" },
    { SEC_E_NO_CREDENTIALS,
      "no credentials: on the client run kinit (KRB5CCNAME) or pass --user/--password; "
      "on the server make KRB5_KTNAME name a readable keytab" },
    { SEC_E_MESSAGE_ALTERED, "a message failed its integrity check" },
    { SEC_E_OUT_OF_SEQUENCE, "a message was replayed, lost or reordered" },
    { SEC_E_NO_AUTHENTICATING_AUTHORITY,
      "no KDC could be reached for the realm: check KRB5_CONFIG and that the KDC is running" },
    { SEC_E_CONTEXT_EXPIRED, "the ticket or the context has expired: kinit again" },
    { SEC_E_BUFFER_TOO_SMALL, "an output buffer was too small for the token" },
    { SEC_E_WRONG_PRINCIPAL,
      "the keytab has no key for the SPN the client asked for (check KRB5_KTNAME on the "
      "server and --target on the client)" },
    { SEC_E_TIME_SKEW,
      "the clocks of the client, the server and the KDC differ by more than the allowed "
      "skew" },
    { SEC_E_KDC_UNKNOWN_ETYPE,
      "no common encryption type between the KDC, the client and the keytab" },
    { SEC_E_BAD_BINDINGS, "the channel bindings of the two sides differ" },
    { SEC_E_MUTUAL_AUTH_FAILED, "the server could not prove its identity to the client" },
};

const char *demo_status_name(SECURITY_STATUS status)
{
    return SspiShimStatusName(status);
}

const char *demo_status_hint(SECURITY_STATUS status)
{
    size_t i;

    for (i = 0; i < sizeof hint_rows / sizeof hint_rows[0]; i++)
        if (hint_rows[i].status == status)
            return hint_rows[i].hint;
    return NULL;
}

void demo_print_sspi_error(const char *function, SECURITY_STATUS status)
{
    /* Read the detail first: it lasts only until the next SSPI call. */
    const char *detail = SspiShimLastErrorMessage();
    const char *name = demo_status_name(status);
    const char *hint = demo_status_hint(status);

    fprintf(stderr, "%s: %s failed: %s (0x%08lX)\n", progname, function,
            name ? name : "unknown status", (unsigned long)(uint32_t)status);
    if (detail != NULL && *detail != '\0')
        fprintf(stderr, "%s: detail: %s\n", progname, detail);
    if (hint != NULL)
        fprintf(stderr, "%s: hint: %s\n", progname, hint);
}

struct flag_row {
    ULONG flag;
    const char *name;
};

#define FLAG(f) { f, #f }

static const struct flag_row isc_ret_rows[] = {
    FLAG(ISC_RET_DELEGATE),
    FLAG(ISC_RET_MUTUAL_AUTH),
    FLAG(ISC_RET_REPLAY_DETECT),
    FLAG(ISC_RET_SEQUENCE_DETECT),
    FLAG(ISC_RET_CONFIDENTIALITY),
    FLAG(ISC_RET_USE_SESSION_KEY),
    FLAG(ISC_RET_USED_COLLECTED_CREDS),
    FLAG(ISC_RET_USED_SUPPLIED_CREDS),
    FLAG(ISC_RET_ALLOCATED_MEMORY),
    FLAG(ISC_RET_USED_DCE_STYLE),
    FLAG(ISC_RET_DATAGRAM),
    FLAG(ISC_RET_CONNECTION),
    FLAG(ISC_RET_INTERMEDIATE_RETURN),
    FLAG(ISC_RET_CALL_LEVEL),
    FLAG(ISC_RET_EXTENDED_ERROR),
    FLAG(ISC_RET_STREAM),
    FLAG(ISC_RET_INTEGRITY),
    FLAG(ISC_RET_IDENTIFY),
    FLAG(ISC_RET_NULL_SESSION),
    FLAG(ISC_RET_MANUAL_CRED_VALIDATION),
    FLAG(ISC_RET_FRAGMENT_ONLY),
    FLAG(ISC_RET_FORWARD_CREDENTIALS),
    FLAG(ISC_RET_USED_HTTP_STYLE),
    FLAG(ISC_RET_NO_ADDITIONAL_TOKEN),
    FLAG(ISC_RET_REAUTHENTICATION),
};

static const struct flag_row asc_ret_rows[] = {
    FLAG(ASC_RET_DELEGATE),
    FLAG(ASC_RET_MUTUAL_AUTH),
    FLAG(ASC_RET_REPLAY_DETECT),
    FLAG(ASC_RET_SEQUENCE_DETECT),
    FLAG(ASC_RET_CONFIDENTIALITY),
    FLAG(ASC_RET_USE_SESSION_KEY),
    FLAG(ASC_RET_ALLOCATED_MEMORY),
    FLAG(ASC_RET_USED_DCE_STYLE),
    FLAG(ASC_RET_DATAGRAM),
    FLAG(ASC_RET_CONNECTION),
    FLAG(ASC_RET_CALL_LEVEL),
    FLAG(ASC_RET_THIRD_LEG_FAILED),
    FLAG(ASC_RET_EXTENDED_ERROR),
    FLAG(ASC_RET_STREAM),
    FLAG(ASC_RET_INTEGRITY),
    FLAG(ASC_RET_LICENSING),
    FLAG(ASC_RET_IDENTIFY),
    FLAG(ASC_RET_NULL_SESSION),
    FLAG(ASC_RET_ALLOW_NON_USER_LOGONS),
    FLAG(ASC_RET_ALLOW_CONTEXT_REPLAY),
    FLAG(ASC_RET_FRAGMENT_ONLY),
    FLAG(ASC_RET_NO_TOKEN),
    FLAG(ASC_RET_NO_ADDITIONAL_TOKEN),
};

#undef FLAG

void demo_print_ret_flags(FILE *out, ULONG flags, int is_isc)
{
    const struct flag_row *rows = is_isc ? isc_ret_rows : asc_ret_rows;
    size_t n = is_isc ? sizeof isc_ret_rows / sizeof isc_ret_rows[0]
                      : sizeof asc_ret_rows / sizeof asc_ret_rows[0];
    ULONG left = flags;
    int first = 1;
    size_t i;

    for (i = 0; i < n; i++) {
        if (rows[i].flag != 0 && (flags & rows[i].flag) == rows[i].flag) {
            fprintf(out, "%s%s", first ? "" : " | ", rows[i].name);
            left &= ~rows[i].flag;
            first = 0;
        }
    }
    if (left != 0) {
        fprintf(out, "%s0x%lX", first ? "" : " | ", (unsigned long)left);
        first = 0;
    }
    fprintf(out, "%s (0x%08lX)", first ? "(none)" : "", (unsigned long)flags);
}

void demo_format_timestamp(const TimeStamp *ts, char *out, size_t outlen)
{
    /* FILETIME of 1970-01-01, in 100 ns units since 1601-01-01. */
    const uint64_t unix_epoch = UINT64_C(116444736000000000);
    uint64_t v = (uint64_t)(uint32_t)ts->HighPart << 32 | (uint32_t)ts->LowPart;
    struct tm tm;
    time_t t;

    if (v >= UINT64_C(0x7FFFFFFFFFFFFFFF) || (v >> 32) == 0x7FFFFFFF) {
        snprintf(out, outlen, "never");
        return;
    }
    if (v < unix_epoch) {
        snprintf(out, outlen, "before 1970 (0x%016llX)", (unsigned long long)v);
        return;
    }
    t = (time_t)((v - unix_epoch) / 10000000u);
    /* SSPI TimeStamps are already local time (the FILETIME holds the local
     * wall clock), so break the value down without another conversion, as
     * FileTimeToSystemTime would. */
    if (gmtime_r(&t, &tm) == NULL || strftime(out, outlen, "%Y-%m-%d %H:%M:%S", &tm) == 0)
        snprintf(out, outlen, "0x%016llX", (unsigned long long)v);
}
