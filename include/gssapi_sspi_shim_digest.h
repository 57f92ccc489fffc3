/*
 * The sspi-shim Digest GSS-API mechanism: what a GSS-API program (and the
 * shim's "WDigest" package) needs to drive it.  Installed beside gssapi.h.
 *
 * The mechanism speaks HTTP Digest (RFC 7616, RFC 2617) and SASL
 * DIGEST-MD5 (RFC 2831).  Digest wire messages are not RFC 2743 tokens and
 * GSS-API has no slot for Digest's side parameters (HTTP method, H(entity),
 * realm), so every token handed to the mechanism may be a "parameter
 * token": RFC 2743 3.1 framing with the mechanism OID around a list of
 * typed records (below), one of which is the wire message.  Tokens that the
 * mechanism returns are always the bare wire message, exactly what goes on
 * the wire (a WWW-Authenticate / Authorization / Authentication-Info value,
 * or a SASL challenge / response / rspauth).
 */
#ifndef GSSAPI_SSPI_SHIM_DIGEST_H
#define GSSAPI_SSPI_SHIM_DIGEST_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Mechanism OID 1.2.752.43.14.1: the OID Heimdal assigned to a GSS-API
 * DIGEST-MD5 mechanism (GSS_SASL_DIGEST_MD5_MECHANISM in Heimdal's
 * oid.txt), which Heimdal itself does not implement.  Mechglue config
 * files need an OID whose arcs fit 32 bits, which rules out a 2.25 UUID
 * OID; this one is published for exactly this mechanism.
 */
#define GSS_SSPI_SHIM_DIGEST_MECH_OID_STRING "1.2.752.43.14.1"
#define GSS_SSPI_SHIM_DIGEST_MECH_OID_LENGTH 6
#define GSS_SSPI_SHIM_DIGEST_MECH_OID_BYTES "\x2a\x85\x70\x2b\x0e\x01"

/*
 * Private OIDs (never in a config file, so a UUID arc is fine):
 * 2.25.57669524706204579803859085955931746391 is the sspi-shim root
 * (UUID 2b62bf17-6a18-4486-9532-76adc162b057, ITU-T X.667), ".1" the
 * Digest mechanism's options.  DER of the root's arcs:
 */
#define GSS_SSPI_SHIM_OID_ROOT_BYTES \
    "\x69\xd6\xe2\xdf\xc5\xed\xa1\xc2\x92\x8d\x95\x99\x9d\xd5\xdc\x8b\x8a\xe0\x57"
#define GSS_SSPI_SHIM_OID_ROOT_LENGTH 19
/* root.1.<group>.<n>: 2 + 19 + 3 bytes */
#define GSS_SSPI_SHIM_DIGEST_OID_LENGTH 22
#define GSS_SSPI_SHIM_DIGEST_OID_BYTES(group, n) GSS_SSPI_SHIM_OID_ROOT_BYTES "\x01" group n

/*
 * Name type root.1.1.1: a Digest target taken verbatim: the HTTP
 * request-URI ("/dir/index.html") or the SASL digest-uri
 * ("imap/elwood.innosoft.com").  GSS_C_NT_HOSTBASED_SERVICE
 * ("imap@elwood.innosoft.com") also works and becomes "imap/elwood...".
 * Client names (GSS_C_NT_USER_NAME) are the Digest username as sent,
 * "DOMAIN\user" included.
 */
#define GSS_SSPI_SHIM_DIGEST_NT_URI_BYTES GSS_SSPI_SHIM_DIGEST_OID_BYTES("\x01", "\x01")

