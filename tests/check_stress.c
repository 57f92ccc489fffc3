/*
 * Concurrency: many threads using the SSPI surface at once, each on its own
 * contexts, against one real KDC (tests/realm.c) and this build's Digest
 * mechanism (tests/mechenv).
 *
 *  - Handshakes and message loops (MakeSignature / VerifySignature,
 *    EncryptMessage / DecryptMessage) for Kerberos, Negotiate, WDigest over
 *    HTTP and WDigest over SASL, with one credential pair per thread and
 *    with one pair shared by every thread.
 *  - All packages at once, plus threads that only create and delete
 *    contexts (handle-table churn: slots freed by one thread are reused by
 *    another).
 *  - What the shim guarantees about handles across threads (docs/behaviour.md
 *    "Threads"): a handle deleted by one thread is invalid in every thread
 *    afterwards, even once its slot holds a newer context; one handle deleted
 *    by several threads at once is freed exactly once.  Using a context while
 *    another thread deletes it is undefined, as on Windows, and not tested.
 *
 * Check's assertions are not thread-safe, so workers record their first
 * failure (call, status, the shim's thread-local message) and the test's
 * own thread asserts on it.  Also run under ThreadSanitizer: tools/test.sh
 * --tsan (suppressions, with their evidence, in tests/tsan.supp).
 */
#include "config.h"

#include <check.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mechenv.h"
#include "realm.h"
#include "sspi.h"
#include "sspi_shim.h"
#include "suite.h"

#define THREADS 8
#define HANDSHAKES 4                /* per thread */
#define MESSAGES 4                  /* per context and direction */
#define CHURN_ROUNDS 150            /* contexts created and deleted per churn thread */
#define DIGEST_REALM "stress@example.org"
#define DIGEST_URI "/stress"
#define TOKEN_ROOM 16384

static struct test_realm realm;
static char alice_upn[300];
static char store_dir[] = "/tmp/check_stress.XXXXXX";
static char password_path[300];
static bool digest_available;

/* ------------------------------------------------------------ recording failures */

enum kind { KERBEROS, NEGOTIATE, DIGEST_HTTP, DIGEST_SASL, KINDS };
static const char *const kind_name[KINDS] = {"Kerberos", "Negotiate", "WDigest-HTTP",
                                             "WDigest-SASL"};

struct worker {
    pthread_t thread;
    enum kind kind;
    CredHandle *shared_client, *shared_server;  /* NULL: the worker acquires its own */
    int handshakes, messages;                   /* successes */
    char failure[768];                          /* first failure, "" if none */
};

static bool failed(struct worker *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static bool failed(struct worker *w, const char *fmt, ...)
{
    if (w->failure[0] == '\0') {
        va_list ap;
        va_start(ap, fmt);
        int n = vsnprintf(w->failure, sizeof(w->failure), fmt, ap);
        va_end(ap);
        if (n > 0 && (size_t)n < sizeof(w->failure))
            snprintf(w->failure + n, sizeof(w->failure) - (size_t)n, " [%s; last error: %s]",
                     kind_name[w->kind], SspiShimLastErrorMessage());
    }
    return false;
}

/* The status of one call, as ASSERT_STATUS would check it. */
static bool expect(struct worker *w, SECURITY_STATUS got, SECURITY_STATUS want, const char *call)
{
    if (got == want)
        return true;
    return failed(w, "%s returned %s (0x%08X), expected %s", call,
                  SspiShimStatusName(got) ? SspiShimStatusName(got) : "?", (unsigned)got,
                  SspiShimStatusName(want) ? SspiShimStatusName(want) : "?");
}

#define EXPECT(w, expr, want) expect((w), (expr), (want), #expr)

static void assert_no_failure(const struct worker *w, int n)
{
    for (int i = 0; i < n; i++)
        ck_assert_msg(w[i].failure[0] == '\0', "thread %d: %s", i, w[i].failure);
}

/* ------------------------------------------------------------ credentials */

static SECURITY_STATUS client_cred(enum kind k, CredHandle *out)
{
    bool digest = k == DIGEST_HTTP || k == DIGEST_SASL;
    const char *user = digest ? "alice" : alice_upn;
    const char *password = digest ? "stress-pw" : TEST_REALM_ALICE_PASSWORD;
    SEC_WINNT_AUTH_IDENTITY_A id;
    memset(&id, 0, sizeof(id));
    id.User = (unsigned char *)user;
    id.UserLength = (ULONG)strlen(user);
    id.Password = (unsigned char *)password;
    id.PasswordLength = (ULONG)strlen(password);
    id.Flags = SEC_WINNT_AUTH_IDENTITY_ANSI;
    return AcquireCredentialsHandleA(NULL, (LPSTR)(digest ? "WDigest" : kind_name[k]),
                                     SECPKG_CRED_OUTBOUND, NULL, &id, NULL, NULL, out, NULL);
}

static SECURITY_STATUS server_cred(enum kind k, CredHandle *out)
{
    if (k == DIGEST_HTTP || k == DIGEST_SASL) {
        SSPI_SHIM_DIGEST_SERVER_CONFIG c;
        memset(&c, 0, sizeof(c));
        c.Version = SSPI_SHIM_DIGEST_SERVER_CONFIG_VERSION;
        c.PasswordFile = password_path;
        c.Realm = DIGEST_REALM;
        return AcquireCredentialsHandleA(NULL, (LPSTR) "WDigest", SECPKG_CRED_INBOUND, NULL, &c,
                                         NULL, NULL, out, NULL);
    }
    /* The acceptor's keys: the realm's keytab (KRB5_KTNAME). */
    return AcquireCredentialsHandleA(NULL, (LPSTR)kind_name[k], SECPKG_CRED_INBOUND, NULL, NULL,
                                     NULL, NULL, out, NULL);
}

/* ------------------------------------------------------------ handshakes */

/* One thread's buffers: on the heap, never shared. */
struct legs {
    unsigned char client_out[TOKEN_ROOM], server_out[TOKEN_ROOM];
};

#define KRB_ISC (ISC_REQ_MUTUAL_AUTH | ISC_REQ_INTEGRITY | ISC_REQ_CONFIDENTIALITY | \
                 ISC_REQ_SEQUENCE_DETECT | ISC_REQ_REPLAY_DETECT)
