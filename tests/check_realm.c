/*
 * check_realm.c - tests of the throwaway-realm harness (tests/realm.c):
 * the realm starts, binds only to loopback, points the environment at
 * itself, passwords and keytabs work, the KDC stops and restarts on the
 * same port, and destroy (or the death of the test process) leaves no kdc
 * and no directory behind.
 *
 * Each test runs with a private TMPDIR so "nothing left" can be checked.
 *
 * The realm runs Heimdal's or MIT's KDC (test_realm_flavour()); where the
 * two programs word things differently, struct flavour_text has both
 * spellings, as measured with Heimdal 7.8 and MIT krb5 1.20 (Debian 12).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "realm.h"
#include "smartcard.h"

#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* ------------------------------------------------------------ helpers */

/* What the KDC programs print and log, per flavour. */
struct flavour_text {
    const char *get_requires_preauth;   /* kadmin get / getprinc of alice */
    const char *kinit_no_kdc;           /* kinit, nothing answers */
    const char *kinit_unknown_client;   /* kinit, no such client */
    const char *log_issued_alice;       /* KDC log: alice got a TGT */
    const char *log_bad_password_alice; /* KDC log: alice's pre-auth failed */
    const char *log_unknown_client;     /* KDC log: nosuchuser unknown */
    const char *log_pkinit_alice;       /* KDC log: alice logged on by PKINIT */
};

static const struct flavour_text heimdal_text = {
    "requires-pre-auth",
    "unable to reach any KDC",
    "unknown",
    "ENC-TS pre-authentication succeeded -- alice@",
    "Failed to decrypt PA-DATA -- alice@",
    "UNKNOWN -- nosuchuser@",
    "PKINIT pre-authentication succeeded -- alice@",
};

static const struct flavour_text mit_text = {
    "Attributes: REQUIRES_PRE_AUTH",
    /* "kinit: Cannot contact any KDC for realm 'SSPI.TEST' while getting
     * initial credentials" */
    "Cannot contact any KDC for realm",
    /* "Client 'nosuchuser@SSPI.TEST' not found in Kerberos database" */
    "not found in Kerberos database",
    /* "AS_REQ (...) 127.0.0.1: ISSUE: authtime N, etypes {...}, alice@SSPI.TEST
     * for krbtgt/SSPI.TEST@SSPI.TEST" (the PREAUTH_REQUIRED line before it
     * reads "NEEDED_PREAUTH: alice@") */
    "}, alice@",
    "PREAUTH_FAILED: alice@",
    "CLIENT_NOT_FOUND: nosuchuser@",
    /* MIT's ISSUE line names no pre-authentication type; its PKINIT
     * plugin logs the freshness token the client's PA-PK-AS-REQ carries */
    "PKINIT: freshness token received from alice@",
};

static int
is_mit(void)
{
    return strcmp(test_realm_flavour(), "mit") == 0;
}

static const struct flavour_text *
text(void)
{
    return is_mit() ? &mit_text : &heimdal_text;
}

static char suite_tmpdir[512];   /* per test case, in the runner process */
static char test_tmpdir[600];    /* per test, inside suite_tmpdir */
static char *saved_tmpdir;

static int
rm_cb(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st; (void)ftw;
    return flag == FTW_DP ? rmdir(path) : unlink(path);
}

static void
rm_rf(const char *path)
{
    struct stat st;
    if (path[0] != '\0' && lstat(path, &st) == 0)
        nftw(path, rm_cb, 16, FTW_DEPTH | FTW_PHYS);
}

/* Unchecked fixture (the runner process): a directory for the whole test
 * case, removed at the end even when a forked test ended with _exit()
 * after a failed assertion (which skips the checked teardown). */
static void
setup_suite_tmpdir(void)
{
    const char *base = getenv("TMPDIR");
    if (base == NULL || base[0] != '/')
        base = "/tmp";
    snprintf(suite_tmpdir, sizeof suite_tmpdir, "%s/check_realm.XXXXXX", base);
    if (mkdtemp(suite_tmpdir) == NULL) {
        perror("check_realm: mkdtemp");
        exit(EXIT_FAILURE);
    }
}

static void
teardown_suite_tmpdir(void)
{
    rm_rf(suite_tmpdir);
}

/* Checked fixture: a private, empty TMPDIR for each test, so "nothing
 * left behind" can be checked. */
static void
setup_tmpdir(void)
{
    const char *old = getenv("TMPDIR");
    saved_tmpdir = old ? strdup(old) : NULL;
    snprintf(test_tmpdir, sizeof test_tmpdir, "%s/t.XXXXXX", suite_tmpdir);
    ck_assert_ptr_nonnull(mkdtemp(test_tmpdir));
    setenv("TMPDIR", test_tmpdir, 1);
}

static void
teardown_tmpdir(void)
{
    rm_rf(test_tmpdir);
    test_tmpdir[0] = '\0';
    if (saved_tmpdir) {
        setenv("TMPDIR", saved_tmpdir, 1);
        free(saved_tmpdir);
        saved_tmpdir = NULL;
    } else {
        unsetenv("TMPDIR");
    }
}

static int
dir_entries(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    int n = 0;
    if (d == NULL)
        return -1;
    while ((e = readdir(d)) != NULL)
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
            n++;
    closedir(d);
    return n;
}

static int
path_exists(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0;
}

static off_t
file_size(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0 ? st.st_size : -1;
}

/* 1 if pid is a live (non-zombie) process */
static int
pid_alive(pid_t pid)
{
    char path[64], buf[512];
    FILE *f;
    char *rp;
    int alive = 0;
    if (pid <= 0)
        return 0;
    snprintf(path, sizeof path, "/proc/%ld/stat", (long)pid);
    f = fopen(path, "r");
    if (f == NULL)
        return 0;
    if (fgets(buf, sizeof buf, f) != NULL && (rp = strrchr(buf, ')')) != NULL &&
        rp[1] == ' ')
        alive = rp[2] != 'Z' && rp[2] != 'X';
    fclose(f);
    return alive;
}

