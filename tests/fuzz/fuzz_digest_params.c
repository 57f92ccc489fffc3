/*
 * libFuzzer target for the Digest parameter-token codec
 * (gss_map/digest_params.c, format in include/gssapi_sspi_shim_digest.h).
 * The acceptor parses these tokens from untrusted input, so:
 *
 *  1. gssmap_digest_params_parse_list and _parse_token on arbitrary bytes:
 *     every value they return lies inside the input; a list that parses
 *     accounts for every input byte (written back it has the input's
 *     length, and the same bytes when its records were in type order);
 *     _parse_token returns 0 exactly for what is not framed (then P_WIRE
 *     is the whole token), -1 only for a framed token.
 *  2. gssmap_digest_params_size / _write on records built from the input
 *     (types 0..255, repeats, NULL values, lengths past the 64 KiB limit):
 *     they succeed exactly when an independent oracle says they should,
 *     write exactly the size they promise into a buffer of that size, fail
 *     on a buffer one byte short, and what they write parses back (framed
 *     and bare) to the same records.
 *
 *   make fuzz-digest-params
 *   tests/fuzz/fuzz_digest_params -max_len=4096 corpus/
 *
 * Built with -DDIGEST_FUZZ_STANDALONE it has a main() that runs the files
 * named on the command line, to replay a corpus without libFuzzer.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "digest_params.h"
#include "framing.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FAIL(...)                                                                            \
    do {                                                                                     \
        fprintf(stderr, "fuzz_digest_params: " __VA_ARGS__);                                 \
        fputc('\n', stderr);                                                                 \
        abort();                                                                             \
    } while (0)

#define MAX_TYPE GSSMAP_DIGEST_P_MAX_TYPE
#define RECORD_HEADER 5u
#define MAX_RECORDS 12

/* Values longer than the input come from here, so the 64 KiB limit is
 * reachable with short inputs. */
static uint8_t big[GSS_SSPI_SHIM_DIGEST_PARAMS_MAX + 1024];

static void inside(const uint8_t *base, size_t size, const uint8_t *p, size_t len)
{
    if (len > 0 && (p == NULL || p < base || p + len > base + size))
        FAIL("a value (%zu bytes) points outside the %zu-byte input", len, size);
}

/* Each present value inside [base, base+size), no bits outside 1..MAX. */
static void check_inside(const struct gssmap_digest_params *p, const uint8_t *base, size_t size)
{
    if ((p->present & ~(((1u << (MAX_TYPE + 1)) - 1) & ~1u)) != 0)
        FAIL("present bits 0x%x outside types 1..%d", p->present, MAX_TYPE);
    for (unsigned t = 1; t <= MAX_TYPE; t++) {
        if (gssmap_digest_param_has(p, t))
            inside(base, size, p->value[t].data, p->value[t].length);
        else if (p->value[t].data != NULL || p->value[t].length != 0)
            FAIL("type %u absent but has a value", t);
    }
}

static void same_params(const struct gssmap_digest_params *a, const struct gssmap_digest_params *b,
                        const char *what)
{
    if (a->present != b->present)
        FAIL("%s: present 0x%x != 0x%x", what, a->present, b->present);
    for (unsigned t = 1; t <= MAX_TYPE; t++) {
        if (!gssmap_digest_param_has(a, t))
            continue;
        if (a->value[t].length != b->value[t].length ||
            (a->value[t].length > 0 &&
             memcmp(a->value[t].data, b->value[t].data, a->value[t].length) != 0))
            FAIL("%s: type %u differs", what, t);
    }
}

/* The parsed list as records, in type order; returns the count. */
static size_t to_records(const struct gssmap_digest_params *p, struct gssmap_digest_record *r)
{
    size_t n = 0;
    for (unsigned t = 1; t <= MAX_TYPE; t++)
        if (gssmap_digest_param_has(p, t)) {
            /* A zero-length value is still a record: give it a non-NULL
             * pointer (NULL means "skip"). */
            r[n].type = t;
            r[n].data = p->value[t].data != NULL ? (const void *)p->value[t].data : (const void *)"";
            r[n].length = p->value[t].length;
            n++;
        }
    return n;
}

