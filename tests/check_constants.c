/*
 * check_constants.c - every constant of include/sspi.h against an independent
 * copy of the Windows SDK headers.
 *
 * The reference is the mingw-w64 headers (Debian's mingw-w64-common package,
 * MINGW_INCLUDE_DIR): sspi.h, winerror.h, security.h, issper16.h, issperr.h,
 * ntsecapi.h and winnt.h are read as text, their object-like #defines and enum
 * bodies are collected, and each value expression is evaluated here (hex and
 * decimal literals with U/L suffixes, casts, _HRESULT_TYPEDEF_()-style
 * wrappers, | & ^ << >> + - ~ and references to other names).  Our values come
 * from compiling tests/sdk_constants.h against include/sspi.h.
 *
 * Names that mingw lacks (newer SDK values) or gets wrong are in sdk_only[]
 * below, each with the SDK header it comes from.  A name in neither place
 * fails the test.  Without the mingw headers the program exits 77 (skip).
 *
 * Built without UNICODE, this file also checks the A side of the UNICODE
 * name switch (tests/check_abi.c checks the W side).
 */
#undef UNICODE
#include <sspi.h>

#include <check.h>
#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef MINGW_INCLUDE_DIR
# define MINGW_INCLUDE_DIR "/usr/share/mingw-w64/include"
#endif

/* ------------------------------------------------------------ our values */

struct our_const {
    const char        *name;
    unsigned long long value;
    size_t             size;     /* sizeof the constant: compare that many bytes */
};

static const struct our_const ours[] = {
#define SDK_CONST(n) { #n, (unsigned long long)(n), sizeof(n) },
#include "sdk_constants.h"
};
#define N_OURS (sizeof(ours) / sizeof(ours[0]))

struct our_string {
    const char     *name;
    const char     *narrow;      /* set for SDK_STRING_A */
    const char16_t *wide;        /* set for SDK_STRING_W */
};

static const struct our_string our_strings[] = {
#define SDK_STRING_A(n) { #n, n, NULL },
#define SDK_STRING_W(n) { #n, NULL, n },
#include "sdk_constants.h"
};
#define N_OUR_STRINGS (sizeof(our_strings) / sizeof(our_strings[0]))

/* --------------------------------------- SDK values mingw-w64 does not have */

struct sdk_value {
    const char        *name;
    unsigned long long value;
    const char        *source;   /* where the SDK defines it */
};

static const struct sdk_value sdk_only[] = {
    /* Windows SDK 10.0.22621 sspi.h: 64-bit ISC flags, carried in a
     * SECBUFFER_FLAGS buffer (SEC_FLAGS) */
    { "ISC_REQ_DEFERRED_CRED_VALIDATION", 0x0000000200000000ULL, "sspi.h (SDK 10.0.22000+)" },
    { "ISC_REQ_NO_POST_HANDSHAKE_AUTH",   0x0000000400000000ULL, "sspi.h (SDK 10.0.22000+)" },
    { "ISC_REQ_REUSE_SESSION_TICKETS",    0x0000000800000000ULL, "sspi.h (SDK 10.0.22621+)" },
    { "ISC_REQ_EXPLICIT_SESSION",         0x0000001000000000ULL, "sspi.h (SDK 10.0.22621+)" },
    { "ISC_RET_DEFERRED_CRED_VALIDATION", 0x0000000200000000ULL, "sspi.h (SDK 10.0.22000+)" },
    { "ISC_RET_NO_POST_HANDSHAKE_AUTH",   0x0000000400000000ULL, "sspi.h (SDK 10.0.22000+)" },
    /* sspi.h SecBuffer types after SECBUFFER_TRAFFIC_SECRETS (28) */
    { "SECBUFFER_CERTIFICATE_REQUEST_CONTEXT", 29, "sspi.h (SDK 10.0.22000+), TLS 1.3" },
    { "SECBUFFER_CHANNEL_BINDINGS_RESULT",     30, "sspi.h (SDK 10.0.22621+)" },
    { "SECBUFFER_APP_SESSION_STATE",           31, "sspi.h (SDK 10.0.22621+)" },
    { "SECBUFFER_SESSION_TICKET",              32, "sspi.h (SDK 10.0.22621+)" },
    /* credssp.h (mingw-w64 10 has only the CREDSSP_SUBMIT_TYPE enum) */
    { "CREDSSP_CRED_EX_VERSION",          0,          "credssp.h" },
    { "CREDSSP_FLAG_REDIRECT",            0x1,        "credssp.h" },
    { "CREDSSP_SERVER_AUTH_NEGOTIATE",    0x1,        "credssp.h" },
    { "CREDSSP_SERVER_AUTH_CERTIFICATE",  0x2,        "credssp.h" },
    { "CREDSSP_SERVER_AUTH_LOOPBACK",     0x4,        "credssp.h" },
    { "CredsspCredEx",                    100,        "credssp.h, CREDSSP_SUBMIT_TYPE" },
    { "SECPKG_ALT_ATTR",                  0x80000000, "credssp.h" },
    { "SECPKG_ATTR_C_ACCESS_TOKEN",       0x80000012, "credssp.h, = SECPKG_ATTR_ACCESS_TOKEN | SECPKG_ALT_ATTR" },
    { "SECPKG_ATTR_CREDS",                0x80000080, "credssp.h; QueryContextAttributes (CredSSP) page" },
    { "SECPKG_ATTR_NEGOTIATION_PACKAGE",  0x80000081, "credssp.h; QueryContextAttributes (CredSSP) page" },
    { "SECPKG_ATTR_C_FULL_ACCESS_TOKEN",  0x80000082, "credssp.h; QueryContextAttributes (CredSSP) page" },
    { "SECPKG_ATTR_SERVER_AUTH_FLAGS",    0x80000083, "credssp.h; QueryContextAttributes (CredSSP) page" },
    { "SECPKG_ATTR_CERT_TRUST_STATUS",    0x80000084, "credssp.h; QueryContextAttributes (CredSSP) page" },
    { "SECPKG_ATTR_C_FULL_IDENT_TOKEN",   0x80000085, "credssp.h" },
    { "SECPKG_ATTR_CREDS_2",              0x80000086, "credssp.h; QueryContextAttributes (CredSSP) page" },
};
#define N_SDK_ONLY (sizeof(sdk_only) / sizeof(sdk_only[0]))

