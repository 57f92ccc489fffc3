/*
 * GSS major + krb5 minor -> SECURITY_STATUS, and SECURITY_STATUS names.
 *
 * GSS side: RFC 2743 1.2.1.1 and RFC 2744 3.9 (status layout, calling,
 * routine and supplementary fields).  SSPI side: the "SSPI Status Codes"
 * page and the Return value sections of InitializeSecurityContext
 * (Kerberos) and AcceptSecurityContext (Kerberos), whose error lists
 * are the codes Windows callers test for.  krb5 codes come from the GSS
 * library's own headers (com_err tables krb5 and, for Heimdal, gk5), so
 * the numbers can never drift from the library's.
 *
 * Pairs observed with Heimdal 7.8 (see docs/mapping-reference.md): wrong
 * password, unknown or expired client, expired password and KDC trouble
 * all come from gss_acquire_cred_with_password as GSS_S_NO_CRED with the
 * krb5 code as minor; an unknown SPN and a wrong keytab key come as
 * GSS_S_FAILURE; a tampered message as GSS_S_BAD_SIG with
 * KRB5KRB_AP_ERR_BAD_INTEGRITY.  Hence minor_refines per major row.
 */
#include "config.h"

#include <errno.h>

#include <krb5.h>
#include <gssapi/gssapi_krb5.h>
#if defined(__has_include)
#if __has_include(<gssapi/gkrb5_err.h>)
#include <gssapi/gkrb5_err.h> /* Heimdal's GSS-krb5 minor codes */
#endif
#if __has_include(<hx509_err.h>)
#include <hx509_err.h> /* Heimdal's PKINIT card codes */
#endif
#endif

#include <stdbool.h>

#include "gss_map.h"
#include "gssapi_sspi_shim_credssp.h"
#include "gssapi_sspi_shim_digest.h"

/* NTSTATUS that AcceptSecurityContext (Digest) returns for a call after
 * establishment (ntstatus.h; winerror.h has no SEC_ name for it). */
#ifndef STATUS_LOGON_FAILURE
#define STATUS_LOGON_FAILURE ((SECURITY_STATUS)0xC000006DL)
#endif

/* MIT spells a few codes differently; the table uses Heimdal's names. */
#if !defined(KRB5KDC_ERR_KEY_EXPIRED) && defined(KRB5KDC_ERR_KEY_EXP)
#define KRB5KDC_ERR_KEY_EXPIRED KRB5KDC_ERR_KEY_EXP
#endif

#ifdef SSPI_SHIM_MIT
/* MIT's own GSS minor codes for what Heimdal's gk5 table (gkrb5_err.h)
 * names below; MIT installs no header for them.  com_err tables k5g
 * (src/lib/gssapi/krb5/gssapi_err_krb5.et, base 39756032) and ggss
 * (src/lib/gssapi/generic/gssapi_err_generic.et, base -2045022976). */
#define KG_CCACHE_NOMATCH (39756032L)
#define KG_KEYTAB_NOMATCH (39756033L)
#define KG_TGT_MISSING (39756034L)
#define KG_EMPTY_CCACHE (39756044L)
#define G_BAD_SERVICE_NAME (-2045022976L)
#define G_UNKNOWN_QOP (-2045022968L)
#endif

#define GSSN(x) x, #x
#define SEC(x) x, #x

/* --------------------------------------------------------- major rows */

const struct gssmap_major_row gssmap_major_rows[] = {
    {GSSN(GSS_S_BAD_MECH), SEC(SEC_E_SECPKG_NOT_FOUND),
     "The mechanism (package) is not available.", 0},
    {GSSN(GSS_S_BAD_NAME), SEC(SEC_E_TARGET_UNKNOWN),
     "A name that cannot be used: for ISC that is the target (\"The target "
     "was not recognized\").", 1},
    {GSSN(GSS_S_BAD_NAMETYPE), SEC(SEC_E_TARGET_UNKNOWN),
     "Name of a type the mechanism does not take; same answer as BAD_NAME.", 0},
    {GSSN(GSS_S_BAD_BINDINGS), SEC(SEC_E_BAD_BINDINGS),
     "Channel bindings mismatch (RFC 2743 1.1.6).", 0},
    {GSSN(GSS_S_BAD_STATUS), SEC(SEC_E_INTERNAL_ERROR),
     "Only gss_display_status returns it: a shim bug.", 0},
    {GSSN(GSS_S_BAD_SIG), SEC(SEC_E_MESSAGE_ALTERED),
     "MIC/wrap token does not verify (GSS_S_BAD_MIC). Exact: wins over the "
     "KRB5KRB_AP_ERR_BAD_INTEGRITY minor Heimdal adds.", 0},
    {GSSN(GSS_S_NO_CRED), SEC(SEC_E_NO_CREDENTIALS),
     "No usable credential. Heimdal reports every AS-exchange failure of "
     "gss_acquire_cred_with_password this way, so the minor decides.", 1},
    {GSSN(GSS_S_NO_CONTEXT), SEC(SEC_E_INVALID_HANDLE),
     "No valid context: the SSPI name for it.", 0},
    {GSSN(GSS_S_DEFECTIVE_TOKEN), SEC(SEC_E_INVALID_TOKEN),
     "Malformed token (\"a token corrupted in transit\", ISC page).", 0},
    {GSSN(GSS_S_DEFECTIVE_CREDENTIAL), SEC(SEC_E_NO_CREDENTIALS),
     "Credential failed consistency checks: unusable, so none.", 1},
    {GSSN(GSS_S_CREDENTIALS_EXPIRED), SEC(SEC_E_NO_CREDENTIALS),
     "Windows renews tickets itself and has no 'credentials expired' code; "
     "the ISC (Kerberos) error list has NO_CREDENTIALS, and Heimdal reports "
     "an expired ccache as KRB5_CC_NOTFOUND. The cure is the same: new credentials.", 1},
    {GSSN(GSS_S_CONTEXT_EXPIRED), SEC(SEC_E_CONTEXT_EXPIRED),
     "Context lifetime over.", 0},
    {GSSN(GSS_S_FAILURE), SEC(SEC_E_INTERNAL_ERROR),
     "Mechanism failure: the minor code says why; without a matching row "
     "it is \"an error that did not map to an SSPI error code\" (ISC page).", 1},
    {GSSN(GSS_S_BAD_QOP), SEC(SEC_E_QOP_NOT_SUPPORTED), "Unsupported fQOP.", 0},
    {GSSN(GSS_S_UNAUTHORIZED), SEC(SEC_E_LOGON_DENIED),
     "Operation not permitted by local policy (RFC 2743 1.2.1.1): denied.", 1},
    {GSSN(GSS_S_UNAVAILABLE), SEC(SEC_E_UNSUPPORTED_FUNCTION),
     "Operation or option unavailable.", 0},
    {GSSN(GSS_S_DUPLICATE_ELEMENT), SEC(SEC_E_INTERNAL_ERROR),
     "gss_add_cred of an element already present: a shim bug.", 0},
    {GSSN(GSS_S_NAME_NOT_MN), SEC(SEC_E_INTERNAL_ERROR),
     "Name not canonicalized before export: a shim bug.", 0},
    {GSSN(GSS_S_BAD_MECH_ATTR), SEC(SEC_E_SECPKG_NOT_FOUND),
     "Unknown mechanism attribute (RFC 5587): no such package.", 0},
};
const size_t gssmap_major_row_count = sizeof(gssmap_major_rows) / sizeof(gssmap_major_rows[0]);

