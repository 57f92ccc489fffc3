/*
 * libFuzzer target for the marshaled SEC_WINNT_AUTH_IDENTITY_EX2 parser
 * behind SspiUnmarshalAuthIdentity (shim/auth_identity_format.c): any bytes
 * either parse or are refused with SEC_E_INVALID_TOKEN, never read out of
 * bounds; what parses rebuilds to bytes that parse to the same identity
 * (and the rebuilt form is a fixed point).
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "auth_identity.h"

static void same_parts(const struct ai_parts *a, const struct ai_parts *b)
{
    if (a->user_n != b->user_n || a->domain_n != b->domain_n || a->packages_n != b->packages_n ||
        a->has_cred != b->has_cred || a->cred_len != b->cred_len || a->flags != b->flags ||
        memcmp(&a->cred_type, &b->cred_type, sizeof(GUID)) != 0)
        abort();
    if ((a->user_n && memcmp(a->user, b->user, a->user_n * 2) != 0) ||
        (a->domain_n && memcmp(a->domain, b->domain, a->domain_n * 2) != 0) ||
        (a->packages_n && memcmp(a->packages, b->packages, a->packages_n * 2) != 0) ||
        (a->cred_len && memcmp(a->cred, b->cred, a->cred_len) != 0))
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* Exactly the given bytes, so ASan sees any read past them. */
    uint8_t *copy = malloc(size ? size : 1);
    if (copy == NULL)
        return 0;
    memcpy(copy, data, size);

    struct ai_parts parts;
    SECURITY_STATUS st = ai_parse_ex2(copy, size, true, false, &parts, NULL);
    if (st != SEC_E_OK) {
        if (st != SEC_E_INVALID_TOKEN && st != SEC_E_INSUFFICIENT_MEMORY)
            abort();
        free(copy);
        return 0;
    }
    void *rebuilt;
    size_t rebuilt_len;
    if (ai_build(&parts, true, 0, &rebuilt, &rebuilt_len) != SEC_E_OK)
        abort();                            /* a parsed identity always fits */
    struct ai_parts again;
    if (ai_parse_ex2(rebuilt, rebuilt_len, true, false, &again, NULL) != SEC_E_OK)
        abort();
    same_parts(&parts, &again);
    void *twice;
    size_t twice_len;
    if (ai_build(&again, true, 0, &twice, &twice_len) != SEC_E_OK || twice_len != rebuilt_len ||
        memcmp(twice, rebuilt, rebuilt_len) != 0)
        abort();
    /* The in-memory (host order) form of the same identity parses too. */
    void *host;
    size_t host_len;
    struct ai_parts from_host;
    if (ai_build(&parts, false, AI_KIND_IDENTITY, &host, &host_len) != SEC_E_OK ||
        ai_parse_ex2(host, host_len, false, false, &from_host, NULL) != SEC_E_OK)
        abort();
    same_parts(&parts, &from_host);
    if (!ai_release(host))
        abort();
    ai_parts_clear(&from_host);
    ai_parts_clear(&again);
    ai_parts_clear(&parts);
    free(twice);
    free(rebuilt);
    free(copy);
    return 0;
}
