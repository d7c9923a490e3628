# SPDX-License-Identifier: GPL-2.0
# Helpers of the IPv6 published-ports tests (tests/e2e/pub6_*.sh), on top of
# pub_lib.sh: the host namespace's IPv6 (the sandbox of tests/lib.sh has
# none of its own yet), servers that answer with the client's address, and
# a python client that reports what getpeername() and recvfrom() give back.
# Not a test itself (run.sh runs tests/e2e/*.sh: run alone, it exits 0).
#
# Ports: pub6_host.sh 11680-11699, pub6_hairpin.sh 11700-11719,
# pub6_badinput.sh 11720-11739, pub6_outside.sh 11740-11759.

if [ "${BASH_SOURCE[0]}" == "$0" ]; then
	echo "pub6_lib.sh: helpers only"
	echo "0 passed, 0 failed"
	exit 0
fi

. "$(dirname "${BASH_SOURCE[0]}")/pub_lib.sh"

# pub6_sandbox PREFIX N: the sandbox, and IPv6 on the host's uplink and
# the router's end of it: the host has $HOST6 (2001:db8:N::1), the router
# $RTR6 reaches it over IPv6 (a namespace other than the host's).
pub6_sandbox() {
	sandbox "$1"
	HOST6=2001:db8:$2::1
	RTR6=2001:db8:$2::fe
	_sb ip -n "$HOST" addr add "$HOST6/64" dev up0 nodad
	_sb ip -n "$RTR" addr add "$RTR6/64" dev down0 nodad
	pub_tmp
	c6_script
}

# c6_script: writes $T/c6.py (pub6_sandbox does; a test on lib.sh's
# sandbox6 calls it after pub_tmp).
c6_script() {
	cat >"$T/c6.py" <<'PY'
# c6.py tcp|udp|udpc ADDR PORT [MSG]: one exchange; prints the peer as the
# socket saw it ([addr]:port, from getpeername() for tcp and connected udp,
# from recvfrom() for udp) and the answer, or "error: ...".
import socket, sys
kind, addr, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
msg = (sys.argv[4] if len(sys.argv) > 4 else "hi").encode()
s = socket.socket(socket.AF_INET6, socket.SOCK_STREAM if kind == "tcp" else socket.SOCK_DGRAM)
s.settimeout(3)
try:
    if kind == "udp":
        s.sendto(msg + b"\n", (addr, port))
        data, peer = s.recvfrom(200)
    else:
        s.connect((addr, port))
        s.sendall(msg + b"\n")
        data = s.recv(200)
        peer = s.getpeername()
    print("[%s]:%d %s" % (peer[0], peer[1], data.decode().strip()))
except OSError as e:
    print("error:", e)
PY
}

# c6 NS-RUNNER... tcp|udp|udpc ADDR PORT [MSG]: c6.py in a namespace
# (in_host, in_rtr, "in_ctr web").
c6() {
	local runner=()
	while [ "$1" != tcp ] && [ "$1" != udp ] && [ "$1" != udpc ]; do
		runner+=("$1")
		shift
	done
	"${runner[@]}" timeout 10 python3 "$T/c6.py" "$@" 2>&1
}

# echo6_server CTR PORT: a TCP server on [::]:PORT (IPv4 too) in CTR that
# answers each line with "CTR from PEER" (PEER as socat has it).
echo6_server() {
	bg_log "$(ctr "$1")" "$T/echo6-$1-$2.log" socat "TCP6-LISTEN:$2,ipv6only=0,reuseaddr,fork" \
		SYSTEM:"read l; echo $1 from \$SOCAT_PEERADDR"
	check "tcp server on [::]:$2 in $1" wait_until 10 listening "$(ctr "$1")" "$2"
}

# udp6_server CTR PORT: the same over UDP (a datagram in, one out).
udp6_server() {
	bg_log "$(ctr "$1")" "$T/udp6-$1-$2.log" socat "UDP6-RECVFROM:$2,ipv6only=0,reuseaddr,fork" \
		SYSTEM:"read l; echo $1 from \$SOCAT_PEERADDR"
	check "udp server on [::]:$2 in $1" wait_until 10 bash -c \
		"[ -n \"\$(nsenter --net=/run/netns/$(ctr "$1") ss -Huln 'sport = :$2')\" ]"
}

# http6_server CTR PORT LOG: python's http.server on [::]:PORT (IPv4 too).
http6_server() {
	bg_log "$(ctr "$1")" "$3" python3 -u -m http.server "$2" --bind :: --directory "$T/www"
	check "http.server on [::]:$2 in $1" wait_until 10 listening "$(ctr "$1")" "$2"
}

# pub6_dump: bpftool's dump of eb_pub_ports6 (JSON).
pub6_dump() { in_host bpftool -j map dump pinned "$EB_PIN_ROOT/$NET/eb_pub_ports6"; }
pub6_count() { pub6_dump | python3 -c 'import json, sys; print(len(json.load(sys.stdin)))'; }

# http6_code RUNNER... URL: the HTTP status curl -6 gets (000: none).
http6_code() {
	local url=${*: -1}
	"${@:1:$#-1}" curl -6 -g -sS -o /dev/null --connect-timeout 3 -m 5 -w '%{http_code}' "$url" \
		2>/dev/null
}

# check_http6 DESC WANT RUNNER... URL
check_http6() {
	local desc=$1 want=$2
	shift 2
	check_eq "$desc" "$(http6_code "$@")" "$want"
}

# full6 ADDR: the address written out as socat prints a peer
# (fd00:0096:0001:0000:0000:0000:0000:0002).
full6() { python3 -c 'import ipaddress, sys; print(ipaddress.ip_address(sys.argv[1]).exploded)' "$1"; }
