#!/bin/sh
# tests/tool-sspi-shim.sh - the sspi-shim(1) command against a throwaway
# realm: `packages` lists the packages; `check` passes with a good keytab
# and the default ccache or a password; each failure class it diagnoses is
# provoked for real and must give its exit status, its SECURITY_STATUS and
# its sentence: no ccache, wrong SPN, no keytab, a keytab without the SPN,
# a keytab with only the old key version, clock skew and an expired ticket
# (under faketime, when installed), KDC stopped, a wrong password;
# `client` and `server` talk to sspi-demo-server / sspi-demo-client over
# TCP, and a refusal there exits 1 on both sides; `http-client` passes
# Negotiate with examples/sspi-http-server and exits 1 when it refuses.
#
# Exit: 0 pass, 1 fail, 77 skip (no KDC), 99 hard error.
set -u

me=tool-sspi-shim
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
# shellcheck source=tests/testlib.sh
if [ -r "$top_srcdir/tests/testlib.sh" ]; then . "$top_srcdir/tests/testlib.sh"; else echo "$me: ERROR: no $top_srcdir/tests/testlib.sh" >&2; exit 99; fi
REALM=${DEMO_REALM:-CLI.SSPI.TEST}

tool=$top_builddir/tools/sspi-shim
demo_client=$top_builddir/examples/sspi-demo-client
demo_server=$top_builddir/examples/sspi-demo-server
httpd=$top_builddir/examples/sspi-http-server
need_built "$tool" "$demo_client" "$demo_server" "$httpd"
need_kdc
make_tmp sspi-tool

# run_tool ARGS...: the tool (behind $wrap, a command prefix, if set)'s stdout in $tmp/out, stderr in $tmp/err,
# exit status in $status; both shown, for the log.
wrap=
run_tool() {
    # shellcheck disable=SC2086 # $wrap is a command prefix or nothing
    $wrap "$tool" "$@" >"$tmp/out" 2>"$tmp/err"
    status=$?
    sed 's/^/   out| /' "$tmp/out"
    sed 's/^/   err| /' "$tmp/err"
}

# expect_failure CASE EXIT STATUS-NAME CAUSE-TEXT ARGS...: the tool, run
# with ARGS, exits EXIT and its diagnosis names STATUS-NAME and has
# CAUSE-TEXT in its cause line.
expect_failure() {
    ef_case=$1 ef_exit=$2 ef_status=$3 ef_cause=$4
    shift 4
    say ""
    say "== $ef_case: sspi-shim $*"
    run_tool "$@"
    [ "$status" -eq "$ef_exit" ] || fail "$ef_case: exit $status, expected $ef_exit"
    grep -q "^sspi-shim: FAILED: .* returned $ef_status (0x" "$tmp/err" ||
        fail "$ef_case: the diagnosis does not name $ef_status"
    grep "^  cause: " "$tmp/err" | grep -qF -- "$ef_cause" ||
        fail "$ef_case: the cause line does not say '$ef_cause'"
    grep -q "^  do: " "$tmp/err" || fail "$ef_case: no 'do:' line"
    say "   ok: exit $ef_exit, $ef_status, '$ef_cause'"
}

# expect_ok CASE ARGS...: `check` authenticates and the acceptor saw alice.
expect_ok() {
    eo_case=$1
    shift
    say ""
    say "== $eo_case: sspi-shim $*"
    run_tool "$@"
    [ "$status" -eq 0 ] || fail "$eo_case: exit $status"
    alice=$(account_name alice)
    grep -qF "sspi-shim: OK: " "$tmp/out" || fail "$eo_case: no OK line"
    grep -qF "accepted $alice" "$tmp/out" || fail "$eo_case: the acceptor did not see $alice"
    grep -Eq "client principal: +alice@$REALM\$" "$tmp/out" ||
        fail "$eo_case: no client principal alice@$REALM"
    grep -qF "VerifySignature (server): OK" "$tmp/out" || fail "$eo_case: no signature round trip"
    grep -qF "DecryptMessage (client): OK" "$tmp/out" || fail "$eo_case: no encryption round trip"
    grep -q "ISC_RET_MUTUAL_AUTH" "$tmp/out" || fail "$eo_case: no mutual authentication"
    say "   ok: $alice accepted, signature and encryption round trips"
}

