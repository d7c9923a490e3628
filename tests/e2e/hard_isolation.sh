#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# hard_isolation: who can pretend to be whom, and who reaches whom (issue 6).
# A container sends hand-made frames (AF_PACKET) under another container's
# MAC, another container's IPv4 address, both, to broadcast, as ARP that
# claims the other's address, inside one and two VLAN tags, and as IPv6:
# the victim's UDP socket, ARP table and a packet socket on its eth0 show
# what got through, and the drop counters what was stopped. Then two
# networks on one host: neither container reaches the other's (ping, TCP,
# a frame straight to the other's MAC), and drop_isolated counts it, until
# the other network publishes a port: that port answers at the host's
# address from outside, from the host and from the first network's
# container. (l2.sh covers a changed MAC and an unused address; pub_reach.sh
# the 127.0.0.1-only port.)
. "$(dirname "$0")/../lib.sh"
sandbox his

SUBA=10.56.0
SUBB=10.57.0
HOSTIP=198.51.100.1
PUB=12160 # this script's own
NETB=${NET}b
track_net "$NETB"
T=$(tmpdir)

C_SPOOF_MAC=$(eb_counter EB_CNT_DROP_SPOOF_MAC)
C_SPOOF_IP=$(eb_counter EB_CNT_DROP_SPOOF_IP)
C_UNKNOWN=$(eb_counter EB_CNT_DROP_UNKNOWN_UNICAST)
C_ISOLATED=$(eb_counter EB_CNT_DROP_ISOLATED)
C_NOT_IPV4=$(eb_counter EB_CNT_DROP_NOT_IPV4)

# raw.py IFACE DSTMAC SRCMAC udp|udp6|arp ...: sends a hand-made frame 3
# times. udp SRCIP DSTIP DPORT TEXT [TAGS]: IPv4/UDP, TAGS "0,0" = two
# 802.1Q tags of VLAN 0 ("ad0" = 802.1ad). udp6 SRC6 DST6 DPORT TEXT.
# arp OP SHA SPA THA TPA.
cat >"$T/raw.py" <<'PY'
import socket, struct, sys
ifc, dmac, smac, kind = sys.argv[1:5]
a = sys.argv[5:]
mac = lambda m: bytes(int(x, 16) for x in m.split(":"))
def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff
eth = mac(dmac) + mac(smac)
if kind == "udp":
    sip, dip, dport, text = a[:4]
    for t in (a[4].split(",") if len(a) > 4 and a[4] else []):
        tpid = 0x88a8 if t.startswith("ad") else 0x8100
        eth += struct.pack("!HH", tpid, int(t.lstrip("ad"), 0))
    data = text.encode()
    udp = struct.pack("!HHHH", 40000, int(dport), 8 + len(data), 0) + data
    ph = socket.inet_aton(sip) + socket.inet_aton(dip) + struct.pack("!BBH", 0, 17, len(udp))
    udp = udp[:6] + struct.pack("!H", csum(ph + udp) or 0xffff) + udp[8:]
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 1, 0, 64, 17, 0,
                     socket.inet_aton(sip), socket.inet_aton(dip))
    frame = eth + b"\x08\x00" + ip[:10] + struct.pack("!H", csum(ip)) + ip[12:] + udp
elif kind == "udp6":
    sip, dip, dport, text = a[:4]
    data = text.encode()
    udp = struct.pack("!HHHH", 40000, int(dport), 8 + len(data), 0) + data
    s6, d6 = socket.inet_pton(socket.AF_INET6, sip), socket.inet_pton(socket.AF_INET6, dip)
    ph = s6 + d6 + struct.pack("!IxxxB", len(udp), 17)
    udp = udp[:6] + struct.pack("!H", csum(ph + udp) or 0xffff) + udp[8:]
    frame = eth + b"\x86\xdd" + struct.pack("!IHBB", 6 << 28, len(udp), 17, 64) + s6 + d6 + udp
elif kind == "arp":
    op, sha, spa, tha, tpa = a[:5]
    frame = eth + b"\x08\x06" + struct.pack("!HHBBH", 1, 0x0800, 6, 4, int(op)) + \
        mac(sha) + socket.inet_aton(spa) + mac(tha) + socket.inet_aton(tpa)
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind((ifc, 0))
for _ in range(3):
    s.send(frame)
