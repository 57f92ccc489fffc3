/*
 * The Digest GSS-API mechanism (mechs/digest, contract
 * include/gssapi_sspi_shim_digest.h) driven through the real mechglue of the
 * GSS library this build uses: tests/mechenv registers the module built
 * here for this process.  HTTP (RFC 7616) exchanges for every algorithm and
 * qop, userhash and username*, both user stores, the failures (wrong
 * password, unknown user, stale / foreign / replayed nonce, forged rspauth,
 * no credential), SASL DIGEST-MD5 (RFC 2831) with its security layer, and
 * HTTP later requests through get_mic / verify_mic.  The RFC known-answer
 * vectors live in check_digest_crypto; here each side checks the other.
 */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <gssapi/gssapi.h>
#include <openssl/evp.h>
#ifdef SSPI_SHIM_MIT
#include <gssapi/gssapi_ext.h>
#endif

#include "digest_codec.h"
#include "digest_crypto.h"
#include "digest_params.h"
#include "gssapi_sspi_shim_digest.h"
#include "mechenv.h"

static gss_OID_desc mech_oid = {GSS_SSPI_SHIM_DIGEST_MECH_OID_LENGTH,
                                (void *)GSS_SSPI_SHIM_DIGEST_MECH_OID_BYTES};
static gss_OID_set_desc mech_set = {1, &mech_oid};
static gss_OID_desc nt_uri = {GSS_SSPI_SHIM_DIGEST_OID_LENGTH,
                              (void *)GSS_SSPI_SHIM_DIGEST_NT_URI_BYTES};
#define OPT(name) {GSS_SSPI_SHIM_DIGEST_OID_LENGTH, (void *)GSS_SSPI_SHIM_DIGEST_OPT_##name##_BYTES}
static gss_OID_desc opt_htdigest = OPT(HTDIGEST_FILE), opt_password = OPT(PASSWORD_FILE),
                    opt_nonce_key = OPT(NONCE_KEY), opt_lifetime = OPT(NONCE_LIFETIME),
                    opt_algs = OPT(HTTP_ALGORITHMS), opt_qop = OPT(QOP),
                    opt_ciphers = OPT(SASL_CIPHERS), opt_realm = OPT(REALM);
static gss_OID_desc inq_info = {GSS_SSPI_SHIM_DIGEST_OID_LENGTH,
                                (void *)GSS_SSPI_SHIM_DIGEST_INQ_INFO_BYTES};

#define REALM "testrealm@host.com"
#define USER "Mufasa"
#define PASS "Circle Of Life"
#define UTF8_USER "J\xc3\xa4s\xc3\xb8n Doe" /* RFC 7616 3.9.2 */
#define UTF8_PASS "Secret, or not?"
#define NONCE_KEY "0123456789abcdef0123456789abcdef"

static char htdigest_path[256], password_path[256];

#define CK_MAJ(expr, want)                                                                 \
    do {                                                                                   \
        OM_uint32 maj_ = (expr);                                                           \
        ck_assert_msg(maj_ == (OM_uint32)(want), "%s: major 0x%08x, expected 0x%08x, minor 0x%08x", \
                      #expr, (unsigned)maj_, (unsigned)(want), (unsigned)minor);           \
    } while (0)

/* ------------------------------------------------------------- fixtures */

/* Called from main(), outside any test: failures are reported by hand. */
static int write_stores(void)
{
    char ha1[DIGEST_HEX_BUFSIZE], dir[] = "/tmp/check_digest_mech.XXXXXX";
    FILE *f;
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return -1;
    }
    snprintf(htdigest_path, sizeof(htdigest_path), "%s/htdigest", dir);
    snprintf(password_path, sizeof(password_path), "%s/passwords", dir);
    if (digest_http_ha1_base(DIGEST_ALG_MD5, USER, REALM, PASS, strlen(PASS), ha1) != DIGEST_OK)
        return -1;
    if (!(f = fopen(htdigest_path, "w"))) {
        perror(htdigest_path);
        return -1;
    }
    fprintf(f, "# htdigest\nother:" REALM ":00000000000000000000000000000000\n" USER ":" REALM
               ":%s\n", ha1);
    fclose(f);
    if (!(f = fopen(password_path, "w"))) {
        perror(password_path);
        return -1;
    }
    fprintf(f, USER ":" PASS "\n" UTF8_USER ":" UTF8_PASS "\n");
    fclose(f);
    return 0;
}

static void set_opt(gss_cred_id_t *cred, gss_OID opt, const char *value)
{
    OM_uint32 minor;
    gss_buffer_desc v = {strlen(value), (void *)value};
    CK_MAJ(gss_set_cred_option(&minor, cred, opt, &v), GSS_S_COMPLETE);
}

/* An acceptor credential with a store.  Heimdal creates one from
 * GSS_C_NO_CREDENTIAL in gss_set_cred_option; MIT asks only its default
 * mechanism there, so on MIT the credential is acquired first. */
static gss_cred_id_t server_cred(gss_OID store_opt, const char *path)
{
    gss_cred_id_t cred = GSS_C_NO_CREDENTIAL;
#ifdef SSPI_SHIM_MIT
    OM_uint32 minor;
    CK_MAJ(gss_acquire_cred(&minor, GSS_C_NO_NAME, GSS_C_INDEFINITE, &mech_set, GSS_C_ACCEPT,
                            &cred, NULL, NULL),
           GSS_S_COMPLETE);
#endif
    set_opt(&cred, store_opt, path);
    ck_assert_ptr_ne(cred, GSS_C_NO_CREDENTIAL);
    set_opt(&cred, &opt_nonce_key, NONCE_KEY);
    set_opt(&cred, &opt_realm, REALM);
    return cred;
}

static gss_cred_id_t client_cred(const char *user, const char *pass)
{
    gss_cred_id_t cred = GSS_C_NO_CREDENTIAL;
    gss_name_t name = GSS_C_NO_NAME;
    OM_uint32 minor;
    gss_buffer_desc u = {strlen(user), (void *)user}, p = {strlen(pass), (void *)pass};
    CK_MAJ(gss_import_name(&minor, &u, GSS_C_NT_USER_NAME, &name), GSS_S_COMPLETE);
    CK_MAJ(gss_acquire_cred_with_password(&minor, name, &p, GSS_C_INDEFINITE, &mech_set,
                                          GSS_C_INITIATE, &cred, NULL, NULL),
           GSS_S_COMPLETE);
    gss_release_name(&minor, &name);
    return cred;
}

static gss_name_t target(const char *value, gss_OID type)
{
    gss_name_t n = GSS_C_NO_NAME;
    OM_uint32 minor;
    gss_buffer_desc b = {strlen(value), (void *)value};
    CK_MAJ(gss_import_name(&minor, &b, type, &n), GSS_S_COMPLETE);
    return n;
}

/* A framed parameter token (include/gssapi_sspi_shim_digest.h). */
static gss_buffer_desc framed(const char *mode, const char *wire, size_t wire_len,
                              const char *method, const char *entity_hash)
{
    struct gssmap_digest_record rec[] = {
        {GSS_SSPI_SHIM_DIGEST_P_WIRE, wire ? wire : "", wire_len},
        {GSS_SSPI_SHIM_DIGEST_P_MODE, mode, mode ? 1 : 0},
        {GSS_SSPI_SHIM_DIGEST_P_METHOD, method, method ? strlen(method) : 0},
        {GSS_SSPI_SHIM_DIGEST_P_ENTITY_HASH, entity_hash, entity_hash ? strlen(entity_hash) : 0},
    };
    gss_buffer_desc b;
    b.length = gssmap_digest_params_size(rec, 4, 1);
    ck_assert_uint_gt(b.length, 0);
    b.value = malloc(b.length);
    ck_assert_uint_eq(gssmap_digest_params_write(rec, 4, 1, b.value, b.length), b.length);
    return b;
}

/* The record list of an HTTP later request (get_mic / verify_mic message). */
static gss_buffer_desc later_msg(const char *method, const char *uri)
{
    struct gssmap_digest_record rec[] = {
        {GSS_SSPI_SHIM_DIGEST_P_METHOD, method, strlen(method)},
        {GSS_SSPI_SHIM_DIGEST_P_URI, uri, uri ? strlen(uri) : 0},
    };
    gss_buffer_desc b;
    b.length = gssmap_digest_params_size(rec, 2, 0);
    b.value = malloc(b.length);
    ck_assert_uint_eq(gssmap_digest_params_write(rec, 2, 0, b.value, b.length), b.length);
    return b;
}

static char *str_of(const gss_buffer_desc *b)
{
    char *s = malloc(b->length + 1);
    memcpy(s, b->value, b->length);
    s[b->length] = '\0';
    return s;
}

/* Removes `what` (and a following ", ") from s in place. */
static void strip(char *s, const char *what)
{
    char *p = strstr(s, what);
    size_t n = strlen(what);
    if (!p)
        return;
    if (p[n] == ',' && p[n + 1] == ' ')
        n += 2;
    memmove(p, p + n, strlen(p + n) + 1);
}

/* HTTP acceptor first leg: the challenge. */
static char *http_challenge(gss_ctx_id_t *sctx, gss_cred_id_t scred)
{
    OM_uint32 minor, flags;
    gss_buffer_desc in = framed("H", "", 0, NULL, NULL), out = GSS_C_EMPTY_BUFFER;
    char *s;
    CK_MAJ(gss_accept_sec_context(&minor, sctx, scred, &in, GSS_C_NO_CHANNEL_BINDINGS, NULL,
                                  NULL, &out, &flags, NULL, NULL),
           GSS_S_CONTINUE_NEEDED);
    s = str_of(&out);
    gss_release_buffer(&minor, &out);
    free(in.value);
    return s;
}

