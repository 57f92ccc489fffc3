#!/usr/bin/python3
"""Turn the transcripts the interop tests leave in SSPI_CAPTURE_DIR into
libFuzzer seed files, one directory per target under OUTDIR (normally
tests/fuzz/corpus).  Run by tools/capture-corpus.sh, which says where the
transcripts come from.

    corpus-seeds.py CAPTURE_DIR OUTDIR

What is taken (every message was sent by a program we did not write,
except where marked "ours"):
  curl -v transcripts (*.err): "> Authorization: Digest|Negotiate ..." (curl
    7.88's Digest code; MIT's SPNEGO/Kerberos through curl --negotiate),
    "< WWW-Authenticate: ..." and "< Authentication-Info: ..." (Apache
    mod_auth_digest in capture-curl.err; ours from sspi-http-server);
  -D header files (h1, h2): the server's WWW-Authenticate (ours);
  python-requests' client.log: "Authorization: Digest ..." (requests);
  the Cyrus relay logs: "S: <base64>" / "C: <base64>" (Cyrus SASL's
    DIGEST-MD5 plugin, and ours on the other side), decoded.
  the TLS plain text of FreeRDP 2 (*.tls, tools/tls-plaintext-tap.c
    preloaded into xfreerdp and freerdp-shadow-cli): the CredSSP TSRequests
    FreeRDP's client and server wrote, and the NTLM messages in their
    negoTokens.

Each target gets the messages in the form its fuzz_*.c reads (a selector
octet first for fuzz-digest, fuzz-digest-mech and fuzz-sspi; see there).
Files are named after their content hash, so a rerun replaces each seed
with itself and adds only new ones.
"""
import base64
import hashlib
import os
import re
import sys

DIGEST_OID = bytes.fromhex("2a85702b0e01")          # GSS_SSPI_SHIM_DIGEST_MECH_OID_BYTES
P_WIRE, P_MODE, P_METHOD, P_REALM = 1, 2, 3, 5


def lines_of(path):
    with open(path, "rb") as f:
        return f.read().decode("latin-1").replace("\r", "").split("\n")


def header_values(capture, names, prefixes=("< ", "> ", "")):
    """(header, value, file) for each `name: value` line in the transcripts."""
    out = []
    for root, _, files in os.walk(capture):
        for fn in sorted(files):
            for line in lines_of(os.path.join(root, fn)):
                for p in prefixes:
                    for n in names:
                        head = p + n + ": "
                        if line.lower().startswith(head.lower()):
                            out.append((n, line[len(head):], os.path.join(root, fn)))
                # python-requests' log: "...; Authorization: Digest ..."
                m = re.search(r"; Authorization: (Digest .*)$", line)
                if m:
                    out.append(("Authorization", m.group(1), os.path.join(root, fn)))
    return out


def sasl_messages(capture):
    """Decoded SASL DIGEST-MD5 messages from the Cyrus relay logs."""
    out = []
    for root, _, files in os.walk(capture):
        for fn in sorted(files):
            for line in lines_of(os.path.join(root, fn)):
                m = re.match(r"^([SC])\| \1: ([A-Za-z0-9+/=]+)$", line)
                if m:
                    try:
                        out.append((m.group(1), base64.b64decode(m.group(2))))
                    except ValueError:
                        pass
    return out


def der_length(n):
    if n < 0x80:
        return bytes([n])
    b = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(b)]) + b


def tlv(data, off):
    """(tag, value start, value end) of the DER element at off."""
    tag = data[off]
    n = data[off + 1]
    off += 2
    if n & 0x80:
        k = n & 0x7f
        n = int.from_bytes(data[off:off + k], "big")
        off += k
    return tag, off, off + n


def children(data, start, end):
    while start < end:
        tag, vs, ve = tlv(data, start)
        yield tag, vs, ve
        start = ve


def spnego_inner(token):
    """The mechToken of a NegTokenInit or the responseToken of a
    NegTokenResp (an OCTET STRING at [2]), or None."""
    try:
        tag, vs, ve = tlv(token, 0)
        if tag == 0x60:                             # framed NegTokenInit
            _, os_, oe = tlv(token, vs)             # the SPNEGO OID
            tag, vs, ve = tlv(token, oe)
        if tag not in (0xa0, 0xa1):
            return None
        _, ss, se = tlv(token, vs)                  # SEQUENCE
        for tag, cs, ce in children(token, ss, se):
            if tag == 0xa2:
                _, os_, oe = tlv(token, cs)
                return token[os_:oe]
    except IndexError:
        pass
    return None


