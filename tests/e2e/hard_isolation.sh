#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# hard_isolation: who can pretend to be whom, and who reaches whom (issue 6).
# A container sends hand-made frames (AF_PACKET) under another container's
# MAC, another container's IPv4 address, both, to broadcast, as ARP that
# claims the other's address, inside 802.1Q tags, and over IPv6 with the
# other's link-local address: the victim's UDP socket and ARP table show
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

# raw.py IFACE DSTMAC SRCMAC ETHERTYPE|udp|arp ...: sends a hand-made frame 3
# times. udp SRCIP DSTIP DPORT TEXT [TAGS]: IPv4/UDP, TAGS "0,0" = two
# 802.1Q tags of VLAN 0 ("ad0" = 802.1ad). arp OP SHA SPA THA TPA.
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
# "SOURCE TEXT" lines in FILE; family 6 with "-6".
cat >"$T/udprecv.py" <<'PY'
import socket, sys
six = sys.argv[1] == "-6"
port, path = (sys.argv[2:4] if six else sys.argv[1:3])
s = socket.socket(socket.AF_INET6 if six else socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.setsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST, 1)
s.bind(("::" if six else "0.0.0.0", int(port)))
with open(path, "a") as out:
    while True:
        d, a = s.recvfrom(2000)
        out.write("%s %s\n" % (a[0].split("%")[0], d.decode(errors="replace")))
        out.flush()
PY

check "up a1 a2 a3 in $NET" eb up --net "$NET" --subnet $SUBA.0/24 "$(ctr a1)" "$(ctr a2)" "$(ctr a3)"
check "up b1 in $NETB, in the same host" eb up --net "$NETB" --subnet $SUBB.0/24 "$(ctr b1)"
A1=$(ls_field a1 ip) A2=$(ls_field a2 ip) A3=$(ls_field a3 ip)
M1=$(ls_field a1 mac) M2=$(ls_field a2 mac) M3=$(ls_field a3 mac)
IPB1=$(NET=$NETB ls_field b1 ip) MB1=$(NET=$NETB ls_field b1 mac)
statb() { NET=$NETB stat_packets "$1"; }

# Receivers: a3 on 6300 (IPv4) and 6301 (IPv6), b1 on 6300.
: >"$T/a3" >"$T/a3v6" >"$T/b1"
bg_ns "$(ctr a3)" timeout 60 python3 "$T/udprecv.py" 6300 "$T/a3"
bg_ns "$(ctr a3)" timeout 60 python3 "$T/udprecv.py" -6 6301 "$T/a3v6"
bg_ns "$(ctr b1)" timeout 60 python3 "$T/udprecv.py" 6300 "$T/b1"
udp_up() { [ -n "$(in_ns "$1" ss -Huln "sport = :$2")" ]; }
check "receivers listen" wait_until 5 bash -c "$(declare -f in_ns udp_up); udp_up $(ctr a3) 6300 && udp_up $(ctr a3) 6301 && udp_up $(ctr b1) 6300"

# send FROM ARGS...: raw.py in container FROM, out of its eth0.
send() { local c=$1; shift; in_ctr "$c" python3 "$T/raw.py" eth0 "$@"; }
# got FILE TEXT: a line with TEXT arrived (within 2 s). For what must not
# arrive, sleep a moment once and ask got_now.
got() { wait_until 2 grep -q -- " $2\$" "$1"; }
got_now() { grep -q -- " $2\$" "$1"; }
# got_from FILE SOURCE TEXT
got_from() { wait_until 2 grep -qx -- "$2 $3" "$1"; }

# ---- the sender and the receiver work ----
send a1 "$M3" "$M1" udp "$A1" "$A3" 6300 own
check "a1's own frame (own MAC, own address) reaches a3" got_from "$T/a3" "$A1" own

