#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# pub6_outside: published ports reached over IPv6 from OUTSIDE (the uplink's
# DNAT6, bpf/lib/nat6_in.h eb_dnat6_new): OUT, two routers away, reaches a
# plain publish and a [UPLINK6]:PORT publish on the container's IPv6
# address with curl -6 and socat UDP6, and the container sees OUT's own
# address (kept, as for IPv4), and its port unreachable gets back to OUT
# translated; ct lists the flow, stats count it; an 8 MB
# download across the router's MTU 1280 link verifies (the router's
# "packet too big" about the container's replies translated back in); a
# port on [::1] only and an unpublished port are not reached from outside;
# a host socket on a host IPv6 address keeps its own traffic; unpublish and
# rm take the IPv6 flows with them. A container without IPv6 (a network
# made without --ipv6) is reached the same way, translated to IPv4 from
# the gateway's address (lib/nat46.h): curl, socat TCP and UDP, 3 MB down
# and 2 MB up with sha256.
. "$(dirname "$0")/pub6_lib.sh"
sandbox p6o
sandbox6
pub_tmp
c6_script

SUB=10.76.0
P6=fd00:76:1::
W=$(ctr web)
OUT6F=$(full6 "$OUT6")
C_NEW=$(eb_counter EB_CNT_DNAT6_NEW)
C_IN=$(eb_counter EB_CNT_DNAT6_IN)
C_ERRIN=$(eb_counter EB_CNT_ICMP6_ERR_IN)

check "up --ipv6 web" eb up --net "$NET" --subnet $SUB.0/24 --subnet6 $P6/64 "$W"
W6=$(ls_field web ip6)
check_eq "web's IPv6 address" "$W6" "${P6}2"
http6_server web 80 "$T/w80.log"
echo6_server web 81
udp6_server web 5300

# ---- a plain publish, from outside over IPv6 ----
n0=$(stat_packets "$C_NEW")
i0=$(stat_packets "$C_IN")
check "publish 11740:web:80" eb publish "11740:$W:80"
check_http6 "OUT: curl -6 [$UPLINK6]:11740 gets 200" 200 in_out "http://[$UPLINK6]:11740/?out6"
check "... web's server saw OUT's own address ($OUT6), over IPv6" \
	log_has "$T/w80.log" "^$OUT6 - .*\"GET /\\?out6 "
check_http "IPv4 is as it was: OUT reaches 198.51.100.1:11740" 200 in_out \
	"http://198.51.100.1:11740/?out4"
check "... from OUT's IPv4 address" log_has "$T/w80.log" "^::ffff:203\\.0\\.113\\.2 - .*\"GET /\\?out4 "
check "stats: dnat6_new counted the new flow" test "$(stat_packets "$C_NEW")" -gt "$n0"
check "stats: dnat6_in counted its packets" test "$(stat_packets "$C_IN")" -gt "$((i0 + 1))"

check "publish 11741:web:81 (TCP, held open below)" eb publish "11741:$W:81"
check_eq "OUT: socat TCP6 to [$UPLINK6]:11741 reaches web, from OUT's address" \
	"$(echo hi | in_out socat -t 3 - "TCP6:[$UPLINK6]:11741,connect-timeout=3" 2>&1)" \
	"web from [$OUT6F]"
check_eq "OUT: getpeername() is the address it asked for" \
	"$(c6 in_out tcp "$UPLINK6" 11741)" "[$UPLINK6]:11741 web from [$OUT6F]"
check "publish 11742:web:5300/udp" eb publish "11742:$W:5300/udp"
check_eq "OUT: UDP6 to [$UPLINK6]:11742: the answer comes from that address, web saw OUT" \
	"$(c6 in_out udp "$UPLINK6" 11742)" "[$UPLINK6]:11742 web from [$OUT6F]"

e0=$(stat_packets "$(eb_counter EB_CNT_ICMP6_ERR_OUT)")
check "publish 11747:web:5399/udp (nothing listens there)" eb publish "11747:$W:5399/udp"
check_match "OUT: UDP6 to [$UPLINK6]:11747: web's port unreachable, translated out, refuses it" \
	"$(c6 in_out udpc "$UPLINK6" 11747)" "error: .*[Rr]efused"
check "... counted (icmp6_error_out)" \
	test "$(stat_packets "$(eb_counter EB_CNT_ICMP6_ERR_OUT)")" -gt "$e0"

# A flow held open, to look at: OUT keeps a TCP connection to 11741.
mkfifo "$T/hold"
nsenter --net="/run/netns/$OUT" timeout 60 socat -u "PIPE:$T/hold" \
	"TCP6:[$UPLINK6]:11741,connect-timeout=3" >/dev/null 2>&1 &
bg_pid $!
exec 7>"$T/hold"
ct_has() { eb ct --net "$NET" --json | grep -q -- "$1"; }
check "ct --json: the flow, container side -> OUT, translated to [$UPLINK6]:11741" \
	wait_until 5 ct_has "\"src\":\"\\[$W6\\]:81\",\"dst\":\"\\[$OUT6\\]:[0-9]*\",\"nat\":\"\\[$UPLINK6\\]:11741\""
