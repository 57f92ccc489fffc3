#!/bin/sh
# tests/load-http.sh - a bounded loopback load of real clients against
# examples/sspi-http-server: curl --negotiate (Kerberos through SPNEGO, a
# kinit'ed ccache), curl --digest (a user of the server's Digest store) and
# curl --ntlm (curl's own NTLM against --package NTLM: gss-ntlmssp's user
# file on MIT, the KDC's digest service on Heimdal), each for a given
# time, one mechanism after the other.
#
#   tests/load-http.sh [--duration S] [--warmup S] [--clients N] [--mechs LIST]
#
#   --duration S   seconds of load per mechanism after the warm-up
#                  (default $LOAD_DURATION or 15; `make load` runs 120)
#   --warmup S     seconds of the same load first (default $LOAD_WARMUP or 5)
#   --clients N    parallel client loops (default $LOAD_CLIENTS or 4, at most 8:
#                  the machine must stay usable)
#   --mechs LIST   "negotiate digest ntlm" (default), or some of them
#   $LOAD_SERVER_WRAPPER  a command put before the server (e.g. valgrind ...)
#   $LOAD_SAMPLES  keep the samples of the load ("fds VmRSS-kB seconds", about
#                  one a second) in $LOAD_SAMPLES.MECH (memory over time)
#
# Each client loop runs curl again and again until the time is up,
# alternating one URL per curl process (a new process, new connections)
# with 8 URLs per process (connection reuse: Digest answers them on the
# kept-alive connection with nc 2..8 through VerifySignature; Negotiate
# closes after each 200, so curl reconnects and authenticates again; so
# does NTLM, whose three legs each connection runs again).
#
# What is asserted, per mechanism:
#   - concurrency: with one client connected and silent, another is
#     answered 200 within 2 s;
#   - every request curl made ended in 200 and every curl exited 0 (one
#     failure fails the test), and the server logged as many "200
#     authenticated as" lines as the clients saw 200s, and no failure;
#   - no descriptor growth: the server's open descriptors (/proc/PID/fd),
#     counted when it is idle after the warm-up and again when it is idle
#     after the load, are the same number;
#   - VmRSS after the load at most LOAD_RSS_SLACK_KB (default 4096) above
#     its value after the warm-up.  The warm-up has loaded the libraries
#     and grown the per-thread malloc arenas; what may still grow is
#     bounded by design: the replay caches (Kerberos authenticators for
#     600 s, Digest nonce counts for the 300 s nonce lifetime, a few dozen
#     bytes each).  Measured on 2-minute runs: +0.1 MiB (Negotiate) and
#     +0.4 MiB (Digest) over ~6,000 requests.  4 MiB then catches a leak
#     of ~700 bytes per request in a 2-minute run (~5 KB in the 15 s
#     variant); valgrind (LOAD_SERVER_WRAPPER) is the fine-grained check.
#     Runs longer than 2 minutes grow more before the caches level off
#     (+2.9 MiB over 11 minutes of Negotiate at 74 requests/s, measured):
#     raise LOAD_RSS_SLACK_KB for them.  For NTLM the bound also allows the
#     GSS library's own per-logon leak (8 kB a request on MIT, 160 bytes on
#     Heimdal; see below).  Not asserted when the server runs with
#     AddressSanitizer, whose quarantine keeps freed memory resident.
# Printed: requests, requests/s, errors, descriptors and VmRSS at start,
# after the warm-up and at the end, the peak seen during the load, and the
# server's CPU time during the load (the clients, a curl process per 1 or
# 8 requests, cost far more: requests/s measures the whole loop, CPU per
# request the server).
#
# Exit: 0 pass, 1 fail, 77 skip (no curl with GSS-API, no KDC, mechanisms
# cannot be registered here), 99 hard error.
set -u

me=load-http
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
# shellcheck source=tests/testlib.sh
if [ -r "$top_srcdir/tests/testlib.sh" ]; then . "$top_srcdir/tests/testlib.sh"; else echo "$me: ERROR: no $top_srcdir/tests/testlib.sh" >&2; exit 99; fi

