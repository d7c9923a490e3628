#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# obs_trace: `ebnet trace` gives the decision a real packet gets (issue 7),
# for container to container (forward, into the other container), to the
# outside (snat_out, out of the uplink, source 198.51.100.1), from the
# outside to a published port (dnat_in, into the container, destination
# rewritten to its ip:port) and a spoofed source (drop_spoof_ip). For each,
# the real packet is sent after the trace and must move the counter the
# trace named. Then a series of traces, on new and on live flows, must leave
# everything as it was: `ebnet ct --json` and the pinned conntrack, counter
# and port maps (bpftool) are the same before and after.
. "$(dirname "$0")/obs_lib.sh"
sandbox tobt

SUB=10.63.0
A=$(ctr a) B=$(ctr b)
PORT=16321
obs_tmp

check "up a and b" eb up --net "$NET" --subnet $SUB.0/24 "$A" "$B"
IPA=$(ls_field a ip) IPB=$(ls_field b ip)
no_ipv6 a b
# (bg_log not under check: check runs it in a subshell, whose pid list is lost.)
bg_log "$B" "$T/b.log" python3 -u -m http.server 80 --bind 0.0.0.0 --directory "$T/www"
check "http.server listens on :80 in b" wait_until 10 listening "$B" 80
check "publish $PORT:$B:80" eb publish --net "$NET" "$PORT:$B:80"
# OUT: answers each TCP connection with the address it saw ("from A:P");
# 8082 holds the connection a minute first (a flow that stays open). (The
# colon of the command inside double quotes: socat would take a bare one
# for an option separator.)
for p in 8080 8082; do
	d=0
	[ $p = 8082 ] && d=60
	bg_log "$OUT" "$T/out$p.log" socat "TCP-LISTEN:$p,bind=$OUT_IP,reuseaddr,fork" \
		SYSTEM:"sleep $d; echo \"from \$SOCAT_PEERADDR:\$SOCAT_PEERPORT\""
	wait_until 10 listening "$OUT" $p
done
bg_log "$OUT" "$T/udp.log" socat "UDP4-RECVFROM:5353,bind=$OUT_IP,fork" SYSTEM:'read l; echo "$l"'
check "a pings b (neighbours resolved)" in_ctr a ping -c 1 -W 2 "$IPB"

# trace_is DESC JSON FIELD WANT
trace_is() { check_eq "$1" "$(tfield "$2" "$3")" "$4"; }

# real_moved DESC COUNTER CMD...: CMD sends the real packet; COUNTER (the
# trace's decision) rose.
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
TR=$(eb trace --net "$NET" --json "$A" tcp "$IPA:40000" "$IPB:80" 2>&1)
note "trace a tcp $IPA:40000 $IPB:80: $TR"
trace_is "c2c: trace says forward" "$TR" decision forward
trace_is "c2c: trace says redirect" "$TR" verdict redirect
trace_is "c2c: the target is container b" "$TR" target "container $B"
trace_is "c2c: the packet goes out unchanged (destination)" "$TR" out.dst "$IPB:80"
trace_is "c2c: the packet goes out unchanged (source)" "$TR" out.src "$IPA:40000"
real_moved "c2c: a curls b" "$(tfield "$TR" decision)" \
	in_ctr a curl -sS -o /dev/null -m 5 "http://$IPB:80/?c2c"
check "c2c: b's server got a's request from a's own address" \
	wait_until 3 grep -q "^$IPA .*GET /?c2c" "$T/b.log"
TXT=$(eb trace --net "$NET" "$A" tcp "$IPA:40000" "$IPB:80" 2>&1)
check_match "c2c, text: the decision and its meaning" "$TXT" "^decision: +forward \(unicast redirected"
check_match "c2c, text: where it goes" "$TXT" "^to: +container $B \(ifindex [0-9]+\)"
check_match "c2c, text: the output packet's addresses and MACs" "$TXT" \
	"^out: +$IPA:40000 -> $IPB:80 +\(mac $(ls_field a mac) -> $(ls_field b mac)\)"
TR=$(eb trace --net "$NET" --json "$A" icmp "$IPA" "$IPB" 2>&1)
trace_is "c2c icmp: trace says forward" "$TR" decision forward
trace_is "c2c icmp: the target is container b" "$TR" target "container $B"
real_moved "c2c icmp: a pings b" forward in_ctr a ping -c 1 -W 2 "$IPB"

# ---- to the outside: SNAT ----
TR=$(eb trace --net "$NET" --json "$A" tcp "$IPA:4444" "$OUT_IP:8080" 2>&1)
note "trace a tcp $IPA:4444 $OUT_IP:8080: $TR"
trace_is "snat: trace says snat_out" "$TR" decision snat_out
trace_is "snat: trace says redirect" "$TR" verdict redirect
trace_is "snat: the target is the uplink" "$TR" target "uplink up0"
trace_is "snat: the source becomes $UPLINK_IP:4444 (own port, free in the NAT range)" "$TR" \
	out.src "$UPLINK_IP:4444"
