/*
 * sspi-wrap-client: the client half of tests/interop-python-wrap.sh.
 * Authenticates to tests/py_gssapi_wrap.py (python3-gssapi on MIT's
 * libgssapi_krb5) and exchanges protected messages with it, written as a
 * Windows program writes them (plain SSPI calls; only the sockets are
 * Unix):
 *
 *  - EncryptMessage with SECBUFFER_TOKEN + SECBUFFER_DATA (one or several
 *    DATA buffers), sent as TOKEN | DATA, the framing WinRM uses; the peer
 *    runs gss_unwrap on it and answers with gss_wrap of the same bytes,
 *    which is decrypted here with DecryptMessage(SECBUFFER_STREAM);
 *  - the same with SECQOP_WRAP_NO_ENCRYPT, the answer's pfQOP checked;
 *  - a SECBUFFER_READONLY_WITH_CHECKSUM buffer before the DATA, which the
 *    peer takes as gss_unwrap_aead associated data, and back;
 *  - MakeSignature (one and two DATA buffers) checked with gss_verify_mic,
 *    and the peer's gss_get_mic checked with VerifySignature.
 *
 *   sspi-wrap-client --package Kerberos|Negotiate --target SPN --port N
 *                    --user USER --password PW
 *
 * Exit status: 0 every message checked out, 1 a failure, 2 usage error.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../examples/demo_net.h"

#define ISC_FLAGS (ISC_REQ_MUTUAL_AUTH | ISC_REQ_CONFIDENTIALITY | ISC_REQ_INTEGRITY | \
                   ISC_REQ_SEQUENCE_DETECT | ISC_REQ_REPLAY_DETECT | ISC_REQ_CONNECTION | \
                   ISC_REQ_ALLOCATE_MEMORY)

static void pattern(unsigned char *p, size_t n, unsigned seed)
{
    for (size_t i = 0; i < n; i++)
        p[i] = (unsigned char)(seed * 13u + i * 5u + (i >> 7));
}

static void put32(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)(v >> 24);
    p[1] = (unsigned char)(v >> 16);
    p[2] = (unsigned char)(v >> 8);
    p[3] = (unsigned char)v;
}

/* One request frame out, one answer frame back. */
static int request(int fd, const unsigned char *msg, size_t len, unsigned char **reply,
                   size_t *reply_len)
{
    if (demo_send_msg(fd, msg, len) < 0)
        return -1;
    if (demo_recv_msg(fd, reply, reply_len, DEMO_MSG_MAX) < 0) {
        fprintf(stderr, "%s: no answer from the peer: its output says why\n", demo_progname());
        return -1;
    }
    return 0;
}

/* DecryptMessage of a whole gss_wrap token; `assoc` (may be NULL) goes in
 * a read-only DATA buffer.  Checks the plaintext and pfQOP. */
static int decrypt_answer(CtxtHandle *ctx, unsigned char *wire, size_t wire_len,
                          unsigned char *assoc, size_t assoc_len, const unsigned char *want,
                          size_t want_len, ULONG want_qop)
{
    SecBuffer b[3];
    ULONG n = 0, qop = 0xdeadbeef;
    b[n++] = (SecBuffer){(ULONG)wire_len, SECBUFFER_STREAM, wire};
    if (assoc != NULL)
        b[n++] = (SecBuffer){(ULONG)assoc_len, SECBUFFER_DATA | SECBUFFER_READONLY_WITH_CHECKSUM,
                             assoc};
    b[n++] = (SecBuffer){0, SECBUFFER_DATA, NULL};
    SecBufferDesc d = {SECBUFFER_VERSION, n, b};
    SECURITY_STATUS ss = DecryptMessage(ctx, &d, 0, &qop);
    if (ss != SEC_E_OK) {
        demo_print_sspi_error("DecryptMessage(SECBUFFER_STREAM)", ss);
        return -1;
    }
    SecBuffer *out = &b[n - 1];
    if (out->cbBuffer != want_len || (want_len > 0 && memcmp(out->pvBuffer, want, want_len) != 0)) {
        fprintf(stderr, "%s: the peer's answer decrypted to %u bytes that are not the %zu sent\n",
                demo_progname(), (unsigned)out->cbBuffer, want_len);
        return -1;
    }
    if ((unsigned char *)out->pvBuffer < wire ||
        (unsigned char *)out->pvBuffer + out->cbBuffer > wire + wire_len) {
        fprintf(stderr, "%s: the plaintext is not inside the stream buffer\n", demo_progname());
        return -1;
    }
    if (qop != want_qop) {
        fprintf(stderr, "%s: pfQOP is 0x%08X, expected 0x%08X\n", demo_progname(),
                (unsigned)qop, (unsigned)want_qop);
        return -1;
    }
    return 0;
}

