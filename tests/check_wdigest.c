/*
 * The "WDigest" package through the SSPI API, over this build's Digest GSS
 * mechanism (registered for this process by tests/mechenv), and the
 * package's pure rules (shim/digest_rules.c, compiled in).
 *
 * The rule tests need no mechanism.  The end-to-end tests need it loaded
 * by the GSS library; when it is not (the module did not build, or does
 * not export the mandatory gss_* names), they are reported as skipped on
 * stderr and AcquireCredentialsHandle's SEC_E_SECPKG_NOT_FOUND answer is
 * checked instead.  No KDC is involved.
 */
#include "config.h"

#include <check.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gssapi/gssapi.h>
#include <openssl/evp.h>

#include "digest_params.h"
#include "digest_rules.h"
#include "mechenv.h"
#include "sspi.h"
#include "sspi_shim.h"
#include "suite.h"

#define REALM "testrealm@example.org"
#define URI "/dir/index.html"
#define BIG 4096

static char store_dir[] = "/tmp/check_wdigest.XXXXXX";
static char htdigest_path[300], password_path[300];

/* ------------------------------------------------------------ helpers */

static bool digest_mech_loaded(void)
{
    OM_uint32 minor;
    gss_OID_set mechs = GSS_C_NO_OID_SET;
    gss_OID_desc oid = {GSS_SSPI_SHIM_DIGEST_MECH_OID_LENGTH,
                        (void *)GSS_SSPI_SHIM_DIGEST_MECH_OID_BYTES};
    int present = 0;
    if (GSS_ERROR(gss_indicate_mechs(&minor, &mechs)))
        return false;
    gss_test_oid_set_member(&minor, &oid, mechs, &present);
    gss_release_oid_set(&minor, &mechs);
    return present != 0;
}

/* user:realm:MD5(user:realm:password), Apache htdigest (RFC 2617 3.2.2.2 A1). */
/* Setup runs outside any test: a failure there is a hard error (99). */
static void require(bool ok, const char *what)
{
    if (!ok) {
        perror(what);
        exit(99);
    }
}

static void htdigest_line(FILE *f, const char *user, const char *realm, const char *password)
{
    char a1[512];
    unsigned char md[16];
    unsigned int n = 0;
    snprintf(a1, sizeof(a1), "%s:%s:%s", user, realm, password);
    require(EVP_Digest(a1, strlen(a1), md, &n, EVP_md5(), NULL) == 1 && n == 16, "MD5");
    fprintf(f, "%s:%s:", user, realm);
    for (int i = 0; i < 16; i++)
        fprintf(f, "%02x", md[i]);
    fputc('\n', f);
}

static void write_stores(void)
{
    require(mkdtemp(store_dir) != NULL, "mkdtemp");
    snprintf(htdigest_path, sizeof(htdigest_path), "%s/htdigest", store_dir);
    snprintf(password_path, sizeof(password_path), "%s/passwords", store_dir);
    FILE *f = fopen(htdigest_path, "w");
    require(f != NULL, htdigest_path);
    htdigest_line(f, "alice", REALM, "secret");
    htdigest_line(f, "EXAMPLE\\carol", REALM, "carol-pw");
    fclose(f);
    f = fopen(password_path, "w");
    require(f != NULL, password_path);
    fputs("bob:b0b-pw\nalice:secret\n", f);
    fclose(f);
}

static void remove_stores(void)
{
    unlink(htdigest_path);
    unlink(password_path);
    rmdir(store_dir);
}

static SEC_WINNT_AUTH_IDENTITY_A identity_a(const char *user, const char *domain,
                                            const char *password)
{
    SEC_WINNT_AUTH_IDENTITY_A id = {
        (unsigned char *)user, (ULONG)strlen(user),
        (unsigned char *)domain, domain ? (ULONG)strlen(domain) : 0,
        (unsigned char *)password, password ? (ULONG)strlen(password) : 0,
        SEC_WINNT_AUTH_IDENTITY_ANSI,
    };
    return id;
}

static SECURITY_STATUS client_cred(const char *user, const char *domain, const char *password,
                                   CredHandle *out)
{
    SEC_WINNT_AUTH_IDENTITY_A id = identity_a(user, domain, password);
    return AcquireCredentialsHandleA(NULL, (LPSTR) "WDigest", SECPKG_CRED_OUTBOUND, NULL, &id,
                                     NULL, NULL, out, NULL);
}

static SSPI_SHIM_DIGEST_SERVER_CONFIG config(void)
{
    SSPI_SHIM_DIGEST_SERVER_CONFIG c;
    memset(&c, 0, sizeof(c));
    c.Version = SSPI_SHIM_DIGEST_SERVER_CONFIG_VERSION;
    c.HtdigestFile = htdigest_path;
    c.Realm = REALM;
    return c;
}

static SECURITY_STATUS server_cred_with(const SSPI_SHIM_DIGEST_SERVER_CONFIG *c, CredHandle *out)
{
    return AcquireCredentialsHandleA(NULL, (LPSTR) "WDigest", SECPKG_CRED_INBOUND, NULL,
                                     (void *)c, NULL, NULL, out, NULL);
}

static SECURITY_STATUS server_cred(CredHandle *out)
{
    SSPI_SHIM_DIGEST_SERVER_CONFIG c = config();
    return server_cred_with(&c, out);
}

/* One acceptor call with the seed page's buffers: 0 TOKEN, 1 method,
 * 2 reserved, 3 H(entity), 4 realm (UTF-16), [5 bindings]. */
struct leg {
    unsigned char out[BIG];
    ULONG out_len;
    ULONG attr;
    TimeStamp expiry;
};

static SECURITY_STATUS accept_leg(CredHandle *sc, CtxtHandle *sx, bool first, ULONG req,
                                  const void *tok, ULONG tok_len, const char *method,
                                  const SEC_CHANNEL_BINDINGS *cb, ULONG cb_len, ULONG out_size,
                                  struct leg *leg)
{
    SEC_WCHAR realm[] = u"" REALM;
    SecBuffer in[6] = {
        {tok_len, SECBUFFER_TOKEN, (void *)tok},
        {method ? (ULONG)strlen(method) : 0, SECBUFFER_PKG_PARAMS, (void *)method},
        {0, SECBUFFER_PKG_PARAMS, NULL},
        {0, SECBUFFER_PKG_PARAMS, NULL},
        {(ULONG)(sizeof(realm) - sizeof(SEC_WCHAR)), SECBUFFER_PKG_PARAMS, realm},
        {cb_len, SECBUFFER_CHANNEL_BINDINGS | SECBUFFER_READONLY, (void *)cb},
    };
    SecBufferDesc ind = {SECBUFFER_VERSION, cb != NULL ? 6 : 5, in};
    SecBuffer out = {out_size, SECBUFFER_TOKEN, leg->out};
    SecBufferDesc outd = {SECBUFFER_VERSION, 1, &out};
    leg->attr = 0;
    SECURITY_STATUS st = AcceptSecurityContext(sc, first ? NULL : sx, &ind, req, 0, sx, &outd,
                                               &leg->attr, &leg->expiry);
    leg->out_len = out.cbBuffer;
    if (leg->out_len < BIG)
        leg->out[leg->out_len] = '\0';
    return st;
}

/* One initiator call as curl makes it: 0 TOKEN challenge, 1 method, 2 H(entity). */
static SECURITY_STATUS init_leg(CredHandle *cc, CtxtHandle *cx, bool first, const char *target,
                                ULONG req, const void *tok, ULONG tok_len, struct leg *leg)
{
    SecBuffer in[3] = {
        {tok_len, SECBUFFER_TOKEN, (void *)tok},
        {3, SECBUFFER_PKG_PARAMS, (void *)"GET"},
        {0, SECBUFFER_PKG_PARAMS, NULL},
    };
    SecBufferDesc ind = {SECBUFFER_VERSION, 3, in};
    SecBuffer out = {BIG, SECBUFFER_TOKEN, leg->out};
    SecBufferDesc outd = {SECBUFFER_VERSION, 1, &out};
    leg->attr = 0;
    SECURITY_STATUS st = InitializeSecurityContextA(cc, first ? NULL : cx, (SEC_CHAR *)target,
                                                    req, 0, 0, &ind, 0, cx, &outd, &leg->attr,
                                                    &leg->expiry);
    leg->out_len = out.cbBuffer;
    if (leg->out_len < BIG)
        leg->out[leg->out_len] = '\0';
    return st;
}

#define HTTP_ISC ISC_REQ_USE_HTTP_STYLE
#define HTTP_ASC ASC_REQ_ALLOW_MISSING_BINDINGS  /* the page's ASC_REQ_HTTP */

/* A full HTTP exchange: challenge, response, rspauth (verified by the
 * client).  Leaves both contexts established. */
static void http_exchange(CredHandle *cc, CredHandle *sc, CtxtHandle *cx, CtxtHandle *sx)
{
    struct leg s1, c1, s2, c2;
    ASSERT_STATUS(accept_leg(sc, sx, true, HTTP_ASC, NULL, 0, "GET", NULL, 0, BIG, &s1),
                  SEC_I_CONTINUE_NEEDED);
    ck_assert_msg(strncmp((char *)s1.out, "Digest ", 7) == 0, "challenge: %s", s1.out);
    ck_assert_ptr_nonnull(strstr((char *)s1.out, "realm=\"" REALM "\""));
    SECURITY_STATUS st = init_leg(cc, cx, true, URI, HTTP_ISC, s1.out, s1.out_len, &c1);
    ck_assert_msg(st == SEC_I_CONTINUE_NEEDED || st == SEC_E_OK, "ISC: 0x%08x %s",
                  (unsigned)st, SspiShimLastErrorMessage());
    /* The credentials without the scheme, as Windows returns them (curl
     * writes "Digest " in front itself). */
    ck_assert_msg(strncmp((char *)c1.out, "username=", 9) == 0, "Authorization: %s", c1.out);
    ck_assert_ptr_nonnull(strstr((char *)c1.out, "uri=\"" URI "\""));
    ASSERT_STATUS(accept_leg(sc, sx, false, HTTP_ASC, c1.out, c1.out_len, "GET", NULL, 0, BIG,
                             &s2),
                  SEC_E_OK);
    /* "An output buffer may be generated even if the function returns
     * SEC_E_OK ... must be sent": the Authentication-Info value. */
    ck_assert_msg(strstr((char *)s2.out, "rspauth=") != NULL, "Authentication-Info: %s", s2.out);
    ck_assert_uint_eq((uint64_t)s2.expiry.QuadPart, 0x7FFFFFFFFFFFFFFFull);
    if (st == SEC_I_CONTINUE_NEEDED)
        ASSERT_STATUS(init_leg(cc, cx, false, URI, HTTP_ISC, s2.out, s2.out_len, &c2), SEC_E_OK);
}

/* ------------------------------------------------------------ rules (no mechanism) */

