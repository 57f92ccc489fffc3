/*
 * gss_map flags: every row of both tables, in both directions, plus the
 * rules around them (unknown bits dropped, combinations, SDK values).
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "gss_map.h"

struct table {
    const char *name;
    const struct gssmap_flag_row *rows;
    size_t count;
    OM_uint32 (*req_to_gss)(ULONG);
    ULONG (*gss_to_ret)(OM_uint32);
};

static const struct table tables[2] = {
    {"ISC", gssmap_isc_flag_rows, 0, gssmap_isc_req_to_gss, gssmap_gss_to_isc_ret},
    {"ASC", gssmap_asc_flag_rows, 0, gssmap_asc_req_to_gss, gssmap_gss_to_asc_ret},
};

static struct table table_at(int i)
{
    struct table t = tables[i];
    t.count = i == 0 ? gssmap_isc_flag_row_count : gssmap_asc_flag_row_count;
    return t;
}

/* Every GSS context flag Heimdal's gssapi.h defines. */
static const OM_uint32 all_gss_flags[] = {
    GSS_C_DELEG_FLAG,    GSS_C_MUTUAL_FLAG,  GSS_C_REPLAY_FLAG, GSS_C_SEQUENCE_FLAG,
    GSS_C_CONF_FLAG,     GSS_C_INTEG_FLAG,   GSS_C_ANON_FLAG,   GSS_C_PROT_READY_FLAG,
    GSS_C_TRANS_FLAG,    GSS_C_DCE_STYLE,    GSS_C_IDENTIFY_FLAG, GSS_C_EXTENDED_ERROR_FLAG,
    GSS_C_DELEG_POLICY_FLAG,
};
#define N_GSS (sizeof(all_gss_flags) / sizeof(all_gss_flags[0]))

/* Every 32-bit ISC_REQ_ / ASC_REQ_ constant of the SDK's sspi.h. */
static const ULONG all_isc_req[] = {
    ISC_REQ_DELEGATE, ISC_REQ_MUTUAL_AUTH, ISC_REQ_REPLAY_DETECT, ISC_REQ_SEQUENCE_DETECT,
    ISC_REQ_CONFIDENTIALITY, ISC_REQ_USE_SESSION_KEY, ISC_REQ_PROMPT_FOR_CREDS,
    ISC_REQ_USE_SUPPLIED_CREDS, ISC_REQ_ALLOCATE_MEMORY, ISC_REQ_USE_DCE_STYLE,
    ISC_REQ_DATAGRAM, ISC_REQ_CONNECTION, ISC_REQ_CALL_LEVEL, ISC_REQ_FRAGMENT_SUPPLIED,
    ISC_REQ_EXTENDED_ERROR, ISC_REQ_STREAM, ISC_REQ_INTEGRITY, ISC_REQ_IDENTIFY,
    ISC_REQ_NULL_SESSION, ISC_REQ_MANUAL_CRED_VALIDATION, ISC_REQ_RESERVED1,
    ISC_REQ_FRAGMENT_TO_FIT, ISC_REQ_FORWARD_CREDENTIALS, ISC_REQ_NO_INTEGRITY,
    ISC_REQ_USE_HTTP_STYLE, ISC_REQ_UNVERIFIED_TARGET_NAME, ISC_REQ_CONFIDENTIALITY_ONLY,
};
static const ULONG all_asc_req[] = {
    ASC_REQ_DELEGATE, ASC_REQ_MUTUAL_AUTH, ASC_REQ_REPLAY_DETECT, ASC_REQ_SEQUENCE_DETECT,
    ASC_REQ_CONFIDENTIALITY, ASC_REQ_USE_SESSION_KEY, ASC_REQ_SESSION_TICKET,
    ASC_REQ_ALLOCATE_MEMORY, ASC_REQ_USE_DCE_STYLE, ASC_REQ_DATAGRAM, ASC_REQ_CONNECTION,
    ASC_REQ_CALL_LEVEL, ASC_REQ_FRAGMENT_SUPPLIED, ASC_REQ_EXTENDED_ERROR, ASC_REQ_STREAM,
    ASC_REQ_INTEGRITY, ASC_REQ_LICENSING, ASC_REQ_IDENTIFY, ASC_REQ_ALLOW_NULL_SESSION,
    ASC_REQ_ALLOW_NON_USER_LOGONS, ASC_REQ_ALLOW_CONTEXT_REPLAY, ASC_REQ_FRAGMENT_TO_FIT,
    ASC_REQ_NO_TOKEN, ASC_REQ_PROXY_BINDINGS, ASC_REQ_ALLOW_MISSING_BINDINGS,
};