/*
 * 'E' / 'I': len bytes in `parts` DATA buffers (+ an optional read-only
 * associated-data buffer for 'A'), EncryptMessage, TOKEN | DATA to the
 * peer, its gss_wrap answer decrypted.
 */
static int sealed_case(int fd, CtxtHandle *ctx, const SecPkgContext_Sizes *sz, char kind,
                       size_t len, int parts)
{
    unsigned char *plain = malloc(len + 1), *data = malloc(len + 1);
    unsigned char *token = malloc(sz->cbSecurityTrailer), assoc[24];
    unsigned char *frame = NULL, *reply = NULL;
    size_t reply_len = 0, assoc_len = kind == 'A' ? sizeof(assoc) : 0;
    int rc = -1;
    if (plain == NULL || data == NULL || token == NULL)
        goto out;
    pattern(plain, len, (unsigned)len + (unsigned)kind);
    pattern(assoc, sizeof(assoc), 99);
    memcpy(data, plain, len);

    SecBuffer b[6];
    ULONG n = 0;
    if (kind == 'A')
        b[n++] = (SecBuffer){sizeof(assoc), SECBUFFER_DATA | SECBUFFER_READONLY_WITH_CHECKSUM,
                             assoc};
    size_t off = 0;
    for (int i = 0; i < parts; i++) {
        size_t piece = (i == parts - 1) ? len - off : len / (size_t)parts;
        b[n++] = (SecBuffer){(ULONG)piece, SECBUFFER_DATA, data + off};
        off += piece;
    }
    ULONG token_index = n;
    b[n++] = (SecBuffer){sz->cbSecurityTrailer, SECBUFFER_TOKEN, token};
    SecBufferDesc d = {SECBUFFER_VERSION, n, b};
    ULONG qop = kind == 'I' ? SECQOP_WRAP_NO_ENCRYPT : 0;
    SECURITY_STATUS ss = EncryptMessage(ctx, qop, &d, 0);
    if (ss != SEC_E_OK) {
        demo_print_sspi_error("EncryptMessage", ss);
        goto out;
    }
    if (kind != 'I' && len >= 16 && memcmp(data, plain, len) == 0) {
        fprintf(stderr, "%s: EncryptMessage left the data in clear\n", demo_progname());
        goto out;
    }
    ULONG tlen = b[token_index].cbBuffer;
    size_t flen = 1 + (kind == 'A' ? 4 + assoc_len : 0) + tlen + len, p = 0;
    frame = malloc(flen);
    if (frame == NULL)
        goto out;
    frame[p++] = (unsigned char)kind;
    if (kind == 'A') {
        put32(frame + p, (uint32_t)assoc_len);
        p += 4;
        memcpy(frame + p, assoc, assoc_len);
        p += assoc_len;
    }
    memcpy(frame + p, token, tlen);       /* TOKEN | DATA: the WinRM framing */
    memcpy(frame + p + tlen, data, len);
    if (request(fd, frame, flen, &reply, &reply_len) < 0)
        goto out;
    if (decrypt_answer(ctx, reply, reply_len, kind == 'A' ? assoc : NULL, assoc_len, plain, len,
                       qop) < 0)
        goto out;
    printf("  %c %6zu bytes in %d DATA buffer%s%s: token %u bytes (RRC %u); "
           "the peer unwrapped it, its %zu-byte gss_wrap answer decrypted\n",
           kind, len, parts, parts == 1 ? "" : "s", kind == 'A' ? " + associated data" : "",
           (unsigned)tlen, (unsigned)(token[6] << 8 | token[7]), reply_len);
    rc = 0;
out:
    free(plain);
    free(data);
    free(token);
    free(frame);
    free(reply);
    return rc;
}

/* 'S': MakeSignature over len bytes in `parts` DATA buffers, checked by
 * gss_verify_mic; the peer's gss_get_mic checked by VerifySignature. */
