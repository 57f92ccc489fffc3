/*
 * realm.h - a throwaway Kerberos realm for the integration tests.
 *
 * The KDC is the one of the GSS-API flavour the project is built against
 * (configure --with-gssapi): Heimdal's kdc and kadmin -l, or MIT's
 * krb5kdc, kdb5_util and kadmin.local.  The API is the same for both;
 * test_realm_flavour() says which one runs, for the few expectations that
 * differ (KDC log lines, program messages).
 *
 * test_realm_start() creates a realm in a fresh directory under $TMPDIR
 * (database, master key, ACL, logs, keytab, ccache all inside it), starts
 * the KDC on a free 127.0.0.1 port (TCP and UDP), and points this
 * process's Kerberos environment at it:
 *
 *   KRB5_CONFIG=<dir>/krb5.conf         client config (Heimdal and MIT)
 *   KRB5_KDC_PROFILE=<dir>/kdc.conf     KDC config (what the KDC programs read)
 *   KRB5_KTNAME=FILE:<dir>/service.keytab
 *   KRB5CCNAME=FILE:<dir>/ccache
 *   KRB5RCACHEDIR=<dir>                 (MIT's acceptor replay cache lives there)
 *   KRB5_CLIENT_KTNAME, KRB5RCACHENAME, KRB5RCACHETYPE unset
 *
 * The previous values are put back by test_realm_destroy().  Nothing under
 * /etc, /var or the user's own caches is written, and no Kerberos config
 * outside <dir> is read.  Heimdal: kdc and kadmin get
 * KRB5_CONFIG=<dir>/kdc.conf (the kdc otherwise merges /etc/krb5.conf in
 * after --config-file), the iprop log is <dir>/iprop.log (kadmin -l's
 * default is /var/lib/heimdal-kdc/log) and HEIM_PIDFILE_DIR puts the kdc's
 * pid file in <dir> (default /var/run/kdc.pid); kinit.heimdal itself
 * builds the ticket in a unique /tmp/krb5cc_XXXXXX and renames it into
 * place (hard-coded in Heimdal).  MIT: krb5kdc, kdb5_util and kadmin.local
 * get KRB5_CONFIG=<dir>/krb5.conf and KRB5_KDC_PROFILE=<dir>/kdc.conf,
 * which names the database (<dir>/principal*), the stash, the ACL and the
 * logs in <dir>; krb5kdc -P writes <dir>/krb5kdc.pid; MIT's kinit writes
 * the ccache in place.  (Measured with strace -f -e trace=%file.)
 *
 * Default principals (test_realm_start):
 *   alice, bob                    password principals, pre-auth required
 *   HTTP/localhost, host/localhost random keys, in <dir>/service.keytab
 *
 * Programs: HEIMDAL_KDC, HEIMDAL_KADMIN, HEIMDAL_KINIT (Heimdal build) or
 * MIT_KRB5KDC, MIT_KDB5_UTIL, MIT_KADMIN_LOCAL, MIT_KINIT (MIT build) from
 * the environment (non-empty wins), else the same-named -D macros from the
 * build (configure's paths), else the Debian paths.  MIT programs unpacked
 * outside /usr (dpkg-deb -x) load the database module from the same
 * prefix, or from TEST_REALM_MIT_DB_MODULE_DIR.  TEST_REALM_LIBFAKETIME
 * names libfaketime for test_realm_set_kdc_time_offset().
 * TEST_REALM_KEEP=1 keeps the directory after destroy (the path is
 * printed) for debugging.
 *
 * PKINIT (smart-card logons): tests/smartcard.h makes a SoftHSM2 token and
 * the extra_libdefaults / extra_kdc lines that give this realm's KDC a
 * PKINIT identity and trust anchor.
 *
 * Processes: the KDC runs single-process (Heimdal --testing, MIT -n) in
 * its own process group and gets SIGKILL when the thread that started it dies
 * (PR_SET_PDEATHSIG), so start the realm from the main thread (or a thread
 * that outlives the realm).  An atexit() hook destroys realms left running
 * at exit(); a small watchdog (/bin/sh, own session) removes the directory
 * when the owning process ends any other way (_exit() after a failed Check
 * assertion in a forked test, a crash, SIGKILL from a timeout).
 * A realm belongs to the process that started it: in a fork()ed child
 * (e.g. a Check test whose realm was set up in an unchecked fixture) the
 * realm can be used (kinit, kadmin, keytabs), but test_realm_stop_kdc,
 * _restart_kdc and _set_kdc_time_offset fail with EPERM and
 * test_realm_destroy does nothing - start the realm in a checked fixture or
 * in the test itself when a test must stop the KDC.
 *
 * Return values: 0 on success, -1 on a harness error (message on stderr,
 * errno set where meaningful).  Helpers that run a program also keep its
 * exit status in r->last_status and its combined stdout+stderr (truncated)
 * in r->last_output.
 */
