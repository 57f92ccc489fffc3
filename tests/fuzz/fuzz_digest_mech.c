/*
 * libFuzzer target for the Digest GSS-API mechanism (mechs/digest/) driven
 * directly through its exported gss_accept_sec_context /
 * gss_init_sec_context, compiled in from source with no mechglue: what a
 * peer sends reaches these two calls unchanged.
 *
 * The first input octet picks what the rest of the input becomes:
 *   bits 0-1  0: the client's response to a real challenge (acceptor leg 2)
 *             1: a challenge given to a fresh initiator
 *             2: the server's rspauth given to an initiator that answered a
 *                real challenge
 *             3: the acceptor's first token (a parameter token, or not)
 *   bit 2     SASL mode (else HTTP)
 *   bit 3     wrap the message in a parameter token with the mode and
 *             method (else hand it over bare)
 * In case 0 every "$N" in the message is replaced by the nonce of the real
 * challenge, so that inputs get past the nonce check into the response
 * verification.
 *
 * Besides the sanitizers (memory errors, leaks, undefined behaviour), the
 * target checks: a forged response is never accepted (case 0) and a forged
 * rspauth never gives the initiator GSS_C_MUTUAL_FLAG (case 2) - the fuzzer
 * cannot know the password-derived values, which also change with each
 * fresh nonce.
 *
 *   make fuzz-digest-mech
 *   tests/fuzz/fuzz_digest_mech -max_len=4096 corpus/
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "digest_gss.h"

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

/* The module's exported entry points (digest_gss_entry.c); declared here
 * because the module renames the GSS headers' own declarations. */
OM_uint32 gssspi_acquire_cred_with_password(OM_uint32 *minor, const gss_name_t desired_name,
                                            const gss_buffer_t password, OM_uint32 time_req,
                                            const gss_OID_set desired_mechs,
                                            gss_cred_usage_t usage, gss_cred_id_t *out,
                                            gss_OID_set *actual_mechs, OM_uint32 *time_rec);

#define FAIL(...)                                                                            \
    do {                                                                                     \
        fprintf(stderr, "fuzz_digest_mech: " __VA_ARGS__);                                   \
        fputc('\n', stderr);                                                                 \
        abort();                                                                             \
    } while (0)

#define USER "fuzz"
#define PASSWORD "fuzz-password"
#define REALM "fuzz-realm"
#define METHOD "GET"

static gss_cred_id_t acceptor, initiator;
static gss_name_t target_http, target_sasl;
static char store_dir[] = "/tmp/fuzz-digest-mech.XXXXXX", store_path[256];

/* The user store stays while the process runs: the mechanism stats it on
 * every lookup (mechs/digest/digest_userstore.c). */
static void remove_store(void)
{
    unlink(store_path);
    rmdir(store_dir);
}

/* One htdigest line for USER in realm (RFC 2617 3.2.2.2 H(A1), MD5). */
static void htdigest_line(FILE *f, const char *realm)
{
    char a1[256], ha1[DIGEST_HEX_BUFSIZE];
    snprintf(a1, sizeof(a1), "%s:%s:%s", USER, realm, PASSWORD);
    if (digest_H(DIGEST_ALG_MD5, a1, strlen(a1), ha1) != DIGEST_OK)
        FAIL("cannot hash H(A1)");
    fprintf(f, "%s:%s:%s\n", USER, realm, ha1);
}

