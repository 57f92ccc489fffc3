#!/usr/bin/python3
"""NTLM CHALLENGE messages made by gss-ntlmssp (an NTLM implementation we
did not write), for the fuzz-ntlm seeds; run by tools/capture-corpus.sh.

    ntlm-challenges.py OUTDIR

gss-ntlmssp is loaded into MIT's mechglue (libgssapi_krb5, through
ctypes; python3-gssapi is not needed) with GSS_MECH_CONFIG naming only it,
and a throwaway NTLM_USER_FILE.  For a few request-flag combinations its
initiator makes a NEGOTIATE, its acceptor answers with the CHALLENGE
written to OUTDIR, and the initiator's AUTHENTICATE is checked to be
accepted, so every CHALLENGE kept is one a real exchange succeeded with.
Exit 77 when gss-ntlmssp or MIT's libgssapi_krb5 is missing.
"""
import ctypes
import glob
import hashlib
import os
import sys
import tempfile

NTLM_OID = bytes.fromhex("2b06010401823702020a")      # 1.3.6.1.4.1.311.2.2.10
USER_NAME_OID = bytes.fromhex("2a864886f71201020101")  # GSS_C_NT_USER_NAME
HOSTBASED_OID = bytes.fromhex("2a864886f71201020104")  # GSS_C_NT_HOSTBASED_SERVICE
CONTINUE_NEEDED = 1
INITIATE, ACCEPT = 1, 2
DELEG, MUTUAL, REPLAY, SEQUENCE, CONF, INTEG, ANON = 1, 2, 4, 8, 16, 32, 64
DCE_STYLE = 0x1000


class Oid(ctypes.Structure):
    _fields_ = [("length", ctypes.c_uint32), ("elements", ctypes.c_char_p)]


class Buffer(ctypes.Structure):
    _fields_ = [("length", ctypes.c_size_t), ("value", ctypes.c_void_p)]


class OidSet(ctypes.Structure):
    _fields_ = [("count", ctypes.c_size_t), ("elements", ctypes.POINTER(Oid))]


def oid(b):
    return Oid(len(b), b)


def main():
    outdir = sys.argv[1]
    so = glob.glob("/usr/lib/*/gssntlmssp/gssntlmssp.so")
    if not so:
        print("ntlm-challenges: no gss-ntlmssp (Debian: apt-get install gss-ntlmssp)")
        return 77
    tmp = tempfile.mkdtemp(prefix="ntlm-challenges.")
    with open(os.path.join(tmp, "mech"), "w") as f:
        f.write("gssntlmssp_v1 1.3.6.1.4.1.311.2.2.10 %s\n" % so[0])
    with open(os.path.join(tmp, "users"), "w") as f:
        f.write("CAPTURE:alice:Capture-pw-1\n")
    os.environ["GSS_MECH_CONFIG"] = os.path.join(tmp, "mech")
    os.environ["NTLM_USER_FILE"] = os.path.join(tmp, "users")
    try:
        g = ctypes.CDLL("libgssapi_krb5.so.2")
    except OSError:
        print("ntlm-challenges: no MIT libgssapi_krb5.so.2")
        return 77
    u32 = ctypes.c_uint32
    minor = u32()
    ntlm = oid(NTLM_OID)
    mechs = OidSet(1, ctypes.pointer(ntlm))

    def name(text, kind):
        n = ctypes.c_void_p()
        b = Buffer(len(text), ctypes.cast(ctypes.c_char_p(text), ctypes.c_void_p))
        t = oid(kind)
        if g.gss_import_name(ctypes.byref(minor), ctypes.byref(b), ctypes.byref(t),
                             ctypes.byref(n)) != 0:
            raise SystemExit("gss_import_name(%r) failed" % text)
        return n

    user = name(b"CAPTURE\\alice", USER_NAME_OID)
    target = name(b"HTTP@localhost", HOSTBASED_OID)
    icred, acred = ctypes.c_void_p(), ctypes.c_void_p()
    # alice's password comes from NTLM_USER_FILE, as for the acceptor.
    if g.gss_acquire_cred(ctypes.byref(minor), user, 0, ctypes.byref(mechs), INITIATE,
                          ctypes.byref(icred), None, None) != 0:
        raise SystemExit("gss_acquire_cred(INITIATE) failed (minor %d)" % minor.value)
    if g.gss_acquire_cred(ctypes.byref(minor), None, 0, ctypes.byref(mechs), ACCEPT,
                          ctypes.byref(acred), None, None) != 0:
        raise SystemExit("gss_acquire_cred(ACCEPT) failed (minor %d)" % minor.value)

    os.makedirs(outdir, exist_ok=True)
    kept = 0
    for flags in (0, MUTUAL | INTEG, MUTUAL | CONF | INTEG | REPLAY | SEQUENCE,
                  CONF | INTEG | DCE_STYLE, ANON, DELEG | MUTUAL | CONF | INTEG):
        ictx, actx = ctypes.c_void_p(), ctypes.c_void_p()
        tok = Buffer()
        major = g.gss_init_sec_context(ctypes.byref(minor), icred, ctypes.byref(ictx), target,
                                       ctypes.byref(ntlm), flags, 0, None, None, None,
                                       ctypes.byref(tok), None, None)
        if major not in (0, CONTINUE_NEEDED) or tok.length == 0:
            print("ntlm-challenges: flags 0x%x: no NEGOTIATE (0x%x/%d)" % (flags, major, minor.value))
            continue
        challenge = Buffer()
        major = g.gss_accept_sec_context(ctypes.byref(minor), ctypes.byref(actx), acred,
                                         ctypes.byref(tok), None, None, None,
                                         ctypes.byref(challenge), None, None, None)
        g.gss_release_buffer(ctypes.byref(minor), ctypes.byref(tok))
        if major != CONTINUE_NEEDED or challenge.length == 0:
            print("ntlm-challenges: flags 0x%x: no CHALLENGE (0x%x/%d)" % (flags, major, minor.value))
            continue
        data = ctypes.string_at(challenge.value, challenge.length)
        auth = Buffer()
        major = g.gss_init_sec_context(ctypes.byref(minor), icred, ctypes.byref(ictx), target,
                                       ctypes.byref(ntlm), flags, 0, None,
                                       ctypes.byref(challenge), None, ctypes.byref(auth), None,
                                       None)
        final = Buffer()
        amajor = g.gss_accept_sec_context(ctypes.byref(minor), ctypes.byref(actx), acred,
                                          ctypes.byref(auth), None, None, None,
                                          ctypes.byref(final), None, None, None)
        for b in (challenge, auth, final):
            g.gss_release_buffer(ctypes.byref(minor), ctypes.byref(b))
        for c in (ictx, actx):
            g.gss_delete_sec_context(ctypes.byref(minor), ctypes.byref(c), None)
        if major != 0 or amajor != 0:
            print("ntlm-challenges: flags 0x%x: the exchange failed (0x%x, 0x%x): not kept"
                  % (flags, major, amajor))
            continue
        path = os.path.join(outdir, "gssntlmssp-" + hashlib.sha1(data).hexdigest()[:16])
        with open(path, "wb") as f:
            f.write(data)
        kept += 1
    print("ntlm: %d CHALLENGE(s) from gss-ntlmssp" % kept)
    for f in os.listdir(tmp):
        os.unlink(os.path.join(tmp, f))
    os.rmdir(tmp)
    return 0 if kept else 1


if __name__ == "__main__":
    sys.exit(main())
