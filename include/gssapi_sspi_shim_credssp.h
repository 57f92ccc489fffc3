/*
 * The sspi-shim CredSSP GSS-API mechanism ([MS-CSSP]): what a GSS-API
 * program (and the shim's "CredSSP" package) needs to drive it.
 * Installed beside gssapi.h.
 *
 * CredSSP runs a TLS handshake, then an inner SPNEGO (or raw Kerberos /
 * NTLM) context inside TLS application data carried in TSRequest
 * messages, binds the inner context to the TLS server key (pubKeyAuth),
 * and finally sends the client's credentials (TSCredentials) encrypted
 * with the inner context.  The tokens this mechanism returns are exactly
 * the bytes that go on the wire (TLS records).  They are not RFC 2743
 * framed, so the first token an acceptor gets must be framed with the
 * mechanism OID (0x60 <len> 0x06 <len> <OID> <wire bytes>) for the
 * mechglue to pick this mechanism; later tokens may be bare.
 */
#ifndef GSSAPI_SSPI_SHIM_CREDSSP_H
#define GSSAPI_SSPI_SHIM_CREDSSP_H

/*
 * Mechanism OID 1.3.6.1.4.1.32473.1.1.  No GSS-API OID was ever assigned
 * to CredSSP and this project has no enterprise number yet; 32473 is the
 * enterprise number IANA reserves for documentation (RFC 5612), which no
 * real mechanism can hold, and its arcs fit the 32-bit arcs the mech-file
 * parsers need.  Replace it when the project registers an arc.
 */
#define GSS_SSPI_SHIM_CREDSSP_MECH_OID_STRING "1.3.6.1.4.1.32473.1.1"
#define GSS_SSPI_SHIM_CREDSSP_MECH_OID_LENGTH 10
#define GSS_SSPI_SHIM_CREDSSP_MECH_OID_BYTES "\x2b\x06\x01\x04\x01\x81\xfd\x59\x01\x01"

/* Private OIDs under the sspi-shim root (include/gssapi_sspi_shim_digest.h),
 * ".2" for CredSSP: root.2.<group>.<n>. */
#define GSS_SSPI_SHIM_CREDSSP_OID_ROOT_BYTES \
    "\x69\xd6\xe2\xdf\xc5\xed\xa1\xc2\x92\x8d\x95\x99\x9d\xd5\xdc\x8b\x8a\xe0\x57"
#define GSS_SSPI_SHIM_CREDSSP_OID_LENGTH 22
#define GSS_SSPI_SHIM_CREDSSP_OID_BYTES(group, n) GSS_SSPI_SHIM_CREDSSP_OID_ROOT_BYTES "\x02" group n

/*
 * Credentials.
 *  Initiator: gss_acquire_cred_with_password() with a GSS_C_NT_USER_NAME
 *  ("DOMAIN\user", "user@domain" or "user") and the password: these are
 *  the credentials CredSSP delegates (TSPasswordCreds).  Without such a
 *  credential gss_init_sec_context fails with GSS_S_NO_CRED, so SPNEGO
 *  never offers this mechanism.  The inner context authenticates with the
 *  INNER_CRED option's credential, else with the default credential
 *  (the default ccache).
 *  Acceptor: gss_acquire_cred(GSS_C_ACCEPT); the inner acceptor uses the
 *  INNER_CRED option's credential, else the default (the keytab).
 *
 * Options, gss_set_cred_option() (values without a NUL):
 *   CERT_FILE, KEY_FILE  acceptor: PEM server certificate and private key.
 *            Default: $SSPI_SHIM_CREDSSP_CERT and $SSPI_SHIM_CREDSSP_KEY,
 *            else a self-signed RSA certificate made once per process, as
 *            RDP servers do.
 *   MIN_VERSION  decimal 2..6: the lowest TSRequest version accepted.
 *            Default $SSPI_SHIM_CREDSSP_MIN_VERSION, else 5: versions 2-4
 *            bind with the bare public key and are open to the
 *            CVE-2018-0886 oracle, so they are opt-in.
 *   INNER_CRED  a gss_cred_id_t of the GSS library (the value is the
 *            handle's bytes, sizeof(gss_cred_id_t)) used by the inner
 *            context; the caller keeps it alive while this credential
 *            lives.  For in-process callers such as the SSPI shim.
 *   DELEGATE_IDENTITY  initiator: replaces the credentials sent, as
 *            "DOMAIN\0user\0password" (UTF-8, two NULs inside); an empty
 *            value sends the empty set of credentials.
 *   INNER_MECH  initiator: the mechanism the inner context runs, as the
 *            DER contents of its OID (no tag, no length; at most 32
 *            bytes).  Default SPNEGO (1.3.6.1.5.5.2), whose tokens carry
 *            Kerberos.  NTLM (1.3.6.1.4.1.311.2.2.10) sends raw NTLMSSP
 *            messages in negoTokens, which is what FreeRDP 2's server
 *            takes (its Negotiate package is NTLM without SPNEGO).  The
 *            INNER_CRED credential must be one for that mechanism.
 *            Without mutual authentication (NTLM) the delegation policy
 *            below asks for the NTLM_ONLY list.  The acceptor needs no
 *            option: it takes SPNEGO, raw Kerberos or raw NTLM.
 *   SMARTCARD  initiator: send TSSmartCardCreds ([MS-CSSP] 2.2.1.2.2)
 *            instead of TSPasswordCreds, the PIN being the credential's
 *            password: "cardName\0readerName\0containerName\0cspName\0
 *            userHint\0domainHint" (UTF-8, five NULs inside; keySpec is
 *            AT_KEYEXCHANGE).  The SSPI shim fills it from the token:
 *            token label, slot description, certificate label, PKCS#11
 *            module path, and the certificate's UPN split at '@'.  The
 *            inner context must log on with the same card (INNER_CRED).
 */
