/*
 * gss_map time: FILETIME conversions (epoch, floor, clamps, round trips)
 * and lifetimes -> local TimeStamp under UTC and non-UTC zones.  Zones
 * are POSIX TZ strings, so no tzdata is needed.  Check forks each test,
 * so setenv("TZ") does not leak between tests.
 */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>

#include "gss_map.h"

#define TPS GSSMAP_FILETIME_TICKS_PER_SECOND

static void set_tz(const char *tz)
{
    ck_assert_int_eq(setenv("TZ", tz, 1), 0);
    tzset();
}

static LONGLONG stamp(OM_uint32 lifetime, time_t now)
{
    TimeStamp ts;
    ts.QuadPart = -1;
    gssmap_lifetime_to_timestamp(lifetime, now, &ts);
    return ts.QuadPart;
}

/* ------------------------------------------------------ table rows */

START_TEST(test_every_filetime_row_converts_as_documented)
{
    for (size_t i = 0; i < gssmap_filetime_row_count; i++) {
        const struct gssmap_filetime_row *r = &gssmap_filetime_rows[i];
        ck_assert_msg(r->to_filetime || r->to_unix, "row %zu checks nothing", i);
        if (r->to_filetime)
            ck_assert_msg(gssmap_unix_to_filetime(r->unix_time) == r->filetime,
                          "row %zu (%s): %lld", i, r->note,
                          (long long)gssmap_unix_to_filetime(r->unix_time));
        if (r->to_unix)
            ck_assert_msg(gssmap_filetime_to_unix(r->filetime) == r->unix_time,
                          "row %zu (%s): %lld", i, r->note,
                          (long long)gssmap_filetime_to_unix(r->filetime));
    }
}
END_TEST

START_TEST(test_every_lifetime_row_converts_as_documented)
{
    for (size_t i = 0; i < gssmap_lifetime_row_count; i++) {
        const struct gssmap_lifetime_row *r = &gssmap_lifetime_rows[i];
        set_tz(r->tz);
        LONGLONG got = stamp(r->lifetime, r->now);
        ck_assert_msg(got == r->timestamp, "row %zu (%s, %s): %lld, want %lld", i, r->tz,
                      r->note, (long long)got, (long long)r->timestamp);
    }
}
END_TEST

/* ------------------------------------------------------- constants */

START_TEST(test_epoch_offset_is_116444736000000000)
{
    ck_assert_int_eq(GSSMAP_FILETIME_UNIX_EPOCH, 116444736000000000LL);
    /* 369 years of which 89 leap years, in seconds, in ticks */
    ck_assert_int_eq((369LL * 365 + 89) * 86400 * 10000000LL, 116444736000000000LL);
    ck_assert_int_eq(gssmap_unix_to_filetime(0), 116444736000000000LL);
    ck_assert_int_eq(gssmap_filetime_to_unix(116444736000000000LL), 0);
    ck_assert_int_eq(GSSMAP_TIMESTAMP_NEVER, 0x7FFFFFFFFFFFFFFFLL);
}
END_TEST

/* ------------------------------------------------------ conversions */

START_TEST(test_round_trip_over_the_whole_range)
{
    /* from 1601 to the last second below NEVER, in uneven steps */
    for (int64_t t = -11644473600LL; t <= 910692730085LL; t += 1234567891LL) {
        LONGLONG ft = gssmap_unix_to_filetime((time_t)t);
        ck_assert_int_eq(ft, (t + 11644473600LL) * TPS);
        ck_assert_int_eq((int64_t)gssmap_filetime_to_unix(ft), t);
        /* any tick within the same second reads back as that second */
        ck_assert_int_eq((int64_t)gssmap_filetime_to_unix(ft + TPS - 1), t);
    }
}
END_TEST

START_TEST(test_conversions_are_monotonic)
{
    LONGLONG prev = gssmap_unix_to_filetime((time_t)-20000000000LL);
    for (int64_t t = -20000000000LL; t <= 1000000000000LL; t += 987654321LL) {
        LONGLONG ft = gssmap_unix_to_filetime((time_t)t);
        ck_assert_int_ge(ft, prev);
        ck_assert_int_ge(ft, 0);
        prev = ft;
    }
}
END_TEST

