#!/bin/sh
# tests/interop-python-wrap.sh - the shim's message protection against a
# GSS-API peer that is neither the shim nor Heimdal: tests/py_gssapi_wrap.py
# (python3-gssapi on MIT's libgssapi_krb5) as the acceptor,
# tests/sspi-wrap-client (plain SSPI calls) as the initiator.
#
# For Kerberos and Negotiate, with a password identity for alice:
#  - EncryptMessage output sent as TOKEN | DATA (the WinRM framing, the
#    RFC 4121 trailer rotated into the token: RRC 28 for AES) is taken by
#    MIT's gss_unwrap; MIT's gss_wrap answer (RRC 0) is decrypted by
#    DecryptMessage through SECBUFFER_STREAM; at several sizes, with
#    several DATA buffers, with SECQOP_WRAP_NO_ENCRYPT (pfQOP checked) and
#    with a SECBUFFER_READONLY_WITH_CHECKSUM buffer as gss_unwrap_aead's
#    associated data;
#  - MakeSignature's token is checked by gss_verify_mic, and gss_get_mic's
#    by VerifySignature.
# The client checks every answer; the script also checks that the python
# side saw the rotated layout (RRC 28) and produced its own (RRC 0).
#
# Exit: 0 pass, 1 fail, 77 skip (no python3 with the gssapi module, or no
# Heimdal KDC), 99 hard error.
set -u

me=interop-python-wrap
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
# shellcheck source=tests/testlib.sh
if [ -r "$top_srcdir/tests/testlib.sh" ]; then . "$top_srcdir/tests/testlib.sh"; else echo "$me: ERROR: no $top_srcdir/tests/testlib.sh" >&2; exit 99; fi
REALM=${DEMO_REALM:-WRAP.SSPI.TEST}
TARGET=HTTP/localhost

client=$top_builddir/tests/sspi-wrap-client
peer=$top_srcdir/tests/py_gssapi_wrap.py

need_built "$client"
[ -f "$peer" ] || hard "$peer is missing"
need_kdc

# python3-gssapi with its AEAD extension.
need_python_gssapi 'import gssapi, gssapi.raw; gssapi.raw.unwrap_aead'

make_tmp sspi-pywrap

say "== a throwaway realm $REALM; peer: $py $peer"
start_realm

for pkg in Kerberos Negotiate; do
    plog=$tmp/peer.log clog=$tmp/client.log
    say ""
    say "== $pkg"
    spawn_server "the python peer" python "$plog" "$py" "$peer" --port-file "$tmp/port"
    "$client" --package "$pkg" --target "$TARGET" --port "$port" \
        --user "alice@$REALM" --password "$ALICE_PASSWORD" >"$clog" 2>&1
    client_status=$?
    wait_server
    sed 's/^/   client| /' "$clog"
    sed 's/^/   python| /' "$plog"
    [ "$client_status" -eq 0 ] || fail "$pkg: sspi-wrap-client exited $client_status"
    [ "$server_status" -eq 0 ] || fail "$pkg: the python peer exited $server_status"
    grep -q "every message checked out" "$clog" ||
        fail "$pkg: the client did not finish its messages"
    grep -q "done: 14 requests checked" "$plog" ||
        fail "$pkg: the python peer did not check all 14 requests"
    # The shim's tokens: the whole RFC 4121 header with the trailer rotated
    # in, as Windows sends them; MIT's own: RRC 0.
    grep -q "client wrap token: TOK_ID 0504 flags 0x.. (sealed) EC 0 RRC 28, " "$plog" ||
        fail "$pkg: the shim's sealed tokens are not rotated (RRC 28)"
    grep -q "client wrap token: TOK_ID 0504 flags 0x.. (integrity only) EC 12 RRC 12, " "$plog" ||
        fail "$pkg: the shim's integrity-only tokens are not rotated (RRC 12)"
    grep -q "own wrap token: TOK_ID 0504 flags 0x.. (sealed) EC 0 RRC 0, " "$plog" ||
        fail "$pkg: the python side's gss_wrap did not give an RRC 0 token"
    say "   ok: MIT's gss_unwrap/gss_verify_mic took the shim's messages; DecryptMessage/VerifySignature took MIT's"
done

say ""
say "$me: PASS"
exit 0
