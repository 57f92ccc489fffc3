/*
 * The "NTLM" package: NTLMSSP ([MS-NLMP]) through the GSS library's NTLM
 * mechanism, OID 1.3.6.1.4.1.311.2.2.10 (docs/ntlm.md):
 *
 *  - MIT krb5: gss-ntlmssp, loaded by MIT's mechglue from its mech
 *    configuration (Debian's gss-ntlmssp package installs
 *    /etc/gss/mech.d/mech.ntlmssp.conf).  A password identity becomes
 *    gss_acquire_cred_with_password; the acceptor's user store is
 *    gss-ntlmssp's (NTLM_USER_FILE, lines DOMAIN:user:password).
 *  - Heimdal 7.8: its built-in NTLM mechanism.  Its acceptor verifies the
 *    client's response through the Heimdal KDC's digest service (the KDC
 *    needs enable-digest, a digest/REALM principal and, in the acceptor's
 *    keytab, host/<hostname> with the allow-digest attribute).  Its
 *    initiator has no password API: it reads DOMAIN:user:password lines
 *    from the file NTLM_USER_FILE names, so a password identity is handed
 *    to it as such a file in memory (a memfd), named through the
 *    environment for the length of one gss_acquire_cred call.
 *
 * The wire tokens are the mechanisms' (raw NTLMSSP messages, as Windows
 * sends them).  Neither mechanism has gss_wrap_iov, so the message calls
 * are gss_get_mic / gss_wrap over the SSPI buffers ([MS-NLMP] 3.4.4: a
 * 16-byte signature, the sealed data as long as the plain data).
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#ifdef SSPI_SHIM_HEIMDAL
#include <sys/mman.h>
#include <unistd.h>
#else
#include <gssapi/gssapi_ext.h>    /* MIT: gss_acquire_cred_with_password */
static gss_OID_desc oid_nt_user_name = {10, (void *)"\x2a\x86\x48\x86\xf7\x12\x01\x02\x01\x01"};
#endif

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "framing.h"
#include "shim_internal.h"
#include "sspi_shim.h"

gss_OID_desc shim_oid_ntlm = {10, (void *)"\x2b\x06\x01\x04\x01\x82\x37\x02\x02\x0a"};
static gss_OID_set_desc ntlm_only = {1, &shim_oid_ntlm};

/* [MS-NLMP] 2.2.2.9: NTLMSSP_MESSAGE_SIGNATURE is 16 bytes. */
#define NTLM_SIGNATURE_SIZE 16

bool shim_is_ntlmssp(const void *data, size_t length)
{
    /* [MS-NLMP] 2.2.1: every message starts with "NTLMSSP\0". */
    return data != NULL && length >= 8 && memcmp(data, "NTLMSSP", 8) == 0;
}

/* [MS-NLMP] 2.2.2.5 */
#define NTLMSSP_NEGOTIATE_UNICODE 0x00000001u
#define NTLMSSP_NEGOTIATE_OEM 0x00000002u

/*
 * A NEGOTIATE message in the form the NTLM mechanisms take, as Windows'
 * acceptor takes them all:
 *  - without its Version field ([MS-NLMP] 2.2.1.1: the 32-byte form of
 *    older clients, curl's among them, with both payload fields empty) as
 *    the 40-byte form with a zero Version: gss-ntlmssp 1.2 refuses the
 *    short form ("Failed to decode data", measured with curl 7.88's
 *    message).  The offsets of the empty fields move to the end of the
 *    message, where [MS-NLMP] says they SHOULD point.
 *  - Heimdal only: offering OEM strings but not Unicode, as curl 7.88 does
 *    (flags 0x00088206), with NTLMSSP_NEGOTIATE_UNICODE added.  Heimdal
 *    7.8 refuses such a client twice (lib/gssapi/ntlm/accept_sec_context.c
 *    with EINVAL, kdc/digest.c "NTLM client have no unicode"); Windows
 *    answers it.  The CHALLENGE then says Unicode, and a client reads the
 *    CHALLENGE's flags to pick its string form ([MS-NLMP] 3.1.5.1.2; curl
 *    does).  No MIC covers the NEGOTIATE of such a client: a MIC comes
 *    with a Version, and the clients that send one offer Unicode.
 * Returns the token to hand to GSS-API: `in`, or a per-thread copy.
 */
gss_buffer_desc shim_ntlm_negotiate_for_gss(gss_buffer_desc in)
{
    static _Thread_local unsigned char fixed[256];
    const unsigned char *m = in.value;
    if (in.length < 32 || in.length > sizeof(fixed) || !shim_is_ntlmssp(m, in.length) ||
        m[8] != 1 || m[9] || m[10] || m[11])
        return in;
    bool short_form = in.length == 32;
    for (int f = 16; f < 32 && short_form; f += 8)  /* DomainNameFields, WorkstationFields */
        if (m[f] || m[f + 1] || m[f + 2] || m[f + 3])
            short_form = false;                     /* a payload: not this case */
    bool add_unicode = false;
#ifdef SSPI_SHIM_HEIMDAL
    add_unicode = !(m[12] & NTLMSSP_NEGOTIATE_UNICODE) && (m[12] & NTLMSSP_NEGOTIATE_OEM);
#endif
    if (!short_form && !add_unicode)
        return in;
    memcpy(fixed, m, in.length);
    gss_buffer_desc out = {in.length, fixed};
    if (short_form) {
        memset(fixed + 32, 0, 8);
        for (int f = 16; f < 32; f += 8) {
            memset(fixed + f + 4, 0, 4);
            fixed[f + 4] = 40;
        }
        out.length = 40;
    }
    if (add_unicode)
        fixed[12] |= NTLMSSP_NEGOTIATE_UNICODE;
    return out;
}

static uint32_t le32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void put_le32(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)v;
    p[1] = (unsigned char)(v >> 8);
    p[2] = (unsigned char)(v >> 16);
    p[3] = (unsigned char)(v >> 24);
}