#ifndef SSPI_SHIM_TESTS_REALM_H
#define SSPI_SHIM_TESTS_REALM_H

#include <stdint.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

#define TEST_REALM_DEFAULT_NAME        "SSPI.TEST"
#define TEST_REALM_ALICE               "alice"
#define TEST_REALM_ALICE_PASSWORD      "alice-Secret-1"
#define TEST_REALM_BOB                 "bob"
#define TEST_REALM_BOB_PASSWORD        "bob-Secret-2"
#define TEST_REALM_HTTP_SERVICE        "HTTP/localhost"
#define TEST_REALM_HOST_SERVICE        "host/localhost"

#define TEST_REALM_PATH_MAX            512
#define TEST_REALM_OUTPUT_MAX          4096

struct test_realm {
    char dir[TEST_REALM_PATH_MAX];        /* the realm's directory */
    char realm[128];                      /* e.g. "SSPI.TEST" */
    int port;                             /* KDC port, TCP and UDP, on 127.0.0.1 */
    pid_t kdc_pid;                        /* 0 when the KDC is not running */
    pid_t owner_pid;                      /* process that started the realm */

    char krb5_conf[TEST_REALM_PATH_MAX];  /* <dir>/krb5.conf: the client config */
    char client_conf[TEST_REALM_PATH_MAX];/* config kinit uses (krb5_conf or a variant) */
    char kdc_conf[TEST_REALM_PATH_MAX];   /* <dir>/kdc.conf: KDC + kadmin config */
    char db[TEST_REALM_PATH_MAX];         /* database name (Heimdal adds .db;
                                             MIT: <dir>/principal) */
    char mkey[TEST_REALM_PATH_MAX];       /* master key file (MIT: the stash) */
    char acl[TEST_REALM_PATH_MAX];        /* kadmind ACL (empty) */
    char kdc_log[TEST_REALM_PATH_MAX];    /* the kdc's log ([logging] kdc) */
    char kdc_out[TEST_REALM_PATH_MAX];    /* the kdc's stdout/stderr */
    char keytab[TEST_REALM_PATH_MAX];     /* <dir>/service.keytab (a path, no FILE:) */
    char ccache[TEST_REALM_PATH_MAX];     /* <dir>/ccache (a path, no FILE:) */

    char kdc_prog[TEST_REALM_PATH_MAX];   /* kdc or krb5kdc */
    char kadmin_prog[TEST_REALM_PATH_MAX];/* kadmin (run as kadmin -l) or kadmin.local */
    char kinit_prog[TEST_REALM_PATH_MAX];

    long kdc_time_offset;                 /* seconds added to the KDC's clock */
    int kdc_timeout;                      /* [libdefaults] kdc_timeout written */

    int last_status;                      /* exit status of the last helper program */
    char last_output[TEST_REALM_OUTPUT_MAX];

    /* private */
    int slot_;
    int env_saved_;
    char *saved_env_[8];
    int saved_set_[8];
    char *extra_libdefaults_;
    int watch_fd_;
    pid_t watch_pid_;
    char dbutil_prog_[TEST_REALM_PATH_MAX];   /* MIT: kdb5_util */
    char db_module_dir_[TEST_REALM_PATH_MAX]; /* MIT: [dbmodules] db_module_dir, or "" */
};

/* Optional knobs for test_realm_start_ex(); zero-initialise. */
struct test_realm_options {
    long kdc_time_offset;          /* start the KDC with its clock moved by this
                                      many seconds (libfaketime); 0 = real clock */
    int kdc_timeout;               /* client [libdefaults] kdc_timeout, seconds;
                                      0 = 1.  A stopped KDC fails at once anyway
                                      (loopback refuses: KRB5_KDC_UNREACH); this
                                      bounds a KDC that takes but never answers */
    int no_default_principals;     /* 1: only the realm's own principals */
    const char *extra_libdefaults; /* raw lines added to [libdefaults] of
                                      krb5.conf, kdc.conf and every variant */
    const char *extra_kdc;         /* raw lines added to [kdc] in kdc.conf
                                      (MIT: to [kdcdefaults]) */
};

/* "heimdal" or "mit": the KDC programs this harness runs. */
const char *test_realm_flavour(void);

