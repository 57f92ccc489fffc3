/*
 * Hostile CredSSP peers against the shim's CredSSP package: each test
 * plays one side of [MS-CSSP] by hand (OpenSSL TLS, the TSRequest codec,
 * a real inner SPNEGO/Kerberos context through GSS-API against the test
 * realm) and breaks one rule; the shim's side must refuse with the status
 * the CredSSP pages give, and never hand over or accept credentials out of
 * order (MS-CSSP 3.1.5; CVE-2018-0886 for the nonce binding).
 *
 *  - server side (AcceptSecurityContext): a pubKeyAuth over another key,
 *    a version changed mid-exchange, a replayed clientNonce, credentials
 *    before pubKeyAuth, a version below the minimum (and the legacy v4
 *    binding when it is allowed);
 *  - client side (InitializeSecurityContext): a server whose pubKeyAuth
 *    binds another TLS key (a man in the middle relaying the inner
 *    context), and one that echoes the client's own value.
 */
#include "config.h"

#include <check.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gssapi/gssapi.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "credssp_asn1.h"
#include "credssp_binding.h"
#include "mechenv.h"
#include "realm.h"
#include "sspi.h"
#include "suite.h"

#define BIG 65536
static struct test_realm realm;
/* The raw client speaks raw Kerberos inside (the acceptor takes it, as
 * Windows' does); the shim's own client covers SPNEGO. */
static gss_OID_desc spnego = {9, (void *)"\x2a\x86\x48\x86\xf7\x12\x01\x02\x02"};

/* ------------------------------------------------------------ the raw peer */

struct raw {
    bool server;
    SSL_CTX *tls_ctx;
    SSL *ssl;
    BIO *rbio, *wbio;
    gss_ctx_id_t inner;
    gss_name_t target;
    unsigned char spk[2048];
    size_t spk_len;
    bool inner_done;
};

static void raw_new(struct raw *r, bool server)
{
    memset(r, 0, sizeof(*r));
    r->server = server;
    r->tls_ctx = SSL_CTX_new(server ? TLS_server_method() : TLS_client_method());
    ck_assert_ptr_nonnull(r->tls_ctx);
    SSL_CTX_set_num_tickets(r->tls_ctx, 0);
    if (server) {
        EVP_PKEY *key = EVP_RSA_gen(2048);
        X509 *cert = X509_new();
        ck_assert(key && cert);
        ASN1_INTEGER_set(X509_get_serialNumber(cert), 1);
        X509_gmtime_adj(X509_getm_notBefore(cert), 0);
        X509_gmtime_adj(X509_getm_notAfter(cert), 3600);
        X509_set_pubkey(cert, key);
        X509_NAME_add_entry_by_txt(X509_get_subject_name(cert), "CN", MBSTRING_ASC,
                                   (const unsigned char *)"localhost", -1, -1, 0);
        X509_set_issuer_name(cert, X509_get_subject_name(cert));
        ck_assert(X509_sign(cert, key, EVP_sha256()) > 0);
        ck_assert_int_eq(SSL_CTX_use_certificate(r->tls_ctx, cert), 1);
        ck_assert_int_eq(SSL_CTX_use_PrivateKey(r->tls_ctx, key), 1);
        X509_free(cert);
        EVP_PKEY_free(key);
    }
    r->ssl = SSL_new(r->tls_ctx);
    r->rbio = BIO_new(BIO_s_mem());
    r->wbio = BIO_new(BIO_s_mem());
    BIO_set_mem_eof_return(r->rbio, -1);
    SSL_set_bio(r->ssl, r->rbio, r->wbio);
    if (server)
        SSL_set_accept_state(r->ssl);
    else
        SSL_set_connect_state(r->ssl);
    r->inner = GSS_C_NO_CONTEXT;
    r->target = GSS_C_NO_NAME;
}

static void raw_free(struct raw *r)
{
    OM_uint32 minor;
    if (r->inner != GSS_C_NO_CONTEXT)
        gss_delete_sec_context(&minor, &r->inner, GSS_C_NO_BUFFER);
    if (r->target != GSS_C_NO_NAME)
        gss_release_name(&minor, &r->target);
    SSL_free(r->ssl);
    SSL_CTX_free(r->tls_ctx);
}

