/*
 * sspi.h - the Windows SDK's SSPI surface (sspi.h, with the bits of winnt.h,
 * winerror.h, ntsecapi.h, security.h, credssp.h and wdigest.h it relies on)
 * for Unix LP64 and ILP32, implemented by libsspi on top of GSS-API.
 *
 * Windows code that authenticates with SSPI must compile unchanged against
 * this header and behave the same.  The rules (DESIGN.md, "SSPI ABI on
 * LP64"):
 *
 *   - Every "unsigned long" / "long" of the SDK header is ULONG / LONG here,
 *     which are 32 bits wide as on Windows (LP64's long is 64 bits and would
 *     change every struct layout and every value range).
 *   - ULONG_PTR is pointer sized; SecHandle is two ULONG_PTRs (16 bytes).
 *   - TimeStamp is a 64-bit LARGE_INTEGER, FILETIME style (100 ns units since
 *     1601-01-01), local time where the SDK pages say so.
 *   - WCHAR / SEC_WCHAR are UTF-16 code units (char16_t), so u"Kerberos"
 *     literals work.  W entry points take UTF-16, A entry points UTF-8.
 *   - Every constant has the Windows SDK value; tests/check_constants.c checks
 *     each against an independent copy of the SDK headers.
 *   - UNICODE selects the W names for the neutral names, as on Windows.
 *   - SEC_ENTRY (__stdcall on Windows) and SEC_FAR expand to nothing.
 *
 * The Windows status codes (SEC_E_*, SEC_I_*) live in winerror.h on Windows;
 * a Unix application has no winerror.h, so they are defined here, each one
 * guarded so that an application's own definition wins without a clash.
 * Windows base types (ULONG, WCHAR, ...) are likewise only defined when the
 * application has not brought its own: define SSPI_SHIM_HAVE_WINDOWS_TYPES
 * before including this header if your code base already typedefs them (with
 * the same widths), or include <windows.h>-like headers that define _WINDEF_.
 *
 * Not provided (no meaning on Unix or no user-mode SDK counterpart): kernel
 * mode (SECURITY_KERNEL / ISSP_MODE 0) prototypes, the credential UI
 * (SspiPromptForCredentials, SEC_WINNT_CREDUI_CONTEXT, SSPIPFC_*), the
 * Schannel structures of schannel.h, AddSecurityPackage/DeleteSecurityPackage
 * and the SASL functions.
 */
#ifndef SSPI_SHIM_SSPI_H
#define SSPI_SHIM_SSPI_H

/* Windows-side include guards, so code that tests them behaves as on Windows. */
#ifndef __SSPI_H__
#define __SSPI_H__
#endif
#ifndef _SSPI_H_
#define _SSPI_H_
#endif

#include <stddef.h>
#include <stdint.h>
#ifndef __cplusplus
#include <uchar.h>
#endif

/* ------------------------------------------------------------------ linkage */

/* Exported from libsspi, which is built with -fvisibility=hidden. */
#ifndef SSPI_API
# if defined(__GNUC__) || defined(__clang__)
#  define SSPI_API __attribute__((visibility("default")))
# else
#  define SSPI_API
# endif
#endif

#ifndef SEC_ENTRY
# define SEC_ENTRY
#endif
#ifndef SEC_FAR
# define SEC_FAR
#endif

/* ISSP_LEVEL / ISSP_MODE as security.h sets them: 32-bit user mode. */
#ifndef ISSP_LEVEL
# define ISSP_LEVEL 32
#endif
#ifndef ISSP_MODE
# define ISSP_MODE 1
#endif

#if defined(__GNUC__) || defined(__clang__)
# define SSPI_SHIM_EXTENSION __extension__
#else
# define SSPI_SHIM_EXTENSION
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* --------------------------------------------------------------- base types */

#if !defined(SSPI_SHIM_HAVE_WINDOWS_TYPES) && !defined(_WINDEF_) && \
    !defined(_MINWINDEF_) && !defined(_WINNT_)
#define SSPI_SHIM_HAVE_WINDOWS_TYPES 1

typedef uint32_t   ULONG, *PULONG;
typedef uint32_t   DWORD, *PDWORD, *LPDWORD;
typedef int32_t    LONG, *PLONG;
typedef uint16_t   USHORT, *PUSHORT;
typedef uint16_t   WORD;
typedef unsigned char UCHAR, *PUCHAR;
typedef unsigned char BYTE, *PBYTE;
typedef unsigned char BOOLEAN, *PBOOLEAN;
typedef char       CHAR, *PCHAR;
typedef int64_t    LONGLONG, *PLONGLONG;
typedef uint64_t   ULONGLONG, *PULONGLONG;
typedef uintptr_t  ULONG_PTR, *PULONG_PTR;
typedef intptr_t   LONG_PTR, *PLONG_PTR;
typedef intptr_t   INT_PTR;
typedef uintptr_t  UINT_PTR;
typedef uintptr_t  SIZE_T;
typedef void      *PVOID, *LPVOID;
typedef void      *HANDLE, **PHANDLE;
typedef char16_t   WCHAR, *PWCHAR;
typedef char      *LPSTR, *PSTR;
typedef const char *LPCSTR, *PCSTR;
typedef WCHAR     *LPWSTR, *PWSTR;
typedef const WCHAR *LPCWSTR, *PCWSTR;
typedef LONG       HRESULT;
typedef LONG       NTSTATUS;

typedef union _LARGE_INTEGER {
    SSPI_SHIM_EXTENSION struct {
        DWORD LowPart;
        LONG  HighPart;
    };
    struct {
        DWORD LowPart;
        LONG  HighPart;
    } u;
    LONGLONG QuadPart;
} LARGE_INTEGER, *PLARGE_INTEGER;

typedef union _ULARGE_INTEGER {
    SSPI_SHIM_EXTENSION struct {
        DWORD LowPart;
        DWORD HighPart;
    };
    struct {
        DWORD LowPart;
        DWORD HighPart;
    } u;
    ULONGLONG QuadPart;
} ULARGE_INTEGER, *PULARGE_INTEGER;

typedef struct _LUID {
    DWORD LowPart;
    LONG  HighPart;
} LUID, *PLUID;

#endif /* base types */

#ifndef VOID
# define VOID void
#endif

#ifndef GUID_DEFINED
#define GUID_DEFINED
typedef struct _GUID {
    uint32_t      Data1;
    uint16_t      Data2;
    uint16_t      Data3;
    unsigned char Data4[8];
} GUID;
#endif

#ifndef ANYSIZE_ARRAY
# define ANYSIZE_ARRAY 1
#endif

/* ----------------------------------------------------------------- SSPI types */

typedef WCHAR SEC_WCHAR;
typedef char  SEC_CHAR;

#ifndef __SECSTATUS_DEFINED__
#define __SECSTATUS_DEFINED__
typedef LONG SECURITY_STATUS;
#endif

typedef SEC_WCHAR       *SECURITY_PSTR;
typedef const SEC_WCHAR *SECURITY_PCSTR;

/* SEC_TEXT follows UNICODE like TEXT(): u"..." (UTF-16) or "..." (UTF-8). */
#ifdef UNICODE
# define SSPI_SHIM_TEXT_(x) u##x
#else
# define SSPI_SHIM_TEXT_(x) x
#endif
#define SEC_TEXT(x) SSPI_SHIM_TEXT_(x)

/* Handles: two pointer-sized words (16 bytes on LP64). */
#ifndef __SECHANDLE_DEFINED__
#define __SECHANDLE_DEFINED__
typedef struct _SecHandle {
    ULONG_PTR dwLower;
    ULONG_PTR dwUpper;
} SecHandle, *PSecHandle;
#endif

#define SecInvalidateHandle(x) \
    ((PSecHandle)(x))->dwLower = ((PSecHandle)(x))->dwUpper = ((ULONG_PTR)((INT_PTR)-1))
#define SecIsValidHandle(x) \
    ((((PSecHandle)(x))->dwLower != ((ULONG_PTR)((INT_PTR)-1))) && \
     (((PSecHandle)(x))->dwUpper != ((ULONG_PTR)((INT_PTR)-1))))
#define SEC_DELETED_HANDLE ((ULONG_PTR)(-2))

typedef SecHandle  CredHandle;
typedef PSecHandle PCredHandle;
typedef SecHandle  CtxtHandle;
typedef PSecHandle PCtxtHandle;

/* FILETIME-style 64-bit time: 100 ns units since 1601-01-01. */
typedef LARGE_INTEGER _SECURITY_INTEGER, SECURITY_INTEGER, *PSECURITY_INTEGER;
typedef SECURITY_INTEGER TimeStamp;
typedef SECURITY_INTEGER *PTimeStamp;

/* ------------------------------------------------------------- package info */

typedef struct _SecPkgInfoW {
    ULONG      fCapabilities;   /* SECPKG_FLAG_* */
    USHORT     wVersion;
    USHORT     wRPCID;          /* RPC id, SECPKG_ID_NONE if none */
    ULONG      cbMaxToken;
    SEC_WCHAR *Name;
    SEC_WCHAR *Comment;
} SecPkgInfoW, *PSecPkgInfoW;

typedef struct _SecPkgInfoA {
    ULONG     fCapabilities;
    USHORT    wVersion;
    USHORT    wRPCID;
    ULONG     cbMaxToken;
    SEC_CHAR *Name;
    SEC_CHAR *Comment;
} SecPkgInfoA, *PSecPkgInfoA;

/* SecPkgInfo.fCapabilities */
#define SECPKG_FLAG_INTEGRITY                    0x00000001
#define SECPKG_FLAG_PRIVACY                      0x00000002
#define SECPKG_FLAG_TOKEN_ONLY                   0x00000004
#define SECPKG_FLAG_DATAGRAM                     0x00000008
#define SECPKG_FLAG_CONNECTION                   0x00000010
#define SECPKG_FLAG_MULTI_REQUIRED               0x00000020
#define SECPKG_FLAG_CLIENT_ONLY                  0x00000040
#define SECPKG_FLAG_EXTENDED_ERROR               0x00000080
#define SECPKG_FLAG_IMPERSONATION                0x00000100
#define SECPKG_FLAG_ACCEPT_WIN32_NAME            0x00000200
#define SECPKG_FLAG_STREAM                       0x00000400
#define SECPKG_FLAG_NEGOTIABLE                   0x00000800
#define SECPKG_FLAG_GSS_COMPATIBLE               0x00001000
#define SECPKG_FLAG_LOGON                        0x00002000
#define SECPKG_FLAG_ASCII_BUFFERS                0x00004000
#define SECPKG_FLAG_FRAGMENT                     0x00008000
#define SECPKG_FLAG_MUTUAL_AUTH                  0x00010000
#define SECPKG_FLAG_DELEGATION                   0x00020000
#define SECPKG_FLAG_READONLY_WITH_CHECKSUM       0x00040000
#define SECPKG_FLAG_RESTRICTED_TOKENS            0x00080000
#define SECPKG_FLAG_NEGO_EXTENDER                0x00100000
#define SECPKG_FLAG_NEGOTIABLE2                  0x00200000
#define SECPKG_FLAG_APPCONTAINER_PASSTHROUGH     0x00400000
#define SECPKG_FLAG_APPCONTAINER_CHECKS          0x00800000
#define SECPKG_FLAG_CREDENTIAL_ISOLATION_ENABLED 0x01000000
#define SECPKG_FLAG_APPLY_LOOPBACK               0x02000000

#define SECPKG_ID_NONE 0xFFFF

#define SECPKG_CALLFLAGS_APPCONTAINER             0x00000001
#define SECPKG_CALLFLAGS_APPCONTAINER_AUTHCAPABLE 0x00000002
#define SECPKG_CALLFLAGS_FORCE_SUPPLIED           0x00000004
#define SECPKG_CALLFLAGS_APPCONTAINER_UPNCAPABLE  0x00000008

/* ----------------------------------------------------------------- SecBuffer */

typedef struct _SecBuffer {
    ULONG cbBuffer;     /* size of the buffer, in bytes */
    ULONG BufferType;   /* SECBUFFER_* type, or'ed with attribute flags */
    void *pvBuffer;
} SecBuffer, *PSecBuffer;

typedef struct _SecBufferDesc {
    ULONG      ulVersion;   /* SECBUFFER_VERSION */
    ULONG      cBuffers;
    PSecBuffer pBuffers;
} SecBufferDesc, *PSecBufferDesc;

#define SECBUFFER_VERSION 0

#define SECBUFFER_EMPTY                          0
#define SECBUFFER_DATA                           1
#define SECBUFFER_TOKEN                          2
#define SECBUFFER_PKG_PARAMS                     3
#define SECBUFFER_MISSING                        4
#define SECBUFFER_EXTRA                          5
#define SECBUFFER_STREAM_TRAILER                 6
#define SECBUFFER_STREAM_HEADER                  7
#define SECBUFFER_NEGOTIATION_INFO               8
#define SECBUFFER_PADDING                        9
#define SECBUFFER_STREAM                         10
#define SECBUFFER_MECHLIST                       11
#define SECBUFFER_MECHLIST_SIGNATURE             12
#define SECBUFFER_TARGET                         13
#define SECBUFFER_CHANNEL_BINDINGS               14
#define SECBUFFER_CHANGE_PASS_RESPONSE           15
#define SECBUFFER_TARGET_HOST                    16
#define SECBUFFER_ALERT                          17
#define SECBUFFER_APPLICATION_PROTOCOLS          18
#define SECBUFFER_SRTP_PROTECTION_PROFILES       19
#define SECBUFFER_SRTP_MASTER_KEY_IDENTIFIER     20
#define SECBUFFER_TOKEN_BINDING                  21
#define SECBUFFER_PRESHARED_KEY                  22
#define SECBUFFER_PRESHARED_KEY_IDENTITY         23
#define SECBUFFER_DTLS_MTU                       24
#define SECBUFFER_SEND_GENERIC_TLS_EXTENSION     25
#define SECBUFFER_SUBSCRIBE_GENERIC_TLS_EXTENSION 26
#define SECBUFFER_FLAGS                          27
#define SECBUFFER_TRAFFIC_SECRETS                28
#define SECBUFFER_CERTIFICATE_REQUEST_CONTEXT    29
#define SECBUFFER_CHANNEL_BINDINGS_RESULT        30
#define SECBUFFER_APP_SESSION_STATE              31
#define SECBUFFER_SESSION_TICKET                 32

/* Attribute flags, or'ed into BufferType. */
#define SECBUFFER_ATTRMASK               0xF0000000
#define SECBUFFER_READONLY               0x80000000  /* buffer is read-only, no checksum */
#define SECBUFFER_READONLY_WITH_CHECKSUM 0x10000000  /* read-only, but covered by the checksum */
#define SECBUFFER_RESERVED               0x60000000  /* flags reserved to the security system */

typedef struct _SEC_NEGOTIATION_INFO {
    ULONG      Size;
    ULONG      NameLength;
    SEC_WCHAR *Name;
    void      *Reserved;
} SEC_NEGOTIATION_INFO, *PSEC_NEGOTIATION_INFO;

/* SECBUFFER_CHANNEL_BINDINGS contents: a header of 8 ULONGs, then the data
 * the offsets point into (offsets from the start of this structure). */
typedef struct _SEC_CHANNEL_BINDINGS {
    ULONG dwInitiatorAddrType;
    ULONG cbInitiatorLength;
    ULONG dwInitiatorOffset;
    ULONG dwAcceptorAddrType;
    ULONG cbAcceptorLength;
    ULONG dwAcceptorOffset;
    ULONG cbApplicationDataLength;
    ULONG dwApplicationDataOffset;
} SEC_CHANNEL_BINDINGS, *PSEC_CHANNEL_BINDINGS;