/* How many live KDCs serve <dir>: Heimdal's kdc runs with
 * --config-file=<dir>/kdc.conf, MIT's krb5kdc with -P <dir>/krb5kdc.pid. */
static int
kdcs_for_dir(const char *dir)
{
    char want[600];
    DIR *d = opendir("/proc");
    struct dirent *e;
    int n = 0;
    if (is_mit())
        snprintf(want, sizeof want, "-P %s/krb5kdc.pid", dir);
    else
        snprintf(want, sizeof want, "--config-file=%s/kdc.conf", dir);
    if (d == NULL)
        return -1;
    while ((e = readdir(d)) != NULL) {
        char path[300], buf[4096];
        ssize_t len;
        int fd;
        pid_t pid = (pid_t)atol(e->d_name);
        if (pid <= 0)
            continue;
        snprintf(path, sizeof path, "/proc/%s/cmdline", e->d_name);
        fd = open(path, O_RDONLY);
        if (fd < 0)
            continue;
        len = read(fd, buf, sizeof buf - 1);
        close(fd);
        if (len <= 0)
            continue;
        buf[len] = '\0';
        for (ssize_t i = 0; i < len; i++)
            if (buf[i] == '\0')
                buf[i] = ' ';
        if (strstr(buf, want) != NULL && pid_alive(pid))
            n++;
    }
    closedir(d);
    return n;
}

/* Wait up to ms for cond(arg) to become true. */
static int
wait_for(int (*cond)(const void *), const void *arg, long ms)
{
    for (long waited = 0; waited <= ms; waited += 20) {
        if (cond(arg))
            return 1;
        struct timespec ts = { 0, 20 * 1000000L };
        nanosleep(&ts, NULL);
    }
    return cond(arg);
}

static int no_kdc_for_dir(const void *dir) { return kdcs_for_dir(dir) == 0; }
static int pid_gone(const void *p) { return !pid_alive(*(const pid_t *)p); }
static int dir_gone(const void *dir) { return !path_exists(dir); }

/* Every listening TCP / unconnected UDP socket on `port` in
 * /proc/net/{tcp,udp}{,6}: all must be 127.0.0.1.  Returns the number
 * found, or -1 if one is bound to another address. */
static int
sockets_on_port(int port)
{
    static const char *const files[] = { "/proc/net/tcp", "/proc/net/udp",
                                         "/proc/net/tcp6", "/proc/net/udp6" };
    int found = 0;
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        FILE *f = fopen(files[i], "r");
        char line[512];
        if (f == NULL)
            continue;
        while (fgets(line, sizeof line, f) != NULL) {
            char local[128], remote[128];
            unsigned p, st;
            char *colon;
            if (sscanf(line, " %*d: %127s %127s %x", local, remote, &st) != 3)
                continue;
            /* TCP: LISTEN (0x0A) only; UDP: unconnected (0x07) only - not
             * the TIME_WAIT leftovers of test_realm_kdc_running's probes */
            if (st != (strstr(files[i], "tcp") ? 0x0Au : 0x07u))
                continue;
            colon = strrchr(local, ':');
            if (colon == NULL || sscanf(colon + 1, "%x", &p) != 1 || (int)p != port)
                continue;
            *colon = '\0';
            if (strcmp(local, "0100007F") != 0) {
                fclose(f);
                return -1;
            }
            found++;
        }
        fclose(f);
    }
    return found;
}

static void
start_default(struct test_realm *r)
{
    int rc = test_realm_start(r, NULL);
    ck_assert_msg(rc == 0, "test_realm_start failed (see stderr)");
}

/* ---------------------------------------------------------------- tests */

START_TEST(test_start_layout_and_env)
{
    struct test_realm r;
    char want[1024];

    setenv("KRB5_CLIENT_KTNAME", "FILE:/nonexistent/client.keytab", 1);
    setenv("KRB5RCACHENAME", "FILE:/nonexistent/rcache", 1);
    start_default(&r);

    ck_assert_str_eq(r.realm, TEST_REALM_DEFAULT_NAME);
    ck_assert_int_gt(r.port, 0);
    ck_assert_int_gt(r.kdc_pid, 0);
    ck_assert(strncmp(r.dir, test_tmpdir, strlen(test_tmpdir)) == 0);
    ck_assert(path_exists(r.krb5_conf));
    ck_assert(path_exists(r.kdc_conf));
    ck_assert(path_exists(r.kdc_log));
    ck_assert_int_gt(file_size(r.keytab), 0);
    ck_assert_int_eq(test_realm_kdc_running(&r), 1);

    ck_assert_str_eq(getenv("KRB5_CONFIG"), r.krb5_conf);
    ck_assert_str_eq(getenv("KRB5_KDC_PROFILE"), r.kdc_conf);
    snprintf(want, sizeof want, "FILE:%s", r.keytab);
    ck_assert_str_eq(getenv("KRB5_KTNAME"), want);
    snprintf(want, sizeof want, "FILE:%s", r.ccache);
    ck_assert_str_eq(getenv("KRB5CCNAME"), want);
    ck_assert_str_eq(getenv("KRB5RCACHEDIR"), r.dir);
    ck_assert_ptr_null(getenv("KRB5_CLIENT_KTNAME"));
    ck_assert_ptr_null(getenv("KRB5RCACHENAME"));

    /* the KDC listens on TCP and UDP, on 127.0.0.1 only */
    ck_assert_int_ge(sockets_on_port(r.port), 2);

    /* alice requires pre-authentication */
    ck_assert_int_eq(test_realm_kadmin(&r, (const char *const[]){ "get", "alice", NULL }), 0);
    ck_assert_msg(strstr(r.last_output, text()->get_requires_preauth) != NULL, "%s",
                  r.last_output);

    test_realm_destroy(&r);
    /* the environment is back */
    ck_assert_str_eq(getenv("KRB5_CLIENT_KTNAME"), "FILE:/nonexistent/client.keytab");
    ck_assert_str_eq(getenv("KRB5RCACHENAME"), "FILE:/nonexistent/rcache");
    unsetenv("KRB5_CLIENT_KTNAME");
    unsetenv("KRB5RCACHENAME");
}
END_TEST

