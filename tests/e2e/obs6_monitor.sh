#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# obs6_monitor: `ebnet monitor` shows IPv6 events as it shows IPv4 ones
# (issue 16). A container opens an IPv6 TCP flow to OUT while a monitor
# waits: the event is snat_new with the container's IPv6 source, OUT's
# address and the translation to the uplink's IPv6 address (the address and
# port OUT saw). IPv6 drops carry their addresses: a spoofed IPv6 source
# from a container (drop_spoof_ip6, ICMPv6 echo) and a UDP6 datagram from
# outside to a container's own address (drop_unpublished, on the uplink). The
# text output prints them too; traces of IPv6 packets make none. IPv4 events still come as before beside
# them (one ring, two record layouts).
. "$(dirname "$0")/obs_lib.sh"
sandbox o6m
sandbox6

SUB=10.117.0
P6=fd00:117:1::
A=$(ctr a)
obs_tmp

check "up --ipv6 a" eb up --net "$NET" --subnet $SUB.0/24 --subnet6 ${P6}/64 "$A"
A6=$(ls_field a ip6) IPA=$(ls_field a ip) IFA=$(ls_field a host_ifindex)
check_eq "a's IPv6 address" "$A6" "${P6}2"
# OUT answers each TCP connection with the peer it saw ("from ADDR:PORT").
bg_log "$OUT" "$T/out.log" python3 -u -c '
import socket, sys
s = socket.socket(socket.AF_INET6)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((sys.argv[1], 8080))
s.listen(16)
while True:
    c, a = s.accept()
    c.sendall(("from %s:%d\n" % a[:2]).encode())
    c.close()
' "$OUT6"
check "the OUT server listens on [$OUT6]:8080" wait_until 10 listening "$OUT" 8080
peer_http 8081 "$T/out4.log"
check "a pings OUT over IPv6 (the gateway's neighbour resolved)" in_ctr a ping -6 -c 1 -W 2 "$OUT6"
listening_now() { [ "$(monitor_until)" != 0 ]; }

# field JSON KEY
field() { python3 -c 'import json, sys; print(json.loads(sys.argv[1])[sys.argv[2]])' "$1" "$2" 2>&1; }

# ---- a new IPv6 flow to the outside ----
bg_log "$HOST" "$T/m1" "$EBNET" monitor --net "$NET" --json --count 1 --timeout 10
M1=$BG_LAST
check "monitor started" wait_until 5 listening_now
SEEN=$(in_ctr a timeout 5 socat -t 2 - "TCP6:[$OUT6]:8080" </dev/null 2>&1)
check_match "a connects to OUT over IPv6; OUT saw the uplink's address" "$SEEN" "^from $UPLINK6:[0-9]+$"
wait "$M1"
check_eq "monitor --count 1 exits 0 after its event" "$?" 0
note "monitor printed: $(cat "$T/m1")"
check_eq "monitor printed one line" "$(wc -l <"$T/m1")" 1
EV=$(head -n 1 "$T/m1")
check_eq "event: snat_new" "$(field "$EV" event)" snat_new
check_eq "event: tcp" "$(field "$EV" proto)" tcp
check_eq "event: family ipv6" "$(field "$EV" family)" ipv6
check_match "event: the container's source [$A6]:PORT" "$(field "$EV" src)" "^\[$A6\]:[0-9]+$"
check_eq "event: the destination [$OUT6]:8080" "$(field "$EV" dst)" "[$OUT6]:8080"
check_eq "event: translated to the address and port OUT saw" "$(field "$EV" nat)" \
	"[$UPLINK6]:${SEEN##*:}"
check_eq "event: the ifindex of a's port" "$(field "$EV" ifindex)" "$IFA"
check_eq "event: no reason (not a drop)" "$(field "$EV" reason)" ""