/*
 * The same for an AUTHENTICATE message without Version (and so without
 * MIC), [MS-NLMP] 2.2.1.3: its payload starts right after the 64-byte
 * header.  gss-ntlmssp 1.2 wants the 72-byte header (measured with curl
 * 7.88's message: "Failed to decode data"; with 8 zero bytes inserted and
 * the offsets moved it verifies).  The signed parts (the responses) are
 * not changed, and no MIC covers the messages when there is no Version.
 * *owned: the malloc'd copy, or NULL when `in` is returned.
 */
gss_buffer_desc shim_ntlm_authenticate_for_gss(gss_buffer_desc in, void **owned)
{
    const unsigned char *m = in.value;
    *owned = NULL;
    if (in.length < 64 || in.length > UINT32_MAX - 8 || !shim_is_ntlmssp(m, in.length) ||
        le32(m + 8) != 3)
        return in;
    uint32_t first = UINT32_MAX;
    for (int f = 12; f < 60; f += 8)    /* LM, NT, domain, user, workstation, session key */
        if (m[f] | m[f + 1]) {
            uint32_t off = le32(m + f + 4);
            first = off < first ? off : first;
        }
    if (first != 64)
        return in;
    unsigned char *out = malloc(in.length + 8);
    if (out == NULL)
        return in;                      /* the mechanism then says what it says */
    memcpy(out, m, 64);
    memset(out + 64, 0, 8);
    memcpy(out + 72, m + 64, in.length - 64);
    for (int f = 12; f < 60; f += 8)
        put_le32(out + f + 4, (m[f] | m[f + 1]) ? le32(m + f + 4) + 8 : (uint32_t)in.length + 8);
    *owned = out;
    gss_buffer_desc fixed = {in.length + 8, out};
    return fixed;
}

/* The gss_channel_bindings_struct hash ([MS-NLMP] 3.1.5.1.2 refers to
 * RFC 4121 4.1.1.2): MD5 over each address type and length as 32-bit
 * little-endian values, the addresses, then the application data. */
static bool bindings_md5(gss_channel_bindings_t cb, unsigned char md5[16])
{
    unsigned char le[4];
    unsigned int len = 0;
    EVP_MD_CTX *h = EVP_MD_CTX_new();
    bool ok = h != NULL && EVP_DigestInit_ex(h, EVP_md5(), NULL) == 1;
#define ADD_LE32(v) (put_le32(le, (uint32_t)(v)), ok = ok && EVP_DigestUpdate(h, le, 4) == 1)
#define ADD_BYTES(buf) (ok = ok && ((buf).length == 0 || \
                                    EVP_DigestUpdate(h, (buf).value, (buf).length) == 1))
    ADD_LE32(cb->initiator_addrtype);
    ADD_LE32(cb->initiator_address.length);
    ADD_BYTES(cb->initiator_address);
    ADD_LE32(cb->acceptor_addrtype);
    ADD_LE32(cb->acceptor_address.length);
    ADD_BYTES(cb->acceptor_address);
    ADD_LE32(cb->application_data.length);
    ADD_BYTES(cb->application_data);
#undef ADD_LE32
#undef ADD_BYTES
    ok = ok && EVP_DigestFinal_ex(h, md5, &len) == 1 && len == 16;
    EVP_MD_CTX_free(h);
    return ok;
}

/*
 * The acceptor's channel-binding check, done by the shim because neither
 * mechanism gives Windows' answer: Heimdal 7.8's NTLM ignores channel
 * bindings, and gss-ntlmssp 1.2 refuses a mismatch as
 * GSS_S_DEFECTIVE_TOKEN/EACCES, the same codes as a bad MIC.  Windows
 * says SEC_E_BAD_BINDINGS when the client's MsvAvChannelBindings is not
 * the hash of the server's bindings.  A client that sends none, or all
 * zeros (it had no channel), is let through, as Windows' default
 * ("when supported") does.  Malformed messages are left to the mechanism,
 * which reports them as such.
 */
SECURITY_STATUS shim_ntlm_check_bindings(gss_buffer_desc authenticate, gss_channel_bindings_t cb)
{
    static const unsigned char zero[16];
    const unsigned char *theirs;
    unsigned char ours[16];
    if (cb == GSS_C_NO_CHANNEL_BINDINGS ||
        gssmap_ntlm_channel_bindings(authenticate.value, authenticate.length, &theirs) != 1 ||
        memcmp(theirs, zero, sizeof(zero)) == 0)
        return SEC_E_OK;
    if (!bindings_md5(cb, ours))
        return shim_fail(SEC_E_INTERNAL_ERROR, "MD5 is not available");
    if (CRYPTO_memcmp(theirs, ours, sizeof(ours)) != 0)
        return shim_fail(SEC_E_BAD_BINDINGS,
                         "the client's NTLM channel bindings (MsvAvChannelBindings) are not this "
                         "server's: the client saw another TLS channel");
    return SEC_E_OK;
}

/* ------------------------------------------------------------ credentials */

static atomic_bool mech_seen;

static bool mech_registered(void)
{
    if (atomic_load_explicit(&mech_seen, memory_order_acquire))
        return true;
    OM_uint32 minor;
    gss_OID_set mechs = GSS_C_NO_OID_SET;
    int present = 0;
    if (GSS_ERROR(gss_indicate_mechs(&minor, &mechs)))
        return false;
    gss_test_oid_set_member(&minor, &shim_oid_ntlm, mechs, &present);
    gss_release_oid_set(&minor, &mechs);
    if (present)
        atomic_store_explicit(&mech_seen, true, memory_order_release);
    return present != 0;
}

/*
 * Both NTLM mechanisms turn the password into UTF-16 for the NT hash and
 * free that buffer unwiped: Heimdal 7.8 (lib/ntlm/ntlm.c: heim_ntlm_nt_key,
 * ascii2ucs2le: a malloc of 2 bytes a character) and gss-ntlmssp 1.2
 * (src/ntlm_crypto.c: NTOWFv1, u8_conv_to_encoding).  glibc
 * gives a freed chunk back to the next malloc of its size in the same
 * thread (tcache: last in, first out, 7 a size), so right after the call
 * that read the file the shim takes back a few chunks of that size, wipes
 * them and frees them again.  Best effort: with another allocator, or
 * once the chunk was handed to someone else, the copy stays where it is
 * (check_secrets `ntlm_password_logon_leaves_no_copy` measures what is left).
 */