static ULONG all_req_bits(const struct table *t)
{
    ULONG all = 0;
    for (size_t i = 0; i < t->count; i++)
        all |= t->rows[i].sspi_req;
    return all;
}

static OM_uint32 all_row_gss_bits(const struct table *t)
{
    OM_uint32 all = 0;
    for (size_t i = 0; i < t->count; i++)
        all |= t->rows[i].gss_flag;
    return all;
}

/* ------------------------------------------------------------- rows */

START_TEST(test_every_req_row_gives_its_gss_flag)
{
    struct table t = table_at(_i);
    for (size_t i = 0; i < t.count; i++) {
        const struct gssmap_flag_row *r = &t.rows[i];
        if (r->sspi_req == 0)
            continue;
        ck_assert_msg(t.req_to_gss(r->sspi_req) == r->gss_flag, "%s %s -> 0x%x, table says %s",
                      t.name, r->sspi_req_name, (unsigned)t.req_to_gss(r->sspi_req),
                      r->gss_flag_name);
    }
}
END_TEST

START_TEST(test_every_gss_row_gives_its_ret_flag)
{
    struct table t = table_at(_i);
    for (size_t i = 0; i < t.count; i++) {
        const struct gssmap_flag_row *r = &t.rows[i];
        if (r->gss_flag == 0)
            continue;
        ck_assert_msg(t.gss_to_ret(r->gss_flag) == r->sspi_ret, "%s %s -> 0x%x, table says 0x%x",
                      t.name, r->gss_flag_name, (unsigned)t.gss_to_ret(r->gss_flag),
                      (unsigned)r->sspi_ret);
    }
}
END_TEST

START_TEST(test_round_trip_req_gss_ret_keeps_the_bit)
{
    /* SSPI gives a request and its RET bit the same value, on each side. */
    struct table t = table_at(_i);
    for (size_t i = 0; i < t.count; i++) {
        const struct gssmap_flag_row *r = &t.rows[i];
        if (r->sspi_req == 0 || r->gss_flag == 0)
            continue;
        ck_assert_msg(t.gss_to_ret(t.req_to_gss(r->sspi_req)) == r->sspi_req,
                      "%s %s does not come back as itself", t.name, r->sspi_req_name);
        ck_assert_uint_eq(r->sspi_ret, r->sspi_req);
    }
}
END_TEST

START_TEST(test_shim_rows_ask_gss_for_nothing)
{
    struct table t = table_at(_i);
    for (size_t i = 0; i < t.count; i++) {
        const struct gssmap_flag_row *r = &t.rows[i];
        if (r->sspi_req != 0 && r->gss_flag == 0)
            ck_assert_msg(t.req_to_gss(r->sspi_req) == 0, "%s %s", t.name, r->sspi_req_name);
    }
}
END_TEST

START_TEST(test_rows_are_unique_named_and_noted)
{
    struct table t = table_at(_i);
    for (size_t i = 0; i < t.count; i++) {
        const struct gssmap_flag_row *r = &t.rows[i];
        ck_assert_msg(r->sspi_req != 0 || r->gss_flag != 0, "%s row %zu is empty", t.name, i);
        ck_assert_msg(r->note != NULL && strlen(r->note) > 10, "%s row %zu has no note", t.name, i);
        ck_assert_int_eq(r->sspi_req != 0, r->sspi_req_name[0] != '\0');
        ck_assert_int_eq(r->gss_flag != 0, r->gss_flag_name[0] != '\0');
        ck_assert_int_eq(r->sspi_ret != 0, r->sspi_ret_name[0] != '\0');
        /* one bit per row, so each table row is one decision */
        ck_assert(r->sspi_req == 0 || (r->sspi_req & (r->sspi_req - 1)) == 0);
        ck_assert(r->gss_flag == 0 || (r->gss_flag & (r->gss_flag - 1)) == 0);
        for (size_t j = i + 1; j < t.count; j++) {
            ck_assert_msg(r->sspi_req == 0 || r->sspi_req != t.rows[j].sspi_req,
                          "%s: %s twice", t.name, r->sspi_req_name);
            ck_assert_msg(r->gss_flag == 0 || r->gss_flag != t.rows[j].gss_flag,
                          "%s: %s twice (return direction ambiguous)", t.name, r->gss_flag_name);
            ck_assert_msg(r->sspi_ret == 0 || r->sspi_ret != t.rows[j].sspi_ret,
                          "%s: %s twice", t.name, r->sspi_ret_name);
        }
    }
}
END_TEST

