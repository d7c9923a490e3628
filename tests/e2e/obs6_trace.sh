#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# obs6_trace: `ebnet trace` of IPv6 packets (issue 16) gives the decision the
# real packet gets, as obs_trace.sh checks for IPv4: container to container
# (forward into the other container), to the outside (nat6_out, out of the
# uplink, the source the uplink's IPv6 address), the reply of a live flow
# from the outside (nat6_in, into the container, the destination
# translated back), a spoofed IPv6 source (drop_spoof_ip6). The real packet
# sent after each trace moves the counter the trace named. A series of
# IPv6 traces, of new and of live flows, leaves the IPv6 conntrack maps,
# `ebnet ct --json` and the counters as they were. Bad input (a bad
# address, a port out of range, IPv4 with IPv6) is refused in words.
. "$(dirname "$0")/obs_lib.sh"
sandbox o6t
sandbox6

SUB=10.116.0
P6=fd00:116:1::
A=$(ctr a) B=$(ctr b)
obs_tmp

check "up --ipv6 a and b" eb up --net "$NET" --subnet $SUB.0/24 --subnet6 ${P6}/64 "$A" "$B"
A6=$(ls_field a ip6) B6=$(ls_field b ip6)
# No router solicitations from here on (the kernel sends them at growing
# intervals, and each moves ndp_ignored): the state compared below must
# change only when a packet of the test is sent.
for c in a b; do
	in_ctr $c sysctl -qw net.ipv6.conf.all.router_solicitations=0 \
		net.ipv6.conf.eth0.router_solicitations=0
done
check_eq "a's IPv6 address" "$A6" "${P6}2"
# OUT: answers each TCP connection with the peer it saw ("from ADDR:PORT");
# 8082 holds the connection a minute first (a flow that stays open).
for p in 8080 8082; do
	bg_log "$OUT" "$T/out$p.log" python3 -u -c '
import socket, sys, threading, time
s = socket.socket(socket.AF_INET6)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((sys.argv[1], int(sys.argv[2])))
s.listen(16)
def serve(c, a):
    time.sleep(float(sys.argv[3]))
    c.sendall(("from %s:%d\n" % a[:2]).encode())
    c.close()
while True:
    c, a = s.accept()
    threading.Thread(target=serve, args=(c, a), daemon=True).start()
' "$OUT6" $p $([ $p = 8082 ] && echo 60 || echo 0)
	wait_until 10 listening "$OUT" $p
done
bg_log "$B" "$T/b.log" python3 -u -m http.server 80 --bind :: --directory "$T/www"
check "http.server listens on :80 in b" wait_until 10 listening "$B" 80
check "a pings b over IPv6 (neighbours resolved)" in_ctr a ping -6 -c 1 -W 2 "$B6"
check "a pings OUT over IPv6" in_ctr a ping -6 -c 1 -W 2 "$OUT6"

trace_is() { check_eq "$1" "$(tfield "$2" "$3")" "$4"; }
real_moved() {
	local desc=$1 cnt=$2
	shift 2
	snap "$T/r0"
	"$@" >"$T/real.out" 2>&1
	sleep 0.2
	snap "$T/r1"
	check_ge "$desc: the real packet moved $cnt, the trace's decision" \
		"$(sdelta "$T/r0" "$T/r1" counter "$cnt")" 1
}

# ---- container to container ----
TR=$(eb trace --net "$NET" --json "$A" tcp "[$A6]:40000" "[$B6]:80" 2>&1)
note "trace a tcp [$A6]:40000 [$B6]:80: $TR"
trace_is "c2c: trace says forward" "$TR" decision forward
trace_is "c2c: trace says redirect" "$TR" verdict redirect
trace_is "c2c: the target is container b" "$TR" target "container $B"
trace_is "c2c: the source as sent" "$TR" out.src "[$A6]:40000"
trace_is "c2c: the destination as sent" "$TR" out.dst "[$B6]:80"
trace_is "c2c: the family" "$TR" family ipv6
real_moved "c2c: a curls b over IPv6" forward \
	in_ctr a curl -6 -sS -o /dev/null -m 5 "http://[$B6]:80/?c2c"
check "c2c: b's server got a's request from a's own address" \
	wait_until 3 grep -q "^$A6 .*GET /?c2c" "$T/b.log"