/*
 * Acceptor credential options, for gss_set_cred_option() on a credential
 * from gss_acquire_cred(GSS_C_ACCEPT) or on GSS_C_NO_CREDENTIAL (which
 * creates one).  Values are UTF-8 strings without a NUL unless noted.
 *
 *   HTDIGEST_FILE   path of an Apache htdigest file (user:realm:MD5-HA1);
 *                   serves MD5 and MD5-sess (HTTP) and DIGEST-MD5 (SASL)
 *   PASSWORD_FILE   path of a file of "user:password" lines; serves every
 *                   algorithm, any realm
 *   NONCE_KEY       the raw key (>= 16 bytes) that signs server nonces;
 *                   processes and hosts sharing it accept each other's
 *                   nonces.  Default: a random key per credential.
 *   NONCE_LIFETIME  decimal seconds a nonce stays fresh (default 300);
 *                   then the server answers stale=true
 *   REALM           the realm in challenges when the caller passes none
 *                   (default: the host name)
 *   HTTP_ALGORITHMS comma-separated algorithm names in preference order,
 *                   one HTTP challenge each (default: "SHA-256,MD5" with a
 *                   password file, "MD5" with an htdigest file)
 *   QOP             comma-separated qop values offered: HTTP "auth,auth-int"
 *                   (default both); SASL adds "auth-conf"
 *   SASL_CIPHERS    comma-separated RFC 2831 ciphers offered (default: all
 *                   that this OpenSSL can do)
 *
 * When a credential is acquired with no option and the environment
 * variable SSPI_SHIM_DIGEST_USERS names an htdigest file, that file is the
 * user store.  With neither, the module built for Heimdal fails
 * gss_acquire_cred(GSS_C_ACCEPT) with GSS_S_NO_CRED.  MIT 1.20's
 * gss_set_cred_option on GSS_C_NO_CREDENTIAL asks only the default
 * mechanism, so there the portable sequence is: gss_acquire_cred(
 * GSS_C_ACCEPT, {this mech}) (which then succeeds with an empty store),
 * then gss_set_cred_option on that credential; accepting with an empty
 * store fails with GSS_S_NO_CRED (minor NO_USER_STORE).  MIT also refuses
 * GSS_C_NO_CREDENTIAL in gss_accept_sec_context for a mechanism that is
 * not a default mechanism: always pass an acceptor credential.  Initiator credentials come only from
 * gss_acquire_cred_with_password (user name + password); without one,
 * gss_init_sec_context fails with GSS_S_NO_CRED, so SPNEGO never offers
 * this mechanism.
 */
#define GSS_SSPI_SHIM_DIGEST_OPT_HTDIGEST_FILE_BYTES   GSS_SSPI_SHIM_DIGEST_OID_BYTES("\x02", "\x01")
#define GSS_SSPI_SHIM_DIGEST_OPT_PASSWORD_FILE_BYTES   GSS_SSPI_SHIM_DIGEST_OID_BYTES("\x02", "\x02")
#define GSS_SSPI_SHIM_DIGEST_OPT_NONCE_KEY_BYTES       GSS_SSPI_SHIM_DIGEST_OID_BYTES("\x02", "\x03")
#define GSS_SSPI_SHIM_DIGEST_OPT_NONCE_LIFETIME_BYTES  GSS_SSPI_SHIM_DIGEST_OID_BYTES("\x02", "\x04")
#define GSS_SSPI_SHIM_DIGEST_OPT_REALM_BYTES           GSS_SSPI_SHIM_DIGEST_OID_BYTES("\x02", "\x05")
#define GSS_SSPI_SHIM_DIGEST_OPT_HTTP_ALGORITHMS_BYTES GSS_SSPI_SHIM_DIGEST_OID_BYTES("\x02", "\x06")
#define GSS_SSPI_SHIM_DIGEST_OPT_QOP_BYTES             GSS_SSPI_SHIM_DIGEST_OID_BYTES("\x02", "\x07")
#define GSS_SSPI_SHIM_DIGEST_OPT_SASL_CIPHERS_BYTES    GSS_SSPI_SHIM_DIGEST_OID_BYTES("\x02", "\x08")

