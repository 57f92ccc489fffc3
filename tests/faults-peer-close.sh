#!/bin/sh
# tests/faults-peer-close.sh - a peer that goes away in the middle of the
# handshake, for the socket example programs (issue 6, fault tests).
#
# For each package (Kerberos and Negotiate; FAULT_PACKAGES overrides):
#   1. client side: examples/sspi-demo-client talks to a "server" that reads
#      the client's first token frame and closes the connection before
#      answering.  The client must exit 1 with a message that names the
#      lost connection, and (under valgrind) free everything it allocated.
#   2. server side: examples/sspi-demo-server --once gets a client that
#      sends half of a token frame (the 4-byte length, then part of the
#      body) and closes.  The server must exit 1, say so, and leak nothing.
#   3. the same server, started again, still authenticates a real client:
#      the failure left nothing behind (no stale replay entry, no lock).
# The half-peer is a few lines of python3 on 127.0.0.1 (the wire format is
# examples/demo_net.h: 4-byte big-endian length, then the bytes).
# Valgrind (memcheck, definite leaks are errors, tests/valgrind.supp) runs
# the demo programs when it is installed, except in a sanitizer build;
# FAULT_VALGRIND=0 turns it off.
#
# Exit: 0 pass, 1 fail, 77 skip (no KDC / no python3), 99 hard error.
set -u

me=faults-peer-close
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
# shellcheck source=tests/testlib.sh
if [ -r "$top_srcdir/tests/testlib.sh" ]; then . "$top_srcdir/tests/testlib.sh"; else echo "$me: ERROR: no $top_srcdir/tests/testlib.sh" >&2; exit 99; fi
REALM=${FAULT_REALM:-FAULT.SSPI.TEST}
PACKAGES=${FAULT_PACKAGES:-Kerberos Negotiate}
TARGET=HTTP/localhost

server=$top_builddir/examples/sspi-demo-server
client=$top_builddir/examples/sspi-demo-client

need_built "$server" "$client"
need_kdc
command -v python3 >/dev/null 2>&1 || skip "python3 is not installed"
make_tmp sspi-faults

# run PROGRAM ARGS...: under valgrind when available (exit 9 = memory error
# or definite leak), through libtool so the uninstalled library is used.
# Not in a sanitizer build (tools/test.sh --sanitize / --tsan): those
# binaries check themselves and cannot run under valgrind.
vg=
if [ "${FAULT_VALGRIND:-1}" != 0 ] && command -v valgrind >/dev/null 2>&1 &&
   ! grep -q '^CFLAGS = .*-fsanitize' "$top_builddir/Makefile" 2>/dev/null; then
    vg="valgrind --quiet --leak-check=full --errors-for-leak-kinds=definite
        --show-leak-kinds=definite --error-exitcode=9
        --suppressions=$top_srcdir/tests/valgrind.supp"
fi
run() {
    # shellcheck disable=SC2086 # $vg is a word list on purpose
    "$top_builddir/libtool" --mode=execute $vg "$@"
}

say "== a throwaway realm $REALM in $tmp/realm${vg:+ (demo programs under valgrind)}"
start_realm

# half_server PORTFILE: accepts one connection, reads the first frame,
# closes without a reply.
cat >"$tmp/half_server.py" <<'EOF'
import socket, struct, sys
s = socket.socket()
s.bind(("127.0.0.1", 0))
s.listen(1)
with open(sys.argv[1] + ".tmp", "w") as f:
    f.write("%d\n" % s.getsockname()[1])
import os
os.rename(sys.argv[1] + ".tmp", sys.argv[1])
s.settimeout(60)
c, _ = s.accept()
c.settimeout(60)
def recv_exact(n):
    b = b""
    while len(b) < n:
        d = c.recv(n - len(b))
        if not d:
            sys.exit("half_server: client closed first")
        b += d
    return b
(n,) = struct.unpack(">I", recv_exact(4))
recv_exact(n)
print("half_server: read a %d-byte token, closing" % n)
c.close()
s.close()
EOF

# half_client PORT: sends a frame header for 1000 bytes, 10 bytes, closes.
cat >"$tmp/half_client.py" <<'EOF'
import socket, struct, sys
c = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=60)
c.sendall(struct.pack(">I", 1000) + b"\x60" * 10)
c.close()
print("half_client: sent 14 of 1004 bytes, closed")
EOF

for pkg in $PACKAGES; do
    # ------------------------------------------------ 1. the server goes away
    say ""
    say "== $pkg: the server closes after reading the first token"
    spawn_server "half server" half "$tmp/half.log" python3 "$tmp/half_server.py" "$tmp/port"
    run "$client" --package "$pkg" --target "$TARGET" --port "$port" --mutual \
        --user "alice@$REALM" --password "$ALICE_PASSWORD" >"$tmp/client.log" 2>&1
    st=$?
    wait_server
    sed 's/^/   client| /' "$tmp/client.log"
    sed 's/^/   half| /' "$tmp/half.log"
    [ "$server_status" -eq 0 ] || fail "$pkg: the half server did not read a token"
    [ "$st" -ne 9 ] || fail "$pkg: the client has a memory error or a leak (valgrind)"
    [ "$st" -eq 1 ] || fail "$pkg: the client exited $st, expected 1"
    grep -qi "closed\|connection\|end of\|EOF" "$tmp/client.log" ||
        fail "$pkg: the client's message does not say the connection was lost"

    # ------------------------------------------------ 2. the client goes away
    say ""
    say "== $pkg: a client sends half a token frame and closes"
    spawn_server "sspi-demo-server" server "$tmp/server.log" \
        run "$server" --package "$pkg" --port-file "$tmp/port" --once
    python3 "$tmp/half_client.py" "$port" >"$tmp/half.log" 2>&1 ||
        fail "$pkg: the half client could not connect: $(cat "$tmp/half.log")"
    wait_server
    sed 's/^/   half| /' "$tmp/half.log"
    sed 's/^/   server| /' "$tmp/server.log"
    [ "$server_status" -ne 9 ] || fail "$pkg: the server has a memory error or a leak (valgrind)"
    [ "$server_status" -eq 1 ] || fail "$pkg: the server exited $server_status, expected 1"

    # ------------------------------------------------ 3. and recovers
    say ""
    say "== $pkg: a new server, a real client"
    spawn_server "sspi-demo-server" server "$tmp/server.log" \
        run "$server" --package "$pkg" --port-file "$tmp/port" --once
    run "$client" --package "$pkg" --target "$TARGET" --port "$port" --mutual \
        --user "alice@$REALM" --password "$ALICE_PASSWORD" >"$tmp/client.log" 2>&1
    st=$?
    wait_server
    sed 's/^/   client| /' "$tmp/client.log"
    sed 's/^/   server| /' "$tmp/server.log"
    [ "$st" -eq 0 ] || fail "$pkg: the client exited $st after the faults, expected 0"
    [ "$server_status" -eq 0 ] || fail "$pkg: the server exited $server_status, expected 0"
done
say ""
say "$me: all cases passed"
exit 0
