/*
 * A SoftHSM2 smart card and PKINIT configuration for the test realm
 * (tests/smartcard.h).
 */
#define _GNU_SOURCE
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "realm.h"
#include "realm_private.h"
#include "smartcard.h"

#ifndef TEST_P11_SLOT_FILTER
#error "TEST_P11_SLOT_FILTER: the built slot filter module (tests/p11-slot-filter.so)"
#endif

/* The token's security officer PIN: nothing in the tests logs in as SO. */
#define SO_PIN "87654321"

static const char *const saved_env_names[2] = { "SOFTHSM2_CONF", "P11_SLOT_FILTER_MODULE" };
#define N_CARD_ENV (sizeof saved_env_names / sizeof saved_env_names[0])

#define card_msg(...) trp_msg("test_smartcard", __VA_ARGS__)
/* a string that does not fit: "string too long: <its start>...", errno as
 * it is */
#define fmt_into(...) trp_fmt("test_smartcard", "string too long", 1, 0, __VA_ARGS__)

/* Scratch directories are <TMPDIR>/sspi-card.XXXXXX. */
#define CARD_DIR_BASE "sspi-card."

/* ------------------------------------------------------------ programs */

static int
in_path(const char *name)
{
    char buf[1024];
    return trp_find_in_path(name, buf, sizeof buf) == 0;
}

/* Run argv (NULL-terminated, argv[0] looked up in PATH) with stdin from
 * /dev/null and stdout+stderr appended to <dir>/setup.log.  0 if it exited
 * 0; else -1, with the log's name on stderr. */
static int
run(const struct test_smartcard *sc, const char *const argv[])
{
    char log[600];
    pid_t pid;
    int out, status;

    if (fmt_into(log, sizeof log, "%s/setup.log", sc->dir) != 0)
        return -1;
    out = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (out < 0) {
        card_msg("cannot open %s: %s", log, strerror(errno));
        return -1;
    }
    pid = trp_spawn(argv, NULL, -1, out);
    close(out);
    if (pid < 0 || trp_wait(pid, &status) != 0)
        return -1;
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
        return 0;
    card_msg("%s %s failed (status 0x%x); its output is in %s%s", argv[0],
             argv[1] ? argv[1] : "", status, log,
             trp_keep_dir() ? "" : " (set TEST_REALM_KEEP=1 to keep it)");
    return -1;
}

/* ------------------------------------------------------ the directory */

static int
make_dir(struct test_smartcard *sc)
{
    const char *tmp = getenv("TMPDIR");
    if (tmp == NULL || *tmp == '\0')
        tmp = "/tmp";
    if (fmt_into(sc->dir, sizeof sc->dir, "%s/" CARD_DIR_BASE "XXXXXX", tmp) != 0)
        return -1;
    if (mkdtemp(sc->dir) == NULL) {
        card_msg("mkdtemp %s: %s", sc->dir, strerror(errno));
        sc->dir[0] = '\0';
        return -1;
    }
    sc->owner_pid_ = getpid();
    return trp_watchdog_start(sc->dir, "test-smartcard-watchdog", &sc->watch_fd_,
                              &sc->watch_pid_);
}

/* <dir>/name into out */
static int
card_path(const struct test_smartcard *sc, char *out, size_t n, const char *name)
{
    return fmt_into(out, n, "%s/%s", sc->dir, name);
}

static int
write_text(const struct test_smartcard *sc, const char *name, const char *text)
{
    char path[600];
    FILE *f;
    if (card_path(sc, path, sizeof path, name) != 0)
        return -1;
    f = fopen(path, "w");
    if (f == NULL) {
        card_msg("cannot write %s: %s", path, strerror(errno));
        return -1;
    }
    fputs(text, f);
    return fclose(f) == 0 ? 0 : -1;
}

/* ------------------------------------------------------- certificates */

/* openssl x509 -extfile sections, after MIT's PKINIT documentation
 * (doc/admin/pkinit.rst): the id-pkinit-san otherName is a
 * KRB5PrincipalName (realm, name-type + name-string).  The client also
 * gets the Microsoft UPN otherName, which Windows' smart-card logon maps
 * to the account (Heimdal: pkinit_principal_in_certificate; MIT:
 * pkinit_allow_upn, which a certificate with only the UPN needs). */
