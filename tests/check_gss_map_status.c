/*
 * gss_map status: every major, calling, supplementary and krb5 minor row,
 * the precedence between them, and status names for every SEC_E_/SEC_I_
 * code of include/sspi.h.
 */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <krb5.h>

#include "gss_map.h"

/* MIT spells it KRB5KDC_ERR_KEY_EXP (gss_map/status.c does the same). */
#if !defined(KRB5KDC_ERR_KEY_EXPIRED) && defined(KRB5KDC_ERR_KEY_EXP)
#define KRB5KDC_ERR_KEY_EXPIRED KRB5KDC_ERR_KEY_EXP
#endif

static const OM_uint32 supp_bits[] = {GSS_S_DUPLICATE_TOKEN, GSS_S_OLD_TOKEN,
                                      GSS_S_UNSEQ_TOKEN, GSS_S_GAP_TOKEN};

static int is_error(SECURITY_STATUS st)
{
    return st < 0;
}

/* ------------------------------------------------------------- major */

START_TEST(test_every_major_row_maps_without_minor)
{
    for (size_t i = 0; i < gssmap_major_row_count; i++) {
        const struct gssmap_major_row *r = &gssmap_major_rows[i];
        ck_assert_msg(gssmap_status(r->routine_error, 0) == r->status, "%s", r->gss_name);
        ck_assert_msg(is_error(r->status), "%s maps to a non-error", r->gss_name);
        ck_assert_str_eq(gssmap_status_name(r->status), r->status_name);
        ck_assert_msg(r->note != NULL && strlen(r->note) > 10, "%s: no note", r->gss_name);
        ck_assert(r->minor_refines == 0 || r->minor_refines == 1);
    }
}
END_TEST

START_TEST(test_every_routine_error_has_a_row)
{
    /* Heimdal's gssapi.h defines routine errors 1..19 (BAD_MECH_ATTR). */
    for (OM_uint32 e = 1; e <= 19; e++) {
        int found = 0;
        for (size_t i = 0; i < gssmap_major_row_count; i++)
            found += gssmap_major_rows[i].routine_error == (e << GSS_C_ROUTINE_ERROR_OFFSET);
        ck_assert_msg(found == 1, "routine error %u has %d rows", (unsigned)e, found);
    }
    ck_assert_uint_eq(gssmap_major_row_count, 19);
}
END_TEST

START_TEST(test_unknown_routine_error_is_internal_error)
{
    for (OM_uint32 e = 20; e <= 255; e++)
        ck_assert_int_eq(gssmap_status(e << GSS_C_ROUTINE_ERROR_OFFSET, 0), SEC_E_INTERNAL_ERROR);
}
END_TEST

START_TEST(test_raw_error_code_as_major_is_looked_up_as_a_minor)
{
    /* Heimdal 7.8's SPNEGO initiator, fed a garbage NegTokenResp, returns
     * ASN1_PARSE_ERROR (0x6EDA3609) as its major status (measured). */
    ck_assert_int_eq(gssmap_status((OM_uint32)ASN1_PARSE_ERROR, 0), SEC_E_INVALID_TOKEN);
    ck_assert_int_eq(gssmap_status((OM_uint32)ASN1_OVERRUN, 0), SEC_E_INVALID_TOKEN);
    /* A malformed major that is no known code is still an error. */
    ck_assert_int_eq(gssmap_status(0x7f000000u | (25u << 16), 0), SEC_E_INTERNAL_ERROR);
    /* And a decode error carried properly, as GSS_S_FAILURE + minor. */
    ck_assert_int_eq(gssmap_status(GSS_S_FAILURE, (OM_uint32)ASN1_OVERRUN), SEC_E_INVALID_TOKEN);
}
END_TEST

