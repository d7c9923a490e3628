#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# ct_flood_udp: a UDP flood to a published port, from many source ports of
# the outside's address and from spoofed sources (hping3 --udp), at a small
# eb_ct_other (--ct-other-size 1024) and at the default one (issue 11).
# Before, the flood's flows filled eb_ct_other and every container's DNS,
# UDP and ping to the outside were refused for 60 s. Now a full map evicts
# the flood's flows (not assured: one datagram, or one and its answer)
# first, and a container's own new flow is never evicted while its answer
# is on its way. Checked with real clients: a UDP flow established before
# the flood in each direction goes on through it; during it a container's
# new UDP flows (one socket a query, as a resolver does) are answered and
# its ping works; after it the outside reaches the published port from a
# new source port; `ebnet stats` counts ct_evict_unassured.
. "$(dirname "$0")/ct_flood_lib.sh"
sandbox atb

T=$(tmpdir)
PORT=5360  # flooded
PORT2=5361 # the outside's flow established before: another socket in b, so
	   # that b's own receive queue, full of the flood, drops none of it

# flood_round NAME SIZE_ARGS INTERVAL SECS N
flood_round() {
	local name=$1 size_args=$2 interval=$3 secs=$4 net=$1 size sent fill n got
	track_net "$net"
	NET=$net
	check "$name: up a and b ($size_args)" \
		eb up --net "$net" --subnet 10.82.$5.0/24 $size_args "$(ctr a$5)" "$(ctr b$5)"
	size=$(eb ls --net "$net" --json | python3 -c '
import json, sys
print(json.load(sys.stdin)["networks"][0]["ct_other_size"])')
	echo_server "$(ctr b$5)" udp 0.0.0.0 53
	echo_server "$(ctr b$5)" udp 0.0.0.0 54
	check "$name: publish $PORT/udp -> b:53 and $PORT2/udp -> b:54" \
		eb publish --net "$net" "$PORT:$(ctr b$5):53/udp" "$PORT2:$(ctr b$5):54/udp"
	ping_pong "$OUT" udp $HOSTIP $PORT2 $((secs + 5)) "$T/$name.in"
	local p_in=$BG_LAST
	ping_pong "$(ctr a$5)" udp $OUT_IP 5390 $((secs + 5)) "$T/$name.out"
	local p_out=$BG_LAST
	sleep 2.5 # both flows assured: replied, and used 2 s after they began
	# Half the flood from the outside's own address (hping3 moves the
	# source port on every datagram), half from random sources.
	in_out timeout -s INT $secs hping3 -q --udp -p $PORT -i "$interval" -d 16 \
		$HOSTIP >"$T/$name.hping1" 2>&1 &
	local p_f1=$!
	bg_pid $p_f1
	in_out timeout -s INT $secs hping3 -q --udp -p $PORT --rand-source -i "$interval" -d 16 \
		$HOSTIP >"$T/$name.hping2" 2>&1 &
	local p_f2=$!
	bg_pid $p_f2
	sleep $((secs / 2 + 1))
	got=$(udp_queries "$(ctr a$5)" $OUT_IP 5390 20)
	check_eq "$name: during the flood, a's 20 new UDP flows (a socket each) are answered" \
		"$got" 20
	check "$name: during the flood, a pings the outside" \
		in_ctr a$5 ping -c 2 -W 2 -i 0.2 $OUT_IP
	fill=$(ct_entries eb_ct_other)
	wait $p_f1 $p_f2
	sent=$(($(grep -o '^[0-9]* packets transmitted' "$T/$name.hping1" | cut -d' ' -f1) +
		$(grep -o '^[0-9]* packets transmitted' "$T/$name.hping2" | cut -d' ' -f1)))
	note "$name: hping3 sent $sent datagrams in $secs s;" \
		"eb_ct_other held $fill of $size entries during the flood"
	wait $p_in $p_out
	check_match "$name: the outside's UDP flow, established before, lost nothing" \
		"$(cat "$T/$name.in")" "^rounds [1-9][0-9]* lost 0 "
	check_match "$name: a's UDP flow to the outside, established before, lost nothing" \
		"$(cat "$T/$name.out")" "^rounds [1-9][0-9]* lost 0 "
	note "$name: in: $(cat "$T/$name.in"); out: $(cat "$T/$name.out")"
	n=$(stats_packets "$net" ct_evict_unassured)
	note "$name: ct_evict_unassured $n, drop_ct_full $(stats_packets "$net" drop_ct_full)"
	# As many datagrams as the map has entries (see ct_flood_tcp.sh).
	if [ "$sent" -gt "$size" ]; then
		check "$name: the map filled, and ebnet stats counts the flows evicted" \
			test "$n" -gt 0
	else
		note "$name: the flood sent fewer datagrams than the map has entries: eviction not checked"
	fi
	got=$(udp_queries "$OUT" $HOSTIP $PORT 5)
	check_eq "$name: after the flood, 5 new flows from outside are answered" "$got" 5
	check "$name: down" eb down --net "$net"
}

echo_server "$OUT" udp $OUT_IP 5390
flood_round "${NET}s" "--ct-other-size 1024" u400 4 1
flood_round "${NET}d" "" u40 6 2
finish
