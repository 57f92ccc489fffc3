#!/bin/sh
# run-bench.sh - `make bench`: the shim against raw GSS-API, same run
# (bench_digest also against Cyrus SASL's DIGEST-MD5).
#
#   run-bench.sh PROGRAM...      (make bench passes $(EXTRA_PROGRAMS))
#
# For each benchmark program:
#  1. the timed run: every figure is shim vs raw GSS-API in interleaved
#     rounds, median reported (bench/bench.h);
#  2. when valgrind is installed, the same paths under callgrind: the
#     instructions each operation executes, shim vs raw.  Instruction
#     counts do not move with the machine's load, so they are the
#     noise-free measure of what the shim itself adds; the breakdown names
#     the functions the extra instructions are spent in.
#
# Environment:
#   BENCH_SCALE, BENCH_ROUNDS   iteration multiplier, rounds (bench/bench.h)
#   BENCH_CALLGRIND=0           skip the callgrind pass
#   BENCH_CALLGRIND_SCALE=F     callgrind iteration multiplier (default 1:
#                               200 handshakes, 2000 64 B and 100 16 KiB
#                               round trips per path; 200 Digest exchanges)
#   BENCH_KEEP=1                keep the callgrind profiles (path printed);
#                               read them with callgrind_annotate --inclusive=yes
#   BENCH_STRICT=1              exit 1 when a target is missed (default: report only)
#
# Exit status: 0 when every program ran (targets missed are reported, not
# failed, unless BENCH_STRICT=1), 1 when a program failed, 77 when the KDC
# programs are missing and only bench_kerberos was to run (it is skipped,
# the others run).

set -u

if [ $# -eq 0 ]; then
    echo "usage: $0 PROGRAM..." >&2
    exit 2
fi

top_builddir=${top_builddir:-.}
top_srcdir=${top_srcdir:-.}
LIBTOOL="$top_builddir/libtool"

# The KDC the realm harness runs (tests/realm.h); only the Kerberos
# benchmark needs one (bench_digest runs without a realm).
kdc=${HEIMDAL_KDC:-/usr/lib/heimdal-servers/kdc}
no_kdc=0
if [ "${GSS_FLAVOUR:-heimdal}" = heimdal ] && [ ! -x "$kdc" ]; then
    no_kdc=1
    ran_any=0
    for prog in "$@"; do
        [ "$(basename "$prog")" = bench_kerberos ] || ran_any=1
    done
    if [ "$ran_any" = 0 ]; then
        echo "run-bench.sh: SKIP: no Heimdal kdc ($kdc); install heimdal-kdc" >&2
        exit 77
    fi
fi

# ------------------------------------------------------------ the machine

gss_version() {
    case "${GSS_FLAVOUR:-heimdal}" in
    mit) pkgs="libgssapi-krb5-2" ;;
    *) pkgs="libgssapi3-heimdal" ;;
    esac
    v=$(dpkg-query -W -f='${Package} ${Version}' $pkgs 2>/dev/null)
    if [ -z "$v" ]; then
        v=$(pkg-config --modversion heimdal-gssapi 2>/dev/null || krb5-config --version 2>/dev/null)
    fi
    echo "${v:-unknown}"
}

echo "sspi-shim benchmarks: the shim vs raw GSS-API in the same run"
echo "date:      $(date -u '+%Y-%m-%d %H:%M:%S UTC')"
echo "machine:   $(nproc) CPUs, $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1), $(uname -sr)"
echo "memory:    $(awk '/^MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)"
echo "GSS-API:   ${GSS_FLAVOUR:-heimdal}: $(gss_version)"
if command -v git >/dev/null 2>&1 && git -C "$top_srcdir" rev-parse HEAD >/dev/null 2>&1; then
    dirty=$(git -C "$top_srcdir" status --porcelain --untracked-files=no 2>/dev/null | head -n 1)
    echo "source:    $(git -C "$top_srcdir" rev-parse --short HEAD)${dirty:+ (with uncommitted changes)}"
fi
echo "settings:  BENCH_SCALE=${BENCH_SCALE:-1} BENCH_ROUNDS=${BENCH_ROUNDS:-21}"
echo "load:      $(cut -d' ' -f1-3 /proc/loadavg) (1, 5, 15 min) before the run"
echo

status=0
missed=0

# ------------------------------------------------------------ callgrind