START_TEST(test_brief_major_pairs_map_as_named)
{
    ck_assert_int_eq(gssmap_status(GSS_S_BAD_MECH, 0), SEC_E_SECPKG_NOT_FOUND);
    ck_assert_int_eq(gssmap_status(GSS_S_BAD_NAME, 0), SEC_E_TARGET_UNKNOWN);
    ck_assert_int_eq(gssmap_status(GSS_S_BAD_NAMETYPE, 0), SEC_E_TARGET_UNKNOWN);
    ck_assert_int_eq(gssmap_status(GSS_S_BAD_BINDINGS, 0), SEC_E_BAD_BINDINGS);
    ck_assert_int_eq(gssmap_status(GSS_S_BAD_SIG, 0), SEC_E_MESSAGE_ALTERED);
    ck_assert_int_eq(gssmap_status(GSS_S_BAD_MIC, 0), SEC_E_MESSAGE_ALTERED);
    ck_assert_int_eq(gssmap_status(GSS_S_NO_CRED, 0), SEC_E_NO_CREDENTIALS);
    ck_assert_int_eq(gssmap_status(GSS_S_NO_CONTEXT, 0), SEC_E_INVALID_HANDLE);
    ck_assert_int_eq(gssmap_status(GSS_S_DEFECTIVE_TOKEN, 0), SEC_E_INVALID_TOKEN);
    ck_assert_int_eq(gssmap_status(GSS_S_DEFECTIVE_CREDENTIAL, 0), SEC_E_NO_CREDENTIALS);
    ck_assert_int_eq(gssmap_status(GSS_S_CREDENTIALS_EXPIRED, 0), SEC_E_NO_CREDENTIALS);
    ck_assert_int_eq(gssmap_status(GSS_S_CONTEXT_EXPIRED, 0), SEC_E_CONTEXT_EXPIRED);
    ck_assert_int_eq(gssmap_status(GSS_S_BAD_QOP, 0), SEC_E_QOP_NOT_SUPPORTED);
    ck_assert_int_eq(gssmap_status(GSS_S_UNAUTHORIZED, 0), SEC_E_LOGON_DENIED);
    ck_assert_int_eq(gssmap_status(GSS_S_UNAVAILABLE, 0), SEC_E_UNSUPPORTED_FUNCTION);
    ck_assert_int_eq(gssmap_status(GSS_S_FAILURE, 0), SEC_E_INTERNAL_ERROR);
}
END_TEST

/* --------------------------------------------------------- calling */

START_TEST(test_every_calling_row_maps)
{
    for (size_t i = 0; i < gssmap_calling_row_count; i++) {
        const struct gssmap_major_row *r = &gssmap_calling_rows[i];
        ck_assert_int_eq(gssmap_status(r->routine_error, 0), r->status);
        ck_assert(is_error(r->status));
        ck_assert_str_eq(gssmap_status_name(r->status), r->status_name);
    }
    ck_assert_uint_eq(gssmap_calling_row_count, 3);
}
END_TEST

START_TEST(test_routine_error_wins_over_calling_error)
{
    ck_assert_int_eq(gssmap_status(GSS_S_CALL_INACCESSIBLE_READ | GSS_S_NO_CONTEXT, 0),
                     SEC_E_INVALID_HANDLE);
}
END_TEST

START_TEST(test_unknown_calling_error_is_internal_error)
{
    ck_assert_int_eq(gssmap_status(4ul << GSS_C_CALLING_ERROR_OFFSET, 0), SEC_E_INTERNAL_ERROR);
    ck_assert_int_eq(gssmap_status(255ul << GSS_C_CALLING_ERROR_OFFSET, 0), SEC_E_INTERNAL_ERROR);
}
END_TEST

/* --------------------------------------------------- supplementary */

START_TEST(test_every_supplementary_row_maps_to_an_error)
{
    for (size_t i = 0; i < gssmap_supplementary_row_count; i++) {
        const struct gssmap_major_row *r = &gssmap_supplementary_rows[i];
        ck_assert_int_eq(gssmap_status(r->routine_error, 0), r->status);
        ck_assert_int_eq(gssmap_status(GSS_S_COMPLETE | r->routine_error, 0), r->status);
        ck_assert_msg(is_error(r->status), "%s", r->gss_name);
        ck_assert_str_eq(gssmap_status_name(r->status), r->status_name);
    }
    ck_assert_uint_eq(gssmap_supplementary_row_count, 4);
}
END_TEST

START_TEST(test_supplementary_bits_never_give_ok)
{
    /* every non-empty combination, with and without CONTINUE_NEEDED */
    for (unsigned m = 1; m < 16; m++) {
        OM_uint32 major = 0;
        for (int b = 0; b < 4; b++)
            if (m & (1u << b))
                major |= supp_bits[b];
        SECURITY_STATUS a = gssmap_status(major, 0);
        SECURITY_STATUS c = gssmap_status(major | GSS_S_CONTINUE_NEEDED, 0);
        ck_assert_msg(is_error(a), "supplementary 0x%x gave 0x%08x", (unsigned)major, (unsigned)a);
        ck_assert_msg(is_error(c), "supplementary 0x%x + CONTINUE gave 0x%08x", (unsigned)major,
                      (unsigned)c);
        ck_assert_int_ne(a, SEC_E_OK);
        ck_assert_int_eq(a, SEC_E_OUT_OF_SEQUENCE);
    }
}
END_TEST