TAP_HEADER = 17                                     # see tools/tls-plaintext-tap.c


def tls_streams(capture):
    """{(file, pid, SSL pointer, 'W' or 'R'): the bytes in order} from the
    records of the *.tls files; a record cut short ends its file."""
    streams = {}
    for root, _, files in os.walk(capture):
        for fn in sorted(files):
            if not fn.endswith(".tls"):
                continue
            path = os.path.join(root, fn)
            with open(path, "rb") as f:
                data = f.read()
            off = 0
            while off + TAP_HEADER <= len(data):
                direction = chr(data[off])
                pid = int.from_bytes(data[off + 1:off + 5], "big")
                ssl = int.from_bytes(data[off + 5:off + 13], "big")
                n = int.from_bytes(data[off + 13:off + 17], "big")
                if off + TAP_HEADER + n > len(data):
                    break
                key = (path, pid, ssl, direction)
                streams.setdefault(key, bytearray()).extend(data[off + TAP_HEADER:off + TAP_HEADER + n])
                off += TAP_HEADER + n
    return streams


def der_sequences(stream):
    """The DER SEQUENCEs (TSRequests) at the start of a connection's plain
    text, cut by their lengths; stops at the first byte that does not
    start one (RDP traffic after CredSSP) or at a message cut short."""
    out, off = [], 0
    while off < len(stream) and stream[off] == 0x30:
        try:
            _, _, end = tlv(stream, off)
        except IndexError:
            break
        if end > len(stream):
            break
        out.append(bytes(stream[off:end]))
        off = end
    return out


def nego_tokens(req):
    """The negoTokens' [0] OCTET STRINGs of a TSRequest ([MS-CSSP] 2.2.1)."""
    out = []
    try:
        _, vs, ve = tlv(req, 0)
        for tag, cs, ce in children(req, vs, ve):
            if tag != 0xa1:
                continue
            _, ss, se = tlv(req, cs)                 # NegoData: SEQUENCE OF
            for _, is_, ie in children(req, ss, se):
                for t, xs, xe in children(req, is_, ie):
                    if t == 0xa0:
                        _, os_, oe = tlv(req, xs)
                        out.append(req[os_:oe])
    except IndexError:
        pass
    return out


def param_token(records, framed=True):
    body = bytes([1]) + b"".join(bytes([t]) + len(v).to_bytes(4, "big") + v for t, v in records)
    if not framed:
        return body
    inner = bytes([0x06, len(DIGEST_OID)]) + DIGEST_OID + body
    return b"\x60" + der_length(len(inner)) + inner


class Corpus:
    def __init__(self, outdir):
        self.outdir = outdir
        self.count = {}

    def add(self, target, data):
        d = os.path.join(self.outdir, target)
        os.makedirs(d, exist_ok=True)
        name = "cap-" + hashlib.sha1(data).hexdigest()[:16]
        path = os.path.join(d, name)
        if not os.path.exists(path):
            with open(path, "wb") as f:
                f.write(data)
            self.count[target] = self.count.get(target, 0) + 1


def unique(items, limit):
    seen, out = set(), []
    for i in items:
        if i not in seen:
            seen.add(i)
            out.append(i)
    return out[:limit]


def for_mech(resp, user="fuzz", realm="fuzz-realm"):
    """A captured response made to fit fuzz_digest_mech's case 0: its nonce
    becomes "$N" (the target puts in its real challenge's nonce), its user
    and realm those of the target's store, so mutations start past the
    nonce and user checks."""
    resp = re.sub(rb'(?<![c])nonce="[^"]*"', b'nonce="$N"', resp)
    resp = re.sub(rb'(?<![a-z])realm="[^"]*"', b'realm="' + realm.encode() + b'"', resp)
    resp = re.sub(rb'username="[^"]*"', b'username="' + user.encode() + b'"', resp)
    return resp


