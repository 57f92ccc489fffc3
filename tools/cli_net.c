/*
 * sspi-shim client / server: the handshake over TCP with the framing of
 * examples/demo_net.h (4-byte big-endian length, then the token; the
 * server's last frame is "hello <client name>\n" in clear text), so the
 * tool's client talks to sspi-demo-server and its server to
 * sspi-demo-client, and either end to the other tool.
 */
#include "cli.h"

#include <stdlib.h>
#include <string.h>

/* Send the token of a leg when there is one, or an empty frame when the
 * peer waits for an answer (demo_net.h's rule). */
static int send_token(int fd, void *token, size_t len, int peer_waits)
{
    int r = 0;

    if (len > 0 || peer_waits)
        r = demo_send_msg(fd, token, len);
    if (token != NULL)
        FreeContextBuffer(token);
    return r;
}

/* HOST:PORT, [V6]:PORT, or PORT alone (127.0.0.1). */
static int split_host_port(const char *arg, char **host, unsigned short *port)
{
    const char *colon = strrchr(arg, ':');
    const char *p = colon ? colon + 1 : arg;
    size_t hlen = colon ? (size_t)(colon - arg) : 0;

    *host = NULL;
    if (demo_parse_port(p, 0, port) < 0)
        return -1;
    if (hlen >= 2 && arg[0] == '[' && arg[hlen - 1] == ']') {
        arg++;
        hlen -= 2;
    }
    if (hlen > 0 && (*host = strndup(arg, hlen)) == NULL)
        return -1;
    return 0;
}

int cli_cmd_client(int argc, char **argv)
{
    struct cli_opts o;
    struct cli_identity id;
    struct cli_side c;
    struct cli_failure f = { 0 };
    unsigned char *in = NULL;
    size_t in_len = 0;
    char *host = NULL;
    unsigned short port;
    int fd = -1, rc = CLI_EXIT_SYSTEM;

    if (cli_parse(argc, argv, OPT_PACKAGE | OPT_TARGET | OPT_USER, 1, &o) < 0)
        return CLI_EXIT_USAGE;
    if (o.target == NULL || o.positional == NULL) {
        fprintf(stderr, "%s: client needs --target SPN and HOST:PORT (try '%s help')\n",
                demo_progname(), demo_progname());
        return CLI_EXIT_USAGE;
    }
    if (split_host_port(o.positional, &host, &port) < 0)
        return CLI_EXIT_USAGE;
    if (o.user != NULL && cli_identity_init(&id, &o) < 0) {
        free(host);
        return CLI_EXIT_SYSTEM;
    }
    cli_side_init(&c);

    if (cli_acquire_client(&c, o.package, o.user ? &id : NULL, &f) < 0)
        goto out;
    if ((fd = demo_connect_host(host, port)) < 0)
        goto out;
    for (;;) {
        void *token;
        size_t token_len;

        if (cli_client_leg(&c, o.target, in, in_len, &token, &token_len, &f) < 0)
            goto out;
        free(in);
        in = NULL;
        if (send_token(fd, token, token_len, !c.done) < 0)
            goto out;
        if (c.done)
            break;
        if (demo_recv_msg(fd, &in, &in_len, DEMO_MSG_MAX) < 0) {
            /* The demo protocol has no error message: a server that
             * refuses the token closes the connection. */
            fprintf(stderr, "%s: FAILED: the server ended the handshake: it refused the "
                    "client's token (the server's output says why)\n", demo_progname());
            rc = CLI_EXIT_AUTH;
            goto out;
        }
    }
    printf("%s: authenticated to %s as %s\n", demo_progname(), o.target,
           o.user ? o.user : "the default identity");
    if (cli_report_client(stdout, &c, o.package, &f) < 0)
        goto out;
    if (demo_recv_msg(fd, &in, &in_len, 4096) < 0)
        goto out;
    if (in_len < 6 || memcmp(in, "hello ", 6) != 0) {
        fprintf(stderr, "%s: the server's last message is not \"hello <name>\"\n",
                demo_progname());
        goto out;
    }
    in[strcspn((char *)in, "\r\n")] = '\0';
    printf("  %-18s %s\n", "server says:", (char *)in);
    rc = CLI_EXIT_OK;

out:
    if (rc != CLI_EXIT_OK && f.call != NULL)
        rc = cli_diagnose(stderr, &f, o.target);
    free(in);
    free(host);
    demo_close(fd);
    cli_side_free(&c);
    if (o.user != NULL)
        cli_identity_free(&id);
    return rc;
}

