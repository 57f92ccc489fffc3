/*
 * The "NTLM" package through the SSPI entry points, client and server in
 * one process (docs/ntlm.md):
 *
 *  - MIT build: gss-ntlmssp, registered for this process by tests/mechenv
 *    (GSS_MECH_CONFIG); the acceptor's user store is NTLM_USER_FILE.  No
 *    KDC is involved.  Skipped (77) when configure found no gss-ntlmssp.
 *  - Heimdal build: Heimdal's built-in NTLM.  Its acceptor verifies each
 *    response through the KDC's digest service, so the suite starts a test
 *    realm whose KDC has enable-digest, a digest/REALM principal, and
 *    host/<hostname> (the acceptor's principal, lib/gssapi/ntlm/kdc.c) with
 *    the allow-digest attribute in the keytab.
 */
#include "config.h"

#include <check.h>
#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "handshake.h"
#include "mechenv.h"
#include "realm.h"
#include "sspi.h"
#include "sspi_shim.h"
#include "suite.h"

#define DOMAIN "SSPI"
#define USER TEST_REALM_ALICE
#define PASSWORD TEST_REALM_ALICE_PASSWORD
#define TARGET "HTTP/localhost"
#define ISC_REQ (ISC_REQ_CONFIDENTIALITY | ISC_REQ_INTEGRITY | ISC_REQ_CONNECTION | \
                 ISC_REQ_SEQUENCE_DETECT | ISC_REQ_REPLAY_DETECT)
#define ASC_REQ (ASC_REQ_CONFIDENTIALITY | ASC_REQ_INTEGRITY | ASC_REQ_CONNECTION | \
                 ASC_REQ_SEQUENCE_DETECT | ASC_REQ_REPLAY_DETECT)

static struct test_realm realm;
static char user_file[512];
#ifdef SSPI_SHIM_HEIMDAL
static char host_service[512];      /* host/<hostname>@REALM: Heimdal's NTLM acceptor */
#endif

static SEC_WINNT_AUTH_IDENTITY_A identity(const char *user, const char *domain,
                                          const char *password)
{
    SEC_WINNT_AUTH_IDENTITY_A id;
    memset(&id, 0, sizeof(id));
    id.User = (unsigned char *)user;
    id.UserLength = (ULONG)strlen(user);
    id.Domain = (unsigned char *)domain;
    id.DomainLength = domain ? (ULONG)strlen(domain) : 0;
    id.Password = (unsigned char *)password;
    id.PasswordLength = (ULONG)strlen(password);
    id.Flags = SEC_WINNT_AUTH_IDENTITY_ANSI;
    return id;
}

static void client_cred(const char *password, CredHandle *cc)
{
    SEC_WINNT_AUTH_IDENTITY_A id = identity(USER, DOMAIN, password);
    TimeStamp expiry;
    ASSERT_STATUS(AcquireCredentialsHandleA(NULL, NTLMSP_NAME_A, SECPKG_CRED_OUTBOUND, NULL, &id,
                                            NULL, NULL, cc, &expiry),
                  SEC_E_OK);
}

static void server_cred(CredHandle *sc)
{
    ASSERT_STATUS(handshake_server_cred(NTLMSP_NAME_A, sc), SEC_E_OK);
}

/* ------------------------------------------------------------ tests */

START_TEST(package_has_windows_values)
{
    SecPkgInfoA *info = NULL;
    ASSERT_STATUS(QuerySecurityPackageInfoA(NTLMSP_NAME_A, &info), SEC_E_OK);
    ck_assert_str_eq(info->Name, "NTLM");
    ck_assert_uint_eq(info->cbMaxToken, 2888);
    ck_assert_uint_eq(info->wRPCID, 10);            /* RPC_C_AUTHN_WINNT */
    ck_assert(info->fCapabilities & SECPKG_FLAG_INTEGRITY);
    ck_assert(info->fCapabilities & SECPKG_FLAG_PRIVACY);
    ck_assert(info->fCapabilities & SECPKG_FLAG_CONNECTION);
    ck_assert(info->fCapabilities & SECPKG_FLAG_NEGOTIABLE);
    ck_assert(!(info->fCapabilities & SECPKG_FLAG_MUTUAL_AUTH));
    ck_assert(!(info->fCapabilities & SECPKG_FLAG_DELEGATION));
    FreeContextBuffer(info);

    ULONG n = 0;
    SecPkgInfoW *all = NULL;
    bool found = false;
    ASSERT_STATUS(EnumerateSecurityPackagesW(&n, &all), SEC_E_OK);
    for (ULONG i = 0; i < n; i++)
        if (all[i].Name[0] == u'N' && all[i].Name[1] == u'T' && all[i].Name[2] == u'L' &&
            all[i].Name[3] == u'M' && all[i].Name[4] == 0)
            found = true;
    FreeContextBuffer(all);
    ck_assert(found);
}
END_TEST