struct sdk_string {
    const char *name;
    const char *value;
    const char *source;
};

static const struct sdk_string sdk_only_strings[] = {
    { "WDIGEST_SP_NAME_A", "WDigest", "wdigest.h" },
    { "WDIGEST_SP_NAME_W", "WDigest", "wdigest.h (L\"WDigest\")" },
    { "CREDSSP_NAME",      "CREDSSP", "credssp.h (L\"CREDSSP\")" },
    { "TS_SSP_NAME_A",     "TSSSP",   "credssp.h" },
    { "TS_SSP_NAME",       "TSSSP",   "credssp.h (L\"TSSSP\")" },
    /* ours, no SDK counterpart; must equal the SDK's single-width names */
    { "NTLMSP_NAME_W",     "NTLM",    "sspi-shim extension, = NTLMSP_NAME (security.h)" },
    { "CREDSSP_NAME_A",    "CREDSSP", "sspi-shim extension, = CREDSSP_NAME (credssp.h)" },
    { "CREDSSP_NAME_W",    "CREDSSP", "sspi-shim extension, = CREDSSP_NAME (credssp.h)" },
};
#define N_SDK_ONLY_STRINGS (sizeof(sdk_only_strings) / sizeof(sdk_only_strings[0]))

/* -------------------------------------------------- the reference headers */

/* In priority order: a name's reference value is its first definition that
 * evaluates, searching these files in this order.  issper16.h comes last:
 * it holds the 16-bit SSPI values (e.g. SEC_E_LOGON_DENIED 0x130C) that
 * must not be accepted for the 32-bit API. */
static const char *const ref_files[] = {
    "winerror.h", "sspi.h", "security.h", "ntsecapi.h", "ntstatus.h",
    "credssp.h", "issperr.h", "winnt.h", "issper16.h",
};

struct ref_def {
    char *name;
    char *value;        /* replacement text, or NULL for a function-like macro */
    const char *file;
};

static struct ref_def *defs;
static size_t n_defs, cap_defs;
static char ref_error[1200];

static void add_def(const char *name, size_t name_len, const char *value,
                    size_t value_len, const char *file)
{
    if (n_defs == cap_defs) {
        cap_defs = cap_defs ? cap_defs * 2 : 4096;
        defs = realloc(defs, cap_defs * sizeof(*defs));
        if (defs == NULL)
            abort();
    }
    defs[n_defs].name = strndup(name, name_len);
    defs[n_defs].value = value ? strndup(value, value_len) : NULL;
    defs[n_defs].file = file;
    if (defs[n_defs].name == NULL || (value && defs[n_defs].value == NULL))
        abort();
    n_defs++;
}

static char *read_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    char *buf;
    long len;

    if (f == NULL)
        return NULL;
    if (fseek(f, 0, SEEK_END) != 0 || (len = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0) {
        fclose(f);
        return NULL;
    }
    buf = malloc((size_t)len + 1);
    if (buf == NULL || fread(buf, 1, (size_t)len, f) != (size_t)len) {
        free(buf);
        fclose(f);
        return NULL;
    }
    buf[len] = '\0';
    fclose(f);
    return buf;
}

