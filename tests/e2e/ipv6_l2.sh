#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# ipv6_l2: IPv6, first part. `up --ipv6` gives every container an IPv6
# address beside its IPv4 one; containers ping6 each other and the gateway,
# neighbour solicitations are answered by the datapath (ip -6 neigh shows
# the gateway's and the peer's MACs), a duplicate address detection probe
# gets no answer, a spoofed IPv6 source gets nothing through; an IPv4
# network gains IPv6 with `up --ipv6` and no container restarted; a network
# without --ipv6 still drops IPv6.
. "$(dirname "$0")/../lib.sh"
sandbox tv6a

SUB=10.87.0
NET2=${NET}2
track_net "$NET2"
P6=fd00:87:1::

C_NOT4=$(eb_counter EB_CNT_DROP_NOT_IPV4)
C_NDP=$(eb_counter EB_CNT_NDP_REPLY)
C_NDP_IGN=$(eb_counter EB_CNT_NDP_IGNORED)
C_SPOOF6=$(eb_counter EB_CNT_DROP_SPOOF_IP6)
C_NOROUTE6=$(eb_counter EB_CNT_DROP_IP6_NO_ROUTE)

# ---- bad input: refused, nothing made ----
for bad in fd00::/40 fd00::/121 fd00::1/64 nonsense 10.0.0.0/8; do
	out=$(eb up --net "$NET" --subnet $SUB.0/24 --subnet6 "$bad" "$(ctr a)" 2>&1)
	rc=$?
	check "up --subnet6 $bad is refused (exit $rc)" test "$rc" -ne 0
	check_match "... with a message naming it" "$out" "invalid --subnet6 '$bad'"
done
check_fails "... and no network was made" test -d "$EB_PIN_ROOT/$NET"
out=$(eb up --net "$NET" --subnet 10.87.0.0/16 --subnet6 fd00:87:1::/120 "$(ctr a)" 2>&1)
check_match "a /120 for a /16 IPv4 subnet is refused: too few host bits" "$out" "fewer than"
check_fails "... and no network was made" test -d "$EB_PIN_ROOT/$NET"

in_host sysctl -qw net.ipv6.conf.default.disable_ipv6=1
out=$(eb up --net "$NET" --subnet $SUB.0/24 --ipv6 "$(ctr a)" 2>&1)
in_host sysctl -qw net.ipv6.conf.default.disable_ipv6=0
check_match "--ipv6 where new devices get no IPv6 is refused, saying why" "$out" \
	"net.ipv6.conf.default.disable_ipv6 is 1"
check_fails "... and no network was made" test -d "$EB_PIN_ROOT/$NET"

# ---- an IPv4 network, then IPv6 added with no restart ----
check "up three containers, IPv4 only" eb up --net "$NET" --subnet $SUB.0/24 "$(ctr a)" "$(ctr b)" "$(ctr c)"
IPA=$(ls_field a ip) IPB=$(ls_field b ip)
check_eq "ls --json: no ip6 before --ipv6" "$(ls_field a ip6)" "None"
bg_ns "$(ctr b)" timeout 60 socat -u TCP-LISTEN:5000,bind="$IPB",reuseaddr OPEN:/dev/null
wait_until 5 listening "$(ctr b)" 5000
bg_ns "$(ctr a)" timeout 60 bash -c "sleep 50 | socat -u - TCP:$IPB:5000"
check "an IPv4 TCP connection a -> b is open" wait_until 5 bash -c \
	"[ -n \"\$(nsenter --net=/run/netns/$(ctr b) ss -Htn state established 'sport = :5000')\" ]"
NSA=$(in_ctr a readlink /proc/self/ns/net)
IFA=$(ls_field a host_ifindex)

