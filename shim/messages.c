/*
 * MakeSignature, VerifySignature, EncryptMessage, DecryptMessage for the
 * Kerberos and Negotiate packages: RFC 4121 tokens (and the RFC 1964 /
 * RFC 4757 ones of older enctypes) made and checked by the GSS library,
 * laid out in the caller's SecBuffers as Windows lays them out.
 *
 * Buffer layout (EncryptMessage (Kerberos), DecryptMessage (Kerberos),
 * "SSPI/Kerberos Interoperability with GSSAPI"):
 *  - SECBUFFER_TOKEN gets the whole wrap token header.  Windows, and WinRM
 *    on the wire, send TOKEN then DATA with the RFC 4121 trailer rotated
 *    into the header (RFC 4121 4.2.5, "RRC"), so the shim hands the GSS
 *    library a HEADER buffer and no TRAILER buffer: the library then sets
 *    RRC itself (for AES: a 60-byte token, RRC 28).
 *  - SECBUFFER_DATA buffers are encrypted in place (gss_wrap_iov DATA);
 *    DATA buffers marked SECBUFFER_READONLY or
 *    SECBUFFER_READONLY_WITH_CHECKSUM are signed but left as they are
 *    (GSS_IOV_BUFFER_TYPE_SIGN_ONLY), as DCE RPC uses them for its headers.
 *  - SECBUFFER_PADDING is optional (WinRM sends TOKEN + DATA only); RFC
 *    4121 enctypes need none (EC, RFC 4121 4.2.3), so it comes back empty.
 *  - DecryptMessage also takes one SECBUFFER_STREAM holding a whole wrap
 *    token plus an empty SECBUFFER_DATA, which on return points into the
 *    stream at the plaintext.  The stream is split here into HEADER, DATA
 *    and TRAILER (Heimdal 7.8's krb5 mechanism has no STREAM support), so
 *    a token from gss_wrap with any RRC (MIT: 0, Heimdal and Windows: 28)
 *    is decrypted in place.
 *  - fQOP SECQOP_WRAP_NO_ENCRYPT: a wrap token without confidentiality
 *    (conf_req_flag 0), reported back by DecryptMessage through pfQOP.
 *
 * No copy of the payload is made on these paths, except MakeSignature /
 * VerifySignature over several DATA buffers with a GSS library that has
 * no gss_get_mic_iov (Heimdal 7.8): the MIC covers the buffers' bytes in
 * order (RFC 4121 4.2.6.1), so they are joined first.  (Heimdal's own
 * gss_get_mic/gss_verify_mic copy the message internally anyway.)
 *
 * MessageSeqNo: the Kerberos package takes caller sequence numbers only in
 * datagram contexts ("Datagram Contexts": "the security package allows the
 * caller to specify sequence information"); the shim has none
 * (ISC_REQ_DATAGRAM is refused), and in a connection context the package
 * numbers messages itself (RFC 4121 4.2.6 SND_SEQ), so the value is
 * ignored, as for a connection-oriented Windows context.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <krb5.h>
#ifdef SSPI_SHIM_HEIMDAL
#include <gssapi/gssapi_krb5.h>   /* gsskrb5_get_subkey */
#else
#include <gssapi/gssapi_ext.h>    /* MIT: the IOV calls, gss_get_mic_iov */
#endif

#include "framing.h"
#include "messages.h"
#include "sspi_shim.h"
#include "trace.h"

/* The most buffers shim_check_desc lets through, plus the ones added here. */
#define MAX_IOV (64 + 4)

/* RFC 4121 4.2.6.2: TOK_ID of a Wrap token; 4.2.6.1: of a MIC token. */
#define CFX_WRAP_ID0 0x05
#define CFX_WRAP_ID1 0x04
#define CFX_HEADER_LEN 16
/* RFC 4121 4.2.2 Flags. */
#define CFX_FLAG_SEALED 0x02

/* 1.2.840.113554.1.2.2.5.5: GSS_C_INQ_SSPI_SESSION_KEY (both libraries). */
static gss_OID_desc oid_inq_sspi_session_key =
    {11, (void *)"\x2a\x86\x48\x86\xf7\x12\x01\x02\x02\x05\x05"};
/* 1.2.840.113554.1.2.2.4: MIT appends the enctype to this as the second
 * element of the GSS_C_INQ_SSPI_SESSION_KEY answer. */
static const unsigned char oid_enctype_prefix[] =
    {0x2a, 0x86, 0x48, 0x86, 0xf7, 0x12, 0x01, 0x02, 0x02, 0x04};

/* The wire size a stream-style caller sizes one buffer for
 * (SECPKG_ATTR_STREAM_SIZES cbMaximumMessage).  RFC 4121 has no limit;
 * EncryptMessage takes larger messages too. */
#define STREAM_TOKEN_MAX 65536u
/* Data length used to measure the largest header: RFC 1964 tokens are
 * framed (RFC 2743 3.1) with a DER length that grows with the message. */
#define LARGE_MESSAGE 0x40000000u

/* ------------------------------------------------------------ status */

/* Appends "; text" (or "text") to buf. */
static void append(char *buf, size_t size, const char *text, size_t len)
{
    while (len > 0 && *text == ' ') {
        text++;
        len--;
    }
    size_t used = strlen(buf);
    if (len > 0 && used + 3 < size)
        snprintf(buf + used, size - used, "%s%.*s", used ? "; " : "", (int)len, text);
}

/*
 * What went wrong, for SspiShimLastErrorMessage(): the GSS library's text
 * for the routine error, the gss_map names of supplementary bits and krb5
 * codes (Heimdal's gss_display_status knows neither GSS_S_GAP_TOKEN nor
 * the krb5 codes of a mechanism context), else its own text.
 */
static void describe_status(char *buf, size_t size, OM_uint32 major, OM_uint32 minor,
                            gss_OID mech)
{
    OM_uint32 junk, more = 0;
    gss_buffer_desc text;
    if (GSS_ROUTINE_ERROR(major) != 0) {
        do {
            if (gss_display_status(&junk, GSS_ROUTINE_ERROR(major), GSS_C_GSS_CODE,
                                   GSS_C_NO_OID, &more, &text) != GSS_S_COMPLETE)
                break;
            append(buf, size, text.value, text.length);
            gss_release_buffer(&junk, &text);
        } while (more != 0);
    }
    for (size_t i = 0; i < gssmap_supplementary_row_count; i++)
        if (major & gssmap_supplementary_rows[i].routine_error)
            append(buf, size, gssmap_supplementary_rows[i].gss_name,
                   strlen(gssmap_supplementary_rows[i].gss_name));
    if (minor == 0)
        return;
    for (size_t i = 0; i < gssmap_krb5_minor_row_count; i++)
        if ((OM_uint32)gssmap_krb5_minor_rows[i].krb5_code == minor) {
            append(buf, size, gssmap_krb5_minor_rows[i].krb5_name,
                   strlen(gssmap_krb5_minor_rows[i].krb5_name));
            return;
        }
    more = 0;
    if (gss_display_status(&junk, minor, GSS_C_MECH_CODE, mech, &more, &text) == GSS_S_COMPLETE) {
        if (text.length < 7 || memcmp(text.value, "unknown", 7) != 0)
            append(buf, size, text.value, text.length);
        gss_release_buffer(&junk, &text);
    }
}

/*
 * GSS status of a per-message call -> what VerifySignature/DecryptMessage
 * (Kerberos) return.  On top of the gss_map table:
 *  - a checksum or decryption that fails is SEC_E_MESSAGE_ALTERED whatever
 *    the library says: GSS_S_BAD_SIG (MIT, Heimdal's MIC) or GSS_S_FAILURE
 *    with KRB5KRB_AP_ERR_BAD_INTEGRITY (Heimdal's unwrap), which the table
 *    alone reads as a wrong password;
 *  - replay and sequence trouble (RFC 2743 1.2.3 supplementary codes) is
 *    SEC_E_OUT_OF_SEQUENCE, also when Heimdal 7.8's message-order check
 *    falls through to GSS_S_FAILURE with minor 0 (measured: a token that
 *    arrives late, between two it already saw out of order).
 */
