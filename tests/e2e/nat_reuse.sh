#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# nat_reuse: a container opens a new connection on the tuple of one that
# just closed (the server closed first, so the client has no TIME_WAIT and
# may take the same source port again), then leaves it idle longer than a
# closed flow's lifetime (ct_tcp_close, 10 s) and uses it again. The new
# connection must keep its NAT binding like any established one.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/nat_lib.sh"
sandbox tnr

check "up a container" eb up --net "$NET" --subnet 10.79.0.0/24 "$(ctr a)"

# A line server in OUT: "quit" closes the connection from the server's
# side; any other line is answered "LINE from ADDR:PORT".
bg_in "$OUT" python3 -c '
import socket, threading
def serve(c, a):
    f = c.makefile("rwb", buffering=0)
    for line in f:
        line = line.strip().decode()
        if line == "quit":
            break
        f.write(("%s from %s:%d\n" % (line, a[0], a[1])).encode())
    c.close()
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("203.0.113.2", 7100))
s.listen(16)
while True:
    c, a = s.accept()
    threading.Thread(target=serve, args=(c, a), daemon=True).start()
' >/dev/null 2>&1
wait_until 10 listening "$OUT" 7100

# Source port 40000: outside the NAT range (1024-32767 here), so a binding
# made again would get another, random, NAT port.
OUTP=$(in_ctr a timeout 40 python3 -c '
import socket, sys, time
dst = (sys.argv[1], 7100)
def conn():
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("", 40000))
    s.connect(dst)
    s.settimeout(5)
    return s, s.makefile("rwb", buffering=0)
s, f = conn()
f.write(b"first\n")
print(f.readline().decode().strip())
f.write(b"quit\n")          # the server closes first
print("eof" if f.read() == b"" else "no eof")
f.close(); s.close()
time.sleep(0.5)
s, f = conn()                # the same tuple again
f.write(b"second\n")
print(f.readline().decode().strip())
time.sleep(12)               # idle longer than a closed flow lives
try:
    f.write(b"third\n")
    print(f.readline().decode().strip() or "eof")
except OSError as e:
    print("error", e)
' $OUT_IP 2>&1)
note "$(echo "$OUTP" | tr '\n' ' ')"
L1=$(sed -n 1p <<<"$OUTP") L3=$(sed -n 3p <<<"$OUTP") L4=$(sed -n 4p <<<"$OUTP")
check_match "first connection from port 40000 answered" "$L1" "^first from $UPLINK_IP:[0-9]+$"
check_match "second connection on the same tuple answered" "$L3" "^second from $UPLINK_IP:[0-9]+$"
check_match "second connection, after 12 s idle: still answered" "$L4" \
	"^third from $UPLINK_IP:[0-9]+$"
check_eq "second connection, after 12 s idle: still the same NAT port" "${L4##*:}" "${L3##*:}"

check "down" eb down --net "$NET"
finish