static int signature_case(int fd, CtxtHandle *ctx, const SecPkgContext_Sizes *sz, size_t len,
                          int parts)
{
    unsigned char *data = malloc(len + 1), *mic = malloc(sz->cbMaxSignature);
    unsigned char *frame = NULL, *reply = NULL;
    size_t reply_len = 0;
    int rc = -1;
    if (data == NULL || mic == NULL)
        goto out;
    pattern(data, len, 7);
    SecBuffer b[4];
    ULONG n = 0;
    size_t off = 0;
    for (int i = 0; i < parts; i++) {
        size_t piece = (i == parts - 1) ? len - off : len / (size_t)parts;
        b[n++] = (SecBuffer){(ULONG)piece, SECBUFFER_DATA, data + off};
        off += piece;
    }
    b[n++] = (SecBuffer){sz->cbMaxSignature, SECBUFFER_TOKEN, mic};
    SecBufferDesc d = {SECBUFFER_VERSION, n, b};
    SECURITY_STATUS ss = MakeSignature(ctx, 0, &d, 0);
    if (ss != SEC_E_OK) {
        demo_print_sspi_error("MakeSignature", ss);
        goto out;
    }
    ULONG mlen = b[n - 1].cbBuffer;
    size_t flen = 1 + 4 + len + mlen;
    frame = malloc(flen);
    if (frame == NULL)
        goto out;
    frame[0] = 'S';
    put32(frame + 1, (uint32_t)len);
    memcpy(frame + 5, data, len);
    memcpy(frame + 5 + len, mic, mlen);
    if (request(fd, frame, flen, &reply, &reply_len) < 0)
        goto out;
    SecBuffer v[2] = {{(ULONG)len, SECBUFFER_DATA, data}, {(ULONG)reply_len, SECBUFFER_TOKEN, reply}};
    SecBufferDesc vd = {SECBUFFER_VERSION, 2, v};
    ULONG qop;
    ss = VerifySignature(ctx, &vd, 0, &qop);
    if (ss != SEC_E_OK) {
        demo_print_sspi_error("VerifySignature", ss);
        goto out;
    }
    printf("  S %6zu bytes in %d DATA buffer%s: %u-byte MIC verified by the peer; "
           "its %zu-byte MIC verified\n",
           len, parts, parts == 1 ? "" : "s", (unsigned)mlen, reply_len);
    rc = 0;
out:
    free(data);
    free(mic);
    free(frame);
    free(reply);
    return rc;
}

static int handshake(int fd, CredHandle *cred, const char *target, CtxtHandle *ctx, int *have_ctx)
{
    unsigned char *in = NULL;
    size_t in_len = 0;
    for (;;) {
        SecBuffer ib = {(ULONG)in_len, SECBUFFER_TOKEN, in}, ob = {0, SECBUFFER_TOKEN, NULL};
        SecBufferDesc id = {SECBUFFER_VERSION, 1, &ib}, od = {SECBUFFER_VERSION, 1, &ob};
        ULONG attr;
        TimeStamp expiry;
        SECURITY_STATUS ss = InitializeSecurityContextA(
            cred, *have_ctx ? ctx : NULL, (SEC_CHAR *)target, ISC_FLAGS, 0, SECURITY_NATIVE_DREP,
            *have_ctx ? &id : NULL, 0, ctx, &od, &attr, &expiry);
        free(in);
        in = NULL;
        if (ss != SEC_E_OK && ss != SEC_I_CONTINUE_NEEDED) {
            demo_print_sspi_error("InitializeSecurityContextA", ss);
            FreeContextBuffer(ob.pvBuffer);
            return -1;
        }
        *have_ctx = 1;
        if (ob.cbBuffer > 0 || ss == SEC_I_CONTINUE_NEEDED) {
            int r = demo_send_msg(fd, ob.pvBuffer, ob.cbBuffer);
            FreeContextBuffer(ob.pvBuffer);
            if (r < 0)
                return -1;
        } else {
            FreeContextBuffer(ob.pvBuffer);
        }
        if (ss == SEC_E_OK) {
            if (!(attr & ISC_RET_MUTUAL_AUTH) || !(attr & ISC_RET_CONFIDENTIALITY)) {
                fprintf(stderr, "%s: mutual authentication or confidentiality not granted\n",
                        demo_progname());
                return -1;
            }
            return 0;
        }
        if (demo_recv_msg(fd, &in, &in_len, DEMO_MSG_MAX) < 0)
            return -1;
    }
}

