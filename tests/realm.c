/*
 * realm.c - a throwaway Kerberos realm for the integration tests.
 * See realm.h for the contract.  Only POSIX/Linux calls and the KDC
 * flavour's command-line programs are used, so the harness links no
 * Kerberos library.  The flavour is the one the project is built against
 * (config.h): Heimdal's kdc and kadmin -l, or MIT's krb5kdc, kdb5_util and
 * kadmin.local.  The two differ in the places marked SSPI_SHIM_MIT.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "config.h"
#include "realm.h"
#include "realm_private.h"

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

#ifndef MIT_KRB5KDC
#define MIT_KRB5KDC ""
#endif
#ifndef MIT_KDB5_UTIL
#define MIT_KDB5_UTIL ""
#endif
#ifndef MIT_KADMIN_LOCAL
#define MIT_KADMIN_LOCAL ""
#endif
#ifndef MIT_KINIT
#define MIT_KINIT ""
#endif

#ifdef SSPI_SHIM_MIT
/* Debian's krb5-kdc, krb5-admin-server and krb5-user. */
#define KDC_ENV         "MIT_KRB5KDC"
#define KDC_MACRO       MIT_KRB5KDC
#define DEFAULT_KDC     "/usr/sbin/krb5kdc"
#define KADMIN_ENV      "MIT_KADMIN_LOCAL"
#define KADMIN_MACRO    MIT_KADMIN_LOCAL
#define DEFAULT_KADMIN  "/usr/sbin/kadmin.local"
#define KINIT_ENV       "MIT_KINIT"
#define KINIT_MACRO     MIT_KINIT
#define DEFAULT_KINIT   "/usr/bin/kinit"
#define DEFAULT_DBUTIL  "/usr/sbin/kdb5_util"
/* The master key password kdb5_util create stashes (the stash is what the
 * KDC and kadmin.local read; the password itself is never asked again). */
#define MIT_MASTER_PASSWORD "sspi-realm-master-key"
#else
/* Debian's heimdal-kdc and heimdal-clients. */
#define KDC_ENV         "HEIMDAL_KDC"
#define KDC_MACRO       HEIMDAL_KDC
#define DEFAULT_KDC     "/usr/lib/heimdal-servers/kdc"
#define KADMIN_ENV      "HEIMDAL_KADMIN"
#define KADMIN_MACRO    HEIMDAL_KADMIN
#define DEFAULT_KADMIN  "kadmin.heimdal"
#define KINIT_ENV       "HEIMDAL_KINIT"
#define KINIT_MACRO     HEIMDAL_KINIT
#define DEFAULT_KINIT   "kinit.heimdal"
#endif

/* How long the KDC may take to answer after it is started. */
#define KDC_START_TIMEOUT_MS  10000
/* How long a stopping KDC gets after SIGTERM before SIGKILL. */
#define KDC_STOP_TIMEOUT_MS   3000

/* Variables the realm sets in this process (saved and put back). */
static const char *const realm_env_names[] = {
    "KRB5_CONFIG", "KRB5_KDC_PROFILE", "KRB5_KTNAME", "KRB5CCNAME",
    "KRB5RCACHEDIR", "KRB5_CLIENT_KTNAME", "KRB5RCACHENAME", "KRB5RCACHETYPE",
};
#define N_REALM_ENV (sizeof realm_env_names / sizeof realm_env_names[0])

static const char *strip_kt_prefix(const char *kt);

const char *
test_realm_flavour(void)
{
#ifdef SSPI_SHIM_MIT
    return "mit";
#else
    return "heimdal";
#endif
}

/* ------------------------------------------------------------ messages */

void
trp_msg(const char *prefix, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "%s: ", prefix);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

int
trp_fmt(const char *prefix, const char *too_long, int quote, int err,
        char *dst, size_t n, const char *fmt, ...)
{
    va_list ap;
    int len;
    va_start(ap, fmt);
    len = vsnprintf(dst, n, fmt, ap);
    va_end(ap);
    if (len < 0 || (size_t)len >= n) {
        if (quote)
            trp_msg(prefix, "%s: %.60s...", too_long, dst);
        else
            trp_msg(prefix, "%s", too_long);
        if (err != 0)
            errno = err;
        return -1;
    }
    return 0;
}

#define harness_msg(...) trp_msg("test_realm", __VA_ARGS__)
/* a path that does not fit: "path too long", ENAMETOOLONG */
#define fmt_path(...) trp_fmt("test_realm", "path too long", 0, ENAMETOOLONG, __VA_ARGS__)

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

int
trp_keep_dir(void)
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

int
trp_dir_is_ours(const char *dir, const char *base)
{
    const char *last = strrchr(dir, '/');
    return dir[0] == '/' && last != NULL && strncmp(last + 1, base, strlen(base)) == 0;
}

