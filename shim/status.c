/*
 * GSS status -> SECURITY_STATUS, and the text of the last failure.
 *
 * The mapping itself is gss_map's table; this file adds what needs state:
 * the GSS library's own description of a failure, kept per thread so a
 * caller (the demo, the tool, a log line) can show why, not only what.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "shim_internal.h"
#include "sspi_shim.h"

static _Thread_local char last_error[512];

static void append_status_text(char *buf, size_t size, OM_uint32 code, int type, gss_OID mech)
{
    OM_uint32 minor, ctx = 0;
    gss_buffer_desc text;
    do {
        if (gss_display_status(&minor, code, type, mech, &ctx, &text) != GSS_S_COMPLETE)
            return;
        size_t used = strlen(buf);
        if (used + 3 < size)
            snprintf(buf + used, size - used, "%s%.*s", used ? "; " : "", (int)text.length,
                     (const char *)text.value);
        gss_release_buffer(&minor, &text);
    } while (ctx != 0);
}

SECURITY_STATUS shim_gss_status(const char *call, OM_uint32 major, OM_uint32 minor, gss_OID mech)
{
    return shim_gss_status_side(call, major, minor, mech, GSSMAP_INITIATOR);
}

SECURITY_STATUS shim_gss_status_side(const char *call, OM_uint32 major, OM_uint32 minor,
                                     gss_OID mech, enum gssmap_side side)
{
    SECURITY_STATUS st = gssmap_status_side(major, minor, side);
    if (st < 0) {
        char text[400] = "";
        if (GSS_ERROR(major))
            append_status_text(text, sizeof(text), major, GSS_C_GSS_CODE, GSS_C_NO_OID);
        if (minor != 0)
            append_status_text(text, sizeof(text), minor, GSS_C_MECH_CODE, mech);
        const char *name = gssmap_status_name(st);
        snprintf(last_error, sizeof(last_error), "%s: %s (0x%08X): %s [GSS major 0x%08X, minor %d]",
                 call, name ? name : "?", (unsigned)st, text[0] ? text : "no details",
                 (unsigned)major, (int)minor);
    }
    return st;
}

SECURITY_STATUS shim_fail(SECURITY_STATUS status, const char *fmt, ...)
{
    char text[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof(text), fmt, ap);
    va_end(ap);
    const char *name = gssmap_status_name(status);
    snprintf(last_error, sizeof(last_error), "%s (0x%08X): %s", name ? name : "?",
             (unsigned)status, text);
    return status;
}

SSPI_API const char *SspiShimLastErrorMessage(void)
{
    return last_error;
}

SSPI_API const char *SspiShimStatusName(SECURITY_STATUS status)
{
    return gssmap_status_name(status);
}
