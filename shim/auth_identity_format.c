/*
 * SEC_WINNT_AUTH_IDENTITY_EX2 packed blocks: the strict parser (which also
 * reads marshaled bytes from another process: CredSSP's delegated
 * credentials), the builder, and the decoding of every identity form the
 * SSPI functions accept (SEC_WINNT_AUTH_IDENTITY_W/A, _EXW/_EXA, _EX2).
 *
 * EX2 layout (Windows SDK sspi.h, natural alignment): Version@0 (ULONG,
 * SEC_WINNT_AUTH_IDENTITY_VERSION_2), cbHeaderLength@4 (USHORT),
 * cbStructureLength@8, UserOffset@12, UserLength@16 (USHORT, bytes),
 * DomainOffset@20, DomainLength@24, PackedCredentialsOffset@28,
 * PackedCredentialsLength@32, Flags@36, PackageListOffset@40,
 * PackageListLength@44; offsets from the start of the block.  The packed
 * credentials (SEC_WINNT_AUTH_PACKED_CREDENTIALS): cbHeaderLength@0,
 * cbStructureLength@2 (USHORTs), CredType@4 (GUID), CredData.ByteArrayOffset@20
 * (from the start of the packed credentials), ByteArrayLength@24.  A
 * password is CredType SEC_WINNT_AUTH_DATA_TYPE_PASSWORD with the UTF-16
 * password (no NUL) as CredData.
 */
#include "config.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "auth_identity.h"

_Static_assert(sizeof(SEC_WINNT_AUTH_IDENTITY_EX2) == AI_EX2_HEADER_SIZE, "EX2 layout");
_Static_assert(offsetof(SEC_WINNT_AUTH_IDENTITY_EX2, PackageListLength) == 44, "EX2 layout");
_Static_assert(offsetof(SEC_WINNT_AUTH_IDENTITY_EX2, Flags) == 36, "EX2 layout");
_Static_assert(sizeof(SEC_WINNT_AUTH_PACKED_CREDENTIALS) == AI_PACKED_CRED_SIZE,
               "packed credentials layout");
_Static_assert(offsetof(SEC_WINNT_AUTH_PACKED_CREDENTIALS, AuthData.CredData.ByteArrayOffset) == 20,
               "packed credentials layout");

const GUID shim_auth_data_type_password = {
    0x28bfc32f, 0x10f6, 0x4738, {0x98, 0xd1, 0x1a, 0xc0, 0x61, 0xdf, 0x71, 0x6a}};

/* A string field holds at most a USHORT byte count of UTF-16. */
#define AI_MAX_UNITS (0xFFFFu / 2)

/* Flags an identity may carry.  The SYSTEM/USER protections are another
 * process's encryption (LSA, DPAPI) that we cannot undo. */
#define AI_KNOWN_FLAGS                                                                       \
    (SEC_WINNT_AUTH_IDENTITY_ANSI | SEC_WINNT_AUTH_IDENTITY_UNICODE |                         \
     SEC_WINNT_AUTH_IDENTITY_MARSHALLED | SEC_WINNT_AUTH_IDENTITY_ONLY |                      \
     SEC_WINNT_AUTH_IDENTITY_FLAGS_PROCESS_ENCRYPTED | SEC_WINNT_AUTH_IDENTITY_FLAGS_RESERVED | \
     SEC_WINNT_AUTH_IDENTITY_FLAGS_NULL_USER | SEC_WINNT_AUTH_IDENTITY_FLAGS_NULL_DOMAIN |     \
     SEC_WINNT_AUTH_IDENTITY_FLAGS_ID_PROVIDER | SEC_WINNT_AUTH_IDENTITY_FLAGS_SSPIPFC_USE_MASK)

/* ------------------------------------------------------------ byte order */

static uint16_t get16(const uint8_t *p, bool le)
{
    if (le)
        return (uint16_t)(p[0] | (p[1] << 8));
    uint16_t v;
    memcpy(&v, p, sizeof(v));
    return v;
}