# callgrind_annotate output -> "function [object]<TAB>instructions" lines.
annotate() {
    callgrind_annotate --threshold=100 --auto=no "$@" 2>/dev/null | awk '
        /^ *[0-9,]+ +\(/ {
            cost = $1; gsub(",", "", cost)
            line = $0
            sub(/^ *[0-9,]+ +\([^)]*\) +/, "", line)
            if (line ~ /^=>/ || line ~ /PROGRAM TOTALS/) next
            obj = ""
            if (match(line, / \[[^]]*\]$/)) {
                obj = substr(line, RSTART + 2, RLENGTH - 3)
                line = substr(line, 1, RSTART - 1)
            }
            n = split(obj, parts, "/"); obj = parts[n]
            sub(/\.so[.0-9]*$/, ".so", obj)
            fn = line; sub(/^.*:/, "", fn)
            # The frames below the measured region get its whole cost
            # (an artefact of --toggle-collect): not functions of interest.
            if (fn ~ /below main|^__libc_start_main/ || obj ~ /^ld-linux/) next
            key = fn " [" obj "]"
            sum[key] += cost
        }
        END { for (k in sum) printf "%s\t%d\n", k, sum[k] }'
}

# The dump callgrind wrote when it left region $2, in directory $1.
dump_for() {
    grep -l "^desc: Trigger: --dump-after=cg_region_$2\$" "$1"/cg.out.* 2>/dev/null | head -n 1
}

totals() {
    sed -n 's/^totals: *//p' "$1" | head -n 1
}

# compare DIR LABEL RAW_REGION SHIM_REGION N
compare_regions() {
    dir=$1 label=$2 raw_f=$(dump_for "$1" "$3") shim_f=$(dump_for "$1" "$4") n=$5
    if [ -z "$raw_f" ] || [ -z "$shim_f" ]; then
        echo "  $label: no profile (region $3 or $4 did not run)"
        return
    fi
    raw_t=$(totals "$raw_f") shim_t=$(totals "$shim_f")
    awk -v l="$label" -v r="$raw_t" -v s="$shim_t" -v n="$n" 'BEGIN {
        printf "  %-36s raw %9.0f   shim %9.0f   +%.0f (+%.2f%%)   ratio %.3f\n",
               l, r / n, s / n, (s - r) / n, (s - r) * 100 / r, r / s
    }'
    echo "RESULT callgrind_$3 raw_instr=$((raw_t / n)) shim_instr=$((shim_t / n)) ratio=$(awk -v r="$raw_t" -v s="$shim_t" 'BEGIN { printf "%.4f", r / s }')" >"$dir/result.$4"
    annotate --inclusive=yes "$raw_f" >"$dir/$3.incl"
    annotate --inclusive=yes "$shim_f" >"$dir/$4.incl"
    annotate "$raw_f" >"$dir/$3.self"
    annotate "$shim_f" >"$dir/$4.self"
}

# breakdown DIR RAW_REGION SHIM_REGION N: where the extra instructions go.
breakdown() {
    dir=$1 raw=$2 shim=$3 n=$4
    [ -f "$dir/$shim.incl" ] || return
    echo "    shim functions (libsspi), instructions per operation, inclusive of what they call:"
    awk -F '\t' -v n="$n" '$1 ~ /\[libsspi\.so\]$/ && $2 / n >= 50 {
            printf "      %9.0f  %s\n", $2 / n, $1 }' "$dir/$shim.incl" | sort -rn | head -n 25
    echo "    the shim's own code (self instructions in libsspi): $(awk -F '\t' -v n="$n" '
            $1 ~ /\[libsspi\.so\]$/ { s += $2 } END { printf "%.0f", s / n }' "$dir/$shim.self") per operation"
    echo "    calls only the shim makes (not in the raw path), inclusive, per operation:"
    awk -F '\t' -v n="$n" '
        FNR == NR { raw[$1] = $2; next }
        !($1 in raw) && $1 !~ /\[(libsspi\.so|bench_kerberos|bench_digest)\]$/ && $1 !~ /^0x/ &&
        $2 / n >= 100 {
            printf "      %9.0f  %s\n", $2 / n, $1 }' "$dir/$raw.incl" "$dir/$shim.incl" |
        sort -rn | head -n 12
    echo "    largest self-instruction differences, shim - raw, per operation:"
    awk -F '\t' -v n="$n" '
        FNR == NR { raw[$1] = $2; next }
        { shim[$1] = $2 }
        END {
            for (k in shim) if (k !~ /\[bench_(kerberos|digest)\]$/) d[k] = shim[k] - raw[k]
            for (k in raw) if (!(k in shim) && k !~ /\[bench_(kerberos|digest)\]$/) d[k] = -raw[k]
            for (k in d) if (d[k] / n >= 100 || d[k] / n <= -100) printf "      %+9.0f  %s\n", d[k] / n, k
        }' "$dir/$raw.self" "$dir/$shim.self" | sort -rn | head -n 15
}

