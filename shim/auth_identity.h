/*
 * Internals of the SSPI auth-identity helpers (SspiEncodeStringsAsAuthIdentity
 * and friends, shim/auth_identity.c) and of their in-process password
 * protection (shim/auth_identity_protect.c).
 *
 * Every opaque identity these functions hand out is one allocation holding a
 * self-relative SEC_WINNT_AUTH_IDENTITY_EX2 block (as Windows' sspicli does),
 * in host byte order; SspiMarshalAuthIdentity's byte array is the same block
 * in little-endian order (Windows' layout), so both are identical on x86.
 */
#ifndef SSPI_SHIM_AUTH_IDENTITY_H
#define SSPI_SHIM_AUTH_IDENTITY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "shim_internal.h"

/* Sizes of the Windows structures in their packed-block form. */
#define AI_EX2_HEADER_SIZE 48u      /* sizeof(SEC_WINNT_AUTH_IDENTITY_EX2) */
#define AI_PACKED_CRED_SIZE 28u     /* sizeof(SEC_WINNT_AUTH_PACKED_CREDENTIALS) */
#define AI_IV_SIZE 16u

/* SEC_WINNT_AUTH_DATA_TYPE_PASSWORD (sspi.h):
 * {28BFC32F-10F6-4738-98D1-1AC061DF716A}. */
extern SHIM_LOCAL const GUID shim_auth_data_type_password;

/* What every allocation handed to the caller is. */
enum ai_kind { AI_KIND_IDENTITY = 1, AI_KIND_STRING, AI_KIND_BYTES };

/* An identity of any accepted form, decoded into owned copies. */
struct ai_parts {
    SEC_WCHAR *user;            /* host-order UTF-16, no NUL; NULL when empty */
    size_t user_n;              /* code units */
    SEC_WCHAR *domain;
    size_t domain_n;
    SEC_WCHAR *packages;        /* Negotiate package list, "kerberos,!ntlm" */
    size_t packages_n;
    bool has_cred;              /* packed credentials present */
    GUID cred_type;
    uint8_t *cred;              /* CredData; password: host-order UTF-16 units */
    size_t cred_len;            /* bytes */
    ULONG flags;                /* SEC_WINNT_AUTH_IDENTITY_* of the EX2 form */
    uint8_t iv[AI_IV_SIZE];     /* protection nonce when flags say encrypted */
};

/* Allocations the caller frees with SspiFreeAuthIdentity / SspiLocalFree:
 * zeroed, registered, wiped when released. */
SHIM_LOCAL void *ai_alloc(size_t size, enum ai_kind kind);
/* Registered allocation at p: its size, kind and IV; false when not ours. */
SHIM_LOCAL bool ai_lookup(const void *p, size_t *size, enum ai_kind *kind,
                          uint8_t iv[AI_IV_SIZE]);
SHIM_LOCAL bool ai_set_iv(const void *p, const uint8_t iv[AI_IV_SIZE]);
/* Wipes and frees p when it is ours; false (nothing done) otherwise. */
SHIM_LOCAL bool ai_release(void *p);

/* Strict parse of an EX2 packed block of exactly len bytes (le: marshaled
 * little-endian bytes; else host order).  SEC_E_INVALID_TOKEN when
 * malformed.  On success *cred_at is the block offset of CredData. */
SHIM_LOCAL SECURITY_STATUS ai_parse_ex2(const uint8_t *p, size_t len, bool le,
                                        bool allow_encrypted, struct ai_parts *out,
                                        size_t *cred_at);
/* Any accepted in-memory form (W/A, EXW/EXA, EX2, ours or the caller's).
 * SEC_E_INVALID_PARAMETER when malformed. */
SHIM_LOCAL SECURITY_STATUS ai_decode(const void *identity, bool allow_encrypted,
                                     struct ai_parts *out);
/* The packed EX2 block of parts: a registered allocation (kind) or, with
 * kind 0, plain malloc.  The IV of an encrypted identity goes with it. */
SHIM_LOCAL SECURITY_STATUS ai_build(const struct ai_parts *parts, bool le, enum ai_kind kind,
                                    void **out, size_t *out_len);
SHIM_LOCAL void ai_parts_clear(struct ai_parts *parts);

/* auth_identity_protect.c: AES-256-CTR under a per-process key. */
SHIM_LOCAL SECURITY_STATUS ai_protect_new_iv(uint8_t iv[AI_IV_SIZE]);
SHIM_LOCAL SECURITY_STATUS ai_protect_xcrypt(const uint8_t iv[AI_IV_SIZE], uint8_t *data,
                                             size_t len);

/* For AcquireCredentialsHandle (shim/identity.c): an EX2 identity's user,
 * domain and password in UTF-8. */
SHIM_LOCAL SECURITY_STATUS shim_identity_decode_ex2(const void *auth_data,
                                                    struct shim_identity *out);

#endif