PY
# udprecv.py PORT FILE: every datagram to PORT (broadcasts too) as
# "SOURCE TEXT" lines in FILE.
cat >"$T/udprecv.py" <<'PY'
import socket, sys
port, path = sys.argv[1:3]
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.setsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST, 1)
s.bind(("0.0.0.0", int(port)))
with open(path, "a") as out:
    while True:
        d, a = s.recvfrom(2000)
        out.write("%s %s\n" % (a[0], d.decode(errors="replace")))
        out.flush()
PY

# sniff.py IFACE FILE: every frame the device receives, as Python bytes
# reprs, one a line: what reached the container at all, whatever its
# kernel then made of it.
cat >"$T/sniff.py" <<'PY'
import socket, sys
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(3))
s.bind((sys.argv[1], 0))
with open(sys.argv[2], "a") as out:
    while True:
        f, addr = s.recvfrom(4000)
        if addr[2] != socket.PACKET_OUTGOING:
            out.write(repr(f) + "\n")
            out.flush()
PY

check "up a1 a2 a3 in $NET" eb up --net "$NET" --subnet $SUBA.0/24 "$(ctr a1)" "$(ctr a2)" "$(ctr a3)"
check "up b1 in $NETB, in the same host" eb up --net "$NETB" --subnet $SUBB.0/24 "$(ctr b1)"
A1=$(ls_field a1 ip) A2=$(ls_field a2 ip) A3=$(ls_field a3 ip)
M1=$(ls_field a1 mac) M2=$(ls_field a2 mac) M3=$(ls_field a3 mac)
IPB1=$(NET=$NETB ls_field b1 ip) MB1=$(NET=$NETB ls_field b1 mac)
statb() { NET=$NETB stat_packets "$1"; }

# Receivers: a3 and b1 on UDP 6300; every frame a3's eth0 receives.
: >"$T/a3" >"$T/a3frames" >"$T/b1"
bg_ns "$(ctr a3)" timeout 60 python3 "$T/udprecv.py" 6300 "$T/a3"
bg_ns "$(ctr a3)" timeout 60 python3 "$T/sniff.py" eth0 "$T/a3frames" 2>/dev/null
bg_ns "$(ctr b1)" timeout 60 python3 "$T/udprecv.py" 6300 "$T/b1"
udp_up() { [ -n "$(in_ns "$1" ss -Huln "sport = :$2")" ]; }
check "receivers listen" wait_until 5 bash -c "$(declare -f in_ns udp_up); udp_up $(ctr a3) 6300 && udp_up $(ctr b1) 6300"
# seen TEXT: a frame holding TEXT reached a3's eth0 (within 0.5 s).
seen() { sleep 0.5; grep -qF -- "$1" "$T/a3frames"; }

# send FROM ARGS...: raw.py in container FROM, out of its eth0.
send() { local c=$1; shift; in_ctr "$c" python3 "$T/raw.py" eth0 "$@"; }
# got FILE TEXT: a line with TEXT arrived (within 2 s). For what must not
# arrive, sleep a moment once and ask got_now.
got() { wait_until 2 grep -q -- " $2\$" "$1"; }
got_now() { grep -q -- " $2\$" "$1"; }
# got_from FILE SOURCE TEXT
got_from() { wait_until 2 grep -qx -- "$2 $3" "$1"; }

# ---- the sender and the receiver work ----
sleep 0.3 # the packet socket binds
send a1 "$M3" "$M1" udp "$A1" "$A3" 6300 own-frame
check "a1's own frame (own MAC, own address) reaches a3's socket" got_from "$T/a3" "$A1" own-frame
check "...and a packet socket on a3's eth0 sees it" wait_until 2 grep -qF own-frame "$T/a3frames"

# ---- another container's MAC, address, both ----
m0=$(stat_packets "$C_SPOOF_MAC") p0=$(stat_packets "$C_SPOOF_IP")
send a1 "$M3" "$M2" udp "$A2" "$A3" 6300 spoof1-a2-mac-and-ip
send a1 "$M3" "$M2" udp "$A1" "$A3" 6300 spoof2-a2-mac
send a1 "$M3" "$M1" udp "$A2" "$A3" 6300 spoof3-a2-ip
send a1 ff:ff:ff:ff:ff:ff "$M1" udp "$A2" 255.255.255.255 6300 spoof4-bcast-a2-ip
send a1 ff:ff:ff:ff:ff:ff "$M2" udp "$A1" 255.255.255.255 6300 spoof5-bcast-a2-mac
sleep 0.5
for what in spoof1-a2-mac-and-ip spoof2-a2-mac spoof3-a2-ip spoof4-bcast-a2-ip spoof5-bcast-a2-mac; do
	check_fails "a1 sending $what: nothing reaches a3 (socket or eth0)" \
		bash -c "grep -q -- ' $what\$' '$T/a3' || grep -qF -- '$what' '$T/a3frames'"