# expect_greeting LOG CLIENT: the client's LOG shows the server's
# "hello <alice's account name>".
expect_greeting() {
    grep "server says:" "$1" | grep -qF "hello $(account_name alice)" ||
        fail "$2 did not get the server's greeting for $(account_name alice)"
    say "   ok: $2 authenticated and greeted"
}

# rotate_http_key FILE: a new random key (kvno + 1) for HTTP/localhost in
# the KDC, and that key alone exported to FILE.
rotate_http_key() {
    d=$SSPI_REALM_DIR
    if [ "$SSPI_KDC_FLAVOUR" = mit ]; then
        mit() { KRB5_CONFIG=$d/krb5.conf KRB5_KDC_PROFILE=$d/kdc.conf \
                    "${MIT_KADMIN_LOCAL:-kadmin.local}" -r "$REALM" -q "$1"; }
        mit "cpw -randkey HTTP/localhost" && mit "ktadd -k $1 -norandkey HTTP/localhost"
    else
        heim() { KRB5_CONFIG=$d/kdc.conf "${HEIMDAL_KADMIN:-kadmin.heimdal}" -l \
                     --config-file="$d/kdc.conf" "$@"; }
        heim cpw --random-key HTTP/localhost && heim ext_keytab --keytab="$1" HTTP/localhost
    fi
}

# ------------------------------------------------------------ no realm needed
say "== packages"
run_tool packages
[ "$status" -eq 0 ] || fail "packages: exit $status"
for p in Negotiate Kerberos NTLM WDigest CREDSSP; do
    grep -q "^$p " "$tmp/out" || fail "packages: $p is not listed"
done
grep -E "^Kerberos " "$tmp/out" | grep -q "MUTUAL_AUTH" ||
    fail "packages: Kerberos without its MUTUAL_AUTH capability"
run_tool packages -v
grep -q "SECPKG_FLAG_DELEGATION  *0x00020000" "$tmp/out" ||
    fail "packages -v: no SECPKG_FLAG_DELEGATION line with its value"

say ""
say "== usage errors exit 2"
for args in "" "check" "frobnicate" "check --spn" "check --spn HTTP/x --bogus" \
            "client --target HTTP/x" "check --spn HTTP/x --password pw"; do
    # shellcheck disable=SC2086 # the words are the arguments
    run_tool $args
    [ "$status" -eq 2 ] || fail "usage: 'sspi-shim $args' exited $status, expected 2"
done
say "   ok"

# ------------------------------------------------------------ the realm
start_realm
say ""
say "== a throwaway realm $REALM, KDC port $SSPI_KDC_PORT"

expect_failure "no credential cache" 1 SEC_E_NO_CREDENTIALS "has no Kerberos ticket" \
    check --spn HTTP/localhost
grep -qF "run kinit" "$tmp/err" || fail "no credential cache: the advice is not 'run kinit'"

printf '%s\n' "$ALICE_PASSWORD" >"$tmp/alice.pw"
expect_ok "password identity" check --spn HTTP/localhost --user "alice@$REALM" \
    --password-file "$tmp/alice.pw"
# NTLM: on Heimdal its acceptor verifies through the KDC's digest service
# (host/<this host> in the realm's keytab, docs/ntlm.md); the MIT build's
# NTLM is gss-ntlmssp, with a user file of its own: not this test's.
if [ "$SSPI_KDC_FLAVOUR" = heimdal ]; then
    say ""
    say "== NTLM, password identity $(account_name alice)"
    run_tool check --package NTLM --spn HTTP/localhost --user "$(account_name alice)" \
        --password-file "$tmp/alice.pw"
    [ "$status" -eq 0 ] || fail "NTLM check: exit $status"
    grep -qF "sspi-shim: OK: HTTP/localhost accepted $(account_name alice)" "$tmp/out" ||
        fail "NTLM check: the acceptor did not see $(account_name alice)"
    grep -qF "DecryptMessage (client): OK" "$tmp/out" || fail "NTLM check: no encryption round trip"
    say "   ok"
fi
expect_failure "wrong password" 1 SEC_E_LOGON_DENIED "refused the user's password" \
    check --spn HTTP/localhost --user "alice@$REALM" --password not-the-password

kinit_alice
expect_ok "default ccache, Negotiate" check --spn HTTP/localhost
expect_ok "default ccache, Kerberos, --keytab" check --package Kerberos --spn HTTP/localhost \
    --keytab "$SSPI_REALM_DIR/service.keytab"