/* Removes comments and backslash-newlines in place (string literals kept). */
static void clean_source(char *s)
{
    char *w = s;
    const char *r = s;

    while (*r) {
        if (r[0] == '\\' && r[1] == '\n') {
            r += 2;
        } else if (r[0] == '\\' && r[1] == '\r' && r[2] == '\n') {
            r += 3;
        } else if (r[0] == '/' && r[1] == '*') {
            r += 2;
            while (*r && !(r[0] == '*' && r[1] == '/'))
                r++;
            if (*r)
                r += 2;
            *w++ = ' ';
        } else if (r[0] == '/' && r[1] == '/') {
            while (*r && *r != '\n')
                r++;
        } else if (*r == '"' || *r == '\'') {
            char q = *r;
            *w++ = *r++;
            while (*r && *r != q && *r != '\n') {
                if (*r == '\\' && r[1])
                    *w++ = *r++;
                *w++ = *r++;
            }
            if (*r == q)
                *w++ = *r++;
        } else {
            *w++ = *r++;
        }
    }
    *w = '\0';
}

static int is_ident_start(int c) { return isalpha(c) || c == '_'; }
static int is_ident_char(int c) { return isalnum(c) || c == '_'; }

static int eval_text(const char *text, unsigned long long *out, int depth);

/* Collects "enum [tag] { A, B = expr, ... }" bodies as definitions. */
static void collect_enums(const char *s, const char *file)
{
    const char *p = s;

    while ((p = strstr(p, "enum")) != NULL) {
        const char *q;
        unsigned long long next = 0;

        if ((p > s && is_ident_char((unsigned char)p[-1])) || is_ident_char((unsigned char)p[4])) {
            p += 4;
            continue;
        }
        q = p + 4;
        while (*q && (isspace((unsigned char)*q) || is_ident_char((unsigned char)*q)))
            q++;
        p += 4;
        if (*q != '{')
            continue;
        q++;
        for (;;) {
            const char *name, *item_end, *eq;
            size_t name_len;
            int paren = 0;

            while (*q && isspace((unsigned char)*q))
                q++;
            if (*q == '}' || *q == '\0')
                break;
            if (*q == '#') {        /* preprocessor line inside an enum */
                while (*q && *q != '\n')
                    q++;
                continue;
            }
            if (!is_ident_start((unsigned char)*q))
                break;
            name = q;
            while (is_ident_char((unsigned char)*q))
                q++;
            name_len = (size_t)(q - name);
            item_end = q;
            while (*item_end && (paren > 0 || (*item_end != ',' && *item_end != '}'))) {
                if (*item_end == '(')
                    paren++;
                else if (*item_end == ')')
                    paren--;
                item_end++;
            }
            eq = memchr(q, '=', (size_t)(item_end - q));
            if (eq != NULL) {
                char *expr = strndup(eq + 1, (size_t)(item_end - eq - 1));
                unsigned long long v;
                if (expr == NULL)
                    abort();
                if (eval_text(expr, &v, 0) == 0)
                    next = v;
                free(expr);
            }
            {
                char num[32];
                int len = snprintf(num, sizeof(num), "%llu", next);
                add_def(name, name_len, num, (size_t)len, file);
            }
            next++;
            q = item_end;
            if (*q == ',')
                q++;
        }
        p = q;
    }
}

static void collect_defines(char *s, const char *file)
{
    char *line = s;

    while (line && *line) {
        char *eol = strchr(line, '\n');
        char *p = line;

        if (eol)
            *eol = '\0';
        while (isspace((unsigned char)*p))
            p++;
        if (*p == '#') {
            p++;
            while (isspace((unsigned char)*p))
                p++;
            if (strncmp(p, "define", 6) == 0 && isspace((unsigned char)p[6])) {
                const char *name;
                size_t name_len;
                char *val, *end;

                p += 6;
                while (isspace((unsigned char)*p))
                    p++;
                name = p;
                while (is_ident_char((unsigned char)*p))
                    p++;
                name_len = (size_t)(p - name);
                if (name_len > 0) {
                    if (*p == '(') {
                        add_def(name, name_len, NULL, 0, file);
                    } else {
                        val = p;
                        while (isspace((unsigned char)*val))
                            val++;
                        end = val + strlen(val);
                        while (end > val && isspace((unsigned char)end[-1]))
                            end--;
                        add_def(name, name_len, val, (size_t)(end - val), file);
                    }
                }
            }
        }
        if (eol)
            *eol = '\n';
        line = eol ? eol + 1 : NULL;
    }
}

/* Returns 0, or -1 with ref_error set (missing directory: exit 77). */
static int load_reference(void)
{
    size_t i;

    for (i = 0; i < sizeof(ref_files) / sizeof(ref_files[0]); i++) {
        char path[1024];
        char *text;

        snprintf(path, sizeof(path), "%s/%s", MINGW_INCLUDE_DIR, ref_files[i]);
        text = read_file(path);
        if (text == NULL) {
            snprintf(ref_error, sizeof(ref_error), "cannot read %s: %s", path, strerror(errno));
            return -1;
        }
        clean_source(text);
        collect_defines(text, ref_files[i]);
        /* text was restored by collect_defines; enums come second so that
         * enumerator values can use the macros. */
        collect_enums(text, ref_files[i]);
        free(text);
    }
    return 0;
}

static const struct ref_def *find_def(const char *name, size_t len, size_t from)
{
    size_t i;

    for (i = from; i < n_defs; i++)
        if (strlen(defs[i].name) == len && memcmp(defs[i].name, name, len) == 0)
            return &defs[i];
    return NULL;
}

