/*
 * Digest codec: the RFC examples parsed and re-serialized byte for byte,
 * the formats curl, Apache, python-requests, Cyrus SASL and Windows send,
 * and every parser rule with good and malformed input.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "digest_codec.h"

/* ------------------------------------------------------------ helpers */

enum kind { K_CHALS, K_CHAL, K_RESP, K_AINFO, K_SCHAL, K_SRESP, K_RSPAUTH };

static digest_status parse_any(enum kind k, const char *in, size_t len, unsigned flags,
                               size_t *off)
{
    digest_status st;
    size_t idx;
    switch (k) {
    case K_CHALS: {
        digest_http_challenge_list *l = NULL;
        const char *v[1] = {in};
        size_t n[1] = {len};
        st = digest_http_parse_challenges(v, n, 1, flags, &l, &idx, off);
        digest_http_challenge_list_free(l);
        return st;
    }
    case K_CHAL: {
        digest_http_challenge *c = NULL;
        st = digest_http_parse_challenge(in, len, flags, &c, off);
        digest_http_challenge_free(c);
        return st;
    }
    case K_RESP: {
        digest_http_response *r = NULL;
        st = digest_http_parse_response(in, len, flags, &r, off);
        digest_http_response_free(r);
        return st;
    }
    case K_AINFO: {
        digest_http_auth_info *a = NULL;
        st = digest_http_parse_auth_info(in, len, flags, &a, off);
        digest_http_auth_info_free(a);
        return st;
    }
    case K_SCHAL: {
        digest_sasl_challenge *c = NULL;
        st = digest_sasl_parse_challenge(in, len, flags, &c, off);
        digest_sasl_challenge_free(c);
        return st;
    }
    case K_SRESP: {
        digest_sasl_response *r = NULL;
        st = digest_sasl_parse_response(in, len, flags, &r, off);
        digest_sasl_response_free(r);
        return st;
    }
    case K_RSPAUTH: {
        char ra[33];
        return digest_sasl_parse_rspauth(in, len, flags, ra, off);
    }
    }
    return DIGEST_ERR_INVALID_ARG;
}

static digest_status parse_str(enum kind k, const char *in, unsigned flags)
{
    size_t off;
    return parse_any(k, in, strlen(in), flags, &off);
}

#define ck_status(got, want)                                                              \
    ck_assert_msg((got) == (want), "status %d (%s), expected %d (%s)", (int)(got),        \
                  digest_status_str(got), (int)(want), digest_status_str(want))

/* parse -> serialize (with ser_flags) -> parse -> the same structure */
static void roundtrip(enum kind k, const char *in, unsigned pflags, unsigned sflags)
{
    size_t len = strlen(in), off = 0, idx = 0;
    char *s = NULL;
    digest_status st;

    switch (k) {
    case K_CHALS: {
        digest_http_challenge_list *a = NULL, *b = NULL;
        const char *v[1] = {in};
        size_t n[1] = {len};
        ck_status(digest_http_parse_challenges(v, n, 1, pflags, &a, &idx, &off), DIGEST_OK);
        ck_status(digest_http_challenge_list_serialize(a, sflags, &s, NULL), DIGEST_OK);
        v[0] = s;
        n[0] = strlen(s);
        st = digest_http_parse_challenges(v, n, 1, pflags, &b, &idx, &off);
        ck_assert_msg(st == DIGEST_OK, "reparse of [%s]: %s", s, digest_status_str(st));
        ck_assert_msg(digest_http_challenge_list_equal(a, b), "not equal after [%s]", s);
        digest_http_challenge_list_free(a);
        digest_http_challenge_list_free(b);
        break;
    }
    case K_CHAL: {
        digest_http_challenge *a = NULL, *b = NULL;
        ck_status(digest_http_parse_challenge(in, len, pflags, &a, &off), DIGEST_OK);
        ck_status(digest_http_challenge_serialize(a, sflags, &s, NULL), DIGEST_OK);
        st = digest_http_parse_challenge(s, strlen(s), pflags, &b, &off);
        ck_assert_msg(st == DIGEST_OK, "reparse of [%s]: %s", s, digest_status_str(st));
        ck_assert_msg(digest_http_challenge_equal(a, b), "not equal after [%s]", s);
        digest_http_challenge_free(a);
        digest_http_challenge_free(b);
        break;
    }
    case K_RESP: {
        digest_http_response *a = NULL, *b = NULL;
        ck_status(digest_http_parse_response(in, len, pflags, &a, &off), DIGEST_OK);
        ck_status(digest_http_response_serialize(a, sflags, &s, NULL), DIGEST_OK);
        st = digest_http_parse_response(s, strlen(s), pflags, &b, &off);
        ck_assert_msg(st == DIGEST_OK, "reparse of [%s]: %s", s, digest_status_str(st));
        ck_assert_msg(digest_http_response_equal(a, b), "not equal after [%s]", s);
        digest_http_response_free(a);
        digest_http_response_free(b);
        break;
    }
    case K_AINFO: {
        digest_http_auth_info *a = NULL, *b = NULL;
        ck_status(digest_http_parse_auth_info(in, len, pflags, &a, &off), DIGEST_OK);
        ck_status(digest_http_auth_info_serialize(a, sflags, &s, NULL), DIGEST_OK);
        st = digest_http_parse_auth_info(s, strlen(s), pflags, &b, &off);
        ck_assert_msg(st == DIGEST_OK, "reparse of [%s]: %s", s, digest_status_str(st));
        ck_assert_msg(digest_http_auth_info_equal(a, b), "not equal after [%s]", s);
        digest_http_auth_info_free(a);
        digest_http_auth_info_free(b);
        break;
    }
    case K_SCHAL: {
        digest_sasl_challenge *a = NULL, *b = NULL;
        ck_status(digest_sasl_parse_challenge(in, len, pflags, &a, &off), DIGEST_OK);
        ck_status(digest_sasl_challenge_serialize(a, sflags, &s, NULL), DIGEST_OK);
        st = digest_sasl_parse_challenge(s, strlen(s), pflags, &b, &off);
        ck_assert_msg(st == DIGEST_OK, "reparse of [%s]: %s", s, digest_status_str(st));
        ck_assert_msg(digest_sasl_challenge_equal(a, b), "not equal after [%s]", s);
        digest_sasl_challenge_free(a);
        digest_sasl_challenge_free(b);
        break;
    }
    case K_SRESP: {
        digest_sasl_response *a = NULL, *b = NULL;
        ck_status(digest_sasl_parse_response(in, len, pflags, &a, &off), DIGEST_OK);
        ck_status(digest_sasl_response_serialize(a, sflags, &s, NULL), DIGEST_OK);
        st = digest_sasl_parse_response(s, strlen(s), pflags, &b, &off);
        ck_assert_msg(st == DIGEST_OK, "reparse of [%s]: %s", s, digest_status_str(st));
        ck_assert_msg(digest_sasl_response_equal(a, b), "not equal after [%s]", s);
        digest_sasl_response_free(a);
        digest_sasl_response_free(b);
        break;
    }
    case K_RSPAUTH: {
        char ra[33], rb[33];
        ck_status(digest_sasl_parse_rspauth(in, len, pflags, ra, &off), DIGEST_OK);
        ck_status(digest_sasl_rspauth_serialize(ra, &s, NULL), DIGEST_OK);
        ck_status(digest_sasl_parse_rspauth(s, strlen(s), pflags, rb, &off), DIGEST_OK);
        ck_assert_str_eq(ra, rb);
        break;
    }
    }
    free(s);
}

/* A string of n copies of c. */
static char *rep(char c, size_t n)
{
    char *s = malloc(n + 1);
    ck_assert_ptr_nonnull(s);
    memset(s, c, n);
    s[n] = '\0';
    return s;
}

/* ------------------------------------------------------------ RFC examples */

#define N391 "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v"
#define O391 "FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS"
#define C391 "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ"

/* RFC 7616 3.9.1: the two WWW-Authenticate headers, SHA-256 preferred. */
START_TEST(test_rfc7616_391_challenges)
{
    const char *v[2] = {
        "Digest realm=\"http-auth@example.org\", qop=\"auth, auth-int\", algorithm=SHA-256, "
        "nonce=\"" N391 "\", opaque=\"" O391 "\"",
        "Digest realm=\"http-auth@example.org\", qop=\"auth, auth-int\", algorithm=MD5, "
        "nonce=\"" N391 "\", opaque=\"" O391 "\""};
    size_t n[2] = {strlen(v[0]), strlen(v[1])}, idx, off;
    digest_http_challenge_list *l = NULL;
    const digest_http_challenge *c;
    char *s = NULL;

    ck_status(digest_http_parse_challenges(v, n, 2, DIGEST_PARSE_STRICT, &l, &idx, &off),
              DIGEST_OK);
    ck_assert_uint_eq(l->count, 2);
    c = &l->items[0];
    ck_assert_str_eq(c->realm, "http-auth@example.org");
    ck_assert_str_eq(c->nonce, N391);
    ck_assert_str_eq(c->opaque, O391);
    ck_assert_int_eq(c->algorithm, DIGEST_ALG_SHA256);
    ck_assert_int_eq(c->qop_present, 1);
    ck_assert_uint_eq(c->qop, DIGEST_QOP_AUTH | DIGEST_QOP_AUTH_INT);
    ck_assert_ptr_null(c->domain);
    ck_assert_int_eq(l->items[1].algorithm, DIGEST_ALG_MD5);
    /* the client takes the first one it supports (RFC 7616 3.7) */
    ck_assert_ptr_eq(digest_http_challenge_select(l, DIGEST_ALG_BIT(DIGEST_ALG_SHA256) |
                                                         DIGEST_ALG_BIT(DIGEST_ALG_MD5)),
                     &l->items[0]);
    ck_assert_ptr_eq(digest_http_challenge_select(l, DIGEST_ALG_BIT(DIGEST_ALG_MD5)),
                     &l->items[1]);
    ck_assert_ptr_null(digest_http_challenge_select(l, DIGEST_ALG_BIT(DIGEST_ALG_SHA512_256)));
    /* written back in the RFC's own layout */
    ck_status(digest_http_challenge_serialize(c, DIGEST_SER_SCHEME, &s, NULL), DIGEST_OK);
    ck_assert_str_eq(s, "Digest realm=\"http-auth@example.org\", qop=\"auth,auth-int\", "
                        "algorithm=SHA-256, nonce=\"" N391 "\", opaque=\"" O391 "\"");
    free(s);
    digest_http_challenge_list_free(l);
}
END_TEST

/* RFC 7616 3.9.1: the two Authorization headers, parsed and written back
 * exactly as the RFC prints them. */