/* One connection: the acceptor loop, the report, the greeting. */
static int serve(int fd, CredHandle *cred, const char *package)
{
    struct cli_side s;
    struct cli_failure f = { 0 };
    char *client_name = NULL;
    int rc = CLI_EXIT_SYSTEM;

    cli_side_init(&s);
    s.cred = *cred;     /* borrowed: cli_side_free must not free it */
    while (!s.done) {
        unsigned char *in;
        size_t in_len;
        void *token;
        size_t token_len;
        int r;

        if (demo_recv_msg(fd, &in, &in_len, DEMO_MSG_MAX) < 0)
            goto out;
        r = cli_server_leg(&s, in, in_len, &token, &token_len, &f);
        free(in);
        if (r < 0 || send_token(fd, token, token_len, !s.done) < 0)
            goto out;
    }
    printf("%s: authenticated a client\n", demo_progname());
    if (cli_report_server(stdout, &s, package, &client_name, &f) < 0)
        goto out;
    {
        size_t n = strlen(client_name) + sizeof "hello \n";
        char *hello = malloc(n);

        if (hello == NULL)
            goto out;
        snprintf(hello, n, "hello %s\n", client_name);
        rc = demo_send_msg(fd, hello, n - 1) < 0 ? CLI_EXIT_SYSTEM : CLI_EXIT_OK;
        free(hello);
    }
out:
    if (rc != CLI_EXIT_OK && f.call != NULL)
        rc = cli_diagnose(stderr, &f, NULL);
    free(client_name);
    s.have_cred = 0;
    cli_side_free(&s);
    fflush(stdout);
    return rc;
}

int cli_cmd_server(int argc, char **argv)
{
    struct cli_opts o;
    struct cli_side listener;
    struct cli_failure f = { 0 };
    unsigned short bound;
    int lfd, rc = CLI_EXIT_OK;

    if (cli_parse(argc, argv, OPT_PACKAGE | OPT_KEYTAB | OPT_PORT | OPT_ONCE, 0, &o) < 0)
        return CLI_EXIT_USAGE;
    if (!o.have_port && o.port_file == NULL) {
        fprintf(stderr, "%s: server needs --port N (0: any free port, with --port-file) "
                "(try '%s help')\n", demo_progname(), demo_progname());
        return CLI_EXIT_USAGE;
    }
    if (cli_use_keytab(o.keytab) < 0)
        return CLI_EXIT_SYSTEM;
    cli_side_init(&listener);
    if (cli_acquire_server(&listener, o.package, &f) < 0)
        return cli_diagnose(stderr, &f, NULL);
    lfd = demo_listen_on(o.bind, o.port, &bound);
    if (lfd < 0 || (o.port_file != NULL && demo_write_port_file(o.port_file, bound) < 0)) {
        demo_close(lfd);
        cli_side_free(&listener);
        return CLI_EXIT_SYSTEM;
    }
    printf("%s: %s server listening on %s:%u\n", demo_progname(), o.package,
           o.bind ? o.bind : "127.0.0.1", (unsigned)bound);
    fflush(stdout);
    for (;;) {
        int cfd = demo_accept(lfd);

        if (cfd < 0) {
            rc = CLI_EXIT_SYSTEM;
            break;
        }
        rc = serve(cfd, &listener.cred, o.package);
        demo_close(cfd);
        if (o.once)
            break;
        /* A long-running server outlives a client that failed: the
         * diagnosis is printed, the next client may do better. */
    }
    demo_close(lfd);
    cli_side_free(&listener);
    return rc;
}
