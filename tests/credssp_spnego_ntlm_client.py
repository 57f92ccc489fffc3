#!/usr/bin/env python3
"""tests/credssp_spnego_ntlm_client.py - a CredSSP client whose inner tokens
are SPNEGO with NTLM inside, as Windows' mstsc and FreeRDP 3 send them when
Kerberos cannot be used ([MS-CSSP] over [RFC 4178] over [MS-NLMP]).

    credssp_spnego_ntlm_client.py HOST PORT DOMAIN USER PASSWORD [--wrong-password-expected]
                                  [--mechlistmic=flip|drop]

The SPNEGO NegTokenInit / NegTokenResp, the NTLMSSP messages, the
mechListMIC and every wrap / unwrap come from libraries we did not write:
python3-gssapi on MIT's libgssapi_krb5, with gss-ntlmssp as MIT's NTLM
mechanism (registered by the caller, e.g. GSS_MECH_CONFIG pointing at a
file naming gssntlmssp.so).  This file only does the RDP / CredSSP framing:

  1. X.224 Connection Request offering PROTOCOL_HYBRID, the Confirm;
  2. TLS (ssl.MemoryBIO / SSLObject, no certificate verification: CredSSP
     binds the server's key through pubKeyAuth);
  3. TSRequests (version 6): negoTokens; with the SPNEGO token that
     completes NTLM, clientNonce (32 random bytes) and pubKeyAuth =
     wrap(SHA256("CredSSP Client-To-Server Binding Hash\\0" + nonce +
     SubjectPublicKey)); the server's pubKeyAuth must unwrap to
     SHA256("CredSSP Server-To-Client Binding Hash\\0" + nonce +
     SubjectPublicKey) ([MS-CSSP] 3.1.5); then authInfo =
     wrap(TSCredentials{1, TSPasswordCreds}).

It prints the SPNEGO mechTypes the first token offers, whether the
NegTokenResp carrying NTLM's AUTHENTICATE has a mechListMIC, and the
AUTHENTICATE's MsvAvFlags (0x2: NTLM's own MIC is present).

Exit status: 0 the exchange completed (the server's pubKeyAuth verified,
authInfo sent); 1 the server refused (its TSRequest.errorCode, if any, is
printed); 2 a protocol or harness error; 77 no python3-gssapi or no NTLM
mechanism in it.  With --wrong-password-expected a refusal with errorCode
STATUS_LOGON_FAILURE (0xC000006D) is the expected outcome and exits 0,
anything else exits 1 (or 2).

--mechlistmic=flip|drop attacks the acceptor's SPNEGO: the NegTokenResp
carrying NTLM's AUTHENTICATE goes out with one bit of its mechListMIC
flipped, or without it (a downgrade would look like this: the MIC is
what protects the mechanism list).  The server must refuse.
"""
import hashlib
import os
import select
import socket
import ssl
import struct
import sys

NTLM_OID = "1.3.6.1.4.1.311.2.2.10"
SPNEGO_OID = "1.3.6.1.5.5.2"
CLIENT_MAGIC = b"CredSSP Client-To-Server Binding Hash\0"
SERVER_MAGIC = b"CredSSP Server-To-Client Binding Hash\0"
STATUS_LOGON_FAILURE = 0xC000006D
TSREQUEST_VERSION = 6
TIMEOUT = 30.0

PROG = "credssp_spnego_ntlm_client"


def say(*a):
    print(PROG + ":", *a, flush=True)


class Refused(Exception):
    """The server ended the exchange (errorCode, or closed the connection)."""

    def __init__(self, msg, error_code=None):
        super().__init__(msg)
        self.error_code = error_code


class ProtocolError(Exception):
    pass


# ---------------------------------------------------------------- DER ----

def der_len(n):
    if n < 0x80:
        return bytes([n])
    b = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(b)]) + b


def der(tag, content):
    return bytes([tag]) + der_len(len(content)) + content


def der_int(v):
    n = 1
    while True:
        try:
            return der(0x02, v.to_bytes(n, "big", signed=True))
        except OverflowError:
            n += 1


def der_seq(*items):
    return der(0x30, b"".join(items))


def der_ctx(n, content):
    """[n] EXPLICIT, constructed context tag."""
    return der(0xA0 | n, content)


def der_octets(b):
    return der(0x04, b)


