#!/bin/sh
# tests/interop-curl-digest.sh - curl --digest (Debian 12: curl 7.88, its
# own Digest code) against examples/sspi-http-server --package WDigest (the
# shim's AcceptSecurityContext over the Digest mechanism).
#
#   1. each algorithm curl 7.88 offers, one server per algorithm (a
#      user:password store, since SHA-256 needs the password): MD5,
#      MD5-sess, SHA-256, SHA-256-sess; the server's challenges carry
#      userhash=true, so curl sends username=H(user:realm) and the server
#      must look the user up by that hash (RFC 7616 3.4.4).  Each: 401 with
#      the challenge, then 200 "authenticated as alice" with
#      Authentication-Info, and curl's Authorization names the algorithm;
#   2. SHA-512-256: curl 7.88 computes it with SHA-256 (a curl bug, fixed
#      in 8.x), so the server must refuse it (401): that is what is checked;
#   3. the default user store (pAuthData NULL): an htdigest file named by
#      SSPI_SHIM_DIGEST_USERS, MD5;
#   4. wrong password -> 401 (twice: curl retries once);
#   5. POST with a body under qop=auth -> 200; qop=auth-int alone: a GET
#      -> 200, a POST with a body -> 401, because curl 7.88 always hashes an
#      empty entity for auth-int ("We don't support auth-int for PUT or
#      POST" in lib/vauth/digest.c) and the server hashes the real body.
#
# Exit: 0 pass, 1 fail, 77 skip (no curl, or the mechanisms cannot be
# registered here), 99 hard error.
set -u

me=interop-curl-digest
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
# shellcheck source=tests/testlib.sh
if [ -r "$top_srcdir/tests/testlib.sh" ]; then . "$top_srcdir/tests/testlib.sh"; else echo "$me: ERROR: no $top_srcdir/tests/testlib.sh" >&2; exit 99; fi

httpd=$top_builddir/examples/sspi-http-server
need_built "$httpd"
need_gss_mechs

curl_prog=${CURL:-}
[ -n "$curl_prog" ] || curl_prog=$(command -v curl || true)
[ -n "$curl_prog" ] || skip "curl not found (Debian: apt-get install curl)"
# (curl -V lists no "Digest" feature: its Digest code is always built.)

make_tmp sspi-curl-digest
REALM="sspi digest test"
PASSWORD="Curl-Digest-pw1"
printf 'alice:%s\nbob:other-password\n' "$PASSWORD" >"$tmp/passwords"
# htdigest line: user:realm:MD5(user:realm:password) (Apache's format).
ha1=$(printf 'alice:%s:%s' "$REALM" "$PASSWORD" | md5sum | cut -d' ' -f1)
printf 'alice:%s:%s\n' "$REALM" "$ha1" >"$tmp/htdigest"

show_server_log() { sed 's/^/   server| /' "$tmp/server.log"; }

# start_digest_server ARGS...: the WDigest server (until stop_server).
start_digest_server() {
    spawn_server sspi-http-server server "$tmp/server.log" \
        "$with_mechs" "$httpd" --package WDigest --realm "$REALM" --port-file "$tmp/port" "$@"
    url=http://localhost:$port/
}

# run_curl NAME ARGS...: curl -v into $tmp/NAME.err, body $tmp/NAME.body;
# code=the final HTTP status.
run_curl() {
    rc_name=$1
    shift
    code=$("$curl_prog" -4 -sS -v --max-time 30 -o "$tmp/$rc_name.body" -w '%{http_code}' \
               "$@" 2>"$tmp/$rc_name.err") || {
        cat "$tmp/$rc_name.err" >&2
        show_server_log
        fail "curl $* failed"
    }
}

# expect_ok NAME ALGORITHM: 200 for alice with Authentication-Info, after
# a 401, and curl's Authorization used ALGORITHM with userhash.
expect_ok() {
    [ "$code" = 200 ] || { sed 's/^/   curl| /' "$tmp/$1.err"; show_server_log; fail "$1: expected 200, got $code"; }
    grep -Fxq "authenticated as alice" "$tmp/$1.body" ||
        fail "$1: the body is not 'authenticated as alice': $(cat "$tmp/$1.body")"
    grep -q '^< HTTP/1.1 401' "$tmp/$1.err" || fail "$1: no 401 challenge came first"
    tr -d '\r' <"$tmp/$1.err" | grep -Eiq '^< Authentication-Info: .*rspauth="[0-9a-f]+"' ||
        fail "$1: the 200 has no Authentication-Info with rspauth"
    auth_line=$(tr -d '\r' <"$tmp/$1.err" | grep -i '^> Authorization: Digest' | tail -n 1)
    printf '%s\n' "$auth_line" | grep -Eq "algorithm=\"?$2\"?(,|$)" ||
        fail "$1: curl's Authorization does not use algorithm=$2: $auth_line"
    printf '%s\n' "$auth_line" | grep -q 'userhash=true' ||
        fail "$1: curl did not send userhash=true: $auth_line"
    printf '%s\n' "$auth_line" | grep -q 'username="alice"' &&
        fail "$1: userhash=true but the user name went in clear: $auth_line"
    say "   ok: 401, then 200 authenticated as alice with Authentication-Info ($2, userhash)"
}