/* Calling errors mean the shim passed GSS-API a bad argument; when the
 * caller's own argument was at fault the best SSPI name is this one. */
const struct gssmap_major_row gssmap_calling_rows[] = {
    {GSSN(GSS_S_CALL_INACCESSIBLE_READ), SEC(SEC_E_INVALID_PARAMETER),
     "A required input parameter could not be read.", 0},
    {GSSN(GSS_S_CALL_INACCESSIBLE_WRITE), SEC(SEC_E_INVALID_PARAMETER),
     "A required output parameter could not be written.", 0},
    {GSSN(GSS_S_CALL_BAD_STRUCTURE), SEC(SEC_E_INVALID_PARAMETER),
     "A parameter was malformed.", 0},
};
const size_t gssmap_calling_row_count =
    sizeof(gssmap_calling_rows) / sizeof(gssmap_calling_rows[0]);

/* RFC 2743 1.2.3: per-message sequencing.  These are informatory in
 * GSS-API, but SSPI has no "OK, but replayed" status, and a caller that
 * asked for REPLAY/SEQUENCE_DETECT relies on getting an error. */
const struct gssmap_major_row gssmap_supplementary_rows[] = {
    {GSSN(GSS_S_DUPLICATE_TOKEN), SEC(SEC_E_OUT_OF_SEQUENCE),
     "Replayed token. SSPI has no replay code; VerifySignature/DecryptMessage "
     "report it as out of sequence. Also fatal during establishment (RFC 2743 2.2.2).", 0},
    {GSSN(GSS_S_OLD_TOKEN), SEC(SEC_E_OUT_OF_SEQUENCE),
     "Too old to check for duplication: treated as a possible replay.", 0},
    {GSSN(GSS_S_UNSEQ_TOKEN), SEC(SEC_E_OUT_OF_SEQUENCE),
     "A later token was already processed.", 0},
    {GSSN(GSS_S_GAP_TOKEN), SEC(SEC_E_OUT_OF_SEQUENCE),
     "Expected tokens were skipped.", 0},
};
const size_t gssmap_supplementary_row_count =
    sizeof(gssmap_supplementary_rows) / sizeof(gssmap_supplementary_rows[0]);

/* --------------------------------------------------------- minor rows */

#define K5(x) (int32_t)(x), #x

