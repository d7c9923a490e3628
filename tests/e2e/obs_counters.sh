#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# obs_counters: the counters of `ebnet stats` rise by what the user sent
# (issue 7). After exactly N pings from a to b: a sent and b received at
# least N echo requests, b sent and a received at least N replies, the
# bystander c saw nothing, and `forward` rose by at least 2N; the same
# numbers are in the pinned maps (bpftool, summed over CPUs). N pings to
# the outside are counted out and back (snat_out, snat_in). Traffic from
# outside to a published port is counted under that port; --watch prints
# rates.
. "$(dirname "$0")/obs_lib.sh"
sandbox tobc

SUB=10.61.0
N=20
A=$(ctr a) B=$(ctr b) C=$(ctr c)
obs_tmp

check "up a, b and the bystander c" eb up --net "$NET" --subnet $SUB.0/24 "$A" "$B" "$C"
IPA=$(ls_field a ip) IPB=$(ls_field b ip)
IFA=$(ls_field a host_ifindex) IFB=$(ls_field b host_ifindex) IFC=$(ls_field c host_ifindex)
no_ipv6 a b c
# ARP resolved before the measured pings.
check "a pings b once (neighbour resolved)" in_ctr a ping -c 1 -W 2 "$IPB"
sleep 1

# ---- N pings a -> b ----
snap "$T/s0"
OUTP=$(in_ctr a ping -c $N -i 0.05 -W 2 "$IPB" 2>&1)
check_match "a pings b $N times, all answered" "$OUTP" "^$N packets transmitted, $N received"
snap "$T/s1"

check_ge "stats --json: a from_packets rose by >= $N (echo requests sent)" \
	"$(sdelta "$T/s0" "$T/s1" ctr "$A" from_packets)" $N
check_ge "stats --json: b to_packets rose by >= $N (echo requests delivered)" \
	"$(sdelta "$T/s0" "$T/s1" ctr "$B" to_packets)" $N
check_ge "stats --json: b from_packets rose by >= $N (echo replies sent)" \
	"$(sdelta "$T/s0" "$T/s1" ctr "$B" from_packets)" $N
check_ge "stats --json: a to_packets rose by >= $N (echo replies delivered)" \
	"$(sdelta "$T/s0" "$T/s1" ctr "$A" to_packets)" $N
# An echo request of ping's default size is 98 bytes on the wire.
check_ge "stats --json: a from_bytes rose by >= $N x 98" \
	"$(sdelta "$T/s0" "$T/s1" ctr "$A" from_bytes)" $((N * 98))
check_ge "stats --json: b to_bytes rose by >= $N x 98" \
	"$(sdelta "$T/s0" "$T/s1" ctr "$B" to_bytes)" $((N * 98))
check_ge "stats --json: forward rose by >= 2N = $((2 * N))" \
	"$(sdelta "$T/s0" "$T/s1" counter forward)" $((2 * N))
check_ge "stats --json: rx (frames from containers) rose by >= 2N" \
	"$(sdelta "$T/s0" "$T/s1" counter rx)" $((2 * N))
check_eq "stats --json: the bystander c received nothing" \
	"$(sdelta "$T/s0" "$T/s1" ctr "$C" to_packets)" 0
check_eq "stats --json: the bystander c sent nothing" \
	"$(sdelta "$T/s0" "$T/s1" ctr "$C" from_packets)" 0
check_eq "stats --json: no drop counted" "$(drops_moved "$T/s0" "$T/s1")" ""
note "deltas after $N pings: a from/to $(sdelta "$T/s0" "$T/s1" ctr "$A" from_packets)/$(sdelta "$T/s0" "$T/s1" ctr "$A" to_packets), b from/to $(sdelta "$T/s0" "$T/s1" ctr "$B" from_packets)/$(sdelta "$T/s0" "$T/s1" ctr "$B" to_packets), forward $(sdelta "$T/s0" "$T/s1" counter forward)"

# ---- N pings a -> the outside ----
check "a pings $OUT_IP once (gateway's neighbour resolved)" in_ctr a ping -c 1 -W 2 $OUT_IP
sleep 1
snap "$T/o0"
OUTP=$(in_ctr a ping -c $N -i 0.05 -W 2 $OUT_IP 2>&1)
check_match "a pings $OUT_IP $N times, all answered" "$OUTP" "^$N packets transmitted, $N received"
snap "$T/o1"
check_ge "outside: a from_packets rose by >= $N" "$(sdelta "$T/o0" "$T/o1" ctr "$A" from_packets)" $N
check_ge "outside: a to_packets rose by >= $N (replies translated back)" \
	"$(sdelta "$T/o0" "$T/o1" ctr "$A" to_packets)" $N
