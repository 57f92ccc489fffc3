/*
 * Secrets are wiped when freed (issue 6): after a password logon, a
 * handshake and the frees, no copy of the password is left in the
 * process's writable anonymous memory (heap, mmap'd arenas, stacks), in
 * UTF-8 or UTF-16LE.  Freed memory keeps its bytes unless someone wipes
 * them, so a copy the shim or a mechanism forgot shows up in the scan.
 * Each test runs in a fresh forked process (CK_FORK).
 *
 * The password lives only in read-only data (a string literal), which the
 * scan skips with every file-backed mapping.
 */
#include "config.h"

#include <check.h>
#include <ctype.h>
#include <dlfcn.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uchar.h>
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <krb5.h>
#include <openssl/evp.h>
#include <openssl/provider.h>

#include <valgrind/valgrind.h>

#include "handshake.h"
#include "ntlm_client.h"
#include "mechenv.h"
#include "realm.h"
#include "sspi.h"
#include "sspi_shim.h"
#include "suite.h"

static struct test_realm realm;

/* Copies of needle in writable anonymous mappings, except the one at
 * `self` (the test's own search pattern, or NULL): *library counts those
 * inside the krb5 library's RFC 4121 working buffers, recognised by the
 * token header that RFC 4121 4.2.4 encrypts right after the plaintext
 * (05 04 ...).  Heimdal 7.8's crypto frees such buffers without wiping
 * them (its HMAC ipad buffer and its decrypt copy hold plaintext || header;
 * docs/robustness.md); the shim never lays data out that way. */
static int copies_in_memory_except(const void *needle, size_t n, const void *self, int *library)
{
    /* No allocation while scanning, hence no fopen and no ck_assert (in a
     * forked test each passing check mallocs a message to the runner): a
     * malloc here can take the very freed block the scan looks at, or make
     * the allocator consolidate freed chunks, writing over the copies. */
    static char maps[1 << 18];
    size_t used = 0;
    int ours = 0;
    *library = 0;
    int fd = open("/proc/self/maps", O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        abort();
    for (ssize_t r; used < sizeof(maps) - 1 && (r = read(fd, maps + used, sizeof(maps) - 1 - used)) > 0;)
        used += (size_t)r;
    close(fd);
    if (used >= sizeof(maps) - 1)
        abort();   /* a truncated map would hide mappings */
    maps[used] = '\0';
    for (char *line = maps, *next; *line != '\0'; line = next) {
        next = strchr(line, '\n');
        if (next != NULL)
            *next++ = '\0';   /* one line at a time: sscanf must not read on into the next */
        else
            next = line + strlen(line);
        unsigned long lo, hi, offset, inode;
        char perms[8], dev[16], path[256] = "";
        if (sscanf(line, "%lx-%lx %7s %lx %15s %lu %255s", &lo, &hi, perms, &offset, dev,
                   &inode, path) < 6)
            continue;
        if (perms[0] != 'r' || perms[1] != 'w' || path[0] == '/' ||
            strcmp(path, "[vvar]") == 0 || strcmp(path, "[vsyscall]") == 0)
            continue;
        for (const char *p = (const char *)lo, *end = (const char *)hi; p < end;) {
            const char *hit = memmem(p, (size_t)(end - p), needle, n);
            if (hit == NULL)
                break;
            p = hit + 1;
            if (hit == self || (maps <= hit && hit < maps + sizeof(maps)))
                continue;
            bool rfc4121 = hit + n + 2 <= end && (unsigned char)hit[n] == 0x05 &&
                           (unsigned char)hit[n + 1] == 0x04;
            if (rfc4121)
                (*library)++;
            else
                ours++;
            if (getenv("CHECK_SECRETS_DUMP") != NULL) {
                const unsigned char *d = (const unsigned char *)hit - 64;
                fprintf(stderr, "%s copy at %p in %s %s:", rfc4121 ? "library" : "other",
                        (const void *)hit, perms, path);
                for (int i = 0; i < 64 + (int)n + 16 && d + i < (const unsigned char *)end; i++)
                    fprintf(stderr, "%s%02x", i % 32 ? " " : "\n  ", d[i]);
                fprintf(stderr, "\n");
            }
        }
    }
    return ours;
}

static int copies_in_memory(const void *needle, size_t n, int *library)
{
    return copies_in_memory_except(needle, n, NULL, library);
}

/* A long password, so that a copy left in a freed heap chunk keeps most of
 * its bytes: the allocator writes its free-list pointers over the first 16
 * bytes of a chunk, so the scan looks for the part after them. */
#define LONG_USER "carol"
#define LONG_PASSWORD "carol-0123456789-abcdefghij-KLMNOPQRST-uvwxyz"
static const char password8[] = LONG_PASSWORD;
static const char16_t password16[] = u"" LONG_PASSWORD;
#define TAIL 24 /* characters searched for: the password's last 24 */

/* Copies outside the library's working buffers, UTF-8 and UTF-16LE;
 * *library gets the count inside them. */
static int password_copies(int *utf16, int *library)
{
    size_t n = strlen(password8);
    int lib8, lib16;
    *utf16 = copies_in_memory(password16 + (n - TAIL), TAIL * sizeof(char16_t), &lib16);
    int utf8 = copies_in_memory(password8 + (n - TAIL), TAIL, &lib8);
    *library = lib8 + lib16;
    return utf8;
}

/* Copies of the password left (UTF-8 and UTF-16), reported. */
static int password_left(const char *what)
{
    int utf16, library, utf8 = password_copies(&utf16, &library);
    /* Measured, not asserted: the GSS library's own unwiped buffers. */
    fprintf(stderr, "%s: password: %d UTF-8 and %d UTF-16 copies left (%d more in the krb5 "
            "library's RFC 4121 working buffers)\n", what, utf8, utf16, library);
    return utf8 + utf16;
}

static void assert_no_copy(const char *what)
{
    int left = password_left(what);
    ck_assert_msg(left == 0, "%s: %d copies of the password left in memory", what, left);
}

/* ------------------------------------------------------------ keys */

/*
 * Keys the test learns at run time.  The test keeps them XOR-masked, so
 * that its own record is no copy the scan would find; the pattern it
 * searches for is unmasked into a buffer the scan skips, then wiped.
 * Keys it must compute itself (the keytab's, the NTLM ones) are computed in
 * a forked child and sent back masked: the krb5 and OpenSSL calls that
 * compute them leave nothing in the process under test.
 */
#define MASK 0xa5
struct secret {
    char what[64];
    unsigned char masked[128];
    size_t len;
};

static void secret_set(struct secret *s, const char *what, const void *key, size_t n)
{
    ck_assert_uint_le(n, sizeof(s->masked) / 2);
    snprintf(s->what, sizeof(s->what), "%s", what);
    s->len = n;
    for (size_t i = 0; i < n; i++)
        s->masked[i] = ((const unsigned char *)key)[i] ^ MASK;
}

/* The lower-case hex form of a key (Digest keeps H(A1) as hex text). */
static void secret_set_hex(struct secret *hex, const char *what, const struct secret *s)
{
    static const char digits[] = "0123456789abcdef";
    snprintf(hex->what, sizeof(hex->what), "%s", what);
    hex->len = s->len * 2;
    for (size_t i = 0; i < s->len; i++) {
        unsigned b = s->masked[i] ^ MASK;
        hex->masked[2 * i] = (unsigned char)(digits[b >> 4] ^ MASK);
        hex->masked[2 * i + 1] = (unsigned char)(digits[b & 15] ^ MASK);
    }
}

/* The bytes searched for: a freed chunk loses its first 16 bytes to the
 * allocator's free-list pointers, so of a key of 32 bytes or more the
 * rest is searched.  A 16-byte key is searched whole: a copy inside a
 * larger block or on a stack is found, one alone in a freed 16-byte block
 * is overwritten by the allocator itself. */
static size_t secret_skip(const struct secret *s)
{
    return s->len >= 32 ? 16 : 0;
}

/* The part of the key that is searched for, unmasked into clear (which
 * the caller wipes); returns its length. */
static size_t secret_searched_part(const struct secret *s, unsigned char *clear)
{
    size_t skip = secret_skip(s), n = s->len - skip;
    for (size_t i = 0; i < n; i++)
        clear[i] = s->masked[skip + i] ^ MASK;
    return n;
}

static int secret_copies(const struct secret *s, int *library)
{
    static unsigned char clear[sizeof(s->masked)]; /* static: no allocation (see the scan) */
    size_t n = secret_searched_part(s, clear);
    int ours = copies_in_memory_except(clear, n, clear, library);
    explicit_bzero(clear, n);
    return ours;
}

/* Whether the searched part of the key is still at p (a freed block). */
static bool secret_still_at(const struct secret *s, const unsigned char *p)
{
    size_t skip = secret_skip(s);
    unsigned diff = 0;
    for (size_t i = skip; i < s->len; i++)
        diff |= p[i] ^ s->masked[i] ^ MASK;
    return diff == 0;
}

/* Copies of a key left, reported; the caller asserts once all are
 * counted (a passing check mallocs, and could take a freed copy). */
static int secret_left(const struct secret *s, const char *when)
{
    int library, ours = secret_copies(s, &library);
    fprintf(stderr, "%s: %s: %d copies left (%d more in the krb5 library's RFC 4121 buffers)\n",
            when, s->what, ours, library);
    return ours;
}

/* Runs learn() in a forked child and returns the secrets it found (masked
 * on the way through the pipe, as everywhere). */
static int learn_in_child(int (*learn)(struct secret *, int), struct secret *out, int max)
{
    int fds[2];
    ck_assert_int_eq(pipe(fds), 0);
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        close(fds[0]);
        struct secret found[16];
        int n = learn(found, max < 16 ? max : 16);
        if (n < 0)
            n = 0;
        bool ok = write(fds[1], &n, sizeof(n)) == (ssize_t)sizeof(n) &&
                  write(fds[1], found, sizeof(found[0]) * (size_t)n) ==
                      (ssize_t)(sizeof(found[0]) * (size_t)n);
        _exit(ok ? 0 : 1);
    }
    close(fds[1]);
    int n = 0, status;
    ck_assert_int_eq(read(fds[0], &n, sizeof(n)), (ssize_t)sizeof(n));
    ck_assert(n >= 0 && n <= max);
    size_t want = sizeof(out[0]) * (size_t)n, got = 0;
    while (got < want) {
        ssize_t r = read(fds[0], (char *)out + got, want - got);
        ck_assert_int_gt(r, 0);
        got += (size_t)r;
    }
    close(fds[0]);
    ck_assert_int_eq(waitpid(pid, &status, 0), pid);
    ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    return n;
}

