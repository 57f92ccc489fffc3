/*
 * libFuzzer target for the SSPI entry points as a hostile caller or peer
 * drives them: the input is a script of calls (AcceptSecurityContext,
 * InitializeSecurityContext, MakeSignature/VerifySignature,
 * EncryptMessage/DecryptMessage, QueryContextAttributes,
 * DeleteSecurityContext) whose SecBufferDesc arrays - version, count,
 * types with READONLY/ATTRMASK bits or unknown values, lengths, NULL
 * pvBuffer, contents - come from the input.  Every buffer is its own heap
 * allocation and cbBuffer never exceeds it, so an out-of-bounds access
 * ASan reports is the shim's, not the harness's.
 *
 * Contexts (one of each per input):
 *   0  WDigest acceptor, "user:password" file store
 *   1  WDigest initiator, password identity alice/secret
 *   2  Kerberos acceptor, keytab with a fixed HTTP/localhost key
 *   3  Negotiate acceptor, the same keytab
 * (No KDC: the keytab is written here, so Kerberos tokens the fuzzer makes
 * reach Heimdal's/MIT's SPNEGO and AP-REQ parsers through the shim, but no
 * Kerberos context can be established.)
 *
 * Each context keeps a mailbox: the buffers of the last token or message
 * it produced, which the other WDigest side can be given verbatim or with
 * one octet flipped, so the fuzzer can reach established contexts and the
 * message calls' verification paths.  One script step also runs a whole
 * HTTP or SASL handshake with well-formed buffers.
 *
 * Checks besides the sanitizers (memory errors, leaks in our code,
 * undefined behaviour): after a successful call every output buffer still
 * points into memory the caller gave for that call (or, for the context
 * calls, memory the shim allocated, which is freed with
 * FreeContextBuffer), and its cbBuffer stays within that memory.
 *
 * Script steps: one octet, bits 4-5 the context, bits 0-3 the call:
 *   0,1 AcceptSecurityContext   2 MakeSignature   3 VerifySignature
 *   4 EncryptMessage   5 DecryptMessage   6 the peer's last message to
 *   VerifySignature/DecryptMessage   7,8 InitializeSecurityContextA/W
 *   9 QueryContextAttributesA/W   10 DeleteSecurityContext (the stale
 *   handle stays in use)   11 canned handshake   12 the rest of the input
 *   as the client's token   13 a forged handle; then the call's own
 *   octets (flags, descriptors: see build_desc and add_fuzz_buffer).
 * FUZZ_SSPI_TRACE=1 prints every call and its status.
 *
 *   make fuzz-sspi
 *   tests/fuzz/fuzz_sspi_buffers -max_len=4096 $(srcdir)/tests/fuzz/corpus/sspi
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sanitizer/lsan_interface.h>

#include "mechenv.h"
#include "sspi.h"
#include "sspi_shim.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* ASan keeps freed memory in a quarantine (256 MB by default) so that a
 * use-after-free finds it poisoned.  Each input here makes hundreds of
 * allocations through full GSS calls, so with the default the allocator
 * keeps handing out fresh pages: about a third of the time went to the
 * kernel, much of it page faults inside ASan's allocator (perf,
 * 2026-12-06).  A 16 MB quarantine still catches a use of anything freed
 * within the last 16 MB of frees, and ran more inputs a second in
 * back-to-back runs (docs/robustness.md).  ASAN_OPTIONS overrides it. */
const char *__asan_default_options(void);
const char *__asan_default_options(void)
{
    return "quarantine_size_mb=16";
}

#define MAX_BUFFERS 8
#define MAX_ALLOC 0x11000u          /* > 64 KiB: past the 16-bit lengths */
#define MAX_STEPS 24
#define MAILBOX 4

/* ------------------------------------------------------------ input */

struct input {
    const uint8_t *p;
    size_t n;
};

static uint8_t take_u8(struct input *in)
{
    if (in->n == 0)
        return 0;
    in->n--;
    return *in->p++;
}

static uint32_t take_u16(struct input *in)
{
    return (uint32_t)take_u8(in) | (uint32_t)take_u8(in) << 8;
}

static uint32_t take_u32(struct input *in)
{
    return take_u16(in) | take_u16(in) << 16;
}

/* Up to len octets of the input (fewer at its end). */
static const uint8_t *take_bytes(struct input *in, size_t len, size_t *got)
{
    const uint8_t *p = in->p;
    *got = len < in->n ? len : in->n;
    in->p += *got;
    in->n -= *got;
    return p;
}

/* LeakSanitizer's built-in suppressions (its weak hook), one per leak that
 * is the GSS library's own, each with its evidence; nothing of sspi-shim.
 *
 * Heimdal 7.8's SPNEGO acceptor, when the inner mechanism's
 * gss_accept_sec_context fails, drops the mechanism OID it copied with
 * gss_duplicate_oid (25 bytes a call; the same leak is in
 * tests/valgrind.supp, heimdal-7.8-accept-error-path-mech-oid).  Found by
 * this target with tests/fuzz/corpus/sspi/negotiate-token.  Neither the
 * shim nor the Digest mechanism calls gss_duplicate_oid, and the mechanism
 * OID gss_accept_sec_context returns belongs to the library, so this
 * cannot hide a leak of ours. */
