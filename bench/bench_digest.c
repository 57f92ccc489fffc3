/*
 * bench_digest - the shim's "WDigest" package against Cyrus SASL's
 * DIGEST-MD5 and against raw GSS-API calls into our Digest mechanism, in
 * the same run.
 *
 * One exchange is a whole Digest authentication in one process, with
 * mutual authentication, and both contexts deleted at the end:
 *
 *   WDigest, HTTP mode (RFC 7616 / RFC 2617, MD5, qop=auth):
 *     AcceptSecurityContext   leg 1: empty token + method + realm -> challenge
 *     InitializeSecurityContext      challenge + method -> Authorization value
 *     AcceptSecurityContext   leg 2: that value + method -> verified, rspauth
 *     InitializeSecurityContext      rspauth -> server verified
 *   WDigest, SASL mode (RFC 2831 DIGEST-MD5, qop=auth): the same four calls.
 *   raw GSS-API: the same legs through gss_accept_sec_context /
 *     gss_init_sec_context with the mechanism's parameter tokens
 *     (include/gssapi_sspi_shim_digest.h); the shim's own cost is the
 *     difference.
 *   Cyrus SASL DIGEST-MD5 (qop=auth: max_ssf 0), user store a sasldb
 *     file: sasl_server_new + sasl_client_new, sasl_client_start,
 *     sasl_server_start (challenge), sasl_client_step (response),
 *     sasl_server_step (verify; rspauth as success data),
 *     sasl_client_step (verify rspauth), both disposed.
 *
 * The user store: one user in a temporary directory, an htdigest file
 * (SSPI_SHIM_DIGEST_USERS, H(A1) per realm) for the mechanism and a sasldb
 * file (getopt "sasldb_path", written with sasl_setpass; it keeps the
 * password, which DIGEST-MD5 hashes on every exchange) for Cyrus.  Each
 * path is probed with the right and with a wrong password first.
 *
 * Figures: exchanges/s in interleaved rounds (bench/bench.h, the order
 * flips every round, medians), heap bytes per established server context
 * (N live contexts, mallinfo2), and with --callgrind the regions that
 * bench/run-bench.sh counts instructions in.
 *
 * Run through `make bench` (bench/run-bench.sh); never part of make check.
 */
#include "config.h"

#include <dlfcn.h>
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <gssapi/gssapi.h>
#ifndef SSPI_SHIM_HEIMDAL
#include <gssapi/gssapi_ext.h> /* MIT: gss_acquire_cred_with_password */
#endif
#include <openssl/evp.h>

#ifdef HAVE_SASL2
#include <sasl/sasl.h>
#endif

#include "sspi.h"
#include "sspi_shim.h"
#include "digest_params.h"
#include "gssapi_sspi_shim_digest.h"

#include "../tests/mechenv.h"
#include "bench.h"

#define USER "bench"
#define PASSWORD "Digest-bench-p4ssword"
/* The probe checks that each path refuses this one, so that nothing below
 * measures an exchange that verifies nothing. */
#define WRONG_PASSWORD "Digest-bench-p4sswore"
#define REALM "bench-realm"
#define HTTP_URI "/bench/index.html"
#define HTTP_METHOD "GET"
#define BENCH_SASL_SERVICE "imap"
#define BENCH_SASL_HOST "localhost"
#define TOKEN_MAX 8192

static const char16_t realm_w[] = u"" REALM;

static gss_OID_desc oid_digest = {GSS_SSPI_SHIM_DIGEST_MECH_OID_LENGTH,
                                  (void *)GSS_SSPI_SHIM_DIGEST_MECH_OID_BYTES};
static gss_OID_desc oid_nt_uri = {GSS_SSPI_SHIM_DIGEST_OID_LENGTH,
                                  (void *)GSS_SSPI_SHIM_DIGEST_NT_URI_BYTES};
static gss_OID_desc oid_nt_user = {10, (void *)"\x2a\x86\x48\x86\xf7\x12\x01\x02\x01\x01"};
static gss_OID_desc oid_nt_hostbased = {10, (void *)"\x2a\x86\x48\x86\xf7\x12\x01\x02\x01\x04"};

static char tmpdir[] = "/tmp/sspi-bench-digest.XXXXXX";
static bool have_tmpdir;
static char htdigest_path[512], sasldb_path[512];

/* ------------------------------------------------------------ errors */

__attribute__((noreturn, format(printf, 1, 2))) static void die(const char *fmt, ...);

static void cleanup_files(void)
{
    if (!have_tmpdir)
        return;
    unlink(htdigest_path);
    unlink(sasldb_path);
    /* Cyrus' LMDB/BDB backends may leave a lock file beside the db. */
    char lock[600];
    snprintf(lock, sizeof(lock), "%s-lock", sasldb_path);
    unlink(lock);
    rmdir(tmpdir);
    have_tmpdir = false;
}

static void die(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("bench_digest: ", stderr);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    cleanup_files();
    exit(1);
}

/* An exchange that failed says why here (one line). */
static char why[512];

__attribute__((format(printf, 1, 2))) static int fail(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, sizeof(why), fmt, ap);
    va_end(ap);
    return -1;
}

static int fail_sspi(const char *call, SECURITY_STATUS st)
{
    const char *name = SspiShimStatusName(st);
    return fail("%s: %s (0x%08X): %s", call, name ? name : "?", (unsigned)st,
                SspiShimLastErrorMessage());
}

static int fail_gss(const char *call, OM_uint32 major, OM_uint32 minor)
{
    OM_uint32 m, ctx = 0;
    gss_buffer_desc text = GSS_C_EMPTY_BUFFER, mtext = GSS_C_EMPTY_BUFFER;
    gss_display_status(&m, major, GSS_C_GSS_CODE, GSS_C_NO_OID, &ctx, &text);
    ctx = 0;
    gss_display_status(&m, minor, GSS_C_MECH_CODE, &oid_digest, &ctx, &mtext);
    fail("%s: major 0x%08X (%.*s) minor 0x%08X (%.*s)", call, (unsigned)major, (int)text.length,
         text.value ? (const char *)text.value : "", (unsigned)minor, (int)mtext.length,
         mtext.value ? (const char *)mtext.value : "");
    gss_release_buffer(&m, &text);
    gss_release_buffer(&m, &mtext);
    return -1;
}

/* ------------------------------------------------------------ user store */

