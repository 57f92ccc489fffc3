/*
 * ISC_REQ_* / ASC_REQ_* <-> GSS_C_*_FLAG, and GSS ret_flags -> *_RET_*.
 *
 * Values: Windows SDK sspi.h for the SSPI side (note that ASC_REQ_* and
 * ASC_RET_* differ from ISC_*: INTEGRITY is 0x10000 for ISC, 0x20000 for
 * ASC); RFC 2744 3.14 plus the Heimdal/MIT extensions (DCE_STYLE,
 * IDENTIFY, EXTENDED_ERROR, DELEG_POLICY) for the GSS side.  Flag meanings:
 * RFC 2743 1.2 and the "Context Requirements" page of the SSPI docs.
 *
 * A row with gss_flag == 0 is the shim's business, not GSS-API's; its
 * sspi_ret is the bit the shim reports when it honours the request (0:
 * never reported).  A row with sspi_req == 0 maps a flag the GSS library
 * reports on its own.  Each GSS flag appears in at most one row per table,
 * so the return direction is unambiguous.
 */
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <stdint.h>
#include "gss_map.h"

#define REQ(x) x, #x
#define GSS(x) x, #x
#define RET(x) x, #x
#define NONE 0, ""

/* ---------------------------------------------------------------- ISC */

const struct gssmap_flag_row gssmap_isc_flag_rows[] = {
    {REQ(ISC_REQ_DELEGATE), GSS(GSS_C_DELEG_FLAG), RET(ISC_RET_DELEGATE),
     "Forward a TGT (RFC 2743 1.2.9). Windows delegates only to services "
     "marked ok-as-delegate (GSS_C_DELEG_POLICY_FLAG); Unix realms rarely "
     "set that, so plain DELEG is asked and RET_DELEGATE reports what happened."},
    {REQ(ISC_REQ_MUTUAL_AUTH), GSS(GSS_C_MUTUAL_FLAG), RET(ISC_RET_MUTUAL_AUTH),
     "Acceptor proves its identity (AP-REP, RFC 4121 4.1)."},
    {REQ(ISC_REQ_REPLAY_DETECT), GSS(GSS_C_REPLAY_FLAG), RET(ISC_RET_REPLAY_DETECT),
     "Per-message replay detection (RFC 2743 1.2.3)."},
    {REQ(ISC_REQ_SEQUENCE_DETECT), GSS(GSS_C_SEQUENCE_FLAG), RET(ISC_RET_SEQUENCE_DETECT),
     "Per-message out-of-sequence detection (RFC 2743 1.2.3)."},
    {REQ(ISC_REQ_CONFIDENTIALITY), GSS(GSS_C_CONF_FLAG), RET(ISC_RET_CONFIDENTIALITY),
     "EncryptMessage with encryption (gss_wrap conf_req=1)."},
    {REQ(ISC_REQ_USE_SESSION_KEY), NONE, NONE,
     "Kerberos user-to-user; GSS-API has no request flag for it. Ignored, never reported."},
    {REQ(ISC_REQ_PROMPT_FOR_CREDS), NONE, NONE,
     "No interactive prompt on Unix. The shim ignores it (the ISC (Kerberos) page "
     "documents SEC_E_UNSUPPORTED_FUNCTION for it); never reported."},
    {REQ(ISC_REQ_USE_SUPPLIED_CREDS), NONE, RET(ISC_RET_USED_SUPPLIED_CREDS),
     "Shim: use only the credentials given (package parameters; CredSSP per "
     "its page). Reported when honoured."},
    {REQ(ISC_REQ_ALLOCATE_MEMORY), NONE, RET(ISC_RET_ALLOCATED_MEMORY),
     "Shim: it allocates the output token; FreeContextBuffer frees it."},
    {REQ(ISC_REQ_USE_DCE_STYLE), GSS(GSS_C_DCE_STYLE), RET(ISC_RET_USED_DCE_STYLE),
     "DCE RPC three-leg Kerberos (RFC 4757 7.1; Heimdal/MIT extension flag)."},
    {REQ(ISC_REQ_DATAGRAM), NONE, NONE,
     "Datagram contexts have no GSS-API equivalent here; ignored, never reported."},
    {REQ(ISC_REQ_CONNECTION), NONE, RET(ISC_RET_CONNECTION),
     "Shim: GSS-API contexts are connection-style already; echoed."},
    {REQ(ISC_REQ_CALL_LEVEL), NONE, NONE,
     "DCE RPC call-level contexts; not supported, never reported."},
    {REQ(ISC_REQ_FRAGMENT_SUPPLIED), NONE, NONE,
     "Schannel/DCE input fragments; ignored."},
    {REQ(ISC_REQ_EXTENDED_ERROR), GSS(GSS_C_EXTENDED_ERROR_FLAG), RET(ISC_RET_EXTENDED_ERROR),
     "Extended error data may come back in a KRB-ERROR (RFC 4757 7.1; "
     "Heimdal/MIT extension flag)."},
    {REQ(ISC_REQ_STREAM), NONE, RET(ISC_RET_STREAM),
     "Shim: SECBUFFER_STREAM handling in DecryptMessage; echoed when honoured."},
    {REQ(ISC_REQ_INTEGRITY), GSS(GSS_C_INTEG_FLAG), RET(ISC_RET_INTEGRITY),
     "MakeSignature/VerifySignature (gss_get_mic/gss_verify_mic)."},
    {REQ(ISC_REQ_IDENTIFY), GSS(GSS_C_IDENTIFY_FLAG), RET(ISC_RET_IDENTIFY),
     "Server may identify but not impersonate; sent in the authenticator "
     "checksum flags (MS-KILE 3.2.5.2, RFC 4757 7.1)."},
    {REQ(ISC_REQ_NULL_SESSION), GSS(GSS_C_ANON_FLAG), RET(ISC_RET_NULL_SESSION),
     "A session without the caller's identity is GSS-API's anonymous "
     "initiator (RFC 2743 1.2.5; krb5: RFC 8062 anonymous PKINIT). The KDC "
     "must support it, else the context fails rather than silently naming the user."},
    {REQ(ISC_REQ_MANUAL_CRED_VALIDATION), NONE, RET(ISC_RET_MANUAL_CRED_VALIDATION),
     "Shim: CredSSP/TLS leave server certificate checks to the caller; "
     "reported when honoured."},
    {REQ(ISC_REQ_RESERVED1), NONE, NONE, "Reserved; ignored."},
    {REQ(ISC_REQ_FRAGMENT_TO_FIT), NONE, NONE,
     "Schannel/DCE output fragmentation; ignored, never reported."},
    {REQ(ISC_REQ_FORWARD_CREDENTIALS), NONE, NONE,
     "Not GSS delegation (that is ISC_REQ_DELEGATE); ignored, never reported."},
    {REQ(ISC_REQ_NO_INTEGRITY), NONE, NONE,
     "Shim: GSS flags request services, so not asking INTEG is the "
     "equivalent; the mechanism may still provide it. Never reported."},
    {REQ(ISC_REQ_USE_HTTP_STYLE), NONE, RET(ISC_RET_USED_HTTP_STYLE),
     "Shim: WDigest HTTP mode (RFC 7616) instead of SASL; reported when honoured."},
    {REQ(ISC_REQ_UNVERIFIED_TARGET_NAME), NONE, NONE,
     "Target name came from an untrusted source; no GSS-API equivalent. Ignored."},
    {REQ(ISC_REQ_CONFIDENTIALITY_ONLY), NONE, NONE,
     "No GSS-API equivalent: gss_wrap always protects integrity too "
     "(RFC 2743 1.2.2). Ignored, never reported."},
    {NONE, GSS(GSS_C_PROT_READY_FLAG), NONE,
     "Return only: protection ready before the context completes (RFC 2743 "
     "1.2.7). SSPI has no such state; dropped."},
    {NONE, GSS(GSS_C_TRANS_FLAG), NONE,
     "Return only: the context can be exported (gss_export_sec_context). "
     "No SSPI return flag; dropped (the shim may use it for ExportSecurityContext)."},
    {NONE, GSS(GSS_C_DELEG_POLICY_FLAG), NONE,
     "Request-only extension flag (delegate if ok-as-delegate); never "
     "asked, dropped if a library echoes it."},
};
const size_t gssmap_isc_flag_row_count =
    sizeof(gssmap_isc_flag_rows) / sizeof(gssmap_isc_flag_rows[0]);

