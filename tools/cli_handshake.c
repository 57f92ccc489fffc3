/*
 * sspi-shim(1): credentials and one handshake leg on each side, the way a
 * Windows program writes them.  `check` runs the legs in memory, `client`
 * and `server` send the tokens over TCP; the SSPI calls are these alone.
 */
#include "cli.h"

#include <stdlib.h>
#include <string.h>

/* Everything a typical server-to-server protocol asks for; the package
 * allocates the output token (one code path for every package, no
 * cbMaxToken guess). */
#define CLI_ISC_REQ (ISC_REQ_MUTUAL_AUTH | ISC_REQ_CONFIDENTIALITY | ISC_REQ_INTEGRITY | \
                     ISC_REQ_SEQUENCE_DETECT | ISC_REQ_REPLAY_DETECT | ISC_REQ_ALLOCATE_MEMORY)
#define CLI_ASC_REQ (ASC_REQ_MUTUAL_AUTH | ASC_REQ_CONFIDENTIALITY | ASC_REQ_INTEGRITY | \
                     ASC_REQ_SEQUENCE_DETECT | ASC_REQ_REPLAY_DETECT | ASC_REQ_ALLOCATE_MEMORY)

void cli_side_init(struct cli_side *s)
{
    memset(s, 0, sizeof *s);
    SecInvalidateHandle(&s->cred);
    SecInvalidateHandle(&s->ctx);
}

void cli_side_free(struct cli_side *s)
{
    if (s->have_ctx)
        DeleteSecurityContext(&s->ctx);
    if (s->have_cred)
        FreeCredentialsHandle(&s->cred);
    cli_side_init(s);
}

static int acquire(struct cli_side *s, const char *package, ULONG use, void *auth_data,
                   struct cli_failure *f)
{
    SECURITY_STATUS ss;

    ss = AcquireCredentialsHandleA(NULL, (SEC_CHAR *)package, use, NULL, auth_data, NULL, NULL,
                                   &s->cred, &s->expiry);
    if (ss != SEC_E_OK) {
        cli_failure_set(f, use == SECPKG_CRED_INBOUND ? PHASE_SERVER_CRED : PHASE_CLIENT_CRED,
                        "AcquireCredentialsHandleA", ss);
        return -1;
    }
    s->have_cred = 1;
    return 0;
}

int cli_acquire_client(struct cli_side *s, const char *package, struct cli_identity *id,
                       struct cli_failure *f)
{
    return acquire(s, package, SECPKG_CRED_OUTBOUND, id ? (void *)&id->a : NULL, f);
}

int cli_acquire_server(struct cli_side *s, const char *package, struct cli_failure *f)
{
    return acquire(s, package, SECPKG_CRED_INBOUND, NULL, f);
}

/* After a leg: CompleteAuthToken when the package asks for it (NTLM on
 * Windows; the shim's packages do not, but a Windows loop always has it),
 * a failure recorded, the context kept, the output token handed over. */
static int finish_leg(struct cli_side *s, SECURITY_STATUS ss, enum cli_phase phase,
                      const char *call, SecBufferDesc *out_desc, void **out, size_t *out_len,
                      struct cli_failure *f)
{
    SecBuffer *out_buf = &out_desc->pBuffers[0];

    s->legs++;
    if (ss == SEC_I_COMPLETE_NEEDED || ss == SEC_I_COMPLETE_AND_CONTINUE) {
        SECURITY_STATUS cs = CompleteAuthToken(&s->ctx, out_desc);

        s->have_ctx = 1;
        if (cs != SEC_E_OK) {
            call = "CompleteAuthToken";
            ss = cs;
        } else {
            ss = ss == SEC_I_COMPLETE_NEEDED ? SEC_E_OK : SEC_I_CONTINUE_NEEDED;
        }
    }
    if (ss != SEC_E_OK && ss != SEC_I_CONTINUE_NEEDED) {
        cli_failure_set(f, phase, call, ss);
        if (out_buf->pvBuffer != NULL)
            FreeContextBuffer(out_buf->pvBuffer);
        /* A failed first call leaves no context behind; a later failure
         * leaves the context to delete. */
        return -1;
    }
    s->have_ctx = 1;
    s->done = ss == SEC_E_OK;
    *out = out_buf->cbBuffer > 0 ? out_buf->pvBuffer : NULL;
    *out_len = out_buf->cbBuffer;
    if (*out == NULL && out_buf->pvBuffer != NULL)
        FreeContextBuffer(out_buf->pvBuffer);
    return 0;
}

int cli_client_leg(struct cli_side *s, const char *target, const void *in, size_t in_len,
                   void **out, size_t *out_len, struct cli_failure *f)
{
    SecBuffer in_buf = { (ULONG)in_len, SECBUFFER_TOKEN, (void *)in };
    SecBuffer out_buf = { 0, SECBUFFER_TOKEN, NULL };
    SecBufferDesc in_desc = { SECBUFFER_VERSION, 1, &in_buf };
    SecBufferDesc out_desc = { SECBUFFER_VERSION, 1, &out_buf };
    SECURITY_STATUS ss;

    ss = InitializeSecurityContextA(&s->cred, s->have_ctx ? &s->ctx : NULL, (SEC_CHAR *)target,
                                    CLI_ISC_REQ, 0, SECURITY_NATIVE_DREP,
                                    s->have_ctx ? &in_desc : NULL, 0, &s->ctx, &out_desc,
                                    &s->attrs, &s->expiry);
    return finish_leg(s, ss, PHASE_CLIENT_CTX, "InitializeSecurityContextA", &out_desc, out,
                      out_len, f);
}

int cli_server_leg(struct cli_side *s, const void *in, size_t in_len, void **out,
                   size_t *out_len, struct cli_failure *f)
{
    SecBuffer in_buf = { (ULONG)in_len, SECBUFFER_TOKEN, (void *)in };
    SecBuffer out_buf = { 0, SECBUFFER_TOKEN, NULL };
    SecBufferDesc in_desc = { SECBUFFER_VERSION, 1, &in_buf };
    SecBufferDesc out_desc = { SECBUFFER_VERSION, 1, &out_buf };
    SECURITY_STATUS ss;

    ss = AcceptSecurityContext(&s->cred, s->have_ctx ? &s->ctx : NULL, &in_desc, CLI_ASC_REQ,
                               SECURITY_NATIVE_DREP, &s->ctx, &out_desc, &s->attrs, &s->expiry);
    return finish_leg(s, ss, PHASE_SERVER_CTX, "AcceptSecurityContext", &out_desc, out, out_len,
                      f);
}
