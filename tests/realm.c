/*
 * realm.c - a throwaway Heimdal realm for the integration tests.
 * See realm.h for the contract.  Only POSIX/Linux calls and Heimdal's
 * command-line programs are used, so the harness links no Kerberos library.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "realm.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <glob.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

#ifndef HEIMDAL_KDC
#define HEIMDAL_KDC ""
#endif
#ifndef HEIMDAL_KADMIN
#define HEIMDAL_KADMIN ""
#endif
#ifndef HEIMDAL_KINIT
#define HEIMDAL_KINIT ""
#endif

#define DEFAULT_KDC     "/usr/lib/heimdal-servers/kdc"
#define DEFAULT_KADMIN  "kadmin.heimdal"
#define DEFAULT_KINIT   "kinit.heimdal"

/* How long the KDC may take to answer after it is started. */
#define KDC_START_TIMEOUT_MS  10000
/* How long a stopping KDC gets after SIGTERM before SIGKILL. */
#define KDC_STOP_TIMEOUT_MS   3000

/* Variables the realm sets in this process (saved and put back). */
static const char *const realm_env_names[] = {
    "KRB5_CONFIG", "KRB5_KDC_PROFILE", "KRB5_KTNAME", "KRB5CCNAME",
    "KRB5RCACHEDIR", "KRB5_CLIENT_KTNAME",
};
#define N_REALM_ENV (sizeof realm_env_names / sizeof realm_env_names[0])

/* ------------------------------------------------------------ messages */