static void wipe_freed_utf16_password(const struct shim_identity *id)
{
    enum { TAKE = 8 };
    size_t size = 2 * strlen(id->password);
    void *chunk[TAKE];
    for (int i = 0; i < TAKE; i++) {
        chunk[i] = malloc(size);
        if (chunk[i] != NULL)
            explicit_bzero(chunk[i], size);    /* Heimdal asked for this size too */
    }
    for (int i = TAKE - 1; i >= 0; i--)
        free(chunk[i]);
}

/* "DOMAIN\user", or the user as given when there is no domain. */
static char *account_text(const struct shim_identity *id)
{
    size_t n = strlen(id->user) + (id->domain != NULL ? strlen(id->domain) + 1 : 0) + 1;
    char *s = malloc(n);
    if (s == NULL)
        return NULL;
    if (id->domain != NULL && id->domain[0] != '\0')
        snprintf(s, n, "%s\\%s", id->domain, id->user);
    else
        snprintf(s, n, "%s", id->user);
    return s;
}

#ifdef SSPI_SHIM_HEIMDAL
/* NTLM_USER_FILE is process state: one acquisition at a time. */
static pthread_mutex_t user_file_lock = PTHREAD_MUTEX_INITIALIZER;

/* Heimdal lib/gssapi/ntlm/init_sec_context.c reads the first
 * "DOMAIN:user:password" line of $NTLM_USER_FILE (split at every ':', so
 * none of the three may hold one) whose domain is the one asked for (any
 * line when none is).  The file is a memfd: the password never reaches a
 * disk, and the file is gone when it is closed.  The identity's own line
 * comes first; `also_domain` (or NULL) gets a second line with the same
 * account.  Returns the descriptor in *fd. */
static SECURITY_STATUS user_file(const struct shim_identity *id, const char *also_domain,
                                 int *fd)
{
    const char *domain = id->domain, *user = id->user;
    char *realm = NULL, *split = NULL;
    *fd = -1;
    /* No domain field: "DOMAIN\user" or "user@domain" in the user field
     * (a Negotiate identity often carries a UPN) gives both parts. */
    const char *sep = NULL;
    if ((domain == NULL || domain[0] == '\0') &&
        ((sep = strchr(user, '\\')) != NULL || (sep = strrchr(user, '@')) != NULL) &&
        sep != user && sep[1] != '\0' && (split = strdup(user)) != NULL) {
        split[sep - user] = '\0';
        if (*sep == '\\') {
            domain = split;
            user = split + (sep - user) + 1;
        } else {
            user = split;
            domain = split + (sep - id->user) + 1;
        }
    }
    if (domain == NULL || domain[0] == '\0')
        domain = realm = shim_default_realm();
    if (domain == NULL)
        domain = "WORKGROUP";
    if (also_domain != NULL && strcasecmp(also_domain, domain) == 0)
        also_domain = NULL;
    if (strpbrk(user, ":\r\n") != NULL || strpbrk(domain, ":\r\n") != NULL ||
        (also_domain != NULL && strpbrk(also_domain, ":\r\n") != NULL) ||
        strpbrk(id->password, ":\r\n") != NULL || user[0] == '\0' || id->password[0] == '\0') {
        free(realm);
        free(split);
        return shim_fail(SEC_E_UNKNOWN_CREDENTIALS,
                         "Heimdal's NTLM mechanism takes no user name, domain or password that "
                         "is empty or holds ':' or a line break (it reads them from "
                         "DOMAIN:user:password lines)");
    }
    size_t n = strlen(domain) + (also_domain ? strlen(also_domain) : 0) +
               2 * (strlen(user) + strlen(id->password)) + 8;
    char *line = malloc(n);
    if (line == NULL) {
        free(realm);
        free(split);
        return SEC_E_INSUFFICIENT_MEMORY;
    }
    int len = snprintf(line, n, "%s:%s:%s\n", domain, user, id->password);
    if (also_domain != NULL)
        len += snprintf(line + len, n - (size_t)len, "%s:%s:%s\n", also_domain, user,
                        id->password);
    free(realm);
    free(split);
    int memfd = memfd_create("sspi-shim-ntlm", MFD_CLOEXEC);
    bool written = memfd >= 0 && write(memfd, line, (size_t)len) == len;
    explicit_bzero(line, n);
    free(line);
    if (!written) {
        int err = errno;
        if (memfd >= 0)
            close(memfd);
        return shim_fail(SEC_E_INTERNAL_ERROR, "cannot hand the password to Heimdal's NTLM "
                                               "mechanism (memfd): %s", strerror(err));
    }
    *fd = memfd;
    return SEC_E_OK;
}

/* Names the memfd in NTLM_USER_FILE, under user_file_lock; returns the
 * previous value (malloc'd or NULL) for restore_user_file. */
static char *use_user_file(int fd)
{
    char path[64];
    snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
    pthread_mutex_lock(&user_file_lock);
    const char *old = getenv("NTLM_USER_FILE");
    char *saved = old != NULL ? strdup(old) : NULL;
    setenv("NTLM_USER_FILE", path, 1);
    return saved;
}

static void restore_user_file(char *saved, int fd)
{
    if (saved != NULL)
        setenv("NTLM_USER_FILE", saved, 1);
    else
        unsetenv("NTLM_USER_FILE");
    pthread_mutex_unlock(&user_file_lock);
    free(saved);
    close(fd);
}

static SECURITY_STATUS heimdal_password_cred(const struct shim_identity *id, gss_cred_id_t *out)
{
    int fd;
    SECURITY_STATUS st = user_file(id, NULL, &fd);
    if (st != SEC_E_OK)
        return st;
    OM_uint32 major, minor;
    char *saved = use_user_file(fd);
    major = gss_acquire_cred(&minor, GSS_C_NO_NAME, GSS_C_INDEFINITE, &ntlm_only, GSS_C_INITIATE,
                             out, NULL, NULL);
    wipe_freed_utf16_password(id);
    restore_user_file(saved, fd);
    if (GSS_ERROR(major))
        return shim_gss_status("gss_acquire_cred", major, minor, &shim_oid_ntlm);
    return SEC_E_OK;
}

