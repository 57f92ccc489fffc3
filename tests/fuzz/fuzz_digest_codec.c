/*
 * libFuzzer target for the Digest codec (mechs/digest/digest_codec.c).
 *
 * Every parse entry point gets the input; whatever parses is serialized,
 * parsed again with the same flags and must compare equal.  The first input
 * octet selects the flags:
 *   bit 0  DIGEST_PARSE_STRICT
 *   bit 1  DIGEST_SER_WINDOWS
 *   bit 2  DIGEST_SER_SCHEME
 * The rest is the message; for digest_http_parse_challenges it is split at
 * '\n' into up to 4 header values.
 *
 * The one tolerated failure of a round trip is DIGEST_ERR_TOO_LONG:
 * serializing can lengthen a message (a token-form value gains its quotes,
 * an unescaped Windows backslash gains its escape), so a message near an
 * input limit may not fit once written back.
 *
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -I mechs/digest \
 *       tests/fuzz/fuzz_digest_codec.c mechs/digest/digest_codec.c -o fuzz_digest_codec
 *   ./fuzz_digest_codec -max_len=9000 corpus/
 *
 * Built with -DDIGEST_FUZZ_STANDALONE it has a main() that runs the files
 * named on the command line, to replay a corpus without libFuzzer.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "digest_codec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FAIL(...)                                                                            \
    do {                                                                                     \
        fprintf(stderr, "fuzz_digest_codec: " __VA_ARGS__);                                  \
        fputc('\n', stderr);                                                                 \
        abort();                                                                             \
    } while (0)

/* A serialize or reparse status that is not a round-trip bug. */
static int tolerated(digest_status st)
{
    return st == DIGEST_ERR_TOO_LONG;
}

static void check(digest_status st, const char *what, const char *text)
{
    if (st != DIGEST_OK && !tolerated(st))
        FAIL("%s: %s [%s]", what, digest_status_str(st), text ? text : "");
}

static void fuzz_challenges(const char *in, size_t len, unsigned pf, unsigned sf)
{
    const char *v[4];
    size_t n[4], count = 0, start = 0, i, idx, off;
    digest_http_challenge_list *a = NULL, *b = NULL;
    char *s = NULL;
    digest_status st;

    for (i = 0; i <= len && count < 4; i++) {
        if (i == len || in[i] == '\n') {
            v[count] = in + start;
            n[count] = i - start;
            count++;
            start = i + 1;
        }
    }
    if (digest_http_parse_challenges(v, n, count, pf, &a, &idx, &off) != DIGEST_OK)
        return;
    if (idx != 0 || off != 0)
        FAIL("challenges: error position set on success");
    (void)digest_http_challenge_select(a, ~0u);
    st = digest_http_challenge_list_serialize(a, sf, &s, NULL);
    check(st, "challenge list serialize", NULL);
    if (st == DIGEST_OK) {
        v[0] = s;
        n[0] = strlen(s);
        st = digest_http_parse_challenges(v, n, 1, pf, &b, &idx, &off);
        check(st, "challenge list reparse", s);
        if (st == DIGEST_OK && !digest_http_challenge_list_equal(a, b))
            FAIL("challenge list differs after [%s]", s);
        digest_http_challenge_list_free(b);
        free(s);
    }
    /* each one alone, as an SSPI client would receive it */
    for (i = 0; i < a->count; i++) {
        digest_http_challenge *c = NULL;
        st = digest_http_challenge_serialize(&a->items[i], sf, &s, NULL);
        check(st, "challenge serialize", NULL);
        if (st != DIGEST_OK)
            continue;
        st = digest_http_parse_challenge(s, strlen(s), pf, &c, &off);
        check(st, "challenge reparse", s);
        if (st == DIGEST_OK && !digest_http_challenge_equal(&a->items[i], c))
            FAIL("challenge differs after [%s]", s);
        digest_http_challenge_free(c);
        free(s);
    }
    digest_http_challenge_list_free(a);
}

static void fuzz_challenge(const char *in, size_t len, unsigned pf, unsigned sf)
{
    digest_http_challenge *a = NULL, *b = NULL;
    size_t off;
    char *s = NULL;
    digest_status st;
    if (digest_http_parse_challenge(in, len, pf, &a, &off) != DIGEST_OK)
        return;
    st = digest_http_challenge_serialize(a, sf, &s, NULL);
    check(st, "challenge serialize", NULL);
    if (st == DIGEST_OK) {
        st = digest_http_parse_challenge(s, strlen(s), pf, &b, &off);
        check(st, "challenge reparse", s);
        if (st == DIGEST_OK && !digest_http_challenge_equal(a, b))
            FAIL("challenge differs after [%s]", s);
    }
    digest_http_challenge_free(a);
    digest_http_challenge_free(b);
    free(s);
}

static void fuzz_response(const char *in, size_t len, unsigned pf, unsigned sf)
{
    digest_http_response *a = NULL, *b = NULL;
    size_t off;
    char *s = NULL;
    digest_status st;
    if (digest_http_parse_response(in, len, pf, &a, &off) != DIGEST_OK)
        return;
    st = digest_http_response_serialize(a, sf, &s, NULL);
    check(st, "response serialize", NULL);
    if (st == DIGEST_OK) {
        st = digest_http_parse_response(s, strlen(s), pf, &b, &off);
        check(st, "response reparse", s);
        if (st == DIGEST_OK && !digest_http_response_equal(a, b))
            FAIL("response differs after [%s]", s);
    }
    digest_http_response_free(a);
    digest_http_response_free(b);
    free(s);
}