START_TEST(test_replay_and_gap_are_out_of_sequence)
{
    ck_assert_int_eq(gssmap_status(GSS_S_DUPLICATE_TOKEN, 0), SEC_E_OUT_OF_SEQUENCE);
    ck_assert_int_eq(gssmap_status(GSS_S_OLD_TOKEN, 0), SEC_E_OUT_OF_SEQUENCE);
    ck_assert_int_eq(gssmap_status(GSS_S_UNSEQ_TOKEN, 0), SEC_E_OUT_OF_SEQUENCE);
    ck_assert_int_eq(gssmap_status(GSS_S_GAP_TOKEN, 0), SEC_E_OUT_OF_SEQUENCE);
}
END_TEST

START_TEST(test_routine_error_wins_over_supplementary_bits)
{
    ck_assert_int_eq(gssmap_status(GSS_S_BAD_SIG | GSS_S_DUPLICATE_TOKEN, 0),
                     SEC_E_MESSAGE_ALTERED);
}
END_TEST

/* ----------------------------------------------------- success codes */

START_TEST(test_complete_is_ok_and_ignores_minor)
{
    ck_assert_int_eq(gssmap_status(GSS_S_COMPLETE, 0), SEC_E_OK);
    ck_assert_int_eq(gssmap_status(GSS_S_COMPLETE, (OM_uint32)KRB5KDC_ERR_PREAUTH_FAILED),
                     SEC_E_OK);
    ck_assert_int_eq(gssmap_status_side(GSS_S_COMPLETE, 0, GSSMAP_ACCEPTOR), SEC_E_OK);
}
END_TEST

START_TEST(test_continue_needed_is_sec_i_continue_needed)
{
    ck_assert_int_eq(gssmap_status(GSS_S_CONTINUE_NEEDED, 0), SEC_I_CONTINUE_NEEDED);
    ck_assert_int_eq(gssmap_status(GSS_S_CONTINUE_NEEDED, (OM_uint32)KRB5KRB_AP_ERR_SKEW),
                     SEC_I_CONTINUE_NEEDED);
    ck_assert_int_eq(gssmap_status_side(GSS_S_CONTINUE_NEEDED, 0, GSSMAP_ACCEPTOR),
                     SEC_I_CONTINUE_NEEDED);
}
END_TEST

/* ------------------------------------------------------------ minor */

START_TEST(test_every_minor_row_wins_over_every_refinable_major)
{
    for (size_t i = 0; i < gssmap_krb5_minor_row_count; i++) {
        const struct gssmap_minor_row *m = &gssmap_krb5_minor_rows[i];
        ck_assert_msg(is_error(m->status), "%s", m->krb5_name);
        ck_assert_str_eq(gssmap_status_name(m->status), m->status_name);
        ck_assert_msg(m->note != NULL && strlen(m->note) > 10, "%s: no note", m->krb5_name);
        int refinable = 0;
        for (size_t j = 0; j < gssmap_major_row_count; j++) {
            const struct gssmap_major_row *r = &gssmap_major_rows[j];
            if (!r->minor_refines)
                continue;
            refinable++;
            ck_assert_msg(gssmap_status(r->routine_error, (OM_uint32)m->krb5_code) == m->status,
                          "%s + %s", r->gss_name, m->krb5_name);
        }
        ck_assert_int_ge(refinable, 2);
    }
}
END_TEST

START_TEST(test_exact_majors_win_over_every_minor_row)
{
    for (size_t j = 0; j < gssmap_major_row_count; j++) {
        const struct gssmap_major_row *r = &gssmap_major_rows[j];
        if (r->minor_refines)
            continue;
        for (size_t i = 0; i < gssmap_krb5_minor_row_count; i++)
            ck_assert_msg(gssmap_status(r->routine_error,
                                        (OM_uint32)gssmap_krb5_minor_rows[i].krb5_code) ==
                              r->status,
                          "%s + %s", r->gss_name, gssmap_krb5_minor_rows[i].krb5_name);
    }
}
END_TEST

START_TEST(test_minor_rows_are_unique)
{
    for (size_t i = 0; i < gssmap_krb5_minor_row_count; i++)
        for (size_t j = i + 1; j < gssmap_krb5_minor_row_count; j++)
            ck_assert_msg(gssmap_krb5_minor_rows[i].krb5_code !=
                              gssmap_krb5_minor_rows[j].krb5_code,
                          "%s twice", gssmap_krb5_minor_rows[i].krb5_name);
}
END_TEST

