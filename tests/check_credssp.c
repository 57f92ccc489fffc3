/*
 * The "CredSSP" package through the SSPI API: a shim client and a shim
 * server in one process, Kerberos (through SPNEGO) inside, against the
 * test realm's KDC; the CredSSP mechanism is registered for this process
 * by tests/mechenv.  Covers the CredSSP ISC/ASC pages' rules that a
 * loopback pair can show: delegation with and without ISC_REQ_DELEGATE,
 * the delegation policy, a wrong password, SEC_E_INCOMPLETE_MESSAGE with
 * SECBUFFER_MISSING for a cut TLS record, the acceptor's SECPKG_ATTR_CREDS,
 * and EncryptMessage/DecryptMessage as TLS records.
 */
#include "config.h"

#include <check.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mechenv.h"
#include "realm.h"
#include "sspi.h"
#include "sspi_shim.h"
#include "suite.h"

#define TARGET "TERMSRV/localhost"
#define BIG 65536

static struct test_realm realm;

static SEC_WINNT_AUTH_IDENTITY_A identity(const char *user, const char *password)
{
    SEC_WINNT_AUTH_IDENTITY_A id;
    memset(&id, 0, sizeof(id));
    id.User = (unsigned char *)user;
    id.UserLength = (ULONG)strlen(user);
    id.Domain = (unsigned char *)realm.realm;
    id.DomainLength = (ULONG)strlen(realm.realm);
    id.Password = (unsigned char *)password;
    id.PasswordLength = (ULONG)strlen(password);
    id.Flags = SEC_WINNT_AUTH_IDENTITY_ANSI;
    return id;
}

static SECURITY_STATUS client_cred(const char *password, bool wrap_in_credssp_cred, CredHandle *out)
{
    SEC_WINNT_AUTH_IDENTITY_A id = identity(TEST_REALM_ALICE, password);
    CREDSSP_CRED cc = {CredsspPasswordCreds, NULL, &id};
    TimeStamp expiry;
    return AcquireCredentialsHandleA(NULL, "CredSSP", SECPKG_CRED_OUTBOUND, NULL,
                                     wrap_in_credssp_cred ? (void *)&cc : (void *)&id, NULL,
                                     NULL, out, &expiry);
}

static SECURITY_STATUS server_cred(CredHandle *out)
{
    TimeStamp expiry;
    return AcquireCredentialsHandleA(NULL, "CREDSSP", SECPKG_CRED_INBOUND, NULL, NULL, NULL, NULL,
                                     out, &expiry);
}

struct pair {
    CredHandle cc, sc;
    CtxtHandle cx, sx;
    bool have_cx, have_sx;
    ULONG c_attr, s_attr;
    ULONG asc_req; /* 0: ASC_REQ_CONNECTION */
    int legs;
};

/* One leg of either side; out/out_len the token to send. */
static SECURITY_STATUS client_leg(struct pair *p, const char *target, ULONG req,
                                  unsigned char *in, ULONG in_len, unsigned char *out,
                                  ULONG *out_len)
{
    SecBuffer ib[2] = {{in_len, SECBUFFER_TOKEN, in}, {0, SECBUFFER_EMPTY, NULL}};
    SecBuffer ob = {BIG, SECBUFFER_TOKEN, out};
    SecBufferDesc id = {SECBUFFER_VERSION, 2, ib}, od = {SECBUFFER_VERSION, 1, &ob};
    TimeStamp t;
    SECURITY_STATUS st = InitializeSecurityContextA(
        &p->cc, p->have_cx ? &p->cx : NULL, (SEC_CHAR *)target, req, 0, SECURITY_NATIVE_DREP,
        p->have_cx ? &id : NULL, 0, &p->cx, &od, &p->c_attr, &t);
    if (st >= 0)
        p->have_cx = true;
    *out_len = ob.cbBuffer;
    return st;
}

static SECURITY_STATUS server_leg(struct pair *p, unsigned char *in, ULONG in_len,
                                  unsigned char *out, ULONG *out_len)
{
    SecBuffer ib[2] = {{in_len, SECBUFFER_TOKEN, in}, {0, SECBUFFER_EMPTY, NULL}};
    SecBuffer ob = {BIG, SECBUFFER_TOKEN, out};
    SecBufferDesc id = {SECBUFFER_VERSION, 2, ib}, od = {SECBUFFER_VERSION, 1, &ob};
    TimeStamp t;
    SECURITY_STATUS st = AcceptSecurityContext(&p->sc, p->have_sx ? &p->sx : NULL, &id,
                                               p->asc_req ? p->asc_req : ASC_REQ_CONNECTION,
                                               SECURITY_NATIVE_DREP, &p->sx,
                                               &od, &p->s_attr, &t);
    if (st >= 0)
        p->have_sx = true;
    *out_len = ob.cbBuffer;
    return st;
}