static int is_object_macro(const char *name, size_t len)
{
    const struct ref_def *d = find_def(name, len, 0);
    while (d != NULL) {
        if (d->value != NULL)
            return 1;
        d = find_def(name, len, (size_t)(d - defs) + 1);
    }
    return 0;
}

/* ------------------------------------------- a small C expression evaluator */

struct lexer {
    const char *p;
    int depth;
    int error;
};

static void skip_ws(struct lexer *lx)
{
    while (isspace((unsigned char)*lx->p))
        lx->p++;
}

static unsigned long long parse_or(struct lexer *lx);

static unsigned long long eval_name(struct lexer *lx, const char *name, size_t len)
{
    const struct ref_def *d = find_def(name, len, 0);

    if (lx->depth > 32) {
        lx->error = 1;
        return 0;
    }
    /* The first definition that evaluates wins (later ones are usually the
     * other arm of an #if). */
    for (; d != NULL; d = find_def(name, len, (size_t)(d - defs) + 1)) {
        unsigned long long v;
        if (d->value != NULL && eval_text(d->value, &v, lx->depth + 1) == 0)
            return v;
    }
    lx->error = 1;
    return 0;
}

static unsigned long long parse_unary(struct lexer *lx)
{
    skip_ws(lx);
    if (*lx->p == '~') {
        lx->p++;
        return ~parse_unary(lx);
    }
    if (*lx->p == '-') {
        lx->p++;
        return 0ULL - parse_unary(lx);
    }
    if (*lx->p == '+') {
        lx->p++;
        return parse_unary(lx);
    }
    if (*lx->p == '!') {
        lx->p++;
        return !parse_unary(lx);
    }
    if (*lx->p == '(') {
        /* A cast is "( identifiers-and-stars )" naming no numeric macro. */
        const char *q = lx->p + 1;
        int is_cast = 1, saw_ident = 0;

        while (*q && *q != ')') {
            if (is_ident_start((unsigned char)*q)) {
                const char *id = q;
                while (is_ident_char((unsigned char)*q))
                    q++;
                if (is_object_macro(id, (size_t)(q - id)))
                    is_cast = 0;
                saw_ident = 1;
            } else if (isspace((unsigned char)*q) || *q == '*') {
                q++;
            } else {
                is_cast = 0;
                break;
            }
        }
        if (is_cast && saw_ident && *q == ')') {
            lx->p = q + 1;
            return parse_unary(lx);
        }
        lx->p++;
        {
            unsigned long long v = parse_or(lx);
            skip_ws(lx);
            if (*lx->p != ')') {
                lx->error = 1;
                return 0;
            }
            lx->p++;
            return v;
        }
    }
    if (isdigit((unsigned char)*lx->p)) {
        char *end;
        unsigned long long v;

        errno = 0;
        v = strtoull(lx->p, &end, 0);
        if (errno != 0 || end == lx->p) {
            lx->error = 1;
            return 0;
        }
        lx->p = end;
        while (*lx->p == 'u' || *lx->p == 'U' || *lx->p == 'l' || *lx->p == 'L')
            lx->p++;
        if (is_ident_char((unsigned char)*lx->p))
            lx->error = 1;
        return v;
    }
    if (is_ident_start((unsigned char)*lx->p)) {
        const char *id = lx->p;
        size_t len;

        while (is_ident_char((unsigned char)*lx->p))
            lx->p++;
        len = (size_t)(lx->p - id);
        skip_ws(lx);
        if (*lx->p == '(' && !is_object_macro(id, len)) {
            /* _HRESULT_TYPEDEF_(x), __MSABI_LONG(x), ...: value-preserving wrappers */
            unsigned long long v;
            lx->p++;
            v = parse_or(lx);
            skip_ws(lx);
            if (*lx->p != ')') {
                lx->error = 1;
                return 0;
            }
            lx->p++;
            return v;
        }
        return eval_name(lx, id, len);
    }
    lx->error = 1;
    return 0;
}

static unsigned long long parse_mul(struct lexer *lx)
{
    unsigned long long v = parse_unary(lx);
    for (;;) {
        skip_ws(lx);
        if (*lx->p == '*') {
            lx->p++;
            v *= parse_unary(lx);
        } else {
            return v;
        }
    }
}

static unsigned long long parse_add(struct lexer *lx)
{
    unsigned long long v = parse_mul(lx);
    for (;;) {
        skip_ws(lx);
        if (*lx->p == '+') {
            lx->p++;
            v += parse_mul(lx);
        } else if (*lx->p == '-') {
            lx->p++;
            v -= parse_mul(lx);
        } else {
            return v;
        }
    }
}