done
m1=$(stat_packets "$C_SPOOF_MAC") p1=$(stat_packets "$C_SPOOF_IP")
check "drop_spoof_mac counted a2's MAC from a1 ($m0 -> $m1, 3 frames x 3)" test "$m1" -ge $((m0 + 9))
check "drop_spoof_ip counted a2's address from a1 ($p0 -> $p1, 2 frames x 3)" test "$p1" -ge $((p0 + 6))

# ---- ARP that claims a2's address ----
check "a3 pings a2 (a3 learns a2's MAC)" in_ctr a3 ping -c1 -W2 "$A2"
p0=$(stat_packets "$C_SPOOF_IP")
send a1 ff:ff:ff:ff:ff:ff "$M1" arp 2 "$M1" "$A2" ff:ff:ff:ff:ff:ff "$A2" # gratuitous reply
send a1 "$M3" "$M1" arp 2 "$M1" "$A2" "$M3" "$A3"                          # reply to a3
send a1 ff:ff:ff:ff:ff:ff "$M1" arp 1 "$M1" "$A2" 00:00:00:00:00:00 "$A3"  # request from "a2"
sleep 0.3
check_match "a3 still has a2's own MAC for $A2" "$(in_ctr a3 ip neigh show "$A2" dev eth0)" \
	"lladdr $M2 "
p1=$(stat_packets "$C_SPOOF_IP")
check "drop_spoof_ip counted the ARP claims ($p0 -> $p1)" test "$p1" -ge $((p0 + 9))
check "a3 still reaches a2" in_ctr a3 ping -c1 -W2 "$A2"

# ---- inside VLAN tags, and other EtherTypes ----
# The kernel takes one 802.1Q tag off before TC (skb_vlan_untag), so a
# single tag is checked like an untagged frame. A second tag would hide the
# IPv4 header from a datapath that switched other EtherTypes by MAC (and
# the receiving kernel strips two VLAN-0 tags and delivers the IPv4 packet
# inside); an ebnet network carries IPv4 and ARP only, so it is dropped.
n0=$(stat_packets "$C_NOT_IPV4") p0=$(stat_packets "$C_SPOOF_IP")
send a1 "$M3" "$M1" udp "$A2" "$A3" 6300 vlan0-as-a2 0
send a1 "$M3" "$M1" udp "$A2" "$A3" 6300 vlan5-as-a2 5
send a1 "$M3" "$M1" udp "$A2" "$A3" 6300 qinq-as-a2 0,0
send a1 "$M3" "$M1" udp "$A2" "$A3" 6300 adq-as-a2 ad0,0
send a1 "$M3" "$M1" udp "$A1" "$A3" 6300 qinq-own 0,0
check_fails "a1 sending a2's address in one 802.1Q tag (VLAN 0): nothing reaches a3" \
	seen vlan0-as-a2
check_fails "...in one 802.1Q tag (VLAN 5): nothing reaches a3" seen vlan5-as-a2
check_fails "...in two 802.1Q tags (VLAN 0, VLAN 0): nothing reaches a3" seen qinq-as-a2
check_fails "...in an 802.1ad and an 802.1Q tag (VLAN 0, VLAN 0): nothing reaches a3" seen adq-as-a2
check_fails "a1's own address in two tags: not carried either (not IPv4 to the datapath)" \
	seen qinq-own
check_fails "a3's UDP socket got none of them" grep -q -- "-as-a2\$" "$T/a3"
p1=$(stat_packets "$C_SPOOF_IP")
check "drop_spoof_ip counted the single-tagged ones ($p0 -> $p1, 2 frames x 3)" test "$p1" -ge $((p0 + 6))
# IPv6: the containers have no IPv6 address, and no IPv6 frame is carried,
# whatever address it claims (here the link-local one a2 would have).
check_eq "no container has an IPv6 address" \
	"$(for x in a1 a2 a3; do in_ctr $x ip -6 -o addr show dev eth0; done)" ""
