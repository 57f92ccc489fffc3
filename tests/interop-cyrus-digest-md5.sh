#!/bin/sh
# tests/interop-cyrus-digest-md5.sh - SASL DIGEST-MD5 (RFC 2831) between the
# shim's "WDigest" package (examples/sspi-sasl-sample) and Cyrus SASL's own
# sample programs (sasl2-bin: sasl-sample-server, sasl-sample-client; the
# DIGEST-MD5 plugin from libsasl2-modules), in both directions, for qop
# auth, auth-int and auth-conf.
#
# The sample programs speak base64 lines ("S: ..." / "C: ...") on stdin and
# stdout; tests/sasl_sample_relay.py wires the two programs together and
# answers sasl-sample-client's password prompt.  After authentication
# sasl-sample-server sends "srv message 1" through the negotiated security
# layer (sasl_encode) and the client answers "client message 1"; so each
# run checks the exchange, rspauth (the shim client verifies it; the shim
# server sends it and Cyrus's client checks it), and one message each way
# through the layer (plain with auth, HMAC with auth-int, encrypted with
# auth-conf) decoded by the other implementation.
#
#   shim server + sasl-sample-client: user store a user:password file;
#     auth (-b max=0), auth-int (min=1,max=1), auth-conf (min=1: Cyrus's
#     client picks rc4 from the shim's list); a wrong password -> the shim
#     refuses (SEC_E_LOGON_DENIED) and Cyrus's client fails.
#   shim client + sasl-sample-server: user store a sasldb made with
#     `saslpasswd2 -f` in the temp dir, named by a sample.conf
#     (sasldb_path) found through SASL_CONF_PATH; auth, auth-int, and
#     auth-conf with -b min=128,max=128 so that Cyrus offers rc4 only: Cyrus
#     2.1.28 on OpenSSL 3 offers 3des but fails with it ("generic failure"),
#     and the shim client prefers 3des when offered.
#
# Exit: 0 pass, 1 fail, 77 skip (sasl2-bin / the DIGEST-MD5 plugin / python3
# missing, or the mechanisms cannot be registered here), 99 hard error.
set -u

me=interop-cyrus-digest-md5
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
# shellcheck source=tests/testlib.sh
if [ -r "$top_srcdir/tests/testlib.sh" ]; then . "$top_srcdir/tests/testlib.sh"; else echo "$me: ERROR: no $top_srcdir/tests/testlib.sh" >&2; exit 99; fi

sample=$top_builddir/examples/sspi-sasl-sample
need_built "$sample"
need_gss_mechs

cyrus_server=$(command -v sasl-sample-server || true)
[ -n "$cyrus_server" ] || [ ! -x /usr/sbin/sasl-sample-server ] || cyrus_server=/usr/sbin/sasl-sample-server
cyrus_client=$(command -v sasl-sample-client || true)
saslpasswd2=$(command -v saslpasswd2 || true)
[ -n "$saslpasswd2" ] || [ ! -x /usr/sbin/saslpasswd2 ] || saslpasswd2=/usr/sbin/saslpasswd2
if [ -z "$cyrus_server" ] || [ -z "$cyrus_client" ] || [ -z "$saslpasswd2" ]; then
    skip "sasl-sample-server, sasl-sample-client or saslpasswd2 missing (Debian: apt-get install sasl2-bin)"