/* SECBUFFER_APPLICATION_PROTOCOLS contents (ALPN / NPN). */
typedef enum _SEC_APPLICATION_PROTOCOL_NEGOTIATION_EXT {
    SecApplicationProtocolNegotiationExt_None,
    SecApplicationProtocolNegotiationExt_NPN,
    SecApplicationProtocolNegotiationExt_ALPN
} SEC_APPLICATION_PROTOCOL_NEGOTIATION_EXT, *PSEC_APPLICATION_PROTOCOL_NEGOTIATION_EXT;

typedef struct _SEC_APPLICATION_PROTOCOL_LIST {
    SEC_APPLICATION_PROTOCOL_NEGOTIATION_EXT ProtoNegoExt;
    unsigned short ProtocolListSize;
    unsigned char  ProtocolList[ANYSIZE_ARRAY];
} SEC_APPLICATION_PROTOCOL_LIST, *PSEC_APPLICATION_PROTOCOL_LIST;

typedef struct _SEC_APPLICATION_PROTOCOLS {
    ULONG ProtocolListsSize;
    SEC_APPLICATION_PROTOCOL_LIST ProtocolLists[ANYSIZE_ARRAY];
} SEC_APPLICATION_PROTOCOLS, *PSEC_APPLICATION_PROTOCOLS;

typedef struct _SEC_SRTP_PROTECTION_PROFILES {
    unsigned short ProfilesSize;
    unsigned short ProfilesList[ANYSIZE_ARRAY];
} SEC_SRTP_PROTECTION_PROFILES, *PSEC_SRTP_PROTECTION_PROFILES;

typedef struct _SEC_SRTP_MASTER_KEY_IDENTIFIER {
    unsigned char MasterKeyIdentifierSize;
    unsigned char MasterKeyIdentifier[ANYSIZE_ARRAY];
} SEC_SRTP_MASTER_KEY_IDENTIFIER, *PSEC_SRTP_MASTER_KEY_IDENTIFIER;

typedef struct _SEC_TOKEN_BINDING {
    unsigned char  MajorVersion;
    unsigned char  MinorVersion;
    unsigned short KeyParametersSize;
    unsigned char  KeyParameters[ANYSIZE_ARRAY];
} SEC_TOKEN_BINDING, *PSEC_TOKEN_BINDING;

typedef struct _SEC_PRESHAREDKEY {
    unsigned short KeySize;
    unsigned char  Key[ANYSIZE_ARRAY];
} SEC_PRESHAREDKEY, *PSEC_PRESHAREDKEY;

typedef struct _SEC_PRESHAREDKEY_IDENTITY {
    unsigned short KeyIdentitySize;
    unsigned char  KeyIdentity[ANYSIZE_ARRAY];
} SEC_PRESHAREDKEY_IDENTITY, *PSEC_PRESHAREDKEY_IDENTITY;

typedef struct _SEC_DTLS_MTU {
    unsigned short PathMTU;
} SEC_DTLS_MTU, *PSEC_DTLS_MTU;

typedef struct _SEC_FLAGS {
    ULONGLONG Flags;   /* ISC_REQ_* / ISC_RET_* including the 64-bit ones */
} SEC_FLAGS, *PSEC_FLAGS;

typedef enum _SEC_TRAFFIC_SECRET_TYPE {
    SecTrafficSecret_None,
    SecTrafficSecret_Client,
    SecTrafficSecret_Server
} SEC_TRAFFIC_SECRET_TYPE, *PSEC_TRAFFIC_SECRET_TYPE;

#define SZ_ALG_MAX_SIZE 64

typedef struct _SEC_TRAFFIC_SECRETS {
    WCHAR          SymmetricAlgId[SZ_ALG_MAX_SIZE];
    WCHAR          ChainingMode[SZ_ALG_MAX_SIZE];
    WCHAR          HashAlgId[SZ_ALG_MAX_SIZE];
    unsigned short KeySize;
    unsigned short IvSize;
    unsigned short MsgSequenceStart;
    unsigned short MsgSequenceEnd;
    SEC_TRAFFIC_SECRET_TYPE TrafficSecretType;
    unsigned short TrafficSecretSize;
    unsigned char  TrafficSecret[ANYSIZE_ARRAY];
} SEC_TRAFFIC_SECRETS, *PSEC_TRAFFIC_SECRETS;

/* Data representation (TargetDataRep). */
#define SECURITY_NATIVE_DREP  0x00000010
#define SECURITY_NETWORK_DREP 0x00000000

/* fCredentialUse of AcquireCredentialsHandle. */
#define SECPKG_CRED_INBOUND                0x00000001
#define SECPKG_CRED_OUTBOUND               0x00000002
#define SECPKG_CRED_BOTH                   0x00000003
#define SECPKG_CRED_DEFAULT                0x00000004
#define SECPKG_CRED_RESERVED               0xF0000000
#define SECPKG_CRED_AUTOLOGON_RESTRICTED   0x00000010
#define SECPKG_CRED_PROCESS_POLICY_ONLY    0x00000020

/* ------------------------------------------------- InitializeSecurityContext */

#define ISC_REQ_DELEGATE                0x00000001
#define ISC_REQ_MUTUAL_AUTH             0x00000002
#define ISC_REQ_REPLAY_DETECT           0x00000004
#define ISC_REQ_SEQUENCE_DETECT         0x00000008
#define ISC_REQ_CONFIDENTIALITY         0x00000010
#define ISC_REQ_USE_SESSION_KEY         0x00000020
#define ISC_REQ_PROMPT_FOR_CREDS        0x00000040
#define ISC_REQ_USE_SUPPLIED_CREDS      0x00000080
#define ISC_REQ_ALLOCATE_MEMORY         0x00000100
#define ISC_REQ_USE_DCE_STYLE           0x00000200
#define ISC_REQ_DATAGRAM                0x00000400
#define ISC_REQ_CONNECTION              0x00000800
#define ISC_REQ_CALL_LEVEL              0x00001000
#define ISC_REQ_FRAGMENT_SUPPLIED       0x00002000
#define ISC_REQ_EXTENDED_ERROR          0x00004000
#define ISC_REQ_STREAM                  0x00008000
#define ISC_REQ_INTEGRITY               0x00010000
#define ISC_REQ_IDENTIFY                0x00020000
#define ISC_REQ_NULL_SESSION            0x00040000
#define ISC_REQ_MANUAL_CRED_VALIDATION  0x00080000
#define ISC_REQ_RESERVED1               0x00100000
#define ISC_REQ_FRAGMENT_TO_FIT         0x00200000
#define ISC_REQ_FORWARD_CREDENTIALS     0x00400000
#define ISC_REQ_NO_INTEGRITY            0x00800000
/* HTTP mode of Digest.  The Digest page's ASC_REQ_HTTP (0x10000000) is the
 * SDK's ASC_REQ_ALLOW_MISSING_BINDINGS; real clients (curl) use this flag. */
#define ISC_REQ_USE_HTTP_STYLE          0x01000000
#define ISC_REQ_UNVERIFIED_TARGET_NAME  0x20000000
#define ISC_REQ_CONFIDENTIALITY_ONLY    0x40000000
/* 64-bit request flags, passed in a SECBUFFER_FLAGS buffer (SEC_FLAGS). */
#define ISC_REQ_MESSAGES                0x0000000100000000ULL
#define ISC_REQ_DEFERRED_CRED_VALIDATION 0x0000000200000000ULL
#define ISC_REQ_NO_POST_HANDSHAKE_AUTH  0x0000000400000000ULL
#define ISC_REQ_REUSE_SESSION_TICKETS   0x0000000800000000ULL
#define ISC_REQ_EXPLICIT_SESSION        0x0000001000000000ULL

#define ISC_RET_DELEGATE                0x00000001
#define ISC_RET_MUTUAL_AUTH             0x00000002
#define ISC_RET_REPLAY_DETECT           0x00000004
#define ISC_RET_SEQUENCE_DETECT         0x00000008
#define ISC_RET_CONFIDENTIALITY         0x00000010
#define ISC_RET_USE_SESSION_KEY         0x00000020
#define ISC_RET_USED_COLLECTED_CREDS    0x00000040
#define ISC_RET_USED_SUPPLIED_CREDS     0x00000080
#define ISC_RET_ALLOCATED_MEMORY        0x00000100
#define ISC_RET_USED_DCE_STYLE          0x00000200
#define ISC_RET_DATAGRAM                0x00000400
#define ISC_RET_CONNECTION              0x00000800
#define ISC_RET_INTERMEDIATE_RETURN     0x00001000
#define ISC_RET_CALL_LEVEL              0x00002000
#define ISC_RET_EXTENDED_ERROR          0x00004000
#define ISC_RET_STREAM                  0x00008000
#define ISC_RET_INTEGRITY               0x00010000
#define ISC_RET_IDENTIFY                0x00020000
#define ISC_RET_NULL_SESSION            0x00040000
#define ISC_RET_MANUAL_CRED_VALIDATION  0x00080000
#define ISC_RET_RESERVED1               0x00100000
#define ISC_RET_FRAGMENT_ONLY           0x00200000
#define ISC_RET_FORWARD_CREDENTIALS     0x00400000
#define ISC_RET_USED_HTTP_STYLE         0x01000000
#define ISC_RET_NO_ADDITIONAL_TOKEN     0x02000000
#define ISC_RET_REAUTHENTICATION        0x08000000
#define ISC_RET_CONFIDENTIALITY_ONLY    0x40000000
#define ISC_RET_MESSAGES                0x0000000100000000ULL
#define ISC_RET_DEFERRED_CRED_VALIDATION 0x0000000200000000ULL
#define ISC_RET_NO_POST_HANDSHAKE_AUTH  0x0000000400000000ULL

/* ----------------------------------------------------- AcceptSecurityContext */

#define ASC_REQ_DELEGATE                0x00000001
#define ASC_REQ_MUTUAL_AUTH             0x00000002
#define ASC_REQ_REPLAY_DETECT           0x00000004
#define ASC_REQ_SEQUENCE_DETECT         0x00000008
#define ASC_REQ_CONFIDENTIALITY         0x00000010
#define ASC_REQ_USE_SESSION_KEY         0x00000020
#define ASC_REQ_SESSION_TICKET          0x00000040
#define ASC_REQ_ALLOCATE_MEMORY         0x00000100
#define ASC_REQ_USE_DCE_STYLE           0x00000200
#define ASC_REQ_DATAGRAM                0x00000400
#define ASC_REQ_CONNECTION              0x00000800
#define ASC_REQ_CALL_LEVEL              0x00001000
#define ASC_REQ_FRAGMENT_SUPPLIED       0x00002000
#define ASC_REQ_EXTENDED_ERROR          0x00008000
#define ASC_REQ_STREAM                  0x00010000
#define ASC_REQ_INTEGRITY               0x00020000
#define ASC_REQ_LICENSING               0x00040000
#define ASC_REQ_IDENTIFY                0x00080000
#define ASC_REQ_ALLOW_NULL_SESSION      0x00100000
#define ASC_REQ_ALLOW_NON_USER_LOGONS   0x00200000
#define ASC_REQ_ALLOW_CONTEXT_REPLAY    0x00400000
#define ASC_REQ_FRAGMENT_TO_FIT         0x00800000
#define ASC_REQ_NO_TOKEN                0x01000000
#define ASC_REQ_PROXY_BINDINGS          0x04000000
/* Also the value the Digest page calls ASC_REQ_HTTP: the shim accepts both
 * this and ISC_REQ_USE_HTTP_STYLE (0x01000000) as "HTTP mode" for Digest. */
#define ASC_REQ_ALLOW_MISSING_BINDINGS  0x10000000
#define ASC_REQ_MESSAGES                0x0000000100000000ULL

#define ASC_RET_DELEGATE                0x00000001
#define ASC_RET_MUTUAL_AUTH             0x00000002
#define ASC_RET_REPLAY_DETECT           0x00000004
#define ASC_RET_SEQUENCE_DETECT         0x00000008
#define ASC_RET_CONFIDENTIALITY         0x00000010
#define ASC_RET_USE_SESSION_KEY         0x00000020
#define ASC_RET_SESSION_TICKET          0x00000040
#define ASC_RET_ALLOCATED_MEMORY        0x00000100
#define ASC_RET_USED_DCE_STYLE          0x00000200
#define ASC_RET_DATAGRAM                0x00000400
#define ASC_RET_CONNECTION              0x00000800
#define ASC_RET_CALL_LEVEL              0x00002000
#define ASC_RET_THIRD_LEG_FAILED        0x00004000
#define ASC_RET_EXTENDED_ERROR          0x00008000
#define ASC_RET_STREAM                  0x00010000
#define ASC_RET_INTEGRITY               0x00020000
#define ASC_RET_LICENSING               0x00040000
#define ASC_RET_IDENTIFY                0x00080000
#define ASC_RET_NULL_SESSION            0x00100000
#define ASC_RET_ALLOW_NON_USER_LOGONS   0x00200000
#define ASC_RET_ALLOW_CONTEXT_REPLAY    0x00400000
#define ASC_RET_FRAGMENT_ONLY           0x00800000
#define ASC_RET_NO_TOKEN                0x01000000
#define ASC_RET_NO_ADDITIONAL_TOKEN     0x02000000
#define ASC_RET_MESSAGES                0x0000000100000000ULL

/* ------------------------------------------------------ context attributes */

#define SECPKG_ATTR_SIZES                    0
#define SECPKG_ATTR_NAMES                    1
#define SECPKG_ATTR_LIFESPAN                 2
#define SECPKG_ATTR_DCE_INFO                 3
#define SECPKG_ATTR_STREAM_SIZES             4
#define SECPKG_ATTR_KEY_INFO                 5
#define SECPKG_ATTR_AUTHORITY                6
#define SECPKG_ATTR_PROTO_INFO               7
#define SECPKG_ATTR_PASSWORD_EXPIRY          8
#define SECPKG_ATTR_SESSION_KEY              9
#define SECPKG_ATTR_PACKAGE_INFO             10
#define SECPKG_ATTR_USER_FLAGS               11
#define SECPKG_ATTR_NEGOTIATION_INFO         12
#define SECPKG_ATTR_NATIVE_NAMES             13
#define SECPKG_ATTR_FLAGS                    14
#define SECPKG_ATTR_USE_VALIDATED            15
#define SECPKG_ATTR_CREDENTIAL_NAME          16
#define SECPKG_ATTR_TARGET_INFORMATION       17
#define SECPKG_ATTR_ACCESS_TOKEN             18
#define SECPKG_ATTR_TARGET                   19
#define SECPKG_ATTR_AUTHENTICATION_ID        20
#define SECPKG_ATTR_LOGOFF_TIME              21
#define SECPKG_ATTR_NEGO_KEYS                22
#define SECPKG_ATTR_PROMPTING_NEEDED         24
#define SECPKG_ATTR_UNIQUE_BINDINGS          25
#define SECPKG_ATTR_ENDPOINT_BINDINGS        26
#define SECPKG_ATTR_CLIENT_SPECIFIED_TARGET  27
#define SECPKG_ATTR_LAST_CLIENT_TOKEN_STATUS 30
#define SECPKG_ATTR_NEGO_PKG_INFO            31
#define SECPKG_ATTR_NEGO_STATUS              32
#define SECPKG_ATTR_CONTEXT_DELETED          33
#define SECPKG_ATTR_DTLS_MTU                 34
#define SECPKG_ATTR_DATAGRAM_SIZES           SECPKG_ATTR_STREAM_SIZES
/* 128 in the SDK header (the QueryContextAttributes page says 124). */
#define SECPKG_ATTR_SUBJECT_SECURITY_ATTRIBUTES 128
#define SECPKG_ATTR_APPLICATION_PROTOCOL     35
#define SECPKG_ATTR_NEGOTIATED_TLS_EXTENSIONS 36
#define SECPKG_ATTR_IS_LOOPBACK              37

