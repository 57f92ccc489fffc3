/*
 * Heimdal's NTLM acceptor with more than one context at a time.
 *
 * Heimdal 7.8's NTLM acceptor verifies each logon through the KDC's digest
 * service, with host/<this host> credentials (lib/gssapi/ntlm/kdc.c,
 * get_ccache).  Unless NTLM_ACCEPTOR_CCACHE names a cache, each context
 * first looks for one with krb5_cc_cache_match, which walks every cache of
 * the process, MEMORY caches included, and only when none matches gets
 * credentials from the keytab into a new MEMORY cache that it destroys
 * when the context ends.  So a context that starts while another is in
 * flight takes the other's private cache, and fails when that context ends
 * first and destroys it: SEC_E_INTERNAL_ERROR (minor 2), SEC_E_LOGON_DENIED
 * or SEC_E_OUT_OF_SEQUENCE on the AUTHENTICATE.  Measured: 13 of 30
 * `curl --ntlm` logons started at once against examples/sspi-http-server
 * failed (docs/ntlm.md).  Windows has no such limit, so the shim avoids
 * Heimdal's path: it keeps one process-wide MEMORY cache with the host/
 * credentials, names it in NTLM_ACCEPTOR_CCACHE (Heimdal's own setting; a
 * value the application set is left alone), and renews it before its
 * ticket ends by adding the new ticket in front of the old one, so a
 * context never sees it empty.  A side effect: a logon no longer costs an
 * AS exchange.
 *
 * The environment is written once, at the first NTLM or Negotiate acceptor
 * credential (or, failing that, the first NTLM logon), typically at server
 * start-up: setenv is not safe against a getenv running at the same moment
 * in another thread, which is why it is written only once.
 */
#include "config.h"

#include "shim_internal.h"

#ifdef SSPI_SHIM_HEIMDAL

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <krb5.h>

#define ACCEPTOR_CCACHE "MEMORY:sspi-shim-ntlm-acceptor"
#define ACCEPTOR_CCACHE_ENV "NTLM_ACCEPTOR_CCACHE"
/* Renew when the ticket has less than this left (seconds), or less than
 * half its life for shorter tickets: a logon in progress needs the ticket
 * for one more KDC exchange. */
#define RENEW_MARGIN 300
/* After a failure, retry at most this often (seconds): each try is an AS
 * exchange, and with the KDC down the logons in flight would otherwise
 * queue behind each other's timeouts on ccache_lock. */
#define RETRY_INTERVAL 5

static pthread_mutex_t ccache_lock = PTHREAD_MUTEX_INITIALIZER;
static krb5_context ccache_krb5;        /* used under ccache_lock only */
static krb5_ccache shared_ccache;       /* kept open for the process */
static bool application_named_ccache;   /* NTLM_ACCEPTOR_CCACHE was set before us */
static bool env_written;
static time_t renew_at;                 /* for the ticket in shared_ccache; 0: none */
static time_t last_failure;

/* Removes the tickets that have ended (earlier renewals' TGTs and the
 * digest/ tickets got with them), so that the cache holds at most two
 * generations.  Collected first: the cache is not changed while read. */
static void remove_ended_tickets(time_t now)
{
    enum { MAX_ENDED = 16 };
    krb5_creds ended[MAX_ENDED];
    int n = 0;
    krb5_cc_cursor cursor;
    if (krb5_cc_start_seq_get(ccache_krb5, shared_ccache, &cursor) != 0)
        return;
    krb5_creds c;
    while (n < MAX_ENDED && krb5_cc_next_cred(ccache_krb5, shared_ccache, &cursor, &c) == 0) {
        if (c.times.endtime != 0 && c.times.endtime <= now)
            ended[n++] = c;             /* the contents move into `ended` */
        else
            krb5_free_cred_contents(ccache_krb5, &c);
    }
    krb5_cc_end_seq_get(ccache_krb5, shared_ccache, &cursor);
    for (int i = 0; i < n; i++) {
        krb5_cc_remove_cred(ccache_krb5, shared_ccache, KRB5_TC_MATCH_TIMES_EXACT, &ended[i]);
        krb5_free_cred_contents(ccache_krb5, &ended[i]);
    }
}