check "up --ipv6 --subnet6 $P6/64 on the existing network" eb up --net "$NET" --ipv6 --subnet6 $P6/64
A6=$(ls_field a ip6) B6=$(ls_field b ip6) C6=$(ls_field c ip6)
check_eq "a's IPv6 address is the prefix + its IPv4 host number" "$A6" "${P6}2"
check_eq "b's likewise" "$B6" "${P6}3"
json=$(eb ls --net "$NET" --json)
check_match "ls --json: the network's subnet6" "$json" "\"subnet6\":\"$P6/64\",\"gateway6\":\"${P6}1\""
check_match "ls: the IPv6 subnet and each address" "$(eb ls --net "$NET")" "ipv6 subnet $P6/64"
check_match "ls: a's IPv6 address" "$(eb ls --net "$NET")" "^ +${P6}2$"
check_eq "a was not restarted: same namespace" "$(in_ctr a readlink /proc/self/ns/net)" "$NSA"
check_eq "a was not restarted: same port" "$(ls_field a host_ifindex)" "$IFA"
check "the IPv4 TCP connection a -> b is still established" bash -c \
	"[ -n \"\$(nsenter --net=/run/netns/$(ctr b) ss -Htn state established 'sport = :5000')\" ]"
check "a still pings b over IPv4" in_ctr a ping -c1 -W2 "$IPB"
check_match "a's eth0 has its IPv6 address" "$(in_ctr a ip -6 -o addr show dev eth0)" "inet6 ${P6}2/64"
check_match "a's IPv6 default route is the gateway" "$(in_ctr a ip -6 route show default)" \
	"^default via ${P6}1 dev eth0"
check_match "the host end of a's port has the gateway's IPv6 address" \
	"$(in_host ip -6 -o addr show dev "$(ls_field a host_dev)")" "inet6 ${P6}1/128"
check_match "the host routes a's IPv6 address to a's port" \
	"$(in_host ip -6 route show "${P6}2")" "dev $(ls_field a host_dev)"

# ---- ping6, and the neighbours the datapath answered ----
n0=$(stat_packets "$C_NDP")
check "a ping6s b" in_ctr a ping -6 -c2 -i0.2 -W2 "$B6"
check "b ping6s a" in_ctr b ping -6 -c1 -W2 "$A6"
check "a ping6s the gateway" in_ctr a ping -6 -c2 -i0.2 -W2 "${P6}1"
check "the host ping6s a" in_host ping -6 -c1 -W2 "$A6"
HMAC=$(mac_of "$HOST" "$(ls_field a host_dev)")
check_match "ip -6 neigh in a: the gateway at its port's host MAC" \
	"$(in_ctr a ip -6 neigh show "${P6}1" dev eth0)" "lladdr $HMAC (router )?(REACHABLE|STALE|DELAY|PROBE)"
check_match "ip -6 neigh in a: b at b's MAC" \
	"$(in_ctr a ip -6 neigh show "$B6" dev eth0)" "lladdr $(ls_field b mac) "
n1=$(stat_packets "$C_NDP")
check "the ndp_reply counter rose ($n0 -> $n1)" test "$n1" -ge $((n0 + 2))
TCP6_OUT=$(in_ctr b timeout 5 socat -u TCP6-LISTEN:5006,reuseaddr - 2>&1 &
	sleep 0.5; echo hello6 | in_ctr a timeout 3 socat -u - "TCP6:[$B6]:5006"; wait)
check_match "TCP over IPv6 a -> b carries data" "$TCP6_OUT" "hello6"

# ---- duplicate address detection: no answer for a taken address ----
i0=$(stat_packets "$C_NDP_IGN")
in_ctr c ip -6 addr add "$B6/64" dev eth0 # b's address, with DAD
sleep 2.5
st=$(in_ctr c ip -6 -o addr show dev eth0 to "$B6/128")
check_match "c's DAD for b's address got no answer: the address is there" "$st" "inet6 $B6/64"
check_nomatch "... and not dadfailed" "$st" "dadfailed"
i1=$(stat_packets "$C_NDP_IGN")
check "the ndp_ignored counter rose ($i0 -> $i1)" test "$i1" -gt "$i0"

