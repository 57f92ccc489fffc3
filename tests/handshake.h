/*
 * Shared by the integration suites: credentials for the test realm and a
 * driver that runs InitializeSecurityContext / AcceptSecurityContext legs
 * in one process until both sides are done.
 */
#ifndef SSPI_SHIM_TESTS_HANDSHAKE_H
#define SSPI_SHIM_TESTS_HANDSHAKE_H

#include <stdbool.h>

#include "sspi.h"

struct handshake {
    CtxtHandle client, server;
    bool have_client, have_server;
    ULONG client_attr, server_attr;
    TimeStamp client_expiry, server_expiry;
    int legs;
    SECURITY_STATUS client_last, server_last;
    bool client_final_token;        /* SEC_E_OK came with a token to send */
};

/* Outbound credential: a password identity (user != NULL) or the default
 * cache; inbound: the keytab. */
SECURITY_STATUS handshake_client_cred(const char *pkg, const char *user, const char *password,
                                      CredHandle *out);
/* The same password identity, for Negotiate with PackageList "!NTLM": a
 * test of a Kerberos failure status (Negotiate would otherwise fall back
 * to NTLM when Kerberos cannot be used; docs/kerberos.md). */
SECURITY_STATUS handshake_client_cred_kerberos(const char *pkg, const char *user,
                                               const char *password, CredHandle *out);
SECURITY_STATUS handshake_server_cred(const char *pkg, CredHandle *out);

/*
 * Runs legs until both sides return SEC_E_OK (returns SEC_E_OK) or one
 * fails (returns its status).  in_bindings / out_bindings, when not NULL,
 * are passed as a SECBUFFER_CHANNEL_BINDINGS buffer to the client / server.
 */
SECURITY_STATUS handshake_run(CredHandle *cc, CredHandle *sc, const char *target, ULONG isc_req,
                              ULONG asc_req, const SEC_CHANNEL_BINDINGS *client_bindings,
                              ULONG client_bindings_len, const SEC_CHANNEL_BINDINGS *server_bindings,
                              ULONG server_bindings_len, struct handshake *h);

/* Deletes whatever contexts the handshake created. */
void handshake_end(struct handshake *h);

#endif