START_TEST(test_krb5_conf_contents)
{
    struct test_realm r;
    char *text;
    char want[128];
    FILE *f;
    long n;

    start_default(&r);
    f = fopen(r.krb5_conf, "r");
    ck_assert_ptr_nonnull(f);
    text = calloc(1, 65536);
    n = (long)fread(text, 1, 65535, f);
    fclose(f);
    ck_assert_int_gt(n, 0);
    snprintf(want, sizeof want, "kdc = 127.0.0.1:%d", r.port);
    ck_assert_ptr_nonnull(strstr(text, want));
    ck_assert_ptr_nonnull(strstr(text, "default_realm = " TEST_REALM_DEFAULT_NAME));
    ck_assert_ptr_nonnull(strstr(text, "dns_lookup_kdc = false"));
    ck_assert_ptr_nonnull(strstr(text, "dns_lookup_realm = false"));
    ck_assert_ptr_nonnull(strstr(text, "dns_canonicalize_hostname = false"));
    ck_assert_ptr_nonnull(strstr(text, "rdns = false"));
    ck_assert_ptr_nonnull(strstr(text, "localhost = " TEST_REALM_DEFAULT_NAME));
    /* the client file holds no KDC-only sections */
    ck_assert_ptr_null(strstr(text, "[kdc]"));
    ck_assert_ptr_null(strstr(text, "dbname"));
    free(text);
    test_realm_destroy(&r);
}
END_TEST

START_TEST(test_kinit_password)
{
    struct test_realm r;
    char cc[1024];

    start_default(&r);
    ck_assert_int_eq(test_realm_kinit(&r, TEST_REALM_ALICE, TEST_REALM_ALICE_PASSWORD, NULL), 0);
    ck_assert_int_gt(file_size(r.ccache), 0);
    ck_assert_int_eq(test_realm_kdc_log_contains(&r, text()->log_issued_alice), 1);

    /* a wrong password fails, and says so */
    snprintf(cc, sizeof cc, "%s/wrong.cc", r.dir);
    ck_assert_int_gt(test_realm_kinit(&r, TEST_REALM_ALICE, "not-the-password", cc), 0);
    ck_assert_msg(strstr(r.last_output, "Password incorrect") != NULL, "%s", r.last_output);
    ck_assert_int_eq(test_realm_kdc_log_contains(&r, text()->log_bad_password_alice), 1);

    /* bob with bob's password into a named ccache (FILE: prefix accepted) */
    snprintf(cc, sizeof cc, "FILE:%s/bob.cc", r.dir);
    ck_assert_int_eq(test_realm_kinit(&r, TEST_REALM_BOB, TEST_REALM_BOB_PASSWORD, cc), 0);
    ck_assert_int_gt(file_size(cc + 5), 0);

    /* an unknown client */
    ck_assert_int_gt(test_realm_kinit(&r, "nosuchuser", "x", cc), 0);
    ck_assert_msg(strstr(r.last_output, text()->kinit_unknown_client) != NULL, "%s",
                  r.last_output);
    ck_assert_int_eq(test_realm_kdc_log_contains(&r, text()->log_unknown_client), 1);

    /* a new user */
    ck_assert_int_eq(test_realm_add_user(&r, "carol", "carol pass with blanks"), 0);
    ck_assert_int_eq(test_realm_kinit(&r, "carol", "carol pass with blanks", cc), 0);
    ck_assert_int_gt(test_realm_kinit(&r, "carol", "carol", cc), 0);
    test_realm_destroy(&r);
}
END_TEST

