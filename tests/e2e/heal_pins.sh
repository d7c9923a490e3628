#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# heal_pins: the pin folder /sys/fs/bpf/ebnet/NET removed by hand (issue
# 12). `ebnet down` still removes what the network made (namespaces, veths,
# the gateway address, routes, the uplink's clsact filter), found by their
# names, and `ebnet up` then makes the network afresh; `up` straight after
# the removal works too.
. "$(dirname "$0")/../lib.sh"
sandbox hld
A=$(ctr a) B=$(ctr b)
NET2=${NET}2
track_net "$NET2"

leftovers() {
	{
		netns_list | grep -E "^$_EB_PREFIX-(a|b)$"
		in_host ip -o addr show | grep -o '10\.99\.[0-9.]*/32'
		in_host ip route show | grep '^10\.99\.'
		in_host ip -o link show | grep -o 'ebnet:[^ ]*'
		in_host tc filter show dev up0 ingress | grep -o 'eb_from_upli'
	} 2>/dev/null | tr '\n' ' '
}

check "up: a b (uplink with clsact)" eb up --net "$NET" --subnet 10.99.0.0/24 --attach clsact "$A" "$B"
check "the ports carry their owner in their alias" \
	sh -c "nsenter --net=/run/netns/$HOST ip -o link show | grep -q 'alias ebnet:$NET:$A'"
rm -rf "${EB_PIN_ROOT:?}/$NET"
check_match "with the pins gone, the containers are still there" "$(leftovers)" "$A"
check "down exits 0" eb down --net "$NET"
check_eq "down removed namespaces, devices, addresses, routes and the uplink filter" "$(leftovers)" ""
check "up then makes the network afresh" eb up --net "$NET" --subnet 10.99.0.0/24 "$A" "$B"
check "a pings b" in_ctr a ping -c1 -W2 "$(ls_field b ip)"
check "the host pings a" in_host ping -c1 -W2 "$(ls_field a ip)"

# Removed again, and this time straight to up.
rm -rf "${EB_PIN_ROOT:?}/$NET"
check "up right after the removal makes the network afresh" \
	eb up --net "$NET" --subnet 10.99.0.0/24 "$A" "$B"
check_eq "ls: both ready" "$(ls_field a state) $(ls_field b state)" "ready ready"
check "a pings b" in_ctr a ping -c1 -W2 "$(ls_field b ip)"

# Another network of the host is not touched by a down of this one.
check "up: a second network" eb up --net "$NET2" --subnet 10.99.1.0/24 "$(ctr c)"
rm -rf "${EB_PIN_ROOT:?}/$NET"
check "down of the first" eb down --net "$NET"
check_eq "the second's container is still ready" "$(NET=$NET2 ls_field c state)" ready
check "...and pings the host" in_ctr c ping -c1 -W2 10.99.1.1
finish