/* ---------------------------------------------------------------- ASC */

const struct gssmap_flag_row gssmap_asc_flag_rows[] = {
    {REQ(ASC_REQ_DELEGATE), GSS(GSS_C_DELEG_FLAG), RET(ASC_RET_DELEGATE),
     "RET: the initiator delegated a credential (gss_accept_sec_context's "
     "delegated_cred_handle)."},
    {REQ(ASC_REQ_MUTUAL_AUTH), GSS(GSS_C_MUTUAL_FLAG), RET(ASC_RET_MUTUAL_AUTH),
     "The initiator asked for mutual authentication; an AP-REP is returned."},
    {REQ(ASC_REQ_REPLAY_DETECT), GSS(GSS_C_REPLAY_FLAG), RET(ASC_RET_REPLAY_DETECT),
     "Per-message replay detection (RFC 2743 1.2.3)."},
    {REQ(ASC_REQ_SEQUENCE_DETECT), GSS(GSS_C_SEQUENCE_FLAG), RET(ASC_RET_SEQUENCE_DETECT),
     "Per-message out-of-sequence detection (RFC 2743 1.2.3)."},
    {REQ(ASC_REQ_CONFIDENTIALITY), GSS(GSS_C_CONF_FLAG), RET(ASC_RET_CONFIDENTIALITY),
     "Encryption available (gss_wrap conf_req=1)."},
    {REQ(ASC_REQ_USE_SESSION_KEY), NONE, NONE,
     "Kerberos user-to-user; not supported, never reported."},
    {REQ(ASC_REQ_SESSION_TICKET), NONE, NONE,
     "Windows-internal ticket return; no GSS-API equivalent, never reported."},
    {REQ(ASC_REQ_ALLOCATE_MEMORY), NONE, RET(ASC_RET_ALLOCATED_MEMORY),
     "Shim: it allocates the output token; FreeContextBuffer frees it."},
    {REQ(ASC_REQ_USE_DCE_STYLE), GSS(GSS_C_DCE_STYLE), RET(ASC_RET_USED_DCE_STYLE),
     "DCE RPC three-leg Kerberos (RFC 4757 7.1; Heimdal/MIT extension flag)."},
    {REQ(ASC_REQ_DATAGRAM), NONE, NONE,
     "Datagram contexts have no GSS-API equivalent here; never reported."},
    {REQ(ASC_REQ_CONNECTION), NONE, RET(ASC_RET_CONNECTION),
     "Shim: GSS-API contexts are connection-style already; echoed."},
    {REQ(ASC_REQ_CALL_LEVEL), NONE, NONE, "DCE RPC call-level; not supported."},
    {REQ(ASC_REQ_FRAGMENT_SUPPLIED), NONE, NONE, "Schannel/DCE input fragments; ignored."},
    {REQ(ASC_REQ_EXTENDED_ERROR), GSS(GSS_C_EXTENDED_ERROR_FLAG), RET(ASC_RET_EXTENDED_ERROR),
     "Extended error data may come back in a KRB-ERROR (RFC 4757 7.1; "
     "Heimdal/MIT extension flag)."},
    {REQ(ASC_REQ_STREAM), NONE, RET(ASC_RET_STREAM),
     "Shim: SECBUFFER_STREAM handling in DecryptMessage; echoed when honoured."},
    {REQ(ASC_REQ_INTEGRITY), GSS(GSS_C_INTEG_FLAG), RET(ASC_RET_INTEGRITY),
     "MakeSignature/VerifySignature. Note ASC_RET_INTEGRITY is 0x20000, "
     "ISC_RET_INTEGRITY 0x10000."},
    {REQ(ASC_REQ_LICENSING), NONE, NONE, "Windows licensing; ignored."},
    {REQ(ASC_REQ_IDENTIFY), GSS(GSS_C_IDENTIFY_FLAG), RET(ASC_RET_IDENTIFY),
     "RET: the client allows identification only, no impersonation "
     "(MS-KILE 3.2.5.2 checksum flag)."},
    {REQ(ASC_REQ_ALLOW_NULL_SESSION), NONE, NONE,
     "Shim policy: without it, an anonymous initiator (GSS_C_ANON_FLAG, "
     "reported as ASC_RET_NULL_SESSION) should be refused."},
    {REQ(ASC_REQ_ALLOW_NON_USER_LOGONS), NONE, NONE, "Windows logon types; ignored."},
    {REQ(ASC_REQ_ALLOW_CONTEXT_REPLAY), NONE, NONE,
     "Windows-internal; ignored (the GSS library keeps its own replay policy)."},
    {REQ(ASC_REQ_FRAGMENT_TO_FIT), NONE, NONE, "Schannel/DCE output fragmentation; ignored."},
    {REQ(ASC_REQ_NO_TOKEN), NONE, NONE,
     "Same value as ISC_REQ_USE_HTTP_STYLE (0x01000000): for WDigest the "
     "shim treats it as HTTP mode, as curl-style callers pass it; otherwise ignored."},
    {REQ(ASC_REQ_PROXY_BINDINGS), NONE, NONE,
     "Shim: channel-binding policy (SEC_E_BAD_BINDINGS when absent)."},
    {REQ(ASC_REQ_ALLOW_MISSING_BINDINGS), NONE, NONE,
     "Shim: channel bindings optional. For WDigest the Digest page calls "
     "this value (0x10000000) ASC_REQ_HTTP: the shim accepts it as HTTP mode too."},
    {NONE, GSS(GSS_C_ANON_FLAG), RET(ASC_RET_NULL_SESSION),
     "Return only: the initiator is anonymous (RFC 2743 1.2.5) - what "
     "Windows reports as a NULL session."},
    {NONE, GSS(GSS_C_PROT_READY_FLAG), NONE,
     "Return only: protection ready before completion (RFC 2743 1.2.7); dropped."},
    {NONE, GSS(GSS_C_TRANS_FLAG), NONE,
     "Return only: context exportable; no ASC_RET_ flag, dropped."},
    {NONE, GSS(GSS_C_DELEG_POLICY_FLAG), NONE,
     "Request-only extension flag; dropped if a library echoes it."},
};
const size_t gssmap_asc_flag_row_count =
    sizeof(gssmap_asc_flag_rows) / sizeof(gssmap_asc_flag_rows[0]);

