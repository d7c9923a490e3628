# SPDX-License-Identifier: GPL-2.0
# Helpers of the conntrack flood tests (ct_flood_tcp.sh, ct_flood_udp.sh),
# on top of tests/lib.sh and nat_lib.sh. Not a test itself.
#   ct_flood_tcp.sh  11600/tcp published
#   ct_flood_udp.sh  5360-5361/udp published

if [ "${BASH_SOURCE[0]}" == "$0" ]; then
	echo "ct_flood_lib.sh: helpers only"
	echo "0 passed, 0 failed"
	exit 0
fi

. "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
. "$(dirname "${BASH_SOURCE[0]}")/nat_lib.sh"

HOSTIP=198.51.100.1

# ping_pong NS PROTO HOST PORT SECS LOG: one flow (one TCP connection, or one
# UDP socket) that sends a line every 0.1 s for SECS and waits for its echo;
# at the end it writes "rounds N lost M gap G" (G: the longest wait for an
# answer, in s) to LOG. Runs in the background; its pid in BG_LAST.
ping_pong() {
	local ns=$1 proto=$2 host=$3 port=$4 secs=$5 log=$6
	bg_in "$ns" python3 -c '
import socket, sys, time
proto, host, port, secs = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4])
kind = socket.SOCK_STREAM if proto == "tcp" else socket.SOCK_DGRAM
s = socket.socket(socket.AF_INET, kind)
s.settimeout(3)
s.connect((host, port))
rounds = lost = 0
gap = 0.0
end = time.time() + secs
buf = b""
while time.time() < end:
    t0 = time.time()
    msg = b"ping %d\n" % rounds
    try:
        s.send(msg)
        if kind == socket.SOCK_STREAM:
            while msg not in buf:
                d = s.recv(4096)
                if not d:
                    raise OSError("closed")
                buf += d
            buf = b""
        else:
            while s.recv(4096) != msg:
                pass
        rounds += 1
    except OSError:
        lost += 1
        if kind == socket.SOCK_STREAM:
            break
    gap = max(gap, time.time() - t0)
    time.sleep(0.1)
print("rounds %d lost %d gap %.2f" % (rounds, lost, gap))
' "$proto" "$host" "$port" "$secs" >"$log" 2>&1
}

# echo_server NS PROTO ADDR PORT: echoes every line (TCP: per connection;
# UDP: every datagram back to its sender). Threads, a deep backlog.
echo_server() {
	local ns=$1 proto=$2 addr=$3 port=$4
	bg_in "$ns" python3 -c '
import socket, socketserver, sys
proto, addr, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
if proto == "udp":
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((addr, port))
    while True:
        d, a = s.recvfrom(4096)
        s.sendto(d, a)
class H(socketserver.StreamRequestHandler):
    def handle(self):
        for line in self.rfile:
            self.wfile.write(line)
class S(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
    daemon_threads = True
    request_queue_size = 128
S((addr, port), H).serve_forever()
' "$proto" "$addr" "$port" >/dev/null 2>&1
	if [ "$proto" = udp ]; then
		wait_until 10 udp_listening "$ns" "$port"
	else
		wait_until 10 listening "$ns" "$port"
	fi
}

# ct_entries MAP: entries in the network's conntrack map MAP.
ct_entries() {
	in_host bpftool -j map dump pinned "$EB_PIN_ROOT/$NET/$1" | python3 -c '
import json, sys
print(len(json.load(sys.stdin)))'
}

# udp_queries NS HOST PORT N: N new flows (a socket each), one datagram
# each; prints how many were answered within 2 s.
udp_queries() {
	in_ns "$1" python3 -c '
import select, socket, sys, time
dst = (sys.argv[1], int(sys.argv[2]))
socks = []
for i in range(int(sys.argv[3])):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.sendto(b"q%d\n" % i, dst)
    socks.append(s)
got = set()
end = time.time() + 2
while time.time() < end and len(got) < len(socks):
    r, _, _ = select.select(socks, [], [], 0.2)
    for s in r:
        s.recv(4096)
        got.add(s)
print(len(got))
' "$2" "$3" "$4"
}
