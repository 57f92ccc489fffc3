/*
 * sspi-shim(1): the command line the subcommands share, and the explicit
 * client identity (--user).
 */
#include "cli.h"

#include <stdlib.h>
#include <string.h>

/* Overwrite a secret before freeing it (SecureZeroMemory on Windows). */
static void wipe(void *p, size_t n)
{
    volatile unsigned char *v = p;

    while (n--)
        *v++ = 0;
}

/* "sspi-shim: <before><arg><after> (try 'sspi-shim help')" */
static int usage_error(const char *before, const char *arg, const char *after)
{
    fprintf(stderr, "%s: %s%s%s (try '%s help')\n", demo_progname(), before, arg, after,
            demo_progname());
    return -1;
}

int cli_parse(int argc, char **argv, unsigned allowed, int want_positional, struct cli_opts *o)
{
    int i;

    memset(o, 0, sizeof *o);
    o->package = "Negotiate";
    for (i = 1; i < argc; i++) {
        const char *a = argv[i];
        int has_value = i + 1 < argc;

        if ((allowed & OPT_PACKAGE) && strcmp(a, "--package") == 0 && has_value) {
            o->package = argv[++i];
        } else if ((allowed & OPT_TARGET) && (strcmp(a, "--target") == 0 ||
                                              strcmp(a, "--spn") == 0) && has_value) {
            o->target = argv[++i];
        } else if ((allowed & OPT_USER) && strcmp(a, "--user") == 0 && has_value) {
            o->user = argv[++i];
        } else if ((allowed & OPT_USER) && strcmp(a, "--password") == 0 && has_value) {
            o->password_arg = argv[++i];
        } else if ((allowed & OPT_USER) && strcmp(a, "--password-file") == 0 && has_value) {
            o->password_file = argv[++i];
        } else if ((allowed & OPT_KEYTAB) && strcmp(a, "--keytab") == 0 && has_value) {
            o->keytab = argv[++i];
        } else if ((allowed & OPT_PORT) && strcmp(a, "--port") == 0 && has_value) {
            if (demo_parse_port(argv[++i], 1, &o->port) < 0)
                return -1;
            o->have_port = 1;
        } else if ((allowed & OPT_PORT) && strcmp(a, "--port-file") == 0 && has_value) {
            o->port_file = argv[++i];
        } else if ((allowed & OPT_PORT) && strcmp(a, "--bind") == 0 && has_value) {
            o->bind = argv[++i];
        } else if ((allowed & OPT_ONCE) && strcmp(a, "--once") == 0) {
            o->once = 1;
        } else if ((allowed & OPT_VERBOSE) && (strcmp(a, "-v") == 0 ||
                                               strcmp(a, "--verbose") == 0)) {
            o->verbose = 1;
        } else if (a[0] == '-' && a[1] != '\0') {
            return usage_error("", a, ": unknown option, or its value is missing");
        } else if (want_positional && o->positional == NULL) {
            o->positional = a;
        } else {
            return usage_error("unexpected argument '", a, "'");
        }
    }
    if ((o->password_arg || o->password_file) && o->user == NULL)
        return usage_error("", o->password_arg ? "--password" : "--password-file", " needs --user");
    if (o->password_arg && o->password_file)
        return usage_error("give --password or --password-file, not both", "", "");
    return 0;
}

int cli_use_keytab(const char *keytab)
{
    char *name;
    size_t n;

    if (keytab == NULL)
        return 0;
    /* A bare path gets the FILE: prefix; "FILE:...", "MEMORY:..." pass. */
    n = strlen(keytab) + sizeof "FILE:";
    name = malloc(n);
    if (name == NULL)
        return -1;
    if (strchr(keytab, ':') != NULL && keytab[0] != '/')
        snprintf(name, n, "%s", keytab);
    else
        snprintf(name, n, "FILE:%s", keytab);
    if (setenv("KRB5_KTNAME", name, 1) != 0) {
        free(name);
        return -1;
    }
    free(name);
    return 0;
}

/* The first line of a file or of standard input, without its newline. */
static char *read_line(const char *path)
{
    char buf[1024];
    FILE *f = path ? fopen(path, "r") : stdin;
    char *p = NULL;

    if (f == NULL) {
        fprintf(stderr, "%s: cannot open the password file %s\n", demo_progname(), path);
        return NULL;
    }
    if (fgets(buf, sizeof buf, f) != NULL) {
        buf[strcspn(buf, "\r\n")] = '\0';
        p = strdup(buf);
    } else {
        fprintf(stderr, "%s: --user without a password: none on %s\n", demo_progname(),
                path ? path : "standard input");
    }
    wipe(buf, sizeof buf);
    if (path != NULL)
        fclose(f);
    return p;
}

int cli_identity_init(struct cli_identity *id, const struct cli_opts *o)
{
    const char *bs = strchr(o->user, '\\');

    memset(id, 0, sizeof *id);
    id->password = o->password_arg ? strdup(o->password_arg) : read_line(o->password_file);
    if (id->password == NULL)
        return -1;
    if (bs != NULL) {
        id->domain = strndup(o->user, (size_t)(bs - o->user));
        id->user = strdup(bs + 1);
    } else {
        id->user = strdup(o->user);
    }
    if (id->user == NULL || (bs != NULL && id->domain == NULL)) {
        fprintf(stderr, "%s: out of memory\n", demo_progname());
        cli_identity_free(id);
        return -1;
    }
    id->a.User = (unsigned char *)id->user;
    id->a.UserLength = (ULONG)strlen(id->user);
    id->a.Domain = (unsigned char *)id->domain;
    id->a.DomainLength = id->domain ? (ULONG)strlen(id->domain) : 0;
    id->a.Password = (unsigned char *)id->password;
    id->a.PasswordLength = (ULONG)strlen(id->password);
    id->a.Flags = SEC_WINNT_AUTH_IDENTITY_ANSI;
    return 0;
}

void cli_identity_free(struct cli_identity *id)
{
    if (id->password != NULL) {
        wipe(id->password, strlen(id->password));
        free(id->password);
    }
    free(id->user);
    free(id->domain);
    memset(id, 0, sizeof *id);
}