START_TEST(test_unknown_minor_falls_back_to_the_major)
{
    ck_assert_int_eq(gssmap_status(GSS_S_FAILURE, 0x12345678u), SEC_E_INTERNAL_ERROR);
    ck_assert_int_eq(gssmap_status(GSS_S_NO_CRED, 0x12345678u), SEC_E_NO_CREDENTIALS);
    ck_assert_int_eq(gssmap_status(GSS_S_FAILURE, (OM_uint32)KRB5KRB_ERR_GENERIC),
                     SEC_E_INTERNAL_ERROR);
}
END_TEST

START_TEST(test_krb5_codes_come_from_the_library_header)
{
    /* com_err: table base + offset; RFC 4120 7.5.9 error numbers */
    ck_assert_int_eq(ERROR_TABLE_BASE_krb5, -1765328384L);
    ck_assert_int_eq(KRB5KDC_ERR_C_PRINCIPAL_UNKNOWN, ERROR_TABLE_BASE_krb5 + 6);
    ck_assert_int_eq(KRB5KDC_ERR_S_PRINCIPAL_UNKNOWN, ERROR_TABLE_BASE_krb5 + 7);
    ck_assert_int_eq(KRB5KDC_ERR_PREAUTH_FAILED, ERROR_TABLE_BASE_krb5 + 24);
    ck_assert_int_eq(KRB5KRB_AP_ERR_BAD_INTEGRITY, ERROR_TABLE_BASE_krb5 + 31);
    ck_assert_int_eq(KRB5KRB_AP_ERR_SKEW, ERROR_TABLE_BASE_krb5 + 37);
    int found = 0;
    for (size_t i = 0; i < gssmap_krb5_minor_row_count; i++)
        if (strcmp(gssmap_krb5_minor_rows[i].krb5_name, "KRB5KDC_ERR_PREAUTH_FAILED") == 0) {
            ck_assert_int_eq(gssmap_krb5_minor_rows[i].krb5_code, -1765328360);
            found = 1;
        }
    ck_assert(found);
}
END_TEST

/* Pairs observed from Heimdal 7.8 against its own KDC. */
START_TEST(test_observed_heimdal_failures_map_as_windows_would)
{
    /* gss_acquire_cred_with_password */
    ck_assert_int_eq(gssmap_status(GSS_S_NO_CRED, (OM_uint32)KRB5KDC_ERR_PREAUTH_FAILED),
                     SEC_E_LOGON_DENIED);
    ck_assert_int_eq(gssmap_status(GSS_S_NO_CRED, (OM_uint32)KRB5KDC_ERR_C_PRINCIPAL_UNKNOWN),
                     SEC_E_LOGON_DENIED);
    ck_assert_int_eq(gssmap_status(GSS_S_NO_CRED, (OM_uint32)KRB5KDC_ERR_NAME_EXP),
                     SEC_E_LOGON_DENIED);
    ck_assert_int_eq(gssmap_status(GSS_S_NO_CRED, (OM_uint32)KRB5KDC_ERR_KEY_EXPIRED),
                     SEC_E_LOGON_DENIED);
    ck_assert_int_eq(gssmap_status(GSS_S_NO_CRED, (OM_uint32)KRB5KDC_ERR_POLICY),
                     SEC_E_LOGON_DENIED);
    ck_assert_int_eq(gssmap_status(GSS_S_NO_CRED, (OM_uint32)KRB5_KDC_UNREACH),
                     SEC_E_NO_AUTHENTICATING_AUTHORITY);
    /* gss_init_sec_context */
    ck_assert_int_eq(gssmap_status(GSS_S_FAILURE, (OM_uint32)KRB5KDC_ERR_S_PRINCIPAL_UNKNOWN),
                     SEC_E_TARGET_UNKNOWN);
    ck_assert_int_eq(gssmap_status(GSS_S_FAILURE, (OM_uint32)KRB5KRB_AP_ERR_SKEW),
                     SEC_E_TIME_SKEW);
    ck_assert_int_eq(gssmap_status(GSS_S_FAILURE, (OM_uint32)KRB5_CC_NOTFOUND),
                     SEC_E_NO_CREDENTIALS);
    /* gss_accept_sec_context */
    ck_assert_int_eq(
        gssmap_status_side(GSS_S_FAILURE, (OM_uint32)KRB5KRB_AP_ERR_BAD_INTEGRITY, GSSMAP_ACCEPTOR),
        SEC_E_WRONG_PRINCIPAL);
    ck_assert_int_eq(gssmap_status_side(GSS_S_FAILURE, (OM_uint32)KRB5_KT_END, GSSMAP_ACCEPTOR),
                     SEC_E_WRONG_PRINCIPAL);
    ck_assert_int_eq(gssmap_status_side(GSS_S_DEFECTIVE_TOKEN, 0, GSSMAP_ACCEPTOR),
                     SEC_E_INVALID_TOKEN);
    /* gss_unwrap / gss_verify_mic of a tampered message */
    ck_assert_int_eq(gssmap_status(GSS_S_BAD_SIG, (OM_uint32)KRB5KRB_AP_ERR_BAD_INTEGRITY),
                     SEC_E_MESSAGE_ALTERED);
    ck_assert_int_eq(
        gssmap_status_side(GSS_S_BAD_SIG, (OM_uint32)KRB5KRB_AP_ERR_BAD_INTEGRITY, GSSMAP_ACCEPTOR),
        SEC_E_MESSAGE_ALTERED);
}
END_TEST