/* Handshake, names, sizes, signatures and sealing both ways. */
START_TEST(handshake_names_sizes_and_messages)
{
    CredHandle cc, sc;
    struct handshake h;
    client_cred(PASSWORD, &cc);
    server_cred(&sc);
    /* Mutual authentication asked for, as Windows callers often do: NTLM
     * cannot give it, and must not say it did. */
    ASSERT_STATUS(handshake_run(&cc, &sc, TARGET, ISC_REQ | ISC_REQ_MUTUAL_AUTH, ASC_REQ, NULL, 0,
                                NULL, 0, &h),
                  SEC_E_OK);
    /* NEGOTIATE, CHALLENGE, AUTHENTICATE ([MS-NLMP] 1.3.1.1). */
    ck_assert_int_eq(h.legs, 2);
#ifndef SSPI_SHIM_HEIMDAL
    /* Heimdal 7.8's NTLM initiator reports no flags at all (ret_flags is
     * always 0, lib/gssapi/ntlm/init_sec_context.c; docs/ntlm.md). */
    ck_assert(h.client_attr & ISC_RET_INTEGRITY);
    ck_assert(h.client_attr & ISC_RET_CONFIDENTIALITY);
#endif
    /* NTLM never authenticates the server, whatever the mechanism says
     * (gss-ntlmssp returns GSS_C_MUTUAL_FLAG when asked for it). */
    ck_assert(!(h.client_attr & ISC_RET_MUTUAL_AUTH));
    ck_assert(!(h.server_attr & ASC_RET_MUTUAL_AUTH));
    ck_assert(h.server_attr & ASC_RET_INTEGRITY);
    ck_assert(h.server_attr & ASC_RET_CONNECTION);

    SecPkgContext_NamesA names;
    ASSERT_STATUS(QueryContextAttributesA(&h.server, SECPKG_ATTR_NAMES, &names), SEC_E_OK);
    fprintf(stderr, "server NAMES: %s\n", names.sUserName);
    const char *bs = strrchr(names.sUserName, '\\');
    ck_assert_msg(bs != NULL && strcmp(bs + 1, USER) == 0, "NAMES '%s' is not DOMAIN\\%s",
                  names.sUserName, USER);
    FreeContextBuffer(names.sUserName);

    SecPkgContext_Sizes sizes;
    ASSERT_STATUS(QueryContextAttributesA(&h.client, SECPKG_ATTR_SIZES, &sizes), SEC_E_OK);
    ck_assert_uint_eq(sizes.cbMaxToken, 2888);
    ck_assert_uint_eq(sizes.cbMaxSignature, 16);
    ck_assert_uint_eq(sizes.cbSecurityTrailer, 16);
    ck_assert_uint_eq(sizes.cbBlockSize, 0);

    CtxtHandle *sides[2][2] = {{&h.client, &h.server}, {&h.server, &h.client}};
    for (int dir = 0; dir < 2; dir++) {
        CtxtHandle *from = sides[dir][0], *to = sides[dir][1];
        /* MakeSignature / VerifySignature. */
        char text[] = "signed by NTLM";
        unsigned char sig[64];
        SecBuffer mb[2] = {{sizeof(text), SECBUFFER_DATA, text}, {sizeof(sig), SECBUFFER_TOKEN, sig}};
        SecBufferDesc md = {SECBUFFER_VERSION, 2, mb};
        ASSERT_STATUS(MakeSignature(from, 0, &md, 0), SEC_E_OK);
        ck_assert_uint_eq(mb[1].cbBuffer, 16);
        ck_assert(sig[0] == 1 && sig[1] == 0 && sig[2] == 0 && sig[3] == 0);   /* Version 1 */
        ULONG qop = 99;
        ASSERT_STATUS(VerifySignature(to, &md, 0, &qop), SEC_E_OK);
        ck_assert_uint_eq(qop, 0);

        /* EncryptMessage / DecryptMessage: TOKEN = signature, DATA in place. */
        char plain[] = "sealed by NTLM, in place";
        char data[sizeof(plain)];
        unsigned char trailer[64];
        memcpy(data, plain, sizeof(plain));
        SecBuffer eb[2] = {{sizes.cbSecurityTrailer, SECBUFFER_TOKEN, trailer},
                           {sizeof(data), SECBUFFER_DATA, data}};
        SecBufferDesc ed = {SECBUFFER_VERSION, 2, eb};
        ASSERT_STATUS(EncryptMessage(from, 0, &ed, 0), SEC_E_OK);
        ck_assert_uint_eq(eb[0].cbBuffer, 16);
        ck_assert_uint_eq(eb[1].cbBuffer, sizeof(plain));
        ck_assert(trailer[0] == 1 && trailer[1] == 0 && trailer[2] == 0 && trailer[3] == 0);
        ck_assert(memcmp(data, plain, sizeof(plain)) != 0);
        ASSERT_STATUS(DecryptMessage(to, &ed, 0, &qop), SEC_E_OK);
        ck_assert_mem_eq(data, plain, sizeof(plain));

        /* A changed byte is caught, and the sequence moves on. */
        memcpy(data, plain, sizeof(plain));
        eb[0].cbBuffer = 16;
        ASSERT_STATUS(EncryptMessage(from, 0, &ed, 0), SEC_E_OK);
        data[3] ^= 1;
        ASSERT_STATUS(DecryptMessage(to, &ed, 0, &qop), SEC_E_MESSAGE_ALTERED);
    }
    handshake_end(&h);
    FreeCredentialsHandle(&cc);
    FreeCredentialsHandle(&sc);
}
END_TEST

/* SECPKG_ATTR_SESSION_KEY: both ends hold the same 16-byte exported
 * session key ([MS-NLMP] 3.1.5.1.2 / 3.2.5.1.2), which callers use to
 * key their own protocol (SMB signing, for one). */
START_TEST(session_key_is_the_same_on_both_ends)
{
    CredHandle cc, sc;
    struct handshake h;
    client_cred(PASSWORD, &cc);
    server_cred(&sc);
    ASSERT_STATUS(handshake_run(&cc, &sc, TARGET, ISC_REQ, ASC_REQ, NULL, 0, NULL, 0, &h),
                  SEC_E_OK);
    SecPkgContext_SessionKey ck, sk;
    ASSERT_STATUS(QueryContextAttributesA(&h.client, SECPKG_ATTR_SESSION_KEY, &ck), SEC_E_OK);
    ASSERT_STATUS(QueryContextAttributesA(&h.server, SECPKG_ATTR_SESSION_KEY, &sk), SEC_E_OK);
    ck_assert_uint_eq(ck.SessionKeyLength, 16);
    ck_assert_uint_eq(sk.SessionKeyLength, 16);
    ck_assert_mem_eq(ck.SessionKey, sk.SessionKey, 16);
    static const unsigned char zero[16];
    ck_assert(memcmp(ck.SessionKey, zero, 16) != 0);
    FreeContextBuffer(ck.SessionKey);
    FreeContextBuffer(sk.SessionKey);
    handshake_end(&h);
    FreeCredentialsHandle(&cc);
    FreeCredentialsHandle(&sc);
}
END_TEST

static SecPkgContext_Bindings bindings_for(const char *text)
{
    size_t n = strlen(text);
    SecPkgContext_Bindings b;
    b.BindingsLength = (ULONG)(sizeof(SEC_CHANNEL_BINDINGS) + n);
    b.Bindings = calloc(1, b.BindingsLength);
    ck_assert_ptr_nonnull(b.Bindings);
    b.Bindings->cbApplicationDataLength = (ULONG)n;
    b.Bindings->dwApplicationDataOffset = sizeof(SEC_CHANNEL_BINDINGS);
    memcpy((char *)b.Bindings + sizeof(SEC_CHANNEL_BINDINGS), text, n);
    return b;
}

/* Channel bindings ([MS-NLMP] 2.2.2.1 MsvAvChannelBindings): the same
 * tls-server-end-point value on both ends logs on; a client whose NTLMv2
 * response binds another certificate (a TLS man in the middle) is refused
 * with SEC_E_BAD_BINDINGS, as Windows' NTLM acceptor refuses it. */
static void assert_negotiated(struct handshake *h, const char *package);

/* The same bindings on both ends log on; a client that bound another
 * channel is refused with SEC_E_BAD_BINDINGS.  Takes the credentials and
 * frees them. */
