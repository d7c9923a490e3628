#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# nat6_basic: containers of an IPv6 network reach the outside over IPv6
# through NAT66. ping -6, TCP (curl -6) and UDP6 to OUT, which sees the
# uplink's address (the address its servers logged); the flows in `ebnet
# ct` and `ct --json`; the new counters in `stats`; a forged "reply" to a
# NAT port with no flow reaches no container (the host's stack has it, as
# for IPv4: another network may publish that port);
# the host's own IPv6 connection through the uplink is not translated.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/nat_lib.sh"
sandbox n6b
sandbox6
T=$(tmpdir)

SUB=10.66.0
P6=fd00:66:1::
C_NEW=$(eb_counter EB_CNT_NAT6_NEW)
C_OUT=$(eb_counter EB_CNT_NAT6_OUT)
C_IN=$(eb_counter EB_CNT_NAT6_IN)

# ---- bad input: refused, nothing made ----
out=$(eb up --net "$NET" --nat6 maybe 2>&1)
check_match "up --nat6 maybe is refused, saying what it wants" "$out" "invalid --nat6 'maybe': want on or off"
out=$(eb up --net "$NET" --snat-ip6 nonsense 2>&1)
check_match "up --snat-ip6 nonsense is refused" "$out" "invalid --snat-ip6 'nonsense': want an IPv6 address"
out=$(eb up --net "$NET" --subnet $SUB.0/24 --snat-ip6 2001:db8:100::99 2>&1)
check_match "up --snat-ip6 with an address not on the uplink is refused" "$out" \
	"--snat-ip6 2001:db8:100::99 is not an address of the uplink"
check_fails "... and no network was made" test -d "$EB_PIN_ROOT/$NET"

check "up --ipv6 two containers" eb up --net "$NET" --subnet $SUB.0/24 --subnet6 $P6/64 \
	"$(ctr a)" "$(ctr b)"
A6=$(ls_field a ip6)
check_eq "a's IPv6 address" "$A6" "${P6}2"
check_match "ls: NAT66 to the uplink's address" "$(eb ls --net "$NET")" "nat6 $UPLINK6"
check_match "ls --json: nat6 on, snat_ip6" "$(eb ls --net "$NET" --json)" \
	"\"nat6\":\"on\",\"snat_ip6\":\"$UPLINK6\""

# ---- ping -6 ----
n0=$(stat_packets "$C_OUT")
check "a pings OUT over IPv6 ($OUT6)" in_ctr a ping -6 -c2 -i0.2 -W2 $OUT6
check "nat6_out counted the echo requests" test "$(stat_packets "$C_OUT")" -ge $((n0 + 2))
check "nat6_in counted the replies" test "$(stat_packets "$C_IN")" -ge 2

# ---- TCP: curl -6, the server logs the client's address ----
mkdir -p "$T/www" && echo "hello six" >"$T/www/hi"
bg_in "$OUT" python3 -u -m http.server 8080 --bind $OUT6 --directory "$T/www" >"$T/http.log" 2>&1
wait_until 10 listening "$OUT" 8080
got=$(in_ctr a curl -6 -s -m 5 "http://[$OUT6]:8080/hi")
check_eq "curl -6 from a fetches the page through NAT66" "$got" "hello six"
check_match "the HTTP server saw the uplink's address ($UPLINK6), not the container's" \
	"$(cat "$T/http.log")" "^$UPLINK6 .*GET /hi"
check_nomatch "... and never the container's" "$(cat "$T/http.log")" "$P6"

# ---- UDP6 ----
bg_in "$OUT" socat "UDP6-RECVFROM:5353,bind=[$OUT6],fork" \
	SYSTEM:'read l; echo "$l from $SOCAT_PEERADDR:$SOCAT_PEERPORT"' >/dev/null 2>&1
wait_until 10 udp_listening "$OUT" 5353
got=$(echo ping6 | in_ctr b timeout 5 socat -t 2 - "UDP6:[$OUT6]:5353")
# socat writes the peer's address in full.
UP6_FULL=$(python3 -c "import ipaddress, sys; print(ipaddress.ip_address(sys.argv[1]).exploded)" $UPLINK6)
check_match "UDP6 from b: answered, and OUT saw the uplink's address" "$got" \
	"^ping6 from \[$UP6_FULL\]:[0-9]+$"