def der_header(buf, pos=0):
    """(tag, content start, content end) of the TLV at pos; ProtocolError
    when buf is too short.  Only low tag numbers (all CredSSP, SPNEGO and
    X.509 use here)."""
    if pos + 2 > len(buf):
        raise ProtocolError("truncated DER header")
    tag = buf[pos]
    if tag & 0x1F == 0x1F:
        raise ProtocolError("high-tag-number DER form not supported")
    first = buf[pos + 1]
    pos += 2
    if first < 0x80:
        length = first
    else:
        nb = first & 0x7F
        if nb == 0 or nb > 4 or pos + nb > len(buf):
            raise ProtocolError("bad DER length")
        length = int.from_bytes(buf[pos:pos + nb], "big")
        pos += nb
    if pos + length > len(buf):
        raise ProtocolError("truncated DER value")
    return tag, pos, pos + length


def der_items(buf):
    """The TLVs of a constructed value's content: [(tag, content)]."""
    out, pos = [], 0
    while pos < len(buf):
        tag, s, e = der_header(buf, pos)
        out.append((tag, buf[s:e]))
        pos = e
    return out


def der_one(buf, want_tag):
    tag, s, e = der_header(buf)
    if tag != want_tag or e != len(buf):
        raise ProtocolError("expected one DER value with tag 0x%02X, got 0x%02X" % (want_tag, tag))
    return buf[s:e]


def der_complete_len(buf):
    """Length of the whole TLV at the start of buf, or None if more bytes
    are needed to know it / to have it."""
    if len(buf) < 2:
        return None
    first = buf[1]
    if first < 0x80:
        hl, length = 2, first
    else:
        nb = first & 0x7F
        if len(buf) < 2 + nb:
            return None
        hl, length = 2 + nb, int.from_bytes(buf[2:2 + nb], "big")
    return hl + length if len(buf) >= hl + length else None