START_TEST(test_rfc7616_391_responses)
{
    static const char *const md5 =
        "Digest username=\"Mufasa\", realm=\"http-auth@example.org\", uri=\"/dir/index.html\", "
        "algorithm=MD5, nonce=\"" N391 "\", nc=00000001, cnonce=\"" C391 "\", qop=auth, "
        "response=\"8ca523f5e9506fed4657c9700eebdbec\", opaque=\"" O391 "\"";
    static const char *const sha =
        "Digest username=\"Mufasa\", realm=\"http-auth@example.org\", uri=\"/dir/index.html\", "
        "algorithm=SHA-256, nonce=\"" N391 "\", nc=00000001, cnonce=\"" C391 "\", qop=auth, "
        "response=\"753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1\", "
        "opaque=\"" O391 "\"";
    digest_http_response *r = NULL;
    size_t off;
    char *s = NULL;

    ck_status(digest_http_parse_response(md5, strlen(md5), DIGEST_PARSE_STRICT, &r, &off),
              DIGEST_OK);
    ck_assert_str_eq(r->username, "Mufasa");
    ck_assert_int_eq(r->username_ext, 0);
    ck_assert_str_eq(r->realm, "http-auth@example.org");
    ck_assert_str_eq(r->uri, "/dir/index.html");
    ck_assert_int_eq(r->algorithm, DIGEST_ALG_MD5);
    ck_assert_str_eq(r->nonce, N391);
    ck_assert_str_eq(r->nc, "00000001");
    ck_assert_uint_eq(r->nc_value, 1);
    ck_assert_str_eq(r->cnonce, C391);
    ck_assert_uint_eq(r->qop, DIGEST_QOP_AUTH);
    ck_assert_str_eq(r->response, "8ca523f5e9506fed4657c9700eebdbec");
    ck_assert_str_eq(r->opaque, O391);
    ck_status(digest_http_response_serialize(r, DIGEST_SER_SCHEME, &s, NULL), DIGEST_OK);
    ck_assert_str_eq(s, md5);
    free(s);
    digest_http_response_free(r);

    ck_status(digest_http_parse_response(sha, strlen(sha), DIGEST_PARSE_STRICT, &r, &off),
              DIGEST_OK);
    ck_assert_int_eq(r->algorithm, DIGEST_ALG_SHA256);
    ck_status(digest_http_response_serialize(r, DIGEST_SER_SCHEME, &s, NULL), DIGEST_OK);
    ck_assert_str_eq(s, sha);
    free(s);
    digest_http_response_free(r);
}
END_TEST

#define N392 "5TsQWLVdgBdmrQ0XsxbDODV+57QdFR34I9HAbC/RVvkK"
#define O392 "HRPCssKJSGjCrkzDg8OhwpzCiGPChXYjwrI2QmXDnsOS"

/* RFC 7616 3.9.2: charset, userhash and the username* form. */
START_TEST(test_rfc7616_392)
{
    static const char *const chal =
        "Digest realm=\"api@example.org\", qop=\"auth\", algorithm=SHA-512-256, "
        "nonce=\"" N392 "\", opaque=\"" O392 "\", charset=UTF-8, userhash=true";
    static const char *const star =
        "Digest username*=UTF-8''J%C3%A4s%C3%B8n%20Doe, realm=\"api@example.org\", "
        "uri=\"/doe.json\", algorithm=SHA-512-256, nonce=\"" N392 "\", nc=00000001, "
        "cnonce=\"NTg6RKcb9boFIAS3KrFK9BGeh+iDa/sm6jUMp2wds69v\", qop=auth, "
        "response=\"ae66e67d6b427bd3f120414a82e4acff38e8ecd9101d6c861229025f607a79dd\", "
        "opaque=\"" O392 "\", userhash=false";
    static const char *const star_out =
        "Digest username*=UTF-8''J%C3%A4s%C3%B8n%20Doe, realm=\"api@example.org\", "
        "uri=\"/doe.json\", algorithm=SHA-512-256, nonce=\"" N392 "\", nc=00000001, "
        "cnonce=\"NTg6RKcb9boFIAS3KrFK9BGeh+iDa/sm6jUMp2wds69v\", qop=auth, "
        "response=\"ae66e67d6b427bd3f120414a82e4acff38e8ecd9101d6c861229025f607a79dd\", "
        "opaque=\"" O392 "\"";
    static const char *const hashed =
        "Digest username=\"488869477bf257147b804c45308cd62ac4e25eb717b12b298c79e62dcea254ec\", "
        "realm=\"api@example.org\", uri=\"/doe.json\", algorithm=SHA-512-256, "
        "nonce=\"" N392 "\", nc=00000001, cnonce=\"NTg6RKcb9boFIAS3KrFK9BGeh+iDa/sm6jUMp2wds69v\", "
        "qop=auth, "
        "response=\"ae66e67d6b427bd3f120414a82e4acff38e8ecd9101d6c861229025f607a79dd\", "
        "opaque=\"" O392 "\", userhash=true";
    digest_http_challenge *c = NULL;
    digest_http_response *r = NULL;
    size_t off;
    char *s = NULL;

    ck_status(digest_http_parse_challenge(chal, strlen(chal), DIGEST_PARSE_STRICT, &c, &off),
              DIGEST_OK);
    ck_assert_int_eq(c->algorithm, DIGEST_ALG_SHA512_256);
    ck_assert_int_eq(c->charset_utf8, 1);
    ck_assert_int_eq(c->userhash, 1);
    ck_assert_uint_eq(c->qop, DIGEST_QOP_AUTH);
    ck_status(digest_http_challenge_serialize(c, DIGEST_SER_SCHEME, &s, NULL), DIGEST_OK);
    ck_assert_str_eq(s, chal);
    free(s);
    digest_http_challenge_free(c);

    ck_status(digest_http_parse_response(star, strlen(star), DIGEST_PARSE_STRICT, &r, &off),
              DIGEST_OK);
    ck_assert_str_eq(r->username, "J\xc3\xa4s\xc3\xb8n Doe");
    ck_assert_int_eq(r->username_ext, 1);
    ck_assert_int_eq(r->userhash, 0);
    ck_status(digest_http_response_serialize(r, DIGEST_SER_SCHEME, &s, NULL), DIGEST_OK);
    ck_assert_str_eq(s, star_out);
    free(s);
    digest_http_response_free(r);

    ck_status(digest_http_parse_response(hashed, strlen(hashed), DIGEST_PARSE_STRICT, &r, &off),
              DIGEST_OK);
    ck_assert_int_eq(r->userhash, 1);
    ck_assert_int_eq(r->username_ext, 0);
    ck_status(digest_http_response_serialize(r, DIGEST_SER_SCHEME, &s, NULL), DIGEST_OK);
    ck_assert_str_eq(s, hashed);
    free(s);
    digest_http_response_free(r);
}
END_TEST

/* RFC 2617 3.5 */
START_TEST(test_rfc2617_35)
{
    static const char *const chal =
        "Digest realm=\"testrealm@host.com\", qop=\"auth,auth-int\", "
        "nonce=\"dcd98b7102dd2f0e8b11d0f600bfb0c093\", opaque=\"5ccc069c403ebaf9f0171e9517f40e41\"";
    static const char *const resp =
        "Digest username=\"Mufasa\", realm=\"testrealm@host.com\", "
        "nonce=\"dcd98b7102dd2f0e8b11d0f600bfb0c093\", uri=\"/dir/index.html\", qop=auth, "
        "nc=00000001, cnonce=\"0a4f113b\", response=\"6629fae49393a05397450978507c4ef1\", "
        "opaque=\"5ccc069c403ebaf9f0171e9517f40e41\"";
    digest_http_challenge *c = NULL;
    digest_http_response *r = NULL;
    size_t off;

    ck_status(digest_http_parse_challenge(chal, strlen(chal), DIGEST_PARSE_STRICT, &c, &off),
              DIGEST_OK);
    ck_assert_int_eq(c->algorithm, DIGEST_ALG_UNSPECIFIED);
    ck_assert_str_eq(c->realm, "testrealm@host.com");
    digest_http_challenge_free(c);
    ck_status(digest_http_parse_response(resp, strlen(resp), DIGEST_PARSE_STRICT, &r, &off),
              DIGEST_OK);
    ck_assert_str_eq(r->cnonce, "0a4f113b");
    ck_assert_str_eq(r->response, "6629fae49393a05397450978507c4ef1");
    digest_http_response_free(r);
    roundtrip(K_RESP, resp, DIGEST_PARSE_STRICT, 0);
}
END_TEST

/* RFC 2831 4: the challenge, the response and rspauth, written back
 * exactly. */
START_TEST(test_rfc2831_4)
{
    static const char *const chal = "realm=\"elwood.innosoft.com\",nonce=\"OA6MG9tEQGm2hh\","
                                    "qop=\"auth\",algorithm=md5-sess,charset=utf-8";
    static const char *const resp =
        "charset=utf-8,username=\"chris\",realm=\"elwood.innosoft.com\","
        "nonce=\"OA6MG9tEQGm2hh\",nc=00000001,cnonce=\"OA6MHXh6VqTrRk\","
        "digest-uri=\"imap/elwood.innosoft.com\",response=d388dad90d4bbd760a152321f2143af7,"
        "qop=auth";
    static const char *const ra = "rspauth=ea40f60335c427b5527b84dbabcdfffd";
    digest_sasl_challenge *c = NULL;
    digest_sasl_response *r = NULL;
    size_t off;
    char *s = NULL, rsp[33];

    ck_status(digest_sasl_parse_challenge(chal, strlen(chal), DIGEST_PARSE_STRICT, &c, &off),
              DIGEST_OK);
    ck_assert_uint_eq(c->realm_count, 1);
    ck_assert_str_eq(c->realms[0], "elwood.innosoft.com");
    ck_assert_str_eq(c->nonce, "OA6MG9tEQGm2hh");
    ck_assert_uint_eq(c->qop, DIGEST_QOP_AUTH);
    ck_assert_int_eq(c->charset_utf8, 1);
    ck_assert_uint_eq(c->maxbuf, 0);
    ck_status(digest_sasl_challenge_serialize(c, 0, &s, NULL), DIGEST_OK);
    ck_assert_str_eq(s, chal);
    free(s);
    digest_sasl_challenge_free(c);

    ck_status(digest_sasl_parse_response(resp, strlen(resp), DIGEST_PARSE_STRICT, &r, &off),
              DIGEST_OK);
    ck_assert_str_eq(r->username, "chris");
    ck_assert_str_eq(r->realm, "elwood.innosoft.com");
    ck_assert_str_eq(r->cnonce, "OA6MHXh6VqTrRk");
    ck_assert_str_eq(r->digest_uri, "imap/elwood.innosoft.com");
    ck_assert_str_eq(r->response, "d388dad90d4bbd760a152321f2143af7");
    ck_assert_uint_eq(r->qop, DIGEST_QOP_AUTH);
    ck_assert_int_eq(r->charset_utf8, 1);
    ck_status(digest_sasl_response_serialize(r, 0, &s, NULL), DIGEST_OK);
    ck_assert_str_eq(s, resp);
    free(s);
    digest_sasl_response_free(r);

    ck_status(digest_sasl_parse_rspauth(ra, strlen(ra), DIGEST_PARSE_STRICT, rsp, &off),
              DIGEST_OK);
    ck_assert_str_eq(rsp, "ea40f60335c427b5527b84dbabcdfffd");
    ck_status(digest_sasl_rspauth_serialize(rsp, &s, NULL), DIGEST_OK);
    ck_assert_str_eq(s, ra);
    free(s);
}
END_TEST

/* ------------------------------------------------------ real peers' formats */

#define WIN_NONCE "+Upgraded+v1fdcb1e18d2cc7a72322c81c0d8d2a3c332f7908ef0dfcb01aa9fb63930ea"

/* IIS and Active Directory write their challenges in this order; the
 * Windows serializer style gives back the same bytes. */