/* The NTLM domain Heimdal's NTLM mechanism makes of a host-based target
 * name "service@host.example.org" (lib/gssapi/ntlm/import_name.c: the
 * label after the host's, uppercased; "host@localhost" -> "LOCALHOST"),
 * malloc'd, or NULL. */
static char *target_ntlm_domain(gss_name_t target)
{
    OM_uint32 minor;
    gss_buffer_desc buf;
    if (target == GSS_C_NO_NAME || GSS_ERROR(gss_display_name(&minor, target, &buf, NULL)))
        return NULL;
    char *text = strndup(buf.value, buf.length);
    gss_release_buffer(&minor, &buf);
    char *at = text != NULL ? strchr(text, '@') : NULL;
    if (at == NULL) {
        free(text);
        return NULL;
    }
    char *p = at + 1, *dot = strchr(p, '.');
    if (dot != NULL && dot[1] != '\0') {
        p = dot + 1;
        dot = strchr(p, '.');
        if (dot != NULL)
            *dot = '\0';
    }
    char *domain = strdup(p);
    for (char *c = domain; c != NULL && *c; c++)
        *c = (char)toupper((unsigned char)*c);
    free(text);
    return domain;
}
#endif

static SECURITY_STATUS password_cred(const struct shim_identity *id, const char *account,
                                     gss_cred_id_t *out)
{
#ifdef SSPI_SHIM_HEIMDAL
    (void)account;
    return heimdal_password_cred(id, out);
#else
    OM_uint32 major, minor;
    gss_name_t name = GSS_C_NO_NAME;
    gss_buffer_desc nbuf = {strlen(account), (void *)account};
    major = gss_import_name(&minor, &nbuf, &oid_nt_user_name, &name);
    if (GSS_ERROR(major))
        return shim_fail(SEC_E_UNKNOWN_CREDENTIALS, "'%s' is not an NTLM user name", account);
    gss_buffer_desc pw = {strlen(id->password), id->password};
    major = gss_acquire_cred_with_password(&minor, name, &pw, GSS_C_INDEFINITE, &ntlm_only,
                                           GSS_C_INITIATE, out, NULL, NULL);
    wipe_freed_utf16_password(id);
    gss_release_name(&minor, &name);
    if (GSS_ERROR(major))
        return shim_gss_status("gss_acquire_cred_with_password", major, minor, &shim_oid_ntlm);
    return SEC_E_OK;
#endif
}

/* ------------------------------------------------------------ inside Negotiate */

static gss_OID_desc oid_spnego_mech = {6, (void *)"\x2b\x06\x01\x05\x05\x02"};
static gss_OID_set_desc spnego_only = {1, &oid_spnego_mech};

#ifdef SSPI_SHIM_HEIMDAL
/*
 * Heimdal 7.8's SPNEGO initiator (lib/gssapi/spnego/compat.c,
 * _gss_spnego_indicate_mechtypelist) offers Kerberos whenever a trial
 * gss_init_sec_context with the *default* credential works, then each
 * mechanism of the given credential whose trial with the default
 * credential works; it has no gss_set_neg_mechs.  So for the length of
 * this one call: the thread's default ccache is an empty MEMORY cache
 * (the Kerberos trial fails, whatever the user's own cache holds), and
 * NTLM_USER_FILE names a memfd with the identity's line (the credential's
 * NTLM element) and a line for the target's NTLM domain (the NTLM trial
 * looks the default credential up by that domain).
 */
static OM_uint32 spnego_ntlm_cred(OM_uint32 *minor, const struct shim_identity *id,
                                  gss_name_t target, gss_cred_id_t *out, int *fd,
                                  char **saved_file, char **saved_cc, char **empty_cc)
{
    char *domain = target_ntlm_domain(target);
    SECURITY_STATUS st = user_file(id, domain, fd);
    free(domain);
    *minor = 0;
    if (st != SEC_E_OK)
        return GSS_S_NO_CRED;
    *saved_file = use_user_file(*fd);
    *empty_cc = shim_krb5_empty_ccache();
    *saved_cc = *empty_cc != NULL ? shim_krb5_use_ccache(*empty_cc) : NULL;
    OM_uint32 major = gss_acquire_cred(minor, GSS_C_NO_NAME, GSS_C_INDEFINITE, &spnego_only,
                                       GSS_C_INITIATE, out, NULL, NULL);
    wipe_freed_utf16_password(id);
    return major;
}
#endif

OM_uint32 shim_ntlm_spnego_first_leg(OM_uint32 *minor, struct shim_context *ctx,
                                     OM_uint32 req_flags, gss_channel_bindings_t bindings,
                                     gss_buffer_t input, gss_OID *mech, gss_buffer_t output,
                                     OM_uint32 *ret_flags, OM_uint32 *lifetime)
{
    const struct shim_identity *id = &ctx->cred->identity;
    OM_uint32 major, tmp;
    *minor = 0;
    if (!mech_registered())
        return GSS_S_BAD_MECH;
    if (id->user == NULL || !id->has_password)
        return GSS_S_NO_CRED;
#ifdef SSPI_SHIM_HEIMDAL
    int fd = -1;
    char *saved_file = NULL, *saved_cc = NULL, *empty_cc = NULL;
    major = spnego_ntlm_cred(minor, id, ctx->target, &ctx->ntlm_cred, &fd, &saved_file,
                             &saved_cc, &empty_cc);
    if (!GSS_ERROR(major))
        major = gss_init_sec_context(minor, ctx->ntlm_cred, &ctx->gss, ctx->target,
                                     &oid_spnego_mech, req_flags, GSS_C_INDEFINITE, bindings,
                                     input, mech, output, ret_flags, lifetime);
    if (fd >= 0) {
        shim_krb5_restore_ccache(saved_cc);
        restore_user_file(saved_file, fd);
    }
    if (empty_cc != NULL) {
        shim_krb5_destroy_ccache(empty_cc);
        free(empty_cc);
    }
#else
    /* MIT krb5 (untested here): SPNEGO's own password credential over
     * every negotiable mechanism, restricted to NTLM (gss-ntlmssp) with
     * gss_set_neg_mechs; the account is "DOMAIN\user". */
    char *account = account_text(id);
    gss_name_t name = GSS_C_NO_NAME;
    if (account == NULL)
        return GSS_S_FAILURE;
    gss_buffer_desc nbuf = {strlen(account), account};
    major = gss_import_name(minor, &nbuf, &oid_nt_user_name, &name);
    free(account);
    if (!GSS_ERROR(major)) {
        gss_buffer_desc pw = {strlen(id->password), id->password};
        major = gss_acquire_cred_with_password(minor, name, &pw, GSS_C_INDEFINITE,
                                               &spnego_only, GSS_C_INITIATE, &ctx->ntlm_cred,
                                               NULL, NULL);
        gss_release_name(&tmp, &name);
    }
    if (!GSS_ERROR(major))
        major = gss_set_neg_mechs(minor, ctx->ntlm_cred, &ntlm_only);
    if (!GSS_ERROR(major))
        major = gss_init_sec_context(minor, ctx->ntlm_cred, &ctx->gss, ctx->target,
                                     &oid_spnego_mech, req_flags, GSS_C_INDEFINITE, bindings,
                                     input, mech, output, ret_flags, lifetime);
#endif
    if (GSS_ERROR(major) && ctx->ntlm_cred != GSS_C_NO_CREDENTIAL)
        gss_release_cred(&tmp, &ctx->ntlm_cred);
    return major;
}