static ULONG raw_drain(struct raw *r, unsigned char *out)
{
    char *data;
    long n = BIO_get_mem_data(r->wbio, &data);
    ck_assert_int_lt(n, BIG);
    if (n > 0)
        memcpy(out, data, (size_t)n);
    (void)BIO_reset(r->wbio);
    return n > 0 ? (ULONG)n : 0;
}

static void raw_feed(struct raw *r, const unsigned char *in, ULONG len)
{
    if (len)
        ck_assert_int_eq(BIO_write(r->rbio, in, (int)len), (int)len);
}

/* 1 once the handshake is done (then the peer key is taken). */
static int raw_handshake(struct raw *r)
{
    int rc = SSL_do_handshake(r->ssl);
    if (rc != 1) {
        ck_assert_int_eq(SSL_get_error(r->ssl, rc), SSL_ERROR_WANT_READ);
        return 0;
    }
    X509 *cert = r->server ? SSL_get_certificate(r->ssl) : SSL_get1_peer_certificate(r->ssl);
    const ASN1_BIT_STRING *bits = X509_get0_pubkey_bitstr(cert);
    ck_assert_uint_le((size_t)bits->length, sizeof(r->spk));
    memcpy(r->spk, bits->data, (size_t)bits->length);
    r->spk_len = (size_t)bits->length;
    if (!r->server)
        X509_free(cert);
    return 1;
}

static void raw_send(struct raw *r, const struct cssp_ts_request *req)
{
    unsigned char *der;
    size_t len;
    ck_assert_int_eq(cssp_ts_request_encode(req, &der, &len), CSSP_OK);
    ck_assert_int_eq(SSL_write(r->ssl, der, (int)len), (int)len);
    cssp_free_secret(der, len);
}

static bool raw_recv(struct raw *r, struct cssp_ts_request *req)
{
    static unsigned char buf[BIG];
    int n = SSL_read(r->ssl, buf, sizeof(buf));
    if (n <= 0)
        return false;
    ck_assert_int_eq(cssp_ts_request_decode(buf, (size_t)n, req), CSSP_OK);
    return true;
}

static void octets(cssp_octets *o, const void *data, size_t len)
{
    o->data = malloc(len ? len : 1);
    ck_assert_ptr_nonnull(o->data);
    memcpy(o->data, data, len);
    o->len = len;
}

/* The inner context's step; *out gets its token (or stays absent). */
static void raw_inner(struct raw *r, const cssp_octets *in, cssp_octets *out)
{
    OM_uint32 major, minor;
    gss_buffer_desc ib = {in ? in->len : 0, in ? in->data : NULL}, ob = GSS_C_EMPTY_BUFFER;
    if (r->server) {
        major = gss_accept_sec_context(&minor, &r->inner, GSS_C_NO_CREDENTIAL, &ib,
                                       GSS_C_NO_CHANNEL_BINDINGS, NULL, NULL, &ob, NULL, NULL,
                                       NULL);
    } else {
        if (r->target == GSS_C_NO_NAME) {
            gss_buffer_desc t = {strlen("TERMSRV@localhost"), "TERMSRV@localhost"};
            ck_assert(!GSS_ERROR(gss_import_name(&minor, &t, GSS_C_NT_HOSTBASED_SERVICE,
                                                 &r->target)));
        }
        major = gss_init_sec_context(&minor, GSS_C_NO_CREDENTIAL, &r->inner, r->target, &spnego,
                                     GSS_C_MUTUAL_FLAG | GSS_C_CONF_FLAG | GSS_C_INTEG_FLAG, 0,
                                     GSS_C_NO_CHANNEL_BINDINGS, in ? &ib : GSS_C_NO_BUFFER, NULL,
                                     &ob, NULL, NULL);
    }
    ck_assert_msg(!GSS_ERROR(major), "inner context step: major 0x%x minor %u", major, minor);
    r->inner_done = major == GSS_S_COMPLETE;
    memset(out, 0, sizeof(*out));
    if (ob.length)
        octets(out, ob.value, ob.length);
    gss_release_buffer(&minor, &ob);
}

