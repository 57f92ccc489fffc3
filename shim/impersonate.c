/*
 * ImpersonateSecurityContext, RevertSecurityContext.
 *
 * On Windows, impersonation gives the calling thread the client's token:
 * file access is checked as the client, and an outbound
 * AcquireCredentialsHandle with no identity gets the client's delegated
 * credential.  The Unix equivalents, per thread:
 *  - identity: the thread's effective uid, gid and groups become the local
 *    account the client principal maps to (krb5_aname_to_localname).  Only
 *    a privileged process can do that; it uses the raw setresuid/setresgid/
 *    setgroups system calls, which change the calling thread only (glibc's
 *    wrappers change every thread of the process, POSIX-style);
 *  - credential: the client's delegated credential, when it delegated one.
 *
 * Never pretend: by default ImpersonateSecurityContext succeeds only when
 * the identity really switched, else SEC_E_NO_IMPERSONATION.  A process that
 * only wants the delegated credential (a web front end calling a back end)
 * sets SSPI_SHIM_IMPERSONATION=credentials; then it succeeds when the client
 * delegated a credential, and the thread's uid stays the process's.
 */
#include "config.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <krb5.h>

#include "shim_config.h"
#include "shim_internal.h"
#include "trace.h"

struct impersonation {
    gss_buffer_desc credential;     /* gss_export_cred of the delegated credential */
    char *principal;
    bool switched;                  /* the thread's ids were changed */
    uid_t saved_euid;
    gid_t saved_egid;
    int saved_ngroups;
    gid_t *saved_groups;
};

static _Thread_local struct impersonation *current;

/* A thread that ends while impersonating releases its state (a
 * destructor runs for the key's value at thread exit). */
static pthread_key_t cleanup_key;
static pthread_once_t cleanup_once = PTHREAD_ONCE_INIT;
static void impersonation_free(struct impersonation *imp);

static void thread_exit_cleanup(void *imp)
{
    impersonation_free(imp);
    current = NULL;
}

static void cleanup_key_init(void)
{
    (void)pthread_key_create(&cleanup_key, thread_exit_cleanup);
}

static void set_current(struct impersonation *imp)
{
    pthread_once(&cleanup_once, cleanup_key_init);
    current = imp;
    (void)pthread_setspecific(cleanup_key, imp);
}

static bool credentials_only_mode(void)
{
    char setting[SHIM_SETTING_MAX];
    const char *mode = shim_setting("SSPI_SHIM_IMPERSONATION", "shim", "impersonation", setting);
    return mode != NULL && strcmp(mode, "credentials") == 0;
}

/* The local account a principal maps to, by the krb5 configuration's
 * aname-to-localname rules.  Returns false when there is none. */
static bool local_account(const char *principal, char *name, size_t size)
{
    krb5_context k;
    krb5_principal p;
    bool ok = false;
    if (krb5_init_context(&k) != 0)
        return false;
    if (krb5_parse_name(k, principal, &p) == 0) {
        ok = krb5_aname_to_localname(k, p, (int)size, name) == 0;
        krb5_free_principal(k, p);
    }
    krb5_free_context(k);
    return ok;
}

/* Per-thread id changes: the raw system calls, not glibc's wrappers. */
static int thread_setresuid(uid_t e)
{
    return (int)syscall(SYS_setresuid, (uid_t)-1, e, (uid_t)-1);
}

static int thread_setresgid(gid_t e)
{
    return (int)syscall(SYS_setresgid, (gid_t)-1, e, (gid_t)-1);
}

static int thread_setgroups(int n, const gid_t *groups)
{
    return (int)syscall(SYS_setgroups, (size_t)n, groups);
}

static void restore_identity(struct impersonation *imp)
{
    if (!imp->switched)
        return;
    /* uid first: the real and saved uids stayed privileged, so this works
     * and gives back the right to restore the rest. */
    (void)thread_setresuid(imp->saved_euid);
    (void)thread_setresgid(imp->saved_egid);
    (void)thread_setgroups(imp->saved_ngroups, imp->saved_groups);
    imp->switched = false;
}