static SECURITY_STATUS acquire_outbound(struct shim_credential *cred, void *auth_data)
{
    OM_uint32 major, minor;
    if (auth_data == NULL) {
        /* The mechanism's default: NTLM_USER_FILE (both), or gss-ntlmssp's
         * winbind, or a Heimdal ccache holding an NTLM key. */
        major = gss_acquire_cred(&minor, GSS_C_NO_NAME, GSS_C_INDEFINITE, &ntlm_only,
                                 GSS_C_INITIATE, &cred->initiate, NULL, NULL);
        if (GSS_ERROR(major)) {
            shim_gss_status("gss_acquire_cred", major, minor, &shim_oid_ntlm);
            char detail[300];
            snprintf(detail, sizeof(detail), "%s", SspiShimLastErrorMessage());
            return shim_fail(SEC_E_NO_CREDENTIALS,
                             "no default NTLM credential (pass a SEC_WINNT_AUTH_IDENTITY, or "
                             "name a DOMAIN:user:password file in NTLM_USER_FILE): %s", detail);
        }
    } else {
        struct shim_identity id;
        SECURITY_STATUS st = shim_identity_decode(auth_data, &id);
        if (st != SEC_E_OK)
            return st;
        if (id.user == NULL || !id.has_password) {
            shim_identity_clear(&id);
            return shim_fail(SEC_E_NO_CREDENTIALS, "an NTLM identity needs a user name and a "
                                                   "password");
        }
        cred->principal = account_text(&id);
        st = cred->principal == NULL ? SEC_E_INSUFFICIENT_MEMORY
                                     : password_cred(&id, cred->principal, &cred->initiate);
        shim_identity_clear(&id);       /* wipes the password */
        if (st != SEC_E_OK)
            return st;
    }
    atomic_store_explicit(&cred->initiate_ready, true, memory_order_release);
    return SEC_E_OK;
}

static SECURITY_STATUS acquire_inbound(struct shim_credential *cred)
{
    OM_uint32 major, minor;
    shim_ntlm_acceptor_ccache_ready();
    major = gss_acquire_cred(&minor, GSS_C_NO_NAME, GSS_C_INDEFINITE, &ntlm_only, GSS_C_ACCEPT,
                             &cred->accept, NULL, NULL);
    if (!GSS_ERROR(major))
        return SEC_E_OK;
    shim_gss_status_side("gss_acquire_cred", major, minor, &shim_oid_ntlm, GSSMAP_ACCEPTOR);
    char detail[300];
    snprintf(detail, sizeof(detail), "%s", SspiShimLastErrorMessage());
#ifdef SSPI_SHIM_HEIMDAL
    return shim_fail(SEC_E_NO_CREDENTIALS,
                     "Heimdal's NTLM acceptor verifies through the Heimdal KDC's digest service "
                     "and could not reach it: it needs host/<this host> with the allow-digest "
                     "attribute in the keytab (or a ticket in NTLM_ACCEPTOR_CCACHE), a "
                     "digest/REALM principal and a KDC with enable-digest (docs/ntlm.md): %s",
                     detail);
#else
    return shim_fail(SEC_E_NO_CREDENTIALS,
                     "gss-ntlmssp has no user store for the acceptor: name a "
                     "DOMAIN:user:password file in NTLM_USER_FILE (docs/ntlm.md): %s", detail);
#endif
}

static SECURITY_STATUS ntlm_acquire(struct shim_credential *cred, const char *principal,
                                    void *auth_data)
{
    (void)principal;                    /* NTLM names come from the identity */
    if (!mech_registered())
        return shim_fail(SEC_E_SECPKG_NOT_FOUND,
                         "the GSS library has no NTLM mechanism (1.3.6.1.4.1.311.2.2.10); "
                         "with MIT krb5 install gss-ntlmssp, which registers it in "
                         "/etc/gss/mech.d");
    SECURITY_STATUS st = SEC_E_OK;
    if (cred->use & SECPKG_CRED_OUTBOUND)
        st = acquire_outbound(cred, auth_data);
    if (st == SEC_E_OK && (cred->use & SECPKG_CRED_INBOUND))
        st = acquire_inbound(cred);
    return st;
}

/* ------------------------------------------------------------ status */

#ifndef SSPI_SHIM_HEIMDAL
/*
 * NTLM inside SPNEGO: MIT's SPNEGO hands back gss-ntlmssp's minor code as
 * mechglue's mapped number (measured: 100005 for EINVAL), and MIT has no
 * public call that maps it back.  Its text is still the mechanism's
 * (strerror, for gss-ntlmssp's errno codes), so the two codes are
 * recognised by that.
 */
