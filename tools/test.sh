#!/bin/sh
# Runs every test: installs the build and test dependencies (Debian 12),
# builds out of tree in ./build and runs `make check`.
#   tools/test.sh            Heimdal GSS-API (the default)
# Extra arguments go to configure.  The summary is in build/test-suite.log.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/tools/deps.sh"
install_deps

cd "$top"
[ -x configure ] && [ configure -nt configure.ac ] && [ Makefile.in -nt Makefile.am ] \
    || autoreconf -fi
mkdir -p build
cd build
../configure --enable-werror "$@"
make -j"$(nproc)"
status=0
make -j"$(nproc)" check || status=$?
if [ $status -ne 0 ]; then
    echo "=== failing test logs ==="
    for log in $(grep -l -E '^:test-result: (FAIL|ERROR)' $(find . -name '*.trs') 2>/dev/null | sed 's/\.trs$/.log/'); do
        echo "--- $log"; tail -n 60 "$log"
    done
fi
exit $status