/* New host/ credentials from the default keytab into the shared cache.
 * As kdc.c's get_ccache: the same principal, the same keytab.  The first
 * time the cache is initialised; a renewal adds the new TGT in front of
 * the old one (a MEMORY cache stores new credentials first, and lookups
 * take the first match), so a logon in flight never finds it empty.  Not
 * krb5_cc_move from a new cache: Heimdal 7.8 leaks the moved-from MEMORY
 * cache (mcc_move destroys it without closing it, 106 bytes each time). */
static krb5_error_code renew_shared_ccache(time_t now)
{
    krb5_principal host = NULL;
    krb5_keytab keytab = NULL;
    krb5_get_init_creds_opt *opt = NULL;
    krb5_creds creds;
    bool have_creds = false;
    memset(&creds, 0, sizeof(creds));

    krb5_error_code ret = krb5_sname_to_principal(ccache_krb5, NULL, "host", KRB5_NT_SRV_HST, &host);
    if (ret == 0)
        ret = krb5_kt_default(ccache_krb5, &keytab);
    if (ret == 0)
        ret = krb5_get_init_creds_opt_alloc(ccache_krb5, &opt);
    if (ret == 0)
        ret = krb5_get_init_creds_keytab(ccache_krb5, &creds, host, keytab, 0, NULL, opt);
    have_creds = ret == 0;
    bool first = shared_ccache == NULL;
    if (ret == 0 && first) {
        ret = krb5_cc_resolve(ccache_krb5, ACCEPTOR_CCACHE, &shared_ccache);
        if (ret == 0)
            ret = krb5_cc_initialize(ccache_krb5, shared_ccache, creds.client);
        if (ret != 0 && shared_ccache != NULL) {
            krb5_cc_close(ccache_krb5, shared_ccache);
            shared_ccache = NULL;
        }
    }
    if (ret == 0)
        ret = krb5_cc_store_cred(ccache_krb5, shared_ccache, &creds);
    if (ret == 0) {
        time_t start = creds.times.starttime ? creds.times.starttime : creds.times.authtime;
        time_t life = creds.times.endtime - start;
        time_t margin = life / 2 < RENEW_MARGIN ? life / 2 : RENEW_MARGIN;
        renew_at = creds.times.endtime - margin;
        if (!first)
            remove_ended_tickets(now);
    }
    if (have_creds)
        krb5_free_cred_contents(ccache_krb5, &creds);
    if (opt != NULL)
        krb5_get_init_creds_opt_free(ccache_krb5, opt);
    if (keytab != NULL)
        krb5_kt_close(ccache_krb5, keytab);
    if (host != NULL)
        krb5_free_principal(ccache_krb5, host);
    return ret;
}

void shim_ntlm_acceptor_ccache_ready(void)
{
    pthread_mutex_lock(&ccache_lock);
    if (!env_written && !application_named_ccache && getenv(ACCEPTOR_CCACHE_ENV) != NULL)
        application_named_ccache = true;
    time_t now = time(NULL);
    if (application_named_ccache || (renew_at != 0 && now < renew_at) ||
        (last_failure != 0 && now < last_failure + RETRY_INTERVAL)) {
        pthread_mutex_unlock(&ccache_lock);
        return;
    }
    krb5_error_code ret = 0;
    if (ccache_krb5 == NULL)
        ret = krb5_init_context(&ccache_krb5);
    if (ret == 0)
        ret = renew_shared_ccache(now);
    if (ret == 0) {
        last_failure = 0;
        if (!env_written && setenv(ACCEPTOR_CCACHE_ENV, ACCEPTOR_CCACHE, 0) == 0)
            env_written = true;
    } else {
        /* Before the variable is written Heimdal's own path runs (one
         * logon at a time works); after, logons use the shared cache's
         * ticket until it ends, then fail with Heimdal's status. */
        last_failure = now;
    }
    pthread_mutex_unlock(&ccache_lock);
}

#endif /* SSPI_SHIM_HEIMDAL */