static void hex(const unsigned char *in, size_t n, char *out)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[in[i] >> 4];
        out[2 * i + 1] = digits[in[i] & 15];
    }
    out[2 * n] = '\0';
}

/* One htdigest line "user:realm:hex(MD5(user:realm:password))" (Apache
 * htdigest format; RFC 2617 3.2.2.2 H(A1) for algorithm MD5). */
static void htdigest_line(FILE *f, const char *realm)
{
    char a1[256], ha1[33];
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    int n = snprintf(a1, sizeof(a1), "%s:%s:%s", USER, realm, PASSWORD);
    if (n < 0 || (size_t)n >= sizeof(a1) ||
        EVP_Digest(a1, (size_t)n, md, &mdlen, EVP_md5(), NULL) != 1 || mdlen != 16)
        die("cannot compute H(A1) for realm %s", realm);
    hex(md, 16, ha1);
    fprintf(f, "%s:%s:%s\n", USER, realm, ha1);
    explicit_bzero(a1, sizeof(a1));
}

/* Realms the htdigest file serves: the HTTP realm the benchmark passes,
 * and the host name, the mechanism's default realm in SASL mode where the
 * SSPI caller passes none. */
static char host_realm[256];

static void make_user_store(void)
{
    if (mkdtemp(tmpdir) == NULL)
        die("mkdtemp: %s", strerror(errno));
    have_tmpdir = true;
    snprintf(htdigest_path, sizeof(htdigest_path), "%s/htdigest", tmpdir);
    snprintf(sasldb_path, sizeof(sasldb_path), "%s/sasldb2", tmpdir);
    if (gethostname(host_realm, sizeof(host_realm) - 1) != 0)
        strcpy(host_realm, "localhost");
    FILE *f = fopen(htdigest_path, "w");
    if (f == NULL)
        die("%s: %s", htdigest_path, strerror(errno));
    htdigest_line(f, REALM);
    if (strcmp(host_realm, REALM) != 0)
        htdigest_line(f, host_realm);
    if (fclose(f) != 0)
        die("%s: %s", htdigest_path, strerror(errno));
    /* The mechanism's default user store (gssapi_sspi_shim_digest.h). */
    setenv("SSPI_SHIM_DIGEST_USERS", htdigest_path, 1);
}

/* ------------------------------------------------------------ WDigest (shim) */

static CredHandle shim_server_cred, shim_client_cred, shim_wrong_cred;
static bool shim_creds;
/* Set while probing: the clients authenticate with WRONG_PASSWORD. */
static bool use_wrong_password;

struct shim_pair {
    CtxtHandle client, server;
    bool have_client, have_server;
};

static void shim_teardown(struct shim_pair *p, bool server_too)
{
    if (p->have_client)
        DeleteSecurityContext(&p->client);
    p->have_client = false;
    if (server_too && p->have_server) {
        DeleteSecurityContext(&p->server);
        p->have_server = false;
    }
}

enum mode { MODE_HTTP, MODE_SASL };

/* AcceptSecurityContext input (Digest page, pInput): 0 token, 1 method,
 * 2 reserved, 3 H(entity), 4 realm (UTF-16); SASL needs only buffer 0. */
static void shim_server_input(enum mode mode, SecBuffer b[5], SecBufferDesc *d, void *tok,
                              ULONG len)
{
    static unsigned char none[1];
    b[0] = (SecBuffer){len, SECBUFFER_TOKEN, len ? tok : none};
    b[1] = (SecBuffer){sizeof(HTTP_METHOD) - 1, SECBUFFER_PKG_PARAMS, (void *)HTTP_METHOD};
    b[2] = (SecBuffer){0, SECBUFFER_PKG_PARAMS, NULL};
    b[3] = (SecBuffer){0, SECBUFFER_PKG_PARAMS, NULL};
    b[4] = (SecBuffer){sizeof(realm_w) - sizeof(realm_w[0]), SECBUFFER_PKG_PARAMS,
                       (void *)realm_w};
    *d = (SecBufferDesc){SECBUFFER_VERSION, mode == MODE_HTTP ? 5 : 1, b};
}

/* InitializeSecurityContext input (Digest): 0 challenge, 1 method,
 * 2 H(entity); SASL needs only buffer 0. */
static void shim_client_input(enum mode mode, SecBuffer b[3], SecBufferDesc *d, void *tok,
                              ULONG len)
{
    b[0] = (SecBuffer){len, SECBUFFER_TOKEN, tok};
    b[1] = (SecBuffer){sizeof(HTTP_METHOD) - 1, SECBUFFER_PKG_PARAMS, (void *)HTTP_METHOD};
    b[2] = (SecBuffer){0, SECBUFFER_PKG_PARAMS, NULL};
    *d = (SecBufferDesc){SECBUFFER_VERSION, mode == MODE_HTTP ? 3 : 1, b};
}

/* One exchange through SSPI, the four calls of the header comment.
 * Leaves both contexts in *p (established) or returns -1 with `why`. */
