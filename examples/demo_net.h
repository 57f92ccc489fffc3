/*
 * demo_net: the small helpers the SSPI demo programs share.
 *
 *  - TCP on the loopback address only (127.0.0.1): listen, accept, connect;
 *  - messages framed as a 4-byte big-endian length followed by that many
 *    bytes, with a size cap, so a broken or hostile peer cannot make us
 *    allocate without bound;
 *  - printing SECURITY_STATUS values and ISC_RET/ASC_RET flags by name,
 *    the way a Windows programmer would look them up in winerror.h.
 *
 * Every function reports its own errors on stderr (prefixed with the
 * program name given to demo_set_progname) and returns -1 on failure, so
 * callers only need to check the return value.
 *
 * The wire protocol of sspi-demo-server / sspi-demo-client (also spoken by
 * tests/py_gssapi_acceptor.py):
 *
 *   client -> server   token frame (ISC output; a zero-length frame is an
 *                       empty token and only sent on SEC_I_CONTINUE_NEEDED)
 *   server -> client   token frame (ASC output), sent whenever
 *                       AcceptSecurityContext produced a token, and also as
 *                       a zero-length frame on SEC_I_CONTINUE_NEEDED with no
 *                       token so that the client is never left waiting
 *   ... until both sides have SEC_E_OK ...
 *   server -> client   one frame "hello <client name>\n" in clear text
 */
#ifndef SSPI_SHIM_DEMO_NET_H
#define SSPI_SHIM_DEMO_NET_H

#include <stddef.h>
#include <stdio.h>

/* As on Windows: ask sspi.h for the user-mode (SSPI) declarations. */
#ifndef SECURITY_WIN32
#define SECURITY_WIN32
#endif
#include <sspi.h>

/* Largest frame accepted from a peer.  Windows documents cbMaxToken as
 * 48000 bytes for Kerberos (12000 for Negotiate before Windows 2012); a
 * ticket with a big PAC can exceed that, so allow some head room. */
#define DEMO_MSG_MAX (256u * 1024u)

/* Seconds a blocking send/receive may wait before it fails, so that a
 * test never hangs on a peer that stopped talking. */
#define DEMO_IO_TIMEOUT 30

/* Program name used to prefix error messages (default "demo"). */
void demo_set_progname(const char *name);
const char *demo_progname(void);

/* Parse a TCP port (0..65535; 0 only when allow_zero).  Returns -1 and
 * prints an error for anything else. */
int demo_parse_port(const char *text, int allow_zero, unsigned short *port);

/* Listen on 127.0.0.1:port (port 0 = any free port).  On success returns
 * the socket and stores the port actually bound in *bound_port. */
int demo_listen(unsigned short port, unsigned short *bound_port);

/* Write "PORT\n" to path atomically (write a temporary file, then rename),
 * so a script polling for the file never reads half a number. */
int demo_write_port_file(const char *path, unsigned short port);

/* The same on a named local address (NULL: 127.0.0.1; "0.0.0.0" or "::"
 * for every interface). */
int demo_listen_on(const char *addr, unsigned short port, unsigned short *bound_port);

/* Accept one connection (retrying on EINTR), with DEMO_IO_TIMEOUT applied. */
int demo_accept(int listen_fd);

/* Connect to 127.0.0.1:port, with DEMO_IO_TIMEOUT applied. */
int demo_connect(unsigned short port);

/* Connect to host:port (a name or a numeric address; NULL: 127.0.0.1),
 * trying each address the name resolves to. */
int demo_connect_host(const char *host, unsigned short port);

/* Send all len bytes (no framing). */
int demo_send_all(int fd, const void *buf, size_t len);

/* Send one frame: 4-byte big-endian length, then the bytes.  len must not
 * exceed DEMO_MSG_MAX. */
int demo_send_msg(int fd, const void *buf, size_t len);

/* Receive one frame of at most max bytes (max <= DEMO_MSG_MAX).  On success
 * *buf is a malloc'd copy (NUL-terminated one byte past *len, for text
 * messages; free it with free()), *len its length.  A zero-length frame
 * gives *len == 0 and a valid *buf. */
int demo_recv_msg(int fd, unsigned char **buf, size_t *len, size_t max);

/* Close a socket, ignoring -1. */
void demo_close(int fd);

/* ------------------------------------------------------------ SSPI names */

/* "SEC_E_WRONG_PRINCIPAL", or NULL for an unknown code (the library's
 * SspiShimStatusName). */
const char *demo_status_name(SECURITY_STATUS status);

/* One sentence saying what usually causes status in this demo, or NULL. */
const char *demo_status_hint(SECURITY_STATUS status);

/* Print "PROG: FUNCTION failed: NAME (0x8009....)", the library's detail
 * for the failure (SspiShimLastErrorMessage) and, when known, a hint line,
 * on stderr.  Call it right after the failing call, before any other SSPI
 * call replaces the detail. */
void demo_print_sspi_error(const char *function, SECURITY_STATUS status);

/* Print the names of the ISC_RET_* (is_isc) or ASC_RET_* flags set in
 * flags, separated by " | ", followed by the hex value; bits without a
 * name are shown as 0x.... */
void demo_print_ret_flags(FILE *out, ULONG flags, int is_isc);

/* Format a TimeStamp (FILETIME: 100 ns intervals since 1601-01-01 UTC) as
 * local time "YYYY-MM-DD HH:MM:SS", or "never" for the maximum value. */
void demo_format_timestamp(const TimeStamp *ts, char *out, size_t outlen);

#endif /* SSPI_SHIM_DEMO_NET_H */