int main(int argc, char **argv)
{
    const char *package = "Kerberos", *target = NULL, *user = NULL, *password = NULL;
    unsigned short port = 0;
    demo_set_progname(argv[0]);
    setvbuf(stdout, NULL, _IOLBF, 0);
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--package") == 0 && i + 1 < argc)
            package = argv[++i];
        else if (strcmp(argv[i], "--target") == 0 && i + 1 < argc)
            target = argv[++i];
        else if (strcmp(argv[i], "--user") == 0 && i + 1 < argc)
            user = argv[++i];
        else if (strcmp(argv[i], "--password") == 0 && i + 1 < argc)
            password = argv[++i];
        else if (strcmp(argv[i], "--port") == 0 && i + 1 < argc) {
            if (demo_parse_port(argv[++i], 0, &port) < 0)
                return 2;
        } else {
            fprintf(stderr, "usage: %s --package P --target SPN --port N --user U --password PW\n",
                    demo_progname());
            return 2;
        }
    }
    if (target == NULL || port == 0 || user == NULL || password == NULL) {
        fprintf(stderr, "%s: --target, --port, --user and --password are required\n",
                demo_progname());
        return 2;
    }

    SEC_WINNT_AUTH_IDENTITY_A id;
    memset(&id, 0, sizeof(id));
    id.User = (unsigned char *)user;
    id.UserLength = (ULONG)strlen(user);
    id.Password = (unsigned char *)password;
    id.PasswordLength = (ULONG)strlen(password);
    id.Flags = SEC_WINNT_AUTH_IDENTITY_ANSI;
    CredHandle cred;
    CtxtHandle ctx;
    TimeStamp expiry;
    int have_ctx = 0, fd = -1, rc = 1;
    SECURITY_STATUS ss = AcquireCredentialsHandleA(NULL, (SEC_CHAR *)package, SECPKG_CRED_OUTBOUND,
                                                   NULL, &id, NULL, NULL, &cred, &expiry);
    if (ss != SEC_E_OK) {
        demo_print_sspi_error("AcquireCredentialsHandleA", ss);
        return 1;
    }
    fd = demo_connect(port);
    if (fd < 0 || handshake(fd, &cred, target, &ctx, &have_ctx) < 0)
        goto out;

    SecPkgContext_Sizes sz;
    SecPkgContext_StreamSizes st;
    if ((ss = QueryContextAttributesA(&ctx, SECPKG_ATTR_SIZES, &sz)) != SEC_E_OK ||
        (ss = QueryContextAttributesA(&ctx, SECPKG_ATTR_STREAM_SIZES, &st)) != SEC_E_OK) {
        demo_print_sspi_error("QueryContextAttributesA", ss);
        goto out;
    }
    printf("%s: %s context established; SIZES: cbMaxSignature %u cbSecurityTrailer %u "
           "cbBlockSize %u; STREAM_SIZES: cbHeader %u cbTrailer %u cbMaximumMessage %u\n",
           demo_progname(), package, (unsigned)sz.cbMaxSignature, (unsigned)sz.cbSecurityTrailer,
           (unsigned)sz.cbBlockSize, (unsigned)st.cbHeader, (unsigned)st.cbTrailer,
           (unsigned)st.cbMaximumMessage);

    static const size_t sizes[] = {0, 1, 16, 100, 1000, 20000};
    for (size_t k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++)
        if (sealed_case(fd, &ctx, &sz, 'E', sizes[k], 1) < 0)
            goto out;
    if (sealed_case(fd, &ctx, &sz, 'E', 1000, 3) < 0 ||
        sealed_case(fd, &ctx, &sz, 'I', 0, 1) < 0 || sealed_case(fd, &ctx, &sz, 'I', 50, 1) < 0 ||
        sealed_case(fd, &ctx, &sz, 'I', 5000, 2) < 0 ||
        sealed_case(fd, &ctx, &sz, 'A', 200, 1) < 0 ||
        signature_case(fd, &ctx, &sz, 0, 1) < 0 || signature_case(fd, &ctx, &sz, 10, 1) < 0 ||
        signature_case(fd, &ctx, &sz, 3000, 2) < 0)
        goto out;
    unsigned char *bye = NULL;
    size_t bye_len = 0;
    if (request(fd, (const unsigned char *)"Q", 1, &bye, &bye_len) < 0)
        goto out;
    if (bye_len != 3 || memcmp(bye, "bye", 3) != 0) {
        fprintf(stderr, "%s: the peer did not say bye\n", demo_progname());
        free(bye);
        goto out;
    }
    free(bye);
    printf("%s: every message checked out\n", demo_progname());
    rc = 0;
out:
    demo_close(fd);
    if (have_ctx)
        DeleteSecurityContext(&ctx);
    FreeCredentialsHandle(&cred);
    return rc;
}