static unsigned long long parse_shift(struct lexer *lx)
{
    unsigned long long v = parse_add(lx);
    for (;;) {
        skip_ws(lx);
        if (lx->p[0] == '<' && lx->p[1] == '<') {
            unsigned long long n;
            lx->p += 2;
            n = parse_add(lx);
            v = n < 64 ? v << n : 0;
        } else if (lx->p[0] == '>' && lx->p[1] == '>') {
            unsigned long long n;
            lx->p += 2;
            n = parse_add(lx);
            v = n < 64 ? v >> n : 0;
        } else {
            return v;
        }
    }
}

static unsigned long long parse_and(struct lexer *lx)
{
    unsigned long long v = parse_shift(lx);
    for (;;) {
        skip_ws(lx);
        if (lx->p[0] == '&' && lx->p[1] != '&') {
            lx->p++;
            v &= parse_shift(lx);
        } else {
            return v;
        }
    }
}

static unsigned long long parse_xor(struct lexer *lx)
{
    unsigned long long v = parse_and(lx);
    for (;;) {
        skip_ws(lx);
        if (*lx->p == '^') {
            lx->p++;
            v ^= parse_and(lx);
        } else {
            return v;
        }
    }
}

static unsigned long long parse_or(struct lexer *lx)
{
    unsigned long long v = parse_xor(lx);
    for (;;) {
        skip_ws(lx);
        if (lx->p[0] == '|' && lx->p[1] != '|') {
            lx->p++;
            v |= parse_xor(lx);
        } else {
            return v;
        }
    }
}

static int eval_text(const char *text, unsigned long long *out, int depth)
{
    struct lexer lx;

    lx.p = text;
    lx.depth = depth;
    lx.error = 0;
    skip_ws(&lx);
    if (*lx.p == '\0' || strchr(lx.p, '"') != NULL || strchr(lx.p, '\'') != NULL)
        return -1;
    *out = parse_or(&lx);
    skip_ws(&lx);
    if (lx.error || *lx.p != '\0')
        return -1;
    return 0;
}

/* Evaluates every definition of name; fills vals (up to max). */
static size_t ref_values(const char *name, unsigned long long *vals, const char **files, size_t max)
{
    size_t n = 0, len = strlen(name);
    const struct ref_def *d;

    for (d = find_def(name, len, 0); d != NULL; d = find_def(name, len, (size_t)(d - defs) + 1)) {
        unsigned long long v;
        if (d->value != NULL && eval_text(d->value, &v, 0) == 0 && n < max) {
            vals[n] = v;
            files[n] = d->file;
            n++;
        }
    }
    return n;
}

/* The literal of a string macro: "..." or L"..." (following one alias). */
static int ref_string(const char *name, char *buf, size_t bufsz, int *wide, int depth)
{
    size_t len = strlen(name);
    const struct ref_def *d;

    if (depth > 8)
        return -1;
    for (d = find_def(name, len, 0); d != NULL; d = find_def(name, len, (size_t)(d - defs) + 1)) {
        const char *v = d->value, *q;
        if (v == NULL)
            continue;
        *wide = 0;
        if (v[0] == 'L' && v[1] == '"') {
            *wide = 1;
            v++;
        }
        if (v[0] == '"' && (q = strchr(v + 1, '"')) != NULL && q[1] == '\0') {
            size_t n = (size_t)(q - v - 1);
            if (n >= bufsz)
                return -1;
            memcpy(buf, v + 1, n);
            buf[n] = '\0';
            return 0;
        }
        if (is_ident_start((unsigned char)v[0]) && strspn(v, "ABCDEFGHIJKLMNOPQRSTUVWXYZ_0123456789") == strlen(v)
            && ref_string(v, buf, bufsz, wide, depth + 1) == 0)
            return 0;
    }
    return -1;
}

static unsigned long long mask_for(size_t size)
{
    return size >= sizeof(unsigned long long) ? ~0ULL : ((1ULL << (8 * size)) - 1);
}

static const struct sdk_value *find_sdk_only(const char *name)
{
    size_t i;
    for (i = 0; i < N_SDK_ONLY; i++)
        if (strcmp(sdk_only[i].name, name) == 0)
            return &sdk_only[i];
    return NULL;
}

static const struct our_const *find_ours(const char *name, size_t len)
{
    size_t i;
    for (i = 0; i < N_OURS; i++)
        if (strlen(ours[i].name) == len && memcmp(ours[i].name, name, len) == 0)
            return &ours[i];
    return NULL;
}

/* ------------------------------------------------------------------ tests */

static size_t checked_against_mingw, checked_against_table;

