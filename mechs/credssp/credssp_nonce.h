/*
 * The acceptor's set of seen clientNonces ([MS-CSSP] 2.2.1, 3.1.5: the
 * nonce is fresh per exchange, so a second pubKeyAuth bound to one is a
 * replay).  Process-wide, thread-safe, the last 4096 kept.
 */
#ifndef SSPI_SHIM_CREDSSP_NONCE_H
#define SSPI_SHIM_CREDSSP_NONCE_H

/* 0 and remembered when new; -1 when it is among the last 4096 seen. */
int cssp_nonce_remember(const unsigned char nonce[32]) __attribute__((visibility("hidden")));

#endif