static void assert_bindings_checked(CredHandle *cc, CredHandle *sc, const char *negotiated)
{
    struct handshake h;
    SecPkgContext_Bindings same = bindings_for("tls-server-end-point:same-certificate");
    SecPkgContext_Bindings other = bindings_for("tls-server-end-point:other-certificate");
    ASSERT_STATUS(handshake_run(cc, sc, TARGET, ISC_REQ, ASC_REQ, same.Bindings,
                                same.BindingsLength, same.Bindings, same.BindingsLength, &h),
                  SEC_E_OK);
    if (negotiated != NULL)
        assert_negotiated(&h, negotiated);
    handshake_end(&h);
#ifdef SSPI_SHIM_HEIMDAL
    /* Heimdal 7.8's initiator answers with an NTLMv1 (NTLM2 session)
     * response, which has no AV pairs and so carries no channel bindings
     * at all: the server has nothing to compare and, as Windows with its
     * default "when supported" setting, lets it through (docs/ntlm.md). */
    ASSERT_STATUS(handshake_run(cc, sc, TARGET, ISC_REQ, ASC_REQ, other.Bindings,
                                other.BindingsLength, same.Bindings, same.BindingsLength, &h),
                  SEC_E_OK);
#else
    /* gss-ntlmssp's NTLMv2 response carries MsvAvChannelBindings; it
     * would say GSS_S_DEFECTIVE_TOKEN, as for a bad MIC. */
    ASSERT_STATUS(handshake_run(cc, sc, TARGET, ISC_REQ, ASC_REQ, other.Bindings,
                                other.BindingsLength, same.Bindings, same.BindingsLength, &h),
                  SEC_E_BAD_BINDINGS);
    ck_assert(h.server_last == SEC_E_BAD_BINDINGS);
#endif
    handshake_end(&h);
    free(same.Bindings);
    free(other.Bindings);
    FreeCredentialsHandle(cc);
    FreeCredentialsHandle(sc);
}

START_TEST(channel_bindings_are_checked)
{
    CredHandle cc, sc;
    client_cred(PASSWORD, &cc);
    server_cred(&sc);
    assert_bindings_checked(&cc, &sc, NULL);
}
END_TEST

/* The W entry points with a SEC_WINNT_AUTH_IDENTITY_W. */
START_TEST(wide_identity_and_names)
{
    SEC_WINNT_AUTH_IDENTITY_W id;
    memset(&id, 0, sizeof(id));
    id.User = (unsigned short *)u"" USER;
    id.UserLength = (ULONG)strlen(USER);
    id.Domain = (unsigned short *)u"" DOMAIN;
    id.DomainLength = (ULONG)strlen(DOMAIN);
    id.Password = (unsigned short *)u"" PASSWORD;
    id.PasswordLength = (ULONG)strlen(PASSWORD);
    id.Flags = SEC_WINNT_AUTH_IDENTITY_UNICODE;
    CredHandle cc, sc;
    TimeStamp expiry;
    ASSERT_STATUS(AcquireCredentialsHandleW(NULL, (SEC_WCHAR *)u"NTLM", SECPKG_CRED_OUTBOUND, NULL,
                                            &id, NULL, NULL, &cc, &expiry),
                  SEC_E_OK);
    SecPkgCredentials_NamesW cn;
    ASSERT_STATUS(QueryCredentialsAttributesW(&cc, SECPKG_CRED_ATTR_NAMES, &cn), SEC_E_OK);
    ck_assert(cn.sUserName[0] == u'S' && cn.sUserName[4] == u'\\' && cn.sUserName[5] == u'a');
    FreeContextBuffer(cn.sUserName);
    ASSERT_STATUS(AcquireCredentialsHandleW(NULL, (SEC_WCHAR *)u"NTLM", SECPKG_CRED_INBOUND, NULL,
                                            NULL, NULL, NULL, &sc, &expiry),
                  SEC_E_OK);
    struct handshake h;
    ASSERT_STATUS(handshake_run(&cc, &sc, TARGET, ISC_REQ, ASC_REQ, NULL, 0, NULL, 0, &h),
                  SEC_E_OK);
    SecPkgContext_NamesW names;
    ASSERT_STATUS(QueryContextAttributesW(&h.server, SECPKG_ATTR_NAMES, &names), SEC_E_OK);
    size_t n = 0;
    while (names.sUserName[n] != 0)
        n++;
    ck_assert(n > 6 && names.sUserName[n - 6] == u'\\' && names.sUserName[n - 5] == u'a');
    FreeContextBuffer(names.sUserName);
    handshake_end(&h);
    FreeCredentialsHandle(&cc);
    FreeCredentialsHandle(&sc);
}
END_TEST

/* A wrong password: the acceptor refuses the AUTHENTICATE message. */
START_TEST(wrong_password_is_logon_denied)
{
    CredHandle cc, sc;
    struct handshake h;
    client_cred("not-the-password", &cc);
    server_cred(&sc);
    ASSERT_STATUS(handshake_run(&cc, &sc, TARGET, ISC_REQ, ASC_REQ, NULL, 0, NULL, 0, &h),
                  SEC_E_LOGON_DENIED);
    ck_assert_int_eq(h.server_last, SEC_E_LOGON_DENIED);
    ck_assert(strstr(SspiShimLastErrorMessage(), "did not verify") != NULL);
    handshake_end(&h);
    FreeCredentialsHandle(&cc);
    FreeCredentialsHandle(&sc);
}
END_TEST

/* A client the acceptor's store does not know: the same answer. */
START_TEST(unknown_user_is_logon_denied)
{
    SEC_WINNT_AUTH_IDENTITY_A id = identity("mallory", DOMAIN, PASSWORD);
    CredHandle cc, sc;
    TimeStamp expiry;
    ASSERT_STATUS(AcquireCredentialsHandleA(NULL, NTLMSP_NAME_A, SECPKG_CRED_OUTBOUND, NULL, &id,
                                            NULL, NULL, &cc, &expiry),
                  SEC_E_OK);
    server_cred(&sc);
    struct handshake h;
    SECURITY_STATUS st = handshake_run(&cc, &sc, TARGET, ISC_REQ, ASC_REQ, NULL, 0, NULL, 0, &h);
    ck_assert_msg(st == SEC_E_LOGON_DENIED, "got 0x%08x: %s", (unsigned)st,
                  SspiShimLastErrorMessage());
    handshake_end(&h);
    FreeCredentialsHandle(&cc);
    FreeCredentialsHandle(&sc);
}
END_TEST

/* Garbage where the CHALLENGE should be: refused before the mechanism
 * sees it (it is not an NTLMSSP message), as for Kerberos replies. */
START_TEST(garbage_reply_is_invalid_token)
{
    CredHandle cc;
    client_cred(PASSWORD, &cc);
    CtxtHandle ctx;
    unsigned char out[4096], junk[] = "definitely not NTLMSSP";
    SecBuffer ob = {sizeof(out), SECBUFFER_TOKEN, out}, ib = {sizeof(junk), SECBUFFER_TOKEN, junk};
    SecBufferDesc od = {SECBUFFER_VERSION, 1, &ob}, id = {SECBUFFER_VERSION, 1, &ib};
    ULONG attr;
    TimeStamp ts;
    ASSERT_STATUS(InitializeSecurityContextA(&cc, NULL, TARGET, ISC_REQ, 0, SECURITY_NATIVE_DREP,
                                             NULL, 0, &ctx, &od, &attr, &ts),
                  SEC_I_CONTINUE_NEEDED);
    ck_assert(ob.cbBuffer > 8 && memcmp(out, "NTLMSSP", 8) == 0);
    ob.cbBuffer = sizeof(out);
    ASSERT_STATUS(InitializeSecurityContextA(&cc, &ctx, NULL, ISC_REQ, 0, SECURITY_NATIVE_DREP,
                                             &id, 0, &ctx, &od, &attr, &ts),
                  SEC_E_INVALID_TOKEN);
    DeleteSecurityContext(&ctx);
    FreeCredentialsHandle(&cc);
}
END_TEST

