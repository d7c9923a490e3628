#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# ct_flood_tcp: a SYN flood from spoofed sources (hping3 --rand-source) to a
# published port whose container answers every SYN (issue 11). Before, each
# answered SYN was an established flow for 6 h: the flood filled eb_ct_tcp
# and then no container could open a TCP connection. Now those flows stay
# SYN_RECV (the spoofer never acks the SYN-ACK it never saw), live 60 s,
# and a full map evicts them first. Checked with real clients, at a small
# map (--ct-tcp-size 2048) and at the default one: a connection established
# before the flood, in each direction, goes on through it with no answer
# lost; a container opens new connections to the outside during it; the
# outside opens new ones to the published port after it; `ebnet stats`
# counts the evictions (ct_evict_halfopen) and `ebnet ct` shows the flood's
# flows as syn_recv.
. "$(dirname "$0")/ct_flood_lib.sh"
sandbox ata

T=$(tmpdir)
PORT=11600

# flood_round NAME SIZE_ARGS INTERVAL SECS: a network, the flood, the checks.
flood_round() {
	local name=$1 size_args=$2 interval=$3 secs=$4 net=$1 size sent fill ok n
	track_net "$net"
	NET=$net
	check "$name: up a and b ($size_args)" \
		eb up --net "$net" --subnet 10.81.$5.0/24 $size_args "$(ctr a$5)" "$(ctr b$5)"
	size=$(eb ls --net "$net" --json | python3 -c '
import json, sys
print(json.load(sys.stdin)["networks"][0]["ct_tcp_size"])')
	echo_server "$(ctr b$5)" tcp 0.0.0.0 80
	check "$name: publish $PORT -> b:80" eb publish --net "$net" "$PORT:$(ctr b$5):80"
	# Established before the flood: the outside to b, a to the outside.
	ping_pong "$OUT" tcp $HOSTIP $PORT $((secs + 4)) "$T/$name.in"
	local p_in=$BG_LAST
	ping_pong "$(ctr a$5)" tcp $OUT_IP 8090 $((secs + 4)) "$T/$name.out"
	local p_out=$BG_LAST
	sleep 1
	in_out timeout -s INT $secs hping3 -q -S -p $PORT --rand-source -i "$interval" \
		$HOSTIP >"$T/$name.hping" 2>&1 &
	local p_flood=$!
	bg_pid $p_flood
	sleep $((secs / 2 + 1))
	# During the flood: a's new connections, ping and a UDP flow out.
	ok=0
	for i in 1 2 3 4 5; do
		in_ctr a$5 timeout 5 socat -t 2 - "TCP:$OUT_IP:8080,connect-timeout=3" </dev/null \
			2>/dev/null | grep -q "^from $HOSTIP:" && ok=$((ok + 1))
	done
	check_eq "$name: during the flood, a opens 5 new connections to the outside" "$ok" 5
	check "$name: during the flood, a pings the outside" \
		in_ctr a$5 ping -c 2 -W 2 -i 0.2 $OUT_IP
	fill=$(ct_entries eb_ct_tcp)
	wait $p_flood
	sent=$(grep -o '^[0-9]* packets transmitted' "$T/$name.hping" | cut -d' ' -f1)
	note "$name: hping3 sent ${sent:-?} SYNs from random sources in ${secs} s;" \
		"eb_ct_tcp held $fill of $size entries during the flood"
	# The established flows, which ran through the flood.
	wait $p_in $p_out
	check_match "$name: the connection from outside, established before, lost nothing" \
		"$(cat "$T/$name.in")" "^rounds [1-9][0-9]* lost 0 "
	check_match "$name: a's connection to the outside, established before, lost nothing" \
		"$(cat "$T/$name.out")" "^rounds [1-9][0-9]* lost 0 "
	note "$name: in: $(cat "$T/$name.in"); out: $(cat "$T/$name.out")"
	n=$(stats_packets "$net" ct_evict_halfopen)
	note "$name: ct_evict_halfopen $n, drop_ct_full $(stats_packets "$net" drop_ct_full)"
	# Two entries a flow, but not every SYN of random sources makes one
	# (martian sources are dropped on the way): a flood of as many SYNs
	# as the map has entries fills it for sure, and each new flow then
	# evicts (the fill sampled above moves between the walks, which free
	# thousands of entries at once).
	if [ "${sent:-0}" -gt "$size" ]; then
		check "$name: the map filled, and ebnet stats counts half-open flows evicted" \
			test "$n" -gt 0
	else
		note "$name: the flood sent fewer SYNs than the map has entries: eviction not checked"
	fi
	check "$name: ebnet ct shows the flood's flows as syn_recv" \
		test "$(ct_flows | grep -c ' syn_recv$')" -gt 0
	# After the flood: new connections from outside to the published port.
	ok=0
	for i in 1 2 3; do
		[ "$(in_out timeout 5 socat -t 2 - "TCP:$HOSTIP:$PORT,connect-timeout=3" \
			<<<"hello$i" 2>/dev/null)" = "hello$i" ] && ok=$((ok + 1))
	done
	check_eq "$name: after the flood, 3 new connections from outside are answered" "$ok" 3
	check "$name: down" eb down --net "$net"
}

peer_server 8080 0
echo_server "$OUT" tcp $OUT_IP 8090
flood_round "${NET}s" "--ct-tcp-size 2048" u200 4 1
flood_round "${NET}d" "" u20 6 2
finish