START_TEST(package_is_listed_with_windows_values)
{
    PSecPkgInfoA a = NULL;
    PSecPkgInfoW w = NULL;
    ASSERT_STATUS(QuerySecurityPackageInfoA((LPSTR) "WDigest", &a), SEC_E_OK);
    ck_assert_str_eq((char *)a->Name, "WDigest");
    ck_assert_uint_eq(a->wVersion, 1);
    ck_assert_uint_eq(a->wRPCID, 21);                   /* RPC_C_AUTHN_DIGEST */
    ck_assert_uint_eq(a->cbMaxToken, 4096);
    ck_assert(a->fCapabilities & SECPKG_FLAG_INTEGRITY);
    ck_assert(!(a->fCapabilities & SECPKG_FLAG_DELEGATION));
    FreeContextBuffer(a);
    ASSERT_STATUS(QuerySecurityPackageInfoW((LPWSTR)u"WDigest", &w), SEC_E_OK);
    ck_assert_uint_eq(w->cbMaxToken, 4096);
    ck_assert_uint_eq(w->wRPCID, 21);
    FreeContextBuffer(w);
    ULONG n = 0;
    ASSERT_STATUS(EnumerateSecurityPackagesA(&n, &a), SEC_E_OK);
    bool found = false;
    for (ULONG i = 0; i < n; i++)
        found |= strcmp((char *)a[i].Name, "WDigest") == 0;
    ck_assert(found);
    FreeContextBuffer(a);
}
END_TEST

START_TEST(mode_and_flag_rules)
{
    /* HTTP: either value; SASL: neither. */
    ck_assert(shim_digest_http_mode(ISC_REQ_USE_HTTP_STYLE));
    ck_assert(shim_digest_http_mode(0x10000000));
    ck_assert(!shim_digest_http_mode(ISC_REQ_CONFIDENTIALITY | ISC_REQ_INTEGRITY));
    ASSERT_STATUS(shim_digest_check_req(false, 0x10000000), SEC_E_OK);
    ASSERT_STATUS(shim_digest_check_req(false, ASC_REQ_PROXY_BINDINGS | ISC_REQ_USE_HTTP_STYLE),
                  SEC_E_OK);
    ASSERT_STATUS(shim_digest_check_req(false, ASC_REQ_PROXY_BINDINGS | 0x10000000),
                  SEC_E_SECURITY_QOS_FAILED);
    ASSERT_STATUS(shim_digest_check_req(false, ASC_REQ_CONFIDENTIALITY | 0x10000000),
                  SEC_E_SECURITY_QOS_FAILED);
    ASSERT_STATUS(shim_digest_check_req(true, ISC_REQ_CONFIDENTIALITY | ISC_REQ_USE_HTTP_STYLE),
                  SEC_E_SECURITY_QOS_FAILED);
    ASSERT_STATUS(shim_digest_check_req(true, ISC_REQ_CONFIDENTIALITY), SEC_E_OK);
    ck_assert_uint_eq(shim_digest_cb_policy(ASC_REQ_PROXY_BINDINGS), GSS_SSPI_SHIM_DIGEST_CB_REQUIRE);
    ck_assert_uint_eq(shim_digest_cb_policy(0x10000000), GSS_SSPI_SHIM_DIGEST_CB_ALLOW_MISSING);
    ck_assert_uint_eq(shim_digest_cb_policy(0), GSS_SSPI_SHIM_DIGEST_CB_DEFAULT);
}
END_TEST

static bool record_is(const struct gssmap_digest_params *p, unsigned type, const char *text)
{
    return gssmap_digest_param_has(p, type) && p->value[type].length == strlen(text) &&
           memcmp(p->value[type].data, text, strlen(text)) == 0;
}

START_TEST(acceptor_buffers_become_a_framed_parameter_token)
{
    SEC_WCHAR realm[] = u"host.example";
    SecBuffer b[6] = {
        {8, SECBUFFER_TOKEN, (void *)"response"},
        {4, SECBUFFER_PKG_PARAMS, (void *)"POST"},
        {0, SECBUFFER_PKG_PARAMS, NULL},
        {32, SECBUFFER_PKG_PARAMS, (void *)"d41d8cd98f00b204e9800998ecf8427e"},
        {sizeof(realm), SECBUFFER_PKG_PARAMS, realm},     /* counted NUL dropped */
        {0, SECBUFFER_CHANNEL_BINDINGS | SECBUFFER_READONLY, NULL},
    };
    SecBufferDesc d = {SECBUFFER_VERSION, 6, b};
    struct shim_digest_inputs in;
    ASSERT_STATUS(shim_digest_find_inputs(SHIM_DIGEST_ASC, &d, &in), SEC_E_OK);
    ck_assert_ptr_eq(in.token, &b[0]);
    ck_assert_ptr_eq(in.bindings, &b[5]);
    ck_assert_str_eq(in.realm, "host.example");
    struct shim_digest_param_set set = {"response", 8, true, true,
                                        GSS_SSPI_SHIM_DIGEST_CB_REQUIRE, &in};
    gss_buffer_desc tok;
    ASSERT_STATUS(shim_digest_build_params(&set, true, &tok), SEC_E_OK);
    struct gssmap_digest_params p;
    ck_assert_int_eq(gssmap_digest_params_parse_token(tok.value, tok.length, &p), 1);
    ck_assert(record_is(&p, GSS_SSPI_SHIM_DIGEST_P_WIRE, "response"));
    ck_assert(record_is(&p, GSS_SSPI_SHIM_DIGEST_P_MODE, "H"));
    ck_assert(record_is(&p, GSS_SSPI_SHIM_DIGEST_P_METHOD, "POST"));
    ck_assert(record_is(&p, GSS_SSPI_SHIM_DIGEST_P_ENTITY_HASH,
                        "d41d8cd98f00b204e9800998ecf8427e"));
    ck_assert(record_is(&p, GSS_SSPI_SHIM_DIGEST_P_REALM, "host.example"));
    ck_assert(record_is(&p, GSS_SSPI_SHIM_DIGEST_P_CB_POLICY, "\x01"));
    ck_assert(!gssmap_digest_param_has(&p, GSS_SSPI_SHIM_DIGEST_P_TARGET_HOST));
    free(tok.value);

    /* Realm outside US-ASCII; H(entity) not hex; a bad method. */
    SEC_WCHAR bad_realm[] = u"r\u00e9alm";
    b[4].pvBuffer = bad_realm;
    b[4].cbBuffer = sizeof(bad_realm);
    ASSERT_STATUS(shim_digest_find_inputs(SHIM_DIGEST_ASC, &d, &in), SEC_E_INVALID_PARAMETER);
    b[4].cbBuffer = 3;              /* half a code unit */
    ASSERT_STATUS(shim_digest_find_inputs(SHIM_DIGEST_ASC, &d, &in), SEC_E_INVALID_PARAMETER);
    b[4].cbBuffer = 0;
    b[3].pvBuffer = (void *)"not-hex";
    b[3].cbBuffer = 7;
    ASSERT_STATUS(shim_digest_find_inputs(SHIM_DIGEST_ASC, &d, &in), SEC_E_INVALID_TOKEN);
    b[3].cbBuffer = 0;
    b[1].pvBuffer = (void *)"GE T";
    ASSERT_STATUS(shim_digest_find_inputs(SHIM_DIGEST_ASC, &d, &in), SEC_E_INVALID_TOKEN);
}
END_TEST

START_TEST(curl_layouts_are_understood)
{
    /* ISC: TOKEN challenge, PKG_PARAMS "GET", PKG_PARAMS empty. */
    SecBuffer isc[3] = {
        {9, SECBUFFER_TOKEN, (void *)"Digest x=1"},
        {3, SECBUFFER_PKG_PARAMS, (void *)"GET"},
        {0, SECBUFFER_PKG_PARAMS, NULL},
    };
    SecBufferDesc d = {SECBUFFER_VERSION, 3, isc};
    struct shim_digest_inputs in;
    ASSERT_STATUS(shim_digest_find_inputs(SHIM_DIGEST_ISC, &d, &in), SEC_E_OK);
    ck_assert_uint_eq(in.method.length, 3);
    ck_assert_ptr_null(in.entity_hash.data);
    struct shim_digest_param_set set = {"Digest x=1", 9, true, false, 0, &in};
    gss_buffer_desc tok;
    ASSERT_STATUS(shim_digest_build_params(&set, true, &tok), SEC_E_OK);
    struct gssmap_digest_params p;
    ck_assert_int_eq(gssmap_digest_params_parse_token(tok.value, tok.length, &p), 1);
    ck_assert(record_is(&p, GSS_SSPI_SHIM_DIGEST_P_METHOD, "GET"));
    ck_assert(!gssmap_digest_param_has(&p, GSS_SSPI_SHIM_DIGEST_P_CB_POLICY));
    free(tok.value);

    /* The documented ISC layout: buffer 3 is a SECBUFFER_TARGET_HOST
     * (READONLY) with the SPN in UTF-8, used for channel binding. */
    SecBuffer doc[5] = {
        {9, SECBUFFER_TOKEN, (void *)"Digest x=1"},
        {3, SECBUFFER_PKG_PARAMS, (void *)"GET"},
        {0, SECBUFFER_PKG_PARAMS, NULL},
        {14, SECBUFFER_TARGET_HOST | SECBUFFER_READONLY, (void *)"HTTP/web.test"},
        {0, SECBUFFER_CHANNEL_BINDINGS | SECBUFFER_READONLY, NULL},
    };
    SecBufferDesc dd = {SECBUFFER_VERSION, 5, doc};
    ASSERT_STATUS(shim_digest_find_inputs(SHIM_DIGEST_ISC, &dd, &in), SEC_E_OK);
    ck_assert_uint_eq(in.target_host.length, 13);       /* the UTF-8 NUL is not part of it */
    ck_assert(memcmp(in.target_host.data, "HTTP/web.test", 13) == 0);
    doc[3].cbBuffer = 13;
    doc[3].pvBuffer = (void *)"HTTP/w\0b.test";
    ASSERT_STATUS(shim_digest_find_inputs(SHIM_DIGEST_ISC, &dd, &in), SEC_E_INVALID_TOKEN);

    /* MakeSignature: TOKEN empty, method, URI, empty, PADDING(out). */
    char out[64];
    SecBuffer sig[5] = {
        {0, SECBUFFER_TOKEN, NULL},
        {4, SECBUFFER_PKG_PARAMS, (void *)"HEAD"},
        {strlen(URI), SECBUFFER_PKG_PARAMS, (void *)URI},
        {0, SECBUFFER_PKG_PARAMS, NULL},
        {sizeof(out), SECBUFFER_PADDING, out},
    };
    SecBufferDesc sd = {SECBUFFER_VERSION, 5, sig};
    ASSERT_STATUS(shim_digest_find_inputs(SHIM_DIGEST_SIGN, &sd, &in), SEC_E_OK);
    struct shim_digest_param_set mic = {NULL, 0, true, false, 0, &in};
    ASSERT_STATUS(shim_digest_build_params(&mic, false, &tok), SEC_E_OK);
    ck_assert_int_eq(gssmap_digest_params_parse_list(tok.value, tok.length, &p), 0);
    ck_assert(record_is(&p, GSS_SSPI_SHIM_DIGEST_P_METHOD, "HEAD"));
    ck_assert(record_is(&p, GSS_SSPI_SHIM_DIGEST_P_URI, URI));
    ck_assert(!gssmap_digest_param_has(&p, GSS_SSPI_SHIM_DIGEST_P_WIRE));
    free(tok.value);

    /* Too many PKG_PARAMS for a client call. */
    SecBuffer many[5] = {isc[0], isc[1], isc[2], isc[2], isc[2]};
    SecBufferDesc md = {SECBUFFER_VERSION, 5, many};
    ASSERT_STATUS(shim_digest_find_inputs(SHIM_DIGEST_ISC, &md, &in), SEC_E_INVALID_TOKEN);
}
END_TEST

