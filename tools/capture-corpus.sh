#!/bin/sh
# tools/capture-corpus.sh BUILDDIR - regenerate the fuzz seeds captured
# from real peers (tests/fuzz/corpus/*/cap-* and gssntlmssp-*).
#
#   1. runs the interop tests below in BUILDDIR (make check TESTS=...) with
#      SSPI_CAPTURE_DIR set: tests/testlib.sh then keeps each test's
#      transcripts (curl -v output, response headers, the Cyrus relay log,
#      python-requests' log) instead of deleting them with its temp dir;
#   2. tools/corpus-seeds.py decodes the messages in them (Digest
#      challenges, responses, Authentication-Info from curl, Apache
#      mod_auth_digest and python-requests; SASL DIGEST-MD5 messages from
#      Cyrus SASL; SPNEGO and Kerberos tokens from MIT's GSS-API through
#      curl --negotiate) into seed files in each fuzz target's format;
#      For the FreeRDP tests it also builds tools/tls-plaintext-tap.c (an
#      LD_PRELOAD object, for this run only) and names it in SSPI_TLS_TAP:
#      tests/testlib.sh's tls_tap preloads it into xfreerdp and
#      freerdp-shadow-cli, which then record their TLS plain text, so
#      FreeRDP's CredSSP TSRequests and the NTLM messages in them become
#      seeds too (fuzz-credssp, fuzz-ntlm);
#   3. tools/ntlm-challenges.py adds NTLM CHALLENGE messages made by
#      gss-ntlmssp (curl --ntlm cannot get one from the Heimdal build's
#      NTLM acceptor, which refuses curl's NEGOTIATE).
# The old captured seeds are removed first, so nonces and timestamps from
# an earlier run do not pile up; the hand-made seeds (other names) stay.
# Tests that skip (no Apache, no Cyrus, ...) just contribute nothing: the
# script prints what each target got.  Heimdal build assumed (a KDC for
# the Negotiate test).
set -eu
[ $# -eq 1 ] || { echo "usage: $0 BUILDDIR" >&2; exit 2; }
top=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "$1" && pwd)
corpus=$top/tests/fuzz/corpus
cap=$(mktemp -d "${TMPDIR:-/tmp}/capture-corpus.XXXXXX")
trap 'rm -rf "$cap"' EXIT

tests="tests/interop-curl-digest.sh tests/interop-curl-negotiate.sh tests/interop-apache-digest.sh"
tests="$tests tests/interop-python-requests-digest.sh tests/interop-cyrus-digest-md5.sh"
tests="$tests tests/interop-freerdp-credssp.sh tests/interop-freerdp-shadow.sh"
${CC:-cc} -shared -fPIC -O2 -o "$cap/tls-plaintext-tap.so" "$top/tools/tls-plaintext-tap.c" -ldl
SSPI_TLS_TAP=$cap/tls-plaintext-tap.so
export SSPI_TLS_TAP
SSPI_CAPTURE_DIR=$cap make -C "$build" check TESTS="$tests" >"$cap/check.out" 2>&1 ||
    { tail -n 30 "$cap/check.out" >&2; echo "$0: the interop tests failed" >&2; exit 1; }
grep -E '^(PASS|SKIP|FAIL|ERROR):' "$cap/check.out"

for d in digest digest-mech digest-params framing sspi ntlm credssp; do
    rm -f "$corpus/$d"/cap-* "$corpus/$d"/gssntlmssp-*
done
python3 "$top/tools/corpus-seeds.py" "$cap" "$corpus"
rc=0
python3 "$top/tools/ntlm-challenges.py" "$corpus/ntlm" || rc=$?
[ "$rc" -eq 0 ] || [ "$rc" -eq 77 ] || exit 1
for d in "$corpus"/*/; do
    echo "$(basename "$d"): $(find "$d" -type f | wc -l) seed(s) in all"
done
