#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# heal_badinput: bad input that was accepted before (issue 12) is refused
# with the reason and leaves nothing new: a subnet that overlaps another
# network or a route of the host, --uplink lo or another network's
# container veth, a subnet too small for the containers asked for, a
# multicast or reserved subnet.
. "$(dirname "$0")/../lib.sh"
sandbox hle
N2=${NET}2
track_net "$N2"

# refused 'WHAT' REGEX ARGS...: `ebnet up --net N2 ARGS` fails, says REGEX,
# and leaves no network N2 and no namespace of hle-x*.
refused() {
	local what=$1 re=$2 out rc
	shift 2
	out=$(eb up --net "$N2" "$@" 2>&1)
	rc=$?
	check_eq "$what: refused" "$rc" 1
	check_match "$what: the message says why" "$out" "$re"
	check_eq "$what: nothing left (pins, namespaces)" \
		"$(ls -d "$EB_PIN_ROOT/$N2" 2>/dev/null)$(netns_list | grep "^$_EB_PREFIX-x" | tr '\n' ' ')" ""
}

check "up: a network 10.96.0.0/24 with a" eb up --net "$NET" --subnet 10.96.0.0/24 "$(ctr a)"
refused "a subnet holding another network's" "overlaps network '$NET' \(10\.96\.0\.0/24\)" \
	--subnet 10.96.0.0/16 "$(ctr x1)"
refused "a subnet inside another network's" "overlaps network '$NET'" --subnet 10.96.0.128/25 "$(ctr x1)"
in_host ip route add 10.95.0.0/16 dev up0
refused "a subnet inside a route of the host" "overlaps the route 10\.95\.0\.0/16 dev up0" \
	--subnet 10.95.1.0/24 "$(ctr x1)"
refused "the uplink's own subnet" "overlaps the route 198\.51\.100\.0/24 dev up0" \
	--subnet 198.51.100.0/24 "$(ctr x1)"
refused "--uplink lo" "uplink 'lo' is the loopback device" --subnet 10.94.0.0/24 --uplink lo "$(ctr x1)"
refused "--uplink another network's container veth" \
	"uplink '$(ls_field a host_dev)' is the host side of container '$(ctr a)' of network '$NET'" \
	--subnet 10.94.0.0/24 --uplink "$(ls_field a host_dev)" "$(ctr x1)"
refused "a /30 with two containers" "10\.94\.0\.0/30 has room for 1 more container .*not 2" \
	--subnet 10.94.0.0/30 "$(ctr x1)" "$(ctr x2)"
refused "--subnet 224.0.0.0/24" "is multicast" --subnet 224.0.0.0/24 "$(ctr x1)"
refused "--subnet 0.0.0.0/8" "is \"this network\"" --subnet 0.0.0.0/8 "$(ctr x1)"
refused "--subnet 240.0.0.0/8" "is reserved" --subnet 240.0.0.0/8 "$(ctr x1)"
refused "--subnet 127.0.0.0/16" "is loopback" --subnet 127.0.0.0/16 "$(ctr x1)"
check "a /30 with one container is fine" eb up --net "$N2" --subnet 10.94.0.0/30 "$(ctr x1)"
out=$(eb up --net "$N2" "$(ctr x2)" 2>&1)
check_eq "a second container in the full /30: refused" "$?" 1
check_match "...saying it has no room" "$out" "has room for 0 more containers"
check_eq "...and x2 is not made" "$(netns_list | grep -c "^$_EB_PREFIX-x2$")" 0
check "the first network still works" in_ctr a ping -c1 -W2 10.96.0.1
finish
