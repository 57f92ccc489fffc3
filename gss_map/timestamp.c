/*
 * Unix time <-> FILETIME, and GSS lifetimes -> SSPI TimeStamp.
 *
 * FILETIME counts 100-ns ticks since 1601-01-01T00:00:00Z (MS "FILETIME
 * structure"); SSPI's TimeStamp carries one, "in local time" as the
 * ptsExpiry text of InitializeSecurityContext/AcquireCredentialsHandle
 * recommends, with 0x7FFFFFFFFFFFFFFF meaning "never expires".
 */
#ifndef _DEFAULT_SOURCE
#define _DEFAULT_SOURCE 1 /* tm_gmtoff */
#endif

#include <stdint.h>
#include <time.h>

#include <stdbool.h>

#include "gss_map.h"

/* Whole seconds from 1601 to 1970, and the last second below NEVER. */
#define EPOCH_SECONDS (GSSMAP_FILETIME_UNIX_EPOCH / GSSMAP_FILETIME_TICKS_PER_SECOND)
#define MAX_SECONDS \
    ((GSSMAP_TIMESTAMP_NEVER - GSSMAP_FILETIME_UNIX_EPOCH) / GSSMAP_FILETIME_TICKS_PER_SECOND)

/* time_t's range, whatever its width (signed on every Unix we target). */
#define TIME_T_MAX \
    ((time_t)(sizeof(time_t) >= 8 ? INT64_MAX : INT32_MAX))

LONGLONG gssmap_unix_to_filetime(time_t t)
{
    int64_t s = (int64_t)t;
    if (s < -EPOCH_SECONDS)
        return 0; /* before 1601: FILETIME has nothing earlier */
    if (s > MAX_SECONDS)
        return GSSMAP_TIMESTAMP_NEVER;
    return (LONGLONG)(s * GSSMAP_FILETIME_TICKS_PER_SECOND + GSSMAP_FILETIME_UNIX_EPOCH);
}

time_t gssmap_filetime_to_unix(LONGLONG ft)
{
    if (ft < 0)
        ft = 0; /* not a FILETIME; read as its floor, 1601 */
    int64_t d = (int64_t)ft - GSSMAP_FILETIME_UNIX_EPOCH;
    int64_t s = d / GSSMAP_FILETIME_TICKS_PER_SECOND;
    if (d % GSSMAP_FILETIME_TICKS_PER_SECOND < 0)
        s--; /* floor, not truncation: 1969-12-31T23:59:59.9 is -1 */
    if (sizeof(time_t) < 8 && s > (int64_t)TIME_T_MAX)
        return TIME_T_MAX;
    if (sizeof(time_t) < 8 && s < -(int64_t)TIME_T_MAX - 1)
        return (time_t)(-(int64_t)TIME_T_MAX - 1);
    return (time_t)s;
}

/*
 * The UTC offset in force at t, DST included.  localtime_r costs more than
 * the rest of a handshake leg's bookkeeping and takes a process-wide lock,
 * so the answer is remembered per thread for t's quarter hour (offsets
 * change only on quarter-hour boundaries) and for the time zone in force
 * (tzset replaces tzname and timezone, which invalidates the memo).
 */
static int64_t utc_offset_at(time_t t)
{
    static _Thread_local struct {
        time_t quarter;
        const char *tz0, *tz1;
        long timezone;
        int64_t offset;
        bool valid;
    } memo;
    time_t quarter = t >= 0 ? t / 900 : (t - 899) / 900;
    if (memo.valid && memo.quarter == quarter && memo.tz0 == tzname[0] &&
        memo.tz1 == tzname[1] && memo.timezone == timezone)
        return memo.offset;
    struct tm tm;
    int64_t off = localtime_r(&t, &tm) != NULL ? (int64_t)tm.tm_gmtoff : 0;
    memo.quarter = quarter;
    memo.tz0 = tzname[0];
    memo.tz1 = tzname[1];
    memo.timezone = timezone;
    memo.offset = off;
    memo.valid = true;
    return off;
}