TXT=$(eb trace --net "$NET" "$A" tcp "[$A6]:40000" "[$B6]:80" 2>&1)
check_match "c2c, text: the decision and its meaning" "$TXT" "^decision: +forward \(unicast redirected"
check_match "c2c, text: the output packet's addresses and MACs" "$TXT" \
	"^out: +\[$A6\]:40000 -> \[$B6\]:80 +\(mac $(ls_field a mac) -> $(ls_field b mac)\)"
TR=$(eb trace --net "$NET" --json "$A" icmp6 "$A6" "$B6" 2>&1)
trace_is "c2c icmp6: trace says forward" "$TR" decision forward
trace_is "c2c icmp6: the target is container b" "$TR" target "container $B"
trace_is "c2c icmp6: the echo id as the port" "$TR" out.src "[$A6]:1"

# ---- to the outside: NAT66 ----
TR=$(eb trace --net "$NET" --json "$A" tcp "[$A6]:4444" "[$OUT6]:8080" 2>&1)
note "trace a tcp [$A6]:4444 [$OUT6]:8080: $TR"
trace_is "nat66: trace says nat6_out" "$TR" decision nat6_out
trace_is "nat66: trace says redirect" "$TR" verdict redirect
trace_is "nat66: the target is the uplink" "$TR" target "uplink up0"
trace_is "nat66: the source becomes [$UPLINK6]:4444 (own port, in the NAT range)" "$TR" \
	out.src "[$UPLINK6]:4444"
trace_is "nat66: the destination stays" "$TR" out.dst "[$OUT6]:8080"
TXT=$(eb trace --net "$NET" "$A" tcp "[$A6]:4444" "[$OUT6]:8080" 2>&1)
check_match "nat66, text: nat6_out, out of the uplink" "$TXT" "^decision: +nat6_out "
check_match "nat66, text: from the uplink's address" "$TXT" \
	"^out: +\[$UPLINK6\]:4444 -> \[$OUT6\]:8080 "
real_moved "nat66: a connects from port 4444 to [$OUT6]:8080" nat6_out \
	in_ctr a timeout 5 socat -t 2 - "TCP6:[$OUT6]:8080,sourceport=4444" </dev/null
check_eq "nat66: the server saw what the trace said" "$(cat "$T/real.out")" "from $UPLINK6:4444"
TR=$(eb trace --net "$NET" --json "$A" udp "[$A6]:5000" "[$OUT6]:5353" 2>&1)
trace_is "nat66 udp: trace says nat6_out, source [$UPLINK6]:5000" "$TR" out.src "[$UPLINK6]:5000"
TR=$(eb trace --net "$NET" --json "$A" icmp6 "$A6" "$OUT6" 2>&1)
trace_is "nat66 icmp6: trace says nat6_out" "$TR" decision nat6_out
TR2=$(eb trace --net "$NET" --json "$A" icmp "$A6" "$OUT6" 2>&1)
check_eq "icmp with IPv6 addresses is ICMPv6 echo: the same trace as icmp6" "$TR2" "$TR"
TR2=$(eb trace --net "$NET" --json "$A" icmpv6 "[$A6]" "[$OUT6]" 2>&1)
check_eq "icmpv6 and bracketed addresses without a port: the same trace" "$TR2" "$TR"
real_moved "nat66 icmp6: a pings $OUT6" nat6_out in_ctr a ping -6 -c 1 -W 2 "$OUT6"

# ---- a spoofed IPv6 source ----
SPOOF=${P6}77
TR=$(eb trace --net "$NET" --json "$A" tcp "[$SPOOF]:4000" "[$OUT6]:8080" 2>&1)
note "trace a tcp [$SPOOF]:4000 [$OUT6]:8080: $TR"
trace_is "spoof: trace says drop_spoof_ip6" "$TR" decision drop_spoof_ip6
trace_is "spoof: trace says drop" "$TR" verdict drop
trace_is "spoof: no target" "$TR" target ""
TXT=$(eb trace --net "$NET" "$A" tcp "[$SPOOF]:4000" "[$OUT6]:8080" 2>&1)
check_match "spoof, text: the drop reason and its meaning" "$TXT" "^decision: +drop_spoof_ip6 \(source IPv6"
check "a adds a second IPv6 address $SPOOF" in_ctr a ip -6 addr add $SPOOF/64 dev eth0 nodad
real_moved "spoof: a connects to [$OUT6]:8080 from $SPOOF" drop_spoof_ip6 \
	in_ctr a timeout 5 socat -t 1 - "TCP6:[$OUT6]:8080,bind=[$SPOOF],connect-timeout=2" </dev/null