/* ------------------------------------------------------------ trace output */

/*
 * Every case runs with SSPI_SHIM_TRACE on (docs/tracing.md), its own file
 * per test process; at the end the file must name the package's calls
 * (else the check below would see nothing) and hold neither the password
 * (UTF-8, UTF-16LE, hex) nor any key the case knows (raw, hex either case).
 * Runs after the memory scans: reading the file allocates.
 */
static char trace_path[TEST_REALM_PATH_MAX + 64];

static void trace_start(void)
{
    snprintf(trace_path, sizeof(trace_path), "%s/trace-%ld.log", realm.dir, (long)getpid());
    remove(trace_path);
    setenv("SSPI_SHIM_TRACE", trace_path, 1);   /* read at this process's first SSPI call */
}

static bool trace_holds(const char *text, size_t len, const void *bytes, size_t n)
{
    return memmem(text, len, bytes, n) != NULL;
}

/* hex of bytes (lower or upper case) in the trace */
static bool trace_holds_hex(const char *text, size_t len, const unsigned char *bytes, size_t n,
                            bool upper)
{
    char hex[2 * 128 + 1];
    for (size_t i = 0; i < n && i < 128; i++)
        snprintf(hex + 2 * i, 3, upper ? "%02X" : "%02x", bytes[i]);
    bool found = trace_holds(text, len, hex, 2 * (n < 128 ? n : 128));
    explicit_bzero(hex, sizeof(hex));
    return found;
}

static void assert_trace_clean(const char *pkg, const struct secret *keys, int nkeys)
{
    FILE *f = fopen(trace_path, "r");
    ck_assert_msg(f != NULL, "no trace written to %s", trace_path);
    static char text[1 << 20];
    size_t len = fread(text, 1, sizeof(text) - 1, f);
    fclose(f);
    text[len] = '\0';
    char field[64];
    snprintf(field, sizeof(field), "InitializeSecurityContextA package=%s ", pkg);
    ck_assert_msg(strstr(text, field) != NULL, "the trace has no '%s' line:\n%s", field, text);
    size_t n = strlen(password8);
    ck_assert_msg(!trace_holds(text, len, password8, n), "%s: the password is in the trace", pkg);
    ck_assert_msg(!trace_holds(text, len, password16, n * sizeof(char16_t)),
                  "%s: the UTF-16 password is in the trace", pkg);
    ck_assert_msg(!trace_holds_hex(text, len, (const unsigned char *)password8, n, false) &&
                      !trace_holds_hex(text, len, (const unsigned char *)password8, n, true),
                  "%s: the password's hex is in the trace", pkg);
    for (int i = 0; i < nkeys; i++) {
        static unsigned char key[sizeof(keys[i].masked)];
        for (size_t j = 0; j < keys[i].len; j++)
            key[j] = keys[i].masked[j] ^ MASK;
        bool raw = trace_holds(text, len, key, keys[i].len),
             hex = trace_holds_hex(text, len, key, keys[i].len, false) ||
                   trace_holds_hex(text, len, key, keys[i].len, true);
        explicit_bzero(key, keys[i].len);
        ck_assert_msg(!raw && !hex, "%s: the %s is in the trace (%s)", pkg, keys[i].what,
                      raw ? "raw" : "hex");
    }
    explicit_bzero(text, len);
}

/* The scan itself: a copy freed without wiping is found, a wiped one not.
 * Without this the other tests could pass by seeing nothing at all. */
