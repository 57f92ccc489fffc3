#!/bin/sh
# libsspi exports exactly the names in shim/libsspi.sym: every SSPI entry
# point ported code links against, and nothing internal.
set -eu
lib="$top_builddir/.libs/libsspi.so"
[ -f "$lib" ] || { echo "SKIP: no $lib (shared library not built)"; exit 77; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
sort "$top_srcdir/shim/libsspi.sym" > "$tmp/expected"
nm -D --defined-only "$lib" | awk '$2 ~ /^[TDBRW]$/ {print $3}' | sort > "$tmp/actual"
if ! diff -u "$tmp/expected" "$tmp/actual"; then
    echo "FAIL: exported symbols differ from shim/libsspi.sym (- expected, + exported)"
    exit 1
fi
# Every exported name is declared in the public headers.
for sym in $(cat "$tmp/expected"); do
    grep -q "\\b$sym\\b" "$top_srcdir/include/sspi.h" "$top_srcdir/include/sspi_shim.h" || {
        echo "FAIL: $sym is exported but declared in no public header"; exit 1; }
done
echo "exports ok: $(wc -l < "$tmp/expected") symbols"