/* Were the records of a parsed list laid out in ascending type order? */
static int in_type_order(const struct gssmap_digest_params *p)
{
    const uint8_t *last = NULL;
    for (unsigned t = 1; t <= MAX_TYPE; t++) {
        if (!gssmap_digest_param_has(p, t))
            continue;
        if (last != NULL && p->value[t].data <= last)
            return 0;
        last = p->value[t].data;
    }
    return 1;
}

/* Writes records framed or bare into a buffer of exactly the promised
 * size; returns it (caller frees) or NULL when the write refused. */
static uint8_t *write_exact(const struct gssmap_digest_record *r, size_t n, int framed,
                            size_t *out_len)
{
    size_t need = gssmap_digest_params_size(r, n, framed);
    if (need == 0)
        return NULL;
    uint8_t *buf = malloc(need);
    if (buf == NULL)
        FAIL("out of memory");
    /* One byte short must be refused, not overrun (ASan sees an overrun). */
    if (gssmap_digest_params_write(r, n, framed, buf, need - 1) != 0)
        FAIL("write into %zu bytes (one short) succeeded", need - 1);
    size_t got = gssmap_digest_params_write(r, n, framed, buf, need);
    if (got == 0) {
        free(buf);
        return NULL;
    }
    if (got != need)
        FAIL("write gave %zu bytes, size promised %zu", got, need);
    *out_len = got;
    return buf;
}

/* Written records parse back, bare and framed, to the same values. */
static void round_trip(const struct gssmap_digest_record *r, size_t n,
                       const struct gssmap_digest_params *expect, const uint8_t *original_list,
                       size_t original_len)
{
    size_t len;
    struct gssmap_digest_params back;
    uint8_t *bare = write_exact(r, n, 0, &len);
    if (bare == NULL)
        FAIL("records that parsed do not write back");
    if (gssmap_digest_params_parse_list(bare, len, &back) != 0)
        FAIL("a written list does not parse");
    check_inside(&back, bare, len);
    same_params(expect, &back, "bare round trip");
    if (original_list != NULL) {
        /* Parsing consumed every byte: same length; same bytes when the
         * records were in the order write() emits them. */
        if (len != original_len)
            FAIL("list of %zu bytes writes back as %zu", original_len, len);
        if (in_type_order(expect) && memcmp(bare, original_list, len) != 0)
            FAIL("an ordered list writes back different bytes");
    }
    free(bare);

    uint8_t *framed = write_exact(r, n, 1, &len);
    if (framed == NULL)
        FAIL("records that parsed do not write back framed");
    gss_OID_desc oid;
    if (gssmap_token_oid(framed, len, &oid) != 1)
        FAIL("a written token is not RFC 2743 framed");
    if (gssmap_digest_params_parse_token(framed, len, &back) != 1)
        FAIL("a written token does not parse as a Digest parameter token");
    check_inside(&back, framed, len);
    same_params(expect, &back, "framed round trip");
    free(framed);
}

/* ------------------------------------------------------------ 1. parsers */

static void fuzz_parsers(const uint8_t *data, size_t size)
{
    struct gssmap_digest_params p;
    struct gssmap_digest_record r[MAX_TYPE];

    if (gssmap_digest_params_parse_list(data, size, &p) == 0) {
        if (size < 1 || data[0] != GSS_SSPI_SHIM_DIGEST_PARAMS_VERSION ||
            size > GSS_SSPI_SHIM_DIGEST_PARAMS_MAX)
            FAIL("a list with a wrong version or size parsed");
        check_inside(&p, data, size);
        round_trip(r, to_records(&p, r), &p, data, size);
    }

    gss_OID_desc oid;
    int framed = gssmap_token_oid(data, size, &oid);
    int rc = gssmap_digest_params_parse_token(data, size, &p);
    switch (rc) {
    case 0:
        /* Not framed (or a broken frame): the whole token is the wire
         * message. */
        if (framed == 1)
            FAIL("a framed token was taken as bare");
        if (p.present != (1u << GSS_SSPI_SHIM_DIGEST_P_WIRE) ||
            p.value[GSS_SSPI_SHIM_DIGEST_P_WIRE].data != data ||
            p.value[GSS_SSPI_SHIM_DIGEST_P_WIRE].length != size)
            FAIL("a bare token's P_WIRE is not the whole token");
        break;
    case 1: {
        if (framed != 1 || oid.length != GSS_SSPI_SHIM_DIGEST_MECH_OID_LENGTH ||
            memcmp(oid.elements, GSS_SSPI_SHIM_DIGEST_MECH_OID_BYTES, oid.length) != 0)
            FAIL("a token not framed with the Digest OID parsed as one");
        check_inside(&p, data, size);
        const uint8_t *inner = (const uint8_t *)oid.elements + oid.length;
        round_trip(r, to_records(&p, r), &p, inner, size - (size_t)(inner - data));
        break;
    }
    case -1:
        if (framed != 1)
            FAIL("parse_token refused a token that is not framed");
        break;
    default:
        FAIL("parse_token returned %d", rc);
    }
}