static SECURITY_STATUS message_status(struct shim_context *ctx, const char *call,
                                      OM_uint32 major, OM_uint32 minor)
{
#ifdef SSPI_SHIM_HEIMDAL
    /* Without mutual authentication there is no AP-REP, and RFC 4121
     * 4.2.6 (after RFC 1964 1.2.1.2) has the acceptor number its messages
     * from the initiator's own sequence start, as Heimdal's acceptor and
     * Windows do; but Heimdal 7.8's initiator then expects 0
     * (gsskrb5_initiator_ready takes the remote number of an auth context
     * no AP-REP ever set; MIT sets it to its own start), so the acceptor's
     * first message is a "gap" and VerifySignature/DecryptMessage would
     * say SEC_E_OUT_OF_SEQUENCE to every such client (measured:
     * check_messages messages_both_ways_without_mutual_auth).  The first
     * message it checks is authentic (the gap is a supplementary bit on
     * GSS_S_COMPLETE), and Heimdal counts on from it, so the order of all
     * later messages is still checked. */
    if (!ctx->peer_message_seen) {
        ctx->peer_message_seen = true;
        if (major == GSS_S_GAP_TOKEN && ctx->initiator && !(ctx->gss_flags & GSS_C_MUTUAL_FLAG))
            return SEC_E_OK;
    }
#endif
    if (major == GSS_S_COMPLETE)
        return SEC_E_OK;
    OM_uint32 routine = GSS_ROUTINE_ERROR(major);
    SECURITY_STATUS st;
    if (routine == GSS_S_BAD_SIG ||
        (routine == GSS_S_FAILURE && minor == (OM_uint32)KRB5KRB_AP_ERR_BAD_INTEGRITY))
        st = SEC_E_MESSAGE_ALTERED;
    else if (routine == GSS_S_FAILURE && minor == 0 &&
             (ctx->gss_flags & (GSS_C_REPLAY_FLAG | GSS_C_SEQUENCE_FLAG)))
        st = SEC_E_OUT_OF_SEQUENCE;
    else
        st = gssmap_status(major, minor);
    if (st == SEC_E_OK)
        return st;
    char text[300] = "";
    describe_status(text, sizeof(text), major, minor, ctx->actual_mech);
    if (st == SEC_E_OUT_OF_SEQUENCE && routine == GSS_S_FAILURE)
        append(text, sizeof(text), "a late token between two seen out of order",
               strlen("a late token between two seen out of order"));
    return shim_fail(st, "%s: %s [GSS major 0x%08X, minor %d]", call, text[0] ? text : "failed",
                     (unsigned)major, (int)minor);
}

/* ------------------------------------------------------------ context */

/* The context of a message call: live, established, not failed.  Before
 * establishment it has no keys to protect messages with, and the handle
 * names no usable context: SEC_E_INVALID_HANDLE, as the context
 * attributes that need keys answer (SIZES, SESSION_KEY, ...). */
static SECURITY_STATUS message_context(PCtxtHandle phContext, struct shim_context **out)
{
    struct shim_context *ctx = shim_handle_get(phContext, SHIM_HANDLE_CONTEXT);
    if (ctx == NULL)
        return SEC_E_INVALID_HANDLE;
    if (!ctx->established || ctx->gss == GSS_C_NO_CONTEXT || ctx->failed != SEC_E_OK)
        return shim_fail(SEC_E_INVALID_HANDLE, "the security context is not established");
    *out = ctx;
    return SEC_E_OK;
}

/* ------------------------------------------------------------ session key */

/* The last arc of a base-128 OID tail. */
static int32_t decode_enctype(const unsigned char *p, size_t n)
{
    uint32_t v = 0;
    for (size_t i = 0; i < n && i < 5; i++)
        v = (v << 7) | (p[i] & 0x7f);
    return (int32_t)v;
}

/* The enctype of the key in `set` (its second element, MIT), else, on
 * Heimdal, of the token key gsskrb5_get_subkey gives; 0 when unknown. */
static int32_t session_key_enctype(struct shim_context *ctx, gss_buffer_set_t set)
{
    int32_t enctype = 0;
    if (set->count >= 2 && set->elements[1].length > sizeof(oid_enctype_prefix) &&
        memcmp(set->elements[1].value, oid_enctype_prefix, sizeof(oid_enctype_prefix)) == 0)
        enctype = decode_enctype((unsigned char *)set->elements[1].value +
                                     sizeof(oid_enctype_prefix),
                                 set->elements[1].length - sizeof(oid_enctype_prefix));
#ifdef SSPI_SHIM_HEIMDAL
    /* The mechanism the context runs; the package's when the GSS library
     * named none (Negotiate: SPNEGO, which only Kerberos runs here). */
    const gss_OID_desc *mech = ctx->actual_mech != GSS_C_NO_OID ? ctx->actual_mech
                                                                : ctx->pkg->mech;
    bool kerberos = shim_oid_equal(mech, &shim_oid_krb5) ||
                    shim_oid_equal(mech, &shim_oid_krb5_ms) ||
                    (ctx->actual_mech == GSS_C_NO_OID && mech == &shim_oid_spnego);
    if (enctype == 0 && kerberos) {
        /* Heimdal 7.8 returns the key only; its enctype comes with the
         * same key from gsskrb5_get_subkey (the token key).  Only for a
         * Kerberos context: on any other (WDigest, NTLM) it fails, and
         * Heimdal's gsskrb5_extract_key then returns without freeing its
         * krb5_context (376 bytes a call). */
        krb5_keyblock *kb = NULL;
        krb5_context k;
        OM_uint32 minor;
        if (gsskrb5_get_subkey(&minor, ctx->gss, &kb) == GSS_S_COMPLETE && kb != NULL) {
            enctype = (int32_t)kb->keytype;
            if (krb5_init_context(&k) == 0) {
                krb5_free_keyblock(k, kb);
                krb5_free_context(k);
            } else {
                explicit_bzero(kb->keyvalue.data, kb->keyvalue.length);
                free(kb->keyvalue.data);
                free(kb);
            }
        }
    }
#else
    (void)ctx;
#endif
    return enctype;
}

SECURITY_STATUS shim_session_key(struct shim_context *ctx, unsigned char **key, size_t *key_len,
                                 int32_t *enctype)
{
    OM_uint32 major, minor;
    gss_buffer_set_t set = GSS_C_NO_BUFFER_SET;
    major = gss_inquire_sec_context_by_oid(&minor, ctx->gss, &oid_inq_sspi_session_key, &set);
    if (GSS_ERROR(major))
        return shim_gss_status("gss_inquire_sec_context_by_oid", major, minor, ctx->actual_mech);
    if (set == GSS_C_NO_BUFFER_SET || set->count < 1 || set->elements[0].length == 0) {
        gss_release_buffer_set(&minor, &set);
        return shim_fail(SEC_E_UNSUPPORTED_FUNCTION, "the GSS library gives no session key");
    }
    SECURITY_STATUS st = SEC_E_OK;
    if (enctype != NULL)
        *enctype = session_key_enctype(ctx, set);
    *key_len = set->elements[0].length;
    *key = malloc(*key_len);
    if (*key == NULL)
        st = SEC_E_INSUFFICIENT_MEMORY;
    else
        memcpy(*key, set->elements[0].value, *key_len);
    for (size_t i = 0; i < set->count; i++)
        explicit_bzero(set->elements[i].value, set->elements[i].length);
    gss_release_buffer_set(&minor, &set);
    return st;
}

/* ------------------------------------------------------------ sizes */

static bool is_rfc1964_enctype(int32_t enctype)
{
    /* des-cbc-crc, des-cbc-md4, des-cbc-md5, des3-cbc-sha1, arcfour-hmac,
     * arcfour-hmac-exp: the enctypes that keep RFC 1964 / RFC 4757 tokens
     * (RFC 4121 1: every other enctype uses RFC 4121 tokens). */
    return enctype == 1 || enctype == 2 || enctype == 3 || enctype == 16 || enctype == 23 ||
           enctype == 24;
}

static SECURITY_STATUS iov_length(struct shim_context *ctx, int conf, gss_iov_buffer_desc *iov,
                                  int count)
{
    OM_uint32 minor, major;
    major = gss_wrap_iov_length(&minor, ctx->gss, conf, GSS_C_QOP_DEFAULT, NULL, iov, count);
    if (GSS_ERROR(major))
        return shim_gss_status("gss_wrap_iov_length", major, minor, ctx->actual_mech);
    return SEC_E_OK;
}

/* The MIC token size, without making one (that would use up a sequence
 * number the peer then misses). */