START_TEST(test_every_constant_matches_sdk)
{
    size_t i, failures = 0;

    checked_against_mingw = checked_against_table = 0;
    for (i = 0; i < N_OURS; i++) {
        const struct our_const *c = &ours[i];
        const struct sdk_value *sv = find_sdk_only(c->name);
        unsigned long long mask = mask_for(c->size), vals[8];
        const char *files[8];
        size_t n = ref_values(c->name, vals, files, 8), k;

        if (sv != NULL) {
            checked_against_table++;
            if ((sv->value & mask) != (c->value & mask)) {
                fprintf(stderr, "%s: ours 0x%llx, SDK (%s) 0x%llx\n",
                        c->name, c->value & mask, sv->source, sv->value & mask);
                failures++;
            }
            continue;
        }
        if (n == 0) {
            fprintf(stderr, "%s: no reference value (not in mingw-w64 %s, not in sdk_only[])\n",
                    c->name, MINGW_INCLUDE_DIR);
            failures++;
            continue;
        }
        checked_against_mingw++;
        if ((vals[0] & mask) != (c->value & mask)) {
            fprintf(stderr, "%s: ours 0x%llx, mingw-w64 %s 0x%llx\n",
                    c->name, c->value & mask, files[0], vals[0] & mask);
            for (k = 1; k < n; k++)
                fprintf(stderr, "    (also defined in %s as 0x%llx)\n", files[k], vals[k] & mask);
            failures++;
        }
    }
    fprintf(stderr, "check_constants: %zu constants, %zu against mingw-w64, %zu against sdk_only[]\n",
            N_OURS, checked_against_mingw, checked_against_table);
    ck_assert_msg(failures == 0, "%zu constant(s) differ from the SDK or have no reference", failures);
    ck_assert_uint_eq(checked_against_mingw + checked_against_table, N_OURS);
}
END_TEST

/* An override that mingw agrees with is stale; one mingw contradicts must
 * say so in its source comment.  Either way, report it. */
START_TEST(test_sdk_only_entries_are_needed)
{
    size_t i;

    for (i = 0; i < N_SDK_ONLY; i++) {
        unsigned long long vals[8];
        const char *files[8];
        size_t n = ref_values(sdk_only[i].name, vals, files, 8);
        ck_assert_msg(find_ours(sdk_only[i].name, strlen(sdk_only[i].name)) != NULL,
                      "sdk_only[] lists %s, which sdk_constants.h does not", sdk_only[i].name);
        if (n > 0 && vals[0] == sdk_only[i].value)
            fprintf(stderr, "note: %s is in sdk_only[] but mingw-w64 %s agrees; entry can go\n",
                    sdk_only[i].name, files[0]);
        else if (n > 0)
            fprintf(stderr, "note: %s overrides mingw-w64 %s (0x%llx) with 0x%llx from %s\n",
                    sdk_only[i].name, files[0], vals[0], sdk_only[i].value, sdk_only[i].source);
    }
}
END_TEST

START_TEST(test_package_name_strings)
{
    size_t i, j, failures = 0;

    for (i = 0; i < N_OUR_STRINGS; i++) {
        const struct our_string *s = &our_strings[i];
        char ours_ascii[128], ref[128];
        const char *expect = NULL, *where = "mingw-w64";
        int ref_wide = -1;

        if (s->narrow != NULL) {
            snprintf(ours_ascii, sizeof(ours_ascii), "%s", s->narrow);
        } else {
            for (j = 0; s->wide[j] != 0 && j + 1 < sizeof(ours_ascii); j++) {
                ck_assert_msg(s->wide[j] < 0x80, "%s: non-ASCII", s->name);
                ours_ascii[j] = (char)s->wide[j];
            }
            ours_ascii[j] = '\0';
        }
        for (j = 0; j < N_SDK_ONLY_STRINGS; j++)
            if (strcmp(sdk_only_strings[j].name, s->name) == 0) {
                expect = sdk_only_strings[j].value;
                where = sdk_only_strings[j].source;
            }
        if (expect == NULL && ref_string(s->name, ref, sizeof(ref), &ref_wide, 0) == 0)
            expect = ref;
        if (expect == NULL) {
            fprintf(stderr, "%s: no reference string\n", s->name);
            failures++;
            continue;
        }
        if (strcmp(expect, ours_ascii) != 0) {
            fprintf(stderr, "%s: ours \"%s\", %s \"%s\"\n", s->name, ours_ascii, where, expect);
            failures++;
        }
        if (ref_wide >= 0 && ref_wide != (s->wide != NULL)) {
            fprintf(stderr, "%s: ours is %s, mingw-w64's is %s\n", s->name,
                    s->wide ? "wide" : "narrow", ref_wide ? "wide" : "narrow");
            failures++;
        }
    }
    ck_assert_msg(failures == 0, "%zu string constant(s) differ", failures);
}
END_TEST

/* Every numeric #define in include/sspi.h must be listed in sdk_constants.h,
 * so that a constant added later cannot escape this test. */
