#!/bin/sh
# tests/interop-python-requests-digest.sh - python3-requests' HTTPDigestAuth
# against examples/sspi-http-server --package WDigest (tests/py_requests_digest.py
# is the client):
#
#   for MD5 and SHA-256 (one server each, a user:password store):
#   - a session's first GET gets 401, its retry (nc=00000001) 200
#     "authenticated as alice" (AcceptSecurityContext);
#   - four more GETs on the same session reuse the nonce with nc=2..5,
#     each 200 without a new challenge: the server checks each through
#     VerifySignature (nc must be the previous + 1);
#   - the last Authorization sent again unchanged (a replay): 401;
#   - a wrong password: 401.
#   requests ignores userhash=true (it may: RFC 7616 3.4.4), so this also
#   covers a plain username against a userhash-offering server.
#   requests' "SHA-512" is not an RFC 7616 algorithm (SHA-512-256 is,
#   which requests does not implement): not tested.  requests does not do
#   qop=auth-int.
#
# Exit: 0 pass, 1 fail, 77 skip (no python3 with requests, or the
# mechanisms cannot be registered here), 99 hard error.
set -u

me=interop-python-requests-digest
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
# shellcheck source=tests/testlib.sh
if [ -r "$top_srcdir/tests/testlib.sh" ]; then . "$top_srcdir/tests/testlib.sh"; else echo "$me: ERROR: no $top_srcdir/tests/testlib.sh" >&2; exit 99; fi

httpd=$top_builddir/examples/sspi-http-server
need_built "$httpd"
need_gss_mechs

python=${PYTHON3:-}
[ -n "$python" ] || python=$(command -v python3 || true)
[ -n "$python" ] || skip "python3 not found (Debian: apt-get install python3 python3-requests)"
"$python" -c 'import requests' 2>/dev/null ||
    skip "$python has no requests module (Debian: apt-get install python3-requests)"

make_tmp sspi-requests-digest
PASSWORD="Requests-Digest-pw1"
printf 'alice:%s\n' "$PASSWORD" >"$tmp/passwords"

show_server_log() { sed 's/^/   server| /' "$tmp/server.log"; }

for alg in MD5 SHA-256; do
    say ""
    say "== $alg: requests.Session() with HTTPDigestAuth, 5 GETs, a replay, a wrong password"
    spawn_server sspi-http-server server "$tmp/server.log" \
        "$with_mechs" "$top_builddir/examples/sspi-http-server" --package WDigest \
        --realm "requests test" --passwords "$tmp/passwords" --algorithms "$alg" \
        --port-file "$tmp/port"
    url=http://localhost:$port/
    if ! "$python" "$top_srcdir/tests/py_requests_digest.py" "$url" alice "$PASSWORD" 5 "$alg" \
            >"$tmp/client.log" 2>&1; then
        sed 's/^/   client| /' "$tmp/client.log"
        show_server_log
        fail "$alg: python3-requests (output above)"
    fi
    sed 's/^/   client| /' "$tmp/client.log"
    # The server side: one AcceptSecurityContext, then VerifySignature for nc 2..5.
    for n in 2 3 4 5; do
        grep -q "200 authenticated as alice (VerifySignature, algorithm=$alg, nc=0000000$n" \
            "$tmp/server.log" || { show_server_log; fail "$alg: nc=$n was not verified by VerifySignature"; }
    done
    grep -q 'SEC_E_OUT_OF_SEQUENCE' "$tmp/server.log" ||
        { show_server_log; fail "$alg: the replay was not refused as SEC_E_OUT_OF_SEQUENCE"; }
    grep -q 'SEC_E_LOGON_DENIED' "$tmp/server.log" ||
        { show_server_log; fail "$alg: the wrong password was not SEC_E_LOGON_DENIED"; }
    say "   ok: 401 then 200 (nc=1, AcceptSecurityContext), nc=2..5 via VerifySignature, replay 401, wrong password 401"
    stop_server
done

say ""
say "$me: PASS"
exit 0