static void raw_wrap(struct raw *r, const void *data, size_t len, cssp_octets *out)
{
    OM_uint32 minor;
    gss_buffer_desc in = {len, (void *)data}, w = GSS_C_EMPTY_BUFFER;
    int conf = 0;
    ck_assert(!GSS_ERROR(gss_wrap(&minor, r->inner, 1, 0, &in, &conf, &w)) && conf);
    octets(out, w.value, w.length);
    gss_release_buffer(&minor, &w);
}

/* ------------------------------------------------------------ against the shim's server */

struct server_side {
    CredHandle cred;
    CtxtHandle ctx;
    bool have;
    unsigned char out[BIG];
    ULONG out_len;
};

static SECURITY_STATUS asc(struct server_side *s, unsigned char *in, ULONG len)
{
    SecBuffer ib[2] = {{len, SECBUFFER_TOKEN, in}, {0, SECBUFFER_EMPTY, NULL}};
    SecBuffer ob = {BIG, SECBUFFER_TOKEN, s->out};
    SecBufferDesc id = {SECBUFFER_VERSION, 2, ib}, od = {SECBUFFER_VERSION, 1, &ob};
    ULONG attr;
    TimeStamp t;
    SECURITY_STATUS st = AcceptSecurityContext(&s->cred, s->have ? &s->ctx : NULL, &id, 0,
                                               SECURITY_NATIVE_DREP, &s->ctx, &od, &attr, &t);
    if (st >= 0)
        s->have = true;
    s->out_len = ob.cbBuffer;
    return st;
}

static void server_begin(struct server_side *s)
{
    TimeStamp t;
    memset(s, 0, sizeof(*s));
    ASSERT_STATUS(AcquireCredentialsHandleA(NULL, "CredSSP", SECPKG_CRED_INBOUND, NULL, NULL,
                                            NULL, NULL, &s->cred, &t),
                  SEC_E_OK);
}

static void server_end(struct server_side *s)
{
    if (s->have)
        DeleteSecurityContext(&s->ctx);
    FreeCredentialsHandle(&s->cred);
}

/* The raw client runs TLS with the shim's server, then inner legs until its
 * inner context is complete; returns with the server's last answer read. */
static void client_until_inner_done(struct raw *c, struct server_side *s, int version)
{
    static unsigned char tok[BIG];
    ULONG n;
    int hs;
    struct cssp_ts_request req, resp;
    raw_new(c, false);
    raw_handshake(c);
    n = raw_drain(c, tok);
    for (hs = 0; !hs;) {
        ASSERT_STATUS(asc(s, tok, n), SEC_I_CONTINUE_NEEDED);
        raw_feed(c, s->out, s->out_len);
        hs = raw_handshake(c);
        if (!hs) {
            n = raw_drain(c, tok);
        }
    }
    memset(&req, 0, sizeof(req));
    req.version = version;
    raw_inner(c, NULL, &req.nego_token);
    raw_send(c, &req);
    cssp_ts_request_clear(&req);
    while (!c->inner_done) {
        n = raw_drain(c, tok);
        ASSERT_STATUS(asc(s, tok, n), SEC_I_CONTINUE_NEEDED);
        raw_feed(c, s->out, s->out_len);
        memset(&resp, 0, sizeof(resp));
        ck_assert(raw_recv(c, &resp));
        ck_assert_ptr_nonnull(resp.nego_token.data);
        cssp_octets out;
        raw_inner(c, &resp.nego_token, &out);
        cssp_ts_request_clear(&resp);
        if (!c->inner_done) {
            memset(&req, 0, sizeof(req));
            req.version = version;
            req.nego_token = out;
            raw_send(c, &req);
            cssp_ts_request_clear(&req);
        } else {
            free(out.data);
        }
    }
}

