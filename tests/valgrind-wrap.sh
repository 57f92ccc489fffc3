#!/bin/sh
# LOG_COMPILER for `make check` under valgrind memcheck (tools/test.sh
# --valgrind): runs one Check suite under valgrind and fails it on any
# memory error or definite leak.  Check's fork mode stays on (the suites
# rely on each test running in its own process): valgrind follows the
# forked children, and a child that ends with valgrind's error code fails
# its test.  tests/valgrind.supp lists only leaks measured in the GSS library
# itself, each with its evidence.
set -eu
prog=$1; shift
exec "${top_builddir:-.}/libtool" --mode=execute valgrind --quiet --leak-check=full \
    --errors-for-leak-kinds=definite --show-leak-kinds=definite --error-exitcode=9 \
    --suppressions="${top_srcdir:-.}/tests/valgrind.supp" --trace-children=no \
    "$prog" "$@"