START_TEST(test_keytab)
{
    struct test_realm r;
    char kt[1024], other[1100], cc[1024];
    int total;

    start_default(&r);
    snprintf(cc, sizeof cc, "%s/svc.cc", r.dir);
    ck_assert_int_eq(test_realm_keytab_contains(r.keytab, TEST_REALM_HTTP_SERVICE), 1);
    ck_assert_int_eq(test_realm_keytab_contains(r.keytab, "HTTP/localhost@" TEST_REALM_DEFAULT_NAME), 1);
    ck_assert_int_eq(test_realm_keytab_contains(r.keytab, "HTTP/localhost@OTHER.REALM"), 0);
    ck_assert_int_eq(test_realm_keytab_contains(r.keytab, TEST_REALM_HOST_SERVICE), 1);
    ck_assert_int_eq(test_realm_keytab_contains(r.keytab, TEST_REALM_ALICE), 0);
    ck_assert_int_eq(test_realm_keytab_contains(r.keytab, "HTTP/local"), 0);
    total = test_realm_keytab_count(r.keytab);
    ck_assert_int_ge(total, 2);

    /* the keys in it are the KDC's: kinit -k works for both services */
    ck_assert_int_eq(test_realm_kinit_keytab(&r, TEST_REALM_HTTP_SERVICE, NULL, cc), 0);
    ck_assert_int_eq(test_realm_kinit_keytab(&r, TEST_REALM_HOST_SERVICE, NULL, cc), 0);

    /* a keytab WITHOUT the HTTP key: write another principal's keys */
    snprintf(other, sizeof other, "%s/host-only.keytab", r.dir);
    ck_assert_int_eq(test_realm_write_keytab(&r, TEST_REALM_HOST_SERVICE, other), 0);
    ck_assert_int_eq(test_realm_keytab_contains(other, TEST_REALM_HOST_SERVICE), 1);
    ck_assert_int_eq(test_realm_keytab_contains(other, TEST_REALM_HTTP_SERVICE), 0);
    ck_assert_int_gt(test_realm_kinit_keytab(&r, TEST_REALM_HTTP_SERVICE, other, cc), 0);

    /* removing entries from a copy: the result is still a valid keytab */
    snprintf(kt, sizeof kt, "%s/copy.keytab", r.dir);
    ck_assert_int_eq(test_realm_write_keytab(&r, TEST_REALM_HTTP_SERVICE, kt), 0);
    ck_assert_int_eq(test_realm_write_keytab(&r, TEST_REALM_HOST_SERVICE, kt), 0);
    ck_assert_int_eq(test_realm_keytab_count(kt), total);
    snprintf(other, sizeof other, "FILE:%s", kt);
    ck_assert_int_gt(test_realm_keytab_remove(other, TEST_REALM_HTTP_SERVICE), 0);
    ck_assert_int_eq(test_realm_keytab_contains(kt, TEST_REALM_HTTP_SERVICE), 0);
    ck_assert_int_eq(test_realm_keytab_contains(kt, TEST_REALM_HOST_SERVICE), 1);
    ck_assert_int_eq(test_realm_keytab_remove(kt, TEST_REALM_HTTP_SERVICE), 0);
    ck_assert_int_eq(test_realm_kinit_keytab(&r, TEST_REALM_HOST_SERVICE, kt, cc), 0);
    ck_assert_int_gt(test_realm_kinit_keytab(&r, TEST_REALM_HTTP_SERVICE, kt, cc), 0);

    /* a new service in its own keytab */
    snprintf(kt, sizeof kt, "%s/web.keytab", r.dir);
    ck_assert_int_eq(test_realm_add_service(&r, "HTTP/web.localhost", kt), 0);
    ck_assert_int_eq(test_realm_keytab_contains(kt, "HTTP/web.localhost"), 1);
    ck_assert_int_eq(test_realm_keytab_contains(kt, TEST_REALM_HTTP_SERVICE), 0);
    ck_assert_int_eq(test_realm_kinit_keytab(&r, "HTTP/web.localhost", kt, cc), 0);

    /* rekey: the old keytab no longer works */
    ck_assert_int_eq(test_realm_rekey(&r, "HTTP/web.localhost"), 0);
    ck_assert_int_gt(test_realm_kinit_keytab(&r, "HTTP/web.localhost", kt, cc), 0);
    /* ...a fresh copy of the new keys does; deleted, the principal is gone */
    snprintf(other, sizeof other, "%s/web2.keytab", r.dir);
    ck_assert_int_eq(test_realm_write_keytab(&r, "HTTP/web.localhost", other), 0);
    ck_assert_int_eq(test_realm_kinit_keytab(&r, "HTTP/web.localhost", other, cc), 0);
    ck_assert_int_eq(test_realm_delete_principal(&r, "HTTP/web.localhost"), 0);
    ck_assert_int_gt(test_realm_kinit_keytab(&r, "HTTP/web.localhost", other, cc), 0);
    snprintf(other, sizeof other, "%s/web3.keytab", r.dir);
    ck_assert_int_eq(test_realm_write_keytab(&r, "HTTP/web.localhost", other), -1);

    /* not a keytab */
    ck_assert_int_eq(test_realm_keytab_contains(r.krb5_conf, TEST_REALM_HTTP_SERVICE), -1);
    ck_assert_int_eq(test_realm_keytab_count("/nonexistent/keytab"), -1);
    test_realm_destroy(&r);
}
END_TEST

START_TEST(test_stop_restart)
{
    struct test_realm r;
    int port;
    pid_t old;
    char cc[1024];

    start_default(&r);
    snprintf(cc, sizeof cc, "%s/a.cc", r.dir);
    port = r.port;
    old = r.kdc_pid;

    ck_assert_int_eq(test_realm_stop_kdc(&r), 0);
    ck_assert_int_eq(r.kdc_pid, 0);
    ck_assert_int_eq(test_realm_kdc_running(&r), 0);
    ck_assert(!pid_alive(old));
    ck_assert_int_eq(kdcs_for_dir(r.dir), 0);
    ck_assert_int_eq(sockets_on_port(port), 0);
    ck_assert_int_eq(test_realm_stop_kdc(&r), 0);   /* twice is fine */

    /* a stopped KDC: kinit fails (at once: loopback refuses) */
    ck_assert_int_gt(test_realm_kinit(&r, TEST_REALM_ALICE, TEST_REALM_ALICE_PASSWORD, cc), 0);
    ck_assert_msg(strstr(r.last_output, text()->kinit_no_kdc) != NULL, "%s", r.last_output);

    ck_assert_int_eq(test_realm_restart_kdc(&r), 0);
    ck_assert_int_eq(r.port, port);
    ck_assert_int_gt(r.kdc_pid, 0);
    ck_assert_int_ne(r.kdc_pid, old);
    ck_assert_int_eq(test_realm_kdc_running(&r), 1);
    ck_assert_int_eq(kdcs_for_dir(r.dir), 1);
    ck_assert_int_eq(test_realm_kinit(&r, TEST_REALM_ALICE, TEST_REALM_ALICE_PASSWORD, cc), 0);

    /* restart of a running KDC */
    old = r.kdc_pid;
    ck_assert_int_eq(test_realm_restart_kdc(&r), 0);
    ck_assert_int_ne(r.kdc_pid, old);
    ck_assert_int_eq(kdcs_for_dir(r.dir), 1);
    ck_assert_int_eq(test_realm_kinit(&r, TEST_REALM_ALICE, TEST_REALM_ALICE_PASSWORD, cc), 0);
    test_realm_destroy(&r);
}
END_TEST

static int
bind_loopback(int type, int port)
{
    struct sockaddr_in sin;
    int fd = socket(AF_INET, type, 0);
    ck_assert_int_ge(fd, 0);
    memset(&sin, 0, sizeof sin);
    sin.sin_family = AF_INET;
    sin.sin_port = htons((uint16_t)port);
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ck_assert_int_eq(bind(fd, (struct sockaddr *)&sin, sizeof sin), 0);
    if (type == SOCK_STREAM)
        ck_assert_int_eq(listen(fd, 4), 0);
    return fd;
}

