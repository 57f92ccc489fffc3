/*
 * SSPI_SHIM_TRACE (docs/tracing.md): unset, empty or "0" is off; "1" or
 * "stderr" writes to standard error; anything else is a file, appended to.
 * Each line goes out in one write(2), so lines from threads never mix.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "gss_map.h"
#include "shim_config.h"
#include "sspi_shim.h"
#include "trace.h"

atomic_int shim_trace_state;
static int trace_fd = -1;
static pthread_once_t trace_once = PTHREAD_ONCE_INIT;

static void trace_open(void)
{
    char setting[SHIM_SETTING_MAX];
    const char *where = shim_setting("SSPI_SHIM_TRACE", "shim", "trace", setting);
    int fd = -1;
    if (where == NULL || where[0] == '\0' || strcmp(where, "0") == 0)
        fd = -1;
    else if (strcmp(where, "1") == 0 || strcmp(where, "stderr") == 0)
        fd = STDERR_FILENO;
    else if ((fd = open(where, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600)) < 0)
        fprintf(stderr, "sspi-shim: trace: cannot open %s: %s; tracing is off\n",
                where, strerror(errno));
    trace_fd = fd;
    atomic_store_explicit(&shim_trace_state, fd >= 0 ? 2 : 1, memory_order_release);
}

bool shim_trace_read_switch(void)
{
    pthread_once(&trace_once, trace_open);
    return atomic_load_explicit(&shim_trace_state, memory_order_acquire) == 2;
}

/* "0x0000011c(ISC_REQ_MUTUAL_AUTH|...)": the set bits by the names of the
 * gss_map flag table; bits no row names stay in the hex only. */
static size_t flag_text(char *out, size_t size, ULONG flags, enum shim_trace_flags kind,
                        bool requested)
{
    const struct gssmap_flag_row *rows =
        kind == SHIM_TRACE_ISC ? gssmap_isc_flag_rows : gssmap_asc_flag_rows;
    size_t count = kind == SHIM_TRACE_ISC ? gssmap_isc_flag_row_count : gssmap_asc_flag_row_count;
    int n = snprintf(out, size, "0x%08lx(", (unsigned long)flags);
    size_t used = n > 0 && (size_t)n < size ? (size_t)n : 0;
    ULONG named = 0;
    for (size_t i = 0; i < count && used < size; i++) {
        ULONG bit = requested ? rows[i].sspi_req : rows[i].sspi_ret;
        const char *name = requested ? rows[i].sspi_req_name : rows[i].sspi_ret_name;
        if (bit == 0 || name == NULL || (flags & bit) != bit || (named & bit) == bit)
            continue;
        named |= bit;
        n = snprintf(out + used, size - used, "%s%s", used > 11 ? "|" : "", name);
        used = n > 0 && (size_t)n < size - used ? used + (size_t)n : size - 1;
    }
    n = snprintf(out + used, size - used, ")");
    return n > 0 && (size_t)n < size - used ? used + (size_t)n : size - 1;
}

void shim_trace_call(const char *function, const char *package, enum shim_trace_flags kind,
                     ULONG asked, ULONG obtained, SECURITY_STATUS status)
{
    char line[2048], req[512] = "", ret[512] = "";
    struct timespec now;
    struct tm tm;
    if (trace_fd < 0)
        return;
    clock_gettime(CLOCK_REALTIME, &now);
    gmtime_r(&now.tv_sec, &tm);
    if (kind != SHIM_TRACE_NO_FLAGS) {
        flag_text(req, sizeof(req), asked, kind, true);
        if (status >= 0)
            flag_text(ret, sizeof(ret), obtained, kind, false);
    }
    const char *name = SspiShimStatusName(status);
    int n = snprintf(line, sizeof(line),
                     "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ sspi-shim[%ld.%ld] %s package=%s%s%s%s%s"
                     " -> %s (0x%08lx)",
                     tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
                     tm.tm_sec, now.tv_nsec / 1000000, (long)getpid(), (long)syscall(SYS_gettid),
                     function, package != NULL ? package : "-", req[0] ? " asked=" : "", req,
                     ret[0] ? " obtained=" : "", ret, name != NULL ? name : "?",
                     (unsigned long)(ULONG)status);
    size_t len = n > 0 && (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1;
    /* A failure carries what the GSS library said (major/minor text),
     * when the thread's last error is about this status: a call that
     * failed without explaining must not show an older call's reason. */
    if (status < 0 && name != NULL && len < sizeof(line) - 1) {
        const char *why = SspiShimLastErrorMessage();
        size_t name_len = strlen(name);
        const char *at = strstr(why, name);
        /* "NAME (0x...): text" (shim_fail) or "call: NAME (0x...): text". */
        if (at != NULL && (at == why || (at >= why + 2 && at[-2] == ':')) &&
            strncmp(at + name_len, " (0x", 4) == 0) {
            const char *after = strstr(at, "): ");
            n = snprintf(line + len, sizeof(line) - len, ": %s",
                         at == why && after != NULL ? after + 3 : why);
            len = n > 0 && (size_t)n < sizeof(line) - len ? len + (size_t)n : sizeof(line) - 1;
        }
    }
    if (len > sizeof(line) - 2)
        len = sizeof(line) - 2;
    line[len++] = '\n';
    ssize_t w;
    do
        w = write(trace_fd, line, len);
    while (w < 0 && errno == EINTR);
}

const char *shim_trace_context_package(const SecHandle *context)
{
    struct shim_context *ctx = shim_handle_get(context, SHIM_HANDLE_CONTEXT);
    return ctx != NULL ? ctx->pkg->name : NULL;
}

const char *shim_trace_credential_package(const SecHandle *credential)
{
    struct shim_credential *cred = shim_handle_get(credential, SHIM_HANDLE_CREDENTIAL);
    return cred != NULL ? cred->pkg->name : NULL;
}
