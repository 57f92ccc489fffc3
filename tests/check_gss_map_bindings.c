/* gss_map/bindings.c: SEC_CHANNEL_BINDINGS parsing and packing. */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "bindings.h"

START_TEST(packed_application_data_parses_back)
{
    const char data[] = "tls-server-end-point:0123456789abcdef0123456789abcdef";
    SEC_CHANNEL_BINDINGS *b;
    size_t len;
    ck_assert_int_eq(gssmap_pack_channel_bindings(data, sizeof(data) - 1, &b, &len), 0);
    ck_assert_uint_eq(len, 32 + sizeof(data) - 1);       /* 8 ULONGs of header */
    ck_assert_uint_eq(b->dwApplicationDataOffset, 32);
    ck_assert_uint_eq(b->cbApplicationDataLength, sizeof(data) - 1);
    ck_assert_uint_eq(b->cbInitiatorLength, 0);
    ck_assert_uint_eq(b->cbAcceptorLength, 0);

    struct gss_channel_bindings_struct g;
    ck_assert_int_eq(gssmap_channel_bindings(b, len, &g), 0);
    ck_assert_uint_eq(g.application_data.length, sizeof(data) - 1);
    ck_assert(memcmp(g.application_data.value, data, sizeof(data) - 1) == 0);
    /* No copy: the GSS struct points into the caller's buffer. */
    ck_assert_ptr_eq(g.application_data.value, (char *)b + 32);
    ck_assert_uint_eq(g.initiator_address.length, 0);
    ck_assert_ptr_null(g.acceptor_address.value);
    free(b);
}
END_TEST

START_TEST(addresses_and_types_are_carried)
{
    unsigned char buf[64] = {0};
    SEC_CHANNEL_BINDINGS h = {.dwInitiatorAddrType = 2, .cbInitiatorLength = 4,
                              .dwInitiatorOffset = 32, .dwAcceptorAddrType = 2,
                              .cbAcceptorLength = 4, .dwAcceptorOffset = 36,
                              .cbApplicationDataLength = 3, .dwApplicationDataOffset = 40};
    memcpy(buf, &h, sizeof(h));
    memcpy(buf + 32, "\x7f\x00\x00\x01\x0a\x00\x00\x02" "abc", 11);
    struct gss_channel_bindings_struct g;
    ck_assert_int_eq(gssmap_channel_bindings(buf, 43, &g), 0);
    ck_assert_uint_eq(g.initiator_addrtype, 2);
    ck_assert_uint_eq(g.acceptor_addrtype, 2);
    ck_assert(memcmp(g.initiator_address.value, "\x7f\x00\x00\x01", 4) == 0);
    ck_assert(memcmp(g.acceptor_address.value, "\x0a\x00\x00\x02", 4) == 0);
    ck_assert(memcmp(g.application_data.value, "abc", 3) == 0);
}
END_TEST

START_TEST(out_of_bounds_parts_are_rejected)
{
    unsigned char buf[48] = {0};
    struct gss_channel_bindings_struct g;
    SEC_CHANNEL_BINDINGS cases[] = {
        {.cbApplicationDataLength = 17, .dwApplicationDataOffset = 32},   /* 1 byte past */
        {.cbApplicationDataLength = 1, .dwApplicationDataOffset = 48},    /* at the end */
        {.cbApplicationDataLength = 0xffffffffu, .dwApplicationDataOffset = 32},
        {.cbApplicationDataLength = 16, .dwApplicationDataOffset = 0xfffffff0u},
        {.cbInitiatorLength = 8, .dwInitiatorOffset = 44},
        {.cbAcceptorLength = 100, .dwAcceptorOffset = 0},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        memcpy(buf, &cases[i], sizeof(cases[i]));
        ck_assert_msg(gssmap_channel_bindings(buf, sizeof(buf), &g) == EINVAL, "case %zu", i);
    }
    /* Shorter than the header, or NULL. */
    ck_assert_int_eq(gssmap_channel_bindings(buf, 31, &g), EINVAL);
    ck_assert_int_eq(gssmap_channel_bindings(NULL, 64, &g), EINVAL);
    /* Exactly fitting parts are fine. */
    SEC_CHANNEL_BINDINGS fit = {.cbApplicationDataLength = 16, .dwApplicationDataOffset = 32};
    memcpy(buf, &fit, sizeof(fit));
    ck_assert_int_eq(gssmap_channel_bindings(buf, sizeof(buf), &g), 0);
}
END_TEST

START_TEST(packing_rejects_impossible_input)
{
    SEC_CHANNEL_BINDINGS *b;
    size_t len;
    ck_assert_int_eq(gssmap_pack_channel_bindings(NULL, 5, &b, &len), EINVAL);
    ck_assert_int_eq(gssmap_pack_channel_bindings(NULL, 0, &b, &len), 0);
    ck_assert_uint_eq(len, 32);
    free(b);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("gss_map_bindings");
    TCase *tc = tcase_create("bindings");
    tcase_add_test(tc, packed_application_data_parses_back);
    tcase_add_test(tc, addresses_and_types_are_carried);
    tcase_add_test(tc, out_of_bounds_parts_are_rejected);
    tcase_add_test(tc, packing_rejects_impossible_input);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? 0 : 1;
}
