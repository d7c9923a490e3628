#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# tools/demo.sh (`make demo`): the classic bridge + iptables recipe, done by
# ebnet, step by step, with each command and what it printed.
#
# It runs in a sandbox of network namespaces (the one tests/lib.sh builds):
# a namespace playing the host, with its own uplink to a router and an
# "outside world" at 203.0.113.2. Nothing touches this machine's own network,
# and everything is removed at the end, also on Ctrl-C or failure.
set -u

ROOT=$(cd "$(dirname "$0")/.." && pwd)

if [ "$(id -u)" -ne 0 ]; then
	echo "demo: run as root (it makes network namespaces and loads BPF programs)" >&2
	exit 1
fi
# Installs what is missing (idempotent: quick when all is there), then builds.
"$ROOT/tools/install-deps.sh" || { echo "demo: tools/install-deps.sh failed (exit $?)" >&2; exit 1; }
make -s -C "$ROOT" || { echo "demo: make failed (exit $?)" >&2; exit 1; }

# shellcheck source=../tests/lib.sh
. "$ROOT/tests/lib.sh"
sandbox ebdemo
# Where the demo is: every way out names the step, the command and its
# exit status (a demo that stops with no word of why is a broken demo).
STEP=0 STEP_TITLE="setting up" CMD= DEMO_DONE=0
demo_exit() {
	local rc=$1
	trap - EXIT INT TERM HUP PIPE
	_eb_teardown >/dev/null
	echo
	if [ "$DEMO_DONE" != 1 ]; then
		printf '\033[31mdemo: stopped in step %s (%s)%s, exit status %d\033[0m\n' \
			"$STEP" "$STEP_TITLE" "${CMD:+ at '$CMD'}" "$rc" >&2
		[ "$rc" -ne 0 ] || rc=1
	fi
	echo "demo: sandbox removed"
	exit "$rc"
}
# lib.sh's exit trap prints test counts; the demo says where it stopped.
trap 'demo_exit $?' EXIT
trap 'echo "demo: interrupted (SIGINT)" >&2; exit 130' INT
trap 'echo "demo: killed (SIGTERM)" >&2; exit 143' TERM
trap 'echo "demo: hung up (SIGHUP)" >&2; exit 129' HUP
trap 'exit 141' PIPE

NET=demo
_EB_NETS=$NET
WEB=$(ctr web) DB=$(ctr db)

bold() { printf '\n\033[1m%s\033[0m\n' "$*"; }
# step N 'TITLE' 'MORE TEXT': a new step; its first line is its name in messages.
step() {
	STEP=$1 STEP_TITLE=${2%%[.:]*}
	shift
	bold "$STEP. $(printf '%s\n' "$@")"
}
# show 'COMMAND AS A USER TYPES IT' CMD...: prints the first, runs the
# rest; a failure ends the demo, naming the step, the command and its exit
# status.
show() {
	local shown=$1 rc
	shift
	CMD=$shown
	printf '\033[36m# %s\033[0m\n' "$shown"
	"$@" 2>&1
	rc=$?
	if [ $rc -ne 0 ]; then
		printf '\033[31m(exit %d)\033[0m\n' $rc
		exit $rc
	fi
	CMD=
}
# need 'WHAT' CMD...: waits (up to 10 s) until CMD succeeds, or ends the demo.
need() {
	local what=$1
	shift
	CMD=$what
	wait_until 10 "$@" || { echo "demo: $what: not ready after 10 s" >&2; exit 1; }
	CMD=
}

cat <<EOF
ebnet demo. The sandbox: namespace $HOST plays the host (uplink up0
198.51.100.1/24, default route via $RTR), $OUT is the outside world
(203.0.113.2). Every 'ebnet' below runs inside $HOST, as
  nsenter --net=/run/netns/$HOST $EBNET ...
EOF

step 1 "Two containers. Classic: ip netns add, ip link add veth, a bridge br0, the
   gateway address on br0, sysctl ip_forward=1. ebnet: one command, no bridge."
show "ebnet up --net $NET --subnet 10.77.0.0/16 $WEB $DB" \
	eb up --net $NET --subnet 10.77.0.0/16 "$WEB" "$DB"
show "ip -br link   (in the host: one veth per container, no br0)" in_host ip -br link
show "ip route      (in the host: a /32 per container)" in_host ip route

step 2 "Container to container: ARP answered by the datapath, then
   bpf_redirect_peer() straight into the other container."
show "ebnet exec $WEB -- ping -c2 10.77.0.3" eb exec "$WEB" -- ping -c2 10.77.0.3
show "ebnet exec $WEB -- ip neigh" eb exec "$WEB" -- ip neigh

