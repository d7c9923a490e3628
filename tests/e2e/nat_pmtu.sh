#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# nat_pmtu: path-MTU discovery through the NAT. A container uploads 8 MB
# over TCP to OUT across the router's MTU 1280 link; the router's
# "fragmentation needed" errors quote the translated packet and must be
# translated back into the container, or the transfer stalls in a black
# hole. Also the same for ping with DF set.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/nat_lib.sh"
sandbox tnm

SUB=10.72.0
T=$(tmpdir)

# OUT's own link has MTU 1280, so its SYN-ACK would advertise an MSS of
# 1240 and no segment would ever be too big. advmss 1460 on its route makes
# it advertise what a 1500 path would carry: the client's segments then
# exceed the 1280 hop, as they would behind any real narrow link.
ip -n "$OUT" route replace default via 203.0.113.1 advmss 1460
check_match "sandbox: the router's link toward OUT has MTU 1280" \
	"$(in_rtr ip -o link show dev out0)" " mtu 1280 "
check_match "sandbox: the host's uplink has MTU 1500" "$(in_host ip -o link show dev up0)" \
	" mtu 1500 "

check "up two containers" eb up --net "$NET" --subnet $SUB.0/24 "$(ctr a)" "$(ctr b)"
check_match "container eth0 has MTU 1500" "$(in_ctr a ip -o link show dev eth0)" " mtu 1500 "

# ---- TCP upload ----
head -c 8000000 /dev/urandom >"$T/send"
sink_server 7000 "$T/recv"
ERR0=$(nat_stat EB_CNT_ICMP_ERR_IN)
check "a container uploads 8 MB to OUT through the 1280 link" \
	in_ctr a timeout 30 socat -u "FILE:$T/send" "TCP:$OUT_IP:7000"
size_is() { [ "$(stat -c %s "$1" 2>/dev/null)" = "$2" ]; }
wait_until 10 size_is "$T/recv" 8000000
check_eq "upload: OUT received 8 MB byte for byte (sha256)" \
	"$(sha256sum <"$T/recv" 2>/dev/null | cut -c1-64)" "$(sha256sum <"$T/send" | cut -c1-64)"
check "upload: the router's frag-needed errors were translated in (EB_CNT_ICMP_ERR_IN)" \
	test "$(nat_stat EB_CNT_ICMP_ERR_IN)" -gt "$ERR0"
check_match "upload: the container learnt the path MTU 1280 (route cache)" \
	"$(in_ctr a ip route get $OUT_IP)" " mtu 1280"

# ---- ping with DF ----
OUTP=$(in_ctr b ping -c 1 -W 2 -M "do" -s 1400 $OUT_IP 2>&1)
check_match "ping -M do -s 1400: the container gets Frag needed (mtu = 1280) from the router" \
	"$OUTP" "From $ROUTER_IP icmp_seq=1 Frag needed and DF set \(mtu = 1280\)"
check_match "ping -M do: the container learnt the path MTU 1280" \
	"$(in_ctr b ip route get $OUT_IP)" " mtu 1280"
check "ping -M do -s 1252 (fits 1280) is answered" in_ctr b ping -c 1 -W 2 -M "do" -s 1252 $OUT_IP

check "down" eb down --net "$NET"
finish