static const char exts_template[] =
    "[ca_cert]\n"
    "basicConstraints = critical,CA:TRUE\n"
    "keyUsage = critical,keyCertSign,cRLSign\n"
    "subjectKeyIdentifier = hash\n"
    "authorityKeyIdentifier = keyid:always,issuer\n"
    "\n"
    "[kdc_cert]\n"
    "basicConstraints = CA:FALSE\n"
    "keyUsage = nonRepudiation,digitalSignature,keyEncipherment,keyAgreement\n"
    "extendedKeyUsage = 1.3.6.1.5.2.3.5\n"
    "subjectKeyIdentifier = hash\n"
    "authorityKeyIdentifier = keyid,issuer\n"
    "subjectAltName = otherName:1.3.6.1.5.2.2;SEQUENCE:kdc_princ_name\n"
    "\n"
    "[kdc_princ_name]\n"
    "realm = EXP:0,GeneralString:%1$s\n"
    "principal_name = EXP:1,SEQUENCE:kdc_principal_seq\n"
    "[kdc_principal_seq]\n"
    "name_type = EXP:0,INTEGER:2\n"
    "name_string = EXP:1,SEQUENCE:kdc_principals\n"
    "[kdc_principals]\n"
    "princ1 = GeneralString:krbtgt\n"
    "princ2 = GeneralString:%1$s\n"
    "\n"
    "[client_cert]\n"
    "basicConstraints = CA:FALSE\n"
    "keyUsage = digitalSignature,keyEncipherment,keyAgreement\n"
    "extendedKeyUsage = 1.3.6.1.5.2.3.4,clientAuth\n"
    "subjectKeyIdentifier = hash\n"
    "authorityKeyIdentifier = keyid,issuer\n"
    "subjectAltName = otherName:1.3.6.1.5.2.2;SEQUENCE:client_princ_name,"
    "otherName:1.3.6.1.4.1.311.20.2.3;UTF8:%2$s@%1$s\n"
    "\n"
    "[client_princ_name]\n"
    "realm = EXP:0,GeneralString:%1$s\n"
    "principal_name = EXP:1,SEQUENCE:client_principal_seq\n"
    "[client_principal_seq]\n"
    "name_type = EXP:0,INTEGER:1\n"
    "name_string = EXP:1,SEQUENCE:client_principals\n"
    "[client_principals]\n"
    "princ1 = GeneralString:%2$s\n";

static int
write_exts(const struct test_smartcard *sc, const char *realm, const char *user)
{
    char text[sizeof exts_template + 512];
    if (fmt_into(text, sizeof text, exts_template, realm, user) != 0)
        return -1;
    return write_text(sc, "exts.cnf", text);
}

/* A 2048-bit RSA key <name>-key.pem and a CSR <name>.csr for subject. */
static int
make_key_and_csr(const struct test_smartcard *sc, const char *name, const char *subject)
{
    char key[600], csr[600];
    if (fmt_into(key, sizeof key, "%s/%s-key.pem", sc->dir, name) != 0 ||
        fmt_into(csr, sizeof csr, "%s/%s.csr", sc->dir, name) != 0)
        return -1;
    if (run(sc, (const char *const[]){ "openssl", "genrsa", "-out", key, "2048", NULL }) != 0)
        return -1;
    return run(sc, (const char *const[]){ "openssl", "req", "-new", "-key", key,
                                          "-subj", subject, "-out", csr, NULL });
}

/* <name>-cert.pem signed by the CA, with the extensions of section. */
static int
sign_cert(const struct test_smartcard *sc, const char *name, const char *section)
{
    char csr[600], cert[600], ca_key[600], exts[600], serial[600];
    if (fmt_into(csr, sizeof csr, "%s/%s.csr", sc->dir, name) != 0 ||
        fmt_into(cert, sizeof cert, "%s/%s-cert.pem", sc->dir, name) != 0 ||
        card_path(sc, ca_key, sizeof ca_key, "ca-key.pem") != 0 ||
        card_path(sc, exts, sizeof exts, "exts.cnf") != 0 ||
        card_path(sc, serial, sizeof serial, "ca.srl") != 0)
        return -1;
    return run(sc, (const char *const[]){ "openssl", "x509", "-req", "-in", csr,
                                          "-CA", sc->ca_pem, "-CAkey", ca_key,
                                          "-CAserial", serial, "-CAcreateserial",
                                          "-days", "3650", "-sha256",
                                          "-extfile", exts, "-extensions", section,
                                          "-out", cert, NULL });
}

