#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# ipv6_attach: on a network with IPv6, namespaces that ebnet did not make
# get IPv6 too: `ebnet attach` (address, default route, reached from the
# gateway and from ebnet's own container, its source checked, gone after
# detach; `attach --ip6` gives the address, bad ones refused) and the CNI plugin (the result's second ip and ::/0 route, in
# 1.0.0 and 0.4.0; ping6 through it; DEL removes it; a bad "ipv6" value).
. "$(dirname "$0")/../lib.sh"
sandbox v6a

T=$_EB_TMP
export EBNET_STATE_DIR=$T/state
CNI=$EB_ROOT/build/ebnet-cni
A=$(ctr a)
F1=v6af1 F2=v6af2
trap 'rc=$?; ip netns del $F1 2>/dev/null; ip netns del $F2 2>/dev/null; (exit $rc); _eb_cleanup' EXIT
for n in $F1 $F2; do
	ip netns add $n
	ip -n $n link set lo up
done

check "up --ipv6 with container a" eb up --net "$NET" --subnet 10.98.0.0/24 --ipv6 --subnet6 fd00:98::/64 "$A"
A6=$(ls_field a ip6)
check_eq "a's IPv6 address" "$A6" fd00:98::2

# ---- ebnet attach ----
J=$(eb attach --net "$NET" --json f1 --netns /run/netns/$F1)
check_eq "attach --json: ip6 and gateway6" "$(echo "$J" | jq -r '.ip6 + " " + .gateway6')" "fd00:98::3/64 fd00:98::1"
check_match "f1's eth0 has fd00:98::3/64" "$(ip -n $F1 -6 -o addr show dev eth0)" "inet6 fd00:98::3/64"
check_match "f1's IPv6 default route is the gateway" "$(ip -n $F1 -6 route show default)" "default via fd00:98::1 dev eth0"
check "f1 pings the gateway over IPv6" ip netns exec $F1 ping -6 -c1 -W2 fd00:98::1
check "f1 pings container a over IPv6" ip netns exec $F1 ping -6 -c1 -W2 "$A6"
check "a pings f1 over IPv6" in_ctr a ping -6 -c1 -W2 fd00:98::3
check_eq "ls shows f1's ip6" "$(eb ls --net "$NET" --json | jq -r '.networks[0].containers[] | select(.runtime_id=="f1") | .ip6')" fd00:98::3
check_match "text: attach says the IPv6 address" "$(eb attach --net "$NET" f1 --netns /run/netns/$F1)" \
	"10\.98\.0\.3/24 via 10\.98\.0\.1, fd00:98::3/64 via fd00:98::1"
check "f1 still pings a after attach again" ip netns exec $F1 ping -6 -c1 -W2 "$A6"

# Its source is checked: another address of the subnet is not f1's.
ip -n $F1 addr add fd00:98::77/64 dev eth0 nodad
B=$(eb_counter EB_CNT_DROP_SPOOF_IP6)
S0=$(stat_packets "$B")
check_fails "f1 cannot send from fd00:98::77" ip netns exec $F1 ping -6 -c1 -W1 -I fd00:98::77 "$A6"
check "that counted as drop_spoof_ip6" test "$(stat_packets "$B")" -gt "$S0"

ip6_keys() { in_host bpftool -j map dump pinned "$EB_PIN_ROOT/$NET/eb_ip6" | jq -c '[.[].formatted.key.addr]'; }
F1KEY='\[253,0,0,152,0,0,0,0,0,0,0,0,0,0,0,3\]'
check_match "eb_ip6 holds fd00:98::3 (bpftool)" "$(ip6_keys)" "$F1KEY"
check "detach f1" eb detach --net "$NET" f1
check_nomatch "eb_ip6 holds no fd00:98::3 after detach" "$(ip6_keys)" "$F1KEY"
check_match "  but a's fd00:98::2 still" "$(ip6_keys)" '\[253,0,0,152,0,0,0,0,0,0,0,0,0,0,0,2\]'
check_fails "a no longer reaches fd00:98::3" in_ctr a ping -6 -c1 -W1 fd00:98::3
check_match "the host has no route to fd00:98::3 any more" "$(in_host ip -6 route show fd00:98::3)" '^$'

# ---- the CNI plugin ----
conf() { printf '{"cniVersion":"%s","name":"%s","type":"ebnet","subnet":"10.98.0.0/24","ipv6":%s}' "$1" "$NET" "${2:-true}"; }
plug() {
	env CNI_COMMAND="$1" CNI_CONTAINERID="$2" CNI_NETNS="$3" CNI_IFNAME=eth0 CNI_PATH=/opt/cni/bin \
		nsenter --net="/run/netns/$HOST" "$CNI"
}
R=$(conf 1.0.0 | plug ADD c2 /run/netns/$F2)
check_eq "CNI ADD: two ips, the second IPv6 with its gateway" \
	"$(echo "$R" | jq -r '[.ips[].address] | join(" ")') $(echo "$R" | jq -r '.ips[1].gateway')" \
	"10.98.0.3/24 fd00:98::3/64 fd00:98::1"
