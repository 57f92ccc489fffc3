#!/bin/sh
# tests/interop-curl-negotiate.sh - curl --negotiate (MIT libgssapi_krb5)
# against examples/sspi-http-server (the shim's AcceptSecurityContext).
#
#   1. a request without credentials gets 401 and "WWW-Authenticate: Negotiate";
#   2. after kinit alice into the realm's ccache, `curl --negotiate -u :` gets
#      200 "authenticated as CURL\alice (alice@CURL.SSPI.TEST)" (the
#      account name and the principal), and the 200 carries the final
#      SPNEGO token (mutual authentication, RFC 4559 section 5), which curl
#      checks.
#
# Exit: 0 pass, 1 fail, 77 skip (curl without GSS-API, or no Heimdal KDC),
# 99 hard error.
set -u

me=interop-curl-negotiate
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir}
REALM=${DEMO_REALM:-CURL.SSPI.TEST}
# SECPKG_ATTR_NAMES of alice@REALM: "CURL\alice" (gss_map/account_name.h).
ACCOUNT="$(printf '%s' "${REALM%%.*}" | tr '[:lower:]' '[:upper:]')\\alice"

httpd=$top_builddir/examples/sspi-http-server
mkrealm=$top_srcdir/tools/mkrealm.sh

say()  { printf '%s\n' "$*"; }
fail() { printf '%s: FAIL: %s\n' "$me" "$*" >&2; exit 1; }
skip() { printf '%s: SKIP: %s\n' "$me" "$*"; exit 77; }
hard() { printf '%s: ERROR: %s\n' "$me" "$*" >&2; exit 99; }

[ -x "$httpd" ] || hard "$httpd is not built (run make first)"
[ -x "$mkrealm" ] || hard "$mkrealm is missing or not executable"
# The KDC: configure's HEIMDAL_KDC, else where Debian puts it (mkrealm.sh
# looks in the same places).
if [ -n "${HEIMDAL_KDC:-}" ]; then
    [ -x "$HEIMDAL_KDC" ] ||
        skip "the Heimdal KDC ($HEIMDAL_KDC) is not installed (Debian: apt-get install heimdal-kdc)"
elif [ ! -x /usr/lib/heimdal-servers/kdc ] && ! command -v kdc >/dev/null 2>&1; then
    skip "no Heimdal KDC found (Debian: apt-get install heimdal-kdc)"
fi

curl_prog=${CURL:-}
[ -n "$curl_prog" ] || curl_prog=$(command -v curl || true)
[ -n "$curl_prog" ] ||
    hard "curl not found (configure did not find it; Debian: apt-get install curl)"
if ! "$curl_prog" -V 2>/dev/null | grep -Eq '^Features:.* (GSS-API|SPNEGO)( |$)'; then
    skip "$curl_prog was built without GSS-API/SPNEGO support (see: curl -V, Features)"
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/sspi-curl.XXXXXX") || hard "mktemp failed"
server_pid=
# shellcheck disable=SC2317 # called from the EXIT trap
cleanup() {
    if [ -n "$server_pid" ]; then
        kill "$server_pid" 2>/dev/null
        wait "$server_pid" 2>/dev/null
    fi
    if [ -f "$tmp/realm/env.sh" ]; then
        "$mkrealm" --stop "$tmp/realm" >/dev/null 2>&1
    fi
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' HUP INT TERM

say "== a throwaway realm $REALM"
if ! "$mkrealm" "$tmp/realm" "$REALM" >"$tmp/mkrealm.log" 2>&1; then
    cat "$tmp/mkrealm.log" >&2
    fail "tools/mkrealm.sh could not start the realm"
fi
# shellcheck disable=SC1091 # written by mkrealm.sh at run time
. "$tmp/realm/env.sh"
ALICE_PASSWORD=$(awk -v u="alice@$REALM" '$1 == u { print $2 }' "$tmp/realm/passwords")
[ -n "$ALICE_PASSWORD" ] || fail "no password for alice@$REALM in $tmp/realm/passwords"

say "== sspi-http-server (AcceptSecurityContext, Negotiate)"
"$httpd" --port-file "$tmp/port" --count 3 >"$tmp/server.log" 2>&1 &
server_pid=$!
n=0
while [ ! -s "$tmp/port" ]; do
    if ! kill -0 "$server_pid" 2>/dev/null; then
        wait "$server_pid" 2>/dev/null
        server_pid=
        sed 's/^/   server| /' "$tmp/server.log" >&2
        fail "sspi-http-server exited before listening"
    fi
    n=$((n + 1))
    [ "$n" -le 200 ] || fail "sspi-http-server did not write its port file in 20 s"
    sleep 0.1
done
port=$(cat "$tmp/port")
url=http://localhost:$port/
say "   listening: $url"

show_server_log() { sed 's/^/   server| /' "$tmp/server.log"; }

# 1. No credentials: 401 with the bare challenge.
say ""
say "== without credentials: \$ curl $url"
code=$("$curl_prog" -4 -sS --max-time 30 -D "$tmp/h1" -o "$tmp/b1" -w '%{http_code}' "$url") ||
    { show_server_log; fail "curl failed without credentials"; }
sed 's/^/   | /' "$tmp/h1"
[ "$code" = 401 ] || { show_server_log; fail "expected 401 without credentials, got $code"; }
tr -d '\r' <"$tmp/h1" | grep -Eiq '^WWW-Authenticate: Negotiate$' ||
    fail "the 401 has no bare 'WWW-Authenticate: Negotiate' challenge"
say "   ok: 401 with WWW-Authenticate: Negotiate"

# 2. kinit alice (Heimdal kinit, into the realm's ccache), then curl uses it
# through MIT's libgssapi_krb5 (KRB5CCNAME and KRB5_CONFIG come from env.sh).
say ""
say "== kinit alice@$REALM, then \$ curl --negotiate -u : $url"
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

code=$("$curl_prog" -4 -sS --max-time 30 --negotiate -u : -D "$tmp/h2" -o "$tmp/b2" \
           -w '%{http_code}' "$url" 2>"$tmp/curl.err")
curl_status=$?
sed 's/^/   | /' "$tmp/h2"
sed 's/^/   body| /' "$tmp/b2"
show_server_log
if [ "$curl_status" -ne 0 ]; then
    cat "$tmp/curl.err" >&2
    fail "curl --negotiate exited $curl_status"
fi
[ "$code" = 200 ] || fail "expected 200 with Negotiate, got $code"
grep -Fxq "authenticated as $ACCOUNT (alice@$REALM)" "$tmp/b2" ||
    fail "the body is not 'authenticated as $ACCOUNT (alice@$REALM)'"
# The final token (the AP-REP inside SPNEGO accept-completed) on the 200.
tr -d '\r' <"$tmp/h2" | grep -Eiq '^WWW-Authenticate: Negotiate [A-Za-z0-9+/]+=*$' ||
    fail "the 200 carries no final Negotiate token (mutual authentication)"
grep -Fq "200 authenticated as $ACCOUNT (alice@$REALM)" "$tmp/server.log" ||
    fail "the server log does not show alice@$REALM"
say "   ok: 200, authenticated as $ACCOUNT (alice@$REALM), with the final token"

say ""
say "$me: PASS"
exit 0
