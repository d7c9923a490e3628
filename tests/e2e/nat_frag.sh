#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# nat_frag: UDP and ICMP that need IPv4 fragments, through the NAT. A UDP
# answer larger than a link's MTU reaches the client in fragments (a DNS
# answer with DNSSEC, for one), and a container's own large datagram leaves
# in fragments; the classic MASQUERADE recipe handles both (conntrack
# reassembles). Whatever happens, no fragment may leave with the container's
# own address.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/nat_lib.sh"
sandbox tnf

T=$(tmpdir)
check "up a container" eb up --net "$NET" --subnet 10.78.0.0/24 "$(ctr a)"

# A UDP echo server in OUT (its link has MTU 1280: answers above 1252
# bytes of payload leave it in fragments).
bg_in "$OUT" python3 -c '
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("203.0.113.2", 6000))
while True:
    d, a = s.recvfrom(65535)
    s.sendto(d, a)
' >/dev/null 2>&1
wait_until 10 udp_listening "$OUT" 6000
# Every packet the router forwards from the host's side, to catch a leak.
bg_in "$RTR" tcpdump -n -i down0 -w "$T/rtr.pcap" ip >/dev/null 2>&1
TCPDUMP=$BG_LAST
sleep 1

# udp_echo SIZE: the container sends SIZE bytes (three tries, so that a
# first loss that teaches it the path MTU does not count) and prints what
# came back.
udp_echo() {
	in_ctr a python3 -c '
import socket, sys
n = int(sys.argv[1])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(1)
for _ in range(3):
    s.sendto(b"x" * n, ("203.0.113.2", 6000))
    try:
        print("answered", len(s.recv(65535)))
        break
    except OSError:
        pass
else:
    print("no answer")
' "$1" 2>&1
}

check_eq "UDP echo of 1000 bytes (no fragment)" "$(udp_echo 1000)" "answered 1000"
FR0=$(nat_stat EB_CNT_DROP_FRAGMENT)
check_eq "UDP echo of 1400 bytes (the answer comes back in fragments)" "$(udp_echo 1400)" \
	"answered 1400"
check_eq "UDP echo of 3000 bytes (fragments both ways)" "$(udp_echo 3000)" "answered 3000"
OUTP=$(in_ctr a ping -c 1 -W 2 -s 3000 $OUT_IP 2>&1)
check_match "ping -s 3000 (ICMP echo in fragments both ways) is answered" "$OUTP" \
	"^3008 bytes from $OUT_IP"
note "fragments dropped (EB_CNT_DROP_FRAGMENT): $(($(nat_stat EB_CNT_DROP_FRAGMENT) - FR0))"

sleep 0.5
kill "$TCPDUMP" 2>/dev/null # tcpdump writes out its capture
sleep 0.5
LEAK=$(tcpdump -n -r "$T/rtr.pcap" 'src net 10.78.0.0/24' 2>/dev/null | head -n 3)
check_eq "no packet, fragment or not, left the host with a container's address" "$LEAK" ""
check "the capture saw the translated traffic (the check above is not vacuous)" \
	test -n "$(tcpdump -n -r "$T/rtr.pcap" "src host $UPLINK_IP and udp" 2>/dev/null | head -n 1)"

check "down" eb down --net "$NET"
finish
