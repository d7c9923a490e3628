#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# nat6_pmtu: path-MTU discovery through NAT66. IPv6 routers never
# fragment: a container uploads 8 MB over TCP to OUT across the router's
# MTU 1280 link, and the router's "packet too big" errors, which quote the
# translated packet and go to the uplink's address, must be translated back
# into the container (inner header, outer destination, checksums, the MTU
# kept), or the transfer stalls in a black hole. The same for ping -6 -M do.
# Then an uplink narrower than the container's MTU: the gateway answers
# "packet too big" itself.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/nat_lib.sh"
sandbox n6p
sandbox6
T=$(tmpdir)

SUB=10.67.0
P6=fd00:67:1::
C_ERRIN=$(eb_counter EB_CNT_ICMP6_ERR_IN)
C_SENT=$(eb_counter EB_CNT_ICMP6_SENT)

# OUT's own link has MTU 1280, so it would advertise an MSS that fits it;
# advmss 1440 makes it advertise what a 1500 path carries (as behind any
# real narrow link), so that the container's segments exceed the 1280 hop.
ip -n "$OUT" -6 route replace default via $ROUTER6_OUT dev eth0 advmss 1440
check_match "sandbox: the router's link toward OUT has MTU 1280" \
	"$(in_rtr ip -o link show dev out0)" " mtu 1280 "

check "up --ipv6 two containers" eb up --net "$NET" --subnet $SUB.0/24 --subnet6 $P6/64 \
	"$(ctr a)" "$(ctr b)"
check_match "container eth0 has MTU 1500" "$(in_ctr a ip -o link show dev eth0)" " mtu 1500 "

# ---- TCP upload ----
head -c 8000000 /dev/urandom >"$T/send"
bg_in "$OUT" socat -u "TCP6-LISTEN:7000,bind=[$OUT6],reuseaddr" "CREATE:$T/recv" >/dev/null 2>&1
wait_until 10 listening "$OUT" 7000
e0=$(stat_packets "$C_ERRIN")
check "a container uploads 8 MB to OUT over IPv6 through the 1280 link" \
	in_ctr a timeout 30 socat -u "FILE:$T/send" "TCP6:[$OUT6]:7000"
size_is() { [ "$(stat -c %s "$1" 2>/dev/null)" = "$2" ]; }
wait_until 10 size_is "$T/recv" 8000000
check_eq "upload: OUT received 8 MB byte for byte (sha256)" \
	"$(sha256sum <"$T/recv" 2>/dev/null | cut -c1-64)" "$(sha256sum <"$T/send" | cut -c1-64)"
e1=$(stat_packets "$C_ERRIN")
check "upload: the router's packet-too-big errors were translated in (icmp6_error_in $e0 -> $e1)" \
	test "$e1" -gt "$e0"
check_match "upload: the container learnt the path MTU 1280 (route cache)" \
	"$(in_ctr a ip -6 route get $OUT6)" " mtu 1280"

# ---- ping -6 with DF (IPv6 never fragments on the way) ----
OUTP=$(in_ctr b ping -6 -c 1 -W 2 -M do -s 1400 $OUT6 2>&1)
check_match "ping -6 -M do -s 1400: b gets Packet too big (mtu=1280) from the router" \
	"$OUTP" "From $ROUTER6 icmp_seq=1 Packet too big: mtu=1280"
check_match "... and learnt the path MTU 1280" "$(in_ctr b ip -6 route get $OUT6)" " mtu 1280"
check "ping -6 -s 1232 (fits 1280) is answered" in_ctr b ping -6 -c 1 -W 2 -s 1232 $OUT6

# ---- the uplink narrower than the container: the gateway answers ----
ip -n "$HOST" link set up0 mtu 1400
ip -n "$RTR" link set down0 mtu 1400
s0=$(stat_packets "$C_SENT")
in_ctr a ip -6 route flush cache >/dev/null 2>&1
OUTP=$(in_ctr a ping -6 -c 1 -W 2 -M do -s 1420 $ROUTER6 2>&1)
check_match "uplink MTU 1400: ping -6 -s 1420 gets Packet too big (mtu=1400) from the gateway" \
	"$OUTP" "From ${P6}1 icmp_seq=1 Packet too big: mtu=1400"
check "... counted icmp6_sent" test "$(stat_packets "$C_SENT")" -gt "$s0"
check "ping -6 -s 1352 (fits 1400) to the router is answered" \
	in_ctr a ping -6 -c 1 -W 2 -s 1352 $ROUTER6

check "down" eb down --net "$NET"
finish
