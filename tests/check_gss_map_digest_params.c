/* gss_map/digest_params.c: the Digest mechanism's parameter token. */
#include "config.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "digest_params.h"
#include "framing.h"

static const unsigned char digest_oid[] = GSS_SSPI_SHIM_DIGEST_MECH_OID_BYTES;

START_TEST(framed_token_round_trips)
{
    static const char wire[] = "Digest username=\"u\"";
    struct gssmap_digest_record rec[] = {
        {GSS_SSPI_SHIM_DIGEST_P_WIRE, wire, sizeof(wire) - 1},
        {GSS_SSPI_SHIM_DIGEST_P_MODE, "H", 1},
        {GSS_SSPI_SHIM_DIGEST_P_METHOD, "GET", 3},
        {GSS_SSPI_SHIM_DIGEST_P_REALM, NULL, 0},       /* skipped */
        {GSS_SSPI_SHIM_DIGEST_P_ENTITY_HASH, "", 0},   /* present but empty */
    };
    size_t need = gssmap_digest_params_size(rec, 5, 1);
    unsigned char buf[256];
    struct gssmap_digest_params p;
    gss_OID_desc oid;

    ck_assert_uint_eq(need, 1 + 1 + 2 + 6 + 1 + 4 * 5 + (sizeof(wire) - 1) + 1 + 3);
    ck_assert_uint_eq(gssmap_digest_params_write(rec, 5, 1, buf, sizeof(buf)), need);
    /* An RFC 2743 token with the Digest OID: mechglue can route it. */
    ck_assert_int_eq(gssmap_token_oid(buf, need, &oid), 1);
    ck_assert_uint_eq(oid.length, sizeof(digest_oid) - 1);
    ck_assert(memcmp(oid.elements, digest_oid, oid.length) == 0);

    ck_assert_int_eq(gssmap_digest_params_parse_token(buf, need, &p), 1);
    ck_assert(gssmap_digest_param_has(&p, GSS_SSPI_SHIM_DIGEST_P_WIRE));
    ck_assert(!gssmap_digest_param_has(&p, GSS_SSPI_SHIM_DIGEST_P_REALM));
    ck_assert(gssmap_digest_param_has(&p, GSS_SSPI_SHIM_DIGEST_P_ENTITY_HASH));
    ck_assert_uint_eq(p.value[GSS_SSPI_SHIM_DIGEST_P_ENTITY_HASH].length, 0);
    ck_assert_uint_eq(p.value[GSS_SSPI_SHIM_DIGEST_P_WIRE].length, sizeof(wire) - 1);
    ck_assert(memcmp(p.value[GSS_SSPI_SHIM_DIGEST_P_WIRE].data, wire, sizeof(wire) - 1) == 0);
    ck_assert(memcmp(p.value[GSS_SSPI_SHIM_DIGEST_P_METHOD].data, "GET", 3) == 0);
    /* Values point into the token: no copy. */
    ck_assert((const unsigned char *)p.value[GSS_SSPI_SHIM_DIGEST_P_MODE].data > buf &&
              (const unsigned char *)p.value[GSS_SSPI_SHIM_DIGEST_P_MODE].data < buf + need);

    /* Unframed list. */
    size_t n = gssmap_digest_params_write(rec, 5, 0, buf, sizeof(buf));
    ck_assert_uint_eq(n, gssmap_digest_params_size(rec, 5, 0));
    ck_assert_int_eq(gssmap_digest_params_parse_list(buf, n, &p), 0);
    ck_assert_uint_eq(p.value[GSS_SSPI_SHIM_DIGEST_P_MODE].length, 1);
}
END_TEST

START_TEST(long_values_use_long_der_lengths)
{
    size_t big = 70000 - 64;
    char *value = malloc(big);
    unsigned char *buf;
    struct gssmap_digest_record rec = {GSS_SSPI_SHIM_DIGEST_P_WIRE, value, 300};
    struct gssmap_digest_params p;
    size_t n;

    memset(value, 'a', big);
    buf = malloc(big + 64);
    n = gssmap_digest_params_write(&rec, 1, 1, buf, big + 64);
    ck_assert_uint_eq(buf[1], 0x82);                    /* 2-byte length, minimal */
    ck_assert_int_eq(gssmap_digest_params_parse_token(buf, n, &p), 1);
    ck_assert_uint_eq(p.value[GSS_SSPI_SHIM_DIGEST_P_WIRE].length, 300);
    /* Over GSS_SSPI_SHIM_DIGEST_PARAMS_MAX: refused by the writer. */
    rec.length = big;
    ck_assert_uint_eq(gssmap_digest_params_size(&rec, 1, 1), 0);
    ck_assert_uint_eq(gssmap_digest_params_write(&rec, 1, 1, buf, big + 64), 0);
    free(value);
    free(buf);
}
END_TEST

