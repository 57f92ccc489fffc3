#!/usr/bin/env python3
"""A GSS-API acceptor in Python (python3-gssapi, on MIT's libgssapi_krb5)
that speaks the sspi-demo protocol of examples/demo_net.h, so that the
shim's examples/sspi-demo-client can be tested against a GSS-API peer that
is not Heimdal and not the shim.

The protocol: frames of a 4-byte big-endian length and that many bytes.
The client sends tokens; the acceptor answers each one with its output
token when there is one, or with an empty frame when the handshake must
continue without one; after completion it sends one frame
"hello <initiator name>\\n" in clear text.

Usage: py_gssapi_acceptor.py --port-file FILE
Serves one client on 127.0.0.1 (any free port, written to FILE), prints
what it saw ("client name: alice@REALM", "mechanism: ...", "flags: ..."),
and exits 0 after greeting the client, 1 on any failure.  The service keys
come from the keytab named by KRB5_KTNAME.
"""

import argparse
import os
import socket
import struct
import sys

try:
    import gssapi
except ImportError as exc:  # the shell test checks first; be clear anyway
    sys.stderr.write("py_gssapi_acceptor: python3-gssapi is not available: %s\n" % exc)
    sys.exit(77)

MSG_MAX = 256 * 1024  # DEMO_MSG_MAX
IO_TIMEOUT = 30       # DEMO_IO_TIMEOUT

MECH_NAMES = {
    "1.2.840.113554.1.2.2": "Kerberos V5 (krb5)",
    "1.3.6.1.5.5.2": "SPNEGO",
    "1.3.6.1.4.1.311.2.2.10": "NTLMSSP",
}

FLAG_NAMES = [
    ("delegate_to_peer", "DELEG"),
    ("mutual_authentication", "MUTUAL"),
    ("replay_detection", "REPLAY"),
    ("out_of_sequence_detection", "SEQUENCE"),
    ("confidentiality", "CONF"),
    ("integrity", "INTEG"),
    ("anonymity", "ANON"),
    ("protection_ready", "PROT_READY"),
    ("transfer_ready", "TRANS"),
]


def log(msg):
    print("py_gssapi_acceptor: " + msg, flush=True)


def recv_exact(sock, n, what):
    buf = bytearray()
    while len(buf) < n:
        chunk = sock.recv(n - len(buf))
        if not chunk:
            raise EOFError("connection closed by the peer while receiving the %s "
                           "(%d of %d bytes)" % (what, len(buf), n))
        buf.extend(chunk)
    return bytes(buf)


def recv_msg(sock):
    (length,) = struct.unpack(">I", recv_exact(sock, 4, "length prefix"))
    if length > MSG_MAX:
        raise ValueError("the peer announced a %d-byte message; the limit is %d"
                         % (length, MSG_MAX))
    return recv_exact(sock, length, "message body") if length else b""


def send_msg(sock, data):
    if len(data) > MSG_MAX:
        raise ValueError("refusing to send a %d-byte message" % len(data))
    sock.sendall(struct.pack(">I", len(data)) + data)


def flag_names(flags):
    names = []
    for attr, name in FLAG_NAMES:
        bit = getattr(gssapi.RequirementFlag, attr, None)
        if bit is not None and bit in flags:
            names.append(name)
    return " | ".join(names) if names else "(none)"


def token_mech(token):
    """The mechanism OID of an RFC 2743 3.1 framed initial token
    (0x60 len 0x06 len OID ...), as dotted text, or None."""
    try:
        if len(token) < 2 or token[0] != 0x60:
            return None
        i = 2
        if token[1] & 0x80:
            i += token[1] & 0x7F
        if token[i] != 0x06:
            return None
        oid = token[i + 2:i + 2 + token[i + 1]]
        arcs = [oid[0] // 40, oid[0] % 40]
        value = 0
        for b in oid[1:]:
            value = (value << 7) | (b & 0x7F)
            if not b & 0x80:
                arcs.append(value)
                value = 0
        return ".".join(str(a) for a in arcs)
    except IndexError:
        return None


def write_port_file(path, port):
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d\n" % port)
    os.rename(tmp, path)


def serve(conn):
    # No explicit credential: GSS_C_NO_CREDENTIAL accepts with any key in
    # the keytab (KRB5_KTNAME), for every mechanism, SPNEGO included; the
    # first token selects the mechanism.
    ctx = gssapi.SecurityContext(usage="accept")
    legs = 0
    first_mech = None
    while not ctx.complete:
        token = recv_msg(conn)
        if legs == 0:
            first_mech = token_mech(token)
        legs += 1
        out = ctx.step(token)
        if out:
            send_msg(conn, out)
        elif not ctx.complete:
            send_msg(conn, b"")  # keep the ping-pong going

    name = str(ctx.initiator_name)
    mech = ctx.mech.dotted_form if ctx.mech is not None else "?"
    log("authenticated a client after %d token%s" % (legs, "" if legs == 1 else "s"))
    print("  first token:     %s (%s)" % (MECH_NAMES.get(first_mech, "not framed"), first_mech))
    print("  mechanism:       %s (%s)" % (MECH_NAMES.get(mech, mech), mech))
    print("  flags:           %s" % flag_names(ctx.actual_flags))
    print("  client name:     %s" % name)
    print("  server name:     %s" % ctx.target_name)
    sys.stdout.flush()
    send_msg(conn, ("hello %s\n" % name).encode("utf-8"))
    print("  sent:            hello %s" % name, flush=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--port-file", required=True,
                    help="write the TCP port (on 127.0.0.1) to this file")
    args = ap.parse_args()

    lsock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    lsock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    lsock.bind(("127.0.0.1", 0))
    lsock.listen(1)
    port = lsock.getsockname()[1]
    write_port_file(args.port_file, port)
    log("listening on 127.0.0.1:%d (keytab %s)" % (port, os.environ.get("KRB5_KTNAME", "default")))

    conn = None
    try:
        lsock.settimeout(60)
        conn, _ = lsock.accept()
        conn.settimeout(IO_TIMEOUT)
        serve(conn)
    except gssapi.exceptions.GSSError as exc:
        sys.stderr.write("py_gssapi_acceptor: accept_sec_context failed: %s\n" % exc)
        return 1
    except (EOFError, ValueError, OSError) as exc:
        sys.stderr.write("py_gssapi_acceptor: %s\n" % exc)
        return 1
    finally:
        if conn is not None:
            conn.close()
        lsock.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