static SECURITY_STATUS mic_size(struct shim_context *ctx, ULONG *out)
{
    /* RFC 1964 1.2.1 / RFC 4757 7.2: the MIC token of these enctypes has a
     * fixed layout: the RFC 2743 3.1 framing with the krb5 OID (13 bytes
     * before TOK_ID), an 8-byte header, SND_SEQ (8) and SGN_CKSUM (8; 20
     * for des3-cbc-sha1).  Computed, because library length functions
     * disagree here (MIT 1.20 reports 45 for RC4, whose MIC is 37). */
    {
        unsigned char *key = NULL;
        size_t key_len = 0;
        int32_t enctype = 0;
        if (shim_session_key(ctx, &key, &key_len, &enctype) == SEC_E_OK &&
            is_rfc1964_enctype(enctype)) {
            explicit_bzero(key, key_len);
            free(key);
            *out = 13 + 8 + 8 + (enctype == 16 ? 20 : 8);
            return SEC_E_OK;
        }
        if (key != NULL) {
            explicit_bzero(key, key_len);
            free(key);
        }
    }
#ifdef GSS_IOV_BUFFER_TYPE_MIC_TOKEN
    {
        OM_uint32 major, minor;
        gss_iov_buffer_desc iov[2] = {
            {GSS_IOV_BUFFER_TYPE_DATA, {0, NULL}},
            {GSS_IOV_BUFFER_TYPE_MIC_TOKEN, {0, NULL}},
        };
        major = gss_get_mic_iov_length(&minor, ctx->gss, GSS_C_QOP_DEFAULT, iov, 2);
        if (!GSS_ERROR(major)) {
            *out = (ULONG)iov[1].buffer.length;
            return SEC_E_OK;
        }
    }
#endif
    /* RFC 4121 4.2.6.1: a MIC token is the 16-byte header and the checksum,
     * the same checksum an integrity-only Wrap token carries as its trailer
     * (4.2.4); only RFC 4121 tokens have such a trailer. */
    gss_iov_buffer_desc iov[3] = {
        {GSS_IOV_BUFFER_TYPE_HEADER, {0, NULL}},
        {GSS_IOV_BUFFER_TYPE_DATA, {0, NULL}},
        {GSS_IOV_BUFFER_TYPE_TRAILER, {0, NULL}},
    };
    OM_uint32 major, minor;
    major = gss_wrap_iov_length(&minor, ctx->gss, 0, GSS_C_QOP_DEFAULT, NULL, iov, 3);
    if (!GSS_ERROR(major) && iov[2].buffer.length > 0) {
        *out = (ULONG)(iov[0].buffer.length + iov[2].buffer.length);
        return SEC_E_OK;
    }
    unsigned char *key = NULL;
    size_t key_len = 0;
    int32_t enctype = 0;
    SECURITY_STATUS st = shim_session_key(ctx, &key, &key_len, &enctype);
    if (key != NULL) {
        explicit_bzero(key, key_len);
        free(key);
    }
    if (st != SEC_E_OK)
        return st;
    if (!is_rfc1964_enctype(enctype))
        return shim_fail(SEC_E_ALGORITHM_MISMATCH, "cannot size a MIC token for enctype %d",
                         (int)enctype);
    /* RFC 1964 1.2.1 / RFC 4757 7.2: RFC 2743 3.1 framing (0x60, length,
     * 0x06 0x09 and the 9-byte krb5 OID: 13 bytes), TOK_ID, SGN_ALG,
     * Filler (8 bytes), SND_SEQ (8), SGN_CKSUM: 8 bytes, 20 for des3. */
    *out = 13 + 16 + (enctype == 16 ? 20 : 8);
    return SEC_E_OK;
}

/* Header (the TOKEN, trailer rotated in) and padding for `data` bytes. */
static SECURITY_STATUS wrap_lengths(struct shim_context *ctx, int conf, size_t data,
                                    size_t *header, size_t *padding)
{
    gss_iov_buffer_desc iov[3] = {
        {GSS_IOV_BUFFER_TYPE_HEADER, {0, NULL}},
        {GSS_IOV_BUFFER_TYPE_DATA, {data, NULL}},
        {GSS_IOV_BUFFER_TYPE_PADDING, {0, NULL}},
    };
    SECURITY_STATUS st = iov_length(ctx, conf, iov, 3);
    if (st == SEC_E_OK) {
        *header = iov[0].buffer.length;
        *padding = iov[2].buffer.length;
    }
    return st;
}

/*
 * RFC 4121 wrap tokens have the same header, trailer and (no) padding for
 * every message, so they are measured once per context; a context whose
 * sizes vary (RFC 1964 / RFC 4757 enctypes) keeps asking the library.
 * Returns whether the cached sizes apply.  With the context's lock held.
 */
static bool cfx_constant_sizes(struct shim_context *ctx)
{
    if (ctx->cfx_sizes_known)
        return ctx->cfx_sizes_constant;
    ctx->cfx_sizes_known = true;
    ctx->cfx_sizes_constant = false;
    size_t h[2][2], pad[2][2];
    for (int conf = 0; conf < 2; conf++)
        for (int k = 0; k < 2; k++)
            if (wrap_lengths(ctx, conf, k ? 4093 : 1, &h[conf][k], &pad[conf][k]) != SEC_E_OK)
                return false;
    for (int conf = 0; conf < 2; conf++)
        if (h[conf][0] != h[conf][1] || pad[conf][0] != 0 || pad[conf][1] != 0 ||
            h[conf][0] > UINT16_MAX)
            return false;
    gss_iov_buffer_desc iov[3] = {
        {GSS_IOV_BUFFER_TYPE_HEADER, {0, NULL}},
        {GSS_IOV_BUFFER_TYPE_DATA, {0, NULL}},
        {GSS_IOV_BUFFER_TYPE_TRAILER, {0, NULL}},
    };
    if (iov_length(ctx, 1, iov, 3) != SEC_E_OK || iov[0].buffer.length > UINT16_MAX ||
        iov[2].buffer.length > UINT16_MAX)
        return false;
    ctx->cfx_header[0] = (uint16_t)h[0][0];
    ctx->cfx_header[1] = (uint16_t)h[1][0];
    ctx->cfx_sealed_header = (uint16_t)iov[0].buffer.length;
    ctx->cfx_sealed_trailer = (uint16_t)iov[2].buffer.length;
    ctx->cfx_sizes_constant = true;
    return true;
}

static SECURITY_STATUS compute_sizes(struct shim_context *ctx, SecPkgContext_Sizes *s)
{
    SECURITY_STATUS st;
    size_t header, pad1, pad2, unused;
    memset(s, 0, sizeof(*s));
    s->cbMaxToken = ctx->pkg->max_token;
    if ((st = mic_size(ctx, &s->cbMaxSignature)) != SEC_E_OK)
        return st;
    /* The largest header any message gets (RFC 1964 framing grows with
     * the message; RFC 4121 headers do not). */
    if ((st = wrap_lengths(ctx, 1, LARGE_MESSAGE, &header, &unused)) != SEC_E_OK)
        return st;
    s->cbSecurityTrailer = (ULONG)header;
    /* A block cipher pads 1 byte to a block and 2 bytes to one byte less;
     * RFC 4121 enctypes pad nothing (EC), RC4 always exactly one byte. */
    if ((st = wrap_lengths(ctx, 1, 1, &unused, &pad1)) != SEC_E_OK ||
        (st = wrap_lengths(ctx, 1, 2, &unused, &pad2)) != SEC_E_OK)
        return st;
    s->cbBlockSize = (pad1 > 0 && pad2 + 1 == pad1) ? (ULONG)pad1 + 1 : 1;
    return SEC_E_OK;
}

/*
 * One lock per stripe of contexts: message calls on one context are
 * serialized.  The pages allow EncryptMessage and DecryptMessage "at the
 * same time from two different threads in a single SSPI context"; Heimdal
 * 7.8 does not: its krb5_crypto adds each derived key (one per key usage,
 * so the first encryption and the first decryption each add one) to an
 * array it reallocates without a lock (lib/krb5/crypto.c, measured with
 * helgrind: krb5_encrypt_iov_ivec against krb5_decrypt_iov_ivec).  Striped
 * by context address, so separate contexts almost never wait on each
 * other and there is no global bottleneck.
 */