START_TEST(test_every_sdk_request_flag_has_a_row)
{
    const ULONG *list = _i == 0 ? all_isc_req : all_asc_req;
    size_t n = _i == 0 ? sizeof(all_isc_req) / sizeof(all_isc_req[0])
                       : sizeof(all_asc_req) / sizeof(all_asc_req[0]);
    struct table t = table_at(_i);
    for (size_t k = 0; k < n; k++) {
        int found = 0;
        for (size_t i = 0; i < t.count; i++)
            found |= t.rows[i].sspi_req == list[k];
        ck_assert_msg(found, "%s request 0x%08x has no row", t.name, (unsigned)list[k]);
    }
}
END_TEST

START_TEST(test_every_gss_flag_has_a_decision)
{
    struct table t = table_at(_i);
    for (size_t k = 0; k < N_GSS; k++) {
        int found = 0;
        for (size_t i = 0; i < t.count; i++)
            found |= t.rows[i].gss_flag == all_gss_flags[k];
        ck_assert_msg(found, "%s: GSS flag 0x%x has no row", t.name, (unsigned)all_gss_flags[k]);
    }
}
END_TEST

/* ------------------------------------------------------- combinations */

START_TEST(test_combined_requests_or_their_gss_flags)
{
    struct table t = table_at(_i);
    OM_uint32 want = 0;
    ULONG req = 0;
    for (size_t i = 0; i < t.count; i++) {
        req |= t.rows[i].sspi_req;
        if (t.rows[i].sspi_req != 0)
            want |= t.rows[i].gss_flag;
        /* and every prefix of the table, so pairs and triples are covered */
        ck_assert_uint_eq(t.req_to_gss(req), want);
    }
}
END_TEST

START_TEST(test_combined_gss_flags_or_their_ret_flags)
{
    struct table t = table_at(_i);
    OM_uint32 gss = 0;
    ULONG want = 0;
    for (size_t i = 0; i < t.count; i++) {
        gss |= t.rows[i].gss_flag;
        if (t.rows[i].gss_flag != 0)
            want |= t.rows[i].sspi_ret;
        ck_assert_uint_eq(t.gss_to_ret(gss), want);
    }
}
END_TEST

START_TEST(test_unknown_request_bits_are_dropped)
{
    struct table t = table_at(_i);
    ULONG known = all_req_bits(&t);
    for (int bit = 0; bit < 32; bit++) {
        ULONG b = (ULONG)1 << bit;
        if (!(known & b))
            ck_assert_msg(t.req_to_gss(b) == 0, "%s: unknown bit 0x%08x leaked", t.name,
                          (unsigned)b);
    }
    ck_assert_uint_eq(t.req_to_gss(0xFFFFFFFFu), t.req_to_gss(known));
    ck_assert_uint_eq(t.req_to_gss(0), 0);
}
END_TEST

START_TEST(test_unknown_gss_bits_are_dropped)
{
    struct table t = table_at(_i);
    OM_uint32 known = all_row_gss_bits(&t);
    for (int bit = 0; bit < 32; bit++) {
        OM_uint32 b = (OM_uint32)1 << bit;
        if (!(known & b))
            ck_assert_msg(t.gss_to_ret(b) == 0, "%s: unknown GSS bit 0x%x leaked", t.name,
                          (unsigned)b);
    }
    ck_assert_uint_eq(t.gss_to_ret(0xFFFFFFFFu), t.gss_to_ret(known));
    ck_assert_uint_eq(t.gss_to_ret(0), 0);
}
END_TEST

START_TEST(test_ret_direction_reports_only_gss_derived_bits)
{
    /* The shim-only RET bits (ALLOCATED_MEMORY, CONNECTION, ...) never
     * come out of the GSS direction, whatever GSS says. */
    struct table t = table_at(_i);
    ULONG from_gss = t.gss_to_ret(0xFFFFFFFFu);
    for (size_t i = 0; i < t.count; i++)
        if (t.rows[i].gss_flag == 0 && t.rows[i].sspi_ret != 0)
            ck_assert_msg(!(from_gss & t.rows[i].sspi_ret), "%s: %s from GSS", t.name,
                          t.rows[i].sspi_ret_name);
}
END_TEST

/* -------------------------------------------------- named decisions */