static int shim_exchange(enum mode mode, struct shim_pair *p)
{
    const ULONG asc_req = ASC_REQ_MUTUAL_AUTH | (mode == MODE_HTTP ? ASC_REQ_ALLOW_MISSING_BINDINGS : 0);
    const ULONG isc_req = ISC_REQ_MUTUAL_AUTH | (mode == MODE_HTTP ? ISC_REQ_USE_HTTP_STYLE : 0);
    SEC_CHAR *target = (SEC_CHAR *)(mode == MODE_HTTP ? HTTP_URI : BENCH_SASL_SERVICE "/" BENCH_SASL_HOST);
    unsigned char stok[TOKEN_MAX], ctok[TOKEN_MAX];
    SecBuffer in[5], out;
    SecBufferDesc in_d, out_d = {SECBUFFER_VERSION, 1, &out};
    ULONG attr;
    SECURITY_STATUS st;

    p->have_client = p->have_server = false;

    /* Leg 1: the challenge. */
    shim_server_input(mode, in, &in_d, NULL, 0);
    out = (SecBuffer){sizeof(stok), SECBUFFER_TOKEN, stok};
    st = AcceptSecurityContext(&shim_server_cred, NULL, &in_d, asc_req, 0, &p->server, &out_d,
                               &attr, NULL);
    if (st != SEC_I_CONTINUE_NEEDED)
        return st == SEC_E_OK ? fail("AcceptSecurityContext leg 1: SEC_E_OK, expected a challenge")
                              : fail_sspi("AcceptSecurityContext leg 1", st);
    p->have_server = true;
    if (out.cbBuffer == 0)
        return fail("AcceptSecurityContext leg 1: no challenge");

    /* The response. */
    shim_client_input(mode, in, &in_d, stok, out.cbBuffer);
    out = (SecBuffer){sizeof(ctok), SECBUFFER_TOKEN, ctok};
    CredHandle *cred = use_wrong_password ? &shim_wrong_cred : &shim_client_cred;
    st = InitializeSecurityContextA(cred, NULL, target, isc_req, 0, 0, &in_d, 0, &p->client,
                                    &out_d, &attr, NULL);
    if (st != SEC_I_CONTINUE_NEEDED)
        return st == SEC_E_OK ? fail("InitializeSecurityContext: SEC_E_OK with mutual auth "
                                     "asked: rspauth would go unverified")
                              : fail_sspi("InitializeSecurityContext (response)", st);
    p->have_client = true;
    if (out.cbBuffer == 0)
        return fail("InitializeSecurityContext: no response");

    /* Leg 2: verify, rspauth. */
    shim_server_input(mode, in, &in_d, ctok, out.cbBuffer);
    out = (SecBuffer){sizeof(stok), SECBUFFER_TOKEN, stok};
    st = AcceptSecurityContext(&shim_server_cred, &p->server, &in_d, asc_req, 0, &p->server,
                               &out_d, &attr, NULL);
    if (st != SEC_E_OK)
        return fail_sspi("AcceptSecurityContext leg 2", st);
    if (out.cbBuffer == 0)
        return fail("AcceptSecurityContext leg 2: no rspauth");

    /* The client checks rspauth. */
    shim_client_input(mode, in, &in_d, stok, out.cbBuffer);
    out = (SecBuffer){sizeof(ctok), SECBUFFER_TOKEN, ctok};
    st = InitializeSecurityContextA(cred, &p->client, NULL, isc_req, 0, 0, &in_d, 0, &p->client,
                                    &out_d, &attr, NULL);
    if (st != SEC_E_OK)
        return fail_sspi("InitializeSecurityContext (rspauth)", st);
    return 0;
}

static int shim_setup(void)
{
    SEC_WINNT_AUTH_IDENTITY_A id = {
        .User = (unsigned char *)USER,
        .UserLength = sizeof(USER) - 1,
        .Domain = NULL,
        .DomainLength = 0,
        .Password = (unsigned char *)PASSWORD,
        .PasswordLength = sizeof(PASSWORD) - 1,
        .Flags = SEC_WINNT_AUTH_IDENTITY_ANSI,
    };
    TimeStamp expiry;
    SECURITY_STATUS st =
        AcquireCredentialsHandleA(NULL, (SEC_CHAR *)WDIGEST_SP_NAME_A, SECPKG_CRED_INBOUND, NULL,
                                  NULL, NULL, NULL, &shim_server_cred, &expiry);
    if (st != SEC_E_OK)
        return fail_sspi("AcquireCredentialsHandle(WDigest, INBOUND)", st);
    st = AcquireCredentialsHandleA(NULL, (SEC_CHAR *)WDIGEST_SP_NAME_A, SECPKG_CRED_OUTBOUND,
                                   NULL, &id, NULL, NULL, &shim_client_cred, &expiry);
    if (st != SEC_E_OK) {
        FreeCredentialsHandle(&shim_server_cred);
        return fail_sspi("AcquireCredentialsHandle(WDigest, OUTBOUND)", st);
    }
    id.Password = (unsigned char *)WRONG_PASSWORD;
    id.PasswordLength = sizeof(WRONG_PASSWORD) - 1;
    st = AcquireCredentialsHandleA(NULL, (SEC_CHAR *)WDIGEST_SP_NAME_A, SECPKG_CRED_OUTBOUND,
                                   NULL, &id, NULL, NULL, &shim_wrong_cred, &expiry);
    if (st != SEC_E_OK) {
        FreeCredentialsHandle(&shim_server_cred);
        FreeCredentialsHandle(&shim_client_cred);
        return fail_sspi("AcquireCredentialsHandle(WDigest, OUTBOUND, wrong password)", st);
    }
    shim_creds = true;
    return 0;
}

/* ------------------------------------------------------------ raw GSS-API */

static gss_cred_id_t raw_acceptor = GSS_C_NO_CREDENTIAL, raw_initiator = GSS_C_NO_CREDENTIAL,
                     raw_wrong = GSS_C_NO_CREDENTIAL;
static gss_name_t raw_target_http = GSS_C_NO_NAME, raw_target_sasl = GSS_C_NO_NAME;
static bool raw_creds;

struct raw_pair {
    gss_ctx_id_t client, server;
    gss_name_t peer; /* the acceptor keeps the client's name, as the shim does */
};

static void raw_teardown(struct raw_pair *p, bool server_too)
{
    OM_uint32 m;
    if (p->client != GSS_C_NO_CONTEXT)
        gss_delete_sec_context(&m, &p->client, GSS_C_NO_BUFFER);
    if (server_too && p->server != GSS_C_NO_CONTEXT)
        gss_delete_sec_context(&m, &p->server, GSS_C_NO_BUFFER);
    if (server_too && p->peer != GSS_C_NO_NAME)
        gss_release_name(&m, &p->peer);
}

/* A parameter token (gssapi_sspi_shim_digest.h) around a wire message,
 * with what the shim passes alongside in each mode; written into buf,
 * as the shim writes one per call. */
static gss_buffer_desc param_token(enum mode mode, bool acceptor, const void *wire, size_t len,
                                   unsigned char *buf, size_t size)
{
    struct gssmap_digest_record r[4] = {
        {GSS_SSPI_SHIM_DIGEST_P_WIRE, wire != NULL ? wire : "", len},
        {GSS_SSPI_SHIM_DIGEST_P_MODE, mode == MODE_HTTP ? "H" : "S", 1},
        {GSS_SSPI_SHIM_DIGEST_P_METHOD, mode == MODE_HTTP ? HTTP_METHOD : NULL,
         sizeof(HTTP_METHOD) - 1},
        {GSS_SSPI_SHIM_DIGEST_P_REALM, mode == MODE_HTTP && acceptor ? REALM : NULL,
         sizeof(REALM) - 1},
    };
    size_t n = gssmap_digest_params_write(r, 4, 1, buf, size);
    if (n == 0)
        die("cannot write a parameter token");
    return (gss_buffer_desc){n, buf};
}

