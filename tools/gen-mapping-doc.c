/*
 * Prints docs/mapping-reference.md from the gss_map tables, so the
 * reference is generated from the code and never written twice.
 * tests/mapping-doc-current.sh fails when the committed copy drifts.
 *
 * Output must not depend on the environment: no locale, and the time
 * examples come from the tables (the tests check them), not from "now".
 */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L /* gmtime_r, also under -std=c11 */
#endif

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "gss_map.h"

/* Text inside a Markdown table cell: '|' would end the cell, '<' start
 * an HTML tag, '*' emphasis, and '\' escape what follows. */
static void cell(const char *s)
{
    for (; *s != '\0'; s++) {
        if (*s == '|' || *s == '*' || *s == '\\')
            printf("\\%c", *s);
        else if (*s == '<')
            fputs("&lt;", stdout);
        else
            putchar(*s);
    }
}

/* A C string literal in a code span: unambiguous for controls, 8-bit
 * bytes and backslashes. */
static void literal(const char *s)
{
    if (s == NULL) {
        fputs("NULL", stdout);
        return;
    }
    fputs("`\"", stdout);
    for (const unsigned char *p = (const unsigned char *)s; *p != '\0'; p++) {
        if (*p == '\\' || *p == '"')
            printf("\\%c", *p);
        else if (*p == '\n')
            fputs("\\n", stdout);
        else if (*p == '\t')
            fputs("\\t", stdout);
        else if (*p == '|')
            fputs("\\|", stdout);
        else if (*p < 0x20 || *p >= 0x7f)
            printf("\\x%02x", *p);
        else
            putchar(*p);
    }
    fputs("\"`", stdout);
}

/* A form example; NULL stands for a generated over-long name. */
static void example(const char *s)
{
    if (s == NULL)
        printf("(%d bytes)", GSSMAP_NAME_MAX + 1);
    else
        literal(s);
}

static const char *status_name(SECURITY_STATUS st)
{
    const char *n = gssmap_status_name(st);
    return n != NULL ? n : "?";
}