static bool spnego_minor_is_errno(OM_uint32 minor)
{
    OM_uint32 tmp, more = 0;
    gss_buffer_desc text = GSS_C_EMPTY_BUFFER;
    if (minor == 0 ||
        GSS_ERROR(gss_display_status(&tmp, minor, GSS_C_MECH_CODE, GSS_C_NO_OID, &more, &text)))
        return false;
    bool match = false;
    const int codes[] = {EINVAL, EACCES};
    for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]) && !match; i++) {
        const char *want = strerror(codes[i]);
        match = text.length == strlen(want) && memcmp(text.value, want, text.length) == 0;
    }
    gss_release_buffer(&tmp, &text);
    return match;
}
#endif

/*
 * The response did not verify.  Measured: gss-ntlmssp 1.2 answers
 * GSS_S_FAILURE with EINVAL for a wrong password and EACCES for a user
 * its store does not have; Heimdal 7.8 answers GSS_S_FAILURE with minor 0
 * when its KDC's digest service says no ("NTLM hash mismatch").  Windows'
 * AcceptSecurityContext says SEC_E_LOGON_DENIED for both.
 */
static SECURITY_STATUS ntlm_accept_status(OM_uint32 major, OM_uint32 minor, SECURITY_STATUS st)
{
    if (GSS_ROUTINE_ERROR(major) != GSS_S_FAILURE)
        return st;
#ifdef SSPI_SHIM_HEIMDAL
    bool denied = minor == 0;
#else
    bool denied = minor == EINVAL || minor == EACCES || spnego_minor_is_errno(minor);
#endif
    if (!denied)
        return st;
    char detail[300];
    snprintf(detail, sizeof(detail), "%s", SspiShimLastErrorMessage());
    return shim_fail(SEC_E_LOGON_DENIED,
                     "the NTLM response did not verify (wrong password or unknown user): %s",
                     detail);
}

/* ------------------------------------------------------------ attributes */

void shim_ntlm_note_server_domain(struct shim_context *ctx, gss_buffer_desc output)
{
    gss_buffer_desc challenge = output;
    const unsigned char *name;
    size_t length;
    bool unicode;
    if (ctx->pkg->mech == &shim_oid_spnego &&
        gssmap_spnego_response_token(output.value, output.length, &challenge) != 1)
        return;
    if (gssmap_ntlm_challenge_target_name(challenge.value, challenge.length, &name, &length,
                                          &unicode) != 1 || length == 0)
        return;
    char *domain = NULL;
    if (unicode) {
        SEC_WCHAR *w = calloc(length / 2 + 1, sizeof(*w));
        if (w == NULL)
            return;
        for (size_t i = 0; i < length / 2; i++)
            w[i] = (SEC_WCHAR)(name[2 * i] | name[2 * i + 1] << 8);
        if (shim_utf16_to_utf8(w, length / 2, &domain) != SEC_E_OK)
            domain = NULL;
        free(w);
    } else {
        domain = strndup((const char *)name, length);   /* OEM: ASCII in practice */
    }
    free(ctx->ntlm_server_domain);
    ctx->ntlm_server_domain = domain;
}

/* "DOMAIN\user" from `user` and `domain`; an empty domain becomes the one
 * the server's CHALLENGE named, as Windows names a client that logged on
 * without a domain (curl -u alice) by the domain that checked it. */
static char *join_account(const char *domain, size_t domain_len, const char *user,
                          size_t user_len, const char *server_domain)
{
    if (domain_len == 0 && server_domain != NULL) {
        domain = server_domain;
        domain_len = strlen(server_domain);
    }
    if (domain_len == 0)
        return strndup(user, user_len);
    char *out = malloc(domain_len + 1 + user_len + 1);
    if (out != NULL) {
        memcpy(out, domain, domain_len);
        out[domain_len] = '\\';
        memcpy(out + domain_len + 1, user, user_len);
        out[domain_len + 1 + user_len] = '\0';
    }
    return out;
}

/* "DOMAIN\user" of the client, as Windows' NTLM gives it: the acceptor's
 * from the name gss_accept_sec_context returned (gss-ntlmssp displays
 * "DOMAIN\user", or "user" for a client that sent no domain; Heimdal
 * "user@DOMAIN", or "user@"; Heimdal's gss_inquire_context returns no
 * names at all), the initiator's from its credential. */
static SECURITY_STATUS client_account(struct shim_context *ctx, char **out)
{
    if (ctx->initiator) {
        *out = strdup(ctx->cred->principal != NULL ? ctx->cred->principal : "");
        return *out != NULL ? SEC_E_OK : SEC_E_INSUFFICIENT_MEMORY;
    }
    OM_uint32 minor;
    gss_buffer_desc buf;
    if (ctx->peer == GSS_C_NO_NAME || GSS_ERROR(gss_display_name(&minor, ctx->peer, &buf, NULL)))
        return shim_fail(SEC_E_INTERNAL_ERROR, "the NTLM mechanism gave no client name");
    const char *s = buf.value, *at = memchr(s, '@', buf.length),
               *backslash = memchr(s, '\\', buf.length);
    if (backslash != NULL)
        *out = join_account(s, (size_t)(backslash - s), backslash + 1,
                            buf.length - (size_t)(backslash - s) - 1, ctx->ntlm_server_domain);
    else if (at != NULL)
        *out = join_account(at + 1, buf.length - (size_t)(at - s) - 1, s, (size_t)(at - s),
                            ctx->ntlm_server_domain);
    else
        *out = join_account("", 0, s, buf.length, ctx->ntlm_server_domain);
    gss_release_buffer(&minor, &buf);
    return *out != NULL ? SEC_E_OK : SEC_E_INSUFFICIENT_MEMORY;
}