START_TEST(test_unix_to_filetime_clamps_both_ends)
{
    ck_assert_int_eq(gssmap_unix_to_filetime((time_t)-11644473601LL), 0);
    ck_assert_int_eq(gssmap_unix_to_filetime((time_t)INT64_MIN), 0);
    ck_assert_int_eq(gssmap_unix_to_filetime((time_t)910692730086LL), GSSMAP_TIMESTAMP_NEVER);
    ck_assert_int_eq(gssmap_unix_to_filetime((time_t)INT64_MAX), GSSMAP_TIMESTAMP_NEVER);
}
END_TEST

START_TEST(test_filetime_to_unix_floors)
{
    ck_assert_int_eq(gssmap_filetime_to_unix(GSSMAP_FILETIME_UNIX_EPOCH - 1), -1);
    ck_assert_int_eq(gssmap_filetime_to_unix(GSSMAP_FILETIME_UNIX_EPOCH + 1), 0);
    ck_assert_int_eq(gssmap_filetime_to_unix(GSSMAP_FILETIME_UNIX_EPOCH + TPS - 1), 0);
    ck_assert_int_eq(gssmap_filetime_to_unix(0), -11644473600LL);
    ck_assert_int_eq(gssmap_filetime_to_unix(-5), -11644473600LL); /* not a FILETIME */
    ck_assert_int_eq(gssmap_filetime_to_unix(GSSMAP_TIMESTAMP_NEVER), 910692730085LL);
}
END_TEST

/* -------------------------------------------------------- lifetimes */

START_TEST(test_lifetime_in_utc_is_plain_filetime)
{
    set_tz("UTC0");
    time_t nows[] = {0, 1, 1700000000, 2147483647, (time_t)4102444800LL};
    OM_uint32 lifetimes[] = {0, 1, 3600, 36000, 86400 * 365, 0xFFFFFFFEu};
    for (size_t i = 0; i < sizeof(nows) / sizeof(nows[0]); i++)
        for (size_t j = 0; j < sizeof(lifetimes) / sizeof(lifetimes[0]); j++)
            ck_assert_int_eq(stamp(lifetimes[j], nows[i]),
                             gssmap_unix_to_filetime(nows[i] + (time_t)lifetimes[j]));
}
END_TEST

START_TEST(test_lifetime_in_a_non_utc_zone_adds_the_local_offset)
{
    /* US Eastern: -5 h in winter, -4 h in summer (DST at the expiry instant) */
    set_tz("EST5EDT,M3.2.0,M11.1.0");
    time_t winter = 1700000000; /* 2023-11-14 */
    time_t summer = 1690000000; /* 2023-07-22 */
    ck_assert_int_eq(stamp(60, winter), gssmap_unix_to_filetime(winter + 60) - 5 * 3600 * TPS);
    ck_assert_int_eq(stamp(60, summer), gssmap_unix_to_filetime(summer + 60) - 4 * 3600 * TPS);
    /* lifetime 0 is `now` in local time, as a start time is reported */
    ck_assert_int_eq(stamp(0, winter), gssmap_unix_to_filetime(winter) - 5 * 3600 * TPS);
}
END_TEST

START_TEST(test_lifetime_offset_is_taken_at_expiry_not_now)
{
    /* US DST starts 2024-03-10 07:00Z: now in EST, expiry in EDT */
    set_tz("EST5EDT,M3.2.0,M11.1.0");
    time_t now = 1710050400; /* 2024-03-10 06:00Z */
    ck_assert_int_eq(stamp(7200, now), gssmap_unix_to_filetime(now + 7200) - 4 * 3600 * TPS);
    ck_assert_int_eq(stamp(0, now), gssmap_unix_to_filetime(now) - 5 * 3600 * TPS);
}
END_TEST

START_TEST(test_lifetime_differs_between_utc_and_local_by_the_offset)
{
    set_tz("UTC0");
    LONGLONG utc = stamp(3600, 1700000000);
    set_tz("<+0545>-5:45"); /* Nepal: +5:45 */
    LONGLONG npt = stamp(3600, 1700000000);
    ck_assert_int_eq(npt - utc, (5 * 3600 + 45 * 60) * TPS);
}
END_TEST