const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void)
{
    return "leak:gss_duplicate_oid\n";
}

/* FUZZ_SSPI_TRACE=1 prints each call and its status (to read a reproducer). */
static bool tracing;

static SECURITY_STATUS traced(const char *call, int which, SECURITY_STATUS st)
{
    if (tracing)
        fprintf(stderr, "  %-24s ctx %d -> 0x%08x\n", call, which, (unsigned)st);
    return st;
}

/* ------------------------------------------------------------ global setup */

static char work_dir[] = "/tmp/fuzz-sspi.XXXXXX";
static CredHandle digest_server, digest_client, kerberos_server, negotiate_server;
static bool have_digest_server, have_digest_client, have_kerberos, have_negotiate;

static void put_be16(FILE *f, unsigned v)
{
    fputc((v >> 8) & 0xff, f);
    fputc(v & 0xff, f);
}

static void put_be32(FILE *f, uint32_t v)
{
    put_be16(f, v >> 16);
    put_be16(f, v & 0xffff);
}

static void put_counted(FILE *f, const char *s)
{
    put_be16(f, (unsigned)strlen(s));
    fputs(s, f);
}

/* A version 0x502 keytab (the MIT/Heimdal file format) with one
 * aes256-cts-hmac-sha1-96 key for HTTP/localhost@FUZZ.TEST, so the
 * acceptors get a credential without a KDC or an external tool. */
static int write_keytab(const char *path)
{
    unsigned char key[32];
    FILE *f = fopen(path, "wb");
    if (f == NULL)
        return -1;
    for (size_t i = 0; i < sizeof(key); i++)
        key[i] = (unsigned char)(i * 37 + 11);
    const char *realm = "FUZZ.TEST", *c1 = "HTTP", *c2 = "localhost";
    uint32_t entry = 2 + (2 + 9) + (2 + 4) + (2 + 9) + 4 + 4 + 1 + 2 + 2 + 32 + 4;
    fputc(5, f);
    fputc(2, f);
    put_be32(f, entry);
    put_be16(f, 2);                     /* components */
    put_counted(f, realm);
    put_counted(f, c1);
    put_counted(f, c2);
    put_be32(f, 3);                     /* KRB5_NT_SRV_HST */
    put_be32(f, 0);                     /* timestamp */
    fputc(1, f);                        /* vno8 */
    put_be16(f, 18);                    /* aes256-cts-hmac-sha1-96 */
    put_be16(f, sizeof(key));
    fwrite(key, 1, sizeof(key), f);
    put_be32(f, 1);                     /* vno32 */
    return fclose(f) == 0 ? 0 : -1;
}

static int write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    if (f == NULL)
        return -1;
    fputs(text, f);
    return fclose(f) == 0 ? 0 : -1;
}

/* At exit, so that the leak check at exit sees what the credentials hold
 * released, and the temporary files go. */