#define GSS_SSPI_SHIM_CREDSSP_OPT_CERT_FILE_BYTES   GSS_SSPI_SHIM_CREDSSP_OID_BYTES("\x01", "\x01")
#define GSS_SSPI_SHIM_CREDSSP_OPT_KEY_FILE_BYTES    GSS_SSPI_SHIM_CREDSSP_OID_BYTES("\x01", "\x02")
#define GSS_SSPI_SHIM_CREDSSP_OPT_MIN_VERSION_BYTES GSS_SSPI_SHIM_CREDSSP_OID_BYTES("\x01", "\x03")
#define GSS_SSPI_SHIM_CREDSSP_OPT_INNER_CRED_BYTES  GSS_SSPI_SHIM_CREDSSP_OID_BYTES("\x01", "\x04")
#define GSS_SSPI_SHIM_CREDSSP_OPT_DELEGATE_IDENTITY_BYTES GSS_SSPI_SHIM_CREDSSP_OID_BYTES("\x01", "\x05")
#define GSS_SSPI_SHIM_CREDSSP_OPT_INNER_MECH_BYTES  GSS_SSPI_SHIM_CREDSSP_OID_BYTES("\x01", "\x06")
#define GSS_SSPI_SHIM_CREDSSP_OPT_SMARTCARD_BYTES   GSS_SSPI_SHIM_CREDSSP_OID_BYTES("\x01", "\x07")

/*
 * Delegation policy, as Windows' "Allow delegating fresh credentials"
 * group policy: with GSS_C_DELEG_FLAG the initiator sends the password
 * only to a target whose "service/host" matches
 * $SSPI_SHIM_CREDSSP_ALLOW_FRESH_CREDENTIALS (comma-separated patterns,
 * '*' matches any run of characters; by default TERMSRV/ then '*', as
 * Windows' default policy), else fails with minor DELEGATION_POLICY; and when the inner
 * context gave no mutual authentication (NTLM), only to a target matching
 * $SSPI_SHIM_CREDSSP_ALLOW_FRESH_CREDENTIALS_NTLM_ONLY (default: none),
 * else minor POLICY_NTLM_ONLY.  Without GSS_C_DELEG_FLAG the empty set of
 * credentials is sent.  GSS_C_MUTUAL_FLAG without inner mutual
 * authentication fails with minor MUTUAL_AUTH_FAILED.
 */

