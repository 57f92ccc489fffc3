#!/bin/sh
# tests/interop-credssp-spnego-ntlm.sh - a CredSSP client whose inner tokens
# are SPNEGO with NTLM inside (what Windows' mstsc and FreeRDP 3 send when
# Kerberos cannot be used) logs on to examples/sspi-rdp-server, whose
# AcceptSecurityContext runs the "CREDSSP" package (docs/credssp.md).
#
# The client, tests/credssp_spnego_ntlm_client.py, only frames: X.224 with
# PROTOCOL_HYBRID, TLS, TSRequests (version 6, clientNonce, pubKeyAuth,
# TSPasswordCreds).  The SPNEGO NegTokenInit / NegTokenResp, the NTLMSSP
# messages, the mechListMIC and the wrap / unwrap are python3-gssapi's on
# MIT's libgssapi_krb5 with gss-ntlmssp, libraries we did not write
# (registered for the client alone with GSS_MECH_CONFIG):
#
#   1. alice's password: the server must print
#      "CredSSP OK user=DOMAIN\alice delegated=DOMAIN\alice password-matches=yes"
#      and the client must have verified the server's pubKeyAuth;
#   2. a wrong password: the server must refuse with SEC_E_LOGON_DENIED,
#      print no "CredSSP OK", and the client must get TSRequest.errorCode
#      STATUS_LOGON_FAILURE;
#   3. the client's mechListMIC with a bit flipped, then left out: refused
#      with SEC_E_LOGON_DENIED, then SEC_E_INVALID_TOKEN.
#
# The NTLM user store, DOMAIN:USER:PASSWORD lines: MIT build, gss-ntlmssp
# (registered for the server by tests/with-gss-mechs) with NTLM_USER_FILE;
# Heimdal build, the CredSSP mechanism's own NTLMv2 acceptor
# (mechs/credssp/ntlm_server.c) with SSPI_SHIM_CREDSSP_NTLM_USER_FILE.
#
# Exit: 0 pass, 1 fail, 77 skip (no python3 with the gssapi module, no
# gss-ntlmssp for the client), 99 hard error.
set -u

me=interop-credssp-spnego-ntlm
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
# shellcheck source=tests/testlib.sh
if [ -r "$top_srcdir/tests/testlib.sh" ]; then . "$top_srcdir/tests/testlib.sh"; else echo "$me: ERROR: no $top_srcdir/tests/testlib.sh" >&2; exit 99; fi

rdpd=$top_builddir/examples/sspi-rdp-server
client=$top_srcdir/tests/credssp_spnego_ntlm_client.py
need_built "$rdpd"
[ -f "$client" ] || hard "$client is missing"

need_python_gssapi