void gssmap_lifetime_to_timestamp(OM_uint32 lifetime, time_t now, TimeStamp *out)
{
    if (lifetime == GSS_C_INDEFINITE || now > TIME_T_MAX - (time_t)lifetime) {
        out->QuadPart = GSSMAP_TIMESTAMP_NEVER;
        return;
    }
    time_t t = now + (time_t)lifetime;
    LONGLONG ft = gssmap_unix_to_filetime(t);
    if (ft == GSSMAP_TIMESTAMP_NEVER) {
        out->QuadPart = GSSMAP_TIMESTAMP_NEVER;
        return;
    }
    int64_t off = utc_offset_at(t);
    int64_t shift = off * GSSMAP_FILETIME_TICKS_PER_SECOND;
    if (shift > 0 && ft > GSSMAP_TIMESTAMP_NEVER - shift)
        out->QuadPart = GSSMAP_TIMESTAMP_NEVER;
    else if (ft + shift < 0)
        out->QuadPart = 0;
    else
        out->QuadPart = ft + shift;
}

/* ------------------------------------------------------------ examples */

const struct gssmap_filetime_row gssmap_filetime_rows[] = {
    {0, 116444736000000000LL, 1, 1, "1970-01-01T00:00:00Z, the Unix epoch."},
    {1, 116444736010000000LL, 1, 1, "One second is 10,000,000 ticks."},
    {-1, 116444735990000000LL, 1, 1, "1969-12-31T23:59:59Z: negative time_t works."},
    {-11644473600LL, 0, 1, 1, "1601-01-01T00:00:00Z, FILETIME 0."},
    {-11644473601LL, 0, 1, 0, "Before 1601: clamped to 0."},
    {-11644473600LL, 1, 0, 1, "FILETIME -> Unix rounds down (floor)."},
    {-1, 116444735999999999LL, 0, 1, "Floor, not truncation: just before the epoch is -1."},
    {1700000000, 133444736000000000LL, 1, 1, "2023-11-14T22:13:20Z."},
    {2147483648LL, 137919572480000000LL, 1, 1, "2038-01-19T03:14:08Z, past 32-bit time_t."},
    {910692730085LL, 9223372036850000000LL, 1, 1, "The last whole second below NEVER."},
    {910692730086LL, GSSMAP_TIMESTAMP_NEVER, 1, 0, "Later: clamped to NEVER."},
    {910692730085LL, GSSMAP_TIMESTAMP_NEVER, 0, 1, "NEVER read back as a Unix time."},
};
const size_t gssmap_filetime_row_count =
    sizeof(gssmap_filetime_rows) / sizeof(gssmap_filetime_rows[0]);

#define CET "CET-1CEST,M3.5.0,M10.5.0/3"

const struct gssmap_lifetime_row gssmap_lifetime_rows[] = {
    {"UTC0", 1700000000, 36000, 133445096000000000LL, "UTC: FILETIME of now + lifetime."},
    {"UTC0", 1700000000, 0, 133444736000000000LL, "Lifetime 0: now itself (a start time)."},
    {"UTC0", 1700000000, GSS_C_INDEFINITE, GSSMAP_TIMESTAMP_NEVER,
     "GSS_C_INDEFINITE: never expires."},
    {"JST-9", 1700000000, 36000, 133445420000000000LL, "East of UTC: +9 h."},
    {"<-0330>3:30", 1700000000, 36000, 133444970000000000LL, "West of UTC, half hours: -3:30."},
    {CET, 1700000000, 0, 133444772000000000LL, "Central Europe in winter: +1 h."},
    {CET, 1690000000, 0, 133344808000000000LL, "Central Europe in summer: +2 h."},
    {CET, 1698540000, 3600, 133430208000000000LL,
     "DST ends between now (+2 h) and expiry: the offset at expiry (+1 h) counts."},
    {"UTC0", 910692730000LL, 100000, GSSMAP_TIMESTAMP_NEVER, "Past FILETIME's range: NEVER."},
    {"JST-9", 910692730085LL, 0, GSSMAP_TIMESTAMP_NEVER,
     "The local shift would pass NEVER: clamped."},
    {"<-0330>3:30", -11644473600LL, 0, 0, "The local shift would go below 1601: clamped to 0."},
};
const size_t gssmap_lifetime_row_count =
    sizeof(gssmap_lifetime_rows) / sizeof(gssmap_lifetime_rows[0]);
