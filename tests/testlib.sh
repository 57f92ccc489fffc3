# shellcheck shell=sh
# tests/testlib.sh - what the shell tests that run a throwaway Kerberos realm
# (Heimdal's or MIT's KDC, as tools/mkrealm.sh picks it) share (tests/demo.sh, tests/interop-curl-negotiate.sh,
# tests/interop-python-gssapi.sh).  POSIX sh, sourced, never run:
#
#   me=NAME            # the test's name, for the messages
#   top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
#   # shellcheck source=tests/testlib.sh
#   . "$top_srcdir/tests/testlib.sh"
#
# `make check` exports top_srcdir and top_builddir (AM_TESTS_ENVIRONMENT);
# run by hand, top_builddir defaults to top_srcdir.  Sourcing only sets
# variables (top_builddir, mkrealm) and defines the functions below; the
# test calls them.
#
# Exit codes, as automake reads them: 0 pass, 1 fail (fail), 77 skip (skip,
# which prints the reason), 99 hard error (hard).
#
#   say / fail / skip / hard MESSAGE...
#   need_built PROGRAM...   hard error unless each PROGRAM is executable
#   need_kdc                hard error without tools/mkrealm.sh, skip
#                           without the KDC of the flavour (GSS_FLAVOUR)
#   make_tmp NAME           tmp=a new directory; on exit, kills $server_pid,
#                           stops the realm in $tmp/realm and removes $tmp
#   start_realm             the realm $REALM in $tmp/realm, its env.sh
#                           sourced, ALICE_PASSWORD set
#   account_name USER       prints USER's SECPKG_ATTR_NAMES in $REALM
#   spawn_server LABEL PREFIX LOG COMMAND...
#                           runs COMMAND in the background (server_pid),
#                           waits for the port it writes to $tmp/port (port)
#   wait_server             waits for server_pid to exit (server_status)
#   kinit_alice             kinit alice@$REALM into $KRB5CCNAME (the realm's kinit)
#   need_gss_mechs          with_mechs=tests/with-gss-mechs, skip if it cannot work here
#   stop_server             kills and reaps server_pid
#   start_xvfb              a new Xvfb ($xvfb) on a display of its choosing:
#                           xvfb_pid, DISPLAY exported (take the Xvfb lock first)
#   ntlm_acceptor           the NTLM acceptor's user store for alice (MIT:
#                           gss-ntlmssp, ntlm_env="env GSS_MECH_CONFIG=.. NTLM_USER_FILE=..";
#                           Heimdal: the realm's KDC digest service, ntlm_env=""),
#                           ntlm_password set; skips where neither can work
#
# With SSPI_CAPTURE_DIR set (tools/capture-corpus.sh), the exit trap first
# copies the test's transcripts (*.err, *.log, *.tls, h1..h9 in $tmp) to
# $SSPI_CAPTURE_DIR/$me/.
#   tls_tap LABEL           sets tls_tap to "LD_PRELOAD=..." when capturing with
#                           SSPI_TLS_TAP (the tools/tls-plaintext-tap.c object),
#                           else to nothing: `env ${tls_tap:+"$tls_tap"} CMD`
#                           then records CMD's TLS plain text in $tmp/LABEL.tls

: "${me:=test}"
top_builddir=${top_builddir:-$top_srcdir}
mkrealm=$top_srcdir/tools/mkrealm.sh

say()  { printf '%s\n' "$*"; }
fail() { printf '%s: FAIL: %s\n' "$me" "$*" >&2; exit 1; }
skip() { printf '%s: SKIP: %s\n' "$me" "$*"; exit 77; }
hard() { printf '%s: ERROR: %s\n' "$me" "$*" >&2; exit 99; }

# need_built PROGRAM...: the programs this test runs from $top_builddir.
need_built() {
    for p in "$@"; do
        [ -x "$p" ] || hard "$p is not built (run make first)"
    done
}