step 3 "The host reaches a container, and a container reaches the host (the gateway)."
# A tiny web server in db. It reads the request before answering (closing
# on unread bytes would reset the connection); no commas in the command
# (socat's address syntax).
bg_ns "$DB" timeout 600 socat TCP-LISTEN:8080,bind=10.77.0.3,reuseaddr,fork \
	SYSTEM:'while read -r l; do [ ${#l} -le 1 ] && break; done; echo HTTP/1.0 200 OK; echo; echo hello from db - you are $SOCAT_PEERADDR' 2>/dev/null
need "the web server in $DB listens on 8080" listening "$DB" 8080
show "ping -c1 10.77.0.2" in_host ping -c1 10.77.0.2
show "curl -sS --max-time 10 http://10.77.0.3:8080/   (from the host)" in_host curl -sS --max-time 10 http://10.77.0.3:8080/
show "ebnet exec $WEB -- curl -sS --max-time 10 http://10.77.0.3:8080/" eb exec "$WEB" -- curl -sS --max-time 10 http://10.77.0.3:8080/
show "ebnet exec $DB -- ping -c1 10.77.0.1   (the gateway: the host)" \
	eb exec "$DB" -- ping -c1 10.77.0.1

step 4 "What ebnet knows: ebnet ls, and the pinned maps with field names."
show "ebnet ls --net $NET" eb ls --net $NET
show "bpftool map dump pinned /sys/fs/bpf/ebnet/$NET/eb_endpoints" \
	in_host bpftool map dump pinned "/sys/fs/bpf/ebnet/$NET/eb_endpoints"

step 5 "No iptables rule, no nftables table, ip_forward untouched in the host."
show "iptables-save" sh -c "out=\$(nsenter --net=/run/netns/$HOST iptables-save); echo \"\${out:-(nothing)}\""
show "nft list ruleset" sh -c "out=\$(nsenter --net=/run/netns/$HOST nft list ruleset); echo \"\${out:-(nothing)}\""
show "sysctl net.ipv4.ip_forward" in_host sysctl net.ipv4.ip_forward

step 6 "The outside. Classic: iptables -t nat -A POSTROUTING -j MASQUERADE and
   ip_forward=1. ebnet: SNAT in BPF with a conntrack map; the source becomes the
   uplink's address, replies are translated back."
out_server 8081
need "the server at 203.0.113.2 listens on 8081" listening "$OUT" 8081
show "ebnet exec $WEB -- socat - TCP:203.0.113.2:8081   (the server answers with who called)" \
	eb exec "$WEB" -- socat -T2 - TCP:203.0.113.2:8081 </dev/null
show "ebnet exec $WEB -- ping -c1 203.0.113.2" eb exec "$WEB" -- ping -c1 203.0.113.2
show "ebnet ct --net $NET   (the flows and their translation)" eb ct --net $NET

step 7 "A published port. Classic: iptables DNAT rules in PREROUTING and OUTPUT plus
   br_netfilter. ebnet: one map entry, used from the next packet."
show "ebnet publish 8080:$DB:8080" eb publish "8080:$DB:8080"
show "curl -sS --max-time 10 http://198.51.100.1:8080/   (from the outside: db sees the client's own address)" \
	in_out curl -sS --max-time 10 http://198.51.100.1:8080/
show "curl -sS --max-time 10 http://127.0.0.1:8080/      (from the host itself)" in_host curl -sS --max-time 10 http://127.0.0.1:8080/
show "ebnet exec $WEB -- curl -sS --max-time 10 http://198.51.100.1:8080/   (another container, hairpin)" \
	eb exec "$WEB" -- curl -sS --max-time 10 http://198.51.100.1:8080/
show "ebnet ports --net $NET" eb ports --net $NET

step 8 "Seeing the datapath: counters, and a dry run of a packet through the real program."
show "ebnet stats --net $NET" eb stats --net $NET
show "ebnet trace --net $NET uplink tcp 203.0.113.2:40000 198.51.100.1:8080" \
	eb trace --net $NET uplink tcp 203.0.113.2:40000 198.51.100.1:8080

step 9 "Tear down: ebnet down removes namespaces, devices, routes and pins."
show "ebnet down --net $NET" eb down --net $NET
show "ip netns list | grep -E '$_EB_PREFIX-(web|db)'" \
	sh -c "ip netns list 2>/dev/null | grep -E '^$_EB_PREFIX-(web|db)' || echo '(none)'"
show "ls /sys/fs/bpf/ebnet/$NET" sh -c "ls /sys/fs/bpf/ebnet/$NET 2>/dev/null || echo '(gone)'"
DEMO_DONE=1