START_TEST(test_sdk_values_differ_between_isc_and_asc)
{
    ck_assert_uint_eq(ISC_RET_INTEGRITY, 0x10000);
    ck_assert_uint_eq(ASC_RET_INTEGRITY, 0x20000);
    ck_assert_uint_eq(gssmap_gss_to_isc_ret(GSS_C_INTEG_FLAG), 0x10000);
    ck_assert_uint_eq(gssmap_gss_to_asc_ret(GSS_C_INTEG_FLAG), 0x20000);
    ck_assert_uint_eq(gssmap_isc_req_to_gss(0x10000), GSS_C_INTEG_FLAG);
    ck_assert_uint_eq(gssmap_asc_req_to_gss(0x20000), GSS_C_INTEG_FLAG);
    /* 0x20000 is ISC_REQ_IDENTIFY on the initiator side */
    ck_assert_uint_eq(gssmap_isc_req_to_gss(0x20000), GSS_C_IDENTIFY_FLAG);
    ck_assert_uint_eq(gssmap_asc_req_to_gss(ASC_REQ_EXTENDED_ERROR), GSS_C_EXTENDED_ERROR_FLAG);
    ck_assert_uint_eq(ASC_REQ_EXTENDED_ERROR, 0x8000);
    ck_assert_uint_eq(gssmap_isc_req_to_gss(0x8000), 0); /* ISC_REQ_STREAM */
}
END_TEST

START_TEST(test_heimdal_gss_flag_values)
{
    ck_assert_uint_eq(GSS_C_DELEG_FLAG, 1);
    ck_assert_uint_eq(GSS_C_ANON_FLAG, 64);
    ck_assert_uint_eq(GSS_C_DCE_STYLE, 4096);
    ck_assert_uint_eq(GSS_C_IDENTIFY_FLAG, 8192);
    ck_assert_uint_eq(GSS_C_EXTENDED_ERROR_FLAG, 16384);
}
END_TEST

START_TEST(test_brief_pairs_map_as_named)
{
    ck_assert_uint_eq(gssmap_isc_req_to_gss(ISC_REQ_DELEGATE), GSS_C_DELEG_FLAG);
    ck_assert_uint_eq(gssmap_isc_req_to_gss(ISC_REQ_MUTUAL_AUTH), GSS_C_MUTUAL_FLAG);
    ck_assert_uint_eq(gssmap_isc_req_to_gss(ISC_REQ_REPLAY_DETECT), GSS_C_REPLAY_FLAG);
    ck_assert_uint_eq(gssmap_isc_req_to_gss(ISC_REQ_SEQUENCE_DETECT), GSS_C_SEQUENCE_FLAG);
    ck_assert_uint_eq(gssmap_isc_req_to_gss(ISC_REQ_CONFIDENTIALITY), GSS_C_CONF_FLAG);
    ck_assert_uint_eq(gssmap_isc_req_to_gss(ISC_REQ_INTEGRITY), GSS_C_INTEG_FLAG);
    ck_assert_uint_eq(gssmap_isc_req_to_gss(ISC_REQ_IDENTIFY), GSS_C_IDENTIFY_FLAG);
    ck_assert_uint_eq(gssmap_isc_req_to_gss(ISC_REQ_USE_DCE_STYLE), GSS_C_DCE_STYLE);
    ck_assert_uint_eq(gssmap_isc_req_to_gss(ISC_REQ_EXTENDED_ERROR), GSS_C_EXTENDED_ERROR_FLAG);
}
END_TEST

START_TEST(test_null_session_is_anonymous_both_ways)
{
    ck_assert_uint_eq(gssmap_isc_req_to_gss(ISC_REQ_NULL_SESSION), GSS_C_ANON_FLAG);
    ck_assert_uint_eq(gssmap_gss_to_isc_ret(GSS_C_ANON_FLAG), ISC_RET_NULL_SESSION);
    ck_assert_uint_eq(gssmap_gss_to_asc_ret(GSS_C_ANON_FLAG), ASC_RET_NULL_SESSION);
    /* allowing NULL sessions is acceptor policy, not a GSS request */
    ck_assert_uint_eq(gssmap_asc_req_to_gss(ASC_REQ_ALLOW_NULL_SESSION), 0);
}
END_TEST

START_TEST(test_prot_ready_trans_and_deleg_policy_are_dropped)
{
    OM_uint32 g = GSS_C_PROT_READY_FLAG | GSS_C_TRANS_FLAG | GSS_C_DELEG_POLICY_FLAG;
    ck_assert_uint_eq(gssmap_gss_to_isc_ret(g), 0);
    ck_assert_uint_eq(gssmap_gss_to_asc_ret(g), 0);
    ck_assert_uint_eq(gssmap_isc_req_to_gss(0xFFFFFFFFu) & g, 0);
    ck_assert_uint_eq(gssmap_asc_req_to_gss(0xFFFFFFFFu) & g, 0);
}
END_TEST