START_TEST(invalid_handles_and_null_pointers)
{
    CredHandle zero_cred = {0, 0};
    CtxtHandle zero_ctx = {0, 0}, out_ctx;
    ULONG attr;
    ASSERT_STATUS(AcquireCredentialsHandleA(NULL, (LPSTR) "WDigest", SECPKG_CRED_OUTBOUND, NULL,
                                            NULL, NULL, NULL, NULL, NULL),
                  SEC_E_INVALID_PARAMETER);
    ASSERT_STATUS(InitializeSecurityContextA(&zero_cred, NULL, (SEC_CHAR *)URI, HTTP_ISC, 0, 0,
                                             NULL, 0, &out_ctx, NULL, &attr, NULL),
                  SEC_E_INVALID_HANDLE);
    ASSERT_STATUS(AcceptSecurityContext(&zero_cred, NULL, NULL, HTTP_ASC, 0, &out_ctx, NULL,
                                        &attr, NULL),
                  SEC_E_INVALID_HANDLE);
    ASSERT_STATUS(AcceptSecurityContext(NULL, &zero_ctx, NULL, HTTP_ASC, 0, &out_ctx, NULL,
                                        &attr, NULL),
                  SEC_E_INVALID_HANDLE);
    SecBuffer b = {0, SECBUFFER_TOKEN, NULL};
    SecBufferDesc d = {SECBUFFER_VERSION, 1, &b};
    ASSERT_STATUS(MakeSignature(&zero_ctx, 0, &d, 0), SEC_E_INVALID_HANDLE);
    ASSERT_STATUS(VerifySignature(&zero_ctx, &d, 0, NULL), SEC_E_INVALID_HANDLE);
    ASSERT_STATUS(EncryptMessage(&zero_ctx, 0, &d, 0), SEC_E_INVALID_HANDLE);
    ASSERT_STATUS(DecryptMessage(&zero_ctx, &d, 0, NULL), SEC_E_INVALID_HANDLE);
    ASSERT_STATUS(CompleteAuthToken(&zero_ctx, &d), SEC_E_INVALID_HANDLE);
}
END_TEST

/* ------------------------------------------------------------ without the mechanism */

START_TEST(unregistered_mechanism_is_secpkg_not_found)
{
    CredHandle c;
    ASSERT_STATUS(client_cred("alice", NULL, "secret", &c), SEC_E_SECPKG_NOT_FOUND);
    ck_assert_msg(strstr(SspiShimLastErrorMessage(), "/etc/gss/mech") != NULL, "%s",
                  SspiShimLastErrorMessage());
    ASSERT_STATUS(server_cred(&c), SEC_E_SECPKG_NOT_FOUND);
}
END_TEST

/*
 * The same in a process whose GSS library has no Digest registration:
 * forked before this process makes any GSS call (the library reads its
 * registration once), the child hides the private registration (Heimdal:
 * an empty /etc/gss in a mount namespace of its own; MIT: an empty
 * GSS_MECH_CONFIG) and reports AcquireCredentialsHandle's status and
 * message through a pipe.
 */
static SECURITY_STATUS unregistered_status;
static char unregistered_message[600];
static bool unregistered_probed;

static void probe_unregistered(void)
{
    int fd[2];
    if (pipe(fd) != 0)
        return;
    pid_t pid = fork();
    if (pid == 0) {
        close(fd[0]);
        char empty_dir[300], empty_file[320];
        snprintf(empty_dir, sizeof(empty_dir), "%s/empty", store_dir);
        snprintf(empty_file, sizeof(empty_file), "%s/mech", empty_dir);
        if (mkdir(empty_dir, 0700) != 0)
            _exit(1);
        FILE *f = fopen(empty_file, "w");
        if (f == NULL)
            _exit(1);
        fclose(f);
#ifdef SSPI_SHIM_HEIMDAL
        if (unshare(CLONE_NEWNS) != 0 || mount(empty_dir, "/etc/gss", "none", MS_BIND, NULL) != 0)
            _exit(1);
#else
        setenv("GSS_MECH_CONFIG", empty_file, 1);
#endif
        CredHandle c;
        SEC_WINNT_AUTH_IDENTITY_A id = identity_a("alice", NULL, "secret");
        SECURITY_STATUS st = AcquireCredentialsHandleA(NULL, (LPSTR) "WDigest",
                                                       SECPKG_CRED_OUTBOUND, NULL, &id, NULL,
                                                       NULL, &c, NULL);
        char line[600];
        int n = snprintf(line, sizeof(line), "%08x %s", (unsigned)st, SspiShimLastErrorMessage());
        if (write(fd[1], line, (size_t)n) != n)
            _exit(1);
        _exit(0);
    }
    close(fd[1]);
    char line[600] = "";
    ssize_t n = pid > 0 ? read(fd[0], line, sizeof(line) - 1) : -1;
    close(fd[0]);
    int status = 0;
    if (pid > 0)
        waitpid(pid, &status, 0);
    char empty[320];
    snprintf(empty, sizeof(empty), "%s/empty/mech", store_dir);
    unlink(empty);
    snprintf(empty, sizeof(empty), "%s/empty", store_dir);
    rmdir(empty);
    if (n > 9 && WIFEXITED(status) && WEXITSTATUS(status) == 0) {
        line[n] = '\0';
        unregistered_status = (SECURITY_STATUS)strtoul(line, NULL, 16);
        snprintf(unregistered_message, sizeof(unregistered_message), "%s", line + 9);
        unregistered_probed = true;
    }
}

START_TEST(no_registration_is_secpkg_not_found_with_advice)
{
    ck_assert_msg(unregistered_probed, "the unregistered probe did not run");
    ASSERT_STATUS(unregistered_status, SEC_E_SECPKG_NOT_FOUND);
    ck_assert_msg(strstr(unregistered_message, "/etc/gss/mech") != NULL &&
                      strstr(unregistered_message, GSS_SSPI_SHIM_DIGEST_MECH_OID_STRING) != NULL,
                  "%s", unregistered_message);
}
END_TEST

/* ------------------------------------------------------------ credentials */

START_TEST(credentials_rules)
{
    CredHandle c, s;
    /* No identity: no default Digest credential on Unix. */
    ASSERT_STATUS(AcquireCredentialsHandleA(NULL, (LPSTR) "WDigest", SECPKG_CRED_OUTBOUND, NULL,
                                            NULL, NULL, NULL, &c, NULL),
                  SEC_E_NO_CREDENTIALS);
    /* An identity without a password. */
    ASSERT_STATUS(client_cred("alice", NULL, NULL, &c), SEC_E_NO_CREDENTIALS);
    /* Inbound without configuration or SSPI_SHIM_DIGEST_USERS. */
    unsetenv("SSPI_SHIM_DIGEST_USERS");
    ASSERT_STATUS(AcquireCredentialsHandleA(NULL, (LPSTR) "WDigest", SECPKG_CRED_INBOUND, NULL,
                                            NULL, NULL, NULL, &s, NULL),
                  SEC_E_NO_CREDENTIALS);
    /* ... and with the environment's htdigest file. */
    setenv("SSPI_SHIM_DIGEST_USERS", htdigest_path, 1);
    ASSERT_STATUS(AcquireCredentialsHandleA(NULL, (LPSTR) "WDigest", SECPKG_CRED_INBOUND, NULL,
                                            NULL, NULL, NULL, &s, NULL),
                  SEC_E_OK);
    FreeCredentialsHandle(&s);
    unsetenv("SSPI_SHIM_DIGEST_USERS");
    /* A configuration without a user store. */
    SSPI_SHIM_DIGEST_SERVER_CONFIG none = config();
    none.HtdigestFile = NULL;
    ASSERT_STATUS(server_cred_with(&none, &s), SEC_E_NO_CREDENTIALS);
    /* A user store that does not exist. */
    none.HtdigestFile = "/nonexistent/sspi-shim/htdigest";
    ASSERT_STATUS(server_cred_with(&none, &s), SEC_E_NO_CREDENTIALS);
    /* A configuration of another version is refused. */
    SSPI_SHIM_DIGEST_SERVER_CONFIG bad = config();
    bad.Version = 1;
    ASSERT_STATUS(server_cred_with(&bad, &s), SEC_E_UNKNOWN_CREDENTIALS);
    bad = config();
    bad.NonceKey = (const unsigned char *)"short";
    bad.NonceKeyLength = 5;
    ASSERT_STATUS(server_cred_with(&bad, &s), SEC_E_UNKNOWN_CREDENTIALS);

    /* W entry point with SEC_WINNT_AUTH_IDENTITY_W and a domain:
     * the username becomes "EXAMPLE\carol". */
    SEC_WINNT_AUTH_IDENTITY_W w = {(unsigned short *)u"carol", 5, (unsigned short *)u"EXAMPLE", 7,
                                   (unsigned short *)u"carol-pw", 8,
                                   SEC_WINNT_AUTH_IDENTITY_UNICODE};
    ASSERT_STATUS(AcquireCredentialsHandleW(NULL, (LPWSTR)u"WDigest", SECPKG_CRED_OUTBOUND, NULL,
                                            &w, NULL, NULL, &c, NULL),
                  SEC_E_OK);
    SecPkgCredentials_NamesA names;
    ASSERT_STATUS(QueryCredentialsAttributesA(&c, SECPKG_CRED_ATTR_NAMES, &names), SEC_E_OK);
    ck_assert_str_eq((char *)names.sUserName, "EXAMPLE\\carol");
    FreeContextBuffer(names.sUserName);
    FreeCredentialsHandle(&c);
    ASSERT_STATUS(FreeCredentialsHandle(&c), SEC_E_INVALID_HANDLE);
}
END_TEST

/* ------------------------------------------------------------ HTTP */