static void release_globals(void)
{
    char path[300];
    if (have_digest_server)
        FreeCredentialsHandle(&digest_server);
    if (have_digest_client)
        FreeCredentialsHandle(&digest_client);
    if (have_kerberos)
        FreeCredentialsHandle(&kerberos_server);
    if (have_negotiate)
        FreeCredentialsHandle(&negotiate_server);
    static const char *const files[] = {"krb5.conf", "service.keytab", "passwords", "ccache"};
    for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
        snprintf(path, sizeof(path), "%s/%s", work_dir, files[i]);
        unlink(path);
    }
    rmdir(work_dir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    char path[300], env[320];
    int rc = test_mechenv_enter();
    if (rc != 0) {
        fprintf(stderr, "fuzz_sspi_buffers: the Digest mechanism cannot be registered (%d)\n", rc);
        exit(1);
    }
    if (mkdtemp(work_dir) == NULL) {
        perror("mkdtemp");
        exit(1);
    }
    snprintf(path, sizeof(path), "%s/krb5.conf", work_dir);
    if (write_text(path, "[libdefaults]\n\tdefault_realm = FUZZ.TEST\n\tdns_lookup_kdc = false\n"
                         "\tdns_lookup_realm = false\n") != 0)
        exit(1);
    setenv("KRB5_CONFIG", path, 1);
    snprintf(path, sizeof(path), "%s/service.keytab", work_dir);
    if (write_keytab(path) != 0)
        exit(1);
    snprintf(env, sizeof(env), "FILE:%s", path);
    setenv("KRB5_KTNAME", env, 1);
    snprintf(env, sizeof(env), "FILE:%s/ccache", work_dir);
    setenv("KRB5CCNAME", env, 1);
    snprintf(path, sizeof(path), "%s/passwords", work_dir);
    if (write_text(path, "alice:secret\nbob:b0b-pw\n") != 0)
        exit(1);

    SSPI_SHIM_DIGEST_SERVER_CONFIG config;
    memset(&config, 0, sizeof(config));
    config.Version = SSPI_SHIM_DIGEST_SERVER_CONFIG_VERSION;
    config.PasswordFile = path;
    config.Realm = "fuzz@example.org";
    have_digest_server = AcquireCredentialsHandleA(NULL, (LPSTR) "WDigest", SECPKG_CRED_INBOUND,
                                                   NULL, &config, NULL, NULL, &digest_server,
                                                   NULL) == SEC_E_OK;
    SEC_WINNT_AUTH_IDENTITY_A id = {(unsigned char *)"alice", 5, NULL, 0,
                                    (unsigned char *)"secret", 6, SEC_WINNT_AUTH_IDENTITY_ANSI};
    have_digest_client = AcquireCredentialsHandleA(NULL, (LPSTR) "WDigest", SECPKG_CRED_OUTBOUND,
                                                   NULL, &id, NULL, NULL, &digest_client,
                                                   NULL) == SEC_E_OK;
    /* Heimdal 7.8 loses ~2,200 bytes in each gss_acquire_cred that names
     * SPNEGO (its inner credential is never released; tests/valgrind.supp
     * has the evidence), and both acquisitions here do.  They happen once,
     * at startup, so LeakSanitizer ignores just these two calls. */
    __lsan_disable();
    have_kerberos = AcquireCredentialsHandleA(NULL, (LPSTR) "Kerberos", SECPKG_CRED_INBOUND, NULL,
                                              NULL, NULL, NULL, &kerberos_server,
                                              NULL) == SEC_E_OK;
    have_negotiate = AcquireCredentialsHandleA(NULL, (LPSTR) "Negotiate", SECPKG_CRED_INBOUND,
                                               NULL, NULL, NULL, NULL, &negotiate_server,
                                               NULL) == SEC_E_OK;
    __lsan_enable();
    atexit(release_globals);
    tracing = getenv("FUZZ_SSPI_TRACE") != NULL;
    if (!have_digest_server || !have_digest_client) {
        fprintf(stderr, "fuzz_sspi_buffers: WDigest credentials: %s\n",
                SspiShimLastErrorMessage());
        exit(1);
    }
    fprintf(stderr, "fuzz_sspi_buffers: WDigest acceptor+initiator, Kerberos acceptor %s, "
                    "Negotiate acceptor %s\n",
            have_kerberos ? "yes" : "no", have_negotiate ? "yes" : "no");
    return 0;
}

/* ------------------------------------------------------------ buffers */

/* Every allocation the current call was given, to check where output
 * buffers point afterwards. */
struct allocation {
    unsigned char *base;
    size_t size;
};

struct mailbox_entry {
    ULONG type;
    size_t len;
    unsigned char *data;
};

struct context {
    CtxtHandle h;
    bool created;                       /* h was written by the shim */
    struct mailbox_entry mail[MAILBOX];
    size_t mail_count;
};

struct call {
    SecBuffer buffers[MAX_BUFFERS];
    struct allocation allocs[MAX_BUFFERS];
    void *original[MAX_BUFFERS];        /* pvBuffer as given */
    SecBufferDesc desc;
    size_t count;
};

static const ULONG known_types[] = {
    SECBUFFER_EMPTY, SECBUFFER_DATA, SECBUFFER_TOKEN, SECBUFFER_PKG_PARAMS,
    SECBUFFER_MISSING, SECBUFFER_EXTRA, SECBUFFER_STREAM_TRAILER, SECBUFFER_STREAM_HEADER,
    SECBUFFER_NEGOTIATION_INFO, SECBUFFER_PADDING, SECBUFFER_STREAM, SECBUFFER_MECHLIST,
    SECBUFFER_MECHLIST_SIGNATURE, SECBUFFER_TARGET, SECBUFFER_CHANNEL_BINDINGS,
    SECBUFFER_TARGET_HOST, SECBUFFER_ALERT, SECBUFFER_APPLICATION_PROTOCOLS,
    SECBUFFER_TOKEN, SECBUFFER_DATA, SECBUFFER_PKG_PARAMS, SECBUFFER_PADDING,
};

static void mailbox_clear(struct context *c)
{
    for (size_t i = 0; i < c->mail_count; i++)
        free(c->mail[i].data);
    c->mail_count = 0;
}

static void mailbox_put(struct context *c, ULONG type, const void *data, size_t len)
{
    if (c->mail_count == MAILBOX)
        return;
    struct mailbox_entry *e = &c->mail[c->mail_count];
    e->data = malloc(len ? len : 1);
    if (e->data == NULL)
        abort();
    if (len)
        memcpy(e->data, data, len);
    e->len = len;
    e->type = type;
    c->mail_count++;
}

/* Adds one buffer of exactly alloc octets (NULL when alloc is SIZE_MAX),
 * filled from src, with cbBuffer = cb <= alloc. */