START_TEST(test_shim_handled_requests_need_no_gss_flag)
{
    ULONG isc = ISC_REQ_ALLOCATE_MEMORY | ISC_REQ_CONNECTION | ISC_REQ_STREAM |
                ISC_REQ_USE_SUPPLIED_CREDS | ISC_REQ_MANUAL_CRED_VALIDATION |
                ISC_REQ_USE_HTTP_STYLE;
    ULONG asc = ASC_REQ_ALLOCATE_MEMORY | ASC_REQ_CONNECTION | ASC_REQ_STREAM |
                ASC_REQ_ALLOW_MISSING_BINDINGS | ASC_REQ_NO_TOKEN;
    ck_assert_uint_eq(gssmap_isc_req_to_gss(isc), 0);
    ck_assert_uint_eq(gssmap_asc_req_to_gss(asc), 0);
}
END_TEST

START_TEST(test_typical_negotiate_request_round_trips)
{
    /* What curl's SSPI Negotiate code asks for, and a Heimdal acceptor's
     * ret_flags as observed (0x13e: MUTUAL|REPLAY|SEQUENCE|CONF|INTEG|TRANS). */
    ULONG req = ISC_REQ_CONFIDENTIALITY | ISC_REQ_REPLAY_DETECT | ISC_REQ_SEQUENCE_DETECT |
                ISC_REQ_ALLOCATE_MEMORY | ISC_REQ_MUTUAL_AUTH;
    ck_assert_uint_eq(gssmap_isc_req_to_gss(req), GSS_C_CONF_FLAG | GSS_C_REPLAY_FLAG |
                                                      GSS_C_SEQUENCE_FLAG | GSS_C_MUTUAL_FLAG);
    ck_assert_uint_eq(gssmap_gss_to_asc_ret(0x13e),
                      ASC_RET_MUTUAL_AUTH | ASC_RET_REPLAY_DETECT | ASC_RET_SEQUENCE_DETECT |
                          ASC_RET_CONFIDENTIALITY | ASC_RET_INTEGRITY);
    ck_assert_uint_eq(gssmap_gss_to_isc_ret(0x13e),
                      ISC_RET_MUTUAL_AUTH | ISC_RET_REPLAY_DETECT | ISC_RET_SEQUENCE_DETECT |
                          ISC_RET_CONFIDENTIALITY | ISC_RET_INTEGRITY);
}
END_TEST

static Suite *flags_suite(void)
{
    Suite *s = suite_create("gss_map_flags");
    TCase *rows = tcase_create("rows");
    /* _i = 0: ISC table, 1: ASC table */
    tcase_add_loop_test(rows, test_every_req_row_gives_its_gss_flag, 0, 2);
    tcase_add_loop_test(rows, test_every_gss_row_gives_its_ret_flag, 0, 2);
    tcase_add_loop_test(rows, test_round_trip_req_gss_ret_keeps_the_bit, 0, 2);
    tcase_add_loop_test(rows, test_shim_rows_ask_gss_for_nothing, 0, 2);
    tcase_add_loop_test(rows, test_rows_are_unique_named_and_noted, 0, 2);
    tcase_add_loop_test(rows, test_every_sdk_request_flag_has_a_row, 0, 2);
    tcase_add_loop_test(rows, test_every_gss_flag_has_a_decision, 0, 2);
    suite_add_tcase(s, rows);

    TCase *combos = tcase_create("combinations");
    tcase_add_loop_test(combos, test_combined_requests_or_their_gss_flags, 0, 2);
    tcase_add_loop_test(combos, test_combined_gss_flags_or_their_ret_flags, 0, 2);
    tcase_add_loop_test(combos, test_unknown_request_bits_are_dropped, 0, 2);
    tcase_add_loop_test(combos, test_unknown_gss_bits_are_dropped, 0, 2);
    tcase_add_loop_test(combos, test_ret_direction_reports_only_gss_derived_bits, 0, 2);
    suite_add_tcase(s, combos);

    TCase *named = tcase_create("decisions");
    tcase_add_test(named, test_sdk_values_differ_between_isc_and_asc);
    tcase_add_test(named, test_heimdal_gss_flag_values);
    tcase_add_test(named, test_brief_pairs_map_as_named);
    tcase_add_test(named, test_null_session_is_anonymous_both_ways);
    tcase_add_test(named, test_prot_ready_trans_and_deleg_policy_are_dropped);
    tcase_add_test(named, test_shim_handled_requests_need_no_gss_flag);
    tcase_add_test(named, test_typical_negotiate_request_round_trips);
    suite_add_tcase(s, named);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(flags_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