# 1. every algorithm curl 7.88 implements correctly
for alg in MD5 MD5-sess SHA-256 SHA-256-sess; do
    say ""
    say "== $alg: \$ curl --digest -u alice:... (server: --algorithms $alg, password store)"
    start_digest_server --passwords "$tmp/passwords" --algorithms "$alg"
    run_curl "$alg" --digest -u "alice:$PASSWORD" "$url"
    expect_ok "$alg" "$alg"
    grep -q "200 authenticated as alice (AcceptSecurityContext, algorithm=$alg" "$tmp/server.log" ||
        { show_server_log; fail "$alg: the server log does not show the verified $alg response"; }
    stop_server
done

# 2. SHA-512-256: curl 7.88 hashes with SHA-256 under that name
say ""
say "== SHA-512-256: curl 7.88 computes it with SHA-256 (curl bug), the server must refuse"
start_digest_server --passwords "$tmp/passwords" --algorithms SHA-512-256
run_curl sha512 --digest -u "alice:$PASSWORD" "$url"
[ "$code" = 401 ] || { show_server_log; fail "SHA-512-256 from curl 7.88: expected 401 (its response is SHA-256), got $code"; }
grep -q 'algorithm=SHA-512-256' "$tmp/sha512.err" || fail "curl did not answer the SHA-512-256 challenge"
grep -q 'SEC_E_LOGON_DENIED' "$tmp/server.log" || { show_server_log; fail "the server did not log SEC_E_LOGON_DENIED"; }
say "   ok: 401 (curl's SHA-512-256 response is computed with SHA-256; the server verifies it properly)"
stop_server

# 3. the default store: pAuthData NULL, SSPI_SHIM_DIGEST_USERS (htdigest, MD5)
say ""
say "== MD5 from an htdigest file named by SSPI_SHIM_DIGEST_USERS (AcquireCredentialsHandle pAuthData NULL)"
SSPI_SHIM_DIGEST_USERS=$tmp/htdigest
export SSPI_SHIM_DIGEST_USERS
start_digest_server
unset SSPI_SHIM_DIGEST_USERS
run_curl htdigest --digest -u "alice:$PASSWORD" "$url"
expect_ok htdigest MD5

# 4. wrong password
say ""
say "== wrong password: \$ curl --digest -u alice:wrong"
run_curl wrong --digest -u alice:wrong "$url"
[ "$code" = 401 ] || { show_server_log; fail "wrong password: expected 401, got $code"; }
[ "$(grep -c '^< HTTP/1.1 401' "$tmp/wrong.err")" -ge 2 ] ||
    fail "wrong password: curl's response was not answered with a second 401"
grep -q 'SEC_E_LOGON_DENIED' "$tmp/server.log" || { show_server_log; fail "the server did not log SEC_E_LOGON_DENIED"; }
say "   ok: 401, SEC_E_LOGON_DENIED in the server log"
stop_server

# 5. bodies: qop=auth with a POST; qop=auth-int as curl 7.88 does it
say ""
say "== POST with a body, qop=auth"
start_digest_server --passwords "$tmp/passwords" --algorithms SHA-256 --qop auth
run_curl post --digest -u "alice:$PASSWORD" --data-binary 'hello digest' "$url"
expect_ok post SHA-256
tr -d '\r' <"$tmp/post.err" | grep -i '^> Authorization: Digest' | grep -Eq 'qop="?auth"?(,|$)' ||
    fail "POST: curl did not use qop=auth"
stop_server

say ""
say "== qop=auth-int only: a GET (empty body) and a POST with a body"
start_digest_server --passwords "$tmp/passwords" --algorithms SHA-256 --qop auth-int
run_curl authint-get --digest -u "alice:$PASSWORD" "$url"
expect_ok authint-get SHA-256
grep -q 'qop=auth-int' "$tmp/authint-get.err" || fail "curl did not use qop=auth-int"
say "   ok: auth-int GET (H(entity) of the empty body on both sides)"
run_curl authint-post --digest -u "alice:$PASSWORD" --data-binary 'hello digest' "$url"
[ "$code" = 401 ] || { show_server_log; fail "auth-int POST from curl 7.88: expected 401 (it hashes an empty body), got $code"; }
grep -q 'qop=auth-int' "$tmp/authint-post.err" || fail "curl did not use qop=auth-int for the POST"
say "   ok: 401 for the POST: curl 7.88 sends H(\"\") as the entity hash, the server hashes the body it got"
stop_server

say ""
say "$me: PASS"
exit 0
