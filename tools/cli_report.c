/*
 * sspi-shim(1): what an established context says about itself, through
 * QueryContextAttributesA, and one protected message each way.
 */
#include "cli.h"

#include <stdlib.h>
#include <string.h>

#define LABEL "  %-18s "

/* Package and, for Negotiate, the package it chose. */
static int print_package(FILE *out, struct cli_side *s, const char *package,
                         struct cli_failure *f)
{
    SecPkgContext_PackageInfoA pkg;
    SecPkgContext_NegotiationInfoA neg;
    SECURITY_STATUS ss;

    ss = QueryContextAttributesA(&s->ctx, SECPKG_ATTR_PACKAGE_INFO, &pkg);
    if (ss != SEC_E_OK) {
        cli_failure_set(f, PHASE_QUERY, "QueryContextAttributesA(SECPKG_ATTR_PACKAGE_INFO)", ss);
        return -1;
    }
    fprintf(out, LABEL "%s", "package:",
            pkg.PackageInfo && pkg.PackageInfo->Name ? (char *)pkg.PackageInfo->Name : "?");
    FreeContextBuffer(pkg.PackageInfo);
    if (strcmp(package, "Negotiate") == 0 &&
        QueryContextAttributesA(&s->ctx, SECPKG_ATTR_NEGOTIATION_INFO, &neg) == SEC_E_OK &&
        neg.PackageInfo != NULL) {
        fprintf(out, " (negotiated %s)", neg.PackageInfo->Name ? (char *)neg.PackageInfo->Name
                                                               : "?");
        FreeContextBuffer(neg.PackageInfo);
    }
    fputc('\n', out);
    return 0;
}

static void print_lifespan(FILE *out, struct cli_side *s)
{
    SecPkgContext_Lifespan life;
    char from[64], to[64];

    if (QueryContextAttributesA(&s->ctx, SECPKG_ATTR_LIFESPAN, &life) != SEC_E_OK) {
        fprintf(out, LABEL "%s\n", "lifetime:", "(not available)");
        return;
    }
    demo_format_timestamp(&life.tsStart, from, sizeof from);
    demo_format_timestamp(&life.tsExpiry, to, sizeof to);
    fprintf(out, LABEL "%s to %s (local time)\n", "lifetime:", from, to);
}

int cli_report_client(FILE *out, struct cli_side *s, const char *package, struct cli_failure *f)
{
    if (package != NULL && print_package(out, s, package, f) < 0)
        return -1;
    fprintf(out, LABEL, "client flags:");
    demo_print_ret_flags(out, s->attrs, 1);
    fprintf(out, "\n" LABEL "%s\n", "mutual auth:",
            (s->attrs & ISC_RET_MUTUAL_AUTH) ? "yes (the server proved its identity)" : "no");
    return 0;
}

int cli_report_server(FILE *out, struct cli_side *s, const char *package, char **client_name,
                      struct cli_failure *f)
{
    SecPkgContext_NamesA names;
    SecPkgContext_NativeNamesA native;
    SECURITY_STATUS ss;

    ss = QueryContextAttributesA(&s->ctx, SECPKG_ATTR_NAMES, &names);
    if (ss != SEC_E_OK) {
        cli_failure_set(f, PHASE_QUERY, "QueryContextAttributesA(SECPKG_ATTR_NAMES)", ss);
        return -1;
    }
    *client_name = strdup(names.sUserName ? (char *)names.sUserName : "");
    FreeContextBuffer(names.sUserName);
    if (*client_name == NULL)
        return -1;
    fprintf(out, LABEL "%s\n", "client name:", *client_name);

    /* Only Kerberos has principals (NTLM: SEC_E_UNSUPPORTED_FUNCTION). */
    if (QueryContextAttributesA(&s->ctx, SECPKG_ATTR_NATIVE_NAMES, &native) == SEC_E_OK) {
        fprintf(out, LABEL "%s\n", "client principal:",
                native.sClientName ? (char *)native.sClientName : "(none)");
        fprintf(out, LABEL "%s\n", "server principal:",
                native.sServerName ? (char *)native.sServerName : "(none)");
        FreeContextBuffer(native.sClientName);
        FreeContextBuffer(native.sServerName);
    }
    if (print_package(out, s, package, f) < 0)
        return -1;
    fprintf(out, LABEL, "server flags:");
    demo_print_ret_flags(out, s->attrs, 0);
    fputc('\n', out);
    print_lifespan(out, s);
    return 0;
}

