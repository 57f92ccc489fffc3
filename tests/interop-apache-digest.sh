#!/bin/sh
# tests/interop-apache-digest.sh - examples/sspi-http-client (the shim's
# InitializeSecurityContext / MakeSignature with "WDigest", written as
# curl's Windows code drives it) against Apache httpd's mod_auth_digest.
#
# Apache runs unprivileged-style from a generated minimal config in a temp
# directory (ServerRoot, PidFile, ErrorLog, Listen 127.0.0.1:PORT, the
# LoadModule lines), `apache2 -X` in the foreground; its user store is an
# htdigest file made by `htdigest` (apache2-utils).  Checked:
#   1. alice with the right password: 401, then 200 (ISC's Authorization),
#      the final ISC verifies Apache's Authentication-Info rspauth (mutual
#      authentication), then 2 more requests on the same nonce with nc=2
#      and nc=3 from MakeSignature, each 200; Apache's access log shows
#      alice on every authenticated request;
#   2. a wrong password: the client sees 401 after its response (exit 3)
#      and Apache logs the password mismatch.
# Apache's mod_auth_digest does MD5 with qop=auth only (no MD5-sess, no
# SHA-256, no auth-int), so that is what this test covers.
#
# Exit: 0 pass, 1 fail, 77 skip (no apache2 / htdigest, or the mechanisms
# cannot be registered here), 99 hard error.
set -u

me=interop-apache-digest
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
# shellcheck source=tests/testlib.sh
if [ -r "$top_srcdir/tests/testlib.sh" ]; then . "$top_srcdir/tests/testlib.sh"; else echo "$me: ERROR: no $top_srcdir/tests/testlib.sh" >&2; exit 99; fi

client=$top_builddir/examples/sspi-http-client
need_built "$client"
need_gss_mechs

apache=${APACHE2:-/usr/sbin/apache2}
modules=${APACHE2_MODULES:-/usr/lib/apache2/modules}
[ -x "$apache" ] || skip "no $apache (Debian: apt-get install apache2)"
[ -r "$modules/mod_auth_digest.so" ] || skip "no $modules/mod_auth_digest.so (Debian: apt-get install apache2)"
htdigest=$(command -v htdigest || true)
[ -n "$htdigest" ] || skip "no htdigest (Debian: apt-get install apache2-utils)"
python=${PYTHON3:-}
[ -n "$python" ] || python=$(command -v python3 || true)
[ -n "$python" ] || skip "python3 not found (used to pick a free port)"

make_tmp sspi-apache-digest
REALM="apache digest realm"
PASSWORD="Apache-Digest-pw1"
ap=$tmp/apache
mkdir -p "$ap/htdocs/private" || hard "mkdir failed"
printf 'hello from apache\n' >"$ap/htdocs/private/hello.txt"

# htdigest reads the password twice from the terminal, or from stdin
# without one (setsid: no controlling terminal).
printf '%s\n%s\n' "$PASSWORD" "$PASSWORD" |
    setsid "$htdigest" -c "$ap/htdigest" "$REALM" alice >"$tmp/htdigest.log" 2>&1 ||
    { cat "$tmp/htdigest.log" >&2; fail "htdigest failed"; }
grep -q "^alice:$REALM:[0-9a-f]\{32\}\$" "$ap/htdigest" || fail "htdigest wrote no line for alice"