check_nomatch "spoof: the real connection got no answer" "$(cat "$T/real.out")" "^from "
in_ctr a ip -6 addr del $SPOOF/64 dev eth0

# ---- bad input: refused, in words ----
bad() {
	local desc=$1 want=$2 out rc
	shift 2
	out=$(eb trace --net "$NET" "$@" 2>&1)
	rc=$?
	check "$desc: refused (exit $rc)" test $rc -ne 0
	check_match "$desc: says why" "$out" "$want"
}
bad "IPv6 source, IPv4 destination" "the source '\[$A6\]:40000' is IPv6 and the destination '$SUB.3:80' IPv4: both must be of one family" \
	"$A" tcp "[$A6]:40000" "$SUB.3:80"
bad "IPv4 source, IPv6 destination" "is IPv4 and the destination .* IPv6" \
	"$A" udp "$SUB.2:40000" "[$B6]:80"
bad "a bad IPv6 address" "invalid source '\[fd00::zz\]:1': 'fd00::zz' is not an IPv6 address" \
	"$A" tcp "[fd00::zz]:1" "[$OUT6]:80"
bad "a port out of range" "invalid destination '\[$OUT6\]:70000': port 70000 out of range" \
	"$A" tcp "[$A6]:4000" "[$OUT6]:70000"
bad "a port that is no number" "port 'http' is not a number" "$A" tcp "[$A6]:4000" "[$OUT6]:http"
bad "no closing bracket" "no '\]' after the IPv6 address" "$A" tcp "[$A6:4000" "[$OUT6]:80"
bad "junk after the bracket" "want \[IPV6\]:PORT" "$A" tcp "[$A6]4000" "[$OUT6]:80"
bad "icmp6 with IPv4 addresses" "icmp6 needs IPv6 addresses" "$A" icmp6 "$SUB.2" "$OUT_IP"
bad "tcp over IPv6 without ports" "tcp and udp need ports" "$A" tcp "$A6" "$OUT6"
bad "--dns-query over IPv6" "--dns-query needs IPv4 addresses" \
	"$A" udp "[$A6]:5353" "[${P6}1]:53" --dns-query "$B"
bad "an unknown protocol" "unknown protocol 'sctp' \(want tcp, udp, icmp or icmp6\)" \
	"$A" sctp "[$A6]:1" "[$OUT6]:1"