static void call_add(struct call *k, ULONG type, size_t alloc, const void *src, size_t src_len,
                     size_t cb)
{
    size_t i = k->count;
    unsigned char *p = NULL;
    if (i == MAX_BUFFERS)
        return;
    if (alloc != SIZE_MAX) {
        p = malloc(alloc ? alloc : 1);
        if (p == NULL)
            abort();
        memset(p, 0xA5, alloc);
        if (src_len > alloc)
            src_len = alloc;
        if (src_len)
            memcpy(p, src, src_len);
        if (alloc == 0) {               /* a zero-sized object: any access is out of bounds */
            free(p);
            p = malloc(0);
        }
    } else {
        alloc = 0;
        cb = 0;
    }
    if (cb > alloc)
        cb = alloc;
    k->buffers[i].BufferType = type;
    k->buffers[i].cbBuffer = (ULONG)cb;
    k->buffers[i].pvBuffer = p;
    k->allocs[i].base = p;
    k->allocs[i].size = alloc;
    k->original[i] = p;
    k->count++;
}

static void call_finish(struct call *k)
{
    k->desc.ulVersion = SECBUFFER_VERSION;
    k->desc.cBuffers = (ULONG)k->count;
    k->desc.pBuffers = k->count ? k->buffers : NULL;
}

static void call_free(struct call *k)
{
    for (size_t i = 0; i < k->count; i++)
        free(k->allocs[i].base);
    k->count = 0;
}

/* One fuzz-described buffer. */
static void add_fuzz_buffer(struct call *k, struct input *in, const struct context *peer)
{
    uint8_t t = take_u8(in), how = take_u8(in);
    ULONG type = known_types[(t & 0x1f) % (sizeof(known_types) / sizeof(known_types[0]))];
    if (t & 0x20)
        type |= SECBUFFER_READONLY;
    if (t & 0x40)
        type |= SECBUFFER_READONLY_WITH_CHECKSUM;
    if ((t & 0x80) && (how & 0x80))
        type = take_u32(in);            /* anything, unknown types and reserved bits too */
    size_t got, len, alloc;
    const uint8_t *src;
    switch (how & 7) {
    case 0:                             /* NULL pvBuffer */
        call_add(k, type, SIZE_MAX, NULL, 0, 0);
        return;
    case 1:                             /* fuzz contents, exact size */
        src = take_bytes(in, take_u16(in) % 2048, &got);
        call_add(k, type, got, src, got, got);
        return;
    case 2:                             /* fuzz contents with slack; cbBuffer short of the allocation */
        src = take_bytes(in, take_u16(in) % 2048, &got);
        alloc = got + take_u8(in);
        call_add(k, type, alloc, src, got, (how & 8) ? got : alloc);
        return;
    case 3:                             /* writable space, small to huge */
        len = (how & 8) ? take_u16(in) % 512 : ((how & 16) ? MAX_ALLOC : 4096);
        call_add(k, type, len, NULL, 0, len);
        return;
    case 4:                             /* zero length, real pointer */
        call_add(k, type, 0, NULL, 0, 0);
        return;
    default:                            /* a buffer the peer produced, maybe altered */
        if (peer == NULL || peer->mail_count == 0) {
            call_add(k, type, 0, NULL, 0, 0);
            return;
        }
        {
            const struct mailbox_entry *e = &peer->mail[take_u8(in) % peer->mail_count];
            uint8_t flip = take_u8(in);
            if (how & 8)
                type = e->type;
            call_add(k, type, e->len, e->data, e->len, e->len);
            if (flip && e->len)
                ((unsigned char *)k->buffers[k->count - 1].pvBuffer)[(flip * 131u) % e->len] ^=
                    (uint8_t)(flip | 1);
        }
        return;
    }
}

/* A whole descriptor: NULL, empty, or up to MAX_BUFFERS fuzz buffers. */
static SecBufferDesc *build_desc(struct call *k, struct input *in, const struct context *peer)
{
    uint8_t b = take_u8(in);
    memset(k, 0, sizeof(*k));
    if ((b & 0x0f) == 0x0f)
        return NULL;
    size_t n = b % (MAX_BUFFERS + 1);
    for (size_t i = 0; i < n; i++)
        add_fuzz_buffer(k, in, peer);
    call_finish(k);
    if ((b & 0xf0) == 0xf0)
        k->desc.ulVersion = take_u32(in);
    return &k->desc;
}

static bool within(const struct call *k, const void *p, size_t len)
{
    const unsigned char *q = p;
    for (size_t i = 0; i < k->count; i++) {
        const struct allocation *a = &k->allocs[i];
        if (a->base != NULL && q >= a->base && q <= a->base + a->size &&
            len <= (size_t)(a->base + a->size - q))
            return true;
    }
    return false;
}

static void fail(const char *what, const struct call *k, size_t i, SECURITY_STATUS st)
{
    fprintf(stderr, "fuzz_sspi_buffers: %s: buffer %zu type 0x%08x cb %u pv %p (status 0x%08x)\n",
            what, i, (unsigned)k->buffers[i].BufferType, (unsigned)k->buffers[i].cbBuffer,
            k->buffers[i].pvBuffer, (unsigned)st);
    abort();
}

/* After a successful call: each buffer lies within memory the caller gave
 * (MISSING and EXTRA count octets rather than describe memory).  With
 * shim_allocated, a pointer the shim changed is its allocation: copied into
 * the mailbox (ASan checks the extent) and freed. */