/* Runs legs until both sides are done; returns the first failure. */
static SECURITY_STATUS run(struct pair *p, const char *target, ULONG req)
{
    static unsigned char a[BIG], b[BIG];
    ULONG alen = 0, blen = 0;
    SECURITY_STATUS cs = SEC_I_CONTINUE_NEEDED, ss = SEC_I_CONTINUE_NEEDED;
    cs = client_leg(p, target, req, NULL, 0, a, &alen);
    for (p->legs = 1; p->legs < 20; p->legs++) {
        if (cs < 0)
            return cs;
        if (alen == 0 && cs == SEC_E_OK && ss == SEC_E_OK)
            return SEC_E_OK;
        if (alen == 0)
            return SEC_E_INTERNAL_ERROR; /* a client that waits with nothing sent */
        ss = server_leg(p, a, alen, b, &blen);
        if (ss < 0)
            return ss;
        if (cs == SEC_E_OK)
            return ss == SEC_E_OK && blen == 0 ? SEC_E_OK : SEC_E_INTERNAL_ERROR;
        cs = client_leg(p, target, req, b, blen, a, &alen);
        if (cs == SEC_E_OK && alen == 0 && ss == SEC_E_OK)
            return SEC_E_OK;
    }
    return SEC_E_INTERNAL_ERROR;
}

static void pair_setup(struct pair *p, const char *password)
{
    memset(p, 0, sizeof(*p));
    ASSERT_STATUS(client_cred(password, true, &p->cc), SEC_E_OK);
    ASSERT_STATUS(server_cred(&p->sc), SEC_E_OK);
}

static void pair_end(struct pair *p)
{
    if (p->have_cx)
        DeleteSecurityContext(&p->cx);
    if (p->have_sx)
        DeleteSecurityContext(&p->sx);
    FreeCredentialsHandle(&p->cc);
    FreeCredentialsHandle(&p->sc);
}

/* The acceptor's SECPKG_ATTR_CREDS, decoded with the SSPI helpers. */
static void delegated(CtxtHandle *sx, char *user, char *domain, char *password, size_t n)
{
    SecPkgContext_ClientCreds cr;
    PSEC_WINNT_AUTH_IDENTITY_OPAQUE ai = NULL;
    PCWSTR u = NULL, d = NULL, pw = NULL;
    ASSERT_STATUS(QueryContextAttributesA(sx, SECPKG_ATTR_CREDS, &cr), SEC_E_OK);
    ck_assert_uint_gt(cr.AuthBufferLen, 0);
    ASSERT_STATUS(SspiUnmarshalAuthIdentity(cr.AuthBufferLen, (char *)cr.AuthBuffer, &ai), SEC_E_OK);
    ASSERT_STATUS(SspiEncodeAuthIdentityAsStrings(ai, &u, &d, &pw), SEC_E_OK);
    /* ASCII in these tests: narrow the UTF-16 for comparison. */
    const PCWSTR src[3] = {u, d, pw};
    char *dst[3] = {user, domain, password};
    for (int k = 0; k < 3; k++) {
        size_t i = 0;
        for (; src[k] != NULL && src[k][i] != 0 && i + 1 < n; i++)
            dst[k][i] = (char)src[k][i];
        dst[k][i] = '\0';
    }
    SspiFreeAuthIdentity((PSEC_WINNT_AUTH_IDENTITY_OPAQUE)u);
    SspiFreeAuthIdentity((PSEC_WINNT_AUTH_IDENTITY_OPAQUE)d);
    SspiFreeAuthIdentity((PSEC_WINNT_AUTH_IDENTITY_OPAQUE)pw);
    SspiFreeAuthIdentity(ai);
    FreeContextBuffer(cr.AuthBuffer);
}

/* ------------------------------------------------------------ handshakes */

START_TEST(delegates_password_to_termsrv)
{
    struct pair p;
    pair_setup(&p, TEST_REALM_ALICE_PASSWORD);
    ASSERT_STATUS(run(&p, TARGET, ISC_REQ_DELEGATE | ISC_REQ_MUTUAL_AUTH), SEC_E_OK);
    ck_assert(p.c_attr & ISC_RET_DELEGATE);
    ck_assert(p.c_attr & ISC_RET_MUTUAL_AUTH);
    ck_assert(p.s_attr & ASC_RET_DELEGATE);
    /* TLS, then SPNEGO/Kerberos legs, pubKeyAuth both ways, authInfo. */
    ck_assert_int_ge(p.legs, 4);

    char user[128], domain[128], password[128];
    delegated(&p.sx, user, domain, password, sizeof(user));
    ck_assert_str_eq(user, TEST_REALM_ALICE);
    ck_assert_str_eq(domain, realm.realm);
    ck_assert_str_eq(password, TEST_REALM_ALICE_PASSWORD);

    /* The server knows the client by its Kerberos name (inner context). */
    SecPkgContext_NamesA names;
    ASSERT_STATUS(QueryContextAttributesA(&p.sx, SECPKG_ATTR_NAMES, &names), SEC_E_OK);
    ck_assert_ptr_nonnull(strstr(names.sUserName, TEST_REALM_ALICE));
    FreeContextBuffer(names.sUserName);
    pair_end(&p);
}
END_TEST