#define CONTEXT_STRIPES 128
static pthread_mutex_t stripes[CONTEXT_STRIPES] = {
    [0 ... CONTEXT_STRIPES - 1] = PTHREAD_MUTEX_INITIALIZER,
};

static pthread_mutex_t *context_lock(const struct shim_context *ctx)
{
    uintptr_t h = (uintptr_t)ctx;
    h ^= h >> 12;
    return &stripes[(h >> 4) % CONTEXT_STRIPES];
}

/* With the context's lock held. */
static SECURITY_STATUS message_sizes(struct shim_context *ctx, SecPkgContext_Sizes *out)
{
    if (!ctx->sizes_known) {
        SecPkgContext_Sizes s;
        SECURITY_STATUS st = compute_sizes(ctx, &s);
        if (st != SEC_E_OK)
            return st;
        ctx->sizes = s;
        ctx->sizes_known = true;
    }
    *out = ctx->sizes;
    return SEC_E_OK;
}

SECURITY_STATUS shim_message_sizes(struct shim_context *ctx, SecPkgContext_Sizes *out)
{
    pthread_mutex_t *lock = context_lock(ctx);
    pthread_mutex_lock(lock);
    SECURITY_STATUS st = message_sizes(ctx, out);
    pthread_mutex_unlock(lock);
    return st;
}

SECURITY_STATUS shim_message_stream_sizes(struct shim_context *ctx, SecPkgContext_StreamSizes *out)
{
    SecPkgContext_Sizes s;
    pthread_mutex_t *lock = context_lock(ctx);
    pthread_mutex_lock(lock);
    SECURITY_STATUS st = message_sizes(ctx, &s);
    OM_uint32 major = GSS_S_COMPLETE, minor = 0, max_input = 0;
    ULONG trailer = s.cbBlockSize - 1;
    if (st == SEC_E_OK)
        major = gss_wrap_size_limit(&minor, ctx->gss, 1, GSS_C_QOP_DEFAULT,
                                    STREAM_TOKEN_MAX - trailer, &max_input);
    pthread_mutex_unlock(lock);
    if (st != SEC_E_OK)
        return st;
    if (GSS_ERROR(major))
        return shim_gss_status("gss_wrap_size_limit", major, minor, ctx->actual_mech);
    /* gss_wrap_size_limit counts the largest header; one whole token of
     * cbHeader + cbMaximumMessage + cbTrailer bytes stays within the bound. */
    if (max_input + s.cbSecurityTrailer + trailer > STREAM_TOKEN_MAX)
        max_input = STREAM_TOKEN_MAX - s.cbSecurityTrailer - trailer;
    out->cbHeader = s.cbSecurityTrailer;      /* SECBUFFER_TOKEN, sent first */
    out->cbTrailer = trailer;                 /* SECBUFFER_PADDING, sent last */
    out->cbMaximumMessage = max_input;
    out->cBuffers = 3;                        /* TOKEN, DATA, PADDING */
    out->cbBlockSize = s.cbBlockSize;
    return SEC_E_OK;
}

/* ------------------------------------------------------------ buffers */

struct message {
    SecBuffer *token, *padding, *stream;
    SecBuffer *data_out;        /* first DATA that is not read-only */
    unsigned data_count;        /* DATA buffers, read-only or not */
};

static bool read_only(const SecBuffer *b)
{
    return (b->BufferType & (SECBUFFER_READONLY | SECBUFFER_READONLY_WITH_CHECKSUM)) != 0;
}

static ULONG base_type(const SecBuffer *b)
{
    return b->BufferType & ~SECBUFFER_ATTRMASK;
}

/* Sorts the caller's buffers; the first TOKEN, PADDING and STREAM count,
 * other types (EMPTY, PKG_PARAMS, ...) are ignored as on Windows. */
static SECURITY_STATUS scan_message(PSecBufferDesc desc, struct message *m)
{
    memset(m, 0, sizeof(*m));
    if (desc == NULL)
        return shim_fail(SEC_E_INVALID_TOKEN, "no message buffers");
    SECURITY_STATUS st = shim_check_desc(desc);
    if (st != SEC_E_OK)
        return shim_fail(st, "malformed SecBufferDesc");
    for (ULONG i = 0; i < desc->cBuffers; i++) {
        SecBuffer *b = &desc->pBuffers[i];
        switch (base_type(b)) {
        case SECBUFFER_TOKEN:
            if (m->token == NULL)
                m->token = b;
            break;
        case SECBUFFER_PADDING:
            if (m->padding == NULL)
                m->padding = b;
            break;
        case SECBUFFER_STREAM:
            if (m->stream == NULL)
                m->stream = b;
            break;
        case SECBUFFER_DATA:
            if (b->cbBuffer > 0 && b->pvBuffer == NULL)
                return shim_fail(SEC_E_INVALID_TOKEN, "a SECBUFFER_DATA buffer has no memory");
            m->data_count++;
            if (m->data_out == NULL && !read_only(b))
                m->data_out = b;
            break;
        default:
            break;
        }
    }
    return SEC_E_OK;
}

static gss_buffer_desc gbuf(const SecBuffer *b)
{
    gss_buffer_desc g = {b->cbBuffer, b->pvBuffer};
    return g;
}

/*
 * The caller's DATA buffers in order: DATA, or SIGN_ONLY when read-only
 * (EncryptMessage (Kerberos): "the function does not process buffers with
 * the SECBUFFER_READONLY attribute"; they are still covered by the
 * checksum, as DCE RPC header signing needs).  `skip`, when set, is
 * replaced by `replacement` (the stream's plaintext).
 */
static int add_data(PSecBufferDesc desc, gss_iov_buffer_desc *iov, int n, const SecBuffer *skip,
                    const gss_iov_buffer_desc *replacement, gss_iov_buffer_desc **replaced)
{
    for (ULONG i = 0; i < desc->cBuffers; i++) {
        SecBuffer *b = &desc->pBuffers[i];
        if (base_type(b) != SECBUFFER_DATA)
            continue;
        if (b == skip) {
            iov[n] = *replacement;
            *replaced = &iov[n];
        } else {
            iov[n].type = read_only(b) ? GSS_IOV_BUFFER_TYPE_SIGN_ONLY : GSS_IOV_BUFFER_TYPE_DATA;
            iov[n].buffer = gbuf(b);
        }
        n++;
    }
    return n;
}

/* ------------------------------------------------------------ signatures */

/* The DATA buffers joined (for a GSS library without the IOV MIC calls). */
static SECURITY_STATUS join_data(PSecBufferDesc desc, gss_buffer_desc *out)
{
    size_t total = 0;
    for (ULONG i = 0; i < desc->cBuffers; i++)
        if (base_type(&desc->pBuffers[i]) == SECBUFFER_DATA)
            total += desc->pBuffers[i].cbBuffer;
    out->length = total;
    out->value = malloc(total > 0 ? total : 1);
    if (out->value == NULL)
        return SEC_E_INSUFFICIENT_MEMORY;
    unsigned char *p = out->value;
    for (ULONG i = 0; i < desc->cBuffers; i++) {
        SecBuffer *b = &desc->pBuffers[i];
        if (base_type(b) == SECBUFFER_DATA && b->cbBuffer > 0) {
            memcpy(p, b->pvBuffer, b->cbBuffer);
            p += b->cbBuffer;
        }
    }
    return SEC_E_OK;
}

static SECURITY_STATUS signature_buffers(struct shim_context *ctx, PSecBufferDesc pMessage,
                                         struct message *m)
{
    SECURITY_STATUS st;
    if ((st = scan_message(pMessage, m)) != SEC_E_OK)
        return st;
    /* MakeSignature/VerifySignature: "pMessage did not contain a valid
     * SECBUFFER_TOKEN buffer or contained too few buffers". */
    if (m->token == NULL)
        return shim_fail(SEC_E_INVALID_TOKEN, "no SECBUFFER_TOKEN buffer for the signature");
    if (m->data_count == 0)
        return shim_fail(SEC_E_INVALID_TOKEN, "no SECBUFFER_DATA buffer to sign");
    if (!(ctx->gss_flags & GSS_C_INTEG_FLAG))
        return shim_fail(SEC_E_QOP_NOT_SUPPORTED, "the context was not given integrity");
    return SEC_E_OK;
}