# ---- ct, stats ----
ct=$(eb ct --net "$NET")
check_match "ebnet ct lists the IPv6 TCP flow (container -> OUT, translated to the uplink)" \
	"$ct" "tcp +\[${P6}2\]:[0-9]+ +\[$OUT6\]:8080 +\[$UPLINK6\]:[0-9]+"
check_match "ebnet ct lists the UDP6 flow" "$ct" "udp +\[${P6}3\]:[0-9]+ +\[$OUT6\]:5353"
check_match "ebnet ct lists the ICMPv6 echo flow" "$ct" "icmp6 +\[${P6}2\]"
json=$(eb ct --net "$NET" --json)
check_match "ct --json: the IPv6 flow" "$json" \
	"\"proto\":\"tcp\",\"src\":\"\[${P6}2\]:[0-9]+\",\"dst\":\"\[$OUT6\]:8080\",\"nat\":\"\[$UPLINK6\]:[0-9]+\""
check_match "ct --json: its family" "$json" "\"dst\":\"\[$OUT6\]:8080\"[^}]*\"family\":\"ipv6\"\}"
st=$(eb stats --net "$NET")
check_match "stats shows nat6_new" "$st" "nat6_new +[1-9]"
check_match "stats shows nat6_out and nat6_in" "$st" "nat6_in +[1-9]"

# ---- a reply for a flow that does not exist ----
read -r LO HI < <(eb ls --net "$NET" --json | python3 -c '
import json, sys
n = json.load(sys.stdin)["networks"][0]
print(n["nat_ports"].split("-")[0], n["nat_ports"].split("-")[1])' 2>/dev/null)
[ -n "$LO" ] || LO=$(in_host cat /proc/sys/net/ipv4/ip_local_port_range | awk '{print $1 - 100}')
PORT=$((LO + 7))
C_PASS=$(eb_counter EB_CNT_NAT6_PASS)
d0=$(stat_packets "$C_PASS")
i0=$(stat_packets "$C_IN")
in_out timeout 3 socat -u - "UDP6:[$UPLINK6]:$PORT,sourceport=5454" <<<"forged" 2>/dev/null
wait_until 3 bash -c "[ \$(stat_packets $C_PASS) -gt $d0 ]" 2>/dev/null
check "a UDP6 'reply' to NAT port $PORT with no flow is left to the host (nat6_pass)" \
	test "$(stat_packets "$C_PASS")" -gt "$d0"
check_eq "... and nothing was delivered to a container (nat6_in unchanged)" \
	"$(stat_packets "$C_IN")" "$i0"

# ---- the host's own IPv6 connection: not translated ----
n0=$(stat_packets "$C_NEW")
got=$(in_host curl -6 -s -m 5 "http://[$OUT6]:8080/hi")
check_eq "the host's own curl -6 through the uplink works" "$got" "hello six"
check_eq "... and made no NAT66 flow (nat6_new unchanged)" "$(stat_packets "$C_NEW")" "$n0"
check_match "... OUT saw the uplink's address for it too" "$(tail -n1 "$T/http.log")" "^$UPLINK6 "
bg_in "$OUT" socat -t 10 TCP6-LISTEN:7070,bind="[$OUT6]",reuseaddr SYSTEM:'sleep 3; echo late'
wait_until 10 listening "$OUT" 7070
got=$(in_host timeout 8 socat -t 6 - "TCP6:[$OUT6]:7070,sourceport=$((LO + 9))" </dev/null)
check_eq "the host's own connection from a port of the NAT range is left to it (a host socket owns it)" \
	"$got" "late"

# ---- gc, flush ----
in_ctr b ping -6 -c1 -W2 $OUT6 >/dev/null 2>&1
check_match "ebnet gc keeps a live IPv6 flow (b's echo, just now)" \
	"$(eb gc --net "$NET" >/dev/null; eb ct --net "$NET")" "icmp6 +\[${P6}3\]"
check_match "ebnet ct flush removes the IPv6 flows too" "$(eb ct flush --net "$NET")" "flushed [1-9][0-9]* flows"
check_eq "... none left" "$(eb ct --net "$NET")" "no flows"
check_eq "... and eb_ct6_tcp is empty (bpftool)" \
	"$(in_host bpftool -j map dump pinned "$EB_PIN_ROOT/$NET/eb_ct6_tcp" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')" "0"

check "down" eb down --net "$NET"
finish