/* Pairs observed from MIT krb5 1.20 against its own KDC, through the shim
 * (the same failures as above; where MIT's code differs, its row gives the
 * same SSPI status). */
START_TEST(test_observed_mit_failures_map_as_windows_would)
{
    /* krb5_get_init_creds_password: wrong password, unknown client */
    ck_assert_int_eq(gssmap_status(GSS_S_FAILURE, (OM_uint32)KRB5KDC_ERR_PREAUTH_FAILED),
                     SEC_E_LOGON_DENIED);
    ck_assert_int_eq(gssmap_status(GSS_S_FAILURE, (OM_uint32)KRB5KDC_ERR_C_PRINCIPAL_UNKNOWN),
                     SEC_E_LOGON_DENIED);
    /* gss_init_sec_context, unknown SPN (MIT first asks for a cross-realm
     * TGT: "Server krbtgt/INVALID@SSPI.TEST not found") */
    ck_assert_int_eq(gssmap_status(GSS_S_FAILURE, (OM_uint32)KRB5KDC_ERR_S_PRINCIPAL_UNKNOWN),
                     SEC_E_TARGET_UNKNOWN);
    /* gss_accept_sec_context with a keytab lacking the ticket's server
     * ("Request ticket server ... not found in keytab"); Heimdal says
     * KRB5_KT_END there */
    ck_assert_int_eq(gssmap_status_side(GSS_S_FAILURE, (OM_uint32)KRB5KRB_AP_ERR_NOT_US,
                                        GSSMAP_ACCEPTOR),
                     SEC_E_WRONG_PRINCIPAL);
    /* ...with a ticket from a KDC whose clock is 2 h ahead ("Ticket not
     * yet valid"), and a replayed AP-REQ (MIT's replay cache) */
    ck_assert_int_eq(gssmap_status_side(GSS_S_FAILURE, (OM_uint32)KRB5KRB_AP_ERR_TKT_NYV,
                                        GSSMAP_ACCEPTOR),
                     SEC_E_TIME_SKEW);
    ck_assert_int_eq(gssmap_status_side(GSS_S_FAILURE, (OM_uint32)KRB5KRB_AP_ERR_REPEAT,
                                        GSSMAP_ACCEPTOR),
                     SEC_E_OUT_OF_SEQUENCE);
    /* gss_acquire_cred of an acceptor with a missing keytab: GSS_S_NO_CRED
     * with KRB5_KT_NOTFOUND ("Keytab ... is nonexistent or empty"); the
     * row is the acceptor's wrong-key one, and AcquireCredentialsHandle
     * turns it into SEC_E_NO_CREDENTIALS (shim/credentials.c) */
    ck_assert_int_eq(gssmap_status(GSS_S_NO_CRED, (OM_uint32)KRB5_KT_NOTFOUND),
                     SEC_E_WRONG_PRINCIPAL);
#ifdef SSPI_SHIM_MIT
    /* MIT's own GSS-krb5 codes (com_err tables k5g and ggss), the
     * counterparts of Heimdal's gk5 rows */
    ck_assert_int_eq(gssmap_status(GSS_S_FAILURE, 39756032u /* KG_CCACHE_NOMATCH */),
                     SEC_E_NO_CREDENTIALS);
    ck_assert_int_eq(gssmap_status(GSS_S_FAILURE, 39756034u /* KG_TGT_MISSING */),
                     SEC_E_NO_CREDENTIALS);
    ck_assert_int_eq(gssmap_status(GSS_S_FAILURE, 39756044u /* KG_EMPTY_CCACHE */),
                     SEC_E_NO_CREDENTIALS);
    ck_assert_int_eq(gssmap_status_side(GSS_S_FAILURE, 39756033u /* KG_KEYTAB_NOMATCH */,
                                        GSSMAP_ACCEPTOR),
                     SEC_E_WRONG_PRINCIPAL);
    ck_assert_int_eq(gssmap_status(GSS_S_FAILURE, (OM_uint32)-2045022976 /* G_BAD_SERVICE_NAME */),
                     SEC_E_TARGET_UNKNOWN);
    ck_assert_int_eq(gssmap_status(GSS_S_BAD_QOP, 0), SEC_E_QOP_NOT_SUPPORTED);
    ck_assert_int_eq(gssmap_status(GSS_S_FAILURE, (OM_uint32)-2045022968 /* G_UNKNOWN_QOP */),
                     SEC_E_QOP_NOT_SUPPORTED);
    /* MIT's ASN.1 decoder codes */
    ck_assert_int_eq(gssmap_status(GSS_S_FAILURE, (OM_uint32)ASN1_MISSING_EOC),
                     SEC_E_INVALID_TOKEN);
    ck_assert_int_eq(gssmap_status(GSS_S_FAILURE, (OM_uint32)ASN1_OMITTED), SEC_E_INVALID_TOKEN);
#endif
}
END_TEST