static void harness_msg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void
harness_msg(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("test_realm: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

static int
fmt_path(char *dst, size_t n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int
fmt_path(char *dst, size_t n, const char *fmt, ...)
{
    va_list ap;
    int len;
    va_start(ap, fmt);
    len = vsnprintf(dst, n, fmt, ap);
    va_end(ap);
    if (len < 0 || (size_t)len >= n) {
        harness_msg("path too long");
        errno = ENAMETOOLONG;
        return -1;
    }
    return 0;
}

/* ------------------------------------------------------- the registry */

/* What the atexit hook needs, kept outside the caller's struct (which may
 * be gone by then). */
struct reg_entry {
    int used;
    pid_t owner;
    pid_t kdc_pid;
    char dir[TEST_REALM_PATH_MAX];
};
#define REG_MAX 16
static struct reg_entry registry[REG_MAX];
static int atexit_done;

static int keep_dir(void)
{
    const char *k = getenv("TEST_REALM_KEEP");
    return k != NULL && *k != '\0' && strcmp(k, "0") != 0;
}

static int
rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st; (void)ftw;
    if (flag == FTW_DP)
        return rmdir(path) == 0 || errno == ENOENT ? 0 : -1;
    return unlink(path) == 0 || errno == ENOENT ? 0 : -1;
}

static int
dir_is_ours(const char *dir)
{
    const char *base = strrchr(dir, '/');
    return dir[0] == '/' && base != NULL && strncmp(base, "/sspi-realm.", 12) == 0;
}

static int
remove_tree(const char *dir)
{
    struct stat st;
    if (!dir_is_ours(dir)) {
        harness_msg("refusing to remove '%s'", dir);
        return -1;
    }
    if (lstat(dir, &st) != 0)
        return errno == ENOENT ? 0 : -1;
    return nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* Kill the KDC's process group and reap it (we are its parent). */
static void
kill_kdc_now(pid_t pid)
{
    int status;
    if (pid <= 0)
        return;
    kill(-pid, SIGKILL);
    kill(pid, SIGKILL);
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
}

static void
registry_atexit(void)
{
    pid_t me = getpid();
    for (int i = 0; i < REG_MAX; i++) {
        struct reg_entry *e = &registry[i];
        if (!e->used || e->owner != me)
            continue;
        kill_kdc_now(e->kdc_pid);
        if (keep_dir())
            harness_msg("kept %s", e->dir);
        else
            remove_tree(e->dir);
        e->used = 0;
    }
}

static int
registry_add(struct test_realm *r)
{
    if (!atexit_done) {
        if (atexit(registry_atexit) != 0)
            return -1;
        atexit_done = 1;
    }
    for (int i = 0; i < REG_MAX; i++) {
        if (!registry[i].used) {
            registry[i].used = 1;
            registry[i].owner = r->owner_pid;
            registry[i].kdc_pid = 0;
            snprintf(registry[i].dir, sizeof registry[i].dir, "%s", r->dir);
            r->slot_ = i + 1;
            return 0;
        }
    }
    harness_msg("too many realms at once");
    errno = EMFILE;
    return -1;
}

static void
registry_set_pid(struct test_realm *r)
{
    if (r->slot_ > 0 && r->slot_ <= REG_MAX)
        registry[r->slot_ - 1].kdc_pid = r->kdc_pid;
}

static void
registry_drop(struct test_realm *r)
{
    if (r->slot_ > 0 && r->slot_ <= REG_MAX)
        registry[r->slot_ - 1].used = 0;
    r->slot_ = 0;
}

static int
is_owner(const struct test_realm *r)
{
    return r->owner_pid != 0 && r->owner_pid == getpid();
}

/* ------------------------------------------------------- programs/env */

static int
find_in_path(const char *name, char *out, size_t n)
{
    const char *path = getenv("PATH");
    char buf[TEST_REALM_PATH_MAX];
    if (strchr(name, '/') != NULL) {
        if (access(name, X_OK) != 0)
            return -1;
        return fmt_path(out, n, "%s", name);
    }
    if (path == NULL || *path == '\0')
        path = "/usr/local/bin:/usr/bin:/bin";
    while (*path) {
        const char *colon = strchr(path, ':');
        size_t len = colon ? (size_t)(colon - path) : strlen(path);
        if (len > 0 && len < sizeof buf - 2 - strlen(name)) {
            memcpy(buf, path, len);
            buf[len] = '/';
            strcpy(buf + len + 1, name);
            if (access(buf, X_OK) == 0)
                return fmt_path(out, n, "%s", buf);
        }
        path = colon ? colon + 1 : path + len;
    }
    return -1;
}

/* env var (non-empty) > build-time macro (non-empty) > Debian default */
static int
resolve_prog(const char *envname, const char *macro, const char *deflt,
             char *out, size_t n)
{
    const char *e = getenv(envname);
    const char *choice = (e && *e) ? e : (macro && *macro) ? macro : deflt;
    if (find_in_path(choice, out, n) == 0)
        return 0;
    harness_msg("%s: cannot find an executable '%s'", envname, choice);
    errno = ENOENT;
    return -1;
}

/* A copy of environ without the names in drop[], plus add[] ("N=V"). */
static char **
build_env(const char *const *drop, size_t ndrop, char *const *add, size_t nadd)
{
    size_t n = 0, k = 0;
    char **env;
    for (char **e = environ; e && *e; e++)
        n++;
    env = calloc(n + nadd + 1, sizeof *env);
    if (env == NULL)
        return NULL;
    for (char **e = environ; e && *e; e++) {
        int skip = 0;
        for (size_t i = 0; i < ndrop && !skip; i++) {
            size_t l = strlen(drop[i]);
            if (strncmp(*e, drop[i], l) == 0 && (*e)[l] == '=')
                skip = 1;
        }
        if (!skip)
            env[k++] = *e;
    }
    for (size_t i = 0; i < nadd; i++)
        if (add[i] != NULL)
            env[k++] = add[i];
    env[k] = NULL;
    return env;
}

struct child_env {
    char cfg[TEST_REALM_PATH_MAX + 16];
    char prof[TEST_REALM_PATH_MAX + 24];
    char kt[TEST_REALM_PATH_MAX + 24];
    char cc[TEST_REALM_PATH_MAX + 24];
    char rc[TEST_REALM_PATH_MAX + 24];
    char preload[2 * TEST_REALM_PATH_MAX + 24];
    char faketime[64];
    char pidfile[TEST_REALM_PATH_MAX + 24];
    char **env;
};

/* The environment every helper program runs in: the realm's variables,
 * never the user's caches.  config = the KRB5_CONFIG the program reads. */
static int
make_child_env(const struct test_realm *r, const char *config, const char *ccache,
               const char *ld_preload, long time_offset, struct child_env *ce)
{
    static const char *const drop[] = {
        "KRB5_CONFIG", "KRB5_KDC_PROFILE", "KRB5_KTNAME", "KRB5CCNAME",
        "KRB5RCACHEDIR", "KRB5_CLIENT_KTNAME", "LD_PRELOAD", "FAKETIME",
        "HEIM_PIDFILE_DIR",
    };
    char *add[10];
    size_t nadd = 0;
    const char *old_preload = getenv("LD_PRELOAD");

    memset(ce, 0, sizeof *ce);
    snprintf(ce->cfg, sizeof ce->cfg, "KRB5_CONFIG=%s", config);
    snprintf(ce->prof, sizeof ce->prof, "KRB5_KDC_PROFILE=%s", r->kdc_conf);
    snprintf(ce->kt, sizeof ce->kt, "KRB5_KTNAME=FILE:%s", r->keytab);
    snprintf(ce->cc, sizeof ce->cc, "KRB5CCNAME=%s", ccache);
    snprintf(ce->rc, sizeof ce->rc, "KRB5RCACHEDIR=%s", r->dir);
    /* The kdc writes <HEIM_PIDFILE_DIR>kdc.pid (no separator added);
     * the default is /var/run/kdc.pid (lib/roken/write_pid.c). */
    snprintf(ce->pidfile, sizeof ce->pidfile, "HEIM_PIDFILE_DIR=%s/", r->dir);
    add[nadd++] = ce->pidfile;
    add[nadd++] = ce->cfg;
    add[nadd++] = ce->prof;
    add[nadd++] = ce->kt;
    add[nadd++] = ce->cc;
    add[nadd++] = ce->rc;
    if (ld_preload != NULL) {
        /* libfaketime reads FAKETIME as its time spec: relative seconds. */
        if (old_preload && *old_preload)
            snprintf(ce->preload, sizeof ce->preload, "LD_PRELOAD=%s:%s",
                     ld_preload, old_preload);
        else
            snprintf(ce->preload, sizeof ce->preload, "LD_PRELOAD=%s", ld_preload);
        snprintf(ce->faketime, sizeof ce->faketime, "FAKETIME=%+lds", time_offset);
        add[nadd++] = ce->preload;
        add[nadd++] = ce->faketime;
    } else {
        if (old_preload && *old_preload) {
            snprintf(ce->preload, sizeof ce->preload, "LD_PRELOAD=%s", old_preload);
            add[nadd++] = ce->preload;
        }
        /* keep a caller's FAKETIME out: it only matters with libfaketime */
    }
    ce->env = build_env(drop, sizeof drop / sizeof drop[0], add, nadd);
    return ce->env ? 0 : -1;
}

static void
close_fds_from(int lowfd)
{
    long max = sysconf(_SC_OPEN_MAX);
    if (max < 0 || max > 65536)
        max = 65536;
    for (int fd = lowfd; fd < max; fd++)
        close(fd);
}

/* Run argv[0] (an absolute path) with envp; feed stdin_data (+ "\n") on
 * stdin; collect stdout+stderr into r->last_output.  Returns the exit
 * status, or -1 if it could not run or died of a signal. */
static int
run_prog(struct test_realm *r, const char *const argv[], char **envp,
         const char *stdin_data)
{
    int in[2] = { -1, -1 }, out[2] = { -1, -1 };
    pid_t pid;
    size_t used = 0;
    int status;

    r->last_output[0] = '\0';
    r->last_status = -1;
    if (pipe2(out, O_CLOEXEC) != 0)
        return -1;
    if (stdin_data != NULL && pipe2(in, O_CLOEXEC) != 0) {
        close(out[0]); close(out[1]);
        return -1;
    }
    pid = fork();
    if (pid < 0) {
        close(out[0]); close(out[1]);
        if (in[0] >= 0) { close(in[0]); close(in[1]); }
        return -1;
    }
    if (pid == 0) {
        int devnull = open("/dev/null", O_RDONLY);
        dup2(in[0] >= 0 ? in[0] : devnull, 0);
        dup2(out[1], 1);
        dup2(out[1], 2);
        close_fds_from(3);
        execve(argv[0], (char *const *)argv, envp);
        fprintf(stderr, "exec %s: %s\n", argv[0], strerror(errno));
        _exit(127);
    }
    close(out[1]);
    if (in[0] >= 0) {
        /* Small inputs (passwords) fit in the pipe buffer: no deadlock. */
        size_t len = strlen(stdin_data);
        ssize_t w;
        void (*old)(int) = signal(SIGPIPE, SIG_IGN);
        close(in[0]);
        w = write(in[1], stdin_data, len);
        if (w == (ssize_t)len)
            w = write(in[1], "\n", 1);
        (void)w;
        close(in[1]);
        signal(SIGPIPE, old);
    }
    for (;;) {
        char buf[512];
        ssize_t n = read(out[0], buf, sizeof buf);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        if (used < sizeof r->last_output - 1) {
            size_t take = (size_t)n;
            if (take > sizeof r->last_output - 1 - used)
                take = sizeof r->last_output - 1 - used;
            memcpy(r->last_output + used, buf, take);
            used += take;
        }
    }
    r->last_output[used] = '\0';
    close(out[0]);
    while (waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR)
            return -1;
    }
    if (WIFEXITED(status)) {
        r->last_status = WEXITSTATUS(status);
        return r->last_status;
    }
    return -1;
}

static void
report_failure(const struct test_realm *r, const char *what)
{
    harness_msg("%s failed (status %d): %s", what, r->last_status,
                r->last_output[0] ? r->last_output : "(no output)");
}

static int
run_realm_prog(struct test_realm *r, const char *const argv[], const char *config,
               const char *ccache, const char *stdin_data)
{
    struct child_env ce;
    char ccbuf[TEST_REALM_PATH_MAX + 8];
    int rc;
    if (ccache == NULL) {
        snprintf(ccbuf, sizeof ccbuf, "FILE:%s", r->ccache);
        ccache = ccbuf;
    }
    if (make_child_env(r, config, ccache, NULL, 0, &ce) != 0)
        return -1;
    rc = run_prog(r, argv, ce.env, stdin_data);
    free(ce.env);
    return rc;
}

/* ------------------------------------------------------------ kadmin */

int
test_realm_kadmin(struct test_realm *r, const char *const argv[])
{
    const char *full[32];
    char cfgopt[TEST_REALM_PATH_MAX + 16];
    size_t n = 0, i;
    int rc;

    if (r == NULL || r->dir[0] == '\0' || argv == NULL) {
        errno = EINVAL;
        return -1;
    }
    snprintf(cfgopt, sizeof cfgopt, "--config-file=%s", r->kdc_conf);
    full[n++] = r->kadmin_prog;
    full[n++] = "-l";
    full[n++] = cfgopt;
    for (i = 0; argv[i] != NULL; i++) {
        if (n >= sizeof full / sizeof full[0] - 1) {
            errno = E2BIG;
            return -1;
        }
        full[n++] = argv[i];
    }
    full[n] = NULL;
    rc = run_realm_prog(r, full, r->kdc_conf, NULL, NULL);
    if (rc != 0) {
        char what[256];
        snprintf(what, sizeof what, "kadmin %s %s", argv[0],
                 argv[0] && argv[1] ? argv[1] : "");
        report_failure(r, what);
        return -1;
    }
    return 0;
}

#define KADMIN(r, ...) test_realm_kadmin((r), (const char *const[]){ __VA_ARGS__, NULL })

int
test_realm_add_user(struct test_realm *r, const char *name, const char *password)
{
    char pwopt[512];
    int rc;
    if (name == NULL || password == NULL) {
        errno = EINVAL;
        return -1;
    }
    if (fmt_path(pwopt, sizeof pwopt, "--password=%s", password) != 0)
        return -1;
    rc = KADMIN(r, "add", pwopt, "--use-defaults", name);
    explicit_bzero(pwopt, sizeof pwopt);
    if (rc != 0)
        return -1;
    return KADMIN(r, "modify", "--attributes=+requires-pre-auth", name);
}

static const char *
strip_kt_prefix(const char *kt)
{
    if (strncmp(kt, "FILE:", 5) == 0)
        return kt + 5;
    if (strncmp(kt, "WRFILE:", 7) == 0)
        return kt + 7;
    return kt;
}

int
test_realm_write_keytab(struct test_realm *r, const char *principal, const char *path)
{
    char ktopt[TEST_REALM_PATH_MAX + 16];
    if (principal == NULL) {
        errno = EINVAL;
        return -1;
    }
    if (path == NULL)
        path = r->keytab;
    if (fmt_path(ktopt, sizeof ktopt, "--keytab=%s", strip_kt_prefix(path)) != 0)
        return -1;
    return KADMIN(r, "ext_keytab", ktopt, principal);
}

int
test_realm_add_service(struct test_realm *r, const char *principal, const char *keytab_path)
{
    if (principal == NULL) {
        errno = EINVAL;
        return -1;
    }
    if (KADMIN(r, "add", "--random-key", "--use-defaults", principal) != 0)
        return -1;
    return test_realm_write_keytab(r, principal, keytab_path);
}

int
test_realm_rekey(struct test_realm *r, const char *principal)
{
    if (principal == NULL) {
        errno = EINVAL;
        return -1;
    }
    return KADMIN(r, "cpw", "--random-key", principal);
}

int
test_realm_delete_principal(struct test_realm *r, const char *principal)
{
    if (principal == NULL) {
        errno = EINVAL;
        return -1;
    }
    return KADMIN(r, "delete", principal);
}

/* One kadmin -l reading commands from stdin: the default principals in a
 * single run (kadmin's start-up dominates the cost of each command).
 * The fixed passwords have no blanks, so kadmin's line splitting is safe. */
static int
add_default_principals(struct test_realm *r)
{
    char script[2048], ktopt[TEST_REALM_PATH_MAX + 16], cfgopt[TEST_REALM_PATH_MAX + 16];
    int len;
    snprintf(ktopt, sizeof ktopt, "--keytab=%s", r->keytab);
    len = snprintf(script, sizeof script,
                   "add --password=%s --use-defaults %s\n"
                   "modify --attributes=+requires-pre-auth %s\n"
                   "add --password=%s --use-defaults %s\n"
                   "modify --attributes=+requires-pre-auth %s\n"
                   "add --random-key --use-defaults %s %s\n"
                   "ext_keytab %s %s %s",
                   TEST_REALM_ALICE_PASSWORD, TEST_REALM_ALICE, TEST_REALM_ALICE,
                   TEST_REALM_BOB_PASSWORD, TEST_REALM_BOB, TEST_REALM_BOB,
                   TEST_REALM_HTTP_SERVICE, TEST_REALM_HOST_SERVICE,
                   ktopt, TEST_REALM_HTTP_SERVICE, TEST_REALM_HOST_SERVICE);
    if (len < 0 || (size_t)len >= sizeof script || strchr(r->keytab, ' ') != NULL) {
        /* a blank in the path would split the line: one command at a time */
        return test_realm_add_user(r, TEST_REALM_ALICE, TEST_REALM_ALICE_PASSWORD) ||
               test_realm_add_user(r, TEST_REALM_BOB, TEST_REALM_BOB_PASSWORD) ||
               test_realm_add_service(r, TEST_REALM_HTTP_SERVICE, NULL) ||
               test_realm_add_service(r, TEST_REALM_HOST_SERVICE, NULL) ? -1 : 0;
    }
    snprintf(cfgopt, sizeof cfgopt, "--config-file=%s", r->kdc_conf);
    const char *argv[] = { r->kadmin_prog, "-l", cfgopt, NULL };
    if (run_realm_prog(r, argv, r->kdc_conf, NULL, script) != 0) {
        report_failure(r, "kadmin (default principals)");
        return -1;
    }
    return 0;
}

/* ------------------------------------------------------------- kinit */

static void
full_ccache_name(const struct test_realm *r, const char *name, char *out, size_t n)
{
    if (name == NULL)
        snprintf(out, n, "FILE:%s", r->ccache);
    else if (name[0] == '/')
        snprintf(out, n, "FILE:%s", name);
    else
        snprintf(out, n, "%s", name);
}

int
test_realm_kinit(struct test_realm *r, const char *principal, const char *password,
                 const char *ccache_name)
{
    char cc[TEST_REALM_PATH_MAX + 16];
    if (r == NULL || principal == NULL || password == NULL) {
        errno = EINVAL;
        return -1;
    }
    full_ccache_name(r, ccache_name, cc, sizeof cc);
    const char *argv[] = { r->kinit_prog, "--password-file=STDIN", "-c", cc,
                           principal, NULL };
    return run_realm_prog(r, argv, r->client_conf, cc, password);
}

int
test_realm_kinit_keytab(struct test_realm *r, const char *principal,
                        const char *keytab_path, const char *ccache_name)
{
    char cc[TEST_REALM_PATH_MAX + 16], kt[TEST_REALM_PATH_MAX + 16];
    if (r == NULL || principal == NULL) {
        errno = EINVAL;
        return -1;
    }
    full_ccache_name(r, ccache_name, cc, sizeof cc);
    snprintf(kt, sizeof kt, "FILE:%s", strip_kt_prefix(keytab_path ? keytab_path : r->keytab));
    const char *argv[] = { r->kinit_prog, "-k", "-t", kt, "-c", cc, principal, NULL };
    return run_realm_prog(r, argv, r->client_conf, cc, NULL);
}

/* ----------------------------------------------------- config files */

static int
valid_realm_name(const char *s)
{
    if (s == NULL || *s == '\0' || strlen(s) >= 128)
        return 0;
    for (; *s; s++)
        if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') ||
              (*s >= '0' && *s <= '9') || *s == '.' || *s == '-' || *s == '_'))
            return 0;
    return 1;
}