START_TEST(test_windows_challenges)
{
    static const char *const iis = "qop=\"auth\",algorithm=MD5-sess,nonce=\"" WIN_NONCE "\","
                                   "charset=utf-8,realm=\"Digest\"";
    static const char *const ad = "qop=\"auth,auth-int,auth-conf\",cipher=\"3des,rc4\","
                                  "algorithm=md5-sess,nonce=\"" WIN_NONCE "\","
                                  "charset=utf-8,realm=\"int.devdomains.org\"";
    digest_http_challenge *c = NULL;
    digest_sasl_challenge *sc = NULL;
    size_t off;
    char *s = NULL;

    ck_status(digest_http_parse_challenge(iis, strlen(iis), DIGEST_PARSE_STRICT, &c, &off),
              DIGEST_OK);
    ck_assert_int_eq(c->algorithm, DIGEST_ALG_MD5_SESS);
    ck_assert_int_eq(c->charset_utf8, 1);
    ck_assert_str_eq(c->realm, "Digest");
    ck_status(digest_http_challenge_serialize(c, DIGEST_SER_WINDOWS, &s, NULL), DIGEST_OK);
    ck_assert_str_eq(s, iis);
    free(s);
    digest_http_challenge_free(c);

    ck_status(digest_sasl_parse_challenge(ad, strlen(ad), DIGEST_PARSE_STRICT, &sc, &off),
              DIGEST_OK);
    ck_assert_uint_eq(sc->qop, DIGEST_QOP_AUTH | DIGEST_QOP_AUTH_INT | DIGEST_QOP_AUTH_CONF);
    ck_assert_uint_eq(sc->ciphers, DIGEST_CIPHER_3DES | DIGEST_CIPHER_RC4);
    ck_status(digest_sasl_challenge_serialize(sc, DIGEST_SER_WINDOWS, &s, NULL), DIGEST_OK);
    ck_assert_str_eq(s, ad);
    free(s);
    digest_sasl_challenge_free(sc);
}
END_TEST

/* Apache mod_auth_digest: challenge with domain and stale, and its
 * Authentication-Info layout. */
START_TEST(test_apache)
{
    static const char *const chal =
        "Digest realm=\"private area\", nonce=\"Lx1wAFv2BQA=0b7fdbb32e6f0ad74c8bda6e1a18ec0fae0be21b\", "
        "algorithm=MD5, opaque=\"1\", domain=\"/private/ http://mirror.example/private/\", "
        "stale=true, qop=\"auth\"";
    static const char *const ai =
        "rspauth=\"f0b4e5c03b09fa0ba6e3a17dd4d9e5b5\", cnonce=\"MTIzNDU2\", nc=00000002, qop=auth";
    static const char *const ai2 =
        "rspauth=\"f0b4e5c03b09fa0ba6e3a17dd4d9e5b5\", nextnonce=\"abc\", cnonce=\"MTIzNDU2\", "
        "nc=00000002, qop=auth";
    digest_http_challenge *c = NULL;
    digest_http_auth_info *a = NULL;
    size_t off;
    char *s = NULL;

    ck_status(digest_http_parse_challenge(chal, strlen(chal), DIGEST_PARSE_STRICT, &c, &off),
              DIGEST_OK);
    ck_assert_str_eq(c->nonce, "Lx1wAFv2BQA=0b7fdbb32e6f0ad74c8bda6e1a18ec0fae0be21b");
    ck_assert_str_eq(c->domain, "/private/ http://mirror.example/private/");
    ck_assert_int_eq(c->stale, 1);
    ck_assert_str_eq(c->opaque, "1");
    digest_http_challenge_free(c);
    roundtrip(K_CHAL, chal, DIGEST_PARSE_STRICT, DIGEST_SER_SCHEME);
    roundtrip(K_CHAL, chal, DIGEST_PARSE_STRICT, DIGEST_SER_WINDOWS);

    ck_status(digest_http_parse_auth_info(ai, strlen(ai), DIGEST_PARSE_STRICT, &a, &off),
              DIGEST_OK);
    ck_assert_str_eq(a->rspauth, "f0b4e5c03b09fa0ba6e3a17dd4d9e5b5");
    ck_assert_str_eq(a->cnonce, "MTIzNDU2");
    ck_assert_str_eq(a->nc, "00000002");
    ck_assert_uint_eq(a->nc_value, 2);
    ck_assert_uint_eq(a->qop, DIGEST_QOP_AUTH);
    ck_assert_ptr_null(a->nextnonce);
    ck_status(digest_http_auth_info_serialize(a, 0, &s, NULL), DIGEST_OK);
    ck_assert_str_eq(s, ai);
    free(s);
    digest_http_auth_info_free(a);

    ck_status(digest_http_parse_auth_info(ai2, strlen(ai2), 0, &a, &off), DIGEST_OK);
    ck_assert_str_eq(a->nextnonce, "abc");
    ck_status(digest_http_auth_info_serialize(a, 0, &s, NULL), DIGEST_OK);
    ck_assert_str_eq(s, ai2);
    free(s);
    digest_http_auth_info_free(a);

    /* RFC 2069-style server: nextnonce only */
    ck_status(parse_str(K_AINFO, "nextnonce=\"xyz\"", DIGEST_PARSE_STRICT), DIGEST_OK);
}
END_TEST

/* python-requests quotes algorithm and qop; curl's SASL client quotes nc.
 * Accepted by default (RFC 7235 2.1), refused when strict. */
START_TEST(test_lenient_peers)
{
    static const char *const requests =
        "Digest username=\"bob\", realm=\"me@kennethreitz.com\", nonce=\"n0\", uri=\"/x?y=1\", "
        "response=\"0123456789abcdef0123456789abcdef\", opaque=\"o\", algorithm=\"MD5\", "
        "qop=\"auth\", nc=00000001, cnonce=\"2a54f3c8d0b1e7f6\"";
    static const char *const curl_sasl =
        "username=\"bob\",realm=\"example.com\",nonce=\"n0\",cnonce=\"0123abcd\","
        "nc=\"00000001\",digest-uri=\"smtp/mail.example.com\","
        "response=0123456789abcdef0123456789abcdef,qop=auth";
    digest_http_response *r = NULL;
    size_t off;

    ck_status(digest_http_parse_response(requests, strlen(requests), 0, &r, &off), DIGEST_OK);
    ck_assert_int_eq(r->algorithm, DIGEST_ALG_MD5);
    ck_assert_uint_eq(r->qop, DIGEST_QOP_AUTH);
    ck_assert_str_eq(r->uri, "/x?y=1");
    digest_http_response_free(r);
    ck_status(parse_str(K_RESP, requests, DIGEST_PARSE_STRICT), DIGEST_ERR_WRONG_FORM);
    roundtrip(K_RESP, requests, 0, DIGEST_SER_SCHEME);

    ck_status(parse_str(K_SRESP, curl_sasl, 0), DIGEST_OK);
    ck_status(parse_str(K_SRESP, curl_sasl, DIGEST_PARSE_STRICT), DIGEST_ERR_WRONG_FORM);
    roundtrip(K_SRESP, curl_sasl, 0, 0);

    /* curl's HTTP format, and Cyrus' SASL server challenge */
    roundtrip(K_RESP,
              "Digest username=\"bob\", realm=\"r\", nonce=\"n\", uri=\"/\", cnonce=\"MTIz\", "
              "nc=00000001, qop=auth, response=\"0123456789abcdef0123456789abcdef\", "
              "opaque=\"o\", algorithm=MD5-sess, userhash=true",
              DIGEST_PARSE_STRICT, DIGEST_SER_SCHEME);
    roundtrip(K_SCHAL,
              "nonce=\"aGVsbG8=\",realm=\"host\",qop=\"auth,auth-int,auth-conf\","
              "cipher=\"rc4-40,rc4-56,rc4,des,3des\",maxbuf=65536,charset=utf-8,"
              "algorithm=md5-sess",
              DIGEST_PARSE_STRICT, 0);
    /* old servers send realm as a token */
    ck_status(parse_str(K_CHAL, "Digest realm=host, nonce=\"n\"", 0), DIGEST_OK);
    ck_status(parse_str(K_CHAL, "Digest realm=host, nonce=\"n\"", DIGEST_PARSE_STRICT),
              DIGEST_ERR_WRONG_FORM);
}
END_TEST

/* ---------------------------------------------------------- parser rules */

/* The Windows username rule: only \" and \\ are escapes inside username. */
START_TEST(test_windows_username)
{
    static const struct {
        const char *wire, *value;
    } cases[] = {
        {"DOMAIN\\user", "DOMAIN\\user"},       /* Windows: unescaped */
        {"DOMAIN\\\\user", "DOMAIN\\user"},     /* curl: escaped */
        {"a\\\"b", "a\"b"},                     /* quoted-pair \" */
        {"a\\\\\\\"b", "a\\\"b"},               /* \\ then \" */
        {"x\\y\\z", "x\\y\\z"},
        {"\\tab", "\\tab"},
    };
    size_t i;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char buf[512];
        digest_http_response *r = NULL;
        digest_sasl_response *sr = NULL;
        size_t off;
        char *s = NULL;
        snprintf(buf, sizeof(buf),
                 "Digest username=\"%s\", realm=\"R\\ealm\", nonce=\"n\", uri=\"/\", "
                 "response=\"0123456789abcdef0123456789abcdef\"",
                 cases[i].wire);
        ck_status(digest_http_parse_response(buf, strlen(buf), DIGEST_PARSE_STRICT, &r, &off),
                  DIGEST_OK);
        ck_assert_str_eq(r->username, cases[i].value);
        ck_assert_str_eq(r->realm, "Realm"); /* the RFC rule everywhere else */
        ck_status(digest_http_response_serialize(r, 0, &s, NULL), DIGEST_OK);
        free(s);
        digest_http_response_free(r);
        roundtrip(K_RESP, buf, 0, 0);
        roundtrip(K_RESP, buf, 0, DIGEST_SER_WINDOWS);

        snprintf(buf, sizeof(buf),
                 "username=\"%s\",nonce=\"n\",cnonce=\"c\",nc=00000001,digest-uri=\"ldap/h\","
                 "response=0123456789abcdef0123456789abcdef",
                 cases[i].wire);
        ck_status(digest_sasl_parse_response(buf, strlen(buf), 0, &sr, &off), DIGEST_OK);
        ck_assert_str_eq(sr->username, cases[i].value);
        digest_sasl_response_free(sr);
        roundtrip(K_SRESP, buf, 0, DIGEST_SER_WINDOWS);
    }
    {
        digest_http_response r;
        char *s = NULL;
        memset(&r, 0, sizeof(r));
        r.username = "DOMAIN\\user";
        r.realm = "r";
        r.uri = "/";
        r.nonce = "n";
        strcpy(r.response, "0123456789abcdef0123456789abcdef");
        ck_status(digest_http_response_serialize(&r, 0, &s, NULL), DIGEST_OK);
        ck_assert_str_eq(s, "username=\"DOMAIN\\\\user\", realm=\"r\", uri=\"/\", nonce=\"n\", "
                            "response=\"0123456789abcdef0123456789abcdef\"");
        free(s);
        ck_status(digest_http_response_serialize(&r, DIGEST_SER_WINDOWS, &s, NULL), DIGEST_OK);
        ck_assert_str_eq(s, "username=\"DOMAIN\\user\",realm=\"r\",uri=\"/\",nonce=\"n\","
                            "response=\"0123456789abcdef0123456789abcdef\"");
        free(s);
        /* a trailing backslash must stay escaped, or it would eat the quote */
        r.username = "DOMAIN\\";
        ck_status(digest_http_response_serialize(&r, DIGEST_SER_WINDOWS, &s, NULL), DIGEST_OK);
        ck_assert_ptr_nonnull(strstr(s, "username=\"DOMAIN\\\\\""));
        free(s);
    }
    /* a trailing backslash escapes the closing quote: the string runs on */
    ck_status(parse_str(K_RESP, "username=\"DOMAIN\\\", realm=\"r\", nonce=\"n\", uri=\"/\", "
                                "response=\"0123456789abcdef0123456789abcdef\"", 0),
              DIGEST_ERR_JUNK);
    ck_status(parse_str(K_RESP, "realm=\"r\", username=\"DOMAIN\\\"", 0),
              DIGEST_ERR_UNTERMINATED);
}
END_TEST