def main():
    capture, outdir = sys.argv[1], sys.argv[2]
    c = Corpus(outdir)
    hv = header_values(capture, ["Authorization", "WWW-Authenticate", "Authentication-Info"])

    digest_resp = unique([v.encode() for n, v, _ in hv
                          if n == "Authorization" and v.startswith("Digest ")], 12)
    digest_chal = unique([v.encode() for n, v, _ in hv
                          if n == "WWW-Authenticate" and v.startswith("Digest ")], 8)
    auth_info = unique([v.encode() for n, v, _ in hv if n == "Authentication-Info"], 6)
    nego = [(n, base64.b64decode(v.split(" ", 1)[1])) for n, v, _ in hv
            if v.startswith("Negotiate ") and " " in v]
    nego_init = unique([t for n, t in nego if n == "Authorization"], 3)
    nego_resp = unique([t for n, t in nego if n == "WWW-Authenticate"], 3)

    sasl = sasl_messages(capture)

    # FreeRDP's TSRequests (only those FreeRDP wrote: what it read came
    # from our code), and the NTLM messages inside them.
    ts_requests = []
    for (path, _, _, direction), stream in sorted(tls_streams(capture).items()):
        if direction == "W":
            ts_requests += der_sequences(stream)
    ts_requests = unique(ts_requests, 40)
    ntlm_msgs = unique([t for r in ts_requests for t in nego_tokens(r)
                        if t.startswith(b"NTLMSSP\0")], 20)
    sasl_chal = unique([m for s, m in sasl if s == "S" and b"nonce=" in m
                        and b"response=" not in m], 6)
    sasl_resp = unique([m for s, m in sasl if s == "C" and b"response=" in m], 6)
    sasl_rspauth = unique([m for s, m in sasl if m.startswith(b"rspauth=")], 3)

    # fuzz-digest: selector 0 (lenient), 1 (strict) for every message;
    # a list of challenges as one input too.
    texts = digest_chal + digest_resp + auth_info + sasl_chal + sasl_resp + sasl_rspauth
    for t in texts:
        c.add("digest", b"\x00" + t)
    for t in texts[::3]:
        c.add("digest", b"\x07" + t)
    if len(digest_chal) > 1:
        c.add("digest", b"\x00" + b"\n".join(digest_chal[:4]))

    # fuzz-digest-mech (bits 0-1 case, bit 2 SASL, bit 3 framed).
    for r in digest_resp:
        m = for_mech(r)
        c.add("digest-mech", b"\x00" + m)
        c.add("digest-mech", b"\x08" + m)
    for r in sasl_resp:
        c.add("digest-mech", b"\x04" + for_mech(r))
    for ch in digest_chal:
        c.add("digest-mech", b"\x01" + ch)
    for ch in sasl_chal:
        c.add("digest-mech", b"\x05" + ch)
        c.add("digest-mech", b"\x0d" + ch)
    for ai in auth_info:
        c.add("digest-mech", b"\x02" + ai)
    for ra in sasl_rspauth:
        c.add("digest-mech", b"\x06" + ra)
    for r in digest_resp[:3]:
        c.add("digest-mech", b"\x03" + param_token([(P_WIRE, r), (P_MODE, b"H"),
                                                    (P_METHOD, b"GET")]))

    # fuzz-digest-params: the captured messages in parameter tokens as the
    # shim wraps them (framed), and as bare record lists.
    for r in digest_resp[:4]:
        c.add("digest-params", param_token([(P_WIRE, r), (P_MODE, b"H"), (P_METHOD, b"GET")]))
    for ch in digest_chal[:2]:
        c.add("digest-params", param_token([(P_WIRE, ch), (P_MODE, b"H")], framed=False))
    for r in sasl_resp[:2]:
        c.add("digest-params", param_token([(P_WIRE, r), (P_MODE, b"S")]))
    for ch in sasl_chal[:2]:
        c.add("digest-params", param_token([(P_MODE, b"S"), (P_WIRE, ch),
                                            (P_REALM, b"CYRUS.TEST")], framed=False))

    # fuzz-framing: SPNEGO tokens and the Kerberos tokens inside them.
    ap_req = []
    for t in nego_init + nego_resp:
        c.add("framing", t)
        inner = spnego_inner(t)
        if inner:
            c.add("framing", inner)
            if t in nego_init:
                ap_req.append(inner)

    # fuzz-sspi: op 12 ("the rest of the input as the client's token") to
    # the Negotiate (0x3c), Kerberos (0x2c) and WDigest (0x0c) acceptors.
    for t in nego_init:
        c.add("sspi", b"\x3c" + t)
    for t in ap_req:
        c.add("sspi", b"\x2c" + t)
    for r in digest_resp[:4]:
        c.add("sspi", b"\x0c" + r)

    # fuzz-credssp: the TSRequests as they were; fuzz-ntlm: the NTLM
    # messages (its decoder wants a CHALLENGE, FreeRDP's server's; the
    # client's NEGOTIATE and AUTHENTICATE start mutations elsewhere).
    for r in ts_requests:
        c.add("credssp", r)
    for m in ntlm_msgs:
        c.add("ntlm", m)

    for t in sorted(c.count):
        print("%s: %d new seed(s)" % (t, c.count[t]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