static SECURITY_STATUS make_signature(struct shim_context *ctx, ULONG fQOP,
                                      PSecBufferDesc pMessage)
{
    struct message m;
    SECURITY_STATUS st;

    if ((st = signature_buffers(ctx, pMessage, &m)) != SEC_E_OK)
        return st;
    if (fQOP != 0)
        return shim_fail(SEC_E_QOP_NOT_SUPPORTED, "MakeSignature takes no fQOP (0x%08X)",
                         (unsigned)fQOP);
    SecPkgContext_Sizes sizes;
    if ((st = message_sizes(ctx, &sizes)) != SEC_E_OK)
        return st;
    /* Checked before the MIC is made: making it uses up a sequence number. */
    if (m.token->pvBuffer == NULL || m.token->cbBuffer < sizes.cbMaxSignature)
        return shim_fail(SEC_E_BUFFER_TOO_SMALL,
                         "the SECBUFFER_TOKEN has %u bytes; a signature takes %u",
                         (unsigned)m.token->cbBuffer, (unsigned)sizes.cbMaxSignature);

    OM_uint32 major, minor;
#ifdef GSS_IOV_BUFFER_TYPE_MIC_TOKEN
    if (m.data_count > 1) {
        gss_iov_buffer_desc iov[MAX_IOV];
        gss_iov_buffer_desc *unused = NULL;
        int n = add_data(pMessage, iov, 0, NULL, NULL, &unused);
        for (int i = 0; i < n; i++)     /* a MIC covers them all alike */
            iov[i].type = GSS_IOV_BUFFER_TYPE_DATA;
        iov[n].type = GSS_IOV_BUFFER_TYPE_MIC_TOKEN;
        iov[n].buffer = gbuf(m.token);
        major = gss_get_mic_iov(&minor, ctx->gss, GSS_C_QOP_DEFAULT, iov, n + 1);
        if (GSS_ERROR(major))
            return shim_gss_status("gss_get_mic_iov", major, minor, ctx->actual_mech);
        m.token->cbBuffer = (ULONG)iov[n].buffer.length;
        return SEC_E_OK;
    }
#endif
    gss_buffer_desc data, mic = GSS_C_EMPTY_BUFFER;
    bool joined = m.data_count > 1;
    if (joined) {
        if ((st = join_data(pMessage, &data)) != SEC_E_OK)
            return st;
    } else {
        data = gbuf(shim_find_buffer(pMessage, SECBUFFER_DATA));
    }
    major = gss_get_mic(&minor, ctx->gss, GSS_C_QOP_DEFAULT, &data, &mic);
    if (joined)
        free(data.value);
    if (GSS_ERROR(major))
        return shim_gss_status("gss_get_mic", major, minor, ctx->actual_mech);
    if (mic.length > m.token->cbBuffer) {
        gss_release_buffer(&minor, &mic);
        return shim_fail(SEC_E_INTERNAL_ERROR, "the MIC is larger than its measured size");
    }
    memcpy(m.token->pvBuffer, mic.value, mic.length);
    m.token->cbBuffer = (ULONG)mic.length;
    gss_release_buffer(&minor, &mic);
    return SEC_E_OK;
}

static SECURITY_STATUS verify_signature(struct shim_context *ctx, PSecBufferDesc pMessage,
                                        ULONG *pfQOP)
{
    struct message m;
    SECURITY_STATUS st;

    if ((st = signature_buffers(ctx, pMessage, &m)) != SEC_E_OK)
        return st;
    if (m.token->cbBuffer > 0 && m.token->pvBuffer == NULL)
        return shim_fail(SEC_E_INVALID_TOKEN, "the SECBUFFER_TOKEN has no memory");

    OM_uint32 major, minor;
    gss_qop_t qop = GSS_C_QOP_DEFAULT;
    gss_buffer_desc token = gbuf(m.token);
#ifdef GSS_IOV_BUFFER_TYPE_MIC_TOKEN
    if (m.data_count > 1) {
        gss_iov_buffer_desc iov[MAX_IOV];
        gss_iov_buffer_desc *unused = NULL;
        int n = add_data(pMessage, iov, 0, NULL, NULL, &unused);
        for (int i = 0; i < n; i++)
            iov[i].type = GSS_IOV_BUFFER_TYPE_DATA;
        iov[n].type = GSS_IOV_BUFFER_TYPE_MIC_TOKEN;
        iov[n].buffer = token;
        major = gss_verify_mic_iov(&minor, ctx->gss, &qop, iov, n + 1);
        if ((st = message_status(ctx, "gss_verify_mic_iov", major, minor)) != SEC_E_OK)
            return st;
        if (pfQOP != NULL)
            *pfQOP = 0;
        return SEC_E_OK;
    }
#endif
    gss_buffer_desc data;
    bool joined = m.data_count > 1;
    if (joined) {
        if ((st = join_data(pMessage, &data)) != SEC_E_OK)
            return st;
    } else {
        data = gbuf(shim_find_buffer(pMessage, SECBUFFER_DATA));
    }
    major = gss_verify_mic(&minor, ctx->gss, &data, &token, &qop);
    if (joined)
        free(data.value);
    if ((st = message_status(ctx, "gss_verify_mic", major, minor)) != SEC_E_OK)
        return st;
    if (pfQOP != NULL)
        *pfQOP = 0;     /* Kerberos signatures have one quality of protection */
    return SEC_E_OK;
}

/* ------------------------------------------------------------ encryption */

static SECURITY_STATUS encrypt_message(struct shim_context *ctx, ULONG fQOP,
                                       PSecBufferDesc pMessage)
{
    struct message m;
    SECURITY_STATUS st;

    if ((st = scan_message(pMessage, &m)) != SEC_E_OK)
        return st;
    /* EncryptMessage (Kerberos): SEC_E_INVALID_TOKEN "No SECBUFFER_DATA
     * type buffer was found"; the token goes into SECBUFFER_TOKEN. */
    if (m.data_count == 0)
        return shim_fail(SEC_E_INVALID_TOKEN, "no SECBUFFER_DATA buffer to encrypt");
    if (m.token == NULL)
        return shim_fail(SEC_E_INVALID_TOKEN, "no SECBUFFER_TOKEN buffer for the wrap token");
    if (m.token->cbBuffer > 0 && m.token->pvBuffer == NULL)
        return shim_fail(SEC_E_INVALID_TOKEN, "the SECBUFFER_TOKEN has no memory");
    if (m.padding != NULL && m.padding->cbBuffer > 0 && m.padding->pvBuffer == NULL)
        return shim_fail(SEC_E_INVALID_TOKEN, "the SECBUFFER_PADDING has no memory");

    /* fQOP: 0, or SECQOP_WRAP_NO_ENCRYPT (= KERB_WRAP_NO_ENCRYPT) for a
     * token with integrity only (RFC 2743 2.3.3 conf_req_flag FALSE). */
    int conf_req;
    if (fQOP == 0)
        conf_req = 1;
    else if (fQOP == SECQOP_WRAP_NO_ENCRYPT)
        conf_req = 0;
    else
        return shim_fail(SEC_E_QOP_NOT_SUPPORTED, "fQOP 0x%08X is not supported", (unsigned)fQOP);
    /* SEC_E_QOP_NOT_SUPPORTED: "Neither confidentiality nor integrity are
     * supported by the security context." */
    if (!(ctx->gss_flags & GSS_C_INTEG_FLAG) ||
        (conf_req && !(ctx->gss_flags & GSS_C_CONF_FLAG)))
        return shim_fail(SEC_E_QOP_NOT_SUPPORTED, "the context was not given %s",
                         conf_req ? "confidentiality" : "integrity");

    gss_iov_buffer_desc iov[MAX_IOV];
    gss_iov_buffer_desc *unused = NULL;
    int n = 0;
    iov[n].type = GSS_IOV_BUFFER_TYPE_HEADER;
    iov[n].buffer.length = 0;
    iov[n].buffer.value = NULL;
    n++;
    n = add_data(pMessage, iov, n, NULL, NULL, &unused);
    /* Measured with a PADDING buffer even when the caller has none. */
    gss_iov_buffer_desc *pad = &iov[n++];
    pad->type = GSS_IOV_BUFFER_TYPE_PADDING;
    pad->buffer.length = 0;
    pad->buffer.value = NULL;
    /* No TRAILER buffer: the library rotates the trailer into the header
     * (RFC 4121 4.2.5), the layout Windows sends and expects. */

    /* Sized first: a wrap that fails for want of room would have used up
     * a sequence number. */
    OM_uint32 major, minor;
    if (cfx_constant_sizes(ctx)) {
        iov[0].buffer.length = ctx->cfx_header[conf_req ? 1 : 0];
        pad->buffer.length = 0;
    } else {
        major = gss_wrap_iov_length(&minor, ctx->gss, conf_req, GSS_C_QOP_DEFAULT, NULL, iov, n);
        if (GSS_ERROR(major))
            return shim_gss_status("gss_wrap_iov_length", major, minor, ctx->actual_mech);
    }
    if (m.padding == NULL) {
        /* RFC 4121 enctypes pad inside the token (EC): WinRM's TOKEN +
         * DATA works.  RC4 (RFC 4757 7.3) and DES tokens end with padding
         * that has to go somewhere: "applications that do not use SSL
         * must supply a SecBuffer of type SECBUFFER_PADDING"
         * (EncryptMessage (Kerberos)).  Without it Heimdal would leave the
         * padding out, a token other implementations misread. */
        if (pad->buffer.length > 0)
            return shim_fail(SEC_E_INVALID_TOKEN, "this context's enctype pads messages "
                             "(%zu bytes here): pass a SECBUFFER_PADDING buffer of cbBlockSize "
                             "bytes", (size_t)pad->buffer.length);
        n--;
        pad = NULL;
    }
    if (iov[0].buffer.length > m.token->cbBuffer)
        return shim_fail(SEC_E_BUFFER_TOO_SMALL,
                         "the SECBUFFER_TOKEN has %u bytes; the wrap token header takes %zu",
                         (unsigned)m.token->cbBuffer, (size_t)iov[0].buffer.length);
    if (pad != NULL && pad->buffer.length > m.padding->cbBuffer)
        return shim_fail(SEC_E_BUFFER_TOO_SMALL,
                         "the SECBUFFER_PADDING has %u bytes; the padding takes %zu",
                         (unsigned)m.padding->cbBuffer, (size_t)pad->buffer.length);
    iov[0].buffer.value = m.token->pvBuffer;
    if (pad != NULL)
        pad->buffer.value = m.padding->pvBuffer;

    int conf_state = 0;
    major = gss_wrap_iov(&minor, ctx->gss, conf_req, GSS_C_QOP_DEFAULT, &conf_state, iov, n);
    if (GSS_ERROR(major))
        return shim_gss_status("gss_wrap_iov", major, minor, ctx->actual_mech);
    m.token->cbBuffer = (ULONG)iov[0].buffer.length;
    if (pad != NULL)
        m.padding->cbBuffer = (ULONG)pad->buffer.length;
    return SEC_E_OK;
}