/* Sends one TSRequest from the raw client and returns the server's status. */
static SECURITY_STATUS client_send(struct raw *c, struct server_side *s, struct cssp_ts_request *req)
{
    static unsigned char tok[BIG];
    raw_send(c, req);
    ULONG n = raw_drain(c, tok);
    return asc(s, tok, n);
}

static void pubkey_auth(struct raw *c, struct cssp_ts_request *req, const unsigned char *nonce,
                        const unsigned char *spk, size_t spk_len)
{
    unsigned char h[32];
    ck_assert_int_eq(cssp_binding_hash(0, nonce, spk, spk_len, h), CSSP_OK);
    raw_wrap(c, h, sizeof(h), &req->pub_key_auth);
    octets(&req->client_nonce, nonce, 32);
}

START_TEST(server_refuses_pubkey_auth_over_another_key)
{
    struct raw c;
    struct server_side s;
    struct cssp_ts_request req;
    unsigned char nonce[32], other[300];
    server_begin(&s);
    client_until_inner_done(&c, &s, 6);
    RAND_bytes(nonce, sizeof(nonce));
    memcpy(other, c.spk, c.spk_len > sizeof(other) ? sizeof(other) : c.spk_len);
    other[c.spk_len / 2 % sizeof(other)] ^= 0x55; /* the key a MITM's TLS would have */
    memset(&req, 0, sizeof(req));
    req.version = 6;
    pubkey_auth(&c, &req, nonce, other, c.spk_len > sizeof(other) ? sizeof(other) : c.spk_len);
    ASSERT_STATUS(client_send(&c, &s, &req), SEC_E_MUTUAL_AUTH_FAILED);
    cssp_ts_request_clear(&req);
    raw_free(&c);
    server_end(&s);
}
END_TEST

START_TEST(server_refuses_changed_version)
{
    struct raw c;
    struct server_side s;
    struct cssp_ts_request req;
    unsigned char nonce[32];
    server_begin(&s);
    client_until_inner_done(&c, &s, 6);
    RAND_bytes(nonce, sizeof(nonce));
    memset(&req, 0, sizeof(req));
    req.version = 5; /* was 6: a downgrade attempt */
    pubkey_auth(&c, &req, nonce, c.spk, c.spk_len);
    ASSERT_STATUS(client_send(&c, &s, &req), SEC_E_INVALID_TOKEN);
    cssp_ts_request_clear(&req);
    raw_free(&c);
    server_end(&s);
}
END_TEST

START_TEST(server_refuses_credentials_before_pubkey_auth)
{
    struct raw c;
    struct server_side s;
    struct cssp_ts_request req;
    static const unsigned char creds[] = {0x30, 0x03, 0x02, 0x01, 0x01};
    server_begin(&s);
    client_until_inner_done(&c, &s, 6);
    memset(&req, 0, sizeof(req));
    req.version = 6;
    raw_wrap(&c, creds, sizeof(creds), &req.auth_info);
    ASSERT_STATUS(client_send(&c, &s, &req), SEC_E_INVALID_TOKEN);
    cssp_ts_request_clear(&req);
    SecPkgContext_ClientCreds cr;
    ck_assert(!s.have || QueryContextAttributesA(&s.ctx, SECPKG_ATTR_CREDS, &cr) != SEC_E_OK);
    raw_free(&c);
    server_end(&s);
}
END_TEST

/* A whole, correct exchange up to the server's pubKeyAuth with `nonce`. */
static SECURITY_STATUS exchange_with_nonce(const unsigned char nonce[32])
{
    struct raw c;
    struct server_side s;
    struct cssp_ts_request req;
    server_begin(&s);
    client_until_inner_done(&c, &s, 6);
    memset(&req, 0, sizeof(req));
    req.version = 6;
    pubkey_auth(&c, &req, nonce, c.spk, c.spk_len);
    SECURITY_STATUS st = client_send(&c, &s, &req);
    cssp_ts_request_clear(&req);
    if (st == SEC_I_CONTINUE_NEEDED) {
        /* The server's answer: the server-to-client hash over our nonce. */
        struct cssp_ts_request resp;
        gss_buffer_desc w, plain = GSS_C_EMPTY_BUFFER;
        unsigned char want[32];
        OM_uint32 minor;
        memset(&resp, 0, sizeof(resp));
        raw_feed(&c, s.out, s.out_len);
        ck_assert(raw_recv(&c, &resp));
        w.value = resp.pub_key_auth.data;
        w.length = resp.pub_key_auth.len;
        ck_assert(!GSS_ERROR(gss_unwrap(&minor, c.inner, &w, &plain, NULL, NULL)));
        ck_assert_int_eq(cssp_binding_hash(1, nonce, c.spk, c.spk_len, want), CSSP_OK);
        ck_assert_uint_eq(plain.length, 32);
        ck_assert(memcmp(plain.value, want, 32) == 0);
        gss_release_buffer(&minor, &plain);
        cssp_ts_request_clear(&resp);
    }
    raw_free(&c);
    server_end(&s);
    return st;
}