static int raw_exchange(enum mode mode, struct raw_pair *p)
{
    unsigned char buf[TOKEN_MAX];
    gss_buffer_desc in, chal = GSS_C_EMPTY_BUFFER, resp = GSS_C_EMPTY_BUFFER,
                        rspauth = GSS_C_EMPTY_BUFFER, last = GSS_C_EMPTY_BUFFER;
    gss_name_t target = mode == MODE_HTTP ? raw_target_http : raw_target_sasl;
    gss_cred_id_t initiator = use_wrong_password ? raw_wrong : raw_initiator;
    OM_uint32 major, minor, m, ret;
    int rc = -1;

    p->client = p->server = GSS_C_NO_CONTEXT;
    p->peer = GSS_C_NO_NAME;

    /* Leg 1: the challenge (the first acceptor token must be framed). */
    in = param_token(mode, true, NULL, 0, buf, sizeof(buf));
    major = gss_accept_sec_context(&minor, &p->server, raw_acceptor, &in,
                                   GSS_C_NO_CHANNEL_BINDINGS, NULL, NULL, &chal, &ret, NULL, NULL);
    if (major != GSS_S_CONTINUE_NEEDED) {
        fail_gss("gss_accept_sec_context leg 1", major, minor);
        goto out;
    }

    /* The response. */
    in = param_token(mode, false, chal.value, chal.length, buf, sizeof(buf));
    major = gss_init_sec_context(&minor, initiator, &p->client, target, &oid_digest,
                                 GSS_C_MUTUAL_FLAG, GSS_C_INDEFINITE, GSS_C_NO_CHANNEL_BINDINGS,
                                 &in, NULL, &resp, &ret, NULL);
    if (major != GSS_S_CONTINUE_NEEDED) {
        fail_gss("gss_init_sec_context (response)", major, minor);
        goto out;
    }

    /* Leg 2: verify, rspauth.  The acceptor keeps the client's name, as
     * the shim does for QueryContextAttributes(NAMES). */
    in = param_token(mode, true, resp.value, resp.length, buf, sizeof(buf));
    major = gss_accept_sec_context(&minor, &p->server, raw_acceptor, &in,
                                   GSS_C_NO_CHANNEL_BINDINGS, &p->peer, NULL, &rspauth, &ret,
                                   NULL, NULL);
    if (major != GSS_S_COMPLETE) {
        fail_gss("gss_accept_sec_context leg 2", major, minor);
        goto out;
    }

    /* The client checks rspauth. */
    in = param_token(mode, false, rspauth.value, rspauth.length, buf, sizeof(buf));
    major = gss_init_sec_context(&minor, initiator, &p->client, target, &oid_digest,
                                 GSS_C_MUTUAL_FLAG, GSS_C_INDEFINITE, GSS_C_NO_CHANNEL_BINDINGS,
                                 &in, NULL, &last, &ret, NULL);
    if (major != GSS_S_COMPLETE) {
        fail_gss("gss_init_sec_context (rspauth)", major, minor);
        goto out;
    }
    rc = 0;
out:
    gss_release_buffer(&m, &chal);
    gss_release_buffer(&m, &resp);
    gss_release_buffer(&m, &rspauth);
    gss_release_buffer(&m, &last);
    return rc;
}

static int raw_setup(void)
{
    OM_uint32 major, minor, m;
    gss_OID_set_desc mechs = {1, &oid_digest};
    gss_buffer_desc b;
    gss_name_t user = GSS_C_NO_NAME;

    major = gss_acquire_cred(&minor, GSS_C_NO_NAME, GSS_C_INDEFINITE, &mechs, GSS_C_ACCEPT,
                             &raw_acceptor, NULL, NULL);
    if (major != GSS_S_COMPLETE)
        return fail_gss("gss_acquire_cred(Digest, ACCEPT)", major, minor);
    b = (gss_buffer_desc){sizeof(USER) - 1, (void *)USER};
    major = gss_import_name(&minor, &b, &oid_nt_user, &user);
    if (major != GSS_S_COMPLETE)
        return fail_gss("gss_import_name(user)", major, minor);
    gss_buffer_desc pw = {sizeof(PASSWORD) - 1, (void *)PASSWORD};
    gss_buffer_desc wrong = {sizeof(WRONG_PASSWORD) - 1, (void *)WRONG_PASSWORD};
    major = gss_acquire_cred_with_password(&minor, user, &pw, GSS_C_INDEFINITE, &mechs,
                                           GSS_C_INITIATE, &raw_initiator, NULL, NULL);
    if (major == GSS_S_COMPLETE)
        major = gss_acquire_cred_with_password(&minor, user, &wrong, GSS_C_INDEFINITE, &mechs,
                                               GSS_C_INITIATE, &raw_wrong, NULL, NULL);
    gss_release_name(&m, &user);
    if (major != GSS_S_COMPLETE)
        return fail_gss("gss_acquire_cred_with_password(Digest)", major, minor);
    b = (gss_buffer_desc){sizeof(HTTP_URI) - 1, (void *)HTTP_URI};
    major = gss_import_name(&minor, &b, &oid_nt_uri, &raw_target_http);
    if (major != GSS_S_COMPLETE)
        return fail_gss("gss_import_name(URI)", major, minor);
    b = (gss_buffer_desc){sizeof(BENCH_SASL_SERVICE "@" BENCH_SASL_HOST) - 1,
                          (void *)(BENCH_SASL_SERVICE "@" BENCH_SASL_HOST)};
    major = gss_import_name(&minor, &b, &oid_nt_hostbased, &raw_target_sasl);
    if (major != GSS_S_COMPLETE)
        return fail_gss("gss_import_name(hostbased)", major, minor);
    raw_creds = true;
    return 0;
}

/* ------------------------------------------------------------ Cyrus SASL */

#ifdef HAVE_SASL2
static bool cyrus_ready;

static int cy_getopt(void *context, const char *plugin, const char *option, const char **result,
                     unsigned *len)
{
    (void)context;
    (void)plugin;
    if (strcmp(option, "sasldb_path") == 0)
        *result = sasldb_path;
    else if (strcmp(option, "mech_list") == 0)
        *result = "DIGEST-MD5";
    else if (strcmp(option, "pwcheck_method") == 0)
        *result = "auxprop";
    else if (strcmp(option, "auxprop_plugin") == 0)
        *result = "sasldb";
    else
        return SASL_FAIL;
    if (len != NULL)
        *len = (unsigned)strlen(*result);
    return SASL_OK;
}