START_TEST(http_exchange_with_htdigest_store)
{
    CredHandle cc, sc;
    CtxtHandle cx, sx;
    ASSERT_STATUS(client_cred("alice", NULL, "secret", &cc), SEC_E_OK);
    ASSERT_STATUS(server_cred(&sc), SEC_E_OK);
    http_exchange(&cc, &sc, &cx, &sx);

    SecPkgContext_NamesA n;
    ASSERT_STATUS(QueryContextAttributesA(&sx, SECPKG_ATTR_NAMES, &n), SEC_E_OK);
    ck_assert_str_eq((char *)n.sUserName, "alice");
    FreeContextBuffer(n.sUserName);
    SecPkgContext_NamesW nw;
    ASSERT_STATUS(QueryContextAttributesW(&sx, SECPKG_ATTR_NAMES, &nw), SEC_E_OK);
    ck_assert(nw.sUserName[0] == u'a' && nw.sUserName[5] == 0);
    FreeContextBuffer(nw.sUserName);
    SecPkgContext_Sizes sz;
    ASSERT_STATUS(QueryContextAttributesA(&sx, SECPKG_ATTR_SIZES, &sz), SEC_E_OK);
    ck_assert_uint_eq(sz.cbMaxToken, 4096);
    ck_assert_uint_eq(sz.cbMaxSignature, 16);
    SecPkgContext_PackageInfoA pi;
    ASSERT_STATUS(QueryContextAttributesA(&sx, SECPKG_ATTR_PACKAGE_INFO, &pi), SEC_E_OK);
    ck_assert_str_eq((char *)pi.PackageInfo->Name, "WDigest");
    FreeContextBuffer(pi.PackageInfo);
    SecPkgContext_Lifespan ls;
    ASSERT_STATUS(QueryContextAttributesA(&sx, SECPKG_ATTR_LIFESPAN, &ls), SEC_E_OK);
    ck_assert_uint_eq((uint64_t)ls.tsExpiry.QuadPart, 0x7FFFFFFFFFFFFFFFull);
    SecPkgContext_KeyInfoA ki;
    ASSERT_STATUS(QueryContextAttributesA(&sx, SECPKG_ATTR_KEY_INFO, &ki), SEC_E_OK);
    ck_assert_str_eq((char *)ki.sSignatureAlgorithmName, "MD5");
    FreeContextBuffer(ki.sSignatureAlgorithmName);
    FreeContextBuffer(ki.sEncryptAlgorithmName);
    SecPkgContext_SessionKey sk;
    ASSERT_STATUS(QueryContextAttributesA(&sx, SECPKG_ATTR_SESSION_KEY, &sk), SEC_E_OK);
    ck_assert_uint_eq(sk.SessionKeyLength, 16);
    SecPkgContext_SessionKey ck;
    ASSERT_STATUS(QueryContextAttributesA(&cx, SECPKG_ATTR_SESSION_KEY, &ck), SEC_E_OK);
    ck_assert_mem_eq(sk.SessionKey, ck.SessionKey, 16);     /* the same H(A1) */
    FreeContextBuffer(sk.SessionKey);
    FreeContextBuffer(ck.SessionKey);

    /* STATUS_LOGON_FAILURE: ASC again after establishment. */
    struct leg again;
    ASSERT_STATUS(accept_leg(&sc, &sx, false, HTTP_ASC, "x", 1, "GET", NULL, 0, BIG, &again),
                  STATUS_LOGON_FAILURE);
    DeleteSecurityContext(&cx);
    DeleteSecurityContext(&sx);
    ASSERT_STATUS(DeleteSecurityContext(&sx), SEC_E_INVALID_HANDLE);
    FreeCredentialsHandle(&cc);
    FreeCredentialsHandle(&sc);
}
END_TEST

START_TEST(http_exchange_with_password_store_sha256_and_w)
{
    CredHandle cc, sc;
    CtxtHandle cx, sx;
    SSPI_SHIM_DIGEST_SERVER_CONFIG c = config();
    c.HtdigestFile = NULL;
    c.PasswordFile = password_path;
    c.HttpAlgorithms = "SHA-256";
    ASSERT_STATUS(server_cred_with(&c, &sc), SEC_E_OK);
    SEC_WINNT_AUTH_IDENTITY_W w = {(unsigned short *)u"bob", 3, NULL, 0,
                                   (unsigned short *)u"b0b-pw", 6,
                                   SEC_WINNT_AUTH_IDENTITY_UNICODE};
    ASSERT_STATUS(AcquireCredentialsHandleW(NULL, (LPWSTR)u"WDigest", SECPKG_CRED_OUTBOUND, NULL,
                                            &w, NULL, NULL, &cc, NULL),
                  SEC_E_OK);
    struct leg s1, c1, s2;
    ASSERT_STATUS(accept_leg(&sc, &sx, true, HTTP_ASC, NULL, 0, "GET", NULL, 0, BIG, &s1),
                  SEC_I_CONTINUE_NEEDED);
    ck_assert_ptr_nonnull(strstr((char *)s1.out, "SHA-256"));
    SecBuffer in[3] = {{s1.out_len, SECBUFFER_TOKEN, s1.out},
                       {3, SECBUFFER_PKG_PARAMS, (void *)"GET"},
                       {0, SECBUFFER_PKG_PARAMS, NULL}};
    SecBufferDesc ind = {SECBUFFER_VERSION, 3, in};
    SecBuffer out = {0, SECBUFFER_TOKEN, NULL};
    SecBufferDesc outd = {SECBUFFER_VERSION, 1, &out};
    ULONG attr = 0;
    SECURITY_STATUS st = InitializeSecurityContextW(&cc, NULL, (SEC_WCHAR *)u"" URI,
                                                    HTTP_ISC | ISC_REQ_ALLOCATE_MEMORY, 0, 0,
                                                    &ind, 0, &cx, &outd, &attr, NULL);
    ck_assert(st == SEC_I_CONTINUE_NEEDED || st == SEC_E_OK);
    ck_assert(attr & ISC_RET_ALLOCATED_MEMORY);
    ck_assert_ptr_nonnull(out.pvBuffer);
    ck_assert_uint_lt(out.cbBuffer, BIG);
    memcpy(c1.out, out.pvBuffer, out.cbBuffer);
    c1.out_len = out.cbBuffer;
    c1.out[c1.out_len] = '\0';
    FreeContextBuffer(out.pvBuffer);
    ck_assert_ptr_nonnull(strstr((char *)c1.out, "algorithm=SHA-256"));
    ASSERT_STATUS(accept_leg(&sc, &sx, false, HTTP_ASC, c1.out, c1.out_len, "GET", NULL, 0, BIG,
                             &s2),
                  SEC_E_OK);
    SecPkgContext_NamesW n;
    ASSERT_STATUS(QueryContextAttributesW(&sx, SECPKG_ATTR_NAMES, &n), SEC_E_OK);
    ck_assert(n.sUserName[0] == u'b' && n.sUserName[3] == 0);
    FreeContextBuffer(n.sUserName);
    DeleteSecurityContext(&cx);
    DeleteSecurityContext(&sx);
    FreeCredentialsHandle(&cc);
    FreeCredentialsHandle(&sc);
}
END_TEST

/* SEC_WINNT_AUTH_IDENTITY_EXA with a domain: the Digest username is
 * "DOMAIN\user", and the server's NAMES gives it back as sent. */
START_TEST(domain_identity_ex_names_as_sent)
{
    CredHandle cc, sc;
    CtxtHandle cx, sx;
    SEC_WINNT_AUTH_IDENTITY_EXA ex;
    memset(&ex, 0, sizeof(ex));
    ex.Version = SEC_WINNT_AUTH_IDENTITY_VERSION;
    ex.Length = sizeof(ex);
    ex.User = (unsigned char *)"carol";
    ex.UserLength = 5;
    ex.Domain = (unsigned char *)"EXAMPLE";
    ex.DomainLength = 7;
    ex.Password = (unsigned char *)"carol-pw";
    ex.PasswordLength = 8;
    ex.Flags = SEC_WINNT_AUTH_IDENTITY_ANSI;
    ASSERT_STATUS(AcquireCredentialsHandleA(NULL, (LPSTR) "WDigest", SECPKG_CRED_OUTBOUND, NULL,
                                            &ex, NULL, NULL, &cc, NULL),
                  SEC_E_OK);
    ASSERT_STATUS(server_cred(&sc), SEC_E_OK);
    http_exchange(&cc, &sc, &cx, &sx);
    SecPkgContext_NamesA n;
    ASSERT_STATUS(QueryContextAttributesA(&sx, SECPKG_ATTR_NAMES, &n), SEC_E_OK);
    ck_assert_str_eq((char *)n.sUserName, "EXAMPLE\\carol");
    FreeContextBuffer(n.sUserName);
    ASSERT_STATUS(QueryContextAttributesA(&cx, SECPKG_ATTR_NAMES, &n), SEC_E_OK);
    ck_assert_str_eq((char *)n.sUserName, "EXAMPLE\\carol");
    FreeContextBuffer(n.sUserName);
    DeleteSecurityContext(&cx);
    DeleteSecurityContext(&sx);
    FreeCredentialsHandle(&cc);
    FreeCredentialsHandle(&sc);
}
END_TEST

/* Mutual authentication: the client checks rspauth on the final leg. */
START_TEST(client_verifies_rspauth)
{
    CredHandle cc, sc;
    CtxtHandle cx, sx;
    struct leg s1, c1, s2, c2;
    ASSERT_STATUS(client_cred("alice", NULL, "secret", &cc), SEC_E_OK);
    ASSERT_STATUS(server_cred(&sc), SEC_E_OK);
    ASSERT_STATUS(accept_leg(&sc, &sx, true, HTTP_ASC, NULL, 0, "GET", NULL, 0, BIG, &s1),
                  SEC_I_CONTINUE_NEEDED);
    ASSERT_STATUS(init_leg(&cc, &cx, true, URI, HTTP_ISC | ISC_REQ_MUTUAL_AUTH, s1.out, s1.out_len,
                           &c1),
                  SEC_I_CONTINUE_NEEDED);
    ASSERT_STATUS(accept_leg(&sc, &sx, false, HTTP_ASC, c1.out, c1.out_len, "GET", NULL, 0, BIG,
                             &s2),
                  SEC_E_OK);
    /* No CompleteAuthToken is ever needed; calling it is harmless. */
    SecBuffer b = {0, SECBUFFER_TOKEN, NULL};
    SecBufferDesc d = {SECBUFFER_VERSION, 1, &b};
    ASSERT_STATUS(CompleteAuthToken(&sx, &d), SEC_E_OK);
    char *r = strstr((char *)s2.out, "rspauth=\"");
    ck_assert_ptr_nonnull(r);
    r += 9;
    *r = (*r == '0') ? '1' : '0';       /* one digit of the proof changed */
    ASSERT_STATUS(init_leg(&cc, &cx, false, URI, HTTP_ISC, s2.out, s2.out_len, &c2),
                  SEC_E_MUTUAL_AUTH_FAILED);
    DeleteSecurityContext(&cx);
    DeleteSecurityContext(&sx);
    FreeCredentialsHandle(&cc);
    FreeCredentialsHandle(&sc);
}
END_TEST