int  test_realm_start(struct test_realm *r, const char *realm_name /* NULL = default */);
int  test_realm_start_ex(struct test_realm *r, const char *realm_name,
                         const struct test_realm_options *opt /* may be NULL */);
void test_realm_destroy(struct test_realm *r);   /* idempotent; zeroed struct is fine */

/* ---- principals and keytabs (kadmin -l / kadmin.local on the database) ---- */

/* Password principal with pre-auth required ("+requires-pre-auth"). */
int test_realm_add_user(struct test_realm *r, const char *name, const char *password);
/* Random-key principal, its keys appended to keytab_path (NULL = r->keytab). */
int test_realm_add_service(struct test_realm *r, const char *principal,
                           const char *keytab_path);
/* Add the current keys of an existing principal to a keytab (ext_keytab).
 * Writing another principal's keys to a fresh file gives a keytab WITHOUT
 * the key an acceptor needs. */
int test_realm_write_keytab(struct test_realm *r, const char *principal, const char *path);
/* New random key for a principal (kvno+1): keytabs written before now hold
 * only the old key, so an acceptor using them fails to decrypt new tickets. */
int test_realm_rekey(struct test_realm *r, const char *principal);
/* Delete a principal from the database (keytabs keep its keys). */
int test_realm_delete_principal(struct test_realm *r, const char *principal);
/* Run a Heimdal `kadmin -l` command line (argv NULL-terminated): Heimdal
 * runs `kadmin -l --config-file=<kdc.conf> ARGV...`; MIT translates add,
 * modify (--attributes, --max-ticket-life, --max-renewable-life,
 * --expiration-time, --pw-expiration-time), cpw, delete, get, ext_keytab
 * and list to kadmin.local (addprinc, modprinc, cpw, delprinc -force,
 * getprinc, ktadd -norandkey, listprincs) and passes any other command to
 * kadmin.local as it is (MIT syntax).  r->last_output is the program's. */
int test_realm_kadmin(struct test_realm *r, const char *const argv[]);

/* Keytab files, read/written directly (MIT/Heimdal keytab format 0x0502).
 * principal is "name[/inst]" or "name[/inst]@REALM"; without a realm any
 * realm matches.  keytab_path may carry a FILE: or WRFILE: prefix. */
int test_realm_keytab_contains(const char *keytab_path, const char *principal); /* 1, 0, -1 */
int test_realm_keytab_count(const char *keytab_path);          /* live entries, or -1 */
int test_realm_keytab_remove(const char *keytab_path, const char *principal); /* removed, or -1 */

/* ---- clients ---- */

/* kinit with a password into ccache_name (a path or "FILE:path"; NULL =
 * r->ccache).  Returns 0 on success, kinit's exit status (> 0) when it
 * failed (see r->last_output for its message), -1 on a harness error. */
int test_realm_kinit(struct test_realm *r, const char *principal, const char *password,
                     const char *ccache_name);
/* kinit -k: initial ticket from a keytab (NULL = r->keytab). Same returns. */
int test_realm_kinit_keytab(struct test_realm *r, const char *principal,
                            const char *keytab_path, const char *ccache_name);

/* Run a client program (argv[0] an absolute path, e.g. r->kinit_prog) in
 * the environment test_realm_kinit gives kinit: KRB5_CONFIG =
 * r->client_conf, KRB5CCNAME = ccache_name (NULL = r->ccache), the rest
 * of this process's environment.  stdin_data (+ "\n") on its stdin, or
 * NULL for /dev/null.  Returns its exit status (0, or > 0 with its output
 * in r->last_output), -1 on a harness error or a signal. */
int test_realm_run_client(struct test_realm *r, const char *const argv[],
                          const char *stdin_data, const char *ccache_name);

/* ---- the KDC process ---- */