static uint32_t get32(const uint8_t *p, bool le)
{
    if (le)
        return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) |
               ((uint32_t)p[3] << 24);
    uint32_t v;
    memcpy(&v, p, sizeof(v));
    return v;
}

static void put16(uint8_t *p, uint16_t v, bool le)
{
    if (le) {
        p[0] = (uint8_t)v;
        p[1] = (uint8_t)(v >> 8);
    } else {
        memcpy(p, &v, sizeof(v));
    }
}

static void put32(uint8_t *p, uint32_t v, bool le)
{
    if (le) {
        for (int i = 0; i < 4; i++)
            p[i] = (uint8_t)(v >> (8 * i));
    } else {
        memcpy(p, &v, sizeof(v));
    }
}

static void get_guid(const uint8_t *p, bool le, GUID *g)
{
    g->Data1 = get32(p, le);
    g->Data2 = get16(p + 4, le);
    g->Data3 = get16(p + 6, le);
    memcpy(g->Data4, p + 8, 8);
}

static void put_guid(uint8_t *p, const GUID *g, bool le)
{
    put32(p, g->Data1, le);
    put16(p + 4, g->Data2, le);
    put16(p + 6, g->Data3, le);
    memcpy(p + 8, g->Data4, 8);
}

static bool is_password_type(const GUID *g)
{
    return memcmp(g, &shim_auth_data_type_password, sizeof(*g)) == 0;
}

/* ------------------------------------------------------------ parts */

void ai_parts_clear(struct ai_parts *parts)
{
    if (parts->user != NULL)
        explicit_bzero(parts->user, parts->user_n * sizeof(SEC_WCHAR));
    if (parts->domain != NULL)
        explicit_bzero(parts->domain, parts->domain_n * sizeof(SEC_WCHAR));
    if (parts->packages != NULL)
        explicit_bzero(parts->packages, parts->packages_n * sizeof(SEC_WCHAR));
    if (parts->cred != NULL)
        explicit_bzero(parts->cred, parts->cred_len);
    free(parts->user);
    free(parts->domain);
    free(parts->packages);
    free(parts->cred);
    explicit_bzero(parts, sizeof(*parts));
}

/* Well-formed UTF-16 (RFC 2781 2.2) with no NUL: what the W entry points
 * turn into UTF-8 later, so an identity that passes here always can be. */
static bool utf16_ok(const SEC_WCHAR *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        SEC_WCHAR c = s[i];
        if (c == 0)
            return false;
        if (c >= 0xD800 && c <= 0xDBFF) {
            if (i + 1 >= n || s[i + 1] < 0xDC00 || s[i + 1] > 0xDFFF)
                return false;
            i++;
        } else if (c >= 0xDC00 && c <= 0xDFFF) {
            return false;
        }
    }
    return true;
}

/* Copy of n host-order units; NULL for an empty string. */
static SECURITY_STATUS dup_units(const SEC_WCHAR *s, size_t n, SEC_WCHAR **out, size_t *out_n)
{
    *out = NULL;
    *out_n = 0;
    if (n == 0)
        return SEC_E_OK;
    SEC_WCHAR *d = malloc(n * sizeof(SEC_WCHAR));
    if (d == NULL)
        return SEC_E_INSUFFICIENT_MEMORY;
    memcpy(d, s, n * sizeof(SEC_WCHAR));
    *out = d;
    *out_n = n;
    return SEC_E_OK;
}

/* ------------------------------------------------------------ EX2 parser */

struct region {
    uint32_t off, len;
};

/* An (offset, byte length) pair inside a block of `total` bytes whose
 * header is `header` bytes: empty, or wholly after the header and inside
 * the block (64-bit sums: no wrap-around). */
static bool region_ok(struct region r, uint32_t header, uint32_t total)
{
    if (r.len == 0)
        return r.off <= total;
    return r.off >= header && (uint64_t)r.off + r.len <= total;
}

static bool regions_overlap(struct region a, struct region b)
{
    if (a.len == 0 || b.len == 0)
        return false;
    return (uint64_t)a.off < (uint64_t)b.off + b.len && (uint64_t)b.off < (uint64_t)a.off + a.len;
}