expect_failure "wrong SPN" 1 SEC_E_TARGET_UNKNOWN \
    "the KDC does not know the service principal HTTP/nosuch.localhost" \
    check --spn HTTP/nosuch.localhost
expect_failure "no keytab" 1 SEC_E_NO_CREDENTIALS "the acceptor found no usable key" \
    check --spn HTTP/localhost --keytab "$tmp/none.keytab"
: >"$tmp/empty.keytab"
expect_failure "empty keytab" 1 SEC_E_NO_CREDENTIALS "the acceptor found no usable key" \
    check --spn HTTP/localhost --keytab "$tmp/empty.keytab"

# A keytab that holds another service's key only.
if [ "$SSPI_KDC_FLAVOUR" = mit ]; then
    KRB5_CONFIG=$SSPI_REALM_DIR/krb5.conf KRB5_KDC_PROFILE=$SSPI_REALM_DIR/kdc.conf \
        "${MIT_KADMIN_LOCAL:-kadmin.local}" -r "$REALM" \
        -q "ktadd -k $tmp/host-only.keytab -norandkey host/localhost" >/dev/null 2>&1
else
    KRB5_CONFIG=$SSPI_REALM_DIR/kdc.conf "${HEIMDAL_KADMIN:-kadmin.heimdal}" -l \
        --config-file="$SSPI_REALM_DIR/kdc.conf" ext_keytab --keytab="$tmp/host-only.keytab" \
        host/localhost
fi
[ -s "$tmp/host-only.keytab" ] || hard "could not write a keytab with host/localhost only"
expect_failure "keytab without the SPN" 1 SEC_E_WRONG_PRINCIPAL \
    "the keytab has no key that decrypts the client's ticket for HTTP/localhost" \
    check --spn HTTP/localhost --keytab "$tmp/host-only.keytab"

# ------------------------------------------------------------ over TCP
say ""
say "== server: sspi-shim server, client: sspi-demo-client"
spawn_server "sspi-shim server" server "$tmp/server.log" \
    "$tool" server --port 0 --port-file "$tmp/port" --once
"$demo_client" --target HTTP/localhost --port "$port" --mutual >"$tmp/client.log" 2>&1
client_status=$?
wait_server
sed 's/^/   client| /' "$tmp/client.log"
sed 's/^/   server| /' "$tmp/server.log"
[ "$client_status" -eq 0 ] || fail "sspi-demo-client against sspi-shim server: exit $client_status"
[ "$server_status" -eq 0 ] || fail "sspi-shim server --once: exit $server_status"
expect_greeting "$tmp/client.log" "sspi-demo-client"

say ""
say "== client: sspi-shim client, server: sspi-demo-server"
spawn_server "sspi-demo-server" server "$tmp/server.log" \
    "$demo_server" --port-file "$tmp/port" --once
run_tool client --target HTTP/localhost "127.0.0.1:$port"
wait_server
sed 's/^/   server| /' "$tmp/server.log"
[ "$status" -eq 0 ] || fail "sspi-shim client against sspi-demo-server: exit $status"
[ "$server_status" -eq 0 ] || fail "sspi-demo-server --once: exit $server_status"
expect_greeting "$tmp/out" "sspi-shim client"

say ""
say "== refused over TCP: sspi-shim server with a keytab without HTTP/localhost"
spawn_server "sspi-shim server" server "$tmp/server.log" \
    "$tool" server --package Kerberos --port 0 --port-file "$tmp/port" --once \
    --keytab "$tmp/host-only.keytab"
run_tool client --package Kerberos --target HTTP/localhost "127.0.0.1:$port"
wait_server
sed 's/^/   server| /' "$tmp/server.log"
[ "$status" -eq 1 ] || fail "refused client: exit $status, expected 1"
grep -qF "the server ended the handshake" "$tmp/err" ||
    fail "refused client: does not say that the server ended the handshake"
[ "$server_status" -eq 1 ] || fail "refusing server: exit $server_status, expected 1"
grep -q "returned SEC_E_WRONG_PRINCIPAL (0x80090322)" "$tmp/server.log" ||
    fail "refusing server: no SEC_E_WRONG_PRINCIPAL diagnosis"
say "   ok: the server diagnosed SEC_E_WRONG_PRINCIPAL, the client exited 1"

