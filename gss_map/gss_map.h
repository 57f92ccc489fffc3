/*
 * gss_map: pure translation between SSPI and GSS-API values.
 *
 * No state, no I/O, no allocation except where a function returns a string.
 * Every mapping is a table of rows; the functions walk the tables, the unit
 * tests check every row, and tools/gen-mapping-doc prints the same rows as
 * docs/mapping-reference.md.  A table is the single source of truth.
 */
#ifndef SSPI_SHIM_GSS_MAP_H
#define SSPI_SHIM_GSS_MAP_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <gssapi/gssapi.h>
/* MIT krb5 declares the extensions that Heimdal's gssapi.h has (IOV
 * buffers, GSS_C_DCE_STYLE and the other flags, buffer sets,
 * gss_inquire_sec_context_by_oid, gss_acquire_cred_from) in gssapi_ext.h. */
#ifndef GSS_C_DCE_STYLE
#include <gssapi/gssapi_ext.h>
#endif

#include "sspi.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------ flags */

/*
 * One row: an SSPI request flag, the GSS flag it asks for, and the SSPI
 * return flag that reports the GSS flag back.  A row with sspi_req == 0 is
 * a return-only mapping (the GSS library reports something nobody asked
 * for); a row with gss_flag == 0 is handled by the shim, not by GSS-API
 * (ALLOCATE_MEMORY, CONNECTION, ...), and `note` says how.
 */
struct gssmap_flag_row {
    ULONG sspi_req;
    const char *sspi_req_name;
    OM_uint32 gss_flag;
    const char *gss_flag_name;
    ULONG sspi_ret;
    const char *sspi_ret_name;
    const char *note;
};

extern const struct gssmap_flag_row gssmap_isc_flag_rows[];
extern const size_t gssmap_isc_flag_row_count;
extern const struct gssmap_flag_row gssmap_asc_flag_rows[];
extern const size_t gssmap_asc_flag_row_count;

/* ISC_REQ_* -> GSS_C_*_FLAG for gss_init_sec_context's req_flags. */
OM_uint32 gssmap_isc_req_to_gss(ULONG isc_req);
/* GSS ret_flags -> ISC_RET_* (only the GSS-derived bits). */
ULONG gssmap_gss_to_isc_ret(OM_uint32 gss_flags);
/* ASC_REQ_* -> GSS_C_*_FLAG (GSS acceptors mostly ignore these; kept for
 * symmetry and for mechanisms that honour them). */
OM_uint32 gssmap_asc_req_to_gss(ULONG asc_req);
/* GSS ret_flags -> ASC_RET_* (only the GSS-derived bits). */
ULONG gssmap_gss_to_asc_ret(OM_uint32 gss_flags);

/* ----------------------------------------------------------------- status */

/*
 * GSS routine error (major & GSS_C_ROUTINE_ERROR_MASK << OFFSET) -> status.
 * The same row type serves the calling-error table (routine_error then
 * holds a GSS_S_CALL_* value) and the supplementary table (a single
 * supplementary bit such as GSS_S_DUPLICATE_TOKEN).
 *
 * minor_refines says whether a krb5 minor row may replace this status:
 * 1 for generic majors (GSS_S_FAILURE, GSS_S_NO_CRED, ...), where the
 * minor code is the real reason; 0 for exact majors.  Heimdal reports a
 * tampered message as GSS_S_BAD_SIG with KRB5KRB_AP_ERR_BAD_INTEGRITY: that
 * is SEC_E_MESSAGE_ALTERED, not the wrong password the minor alone means.
 */
struct gssmap_major_row {
    OM_uint32 routine_error;
    const char *gss_name;
    SECURITY_STATUS status;
    const char *status_name;
    const char *note;
    int minor_refines;
};

/* krb5 error code carried in the minor status -> status.  Minor rows win
 * over major rows marked minor_refines: GSS_S_FAILURE with
 * KRB5KDC_ERR_PREAUTH_FAILED is a wrong password, not an internal error. */
struct gssmap_minor_row {
    int32_t krb5_code;
    const char *krb5_name;
    SECURITY_STATUS status;
    const char *status_name;
    const char *note;
};