#define SECPKG_ATTR_NEGO_INFO_FLAG_NO_KERBEROS 0x1
#define SECPKG_ATTR_NEGO_INFO_FLAG_NO_NTLM     0x2

/* SecPkgContext_NegotiationInfo.NegotiationState */
#define SECPKG_NEGOTIATION_COMPLETE          0
#define SECPKG_NEGOTIATION_OPTIMISTIC        1
#define SECPKG_NEGOTIATION_IN_PROGRESS       2
#define SECPKG_NEGOTIATION_DIRECT            3
#define SECPKG_NEGOTIATION_TRY_MULTICRED     4

typedef struct _SecPkgContext_SubjectAttributes {
    void *AttributeInfo;
} SecPkgContext_SubjectAttributes, *PSecPkgContext_SubjectAttributes;

typedef enum _SECPKG_CRED_CLASS {
    SecPkgCredClass_None = 0,
    SecPkgCredClass_Ephemeral = 10,
    SecPkgCredClass_PersistedGeneric = 20,
    SecPkgCredClass_PersistedSpecific = 30,
    SecPkgCredClass_Explicit = 40
} SECPKG_CRED_CLASS, *PSECPKG_CRED_CLASS;

typedef struct _SecPkgContext_CredInfo {
    SECPKG_CRED_CLASS CredClass;
    ULONG             IsPromptingNeeded;
} SecPkgContext_CredInfo, *PSecPkgContext_CredInfo;

typedef struct _SecPkgContext_NegoPackageInfo {
    ULONG PackageMask;
} SecPkgContext_NegoPackageInfo, *PSecPkgContext_NegoPackageInfo;

typedef struct _SecPkgContext_NegoStatus {
    ULONG LastStatus;
} SecPkgContext_NegoStatus, *PSecPkgContext_NegoStatus;

typedef struct _SecPkgContext_Sizes {
    ULONG cbMaxToken;
    ULONG cbMaxSignature;
    ULONG cbBlockSize;
    ULONG cbSecurityTrailer;
} SecPkgContext_Sizes, *PSecPkgContext_Sizes;

typedef struct _SecPkgContext_StreamSizes {
    ULONG cbHeader;
    ULONG cbTrailer;
    ULONG cbMaximumMessage;
    ULONG cBuffers;
    ULONG cbBlockSize;
} SecPkgContext_StreamSizes, *PSecPkgContext_StreamSizes;

typedef SecPkgContext_StreamSizes SecPkgContext_DatagramSizes;
typedef PSecPkgContext_StreamSizes PSecPkgContext_DatagramSizes;

typedef struct _SecPkgContext_NamesW {
    SEC_WCHAR *sUserName;
} SecPkgContext_NamesW, *PSecPkgContext_NamesW;

typedef struct _SecPkgContext_NamesA {
    SEC_CHAR *sUserName;
} SecPkgContext_NamesA, *PSecPkgContext_NamesA;

typedef enum _SECPKG_ATTR_LCT_STATUS {
    SecPkgAttrLastClientTokenYes,
    SecPkgAttrLastClientTokenNo,
    SecPkgAttrLastClientTokenMaybe
} SECPKG_ATTR_LCT_STATUS, *PSECPKG_ATTR_LCT_STATUS;

typedef struct _SecPkgContext_LastClientTokenStatus {
    SECPKG_ATTR_LCT_STATUS LastClientTokenStatus;
} SecPkgContext_LastClientTokenStatus, *PSecPkgContext_LastClientTokenStatus;

typedef struct _SecPkgContext_Lifespan {
    TimeStamp tsStart;
    TimeStamp tsExpiry;
} SecPkgContext_Lifespan, *PSecPkgContext_Lifespan;

typedef struct _SecPkgContext_DceInfo {
    ULONG AuthzSvc;
    void *pPac;
} SecPkgContext_DceInfo, *PSecPkgContext_DceInfo;

typedef struct _SecPkgContext_KeyInfoA {
    SEC_CHAR *sSignatureAlgorithmName;
    SEC_CHAR *sEncryptAlgorithmName;
    ULONG     KeySize;             /* in bits */
    ULONG     SignatureAlgorithm;
    ULONG     EncryptAlgorithm;
} SecPkgContext_KeyInfoA, *PSecPkgContext_KeyInfoA;

typedef struct _SecPkgContext_KeyInfoW {
    SEC_WCHAR *sSignatureAlgorithmName;
    SEC_WCHAR *sEncryptAlgorithmName;
    ULONG      KeySize;
    ULONG      SignatureAlgorithm;
    ULONG      EncryptAlgorithm;
} SecPkgContext_KeyInfoW, *PSecPkgContext_KeyInfoW;

typedef struct _SecPkgContext_AuthorityA {
    SEC_CHAR *sAuthorityName;
} SecPkgContext_AuthorityA, *PSecPkgContext_AuthorityA;

typedef struct _SecPkgContext_AuthorityW {
    SEC_WCHAR *sAuthorityName;
} SecPkgContext_AuthorityW, *PSecPkgContext_AuthorityW;

typedef struct _SecPkgContext_ProtoInfoA {
    SEC_CHAR *sProtocolName;
    ULONG     majorVersion;
    ULONG     minorVersion;
} SecPkgContext_ProtoInfoA, *PSecPkgContext_ProtoInfoA;

typedef struct _SecPkgContext_ProtoInfoW {
    SEC_WCHAR *sProtocolName;
    ULONG      majorVersion;
    ULONG      minorVersion;
} SecPkgContext_ProtoInfoW, *PSecPkgContext_ProtoInfoW;

typedef struct _SecPkgContext_PasswordExpiry {
    TimeStamp tsPasswordExpires;
} SecPkgContext_PasswordExpiry, *PSecPkgContext_PasswordExpiry;

typedef struct _SecPkgContext_LogoffTime {
    TimeStamp tsLogoffTime;
} SecPkgContext_LogoffTime, *PSecPkgContext_LogoffTime;

typedef struct _SecPkgContext_SessionKey {
    ULONG          SessionKeyLength;
    unsigned char *SessionKey;
} SecPkgContext_SessionKey, *PSecPkgContext_SessionKey;

typedef struct _SecPkgContext_NegoKeys {
    ULONG          KeyType;
    unsigned short KeyLength;
    unsigned char *KeyValue;
    ULONG          VerifyKeyType;
    unsigned short VerifyKeyLength;
    unsigned char *VerifyKeyValue;
} SecPkgContext_NegoKeys, *PSecPkgContext_NegoKeys;

typedef struct _SecPkgContext_PackageInfoW {
    PSecPkgInfoW PackageInfo;
} SecPkgContext_PackageInfoW, *PSecPkgContext_PackageInfoW;

typedef struct _SecPkgContext_PackageInfoA {
    PSecPkgInfoA PackageInfo;
} SecPkgContext_PackageInfoA, *PSecPkgContext_PackageInfoA;

typedef struct _SecPkgContext_UserFlags {
    ULONG UserFlags;
} SecPkgContext_UserFlags, *PSecPkgContext_UserFlags;

typedef struct _SecPkgContext_Flags {
    ULONG Flags;
} SecPkgContext_Flags, *PSecPkgContext_Flags;

typedef struct _SecPkgContext_NegotiationInfoA {
    PSecPkgInfoA PackageInfo;
    ULONG        NegotiationState;   /* SECPKG_NEGOTIATION_* */
} SecPkgContext_NegotiationInfoA, *PSecPkgContext_NegotiationInfoA;

typedef struct _SecPkgContext_NegotiationInfoW {
    PSecPkgInfoW PackageInfo;
    ULONG        NegotiationState;
} SecPkgContext_NegotiationInfoW, *PSecPkgContext_NegotiationInfoW;

typedef struct _SecPkgContext_NativeNamesW {
    SEC_WCHAR *sClientName;
    SEC_WCHAR *sServerName;
} SecPkgContext_NativeNamesW, *PSecPkgContext_NativeNamesW;

typedef struct _SecPkgContext_NativeNamesA {
    SEC_CHAR *sClientName;
    SEC_CHAR *sServerName;
} SecPkgContext_NativeNamesA, *PSecPkgContext_NativeNamesA;

typedef struct _SecPkgContext_CredentialNameW {
    ULONG      CredentialType;
    SEC_WCHAR *sCredentialName;
} SecPkgContext_CredentialNameW, *PSecPkgContext_CredentialNameW;

typedef struct _SecPkgContext_CredentialNameA {
    ULONG     CredentialType;
    SEC_CHAR *sCredentialName;
} SecPkgContext_CredentialNameA, *PSecPkgContext_CredentialNameA;

typedef struct _SecPkgContext_AccessToken {
    void *AccessToken;
} SecPkgContext_AccessToken, *PSecPkgContext_AccessToken;

typedef struct _SecPkgContext_TargetInformation {
    ULONG          MarshalledTargetInfoLength;
    unsigned char *MarshalledTargetInfo;
} SecPkgContext_TargetInformation, *PSecPkgContext_TargetInformation;

typedef struct _SecPkgContext_AuthzID {
    ULONG AuthzIDLength;
    char *AuthzID;
} SecPkgContext_AuthzID, *PSecPkgContext_AuthzID;

typedef struct _SecPkgContext_Target {
    ULONG TargetLength;
    char *Target;
} SecPkgContext_Target, *PSecPkgContext_Target;

typedef struct _SecPkgContext_ClientSpecifiedTarget {
    SEC_WCHAR *sTargetName;
} SecPkgContext_ClientSpecifiedTarget, *PSecPkgContext_ClientSpecifiedTarget;

typedef struct _SecPkgContext_Bindings {
    ULONG                 BindingsLength;
    SEC_CHANNEL_BINDINGS *Bindings;
} SecPkgContext_Bindings, *PSecPkgContext_Bindings;

typedef enum _SEC_APPLICATION_PROTOCOL_NEGOTIATION_STATUS {
    SecApplicationProtocolNegotiationStatus_None,
    SecApplicationProtocolNegotiationStatus_Success,
    SecApplicationProtocolNegotiationStatus_SelectedClientOnly
} SEC_APPLICATION_PROTOCOL_NEGOTIATION_STATUS, *PSEC_APPLICATION_PROTOCOL_NEGOTIATION_STATUS;

#define MAX_PROTOCOL_ID_SIZE 0xff

typedef struct _SecPkgContext_ApplicationProtocol {
    SEC_APPLICATION_PROTOCOL_NEGOTIATION_STATUS ProtoNegoStatus;
    SEC_APPLICATION_PROTOCOL_NEGOTIATION_EXT    ProtoNegoExt;
    unsigned char ProtocolIdSize;
    unsigned char ProtocolId[MAX_PROTOCOL_ID_SIZE];
} SecPkgContext_ApplicationProtocol, *PSecPkgContext_ApplicationProtocol;

typedef struct _SecPkgContext_NegotiatedTlsExtensions {
    ULONG           ExtensionsCount;
    unsigned short *Extensions;
} SecPkgContext_NegotiatedTlsExtensions, *PSecPkgContext_NegotiatedTlsExtensions;

/* --------------------------------------------------- credential attributes */

#define SECPKG_CRED_ATTR_NAMES              1
#define SECPKG_CRED_ATTR_SSI_PROVIDER       2
#define SECPKG_CRED_ATTR_KDC_PROXY_SETTINGS 3
#define SECPKG_CRED_ATTR_CERT               4
#define SECPKG_CRED_ATTR_PAC_BYPASS         5

typedef struct _SecPkgCredentials_NamesW {
    SEC_WCHAR *sUserName;
} SecPkgCredentials_NamesW, *PSecPkgCredentials_NamesW;

typedef struct _SecPkgCredentials_NamesA {
    SEC_CHAR *sUserName;
} SecPkgCredentials_NamesA, *PSecPkgCredentials_NamesA;

typedef struct _SecPkgCredentials_SSIProviderW {
    SEC_WCHAR *sProviderName;
    ULONG      ProviderInfoLength;
    char      *ProviderInfo;
} SecPkgCredentials_SSIProviderW, *PSecPkgCredentials_SSIProviderW;

typedef struct _SecPkgCredentials_SSIProviderA {
    SEC_CHAR *sProviderName;
    ULONG     ProviderInfoLength;
    char     *ProviderInfo;
} SecPkgCredentials_SSIProviderA, *PSecPkgCredentials_SSIProviderA;

#define KDC_PROXY_SETTINGS_V1               1
#define KDC_PROXY_SETTINGS_FLAGS_FORCEPROXY 0x1

/* Strings follow the structure; offsets are from its start, lengths in bytes. */
typedef struct _SecPkgCredentials_KdcProxySettingsW {
    ULONG  Version;              /* KDC_PROXY_SETTINGS_V1 */
    ULONG  Flags;                /* KDC_PROXY_SETTINGS_FLAGS_* */
    USHORT ProxyServerOffset;
    USHORT ProxyServerLength;
    USHORT ClientTlsCredOffset;
    USHORT ClientTlsCredLength;
} SecPkgCredentials_KdcProxySettingsW, *PSecPkgCredentials_KdcProxySettingsW;

typedef struct _SecPkgCredentials_Cert {
    ULONG          EncodedCertSize;
    unsigned char *EncodedCert;
} SecPkgCredentials_Cert, *PSecPkgCredentials_Cert;

/* ----------------------------------------------------- export / import, QOP */

#define SECPKG_CONTEXT_EXPORT_RESET_NEW  0x00000001  /* new context is reset to initial state */
#define SECPKG_CONTEXT_EXPORT_DELETE_OLD 0x00000002  /* old context is deleted during export */
#define SECPKG_CONTEXT_EXPORT_TO_KERNEL  0x00000004  /* bit on input, to kernel mode */

/* fQOP of EncryptMessage / DecryptMessage. */
#define SECQOP_WRAP_NO_ENCRYPT 0x80000001
#define SECQOP_WRAP_OOB_DATA   0x40000000
#ifndef KERB_WRAP_NO_ENCRYPT
# define KERB_WRAP_NO_ENCRYPT  0x80000001   /* ntsecapi.h */
#endif

/* ------------------------------------------------------- CredSSP (credssp.h) */

/* pAuthData of AcquireCredentialsHandle for the CredSSP package. */
typedef enum _CREDSSP_SUBMIT_TYPE {
    CredsspPasswordCreds = 2,
    CredsspSchannelCreds = 4,
    CredsspCertificateCreds = 13,
    CredsspSubmitBufferBoth = 50,
    CredsspSubmitBufferBothOld = 51,
    CredsspCredEx = 100
} CREDSPP_SUBMIT_TYPE;   /* sic: the SDK's spelling */

typedef struct _CREDSSP_CRED {
    CREDSPP_SUBMIT_TYPE Type;
    PVOID               pSchannelCred;
    PVOID               pSpnegoCred;    /* e.g. a SEC_WINNT_AUTH_IDENTITY */
} CREDSSP_CRED, *PCREDSSP_CRED;