static int
make_certificates(struct test_smartcard *sc, const char *realm, const char *user)
{
    char subject[300], ca_csr[600], ca_key[600], exts[600];
    if (write_exts(sc, realm, user) != 0 ||
        card_path(sc, exts, sizeof exts, "exts.cnf") != 0 ||
        card_path(sc, sc->ca_pem, sizeof sc->ca_pem, "ca.pem") != 0 ||
        card_path(sc, ca_csr, sizeof ca_csr, "ca.csr") != 0 ||
        card_path(sc, ca_key, sizeof ca_key, "ca-key.pem") != 0 ||
        card_path(sc, sc->client_cert_pem, sizeof sc->client_cert_pem, "client-cert.pem") != 0)
        return -1;
    /* the CA: self-signed */
    if (fmt_into(subject, sizeof subject, "/CN=%s Test CA", realm) != 0 ||
        make_key_and_csr(sc, "ca", subject) != 0 ||
        run(sc, (const char *const[]){ "openssl", "x509", "-req", "-in", ca_csr,
                                       "-signkey", ca_key, "-days", "3650", "-sha256",
                                       "-extfile", exts, "-extensions", "ca_cert",
                                       "-out", sc->ca_pem, NULL }) != 0)
        return -1;
    if (make_key_and_csr(sc, "kdc", "/CN=kdc") != 0 || sign_cert(sc, "kdc", "kdc_cert") != 0)
        return -1;
    if (fmt_into(subject, sizeof subject, "/CN=%s", user) != 0 ||
        make_key_and_csr(sc, "client", subject) != 0 ||
        sign_cert(sc, "client", "client_cert") != 0)
        return -1;
    return 0;
}

/* ------------------------------------------------------------ the token */

/* Save SOFTHSM2_CONF and P11_SLOT_FILTER_MODULE, then point them at the card. */
static int
set_card_env(struct test_smartcard *sc, const char *softhsm_conf)
{
    if (trp_save_env(saved_env_names, N_CARD_ENV, sc->saved_env_, sc->saved_set_) != 0)
        return -1;
    sc->env_saved_ = 1;
    if (setenv("SOFTHSM2_CONF", softhsm_conf, 1) != 0 ||
        setenv("P11_SLOT_FILTER_MODULE", sc->softhsm_module, 1) != 0)
        return -1;
    return 0;
}

static void
restore_env(struct test_smartcard *sc)
{
    if (!sc->env_saved_)
        return;
    trp_restore_env(saved_env_names, N_CARD_ENV, sc->saved_env_, sc->saved_set_);
    sc->env_saved_ = 0;
}

/* A SoftHSM2 configuration whose token directory is <dir>/tokens, in
 * this process's environment. */
static int
configure_softhsm(struct test_smartcard *sc)
{
    char conf[600], tokens[600], text[1400];
    if (card_path(sc, conf, sizeof conf, "softhsm2.conf") != 0 ||
        card_path(sc, tokens, sizeof tokens, "tokens") != 0)
        return -1;
    if (mkdir(tokens, 0700) != 0) {
        card_msg("mkdir %s: %s", tokens, strerror(errno));
        return -1;
    }
    if (fmt_into(text, sizeof text,
                 "# Generated by tests/smartcard.c\n"
                 "directories.tokendir = %s\n"
                 "objectstore.backend = file\n"
                 "log.level = ERROR\n", tokens) != 0 ||
        write_text(sc, "softhsm2.conf", text) != 0)
        return -1;
    return set_card_env(sc, conf);
}

/* Convert a PEM certificate or key to DER (what pkcs11-tool writes). */
static int
pem_to_der(const struct test_smartcard *sc, const char *kind, const char *pem,
           const char *der_name, char *der, size_t n)
{
    if (card_path(sc, der, n, der_name) != 0)
        return -1;
    return run(sc, (const char *const[]){ "openssl", kind, "-in", pem, "-outform", "DER",
                                          "-out", der, NULL });
}

static int
write_token_object(const struct test_smartcard *sc, const char *type, const char *der)
{
    return run(sc, (const char *const[]){ "pkcs11-tool", "--module", sc->softhsm_module,
                                          "--token-label", sc->token_label,
                                          "--login", "--pin", sc->pin,
                                          "--write-object", der, "--type", type,
                                          "--id", "01", "--label", sc->object_label,
                                          NULL });
}

static int
make_token(struct test_smartcard *sc)
{
    char key_pem[600], key_der[600], cert_der[600];
    if (configure_softhsm(sc) != 0)
        return -1;
    if (run(sc, (const char *const[]){ "softhsm2-util", "--init-token", "--free",
                                       "--label", sc->token_label, "--pin", sc->pin,
                                       "--so-pin", SO_PIN, NULL }) != 0)
        return -1;
    if (card_path(sc, key_pem, sizeof key_pem, "client-key.pem") != 0 ||
        pem_to_der(sc, "pkey", key_pem, "client-key.der", key_der, sizeof key_der) != 0 ||
        pem_to_der(sc, "x509", sc->client_cert_pem, "client-cert.der",
                   cert_der, sizeof cert_der) != 0)
        return -1;
    if (write_token_object(sc, "privkey", key_der) != 0 ||
        write_token_object(sc, "cert", cert_der) != 0)
        return -1;
    /* the key stays on the card only */
    unlink(key_der);
    return 0;
}