/* One NTLM logon, leg by leg, so that two can overlap. */
struct logon {
    CtxtHandle client, server;
    unsigned char token[4096];
    ULONG length;
};

static void logon_negotiate(CredHandle *cc, struct logon *l)
{
    SecBuffer ob = {sizeof(l->token), SECBUFFER_TOKEN, l->token};
    SecBufferDesc od = {SECBUFFER_VERSION, 1, &ob};
    ULONG attr;
    TimeStamp ts;
    ASSERT_STATUS(InitializeSecurityContextA(cc, NULL, TARGET, ISC_REQ, 0, SECURITY_NATIVE_DREP,
                                             NULL, 0, &l->client, &od, &attr, &ts),
                  SEC_I_CONTINUE_NEEDED);
    l->length = ob.cbBuffer;
}

/* The server's step on the token in `l`; its reply replaces it. */
static SECURITY_STATUS logon_server_step(CredHandle *sc, struct logon *l, bool first)
{
    unsigned char out[4096];
    SecBuffer ib = {l->length, SECBUFFER_TOKEN, l->token}, ob = {sizeof(out), SECBUFFER_TOKEN, out};
    SecBufferDesc id = {SECBUFFER_VERSION, 1, &ib}, od = {SECBUFFER_VERSION, 1, &ob};
    ULONG attr;
    TimeStamp ts;
    SECURITY_STATUS st = AcceptSecurityContext(sc, first ? NULL : &l->server, &id, ASC_REQ,
                                               SECURITY_NATIVE_DREP, &l->server, &od, &attr, &ts);
    memcpy(l->token, out, ob.cbBuffer);
    l->length = ob.cbBuffer;
    return st;
}

static void logon_authenticate(CredHandle *cc, struct logon *l)
{
    unsigned char out[4096];
    SecBuffer ib = {l->length, SECBUFFER_TOKEN, l->token}, ob = {sizeof(out), SECBUFFER_TOKEN, out};
    SecBufferDesc id = {SECBUFFER_VERSION, 1, &ib}, od = {SECBUFFER_VERSION, 1, &ob};
    ULONG attr;
    TimeStamp ts;
    ASSERT_STATUS(InitializeSecurityContextA(cc, &l->client, NULL, ISC_REQ, 0, SECURITY_NATIVE_DREP,
                                             &id, 0, &l->client, &od, &attr, &ts),
                  SEC_E_OK);
    memcpy(l->token, out, ob.cbBuffer);
    l->length = ob.cbBuffer;
}

/* Two logons on one acceptor credential, the second started before the
 * first ends, as on any busy server: both succeed.  On Heimdal the second
 * used to take the first one's private host/ credentials cache and fail
 * once the first was deleted (shim/ntlm_acceptor_ccache.c). */
START_TEST(overlapping_logons_both_succeed)
{
    CredHandle cc, sc;
    client_cred(PASSWORD, &cc);
    server_cred(&sc);
    struct logon a, b;
    logon_negotiate(&cc, &a);
    ASSERT_STATUS(logon_server_step(&sc, &a, true), SEC_I_CONTINUE_NEEDED);
    logon_negotiate(&cc, &b);
    ASSERT_STATUS(logon_server_step(&sc, &b, true), SEC_I_CONTINUE_NEEDED);
    logon_authenticate(&cc, &a);
    ASSERT_STATUS(logon_server_step(&sc, &a, false), SEC_E_OK);
    DeleteSecurityContext(&a.server);
    DeleteSecurityContext(&a.client);
    logon_authenticate(&cc, &b);
    ASSERT_STATUS(logon_server_step(&sc, &b, false), SEC_E_OK);
    SecPkgContext_NamesA names;
    ASSERT_STATUS(QueryContextAttributesA(&b.server, SECPKG_ATTR_NAMES, &names), SEC_E_OK);
    const char *bs = strrchr(names.sUserName, '\\');
    ck_assert_msg(bs != NULL && strcmp(bs + 1, USER) == 0, "NAMES '%s'", names.sUserName);
    FreeContextBuffer(names.sUserName);
    DeleteSecurityContext(&b.server);
    DeleteSecurityContext(&b.client);
    FreeCredentialsHandle(&cc);
    FreeCredentialsHandle(&sc);
}
END_TEST

#ifdef SSPI_SHIM_HEIMDAL
/* The shared host/ cache of Heimdal's NTLM acceptor is renewed before its
 * ticket ends (shim/ntlm_acceptor_ccache.c): with host/ tickets of 10 s,
 * a logon 11 s after the first one needs the renewed ticket (the first one
 * has expired by then), and a logon started before the renewal finishes
 * after it. */
START_TEST(acceptor_ccache_is_renewed)
{
    const char *short_life[] = {"modify", "--max-ticket-life=10s", host_service, NULL};
    const char *day_life[] = {"modify", "--max-ticket-life=1d", host_service, NULL};
    ck_assert_msg(test_realm_kadmin(&realm, short_life) == 0, "%s", realm.last_output);
    CredHandle cc, sc;
    client_cred(PASSWORD, &cc);
    server_cred(&sc);                   /* fills the cache: a 10 s ticket */
    struct logon first, across;
    logon_negotiate(&cc, &first);
    ASSERT_STATUS(logon_server_step(&sc, &first, true), SEC_I_CONTINUE_NEEDED);
    logon_authenticate(&cc, &first);
    ASSERT_STATUS(logon_server_step(&sc, &first, false), SEC_E_OK);
    logon_negotiate(&cc, &across);
    ASSERT_STATUS(logon_server_step(&sc, &across, true), SEC_I_CONTINUE_NEEDED);
    sleep(11);
    struct logon later;
    logon_negotiate(&cc, &later);       /* renews: the first ticket has ended */
    ASSERT_STATUS(logon_server_step(&sc, &later, true), SEC_I_CONTINUE_NEEDED);
    logon_authenticate(&cc, &later);
    ASSERT_STATUS(logon_server_step(&sc, &later, false), SEC_E_OK);
    logon_authenticate(&cc, &across);
    ASSERT_STATUS(logon_server_step(&sc, &across, false), SEC_E_OK);
    struct logon *all[] = {&first, &across, &later};
    for (int i = 0; i < 3; i++) {
        DeleteSecurityContext(&all[i]->server);
        DeleteSecurityContext(&all[i]->client);
    }
    FreeCredentialsHandle(&cc);
    FreeCredentialsHandle(&sc);
    ck_assert_msg(test_realm_kadmin(&realm, day_life) == 0, "%s", realm.last_output);
}
END_TEST
#endif