START_TEST(test_brief_minor_pairs_map_as_named)
{
    struct {
        OM_uint32 minor;
        SECURITY_STATUS want;
    } pairs[] = {
        {(OM_uint32)KRB5KDC_ERR_PREAUTH_FAILED, SEC_E_LOGON_DENIED},
        {(OM_uint32)KRB5KRB_AP_ERR_BAD_INTEGRITY, SEC_E_LOGON_DENIED},
        {(OM_uint32)KRB5KDC_ERR_C_PRINCIPAL_UNKNOWN, SEC_E_LOGON_DENIED},
        {(OM_uint32)KRB5KDC_ERR_S_PRINCIPAL_UNKNOWN, SEC_E_TARGET_UNKNOWN},
        {(OM_uint32)KRB5_KDC_UNREACH, SEC_E_NO_AUTHENTICATING_AUTHORITY},
        {(OM_uint32)KRB5_REALM_CANT_RESOLVE, SEC_E_NO_AUTHENTICATING_AUTHORITY},
        {(OM_uint32)KRB5_REALM_UNKNOWN, SEC_E_NO_AUTHENTICATING_AUTHORITY},
        {(OM_uint32)KRB5KRB_AP_ERR_SKEW, SEC_E_TIME_SKEW},
        {(OM_uint32)KRB5KRB_AP_ERR_TKT_NYV, SEC_E_TIME_SKEW},
        {(OM_uint32)KRB5KRB_AP_ERR_TKT_EXPIRED, SEC_E_CONTEXT_EXPIRED},
        {(OM_uint32)KRB5KDC_ERR_KEY_EXPIRED, SEC_E_LOGON_DENIED},
        {(OM_uint32)KRB5_FCC_NOFILE, SEC_E_NO_CREDENTIALS},
        {(OM_uint32)KRB5_CC_NOTFOUND, SEC_E_NO_CREDENTIALS},
        {(OM_uint32)KRB5_CC_NOSUPP, SEC_E_NO_CREDENTIALS},
        {(OM_uint32)KRB5_KT_NOTFOUND, SEC_E_WRONG_PRINCIPAL},
        {(OM_uint32)KRB5KRB_AP_ERR_BADKEYVER, SEC_E_WRONG_PRINCIPAL},
        {(OM_uint32)KRB5KRB_AP_ERR_MODIFIED, SEC_E_WRONG_PRINCIPAL},
        {(OM_uint32)KRB5KRB_AP_ERR_NOKEY, SEC_E_WRONG_PRINCIPAL},
        {(OM_uint32)KRB5KRB_AP_WRONG_PRINC, SEC_E_WRONG_PRINCIPAL},
        {(OM_uint32)KRB5KRB_AP_ERR_REPEAT, SEC_E_OUT_OF_SEQUENCE},
        {(OM_uint32)KRB5KDC_ERR_CLIENT_REVOKED, SEC_E_LOGON_DENIED},
        {(OM_uint32)KRB5KDC_ERR_ETYPE_NOSUPP, SEC_E_KDC_UNKNOWN_ETYPE},
        {(OM_uint32)KRB5KDC_ERR_POLICY, SEC_E_LOGON_DENIED},
        {(OM_uint32)ENOMEM, SEC_E_INSUFFICIENT_MEMORY},
    };
    for (size_t i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++)
        ck_assert_msg(gssmap_status(GSS_S_FAILURE, pairs[i].minor) == pairs[i].want,
                      "pair %zu: minor %d", i, (int)pairs[i].minor);
}
END_TEST