/* ------------------------------------------------------------ 2. writers */

/*
 * Records from the input: per record 4 bytes
 *   type (any byte), flags (bit 0: NULL value, bit 1: value from `big`),
 *   length (2 bytes big-endian; from `big` it is scaled by 2 so values
 *   reach past the 64 KiB limit)
 * then, for values from the input, that many bytes (cut short at the end).
 */
static void fuzz_writers(const uint8_t *data, size_t size)
{
    struct gssmap_digest_record r[MAX_RECORDS] = {{0}};
    size_t n = 0, off = 0;

    while (n < MAX_RECORDS && size - off >= 4) {
        unsigned type = data[off], flags = data[off + 1];
        size_t len = ((size_t)data[off + 2] << 8) | data[off + 3];
        off += 4;
        r[n].type = type;
        if (flags & 1) {
            r[n].data = NULL;
            r[n].length = len;
        } else if (flags & 2) {
            len *= 2;
            if (len > sizeof(big))
                len = sizeof(big);
            r[n].data = big;
            r[n].length = len;
        } else {
            if (len > size - off)
                len = size - off;
            r[n].data = data + off;
            r[n].length = len;
            off += len;
        }
        n++;
    }

    /* The oracle: what the format allows (header comment of
     * gssmap_digest_params_write and the contract header). */
    size_t total = 1;
    unsigned seen = 0;
    int types_ok = 1, size_ok = 1;
    struct gssmap_digest_params expect;
    memset(&expect, 0, sizeof(expect));
    for (size_t i = 0; i < n; i++) {
        if (r[i].data == NULL)
            continue;
        total += RECORD_HEADER + r[i].length;
        if (total > GSS_SSPI_SHIM_DIGEST_PARAMS_MAX)
            size_ok = 0;
        if (r[i].type == 0 || r[i].type > MAX_TYPE || (seen & (1u << r[i].type))) {
            types_ok = 0;
            continue;
        }
        seen |= 1u << r[i].type;
        expect.present |= 1u << r[i].type;
        expect.value[r[i].type].data = r[i].data;
        expect.value[r[i].type].length = r[i].length;
    }

    size_t bare_size = gssmap_digest_params_size(r, n, 0);
    if (size_ok ? bare_size != total : bare_size != 0)
        FAIL("size() = %zu, expected %zu", bare_size, size_ok ? total : 0);

    size_t len;
    uint8_t *out = write_exact(r, n, 0, &len);
    if ((out != NULL) != (size_ok && types_ok))
        FAIL("write %s records that are %s", out != NULL ? "accepted" : "refused",
             size_ok && types_ok ? "valid" : "invalid");
    if (out == NULL)
        return;
    free(out);
    round_trip(r, n, &expect, NULL, 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_parsers(data, size);
    fuzz_writers(data, size);
    return 0;
}

#ifdef DIGEST_FUZZ_STANDALONE
int main(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        FILE *f = fopen(argv[i], "rb");
        if (f == NULL) {
            perror(argv[i]);
            return 1;
        }
        static uint8_t buf[1 << 20];
        size_t n = fread(buf, 1, sizeof(buf), f);
        fclose(f);
        LLVMFuzzerTestOneInput(buf, n);
    }
    return 0;
}
#endif