START_TEST(without_delegate_flag_empty_credentials)
{
    struct pair p;
    pair_setup(&p, TEST_REALM_ALICE_PASSWORD);
    ASSERT_STATUS(run(&p, TARGET, ISC_REQ_MUTUAL_AUTH), SEC_E_OK);
    ck_assert(!(p.c_attr & ISC_RET_DELEGATE));
    ck_assert(!(p.s_attr & ASC_RET_DELEGATE));
    char user[128], domain[128], password[128];
    delegated(&p.sx, user, domain, password, sizeof(user));
    ck_assert_str_eq(user, "");
    ck_assert_str_eq(password, "");
    pair_end(&p);
}
END_TEST

START_TEST(bare_identity_is_accepted)
{
    CredHandle cc;
    ASSERT_STATUS(client_cred(TEST_REALM_ALICE_PASSWORD, false, &cc), SEC_E_OK);
    FreeCredentialsHandle(&cc);
}
END_TEST

START_TEST(delegation_policy_refuses_other_services)
{
    struct pair p;
    pair_setup(&p, TEST_REALM_ALICE_PASSWORD);
    /* HTTP/localhost is in the keytab, so the inner context succeeds; the
     * default policy (as Windows': TERMSRV/ only) refuses the password. */
    ASSERT_STATUS(run(&p, "HTTP/localhost", ISC_REQ_DELEGATE), SEC_E_DELEGATION_POLICY);
    pair_end(&p);

    setenv("SSPI_SHIM_CREDSSP_ALLOW_FRESH_CREDENTIALS", "TERMSRV/*, http/LOCALHOST", 1);
    pair_setup(&p, TEST_REALM_ALICE_PASSWORD);
    ASSERT_STATUS(run(&p, "HTTP/localhost", ISC_REQ_DELEGATE), SEC_E_OK);
    pair_end(&p);
    unsetenv("SSPI_SHIM_CREDSSP_ALLOW_FRESH_CREDENTIALS");
}
END_TEST

START_TEST(wrong_password_is_logon_denied)
{
    struct pair p;
    pair_setup(&p, "not-the-password");
    ASSERT_STATUS(run(&p, TARGET, ISC_REQ_DELEGATE), SEC_E_LOGON_DENIED);
    ck_assert(!p.have_cx); /* a failed first call leaves no context */
    pair_end(&p);
}
END_TEST

/*
 * The server refuses the inner context (its keytab lacks TERMSRV's key):
 * with ASC_REQ_EXTENDED_ERROR its failed AcceptSecurityContext hands out a
 * TSRequest with errorCode, and the client given that token says
 * SEC_E_LOGON_DENIED because of the errorCode (MS-CSSP 3.1.5); without the
 * flag there is no token to send.
 */
static void refused_by_server(ULONG asc_req, bool expect_error_token)
{
    static unsigned char a[BIG], b[BIG];
    ULONG alen = 0, blen = 0;
    char keytab[600], env[700];
    struct pair p;
    snprintf(keytab, sizeof(keytab), "%s/http-only.keytab", realm.dir);
    ck_assert_int_eq(test_realm_write_keytab(&realm, "HTTP/localhost", keytab), 0);
    snprintf(env, sizeof(env), "FILE:%s", keytab);
    setenv("KRB5_KTNAME", env, 1);
    pair_setup(&p, TEST_REALM_ALICE_PASSWORD);
    p.asc_req = asc_req;
    SECURITY_STATUS cs = client_leg(&p, TARGET, ISC_REQ_DELEGATE, NULL, 0, a, &alen), ss;
    for (int legs = 0;; legs++) {
        ck_assert_int_lt(legs, 10);
        ASSERT_STATUS(cs, SEC_I_CONTINUE_NEEDED);
        ss = server_leg(&p, a, alen, b, &blen);
        if (ss < 0)
            break;
        cs = client_leg(&p, TARGET, ISC_REQ_DELEGATE, b, blen, a, &alen);
    }
    ck_assert_msg(ss == SEC_E_WRONG_PRINCIPAL || ss == SEC_E_LOGON_DENIED,
                  "server status 0x%08x: %s", (unsigned)ss, SspiShimLastErrorMessage());
    if (!expect_error_token) {
        ck_assert(blen == 0 || blen == BIG); /* nothing written */
    } else {
        ck_assert(blen > 0 && blen < BIG);
        ASSERT_STATUS(client_leg(&p, TARGET, ISC_REQ_DELEGATE, b, blen, a, &alen),
                      SEC_E_LOGON_DENIED);
        ck_assert_msg(strstr(SspiShimLastErrorMessage(), "errorCode") != NULL, "%s",
                      SspiShimLastErrorMessage());
    }
    pair_end(&p);
}