fi
ls /usr/lib/*/sasl2/libdigestmd5.so* >/dev/null 2>&1 ||
    skip "no Cyrus DIGEST-MD5 plugin (Debian: apt-get install libsasl2-modules)"
command -v stdbuf >/dev/null 2>&1 || skip "no stdbuf (coreutils)"
python=${PYTHON3:-}
[ -n "$python" ] || python=$(command -v python3 || true)
[ -n "$python" ] || skip "python3 not found (tests/sasl_sample_relay.py)"

make_tmp sspi-cyrus-digest
REALM=CYRUS.TEST
PASSWORD="Cyrus-Digest-pw1"
relay=$top_srcdir/tests/sasl_sample_relay.py

# Cyrus's side: a sasldb in the temp dir, and the "sample" application's
# config (sasl-sample-server calls sasl_server_init(..., "sample")) found
# through SASL_CONF_PATH instead of /etc/sasl2.
printf '%s\n' "$PASSWORD" | "$saslpasswd2" -p -c -f "$tmp/sasldb" -u "$REALM" -a sample alice ||
    fail "saslpasswd2 could not create $tmp/sasldb"
cat >"$tmp/sample.conf" <<EOF
pwcheck_method: auxprop
auxprop_plugin: sasldb
sasldb_path: $tmp/sasldb
mech_list: DIGEST-MD5
EOF
SASL_CONF_PATH=$tmp
export SASL_CONF_PATH
# The shim's side.
printf 'alice:%s\n' "$PASSWORD" >"$tmp/passwords"
printf '%s\n' "$PASSWORD" >"$tmp/alice.pw"
printf 'wrong-password\n' >"$tmp/wrong.pw"

# run NAME EXPECT(0|1) PASSWORD -- SERVER... -- CLIENT...: the relay's
# transcript in $tmp/NAME.log, shown; fails unless its exit is EXPECT.
run() {
    r_name=$1 r_expect=$2
    shift 2
    "$python" "$relay" "$@" >"$tmp/$r_name.log" 2>&1
    r_rc=$?
    grep -v 'SASL Other:' "$tmp/$r_name.log" | sed 's/^/   | /'
    [ "$r_rc" -eq "$r_expect" ] || fail "$r_name: the relay exited $r_rc, expected $r_expect"
}

# check NAME LINE...: each LINE (fixed string) must be in the transcript.
check() {
    c_name=$1
    shift
    for l in "$@"; do
        grep -Fq -- "$l" "$tmp/$c_name.log" || fail "$c_name: no '$l' in the transcript"
    done
}

cyrus_client_args="-m DIGEST-MD5 -s sample -n localhost -a alice -u alice -r $REALM"

for case in "auth 0 0 encrypted" "auth-int 1 1 integrity" "auth-conf 1 256 encrypted"; do
    # shellcheck disable=SC2086 # the fields are split on purpose
    set -- $case
    qop=$1 min=$2 max=$3
    name=shim-server-$qop
    say ""
    say "== shim server (AcceptSecurityContext, SASL) + sasl-sample-client, qop=$qop"
    # shellcheck disable=SC2086
    run "$name" 0 "$PASSWORD" -- "$with_mechs" "$sample" --server --passwords "$tmp/passwords" \
        --realm "$REALM" --qop "$qop" -- "$cyrus_client" $cyrus_client_args -b "min=$min,max=$max"
    check "$name" "sspi-sasl-sample: authenticated user: alice" "sspi-sasl-sample: qop=$qop" \
        "C| Negotiation complete" "recieved decoded message 'srv message 1'" \
        "received 'client message 1'"
    # The Cyrus client checked rspauth: it completes only when it verifies.
    case $qop in
    auth) check "$name" "C| SSF: 0" ;;
    auth-int) check "$name" "C| SSF: 1" "received 'client message 1' (integrity only)" ;;
    auth-conf) check "$name" "C| SSF: 128" "received 'client message 1' (decrypted)" "encryption rc4" ;;
    esac
    say "   ok: authenticated, rspauth accepted by Cyrus, one message each way ($qop)"
done

say ""
say "== shim server + sasl-sample-client with a wrong password"
# shellcheck disable=SC2086
run shim-server-wrong 1 wrong-password -- "$with_mechs" "$sample" --server --passwords "$tmp/passwords" \
    --realm "$REALM" -- "$cyrus_client" $cyrus_client_args -b min=0,max=0
check shim-server-wrong "AcceptSecurityContext (response) failed: SEC_E_LOGON_DENIED"
grep -q "C| Negotiation complete" "$tmp/shim-server-wrong.log" &&
    fail "Cyrus's client completed with a wrong password"
say "   ok: SEC_E_LOGON_DENIED, no completion"

for case in "auth 0 0" "auth-int 1 1" "auth-conf 128 128"; do
    # shellcheck disable=SC2086
    set -- $case
    qop=$1 min=$2 max=$3
    name=shim-client-$qop
    say ""
    say "== shim client (InitializeSecurityContext, SASL) + sasl-sample-server (sasldb), qop=$qop"
    run "$name" 0 unused -- "$cyrus_server" -m DIGEST-MD5 -s sample -u "$REALM" -b "min=$min,max=$max" \
        -- "$with_mechs" "$sample" --client --user alice --password-file "$tmp/alice.pw" \
        --service sample --host localhost --qop "$qop"
    check "$name" "server authenticated by rspauth" "S| Negotiation complete" \
        "S| Username: alice@$REALM" "sspi-sasl-sample: qop=$qop" \
        "received 'srv message 1" "recieved decoded message 'client message 1'"
    case $qop in
    auth) check "$name" "S| SSF: 0" ;;
    auth-int) check "$name" "S| SSF: 1" "(integrity only)" ;;
    auth-conf) check "$name" "S| SSF: 128" "received 'srv message 1' (decrypted)" ;;
    esac
    say "   ok: authenticated by Cyrus, rspauth verified, one message each way ($qop)"
done

say ""
say "$me: PASS"
exit 0