/*
 * Context queries, gss_inquire_sec_context_by_oid() (one buffer each):
 *   CREDENTIALS   acceptor, established: the password credentials the
 *                 client delegated, "DOMAIN\0user\0password" (UTF-8; all
 *                 three empty for the empty set).  For smart-card
 *                 credentials: "domainHint\0<PKCS#11 URI>\0PIN", the URI
 *                 (RFC 7512) made of cardName (token=), containerName
 *                 (object=) and cspName (module-path=), the form the SSPI
 *                 shim takes for a card identity.  Holds a password or
 *                 PIN: wipe it after use
 *   STREAM_SIZES  established: three 4-byte little-endian numbers, the
 *                 TLS record header, the largest trailer and the largest
 *                 plaintext of one record
 *   INFO          "TLSv1.3 TLS_AES_256_GCM_SHA384 v6 <inner mech OID>"
 *   VERSION       1 byte: the TSRequest version in use
 *   EXTRA         acceptor: 4-byte little-endian count of the bytes at
 *                 the end of the last input token that the context did
 *                 not use (whole TLS records after the client's final
 *                 TSRequest: an RDP client sends its first PDU right
 *                 behind it).  They are application data for gss_unwrap
 *                 (SSPI: SECBUFFER_EXTRA for DecryptMessage)
 * GSS_C_INQ_SSPI_SESSION_KEY (1.2.840.113554.1.2.2.5.5) gives the inner
 * context's session key.
 */
#define GSS_SSPI_SHIM_CREDSSP_INQ_CREDENTIALS_BYTES  GSS_SSPI_SHIM_CREDSSP_OID_BYTES("\x02", "\x01")
#define GSS_SSPI_SHIM_CREDSSP_INQ_STREAM_SIZES_BYTES GSS_SSPI_SHIM_CREDSSP_OID_BYTES("\x02", "\x02")
#define GSS_SSPI_SHIM_CREDSSP_INQ_INFO_BYTES         GSS_SSPI_SHIM_CREDSSP_OID_BYTES("\x02", "\x03")
#define GSS_SSPI_SHIM_CREDSSP_INQ_VERSION_BYTES      GSS_SSPI_SHIM_CREDSSP_OID_BYTES("\x02", "\x04")
#define GSS_SSPI_SHIM_CREDSSP_INQ_EXTRA_BYTES        GSS_SSPI_SHIM_CREDSSP_OID_BYTES("\x02", "\x05")

/*
 * Per-message calls after establishment are TLS application-data records:
 * gss_wrap encrypts one message into one or more records (conf_req must
 * be true), gss_unwrap takes whole records and returns their plaintext.
 * gss_get_mic / gss_verify_mic are unavailable (GSS_S_UNAVAILABLE).
 */

/* Minor status codes (gss_display_status explains them). */
#define GSS_SSPI_SHIM_CREDSSP_MINOR_BASE 0x43535300u /* "CSS\0" */
enum gss_sspi_shim_credssp_minor {
    GSS_SSPI_SHIM_CREDSSP_S_TLS = GSS_SSPI_SHIM_CREDSSP_MINOR_BASE + 1, /* TLS failed */
    GSS_SSPI_SHIM_CREDSSP_S_BAD_MESSAGE,       /* TSRequest/TSCredentials does not decode */
    GSS_SSPI_SHIM_CREDSSP_S_VERSION,           /* version below the minimum, or changed */
    GSS_SSPI_SHIM_CREDSSP_S_PROTOCOL,          /* message out of order */
    GSS_SSPI_SHIM_CREDSSP_S_PUBKEY_AUTH,       /* pubKeyAuth does not match the TLS key */
    GSS_SSPI_SHIM_CREDSSP_S_NONCE_REPLAYED,    /* clientNonce seen before */
    GSS_SSPI_SHIM_CREDSSP_S_PEER_ERROR,        /* the peer sent errorCode */
    GSS_SSPI_SHIM_CREDSSP_S_INNER,             /* the inner context failed */
    GSS_SSPI_SHIM_CREDSSP_S_NO_PASSWORD,       /* no password credential */
    GSS_SSPI_SHIM_CREDSSP_S_DELEGATION_POLICY, /* target not allowed for delegation */
    GSS_SSPI_SHIM_CREDSSP_S_POLICY_NTLM_ONLY,  /* delegation without mutual authentication */
    GSS_SSPI_SHIM_CREDSSP_S_MUTUAL_AUTH_FAILED,/* mutual authentication asked, not achieved */
    GSS_SSPI_SHIM_CREDSSP_S_CERT,              /* server certificate or key unusable */
    GSS_SSPI_SHIM_CREDSSP_S_ESTABLISHED,       /* context already established */
    GSS_SSPI_SHIM_CREDSSP_S_GSS_LIBRARY,       /* the GSS library could not be reached */
    GSS_SSPI_SHIM_CREDSSP_S_LIMIT,             /* a message over its size limit */
    GSS_SSPI_SHIM_CREDSSP_S_LOGON_DENIED,      /* acceptor: the inner NTLM response did not verify;
                                                  initiator: the server hung up after our NTLM AUTHENTICATE */
};

#endif