# ---- another container's MAC, address, both ----
m0=$(stat_packets "$C_SPOOF_MAC") p0=$(stat_packets "$C_SPOOF_IP")
send a1 "$M3" "$M2" udp "$A2" "$A3" 6300 as-a2-mac-and-ip
send a1 "$M3" "$M2" udp "$A1" "$A3" 6300 as-a2-mac
send a1 "$M3" "$M1" udp "$A2" "$A3" 6300 as-a2-ip
send a1 ff:ff:ff:ff:ff:ff "$M1" udp "$A2" 255.255.255.255 6300 bcast-as-a2-ip
send a1 ff:ff:ff:ff:ff:ff "$M2" udp "$A1" 255.255.255.255 6300 bcast-as-a2-mac
sleep 0.5
for what in as-a2-mac-and-ip as-a2-mac as-a2-ip bcast-as-a2-ip bcast-as-a2-mac; do
	check_fails "a1 sending $what: nothing reaches a3" got_now "$T/a3" "$what"
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

# ---- inside VLAN tags ----
# The kernel takes one 802.1Q tag off before TC (skb_vlan_untag), so a
# single tag is checked like an untagged frame. A second tag hides the IPv4
# header from the datapath (it sees EtherType 802.1Q and switches the frame
# by MAC); the receiving kernel strips both VLAN 0 tags and delivers IPv4.
send a1 "$M3" "$M1" udp "$A2" "$A3" 6300 vlan0-as-a2 0
send a1 "$M3" "$M1" udp "$A2" "$A3" 6300 vlan5-as-a2 5
send a1 "$M3" "$M1" udp "$A2" "$A3" 6300 qinq-as-a2 0,0
send a1 "$M3" "$M1" udp "$A2" "$A3" 6300 adq-as-a2 ad0,0
sleep 0.5
check_fails "a1 sending a2's address in one 802.1Q tag (VLAN 0): nothing reaches a3" \
	got_now "$T/a3" vlan0-as-a2
check_fails "...in one 802.1Q tag (VLAN 5): nothing reaches a3" got_now "$T/a3" vlan5-as-a2
known_bug "bpf/container.bpf.c: the source check is IPv4-only; two VLAN-0 tags hide the IPv4 header and the frame is switched unchecked" \
	check_fails "a1 sending a2's address in two 802.1Q tags (VLAN 0, VLAN 0): nothing reaches a3" \
	got_now "$T/a3" qinq-as-a2
known_bug "bpf/container.bpf.c: the source check is IPv4-only; two VLAN-0 tags hide the IPv4 header and the frame is switched unchecked" \
	check_fails "...in an 802.1ad and an 802.1Q tag (VLAN 0, VLAN 0): nothing reaches a3" \
	got_now "$T/a3" adq-as-a2

# ---- IPv6: the containers' link-local addresses ----
ll() { in_ctr "$1" ip -6 -o addr show dev eth0 scope link | awk '{print $4}' | cut -d/ -f1; }
settled() { [ -n "$(ll "$1")" ] && ! in_ctr "$1" ip -6 -o addr show dev eth0 | grep -q tentative; }
if wait_until 5 settled a2 && wait_until 5 settled a3; then
	L2=$(ll a2) L3=$(ll a3)
	in_ctr a1 ip -6 addr add "$L2/64" dev eth0 nodad
	echo v6-as-a2 | in_ctr a1 timeout 3 socat -u - "UDP6-SENDTO:[$L3%eth0]:6301,bind=[$L2%eth0]" 2>/dev/null
	sleep 0.5
	known_bug "bpf/container.bpf.c: IPv6 is switched by MAC with no source check; a container can use another's link-local address" \
		check_fails "a1 sending from a2's IPv6 link-local address $L2: nothing reaches a3" \
		got_now "$T/a3v6" v6-as-a2
	in_ctr a1 ip -6 addr del "$L2/64" dev eth0
else
	skip "IPv6 link-local spoofing" "no settled IPv6 link-local address in the containers"
fi

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
known_bug "bpf/host_sock.bpf.c: published ports are translated only in the publishing network's namespaces; other networks' containers get refused" \
	check_http "a1 ($NET) reaches b1's published port at $HOSTIP:$PUB" in_ctr a1 "http://$HOSTIP:$PUB/"
check_fails "...and still not b1 itself" in_ctr a1 curl -sS -m2 -o /dev/null "http://$IPB1/"

for n in "$NET" "$NETB"; do check "down --net $n" eb down --net "$n"; done
finish
