#!/bin/sh
# tests/fuzz/run-fuzz.sh BINARY SEEDDIR SECONDS LOG - one libFuzzer target
# for SECONDS, starting from the seeds in SEEDDIR (missing: no seeds).
# The fuzzer works on a temporary copy, so the seed directory in the
# source tree (read-only in `make distcheck`) is never written; the copy
# goes afterwards.  libFuzzer's output is in LOG, a crash input (crash-*,
# leak-*, ...) beside it.  Prints one line: the target, its executions,
# the coverage of its final line (cov: edges, ft: features), the corpus
# size at the start and the end; exit 0 when the run ended without a
# crash, leak or sanitizer report, 1 otherwise (then the log's tail).
# Used by `make fuzz` and .ci/run.
set -u
[ $# -eq 4 ] || { echo "usage: $0 BINARY SEEDDIR SECONDS LOG" >&2; exit 2; }
bin=$1 seeds=$2 secs=$3 log=$4
name=$(basename "$bin")
work=$(mktemp -d "${TMPDIR:-/tmp}/$name.corpus.XXXXXX") || exit 1
trap 'rm -rf "$work"' EXIT
nseeds=0
if [ -d "$seeds" ]; then
    cp -R "$seeds"/. "$work"/
    nseeds=$(find "$work" -type f | wc -l)
fi
logdir=$(cd "$(dirname "$log")" && pwd)
# timeout: a hang past the time limit (libFuzzer checks it between
# inputs) is a failure too.
timeout $((secs + 120)) "$bin" -max_total_time="$secs" -max_len=4096 -print_final_stats=1 \
    -artifact_prefix="$logdir/$name-" "$work" >"$log" 2>&1
rc=$?
runs=$(sed -n 's/^Done \([0-9]*\) runs.*/\1/p' "$log" | tail -n 1)
final=$(grep -E '^#[0-9]+[[:space:]]+(DONE|pulse|NEW|REDUCE|INITED)' "$log" | tail -n 1)
cov=$(printf '%s\n' "$final" | sed -n 's/.* cov: \([0-9]*\) ft: \([0-9]*\) corp: \([0-9]*\)\/.*/cov \1, ft \2, corpus \3/p')
if [ "$rc" -eq 0 ] && [ -n "$runs" ]; then
    echo "$name: ${runs} runs in ${secs} s, ${cov:-no coverage line}, from $nseeds seed(s); no crash"
    exit 0
fi
echo "$name: FAILED (exit $rc) after ${runs:-?} runs; $log:"
tail -n 40 "$log"
exit 1