/* The first acceptor leg, then the client's Authorization for it. */
static void response_for(CredHandle *cc, CredHandle *sc, CtxtHandle *cx, CtxtHandle *sx,
                         struct leg *resp)
{
    struct leg s1;
    ASSERT_STATUS(accept_leg(sc, sx, true, HTTP_ASC, NULL, 0, "GET", NULL, 0, BIG, &s1),
                  SEC_I_CONTINUE_NEEDED);
    SECURITY_STATUS st = init_leg(cc, cx, true, URI, HTTP_ISC, s1.out, s1.out_len, resp);
    ck_assert(st == SEC_I_CONTINUE_NEEDED || st == SEC_E_OK);
}

START_TEST(acceptor_error_codes)
{
    CredHandle good, wrong, unknown, sc;
    CtxtHandle cx, sx;
    struct leg r, s;
    ASSERT_STATUS(server_cred(&sc), SEC_E_OK);
    ASSERT_STATUS(client_cred("alice", NULL, "wrong", &wrong), SEC_E_OK);
    ASSERT_STATUS(client_cred("mallory", NULL, "secret", &unknown), SEC_E_OK);
    ASSERT_STATUS(client_cred("alice", NULL, "secret", &good), SEC_E_OK);

    /* Wrong password and unknown user: the same answer. */
    response_for(&wrong, &sc, &cx, &sx, &r);
    ASSERT_STATUS(accept_leg(&sc, &sx, false, HTTP_ASC, r.out, r.out_len, "GET", NULL, 0, BIG, &s),
                  SEC_E_LOGON_DENIED);
    /* The failure sticks. */
    ASSERT_STATUS(accept_leg(&sc, &sx, false, HTTP_ASC, r.out, r.out_len, "GET", NULL, 0, BIG, &s),
                  SEC_E_LOGON_DENIED);
    DeleteSecurityContext(&cx);
    DeleteSecurityContext(&sx);
    response_for(&unknown, &sc, &cx, &sx, &r);
    ASSERT_STATUS(accept_leg(&sc, &sx, false, HTTP_ASC, r.out, r.out_len, "GET", NULL, 0, BIG, &s),
                  SEC_E_LOGON_DENIED);
    DeleteSecurityContext(&cx);
    DeleteSecurityContext(&sx);

    /* Garbage. */
    struct leg s1;
    ASSERT_STATUS(accept_leg(&sc, &sx, true, HTTP_ASC, NULL, 0, "GET", NULL, 0, BIG, &s1),
                  SEC_I_CONTINUE_NEEDED);
    ASSERT_STATUS(accept_leg(&sc, &sx, false, HTTP_ASC, "\x01garbage,,=", 11, "GET", NULL, 0, BIG,
                             &s),
                  SEC_E_INVALID_TOKEN);
    DeleteSecurityContext(&sx);

    /* Flags Digest cannot honour: nothing is created. */
    sx.dwLower = sx.dwUpper = 0;
    ASSERT_STATUS(accept_leg(&sc, &sx, true, ASC_REQ_PROXY_BINDINGS | 0x10000000, NULL, 0, "GET",
                             NULL, 0, BIG, &s),
                  SEC_E_SECURITY_QOS_FAILED);
    ASSERT_STATUS(accept_leg(&sc, &sx, true, ASC_REQ_CONFIDENTIALITY | HTTP_ASC, NULL, 0, "GET",
                             NULL, 0, BIG, &s),
                  SEC_E_SECURITY_QOS_FAILED);
    ck_assert(sx.dwLower == 0 && sx.dwUpper == 0);
    ASSERT_STATUS(init_leg(&good, &cx, true, URI, HTTP_ISC | ISC_REQ_CONFIDENTIALITY, "x", 1, &r),
                  SEC_E_SECURITY_QOS_FAILED);

    /* Channel bindings required (HTTP through 0x01000000 | PROXY_BINDINGS):
     * the challenge goes out, but a client that does not bind (no target
     * host, as curl) is refused (draft-santesson-digestbind-01; the
     * binding cases are in http_channel_bindings). */
    struct {
        SEC_CHANNEL_BINDINGS h;
        char data[32];
    } cb;
    memset(&cb, 0, sizeof(cb));
    cb.h.cbApplicationDataLength = 32;
    cb.h.dwApplicationDataOffset = sizeof(cb.h);
    memcpy(cb.data, "tls-server-end-point:0123456789a", 32);
    sx.dwLower = sx.dwUpper = 0;
    ASSERT_STATUS(accept_leg(&sc, &sx, true, ASC_REQ_PROXY_BINDINGS | ISC_REQ_USE_HTTP_STYLE, NULL,
                             0, "GET", &cb.h, sizeof(cb), BIG, &s1),
                  SEC_I_CONTINUE_NEEDED);
    ck_assert(init_leg(&good, &cx, true, URI, HTTP_ISC, s1.out, s1.out_len, &r) >= 0);
    ck_assert_ptr_null(strstr((char *)r.out, "hashed-dirs"));
    ASSERT_STATUS(accept_leg(&sc, &sx, false, ASC_REQ_PROXY_BINDINGS | ISC_REQ_USE_HTTP_STYLE,
                             r.out, r.out_len, "GET", &cb.h, sizeof(cb), BIG, &s),
                  SEC_E_BAD_BINDINGS);
    DeleteSecurityContext(&cx);
    DeleteSecurityContext(&sx);
    /* Bindings given but not required: the exchange works. */
    ASSERT_STATUS(accept_leg(&sc, &sx, true, HTTP_ASC, NULL, 0, "GET", &cb.h, sizeof(cb), BIG,
                             &s1),
                  SEC_I_CONTINUE_NEEDED);
    ck_assert(init_leg(&good, &cx, true, URI, HTTP_ISC, s1.out, s1.out_len, &r) >= 0);
    ASSERT_STATUS(accept_leg(&sc, &sx, false, HTTP_ASC, r.out, r.out_len, "GET", &cb.h,
                             sizeof(cb), BIG, &s),
                  SEC_E_OK);
    DeleteSecurityContext(&cx);
    DeleteSecurityContext(&sx);

    /* An outbound credential given to ASC. */
    ASSERT_STATUS(accept_leg(&good, &sx, true, HTTP_ASC, NULL, 0, "GET", NULL, 0, BIG, &s),
                  SEC_E_NO_CREDENTIALS);
    /* A freed credential. */
    FreeCredentialsHandle(&wrong);
    ASSERT_STATUS(init_leg(&wrong, &cx, true, URI, HTTP_ISC, "x", 1, &r), SEC_E_INVALID_HANDLE);
    FreeCredentialsHandle(&unknown);
    FreeCredentialsHandle(&good);
    FreeCredentialsHandle(&sc);
}
END_TEST

START_TEST(buffers_too_small_and_allocated)
{
    CredHandle cc, sc;
    CtxtHandle cx, sx;
    struct leg s, r;
    ASSERT_STATUS(server_cred(&sc), SEC_E_OK);
    ASSERT_STATUS(client_cred("alice", NULL, "secret", &cc), SEC_E_OK);
    /* First leg, 8 bytes: nothing is created, the caller starts again. */
    sx.dwLower = sx.dwUpper = 0;
    ASSERT_STATUS(accept_leg(&sc, &sx, true, HTTP_ASC, NULL, 0, "GET", NULL, 0, 8, &s),
                  SEC_E_BUFFER_TOO_SMALL);
    ck_assert(sx.dwLower == 0 && sx.dwUpper == 0);
    response_for(&cc, &sc, &cx, &sx, &r);
    /* Later leg, too small: the context keeps the token for a retry. */
    ASSERT_STATUS(accept_leg(&sc, &sx, false, HTTP_ASC, r.out, r.out_len, "GET", NULL, 0, 8, &s),
                  SEC_E_BUFFER_TOO_SMALL);
    ASSERT_STATUS(accept_leg(&sc, &sx, false, HTTP_ASC, r.out, r.out_len, "GET", NULL, 0, BIG, &s),
                  SEC_E_OK);
    ck_assert_ptr_nonnull(strstr((char *)s.out, "rspauth="));
    DeleteSecurityContext(&sx);
    DeleteSecurityContext(&cx);

    /* ASC_REQ_ALLOCATE_MEMORY. */
    SEC_WCHAR realm[] = u"" REALM;
    SecBuffer in[5] = {{0, SECBUFFER_TOKEN, NULL},
                       {3, SECBUFFER_PKG_PARAMS, (void *)"GET"},
                       {0, SECBUFFER_PKG_PARAMS, NULL},
                       {0, SECBUFFER_PKG_PARAMS, NULL},
                       {sizeof(realm) - 2, SECBUFFER_PKG_PARAMS, realm}};
    SecBufferDesc ind = {SECBUFFER_VERSION, 5, in};
    SecBuffer out = {0, SECBUFFER_TOKEN, NULL};
    SecBufferDesc outd = {SECBUFFER_VERSION, 1, &out};
    ULONG attr = 0;
    ASSERT_STATUS(AcceptSecurityContext(&sc, NULL, &ind, HTTP_ASC | ASC_REQ_ALLOCATE_MEMORY, 0,
                                        &sx, &outd, &attr, NULL),
                  SEC_I_CONTINUE_NEEDED);
    ck_assert(attr & ASC_RET_ALLOCATED_MEMORY);
    ck_assert_ptr_nonnull(out.pvBuffer);
    ck_assert(strncmp(out.pvBuffer, "Digest ", 7) == 0);
    FreeContextBuffer(out.pvBuffer);
    DeleteSecurityContext(&sx);
    FreeCredentialsHandle(&cc);
    FreeCredentialsHandle(&sc);
}
END_TEST

START_TEST(stale_and_foreign_nonces)
{
    static const unsigned char key1[] = "0123456789abcdef0123";
    static const unsigned char key2[] = "fedcba9876543210fedc";
    CredHandle cc, s1c, s2c, s3c;
    CtxtHandle cx, sx, sx2;
    struct leg r, s;
    SSPI_SHIM_DIGEST_SERVER_CONFIG c = config();
    c.NonceKey = key1;
    c.NonceKeyLength = 20;
    c.NonceLifetime = 1;
    ASSERT_STATUS(server_cred_with(&c, &s1c), SEC_E_OK);
    c.NonceLifetime = 0;
    ASSERT_STATUS(server_cred_with(&c, &s2c), SEC_E_OK);       /* same key */
    c.NonceKey = key2;
    ASSERT_STATUS(server_cred_with(&c, &s3c), SEC_E_OK);       /* another key */
    ASSERT_STATUS(client_cred("alice", NULL, "secret", &cc), SEC_E_OK);

    /* Another server sharing the key accepts the response as its first leg. */
    response_for(&cc, &s1c, &cx, &sx, &r);
    ASSERT_STATUS(accept_leg(&s2c, &sx2, true, HTTP_ASC, r.out, r.out_len, "GET", NULL, 0, BIG, &s),
                  SEC_E_OK);
    DeleteSecurityContext(&sx2);
    /* The same response again on a new context: a replay, a failed logon;
     * nothing is created. */
    sx2.dwLower = sx2.dwUpper = 0;
    ASSERT_STATUS(accept_leg(&s2c, &sx2, true, HTTP_ASC, r.out, r.out_len, "GET", NULL, 0, BIG, &s),
                  SEC_E_LOGON_DENIED);
    ck_assert(sx2.dwLower == 0 && sx2.dwUpper == 0);
    /* A server with another key: a nonce it never issued. */
    ASSERT_STATUS(accept_leg(&s3c, &sx2, true, HTTP_ASC, r.out, r.out_len, "GET", NULL, 0, BIG, &s),
                  SEC_E_INVALID_TOKEN);
    /* After the nonce lifetime: a new challenge with stale=true. */
    sleep(2);
    ASSERT_STATUS(accept_leg(&s1c, &sx, false, HTTP_ASC, r.out, r.out_len, "GET", NULL, 0, BIG, &s),
                  SEC_I_CONTINUE_NEEDED);
    ck_assert_msg(strstr((char *)s.out, "stale=true") != NULL, "%s", s.out);
    DeleteSecurityContext(&sx);
    DeleteSecurityContext(&cx);
    FreeCredentialsHandle(&cc);
    FreeCredentialsHandle(&s1c);
    FreeCredentialsHandle(&s2c);
    FreeCredentialsHandle(&s3c);
}
END_TEST