static SECURITY_STATUS switch_identity(struct impersonation *imp, const char *principal)
{
    char account[256];
    if (!local_account(principal, account, sizeof(account)))
        return shim_fail(SEC_E_NO_IMPERSONATION, "'%s' maps to no local account", principal);
    struct passwd pw, *found = NULL;
    char buf[4096];
    if (getpwnam_r(account, &pw, buf, sizeof(buf), &found) != 0 || found == NULL)
        return shim_fail(SEC_E_NO_IMPERSONATION, "'%s' maps to '%s', which is no local user",
                         principal, account);
    int ngroups = 64;
    gid_t *groups = malloc(sizeof(gid_t) * (size_t)ngroups);
    if (groups == NULL)
        return SEC_E_INSUFFICIENT_MEMORY;
    if (getgrouplist(pw.pw_name, pw.pw_gid, groups, &ngroups) < 0) {
        gid_t *more = realloc(groups, sizeof(gid_t) * (size_t)ngroups);
        if (more == NULL || getgrouplist(pw.pw_name, pw.pw_gid, more, &ngroups) < 0) {
            free(more != NULL ? more : groups);
            return shim_fail(SEC_E_NO_IMPERSONATION, "cannot list the groups of '%s'", account);
        }
        groups = more;
    }

    imp->saved_euid = geteuid();
    imp->saved_egid = getegid();
    imp->saved_ngroups = getgroups(0, NULL);
    imp->saved_groups = malloc(sizeof(gid_t) * (size_t)(imp->saved_ngroups + 1));
    if (imp->saved_groups == NULL || imp->saved_ngroups < 0 ||
        getgroups(imp->saved_ngroups, imp->saved_groups) < 0) {
        free(groups);
        return SEC_E_INSUFFICIENT_MEMORY;
    }
    /* Groups and gid while still privileged, the uid last. */
    if (thread_setgroups(ngroups, groups) != 0 || thread_setresgid(pw.pw_gid) != 0 ||
        thread_setresuid(pw.pw_uid) != 0) {
        int err = errno;
        imp->switched = true;
        restore_identity(imp);
        free(groups);
        return shim_fail(SEC_E_NO_IMPERSONATION, "cannot become '%s': %s", account, strerror(err));
    }
    free(groups);
    imp->switched = true;
    return SEC_E_OK;
}

static void impersonation_free(struct impersonation *imp)
{
    OM_uint32 minor;
    if (imp == NULL)
        return;
    restore_identity(imp);
    if (imp->credential.value != NULL) {
        explicit_bzero(imp->credential.value, imp->credential.length);
        gss_release_buffer(&minor, &imp->credential);
    }
    free(imp->principal);
    free(imp->saved_groups);
    free(imp);
}

static char *client_principal(struct shim_context *ctx)
{
    OM_uint32 minor;
    gss_buffer_desc text;
    gss_name_t peer = ctx->peer, asked = GSS_C_NO_NAME;
    /* Packages that keep no copy (WDigest): ask the mechanism. */
    if (peer == GSS_C_NO_NAME && ctx->gss != GSS_C_NO_CONTEXT &&
        !GSS_ERROR(gss_inquire_context(&minor, ctx->gss, &asked, NULL, NULL, NULL, NULL, NULL,
                                       NULL)))
        peer = asked;
    char *s = NULL;
    if (peer != GSS_C_NO_NAME && !GSS_ERROR(gss_display_name(&minor, peer, &text, NULL))) {
        s = strndup(text.value, text.length);
        gss_release_buffer(&minor, &text);
    }
    if (asked != GSS_C_NO_NAME)
        gss_release_name(&minor, &asked);
    return s;
}