/* The KDC must bind both TCP and UDP: a port half taken is detected. */
START_TEST(test_restart_port_taken)
{
    struct test_realm r;
    int fd;

    start_default(&r);
    ck_assert_int_eq(test_realm_stop_kdc(&r), 0);

    fd = bind_loopback(SOCK_DGRAM, r.port);
    ck_assert_int_eq(test_realm_restart_kdc(&r), -1);
    ck_assert_int_eq(r.kdc_pid, 0);
    ck_assert_int_eq(kdcs_for_dir(r.dir), 0);
    close(fd);

    fd = bind_loopback(SOCK_STREAM, r.port);
    ck_assert_int_eq(test_realm_restart_kdc(&r), -1);
    ck_assert_int_eq(kdcs_for_dir(r.dir), 0);
    close(fd);

    ck_assert_int_eq(test_realm_restart_kdc(&r), 0);
    ck_assert_int_eq(test_realm_kinit(&r, TEST_REALM_ALICE, TEST_REALM_ALICE_PASSWORD, NULL), 0);
    test_realm_destroy(&r);
}
END_TEST

START_TEST(test_destroy_removes_everything)
{
    struct test_realm r;
    char dir[TEST_REALM_PATH_MAX];
    pid_t pid;

    setenv("KRB5_CONFIG", "/before/krb5.conf", 1);
    unsetenv("KRB5CCNAME");
    start_default(&r);
    snprintf(dir, sizeof dir, "%s", r.dir);
    pid = r.kdc_pid;
    ck_assert_int_eq(test_realm_kinit(&r, TEST_REALM_ALICE, TEST_REALM_ALICE_PASSWORD, NULL), 0);

    test_realm_destroy(&r);
    ck_assert(!path_exists(dir));
    ck_assert(!pid_alive(pid));
    ck_assert_int_eq(kdcs_for_dir(dir), 0);
    ck_assert_int_eq(dir_entries(test_tmpdir), 0);
    ck_assert_str_eq(getenv("KRB5_CONFIG"), "/before/krb5.conf");
    ck_assert_ptr_null(getenv("KRB5CCNAME"));

    /* safe to call again, and on a zeroed struct */
    test_realm_destroy(&r);
    memset(&r, 0, sizeof r);
    test_realm_destroy(&r);
    test_realm_destroy(NULL);
    unsetenv("KRB5_CONFIG");
}
END_TEST

START_TEST(test_two_realms)
{
    struct test_realm a, b;
    int rc;

    rc = test_realm_start(&a, "ONE.TEST");
    ck_assert_int_eq(rc, 0);
    rc = test_realm_start(&b, "TWO.TEST");
    ck_assert_int_eq(rc, 0);
    ck_assert_int_ne(a.port, b.port);
    ck_assert_str_eq(getenv("KRB5_CONFIG"), b.krb5_conf);
    ck_assert_int_eq(test_realm_kinit(&a, "alice@ONE.TEST", TEST_REALM_ALICE_PASSWORD, NULL), 0);
    ck_assert_int_eq(test_realm_kinit(&b, "alice@TWO.TEST", TEST_REALM_ALICE_PASSWORD, NULL), 0);
    test_realm_destroy(&b);
    ck_assert_str_eq(getenv("KRB5_CONFIG"), a.krb5_conf);
    ck_assert_int_eq(test_realm_kdc_running(&a), 1);
    test_realm_destroy(&a);
    ck_assert_int_eq(dir_entries(test_tmpdir), 0);
}
END_TEST

START_TEST(test_bad_arguments)
{
    struct test_realm r;
    ck_assert_int_eq(test_realm_start(&r, "bad realm name"), -1);
    ck_assert_int_eq(test_realm_start(&r, "EVIL]\n[kdc"), -1);
    ck_assert_int_eq(dir_entries(test_tmpdir), 0);

    /* a program that does not exist: nothing is left behind (the KDC's
     * variable is HEIMDAL_KDC or MIT_KRB5KDC, by flavour: set both) */
    setenv("HEIMDAL_KDC", "/nonexistent/kdc", 1);
    setenv("MIT_KRB5KDC", "/nonexistent/kdc", 1);
    ck_assert_int_eq(test_realm_start(&r, NULL), -1);
    ck_assert_int_eq(errno, ENOENT);
    unsetenv("HEIMDAL_KDC");
    unsetenv("MIT_KRB5KDC");
    ck_assert_int_eq(dir_entries(test_tmpdir), 0);

    /* a kdc that exits at once (env wins over the build's path) */
    setenv("HEIMDAL_KDC", "/bin/false", 1);
    setenv("MIT_KRB5KDC", "/bin/false", 1);
    ck_assert_int_eq(test_realm_start(&r, NULL), -1);
    unsetenv("HEIMDAL_KDC");
    unsetenv("MIT_KRB5KDC");
    ck_assert_int_eq(dir_entries(test_tmpdir), 0);
}
END_TEST

