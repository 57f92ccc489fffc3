#!/bin/sh
# tests/demo.sh - the demo's realm + server + client part, as an automake test.
#
# Starts a throwaway realm (tools/mkrealm.sh: Heimdal's or MIT's KDC) and, for each package
# (Kerberos and Negotiate; DEMO_PACKAGES overrides), runs
# examples/sspi-demo-server --once and examples/sspi-demo-client over
# loopback TCP:
#   1. with a password identity (SEC_WINNT_AUTH_IDENTITY_A) for alice,
#   2. the same through the W entry points (SEC_WINNT_AUTH_IDENTITY_W, --wide),
#   3. with the default credentials, after kinit into the realm's ccache,
# and asserts that the server saw alice@REALM, that the client got its
# greeting, and that mutual authentication completed (--mutual).
# The server reports the client as SECPKG_ATTR_NAMES ("DEMO\alice", the
# Windows account name) and SECPKG_ATTR_NATIVE_NAMES (alice@DEMO.SSPI.TEST).  Then
# CredSSP (Kerberos inside) and NTLM (DEMO\alice; no mutual authentication)
# with a password identity, and a wrong password must fail with
# SEC_E_LOGON_DENIED, printed by name.
#
# Uses the binaries already built in $top_builddir: no apt, no build.
# tools/demo.sh runs this script after building; its output is the demo.
#
# Exit: 0 pass, 1 fail, 77 skip (no KDC), 99 hard error.
set -u

me=demo
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
# The shared setup (say/fail/skip/hard, the realm, the server); 99 if missing.
# shellcheck source=tests/testlib.sh
if [ -r "$top_srcdir/tests/testlib.sh" ]; then . "$top_srcdir/tests/testlib.sh"; else echo "$me: ERROR: no $top_srcdir/tests/testlib.sh" >&2; exit 99; fi
REALM=${DEMO_REALM:-DEMO.SSPI.TEST}
PACKAGES=${DEMO_PACKAGES:-Kerberos Negotiate}
TARGET=HTTP/localhost
# What SECPKG_ATTR_NAMES gives for alice@REALM: "DOMAIN\alice", DOMAIN being
# the realm's first label, as Windows' Kerberos reports an AD account
# (gss_map/account_name.h).  SECPKG_ATTR_NATIVE_NAMES gives alice@REALM.
ACCOUNT=$(account_name alice)

server=$top_builddir/examples/sspi-demo-server
client=$top_builddir/examples/sspi-demo-client

need_built "$server" "$client"
need_kdc
make_tmp sspi-demo

# ---------------------------------------------------------------- the realm
say "== a throwaway realm $REALM in $tmp/realm"
start_realm
say "   KRB5_CONFIG=$KRB5_CONFIG"
say "   KRB5_KTNAME=$KRB5_KTNAME"
say "   KRB5CCNAME=$KRB5CCNAME"

# ---------------------------------------------------------------- helpers

# start_server PACKAGE LOG: sspi-demo-server --once in the background;
# sets server_pid and port.
# RUN: a prefix for both programs (tests/with-gss-mechs for the packages
# on our own mechanisms), empty otherwise.
RUN=
start_server() {
    spawn_server "sspi-demo-server --package $1" server "$2" \
        $RUN "$server" --package "$1" --port-file "$tmp/port" --once
}

# has_line FILE "label: value": FILE has that line, whatever the indentation
# and padding (compared as fixed strings: names hold backslashes).
has_line() {
    sed -e 's/^ *//' -e 's/:  */: /' "$1" | grep -Fxq -- "$2"
}

# run_case NAME PACKAGE CLIENT-ARGS...: one authentication, all assertions.
run_case() {
    name=$1 pkg=$2
    shift 2
    slog=$tmp/server.log clog=$tmp/client.log
    say ""
    say "== $pkg, $name"
    start_server "$pkg" "$slog"
    say "   \$ sspi-demo-client --package $pkg --target $TARGET --port $port $*" |
        sed 's/--password [^ ]*/--password ****/'
    $RUN "$client" --package "$pkg" --target "$TARGET" --port "$port" --mutual "$@" \
        >"$clog" 2>&1
    client_status=$?
    wait_server
    sed 's/^/   client| /' "$clog"
    sed 's/^/   server| /' "$slog"
    [ "$client_status" -eq 0 ] || fail "$pkg/$name: sspi-demo-client exited $client_status"
    [ "$server_status" -eq 0 ] || fail "$pkg/$name: sspi-demo-server exited $server_status"
    has_line "$slog" "client name: $ACCOUNT" ||
        fail "$pkg/$name: the server did not report client name $ACCOUNT (SECPKG_ATTR_NAMES)"
    has_line "$slog" "client principal: alice@$REALM" ||
        fail "$pkg/$name: the server did not report client principal alice@$REALM" \
             "(SECPKG_ATTR_NATIVE_NAMES)"
    has_line "$clog" "server says: hello $ACCOUNT" ||
        fail "$pkg/$name: the client did not get 'hello $ACCOUNT'"
    grep -Eq "mutual auth: +yes" "$clog" ||
        fail "$pkg/$name: mutual authentication did not complete"
    say "   ok: the server saw $ACCOUNT (alice@$REALM)"
}