# need_python_gssapi [CHECK]: py=a python3 that can run CHECK (default
# 'import gssapi'), else skip.  The python3 that configure found may be
# one without Debian's modules (a pyenv or venv interpreter);
# python3-gssapi lives in the system python3.
need_python_gssapi() {
    check=${1:-import gssapi}
    py=
    for cand in "${PYTHON3:-}" /usr/bin/python3 python3; do
        [ -n "$cand" ] || continue
        if "$cand" -c "$check" >/dev/null 2>&1; then
            py=$cand
            return 0
        fi
    done
    skip "no python3 that can '$check' (Debian: apt-get install python3-gssapi)"
}

# need_kdc: tools/mkrealm.sh and a KDC for it to run: Heimdal's or MIT's, by
# GSS_FLAVOUR (make check exports the configured one), with configure's
# program paths (mkrealm.sh --which says which one, or why there is none).
need_kdc() {
    [ -x "$mkrealm" ] || hard "$mkrealm is missing or not executable"
    kdc_which=$("$mkrealm" --which 2>&1) || skip "${kdc_which#mkrealm: }"
}

# make_tmp NAME: tmp=${TMPDIR:-/tmp}/NAME.XXXXXX, and the EXIT trap that
# cleans up after the test, whichever way it ends.
make_tmp() {
    tmp=$(mktemp -d "${TMPDIR:-/tmp}/$1.XXXXXX") || hard "mktemp failed"
    server_pid=
    trap cleanup EXIT
    trap 'exit 1' HUP INT TERM
}

# shellcheck disable=SC2317 # called from the EXIT trap
cleanup() {
    if [ -n "$server_pid" ]; then
        kill "$server_pid" 2>/dev/null
        wait "$server_pid" 2>/dev/null
    fi
    if [ -f "$tmp/realm/env.sh" ]; then
        "$mkrealm" --stop "$tmp/realm" >/dev/null 2>&1
    fi
    # tools/capture-corpus.sh sets SSPI_CAPTURE_DIR to keep what the peers
    # sent (curl -v transcripts, relay logs, response headers) as fuzz
    # seeds; the realm's keys (in $tmp/realm) are never copied.
    if [ -n "${SSPI_CAPTURE_DIR:-}" ]; then
        mkdir -p "$SSPI_CAPTURE_DIR/$me" &&
            find "$tmp" -maxdepth 1 -type f \( -name '*.err' -o -name '*.log' -o -name '*.tls' \
                -o -name 'h[0-9]' \) \
                -exec cp {} "$SSPI_CAPTURE_DIR/$me/" \;
    fi
    rm -rf "$tmp"
}

# tls_tap LABEL: what the FreeRDP tests put before a FreeRDP program
# (env ${tls_tap:+"$tls_tap"} PROGRAM ...) so that, when
# tools/capture-corpus.sh runs them, the TSRequests it sends and receives
# inside TLS are recorded in $tmp/LABEL.tls (tools/tls-plaintext-tap.c);
# otherwise tls_tap is empty and nothing is preloaded.
tls_tap() {
    tls_tap=
    if [ -n "${SSPI_CAPTURE_DIR:-}" ] && [ -n "${SSPI_TLS_TAP:-}" ]; then
        SSPI_TLS_TAP_FILE=$tmp/$1.tls
        export SSPI_TLS_TAP_FILE
        # shellcheck disable=SC2034 # for the test that sources this file
        tls_tap=LD_PRELOAD=$SSPI_TLS_TAP
    fi
}