static int cy_log(void *context, int level, const char *message)
{
    (void)context;
    if (level <= SASL_LOG_ERR)
        fprintf(stderr, "bench_digest: cyrus: %s\n", message);
    return SASL_OK;
}

static int cy_simple(void *context, int id, const char **result, unsigned *len)
{
    (void)context;
    switch (id) {
    case SASL_CB_AUTHNAME:
        *result = USER;
        break;
    case SASL_CB_USER:
        *result = ""; /* no authorization identity */
        break;
    default:
        return SASL_BADPARAM;
    }
    if (len != NULL)
        *len = (unsigned)strlen(*result);
    return SASL_OK;
}

static struct {
    sasl_secret_t s;
    char room[sizeof(PASSWORD)];
} cy_password, cy_wrong;

static int cy_pass(sasl_conn_t *conn, void *context, int id, sasl_secret_t **psecret)
{
    (void)conn;
    (void)context;
    if (id != SASL_CB_PASS)
        return SASL_BADPARAM;
    *psecret = use_wrong_password ? &cy_wrong.s : &cy_password.s;
    return SASL_OK;
}

static int cy_realm(void *context, int id, const char **availrealms, const char **result)
{
    (void)context;
    (void)availrealms;
    if (id != SASL_CB_GETREALM)
        return SASL_BADPARAM;
    *result = REALM;
    return SASL_OK;
}

typedef int (*cy_cb)(void);
static const sasl_callback_t cy_server_cbs[] = {
    {SASL_CB_GETOPT, (cy_cb)(void (*)(void))cy_getopt, NULL},
    {SASL_CB_LOG, (cy_cb)(void (*)(void))cy_log, NULL},
    {SASL_CB_LIST_END, NULL, NULL},
};
static const sasl_callback_t cy_client_cbs[] = {
    {SASL_CB_GETOPT, (cy_cb)(void (*)(void))cy_getopt, NULL},
    {SASL_CB_LOG, (cy_cb)(void (*)(void))cy_log, NULL},
    {SASL_CB_AUTHNAME, (cy_cb)(void (*)(void))cy_simple, NULL},
    {SASL_CB_USER, (cy_cb)(void (*)(void))cy_simple, NULL},
    {SASL_CB_PASS, (cy_cb)(void (*)(void))cy_pass, NULL},
    {SASL_CB_GETREALM, (cy_cb)(void (*)(void))cy_realm, NULL},
    {SASL_CB_LIST_END, NULL, NULL},
};

/* qop=auth only, like the WDigest exchanges (no security layer). */
static const sasl_security_properties_t cy_props = {
    .min_ssf = 0, .max_ssf = 0, .maxbufsize = 65536, .security_flags = 0,
};

struct cyrus_pair {
    sasl_conn_t *client, *server;
};

static void cyrus_teardown(struct cyrus_pair *p, bool server_too)
{
    if (p->client != NULL)
        sasl_dispose(&p->client);
    if (server_too && p->server != NULL)
        sasl_dispose(&p->server);
}

static int cy_fail(const char *call, int rc, sasl_conn_t *conn)
{
    return fail("%s: %s (%d)%s%s", call, sasl_errstring(rc, NULL, NULL), rc,
                conn != NULL ? ": " : "", conn != NULL ? sasl_errdetail(conn) : "");
}

static int cyrus_server_new(sasl_conn_t **conn)
{
    /* SASL_SUCCESS_DATA: rspauth comes back with SASL_OK from the step that
     * verifies the response, as AcceptSecurityContext leg 2 returns it. */
    int rc = sasl_server_new(BENCH_SASL_SERVICE, BENCH_SASL_HOST, REALM, NULL, NULL, NULL, SASL_SUCCESS_DATA,
                             conn);
    if (rc != SASL_OK)
        return cy_fail("sasl_server_new", rc, NULL);
    rc = sasl_setprop(*conn, SASL_SEC_PROPS, &cy_props);
    if (rc != SASL_OK)
        return cy_fail("sasl_setprop(server)", rc, *conn);
    return 0;
}

static int cyrus_exchange(struct cyrus_pair *p)
{
    const char *out, *mech;
    unsigned outlen;
    int rc;

    p->client = p->server = NULL;
    if (cyrus_server_new(&p->server) != 0)
        return -1;
    rc = sasl_client_new(BENCH_SASL_SERVICE, BENCH_SASL_HOST, NULL, NULL, NULL, 0, &p->client);
    if (rc != SASL_OK)
        return cy_fail("sasl_client_new", rc, NULL);
    rc = sasl_setprop(p->client, SASL_SEC_PROPS, &cy_props);
    if (rc != SASL_OK)
        return cy_fail("sasl_setprop(client)", rc, p->client);
    rc = sasl_client_start(p->client, "DIGEST-MD5", NULL, &out, &outlen, &mech);
    if (rc != SASL_CONTINUE)
        return cy_fail("sasl_client_start", rc, p->client);

    /* The challenge. */
    const char *chal;
    unsigned chlen;
    rc = sasl_server_start(p->server, "DIGEST-MD5", NULL, 0, &chal, &chlen);
    if (rc != SASL_CONTINUE)
        return cy_fail("sasl_server_start", rc, p->server);
    /* The response. */
    rc = sasl_client_step(p->client, chal, chlen, NULL, &out, &outlen);
    if (rc != SASL_CONTINUE)
        return cy_fail("sasl_client_step (response)", rc, p->client);
    /* Verify; rspauth. */
    const char *rspauth;
    unsigned rlen;
    rc = sasl_server_step(p->server, out, outlen, &rspauth, &rlen);
    if (rc != SASL_OK)
        return cy_fail("sasl_server_step", rc, p->server);
    if (rlen == 0)
        return fail("sasl_server_step: no rspauth");
    /* The client checks rspauth. */
    rc = sasl_client_step(p->client, rspauth, rlen, NULL, &out, &outlen);
    if (rc != SASL_OK)
        return cy_fail("sasl_client_step (rspauth)", rc, p->client);
    return 0;
}