START_TEST(test_header_constants_all_listed)
{
    char path[1024];
    const char *top = getenv("top_srcdir");
    char *text, *line;
    size_t missing = 0, seen = 0;

    if (top != NULL && *top != '\0') {
        snprintf(path, sizeof(path), "%s/include/sspi.h", top);
    } else {
        /* __FILE__ is .../tests/check_constants.c */
        const char *slash = strrchr(__FILE__, '/');
        int dir_len = slash ? (int)(slash - __FILE__) : 0;
        snprintf(path, sizeof(path), "%.*s%s../include/sspi.h", dir_len, __FILE__,
                 slash ? "/" : "");
    }
    text = read_file(path);
    ck_assert_msg(text != NULL, "cannot read %s (set top_srcdir): %s", path, strerror(errno));
    clean_source(text);
    for (line = text; line && *line;) {
        char *eol = strchr(line, '\n'), *p = line;
        if (eol)
            *eol = '\0';
        while (isspace((unsigned char)*p))
            p++;
        if (*p == '#') {
            p++;
            while (isspace((unsigned char)*p))
                p++;
            if (strncmp(p, "define", 6) == 0 && isspace((unsigned char)p[6])) {
                const char *name, *val;
                size_t len;
                p += 6;
                while (isspace((unsigned char)*p))
                    p++;
                name = p;
                while (is_ident_char((unsigned char)*p))
                    p++;
                len = (size_t)(p - name);
                val = p;
                while (isspace((unsigned char)*val))
                    val++;
                if (*p != '(' && *val != '\0' && strncmp(name, "SSPI_SHIM_", 10) != 0 &&
                    strchr(val, '"') == NULL) {
                    int numeric = isdigit((unsigned char)*val) || *val == '(' || *val == '-';
                    if (!numeric && is_ident_start((unsigned char)*val)) {
                        size_t vlen = strcspn(val, " \t");
                        numeric = find_ours(val, vlen) != NULL;
                    }
                    if (numeric) {
                        seen++;
                        if (find_ours(name, len) == NULL) {
                            fprintf(stderr, "%.*s is defined in %s but not listed in tests/sdk_constants.h\n",
                                    (int)len, name, path);
                            missing++;
                        }
                    }
                }
            }
        }
        line = eol ? eol + 1 : NULL;
    }
    free(text);
    ck_assert_msg(seen > 300, "only %zu numeric macros found in %s", seen, path);
    ck_assert_msg(missing == 0, "%zu constant(s) of sspi.h not checked", missing);
}
END_TEST

/* The Digest page's ASC_REQ_HTTP is the SDK's ASC_REQ_ALLOW_MISSING_BINDINGS;
 * clients select HTTP mode with ISC_REQ_USE_HTTP_STYLE (docs/DESIGN.md). */
START_TEST(test_digest_flag_clash_is_sdk_valued)
{
    ck_assert_uint_eq(ASC_REQ_ALLOW_MISSING_BINDINGS, 0x10000000u);
    ck_assert_uint_eq(ASC_REQ_PROXY_BINDINGS, 0x04000000u);
    ck_assert_uint_eq(ISC_REQ_USE_HTTP_STYLE, 0x01000000u);
    ck_assert_uint_eq(ISC_RET_USED_HTTP_STYLE, 0x01000000u);
    ck_assert_uint_eq(ASC_REQ_NO_TOKEN, ISC_REQ_USE_HTTP_STYLE);
    ck_assert_uint_ne(ASC_REQ_ALLOW_MISSING_BINDINGS, ISC_REQ_USE_HTTP_STYLE);
}
END_TEST

/* SEC_E_* have the severity bit set, SEC_I_* not, and all are 32-bit
 * SECURITY_STATUS values, negative for errors as on Windows. */
START_TEST(test_status_codes_are_signed_32bit)
{
    size_t i, n = 0;

    for (i = 0; i < N_OURS; i++) {
        const struct our_const *c = &ours[i];
        if (strncmp(c->name, "SEC_E_", 6) == 0 || strncmp(c->name, "SEC_I_", 6) == 0 ||
            strcmp(c->name, "STATUS_LOGON_FAILURE") == 0) {
            long long v = (long long)c->value;
            n++;
            ck_assert_msg(c->size == sizeof(SECURITY_STATUS), "%s is %zu bytes", c->name, c->size);
            if (strcmp(c->name, "SEC_E_OK") == 0)
                ck_assert_int_eq(v, 0);
            else if (strncmp(c->name, "SEC_E_", 6) == 0 || strncmp(c->name, "STATUS_", 7) == 0)
                ck_assert_msg(v < 0, "%s should be negative", c->name);
            else
                ck_assert_msg(v > 0, "%s should be positive", c->name);
        }
    }
    ck_assert_uint_ge(n, 90);
    ck_assert_int_lt(SEC_E_LOGON_DENIED, 0);
    ck_assert_int_eq((uint32_t)SEC_E_LOGON_DENIED, 0x8009030Cu);
    ck_assert_int_eq((uint32_t)STATUS_LOGON_FAILURE, 0xC000006Du);
}
END_TEST

START_TEST(test_evaluator_self_check)
{
    unsigned long long v;

    ck_assert_int_eq(eval_text("((HRESULT)0x80090300L)", &v, 0), 0);
    ck_assert_uint_eq(v, 0x80090300ULL);
    ck_assert_int_eq(eval_text("_HRESULT_TYPEDEF_(0x00090312L)", &v, 0), 0);
    ck_assert_uint_eq(v, 0x90312ULL);
    ck_assert_int_eq(eval_text("(1 << 4) | 0x3", &v, 0), 0);
    ck_assert_uint_eq(v, 0x13ULL);
    ck_assert_int_eq(eval_text("\"text\"", &v, 0), -1);
    ck_assert_int_eq(eval_text("0x0000000100000000", &v, 0), 0);
    ck_assert_uint_eq(v, 0x100000000ULL);
}
END_TEST