/* A client that names no domain (curl -u alice does so): Windows names it
 * by the domain that checked it, the server's, which its CHALLENGE gave
 * as TargetName ([MS-NLMP] 2.2.1.2): NAMES is "THAT\\alice", not "\\alice"
 * (Heimdal's name was "alice@") or "alice" (gss-ntlmssp's). */
START_TEST(client_without_domain_gets_the_server_domain)
{
    SEC_WINNT_AUTH_IDENTITY_A id = identity(USER, NULL, PASSWORD);
    CredHandle cc, sc;
    TimeStamp expiry;
    ASSERT_STATUS(AcquireCredentialsHandleA(NULL, NTLMSP_NAME_A, SECPKG_CRED_OUTBOUND, NULL, &id,
                                            NULL, NULL, &cc, &expiry),
                  SEC_E_OK);
    server_cred(&sc);
    struct logon l;
    logon_negotiate(&cc, &l);
    ASSERT_STATUS(logon_server_step(&sc, &l, true), SEC_I_CONTINUE_NEEDED);
    /* The CHALLENGE's TargetName, read here on its own: Len at 12, offset
     * at 16, UNICODE (bit 0 of the flags at 20) as on both mechanisms. */
    ck_assert(l.length >= 24 && memcmp(l.token, "NTLMSSP", 8) == 0 && l.token[8] == 2);
    size_t len = (size_t)(l.token[12] | l.token[13] << 8);
    size_t off = (size_t)(l.token[16] | l.token[17] << 8);
    ck_assert(l.token[20] & 1);
    ck_assert(len > 0 && len % 2 == 0 && off + len <= l.length);
    char server_domain[128];
    ck_assert(len / 2 < sizeof(server_domain));
    for (size_t i = 0; i < len / 2; i++)
        server_domain[i] = (char)l.token[off + 2 * i];
    server_domain[len / 2] = '\0';
    logon_authenticate(&cc, &l);
    ASSERT_STATUS(logon_server_step(&sc, &l, false), SEC_E_OK);
    SecPkgContext_NamesA names;
    ASSERT_STATUS(QueryContextAttributesA(&l.server, SECPKG_ATTR_NAMES, &names), SEC_E_OK);
    char expected[256];
    snprintf(expected, sizeof(expected), "%s\\%s", server_domain, USER);
    fprintf(stderr, "no-domain client NAMES: %s\n", names.sUserName);
    ck_assert_str_eq(names.sUserName, expected);
    FreeContextBuffer(names.sUserName);
    DeleteSecurityContext(&l.server);
    DeleteSecurityContext(&l.client);
    FreeCredentialsHandle(&cc);
    FreeCredentialsHandle(&sc);
}
END_TEST

/* curl 7.88's NEGOTIATE, byte for byte: the 32-byte form without Version,
 * flags 0x00088206 (OEM, REQUEST_TARGET, NTLM, ALWAYS_SIGN, NTLM2 key):
 * no Unicode.  Windows' acceptor answers it with a CHALLENGE, and so does
 * the shim on both flavours (Heimdal refuses it on its own: the shim adds
 * the Unicode bit, docs/ntlm.md); the CHALLENGE picks one string form. */
