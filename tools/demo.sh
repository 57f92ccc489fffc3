#!/bin/bash
# tools/demo.sh - the first command of the README: from a fresh Debian 12
# machine to Windows SSPI code authenticating with Kerberos on Unix.
#
#   tools/demo.sh [--no-install] [--build-dir DIR] [--with-gssapi=heimdal|mit]
#
# 1. installs the build and test dependencies with apt-get (sudo when not
#    root; the list is tools/deps.sh; nothing is done when all are there,
#    and --no-install skips the step);
# 2. builds the project out of tree in DIR (default: build/ in the source
#    tree, or build-mit/ with --with-gssapi=mit, shared with tools/test.sh):
#    autoreconf -fi (when configure or Makefile.in is missing or out of
#    date), configure, make;
# 3. starts a throwaway realm (the flavour's KDC: Heimdal's, or MIT's with
#    --with-gssapi=mit) in a temporary directory and runs the
#    SSPI demo server and client over loopback TCP for every package that
#    works (Kerberos and Negotiate; CredSSP with a password identity, our
#    mechanism registered by tests/with-gss-mechs; NTLM through the GSS
#    library's NTLM, gss-ntlmssp on MIT): with a password identity
#    for alice and with the default credential cache after kinit, printing
#    what the server saw (tests/demo.sh);
# 4. runs `curl --negotiate` against the SSPI HTTP server
#    (tests/interop-curl-negotiate.sh);
# 5. runs a "WDigest" exchange with client and server both through the
#    shim (Digest mechanism registered for them alone by
#    tests/with-gss-mechs): HTTP Digest SHA-256 with mutual authentication
#    and two more requests on the nonce, then SASL DIGEST-MD5 auth-conf
#    with one encrypted message each way.
# Every realm lives in its own temporary directory, its KDC is stopped and
# the directory removed on exit; nothing under /etc or your own Kerberos
# caches is read or written.
#
# Exit: 0 when every step worked, non-zero with a message saying which
# step failed.
set -eu

usage() {
    sed -n '2,/^$/s/^# \{0,1\}//p' "$0"
}

srcdir=$(cd "$(dirname "$0")/.." && pwd)
builddir=
install=yes
flavour=heimdal
while [ $# -gt 0 ]; do
    case $1 in
    --no-install) install=no ;;
    --with-gssapi=heimdal|--with-gssapi=mit) flavour=${1#--with-gssapi=} ;;
    --build-dir) [ $# -ge 2 ] || { usage >&2; exit 2; }; builddir=$2; shift ;;
    --build-dir=*) builddir=${1#--build-dir=} ;;
    -h|--help) usage; exit 0 ;;
    *) printf 'demo.sh: unknown argument %s\n\n' "$1" >&2; usage >&2; exit 2 ;;
    esac
    shift
done
if [ -z "$builddir" ]; then
    if [ "$flavour" = mit ]; then builddir=$srcdir/build-mit; else builddir=$srcdir/build; fi
fi

if [ -t 1 ]; then
    step() { printf '\n\033[1m### %s\033[0m\n' "$*"; }
else
    step() { printf '\n### %s\n' "$*"; }
fi
die()  { printf '\ndemo.sh: FAILED: %s\n' "$*" >&2; exit 1; }

# ------------------------------------------------------------------ 1. packages
# The package list and the installer are shared with tools/test.sh.
# shellcheck source=tools/deps.sh
. "$srcdir/tools/deps.sh"
if [ "$install" = yes ]; then
    step "1. packages (apt-get, through sudo when not root)"
    # shellcheck disable=SC2207 # the word list is split on purpose
    deps=($(sspi_shim_deps "$flavour"))
    if ! command -v dpkg-query >/dev/null 2>&1 || ! command -v apt-get >/dev/null 2>&1; then
        die "no dpkg/apt-get: this script installs for Debian 12; install by hand: ${deps[*]}"
    fi
    if [ "$(id -u)" -ne 0 ] && ! command -v sudo >/dev/null 2>&1; then
        die "not root and no sudo: as root, run: apt-get install ${deps[*]}"
    fi
    install_deps "$flavour" || die "installing the Debian packages failed (see apt-get's messages above)"
    echo "installed: ${deps[*]}"