static int cyrus_setup(void)
{
    int rc;
    sasl_conn_t *conn = NULL;

    cy_password.s.len = sizeof(PASSWORD) - 1;
    memcpy(cy_password.s.data, PASSWORD, sizeof(PASSWORD));
    cy_wrong.s.len = sizeof(WRONG_PASSWORD) - 1;
    memcpy(cy_wrong.s.data, WRONG_PASSWORD, sizeof(WRONG_PASSWORD));
    rc = sasl_server_init(cy_server_cbs, "bench_digest");
    if (rc != SASL_OK)
        return cy_fail("sasl_server_init", rc, NULL);
    rc = sasl_client_init(cy_client_cbs);
    if (rc != SASL_OK)
        return cy_fail("sasl_client_init", rc, NULL);
    /* The sasldb user store, written by Cyrus itself. */
    if (cyrus_server_new(&conn) != 0)
        return -1;
    rc = sasl_setpass(conn, USER, PASSWORD, sizeof(PASSWORD) - 1, NULL, 0, SASL_SET_CREATE);
    if (rc != SASL_OK) {
        cy_fail("sasl_setpass", rc, conn);
        sasl_dispose(&conn);
        return -1;
    }
    sasl_dispose(&conn);
    cyrus_ready = true;
    return 0;
}
#endif /* HAVE_SASL2 */

/* ------------------------------------------------------------ loops */

/* The paths of the benchmark; `ok` says whether it ran in the probe. */
enum path { SHIM_HTTP, RAW_HTTP, SHIM_SASL, RAW_SASL, CYRUS, NPATHS };
static const char *const path_name[NPATHS] = {
    "WDigest HTTP (shim)", "raw GSS HTTP", "WDigest SASL (shim)", "raw GSS SASL",
    "Cyrus DIGEST-MD5"};
static const char *const path_key[NPATHS] = {"shim_http", "raw_http", "shim_sasl", "raw_sasl",
                                             "cyrus"};
static bool path_ok[NPATHS];
static char path_why[NPATHS][512];

/* One exchange on `path`, the contexts left established in the pair. */
union any_pair {
    struct shim_pair shim;
    struct raw_pair raw;
#ifdef HAVE_SASL2
    struct cyrus_pair cyrus;
#endif
};

static int exchange(enum path path, union any_pair *p)
{
    switch (path) {
    case SHIM_HTTP:
        return shim_exchange(MODE_HTTP, &p->shim);
    case SHIM_SASL:
        return shim_exchange(MODE_SASL, &p->shim);
    case RAW_HTTP:
        return raw_exchange(MODE_HTTP, &p->raw);
    case RAW_SASL:
        return raw_exchange(MODE_SASL, &p->raw);
    case CYRUS:
#ifdef HAVE_SASL2
        return cyrus_exchange(&p->cyrus);
#else
        return fail("built without Cyrus SASL (libsasl2-dev)");
#endif
    default:
        return fail("no such path");
    }
}

static void teardown(enum path path, union any_pair *p, bool server_too)
{
    switch (path) {
    case SHIM_HTTP:
    case SHIM_SASL:
        shim_teardown(&p->shim, server_too);
        break;
    case RAW_HTTP:
    case RAW_SASL:
        raw_teardown(&p->raw, server_too);
        break;
    case CYRUS:
#ifdef HAVE_SASL2
        cyrus_teardown(&p->cyrus, server_too);
#endif
        break;
    default:
        break;
    }
}

static void run_exchanges(enum path path, long n)
{
    for (long i = 0; i < n; i++) {
        union any_pair p;
        if (exchange(path, &p) != 0)
            die("%s: %s", path_name[path], why);
        teardown(path, &p, true);
    }
}

static void run_fn(void *arg, long n) { run_exchanges((enum path)(long)arg, n); }

/* ------------------------------------------------------------ setup */

/* A path works when an exchange with the right password succeeds and one
 * with a wrong password fails. */
static void probe(enum path path)
{
    union any_pair p;
    memset(&p, 0, sizeof(p));
    why[0] = '\0';
    path_ok[path] = exchange(path, &p) == 0;
    teardown(path, &p, true);
    if (!path_ok[path]) {
        snprintf(path_why[path], sizeof(path_why[path]), "%s", why);
        return;
    }
    memset(&p, 0, sizeof(p));
    use_wrong_password = true;
    bool accepted = exchange(path, &p) == 0;
    use_wrong_password = false;
    teardown(path, &p, true);
    if (accepted) {
        path_ok[path] = false;
        snprintf(path_why[path], sizeof(path_why[path]), "accepts a wrong password");
    }
}

static bool mechenv_ok;

/* Heimdal's mechglue crashes in gss_indicate_mechs when a registered
 * module cannot be loaded (DESIGN.md, "Mechanisms through mechglue"):
 * load it once here first, and leave the GSS paths out if that fails. */
static int mech_loadable(void)
{
#ifdef DIGEST_MECH_PATH
    void *h = dlopen(DIGEST_MECH_PATH, RTLD_NOW | RTLD_LOCAL);
    if (h == NULL)
        return fail("the Digest mechanism module does not load: %s", dlerror());
    dlclose(h);
#endif
    return 0;
}

static void setup(void)
{
    make_user_store();
    bool shim_up = false, raw_up = false;
    if (mechenv_ok && mech_loadable() != 0) {
        snprintf(path_why[SHIM_HTTP], sizeof(path_why[0]), "%s", why);
        snprintf(path_why[RAW_HTTP], sizeof(path_why[0]), "%s", why);
    } else if (mechenv_ok) {
        if (shim_setup() == 0)
            shim_up = true;
        else
            snprintf(path_why[SHIM_HTTP], sizeof(path_why[0]), "%s", why);
        if (raw_setup() == 0)
            raw_up = true;
        else
            snprintf(path_why[RAW_HTTP], sizeof(path_why[0]), "%s", why);
    } else {
        snprintf(path_why[SHIM_HTTP], sizeof(path_why[0]),
                 "cannot register the Digest mechanism for this process (tests/mechenv.h)");
        snprintf(path_why[RAW_HTTP], sizeof(path_why[0]), "%s", path_why[SHIM_HTTP]);
    }
    snprintf(path_why[SHIM_SASL], sizeof(path_why[0]), "%s", path_why[SHIM_HTTP]);
    snprintf(path_why[RAW_SASL], sizeof(path_why[0]), "%s", path_why[RAW_HTTP]);
#ifdef HAVE_SASL2
    bool cyrus_up = cyrus_setup() == 0;
    if (!cyrus_up)
        snprintf(path_why[CYRUS], sizeof(path_why[0]), "%s", why);
#else
    bool cyrus_up = false;
    snprintf(path_why[CYRUS], sizeof(path_why[0]),
             "built without Cyrus SASL (install libsasl2-dev libsasl2-modules, re-run configure)");
#endif
    if (shim_up) {
        probe(SHIM_HTTP);
        probe(SHIM_SASL);
    }
    if (raw_up) {
        probe(RAW_HTTP);
        probe(RAW_SASL);
    }
    if (cyrus_up)
        probe(CYRUS);
    printf("paths:\n");
    for (int i = 0; i < NPATHS; i++)
        printf("  %-22s %s%s\n", path_name[i], path_ok[i] ? "works" : "FAILS: ",
               path_ok[i] ? "" : path_why[i]);
    for (int i = 0; i < NPATHS; i++)
        if (!path_ok[i])
            printf("RESULT path_%s fails\n", path_key[i]);
    bench_rule();
}

