#!/bin/sh
# Runs every test: installs the build and test dependencies (Debian 12),
# builds out of tree and runs `make check`.
#   tools/test.sh                      Heimdal GSS-API (the default), in ./build
#   tools/test.sh --with-gssapi=mit    MIT krb5, in ./build-mit
#   tools/test.sh --sanitize           Heimdal, built with AddressSanitizer and
#                                      UndefinedBehaviorSanitizer, in ./build-asan
#                                      (memory errors and UB; leaks are valgrind's
#                                      job: LeakSanitizer cannot tell Heimdal's own
#                                      leaks from ours, tests/valgrind.supp can)
#   tools/test.sh --tsan               Heimdal, built with clang's ThreadSanitizer,
#                                      in ./build-tsan; runs only the threaded
#                                      suite (tests/check_stress) with
#                                      tests/tsan.supp
# Other arguments go to configure.  Each flavour tests against its own KDC,
# and Debian cannot have both KDCs installed: the dependency step swaps the
# KDC packages when the flavour changes (tools/deps.sh).  The summary is in
# BUILDDIR/test-suite.log.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/tools/deps.sh"

flavour=heimdal
sanitize=no
tsan=no
for arg in "$@"; do
    case $arg in
    --sanitize) sanitize=yes ;;
    --tsan) tsan=yes ;;
    --with-gssapi=*) flavour=${arg#--with-gssapi=} ;;
    --without-gssapi|--with-gssapi) echo "test.sh: say --with-gssapi=heimdal or --with-gssapi=mit" >&2; exit 2 ;;
    esac
done
case $flavour in
heimdal) builddir=build ;;
mit) builddir=build-mit ;;
*) echo "test.sh: --with-gssapi must be heimdal or mit, not '$flavour'" >&2; exit 2 ;;
esac
install_deps "$flavour"
if [ $sanitize = yes ]; then
    builddir=build-asan
    set -- $(for a in "$@"; do [ "$a" = --sanitize ] || printf '%s\n' "$a"; done)
    san="-fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer"
    set -- "$@" CFLAGS="-g -O1 $san" LDFLAGS="-fsanitize=address,undefined"
    # verify_asan_link_order=0: the Cyrus interop test runs every program
    # under stdbuf, whose LD_PRELOAD library (no malloc of its own) comes
    # before the ASan runtime.
    export ASAN_OPTIONS=detect_leaks=0:verify_asan_link_order=0 \
           UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
fi
checks=
if [ $tsan = yes ]; then
    builddir=build-tsan
    set -- $(for a in "$@"; do [ "$a" = --tsan ] || printf '%s\n' "$a"; done)
    set -- "$@" CC=clang CFLAGS="-g -O1 -fsanitize=thread" LDFLAGS="-fsanitize=thread"
    # A report fails the suite (exit code 66 from the forked test).
    export TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1 suppressions=$top/tests/tsan.supp"
    checks=tests/check_stress
fi

cd "$top"
[ -x configure ] && [ configure -nt configure.ac ] && [ Makefile.in -nt Makefile.am ] \
    || autoreconf -fi
mkdir -p "$builddir"
cd "$builddir"
../configure --enable-werror "$@"
make -j"$(nproc)"
status=0
make -j"$(nproc)" check ${checks:+TESTS="$checks"} || status=$?
if [ $status -ne 0 ]; then
    echo "=== failing test logs ($flavour) ==="
    for log in $(grep -l -E '^:test-result: (FAIL|ERROR)' $(find . -name '*.trs') 2>/dev/null | sed 's/\.trs$/.log/'); do
        echo "--- $log"; tail -n 60 "$log"
    done
fi
exit $status