START_TEST(server_refusal_sends_error_code)
{
    refused_by_server(ASC_REQ_CONNECTION | ASC_REQ_EXTENDED_ERROR, true);
}
END_TEST

START_TEST(server_refusal_without_extended_error_is_silent)
{
    refused_by_server(ASC_REQ_CONNECTION, false);
}
END_TEST

/* ASCII to a NUL-terminated WCHAR string. */
static void widen(const char *s, WCHAR *w, size_t n)
{
    size_t i = 0;
    for (; s[i] != '\0' && i + 1 < n; i++)
        w[i] = (WCHAR)(unsigned char)s[i];
    w[i] = 0;
}

/* A marshaled auth identity for alice with `password`: SECBUFFER_PKG_PARAMS. */
static char *marshaled_alice(const char *password, ULONG *len)
{
    WCHAR u[64], d[128], pw[128];
    PSEC_WINNT_AUTH_IDENTITY_OPAQUE id = NULL;
    char *bytes = NULL;
    widen(TEST_REALM_ALICE, u, 64);
    widen(realm.realm, d, 128);
    widen(password, pw, 128);
    ASSERT_STATUS(SspiEncodeStringsAsAuthIdentity(u, d, pw, &id), SEC_E_OK);
    ASSERT_STATUS(SspiMarshalAuthIdentity(id, len, &bytes), SEC_E_OK);
    SspiFreeAuthIdentity(id);
    return bytes;
}

/* The first client leg with a SECBUFFER_PKG_PARAMS input buffer. */
static SECURITY_STATUS first_leg_with_params(struct pair *p, ULONG req, void *params,
                                             ULONG params_len, unsigned char *out, ULONG *out_len)
{
    SecBuffer ib[1] = {{params_len, SECBUFFER_PKG_PARAMS, params}};
    SecBuffer ob = {BIG, SECBUFFER_TOKEN, out};
    SecBufferDesc id = {SECBUFFER_VERSION, 1, ib}, od = {SECBUFFER_VERSION, 1, &ob};
    TimeStamp t;
    SECURITY_STATUS st = InitializeSecurityContextA(&p->cc, NULL, (SEC_CHAR *)TARGET, req, 0,
                                                    SECURITY_NATIVE_DREP, &id, 0, &p->cx, &od,
                                                    &p->c_attr, &t);
    if (st >= 0)
        p->have_cx = true;
    *out_len = ob.cbBuffer;
    return st;
}

/* The rest of a handshake begun by the client's first token. */
static SECURITY_STATUS finish(struct pair *p, ULONG req, unsigned char *a, ULONG alen)
{
    static unsigned char b[BIG];
    ULONG blen = 0;
    SECURITY_STATUS cs = SEC_I_CONTINUE_NEEDED, ss;
    for (int legs = 0; legs < 20; legs++) {
        if (alen == 0)
            return cs;
        ss = server_leg(p, a, alen, b, &blen);
        if (ss < 0)
            return ss;
        if (cs == SEC_E_OK)
            return ss;
        cs = client_leg(p, TARGET, req, b, blen, a, &alen);
        if (cs < 0)
            return cs;
    }
    return SEC_E_INTERNAL_ERROR;
}

/* ISC_REQ_USE_SUPPLIED_CREDS with SECBUFFER_PKG_PARAMS: the context logs on
 * and delegates with the identity in the buffer, not the handle's (whose
 * password here is wrong), and says ISC_RET_USED_SUPPLIED_CREDS. */
START_TEST(supplied_credentials_in_pkg_params)
{
    static unsigned char a[BIG];
    ULONG alen = 0, plen = 0;
    struct pair p;
    pair_setup(&p, "not-the-password");
    char *params = marshaled_alice(TEST_REALM_ALICE_PASSWORD, &plen);
    ULONG req = ISC_REQ_DELEGATE | ISC_REQ_MUTUAL_AUTH | ISC_REQ_USE_SUPPLIED_CREDS;
    ASSERT_STATUS(first_leg_with_params(&p, req, params, plen, a, &alen), SEC_I_CONTINUE_NEEDED);
    ASSERT_STATUS(finish(&p, req, a, alen), SEC_E_OK);
    ck_assert(p.c_attr & ISC_RET_USED_SUPPLIED_CREDS);
    char user[128], domain[128], password[128];
    delegated(&p.sx, user, domain, password, sizeof(user));
    ck_assert_str_eq(user, TEST_REALM_ALICE);
    ck_assert_str_eq(password, TEST_REALM_ALICE_PASSWORD);
    SspiFreeAuthIdentity(params);
    pair_end(&p);
}
END_TEST