/* A UTF-16 string field of the block, to host-order units. */
static SECURITY_STATUS parse_string(const uint8_t *p, struct region r, bool le, SEC_WCHAR **out,
                                    size_t *out_n)
{
    *out = NULL;
    *out_n = 0;
    if (r.len % 2 != 0)
        return SEC_E_INVALID_TOKEN;         /* half a code unit */
    if (r.len == 0)
        return SEC_E_OK;
    size_t n = r.len / 2;
    SEC_WCHAR *s = malloc(n * sizeof(SEC_WCHAR));
    if (s == NULL)
        return SEC_E_INSUFFICIENT_MEMORY;
    for (size_t i = 0; i < n; i++)
        s[i] = get16(p + r.off + 2 * i, le);
    if (!utf16_ok(s, n)) {
        explicit_bzero(s, n * sizeof(SEC_WCHAR));
        free(s);
        return SEC_E_INVALID_TOKEN;
    }
    *out = s;
    *out_n = n;
    return SEC_E_OK;
}

/* SEC_WINNT_AUTH_PACKED_CREDENTIALS at r. */
static SECURITY_STATUS parse_packed(const uint8_t *p, struct region r, bool le, bool encrypted,
                                    struct ai_parts *out, size_t *cred_at)
{
    if (r.len < AI_PACKED_CRED_SIZE)
        return SEC_E_INVALID_TOKEN;
    const uint8_t *pc = p + r.off;
    uint32_t header = get16(pc, le);
    uint32_t total = get16(pc + 2, le);
    if (header < AI_PACKED_CRED_SIZE || header > r.len || total != r.len)
        return SEC_E_INVALID_TOKEN;
    get_guid(pc + 4, le, &out->cred_type);
    struct region data = {get32(pc + 20, le), get16(pc + 24, le)};
    if (!region_ok(data, header, total))
        return SEC_E_INVALID_TOKEN;
    bool password = is_password_type(&out->cred_type);
    if (password && data.len % 2 != 0)
        return SEC_E_INVALID_TOKEN;         /* half a UTF-16 unit */

    out->has_cred = true;
    *cred_at = (size_t)r.off + data.off;
    if (data.len == 0)
        return SEC_E_OK;
    out->cred = malloc(data.len);
    if (out->cred == NULL)
        return SEC_E_INSUFFICIENT_MEMORY;
    out->cred_len = data.len;
    if (!password || encrypted) {
        /* Opaque bytes (another credential type, or ciphertext). */
        memcpy(out->cred, pc + data.off, data.len);
        return SEC_E_OK;
    }
    size_t n = data.len / 2;
    SEC_WCHAR *units = (SEC_WCHAR *)(void *)out->cred;
    for (size_t i = 0; i < n; i++) {
        SEC_WCHAR c = get16(pc + data.off + 2 * i, le);
        memcpy(&units[i], &c, sizeof(c));
    }
    return utf16_ok(units, n) ? SEC_E_OK : SEC_E_INVALID_TOKEN;
}

SECURITY_STATUS ai_parse_ex2(const uint8_t *p, size_t len, bool le, bool allow_encrypted,
                             struct ai_parts *out, size_t *cred_at)
{
    memset(out, 0, sizeof(*out));
    size_t cred_at_dummy;
    if (cred_at == NULL)
        cred_at = &cred_at_dummy;
    *cred_at = 0;
    if (p == NULL || len < AI_EX2_HEADER_SIZE || len > UINT32_MAX)
        return SEC_E_INVALID_TOKEN;
    if (get32(p, le) != SEC_WINNT_AUTH_IDENTITY_VERSION_2)
        return SEC_E_INVALID_TOKEN;
    uint32_t header = get16(p + 4, le);
    uint32_t total = get32(p + 8, le);
    /* The structure length is the whole block: nothing unaccounted for
     * trails it, and nothing it claims lies beyond what we were given. */
    if (total != len || header < AI_EX2_HEADER_SIZE || header > total)
        return SEC_E_INVALID_TOKEN;
    struct region user = {get32(p + 12, le), get16(p + 16, le)};
    struct region domain = {get32(p + 20, le), get16(p + 24, le)};
    struct region packed = {get32(p + 28, le), get16(p + 32, le)};
    ULONG flags = get32(p + 36, le);
    struct region packages = {get32(p + 40, le), get16(p + 44, le)};