#define KRB_ASC (ASC_REQ_MUTUAL_AUTH | ASC_REQ_INTEGRITY | ASC_REQ_CONFIDENTIALITY | \
                 ASC_REQ_SEQUENCE_DETECT | ASC_REQ_REPLAY_DETECT)
#define HTTP_ISC ISC_REQ_USE_HTTP_STYLE
#define HTTP_ASC ASC_REQ_ALLOW_MISSING_BINDINGS
#define SASL_ISC (ISC_REQ_MUTUAL_AUTH | ISC_REQ_INTEGRITY | ISC_REQ_CONFIDENTIALITY)
#define SASL_ASC (ASC_REQ_INTEGRITY | ASC_REQ_CONFIDENTIALITY)

/* One InitializeSecurityContext leg; the Digest HTTP method goes with it. */
static SECURITY_STATUS isc(enum kind k, CredHandle *cc, CtxtHandle *cx, bool first,
                           const void *in, ULONG in_len, struct legs *b, ULONG *out_len)
{
    static const char *const target[KINDS] = {TEST_REALM_HTTP_SERVICE, TEST_REALM_HTTP_SERVICE,
                                              DIGEST_URI, "ldap/stress.example.org"};
    static const ULONG req[KINDS] = {KRB_ISC, KRB_ISC, HTTP_ISC, SASL_ISC};
    SecBuffer inb[2] = {{in_len, SECBUFFER_TOKEN, (void *)in},
                        {3, SECBUFFER_PKG_PARAMS, (void *)"GET"}};
    SecBufferDesc ind = {SECBUFFER_VERSION, k == DIGEST_HTTP ? 2 : 1, inb};
    SecBuffer out = {TOKEN_ROOM, SECBUFFER_TOKEN, b->client_out};
    SecBufferDesc outd = {SECBUFFER_VERSION, 1, &out};
    ULONG attr;
    TimeStamp expiry;
    SECURITY_STATUS st = InitializeSecurityContextA(
        cc, first ? NULL : cx, (SEC_CHAR *)(first ? target[k] : NULL), req[k], 0,
        SECURITY_NATIVE_DREP, in != NULL ? &ind : NULL, 0, cx, &outd, &attr, &expiry);
    *out_len = out.cbBuffer;
    return st;
}

/* One AcceptSecurityContext leg (Digest: the seed page's buffer layout). */
static SECURITY_STATUS asc(enum kind k, CredHandle *sc, CtxtHandle *sx, bool first,
                           const void *in, ULONG in_len, struct legs *b, ULONG *out_len)
{
    static const ULONG req[KINDS] = {KRB_ASC, KRB_ASC, HTTP_ASC, SASL_ASC};
    SecBuffer inb[3] = {{in_len, SECBUFFER_TOKEN, (void *)in},
                        {3, SECBUFFER_PKG_PARAMS, (void *)"GET"},
                        {0, SECBUFFER_PKG_PARAMS, NULL}};
    if (k == DIGEST_SASL)
        inb[1] = (SecBuffer){0, SECBUFFER_PKG_PARAMS, NULL};
    SecBufferDesc ind = {SECBUFFER_VERSION, k == DIGEST_HTTP || k == DIGEST_SASL ? 3 : 1, inb};
    SecBuffer out = {TOKEN_ROOM, SECBUFFER_TOKEN, b->server_out};
    SecBufferDesc outd = {SECBUFFER_VERSION, 1, &out};
    ULONG attr;
    TimeStamp expiry;
    SECURITY_STATUS st = AcceptSecurityContext(sc, first ? NULL : sx, &ind, req[k],
                                               SECURITY_NATIVE_DREP, sx, &outd, &attr, &expiry);
    *out_len = out.cbBuffer;
    return st;
}