static void setup(void)
{
    static int done;
    char host[256] = "localhost";
    OM_uint32 major, minor;

    if (done)
        return;
    done = 1;
    if (mkdtemp(store_dir) == NULL)
        FAIL("mkdtemp");
    snprintf(store_path, sizeof(store_path), "%s/htdigest", store_dir);
    atexit(remove_store);
    FILE *f = fopen(store_path, "w");
    if (f == NULL)
        FAIL("%s", store_path);
    gethostname(host, sizeof(host) - 1);
    htdigest_line(f, REALM);
    htdigest_line(f, host);
    fclose(f);
    setenv("SSPI_SHIM_DIGEST_USERS", store_path, 1);

    major = gss_acquire_cred(&minor, GSS_C_NO_NAME, GSS_C_INDEFINITE, GSS_C_NO_OID_SET,
                             GSS_C_ACCEPT, &acceptor, NULL, NULL);
    if (major != GSS_S_COMPLETE)
        FAIL("gss_acquire_cred(ACCEPT): 0x%x/0x%x", major, minor);

    gss_name_t user;
    gss_buffer_desc b = {sizeof(USER) - 1, (void *)USER};
    if (gss_import_name(&minor, &b, &dg_nt_user_name_oid, &user) != GSS_S_COMPLETE)
        FAIL("gss_import_name(user)");
    gss_buffer_desc pw = {sizeof(PASSWORD) - 1, (void *)PASSWORD};
    major = gssspi_acquire_cred_with_password(&minor, user, &pw, GSS_C_INDEFINITE,
                                              GSS_C_NO_OID_SET, GSS_C_INITIATE, &initiator,
                                              NULL, NULL);
    gss_release_name(&minor, &user);
    if (major != GSS_S_COMPLETE)
        FAIL("gssspi_acquire_cred_with_password: 0x%x/0x%x", major, minor);
    b = (gss_buffer_desc){sizeof("/fuzz/index.html") - 1, (void *)"/fuzz/index.html"};
    if (gss_import_name(&minor, &b, &dg_nt_uri_oid, &target_http) != GSS_S_COMPLETE)
        FAIL("gss_import_name(URI)");
    b = (gss_buffer_desc){sizeof("imap@localhost") - 1, (void *)"imap@localhost"};
    if (gss_import_name(&minor, &b, &dg_nt_hostbased_oid, &target_sasl) != GSS_S_COMPLETE)
        FAIL("gss_import_name(hostbased)");
}

/* The message as a parameter token (framed) or bare, in buf. */
static gss_buffer_desc token(int sasl, int framed, int first_leg, const void *msg, size_t len,
                             uint8_t *buf, size_t size)
{
    if (!framed)
        return (gss_buffer_desc){len, (void *)msg};
    struct gssmap_digest_record r[4] = {
        {GSS_SSPI_SHIM_DIGEST_P_WIRE, len ? msg : "", len},
        {GSS_SSPI_SHIM_DIGEST_P_MODE, sasl ? "S" : "H", 1},
        {GSS_SSPI_SHIM_DIGEST_P_METHOD, sasl ? NULL : METHOD, sizeof(METHOD) - 1},
        {GSS_SSPI_SHIM_DIGEST_P_REALM, first_leg ? REALM : NULL, sizeof(REALM) - 1},
    };
    size_t n = gssmap_digest_params_write(r, 4, 1, buf, size);
    return (gss_buffer_desc){n, buf}; /* n == 0 (too long): an empty token */
}

static void release(gss_buffer_desc *b)
{
    free(b->value);
    b->value = NULL;
    b->length = 0;
}

/* The acceptor's first leg; returns its challenge (caller frees). */
static int challenge(int sasl, gss_ctx_id_t *ctx, gss_buffer_desc *out)
{
    uint8_t buf[512];
    OM_uint32 minor;
    gss_buffer_desc in = token(sasl, 1, 1, NULL, 0, buf, sizeof(buf));
    OM_uint32 major = gss_accept_sec_context(&minor, ctx, acceptor, &in,
                                             GSS_C_NO_CHANNEL_BINDINGS, NULL, NULL, out, NULL,
                                             NULL, NULL);
    if (major != GSS_S_CONTINUE_NEEDED || out->length == 0)
        FAIL("leg 1 gave no challenge: 0x%x/0x%x", major, minor);
    return 0;
}

/* The message with every "$N" replaced by the challenge's nonce value. */
static char *with_nonce(const gss_buffer_desc *chal, const uint8_t *msg, size_t len, size_t *out_len)
{
    const char *c = chal->value, *end = c + chal->length, *nonce = NULL;
    size_t nlen = 0;
    for (const char *p = c; p + 7 <= end; p++)
        if (memcmp(p, "nonce=\"", 7) == 0 && (p == c || p[-1] != 'c')) {
            nonce = p + 7;
            const char *q = memchr(nonce, '"', (size_t)(end - nonce));
            nlen = q ? (size_t)(q - nonce) : 0;
            break;
        }
    char *s = malloc(len * (nlen > 2 ? nlen : 2) + 1), *w = s;
    if (s == NULL)
        FAIL("out of memory");
    for (size_t i = 0; i < len; i++) {
        if (nonce != NULL && i + 1 < len && msg[i] == '$' && msg[i + 1] == 'N') {
            memcpy(w, nonce, nlen);
            w += nlen;
            i++;
        } else {
            *w++ = (char)msg[i];
        }
    }
    *out_len = (size_t)(w - s);
    return s;
}

