/*
 * sspi-shim(1): what the tool's files share.
 *
 * The tool is written as a Windows program would be: it calls only the
 * public SSPI API (sspi.h, plus SspiShimLastErrorMessage and
 * SspiShimStatusName from sspi_shim.h for the detail line), never the
 * library's internals, so what it reports is what a ported program sees.
 * The wire framing of `client` and `server` is examples/demo_net's, so the
 * tool talks to sspi-demo-server and sspi-demo-client.
 */
#ifndef SSPI_SHIM_CLI_H
#define SSPI_SHIM_CLI_H

#include <stdio.h>

#include "demo_net.h"

/* Exit status of every subcommand (documented in docs/sspi-shim.1). */
enum {
    CLI_EXIT_OK = 0,        /* authenticated (or listed) */
    CLI_EXIT_AUTH = 1,      /* an SSPI call failed: the diagnosis says why */
    CLI_EXIT_USAGE = 2,     /* bad command line */
    CLI_EXIT_SYSTEM = 3     /* no SSPI failure: network, files, memory */
};

/* ------------------------------------------------------------ options */

/* Options the subcommands share; each subcommand allows a subset. */
enum cli_opt_bit {
    OPT_PACKAGE = 1 << 0,   /* --package P */
    OPT_TARGET = 1 << 1,    /* --target/--spn SPN */
    OPT_USER = 1 << 2,      /* --user U, --password P, --password-file F */
    OPT_KEYTAB = 1 << 3,    /* --keytab FILE */
    OPT_PORT = 1 << 4,      /* --port N, --port-file F, --bind ADDR */
    OPT_ONCE = 1 << 5,      /* --once */
    OPT_VERBOSE = 1 << 6    /* -v, --verbose */
};

struct cli_opts {
    const char *package;
    const char *target;
    const char *user;
    const char *password_arg;
    const char *password_file;
    const char *keytab;
    const char *port_file;
    const char *bind;
    unsigned short port;
    int have_port;
    int once;
    int verbose;
    const char *positional;     /* HOST:PORT for `client` */
};

/* Parse argv[1..] (argv[0] is the subcommand) into o, allowing the options
 * in allowed and at most one positional argument when want_positional.
 * Prints the error and returns -1 on a usage error. */
int cli_parse(int argc, char **argv, unsigned allowed, int want_positional,
              struct cli_opts *o);

/* --keytab: make the acceptor use FILE (KRB5_KTNAME, read by the GSS
 * library at its first use, so call before any SSPI call). */
int cli_use_keytab(const char *keytab);

/* ------------------------------------------------------------ identity */

/* An explicit client identity (--user): the SEC_WINNT_AUTH_IDENTITY_A a
 * Windows program fills ("DOMAIN\user" split, a UPN whole in User). */
struct cli_identity {
    SEC_WINNT_AUTH_IDENTITY_A a;
    char *user, *domain, *password;
};

/* Fill id from --user and the password (--password, --password-file, or
 * the first line of standard input).  Returns -1 after printing why. */
int cli_identity_init(struct cli_identity *id, const struct cli_opts *o);
/* Free id, wiping the password. */
void cli_identity_free(struct cli_identity *id);

/* ------------------------------------------------------------ diagnosis */

/* Where a failure happened: the same status means different things on the
 * client and on the acceptor (SEC_E_NO_CREDENTIALS: no ticket, or no
 * keytab). */
enum cli_phase {
    PHASE_CLIENT_CRED,      /* AcquireCredentialsHandle(OUTBOUND) */
    PHASE_SERVER_CRED,      /* AcquireCredentialsHandle(INBOUND) */
    PHASE_CLIENT_CTX,       /* InitializeSecurityContext */
    PHASE_SERVER_CTX,       /* AcceptSecurityContext */
    PHASE_MESSAGE,          /* MakeSignature ... DecryptMessage */
    PHASE_QUERY             /* QueryContextAttributes, package queries */
};

struct cli_failure {
    enum cli_phase phase;
    const char *call;       /* "InitializeSecurityContextA", ... */
    SECURITY_STATUS status;
    char detail[1024];      /* SspiShimLastErrorMessage() right after the call */
};

/* Record a failed call; reads the library's detail at once, before another
 * SSPI call replaces it. */
void cli_failure_set(struct cli_failure *f, enum cli_phase phase, const char *call,
                     SECURITY_STATUS status);

/* Print the diagnosis on out: the call and status by name and hex, one
 * sentence of cause, what to do, and the library's detail.  target is the
 * SPN asked for (or NULL).  Returns CLI_EXIT_AUTH. */
int cli_diagnose(FILE *out, const struct cli_failure *f, const char *target);

/* ------------------------------------------------------------ handshake */

/* One side of a handshake: its credential and context. */
struct cli_side {
    CredHandle cred;
    CtxtHandle ctx;
    int have_cred, have_ctx, done;
    ULONG attrs;            /* ISC_RET_* or ASC_RET_* of the last leg */
    TimeStamp expiry;
    int legs;
};

void cli_side_init(struct cli_side *s);
void cli_side_free(struct cli_side *s);

/* AcquireCredentialsHandleA for the client (id NULL: the default
 * credentials, on Unix the ccache) or for the acceptor (the keytab). */
int cli_acquire_client(struct cli_side *s, const char *package, struct cli_identity *id,
                       struct cli_failure *f);
int cli_acquire_server(struct cli_side *s, const char *package, struct cli_failure *f);

/* One InitializeSecurityContextA / AcceptSecurityContext leg with the
 * token in (in_len 0 on the client's first leg).  *out is the package's
 * token (free it with FreeContextBuffer; NULL when there is none), *out_len
 * its length; s->done is set on SEC_E_OK.  Returns -1 after filling f. */
int cli_client_leg(struct cli_side *s, const char *target, const void *in, size_t in_len,
                   void **out, size_t *out_len, struct cli_failure *f);
int cli_server_leg(struct cli_side *s, const void *in, size_t in_len, void **out,
                   size_t *out_len, struct cli_failure *f);

/* ------------------------------------------------------------ reports */

/* What the acceptor learnt: client name, principals, package, flags,
 * lifespan, sizes (QueryContextAttributesA).  *client_name (malloc'd) is
 * SECPKG_ATTR_NAMES.  Returns -1 after filling f. */
int cli_report_server(FILE *out, struct cli_side *s, const char *package, char **client_name,
                      struct cli_failure *f);
/* The client's view: package and negotiated package (unless package is
 * NULL: the server's report said it already), ISC_RET flags. */
int cli_report_client(FILE *out, struct cli_side *s, const char *package,
                      struct cli_failure *f);

/* One MakeSignature/VerifySignature and one EncryptMessage/DecryptMessage
 * from the client's context to the server's and back.  Returns -1 after
 * filling f. */
int cli_message_round_trip(FILE *out, struct cli_side *client, struct cli_side *server,
                           struct cli_failure *f);

/* ------------------------------------------------------------ subcommands */

int cli_cmd_packages(int argc, char **argv);
int cli_cmd_check(int argc, char **argv);
int cli_cmd_client(int argc, char **argv);
int cli_cmd_server(int argc, char **argv);
int cli_cmd_http_client(int argc, char **argv);

#endif /* SSPI_SHIM_CLI_H */