START_TEST(scan_finds_an_unwiped_copy)
{
    int utf16, library;
    char *copy = strdup(password8);
    ck_assert_int_eq(password_copies(&utf16, &library), 1);
    free(copy);
    ck_assert_int_eq(password_copies(&utf16, &library), 1);   /* freed, not wiped: still there */
    copy = strdup(password8);
    explicit_bzero(copy, strlen(copy));
    free(copy);
    ck_assert_int_eq(password_copies(&utf16, &library), 0);
    static char16_t *volatile wide; /* volatile: the compiler must not drop the copy */
    wide = malloc(sizeof(password16));
    memcpy(wide, password16, sizeof(password16));
    free(wide);
    password_copies(&utf16, &library);
    ck_assert_int_eq(utf16, 1);

    /* A 32-byte key: its record is not a copy; a freed unwiped copy is
     * found, and secret_still_at sees it in the freed block; wiped, not. */
    static const unsigned char key[32] = "0123456789abcdef-a 32-byte key!";
    struct secret s;
    secret_set(&s, "test key", key, sizeof(key));
    ck_assert_int_eq(secret_copies(&s, &library), 0);   /* the literal is read-only data */
    static unsigned char *volatile block;
    block = malloc(sizeof(key));
    memcpy(block, key, sizeof(key));
    ck_assert_int_eq(secret_copies(&s, &library), 1);
    free(block);
    /* Both measured before the next passing check, whose message to the
     * runner is malloc'd and may take the freed block. */
    bool still = secret_still_at(&s, block);
    int left = secret_copies(&s, &library);
    ck_assert_int_eq(left, 1);
    ck_assert(still);
    block = malloc(sizeof(key));
    memcpy(block, key, sizeof(key));
    explicit_bzero(block, sizeof(key));
    free(block);
    still = secret_still_at(&s, block);
    left = secret_copies(&s, &library);
    ck_assert_int_eq(left, 0);
    ck_assert(!still);
    struct secret hex;
    secret_set_hex(&hex, "test key, hex", &s);
    ck_assert_int_eq(secret_copies(&hex, &library), 0);
    static char *volatile text;
    text = malloc(80);
    for (size_t i = 0; i < sizeof(key); i++)
        sprintf(text + 2 * i, "%02x", key[i]);
    ck_assert_int_eq(secret_copies(&hex, &library), 1);
    explicit_bzero(text, 80);
    free(text);
}
END_TEST

/* Returns the password copies left (reported, not asserted). */
static int logon_handshake_and_free_count(const char *pkg, const char *target, ULONG isc_req)
{
    trace_start();
    char upn[256];
    CredHandle cc, sc;
    struct handshake h;
    snprintf(upn, sizeof(upn), "%s@%s", LONG_USER, realm.realm);
    ASSERT_STATUS(handshake_client_cred(pkg, upn, password8, &cc), SEC_E_OK);
    ASSERT_STATUS(handshake_server_cred(pkg, &sc), SEC_E_OK);
    ASSERT_STATUS(handshake_run(&cc, &sc, target, isc_req, 0, NULL, 0, NULL, 0, &h), SEC_E_OK);
    handshake_end(&h);
    FreeCredentialsHandle(&cc);
    FreeCredentialsHandle(&sc);
    return password_left(pkg);
}

static void logon_handshake_and_free(const char *pkg, const char *target, ULONG isc_req)
{
    int left = logon_handshake_and_free_count(pkg, target, isc_req);
    ck_assert_msg(left == 0, "%s: %d copies of the password left in memory", pkg, left);
    assert_trace_clean(pkg, NULL, 0);
}

/* A secret message sealed by one side and unsealed by the other: once the
 * caller wipes its own buffers, no plaintext copy is left. */
START_TEST(sealed_message_leaves_no_copy)
{
    CredHandle cc, sc;
    struct handshake h;
    char upn[256];
    snprintf(upn, sizeof(upn), "%s@%s", TEST_REALM_ALICE, realm.realm);
    ASSERT_STATUS(handshake_client_cred(PKG, upn, TEST_REALM_ALICE_PASSWORD, &cc), SEC_E_OK);
    ASSERT_STATUS(handshake_server_cred(PKG, &sc), SEC_E_OK);
    ASSERT_STATUS(handshake_run(&cc, &sc, TEST_REALM_HTTP_SERVICE,
                                ISC_REQ_MUTUAL_AUTH | ISC_REQ_CONFIDENTIALITY, ASC_REQ_CONFIDENTIALITY,
                                NULL, 0, NULL, 0, &h),
                  SEC_E_OK);
    SecPkgContext_Sizes sizes;
    ASSERT_STATUS(QueryContextAttributesA(&h.client, SECPKG_ATTR_SIZES, &sizes), SEC_E_OK);
    unsigned char *token = malloc(sizes.cbSecurityTrailer);
    char *data = strdup(password8);
    SecBuffer b[2] = {{sizes.cbSecurityTrailer, SECBUFFER_TOKEN, token},
                      {(ULONG)strlen(data), SECBUFFER_DATA, data}};
    SecBufferDesc msg = {SECBUFFER_VERSION, 2, b};
    ASSERT_STATUS(EncryptMessage(&h.client, 0, &msg, 0), SEC_E_OK);
    ASSERT_STATUS(DecryptMessage(&h.server, &msg, 0, NULL), SEC_E_OK);
    ck_assert_mem_eq(b[1].pvBuffer, password8, strlen(password8));
    explicit_bzero(data, strlen(password8));
    free(data);
    free(token);
    handshake_end(&h);
    FreeCredentialsHandle(&cc);
    FreeCredentialsHandle(&sc);
    assert_no_copy(PKG);
}
END_TEST

START_TEST(kerberos_password_logon_leaves_no_copy)
{
    logon_handshake_and_free(PKG, TEST_REALM_HTTP_SERVICE, ISC_REQ_MUTUAL_AUTH);
}
END_TEST

/* CredSSP sends the password itself to the server (TSCredentials): the
 * client's copies, the TLS records and the server's decoded copy must all
 * be gone after the contexts are deleted. */
START_TEST(credssp_delegated_password_leaves_no_copy)
{
    logon_handshake_and_free("CREDSSP", "TERMSRV/localhost",
                             ISC_REQ_DELEGATE | ISC_REQ_MUTUAL_AUTH);
}
END_TEST

/* ------------------------------------------------------------ keys: keytab and session */

/* The acceptor's keys for HTTP/localhost, read from the test keytab. */
static int keytab_keys(struct secret *out, int max)
{
    krb5_context k;
    krb5_keytab kt;
    krb5_kt_cursor cursor;
    krb5_keytab_entry e;
    int n = 0;
    if (krb5_init_context(&k) != 0)
        return -1;
    if (krb5_kt_default(k, &kt) == 0) {
        if (krb5_kt_start_seq_get(k, kt, &cursor) == 0) {
            while (n < max && krb5_kt_next_entry(k, kt, &e, &cursor) == 0) {
                char *name = NULL, what[64];
                if (krb5_unparse_name(k, e.principal, &name) == 0 &&
                    strncmp(name, TEST_REALM_HTTP_SERVICE "@", strlen(TEST_REALM_HTTP_SERVICE) + 1) == 0) {
#ifdef SSPI_SHIM_HEIMDAL
                    snprintf(what, sizeof(what), "keytab key (enctype %d)", (int)e.keyblock.keytype);
                    secret_set(&out[n++], what, e.keyblock.keyvalue.data, e.keyblock.keyvalue.length);
#else
                    snprintf(what, sizeof(what), "keytab key (enctype %d)", (int)e.key.enctype);
                    secret_set(&out[n++], what, e.key.contents, e.key.length);
#endif
                }
                free(name); /* krb5_unparse_name mallocs on both flavours */
                krb5_kt_free_entry(k, &e);
            }
            krb5_kt_end_seq_get(k, kt, &cursor);
        }
        krb5_kt_close(k, kt);
    }
    krb5_free_context(k);
    return n;
}

