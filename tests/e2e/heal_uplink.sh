#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# heal_uplink: the uplink deleted and made again with the same name (a
# driver reload, a VPN or bond re-created, a NIC hot-plugged; issue 12).
# While it is gone `ebnet ls` says the uplink is missing; once it is back
# `ebnet up` attaches to the new device (its ifindex and MAC go into
# eb_config) and the containers reach the outside again; `ebnet up --uplink
# up0` is accepted too (the same name). A clsact uplink is healed the same
# way.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/nat_lib.sh"
sandbox hlc
A=$(ctr a)
NET2=${NET}2
track_net "$NET2"

check "up: a" eb up --net "$NET" --subnet 10.98.0.0/24 "$A"
check "up: a second network with --attach clsact" eb up --net "$NET2" --subnet 10.98.1.0/24 \
	--attach clsact "$(ctr b)"
peer_server 8081 0
reach() { in_ctr "$1" timeout 5 socat -T3 - "TCP:$OUT_IP:8081" </dev/null 2>/dev/null | grep -q "from $UPLINK_IP"; }
uplink_state() {
	eb ls --net "$1" --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["networks"][0]["uplink_state"])'
}
cfg_field() {
	in_host bpftool -j map lookup pinned "$EB_PIN_ROOT/$1/eb_config" key 0 0 0 0 | python3 -c '
import json, sys
v = json.load(sys.stdin)
v = v.get("formatted", v)["value"]
f = v[sys.argv[1]]
print(":".join("%02x" % b for b in f) if isinstance(f, list) else f)' "$2"
}
check "a reaches the outside" reach a
check "b reaches the outside" reach b

# The uplink goes: its peer in the router with it.
in_host ip link del up0
check_match "ls: the uplink is missing" "$(uplink_state "$NET")" "^missing \(no device 'up0'"
check_match "ls: the second network's uplink too" "$(uplink_state "$NET2")" "^missing"
out=$(eb up --net "$NET" 2>&1)
check_eq "up while it is gone exits 0" "$?" 0
check_match "...and warns that the uplink is missing" "$out" "uplink 'up0' .* is missing"

# Made again as the sandbox made it: same name, new ifindex and MAC.
in_host ip link add up0 type veth peer name down0 netns "$RTR"
in_host ip addr add 198.51.100.1/24 dev up0
in_rtr ip addr add 198.51.100.254/24 dev down0
in_host ip link set up0 up
in_rtr ip link set down0 up
in_host ip route add default via 198.51.100.254
NEWIDX=$(in_host ip -o link show up0 | cut -d: -f1)
NEWMAC=$(mac_of "$HOST" up0)
check_match "ls: the uplink was made again, up attaches to it" "$(uplink_state "$NET")" '^re-created'
check "up (no option) exits 0" eb up --net "$NET"
check_eq "ls: the uplink is ok" "$(uplink_state "$NET")" ok
check_eq "eb_config has the new ifindex" "$(cfg_field "$NET" uplink_ifindex)" "$NEWIDX"
check_eq "eb_config has the new MAC" "$(cfg_field "$NET" uplink_mac)" "$NEWMAC"
# (Replies come back only through eb_from_uplink: reaching the outside
# shows it is on the new device.)
check "a reaches the outside again" reach a
check "up --uplink up0 (the same name) is accepted" eb up --net "$NET2" --uplink up0
check_eq "ls: the clsact network's uplink is ok" "$(uplink_state "$NET2")" ok
check_match "the new up0 has the clsact filter too" "$(in_host tc filter show dev up0 ingress)" 'eb_from_upli'
check "b reaches the outside again" reach b
finish