extern const struct gssmap_major_row gssmap_major_rows[];
extern const size_t gssmap_major_row_count;
/* GSS_S_CALL_* (used only when no routine error is set). */
extern const struct gssmap_major_row gssmap_calling_rows[];
extern const size_t gssmap_calling_row_count;
/* Supplementary bits, in precedence order (first match wins). */
extern const struct gssmap_major_row gssmap_supplementary_rows[];
extern const size_t gssmap_supplementary_row_count;
extern const struct gssmap_minor_row gssmap_krb5_minor_rows[];
extern const size_t gssmap_krb5_minor_row_count;
/* Acceptor-side overrides, consulted before gssmap_krb5_minor_rows by
 * gssmap_status_side(..., GSSMAP_ACCEPTOR): a code whose meaning depends
 * on the side (KRB5KRB_AP_ERR_BAD_INTEGRITY is a wrong password to an
 * initiator and a stale keytab key to an acceptor). */
extern const struct gssmap_minor_row gssmap_krb5_acceptor_minor_rows[];
extern const size_t gssmap_krb5_acceptor_minor_row_count;

/*
 * major + minor -> SECURITY_STATUS.  GSS_S_COMPLETE -> SEC_E_OK,
 * GSS_S_CONTINUE_NEEDED -> SEC_I_CONTINUE_NEEDED; supplementary bits on a
 * complete status (DUPLICATE_TOKEN, OLD_TOKEN, UNSEQ_TOKEN, GAP_TOKEN) map
 * to errors, never SEC_E_OK.
 *
 * Order: a routine error -> its krb5 minor row if the major row has
 * minor_refines, else the major row (unknown routine errors ->
 * SEC_E_INTERNAL_ERROR); else a calling error -> its row; else a
 * supplementary bit -> its row; else CONTINUE_NEEDED or OK.  The minor is
 * ignored when there is no routine error (it is mechanism detail about a
 * failure, RFC 2743 1.2.1.2).
 *
 * gssmap_status() is the initiator's (and every non-context call's) view;
 * AcceptSecurityContext uses gssmap_status_side(..., GSSMAP_ACCEPTOR).
 */
SECURITY_STATUS gssmap_status(OM_uint32 major, OM_uint32 minor);

enum gssmap_side { GSSMAP_INITIATOR = 0, GSSMAP_ACCEPTOR = 1 };
SECURITY_STATUS gssmap_status_side(OM_uint32 major, OM_uint32 minor,
                                   enum gssmap_side side);

/* "SEC_E_LOGON_DENIED" for 0x8009030C; NULL when unknown.  Covers every
 * SEC_E_ / SEC_I_ code in include/sspi.h. */
const char *gssmap_status_name(SECURITY_STATUS status);

/* ------------------------------------------------------------------ names */

enum gssmap_name_kind {
    GSSMAP_NAME_HOSTBASED = 1,  /* "service@host": GSS_C_NT_HOSTBASED_SERVICE */
    GSSMAP_NAME_KRB5_PRINCIPAL, /* "svc/host@REALM", "user@REALM": krb5 name */
};

/* Longest name (target, user or domain) accepted, in bytes. */
#define GSSMAP_NAME_MAX 1024

/*
 * An SSPI target name (pszTargetName) -> the name to import into GSS-API.
 *   "HTTP/host"          -> hostbased "HTTP@host"
 *   "HTTP/host:8080"     -> hostbased "HTTP@host" (the port is not part of
 *                           the service principal, as Windows HTTP clients do)
 *   "HTTP/host@REALM"    -> krb5 principal "HTTP/host@REALM"
 *   "HTTP@host"          -> hostbased "HTTP@host" (GSS-API's own form)
 * Also "svc/host[:port]/name" (a three-part SPN) -> krb5 "svc/host/name",
 * and any SPN with "@REALM" is kept verbatim, port included (the way to
 * name an SPN registered with its port, such as MSSQLSvc/db:1433@REALM).
 * Strict: printable ASCII only, no '\' escapes, host a DNS name or IPv4
 * address, port 1-65535; gssmap_target_name_forms lists every form.
 * Returns 0 and a malloc'd *out, or an errno value (EINVAL for an empty,
 * over-long (> GSSMAP_NAME_MAX) or malformed name, ENOMEM).
 */
int gssmap_target_name(const char *target, enum gssmap_name_kind *kind,
                       char **out);