#define CREDSSP_CRED_EX_VERSION 0
#define CREDSSP_FLAG_REDIRECT   0x1

typedef struct _CREDSSP_CRED_EX {
    CREDSPP_SUBMIT_TYPE Type;           /* CredsspCredEx */
    ULONG               Version;        /* CREDSSP_CRED_EX_VERSION */
    ULONG               Flags;          /* CREDSSP_FLAG_* */
    ULONG               Reserved;
    CREDSSP_CRED        Cred;
} CREDSSP_CRED_EX, *PCREDSSP_CRED_EX;

typedef struct _SecPkgContext_ClientCreds {
    ULONG  AuthBufferLen;
    PUCHAR AuthBuffer;
} SecPkgContext_ClientCreds, *PSecPkgContext_ClientCreds;

#define CREDSSP_SERVER_AUTH_NEGOTIATE   0x1
#define CREDSSP_SERVER_AUTH_CERTIFICATE 0x2
#define CREDSSP_SERVER_AUTH_LOOPBACK    0x4

/* CredSSP context attributes ("alternate" attribute space). */
#define SECPKG_ALT_ATTR                 0x80000000
#define SECPKG_ATTR_C_ACCESS_TOKEN      (SECPKG_ATTR_ACCESS_TOKEN | SECPKG_ALT_ATTR)
#define SECPKG_ATTR_CREDS               0x80000080
#define SECPKG_ATTR_NEGOTIATION_PACKAGE 0x80000081
#define SECPKG_ATTR_C_FULL_ACCESS_TOKEN 0x80000082
#define SECPKG_ATTR_SERVER_AUTH_FLAGS   0x80000083
#define SECPKG_ATTR_CERT_TRUST_STATUS   0x80000084
#define SECPKG_ATTR_C_FULL_IDENT_TOKEN  0x80000085
#define SECPKG_ATTR_CREDS_2             0x80000086

/* --------------------------------------------------------- auth identities */

#ifndef SEC_WINNT_AUTH_IDENTITY_ANSI
# define SEC_WINNT_AUTH_IDENTITY_ANSI    0x1
#endif
#ifndef SEC_WINNT_AUTH_IDENTITY_UNICODE
# define SEC_WINNT_AUTH_IDENTITY_UNICODE 0x2
#endif

/* Lengths are in characters, without the terminating NUL. */
#ifndef _AUTH_IDENTITY_DEFINED
#define _AUTH_IDENTITY_DEFINED
typedef struct _SEC_WINNT_AUTH_IDENTITY_W {
    unsigned short *User;       /* UTF-16 (char16_t * converts in C) */
    ULONG           UserLength;
    unsigned short *Domain;
    ULONG           DomainLength;
    unsigned short *Password;
    ULONG           PasswordLength;
    ULONG           Flags;      /* SEC_WINNT_AUTH_IDENTITY_UNICODE */
} SEC_WINNT_AUTH_IDENTITY_W, *PSEC_WINNT_AUTH_IDENTITY_W;

typedef struct _SEC_WINNT_AUTH_IDENTITY_A {
    unsigned char *User;        /* UTF-8 on Unix */
    ULONG          UserLength;
    unsigned char *Domain;
    ULONG          DomainLength;
    unsigned char *Password;
    ULONG          PasswordLength;
    ULONG          Flags;       /* SEC_WINNT_AUTH_IDENTITY_ANSI */
} SEC_WINNT_AUTH_IDENTITY_A, *PSEC_WINNT_AUTH_IDENTITY_A;
#endif /* _AUTH_IDENTITY_DEFINED */

#define SEC_WINNT_AUTH_IDENTITY_VERSION   0x200
#define SEC_WINNT_AUTH_IDENTITY_VERSION_2 0x201

#ifndef _AUTH_IDENTITY_EX2_DEFINED
#define _AUTH_IDENTITY_EX2_DEFINED
/* Self-relative identity: strings follow at the given byte offsets. */
typedef struct _SEC_WINNT_AUTH_IDENTITY_EX2 {
    ULONG          Version;          /* SEC_WINNT_AUTH_IDENTITY_VERSION_2 */
    unsigned short cbHeaderLength;
    ULONG          cbStructureLength;
    ULONG          UserOffset;
    unsigned short UserLength;
    ULONG          DomainOffset;
    unsigned short DomainLength;
    ULONG          PackedCredentialsOffset;
    unsigned short PackedCredentialsLength;
    ULONG          Flags;
    ULONG          PackageListOffset;
    unsigned short PackageListLength;
} SEC_WINNT_AUTH_IDENTITY_EX2, *PSEC_WINNT_AUTH_IDENTITY_EX2;
#endif

typedef struct _SEC_WINNT_AUTH_IDENTITY_EXW {
    ULONG           Version;         /* SEC_WINNT_AUTH_IDENTITY_VERSION */
    ULONG           Length;          /* sizeof(SEC_WINNT_AUTH_IDENTITY_EXW) */
    unsigned short *User;
    ULONG           UserLength;
    unsigned short *Domain;
    ULONG           DomainLength;
    unsigned short *Password;
    ULONG           PasswordLength;
    ULONG           Flags;
    unsigned short *PackageList;     /* comma separated, "!" excludes */
    ULONG           PackageListLength;
} SEC_WINNT_AUTH_IDENTITY_EXW, *PSEC_WINNT_AUTH_IDENTITY_EXW;

typedef struct _SEC_WINNT_AUTH_IDENTITY_EXA {
    ULONG          Version;
    ULONG          Length;
    unsigned char *User;
    ULONG          UserLength;
    unsigned char *Domain;
    ULONG          DomainLength;
    unsigned char *Password;
    ULONG          PasswordLength;
    ULONG          Flags;
    unsigned char *PackageList;
    ULONG          PackageListLength;
} SEC_WINNT_AUTH_IDENTITY_EXA, *PSEC_WINNT_AUTH_IDENTITY_EXA;

typedef union _SEC_WINNT_AUTH_IDENTITY_INFO {
    SEC_WINNT_AUTH_IDENTITY_EXW AuthIdExw;
    SEC_WINNT_AUTH_IDENTITY_EXA AuthIdExa;
    SEC_WINNT_AUTH_IDENTITY_A   AuthId_a;
    SEC_WINNT_AUTH_IDENTITY_W   AuthId_w;
    SEC_WINNT_AUTH_IDENTITY_EX2 AuthIdEx2;
} SEC_WINNT_AUTH_IDENTITY_INFO, *PSEC_WINNT_AUTH_IDENTITY_INFO;

/* SEC_WINNT_AUTH_IDENTITY*.Flags */
#define SEC_WINNT_AUTH_IDENTITY_MARSHALLED                0x4
#define SEC_WINNT_AUTH_IDENTITY_ONLY                      0x8
#define SEC_WINNT_AUTH_IDENTITY_FLAGS_PROCESS_ENCRYPTED   0x10
#define SEC_WINNT_AUTH_IDENTITY_FLAGS_SYSTEM_PROTECTED    0x20
#define SEC_WINNT_AUTH_IDENTITY_FLAGS_USER_PROTECTED      0x40
#define SEC_WINNT_AUTH_IDENTITY_FLAGS_SYSTEM_ENCRYPTED    0x80
#define SEC_WINNT_AUTH_IDENTITY_FLAGS_RESERVED            0x10000
#define SEC_WINNT_AUTH_IDENTITY_FLAGS_NULL_USER           0x20000
#define SEC_WINNT_AUTH_IDENTITY_FLAGS_NULL_DOMAIN         0x40000
#define SEC_WINNT_AUTH_IDENTITY_FLAGS_ID_PROVIDER         0x80000
/* Flags that SspiPromptForCredentials' callers keep in the identity. */
#define SEC_WINNT_AUTH_IDENTITY_FLAGS_SSPIPFC_USE_MASK    0xFF000000
#define SEC_WINNT_AUTH_IDENTITY_FLAGS_SSPIPFC_CREDPROV_DO_NOT_SAVE 0x80000000
#define SEC_WINNT_AUTH_IDENTITY_FLAGS_SSPIPFC_SAVE_CRED_BY_CALLER \
        SEC_WINNT_AUTH_IDENTITY_FLAGS_SSPIPFC_CREDPROV_DO_NOT_SAVE
#define SEC_WINNT_AUTH_IDENTITY_FLAGS_SSPIPFC_SAVE_CRED_CHECKED    0x40000000
#define SEC_WINNT_AUTH_IDENTITY_FLAGS_SSPIPFC_NO_CHECKBOX          0x20000000
#define SEC_WINNT_AUTH_IDENTITY_FLAGS_SSPIPFC_CREDPROV_DO_NOT_LOAD 0x10000000
#define SEC_WINNT_AUTH_IDENTITY_FLAGS_VALID_SSPIPFC_FLAGS \
        (SEC_WINNT_AUTH_IDENTITY_FLAGS_SSPIPFC_CREDPROV_DO_NOT_SAVE | \
         SEC_WINNT_AUTH_IDENTITY_FLAGS_SSPIPFC_SAVE_CRED_CHECKED | \
         SEC_WINNT_AUTH_IDENTITY_FLAGS_SSPIPFC_NO_CHECKBOX | \
         SEC_WINNT_AUTH_IDENTITY_FLAGS_SSPIPFC_CREDPROV_DO_NOT_LOAD)

/* Opaque identities, as produced by SspiEncodeStringsAsAuthIdentity.  The SDK
 * only names the pointer type (a PVOID); the object type is ours. */
typedef void SEC_WINNT_AUTH_IDENTITY_OPAQUE;
typedef PVOID PSEC_WINNT_AUTH_IDENTITY_OPAQUE;

/* Packed credentials (SEC_WINNT_AUTH_IDENTITY_EX2.PackedCredentialsOffset). */
typedef struct _SEC_WINNT_AUTH_BYTE_VECTOR {
    ULONG          ByteArrayOffset;
    unsigned short ByteArrayLength;
} SEC_WINNT_AUTH_BYTE_VECTOR, *PSEC_WINNT_AUTH_BYTE_VECTOR;

typedef struct _SEC_WINNT_AUTH_DATA {
    GUID                       CredType;
    SEC_WINNT_AUTH_BYTE_VECTOR CredData;
} SEC_WINNT_AUTH_DATA, *PSEC_WINNT_AUTH_DATA;

typedef struct _SEC_WINNT_AUTH_PACKED_CREDENTIALS {
    unsigned short      cbHeaderLength;
    unsigned short      cbStructureLength;
    SEC_WINNT_AUTH_DATA AuthData;
} SEC_WINNT_AUTH_PACKED_CREDENTIALS, *PSEC_WINNT_AUTH_PACKED_CREDENTIALS;

typedef struct _SEC_WINNT_AUTH_DATA_PASSWORD {
    SEC_WINNT_AUTH_BYTE_VECTOR UnicodePassword;
} SEC_WINNT_AUTH_DATA_PASSWORD, *PSEC_WINNT_AUTH_DATA_PASSWORD;

typedef struct _SEC_WINNT_AUTH_CERTIFICATE_DATA {
    unsigned short             cbHeaderLength;
    unsigned short             cbStructureLength;
    SEC_WINNT_AUTH_BYTE_VECTOR Certificate;
} SEC_WINNT_AUTH_CERTIFICATE_DATA, *PSEC_WINNT_AUTH_CERTIFICATE_DATA;

typedef struct _SEC_WINNT_AUTH_SHORT_VECTOR {
    ULONG          ShortArrayOffset;
    unsigned short ShortArrayCount;
} SEC_WINNT_AUTH_SHORT_VECTOR, *PSEC_WINNT_AUTH_SHORT_VECTOR;

/* Options of SspiEncryptAuthIdentityEx / SspiDecryptAuthIdentityEx. */
#define SEC_WINNT_AUTH_IDENTITY_ENCRYPT_SAME_LOGON   0x1
#define SEC_WINNT_AUTH_IDENTITY_ENCRYPT_SAME_PROCESS 0x2
#define SEC_WINNT_AUTH_IDENTITY_ENCRYPT_FOR_SYSTEM   0x4

/* AddSecurityPackage options (the functions themselves are not provided). */
typedef struct _SECURITY_PACKAGE_OPTIONS {
    ULONG Size;
    ULONG Type;
    ULONG Flags;
    ULONG SignatureSize;
    void *Signature;
} SECURITY_PACKAGE_OPTIONS, *PSECURITY_PACKAGE_OPTIONS;

#define SECPKG_OPTIONS_TYPE_UNKNOWN 0
#define SECPKG_OPTIONS_TYPE_LSA     1
#define SECPKG_OPTIONS_TYPE_SSPI    2
#define SECPKG_OPTIONS_PERMANENT    0x00000001

/* ---------------------------------------------------------------- functions */

typedef void (SEC_ENTRY *SEC_GET_KEY_FN)(
    void *Arg, void *Principal, ULONG KeyVer, void **Key, SECURITY_STATUS *Status);

/* Credentials */
SSPI_API SECURITY_STATUS SEC_ENTRY AcquireCredentialsHandleW(
    LPWSTR pszPrincipal, LPWSTR pszPackage, ULONG fCredentialUse,
    void *pvLogonId, void *pAuthData, SEC_GET_KEY_FN pGetKeyFn,
    void *pvGetKeyArgument, PCredHandle phCredential, PTimeStamp ptsExpiry);
typedef SECURITY_STATUS (SEC_ENTRY *ACQUIRE_CREDENTIALS_HANDLE_FN_W)(
    LPWSTR, LPWSTR, ULONG, void *, void *, SEC_GET_KEY_FN, void *,
    PCredHandle, PTimeStamp);

SSPI_API SECURITY_STATUS SEC_ENTRY AcquireCredentialsHandleA(
    LPSTR pszPrincipal, LPSTR pszPackage, ULONG fCredentialUse,
    void *pvLogonId, void *pAuthData, SEC_GET_KEY_FN pGetKeyFn,
    void *pvGetKeyArgument, PCredHandle phCredential, PTimeStamp ptsExpiry);
typedef SECURITY_STATUS (SEC_ENTRY *ACQUIRE_CREDENTIALS_HANDLE_FN_A)(
    LPSTR, LPSTR, ULONG, void *, void *, SEC_GET_KEY_FN, void *,
    PCredHandle, PTimeStamp);

SSPI_API SECURITY_STATUS SEC_ENTRY FreeCredentialsHandle(PCredHandle phCredential);
typedef SECURITY_STATUS (SEC_ENTRY *FREE_CREDENTIALS_HANDLE_FN)(PCredHandle);
#define FreeCredentialHandle FreeCredentialsHandle   /* old SDK spelling */

SSPI_API SECURITY_STATUS SEC_ENTRY AddCredentialsW(
    PCredHandle hCredentials, LPWSTR pszPrincipal, LPWSTR pszPackage,
    ULONG fCredentialUse, void *pAuthData, SEC_GET_KEY_FN pGetKeyFn,
    void *pvGetKeyArgument, PTimeStamp ptsExpiry);
typedef SECURITY_STATUS (SEC_ENTRY *ADD_CREDENTIALS_FN_W)(
    PCredHandle, LPWSTR, LPWSTR, ULONG, void *, SEC_GET_KEY_FN, void *, PTimeStamp);

SSPI_API SECURITY_STATUS SEC_ENTRY AddCredentialsA(
    PCredHandle hCredentials, LPSTR pszPrincipal, LPSTR pszPackage,
    ULONG fCredentialUse, void *pAuthData, SEC_GET_KEY_FN pGetKeyFn,
    void *pvGetKeyArgument, PTimeStamp ptsExpiry);