trace_is "snat: the destination stays" "$TR" out.dst "$OUT_IP:8080"
real_moved "snat: a connects from port 4444 to $OUT_IP:8080" snat_out \
	in_ctr a timeout 5 socat -t 2 - "TCP:$OUT_IP:8080,sourceport=4444" </dev/null
check_eq "snat: the server saw what the trace said: $(tfield "$TR" out.src)" \
	"$(cat "$T/real.out")" "from $(tfield "$TR" out.src)"
TR=$(eb trace --net "$NET" --json "$A" udp "$IPA:5000" "$OUT_IP:5353" 2>&1)
trace_is "snat udp: trace says snat_out, source $UPLINK_IP:5000" "$TR" out.src "$UPLINK_IP:5000"
TR=$(eb trace --net "$NET" --json "$A" icmp "$IPA" "$OUT_IP" 2>&1)
trace_is "snat icmp: trace says snat_out" "$TR" decision snat_out
real_moved "snat icmp: a pings $OUT_IP" snat_out in_ctr a ping -c 1 -W 2 "$OUT_IP"

# ---- from the outside to a published port: DNAT ----
TR=$(eb trace --net "$NET" --json uplink tcp "$OUT_IP:40000" "$UPLINK_IP:$PORT" 2>&1)
note "trace uplink tcp $OUT_IP:40000 $UPLINK_IP:$PORT: $TR"
trace_is "dnat: trace says dnat_in" "$TR" decision dnat_in
trace_is "dnat: trace says redirect" "$TR" verdict redirect
trace_is "dnat: the target is container b" "$TR" target "container $B"
trace_is "dnat: the destination becomes b's $IPB:80" "$TR" out.dst "$IPB:80"
trace_is "dnat: the source stays the client's" "$TR" out.src "$OUT_IP:40000"
real_moved "dnat: OUT curls $UPLINK_IP:$PORT" dnat_in \
	in_out curl -sS -o /dev/null -m 5 --local-port 40000 "http://$UPLINK_IP:$PORT/?dnat"
check "dnat: b's server got it, from the client's own address" \
	wait_until 3 grep -q "^$OUT_IP .*GET /?dnat" "$T/b.log"
TR=$(eb trace --net "$NET" --json uplink tcp "$OUT_IP:40000" "$UPLINK_IP:16399" 2>&1)
trace_is "a port not published: trace says uplink_pass (left to the host)" "$TR" decision uplink_pass

# ---- a spoofed source ----
SPOOF=$SUB.77
TR=$(eb trace --net "$NET" --json "$A" tcp "$SPOOF:4000" "$OUT_IP:8080" 2>&1)
note "trace a tcp $SPOOF:4000 $OUT_IP:8080: $TR"
trace_is "spoof: trace says drop_spoof_ip" "$TR" decision drop_spoof_ip
trace_is "spoof: trace says drop" "$TR" verdict drop
trace_is "spoof: no target" "$TR" target ""
check "a adds a second address $SPOOF" in_ctr a ip addr add $SPOOF/24 dev eth0
real_moved "spoof: a connects to $OUT_IP:8080 from $SPOOF" drop_spoof_ip \
	in_ctr a timeout 5 socat -t 1 - "TCP:$OUT_IP:8080,bind=$SPOOF,connect-timeout=2" </dev/null
check_nomatch "spoof: the real connection got no answer" "$(cat "$T/real.out")" "^from "
in_ctr a ip addr del $SPOOF/24 dev eth0
TR=$(eb trace --net "$NET" --json "$A" icmp "$SPOOF" "$IPB" 2>&1)
trace_is "spoof to a container: trace says drop_spoof_ip" "$TR" decision drop_spoof_ip