/*
 * A user identity (User and Domain of SEC_WINNT_AUTH_IDENTITY, either may
 * be NULL or empty) -> a krb5 principal string.
 *   user="alice@EXAMPLE.COM"                  -> "alice@EXAMPLE.COM" (UPN)
 *   user="EXAMPLE\\alice"                     -> "alice@EXAMPLE"  (see below)
 *   user="alice", domain="example.com"        -> "alice@EXAMPLE.COM"
 *   user="alice", domain=NULL                 -> "alice" (default realm)
 * A NetBIOS-style domain (no dot) that equals the first label of
 * default_realm (case-insensitive) becomes default_realm, so EXAMPLE\alice
 * works in realm EXAMPLE.COM; a domain equal to default_realm
 * (case-insensitive) becomes default_realm; any other domain is
 * uppercased (RFC 4120 6.1 domain-style realm; by convention the
 * upper-cased DNS domain, as Active Directory makes it).  A domain
 * inside user (UPN or DOMAIN\user) wins over the domain argument.
 * default_realm may be NULL.  gssmap_user_name_forms lists every form
 * and what is rejected.
 * Returns 0 and a malloc'd *out, or an errno value (EINVAL, ENOMEM).
 */
int gssmap_user_principal(const char *user, const char *domain,
                          const char *default_realm, char **out);

/*
 * One name form with an example: the unit tests run every example and
 * docs/mapping-reference.md prints them.  Rows with error != 0 are
 * rejected forms.
 */
struct gssmap_name_form {
    const char *form;           /* the shape, e.g. "service/host:port" */
    const char *in;             /* example target name, or user; NULL:
                                   a generated GSSMAP_NAME_MAX + 1 bytes */
    const char *domain;         /* example domain (user forms), or NULL */
    const char *default_realm;  /* example default realm (user forms) */
    int error;                  /* 0, or the errno the example gives */
    enum gssmap_name_kind kind; /* target forms with error == 0 */
    const char *out;            /* result when error == 0 */
    const char *note;
};

extern const struct gssmap_name_form gssmap_target_name_forms[];
extern const size_t gssmap_target_name_form_count;
extern const struct gssmap_name_form gssmap_user_name_forms[];
extern const size_t gssmap_user_name_form_count;

/* ------------------------------------------------------------------- time */

/* TimeStamp "never expires" value used by Windows (0x7FFFFFFFFFFFFFFF). */
#define GSSMAP_TIMESTAMP_NEVER ((LONGLONG)0x7FFFFFFFFFFFFFFFLL)
/* FILETIME of 1970-01-01T00:00:00Z: 100-ns ticks from 1601 to 1970. */
#define GSSMAP_FILETIME_UNIX_EPOCH ((LONGLONG)116444736000000000LL)
#define GSSMAP_FILETIME_TICKS_PER_SECOND ((LONGLONG)10000000LL)

/*
 * Unix seconds (UTC) <-> FILETIME ticks (100 ns since 1601-01-01 UTC).
 * unix_to_filetime clamps: before 1601 -> 0, past the range ->
 * GSSMAP_TIMESTAMP_NEVER.  filetime_to_unix rounds down (floor), so
 * converting back never moves a time later.
 */
LONGLONG gssmap_unix_to_filetime(time_t t);
time_t gssmap_filetime_to_unix(LONGLONG ft);

/*
 * A GSS lifetime in seconds (GSS_C_INDEFINITE for none) relative to `now`
 * -> TimeStamp in local time, as the SSPI pages ask ("local time"):
 * FILETIME of now + lifetime, shifted by the local UTC offset at that
 * instant (localtime_r's tm_gmtoff, so DST at the expiry instant counts).
 * GSS_C_INDEFINITE -> GSSMAP_TIMESTAMP_NEVER; overflow clamps to NEVER.
 * lifetime 0 converts `now` itself (a start time).
 */
void gssmap_lifetime_to_timestamp(OM_uint32 lifetime, time_t now,
                                  TimeStamp *out);

/* Examples of the time rules, checked by the tests, printed in the doc. */
struct gssmap_filetime_row {
    time_t unix_time;
    LONGLONG filetime;
    int to_filetime;  /* 1: gssmap_unix_to_filetime(unix_time) == filetime */
    int to_unix;      /* 1: gssmap_filetime_to_unix(filetime) == unix_time */
    const char *note;
};
struct gssmap_lifetime_row {
    const char *tz;   /* POSIX TZ string (no tzdata needed) */
    time_t now;
    OM_uint32 lifetime;
    LONGLONG timestamp;
    const char *note;
};

extern const struct gssmap_filetime_row gssmap_filetime_rows[];
extern const size_t gssmap_filetime_row_count;
extern const struct gssmap_lifetime_row gssmap_lifetime_rows[];
extern const size_t gssmap_lifetime_row_count;

#ifdef __cplusplus
}
#endif
#endif