# The link-local address a2 would make from its MAC (EUI-64).
L2=$(python3 -c '
import ipaddress, sys
m = [int(x, 16) for x in sys.argv[1].split(":")]
m[0] ^= 2
print(ipaddress.IPv6Address(bytes([0xfe, 0x80] + [0] * 6 + m[:3] + [0xff, 0xfe] + m[3:])))' "$M2")
send a1 "$M3" "$M1" udp6 "$L2" ff02::1 6300 v6-as-a2-multicast
send a1 33:33:00:00:00:01 "$M1" udp6 "$L2" ff02::1 6300 v6-as-a2-to-all
send a1 "$M3" "$M1" udp6 fe80::1 fe80::2 6300 v6-own
check_fails "a1's IPv6 frames (as a2's link-local, to a3's MAC, to all nodes, its own): none reaches a3" \
	bash -c "sleep 0.5; grep -qE 'v6-as-a2|v6-own' '$T/a3frames'"
n1=$(stat_packets "$C_NOT_IPV4")
check "drop_not_ipv4 counted the double-tagged and the IPv6 frames ($n0 -> $n1, 6 frames x 3)" \
	test "$n1" -ge $((n0 + 18))

# ---- two networks on one host ----
bg_ns "$(ctr b1)" timeout 60 python3 -m http.server 80 --bind 0.0.0.0 --directory "$T" >/dev/null 2>&1
bg_ns "$(ctr a1)" timeout 60 python3 -m http.server 80 --bind 0.0.0.0 --directory "$T" >/dev/null 2>&1
check "http servers in b1 and a1" wait_until 5 bash -c "$(declare -f in_ns listening); listening $(ctr b1) 80 && listening $(ctr a1) 80"
i0=$(stat_packets "$C_ISOLATED") j0=$(statb "$C_ISOLATED")
check_fails "a1 ($NET) cannot ping b1 ($NETB)" in_ctr a1 ping -c2 -i0.2 -W1 "$IPB1"
check_fails "a1 cannot open TCP to b1:80" in_ctr a1 curl -sS -m2 -o /dev/null "http://$IPB1/"
check_fails "b1 cannot ping a1" in_ctr b1 ping -c2 -i0.2 -W1 "$A1"
check_fails "b1 cannot open TCP to a1:80" in_ctr b1 curl -sS -m2 -o /dev/null "http://$A1/"
i1=$(stat_packets "$C_ISOLATED") j1=$(statb "$C_ISOLATED")
check "drop_isolated of $NET counted a1's attempts ($i0 -> $i1)" test "$i1" -ge $((i0 + 3))
check "drop_isolated of $NETB counted b1's attempts ($j0 -> $j1)" test "$j1" -ge $((j0 + 3))
u0=$(stat_packets "$C_UNKNOWN")
send a1 "$MB1" "$M1" udp "$A1" "$IPB1" 6300 straight-to-b1-mac
sleep 0.5
check_fails "a1's frame straight to b1's MAC does not reach b1" got_now "$T/b1" straight-to-b1-mac
u1=$(stat_packets "$C_UNKNOWN")
check "drop_unknown_unicast of $NET counted it ($u0 -> $u1)" test "$u1" -ge $((u0 + 3))

# ---- unless published ----
check "publish $PUB:b1:80 in $NETB" eb publish --net "$NETB" "$PUB:$(ctr b1):80"
check_http() { check_eq "$1" "$("${@:2:$#-2}" curl -sS -m3 -o /dev/null -w '%{http_code}' "${@: -1}" 2>/dev/null)" 200; }
check_http "the outside reaches b1 at $HOSTIP:$PUB" in_out "http://$HOSTIP:$PUB/"
check_http "the host reaches b1 at $HOSTIP:$PUB" in_host "http://$HOSTIP:$PUB/"
check_http "a1 ($NET) reaches b1's published port at $HOSTIP:$PUB" in_ctr a1 "http://$HOSTIP:$PUB/"
check_fails "...and still not b1 itself" in_ctr a1 curl -sS -m2 -o /dev/null "http://$IPB1/"
check_fails "...nor b1's other ports through the host's address" \
	in_ctr a1 curl -sS -m2 -o /dev/null "http://$HOSTIP:$((PUB + 1))/"
out=$(in_ctr a1 socat -t 2 - TCP:$HOSTIP:$((PUB + 1)),connect-timeout=2 </dev/null 2>&1)
check_match "a port nobody publishes or listens on at the host's address: a1 is refused, as before" \
	"$out" "Connection refused"

for n in "$NET" "$NETB"; do check "down --net $n" eb down --net "$n"; done
finish