# ---- traces change nothing ----
# Flows that live through the series: a TCP flow to 8082 that stays open,
# established (the server answers after a minute), a UDP and an ICMP flow
# (60 s and 30 s lifetimes). Flows that closed above are flushed first:
# the sweeper would remove them in the middle of the series.
check "ct flush" eb ct --net "$NET" flush
# (A client that only connects and waits: socat would half-close at once.)
bg_log "$(ctr a)" "$T/open.log" python3 -c '
import socket, sys, time
s = socket.create_connection((sys.argv[1], 8082), source_address=("", 4555))
time.sleep(90)' "$OUT_IP"
echo hi | in_ctr a timeout 5 socat -t 1 - "UDP4:$OUT_IP:5353,sourceport=5555" >/dev/null 2>&1
in_ctr a ping -c 1 -W 2 "$OUT_IP" >/dev/null
tcp_open() { eb ct --net "$NET" --json | grep -q "\"src\":\"$IPA:4555\".*\"state\":\"established\""; }
check "a TCP flow from a to $OUT_IP:8082 is open and established" wait_until 5 tcp_open
NATP=$(eb ct --net "$NET" --json | python3 -c '
import json, sys
for f in json.load(sys.stdin)["flows"]:
    if f["src"] == sys.argv[1]:
        print(f["nat"].split(":")[1])' "$IPA:4555")
sleep 1

# state FILE: everything a trace must not touch, time fields left out.
state() {
	{
		echo "== ebnet ct --json"
		eb ct --net "$NET" --json | python3 -c '
import json, sys
for f in sorted(json.load(sys.stdin)["flows"], key=lambda f: (f["proto"], f["src"], f["dst"])):
    for k in ("age_s", "idle_s"):
        f.pop(k, None)
    print(json.dumps(f, sort_keys=True))'
		for m in eb_ct_tcp eb_ct_other eb_frags eb_stats eb_ctr_slots eb_pub_stats eb_pub_ports eb_monitor; do
			echo "== $m"
			map_dump $m | python3 -c '
import json, sys
for e in sorted((json.dumps(e.get("formatted", e), sort_keys=True) for e in json.load(sys.stdin))):
    print(e)'
		done
	} >"$1"
}
state "$T/before"
check_match "the state compared holds the open TCP flow" "$(cat "$T/before")" "\"src\": \"$IPA:4555\""
check_match "the state compared holds the UDP flow" "$(cat "$T/before")" "\"src\": \"$IPA:5555\""
N=0 BAD=
trace_one() {
	local out
	N=$((N + 1))
	out=$(eb trace --net "$NET" --json "$@" 2>&1) || BAD="$BAD [$* -> $out]"
	echo "$* -> $out" >>"$T/series"
}
trace_one "$A" tcp "$IPA:40001" "$IPB:80"
trace_one "$A" icmp "$IPA" "$IPB"
trace_one "$A" tcp "$IPA:4446" "$OUT_IP:8080"
trace_one "$A" tcp "$IPA:50000" "$OUT_IP:8080"
trace_one "$A" udp "$IPA:5556" "$OUT_IP:5353"
trace_one "$A" icmp "$IPA" "$OUT_IP"
trace_one "$A" tcp "$IPA:4555" "$OUT_IP:8082"
trace_one "$A" udp "$IPA:5555" "$OUT_IP:5353"
trace_one uplink tcp "$OUT_IP:8082" "$UPLINK_IP:$NATP"
trace_one uplink tcp "$OUT_IP:40002" "$UPLINK_IP:$PORT"
trace_one uplink tcp "$OUT_IP:40003" "$UPLINK_IP:16399"
trace_one uplink udp "$OUT_IP:40004" "$UPLINK_IP:$PORT"
trace_one "$A" tcp "$SUB.77:4000" "$OUT_IP:8080"
trace_one "$B" tcp "$IPB:80" "$OUT_IP:40002"
state "$T/after"
check_eq "$N traces ran" "$BAD" ""
# The live flow's reply, traced: into a, its destination translated back.
check_match "trace of the open flow's reply: snat_in into a, to $IPA:4555" \
	"$(grep "^uplink tcp $OUT_IP:8082 " "$T/series")" \
	"\"decision\":\"snat_in\",\"target\":\"container $A\".*\"dst\":\"$IPA:4555\""
check_match "trace of the open flow: its live binding $UPLINK_IP:$NATP" \
	"$(grep "^$A tcp $IPA:4555 " "$T/series")" "\"src\":\"$UPLINK_IP:$NATP\""
for part in "ebnet ct --json" eb_ct_tcp eb_ct_other eb_frags eb_stats eb_ctr_slots eb_pub_stats eb_pub_ports eb_monitor; do
	D=$(diff <(sed -n "/^== $part\$/,/^== /p" "$T/before") <(sed -n "/^== $part\$/,/^== /p" "$T/after"))
	check_eq "after $N traces, $part is identical" "$D" ""
done
# The comparison can see a change: one real packet makes one.
in_ctr a ping -c 1 -W 2 "$OUT_IP" >/dev/null 2>&1
state "$T/control"
check_fails "control: after one real ping, the state compared differs" \
	cmp -s "$T/after" "$T/control"
TCP1=$(grep -c "\"proto\": \"tcp\"" <(sed -n '/^== ebnet ct --json$/,/^== /p' "$T/after"))
check_eq "no conntrack entry made: ct still lists one TCP flow" "$TCP1" 1

check "down" eb down --net "$NET"
finish