int test_realm_stop_kdc(struct test_realm *r);     /* SIGTERM, wait, SIGKILL */
int test_realm_restart_kdc(struct test_realm *r);  /* same port; starts it if stopped */
int test_realm_kdc_running(const struct test_realm *r);  /* 1 if it answers on TCP */
/* Move the KDC's clock by `seconds` (restarts it if running), with
 * libfaketime preloaded into the kdc.  Returns -1 with errno = ENOENT when
 * libfaketime is not installed (the caller should skip).  0 = real clock.
 *
 * What a Heimdal 7.8 client then sees (measured; see also
 * test_realm_set_ccache_time_offset):
 *  - AS-REQ: no error.  The KDC answers KRB5KRB_AP_ERR_SKEW ("Too large time
 *    skew, client time ... is out by 7200 > 300 seconds" in its log), and
 *    the client library adopts the KDC's time from that error and retries
 *    (lib/krb5/init_creds_pw.c), then stores the offset in the ccache.
 *  - TGS-REQ with a TGT obtained BEFORE the KDC's clock moved: the KDC
 *    rejects it, gss_init_sec_context gives GSS_S_FAILURE with minor
 *    KRB5KRB_AP_ERR_SKEW (-1765328347).
 *  - AP-REQ made with tickets from the skewed KDC, to an acceptor with the
 *    real clock: the Heimdal acceptor answers GSS_S_CONTINUE_NEEDED and a
 *    KRB-ERROR token (skew recovery, MS-KILE 2.2.1); the initiator fed that
 *    token fails with KRB5KRB_AP_ERR_TKT_NYV (mutual) - but only if the
 *    acceptor runs in another thread or process: Heimdal's GSS keeps one
 *    krb5_context per thread, so an in-thread acceptor inherits the offset
 *    the initiator read from the ccache and simply accepts.
 * What an MIT 1.20 client sees (measured): no error at all on its side.
 * Its AS-REQ pre-authentication carries the KDC's time, taken from the
 * PREAUTH_REQUIRED error (the KDC logs no skew), and the offset learnt from
 * the AS-REP is kept with the ccache (FILE and MEMORY) and used for TGS
 * requests; an acceptor on the real clock then refuses the service ticket
 * with KRB5KRB_AP_ERR_TKT_NYV ("Ticket not yet valid"). */
int test_realm_set_kdc_time_offset(struct test_realm *r, long seconds);
/* 1 if the kdc log contains needle, 0 if not, -1 if unreadable. */
int test_realm_kdc_log_contains(const struct test_realm *r, const char *needle);

/* ---- client configuration variants for fault tests ---- */

struct test_realm_krb5_conf {
    int kdc_port;              /* 0 = the realm's port; e.g. test_realm_unused_port() */
    int no_kdc;                /* 1: no kdc line for the realm at all */
    int heimdal_tcp_kdc;       /* 1: TCP only.  Heimdal: "kdc = tcp/127.0.0.1:PORT"
                                  (MIT 1.20 misreads that syntax); MIT:
                                  [libdefaults] udp_preference_limit = 1.
                                  With Heimdal, a KDC port that accepts but
                                  never answers then fails after ~2 s instead
                                  of ~6 s (UDP: 3 tries of 2 s, whatever
                                  kdc_timeout) */
    int clockskew;             /* [libdefaults] clockskew seconds; 0 = omit (300) */
    int kdc_timeout;           /* seconds; 0 = the realm's (1 s) */
    int kdc_timesync;          /* -1 = omit, 0/1 written as false/true */
    const char *default_realm; /* NULL = the realm */
    const char *extra_libdefaults;  /* raw lines added to [libdefaults] */
    const char *extra;              /* raw text appended to the file */
};

/* Write a client krb5.conf for this realm to path (NULL opts = the
 * default one, exactly what <dir>/krb5.conf holds). */
int test_realm_write_krb5_conf(const struct test_realm *r, const char *path,
                               const struct test_realm_krb5_conf *opts);
/* Point KRB5_CONFIG (and test_realm_kinit) at path; NULL = r->krb5_conf. */
int test_realm_use_krb5_conf(struct test_realm *r, const char *path);
/* A 127.0.0.1 port with nothing listening on TCP or UDP right now. */
int test_realm_unused_port(void);

/* Write the "KDC time offset" of an existing FILE ccache (version 4 header
 * tag 1, which kinit writes when it adapted to a skewed KDC); 0 removes it.
 * Heimdal and MIT both add it to the local clock for requests made with
 * that ccache: a client-side clock skew without faketime.  Measured:
 * +7200 s, then a TGS-REQ (no service ticket cached yet) -> the KDC
 * answers KRB5KRB_AP_ERR_SKEW, gss_init_sec_context GSS_S_FAILURE / minor
 * -1765328347 (Heimdal, and MIT: python3-gssapi "Clock skew too great").
 * With the service ticket already cached, a Heimdal acceptor in another
 * thread answers CONTINUE_NEEDED + KRB-ERROR twice and the initiator then
 * fails with KRB5KRB_AP_ERR_SKEW. */
int test_realm_set_ccache_time_offset(const char *ccache_name, int32_t seconds);

#ifdef __cplusplus
}
#endif
#endif /* SSPI_SHIM_TESTS_REALM_H */