check_match "ct: the flow is established" "$(eb ct --net "$NET" | grep "\[$W6\]:81 ")" \
	" established "
ct6n() {
	in_host bpftool -j map dump pinned "$EB_PIN_ROOT/$NET/eb_ct6_tcp" |
		python3 -c 'import json, sys; print(len(json.load(sys.stdin)))'
}
check "bpftool: eb_ct6_tcp holds its two entries (and the closed ones)" test "$(ct6n)" -ge 2

# ---- a port on one IPv6 address of the host ----
check "publish [$UPLINK6]:11743:web:81" eb publish "[$UPLINK6]:11743:$W:81"
check_eq "OUT reaches [$UPLINK6]:11743" "$(c6 in_out tcp "$UPLINK6" 11743)" \
	"[$UPLINK6]:11743 web from [$OUT6F]"

# ---- [::1] only, and unpublished: never from outside ----
check "publish [::1]:11744:web:81" eb publish "[::1]:11744:$W:81"
# (Both ports are in the NAT range, 1024-24575 here: the host has them,
# and no host socket listens there.)
check_match "OUT: [$UPLINK6]:11744 ([::1] only) is not reached" \
	"$(c6 in_out tcp "$UPLINK6" 11744)" "^error: "
check_match "OUT: [$UPLINK6]:11745 (unpublished) is not reached" \
	"$(c6 in_out tcp "$UPLINK6" 11745)" "^error: "
check_nomatch "... and no flow was made for either" "$(eb ct --net "$NET")" "\]:1174[45] "
check_fails "OUT cannot reach web's own address [$W6]:80 (no route: NAT66)" \
	in_out curl -6 -g -sS -o /dev/null --connect-timeout 2 -m 3 "http://[$W6]:80/"

# ---- the host's own IPv6 socket keeps its port ----
bg_log "$HOST" "$T/host.log" socat "TCP6-LISTEN:11746,bind=[$UPLINK6],reuseaddr,fork" \
	SYSTEM:"read l; echo host"
check "a host socket listens on [$UPLINK6]:11746" wait_until 10 listening "$HOST" 11746
check_eq "OUT reaches the host's own socket, untouched" \
	"$(echo hi | in_out socat -t 3 - "TCP6:[$UPLINK6]:11746,connect-timeout=3" 2>&1)" "host"

# ---- path MTU: an 8 MB download over the 1280 link ----
# OUT's own link has MTU 1280; advmss 1440 makes it advertise what a 1500
# path carries, so that web's segments exceed the 1280 hop (nat6_pmtu.sh).
ip -n "$OUT" -6 route replace default via $ROUTER6_OUT dev eth0 advmss 1440
head -c 8000000 /dev/urandom >"$T/www/big"
e0=$(stat_packets "$C_ERRIN")
check "OUT downloads 8 MB from [$UPLINK6]:11740 through the 1280 link" \
	in_out curl -6 -g -sS --connect-timeout 3 -m 60 -o "$T/got" "http://[$UPLINK6]:11740/big"
check_eq "... byte for byte (sha256)" "$(sha256sum <"$T/got" 2>/dev/null | cut -c1-64)" \
	"$(sha256sum <"$T/www/big" | cut -c1-64)"
check "... the router's packet-too-big errors were translated in (icmp6_error_in)" \
	test "$(stat_packets "$C_ERRIN")" -gt "$e0"
check_match "... web learnt the path MTU 1280" "$(in_ctr web ip -6 route get "$OUT6")" " mtu 1280"

# ---- traceroute6 to a published port: the last hop is the host ----
tr=$(in_out timeout 30 traceroute -6 -n -q 1 -w 2 -m 4 -T -p 11740 "$UPLINK6" 2>&1)
note "$tr"
check_match "traceroute6 -T to [$UPLINK6]:11740 ends at the host" "$tr" "^ *2 +$UPLINK6 "

# ---- a container without IPv6 (a network without --ipv6): translated ----
NET4=${NET}4
V=$(ctr v4)
track_net "$NET4"
check "up an IPv4-only network, container v4" eb up --net "$NET4" --subnet 10.75.0.0/24 "$V"
check_match "v4 has no IPv6 address" "$(in_ctr v4 ip -6 -o addr show dev eth0 scope global)" "^$"
http_server v4 80 "$T/v80.log"
bg_log "$V" "$T/v81.log" socat "TCP-LISTEN:81,reuseaddr,fork" \
	SYSTEM:"read l; echo v4 from \$SOCAT_PEERADDR"
check "tcp server on :81 in v4" wait_until 10 listening "$V" 81
bg_log "$V" "$T/v53.log" socat "UDP-RECVFROM:5301,reuseaddr,fork" \
	SYSTEM:"read l; echo v4 from \$SOCAT_PEERADDR"
check "publish 11750:v4:80" eb publish "11750:$V:80"
check "publish 11751:v4:81" eb publish "11751:$V:81"
check "publish 11752:v4:5301/udp" eb publish "11752:$V:5301/udp"
n0=$(NET=$NET4 stat_packets "$C_NEW")
check_http6 "OUT: curl -6 [$UPLINK6]:11750 reaches v4's IPv4-only server" 200 \
	in_out "http://[$UPLINK6]:11750/?v6to4"