/* ------------------------------------------------------ configuration */

/* Append s to out, percent-encoding every byte that is neither unreserved
 * (RFC 3986) nor in keep - RFC 7512's pk11-path-res-avail or
 * pk11-query-res-avail set. */
static int
pct_append(char *out, size_t n, const char *s, const char *keep)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t len = strlen(out);
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        int plain = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
                    (c >= '0' && c <= '9') || strchr("-._~", c) != NULL ||
                    strchr(keep, c) != NULL;
        if (len + (plain ? 1 : 3) >= n)
            return -1;
        if (plain) {
            out[len++] = (char)c;
        } else {
            out[len++] = '%';
            out[len++] = hex[c >> 4];
            out[len++] = hex[c & 15];
        }
    }
    out[len] = '\0';
    return 0;
}

#define P11_PATH_KEEP  ":[]@!$&'()*+,="
#define P11_QUERY_KEEP ":[]/?|!$'()*+,;=@"

static int
make_uri(struct test_smartcard *sc)
{
    sc->uri[0] = '\0';
    if (fmt_into(sc->uri, sizeof sc->uri, "pkcs11:token=") != 0 ||
        pct_append(sc->uri, sizeof sc->uri, sc->token_label, P11_PATH_KEEP) != 0 ||
        pct_append(sc->uri, sizeof sc->uri, ";object=", ";=") != 0 ||
        pct_append(sc->uri, sizeof sc->uri, sc->object_label, P11_PATH_KEEP) != 0 ||
        pct_append(sc->uri, sizeof sc->uri, "?module-path=", "?=") != 0 ||
        pct_append(sc->uri, sizeof sc->uri, sc->module, P11_QUERY_KEEP) != 0) {
        card_msg("PKCS#11 URI too long");
        return -1;
    }
    return 0;
}

/* The KDC's PKINIT identity and trust anchor, and the client's anchor.
 * The lines are tab-indented like realm.c's. */
static int
write_config(struct test_smartcard *sc)
{
    char kdc_cert[600], kdc_key[600];
    int mit = strcmp(test_realm_flavour(), "mit") == 0;
    if (card_path(sc, kdc_cert, sizeof kdc_cert, "kdc-cert.pem") != 0 ||
        card_path(sc, kdc_key, sizeof kdc_key, "kdc-key.pem") != 0)
        return -1;
    if (fmt_into(sc->extra_libdefaults, sizeof sc->extra_libdefaults,
                 "\tpkinit_anchors = FILE:%s", sc->ca_pem) != 0)
        return -1;
    if (mit)
        /* [kdcdefaults]; pkinit_allow_upn: a card whose certificate has
         * only the UPN SAN (as Windows issues them) logs on too */
        return fmt_into(sc->extra_kdc, sizeof sc->extra_kdc,
                        "\tpkinit_identity = FILE:%s,%s\n"
                        "\tpkinit_anchors = FILE:%s\n"
                        "\tpkinit_allow_upn = true",
                        kdc_cert, kdc_key, sc->ca_pem);
    /* [kdc]; pkinit_principal_in_certificate: the certificate's SAN
     * names the principal (no pki-mapping file) */
    return fmt_into(sc->extra_kdc, sizeof sc->extra_kdc,
                    "\tenable-pkinit = yes\n"
                    "\tpkinit_identity = FILE:%s,%s\n"
                    "\tpkinit_anchors = FILE:%s\n"
                    "\tpkinit_principal_in_certificate = yes",
                    kdc_cert, kdc_key, sc->ca_pem);
}

/* sc->module and sc->softhsm_module for this build. */
static int
choose_modules(struct test_smartcard *sc)
{
    const char *softhsm = getenv("TEST_SOFTHSM2_MODULE");
    const char *filter = getenv("TEST_P11_SLOT_FILTER");
    if (softhsm == NULL || *softhsm == '\0')
        softhsm = TEST_SMARTCARD_SOFTHSM2_MODULE;
    if (filter == NULL || *filter == '\0')
        filter = TEST_P11_SLOT_FILTER;
    if (fmt_into(sc->softhsm_module, sizeof sc->softhsm_module, "%s", softhsm) != 0)
        return -1;
    if (strcmp(test_realm_flavour(), "mit") == 0)
        return fmt_into(sc->module, sizeof sc->module, "%s", softhsm);
    if (access(filter, R_OK) != 0) {
        card_msg("no slot filter module %s (make tests/p11-slot-filter.so)", filter);
        return -1;
    }
    return fmt_into(sc->module, sizeof sc->module, "%s", filter);
}

