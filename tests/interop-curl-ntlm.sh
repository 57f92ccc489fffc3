#!/bin/sh
# tests/interop-curl-ntlm.sh - curl --ntlm (curl's own NTLM code) against
# examples/sspi-http-server --package NTLM (the shim's AcceptSecurityContext
# on the GSS library's NTLM mechanism; docs/ntlm.md).
#
#   1. a request without credentials gets 401 and "WWW-Authenticate: NTLM";
#   2. `curl --ntlm -u alice:PASSWORD` gets 200 "authenticated as DOMAIN\alice"
#      (curl names no domain: DOMAIN is the server's, from its CHALLENGE)
#      after the three NTLM legs on one connection;
#   3. a wrong password gets 401, and the server logs SEC_E_LOGON_DENIED.
#
# The acceptor's user store: MIT build, gss-ntlmssp (registered for the
# server alone through GSS_MECH_CONFIG) with NTLM_USER_FILE; Heimdal build,
# Heimdal's NTLM, which verifies through the throwaway KDC's digest service
# (tools/mkrealm.sh sets it up).
#
# Exit: 0 pass, 1 fail, 77 skip (curl without NTLM, no gss-ntlmssp for the
# MIT build, no KDC for the Heimdal build), 99 hard error.
set -u

me=interop-curl-ntlm
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
# shellcheck source=tests/testlib.sh
if [ -r "$top_srcdir/tests/testlib.sh" ]; then . "$top_srcdir/tests/testlib.sh"; else echo "$me: ERROR: no $top_srcdir/tests/testlib.sh" >&2; exit 99; fi
REALM=${DEMO_REALM:-NTLM.SSPI.TEST}

httpd=$top_builddir/examples/sspi-http-server
need_built "$httpd"

curl_prog=${CURL:-}
[ -n "$curl_prog" ] || curl_prog=$(command -v curl || true)
[ -n "$curl_prog" ] ||
    hard "curl not found (configure did not find it; Debian: apt-get install curl)"
"$curl_prog" -V 2>/dev/null | grep -Eq '^Features:.* NTLM( |$)' ||
    skip "$curl_prog was built without NTLM (see: curl -V, Features)"

make_tmp sspi-curl-ntlm
ntlm_acceptor
password=$ntlm_password

say "== sspi-http-server --package NTLM (AcceptSecurityContext)"
# shellcheck disable=SC2086 # ntlm_env: a command prefix, words
spawn_server sspi-http-server server "$tmp/server.log" \
    $ntlm_env "$httpd" --package NTLM --port-file "$tmp/port" --count 5
url=http://localhost:$port/
say "   listening: $url"
show_server_log() { sed 's/^/   server| /' "$tmp/server.log"; }

say ""
say "== without credentials: \$ curl $url"
code=$("$curl_prog" -4 -sS --max-time 30 -D "$tmp/h1" -o "$tmp/b1" -w '%{http_code}' "$url") ||
    { show_server_log; fail "curl failed without credentials"; }
[ "$code" = 401 ] || { show_server_log; fail "expected 401 without credentials, got $code"; }
tr -d '\r' <"$tmp/h1" | grep -Eiq '^WWW-Authenticate: NTLM$' ||
    fail "the 401 has no bare 'WWW-Authenticate: NTLM' challenge"
say "   ok: 401 with WWW-Authenticate: NTLM"

say ""
say "== \$ curl --ntlm -u alice:*** $url"
code=$("$curl_prog" -4 -sS --max-time 30 --ntlm -u "alice:$password" -D "$tmp/h2" -o "$tmp/b2" \
           -w '%{http_code}' "$url" 2>"$tmp/curl.err")
curl_status=$?
sed 's/^/   | /' "$tmp/h2"
sed 's/^/   body| /' "$tmp/b2"
if [ "$curl_status" -ne 0 ] || [ "$code" != 200 ]; then
    show_server_log
    cat "$tmp/curl.err" >&2
    fail "curl --ntlm: exit $curl_status, HTTP $code (expected 200)"
fi
# curl -u alice sends no domain: as on Windows, NAMES gives the domain the
# server's CHALLENGE named ("DOMAIN\alice"; check_ntlm checks which one).
grep -Eq '^authenticated as [^ \\]+\\alice$' "$tmp/b2" ||
    { show_server_log; fail "the body does not name DOMAIN\\alice"; }
say "   ok: 200, $(cat "$tmp/b2")"

say ""
say "== wrong password: \$ curl --ntlm -u alice:wrong $url"
code=$("$curl_prog" -4 -sS --max-time 30 --ntlm -u "alice:wrong-password" -o /dev/null \
           -w '%{http_code}' "$url" 2>"$tmp/curl.err")
show_server_log
[ "$code" = 401 ] || fail "expected 401 for a wrong password, got $code"
grep -q SEC_E_LOGON_DENIED "$tmp/server.log" ||
    fail "the server did not log SEC_E_LOGON_DENIED for the wrong password"
say "   ok: 401, the server says SEC_E_LOGON_DENIED"

say ""
say "$me: PASS"
exit 0