START_TEST(oem_only_negotiate_gets_a_challenge)
{
    static const unsigned char curl_negotiate[32] = {
        'N', 'T', 'L', 'M', 'S', 'S', 'P', 0, 1, 0, 0, 0, 0x06, 0x82, 0x08, 0x00,
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
    unsigned char in[sizeof(curl_negotiate)], out[4096];
    memcpy(in, curl_negotiate, sizeof(in));
    CredHandle sc;
    server_cred(&sc);
    CtxtHandle ctx;
    SecBuffer ib = {sizeof(in), SECBUFFER_TOKEN, in}, ob = {sizeof(out), SECBUFFER_TOKEN, out};
    SecBufferDesc id = {SECBUFFER_VERSION, 1, &ib}, od = {SECBUFFER_VERSION, 1, &ob};
    ULONG attr;
    TimeStamp ts;
    ASSERT_STATUS(AcceptSecurityContext(&sc, NULL, &id, ASC_REQ_CONNECTION, SECURITY_NATIVE_DREP,
                                        &ctx, &od, &attr, &ts),
                  SEC_I_CONTINUE_NEEDED);
    ck_assert_uint_ge(ob.cbBuffer, 32);
    ck_assert(memcmp(out, "NTLMSSP\0\2\0\0\0", 12) == 0);
    uint32_t flags = (uint32_t)out[20] | (uint32_t)out[21] << 8 | (uint32_t)out[22] << 16 |
                     (uint32_t)out[23] << 24;
    ck_assert_msg(((flags & 1) != 0) != ((flags & 2) != 0),
                  "the CHALLENGE picks exactly one of UNICODE and OEM: flags 0x%08x", flags);
    /* The caller's buffer is left as it was. */
    ck_assert(memcmp(in, curl_negotiate, sizeof(in)) == 0);
    DeleteSecurityContext(&ctx);
    FreeCredentialsHandle(&sc);
}
END_TEST

/* With an NTLM mechanism in the GSS library (here gss-ntlmssp registered
 * for this process, or Heimdal's built-in one), the Kerberos package's
 * inbound credential still needs a keytab: SEC_E_NO_CREDENTIALS without
 * one, as Windows' Kerberos package says.  (With an SPNEGO element in the
 * credential, NTLM's acceptor element made it succeed on MIT.) */
START_TEST(kerberos_inbound_needs_keytab_with_ntlm_present)
{
    char missing[700];
    snprintf(missing, sizeof(missing), "FILE:%s/no-such.keytab",
             getenv("TMPDIR") != NULL ? getenv("TMPDIR") : "/tmp");
    setenv("KRB5_KTNAME", missing, 1);
    CredHandle sc;
    TimeStamp ts;
    ASSERT_STATUS(AcquireCredentialsHandleA(NULL, "Kerberos", SECPKG_CRED_INBOUND, NULL, NULL,
                                            NULL, NULL, &sc, &ts),
                  SEC_E_NO_CREDENTIALS);
}
END_TEST


/* ------------------------------------------------------------ inside Negotiate */

#define UNKNOWN_SPN "HTTP/no-such-service"     /* not in the KDC */

/* A Negotiate client with alice's password; packages = the EX identity's
 * PackageList, or NULL for a plain SEC_WINNT_AUTH_IDENTITY_A. */
static SECURITY_STATUS negotiate_client(const char *password, const char *packages,
                                        CredHandle *cc)
{
    SEC_WINNT_AUTH_IDENTITY_EXA ex;
    memset(&ex, 0, sizeof(ex));
    ex.Version = SEC_WINNT_AUTH_IDENTITY_VERSION;
    ex.Length = sizeof(ex);
    ex.User = (unsigned char *)USER;
    ex.UserLength = (ULONG)strlen(USER);
    ex.Domain = (unsigned char *)realm.realm;
    ex.DomainLength = (ULONG)strlen(realm.realm);
    ex.Password = (unsigned char *)password;
    ex.PasswordLength = (ULONG)strlen(password);
    ex.Flags = SEC_WINNT_AUTH_IDENTITY_ANSI;
    ex.PackageList = (unsigned char *)packages;
    ex.PackageListLength = packages ? (ULONG)strlen(packages) : 0;
    TimeStamp expiry;
    return AcquireCredentialsHandleA(NULL, NEGOSSP_NAME_A, SECPKG_CRED_OUTBOUND, NULL, &ex, NULL,
                                     NULL, cc, &expiry);
}

/* The package each side reports, through both attributes. */
static void assert_negotiated(struct handshake *h, const char *package)
{
    CtxtHandle *sides[2] = {&h->client, &h->server};
    for (int i = 0; i < 2; i++) {
        SecPkgContext_NegotiationInfoA ni;
        ASSERT_STATUS(QueryContextAttributesA(sides[i], SECPKG_ATTR_NEGOTIATION_INFO, &ni),
                      SEC_E_OK);
        ck_assert_msg(strcmp(ni.PackageInfo->Name, package) == 0, "%s negotiated %s, not %s",
                      i ? "server" : "client", ni.PackageInfo->Name, package);
        ck_assert_uint_eq(ni.NegotiationState, SECPKG_NEGOTIATION_COMPLETE);
        FreeContextBuffer(ni.PackageInfo);
        SecPkgContext_PackageInfoA pi;
        ASSERT_STATUS(QueryContextAttributesA(sides[i], SECPKG_ATTR_PACKAGE_INFO, &pi), SEC_E_OK);
        ck_assert_str_eq(pi.PackageInfo->Name, package);
        FreeContextBuffer(pi.PackageInfo);
    }
}

/* Signatures and sealing both ways on an established pair. */
static void assert_messages(struct handshake *h)
{
    CtxtHandle *sides[2][2] = {{&h->client, &h->server}, {&h->server, &h->client}};
    SecPkgContext_Sizes sizes;
    ASSERT_STATUS(QueryContextAttributesA(&h->client, SECPKG_ATTR_SIZES, &sizes), SEC_E_OK);
    for (int dir = 0; dir < 2; dir++) {
        CtxtHandle *from = sides[dir][0], *to = sides[dir][1];
        char text[] = "signed inside Negotiate";
        unsigned char sig[128];
        SecBuffer mb[2] = {{sizeof(text), SECBUFFER_DATA, text},
                           {sizes.cbMaxSignature, SECBUFFER_TOKEN, sig}};
        SecBufferDesc md = {SECBUFFER_VERSION, 2, mb};
        ASSERT_STATUS(MakeSignature(from, 0, &md, 0), SEC_E_OK);
        ULONG qop = 99;
        ASSERT_STATUS(VerifySignature(to, &md, 0, &qop), SEC_E_OK);
        char plain[] = "sealed inside Negotiate";
        char data[sizeof(plain)];
        unsigned char trailer[128];
        memcpy(data, plain, sizeof(plain));
        SecBuffer eb[2] = {{sizes.cbSecurityTrailer, SECBUFFER_TOKEN, trailer},
                           {sizeof(data), SECBUFFER_DATA, data}};
        SecBufferDesc ed = {SECBUFFER_VERSION, 2, eb};
        ASSERT_STATUS(EncryptMessage(from, 0, &ed, 0), SEC_E_OK);
        ck_assert(memcmp(data, plain, sizeof(plain)) != 0);
        ASSERT_STATUS(DecryptMessage(to, &ed, 0, &qop), SEC_E_OK);
        ck_assert_mem_eq(data, plain, sizeof(plain));
    }
}

/* (a) A known SPN: Kerberos, as before. */
START_TEST(negotiate_known_spn_uses_kerberos)
{
    CredHandle cc, sc;
    struct handshake h;
    ASSERT_STATUS(negotiate_client(PASSWORD, NULL, &cc), SEC_E_OK);
    ASSERT_STATUS(handshake_server_cred(NEGOSSP_NAME_A, &sc), SEC_E_OK);
    ASSERT_STATUS(handshake_run(&cc, &sc, TARGET, ISC_REQ | ISC_REQ_MUTUAL_AUTH, ASC_REQ, NULL,
                                0, NULL, 0, &h),
                  SEC_E_OK);
    assert_negotiated(&h, "Kerberos");
    ck_assert(h.client_attr & ISC_RET_MUTUAL_AUTH);
    assert_messages(&h);
    handshake_end(&h);
    FreeCredentialsHandle(&cc);
    FreeCredentialsHandle(&sc);
}
END_TEST

/* (b) An SPN the KDC does not know: NTLM inside SPNEGO, accepted by the
 * Negotiate server; NTLM reported on both sides; messages work. */
START_TEST(negotiate_unknown_spn_falls_back_to_ntlm)
{
    CredHandle cc, sc;
    struct handshake h;
    ASSERT_STATUS(negotiate_client(PASSWORD, NULL, &cc), SEC_E_OK);
    ASSERT_STATUS(handshake_server_cred(NEGOSSP_NAME_A, &sc), SEC_E_OK);
    ASSERT_STATUS(handshake_run(&cc, &sc, UNKNOWN_SPN, ISC_REQ | ISC_REQ_MUTUAL_AUTH, ASC_REQ,
                                NULL, 0, NULL, 0, &h),
                  SEC_E_OK);
    assert_negotiated(&h, "NTLM");
    ck_assert(!(h.client_attr & ISC_RET_MUTUAL_AUTH));
    SecPkgContext_NamesA names;
    ASSERT_STATUS(QueryContextAttributesA(&h.server, SECPKG_ATTR_NAMES, &names), SEC_E_OK);
    const char *bs = strrchr(names.sUserName, '\\');
    ck_assert_msg(bs != NULL && strcmp(bs + 1, USER) == 0, "NAMES '%s'", names.sUserName);
    FreeContextBuffer(names.sUserName);
    assert_messages(&h);
    handshake_end(&h);
    FreeCredentialsHandle(&cc);
    FreeCredentialsHandle(&sc);
}
END_TEST

/* The same with a UPN in the user field and no domain, as Negotiate
 * callers often pass it: NTLM gets "alice" in the realm's domain. */
START_TEST(negotiate_upn_identity_falls_back_to_ntlm)
{
    char upn[300];
    snprintf(upn, sizeof(upn), "%s@%s", USER, realm.realm);
    CredHandle cc, sc;
    struct handshake h;
    ASSERT_STATUS(handshake_client_cred(NEGOSSP_NAME_A, upn, PASSWORD, &cc), SEC_E_OK);
    ASSERT_STATUS(handshake_server_cred(NEGOSSP_NAME_A, &sc), SEC_E_OK);
    ASSERT_STATUS(handshake_run(&cc, &sc, UNKNOWN_SPN, ISC_REQ, ASC_REQ, NULL, 0, NULL, 0, &h),
                  SEC_E_OK);
    assert_negotiated(&h, "NTLM");
    SecPkgContext_NamesA names;
    ASSERT_STATUS(QueryContextAttributesA(&h.server, SECPKG_ATTR_NAMES, &names), SEC_E_OK);
    const char *bs = strrchr(names.sUserName, '\\');
    ck_assert_msg(bs != NULL && strcmp(bs + 1, USER) == 0, "NAMES '%s'", names.sUserName);
    FreeContextBuffer(names.sUserName);
    handshake_end(&h);
    FreeCredentialsHandle(&cc);
    FreeCredentialsHandle(&sc);
}
END_TEST

/* (c) "!NTLM": no fallback, the Kerberos status. */
START_TEST(negotiate_no_ntlm_unknown_spn_is_target_unknown)
{
    CredHandle cc, sc;
    struct handshake h;
    ASSERT_STATUS(negotiate_client(PASSWORD, "!NTLM", &cc), SEC_E_OK);
    ASSERT_STATUS(handshake_server_cred(NEGOSSP_NAME_A, &sc), SEC_E_OK);
    ASSERT_STATUS(handshake_run(&cc, &sc, UNKNOWN_SPN, ISC_REQ, ASC_REQ, NULL, 0, NULL, 0, &h),
                  SEC_E_TARGET_UNKNOWN);
    ck_assert(!h.have_client);
    handshake_end(&h);
    FreeCredentialsHandle(&cc);
    FreeCredentialsHandle(&sc);
}
END_TEST

/* (d) "NTLM" (and "ntlm, !kerberos"): NTLM even where Kerberos works. */
START_TEST(negotiate_package_list_ntlm_only)
{
    const char *lists[] = {"NTLM", "ntlm, !kerberos"};
    for (int i = 0; i < 2; i++) {
        CredHandle cc, sc;
        struct handshake h;
        ASSERT_STATUS(negotiate_client(PASSWORD, lists[i], &cc), SEC_E_OK);
        ASSERT_STATUS(handshake_server_cred(NEGOSSP_NAME_A, &sc), SEC_E_OK);
        ASSERT_STATUS(handshake_run(&cc, &sc, TARGET, ISC_REQ, ASC_REQ, NULL, 0, NULL, 0, &h),
                      SEC_E_OK);
        assert_negotiated(&h, "NTLM");
        handshake_end(&h);
        FreeCredentialsHandle(&cc);
        FreeCredentialsHandle(&sc);
    }
}
END_TEST

/* Channel bindings of NTLM inside Negotiate: the AUTHENTICATE travels in
 * SPNEGO's responseToken, and the server checks it as for the NTLM
 * package: the same value logs on, another is SEC_E_BAD_BINDINGS. */
START_TEST(negotiate_ntlm_channel_bindings_are_checked)
{
    CredHandle cc, sc;
    ASSERT_STATUS(negotiate_client(PASSWORD, "NTLM", &cc), SEC_E_OK);
    ASSERT_STATUS(handshake_server_cred(NEGOSSP_NAME_A, &sc), SEC_E_OK);
    assert_bindings_checked(&cc, &sc, "NTLM");
}
END_TEST

/* Neither package left: nothing to log on with. */
START_TEST(negotiate_package_list_neither_is_no_credentials)
{
    CredHandle cc;
    ASSERT_STATUS(negotiate_client(PASSWORD, "!Kerberos,!NTLM", &cc), SEC_E_NO_CREDENTIALS);
}
END_TEST

/* (e) A wrong password: the KDC's answer is final (no NTLM attempt with
 * the same password), SEC_E_LOGON_DENIED from the first
 * InitializeSecurityContext; with NTLM alone, from the acceptor. */
START_TEST(negotiate_wrong_password_is_logon_denied)
{
    CredHandle cc, sc;
    struct handshake h;
    ASSERT_STATUS(negotiate_client("not-the-password", NULL, &cc), SEC_E_OK);
    ASSERT_STATUS(handshake_server_cred(NEGOSSP_NAME_A, &sc), SEC_E_OK);
    ASSERT_STATUS(handshake_run(&cc, &sc, UNKNOWN_SPN, ISC_REQ, ASC_REQ, NULL, 0, NULL, 0, &h),
                  SEC_E_LOGON_DENIED);
    ck_assert(!h.have_client);
    handshake_end(&h);
    FreeCredentialsHandle(&cc);

    ASSERT_STATUS(negotiate_client("not-the-password", "NTLM", &cc), SEC_E_OK);
    ASSERT_STATUS(handshake_run(&cc, &sc, TARGET, ISC_REQ, ASC_REQ, NULL, 0, NULL, 0, &h),
                  SEC_E_LOGON_DENIED);
    ck_assert_int_eq(h.server_last, SEC_E_LOGON_DENIED);
    handshake_end(&h);
    FreeCredentialsHandle(&cc);
    FreeCredentialsHandle(&sc);
}
END_TEST

/* No KDC answering: the first leg is NTLM inside SPNEGO.  (The handshake
 * cannot finish: Heimdal's NTLM acceptor needs the same KDC.) */
START_TEST(negotiate_unreachable_kdc_offers_ntlm)
{
    char conf[600];
    snprintf(conf, sizeof(conf), "%s/unreachable-krb5.conf", realm.dir);
    struct test_realm_krb5_conf opts;
    memset(&opts, 0, sizeof(opts));
    opts.kdc_port = test_realm_unused_port();
    ck_assert_int_eq(test_realm_write_krb5_conf(&realm, conf, &opts), 0);
    ck_assert_int_eq(test_realm_use_krb5_conf(&realm, conf), 0);
    CredHandle cc;
    ASSERT_STATUS(negotiate_client(PASSWORD, NULL, &cc), SEC_E_OK);
    CtxtHandle ctx;
    unsigned char out[4096];
    SecBuffer ob = {sizeof(out), SECBUFFER_TOKEN, out};
    SecBufferDesc od = {SECBUFFER_VERSION, 1, &ob};
    ULONG attr;
    TimeStamp ts;
    SECURITY_STATUS st = InitializeSecurityContextA(&cc, NULL, TARGET, ISC_REQ, 0,
                                                    SECURITY_NATIVE_DREP, NULL, 0, &ctx, &od,
                                                    &attr, &ts);
    test_realm_use_krb5_conf(&realm, NULL);
    ck_assert_msg(st == SEC_I_CONTINUE_NEEDED, "got 0x%08x: %s", (unsigned)st,
                  SspiShimLastErrorMessage());
    /* A NegTokenInit (0x60, SPNEGO OID) whose mechToken is an NTLMSSP NEGOTIATE. */
    ck_assert(ob.cbBuffer > 20 && out[0] == 0x60);
    ck_assert(memmem(out, ob.cbBuffer, "NTLMSSP\0\1\0\0\0", 12) != NULL);
    DeleteSecurityContext(&ctx);
    FreeCredentialsHandle(&cc);

    /* "!NTLM": the Kerberos status instead. */
    ck_assert_int_eq(test_realm_use_krb5_conf(&realm, conf), 0);
    ASSERT_STATUS(negotiate_client(PASSWORD, "!NTLM", &cc), SEC_E_OK);
    ob.cbBuffer = sizeof(out);
    st = InitializeSecurityContextA(&cc, NULL, TARGET, ISC_REQ, 0, SECURITY_NATIVE_DREP, NULL, 0,
                                    &ctx, &od, &attr, &ts);
    test_realm_use_krb5_conf(&realm, NULL);
    ck_assert_int_eq(st, SEC_E_NO_AUTHENTICATING_AUTHORITY);
    FreeCredentialsHandle(&cc);
}
END_TEST

/* ------------------------------------------------------------ setup */

#ifdef SSPI_SHIM_HEIMDAL
/* The KDC's digest service and the principals Heimdal's NTLM acceptor
 * needs (lib/gssapi/ntlm/kdc.c, kdc/digest.c). */
static int heimdal_realm(void)
{
    struct test_realm_options opt;
    memset(&opt, 0, sizeof(opt));
    opt.extra_kdc = "\tenable-digest = true\n\tdigests_allowed = ntlm-v2, ntlm-v1-session, ntlm-v1";
    if (test_realm_start_ex(&realm, NULL, &opt) != 0)
        return 77;
    char host[256], digest[300];
    char *hostsvc = host_service;
    if (gethostname(host, sizeof(host)) != 0)
        return 99;
    host[sizeof(host) - 1] = '\0';
    for (char *p = host; *p; p++)
        *p = (char)tolower((unsigned char)*p);
    snprintf(digest, sizeof(digest), "digest/%s@%s", realm.realm, realm.realm);
    snprintf(hostsvc, sizeof(host_service), "host/%s@%s", host, realm.realm);
    const char *add_digest[] = {"add", "--random-key", "--use-defaults", digest, NULL};
    const char *allow[] = {"modify", "--attributes=+allow-digest", hostsvc, NULL};
    if (test_realm_kadmin(&realm, add_digest) != 0 ||
        test_realm_add_service(&realm, hostsvc, NULL) != 0 ||
        test_realm_kadmin(&realm, allow) != 0) {
        fprintf(stderr, "check_ntlm: cannot set up the digest principals: %s\n",
                realm.last_output);
        return 99;
    }
    return 0;
}
#endif

int main(void)
{
#ifdef SSPI_SHIM_HEIMDAL
    int rc = heimdal_realm();
    if (rc == 77)
        fprintf(stderr, "SKIP: no Heimdal KDC for the NTLM acceptor's digest service\n");
    if (rc != 0)
        return rc;
    /* The Heimdal initiator's domain is ours; the KDC looks the user up
     * in its realm. */
#else
    if (NTLMSSP_MECH_PATH[0] == '\0' || access(NTLMSSP_MECH_PATH, R_OK) != 0) {
        fprintf(stderr, "SKIP: MIT build without gss-ntlmssp (configure found none; Debian: "
                        "apt-get install gss-ntlmssp)\n");
        return 77;
    }
    int env = test_mechenv_enter();
    if (env != 0)
        return env;
    /* The KDC of the Negotiate cases (Kerberos first, NTLM when it cannot
     * be used). */
    if (test_realm_start(&realm, NULL) != 0) {
        fprintf(stderr, "SKIP: no MIT KDC for the Negotiate cases: %s\n", realm.last_output);
        return 77;
    }
    /* gss-ntlmssp's acceptor store: DOMAIN:user:password lines (the NTLM
     * package's domain, and the realm the Negotiate identities name). */
    const char *tmp = getenv("TMPDIR");
    snprintf(user_file, sizeof(user_file), "%s/check_ntlm_users.XXXXXX",
             tmp != NULL && *tmp ? tmp : "/tmp");
    int fd = mkstemp(user_file);
    if (fd < 0)
        return 99;
    dprintf(fd, "%s:%s:%s\n%s:%s:%s\n", DOMAIN, USER, PASSWORD, realm.realm, USER, PASSWORD);
    close(fd);
    setenv("NTLM_USER_FILE", user_file, 1);
#endif

    Suite *s = suite_create("ntlm");
    TCase *tc = tcase_create("sspi");
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, package_has_windows_values);
    tcase_add_test(tc, handshake_names_sizes_and_messages);
    tcase_add_test(tc, session_key_is_the_same_on_both_ends);
    tcase_add_test(tc, channel_bindings_are_checked);
    tcase_add_test(tc, wide_identity_and_names);
    tcase_add_test(tc, wrong_password_is_logon_denied);
    tcase_add_test(tc, unknown_user_is_logon_denied);
    tcase_add_test(tc, garbage_reply_is_invalid_token);
    tcase_add_test(tc, oem_only_negotiate_gets_a_challenge);
    tcase_add_test(tc, overlapping_logons_both_succeed);
    tcase_add_test(tc, client_without_domain_gets_the_server_domain);
#ifdef SSPI_SHIM_HEIMDAL
    tcase_add_test(tc, acceptor_ccache_is_renewed);
#endif
    tcase_add_test(tc, kerberos_inbound_needs_keytab_with_ntlm_present);
    TCase *neg = tcase_create("negotiate");
    tcase_set_timeout(neg, 60);
    tcase_add_test(neg, negotiate_known_spn_uses_kerberos);
    tcase_add_test(neg, negotiate_unknown_spn_falls_back_to_ntlm);
    tcase_add_test(neg, negotiate_upn_identity_falls_back_to_ntlm);
    tcase_add_test(neg, negotiate_no_ntlm_unknown_spn_is_target_unknown);
    tcase_add_test(neg, negotiate_package_list_ntlm_only);
    tcase_add_test(neg, negotiate_ntlm_channel_bindings_are_checked);
    tcase_add_test(neg, negotiate_package_list_neither_is_no_credentials);
    tcase_add_test(neg, negotiate_wrong_password_is_logon_denied);
    tcase_add_test(neg, negotiate_unreachable_kdc_offers_ntlm);
    suite_add_tcase(s, neg);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    if (user_file[0] != '\0')
        unlink(user_file);
    test_realm_destroy(&realm);
    return failed == 0 ? 0 : 1;
}