static void cleanup(void)
{
    OM_uint32 m;
    if (shim_creds) {
        FreeCredentialsHandle(&shim_client_cred);
        FreeCredentialsHandle(&shim_wrong_cred);
        FreeCredentialsHandle(&shim_server_cred);
    }
    if (raw_creds || raw_acceptor != GSS_C_NO_CREDENTIAL) {
        gss_release_cred(&m, &raw_acceptor);
        gss_release_cred(&m, &raw_initiator);
        gss_release_cred(&m, &raw_wrong);
        gss_release_name(&m, &raw_target_http);
        gss_release_name(&m, &raw_target_sasl);
    }
#ifdef HAVE_SASL2
    if (cyrus_ready)
        sasl_done();
    explicit_bzero(&cy_password, sizeof(cy_password));
    explicit_bzero(&cy_wrong, sizeof(cy_wrong));
#endif
    cleanup_files();
}

/* ------------------------------------------------------------ 1. throughput */

/* One path on its own (when its partner in a comparison fails): the
 * median of `rounds` timed runs. */
static void measure_alone(enum path path, long base)
{
    static bool done[NPATHS];
    if (done[path])
        return;
    done[path] = true;
    const long n = bench_count(base, 20);
    const int rounds = bench_rounds();
    struct bench_samples rate = {0};
    run_exchanges(path, n / 5 + 1); /* warm-up */
    for (int r = 0; r < rounds; r++) {
        double t0 = bench_now();
        run_exchanges(path, n);
        bench_add(&rate, (double)n / (bench_now() - t0));
    }
    printf("   %-22s %8.0f exchanges/s alone (%d rounds x %ld; rounds %.0f .. %.0f)\n",
           path_name[path], bench_median(&rate), rounds, n, bench_min(&rate), bench_max(&rate));
    printf("RESULT alone_%s per_s=%.0f\n", path_key[path], bench_median(&rate));
}

/* a vs b, interleaved; the ratio is a's rate over b's. */
static void compare(enum path a, enum path b, const char *key, long base, double target)
{
    if (!path_ok[a] || !path_ok[b]) {
        printf("   %s vs %s: not measured (%s fails)\n", path_name[a], path_name[b],
               path_name[path_ok[a] ? b : a]);
        printf("RESULT %s not_measured\n", key);
        if (path_ok[a])
            measure_alone(a, base);
        if (path_ok[b])
            measure_alone(b, base);
        return;
    }
    const long n = bench_count(base, 20);
    const int rounds = bench_rounds();
    struct bench_compare c;
    run_exchanges(a, n / 5 + 1); /* warm-up */
    run_exchanges(b, n / 5 + 1);
    bench_interleave(run_fn, (void *)(long)a, run_fn, (void *)(long)b, n, rounds, &c);
    double q = bench_median(&c.ratio), qc = bench_median(&c.cpu_ratio);
    printf("   %s vs %s (%d rounds x %ld exchanges per side, interleaved)\n", path_name[a],
           path_name[b], rounds, n);
    printf("     %-22s %8.0f exchanges/s  (rounds %.0f .. %.0f)\n", path_name[a],
           bench_median(&c.shim_rate), bench_min(&c.shim_rate), bench_max(&c.shim_rate));
    printf("     %-22s %8.0f exchanges/s  (rounds %.0f .. %.0f)\n", path_name[b],
           bench_median(&c.raw_rate), bench_min(&c.raw_rate), bench_max(&c.raw_rate));
    printf("     ratio %.3f (per-round %.3f .. %.3f), by CPU time %.3f", q, bench_min(&c.ratio),
           bench_max(&c.ratio), qc);
    if (target > 0)
        printf("   target >= %.2f: %s", target, bench_verdict(q, target, true));
    printf("\n");
    printf("RESULT %s a=%s b=%s a_per_s=%.0f b_per_s=%.0f ratio=%.4f cpu_ratio=%.4f", key,
           path_key[a], path_key[b], bench_median(&c.shim_rate), bench_median(&c.raw_rate), q, qc);
    if (target > 0)
        printf(" target=%.2f verdict=%s", target, bench_verdict(q, target, true));
    printf("\n");
}

static void bench_throughput(void)
{
    printf("2. Exchanges/s: a whole Digest authentication in one process, mutual (rspauth),\n"
           "   qop=auth, MD5; both contexts deleted after each\n");
    compare(SHIM_HTTP, CYRUS, "http_vs_cyrus", 2000, 2.0);
    compare(SHIM_SASL, CYRUS, "sasl_vs_cyrus", 2000, 2.0);
    compare(SHIM_HTTP, RAW_HTTP, "http_shim_vs_raw", 2000, 0);
    compare(SHIM_SASL, RAW_SASL, "sasl_shim_vs_raw", 2000, 0);
}

/* ------------------------------------------------------------ 2. memory */

/*
 * n server contexts kept established (each client context deleted as soon
 * as its exchange is done), on the main thread (mallinfo2 sees the main
 * arena): heap growth / n.  Then the servers are deleted: what that gives
 * back / n, and what stays.
 */
static void mem_per_server(enum path path, long n, double *held, double *freed)
{
    union any_pair *p = calloc((size_t)n, sizeof(*p));
    if (p == NULL)
        die("out of memory");
    long long h0 = bench_heap_in_use();
    for (long i = 0; i < n; i++) {
        if (exchange(path, &p[i]) != 0)
            die("%s (memory): %s", path_name[path], why);
        teardown(path, &p[i], false);
    }
    long long h1 = bench_heap_in_use();
    for (long i = 0; i < n; i++)
        teardown(path, &p[i], true);
    long long h2 = bench_heap_in_use();
    free(p);
    *held = (double)(h1 - h0) / (double)n;
    *freed = (double)(h1 - h2) / (double)n;
}