# The Digest benchmark's regions (bench/bench_digest.c): one exchange per
# path - WDigest HTTP and SASL through the shim, the same legs as raw
# GSS-API calls into the mechanism, and Cyrus SASL's DIGEST-MD5.
run_callgrind_digest() {
    prog=$1
    dir=$(mktemp -d "${TMPDIR:-/tmp}/sspi-bench-cg.XXXXXX") || return
    paths="shim_http raw_http shim_sasl raw_sasl cyrus"
    dumps=""
    for p in $paths; do
        dumps="$dumps --dump-after=cg_region_digest_$p"
    done
    echo "callgrind: instructions per exchange (deterministic; $prog --callgrind)"
    # shellcheck disable=SC2086
    if ! BENCH_SCALE=${BENCH_CALLGRIND_SCALE:-1} "$LIBTOOL" --mode=execute valgrind \
            --tool=callgrind --collect-atstart=no --toggle-collect='cg_region_*' $dumps \
            --callgrind-out-file="$dir/cg.out" "$prog" --callgrind >"$dir/stdout" 2>"$dir/stderr"; then
        echo "  callgrind run failed:"
        sed 's/^/    /' "$dir/stderr" | tail -n 20
        status=1
        rm -rf "$dir"
        return
    fi
    result="RESULT callgrind_digest"
    for p in $paths; do
        n=$(sed -n "s/^CALLGRIND digest_$p n=//p" "$dir/stdout")
        f=$(dump_for "$dir" "digest_$p")
        if [ -z "$n" ] || [ -z "$f" ]; then
            echo "  $p: not measured (the path fails; see the timed run)"
            eval "cg_$p="
            continue
        fi
        per=$(($(totals "$f") / n))
        eval "cg_$p=$per"
        printf '  %-10s %10d instructions per exchange (n=%d)\n' "$p" "$per" "$n"
        result="$result $p=$per"
    done
    # ratio A B: B's instructions over A's (how many times cheaper A is).
    ratio() {
        eval "a=\$cg_$1 b=\$cg_$2"
        if [ -n "$a" ] && [ -n "$b" ]; then
            awk -v a="$a" -v b="$b" -v l="$3" 'BEGIN { printf "  %-40s %.3f\n", l, b / a }'
            result="$result $1_vs_$2=$(awk -v a="$a" -v b="$b" 'BEGIN { printf "%.4f", b / a }')"
        fi
    }
    ratio shim_http cyrus "Cyrus / WDigest HTTP (target >= 2):"
    ratio shim_sasl cyrus "Cyrus / WDigest SASL (target >= 2):"
    ratio shim_http raw_http "raw GSS / WDigest HTTP:"
    ratio shim_sasl raw_sasl "raw GSS / WDigest SASL:"
    echo "$result"
    for m in http sasl; do
        eval "s=\$cg_shim_$m r=\$cg_raw_$m"
        [ -n "$s" ] && [ -n "$r" ] || continue
        n=$(sed -n "s/^CALLGRIND digest_shim_$m n=//p" "$dir/stdout")
        echo
        echo "  where the shim's extra instructions go: $m exchange (per exchange)"
        compare_regions "$dir" "$m exchange" "digest_raw_$m" "digest_shim_$m" "$n"
        breakdown "$dir" "digest_raw_$m" "digest_shim_$m" "$n"
    done
    if [ "${BENCH_KEEP:-0}" = 1 ]; then
        echo "  profiles kept in $dir"
    else
        rm -rf "$dir"
    fi
}