static void
write_client_sections(FILE *f, const struct test_realm *r,
                      const struct test_realm_krb5_conf *o,
                      const char *realm_extra_libdefaults)
{
    int port = (o && o->kdc_port > 0) ? o->kdc_port : r->port;
    int timeout = (o && o->kdc_timeout > 0) ? o->kdc_timeout : r->kdc_timeout;

    fprintf(f,
            "# Generated by tests/realm.c for a throwaway test realm.\n"
            "# Read by Heimdal and by MIT krb5 (curl, python3-gssapi).\n"
            "[libdefaults]\n"
            "\tdefault_realm = %s\n"
            "\tdns_lookup_kdc = false\n"
            "\tdns_lookup_realm = false\n"
            "\tdns_canonicalize_hostname = false\n"
            "\trdns = false\n"
            "\tforwardable = true\n"
            "\tkdc_timeout = %d\n"
            "\tdefault_ccache_name = FILE:%s\n"
            "\tdefault_cc_name = FILE:%s\n"
            "\tdefault_keytab_name = FILE:%s\n"
            "\tdefault_client_keytab_name = FILE:%s/client.keytab\n",
            (o && o->default_realm) ? o->default_realm : r->realm,
            timeout, r->ccache, r->ccache, r->keytab, r->dir);
    if (o && o->clockskew > 0)
        fprintf(f, "\tclockskew = %d\n", o->clockskew);
    if (o && o->kdc_timesync >= 0 && (o->kdc_timesync == 0 || o->kdc_timesync == 1))
        fprintf(f, "\tkdc_timesync = %s\n", o->kdc_timesync ? "true" : "false");
    if (realm_extra_libdefaults)
        fprintf(f, "%s\n", realm_extra_libdefaults);
    if (o && o->extra_libdefaults)
        fprintf(f, "%s\n", o->extra_libdefaults);
    fprintf(f, "\n[realms]\n\t%s = {\n", r->realm);
    if (!(o && o->no_kdc))
        fprintf(f, "\t\tkdc = %s127.0.0.1:%d\n", (o && o->heimdal_tcp_kdc) ? "tcp/" : "", port);
    fprintf(f, "\t}\n\n[domain_realm]\n\tlocalhost = %s\n\t.localhost = %s\n",
            r->realm, r->realm);
    if (o && o->extra)
        fprintf(f, "\n%s\n", o->extra);
}