const struct gssmap_minor_row gssmap_krb5_minor_rows[] = {
    /* Logon refused by the KDC.  Windows answers all of these with "The
     * logon attempt failed" and does not reveal which (LogonUser gives
     * ERROR_LOGON_FAILURE for an unknown user as for a bad password). */
    {K5(KRB5KDC_ERR_PREAUTH_FAILED), SEC(SEC_E_LOGON_DENIED),
     "Wrong password (what Heimdal's KDC answers, preauth required or not)."},
    {K5(KRB5KRB_AP_ERR_BAD_INTEGRITY), SEC(SEC_E_LOGON_DENIED),
     "Initiator: the AS-REP does not decrypt with the password key (KDCs "
     "without required preauth). Acceptor side: see the acceptor table."},
    {K5(KRB5_PREAUTH_FAILED), SEC(SEC_E_LOGON_DENIED),
     "Client library could not complete preauthentication with the password."},
    {K5(KRB5KDC_ERR_PREAUTH_REQUIRED), SEC(SEC_E_LOGON_DENIED),
     "Surfaces only when no preauth method succeeded: the logon failed."},
    {K5(KRB5KDC_ERR_C_PRINCIPAL_UNKNOWN), SEC(SEC_E_LOGON_DENIED),
     "Unknown user. Not NO_CREDENTIALS: Windows does not reveal whether the "
     "account exists (same answer as a wrong password)."},
    {K5(KRB5KDC_ERR_NAME_EXP), SEC(SEC_E_LOGON_DENIED),
     "Account expired (Windows: STATUS_ACCOUNT_EXPIRED, a failed logon)."},
    {K5(KRB5KDC_ERR_CLIENT_REVOKED), SEC(SEC_E_LOGON_DENIED),
     "Account disabled or locked out (Windows: STATUS_ACCOUNT_DISABLED/LOCKED_OUT, "
     "NTSTATUS values; kept to SEC_ codes)."},
    {K5(KRB5KDC_ERR_CLIENT_NOTYET), SEC(SEC_E_LOGON_DENIED), "Account not yet valid."},
    {K5(KRB5KDC_ERR_KEY_EXPIRED), SEC(SEC_E_LOGON_DENIED),
     "Password expired. Windows returns the NTSTATUS STATUS_PASSWORD_EXPIRED "
     "(0xC0000071); winerror.h has no SEC_E_PASSWORD_EXPIRED, so LOGON_DENIED."},
    {K5(KRB5KDC_ERR_POLICY), SEC(SEC_E_LOGON_DENIED),
     "KDC policy refuses the principal (e.g. Heimdal disallow-all-tix): "
     "an account restriction, a failed logon."},
    {K5(KRB5KRB_AP_ERR_BADADDR), SEC(SEC_E_LOGON_DENIED),
     "Ticket used from an address it is not valid for."},
    {K5(KRB5KDC_ERR_PADATA_TYPE_NOSUPP), SEC(SEC_E_UNSUPPORTED_PREAUTH),
     "The KDC does not support the preauthentication type offered."},
#ifdef HX509_PKCS11_PIN_INCORRECT
    /* Smart-card (PKINIT) logon, Heimdal: hx509 tells the card's answers
     * apart (MIT reports all of them as KRB5_PREAUTH_FAILED, above). */
    {K5(HX509_PKCS11_PIN_INCORRECT), SEC(SEC_E_LOGON_DENIED),
     "Wrong PIN: as a wrong password (Windows: STATUS_WRONG_PASSWORD)."},
    {K5(HX509_PKCS11_PIN_LOCKED), SEC(SEC_E_LOGON_DENIED),
     "The card's PIN is locked after too many wrong ones."},
    {K5(HX509_PKCS11_PIN_EXPIRED), SEC(SEC_E_LOGON_DENIED), "The card's PIN has expired."},
    {K5(HX509_PKCS11_NO_SLOT), SEC(SEC_E_NO_CREDENTIALS),
     "No token: the card was removed after AcquireCredentialsHandle found it."},
    {K5(HX509_PKCS11_NO_TOKEN), SEC(SEC_E_NO_CREDENTIALS), "No token in the reader."},
    {K5(HX509_PKCS11_LOAD), SEC(SEC_E_NO_CREDENTIALS), "The PKCS#11 module does not load."},
#endif

    /* Credentials the caller does not have. */
    {K5(KRB5_FCC_NOFILE), SEC(SEC_E_NO_CREDENTIALS), "No credential cache file (no kinit)."},
    {K5(KRB5_CC_NOTFOUND), SEC(SEC_E_NO_CREDENTIALS),
     "No matching credential in the cache; Heimdal also reports an expired TGT so."},
    {K5(KRB5_CC_END), SEC(SEC_E_NO_CREDENTIALS), "Cache exhausted without a match."},
    {K5(KRB5_CC_NOSUPP), SEC(SEC_E_NO_CREDENTIALS), "Cache type cannot do the operation."},
    {K5(KRB5_CC_BADNAME), SEC(SEC_E_NO_CREDENTIALS), "KRB5CCNAME is malformed."},
    {K5(KRB5_CC_UNKNOWN_TYPE), SEC(SEC_E_NO_CREDENTIALS), "Unknown cache type in KRB5CCNAME."},
    {K5(KRB5_CC_FORMAT), SEC(SEC_E_NO_CREDENTIALS), "Unreadable (corrupt) cache."},
    {K5(KRB5_FCC_PERM), SEC(SEC_E_NO_CREDENTIALS), "Cache not readable by this user."},
    {K5(KRB5_NOCREDS_SUPPLIED), SEC(SEC_E_NO_CREDENTIALS), "No credentials given."},
    {K5(KRB5KDC_ERR_TGT_REVOKED), SEC(SEC_E_NO_CREDENTIALS),
     "The TGT is no longer accepted: new credentials are needed."},
#ifdef GSS_KRB5_S_KG_CCACHE_NOMATCH
    {K5(GSS_KRB5_S_KG_CCACHE_NOMATCH), SEC(SEC_E_NO_CREDENTIALS),
     "The cache holds another principal than the one asked for."},
#endif
#ifdef GSS_KRB5_S_KG_TGT_MISSING
    {K5(GSS_KRB5_S_KG_TGT_MISSING), SEC(SEC_E_NO_CREDENTIALS), "No TGT in the cache."},
#endif
#ifdef KG_CCACHE_NOMATCH
    {K5(KG_CCACHE_NOMATCH), SEC(SEC_E_NO_CREDENTIALS),
     "The cache holds another principal than the one asked for (MIT)."},
    {K5(KG_TGT_MISSING), SEC(SEC_E_NO_CREDENTIALS), "No TGT in the cache (MIT)."},
    {K5(KG_EMPTY_CCACHE), SEC(SEC_E_NO_CREDENTIALS), "The cache is empty (MIT)."},
#endif
    {K5(KRB5_KT_UNKNOWN_TYPE), SEC(SEC_E_NO_CREDENTIALS),
     "Acceptor: unknown keytab type in KRB5_KTNAME."},
    {K5(KRB5_KT_BADNAME), SEC(SEC_E_NO_CREDENTIALS), "Acceptor: malformed keytab name."},

    /* The KDC cannot be found or reached. */
    {K5(KRB5_KDC_UNREACH), SEC(SEC_E_NO_AUTHENTICATING_AUTHORITY),
     "No KDC answered (Heimdal also says so for a realm it cannot locate)."},
    {K5(KRB5_REALM_CANT_RESOLVE), SEC(SEC_E_NO_AUTHENTICATING_AUTHORITY),
     "KDC host name does not resolve."},
    {K5(KRB5_REALM_UNKNOWN), SEC(SEC_E_NO_AUTHENTICATING_AUTHORITY),
     "No KDC known for the realm (\"the domain name could be wrong\", ISC page)."},
    {K5(KRB5_CONFIG_NODEFREALM), SEC(SEC_E_NO_AUTHENTICATING_AUTHORITY),
     "No default realm: like a machine in no domain."},
    {K5(KRB5KDC_ERR_SVC_UNAVAILABLE), SEC(SEC_E_NO_AUTHENTICATING_AUTHORITY),
     "The KDC cannot serve the request now."},

    /* The target (service principal). */
    {K5(KRB5KDC_ERR_S_PRINCIPAL_UNKNOWN), SEC(SEC_E_TARGET_UNKNOWN),
     "The KDC has no such SPN (Heimdal: GSS_S_FAILURE from init_sec_context)."},
    {K5(KRB5KDC_ERR_PRINCIPAL_NOT_UNIQUE), SEC(SEC_E_TARGET_UNKNOWN),
     "Duplicate SPN: the target cannot be identified."},
    {K5(KRB5KDC_ERR_SERVICE_EXP), SEC(SEC_E_TARGET_UNKNOWN), "Service principal expired."},
    {K5(KRB5KDC_ERR_SERVICE_REVOKED), SEC(SEC_E_TARGET_UNKNOWN),
     "Service principal disabled."},
    {K5(KRB5KDC_ERR_SERVICE_NOTYET), SEC(SEC_E_TARGET_UNKNOWN),
     "Service principal not yet valid."},
    {K5(KRB5_ERR_HOST_REALM_UNKNOWN), SEC(SEC_E_TARGET_UNKNOWN),
     "No realm for the target host (domain_realm)."},
#ifdef GSS_KRB5_S_G_BAD_SERVICE_NAME
    {K5(GSS_KRB5_S_G_BAD_SERVICE_NAME), SEC(SEC_E_TARGET_UNKNOWN),
     "Malformed service name."},
#endif
#ifdef G_BAD_SERVICE_NAME
    {K5(G_BAD_SERVICE_NAME), SEC(SEC_E_TARGET_UNKNOWN), "Malformed service name (MIT)."},
#endif

    /* Acceptor key problems: the ticket was not made for a key this
     * acceptor has.  Windows' client calls that SEC_E_WRONG_PRINCIPAL
     * ("the target principal name is incorrect"), e.g. on KRB_AP_ERR_MODIFIED. */
    {K5(KRB5_KT_NOTFOUND), SEC(SEC_E_WRONG_PRINCIPAL), "No key for the ticket's server."},
#ifdef KRB5_KT_KVNONOTFOUND
    {K5(KRB5_KT_KVNONOTFOUND), SEC(SEC_E_WRONG_PRINCIPAL),
     "Keytab lacks the ticket's key version (MIT)."},
#endif
    {K5(KRB5_KT_END), SEC(SEC_E_WRONG_PRINCIPAL),
     "Heimdal's acceptor: \"Failed to find <SPN> in keytab\"."},
    {K5(KRB5KRB_AP_ERR_BADKEYVER), SEC(SEC_E_WRONG_PRINCIPAL),
     "Ticket key version not available (stale keytab)."},
    {K5(KRB5KRB_AP_ERR_MODIFIED), SEC(SEC_E_WRONG_PRINCIPAL),
     "Ticket does not decrypt with the acceptor's key: the SPN belongs to "
     "another key/account. Windows ISC's classic WRONG_PRINCIPAL case."},
    {K5(KRB5KRB_AP_ERR_NOKEY), SEC(SEC_E_WRONG_PRINCIPAL), "Acceptor has no key."},
    {K5(KRB5KRB_AP_WRONG_PRINC), SEC(SEC_E_WRONG_PRINCIPAL),
     "Ticket is for another principal."},
    {K5(KRB5KRB_AP_ERR_NOT_US), SEC(SEC_E_WRONG_PRINCIPAL), "Ticket is not for us."},
#ifdef GSS_KRB5_S_KG_KEYTAB_NOMATCH
    {K5(GSS_KRB5_S_KG_KEYTAB_NOMATCH), SEC(SEC_E_WRONG_PRINCIPAL),
     "No keytab entry matches the acceptor name."},
#endif
#ifdef KG_KEYTAB_NOMATCH
    {K5(KG_KEYTAB_NOMATCH), SEC(SEC_E_WRONG_PRINCIPAL),
     "No keytab entry matches the acceptor name (MIT)."},
#endif
    {K5(KRB5KRB_AP_ERR_MUT_FAIL), SEC(SEC_E_WRONG_PRINCIPAL),
     "Mutual authentication failed: the ISC (Kerberos) page names this WRONG_PRINCIPAL."},
    {K5(KRB5_MUTUAL_FAILED), SEC(SEC_E_WRONG_PRINCIPAL),
     "Mutual authentication failed (client-side code)."},

    /* Clocks. */
    {K5(KRB5KRB_AP_ERR_SKEW), SEC(SEC_E_TIME_SKEW), "Clock skew too great."},
    {K5(KRB5_KDCREP_SKEW), SEC(SEC_E_TIME_SKEW), "KDC reply outside the clock skew."},
    {K5(KRB5KRB_AP_ERR_TKT_NYV), SEC(SEC_E_TIME_SKEW),
     "Ticket not yet valid: in practice a clock ahead of the KDC's."},
    {K5(KRB5KDC_ERR_NEVER_VALID), SEC(SEC_E_TIME_SKEW),
     "Requested lifetime ends before it starts: a clock problem."},
    {K5(KRB5KRB_AP_ERR_TKT_EXPIRED), SEC(SEC_E_CONTEXT_EXPIRED),
     "The ticket the context rests on has expired; a new context (ticket) is needed."},

    /* Replays. */
    {K5(KRB5KRB_AP_ERR_REPEAT), SEC(SEC_E_OUT_OF_SEQUENCE),
     "Replayed authenticator: the same code as GSS_S_DUPLICATE_TOKEN."},
    {K5(KRB5_RC_REPLAY), SEC(SEC_E_OUT_OF_SEQUENCE), "Replay cache hit."},
    {K5(KRB5KRB_AP_ERR_BADORDER), SEC(SEC_E_OUT_OF_SEQUENCE), "Message out of order."},
    {K5(KRB5KRB_AP_ERR_BADSEQ), SEC(SEC_E_OUT_OF_SEQUENCE), "Bad sequence number."},

    /* Tokens and algorithms. */
    {K5(KRB5KRB_AP_ERR_MSG_TYPE), SEC(SEC_E_INVALID_TOKEN), "Not the expected Kerberos message."},
    {K5(KRB5KRB_AP_ERR_BADVERSION), SEC(SEC_E_INVALID_TOKEN), "Wrong protocol version."},
    {K5(KRB5KDC_ERR_ETYPE_NOSUPP), SEC(SEC_E_KDC_UNKNOWN_ETYPE),
     "No common encryption type with the KDC (there is no SEC_E_ETYPE_NOT_SUPP)."},
    {K5(KRB5_PROG_ETYPE_NOSUPP), SEC(SEC_E_ALGORITHM_MISMATCH),
     "The library lacks the encryption type (e.g. a ticket in a disabled etype)."},
    {K5(KRB5_BAD_ENCTYPE), SEC(SEC_E_ALGORITHM_MISMATCH), "Encryption type not supported."},
    {K5(KRB5KDC_ERR_SUMTYPE_NOSUPP), SEC(SEC_E_CRYPTO_SYSTEM_INVALID),
     "The KDC lacks the checksum type."},
    {K5(KRB5_PROG_SUMTYPE_NOSUPP), SEC(SEC_E_CRYPTO_SYSTEM_INVALID),
     "The library lacks the checksum type."},
#ifdef GSS_KRB5_S_G_UNKNOWN_QOP
    {K5(GSS_KRB5_S_G_UNKNOWN_QOP), SEC(SEC_E_QOP_NOT_SUPPORTED), "Unknown QOP."},
#endif
#ifdef G_UNKNOWN_QOP
    {K5(G_UNKNOWN_QOP), SEC(SEC_E_QOP_NOT_SUPPORTED), "Unknown QOP (MIT)."},
#endif

    /* A token the krb5 library could not decode (RFC 4120 messages are
     * DER).  Only reached through GSS_S_FAILURE: a GSS library that
     * recognised the token as defective says GSS_S_DEFECTIVE_TOKEN. */
    {K5(ASN1_BAD_TIMEFORMAT), SEC(SEC_E_INVALID_TOKEN), "Malformed DER in a token."},
    {K5(ASN1_MISSING_FIELD), SEC(SEC_E_INVALID_TOKEN), "Malformed DER in a token."},
    {K5(ASN1_MISPLACED_FIELD), SEC(SEC_E_INVALID_TOKEN), "Malformed DER in a token."},
    {K5(ASN1_TYPE_MISMATCH), SEC(SEC_E_INVALID_TOKEN), "Malformed DER in a token."},
    {K5(ASN1_OVERFLOW), SEC(SEC_E_INVALID_TOKEN), "Malformed DER in a token."},
    {K5(ASN1_OVERRUN), SEC(SEC_E_INVALID_TOKEN), "Truncated token (measured: garbage AP-REP)."},
    {K5(ASN1_BAD_ID), SEC(SEC_E_INVALID_TOKEN), "Malformed DER in a token."},
    {K5(ASN1_BAD_LENGTH), SEC(SEC_E_INVALID_TOKEN), "Malformed DER in a token."},
    {K5(ASN1_BAD_FORMAT), SEC(SEC_E_INVALID_TOKEN), "Malformed DER in a token."},
    {K5(ASN1_PARSE_ERROR), SEC(SEC_E_INVALID_TOKEN),
     "Malformed DER; Heimdal 7.8's SPNEGO returns this code as the *major* status "
     "(measured: garbage NegTokenResp), see gssmap_status_side."},
    /* Heimdal's ASN.1 compiler has more error codes than MIT's decoder. */
#ifdef ASN1_EXTRA_DATA
    {K5(ASN1_EXTRA_DATA), SEC(SEC_E_INVALID_TOKEN), "Malformed DER in a token."},
    {K5(ASN1_BAD_CHARACTER), SEC(SEC_E_INVALID_TOKEN), "Malformed DER in a token."},
    {K5(ASN1_MIN_CONSTRAINT), SEC(SEC_E_INVALID_TOKEN), "Malformed DER in a token."},
    {K5(ASN1_MAX_CONSTRAINT), SEC(SEC_E_INVALID_TOKEN), "Malformed DER in a token."},
    {K5(ASN1_EXACT_CONSTRAINT), SEC(SEC_E_INVALID_TOKEN), "Malformed DER in a token."},
    {K5(ASN1_INDEF_OVERRUN), SEC(SEC_E_INVALID_TOKEN), "Malformed BER in a token."},
    {K5(ASN1_INDEF_UNDERRUN), SEC(SEC_E_INVALID_TOKEN), "Malformed BER in a token."},
    {K5(ASN1_GOT_BER), SEC(SEC_E_INVALID_TOKEN), "BER where DER is required."},
    {K5(ASN1_INDEF_EXTRA_DATA), SEC(SEC_E_INVALID_TOKEN), "Malformed BER in a token."},
#endif
    /* ...and MIT's decoder a few of its own. */
#ifdef ASN1_MISSING_EOC
    {K5(ASN1_BAD_GMTIME), SEC(SEC_E_INVALID_TOKEN), "Malformed time in a token."},
    {K5(ASN1_INDEF), SEC(SEC_E_INVALID_TOKEN), "Indefinite length where DER is required."},
    {K5(ASN1_MISSING_EOC), SEC(SEC_E_INVALID_TOKEN), "Malformed BER in a token."},
    {K5(ASN1_OMITTED), SEC(SEC_E_INVALID_TOKEN), "A required field is missing in a token."},
#endif

    /* The sspi-shim Digest mechanism's own minor codes
     * (include/gssapi_sspi_shim_digest.h), for the "WDigest" package.  They
     * refine the majors marked so (GSS_S_FAILURE, GSS_S_NO_CRED, ...);
     * where the mechanism's major is exact (DEFECTIVE_TOKEN, BAD_BINDINGS,
     * BAD_SIG, DUPLICATE_TOKEN) the major row decides. */
    {K5(GSS_SSPI_SHIM_DIGEST_S_LOGON_DENIED), SEC(SEC_E_LOGON_DENIED),
     "Digest: unknown user or wrong password (the response does not verify). "
     "One answer for both, as Windows gives."},
    {K5(GSS_SSPI_SHIM_DIGEST_S_BAD_MESSAGE), SEC(SEC_E_INVALID_TOKEN),
     "Digest: the challenge, response or rspauth does not parse (RFC 7616 3.3-3.5, RFC 2831 2.1)."},
    {K5(GSS_SSPI_SHIM_DIGEST_S_BAD_PARAMS), SEC(SEC_E_INVALID_TOKEN),
     "Digest: malformed parameter token (a shim bug or a foreign caller)."},
    {K5(GSS_SSPI_SHIM_DIGEST_S_NONCE_FOREIGN), SEC(SEC_E_INVALID_TOKEN),
     "Digest: a nonce this server never issued (other key or realm, forged). INVALID_TOKEN, "
     "not LOGON_DENIED: no password was tried, the response answers no challenge of ours."},
    {K5(GSS_SSPI_SHIM_DIGEST_S_NONCE_REPLAYED), SEC(SEC_E_OUT_OF_SEQUENCE),
     "Digest: nonce and nc already used. Message calls: out of sequence; "
     "AcceptSecurityContext answers SEC_E_LOGON_DENIED (its page lists no sequence error)."},
    {K5(GSS_SSPI_SHIM_DIGEST_S_RSPAUTH_MISMATCH), SEC(SEC_E_MUTUAL_AUTH_FAILED),
     "Digest client: the server's rspauth is wrong (RFC 7616 3.5): mutual authentication failed."},
    {K5(GSS_SSPI_SHIM_DIGEST_S_QOP_REFUSED), SEC(SEC_E_SECURITY_QOS_FAILED),
     "Digest: no acceptable qop, algorithm or cipher in common."},
    {K5(GSS_SSPI_SHIM_DIGEST_S_BINDINGS), SEC(SEC_E_BAD_BINDINGS),
     "Digest: channel-binding policy not met (ASC page: \"Channel binding policy was not satisfied\")."},
    {K5(GSS_SSPI_SHIM_DIGEST_S_NO_USER_STORE), SEC(SEC_E_NO_CREDENTIALS),
     "Digest acceptor without a user store (no SSPI_SHIM_DIGEST_USERS, no configuration)."},
    {K5(GSS_SSPI_SHIM_DIGEST_S_USER_STORE), SEC(SEC_E_NO_CREDENTIALS),
     "Digest: the htdigest or password file is unreadable or malformed: no usable credential."},
    {K5(GSS_SSPI_SHIM_DIGEST_S_NO_PASSWORD), SEC(SEC_E_NO_CREDENTIALS),
     "Digest initiator without a password credential (there is no default one)."},
    {K5(GSS_SSPI_SHIM_DIGEST_S_ESTABLISHED), SEC(STATUS_LOGON_FAILURE),
     "Digest: a context call after establishment (the ASC (Digest) page's STATUS_LOGON_FAILURE)."},
    {K5(GSS_SSPI_SHIM_DIGEST_S_WRONG_MODE), SEC(SEC_E_UNSUPPORTED_FUNCTION),
     "Digest: an HTTP call on a SASL context or the reverse."},
    {K5(GSS_SSPI_SHIM_DIGEST_S_NO_LAYER), SEC(SEC_E_QOP_NOT_SUPPORTED),
     "Digest SASL: signing or sealing when qop=auth negotiated no security layer (RFC 2831 2.3)."},
    {K5(GSS_SSPI_SHIM_DIGEST_S_CRYPTO), SEC(SEC_E_INTERNAL_ERROR), "Digest: libcrypto failed."},
    {K5(GSS_SSPI_SHIM_DIGEST_S_LIMIT), SEC(SEC_E_INVALID_TOKEN),
     "Digest: a value over its limit (overlong directive, too many challenges)."},
    {K5(GSS_SSPI_SHIM_DIGEST_S_NONCE_KEY), SEC(SEC_E_NO_CREDENTIALS),
     "Digest acceptor: the configured nonce key file (nonce_key_file, "
     "SSPI_SHIM_DIGEST_NONCE_KEY_FILE) is unreadable or not 16 to 128 bytes: no usable credential."},

    /* The sspi-shim CredSSP mechanism's minor codes
     * (include/gssapi_sspi_shim_credssp.h), for the "CredSSP" package: the
     * return codes of the CredSSP ISC/ASC pages. */
    {K5(GSS_SSPI_SHIM_CREDSSP_S_TLS), SEC(SEC_E_INVALID_TOKEN),
     "CredSSP: the TLS handshake or a TLS record failed (not TLS, bad MAC, no common cipher)."},
    {K5(GSS_SSPI_SHIM_CREDSSP_S_BAD_MESSAGE), SEC(SEC_E_INVALID_TOKEN),
     "CredSSP: a TSRequest or TSCredentials does not decode (MS-CSSP 2.2.1)."},
    {K5(GSS_SSPI_SHIM_CREDSSP_S_VERSION), SEC(SEC_E_UNSUPPORTED_FUNCTION),
     "CredSSP: the peer's TSRequest version is below the minimum (2-4 are opt-in: "
     "CVE-2018-0886) or changed during the exchange."},
    {K5(GSS_SSPI_SHIM_CREDSSP_S_PROTOCOL), SEC(SEC_E_INVALID_TOKEN),
     "CredSSP: a message out of order (credentials before the server proved its key, "
     "pubKeyAuth before the inner context completed, ...)."},
    {K5(GSS_SSPI_SHIM_CREDSSP_S_PUBKEY_AUTH), SEC(SEC_E_MUTUAL_AUTH_FAILED),
     "CredSSP: pubKeyAuth does not match this TLS session's server key: a man in the middle, "
     "or a peer bound to another session (MS-CSSP 3.1.5)."},
    {K5(GSS_SSPI_SHIM_CREDSSP_S_NONCE_REPLAYED), SEC(SEC_E_OUT_OF_SEQUENCE),
     "CredSSP acceptor: a clientNonce already seen (a replayed pubKeyAuth); reported as a "
     "replayed Kerberos authenticator is."},
    {K5(GSS_SSPI_SHIM_CREDSSP_S_PEER_ERROR), SEC(SEC_E_LOGON_DENIED),
     "CredSSP: the peer ended the exchange with TSRequest.errorCode (its logon failed)."},
    {K5(GSS_SSPI_SHIM_CREDSSP_S_LOGON_DENIED), SEC(SEC_E_LOGON_DENIED),
     "CredSSP acceptor: the client's NTLM response inside CredSSP did not verify (wrong "
     "password or unknown user), as Windows' AcceptSecurityContext reports it."},
    {K5(GSS_SSPI_SHIM_CREDSSP_S_INNER), SEC(SEC_E_INTERNAL_ERROR),
     "CredSSP: the inner context could not wrap or unwrap a CredSSP field."},
    {K5(GSS_SSPI_SHIM_CREDSSP_S_NO_PASSWORD), SEC(SEC_E_NO_CREDENTIALS),
     "CredSSP initiator without credentials to delegate (there is no default one)."},
    {K5(GSS_SSPI_SHIM_CREDSSP_S_DELEGATION_POLICY), SEC(SEC_E_DELEGATION_POLICY),
     "CredSSP: the delegation policy (SSPI_SHIM_CREDSSP_ALLOW_FRESH_CREDENTIALS, default "
     "TERMSRV/ targets) does not allow this target."},
    {K5(GSS_SSPI_SHIM_CREDSSP_S_POLICY_NTLM_ONLY), SEC(SEC_E_POLICY_NLTM_ONLY),
     "CredSSP: delegation asked for, but the inner context gave no mutual authentication "
     "(NTLM) and the NTLM-only policy does not allow this target."},
    {K5(GSS_SSPI_SHIM_CREDSSP_S_MUTUAL_AUTH_FAILED), SEC(SEC_E_MUTUAL_AUTH_FAILED),
     "CredSSP: ISC_REQ_MUTUAL_AUTH, and the inner context did not authenticate the server."},
    {K5(GSS_SSPI_SHIM_CREDSSP_S_CERT), SEC(SEC_E_NO_CREDENTIALS),
     "CredSSP acceptor: the server certificate or key is unreadable or does not match."},
    {K5(GSS_SSPI_SHIM_CREDSSP_S_ESTABLISHED), SEC(SEC_E_INVALID_HANDLE),
     "CredSSP: a context call after establishment."},
    {K5(GSS_SSPI_SHIM_CREDSSP_S_GSS_LIBRARY), SEC(SEC_E_INTERNAL_ERROR),
     "CredSSP: the mechanism could not reach the GSS library for its inner context."},
    {K5(GSS_SSPI_SHIM_CREDSSP_S_LIMIT), SEC(SEC_E_INVALID_TOKEN),
     "CredSSP: a TSRequest over its size limit."},

    /* Delegation and memory. */
    {K5(KRB5_TKT_NOT_FORWARDABLE), SEC(SEC_E_DELEGATION_POLICY),
     "ISC_REQ_DELEGATE but the TGT is not forwardable."},
    {K5(KRB5_CC_NOMEM), SEC(SEC_E_INSUFFICIENT_MEMORY), "Out of memory in the cache layer."},
    {K5(ENOMEM), SEC(SEC_E_INSUFFICIENT_MEMORY),
     "Heimdal's krb5 error codes include errno values; ENOMEM is unambiguous."},
};
const size_t gssmap_krb5_minor_row_count =
    sizeof(gssmap_krb5_minor_rows) / sizeof(gssmap_krb5_minor_rows[0]);