/*
 * A whole handshake.  Kerberos / Negotiate: the client speaks first and
 * the legs alternate until both return SEC_E_OK.  Digest: the server speaks
 * first (RFC 7616 3.3, RFC 2831 2.1); SASL's client first makes an empty
 * first leg.  On success both contexts exist; on failure none is left.
 */
static bool handshake(struct worker *w, CredHandle *cc, CredHandle *sc, CtxtHandle *cx,
                      CtxtHandle *sx, struct legs *b)
{
    enum kind k = w->kind;
    ULONG clen = 0, slen = 0;
    bool have_cx = false, have_sx = false, ok = false;
    SECURITY_STATUS cst, sst;

    if (k == KERBEROS || k == NEGOTIATE) {
        cst = isc(k, cc, cx, true, NULL, 0, b, &clen);
        if (!EXPECT(w, cst == SEC_I_CONTINUE_NEEDED || cst == SEC_E_OK ? SEC_E_OK : cst, SEC_E_OK))
            return false;
        have_cx = true;
        sst = SEC_I_CONTINUE_NEEDED;
        for (int leg = 0; leg < 8; leg++) {
            if (cst == SEC_E_OK && sst == SEC_E_OK) {
                ok = true;
                break;
            }
            if (clen == 0 || sst == SEC_E_OK) {
                failed(w, "handshake stalled: client 0x%08X with %lu bytes, server 0x%08X",
                       (unsigned)cst, (unsigned long)clen, (unsigned)sst);
                break;
            }
            sst = asc(k, sc, sx, !have_sx, b->client_out, clen, b, &slen);
            if (sst != SEC_E_OK && sst != SEC_I_CONTINUE_NEEDED) {
                EXPECT(w, sst, SEC_E_OK);
                break;
            }
            have_sx = true;
            if (slen == 0) {
                ok = cst == SEC_E_OK && sst == SEC_E_OK;
                if (!ok)
                    failed(w, "handshake ended early: client 0x%08X", (unsigned)cst);
                break;
            }
            cst = isc(k, cc, cx, false, b->server_out, slen, b, &clen);
            if (cst != SEC_E_OK && cst != SEC_I_CONTINUE_NEEDED) {
                EXPECT(w, cst, SEC_E_OK);
                break;
            }
            if (cst == SEC_E_OK && clen == 0 && sst == SEC_E_OK) {
                ok = true;
                break;
            }
        }
    } else if (k == DIGEST_HTTP) {
        /* challenge, response, Authentication-Info (rspauth) */
        if (!EXPECT(w, asc(k, sc, sx, true, NULL, 0, b, &slen), SEC_I_CONTINUE_NEEDED))
            return false;
        have_sx = true;
        cst = isc(k, cc, cx, true, b->server_out, slen, b, &clen);
        if (cst == SEC_I_CONTINUE_NEEDED || cst == SEC_E_OK) {
            have_cx = true;
            if (EXPECT(w, asc(k, sc, sx, false, b->client_out, clen, b, &slen), SEC_E_OK))
                ok = cst == SEC_E_OK ||
                     EXPECT(w, isc(k, cc, cx, false, b->server_out, slen, b, &clen), SEC_E_OK);
        } else {
            EXPECT(w, cst, SEC_I_CONTINUE_NEEDED);
        }
    } else {
        if (!EXPECT(w, isc(k, cc, cx, true, NULL, 0, b, &clen), SEC_I_CONTINUE_NEEDED))
            return false;
        have_cx = true;
        ok = EXPECT(w, asc(k, sc, sx, true, NULL, 0, b, &slen), SEC_I_CONTINUE_NEEDED) &&
             (have_sx = true) &&
             EXPECT(w, isc(k, cc, cx, false, b->server_out, slen, b, &clen),
                    SEC_I_CONTINUE_NEEDED) &&
             EXPECT(w, asc(k, sc, sx, false, b->client_out, clen, b, &slen), SEC_E_OK) &&
             EXPECT(w, isc(k, cc, cx, false, b->server_out, slen, b, &clen), SEC_E_OK);
    }
    if (!ok) {
        if (have_cx)
            DeleteSecurityContext(cx);
        if (have_sx)
            DeleteSecurityContext(sx);
    }
    return ok;
}

/* ------------------------------------------------------------ message loops */

static void fill(unsigned char *p, size_t n, unsigned seed)
{
    for (size_t i = 0; i < n; i++)
        p[i] = (unsigned char)(seed * 131u + i * 7u);
}

/* EncryptMessage on one side, DecryptMessage on the other: the plaintext
 * comes back, and the ciphertext differed from it. */