int
trp_remove_tree(const char *prefix, const char *dir, const char *base)
{
    struct stat st;
    if (!trp_dir_is_ours(dir, base)) {
        if (prefix != NULL)
            trp_msg(prefix, "refusing to remove '%s'", dir);
        return -1;
    }
    if (lstat(dir, &st) != 0)
        return errno == ENOENT ? 0 : -1;
    return nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static int
remove_tree(const char *dir)
{
    return trp_remove_tree("test_realm", dir, "sspi-realm.");
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
        if (trp_keep_dir())
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

int
trp_find_in_path(const char *name, char *out, size_t n)
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
    if (trp_find_in_path(choice, out, n) == 0)
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
        "HEIM_PIDFILE_DIR", "KRB5RCACHENAME", "KRB5RCACHETYPE",
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

pid_t
trp_spawn(const char *const argv[], char **envp, int in_fd, int out_fd)
{
    pid_t pid = fork();
    if (pid == 0) {
        int devnull = open("/dev/null", O_RDONLY);
        dup2(in_fd >= 0 ? in_fd : devnull, 0);
        dup2(out_fd, 1);
        dup2(out_fd, 2);
        close_fds_from(3);
        if (envp != NULL)
            execve(argv[0], (char *const *)argv, envp);
        else
            execvp(argv[0], (char *const *)argv);
        fprintf(stderr, "exec %s: %s\n", argv[0], strerror(errno));
        _exit(127);
    }
    return pid;
}

int
trp_wait(pid_t pid, int *status)
{
    while (waitpid(pid, status, 0) < 0) {
        if (errno != EINTR)
            return -1;
    }
    return 0;
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
    pid = trp_spawn(argv, envp, in[0], out[1]);
    if (pid < 0) {
        close(out[0]); close(out[1]);
        if (in[0] >= 0) { close(in[0]); close(in[1]); }
        return -1;
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
    if (trp_wait(pid, &status) != 0)
        return -1;
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

/* The configuration kdc/kadmin/kdb5_util read as KRB5_CONFIG.  Heimdal:
 * kdc.conf, which holds the client sections too (its kdc prepends
 * --config-file to the default files, so KRB5_CONFIG must not name
 * /etc/krb5.conf).  MIT: the client krb5.conf, with kdc.conf as
 * KRB5_KDC_PROFILE - the MIT programs read both, so one file in both
 * places would double every [logging] line. */
static const char *
kdc_side_config(const struct test_realm *r)
{
#ifdef SSPI_SHIM_MIT
    return r->krb5_conf;
#else
    return r->kdc_conf;
#endif
}

#ifdef SSPI_SHIM_MIT

/* kadmin.local in script mode: `kadmin.local -r REALM CMD ARGS...` runs one
 * command and exits non-zero when it failed (MIT src/kadmin/cli/ss_wrapper.c;
 * -q would exit 0 after a failed command). */
static int
mit_kadmin_local(struct test_realm *r, const char *const cmd[])
{
    const char *full[48];
    size_t n = 0;
    full[n++] = r->kadmin_prog;
    full[n++] = "-r";
    full[n++] = r->realm;
    for (size_t i = 0; cmd[i] != NULL; i++) {
        if (n >= sizeof full / sizeof full[0] - 1) {
            errno = E2BIG;
            return -1;
        }
        full[n++] = cmd[i];
    }
    full[n] = NULL;
    if (run_realm_prog(r, full, kdc_side_config(r), NULL, NULL) != 0) {
        char what[256];
        snprintf(what, sizeof what, "kadmin.local %s %s", cmd[0],
                 cmd[0] && cmd[1] ? cmd[1] : "");
        report_failure(r, what);
        return -1;
    }
    return 0;
}

/* Heimdal principal attributes and their MIT names; "disallow-x" is the
 * negation of MIT's "allow_x". */
static const struct {
    const char *heimdal, *mit;
    int negated;
} mit_attributes[] = {
    { "requires-pre-auth", "requires_preauth", 0 },
    { "requires-hw-auth", "requires_hwauth", 0 },
    { "requires-pw-change", "needchange", 0 },
    { "ok-as-delegate", "ok_as_delegate", 0 },
    { "trusted-for-delegation", "ok_to_auth_as_delegate", 0 },
    { "no-auth-data-reqd", "no_auth_data_required", 0 },
    { "disallow-all-tix", "allow_tix", 1 },
    { "disallow-forwardable", "allow_forwardable", 1 },
    { "disallow-proxiable", "allow_proxiable", 1 },
    { "disallow-renewable", "allow_renewable", 1 },
    { "disallow-postdated", "allow_postdated", 1 },
    { "disallow-svr", "allow_svr", 1 },
    { "disallow-tgt-based", "allow_tgs_req", 1 },
    { "disallow-dup-skey", "allow_dup_skey", 1 },
};

/* An MIT command line being built from a Heimdal one. */
struct mit_cmd {
    const char *argv[40];
    size_t n;
    char attr[12][48];          /* "+requires_preauth" ... */
    size_t nattr;
};

static int
mit_push(struct mit_cmd *c, const char *arg)
{
    if (c->n >= sizeof c->argv / sizeof c->argv[0] - 1) {
        errno = E2BIG;
        return -1;
    }
    c->argv[c->n++] = arg;
    c->argv[c->n] = NULL;
    return 0;
}

/* "--attributes=+a,-b,c": each to MIT's +x / -x (a bare name sets it). */
static int
mit_push_attributes(struct mit_cmd *c, const char *list)
{
    char buf[512], *save = NULL;
    snprintf(buf, sizeof buf, "%s", list);
    for (char *tok = strtok_r(buf, ", ", &save); tok != NULL; tok = strtok_r(NULL, ", ", &save)) {
        int on = *tok != '-';
        size_t i;
        if (*tok == '+' || *tok == '-')
            tok++;
        for (i = 0; i < sizeof mit_attributes / sizeof mit_attributes[0]; i++)
            if (strcmp(tok, mit_attributes[i].heimdal) == 0)
                break;
        if (i == sizeof mit_attributes / sizeof mit_attributes[0] ||
            c->nattr >= sizeof c->attr / sizeof c->attr[0]) {
            harness_msg("kadmin: no MIT equivalent for the attribute '%s'", tok);
            errno = EINVAL;
            return -1;
        }
        if (mit_attributes[i].negated)
            on = !on;
        snprintf(c->attr[c->nattr], sizeof c->attr[0], "%c%s", on ? '+' : '-',
                 mit_attributes[i].mit);
        if (mit_push(c, c->attr[c->nattr++]) != 0)
            return -1;
    }
    return 0;
}

/* Option `name` of a Heimdal command line at argv[*i]: "--name=V" or
 * "--name V".  Sets *value and advances *i past it; 0 if not that option. */
static int
heimdal_option(const char *const argv[], size_t *i, const char *name, const char **value)
{
    size_t l = strlen(name);
    const char *a = argv[*i];
    if (strncmp(a, "--", 2) != 0 || strncmp(a + 2, name, l) != 0)
        return 0;
    if (a[2 + l] == '=') {
        *value = a + 3 + l;
        return 1;
    }
    if (a[2 + l] == '\0' && argv[*i + 1] != NULL) {
        *value = argv[++*i];
        return 1;
    }
    return 0;
}

/*
 * Runs a Heimdal `kadmin -l` command line with MIT's kadmin.local.  The
 * commands the harness and the suites use are translated:
 *   add [--password=PW | --random-key] [--use-defaults] [--max-ticket-life=T]
 *       [--max-renewable-life=T] [--expiration-time=T] [--pw-expiration-time=T]
 *       [--attributes=LIST] PRINCIPAL...          -> addprinc
 *   modify (same options but the key ones) PRINCIPAL  -> modprinc
 *   cpw [--random-key | --password=PW] PRINCIPAL...  -> cpw
 *   delete PRINCIPAL...                           -> delprinc -force
 *   get PRINCIPAL...                              -> getprinc
 *   ext_keytab [--keytab=FILE] PRINCIPAL...       -> ktadd -norandkey
 *   list                                          -> listprincs
 * Times ("2 seconds", "1 day") go through as they are: kadmin.local parses
 * them with getdate, which takes Heimdal's spelling.  Any other command is
 * passed to kadmin.local unchanged, so MIT syntax works too.
 */
static int
mit_kadmin(struct test_realm *r, const char *const argv[])
{
    const char *cmd = argv[0];
    const char *mit = NULL, *keytab = NULL;
    struct mit_cmd c;
    size_t i, first_principal;
    int is_add = strcmp(cmd, "add") == 0, is_modify = strcmp(cmd, "modify") == 0;
    int is_cpw = strcmp(cmd, "cpw") == 0 || strcmp(cmd, "passwd") == 0 ||
                 strcmp(cmd, "change_password") == 0;
    int rc = 0;

    memset(&c, 0, sizeof c);
    if (is_add)
        mit = "addprinc";
    else if (is_modify)
        mit = "modprinc";
    else if (is_cpw)
        mit = "cpw";
    else if (strcmp(cmd, "delete") == 0 || strcmp(cmd, "del") == 0)
        mit = "delprinc";
    else if (strcmp(cmd, "get") == 0 || strcmp(cmd, "examine") == 0)
        mit = "getprinc";
    else if (strcmp(cmd, "ext_keytab") == 0)
        mit = "ktadd";
    else if (strcmp(cmd, "list") == 0)
        return mit_kadmin_local(r, (const char *const[]){ "listprincs", NULL });
    else
        return mit_kadmin_local(r, argv);           /* MIT syntax already */

    mit_push(&c, mit);
    if (strcmp(mit, "delprinc") == 0)
        mit_push(&c, "-force");
    for (i = 1; argv[i] != NULL && argv[i][0] == '-'; i++) {
        const char *v;
        if ((is_add || is_cpw) && (strcmp(argv[i], "--random-key") == 0 ||
                                   strcmp(argv[i], "-r") == 0))
            rc |= mit_push(&c, "-randkey");
        else if ((is_add || is_cpw) && heimdal_option(argv, &i, "password", &v))
            rc |= mit_push(&c, "-pw") | mit_push(&c, v);
        else if (strcmp(argv[i], "--use-defaults") == 0 || strcmp(argv[i], "--keepold") == 0)
            continue;
        else if ((is_add || is_modify) && heimdal_option(argv, &i, "max-ticket-life", &v))
            rc |= mit_push(&c, "-maxlife") | mit_push(&c, v);
        else if ((is_add || is_modify) && heimdal_option(argv, &i, "max-renewable-life", &v))
            rc |= mit_push(&c, "-maxrenewlife") | mit_push(&c, v);
        else if ((is_add || is_modify) && heimdal_option(argv, &i, "expiration-time", &v))
            rc |= mit_push(&c, "-expire") | mit_push(&c, v);
        else if ((is_add || is_modify) && heimdal_option(argv, &i, "pw-expiration-time", &v))
            rc |= mit_push(&c, "-pwexpire") | mit_push(&c, v);
        else if ((is_add || is_modify) && heimdal_option(argv, &i, "attributes", &v))
            rc |= mit_push_attributes(&c, v);
        else if (strcmp(mit, "ktadd") == 0 && heimdal_option(argv, &i, "keytab", &v))
            keytab = v;
        else if (strcmp(mit, "ktadd") == 0 && strcmp(argv[i], "-k") == 0 && argv[i + 1])
            keytab = argv[++i];
        else {
            harness_msg("kadmin %s: option '%s' has no MIT translation", cmd, argv[i]);
            errno = EINVAL;
            return -1;
        }
        if (rc != 0)
            return -1;
    }
    first_principal = i;
    if (argv[first_principal] == NULL) {
        harness_msg("kadmin %s: no principal", cmd);
        errno = EINVAL;
        return -1;
    }
    if (strcmp(mit, "ktadd") == 0) {
        /* Heimdal's ext_keytab writes the current keys; MIT's ktadd makes
         * new ones unless -norandkey (kadmin.local only). */
        if (mit_push(&c, "-k") != 0 || mit_push(&c, keytab ? strip_kt_prefix(keytab)
                                                             : "/dev/null/no-keytab") != 0 ||
            mit_push(&c, "-norandkey") != 0)
            return -1;
        for (i = first_principal; argv[i] != NULL; i++)
            if (mit_push(&c, argv[i]) != 0)
                return -1;
        if (keytab == NULL) {
            harness_msg("kadmin ext_keytab: give --keytab=FILE");
            errno = EINVAL;
            return -1;
        }
        if (mit_kadmin_local(r, c.argv) != 0)
            return -1;
        /* ktadd only warns about a principal that does not exist */
        for (i = first_principal; argv[i] != NULL; i++) {
            if (test_realm_keytab_contains(strip_kt_prefix(keytab), argv[i]) != 1) {
                harness_msg("kadmin ext_keytab: no keys for %s in %s: %s", argv[i], keytab,
                            r->last_output);
                errno = ENOENT;
                return -1;
            }
        }
        return 0;
    }
    /* MIT's commands take one principal each. */
    size_t base = c.n;
    for (i = first_principal; argv[i] != NULL; i++) {
        c.n = base;
        if (mit_push(&c, argv[i]) != 0 || mit_kadmin_local(r, c.argv) != 0)
            return -1;
    }
    return 0;
}

int
test_realm_kadmin(struct test_realm *r, const char *const argv[])
{
    if (r == NULL || r->dir[0] == '\0' || argv == NULL || argv[0] == NULL) {
        errno = EINVAL;
        return -1;
    }
    return mit_kadmin(r, argv);
}

/* The database: kdb5_util create -s (master key stashed in r->mkey). */
static int
init_database(struct test_realm *r)
{
    const char *argv[] = { r->dbutil_prog_, "-r", r->realm, "create", "-s",
                           "-P", MIT_MASTER_PASSWORD, NULL };
    if (run_realm_prog(r, argv, kdc_side_config(r), NULL, NULL) != 0) {
        report_failure(r, "kdb5_util create");
        return -1;
    }
    return 0;
}

#else /* Heimdal */

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
    rc = run_realm_prog(r, full, kdc_side_config(r), NULL, NULL);
    if (rc != 0) {
        char what[256];
        snprintf(what, sizeof what, "kadmin %s %s", argv[0],
                 argv[0] && argv[1] ? argv[1] : "");
        report_failure(r, what);
        return -1;
    }
    return 0;
}

/* The database: kadmin -l init (realm limits as MIT's kdc.conf has them). */
static int
init_database(struct test_realm *r)
{
    return test_realm_kadmin(r, (const char *const[]){
        "init", "--realm-max-ticket-life=1 day", "--realm-max-renewable-life=1 week",
        r->realm, NULL });
}

#endif /* Heimdal */

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

#ifdef SSPI_SHIM_MIT
/* The default principals: one kadmin.local run per command (script mode
 * takes one command; each run is ~50 ms). */
static int
add_default_principals(struct test_realm *r)
{
    if (mit_kadmin_local(r, (const char *const[]){ "addprinc", "+requires_preauth", "-pw",
                                                   TEST_REALM_ALICE_PASSWORD, TEST_REALM_ALICE,
                                                   NULL }) != 0 ||
        mit_kadmin_local(r, (const char *const[]){ "addprinc", "+requires_preauth", "-pw",
                                                   TEST_REALM_BOB_PASSWORD, TEST_REALM_BOB,
                                                   NULL }) != 0 ||
        mit_kadmin_local(r, (const char *const[]){ "addprinc", "-randkey",
                                                   TEST_REALM_HTTP_SERVICE, NULL }) != 0 ||
        mit_kadmin_local(r, (const char *const[]){ "addprinc", "-randkey",
                                                   TEST_REALM_HOST_SERVICE, NULL }) != 0)
        return -1;
    return KADMIN(r, "ext_keytab", "--keytab", r->keytab, TEST_REALM_HTTP_SERVICE,
                  TEST_REALM_HOST_SERVICE);
}
#else
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
#endif

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
#ifdef SSPI_SHIM_MIT
    /* MIT's kinit has no password-file option; its prompter reads the
     * password from stdin when that is not a terminal. */
    const char *argv[] = { r->kinit_prog, "-c", cc, principal, NULL };
#else
    const char *argv[] = { r->kinit_prog, "--password-file=STDIN", "-c", cc,
                           principal, NULL };
#endif
    return run_realm_prog(r, argv, r->client_conf, cc, password);
}

int
test_realm_run_client(struct test_realm *r, const char *const argv[],
                      const char *stdin_data, const char *ccache_name)
{
    char cc[TEST_REALM_PATH_MAX + 16];
    if (r == NULL || argv == NULL || argv[0] == NULL || argv[0][0] != '/') {
        errno = EINVAL;
        return -1;
    }
    full_ccache_name(r, ccache_name, cc, sizeof cc);
    return run_realm_prog(r, argv, r->client_conf, cc, stdin_data);
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
#ifdef SSPI_SHIM_MIT
    /* MIT 1.20 has no "tcp/" prefix on a kdc line (it would take it for a
     * host name, src/lib/krb5/os/locate_kdc.c): TCP only is spelt
     * udp_preference_limit = 1 (every request is "too big" for UDP). */
    if (o && o->heimdal_tcp_kdc)
        fprintf(f, "\tudp_preference_limit = 1\n");
    const char *tcp_prefix = "";
#else
    const char *tcp_prefix = (o && o->heimdal_tcp_kdc) ? "tcp/" : "";
#endif
    if (realm_extra_libdefaults)
        fprintf(f, "%s\n", realm_extra_libdefaults);
    if (o && o->extra_libdefaults)
        fprintf(f, "%s\n", o->extra_libdefaults);
    fprintf(f, "\n[realms]\n\t%s = {\n", r->realm);
    if (!(o && o->no_kdc))
        fprintf(f, "\t\tkdc = %s127.0.0.1:%d\n", tcp_prefix, port);
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

#ifdef SSPI_SHIM_MIT
/* MIT's kdc.conf (KRB5_KDC_PROFILE): only the KDC's own sections - the
 * client ones come from krb5.conf, which the KDC programs read as
 * KRB5_CONFIG.  Every file the KDC, kdb5_util and kadmin.local write is
 * named here and lies in r->dir: the db2 database (principal, plus
 * principal.kadm5, principal.kadm5.lock, principal.ok), the stash, the ACL,
 * the logs.  iprop is off by default, so there is no update log. */
static int
write_kdc_conf(const struct test_realm *r, const char *extra_kdc,
               const char *extra_libdefaults)
{
    FILE *f = fopen(r->kdc_conf, "w");
    if (f == NULL) {
        harness_msg("cannot write %s: %s", r->kdc_conf, strerror(errno));
        return -1;
    }
    fprintf(f,
            "# Generated by tests/realm.c: the MIT KDC side of a throwaway realm.\n"
            "# krb5kdc, kdb5_util and kadmin.local read it as KRB5_KDC_PROFILE,\n"
            "# with KRB5_CONFIG=%s.\n",
            r->krb5_conf);
    /* Debian 12's krb5kdc (1.20.1-2+deb12u*) refuses rc4-hmac session keys
     * unless allow_rc4 (measured: "BAD_ENCRYPTION_TYPE" for an AS-REQ that
     * offers rc4 only; the knob of krb5 1.21).  Heimdal's KDC issues them,
     * and the Active Directory-style tests need them: the KDC side allows. */
    fprintf(f, "[libdefaults]\n\tallow_rc4 = true\n");
    if (extra_libdefaults)
        fprintf(f, "%s\n", extra_libdefaults);
    fprintf(f, "\n[kdcdefaults]\n");
    if (extra_kdc)
        fprintf(f, "%s\n", extra_kdc);
    fprintf(f,
            "\n[realms]\n"
            "\t%s = {\n"
            "\t\tdatabase_name = %s\n"
            "\t\tkey_stash_file = %s\n"
            "\t\tacl_file = %s\n"
            "\t\tkdc_listen = 127.0.0.1:%d\n"
            "\t\tkdc_tcp_listen = 127.0.0.1:%d\n"
            "\t\tmax_life = 1d\n"
            "\t\tmax_renewable_life = 7d\n"
            /* as Heimdal's [kdc] require-preauth = true */
            "\t\tdefault_principal_flags = +preauth\n"
            /* the keys Heimdal's realm gets ([kadmin] default_keys):
             * AES, and rc4-hmac for the Active Directory-style tests */
            "\t\tsupported_enctypes = aes256-cts-hmac-sha1-96:normal "
            "aes128-cts-hmac-sha1-96:normal arcfour-hmac:normal\n"
            "\t}\n",
            r->realm, r->db, r->mkey, r->acl, r->port, r->port);
    if (r->db_module_dir_[0] != '\0')
        fprintf(f, "\n[dbmodules]\n\tdb_module_dir = %s\n", r->db_module_dir_);
    fprintf(f,
            "\n[logging]\n"
            "\tkdc = FILE:%s\n"
            "\tadmin_server = FILE:%s/kadmin.log\n"
            "\tdefault = FILE:%s/krb5.log\n",
            r->kdc_log, r->dir, r->dir);
    return fclose(f) == 0 ? 0 : -1;
}
#else
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
            /* The realm, so that the KDC's digest service (NTLM,
             * tests/check_ntlm.c) finds this database through its HDBGET:
             * keytab (lib/hdb/keytab.c find_db) instead of the default
             * /var/lib/heimdal-kdc/heimdal */
            "\t\trealm = %s\n"
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
            r->realm, r->db, r->mkey, r->acl, r->dir);
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
#endif

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
 * the owner and its forked children (the write end is close-on-exec, so
 * no kinit or KDC holds it) - is gone without the fixture's destroy: a
 * failed Check assertion _exit()s its forked test.  Then kill the kdc if
 * one was named and it is still ours (checked on its command line, which
 * names a file in the directory: Heimdal's --config-file=DIR/kdc.conf,
 * MIT's -P DIR/krb5kdc.pid - so a reused pid is left alone) and remove the
 * directory.  $1 = directory, $2 = "keep" to keep it. */
static const char watchdog_script[] =
    "pid=\n"
    "while IFS= read -r line; do\n"
    "  case $line in\n"
    "    q) exit 0 ;;\n"
    "    pid\\ *) pid=${line#pid } ;;\n"
    "  esac\n"
    "done\n"
    "if [ -n \"$pid\" ] && [ -r \"/proc/$pid/cmdline\" ] &&\n"
    "   tr '\\000' ' ' < \"/proc/$pid/cmdline\" | grep -qF -- \"$1/\"; then\n"
    "  kill -KILL -- \"-$pid\" 2>/dev/null; kill -KILL \"$pid\" 2>/dev/null; sleep 0.2\n"
    "fi\n"
    "[ \"$2\" = keep ] || rm -rf -- \"$1\"\n";

void
trp_watchdog_write(int fd, pid_t pid, const char *line)
{
    size_t len = strlen(line);
    void (*old)(int);
    if (pid <= 0)
        return;
    old = signal(SIGPIPE, SIG_IGN);
    if (write(fd, line, len) != (ssize_t)len) {
        /* the watchdog is gone: nothing more to tell it */
    }
    signal(SIGPIPE, old);
}

static void
watchdog_kdc_pid(struct test_realm *r, pid_t pid)
{
    char line[32];
    snprintf(line, sizeof line, "pid %ld\n", (long)pid);
    trp_watchdog_write(r->watch_fd_, r->watch_pid_, line);
}

int
trp_watchdog_start(const char *dir, const char *name, int *fd, pid_t *pid_out)
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
        const char *argv[] = { "/bin/sh", "-c", watchdog_script, name,
                               dir, trp_keep_dir() ? "keep" : "remove", NULL };
        int devnull = open("/dev/null", O_RDWR);
        setsid();               /* not killed with the test's process group */
        dup2(p[0], 0);
        dup2(devnull, 1);
        dup2(devnull, 2);
        /* only the read end: holding the write end would keep it alive */
        close_fds_from(3);
        execve(argv[0], (char *const *)argv, envp);
        _exit(127);
    }
    close(p[0]);
    *fd = p[1];
    *pid_out = pid;
    return 0;
}

void
trp_watchdog_stop(int *fd, pid_t *pid)
{
    int status;
    if (*pid <= 0)
        return;
    trp_watchdog_write(*fd, *pid, "q\n");
    close(*fd);
    *fd = -1;
    while (waitpid(*pid, &status, 0) < 0 && errno == EINTR)
        ;
    *pid = 0;
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
    snprintf(ccname, sizeof ccname, "FILE:%s", r->ccache);
#ifdef SSPI_SHIM_MIT
    /* krb5kdc: -n stays in the foreground, -P puts the pid file in the
     * directory (none by default); the addresses and the port are the
     * realm's kdc_listen / kdc_tcp_listen in kdc.conf.  It logs
     * "commencing operation" once every socket is bound, and exits with
     * "Address already in use" in the log when one cannot be. */
    snprintf(cfgopt, sizeof cfgopt, "%s/krb5kdc.pid", r->dir);
    (void)portopt;
    (void)udp_line;
    (void)tcp_line;
    (void)udp_seen_before;
    (void)tcp_seen_before;
    started_before = log_count(r, "commencing operation");
    const char *argv[] = { r->kdc_prog, "-n", "-r", r->realm, "-P", cfgopt, NULL };
#else
    snprintf(cfgopt, sizeof cfgopt, "--config-file=%s", r->kdc_conf);
    snprintf(portopt, sizeof portopt, "--ports=%d", r->port);
    snprintf(udp_line, sizeof udp_line, "port %d/udp", r->port);
    snprintf(tcp_line, sizeof tcp_line, "port %d/tcp", r->port);
    udp_seen_before = log_count(r, udp_line);
    tcp_seen_before = log_count(r, tcp_line);
    started_before = log_count(r, "KDC started");

    const char *argv[] = { r->kdc_prog, cfgopt, portopt, "--addresses=127.0.0.1",
                           "--testing", NULL };
#endif
    /* Heimdal: KRB5_CONFIG = kdc.conf too: the kdc prepends --config-file
     * to the default files, which would otherwise include /etc/krb5.conf.
     * MIT: KRB5_CONFIG = krb5.conf, KRB5_KDC_PROFILE = kdc.conf. */
    if (make_child_env(r, kdc_side_config(r), ccname, preload, r->kdc_time_offset, &ce) != 0)
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
#ifdef SSPI_SHIM_MIT
        /* "commencing operation": every socket is bound (else it exited) */
        if (log_count(r, "commencing operation") > started_before) {
            if (tcp_answers(r->port))
                return 0;
#else
        /* "KDC started" is logged once every socket was tried */
        if (log_count(r, "KDC started") > started_before) {
            if (log_count(r, tcp_line) > tcp_seen_before &&
                log_count(r, udp_line) > udp_seen_before && tcp_answers(r->port))
                return 0;
#endif
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

int
trp_save_env(const char *const names[], size_t n, char *saved[], int set[])
{
    int rc = 0;
    for (size_t i = 0; i < n; i++) {
        const char *v = getenv(names[i]);
        set[i] = v != NULL;
        saved[i] = v ? strdup(v) : NULL;
        if (v != NULL && saved[i] == NULL)
            rc = -1;
    }
    return rc;
}

void
trp_restore_env(const char *const names[], size_t n, char *saved[], const int set[])
{
    for (size_t i = 0; i < n; i++) {
        if (set[i] && saved[i])
            setenv(names[i], saved[i], 1);
        else
            unsetenv(names[i]);
        free(saved[i]);
        saved[i] = NULL;
    }
}

/* a copy that could not be made puts its variable back unset */
static void
save_env(struct test_realm *r)
{
    (void)trp_save_env(realm_env_names, N_REALM_ENV, r->saved_env_, r->saved_set_);
    r->env_saved_ = 1;
}

static void
restore_env(struct test_realm *r)
{
    if (!r->env_saved_)
        return;
    trp_restore_env(realm_env_names, N_REALM_ENV, r->saved_env_, r->saved_set_);
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
    /* MIT's acceptor replay cache: the default one, in KRB5RCACHEDIR (a
     * KRB5RCACHENAME or KRB5RCACHETYPE of the caller's would win over it) */
    if (unsetenv("KRB5RCACHENAME") != 0 || unsetenv("KRB5RCACHETYPE") != 0)
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

#ifdef SSPI_SHIM_MIT
/* MIT's KDC programs load the db2 database module from a directory built
 * in (/usr/lib/<triplet>/krb5/plugins/kdb).  For KDC programs unpacked
 * elsewhere (dpkg-deb -x of krb5-kdc into PREFIX, programs in
 * PREFIX/usr/sbin), kdc.conf must name PREFIX's module directory:
 * TEST_REALM_MIT_DB_MODULE_DIR, else found next to the krb5kdc used. */
static int
find_db_module_dir(struct test_realm *r)
{
    const char *e = getenv("TEST_REALM_MIT_DB_MODULE_DIR");
    char pattern[TEST_REALM_PATH_MAX + 64];
    const char *tail = "/sbin/krb5kdc";
    size_t len = strlen(r->kdc_prog), tl = strlen(tail);
    glob_t g;

    r->db_module_dir_[0] = '\0';
    if (e != NULL && *e != '\0')
        return fmt_path(r->db_module_dir_, sizeof r->db_module_dir_, "%s", e);
    if (len <= tl || strcmp(r->kdc_prog + len - tl, tail) != 0 ||
        (len - tl == 4 && strncmp(r->kdc_prog, "/usr", 4) == 0))
        return 0;           /* the system's KDC: its built-in directory */
    snprintf(pattern, sizeof pattern, "%.*s/lib/*/krb5/plugins/kdb/db2.so",
             (int)(len - tl), r->kdc_prog);
    if (glob(pattern, 0, NULL, &g) == 0 && g.gl_pathc > 0) {
        char *slash = strrchr(g.gl_pathv[0], '/');
        int rc = fmt_path(r->db_module_dir_, sizeof r->db_module_dir_, "%.*s",
                          (int)(slash - g.gl_pathv[0]), g.gl_pathv[0]);
        globfree(&g);
        return rc;
    }
    globfree(&g);
    return 0;
}
#endif

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

    if (resolve_prog(KDC_ENV, KDC_MACRO, DEFAULT_KDC,
                     r->kdc_prog, sizeof r->kdc_prog) != 0 ||
        resolve_prog(KADMIN_ENV, KADMIN_MACRO, DEFAULT_KADMIN,
                     r->kadmin_prog, sizeof r->kadmin_prog) != 0 ||
        resolve_prog(KINIT_ENV, KINIT_MACRO, DEFAULT_KINIT,
                     r->kinit_prog, sizeof r->kinit_prog) != 0)
        return -1;
#ifdef SSPI_SHIM_MIT
    if (resolve_prog("MIT_KDB5_UTIL", MIT_KDB5_UTIL, DEFAULT_DBUTIL,
                     r->dbutil_prog_, sizeof r->dbutil_prog_) != 0 ||
        find_db_module_dir(r) != 0)
        return -1;
#endif

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
    if (trp_watchdog_start(r->dir, "test-realm-watchdog", &r->watch_fd_, &r->watch_pid_) != 0)
        goto fail;
    if (opt->extra_libdefaults != NULL &&
        (r->extra_libdefaults_ = strdup(opt->extra_libdefaults)) == NULL)
        goto fail;
    /* r->dir leaves room for these names (checked above) */
    if (fmt_path(r->krb5_conf, sizeof r->krb5_conf, "%s/krb5.conf", r->dir) != 0 ||
        fmt_path(r->client_conf, sizeof r->client_conf, "%s", r->krb5_conf) != 0 ||
        fmt_path(r->kdc_conf, sizeof r->kdc_conf, "%s/kdc.conf", r->dir) != 0 ||
#ifdef SSPI_SHIM_MIT
        fmt_path(r->db, sizeof r->db, "%s/principal", r->dir) != 0 ||
        fmt_path(r->mkey, sizeof r->mkey, "%s/stash", r->dir) != 0 ||
        fmt_path(r->acl, sizeof r->acl, "%s/kadm5.acl", r->dir) != 0 ||
#else
        fmt_path(r->db, sizeof r->db, "%s/heimdal", r->dir) != 0 ||
        fmt_path(r->mkey, sizeof r->mkey, "%s/m-key", r->dir) != 0 ||
        fmt_path(r->acl, sizeof r->acl, "%s/kadmind.acl", r->dir) != 0 ||
#endif
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
            if (init_database(r) != 0)
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
    trp_watchdog_stop(&r->watch_fd_, &r->watch_pid_);
    if (trp_keep_dir())
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