START_TEST(server_refuses_replayed_nonce)
{
    unsigned char nonce[32];
    RAND_bytes(nonce, sizeof(nonce));
    ASSERT_STATUS(exchange_with_nonce(nonce), SEC_I_CONTINUE_NEEDED);
    /* A new TLS session and inner context, the same clientNonce. */
    /* A replay, reported as Kerberos replays are (shim/replay.c). */
    ASSERT_STATUS(exchange_with_nonce(nonce), SEC_E_OUT_OF_SEQUENCE);
}
END_TEST

START_TEST(server_refuses_version_below_minimum)
{
    struct raw c;
    struct server_side s;
    static unsigned char tok[BIG];
    struct cssp_ts_request req;
    ULONG n;
    server_begin(&s);
    raw_new(&c, false);
    raw_handshake(&c);
    n = raw_drain(&c, tok);
    for (int hs = 0; !hs;) {
        ASSERT_STATUS(asc(&s, tok, n), SEC_I_CONTINUE_NEEDED);
        raw_feed(&c, s.out, s.out_len);
        if (!(hs = raw_handshake(&c)))
            n = raw_drain(&c, tok);
    }
    memset(&req, 0, sizeof(req));
    req.version = 4; /* no nonce binding: the CVE-2018-0886 oracle */
    raw_inner(&c, NULL, &req.nego_token);
    ASSERT_STATUS(client_send(&c, &s, &req), SEC_E_UNSUPPORTED_FUNCTION);
    cssp_ts_request_clear(&req);
    raw_free(&c);
    server_end(&s);
}
END_TEST

/* With SSPI_SHIM_CREDSSP_MIN_VERSION=2, a version 4 client binds with the
 * bare key and the server echoes it + 1 (MS-CSSP 3.1.5, versions 2-4). */
START_TEST(legacy_version_when_allowed)
{
    struct raw c;
    struct server_side s;
    struct cssp_ts_request req, resp;
    gss_buffer_desc w, plain = GSS_C_EMPTY_BUFFER;
    unsigned char want[2048];
    OM_uint32 minor;
    setenv("SSPI_SHIM_CREDSSP_MIN_VERSION", "2", 1);
    server_begin(&s);
    client_until_inner_done(&c, &s, 4);
    memset(&req, 0, sizeof(req));
    req.version = 4;
    raw_wrap(&c, c.spk, c.spk_len, &req.pub_key_auth);
    ASSERT_STATUS(client_send(&c, &s, &req), SEC_I_CONTINUE_NEEDED);
    cssp_ts_request_clear(&req);
    memset(&resp, 0, sizeof(resp));
    raw_feed(&c, s.out, s.out_len);
    ck_assert(raw_recv(&c, &resp));
    w.value = resp.pub_key_auth.data;
    w.length = resp.pub_key_auth.len;
    ck_assert(!GSS_ERROR(gss_unwrap(&minor, c.inner, &w, &plain, NULL, NULL)));
    ck_assert_int_eq(cssp_binding_legacy_echo(c.spk, c.spk_len, want), CSSP_OK);
    ck_assert_uint_eq(plain.length, c.spk_len);
    ck_assert(memcmp(plain.value, want, c.spk_len) == 0);
    ck_assert(memcmp(plain.value, c.spk, c.spk_len) != 0); /* not a mere echo */
    gss_release_buffer(&minor, &plain);
    cssp_ts_request_clear(&resp);
    raw_free(&c);
    server_end(&s);
}
END_TEST

