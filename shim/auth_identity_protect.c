/*
 * SspiEncryptAuthIdentity(Ex) / SspiDecryptAuthIdentity(Ex) /
 * SspiIsAuthIdentityEncrypted.
 *
 * Windows encrypts the packed credentials in place with CryptProtectMemory
 * and sets SEC_WINNT_AUTH_IDENTITY_FLAGS_PROCESS_ENCRYPTED.  Here: AES-256
 * in CTR mode (length-preserving, so the block keeps its layout) under a key
 * drawn from getrandom() once per process and kept in its own page, locked
 * out of swap (mlock) and left out of core dumps (MADV_DONTDUMP); each
 * encryption takes a fresh random 16-byte counter block, kept in the
 * allocation's hidden header (auth_identity_alloc.c).
 *
 * This protects against casual memory dumps (core files, a scan of the heap
 * for a password) only: anything that can read the whole process can read
 * the key too.  As with CRYPTPROTECTMEMORY_SAME_PROCESS, the result means
 * nothing in another process (a fork keeps the key, an exec does not).
 */
#include "config.h"

#include <openssl/evp.h>
#include <pthread.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <unistd.h>

#include "auth_identity.h"

#define KEY_SIZE 32u

static pthread_once_t key_once = PTHREAD_ONCE_INIT;
static uint8_t *process_key;        /* KEY_SIZE bytes in a page of its own */

static bool fill_random(uint8_t *buf, size_t len)
{
    while (len > 0) {
        ssize_t n = getrandom(buf, len, 0);
        if (n <= 0)
            return false;
        buf += n;
        len -= (size_t)n;
    }
    return true;
}

