/*
 * sspi-shim(1): look at and test the SSPI packages of this library.
 *
 *   sspi-shim packages [-v]
 *   sspi-shim check --spn SPN [--keytab FILE] [--package P] [--user U ...]
 *   sspi-shim client --target SPN [--package P] [--user U ...] HOST:PORT
 *   sspi-shim server --port N [--package P] [--keytab FILE] [--bind ADDR] [--once]
 *   sspi-shim http-client [--package P] [--target SPN] [--user U ...] URL
 *
 * Exit status: 0 ok, 1 an SSPI call failed (the diagnosis on stderr says
 * why and what to do), 2 usage error, 3 other failure (network, files).
 * docs/sspi-shim.1 is the manual.
 */
#include "cli.h"

#include <signal.h>
#include <string.h>

static void usage(FILE *out)
{
    fprintf(out,
            "usage: %1$s packages [-v]\n"
            "       %1$s check --spn SERVICE/HOST [--keytab FILE] [--package P]\n"
            "                  [--user USER [--password PW | --password-file F]]\n"
            "       %1$s client --target SERVICE/HOST [--package P]\n"
            "                  [--user USER [--password PW | --password-file F]] HOST:PORT\n"
            "       %1$s server --port N [--port-file F] [--bind ADDR] [--package P]\n"
            "                  [--keytab FILE] [--once]\n"
            "       %1$s http-client [--package Negotiate|Kerberos|NTLM] [--target SPN]\n"
            "                  [--user USER [--password PW | --password-file F]] http://HOST[:PORT]/PATH\n"
            "\n"
            "  packages  list the security packages and their capabilities\n"
            "  check     client and acceptor in one process: does the keytab accept a\n"
            "            ticket for the SPN? (then one signed and one encrypted message)\n"
            "  client    authenticate to a 'server' (or sspi-demo-server) over TCP\n"
            "  server    accept 'client' (or sspi-demo-client) connections over TCP\n"
            "  http-client  GET a URL with 'Authorization: Negotiate' (RFC 4559) or NTLM\n"
            "\n"
            "--package: Negotiate (default), Kerberos, NTLM, ...  Without --user the client\n"
            "uses the credential cache (KRB5CCNAME); --user takes user@REALM or DOMAIN\\user,\n"
            "its password from --password, --password-file or standard input.  The acceptor\n"
            "uses --keytab, else KRB5_KTNAME, else the default keytab.\n"
            "Exit: 0 ok, 1 authentication failed, 2 usage, 3 network or system error.\n"
            "See sspi-shim(1).\n",
            demo_progname());
}

int main(int argc, char **argv)
{
    static const struct {
        const char *name;
        int (*run)(int, char **);
    } cmds[] = {
        { "packages", cli_cmd_packages },
        { "check", cli_cmd_check },
        { "client", cli_cmd_client },
        { "server", cli_cmd_server },
        { "http-client", cli_cmd_http_client },
    };
    size_t i;

    demo_set_progname("sspi-shim");
    /* A peer that closed its socket gives EPIPE on the next write, which
     * the tool reports, instead of killing it. */
    signal(SIGPIPE, SIG_IGN);
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (argc < 2) {
        usage(stderr);
        return CLI_EXIT_USAGE;
    }
    if (strcmp(argv[1], "help") == 0 || strcmp(argv[1], "--help") == 0 ||
        strcmp(argv[1], "-h") == 0) {
        usage(stdout);
        return CLI_EXIT_OK;
    }
    for (i = 0; i < sizeof cmds / sizeof cmds[0]; i++)
        if (strcmp(argv[1], cmds[i].name) == 0)
            return cmds[i].run(argc - 1, argv + 1);
    fprintf(stderr, "%s: unknown command '%s'\n", demo_progname(), argv[1]);
    usage(stderr);
    return CLI_EXIT_USAGE;
}