/* Rotates p[0..n) left by k in place (three reversals, no second buffer):
 * undoes the sender's right rotation by RRC (RFC 4121 4.2.5). */
static void reverse(unsigned char *p, size_t n)
{
    for (size_t i = 0, j = n; i + 1 < j; i++, j--) {
        unsigned char t = p[i];
        p[i] = p[j - 1];
        p[j - 1] = t;
    }
}

static void rotate_left(unsigned char *p, size_t n, size_t k)
{
    if (n == 0 || (k %= n) == 0)
        return;
    reverse(p, k);
    reverse(p + k, n - k);
    reverse(p, n);
}

/*
 * Where the pieces of an RFC 4121 Wrap token (4.2.6.2) lie, from its
 * header: *hlen bytes of GSS header and *tlen bytes of GSS trailer, the
 * data between them (before any rotation).
 */
static SECURITY_STATUS cfx_layout(struct shim_context *ctx, const unsigned char *p, size_t *hlen,
                                  size_t *tlen)
{
    size_t ec = ((size_t)p[4] << 8) | p[5];
    if (p[2] & CFX_FLAG_SEALED) {
        /* {header | E(confounder | data | EC filler | header) | checksum}:
         * the GSS header is 16 + the krb5 header, the GSS trailer EC + the
         * encrypted header copy + the krb5 trailer (RFC 4121 4.2.4). */
        if (cfx_constant_sizes(ctx)) {
            *hlen = ctx->cfx_sealed_header;
            *tlen = ec + ctx->cfx_sealed_trailer;
            return SEC_E_OK;
        }
        gss_iov_buffer_desc iov[3] = {
            {GSS_IOV_BUFFER_TYPE_HEADER, {0, NULL}},
            {GSS_IOV_BUFFER_TYPE_DATA, {0, NULL}},
            {GSS_IOV_BUFFER_TYPE_TRAILER, {0, NULL}},
        };
        SECURITY_STATUS st = iov_length(ctx, 1, iov, 3);
        if (st != SEC_E_OK)
            return st;
        *hlen = iov[0].buffer.length;
        *tlen = ec + iov[2].buffer.length;
    } else {
        /* {header | data | checksum}: EC is the checksum length (4.2.4). */
        *hlen = CFX_HEADER_LEN;
        *tlen = ec;
    }
    return SEC_E_OK;
}

/* The header and trailer both in the header, the trailer rotated there:
 * RRC = the trailer's length (RFC 4121 4.2.5), as Windows and Heimdal
 * send, and as the GSS libraries take a HEADER without a TRAILER. */
static bool cfx_rotated_into_header(const unsigned char *p, size_t tlen)
{
    size_t rrc = ((size_t)p[6] << 8) | p[7];
    return rrc == tlen;
}

/*
 * DecryptMessage with TOKEN + DATA: the TOKEN must hold exactly the
 * rotated header.  Checked here because Heimdal 7.8 records the token's
 * sequence number before it checks the lengths (lib/gssapi/krb5/cfx.c):
 * a malformed token would otherwise make the genuine one a "replay".
 */
static SECURITY_STATUS check_token_layout(struct shim_context *ctx, const SecBuffer *token)
{
    const unsigned char *p = token->pvBuffer;
    if (token->cbBuffer < CFX_HEADER_LEN)
        return shim_fail(SEC_E_INVALID_TOKEN, "the SECBUFFER_TOKEN holds %u bytes, less than "
                         "a wrap token header", (unsigned)token->cbBuffer);
    if (p[0] != CFX_WRAP_ID0 || p[1] != CFX_WRAP_ID1)
        return SEC_E_OK;    /* RFC 1964 tokens: the library checks them */
    size_t hlen, tlen;
    SECURITY_STATUS st = cfx_layout(ctx, p, &hlen, &tlen);
    if (st != SEC_E_OK)
        return st;
    if (!cfx_rotated_into_header(p, tlen) || token->cbBuffer != hlen + tlen)
        return shim_fail(SEC_E_INVALID_TOKEN,
                         "the SECBUFFER_TOKEN holds %u bytes with RRC %u; this wrap token "
                         "needs %zu bytes with RRC %zu (or pass it as a SECBUFFER_STREAM)",
                         (unsigned)token->cbBuffer, (unsigned)(p[6] << 8 | p[7]), hlen + tlen,
                         tlen);
    return SEC_E_OK;
}

/*
 * A whole RFC 4121 Wrap token (RFC 4121 4.2.6.2) in one buffer -> the
 * HEADER / DATA / TRAILER pieces the GSS library takes, in place.  Tokens
 * whose RRC the library takes as is (Windows and Heimdal: the trailer
 * rotated into the header; MIT's gss_wrap: RRC 0, the trailer last) need
 * no moves; any other RRC is undone in place first.
 */
static SECURITY_STATUS split_cfx(struct shim_context *ctx, unsigned char *p, size_t len,
                                 gss_iov_buffer_desc *header, gss_iov_buffer_desc *data,
                                 gss_iov_buffer_desc *trailer, bool *have_trailer)
{
    size_t rrc = ((size_t)p[6] << 8) | p[7];
    size_t hlen, tlen;
    SECURITY_STATUS st = cfx_layout(ctx, p, &hlen, &tlen);
    if (st != SEC_E_OK)
        return st;
    if (len < hlen + tlen)
        return shim_fail(SEC_E_INCOMPLETE_MESSAGE,
                         "the stream holds %zu bytes; the wrap token needs at least %zu", len,
                         hlen + tlen);
    if (cfx_rotated_into_header(p, tlen)) {
        /* The trailer rotated into the header (Windows, Heimdal). */
        header->buffer.value = p;
        header->buffer.length = hlen + tlen;
        data->buffer.value = p + hlen + tlen;
        data->buffer.length = len - hlen - tlen;
        *have_trailer = false;
        return SEC_E_OK;
    }
    if (rrc != 0) {
        rotate_left(p + CFX_HEADER_LEN, len - CFX_HEADER_LEN, rrc);
        p[6] = p[7] = 0;    /* RRC is outside the checksum (RFC 4121 4.2.4) */
    }
    header->buffer.value = p;
    header->buffer.length = hlen;
    data->buffer.value = p + hlen;
    data->buffer.length = len - hlen - tlen;
    trailer->buffer.value = p + len - tlen;
    trailer->buffer.length = tlen;
    *have_trailer = true;
    return SEC_E_OK;
}