static void write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    require(f != NULL, path);
    fputs(text, f);
    require(fclose(f) == 0, path);
}

/* The configuration file (docs/configuration.md): the user store and a
 * nonce key file shared by two credentials, as two server processes would
 * share it; the environment overrides the file; an edit is seen at the
 * next acquisition; an unusable key file is no credential. */
START_TEST(configuration_file_user_store_and_nonce_key)
{
    char conf[300], key[300], text[800];
    CredHandle cc, s1c, s2c, s3c;
    CtxtHandle cx, sx, sx2;
    struct leg r, s;
    snprintf(conf, sizeof(conf), "%s/sspi-shim.conf", store_dir);
    snprintf(key, sizeof(key), "%s/nonce.key", store_dir);
    write_text(key, "0123456789abcdef01234567\n");
    snprintf(text, sizeof(text),
             "# sspi-shim settings\n[credssp]\nusers = /nonexistent\n\n"
             "[ Digest ]\n  Users =  %s  \nnonce_key_file = %s\n", htdigest_path, key);
    write_text(conf, text);
    setenv("SSPI_SHIM_CONFIG", conf, 1);
    unsetenv("SSPI_SHIM_DIGEST_USERS");
    unsetenv("SSPI_SHIM_DIGEST_NONCE_KEY_FILE");

    ASSERT_STATUS(AcquireCredentialsHandleA(NULL, (LPSTR) "WDigest", SECPKG_CRED_INBOUND, NULL,
                                            NULL, NULL, NULL, &s1c, NULL),
                  SEC_E_OK);
    ASSERT_STATUS(AcquireCredentialsHandleA(NULL, (LPSTR) "WDigest", SECPKG_CRED_INBOUND, NULL,
                                            NULL, NULL, NULL, &s2c, NULL),
                  SEC_E_OK);
    ASSERT_STATUS(client_cred("alice", NULL, "secret", &cc), SEC_E_OK);
    /* s2c verifies the nonce s1c issued: both hold the file's key (two
     * random keys would give SEC_E_INVALID_TOKEN, a foreign nonce). */
    response_for(&cc, &s1c, &cx, &sx, &r);
    ASSERT_STATUS(accept_leg(&s2c, &sx2, true, HTTP_ASC, r.out, r.out_len, "GET", NULL, 0, BIG, &s),
                  SEC_E_OK);
    DeleteSecurityContext(&sx2);
    DeleteSecurityContext(&sx);
    DeleteSecurityContext(&cx);

    /* Another key file through the environment: the same response is a
     * nonce this server never issued. */
    char other[300];
    snprintf(other, sizeof(other), "%s/other.key", store_dir);
    write_text(other, "fedcba9876543210fedcba98\n");
    setenv("SSPI_SHIM_DIGEST_NONCE_KEY_FILE", other, 1);
    ASSERT_STATUS(AcquireCredentialsHandleA(NULL, (LPSTR) "WDigest", SECPKG_CRED_INBOUND, NULL,
                                            NULL, NULL, NULL, &s3c, NULL),
                  SEC_E_OK);
    ASSERT_STATUS(accept_leg(&s3c, &sx2, true, HTTP_ASC, r.out, r.out_len, "GET", NULL, 0, BIG, &s),
                  SEC_E_INVALID_TOKEN);
    FreeCredentialsHandle(&s3c);
    /* A key file too short to be a key: no credential, not a weak key. */
    write_text(other, "short\n");
    ASSERT_STATUS(AcquireCredentialsHandleA(NULL, (LPSTR) "WDigest", SECPKG_CRED_INBOUND, NULL,
                                            NULL, NULL, NULL, &s3c, NULL),
                  SEC_E_NO_CREDENTIALS);
    unsetenv("SSPI_SHIM_DIGEST_NONCE_KEY_FILE");

    /* A variable set to "" overrides the file's user store. */
    setenv("SSPI_SHIM_DIGEST_USERS", "", 1);
    ASSERT_STATUS(AcquireCredentialsHandleA(NULL, (LPSTR) "WDigest", SECPKG_CRED_INBOUND, NULL,
                                            NULL, NULL, NULL, &s3c, NULL),
                  SEC_E_NO_CREDENTIALS);
    unsetenv("SSPI_SHIM_DIGEST_USERS");
    /* The file edited while the process runs: no user store any more. */
    write_text(conf, "[digest]\n# users = none\n");
    ASSERT_STATUS(AcquireCredentialsHandleA(NULL, (LPSTR) "WDigest", SECPKG_CRED_INBOUND, NULL,
                                            NULL, NULL, NULL, &s3c, NULL),
                  SEC_E_NO_CREDENTIALS);
    unsetenv("SSPI_SHIM_CONFIG");
    unlink(conf);
    unlink(key);
    unlink(other);
    FreeCredentialsHandle(&cc);
    FreeCredentialsHandle(&s1c);
    FreeCredentialsHandle(&s2c);
}
END_TEST

/* curl's later request: TOKEN empty, method, URI, empty, PADDING(out). */
static SECURITY_STATUS sign_request(CtxtHandle *cx, const char *method, char *out, ULONG *len)
{
    SecBuffer b[5] = {
        {0, SECBUFFER_TOKEN, NULL},
        {(ULONG)strlen(method), SECBUFFER_PKG_PARAMS, (void *)method},
        {strlen(URI), SECBUFFER_PKG_PARAMS, (void *)URI},
        {0, SECBUFFER_PKG_PARAMS, NULL},
        {*len, SECBUFFER_PADDING, out},
    };
    SecBufferDesc d = {SECBUFFER_VERSION, 5, b};
    SECURITY_STATUS st = MakeSignature(cx, 0, &d, 0);
    *len = b[4].cbBuffer;
    if (st == SEC_E_OK)
        out[*len] = '\0';
    return st;
}

static SECURITY_STATUS verify_request(CtxtHandle *sx, const char *method, const char *auth,
                                      ULONG len)
{
    SecBuffer b[4] = {
        {len, SECBUFFER_TOKEN, (void *)auth},
        {(ULONG)strlen(method), SECBUFFER_PKG_PARAMS, (void *)method},
        {0, SECBUFFER_PKG_PARAMS, NULL},
        {0, SECBUFFER_PKG_PARAMS, NULL},
    };
    SecBufferDesc d = {SECBUFFER_VERSION, 4, b};
    return VerifySignature(sx, &d, 0, NULL);
}

START_TEST(later_http_requests_follow_nc)
{
    CredHandle cc, sc;
    CtxtHandle cx, sx;
    ASSERT_STATUS(client_cred("alice", NULL, "secret", &cc), SEC_E_OK);
    ASSERT_STATUS(server_cred(&sc), SEC_E_OK);
    http_exchange(&cc, &sc, &cx, &sx);
    char a2[BIG], a3[BIG];
    ULONG l2 = BIG - 1, l3 = BIG - 1, tiny = 4;
    /* Too small: the retry gets the same value, no nonce count is lost. */
    ASSERT_STATUS(sign_request(&cx, "GET", a2, &tiny), SEC_E_BUFFER_TOO_SMALL);
    ASSERT_STATUS(sign_request(&cx, "GET", a2, &l2), SEC_E_OK);
    ck_assert_msg(strstr(a2, "nc=00000002") != NULL, "%s", a2);
    ASSERT_STATUS(verify_request(&sx, "GET", a2, l2), SEC_E_OK);
    /* The same Authorization twice. */
    ASSERT_STATUS(verify_request(&sx, "GET", a2, l2), SEC_E_OUT_OF_SEQUENCE);
    ASSERT_STATUS(sign_request(&cx, "GET", a3, &l3), SEC_E_OK);
    ck_assert_ptr_nonnull(strstr(a3, "nc=00000003"));
    /* Another method than the one signed: the response does not verify. */
    ASSERT_STATUS(verify_request(&sx, "POST", a3, l3), SEC_E_MESSAGE_ALTERED);
    /* A skipped count (nc 4 while 3 is due) is out of sequence too. */
    char a4[BIG], a5[BIG];
    ULONG l4 = BIG - 1, l5 = BIG - 1;
    ASSERT_STATUS(sign_request(&cx, "GET", a4, &l4), SEC_E_OK);
    ASSERT_STATUS(sign_request(&cx, "GET", a5, &l5), SEC_E_OK);
    ck_assert_ptr_nonnull(strstr(a5, "nc=00000005"));
    ASSERT_STATUS(verify_request(&sx, "GET", a5, l5), SEC_E_OUT_OF_SEQUENCE);
    DeleteSecurityContext(&cx);
    DeleteSecurityContext(&sx);
    FreeCredentialsHandle(&cc);
    FreeCredentialsHandle(&sc);
}
END_TEST

/* ------------------------------------------------- channel bindings */
/* draft-santesson-digestbind-01 through SECBUFFER_CHANNEL_BINDINGS: ISC
 * buffer 4 (after the target host, the 3rd PKG_PARAMS) and ASC buffer 5. */

#define CBT_SPN "HTTP/www.example.org"
#define CBT_REQUIRE (ASC_REQ_PROXY_BINDINGS | ISC_REQ_USE_HTTP_STYLE)

struct cbt {
    SEC_CHANNEL_BINDINGS h;
    char data[40];
};

static void cbt_make(struct cbt *cb, const char *app)
{
    memset(cb, 0, sizeof(*cb));
    cb->h.cbApplicationDataLength = (ULONG)strlen(app);
    cb->h.dwApplicationDataOffset = sizeof(cb->h);
    memcpy(cb->data, app, strlen(app));
}

/* ISC as a Windows HTTP client binding to TLS: 0 TOKEN challenge, 1 method,
 * 2 H(entity), 3 target host (the SPN), 4 channel bindings. */