/* The service key: the acceptor decrypts the ticket with it (read from
 * the keytab by the GSS library); after the context and the credential
 * are gone, no copy of it is left. */
START_TEST(keytab_key_leaves_no_copy)
{
    struct secret keys[8];
    int n = learn_in_child(keytab_keys, keys, 8);
    ck_assert_int_gt(n, 0);
    int left = logon_handshake_and_free_count("Kerberos", TEST_REALM_HTTP_SERVICE,
                                              ISC_REQ_MUTUAL_AUTH);
    for (int i = 0; i < n; i++)
        left += secret_left(&keys[i], "Kerberos");
    ck_assert_msg(left == 0, "%d copies of the password or the keytab keys left", left);
    assert_trace_clean("Kerberos", keys, n);
}
END_TEST

/*
 * QueryContextAttributes(SECPKG_ATTR_SESSION_KEY) hands the key out in a
 * block the caller frees with FreeContextBuffer: that wipes it (the block
 * itself is checked after the free).  The copies left anywhere once the
 * contexts are deleted are counted and reported.
 */
/* With tools/freed-block-origin.c preloaded: the call stacks that freed
 * a block holding the searched part of the key (a diagnostic; no-op
 * otherwise). */
static void report_freed_origins(const struct secret *s)
{
    void (*report)(const void *, size_t) =
        (void (*)(const void *, size_t))dlsym(RTLD_DEFAULT, "freed_block_origin_report");
    if (report == NULL)
        return;
    static unsigned char clear[sizeof(s->masked)]; /* static: no allocation */
    size_t n = secret_searched_part(s, clear);
    report(clear, n);
    explicit_bzero(clear, n);
}

START_TEST(session_key_is_wiped_when_freed)
{
    CredHandle cc, sc;
    struct handshake h;
    char upn[256];
    trace_start();
    snprintf(upn, sizeof(upn), "%s@%s", LONG_USER, realm.realm);
    ASSERT_STATUS(handshake_client_cred(PKG, upn, password8, &cc), SEC_E_OK);
    ASSERT_STATUS(handshake_server_cred(PKG, &sc), SEC_E_OK);
    ASSERT_STATUS(handshake_run(&cc, &sc, TEST_REALM_HTTP_SERVICE, ISC_REQ_MUTUAL_AUTH, 0, NULL, 0,
                                NULL, 0, &h),
                  SEC_E_OK);
    struct secret key;
    CtxtHandle *sides[2] = {&h.client, &h.server};
    for (int i = 0; i < 2; i++) {
        SecPkgContext_SessionKey sk;
        ASSERT_STATUS(QueryContextAttributesA(sides[i], SECPKG_ATTR_SESSION_KEY, &sk), SEC_E_OK);
        /* aes256-cts, the realm's first enctype: 32 bytes, of which the
         * allocator leaves the last 16 alone in a freed block. */
        ck_assert_uint_ge(sk.SessionKeyLength, 32);
        secret_set(&key, "session key", sk.SessionKey, sk.SessionKeyLength);
        unsigned char *block = sk.SessionKey;
        SECURITY_STATUS st = FreeContextBuffer(sk.SessionKey);
        bool still = secret_still_at(&key, block);   /* before any check mallocs */
        ASSERT_STATUS(st, SEC_E_OK);
        ck_assert_msg(!still, "FreeContextBuffer left the session key in the freed block");
    }
    handshake_end(&h);
    FreeCredentialsHandle(&cc);
    FreeCredentialsHandle(&sc);
    /* Measured, not asserted: after the deletes, Heimdal 7.8 leaves 3
     * copies in blocks its krb5_mk_rep/krb5_rd_rep free unwiped (the
     * AP-REP's EncAPRepPart and its subkey), MIT 1.20 2 on dead stack
     * after SPNEGO (docs/robustness.md); not the shim's to wipe. */
    secret_left(&key, PKG);
    report_freed_origins(&key);
    assert_trace_clean(PKG, &key, 1);
}
END_TEST

/* ------------------------------------------------------------ NTLM */

/* The NT hash, MD4(UTF-16LE(password)) ([MS-NLMP] 3.3.1 NTOWFv1). */
static int nt_hash(struct secret *out, int max)
{
    (void)max;
    OSSL_LIB_CTX *lc = OSSL_LIB_CTX_new();
    unsigned char md[16];
    unsigned int n = 0;
    EVP_MD *md4 = NULL;
    if (lc == NULL || !OSSL_PROVIDER_load(lc, "legacy") ||
        (md4 = EVP_MD_fetch(lc, "MD4", NULL)) == NULL ||
        EVP_Digest(password16, sizeof(password16) - sizeof(char16_t), md, &n, md4, NULL) != 1)
        return -1;
    secret_set(&out[0], "NT hash", md, n);
    return 1;
}

#define NTLM_DOMAIN "SSPI"
#define NTLM_REQ (ISC_REQ_CONFIDENTIALITY | ISC_REQ_INTEGRITY | ISC_REQ_CONNECTION)

/* NTLM on Heimdal: the built-in mechanism on both sides, the acceptor
 * checking the response through the KDC's digest service.  On MIT:
 * gss-ntlmssp on both sides, the acceptor's user store NTLM_USER_FILE. */
#ifndef SSPI_SHIM_HEIMDAL
/* gss-ntlmssp's acceptor store, in its smbpasswd form: the NT hash, as a
 * Windows server's store holds it, not the password (which would put the
 * acceptor's own UTF-16 copy of it in the scan: NTOWFv1 frees its buffer
 * unwiped, src/ntlm_crypto.c). */
static void ntlm_hash_user_file(const struct secret *hash)
{
    static char path[600];
    snprintf(path, sizeof(path), "%s/ntlm-users", realm.dir);
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    struct secret hex;
    secret_set_hex(&hex, "NT hash, hex", hash);
    fprintf(f, "%s\\%s:1000:%032d:", NTLM_DOMAIN, LONG_USER, 0);
    for (size_t i = 0; i < hex.len; i++)
        fputc(hex.masked[i] ^ MASK, f);
    fputs(":[U          ]:LCT-00000000:\n", f);
    ck_assert_int_eq(fclose(f), 0);
    setenv("NTLM_USER_FILE", path, 1);
}
#endif

