#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# obs_drops: each drop reason that a container or the outside can provoke
# shows up under its own name (issue 7): a spoofed source address, a
# spoofed source MAC, a destination MAC nobody has, a protocol NAT cannot
# translate, a TCP segment of no flow to a published port, a frame to its
# own sender, a container of another network, a destination with no route,
# a malformed IPv4 header, a lone later IPv4 fragment, a packet larger than the
# uplink's MTU with DF set. For each: that counter rose by
# at least the packets sent, no other drop counter moved, and the text of
# `ebnet stats` names it.
#
# Not provoked here: drop_no_port and drop_redirect (no frame arrives on a
# port without endpoint, the kernel does not refuse redirects in a healthy
# network), drop_ct_full and drop_nat_exhausted (tests/e2e/nat_limits.sh),
. "$(dirname "$0")/obs_lib.sh"
sandbox tobd

SUB=10.62.0
A=$(ctr a) B=$(ctr b) D=$(ctr d)
NET2=${NET}2
PORT=16311
obs_tmp

check "up a and b" eb up --net "$NET" --subnet $SUB.0/24 "$A" "$B"
track_net "$NET2"
check "up another network, container d, in the same host" \
	eb up --net "$NET2" --subnet 10.62.1.0/24 "$D"
IPA=$(ls_field a ip) IPB=$(ls_field b ip) MACA=$(ls_field a mac) MACB=$(ls_field b mac) GWA=$(ls_field a gateway_mac)
IPD=$(NET=$NET2 ls_field d ip)
check "a pings b (neighbour resolved)" in_ctr a ping -c 1 -W 2 "$IPB"
check "a pings $OUT_IP (gateway's neighbour resolved)" in_ctr a ping -c 1 -W 2 $OUT_IP

# provoke NAME N DESC CMD...: runs CMD (its failure is expected: the
# packets are dropped), then checks that drop NAME rose by >= N and that no
# other drop counter moved.
provoke() {
	local name=$1 n=$2 desc=$3 moved
	shift 3
	snap "$T/d0"
	"$@" >"$T/provoke.out" 2>&1
	sleep 0.3
	snap "$T/d1"
	check_ge "$name: $desc: counted >= $n" "$(sdelta "$T/d0" "$T/d1" counter "$name")" "$n"
	moved=$(drops_moved "$T/d0" "$T/d1" | grep -v "^$name ")
	check_eq "$name: no other drop reason moved" "$moved" ""
}

# ---- drop_spoof_ip ----
check "a adds a second address $SUB.77" in_ctr a ip addr add $SUB.77/24 dev eth0
provoke drop_spoof_ip 3 "a pings b from $SUB.77 (ping -I), 3 times" \
	in_ctr a ping -c 3 -i 0.2 -W 1 -I $SUB.77 "$IPB"
check_match "drop_spoof_ip: ping got no answer" "$(cat "$T/provoke.out")" " 0 received"
in_ctr a ip addr del $SUB.77/24 dev eth0

# ---- drop_spoof_mac ----
# A new MAC flushes a's neighbours; b's is set again, static, so that the
# three echo requests go out at once (else only ARP requests would).
check "a changes the MAC of its eth0" in_ctr a ip link set dev eth0 address 02:00:00:00:99:99
check "a: static neighbour $IPB -> b's MAC" \
	in_ctr a ip neigh replace "$IPB" lladdr "$MACB" dev eth0 nud permanent
provoke drop_spoof_mac 3 "a pings b 3 times with the new MAC" \
	in_ctr a ping -c 3 -i 0.2 -W 1 "$IPB"
check "a takes its own MAC back" in_ctr a ip link set dev eth0 address "$MACA"
in_ctr a ip neigh del "$IPB" dev eth0 2>/dev/null
check "a reaches b again" in_ctr a ping -c 1 -W 2 "$IPB"

# ---- drop_unknown_unicast ----
check "a: static neighbour $IPB -> 02:00:00:de:ad:01, a MAC nobody has" \
	in_ctr a ip neigh replace "$IPB" lladdr 02:00:00:de:ad:01 dev eth0 nud permanent
provoke drop_unknown_unicast 3 "a pings b 3 times" in_ctr a ping -c 3 -i 0.2 -W 1 "$IPB"

# ---- drop_hairpin ----
check "a: static neighbour $IPB -> a's own MAC" \
	in_ctr a ip neigh replace "$IPB" lladdr "$MACA" dev eth0 nud permanent
provoke drop_hairpin 3 "a pings b 3 times" in_ctr a ping -c 3 -i 0.2 -W 1 "$IPB"
in_ctr a ip neigh del "$IPB" dev eth0
check "a reaches b again" in_ctr a ping -c 1 -W 2 "$IPB"