static void check_outputs(struct call *k, SECURITY_STATUS st, bool shim_allocated,
                          struct context *mailbox_owner)
{
    for (size_t i = 0; i < k->count; i++) {
        SecBuffer *b = &k->buffers[i];
        ULONG type = b->BufferType & ~SECBUFFER_ATTRMASK;
        bool changed = b->pvBuffer != k->original[i];
        if (changed && shim_allocated && b->pvBuffer != NULL) {
            if (mailbox_owner && type == SECBUFFER_TOKEN)
                mailbox_put(mailbox_owner, b->BufferType, b->pvBuffer, b->cbBuffer);
            FreeContextBuffer(b->pvBuffer);
            b->pvBuffer = NULL;
            continue;
        }
        if (st < 0 || b->pvBuffer == NULL || type == SECBUFFER_MISSING || type == SECBUFFER_EXTRA)
            continue;
        if (!within(k, b->pvBuffer, b->cbBuffer))
            fail(changed ? "output points outside the caller's buffers"
                         : "cbBuffer exceeds the caller's buffer",
                 k, i, st);
        if (mailbox_owner && (type == SECBUFFER_TOKEN || !shim_allocated))
            mailbox_put(mailbox_owner, b->BufferType, b->pvBuffer, b->cbBuffer);
    }
}

/* ------------------------------------------------------------ calls */

enum { DIGEST_ACCEPTOR, DIGEST_INITIATOR, KERBEROS_ACCEPTOR, NEGOTIATE_ACCEPTOR, CONTEXTS };

static CredHandle *cred_of(int which)
{
    switch (which) {
    case DIGEST_ACCEPTOR: return &digest_server;
    case DIGEST_INITIATOR: return &digest_client;
    case KERBEROS_ACCEPTOR: return have_kerberos ? &kerberos_server : NULL;
    default: return have_negotiate ? &negotiate_server : NULL;
    }
}

static const ULONG asc_req_bases[] = {
    ASC_REQ_ALLOW_MISSING_BINDINGS,                         /* HTTP */
    ASC_REQ_INTEGRITY | ASC_REQ_CONFIDENTIALITY,            /* SASL */
    ASC_REQ_MUTUAL_AUTH | ASC_REQ_CONNECTION,               /* Kerberos, as servers ask */
    0,
};

static const ULONG isc_req_bases[] = {
    ISC_REQ_USE_HTTP_STYLE,
    ISC_REQ_MUTUAL_AUTH | ISC_REQ_INTEGRITY | ISC_REQ_CONFIDENTIALITY,
    ISC_REQ_INTEGRITY,
    0,
};

static ULONG take_req(struct input *in, const ULONG *bases, ULONG allocate)
{
    uint8_t b = take_u8(in);
    if (b & 8)
        return take_u32(in);
    return bases[b & 3] | ((b & 4) ? allocate : 0);
}

/* phContext: NULL on the first call, the context after. */
static SECURITY_STATUS do_accept(struct context *c, int which, ULONG req, struct call *ink,
                                 SecBufferDesc *input, struct call *outk, SecBufferDesc *output)
{
    CredHandle *cred = cred_of(which);
    ULONG attr = 0;
    TimeStamp expiry;
    bool first = !c->created;
    if (cred == NULL)
        return SEC_E_NO_CREDENTIALS;
    SECURITY_STATUS st = AcceptSecurityContext(cred, first ? NULL : &c->h, input, req,
                                               SECURITY_NATIVE_DREP, &c->h, output, &attr,
                                               &expiry);
    traced("AcceptSecurityContext", which, st);
    if (c->h.dwLower != 0 || c->h.dwUpper != 0)
        c->created = true;
    mailbox_clear(c);
    if (ink != NULL)
        check_outputs(ink, st, false, NULL);
    if (outk != NULL)
        check_outputs(outk, st, true, c);
    return st;
}

static SECURITY_STATUS do_initialize(struct context *c, const char *target, ULONG req,
                                     struct call *ink, SecBufferDesc *input, struct call *outk,
                                     SecBufferDesc *output, bool wide)
{
    ULONG attr = 0;
    TimeStamp expiry;
    bool first = !c->created;
    SECURITY_STATUS st;
    if (wide) {
        SEC_WCHAR wtarget[256];
        size_t n = 0;
        for (; target != NULL && target[n] != '\0' && n + 1 < 256; n++)
            wtarget[n] = (SEC_WCHAR)(unsigned char)target[n];
        wtarget[n] = 0;
        st = InitializeSecurityContextW(&digest_client, first ? NULL : &c->h,
                                        target ? wtarget : NULL, req, 0, SECURITY_NATIVE_DREP,
                                        input, 0, &c->h, output, &attr, &expiry);
    } else {
        st = InitializeSecurityContextA(&digest_client, first ? NULL : &c->h, (SEC_CHAR *)target,
                                        req, 0, SECURITY_NATIVE_DREP, input, 0, &c->h, output,
                                        &attr, &expiry);
    }
    traced(wide ? "InitializeSecurityContextW" : "InitializeSecurityContextA", DIGEST_INITIATOR,
           st);
    if (c->h.dwLower != 0 || c->h.dwUpper != 0)
        c->created = true;
    mailbox_clear(c);
    if (ink != NULL)
        check_outputs(ink, st, false, NULL);
    if (outk != NULL)
        check_outputs(outk, st, true, c);
    return st;
}

