#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# obs_monitor: `ebnet monitor` prints the events of the datapath as they
# happen (issue 7), and costs nothing when nobody listens. A container curls
# the OUT server while a monitor waits for one event: the event is snat_new
# with the container's source and the translated source 198.51.100.1 (the
# port the server saw). A new flow from outside, a drop with its reason.
# Once the monitor is gone, eb_monitor is 0 and the datapath writes no event
# (a later monitor finds none waiting); a monitor killed hard lapses by
# itself. A trace, which changes nothing, makes no event either. A second
# monitor of a network is refused and does not disturb the first.
. "$(dirname "$0")/obs_lib.sh"
sandbox tobm

SUB=10.64.0
A=$(ctr a) B=$(ctr b)
PORT=16341
obs_tmp

check "up a and b" eb up --net "$NET" --subnet $SUB.0/24 "$A" "$B"
IPA=$(ls_field a ip) IPB=$(ls_field b ip)
no_ipv6 a b
# OUT's HTTP server on 8080 answers "from ADDR:PORT" of the peer it sees.
peer_http 8080 "$T/out.log"
check "the OUT server listens on 8080" listening "$OUT" 8080
bg_log "$OUT" "$T/http.log" python3 -u -m http.server 8000 --bind $OUT_IP --directory "$T/www"
wait_until 10 listening "$OUT" 8000
# (bg_log not under check: check runs it in a subshell, whose pid list is lost.)
bg_log "$B" "$T/b.log" python3 -u -m http.server 80 --bind 0.0.0.0 --directory "$T/www"
check "http.server listens on :80 in b" wait_until 10 listening "$B" 80
check "publish $PORT:$B:80" eb publish --net "$NET" "$PORT:$B:80"
check "a pings $OUT_IP (gateway's neighbour resolved; the ICMP flow exists)" \
	in_ctr a ping -c 1 -W 2 $OUT_IP

check_eq "nobody listens yet: eb_monitor is 0" "$(monitor_until)" 0
listening_now() { [ "$(monitor_until)" != 0 ]; }

# ---- one event: a new flow to the outside ----
bg_log "$HOST" "$T/m1" "$EBNET" monitor --net "$NET" --json --count 1 --timeout 10
M1=$BG_LAST
check "monitor started: eb_monitor set" wait_until 5 listening_now
U=$(monitor_until) NOW=$(now_ns)
check "eb_monitor is a time at most 3 s ahead (renewed every second)" \
	test $((U - NOW)) -gt 0 -a $((U - NOW)) -le 3100000000
T0=$(date +%s%N)
SEEN=$(in_ctr a curl -sS -m 5 "http://$OUT_IP:8080/" 2>&1)
check_match "a curls the OUT server; it answers with the source it saw" "$SEEN" \
	"^from $UPLINK_IP:[0-9]+$"
wait "$M1"
RC=$?
check_eq "monitor --count 1 exits 0 after its event" "$RC" 0
check "monitor exits well before its --timeout of 10 s" \
	test $(($(date +%s%N) - T0)) -lt 5000000000
note "monitor printed: $(cat "$T/m1")"
check_eq "monitor printed one line" "$(wc -l <"$T/m1")" 1
EV=$(head -n 1 "$T/m1")
ev() { python3 -c 'import json, sys; print(json.loads(sys.argv[1])[sys.argv[2]])' "$EV" "$1" 2>&1; }
check_eq "event: snat_new" "$(ev event)" snat_new
check_eq "event: tcp" "$(ev proto)" tcp
check_match "event: the container's source $IPA:PORT" "$(ev src)" "^$IPA:[0-9]+$"
check_eq "event: the destination $OUT_IP:8080" "$(ev dst)" "$OUT_IP:8080"
check_eq "event: translated to the source the server saw" "$(ev nat)" "${SEEN#from }"
check_eq "event: the ifindex of a's port" "$(ev ifindex)" "$(ls_field a host_ifindex)"
check_eq "after the monitor exited, eb_monitor is 0" "$(monitor_until)" 0

# ---- nobody listens: no event is written ----
check "a curls $OUT_IP:8000 with no monitor" in_ctr a curl -sS -o /dev/null -m 5 "http://$OUT_IP:8000/"
OUTP=$(eb monitor --net "$NET" --json --timeout 2 2>&1)
check_eq "a monitor started afterwards finds no event waiting (none written meanwhile)" "$OUTP" ""
check_eq "and eb_monitor is 0 again after it" "$(monitor_until)" 0

