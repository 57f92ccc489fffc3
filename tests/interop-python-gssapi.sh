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
# Heimdal KDC), 99 hard error.
set -u

me=interop-python-gssapi
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir}
REALM=${DEMO_REALM:-PY.SSPI.TEST}
TARGET=HTTP/localhost

client=$top_builddir/examples/sspi-demo-client
acceptor=$top_srcdir/tests/py_gssapi_acceptor.py
mkrealm=$top_srcdir/tools/mkrealm.sh

say()  { printf '%s\n' "$*"; }
fail() { printf '%s: FAIL: %s\n' "$me" "$*" >&2; exit 1; }
skip() { printf '%s: SKIP: %s\n' "$me" "$*"; exit 77; }
hard() { printf '%s: ERROR: %s\n' "$me" "$*" >&2; exit 99; }

[ -x "$client" ] || hard "$client is not built (run make first)"
[ -f "$acceptor" ] || hard "$acceptor is missing"
[ -x "$mkrealm" ] || hard "$mkrealm is missing or not executable"
# The KDC: configure's HEIMDAL_KDC, else where Debian puts it (mkrealm.sh
# looks in the same places).
if [ -n "${HEIMDAL_KDC:-}" ]; then
    [ -x "$HEIMDAL_KDC" ] ||
        skip "the Heimdal KDC ($HEIMDAL_KDC) is not installed (Debian: apt-get install heimdal-kdc)"
elif [ ! -x /usr/lib/heimdal-servers/kdc ] && ! command -v kdc >/dev/null 2>&1; then
    skip "no Heimdal KDC found (Debian: apt-get install heimdal-kdc)"
fi

# The python3 that configure found may be one without Debian's modules (a
# pyenv or venv interpreter); python3-gssapi lives in the system python3.
py=
for cand in "${PYTHON3:-}" /usr/bin/python3 python3; do
    [ -n "$cand" ] || continue
    if "$cand" -c 'import gssapi' >/dev/null 2>&1; then
        py=$cand
        break
    fi
done
[ -n "$py" ] || skip "no python3 with the gssapi module (Debian: apt-get install python3-gssapi)"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/sspi-pygss.XXXXXX") || hard "mktemp failed"
acceptor_pid=
# shellcheck disable=SC2317 # called from the EXIT trap
cleanup() {
    if [ -n "$acceptor_pid" ]; then
        kill "$acceptor_pid" 2>/dev/null
        wait "$acceptor_pid" 2>/dev/null
    fi
    if [ -f "$tmp/realm/env.sh" ]; then
        "$mkrealm" --stop "$tmp/realm" >/dev/null 2>&1
    fi
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' HUP INT TERM

say "== a throwaway realm $REALM; acceptor: $py $acceptor"
if ! "$mkrealm" "$tmp/realm" "$REALM" >"$tmp/mkrealm.log" 2>&1; then
    cat "$tmp/mkrealm.log" >&2
    fail "tools/mkrealm.sh could not start the realm"
fi
# shellcheck disable=SC1091 # written by mkrealm.sh at run time
. "$tmp/realm/env.sh"
ALICE_PASSWORD=$(awk -v u="alice@$REALM" '$1 == u { print $2 }' "$tmp/realm/passwords")
[ -n "$ALICE_PASSWORD" ] || fail "no password for alice@$REALM in $tmp/realm/passwords"

# run_case NAME PACKAGE CLIENT-ARGS...
run_case() {
    name=$1 pkg=$2
    shift 2
    alog=$tmp/acceptor.log clog=$tmp/client.log
    say ""
    say "== $pkg, $name"
    rm -f "$tmp/port"
    "$py" "$acceptor" --port-file "$tmp/port" >"$alog" 2>&1 &
    acceptor_pid=$!
    n=0
    while [ ! -s "$tmp/port" ]; do
        if ! kill -0 "$acceptor_pid" 2>/dev/null; then
            wait "$acceptor_pid" 2>/dev/null
            acceptor_pid=
            sed 's/^/   python| /' "$alog" >&2
            fail "the python acceptor exited before listening"
        fi
        n=$((n + 1))
        [ "$n" -le 200 ] || fail "the python acceptor did not write its port file in 20 s"
        sleep 0.1
    done
    port=$(cat "$tmp/port")

    "$client" --package "$pkg" --target "$TARGET" --port "$port" --mutual "$@" >"$clog" 2>&1
    client_status=$?
    n=0
    while kill -0 "$acceptor_pid" 2>/dev/null && [ "$n" -le 300 ]; do
        n=$((n + 1))
        sleep 0.1
    done
    kill "$acceptor_pid" 2>/dev/null
    wait "$acceptor_pid"
    acceptor_status=$?
    acceptor_pid=
    sed 's/^/   client| /' "$clog"
    sed 's/^/   python| /' "$alog"
    [ "$client_status" -eq 0 ] || fail "$pkg/$name: sspi-demo-client exited $client_status"
    [ "$acceptor_status" -eq 0 ] || fail "$pkg/$name: the python acceptor exited $acceptor_status"
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

# Heimdal's kinit (configure's HEIMDAL_KINIT, else the one mkrealm.sh found).
kinit_prog=${HEIMDAL_KINIT:-}
[ -n "$kinit_prog" ] || kinit_prog=${SSPI_KINIT:-}
[ -n "$kinit_prog" ] || fail "no kinit found (Debian: apt-get install heimdal-clients)"
printf '%s\n' "$ALICE_PASSWORD" >"$tmp/alice.pw"
if ! "$kinit_prog" --password-file="$tmp/alice.pw" "alice@$REALM" >"$tmp/kinit.log" 2>&1; then
    cat "$tmp/kinit.log" >&2
    fail "kinit alice@$REALM failed"
fi
rm -f "$tmp/alice.pw"
for pkg in Kerberos Negotiate; do
    run_case "default credentials (kinit), W entry points" "$pkg" --wide
done

say ""
say "$me: PASS"
exit 0