# ---- drop_proto ----
provoke drop_proto 3 "a sends 3 GRE (IP protocol 47) datagrams to $OUT_IP (raw socket)" \
	in_ctr a bash -c "$(declare -f send_raw_proto); send_raw_proto 47 $OUT_IP 3"

# ---- drop_no_ct ----
# (bg_log not under check: check runs it in a subshell, whose pid list is lost.)
bg_log "$B" "$T/b.log" python3 -u -m http.server 80 --bind 0.0.0.0 --directory "$T/www"
check "http.server listens on :80 in b" wait_until 10 listening "$B" 80
check "publish $PORT:$B:80" eb publish --net "$NET" "$PORT:$B:80"
provoke drop_no_ct 3 "OUT sends 3 ACK-only TCP segments to $UPLINK_IP:$PORT (no flow)" \
	in_out bash -c "$(declare -f send_tcp_ack); send_tcp_ack $OUT_IP $UPLINK_IP 41234 $PORT 3"
check_nomatch "drop_no_ct: the stray segments made no conntrack entry" \
	"$(eb ct --net "$NET" --json)" "$OUT_IP:41234"
check_nomatch "drop_no_ct: b's server saw nothing" "$(cat "$T/b.log")" "GET"
check_eq "drop_no_ct: a real connection to $UPLINK_IP:$PORT still works" \
	"$(in_out curl -sS -o /dev/null -m 5 -w '%{http_code}' "http://$UPLINK_IP:$PORT/" 2>&1)" 200

# ---- drop_isolated ----
provoke drop_isolated 3 "a pings d ($IPD) of network $NET2, 3 times" \
	in_ctr a ping -c 3 -i 0.2 -W 1 "$IPD"
check_match "drop_isolated: no answer" "$(cat "$T/provoke.out")" " 0 received"

# ---- drop_no_route ----
check "the host has no way to 192.0.2.0/24 (an unreachable route)" \
	in_host ip route add unreachable 192.0.2.0/24
provoke drop_no_route 3 "a pings 192.0.2.1 3 times" in_ctr a ping -c 3 -i 0.2 -W 1 192.0.2.1

# ---- drop_malformed ----
provoke drop_malformed 3 "a sends 3 IPv4 frames with IHL 4 to the gateway (packet socket)" \
	in_ctr a bash -c "$(declare -f send_bad_ihl); send_bad_ihl $MACA $GWA $IPA 3"

# ---- drop_fragment ----
# The first fragment of a datagram is translated and remembered, the others
# follow it; a later fragment whose first never came has nothing to follow.
provoke drop_fragment 3 "a sends 3 lone later fragments of UDP datagrams to $OUT_IP (IP_HDRINCL)" \
	in_ctr a bash -c "$(declare -f send_lone_fragment); send_lone_fragment $IPA $OUT_IP 3"

# ---- drop_frag_needed ----
# The uplink's MTU made smaller than a's; a sends 1500-byte packets without
# DF (with DF the gateway answers "fragmentation needed": icmp_sent; not
# GSO: the kernel lets a GSO packet through, to be segmented later).
check "the host's uplink gets MTU 1400" in_host ip link set dev up0 mtu 1400
provoke drop_frag_needed 3 "a pings $OUT_IP 3 times with 1500-byte packets, DF clear" \
	in_ctr a ping -c 3 -i 0.2 -W 1 -M dont -s 1472 $OUT_IP
in_host ip link set dev up0 mtu 1500

# ---- what the user reads ----
TXT=$(eb stats --net "$NET")
for r in drop_spoof_ip drop_spoof_mac drop_unknown_unicast drop_hairpin drop_proto drop_no_ct \
	drop_isolated drop_no_route drop_malformed drop_fragment drop_frag_needed; do
	check_match "ebnet stats names $r, with its count and meaning" "$TXT" "^$r +[1-9][0-9]* +[1-9][0-9]* +[A-Za-z]"
done
check_match "ebnet stats: drop_spoof_ip says what it means" "$TXT" \
	"^drop_spoof_ip .*source IPv4 not the container's own"
check_match "ebnet stats: drop_no_ct says what it means" "$TXT" "^drop_no_ct .*matches no flow"

# The datapath's counters as bpftool reads them agree with ebnet stats.
DP=$(for r in EB_CNT_DROP_SPOOF_IP EB_CNT_DROP_SPOOF_MAC EB_CNT_DROP_UNKNOWN_UNICAST \
	EB_CNT_DROP_NO_CT; do bpf_counter $r | cut -d' ' -f1; done | tr '\n' ' ')
snap "$T/end"
ST=$(for r in drop_spoof_ip drop_spoof_mac drop_unknown_unicast drop_no_ct; do
	sval "$T/end" counter $r; done | tr '\n' ' ')
check_eq "bpftool eb_stats (summed over CPUs) = ebnet stats --json for four drop reasons" "$DP" "$ST"

check "down $NET2" eb down --net "$NET2"
check "down" eb down --net "$NET"
finish