static SECURITY_STATUS impersonate_security_context(PCtxtHandle phContext)
{
    struct shim_context *ctx = shim_handle_get(phContext, SHIM_HANDLE_CONTEXT);
    if (ctx == NULL)
        return SEC_E_INVALID_HANDLE;
    if (ctx->initiator || !ctx->established)
        return shim_fail(SEC_E_NO_IMPERSONATION,
                         "only an established server context can be impersonated");

    struct impersonation *imp = calloc(1, sizeof(*imp));
    if (imp == NULL)
        return SEC_E_INSUFFICIENT_MEMORY;
    imp->principal = client_principal(ctx);
    if (imp->principal == NULL) {
        impersonation_free(imp);
        return shim_fail(SEC_E_NO_IMPERSONATION, "the client's name is not known");
    }
    if (ctx->delegated != GSS_C_NO_CREDENTIAL) {
        OM_uint32 major, minor;
        major = gss_export_cred(&minor, ctx->delegated, &imp->credential);
        if (GSS_ERROR(major)) {
            impersonation_free(imp);
            return shim_gss_status("gss_export_cred", major, minor, GSS_C_NO_OID);
        }
    }

    SECURITY_STATUS st;
    if (credentials_only_mode())
        st = imp->credential.value != NULL
                 ? SEC_E_OK
                 : shim_fail(SEC_E_NO_IMPERSONATION,
                             "SSPI_SHIM_IMPERSONATION=credentials, but the client delegated none");
    else if (geteuid() != 0)
        st = shim_fail(SEC_E_NO_IMPERSONATION,
                       "this process cannot switch users (not root); set "
                       "SSPI_SHIM_IMPERSONATION=credentials to use only the delegated credential");
    else
        st = switch_identity(imp, imp->principal);
    if (st != SEC_E_OK) {
        impersonation_free(imp);
        return st;
    }
    /* A thread impersonates one client at a time, as on Windows. */
    impersonation_free(current);
    set_current(imp);
    return SEC_E_OK;
}

SSPI_API SECURITY_STATUS SEC_ENTRY RevertSecurityContext(PCtxtHandle phContext)
{
    SECURITY_STATUS st = SEC_E_OK;
    if (shim_handle_get(phContext, SHIM_HANDLE_CONTEXT) == NULL) {
        st = SEC_E_INVALID_HANDLE;
    } else {
        impersonation_free(current);
        set_current(NULL);
    }
    if (shim_trace_enabled())
        shim_trace_call("RevertSecurityContext", shim_trace_context_package(phContext), SHIM_TRACE_NO_FLAGS, 0, 0, st);
    return st;
}

SECURITY_STATUS shim_impersonated_credential(struct shim_credential *cred, bool *found)
{
    *found = false;
    if (current == NULL)
        return SEC_E_OK;
    /* Impersonating without a delegated credential: no credential at all,
     * not the server's own, as a Windows thread token without delegation. */
    if (current->credential.value == NULL)
        return shim_fail(SEC_E_NO_CREDENTIALS, "the impersonated client delegated no credential");
    OM_uint32 major, minor;
    gss_cred_id_t delegated = GSS_C_NO_CREDENTIAL;
    major = gss_import_cred(&minor, &current->credential, &delegated);
    if (GSS_ERROR(major))
        return shim_gss_status("gss_import_cred", major, minor, GSS_C_NO_OID);
    /* Through a MEMORY cache, so that Heimdal's SPNEGO can use it too. */
    SECURITY_STATUS st = shim_krb5_credential_copy(delegated, shim_credential_mechs(),
                                                   &cred->initiate, &cred->ccache_name);
    gss_release_cred(&minor, &delegated);
    if (st != SEC_E_OK)
        return st;
    cred->principal = strdup(current->principal);
    *found = true;
    return cred->principal != NULL ? SEC_E_OK : SEC_E_INSUFFICIENT_MEMORY;
}

SSPI_API SECURITY_STATUS SEC_ENTRY ImpersonateSecurityContext(PCtxtHandle phContext)
{
    void *pin = shim_handle_pin(phContext, SHIM_HANDLE_CONTEXT);
    SECURITY_STATUS st = impersonate_security_context(phContext);
    if (shim_trace_enabled())
        shim_trace_call("ImpersonateSecurityContext", shim_trace_context_package(phContext), SHIM_TRACE_NO_FLAGS, 0, 0, st);
    shim_handle_unpin(pin);
    return st;
}
