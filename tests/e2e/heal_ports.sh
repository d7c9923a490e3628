#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# heal_ports: a container port changed under ebnet (issue 12). Its clsact
# qdisc removed (what a traffic-shaping script does), a foreign program put
# in its place, its tcx link gone, its namespace or host-side veth removed
# by hand: `ebnet ls` says `degraded: WHAT` for that container (and
# `ready` for the others), and the next `ebnet up`, with no container
# named, puts everything back: the program (anti-spoofing included), the
# container, the traffic.
. "$(dirname "$0")/../lib.sh"
sandbox hlb
A=$(ctr a) B=$(ctr b) C=$(ctr c)

check "up: a b (clsact ports) and c (tcx port)" eb up --net "$NET" --subnet 10.97.0.0/24 "$A" "$B"
check "up: c with --attach tcx" eb up --net "$NET" --attach tcx "$C"
IPA=$(ls_field a ip) IPB=$(ls_field b ip) IPC=$(ls_field c ip)
DA=$(ls_field a host_dev) DB=$(ls_field b host_dev) DC=$(ls_field c host_dev)

state() { ls_field "$1" state; }
pings() { in_ctr a ping -c1 -W2 "$1" >/dev/null 2>&1; }
# The anti-spoofing of a's port: a packet from a with another source
# address is dropped (a counter moves), one with its own goes through.
spoof_dropped() {
	local before after
	before=$(stat_packets "$(eb_counter EB_CNT_DROP_SPOOF_IP)")
	in_ctr a ip addr add 10.97.0.200/24 dev eth0 2>/dev/null
	in_ctr a ping -c1 -W1 -I 10.97.0.200 "$IPB" >/dev/null 2>&1
	in_ctr a ip addr del 10.97.0.200/24 dev eth0 2>/dev/null
	after=$(stat_packets "$(eb_counter EB_CNT_DROP_SPOOF_IP)")
	[ "$after" -gt "$before" ]
}
check_eq "ls: a is ready" "$(state a)" ready
check "a pings b" pings "$IPB"

# 1. The clsact qdisc of a's port removed.
in_host tc qdisc del dev "$DA" clsact
check_match "ls: a says its program is missing" "$(state a)" '^degraded: program missing'
check_eq "ls: b is still ready" "$(state b)" ready
check "ls (text) shows the degraded state" sh -c "nsenter --net=/run/netns/$HOST $EBNET ls --net $NET | grep -q 'degraded: program missing'"
check "up (no container named) exits 0" eb up --net "$NET"
check_eq "ls: a is ready again" "$(state a)" ready
check_match "the port has eb_from_container again" "$(in_host tc filter show dev "$DA" ingress)" 'eb_from_contain'
check "a pings b again" pings "$IPB"
check "a's port drops a spoofed source again (anti-spoofing back)" spoof_dropped

# 2. A foreign program in the place of b's (the uplink program, pinned by
# the network itself: any program that is not eb_from_container).
in_host tc filter replace dev "$DB" ingress prio 1 handle 1 bpf da \
	pinned "$EB_PIN_ROOT/$NET/prog_from_uplink"
check_match "ls: b says a foreign program is on its port" "$(state b)" '^degraded: foreign program'
check "up repairs it" eb up --net "$NET"
check_eq "ls: b is ready again" "$(state b)" ready
check_match "b's port has eb_from_container again" "$(in_host tc filter show dev "$DB" ingress)" 'eb_from_contain'

# 3. c's tcx link pin removed (the link goes with its last reference).
rm -f "$EB_PIN_ROOT/$NET/link_$DC"
check_match "ls: c (tcx) says its program is missing" "$(state c)" '^degraded: program missing'
check "up repairs it" eb up --net "$NET"
check_eq "ls: c is ready again" "$(state c)" ready
check "the tcx link of c is pinned again" test -e "$EB_PIN_ROOT/$NET/link_$DC"
check "a pings c" pings "$IPC"

# 4. The namespace of b removed by hand.
ip netns del "$B"
check_eq "ls: b says its namespace is missing" "$(state b)" "degraded: namespace missing"
check "up (no container named) rebuilds b" eb up --net "$NET"
check_eq "ls: b is ready, with its address" "$(state b) $(ls_field b ip)" "ready $IPB"
check "a pings b" pings "$IPB"

# 5. The host-side veth of c removed by hand.
in_host ip link del "$DC"
check_match "ls: c says its host veth is missing" "$(state c)" "^degraded: host veth $DC missing"
check "up rebuilds c" eb up --net "$NET"
check_eq "ls: c is ready, with its address" "$(state c) $(ls_field c ip)" "ready $IPC"
check "a pings c" pings "$IPC"

# 6. The uplink's program removed (its tcx link pin): up puts it back.
check_eq "ls: the uplink is ok" "$(eb ls --net "$NET" --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["networks"][0]["uplink_state"])')" ok
rm -f "$EB_PIN_ROOT/$NET/link_uplink"
check_match "ls: the uplink says its program is missing" \
	"$(eb ls --net "$NET" --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["networks"][0]["uplink_state"])')" '^program missing'
check "up repairs it" eb up --net "$NET"
check_eq "ls: the uplink is ok again" "$(eb ls --net "$NET" --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["networks"][0]["uplink_state"])')" ok
finish
