/*
 * The GSS library's own entry points, for the inner context.
 *
 * This module exports gss_init_sec_context and friends for mechglue; a
 * plain call to those names from inside the module could bind to the
 * module's own definitions (DESIGN.md "Both").  So the inner context calls
 * go through pointers looked up by name in the GSS library itself: the
 * library that loaded this module is already in the process, and dlopen
 * with RTLD_NOLOAD finds it by its soname without loading anything new.
 */
#include "config.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stddef.h>

#include "credssp_gss.h"

#ifndef GSS_LIBRARY_SONAME
#error "GSS_LIBRARY_SONAME: the GSS library's soname (configure defines it)"
#endif

static struct cs_lib lib;
static bool lib_ok;
static pthread_once_t lib_once = PTHREAD_ONCE_INIT;

#define RESOLVE(h, field, name)                                  \
    do {                                                         \
        *(void **)&lib.field = dlsym((h), (name));               \
        if (lib.field == NULL)                                   \
            return;                                              \
    } while (0)

static void lib_load(void)
{
    /* Loaded by the program (or the test) already; RTLD_NOLOAD first so
     * that a second copy is never mapped. */
    void *h = dlopen(GSS_LIBRARY_SONAME, RTLD_NOW | RTLD_NOLOAD);
    if (h == NULL)
        h = dlopen(GSS_LIBRARY_SONAME, RTLD_NOW);
    if (h == NULL)
        return;
    RESOLVE(h, init_sec_context, "gss_init_sec_context");
    RESOLVE(h, accept_sec_context, "gss_accept_sec_context");
    RESOLVE(h, delete_sec_context, "gss_delete_sec_context");
    RESOLVE(h, wrap, "gss_wrap");
    RESOLVE(h, unwrap, "gss_unwrap");
    RESOLVE(h, import_name, "gss_import_name");
    RESOLVE(h, display_name, "gss_display_name");
    RESOLVE(h, release_name, "gss_release_name");
    RESOLVE(h, release_buffer, "gss_release_buffer");
    RESOLVE(h, release_cred, "gss_release_cred");
    RESOLVE(h, inquire_sec_context_by_oid, "gss_inquire_sec_context_by_oid");
    RESOLVE(h, release_buffer_set, "gss_release_buffer_set");
    RESOLVE(h, inquire_context, "gss_inquire_context");
    lib_ok = true;    /* the handle stays open: the library outlives us */
}

const struct cs_lib *cs_lib_get(void)
{
    pthread_once(&lib_once, lib_load);
    return lib_ok ? &lib : NULL;
}