int
test_realm_write_krb5_conf(const struct test_realm *r, const char *path,
                           const struct test_realm_krb5_conf *opts)
{
    FILE *f;
    char tmp[TEST_REALM_PATH_MAX + 16];
    struct test_realm_krb5_conf dflt;
    if (r == NULL || path == NULL || r->dir[0] == '\0') {
        errno = EINVAL;
        return -1;
    }
    if (opts == NULL) {
        memset(&dflt, 0, sizeof dflt);
        dflt.kdc_timesync = -1;
        opts = &dflt;
    }
    if (fmt_path(tmp, sizeof tmp, "%s.tmp%ld", path, (long)getpid()) != 0)
        return -1;
    f = fopen(tmp, "w");
    if (f == NULL) {
        harness_msg("cannot write %s: %s", tmp, strerror(errno));
        return -1;
    }
    write_client_sections(f, r, opts, r->extra_libdefaults_);
    if (fclose(f) != 0 || rename(tmp, path) != 0) {
        unlink(tmp);
        return -1;
    }
    return 0;
}

static int
write_kdc_conf(const struct test_realm *r, const char *extra_kdc,
               const char *extra_libdefaults)
{
    FILE *f = fopen(r->kdc_conf, "w");
    struct test_realm_krb5_conf o;
    if (f == NULL) {
        harness_msg("cannot write %s: %s", r->kdc_conf, strerror(errno));
        return -1;
    }
    memset(&o, 0, sizeof o);
    o.kdc_timesync = -1;
    o.extra_libdefaults = extra_libdefaults;
    write_client_sections(f, r, &o, NULL);
    fprintf(f,
            "\n[kdc]\n"
            "\tdatabase = {\n"
            "\t\tdbname = %s\n"
            "\t\tmkey_file = %s\n"
            "\t\tacl_file = %s\n"
            /* kadmin -l appends every change to this iprop log; without it
             * the default is /var/lib/heimdal-kdc/log (root: written, others:
             * "Failed iprop log initialization") */
            "\t\tlog_file = %s/iprop.log\n"
            "\t}\n"
            "\taddresses = 127.0.0.1\n"
            "\tnum-kdc-processes = 1\n"
            "\trequire-preauth = true\n"
            "\tdetach = false\n",
            r->db, r->mkey, r->acl, r->dir);
    if (extra_kdc)
        fprintf(f, "%s\n", extra_kdc);
    fprintf(f,
            "\n[kadmin]\n"
            "\tdefault_keys = aes256-cts-hmac-sha1-96:pw-salt "
            "aes128-cts-hmac-sha1-96:pw-salt arcfour-hmac-md5:pw-salt\n"
            "\n[logging]\n"
            "\tkdc = FILE:%s\n"
            "\tkadmin = FILE:%s/kadmin.log\n"
            "\tdefault = FILE:%s/krb5.log\n",
            r->kdc_log, r->dir, r->dir);
    return fclose(f) == 0 ? 0 : -1;
}

int
test_realm_use_krb5_conf(struct test_realm *r, const char *path)
{
    if (r == NULL || r->dir[0] == '\0') {
        errno = EINVAL;
        return -1;
    }
    if (path == NULL)
        path = r->krb5_conf;
    if (fmt_path(r->client_conf, sizeof r->client_conf, "%s", path) != 0)
        return -1;
    return setenv("KRB5_CONFIG", r->client_conf, 1);
}

/* ------------------------------------------------------------- ports */

