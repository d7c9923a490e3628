#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# clsact: the classic TC hook instead of tcx (for kernels before 6.6),
# chosen with --attach clsact or EBNET_ATTACH=clsact, carries the same traffic.
. "$(dirname "$0")/../lib.sh"
sandbox tcls

NET2=${NET}2
NET3=${NET}3
track_net "$NET2"
track_net "$NET3"

# connectivity NET SUB X Y: the checks of a working pair of containers.
connectivity() {
	local net=$1 sub=$2 x=$3 y=$4 ipx ipy
	ipx=$(ls_field_net "$net" "$x" ip)
	ipy=$(ls_field_net "$net" "$y" ip)
	check "$net: ping $x -> $y" in_ctr "$x" ping -c1 -W2 "$ipy"
	check "$net: ping $y -> $x" in_ctr "$y" ping -c1 -W2 "$ipx"
	check "$net: $x pings the gateway" in_ctr "$x" ping -c1 -W2 "$sub.1"
	check "$net: host pings $x from the gateway address" in_host ping -c1 -W2 -I "$sub.1" "$ipx"
	bg_ns "$(ctr "$y")" timeout 10 socat TCP-LISTEN:5000,bind="$ipy",reuseaddr PIPE
	wait_until 5 listening "$(ctr "$y")" 5000
	check_eq "$net: TCP $x -> $y echo" \
		"$(echo via-clsact | in_ctr "$x" timeout 5 socat -t2 - "TCP:$ipy:5000")" via-clsact
	wait
}

ls_field_net() {
	eb ls --net "$1" --json | python3 -c '
import json, sys
for n in json.load(sys.stdin)["networks"]:
    for c in n["containers"]:
        if c["name"] == sys.argv[1]:
            print(c[sys.argv[2]])
' "$(ctr "$2")" "$3"
}

# tc_ingress DEV: the clsact ingress filters of DEV in the host (the kernel
# keeps 15 characters of a program name: eb_from_contain).
tc_ingress() { in_host tc filter show dev "$1" ingress; }

# ---- --attach clsact ----
check "up --attach clsact" eb up --net "$NET" --subnet 10.82.0.0/24 --attach clsact "$(ctr a)" "$(ctr b)"
for x in a b; do
	check_eq "ls --json: $x is attached with clsact" "$(ls_field_net "$NET" $x attach)" clsact
	dev=$(ls_field_net "$NET" $x host_dev)
	out=$(tc_ingress "$dev")
	check_match "tc filter show dev $dev ingress shows the bpf filter" "$out" \
		"bpf .*eb_from_contain.*direct-action"
	check_fails "no tcx link pinned for $dev" test -e "$EB_PIN_ROOT/$NET/link_$dev"
done
connectivity "$NET" 10.82.0 a b

# A container added later, without --attach, follows the network's mode.
check "up a third container without --attach" eb up --net "$NET" "$(ctr c)"
check_eq "ls --json: the later container is attached with clsact too" \
	"$(ls_field_net "$NET" c attach)" clsact
check_match "tc shows the bpf filter on the later container's device" \
	"$(tc_ingress "$(ls_field_net "$NET" c host_dev)")" "bpf .*eb_from_contain"
connectivity "$NET" 10.82.0 c a

# ---- EBNET_ATTACH=clsact ----
check "EBNET_ATTACH=clsact up" env EBNET_ATTACH=clsact nsenter --net="/run/netns/$HOST" "$EBNET" \
	up --net "$NET2" --subnet 10.83.0.0/24 "$(ctr d)" "$(ctr e)"
for x in d e; do
	check_eq "EBNET_ATTACH: ls --json: $x is attached with clsact" \
		"$(ls_field_net "$NET2" $x attach)" clsact
	check_match "EBNET_ATTACH: tc shows the bpf filter on $x's device" \
		"$(tc_ingress "$(ls_field_net "$NET2" $x host_dev)")" "bpf .*eb_from_contain"
done
connectivity "$NET2" 10.83.0 d e

# ---- the default on this kernel, for contrast ----
check "up without --attach" eb up --net "$NET3" --subnet 10.84.0.0/24 "$(ctr f)" "$(ctr g)"
mode=$(ls_field_net "$NET3" f attach)
dev=$(ls_field_net "$NET3" f host_dev)
case $mode in
tcx)
	ok "default attach mode is tcx on this kernel"
	check_nomatch "tcx: no clsact filter on $dev" "$(tc_ingress "$dev")" "eb_from_contain"
	check "tcx: the link of $dev is pinned" test -e "$EB_PIN_ROOT/$NET3/link_$dev"
	;;
clsact) note "this kernel has no tcx: the default fell back to clsact" ;;
*) not_ok "default attach mode" "ls --json says '$mode'" ;;
esac
connectivity "$NET3" 10.84.0 f g

# Networks of both modes side by side in one host stay apart.
check_fails "no traffic from one network into another" in_ctr a ping -c1 -W1 \
	"$(ls_field_net "$NET2" d ip)"

# ---- down ----
for n in "$NET" "$NET2" "$NET3"; do
	check "down --net $n" eb down --net "$n"
	check_fails "down: no pin folder for $n" test -e "$EB_PIN_ROOT/$n"
done
check_nomatch "down: no eb* device left in the host namespace" "$(links "$HOST")" "^eb"
check_nomatch "down: no container namespace left" "$(netns_list)" "^$(ctr '')[a-g]\$"

finish