START_TEST(test_multiple_challenges)
{
    static const char *const hdr =
        "Basic realm=\"simple\", Digest realm=\"a\", nonce=\"n1\", algorithm=MD5, Negotiate, "
        "Newauth realm=\"apps\", type=1, title=\"Login to \\\"apps\\\"\", "
        "Digest realm=\"b\", nonce=\"n2\", qop=\"auth,auth-int\", algorithm=SHA-256, "
        "Bearer abc.def==, NTLM,  Digest realm=\"c\",nonce=\"n3\",algorithm=SHA-3";
    const char *v[3];
    size_t n[3], idx = 99, off = 99;
    digest_http_challenge_list *l = NULL;

    v[0] = hdr;
    n[0] = strlen(hdr);
    ck_status(digest_http_parse_challenges(v, n, 1, DIGEST_PARSE_STRICT, &l, &idx, &off),
              DIGEST_OK);
    ck_assert_uint_eq(l->count, 3);
    ck_assert_str_eq(l->items[0].realm, "a");
    ck_assert_str_eq(l->items[1].realm, "b");
    ck_assert_int_eq(l->items[1].algorithm, DIGEST_ALG_SHA256);
    ck_assert_str_eq(l->items[2].nonce, "n3");
    ck_assert_int_eq(l->items[2].algorithm, DIGEST_ALG_UNKNOWN);
    ck_assert_str_eq(l->items[2].algorithm_token, "SHA-3");
    /* unknown algorithms are skipped (RFC 7616 3.3) */
    ck_assert_ptr_eq(digest_http_challenge_select(l, DIGEST_ALG_BIT(DIGEST_ALG_SHA256)),
                     &l->items[1]);
    digest_http_challenge_list_free(l);
    roundtrip(K_CHALS, hdr, DIGEST_PARSE_STRICT, 0);
    roundtrip(K_CHALS, hdr, DIGEST_PARSE_STRICT, DIGEST_SER_WINDOWS);

    /* several headers, and an error located by header and offset */
    v[0] = "Basic realm=\"x\"";
    v[1] = "Digest realm=\"a\", nonce=\"1\"";
    v[2] = "Digest realm=\"b\", nonce=\"2\", nonce=\"3\"";
    n[0] = strlen(v[0]);
    n[1] = strlen(v[1]);
    n[2] = strlen(v[2]);
    ck_status(digest_http_parse_challenges(v, n, 2, 0, &l, &idx, &off), DIGEST_OK);
    ck_assert_uint_eq(l->count, 1);
    digest_http_challenge_list_free(l);
    ck_status(digest_http_parse_challenges(v, n, 3, 0, &l, &idx, &off), DIGEST_ERR_DUPLICATE);
    ck_assert_ptr_null(l);
    ck_assert_uint_eq(idx, 2);
    ck_assert_uint_eq(off, strlen("Digest realm=\"b\", nonce=\"2\", "));

    /* regression (found by the fuzzer): separators are not empty elements,
     * so many directives over several challenges are fine, and so are
     * many parameter-less challenges */
    {
        char big[4096] = "";
        int i, j;
        for (i = 0; i < 4; i++) {
            sprintf(big + strlen(big), "%sDigest realm=\"r%d\", nonce=\"n\"", i ? ", " : "", i);
            for (j = 0; j < 8; j++)
                sprintf(big + strlen(big), ", x%d=\"%d\"", j, j);
        }
        for (i = 0; i < 10; i++)
            strcat(big, ", Negotiate");
        v[0] = big;
        n[0] = strlen(big);
        ck_status(digest_http_parse_challenges(v, n, 1, 0, &l, &idx, &off), DIGEST_OK);
        ck_assert_uint_eq(l->count, 4);
        digest_http_challenge_list_free(l);
        /* but more than DIGEST_MAX_EMPTY real empty elements are refused */
        strcpy(big, "Digest realm=\"r\", nonce=\"n\"");
        for (i = 0; i <= DIGEST_MAX_EMPTY; i++)
            strcat(big, ", ");
        strcat(big, ", Basic");
        ck_status(parse_str(K_CHALS, big, 0), DIGEST_ERR_TOO_MANY);
        big[strlen(big) - 9] = '\0'; /* one separator and DIGEST_MAX_EMPTY empties */
        strcat(big, ", Basic");
        ck_status(parse_str(K_CHALS, big, 0), DIGEST_OK);
    }

    /* no Digest at all */
    ck_status(parse_str(K_CHALS, "Basic realm=\"x\", Negotiate", 0), DIGEST_ERR_NOT_DIGEST);
    /* Digest takes auth-params, not token68 */
    ck_status(parse_str(K_CHALS, "Digest abcdef==", 0), DIGEST_ERR_SYNTAX);
    /* an auth-param where the scheme was due */
    ck_status(parse_str(K_CHALS, "realm=\"x\", nonce=\"y\"", 0), DIGEST_ERR_SYNTAX);
    /* a challenge without its required directives */
    ck_status(parse_str(K_CHALS, "Digest, Basic realm=\"x\"", 0), DIGEST_ERR_MISSING);
    ck_status(parse_str(K_CHALS, "Digest", 0), DIGEST_ERR_MISSING);
    {
        /* too many challenges */
        char buf[1024] = "";
        int i;
        for (i = 0; i < DIGEST_MAX_CHALLENGES + 1; i++)
            strcat(buf, i ? ", Basic realm=\"x\"" : "Digest realm=\"r\", nonce=\"n\"");
        ck_status(parse_str(K_CHALS, buf, 0), DIGEST_ERR_TOO_MANY);
    }
}
END_TEST

START_TEST(test_single_challenge_scheme)
{
    static const char *const params = "realm=\"r\", nonce=\"n\", qop=\"auth\"";
    ck_status(parse_str(K_CHAL, params, DIGEST_PARSE_STRICT), DIGEST_OK);
    ck_status(parse_str(K_CHAL, "Digest realm=\"r\", nonce=\"n\"", DIGEST_PARSE_STRICT),
              DIGEST_OK);
    ck_status(parse_str(K_CHAL, "dIgEsT   realm=\"r\", nonce=\"n\"", 0), DIGEST_OK);
    ck_status(parse_str(K_CHAL, "Basic realm=\"r\"", 0), DIGEST_ERR_NOT_DIGEST);
    ck_status(parse_str(K_RESP, "Basic dXNlcjpwYXNz", 0), DIGEST_ERR_NOT_DIGEST);
    ck_status(parse_str(K_CHAL, "realm = \"r\" , nonce = \"n\"", DIGEST_PARSE_STRICT),
              DIGEST_OK); /* BWS around '=' (RFC 7235 2.1) */
    ck_status(parse_str(K_CHAL, "Digest", 0), DIGEST_ERR_EMPTY);
}
END_TEST

START_TEST(test_duplicates)
{
    static const struct {
        enum kind k;
        const char *in;
    } cases[] = {
        {K_CHAL, "realm=\"a\", nonce=\"n\", realm=\"a\""},
        {K_CHAL, "realm=\"a\", nonce=\"n\", REALM=\"b\""},       /* names are case-insensitive */
        {K_CHAL, "realm=\"a\", nonce=\"n\", qop=\"auth\", Qop=\"auth\""},
        {K_CHAL, "realm=\"a\", nonce=\"n\", stale=true, stale=false"},
        {K_RESP, "username=\"u\", username=\"v\", realm=\"r\", nonce=\"n\", uri=\"/\", "
                 "response=\"0123456789abcdef0123456789abcdef\""},
        {K_RESP, "username=\"u\", username*=UTF-8''u, realm=\"r\", nonce=\"n\", uri=\"/\", "
                 "response=\"0123456789abcdef0123456789abcdef\""},
        {K_RESP, "username=\"u\", realm=\"r\", nonce=\"n\", uri=\"/\", uri=\"/\", "
                 "response=\"0123456789abcdef0123456789abcdef\""},
        {K_AINFO, "rspauth=\"00\", rspauth=\"00\""},
        {K_SCHAL, "nonce=\"n\",nonce=\"n\",algorithm=md5-sess"},
        {K_SCHAL, "nonce=\"n\",algorithm=md5-sess,algorithm=md5-sess"},
        {K_SCHAL, "nonce=\"n\",algorithm=md5-sess,maxbuf=1000,maxbuf=1000"},
        {K_SRESP, "username=\"u\",nonce=\"n\",cnonce=\"c\",nc=00000001,nc=00000002,"
                  "digest-uri=\"a/b\",response=0123456789abcdef0123456789abcdef"},
        {K_SRESP, "username=\"u\",realm=\"a\",realm=\"b\",nonce=\"n\",cnonce=\"c\","
                  "nc=00000001,digest-uri=\"a/b\",response=0123456789abcdef0123456789abcdef"},
        {K_RSPAUTH, "rspauth=0123456789abcdef0123456789abcdef,rspauth=0123456789abcdef0123456789abcdef"},
    };
    size_t i;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        digest_status st = parse_str(cases[i].k, cases[i].in, 0);
        ck_assert_msg(st == DIGEST_ERR_DUPLICATE, "case %zu: %s", i, digest_status_str(st));
    }
    /* several realms are legal in a SASL challenge (RFC 2831 2.1.1) */
    {
        digest_sasl_challenge *c = NULL;
        size_t off;
        static const char *const in =
            "realm=\"a\",realm=\"b\",realm=\"\",nonce=\"n\",algorithm=md5-sess";
        ck_status(digest_sasl_parse_challenge(in, strlen(in), 0, &c, &off), DIGEST_OK);
        ck_assert_uint_eq(c->realm_count, 3);
        ck_assert_str_eq(c->realms[1], "b");
        ck_assert_str_eq(c->realms[2], "");
        digest_sasl_challenge_free(c);
        roundtrip(K_SCHAL, in, 0, 0);
    }
}
END_TEST