START_TEST(ntlm_password_logon_leaves_no_copy)
{
    struct secret hash;
    ck_assert_int_eq(learn_in_child(nt_hash, &hash, 1), 1);
#ifndef SSPI_SHIM_HEIMDAL
    ntlm_hash_user_file(&hash);
#endif
    trace_start();
    SEC_WINNT_AUTH_IDENTITY_A id = {
        (unsigned char *)LONG_USER, (ULONG)strlen(LONG_USER), (unsigned char *)NTLM_DOMAIN,
        (ULONG)strlen(NTLM_DOMAIN), (unsigned char *)password8, (ULONG)strlen(password8),
        SEC_WINNT_AUTH_IDENTITY_ANSI};
    CredHandle cc, sc;
    struct handshake h;
    TimeStamp expiry;
    ASSERT_STATUS(AcquireCredentialsHandleA(NULL, NTLMSP_NAME_A, SECPKG_CRED_OUTBOUND, NULL, &id,
                                            NULL, NULL, &cc, &expiry),
                  SEC_E_OK);
    ASSERT_STATUS(handshake_server_cred(NTLMSP_NAME_A, &sc), SEC_E_OK);
    ASSERT_STATUS(handshake_run(&cc, &sc, TEST_REALM_HTTP_SERVICE, NTLM_REQ, ASC_REQ_CONFIDENTIALITY |
                                ASC_REQ_INTEGRITY | ASC_REQ_CONNECTION, NULL, 0, NULL, 0, &h),
                  SEC_E_OK);
    /* A message each way, so that both sides use their sealing keys. */
    CtxtHandle *sides[2][2] = {{&h.client, &h.server}, {&h.server, &h.client}};
    for (int dir = 0; dir < 2; dir++) {
        char text[] = "a message sealed by NTLM";
        unsigned char sig[64];
        SecBuffer b[2] = {{sizeof(sig), SECBUFFER_TOKEN, sig}, {sizeof(text), SECBUFFER_DATA, text}};
        SecBufferDesc msg = {SECBUFFER_VERSION, 2, b};
        ASSERT_STATUS(EncryptMessage(sides[dir][0], 0, &msg, 0), SEC_E_OK);
        ASSERT_STATUS(DecryptMessage(sides[dir][1], &msg, 0, NULL), SEC_E_OK);
    }
    handshake_end(&h);
    FreeCredentialsHandle(&cc);
    FreeCredentialsHandle(&sc);
    int left = password_left("NTLM") + secret_left(&hash, "NTLM");
    ck_assert_msg(left == 0, "%d copies of the password or the NT hash left", left);
    assert_trace_clean("NTLM", &hash, 1);
}
END_TEST

/* ------------------------------------------------------------ WDigest */

#define DIGEST_REALM "secrets@example.org"
#define DIGEST_URI "/secret/index.html"
static char password_file[TEST_REALM_PATH_MAX + 32], htdigest_file[TEST_REALM_PATH_MAX + 32];

struct digest_leg {
    unsigned char out[4096];
    ULONG out_len;
};

static SECURITY_STATUS digest_accept(CredHandle *sc, CtxtHandle *sx, bool first, const void *tok,
                                     ULONG tok_len, struct digest_leg *leg)
{
    SEC_WCHAR wrealm[] = u"" DIGEST_REALM;
    SecBuffer in[5] = {
        {tok_len, SECBUFFER_TOKEN, (void *)tok},
        {3, SECBUFFER_PKG_PARAMS, (void *)"GET"},
        {0, SECBUFFER_PKG_PARAMS, NULL},
        {0, SECBUFFER_PKG_PARAMS, NULL},
        {(ULONG)(sizeof(wrealm) - sizeof(SEC_WCHAR)), SECBUFFER_PKG_PARAMS, wrealm},
    };
    SecBufferDesc ind = {SECBUFFER_VERSION, 5, in};
    SecBuffer out = {sizeof(leg->out), SECBUFFER_TOKEN, leg->out};
    SecBufferDesc outd = {SECBUFFER_VERSION, 1, &out};
    ULONG attr;
    TimeStamp expiry;
    SECURITY_STATUS st = AcceptSecurityContext(sc, first ? NULL : sx, &ind,
                                               ASC_REQ_ALLOW_MISSING_BINDINGS, 0, sx, &outd,
                                               &attr, &expiry);
    leg->out_len = out.cbBuffer;
    return st;
}

static SECURITY_STATUS digest_init(CredHandle *cc, CtxtHandle *cx, bool first, const void *tok,
                                   ULONG tok_len, struct digest_leg *leg)
{
    SecBuffer in[3] = {
        {tok_len, SECBUFFER_TOKEN, (void *)tok},
        {3, SECBUFFER_PKG_PARAMS, (void *)"GET"},
        {0, SECBUFFER_PKG_PARAMS, NULL},
    };
    SecBufferDesc ind = {SECBUFFER_VERSION, 3, in};
    SecBuffer out = {sizeof(leg->out), SECBUFFER_TOKEN, leg->out};
    SecBufferDesc outd = {SECBUFFER_VERSION, 1, &out};
    ULONG attr;
    TimeStamp expiry;
    SECURITY_STATUS st = InitializeSecurityContextA(cc, first ? NULL : cx, (SEC_CHAR *)DIGEST_URI,
                                                    ISC_REQ_USE_HTTP_STYLE, 0, 0, &ind, 0, cx,
                                                    &outd, &attr, &expiry);
    leg->out_len = out.cbBuffer;
    return st;
}

/* The client's password identity and the server's store, both WDigest. */
static void digest_credentials(const SSPI_SHIM_DIGEST_SERVER_CONFIG *config, CredHandle *cc,
                               CredHandle *sc)
{
    SEC_WINNT_AUTH_IDENTITY_A id = {
        (unsigned char *)LONG_USER, (ULONG)strlen(LONG_USER), NULL, 0,
        (unsigned char *)password8, (ULONG)strlen(password8), SEC_WINNT_AUTH_IDENTITY_ANSI};
    ASSERT_STATUS(AcquireCredentialsHandleA(NULL, (LPSTR) "WDigest", SECPKG_CRED_OUTBOUND, NULL,
                                            &id, NULL, NULL, cc, NULL),
                  SEC_E_OK);
    ASSERT_STATUS(AcquireCredentialsHandleA(NULL, (LPSTR) "WDigest", SECPKG_CRED_INBOUND, NULL,
                                            (void *)config, NULL, NULL, sc, NULL),
                  SEC_E_OK);
}

/*
 * WDigest over HTTP: the client's password (from the identity), the
 * server's user store (a password file, or an htdigest file of H(A1)
 * values), and the Digest session key H(A1) the two contexts hold, which
 * SECPKG_ATTR_SESSION_KEY returns (binary; the mechanism keeps it as hex
 * text).  Loop 0: password store; 1: htdigest store (MD5).
 */