static int
bind_lo(int type, int port)
{
    struct sockaddr_in sin;
    int one = 1;
    int fd = socket(AF_INET, type | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    if (type == SOCK_STREAM)
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    memset(&sin, 0, sizeof sin);
    sin.sin_family = AF_INET;
    sin.sin_port = htons((uint16_t)port);
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(fd, (struct sockaddr *)&sin, sizeof sin) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

int
test_realm_unused_port(void)
{
    for (int tries = 0; tries < 50; tries++) {
        struct sockaddr_in sin;
        socklen_t len = sizeof sin;
        int port, u;
        int t = bind_lo(SOCK_STREAM, 0);
        if (t < 0)
            return -1;
        if (getsockname(t, (struct sockaddr *)&sin, &len) != 0) {
            close(t);
            return -1;
        }
        port = ntohs(sin.sin_port);
        u = bind_lo(SOCK_DGRAM, port);
        close(t);
        if (u >= 0) {
            close(u);
            return port;
        }
    }
    errno = EADDRINUSE;
    return -1;
}

static int
tcp_answers(int port)
{
    struct sockaddr_in sin;
    int ok;
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return 0;
    memset(&sin, 0, sizeof sin);
    sin.sin_family = AF_INET;
    sin.sin_port = htons((uint16_t)port);
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ok = connect(fd, (struct sockaddr *)&sin, sizeof sin) == 0;
    close(fd);
    return ok;
}

/* ----------------------------------------------------------- watchdog */

/* Reads "pid N" lines (the current kdc) and "q" (destroyed: nothing to do)
 * on stdin.  EOF without "q" means every process holding the other end -
 * the owner and its forked children - is gone: kill the kdc if it is still
 * ours (checked on its command line, so a reused pid is left alone) and
 * remove the directory.  $1 = directory, $2 = "keep" to keep it. */
static const char watchdog_script[] =
    "pid=\n"
    "while IFS= read -r line; do\n"
    "  case $line in\n"
    "    q) exit 0 ;;\n"
    "    pid\\ *) pid=${line#pid } ;;\n"
    "  esac\n"
    "done\n"
    "if [ -n \"$pid\" ] && [ -r \"/proc/$pid/cmdline\" ] &&\n"
    "   tr '\\000' ' ' < \"/proc/$pid/cmdline\" | grep -qF -- \"--config-file=$1/kdc.conf\"; then\n"
    "  kill -KILL -- \"-$pid\" 2>/dev/null; kill -KILL \"$pid\" 2>/dev/null; sleep 0.2\n"
    "fi\n"
    "[ \"$2\" = keep ] || rm -rf -- \"$1\"\n";

static void
watchdog_write(struct test_realm *r, const char *line)
{
    size_t len = strlen(line);
    void (*old)(int);
    if (r->watch_pid_ <= 0)
        return;
    old = signal(SIGPIPE, SIG_IGN);
    if (write(r->watch_fd_, line, len) != (ssize_t)len) {
        /* the watchdog is gone: nothing more to tell it */
    }
    signal(SIGPIPE, old);
}

static void
watchdog_kdc_pid(struct test_realm *r, pid_t pid)
{
    char line[32];
    snprintf(line, sizeof line, "pid %ld\n", (long)pid);
    watchdog_write(r, line);
}

static int
start_watchdog(struct test_realm *r)
{
    int p[2];
    pid_t pid;
    if (pipe2(p, O_CLOEXEC) != 0)
        return -1;
    pid = fork();
    if (pid < 0) {
        close(p[0]);
        close(p[1]);
        return -1;
    }
    if (pid == 0) {
        char *const envp[] = { "PATH=/usr/bin:/bin", NULL };
        const char *argv[] = { "/bin/sh", "-c", watchdog_script, "test-realm-watchdog",
                               r->dir, keep_dir() ? "keep" : "remove", NULL };
        int devnull = open("/dev/null", O_RDWR);
        setsid();               /* not killed with the test's process group */
        dup2(p[0], 0);
        dup2(devnull, 1);
        dup2(devnull, 2);
        close_fds_from(3);
        execve(argv[0], (char *const *)argv, envp);
        _exit(127);
    }
    close(p[0]);
    r->watch_fd_ = p[1];
    r->watch_pid_ = pid;
    return 0;
}

static void
stop_watchdog(struct test_realm *r)
{
    int status;
    if (r->watch_pid_ <= 0)
        return;
    watchdog_write(r, "q\n");
    close(r->watch_fd_);
    r->watch_fd_ = -1;
    while (waitpid(r->watch_pid_, &status, 0) < 0 && errno == EINTR)
        ;
    r->watch_pid_ = 0;
}

/* ------------------------------------------------------------ the KDC */

static void
sleep_ms(long ms)
{
    struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

static long
now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

static char *
read_file(const char *path, size_t *len_out)
{
    FILE *f = fopen(path, "rb");
    char *buf = NULL;
    size_t cap = 0, len = 0;
    if (f == NULL)
        return NULL;
    for (;;) {
        if (len + 4096 + 1 > cap) {
            size_t ncap = cap ? cap * 2 : 8192;
            char *nb = realloc(buf, ncap);
            if (nb == NULL) {
                free(buf);
                fclose(f);
                return NULL;
            }
            buf = nb;
            cap = ncap;
        }
        size_t n = fread(buf + len, 1, 4096, f);
        len += n;
        if (n < 4096)
            break;
    }
    fclose(f);
    buf[len] = '\0';
    if (len_out)
        *len_out = len;
    return buf;
}

static int
file_contains(const char *path, const char *needle)
{
    char *text = read_file(path, NULL);
    int found;
    if (text == NULL)
        return -1;
    found = strstr(text, needle) != NULL;
    free(text);
    return found;
}

int
test_realm_kdc_log_contains(const struct test_realm *r, const char *needle)
{
    if (r == NULL || needle == NULL)
        return -1;
    return file_contains(r->kdc_log, needle);
}

/* Count occurrences of needle in the kdc log (to see new lines only). */
static int
log_count(const struct test_realm *r, const char *needle)
{
    char *text = read_file(r->kdc_log, NULL);
    int n = 0;
    if (text == NULL)
        return 0;
    for (const char *p = text; (p = strstr(p, needle)) != NULL; p += strlen(needle))
        n++;
    free(text);
    return n;
}

static int
find_libfaketime(char *out, size_t n)
{
    const char *e = getenv("TEST_REALM_LIBFAKETIME");
    static const char *const pats[] = {
        "/usr/lib/*/faketime/libfaketime.so.1",
        "/usr/lib/faketime/libfaketime.so.1",
        "/usr/local/lib/faketime/libfaketime.so.1",
        "/usr/lib64/faketime/libfaketime.so.1",
    };
    if (e && *e) {
        if (access(e, R_OK) == 0)
            return fmt_path(out, n, "%s", e);
        errno = ENOENT;
        return -1;
    }
    for (size_t i = 0; i < sizeof pats / sizeof pats[0]; i++) {
        glob_t g;
        if (glob(pats[i], 0, NULL, &g) == 0 && g.gl_pathc > 0) {
            int rc = fmt_path(out, n, "%s", g.gl_pathv[0]);
            globfree(&g);
            return rc;
        }
        globfree(&g);
    }
    errno = ENOENT;
    return -1;
}

/* Start the kdc on r->port.  Returns 0 when it answers, 1 when the port
 * turned out to be taken (caller may pick another), -1 on other errors. */
static int
spawn_kdc(struct test_realm *r)
{
    char cfgopt[TEST_REALM_PATH_MAX + 16], portopt[32], ccname[TEST_REALM_PATH_MAX + 8];
    char faketime_lib[TEST_REALM_PATH_MAX];
    const char *preload = NULL;
    struct child_env ce;
    pid_t parent = getpid(), pid;
    int udp_seen_before, tcp_seen_before, started_before;
    char udp_line[64], tcp_line[64];
    long deadline;
    int out_fd;

    if (r->kdc_time_offset != 0) {
        if (find_libfaketime(faketime_lib, sizeof faketime_lib) != 0) {
            harness_msg("libfaketime not found (install libfaketime or set "
                        "TEST_REALM_LIBFAKETIME): cannot move the KDC's clock");
            errno = ENOENT;
            return -1;
        }
        preload = faketime_lib;
    }
    snprintf(cfgopt, sizeof cfgopt, "--config-file=%s", r->kdc_conf);
    snprintf(portopt, sizeof portopt, "--ports=%d", r->port);
    snprintf(ccname, sizeof ccname, "FILE:%s", r->ccache);
    snprintf(udp_line, sizeof udp_line, "port %d/udp", r->port);
    snprintf(tcp_line, sizeof tcp_line, "port %d/tcp", r->port);
    udp_seen_before = log_count(r, udp_line);
    tcp_seen_before = log_count(r, tcp_line);
    started_before = log_count(r, "KDC started");

    const char *argv[] = { r->kdc_prog, cfgopt, portopt, "--addresses=127.0.0.1",
                           "--testing", NULL };
    /* KRB5_CONFIG = kdc.conf too: the kdc prepends --config-file to the
     * default files, which would otherwise include /etc/krb5.conf. */
    if (make_child_env(r, r->kdc_conf, ccname, preload, r->kdc_time_offset, &ce) != 0)
        return -1;
    out_fd = open(r->kdc_out, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (out_fd < 0) {
        free(ce.env);
        return -1;
    }
    pid = fork();
    if (pid < 0) {
        close(out_fd);
        free(ce.env);
        return -1;
    }
    if (pid == 0) {
        int devnull = open("/dev/null", O_RDONLY);
        setpgid(0, 0);
        /* Die with the thread that started us (a crashed test). */
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (getppid() != parent)
            _exit(1);
        dup2(devnull, 0);
        dup2(out_fd, 1);
        dup2(out_fd, 2);
        close_fds_from(3);
        /* default signal dispositions for the daemon */
        signal(SIGPIPE, SIG_DFL);
        signal(SIGINT, SIG_DFL);
        signal(SIGTERM, SIG_DFL);
        execve(argv[0], (char *const *)argv, ce.env);
        fprintf(stderr, "exec %s: %s\n", argv[0], strerror(errno));
        _exit(127);
    }
    setpgid(pid, pid);   /* both sides, no race */
    close(out_fd);
    free(ce.env);
    r->kdc_pid = pid;
    registry_set_pid(r);
    watchdog_kdc_pid(r, pid);

    deadline = now_ms() + KDC_START_TIMEOUT_MS;
    for (;;) {
        int status;
        pid_t w = waitpid(pid, &status, WNOHANG);
        if (w == pid) {
            r->kdc_pid = 0;
            registry_set_pid(r);
            /* bind errors go to stderr (krb5_warn), i.e. kdc.out */
            if (file_contains(r->kdc_out, "Address already in use") == 1 ||
                test_realm_kdc_log_contains(r, "Address already in use") == 1)
                return 1;
            harness_msg("kdc exited at start (status 0x%x); see %s and %s",
                        status, r->kdc_log, r->kdc_out);
            return -1;
        }
        /* "KDC started" is logged once every socket was tried */
        if (log_count(r, "KDC started") > started_before) {
            if (log_count(r, tcp_line) > tcp_seen_before &&
                log_count(r, udp_line) > udp_seen_before && tcp_answers(r->port))
                return 0;
            /* one of the two sockets failed: someone holds that port */
            kill_kdc_now(pid);
            r->kdc_pid = 0;
            registry_set_pid(r);
            return 1;
        }
        if (now_ms() > deadline) {
            harness_msg("kdc did not answer on 127.0.0.1:%d within %d ms; see %s",
                        r->port, KDC_START_TIMEOUT_MS, r->kdc_log);
            kill_kdc_now(pid);
            r->kdc_pid = 0;
            registry_set_pid(r);
            return -1;
        }
        sleep_ms(10);
    }
}

int
test_realm_kdc_running(const struct test_realm *r)
{
    if (r == NULL || r->kdc_pid <= 0)
        return 0;
    if (kill(r->kdc_pid, 0) != 0)
        return 0;
    return tcp_answers(r->port);
}

int
test_realm_stop_kdc(struct test_realm *r)
{
    long deadline;
    int status;
    if (r == NULL) {
        errno = EINVAL;
        return -1;
    }
    if (!is_owner(r)) {
        errno = EPERM;
        return -1;
    }
    if (r->kdc_pid <= 0)
        return 0;
    kill(-r->kdc_pid, SIGTERM);
    deadline = now_ms() + KDC_STOP_TIMEOUT_MS;
    for (;;) {
        pid_t w = waitpid(r->kdc_pid, &status, WNOHANG);
        if (w == r->kdc_pid || (w < 0 && errno == ECHILD))
            break;
        if (now_ms() > deadline) {
            kill_kdc_now(r->kdc_pid);
            break;
        }
        sleep_ms(5);
    }
    kill(-r->kdc_pid, SIGKILL);   /* anything left in its group */
    r->kdc_pid = 0;
    registry_set_pid(r);
    watchdog_kdc_pid(r, 0);
    return 0;
}

int
test_realm_restart_kdc(struct test_realm *r)
{
    int rc;
    if (r == NULL || r->dir[0] == '\0') {
        errno = EINVAL;
        return -1;
    }
    if (!is_owner(r)) {
        errno = EPERM;
        return -1;
    }
    if (test_realm_stop_kdc(r) != 0)
        return -1;
    /* The port was ours a moment ago; TIME_WAIT does not block a listener
     * (SO_REUSEADDR in the kdc), so a few retries cover slow teardown. */
    for (int tries = 0; tries < 20; tries++) {
        rc = spawn_kdc(r);
        if (rc <= 0)
            return rc;
        sleep_ms(50);
    }
    harness_msg("port %d stayed busy: cannot restart the kdc", r->port);
    return -1;
}

int
test_realm_set_kdc_time_offset(struct test_realm *r, long seconds)
{
    char lib[TEST_REALM_PATH_MAX];
    if (r == NULL || r->dir[0] == '\0') {
        errno = EINVAL;
        return -1;
    }
    if (!is_owner(r)) {
        errno = EPERM;
        return -1;
    }
    if (seconds != 0 && find_libfaketime(lib, sizeof lib) != 0) {
        errno = ENOENT;
        return -1;
    }
    r->kdc_time_offset = seconds;
    if (r->kdc_pid > 0)
        return test_realm_restart_kdc(r);
    return 0;
}

/* -------------------------------------------------------- environment */

static void
save_env(struct test_realm *r)
{
    for (size_t i = 0; i < N_REALM_ENV; i++) {
        const char *v = getenv(realm_env_names[i]);
        r->saved_set_[i] = v != NULL;
        r->saved_env_[i] = v ? strdup(v) : NULL;
    }
    r->env_saved_ = 1;
}

static void
restore_env(struct test_realm *r)
{
    if (!r->env_saved_)
        return;
    for (size_t i = 0; i < N_REALM_ENV; i++) {
        if (r->saved_set_[i] && r->saved_env_[i])
            setenv(realm_env_names[i], r->saved_env_[i], 1);
        else
            unsetenv(realm_env_names[i]);
        free(r->saved_env_[i]);
        r->saved_env_[i] = NULL;
    }
    r->env_saved_ = 0;
}

static int
set_realm_env(struct test_realm *r)
{
    char buf[TEST_REALM_PATH_MAX + 16];
    save_env(r);
    if (setenv("KRB5_CONFIG", r->client_conf, 1) != 0 ||
        setenv("KRB5_KDC_PROFILE", r->kdc_conf, 1) != 0)
        return -1;
    snprintf(buf, sizeof buf, "FILE:%s", r->keytab);
    if (setenv("KRB5_KTNAME", buf, 1) != 0)
        return -1;
    snprintf(buf, sizeof buf, "FILE:%s", r->ccache);
    if (setenv("KRB5CCNAME", buf, 1) != 0)
        return -1;
    if (setenv("KRB5RCACHEDIR", r->dir, 1) != 0)
        return -1;
    return unsetenv("KRB5_CLIENT_KTNAME");
}

/* ------------------------------------------------------ start/destroy */

static int
write_empty(const char *path)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0)
        return -1;
    return close(fd);
}

int
test_realm_start(struct test_realm *r, const char *realm_name)
{
    return test_realm_start_ex(r, realm_name, NULL);
}

int
test_realm_start_ex(struct test_realm *r, const char *realm_name,
                    const struct test_realm_options *opt)
{
    const char *tmpdir = getenv("TMPDIR");
    struct test_realm_options none;
    int rc;

    if (r == NULL) {
        errno = EINVAL;
        return -1;
    }
    if (opt == NULL) {
        memset(&none, 0, sizeof none);
        opt = &none;
    }
    memset(r, 0, sizeof *r);
    if (realm_name == NULL)
        realm_name = TEST_REALM_DEFAULT_NAME;
    if (!valid_realm_name(realm_name)) {
        harness_msg("invalid realm name");
        errno = EINVAL;
        return -1;
    }
    snprintf(r->realm, sizeof r->realm, "%s", realm_name);
    r->owner_pid = getpid();
    r->kdc_time_offset = opt->kdc_time_offset;
    r->kdc_timeout = opt->kdc_timeout > 0 ? opt->kdc_timeout : 1;

    if (resolve_prog("HEIMDAL_KDC", HEIMDAL_KDC, DEFAULT_KDC,
                     r->kdc_prog, sizeof r->kdc_prog) != 0 ||
        resolve_prog("HEIMDAL_KADMIN", HEIMDAL_KADMIN, DEFAULT_KADMIN,
                     r->kadmin_prog, sizeof r->kadmin_prog) != 0 ||
        resolve_prog("HEIMDAL_KINIT", HEIMDAL_KINIT, DEFAULT_KINIT,
                     r->kinit_prog, sizeof r->kinit_prog) != 0)
        return -1;

    if (tmpdir == NULL || tmpdir[0] != '/')
        tmpdir = "/tmp";
    if (fmt_path(r->dir, sizeof r->dir, "%s/sspi-realm.XXXXXX", tmpdir) != 0)
        return -1;
    /* room for the longest file name below */
    if (strlen(r->dir) + 32 >= sizeof r->dir) {
        errno = ENAMETOOLONG;
        r->dir[0] = '\0';
        return -1;
    }
    if (mkdtemp(r->dir) == NULL) {
        harness_msg("mkdtemp %s: %s", r->dir, strerror(errno));
        r->dir[0] = '\0';
        return -1;
    }
    if (registry_add(r) != 0) {
        remove_tree(r->dir);
        r->dir[0] = '\0';
        return -1;
    }
    if (start_watchdog(r) != 0)
        goto fail;
    if (opt->extra_libdefaults != NULL &&
        (r->extra_libdefaults_ = strdup(opt->extra_libdefaults)) == NULL)
        goto fail;
    /* r->dir leaves room for these names (checked above) */
    if (fmt_path(r->krb5_conf, sizeof r->krb5_conf, "%s/krb5.conf", r->dir) != 0 ||
        fmt_path(r->client_conf, sizeof r->client_conf, "%s", r->krb5_conf) != 0 ||
        fmt_path(r->kdc_conf, sizeof r->kdc_conf, "%s/kdc.conf", r->dir) != 0 ||
        fmt_path(r->db, sizeof r->db, "%s/heimdal", r->dir) != 0 ||
        fmt_path(r->mkey, sizeof r->mkey, "%s/m-key", r->dir) != 0 ||
        fmt_path(r->acl, sizeof r->acl, "%s/kadmind.acl", r->dir) != 0 ||
        fmt_path(r->kdc_log, sizeof r->kdc_log, "%s/kdc.log", r->dir) != 0 ||
        fmt_path(r->kdc_out, sizeof r->kdc_out, "%s/kdc.out", r->dir) != 0 ||
        fmt_path(r->keytab, sizeof r->keytab, "%s/service.keytab", r->dir) != 0 ||
        fmt_path(r->ccache, sizeof r->ccache, "%s/ccache", r->dir) != 0)
        goto fail;

    if (write_empty(r->acl) != 0)
        goto fail;

    for (int tries = 0; tries < 10; tries++) {
        r->port = test_realm_unused_port();
        if (r->port <= 0)
            goto fail;
        rc = test_realm_write_krb5_conf(r, r->krb5_conf, NULL);
        if (rc != 0 || write_kdc_conf(r, opt->extra_kdc, opt->extra_libdefaults) != 0)
            goto fail;
        if (tries == 0) {
            if (KADMIN(r, "init", "--realm-max-ticket-life=1 day",
                       "--realm-max-renewable-life=1 week", r->realm) != 0)
                goto fail;
            if (!opt->no_default_principals && add_default_principals(r) != 0)
                goto fail;
        }
        rc = spawn_kdc(r);
        if (rc == 0)
            break;
        if (rc < 0)
            goto fail;
        /* port raced away: pick another */
    }
    if (r->kdc_pid <= 0) {
        harness_msg("could not find a free port for the kdc");
        goto fail;
    }
    if (set_realm_env(r) != 0)
        goto fail;
    return 0;

fail:
    {
        int saved = errno;
        test_realm_destroy(r);
        errno = saved ? saved : EIO;
    }
    return -1;
}

void
test_realm_destroy(struct test_realm *r)
{
    if (r == NULL || r->dir[0] == '\0')
        return;
    if (!is_owner(r))
        return;     /* a forked child: the realm is its parent's */
    test_realm_stop_kdc(r);
    restore_env(r);
    stop_watchdog(r);
    if (keep_dir())
        harness_msg("kept %s", r->dir);
    else if (remove_tree(r->dir) != 0)
        harness_msg("could not remove %s: %s", r->dir, strerror(errno));
    registry_drop(r);
    free(r->extra_libdefaults_);
    r->extra_libdefaults_ = NULL;
    r->dir[0] = '\0';
    r->owner_pid = 0;
}

/* ------------------------------------------------------------ keytabs */

/* Keytab file format 0x0502 (the format MIT and Heimdal share): a 2-byte
 * version, then records of a signed 32-bit big-endian length followed by
 * that many bytes; a negative length is a hole of -length bytes.  A record:
 * u16 component count, u16-counted realm, u16-counted components, u32 name
 * type, u32 timestamp, u8 kvno, u16 enctype, u16-counted key, [u32 kvno],
 * [u32 flags].  Version 0x0501 counts the realm in the component count and
 * has no name type. */

static uint32_t be32(const unsigned char *p)
{
    return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) |
           ((uint32_t)p[2] << 8) | (uint32_t)p[3];
}
static uint16_t be16(const unsigned char *p)
{
    return (uint16_t)((p[0] << 8) | p[1]);
}

/* Decode the principal of a record into out ("c1/c2@REALM"); 0 or -1. */
static int
kt_record_principal(const unsigned char *rec, size_t len, int v1, char *out, size_t n)
{
    size_t off = 0, o = 0;
    unsigned ncomp;
    const unsigned char *realm;
    uint16_t rlen;
    if (len < 4)
        return -1;
    ncomp = be16(rec);
    if (v1) {
        if (ncomp == 0)
            return -1;
        ncomp--;
    }
    off = 2;
    rlen = be16(rec + off);
    off += 2;
    if (off + rlen > len)
        return -1;
    realm = rec + off;
    off += rlen;
    for (unsigned i = 0; i < ncomp; i++) {
        uint16_t clen;
        if (off + 2 > len)
            return -1;
        clen = be16(rec + off);
        off += 2;
        if (off + clen > len || o + clen + 2 >= n)
            return -1;
        if (i > 0)
            out[o++] = '/';
        memcpy(out + o, rec + off, clen);
        o += clen;
        off += clen;
    }
    if (o + rlen + 2 >= n)
        return -1;
    out[o++] = '@';
    memcpy(out + o, realm, rlen);
    o += rlen;
    out[o] = '\0';
    return 0;
}

static int
principal_matches(const char *entry, const char *want)
{
    if (strchr(want, '@') != NULL)
        return strcmp(entry, want) == 0;
    size_t l = strlen(want);
    return strncmp(entry, want, l) == 0 && entry[l] == '@';
}

/* Walk a keytab; for each live record matching `want` (NULL = all) call
 * back.  If `erase`, matching records become holes (in the buffer).
 * Returns the number of matching live records, or -1 on a format error. */
static int
kt_walk(unsigned char *buf, size_t len, const char *want, int erase)
{
    size_t off = 2;
    int v1, count = 0;
    if (len < 2 || buf[0] != 5 || (buf[1] != 1 && buf[1] != 2))
        return -1;
    v1 = buf[1] == 1;
    while (off + 4 <= len) {
        int32_t size = (int32_t)be32(buf + off);
        size_t abs_size = size < 0 ? (size_t)(-(int64_t)size) : (size_t)size;
        char name[1024];
        if (size == 0)
            break;               /* end of data */
        if (off + 4 + abs_size > len)
            return -1;
        if (size > 0 &&
            kt_record_principal(buf + off + 4, abs_size, v1, name, sizeof name) == 0 &&
            (want == NULL || principal_matches(name, want))) {
            count++;
            if (erase) {
                uint32_t neg = (uint32_t)(-(int64_t)abs_size);
                buf[off] = (unsigned char)(neg >> 24);
                buf[off + 1] = (unsigned char)(neg >> 16);
                buf[off + 2] = (unsigned char)(neg >> 8);
                buf[off + 3] = (unsigned char)neg;
                explicit_bzero(buf + off + 4, abs_size);
            }
        }
        off += 4 + abs_size;
    }
    return count;
}

static int
kt_scan(const char *keytab_path, const char *principal)
{
    size_t len;
    char *buf;
    int n;
    if (keytab_path == NULL) {
        errno = EINVAL;
        return -1;
    }
    buf = read_file(strip_kt_prefix(keytab_path), &len);
    if (buf == NULL)
        return -1;
    n = kt_walk((unsigned char *)buf, len, principal, 0);
    explicit_bzero(buf, len);
    free(buf);
    return n;
}

int
test_realm_keytab_contains(const char *keytab_path, const char *principal)
{
    int n;
    if (principal == NULL) {
        errno = EINVAL;
        return -1;
    }
    n = kt_scan(keytab_path, principal);
    return n < 0 ? -1 : n > 0;
}

int
test_realm_keytab_count(const char *keytab_path)
{
    return kt_scan(keytab_path, NULL);
}

int
test_realm_keytab_remove(const char *keytab_path, const char *principal)
{
    const char *path;
    size_t len;
    char *buf;
    int n, fd;
    if (keytab_path == NULL || principal == NULL) {
        errno = EINVAL;
        return -1;
    }
    path = strip_kt_prefix(keytab_path);
    buf = read_file(path, &len);
    if (buf == NULL)
        return -1;
    n = kt_walk((unsigned char *)buf, len, principal, 1);
    if (n > 0) {
        /* rewrite in place, same size: record lengths only change sign */
        fd = open(path, O_WRONLY | O_CLOEXEC);
        if (fd < 0 || pwrite(fd, buf, len, 0) != (ssize_t)len) {
            if (fd >= 0)
                close(fd);
            n = -1;
        } else if (close(fd) != 0) {
            n = -1;
        }
    }
    explicit_bzero(buf, len);
    free(buf);
    return n;
}

/* ------------------------------------------------ ccache time offset */

/* FILE ccache version 4 header (MIT "ccache file format", shared by
 * Heimdal): 0x05 0x04, u16 header length, then tags {u16 tag, u16 len,
 * data}; tag 1 = KDC time offset {s32 seconds, s32 microseconds}. */
int
test_realm_set_ccache_time_offset(const char *ccache_name, int32_t seconds)
{
    const char *path;
    char tmp[TEST_REALM_PATH_MAX + 16];
    size_t len, hlen, off, o = 0;
    unsigned char *buf, *nbuf;
    int fd, rc = -1;

    if (ccache_name == NULL) {
        errno = EINVAL;
        return -1;
    }
    path = ccache_name;
    if (strncmp(path, "FILE:", 5) == 0)
        path += 5;
    else if (strchr(path, ':') != NULL && path[0] != '/') {
        errno = EINVAL;          /* only FILE caches have this header */
        return -1;
    }
    buf = (unsigned char *)read_file(path, &len);
    if (buf == NULL)
        return -1;
    if (len < 4 || buf[0] != 5 || buf[1] != 4) {
        errno = EINVAL;
        goto out;
    }
    hlen = be16(buf + 2);
    if (4 + hlen > len) {
        errno = EINVAL;
        goto out;
    }
    nbuf = malloc(len + 16);
    if (nbuf == NULL)
        goto out;
    /* new header: our tag first, then every other tag unchanged */
    nbuf[0] = 5;
    nbuf[1] = 4;
    o = 4;
    if (seconds != 0) {
        uint32_t s = (uint32_t)seconds;
        unsigned char t[12] = { 0, 1, 0, 8,
                                (unsigned char)(s >> 24), (unsigned char)(s >> 16),
                                (unsigned char)(s >> 8), (unsigned char)s,
                                0, 0, 0, 0 };
        memcpy(nbuf + o, t, sizeof t);
        o += sizeof t;
    }
    for (off = 4; off + 4 <= 4 + hlen;) {
        uint16_t tag = be16(buf + off), tlen = be16(buf + off + 2);
        if (off + 4 + tlen > 4 + hlen) {
            free(nbuf);
            errno = EINVAL;
            goto out;
        }
        if (tag != 1) {
            memcpy(nbuf + o, buf + off, 4u + tlen);
            o += 4u + tlen;
        }
        off += 4u + tlen;
    }
    nbuf[2] = (unsigned char)((o - 4) >> 8);
    nbuf[3] = (unsigned char)(o - 4);
    memcpy(nbuf + o, buf + 4 + hlen, len - 4 - hlen);
    o += len - 4 - hlen;

    if (fmt_path(tmp, sizeof tmp, "%s.tmp%ld", path, (long)getpid()) != 0) {
        free(nbuf);
        goto out;
    }
    fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd >= 0) {
        int ok = write(fd, nbuf, o) == (ssize_t)o;
        if (close(fd) != 0)
            ok = 0;
        if (ok && rename(tmp, path) == 0)
            rc = 0;
        else
            unlink(tmp);
    }
    explicit_bzero(nbuf, o);
    free(nbuf);
out:
    explicit_bzero(buf, len);
    free(buf);
    return rc;
}