START_TEST(test_limits)
{
    char *v, *buf;
    size_t n;

    /* a realm of exactly the limit passes, one more octet fails */
    v = rep('r', DIGEST_MAX_REALM);
    buf = malloc(DIGEST_MAX_REALM + 64);
    sprintf(buf, "realm=\"%s\", nonce=\"n\"", v);
    ck_status(parse_str(K_CHAL, buf, 0), DIGEST_OK);
    sprintf(buf, "realm=\"%sr\", nonce=\"n\"", v);
    ck_status(parse_str(K_CHAL, buf, 0), DIGEST_ERR_TOO_LONG);
    /* escapes count once, after unescaping */
    free(buf);
    buf = malloc(4 * DIGEST_MAX_REALM + 64);
    n = (size_t)sprintf(buf, "realm=\"");
    {
        size_t i;
        for (i = 0; i < DIGEST_MAX_REALM; i++) {
            buf[n++] = '\\';
            buf[n++] = 'x';
        }
    }
    strcpy(buf + n, "\", nonce=\"n\"");
    ck_status(parse_str(K_CHAL, buf, 0), DIGEST_OK);
    free(buf);
    free(v);

    /* the whole header value */
    v = rep(' ', DIGEST_MAX_HTTP_VALUE + 1);
    memcpy(v, "realm=\"a\",nonce=\"b\"", 19);
    ck_status(parse_any(K_CHAL, v, DIGEST_MAX_HTTP_VALUE, 0, &n), DIGEST_OK);
    ck_status(parse_any(K_CHAL, v, DIGEST_MAX_HTTP_VALUE + 1, 0, &n), DIGEST_ERR_TOO_LONG);
    free(v);

    /* SASL: challenge < 2048, response < 4096 (RFC 2831 2.1.1, 2.1.2) */
    v = rep(' ', 4096);
    memcpy(v, "nonce=\"n\",algorithm=md5-sess", 28);
    ck_status(parse_any(K_SCHAL, v, 2047, 0, &n), DIGEST_OK);
    ck_status(parse_any(K_SCHAL, v, 2048, 0, &n), DIGEST_ERR_TOO_LONG);
    memcpy(v, "username=\"u\",nonce=\"n\",cnonce=\"c\",nc=00000001,digest-uri=\"a/b\","
              "response=0123456789abcdef0123456789abcdef", 104);
    ck_status(parse_any(K_SRESP, v, 4095, 0, &n), DIGEST_OK);
    ck_status(parse_any(K_SRESP, v, 4096, 0, &n), DIGEST_ERR_TOO_LONG);
    free(v);

    /* nonce, uri, username, directive names */
    v = rep('n', DIGEST_MAX_NONCE + 1);
    buf = malloc(DIGEST_MAX_URI + 256);
    sprintf(buf, "realm=\"r\", nonce=\"%s\"", v);
    ck_status(parse_str(K_CHAL, buf, 0), DIGEST_ERR_TOO_LONG);
    free(v);
    v = rep('u', DIGEST_MAX_URI + 1);
    sprintf(buf, "username=\"u\", realm=\"r\", nonce=\"n\", uri=\"%s\", "
                 "response=\"0123456789abcdef0123456789abcdef\"", v);
    ck_status(parse_str(K_RESP, buf, 0), DIGEST_ERR_TOO_LONG);
    v[DIGEST_MAX_URI] = '\0';
    sprintf(buf, "username=\"u\", realm=\"r\", nonce=\"n\", uri=\"%s\", "
                 "response=\"0123456789abcdef0123456789abcdef\"", v);
    ck_status(parse_str(K_RESP, buf, 0), DIGEST_OK);
    free(v);
    v = rep('u', DIGEST_MAX_USERNAME + 1);
    sprintf(buf, "username=\"%s\", realm=\"r\", nonce=\"n\", uri=\"/\", "
                 "response=\"0123456789abcdef0123456789abcdef\"", v);
    ck_status(parse_str(K_RESP, buf, 0), DIGEST_ERR_TOO_LONG);
    free(v);
    v = rep('x', DIGEST_MAX_NAME + 1);
    sprintf(buf, "realm=\"r\", nonce=\"n\", %s=1", v);
    ck_status(parse_str(K_CHAL, buf, 0), DIGEST_ERR_TOO_LONG);
    free(v);
    /* an unknown token-valued directive's value is bounded by the input only;
     * a known one by DIGEST_MAX_TOKEN */
    v = rep('a', DIGEST_MAX_TOKEN + 1);
    sprintf(buf, "realm=\"r\", nonce=\"n\", algorithm=%s", v);
    ck_status(parse_str(K_CHAL, buf, 0), DIGEST_ERR_TOO_LONG);
    free(v);
    free(buf);

    /* counts: directives, empty list elements, list items, SASL realms */
    {
        char big[4096] = "realm=\"r\", nonce=\"n\"";
        int i;
        for (i = 0; i < DIGEST_MAX_DIRECTIVES - 2; i++)
            sprintf(big + strlen(big), ", x%d=1", i);
        ck_status(parse_str(K_CHAL, big, 0), DIGEST_OK);
        strcat(big, ", one=more");
        ck_status(parse_str(K_CHAL, big, 0), DIGEST_ERR_TOO_MANY);

        strcpy(big, "realm=\"r\"");
        for (i = 0; i < DIGEST_MAX_EMPTY; i++)
            strcat(big, ",");
        strcat(big, ",nonce=\"n\"");
        ck_status(parse_str(K_CHAL, big, 0), DIGEST_OK);
        strcpy(big, "realm=\"r\"");
        for (i = 0; i < DIGEST_MAX_EMPTY + 1; i++)
            strcat(big, ",");
        strcat(big, ",nonce=\"n\"");
        ck_status(parse_str(K_CHAL, big, 0), DIGEST_ERR_TOO_MANY);

        strcpy(big, "realm=\"r\", nonce=\"n\", qop=\"auth");
        for (i = 0; i < DIGEST_MAX_LIST_ITEMS; i++)
            strcat(big, ",x");
        strcat(big, "\"");
        ck_status(parse_str(K_CHAL, big, 0), DIGEST_ERR_TOO_MANY);

        strcpy(big, "nonce=\"n\",algorithm=md5-sess");
        for (i = 0; i < DIGEST_SASL_MAX_REALMS; i++)
            strcat(big, ",realm=\"r\"");
        ck_status(parse_str(K_SCHAL, big, 0), DIGEST_OK);
        strcat(big, ",realm=\"r\"");
        ck_status(parse_str(K_SCHAL, big, 0), DIGEST_ERR_TOO_MANY);
    }
}
END_TEST

START_TEST(test_quoted_strings)
{
    size_t off = 0;
    /* unterminated, at the end and before a comma */
    ck_status(parse_str(K_CHAL, "realm=\"abc", 0), DIGEST_ERR_UNTERMINATED);
    ck_status(parse_str(K_CHAL, "nonce=\"n\", realm=\"abc, x=1", 0), DIGEST_ERR_UNTERMINATED);
    ck_status(parse_str(K_CHAL, "realm=\"abc\\", 0), DIGEST_ERR_UNTERMINATED);
    ck_status(parse_str(K_CHAL, "realm=\"abc\\\"", 0), DIGEST_ERR_UNTERMINATED);
    /* CTLs are not qdtext, nor allowed after a backslash; HTAB is */
    ck_status(parse_str(K_CHAL, "realm=\"a\x01" "b\", nonce=\"n\"", 0), DIGEST_ERR_BAD_CHAR);
    ck_status(parse_str(K_CHAL, "realm=\"a\\\x01" "b\", nonce=\"n\"", 0), DIGEST_ERR_BAD_CHAR);
    ck_status(parse_str(K_CHAL, "realm=\"a\x7f\", nonce=\"n\"", 0), DIGEST_ERR_BAD_CHAR);
    ck_status(parse_str(K_CHAL, "realm=\"a\r\nb\", nonce=\"n\"", 0), DIGEST_ERR_BAD_CHAR);
    ck_status(parse_str(K_CHAL, "realm=\"a\tb\", nonce=\"n\"", 0), DIGEST_OK);
    ck_status(parse_str(K_CHAL, "realm=\"a\\\tb\", nonce=\"n\"", 0), DIGEST_OK);
    /* obs-text (UTF-8 octets) is allowed in quoted strings */
    ck_status(parse_str(K_CHAL, "realm=\"r\xc3\xa9" "alm\", nonce=\"n\"", 0), DIGEST_OK);
    /* NUL anywhere */
    ck_status(parse_any(K_CHAL, "realm=\"a\0b\", nonce=\"n\"", 21, 0, &off), DIGEST_ERR_BAD_CHAR);
    /* quoted-pairs unescape */
    {
        digest_http_challenge *c = NULL;
        static const char *const in = "realm=\"a\\\"b\\\\c\\d\", nonce=\"\"";
        ck_status(digest_http_parse_challenge(in, strlen(in), 0, &c, &off), DIGEST_OK);
        ck_assert_str_eq(c->realm, "a\"b\\cd");
        ck_assert_str_eq(c->nonce, "");
        digest_http_challenge_free(c);
        roundtrip(K_CHAL, in, 0, 0);
    }
}
END_TEST

START_TEST(test_junk_and_syntax)
{
    size_t off = 0;
    static const struct {
        enum kind k;
        const char *in;
        digest_status want;
    } cases[] = {
        {K_CHAL, "realm=\"a\" junk, nonce=\"n\"", DIGEST_ERR_JUNK},
        {K_CHAL, "realm=\"a\"nonce=\"n\"", DIGEST_ERR_JUNK},
        {K_CHAL, "realm=\"a\"; nonce=\"n\"", DIGEST_ERR_JUNK},
        {K_CHAL, "realm=abc def, nonce=\"n\"", DIGEST_ERR_JUNK},
        {K_CHAL, "realm=\"a\", nonce", DIGEST_ERR_SYNTAX},
        {K_CHAL, "realm=\"a\", nonce=", DIGEST_ERR_SYNTAX},
        {K_CHAL, "realm=\"a\", nonce=,", DIGEST_ERR_SYNTAX},
        {K_CHAL, "realm=\"a\", =\"n\"", DIGEST_ERR_SYNTAX},
        {K_CHAL, "realm=\"a\", \"n\"", DIGEST_ERR_SYNTAX},
        {K_CHAL, "realm=\"a\", nonce=\x01", DIGEST_ERR_BAD_CHAR},
        {K_CHAL, "realm=\"a\", nonce=@", DIGEST_ERR_SYNTAX},
        {K_CHALS, "Digest realm=\"a\", nonce=\"n\" Basic", DIGEST_ERR_JUNK},
        {K_CHALS, "Digest\"realm\"", DIGEST_ERR_JUNK},
        {K_CHALS, "Digest =x", DIGEST_ERR_SYNTAX},
        {K_CHALS, "Digest realm=\"a\", nonce=\"n\", \x01", DIGEST_ERR_BAD_CHAR},
        {K_SCHAL, "nonce=\"n\" algorithm=md5-sess", DIGEST_ERR_JUNK},
        {K_SRESP, "username=\"u\";nonce=\"n\"", DIGEST_ERR_JUNK},
        {K_AINFO, "rspauth=\"ab\" x", DIGEST_ERR_JUNK},
    };
    size_t i;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        digest_status st = parse_str(cases[i].k, cases[i].in, 0);
        ck_assert_msg(st == cases[i].want, "case %zu [%s]: %s, expected %s", i, cases[i].in,
                      digest_status_str(st), digest_status_str(cases[i].want));
    }
    /* the offset points at the junk */
    ck_status(parse_any(K_CHAL, "realm=\"a\" junk", 14, 0, &off), DIGEST_ERR_JUNK);
    ck_assert_uint_eq(off, 10);
    /* folded whitespace is LWS in SASL (RFC 2831 1.1), not in HTTP */
    ck_status(parse_str(K_SCHAL, "nonce=\"n\",\r\n algorithm=md5-sess", 0), DIGEST_OK);
    ck_status(parse_str(K_CHAL, "realm=\"a\",\r\n nonce=\"n\"", 0), DIGEST_ERR_BAD_CHAR);
    /* empty list elements are fine (RFC 7230 7) */
    ck_status(parse_str(K_CHAL, ",realm=\"a\",, ,nonce=\"n\",", DIGEST_PARSE_STRICT), DIGEST_OK);
}
END_TEST

START_TEST(test_empty)
{
    size_t off, idx;
    digest_http_challenge_list *l = NULL;
    const char *v[2] = {"", "  "};
    size_t n[2] = {0, 2};
    enum kind k;
    for (k = K_CHALS; k <= K_RSPAUTH; k++) {
        ck_status(parse_any(k, "", 0, 0, &off), DIGEST_ERR_EMPTY);
        ck_status(parse_any(k, " \t ", 3, 0, &off), DIGEST_ERR_EMPTY);
        ck_status(parse_any(k, NULL, 0, 0, &off), DIGEST_ERR_EMPTY);
        ck_status(parse_any(k, ", ,", 3, 0, &off), DIGEST_ERR_EMPTY);
    }
    ck_status(digest_http_parse_challenges(v, n, 2, 0, &l, &idx, &off), DIGEST_ERR_EMPTY);
    ck_status(digest_http_parse_challenges(v, n, 0, 0, &l, &idx, &off), DIGEST_ERR_EMPTY);
    ck_status(digest_http_parse_challenges(NULL, NULL, 1, 0, &l, &idx, &off),
              DIGEST_ERR_INVALID_ARG);
}
END_TEST