/* Offset of the inner token of an RFC 2743 3.1 framed token, 0 when the
 * framing is not complete in len bytes (*incomplete) or is malformed. */
static size_t framed_inner(const unsigned char *p, size_t len, bool *incomplete)
{
    *incomplete = false;
    if (len < 2)
        return (*incomplete = true), 0;
    size_t pos = 1, outer;
    if (p[pos] < 0x80) {
        outer = p[pos++];
    } else {
        size_t nb = p[pos++] & 0x7f;
        if (nb == 0 || nb > 4)
            return 0;
        if (len < pos + nb)
            return (*incomplete = true), 0;
        outer = 0;
        for (size_t i = 0; i < nb; i++)
            outer = (outer << 8) | p[pos++];
    }
    if (outer > len - pos)
        return (*incomplete = true), 0;
    if (outer < len - pos)
        return 0;   /* bytes after the token */
    gss_OID_desc oid;
    if (gssmap_token_oid(p, len, &oid) != 1)
        return 0;
    return (size_t)((const unsigned char *)oid.elements - p) + oid.length;
}

/*
 * DecryptMessage with SECBUFFER_STREAM: one buffer holds the whole token;
 * the first writable SECBUFFER_DATA comes back pointing at the plaintext
 * inside it ("SSPI/Kerberos Interoperability with GSSAPI").
 */
static SECURITY_STATUS unwrap_stream(struct shim_context *ctx, PSecBufferDesc desc,
                                     struct message *m, int *conf_state)
{
    SecBuffer *stream = m->stream;
    if (m->data_out == NULL)
        return shim_fail(SEC_E_INVALID_TOKEN,
                         "SECBUFFER_STREAM needs a SECBUFFER_DATA buffer for the plaintext");
    if (stream->cbBuffer > 0 && stream->pvBuffer == NULL)
        return shim_fail(SEC_E_INVALID_TOKEN, "the SECBUFFER_STREAM has no memory");
    unsigned char *p = stream->pvBuffer;
    size_t len = stream->cbBuffer;
    if (len < CFX_HEADER_LEN)
        return shim_fail(SEC_E_INCOMPLETE_MESSAGE, "the stream holds %zu bytes; a token has "
                         "at least %d", len, CFX_HEADER_LEN);

    gss_iov_buffer_desc iov[MAX_IOV], header = {GSS_IOV_BUFFER_TYPE_HEADER, {0, NULL}},
                                      data = {GSS_IOV_BUFFER_TYPE_DATA, {0, NULL}},
                                      tail = {GSS_IOV_BUFFER_TYPE_TRAILER, {0, NULL}};
    gss_iov_buffer_desc *plain = NULL;
    bool have_tail = false;
    SECURITY_STATUS st;
    int n = 0;

    if (p[0] == CFX_WRAP_ID0 && p[1] == CFX_WRAP_ID1) {
        if ((st = split_cfx(ctx, p, len, &header, &data, &tail, &have_tail)) != SEC_E_OK)
            return st;
    } else if (p[0] == 0x60) {
        /* An RFC 1964 / RFC 4757 token (DES, DES3, RC4 session keys). */
        bool incomplete;
        size_t inner = framed_inner(p, len, &incomplete);
        if (incomplete)
            return shim_fail(SEC_E_INCOMPLETE_MESSAGE, "the stream holds part of a token");
        if (inner == 0)
            return shim_fail(SEC_E_INVALID_TOKEN, "the stream does not hold one wrap token");
#ifdef SSPI_SHIM_HEIMDAL
        /* RFC 4757 7.3: TOK_ID 02 01, SGN_ALG 11 00 (HMAC MD5), SEAL_ALG,
         * Filler, SND_SEQ (8), SGN_CKSUM (8), Confounder (8): 32 bytes,
         * then the data and one byte of padding.  Heimdal 7.8 has IOV
         * calls for these RC4 tokens only, not for DES. */
        if (len < inner + 32 + 1 || p[inner] != 0x02 || p[inner + 1] != 0x01 ||
            p[inner + 2] != 0x11 || p[inner + 3] != 0x00)
            return shim_fail(SEC_E_UNSUPPORTED_FUNCTION,
                             "this GSS library cannot decrypt a stream holding a DES token");
        header.buffer.value = p;
        header.buffer.length = inner + 32;
        data.buffer.value = p + inner + 32;
        data.buffer.length = len - inner - 32 - 1;
        tail.type = GSS_IOV_BUFFER_TYPE_PADDING;
        tail.buffer.value = p + len - 1;
        tail.buffer.length = 1;
        have_tail = true;
#else
        /* MIT splits these itself (and knows their padding only after
         * decryption). */
        gss_iov_buffer_desc whole = {GSS_IOV_BUFFER_TYPE_STREAM, {len, p}};
        gss_iov_buffer_desc out = {GSS_IOV_BUFFER_TYPE_DATA, {0, NULL}};
        iov[n++] = whole;
        n = add_data(desc, iov, n, m->data_out, &out, &plain);
        OM_uint32 major, minor;
        gss_qop_t qop;
        major = gss_unwrap_iov(&minor, ctx->gss, conf_state, &qop, iov, n);
        if ((st = message_status(ctx, "gss_unwrap_iov", major, minor)) != SEC_E_OK)
            return st;
        m->data_out->pvBuffer = plain->buffer.value;
        m->data_out->cbBuffer = (ULONG)plain->buffer.length;
        return SEC_E_OK;
#endif
    } else {
        return shim_fail(SEC_E_INVALID_TOKEN, "the stream does not start with a wrap token");
    }

    iov[n++] = header;
    n = add_data(desc, iov, n, m->data_out, &data, &plain);
    if (have_tail)
        iov[n++] = tail;
    OM_uint32 major, minor;
    gss_qop_t qop;
    major = gss_unwrap_iov(&minor, ctx->gss, conf_state, &qop, iov, n);
    if ((st = message_status(ctx, "gss_unwrap_iov", major, minor)) != SEC_E_OK)
        return st;
    m->data_out->pvBuffer = plain->buffer.value;
    m->data_out->cbBuffer = (ULONG)plain->buffer.length;
    return SEC_E_OK;
}

static SECURITY_STATUS decrypt_message(struct shim_context *ctx, PSecBufferDesc pMessage,
                                       ULONG *pfQOP)
{
    struct message m;
    SECURITY_STATUS st;
    int conf_state = 1;

    if ((st = scan_message(pMessage, &m)) != SEC_E_OK)
        return st;
    if (m.stream != NULL) {
        st = unwrap_stream(ctx, pMessage, &m, &conf_state);
    } else {
        if (m.data_count == 0)
            return shim_fail(SEC_E_INVALID_TOKEN, "no SECBUFFER_DATA buffer to decrypt");
        if (m.token == NULL)
            return shim_fail(SEC_E_INVALID_TOKEN, "no SECBUFFER_TOKEN (or SECBUFFER_STREAM) "
                             "buffer holding the wrap token");
        if (m.token->cbBuffer > 0 && m.token->pvBuffer == NULL)
            return shim_fail(SEC_E_INVALID_TOKEN, "the SECBUFFER_TOKEN has no memory");
        if ((st = check_token_layout(ctx, m.token)) != SEC_E_OK)
            return st;
        gss_iov_buffer_desc iov[MAX_IOV];
        gss_iov_buffer_desc *unused = NULL;
        int n = 0;
        iov[n].type = GSS_IOV_BUFFER_TYPE_HEADER;
        iov[n].buffer = gbuf(m.token);
        n++;
        n = add_data(pMessage, iov, n, NULL, NULL, &unused);
        if (m.padding != NULL) {
            iov[n].type = GSS_IOV_BUFFER_TYPE_PADDING;
            iov[n].buffer = gbuf(m.padding);
            n++;
        }
        OM_uint32 major, minor;
        gss_qop_t qop;
        major = gss_unwrap_iov(&minor, ctx->gss, &conf_state, &qop, iov, n);
        st = message_status(ctx, "gss_unwrap_iov", major, minor);
    }
    if (st != SEC_E_OK)
        return st;
    /* DecryptMessage (Kerberos) pfQOP: SECQOP_WRAP_NO_ENCRYPT "the message
     * was not encrypted, but a header or trailer was produced". */
    if (pfQOP != NULL)
        *pfQOP = conf_state ? 0 : SECQOP_WRAP_NO_ENCRYPT;
    return SEC_E_OK;
}