typedef SECURITY_STATUS (SEC_ENTRY *ADD_CREDENTIALS_FN_A)(
    PCredHandle, LPSTR, LPSTR, ULONG, void *, SEC_GET_KEY_FN, void *, PTimeStamp);

/* Password change */
SSPI_API SECURITY_STATUS SEC_ENTRY ChangeAccountPasswordW(
    SEC_WCHAR *pszPackageName, SEC_WCHAR *pszDomainName, SEC_WCHAR *pszAccountName,
    SEC_WCHAR *pszOldPassword, SEC_WCHAR *pszNewPassword, BOOLEAN bImpersonating,
    ULONG dwReserved, PSecBufferDesc pOutput);
typedef SECURITY_STATUS (SEC_ENTRY *CHANGE_PASSWORD_FN_W)(
    SEC_WCHAR *, SEC_WCHAR *, SEC_WCHAR *, SEC_WCHAR *, SEC_WCHAR *, BOOLEAN,
    ULONG, PSecBufferDesc);

SSPI_API SECURITY_STATUS SEC_ENTRY ChangeAccountPasswordA(
    SEC_CHAR *pszPackageName, SEC_CHAR *pszDomainName, SEC_CHAR *pszAccountName,
    SEC_CHAR *pszOldPassword, SEC_CHAR *pszNewPassword, BOOLEAN bImpersonating,
    ULONG dwReserved, PSecBufferDesc pOutput);
typedef SECURITY_STATUS (SEC_ENTRY *CHANGE_PASSWORD_FN_A)(
    SEC_CHAR *, SEC_CHAR *, SEC_CHAR *, SEC_CHAR *, SEC_CHAR *, BOOLEAN,
    ULONG, PSecBufferDesc);

/* Context management */
SSPI_API SECURITY_STATUS SEC_ENTRY InitializeSecurityContextW(
    PCredHandle phCredential, PCtxtHandle phContext, SEC_WCHAR *pszTargetName,
    ULONG fContextReq, ULONG Reserved1, ULONG TargetDataRep,
    PSecBufferDesc pInput, ULONG Reserved2, PCtxtHandle phNewContext,
    PSecBufferDesc pOutput, ULONG *pfContextAttr, PTimeStamp ptsExpiry);
typedef SECURITY_STATUS (SEC_ENTRY *INITIALIZE_SECURITY_CONTEXT_FN_W)(
    PCredHandle, PCtxtHandle, SEC_WCHAR *, ULONG, ULONG, ULONG, PSecBufferDesc,
    ULONG, PCtxtHandle, PSecBufferDesc, ULONG *, PTimeStamp);

SSPI_API SECURITY_STATUS SEC_ENTRY InitializeSecurityContextA(
    PCredHandle phCredential, PCtxtHandle phContext, SEC_CHAR *pszTargetName,
    ULONG fContextReq, ULONG Reserved1, ULONG TargetDataRep,
    PSecBufferDesc pInput, ULONG Reserved2, PCtxtHandle phNewContext,
    PSecBufferDesc pOutput, ULONG *pfContextAttr, PTimeStamp ptsExpiry);
typedef SECURITY_STATUS (SEC_ENTRY *INITIALIZE_SECURITY_CONTEXT_FN_A)(
    PCredHandle, PCtxtHandle, SEC_CHAR *, ULONG, ULONG, ULONG, PSecBufferDesc,
    ULONG, PCtxtHandle, PSecBufferDesc, ULONG *, PTimeStamp);

SSPI_API SECURITY_STATUS SEC_ENTRY AcceptSecurityContext(
    PCredHandle phCredential, PCtxtHandle phContext, PSecBufferDesc pInput,
    ULONG fContextReq, ULONG TargetDataRep, PCtxtHandle phNewContext,
    PSecBufferDesc pOutput, ULONG *pfContextAttr, PTimeStamp ptsExpiry);
typedef SECURITY_STATUS (SEC_ENTRY *ACCEPT_SECURITY_CONTEXT_FN)(
    PCredHandle, PCtxtHandle, PSecBufferDesc, ULONG, ULONG, PCtxtHandle,
    PSecBufferDesc, ULONG *, PTimeStamp);

SSPI_API SECURITY_STATUS SEC_ENTRY CompleteAuthToken(PCtxtHandle phContext, PSecBufferDesc pToken);
typedef SECURITY_STATUS (SEC_ENTRY *COMPLETE_AUTH_TOKEN_FN)(PCtxtHandle, PSecBufferDesc);

SSPI_API SECURITY_STATUS SEC_ENTRY ImpersonateSecurityContext(PCtxtHandle phContext);
typedef SECURITY_STATUS (SEC_ENTRY *IMPERSONATE_SECURITY_CONTEXT_FN)(PCtxtHandle);

SSPI_API SECURITY_STATUS SEC_ENTRY RevertSecurityContext(PCtxtHandle phContext);
typedef SECURITY_STATUS (SEC_ENTRY *REVERT_SECURITY_CONTEXT_FN)(PCtxtHandle);

/* Token is a HANDLE (void *). */
SSPI_API SECURITY_STATUS SEC_ENTRY QuerySecurityContextToken(PCtxtHandle phContext, void **Token);
typedef SECURITY_STATUS (SEC_ENTRY *QUERY_SECURITY_CONTEXT_TOKEN_FN)(PCtxtHandle, void **);

SSPI_API SECURITY_STATUS SEC_ENTRY DeleteSecurityContext(PCtxtHandle phContext);
typedef SECURITY_STATUS (SEC_ENTRY *DELETE_SECURITY_CONTEXT_FN)(PCtxtHandle);

SSPI_API SECURITY_STATUS SEC_ENTRY ApplyControlToken(PCtxtHandle phContext, PSecBufferDesc pInput);
typedef SECURITY_STATUS (SEC_ENTRY *APPLY_CONTROL_TOKEN_FN)(PCtxtHandle, PSecBufferDesc);

/* Attributes */
SSPI_API SECURITY_STATUS SEC_ENTRY QueryContextAttributesW(
    PCtxtHandle phContext, ULONG ulAttribute, void *pBuffer);
typedef SECURITY_STATUS (SEC_ENTRY *QUERY_CONTEXT_ATTRIBUTES_FN_W)(PCtxtHandle, ULONG, void *);

SSPI_API SECURITY_STATUS SEC_ENTRY QueryContextAttributesA(
    PCtxtHandle phContext, ULONG ulAttribute, void *pBuffer);
typedef SECURITY_STATUS (SEC_ENTRY *QUERY_CONTEXT_ATTRIBUTES_FN_A)(PCtxtHandle, ULONG, void *);

SSPI_API SECURITY_STATUS SEC_ENTRY QueryContextAttributesExW(
    PCtxtHandle phContext, ULONG ulAttribute, void *pBuffer, ULONG cbBuffer);
typedef SECURITY_STATUS (SEC_ENTRY *QUERY_CONTEXT_ATTRIBUTES_EX_FN_W)(PCtxtHandle, ULONG, void *, ULONG);

SSPI_API SECURITY_STATUS SEC_ENTRY QueryContextAttributesExA(
    PCtxtHandle phContext, ULONG ulAttribute, void *pBuffer, ULONG cbBuffer);
typedef SECURITY_STATUS (SEC_ENTRY *QUERY_CONTEXT_ATTRIBUTES_EX_FN_A)(PCtxtHandle, ULONG, void *, ULONG);

SSPI_API SECURITY_STATUS SEC_ENTRY SetContextAttributesW(
    PCtxtHandle phContext, ULONG ulAttribute, void *pBuffer, ULONG cbBuffer);
typedef SECURITY_STATUS (SEC_ENTRY *SET_CONTEXT_ATTRIBUTES_FN_W)(PCtxtHandle, ULONG, void *, ULONG);

SSPI_API SECURITY_STATUS SEC_ENTRY SetContextAttributesA(
    PCtxtHandle phContext, ULONG ulAttribute, void *pBuffer, ULONG cbBuffer);
typedef SECURITY_STATUS (SEC_ENTRY *SET_CONTEXT_ATTRIBUTES_FN_A)(PCtxtHandle, ULONG, void *, ULONG);

SSPI_API SECURITY_STATUS SEC_ENTRY QueryCredentialsAttributesW(
    PCredHandle phCredential, ULONG ulAttribute, void *pBuffer);
typedef SECURITY_STATUS (SEC_ENTRY *QUERY_CREDENTIALS_ATTRIBUTES_FN_W)(PCredHandle, ULONG, void *);

SSPI_API SECURITY_STATUS SEC_ENTRY QueryCredentialsAttributesA(
    PCredHandle phCredential, ULONG ulAttribute, void *pBuffer);
typedef SECURITY_STATUS (SEC_ENTRY *QUERY_CREDENTIALS_ATTRIBUTES_FN_A)(PCredHandle, ULONG, void *);

SSPI_API SECURITY_STATUS SEC_ENTRY QueryCredentialsAttributesExW(
    PCredHandle phCredential, ULONG ulAttribute, void *pBuffer, ULONG cbBuffer);
typedef SECURITY_STATUS (SEC_ENTRY *QUERY_CREDENTIALS_ATTRIBUTES_EX_FN_W)(PCredHandle, ULONG, void *, ULONG);

SSPI_API SECURITY_STATUS SEC_ENTRY QueryCredentialsAttributesExA(
    PCredHandle phCredential, ULONG ulAttribute, void *pBuffer, ULONG cbBuffer);
typedef SECURITY_STATUS (SEC_ENTRY *QUERY_CREDENTIALS_ATTRIBUTES_EX_FN_A)(PCredHandle, ULONG, void *, ULONG);

SSPI_API SECURITY_STATUS SEC_ENTRY SetCredentialsAttributesW(
    PCredHandle phCredential, ULONG ulAttribute, void *pBuffer, ULONG cbBuffer);
typedef SECURITY_STATUS (SEC_ENTRY *SET_CREDENTIALS_ATTRIBUTES_FN_W)(PCredHandle, ULONG, void *, ULONG);

SSPI_API SECURITY_STATUS SEC_ENTRY SetCredentialsAttributesA(
    PCredHandle phCredential, ULONG ulAttribute, void *pBuffer, ULONG cbBuffer);
typedef SECURITY_STATUS (SEC_ENTRY *SET_CREDENTIALS_ATTRIBUTES_FN_A)(PCredHandle, ULONG, void *, ULONG);

SSPI_API SECURITY_STATUS SEC_ENTRY FreeContextBuffer(PVOID pvContextBuffer);
typedef SECURITY_STATUS (SEC_ENTRY *FREE_CONTEXT_BUFFER_FN)(PVOID);

/* Message support */
SSPI_API SECURITY_STATUS SEC_ENTRY MakeSignature(
    PCtxtHandle phContext, ULONG fQOP, PSecBufferDesc pMessage, ULONG MessageSeqNo);
typedef SECURITY_STATUS (SEC_ENTRY *MAKE_SIGNATURE_FN)(PCtxtHandle, ULONG, PSecBufferDesc, ULONG);

SSPI_API SECURITY_STATUS SEC_ENTRY VerifySignature(
    PCtxtHandle phContext, PSecBufferDesc pMessage, ULONG MessageSeqNo, ULONG *pfQOP);
typedef SECURITY_STATUS (SEC_ENTRY *VERIFY_SIGNATURE_FN)(PCtxtHandle, PSecBufferDesc, ULONG, ULONG *);

SSPI_API SECURITY_STATUS SEC_ENTRY EncryptMessage(
    PCtxtHandle phContext, ULONG fQOP, PSecBufferDesc pMessage, ULONG MessageSeqNo);
typedef SECURITY_STATUS (SEC_ENTRY *ENCRYPT_MESSAGE_FN)(PCtxtHandle, ULONG, PSecBufferDesc, ULONG);

SSPI_API SECURITY_STATUS SEC_ENTRY DecryptMessage(
    PCtxtHandle phContext, PSecBufferDesc pMessage, ULONG MessageSeqNo, ULONG *pfQOP);
typedef SECURITY_STATUS (SEC_ENTRY *DECRYPT_MESSAGE_FN)(PCtxtHandle, PSecBufferDesc, ULONG, ULONG *);

/* Package management */
SSPI_API SECURITY_STATUS SEC_ENTRY EnumerateSecurityPackagesW(
    ULONG *pcPackages, PSecPkgInfoW *ppPackageInfo);
typedef SECURITY_STATUS (SEC_ENTRY *ENUMERATE_SECURITY_PACKAGES_FN_W)(ULONG *, PSecPkgInfoW *);

SSPI_API SECURITY_STATUS SEC_ENTRY EnumerateSecurityPackagesA(
    ULONG *pcPackages, PSecPkgInfoA *ppPackageInfo);
typedef SECURITY_STATUS (SEC_ENTRY *ENUMERATE_SECURITY_PACKAGES_FN_A)(ULONG *, PSecPkgInfoA *);

SSPI_API SECURITY_STATUS SEC_ENTRY QuerySecurityPackageInfoW(
    LPWSTR pszPackageName, PSecPkgInfoW *ppPackageInfo);
typedef SECURITY_STATUS (SEC_ENTRY *QUERY_SECURITY_PACKAGE_INFO_FN_W)(LPWSTR, PSecPkgInfoW *);

SSPI_API SECURITY_STATUS SEC_ENTRY QuerySecurityPackageInfoA(
    LPSTR pszPackageName, PSecPkgInfoA *ppPackageInfo);
typedef SECURITY_STATUS (SEC_ENTRY *QUERY_SECURITY_PACKAGE_INFO_FN_A)(LPSTR, PSecPkgInfoA *);

/* Context export / import.  Token is a HANDLE (void *). */
SSPI_API SECURITY_STATUS SEC_ENTRY ExportSecurityContext(
    PCtxtHandle phContext, ULONG fFlags, PSecBuffer pPackedContext, void **pToken);
typedef SECURITY_STATUS (SEC_ENTRY *EXPORT_SECURITY_CONTEXT_FN)(PCtxtHandle, ULONG, PSecBuffer, void **);

SSPI_API SECURITY_STATUS SEC_ENTRY ImportSecurityContextW(
    LPWSTR pszPackage, PSecBuffer pPackedContext, void *Token, PCtxtHandle phContext);
typedef SECURITY_STATUS (SEC_ENTRY *IMPORT_SECURITY_CONTEXT_FN_W)(LPWSTR, PSecBuffer, void *, PCtxtHandle);

SSPI_API SECURITY_STATUS SEC_ENTRY ImportSecurityContextA(
    LPSTR pszPackage, PSecBuffer pPackedContext, void *Token, PCtxtHandle phContext);
typedef SECURITY_STATUS (SEC_ENTRY *IMPORT_SECURITY_CONTEXT_FN_A)(LPSTR, PSecBuffer, void *, PCtxtHandle);

/* ---------------------------------------------------------- function table */

#define SECURITY_ENTRYPOINT_ANSIW "InitSecurityInterfaceW"
#define SECURITY_ENTRYPOINT_ANSIA "InitSecurityInterfaceA"
#define SECURITY_ENTRYPOINTW SEC_TEXT("InitSecurityInterfaceW")
#define SECURITY_ENTRYPOINTA SEC_TEXT("InitSecurityInterfaceA")
#define SECURITY_ENTRYPOINT16 "INITSECURITYINTERFACEA"