START_TEST(test_nc)
{
    static const struct {
        const char *nc;
        digest_status want;
    } cases[] = {
        {"00000001", DIGEST_OK},       {"deadBEEF", DIGEST_OK},
        {"0000001", DIGEST_ERR_BAD_VALUE}, {"000000001", DIGEST_ERR_BAD_VALUE},
        {"0000000g", DIGEST_ERR_BAD_VALUE}, {"+0000001", DIGEST_ERR_BAD_VALUE},
        {"\"00000001\"", DIGEST_OK},   {"\"0000 001\"", DIGEST_ERR_BAD_VALUE},
        {"\"\"", DIGEST_ERR_BAD_VALUE},
    };
    size_t i;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char buf[256];
        digest_status st;
        snprintf(buf, sizeof(buf),
                 "username=\"u\", realm=\"r\", nonce=\"n\", uri=\"/\", qop=auth, nc=%s, "
                 "cnonce=\"c\", response=\"0123456789abcdef0123456789abcdef\"",
                 cases[i].nc);
        st = parse_str(K_RESP, buf, 0);
        ck_assert_msg(st == cases[i].want, "nc=%s: %s", cases[i].nc, digest_status_str(st));
        snprintf(buf, sizeof(buf),
                 "username=\"u\",nonce=\"n\",cnonce=\"c\",nc=%s,digest-uri=\"a/b\","
                 "response=0123456789abcdef0123456789abcdef",
                 cases[i].nc);
        st = parse_str(K_SRESP, buf, 0);
        ck_assert_msg(st == cases[i].want, "sasl nc=%s: %s", cases[i].nc, digest_status_str(st));
    }
    {
        digest_http_response *r = NULL;
        size_t off;
        static const char *const in =
            "username=\"u\", realm=\"r\", nonce=\"n\", uri=\"/\", qop=auth, nc=deadBEEF, "
            "cnonce=\"c\", response=\"0123456789abcdef0123456789abcdef\"";
        ck_status(digest_http_parse_response(in, strlen(in), 0, &r, &off), DIGEST_OK);
        ck_assert_uint_eq(r->nc_value, 0xdeadbeefu);
        ck_assert_str_eq(r->nc, "deadBEEF"); /* kept as sent: it is hashed as sent */
        digest_http_response_free(r);
    }
}
END_TEST

START_TEST(test_http_response_rules)
{
    static const struct {
        const char *in;
        digest_status want;
    } cases[] = {
        /* cnonce and nc go with qop and only with it (RFC 7616 3.4) */
        {"username=\"u\", realm=\"r\", nonce=\"n\", uri=\"/\", qop=auth, "
         "response=\"0123456789abcdef0123456789abcdef\"", DIGEST_ERR_MISSING},
        {"username=\"u\", realm=\"r\", nonce=\"n\", uri=\"/\", cnonce=\"c\", nc=00000001, "
         "response=\"0123456789abcdef0123456789abcdef\"", DIGEST_ERR_BAD_VALUE},
        /* RFC 2069 style (no qop) is fine */
        {"username=\"u\", realm=\"r\", nonce=\"n\", uri=\"/\", "
         "response=\"0123456789abcdef0123456789abcdef\"", DIGEST_OK},
        /* required directives */
        {"realm=\"r\", nonce=\"n\", uri=\"/\", response=\"0123456789abcdef0123456789abcdef\"",
         DIGEST_ERR_MISSING},
        {"username=\"u\", realm=\"r\", nonce=\"n\", response=\"0123456789abcdef0123456789abcdef\"",
         DIGEST_ERR_MISSING},
        {"username=\"u\", realm=\"r\", nonce=\"n\", uri=\"/\"", DIGEST_ERR_MISSING},
        /* the response has the algorithm's length and is hex */
        {"username=\"u\", realm=\"r\", nonce=\"n\", uri=\"/\", algorithm=SHA-256, "
         "response=\"0123456789abcdef0123456789abcdef\"", DIGEST_ERR_BAD_VALUE},
        {"username=\"u\", realm=\"r\", nonce=\"n\", uri=\"/\", "
         "response=\"0123456789abcdef0123456789abcdeg\"", DIGEST_ERR_BAD_VALUE},
        {"username=\"u\", realm=\"r\", nonce=\"n\", uri=\"/\", algorithm=Foo, response=\"ab\"",
         DIGEST_OK},
        /* qop: auth-conf is SASL only, unknown values refused */
        {"username=\"u\", realm=\"r\", nonce=\"n\", uri=\"/\", qop=auth-conf, nc=00000001, "
         "cnonce=\"c\", response=\"0123456789abcdef0123456789abcdef\"", DIGEST_ERR_UNSUPPORTED},
        {"username=\"u\", realm=\"r\", nonce=\"n\", uri=\"/\", qop=AUTH-INT, nc=00000001, "
         "cnonce=\"c\", response=\"0123456789abcdef0123456789abcdef\"", DIGEST_OK},
        /* username* (RFC 8187) */
        {"username*=\"UTF-8''u\", realm=\"r\", nonce=\"n\", uri=\"/\", "
         "response=\"0123456789abcdef0123456789abcdef\"", DIGEST_ERR_WRONG_FORM},
        {"username*=UTF-8''u, realm=\"r\", nonce=\"n\", uri=\"/\", userhash=true, "
         "response=\"0123456789abcdef0123456789abcdef\"", DIGEST_ERR_BAD_VALUE},
        {"username*=UTF-8''%ZZ, realm=\"r\", nonce=\"n\", uri=\"/\", "
         "response=\"0123456789abcdef0123456789abcdef\"", DIGEST_ERR_BAD_ENCODING},
        {"username*=UTF-8''%C3, realm=\"r\", nonce=\"n\", uri=\"/\", "
         "response=\"0123456789abcdef0123456789abcdef\"", DIGEST_ERR_BAD_ENCODING},
        {"username*=UTF-8''%C0%80, realm=\"r\", nonce=\"n\", uri=\"/\", "
         "response=\"0123456789abcdef0123456789abcdef\"", DIGEST_ERR_BAD_ENCODING},
        {"username*=UTF-8''a%00b, realm=\"r\", nonce=\"n\", uri=\"/\", "
         "response=\"0123456789abcdef0123456789abcdef\"", DIGEST_ERR_BAD_ENCODING},
        {"username*=KOI8-R''abc, realm=\"r\", nonce=\"n\", uri=\"/\", "
         "response=\"0123456789abcdef0123456789abcdef\"", DIGEST_ERR_BAD_ENCODING},
        {"username*=UTF-8'abc, realm=\"r\", nonce=\"n\", uri=\"/\", "
         "response=\"0123456789abcdef0123456789abcdef\"", DIGEST_ERR_BAD_ENCODING},
        {"username*=utf-8'en-GB'abc, realm=\"r\", nonce=\"n\", uri=\"/\", "
         "response=\"0123456789abcdef0123456789abcdef\"", DIGEST_OK},
        {"username=\"u\", realm=\"r\", nonce=\"n\", uri=\"/\", userhash=maybe, "
         "response=\"0123456789abcdef0123456789abcdef\"", DIGEST_OK},
    };
    size_t i;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        digest_status st = parse_str(K_RESP, cases[i].in, 0);
        ck_assert_msg(st == cases[i].want, "case %zu: %s, expected %s", i,
                      digest_status_str(st), digest_status_str(cases[i].want));
    }
    /* userhash=maybe: lenient false, strict refused */
    ck_status(parse_str(K_RESP, "username=\"u\", realm=\"r\", nonce=\"n\", uri=\"/\", "
                                "userhash=maybe, response=\"0123456789abcdef0123456789abcdef\"",
                        DIGEST_PARSE_STRICT),
              DIGEST_ERR_BAD_VALUE);
    /* ISO-8859-1 ext-value becomes UTF-8 */
    {
        digest_http_response *r = NULL;
        size_t off;
        static const char *const in = "username*=ISO-8859-1''J%E4s%F8n, realm=\"r\", nonce=\"n\", "
                                      "uri=\"/\", response=\"0123456789abcdef0123456789abcdef\"";
        ck_status(digest_http_parse_response(in, strlen(in), 0, &r, &off), DIGEST_OK);
        ck_assert_str_eq(r->username, "J\xc3\xa4s\xc3\xb8n");
        digest_http_response_free(r);
        roundtrip(K_RESP, in, DIGEST_PARSE_STRICT, 0);
    }
    /* UTF-8 in username*: 3- and 4-byte forms pass; surrogates, overlongs
     * and code points past U+10FFFF do not (RFC 3629) */
    {
        static const struct {
            const char *ext;
            digest_status want;
        } u[] = {
            {"UTF-8''%E2%82%AC", DIGEST_OK},             /* U+20AC */
            {"UTF-8''%F0%9F%98%80", DIGEST_OK},          /* U+1F600 */
            {"UTF-8''%ED%A0%80", DIGEST_ERR_BAD_ENCODING}, /* U+D800 */
            {"UTF-8''%E0%80%80", DIGEST_ERR_BAD_ENCODING}, /* overlong */
            {"UTF-8''%F4%90%80%80", DIGEST_ERR_BAD_ENCODING}, /* > U+10FFFF */
            {"UTF-8''%E2%82", DIGEST_ERR_BAD_ENCODING},  /* truncated */
            {"UTF-8''%E2%28%AC", DIGEST_ERR_BAD_ENCODING}, /* bad continuation */
            {"UTF-8''%4", DIGEST_ERR_BAD_ENCODING},
            {"UTF-8'abcdefghijklmnopqrstuvwxyz0123456789'x", DIGEST_ERR_BAD_ENCODING},
            {"UTF-8'e_n'x", DIGEST_ERR_BAD_ENCODING},
            {"UTF-8''a'b", DIGEST_ERR_BAD_ENCODING},
        };
        size_t k;
        for (k = 0; k < sizeof(u) / sizeof(u[0]); k++) {
            char buf[512];
            digest_status st;
            snprintf(buf, sizeof(buf), "username*=%s, realm=\"r\", nonce=\"n\", uri=\"/\", "
                     "response=\"0123456789abcdef0123456789abcdef\"", u[k].ext);
            st = parse_str(K_RESP, buf, 0);
            ck_assert_msg(st == u[k].want, "%s: %s", u[k].ext, digest_status_str(st));
            if (st == DIGEST_OK)
                roundtrip(K_RESP, buf, 0, 0);
        }
    }
    /* username* over the limits, raw and decoded */
    {
        char *buf = malloc(4096), *v = rep('a', DIGEST_MAX_USERNAME + 1);
        sprintf(buf, "username*=UTF-8''%s, realm=\"r\", nonce=\"n\", uri=\"/\", "
                     "response=\"0123456789abcdef0123456789abcdef\"", v);
        ck_status(parse_str(K_RESP, buf, 0), DIGEST_ERR_TOO_LONG);
        free(v);
        v = rep('a', DIGEST_MAX_USERNAME_EXT);
        sprintf(buf, "username*=UTF-8''%s, realm=\"r\", nonce=\"n\", uri=\"/\", "
                     "response=\"0123456789abcdef0123456789abcdef\"", v);
        ck_status(parse_str(K_RESP, buf, 0), DIGEST_ERR_TOO_LONG);
        free(v);
        /* 200 Latin-1 octets of two UTF-8 bytes each: 400 > 256 */
        strcpy(buf, "username*=ISO-8859-1''");
        for (v = buf + strlen(buf); v < buf + 22 + 600; v += 3)
            memcpy(v, "%E4", 3);
        strcpy(v, ", realm=\"r\", nonce=\"n\", uri=\"/\", "
                  "response=\"0123456789abcdef0123456789abcdef\"");
        ck_status(parse_str(K_RESP, buf, 0), DIGEST_ERR_TOO_LONG);
        free(buf);
    }
    ck_assert_int_eq(digest_http_username_needs_ext("plain"), 0);
    ck_assert_int_eq(digest_http_username_needs_ext("J\xc3\xa4s\xc3\xb8n"), 1);
    ck_assert_int_eq(digest_http_username_needs_ext("a\nb"), 1);
}
END_TEST