/* Client: challenge -> Authorization. */
static char *http_respond(gss_ctx_id_t *cctx, gss_cred_id_t ccred, gss_name_t tgt,
                          const char *challenge, const char *entity_hash)
{
    OM_uint32 minor, flags;
    gss_buffer_desc in = framed(NULL, challenge, strlen(challenge), "GET", entity_hash);
    gss_buffer_desc out = GSS_C_EMPTY_BUFFER;
    char *s;
    CK_MAJ(gss_init_sec_context(&minor, ccred, cctx, tgt, &mech_oid, GSS_C_MUTUAL_FLAG, 0,
                                GSS_C_NO_CHANNEL_BINDINGS, &in, NULL, &out, &flags, NULL),
           GSS_S_CONTINUE_NEEDED);
    s = str_of(&out);
    gss_release_buffer(&minor, &out);
    free(in.value);
    return s;
}

/* Server: Authorization -> major status, *info = Authentication-Info. */
static OM_uint32 http_verify(gss_ctx_id_t *sctx, gss_cred_id_t scred, const char *auth,
                             const char *entity_hash, char **info, OM_uint32 *minor_out)
{
    OM_uint32 major, minor, flags = 0;
    gss_buffer_desc in = framed(*sctx ? NULL : "H", auth, strlen(auth), "GET", entity_hash);
    gss_buffer_desc out = GSS_C_EMPTY_BUFFER;
    gss_name_t src = GSS_C_NO_NAME;
    major = gss_accept_sec_context(&minor, sctx, scred, &in, GSS_C_NO_CHANNEL_BINDINGS, &src,
                                   NULL, &out, &flags, NULL, NULL);
    *minor_out = minor;
    *info = out.length ? str_of(&out) : NULL;
    if (major == GSS_S_COMPLETE)
        ck_assert(flags & GSS_C_MUTUAL_FLAG);
    gss_release_buffer(&minor, &out);
    gss_release_name(&minor, &src);
    free(in.value);
    return major;
}

static OM_uint32 client_finish(gss_ctx_id_t *cctx, gss_cred_id_t ccred, gss_name_t tgt,
                               const char *info, OM_uint32 *flags, OM_uint32 *minor_out)
{
    OM_uint32 major, minor;
    gss_buffer_desc in = {strlen(info), (void *)info}, out = GSS_C_EMPTY_BUFFER;
    major = gss_init_sec_context(&minor, ccred, cctx, tgt, &mech_oid, GSS_C_MUTUAL_FLAG, 0,
                                 GSS_C_NO_CHANNEL_BINDINGS, &in, NULL, &out, flags, NULL);
    *minor_out = minor;
    ck_assert_uint_eq(out.length, 0);
    return major;
}

/* ------------------------------------------------------------- tests */

START_TEST(indicate_mechs_lists_digest)
{
    OM_uint32 minor;
    gss_OID_set mechs = GSS_C_NO_OID_SET;
    int present = 0;
    gss_buffer_desc sasl = GSS_C_EMPTY_BUFFER, mname = GSS_C_EMPTY_BUFFER,
                    desc = GSS_C_EMPTY_BUFFER;
    CK_MAJ(gss_indicate_mechs(&minor, &mechs), GSS_S_COMPLETE);
    CK_MAJ(gss_test_oid_set_member(&minor, &mech_oid, mechs, &present), GSS_S_COMPLETE);
    ck_assert_msg(present, "mechglue did not load %s", test_mechenv_config());
    gss_release_oid_set(&minor, &mechs);
    CK_MAJ(gss_inquire_saslname_for_mech(&minor, &mech_oid, &sasl, &mname, &desc), GSS_S_COMPLETE);
    ck_assert_uint_eq(sasl.length, 10);
    ck_assert(memcmp(sasl.value, "DIGEST-MD5", 10) == 0);
    gss_release_buffer(&minor, &sasl);
    gss_release_buffer(&minor, &mname);
    gss_release_buffer(&minor, &desc);
}
END_TEST

START_TEST(init_without_credential_is_no_cred)
{
    OM_uint32 minor, major;
    gss_ctx_id_t ctx = GSS_C_NO_CONTEXT;
    gss_name_t tgt = target("/dir/index.html", &nt_uri);
    gss_buffer_desc out = GSS_C_EMPTY_BUFFER;
    major = gss_init_sec_context(&minor, GSS_C_NO_CREDENTIAL, &ctx, tgt, &mech_oid, 0, 0,
                                 GSS_C_NO_CHANNEL_BINDINGS, GSS_C_NO_BUFFER, NULL, &out, NULL,
                                 NULL);
    ck_assert_uint_eq(GSS_ROUTINE_ERROR(major), GSS_S_NO_CRED);
    ck_assert_ptr_eq(ctx, GSS_C_NO_CONTEXT);
    gss_release_name(&minor, &tgt);
}
END_TEST

static const digest_alg all_algs[] = {DIGEST_ALG_MD5,        DIGEST_ALG_MD5_SESS,
                                      DIGEST_ALG_SHA256,     DIGEST_ALG_SHA256_SESS,
                                      DIGEST_ALG_SHA512_256, DIGEST_ALG_SHA512_256_SESS};

/* _i: algorithm index * 2 + (auth-int ? 1 : 0) */
START_TEST(http_exchange_each_algorithm)
{
    digest_alg alg = all_algs[_i / 2];
    int auth_int = _i % 2;
    OM_uint32 minor, major, flags = 0;
    gss_cred_id_t scred = server_cred(&opt_password, password_path);
    gss_cred_id_t ccred = client_cred(USER, PASS);
    gss_ctx_id_t sctx = GSS_C_NO_CONTEXT, cctx = GSS_C_NO_CONTEXT;
    gss_name_t tgt = target("/dir/index.html", &nt_uri), src = GSS_C_NO_NAME;
    char *chal, *auth, *info = NULL, eh[DIGEST_HEX_BUFSIZE];
    gss_buffer_set_t data = GSS_C_NO_BUFFER_SET;
    gss_buffer_desc dn = GSS_C_EMPTY_BUFFER;
    int open = 0;

    set_opt(&scred, &opt_algs, digest_alg_name(alg));
    set_opt(&scred, &opt_qop, auth_int ? "auth-int" : "auth");
    ck_assert_int_eq(digest_http_entity_hash(alg, "body", 4, eh), DIGEST_OK);
    chal = http_challenge(&sctx, scred);
    ck_assert_ptr_nonnull(strstr(chal, digest_alg_name(alg)));
    ck_assert_ptr_nonnull(strstr(chal, "userhash=true"));
    auth = http_respond(&cctx, ccred, tgt, chal, auth_int ? eh : NULL);
    ck_assert_ptr_nonnull(strstr(auth, auth_int ? "qop=auth-int" : "qop=auth"));
    ck_assert_ptr_nonnull(strstr(auth, "userhash=true"));
    ck_assert_ptr_null(strstr(auth, USER)); /* the name travels hashed */
    major = http_verify(&sctx, scred, auth, auth_int ? eh : NULL, &info, &minor);
    CK_MAJ(major, GSS_S_COMPLETE);
    ck_assert_ptr_nonnull(strstr(info, "rspauth="));
    CK_MAJ(client_finish(&cctx, ccred, tgt, info, &flags, &minor), GSS_S_COMPLETE);
    ck_assert(flags & GSS_C_MUTUAL_FLAG);

    /* The acceptor knows who it was and how. */
    CK_MAJ(gss_inquire_context(&minor, sctx, &src, NULL, NULL, NULL, NULL, NULL, &open),
           GSS_S_COMPLETE);
    ck_assert(open);
    CK_MAJ(gss_display_name(&minor, src, &dn, NULL), GSS_S_COMPLETE);
    ck_assert_uint_eq(dn.length, strlen(USER));
    ck_assert(memcmp(dn.value, USER, dn.length) == 0);
    gss_release_buffer(&minor, &dn);
    gss_release_name(&minor, &src);
    CK_MAJ(gss_inquire_sec_context_by_oid(&minor, sctx, &inq_info, &data), GSS_S_COMPLETE);
    ck_assert_uint_eq(data->count, 1);
    {
        char want[64];
        snprintf(want, sizeof(want), "HTTP %s %s", digest_alg_name(alg),
                 auth_int ? "auth-int" : "auth");
        ck_assert_uint_eq(data->elements[0].length, strlen(want));
        ck_assert(memcmp(data->elements[0].value, want, strlen(want)) == 0);
    }
    gss_release_buffer_set(&minor, &data);

    /* A wrong entity hash with auth-int fails on a fresh exchange. */
    if (auth_int) {
        gss_ctx_id_t s2 = GSS_C_NO_CONTEXT, c2 = GSS_C_NO_CONTEXT;
        char *ch2 = http_challenge(&s2, scred), *au2 = http_respond(&c2, ccred, tgt, ch2, eh);
        char *inf2 = NULL;
        char other[DIGEST_HEX_BUFSIZE];
        ck_assert_int_eq(digest_http_entity_hash(alg, "tampered", 8, other), DIGEST_OK);
        CK_MAJ(http_verify(&s2, scred, au2, other, &inf2, &minor), GSS_S_FAILURE);
        ck_assert_uint_eq(minor, GSS_SSPI_SHIM_DIGEST_S_LOGON_DENIED);
        free(ch2);
        free(au2);
        free(inf2);
        gss_delete_sec_context(&minor, &s2, GSS_C_NO_BUFFER);
        gss_delete_sec_context(&minor, &c2, GSS_C_NO_BUFFER);
    }
    free(chal);
    free(auth);
    free(info);
    gss_delete_sec_context(&minor, &sctx, GSS_C_NO_BUFFER);
    gss_delete_sec_context(&minor, &cctx, GSS_C_NO_BUFFER);
    gss_release_name(&minor, &tgt);
    gss_release_cred(&minor, &scred);
    gss_release_cred(&minor, &ccred);
}
END_TEST