/*
 * Context queries, gss_inquire_sec_context_by_oid() (one buffer each):
 *   INFO     "HTTP SHA-256 auth" / "SASL MD5-sess auth-conf rc4": mode,
 *            algorithm, qop and (SASL) cipher; what KEY_INFO reports
 *   REALM    the realm the exchange used
 * The session key is GSS_C_INQ_SSPI_SESSION_KEY (1.2.840.113554.1.2.2.5.5):
 * H(A1) as 16 raw bytes in SASL mode, the H(A1) hash bytes in HTTP mode.
 */
#define GSS_SSPI_SHIM_DIGEST_INQ_INFO_BYTES   GSS_SSPI_SHIM_DIGEST_OID_BYTES("\x03", "\x01")
#define GSS_SSPI_SHIM_DIGEST_INQ_REALM_BYTES  GSS_SSPI_SHIM_DIGEST_OID_BYTES("\x03", "\x02")

/*
 * Parameter token: 0x60 <DER length> 0x06 0x06 <mech OID> then
 *   version   1 byte, GSS_SSPI_SHIM_DIGEST_PARAMS_VERSION
 *   records   type (1 byte), length (4 bytes, big-endian), value
 * Each type at most once; unknown types, a repeated type, a record that
 * overruns the token, or more than GSS_SSPI_SHIM_DIGEST_PARAMS_MAX bytes
 * in all make the token defective (GSS_S_DEFECTIVE_TOKEN).
 *
 * A bare token (not framed with the mechanism OID) is the wire message
 * alone with every parameter at its default.  That only works where the
 * mechglue does not need the framing: in gss_init_sec_context (every leg)
 * and in later gss_accept_sec_context legs; the first acceptor token must
 * be framed so that mechglue can pick the mechanism.
 */
#define GSS_SSPI_SHIM_DIGEST_PARAMS_VERSION 1
#define GSS_SSPI_SHIM_DIGEST_PARAMS_MAX (64u * 1024u)

enum gss_sspi_shim_digest_param {
    /* The wire message (may be empty: the acceptor's first leg, which
     * produces the challenge). */
    GSS_SSPI_SHIM_DIGEST_P_WIRE = 1,
    /* 1 byte: 'H' HTTP (RFC 7616) or 'S' SASL (RFC 2831).  Default:
     * HTTP when the wire message starts with the "Digest" scheme, else
     * SASL; an acceptor's first leg defaults to SASL. */
    GSS_SSPI_SHIM_DIGEST_P_MODE = 2,
    /* HTTP request method, US-ASCII ("GET" when absent). */
    GSS_SSPI_SHIM_DIGEST_P_METHOD = 3,
    /* Hex H(entity-body), for qop=auth-int (absent: the hash of an empty
     * body). */
    GSS_SSPI_SHIM_DIGEST_P_ENTITY_HASH = 4,
    /* Realm for the acceptor's challenge, UTF-8 (ASCII in practice). */
    GSS_SSPI_SHIM_DIGEST_P_REALM = 5,
    /* Client: the target's SPN "HTTP/host" for channel binding
     * (draft-santesson-digestbind service-name). */
    GSS_SSPI_SHIM_DIGEST_P_TARGET_HOST = 6,
    /* Acceptor channel-binding policy, 1 byte, GSS_SSPI_SHIM_DIGEST_CB_*. */
    GSS_SSPI_SHIM_DIGEST_P_CB_POLICY = 7,
    /* HTTP request-URI for a later request (gss_get_mic message, below). */
    GSS_SSPI_SHIM_DIGEST_P_URI = 8,
};

#define GSS_SSPI_SHIM_DIGEST_CB_DEFAULT 0       /* check bindings when both sides give them */
#define GSS_SSPI_SHIM_DIGEST_CB_REQUIRE 1       /* ASC_REQ_PROXY_BINDINGS: client must bind */
#define GSS_SSPI_SHIM_DIGEST_CB_ALLOW_MISSING 2 /* ASC_REQ_ALLOW_MISSING_BINDINGS */