START_TEST(test_http_challenge_values)
{
    digest_http_challenge *c = NULL;
    size_t off;
    /* stale: RFC 2617 3.2.1 "anything other than TRUE" is false */
    ck_status(digest_http_parse_challenge("realm=\"r\",nonce=\"n\",stale=TRUE", 30, 0, &c, &off),
              DIGEST_OK);
    ck_assert_int_eq(c->stale, 1);
    digest_http_challenge_free(c);
    ck_status(parse_str(K_CHAL, "realm=\"r\",nonce=\"n\",stale=yes", 0), DIGEST_OK);
    ck_status(parse_str(K_CHAL, "realm=\"r\",nonce=\"n\",stale=yes", DIGEST_PARSE_STRICT),
              DIGEST_ERR_BAD_VALUE);
    /* charset: only UTF-8 */
    ck_status(parse_str(K_CHAL, "realm=\"r\",nonce=\"n\",charset=latin1", 0), DIGEST_OK);
    ck_status(parse_str(K_CHAL, "realm=\"r\",nonce=\"n\",charset=latin1", DIGEST_PARSE_STRICT),
              DIGEST_ERR_BAD_VALUE);
    /* algorithm as a quoted string must still hold a token */
    ck_status(parse_str(K_CHAL, "realm=\"r\",nonce=\"n\",algorithm=\"MD 5\"", 0),
              DIGEST_ERR_BAD_VALUE);
    ck_status(parse_str(K_CHAL, "realm=\"r\",nonce=\"n\",algorithm=\"md5-SESS\"", 0), DIGEST_OK);
    ck_status(parse_str(K_CHAL, "realm=\"r\",nonce=\"n\",algorithm=\"M\\D5\"", 0), DIGEST_OK);
    ck_status(parse_str(K_CHAL, "realm=\"r\",nonce=\"n\",qop=\" auth ,\tauth-int \"", 0),
              DIGEST_OK);
    {
        char buf[256], *v = rep('S', DIGEST_MAX_NAME + 1);
        snprintf(buf, sizeof(buf), "%s realm=\"r\", Digest realm=\"r\", nonce=\"n\"", v);
        ck_status(parse_str(K_CHALS, buf, 0), DIGEST_ERR_TOO_LONG);
        free(v);
    }
    /* qop: unknown values ignored; only unknown values = unusable */
    {
        static const char *const in = "realm=\"r\",nonce=\"n\",qop=\"auth-conf, x-new\"";
        digest_http_challenge_list l;
        ck_status(digest_http_parse_challenge(in, strlen(in), 0, &c, &off), DIGEST_OK);
        ck_assert_int_eq(c->qop_present, 1);
        ck_assert_uint_eq(c->qop, 0);
        l.count = 1;
        l.items = c;
        ck_assert_ptr_null(digest_http_challenge_select(&l, ~0u));
        digest_http_challenge_free(c);
        roundtrip(K_CHAL, in, 0, 0);
        roundtrip(K_CHAL, in, DIGEST_PARSE_STRICT, DIGEST_SER_WINDOWS);
    }
    ck_status(parse_str(K_CHAL, "realm=\"r\",nonce=\"n\",qop=\"auth, a b\"", 0),
              DIGEST_ERR_BAD_VALUE);
    ck_status(parse_str(K_CHAL, "realm=\"r\",nonce=\"n\",qop=auth", 0), DIGEST_OK);
    /* unknown directives are ignored but must be well-formed */
    ck_status(parse_str(K_CHAL, "realm=\"r\",nonce=\"n\",x-ext=\"v\",y=z", DIGEST_PARSE_STRICT),
              DIGEST_OK);
    /* missing realm or nonce */
    ck_status(parse_str(K_CHAL, "nonce=\"n\"", 0), DIGEST_ERR_MISSING);
    ck_status(parse_str(K_CHAL, "realm=\"r\"", 0), DIGEST_ERR_MISSING);
}
END_TEST

START_TEST(test_sasl_rules)
{
    static const struct {
        enum kind k;
        const char *in;
        digest_status want;
    } cases[] = {
        {K_SCHAL, "nonce=\"n\"", DIGEST_ERR_MISSING},
        {K_SCHAL, "algorithm=md5-sess", DIGEST_ERR_MISSING},
        {K_SCHAL, "nonce=\"n\",algorithm=md5", DIGEST_ERR_UNSUPPORTED},
        {K_SCHAL, "nonce=\"n\",algorithm=MD5-SESS", DIGEST_OK},
        {K_SCHAL, "nonce=\"n\",algorithm=md5-sess,maxbuf=16", DIGEST_ERR_BAD_VALUE},
        {K_SCHAL, "nonce=\"n\",algorithm=md5-sess,maxbuf=17", DIGEST_OK},
        {K_SCHAL, "nonce=\"n\",algorithm=md5-sess,maxbuf=16777215", DIGEST_OK},
        {K_SCHAL, "nonce=\"n\",algorithm=md5-sess,maxbuf=16777216", DIGEST_ERR_BAD_VALUE},
        {K_SCHAL, "nonce=\"n\",algorithm=md5-sess,maxbuf=000065536", DIGEST_ERR_BAD_VALUE},
        {K_SCHAL, "nonce=\"n\",algorithm=md5-sess,maxbuf=-1", DIGEST_ERR_BAD_VALUE},
        {K_SCHAL, "nonce=\"n\",algorithm=md5-sess,cipher=\"aes,3des\"", DIGEST_OK},
        {K_SCHAL, "nonce=\"n\",algorithm=md5-sess,qop=\"auth,,auth-conf\",x=\"y\"", DIGEST_OK},
        {K_SRESP, "username=\"u\",nonce=\"n\",cnonce=\"c\",nc=00000001,digest-uri=\"imap\","
                  "response=0123456789abcdef0123456789abcdef", DIGEST_ERR_BAD_VALUE},
        {K_SRESP, "username=\"u\",nonce=\"n\",cnonce=\"c\",nc=00000001,digest-uri=\"imap/h/s\","
                  "response=0123456789abcdef0123456789abcdef", DIGEST_OK},
        {K_SRESP, "username=\"u\",nonce=\"n\",cnonce=\"c\",nc=00000001,digest-uri=\"imap//s\","
                  "response=0123456789abcdef0123456789abcdef", DIGEST_ERR_BAD_VALUE},
        {K_SRESP, "username=\"u\",nonce=\"n\",cnonce=\"c\",nc=00000001,digest-uri=\"a/b\","
                  "response=0123456789abcdef0123456789abcde", DIGEST_ERR_BAD_VALUE},
        {K_SRESP, "username=\"u\",nonce=\"n\",cnonce=\"c\",nc=00000001,digest-uri=\"a/b\","
                  "response=0123456789abcdef0123456789abcdef,qop=auth-conf", DIGEST_ERR_MISSING},
        {K_SRESP, "username=\"u\",nonce=\"n\",cnonce=\"c\",nc=00000001,digest-uri=\"a/b\","
                  "response=0123456789abcdef0123456789abcdef,qop=auth-int,cipher=rc4",
         DIGEST_ERR_BAD_VALUE},
        {K_SRESP, "username=\"u\",nonce=\"n\",cnonce=\"c\",nc=00000001,digest-uri=\"a/b\","
                  "response=0123456789abcdef0123456789abcdef,qop=auth-conf,cipher=aes",
         DIGEST_ERR_UNSUPPORTED},
        {K_SRESP, "username=\"u\",nonce=\"n\",cnonce=\"c\",nc=00000001,digest-uri=\"a/b\","
                  "response=0123456789abcdef0123456789abcdef,qop=auth-conf,cipher=rc4-56,"
                  "maxbuf=4096,authzid=\"admin\"", DIGEST_OK},
        {K_SRESP, "username=\"u\",nonce=\"n\",nc=00000001,digest-uri=\"a/b\","
                  "response=0123456789abcdef0123456789abcdef", DIGEST_ERR_MISSING},
        {K_RSPAUTH, "rspauth=\"ea40f60335c427b5527b84dbabcdfffd\"", DIGEST_OK},
        {K_RSPAUTH, "rspauth=ea40f60335c427b5527b84dbabcdfff", DIGEST_ERR_BAD_VALUE},
        {K_RSPAUTH, "x=1", DIGEST_ERR_MISSING},
    };
    size_t i;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        digest_status st = parse_str(cases[i].k, cases[i].in, 0);
        ck_assert_msg(st == cases[i].want, "case %zu [%s]: %s, expected %s", i, cases[i].in,
                      digest_status_str(st), digest_status_str(cases[i].want));
    }
    ck_status(parse_str(K_RSPAUTH, "rspauth=\"ea40f60335c427b5527b84dbabcdfffd\"",
                        DIGEST_PARSE_STRICT),
              DIGEST_ERR_WRONG_FORM);
    {
        digest_sasl_challenge *c = NULL;
        size_t off;
        static const char *const in =
            "nonce=\"n\",algorithm=md5-sess,cipher=\"aes,3des,RC4-40\",qop=\"auth-conf,token\"";
        ck_status(digest_sasl_parse_challenge(in, strlen(in), 0, &c, &off), DIGEST_OK);
        ck_assert_uint_eq(c->ciphers, DIGEST_CIPHER_3DES | DIGEST_CIPHER_RC4_40);
        ck_assert_uint_eq(c->qop, DIGEST_QOP_AUTH_CONF);
        digest_sasl_challenge_free(c);
        roundtrip(K_SCHAL, in, 0, 0);
        roundtrip(K_SCHAL, in, 0, DIGEST_SER_WINDOWS);
    }
    roundtrip(K_SRESP,
              "username=\"u\",nonce=\"n\",cnonce=\"c\",nc=00000001,digest-uri=\"a/b\","
              "response=0123456789abcdef0123456789abcdef,qop=auth-conf,cipher=rc4-56,"
              "maxbuf=4096,authzid=\"admin\"",
              DIGEST_PARSE_STRICT, 0);
    roundtrip(K_RSPAUTH, "rspauth=\"ea40f60335c427b5527b84dbabcdfffd\"", 0, 0);
}
END_TEST