/* Without the flag the buffer is not looked at: the handle's wrong
 * password is used and refused. */
START_TEST(pkg_params_ignored_without_use_supplied_creds)
{
    static unsigned char a[BIG];
    ULONG alen = 0, plen = 0;
    struct pair p;
    pair_setup(&p, "not-the-password");
    char *params = marshaled_alice(TEST_REALM_ALICE_PASSWORD, &plen);
    ASSERT_STATUS(first_leg_with_params(&p, ISC_REQ_DELEGATE, params, plen, a, &alen),
                  SEC_E_LOGON_DENIED);
    SspiFreeAuthIdentity(params);
    pair_end(&p);
}
END_TEST

/* A SECBUFFER_PKG_PARAMS that is not a marshaled identity, or empty. */
START_TEST(bad_pkg_params_is_unknown_credentials)
{
    static unsigned char a[BIG];
    ULONG alen = 0;
    struct pair p;
    char junk[] = "not a marshaled identity at all";
    pair_setup(&p, TEST_REALM_ALICE_PASSWORD);
    ASSERT_STATUS(first_leg_with_params(&p, ISC_REQ_USE_SUPPLIED_CREDS, junk, sizeof(junk), a,
                                        &alen),
                  SEC_E_UNKNOWN_CREDENTIALS);
    ASSERT_STATUS(first_leg_with_params(&p, ISC_REQ_USE_SUPPLIED_CREDS, junk, 0, a, &alen),
                  SEC_E_UNKNOWN_CREDENTIALS);
    ck_assert(!p.have_cx);
    pair_end(&p);
}
END_TEST

START_TEST(no_identity_is_no_credentials)
{
    CredHandle cc;
    TimeStamp t;
    ASSERT_STATUS(AcquireCredentialsHandleA(NULL, "CredSSP", SECPKG_CRED_OUTBOUND, NULL, NULL,
                                            NULL, NULL, &cc, &t),
                  SEC_E_NO_CREDENTIALS);
}
END_TEST

START_TEST(unsupported_flag_is_unsupported_function)
{
    struct pair p;
    unsigned char out[BIG];
    ULONG n;
    pair_setup(&p, TEST_REALM_ALICE_PASSWORD);
    ASSERT_STATUS(client_leg(&p, TARGET, ISC_REQ_USE_DCE_STYLE, NULL, 0, out, &n),
                  SEC_E_UNSUPPORTED_FUNCTION);
    pair_end(&p);
}
END_TEST

/* A TLS record cut short: SEC_E_INCOMPLETE_MESSAGE, the empty buffer
 * turned into SECBUFFER_MISSING with the count, and the same call with
 * the whole record then works. */
START_TEST(cut_record_is_incomplete_message)
{
    struct pair p;
    static unsigned char hello[BIG], reply[BIG];
    ULONG hlen, rlen;
    pair_setup(&p, TEST_REALM_ALICE_PASSWORD);
    ASSERT_STATUS(client_leg(&p, TARGET, ISC_REQ_DELEGATE, NULL, 0, hello, &hlen),
                  SEC_I_CONTINUE_NEEDED);
    ck_assert_uint_gt(hlen, 10);
    SecBuffer ib[2] = {{hlen - 7, SECBUFFER_TOKEN, hello}, {0, SECBUFFER_EMPTY, NULL}};
    SecBuffer ob = {BIG, SECBUFFER_TOKEN, reply};
    SecBufferDesc id = {SECBUFFER_VERSION, 2, ib}, od = {SECBUFFER_VERSION, 1, &ob};
    TimeStamp t;
    ASSERT_STATUS(AcceptSecurityContext(&p.sc, NULL, &id, 0, SECURITY_NATIVE_DREP, &p.sx, &od,
                                        &p.s_attr, &t),
                  SEC_E_INCOMPLETE_MESSAGE);
    ck_assert_uint_eq(ib[1].BufferType, SECBUFFER_MISSING);
    ck_assert_uint_eq(ib[1].cbBuffer, 7);
    ASSERT_STATUS(server_leg(&p, hello, hlen, reply, &rlen), SEC_I_CONTINUE_NEEDED);
    ck_assert_uint_gt(rlen, 0);
    pair_end(&p);
}
END_TEST