check_ge "outside: snat_out rose by >= $N" "$(sdelta "$T/o0" "$T/o1" counter snat_out)" $N
check_ge "outside: snat_in rose by >= $N" "$(sdelta "$T/o0" "$T/o1" counter snat_in)" $N
check_eq "outside: snat_new rose by 1 (one ping, one flow)" \
	"$(sdelta "$T/o0" "$T/o1" counter snat_new)" 1
check_eq "outside: b received nothing of it" "$(sdelta "$T/o0" "$T/o1" ctr "$B" to_packets)" 0

# ---- the same numbers with bpftool ----
# Read bpftool, ebnet, bpftool: compared when the two bpftool reads agree
# (nothing moved in between).
same_as_bpftool() {
	local i b1 b2 s
	for i in 1 2 3 4 5; do
		b1="$(bpf_ctr "$IFA") $(bpf_ctr "$IFB") $(bpf_counter EB_CNT_FWD)"
		snap "$T/sb"
		b2="$(bpf_ctr "$IFA") $(bpf_ctr "$IFB") $(bpf_counter EB_CNT_FWD)"
		[ "$b1" == "$b2" ] && break
		sleep 0.5
	done
	s="$(stats_ctr "$T/sb" "$A") $(stats_ctr "$T/sb" "$B") $(sval "$T/sb" counter forward) $(sval "$T/sb" counter forward bytes)"
	check_eq "bpftool map dump eb_ctr_slots (a, b) and eb_stats (forward), summed over CPUs, = ebnet stats --json" \
		"$b1" "$s"
}
same_as_bpftool
check_match "bpftool dump of eb_ctr_slots has field names (BTF)" "$(map_dump eb_ctr_slots)" \
	'"from_packets":'