else
    step "1. packages: skipped (--no-install)"
fi

# ------------------------------------------------------------------ 2. build
step "2. build in $builddir"
cd "$srcdir"
if [ ! -x configure ] || [ ! configure -nt configure.ac ] || [ ! Makefile.in -nt Makefile.am ]; then
    echo "\$ autoreconf -fi"
    mkdir -p "$builddir"
    autoreconf -fi >"$builddir/autoreconf.out" 2>&1 || {
        cat "$builddir/autoreconf.out" >&2
        die "autoreconf failed (are autoconf, automake, libtool, pkg-config installed?)"
    }
fi
mkdir -p "$builddir"
cd "$builddir"
if [ ! -f Makefile ] || [ "$srcdir/configure" -nt config.status ]; then
    echo "\$ $srcdir/configure --with-gssapi=$flavour"
    "$srcdir/configure" --with-gssapi="$flavour" >configure.out 2>&1 || {
        tail -n 30 configure.out >&2
        die "configure failed (full output: $builddir/configure.out, $builddir/config.log)"
    }
    tail -n 8 configure.out
fi
jobs=$(nproc 2>/dev/null || echo 2)
echo "\$ make -j$jobs"
make -j"$jobs" >make.out 2>&1 || {
    tail -n 40 make.out >&2
    die "make failed (full output: $builddir/make.out)"
}
echo "built: examples/sspi-demo-server examples/sspi-demo-client examples/sspi-http-server"

# The test scripts find the programs the way `make check` tells them to.
top_srcdir=$srcdir
top_builddir=$builddir
export top_srcdir top_builddir
for v in GSS_FLAVOUR HEIMDAL_KDC HEIMDAL_KADMIN HEIMDAL_KINIT MIT_KRB5KDC MIT_KDB5_UTIL \
         MIT_KADMIN_LOCAL MIT_KINIT CURL PYTHON3; do
    val=$(sed -n "s/^$v = //p" Makefile | head -n 1)
    if [ -n "$val" ]; then
        eval "$v=\$val"
        export "${v?}"
    fi
done

# ------------------------------------------------------------------ 3. SSPI demo
step "3. SSPI server and client over loopback TCP (a throwaway realm)"
sh "$srcdir/tests/demo.sh" || die "the SSPI demo failed (output above)"

# ------------------------------------------------------------------ 4. curl
step "4. curl --negotiate against the SSPI HTTP server"
set +e
sh "$srcdir/tests/interop-curl-negotiate.sh"
rc=$?
set -e
case $rc in
0) ;;
77) echo "demo.sh: curl step skipped (reason above)" ;;
*) die "curl --negotiate against sspi-http-server failed (output above)" ;;
esac

# ------------------------------------------------------------------ 5. WDigest
# Client and server both through the shim's "WDigest" package; the Digest
# mechanism is registered for their process tree only (tests/with-gss-mechs:
# a private /etc/gss in a user+mount namespace for Heimdal, GSS_MECH_CONFIG
# for MIT).  No KDC: the server's user store is a user:password file.
step "5. WDigest: HTTP Digest (SHA-256) and SASL DIGEST-MD5 (auth-conf), client and server through the shim"
digest_done=no
wdir=$(mktemp -d "${TMPDIR:-/tmp}/sspi-demo-digest.XXXXXX")
digest_pid=
digest_cleanup() {
    if [ -n "$digest_pid" ]; then kill "$digest_pid" 2>/dev/null || true; wait "$digest_pid" 2>/dev/null || true; fi
    rm -rf "$wdir"
}
trap digest_cleanup EXIT
with_mechs=$builddir/tests/with-gss-mechs
set +e
wm_out=$("$with_mechs" true 2>&1)
wm_rc=$?
set -e
if [ "$wm_rc" -eq 77 ]; then
    echo "demo.sh: WDigest step skipped: the Digest mechanism cannot be registered here: $wm_out"