static bool seal_round(struct worker *w, CtxtHandle *from, CtxtHandle *to, unsigned seed)
{
    unsigned char plain[300], data[300], token[256], pad[64];
    size_t len = 1 + seed % sizeof(plain);
    fill(plain, len, seed);
    memcpy(data, plain, len);
    SecBuffer b[3] = {{sizeof(token), SECBUFFER_TOKEN, token},
                      {(ULONG)len, SECBUFFER_DATA, data},
                      {sizeof(pad), SECBUFFER_PADDING, pad}};
    SecBufferDesc d = {SECBUFFER_VERSION, 3, b};
    if (!EXPECT(w, EncryptMessage(from, 0, &d, 0), SEC_E_OK))
        return false;
    if (len >= 16 && memcmp(data, plain, len) == 0)
        return failed(w, "EncryptMessage left %zu bytes in clear", len);
    SecBuffer r[3] = {{b[0].cbBuffer, SECBUFFER_TOKEN, token},
                      {b[1].cbBuffer, SECBUFFER_DATA, data},
                      {b[2].cbBuffer, SECBUFFER_PADDING, pad}};
    SecBufferDesc rd = {SECBUFFER_VERSION, b[2].cbBuffer > 0 ? 3 : 2, r};
    ULONG qop = 0xdeadbeef;
    if (!EXPECT(w, DecryptMessage(to, &rd, 0, &qop), SEC_E_OK))
        return false;
    if (r[1].cbBuffer != len || memcmp(r[1].pvBuffer, plain, len) != 0)
        return failed(w, "DecryptMessage gave %lu bytes, not the %zu sent",
                      (unsigned long)r[1].cbBuffer, len);
    return true;
}

/* MakeSignature on one side, VerifySignature on the other. */
static bool sign_round(struct worker *w, CtxtHandle *from, CtxtHandle *to, unsigned seed)
{
    unsigned char data[200], mic[128];
    fill(data, sizeof(data), seed);
    SecBuffer b[2] = {{sizeof(data), SECBUFFER_DATA, data}, {sizeof(mic), SECBUFFER_TOKEN, mic}};
    SecBufferDesc d = {SECBUFFER_VERSION, 2, b};
    if (!EXPECT(w, MakeSignature(from, 0, &d, 0), SEC_E_OK))
        return false;
    ULONG qop;
    return EXPECT(w, VerifySignature(to, &d, 0, &qop), SEC_E_OK);
}

/* Digest HTTP: a later request's Authorization (the next nonce count),
 * checked by the server: curl's layout (TOKEN, method, URI, -, PADDING). */
static bool http_request_round(struct worker *w, CtxtHandle *cx, CtxtHandle *sx)
{
    char auth[2048];
    SecBuffer b[5] = {
        {0, SECBUFFER_TOKEN, NULL},
        {3, SECBUFFER_PKG_PARAMS, (void *)"GET"},
        {sizeof(DIGEST_URI) - 1, SECBUFFER_PKG_PARAMS, (void *)DIGEST_URI},
        {0, SECBUFFER_PKG_PARAMS, NULL},
        {sizeof(auth), SECBUFFER_PADDING, auth},
    };
    SecBufferDesc d = {SECBUFFER_VERSION, 5, b};
    if (!EXPECT(w, MakeSignature(cx, 0, &d, 0), SEC_E_OK))
        return false;
    SecBuffer v[4] = {
        {b[4].cbBuffer, SECBUFFER_TOKEN, auth},
        {3, SECBUFFER_PKG_PARAMS, (void *)"GET"},
        {0, SECBUFFER_PKG_PARAMS, NULL},
        {0, SECBUFFER_PKG_PARAMS, NULL},
    };
    SecBufferDesc vd = {SECBUFFER_VERSION, 4, v};
    return EXPECT(w, VerifySignature(sx, &vd, 0, NULL), SEC_E_OK);
}

static bool message_loop(struct worker *w, CtxtHandle *cx, CtxtHandle *sx, unsigned seed)
{
    for (int m = 0; m < MESSAGES; m++) {
        unsigned s = seed * 17u + (unsigned)m;
        bool ok = w->kind == DIGEST_HTTP
                      ? http_request_round(w, cx, sx)
                      : sign_round(w, cx, sx, s) && sign_round(w, sx, cx, s + 1) &&
                            seal_round(w, cx, sx, s + 2) && seal_round(w, sx, cx, s + 3);
        if (!ok)
            return false;
        w->messages++;
    }
    return true;
}

/* ------------------------------------------------------------ workers */

