#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# nat_multi: two networks of one host share its uplink and so its SNAT
# address. A container of each binds the same source port toward the same
# server at the same time: both must be answered, from two distinct NAT
# ports, as two containers of one network are (nat_ports.sh). Each network
# has its own conntrack maps, so neither sees the other's bindings.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/nat_lib.sh"
sandbox tnu

T=$(tmpdir)
declare -A PIDS
NET2=${NET}2
track_net "$NET2"
check "up network 1 with container a" eb up --net "$NET" --subnet 10.80.1.0/24 "$(ctr a)"
check "up network 2 with container b, same uplink" \
	eb up --net "$NET2" --subnet 10.80.2.0/24 "$(ctr b)"
check_match "both networks translate to the uplink's address" \
	"$( (eb ls --net "$NET"; eb ls --net "$NET2") | tr '\n' ' ')" \
	"snat $UPLINK_IP .*snat $UPLINK_IP "
check "a reaches OUT" in_ctr a ping -c 1 -W 2 $OUT_IP
check "b reaches OUT" in_ctr b ping -c 1 -W 2 $OUT_IP

# The server holds each connection 2 s: the two overlap.
peer_server 8080 2
for x in a b; do
	in_ctr $x timeout 10 socat -t 5 - "TCP:$OUT_IP:8080,sourceport=5555" </dev/null \
		>"$T/tcp.$x" 2>&1 &
	PIDS[$x]=$!
done
wait "${PIDS[a]}"
wait "${PIDS[b]}"
OA=$(cat "$T/tcp.a") OB=$(cat "$T/tcp.b")
check_match "network 1's container (source port 5555) answered" "$OA" "^from $UPLINK_IP:[0-9]+$"
check_match "network 2's container (source port 5555, at the same time) answered" "$OB" \
	"^from $UPLINK_IP:[0-9]+$"
check "the server saw two distinct source ports" distinct "${OA##*:}" "${OB##*:}"

# UDP, same source port, at once.
udp_server 5353
for x in a b; do
	echo "hello-$x" | in_ctr $x timeout 5 socat -t 1 - "UDP4:$OUT_IP:5353,sourceport=5353" \
		>"$T/udp.$x" 2>&1 &
	PIDS[$x]=$!
done
wait "${PIDS[a]}"
wait "${PIDS[b]}"
UA=$(cat "$T/udp.a") UB=$(cat "$T/udp.b")
check_match "UDP: network 1's container answered" "$UA" "^hello-a from $UPLINK_IP:[0-9]+$"
check_match "UDP: network 2's container answered" "$UB" "^hello-b from $UPLINK_IP:[0-9]+$"
check "UDP: the server saw two distinct source ports" distinct "${UA##*:}" "${UB##*:}"

check "down network 1" eb down --net "$NET"
check "network 2 still reaches OUT after network 1 is gone" in_ctr b ping -c 1 -W 2 $OUT_IP
check "down network 2" eb down --net "$NET2"
finish