say ""
say "== http-client against examples/sspi-http-server (RFC 4559 Negotiate)"
spawn_server "sspi-http-server" server "$tmp/server.log" \
    "$httpd" --port-file "$tmp/port" --count 2
run_tool http-client "http://localhost:$port/"
wait_server
sed 's/^/   server| /' "$tmp/server.log"
[ "$status" -eq 0 ] || fail "http-client: exit $status"
[ "$server_status" -eq 0 ] || fail "sspi-http-server --count 2: exit $server_status"
grep "server says:" "$tmp/out" | grep -qF "authenticated as $(account_name alice)" ||
    fail "http-client: the server did not authenticate $(account_name alice)"
grep -Eq "mutual auth: +yes" "$tmp/out" ||
    fail "http-client: the server's final token did not complete mutual authentication"
say "   ok: 200, $(account_name alice), mutual authentication"

say ""
say "== http-client refused: sspi-http-server with a keytab without HTTP/localhost"
spawn_server "sspi-http-server" server "$tmp/server.log" \
    env KRB5_KTNAME="FILE:$tmp/host-only.keytab" "$httpd" --port-file "$tmp/port" --count 2
run_tool http-client "http://localhost:$port/"
wait_server
sed 's/^/   server| /' "$tmp/server.log"
[ "$status" -eq 1 ] || fail "refused http-client: exit $status, expected 1"
grep -q "^sspi-shim: FAILED: the server answered 403" "$tmp/err" ||
    fail "refused http-client: does not report the server's 403"
say "   ok: exit 1 on the server's 403"

# ------------------------------------------------------------ clock skew
# The tool's clock an hour ahead of the KDC's: libfaketime preloaded into
# the tool alone (the KDC keeps the real time).  host/localhost: no ticket
# for it is cached, so the tool must ask the KDC.
if command -v faketime >/dev/null 2>&1; then
    wrap="faketime -f +1h"
    expect_failure "clock skew (+1 hour)" 1 SEC_E_TIME_SKEW "allowed skew" \
        check --spn host/localhost
    # Two days on, alice's one-day ticket has expired.
    wrap="faketime -f +2d"
    expect_failure "expired ticket (+2 days)" 1 SEC_E_CONTEXT_EXPIRED \
        "the ticket in the credential cache has expired" check --spn HTTP/localhost
    wrap=
else
    say ""
    say "== clock skew: SKIPPED (no faketime; Debian: apt-get install faketime)"
fi

# ------------------------------------------------------------ key rotation
# The KDC gets a new key for HTTP/localhost (kvno + 1); a new ticket is
# for that key, which the old keytab lacks.  A fresh TGT and cache, so no
# ticket for the old key is cached.
cp "$SSPI_REALM_DIR/service.keytab" "$tmp/old.keytab"
rotate_http_key "$tmp/new.keytab" >"$tmp/rotate.log" 2>&1 ||
    { cat "$tmp/rotate.log" >&2; hard "could not rotate the key of HTTP/localhost"; }
rm -f "${KRB5CCNAME#FILE:}"
kinit_alice
expect_failure "keytab with only the old kvno" 1 SEC_E_WRONG_PRINCIPAL \
    "only an old key version is in it" \
    check --spn HTTP/localhost --keytab "$tmp/old.keytab"
if [ "$SSPI_KDC_FLAVOUR" != mit ]; then
    grep -q "^  needed: the key of HTTP/localhost@$REALM(kvno 2)" "$tmp/err" ||
        fail "old kvno: the diagnosis does not say the ticket needs kvno 2"
fi
expect_ok "keytab with the new kvno" check --spn HTTP/localhost --keytab "$tmp/new.keytab"

# ------------------------------------------------------------ KDC stopped
"$mkrealm" --stop "$SSPI_REALM_DIR" >/dev/null 2>&1 || hard "could not stop the KDC"
expect_failure "KDC stopped" 1 SEC_E_NO_AUTHENTICATING_AUTHORITY \
    "no KDC of the realm could be reached" \
    check --spn host/localhost --keytab "$tmp/new.keytab"
# The ticket for HTTP/localhost is in the cache: no KDC needed.
expect_ok "KDC stopped, ticket cached" check --spn HTTP/localhost --keytab "$tmp/new.keytab"

say ""
say "$me: PASS"
exit 0