static SECURITY_STATUS ntlm_query(struct shim_context *ctx, ULONG attribute, void *buffer,
                                  bool wide, bool *handled)
{
    if (attribute == SECPKG_ATTR_NATIVE_NAMES || attribute == SECPKG_ATTR_AUTHORITY ||
        attribute == SECPKG_ATTR_CLIENT_SPECIFIED_TARGET ||
        attribute == SECPKG_ATTR_STREAM_SIZES) {
        /* The generic answers ask gss_inquire_context for both names, which
         * crashes both NTLM mechanisms (gss-ntlmssp 1.2: an acceptor has no
         * target name and strdup()s NULL; Heimdal 7.8 returns no names and
         * its mechglue then releases a NULL mechanism name). */
        *handled = true;
        return shim_fail(SEC_E_UNSUPPORTED_FUNCTION,
                         "context attribute %u is not available for NTLM contexts",
                         (unsigned)attribute);
    }
    if (attribute != SECPKG_ATTR_SIZES && attribute != SECPKG_ATTR_NAMES)
        return SEC_E_OK;
    *handled = true;
    if (!ctx->established)
        return shim_fail(SEC_E_INVALID_HANDLE, "attribute %u needs an established context",
                         (unsigned)attribute);
    if (attribute == SECPKG_ATTR_NAMES) {
        char *name = NULL;
        SECURITY_STATUS st = client_account(ctx, &name);
        if (st != SEC_E_OK || !wide) {
            if (st == SEC_E_OK)
                ((SecPkgContext_NamesA *)buffer)->sUserName = (SEC_CHAR *)name;
            return st;
        }
        SEC_WCHAR *w;
        st = shim_utf8_to_utf16(name, &w, NULL);
        free(name);
        if (st == SEC_E_OK)
            ((SecPkgContext_NamesW *)buffer)->sUserName = w;
        return st;
    }
    SecPkgContext_Sizes *s = buffer;
    s->cbMaxToken = ctx->pkg->max_token;
    s->cbMaxSignature = NTLM_SIGNATURE_SIZE;
    s->cbBlockSize = 0;                 /* RC4: a stream cipher */
    s->cbSecurityTrailer = NTLM_SIGNATURE_SIZE;
    return SEC_E_OK;
}

/* ------------------------------------------------------------ messages */

static bool signed_buffer(const SecBuffer *b)
{
    ULONG type = b->BufferType & ~SECBUFFER_ATTRMASK;
    return type == SECBUFFER_DATA;
}

/* The DATA buffers (READONLY ones included: [MS-NLMP] signs them) in
 * order, as one malloc'd message. */
static SECURITY_STATUS gather(PSecBufferDesc msg, gss_buffer_desc *out)
{
    size_t total = 0;
    for (ULONG i = 0; i < msg->cBuffers; i++)
        if (signed_buffer(&msg->pBuffers[i]))
            total += msg->pBuffers[i].cbBuffer;
    out->length = total;
    out->value = malloc(total > 0 ? total : 1);
    if (out->value == NULL)
        return SEC_E_INSUFFICIENT_MEMORY;
    unsigned char *p = out->value;
    for (ULONG i = 0; i < msg->cBuffers; i++) {
        SecBuffer *b = &msg->pBuffers[i];
        if (!signed_buffer(b) || b->cbBuffer == 0)
            continue;
        if (b->pvBuffer == NULL) {
            free(out->value);
            return shim_fail(SEC_E_INVALID_TOKEN, "a DATA buffer has no memory");
        }
        memcpy(p, b->pvBuffer, b->cbBuffer);
        p += b->cbBuffer;
    }
    return SEC_E_OK;
}

static SECURITY_STATUS ntlm_make_signature(struct shim_context *ctx, ULONG qop,
                                           PSecBufferDesc msg, bool *handled)
{
    *handled = true;
    if (qop != 0)
        return SEC_E_QOP_NOT_SUPPORTED;
    SecBuffer *tok = shim_find_buffer(msg, SECBUFFER_TOKEN);
    if (tok == NULL || tok->pvBuffer == NULL)
        return shim_fail(SEC_E_INVALID_TOKEN, "no SECBUFFER_TOKEN for the signature");
    if (tok->cbBuffer < NTLM_SIGNATURE_SIZE)
        return shim_fail(SEC_E_BUFFER_TOO_SMALL, "the signature needs %d bytes",
                         NTLM_SIGNATURE_SIZE);
    gss_buffer_desc data, mic = GSS_C_EMPTY_BUFFER;
    SECURITY_STATUS st = gather(msg, &data);
    if (st != SEC_E_OK)
        return st;
    OM_uint32 minor, major = gss_get_mic(&minor, ctx->gss, GSS_C_QOP_DEFAULT, &data, &mic);
    free(data.value);
    if (GSS_ERROR(major))
        return shim_gss_status("gss_get_mic", major, minor, &shim_oid_ntlm);
    if (mic.length > tok->cbBuffer) {
        gss_release_buffer(&minor, &mic);
        return shim_fail(SEC_E_INTERNAL_ERROR, "the NTLM signature is not 16 bytes");
    }
    memcpy(tok->pvBuffer, mic.value, mic.length);
    tok->cbBuffer = (ULONG)mic.length;
    gss_release_buffer(&minor, &mic);
    return SEC_E_OK;
}

static SECURITY_STATUS ntlm_verify_signature(struct shim_context *ctx, PSecBufferDesc msg,
                                             ULONG *qop, bool *handled)
{
    *handled = true;
    SecBuffer *tok = shim_find_buffer(msg, SECBUFFER_TOKEN);
    if (tok == NULL || tok->pvBuffer == NULL || tok->cbBuffer < NTLM_SIGNATURE_SIZE)
        return shim_fail(SEC_E_INVALID_TOKEN, "no 16-byte SECBUFFER_TOKEN signature");
    gss_buffer_desc data, mic = {NTLM_SIGNATURE_SIZE, tok->pvBuffer};
    SECURITY_STATUS st = gather(msg, &data);
    if (st != SEC_E_OK)
        return st;
    OM_uint32 minor, major = gss_verify_mic(&minor, ctx->gss, &data, &mic, NULL);
    free(data.value);
    if (GSS_ERROR(major) || (major & (GSS_S_DUPLICATE_TOKEN | GSS_S_OLD_TOKEN |
                                      GSS_S_UNSEQ_TOKEN | GSS_S_GAP_TOKEN)))
        return shim_gss_status("gss_verify_mic", major, minor, &shim_oid_ntlm);
    if (qop != NULL)
        *qop = 0;
    return SEC_E_OK;
}