START_TEST(bare_tokens_are_the_wire_message)
{
    static const char challenge[] = "realm=\"r\",nonce=\"n\",algorithm=md5-sess";
    struct gssmap_digest_params p;

    ck_assert_int_eq(gssmap_digest_params_parse_token(challenge, sizeof(challenge) - 1, &p), 0);
    ck_assert_uint_eq(p.present, 1u << GSS_SSPI_SHIM_DIGEST_P_WIRE);
    ck_assert_ptr_eq(p.value[GSS_SSPI_SHIM_DIGEST_P_WIRE].data, challenge);
    ck_assert_int_eq(gssmap_digest_params_parse_token(NULL, 0, &p), 0);
    ck_assert_uint_eq(p.value[GSS_SSPI_SHIM_DIGEST_P_WIRE].length, 0);
}
END_TEST

START_TEST(malformed_tokens_are_refused)
{
    struct gssmap_digest_record rec[] = {
        {GSS_SSPI_SHIM_DIGEST_P_WIRE, "abc", 3},
        {GSS_SSPI_SHIM_DIGEST_P_METHOD, "GET", 3},
    };
    unsigned char buf[64], bad[64];
    struct gssmap_digest_params p;
    size_t n = gssmap_digest_params_write(rec, 2, 1, buf, sizeof(buf));
    size_t list = 2 + 2 + sizeof(digest_oid) - 1;      /* offset of the version byte */

    ck_assert_uint_gt(n, 0);
    /* A frame cut inside a record (or before the version byte) fails; a
     * cut at a record boundary is a shorter, valid list. */
    for (size_t cut = list; cut < n; cut++) {
        int boundary = cut == list + 1 || cut == list + 1 + 5 + 3;
        memcpy(bad, buf, n);
        bad[1] = (unsigned char)(cut - 2);
        ck_assert_int_eq(gssmap_digest_params_parse_token(bad, cut, &p), boundary ? 1 : -1);
    }
    /* Wrong version, unknown type, type 0, repeated type, overrunning length. */
    memcpy(bad, buf, n);
    bad[list] = 2;
    ck_assert_int_eq(gssmap_digest_params_parse_token(bad, n, &p), -1);
    memcpy(bad, buf, n);
    bad[list + 1] = GSSMAP_DIGEST_P_MAX_TYPE + 1;
    ck_assert_int_eq(gssmap_digest_params_parse_token(bad, n, &p), -1);
    memcpy(bad, buf, n);
    bad[list + 1] = 0;
    ck_assert_int_eq(gssmap_digest_params_parse_token(bad, n, &p), -1);
    memcpy(bad, buf, n);
    bad[list + 1 + 5 + 3] = GSS_SSPI_SHIM_DIGEST_P_WIRE;
    ck_assert_int_eq(gssmap_digest_params_parse_token(bad, n, &p), -1);
    memcpy(bad, buf, n);
    bad[list + 5] = 4;
    ck_assert_int_eq(gssmap_digest_params_parse_token(bad, n, &p), -1);
    memcpy(bad, buf, n);
    bad[list + 2] = 0x80;                               /* 2 GiB record */
    ck_assert_int_eq(gssmap_digest_params_parse_token(bad, n, &p), -1);
    /* Another mechanism's OID. */
    memcpy(bad, buf, n);
    bad[4 + 5] ^= 1;
    ck_assert_int_eq(gssmap_digest_params_parse_token(bad, n, &p), -1);
    /* The writer refuses a repeated or unknown type. */
    struct gssmap_digest_record twice[] = {
        {GSS_SSPI_SHIM_DIGEST_P_WIRE, "a", 1},
        {GSS_SSPI_SHIM_DIGEST_P_WIRE, "b", 1},
    };
    ck_assert_uint_eq(gssmap_digest_params_write(twice, 2, 1, buf, sizeof(buf)), 0);
    twice[1].type = 99;
    ck_assert_uint_eq(gssmap_digest_params_write(twice, 2, 1, buf, sizeof(buf)), 0);
    /* Too small an output buffer. */
    ck_assert_uint_eq(gssmap_digest_params_write(rec, 2, 1, buf, n - 1), 0);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("gss_map_digest_params");
    TCase *tc = tcase_create("params");
    tcase_add_test(tc, framed_token_round_trips);
    tcase_add_test(tc, long_values_use_long_der_lengths);
    tcase_add_test(tc, bare_tokens_are_the_wire_message);
    tcase_add_test(tc, malformed_tokens_are_refused);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? 0 : 1;
}
