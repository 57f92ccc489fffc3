#!/usr/bin/env python3
"""A GSS-API acceptor in Python (python3-gssapi, on MIT's libgssapi_krb5)
that checks the shim's message protection against a GSS-API peer that is
neither the shim nor Heimdal: tests/sspi-wrap-client encrypts and signs
with EncryptMessage / MakeSignature, this side unwraps and verifies with
gss_unwrap / gss_verify_mic and answers with gss_wrap / gss_get_mic, which
the client decrypts (SECBUFFER_STREAM) and verifies.

The protocol: frames of a 4-byte big-endian length and that many bytes
(examples/demo_net.h).  First the handshake, as tests/py_gssapi_acceptor.py
speaks it (the client sends tokens; the acceptor answers each with its
output token, or an empty frame while the handshake must continue without
one).  Then requests, each answered by one frame:

  b"E" + wire    wire = TOKEN | DATA as EncryptMessage made them (the WinRM
                 framing); gss_unwrap must find it encrypted; the answer is
                 gss_wrap(plaintext, conf=1)
  b"I" + wire    the same with SECQOP_WRAP_NO_ENCRYPT: gss_unwrap must find
                 it not encrypted; the answer is gss_wrap(plaintext, conf=0)
  b"A" + len4 + assoc + wire
                 EncryptMessage with a SECBUFFER_READONLY_WITH_CHECKSUM
                 buffer (assoc) before the DATA: gss_unwrap_aead with assoc
                 as associated data; the answer is gss_wrap_aead
  b"S" + len4 + data + mic
                 a MakeSignature token over data: gss_verify_mic; the answer
                 is gss_get_mic(data)
  b"Q"           the end: the acceptor answers b"bye" and exits 0

Every wrap token header the client sent is printed ("client wrap token:
... RRC 28 ..."), and so is the first of this side's own, so the test can
see both layouts went through.

Usage: py_gssapi_wrap.py --port-file FILE
Serves one client on 127.0.0.1 (any free port, written to FILE); keys from
KRB5_KTNAME.  Exits 0 after b"Q", 1 on any failure (a GSS error or a
message that does not check out).
"""

import argparse
import os
import socket
import struct
import sys

try:
    import gssapi
    import gssapi.raw as graw
except ImportError as exc:
    sys.stderr.write("py_gssapi_wrap: python3-gssapi is not available: %s\n" % exc)
    sys.exit(77)

MSG_MAX = 4 * 1024 * 1024
IO_TIMEOUT = 30


def log(msg):
    print("py_gssapi_wrap: " + msg, flush=True)


def recv_exact(sock, n, what):
    buf = bytearray()
    while len(buf) < n:
        chunk = sock.recv(n - len(buf))
        if not chunk:
            raise EOFError("connection closed while receiving the %s (%d of %d bytes)"
                           % (what, len(buf), n))
        buf.extend(chunk)
    return bytes(buf)


def recv_msg(sock):
    (length,) = struct.unpack(">I", recv_exact(sock, 4, "length prefix"))
    if length > MSG_MAX:
        raise ValueError("the peer announced a %d-byte message" % length)
    return recv_exact(sock, length, "message body") if length else b""


def send_msg(sock, data):
    sock.sendall(struct.pack(">I", len(data)) + data)


def describe(token):
    """RFC 4121 4.2.6.2 Wrap token header fields, as text."""
    if len(token) < 16 or token[0:2] != b"\x05\x04":
        return "not an RFC 4121 wrap token (%s...)" % token[:4].hex()
    flags = token[2]
    ec = (token[4] << 8) | token[5]
    rrc = (token[6] << 8) | token[7]
    return ("TOK_ID 0504 flags 0x%02x (%s) EC %d RRC %d, %d bytes"
            % (flags, "sealed" if flags & 2 else "integrity only", ec, rrc, len(token)))


class Checker:
    def __init__(self, ctx):
        self.ctx = ctx
        self.count = 0
        self.shown_own = False

    def own(self, token):
        if not self.shown_own:
            log("own wrap token: " + describe(token))
            self.shown_own = True
        return token

    def unwrap(self, wire, want_encrypted):
        log("client wrap token: " + describe(wire))
        res = self.ctx.unwrap(wire)
        if bool(res.encrypted) != want_encrypted:
            raise ValueError("gss_unwrap says encrypted=%s, expected %s"
                             % (res.encrypted, want_encrypted))
        return res.message

    def handle(self, msg):
        kind, body = msg[:1], msg[1:]
        if kind == b"E" or kind == b"I":
            encrypted = kind == b"E"
            plain = self.unwrap(body, encrypted)
            log("%s: %d bytes unwrapped (%s)" % (kind.decode(), len(plain),
                                                 "encrypted" if encrypted else "integrity only"))
            return self.own(self.ctx.wrap(plain, encrypted).message)
        if kind == b"A":
            (alen,) = struct.unpack(">I", body[:4])
            assoc, wire = body[4:4 + alen], body[4 + alen:]
            log("client wrap token: " + describe(wire))
            res = graw.unwrap_aead(self.ctx, wire, associated=assoc)
            if not res.encrypted:
                raise ValueError("gss_unwrap_aead: the message was not encrypted")
            log("A: %d bytes unwrapped with %d bytes of associated data"
                % (len(res.message), len(assoc)))
            return self.own(graw.wrap_aead(self.ctx, res.message, associated=assoc,
                                           confidential=True).message)
        if kind == b"S":
            (dlen,) = struct.unpack(">I", body[:4])
            data, mic = body[4:4 + dlen], body[4 + dlen:]
            self.ctx.verify_signature(data, mic)
            log("S: MIC over %d bytes verified (%d-byte token, TOK_ID %s)"
                % (len(data), len(mic), mic[:2].hex()))
            return self.ctx.get_signature(data)
        raise ValueError("unknown request %r" % kind)


def serve(conn):
    ctx = gssapi.SecurityContext(usage="accept")
    while not ctx.complete:
        out = ctx.step(recv_msg(conn))
        if out:
            send_msg(conn, out)
        elif not ctx.complete:
            send_msg(conn, b"")
    log("authenticated %s (mechanism %s)" % (ctx.initiator_name, ctx.mech.dotted_form))
    checker = Checker(ctx)
    while True:
        msg = recv_msg(conn)
        if msg == b"Q":
            send_msg(conn, b"bye")
            log("done: %d requests checked" % checker.count)
            return
        send_msg(conn, checker.handle(msg))
        checker.count += 1


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--port-file", required=True)
    args = ap.parse_args()

    lsock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    lsock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    lsock.bind(("127.0.0.1", 0))
    lsock.listen(1)
    port = lsock.getsockname()[1]
    tmp = args.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d\n" % port)
    os.rename(tmp, args.port_file)
    log("listening on 127.0.0.1:%d (keytab %s)" % (port, os.environ.get("KRB5_KTNAME", "default")))

    conn = None
    try:
        lsock.settimeout(60)
        conn, _ = lsock.accept()
        conn.settimeout(IO_TIMEOUT)
        serve(conn)
    except gssapi.exceptions.GSSError as exc:
        sys.stderr.write("py_gssapi_wrap: GSS-API call failed: %s\n" % exc)
        return 1
    except (EOFError, ValueError, OSError, struct.error) as exc:
        sys.stderr.write("py_gssapi_wrap: %s\n" % exc)
        return 1
    finally:
        if conn is not None:
            conn.close()
        lsock.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