static void *handshake_worker(void *arg)
{
    struct worker *w = arg;
    CredHandle own_cc, own_sc, *cc = w->shared_client, *sc = w->shared_server;
    struct legs *b = malloc(sizeof(*b));
    if (b == NULL) {
        failed(w, "out of memory");
        return NULL;
    }
    if (cc == NULL) {
        if (!EXPECT(w, client_cred(w->kind, &own_cc), SEC_E_OK))
            goto out;
        if (!EXPECT(w, server_cred(w->kind, &own_sc), SEC_E_OK)) {
            FreeCredentialsHandle(&own_cc);
            goto out;
        }
        cc = &own_cc;
        sc = &own_sc;
    }
    for (int i = 0; i < HANDSHAKES; i++) {
        CtxtHandle cx, sx;
        if (!handshake(w, cc, sc, &cx, &sx, b))
            break;
        w->handshakes++;
        bool ok = message_loop(w, &cx, &sx, (unsigned)i);
        ok = EXPECT(w, DeleteSecurityContext(&cx), SEC_E_OK) && ok;
        ok = EXPECT(w, DeleteSecurityContext(&sx), SEC_E_OK) && ok;
        /* Deleted: the copies are stale now. */
        ok = ok && EXPECT(w, DeleteSecurityContext(&cx), SEC_E_INVALID_HANDLE);
        if (!ok)
            break;
    }
    if (cc == &own_cc) {
        EXPECT(w, FreeCredentialsHandle(&own_cc), SEC_E_OK);
        EXPECT(w, FreeCredentialsHandle(&own_sc), SEC_E_OK);
    }
out:
    free(b);
    return NULL;
}

static int start(struct worker *w, void *(*fn)(void *))
{
    return pthread_create(&w->thread, NULL, fn, w);
}

/* The parallel run of one package, with per-thread or shared credentials. */
static void run_package(enum kind k, bool shared)
{
    struct worker w[THREADS];
    CredHandle cc, sc;
    memset(w, 0, sizeof(w));
    if (shared) {
        ASSERT_STATUS(client_cred(k, &cc), SEC_E_OK);
        ASSERT_STATUS(server_cred(k, &sc), SEC_E_OK);
    }
    for (int i = 0; i < THREADS; i++) {
        w[i].kind = k;
        w[i].shared_client = shared ? &cc : NULL;
        w[i].shared_server = shared ? &sc : NULL;
        ck_assert_int_eq(start(&w[i], handshake_worker), 0);
    }
    for (int i = 0; i < THREADS; i++)
        pthread_join(w[i].thread, NULL);
    assert_no_failure(w, THREADS);
    int handshakes = 0, messages = 0;
    for (int i = 0; i < THREADS; i++) {
        handshakes += w[i].handshakes;
        messages += w[i].messages;
    }
    ck_assert_int_eq(handshakes, THREADS * HANDSHAKES);
    ck_assert_int_eq(messages, THREADS * HANDSHAKES * MESSAGES);
    if (shared) {
        ASSERT_STATUS(FreeCredentialsHandle(&cc), SEC_E_OK);
        ASSERT_STATUS(FreeCredentialsHandle(&sc), SEC_E_OK);
    }
}

/* _i: kind * 2 + shared. */
START_TEST(parallel_handshakes_and_message_loops)
{
    enum kind k = (enum kind)(_i / 2);
    if ((k == DIGEST_HTTP || k == DIGEST_SASL) && !digest_available) {
        fprintf(stderr, "SKIP %s: the Digest mechanism is not loaded\n", kind_name[k]);
        return;
    }
    run_package(k, _i % 2 == 1);
}
END_TEST

/* Creates and deletes first-leg contexts as fast as it can, keeping a few
 * alive, and checks that every handle it deleted stays invalid although
 * other threads keep reusing the slots. */
struct churn {
    struct worker w;
    CredHandle *cred;               /* Kerberos outbound, or WDigest inbound */
    int created;
};

static void *churn_worker(void *arg)
{
    struct churn *c = arg;
    struct worker *w = &c->w;
    struct legs *b = malloc(sizeof(*b));
    CtxtHandle live[4], stale[16];
    int nlive = 0, nstale = 0;
    if (b == NULL) {
        failed(w, "out of memory");
        return NULL;
    }
    for (int r = 0; r < CHURN_ROUNDS && w->failure[0] == '\0'; r++) {
        CtxtHandle h;
        ULONG len;
        SECURITY_STATUS st = w->kind == DIGEST_HTTP ? asc(w->kind, c->cred, &h, true, NULL, 0, b, &len)
                                                    : isc(w->kind, c->cred, &h, true, NULL, 0, b, &len);
        if (!EXPECT(w, st, SEC_I_CONTINUE_NEEDED))
            break;
        c->created++;
        if (nlive == 4) {
            /* Delete the oldest; its handle must stay dead. */
            if (!EXPECT(w, DeleteSecurityContext(&live[0]), SEC_E_OK))
                break;
            stale[nstale++ % 16] = live[0];
            memmove(live, live + 1, 3 * sizeof(live[0]));
            nlive = 3;
        }
        live[nlive++] = h;
        for (int s = 0; s < nstale && s < 16; s++) {
            SecPkgContext_Sizes sz;
            if (!EXPECT(w, QueryContextAttributesA(&stale[s], SECPKG_ATTR_SIZES, &sz),
                        SEC_E_INVALID_HANDLE) ||
                !EXPECT(w, DeleteSecurityContext(&stale[s]), SEC_E_INVALID_HANDLE))
                break;
        }
    }
    for (int i = 0; i < nlive; i++)
        EXPECT(w, DeleteSecurityContext(&live[i]), SEC_E_OK);
    free(b);
    return NULL;
}