/* The one DATA buffer EncryptMessage seals in place. */
static SECURITY_STATUS sealed_buffers(PSecBufferDesc msg, SecBuffer **tok, SecBuffer **data)
{
    *tok = *data = NULL;
    for (ULONG i = 0; i < msg->cBuffers; i++) {
        SecBuffer *b = &msg->pBuffers[i];
        ULONG type = b->BufferType & ~SECBUFFER_ATTRMASK;
        if (type == SECBUFFER_TOKEN && *tok == NULL)
            *tok = b;
        else if (type == SECBUFFER_DATA && !(b->BufferType & SECBUFFER_ATTRMASK)) {
            if (*data != NULL)
                return shim_fail(SEC_E_INVALID_TOKEN,
                                 "the NTLM package seals one SECBUFFER_DATA buffer per message");
            *data = b;
        }
    }
    if (*tok == NULL || *data == NULL || (*tok)->pvBuffer == NULL ||
        ((*data)->cbBuffer > 0 && (*data)->pvBuffer == NULL))
        return shim_fail(SEC_E_INVALID_TOKEN, "EncryptMessage/DecryptMessage need a "
                                              "SECBUFFER_TOKEN and a SECBUFFER_DATA buffer");
    return SEC_E_OK;
}

/* Where the signature sits in the mechanism's gss_wrap token: first in
 * gss-ntlmssp's (as SSPI puts it), last in Heimdal's
 * (lib/gssapi/ntlm/crypto.c). */
#ifdef SSPI_SHIM_HEIMDAL
#define SIGNATURE_FIRST 0
#else
#define SIGNATURE_FIRST 1
#endif

static SECURITY_STATUS ntlm_encrypt(struct shim_context *ctx, ULONG qop, PSecBufferDesc msg,
                                    bool *handled)
{
    *handled = true;
    if (qop != 0)
        return SEC_E_QOP_NOT_SUPPORTED;
    SecBuffer *tok, *data;
    SECURITY_STATUS st = sealed_buffers(msg, &tok, &data);
    if (st != SEC_E_OK)
        return st;
    if (tok->cbBuffer < NTLM_SIGNATURE_SIZE)
        return shim_fail(SEC_E_BUFFER_TOO_SMALL, "the TOKEN buffer needs %d bytes",
                         NTLM_SIGNATURE_SIZE);
    gss_buffer_desc in = {data->cbBuffer, data->pvBuffer}, out = GSS_C_EMPTY_BUFFER;
    int conf = 0;
    OM_uint32 minor, major = gss_wrap(&minor, ctx->gss, 1, GSS_C_QOP_DEFAULT, &in, &conf, &out);
    if (GSS_ERROR(major))
        return shim_gss_status("gss_wrap", major, minor, &shim_oid_ntlm);
    if (out.length != (size_t)data->cbBuffer + NTLM_SIGNATURE_SIZE) {
        gss_release_buffer(&minor, &out);
        return shim_fail(SEC_E_INTERNAL_ERROR, "unexpected NTLM wrap token length");
    }
    const unsigned char *w = out.value;
    const unsigned char *sig = SIGNATURE_FIRST ? w : w + data->cbBuffer;
    const unsigned char *sealed = SIGNATURE_FIRST ? w + NTLM_SIGNATURE_SIZE : w;
    memcpy(tok->pvBuffer, sig, NTLM_SIGNATURE_SIZE);
    tok->cbBuffer = NTLM_SIGNATURE_SIZE;
    if (data->cbBuffer > 0)
        memcpy(data->pvBuffer, sealed, data->cbBuffer);
    gss_release_buffer(&minor, &out);
    return SEC_E_OK;
}

static SECURITY_STATUS ntlm_decrypt(struct shim_context *ctx, PSecBufferDesc msg, ULONG *qop,
                                    bool *handled)
{
    *handled = true;
    SecBuffer *tok, *data;
    SECURITY_STATUS st = sealed_buffers(msg, &tok, &data);
    if (st != SEC_E_OK)
        return st;
    if (tok->cbBuffer < NTLM_SIGNATURE_SIZE)
        return shim_fail(SEC_E_INVALID_TOKEN, "the TOKEN buffer holds no 16-byte signature");
    size_t n = data->cbBuffer;
    gss_buffer_desc in = {n + NTLM_SIGNATURE_SIZE, malloc(n + NTLM_SIGNATURE_SIZE)};
    gss_buffer_desc out = GSS_C_EMPTY_BUFFER;
    if (in.value == NULL)
        return SEC_E_INSUFFICIENT_MEMORY;
    unsigned char *w = in.value;
    memcpy(SIGNATURE_FIRST ? w : w + n, tok->pvBuffer, NTLM_SIGNATURE_SIZE);
    if (n > 0)
        memcpy(SIGNATURE_FIRST ? w + NTLM_SIGNATURE_SIZE : w, data->pvBuffer, n);
    int conf = 0;
    OM_uint32 minor, major = gss_unwrap(&minor, ctx->gss, &in, &out, &conf, NULL);
    free(in.value);
    if (GSS_ERROR(major) || (major & (GSS_S_DUPLICATE_TOKEN | GSS_S_OLD_TOKEN |
                                      GSS_S_UNSEQ_TOKEN | GSS_S_GAP_TOKEN))) {
        gss_release_buffer(&minor, &out);
        return shim_gss_status("gss_unwrap", major, minor, &shim_oid_ntlm);
    }
    if (out.length != n) {
        gss_release_buffer(&minor, &out);
        return shim_fail(SEC_E_INTERNAL_ERROR, "unexpected NTLM unwrap length");
    }
    if (n > 0)
        memcpy(data->pvBuffer, out.value, n);
    explicit_bzero(out.value, out.length);
    gss_release_buffer(&minor, &out);
    if (qop != NULL)
        *qop = 0;
    return SEC_E_OK;
}

const struct shim_package_ops shim_ntlm_ops = {
    .never_mutual = true,
    .acquire = ntlm_acquire,
    .accept_status = ntlm_accept_status,
    .query = ntlm_query,
    .make_signature = ntlm_make_signature,
    .verify_signature = ntlm_verify_signature,
    .encrypt = ntlm_encrypt,
    .decrypt = ntlm_decrypt,
};
