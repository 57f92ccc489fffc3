#!/bin/sh
# tests/interop-freerdp-credssp.sh - FreeRDP 2 (xfreerdp, a CredSSP client we
# did not write) logs on to examples/sspi-rdp-server, whose
# AcceptSecurityContext runs the "CREDSSP" package (docs/credssp.md):
#
#   1. `xfreerdp /sec:nla +auth-only` with alice's password: X.224 with
#      PROTOCOL_HYBRID, TLS, TSRequests with raw NTLM inside, pubKeyAuth,
#      the delegated password; the server must print
#      "CredSSP OK user=DOMAIN\alice delegated=DOMAIN\alice password-matches=yes";
#   2. a wrong password: the server must refuse with SEC_E_LOGON_DENIED (and
#      xfreerdp must get TSRequest.errorCode STATUS_LOGON_FAILURE) and
#      print no "CredSSP OK".
#
# xfreerdp exits non-zero either way (+auth-only stops after NLA, and this
# server stops there too), so success is judged from the server's output.
# It runs under a private Xvfb display.
#
# The NTLM user store, DOMAIN:USER:PASSWORD lines: MIT build, gss-ntlmssp
# (registered by tests/with-gss-mechs) with NTLM_USER_FILE; Heimdal build,
# the CredSSP mechanism's own NTLMv2 acceptor (mechs/credssp/ntlm_server.c)
# with SSPI_SHIM_CREDSSP_NTLM_USER_FILE.
#
# Exit: 0 pass, 1 fail, 77 skip (no xfreerdp / Xvfb, no NTLM mechanism for
# the flavour), 99 hard error.
set -u

me=interop-freerdp-credssp
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
# shellcheck source=tests/testlib.sh
if [ -r "$top_srcdir/tests/testlib.sh" ]; then . "$top_srcdir/tests/testlib.sh"; else echo "$me: ERROR: no $top_srcdir/tests/testlib.sh" >&2; exit 99; fi
REALM=${DEMO_REALM:-RDP.SSPI.TEST}

rdpd=$top_builddir/examples/sspi-rdp-server
need_built "$rdpd"
xfreerdp=$(command -v xfreerdp || true)
[ -n "$xfreerdp" ] || skip "xfreerdp not found (Debian: apt-get install freerdp2-x11)"
xvfb=$(command -v Xvfb || true)
[ -n "$xvfb" ] || skip "Xvfb not found (Debian: apt-get install xvfb)"
need_gss_mechs

make_tmp sspi-freerdp
password=alice-Secret-1
domain=RDPDOM
xvfb_pid=
# The EXIT trap of make_tmp, and Xvfb's end.
trap 'if [ -n "$xvfb_pid" ]; then kill "$xvfb_pid" 2>/dev/null; wait "$xvfb_pid" 2>/dev/null; fi; cleanup' EXIT

case ${GSS_FLAVOUR:-heimdal} in
mit)
    # tests/with-gss-mechs registers gss-ntlmssp when configure found it.
    ntlmssp=$(sed -n 's/^GSSNTLMSSP = //p' "$top_builddir/Makefile" 2>/dev/null)
    [ -n "$ntlmssp" ] && [ -r "$ntlmssp" ] ||
        skip "no gss-ntlmssp for the MIT build (Debian: apt-get install gss-ntlmssp, then configure)"
    say "== NTLM users for gss-ntlmssp: $tmp/users"
    printf '%s:alice:%s\n' "$domain" "$password" >"$tmp/users"
    NTLM_USER_FILE=$tmp/users
    export NTLM_USER_FILE
    ;;
*)
    # Heimdal's own NTLM acceptor cannot unseal FreeRDP's pubKeyAuth (its
    # KDC's digest service decrypts the NTLMv2 key exchange with the wrong
    # key: docs/credssp.md), so the CredSSP mechanism runs its own NTLMv2
    # acceptor, which reads the same file format as gss-ntlmssp.
    say "== NTLM users for the CredSSP mechanism's NTLM acceptor: $tmp/users"
    printf '%s:alice:%s\n' "$domain" "$password" >"$tmp/users"
    SSPI_SHIM_CREDSSP_NTLM_USER_FILE=$tmp/users
    export SSPI_SHIM_CREDSSP_NTLM_USER_FILE
    ;;
esac
printf '%s\n' "$password" >"$tmp/expected"

say "== Xvfb (xfreerdp needs a display even with +auth-only)"
# One Xvfb test at a time: two servers started together by a parallel
# `make check` were seen to hand out a display the other then closed.
exec 9>"${TMPDIR:-/tmp}/sspi-shim-xvfb.lock"
flock -w 300 9 || hard "another Xvfb test held the lock for 5 minutes"
start_xvfb
say "   DISPLAY=$DISPLAY"

# run_once LABEL PASSWORD: the server for one client, xfreerdp against it;
# the server's output in $tmp/LABEL.log, its status in server_status.
run_once() {
    spawn_server sspi-rdp-server "$1" "$tmp/$1.log" \
        "$with_mechs" "$rdpd" --port-file "$tmp/port" --expect-password-file "$tmp/expected"
    say "   \$ xfreerdp /v:127.0.0.1:$port /u:alice /d:$domain /p:*** /sec:nla /cert:ignore +auth-only"
    tls_tap "$1"  # tools/capture-corpus.sh: its TSRequests as fuzz seeds
    timeout 60 env ${tls_tap:+"$tls_tap"} "$xfreerdp" "/v:127.0.0.1:$port" /u:alice \
        "/d:$domain" "/p:$2" /sec:nla /cert:ignore +auth-only >"$tmp/$1.xfreerdp.log" 2>&1
    say "   xfreerdp exit status $? (non-zero is expected: it wants a whole RDP session)"
    wait_server
    sed "s/^/   $1| /" "$tmp/$1.log"
}

say ""
say "== right password"
run_once good "$password"
want="CredSSP OK user=$domain\\\\alice delegated=$domain\\\\alice password-matches=yes"
if [ "$server_status" -ne 0 ] || ! grep -qx "$want" "$tmp/good.log"; then
    sed 's/^/   xfreerdp| /' "$tmp/good.xfreerdp.log" >&2
    fail "the server did not print '$want' (exit $server_status)"
fi
say "   ok: the server saw alice log on and delegate the right password"

say ""
say "== wrong password"
run_once bad "wrong-$password"
grep -q 'CredSSP OK' "$tmp/bad.log" && fail "the server accepted a wrong password"
[ "$server_status" -ne 0 ] || fail "the server exited 0 for a wrong password"
grep -q 'AcceptSecurityContext failed: SEC_E_LOGON_DENIED' "$tmp/bad.log" ||
    fail "the server did not refuse the wrong password with SEC_E_LOGON_DENIED"
say "   ok: SEC_E_LOGON_DENIED"
# The refusal reaches the client as TSRequest.errorCode (MS-CSSP 3.1.5),
# which FreeRDP reports as the NTSTATUS a Windows server sends.
if ! grep -q 'received NTSTATUS: STATUS_LOGON_FAILURE \[0xC000006D\]' "$tmp/bad.xfreerdp.log"; then
    sed 's/^/   xfreerdp| /' "$tmp/bad.xfreerdp.log" >&2
    fail "xfreerdp did not get errorCode STATUS_LOGON_FAILURE from the server"
fi
say "   ok: xfreerdp got errorCode STATUS_LOGON_FAILURE"

say ""
say "$me: PASS"
exit 0
