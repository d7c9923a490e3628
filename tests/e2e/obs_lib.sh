# SPDX-License-Identifier: GPL-2.0
# Helpers of the observability tests (tests/e2e/obs_*.sh: counters, drop
# reasons, trace, monitor, stats --prog), on top of tests/lib.sh, which this
# file sources. Not a test itself: run alone (tests/run.sh runs every
# tests/e2e/*.sh) it prints an empty count.
#
# What the user reads is `ebnet stats --json`; the same numbers are read a
# second way from the pinned maps with bpftool, summed over CPUs.
#
# Names the obs_* scripts use, apart from every other test:
#   sandboxes tobc tobd tobt tobm tobp; subnets 10.61.0.0/24 to 10.65.1.0/24;
#   published ports 16301-16399 (`ebnet publish` refuses a port that any
#   network of the machine publishes, so scripts side by side must not share).

if [ "${BASH_SOURCE[0]}" == "$0" ]; then
	echo "obs_lib.sh: helpers only"
	echo "0 passed, 0 failed"
	exit 0
fi

. "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

OUT_IP=203.0.113.2
UPLINK_IP=198.51.100.1

# obs_tmp: sets T to the script's scratch folder (removed at exit). Not
# T=$(tmpdir): in a subshell tmpdir's folder would be made anew each time.
obs_tmp() {
	tmpdir >/dev/null
	T=$_EB_TMP
	mkdir -p "$T/www"
}

# bg_log NS LOG CMD...: CMD in namespace NS in the background, output to
# LOG, killed at exit; bounded by a timeout. $BG_LAST is its pid: nsenter
# execs timeout, which runs CMD as its child and passes SIGTERM/SIGINT on
# (not SIGKILL: to kill CMD hard, find it with `pgrep -P $BG_LAST`).
bg_log() {
	local ns=$1 log=$2
	shift 2
	nsenter --net="/run/netns/$ns" timeout 120 "$@" >"$log" 2>&1 &
	BG_LAST=$!
	bg_pid $BG_LAST
}

# no_ipv6 CTR...: IPv6 off in these containers, so that no router
# solicitation or MLD report (flooded to the other ports, counted) moves a
# counter between two snapshots that a test compares for equality.
no_ipv6() {
	local c
	for c in "$@"; do
		in_ctr "$c" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
			net.ipv6.conf.default.disable_ipv6=1 net.ipv6.conf.eth0.disable_ipv6=1
	done
}

# peer_http PORT LOG: an HTTP server in OUT on OUT_IP:PORT whose every answer
# is "from ADDR:PORT", the peer it sees (what NAT made of the client).
peer_http() {
	bg_log "$OUT" "$2" python3 -u -c '
import http.server, sys
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = ("from %s:%d\n" % self.client_address).encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
http.server.ThreadingHTTPServer((sys.argv[1], int(sys.argv[2])), H).serve_forever()
' "$OUT_IP" "$1"
	wait_until 10 listening "$OUT" "$1"
}

# ---- ebnet stats --json ----

# snap FILE: `ebnet stats --json` of the network into FILE.
snap() { eb stats --net "$NET" --json >"$1"; }

# sval FILE WHAT...: one number of a snapshot:
#   sval F counter NAME [packets|bytes]
#   sval F ctr CONTAINER FIELD            (from_packets, to_bytes, ...)
#   sval F port HOSTPORT PROTO [packets|bytes]
# Prints "missing" when the snapshot has no such entry.
sval() {
	python3 - "$@" <<'PY'
import json, sys
f, kind, args = sys.argv[1], sys.argv[2], sys.argv[3:]
d = json.load(open(f))
try:
    if kind == "counter":
        print(d["counters"][args[0]][args[1] if len(args) > 1 else "packets"])
    elif kind == "ctr":
        print([c for c in d["containers"] if c["name"] == args[0]][0][args[1]])
    elif kind == "port":
        p = [p for p in d["ports"] if p["host_port"] == int(args[0]) and p["proto"] == args[1]]
        print(p[0][args[2] if len(args) > 2 else "packets"])
except (KeyError, IndexError):
    print("missing")
PY
}