port=$("$python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()') ||
    hard "cannot pick a free port"

# As root Apache must switch to an account: nobody, which then needs to
# read the files here.
user_lines=
if [ "$(id -u)" -eq 0 ]; then
    user_lines="User nobody
Group nogroup"
    chmod 755 "$tmp" "$ap" "$ap/htdocs" "$ap/htdocs/private"
    chmod 644 "$ap/htdigest" "$ap/htdocs/private/hello.txt"
fi
cat >"$ap/httpd.conf" <<EOF
ServerRoot "$ap"
ServerName 127.0.0.1
Listen 127.0.0.1:$port
PidFile "$ap/httpd.pid"
DefaultRuntimeDir "$ap"
Mutex file:$ap default
ErrorLog "$ap/error.log"
LogLevel warn auth_digest:debug
$user_lines
LoadModule mpm_prefork_module $modules/mod_mpm_prefork.so
LoadModule authn_core_module $modules/mod_authn_core.so
LoadModule authn_file_module $modules/mod_authn_file.so
LoadModule authz_core_module $modules/mod_authz_core.so
LoadModule authz_user_module $modules/mod_authz_user.so
LoadModule auth_digest_module $modules/mod_auth_digest.so
LogFormat "%u \"%r\" %>s" userline
CustomLog "$ap/access.log" userline
DocumentRoot "$ap/htdocs"
<Directory "$ap/htdocs">
    Require all granted
</Directory>
<Location "/private/">
    AuthType Digest
    AuthName "$REALM"
    AuthDigestDomain /private/
    AuthDigestProvider file
    AuthUserFile "$ap/htdigest"
    Require valid-user
</Location>
EOF

say "== Apache httpd (mod_auth_digest) on 127.0.0.1:$port"
"$apache" -X -f "$ap/httpd.conf" >"$tmp/apache.out" 2>&1 &
server_pid=$!
n=0
until "$python" -c 'import socket,sys; socket.create_connection(("127.0.0.1", int(sys.argv[1])), 1).close()' "$port" 2>/dev/null; do
    if ! kill -0 "$server_pid" 2>/dev/null; then
        server_pid=
        cat "$tmp/apache.out" "$ap/error.log" 2>/dev/null | sed 's/^/   apache| /' >&2
        fail "apache2 exited before listening"
    fi
    n=$((n + 1))
    [ "$n" -le 100 ] || fail "apache2 did not listen within 10 s"
    sleep 0.1
done
url=http://127.0.0.1:$port/private/hello.txt
show_apache() { sed 's/^/   apache error.log| /' "$ap/error.log"; sed 's/^/   apache access.log| /' "$ap/access.log"; }

# 1. right password: 3 requests, mutual authentication
say ""
say "== sspi-http-client --user alice --requests 3 $url"
printf '%s\n' "$PASSWORD" >"$tmp/alice.pw"
"$with_mechs" "$client" --user alice --password-file "$tmp/alice.pw" --requests 3 "$url" \
    >"$tmp/client.out" 2>"$tmp/client.err"
rc=$?
sed 's/^/   client| /' "$tmp/client.out" "$tmp/client.err"
[ "$rc" -eq 0 ] || { show_apache; fail "sspi-http-client exited $rc against Apache"; }
grep -q "with Authorization (nc=1) -> 200 hello from apache" "$tmp/client.out" ||
    fail "the first authenticated request did not get Apache's 200"
grep -q "Authentication-Info verified" "$tmp/client.out" ||
    fail "the client did not verify Apache's rspauth (mutual authentication)"
for nc in 2 3; do
    grep -q "MakeSignature's Authorization (nc=$nc) -> 200 hello from apache" "$tmp/client.out" ||
        fail "the request with nc=$nc (MakeSignature) did not get 200"
done
[ "$(grep -c '^alice "GET /private/hello.txt HTTP/1.1" 200$' "$ap/access.log")" -eq 3 ] ||
    { show_apache; fail "Apache's access log does not show 3 requests authenticated as alice"; }
say "   ok: 401, 200 (ISC), rspauth verified, 200 for nc=2 and nc=3 (MakeSignature); Apache logged alice 3 times"

# 2. wrong password: 401 after the response
say ""
say "== wrong password"
printf 'not-the-password\n' >"$tmp/wrong.pw"
"$with_mechs" "$client" --user alice --password-file "$tmp/wrong.pw" "$url" \
    >"$tmp/wrong.out" 2>"$tmp/wrong.err"
rc=$?
sed 's/^/   client| /' "$tmp/wrong.out" "$tmp/wrong.err"
[ "$rc" -eq 3 ] || { show_apache; fail "wrong password: expected exit 3 (refused), got $rc"; }
grep -q "with Authorization (nc=1) -> 401" "$tmp/wrong.out" || fail "wrong password: no 401 after the response"
grep -Eq 'user alice: password mismatch|Digest: user .alice.: password mismatch|password mismatch' "$ap/error.log" ||
    { show_apache; fail "Apache did not log a password mismatch for alice"; }
say "   ok: 401, and Apache logged the password mismatch"

# Only for tools/capture-corpus.sh: Apache's challenge and
# Authentication-Info as curl -v shows them, kept as fuzz seeds (the
# sspi-http-client above does not print headers).
if [ -n "${SSPI_CAPTURE_DIR:-}" ] && command -v curl >/dev/null 2>&1; then
    curl -4 -sS -v --max-time 30 --digest -u "alice:$PASSWORD" -o /dev/null "$url" \
        2>"$tmp/capture-curl.err" || true
fi

say ""
say "$me: PASS"
exit 0