/* ---------------------------------------------------------- functions */

/* Unknown bits are dropped in both directions: passing a bit GSS-API
 * does not define to gss_init_sec_context is undefined behaviour for the
 * mechanism, and an unknown GSS bit has no SSPI meaning. */

/*
 * The rows, folded once into one entry per bit (a handshake maps flags on
 * every leg: walking 30 rows each time showed up in the profile).  A row
 * whose flag has several bits is applied by the slow loop instead, so the
 * tables stay exactly equivalent to the rows.
 */
struct bit_table {
    uint32_t by_bit[32];
    const struct gssmap_flag_row *multi[8];   /* rows with multi-bit flags */
    size_t multi_count;
};

static struct bit_table isc_req_bits, isc_ret_bits, asc_req_bits, asc_ret_bits;
static pthread_once_t tables_once = PTHREAD_ONCE_INIT;

static bool single_bit(uint32_t v)
{
    return v != 0 && (v & (v - 1)) == 0;
}

static void fold(const struct gssmap_flag_row *rows, size_t n, bool forward, struct bit_table *t)
{
    for (size_t i = 0; i < n; i++) {
        uint32_t from = forward ? rows[i].sspi_req : rows[i].gss_flag;
        uint32_t to = forward ? rows[i].gss_flag : rows[i].sspi_ret;
        if (from == 0 || to == 0)
            continue;
        if (single_bit(from))
            t->by_bit[__builtin_ctz(from)] |= to;
        else if (t->multi_count < sizeof(t->multi) / sizeof(t->multi[0]))
            t->multi[t->multi_count++] = &rows[i];
        else
            abort();    /* the table outgrew this fold; widen multi[] */
    }
}