START_TEST(wdigest_logon_leaves_no_copy)
{
    trace_start();
    SSPI_SHIM_DIGEST_SERVER_CONFIG config;
    memset(&config, 0, sizeof(config));
    config.Version = SSPI_SHIM_DIGEST_SERVER_CONFIG_VERSION;
    config.Realm = DIGEST_REALM;
    if (_i == 0) {
        config.PasswordFile = password_file;
    } else {
        config.HtdigestFile = htdigest_file;
        config.HttpAlgorithms = "MD5";
    }
    CredHandle cc, sc;
    CtxtHandle cx, sx;
    digest_credentials(&config, &cc, &sc);
    static struct digest_leg s1, c1, s2, c2;
    ASSERT_STATUS(digest_accept(&sc, &sx, true, NULL, 0, &s1), SEC_I_CONTINUE_NEEDED);
    SECURITY_STATUS st = digest_init(&cc, &cx, true, s1.out, s1.out_len, &c1);
    ck_assert_msg(st == SEC_I_CONTINUE_NEEDED || st == SEC_E_OK, "ISC: 0x%08x %s", (unsigned)st,
                  SspiShimLastErrorMessage());
    ASSERT_STATUS(digest_accept(&sc, &sx, false, c1.out, c1.out_len, &s2), SEC_E_OK);
    if (st == SEC_I_CONTINUE_NEEDED)
        ASSERT_STATUS(digest_init(&cc, &cx, false, s2.out, s2.out_len, &c2), SEC_E_OK);

    struct secret ha1, ha1_hex;
    CtxtHandle *sides[2] = {&cx, &sx};
    for (int i = 0; i < 2; i++) {
        SecPkgContext_SessionKey sk;
        ASSERT_STATUS(QueryContextAttributesA(sides[i], SECPKG_ATTR_SESSION_KEY, &sk), SEC_E_OK);
        ck_assert_uint_ge(sk.SessionKeyLength, 16);
        secret_set(&ha1, "Digest H(A1)", sk.SessionKey, sk.SessionKeyLength);
        unsigned char *block = sk.SessionKey;
        SECURITY_STATUS freed = FreeContextBuffer(sk.SessionKey);
        bool still = sk.SessionKeyLength >= 32 && secret_still_at(&ha1, block);
        ASSERT_STATUS(freed, SEC_E_OK);
        ck_assert_msg(!still, "FreeContextBuffer left H(A1) in the freed block");
    }
    secret_set_hex(&ha1_hex, "Digest H(A1), hex", &ha1);
    DeleteSecurityContext(&cx);
    DeleteSecurityContext(&sx);
    FreeCredentialsHandle(&cc);
    FreeCredentialsHandle(&sc);
    int left = password_left("WDigest") + secret_left(&ha1, "WDigest") +
               secret_left(&ha1_hex, "WDigest");
    ck_assert_msg(left == 0, "%d copies of the password or H(A1) left", left);
    struct secret both[2] = {ha1, ha1_hex};
    assert_trace_clean("WDigest", both, 2);
}
END_TEST

/*
 * WDigest as SASL DIGEST-MD5 with the auth-conf security layer: besides
 * the password and H(A1), the four keys of RFC 2831 2.3 and 2.4 (Kic, Kis:
 * MD5(H(A1) || magic); Kcc, Kcs: MD5(H(A1)[0..n) || magic), n = 16 for rc4
 * and 3des) that the two contexts sign and seal with.  The test computes
 * them from H(A1) in a forked child.  Loop 0: rc4, whose key is Kc itself;
 * 1: 3des, whose DES keys are expanded from Kc inside OpenSSL's cipher.
 */
static const char *const sasl_kdf_magic[4] = {
    "Digest session key to client-to-server signing key magic constant",
    "Digest session key to server-to-client signing key magic constant",
    "Digest H(A1) to client-to-server sealing key magic constant",
    "Digest H(A1) to server-to-client sealing key magic constant",
};
static const char *const sasl_key_names[4] = {"SASL Kic", "SASL Kis", "SASL Kcc", "SASL Kcs"};
static struct secret sasl_ha1;

static int sasl_layer_keys(struct secret *out, int max)
{
    unsigned char ha1[16], md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    if (max < 4 || sasl_ha1.len != sizeof(ha1))
        return -1;
    for (size_t i = 0; i < sizeof(ha1); i++)
        ha1[i] = sasl_ha1.masked[i] ^ MASK;
    for (int k = 0; k < 4; k++) {
        EVP_MD_CTX *c = EVP_MD_CTX_new();
        if (c == NULL || EVP_DigestInit_ex(c, EVP_md5(), NULL) != 1 ||
            EVP_DigestUpdate(c, ha1, sizeof(ha1)) != 1 ||
            EVP_DigestUpdate(c, sasl_kdf_magic[k], strlen(sasl_kdf_magic[k])) != 1 ||
            EVP_DigestFinal_ex(c, md, &mdlen) != 1 || mdlen != 16)
            return -1;
        EVP_MD_CTX_free(c);
        secret_set(&out[k], sasl_key_names[k], md, mdlen);
    }
    return 4;
}

static SECURITY_STATUS sasl_leg(CredHandle *cred, CtxtHandle *ctx, bool client, bool first,
                                const void *tok, ULONG tok_len, struct digest_leg *leg)
{
    SecBuffer in = {tok_len, SECBUFFER_TOKEN, (void *)tok};
    SecBufferDesc ind = {SECBUFFER_VERSION, 1, &in};
    SecBuffer out = {sizeof(leg->out), SECBUFFER_TOKEN, leg->out};
    SecBufferDesc outd = {SECBUFFER_VERSION, 1, &out};
    ULONG attr;
    SECURITY_STATUS st =
        client ? InitializeSecurityContextA(
                     cred, first ? NULL : ctx, (SEC_CHAR *)"ldap/host.example.org",
                     ISC_REQ_MUTUAL_AUTH | ISC_REQ_INTEGRITY | ISC_REQ_CONFIDENTIALITY, 0, 0,
                     first ? NULL : &ind, 0, ctx, &outd, &attr, NULL)
               : AcceptSecurityContext(cred, first ? NULL : ctx, first ? NULL : &ind,
                                       ASC_REQ_INTEGRITY | ASC_REQ_CONFIDENTIALITY, 0, ctx,
                                       &outd, &attr, NULL);
    leg->out_len = out.cbBuffer;
    return st;
}

/* One sealed message from `from` to `to`, checked to come back. */
static void sasl_sealed_message(CtxtHandle *from, CtxtHandle *to)
{
    char msg[] = "a message sealed with the SASL security layer";
    char data[sizeof(msg)];
    unsigned char token[64], pad[16];
    memcpy(data, msg, sizeof(msg));
    SecBuffer b[3] = {{sizeof(token), SECBUFFER_TOKEN, token},
                      {sizeof(data), SECBUFFER_DATA, data},
                      {sizeof(pad), SECBUFFER_PADDING, pad}};
    SecBufferDesc d = {SECBUFFER_VERSION, 3, b};
    ASSERT_STATUS(EncryptMessage(from, 0, &d, 0), SEC_E_OK);
    ck_assert(memcmp(data, msg, sizeof(msg)) != 0);
    SecBuffer r[2] = {{b[1].cbBuffer, SECBUFFER_DATA, data}, {b[0].cbBuffer, SECBUFFER_TOKEN, token}};
    SecBufferDesc rd = {SECBUFFER_VERSION, 2, r};
    ASSERT_STATUS(DecryptMessage(to, &rd, 0, NULL), SEC_E_OK);
    ck_assert_mem_eq(data, msg, sizeof(msg));
}

