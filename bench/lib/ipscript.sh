#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# bench/lib/ipscript.sh: the classic way to bring up containers on a bridge,
# one `ip` command a step, as a shell script would (and as Docker does over
# netlink): what `ebnet up` is compared with in the control-plane workload.
# Runs inside a namespace that plays the host (bench/run.sh enters it).
#
#   ipscript.sh up   A.B NS...   br0 with A.B.0.1/16, then per container:
#                                netns, veth, bridge port, address, lo and
#                                eth0 up, default route
#   ipscript.sh down A.B NS...   per container: host veth, netns; then br0
set -e
op=$1
pfx=$2
shift 2

if [ "$op" = up ]; then
	ip link add br0 type bridge
	ip addr add "$pfx.0.1/16" dev br0
	ip link set br0 up
	i=0
	for ns in "$@"; do
		dev=veth$i
		addr=$pfx.$(((i + 2) / 256)).$(((i + 2) % 256))
		ip netns add "$ns"
		ip link add "$dev" type veth peer name eth0 netns "$ns"
		ip link set "$dev" master br0
		ip link set "$dev" up
		ip -n "$ns" addr add "$addr/16" dev eth0
		ip -n "$ns" link set lo up
		ip -n "$ns" link set eth0 up
		ip -n "$ns" route add default via "$pfx.0.1"
		i=$((i + 1))
	done
elif [ "$op" = down ]; then
	i=0
	for ns in "$@"; do
		ip link del "veth$i"
		ip netns del "$ns"
		i=$((i + 1))
	done
	ip link del br0
else
	echo "usage: $0 up|down A.B NS..." >&2
	exit 2
fi