# ---- a spoofed IPv6 source gets nothing through ----
s0=$(stat_packets "$C_SPOOF6")
check_fails "c cannot ping6 a from b's address" in_ctr c ping -6 -c2 -i0.2 -W1 -I "$B6" "$A6"
in_ctr c ip -6 addr del "$B6/64" dev eth0
in_ctr c ip -6 addr add "${P6}99/64" dev eth0 nodad
check_fails "c cannot ping6 the gateway from an address it does not own" \
	in_ctr c ping -6 -c2 -i0.2 -W1 -I "${P6}99" "${P6}1"
s1=$(stat_packets "$C_SPOOF6")
check "the drop_spoof_ip6 counter rose ($s0 -> $s1)" test "$s1" -ge $((s0 + 4))
# Its neighbour entries failed with the spoofed solicitations: start clean.
in_ctr c ip -6 addr del "${P6}99/64" dev eth0
in_ctr c ip -6 neigh flush dev eth0
check "c still ping6s a from its own address" in_ctr c ping -6 -c1 -W2 -I "$C6" "$A6"

# ---- nothing routed out over IPv6: the uplink has none ----
r0=$(stat_packets "$C_NOROUTE6")
check_fails "a cannot ping6 beyond the subnet (the uplink has no IPv6 address)" \
	in_ctr a ping -6 -c1 -W1 2001:db8::1
r1=$(stat_packets "$C_NOROUTE6")
check "the drop_ip6_no_route counter rose ($r0 -> $r1)" test "$r1" -gt "$r0"

# ---- a re-up keeps the addresses; rm removes the entry ----
check "up --ipv6 again changes nothing" eb up --net "$NET" --ipv6
check_eq "a keeps its IPv6 address" "$(ls_field a ip6)" "$A6"
out=$(eb up --net "$NET" --subnet6 fd00:99::/64 2>&1)
check_match "another --subnet6 for the network is refused" "$out" "exists with IPv6 subnet $P6/64"
check "rm c" eb rm --net "$NET" "$(ctr c)"
check_nomatch "c's entry left eb_ip6" \
	"$(in_host bpftool -j map dump pinned "$EB_PIN_ROOT/$NET/eb_ip6")" \
	"$(printf '"0x%02x"' 99)\]"
check "up c again" eb up --net "$NET" "$(ctr c)"
check_eq "c, made again, gets its IPv6 address" "$(ls_field c ip6)" "$C6"
check "c ping6s a" in_ctr c ping -6 -c1 -W2 "$A6"

# ---- a network without --ipv6 drops IPv6, as before ----
check "up a network without --ipv6" eb up --net "$NET2" --subnet 10.88.0.0/24 "$(ctr d)" "$(ctr e)"
in_ctr d ip -6 addr add fd00:88::2/64 dev eth0 nodad
in_ctr e ip -6 addr add fd00:88::3/64 dev eth0 nodad
d0=$(NET=$NET2 stat_packets "$C_NOT4")
check_fails "d cannot ping6 e there" in_ctr d ping -6 -c2 -i0.2 -W1 fd00:88::3
d1=$(NET=$NET2 stat_packets "$C_NOT4")
check "that network's drop_not_ipv4 counter rose ($d0 -> $d1)" test "$d1" -gt "$d0"
check_eq "its ls --json has no subnet6" \
	"$(eb ls --net "$NET2" --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["networks"][0]["subnet6"])')" "None"
check "d still pings e over IPv4" in_ctr d ping -c1 -W2 10.88.0.3

# ---- the default subnet: a ULA /64 from the network's name ----
check "up --ipv6 on it, no --subnet6" eb up --net "$NET2" --ipv6
S6=$(eb ls --net "$NET2" --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["networks"][0]["subnet6"])')
check_match "its subnet6 is a ULA /64 (fdXX:XXXX:XXXX::/64)" "$S6" '^fd[0-9a-f]{2}:[0-9a-f]{1,4}:[0-9a-f]{1,4}::/64$'
E6=$(NET=$NET2 ls_field e ip6)
check_eq "e's address is in it" "$E6" "${S6%/64}3"
check "d ping6s e at its new address" in_ctr d ping -6 -c1 -W2 "$E6"

for n in "$NET" "$NET2"; do check "down --net $n" eb down --net "$n"; done
finish