# ---- three kinds at once ----
bg_log "$HOST" "$T/m3" "$EBNET" monitor --net "$NET" --json --count 3 --timeout 20
M3=$BG_LAST
check "monitor started" wait_until 5 listening_now
in_ctr a curl -sS -o /dev/null -m 5 "http://$OUT_IP:8000/?2" >/dev/null 2>&1
in_out curl -sS -o /dev/null -m 5 --local-port 40123 "http://$UPLINK_IP:$PORT/" >/dev/null 2>&1
in_ctr a ip addr add $SUB.77/24 dev eth0
in_ctr a ping -c 1 -W 1 -I $SUB.77 "$OUT_IP" >/dev/null 2>&1
in_ctr a ip addr del $SUB.77/24 dev eth0
wait "$M3"
note "monitor printed: $(tr '\n' ' ' <"$T/m3")"
check_match "snat_new: a's flow to $OUT_IP:8000" "$(cat "$T/m3")" \
	"\"event\":\"snat_new\".*\"src\":\"$IPA:[0-9]+\",\"dst\":\"$OUT_IP:8000\",\"nat\":\"$UPLINK_IP:[0-9]+\""
check_match "dnat_new: from $OUT_IP:40123 to $UPLINK_IP:$PORT, translated to $IPB:80" "$(cat "$T/m3")" \
	"\"event\":\"dnat_new\".*\"src\":\"$OUT_IP:40123\",\"dst\":\"$UPLINK_IP:$PORT\",\"nat\":\"$IPB:80\""
check_match "drop: the spoofed ping, with its reason drop_spoof_ip" "$(cat "$T/m3")" \
	"\"event\":\"drop\",\"reason\":\"drop_spoof_ip\""
# struct eb_event: "saddr, daddr ... 0 when not parsed"; this packet's IPv4
# header was parsed (that is how it was found spoofed).
check_match "drop: the event names the spoofed source and the destination" "$(cat "$T/m3")" \
	"\"event\":\"drop\".*\"src\":\"$SUB\.77:[0-9]+\",\"dst\":\"$OUT_IP:[0-9]+\""
check_eq "eb_monitor is 0 after the monitor exited" "$(monitor_until)" 0

# ---- text output, a trace ----
bg_log "$HOST" "$T/mt" "$EBNET" monitor --net "$NET" --timeout 4
check "monitor (text) started" wait_until 5 listening_now
eb trace --net "$NET" "$A" tcp "$IPA:4777" "$OUT_IP:8080" >/dev/null 2>&1
in_ctr a curl -sS -o /dev/null -m 5 "http://$OUT_IP:8000/?3" >/dev/null 2>&1
wait "$BG_LAST"
check_match "monitor's text names the event, the flow and its translation" "$(cat "$T/mt")" \
	"^snat_new .*tcp +$IPA:[0-9]+ -> $OUT_IP:8000 +as $UPLINK_IP:[0-9]+"
check_nomatch "a trace of a new flow made no event" "$(cat "$T/mt")" ":4777 "

# ---- two monitors at once ----
# A ring buffer has one reader (one consumer position): two monitors would
# each see part of the events. A second monitor is refused, in words, and
# leaves the first one alone: eb_monitor stays set, every event reaches it.
bg_log "$HOST" "$T/w1" "$EBNET" monitor --net "$NET" --json --timeout 6
W1=$BG_LAST
check "a first monitor started" wait_until 5 listening_now
sleep 1.5 # past the first monitor's first renewal
run_out=$(eb monitor --net "$NET" --json --timeout 1 2>&1)
RC=$?
U=$(monitor_until)
check "a second monitor of the same network is refused (non-zero exit)" test "$RC" -ne 0
check_match "the refusal says another monitor watches the network" "$run_out" \
	"another .*monitor.* watches"
check "the refused monitor left eb_monitor set for the first" test "$U" != 0
for i in $(seq 10); do
	in_ctr a curl -sS -o /dev/null -m 3 "http://$OUT_IP:8000/?two$i" >/dev/null 2>&1
done
wait "$W1"
check_eq "the first monitor printed all 10 flows made right after" \
	"$(grep -c '"event":"snat_new"' "$T/w1")" 10
OUTP=$(eb monitor --net "$NET" --json --timeout 1 2>&1)
check_eq "once the first one ended, a monitor may start again" "$?" 0

# ---- a monitor killed hard ----
bg_log "$HOST" "$T/mk" "$EBNET" monitor --net "$NET" --json
MK=$BG_LAST
check "monitor started" wait_until 5 listening_now
# $MK is timeout's pid (nsenter execs it); ebnet is its child.
EBP=$(pgrep -P "$MK" -x ebnet)
check "the monitor's process is found" test -n "$EBP"
kill -KILL $EBP
{ wait "$MK"; } 2>/dev/null
U=$(monitor_until) NOW=$(now_ns)
check "killed hard: eb_monitor stays at most 3 s ahead" test $((U - NOW)) -le 3100000000
sleep $(((U - NOW) / 1000000000 + 1))
check "killed hard: after that time eb_monitor lies in the past" test "$(monitor_until)" -lt "$(now_ns)"
in_ctr a curl -sS -o /dev/null -m 5 "http://$OUT_IP:8000/?4" >/dev/null 2>&1
OUTP=$(eb monitor --net "$NET" --json --timeout 2 2>&1)
check_eq "killed hard: once lapsed, the datapath wrote no event (a new monitor finds none)" "$OUTP" ""

check "down" eb down --net "$NET"
finish