check_eq "CNI ADD: routes 0.0.0.0/0 and ::/0" "$(echo "$R" | jq -r '[.routes[] | .dst + " via " + .gw] | join(", ")')" \
	"0.0.0.0/0 via 10.98.0.1, ::/0 via fd00:98::1"
check "CNI container pings a over IPv6" ip netns exec $F2 ping -6 -c1 -W2 "$A6"
del() { conf "$1" | plug DEL "$2" /run/netns/$F2; }
check "CNI DEL" del 1.0.0 c2
check_fails "after DEL, a no longer reaches fd00:98::3" in_ctr a ping -6 -c1 -W1 fd00:98::3
R=$(conf 0.4.0 | plug ADD c3 /run/netns/$F2)
check_eq "CNI ADD 0.4.0: the IPv6 ip says version 6" "$(echo "$R" | jq -r '[.ips[].version] | join(" ")')" "4 6"
check "CNI DEL 0.4.0" del 0.4.0 c3
R=$(conf 1.0.0 '"yes"' | plug ADD c4 /run/netns/$F2)
check_eq "CNI: \"ipv6\": \"yes\" is refused as a bad config (code 7)" "$(echo "$R" | jq -r .code)" 7
check_match "  and says why" "$(echo "$R" | jq -r '.msg + " " + (.details // "")')" "invalid ipv6 'yes'"
check_eq "  and nothing was attached" "$(eb ls --net "$NET" --json | jq '[.networks[0].containers[] | select(.runtime_id != null)] | length')" 0

# ---- attach --ip6: the address given, checked as up's NAME=IPV4,IPV6 ----
addr6_of() {
	in_host bpftool -j map lookup pinned "$EB_PIN_ROOT/$NET/eb_addr6" key $(echo "$1" | tr . ' ') 2>/dev/null |
		jq -r 'select(.error == null) | (.formatted // .).value | "\(.addr | map(if type == "string" then tonumber else . end) | @json) \(.flags)"'
}
attached() { eb ls --net "$NET" --json | jq '[.networks[0].containers[] | select(.runtime_id != null)] | length'; }
bad_ip6() {
	local want=$1 out
	shift
	out=$(eb attach --net "$NET" f5 --netns /run/netns/$F1 --ip6 "$@" 2>&1)
	check_match "attach --ip6 $*: refused, says '$want'" "$out" "$want"
	check_eq "attach --ip6 $*: nothing attached" "$(attached)" 0
	check_eq "attach --ip6 $*: no eth0 in the namespace" "$(ip -n $F1 -o link show dev eth0 2>/dev/null)" ""
}
bad_ip6 "IPv6 address fd00:98::1 is the gateway's" fd00:98::1
bad_ip6 "IPv6 address fd00:99::5 is not in the network's IPv6 subnet fd00:98::/64" fd00:99::5
bad_ip6 "IPv6 address fd00:98:: is the subnet's own address" fd00:98::
bad_ip6 "IPv6 address $A6 is taken by container '$A'" "$A6"
bad_ip6 "invalid --ip6 'fd00:98::zz': want an IPv6 address" fd00:98::zz
check_eq "the refusals left no eb_addr6 entry but a's" \
	"$(in_host bpftool -j map dump pinned "$EB_PIN_ROOT/$NET/eb_addr6" | jq length)" 1
J=$(eb attach --net "$NET" --json f5 --netns /run/netns/$F1 --ip6 fd00:98::a7)
check_eq "attach --ip6 fd00:98::a7: --json says it" "$(echo "$J" | jq -r .ip6)" "fd00:98::a7/64"
F5IP=$(echo "$J" | jq -r '.ip | sub("/.*"; "")')
check_match "f5's eth0 has fd00:98::a7/64" "$(ip -n $F1 -6 -o addr show dev eth0)" "inet6 fd00:98::a7/64"
check_eq "bpftool: eb_addr6 of $F5IP is fd00:98::a7, flag given (1)" "$(addr6_of "$F5IP")" \
	"[253,0,0,152,0,0,0,0,0,0,0,0,0,0,0,167] 1"
check "a pings f5 at fd00:98::a7" in_ctr a ping -6 -c1 -W2 fd00:98::a7
check "detach f5" eb detach --net "$NET" f5
check_match "bpftool: no eb_addr6 entry of $F5IP after detach" \
	"$(in_host bpftool map lookup pinned "$EB_PIN_ROOT/$NET/eb_addr6" key $(echo "$F5IP" | tr . ' ') 2>&1)" \
	"[Nn]ot found"

check "down" eb down --net "$NET"
NET2=${NET}4
track_net "$NET2"
check "up an IPv4-only network" eb up --net "$NET2" --subnet 10.97.0.0/24
check_match "attach --ip6 on a network without IPv6: refused, says why" \
	"$(eb attach --net "$NET2" f6 --netns /run/netns/$F1 --ip6 fd00:97::5 2>&1)" \
	"network '$NET2' has no IPv6: the IPv6 address fd00:97::5 needs it"
check_eq "  and nothing attached" \
	"$(eb ls --net "$NET2" --json | jq '[.networks[0].containers[] | select(.runtime_id != null)] | length')" 0
check "down the IPv4 network" eb down --net "$NET2"
finish