check "... which saw an IPv4 client: the gateway's address (10.75.0.1)" \
	log_has "$T/v80.log" "^10\\.75\\.0\\.1 - .*\"GET /\\?v6to4 "
check "stats: dnat6_new counted it (in $NET4)" test "$(NET=$NET4 stat_packets "$C_NEW")" -gt "$n0"
check_match "OUT: socat TCP6 to [$UPLINK6]:11751: v4 answers from IPv4, the gateway's address" \
	"$(echo hi | in_out socat -t 3 - "TCP6:[$UPLINK6]:11751,connect-timeout=3" 2>&1)" \
	"^v4 from 10\\.75\\.0\\.1$"
check_match "OUT: UDP6 to [$UPLINK6]:11752: v4's answer comes back from that address" \
	"$(c6 in_out udp "$UPLINK6" 11752)" "^\\[$UPLINK6\\]:11752 v4 from 10\\.75\\.0\\.1$"
head -c 3000000 /dev/urandom >"$T/www/v4big"
cp "$T/www/v4big" "$T/www/v4big.src"
check "OUT downloads 3 MB from v4 over IPv6, through the 1280 link (MSS clamped to 1220)" \
	in_out curl -6 -g -sS --connect-timeout 3 -m 60 -o "$T/got4" "http://[$UPLINK6]:11750/v4big"
check_eq "... byte for byte (sha256)" "$(sha256sum <"$T/got4" 2>/dev/null | cut -c1-64)" \
	"$(sha256sum <"$T/www/v4big.src" | cut -c1-64)"
head -c 2000000 /dev/urandom >"$T/up4"
bg_log "$V" "$T/v82.log" socat -u TCP-LISTEN:82,reuseaddr "CREATE:$T/up4.got"
check "tcp server on :82 in v4" wait_until 10 listening "$V" 82
check "publish 11753:v4:82" eb publish "11753:$V:82"
check "OUT uploads 2 MB to v4 over IPv6" \
	in_out timeout 30 socat -u "FILE:$T/up4" "TCP6:[$UPLINK6]:11753,connect-timeout=3"
size_is() { [ "$(stat -c %s "$1" 2>/dev/null)" = "$2" ]; }
wait_until 10 size_is "$T/up4.got" 2000000
check_eq "... byte for byte (sha256)" "$(sha256sum <"$T/up4.got" 2>/dev/null | cut -c1-64)" \
	"$(sha256sum <"$T/up4" | cut -c1-64)"
check "publish [$UPLINK6]:11754:v4:81 (one IPv6 address, a container without IPv6)" \
	eb publish "[$UPLINK6]:11754:$V:81"
check_match "OUT: socat TCP6 to [$UPLINK6]:11754 reaches v4, translated" \
	"$(echo hi | in_out socat -t 3 - "TCP6:[$UPLINK6]:11754,connect-timeout=3" 2>&1)" \
	"^v4 from 10\\.75\\.0\\.1$"
check_match "the host: socat TCP6 to [$UPLINK6]:11754 reaches v4 (v4-mapped at connect)" \
	"$(echo hi | in_host socat -t 3 - "TCP6:[$UPLINK6]:11754,connect-timeout=3" 2>&1)" \
	"^v4 from 10\\.75\\.0\\.1$"
check_match "ct --net $NET4: the translated flow, ::ffff:-mapped on the container side" \
	"$(eb ct --net "$NET4")" "\\[::ffff:10\\.75\\.0\\.2\\]:80 +\\[::ffff:10\\.75\\.0\\.1\\]:[0-9]+ +\\[$UPLINK6\\]:11750 "
check "IPv4 still reaches v4: OUT curl 198.51.100.1:11750" \
	test "$(http_code in_out "http://198.51.100.1:11750/?v4")" = 200
check "rm v4" eb rm --net "$NET4" "$V"
check_eq "bpftool: $NET4's eb_ct6_tcp is empty" \
	"$(in_host bpftool -j map dump pinned "$EB_PIN_ROOT/$NET4/eb_ct6_tcp" |
		python3 -c 'import json, sys; print(len(json.load(sys.stdin)))')" 0
check "down $NET4" eb down --net "$NET4"

# ---- unpublish and rm take the IPv6 flows with them ----
check "unpublish 11741" eb unpublish --net "$NET" 11741
check_nomatch "ct: the held flow to 11741 is gone" "$(eb ct --net "$NET")" "\]:11741 "
check_match "OUT: 11741 is refused now" "$(c6 in_out tcp "$UPLINK6" 11741)" "error: "
check_eq "OUT: the others still work" "$(c6 in_out tcp "$UPLINK6" 11743)" \
	"[$UPLINK6]:11743 web from [$OUT6F]"
exec 7>&-
check "rm web" eb rm --net "$NET" "$W"
check_eq "bpftool: eb_ct6_tcp is empty" "$(ct6n)" 0
check_match "OUT: 11740 is refused now" "$(c6 in_out tcp "$UPLINK6" 11740)" "error: "

check "down" eb down --net "$NET"
finish