/* Serializers refuse what the parsers would refuse. */
START_TEST(test_serializer_checks)
{
    digest_http_challenge c;
    digest_http_response r;
    digest_sasl_response sr;
    digest_http_auth_info ai;
    char *s = NULL;

    memset(&c, 0, sizeof(c));
    ck_status(digest_http_challenge_serialize(&c, 0, &s, NULL), DIGEST_ERR_MISSING);
    c.realm = "r";
    c.nonce = "n\x01";
    ck_status(digest_http_challenge_serialize(&c, 0, &s, NULL), DIGEST_ERR_BAD_CHAR);
    c.nonce = "n";
    c.algorithm = DIGEST_ALG_UNKNOWN;
    c.algorithm_token = "bad token";
    ck_status(digest_http_challenge_serialize(&c, 0, &s, NULL), DIGEST_ERR_BAD_VALUE);
    c.algorithm_token = "MD5"; /* a known name cannot be "unknown" */
    ck_status(digest_http_challenge_serialize(&c, 0, &s, NULL), DIGEST_ERR_BAD_VALUE);
    c.algorithm = DIGEST_ALG_MD5;
    c.qop = DIGEST_QOP_AUTH_CONF;
    ck_status(digest_http_challenge_serialize(&c, 0, &s, NULL), DIGEST_ERR_BAD_VALUE);
    c.qop = 0;
    ck_status(digest_http_challenge_serialize(&c, 0, &s, NULL), DIGEST_OK);
    ck_assert_str_eq(s, "realm=\"r\", algorithm=MD5, nonce=\"n\"");
    free(s);

    memset(&r, 0, sizeof(r));
    r.username = "u";
    r.realm = "r";
    r.uri = "/";
    r.nonce = "n";
    strcpy(r.response, "0123456789abcdef0123456789abcdef");
    r.qop = DIGEST_QOP_AUTH;
    ck_status(digest_http_response_serialize(&r, 0, &s, NULL), DIGEST_ERR_MISSING);
    r.cnonce = "c";
    strcpy(r.nc, "0000001");
    ck_status(digest_http_response_serialize(&r, 0, &s, NULL), DIGEST_ERR_MISSING);
    strcpy(r.nc, "00000001");
    r.algorithm = DIGEST_ALG_SHA256;
    ck_status(digest_http_response_serialize(&r, 0, &s, NULL), DIGEST_ERR_BAD_VALUE);
    r.algorithm = DIGEST_ALG_MD5;
    r.username = "J\xc3\xa4s\xc3\xb8n";
    r.username_ext = 1;
    r.userhash = 1;
    ck_status(digest_http_response_serialize(&r, 0, &s, NULL), DIGEST_ERR_BAD_VALUE);
    r.userhash = 0;
    ck_status(digest_http_response_serialize(&r, 0, &s, NULL), DIGEST_OK);
    ck_assert_str_eq(s, "username*=UTF-8''J%C3%A4s%C3%B8n, realm=\"r\", uri=\"/\", "
                        "algorithm=MD5, nonce=\"n\", nc=00000001, cnonce=\"c\", qop=auth, "
                        "response=\"0123456789abcdef0123456789abcdef\"");
    free(s);
    r.username = "\xff";
    ck_status(digest_http_response_serialize(&r, 0, &s, NULL), DIGEST_ERR_BAD_ENCODING);

    memset(&sr, 0, sizeof(sr));
    sr.username = "u";
    sr.nonce = "n";
    sr.cnonce = "c";
    sr.digest_uri = "ldap/dc.example.com";
    strcpy(sr.nc, "00000001");
    strcpy(sr.response, "0123456789abcdef0123456789abcdef");
    sr.qop = DIGEST_QOP_AUTH_CONF;
    ck_status(digest_sasl_response_serialize(&sr, 0, &s, NULL), DIGEST_ERR_MISSING);
    sr.cipher = DIGEST_CIPHER_3DES;
    sr.maxbuf = 5;
    ck_status(digest_sasl_response_serialize(&sr, 0, &s, NULL), DIGEST_ERR_BAD_VALUE);
    sr.maxbuf = 65536;
    ck_status(digest_sasl_response_serialize(&sr, 0, &s, NULL), DIGEST_OK);
    ck_assert_str_eq(s, "username=\"u\",nonce=\"n\",nc=00000001,cnonce=\"c\","
                        "digest-uri=\"ldap/dc.example.com\","
                        "response=0123456789abcdef0123456789abcdef,qop=auth-conf,"
                        "maxbuf=65536,cipher=3des");
    free(s);

    memset(&ai, 0, sizeof(ai));
    ck_status(digest_http_auth_info_serialize(&ai, 0, &s, NULL), DIGEST_ERR_EMPTY);
    strcpy(ai.rspauth, "xyz");
    ck_status(digest_http_auth_info_serialize(&ai, 0, &s, NULL), DIGEST_ERR_BAD_VALUE);
    ck_status(digest_sasl_rspauth_serialize("abc", &s, NULL), DIGEST_ERR_BAD_VALUE);
}
END_TEST

START_TEST(test_names)
{
    ck_assert_int_eq(digest_alg_from_name("sha-512-256-SESS", 16), DIGEST_ALG_SHA512_256_SESS);
    ck_assert_int_eq(digest_alg_from_name("MD5x", 4), DIGEST_ALG_UNKNOWN);
    ck_assert_int_eq(digest_alg_from_name("MD5x", 3), DIGEST_ALG_MD5);
    ck_assert_str_eq(digest_alg_name(DIGEST_ALG_UNSPECIFIED), "MD5");
    ck_assert_str_eq(digest_alg_name(DIGEST_ALG_SHA256_SESS), "SHA-256-sess");
    ck_assert_ptr_null(digest_alg_name(DIGEST_ALG_UNKNOWN));
    ck_assert_str_eq(digest_cipher_name(DIGEST_CIPHER_RC4_56), "rc4-56");
    ck_assert_str_eq(digest_qop_name(DIGEST_QOP_AUTH_CONF), "auth-conf");
    ck_assert_str_eq(digest_status_str(DIGEST_ERR_DUPLICATE), "duplicate directive");
}
END_TEST

/* draft-santesson-digestbind-01: the three binding directives of a
 * Windows (Extended Protection) Authorization, as .NET writes it. */
#define CBT_HEAD                                                                           \
    "Digest username=\"Mufasa\",realm=\"r\",nonce=\"+Upgraded+v1abc\",uri=\"/\","          \
    "cnonce=\"+Upgraded+v1dd5c2c6e3e8ec2a6f9d1a4f4a6c05cb30123456789abcdef0123456789abcdef\"," \
    "nc=00000001,algorithm=MD5-sess,response=\"0123456789abcdef0123456789abcdef\",qop=auth"
START_TEST(test_channel_binding_directives)
{
    static const char *const in =
        CBT_HEAD ",hashed-dirs=\"service-name,channel-binding\","
                 "service-name=\"HTTP/www.example.org\","
                 "channel-binding=\"0123456789ABCDEF0123456789abcdef\"";
    digest_http_response *r = NULL, *plain = NULL;
    size_t off;
    char *s = NULL;

    ck_status(digest_http_parse_response(in, strlen(in), 0, &r, &off), DIGEST_OK);
    ck_assert_str_eq(r->hashed_dirs, "service-name,channel-binding");
    ck_assert_str_eq(r->service_name, "HTTP/www.example.org");
    ck_assert_str_eq(r->channel_binding, "0123456789ABCDEF0123456789abcdef"); /* as sent */
    ck_status(digest_http_response_serialize(r, 0, &s, NULL), DIGEST_OK);
    ck_assert_msg(strstr(s, ", hashed-dirs=\"service-name,channel-binding\", "
                            "service-name=\"HTTP/www.example.org\", "
                            "channel-binding=\"0123456789ABCDEF0123456789abcdef\"") != NULL,
                  "serialized: %s", s);
    free(s);
    roundtrip(K_RESP, in, 0, 0);
    roundtrip(K_RESP, in, DIGEST_PARSE_STRICT, DIGEST_SER_WINDOWS);
    /* equality sees each of them */
    ck_status(digest_http_parse_response(CBT_HEAD, strlen(CBT_HEAD), 0, &plain, &off), DIGEST_OK);
    ck_assert_ptr_null(plain->hashed_dirs);
    ck_assert_ptr_null(plain->service_name);
    ck_assert_str_eq(plain->channel_binding, "");
    ck_assert(!digest_http_response_equal(r, plain));
    r->channel_binding[5] = '0';
    {
        digest_http_response *again = NULL;
        ck_status(digest_http_parse_response(in, strlen(in), 0, &again, &off), DIGEST_OK);
        ck_assert(!digest_http_response_equal(r, again));
        digest_http_response_free(again);
    }
    /* all three or none, in the serializer too */
    free(plain->service_name);
    plain->service_name = strdup("HTTP/x");
    ck_status(digest_http_response_serialize(plain, 0, &s, NULL), DIGEST_ERR_MISSING);
    plain->hashed_dirs = strdup("service-name,channel-binding");
    ck_status(digest_http_response_serialize(plain, 0, &s, NULL), DIGEST_ERR_MISSING);
    strcpy(plain->channel_binding, "0123456789abcdef0123456789abcdeg");
    ck_status(digest_http_response_serialize(plain, 0, &s, NULL), DIGEST_ERR_BAD_VALUE);
    strcpy(plain->channel_binding, "0123456789abcdef0123456789abcdef");
    ck_status(digest_http_response_serialize(plain, 0, &s, NULL), DIGEST_OK);
    free(s);
    digest_http_response_free(plain);
    digest_http_response_free(r);

    {
        static const struct {
            const char *tail;
            digest_status want;
        } bad[] = {
            /* duplicates */
            {",hashed-dirs=\"service-name,channel-binding\",service-name=\"HTTP/a\","
             "channel-binding=\"0123456789abcdef0123456789abcdef\",Hashed-Dirs=\"x\"",
             DIGEST_ERR_DUPLICATE},
            {",hashed-dirs=\"service-name,channel-binding\",service-name=\"HTTP/a\","
             "service-name=\"HTTP/b\",channel-binding=\"0123456789abcdef0123456789abcdef\"",
             DIGEST_ERR_DUPLICATE},
            {",hashed-dirs=\"service-name,channel-binding\",service-name=\"HTTP/a\","
             "channel-binding=\"0123456789abcdef0123456789abcdef\","
             "channel-binding=\"0123456789abcdef0123456789abcdef\"",
             DIGEST_ERR_DUPLICATE},
            /* one without the others */
            {",service-name=\"HTTP/a\"", DIGEST_ERR_MISSING},
            {",hashed-dirs=\"service-name,channel-binding\",service-name=\"HTTP/a\"",
             DIGEST_ERR_MISSING},
            {",channel-binding=\"0123456789abcdef0123456789abcdef\"", DIGEST_ERR_MISSING},
            /* channel-binding is 32 hex digits */
            {",hashed-dirs=\"service-name,channel-binding\",service-name=\"HTTP/a\","
             "channel-binding=\"0123456789abcdef\"",
             DIGEST_ERR_BAD_VALUE},
            {",hashed-dirs=\"service-name,channel-binding\",service-name=\"HTTP/a\","
             "channel-binding=\"0123456789abcdef0123456789abcdeZ\"",
             DIGEST_ERR_BAD_VALUE},
        };
        size_t i;
        char buf[1024];
        for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
            digest_status st;
            snprintf(buf, sizeof(buf), "%s%s", CBT_HEAD, bad[i].tail);
            st = parse_str(K_RESP, buf, 0);
            ck_assert_msg(st == bad[i].want, "case %zu: %s", i, digest_status_str(st));
        }
        /* the RFC quoted-string form is required in strict mode */
        snprintf(buf, sizeof(buf), "%s%s", CBT_HEAD,
                 ",hashed-dirs=\"service-name,channel-binding\",service-name=\"HTTP/a\","
                 "channel-binding=0123456789abcdef0123456789abcdef");
        ck_status(parse_str(K_RESP, buf, DIGEST_PARSE_STRICT), DIGEST_ERR_WRONG_FORM);
        ck_status(parse_str(K_RESP, buf, 0), DIGEST_OK);
    }
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("digest_codec");
    TCase *t = tcase_create("rfc");
    tcase_add_test(t, test_rfc7616_391_challenges);
    tcase_add_test(t, test_rfc7616_391_responses);
    tcase_add_test(t, test_rfc7616_392);
    tcase_add_test(t, test_rfc2617_35);
    tcase_add_test(t, test_rfc2831_4);
    suite_add_tcase(s, t);
    t = tcase_create("peers");
    tcase_add_test(t, test_windows_challenges);
    tcase_add_test(t, test_apache);
    tcase_add_test(t, test_lenient_peers);
    tcase_add_test(t, test_channel_binding_directives);
    tcase_add_test(t, test_windows_username);
    suite_add_tcase(s, t);
    t = tcase_create("rules");
    tcase_add_test(t, test_multiple_challenges);
    tcase_add_test(t, test_single_challenge_scheme);
    tcase_add_test(t, test_duplicates);
    tcase_add_test(t, test_limits);
    tcase_add_test(t, test_quoted_strings);
    tcase_add_test(t, test_junk_and_syntax);
    tcase_add_test(t, test_empty);
    tcase_add_test(t, test_nc);
    tcase_add_test(t, test_http_response_rules);
    tcase_add_test(t, test_http_challenge_values);
    tcase_add_test(t, test_sasl_rules);
    tcase_add_test(t, test_serializer_checks);
    tcase_add_test(t, test_names);
    suite_add_tcase(s, t);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(suite());
    int failed;
    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