static const char *const targets[] = {
    "/dir/index.html", "ldap/host.example.org", "HTTP/localhost", "", NULL,
};

static const char *take_target(struct input *in, char *space, size_t size)
{
    uint8_t b = take_u8(in);
    if (b < 0xf0)
        return targets[b % (sizeof(targets) / sizeof(targets[0]))];
    size_t got;
    const uint8_t *s = take_bytes(in, take_u8(in) % (size - 1), &got);
    memcpy(space, s, got);
    space[got] = '\0';
    return space;
}

/* A well-formed acceptor leg as the seed page describes it: TOKEN, method. */
static SECURITY_STATUS canned_accept(struct context *c, ULONG req, const struct context *peer,
                                     const char *method)
{
    struct call ink, outk;
    memset(&ink, 0, sizeof(ink));
    memset(&outk, 0, sizeof(outk));
    const struct mailbox_entry *e = peer && peer->mail_count ? &peer->mail[0] : NULL;
    call_add(&ink, SECBUFFER_TOKEN, e ? e->len : 0, e ? e->data : NULL, e ? e->len : 0,
             e ? e->len : 0);
    if (method)
        call_add(&ink, SECBUFFER_PKG_PARAMS, strlen(method), method, strlen(method),
                 strlen(method));
    call_finish(&ink);
    call_add(&outk, SECBUFFER_TOKEN, 4096, NULL, 0, 4096);
    call_finish(&outk);
    SECURITY_STATUS st = do_accept(c, DIGEST_ACCEPTOR, req, &ink, &ink.desc, &outk, &outk.desc);
    call_free(&ink);
    call_free(&outk);
    return st;
}

static SECURITY_STATUS canned_initialize(struct context *c, const char *target, ULONG req,
                                         const struct context *peer, const char *method)
{
    struct call ink, outk;
    memset(&ink, 0, sizeof(ink));
    memset(&outk, 0, sizeof(outk));
    const struct mailbox_entry *e = peer && peer->mail_count ? &peer->mail[0] : NULL;
    call_add(&ink, SECBUFFER_TOKEN, e ? e->len : 0, e ? e->data : NULL, e ? e->len : 0,
             e ? e->len : 0);
    if (method)
        call_add(&ink, SECBUFFER_PKG_PARAMS, strlen(method), method, strlen(method),
                 strlen(method));
    call_finish(&ink);
    call_add(&outk, SECBUFFER_TOKEN, 4096, NULL, 0, 4096);
    call_finish(&outk);
    SECURITY_STATUS st = do_initialize(c, target, req, &ink, e || method ? &ink.desc : NULL,
                                       &outk, &outk.desc, false);
    call_free(&ink);
    call_free(&outk);
    return st;
}

static void delete_context(struct context *c)
{
    if (c->created)
        DeleteSecurityContext(&c->h);   /* a stale handle answers SEC_E_INVALID_HANDLE */
    memset(&c->h, 0, sizeof(c->h));
    c->created = false;
    mailbox_clear(c);
}

/* The whole WDigest exchange with well-formed buffers (HTTP or SASL), so
 * the script can go on with established contexts. */
static void canned_handshake(struct context *ctx, bool sasl)
{
    struct context *s = &ctx[DIGEST_ACCEPTOR], *c = &ctx[DIGEST_INITIATOR];
    delete_context(s);
    delete_context(c);
    if (sasl) {
        ULONG creq = ISC_REQ_MUTUAL_AUTH | ISC_REQ_INTEGRITY | ISC_REQ_CONFIDENTIALITY;
        ULONG sreq = ASC_REQ_INTEGRITY | ASC_REQ_CONFIDENTIALITY;
        if (canned_initialize(c, "ldap/host.example.org", creq, NULL, NULL) < 0 ||
            canned_accept(s, sreq, NULL, NULL) < 0 ||
            canned_initialize(c, NULL, creq, s, NULL) < 0 || canned_accept(s, sreq, c, NULL) < 0)
            return;
        canned_initialize(c, NULL, creq, s, NULL);
    } else {
        SECURITY_STATUS st;
        if (canned_accept(s, ASC_REQ_ALLOW_MISSING_BINDINGS, NULL, "GET") < 0 ||
            (st = canned_initialize(c, "/dir/index.html", ISC_REQ_USE_HTTP_STYLE, s, "GET")) < 0 ||
            canned_accept(s, ASC_REQ_ALLOW_MISSING_BINDINGS, c, "GET") < 0)
            return;
        if (st == SEC_I_CONTINUE_NEEDED)  /* the client checks rspauth */
            canned_initialize(c, "/dir/index.html", ISC_REQ_USE_HTTP_STYLE, s, "GET");
    }
}

/* ------------------------------------------------------------ QueryContextAttributes */

struct attribute {
    ULONG id;
    size_t size;                        /* the A structure (W has the same layout) */
    size_t pointer_offsets[2];          /* FreeContextBuffer after success; 0 = none */
    size_t pointers;
};