/* ------------------------------------------------------------ against the shim's client */

struct client_side {
    CredHandle cred;
    CtxtHandle ctx;
    bool have;
    unsigned char out[BIG];
    ULONG out_len;
};

static SECURITY_STATUS isc(struct client_side *c, unsigned char *in, ULONG len)
{
    SecBuffer ib[2] = {{len, SECBUFFER_TOKEN, in}, {0, SECBUFFER_EMPTY, NULL}};
    SecBuffer ob = {BIG, SECBUFFER_TOKEN, c->out};
    SecBufferDesc id = {SECBUFFER_VERSION, 2, ib}, od = {SECBUFFER_VERSION, 1, &ob};
    ULONG attr;
    TimeStamp t;
    SECURITY_STATUS st = InitializeSecurityContextA(
        &c->cred, c->have ? &c->ctx : NULL, (SEC_CHAR *)"TERMSRV/localhost",
        ISC_REQ_DELEGATE | ISC_REQ_MUTUAL_AUTH, 0, SECURITY_NATIVE_DREP, c->have ? &id : NULL, 0,
        &c->ctx, &od, &attr, &t);
    if (st >= 0)
        c->have = true;
    c->out_len = ob.cbBuffer;
    return st;
}

/* A server that terminates TLS itself and authenticates with the real
 * keytab (the inner context relayed from the true server, as a man in the
 * middle would), then sends `how`'s pubKeyAuth.  Returns the shim client's
 * status on that answer; the client must never send authInfo. */
enum forged { OTHER_KEY, CLIENT_VALUE_ECHOED };

static SECURITY_STATUS client_against_forger(enum forged how)
{
    struct client_side cl;
    struct raw sv;
    SEC_WINNT_AUTH_IDENTITY_A id;
    TimeStamp t;
    struct cssp_ts_request req, resp;
    SECURITY_STATUS st;
    memset(&cl, 0, sizeof(cl));
    memset(&id, 0, sizeof(id));
    id.User = (unsigned char *)TEST_REALM_ALICE;
    id.UserLength = (ULONG)strlen(TEST_REALM_ALICE);
    id.Domain = (unsigned char *)realm.realm;
    id.DomainLength = (ULONG)strlen(realm.realm);
    id.Password = (unsigned char *)TEST_REALM_ALICE_PASSWORD;
    id.PasswordLength = (ULONG)strlen(TEST_REALM_ALICE_PASSWORD);
    id.Flags = SEC_WINNT_AUTH_IDENTITY_ANSI;
    ASSERT_STATUS(AcquireCredentialsHandleA(NULL, "CredSSP", SECPKG_CRED_OUTBOUND, NULL, &id,
                                            NULL, NULL, &cl.cred, &t),
                  SEC_E_OK);
    raw_new(&sv, true);
    st = isc(&cl, NULL, 0);
    /* TLS */
    while (st == SEC_I_CONTINUE_NEEDED) {
        raw_feed(&sv, cl.out, cl.out_len);
        if (raw_handshake(&sv)) {
            static unsigned char tok[BIG];
            ULONG n = raw_drain(&sv, tok);
            if (n > 0) /* TLS 1.2: the server's Finished */
                st = isc(&cl, tok, n);
            break;
        }
        static unsigned char tok[BIG];
        ULONG n = raw_drain(&sv, tok);
        st = isc(&cl, tok, n);
    }
    ck_assert_int_eq(st, SEC_I_CONTINUE_NEEDED);
    /* Inner legs until the client sends pubKeyAuth (the client's first
     * TSRequest came with its TLS Finished, already fed). */
    for (bool fed = true;; fed = false) {
        if (!fed)
            raw_feed(&sv, cl.out, cl.out_len);
        memset(&req, 0, sizeof(req));
        ck_assert(raw_recv(&sv, &req));
        ck_assert_ptr_null(req.auth_info.data);
        if (req.pub_key_auth.data != NULL)
            break;
        memset(&resp, 0, sizeof(resp));
        resp.version = 6;
        raw_inner(&sv, &req.nego_token, &resp.nego_token);
        cssp_ts_request_clear(&req);
        raw_send(&sv, &resp);
        cssp_ts_request_clear(&resp);
        static unsigned char tok[BIG];
        ULONG n = raw_drain(&sv, tok);
        st = isc(&cl, tok, n);
        ck_assert_int_eq(st, SEC_I_CONTINUE_NEEDED);
    }
    /* The forged answer. */
    unsigned char value[32], key[2048];
    memset(&resp, 0, sizeof(resp));
    resp.version = 6;
    if (how == OTHER_KEY) {
        memcpy(key, sv.spk, sv.spk_len);
        key[sv.spk_len / 2] ^= 0x55; /* the true server's key, not the one this TLS has */
        ck_assert_int_eq(cssp_binding_hash(1, req.client_nonce.data, key, sv.spk_len, value),
                         CSSP_OK);
    } else {
        ck_assert_int_eq(cssp_binding_hash(0, req.client_nonce.data, sv.spk, sv.spk_len, value),
                         CSSP_OK);
    }
    cssp_ts_request_clear(&req);
    raw_wrap(&sv, value, sizeof(value), &resp.pub_key_auth);
    raw_send(&sv, &resp);
    cssp_ts_request_clear(&resp);
    static unsigned char tok[BIG];
    ULONG n = raw_drain(&sv, tok);
    memset(cl.out, 0xAB, 64);
    st = isc(&cl, tok, n);
    /* Nothing, in particular no authInfo, was written for the peer. */
    for (int i = 0; i < 64; i++)
        ck_assert_uint_eq(cl.out[i], 0xAB);
    ck_assert_uint_eq(BIO_ctrl_pending(sv.rbio), 0);
    raw_free(&sv);
    if (cl.have)
        DeleteSecurityContext(&cl.ctx);
    FreeCredentialsHandle(&cl.cred);
    return st;
}