const struct gssmap_minor_row gssmap_krb5_acceptor_minor_rows[] = {
    {K5(KRB5KRB_AP_ERR_BAD_INTEGRITY), SEC(SEC_E_WRONG_PRINCIPAL),
     "Acceptor: the ticket does not decrypt with the keytab key of that "
     "version (Heimdal's answer to a stale or foreign keytab), the "
     "wrong-acceptor-key case. Windows' own ASC says LOGON_DENIED here."},
};
const size_t gssmap_krb5_acceptor_minor_row_count =
    sizeof(gssmap_krb5_acceptor_minor_rows) / sizeof(gssmap_krb5_acceptor_minor_rows[0]);

/* ----------------------------------------------------------- mapping */

static const struct gssmap_minor_row *find_minor(const struct gssmap_minor_row *rows, size_t n,
                                                 OM_uint32 minor)
{
    for (size_t i = 0; i < n; i++)
        if ((OM_uint32)rows[i].krb5_code == minor)
            return &rows[i];
    return NULL;
}

/* RFC 2744 3.9.1: calling errors 1-3, routine errors 1-18 (plus the
 * GSS_S_BAD_MECH_ATTR extension); anything else is no GSS status. */
static bool well_formed_major(OM_uint32 major)
{
    return GSS_CALLING_ERROR(major) <= GSS_S_CALL_BAD_STRUCTURE &&
           (GSS_ROUTINE_ERROR(major) >> GSS_C_ROUTINE_ERROR_OFFSET) <= 19;
}