/* dwVersion values: 1 is up to DecryptMessage, 2 adds SetContextAttributes,
 * 3 SetCredentialsAttributes, 4 ChangeAccountPassword, 5 the Ex queries. */
#define SECURITY_SUPPORT_PROVIDER_INTERFACE_VERSION   1
#define SECURITY_SUPPORT_PROVIDER_INTERFACE_VERSION_2 2
#define SECURITY_SUPPORT_PROVIDER_INTERFACE_VERSION_3 3
#define SECURITY_SUPPORT_PROVIDER_INTERFACE_VERSION_4 4
#define SECURITY_SUPPORT_PROVIDER_INTERFACE_VERSION_5 5

typedef struct _SECURITY_FUNCTION_TABLE_W {
    ULONG                               dwVersion;
    ENUMERATE_SECURITY_PACKAGES_FN_W    EnumerateSecurityPackagesW;
    QUERY_CREDENTIALS_ATTRIBUTES_FN_W   QueryCredentialsAttributesW;
    ACQUIRE_CREDENTIALS_HANDLE_FN_W     AcquireCredentialsHandleW;
    FREE_CREDENTIALS_HANDLE_FN          FreeCredentialsHandle;
    void                               *Reserved2;
    INITIALIZE_SECURITY_CONTEXT_FN_W    InitializeSecurityContextW;
    ACCEPT_SECURITY_CONTEXT_FN          AcceptSecurityContext;
    COMPLETE_AUTH_TOKEN_FN              CompleteAuthToken;
    DELETE_SECURITY_CONTEXT_FN          DeleteSecurityContext;
    APPLY_CONTROL_TOKEN_FN              ApplyControlToken;
    QUERY_CONTEXT_ATTRIBUTES_FN_W       QueryContextAttributesW;
    IMPERSONATE_SECURITY_CONTEXT_FN     ImpersonateSecurityContext;
    REVERT_SECURITY_CONTEXT_FN          RevertSecurityContext;
    MAKE_SIGNATURE_FN                   MakeSignature;
    VERIFY_SIGNATURE_FN                 VerifySignature;
    FREE_CONTEXT_BUFFER_FN              FreeContextBuffer;
    QUERY_SECURITY_PACKAGE_INFO_FN_W    QuerySecurityPackageInfoW;
    void                               *Reserved3;
    void                               *Reserved4;
    EXPORT_SECURITY_CONTEXT_FN          ExportSecurityContext;
    IMPORT_SECURITY_CONTEXT_FN_W        ImportSecurityContextW;
    ADD_CREDENTIALS_FN_W                AddCredentialsW;
    void                               *Reserved8;
    QUERY_SECURITY_CONTEXT_TOKEN_FN     QuerySecurityContextToken;
    ENCRYPT_MESSAGE_FN                  EncryptMessage;
    DECRYPT_MESSAGE_FN                  DecryptMessage;
    /* SECURITY_SUPPORT_PROVIDER_INTERFACE_VERSION_2 */
    SET_CONTEXT_ATTRIBUTES_FN_W         SetContextAttributesW;
    /* _3 */
    SET_CREDENTIALS_ATTRIBUTES_FN_W     SetCredentialsAttributesW;
    /* _4 */
    CHANGE_PASSWORD_FN_W                ChangeAccountPasswordW;
    /* _5 */
    QUERY_CONTEXT_ATTRIBUTES_EX_FN_W    QueryContextAttributesExW;
    QUERY_CREDENTIALS_ATTRIBUTES_EX_FN_W QueryCredentialsAttributesExW;
} SecurityFunctionTableW, *PSecurityFunctionTableW;

typedef struct _SECURITY_FUNCTION_TABLE_A {
    ULONG                               dwVersion;
    ENUMERATE_SECURITY_PACKAGES_FN_A    EnumerateSecurityPackagesA;
    QUERY_CREDENTIALS_ATTRIBUTES_FN_A   QueryCredentialsAttributesA;
    ACQUIRE_CREDENTIALS_HANDLE_FN_A     AcquireCredentialsHandleA;
    FREE_CREDENTIALS_HANDLE_FN          FreeCredentialHandle;  /* SDK spelling */
    void                               *Reserved2;
    INITIALIZE_SECURITY_CONTEXT_FN_A    InitializeSecurityContextA;
    ACCEPT_SECURITY_CONTEXT_FN          AcceptSecurityContext;
    COMPLETE_AUTH_TOKEN_FN              CompleteAuthToken;
    DELETE_SECURITY_CONTEXT_FN          DeleteSecurityContext;
    APPLY_CONTROL_TOKEN_FN              ApplyControlToken;
    QUERY_CONTEXT_ATTRIBUTES_FN_A       QueryContextAttributesA;
    IMPERSONATE_SECURITY_CONTEXT_FN     ImpersonateSecurityContext;
    REVERT_SECURITY_CONTEXT_FN          RevertSecurityContext;
    MAKE_SIGNATURE_FN                   MakeSignature;
    VERIFY_SIGNATURE_FN                 VerifySignature;
    FREE_CONTEXT_BUFFER_FN              FreeContextBuffer;
    QUERY_SECURITY_PACKAGE_INFO_FN_A    QuerySecurityPackageInfoA;
    void                               *Reserved3;
    void                               *Reserved4;
    EXPORT_SECURITY_CONTEXT_FN          ExportSecurityContext;
    IMPORT_SECURITY_CONTEXT_FN_A        ImportSecurityContextA;
    ADD_CREDENTIALS_FN_A                AddCredentialsA;
    void                               *Reserved8;
    QUERY_SECURITY_CONTEXT_TOKEN_FN     QuerySecurityContextToken;
    ENCRYPT_MESSAGE_FN                  EncryptMessage;
    DECRYPT_MESSAGE_FN                  DecryptMessage;
    SET_CONTEXT_ATTRIBUTES_FN_A         SetContextAttributesA;
    SET_CREDENTIALS_ATTRIBUTES_FN_A     SetCredentialsAttributesA;
    CHANGE_PASSWORD_FN_A                ChangeAccountPasswordA;
    QUERY_CONTEXT_ATTRIBUTES_EX_FN_A    QueryContextAttributesExA;
    QUERY_CREDENTIALS_ATTRIBUTES_EX_FN_A QueryCredentialsAttributesExA;
} SecurityFunctionTableA, *PSecurityFunctionTableA;

SSPI_API PSecurityFunctionTableW SEC_ENTRY InitSecurityInterfaceW(void);
typedef PSecurityFunctionTableW (SEC_ENTRY *INIT_SECURITY_INTERFACE_W)(void);

SSPI_API PSecurityFunctionTableA SEC_ENTRY InitSecurityInterfaceA(void);
typedef PSecurityFunctionTableA (SEC_ENTRY *INIT_SECURITY_INTERFACE_A)(void);

/* ------------------------------------------------ auth identity helpers */

SSPI_API SECURITY_STATUS SEC_ENTRY SspiEncodeAuthIdentityAsStrings(
    PSEC_WINNT_AUTH_IDENTITY_OPAQUE pAuthIdentity, PCWSTR *ppszUserName,
    PCWSTR *ppszDomainName, PCWSTR *ppszPackedCredentialsString);

SSPI_API SECURITY_STATUS SEC_ENTRY SspiValidateAuthIdentity(
    PSEC_WINNT_AUTH_IDENTITY_OPAQUE AuthData);

SSPI_API SECURITY_STATUS SEC_ENTRY SspiCopyAuthIdentity(
    PSEC_WINNT_AUTH_IDENTITY_OPAQUE AuthData,
    PSEC_WINNT_AUTH_IDENTITY_OPAQUE *AuthDataCopy);

SSPI_API void SEC_ENTRY SspiFreeAuthIdentity(PSEC_WINNT_AUTH_IDENTITY_OPAQUE AuthData);

SSPI_API void SEC_ENTRY SspiZeroAuthIdentity(PSEC_WINNT_AUTH_IDENTITY_OPAQUE AuthData);

SSPI_API void SEC_ENTRY SspiLocalFree(PVOID DataBuffer);

SSPI_API SECURITY_STATUS SEC_ENTRY SspiEncodeStringsAsAuthIdentity(
    PCWSTR pszUserName, PCWSTR pszDomainName, PCWSTR pszPackedCredentialsString,
    PSEC_WINNT_AUTH_IDENTITY_OPAQUE *ppAuthIdentity);

SSPI_API SECURITY_STATUS SEC_ENTRY SspiCompareAuthIdentities(
    PSEC_WINNT_AUTH_IDENTITY_OPAQUE AuthIdentity1,
    PSEC_WINNT_AUTH_IDENTITY_OPAQUE AuthIdentity2,
    PBOOLEAN SameSuppliedUser, PBOOLEAN SameSuppliedIdentity);

SSPI_API SECURITY_STATUS SEC_ENTRY SspiMarshalAuthIdentity(
    PSEC_WINNT_AUTH_IDENTITY_OPAQUE AuthIdentity, ULONG *AuthIdentityLength,
    char **AuthIdentityByteArray);

SSPI_API SECURITY_STATUS SEC_ENTRY SspiUnmarshalAuthIdentity(
    ULONG AuthIdentityLength, char *AuthIdentityByteArray,
    PSEC_WINNT_AUTH_IDENTITY_OPAQUE *ppAuthIdentity);

SSPI_API BOOLEAN SEC_ENTRY SspiIsPromptingNeeded(ULONG ErrorOrNtStatus);

SSPI_API SECURITY_STATUS SEC_ENTRY SspiGetTargetHostName(
    PCWSTR pszTargetName, PWSTR *pszHostName);

SSPI_API SECURITY_STATUS SEC_ENTRY SspiExcludePackage(
    PSEC_WINNT_AUTH_IDENTITY_OPAQUE AuthIdentity, PCWSTR pszPackageName,
    PSEC_WINNT_AUTH_IDENTITY_OPAQUE *ppNewAuthIdentity);

SSPI_API SECURITY_STATUS SEC_ENTRY SspiEncryptAuthIdentity(
    PSEC_WINNT_AUTH_IDENTITY_OPAQUE AuthData);

SSPI_API SECURITY_STATUS SEC_ENTRY SspiEncryptAuthIdentityEx(
    ULONG Options, PSEC_WINNT_AUTH_IDENTITY_OPAQUE AuthData);

SSPI_API SECURITY_STATUS SEC_ENTRY SspiDecryptAuthIdentity(
    PSEC_WINNT_AUTH_IDENTITY_OPAQUE EncryptedAuthData);

SSPI_API SECURITY_STATUS SEC_ENTRY SspiDecryptAuthIdentityEx(
    ULONG Options, PSEC_WINNT_AUTH_IDENTITY_OPAQUE EncryptedAuthData);

SSPI_API BOOLEAN SEC_ENTRY SspiIsAuthIdentityEncrypted(
    PSEC_WINNT_AUTH_IDENTITY_OPAQUE EncryptedAuthData);

/* ------------------------------------------------------------ package names */

/* security.h */
#ifndef NEGOSSP_NAME_A
# define NEGOSSP_NAME_A "Negotiate"
#endif
#ifndef NEGOSSP_NAME_W
# define NEGOSSP_NAME_W u"Negotiate"
#endif
#ifndef NTLMSP_NAME_A
# define NTLMSP_NAME_A "NTLM"
#endif
#ifndef NTLMSP_NAME_W
# define NTLMSP_NAME_W u"NTLM"      /* ours: the SDK has only NTLMSP_NAME */
#endif
#ifndef NTLMSP_NAME
# define NTLMSP_NAME NTLMSP_NAME_W  /* always UTF-16, as in the SDK */
#endif
/* ntsecapi.h */
#ifndef MICROSOFT_KERBEROS_NAME_A
# define MICROSOFT_KERBEROS_NAME_A "Kerberos"
#endif
#ifndef MICROSOFT_KERBEROS_NAME_W
# define MICROSOFT_KERBEROS_NAME_W u"Kerberos"
#endif
/* wdigest.h */
#ifndef WDIGEST_SP_NAME_A
# define WDIGEST_SP_NAME_A "WDigest"
#endif
#ifndef WDIGEST_SP_NAME_W
# define WDIGEST_SP_NAME_W u"WDigest"
#endif
/* credssp.h: the SDK spells the package "CREDSSP" (W only); package names are
 * compared case-insensitively, so "CredSSP" selects the same package. */
#ifndef CREDSSP_NAME_A
# define CREDSSP_NAME_A "CREDSSP"   /* ours: the SDK has only CREDSSP_NAME */
#endif
#ifndef CREDSSP_NAME_W
# define CREDSSP_NAME_W u"CREDSSP"  /* ours */
#endif
#ifndef CREDSSP_NAME
# define CREDSSP_NAME CREDSSP_NAME_W
#endif
#ifndef TS_SSP_NAME_A
# define TS_SSP_NAME_A "TSSSP"
#endif
#ifndef TS_SSP_NAME
# define TS_SSP_NAME u"TSSSP"
#endif

/* ------------------------------------------------------------ status codes */

