/*
 * smartcard.h - a SoftHSM2 smart card and the PKINIT configuration for a
 * throwaway realm (tests/realm.h), so that tests can log on with a key that
 * stays on a PKCS#11 token.
 *
 * test_smartcard_prepare() makes, in a fresh directory under $TMPDIR:
 *   ca.pem, ca-key.pem         a test CA (the PKINIT trust anchor)
 *   kdc-cert.pem, kdc-key.pem  the KDC's certificate: EKU id-pkinit-KPKdc
 *                              (1.3.6.1.5.2.3.5), id-pkinit-san krbtgt/REALM@REALM
 *   client-cert.pem            the user's certificate: EKU id-pkinit-KPClientAuth
 *                              (1.3.6.1.5.2.3.4) + clientAuth, SANs id-pkinit-san
 *                              user@REALM and Microsoft UPN (1.3.6.1.4.1.311.20.2.3)
 *                              user@REALM
 *   softhsm2.conf, tokens/     a SoftHSM2 token (label token_label, user PIN pin)
 *                              holding the client key and certificate, both
 *                              labelled object_label, CKA_ID 01
 * with openssl, softhsm2-util and pkcs11-tool (the recipe measured in
 * docs/credssp.md "Smart-card logon: what was measured"; one set of
 * certificates serves both KDCs).  It sets SOFTHSM2_CONF for this process
 * (children - kinit, the tests' own clients - inherit it) and, for the
 * slot filter, P11_SLOT_FILTER_MODULE; test_smartcard_destroy() puts both
 * back and removes the directory (TEST_REALM_KEEP=1 keeps it, as for the
 * realm; a watchdog removes it if the process ends without destroy).
 *
 * Which PKCS#11 module a client loads (sc->module):
 *   Heimdal build: the slot filter tests/p11-slot-filter.so, which
 *     forwards to SoftHSM2 but hides its spare uninitialised slot - Heimdal
 *     7.8's hx509 gives up on SoftHSM2 without it (tests/p11-slot-filter.c).
 *     TEST_P11_SLOT_FILTER (environment) overrides the built path.
 *   MIT build: SoftHSM2 itself (MIT skips the spare slot).
 * SoftHSM2's module is TEST_SOFTHSM2_MODULE, default
 * /usr/lib/softhsm/libsofthsm2.so.
 *
 * Use: prepare, then start the realm with the card's configuration (the
 * KDC reads its PKINIT identity when it starts), then make the user:
 *
 *   struct test_smartcard sc;
 *   struct test_realm_options o = { 0 };
 *   int rc = test_smartcard_prepare(&sc, TEST_REALM_DEFAULT_NAME, "alice", "1234");
 *   if (rc == -2) skip;
 *   o.extra_libdefaults = sc.extra_libdefaults;
 *   o.extra_kdc = sc.extra_kdc;
 *   test_realm_start_ex(&r, TEST_REALM_DEFAULT_NAME, &o);
 *   (the default principals include alice; MIT's KDC answers with PKINIT
 *    only for a principal that requires pre-authentication, which every
 *    test_realm_add_user principal does)
 *   test_smartcard_kinit(&r, &sc, sc.pin, NULL);   (kinit with the card)
 *   ...
 *   test_realm_destroy(&r);
 *   test_smartcard_destroy(&sc);
 */
#ifndef SSPI_SHIM_TESTS_SMARTCARD_H
#define SSPI_SHIM_TESTS_SMARTCARD_H

#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

#define TEST_SMARTCARD_SOFTHSM2_MODULE "/usr/lib/softhsm/libsofthsm2.so"

struct test_smartcard {
    char dir[512];            /* its own directory under $TMPDIR */
    char module[512];         /* the PKCS#11 module a client of THIS build
                                 loads: Heimdal the slot filter, MIT SoftHSM2 */
    char softhsm_module[512]; /* SoftHSM2's module (what the filter forwards to) */
    char uri[1024];           /* RFC 7512 URI of the key and certificate:
                                 "pkcs11:token=<token_label>;object=<object_label>
                                 ?module-path=<module>", percent-encoded */
    char pin[32];             /* the user PIN */
    char principal[256];      /* "user@REALM": id-pkinit-san and UPN of the cert */
    char token_label[64];     /* the token's label: "<user>-card" */
    char object_label[64];    /* the key's and certificate's label: "<user>" */
    char ca_pem[512];         /* the CA certificate (PEM path, no FILE:) */
    char client_cert_pem[512];/* the client certificate as PEM (also on the card) */
    char extra_libdefaults[2048]; /* for test_realm_options.extra_libdefaults:
                                     the client's pkinit_anchors */
    char extra_kdc[2048];     /* for test_realm_options.extra_kdc: the KDC's
                                 PKINIT identity and anchors.  Heimdal's [kdc]:
                                 enable-pkinit, pkinit_identity, pkinit_anchors,
                                 pkinit_principal_in_certificate.  MIT's
                                 [kdcdefaults] (where realm.c puts extra_kdc):
                                 pkinit_identity, pkinit_anchors,
                                 pkinit_allow_upn - MIT 1.20's PKINIT plugin
                                 looks them up in [realms] REALM, then in
                                 [kdcdefaults] (measured: PKINIT TGT issued) */

    /* private */
    pid_t owner_pid_;
    int env_saved_;
    char *saved_env_[2];
    int saved_set_[2];
    int watch_fd_;
    pid_t watch_pid_;
};

/* Certificates and a SoftHSM2 token for user@realm with PIN pin (4 to 31
 * characters) in a fresh directory; sets SOFTHSM2_CONF (and
 * P11_SLOT_FILTER_MODULE) for this process.  Call before
 * test_realm_start_ex.  Returns 0; -1 on an error (message on stderr);
 * -2 when softhsm2, pkcs11-tool (opensc) or openssl is not installed
 * (message on stderr; the caller skips). */
int test_smartcard_prepare(struct test_smartcard *sc, const char *realm,
                           const char *user, const char *pin);
struct test_realm;
/* kinit sc->principal by PKINIT with the card, pin on its stdin, into
 * ccache_name (NULL = r->ccache), with r->kinit_prog and the realm's
 * client config (test_realm_run_client): Heimdal
 * `kinit -C PKCS11:<module> user@REALM`, MIT
 * `kinit -X X509_user_identity=PKCS11:module_name=<module> user@REALM`.
 * Returns as test_realm_kinit: 0, kinit's exit status (> 0; its message
 * in r->last_output), -1 on a harness error. */
int test_smartcard_kinit(struct test_realm *r, const struct test_smartcard *sc,
                         const char *pin, const char *ccache_name);
/* Restore the environment and remove the directory.  Idempotent; a zeroed
 * struct is fine.  In a fork()ed child it only restores the environment. */
void test_smartcard_destroy(struct test_smartcard *sc);

#ifdef __cplusplus
}
#endif
#endif /* SSPI_SHIM_TESTS_SMARTCARD_H */