START_TEST(test_krb5_conf_variants)
{
    struct test_realm r;
    struct test_realm_krb5_conf c;
    char path[1024], cc[1024];

    start_default(&r);
    snprintf(path, sizeof path, "%s/dead.conf", r.dir);
    snprintf(cc, sizeof cc, "%s/v.cc", r.dir);

    /* a KDC port with nothing behind it */
    memset(&c, 0, sizeof c);
    c.kdc_timesync = -1;
    c.kdc_port = test_realm_unused_port();
    ck_assert_int_gt(c.kdc_port, 0);
    ck_assert_int_ne(c.kdc_port, r.port);
    ck_assert_int_eq(test_realm_write_krb5_conf(&r, path, &c), 0);
    ck_assert_int_eq(test_realm_use_krb5_conf(&r, path), 0);
    ck_assert_str_eq(getenv("KRB5_CONFIG"), path);
    ck_assert_int_gt(test_realm_kinit(&r, TEST_REALM_ALICE, TEST_REALM_ALICE_PASSWORD, cc), 0);
    ck_assert_msg(strstr(r.last_output, text()->kinit_no_kdc) != NULL, "%s", r.last_output);

    /* no kdc line at all; dns lookups are off, so no KDC is found */
    memset(&c, 0, sizeof c);
    c.kdc_timesync = -1;
    c.no_kdc = 1;
    c.clockskew = 60;
    c.extra_libdefaults = "\t# extra line";
    ck_assert_int_eq(test_realm_write_krb5_conf(&r, path, &c), 0);
    ck_assert_int_gt(test_realm_kinit(&r, TEST_REALM_ALICE, TEST_REALM_ALICE_PASSWORD, cc), 0);

    /* back to the realm's own */
    ck_assert_int_eq(test_realm_use_krb5_conf(&r, NULL), 0);
    ck_assert_str_eq(getenv("KRB5_CONFIG"), r.krb5_conf);
    ck_assert_int_eq(test_realm_kinit(&r, TEST_REALM_ALICE, TEST_REALM_ALICE_PASSWORD, cc), 0);

    /* TCP-only (Heimdal syntax) still reaches the real KDC */
    memset(&c, 0, sizeof c);
    c.kdc_timesync = -1;
    c.heimdal_tcp_kdc = 1;
    ck_assert_int_eq(test_realm_write_krb5_conf(&r, path, &c), 0);
    ck_assert_int_eq(test_realm_use_krb5_conf(&r, path), 0);
    ck_assert_int_eq(test_realm_kinit(&r, TEST_REALM_ALICE, TEST_REALM_ALICE_PASSWORD, cc), 0);
    test_realm_destroy(&r);
}
END_TEST

static int
file_contains(const char *path, const char *needle)
{
    char buf[16384];
    FILE *f = fopen(path, "r");
    size_t n;
    if (f == NULL)
        return -1;
    n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    return strstr(buf, needle) != NULL;
}

START_TEST(test_start_options)
{
    struct test_realm r;
    struct test_realm_options o;
    struct test_realm_krb5_conf c;
    char path[1024];

    memset(&o, 0, sizeof o);
    o.extra_libdefaults = "\tallow_weak_crypto = false";
    o.extra_kdc = "\tkdc_warn_pwexpire = 1 week";
    o.kdc_timeout = 2;
    o.no_default_principals = 1;
    ck_assert_int_eq(test_realm_start_ex(&r, "OPTS.TEST", &o), 0);
    ck_assert_int_eq(file_contains(r.krb5_conf, "allow_weak_crypto = false"), 1);
    ck_assert_int_eq(file_contains(r.krb5_conf, "kdc_timeout = 2"), 1);
    ck_assert_int_eq(file_contains(r.krb5_conf, "kdc_warn_pwexpire"), 0);
    ck_assert_int_eq(file_contains(r.kdc_conf, "kdc_warn_pwexpire = 1 week"), 1);
    ck_assert_int_eq(file_contains(r.kdc_conf, "allow_weak_crypto = false"), 1);
    /* variants keep the realm's extra lines */
    snprintf(path, sizeof path, "%s/variant.conf", r.dir);
    memset(&c, 0, sizeof c);
    c.kdc_timesync = 0;
    c.clockskew = 10;
    ck_assert_int_eq(test_realm_write_krb5_conf(&r, path, &c), 0);
    ck_assert_int_eq(file_contains(path, "allow_weak_crypto = false"), 1);
    ck_assert_int_eq(file_contains(path, "kdc_timesync = false"), 1);
    ck_assert_int_eq(file_contains(path, "clockskew = 10"), 1);
    /* no default principals: no alice, no keytab */
    ck_assert_int_gt(test_realm_kinit(&r, TEST_REALM_ALICE, TEST_REALM_ALICE_PASSWORD, NULL), 0);
    ck_assert(!path_exists(r.keytab));
    ck_assert_int_eq(test_realm_add_user(&r, "dave", "dave-pw"), 0);
    ck_assert_int_eq(test_realm_kinit(&r, "dave@OPTS.TEST", "dave-pw", NULL), 0);
    test_realm_destroy(&r);
}
END_TEST

/* The last "authtime N" in an MIT KDC log, or -1. */
static long
last_authtime(const char *log)
{
    FILE *f = fopen(log, "r");
    char line[4096];
    long t = -1;
    if (f == NULL)
        return -1;
    while (fgets(line, sizeof line, f) != NULL) {
        const char *p = strstr(line, "ISSUE: authtime ");
        if (p != NULL)
            t = strtol(p + 16, NULL, 10);
    }
    fclose(f);
    return t;
}

START_TEST(test_kdc_time_offset)
{
    struct test_realm r;
    char cc[1024];

    start_default(&r);
    if (test_realm_set_kdc_time_offset(&r, 7200) != 0) {
        ck_assert_int_eq(errno, ENOENT);
        fprintf(stderr, "check_realm: libfaketime not installed, KDC clock test skipped\n");
        test_realm_destroy(&r);
        return;
    }
    snprintf(cc, sizeof cc, "%s/skew.cc", r.dir);
    ck_assert_int_eq(test_realm_kdc_running(&r), 1);
    time_t before = time(NULL);
    /* Heimdal's kinit adapts to the KDC's clock after one SKEW error; MIT's
     * kinit takes the KDC's time from the PREAUTH_REQUIRED error for its
     * encrypted timestamp (src/lib/krb5/krb/get_in_tkt.c, pa_offset), so
     * its KDC never sees a skewed request... */
    ck_assert_int_eq(test_realm_kinit(&r, TEST_REALM_ALICE, TEST_REALM_ALICE_PASSWORD, cc), 0);
    /* ...either way the KDC's clock really is 2 h ahead: */
    if (!is_mit()) {
        /* Heimdal logs the skew of the first request */
        ck_assert_int_eq(test_realm_kdc_log_contains(&r, "Too large time skew"), 1);
    } else {
        /* MIT logs "ISSUE: authtime T, ..." with T on the KDC's clock */
        long authtime = last_authtime(r.kdc_log);
        ck_assert_msg(authtime >= (long)before + 7200 - 60 &&
                      authtime <= (long)time(NULL) + 7200 + 60,
                      "authtime %ld, now %ld", authtime, (long)time(NULL));
    }
    ck_assert_int_eq(test_realm_set_kdc_time_offset(&r, 0), 0);
    ck_assert_int_eq(test_realm_kdc_running(&r), 1);
    test_realm_destroy(&r);
}
END_TEST

