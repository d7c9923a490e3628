#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# ls_here: without --net, ls, ports, ct and stats cover the networks of the
# namespace they run in, never another namespace's (the pins under
# /sys/fs/bpf/ebnet are the whole machine's): two hosts, a network each.
# With --net, a network of another namespace is still shown when named.
# Subnets are this namespace's too: the other host may use the same IPv6
# subnet, a second network here may not.
. "$(dirname "$0")/../lib.sh"
sandbox lh

H2=lh-h2 NET2=lh2net
track_net $NET2
_sb ip netns add $H2
_sb ip -n $H2 link set lo up
eb2() { nsenter --net="/run/netns/$H2" "$EBNET" "$@"; }
names() { jq -r '[.networks[] | (.name // .network)] | join(" ")'; }

check "up $NET in $HOST (IPv6 fd00:101::/64)" eb up --net "$NET" --subnet 10.101.0.0/24 --ipv6 --subnet6 fd00:101::/64 "$(ctr a)"
check "up $NET2 in $H2 (no uplink), the same IPv6 subnet" eb2 up --net $NET2 --subnet 10.102.0.0/24 --ipv6 --subnet6 fd00:101::/64 "$(ctr b)"
track_net lh3net
OUT3=$(eb up --net lh3net --subnet 10.104.0.0/24 --ipv6 --subnet6 fd00:101::/64 2>&1)
check_match "a second network in $HOST with that IPv6 subnet is refused, naming $NET" "$OUT3" \
	"overlaps fd00:101::/64 of network '$NET'"
check_eq "  and nothing of it is made" "$(ls -d "$EB_PIN_ROOT/lh3net" 2>/dev/null)" ""

check_eq "ls --json in $HOST: its network only" "$(eb ls --json | names)" "$NET"
check_eq "ls --json in $H2: its network only" "$(eb2 ls --json | names)" "$NET2"
check_match "ls (text) in $HOST: $NET" "$(eb ls)" "^network $NET "
check_nomatch "ls (text) in $HOST: not $NET2" "$(eb ls)" "network $NET2 "
check_eq "stats --json in $HOST: its network only" "$(eb stats --json | names)" "$NET"
check_eq "stats --json in $H2: its network only" "$(eb2 stats --json | names)" "$NET2"
check "publish in each" eb publish --net "$NET" "18100:$(ctr a):80"
check "  and in $H2" eb2 publish --net $NET2 "18101:$(ctr b):80"
check_eq "ports --json in $HOST: its port only" "$(eb ports --json | jq -r '[.ports[].host_port] | join(" ")')" 18100
check_eq "ports --json in $H2: its port only" "$(eb2 ports --json | jq -r '[.ports[].host_port] | join(" ")')" 18101
check_eq "ls --net $NET2 from $HOST: shown when named" "$(eb ls --net $NET2 --json | names)" "$NET2"
check_eq "EBNET_NET=$NET2 ls from $HOST: as --net" \
	"$(EBNET_NET=$NET2 nsenter --net="/run/netns/$HOST" "$EBNET" ls --json | names)" "$NET2"

check "down $NET2" eb2 down --net $NET2
check "down $NET" eb down --net "$NET"
ip netns del $H2
finish
