#include "config.h"

#include <string.h>

#include "handshake.h"

SECURITY_STATUS handshake_client_cred(const char *pkg, const char *user, const char *password,
                                      CredHandle *out)
{
    SEC_WINNT_AUTH_IDENTITY_A id;
    memset(&id, 0, sizeof(id));
    id.User = (unsigned char *)user;
    id.UserLength = user ? (ULONG)strlen(user) : 0;
    id.Password = (unsigned char *)password;
    id.PasswordLength = password ? (ULONG)strlen(password) : 0;
    id.Flags = SEC_WINNT_AUTH_IDENTITY_ANSI;
    TimeStamp expiry;
    return AcquireCredentialsHandleA(NULL, (LPSTR)pkg, SECPKG_CRED_OUTBOUND, NULL,
                                     user ? &id : NULL, NULL, NULL, out, &expiry);
}

SECURITY_STATUS handshake_client_cred_kerberos(const char *pkg, const char *user,
                                               const char *password, CredHandle *out)
{
    if (strcmp(pkg, "Negotiate") != 0)
        return handshake_client_cred(pkg, user, password, out);
    SEC_WINNT_AUTH_IDENTITY_EXA ex;
    memset(&ex, 0, sizeof(ex));
    ex.Version = SEC_WINNT_AUTH_IDENTITY_VERSION;
    ex.Length = sizeof(ex);
    ex.User = (unsigned char *)user;
    ex.UserLength = (ULONG)strlen(user);
    ex.Password = (unsigned char *)password;
    ex.PasswordLength = (ULONG)strlen(password);
    ex.Flags = SEC_WINNT_AUTH_IDENTITY_ANSI;
    ex.PackageList = (unsigned char *)"!NTLM";
    ex.PackageListLength = 5;
    TimeStamp expiry;
    return AcquireCredentialsHandleA(NULL, (LPSTR)pkg, SECPKG_CRED_OUTBOUND, NULL, &ex, NULL,
                                     NULL, out, &expiry);
}

SECURITY_STATUS handshake_server_cred(const char *pkg, CredHandle *out)
{
    TimeStamp expiry;
    return AcquireCredentialsHandleA(NULL, (LPSTR)pkg, SECPKG_CRED_INBOUND, NULL, NULL, NULL,
                                     NULL, out, &expiry);
}

struct leg {
    unsigned char in[16384], out[16384];
    SecBuffer in_buf[2], out_buf;
    SecBufferDesc in_desc, out_desc;
};

static void leg_input(struct leg *b, const void *data, ULONG len, const SEC_CHANNEL_BINDINGS *cb,
                      ULONG cb_len)
{
    memcpy(b->in, data, len);
    b->in_buf[0] = (SecBuffer){len, SECBUFFER_TOKEN, b->in};
    b->in_buf[1] = (SecBuffer){cb_len, SECBUFFER_CHANNEL_BINDINGS, (void *)cb};
    b->in_desc = (SecBufferDesc){SECBUFFER_VERSION, cb ? 2 : 1, b->in_buf};
}

static void leg_output(struct leg *b)
{
    b->out_buf = (SecBuffer){sizeof(b->out), SECBUFFER_TOKEN, b->out};
    b->out_desc = (SecBufferDesc){SECBUFFER_VERSION, 1, &b->out_buf};
}

SECURITY_STATUS handshake_run(CredHandle *cc, CredHandle *sc, const char *target, ULONG isc_req,
                              ULONG asc_req, const SEC_CHANNEL_BINDINGS *client_bindings,
                              ULONG client_bindings_len, const SEC_CHANNEL_BINDINGS *server_bindings,
                              ULONG server_bindings_len, struct handshake *h)
{
    static struct leg cb, sb;     /* large: keep them off the stack */
    SECURITY_STATUS cst, sst = SEC_I_CONTINUE_NEEDED;

    memset(h, 0, sizeof(*h));
    leg_output(&cb);
    /* The first client leg has no token, but may carry bindings. */
    SecBuffer first_in = {client_bindings_len, SECBUFFER_CHANNEL_BINDINGS, (void *)client_bindings};
    SecBufferDesc first_desc = {SECBUFFER_VERSION, 1, &first_in};
    cst = InitializeSecurityContextA(cc, NULL, (SEC_CHAR *)target, isc_req, 0, SECURITY_NATIVE_DREP,
                                     client_bindings ? &first_desc : NULL, 0, &h->client,
                                     &cb.out_desc, &h->client_attr, &h->client_expiry);
    h->client_last = cst;
    if (cst != SEC_E_OK && cst != SEC_I_CONTINUE_NEEDED)
        return cst;
    h->have_client = true;
    for (h->legs = 1; h->legs < 10; h->legs++) {
        if (cst == SEC_E_OK)
            h->client_final_token = cb.out_buf.cbBuffer > 0;
        if (cb.out_buf.cbBuffer == 0)
            return cst == SEC_E_OK && sst == SEC_E_OK ? SEC_E_OK : SEC_E_INTERNAL_ERROR;
        leg_input(&sb, cb.out, cb.out_buf.cbBuffer, server_bindings, server_bindings_len);
        leg_output(&sb);
        sst = AcceptSecurityContext(sc, h->have_server ? &h->server : NULL, &sb.in_desc, asc_req,
                                    SECURITY_NATIVE_DREP, &h->server, &sb.out_desc,
                                    &h->server_attr, &h->server_expiry);
        h->server_last = sst;
        if (sst != SEC_E_OK && sst != SEC_I_CONTINUE_NEEDED)
            return sst;
        h->have_server = true;
        if (sb.out_buf.cbBuffer == 0)
            return cst == SEC_E_OK && sst == SEC_E_OK ? SEC_E_OK : SEC_E_INTERNAL_ERROR;
        if (cst == SEC_E_OK)
            return SEC_E_INTERNAL_ERROR;    /* a token nobody will read */
        leg_input(&cb, sb.out, sb.out_buf.cbBuffer, client_bindings, client_bindings_len);
        leg_output(&cb);
        cst = InitializeSecurityContextA(cc, &h->client, NULL, isc_req, 0, SECURITY_NATIVE_DREP,
                                         &cb.in_desc, 0, &h->client, &cb.out_desc,
                                         &h->client_attr, &h->client_expiry);
        h->client_last = cst;
        if (cst != SEC_E_OK && cst != SEC_I_CONTINUE_NEEDED)
            return cst;
    }
    return SEC_E_INTERNAL_ERROR;
}

void handshake_end(struct handshake *h)
{
    if (h->have_client)
        DeleteSecurityContext(&h->client);
    if (h->have_server)
        DeleteSecurityContext(&h->server);
    h->have_client = h->have_server = false;
}