/* Runs one exchange; strip_userhash makes the client send its name. */
static OM_uint32 exchange(gss_cred_id_t scred, const char *user, const char *pass,
                          int strip_userhash, char **auth_out, OM_uint32 *minor_out)
{
    OM_uint32 minor, major, flags = 0;
    gss_cred_id_t ccred = client_cred(user, pass);
    gss_ctx_id_t sctx = GSS_C_NO_CONTEXT, cctx = GSS_C_NO_CONTEXT;
    gss_name_t tgt = target("/dir/index.html", &nt_uri);
    char *chal, *auth, *info = NULL;

    chal = http_challenge(&sctx, scred);
    if (strip_userhash)
        strip(chal, "userhash=true");
    auth = http_respond(&cctx, ccred, tgt, chal, NULL);
    major = http_verify(&sctx, scred, auth, NULL, &info, minor_out);
    if (major == GSS_S_COMPLETE) {
        CK_MAJ(client_finish(&cctx, ccred, tgt, info, &flags, &minor), GSS_S_COMPLETE);
        ck_assert(flags & GSS_C_MUTUAL_FLAG);
    }
    if (auth_out)
        *auth_out = auth;
    else
        free(auth);
    free(chal);
    free(info);
    gss_delete_sec_context(&minor, &sctx, GSS_C_NO_BUFFER);
    gss_delete_sec_context(&minor, &cctx, GSS_C_NO_BUFFER);
    gss_release_name(&minor, &tgt);
    gss_release_cred(&minor, &ccred);
    return major;
}

START_TEST(http_username_star_for_non_ascii_name)
{
    OM_uint32 minor;
    gss_cred_id_t scred = server_cred(&opt_password, password_path);
    char *auth = NULL;
    set_opt(&scred, &opt_algs, "SHA-512-256");
    CK_MAJ(exchange(scred, UTF8_USER, UTF8_PASS, 1, &auth, &minor), GSS_S_COMPLETE);
    /* RFC 7616 3.4: username* with RFC 8187 encoding */
    ck_assert_ptr_nonnull(strstr(auth, "username*=UTF-8''J%C3%A4s%C3%B8n%20Doe"));
    free(auth);
    /* and with userhash offered, the hash instead */
    CK_MAJ(exchange(scred, UTF8_USER, UTF8_PASS, 0, &auth, &minor), GSS_S_COMPLETE);
    ck_assert_ptr_null(strstr(auth, "username*"));
    free(auth);
    gss_release_cred(&minor, &scred);
}
END_TEST

START_TEST(http_htdigest_store)
{
    OM_uint32 minor;
    gss_cred_id_t scred = server_cred(&opt_htdigest, htdigest_path);
    char *auth = NULL;
    CK_MAJ(exchange(scred, USER, PASS, 1, &auth, &minor), GSS_S_COMPLETE);
    ck_assert_ptr_nonnull(strstr(auth, "username=\"" USER "\""));
    ck_assert_ptr_nonnull(strstr(auth, "algorithm=MD5"));
    free(auth);
    CK_MAJ(exchange(scred, USER, PASS, 0, NULL, &minor), GSS_S_COMPLETE); /* userhash */
    CK_MAJ(exchange(scred, USER, "wrong", 1, NULL, &minor), GSS_S_FAILURE);
    ck_assert_uint_eq(minor, GSS_SSPI_SHIM_DIGEST_S_LOGON_DENIED);
    gss_release_cred(&minor, &scred);
}
END_TEST

START_TEST(http_wrong_password_and_unknown_user)
{
    OM_uint32 minor;
    gss_cred_id_t scred = server_cred(&opt_password, password_path);
    CK_MAJ(exchange(scred, USER, "Circle of life", 1, NULL, &minor), GSS_S_FAILURE);
    ck_assert_uint_eq(minor, GSS_SSPI_SHIM_DIGEST_S_LOGON_DENIED);
    CK_MAJ(exchange(scred, "Scar", PASS, 1, NULL, &minor), GSS_S_FAILURE);
    ck_assert_uint_eq(minor, GSS_SSPI_SHIM_DIGEST_S_LOGON_DENIED);
    CK_MAJ(exchange(scred, "Scar", PASS, 0, NULL, &minor), GSS_S_FAILURE); /* userhash */
    ck_assert_uint_eq(minor, GSS_SSPI_SHIM_DIGEST_S_LOGON_DENIED);
    gss_release_cred(&minor, &scred);
}
END_TEST

START_TEST(http_store_reloaded_when_changed)
{
    OM_uint32 minor;
    gss_cred_id_t scred = server_cred(&opt_password, password_path);
    char path[300];
    FILE *f;
    snprintf(path, sizeof(path), "%s.new", password_path);
    CK_MAJ(exchange(scred, "Nala", "pride", 1, NULL, &minor), GSS_S_FAILURE);
    /* a new file renamed over the old one: another inode */
    f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fprintf(f, USER ":" PASS "\n" UTF8_USER ":" UTF8_PASS "\nNala:pride\n");
    fclose(f);
    ck_assert_int_eq(rename(path, password_path), 0);
    CK_MAJ(exchange(scred, "Nala", "pride", 1, NULL, &minor), GSS_S_COMPLETE);
    gss_release_cred(&minor, &scred);
}
END_TEST

START_TEST(http_stale_nonce_gets_new_challenge)
{
    OM_uint32 minor;
    gss_cred_id_t scred = server_cred(&opt_password, password_path);
    gss_cred_id_t ccred = client_cred(USER, PASS);
    gss_ctx_id_t sctx = GSS_C_NO_CONTEXT, cctx = GSS_C_NO_CONTEXT;
    gss_name_t tgt = target("/", &nt_uri);
    char nonce[DIGEST_NONCE_LEN + 1], chal[512], *auth, *info = NULL, *auth2, *info2 = NULL;
    OM_uint32 flags = 0;

    /* a nonce of ours, 1000 s old (lifetime 300 s) */
    ck_assert_int_eq(digest_nonce_make((const unsigned char *)NONCE_KEY, strlen(NONCE_KEY), REALM,
                                       (uint64_t)time(NULL) - 1000, nonce),
                     DIGEST_OK);
    snprintf(chal, sizeof(chal),
             "Digest realm=\"" REALM "\", nonce=\"%s\", qop=\"auth\", algorithm=SHA-256", nonce);
    auth = http_respond(&cctx, ccred, tgt, chal, NULL);
    CK_MAJ(http_verify(&sctx, scred, auth, NULL, &info, &minor), GSS_S_CONTINUE_NEEDED);
    ck_assert_ptr_nonnull(info);
    ck_assert_ptr_nonnull(strstr(info, "stale=true"));
    /* the client answers the new challenge on the same contexts */
    auth2 = http_respond(&cctx, ccred, tgt, info, NULL);
    CK_MAJ(http_verify(&sctx, scred, auth2, NULL, &info2, &minor), GSS_S_COMPLETE);
    CK_MAJ(client_finish(&cctx, ccred, tgt, info2, &flags, &minor), GSS_S_COMPLETE);
    free(auth);
    free(auth2);
    free(info);
    free(info2);
    gss_delete_sec_context(&minor, &sctx, GSS_C_NO_BUFFER);
    gss_delete_sec_context(&minor, &cctx, GSS_C_NO_BUFFER);
    gss_release_name(&minor, &tgt);
    gss_release_cred(&minor, &scred);
    gss_release_cred(&minor, &ccred);
}
END_TEST

START_TEST(http_nonce_lifetime_option)
{
    OM_uint32 minor;
    gss_cred_id_t scred = server_cred(&opt_password, password_path);
    gss_cred_id_t ccred = client_cred(USER, PASS);
    gss_ctx_id_t sctx = GSS_C_NO_CONTEXT, cctx = GSS_C_NO_CONTEXT;
    gss_name_t tgt = target("/", &nt_uri);
    char *chal, *auth, *info = NULL;
    set_opt(&scred, &opt_lifetime, "1");
    chal = http_challenge(&sctx, scred);
    auth = http_respond(&cctx, ccred, tgt, chal, NULL);
    sleep(3);
    CK_MAJ(http_verify(&sctx, scred, auth, NULL, &info, &minor), GSS_S_CONTINUE_NEEDED);
    ck_assert_ptr_nonnull(strstr(info, "stale=true"));
    free(chal);
    free(auth);
    free(info);
    gss_delete_sec_context(&minor, &sctx, GSS_C_NO_BUFFER);
    gss_delete_sec_context(&minor, &cctx, GSS_C_NO_BUFFER);
    gss_release_name(&minor, &tgt);
    gss_release_cred(&minor, &scred);
    gss_release_cred(&minor, &ccred);
}
END_TEST