# ---- traces change nothing ----
check "ct flush" eb ct --net "$NET" flush
# Flows that live through the series: a TCP flow to 8082 that stays open
# (the server answers after a minute), a UDP and an ICMPv6 echo flow.
bg_log "$A" "$T/open.log" python3 -c '
import socket, sys, time
s = socket.create_connection((sys.argv[1], 8082), source_address=("", 4555))
time.sleep(90)' "$OUT6"
echo hi | in_ctr a timeout 3 socat -t 1 - "UDP6:[$OUT6]:5353,sourceport=5555" >/dev/null 2>&1
in_ctr a ping -6 -c 1 -W 2 "$OUT6" >/dev/null
tcp_open() { eb ct --net "$NET" --json | grep -q "\"src\":\"\[$A6\]:4555\".*\"state\":\"established\""; }
check "a TCP flow from a to [$OUT6]:8082 is open and established" wait_until 5 tcp_open
NATP=$(eb ct --net "$NET" --json | python3 -c '
import json, sys
for f in json.load(sys.stdin)["flows"]:
    if f["src"] == sys.argv[1]:
        print(f["nat"].rsplit(":", 1)[1])' "[$A6]:4555")
check_match "the open flow's NAT port is known" "$NATP" "^[0-9]+$"
sleep 1

state() {
	{
		echo "== ebnet ct --json"
		eb ct --net "$NET" --json | python3 -c '
import json, sys
for f in sorted(json.load(sys.stdin)["flows"], key=lambda f: (f["proto"], f["src"], f["dst"])):
    for k in ("age_s", "idle_s"):
        f.pop(k, None)
    print(json.dumps(f, sort_keys=True))'
		for m in eb_ct6_tcp eb_ct6_other eb_stats eb_ctr_slots eb_monitor; do
			echo "== $m"
			map_dump $m | python3 -c '
import json, sys
for e in sorted((json.dumps(e.get("formatted", e), sort_keys=True) for e in json.load(sys.stdin))):
    print(e)'
		done
	} >"$1"
}
# entries MAP: how many entries bpftool lists.
entries() { map_dump "$1" | python3 -c 'import json, sys; print(len(json.load(sys.stdin)))'; }
# No neighbour probes on the uplink either: a NUD probe of the router's to
# the uplink's addresses (an 86-byte NS to its global or its link-local
# one), or its answer to the host's, is a real packet that moves nat6_pass
# while the traces run. Both ends' entries of the other's addresses are
# made permanent for the comparison.
# link6 NS DEV: the link-local address of DEV.
link6() { ip -n "$1" -6 -o addr show dev "$2" scope link | awk '{ sub("/.*", "", $4); print $4 }'; }
UP_MAC=$(mac_of "$HOST" up0) DOWN_MAC=$(mac_of "$RTR" down0)
for a in "$UPLINK6" "$(link6 "$HOST" up0)"; do
	check "the router's neighbour entry of the uplink's $a: permanent" \
		ip -n "$RTR" -6 neigh replace "$a" lladdr "$UP_MAC" dev down0 nud permanent
done
for a in "$ROUTER6" "$(link6 "$RTR" down0)"; do
	check "the host's neighbour entry of the router's $a: permanent" \
		ip -n "$HOST" -6 neigh replace "$a" lladdr "$DOWN_MAC" dev up0 nud permanent
done
state "$T/before"
N_TCP=$(entries eb_ct6_tcp) N_OTHER=$(entries eb_ct6_other)
check_eq "eb_ct6_tcp holds the open flow's two entries" "$N_TCP" 2
check_eq "eb_ct6_other holds the UDP and ICMPv6 flows' four entries" "$N_OTHER" 4
N=0 BAD=
trace_one() {
	local out
	N=$((N + 1))
	out=$(eb trace --net "$NET" --json "$@" 2>&1) || BAD="$BAD [$* -> $out]"
	echo "$* -> $out" >>"$T/series"
}
trace_one "$A" tcp "[$A6]:40001" "[$B6]:80"
trace_one "$A" icmp6 "$A6" "$B6"
trace_one "$A" tcp "[$A6]:4446" "[$OUT6]:8080"
trace_one "$A" tcp "[$A6]:50000" "[$OUT6]:8080"
trace_one "$A" udp "[$A6]:5556" "[$OUT6]:5353"
trace_one "$A" icmp6 "$A6" "$OUT6"
trace_one "$A" tcp "[$A6]:4555" "[$OUT6]:8082"
trace_one "$A" udp "[$A6]:5555" "[$OUT6]:5353"
trace_one uplink tcp "[$OUT6]:8082" "[$UPLINK6]:$NATP"
trace_one uplink udp "[$OUT6]:40004" "[$UPLINK6]:$NATP"
trace_one "$A" tcp "[$SPOOF]:4000" "[$OUT6]:8080"
trace_one "$B" tcp "[$B6]:80" "[$OUT6]:40002"
state "$T/after"
check_eq "$N traces ran" "$BAD" ""
check_match "trace of the open flow's reply: nat6_in into a, to [$A6]:4555" \
	"$(grep "^uplink tcp \[$OUT6\]:8082 " "$T/series")" \
	"\"decision\":\"nat6_in\",\"target\":\"container $A\".*\"dst\":\"\[$A6\]:4555\""
check_match "trace of the open flow: its live binding [$UPLINK6]:$NATP" \
	"$(grep "^$A tcp \[$A6\]:4555 " "$T/series")" "\"src\":\"\[$UPLINK6\]:$NATP\""
check_match "trace of a UDP packet to that NAT port with no flow: the host's (nat6_pass)" \
	"$(grep "^uplink udp " "$T/series")" "\"verdict\":\"continue\",\"decision\":\"nat6_pass\""
for part in "ebnet ct --json" eb_ct6_tcp eb_ct6_other eb_stats eb_ctr_slots eb_monitor; do
	D=$(diff <(sed -n "/^== $part\$/,/^== /p" "$T/before") <(sed -n "/^== $part\$/,/^== /p" "$T/after"))
	check_eq "after $N traces, $part is identical" "$D" ""
done
check_eq "eb_ct6_tcp: as many entries as before" "$(entries eb_ct6_tcp)" "$N_TCP"
check_eq "eb_ct6_other: as many entries as before" "$(entries eb_ct6_other)" "$N_OTHER"
# The comparison can see a change: one real packet makes one.
in_ctr a ping -6 -c 1 -W 2 "$OUT6" >/dev/null 2>&1
state "$T/control"
check_fails "control: after one real ping -6, the state compared differs" \
	cmp -s "$T/after" "$T/control"

check "down" eb down --net "$NET"
finish
