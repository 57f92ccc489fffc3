/*
 * tools/tls-plaintext-tap.c - an LD_PRELOAD object that records what a
 * program sends and receives through OpenSSL's SSL_write/SSL_read (and the
 * _ex forms), in plain text, so that tools/capture-corpus.sh can take
 * FreeRDP's CredSSP TSRequests as fuzz seeds: they travel inside TLS, so
 * no transcript shows them.  Built by capture-corpus.sh only; never
 * installed, never linked into the library.
 *
 *   SSPI_TLS_TAP_FILE=FILE LD_PRELOAD=tls-plaintext-tap.so xfreerdp ...
 *
 * Each buffer that went through is appended to FILE as one record:
 *   1 octet   'W' (the program wrote it) or 'R' (it read it)
 *   4 octets  the process id, big-endian
 *   8 octets  the SSL pointer, big-endian (with the pid: which connection)
 *   4 octets  the length, big-endian
 *   the bytes
 * A record is written with one write() on an O_APPEND descriptor, so the
 * threads of freerdp-shadow-cli (one per connection), and processes
 * sharing the file, do not cut into each other's records.
 *
 * Without SSPI_TLS_TAP_FILE the calls just pass through.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct ssl_st SSL;

/* OpenSSL's SSL_read may call SSL_read_ex through the PLT (or the other
 * way round): only the outermost call of a thread is recorded. */
static __thread int depth;

static void *next_symbol(const char *name)
{
    void *f = dlsym(RTLD_NEXT, name);
    if (f == NULL)
        abort(); /* preloaded into a program without OpenSSL's symbols */
    return f;
}

#define HEADER 17 /* direction, pid, SSL pointer, length */

static void record(char dir, const SSL *ssl, const void *buf, size_t len)
{
    const char *path = getenv("SSPI_TLS_TAP_FILE");
    uint64_t id = (uint64_t)(uintptr_t)ssl;
    uint32_t pid = (uint32_t)getpid();
    unsigned char *rec;
    int fd;

    if (path == NULL || *path == '\0' || len == 0 || len > UINT32_MAX)
        return;
    rec = malloc(HEADER + len);
    if (rec == NULL)
        return;
    rec[0] = (unsigned char)dir;
    for (int i = 0; i < 4; i++)
        rec[1 + i] = (unsigned char)(pid >> (24 - 8 * i));
    for (int i = 0; i < 8; i++)
        rec[5 + i] = (unsigned char)(id >> (56 - 8 * i));
    for (int i = 0; i < 4; i++)
        rec[13 + i] = (unsigned char)((uint64_t)len >> (24 - 8 * i));
    memcpy(rec + HEADER, buf, len);
    fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (fd >= 0) {
        /* a short write leaves a cut record, which the reader drops */
        ssize_t ignored = write(fd, rec, HEADER + len);
        (void)ignored;
        close(fd);
    }
    free(rec);
}

int SSL_write(SSL *ssl, const void *buf, int num)
{
    static int (*next)(SSL *, const void *, int);
    int n;

    if (next == NULL)
        next = (int (*)(SSL *, const void *, int))next_symbol("SSL_write");
    depth++;
    n = next(ssl, buf, num);
    depth--;
    if (depth == 0 && n > 0)
        record('W', ssl, buf, (size_t)n);
    return n;
}

int SSL_read(SSL *ssl, void *buf, int num)
{
    static int (*next)(SSL *, void *, int);
    int n;

    if (next == NULL)
        next = (int (*)(SSL *, void *, int))next_symbol("SSL_read");
    depth++;
    n = next(ssl, buf, num);
    depth--;
    if (depth == 0 && n > 0)
        record('R', ssl, buf, (size_t)n);
    return n;
}

int SSL_write_ex(SSL *ssl, const void *buf, size_t num, size_t *written)
{
    static int (*next)(SSL *, const void *, size_t, size_t *);
    int ok;

    if (next == NULL)
        next = (int (*)(SSL *, const void *, size_t, size_t *))next_symbol("SSL_write_ex");
    depth++;
    ok = next(ssl, buf, num, written);
    depth--;
    if (depth == 0 && ok == 1 && written != NULL)
        record('W', ssl, buf, *written);
    return ok;
}

int SSL_read_ex(SSL *ssl, void *buf, size_t num, size_t *readbytes)
{
    static int (*next)(SSL *, void *, size_t, size_t *);
    int ok;

    if (next == NULL)
        next = (int (*)(SSL *, void *, size_t, size_t *))next_symbol("SSL_read_ex");
    depth++;
    ok = next(ssl, buf, num, readbytes);
    depth--;
    if (depth == 0 && ok == 1 && readbytes != NULL)
        record('R', ssl, buf, *readbytes);
    return ok;
}