SECURITY_STATUS gssmap_status_side(OM_uint32 major, OM_uint32 minor, enum gssmap_side side)
{
    /* A library that returns a raw error code where a GSS major belongs
     * (Heimdal 7.8's SPNEGO does, with ASN.1 decode errors) is answered
     * with that code's minor row, else as an internal error. */
    if (!well_formed_major(major)) {
        const struct gssmap_minor_row *m =
            find_minor(gssmap_krb5_minor_rows, gssmap_krb5_minor_row_count, major);
        return m != NULL ? m->status : SEC_E_INTERNAL_ERROR;
    }
    OM_uint32 routine = GSS_ROUTINE_ERROR(major);
    OM_uint32 calling = GSS_CALLING_ERROR(major);

    if (routine != 0) {
        const struct gssmap_major_row *row = NULL;
        for (size_t i = 0; i < gssmap_major_row_count; i++)
            if (gssmap_major_rows[i].routine_error == routine)
                row = &gssmap_major_rows[i];
        if (row == NULL)
            return SEC_E_INTERNAL_ERROR; /* a routine error newer than this table */
        if (row->minor_refines && minor != 0) {
            const struct gssmap_minor_row *m = NULL;
            if (side == GSSMAP_ACCEPTOR)
                m = find_minor(gssmap_krb5_acceptor_minor_rows,
                               gssmap_krb5_acceptor_minor_row_count, minor);
            if (m == NULL)
                m = find_minor(gssmap_krb5_minor_rows, gssmap_krb5_minor_row_count, minor);
            if (m != NULL)
                return m->status;
        }
        return row->status;
    }
    if (calling != 0) {
        for (size_t i = 0; i < gssmap_calling_row_count; i++)
            if (gssmap_calling_rows[i].routine_error == calling)
                return gssmap_calling_rows[i].status;
        return SEC_E_INTERNAL_ERROR;
    }
    for (size_t i = 0; i < gssmap_supplementary_row_count; i++)
        if (major & gssmap_supplementary_rows[i].routine_error)
            return gssmap_supplementary_rows[i].status;
    if (major & GSS_S_CONTINUE_NEEDED)
        return SEC_I_CONTINUE_NEEDED;
    return SEC_E_OK;
}

