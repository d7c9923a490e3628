#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# nat6_trace: traceroute6 through NAT66. Hop 1 is the gateway (the
# datapath answers hop limit 1 with "time exceeded" from prefix::1), hop 2
# the router (its "time exceeded", sent to the uplink's address, translated
# back into the container), hop 3 OUT itself (its "port unreachable",
# translated likewise); UDP probes and ICMPv6 echo probes (-I) alike.
. "$(dirname "$0")/../lib.sh"
sandbox n6t
sandbox6

SUB=10.68.0
P6=fd00:68:1::
C_ERRIN=$(eb_counter EB_CNT_ICMP6_ERR_IN)

check "up --ipv6 a container" eb up --net "$NET" --subnet $SUB.0/24 --subnet6 $P6/64 "$(ctr a)"

hops() { awk '$1 ~ /^[0-9]+$/ {print $1, $2}' | tr '\n' ';'; }
e0=$(stat_packets "$C_ERRIN")
tr=$(in_ctr a timeout 30 traceroute -6 -n -q 1 -w 2 -m 5 $OUT6 2>&1)
check_eq "traceroute -6 (UDP): the gateway, the router, OUT" "$(echo "$tr" | hops)" \
	"1 ${P6}1;2 $ROUTER6;3 $OUT6;"
check "... the router's and OUT's errors were translated in (icmp6_error_in)" \
	test "$(stat_packets "$C_ERRIN")" -ge $((e0 + 2))
tr=$(in_ctr a timeout 30 traceroute -6 -I -n -q 1 -w 2 -m 5 $OUT6 2>&1)
check_eq "traceroute -6 -I (ICMPv6 echo): the same hops" "$(echo "$tr" | hops)" \
	"1 ${P6}1;2 $ROUTER6;3 $OUT6;"

check "down" eb down --net "$NET"
finish