def oid_str(content):
    vals, v = [], 0
    for b in content:
        v = (v << 7) | (b & 0x7F)
        if not b & 0x80:
            vals.append(v)
            v = 0
    if not vals:
        return "?"
    first = min(vals[0] // 40, 2)
    return ".".join(str(x) for x in [first, vals[0] - 40 * first] + vals[1:])


# ---------------------------------------------------------- TSRequest ----

def encode_tsrequest(nego_token=None, auth_info=None, pub_key_auth=None, client_nonce=None):
    fields = [der_ctx(0, der_int(TSREQUEST_VERSION))]
    if nego_token is not None:
        fields.append(der_ctx(1, der_seq(der_seq(der_ctx(0, der_octets(nego_token))))))
    if auth_info is not None:
        fields.append(der_ctx(2, der_octets(auth_info)))
    if pub_key_auth is not None:
        fields.append(der_ctx(3, der_octets(pub_key_auth)))
    if client_nonce is not None:
        fields.append(der_ctx(5, der_octets(client_nonce)))
    return der_seq(*fields)


def decode_tsrequest(buf):
    body = der_one(buf, 0x30)
    req = {"negoTokens": []}
    for tag, content in der_items(body):
        if tag == 0xA0:
            req["version"] = int.from_bytes(der_one(content, 0x02), "big", signed=True)
        elif tag == 0xA1:
            for _, item in der_items(der_one(content, 0x30)):
                for t2, c2 in der_items(item):
                    if t2 == 0xA0:
                        req["negoTokens"].append(der_one(c2, 0x04))
        elif tag == 0xA2:
            req["authInfo"] = der_one(content, 0x04)
        elif tag == 0xA3:
            req["pubKeyAuth"] = der_one(content, 0x04)
        elif tag == 0xA4:
            req["errorCode"] = int.from_bytes(der_one(content, 0x02), "big", signed=True) & 0xFFFFFFFF
        elif tag == 0xA5:
            req["clientNonce"] = der_one(content, 0x04)
    return req


def ts_credentials(domain, user, password):
    def u16(s):
        return der_octets(s.encode("utf-16-le"))

    creds = der_seq(der_ctx(0, u16(domain)), der_ctx(1, u16(user)), der_ctx(2, u16(password)))
    return der_seq(der_ctx(0, der_int(1)), der_ctx(1, der_octets(creds)))


# ------------------------------------------------------ SPNEGO / NTLM ----

def spnego_init_mechs(token):
    """mechTypes of a NegTokenInit (GSS InitialContextToken framing)."""
    inner = der_one(token, 0x60)
    tag, s, e = der_header(inner)
    if tag != 0x06 or oid_str(inner[s:e]) != SPNEGO_OID:
        raise ProtocolError("the first token is not SPNEGO")
    neg_init = der_one(der_one(inner[e:], 0xA0), 0x30)
    mechs, mech_token = [], None
    for t, c in der_items(neg_init):
        if t == 0xA0:
            mechs = [(oid_str(o), o) for _, o in der_items(der_one(c, 0x30))]
        elif t == 0xA2:
            mech_token = der_one(c, 0x04)
    return mechs, mech_token


def spnego_resp(token):
    """negState, supportedMech, responseToken, mechListMIC of a NegTokenResp."""
    resp = der_one(der_one(token, 0xA1), 0x30)
    out = {}
    for t, c in der_items(resp):
        if t == 0xA0:
            out["negState"] = der_one(c, 0x0A)[0]
        elif t == 0xA1:
            out["supportedMech"] = oid_str(der_one(c, 0x06))
        elif t == 0xA2:
            out["responseToken"] = der_one(c, 0x04)
        elif t == 0xA3:
            out["mechListMIC"] = der_one(c, 0x04)
    return out


NEG_STATES = {0: "accept-completed", 1: "accept-incomplete", 2: "reject", 3: "request-mic"}


def ntlm_describe(msg):
    """One line about an NTLMSSP message (type, flags; for AUTHENTICATE the
    MsvAvFlags of its NTLMv2 response and whether the MIC field is set)."""
    if len(msg) < 12 or msg[:8] != b"NTLMSSP\0":
        return "not NTLMSSP (%d bytes)" % len(msg)
    mtype = struct.unpack_from("<I", msg, 8)[0]
    if mtype == 1 and len(msg) >= 16:
        return "NTLM NEGOTIATE flags 0x%08X" % struct.unpack_from("<I", msg, 12)[0]
    if mtype == 2 and len(msg) >= 24:
        return "NTLM CHALLENGE flags 0x%08X" % struct.unpack_from("<I", msg, 20)[0]
    if mtype != 3 or len(msg) < 64:
        return "NTLM message type %d" % mtype
    nt_len, _, nt_off = struct.unpack_from("<HHI", msg, 20)
    flags = struct.unpack_from("<I", msg, 60)[0]
    words = ["NTLM AUTHENTICATE flags 0x%08X" % flags]
    nt = msg[nt_off:nt_off + nt_len]
    av_flags = None
    if len(nt) > 16 + 28:
        pos = 16 + 28  # NTProofStr, then NTLMv2_CLIENT_CHALLENGE's fixed part
        while pos + 4 <= len(nt):
            av_id, av_len = struct.unpack_from("<HH", nt, pos)
            if av_id == 0:
                break
            if av_id == 6 and av_len == 4:
                av_flags = struct.unpack_from("<I", nt, pos + 4)[0]
            pos += 4 + av_len
        words.append("NTLMv2" if nt_len > 24 else "NTLMv1")
    words.append("MsvAvFlags " + ("absent" if av_flags is None else "0x%X%s" % (
        av_flags, " (MIC present)" if av_flags & 2 else "")))
    # The MIC field follows the Version at offset 72 when MsvAvFlags has 0x2.
    if av_flags is not None and av_flags & 2 and len(msg) >= 88:
        words.append("MIC field %s" % ("all zero" if msg[72:88] == bytes(16) else "set"))
    return ", ".join(words)


# ---------------------------------------------------------------- X.509 ---

def subject_public_key(cert_der):
    """The BIT STRING contents (without the unused-bits byte) of the
    certificate's subjectPublicKeyInfo: parsed here, and cross-checked with
    the cryptography module when it is installed."""
    tbs = der_items(der_one(cert_der, 0x30))[0]
    if tbs[0] != 0x30:
        raise ProtocolError("certificate: no tbsCertificate")
    fields = der_items(tbs[1])
    if fields and fields[0][0] == 0xA0:  # version [0] EXPLICIT
        fields = fields[1:]
    # serialNumber, signature, issuer, validity, subject, subjectPublicKeyInfo
    if len(fields) < 6 or fields[5][0] != 0x30:
        raise ProtocolError("certificate: no subjectPublicKeyInfo")
    spki = der_items(fields[5][1])
    if len(spki) != 2 or spki[1][0] != 0x03 or not spki[1][1] or spki[1][1][0] != 0:
        raise ProtocolError("certificate: bad subjectPublicKey BIT STRING")
    mine = spki[1][1][1:]
    try:
        from cryptography import x509
        from cryptography.hazmat.primitives import serialization
    except ImportError:
        return mine, "parsed here (no cryptography module)"
    pub = x509.load_der_x509_certificate(cert_der).public_key()
    spki_der = pub.public_bytes(serialization.Encoding.DER,
                                serialization.PublicFormat.SubjectPublicKeyInfo)
    bits = der_items(der_one(spki_der, 0x30))[1][1]
    if bits[1:] != mine:
        raise ProtocolError("certificate: the cryptography module reads another public key")
    return mine, "%s, same as the cryptography module's" % type(pub).__name__


# ------------------------------------------------------- the transport ----

class Channel:
    """TCP, then TLS over MemoryBIOs, then whole DER TSRequests."""

    def __init__(self, host, port):
        self.sock = socket.create_connection((host, port), timeout=TIMEOUT)
        self.tls = None
        self.plain = b""

    def recv_exact(self, n):
        out = b""
        while len(out) < n:
            b = self.sock.recv(n - len(out))
            if not b:
                raise Refused("the server closed the connection during X.224")
            out += b
        return out

    def x224(self, user):
        cookie = ("Cookie: mstshash=%s\r\n" % user).encode("ascii", "replace")
        # RDP_NEG_REQ: type 1, flags 0, length 8, PROTOCOL_SSL | PROTOCOL_HYBRID
        neg_req = struct.pack("<BBHI", 0x01, 0x00, 8, 0x00000003)
        body = bytes([0xE0, 0, 0, 0, 0, 0]) + cookie + neg_req  # CR, DST-REF, SRC-REF, class 0
        tpdu = bytes([len(body)]) + body
        self.sock.sendall(struct.pack(">BBH", 3, 0, 4 + len(tpdu)) + tpdu)
        hdr = self.recv_exact(4)
        if hdr[0] != 3:
            raise ProtocolError("no TPKT in the server's answer to the Connection Request")
        cc = self.recv_exact(struct.unpack(">H", hdr[2:4])[0] - 4)
        if len(cc) < 2 + 5 + 8 or cc[1] & 0xF0 != 0xD0:
            raise ProtocolError("no X.224 Connection Confirm")
        neg_type, _, _, value = struct.unpack_from("<BBHI", cc, 7)
        if neg_type == 0x03:
            raise Refused("RDP_NEG_FAILURE, failureCode 0x%08X" % value)
        if neg_type != 0x02 or value != 0x00000002:
            raise ProtocolError("the server selected protocol 0x%08X, not PROTOCOL_HYBRID" % value)
        say("X.224 Connection Confirm: PROTOCOL_HYBRID")

    def _flush(self):
        data = self.outgoing.read()
        if data:
            self.sock.sendall(data)

    def _feed(self):
        data = self.sock.recv(65536)
        if not data:
            self.incoming.write_eof()
            return False
        self.incoming.write(data)
        return True

    def start_tls(self):
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        self.incoming, self.outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
        self.tls = ctx.wrap_bio(self.incoming, self.outgoing, server_side=False)
        while True:
            try:
                self.tls.do_handshake()
                break
            except ssl.SSLWantReadError:
                self._flush()
                if not self._feed():
                    raise Refused("the server closed the connection during the TLS handshake")
        self._flush()
        say("TLS: %s, %s" % (self.tls.version(), self.tls.cipher()[0]))
        return self.tls.getpeercert(binary_form=True)

    def send(self, msg):
        self.tls.write(msg)
        self._flush()

    def recv(self):
        while True:
            n = der_complete_len(self.plain)
            if n is not None:
                msg, self.plain = self.plain[:n], self.plain[n:]
                return msg
            try:
                self.plain += self.tls.read(65536)
                continue
            except ssl.SSLWantReadError:
                pass
            except (ssl.SSLZeroReturnError, ssl.SSLEOFError):
                raise Refused("the server closed the TLS session")
            if not self._feed():
                raise Refused("the server closed the connection")

    def finish(self):
        """After authInfo: let the server read it, then wait (a while) for
        it to close the connection, as it does once it has reported."""
        try:
            self.sock.shutdown(socket.SHUT_WR)
            end = TIMEOUT
            while end > 0:
                r, _, _ = select.select([self.sock], [], [], 1.0)
                end -= 1.0
                if r and not self.sock.recv(65536):
                    break
        except OSError:
            pass
        self.sock.close()


# ---------------------------------------------------------------- main ---

def alter_mech_list_mic(tok, how):
    """The client's NegTokenResp re-encoded with its mechListMIC changed
    (flip: the last bit of the first byte; drop: left out)."""
    resp = spnego_resp(tok)
    if "mechListMIC" not in resp:
        raise ProtocolError("no mechListMIC to alter in the client's NegTokenResp")
    fields = []
    if "negState" in resp:
        fields.append(der_ctx(0, der(0x0A, bytes([resp["negState"]]))))
    if "responseToken" in resp:
        fields.append(der_ctx(2, der_octets(resp["responseToken"])))
    if how == "flip":
        mic = bytes([resp["mechListMIC"][0] ^ 1]) + resp["mechListMIC"][1:]
        fields.append(der_ctx(3, der_octets(mic)))
    say("  ATTACK: mechListMIC %s" % ("with one bit flipped" if how == "flip" else "left out"))
    return der(0xA1, der_seq(*fields))


def main(argv):
    alter = None
    args = []
    for a in argv[1:]:
        if a.startswith("--mechlistmic="):
            alter = a.split("=", 1)[1]
        elif a != "--wrong-password-expected":
            args.append(a)
    wrong_expected = "--wrong-password-expected" in argv[1:]
    if len(args) != 5 or alter not in (None, "flip", "drop"):
        sys.stderr.write("usage: %s HOST PORT DOMAIN USER PASSWORD [--wrong-password-expected] "
                         "[--mechlistmic=flip|drop]\n" % PROG)
        return 2
    host, port, domain, user, password = args
    try:
        import gssapi
        import gssapi.raw as gr
    except ImportError as e:
        say("SKIP: no python3-gssapi (%s)" % e)
        return 77
    ntlm = gssapi.OID.from_int_seq(NTLM_OID)
    spnego = gssapi.OID.from_int_seq(SPNEGO_OID)
    if ntlm not in gr.indicate_mechs() or spnego not in gr.indicate_mechs():
        say("SKIP: the GSS library has no NTLM mechanism %s (gss-ntlmssp not registered: "
            "GSS_MECH_CONFIG=%s)" % (NTLM_OID, os.environ.get("GSS_MECH_CONFIG", "(unset)")))
        return 77

    try:
        outcome = run(gssapi, gr, ntlm, spnego, host, int(port), domain, user, password, alter)
    except Refused as e:
        code = e.error_code
        say("REFUSED: %s%s" % (e, "" if code is None else " (TSRequest.errorCode 0x%08X%s)" % (
            code, " STATUS_LOGON_FAILURE" if code == STATUS_LOGON_FAILURE else "")))
        if wrong_expected:
            return 0 if code == STATUS_LOGON_FAILURE else 1
        return 1
    except (ProtocolError, OSError, ssl.SSLError, ValueError) as e:
        say("ERROR: %s: %s" % (type(e).__name__, e))
        return 2
    except gssapi.exceptions.GSSError as e:
        say("ERROR: GSS-API: %s" % e)
        return 2
    if outcome and wrong_expected:
        say("the exchange completed although a refusal was expected")
        return 1
    return 0


def gss_step(ctx, token, gssapi):
    try:
        return ctx.step(token)
    except gssapi.exceptions.GSSError as e:
        raise ProtocolError("gss_init_sec_context: %s" % e)


def run(gssapi, gr, ntlm, spnego, host, port, domain, user, password, alter=None):
    # The SPNEGO credential, with NTLM as the only mechanism it negotiates
    # (an NTLM-only credential is not usable for SPNEGO in MIT's mechglue).
    name = gssapi.Name("%s\\%s" % (domain, user), gssapi.NameType.user)
    cred = gr.acquire_cred_with_password(name, password.encode("utf-8"), usage="initiate",
                                         mechs=[spnego]).creds
    gr.set_neg_mechs(cred, [ntlm])
    F = gssapi.RequirementFlag
    ctx = gssapi.SecurityContext(
        name=gssapi.Name("TERMSRV@localhost", gssapi.NameType.hostbased_service),
        creds=cred, mech=spnego, usage="initiate",
        flags=F.mutual_authentication | F.integrity | F.confidentiality)

    chan = Channel(host, port)
    chan.x224(user)
    cert = chan.start_tls()
    spk, how = subject_public_key(cert)
    say("server certificate: %d bytes, SubjectPublicKey %d bytes (%s)" % (len(cert), len(spk), how))

    def server_says(what):
        req = decode_tsrequest(chan.recv())
        say("server TSRequest version %s: %s" % (req.get("version"), ", ".join(
            k for k in ("negoTokens", "pubKeyAuth", "authInfo", "errorCode") if req.get(k)) or "empty"))
        if "errorCode" in req:
            raise Refused("the server refused %s" % what, req["errorCode"])
        return req

    # Leg 1: SPNEGO NegTokenInit with NTLM NEGOTIATE.
    tok = gss_step(ctx, None, gssapi)
    mechs, mech_token = spnego_init_mechs(tok)
    say("SPNEGO NegTokenInit mechTypes: %s" % " ".join(
        "%s(%s)" % (o.hex(), s) for s, o in mechs))
    if not mechs or mechs[0][0] != NTLM_OID:
        raise ProtocolError("SPNEGO does not offer NTLM first")
    if mech_token is not None:
        say("  mechToken: %s" % ntlm_describe(mech_token))
    chan.send(encode_tsrequest(nego_token=tok))

    nonce = os.urandom(32)
    sent_pub_key_auth = False
    legs = 1
    while True:
        req = server_says("the SPNEGO token of leg %d" % legs)
        legs += 1
        if req["negoTokens"]:
            resp = spnego_resp(req["negoTokens"][0])
            say("  server NegTokenResp: negState %s%s%s%s" % (
                NEG_STATES.get(resp.get("negState"), resp.get("negState")),
                ", supportedMech " + resp["supportedMech"] if "supportedMech" in resp else "",
                ", " + ntlm_describe(resp["responseToken"]) if "responseToken" in resp else "",
                ", mechListMIC %d bytes" % len(resp["mechListMIC"]) if "mechListMIC" in resp else ""))
            tok = gss_step(ctx, req["negoTokens"][0], gssapi)
        else:
            tok = None
        if sent_pub_key_auth:
            break
        if not tok:
            raise ProtocolError("the SPNEGO exchange ended before pubKeyAuth could be sent")
        resp = spnego_resp(tok)
        say("  client NegTokenResp: negState %s%s, mechListMIC %s; context %s" % (
            NEG_STATES.get(resp.get("negState"), resp.get("negState")),
            ", " + ntlm_describe(resp["responseToken"]) if "responseToken" in resp else "",
            "%d bytes" % len(resp["mechListMIC"]) if "mechListMIC" in resp else "absent",
            "complete" if ctx.complete else "not complete yet (SPNEGO waits for the acceptor's answer)"))
        if alter is not None and "mechListMIC" in resp:
            tok = alter_mech_list_mic(tok, alter)
        pub_key_auth = None
        try:
            pub_key_auth = ctx.wrap(hashlib.sha256(CLIENT_MAGIC + nonce + spk).digest(), True)
        except gssapi.exceptions.GSSError as e:
            say("  gss_wrap not possible yet (%s): the token alone" % e)
        if pub_key_auth is not None:
            if not pub_key_auth.encrypted:
                raise ProtocolError("gss_wrap did not encrypt pubKeyAuth")
            say("  pubKeyAuth: %d bytes (NTLM signature %s...)" % (
                len(pub_key_auth.message), pub_key_auth.message[:16].hex()))
            chan.send(encode_tsrequest(nego_token=tok, pub_key_auth=pub_key_auth.message,
                                       client_nonce=nonce))
            sent_pub_key_auth = True
        else:
            chan.send(encode_tsrequest(nego_token=tok))

    if not ctx.complete:
        raise ProtocolError("the SPNEGO context is not complete after the server's pubKeyAuth")
    if "pubKeyAuth" not in req:
        raise ProtocolError("the server sent no pubKeyAuth")
    try:
        got = ctx.unwrap(req["pubKeyAuth"])
    except gssapi.exceptions.GSSError as e:
        raise ProtocolError("the server's pubKeyAuth does not unwrap: %s" % e)
    if got.message != hashlib.sha256(SERVER_MAGIC + nonce + spk).digest():
        raise ProtocolError("the server's pubKeyAuth is not SHA256(Server-To-Client hash, nonce, "
                            "SubjectPublicKey)")
    say("server pubKeyAuth verified (Server-To-Client Binding Hash)")

    auth_info = ctx.wrap(ts_credentials(domain, user, password), True).message
    chan.send(encode_tsrequest(auth_info=auth_info))
    say("authInfo sent: TSPasswordCreds %s\\%s, %d bytes" % (domain, user, len(auth_info)))
    chan.finish()
    say("CredSSP exchange complete")
    return True


if __name__ == "__main__":
    sys.exit(main(sys.argv))