run_callgrind() {
    prog=$1
    if [ "${BENCH_CALLGRIND:-1}" = 0 ]; then
        echo "callgrind pass skipped (BENCH_CALLGRIND=0)"
        return
    fi
    if ! command -v valgrind >/dev/null 2>&1 || ! command -v callgrind_annotate >/dev/null 2>&1; then
        echo "callgrind pass skipped: valgrind is not installed (Debian: apt-get install valgrind)"
        return
    fi
    case $(basename "$prog") in
    bench_digest) run_callgrind_digest "$prog"; return ;;
    bench_credssp)
        # Its baselines are OpenSSL and GSS-API themselves, not a raw-GSS
        # twin of the same path: the timed ratios are its figures.
        echo "callgrind pass: none for bench_credssp (timed figures only)"
        return ;;
    esac
    dir=$(mktemp -d "${TMPDIR:-/tmp}/sspi-bench-cg.XXXXXX") || return
    regions="raw_handshake shim_handshake raw_handshake_mem shim_handshake_mem raw_msg64 shim_msg64
             raw_msg16k shim_msg16k"
    dumps=""
    for r in $regions; do
        dumps="$dumps --dump-after=cg_region_$r"
    done
    echo "callgrind: instructions per operation (deterministic; $prog --callgrind)"
    # shellcheck disable=SC2086
    if ! BENCH_SCALE=${BENCH_CALLGRIND_SCALE:-1} "$LIBTOOL" --mode=execute valgrind \
            --tool=callgrind --collect-atstart=no --toggle-collect='cg_region_*' $dumps \
            --callgrind-out-file="$dir/cg.out" "$prog" --callgrind >"$dir/stdout" 2>"$dir/stderr"; then
        echo "  callgrind run failed:"
        sed 's/^/    /' "$dir/stderr" | tail -n 20
        status=1
        rm -rf "$dir"
        return
    fi
    nh=$(sed -n 's/^CALLGRIND handshake n=//p' "$dir/stdout")
    nhm=$(sed -n 's/^CALLGRIND handshake_mem n=//p' "$dir/stdout")
    nm=$(sed -n 's/^CALLGRIND msg64 n=//p' "$dir/stdout")
    nk=$(sed -n 's/^CALLGRIND msg16k n=//p' "$dir/stdout")
    [ -n "$nh" ] && compare_regions "$dir" "handshake, FILE ccache" raw_handshake shim_handshake "$nh"
    [ -n "$nhm" ] && compare_regions "$dir" "handshake, MEMORY ccache" raw_handshake_mem shim_handshake_mem "$nhm"
    if [ -n "$nm" ]; then
        compare_regions "$dir" "64 B Encrypt+DecryptMessage" raw_msg64 shim_msg64 "$nm"
        [ -n "$nk" ] && compare_regions "$dir" "16 KiB Encrypt+DecryptMessage" raw_msg16k shim_msg16k "$nk"
    else
        echo "  64 B Encrypt+DecryptMessage:        not implemented yet"
        echo "RESULT callgrind_msg64 not_implemented_yet" >"$dir/result.shim_msg64"
    fi
    cat "$dir"/result.* 2>/dev/null
    if [ -n "$nh" ]; then
        echo
        echo "  where the shim's extra instructions go: handshake, FILE ccache (per handshake)"
        breakdown "$dir" raw_handshake shim_handshake "$nh"
        replay=$(awk -F '\t' -v n="$nh" '$1 ~ /^shim_replay_check / { printf "%.0f", $2 / n; exit }' "$dir/shim_handshake.incl")
        echo "  the acceptor replay cache (shim_replay_check, inclusive): ${replay:-0} instructions per handshake"
        echo "RESULT callgrind_replay_check instr=${replay:-0}"
    fi
    if [ -n "$nm" ]; then
        echo
        echo "  where the shim's extra instructions go: 64 B message round trip (per round trip)"
        breakdown "$dir" raw_msg64 shim_msg64 "$nm"
    fi
    if [ "${BENCH_KEEP:-0}" = 1 ]; then
        echo "  profiles kept in $dir"
    else
        rm -rf "$dir"
    fi
}

# ------------------------------------------------------------ run

for prog in "$@"; do
    name=$(basename "$prog")
    if [ "$name" = bench_kerberos ] && [ "$no_kdc" = 1 ]; then
        echo "$name: SKIP: no Heimdal kdc ($kdc); install heimdal-kdc"
        echo
        continue
    fi
    echo "=============================================================================="
    echo "$name"
    echo "=============================================================================="
    out=$(mktemp "${TMPDIR:-/tmp}/sspi-bench-out.XXXXXX") || exit 1
    start=$(date +%s)
    # The program's own status, through the pipe to tee (plain sh has no
    # pipefail).
    { "$prog"; echo $? >"$out.rc"; } | tee "$out"
    rc=$(cat "$out.rc" 2>/dev/null || echo 1)
    if [ "$rc" != 0 ]; then
        echo "$name: FAILED (exit status $rc)"
        status=1
    fi
    if grep -q '^RESULT .*verdict=MISSED' "$out"; then
        missed=1
    fi
    rm -f "$out" "$out.rc"
    echo "timed run: $(($(date +%s) - start)) s"
    echo
    run_callgrind "$prog"
    echo
done

echo "load:      $(cut -d' ' -f1-3 /proc/loadavg) (1, 5, 15 min) after the run"
if [ "$missed" = 1 ]; then
    echo "some targets were MISSED (see the verdicts above; docs/performance.md)"
    [ "${BENCH_STRICT:-0}" = 1 ] && status=1
fi
exit $status