/* winerror.h / ntstatus.h values; an application's own definitions win. */
#ifndef SEC_SUCCESS
# define SEC_SUCCESS(Status) ((Status) >= 0)
#endif
#ifndef SEC_E_OK
# define SEC_E_OK ((SECURITY_STATUS)0x00000000L)
#endif
#ifndef SEC_E_INSUFFICIENT_MEMORY
# define SEC_E_INSUFFICIENT_MEMORY ((SECURITY_STATUS)0x80090300L) /* Not enough memory is available to complete this request. */
#endif
#ifndef SEC_E_INVALID_HANDLE
# define SEC_E_INVALID_HANDLE ((SECURITY_STATUS)0x80090301L) /* The handle specified is invalid. */
#endif
#ifndef SEC_E_UNSUPPORTED_FUNCTION
# define SEC_E_UNSUPPORTED_FUNCTION ((SECURITY_STATUS)0x80090302L) /* The function requested is not supported. */
#endif
#ifndef SEC_E_TARGET_UNKNOWN
# define SEC_E_TARGET_UNKNOWN ((SECURITY_STATUS)0x80090303L) /* The specified target is unknown or unreachable. */
#endif
#ifndef SEC_E_INTERNAL_ERROR
# define SEC_E_INTERNAL_ERROR ((SECURITY_STATUS)0x80090304L) /* The Local Security Authority cannot be contacted. */
#endif
#ifndef SEC_E_SECPKG_NOT_FOUND
# define SEC_E_SECPKG_NOT_FOUND ((SECURITY_STATUS)0x80090305L) /* The requested security package does not exist. */
#endif
#ifndef SEC_E_NOT_OWNER
# define SEC_E_NOT_OWNER ((SECURITY_STATUS)0x80090306L) /* The caller is not the owner of the desired credentials. */
#endif
#ifndef SEC_E_CANNOT_INSTALL
# define SEC_E_CANNOT_INSTALL ((SECURITY_STATUS)0x80090307L) /* The security package failed to initialize, and cannot be installed. */
#endif
#ifndef SEC_E_INVALID_TOKEN
# define SEC_E_INVALID_TOKEN ((SECURITY_STATUS)0x80090308L) /* The token supplied to the function is invalid. */
#endif
#ifndef SEC_E_CANNOT_PACK
# define SEC_E_CANNOT_PACK ((SECURITY_STATUS)0x80090309L) /* The security package is not able to marshal the logon buffer. */
#endif
#ifndef SEC_E_QOP_NOT_SUPPORTED
# define SEC_E_QOP_NOT_SUPPORTED ((SECURITY_STATUS)0x8009030AL) /* The per-message Quality of Protection is not supported. */
#endif
#ifndef SEC_E_NO_IMPERSONATION
# define SEC_E_NO_IMPERSONATION ((SECURITY_STATUS)0x8009030BL) /* The security context does not allow impersonation of the client. */
#endif
#ifndef SEC_E_LOGON_DENIED
# define SEC_E_LOGON_DENIED ((SECURITY_STATUS)0x8009030CL) /* The logon attempt failed. */
#endif
#ifndef SEC_E_UNKNOWN_CREDENTIALS
# define SEC_E_UNKNOWN_CREDENTIALS ((SECURITY_STATUS)0x8009030DL) /* The credentials supplied to the package were not recognized. */
#endif
#ifndef SEC_E_NO_CREDENTIALS
# define SEC_E_NO_CREDENTIALS ((SECURITY_STATUS)0x8009030EL) /* No credentials are available in the security package. */
#endif
#ifndef SEC_E_MESSAGE_ALTERED
# define SEC_E_MESSAGE_ALTERED ((SECURITY_STATUS)0x8009030FL) /* The message or signature supplied for verification has been altered. */
#endif
#ifndef SEC_E_OUT_OF_SEQUENCE
# define SEC_E_OUT_OF_SEQUENCE ((SECURITY_STATUS)0x80090310L) /* The message supplied for verification is out of sequence. */
#endif
#ifndef SEC_E_NO_AUTHENTICATING_AUTHORITY
# define SEC_E_NO_AUTHENTICATING_AUTHORITY ((SECURITY_STATUS)0x80090311L) /* No authority could be contacted for authentication. */
#endif
#ifndef SEC_I_CONTINUE_NEEDED
# define SEC_I_CONTINUE_NEEDED ((SECURITY_STATUS)0x00090312L) /* The function completed successfully, but must be called again. */
#endif
#ifndef SEC_I_COMPLETE_NEEDED
# define SEC_I_COMPLETE_NEEDED ((SECURITY_STATUS)0x00090313L) /* The function completed successfully, but CompleteToken must be called. */
#endif
#ifndef SEC_I_COMPLETE_AND_CONTINUE
# define SEC_I_COMPLETE_AND_CONTINUE ((SECURITY_STATUS)0x00090314L) /* CompleteToken must be called, then the function called again. */
#endif
#ifndef SEC_I_LOCAL_LOGON
# define SEC_I_LOCAL_LOGON ((SECURITY_STATUS)0x00090315L) /* The logon was completed, but no network authority was available. */
#endif
#ifndef SEC_I_GENERIC_EXTENSION_RECEIVED
# define SEC_I_GENERIC_EXTENSION_RECEIVED ((SECURITY_STATUS)0x00090316L) /* Schannel has received a TLS extension the SSPI caller subscribed to. */
#endif
#ifndef SEC_E_BAD_PKGID
# define SEC_E_BAD_PKGID ((SECURITY_STATUS)0x80090316L) /* The requested security package does not exist. */
#endif
#ifndef SEC_E_CONTEXT_EXPIRED
# define SEC_E_CONTEXT_EXPIRED ((SECURITY_STATUS)0x80090317L) /* The context has expired and can no longer be used. */
#endif
#ifndef SEC_I_CONTEXT_EXPIRED
# define SEC_I_CONTEXT_EXPIRED ((SECURITY_STATUS)0x00090317L) /* The context has expired and can no longer be used. */
#endif
#ifndef SEC_E_INCOMPLETE_MESSAGE
# define SEC_E_INCOMPLETE_MESSAGE ((SECURITY_STATUS)0x80090318L) /* The supplied message is incomplete. */
#endif
#ifndef SEC_E_INCOMPLETE_CREDENTIALS
# define SEC_E_INCOMPLETE_CREDENTIALS ((SECURITY_STATUS)0x80090320L) /* The credentials supplied were not complete. */
#endif
#ifndef SEC_E_BUFFER_TOO_SMALL
# define SEC_E_BUFFER_TOO_SMALL ((SECURITY_STATUS)0x80090321L) /* The buffers supplied to a function was too small. */
#endif
#ifndef SEC_I_INCOMPLETE_CREDENTIALS
# define SEC_I_INCOMPLETE_CREDENTIALS ((SECURITY_STATUS)0x00090320L) /* The credentials supplied were not complete; additional information can be returned from the context. */
#endif
#ifndef SEC_I_RENEGOTIATE
# define SEC_I_RENEGOTIATE ((SECURITY_STATUS)0x00090321L) /* The context data must be renegotiated with the peer. */
#endif
#ifndef SEC_E_WRONG_PRINCIPAL
# define SEC_E_WRONG_PRINCIPAL ((SECURITY_STATUS)0x80090322L) /* The target principal name is incorrect. */
#endif
#ifndef SEC_I_NO_LSA_CONTEXT
# define SEC_I_NO_LSA_CONTEXT ((SECURITY_STATUS)0x00090323L) /* There is no LSA mode context associated with this context. */
#endif
#ifndef SEC_E_TIME_SKEW
# define SEC_E_TIME_SKEW ((SECURITY_STATUS)0x80090324L) /* The clocks on the client and server machines are skewed. */
#endif
#ifndef SEC_E_UNTRUSTED_ROOT
# define SEC_E_UNTRUSTED_ROOT ((SECURITY_STATUS)0x80090325L) /* The certificate chain was issued by an authority that is not trusted. */
#endif
#ifndef SEC_E_ILLEGAL_MESSAGE
# define SEC_E_ILLEGAL_MESSAGE ((SECURITY_STATUS)0x80090326L) /* The message received was unexpected or badly formatted. */
#endif
#ifndef SEC_E_CERT_UNKNOWN
# define SEC_E_CERT_UNKNOWN ((SECURITY_STATUS)0x80090327L) /* An unknown error occurred while processing the certificate. */
#endif
#ifndef SEC_E_CERT_EXPIRED
# define SEC_E_CERT_EXPIRED ((SECURITY_STATUS)0x80090328L) /* The received certificate has expired. */
#endif
#ifndef SEC_E_ENCRYPT_FAILURE
# define SEC_E_ENCRYPT_FAILURE ((SECURITY_STATUS)0x80090329L) /* The specified data could not be encrypted. */
#endif
#ifndef SEC_E_DECRYPT_FAILURE
# define SEC_E_DECRYPT_FAILURE ((SECURITY_STATUS)0x80090330L) /* The specified data could not be decrypted. */
#endif
#ifndef SEC_E_ALGORITHM_MISMATCH
# define SEC_E_ALGORITHM_MISMATCH ((SECURITY_STATUS)0x80090331L) /* The client and server cannot communicate, because they do not possess a common algorithm. */
#endif
#ifndef SEC_E_SECURITY_QOS_FAILED
# define SEC_E_SECURITY_QOS_FAILED ((SECURITY_STATUS)0x80090332L) /* The security context could not be established due to a failure in the requested quality of service. */
#endif
#ifndef SEC_E_UNFINISHED_CONTEXT_DELETED
# define SEC_E_UNFINISHED_CONTEXT_DELETED ((SECURITY_STATUS)0x80090333L) /* A security context was deleted before the context was completed. */
#endif
#ifndef SEC_E_NO_TGT_REPLY
# define SEC_E_NO_TGT_REPLY ((SECURITY_STATUS)0x80090334L) /* The client is trying to negotiate a context and the server requires user-to-user but did not send a TGT reply. */
#endif
#ifndef SEC_E_NO_IP_ADDRESSES
# define SEC_E_NO_IP_ADDRESSES ((SECURITY_STATUS)0x80090335L) /* Unable to accomplish the requested task because the local machine does not have any IP addresses. */
#endif
#ifndef SEC_E_WRONG_CREDENTIAL_HANDLE
# define SEC_E_WRONG_CREDENTIAL_HANDLE ((SECURITY_STATUS)0x80090336L) /* The supplied credential handle does not match the credential associated with the security context. */
#endif
#ifndef SEC_E_CRYPTO_SYSTEM_INVALID
# define SEC_E_CRYPTO_SYSTEM_INVALID ((SECURITY_STATUS)0x80090337L) /* The crypto system or checksum function is invalid. */
#endif
#ifndef SEC_E_MAX_REFERRALS_EXCEEDED
# define SEC_E_MAX_REFERRALS_EXCEEDED ((SECURITY_STATUS)0x80090338L) /* The number of maximum ticket referrals has been exceeded. */
#endif
#ifndef SEC_E_MUST_BE_KDC
# define SEC_E_MUST_BE_KDC ((SECURITY_STATUS)0x80090339L) /* The local machine must be a Kerberos KDC and it is not. */
#endif
#ifndef SEC_E_STRONG_CRYPTO_NOT_SUPPORTED
# define SEC_E_STRONG_CRYPTO_NOT_SUPPORTED ((SECURITY_STATUS)0x8009033AL) /* The other end of the security negotiation requires strong crypto but it is not supported. */
#endif
#ifndef SEC_E_TOO_MANY_PRINCIPALS
# define SEC_E_TOO_MANY_PRINCIPALS ((SECURITY_STATUS)0x8009033BL) /* The KDC reply contained more than one principal name. */
#endif
#ifndef SEC_E_NO_PA_DATA
# define SEC_E_NO_PA_DATA ((SECURITY_STATUS)0x8009033CL) /* Expected to find PA data for a hint of what etype to use, but it was not found. */
#endif
#ifndef SEC_E_PKINIT_NAME_MISMATCH
# define SEC_E_PKINIT_NAME_MISMATCH ((SECURITY_STATUS)0x8009033DL) /* The client certificate does not contain a valid UPN, or does not match the client name in the logon request. */
#endif
#ifndef SEC_E_SMARTCARD_LOGON_REQUIRED
# define SEC_E_SMARTCARD_LOGON_REQUIRED ((SECURITY_STATUS)0x8009033EL) /* Smartcard logon is required and was not used. */
#endif
#ifndef SEC_E_SHUTDOWN_IN_PROGRESS
# define SEC_E_SHUTDOWN_IN_PROGRESS ((SECURITY_STATUS)0x8009033FL) /* A system shutdown is in progress. */
#endif
#ifndef SEC_E_KDC_INVALID_REQUEST
# define SEC_E_KDC_INVALID_REQUEST ((SECURITY_STATUS)0x80090340L) /* An invalid request was sent to the KDC. */
#endif
#ifndef SEC_E_KDC_UNABLE_TO_REFER
# define SEC_E_KDC_UNABLE_TO_REFER ((SECURITY_STATUS)0x80090341L) /* The KDC was unable to generate a referral for the service requested. */
#endif
#ifndef SEC_E_KDC_UNKNOWN_ETYPE
# define SEC_E_KDC_UNKNOWN_ETYPE ((SECURITY_STATUS)0x80090342L) /* The encryption type requested is not supported by the KDC. */
#endif
#ifndef SEC_E_UNSUPPORTED_PREAUTH
# define SEC_E_UNSUPPORTED_PREAUTH ((SECURITY_STATUS)0x80090343L) /* An unsupported preauthentication mechanism was presented to the Kerberos package. */
#endif
#ifndef SEC_E_DELEGATION_REQUIRED
# define SEC_E_DELEGATION_REQUIRED ((SECURITY_STATUS)0x80090345L) /* The requested operation cannot be completed. The computer must be trusted for delegation. */
#endif
#ifndef SEC_E_BAD_BINDINGS
# define SEC_E_BAD_BINDINGS ((SECURITY_STATUS)0x80090346L) /* Client's supplied SSPI channel bindings were incorrect. */
#endif
#ifndef SEC_E_MULTIPLE_ACCOUNTS
# define SEC_E_MULTIPLE_ACCOUNTS ((SECURITY_STATUS)0x80090347L) /* The received certificate was mapped to multiple accounts. */
#endif
#ifndef SEC_E_NO_KERB_KEY
# define SEC_E_NO_KERB_KEY ((SECURITY_STATUS)0x80090348L) /* No Kerberos key was found. */
#endif
#ifndef SEC_E_CERT_WRONG_USAGE
# define SEC_E_CERT_WRONG_USAGE ((SECURITY_STATUS)0x80090349L) /* The certificate is not valid for the requested usage. */
#endif
#ifndef SEC_E_DOWNGRADE_DETECTED
# define SEC_E_DOWNGRADE_DETECTED ((SECURITY_STATUS)0x80090350L) /* The system cannot contact a domain controller to service the authentication request. */
#endif
#ifndef SEC_E_SMARTCARD_CERT_REVOKED
# define SEC_E_SMARTCARD_CERT_REVOKED ((SECURITY_STATUS)0x80090351L) /* The smartcard certificate used for authentication has been revoked. */
#endif
#ifndef SEC_E_ISSUING_CA_UNTRUSTED
# define SEC_E_ISSUING_CA_UNTRUSTED ((SECURITY_STATUS)0x80090352L) /* An untrusted certificate authority was detected while processing the smartcard certificate. */
#endif
#ifndef SEC_E_REVOCATION_OFFLINE_C
# define SEC_E_REVOCATION_OFFLINE_C ((SECURITY_STATUS)0x80090353L) /* The revocation status of the smartcard certificate could not be determined. */
#endif
#ifndef SEC_E_PKINIT_CLIENT_FAILURE
# define SEC_E_PKINIT_CLIENT_FAILURE ((SECURITY_STATUS)0x80090354L) /* The smartcard certificate used for authentication was not trusted. */
#endif
#ifndef SEC_E_SMARTCARD_CERT_EXPIRED
# define SEC_E_SMARTCARD_CERT_EXPIRED ((SECURITY_STATUS)0x80090355L) /* The smartcard certificate used for authentication has expired. */
#endif
#ifndef SEC_E_NO_S4U_PROT_SUPPORT
# define SEC_E_NO_S4U_PROT_SUPPORT ((SECURITY_STATUS)0x80090356L) /* The Kerberos subsystem encountered an error (S4U protocol not supported). */
#endif
#ifndef SEC_E_CROSSREALM_DELEGATION_FAILURE
# define SEC_E_CROSSREALM_DELEGATION_FAILURE ((SECURITY_STATUS)0x80090357L) /* An attempt was made to use constrained delegation across realms. */
#endif
#ifndef SEC_E_REVOCATION_OFFLINE_KDC
# define SEC_E_REVOCATION_OFFLINE_KDC ((SECURITY_STATUS)0x80090358L) /* The revocation status of the domain controller certificate could not be determined. */
#endif
#ifndef SEC_E_ISSUING_CA_UNTRUSTED_KDC
# define SEC_E_ISSUING_CA_UNTRUSTED_KDC ((SECURITY_STATUS)0x80090359L) /* An untrusted certificate authority was detected while processing the domain controller certificate. */
#endif
#ifndef SEC_E_KDC_CERT_EXPIRED
# define SEC_E_KDC_CERT_EXPIRED ((SECURITY_STATUS)0x8009035AL) /* The domain controller certificate used for smartcard logon has expired. */
#endif
#ifndef SEC_E_KDC_CERT_REVOKED
# define SEC_E_KDC_CERT_REVOKED ((SECURITY_STATUS)0x8009035BL) /* The domain controller certificate used for smartcard logon has been revoked. */
#endif
#ifndef SEC_I_SIGNATURE_NEEDED
# define SEC_I_SIGNATURE_NEEDED ((SECURITY_STATUS)0x0009035CL) /* A signature operation must be performed before the user can authenticate. */
#endif
#ifndef SEC_E_INVALID_PARAMETER
# define SEC_E_INVALID_PARAMETER ((SECURITY_STATUS)0x8009035DL) /* One or more of the parameters passed to the function was invalid. */
#endif
#ifndef SEC_E_DELEGATION_POLICY
# define SEC_E_DELEGATION_POLICY ((SECURITY_STATUS)0x8009035EL) /* Client policy does not allow credential delegation to target server. */
#endif
#ifndef SEC_E_POLICY_NLTM_ONLY
# define SEC_E_POLICY_NLTM_ONLY ((SECURITY_STATUS)0x8009035FL) /* Client policy does not allow credential delegation to target server with NLTM only authentication. */
#endif
#ifndef SEC_I_NO_RENEGOTIATION
# define SEC_I_NO_RENEGOTIATION ((SECURITY_STATUS)0x00090360L) /* The recipient rejected the renegotiation request. */
#endif
#ifndef SEC_E_NO_CONTEXT
# define SEC_E_NO_CONTEXT ((SECURITY_STATUS)0x80090361L) /* The required security context does not exist. */
#endif
#ifndef SEC_E_PKU2U_CERT_FAILURE
# define SEC_E_PKU2U_CERT_FAILURE ((SECURITY_STATUS)0x80090362L) /* The PKU2U protocol encountered an error while attempting to utilize the associated certificates. */
#endif
#ifndef SEC_E_MUTUAL_AUTH_FAILED
# define SEC_E_MUTUAL_AUTH_FAILED ((SECURITY_STATUS)0x80090363L) /* The identity of the server computer could not be verified. */
#endif
#ifndef SEC_I_MESSAGE_FRAGMENT
# define SEC_I_MESSAGE_FRAGMENT ((SECURITY_STATUS)0x00090364L) /* The returned buffer is only a fragment of the message. More fragments need to be returned. */
#endif
#ifndef SEC_E_ONLY_HTTPS_ALLOWED
# define SEC_E_ONLY_HTTPS_ALLOWED ((SECURITY_STATUS)0x80090365L) /* Only https scheme is allowed. */
#endif
#ifndef SEC_I_CONTINUE_NEEDED_MESSAGE_OK
# define SEC_I_CONTINUE_NEEDED_MESSAGE_OK ((SECURITY_STATUS)0x00090366L) /* The function completed successfully, but must be called again. The message has been processed. */
#endif
#ifndef SEC_E_APPLICATION_PROTOCOL_MISMATCH
# define SEC_E_APPLICATION_PROTOCOL_MISMATCH ((SECURITY_STATUS)0x80090367L) /* No common application protocol exists between the client and the server. */
#endif
#ifndef SEC_I_ASYNC_CALL_PENDING
# define SEC_I_ASYNC_CALL_PENDING ((SECURITY_STATUS)0x00090368L) /* An asynchronous SSPI routine has been called and the work is pending completion. */
#endif
#ifndef SEC_E_INVALID_UPN_NAME
# define SEC_E_INVALID_UPN_NAME ((SECURITY_STATUS)0x80090369L) /* You can't sign in with a user ID in this format. */
#endif
#ifndef SEC_E_EXT_BUFFER_TOO_SMALL
# define SEC_E_EXT_BUFFER_TOO_SMALL ((SECURITY_STATUS)0x8009036AL) /* The buffer supplied by the SSPI caller to receive generic extensions is too small. */
#endif
#ifndef SEC_E_INSUFFICIENT_BUFFERS
# define SEC_E_INSUFFICIENT_BUFFERS ((SECURITY_STATUS)0x8009036BL) /* Not enough secbuffers were supplied to generate a token. */
#endif
/* issperr.h aliases */
#ifndef SEC_E_NO_SPM
# define SEC_E_NO_SPM SEC_E_INTERNAL_ERROR
#endif
#ifndef SEC_E_NOT_SUPPORTED
# define SEC_E_NOT_SUPPORTED SEC_E_UNSUPPORTED_FUNCTION
#endif
#ifndef STATUS_LOGON_FAILURE
# define STATUS_LOGON_FAILURE ((SECURITY_STATUS)0xC000006DL)  /* ntstatus.h */
#endif