/* ------------------------------------------------------------ messages */

/* The Windows buffer layouts: TOKEN + DATA for signatures, TOKEN + DATA +
 * PADDING for EncryptMessage, sized from SECPKG_ATTR_SIZES. */
struct sealed {
    SecBuffer buf[3];
    SecBufferDesc desc;
    unsigned char *token, *data, *pad;
};

static int sealed_init(struct sealed *m, const SecPkgContext_Sizes *sz, const char *text,
                       int with_padding)
{
    size_t n = strlen(text);

    memset(m, 0, sizeof *m);
    m->token = calloc(1, sz->cbSecurityTrailer > sz->cbMaxSignature ? sz->cbSecurityTrailer
                                                                    : sz->cbMaxSignature);
    m->data = malloc(n);
    m->pad = calloc(1, sz->cbBlockSize + 1);
    if (m->token == NULL || m->data == NULL || m->pad == NULL)
        return -1;
    memcpy(m->data, text, n);
    m->buf[0] = (SecBuffer){ with_padding ? sz->cbSecurityTrailer : sz->cbMaxSignature,
                             SECBUFFER_TOKEN, m->token };
    m->buf[1] = (SecBuffer){ (ULONG)n, SECBUFFER_DATA, m->data };
    m->buf[2] = (SecBuffer){ sz->cbBlockSize, SECBUFFER_PADDING, m->pad };
    m->desc = (SecBufferDesc){ SECBUFFER_VERSION, with_padding ? 3 : 2, m->buf };
    return 0;
}

static void sealed_free(struct sealed *m)
{
    free(m->token);
    free(m->data);
    free(m->pad);
}

int cli_message_round_trip(FILE *out, struct cli_side *client, struct cli_side *server,
                           struct cli_failure *f)
{
    static const char text[] = "sspi-shim check: a test message";
    SecPkgContext_Sizes sz;
    struct sealed m;
    ULONG qop = 0;
    SECURITY_STATUS ss;
    const char *call = "QueryContextAttributesA(SECPKG_ATTR_SIZES)";
    int rc = -1;

    ss = QueryContextAttributesA(&client->ctx, SECPKG_ATTR_SIZES, &sz);
    if (ss != SEC_E_OK)
        goto fail_nomsg;

    /* Client signs, server verifies. */
    if (sealed_init(&m, &sz, text, 0) < 0)
        goto nomem;
    call = "MakeSignature";
    ss = MakeSignature(&client->ctx, 0, &m.desc, 0);
    if (ss == SEC_E_OK) {
        call = "VerifySignature";
        ss = VerifySignature(&server->ctx, &m.desc, 0, &qop);
    }
    sealed_free(&m);
    if (ss != SEC_E_OK)
        goto fail_nomsg;
    fprintf(out, LABEL "%s\n", "signature:", "MakeSignature (client) -> VerifySignature "
            "(server): OK");

    /* Server encrypts, client decrypts and compares. */
    if (sealed_init(&m, &sz, text, 1) < 0)
        goto nomem;
    call = "EncryptMessage";
    ss = EncryptMessage(&server->ctx, 0, &m.desc, 0);
    if (ss == SEC_E_OK && memcmp(m.data, text, strlen(text)) == 0) {
        fprintf(out, "%s: EncryptMessage left the data in clear text\n", demo_progname());
        sealed_free(&m);
        return -1;
    }
    if (ss == SEC_E_OK) {
        call = "DecryptMessage";
        ss = DecryptMessage(&client->ctx, &m.desc, 0, &qop);
    }
    if (ss == SEC_E_OK && (m.buf[1].cbBuffer != strlen(text) ||
                           memcmp(m.buf[1].pvBuffer, text, strlen(text)) != 0)) {
        fprintf(out, "%s: DecryptMessage gave back other bytes than were encrypted\n",
                demo_progname());
        sealed_free(&m);
        return -1;
    }
    sealed_free(&m);
    if (ss != SEC_E_OK)
        goto fail_nomsg;
    fprintf(out, LABEL "%s\n", "encryption:", "EncryptMessage (server) -> DecryptMessage "
            "(client): OK");
    return 0;

fail_nomsg:
    cli_failure_set(f, PHASE_MESSAGE, call, ss);
    return rc;
nomem:
    sealed_free(&m);
    fprintf(stderr, "%s: out of memory\n", demo_progname());
    return -1;
}