START_TEST(garbage_is_invalid_token)
{
    struct pair p;
    unsigned char junk[64], out[BIG];
    ULONG n;
    memset(junk, 'A', sizeof(junk));
    pair_setup(&p, TEST_REALM_ALICE_PASSWORD);
    ASSERT_STATUS(server_leg(&p, junk, sizeof(junk), out, &n), SEC_E_INVALID_TOKEN);
    ck_assert(!p.have_sx);
    pair_end(&p);
}
END_TEST

/* ------------------------------------------------------------ messages */

static void encrypt(CtxtHandle *cx, const char *text, unsigned char *wire, ULONG *wire_len)
{
    SecPkgContext_StreamSizes sz;
    ASSERT_STATUS(QueryContextAttributesA(cx, SECPKG_ATTR_STREAM_SIZES, &sz), SEC_E_OK);
    ck_assert_uint_ge(sz.cbHeader, 5);
    ck_assert_uint_ge(sz.cbTrailer, 16);
    ck_assert_uint_eq(sz.cbMaximumMessage, 16384);
    size_t n = strlen(text);
    memcpy(wire + sz.cbHeader, text, n);
    SecBuffer b[4] = {{sz.cbHeader, SECBUFFER_STREAM_HEADER, wire},
                      {(ULONG)n, SECBUFFER_DATA, wire + sz.cbHeader},
                      {sz.cbTrailer, SECBUFFER_STREAM_TRAILER, wire + sz.cbHeader + n},
                      {0, SECBUFFER_EMPTY, NULL}};
    SecBufferDesc d = {SECBUFFER_VERSION, 4, b};
    ASSERT_STATUS(EncryptMessage(cx, 0, &d, 0), SEC_E_OK);
    ck_assert(memcmp(wire + sz.cbHeader, text, n) != 0); /* encrypted in place */
    *wire_len = b[0].cbBuffer + b[1].cbBuffer + b[2].cbBuffer;
}

static SECURITY_STATUS decrypt(CtxtHandle *sx, unsigned char *wire, ULONG len, SecBuffer b[4])
{
    b[0] = (SecBuffer){len, SECBUFFER_DATA, wire};
    for (int i = 1; i < 4; i++)
        b[i] = (SecBuffer){0, SECBUFFER_EMPTY, NULL};
    SecBufferDesc d = {SECBUFFER_VERSION, 4, b};
    ULONG qop = 99;
    return DecryptMessage(sx, &d, 0, &qop);
}

START_TEST(encrypt_decrypt_are_tls_records)
{
    struct pair p;
    static unsigned char wire[BIG];
    ULONG len, len2;
    SecBuffer b[4];
    pair_setup(&p, TEST_REALM_ALICE_PASSWORD);
    ASSERT_STATUS(run(&p, TARGET, ISC_REQ_DELEGATE), SEC_E_OK);

    /* Client to server. */
    encrypt(&p.cx, "hello server", wire, &len);
    ASSERT_STATUS(decrypt(&p.sx, wire, len, b), SEC_E_OK);
    ck_assert_uint_eq(b[0].BufferType, SECBUFFER_STREAM_HEADER);
    ck_assert_uint_eq(b[1].BufferType, SECBUFFER_DATA);
    ck_assert_uint_eq(b[2].BufferType, SECBUFFER_STREAM_TRAILER);
    ck_assert_uint_eq(b[1].cbBuffer, 12);
    ck_assert(memcmp(b[1].pvBuffer, "hello server", 12) == 0);

    /* Server to client, two records read at once: the second is EXTRA. */
    encrypt(&p.sx, "one", wire, &len);
    encrypt(&p.sx, "two!", wire + len, &len2);
    ASSERT_STATUS(decrypt(&p.cx, wire, len + len2, b), SEC_E_OK);
    ck_assert_uint_eq(b[1].cbBuffer, 3);
    ck_assert(memcmp(b[1].pvBuffer, "one", 3) == 0);
    ck_assert_uint_eq(b[3].BufferType, SECBUFFER_EXTRA);
    ck_assert_uint_eq(b[3].cbBuffer, len2);
    ASSERT_STATUS(decrypt(&p.cx, wire + len, len2, b), SEC_E_OK);
    ck_assert(memcmp(b[1].pvBuffer, "two!", 4) == 0);

    /* A record cut short: INCOMPLETE_MESSAGE with the missing count. */
    encrypt(&p.cx, "cut", wire, &len);
    ASSERT_STATUS(decrypt(&p.sx, wire, len - 4, b), SEC_E_INCOMPLETE_MESSAGE);
    ck_assert_uint_eq(b[1].BufferType, SECBUFFER_MISSING);
    ck_assert_uint_eq(b[1].cbBuffer, 4);
    ASSERT_STATUS(decrypt(&p.sx, wire, len, b), SEC_E_OK);

    /* Integrity only is not something TLS does. */
    SecBuffer nb[3] = {{64, SECBUFFER_STREAM_HEADER, wire}, {1, SECBUFFER_DATA, wire + 64},
                       {64, SECBUFFER_STREAM_TRAILER, wire + 65}};
    SecBufferDesc nd = {SECBUFFER_VERSION, 3, nb};
    ASSERT_STATUS(EncryptMessage(&p.cx, SECQOP_WRAP_NO_ENCRYPT, &nd, 0), SEC_E_QOP_NOT_SUPPORTED);
    pair_end(&p);
}
END_TEST