START_TEST(test_ccache_time_offset)
{
    struct test_realm r;
    char cc[1024], *orig, *now;
    FILE *f;
    long n1, n2;

    start_default(&r);
    snprintf(cc, sizeof cc, "%s/off.cc", r.dir);
    ck_assert_int_eq(test_realm_kinit(&r, TEST_REALM_ALICE, TEST_REALM_ALICE_PASSWORD, cc), 0);
    orig = calloc(1, 65536);
    now = calloc(1, 65536);
    f = fopen(cc, "rb");
    n1 = (long)fread(orig, 1, 65536, f);
    fclose(f);
    ck_assert_int_gt(n1, 4);
    ck_assert_int_eq((unsigned char)orig[0], 5);
    ck_assert_int_eq((unsigned char)orig[1], 4);

    ck_assert_int_eq(test_realm_set_ccache_time_offset(cc, 7200), 0);
    f = fopen(cc, "rb");
    n2 = (long)fread(now, 1, 65536, f);
    fclose(f);
    if ((unsigned char)orig[2] == 0 && (unsigned char)orig[3] == 0)
        ck_assert_int_eq(n2, n1 + 12);
    /* header: 05 04, length, tag 1, length 8, seconds (big-endian) */
    ck_assert_int_eq((unsigned char)now[4], 0);
    ck_assert_int_eq((unsigned char)now[5], 1);
    ck_assert_int_eq((unsigned char)now[7], 8);
    ck_assert_int_eq(((unsigned char)now[8] << 24 | (unsigned char)now[9] << 16 |
                      (unsigned char)now[10] << 8 | (unsigned char)now[11]), 7200);

    /* negative offsets, then 0 gives back a header without the tag */
    ck_assert_int_eq(test_realm_set_ccache_time_offset(cc, -3600), 0);
    ck_assert_int_eq(test_realm_set_ccache_time_offset(cc, 0), 0);
    f = fopen(cc, "rb");
    n2 = (long)fread(now, 1, 65536, f);
    fclose(f);
    if ((unsigned char)orig[2] == 0 && (unsigned char)orig[3] == 0) {
        ck_assert_int_eq(n2, n1);
        ck_assert(memcmp(orig, now, (size_t)n1) == 0);
    }
    ck_assert_int_eq(test_realm_set_ccache_time_offset("MEMORY:x", 1), -1);
    ck_assert_int_eq(test_realm_set_ccache_time_offset(r.krb5_conf, 1), -1);
    free(orig);
    free(now);
    test_realm_destroy(&r);
}
END_TEST

/* A forked child does not own the realm: it cannot stop or destroy it. */
START_TEST(test_child_does_not_own)
{
    struct test_realm r;
    pid_t child;
    int status;

    start_default(&r);
    child = fork();
    ck_assert_int_ge(child, 0);
    if (child == 0) {
        int ok = test_realm_stop_kdc(&r) == -1 && errno == EPERM &&
                 test_realm_restart_kdc(&r) == -1 && errno == EPERM;
        test_realm_destroy(&r);            /* no-op here */
        /* the realm is still usable from the child */
        if (test_realm_kinit(&r, TEST_REALM_ALICE, TEST_REALM_ALICE_PASSWORD, NULL) != 0)
            ok = 0;
        exit(ok ? 0 : 1);                  /* runs atexit hooks: must not kill it */
    }
    ck_assert_int_eq(waitpid(child, &status, 0), child);
    ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    ck_assert(path_exists(r.dir));
    ck_assert_int_eq(test_realm_kdc_running(&r), 1);
    test_realm_destroy(&r);
}
END_TEST

/* A test process that dies without destroy leaves nothing: exit() runs the
 * atexit hook; a crash (or Check's _exit after a failed assertion) kills
 * the kdc through PR_SET_PDEATHSIG and the watchdog removes the directory. */
static void
run_abandoning_child(int crash, pid_t *kdc_pid, char *dir, size_t dirlen)
{
    int fds[2];
    pid_t child;
    int status;
    struct {
        pid_t pid;
        char dir[TEST_REALM_PATH_MAX];
    } msg;

    ck_assert_int_eq(pipe(fds), 0);
    child = fork();
    ck_assert_int_ge(child, 0);
    if (child == 0) {
        struct test_realm r;
        close(fds[0]);
        memset(&msg, 0, sizeof msg);
        if (test_realm_start(&r, NULL) == 0) {
            msg.pid = r.kdc_pid;
            snprintf(msg.dir, sizeof msg.dir, "%s", r.dir);
        }
        if (write(fds[1], &msg, sizeof msg) != (ssize_t)sizeof msg)
            _exit(2);
        close(fds[1]);
        if (crash)
            raise(SIGKILL);     /* dies like a crash, without a core file */
        exit(0);
    }
    close(fds[1]);
    ck_assert_int_eq(read(fds[0], &msg, sizeof msg), (ssize_t)sizeof msg);
    close(fds[0]);
    ck_assert_int_eq(waitpid(child, &status, 0), child);
    ck_assert_int_gt(msg.pid, 0);
    *kdc_pid = msg.pid;
    snprintf(dir, dirlen, "%s", msg.dir);
}

START_TEST(test_exit_without_destroy)
{
    pid_t kdc;
    char dir[TEST_REALM_PATH_MAX];
    run_abandoning_child(0, &kdc, dir, sizeof dir);
    ck_assert_msg(wait_for(pid_gone, &kdc, 5000), "kdc %ld survived", (long)kdc);
    ck_assert(wait_for(no_kdc_for_dir, dir, 5000));
    ck_assert(wait_for(dir_gone, dir, 5000));
}
END_TEST

