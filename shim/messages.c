/*
 * MakeSignature, VerifySignature, EncryptMessage, DecryptMessage.
 * (Being implemented: until then each says so.)
 */
#include "config.h"

#include "shim_internal.h"

SSPI_API SECURITY_STATUS SEC_ENTRY MakeSignature(PCtxtHandle phContext, ULONG fQOP,
                                                 PSecBufferDesc pMessage, ULONG MessageSeqNo)
{
    (void)fQOP; (void)pMessage; (void)MessageSeqNo;
    return shim_context_not_yet(phContext, "MakeSignature");
}

SSPI_API SECURITY_STATUS SEC_ENTRY VerifySignature(PCtxtHandle phContext, PSecBufferDesc pMessage,
                                                   ULONG MessageSeqNo, ULONG *pfQOP)
{
    (void)pMessage; (void)MessageSeqNo; (void)pfQOP;
    return shim_context_not_yet(phContext, "VerifySignature");
}

SSPI_API SECURITY_STATUS SEC_ENTRY EncryptMessage(PCtxtHandle phContext, ULONG fQOP,
                                                  PSecBufferDesc pMessage, ULONG MessageSeqNo)
{
    (void)fQOP; (void)pMessage; (void)MessageSeqNo;
    return shim_context_not_yet(phContext, "EncryptMessage");
}

SSPI_API SECURITY_STATUS SEC_ENTRY DecryptMessage(PCtxtHandle phContext, PSecBufferDesc pMessage,
                                                  ULONG MessageSeqNo, ULONG *pfQOP)
{
    (void)pMessage; (void)MessageSeqNo; (void)pfQOP;
    return shim_context_not_yet(phContext, "DecryptMessage");
}