START_TEST(tampered_record_fails)
{
    struct pair p;
    static unsigned char wire[BIG];
    ULONG len;
    SecBuffer b[4];
    pair_setup(&p, TEST_REALM_ALICE_PASSWORD);
    ASSERT_STATUS(run(&p, TARGET, ISC_REQ_DELEGATE), SEC_E_OK);
    encrypt(&p.cx, "attack at dawn", wire, &len);
    wire[len - 20] ^= 1;
    SECURITY_STATUS st = decrypt(&p.sx, wire, len, b);
    ck_assert_msg(st == SEC_E_MESSAGE_ALTERED, "tampered record: 0x%08x", (unsigned)st);
    pair_end(&p);
}
END_TEST

START_TEST(package_info)
{
    PSecPkgInfoA info = NULL;
    ASSERT_STATUS(QuerySecurityPackageInfoA("CredSSP", &info), SEC_E_OK);
    ck_assert_str_eq(info->Name, "CREDSSP");
    ck_assert_uint_eq(info->wRPCID, 0xFFFF);
    ck_assert(info->fCapabilities & SECPKG_FLAG_STREAM);
    FreeContextBuffer(info);
}
END_TEST

#ifdef SSPI_SHIM_HEIMDAL
/*
 * Raw NTLM inside CredSSP against the mechanism's own NTLMv2 acceptor
 * (mechs/credssp/ntlm_server.c, the Heimdal build's, since Heimdal's NTLM
 * acceptor cannot unseal an [MS-NLMP] client's pubKeyAuth): the user store
 * is SSPI_SHIM_CREDSSP_NTLM_USER_FILE.  Tampered AUTHENTICATE messages
 * (MIC, NTProofStr) are refused in check_ntlm_codec, below the TLS layer.
 */
static SECURITY_STATUS ntlm_only_cred(const char *password, CredHandle *out)
{
    SEC_WINNT_AUTH_IDENTITY_EXA id;
    memset(&id, 0, sizeof id);
    id.Version = SEC_WINNT_AUTH_IDENTITY_VERSION;
    id.Length = sizeof id;
    id.User = (unsigned char *)TEST_REALM_ALICE;
    id.UserLength = (ULONG)strlen(TEST_REALM_ALICE);
    id.Domain = (unsigned char *)"NTLMDOM";
    id.DomainLength = 7;
    id.Password = (unsigned char *)password;
    id.PasswordLength = (ULONG)strlen(password);
    id.Flags = SEC_WINNT_AUTH_IDENTITY_ANSI;
    id.PackageList = (unsigned char *)"NTLM";
    id.PackageListLength = 4;
    CREDSSP_CRED cc = {CredsspPasswordCreds, NULL, &id};
    TimeStamp expiry;
    return AcquireCredentialsHandleA(NULL, "CredSSP", SECPKG_CRED_OUTBOUND, NULL, &cc, NULL,
                                     NULL, out, &expiry);
}

static void ntlm_users(char *path, size_t n)
{
    snprintf(path, n, "%s/ntlm-users", realm.dir);
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fprintf(f, "OTHER:bob:bob-pw\nNTLMDOM:%s:%s\n", TEST_REALM_ALICE, TEST_REALM_ALICE_PASSWORD);
    fclose(f);
    setenv("SSPI_SHIM_CREDSSP_NTLM_USER_FILE", path, 1);
    setenv("SSPI_SHIM_CREDSSP_ALLOW_FRESH_CREDENTIALS_NTLM_ONLY", "TERMSRV/*", 1);
}

static void ntlm_users_end(void)
{
    unsetenv("SSPI_SHIM_CREDSSP_NTLM_USER_FILE");
    unsetenv("SSPI_SHIM_CREDSSP_ALLOW_FRESH_CREDENTIALS_NTLM_ONLY");
}