/* Every package at once, two threads each, with two churn threads. */
START_TEST(all_packages_at_once_with_handle_churn)
{
    struct worker w[2 * KINDS];
    struct churn churn[2];
    CredHandle krb_client, digest_server;
    int n = 0;
    memset(w, 0, sizeof(w));
    memset(churn, 0, sizeof(churn));
    ASSERT_STATUS(client_cred(KERBEROS, &krb_client), SEC_E_OK);
    churn[0].w.kind = KERBEROS;
    churn[0].cred = &krb_client;
    churn[1].w.kind = digest_available ? DIGEST_HTTP : KERBEROS;
    if (digest_available) {
        ASSERT_STATUS(server_cred(DIGEST_HTTP, &digest_server), SEC_E_OK);
        churn[1].cred = &digest_server;
    } else {
        churn[1].cred = &krb_client;
    }
    for (int k = 0; k < KINDS; k++) {
        if ((k == DIGEST_HTTP || k == DIGEST_SASL) && !digest_available)
            continue;
        for (int t = 0; t < 2; t++) {
            w[n].kind = (enum kind)k;
            ck_assert_int_eq(start(&w[n], handshake_worker), 0);
            n++;
        }
    }
    for (int i = 0; i < 2; i++)
        ck_assert_int_eq(start(&churn[i].w, churn_worker), 0);
    for (int i = 0; i < n; i++)
        pthread_join(w[i].thread, NULL);
    for (int i = 0; i < 2; i++)
        pthread_join(churn[i].w.thread, NULL);
    assert_no_failure(w, n);
    for (int i = 0; i < 2; i++) {
        ck_assert_msg(churn[i].w.failure[0] == '\0', "churn %d: %s", i, churn[i].w.failure);
        ck_assert_int_eq(churn[i].created, CHURN_ROUNDS);
    }
    for (int i = 0; i < n; i++) {
        ck_assert_int_eq(w[i].handshakes, HANDSHAKES);
        ck_assert_int_eq(w[i].messages, HANDSHAKES * MESSAGES);
    }
    ASSERT_STATUS(FreeCredentialsHandle(&krb_client), SEC_E_OK);
    if (digest_available)
        ASSERT_STATUS(FreeCredentialsHandle(&digest_server), SEC_E_OK);
}
END_TEST

/* ------------------------------------------------------------ cross-thread handle rules */

/* Threads released together by a barrier each delete their copy of the
 * same handle: exactly one succeeds, so the object is freed once (valgrind
 * and ASan would see a second free). */
struct racer {
    pthread_t thread;
    pthread_barrier_t *go;
    SecHandle handle;
    bool credential;
    SECURITY_STATUS st;
};

static void *delete_racer(void *arg)
{
    struct racer *r = arg;
    pthread_barrier_wait(r->go);
    r->st = r->credential ? FreeCredentialsHandle(&r->handle) : DeleteSecurityContext(&r->handle);
    return NULL;
}

static void race_deletes(SecHandle h, bool credential)
{
    enum { RACERS = 4 };
    struct racer r[RACERS];
    pthread_barrier_t go;
    ck_assert_int_eq(pthread_barrier_init(&go, NULL, RACERS), 0);
    for (int i = 0; i < RACERS; i++) {
        r[i] = (struct racer){.go = &go, .handle = h, .credential = credential};
        ck_assert_int_eq(pthread_create(&r[i].thread, NULL, delete_racer, &r[i]), 0);
    }
    int ok = 0, invalid = 0;
    for (int i = 0; i < RACERS; i++) {
        pthread_join(r[i].thread, NULL);
        ok += r[i].st == SEC_E_OK;
        invalid += r[i].st == SEC_E_INVALID_HANDLE;
    }
    pthread_barrier_destroy(&go);
    ck_assert_int_eq(ok, 1);
    ck_assert_int_eq(invalid, RACERS - 1);
}

START_TEST(one_handle_deleted_by_several_threads_is_freed_once)
{
    CredHandle cc;
    struct legs *b = malloc(sizeof(*b));
    ck_assert_ptr_nonnull(b);
    ASSERT_STATUS(client_cred(KERBEROS, &cc), SEC_E_OK);
    for (int round = 0; round < 40; round++) {
        CtxtHandle cx;
        ULONG len;
        ASSERT_STATUS(isc(KERBEROS, &cc, &cx, true, NULL, 0, b, &len), SEC_I_CONTINUE_NEEDED);
        race_deletes(cx, false);
        CredHandle extra;
        ASSERT_STATUS(client_cred(KERBEROS, &extra), SEC_E_OK);
        race_deletes(extra, true);
    }
    ASSERT_STATUS(FreeCredentialsHandle(&cc), SEC_E_OK);
    free(b);
}
END_TEST

/* A handle deleted in one thread is invalid in another, for every call,
 * even after its slot was reused for a new context (by this thread, which
 * took the freed slot from its own free list). */
struct handoff {
    CtxtHandle stale;
    SECURITY_STATUS query, sign, del;
};