START_TEST(test_crash_kills_kdc)
{
    pid_t kdc;
    char dir[TEST_REALM_PATH_MAX];
    run_abandoning_child(1, &kdc, dir, sizeof dir);
    ck_assert_msg(wait_for(pid_gone, &kdc, 5000), "kdc %ld survived", (long)kdc);
    ck_assert(wait_for(no_kdc_for_dir, dir, 5000));
    /* the watchdog removes the directory */
    ck_assert_msg(wait_for(dir_gone, dir, 5000), "%s left behind", dir);
}
END_TEST

/* 1 if the FILE ccache at path holds a ticket for krbtgt/REALM@REALM:
 * its credentials carry the server's components as counted strings, so
 * "krbtgt" followed by the realm (length-prefixed) appears in the file. */
static int
ccache_has_tgt(const char *path, const char *realm)
{
    char buf[16384], tgt[160];
    size_t n, rlen = strlen(realm), tlen;
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return 0;
    n = fread(buf, 1, sizeof buf, f);
    fclose(f);
    /* "krbtgt", then a 32-bit big-endian length and the realm */
    memcpy(tgt, "krbtgt", 6);
    tgt[6] = 0; tgt[7] = 0; tgt[8] = (char)(rlen >> 8); tgt[9] = (char)rlen;
    memcpy(tgt + 10, realm, rlen);
    tlen = 10 + rlen;
    return memmem(buf, n, tgt, tlen) != NULL;
}

/* The smart-card fixture (tests/smartcard.h): a realm with PKINIT and a
 * SoftHSM2 token; kinit with the card gets a TGT, a wrong PIN gets none,
 * and destroy puts the environment back and removes the card. */
START_TEST(test_smartcard_pkinit)
{
    struct test_smartcard sc;
    struct test_realm_options o;
    struct test_realm r;
    char cc[1024], dir[sizeof sc.dir], conf[sizeof sc.dir + 32];
    const char *uri_start = "pkcs11:token=alice-card;object=alice?module-path=/";
    const char *old_conf = getenv("SOFTHSM2_CONF");
    char *saved_conf = old_conf ? strdup(old_conf) : NULL;
    int rc;

    rc = test_smartcard_prepare(&sc, TEST_REALM_DEFAULT_NAME, TEST_REALM_ALICE, "1234");
    if (rc == -2) {
        fprintf(stderr, "check_realm: softhsm2, opensc or openssl not installed, "
                "smart-card test skipped\n");
        free(saved_conf);
        return;
    }
    ck_assert_int_eq(rc, 0);
    snprintf(dir, sizeof dir, "%s", sc.dir);
    snprintf(conf, sizeof conf, "%s/softhsm2.conf", sc.dir);
    ck_assert_str_eq(getenv("SOFTHSM2_CONF"), conf);
    ck_assert_str_eq(sc.principal, TEST_REALM_ALICE "@" TEST_REALM_DEFAULT_NAME);
    ck_assert_msg(strncmp(sc.uri, uri_start, strlen(uri_start)) == 0, "%s", sc.uri);
    ck_assert(path_exists(sc.module) && path_exists(sc.ca_pem));

    memset(&o, 0, sizeof o);
    o.extra_libdefaults = sc.extra_libdefaults;
    o.extra_kdc = sc.extra_kdc;
    ck_assert_int_eq(test_realm_start_ex(&r, NULL, &o), 0);

    snprintf(cc, sizeof cc, "%s/card.cc", r.dir);
    rc = test_smartcard_kinit(&r, &sc, sc.pin, cc);
    ck_assert_msg(rc == 0, "kinit with the card: %d: %s", rc, r.last_output);
    ck_assert_int_eq(ccache_has_tgt(cc, TEST_REALM_DEFAULT_NAME), 1);
    /* by PKINIT, not by some other pre-authentication */
    ck_assert_int_eq(test_realm_kdc_log_contains(&r, text()->log_pkinit_alice), 1);

    snprintf(cc, sizeof cc, "%s/wrong-pin.cc", r.dir);
    rc = test_smartcard_kinit(&r, &sc, "9999", cc);
    ck_assert_msg(rc > 0, "kinit with a wrong PIN: %d: %s", rc, r.last_output);
    ck_assert_int_eq(ccache_has_tgt(cc, TEST_REALM_DEFAULT_NAME), 0);

    test_realm_destroy(&r);
    test_smartcard_destroy(&sc);
    ck_assert(!path_exists(dir));
    if (saved_conf != NULL)
        ck_assert_str_eq(getenv("SOFTHSM2_CONF"), saved_conf);
    else
        ck_assert_ptr_null(getenv("SOFTHSM2_CONF"));
    free(saved_conf);
}
END_TEST

static Suite *
realm_suite(void)
{
    Suite *s = suite_create("realm");
    TCase *tc = tcase_create("harness");

    tcase_add_unchecked_fixture(tc, setup_suite_tmpdir, teardown_suite_tmpdir);
    tcase_add_checked_fixture(tc, setup_tmpdir, teardown_tmpdir);
    /* a loaded 2-core CI machine: realm start is ~0.4 s, allow plenty */
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_start_layout_and_env);
    tcase_add_test(tc, test_krb5_conf_contents);
    tcase_add_test(tc, test_kinit_password);
    tcase_add_test(tc, test_keytab);
    tcase_add_test(tc, test_stop_restart);
    tcase_add_test(tc, test_restart_port_taken);
    tcase_add_test(tc, test_destroy_removes_everything);
    tcase_add_test(tc, test_two_realms);
    tcase_add_test(tc, test_bad_arguments);
    tcase_add_test(tc, test_krb5_conf_variants);
    tcase_add_test(tc, test_start_options);
    tcase_add_test(tc, test_kdc_time_offset);
    tcase_add_test(tc, test_ccache_time_offset);
    tcase_add_test(tc, test_child_does_not_own);
    tcase_add_test(tc, test_exit_without_destroy);
    tcase_add_test(tc, test_crash_kills_kdc);
    tcase_add_test(tc, test_smartcard_pkinit);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    SRunner *sr = srunner_create(realm_suite());
    int failed;
    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