static SECURITY_STATUS init_leg_bound(CredHandle *cc, CtxtHandle *cx, const char *spn,
                                      const struct cbt *cb, const void *tok, ULONG tok_len,
                                      struct leg *leg)
{
    SecBuffer in[5] = {
        {tok_len, SECBUFFER_TOKEN, (void *)tok},
        {3, SECBUFFER_PKG_PARAMS, (void *)"GET"},
        {0, SECBUFFER_PKG_PARAMS, NULL},
        {spn ? (ULONG)strlen(spn) : 0, SECBUFFER_PKG_PARAMS, (void *)spn},
        {cb ? (ULONG)sizeof(cb->h) + cb->h.cbApplicationDataLength : 0,
         SECBUFFER_CHANNEL_BINDINGS | SECBUFFER_READONLY, (void *)cb},
    };
    SecBufferDesc ind = {SECBUFFER_VERSION, cb ? 5 : 4, in};
    SecBuffer out = {BIG, SECBUFFER_TOKEN, leg->out};
    SecBufferDesc outd = {SECBUFFER_VERSION, 1, &out};
    leg->attr = 0;
    SECURITY_STATUS st = InitializeSecurityContextA(cc, NULL, (SEC_CHAR *)URI, HTTP_ISC, 0, 0,
                                                    &ind, 0, cx, &outd, &leg->attr, &leg->expiry);
    leg->out_len = out.cbBuffer;
    if (leg->out_len < BIG)
        leg->out[leg->out_len] = '\0';
    return st;
}

/* One exchange: the client binds with ccb (NULL: none), tamper may change
 * its Authorization, the server accepts with scb under asc_req.  On
 * SEC_E_OK a later request (MakeSignature / VerifySignature) keeps the
 * binding.  *auth: the Authorization. */
static SECURITY_STATUS cbt_exchange(const struct cbt *ccb, const struct cbt *scb, ULONG asc_req,
                                    void (*tamper)(char *), char auth[BIG])
{
    CredHandle cc, sc;
    CtxtHandle cx, sx;
    struct leg s1, c1, s2;
    ULONG scb_len = scb ? (ULONG)sizeof(scb->h) + scb->h.cbApplicationDataLength : 0;
    ASSERT_STATUS(client_cred("alice", NULL, "secret", &cc), SEC_E_OK);
    ASSERT_STATUS(server_cred(&sc), SEC_E_OK);
    const SEC_CHANNEL_BINDINGS *sh = scb ? &scb->h : NULL;
    ASSERT_STATUS(accept_leg(&sc, &sx, true, asc_req, NULL, 0, "GET", sh, scb_len, BIG, &s1),
                  SEC_I_CONTINUE_NEEDED);
    ck_assert_msg(strstr((char *)s1.out, "nonce=\"+Upgraded+") != NULL, "%s", s1.out);
    /* as curl: the challenge without its scheme; no mutual authentication */
    ASSERT_STATUS(init_leg_bound(&cc, &cx, CBT_SPN, ccb, s1.out + 7, s1.out_len - 7, &c1),
                  SEC_E_OK);
    if (tamper)
        tamper((char *)c1.out);
    snprintf(auth, BIG, "%s", (char *)c1.out);
    SECURITY_STATUS st = accept_leg(&sc, &sx, false, asc_req, c1.out, c1.out_len, "GET", sh,
                                    scb_len, BIG, &s2);
    if (st == SEC_E_OK) {
        char a2[BIG];
        ULONG l2 = BIG - 1;
        ASSERT_STATUS(sign_request(&cx, "GET", a2, &l2), SEC_E_OK);
        ck_assert_msg(strstr(a2, "nc=00000002") != NULL, "%s", a2);
        ck_assert_int_eq(strstr(a2, "hashed-dirs=") != NULL, strstr(auth, "hashed-dirs=") != NULL);
        ASSERT_STATUS(verify_request(&sx, "GET", a2, l2), SEC_E_OK);
    }
    DeleteSecurityContext(&cx);
    DeleteSecurityContext(&sx);
    FreeCredentialsHandle(&cc);
    FreeCredentialsHandle(&sc);
    return st;
}

static void tamper_channel_binding(char *auth)
{
    char *p = strstr(auth, "channel-binding=\"");
    ck_assert_ptr_nonnull(p);
    p += 17;
    *p = *p == 'a' ? 'b' : 'a';
}

START_TEST(http_channel_bindings)
{
    struct cbt a, b;
    char auth[BIG];
    cbt_make(&a, "tls-server-end-point:client-and-server");
    cbt_make(&b, "tls-server-end-point:another-channel!!");
    const ULONG policies[2] = {HTTP_ASC, CBT_REQUIRE};
    for (int i = 0; i < 2; i++) {
        ULONG req = policies[i];
        bool require = req == CBT_REQUIRE;
        /* the same channel on both sides */
        ASSERT_STATUS(cbt_exchange(&a, &a, req, NULL, auth), SEC_E_OK);
        ck_assert_msg(strstr(auth, "hashed-dirs=\"service-name,channel-binding\"") != NULL,
                      "%s", auth);
        ck_assert_ptr_nonnull(strstr(auth, "service-name=\"" CBT_SPN "\""));
        ck_assert_ptr_nonnull(strstr(auth, "cnonce=\"+Upgraded+v1"));
        ck_assert_ptr_null(strstr(auth, "channel-binding=\"00000000000000000000000000000000\""));
        /* another channel */
        ASSERT_STATUS(cbt_exchange(&a, &b, req, NULL, auth), SEC_E_BAD_BINDINGS);
        /* the client has no bindings, the server has */
        ASSERT_STATUS(cbt_exchange(NULL, &a, req, NULL, auth),
                      require ? SEC_E_BAD_BINDINGS : SEC_E_OK);
        ck_assert_ptr_nonnull(strstr(auth, "channel-binding=\"00000000000000000000000000000000\""));
        /* the client has bindings, the server none: a proxy checked them
         * only when the server requires bindings */
        ASSERT_STATUS(cbt_exchange(&a, NULL, req, NULL, auth),
                      require ? SEC_E_OK : SEC_E_BAD_BINDINGS);
        /* a changed channel-binding no longer matches the cnonce */
        ASSERT_STATUS(cbt_exchange(&a, &a, req, tamper_channel_binding, auth),
                      SEC_E_BAD_BINDINGS);
        ASSERT_STATUS(cbt_exchange(&a, NULL, req, tamper_channel_binding, auth),
                      SEC_E_BAD_BINDINGS);
    }
}
END_TEST

/* curl never gives the Authentication-Info back: its next request signs
 * on the context right after the response. */
START_TEST(curl_flow_signs_before_rspauth)
{
    CredHandle cc, sc;
    CtxtHandle cx, sx;
    struct leg s1, r, s;
    ASSERT_STATUS(client_cred("alice", NULL, "secret", &cc), SEC_E_OK);
    ASSERT_STATUS(server_cred(&sc), SEC_E_OK);
    ASSERT_STATUS(accept_leg(&sc, &sx, true, HTTP_ASC, NULL, 0, "GET", NULL, 0, BIG, &s1),
                  SEC_I_CONTINUE_NEEDED);
    /* curl's flags: ISC_REQ_USE_HTTP_STYLE alone, no mutual authentication. */
    /* Without ISC_REQ_MUTUAL_AUTH the response is the last leg: SEC_E_OK,
     * as Windows' WDigest answers curl.  curl (lib/vauth/digest_sspi.c)
     * cuts "Digest " off the challenge before passing it. */
    ck_assert(strncmp((char *)s1.out, "Digest ", 7) == 0);
    ASSERT_STATUS(init_leg(&cc, &cx, true, URI, HTTP_ISC, s1.out + 7, s1.out_len - 7, &r),
                  SEC_E_OK);
    ck_assert_msg(strncmp((char *)r.out, "username=", 9) == 0, "Authorization: %s", r.out);
    FreeCredentialsHandle(&cc);         /* as curl does: the context keeps it */
    ASSERT_STATUS(accept_leg(&sc, &sx, false, HTTP_ASC, r.out, r.out_len, "GET", NULL, 0, BIG, &s),
                  SEC_E_OK);
    char a2[BIG];
    ULONG l2 = BIG - 1;
    ASSERT_STATUS(sign_request(&cx, "GET", a2, &l2), SEC_E_OK);
    ck_assert_ptr_nonnull(strstr(a2, "nc=00000002"));
    ASSERT_STATUS(verify_request(&sx, "GET", a2, l2), SEC_E_OK);
    /* A server context cannot sign, a client context cannot verify. */
    ULONG l3 = BIG - 1;
    ASSERT_STATUS(sign_request(&sx, "GET", a2, &l3), SEC_E_UNSUPPORTED_FUNCTION);
    DeleteSecurityContext(&cx);
    DeleteSecurityContext(&sx);
    FreeCredentialsHandle(&sc);
}
END_TEST

/* ------------------------------------------------------------ SASL */

#define SASL_REQ (ISC_REQ_MUTUAL_AUTH | ISC_REQ_INTEGRITY | ISC_REQ_CONFIDENTIALITY)
#define SASL_ASC (ASC_REQ_INTEGRITY | ASC_REQ_CONFIDENTIALITY)

static void sasl_exchange(CredHandle *cc, CredHandle *sc, CtxtHandle *cx, CtxtHandle *sx)
{
    struct leg c0, s1, c1, s2, c2;
    /* First call without input: continue, empty token (RFC 2831 2.1: the
     * server speaks first). */
    SecBuffer out = {BIG, SECBUFFER_TOKEN, c0.out};
    SecBufferDesc outd = {SECBUFFER_VERSION, 1, &out};
    ULONG attr;
    ASSERT_STATUS(InitializeSecurityContextA(cc, NULL, (SEC_CHAR *)"ldap/host.example.org",
                                             SASL_REQ, 0, 0, NULL, 0, cx, &outd, &attr, NULL),
                  SEC_I_CONTINUE_NEEDED);
    ck_assert_uint_eq(out.cbBuffer, 0);
    ASSERT_STATUS(accept_leg(sc, sx, true, SASL_ASC, NULL, 0, NULL, NULL, 0, BIG, &s1),
                  SEC_I_CONTINUE_NEEDED);
    ck_assert_msg(strstr((char *)s1.out, "nonce=") != NULL && strncmp((char *)s1.out, "Digest", 6),
                  "SASL challenge: %s", s1.out);
    ASSERT_STATUS(init_leg(cc, cx, false, NULL, SASL_REQ, s1.out, s1.out_len, &c1),
                  SEC_I_CONTINUE_NEEDED);
    ck_assert_ptr_nonnull(strstr((char *)c1.out, "digest-uri=\"ldap/host.example.org\""));
    ASSERT_STATUS(accept_leg(sc, sx, false, SASL_ASC, c1.out, c1.out_len, NULL, NULL, 0, BIG, &s2),
                  SEC_E_OK);
    ck_assert_ptr_nonnull(strstr((char *)s2.out, "rspauth="));
    ASSERT_STATUS(init_leg(cc, cx, false, NULL, SASL_REQ, s2.out, s2.out_len, &c2), SEC_E_OK);
    ck_assert(c2.attr & ISC_RET_CONFIDENTIALITY);
}