# start_realm: a throwaway realm $REALM in $tmp/realm (tools/mkrealm.sh).
# Its env.sh sets KRB5_CONFIG, KRB5_KTNAME (the service keytab:
# HTTP/localhost, host/localhost) and KRB5CCNAME (an empty ccache inside
# the realm directory); ALICE_PASSWORD is alice's, from its passwords file.
start_realm() {
    if ! "$mkrealm" "$tmp/realm" "$REALM" >"$tmp/mkrealm.log" 2>&1; then
        cat "$tmp/mkrealm.log" >&2
        fail "tools/mkrealm.sh could not start the realm"
    fi
    # shellcheck disable=SC1091 # written by mkrealm.sh at run time
    . "$tmp/realm/env.sh"
    ALICE_PASSWORD=$(awk -v u="alice@$REALM" '$1 == u { print $2 }' "$tmp/realm/passwords")
    [ -n "$ALICE_PASSWORD" ] || fail "no password for alice@$REALM in $tmp/realm/passwords"
}

# account_name USER: what SECPKG_ATTR_NAMES gives for USER@REALM,
# "DOMAIN\USER", DOMAIN being the realm's first label in capitals, as
# Windows' Kerberos reports an AD account (gss_map/account_name.h).
account_name() {
    printf '%s\\%s' "$(printf '%s' "${REALM%%.*}" | tr '[:lower:]' '[:upper:]')" "$1"
}

# spawn_server LABEL PREFIX LOG COMMAND...: runs COMMAND (which must write
# its port number to $tmp/port) in the background, its output in LOG;
# sets server_pid, and port once the port file is there.  If COMMAND exits
# first, shows LOG (each line behind "   PREFIX| ") and fails, as it does
# after 20 s without a port.
spawn_server() {
    sv_label=$1 sv_prefix=$2 sv_log=$3
    shift 3
    rm -f "$tmp/port"
    "$@" >"$sv_log" 2>&1 &
    server_pid=$!
    n=0
    while [ ! -s "$tmp/port" ]; do
        if ! kill -0 "$server_pid" 2>/dev/null; then
            wait "$server_pid" 2>/dev/null
            server_pid=
            sed "s/^/   $sv_prefix| /" "$sv_log" >&2
            fail "$sv_label exited before listening"
        fi
        n=$((n + 1))
        [ "$n" -le 200 ] || fail "$sv_label did not write its port file in 20 s"
        sleep 0.1
    done
    # shellcheck disable=SC2034 # for the test that sources this file
    port=$(cat "$tmp/port")
}

# wait_server: waits up to 30 s for server_pid to exit by itself (a server
# that serves a fixed number of clients), kills it after that; sets
# server_status to its exit status.
wait_server() {
    n=0
    while kill -0 "$server_pid" 2>/dev/null; do
        n=$((n + 1))
        if [ "$n" -gt 300 ]; then
            kill "$server_pid" 2>/dev/null
            break
        fi
        sleep 0.1
    done
    wait "$server_pid"
    # shellcheck disable=SC2034 # for the test that sources this file
    server_status=$?
    server_pid=
}

# kinit_alice: alice's ticket in the realm's ccache ($KRB5CCNAME, from
# env.sh; never the user's own), with the realm's kinit: sspi_kinit from
# env.sh runs the KDC flavour's kinit (configure's, else the one mkrealm.sh
# found) with its own password-file convention.
kinit_alice() {
    [ -n "${SSPI_KINIT:-}" ] ||
        fail "no kinit found (Debian: apt-get install heimdal-clients, or krb5-user)"
    printf '%s\n' "$ALICE_PASSWORD" >"$tmp/alice.pw"
    if ! sspi_kinit "alice@$REALM" "$tmp/alice.pw" >"$tmp/kinit.log" 2>&1; then
        cat "$tmp/kinit.log" >&2
        fail "kinit alice@$REALM failed"
    fi
    rm -f "$tmp/alice.pw"
}

# need_gss_mechs: with_mechs=tests/with-gss-mechs (this build's mechanisms
# registered for one process tree); skip when registration is impossible
# here (it exits 77 and says why), hard error when it is not built.
need_gss_mechs() {
    with_mechs=$top_builddir/tests/with-gss-mechs
    need_built "$with_mechs"
    wm_out=$("$with_mechs" true 2>&1)
    case $? in
    0) ;;
    77) skip "tests/with-gss-mechs cannot register the mechanisms here: $wm_out" ;;
    *) hard "tests/with-gss-mechs true failed: $wm_out" ;;
    esac
}