START_TEST(wdigest_sasl_layer_leaves_no_copy)
{
    static const char *const ciphers[2] = {"rc4", "3des"};
    trace_start();
    SSPI_SHIM_DIGEST_SERVER_CONFIG config;
    memset(&config, 0, sizeof(config));
    config.Version = SSPI_SHIM_DIGEST_SERVER_CONFIG_VERSION;
    config.Realm = DIGEST_REALM;
    config.PasswordFile = password_file;
    config.SaslCiphers = ciphers[_i];
    CredHandle cc, sc;
    CtxtHandle cx, sx;
    digest_credentials(&config, &cc, &sc);
    /* RFC 2831 2.1: the client's first call has nothing to send. */
    static struct digest_leg c0, s1, c1, s2, c2;
    ASSERT_STATUS(sasl_leg(&cc, &cx, true, true, NULL, 0, &c0), SEC_I_CONTINUE_NEEDED);
    ASSERT_STATUS(sasl_leg(&sc, &sx, false, true, NULL, 0, &s1), SEC_I_CONTINUE_NEEDED);
    ASSERT_STATUS(sasl_leg(&cc, &cx, true, false, s1.out, s1.out_len, &c1), SEC_I_CONTINUE_NEEDED);
    ck_assert_msg(memmem(c1.out, c1.out_len, "qop=auth-conf", 13) != NULL &&
                      memmem(c1.out, c1.out_len, ciphers[_i], strlen(ciphers[_i])) != NULL,
                  "the client did not choose auth-conf with %s: %.*s", ciphers[_i],
                  (int)c1.out_len, c1.out);
    ASSERT_STATUS(sasl_leg(&sc, &sx, false, false, c1.out, c1.out_len, &s2), SEC_E_OK);
    ASSERT_STATUS(sasl_leg(&cc, &cx, true, false, s2.out, s2.out_len, &c2), SEC_E_OK);
    sasl_sealed_message(&cx, &sx);
    sasl_sealed_message(&sx, &cx);

    /* H(A1) from the session key; both contexts must agree on it. */
    SecPkgContext_SessionKey sk;
    ASSERT_STATUS(QueryContextAttributesA(&sx, SECPKG_ATTR_SESSION_KEY, &sk), SEC_E_OK);
    ck_assert_uint_eq(sk.SessionKeyLength, 16);
    secret_set(&sasl_ha1, "SASL H(A1)", sk.SessionKey, sk.SessionKeyLength);
    ASSERT_STATUS(FreeContextBuffer(sk.SessionKey), SEC_E_OK);
    ASSERT_STATUS(QueryContextAttributesA(&cx, SECPKG_ATTR_SESSION_KEY, &sk), SEC_E_OK);
    ck_assert_msg(sk.SessionKeyLength == 16 && secret_still_at(&sasl_ha1, sk.SessionKey),
                  "the client's session key is not the server's H(A1)");
    ASSERT_STATUS(FreeContextBuffer(sk.SessionKey), SEC_E_OK);
    struct secret keys[6];
    ck_assert_int_eq(learn_in_child(sasl_layer_keys, keys, 4), 4);
    keys[4] = sasl_ha1;
    secret_set_hex(&keys[5], "SASL H(A1), hex", &sasl_ha1);

    DeleteSecurityContext(&cx);
    DeleteSecurityContext(&sx);
    FreeCredentialsHandle(&cc);
    FreeCredentialsHandle(&sc);
    int left = password_left("WDigest SASL");
    for (int k = 0; k < 6; k++)
        left += secret_left(&keys[k], "WDigest SASL");
    ck_assert_msg(left == 0, "%d copies of the password, H(A1) or a security-layer key left", left);
    assert_trace_clean("WDigest", keys, 6);
}
END_TEST

static int write_digest_stores(void)
{
    snprintf(password_file, sizeof(password_file), "%s/digest-passwords", realm.dir);
    snprintf(htdigest_file, sizeof(htdigest_file), "%s/digest-htdigest", realm.dir);
    FILE *f = fopen(password_file, "w");
    if (f == NULL)
        return -1;
    fprintf(f, "someone:else-entirely\n%s:%s\n", LONG_USER, LONG_PASSWORD);
    fclose(f);
    char a1[256];
    unsigned char md[16];
    unsigned int n = 0;
    snprintf(a1, sizeof(a1), "%s:%s:%s", LONG_USER, DIGEST_REALM, LONG_PASSWORD);
    if (EVP_Digest(a1, strlen(a1), md, &n, EVP_md5(), NULL) != 1)
        return -1;
    explicit_bzero(a1, sizeof(a1));
    f = fopen(htdigest_file, "w");
    if (f == NULL)
        return -1;
    fprintf(f, "%s:%s:", LONG_USER, DIGEST_REALM);
    for (unsigned i = 0; i < n; i++)
        fprintf(f, "%02x", md[i]);
    fputc('\n', f);
    explicit_bzero(md, sizeof(md));
    return fclose(f);
}

/* ------------------------------------------------------------ CredSSP's NTLM client */

/* The exported session key the client is given (instead of a random one),
 * so that the test knows the keys derived from it. */
static const uint8_t exported_key[16] = {0x3c, 0x91, 0x5e, 0x07, 0xd2, 0x68, 0xaf, 0x14,
                                         0x89, 0xe3, 0x2b, 0x70, 0xc5, 0x1f, 0x96, 0x4a};
static const uint8_t client_challenge[8] = {0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88};
/* [MS-NLMP] 4.2.4.3: a CHALLENGE_MESSAGE offering NTLMv2, extended session
 * security, 128-bit keys, key exchange, signing and sealing. */
static const uint8_t ntlm_challenge[] = {
    0x4e, 0x54, 0x4c, 0x4d, 0x53, 0x53, 0x50, 0x00, 0x02, 0x00, 0x00, 0x00, 0x0c, 0x00, 0x0c,
    0x00, 0x38, 0x00, 0x00, 0x00, 0x33, 0x82, 0x8a, 0xe2, 0x01, 0x23, 0x45, 0x67, 0x89, 0xab,
    0xcd, 0xef, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x24, 0x00, 0x24, 0x00, 0x44,
    0x00, 0x00, 0x00, 0x06, 0x00, 0x70, 0x17, 0x00, 0x00, 0x00, 0x0f, 0x53, 0x00, 0x65, 0x00,
    0x72, 0x00, 0x76, 0x00, 0x65, 0x00, 0x72, 0x00, 0x02, 0x00, 0x0c, 0x00, 0x44, 0x00, 0x6f,
    0x00, 0x6d, 0x00, 0x61, 0x00, 0x69, 0x00, 0x6e, 0x00, 0x01, 0x00, 0x0c, 0x00, 0x53, 0x00,
    0x65, 0x00, 0x72, 0x00, 0x76, 0x00, 0x65, 0x00, 0x72, 0x00, 0x00, 0x00, 0x00, 0x00};
#define CHALLENGE_FLAGS 0xe28a8233u
static const char sealed_text[] = "credssp pubKeyAuth stand-in";

/* The keys of that client: NT hash, NTOWFv2, the sign and seal keys of
 * both directions, and what the client should seal with them. */