/* -------------------------------------------------------- acceptor */

START_TEST(test_every_acceptor_row_applies_only_to_the_acceptor)
{
    ck_assert_uint_ge(gssmap_krb5_acceptor_minor_row_count, 1);
    for (size_t i = 0; i < gssmap_krb5_acceptor_minor_row_count; i++) {
        const struct gssmap_minor_row *a = &gssmap_krb5_acceptor_minor_rows[i];
        ck_assert_str_eq(gssmap_status_name(a->status), a->status_name);
        SECURITY_STATUS initiator = gssmap_status(GSS_S_FAILURE, (OM_uint32)a->krb5_code);
        ck_assert_int_eq(gssmap_status_side(GSS_S_FAILURE, (OM_uint32)a->krb5_code,
                                            GSSMAP_ACCEPTOR),
                         a->status);
        ck_assert_int_ne(initiator, a->status); /* else the row is pointless */
        ck_assert_int_eq(gssmap_status_side(GSS_S_FAILURE, (OM_uint32)a->krb5_code,
                                            GSSMAP_INITIATOR),
                         initiator);
    }
}
END_TEST

START_TEST(test_acceptor_uses_the_common_rows_otherwise)
{
    for (size_t i = 0; i < gssmap_krb5_minor_row_count; i++) {
        const struct gssmap_minor_row *m = &gssmap_krb5_minor_rows[i];
        int overridden = 0;
        for (size_t k = 0; k < gssmap_krb5_acceptor_minor_row_count; k++)
            overridden |= gssmap_krb5_acceptor_minor_rows[k].krb5_code == m->krb5_code;
        if (!overridden)
            ck_assert_int_eq(gssmap_status_side(GSS_S_FAILURE, (OM_uint32)m->krb5_code,
                                                GSSMAP_ACCEPTOR),
                             m->status);
    }
}
END_TEST

/* ----------------------------------------------------------- names */

START_TEST(test_status_name_basics)
{
    ck_assert_str_eq(gssmap_status_name(SEC_E_OK), "SEC_E_OK");
    ck_assert_str_eq(gssmap_status_name((SECURITY_STATUS)0x8009030C), "SEC_E_LOGON_DENIED");
    ck_assert_str_eq(gssmap_status_name(SEC_I_CONTINUE_NEEDED), "SEC_I_CONTINUE_NEEDED");
    ck_assert_str_eq(gssmap_status_name(SEC_E_CONTEXT_EXPIRED), "SEC_E_CONTEXT_EXPIRED");
    ck_assert_str_eq(gssmap_status_name(SEC_I_CONTEXT_EXPIRED), "SEC_I_CONTEXT_EXPIRED");
    ck_assert_str_eq(gssmap_status_name(SEC_E_NO_SPM), "SEC_E_INTERNAL_ERROR");
    ck_assert_str_eq(gssmap_status_name(SEC_E_NOT_SUPPORTED), "SEC_E_UNSUPPORTED_FUNCTION");
    ck_assert_ptr_null(gssmap_status_name((SECURITY_STATUS)0x12345678));
    ck_assert_ptr_null(gssmap_status_name((SECURITY_STATUS)0x80090344)); /* unassigned */
}
END_TEST

/* Reads include/sspi.h and checks that every SEC_E_ / SEC_I_ code it
 * defines has a name: the header is the list, not this test. */
