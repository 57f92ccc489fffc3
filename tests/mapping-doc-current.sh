#!/bin/sh
# docs/mapping-reference.md is generated from the gss_map tables by
# tools/gen-mapping-doc; this test fails when the committed copy no longer
# matches what the tables say.  Exit: 0 pass, 1 fail, 77 skip (automake).
top_srcdir=${top_srcdir:-.}
top_builddir=${top_builddir:-.}
gen="$top_builddir/tools/gen-mapping-doc"
doc="$top_srcdir/docs/mapping-reference.md"
regen="regenerate with: $gen > $doc"

if [ ! -x "$gen" ]; then
    echo "SKIP: $gen is not built (run make first)"
    exit 77
fi
# The committed reference is the Heimdal build's.  An MIT build's tables
# differ only in the rows for error codes that exist in one library alone
# (Heimdal's extra ASN.1 and gk5 codes, MIT's k5g/ggss and ASN.1 codes;
# gss_map/status.c), which check_gss_map_status tests in both builds.
if grep -q '^#define SSPI_SHIM_MIT 1' "$top_builddir/config.h" 2>/dev/null; then
    echo "SKIP: built with --with-gssapi=mit; $doc is generated from the Heimdal build" \
         "(its library-specific rows differ), so it is checked there"
    exit 77
fi
if [ ! -f "$doc" ]; then
    echo "FAIL: $doc is missing; $regen"
    exit 1
fi

tmp=$(mktemp "${TMPDIR:-/tmp}/mapping-reference.XXXXXX") || exit 1
trap 'rm -f "$tmp"' EXIT INT TERM
if ! "$gen" > "$tmp"; then
    echo "FAIL: $gen failed"
    exit 1
fi
if diff -u "$doc" "$tmp"; then
    echo "PASS: $doc matches the gss_map tables"
    exit 0
fi
echo "FAIL: $doc is out of date with the gss_map tables; $regen"
exit 1
