#!/usr/bin/python3
"""Client half of tests/interop-python-requests-digest.sh: python3-requests'
HTTPDigestAuth against examples/sspi-http-server --package WDigest.

    py_requests_digest.py URL USER PASSWORD COUNT ALGORITHM

One requests.Session makes COUNT GETs: the first is answered 401 and
retried with nc=00000001; requests then reuses the nonce pre-emptively
with nc=2, 3, ... (RFC 7616 3.4), which the server checks through
VerifySignature.  Then the last Authorization is replayed as it was (same
nc): the server must refuse it (401).  Finally a new session with a wrong
password must end in 401.  Prints one line per request; exits 1 on the
first unexpected answer.
"""
import sys

import requests
from requests.auth import HTTPDigestAuth


def main():
    url, user, password, count, algorithm = sys.argv[1:6]
    count = int(count)
    ok = True
    with requests.Session() as s:
        s.auth = HTTPDigestAuth(user, password)
        last_auth = None
        for i in range(1, count + 1):
            r = s.get(url, timeout=30)
            sent = r.request.headers.get("Authorization", "")
            first = r.history[0].status_code if r.history else None
            print("request %d: %s%d %r; Authorization: %s"
                  % (i, "%d then " % first if first else "", r.status_code,
                     r.text.strip(), sent))
            want_nc = "nc=%08x" % i
            if r.status_code != 200 or want_nc not in sent:
                print("FAIL: request %d: expected 200 with %s" % (i, want_nc))
                ok = False
            if "algorithm=\"%s\"" % algorithm not in sent and "algorithm=%s" % algorithm not in sent:
                print("FAIL: request %d: algorithm %s not used" % (i, algorithm))
                ok = False
            if i == 1 and first != 401:
                print("FAIL: the first request was not challenged (401)")
                ok = False
            if i > 1 and first is not None:
                print("FAIL: request %d needed a new challenge: nonce reuse refused" % i)
                ok = False
            last_auth = sent
    # The server is single-threaded: the session's connection is closed
    # above before another connection is opened.
    # The same Authorization again (same nonce, same nc): a replay.
    r = requests.get(url, headers={"Authorization": last_auth}, timeout=30)
    print("replayed Authorization -> %d" % r.status_code)
    if r.status_code != 401:
        print("FAIL: a replayed nc was accepted")
        ok = False
    r = requests.get(url, auth=HTTPDigestAuth(user, password + "-wrong"), timeout=30)
    print("wrong password -> %d" % r.status_code)
    if r.status_code != 401:
        print("FAIL: a wrong password was accepted")
        ok = False
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