# gss-ntlmssp for the client's MIT library, whatever the build's flavour
# (configure looks for it in the MIT build only).
ntlmssp=$(sed -n 's/^GSSNTLMSSP = //p' "$top_builddir/Makefile" 2>/dev/null)
if [ -z "$ntlmssp" ] || [ ! -r "$ntlmssp" ]; then
    ntlmssp=
    for f in /usr/lib/*/gssntlmssp/gssntlmssp.so /usr/lib64/gssntlmssp/gssntlmssp.so; do
        [ -r "$f" ] && ntlmssp=$f && break
    done
fi
[ -n "$ntlmssp" ] || skip "no gss-ntlmssp for the python client (Debian: apt-get install gss-ntlmssp)"
need_gss_mechs

make_tmp sspi-credssp-spnego-ntlm
password=alice-Secret-1
domain=RDPDOM

# The client's mechanisms: gss-ntlmssp alone (make check sets
# GSS_MECH_CONFIG=/dev/null, so the machine's /etc/gss/mech.d is not read).
printf 'gssntlmssp_v1 1.3.6.1.4.1.311.2.2.10 %s\n' "$ntlmssp" >"$tmp/client-mech"
say "== the client: $py with gss-ntlmssp $ntlmssp"

printf '%s:alice:%s\n' "$domain" "$password" >"$tmp/users"
case ${GSS_FLAVOUR:-heimdal} in
mit)
    say "== NTLM users for the server's gss-ntlmssp: $tmp/users"
    NTLM_USER_FILE=$tmp/users
    export NTLM_USER_FILE
    ;;
*)
    say "== NTLM users for the CredSSP mechanism's NTLM acceptor: $tmp/users"
    SSPI_SHIM_CREDSSP_NTLM_USER_FILE=$tmp/users
    export SSPI_SHIM_CREDSSP_NTLM_USER_FILE
    ;;
esac
printf '%s\n' "$password" >"$tmp/expected"

# run_once LABEL PASSWORD [CLIENT-OPTION]: the server for one client, the
# python client against it; the server's output in $tmp/LABEL.log, its
# status in server_status; the client's in $tmp/LABEL.client.log and
# client_status.
run_once() {
    spawn_server sspi-rdp-server "$1" "$tmp/$1.log" \
        "$with_mechs" "$rdpd" --port-file "$tmp/port" --expect-password-file "$tmp/expected"
    say "   \$ credssp_spnego_ntlm_client.py 127.0.0.1 $port $domain alice *** ${3:-}"
    tls_tap "$1"  # tools/capture-corpus.sh: its TSRequests as fuzz seeds
    timeout 60 env ${tls_tap:+"$tls_tap"} GSS_MECH_CONFIG="$tmp/client-mech" \
        "$py" "$client" 127.0.0.1 "$port" "$domain" alice "$2" ${3:+"$3"} \
        >"$tmp/$1.client.log" 2>&1
    client_status=$?
    if [ "$client_status" -eq 77 ]; then
        stop_server
        sed 's/^/   client| /' "$tmp/$1.client.log"
        skip "the python client cannot run SPNEGO with NTLM here"
    fi
    wait_server
    sed "s/^/   client| /" "$tmp/$1.client.log"
    say "   client exit status $client_status"
    sed "s/^/   $1| /" "$tmp/$1.log"
}

say ""
say "== right password"
run_once good "$password"
want="CredSSP OK user=$domain\\\\alice delegated=$domain\\\\alice password-matches=yes"
if [ "$server_status" -ne 0 ] || ! grep -qx "$want" "$tmp/good.log"; then
    fail "the server did not print '$want' (exit $server_status)"
fi
[ "$client_status" -eq 0 ] ||
    fail "the client did not complete CredSSP (exit $client_status; the server's pubKeyAuth?)"
grep -q 'mechTypes: 2b06010401823702020a' "$tmp/good.client.log" ||
    fail "the client's SPNEGO did not offer NTLM (1.3.6.1.4.1.311.2.2.10)"
say "   ok: SPNEGO offered NTLM; the server saw alice log on and delegate the right password;"
say "       the client verified the server's pubKeyAuth"

say ""
say "== wrong password"
run_once bad "wrong-$password" --wrong-password-expected
grep -q 'CredSSP OK' "$tmp/bad.log" && fail "the server accepted a wrong password"
[ "$server_status" -ne 0 ] || fail "the server exited 0 for a wrong password"
grep -q 'AcceptSecurityContext failed: SEC_E_LOGON_DENIED' "$tmp/bad.log" ||
    fail "the server did not refuse the wrong password with SEC_E_LOGON_DENIED"
say "   ok: SEC_E_LOGON_DENIED"
# The refusal reaches the client as TSRequest.errorCode (MS-CSSP 3.1.5);
# with --wrong-password-expected the client exits 0 only for
# STATUS_LOGON_FAILURE.
if [ "$client_status" -ne 0 ] || ! grep -q 'errorCode 0xC000006D' "$tmp/bad.client.log"; then
    fail "the client did not get errorCode STATUS_LOGON_FAILURE from the server (exit $client_status)"
fi
say "   ok: the client got errorCode STATUS_LOGON_FAILURE"

# The acceptor's SPNEGO under attack: the mechListMIC is what keeps a man
# in the middle from rewriting the client's mechanism list.  A MIC that
# does not verify is a refused logon (SEC_E_LOGON_DENIED, errorCode sent);
# a missing one after an AUTHENTICATE with NTLM's own MIC breaks [MS-SPNG]
# 3.3.5.1 and is a bad token (SEC_E_INVALID_TOKEN, no answer).  The
# Heimdal build's acceptor is ours (mechs/credssp), the MIT build's is
# MIT's SPNEGO with gss-ntlmssp: both answer so (measured 2026-12-07).
for attack in flip drop; do
    say ""
    say "== mechListMIC: $attack"
    run_once "mic-$attack" "$password" "--mechlistmic=$attack"
    grep -q 'ATTACK: mechListMIC' "$tmp/mic-$attack.client.log" ||
        fail "the client did not alter the mechListMIC"
    grep -q 'CredSSP OK' "$tmp/mic-$attack.log" && fail "the server accepted an altered mechListMIC ($attack)"
    [ "$server_status" -ne 0 ] || fail "the server exited 0 for an altered mechListMIC ($attack)"
    [ "$client_status" -ne 0 ] || fail "the client completed CredSSP with an altered mechListMIC"
    case $attack in
    flip) want_status=SEC_E_LOGON_DENIED ;;
    drop) want_status=SEC_E_INVALID_TOKEN ;;
    esac
    grep -q "AcceptSecurityContext failed: $want_status" "$tmp/mic-$attack.log" ||
        fail "the server did not refuse the altered mechListMIC ($attack) with $want_status"
    say "   ok: $want_status"
done

say ""
say "$me: PASS"
exit 0