/*
 * Per-message calls.
 * SASL mode (after auth-int / auth-conf was negotiated): RFC 2831 2.3/2.4
 *   gss_get_mic / gss_verify_mic: the 16-byte trailer (10-byte HMAC,
 *   0x0001, sequence number) over the message; gss_wrap / gss_unwrap: the
 *   whole security-layer frame (conf_req selects auth-conf when it was
 *   negotiated).  Sequence numbers must follow: else GSS_S_GAP_TOKEN /
 *   GSS_S_UNSEQ_TOKEN / GSS_S_DUPLICATE_TOKEN.
 * HTTP mode (a later request on the same nonce, what Windows' curl does
 *   through MakeSignature): the message is a parameter-record list (the
 *   version byte and records, no RFC 2743 header) with METHOD, URI and
 *   optionally ENTITY_HASH.  Client gss_get_mic returns the next
 *   Authorization value (nc + 1); server gss_verify_mic takes that value
 *   as the token and METHOD (+ ENTITY_HASH) as the message, and demands
 *   nc = previous + 1: a repeat gives GSS_S_DUPLICATE_TOKEN, a skip
 *   GSS_S_GAP_TOKEN, an older one GSS_S_UNSEQ_TOKEN, a wrong response
 *   GSS_S_BAD_SIG.
 * In both modes a sequence error is GSS_S_FAILURE with the supplementary
 * bit set (the number is checked before the MAC, so the message is not
 * authenticated); test the bits.  A replayed response on a new acceptor
 * context is a plain GSS_S_DUPLICATE_TOKEN, as Kerberos reports it.
 */

/*
 * Minor status codes (the mechanism's own; gss_display_status explains
 * them).  Chosen away from errno and com_err ranges so mechglue keeps them.
 */
#define GSS_SSPI_SHIM_DIGEST_MINOR_BASE 0x44474300u /* "DGC\0" */
enum gss_sspi_shim_digest_minor {
    GSS_SSPI_SHIM_DIGEST_S_LOGON_DENIED = GSS_SSPI_SHIM_DIGEST_MINOR_BASE + 1, /* unknown user or wrong password */
    GSS_SSPI_SHIM_DIGEST_S_BAD_MESSAGE,      /* wire message does not parse */
    GSS_SSPI_SHIM_DIGEST_S_BAD_PARAMS,       /* parameter token malformed */
    GSS_SSPI_SHIM_DIGEST_S_NONCE_FOREIGN,    /* nonce not ours (other key, realm, forged) */
    GSS_SSPI_SHIM_DIGEST_S_NONCE_REPLAYED,   /* nonce+nc already used */
    GSS_SSPI_SHIM_DIGEST_S_RSPAUTH_MISMATCH, /* server's rspauth wrong (client side) */
    GSS_SSPI_SHIM_DIGEST_S_QOP_REFUSED,      /* no acceptable qop / algorithm / cipher */
    GSS_SSPI_SHIM_DIGEST_S_BINDINGS,         /* channel-binding policy not met */
    GSS_SSPI_SHIM_DIGEST_S_NO_USER_STORE,    /* acceptor has no user store */
    GSS_SSPI_SHIM_DIGEST_S_USER_STORE,       /* user store unreadable or malformed */
    GSS_SSPI_SHIM_DIGEST_S_NO_PASSWORD,      /* initiator has no password credential */
    GSS_SSPI_SHIM_DIGEST_S_ESTABLISHED,      /* context call after establishment */
    GSS_SSPI_SHIM_DIGEST_S_WRONG_MODE,       /* HTTP call on SASL context or back */
    GSS_SSPI_SHIM_DIGEST_S_NO_LAYER,         /* wrap/mic without auth-int/auth-conf */
    GSS_SSPI_SHIM_DIGEST_S_CRYPTO,           /* libcrypto failed */
    GSS_SSPI_SHIM_DIGEST_S_LIMIT,            /* a value over its limit */
    GSS_SSPI_SHIM_DIGEST_S_NONCE_KEY         /* configured nonce key file unusable */
};

#ifdef __cplusplus
}
#endif

#endif /* GSSAPI_SSPI_SHIM_DIGEST_H */