# sdelta BEFORE AFTER WHAT...: AFTER's value minus BEFORE's (see sval).
sdelta() {
	local a b
	a=$(sval "$1" "${@:3}")
	b=$(sval "$2" "${@:3}")
	if [ "$a" = missing ] || [ "$b" = missing ]; then
		echo missing
	else
		echo $((b - a))
	fi
}

# check_ge DESC GOT MIN: GOT is a number >= MIN.
check_ge() {
	if [[ $2 =~ ^-?[0-9]+$ ]] && [ "$2" -ge "$3" ]; then
		ok "$1"
	else
		not_ok "$1" "got '$2', want >= $3"
		return 1
	fi
}

# drops_moved BEFORE AFTER: the drop_* counters whose packets differ, one a
# line with its delta ("drop_spoof_ip +3").
drops_moved() {
	python3 - "$1" "$2" <<'PY'
import json, sys
a, b = (json.load(open(f))["counters"] for f in sys.argv[1:3])
for k in sorted(b):
    if k.startswith("drop_") and b[k]["packets"] != a.get(k, {"packets": 0})["packets"]:
        print("%s +%d" % (k, b[k]["packets"] - a.get(k, {"packets": 0})["packets"]))
PY
}

# ---- the same, from the pinned maps ----

# map_dump MAP: bpftool's JSON dump of one of the network's pinned maps.
map_dump() { in_host bpftool -j map dump pinned "$EB_PIN_ROOT/$NET/$1"; }

# bpf_ctr IFINDEX: "from_packets from_bytes to_packets to_bytes" of one
# container's eb_ctr_slots entry, summed over CPUs (bpftool): its slot is the
# flood_slot of its eb_ports record (key: the host-side ifindex).
bpf_ctr() {
	local slot
	slot=$(map_dump eb_ports | python3 -c '
import json, sys
for e in json.load(sys.stdin):
    e = e.get("formatted", e)
    if e["key"]["ifindex"] == int(sys.argv[1]):
        print(e["value"]["flood_slot"])
' "$1")
	[ -n "$slot" ] || return 1
	map_dump eb_ctr_slots | python3 -c '
import json, sys
key = int(sys.argv[1])
tot = dict(from_packets=0, from_bytes=0, to_packets=0, to_bytes=0)
for e in json.load(sys.stdin):
    e = e.get("formatted", e)
    if e["key"] != key:
        continue
    for v in e["values"]:
        for k in tot:
            tot[k] += v["value"][k]
print(tot["from_packets"], tot["from_bytes"], tot["to_packets"], tot["to_bytes"])
' "$slot"
}

# stats_ctr FILE NAME: the same four numbers, from an `ebnet stats --json`.
stats_ctr() {
	python3 -c '
import json, sys
c = [c for c in json.load(open(sys.argv[1]))["containers"] if c["name"] == sys.argv[2]][0]
print(c["from_packets"], c["from_bytes"], c["to_packets"], c["to_bytes"])
' "$1" "$2"
}

# bpf_counter NAME: "packets bytes" of a counter of eb_stats, summed over
# CPUs (bpftool), its index read from enum eb_counter.
bpf_counter() {
	local idx
	idx=$(eb_counter "$1") || return 1
	map_dump eb_stats | python3 -c '
import json, sys
idx = int(sys.argv[1])
p = b = 0
for e in json.load(sys.stdin):
    e = e.get("formatted", e)
    if e["key"] == idx:
        for v in e["values"]:
            p += v["value"]["packets"]
            b += v["value"]["bytes"]
print(p, b)
' "$idx"
}

# monitor_until: the value of eb_monitor[0] (ns of CLOCK_MONOTONIC until
# which a monitor listens; 0: nobody).
monitor_until() {
	map_dump eb_monitor | python3 -c '
import json, sys
e = json.load(sys.stdin)[0]
print(e.get("formatted", e)["value"])
'
}

# now_ns: CLOCK_MONOTONIC in ns, the clock of bpf_ktime_get_ns().
now_ns() { python3 -c 'import time; print(time.monotonic_ns())'; }

# ---- packets no ordinary client sends ----

# send_raw_proto PROTO DST N: N IPv4 datagrams of protocol PROTO (e.g. 47,
# GRE) to DST, through a raw socket; run it in a namespace (in_ctr a ...).
send_raw_proto() {
	python3 -c '
import socket, sys
proto, dst, n = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
s = socket.socket(socket.AF_INET, socket.SOCK_RAW, proto)
for i in range(n):
    # A GRE header (no flags, IPv4 payload type) and a few bytes.
    s.sendto(b"\x00\x00\x08\x00ebnet-obs-%d" % i, (dst, 0))
' "$@"
}

# send_tcp_ack SRC DST SPORT DPORT N: N TCP segments with only ACK set (no
# SYN: a segment of no known flow), the header and its checksum built by
# hand, the IPv4 header by the kernel (raw socket, IPPROTO_TCP).
send_tcp_ack() {
	python3 -c '
import socket, struct, sys
src, dst, sport, dport, n = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF
s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_TCP)
for i in range(n):
    # sport dport seq ack offset flags(ACK) window csum urg
    h = struct.pack("!HHIIBBHHH", sport, dport, 1000 + i, 777, 5 << 4, 0x10, 64240, 0, 0)
    pseudo = socket.inet_aton(src) + socket.inet_aton(dst) + struct.pack("!BBH", 0, 6, len(h))
    h = h[:16] + struct.pack("!H", csum(pseudo + h)) + h[18:]
    s.sendto(h, (dst, 0))
' "$@"
}

