#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# nat6_routed: `up --nat6 off` with a routable prefix that the outside
# routes to the host. The containers' own addresses go out as they are (OUT
# sees the container's address), replies come back to them, and nothing
# else from outside reaches them (a connection OUT opens is dropped,
# drop_unpublished). `--nat6 on` again translates.
. "$(dirname "$0")/../lib.sh"
sandbox n6r
sandbox6
T=$(tmpdir)

SUB=10.69.0
P6=2001:db8:69::
C_UNPUB=$(eb_counter EB_CNT_DROP_UNPUBLISHED)
# The router routes the containers' prefix to the host's uplink.
ip -n "$RTR" -6 route add $P6/64 via $UPLINK6 dev down0

check "up --ipv6 --subnet6 $P6/64 --nat6 off" eb up --net "$NET" --subnet $SUB.0/24 \
	--subnet6 $P6/64 --nat6 off "$(ctr a)"
A6=$(ls_field a ip6)
check_eq "a's address is in the routable prefix" "$A6" "${P6}2"

check "a pings OUT over IPv6" in_ctr a ping -6 -c2 -i0.2 -W2 $OUT6
mkdir -p "$T/www" && echo routed >"$T/www/hi"
bg_ns "$OUT" timeout 120 python3 -u -m http.server 8080 --bind $OUT6 --directory "$T/www" \
	>"$T/http.log" 2>&1
wait_until 10 listening "$OUT" 8080
check_eq "curl -6 from a through the routed prefix" \
	"$(in_ctr a curl -6 -s -m 5 "http://[$OUT6]:8080/hi")" routed
check_match "OUT saw the container's own address (no translation)" "$(cat "$T/http.log")" \
	"^${P6}2 .*GET /hi"
check_match "ebnet ct shows the flow with its own address as the binding" \
	"$(eb ct --net "$NET")" "tcp +\[${P6}2\]:([0-9]+) +\[$OUT6\]:8080 +\[${P6}2\]:"

# Nothing the outside opens reaches a container.
bg_ns "$(ctr a)" timeout 60 socat TCP6-LISTEN:9000,reuseaddr SYSTEM:'echo hi'
wait_until 5 listening "$(ctr a)" 9000
u0=$(stat_packets "$C_UNPUB")
check_fails "OUT cannot open a connection to the container's address" \
	in_out timeout 3 socat -u "TCP6:[${P6}2]:9000,connect-timeout=2" -
check "... dropped on the uplink (drop_unpublished)" test "$(stat_packets "$C_UNPUB")" -gt "$u0"
check_fails "OUT's ping to the container gets no answer" in_out ping -6 -c1 -W1 "${P6}2"

# ---- --nat6 on again ----
check "up --nat6 on" eb up --net "$NET" --nat6 on
check_eq "curl -6 from a again" "$(in_ctr a curl -6 -s -m 5 "http://[$OUT6]:8080/hi")" routed
check_match "OUT now sees the uplink's address" "$(tail -n 1 "$T/http.log")" "^$UPLINK6 .*GET /hi"

check "down" eb down --net "$NET"
finish
