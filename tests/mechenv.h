/*
 * Registers the mechanisms this build made (mechs/) with the GSS library
 * for the current process only, without root and without touching /etc:
 *
 *  - MIT: GSS_MECH_CONFIG names a private mech file (read once, when the
 *    mechglue first loads its mechanisms).
 *  - Heimdal 7.8 reads only /etc/gss/mech, so the process enters a new
 *    user and mount namespace (unshare(2), unprivileged) and bind-mounts a
 *    private directory over /etc/gss.  The process is uid 0 inside that
 *    namespace and nothing outside changes.
 *
 * Call it first thing in main(), before any thread or GSS call.  Returns 0,
 * or 77 (automake's "skip") with a reason on stderr when the kernel does
 * not allow unprivileged user namespaces.  Idempotent.
 */
#ifndef SSPI_SHIM_TESTS_MECHENV_H
#define SSPI_SHIM_TESTS_MECHENV_H

int test_mechenv_enter(void);

/* The private mech file's path once entered (for messages), else NULL. */
const char *test_mechenv_config(void);

#endif