START_TEST(client_refuses_server_bound_to_another_key)
{
    ASSERT_STATUS(client_against_forger(OTHER_KEY), SEC_E_MUTUAL_AUTH_FAILED);
}
END_TEST

START_TEST(client_refuses_its_own_value_echoed)
{
    ASSERT_STATUS(client_against_forger(CLIENT_VALUE_ECHOED), SEC_E_MUTUAL_AUTH_FAILED);
}
END_TEST

static Suite *attacks_suite(void)
{
    Suite *s = suite_create("credssp-attacks");
    TCase *tc = tcase_create("attacks");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, server_refuses_pubkey_auth_over_another_key);
    tcase_add_test(tc, server_refuses_changed_version);
    tcase_add_test(tc, server_refuses_credentials_before_pubkey_auth);
    tcase_add_test(tc, server_refuses_replayed_nonce);
    tcase_add_test(tc, server_refuses_version_below_minimum);
    tcase_add_test(tc, legacy_version_when_allowed);
    tcase_add_test(tc, client_refuses_server_bound_to_another_key);
    tcase_add_test(tc, client_refuses_its_own_value_echoed);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    int env = test_mechenv_enter();
    if (env != 0)
        return env;
    if (test_realm_start(&realm, NULL) != 0 ||
        test_realm_add_service(&realm, "TERMSRV/localhost", NULL) != 0) {
        fprintf(stderr, "cannot start the test realm: %s\n", realm.last_output);
        test_realm_destroy(&realm);
        return 99;
    }
    char upn[256];
    snprintf(upn, sizeof(upn), "%s@%s", TEST_REALM_ALICE, realm.realm);
    if (test_realm_kinit(&realm, upn, TEST_REALM_ALICE_PASSWORD, NULL) != 0) {
        fprintf(stderr, "kinit failed: %s\n", realm.last_output);
        test_realm_destroy(&realm);
        return 99;
    }
    SRunner *sr = srunner_create(attacks_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    test_realm_destroy(&realm);
    return failed == 0 ? 0 : 1;
}