START_TEST(ntlm_inside_own_acceptor)
{
    char path[600];
    struct pair p;
    ntlm_users(path, sizeof(path));
    memset(&p, 0, sizeof(p));
    ASSERT_STATUS(ntlm_only_cred(TEST_REALM_ALICE_PASSWORD, &p.cc), SEC_E_OK);
    ASSERT_STATUS(server_cred(&p.sc), SEC_E_OK);
    ASSERT_STATUS(run(&p, TARGET, ISC_REQ_DELEGATE), SEC_E_OK);
    ck_assert(!(p.c_attr & ISC_RET_MUTUAL_AUTH)); /* NTLM authenticates no server */
    ck_assert(p.s_attr & ASC_RET_DELEGATE);
    char user[128], domain[128], password[128];
    delegated(&p.sx, user, domain, password, sizeof(user));
    ck_assert_str_eq(user, TEST_REALM_ALICE);
    ck_assert_str_eq(domain, "NTLMDOM");
    ck_assert_str_eq(password, TEST_REALM_ALICE_PASSWORD);
    SecPkgContext_NamesA names;
    ASSERT_STATUS(QueryContextAttributesA(&p.sx, SECPKG_ATTR_NAMES, &names), SEC_E_OK);
    ck_assert_str_eq(names.sUserName, "NTLMDOM\\" TEST_REALM_ALICE);
    FreeContextBuffer(names.sUserName);
    pair_end(&p);
    ntlm_users_end();
}
END_TEST

START_TEST(ntlm_inside_wrong_password_is_logon_denied)
{
    static unsigned char a[BIG], b[BIG];
    ULONG alen = 0, blen = 0;
    char path[600];
    struct pair p;
    ntlm_users(path, sizeof(path));
    memset(&p, 0, sizeof(p));
    ASSERT_STATUS(ntlm_only_cred("not-the-password", &p.cc), SEC_E_OK);
    ASSERT_STATUS(server_cred(&p.sc), SEC_E_OK);
    p.asc_req = ASC_REQ_CONNECTION | ASC_REQ_EXTENDED_ERROR;
    SECURITY_STATUS cs = client_leg(&p, TARGET, ISC_REQ_DELEGATE, NULL, 0, a, &alen), ss;
    for (int legs = 0;; legs++) {
        ck_assert_int_lt(legs, 10);
        ASSERT_STATUS(cs, SEC_I_CONTINUE_NEEDED);
        ss = server_leg(&p, a, alen, b, &blen);
        if (ss < 0)
            break;
        cs = client_leg(&p, TARGET, ISC_REQ_DELEGATE, b, blen, a, &alen);
    }
    ASSERT_STATUS(ss, SEC_E_LOGON_DENIED);
    /* the errorCode reaches the client, which reports the failed logon */
    ck_assert(blen > 0 && blen < BIG);
    ASSERT_STATUS(client_leg(&p, TARGET, ISC_REQ_DELEGATE, b, blen, a, &alen), SEC_E_LOGON_DENIED);
    pair_end(&p);
    ntlm_users_end();
}
END_TEST
#endif

static Suite *credssp_suite(void)
{
    Suite *s = suite_create("credssp");
    TCase *tc = tcase_create("sspi");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, package_info);
    tcase_add_test(tc, delegates_password_to_termsrv);
    tcase_add_test(tc, without_delegate_flag_empty_credentials);
    tcase_add_test(tc, bare_identity_is_accepted);
    tcase_add_test(tc, delegation_policy_refuses_other_services);
    tcase_add_test(tc, wrong_password_is_logon_denied);
    tcase_add_test(tc, server_refusal_sends_error_code);
    tcase_add_test(tc, server_refusal_without_extended_error_is_silent);
    tcase_add_test(tc, supplied_credentials_in_pkg_params);
    tcase_add_test(tc, pkg_params_ignored_without_use_supplied_creds);
    tcase_add_test(tc, bad_pkg_params_is_unknown_credentials);
    tcase_add_test(tc, no_identity_is_no_credentials);
    tcase_add_test(tc, unsupported_flag_is_unsupported_function);
    tcase_add_test(tc, cut_record_is_incomplete_message);
    tcase_add_test(tc, garbage_is_invalid_token);
    tcase_add_test(tc, encrypt_decrypt_are_tls_records);
    tcase_add_test(tc, tampered_record_fails);
#ifdef SSPI_SHIM_HEIMDAL
    tcase_add_test(tc, ntlm_inside_own_acceptor);
    tcase_add_test(tc, ntlm_inside_wrong_password_is_logon_denied);
#endif
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    int env = test_mechenv_enter();
    if (env != 0)
        return env;
    if (test_realm_start(&realm, NULL) != 0) {
        fprintf(stderr, "cannot start the test realm: %s\n", realm.last_output);
        test_realm_destroy(&realm);
        return 99;
    }
    if (test_realm_add_service(&realm, "TERMSRV/localhost", NULL) != 0) {
        fprintf(stderr, "cannot add TERMSRV/localhost: %s\n", realm.last_output);
        test_realm_destroy(&realm);
        return 99;
    }
    SRunner *sr = srunner_create(credssp_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    test_realm_destroy(&realm);
    return failed == 0 ? 0 : 1;
}