START_TEST(http_foreign_nonce_fails)
{
    OM_uint32 minor;
    gss_cred_id_t scred = server_cred(&opt_password, password_path);
    gss_cred_id_t other = server_cred(&opt_password, password_path);
    gss_cred_id_t ccred = client_cred(USER, PASS);
    gss_ctx_id_t sctx = GSS_C_NO_CONTEXT, octx = GSS_C_NO_CONTEXT, cctx = GSS_C_NO_CONTEXT;
    gss_name_t tgt = target("/", &nt_uri);
    char *chal, *auth, *info = NULL;
    set_opt(&other, &opt_nonce_key, "another key, 16 bytes or more");
    chal = http_challenge(&octx, other);
    auth = http_respond(&cctx, ccred, tgt, chal, NULL);
    CK_MAJ(http_verify(&sctx, scred, auth, NULL, &info, &minor), GSS_S_FAILURE);
    ck_assert_uint_eq(minor, GSS_SSPI_SHIM_DIGEST_S_NONCE_FOREIGN);
    ck_assert_ptr_eq(sctx, GSS_C_NO_CONTEXT);
    free(chal);
    free(auth);
    free(info);
    gss_delete_sec_context(&minor, &octx, GSS_C_NO_BUFFER);
    gss_delete_sec_context(&minor, &cctx, GSS_C_NO_BUFFER);
    gss_release_name(&minor, &tgt);
    gss_release_cred(&minor, &scred);
    gss_release_cred(&minor, &other);
    gss_release_cred(&minor, &ccred);
}
END_TEST

START_TEST(http_first_leg_response_then_replay)
{
    OM_uint32 minor;
    gss_cred_id_t scred = server_cred(&opt_password, password_path);
    gss_cred_id_t ccred = client_cred(USER, PASS);
    gss_ctx_id_t s1 = GSS_C_NO_CONTEXT, s2 = GSS_C_NO_CONTEXT, s3 = GSS_C_NO_CONTEXT,
                 cctx = GSS_C_NO_CONTEXT;
    gss_name_t tgt = target("/", &nt_uri);
    char *chal, *auth, *info = NULL;
    chal = http_challenge(&s1, scred);
    auth = http_respond(&cctx, ccred, tgt, chal, NULL);
    /* delivered on a new connection: the first acceptor leg */
    CK_MAJ(http_verify(&s2, scred, auth, NULL, &info, &minor), GSS_S_COMPLETE);
    free(info);
    /* the same Authorization again on another context */
    CK_MAJ(http_verify(&s3, scred, auth, NULL, &info, &minor), GSS_S_DUPLICATE_TOKEN);
    ck_assert_uint_eq(minor, GSS_SSPI_SHIM_DIGEST_S_NONCE_REPLAYED);
    ck_assert_ptr_null(info);
    free(chal);
    free(auth);
    gss_delete_sec_context(&minor, &s1, GSS_C_NO_BUFFER);
    gss_delete_sec_context(&minor, &s2, GSS_C_NO_BUFFER);
    gss_delete_sec_context(&minor, &s3, GSS_C_NO_BUFFER);
    gss_delete_sec_context(&minor, &cctx, GSS_C_NO_BUFFER);
    gss_release_name(&minor, &tgt);
    gss_release_cred(&minor, &scred);
    gss_release_cred(&minor, &ccred);
}
END_TEST

START_TEST(http_tampered_rspauth_fails_client)
{
    OM_uint32 minor, flags = 0;
    gss_cred_id_t scred = server_cred(&opt_password, password_path);
    gss_cred_id_t ccred = client_cred(USER, PASS);
    gss_ctx_id_t sctx = GSS_C_NO_CONTEXT, cctx = GSS_C_NO_CONTEXT;
    gss_name_t tgt = target("/", &nt_uri);
    char *chal, *auth, *info = NULL, *p;
    chal = http_challenge(&sctx, scred);
    auth = http_respond(&cctx, ccred, tgt, chal, NULL);
    CK_MAJ(http_verify(&sctx, scred, auth, NULL, &info, &minor), GSS_S_COMPLETE);
    p = strstr(info, "rspauth=\"");
    ck_assert_ptr_nonnull(p);
    p += 9;
    *p = *p == '0' ? '1' : '0';
    CK_MAJ(client_finish(&cctx, ccred, tgt, info, &flags, &minor), GSS_S_FAILURE);
    ck_assert_uint_eq(minor, GSS_SSPI_SHIM_DIGEST_S_RSPAUTH_MISMATCH);
    free(chal);
    free(auth);
    free(info);
    gss_delete_sec_context(&minor, &sctx, GSS_C_NO_BUFFER);
    gss_delete_sec_context(&minor, &cctx, GSS_C_NO_BUFFER);
    gss_release_name(&minor, &tgt);
    gss_release_cred(&minor, &scred);
    gss_release_cred(&minor, &ccred);
}
END_TEST

START_TEST(http_later_requests_follow_nc)
{
    OM_uint32 minor, flags = 0;
    gss_cred_id_t scred = server_cred(&opt_password, password_path);
    gss_cred_id_t ccred = client_cred(USER, PASS);
    gss_ctx_id_t sctx = GSS_C_NO_CONTEXT, cctx = GSS_C_NO_CONTEXT;
    gss_name_t tgt = target("/", &nt_uri);
    char *chal, *auth, *info = NULL;
    gss_buffer_desc m2 = later_msg("GET", "/two"), m3 = later_msg("POST", "/three");
    gss_buffer_desc sm = later_msg("GET", NULL), smp = later_msg("POST", NULL);
    gss_buffer_desc t2 = GSS_C_EMPTY_BUFFER, t3 = GSS_C_EMPTY_BUFFER, t4 = GSS_C_EMPTY_BUFFER;
    chal = http_challenge(&sctx, scred);
    auth = http_respond(&cctx, ccred, tgt, chal, NULL);
    CK_MAJ(http_verify(&sctx, scred, auth, NULL, &info, &minor), GSS_S_COMPLETE);
    CK_MAJ(client_finish(&cctx, ccred, tgt, info, &flags, &minor), GSS_S_COMPLETE);

    CK_MAJ(gss_get_mic(&minor, cctx, 0, &m2, &t2), GSS_S_COMPLETE);
    ck_assert_ptr_nonnull(memmem(t2.value, t2.length, "nc=00000002", 11));
    ck_assert_ptr_nonnull(memmem(t2.value, t2.length, "uri=\"/two\"", 10));
    CK_MAJ(gss_get_mic(&minor, cctx, 0, &m3, &t3), GSS_S_COMPLETE);
    CK_MAJ(gss_get_mic(&minor, cctx, 0, &m3, &t4), GSS_S_COMPLETE);
    /* wrong method: the response does not match */
    CK_MAJ(gss_verify_mic(&minor, sctx, &smp, &t2, NULL), GSS_S_BAD_SIG);
    CK_MAJ(gss_verify_mic(&minor, sctx, &sm, &t2, NULL), GSS_S_COMPLETE);
    CK_MAJ(gss_verify_mic(&minor, sctx, &sm, &t2, NULL), GSS_S_FAILURE | GSS_S_DUPLICATE_TOKEN);
    CK_MAJ(gss_verify_mic(&minor, sctx, &smp, &t4, NULL), GSS_S_FAILURE | GSS_S_GAP_TOKEN);
    CK_MAJ(gss_verify_mic(&minor, sctx, &smp, &t3, NULL), GSS_S_COMPLETE);
    CK_MAJ(gss_verify_mic(&minor, sctx, &smp, &t4, NULL), GSS_S_COMPLETE);
    CK_MAJ(gss_verify_mic(&minor, sctx, &sm, &t2, NULL), GSS_S_FAILURE | GSS_S_UNSEQ_TOKEN);
    gss_release_buffer(&minor, &t2);
    gss_release_buffer(&minor, &t3);
    gss_release_buffer(&minor, &t4);
    free(m2.value);
    free(m3.value);
    free(sm.value);
    free(smp.value);
    free(chal);
    free(auth);
    free(info);
    gss_delete_sec_context(&minor, &sctx, GSS_C_NO_BUFFER);
    gss_delete_sec_context(&minor, &cctx, GSS_C_NO_BUFFER);
    gss_release_name(&minor, &tgt);
    gss_release_cred(&minor, &scred);
    gss_release_cred(&minor, &ccred);
}
END_TEST

/* ------------------------------------------------- channel bindings (HTTP) */
/* draft-santesson-digestbind-01, as Windows' Extended Protection. */

#define CBT_SPN "HTTP/www.example.org"
#define CBT_NO_POLICY (-1)

static void md5_hex(const void *data, size_t len, char out[33])
{
    unsigned char h[16];
    unsigned int hl = 0, i;
    ck_assert_int_eq(EVP_Digest(data, len, h, &hl, EVP_md5(), NULL), 1);
    ck_assert_uint_eq(hl, 16);
    for (i = 0; i < 16; i++)
        snprintf(out + 2 * i, 3, "%02x", h[i]);
}

static void put_le32(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)v;
    p[1] = (unsigned char)(v >> 8);
    p[2] = (unsigned char)(v >> 16);
    p[3] = (unsigned char)(v >> 24);
}

/* The channel-binding directive for cb, laid out here byte by byte. */
static void expected_binding(const struct gss_channel_bindings_struct *cb, char out[33])
{
    unsigned char buf[512];
    size_t n = 0;
    put_le32(buf + n, cb->initiator_addrtype);
    put_le32(buf + n + 4, (uint32_t)cb->initiator_address.length);
    n += 8;
    memcpy(buf + n, cb->initiator_address.value, cb->initiator_address.length);
    n += cb->initiator_address.length;
    put_le32(buf + n, cb->acceptor_addrtype);
    put_le32(buf + n + 4, (uint32_t)cb->acceptor_address.length);
    n += 8;
    memcpy(buf + n, cb->acceptor_address.value, cb->acceptor_address.length);
    n += cb->acceptor_address.length;
    put_le32(buf + n, (uint32_t)cb->application_data.length);
    n += 4;
    memcpy(buf + n, cb->application_data.value, cb->application_data.length);
    n += cb->application_data.length;
    md5_hex(buf, n, out);
}

static void app_bindings(struct gss_channel_bindings_struct *cb, const char *app)
{
    memset(cb, 0, sizeof(*cb));
    cb->application_data.value = (void *)app;
    cb->application_data.length = strlen(app);
}