#define PTR(type, field) offsetof(type, field)
static const struct attribute attributes[] = {
    {SECPKG_ATTR_SIZES, sizeof(SecPkgContext_Sizes), {0}, 0},
    {SECPKG_ATTR_STREAM_SIZES, sizeof(SecPkgContext_StreamSizes), {0}, 0},
    {SECPKG_ATTR_FLAGS, sizeof(SecPkgContext_Flags), {0}, 0},
    {SECPKG_ATTR_LIFESPAN, sizeof(SecPkgContext_Lifespan), {0}, 0},
    {SECPKG_ATTR_NAMES, sizeof(SecPkgContext_NamesA), {PTR(SecPkgContext_NamesA, sUserName)}, 1},
    {SECPKG_ATTR_AUTHORITY, sizeof(SecPkgContext_AuthorityA),
     {PTR(SecPkgContext_AuthorityA, sAuthorityName)}, 1},
    {SECPKG_ATTR_PACKAGE_INFO, sizeof(SecPkgContext_PackageInfoA),
     {PTR(SecPkgContext_PackageInfoA, PackageInfo)}, 1},
    {SECPKG_ATTR_NEGOTIATION_INFO, sizeof(SecPkgContext_NegotiationInfoA),
     {PTR(SecPkgContext_NegotiationInfoA, PackageInfo)}, 1},
    {SECPKG_ATTR_NATIVE_NAMES, sizeof(SecPkgContext_NativeNamesA),
     {PTR(SecPkgContext_NativeNamesA, sClientName), PTR(SecPkgContext_NativeNamesA, sServerName)},
     2},
    {SECPKG_ATTR_KEY_INFO, sizeof(SecPkgContext_KeyInfoA),
     {PTR(SecPkgContext_KeyInfoA, sSignatureAlgorithmName),
      PTR(SecPkgContext_KeyInfoA, sEncryptAlgorithmName)},
     2},
    {SECPKG_ATTR_SESSION_KEY, sizeof(SecPkgContext_SessionKey),
     {PTR(SecPkgContext_SessionKey, SessionKey)}, 1},
    {SECPKG_ATTR_CLIENT_SPECIFIED_TARGET, sizeof(SecPkgContext_ClientSpecifiedTarget),
     {PTR(SecPkgContext_ClientSpecifiedTarget, sTargetName)}, 1},
    /* Not implemented: must fail without writing an allocation. */
    {SECPKG_ATTR_DCE_INFO, 64, {0}, 0},
    {SECPKG_ATTR_ACCESS_TOKEN, 64, {0}, 0},
    {SECPKG_ATTR_TARGET_INFORMATION, 64, {0}, 0},
    {SECPKG_ATTR_ENDPOINT_BINDINGS, 64, {0}, 0},
    {SECPKG_ATTR_UNIQUE_BINDINGS, 64, {0}, 0},
    {SECPKG_ATTR_CREDS, 64, {0}, 0},
};

static void query(struct context *c, int which, struct input *in)
{
    uint8_t b = take_u8(in);
    const struct attribute *a = &attributes[(b & 0x1f) % (sizeof(attributes) / sizeof(attributes[0]))];
    unsigned char *out = (b & 0x40) ? NULL : malloc(a->size);
    if (out != NULL)
        memset(out, 0, a->size);
    SECURITY_STATUS st = (b & 0x20) ? QueryContextAttributesW(&c->h, a->id, out)
                                    : QueryContextAttributesA(&c->h, a->id, out);
    traced("QueryContextAttributes", which, st);
    if (tracing)
        fprintf(stderr, "    attribute %u\n", (unsigned)a->id);
    if (st == SEC_E_OK && out != NULL) {
        for (size_t i = 0; i < a->pointers; i++) {
            void *p;
            memcpy(&p, out + a->pointer_offsets[i], sizeof(p));
            if (p != NULL)
                FreeContextBuffer(p);
        }
    }
    free(out);
}

/* ------------------------------------------------------------ the script */

