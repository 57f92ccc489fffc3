/*
 * sspi-shim(1): from a failed SSPI call to one sentence of cause and one of
 * what to do.
 *
 * The statuses of the first rows were measured, not guessed:
 * tests/tool-sspi-shim.sh provokes each of those failures against a
 * throwaway Heimdal realm and checks the line the tool prints
 * (docs/sspi-shim.1 lists them).  A status means different
 * things on the two sides (SEC_E_NO_CREDENTIALS: the client has no ticket,
 * or the acceptor no keytab), so a row names the phases it is for; where
 * one status covers several causes the library's detail text (the GSS
 * library's own words) tells them apart.
 */
#include "cli.h"

#include <sspi_shim.h>

#include <stdint.h>
#include <string.h>

void cli_failure_set(struct cli_failure *f, enum cli_phase phase, const char *call,
                     SECURITY_STATUS status)
{
    const char *detail = SspiShimLastErrorMessage();

    f->phase = phase;
    f->call = call;
    f->status = status;
    snprintf(f->detail, sizeof f->detail, "%s", detail ? detail : "");
}

#define P(x) (1u << (x))
#define ANY_CLIENT (P(PHASE_CLIENT_CRED) | P(PHASE_CLIENT_CTX))
#define ANY_SERVER (P(PHASE_SERVER_CRED) | P(PHASE_SERVER_CTX))

struct diag_row {
    SECURITY_STATUS status;
    unsigned phases;        /* P(PHASE_...) bits */
    const char *detail;     /* a substring of the detail that must match, or NULL */
    const char *cause;      /* %s: the target SPN */
    const char *action;
};

/* First match wins: rows with a detail substring before the general row of
 * the same status. */
static const struct diag_row rows[] = {
    /* Provoked by tests/tool-sspi-shim.sh (Heimdal 7.8). */
    { SEC_E_NO_CREDENTIALS, ANY_CLIENT, NULL,
      "the client has no Kerberos ticket (no credential cache)",
      "run kinit (or set KRB5CCNAME to a cache that has a ticket), or pass --user" },
    /* Seen by hand: NTLM with a keytab without host/<this host>. */
    { SEC_E_NO_CREDENTIALS, ANY_SERVER, "NTLM acceptor",
      "Heimdal's NTLM acceptor could not reach the KDC's digest service",
      "put host/<this host> (with the allow-digest attribute) in the keytab and enable "
      "the KDC's digest service (docs/ntlm.md), or test with --package Kerberos" },
    /* Provoked by the test: */
    { SEC_E_NO_CREDENTIALS, ANY_SERVER, NULL,
      "the acceptor found no usable key: the keytab is missing, empty, not a keytab, "
      "or not readable by this user",
      "name a readable keytab with --keytab or KRB5_KTNAME (klist -k FILE lists it)" },
    { SEC_E_TARGET_UNKNOWN, ANY_CLIENT, NULL,
      "the KDC does not know the service principal %s",
      "check the SPN (service/host, host exactly as registered), or create the principal "
      "and export its key to the server's keytab" },
    { SEC_E_WRONG_PRINCIPAL, P(PHASE_SERVER_CTX), NULL,
      "the keytab has no key that decrypts the client's ticket for %s "
      "(the SPN is missing from the keytab, or only an old key version is in it)",
      "export the current key of the SPN into the keytab again (kadmin ext_keytab / ktadd) "
      "and compare kvnos (MIT: klist -k FILE; Heimdal: ktutil -k FILE list)" },
    { SEC_E_TIME_SKEW, ~0u, NULL,
      "the clocks of this host and the KDC (or the other host) differ by more than the "
      "allowed skew (5 minutes by default)",
      "synchronise the clocks (NTP), or raise clockskew in krb5.conf" },
    { SEC_E_NO_AUTHENTICATING_AUTHORITY, ~0u, NULL,
      "no KDC of the realm could be reached",
      "check that the KDC runs and listens, and the kdc = lines of the realm in "
      "krb5.conf (KRB5_CONFIG); firewalls must pass port 88 UDP and TCP" },
    { SEC_E_LOGON_DENIED, ANY_CLIENT, NULL,
      "the KDC refused the user's password (or the account is locked or disabled)",
      "check --user and the password; kinit with the same name shows the KDC's answer" },
    { SEC_E_CONTEXT_EXPIRED, ANY_CLIENT, NULL,
      "the ticket in the credential cache has expired",
      "run kinit again (or pass --user)" },
    { SEC_E_CONTEXT_EXPIRED, ~0u, NULL,
      "the ticket or the context has expired",
      "run kinit again" },
    /* Seen by hand: --package Foo. */
    { SEC_E_SECPKG_NOT_FOUND, ~0u, NULL,
      "this library has no such package",
      "run 'sspi-shim packages' for the names" },
    /* Not provoked here: what the library's status table (gss_map) maps
     * these to, with the usual cause. */
    { SEC_E_UNKNOWN_CREDENTIALS, ANY_SERVER, NULL,
      "the acceptor's keytab cannot be used",
      "check KRB5_KTNAME / --keytab and the file's permissions (klist -k FILE)" },
    { SEC_E_INVALID_TOKEN, P(PHASE_SERVER_CTX) | P(PHASE_CLIENT_CTX), NULL,
      "the peer sent a token of another package, or a damaged one",
      "use the same --package on both sides" },
    { SEC_E_MUTUAL_AUTH_FAILED, ~0u, NULL,
      "the server could not prove its identity to the client",
      "check that the server's keytab holds the SPN the client asks for" },
    { SEC_E_KDC_UNKNOWN_ETYPE, ~0u, NULL,
      "the KDC, the client and the keytab share no encryption type",
      "re-export the keytab with the enctypes the KDC issues (aes256/aes128)" },
};