static void utc(time_t t)
{
    struct tm tm;
    char buf[64];
    if (gmtime_r(&t, &tm) == NULL || strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
        printf("%lld", (long long)t);
    else
        printf("%lld (%s)", (long long)t, buf);
}

/* ------------------------------------------------------------- flags */

static void flag_table(const char *title, const char *who, const struct gssmap_flag_row *rows,
                       size_t n)
{
    printf("### %s\n\n", title);
    printf("| %s request | GSS flag | %s return | Note |\n", who, who);
    printf("|---|---|---|---|\n");
    for (size_t i = 0; i < n; i++) {
        const struct gssmap_flag_row *r = &rows[i];
        printf("| ");
        if (r->sspi_req != 0)
            printf("`%s` 0x%08X", r->sspi_req_name, (unsigned)r->sspi_req);
        else
            printf("(return only)");
        printf(" | ");
        if (r->gss_flag != 0)
            printf("`%s` 0x%X", r->gss_flag_name, (unsigned)r->gss_flag);
        else
            printf("0 (shim)");
        printf(" | ");
        if (r->sspi_ret != 0)
            printf("`%s` 0x%08X", r->sspi_ret_name, (unsigned)r->sspi_ret);
        else
            printf("-");
        printf(" | ");
        cell(r->note);
        printf(" |\n");
    }
    printf("\n");
}

static void flags(void)
{
    printf("## 1. Context flags\n\n");
    printf("Functions: `gssmap_isc_req_to_gss`, `gssmap_gss_to_isc_ret`, "
           "`gssmap_asc_req_to_gss`, `gssmap_gss_to_asc_ret`.\n\n");
    printf("- A request bit maps to the GSS flag of its row; the GSS `ret_flags` of "
           "`gss_init_sec_context`/`gss_accept_sec_context` map back through the return "
           "column.\n");
    printf("- \"0 (shim)\" rows are not GSS-API's business: the shim implements them and "
           "reports the return bit shown when it honours the request (\"-\": never "
           "reported). The GSS direction never produces those return bits.\n");
    printf("- \"(return only)\" rows decide what happens to a flag the GSS library reports "
           "unasked.\n");
    printf("- Bits with no row are dropped in both directions. Each GSS flag has one row "
           "per table, so the return direction is unambiguous.\n");
    printf("- SSPI values are the Windows SDK's: `ASC_REQ_*`/`ASC_RET_*` differ from "
           "`ISC_*` (e.g. `ISC_RET_INTEGRITY` 0x00010000, `ASC_RET_INTEGRITY` 0x00020000). "
           "GSS values are RFC 2744's plus the Heimdal/MIT extensions.\n");
    printf("- The 64-bit SDK flags (`ISC_REQ_MESSAGES` and later) do not fit the ULONG "
           "`fContextReq` and have no rows.\n\n");
    flag_table("InitializeSecurityContext (ISC)", "ISC", gssmap_isc_flag_rows,
               gssmap_isc_flag_row_count);
    flag_table("AcceptSecurityContext (ASC)", "ASC", gssmap_asc_flag_rows,
               gssmap_asc_flag_row_count);
}

/* ------------------------------------------------------------ status */

static void major_table(const char *title, const char *col, const struct gssmap_major_row *rows,
                        size_t n, int show_refine)
{
    printf("### %s\n\n", title);
    if (show_refine) {
        printf("| %s | SECURITY_STATUS | krb5 minor refines | Note |\n", col);
        printf("|---|---|---|---|\n");
    } else {
        printf("| %s | SECURITY_STATUS | Note |\n", col);
        printf("|---|---|---|\n");
    }
    for (size_t i = 0; i < n; i++) {
        const struct gssmap_major_row *r = &rows[i];
        printf("| `%s` 0x%08X | `%s` 0x%08X | ", r->gss_name, (unsigned)r->routine_error,
               r->status_name, (unsigned)r->status);
        if (show_refine)
            printf("%s | ", r->minor_refines ? "yes" : "no (exact)");
        cell(r->note);
        printf(" |\n");
    }
    printf("\n");
}

static void minor_table(const char *title, const struct gssmap_minor_row *rows, size_t n)
{
    printf("### %s\n\n", title);
    printf("| krb5 code | value | SECURITY_STATUS | Note |\n");
    printf("|---|---|---|---|\n");
    for (size_t i = 0; i < n; i++) {
        const struct gssmap_minor_row *r = &rows[i];
        printf("| `%s` | %ld | `%s` 0x%08X | ", r->krb5_name, (long)r->krb5_code, r->status_name,
               (unsigned)r->status);
        cell(r->note);
        printf(" |\n");
    }
    printf("\n");
}

static void status(void)
{
    printf("## 2. Status codes\n\n");
    printf("Functions: `gssmap_status(major, minor)` (initiator and every non-context call) "
           "and `gssmap_status_side(major, minor, GSSMAP_ACCEPTOR)` "
           "(AcceptSecurityContext). Order of evaluation:\n\n");
    printf("1. A routine error (RFC 2744 3.9.1): if its row says the krb5 minor refines it "
           "and the minor code has a row, that row's status; else the routine row's. The "
           "acceptor consults the acceptor-side rows before the common ones. A routine "
           "error without a row gives `%s`.\n",
           status_name(gssmap_status(20ul << GSS_C_ROUTINE_ERROR_OFFSET, 0)));
    printf("2. Else a calling error: its row (unknown: `%s`).\n",
           status_name(gssmap_status(4ul << GSS_C_CALLING_ERROR_OFFSET, 0)));
    printf("3. Else a supplementary bit, first match in table order. These are errors "
           "even on a complete status: never `SEC_E_OK`.\n");
    printf("4. Else `GSS_S_CONTINUE_NEEDED` gives `%s`, and `GSS_S_COMPLETE` gives `%s`. "
           "The minor code is ignored without a routine error.\n\n",
           status_name(gssmap_status(GSS_S_CONTINUE_NEEDED, 0)),
           status_name(gssmap_status(GSS_S_COMPLETE, 0)));
    printf("Heimdal 7.8 was observed to report: wrong password, unknown/expired client, "
           "expired password, KDC policy and unreachable KDC from "
           "`gss_acquire_cred_with_password` as `GSS_S_NO_CRED` + krb5 code; unknown SPN, "
           "clock skew and expired ccache from `gss_init_sec_context` as `GSS_S_FAILURE` + "
           "krb5 code; a wrong or missing keytab key from `gss_accept_sec_context` as "
           "`GSS_S_FAILURE` + `KRB5KRB_AP_ERR_BAD_INTEGRITY` / `KRB5_KT_END`; a tampered "
           "message from `gss_unwrap`/`gss_verify_mic` as `GSS_S_BAD_SIG` + "
           "`KRB5KRB_AP_ERR_BAD_INTEGRITY`.\n\n");
    major_table("Routine errors", "GSS routine error", gssmap_major_rows,
                gssmap_major_row_count, 1);
    major_table("Calling errors", "GSS calling error", gssmap_calling_rows,
                gssmap_calling_row_count, 0);
    major_table("Supplementary bits", "GSS supplementary bit", gssmap_supplementary_rows,
                gssmap_supplementary_row_count, 0);
    minor_table("krb5 minor codes (both sides)", gssmap_krb5_minor_rows,
                gssmap_krb5_minor_row_count);
    minor_table("krb5 minor codes, acceptor side only", gssmap_krb5_acceptor_minor_rows,
                gssmap_krb5_acceptor_minor_row_count);
}

/* ------------------------------------------------------------- names */

static void names(void)
{
    printf("## 3. Names\n\n");
    printf("Examples are C string literals. Every row is run by "
           "tests/check_gss_map_names.c.\n\n");
    printf("### Target names: `gssmap_target_name`\n\n");
    printf("Grammar: `service/host[:port][/name][@REALM]` or `service@host`. Service and "
           "third part: letters, digits, `-`, `_`, `.`. Host and realm: DNS-style names "
           "(labels of 1-63 letters, digits, `-`, `_`; single dots; at most 255 bytes) or "
           "IPv4 addresses. Port: 1-65535. Only printable ASCII, no spaces, no `\\` "
           "escapes; at most %d bytes. Anything else is `EINVAL`. Hostbased results are "
           "imported as `GSS_C_NT_HOSTBASED_SERVICE`, krb5 results as "
           "`GSS_KRB5_NT_PRINCIPAL_NAME`. Case is kept.\n\n",
           GSSMAP_NAME_MAX);
    printf("| Form | Example | Result | Note |\n|---|---|---|---|\n");
    for (size_t i = 0; i < gssmap_target_name_form_count; i++) {
        const struct gssmap_name_form *f = &gssmap_target_name_forms[i];
        printf("| ");
        cell(f->form);
        printf(" | ");
        example(f->in);
        printf(" | ");
        if (f->error == 0) {
            printf("%s ", f->kind == GSSMAP_NAME_HOSTBASED ? "hostbased" : "krb5");
            literal(f->out);
        } else {
            printf("EINVAL");
        }
        printf(" | ");
        cell(f->note);
        printf(" |\n");
    }
    printf("\n### User identities: `gssmap_user_principal`\n\n");
    printf("User and Domain of `SEC_WINNT_AUTH_IDENTITY` -> krb5 principal. User names: "
           "well-formed UTF-8 without controls, no `@` or `\\` except as the one domain "
           "separator, no leading/trailing space, `/` allowed (krb5 instance). Domains: "
           "DNS-style names as above. Domain -> realm: equal to the default realm "
           "(any case) or, without a dot, equal to its first label -> the default realm "
           "as spelled; otherwise upper-cased. A domain inside User (UPN or "
           "`DOMAIN\\user`) wins over the Domain field. User or Domain over %d bytes: "
           "`EINVAL`.\n\n",
           GSSMAP_NAME_MAX);
    printf("| Form | User | Domain | Default realm | Result | Note |\n"
           "|---|---|---|---|---|---|\n");
    for (size_t i = 0; i < gssmap_user_name_form_count; i++) {
        const struct gssmap_name_form *f = &gssmap_user_name_forms[i];
        printf("| ");
        cell(f->form);
        printf(" | ");
        example(f->in);
        printf(" | ");
        literal(f->domain);
        printf(" | ");
        literal(f->default_realm);
        printf(" | ");
        if (f->error == 0)
            literal(f->out);
        else
            printf("EINVAL");
        printf(" | ");
        cell(f->note);
        printf(" |\n");
    }
    printf("\n");
}

/* -------------------------------------------------------------- time */

static void times(void)
{
    printf("## 4. Time\n\n");
    printf("- FILETIME counts 100-ns ticks since 1601-01-01T00:00:00Z: "
           "`GSSMAP_FILETIME_UNIX_EPOCH` = %lld ticks to 1970, "
           "`GSSMAP_FILETIME_TICKS_PER_SECOND` = %lld.\n",
           (long long)GSSMAP_FILETIME_UNIX_EPOCH, (long long)GSSMAP_FILETIME_TICKS_PER_SECOND);
    printf("- `gssmap_unix_to_filetime` clamps: before 1601 -> 0; past the range -> "
           "`GSSMAP_TIMESTAMP_NEVER` (0x%016llX). `gssmap_filetime_to_unix` rounds down.\n",
           (unsigned long long)GSSMAP_TIMESTAMP_NEVER);
    printf("- `gssmap_lifetime_to_timestamp(lifetime, now)`: `GSS_C_INDEFINITE` -> NEVER; "
           "else FILETIME(now + lifetime) plus the local UTC offset at that instant "
           "(`localtime_r`'s `tm_gmtoff`, so DST at expiry counts), because the SSPI pages "
           "ask for TimeStamps in local time. Overflow clamps to NEVER, underflow to 0. "
           "Lifetime 0 converts `now` itself (start times).\n\n");
    printf("### FILETIME conversions\n\n");
    printf("| Unix time | FILETIME | Checked | Note |\n|---|---|---|---|\n");
    for (size_t i = 0; i < gssmap_filetime_row_count; i++) {
        const struct gssmap_filetime_row *r = &gssmap_filetime_rows[i];
        printf("| ");
        utc(r->unix_time);
        printf(" | %lld | %s | ", (long long)r->filetime,
               r->to_filetime && r->to_unix ? "both ways"
               : r->to_filetime              ? "Unix -> FILETIME"
                                             : "FILETIME -> Unix");
        cell(r->note);
        printf(" |\n");
    }
    printf("\n### Lifetimes to TimeStamp\n\n");
    printf("| TZ | now | lifetime (s) | TimeStamp | Note |\n|---|---|---|---|---|\n");
    for (size_t i = 0; i < gssmap_lifetime_row_count; i++) {
        const struct gssmap_lifetime_row *r = &gssmap_lifetime_rows[i];
        printf("| `%s` | ", r->tz);
        utc(r->now);
        if (r->lifetime == GSS_C_INDEFINITE)
            printf(" | `GSS_C_INDEFINITE`");
        else
            printf(" | %lu", (unsigned long)r->lifetime);
        if (r->timestamp == GSSMAP_TIMESTAMP_NEVER)
            printf(" | NEVER | ");
        else
            printf(" | %lld | ", (long long)r->timestamp);
        cell(r->note);
        printf(" |\n");
    }
}

int main(void)
{
    printf("# gss_map mapping reference\n\n");
    printf("<!-- Generated by tools/gen-mapping-doc from the tables in gss_map/. Do not "
           "edit: change the tables, then regenerate with\n"
           "     $(top_builddir)/tools/gen-mapping-doc > $(top_srcdir)/docs/mapping-reference.md\n"
           "     tests/mapping-doc-current.sh fails when this file drifts. -->\n\n");
    printf("How sspi-shim translates between SSPI and GSS-API values: context flags, "
           "status codes, names and times. Each table below is a table in the code; the "
           "unit tests check every row.\n\n");
    flags();
    status();
    names();
    times();
    return ferror(stdout) ? EXIT_FAILURE : EXIT_SUCCESS;
}