    if ((flags & ~(ULONG)AI_KNOWN_FLAGS) != 0 || (flags & SEC_WINNT_AUTH_IDENTITY_ANSI) != 0)
        return SEC_E_INVALID_TOKEN;         /* EX2 strings are UTF-16 only */
    bool encrypted = (flags & SEC_WINNT_AUTH_IDENTITY_FLAGS_PROCESS_ENCRYPTED) != 0;
    if (encrypted && !allow_encrypted)
        return SEC_E_INVALID_TOKEN;
    const struct region all[] = {user, domain, packed, packages};
    for (size_t i = 0; i < 4; i++) {
        if (!region_ok(all[i], header, total))
            return SEC_E_INVALID_TOKEN;
        for (size_t j = 0; j < i; j++)
            if (regions_overlap(all[i], all[j]))
                return SEC_E_INVALID_TOKEN;
    }
    out->flags = flags;

    SECURITY_STATUS st = parse_string(p, user, le, &out->user, &out->user_n);
    if (st == SEC_E_OK)
        st = parse_string(p, domain, le, &out->domain, &out->domain_n);
    if (st == SEC_E_OK)
        st = parse_string(p, packages, le, &out->packages, &out->packages_n);
    if (st == SEC_E_OK && packed.len != 0)
        st = parse_packed(p, packed, le, encrypted, out, cred_at);
    if (st != SEC_E_OK)
        ai_parts_clear(out);
    return st;
}

/* ------------------------------------------------------------ W/A/EX forms */

/* One field of a W/A structure: len characters at ptr. */
static SECURITY_STATUS decode_field(const void *ptr, ULONG len, bool wide, SEC_WCHAR **out,
                                    size_t *out_n)
{
    *out = NULL;
    *out_n = 0;
    if (ptr == NULL)
        return len == 0 ? SEC_E_OK : SEC_E_INVALID_PARAMETER;
    if (len == 0)
        return SEC_E_OK;
    if (wide) {
        if (len > AI_MAX_UNITS || !utf16_ok(ptr, len))
            return SEC_E_INVALID_PARAMETER;
        return dup_units(ptr, len, out, out_n);
    }
    /* ANSI is UTF-8 on Unix (sspi.h). */
    if (len > 3 * AI_MAX_UNITS || memchr(ptr, 0, len) != NULL)
        return SEC_E_INVALID_PARAMETER;
    char *z = malloc((size_t)len + 1);
    if (z == NULL)
        return SEC_E_INSUFFICIENT_MEMORY;
    memcpy(z, ptr, len);
    z[len] = '\0';
    size_t n = 0;
    SECURITY_STATUS st = shim_utf8_to_utf16(z, out, &n);
    explicit_bzero(z, len);
    free(z);
    if (st != SEC_E_OK)
        return SEC_E_INVALID_PARAMETER;
    if (n > AI_MAX_UNITS) {
        explicit_bzero(*out, n * sizeof(SEC_WCHAR));
        free(*out);
        *out = NULL;
        return SEC_E_INVALID_PARAMETER;
    }
    *out_n = n;
    return SEC_E_OK;
}