# send_bad_ihl SRCMAC DSTMAC SRCIP N: N Ethernet frames of type IPv4 whose
# header says IHL 4 (16 bytes, less than the minimum): malformed. Sent on
# eth0 with a packet socket; run it in a container.
send_bad_ihl() {
	python3 -c '
import socket, sys
smac, dmac = (bytes.fromhex(m.replace(":", "")) for m in sys.argv[1:3])
ip = bytes([0x44, 0, 0, 20, 0, 0, 0x40, 0, 64, 1, 0, 0])
ip += socket.inet_aton(sys.argv[3]) + socket.inet_aton("203.0.113.2")
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind(("eth0", 0))
for i in range(int(sys.argv[4])):
    s.send(dmac + smac + b"\x08\x00" + ip)
' "$@"
}

# send_lone_fragment SRC DST N: N IPv4 fragments of a UDP datagram, each
# a later fragment (offset 1480, no MF) whose first fragment never comes;
# sent with IP_HDRINCL (the kernel fills in length and checksum).
send_lone_fragment() {
	python3 -c '
import socket, struct, sys
src, dst, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
s.setsockopt(socket.IPPROTO_IP, socket.IP_HDRINCL, 1)
for i in range(n):
    # version/IHL, TOS, length, id, flags+offset (1480 / 8), TTL, UDP, csum
    ip = struct.pack("!BBHHHBBH", 0x45, 0, 0, 0x4200 + i, 1480 // 8, 64, 17, 0)
    ip += socket.inet_aton(src) + socket.inet_aton(dst)
    s.sendto(ip + b"z" * 100, (dst, 0))
' "$@"
}

# ---- ebnet trace ----

# tfield JSON FIELD: one field of `ebnet trace --json` (out.src, out.dst too).
tfield() {
	python3 -c '
import json, sys
d = json.loads(sys.argv[1])
for k in sys.argv[2].split("."):
    d = d[k]
print(d)
' "$1" "$2" 2>/dev/null || echo "(no field $2)"
}
