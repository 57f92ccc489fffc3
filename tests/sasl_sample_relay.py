#!/usr/bin/python3
"""Connect two programs that speak Cyrus SASL's sample protocol on their
stdin/stdout ("S: <base64>" from the server, "C: <base64>" from the
client), for tests/interop-cyrus-digest-md5.sh.

    sasl_sample_relay.py PASSWORD -- SERVER... -- CLIENT...

Each "S: " line the server prints goes to the client's stdin, each "C: "
line of the client to the server's stdin; every line of both (stdout and
stderr) is printed with "S| " or "C| " in front.  sasl-sample-client asks
for the password with getpass(): without a controlling terminal (each
program runs in a new session) glibc reads it from stdin, so the prompt
"Password: " is answered with PASSWORD.  The programs' stdout is made
line-buffered with stdbuf (the samples never flush).  Exit: 0 when both
exit 0, else 1, with each exit status printed; 30 s at most.
"""
import os
import select
import subprocess
import sys
import time


def main():
    args = sys.argv[1:]
    password = args[0].encode() + b"\n"
    sep = [i for i, a in enumerate(args) if a == "--"]
    if len(sep) != 2:
        print("usage: sasl_sample_relay.py PASSWORD -- SERVER... -- CLIENT...", file=sys.stderr)
        return 2
    server_cmd = args[sep[0] + 1:sep[1]]
    client_cmd = args[sep[1] + 1:]
    procs = {}
    for tag, cmd in (("S", server_cmd), ("C", client_cmd)):
        procs[tag] = subprocess.Popen(["stdbuf", "-oL", "-eL"] + cmd, stdin=subprocess.PIPE,
                                      stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                      start_new_session=True)
    other = {"S": "C", "C": "S"}
    fds = {procs[t].stdout.fileno(): t for t in procs}
    bufs = {t: b"" for t in procs}
    deadline = time.monotonic() + 30
    while fds:
        left = deadline - time.monotonic()
        if left <= 0:
            print("relay: timeout after 30 s")
            for p in procs.values():
                p.kill()
            break
        ready, _, _ = select.select(list(fds), [], [], left)
        for fd in ready:
            tag = fds[fd]
            data = os.read(fd, 65536)
            if not data:
                del fds[fd]
                # The peer must see the end too, or it waits for ever.
                try:
                    procs[other[tag]].stdin.close()
                except (BrokenPipeError, ValueError):
                    pass
                if bufs[tag]:
                    print("%s| %s" % (tag, bufs[tag].decode(errors="replace")))
                continue
            bufs[tag] += data
            while True:
                b = bufs[tag]
                if b.endswith(b"Password: ") and b"\n" not in b:
                    print("%s| Password: (answered)" % tag)
                    procs[tag].stdin.write(password)
                    procs[tag].stdin.flush()
                    bufs[tag] = b""
                    continue
                nl = b.find(b"\n")
                if nl < 0:
                    break
                line, bufs[tag] = b[:nl + 1], b[nl + 1:]
                # A prompt may precede a line on the same output.
                if line.startswith(b"Password: "):
                    print("%s| Password: (answered)" % tag)
                    procs[tag].stdin.write(password)
                    procs[tag].stdin.flush()
                    line = line[len(b"Password: "):]
                print("%s| %s" % (tag, line.decode(errors="replace").rstrip("\n")))
                if line.startswith(tag.encode() + b": ") or line.rstrip(b"\n") == tag.encode() + b":":
                    try:
                        procs[other[tag]].stdin.write(line)
                        procs[other[tag]].stdin.flush()
                    except (BrokenPipeError, ValueError):
                        pass
            sys.stdout.flush()
    status = {}
    for tag, p in procs.items():
        try:
            status[tag] = p.wait(timeout=5)
        except subprocess.TimeoutExpired:
            p.kill()
            status[tag] = p.wait()
    print("relay: server exit %d, client exit %d" % (status["S"], status["C"]))
    return 0 if status["S"] == 0 and status["C"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