/* A framed token with the service name (client) or policy (acceptor). */
static gss_buffer_desc framed_cbt(const char *mode, const char *wire, const char *spn, int policy)
{
    unsigned char pol = (unsigned char)(policy < 0 ? 0 : policy);
    struct gssmap_digest_record rec[] = {
        {GSS_SSPI_SHIM_DIGEST_P_WIRE, wire, strlen(wire)},
        {GSS_SSPI_SHIM_DIGEST_P_MODE, mode, mode ? 1 : 0},
        {GSS_SSPI_SHIM_DIGEST_P_METHOD, "GET", 3},
        {GSS_SSPI_SHIM_DIGEST_P_TARGET_HOST, spn, spn ? strlen(spn) : 0},
        {GSS_SSPI_SHIM_DIGEST_P_CB_POLICY, policy < 0 ? NULL : &pol, 1},
    };
    gss_buffer_desc b;
    b.length = gssmap_digest_params_size(rec, 5, 1);
    ck_assert_uint_gt(b.length, 0);
    b.value = malloc(b.length);
    ck_assert_uint_eq(gssmap_digest_params_write(rec, 5, 1, b.value, b.length), b.length);
    return b;
}

/* The value of directive name="..." in s (static buffer). */
static const char *dir_value(const char *s, const char *name)
{
    static char v[256];
    char key[64];
    const char *p, *e;
    snprintf(key, sizeof(key), "%s=\"", name);
    p = strstr(s, key);
    if (!p)
        return NULL;
    p += strlen(key);
    e = strchr(p, '"');
    ck_assert_ptr_nonnull(e);
    ck_assert_uint_lt((size_t)(e - p), sizeof(v));
    memcpy(v, p, (size_t)(e - p));
    v[e - p] = '\0';
    return v;
}

/* One whole exchange: the client binds with spn/ccb (spn NULL: it cannot
 * name the service, so it answers as before), tamper() may change its
 * Authorization, the acceptor checks with scb and policy.  Returns the
 * acceptor's major status; on success the client verifies rspauth and,
 * with later != NULL, one later request (nc 2) must verify too and be
 * returned.  *auth_out: the Authorization (caller frees). */
static OM_uint32 cbt_exchange(const char *spn, gss_channel_bindings_t ccb,
                              gss_channel_bindings_t scb, int policy, void (*tamper)(char *),
                              char **auth_out, OM_uint32 *minor_out)
{
    OM_uint32 minor, major, flags = 0;
    gss_cred_id_t scred = server_cred(&opt_password, password_path);
    gss_cred_id_t ccred = client_cred(USER, PASS);
    gss_ctx_id_t sctx = GSS_C_NO_CONTEXT, cctx = GSS_C_NO_CONTEXT;
    gss_name_t tgt = target("/", &nt_uri);
    gss_buffer_desc in, out = GSS_C_EMPTY_BUFFER;
    char *chal, *auth, *info;

    chal = http_challenge(&sctx, scred);
    /* every nonce of ours is upgraded */
    ck_assert_msg(strstr(chal, "nonce=\"+Upgraded+") != NULL, "challenge: %s", chal);
    in = framed_cbt(NULL, chal, spn, CBT_NO_POLICY);
    CK_MAJ(gss_init_sec_context(&minor, ccred, &cctx, tgt, &mech_oid, GSS_C_MUTUAL_FLAG, 0, ccb,
                                &in, NULL, &out, &flags, NULL),
           GSS_S_CONTINUE_NEEDED);
    free(in.value);
    auth = str_of(&out);
    gss_release_buffer(&minor, &out);
    if (tamper)
        tamper(auth);
    in = framed_cbt("H", auth, NULL, policy);
    major = gss_accept_sec_context(minor_out, &sctx, scred, &in, scb, NULL, NULL, &out, &flags,
                                   NULL, NULL);
    free(in.value);
    if (major == GSS_S_COMPLETE) {
        gss_buffer_desc m2 = later_msg("GET", "/two"), sm = later_msg("GET", NULL);
        gss_buffer_desc t2 = GSS_C_EMPTY_BUFFER;
        info = str_of(&out);
        CK_MAJ(client_finish(&cctx, ccred, tgt, info, &flags, &minor), GSS_S_COMPLETE);
        ck_assert(flags & GSS_C_MUTUAL_FLAG);
        /* a later request repeats the cnonce and the binding directives */
        CK_MAJ(gss_get_mic(&minor, cctx, 0, &m2, &t2), GSS_S_COMPLETE);
        {
            char *later = str_of(&t2), *cn = strdup(dir_value(auth, "cnonce"));
            ck_assert_str_eq(dir_value(later, "cnonce"), cn);
            ck_assert_int_eq(strstr(later, "hashed-dirs=") != NULL,
                             strstr(auth, "hashed-dirs=") != NULL);
            if (strstr(auth, "channel-binding=")) {
                char *cbv = strdup(dir_value(auth, "channel-binding"));
                ck_assert_str_eq(dir_value(later, "channel-binding"), cbv);
                free(cbv);
            }
            free(cn);
            free(later);
        }
        CK_MAJ(gss_verify_mic(&minor, sctx, &sm, &t2, NULL), GSS_S_COMPLETE);
        gss_release_buffer(&minor, &t2);
        free(m2.value);
        free(sm.value);
        free(info);
    }
    gss_release_buffer(&minor, &out);
    if (auth_out)
        *auth_out = auth;
    else
        free(auth);
    free(chal);
    gss_delete_sec_context(&minor, &sctx, GSS_C_NO_BUFFER);
    gss_delete_sec_context(&minor, &cctx, GSS_C_NO_BUFFER);
    gss_release_name(&minor, &tgt);
    gss_release_cred(&minor, &scred);
    gss_release_cred(&minor, &ccred);
    return major;
}

static const int all_policies[] = {CBT_NO_POLICY, GSS_SSPI_SHIM_DIGEST_CB_DEFAULT,
                                   GSS_SSPI_SHIM_DIGEST_CB_REQUIRE,
                                   GSS_SSPI_SHIM_DIGEST_CB_ALLOW_MISSING};

START_TEST(http_cbt_equal_bindings_bind_the_response)
{
    OM_uint32 minor = 0;
    unsigned char ia[4] = {192, 0, 2, 1}, aa[4] = {198, 51, 100, 7};
    struct gss_channel_bindings_struct cb;
    char want_cb[33], want_hash[33], sn_cb[128], *auth = NULL;
    const char *cnonce;
    size_t i;

    app_bindings(&cb, "tls-server-end-point:0123456789abcdef");
    /* addresses too: each field goes into the hash in its place */
    cb.initiator_addrtype = GSS_C_AF_INET;
    cb.initiator_address.value = ia;
    cb.initiator_address.length = 4;
    cb.acceptor_addrtype = GSS_C_AF_INET;
    cb.acceptor_address.value = aa;
    cb.acceptor_address.length = 4;
    expected_binding(&cb, want_cb);
    snprintf(sn_cb, sizeof(sn_cb), CBT_SPN ":%s", want_cb);
    md5_hex(sn_cb, strlen(sn_cb), want_hash);
    for (i = 0; i < sizeof(all_policies) / sizeof(all_policies[0]); i++) {
        CK_MAJ(cbt_exchange(CBT_SPN, &cb, &cb, all_policies[i], NULL, &auth, &minor),
               GSS_S_COMPLETE);
        ck_assert_str_eq(dir_value(auth, "hashed-dirs"), "service-name,channel-binding");
        ck_assert_str_eq(dir_value(auth, "service-name"), CBT_SPN);
        ck_assert_str_eq(dir_value(auth, "channel-binding"), want_cb);
        cnonce = dir_value(auth, "cnonce");
        ck_assert_uint_eq(strlen(cnonce), 12 + 32 + 32);
        ck_assert(strncmp(cnonce, "+Upgraded+v1", 12) == 0);
        ck_assert(strncmp(cnonce + 12, want_hash, 32) == 0);
        ck_assert_uint_eq(strspn(cnonce + 44, "0123456789abcdef"), 32);
        free(auth);
    }
}
END_TEST

START_TEST(http_cbt_different_bindings_fail)
{
    OM_uint32 minor = 0;
    struct gss_channel_bindings_struct a, b;
    size_t i;
    app_bindings(&a, "tls-server-end-point:client-sees-this");
    app_bindings(&b, "tls-server-end-point:server-has-this");
    for (i = 0; i < sizeof(all_policies) / sizeof(all_policies[0]); i++) {
        CK_MAJ(cbt_exchange(CBT_SPN, &a, &b, all_policies[i], NULL, NULL, &minor),
               GSS_S_BAD_BINDINGS);
        ck_assert_uint_eq(minor, GSS_SSPI_SHIM_DIGEST_S_BINDINGS);
    }
}
END_TEST

