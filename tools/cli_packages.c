/*
 * sspi-shim packages [-v]: EnumerateSecurityPackagesA, each package with
 * its capabilities by SECPKG_FLAG_* name, its maximum token and RPC id.
 */
#include "cli.h"

#include <stdint.h>

struct cap_name {
    ULONG flag;
    const char *name;
};

#define CAP(f) { f, #f }
static const struct cap_name caps[] = {
    CAP(SECPKG_FLAG_INTEGRITY), CAP(SECPKG_FLAG_PRIVACY), CAP(SECPKG_FLAG_TOKEN_ONLY),
    CAP(SECPKG_FLAG_DATAGRAM), CAP(SECPKG_FLAG_CONNECTION), CAP(SECPKG_FLAG_MULTI_REQUIRED),
    CAP(SECPKG_FLAG_CLIENT_ONLY), CAP(SECPKG_FLAG_EXTENDED_ERROR),
    CAP(SECPKG_FLAG_IMPERSONATION), CAP(SECPKG_FLAG_ACCEPT_WIN32_NAME),
    CAP(SECPKG_FLAG_STREAM), CAP(SECPKG_FLAG_NEGOTIABLE), CAP(SECPKG_FLAG_GSS_COMPATIBLE),
    CAP(SECPKG_FLAG_LOGON), CAP(SECPKG_FLAG_ASCII_BUFFERS), CAP(SECPKG_FLAG_FRAGMENT),
    CAP(SECPKG_FLAG_MUTUAL_AUTH), CAP(SECPKG_FLAG_DELEGATION),
    CAP(SECPKG_FLAG_READONLY_WITH_CHECKSUM), CAP(SECPKG_FLAG_RESTRICTED_TOKENS),
    CAP(SECPKG_FLAG_NEGO_EXTENDER), CAP(SECPKG_FLAG_NEGOTIABLE2),
    CAP(SECPKG_FLAG_APPCONTAINER_PASSTHROUGH), CAP(SECPKG_FLAG_APPCONTAINER_CHECKS),
    CAP(SECPKG_FLAG_CREDENTIAL_ISOLATION_ENABLED), CAP(SECPKG_FLAG_APPLY_LOOPBACK),
};
#undef CAP

/* The capability names: comma-separated without "SECPKG_FLAG_" in the
 * table, whole and one a line with the value under -v. */
static void print_caps(FILE *out, ULONG flags, int verbose)
{
    ULONG left = flags;
    int first = 1;
    size_t i;

    for (i = 0; i < sizeof caps / sizeof caps[0]; i++) {
        if (!(flags & caps[i].flag))
            continue;
        left &= ~caps[i].flag;
        if (verbose)
            fprintf(out, "      %-40s 0x%08lX\n", caps[i].name, (unsigned long)caps[i].flag);
        else
            fprintf(out, "%s%s", first ? "" : ",", caps[i].name + sizeof "SECPKG_FLAG_" - 1);
        first = 0;
    }
    if (left != 0) {
        if (verbose)
            fprintf(out, "      %-40s 0x%08lX\n", "(bits without a name)", (unsigned long)left);
        else
            fprintf(out, "%s0x%lX", first ? "" : ",", (unsigned long)left);
    }
}

int cli_cmd_packages(int argc, char **argv)
{
    struct cli_opts o;
    struct cli_failure f;
    PSecPkgInfoA pkgs = NULL;
    ULONG n = 0, i;
    SECURITY_STATUS ss;

    if (cli_parse(argc, argv, OPT_VERBOSE, 0, &o) < 0)
        return CLI_EXIT_USAGE;
    ss = EnumerateSecurityPackagesA(&n, &pkgs);
    if (ss != SEC_E_OK) {
        cli_failure_set(&f, PHASE_QUERY, "EnumerateSecurityPackagesA", ss);
        return cli_diagnose(stderr, &f, NULL);
    }
    if (!o.verbose)
        printf("%-10s %9s %6s  %s\n", "PACKAGE", "MAX-TOKEN", "RPCID", "CAPABILITIES");
    for (i = 0; i < n; i++) {
        const SecPkgInfoA *p = &pkgs[i];
        const char *name = p->Name ? (const char *)p->Name : "?";

        if (o.verbose) {
            printf("%s\n", name);
            printf("  %-13s %s\n", "comment:", p->Comment ? (const char *)p->Comment : "");
            printf("  %-13s %lu bytes\n", "max token:", (unsigned long)p->cbMaxToken);
            printf("  %-13s %u%s\n", "RPC id:", (unsigned)p->wRPCID,
                   p->wRPCID == SECPKG_ID_NONE ? " (SECPKG_ID_NONE)" : "");
            printf("  %-13s %u\n", "version:", (unsigned)p->wVersion);
            printf("  %-13s 0x%08lX\n", "capabilities:", (unsigned long)p->fCapabilities);
            print_caps(stdout, p->fCapabilities, 1);
        } else {
            printf("%-10s %9lu %6u  ", name, (unsigned long)p->cbMaxToken, (unsigned)p->wRPCID);
            print_caps(stdout, p->fCapabilities, 0);
            printf("\n");
        }
    }
    FreeContextBuffer(pkgs);
    return CLI_EXIT_OK;
}
