#!/bin/sh
# tests/interop-python-gssapi.sh - the shim as initiator against a GSS-API
# acceptor that is neither the shim nor Heimdal: tests/py_gssapi_acceptor.py
# (python3-gssapi on MIT's libgssapi_krb5), speaking the demo's framing.
#
# For Kerberos (a framed krb5 token) and Negotiate (a SPNEGO token; the
# acceptor reports the OID of the first token), examples/sspi-demo-client
# --mutual with a password identity for alice, then with the default
# credentials after kinit and the W entry points; asserts that the Python
# side saw alice@REALM and that the client completed mutual authentication
# (ISC_RET_MUTUAL_AUTH) and got its greeting.
#
# Exit: 0 pass, 1 fail, 77 skip (no python3 with the gssapi module, or no
# KDC), 99 hard error.
set -u

me=interop-python-gssapi
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
# The shared setup (say/fail/skip/hard, the realm, the server); 99 if missing.
# shellcheck source=tests/testlib.sh
if [ -r "$top_srcdir/tests/testlib.sh" ]; then . "$top_srcdir/tests/testlib.sh"; else echo "$me: ERROR: no $top_srcdir/tests/testlib.sh" >&2; exit 99; fi
REALM=${DEMO_REALM:-PY.SSPI.TEST}
TARGET=HTTP/localhost

client=$top_builddir/examples/sspi-demo-client
acceptor=$top_srcdir/tests/py_gssapi_acceptor.py

need_built "$client"
[ -f "$acceptor" ] || hard "$acceptor is missing"
need_kdc

need_python_gssapi

make_tmp sspi-pygss

say "== a throwaway realm $REALM; acceptor: $py $acceptor"
start_realm

# run_case NAME PACKAGE CLIENT-ARGS...
run_case() {
    name=$1 pkg=$2
    shift 2
    alog=$tmp/acceptor.log clog=$tmp/client.log
    say ""
    say "== $pkg, $name"
    spawn_server "the python acceptor" python "$alog" \
        "$py" "$acceptor" --port-file "$tmp/port"

    "$client" --package "$pkg" --target "$TARGET" --port "$port" --mutual "$@" >"$clog" 2>&1
    client_status=$?
    wait_server
    sed 's/^/   client| /' "$clog"
    sed 's/^/   python| /' "$alog"
    [ "$client_status" -eq 0 ] || fail "$pkg/$name: sspi-demo-client exited $client_status"
    [ "$server_status" -eq 0 ] || fail "$pkg/$name: the python acceptor exited $server_status"
    grep -Eq "client name: +alice@$REALM\$" "$alog" ||
        fail "$pkg/$name: the python acceptor did not see alice@$REALM"
    grep -Eq "mutual auth: +yes" "$clog" ||
        fail "$pkg/$name: the client did not complete mutual authentication"
    grep -Eq "server says: +hello alice@$REALM\$" "$clog" ||
        fail "$pkg/$name: the client did not get 'hello alice@$REALM'"
    case $pkg in
    Kerberos) want="Kerberos V5 (krb5) (1.2.840.113554.1.2.2)" ;;
    Negotiate) want="SPNEGO (1.3.6.1.5.5.2)" ;;
    *) want= ;;
    esac
    if [ -n "$want" ]; then
        grep -Fq "first token:     $want" "$alog" ||
            fail "$pkg/$name: the client's first token is not a $want token"
    fi
    say "   ok: python-gssapi saw alice@$REALM; mutual authentication completed"
}

for pkg in Kerberos Negotiate; do
    run_case "password identity" "$pkg" --user "alice@$REALM" --password "$ALICE_PASSWORD"
done

kinit_alice
for pkg in Kerberos Negotiate; do
    run_case "default credentials (kinit), W entry points" "$pkg" --wide
done

say ""
say "$me: PASS"
exit 0