static int ntlm_client_keys(struct secret *out, int max)
{
    uint8_t k[16];
    int n = 0;
    if (max < 6 || nt_hash(out, 1) != 1)
        return -1;
    n = 1;
    if (ntlm_ntowfv2(password8, LONG_USER, "Domain", k) != NTLM_OK)
        return -1;
    secret_set(&out[n++], "NTOWFv2 (ResponseKeyNT)", k, 16);
    for (int dir = 1; dir >= 0; dir--) {
        if (ntlm_sign_key(exported_key, dir, k) != NTLM_OK)
            return -1;
        secret_set(&out[n++], dir ? "sign key, client to server" : "sign key, server to client",
                   k, 16);
        if (ntlm_seal_key(exported_key, CHALLENGE_FLAGS, dir, k) != NTLM_OK)
            return -1;
        secret_set(&out[n++], dir ? "seal key, client to server" : "seal key, server to client",
                   k, 16);
    }
    explicit_bzero(k, sizeof(k));
    /* What a client sealing with these keys sends first (not secret:
     * compared with the real client's output to show the keys are its). */
    struct ntlm_client *c = NULL;
    uint8_t *sealed = NULL;
    size_t len = 0;
    if (ntlm_client_new(LONG_USER, "Domain", password8, &c) != NTLM_OK ||
        ntlm_client_start_session(c, exported_key, CHALLENGE_FLAGS) != NTLM_OK ||
        ntlm_client_seal(c, (const uint8_t *)sealed_text, sizeof(sealed_text), &sealed, &len) !=
            NTLM_OK || len > sizeof(out[n].masked))
        return -1;
    memcpy(out[n].masked, sealed, len);      /* unmasked: not a secret */
    out[n++].len = len;
    free(sealed);
    ntlm_client_free(c);
    return n;
}

/* mechs/credssp/ntlm_client.c, the NTLMv2 client CredSSP runs for raw
 * NTLM: after NEGOTIATE, AUTHENTICATE, a sealed message and the free, no
 * copy of the password or of a key derived from it. */
START_TEST(credssp_ntlm_client_leaves_no_copy)
{
    struct secret keys[8];
    int n = learn_in_child(ntlm_client_keys, keys, 8);
    ck_assert_int_eq(n, 7);
    struct secret *expected_seal = &keys[n - 1];
    n--;
    struct ntlm_client *c = NULL;
    uint8_t *neg = NULL, *auth = NULL, *sealed = NULL;
    size_t neg_len, auth_len, len;
    ck_assert_int_eq(ntlm_client_new(LONG_USER, "Domain", password8, &c), NTLM_OK);
    ntlm_client_set_test_values(c, client_challenge, exported_key);
    ck_assert_int_eq(ntlm_client_negotiate(c, &neg, &neg_len), NTLM_OK);
    ck_assert_int_eq(ntlm_client_authenticate(c, ntlm_challenge, sizeof(ntlm_challenge), &auth,
                                              &auth_len),
                     NTLM_OK);
    ck_assert_int_eq(ntlm_client_seal(c, (const uint8_t *)sealed_text, sizeof(sealed_text),
                                      &sealed, &len),
                     NTLM_OK);
    /* The same bytes as sealed with the keys the test looks for. */
    ck_assert_uint_eq(len, expected_seal->len);
    ck_assert_mem_eq(sealed, expected_seal->masked, len);
    free(neg);
    free(auth);
    free(sealed);
    ntlm_client_free(c);
    int left = password_left("CredSSP NTLM client");
    for (int i = 0; i < n; i++)
        left += secret_left(&keys[i], "CredSSP NTLM client");
    ck_assert_msg(left == 0, "%d copies of the password or its keys left", left);
}
END_TEST

#ifdef SSPI_SHIM_HEIMDAL
/* The KDC's digest service and the principals Heimdal's NTLM acceptor
 * needs (as tests/check_ntlm.c sets them up). */
static int ntlm_principals(void)
{
    char host[256], digest[300], hostsvc[512];
    if (gethostname(host, sizeof(host)) != 0)
        return -1;
    host[sizeof(host) - 1] = '\0';
    for (char *p = host; *p; p++)
        *p = (char)tolower((unsigned char)*p);
    snprintf(digest, sizeof(digest), "digest/%s@%s", realm.realm, realm.realm);
    snprintf(hostsvc, sizeof(hostsvc), "host/%s@%s", host, realm.realm);
    const char *add_digest[] = {"add", "--random-key", "--use-defaults", digest, NULL};
    const char *allow[] = {"modify", "--attributes=+allow-digest", hostsvc, NULL};
    if (test_realm_kadmin(&realm, add_digest) != 0 ||
        test_realm_add_service(&realm, hostsvc, NULL) != 0 ||
        test_realm_kadmin(&realm, allow) != 0)
        return -1;
    return 0;
}
#endif

#ifndef SSPI_SHIM_HEIMDAL
/* Whether configure found gss-ntlmssp (tests/mechenv registers it). */
static bool have_gss_ntlmssp(void)
{
    return NTLMSSP_MECH_PATH[0] != '\0' && access(NTLMSSP_MECH_PATH, R_OK) == 0;
}
#endif

int main(void)
{
    /* The scan reads freed memory on purpose, which is what memcheck and
     * AddressSanitizer exist to stop; the plain build runs it. */
#if defined(__SANITIZE_ADDRESS__)
    fprintf(stderr, "SKIP: the scan of freed memory cannot run under AddressSanitizer\n");
    return 77;
#endif
    if (RUNNING_ON_VALGRIND) {
        fprintf(stderr, "SKIP: the scan of freed memory cannot run under valgrind\n");
        return 77;
    }
    int env = test_mechenv_enter();   /* our CredSSP mechanism, for this process */
    if (env != 0)
        return env;
    struct test_realm_options opt;
    memset(&opt, 0, sizeof(opt));
#ifdef SSPI_SHIM_HEIMDAL
    /* For Heimdal's NTLM acceptor (tests/check_ntlm.c). */
    opt.extra_kdc = "\tenable-digest = true\n\tdigests_allowed = ntlm-v2, ntlm-v1-session, ntlm-v1";
#endif
    if (test_realm_start_ex(&realm, NULL, &opt) != 0) {
        fprintf(stderr, "cannot start the test realm: %s\n", realm.last_output);
        test_realm_destroy(&realm);
        return 99;
    }
    if (test_realm_add_user(&realm, LONG_USER, LONG_PASSWORD) != 0 ||
        test_realm_add_service(&realm, "TERMSRV/localhost", NULL) != 0 ||
#ifdef SSPI_SHIM_HEIMDAL
        ntlm_principals() != 0 ||
#endif
        write_digest_stores() != 0) {
        fprintf(stderr, "cannot add principals: %s\n", realm.last_output);
        test_realm_destroy(&realm);
        return 99;
    }
    Suite *s = suite_create("secrets");
    TCase *tc = tcase_create("wiped");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, scan_finds_an_unwiped_copy);
    tcase_add_loop_test(tc, kerberos_password_logon_leaves_no_copy, 0, 2);
    tcase_add_test(tc, credssp_delegated_password_leaves_no_copy);
    tcase_add_loop_test(tc, sealed_message_leaves_no_copy, 0, 2);
    tcase_add_test(tc, keytab_key_leaves_no_copy);
    tcase_add_loop_test(tc, session_key_is_wiped_when_freed, 0, 2);
#ifdef SSPI_SHIM_HEIMDAL
    tcase_add_test(tc, ntlm_password_logon_leaves_no_copy);
#else
    if (have_gss_ntlmssp())
        tcase_add_test(tc, ntlm_password_logon_leaves_no_copy);
#endif
    tcase_add_loop_test(tc, wdigest_logon_leaves_no_copy, 0, 2);
    tcase_add_loop_test(tc, wdigest_sasl_layer_leaves_no_copy, 0, 2);
    tcase_add_test(tc, credssp_ntlm_client_leaves_no_copy);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_set_fork_status(sr, CK_FORK);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    test_realm_destroy(&realm);
    return failed == 0 ? 0 : 1;
}
