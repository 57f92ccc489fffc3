/*
 * check_abi.c - the SSPI ABI of include/sspi.h: type widths, struct sizes and
 * member offsets equal to the Windows SDK's on the same pointer size (LP64
 * here = Win64/LLP64 there, since every SDK "unsigned long" is our 32-bit
 * ULONG), prototypes equal to the *_FN typedefs and to the function-table
 * slots, and the UNICODE name switch.
 *
 * Most checks are C11 _Static_assert: a layout regression fails the build of
 * this test.  The runtime cases (libcheck) cover what needs values.
 *
 * This file is compiled with UNICODE defined, so it checks the W side of the
 * name switch; tests/check_constants.c is compiled without it and checks the
 * A side.
 */
#ifndef UNICODE
# define UNICODE
#endif
#define SECURITY_WIN32
#include <security.h>

#include <check.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <uchar.h>

#define LAYOUT(type, member, off) \
    _Static_assert(offsetof(type, member) == (off), #type "." #member " offset")
#define SIZE(type, n) _Static_assert(sizeof(type) == (n), "sizeof(" #type ")")
#define SAME_TYPE(expr, type) \
    _Static_assert(_Generic((expr), type: 1, default: 0), #expr " has type " #type)
#define FIELD_TYPE(stype, member, type) \
    _Static_assert(_Generic(((stype *)0)->member, type: 1, default: 0), \
                   #stype "." #member " has type " #type)

/* ---------------------------------------------------------------- base types */

SIZE(ULONG, 4);
SIZE(DWORD, 4);
SIZE(LONG, 4);
SIZE(USHORT, 2);
SIZE(UCHAR, 1);
SIZE(BOOLEAN, 1);
SIZE(LONGLONG, 8);
SIZE(ULONGLONG, 8);
SIZE(ULONG_PTR, sizeof(void *));
SIZE(LONG_PTR, sizeof(void *));
SIZE(WCHAR, 2);
SIZE(SEC_WCHAR, 2);
SIZE(SEC_CHAR, 1);
SIZE(SECURITY_STATUS, 4);
SIZE(HRESULT, 4);
SIZE(LARGE_INTEGER, 8);
SIZE(ULARGE_INTEGER, 8);
SIZE(TimeStamp, 8);
SIZE(SECURITY_INTEGER, 8);
SIZE(LUID, 8);
SIZE(GUID, 16);
_Static_assert((ULONG)-1 > 0, "ULONG is unsigned");
_Static_assert((LONG)-1 < 0, "LONG is signed");
_Static_assert((SECURITY_STATUS)-1 < 0, "SECURITY_STATUS is signed");
_Static_assert((ULONG_PTR)-1 > 0, "ULONG_PTR is unsigned");
_Static_assert((WCHAR)-1 > 0, "WCHAR is unsigned");
SAME_TYPE((WCHAR)0, char16_t);
SAME_TYPE((LPWSTR)0, char16_t *);
SAME_TYPE((LPSTR)0, char *);
SAME_TYPE((PTimeStamp)0, LARGE_INTEGER *);
SAME_TYPE((PCredHandle)0, SecHandle *);
SAME_TYPE((PCtxtHandle)0, SecHandle *);
SAME_TYPE(u"Kerberos", char16_t *);          /* decays: usable as SEC_WCHAR * */
SAME_TYPE(SEC_TEXT("Kerberos"), char16_t *); /* UNICODE: SEC_TEXT is u"" */
SAME_TYPE(NEGOSSP_NAME, char16_t *);
SAME_TYPE(SEC_E_OK, SECURITY_STATUS);
SAME_TYPE(SEC_E_LOGON_DENIED, SECURITY_STATUS);
SAME_TYPE(SEC_I_CONTINUE_NEEDED, SECURITY_STATUS);
SAME_TYPE(STATUS_LOGON_FAILURE, SECURITY_STATUS);
_Static_assert(SEC_E_INVALID_HANDLE < 0 && SEC_I_CONTINUE_NEEDED > 0, "HRESULT signs");

LAYOUT(LARGE_INTEGER, LowPart, 0);
LAYOUT(LARGE_INTEGER, HighPart, 4);
LAYOUT(LARGE_INTEGER, u.LowPart, 0);
LAYOUT(LARGE_INTEGER, u.HighPart, 4);
LAYOUT(LARGE_INTEGER, QuadPart, 0);
LAYOUT(GUID, Data2, 4);
LAYOUT(GUID, Data3, 6);
LAYOUT(GUID, Data4, 8);

/* Member types where a same-size-but-wrong type would go unnoticed. */
FIELD_TYPE(SecHandle, dwLower, ULONG_PTR);
FIELD_TYPE(SecHandle, dwUpper, ULONG_PTR);
FIELD_TYPE(SecBuffer, cbBuffer, ULONG);
FIELD_TYPE(SecBuffer, BufferType, ULONG);
FIELD_TYPE(SecBuffer, pvBuffer, void *);
FIELD_TYPE(SecBufferDesc, ulVersion, ULONG);
FIELD_TYPE(SecBufferDesc, cBuffers, ULONG);
FIELD_TYPE(SecBufferDesc, pBuffers, PSecBuffer);
FIELD_TYPE(SecPkgInfoW, fCapabilities, ULONG);
FIELD_TYPE(SecPkgInfoW, cbMaxToken, ULONG);
FIELD_TYPE(SecPkgInfoW, Name, SEC_WCHAR *);
FIELD_TYPE(SecPkgInfoA, Name, SEC_CHAR *);
FIELD_TYPE(SEC_WINNT_AUTH_IDENTITY_W, User, unsigned short *);
FIELD_TYPE(SEC_WINNT_AUTH_IDENTITY_W, UserLength, ULONG);
FIELD_TYPE(SEC_WINNT_AUTH_IDENTITY_W, Flags, ULONG);
FIELD_TYPE(SEC_WINNT_AUTH_IDENTITY_A, User, unsigned char *);
FIELD_TYPE(SecPkgContext_Lifespan, tsExpiry, TimeStamp);
FIELD_TYPE(SecPkgContext_NegotiationInfoW, PackageInfo, PSecPkgInfoW);
FIELD_TYPE(SecPkgContext_NegotiationInfoW, NegotiationState, ULONG);
FIELD_TYPE(SecPkgContext_SessionKey, SessionKeyLength, ULONG);
FIELD_TYPE(SecPkgContext_Bindings, Bindings, SEC_CHANNEL_BINDINGS *);
FIELD_TYPE(SecPkgContext_NamesW, sUserName, SEC_WCHAR *);
FIELD_TYPE(SecPkgContext_NativeNamesW, sServerName, SEC_WCHAR *);
FIELD_TYPE(SecurityFunctionTableW, dwVersion, ULONG);
FIELD_TYPE(SecurityFunctionTableA, dwVersion, ULONG);
FIELD_TYPE(SecurityFunctionTableW, Reserved2, void *);
FIELD_TYPE(SecurityFunctionTableW, Reserved8, void *);

/* Layouts that do not depend on the pointer size. */
SIZE(SEC_CHANNEL_BINDINGS, 32);
LAYOUT(SEC_CHANNEL_BINDINGS, dwInitiatorAddrType, 0);
LAYOUT(SEC_CHANNEL_BINDINGS, cbInitiatorLength, 4);
LAYOUT(SEC_CHANNEL_BINDINGS, dwInitiatorOffset, 8);
LAYOUT(SEC_CHANNEL_BINDINGS, dwAcceptorAddrType, 12);
LAYOUT(SEC_CHANNEL_BINDINGS, cbAcceptorLength, 16);
LAYOUT(SEC_CHANNEL_BINDINGS, dwAcceptorOffset, 20);
LAYOUT(SEC_CHANNEL_BINDINGS, cbApplicationDataLength, 24);
LAYOUT(SEC_CHANNEL_BINDINGS, dwApplicationDataOffset, 28);
SIZE(SecPkgContext_Sizes, 16);
LAYOUT(SecPkgContext_Sizes, cbMaxToken, 0);
LAYOUT(SecPkgContext_Sizes, cbMaxSignature, 4);
LAYOUT(SecPkgContext_Sizes, cbBlockSize, 8);
LAYOUT(SecPkgContext_Sizes, cbSecurityTrailer, 12);
SIZE(SecPkgContext_StreamSizes, 20);
LAYOUT(SecPkgContext_StreamSizes, cbHeader, 0);
LAYOUT(SecPkgContext_StreamSizes, cbTrailer, 4);
LAYOUT(SecPkgContext_StreamSizes, cbMaximumMessage, 8);
LAYOUT(SecPkgContext_StreamSizes, cBuffers, 12);
LAYOUT(SecPkgContext_StreamSizes, cbBlockSize, 16);
SIZE(SecPkgContext_DatagramSizes, 20);
SIZE(SecPkgContext_Lifespan, 16);
LAYOUT(SecPkgContext_Lifespan, tsStart, 0);
LAYOUT(SecPkgContext_Lifespan, tsExpiry, 8);
SIZE(SecPkgContext_PasswordExpiry, 8);
SIZE(SecPkgContext_LogoffTime, 8);
SIZE(SecPkgContext_Flags, 4);
SIZE(SecPkgContext_UserFlags, 4);
SIZE(SecPkgContext_NegoStatus, 4);
SIZE(SecPkgContext_NegoPackageInfo, 4);
SIZE(SecPkgContext_LastClientTokenStatus, 4);
SIZE(SecPkgContext_CredInfo, 8);
SIZE(SecPkgCredentials_KdcProxySettingsW, 16);
LAYOUT(SecPkgCredentials_KdcProxySettingsW, Flags, 4);
LAYOUT(SecPkgCredentials_KdcProxySettingsW, ProxyServerOffset, 8);
LAYOUT(SecPkgCredentials_KdcProxySettingsW, ProxyServerLength, 10);
LAYOUT(SecPkgCredentials_KdcProxySettingsW, ClientTlsCredOffset, 12);
LAYOUT(SecPkgCredentials_KdcProxySettingsW, ClientTlsCredLength, 14);
SIZE(SEC_WINNT_AUTH_IDENTITY_EX2, 48);
LAYOUT(SEC_WINNT_AUTH_IDENTITY_EX2, cbHeaderLength, 4);
LAYOUT(SEC_WINNT_AUTH_IDENTITY_EX2, cbStructureLength, 8);
LAYOUT(SEC_WINNT_AUTH_IDENTITY_EX2, UserOffset, 12);
LAYOUT(SEC_WINNT_AUTH_IDENTITY_EX2, UserLength, 16);
LAYOUT(SEC_WINNT_AUTH_IDENTITY_EX2, DomainOffset, 20);
LAYOUT(SEC_WINNT_AUTH_IDENTITY_EX2, DomainLength, 24);
LAYOUT(SEC_WINNT_AUTH_IDENTITY_EX2, PackedCredentialsOffset, 28);
LAYOUT(SEC_WINNT_AUTH_IDENTITY_EX2, PackedCredentialsLength, 32);
LAYOUT(SEC_WINNT_AUTH_IDENTITY_EX2, Flags, 36);
LAYOUT(SEC_WINNT_AUTH_IDENTITY_EX2, PackageListOffset, 40);
LAYOUT(SEC_WINNT_AUTH_IDENTITY_EX2, PackageListLength, 44);
SIZE(SEC_WINNT_AUTH_BYTE_VECTOR, 8);
SIZE(SEC_WINNT_AUTH_DATA, 24);
SIZE(SEC_WINNT_AUTH_PACKED_CREDENTIALS, 28);
LAYOUT(SEC_WINNT_AUTH_PACKED_CREDENTIALS, AuthData, 4);
SIZE(SEC_WINNT_AUTH_SHORT_VECTOR, 8);
SIZE(SEC_APPLICATION_PROTOCOL_LIST, 8);
LAYOUT(SEC_APPLICATION_PROTOCOL_LIST, ProtocolListSize, 4);
LAYOUT(SEC_APPLICATION_PROTOCOL_LIST, ProtocolList, 6);
SIZE(SEC_APPLICATION_PROTOCOLS, 12);
LAYOUT(SEC_APPLICATION_PROTOCOLS, ProtocolLists, 4);
SIZE(SEC_SRTP_PROTECTION_PROFILES, 4);
SIZE(SEC_SRTP_MASTER_KEY_IDENTIFIER, 2);
SIZE(SEC_TOKEN_BINDING, 6);
SIZE(SEC_PRESHAREDKEY, 4);
SIZE(SEC_DTLS_MTU, 2);
SIZE(SEC_FLAGS, 8);
SIZE(SEC_TRAFFIC_SECRETS, 400);
LAYOUT(SEC_TRAFFIC_SECRETS, ChainingMode, 128);
LAYOUT(SEC_TRAFFIC_SECRETS, HashAlgId, 256);
LAYOUT(SEC_TRAFFIC_SECRETS, KeySize, 384);
LAYOUT(SEC_TRAFFIC_SECRETS, TrafficSecretType, 392);
LAYOUT(SEC_TRAFFIC_SECRETS, TrafficSecretSize, 396);
LAYOUT(SEC_TRAFFIC_SECRETS, TrafficSecret, 398);
SIZE(SecPkgContext_ApplicationProtocol, 264);
LAYOUT(SecPkgContext_ApplicationProtocol, ProtoNegoExt, 4);
LAYOUT(SecPkgContext_ApplicationProtocol, ProtocolIdSize, 8);
LAYOUT(SecPkgContext_ApplicationProtocol, ProtocolId, 9);

#if UINTPTR_MAX == UINT64_MAX
/* ----------------------------------------------- LP64 = the Win64 layouts */

SIZE(SecHandle, 16);
LAYOUT(SecHandle, dwLower, 0);
LAYOUT(SecHandle, dwUpper, 8);
SIZE(CredHandle, 16);
SIZE(CtxtHandle, 16);

SIZE(SecBuffer, 16);
LAYOUT(SecBuffer, cbBuffer, 0);
LAYOUT(SecBuffer, BufferType, 4);
LAYOUT(SecBuffer, pvBuffer, 8);

SIZE(SecBufferDesc, 16);
LAYOUT(SecBufferDesc, ulVersion, 0);
LAYOUT(SecBufferDesc, cBuffers, 4);
LAYOUT(SecBufferDesc, pBuffers, 8);

SIZE(SecPkgInfoW, 32);
LAYOUT(SecPkgInfoW, fCapabilities, 0);
LAYOUT(SecPkgInfoW, wVersion, 4);
LAYOUT(SecPkgInfoW, wRPCID, 6);
LAYOUT(SecPkgInfoW, cbMaxToken, 8);
LAYOUT(SecPkgInfoW, Name, 16);
LAYOUT(SecPkgInfoW, Comment, 24);
SIZE(SecPkgInfoA, 32);
LAYOUT(SecPkgInfoA, Name, 16);
LAYOUT(SecPkgInfoA, Comment, 24);

SIZE(SEC_WINNT_AUTH_IDENTITY_W, 48);
LAYOUT(SEC_WINNT_AUTH_IDENTITY_W, User, 0);
LAYOUT(SEC_WINNT_AUTH_IDENTITY_W, UserLength, 8);
LAYOUT(SEC_WINNT_AUTH_IDENTITY_W, Domain, 16);
LAYOUT(SEC_WINNT_AUTH_IDENTITY_W, DomainLength, 24);
LAYOUT(SEC_WINNT_AUTH_IDENTITY_W, Password, 32);
LAYOUT(SEC_WINNT_AUTH_IDENTITY_W, PasswordLength, 40);
LAYOUT(SEC_WINNT_AUTH_IDENTITY_W, Flags, 44);
SIZE(SEC_WINNT_AUTH_IDENTITY_A, 48);
LAYOUT(SEC_WINNT_AUTH_IDENTITY_A, Flags, 44);

SIZE(SEC_WINNT_AUTH_IDENTITY_EXW, 72);
LAYOUT(SEC_WINNT_AUTH_IDENTITY_EXW, Version, 0);
LAYOUT(SEC_WINNT_AUTH_IDENTITY_EXW, Length, 4);
LAYOUT(SEC_WINNT_AUTH_IDENTITY_EXW, User, 8);
LAYOUT(SEC_WINNT_AUTH_IDENTITY_EXW, UserLength, 16);
LAYOUT(SEC_WINNT_AUTH_IDENTITY_EXW, Domain, 24);
LAYOUT(SEC_WINNT_AUTH_IDENTITY_EXW, DomainLength, 32);
LAYOUT(SEC_WINNT_AUTH_IDENTITY_EXW, Password, 40);
LAYOUT(SEC_WINNT_AUTH_IDENTITY_EXW, PasswordLength, 48);
LAYOUT(SEC_WINNT_AUTH_IDENTITY_EXW, Flags, 52);
LAYOUT(SEC_WINNT_AUTH_IDENTITY_EXW, PackageList, 56);
LAYOUT(SEC_WINNT_AUTH_IDENTITY_EXW, PackageListLength, 64);
SIZE(SEC_WINNT_AUTH_IDENTITY_EXA, 72);
SIZE(SEC_WINNT_AUTH_IDENTITY_INFO, 72);

SIZE(SEC_NEGOTIATION_INFO, 24);
LAYOUT(SEC_NEGOTIATION_INFO, Name, 8);
LAYOUT(SEC_NEGOTIATION_INFO, Reserved, 16);

SIZE(SecPkgContext_NamesW, 8);
SIZE(SecPkgContext_NamesA, 8);
SIZE(SecPkgContext_NativeNamesW, 16);
LAYOUT(SecPkgContext_NativeNamesW, sServerName, 8);
SIZE(SecPkgContext_NativeNamesA, 16);
SIZE(SecPkgContext_DceInfo, 16);
LAYOUT(SecPkgContext_DceInfo, pPac, 8);
SIZE(SecPkgContext_KeyInfoW, 32);
LAYOUT(SecPkgContext_KeyInfoW, sEncryptAlgorithmName, 8);
LAYOUT(SecPkgContext_KeyInfoW, KeySize, 16);
LAYOUT(SecPkgContext_KeyInfoW, SignatureAlgorithm, 20);
LAYOUT(SecPkgContext_KeyInfoW, EncryptAlgorithm, 24);
SIZE(SecPkgContext_KeyInfoA, 32);
SIZE(SecPkgContext_AuthorityW, 8);
SIZE(SecPkgContext_AuthorityA, 8);
SIZE(SecPkgContext_ProtoInfoW, 16);
LAYOUT(SecPkgContext_ProtoInfoW, majorVersion, 8);
LAYOUT(SecPkgContext_ProtoInfoW, minorVersion, 12);
SIZE(SecPkgContext_SessionKey, 16);
LAYOUT(SecPkgContext_SessionKey, SessionKey, 8);
SIZE(SecPkgContext_NegoKeys, 32);
LAYOUT(SecPkgContext_NegoKeys, KeyLength, 4);
LAYOUT(SecPkgContext_NegoKeys, KeyValue, 8);
LAYOUT(SecPkgContext_NegoKeys, VerifyKeyType, 16);
LAYOUT(SecPkgContext_NegoKeys, VerifyKeyLength, 20);
LAYOUT(SecPkgContext_NegoKeys, VerifyKeyValue, 24);
SIZE(SecPkgContext_PackageInfoW, 8);
SIZE(SecPkgContext_PackageInfoA, 8);
SIZE(SecPkgContext_NegotiationInfoW, 16);
LAYOUT(SecPkgContext_NegotiationInfoW, NegotiationState, 8);
SIZE(SecPkgContext_NegotiationInfoA, 16);
SIZE(SecPkgContext_CredentialNameW, 16);
LAYOUT(SecPkgContext_CredentialNameW, sCredentialName, 8);
SIZE(SecPkgContext_AccessToken, 8);
SIZE(SecPkgContext_TargetInformation, 16);
LAYOUT(SecPkgContext_TargetInformation, MarshalledTargetInfo, 8);
SIZE(SecPkgContext_AuthzID, 16);
SIZE(SecPkgContext_Target, 16);
SIZE(SecPkgContext_ClientSpecifiedTarget, 8);
SIZE(SecPkgContext_Bindings, 16);
LAYOUT(SecPkgContext_Bindings, Bindings, 8);
SIZE(SecPkgContext_SubjectAttributes, 8);
SIZE(SecPkgContext_NegotiatedTlsExtensions, 16);
SIZE(SecPkgContext_ClientCreds, 16);
LAYOUT(SecPkgContext_ClientCreds, AuthBuffer, 8);

SIZE(SecPkgCredentials_NamesW, 8);
SIZE(SecPkgCredentials_NamesA, 8);
SIZE(SecPkgCredentials_SSIProviderW, 24);
LAYOUT(SecPkgCredentials_SSIProviderW, ProviderInfoLength, 8);
LAYOUT(SecPkgCredentials_SSIProviderW, ProviderInfo, 16);
SIZE(SecPkgCredentials_Cert, 16);
LAYOUT(SecPkgCredentials_Cert, EncodedCert, 8);

SIZE(CREDSSP_CRED, 24);
LAYOUT(CREDSSP_CRED, pSchannelCred, 8);
LAYOUT(CREDSSP_CRED, pSpnegoCred, 16);
SIZE(CREDSSP_CRED_EX, 40);
LAYOUT(CREDSSP_CRED_EX, Version, 4);
LAYOUT(CREDSSP_CRED_EX, Flags, 8);
LAYOUT(CREDSSP_CRED_EX, Reserved, 12);
LAYOUT(CREDSSP_CRED_EX, Cred, 16);
SIZE(SECURITY_PACKAGE_OPTIONS, 24);
LAYOUT(SECURITY_PACKAGE_OPTIONS, Signature, 16);

#define SLOT(n) (8 + 8 * (n))
#define TABLE_SIZE SLOT(31)

#elif UINTPTR_MAX == UINT32_MAX
/* ----------------------------------------------- ILP32 = the Win32 layouts */

SIZE(SecHandle, 8);
SIZE(SecBuffer, 12);
LAYOUT(SecBuffer, pvBuffer, 8);
SIZE(SecBufferDesc, 12);
SIZE(SecPkgInfoW, 20);
LAYOUT(SecPkgInfoW, Name, 12);
SIZE(SEC_WINNT_AUTH_IDENTITY_W, 28);
LAYOUT(SEC_WINNT_AUTH_IDENTITY_W, Flags, 24);
SIZE(SEC_WINNT_AUTH_IDENTITY_EXW, 44);
SIZE(SecPkgContext_NegotiationInfoW, 8);
SIZE(CREDSSP_CRED, 12);

#define SLOT(n) (4 + 4 * (n))
#define TABLE_SIZE SLOT(31)

#else
# error "unsupported pointer size"
#endif

/* ------------------------------------------------------- function tables */

/* The SDK's slot order; Reserved* slots keep their place. */
#define TABLE_W(X) \
    X(EnumerateSecurityPackagesW, 0)  X(QueryCredentialsAttributesW, 1) \
    X(AcquireCredentialsHandleW, 2)   X(FreeCredentialsHandle, 3) \
    X(Reserved2, 4)                   X(InitializeSecurityContextW, 5) \
    X(AcceptSecurityContext, 6)       X(CompleteAuthToken, 7) \
    X(DeleteSecurityContext, 8)       X(ApplyControlToken, 9) \
    X(QueryContextAttributesW, 10)    X(ImpersonateSecurityContext, 11) \
    X(RevertSecurityContext, 12)      X(MakeSignature, 13) \
    X(VerifySignature, 14)            X(FreeContextBuffer, 15) \
    X(QuerySecurityPackageInfoW, 16)  X(Reserved3, 17) \
    X(Reserved4, 18)                  X(ExportSecurityContext, 19) \
    X(ImportSecurityContextW, 20)     X(AddCredentialsW, 21) \
    X(Reserved8, 22)                  X(QuerySecurityContextToken, 23) \
    X(EncryptMessage, 24)             X(DecryptMessage, 25) \
    X(SetContextAttributesW, 26)      X(SetCredentialsAttributesW, 27) \
    X(ChangeAccountPasswordW, 28)     X(QueryContextAttributesExW, 29) \
    X(QueryCredentialsAttributesExW, 30)

#define TABLE_A(X) \
    X(EnumerateSecurityPackagesA, 0)  X(QueryCredentialsAttributesA, 1) \
    X(AcquireCredentialsHandleA, 2)   X(FreeCredentialHandle, 3) \
    X(Reserved2, 4)                   X(InitializeSecurityContextA, 5) \
    X(AcceptSecurityContext, 6)       X(CompleteAuthToken, 7) \
    X(DeleteSecurityContext, 8)       X(ApplyControlToken, 9) \
    X(QueryContextAttributesA, 10)    X(ImpersonateSecurityContext, 11) \
    X(RevertSecurityContext, 12)      X(MakeSignature, 13) \
    X(VerifySignature, 14)            X(FreeContextBuffer, 15) \
    X(QuerySecurityPackageInfoA, 16)  X(Reserved3, 17) \
    X(Reserved4, 18)                  X(ExportSecurityContext, 19) \
    X(ImportSecurityContextA, 20)     X(AddCredentialsA, 21) \
    X(Reserved8, 22)                  X(QuerySecurityContextToken, 23) \
    X(EncryptMessage, 24)             X(DecryptMessage, 25) \
    X(SetContextAttributesA, 26)      X(SetCredentialsAttributesA, 27) \
    X(ChangeAccountPasswordA, 28)     X(QueryContextAttributesExA, 29) \
    X(QueryCredentialsAttributesExA, 30)

#define SLOT_W(field, n) LAYOUT(SecurityFunctionTableW, field, SLOT(n));
#define SLOT_A(field, n) LAYOUT(SecurityFunctionTableA, field, SLOT(n));
TABLE_W(SLOT_W)
TABLE_A(SLOT_A)
LAYOUT(SecurityFunctionTableW, dwVersion, 0);
SIZE(SecurityFunctionTableW, TABLE_SIZE);
SIZE(SecurityFunctionTableA, TABLE_SIZE);

/* Each exported function has exactly the type of its table slot and of its
 * *_FN typedef.  _Generic does not evaluate its operand, so no symbol of
 * libsspi is referenced and this test links without it. */
#define PROTO_W(field, n) \
    _Static_assert(_Generic(&field, __typeof__(((SecurityFunctionTableW *)0)->field): 1, default: 0), \
                   #field " matches its SecurityFunctionTableW slot");
#define PROTO_A(field, n) \
    _Static_assert(_Generic(&field, __typeof__(((SecurityFunctionTableA *)0)->field): 1, default: 0), \
                   #field " matches its SecurityFunctionTableA slot");
#define Reserved2 AcceptSecurityContext /* reserved slots: nothing to check */
#define Reserved3 AcceptSecurityContext
#define Reserved4 AcceptSecurityContext
#define Reserved8 AcceptSecurityContext
TABLE_W(PROTO_W)
TABLE_A(PROTO_A)
#undef Reserved2
#undef Reserved3
#undef Reserved4
#undef Reserved8

SAME_TYPE(&AcquireCredentialsHandleW, ACQUIRE_CREDENTIALS_HANDLE_FN_W);
SAME_TYPE(&AcquireCredentialsHandleA, ACQUIRE_CREDENTIALS_HANDLE_FN_A);
SAME_TYPE(&InitializeSecurityContextW, INITIALIZE_SECURITY_CONTEXT_FN_W);
SAME_TYPE(&InitializeSecurityContextA, INITIALIZE_SECURITY_CONTEXT_FN_A);
SAME_TYPE(&AcceptSecurityContext, ACCEPT_SECURITY_CONTEXT_FN);
SAME_TYPE(&QuerySecurityContextToken, QUERY_SECURITY_CONTEXT_TOKEN_FN);
SAME_TYPE(&InitSecurityInterfaceW, INIT_SECURITY_INTERFACE_W);
SAME_TYPE(&InitSecurityInterfaceA, INIT_SECURITY_INTERFACE_A);
SAME_TYPE(&FreeCredentialHandle, FREE_CREDENTIALS_HANDLE_FN);

/* The UNICODE switch (UNICODE is defined in this file). */
SAME_TYPE(&AcquireCredentialsHandle, ACQUIRE_CREDENTIALS_HANDLE_FN_W);
SAME_TYPE(&InitializeSecurityContext, INITIALIZE_SECURITY_CONTEXT_FN_W);
SAME_TYPE(&QueryContextAttributes, QUERY_CONTEXT_ATTRIBUTES_FN_W);
SAME_TYPE(&InitSecurityInterface, INIT_SECURITY_INTERFACE_W);
SAME_TYPE((SecPkgInfo *)0, SecPkgInfoW *);
SAME_TYPE((PSecPkgInfo)0, SecPkgInfoW *);
SAME_TYPE((SEC_WINNT_AUTH_IDENTITY *)0, SEC_WINNT_AUTH_IDENTITY_W *);
SAME_TYPE((SecPkgContext_Names *)0, SecPkgContext_NamesW *);
SAME_TYPE((SecPkgContext_NegotiationInfo *)0, SecPkgContext_NegotiationInfoW *);
SAME_TYPE((SecurityFunctionTable *)0, SecurityFunctionTableW *);

/* ---------------------------------------------------------- runtime tests */

#define STR_(x) #x
#define STR(x) STR_(x)

START_TEST(test_wchar_is_utf16)
{
    SEC_WCHAR *pkg = u"Kerberos";         /* literal usable as SEC_WCHAR * */
    const SEC_WCHAR *w = MICROSOFT_KERBEROS_NAME_W;
    size_t i;

    ck_assert_uint_eq(sizeof(WCHAR), 2);
    ck_assert_uint_eq(sizeof(u"Kerberos"), 9 * sizeof(WCHAR));
    for (i = 0; i < 9; i++)
        ck_assert_uint_eq(pkg[i], w[i]);
    ck_assert_uint_eq(pkg[8], 0);
    pkg = u"\u00e9";                       /* one UTF-16 code unit */
    ck_assert_uint_eq(pkg[0], 0xE9);
    pkg = u"\U0001F600";                   /* a surrogate pair */
    ck_assert_uint_eq(pkg[0], 0xD83D);
    ck_assert_uint_eq(pkg[1], 0xDE00);
}
END_TEST

START_TEST(test_auth_identity_from_literals)
{
    SEC_WINNT_AUTH_IDENTITY_W id;
    SEC_WINNT_AUTH_IDENTITY *neutral = &id;  /* UNICODE: the W structure */

    memset(&id, 0, sizeof(id));
    id.User = u"alice";                    /* unsigned short * = char16_t * in C */
    id.UserLength = 5;
    id.Domain = u"EXAMPLE.COM";
    id.DomainLength = 11;
    id.Password = u"secret";
    id.PasswordLength = 6;
    id.Flags = SEC_WINNT_AUTH_IDENTITY_UNICODE;
    ck_assert_uint_eq(neutral->User[0], 'a');
    ck_assert_uint_eq(neutral->Domain[10], 'M');
    ck_assert_uint_eq(neutral->Flags, 2);
}
END_TEST

START_TEST(test_handles)
{
    CtxtHandle h;

    memset(&h, 0, sizeof(h));
    ck_assert(SecIsValidHandle(&h));
    SecInvalidateHandle(&h);
    ck_assert(!SecIsValidHandle(&h));
    ck_assert_uint_eq(h.dwLower, (ULONG_PTR)-1);
    ck_assert_uint_eq(h.dwUpper, (ULONG_PTR)-1);
    h.dwLower = 42;
    ck_assert(!SecIsValidHandle(&h));      /* both words must be valid */
    ck_assert_uint_eq(SEC_DELETED_HANDLE, (ULONG_PTR)-2);
}
END_TEST

START_TEST(test_timestamp_union)
{
    TimeStamp ts;

    ts.QuadPart = 0x0000000100000002LL;
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    ck_assert_uint_eq(ts.LowPart, 2);
    ck_assert_int_eq(ts.HighPart, 1);
    ck_assert_uint_eq(ts.u.LowPart, 2);
#endif
    ts.QuadPart = 0x7FFFFFFFFFFFFFFFLL;    /* "never expires" */
    ck_assert_int_eq(ts.HighPart, 0x7FFFFFFF);
}
END_TEST

START_TEST(test_ulong_fields_are_32bit)
{
    SecBuffer b;
    ULONG attrs = 0;

    b.cbBuffer = 0xFFFFFFFFu;
    b.cbBuffer++;                           /* wraps like Windows' unsigned long */
    ck_assert_uint_eq(b.cbBuffer, 0);
    b.BufferType = SECBUFFER_DATA | SECBUFFER_READONLY;
    ck_assert_uint_eq(b.BufferType & ~SECBUFFER_ATTRMASK, SECBUFFER_DATA);
    attrs |= ISC_REQ_CONFIDENTIALITY_ONLY | ISC_REQ_MUTUAL_AUTH;
    ck_assert_uint_eq(attrs, 0x40000002u);
    ck_assert(SEC_SUCCESS(SEC_I_CONTINUE_NEEDED));
    ck_assert(!SEC_SUCCESS(SEC_E_LOGON_DENIED));
}
END_TEST

START_TEST(test_unicode_switch_names)
{
    /* With UNICODE defined every neutral name is its W form. */
    ck_assert_str_eq(STR(AcquireCredentialsHandle), "AcquireCredentialsHandleW");
    ck_assert_str_eq(STR(AddCredentials), "AddCredentialsW");
    ck_assert_str_eq(STR(ChangeAccountPassword), "ChangeAccountPasswordW");
    ck_assert_str_eq(STR(InitializeSecurityContext), "InitializeSecurityContextW");
    ck_assert_str_eq(STR(QueryContextAttributes), "QueryContextAttributesW");
    ck_assert_str_eq(STR(QueryContextAttributesEx), "QueryContextAttributesExW");
    ck_assert_str_eq(STR(SetContextAttributes), "SetContextAttributesW");
    ck_assert_str_eq(STR(QueryCredentialsAttributes), "QueryCredentialsAttributesW");
    ck_assert_str_eq(STR(QueryCredentialsAttributesEx), "QueryCredentialsAttributesExW");
    ck_assert_str_eq(STR(SetCredentialsAttributes), "SetCredentialsAttributesW");
    ck_assert_str_eq(STR(EnumerateSecurityPackages), "EnumerateSecurityPackagesW");
    ck_assert_str_eq(STR(QuerySecurityPackageInfo), "QuerySecurityPackageInfoW");
    ck_assert_str_eq(STR(ImportSecurityContext), "ImportSecurityContextW");
    ck_assert_str_eq(STR(InitSecurityInterface), "InitSecurityInterfaceW");
    ck_assert_str_eq(STR(SecPkgInfo), "SecPkgInfoW");
    ck_assert_str_eq(STR(SEC_WINNT_AUTH_IDENTITY), "SEC_WINNT_AUTH_IDENTITY_W");
    ck_assert_str_eq(STR(SEC_WINNT_AUTH_IDENTITY_EX), "SEC_WINNT_AUTH_IDENTITY_EXW");
    ck_assert_str_eq(STR(SecPkgContext_Names), "SecPkgContext_NamesW");
    ck_assert_str_eq(STR(SecPkgContext_NativeNames), "SecPkgContext_NativeNamesW");
    ck_assert_str_eq(STR(SecPkgContext_PackageInfo), "SecPkgContext_PackageInfoW");
    ck_assert_str_eq(STR(SecPkgContext_NegotiationInfo), "SecPkgContext_NegotiationInfoW");
    ck_assert_str_eq(STR(SecPkgContext_KeyInfo), "SecPkgContext_KeyInfoW");
    ck_assert_str_eq(STR(SecPkgContext_Authority), "SecPkgContext_AuthorityW");
    ck_assert_str_eq(STR(SecPkgCredentials_Names), "SecPkgCredentials_NamesW");
    ck_assert_str_eq(STR(SecurityFunctionTable), "SecurityFunctionTableW");
    ck_assert_str_eq(STR(NEGOSSP_NAME), "u\"Negotiate\"");
    ck_assert_str_eq(STR(SECURITY_ENTRYPOINT), "u\"InitSecurityInterfaceW\"");
}
END_TEST

START_TEST(test_function_table_slots)
{
    SecurityFunctionTableW t;
    void **slots = (void **)((char *)&t + SLOT(0));

    memset(&t, 0, sizeof(t));
    t.dwVersion = SECURITY_SUPPORT_PROVIDER_INTERFACE_VERSION_5;
    t.QueryCredentialsAttributesExW = (QUERY_CREDENTIALS_ATTRIBUTES_EX_FN_W)(uintptr_t)0x1234;
    /* the last slot is the 31st pointer after dwVersion */
    ck_assert_ptr_eq(slots[30], (void *)(uintptr_t)0x1234);
    ck_assert_uint_eq(t.dwVersion, 5);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("abi");
    TCase *tc = tcase_create("lp64");
    SRunner *sr;
    int failed;

    tcase_add_test(tc, test_wchar_is_utf16);
    tcase_add_test(tc, test_auth_identity_from_literals);
    tcase_add_test(tc, test_handles);
    tcase_add_test(tc, test_timestamp_union);
    tcase_add_test(tc, test_ulong_fields_are_32bit);
    tcase_add_test(tc, test_unicode_switch_names);
    tcase_add_test(tc, test_function_table_slots);
    suite_add_tcase(s, tc);
    sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