static void bench_memory(void)
{
    const long n = bench_count(1000, 100);
    const int rounds = 3;
    const double target = 1024;
    printf("1. Heap per established server context (N = %ld live server contexts, client\n"
           "   contexts deleted; mallinfo2 in-use bytes incl. malloc headers; %d rounds,\n"
           "   worst round reported; round 1 also pays one-time growth such as handle tables)\n",
           n, rounds);
    for (int path = 0; path < NPATHS; path++) {
        if (!path_ok[path]) {
            printf("   %-22s not measured (fails)\n", path_name[path]);
            continue;
        }
        run_exchanges((enum path)path, 20); /* warm: one-time allocations */
        double held[3], freed[3], worst = 0;
        for (int r = 0; r < rounds; r++) {
            mem_per_server((enum path)path, n, &held[r], &freed[r]);
            if (held[r] > worst)
                worst = held[r];
        }
        printf("   %-22s %6.0f B per context (rounds %.0f, %.0f, %.0f; deleting gives back "
               "%.0f)",
               path_name[path], worst, held[0], held[1], held[2], freed[rounds - 1]);
        bool shim = path == SHIM_HTTP || path == SHIM_SASL;
        if (shim)
            printf("   target <= %.0f: %s", target, bench_verdict(worst, target, false));
        printf("\n");
        printf("RESULT memory_%s per_context=%.0f", path_key[path], worst);
        if (shim)
            printf(" target=%.0f verdict=%s", target, bench_verdict(worst, target, false));
        printf("\n");
    }
}

/* ------------------------------------------------------------ callgrind */

/* Regions for bench/run-bench.sh (valgrind --tool=callgrind
 * --toggle-collect='cg_region_*'): never inlined, so the names stay. */
#define CG_REGION __attribute__((noinline, noipa, used))
CG_REGION void cg_region_digest_shim_http(long n);
CG_REGION void cg_region_digest_raw_http(long n);
CG_REGION void cg_region_digest_shim_sasl(long n);
CG_REGION void cg_region_digest_raw_sasl(long n);
CG_REGION void cg_region_digest_cyrus(long n);
CG_REGION void cg_region_digest_shim_http(long n) { run_exchanges(SHIM_HTTP, n); }
CG_REGION void cg_region_digest_raw_http(long n) { run_exchanges(RAW_HTTP, n); }
CG_REGION void cg_region_digest_shim_sasl(long n) { run_exchanges(SHIM_SASL, n); }
CG_REGION void cg_region_digest_raw_sasl(long n) { run_exchanges(RAW_SASL, n); }
CG_REGION void cg_region_digest_cyrus(long n) { run_exchanges(CYRUS, n); }

static void run_callgrind_regions(void)
{
    static void (*const region[NPATHS])(long) = {
        cg_region_digest_shim_http, cg_region_digest_raw_http, cg_region_digest_shim_sasl,
        cg_region_digest_raw_sasl, cg_region_digest_cyrus};
    const long n = bench_count(200, 10);
    for (int path = 0; path < NPATHS; path++) {
        if (!path_ok[path])
            continue;
        run_exchanges((enum path)path, 20); /* warm: one-time work not counted */
        region[path](n);
        printf("CALLGRIND digest_%s n=%ld\n", path_key[path], n);
    }
}

/* ------------------------------------------------------------ main */

/* --loop=PATH:N, a profiling aid (strace -c, perf, ltrace): after the
 * setup, N exchanges of one path (shim_http, raw_http, shim_sasl,
 * raw_sasl, cyrus), N/10 first as warm-up. */
static void run_loop(const char *spec)
{
    const char *colon = strchr(spec, ':');
    long n = colon != NULL ? atol(colon + 1) : 1000;
    size_t len = colon != NULL ? (size_t)(colon - spec) : strlen(spec);
    for (int path = 0; path < NPATHS; path++) {
        if (strlen(path_key[path]) != len || strncmp(spec, path_key[path], len) != 0)
            continue;
        if (!path_ok[path])
            die("%s fails: %s", path_name[path], path_why[path]);
        run_exchanges((enum path)path, n / 10 + 1);
        double t0 = bench_now();
        run_exchanges((enum path)path, n);
        printf("%s: %.0f exchanges/s\n", path_key[path], (double)n / (bench_now() - t0));
        return;
    }
    die("--loop: no path %.*s", (int)len, spec);
}

static void usage(void)
{
    fputs("usage: bench_digest [--only=throughput,memory] [--callgrind]\n"
          "                    [--loop=shim_http|raw_http|shim_sasl|raw_sasl|cyrus:N]\n"
          "  environment: BENCH_SCALE (iteration multiplier), BENCH_ROUNDS (default 21)\n",
          stderr);
    exit(2);
}

static bool want(const char *list, const char *name)
{
    size_t n = strlen(name);
    for (const char *p = list; *p != '\0';) {
        const char *end = strchr(p, ',');
        size_t len = end != NULL ? (size_t)(end - p) : strlen(p);
        if (len == n && strncmp(p, name, n) == 0)
            return true;
        p += len + (end != NULL);
    }
    return false;
}

int main(int argc, char **argv)
{
    /* Registers our mechanism for this process alone; first, before any
     * thread or GSS call (tests/mechenv.h).  77 = not possible here: the
     * Cyrus side still runs. */
    int env = test_mechenv_enter();
    mechenv_ok = env == 0;

    const char *only = NULL, *loop = NULL;
    bool callgrind = false;
    for (int i = 1; i < argc; i++) {
        if (strncmp(argv[i], "--only=", 7) == 0)
            only = argv[i] + 7;
        else if (strcmp(argv[i], "--callgrind") == 0)
            callgrind = true;
        else if (strncmp(argv[i], "--loop=", 7) == 0)
            loop = argv[i] + 7;
        else
            usage();
    }
    setvbuf(stdout, NULL, _IOLBF, 0);
    setup();
    if (loop != NULL) {
        run_loop(loop);
        cleanup();
        return 0;
    }
    if (callgrind) {
        run_callgrind_regions();
        cleanup();
        return 0;
    }
#define WANT(s) (only == NULL || want(only, s))
    if (WANT("memory")) {
        bench_memory();
        bench_rule();
    }
    if (WANT("throughput")) {
        bench_throughput();
        bench_rule();
    }
    cleanup();
    return 0;
}