SECURITY_STATUS gssmap_status(OM_uint32 major, OM_uint32 minor)
{
    return gssmap_status_side(major, minor, GSSMAP_INITIATOR);
}

/* ------------------------------------------------------------- names */

/* Every SEC_E_ / SEC_I_ code of winerror.h, in value order.  The aliases
 * SEC_E_NO_SPM (= SEC_E_INTERNAL_ERROR) and SEC_E_NOT_SUPPORTED
 * (= SEC_E_UNSUPPORTED_FUNCTION) resolve to the canonical name. */
static const struct {
    SECURITY_STATUS status;
    const char *name;
} status_names[] = {
    {SEC(SEC_E_OK)},
    {SEC(SEC_E_INSUFFICIENT_MEMORY)},
    {SEC(SEC_E_INVALID_HANDLE)},
    {SEC(SEC_E_UNSUPPORTED_FUNCTION)},
    {SEC(SEC_E_TARGET_UNKNOWN)},
    {SEC(SEC_E_INTERNAL_ERROR)},
    {SEC(SEC_E_SECPKG_NOT_FOUND)},
    {SEC(SEC_E_NOT_OWNER)},
    {SEC(SEC_E_CANNOT_INSTALL)},
    {SEC(SEC_E_INVALID_TOKEN)},
    {SEC(SEC_E_CANNOT_PACK)},
    {SEC(SEC_E_QOP_NOT_SUPPORTED)},
    {SEC(SEC_E_NO_IMPERSONATION)},
    {SEC(SEC_E_LOGON_DENIED)},
    {SEC(SEC_E_UNKNOWN_CREDENTIALS)},
    {SEC(SEC_E_NO_CREDENTIALS)},
    {SEC(SEC_E_MESSAGE_ALTERED)},
    {SEC(SEC_E_OUT_OF_SEQUENCE)},
    {SEC(SEC_E_NO_AUTHENTICATING_AUTHORITY)},
    {SEC(SEC_I_CONTINUE_NEEDED)},
    {SEC(SEC_I_COMPLETE_NEEDED)},
    {SEC(SEC_I_COMPLETE_AND_CONTINUE)},
    {SEC(SEC_I_LOCAL_LOGON)},
    {SEC(SEC_I_GENERIC_EXTENSION_RECEIVED)},
    {SEC(SEC_E_BAD_PKGID)},
    {SEC(SEC_E_CONTEXT_EXPIRED)},
    {SEC(SEC_I_CONTEXT_EXPIRED)},
    {SEC(SEC_E_INCOMPLETE_MESSAGE)},
    {SEC(SEC_E_INCOMPLETE_CREDENTIALS)},
    {SEC(SEC_E_BUFFER_TOO_SMALL)},
    {SEC(SEC_I_INCOMPLETE_CREDENTIALS)},
    {SEC(SEC_I_RENEGOTIATE)},
    {SEC(SEC_E_WRONG_PRINCIPAL)},
    {SEC(SEC_I_NO_LSA_CONTEXT)},
    {SEC(SEC_E_TIME_SKEW)},
    {SEC(SEC_E_UNTRUSTED_ROOT)},
    {SEC(SEC_E_ILLEGAL_MESSAGE)},
    {SEC(SEC_E_CERT_UNKNOWN)},
    {SEC(SEC_E_CERT_EXPIRED)},
    {SEC(SEC_E_ENCRYPT_FAILURE)},
    {SEC(SEC_E_DECRYPT_FAILURE)},
    {SEC(SEC_E_ALGORITHM_MISMATCH)},
    {SEC(SEC_E_SECURITY_QOS_FAILED)},
    {SEC(SEC_E_UNFINISHED_CONTEXT_DELETED)},
    {SEC(SEC_E_NO_TGT_REPLY)},
    {SEC(SEC_E_NO_IP_ADDRESSES)},
    {SEC(SEC_E_WRONG_CREDENTIAL_HANDLE)},
    {SEC(SEC_E_CRYPTO_SYSTEM_INVALID)},
    {SEC(SEC_E_MAX_REFERRALS_EXCEEDED)},
    {SEC(SEC_E_MUST_BE_KDC)},
    {SEC(SEC_E_STRONG_CRYPTO_NOT_SUPPORTED)},
    {SEC(SEC_E_TOO_MANY_PRINCIPALS)},
    {SEC(SEC_E_NO_PA_DATA)},
    {SEC(SEC_E_PKINIT_NAME_MISMATCH)},
    {SEC(SEC_E_SMARTCARD_LOGON_REQUIRED)},
    {SEC(SEC_E_SHUTDOWN_IN_PROGRESS)},
    {SEC(SEC_E_KDC_INVALID_REQUEST)},
    {SEC(SEC_E_KDC_UNABLE_TO_REFER)},
    {SEC(SEC_E_KDC_UNKNOWN_ETYPE)},
    {SEC(SEC_E_UNSUPPORTED_PREAUTH)},
    {SEC(SEC_E_DELEGATION_REQUIRED)},
    {SEC(SEC_E_BAD_BINDINGS)},
    {SEC(SEC_E_MULTIPLE_ACCOUNTS)},
    {SEC(SEC_E_NO_KERB_KEY)},
    {SEC(SEC_E_CERT_WRONG_USAGE)},
    {SEC(SEC_E_DOWNGRADE_DETECTED)},
    {SEC(SEC_E_SMARTCARD_CERT_REVOKED)},
    {SEC(SEC_E_ISSUING_CA_UNTRUSTED)},
    {SEC(SEC_E_REVOCATION_OFFLINE_C)},
    {SEC(SEC_E_PKINIT_CLIENT_FAILURE)},
    {SEC(SEC_E_SMARTCARD_CERT_EXPIRED)},
    {SEC(SEC_E_NO_S4U_PROT_SUPPORT)},
    {SEC(SEC_E_CROSSREALM_DELEGATION_FAILURE)},
    {SEC(SEC_E_REVOCATION_OFFLINE_KDC)},
    {SEC(SEC_E_ISSUING_CA_UNTRUSTED_KDC)},
    {SEC(SEC_E_KDC_CERT_EXPIRED)},
    {SEC(SEC_E_KDC_CERT_REVOKED)},
    {SEC(SEC_I_SIGNATURE_NEEDED)},
    {SEC(SEC_E_INVALID_PARAMETER)},
    {SEC(SEC_E_DELEGATION_POLICY)},
    {SEC(SEC_E_POLICY_NLTM_ONLY)},
    {SEC(SEC_I_NO_RENEGOTIATION)},
    {SEC(SEC_E_NO_CONTEXT)},
    {SEC(SEC_E_PKU2U_CERT_FAILURE)},
    {SEC(SEC_E_MUTUAL_AUTH_FAILED)},
    {SEC(SEC_I_MESSAGE_FRAGMENT)},
    {SEC(SEC_E_ONLY_HTTPS_ALLOWED)},
    {SEC(SEC_I_CONTINUE_NEEDED_MESSAGE_OK)},
    {SEC(SEC_E_APPLICATION_PROTOCOL_MISMATCH)},
    {SEC(SEC_I_ASYNC_CALL_PENDING)},
    {SEC(SEC_E_INVALID_UPN_NAME)},
    {SEC(SEC_E_EXT_BUFFER_TOO_SMALL)},
    {SEC(SEC_E_INSUFFICIENT_BUFFERS)},
    /* Not a SEC_ code, but what the Digest acceptor returns (see above). */
    {SEC(STATUS_LOGON_FAILURE)},
};

const char *gssmap_status_name(SECURITY_STATUS status)
{
    for (size_t i = 0; i < sizeof(status_names) / sizeof(status_names[0]); i++)
        if (status_names[i].status == status)
            return status_names[i].name;
    return NULL;
}