PERCPU=$(map_dump eb_ctr_slots | python3 -c '
import json, sys
print(max(len(e.get("formatted", e)["values"]) for e in json.load(sys.stdin)))')
note "eb_ctr_slots has $PERCPU per-CPU values per entry"
check_eq "bystander c: bpftool and stats --json agree on its to_packets" \
	"$(bpf_ctr "$IFC" | awk '{print $3}')" "$(stats_ctr "$T/sb" "$C" | awk '{print $3}')"

# ---- text output ----
TXT=$(eb stats --net "$NET")
check_match "ebnet stats: a line per container with its counters" "$TXT" \
	"^$A +[1-9][0-9]* +[1-9][0-9]* +[1-9][0-9]* +[1-9][0-9]*$"
check_match "ebnet stats: the forward counter and its meaning" "$TXT" \
	"^forward +[1-9][0-9]* +[1-9][0-9]* .*unicast redirected"

# ---- a published port ----
PORT=16301
# (bg_log not under check: check runs it in a subshell, whose pid list is lost.)
bg_log "$B" "$T/b.log" python3 -u -m http.server 80 --bind 0.0.0.0 --directory "$T/www"
check "http.server listens on :80 in b" wait_until 10 listening "$B" 80
check "publish $PORT:$B:80" eb publish --net "$NET" "$PORT:$B:80"
snap "$T/p0"
check_eq "stats --json: the published port is listed with 0 packets" \
	"$(sval "$T/p0" port $PORT tcp)" 0
K=5
got=0
for ((i = 0; i < K; i++)); do
	c=$(in_out curl -sS -o /dev/null -m 5 -w '%{http_code}' "http://$UPLINK_IP:$PORT/?n=$i" 2>/dev/null)
	[ "$c" = 200 ] && got=$((got + 1))
done
check_eq "$K curls from outside to $UPLINK_IP:$PORT get 200" "$got" $K
snap "$T/p1"
# Each connection sends at least SYN, ACK, request, FIN from outside.
check_ge "stats --json: the port's packets rose by >= 4 x $K" \
	"$(sdelta "$T/p0" "$T/p1" port $PORT tcp)" $((4 * K))
check_eq "stats --json: dnat_new rose by exactly $K (one per connection)" \
	"$(sdelta "$T/p0" "$T/p1" counter dnat_new)" $K
check_ge "stats --json: b to_packets rose by >= 4 x $K" \
	"$(sdelta "$T/p0" "$T/p1" ctr "$B" to_packets)" $((4 * K))
check_match "ebnet stats: the published port's line" "$(eb stats --net "$NET")" \
	"^0\.0\.0\.0:$PORT +tcp +$B +[1-9]"
PS=$(map_dump eb_pub_stats | python3 -c '
import json, socket, sys
port = int(sys.argv[1])
p = b = 0
for e in json.load(sys.stdin):
    e = e.get("formatted", e)
    if e["key"]["host_port"] == port:
        for v in e["values"]:
            p += v["value"]["packets"]
            b += v["value"]["bytes"]
print(p, b)' $PORT)
check_eq "bpftool map dump eb_pub_stats, summed over CPUs, = stats --json" "$PS" \
	"$(sval "$T/p1" port $PORT tcp) $(sval "$T/p1" port $PORT tcp bytes)"

# unpublish takes the port's counters with it; published again, it starts at 0.
check "unpublish $PORT" eb unpublish --net "$NET" "$PORT"
check_eq "after unpublish: eb_pub_stats holds no entry" \
	"$(map_dump eb_pub_stats | python3 -c 'import json, sys; print(len(json.load(sys.stdin)))')" 0
check "publish $PORT again" eb publish --net "$NET" "$PORT:$B:80"
snap "$T/p2"
check_eq "published again: the port's packets start at 0" "$(sval "$T/p2" port $PORT tcp)" 0

# ---- --watch: rates ----
bg_log "$HOST" "$T/watch" "$EBNET" stats --net "$NET" --json --watch 1
WPID=$BG_LAST
in_ctr a ping -c 30 -i 0.1 -W 2 "$IPB" >/dev/null 2>&1
kill "$WPID" 2>/dev/null
wait "$WPID" 2>/dev/null
RATES=$(python3 -c '
import json, sys
for l in open(sys.argv[1]):
    d = json.loads(l)
    print(d["counters"]["forward"]["pps"])' "$T/watch" 2>&1)
note "forward pps under --watch 1 while a pings b 10 times a second: $(echo $RATES)"
check_match "stats --watch --json: forward pps near 20 (10 requests + 10 replies a second)" \
	"$RATES" '^(1[5-9]|2[0-5])\.[0-9]$'

# ---- a removed container's counters go with it ----
# Counters live in eb_ctr_slots under the port's slot; a slot is given again
# to the next container, which must not inherit them.
SLOTC=$(map_dump eb_ports | python3 -c '
import json, sys
for e in json.load(sys.stdin):
    e = e.get("formatted", e)
    if e["key"]["ifindex"] == int(sys.argv[1]):
        print(e["value"]["flood_slot"])' "$IFC")
check "c pings a $N times" in_ctr c ping -c $N -i 0.05 -W 2 "$IPA"
check_ge "c's counters moved (from_packets >= $N)" "$(bpf_ctr "$IFC" | awk '{print $1}')" $N
check "rm c" eb rm --net "$NET" "$C"
slot_sum() { map_dump eb_ctr_slots | python3 -c '
import json, sys
t = 0
for e in json.load(sys.stdin):
    e = e.get("formatted", e)
    if e["key"] == int(sys.argv[1]):
        t += sum(sum(v["value"].values()) for v in e["values"])
print(t)' "$1"; }
check_eq "after rm, c's slot $SLOTC in eb_ctr_slots is zero on every CPU" "$(slot_sum "$SLOTC")" 0
D=$(ctr d)
check "up d (takes the free slot)" eb up --net "$NET" "$D"
no_ipv6 d
IFD=$(ls_field d host_ifindex)
SLOTD=$(map_dump eb_ports | python3 -c '
import json, sys
for e in json.load(sys.stdin):
    e = e.get("formatted", e)
    if e["key"]["ifindex"] == int(sys.argv[1]):
        print(e["value"]["flood_slot"])' "$IFD")
check_eq "d has c's old slot" "$SLOTD" "$SLOTC"
snap "$T/d0"
check_le() { if [ "$2" -le "$3" ]; then ok "$1"; else not_ok "$1" "$2 > $3"; fi; }
check_le "stats --json: d did not inherit c's counters (from_packets < $N)" \
	"$(sval "$T/d0" ctr "$D" from_packets)" $((N - 1))
check "d pings a" in_ctr d ping -c 1 -W 2 "$IPA"
snap "$T/d1"
check_ge "stats --json: d's own traffic is counted (to_packets >= 1)" \
	"$(sval "$T/d1" ctr "$D" to_packets)" 1

check "down" eb down --net "$NET"
finish
