/*
 * Private mechglue registration for tests (tests/mechenv.h).
 */
#define _GNU_SOURCE
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "gssapi_sspi_shim_credssp.h"
#include "gssapi_sspi_shim_digest.h"
#include "mechenv.h"

#ifndef DIGEST_MECH_PATH
#error "DIGEST_MECH_PATH: the built Digest mechanism module"
#endif

static char config_dir[256];
static char config_file[300];
static int entered;

#ifdef SSPI_SHIM_HEIMDAL
static int write_file(const char *path, const char *text)
{
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    ssize_t n;

    if (fd < 0)
        return -1;
    n = write(fd, text, strlen(text));
    close(fd);
    return n == (ssize_t)strlen(text) ? 0 : -1;
}
#endif

/* The mech lines `make install` writes to $(sysconfdir)/gss/mech.d, with
 * the build tree's module paths. */
static int write_mech_file(void)
{
    FILE *f;
    const char *tmp = getenv("TMPDIR");

    if (tmp == NULL || *tmp == '\0')
        tmp = "/tmp";
    snprintf(config_dir, sizeof(config_dir), "%s/sspi-shim-gss.XXXXXX", tmp);
    if (mkdtemp(config_dir) == NULL)
        return -1;
    snprintf(config_file, sizeof(config_file), "%s/mech", config_dir);
    f = fopen(config_file, "w");
    if (f == NULL)
        return -1;
    fprintf(f, "sspi_shim_digest %s %s -\n", GSS_SSPI_SHIM_DIGEST_MECH_OID_STRING,
            DIGEST_MECH_PATH);
#ifdef CREDSSP_MECH_PATH
    fprintf(f, "sspi_shim_credssp %s %s -\n", GSS_SSPI_SHIM_CREDSSP_MECH_OID_STRING,
            CREDSSP_MECH_PATH);
#endif
#if !defined(SSPI_SHIM_HEIMDAL) && defined(NTLMSSP_MECH_PATH)
    /* MIT: gss-ntlmssp (NTLM) when configure found it; the private file
     * replaces /etc/gss/mech.d, which would have registered it.  Never for
     * Heimdal: its NTLM is built in, and this module is built for MIT. */
    if (NTLMSSP_MECH_PATH[0] != '\0' && access(NTLMSSP_MECH_PATH, R_OK) == 0)
        fprintf(f, "gssntlmssp_v1 1.3.6.1.4.1.311.2.2.10 %s\n", NTLMSSP_MECH_PATH);
#endif
    return fclose(f) == 0 ? 0 : -1;
}

#ifdef SSPI_SHIM_HEIMDAL
static int enter_namespace(void)
{
    char map[64];
    uid_t uid = getuid();
    gid_t gid = getgid();

    if (unshare(CLONE_NEWUSER | CLONE_NEWNS) != 0) {
        fprintf(stderr, "mechenv: unshare(CLONE_NEWUSER|CLONE_NEWNS): %s; Heimdal reads only "
                        "/etc/gss/mech, so the mechanism cannot be registered without root\n",
                strerror(errno));
        return 77;
    }
    snprintf(map, sizeof(map), "0 %u 1\n", (unsigned)uid);
    if (write_file("/proc/self/setgroups", "deny\n") != 0 ||
        write_file("/proc/self/uid_map", map) != 0)
        goto fail;
    snprintf(map, sizeof(map), "0 %u 1\n", (unsigned)gid);
    if (write_file("/proc/self/gid_map", map) != 0)
        goto fail;
    if (mount("none", "/", "none", MS_REC | MS_PRIVATE, NULL) != 0 ||
        mount(config_dir, "/etc/gss", "none", MS_BIND, NULL) != 0)
        goto fail;
    return 0;
fail:
    fprintf(stderr, "mechenv: cannot bind a private /etc/gss: %s\n", strerror(errno));
    return 77;
}
#endif

static pid_t creator;

/* The private file and directory go when the process that made them exits
 * (not its forked test children; the Heimdal bind mount dies with the
 * namespace).  with-gss-mechs execs, so its directory stays behind. */
static void remove_mech_file(void)
{
    if (getpid() != creator)
        return;
    unlink(config_file);
    rmdir(config_dir);
}

int test_mechenv_enter(void)
{
    if (entered)
        return 0;
    creator = getpid();
    atexit(remove_mech_file);
    if (write_mech_file() != 0) {
        fprintf(stderr, "mechenv: cannot write the private mech file: %s\n", strerror(errno));
        return 99;
    }
#ifdef SSPI_SHIM_HEIMDAL
    {
        int rc = enter_namespace();

        if (rc != 0)
            return rc;
    }
#else
    setenv("GSS_MECH_CONFIG", config_file, 1);
#endif
    entered = 1;
    return 0;
}

const char *test_mechenv_config(void)
{
    return entered ? config_file : NULL;
}