# ---------------------------------------------------------------- the runs
for pkg in $PACKAGES; do
    run_case "password identity (AcquireCredentialsHandleA)" "$pkg" \
        --user "alice@$REALM" --password "$ALICE_PASSWORD"
    run_case "password identity (W entry points, UTF-16)" "$pkg" \
        --user "alice@$REALM" --password "$ALICE_PASSWORD" --wide
done

# The default credentials: what kinit put in KRB5CCNAME (the realm's own
# ccache, never the user's).
say ""
say "== kinit alice@$REALM into $KRB5CCNAME"
kinit_alice

for pkg in $PACKAGES; do
    run_case "default credentials (the kinit ccache)" "$pkg"
done

# CredSSP: TLS, then the same Kerberos logon inside SPNEGO, bound to the TLS
# key; our CredSSP mechanism is registered for each program by
# tests/with-gss-mechs (skipped, saying why, where that cannot work).
with_mechs=$top_builddir/tests/with-gss-mechs
if [ -x "$with_mechs" ] && wm_out=$("$with_mechs" true 2>&1); then
    RUN=$with_mechs
    run_case "password identity, TLS + SPNEGO inside" CredSSP \
        --user "alice@$REALM" --password "$ALICE_PASSWORD"
    RUN=
    PACKAGES="$PACKAGES CredSSP"
else
    say ""
    say "== CredSSP skipped: tests/with-gss-mechs cannot register our mechanism here: $wm_out"
fi

# NTLM: the GSS library's own NTLM mechanism (MIT: gss-ntlmssp, registered
# for the two programs alone, with a user file; Heimdal: its built-in NTLM,
# whose acceptor verifies through this realm's KDC digest service).  The
# domain is the realm's first label.  NTLM never authenticates the server,
# so no --mutual: the client must say "mutual auth: no".
ntlm_domain=$(printf '%s' "${REALM%%.*}" | tr '[:lower:]' '[:upper:]')
ntlm_skip=
if [ "${GSS_FLAVOUR:-heimdal}" = mit ]; then
    ntlmssp=
    for f in /usr/lib/*/gssntlmssp/gssntlmssp.so; do [ -r "$f" ] && ntlmssp=$f; done
    if [ -n "$ntlmssp" ]; then
        printf 'gssntlmssp_v1 1.3.6.1.4.1.311.2.2.10 %s\n' "$ntlmssp" >"$tmp/ntlm-mech"
        printf '%s:alice:%s\n' "$ntlm_domain" "$ALICE_PASSWORD" >"$tmp/ntlm-users"
        RUN="env GSS_MECH_CONFIG=$tmp/ntlm-mech NTLM_USER_FILE=$tmp/ntlm-users"
    else
        ntlm_skip="no gss-ntlmssp (Debian: apt-get install gss-ntlmssp)"
    fi
fi
if [ -z "$ntlm_skip" ]; then
    slog=$tmp/server.log clog=$tmp/client.log
    say ""
    say "== NTLM, password identity $ntlm_domain\\alice"
    start_server NTLM "$slog"
    say "   \$ sspi-demo-client --package NTLM --target $TARGET --port $port --user '$ntlm_domain\\alice' --password ****"
    $RUN "$client" --package NTLM --target "$TARGET" --port "$port" \
        --user "$ntlm_domain\\alice" --password "$ALICE_PASSWORD" >"$clog" 2>&1
    client_status=$?
    wait_server
    sed 's/^/   client| /' "$clog"
    sed 's/^/   server| /' "$slog"
    [ "$client_status" -eq 0 ] || fail "NTLM: sspi-demo-client exited $client_status"
    [ "$server_status" -eq 0 ] || fail "NTLM: sspi-demo-server exited $server_status"
    has_line "$slog" "client name: $ntlm_domain\\alice" ||
        fail "NTLM: the server did not report client name $ntlm_domain\\alice"
    has_line "$clog" "server says: hello $ntlm_domain\\alice" ||
        fail "NTLM: the client did not get 'hello $ntlm_domain\\alice'"
    grep -Eq "mutual auth: +no" "$clog" || fail "NTLM: the client claims mutual authentication"
    say "   ok: the server saw $ntlm_domain\\alice (no mutual authentication: NTLM)"
    RUN=
    PACKAGES="$PACKAGES NTLM"
else
    say ""
    say "== NTLM skipped: $ntlm_skip"
fi

# ---------------------------------------------------------------- an error
say ""
say "== a wrong password must fail, with the status by name"
start_server Kerberos "$tmp/server.log"
"$client" --package Kerberos --target "$TARGET" --port "$port" \
    --user "alice@$REALM" --password not-the-password >"$tmp/client.log" 2>&1
client_status=$?
kill "$server_pid" 2>/dev/null
wait "$server_pid" 2>/dev/null
server_pid=
sed 's/^/   client| /' "$tmp/client.log"
[ "$client_status" -eq 1 ] || fail "a wrong password gave exit status $client_status, not 1"
grep -q "SEC_E_LOGON_DENIED (0x8009030C)" "$tmp/client.log" ||
    fail "a wrong password was not reported as SEC_E_LOGON_DENIED (0x8009030C)"
say "   ok: SEC_E_LOGON_DENIED"

say ""
say "$me: PASS (packages: $PACKAGES)"
exit 0