static void message_call(struct context *ctx, int which, uint8_t op, struct input *in)
{
    struct context *c = &ctx[which], *peer = &ctx[which ^ 1];
    struct call k;
    SecBufferDesc *d;
    ULONG qop = take_u8(in) & 1 ? take_u32(in) : 0, seq = take_u8(in);
    ULONG got_qop = 0;
    SECURITY_STATUS st;
    if (op == 6 && peer->mail_count > 0) {
        /* The peer's last message as it made it; bit 7: VerifySignature
         * (else DecryptMessage); bits 0-6, when not 0: flip one octet. */
        memset(&k, 0, sizeof(k));
        uint8_t how = take_u8(in), flip = how & 0x7f;
        for (size_t i = 0; i < peer->mail_count; i++)
            call_add(&k, peer->mail[i].type, peer->mail[i].len, peer->mail[i].data,
                     peer->mail[i].len, peer->mail[i].len);
        SecBuffer *victim = &k.buffers[flip % k.count];
        if (flip && victim->cbBuffer)
            ((unsigned char *)victim->pvBuffer)[(flip * 131u) % victim->cbBuffer] ^= 1;
        call_finish(&k);
        d = &k.desc;
        op = (how & 0x80) ? 3 : 5;
    } else {
        d = build_desc(&k, in, peer);
    }
    switch (op) {
    case 2: st = MakeSignature(&c->h, qop, d, seq); break;
    case 3: st = VerifySignature(&c->h, d, seq, (take_u8(in) & 1) ? NULL : &got_qop); break;
    case 4: st = EncryptMessage(&c->h, qop, d, seq); break;
    default: st = DecryptMessage(&c->h, d, seq, (take_u8(in) & 1) ? NULL : &got_qop); break;
    }
    static const char *const names[] = {"MakeSignature", "VerifySignature", "EncryptMessage",
                                        "DecryptMessage"};
    traced(names[op < 2 ? 3 : op > 5 ? 3 : op - 2], which, st);
    if (op == 2 || op == 4)
        mailbox_clear(c);
    check_outputs(&k, st, false, (op == 2 || op == 4) && st == SEC_E_OK ? c : NULL);
    call_free(&k);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct input in = {data, size};
    struct context ctx[CONTEXTS];
    char target_space[128];
    memset(ctx, 0, sizeof(ctx));

    for (int step = 0; step < MAX_STEPS && in.n > 0; step++) {
        uint8_t op = take_u8(&in);
        int which = (op >> 4) & 3;      /* a context for ops that take one */
        struct call ink, outk;
        SecBufferDesc *ind, *outd;
        switch (op & 0x0f) {
        case 0:                         /* AcceptSecurityContext, any acceptor */
        case 1:
            if (which == DIGEST_INITIATOR)
                which = DIGEST_ACCEPTOR;
            {
                ULONG req = take_req(&in, asc_req_bases, ASC_REQ_ALLOCATE_MEMORY);
                ind = build_desc(&ink, &in, &ctx[DIGEST_INITIATOR]);
                outd = build_desc(&outk, &in, NULL);
                do_accept(&ctx[which], which, req, &ink, ind, &outk, outd);
                call_free(&ink);
                call_free(&outk);
            }
            break;
        case 2:                         /* MakeSignature */
        case 3:                         /* VerifySignature */
        case 4:                         /* EncryptMessage */
        case 5:                         /* DecryptMessage */
        case 6:                         /* deliver the peer's message */
            message_call(ctx, which & 1, op & 0x0f, &in);
            break;
        case 7:                         /* InitializeSecurityContext (WDigest) */
        case 8: {
            const char *target = take_target(&in, target_space, sizeof(target_space));
            ULONG req = take_req(&in, isc_req_bases, ISC_REQ_ALLOCATE_MEMORY);
            ind = build_desc(&ink, &in, &ctx[DIGEST_ACCEPTOR]);
            outd = build_desc(&outk, &in, NULL);
            do_initialize(&ctx[DIGEST_INITIATOR], target, req, &ink, ind, &outk, outd,
                          (op & 0x0f) == 8);
            call_free(&ink);
            call_free(&outk);
            break;
        }
        case 9:
            query(&ctx[which], which, &in);
            break;
        case 10:                        /* DeleteSecurityContext; the stale handle stays */
            DeleteSecurityContext(&ctx[which].h);
            mailbox_clear(&ctx[which]);
            break;
        case 11:
            canned_handshake(ctx, which & 1);
            break;
        case 12: {
            /* The rest of the input as the client's token: WDigest after
             * a real challenge, or Kerberos/Negotiate straight away. */
            int acceptor = which == DIGEST_INITIATOR ? NEGOTIATE_ACCEPTOR : which;
            struct context *c = &ctx[acceptor];
            delete_context(c);
            if (acceptor == DIGEST_ACCEPTOR &&
                canned_accept(c, ASC_REQ_ALLOW_MISSING_BINDINGS, NULL, "GET") < 0)
                break;
            memset(&ink, 0, sizeof(ink));
            memset(&outk, 0, sizeof(outk));
            size_t got;
            const uint8_t *tok = take_bytes(&in, in.n, &got);
            call_add(&ink, SECBUFFER_TOKEN, got, tok, got, got);
            if (acceptor == DIGEST_ACCEPTOR)
                call_add(&ink, SECBUFFER_PKG_PARAMS, 3, "GET", 3, 3);
            call_finish(&ink);
            call_add(&outk, SECBUFFER_TOKEN, 12288, NULL, 0, 12288);
            call_finish(&outk);
            do_accept(c, acceptor,
                      acceptor == DIGEST_ACCEPTOR ? ASC_REQ_ALLOW_MISSING_BINDINGS
                                                  : ASC_REQ_MUTUAL_AUTH,
                      &ink, &ink.desc, &outk, &outk.desc);
            call_free(&ink);
            call_free(&outk);
            break;
        }
        case 13: {                      /* a forged handle */
            CtxtHandle forged = {take_u32(&in), (ULONG_PTR)take_u32(&in) << 32 | take_u32(&in)};
            SecPkgContext_Sizes sz;
            QueryContextAttributesA(&forged, SECPKG_ATTR_SIZES, &sz);
            DeleteSecurityContext(&forged);
            break;
        }
        default:
            break;
        }
    }
    for (int i = 0; i < CONTEXTS; i++)
        delete_context(&ctx[i]);
    return 0;
}