# ---- IPv6 drops, with their addresses; an IPv4 event beside them ----
SPOOF=${P6}77
LO=$(eb ls --net "$NET" --json | python3 -c '
import json, sys
print(json.load(sys.stdin)["networks"][0]["nat_ports"].split("-")[0])')
NATP=$((LO + 7))
bg_log "$HOST" "$T/m3" "$EBNET" monitor --net "$NET" --json --count 3 --timeout 20
M3=$BG_LAST
check "monitor started" wait_until 5 listening_now
in_ctr a ip -6 addr add $SPOOF/64 dev eth0 nodad
in_ctr a ping -6 -c 1 -W 1 -I $SPOOF "$OUT6" >/dev/null 2>&1
in_ctr a ip -6 addr del $SPOOF/64 dev eth0
# The router routes a's prefix to the host: OUT sends to a's own address.
ip -n "$RTR" -6 route replace "${P6}/64" via "$UPLINK6"
in_out timeout 3 socat -u - "UDP6:[$A6]:$NATP,sourceport=5454" <<<"forged" 2>/dev/null
in_ctr a curl -sS -o /dev/null -m 5 "http://$OUT_IP:8081/" >/dev/null 2>&1
wait "$M3"
note "monitor printed: $(tr '\n' ' ' <"$T/m3")"
check_match "drop: the spoofed ping6, reason drop_spoof_ip6, icmp6, its addresses" "$(cat "$T/m3")" \
	"\"event\":\"drop\",\"reason\":\"drop_spoof_ip6\",\"ifindex\":$IFA,\"proto\":\"icmp6\",\"src\":\"\[$SPOOF\]:[0-9]+\",\"dst\":\"\[$OUT6\]:[0-9]+\",\"nat\":\"\[::\]:0\",\"family\":\"ipv6\""
check_match "drop: OUT's UDP6 to a's own address, drop_unpublished, its addresses" "$(cat "$T/m3")" \
	"\"event\":\"drop\",\"reason\":\"drop_unpublished\",.*\"proto\":\"udp\",\"src\":\"\[$OUT6\]:5454\",\"dst\":\"\[$A6\]:$NATP\",.*\"family\":\"ipv6\""
check_match "the IPv4 flow beside them: snat_new, IPv4 addresses, family ipv4" "$(cat "$T/m3")" \
	"\"event\":\"snat_new\",.*\"src\":\"$IPA:[0-9]+\",\"dst\":\"$OUT_IP:8081\",\"nat\":\"$UPLINK_IP:[0-9]+\",\"family\":\"ipv4\""

# ---- text ----
bg_log "$HOST" "$T/mt" "$EBNET" monitor --net "$NET" --count 2 --timeout 10
MT=$BG_LAST
check "monitor (text) started" wait_until 5 listening_now
# A trace changes nothing: a traced new flow and a traced drop write no event.
eb trace --net "$NET" "$A" tcp "[$A6]:4777" "[$OUT6]:8080" >/dev/null 2>&1
eb trace --net "$NET" "$A" tcp "[$SPOOF]:4778" "[$OUT6]:8080" >/dev/null 2>&1
in_ctr a timeout 5 socat -t 2 - "TCP6:[$OUT6]:8080,sourceport=4444" </dev/null >/dev/null 2>&1
in_ctr a ip -6 addr add $SPOOF/64 dev eth0 nodad
in_ctr a ping -6 -c 1 -W 1 -I $SPOOF "$OUT6" >/dev/null 2>&1
in_ctr a ip -6 addr del $SPOOF/64 dev eth0
wait "$MT"
note "monitor printed: $(tr '\n' '|' <"$T/mt")"
check_match "text: the new flow, its addresses and its translation" "$(cat "$T/mt")" \
	"^snat_new .* if $IFA +tcp +\[$A6\]:4444 -> \[$OUT6\]:8080 +as \[$UPLINK6\]:[0-9]+$"
check_match "text: the drop, its reason and addresses" "$(cat "$T/mt")" \
	"^drop +drop_spoof_ip6 +if $IFA +icmp6 +\[$SPOOF\]:[0-9]+ -> \[$OUT6\]:[0-9]+$"
# Matched on tcp: the spoofed ping's drop prints its ICMP echo id where a port would be, and
# that id is random (it was 4778 once in CI).
check_nomatch "the traces (a new flow, a drop) made no event" "$(cat "$T/mt")" "tcp +\\[[^]]+\\]:477[78] "

check "down" eb down --net "$NET"
finish
