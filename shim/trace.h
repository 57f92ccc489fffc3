/*
 * SSPI_SHIM_TRACE: one line per SSPI call (docs/tracing.md).  The switch
 * is read once, at the first call; while it is off a call pays one relaxed
 * atomic load and a predicted branch.  Never secrets: names, flags and
 * statuses only, never token bytes, passwords or keys.
 */
#ifndef SSPI_SHIM_TRACE_H
#define SSPI_SHIM_TRACE_H

#include <stdatomic.h>
#include <stdbool.h>

#include "shim_internal.h"

enum shim_trace_flags {
    SHIM_TRACE_NO_FLAGS,        /* a call without context flags */
    SHIM_TRACE_ISC,             /* ISC_REQ_* asked, ISC_RET_* obtained */
    SHIM_TRACE_ASC,             /* ASC_REQ_* asked, ASC_RET_* obtained */
};

/* 0: not read yet, 1: off, 2: on. */
extern atomic_int shim_trace_state SHIM_LOCAL;
SHIM_LOCAL bool shim_trace_read_switch(void);

static inline bool shim_trace_enabled(void)
{
    int state = atomic_load_explicit(&shim_trace_state, memory_order_relaxed);
    if (__builtin_expect(state == 1, 1))
        return false;
    return state == 2 || shim_trace_read_switch();
}

/* The line for one finished call: package may be NULL (an invalid handle,
 * an unknown package); `obtained` is read only for a status >= 0. */
SHIM_LOCAL void shim_trace_call(const char *function, const char *package,
                                enum shim_trace_flags kind, ULONG asked, ULONG obtained,
                                SECURITY_STATUS status);

/* The package a handle belongs to, for the trace line (NULL if invalid). */
SHIM_LOCAL const char *shim_trace_context_package(const SecHandle *context);
SHIM_LOCAL const char *shim_trace_credential_package(const SecHandle *credential);

#endif