START_TEST(http_cbt_unbound_client)
{
    OM_uint32 minor = 0;
    struct gss_channel_bindings_struct s;
    char *auth = NULL;
    app_bindings(&s, "tls-server-end-point:server");
    /* the client names the service but has no bindings: the zero hash */
    CK_MAJ(cbt_exchange(CBT_SPN, GSS_C_NO_CHANNEL_BINDINGS, &s, CBT_NO_POLICY, NULL, &auth,
                        &minor),
           GSS_S_COMPLETE);
    ck_assert_str_eq(dir_value(auth, "channel-binding"), "00000000000000000000000000000000");
    free(auth);
    CK_MAJ(cbt_exchange(CBT_SPN, GSS_C_NO_CHANNEL_BINDINGS, &s,
                        GSS_SSPI_SHIM_DIGEST_CB_ALLOW_MISSING, NULL, NULL, &minor),
           GSS_S_COMPLETE);
    CK_MAJ(cbt_exchange(CBT_SPN, GSS_C_NO_CHANNEL_BINDINGS, &s, GSS_SSPI_SHIM_DIGEST_CB_REQUIRE,
                        NULL, NULL, &minor),
           GSS_S_BAD_BINDINGS);
    ck_assert_uint_eq(minor, GSS_SSPI_SHIM_DIGEST_S_BINDINGS);
    CK_MAJ(cbt_exchange(CBT_SPN, GSS_C_NO_CHANNEL_BINDINGS, GSS_C_NO_CHANNEL_BINDINGS,
                        GSS_SSPI_SHIM_DIGEST_CB_REQUIRE, NULL, NULL, &minor),
           GSS_S_BAD_BINDINGS);
    /* a legacy response (no service name: no hashed-dirs, a plain cnonce)
     * to the upgraded nonce */
    CK_MAJ(cbt_exchange(NULL, &s, &s, CBT_NO_POLICY, NULL, &auth, &minor), GSS_S_COMPLETE);
    ck_assert_ptr_null(strstr(auth, "hashed-dirs"));
    ck_assert_ptr_null(strstr(auth, "+Upgraded+v1"));
    free(auth);
    CK_MAJ(cbt_exchange(NULL, GSS_C_NO_CHANNEL_BINDINGS, GSS_C_NO_CHANNEL_BINDINGS,
                        GSS_SSPI_SHIM_DIGEST_CB_DEFAULT, NULL, NULL, &minor),
           GSS_S_COMPLETE);
    CK_MAJ(cbt_exchange(NULL, &s, &s, GSS_SSPI_SHIM_DIGEST_CB_REQUIRE, NULL, NULL, &minor),
           GSS_S_BAD_BINDINGS);
    ck_assert_uint_eq(minor, GSS_SSPI_SHIM_DIGEST_S_BINDINGS);
}
END_TEST

START_TEST(http_cbt_server_without_bindings)
{
    OM_uint32 minor = 0;
    struct gss_channel_bindings_struct c;
    app_bindings(&c, "tls-server-end-point:client");
    /* the client's TLS channel is not this server's */
    CK_MAJ(cbt_exchange(CBT_SPN, &c, GSS_C_NO_CHANNEL_BINDINGS, CBT_NO_POLICY, NULL, NULL, &minor),
           GSS_S_BAD_BINDINGS);
    ck_assert_uint_eq(minor, GSS_SSPI_SHIM_DIGEST_S_BINDINGS);
    CK_MAJ(cbt_exchange(CBT_SPN, &c, GSS_C_NO_CHANNEL_BINDINGS,
                        GSS_SSPI_SHIM_DIGEST_CB_ALLOW_MISSING, NULL, NULL, &minor),
           GSS_S_BAD_BINDINGS);
    /* REQUIRE: a TLS-terminating proxy in front checked the channel */
    CK_MAJ(cbt_exchange(CBT_SPN, &c, GSS_C_NO_CHANNEL_BINDINGS, GSS_SSPI_SHIM_DIGEST_CB_REQUIRE,
                        NULL, NULL, &minor),
           GSS_S_COMPLETE);
}
END_TEST

static void tamper_binding(char *auth)
{
    char *p = strstr(auth, "channel-binding=\"");
    ck_assert_ptr_nonnull(p);
    p += 17;
    *p = *p == 'a' ? 'b' : 'a';
}

static void tamper_service_name(char *auth)
{
    char *p = strstr(auth, "service-name=\"" CBT_SPN "\"");
    ck_assert_ptr_nonnull(p);
    memcpy(p + 14 + strlen(CBT_SPN) - 3, "com", 3);
}

static void tamper_hashed_dirs(char *auth)
{
    char *p = strstr(auth, "hashed-dirs=\"service-name,channel-binding\"");
    ck_assert_ptr_nonnull(p);
    memcpy(p + 13, "service-name,service-name,", 26); /* same length, no channel-binding */
}

static void tamper_cnonce_prefix(char *auth)
{
    char *p = strstr(auth, "cnonce=\"+Upgraded+v1");
    ck_assert_ptr_nonnull(p);
    p[19] = '2';
}

START_TEST(http_cbt_tampered_directives_fail)
{
    OM_uint32 minor = 0;
    struct gss_channel_bindings_struct c;
    app_bindings(&c, "tls-server-end-point:client");
    /* channel-binding changed: the cnonce no longer carries its hash */
    CK_MAJ(cbt_exchange(CBT_SPN, &c, &c, CBT_NO_POLICY, tamper_binding, NULL, &minor),
           GSS_S_BAD_BINDINGS);
    ck_assert_uint_eq(minor, GSS_SSPI_SHIM_DIGEST_S_BINDINGS);
    /* nor behind a proxy that demands bindings */
    CK_MAJ(cbt_exchange(CBT_SPN, &c, GSS_C_NO_CHANNEL_BINDINGS, GSS_SSPI_SHIM_DIGEST_CB_REQUIRE,
                        tamper_binding, NULL, &minor),
           GSS_S_BAD_BINDINGS);
    CK_MAJ(cbt_exchange(CBT_SPN, &c, &c, CBT_NO_POLICY, tamper_service_name, NULL, &minor),
           GSS_S_BAD_BINDINGS);
    ck_assert_uint_eq(minor, GSS_SSPI_SHIM_DIGEST_S_BINDINGS);
    CK_MAJ(cbt_exchange(CBT_SPN, &c, &c, CBT_NO_POLICY, tamper_cnonce_prefix, NULL, &minor),
           GSS_S_BAD_BINDINGS);
    /* hashed-dirs other than exactly the two directives: malformed */
    CK_MAJ(cbt_exchange(CBT_SPN, &c, &c, CBT_NO_POLICY, tamper_hashed_dirs, NULL, &minor),
           GSS_S_DEFECTIVE_TOKEN);
    ck_assert_uint_eq(minor, GSS_SSPI_SHIM_DIGEST_S_BAD_MESSAGE);
}
END_TEST

START_TEST(http_cbt_later_request_must_keep_binding)
{
    OM_uint32 minor, flags = 0;
    gss_cred_id_t scred = server_cred(&opt_password, password_path);
    gss_cred_id_t ccred = client_cred(USER, PASS);
    gss_ctx_id_t sctx = GSS_C_NO_CONTEXT, cctx = GSS_C_NO_CONTEXT;
    gss_name_t tgt = target("/", &nt_uri);
    struct gss_channel_bindings_struct c;
    gss_buffer_desc in, out = GSS_C_EMPTY_BUFFER, m2 = later_msg("GET", "/two"),
                        sm = later_msg("GET", NULL), t2 = GSS_C_EMPTY_BUFFER;
    char *chal, *auth, *info, *later, *p;

    app_bindings(&c, "tls-server-end-point:client");
    chal = http_challenge(&sctx, scred);
    in = framed_cbt(NULL, chal, CBT_SPN, CBT_NO_POLICY);
    CK_MAJ(gss_init_sec_context(&minor, ccred, &cctx, tgt, &mech_oid, GSS_C_MUTUAL_FLAG, 0, &c,
                                &in, NULL, &out, &flags, NULL),
           GSS_S_CONTINUE_NEEDED);
    free(in.value);
    auth = str_of(&out);
    gss_release_buffer(&minor, &out);
    in = framed_cbt("H", auth, NULL, CBT_NO_POLICY);
    CK_MAJ(gss_accept_sec_context(&minor, &sctx, scred, &in, &c, NULL, NULL, &out, &flags, NULL,
                                  NULL),
           GSS_S_COMPLETE);
    free(in.value);
    info = str_of(&out);
    gss_release_buffer(&minor, &out);
    CK_MAJ(client_finish(&cctx, ccred, tgt, info, &flags, &minor), GSS_S_COMPLETE);
    CK_MAJ(gss_get_mic(&minor, cctx, 0, &m2, &t2), GSS_S_COMPLETE);
    /* the same request without the binding directives (its response is
     * still right: it covers the cnonce, not the directives themselves) */
    later = str_of(&t2);
    p = strstr(later, ", hashed-dirs=");
    ck_assert_ptr_nonnull(p);
    *p = '\0';
    {
        gss_buffer_desc t = {strlen(later), later};
        CK_MAJ(gss_verify_mic(&minor, sctx, &sm, &t, NULL), GSS_S_BAD_SIG);
        ck_assert_uint_eq(minor, GSS_SSPI_SHIM_DIGEST_S_BINDINGS);
    }
    CK_MAJ(gss_verify_mic(&minor, sctx, &sm, &t2, NULL), GSS_S_COMPLETE);
    gss_release_buffer(&minor, &t2);
    free(later);
    free(m2.value);
    free(sm.value);
    free(chal);
    free(auth);
    free(info);
    gss_delete_sec_context(&minor, &sctx, GSS_C_NO_BUFFER);
    gss_delete_sec_context(&minor, &cctx, GSS_C_NO_BUFFER);
    gss_release_name(&minor, &tgt);
    gss_release_cred(&minor, &scred);
    gss_release_cred(&minor, &ccred);
}
END_TEST

/* ------------------------------------------------------------- SASL */

struct sasl_pair {
    gss_cred_id_t scred, ccred;
    gss_ctx_id_t sctx, cctx;
    gss_name_t tgt;
};

static OM_uint32 sasl_establish_with(struct sasl_pair *sp, gss_cred_id_t scred, const char *qop,
                                     const char *cipher, OM_uint32 req_flags, const char *pass,
                                     OM_uint32 *minor_out);