static SECURITY_STATUS decode_w_or_ex(const void *user, ULONG user_len, const void *domain,
                                      ULONG domain_len, const void *password, ULONG password_len,
                                      const void *packages, ULONG packages_len, ULONG flags,
                                      struct ai_parts *out)
{
    bool wide;
    switch (flags & (SEC_WINNT_AUTH_IDENTITY_ANSI | SEC_WINNT_AUTH_IDENTITY_UNICODE)) {
    case SEC_WINNT_AUTH_IDENTITY_ANSI:
        wide = false;
        break;
    case SEC_WINNT_AUTH_IDENTITY_UNICODE:
        wide = true;
        break;
    default:
        return SEC_E_INVALID_PARAMETER;     /* neither or both */
    }
    /* These forms hold plaintext; an encryption flag on them is a lie. */
    if ((flags & ~(ULONG)AI_KNOWN_FLAGS) != 0 ||
        (flags & SEC_WINNT_AUTH_IDENTITY_FLAGS_PROCESS_ENCRYPTED) != 0)
        return SEC_E_INVALID_PARAMETER;
    out->flags = (flags & ~(ULONG)(SEC_WINNT_AUTH_IDENTITY_ANSI | SEC_WINNT_AUTH_IDENTITY_MARSHALLED)) |
                 SEC_WINNT_AUTH_IDENTITY_UNICODE;

    SECURITY_STATUS st = decode_field(user, user_len, wide, &out->user, &out->user_n);
    if (st == SEC_E_OK)
        st = decode_field(domain, domain_len, wide, &out->domain, &out->domain_n);
    if (st == SEC_E_OK)
        st = decode_field(packages, packages_len, wide, &out->packages, &out->packages_n);
    if (st == SEC_E_OK && password != NULL) {
        SEC_WCHAR *pw;
        size_t pw_n;
        st = decode_field(password, password_len, wide, &pw, &pw_n);
        if (st == SEC_E_OK) {
            out->has_cred = true;
            out->cred_type = shim_auth_data_type_password;
            out->cred = (uint8_t *)pw;
            out->cred_len = pw_n * sizeof(SEC_WCHAR);
        }
    } else if (st == SEC_E_OK && password_len != 0) {
        st = SEC_E_INVALID_PARAMETER;
    }
    if (st != SEC_E_OK)
        ai_parts_clear(out);
    return st;
}

SECURITY_STATUS ai_decode(const void *identity, bool allow_encrypted, struct ai_parts *out)
{
    memset(out, 0, sizeof(*out));
    if (identity == NULL)
        return SEC_E_INVALID_PARAMETER;
    ULONG version;
    memcpy(&version, identity, sizeof(version));

    if (version == SEC_WINNT_AUTH_IDENTITY_VERSION_2) {
        size_t size = 0;
        uint8_t iv[AI_IV_SIZE];
        bool ours = ai_lookup(identity, &size, NULL, iv);
        if (!ours) {
            /* The caller's own block: its cbStructureLength is all we have. */
            const SEC_WINNT_AUTH_IDENTITY_EX2 *ex2 = identity;
            size = ex2->cbStructureLength;
            if (size < AI_EX2_HEADER_SIZE)
                return SEC_E_INVALID_PARAMETER;
        }
        SECURITY_STATUS st = ai_parse_ex2(identity, size, false, allow_encrypted && ours, out, NULL);
        if (st == SEC_E_INVALID_TOKEN)
            return SEC_E_INVALID_PARAMETER;
        if (st == SEC_E_OK && ours)
            memcpy(out->iv, iv, AI_IV_SIZE);
        return st;
    }
    if (version == SEC_WINNT_AUTH_IDENTITY_VERSION) {
        const SEC_WINNT_AUTH_IDENTITY_EXW *ex = identity;
        if (ex->Length < sizeof(*ex))
            return SEC_E_INVALID_PARAMETER;
        /* EXA has the same layout with char pointers; Flags tells which. */
        return decode_w_or_ex(ex->User, ex->UserLength, ex->Domain, ex->DomainLength,
                              ex->Password, ex->PasswordLength, ex->PackageList,
                              ex->PackageListLength, ex->Flags, out);
    }
    /* SEC_WINNT_AUTH_IDENTITY_W/A start with the User pointer, whose low 32
     * bits are never 0x200/0x201 on Linux (identity.c relies on the same). */
    const SEC_WINNT_AUTH_IDENTITY_W *id = identity;
    return decode_w_or_ex(id->User, id->UserLength, id->Domain, id->DomainLength, id->Password,
                          id->PasswordLength, NULL, 0, id->Flags, out);
}

/* ------------------------------------------------------------ builder */

