#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# nat_mtu: path MTU and hops through ebnet with uplink MTUs of 1450 and
# 1280 (the router's link toward OUT is 1280 too). The containers' MTU
# follows the uplink's; TCP uploads and downloads arrive byte for byte;
# UDP datagrams larger than the path go both ways (fragments), and so do
# the large answers of a published UDP port. With `--mtu 1500` above the
# uplink, a DF packet that does not fit gets "fragmentation needed" with
# the uplink's MTU from the gateway. TTL: the gateway is a hop both ways
# (ping -t 1 and traceroute show it; a published port's traceroute shows
# the host; replies arrive with one TTL less).
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/nat_lib.sh"
sandbox ahc

SUB=10.83.0
GW=$SUB.1
T=$(tmpdir)
T=$_EB_TMP
head -c 3000000 /dev/urandom >"$T/blob"
SUM=$(sha256sum <"$T/blob" | cut -c1-64)
size_is() { [ "$(stat -c %s "$1" 2>/dev/null)" = "$2" ]; }

# UDP: an echo server in OUT, and in the container a server that answers
# every datagram with 4000 bytes (a reply larger than any MTU here).
cat >"$T/udp.py" <<'PY'
import socket, sys
mode, addr, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
if mode == "echo" or mode == "big":
    s.bind((addr, port))
    while True:
        d, peer = s.recvfrom(65535)
        s.sendto(d if mode == "echo" else bytes(range(250)) * 16, peer)
else:  # client: send N bytes, print the size of the answer
    s.settimeout(3)
    s.sendto(b"x" * int(sys.argv[4]), (addr, port))
    try:
        print(len(s.recvfrom(65535)[0]))
    except OSError as e:
        print("error", e)
PY
bg_in "$OUT" python3 "$T/udp.py" echo $OUT_IP 9000
check "UDP echo server in OUT" wait_until 10 udp_listening "$OUT" 9000
http_server 8000 "$T" "$T/http.log"
ip -n "$OUT" route replace default via 203.0.113.1 advmss 1460

for M in 1450 1280; do
	note "---- uplink MTU $M ----"
	check "uplink up0 (and the router's side) at MTU $M" \
		bash -c "ip -n $HOST link set up0 mtu $M && ip -n $RTR link set down0 mtu $M"
	check "up (no --mtu)" eb up --net "$NET" --subnet $SUB.0/24 "$(ctr a)"
	check_match "the container's eth0 has the uplink's MTU $M" \
		"$(in_ctr a ip -o link show dev eth0)" " mtu $M "
	# An attachment (what the CNI plugin and the Docker driver make) too.
	ip netns add "mtu-att-$M"
	check "attach a namespace of another tool's" \
		eb attach --net "$NET" att --netns "/run/netns/mtu-att-$M"
	check_match "the attachment's eth0 has the uplink's MTU $M" \
		"$(ip -n "mtu-att-$M" -o link show dev eth0)" " mtu $M "
	check "detach it" eb detach --net "$NET" att
	ip netns del "mtu-att-$M"
	rm -f "$T/recv"
	sink_server 7000 "$T/recv"
	check "TCP upload of 3 MB from the container" \
		in_ctr a timeout 30 socat -u "FILE:$T/blob" "TCP:$OUT_IP:7000"
	wait_until 10 size_is "$T/recv" 3000000
	check_eq "upload at MTU $M: sha256 matches" "$(sha256sum <"$T/recv" | cut -c1-64)" "$SUM"
	check_eq "download at MTU $M: sha256 of 3 MB from OUT's http server" \
		"$(in_ctr a curl -sS -m 30 "http://$OUT_IP:8000/blob" | sha256sum | cut -c1-64)" "$SUM"
	check_eq "UDP at MTU $M: 4000 bytes to OUT's echo, 4000 back (fragments both ways)" \
		"$(in_ctr a python3 "$T/udp.py" client $OUT_IP 9000 4000)" 4000
	bg_in "$(ctr a)" python3 "$T/udp.py" big 0.0.0.0 5400
	wait_until 10 udp_listening "$(ctr a)" 5400
	check "publish 5400:a:5400/udp" eb publish "5400:$(ctr a):5400/udp"
	check_eq "published UDP port at MTU $M: OUT gets the container's 4000-byte answer" \
		"$(in_out python3 "$T/udp.py" client $UPLINK_IP 5400 10)" 4000
	check_eq "...and its 1400-byte datagram arrives too" \
		"$(in_out python3 "$T/udp.py" client $UPLINK_IP 5400 1400)" 4000
	kill "$BG_LAST" 2>/dev/null
	check "down" eb down --net "$NET"

	# Larger than the uplink: "fragmentation needed" from the gateway.
	check "up --mtu 1500 over the $M uplink" eb up --net "$NET" --subnet $SUB.0/24 --mtu 1500 "$(ctr a)"
	check_match "the container's eth0 has MTU 1500" "$(in_ctr a ip -o link show dev eth0)" " mtu 1500 "
	s0=$(nat_stat EB_CNT_ICMP_SENT)
	check_match "ping -M do -s 1472: Frag needed (mtu = $M) from the gateway $GW" \
		"$(in_ctr a ping -c 1 -W 2 -M do -s 1472 $OUT_IP 2>&1)" \
		"From $GW icmp_seq=1 Frag needed and DF set \(mtu = $M\)"
	check_match "the container learnt the path MTU $M" "$(in_ctr a ip route get $OUT_IP)" " mtu $M"
	check "icmp_sent counted it" test "$(nat_stat EB_CNT_ICMP_SENT)" -gt "$s0"
	rm -f "$T/recv"
	sink_server 7000 "$T/recv"
	check "TCP upload of 3 MB at MTU 1500 over the $M uplink" \
		in_ctr a timeout 30 socat -u "FILE:$T/blob" "TCP:$OUT_IP:7000"
	wait_until 10 size_is "$T/recv" 3000000
	check_eq "...sha256 matches" "$(sha256sum <"$T/recv" | cut -c1-64)" "$SUM"
	check "down" eb down --net "$NET"
