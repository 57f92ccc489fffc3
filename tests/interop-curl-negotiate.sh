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
# Exit: 0 pass, 1 fail, 77 skip (curl without GSS-API, or no KDC),
# 99 hard error.
set -u

me=interop-curl-negotiate
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
# The shared setup (say/fail/skip/hard, the realm, the server); 99 if missing.
# shellcheck source=tests/testlib.sh
if [ -r "$top_srcdir/tests/testlib.sh" ]; then . "$top_srcdir/tests/testlib.sh"; else echo "$me: ERROR: no $top_srcdir/tests/testlib.sh" >&2; exit 99; fi
REALM=${DEMO_REALM:-CURL.SSPI.TEST}
# SECPKG_ATTR_NAMES of alice@REALM: "CURL\alice" (gss_map/account_name.h).
ACCOUNT=$(account_name alice)

httpd=$top_builddir/examples/sspi-http-server

need_built "$httpd"
need_kdc

curl_prog=${CURL:-}
[ -n "$curl_prog" ] || curl_prog=$(command -v curl || true)
[ -n "$curl_prog" ] ||
    hard "curl not found (configure did not find it; Debian: apt-get install curl)"
if ! "$curl_prog" -V 2>/dev/null | grep -Eq '^Features:.* (GSS-API|SPNEGO)( |$)'; then
    skip "$curl_prog was built without GSS-API/SPNEGO support (see: curl -V, Features)"
fi

make_tmp sspi-curl

say "== a throwaway realm $REALM"
start_realm

say "== sspi-http-server (AcceptSecurityContext, Negotiate)"
spawn_server sspi-http-server server "$tmp/server.log" \
    "$httpd" --port-file "$tmp/port" --count 3
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

# 2. kinit alice (the realm's kinit, into its ccache), then curl uses it
# through MIT's libgssapi_krb5 (KRB5CCNAME and KRB5_CONFIG come from env.sh).
say ""
say "== kinit alice@$REALM, then \$ curl --negotiate -u : $url"
kinit_alice

code=$("$curl_prog" -4 -sS -v --max-time 30 --negotiate -u : -D "$tmp/h2" -o "$tmp/b2" \
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