START_TEST(sasl_exchange_and_security_layer)
{
    CredHandle cc, sc;
    CtxtHandle cx, sx;
    ASSERT_STATUS(client_cred("alice", NULL, "secret", &cc), SEC_E_OK);
    ASSERT_STATUS(server_cred(&sc), SEC_E_OK);
    sasl_exchange(&cc, &sc, &cx, &sx);

    SecPkgContext_Sizes sz;
    ASSERT_STATUS(QueryContextAttributesA(&cx, SECPKG_ATTR_SIZES, &sz), SEC_E_OK);
    ck_assert_uint_ge(sz.cbSecurityTrailer, 16);

    /* EncryptMessage both ways: TOKEN / DATA / PADDING. */
    for (int dir = 0; dir < 2; dir++) {
        CtxtHandle *from = dir ? &sx : &cx, *to = dir ? &cx : &sx;
        char msg[] = "a message of the application";
        char data[sizeof(msg)];
        unsigned char token[64], pad[16];
        memcpy(data, msg, sizeof(msg));
        SecBuffer b[3] = {{sizeof(token), SECBUFFER_TOKEN, token},
                          {sizeof(data), SECBUFFER_DATA, data},
                          {sizeof(pad), SECBUFFER_PADDING, pad}};
        SecBufferDesc d = {SECBUFFER_VERSION, 3, b};
        ASSERT_STATUS(EncryptMessage(from, 0, &d, 0), SEC_E_OK);
        ck_assert(memcmp(data, msg, sizeof(msg)) != 0);         /* encrypted in place */
        ck_assert_uint_le(b[0].cbBuffer, sz.cbSecurityTrailer);
        SecBuffer r[2] = {{b[1].cbBuffer, SECBUFFER_DATA, data},
                          {b[0].cbBuffer, SECBUFFER_TOKEN, token}};
        SecBufferDesc rd = {SECBUFFER_VERSION, 2, r};
        ULONG qop = 99;
        ASSERT_STATUS(DecryptMessage(to, &rd, 0, &qop), SEC_E_OK);
        ck_assert_uint_eq(qop, 0);
        ck_assert_uint_eq(r[0].cbBuffer, sizeof(msg));
        ck_assert_mem_eq(data, msg, sizeof(msg));
    }
    /* MakeSignature / VerifySignature, then a tampered message. */
    char text[] = "signed text";
    unsigned char sig[32];
    SecBuffer b[2] = {{sizeof(text), SECBUFFER_DATA, text}, {sizeof(sig), SECBUFFER_TOKEN, sig}};
    SecBufferDesc d = {SECBUFFER_VERSION, 2, b};
    ASSERT_STATUS(MakeSignature(&cx, 0, &d, 0), SEC_E_OK);
    ck_assert_uint_eq(b[1].cbBuffer, 16);
    ASSERT_STATUS(VerifySignature(&sx, &d, 0, NULL), SEC_E_OK);
    ASSERT_STATUS(MakeSignature(&cx, 0, &d, 0), SEC_E_OK);
    text[0] ^= 1;
    ASSERT_STATUS(VerifySignature(&sx, &d, 0, NULL), SEC_E_MESSAGE_ALTERED);

    SecPkgContext_KeyInfoA ki;
    ASSERT_STATUS(QueryContextAttributesA(&sx, SECPKG_ATTR_KEY_INFO, &ki), SEC_E_OK);
    ck_assert_uint_gt(ki.KeySize, 0);
    FreeContextBuffer(ki.sSignatureAlgorithmName);
    FreeContextBuffer(ki.sEncryptAlgorithmName);
    SecPkgContext_Flags fl;
    ASSERT_STATUS(QueryContextAttributesA(&sx, SECPKG_ATTR_FLAGS, &fl), SEC_E_OK);
    ck_assert(fl.Flags & ASC_RET_CONFIDENTIALITY);
    DeleteSecurityContext(&cx);
    DeleteSecurityContext(&sx);
    FreeCredentialsHandle(&cc);
    FreeCredentialsHandle(&sc);
}
END_TEST

/* curl's SASL DIGEST-MD5 (lib/vauth/digest_sspi.c): the first
 * InitializeSecurityContext call already carries the challenge, flags 0;
 * then an integrity-only layer through EncryptMessage(SECQOP_WRAP_NO_ENCRYPT). */
START_TEST(sasl_curl_style_and_integrity_layer)
{
    CredHandle cc, sc;
    CtxtHandle cx, sx;
    struct leg s1, c1, s2, c2;
    ASSERT_STATUS(client_cred("alice", NULL, "secret", &cc), SEC_E_OK);
    ASSERT_STATUS(server_cred(&sc), SEC_E_OK);
    ASSERT_STATUS(accept_leg(&sc, &sx, true, ASC_REQ_INTEGRITY, NULL, 0, NULL, NULL, 0, BIG, &s1),
                  SEC_I_CONTINUE_NEEDED);
    SecBuffer in = {s1.out_len, SECBUFFER_TOKEN, s1.out};
    SecBufferDesc ind = {SECBUFFER_VERSION, 1, &in};
    SecBuffer out = {BIG, SECBUFFER_TOKEN, c1.out};
    SecBufferDesc outd = {SECBUFFER_VERSION, 1, &out};
    ULONG attr;
    SECURITY_STATUS st = InitializeSecurityContextA(&cc, NULL, (SEC_CHAR *)"imap/mail.example.org",
                                                    ISC_REQ_INTEGRITY, 0, 0, &ind, 0, &cx, &outd,
                                                    &attr, NULL);
    ck_assert_msg(st == SEC_I_CONTINUE_NEEDED || st == SEC_E_OK, "0x%08x %s", (unsigned)st,
                  SspiShimLastErrorMessage());
    c1.out_len = out.cbBuffer;
    ck_assert_msg(memmem(c1.out, c1.out_len, "qop=auth-int", 12) != NULL, "%.*s",
                  (int)c1.out_len, c1.out);
    ASSERT_STATUS(accept_leg(&sc, &sx, false, ASC_REQ_INTEGRITY, c1.out, c1.out_len, NULL, NULL, 0,
                             BIG, &s2),
                  SEC_E_OK);
    if (st == SEC_I_CONTINUE_NEEDED)
        ASSERT_STATUS(init_leg(&cc, &cx, false, NULL, ISC_REQ_INTEGRITY, s2.out, s2.out_len, &c2),
                      SEC_E_OK);

    char msg[] = "integrity only";
    char data[sizeof(msg)];
    unsigned char token[64];
    memcpy(data, msg, sizeof(msg));
    SecBuffer b[2] = {{sizeof(token), SECBUFFER_TOKEN, token}, {sizeof(data), SECBUFFER_DATA, data}};
    SecBufferDesc d = {SECBUFFER_VERSION, 2, b};
    ASSERT_STATUS(EncryptMessage(&cx, SECQOP_WRAP_NO_ENCRYPT, &d, 0), SEC_E_OK);
    ck_assert_mem_eq(data, msg, sizeof(msg));          /* not encrypted */
    ck_assert_uint_eq(b[0].cbBuffer, 16);               /* HMAC, 0x0001, seq */
    SecBuffer r[2] = {{sizeof(data), SECBUFFER_DATA, data}, {16, SECBUFFER_TOKEN, token}};
    SecBufferDesc rd = {SECBUFFER_VERSION, 2, r};
    ULONG qop = 0;
    ASSERT_STATUS(DecryptMessage(&sx, &rd, 0, &qop), SEC_E_OK);
    ck_assert_uint_eq(qop, SECQOP_WRAP_NO_ENCRYPT);
    ck_assert_mem_eq(data, msg, sizeof(msg));
    /* The same frame again: its sequence number was used. */
    r[0].cbBuffer = sizeof(data);
    ck_assert(DecryptMessage(&sx, &rd, 0, &qop) < 0);
    /* Too small a TOKEN is refused before a sequence number is spent. */
    b[0].cbBuffer = 8;
    ASSERT_STATUS(EncryptMessage(&cx, SECQOP_WRAP_NO_ENCRYPT, &d, 0), SEC_E_BUFFER_TOO_SMALL);
    DeleteSecurityContext(&cx);
    DeleteSecurityContext(&sx);
    FreeCredentialsHandle(&cc);
    FreeCredentialsHandle(&sc);
}
END_TEST

/* ------------------------------------------------------------ main */

int main(void)
{
    int env = test_mechenv_enter();
    if (env != 0)
        return env;
    write_stores();
    probe_unregistered();               /* before this process calls GSS-API */
    /* Heimdal 7.8 crashes in gss_indicate_mechs when a registered module
     * cannot be opened (DESIGN.md), so look before asking. */
    bool built = access(DIGEST_MECH_PATH, R_OK) == 0;
    bool loaded = built && digest_mech_loaded();

    Suite *s = suite_create("wdigest");
    TCase *rules = tcase_create("rules");
    tcase_add_test(rules, package_is_listed_with_windows_values);
    tcase_add_test(rules, mode_and_flag_rules);
    tcase_add_test(rules, acceptor_buffers_become_a_framed_parameter_token);
    tcase_add_test(rules, curl_layouts_are_understood);
    tcase_add_test(rules, invalid_handles_and_null_pointers);
    tcase_add_test(rules, no_registration_is_secpkg_not_found_with_advice);
    suite_add_tcase(s, rules);
    TCase *e2e = tcase_create("end-to-end");
    tcase_set_timeout(e2e, 30);
    if (loaded) {
        tcase_add_test(e2e, credentials_rules);
        tcase_add_test(e2e, http_exchange_with_htdigest_store);
        tcase_add_test(e2e, http_exchange_with_password_store_sha256_and_w);
        tcase_add_test(e2e, acceptor_error_codes);
        tcase_add_test(e2e, client_verifies_rspauth);
        tcase_add_test(e2e, domain_identity_ex_names_as_sent);
        tcase_add_test(e2e, buffers_too_small_and_allocated);
        tcase_add_test(e2e, stale_and_foreign_nonces);
        tcase_add_test(e2e, configuration_file_user_store_and_nonce_key);
        tcase_add_test(e2e, later_http_requests_follow_nc);
        tcase_add_test(e2e, http_channel_bindings);
        tcase_add_test(e2e, curl_flow_signs_before_rspauth);
        tcase_add_test(e2e, sasl_exchange_and_security_layer);
        tcase_add_test(e2e, sasl_curl_style_and_integrity_layer);
    } else if (built) {
        fprintf(stderr, "SKIP end-to-end WDigest tests: the GSS library does not load the "
                        "Digest mechanism %s (%s)\n", DIGEST_MECH_PATH,
                test_mechenv_config() ? test_mechenv_config() : "no private mech file");
        tcase_add_test(e2e, unregistered_mechanism_is_secpkg_not_found);
    } else {
        fprintf(stderr, "SKIP end-to-end WDigest tests and the unregistered-mechanism test: "
                        "%s was not built\n", DIGEST_MECH_PATH);
    }
    suite_add_tcase(s, e2e);

    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    remove_stores();
    return failed == 0 ? 0 : 1;
}