static void *use_stale(void *arg)
{
    struct handoff *h = arg;
    SecPkgContext_Sizes sz;
    unsigned char data[8] = {0}, mic[64];
    SecBuffer b[2] = {{sizeof(data), SECBUFFER_DATA, data}, {sizeof(mic), SECBUFFER_TOKEN, mic}};
    SecBufferDesc d = {SECBUFFER_VERSION, 2, b};
    h->query = QueryContextAttributesA(&h->stale, SECPKG_ATTR_SIZES, &sz);
    h->sign = MakeSignature(&h->stale, 0, &d, 0);
    h->del = DeleteSecurityContext(&h->stale);
    return NULL;
}

START_TEST(deleted_handle_is_invalid_in_other_threads_after_slot_reuse)
{
    CredHandle cc, sc;
    struct legs *b = malloc(sizeof(*b));
    struct worker w;
    memset(&w, 0, sizeof(w));
    w.kind = KERBEROS;
    ck_assert_ptr_nonnull(b);
    ASSERT_STATUS(client_cred(KERBEROS, &cc), SEC_E_OK);
    ASSERT_STATUS(server_cred(KERBEROS, &sc), SEC_E_OK);
    CtxtHandle cx, sx, cx2, sx2;
    ck_assert_msg(handshake(&w, &cc, &sc, &cx, &sx, b), "%s", w.failure);
    struct handoff h = {.stale = cx};
    ASSERT_STATUS(DeleteSecurityContext(&cx), SEC_E_OK);
    /* This thread's next handles reuse the freed slot. */
    ck_assert_msg(handshake(&w, &cc, &sc, &cx2, &sx2, b), "%s", w.failure);
    ck_assert(cx2.dwLower == h.stale.dwLower || sx2.dwLower == h.stale.dwLower);
    pthread_t t;
    ck_assert_int_eq(pthread_create(&t, NULL, use_stale, &h), 0);
    pthread_join(t, NULL);
    ASSERT_STATUS(h.query, SEC_E_INVALID_HANDLE);
    ASSERT_STATUS(h.sign, SEC_E_INVALID_HANDLE);
    ASSERT_STATUS(h.del, SEC_E_INVALID_HANDLE);
    /* The credentials go first: the contexts hold their own references.
     * The new contexts in the reused slot are untouched. */
    ASSERT_STATUS(FreeCredentialsHandle(&cc), SEC_E_OK);
    ASSERT_STATUS(FreeCredentialsHandle(&sc), SEC_E_OK);
    ck_assert_msg(message_loop(&w, &cx2, &sx2, 7), "%s", w.failure);
    ASSERT_STATUS(DeleteSecurityContext(&cx2), SEC_E_OK);
    ASSERT_STATUS(DeleteSecurityContext(&sx), SEC_E_OK);
    ASSERT_STATUS(DeleteSecurityContext(&sx2), SEC_E_OK);
    free(b);
}
END_TEST

/* A context deleted while other threads are inside calls on it: each call
 * either completes (SEC_E_OK) or fails cleanly (SEC_E_INVALID_HANDLE);
 * DeleteSecurityContext waits for the calls in progress (shim/handles.c
 * pins), so nothing reads freed memory.  ASan, valgrind and TSan runs of
 * this suite are what prove the "nothing freed" part. */
struct user_race {
    pthread_t thread;
    pthread_barrier_t *go;
    CtxtHandle ctx;
    int ok, invalid, other;
};

static void *use_while_deleted(void *arg)
{
    struct user_race *u = arg;
    unsigned char data[16] = {1}, mic[128];
    pthread_barrier_wait(u->go);
    for (int i = 0; i < 200; i++) {
        SecPkgContext_Sizes sz;
        SecBuffer b[2] = {{sizeof(data), SECBUFFER_DATA, data}, {sizeof(mic), SECBUFFER_TOKEN, mic}};
        SecBufferDesc d = {SECBUFFER_VERSION, 2, b};
        SECURITY_STATUS st[2] = {QueryContextAttributesA(&u->ctx, SECPKG_ATTR_SIZES, &sz),
                                 MakeSignature(&u->ctx, 0, &d, 0)};
        for (int k = 0; k < 2; k++) {
            if (st[k] == SEC_E_OK)
                u->ok++;
            else if (st[k] == SEC_E_INVALID_HANDLE)
                u->invalid++;
            else
                u->other++;
        }
    }
    return NULL;
}