static void tables_init(void)
{
    fold(gssmap_isc_flag_rows, gssmap_isc_flag_row_count, true, &isc_req_bits);
    fold(gssmap_isc_flag_rows, gssmap_isc_flag_row_count, false, &isc_ret_bits);
    fold(gssmap_asc_flag_rows, gssmap_asc_flag_row_count, true, &asc_req_bits);
    fold(gssmap_asc_flag_rows, gssmap_asc_flag_row_count, false, &asc_ret_bits);
}

static uint32_t map(const struct bit_table *t, bool forward, uint32_t in)
{
    uint32_t out = 0;
    for (uint32_t bits = in; bits != 0; bits &= bits - 1)
        out |= t->by_bit[__builtin_ctz(bits)];
    for (size_t i = 0; i < t->multi_count; i++) {
        uint32_t from = forward ? t->multi[i]->sspi_req : t->multi[i]->gss_flag;
        if ((in & from) == from)
            out |= forward ? t->multi[i]->gss_flag : t->multi[i]->sspi_ret;
    }
    return out;
}

OM_uint32 gssmap_isc_req_to_gss(ULONG isc_req)
{
    pthread_once(&tables_once, tables_init);
    return map(&isc_req_bits, true, isc_req);
}

ULONG gssmap_gss_to_isc_ret(OM_uint32 gss_flags)
{
    pthread_once(&tables_once, tables_init);
    return map(&isc_ret_bits, false, gss_flags);
}

OM_uint32 gssmap_asc_req_to_gss(ULONG asc_req)
{
    pthread_once(&tables_once, tables_init);
    return map(&asc_req_bits, true, asc_req);
}

ULONG gssmap_gss_to_asc_ret(OM_uint32 gss_flags)
{
    pthread_once(&tables_once, tables_init);
    return map(&asc_ret_bits, false, gss_flags);
}