#define STR_(x) #x
#define STR(x) STR_(x)

_Static_assert(_Generic(&AcquireCredentialsHandle, ACQUIRE_CREDENTIALS_HANDLE_FN_A: 1, default: 0),
               "without UNICODE, AcquireCredentialsHandle is the A function");
_Static_assert(_Generic((SecPkgInfo *)0, SecPkgInfoA *: 1, default: 0),
               "without UNICODE, SecPkgInfo is SecPkgInfoA");
_Static_assert(_Generic(SEC_TEXT("x"), char *: 1, default: 0),
               "without UNICODE, SEC_TEXT is a narrow literal");

START_TEST(test_ansi_switch_names)
{
    ck_assert_str_eq(STR(AcquireCredentialsHandle), "AcquireCredentialsHandleA");
    ck_assert_str_eq(STR(AddCredentials), "AddCredentialsA");
    ck_assert_str_eq(STR(ChangeAccountPassword), "ChangeAccountPasswordA");
    ck_assert_str_eq(STR(InitializeSecurityContext), "InitializeSecurityContextA");
    ck_assert_str_eq(STR(QueryContextAttributes), "QueryContextAttributesA");
    ck_assert_str_eq(STR(QueryContextAttributesEx), "QueryContextAttributesExA");
    ck_assert_str_eq(STR(SetContextAttributes), "SetContextAttributesA");
    ck_assert_str_eq(STR(QueryCredentialsAttributes), "QueryCredentialsAttributesA");
    ck_assert_str_eq(STR(QueryCredentialsAttributesEx), "QueryCredentialsAttributesExA");
    ck_assert_str_eq(STR(SetCredentialsAttributes), "SetCredentialsAttributesA");
    ck_assert_str_eq(STR(EnumerateSecurityPackages), "EnumerateSecurityPackagesA");
    ck_assert_str_eq(STR(QuerySecurityPackageInfo), "QuerySecurityPackageInfoA");
    ck_assert_str_eq(STR(ImportSecurityContext), "ImportSecurityContextA");
    ck_assert_str_eq(STR(InitSecurityInterface), "InitSecurityInterfaceA");
    ck_assert_str_eq(STR(SecPkgInfo), "SecPkgInfoA");
    ck_assert_str_eq(STR(PSecPkgInfo), "PSecPkgInfoA");
    ck_assert_str_eq(STR(SEC_WINNT_AUTH_IDENTITY), "SEC_WINNT_AUTH_IDENTITY_A");
    ck_assert_str_eq(STR(SEC_WINNT_AUTH_IDENTITY_EX), "SEC_WINNT_AUTH_IDENTITY_EXA");
    ck_assert_str_eq(STR(SecPkgContext_Names), "SecPkgContext_NamesA");
    ck_assert_str_eq(STR(SecPkgContext_NegotiationInfo), "SecPkgContext_NegotiationInfoA");
    ck_assert_str_eq(STR(SecPkgCredentials_Names), "SecPkgCredentials_NamesA");
    ck_assert_str_eq(STR(SecurityFunctionTable), "SecurityFunctionTableA");
    ck_assert_str_eq(NEGOSSP_NAME, "Negotiate");
    ck_assert_str_eq(MICROSOFT_KERBEROS_NAME, "Kerberos");
    ck_assert_str_eq(WDIGEST_SP_NAME, "WDigest");
    ck_assert_str_eq(SECURITY_ENTRYPOINT, "InitSecurityInterfaceA");
}
END_TEST

int main(void)
{
    Suite *s;
    TCase *tc;
    SRunner *sr;
    int failed;

    if (load_reference() != 0) {
        printf("SKIP: mingw-w64 SDK headers unavailable (%s); install mingw-w64-common\n", ref_error);
        return 77;
    }
    if (find_def("SEC_E_LOGON_DENIED", strlen("SEC_E_LOGON_DENIED"), 0) == NULL) {
        printf("SKIP: %s does not look like the mingw-w64 headers (no SEC_E_LOGON_DENIED)\n",
               MINGW_INCLUDE_DIR);
        return 77;
    }

    s = suite_create("constants");
    tc = tcase_create("sdk");
    tcase_add_test(tc, test_evaluator_self_check);
    tcase_add_test(tc, test_every_constant_matches_sdk);
    tcase_add_test(tc, test_sdk_only_entries_are_needed);
    tcase_add_test(tc, test_package_name_strings);
    tcase_add_test(tc, test_header_constants_all_listed);
    tcase_add_test(tc, test_digest_flag_clash_is_sdk_valued);
    tcase_add_test(tc, test_status_codes_are_signed_32bit);
    tcase_add_test(tc, test_ansi_switch_names);
    suite_add_tcase(s, tc);

    sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
