#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# clsact: the classic TC hook. Container ports get it by default (tcx waits
# for an RCU grace period per attach), the uplink keeps tcx where the kernel
# has it; --attach clsact or EBNET_ATTACH=clsact puts clsact everywhere, and
# --attach tcx puts tcx on the ports too. Every mode carries the same traffic.
. "$(dirname "$0")/../lib.sh"
sandbox tcls

NET2=${NET}2
NET3=${NET}3
NET4=${NET}4
track_net "$NET2"
track_net "$NET3"
track_net "$NET4"

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

# net_field NET FIELD: a field of the network in `ls --json`.
net_field() {
	eb ls --net "$1" --json | python3 -c '
import json, sys
print(json.load(sys.stdin)["networks"][0][sys.argv[1]])' "$2"
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

# ---- the default: container ports with clsact, the uplink with tcx ----
check "up without --attach" eb up --net "$NET3" --subnet 10.84.0.0/24 "$(ctr f)" "$(ctr g)"
for x in f g; do
	dev=$(ls_field_net "$NET3" $x host_dev)
	check_eq "default: ls --json: $x is attached with clsact" "$(ls_field_net "$NET3" $x attach)" clsact
	check_match "default: tc shows the bpf filter on $x's device" "$(tc_ingress "$dev")" \
		"bpf .*eb_from_contain"
	check_fails "default: no tcx link pinned for $x's device" test -e "$EB_PIN_ROOT/$NET3/link_$dev"
done
mode=$(net_field "$NET3" uplink_attach)
case $mode in
tcx)
	ok "default: the uplink is attached with tcx on this kernel"
	check "default: the uplink's tcx link is pinned" test -e "$EB_PIN_ROOT/$NET3/link_uplink"
	;;
clsact) note "this kernel has no tcx: the uplink fell back to clsact" ;;
*) not_ok "default: uplink attach mode" "ls --json says '$mode'" ;;
esac
connectivity "$NET3" 10.84.0 f g
check "default: f reaches the outside through the uplink" in_ctr f ping -c1 -W2 203.0.113.2
check "up a third container in $NET3, with --attach tcx" eb up --net "$NET3" --attach tcx "$(ctr h)"
dev=$(ls_field_net "$NET3" h host_dev)
check_eq "mixed: ls --json: h is attached with tcx" "$(ls_field_net "$NET3" h attach)" tcx
check "mixed: the tcx link of h's device is pinned" test -e "$EB_PIN_ROOT/$NET3/link_$dev"
connectivity "$NET3" 10.84.0 f h
check "mixed: rm h" eb rm --net "$NET3" "$(ctr h)"
check_fails "mixed: rm h dropped its tcx link" test -e "$EB_PIN_ROOT/$NET3/link_$dev"
check_nomatch "mixed: rm h removed its device" "$(links "$HOST")" "^$dev\$"

# ---- --attach tcx: tcx on the ports too, remembered by the network ----
if [ "$mode" = tcx ]; then
	check "up --attach tcx" eb up --net "$NET4" --subnet 10.85.0.0/24 --attach tcx "$(ctr i)" "$(ctr j)"
	check "up a later container without --attach" eb up --net "$NET4" "$(ctr k)"
	for x in i j k; do
		dev=$(ls_field_net "$NET4" $x host_dev)
		check_eq "tcx: ls --json: $x is attached with tcx" "$(ls_field_net "$NET4" $x attach)" tcx
		check "tcx: the link of $x's device is pinned" test -e "$EB_PIN_ROOT/$NET4/link_$dev"
		check_nomatch "tcx: no clsact filter on $x's device" "$(tc_ingress "$dev")" "eb_from_contain"
	done
	check_eq "tcx: the uplink too" "$(net_field "$NET4" uplink_attach)" tcx
	connectivity "$NET4" 10.85.0 i k
	check "down --net $NET4" eb down --net "$NET4"
fi

# Networks of both modes side by side in one host stay apart.
check_fails "no traffic from one network into another" in_ctr a ping -c1 -W1 \
	"$(ls_field_net "$NET2" d ip)"

# ---- down ----
for n in "$NET" "$NET2" "$NET3"; do
	check "down --net $n" eb down --net "$n"
	check_fails "down: no pin folder for $n" test -e "$EB_PIN_ROOT/$n"
done
check_nomatch "down: no eb* device left in the host namespace" "$(links "$HOST")" "^eb"
check_nomatch "down: no container namespace left" "$(netns_list)" "^$(ctr '')[a-k]\$"

finish