START_TEST(context_deleted_while_in_use_fails_cleanly)
{
    enum { USERS = 3, ROUNDS = 20 };
    CredHandle cc, sc;
    struct legs *b = malloc(sizeof(*b));
    struct worker w;
    memset(&w, 0, sizeof(w));
    w.kind = KERBEROS;
    ck_assert_ptr_nonnull(b);
    ASSERT_STATUS(client_cred(KERBEROS, &cc), SEC_E_OK);
    ASSERT_STATUS(server_cred(KERBEROS, &sc), SEC_E_OK);
    int ok = 0, invalid = 0;
    for (int round = 0; round < ROUNDS; round++) {
        CtxtHandle cx, sx;
        ck_assert_msg(handshake(&w, &cc, &sc, &cx, &sx, b), "%s", w.failure);
        pthread_barrier_t go;
        struct user_race u[USERS];
        ck_assert_int_eq(pthread_barrier_init(&go, NULL, USERS + 1), 0);
        for (int i = 0; i < USERS; i++) {
            u[i] = (struct user_race){.go = &go, .ctx = cx};
            ck_assert_int_eq(pthread_create(&u[i].thread, NULL, use_while_deleted, &u[i]), 0);
        }
        pthread_barrier_wait(&go);
        ASSERT_STATUS(DeleteSecurityContext(&cx), SEC_E_OK);
        for (int i = 0; i < USERS; i++) {
            pthread_join(u[i].thread, NULL);
            ck_assert_int_eq(u[i].other, 0);
            ok += u[i].ok;
            invalid += u[i].invalid;
        }
        pthread_barrier_destroy(&go);
        ASSERT_STATUS(DeleteSecurityContext(&sx), SEC_E_OK);
    }
    /* Every call after the delete returned is refused. */
    ck_assert_int_gt(invalid, 0);
    ck_assert_int_eq(ok + invalid, ROUNDS * USERS * 200 * 2);
    ASSERT_STATUS(FreeCredentialsHandle(&cc), SEC_E_OK);
    ASSERT_STATUS(FreeCredentialsHandle(&sc), SEC_E_OK);
    free(b);
}
END_TEST

/* ------------------------------------------------------------ main */

static bool digest_mech_usable(void)
{
    /* Heimdal 7.8 crashes when a registered module cannot be opened
     * (DESIGN.md): look for the file before asking the library. */
    if (access(DIGEST_MECH_PATH, R_OK) != 0)
        return false;
    CredHandle sc;
    if (server_cred(DIGEST_HTTP, &sc) != SEC_E_OK)
        return false;
    FreeCredentialsHandle(&sc);
    return true;
}

static void write_password_store(void)
{
    if (mkdtemp(store_dir) == NULL) {
        perror("mkdtemp");
        exit(99);
    }
    snprintf(password_path, sizeof(password_path), "%s/passwords", store_dir);
    FILE *f = fopen(password_path, "w");
    if (f == NULL) {
        perror(password_path);
        exit(99);
    }
    fputs("alice:stress-pw\n", f);
    fclose(f);
}

int main(void)
{
    int env = test_mechenv_enter();     /* before any thread or GSS call */
    if (env != 0)
        return env;
    if (test_realm_start(&realm, NULL) != 0) {
        fprintf(stderr, "cannot start the test realm: %s\n", realm.last_output);
        test_realm_destroy(&realm);
        return 99;
    }
    snprintf(alice_upn, sizeof(alice_upn), "%s@%s", TEST_REALM_ALICE, realm.realm);
    /* TCP only and a long KDC timeout: the single-process KDC answers many
     * threads at once, slowly under valgrind or TSan, and must not be given
     * up on after the realm's 1 s.  (Over UDP, Heimdal 7.8 then resends, and
     * each resend leaks the previous copy of the request: valgrind shows it
     * under krb5_sendto_context -> krb5_data_copy.) */
    char conf[TEST_REALM_PATH_MAX + 32];
    snprintf(conf, sizeof(conf), "%s/stress-krb5.conf", realm.dir);
    struct test_realm_krb5_conf opts = {.heimdal_tcp_kdc = 1, .kdc_timeout = 60,
                                        .kdc_timesync = -1};
    if (test_realm_write_krb5_conf(&realm, conf, &opts) != 0 ||
        test_realm_use_krb5_conf(&realm, conf) != 0) {
        fprintf(stderr, "cannot write %s\n", conf);
        test_realm_destroy(&realm);
        return 99;
    }
    write_password_store();
    digest_available = digest_mech_usable();
    if (!digest_available)
        fprintf(stderr, "SKIP the WDigest parts: %s is not loaded (%s)\n", DIGEST_MECH_PATH,
                test_mechenv_config() ? test_mechenv_config() : "no private mech file");

    Suite *s = suite_create("stress");
    TCase *tc = tcase_create("threads");
    /* Slow machines, valgrind and TSan: generous, never a timing assertion. */
    tcase_set_timeout(tc, 600);
    tcase_add_loop_test(tc, parallel_handshakes_and_message_loops, 0, 2 * KINDS);
    tcase_add_test(tc, all_packages_at_once_with_handle_churn);
    tcase_add_test(tc, one_handle_deleted_by_several_threads_is_freed_once);
    tcase_add_test(tc, deleted_handle_is_invalid_in_other_threads_after_slot_reuse);
    tcase_add_test(tc, context_deleted_while_in_use_fails_cleanly);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int nfailed = srunner_ntests_failed(sr);
    srunner_free(sr);
    unlink(password_path);
    rmdir(store_dir);
    test_realm_destroy(&realm);
    return nfailed == 0 ? 0 : 1;
}
