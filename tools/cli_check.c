/*
 * sspi-shim check --spn SPN [--keytab FILE] [--package P] [--user U ...]
 *
 * "Does my keytab work for HTTP/host?" in one process: a client context
 * from the default credentials (the ccache) or --user, an acceptor context
 * from the keytab, the handshake in memory, then one signed and one
 * encrypted message.  Nothing goes over the network but the KDC exchange,
 * so a failure is about tickets, keys, clocks or the KDC, never sockets.
 */
#include "cli.h"

#include <stdlib.h>

/* Token ping-pong between the two contexts until both say SEC_E_OK.  A
 * Kerberos handshake with mutual authentication takes two legs; the bound
 * only stops a package that never finishes. */
static int handshake(struct cli_side *c, struct cli_side *s, const char *target,
                     struct cli_failure *f)
{
    void *token = NULL, *reply = NULL;
    size_t token_len = 0, reply_len = 0;
    int round;

    for (round = 0; round < 10; round++) {
        if (!c->done) {
            if (cli_client_leg(c, target, reply, reply_len, &token, &token_len, f) < 0)
                goto fail;
        }
        if (reply != NULL)
            FreeContextBuffer(reply);
        reply = NULL;
        reply_len = 0;
        if (c->done && s->done)
            return 0;
        if (token == NULL && c->done)
            break;  /* the client is done and has nothing more for the server */
        if (cli_server_leg(s, token, token_len, &reply, &reply_len, f) < 0)
            goto fail;
        if (token != NULL)
            FreeContextBuffer(token);
        token = NULL;
        token_len = 0;
        if (c->done && s->done) {
            if (reply != NULL) {    /* a final token the client no longer wants */
                FreeContextBuffer(reply);
                fprintf(stderr, "%s: the server sent a token after the client finished\n",
                        demo_progname());
                return -1;
            }
            return 0;
        }
    }
    fprintf(stderr, "%s: the handshake did not finish (client %s, server %s)\n", demo_progname(),
            c->done ? "done" : "waiting", s->done ? "done" : "waiting");
    return -1;
fail:
    if (token != NULL)
        FreeContextBuffer(token);
    if (reply != NULL)
        FreeContextBuffer(reply);
    return -1;
}

int cli_cmd_check(int argc, char **argv)
{
    struct cli_opts o;
    struct cli_identity id;
    struct cli_side client, server;
    struct cli_failure f = { 0 };
    char *client_name = NULL;
    int rc = CLI_EXIT_SYSTEM;

    if (cli_parse(argc, argv, OPT_PACKAGE | OPT_TARGET | OPT_USER | OPT_KEYTAB | OPT_VERBOSE, 0,
                  &o) < 0)
        return CLI_EXIT_USAGE;
    if (o.target == NULL) {
        fprintf(stderr, "%s: check needs --spn SERVICE/HOST (try '%s help')\n", demo_progname(),
                demo_progname());
        return CLI_EXIT_USAGE;
    }
    if (cli_use_keytab(o.keytab) < 0)
        return CLI_EXIT_SYSTEM;
    if (o.user != NULL && cli_identity_init(&id, &o) < 0)
        return CLI_EXIT_SYSTEM;
    cli_side_init(&client);
    cli_side_init(&server);

    printf("%s: checking %s with package %s\n", demo_progname(), o.target, o.package);
    printf("  %-18s %s\n", "client identity:", o.user ? o.user : "default credentials "
           "(the credential cache, KRB5CCNAME)");
    printf("  %-18s %s\n", "acceptor keytab:", getenv("KRB5_KTNAME") ? getenv("KRB5_KTNAME")
           : "the default keytab (krb5.conf default_keytab_name, or /etc/krb5.keytab)");

    if (cli_acquire_client(&client, o.package, o.user ? &id : NULL, &f) < 0 ||
        cli_acquire_server(&server, o.package, &f) < 0 ||
        handshake(&client, &server, o.target, &f) < 0)
        goto out;
    printf("%s: handshake done (%d client leg%s, %d server leg%s)\n", demo_progname(),
           client.legs, client.legs == 1 ? "" : "s", server.legs, server.legs == 1 ? "" : "s");
    if (cli_report_server(stdout, &server, o.package, &client_name, &f) < 0 ||
        cli_report_client(stdout, &client, NULL, &f) < 0 ||
        cli_message_round_trip(stdout, &client, &server, &f) < 0)
        goto out;
    printf("%s: OK: %s accepted %s\n", demo_progname(), o.target, client_name);
    rc = CLI_EXIT_OK;

out:
    if (rc != CLI_EXIT_OK && f.call != NULL)
        rc = cli_diagnose(stderr, &f, o.target);
    free(client_name);
    cli_side_free(&client);
    cli_side_free(&server);
    if (o.user != NULL)
        cli_identity_free(&id);
    return rc;
}