START_TEST(test_indefinite_is_never_in_any_zone)
{
    const char *zones[] = {"UTC0", "JST-9", "EST5EDT,M3.2.0,M11.1.0", "<-0330>3:30"};
    for (size_t i = 0; i < sizeof(zones) / sizeof(zones[0]); i++) {
        set_tz(zones[i]);
        ck_assert_int_eq(stamp(GSS_C_INDEFINITE, 1700000000), GSSMAP_TIMESTAMP_NEVER);
        ck_assert_int_eq(stamp(GSS_C_INDEFINITE, 0), GSSMAP_TIMESTAMP_NEVER);
    }
    ck_assert_uint_eq(GSS_C_INDEFINITE, 0xFFFFFFFFu);
}
END_TEST

START_TEST(test_lifetime_overflow_clamps_to_never)
{
    set_tz("JST-9");
    ck_assert_int_eq(stamp(3600, (time_t)INT64_MAX), GSSMAP_TIMESTAMP_NEVER);
    ck_assert_int_eq(stamp(0xFFFFFFFEu, (time_t)INT64_MAX - 10), GSSMAP_TIMESTAMP_NEVER);
    ck_assert_int_eq(stamp(1, (time_t)910692730085LL), GSSMAP_TIMESTAMP_NEVER);
    /* just inside: 910692730085 s is 9223372036850000000; +9 h would pass NEVER */
    set_tz("UTC0");
    ck_assert_int_eq(stamp(0, (time_t)910692730085LL), 9223372036850000000LL);
}
END_TEST

START_TEST(test_lifetime_epoch_edges)
{
    set_tz("UTC0");
    ck_assert_int_eq(stamp(0, 0), GSSMAP_FILETIME_UNIX_EPOCH);
    ck_assert_int_eq(stamp(1, -1), GSSMAP_FILETIME_UNIX_EPOCH);
    ck_assert_int_eq(stamp(0, (time_t)-11644473600LL), 0);
    set_tz("JST-9");
    ck_assert_int_eq(stamp(0, 0), GSSMAP_FILETIME_UNIX_EPOCH + 9 * 3600 * TPS);
    set_tz("<-0330>3:30");
    ck_assert_int_eq(stamp(0, (time_t)-11644473600LL), 0); /* would be below 1601 */
    ck_assert_int_eq(stamp(0, (time_t)-11644473600LL + 12600), 0);
    ck_assert_int_eq(stamp(0, (time_t)-11644473600LL + 12601), TPS);
}
END_TEST

static Suite *time_suite(void)
{
    Suite *s = suite_create("gss_map_time");
    TCase *rows = tcase_create("rows");
    tcase_add_test(rows, test_every_filetime_row_converts_as_documented);
    tcase_add_test(rows, test_every_lifetime_row_converts_as_documented);
    tcase_add_test(rows, test_epoch_offset_is_116444736000000000);
    suite_add_tcase(s, rows);

    TCase *conv = tcase_create("filetime");
    tcase_add_test(conv, test_round_trip_over_the_whole_range);
    tcase_add_test(conv, test_conversions_are_monotonic);
    tcase_add_test(conv, test_unix_to_filetime_clamps_both_ends);
    tcase_add_test(conv, test_filetime_to_unix_floors);
    suite_add_tcase(s, conv);

    TCase *life = tcase_create("lifetime");
    tcase_add_test(life, test_lifetime_in_utc_is_plain_filetime);
    tcase_add_test(life, test_lifetime_in_a_non_utc_zone_adds_the_local_offset);
    tcase_add_test(life, test_lifetime_offset_is_taken_at_expiry_not_now);
    tcase_add_test(life, test_lifetime_differs_between_utc_and_local_by_the_offset);
    tcase_add_test(life, test_indefinite_is_never_in_any_zone);
    tcase_add_test(life, test_lifetime_overflow_clamps_to_never);
    tcase_add_test(life, test_lifetime_epoch_edges);
    suite_add_tcase(s, life);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(time_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