static const struct diag_row *find_row(const struct cli_failure *f)
{
    size_t i;

    for (i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        const struct diag_row *r = &rows[i];

        if (r->status != f->status || !(r->phases & P(f->phase)))
            continue;
        if (r->detail != NULL && strstr(f->detail, r->detail) == NULL)
            continue;
        return r;
    }
    return NULL;
}

/* Heimdal says which key the ticket needs: "Failed to find
 * HTTP/host@REALM(kvno 2) in keytab FILE:... (aes256-cts-hmac-sha1-96)".
 * Repeat that where the eye finds it; the kvno is the clue for a keytab
 * that was exported before the key was changed. */
static void print_kvno(FILE *out, const struct cli_failure *f)
{
    const char *find = strstr(f->detail, "Failed to find ");
    const char *end;

    if (f->status != SEC_E_WRONG_PRINCIPAL || find == NULL)
        return;
    find += strlen("Failed to find ");
    end = strstr(find, " in keytab ");
    if (end == NULL || strstr(find, "(kvno ") == NULL)
        return;
    fprintf(out, "  needed: the key of %.*s; the keytab does not have it\n", (int)(end - find),
            find);
}

int cli_diagnose(FILE *out, const struct cli_failure *f, const char *target)
{
    const struct diag_row *r = find_row(f);
    const char *name = demo_status_name(f->status);

    fprintf(out, "%s: FAILED: %s returned %s (0x%08lX)\n", demo_progname(), f->call,
            name ? name : "an unknown status", (unsigned long)(uint32_t)f->status);
    if (r != NULL) {
        /* "%s" in a cause stands for the target SPN. */
        const char *hole = strstr(r->cause, "%s");

        if (hole != NULL)
            fprintf(out, "  cause:  %.*s%s%s\n", (int)(hole - r->cause), r->cause,
                    target ? target : "the target", hole + 2);
        else
            fprintf(out, "  cause:  %s\n", r->cause);
        fprintf(out, "  do:     %s\n", r->action);
    } else if (demo_status_hint(f->status) != NULL) {
        fprintf(out, "  cause:  %s\n", demo_status_hint(f->status));
    }
    print_kvno(out, f);
    if (f->detail[0] != '\0')
        fprintf(out, "  detail: %s\n", f->detail);
    fprintf(out, "  more:   SSPI_SHIM_TRACE=stderr shows every SSPI call and the GSS "
            "library's reason (sspi-shim(7))\n");
    return CLI_EXIT_AUTH;
}