/* -2 (with the reason) when a program or SoftHSM2's module is missing. */
static int
check_installed(const struct test_smartcard *sc)
{
    static const char *const progs[][2] = {
        { "softhsm2-util", "softhsm2" }, { "pkcs11-tool", "opensc" }, { "openssl", "openssl" },
    };
    for (size_t i = 0; i < sizeof progs / sizeof progs[0]; i++) {
        if (!in_path(progs[i][0])) {
            card_msg("%s not found: install %s", progs[i][0], progs[i][1]);
            return -2;
        }
    }
    if (access(sc->softhsm_module, R_OK) != 0) {
        card_msg("%s not found: install softhsm2", sc->softhsm_module);
        return -2;
    }
    return 0;
}

static int
set_names(struct test_smartcard *sc, const char *realm, const char *user, const char *pin)
{
    size_t pin_len = strlen(pin);
    /* SoftHSM2 takes PINs of 4 to 255 bytes */
    if (pin_len < 4 || pin_len >= sizeof sc->pin) {
        card_msg("PIN must have 4 to %zu characters", sizeof sc->pin - 1);
        return -1;
    }
    memcpy(sc->pin, pin, pin_len + 1);
    if (fmt_into(sc->principal, sizeof sc->principal, "%s@%s", user, realm) != 0 ||
        fmt_into(sc->token_label, sizeof sc->token_label, "%s-card", user) != 0 ||
        fmt_into(sc->object_label, sizeof sc->object_label, "%s", user) != 0)
        return -1;
    return 0;
}

int
test_smartcard_kinit(struct test_realm *r, const struct test_smartcard *sc,
                     const char *pin, const char *ccache_name)
{
    char identity[sizeof sc->module + 64];
    if (r == NULL || sc == NULL || pin == NULL || sc->dir[0] == '\0') {
        errno = EINVAL;
        return -1;
    }
    /* KRB5CCNAME names the ccache; both kinits prompt for the PIN and
     * read it from stdin when that is not a terminal */
    if (strcmp(test_realm_flavour(), "mit") == 0) {
        if (fmt_into(identity, sizeof identity, "X509_user_identity=PKCS11:module_name=%s",
                     sc->module) != 0)
            return -1;
        return test_realm_run_client(r, (const char *const[]){ r->kinit_prog, "-X", identity,
                                                               sc->principal, NULL },
                                     pin, ccache_name);
    }
    if (fmt_into(identity, sizeof identity, "PKCS11:%s", sc->module) != 0)
        return -1;
    return test_realm_run_client(r, (const char *const[]){ r->kinit_prog, "-C", identity,
                                                           sc->principal, NULL },
                                 pin, ccache_name);
}

int
test_smartcard_prepare(struct test_smartcard *sc, const char *realm,
                       const char *user, const char *pin)
{
    int rc;
    if (sc == NULL || realm == NULL || user == NULL || pin == NULL) {
        errno = EINVAL;
        return -1;
    }
    memset(sc, 0, sizeof *sc);
    sc->watch_fd_ = -1;
    if (set_names(sc, realm, user, pin) != 0 || choose_modules(sc) != 0)
        return -1;
    rc = check_installed(sc);
    if (rc != 0)
        return rc;
    if (make_dir(sc) != 0 || make_certificates(sc, realm, user) != 0 ||
        make_token(sc) != 0 || make_uri(sc) != 0 || write_config(sc) != 0) {
        test_smartcard_destroy(sc);
        return -1;
    }
    return 0;
}

void
test_smartcard_destroy(struct test_smartcard *sc)
{
    if (sc == NULL)
        return;
    restore_env(sc);
    if (sc->owner_pid_ == 0 || sc->owner_pid_ != getpid())
        return;
    trp_watchdog_stop(&sc->watch_fd_, &sc->watch_pid_);
    if (sc->dir[0] != '\0') {
        if (trp_keep_dir())
            card_msg("kept %s", sc->dir);
        else
            trp_remove_tree(NULL, sc->dir, CARD_DIR_BASE);
    }
    sc->dir[0] = '\0';
    sc->owner_pid_ = 0;
}