duration=${LOAD_DURATION:-15}
warmup=${LOAD_WARMUP:-5}
clients=${LOAD_CLIENTS:-4}
mechs=${LOAD_MECHS:-negotiate digest ntlm}
rss_slack_kb=${LOAD_RSS_SLACK_KB:-4096}
urls_per_reuse=8
while [ $# -gt 0 ]; do
    case $1 in
    --duration) duration=$2; shift 2 ;;
    --warmup) warmup=$2; shift 2 ;;
    --clients) clients=$2; shift 2 ;;
    --mechs) mechs=$2; shift 2 ;;
    *) hard "unknown argument '$1' (see the comment at the top of $0)" ;;
    esac
done
for v in "$duration" "$warmup" "$clients"; do
    case $v in '' | *[!0-9]*) hard "--duration, --warmup and --clients take whole numbers" ;; esac
done
if [ "$clients" -lt 1 ] || [ "$clients" -gt 8 ]; then hard "--clients must be 1..8 (a bounded load)"; fi
[ "$duration" -ge 1 ] || hard "--duration must be at least 1"

REALM=${DEMO_REALM:-LOAD.SSPI.TEST}
httpd=$top_builddir/examples/sspi-http-server
need_built "$httpd"

curl_prog=${CURL:-}
[ -n "$curl_prog" ] || curl_prog=$(command -v curl || true)
[ -n "$curl_prog" ] || skip "curl not found (Debian: apt-get install curl)"

make_tmp sspi-load

# --- the server's descriptors and memory, from /proc

fd_count() { find "/proc/$server_pid/fd" -mindepth 1 -maxdepth 1 2>/dev/null | wc -l; }
rss_kb() { awk '$1 == "VmRSS:" { print $2 }' "/proc/$server_pid/status" 2>/dev/null; }
# cpu_ticks: the server's user + system time so far, in clock ticks (the
# command name, field 2, is "(sspi-http-serve)": no spaces to shift fields).
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$server_pid/stat" 2>/dev/null; }
clk_tck=$(getconf CLK_TCK 2>/dev/null || echo 100)

# wait_idle: until the descriptor count holds still for a second (the
# server has closed the connections of the clients that just ended).
wait_idle() {
    last=-1 same=0 n=0
    while [ "$same" -lt 5 ] && [ "$n" -lt 100 ]; do
        cur=$(fd_count)
        if [ "$cur" = "$last" ]; then same=$((same + 1)); else same=0; fi
        last=$cur n=$((n + 1))
        sleep 0.2
    done
}

# sampler FILE: "fds rss seconds" about every second while the server runs
# (the peak; with LOAD_SAMPLES, memory over time).
sampler() {
    sa_t0=$(date +%s)
    while kill -0 "$server_pid" 2>/dev/null; do
        printf '%s %s %s\n' "$(fd_count)" "$(rss_kb)" $(($(date +%s) - sa_t0)) >>"$1"
        sleep 1
    done
}

# --- the clients

# client_loop ID SECONDS DIR CURL-AUTH-ARGS...: curl until SECONDS are up;
# each request's status code (or "curl-exit-N") into DIR/codes.ID.
client_loop() {
    cl_id=$1 cl_secs=$2 cl_dir=$3
    shift 3
    cl_end=$(($(date +%s) + cl_secs))
    cl_i=0
    while [ "$(date +%s)" -lt "$cl_end" ]; do
        if [ $((cl_i % 2)) -eq 0 ]; then cl_n=1; else cl_n=$urls_per_reuse; fi
        # shellcheck disable=SC2046 # word splitting wanted: N times "-o /dev/null URL"
        "$curl_prog" -4 -sS --max-time 30 -w '%{http_code}\n' "$@" \
            $(k=0; while [ $k -lt $cl_n ]; do printf -- '-o /dev/null %s ' "$url"; k=$((k + 1)); done) \
            >>"$cl_dir/codes.$cl_id" 2>>"$cl_dir/err.$cl_id" ||
            echo "curl-exit-$?" >>"$cl_dir/codes.$cl_id"
        cl_i=$((cl_i + 1))
    done
}