static void delete_ctx(gss_ctx_id_t *ctx)
{
    OM_uint32 minor;
    if (*ctx != GSS_C_NO_CONTEXT)
        gss_delete_sec_context(&minor, ctx, GSS_C_NO_BUFFER);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    setup();
    const unsigned sel = data[0];
    const int sasl = (sel >> 2) & 1, framed = (sel >> 3) & 1;
    const uint8_t *msg = data + 1;
    const size_t len = size - 1;
    static uint8_t buf[GSS_SSPI_SHIM_DIGEST_PARAMS_MAX];
    gss_ctx_id_t sctx = GSS_C_NO_CONTEXT, cctx = GSS_C_NO_CONTEXT;
    gss_buffer_desc chal = GSS_C_EMPTY_BUFFER, out = GSS_C_EMPTY_BUFFER, in;
    gss_name_t peer = GSS_C_NO_NAME;
    gss_name_t target = sasl ? target_sasl : target_http;
    OM_uint32 major, minor;

    switch (sel & 3) {
    case 0: { /* the client's response, against a real challenge */
        challenge(sasl, &sctx, &chal);
        size_t rlen;
        char *resp = with_nonce(&chal, msg, len, &rlen);
        in = token(sasl, framed, 0, resp, rlen, buf, sizeof(buf));
        major = gss_accept_sec_context(&minor, &sctx, acceptor, &in, GSS_C_NO_CHANNEL_BINDINGS,
                                       &peer, NULL, &out, NULL, NULL, NULL);
        free(resp);
        if (major == GSS_S_COMPLETE)
            FAIL("the acceptor took a forged response");
        break;
    }
    case 1: /* a challenge for a fresh initiator */
        in = token(sasl, framed, 0, msg, len, buf, sizeof(buf));
        major = gss_init_sec_context(&minor, initiator, &cctx, target, GSS_C_NO_OID,
                                     GSS_C_MUTUAL_FLAG, 0, GSS_C_NO_CHANNEL_BINDINGS, &in, NULL,
                                     &out, NULL, NULL);
        break;
    case 2: { /* a forged rspauth after a real challenge */
        challenge(sasl, &sctx, &chal);
        in = token(sasl, 1, 0, chal.value, chal.length, buf, sizeof(buf));
        major = gss_init_sec_context(&minor, initiator, &cctx, target, GSS_C_NO_OID,
                                     GSS_C_MUTUAL_FLAG, 0, GSS_C_NO_CHANNEL_BINDINGS, &in, NULL,
                                     &out, NULL, NULL);
        if (major != GSS_S_CONTINUE_NEEDED)
            FAIL("the initiator did not answer a real challenge: 0x%x/0x%x", major, minor);
        release(&out);
        in = token(sasl, framed, 0, msg, len, buf, sizeof(buf));
        OM_uint32 ret = 0;
        major = gss_init_sec_context(&minor, initiator, &cctx, target, GSS_C_NO_OID,
                                     GSS_C_MUTUAL_FLAG, 0, GSS_C_NO_CHANNEL_BINDINGS, &in, NULL,
                                     &out, &ret, NULL);
        /* Completing without rspauth is the mechanism's choice (HTTP: an
         * Authentication-Info without rspauth); claiming mutual
         * authentication on a forged one is the failure. */
        if (major == GSS_S_COMPLETE && (ret & GSS_C_MUTUAL_FLAG))
            FAIL("the initiator took a forged rspauth as mutual authentication");
        break;
    }
    default: /* the acceptor's first token as given */
        in = (gss_buffer_desc){len, (void *)msg};
        major = gss_accept_sec_context(&minor, &sctx, acceptor, &in, GSS_C_NO_CHANNEL_BINDINGS,
                                       &peer, NULL, &out, NULL, NULL, NULL);
        break;
    }
    (void)major;
    release(&chal);
    release(&out);
    if (peer != GSS_C_NO_NAME)
        gss_release_name(&minor, &peer);
    delete_ctx(&sctx);
    delete_ctx(&cctx);
    return 0;
}