# stop_server: kills server_pid (a server started by spawn_server that
# serves until stopped) and waits for it.
stop_server() {
    if [ -n "$server_pid" ]; then
        kill "$server_pid" 2>/dev/null
        wait "$server_pid" 2>/dev/null
        server_pid=
    fi
}

# ntlm_acceptor: what a server needs to accept NTLM for alice, by
# GSS_FLAVOUR.  MIT: gss-ntlmssp registered for that server alone
# (GSS_MECH_CONFIG) with alice in its user file (NTLM_USER_FILE): run the
# server as `$ntlm_env SERVER...` (ntlm_env is unquoted words; $tmp has no
# spaces).  Heimdal: its NTLM acceptor verifies through the KDC's digest
# service (docs/ntlm.md), so the realm is started here unless it runs
# already; ntlm_env is empty.  Sets ntlm_password, alice's password.
ntlm_acceptor() {
    case ${GSS_FLAVOUR:-heimdal} in
    mit)
        na_so=${GSSNTLMSSP:-}
        if [ -z "$na_so" ]; then
            for f in /usr/lib/*/gssntlmssp/gssntlmssp.so; do [ -r "$f" ] && na_so=$f; done
        fi
        if [ -z "$na_so" ] || [ ! -r "$na_so" ]; then
            skip "no gss-ntlmssp for the MIT build (Debian: apt-get install gss-ntlmssp)"
        fi
        ntlm_password=alice-Secret-1
        printf 'gssntlmssp_v1 1.3.6.1.4.1.311.2.2.10 %s\n' "$na_so" >"$tmp/ntlm-mech"
        printf 'SSPI:alice:%s\n' "$ntlm_password" >"$tmp/ntlm-users"
        # shellcheck disable=SC2034 # for the test that sources this file
        ntlm_env="env GSS_MECH_CONFIG=$tmp/ntlm-mech NTLM_USER_FILE=$tmp/ntlm-users"
        say "== gss-ntlmssp $na_so, user store $tmp/ntlm-users"
        ;;
    *)
        if [ ! -f "$tmp/realm/env.sh" ]; then
            need_kdc
            say "== a throwaway realm $REALM with the KDC's digest service"
            start_realm
        fi
        ntlm_password=$ALICE_PASSWORD
        # shellcheck disable=SC2034 # for the test that sources this file
        ntlm_env=
        ;;
    esac
}

# start_xvfb: a new Xvfb ($xvfb) on a display of its choosing, its log in
# $tmp/xvfb.log; sets xvfb_pid and exports DISPLAY.  The caller holds the
# Xvfb lock: two servers started together by a parallel `make check` were
# seen to hand out a display the other then closed.
start_xvfb() {
    : >"$tmp/display"
    # shellcheck disable=SC2154 # xvfb: set by the test that sources this file
    "$xvfb" -displayfd 3 -nolisten tcp -screen 0 800x600x24 3>"$tmp/display" >"$tmp/xvfb.log" 2>&1 &
    xvfb_pid=$!
    n=0
    # Xvfb writes "N\n" once it listens: wait for the whole line, and for its
    # socket (a display read too early was seen to fail to open).
    while [ "$(wc -l <"$tmp/display")" -lt 1 ] ||
          [ ! -S "/tmp/.X11-unix/X$(tr -d '\n' <"$tmp/display")" ]; do
        kill -0 "$xvfb_pid" 2>/dev/null || { cat "$tmp/xvfb.log" >&2; hard "Xvfb did not start"; }
        n=$((n + 1))
        [ "$n" -le 100 ] || hard "Xvfb chose no display in 10 s"
        sleep 0.1
    done
    DISPLAY=:$(tr -d '\n' <"$tmp/display")
    export DISPLAY
}