# run_clients SECONDS DIR CURL-AUTH-ARGS...: $clients loops in parallel;
# sets ok (200s) and bad (anything else) from their codes.
run_clients() {
    rc_secs=$1 rc_dir=$2
    shift 2
    mkdir -p "$rc_dir"
    pids=
    c=1
    while [ "$c" -le "$clients" ]; do
        client_loop "$c" "$rc_secs" "$rc_dir" "$@" &
        pids="$pids $!"
        c=$((c + 1))
    done
    # shellcheck disable=SC2086 # the pids, one word each
    wait $pids
    cat "$rc_dir"/codes.* >"$rc_dir/codes" 2>/dev/null
    ok=$(grep -cx 200 "$rc_dir/codes")
    bad=$(grep -vcx 200 "$rc_dir/codes")
}

# concurrent_check CURL-AUTH-ARGS...: a client that connects and sends
# nothing for 5 s holds one worker; another client must still be answered
# within 2 s (a server that served connections one at a time would answer
# it only after the idle one has gone, ~4 s later).
concurrent_check() {
    { sleep 5 | "$curl_prog" -s --max-time 6 "telnet://127.0.0.1:$port"; } >/dev/null 2>&1 &
    idle_pid=$!
    sleep 1
    cc_out=$("$curl_prog" -4 -sS --max-time 10 -o /dev/null -w '%{http_code} %{time_total}' \
                 "$@" "$url") || cc_out="curl-exit-$? -"
    wait "$idle_pid"
    cc_code=${cc_out% *} cc_secs=${cc_out#* }
    [ "$cc_code" = 200 ] ||
        fail "with one idle connection open, another client got $cc_code"
    awk -v t="$cc_secs" 'BEGIN { exit !(t < 2) }' ||
        fail "with one idle connection open, another client waited $cc_secs s (connections served one at a time?)"
    say "   ok: with an idle connection open, another client got 200 in $cc_secs s"
}

# --- one mechanism

# load_mech NAME AUTH-LINE-PATTERN CURL-AUTH-ARGS... (the server: $server_pid)
load_mech() {
    lm_name=$1
    shift
    say ""
    say "== $lm_name: $clients clients, ${warmup} s warm-up, then ${duration} s"
    concurrent_check "$@"
    wait_idle
    fd0=$(fd_count) rss0=$(rss_kb)
    say "   start:          fds $fd0, VmRSS $rss0 kB"

    run_clients "$warmup" "$tmp/$lm_name-warm" "$@"
    warm_ok=$ok
    [ "$bad" -eq 0 ] || { report_errors "$tmp/$lm_name-warm"; fail "$lm_name: $bad failed requests during the warm-up"; }
    wait_idle
    fd1=$(fd_count) rss1=$(rss_kb)
    say "   after warm-up:  fds $fd1, VmRSS $rss1 kB ($warm_ok requests)"

    sampler "$tmp/$lm_name.samples" &
    sampler_pid=$!
    cpu0=$(cpu_ticks)
    t0=$(date +%s.%N)
    run_clients "$duration" "$tmp/$lm_name-load" "$@"
    t1=$(date +%s.%N)
    cpu1=$(cpu_ticks)
    kill "$sampler_pid" 2>/dev/null
    wait "$sampler_pid" 2>/dev/null
    [ -z "${LOAD_SAMPLES:-}" ] || cp "$tmp/$lm_name.samples" "$LOAD_SAMPLES.$lm_name"
    wait_idle
    fd2=$(fd_count) rss2=$(rss_kb)
    peak=$(awk 'BEGIN { f = 0; r = 0 } { if ($1 > f) f = $1; if ($2 > r) r = $2 } END { print f, r }' \
               "$tmp/$lm_name.samples")
    rate=$(awk -v n="$ok" -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", n / (b - a) }')
    secs=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }')
    say "   end:            fds $fd2, VmRSS $rss2 kB"
    say "   peak under load: fds ${peak% *}, VmRSS ${peak#* } kB"
    say "   load: $ok requests answered 200 in $secs s = $rate requests/s, $bad errors"
    cpu=$(awk -v a="$cpu0" -v b="$cpu1" -v t="$clk_tck" -v n="$ok" \
              'BEGIN { printf "%.2f s, %.2f ms per request", (b - a) / t, n ? (b - a) / t * 1000 / n : 0 }')
    say "   server CPU (user + system) during the load: $cpu"
    printf '%s %s %s %s %s %s %s %s %s %s %s %s %s\n' "$lm_name" "$clients" "$secs" "$ok" "$rate" \
        "$bad" "$fd0" "$fd1" "$fd2" "$rss0" "$rss1" "$rss2" "${cpu%%,*}" >>"$tmp/summary"

    [ "$bad" -eq 0 ] || { report_errors "$tmp/$lm_name-load"; fail "$lm_name: $bad failed requests under load"; }
    [ "$ok" -gt 0 ] || fail "$lm_name: no request succeeded"
    kill -0 "$server_pid" 2>/dev/null || fail "$lm_name: the server died"
    [ "$fd2" -eq "$fd1" ] || {
        ls -l "/proc/$server_pid/fd" >&2
        fail "$lm_name: the server's descriptors went from $fd1 (after warm-up) to $fd2 (after the load)"
    }
    # Under AddressSanitizer freed memory waits in its quarantine (256 MB by
    # default) before reuse, so VmRSS grows with every request and says
    # nothing about leaks there (measured: +220 MB in the 15 s run); the
    # sanitizer build checks errors, the plain build and valgrind leaks.
    # NTLM leaks in both GSS libraries, per logon, inside their acceptors
    # (docs/robustness.md, "Load"), so for NTLM the bound allows that much
    # per request on top of the slack, measured with room to spare:
    #  - gss-ntlmssp 1.2 (MIT) leaks a whole OpenSSL library context at each
    #    NT hash: MD4_HASH never frees the EVP_MD it fetched (src/crypto.c,
    #    still so upstream in 2026; docs/ntlm.md): ~7.6 kB per logon;
    #  - Heimdal 7.8's NTLM acceptor never frees the CHALLENGE it encodes
    #    (lib/gssapi/ntlm/accept_sec_context.c drops nsi_type2's buffer
    #    after copying it), with smaller blocks: ~94 bytes per logon.
    # A leak of the shim's own, a context or more per logon, still fails.
    leak_per_request=0
    if [ "$lm_name" = ntlm ]; then
        if [ "${GSS_FLAVOUR:-heimdal}" = mit ]; then leak_per_request=8192; else leak_per_request=160; fi
    fi
    allowed_kb=$((rss_slack_kb + leak_per_request * ok / 1024))
    if grep -qE 'libasan|clang_rt\.asan' "/proc/$server_pid/maps" 2>/dev/null; then
        echo "   note: AddressSanitizer build: VmRSS bound not asserted (quarantine)"
    else
        [ "$leak_per_request" -eq 0 ] ||
            echo "   note: the GSS library's NTLM acceptor leaks per logon: the bound allows" \
                "$leak_per_request bytes per request; grew $((rss2 - rss1)) kB," \
                "$(awk -v d=$((rss2 - rss1)) -v n="$ok" 'BEGIN { printf "%.1f", n ? d * 1024 / n : 0 }') bytes per request"
        [ "$rss2" -le $((rss1 + allowed_kb)) ] ||
            fail "$lm_name: VmRSS grew from $rss1 kB to $rss2 kB, more than $allowed_kb kB"
    fi
    all=$((warm_ok + ok + 1)) # + concurrent_check's
    logged=$(grep -c -- '-> 200 authenticated as' "$tmp/$lm_name.log")
    [ "$logged" -eq "$all" ] || {
        grep -- '->.*->' "$tmp/$lm_name.log" | head -n 3 >&2
        fail "$lm_name: the clients saw $all 200s, the server logged $logged"
    }
    if grep -q 'failed' "$tmp/$lm_name.log"; then
        grep 'failed' "$tmp/$lm_name.log" | head -n 5 >&2
        fail "$lm_name: the server logged a failure"
    fi
    say "   ok: no error, descriptors $fd1 -> $fd2, VmRSS $rss1 -> $rss2 kB; server log agrees ($logged authenticated)"
}

report_errors() {
    grep -vhx 200 "$1"/codes.* | sort | uniq -c | sed 's/^/   codes| /' >&2
    cat "$1"/err.* 2>/dev/null | sort | uniq -c | head -n 10 | sed 's/^/   curl| /' >&2
}

# start_load_server NAME PREFIX ARGS...: the server behind PREFIX (a
# command such as with-gss-mechs, or ""), wrapped as asked, its log in
# $tmp/NAME.log; url set.  examples/sspi-http-server is a libtool wrapper
# script, so a wrapper runs through libtool --mode=execute to reach the
# program itself; every step execs, so server_pid is the server's own.
start_load_server() {
    sl_name=$1 sl_prefix=$2
    shift 2
    sl_wrap=
    [ -z "${LOAD_SERVER_WRAPPER:-}" ] ||
        sl_wrap="$top_builddir/libtool --mode=execute $LOAD_SERVER_WRAPPER"
    # shellcheck disable=SC2086 # the prefix and the wrapper are command lines
    spawn_server sspi-http-server "$sl_name" "$tmp/$sl_name.log" \
        $sl_prefix $sl_wrap "$httpd" "$@" --port-file "$tmp/port" --max-clients "$clients"
    url=http://localhost:$port/
}

stop_load_server() {
    # SIGTERM: the server finishes and frees everything, then exits 0
    # (what a valgrind wrapper needs to report leaks).
    kill "$server_pid" 2>/dev/null
    wait "$server_pid"
    st=$?
    server_pid=
    [ "$st" -eq 0 ] || { tail -n 20 "$tmp/$1.log" >&2; fail "$1: the server exited $st after SIGTERM"; }
}

say "$me: $(date -u '+%Y-%m-%d %H:%M UTC'), $(uname -m), $(nproc 2>/dev/null || echo '?') CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg); $("$curl_prog" -V | head -n 1 | cut -d' ' -f1-2)"
say "   server: $httpd ${LOAD_SERVER_WRAPPER:+(under $LOAD_SERVER_WRAPPER)}"
for mech in $mechs; do
    case $mech in
    negotiate)
        if ! "$curl_prog" -V 2>/dev/null | grep -Eq '^Features:.* (GSS-API|SPNEGO)( |$)'; then
            skip "$curl_prog was built without GSS-API/SPNEGO support"
        fi
        if [ ! -f "$tmp/realm/env.sh" ]; then
            need_kdc
            say ""
            say "== a throwaway realm $REALM"
            start_realm
        fi
        kinit_alice
        start_load_server negotiate "" --package Negotiate
        say "   server: $url (Negotiate, pid $server_pid)"
        load_mech negotiate --negotiate -u :
        stop_load_server negotiate
        ;;
    digest)
        need_gss_mechs
        password="Load-Digest-pw1"
        printf 'alice:%s\n' "$password" >"$tmp/passwords"
        start_load_server digest "$with_mechs" --package WDigest --realm "sspi load test" \
            --passwords "$tmp/passwords" --algorithms SHA-256
        say ""
        say "   server: $url (WDigest, SHA-256, pid $server_pid)"
        load_mech digest --digest -u "alice:$password"
        stop_load_server digest
        ;;
    ntlm)
        "$curl_prog" -V 2>/dev/null | grep -Eq '^Features:.* NTLM( |$)' ||
            skip "$curl_prog was built without NTLM (see: curl -V, Features)"
        say ""
        ntlm_acceptor
        start_load_server ntlm "$ntlm_env" --package NTLM
        say "   server: $url (NTLM, pid $server_pid)"
        load_mech ntlm --ntlm -u "alice:$ntlm_password"
        stop_load_server ntlm
        ;;
    *) hard "unknown mechanism '$mech' (negotiate, digest, ntlm)" ;;
    esac
done

say ""
say "summary (fds and VmRSS: at start, after the warm-up, at the end; CPU: the server's, during the load):"
awk '{ printf "   %-9s %s clients %6s s %7s requests %7s req/s %s errors  fds %s,%s,%s  VmRSS %s,%s,%s kB  CPU %s s\n",
       $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13 }' "$tmp/summary"
say "$me: PASS"
exit 0