elif [ "$wm_rc" -ne 0 ]; then
    die "tests/with-gss-mechs does not work: $wm_out"
else
    printf 'alice:Digest-demo-pw1\n' >"$wdir/passwords"
    printf 'Digest-demo-pw1\n' >"$wdir/alice.pw"
    echo "\$ sspi-http-server --package WDigest --passwords FILE --algorithms SHA-256 &"
    "$with_mechs" "$builddir/examples/sspi-http-server" --package WDigest --realm "sspi demo" \
        --passwords "$wdir/passwords" --algorithms SHA-256 --port-file "$wdir/port" --count 4 \
        >"$wdir/server.log" 2>&1 &
    digest_pid=$!
    n=0
    while [ ! -s "$wdir/port" ]; do
        kill -0 "$digest_pid" 2>/dev/null || { cat "$wdir/server.log" >&2; die "sspi-http-server (WDigest) did not start"; }
        n=$((n + 1)); [ "$n" -le 200 ] || die "sspi-http-server (WDigest) did not listen in 20 s"
        sleep 0.1
    done
    dport=$(cat "$wdir/port")
    echo "\$ sspi-http-client --user alice --password-file FILE --requests 3 http://127.0.0.1:$dport/demo"
    "$with_mechs" "$builddir/examples/sspi-http-client" --user alice --password-file "$wdir/alice.pw" \
        --requests 3 "http://127.0.0.1:$dport/demo" ||
        { sed 's/^/server| /' "$wdir/server.log"; die "the WDigest HTTP exchange failed (output above)"; }
    wait "$digest_pid" || true
    digest_pid=
    sed 's/^/server| /' "$wdir/server.log"

    echo ""
    echo "\$ sspi-sasl-sample --server --qop auth-conf <c2s | sspi-sasl-sample --client --qop auth-conf >c2s"
    mkfifo "$wdir/c2s"
    # shellcheck disable=SC2094 # c2s is a FIFO: the client's lines back to the server
    if "$with_mechs" "$builddir/examples/sspi-sasl-sample" --server --passwords "$wdir/passwords" \
            --realm SSPI.DEMO --qop auth-conf <"$wdir/c2s" 2>"$wdir/sasl-server.log" |
        "$with_mechs" "$builddir/examples/sspi-sasl-sample" --client --user alice \
            --password-file "$wdir/alice.pw" --service demo --host localhost --qop auth-conf \
            >"$wdir/c2s" 2>"$wdir/sasl-client.log"; then
        sed 's/^/sasl server| /' "$wdir/sasl-server.log"
        sed 's/^/sasl client| /' "$wdir/sasl-client.log"
        grep -q "received 'client message 1' (decrypted)" "$wdir/sasl-server.log" ||
            die "the SASL server did not decrypt the client's message"
    else
        sed 's/^/sasl server| /' "$wdir/sasl-server.log" >&2
        sed 's/^/sasl client| /' "$wdir/sasl-client.log" >&2
        die "the WDigest SASL exchange failed (output above)"
    fi
    digest_done=yes
fi

step "done"
digest_line=
[ "$digest_done" = yes ] && digest_line="
WDigest (HTTP Digest and SASL DIGEST-MD5) ran with both sides through the shim."
cat <<EOF
Windows SSPI code (examples/*.c) authenticated with Kerberos, Negotiate and CredSSP
(TLS, then Kerberos inside SPNEGO bound to the TLS key) on this machine, against a
$flavour KDC, and curl's SPNEGO talked to it over HTTP.$digest_line
Next: cd $builddir && make check   (the whole test suite; tests/interop-*-digest*.sh
run WDigest against curl, python3-requests, Apache and Cyrus SASL)
EOF