START_TEST(test_status_name_covers_every_code_in_sspi_h)
{
    const char *top = getenv("top_srcdir");
    char path[4096];
    snprintf(path, sizeof(path), "%s/include/sspi.h", top != NULL ? top : ".");
    FILE *f = fopen(path, "r");
    ck_assert_msg(f != NULL, "cannot open %s (set top_srcdir)", path);

    struct {
        char name[80];
        long value;
    } seen[256];
    size_t n = 0, aliases = 0;
    char line[1024];
    while (fgets(line, sizeof(line), f) != NULL) {
        char name[80], rest[900];
        if (sscanf(line, " # define %79[A-Z0-9_] %899[^\n]", name, rest) != 2)
            continue;
        if (strncmp(name, "SEC_E_", 6) != 0 && strncmp(name, "SEC_I_", 6) != 0)
            continue;
        long value;
        const char *hex = strstr(rest, "0x");
        if (hex == NULL)
            hex = strstr(rest, "0X");
        if (hex != NULL) {
            value = (long)(int32_t)strtoul(hex, NULL, 16);
        } else { /* an alias such as SEC_E_NO_SPM SEC_E_INTERNAL_ERROR */
            char target[80];
            size_t k;
            ck_assert_msg(sscanf(rest, " %79[A-Z0-9_]", target) == 1, "cannot read %s", name);
            for (k = 0; k < n && strcmp(seen[k].name, target) != 0; k++)
                ;
            ck_assert_msg(k < n, "%s aliases unknown %s", name, target);
            value = seen[k].value;
            aliases++;
        }
        ck_assert(n < sizeof(seen) / sizeof(seen[0]));
        snprintf(seen[n].name, sizeof(seen[n].name), "%s", name);
        seen[n].value = value;
        n++;

        const char *got = gssmap_status_name((SECURITY_STATUS)value);
        ck_assert_msg(got != NULL, "%s (0x%08lx) has no name", name,
                      (unsigned long)value & 0xffffffffUL);
        if (hex != NULL)
            ck_assert_msg(strcmp(got, name) == 0, "%s is named %s", name, got);
    }
    fclose(f);
    ck_assert_msg(n - aliases >= 90, "only %zu codes found in %s", n - aliases, path);
}
END_TEST

START_TEST(test_every_table_status_is_named)
{
    for (size_t i = 0; i < gssmap_major_row_count; i++)
        ck_assert_ptr_nonnull(gssmap_status_name(gssmap_major_rows[i].status));
    for (size_t i = 0; i < gssmap_krb5_minor_row_count; i++)
        ck_assert_ptr_nonnull(gssmap_status_name(gssmap_krb5_minor_rows[i].status));
}
END_TEST

static Suite *status_suite(void)
{
    Suite *s = suite_create("gss_map_status");
    TCase *major = tcase_create("major");
    tcase_add_test(major, test_every_major_row_maps_without_minor);
    tcase_add_test(major, test_every_routine_error_has_a_row);
    tcase_add_test(major, test_unknown_routine_error_is_internal_error);
    tcase_add_test(major, test_raw_error_code_as_major_is_looked_up_as_a_minor);
    tcase_add_test(major, test_brief_major_pairs_map_as_named);
    tcase_add_test(major, test_every_calling_row_maps);
    tcase_add_test(major, test_routine_error_wins_over_calling_error);
    tcase_add_test(major, test_unknown_calling_error_is_internal_error);
    suite_add_tcase(s, major);

    TCase *supp = tcase_create("supplementary");
    tcase_add_test(supp, test_every_supplementary_row_maps_to_an_error);
    tcase_add_test(supp, test_supplementary_bits_never_give_ok);
    tcase_add_test(supp, test_replay_and_gap_are_out_of_sequence);
    tcase_add_test(supp, test_routine_error_wins_over_supplementary_bits);
    tcase_add_test(supp, test_complete_is_ok_and_ignores_minor);
    tcase_add_test(supp, test_continue_needed_is_sec_i_continue_needed);
    suite_add_tcase(s, supp);

    TCase *minor = tcase_create("minor");
    tcase_add_test(minor, test_every_minor_row_wins_over_every_refinable_major);
    tcase_add_test(minor, test_exact_majors_win_over_every_minor_row);
    tcase_add_test(minor, test_minor_rows_are_unique);
    tcase_add_test(minor, test_unknown_minor_falls_back_to_the_major);
    tcase_add_test(minor, test_krb5_codes_come_from_the_library_header);
    tcase_add_test(minor, test_observed_heimdal_failures_map_as_windows_would);
    tcase_add_test(minor, test_observed_mit_failures_map_as_windows_would);
    tcase_add_test(minor, test_brief_minor_pairs_map_as_named);
    tcase_add_test(minor, test_every_acceptor_row_applies_only_to_the_acceptor);
    tcase_add_test(minor, test_acceptor_uses_the_common_rows_otherwise);
    suite_add_tcase(s, minor);

    TCase *names = tcase_create("names");
    tcase_add_test(names, test_status_name_basics);
    tcase_add_test(names, test_status_name_covers_every_code_in_sspi_h);
    tcase_add_test(names, test_every_table_status_is_named);
    suite_add_tcase(s, names);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(status_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