static OM_uint32 sasl_establish(struct sasl_pair *sp, const char *qop, const char *cipher,
                                OM_uint32 req_flags, const char *pass, OM_uint32 *minor_out)
{
    return sasl_establish_with(sp, GSS_C_NO_CREDENTIAL, qop, cipher, req_flags, pass, minor_out);
}

static OM_uint32 sasl_establish_with(struct sasl_pair *sp, gss_cred_id_t scred, const char *qop,
                                     const char *cipher, OM_uint32 req_flags, const char *pass,
                                     OM_uint32 *minor_out)
{
    OM_uint32 minor, major, sflags = 0, cflags = 0;
    gss_buffer_desc first = framed("S", "", 0, NULL, NULL), chal = GSS_C_EMPTY_BUFFER;
    gss_buffer_desc resp = GSS_C_EMPTY_BUFFER, rsp = GSS_C_EMPTY_BUFFER, fin = GSS_C_EMPTY_BUFFER;

    memset(sp, 0, sizeof(*sp));
    sp->scred = scred ? scred : server_cred(&opt_password, password_path);
    set_opt(&sp->scred, &opt_qop, qop);
    if (cipher)
        set_opt(&sp->scred, &opt_ciphers, cipher);
    sp->ccred = client_cred(USER, pass);
    sp->tgt = target("imap@elwood.innosoft.com", GSS_C_NT_HOSTBASED_SERVICE);
    CK_MAJ(gss_accept_sec_context(&minor, &sp->sctx, sp->scred, &first, GSS_C_NO_CHANNEL_BINDINGS,
                                  NULL, NULL, &chal, NULL, NULL, NULL),
           GSS_S_CONTINUE_NEEDED);
    ck_assert_ptr_nonnull(memmem(chal.value, chal.length, "algorithm=md5-sess", 18));
    CK_MAJ(gss_init_sec_context(&minor, sp->ccred, &sp->cctx, sp->tgt, &mech_oid, req_flags, 0,
                                GSS_C_NO_CHANNEL_BINDINGS, &chal, NULL, &resp, NULL, NULL),
           GSS_S_CONTINUE_NEEDED);
    ck_assert_ptr_nonnull(memmem(resp.value, resp.length,
                                 "digest-uri=\"imap/elwood.innosoft.com\"", 37));
    major = gss_accept_sec_context(minor_out, &sp->sctx, sp->scred, &resp,
                                   GSS_C_NO_CHANNEL_BINDINGS, NULL, NULL, &rsp, &sflags, NULL,
                                   NULL);
    if (major == GSS_S_COMPLETE) {
        ck_assert_ptr_nonnull(memmem(rsp.value, rsp.length, "rspauth=", 8));
        CK_MAJ(gss_init_sec_context(&minor, sp->ccred, &sp->cctx, sp->tgt, &mech_oid, req_flags,
                                    0, GSS_C_NO_CHANNEL_BINDINGS, &rsp, NULL, &fin, &cflags,
                                    NULL),
               GSS_S_COMPLETE);
        ck_assert(cflags & GSS_C_MUTUAL_FLAG);
        ck_assert_uint_eq(cflags & (GSS_C_CONF_FLAG | GSS_C_INTEG_FLAG),
                          sflags & (GSS_C_CONF_FLAG | GSS_C_INTEG_FLAG));
    }
    free(first.value);
    gss_release_buffer(&minor, &chal);
    gss_release_buffer(&minor, &resp);
    gss_release_buffer(&minor, &rsp);
    gss_release_buffer(&minor, &fin);
    return major;
}

static void sasl_free(struct sasl_pair *sp)
{
    OM_uint32 minor;
    gss_delete_sec_context(&minor, &sp->sctx, GSS_C_NO_BUFFER);
    gss_delete_sec_context(&minor, &sp->cctx, GSS_C_NO_BUFFER);
    gss_release_name(&minor, &sp->tgt);
    gss_release_cred(&minor, &sp->scred);
    gss_release_cred(&minor, &sp->ccred);
}

/* wrap / unwrap and get_mic / verify_mic both ways, then sequence errors. */
static void sasl_messages(struct sasl_pair *sp, int want_conf)
{
    OM_uint32 minor;
    static const char text[] = "A001 SELECT INBOX";
    gss_buffer_desc msg = {sizeof(text) - 1, (void *)text};
    gss_ctx_id_t ends[2][2] = {{sp->cctx, sp->sctx}, {sp->sctx, sp->cctx}};
    int dir;
    for (dir = 0; dir < 2; dir++) {
        gss_ctx_id_t from = ends[dir][0], to = ends[dir][1];
        gss_buffer_desc w = GSS_C_EMPTY_BUFFER, u = GSS_C_EMPTY_BUFFER, m1 = GSS_C_EMPTY_BUFFER,
                        m2 = GSS_C_EMPTY_BUFFER;
        int conf = -1;
        OM_uint32 max = 0;
        CK_MAJ(gss_wrap(&minor, from, 1, 0, &msg, &conf, &w), GSS_S_COMPLETE);
        ck_assert_int_eq(conf, want_conf);
        ck_assert_int_eq(memmem(w.value, w.length, text, msg.length) == NULL, want_conf);
        CK_MAJ(gss_wrap_size_limit(&minor, from, 1, 0, (OM_uint32)w.length, &max),
               GSS_S_COMPLETE);
        ck_assert_uint_ge(max, msg.length);
        ck_assert_uint_le(max, w.length - 16);
        CK_MAJ(gss_unwrap(&minor, to, &w, &u, &conf, NULL), GSS_S_COMPLETE);
        ck_assert_uint_eq(u.length, msg.length);
        ck_assert(memcmp(u.value, text, msg.length) == 0);
        /* the same frame again: a duplicate */
        gss_release_buffer(&minor, &u);
        CK_MAJ(gss_unwrap(&minor, to, &w, &u, &conf, NULL), GSS_S_FAILURE | GSS_S_DUPLICATE_TOKEN);
        gss_release_buffer(&minor, &w);

        CK_MAJ(gss_get_mic(&minor, from, 0, &msg, &m1), GSS_S_COMPLETE);
        ck_assert_uint_eq(m1.length, 16);
        CK_MAJ(gss_get_mic(&minor, from, 0, &msg, &m2), GSS_S_COMPLETE);
        /* m2 before m1: a gap */
        CK_MAJ(gss_verify_mic(&minor, to, &msg, &m2, NULL), GSS_S_FAILURE | GSS_S_GAP_TOKEN);
        CK_MAJ(gss_verify_mic(&minor, to, &msg, &m1, NULL), GSS_S_COMPLETE);
        {
            gss_buffer_desc other = {4, (void *)"evil"};
            CK_MAJ(gss_verify_mic(&minor, to, &other, &m2, NULL), GSS_S_BAD_SIG);
        }
        CK_MAJ(gss_verify_mic(&minor, to, &msg, &m2, NULL), GSS_S_COMPLETE);
        gss_release_buffer(&minor, &m1);
        gss_release_buffer(&minor, &m2);
    }
}

START_TEST(sasl_auth)
{
    struct sasl_pair sp;
    OM_uint32 minor;
    gss_buffer_desc msg = {2, (void *)"hi"}, out = GSS_C_EMPTY_BUFFER;
    CK_MAJ(sasl_establish(&sp, "auth", NULL, 0, PASS, &minor), GSS_S_COMPLETE);
    /* no security layer with qop=auth */
    CK_MAJ(gss_get_mic(&minor, sp.cctx, 0, &msg, &out), GSS_S_FAILURE);
    ck_assert_uint_eq(minor, GSS_SSPI_SHIM_DIGEST_S_NO_LAYER);
    sasl_free(&sp);
}
END_TEST

START_TEST(sasl_wrong_password)
{
    struct sasl_pair sp;
    OM_uint32 minor = 0;
    CK_MAJ(sasl_establish(&sp, "auth", NULL, 0, "wrong", &minor), GSS_S_FAILURE);
    ck_assert_uint_eq(minor, GSS_SSPI_SHIM_DIGEST_S_LOGON_DENIED);
    sasl_free(&sp);
}
END_TEST

START_TEST(sasl_auth_int)
{
    struct sasl_pair sp;
    OM_uint32 minor;
    CK_MAJ(sasl_establish(&sp, "auth,auth-int", NULL, GSS_C_INTEG_FLAG, PASS, &minor),
           GSS_S_COMPLETE);
    sasl_messages(&sp, 0);
    sasl_free(&sp);
}
END_TEST

static const unsigned cipher_bits[] = {DIGEST_CIPHER_3DES, DIGEST_CIPHER_DES, DIGEST_CIPHER_RC4,
                                       DIGEST_CIPHER_RC4_40, DIGEST_CIPHER_RC4_56};

START_TEST(sasl_auth_conf_each_cipher)
{
    struct sasl_pair sp;
    OM_uint32 minor;
    unsigned bit = cipher_bits[_i];
    gss_buffer_set_t data = GSS_C_NO_BUFFER_SET;
    char want[64];
    if (!(digest_sasl_ciphers_available() & bit)) {
        printf("cipher %s not available in this OpenSSL: skipped\n", digest_cipher_name(bit));
        return;
    }
    CK_MAJ(sasl_establish(&sp, "auth,auth-int,auth-conf", digest_cipher_name(bit),
                          GSS_C_CONF_FLAG | GSS_C_INTEG_FLAG, PASS, &minor),
           GSS_S_COMPLETE);
    CK_MAJ(gss_inquire_sec_context_by_oid(&minor, sp.sctx, &inq_info, &data), GSS_S_COMPLETE);
    snprintf(want, sizeof(want), "SASL MD5-sess auth-conf %s", digest_cipher_name(bit));
    ck_assert_uint_eq(data->elements[0].length, strlen(want));
    ck_assert(memcmp(data->elements[0].value, want, strlen(want)) == 0);
    gss_release_buffer_set(&minor, &data);
    sasl_messages(&sp, 1);
    sasl_free(&sp);
}
END_TEST