static void make_key(void)
{
    long page = sysconf(_SC_PAGESIZE);
    if (page <= 0)
        return;
    void *p = mmap(NULL, (size_t)page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        return;
    /* Best effort: RLIMIT_MEMLOCK may refuse the lock; the key still works. */
    (void)mlock(p, (size_t)page);
#ifdef MADV_DONTDUMP
    (void)madvise(p, (size_t)page, MADV_DONTDUMP);
#endif
    if (!fill_random(p, KEY_SIZE)) {
        munmap(p, (size_t)page);
        return;
    }
    process_key = p;
}

SECURITY_STATUS ai_protect_new_iv(uint8_t iv[AI_IV_SIZE])
{
    return fill_random(iv, AI_IV_SIZE) ? SEC_E_OK : SEC_E_INTERNAL_ERROR;
}

/* CTR is its own inverse: the same call encrypts and decrypts. */
SECURITY_STATUS ai_protect_xcrypt(const uint8_t iv[AI_IV_SIZE], uint8_t *data, size_t len)
{
    pthread_once(&key_once, make_key);
    if (process_key == NULL)
        return SEC_E_INTERNAL_ERROR;
    if (len == 0)
        return SEC_E_OK;
    if (len > INT32_MAX)
        return SEC_E_INVALID_PARAMETER;
    EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
    if (ctx == NULL)
        return SEC_E_INSUFFICIENT_MEMORY;
    int out_len = 0, fin_len = 0;
    bool ok = EVP_EncryptInit_ex(ctx, EVP_aes_256_ctr(), NULL, process_key, iv) == 1 &&
              EVP_EncryptUpdate(ctx, data, &out_len, data, (int)len) == 1 &&
              EVP_EncryptFinal_ex(ctx, data + out_len, &fin_len) == 1 &&
              (size_t)(out_len + fin_len) == len;
    EVP_CIPHER_CTX_free(ctx);
    return ok ? SEC_E_OK : SEC_E_INTERNAL_ERROR;
}

/* ------------------------------------------------------------ public API */

/* Our EX2 block (only those carry a place for the counter block): its
 * CredData offset and length, parsed strictly. */
static SECURITY_STATUS locate(const void *identity, bool want_encrypted, size_t *at,
                              size_t *len, uint8_t iv[AI_IV_SIZE])
{
    size_t size;
    enum ai_kind kind;
    if (identity == NULL || !ai_lookup(identity, &size, &kind, iv) || kind != AI_KIND_IDENTITY)
        return SEC_E_INVALID_PARAMETER;
    struct ai_parts parts;
    SECURITY_STATUS st = ai_parse_ex2(identity, size, false, true, &parts, at);
    if (st != SEC_E_OK)
        return st == SEC_E_INSUFFICIENT_MEMORY ? st : SEC_E_INVALID_PARAMETER;
    bool encrypted = (parts.flags & SEC_WINNT_AUTH_IDENTITY_FLAGS_PROCESS_ENCRYPTED) != 0;
    *len = parts.cred_len;
    ai_parts_clear(&parts);
    return encrypted == want_encrypted ? SEC_E_OK : SEC_I_CONTINUE_NEEDED;
}

static void set_encrypted_flag(void *identity, bool on)
{
    SEC_WINNT_AUTH_IDENTITY_EX2 *ex2 = identity;
    if (on)
        ex2->Flags |= SEC_WINNT_AUTH_IDENTITY_FLAGS_PROCESS_ENCRYPTED;
    else
        ex2->Flags &= ~(ULONG)SEC_WINNT_AUTH_IDENTITY_FLAGS_PROCESS_ENCRYPTED;
}

/* Only SAME_PROCESS can be honoured: there is no logon session or SYSTEM
 * key to encrypt to on Unix. */
static SECURITY_STATUS check_options(ULONG options)
{
    if (options == SEC_WINNT_AUTH_IDENTITY_ENCRYPT_SAME_PROCESS)
        return SEC_E_OK;
    if (options == SEC_WINNT_AUTH_IDENTITY_ENCRYPT_SAME_LOGON ||
        options == SEC_WINNT_AUTH_IDENTITY_ENCRYPT_FOR_SYSTEM)
        return SEC_E_UNSUPPORTED_FUNCTION;
    return SEC_E_INVALID_PARAMETER;
}

SECURITY_STATUS SEC_ENTRY SspiEncryptAuthIdentityEx(ULONG Options,
                                                    PSEC_WINNT_AUTH_IDENTITY_OPAQUE AuthData)
{
    SECURITY_STATUS st = check_options(Options);
    if (st != SEC_E_OK)
        return st;
    size_t at, len;
    uint8_t iv[AI_IV_SIZE];
    st = locate(AuthData, false, &at, &len, iv);
    if (st == SEC_I_CONTINUE_NEEDED)
        return SEC_E_OK;                    /* already encrypted: nothing to do */
    if (st != SEC_E_OK)
        return st;
    st = ai_protect_new_iv(iv);
    if (st == SEC_E_OK)
        st = ai_protect_xcrypt(iv, (uint8_t *)AuthData + at, len);
    if (st != SEC_E_OK)
        return st;
    ai_set_iv(AuthData, iv);
    set_encrypted_flag(AuthData, true);
    return SEC_E_OK;
}

SECURITY_STATUS SEC_ENTRY SspiEncryptAuthIdentity(PSEC_WINNT_AUTH_IDENTITY_OPAQUE AuthData)
{
    return SspiEncryptAuthIdentityEx(SEC_WINNT_AUTH_IDENTITY_ENCRYPT_SAME_PROCESS, AuthData);
}

SECURITY_STATUS SEC_ENTRY SspiDecryptAuthIdentityEx(ULONG Options,
                                                    PSEC_WINNT_AUTH_IDENTITY_OPAQUE EncryptedAuthData)
{
    SECURITY_STATUS st = check_options(Options);
    if (st != SEC_E_OK)
        return st;
    size_t at, len;
    uint8_t iv[AI_IV_SIZE];
    st = locate(EncryptedAuthData, true, &at, &len, iv);
    if (st == SEC_I_CONTINUE_NEEDED)
        return SEC_E_OK;                    /* not encrypted: already plaintext */
    if (st != SEC_E_OK)
        return st;
    st = ai_protect_xcrypt(iv, (uint8_t *)EncryptedAuthData + at, len);
    if (st != SEC_E_OK)
        return st;
    set_encrypted_flag(EncryptedAuthData, false);
    return SEC_E_OK;
}

SECURITY_STATUS SEC_ENTRY SspiDecryptAuthIdentity(PSEC_WINNT_AUTH_IDENTITY_OPAQUE EncryptedAuthData)
{
    return SspiDecryptAuthIdentityEx(SEC_WINNT_AUTH_IDENTITY_ENCRYPT_SAME_PROCESS,
                                     EncryptedAuthData);
}

BOOLEAN SEC_ENTRY SspiIsAuthIdentityEncrypted(PSEC_WINNT_AUTH_IDENTITY_OPAQUE EncryptedAuthData)
{
    if (EncryptedAuthData == NULL)
        return 0;
    ULONG version;
    memcpy(&version, EncryptedAuthData, sizeof(version));
    ULONG flags;
    if (version == SEC_WINNT_AUTH_IDENTITY_VERSION_2)
        flags = ((const SEC_WINNT_AUTH_IDENTITY_EX2 *)EncryptedAuthData)->Flags;
    else if (version == SEC_WINNT_AUTH_IDENTITY_VERSION)
        flags = ((const SEC_WINNT_AUTH_IDENTITY_EXW *)EncryptedAuthData)->Flags;
    else
        flags = ((const SEC_WINNT_AUTH_IDENTITY_W *)EncryptedAuthData)->Flags;
    return (flags & (SEC_WINNT_AUTH_IDENTITY_FLAGS_PROCESS_ENCRYPTED |
                     SEC_WINNT_AUTH_IDENTITY_FLAGS_SYSTEM_ENCRYPTED |
                     SEC_WINNT_AUTH_IDENTITY_FLAGS_SYSTEM_PROTECTED |
                     SEC_WINNT_AUTH_IDENTITY_FLAGS_USER_PROTECTED)) != 0
               ? 1
               : 0;
}