static void put_units(uint8_t *p, const SEC_WCHAR *s, size_t n, bool le)
{
    for (size_t i = 0; i < n; i++)
        put16(p + 2 * i, s[i], le);
}

SECURITY_STATUS ai_build(const struct ai_parts *parts, bool le, enum ai_kind kind, void **out,
                         size_t *out_len)
{
    *out = NULL;
    if (out_len != NULL)
        *out_len = 0;
    if (parts->user_n > AI_MAX_UNITS || parts->domain_n > AI_MAX_UNITS ||
        parts->packages_n > AI_MAX_UNITS ||
        parts->cred_len > 0xFFFFu - AI_PACKED_CRED_SIZE)
        return SEC_E_INVALID_PARAMETER;

    /* Header, user, domain, then the packed credentials 4-aligned (they
     * hold ULONGs), then the package list. */
    size_t off = AI_EX2_HEADER_SIZE;
    size_t user_off = parts->user_n ? off : 0;
    off += parts->user_n * 2;
    size_t domain_off = parts->domain_n ? off : 0;
    off += parts->domain_n * 2;
    off = (off + 3) & ~(size_t)3;
    size_t packed_off = parts->has_cred ? off : 0;
    size_t packed_len = parts->has_cred ? AI_PACKED_CRED_SIZE + parts->cred_len : 0;
    off += packed_len;
    size_t packages_off = parts->packages_n ? off : 0;
    off += parts->packages_n * 2;
    size_t total = off;

    uint8_t *p = kind != 0 ? ai_alloc(total, kind) : calloc(1, total);
    if (p == NULL)
        return SEC_E_INSUFFICIENT_MEMORY;
    put32(p, SEC_WINNT_AUTH_IDENTITY_VERSION_2, le);
    put16(p + 4, AI_EX2_HEADER_SIZE, le);
    put32(p + 8, (uint32_t)total, le);
    put32(p + 12, (uint32_t)user_off, le);
    put16(p + 16, (uint16_t)(parts->user_n * 2), le);
    put32(p + 20, (uint32_t)domain_off, le);
    put16(p + 24, (uint16_t)(parts->domain_n * 2), le);
    put32(p + 28, (uint32_t)packed_off, le);
    put16(p + 32, (uint16_t)packed_len, le);
    put32(p + 36, parts->flags, le);
    put32(p + 40, (uint32_t)packages_off, le);
    put16(p + 44, (uint16_t)(parts->packages_n * 2), le);
    put_units(p + user_off, parts->user, parts->user_n, le);
    put_units(p + domain_off, parts->domain, parts->domain_n, le);
    put_units(p + packages_off, parts->packages, parts->packages_n, le);
    if (parts->has_cred) {
        uint8_t *pc = p + packed_off;
        put16(pc, AI_PACKED_CRED_SIZE, le);
        put16(pc + 2, (uint16_t)packed_len, le);
        put_guid(pc + 4, &parts->cred_type, le);
        put32(pc + 20, parts->cred_len ? AI_PACKED_CRED_SIZE : 0, le);
        put16(pc + 24, (uint16_t)parts->cred_len, le);
        bool plain_password = is_password_type(&parts->cred_type) &&
                              !(parts->flags & SEC_WINNT_AUTH_IDENTITY_FLAGS_PROCESS_ENCRYPTED);
        if (plain_password) {
            for (size_t i = 0; i + 1 < parts->cred_len; i += 2) {
                SEC_WCHAR c;
                memcpy(&c, parts->cred + i, sizeof(c));
                put16(pc + AI_PACKED_CRED_SIZE + i, c, le);
            }
        } else if (parts->cred_len != 0) {
            memcpy(pc + AI_PACKED_CRED_SIZE, parts->cred, parts->cred_len);
        }
    }
    if (kind == AI_KIND_IDENTITY &&
        (parts->flags & SEC_WINNT_AUTH_IDENTITY_FLAGS_PROCESS_ENCRYPTED))
        ai_set_iv(p, parts->iv);
    *out = p;
    if (out_len != NULL)
        *out_len = total;
    return SEC_E_OK;
}
