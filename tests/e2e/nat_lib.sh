# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash disable=SC2034,SC2016
# Helpers of the outbound-NAT end-to-end tests (tests/e2e/nat_*.sh), on top
# of tests/lib.sh. Source it after lib.sh. It is no test by itself: run
# alone (tests/run.sh runs every tests/e2e/*.sh) it only prints an empty count.
#
# Servers in OUT are started with `bg_in`, which remembers the server's own
# pid: a function run in the background (`in_out cmd &`) gives $! of a
# subshell, and killing that leaves the server running.

# Run as a test by tests/run.sh: nothing to do, but the line it wants.
if [ "${BASH_SOURCE[0]}" == "$0" ]; then
	echo "0 passed, 0 failed"
	exit 0
fi

OUT_IP=203.0.113.2
UPLINK_IP=198.51.100.1
ROUTER_IP=198.51.100.254

# bg_in NS CMD...: CMD in namespace NS in the background, killed at exit;
# a timeout bounds it even if the cleanup never runs. Its pid: BG_LAST.
bg_in() {
	local ns=$1
	shift
	nsenter --net="/run/netns/$ns" timeout 600 "$@" &
	BG_LAST=$!
	bg_pid $BG_LAST
}

# An HTTP server in OUT on OUT_IP:PORT serving DIR; its log (with each
# client's address) in LOG.
http_server() {
	local port=$1 dir=$2 log=$3
	bg_in "$OUT" python3 -u -m http.server "$port" --bind $OUT_IP --directory "$dir" \
		>"$log" 2>&1
	wait_until 10 listening "$OUT" "$port"
}

# A TCP server in OUT that answers each connection, after DELAY seconds,
# with "from ADDR:PORT" of the peer it sees. (The command's colon is inside
# double quotes: socat would take a bare one for an option separator. -t 10:
# a client that half-closes at once still gets the delayed answer.)
peer_server() {
	local port=$1 delay=${2:-0}
	bg_in "$OUT" socat -t 10 "TCP-LISTEN:$port,bind=$OUT_IP,reuseaddr,fork" \
		SYSTEM:"sleep $delay; echo \"from \$SOCAT_PEERADDR:\$SOCAT_PEERPORT\"" >/dev/null 2>&1
	wait_until 10 listening "$OUT" "$port"
}

# A UDP server in OUT: answers each datagram "LINE from ADDR:PORT".
udp_server() {
	local port=$1
	bg_in "$OUT" socat "UDP4-RECVFROM:$port,bind=$OUT_IP,fork" \
		SYSTEM:'read l; echo "$l from $SOCAT_PEERADDR:$SOCAT_PEERPORT"' >/dev/null 2>&1
	wait_until 10 udp_listening "$OUT" "$port"
}

udp_listening() { [ -n "$(in_ns "$1" ss -Huln "sport = :$2")" ]; }

# A receiver in OUT that writes what one TCP connection sends into FILE.
sink_server() {
	local port=$1 file=$2
	bg_in "$OUT" socat -u "TCP-LISTEN:$port,bind=$OUT_IP,reuseaddr" "CREATE:$file" \
		>/dev/null 2>&1
	wait_until 10 listening "$OUT" "$port"
}

# Every firewall rule of the host namespace: iptables (both flavours) and
# nftables. Empty when there is none.
host_rules() {
	in_host iptables-save 2>/dev/null | grep -E '^-A|^-I'
	command -v iptables-legacy-save >/dev/null &&
		in_host iptables-legacy-save 2>/dev/null | grep -E '^-A|^-I'
	in_host nft list ruleset 2>/dev/null
}

host_ip_forward() { in_host cat /proc/sys/net/ipv4/ip_forward; }

# ct_flows: `ebnet ct --json` of the network, one flow a line:
# "PROTO SRC DST NAT STATE".
ct_flows() {
	eb ct --net "$NET" --json | python3 -c '
import json, sys
for f in json.load(sys.stdin)["flows"]:
    print(f["proto"], f["src"], f["dst"], f["nat"], f["state"])
'
}

# A counter of the network (packets, all CPUs): nat_stat NAME.
nat_stat() { stat_packets "$(eb_counter "$1")"; }

# An HTTP/1.1 server in OUT for load tests: threads, a deep listen backlog
# (http.server's default of 5 drops SYNs under 20 concurrent clients), no
# log; every GET answers 200 with a short body.
load_server() {
	local port=$1
	bg_in "$OUT" python3 -c '
import http.server, sys
class H(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def do_GET(self):
        body = b"ok\n"
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        if self.headers.get("Connection", "").lower() == "close":
            # Said in the answer too: wrk would else reuse the socket.
            self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, *a):
        pass
class S(http.server.ThreadingHTTPServer):
    request_queue_size = 512
    daemon_threads = True
S((sys.argv[1], int(sys.argv[2])), H).serve_forever()
' "$OUT_IP" "$port" >/dev/null 2>&1
	wait_until 10 listening "$OUT" "$port"
}

# stats_packets NET NAME: packets of counter NAME in `ebnet stats --json`.
stats_packets() {
	eb stats --net "$1" --json | python3 -c '
import json, sys
print(json.load(sys.stdin)["counters"][sys.argv[1]]["packets"])
' "$2"
}

# distinct A B: two non-empty, different values.
distinct() { [ -n "$1" ] && [ -n "$2" ] && [ "$1" != "$2" ]; }