done

# ---- hops ----
check "up" eb up --net "$NET" --subnet $SUB.0/24 "$(ctr a)"
check_match "ping -t 1: time exceeded from the gateway $GW" \
	"$(in_ctr a ping -c 1 -W 2 -t 1 $OUT_IP 2>&1)" "From $GW icmp_seq=1 Time to live exceeded"
check_match "ping -t 2: time exceeded from the router (translated back)" \
	"$(in_ctr a ping -c 1 -W 2 -t 2 $OUT_IP 2>&1)" "From $ROUTER_IP icmp_seq=1 Time to live exceeded"
check_match "a reply arrives with one TTL less per hop (64 - router - gateway = 62)" \
	"$(in_ctr a ping -c 1 -W 2 $OUT_IP 2>&1)" "ttl=62 "
TR=$(in_ctr a traceroute -n -q 1 -w 2 -m 4 $OUT_IP 2>&1)
check_match "traceroute: hop 1 is the gateway" "$TR" "^ 1  $GW "
check_match "traceroute: hop 2 the router, hop 3 OUT" "$TR" "^ 2  $ROUTER_IP .*
 3  $OUT_IP "
bg_in "$(ctr a)" python3 "$T/udp.py" echo 0.0.0.0 5401
wait_until 10 udp_listening "$(ctr a)" 5401
check "publish 5401:a:5401/udp" eb publish "5401:$(ctr a):5401/udp"
s0=$(nat_stat EB_CNT_ICMP_SENT)
TR=$(in_out traceroute -n -U -p 5401 -q 1 -w 2 -m 2 $UPLINK_IP 2>&1)
check_match "traceroute from OUT to the published port: hop 2 is the host" \
	"$TR" "^ 2  $UPLINK_IP "
check "...whose datapath answered the probe that came with TTL 1 (icmp_sent)" \
	test "$(nat_stat EB_CNT_ICMP_SENT)" -gt "$s0"
eb unpublish --net "$NET" 5401/udp >/dev/null
check "down" eb down --net "$NET"
finish