/* ------------------------------------------------------------ entry points */

/* Looks the context up (no lock) and takes its stripe lock. */
static SECURITY_STATUS enter(PCtxtHandle phContext, struct shim_context **ctx,
                             pthread_mutex_t **lock)
{
    SECURITY_STATUS st = message_context(phContext, ctx);
    if (st != SEC_E_OK)
        return st;
    *lock = context_lock(*ctx);
    pthread_mutex_lock(*lock);
    return SEC_E_OK;
}

/* A package with message calls of its own (WDigest: its HTTP requests
 * sign before establishment) runs them under the same stripe lock; the
 * hook checks the context's state itself.  Returns false when the
 * package has no such hook (or the handle is not a context). */
enum package_call { CALL_SIGN, CALL_VERIFY, CALL_ENCRYPT, CALL_DECRYPT };

static bool package_message(PCtxtHandle phContext, enum package_call call, ULONG fQOP,
                            PSecBufferDesc pMessage, ULONG *pfQOP, SECURITY_STATUS *st)
{
    struct shim_context *ctx = shim_handle_get(phContext, SHIM_HANDLE_CONTEXT);
    /* NTLM inside Negotiate takes the NTLM package's calls. */
    const struct shim_package_ops *ops = ctx != NULL ? shim_context_ops(ctx) : NULL;
    if (ops == NULL)
        return false;
    bool handled = false;
    pthread_mutex_t *lock = context_lock(ctx);
    pthread_mutex_lock(lock);
    switch (call) {
    case CALL_SIGN:
        if (ops->make_signature != NULL)
            *st = ops->make_signature(ctx, fQOP, pMessage, &handled);
        break;
    case CALL_VERIFY:
        if (ops->verify_signature != NULL)
            *st = ops->verify_signature(ctx, pMessage, pfQOP, &handled);
        break;
    case CALL_ENCRYPT:
        if (ops->encrypt != NULL)
            *st = ops->encrypt(ctx, fQOP, pMessage, &handled);
        break;
    case CALL_DECRYPT:
        if (ops->decrypt != NULL)
            *st = ops->decrypt(ctx, pMessage, pfQOP, &handled);
        break;
    }
    pthread_mutex_unlock(lock);
    return handled;
}

static SECURITY_STATUS make_signature_call(PCtxtHandle phContext, ULONG fQOP,
                                                 PSecBufferDesc pMessage, ULONG MessageSeqNo)
{
    struct shim_context *ctx;
    pthread_mutex_t *lock;
    SECURITY_STATUS st;
    if (package_message(phContext, CALL_SIGN, fQOP, pMessage, NULL, &st))
        return st;
    st = enter(phContext, &ctx, &lock);
    (void)MessageSeqNo;
    if (st != SEC_E_OK)
        return st;
    st = make_signature(ctx, fQOP, pMessage);
    pthread_mutex_unlock(lock);
    return st;
}

static SECURITY_STATUS verify_signature_call(PCtxtHandle phContext, PSecBufferDesc pMessage,
                                                   ULONG MessageSeqNo, ULONG *pfQOP)
{
    struct shim_context *ctx;
    pthread_mutex_t *lock;
    SECURITY_STATUS st;
    if (package_message(phContext, CALL_VERIFY, 0, pMessage, pfQOP, &st))
        return st;
    st = enter(phContext, &ctx, &lock);
    (void)MessageSeqNo;
    if (st != SEC_E_OK)
        return st;
    st = verify_signature(ctx, pMessage, pfQOP);
    pthread_mutex_unlock(lock);
    return st;
}

static SECURITY_STATUS encrypt_message_call(PCtxtHandle phContext, ULONG fQOP,
                                                  PSecBufferDesc pMessage, ULONG MessageSeqNo)
{
    struct shim_context *ctx;
    pthread_mutex_t *lock;
    SECURITY_STATUS st;
    if (package_message(phContext, CALL_ENCRYPT, fQOP, pMessage, NULL, &st))
        return st;
    st = enter(phContext, &ctx, &lock);
    (void)MessageSeqNo;
    if (st != SEC_E_OK)
        return st;
    st = encrypt_message(ctx, fQOP, pMessage);
    pthread_mutex_unlock(lock);
    return st;
}

static SECURITY_STATUS decrypt_message_call(PCtxtHandle phContext, PSecBufferDesc pMessage,
                                                  ULONG MessageSeqNo, ULONG *pfQOP)
{
    struct shim_context *ctx;
    pthread_mutex_t *lock;
    SECURITY_STATUS st;
    if (package_message(phContext, CALL_DECRYPT, 0, pMessage, pfQOP, &st))
        return st;
    st = enter(phContext, &ctx, &lock);
    (void)MessageSeqNo;
    if (st != SEC_E_OK)
        return st;
    st = decrypt_message(ctx, pMessage, pfQOP);
    pthread_mutex_unlock(lock);
    return st;
}

SSPI_API SECURITY_STATUS SEC_ENTRY MakeSignature(PCtxtHandle phContext, ULONG fQOP,
                                                 PSecBufferDesc pMessage, ULONG MessageSeqNo)
{
    void *pin = shim_handle_pin(phContext, SHIM_HANDLE_CONTEXT);
    SECURITY_STATUS st = make_signature_call(phContext, fQOP, pMessage, MessageSeqNo);
    if (shim_trace_enabled())
        shim_trace_call("MakeSignature", shim_trace_context_package(phContext), SHIM_TRACE_NO_FLAGS, 0, 0,
                        st);
    shim_handle_unpin(pin);
    return st;
}

SSPI_API SECURITY_STATUS SEC_ENTRY VerifySignature(PCtxtHandle phContext, PSecBufferDesc pMessage,
                                                   ULONG MessageSeqNo, ULONG *pfQOP)
{
    void *pin = shim_handle_pin(phContext, SHIM_HANDLE_CONTEXT);
    SECURITY_STATUS st = verify_signature_call(phContext, pMessage, MessageSeqNo, pfQOP);
    if (shim_trace_enabled())
        shim_trace_call("VerifySignature", shim_trace_context_package(phContext), SHIM_TRACE_NO_FLAGS, 0, 0,
                        st);
    shim_handle_unpin(pin);
    return st;
}

SSPI_API SECURITY_STATUS SEC_ENTRY EncryptMessage(PCtxtHandle phContext, ULONG fQOP,
                                                  PSecBufferDesc pMessage, ULONG MessageSeqNo)
{
    void *pin = shim_handle_pin(phContext, SHIM_HANDLE_CONTEXT);
    SECURITY_STATUS st = encrypt_message_call(phContext, fQOP, pMessage, MessageSeqNo);
    if (shim_trace_enabled())
        shim_trace_call("EncryptMessage", shim_trace_context_package(phContext), SHIM_TRACE_NO_FLAGS, 0, 0,
                        st);
    shim_handle_unpin(pin);
    return st;
}

SSPI_API SECURITY_STATUS SEC_ENTRY DecryptMessage(PCtxtHandle phContext, PSecBufferDesc pMessage,
                                                  ULONG MessageSeqNo, ULONG *pfQOP)
{
    void *pin = shim_handle_pin(phContext, SHIM_HANDLE_CONTEXT);
    SECURITY_STATUS st = decrypt_message_call(phContext, pMessage, MessageSeqNo, pfQOP);
    if (shim_trace_enabled())
        shim_trace_call("DecryptMessage", shim_trace_context_package(phContext), SHIM_TRACE_NO_FLAGS, 0, 0,
                        st);
    shim_handle_unpin(pin);
    return st;
}