START_TEST(sasl_digest_uri_must_name_the_acceptor)
{
    struct sasl_pair sp;
    OM_uint32 minor = 0;
    gss_cred_id_t scred = GSS_C_NO_CREDENTIAL;
    gss_name_t svc = target("imap@mail.example.org", GSS_C_NT_HOSTBASED_SERVICE);
    /* a named acceptor credential over the default store (an htdigest file) */
    setenv("SSPI_SHIM_DIGEST_USERS", htdigest_path, 1);
    CK_MAJ(gss_acquire_cred(&minor, svc, GSS_C_INDEFINITE, &mech_set, GSS_C_ACCEPT, &scred, NULL,
                            NULL),
           GSS_S_COMPLETE);
    set_opt(&scred, &opt_realm, REALM);
    CK_MAJ(sasl_establish_with(&sp, scred, "auth", NULL, 0, PASS, &minor), GSS_S_FAILURE);
    ck_assert_uint_eq(minor, GSS_SSPI_SHIM_DIGEST_S_LOGON_DENIED);
    sasl_free(&sp);
    gss_release_name(&minor, &svc);

    svc = target("imap@elwood.innosoft.com", GSS_C_NT_HOSTBASED_SERVICE);
    CK_MAJ(gss_acquire_cred(&minor, svc, GSS_C_INDEFINITE, &mech_set, GSS_C_ACCEPT, &scred, NULL,
                            NULL),
           GSS_S_COMPLETE);
    set_opt(&scred, &opt_realm, REALM);
    CK_MAJ(sasl_establish_with(&sp, scred, "auth", NULL, 0, PASS, &minor), GSS_S_COMPLETE);
    sasl_free(&sp);
    gss_release_name(&minor, &svc);
    unsetenv("SSPI_SHIM_DIGEST_USERS");
}
END_TEST

START_TEST(accept_without_store_is_no_cred)
{
    OM_uint32 minor, major;
    gss_ctx_id_t sctx = GSS_C_NO_CONTEXT;
    gss_buffer_desc in = framed("H", "", 0, NULL, NULL), out = GSS_C_EMPTY_BUFFER;
    unsetenv("SSPI_SHIM_DIGEST_USERS");
    major = gss_accept_sec_context(&minor, &sctx, GSS_C_NO_CREDENTIAL, &in,
                                   GSS_C_NO_CHANNEL_BINDINGS, NULL, NULL, &out, NULL, NULL, NULL);
    ck_assert_uint_eq(GSS_ROUTINE_ERROR(major), GSS_S_NO_CRED);
    ck_assert_ptr_eq(sctx, GSS_C_NO_CONTEXT);
#ifdef SSPI_SHIM_MIT
    /* MIT's mechglue refuses GSS_C_NO_CREDENTIAL itself for a mechanism
     * marked GSS_C_MA_NOT_DFLT_MECH (allow_mech_by_default), minor 0. */
    {
        gss_cred_id_t scred = GSS_C_NO_CREDENTIAL;
        setenv("SSPI_SHIM_DIGEST_USERS", htdigest_path, 1);
        CK_MAJ(gss_acquire_cred(&minor, GSS_C_NO_NAME, GSS_C_INDEFINITE, &mech_set, GSS_C_ACCEPT,
                                &scred, NULL, NULL),
               GSS_S_COMPLETE);
        CK_MAJ(gss_accept_sec_context(&minor, &sctx, scred, &in, GSS_C_NO_CHANNEL_BINDINGS, NULL,
                                      NULL, &out, NULL, NULL, NULL),
               GSS_S_CONTINUE_NEEDED);
        gss_release_cred(&minor, &scred);
    }
#else
    ck_assert_uint_eq(minor, GSS_SSPI_SHIM_DIGEST_S_NO_USER_STORE);
    /* the environment's htdigest file is the default store */
    setenv("SSPI_SHIM_DIGEST_USERS", htdigest_path, 1);
    CK_MAJ(gss_accept_sec_context(&minor, &sctx, GSS_C_NO_CREDENTIAL, &in,
                                  GSS_C_NO_CHANNEL_BINDINGS, NULL, NULL, &out, NULL, NULL, NULL),
           GSS_S_CONTINUE_NEEDED);
#endif
    ck_assert_ptr_nonnull(memmem(out.value, out.length, "algorithm=MD5", 13));
    unsetenv("SSPI_SHIM_DIGEST_USERS");
    gss_release_buffer(&minor, &out);
    gss_delete_sec_context(&minor, &sctx, GSS_C_NO_BUFFER);
    free(in.value);
}
END_TEST

START_TEST(overlong_and_malformed_tokens_are_defective)
{
    OM_uint32 minor;
    gss_cred_id_t scred = server_cred(&opt_password, password_path);
    gss_ctx_id_t sctx = GSS_C_NO_CONTEXT;
    char *big = malloc(20000), *chal, *info = NULL;
    memset(big, 'a', 20000);
    memcpy(big, "Digest ", 7);
    big[19999] = '\0';
    CK_MAJ(http_verify(&sctx, scred, big, NULL, &info, &minor), GSS_S_DEFECTIVE_TOKEN);
    ck_assert_uint_eq(minor, GSS_SSPI_SHIM_DIGEST_S_LIMIT);
    chal = http_challenge(&sctx, scred);
    CK_MAJ(http_verify(&sctx, scred, "Digest username=\"a\", username=\"b\"", NULL, &info,
                       &minor),
           GSS_S_DEFECTIVE_TOKEN);
    ck_assert_uint_eq(minor, GSS_SSPI_SHIM_DIGEST_S_BAD_MESSAGE);
    free(big);
    free(chal);
    gss_delete_sec_context(&minor, &sctx, GSS_C_NO_BUFFER);
    gss_release_cred(&minor, &scred);
}
END_TEST

START_TEST(mech_attributes_and_status_text)
{
    OM_uint32 minor, ctx = 0;
    gss_OID_set attrs = GSS_C_NO_OID_SET;
    gss_OID_desc not_dflt = {7, (void *)"\x2b\x06\x01\x05\x05\x0d\x08"};
    gss_buffer_desc text = GSS_C_EMPTY_BUFFER;
    int present = 0;
    CK_MAJ(gss_inquire_attrs_for_mech(&minor, &mech_oid, &attrs, NULL), GSS_S_COMPLETE);
    CK_MAJ(gss_test_oid_set_member(&minor, &not_dflt, attrs, &present), GSS_S_COMPLETE);
    ck_assert(present); /* SPNEGO must not pick Digest by default */
    gss_release_oid_set(&minor, &attrs);
    /* Both mechglues explain a minor code they saw come out of the
     * mechanism (Heimdal keeps the last error's text, MIT maps the code). */
    {
        gss_cred_id_t scred = server_cred(&opt_password, password_path);
        CK_MAJ(exchange(scred, USER, "wrong", 1, NULL, &minor), GSS_S_FAILURE);
        ck_assert_uint_eq(minor, GSS_SSPI_SHIM_DIGEST_S_LOGON_DENIED);
        gss_release_cred(&minor, &scred);
    }
    CK_MAJ(gss_display_status(&minor, GSS_SSPI_SHIM_DIGEST_S_LOGON_DENIED, GSS_C_MECH_CODE,
                              &mech_oid, &ctx, &text),
           GSS_S_COMPLETE);
    ck_assert_ptr_nonnull(memmem(text.value, text.length, "wrong password", 14));
    gss_release_buffer(&minor, &text);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("digest_mech");
    TCase *tc = tcase_create("mechglue");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, indicate_mechs_lists_digest);
    tcase_add_test(tc, init_without_credential_is_no_cred);
    tcase_add_loop_test(tc, http_exchange_each_algorithm, 0, 12);
    tcase_add_test(tc, http_username_star_for_non_ascii_name);
    tcase_add_test(tc, http_htdigest_store);
    tcase_add_test(tc, http_wrong_password_and_unknown_user);
    tcase_add_test(tc, http_store_reloaded_when_changed);
    tcase_add_test(tc, http_stale_nonce_gets_new_challenge);
    tcase_add_test(tc, http_nonce_lifetime_option);
    tcase_add_test(tc, http_foreign_nonce_fails);
    tcase_add_test(tc, http_first_leg_response_then_replay);
    tcase_add_test(tc, http_tampered_rspauth_fails_client);
    tcase_add_test(tc, http_later_requests_follow_nc);
    tcase_add_test(tc, http_cbt_equal_bindings_bind_the_response);
    tcase_add_test(tc, http_cbt_different_bindings_fail);
    tcase_add_test(tc, http_cbt_unbound_client);
    tcase_add_test(tc, http_cbt_server_without_bindings);
    tcase_add_test(tc, http_cbt_tampered_directives_fail);
    tcase_add_test(tc, http_cbt_later_request_must_keep_binding);
    tcase_add_test(tc, sasl_auth);
    tcase_add_test(tc, sasl_wrong_password);
    tcase_add_test(tc, sasl_auth_int);
    tcase_add_loop_test(tc, sasl_auth_conf_each_cipher, 0, 5);
    tcase_add_test(tc, sasl_digest_uri_must_name_the_acceptor);
    tcase_add_test(tc, accept_without_store_is_no_cred);
    tcase_add_test(tc, overlong_and_malformed_tokens_are_defective);
    tcase_add_test(tc, mech_attributes_and_status_text);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr;
    int failed, rc = test_mechenv_enter();
    if (rc != 0)
        return rc;
    if (write_stores() != 0)
        return 99;
    sr = srunner_create(suite());
    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