static void fuzz_auth_info(const char *in, size_t len, unsigned pf, unsigned sf)
{
    digest_http_auth_info *a = NULL, *b = NULL;
    size_t off;
    char *s = NULL;
    digest_status st;
    if (digest_http_parse_auth_info(in, len, pf, &a, &off) != DIGEST_OK)
        return;
    st = digest_http_auth_info_serialize(a, sf, &s, NULL);
    /* a message of unknown directives only has nothing to write back */
    if (st == DIGEST_ERR_EMPTY && !a->rspauth[0] && !a->nextnonce && !a->cnonce && !a->nc[0] &&
        !a->qop) {
        digest_http_auth_info_free(a);
        return;
    }
    check(st, "auth-info serialize", NULL);
    if (st == DIGEST_OK) {
        st = digest_http_parse_auth_info(s, strlen(s), pf, &b, &off);
        check(st, "auth-info reparse", s);
        if (st == DIGEST_OK && !digest_http_auth_info_equal(a, b))
            FAIL("auth-info differs after [%s]", s);
    }
    digest_http_auth_info_free(a);
    digest_http_auth_info_free(b);
    free(s);
}

static void fuzz_sasl_challenge(const char *in, size_t len, unsigned pf, unsigned sf)
{
    digest_sasl_challenge *a = NULL, *b = NULL;
    size_t off;
    char *s = NULL;
    digest_status st;
    if (digest_sasl_parse_challenge(in, len, pf, &a, &off) != DIGEST_OK)
        return;
    st = digest_sasl_challenge_serialize(a, sf, &s, NULL);
    check(st, "sasl challenge serialize", NULL);
    if (st == DIGEST_OK) {
        st = digest_sasl_parse_challenge(s, strlen(s), pf, &b, &off);
        check(st, "sasl challenge reparse", s);
        if (st == DIGEST_OK && !digest_sasl_challenge_equal(a, b))
            FAIL("sasl challenge differs after [%s]", s);
    }
    digest_sasl_challenge_free(a);
    digest_sasl_challenge_free(b);
    free(s);
}

static void fuzz_sasl_response(const char *in, size_t len, unsigned pf, unsigned sf)
{
    digest_sasl_response *a = NULL, *b = NULL;
    size_t off;
    char *s = NULL;
    digest_status st;
    if (digest_sasl_parse_response(in, len, pf, &a, &off) != DIGEST_OK)
        return;
    st = digest_sasl_response_serialize(a, sf, &s, NULL);
    check(st, "sasl response serialize", NULL);
    if (st == DIGEST_OK) {
        st = digest_sasl_parse_response(s, strlen(s), pf, &b, &off);
        check(st, "sasl response reparse", s);
        if (st == DIGEST_OK && !digest_sasl_response_equal(a, b))
            FAIL("sasl response differs after [%s]", s);
    }
    digest_sasl_response_free(a);
    digest_sasl_response_free(b);
    free(s);
}

static void fuzz_rspauth(const char *in, size_t len, unsigned pf)
{
    char a[33], b[33], *s = NULL;
    size_t off;
    digest_status st;
    if (digest_sasl_parse_rspauth(in, len, pf, a, &off) != DIGEST_OK)
        return;
    st = digest_sasl_rspauth_serialize(a, &s, NULL);
    check(st, "rspauth serialize", NULL);
    if (st == DIGEST_OK) {
        st = digest_sasl_parse_rspauth(s, strlen(s), pf, b, &off);
        check(st, "rspauth reparse", s);
        if (st == DIGEST_OK && strcmp(a, b) != 0)
            FAIL("rspauth differs after [%s]", s);
    }
    free(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    unsigned pf, sf;
    const char *in;
    size_t len;

    if (size < 1)
        return 0;
    pf = (data[0] & 1u) ? DIGEST_PARSE_STRICT : 0;
    sf = ((data[0] & 2u) ? DIGEST_SER_WINDOWS : 0) | ((data[0] & 4u) ? DIGEST_SER_SCHEME : 0);
    in = (const char *)data + 1;
    len = size - 1;

    fuzz_challenges(in, len, pf, sf);
    fuzz_challenge(in, len, pf, sf);
    fuzz_response(in, len, pf, sf);
    fuzz_auth_info(in, len, pf, sf);
    fuzz_sasl_challenge(in, len, pf, sf);
    fuzz_sasl_response(in, len, pf, sf);
    fuzz_rspauth(in, len, pf);
    return 0;
}

#ifdef DIGEST_FUZZ_STANDALONE
int main(int argc, char **argv)
{
    int i;
    for (i = 1; i < argc; i++) {
        FILE *f = fopen(argv[i], "rb");
        unsigned char *buf;
        long n;
        if (!f || fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0) {
            perror(argv[i]);
            return 1;
        }
        buf = malloc((size_t)n + 1);
        if (!buf || fread(buf, 1, (size_t)n, f) != (size_t)n) {
            perror(argv[i]);
            return 1;
        }
        fclose(f);
        LLVMFuzzerTestOneInput(buf, (size_t)n);
        free(buf);
    }
    printf("%d inputs replayed\n", argc - 1);
    return 0;
}
#endif