/* --------------------------------------------------- UNICODE name switch */

#ifdef UNICODE
# define SecPkgInfo                        SecPkgInfoW
# define PSecPkgInfo                       PSecPkgInfoW
# define SecPkgContext_Names               SecPkgContext_NamesW
# define PSecPkgContext_Names              PSecPkgContext_NamesW
# define SecPkgContext_KeyInfo             SecPkgContext_KeyInfoW
# define PSecPkgContext_KeyInfo            PSecPkgContext_KeyInfoW
# define SecPkgContext_Authority           SecPkgContext_AuthorityW
# define PSecPkgContext_Authority          PSecPkgContext_AuthorityW
# define SecPkgContext_ProtoInfo           SecPkgContext_ProtoInfoW
# define PSecPkgContext_ProtoInfo          PSecPkgContext_ProtoInfoW
# define SecPkgContext_PackageInfo         SecPkgContext_PackageInfoW
# define PSecPkgContext_PackageInfo        PSecPkgContext_PackageInfoW
# define SecPkgContext_NegotiationInfo     SecPkgContext_NegotiationInfoW
# define PSecPkgContext_NegotiationInfo    PSecPkgContext_NegotiationInfoW
# define SecPkgContext_NativeNames         SecPkgContext_NativeNamesW
# define PSecPkgContext_NativeNames        PSecPkgContext_NativeNamesW
# define SecPkgContext_CredentialName      SecPkgContext_CredentialNameW
# define PSecPkgContext_CredentialName     PSecPkgContext_CredentialNameW
# define SecPkgCredentials_Names           SecPkgCredentials_NamesW
# define PSecPkgCredentials_Names          PSecPkgCredentials_NamesW
# define SecPkgCredentials_SSIProvider     SecPkgCredentials_SSIProviderW
# define PSecPkgCredentials_SSIProvider    PSecPkgCredentials_SSIProviderW
# define SEC_WINNT_AUTH_IDENTITY           SEC_WINNT_AUTH_IDENTITY_W
# define PSEC_WINNT_AUTH_IDENTITY          PSEC_WINNT_AUTH_IDENTITY_W
# define _SEC_WINNT_AUTH_IDENTITY          _SEC_WINNT_AUTH_IDENTITY_W
# define SEC_WINNT_AUTH_IDENTITY_EX        SEC_WINNT_AUTH_IDENTITY_EXW
# define PSEC_WINNT_AUTH_IDENTITY_EX       PSEC_WINNT_AUTH_IDENTITY_EXW
# define SecurityFunctionTable             SecurityFunctionTableW
# define PSecurityFunctionTable            PSecurityFunctionTableW
# define SECURITY_ENTRYPOINT               SECURITY_ENTRYPOINTW
# define SECURITY_ENTRYPOINT_ANSI          SECURITY_ENTRYPOINT_ANSIW
# define INIT_SECURITY_INTERFACE           INIT_SECURITY_INTERFACE_W
# define AcquireCredentialsHandle          AcquireCredentialsHandleW
# define ACQUIRE_CREDENTIALS_HANDLE_FN     ACQUIRE_CREDENTIALS_HANDLE_FN_W
# define AddCredentials                    AddCredentialsW
# define ADD_CREDENTIALS_FN                ADD_CREDENTIALS_FN_W
# define ChangeAccountPassword             ChangeAccountPasswordW
# define CHANGE_PASSWORD_FN                CHANGE_PASSWORD_FN_W
# define InitializeSecurityContext         InitializeSecurityContextW
# define INITIALIZE_SECURITY_CONTEXT_FN    INITIALIZE_SECURITY_CONTEXT_FN_W
# define QueryContextAttributes            QueryContextAttributesW
# define QUERY_CONTEXT_ATTRIBUTES_FN       QUERY_CONTEXT_ATTRIBUTES_FN_W
# define QueryContextAttributesEx          QueryContextAttributesExW
# define QUERY_CONTEXT_ATTRIBUTES_EX_FN    QUERY_CONTEXT_ATTRIBUTES_EX_FN_W
# define SetContextAttributes              SetContextAttributesW
# define SET_CONTEXT_ATTRIBUTES_FN         SET_CONTEXT_ATTRIBUTES_FN_W
# define QueryCredentialsAttributes        QueryCredentialsAttributesW
# define QUERY_CREDENTIALS_ATTRIBUTES_FN   QUERY_CREDENTIALS_ATTRIBUTES_FN_W
# define QueryCredentialsAttributesEx      QueryCredentialsAttributesExW
# define QUERY_CREDENTIALS_ATTRIBUTES_EX_FN QUERY_CREDENTIALS_ATTRIBUTES_EX_FN_W
# define SetCredentialsAttributes          SetCredentialsAttributesW
# define SET_CREDENTIALS_ATTRIBUTES_FN     SET_CREDENTIALS_ATTRIBUTES_FN_W
# define EnumerateSecurityPackages         EnumerateSecurityPackagesW
# define ENUMERATE_SECURITY_PACKAGES_FN    ENUMERATE_SECURITY_PACKAGES_FN_W
# define QuerySecurityPackageInfo          QuerySecurityPackageInfoW
# define QUERY_SECURITY_PACKAGE_INFO_FN    QUERY_SECURITY_PACKAGE_INFO_FN_W
# define ImportSecurityContext             ImportSecurityContextW
# define IMPORT_SECURITY_CONTEXT_FN        IMPORT_SECURITY_CONTEXT_FN_W
# define InitSecurityInterface             InitSecurityInterfaceW
# define NEGOSSP_NAME                      NEGOSSP_NAME_W
# define MICROSOFT_KERBEROS_NAME           MICROSOFT_KERBEROS_NAME_W
# define WDIGEST_SP_NAME                   WDIGEST_SP_NAME_W
#else
# define SecPkgInfo                        SecPkgInfoA
# define PSecPkgInfo                       PSecPkgInfoA
# define SecPkgContext_Names               SecPkgContext_NamesA
# define PSecPkgContext_Names              PSecPkgContext_NamesA
# define SecPkgContext_KeyInfo             SecPkgContext_KeyInfoA
# define PSecPkgContext_KeyInfo            PSecPkgContext_KeyInfoA
# define SecPkgContext_Authority           SecPkgContext_AuthorityA
# define PSecPkgContext_Authority          PSecPkgContext_AuthorityA
# define SecPkgContext_ProtoInfo           SecPkgContext_ProtoInfoA
# define PSecPkgContext_ProtoInfo          PSecPkgContext_ProtoInfoA
# define SecPkgContext_PackageInfo         SecPkgContext_PackageInfoA
# define PSecPkgContext_PackageInfo        PSecPkgContext_PackageInfoA
# define SecPkgContext_NegotiationInfo     SecPkgContext_NegotiationInfoA
# define PSecPkgContext_NegotiationInfo    PSecPkgContext_NegotiationInfoA
# define SecPkgContext_NativeNames         SecPkgContext_NativeNamesA
# define PSecPkgContext_NativeNames        PSecPkgContext_NativeNamesA
# define SecPkgContext_CredentialName      SecPkgContext_CredentialNameA
# define PSecPkgContext_CredentialName     PSecPkgContext_CredentialNameA
# define SecPkgCredentials_Names           SecPkgCredentials_NamesA
# define PSecPkgCredentials_Names          PSecPkgCredentials_NamesA
# define SecPkgCredentials_SSIProvider     SecPkgCredentials_SSIProviderA
# define PSecPkgCredentials_SSIProvider    PSecPkgCredentials_SSIProviderA
# define SEC_WINNT_AUTH_IDENTITY           SEC_WINNT_AUTH_IDENTITY_A
# define PSEC_WINNT_AUTH_IDENTITY          PSEC_WINNT_AUTH_IDENTITY_A
# define _SEC_WINNT_AUTH_IDENTITY          _SEC_WINNT_AUTH_IDENTITY_A
# define SEC_WINNT_AUTH_IDENTITY_EX        SEC_WINNT_AUTH_IDENTITY_EXA
# define PSEC_WINNT_AUTH_IDENTITY_EX       PSEC_WINNT_AUTH_IDENTITY_EXA
# define SecurityFunctionTable             SecurityFunctionTableA
# define PSecurityFunctionTable            PSecurityFunctionTableA
# define SECURITY_ENTRYPOINT               SECURITY_ENTRYPOINTA
# define SECURITY_ENTRYPOINT_ANSI          SECURITY_ENTRYPOINT_ANSIA
# define INIT_SECURITY_INTERFACE           INIT_SECURITY_INTERFACE_A
# define AcquireCredentialsHandle          AcquireCredentialsHandleA
# define ACQUIRE_CREDENTIALS_HANDLE_FN     ACQUIRE_CREDENTIALS_HANDLE_FN_A
# define AddCredentials                    AddCredentialsA
# define ADD_CREDENTIALS_FN                ADD_CREDENTIALS_FN_A
# define ChangeAccountPassword             ChangeAccountPasswordA
# define CHANGE_PASSWORD_FN                CHANGE_PASSWORD_FN_A
# define InitializeSecurityContext         InitializeSecurityContextA
# define INITIALIZE_SECURITY_CONTEXT_FN    INITIALIZE_SECURITY_CONTEXT_FN_A
# define QueryContextAttributes            QueryContextAttributesA
# define QUERY_CONTEXT_ATTRIBUTES_FN       QUERY_CONTEXT_ATTRIBUTES_FN_A
# define QueryContextAttributesEx          QueryContextAttributesExA
# define QUERY_CONTEXT_ATTRIBUTES_EX_FN    QUERY_CONTEXT_ATTRIBUTES_EX_FN_A
# define SetContextAttributes              SetContextAttributesA
# define SET_CONTEXT_ATTRIBUTES_FN         SET_CONTEXT_ATTRIBUTES_FN_A
# define QueryCredentialsAttributes        QueryCredentialsAttributesA
# define QUERY_CREDENTIALS_ATTRIBUTES_FN   QUERY_CREDENTIALS_ATTRIBUTES_FN_A
# define QueryCredentialsAttributesEx      QueryCredentialsAttributesExA
# define QUERY_CREDENTIALS_ATTRIBUTES_EX_FN QUERY_CREDENTIALS_ATTRIBUTES_EX_FN_A
# define SetCredentialsAttributes          SetCredentialsAttributesA
# define SET_CREDENTIALS_ATTRIBUTES_FN     SET_CREDENTIALS_ATTRIBUTES_FN_A
# define EnumerateSecurityPackages         EnumerateSecurityPackagesA
# define ENUMERATE_SECURITY_PACKAGES_FN    ENUMERATE_SECURITY_PACKAGES_FN_A
# define QuerySecurityPackageInfo          QuerySecurityPackageInfoA
# define QUERY_SECURITY_PACKAGE_INFO_FN    QUERY_SECURITY_PACKAGE_INFO_FN_A
# define ImportSecurityContext             ImportSecurityContextA
# define IMPORT_SECURITY_CONTEXT_FN        IMPORT_SECURITY_CONTEXT_FN_A
# define InitSecurityInterface             InitSecurityInterfaceA
# define NEGOSSP_NAME                      NEGOSSP_NAME_A
# define MICROSOFT_KERBEROS_NAME           MICROSOFT_KERBEROS_NAME_A
# define WDIGEST_SP_NAME                   WDIGEST_SP_NAME_A
#endif /* UNICODE */

#ifdef __cplusplus
}
#endif

#endif /* SSPI_SHIM_SSPI_H */
