#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# l2: what the bridge used to do. Broadcast reaches the other containers of
# the network (and no other network); a container that lies about its MAC or
# IPv4 address gets nothing through, and the spoof counters say so; ARP is
# answered by the datapath: the gateway with the host-side veth's MAC, the
# container's own address never.
. "$(dirname "$0")/../lib.sh"
sandbox tl2

SUB=10.85.0
NET2=${NET}2
track_net "$NET2"
T=$(tmpdir)

C_FLOOD=$(eb_counter EB_CNT_FLOOD)
C_SPOOF_MAC=$(eb_counter EB_CNT_DROP_SPOOF_MAC)
C_SPOOF_IP=$(eb_counter EB_CNT_DROP_SPOOF_IP)
C_ARP_IGN=$(eb_counter EB_CNT_ARP_IGNORED)

check "up four containers" eb up --net "$NET" --subnet $SUB.0/24 "$(ctr a)" "$(ctr b)" "$(ctr c)" "$(ctr d)"
check "up a container of another network in the same host" \
	eb up --net "$NET2" --subnet 10.86.0.0/24 "$(ctr e)"
IPA=$(ls_field a ip) IPB=$(ls_field b ip) IPC=$(ls_field c ip) IPD=$(ls_field d ip)

# udp_listen CTR PORT FILE: a UDP receiver (any address, broadcasts too).
udp_listen() {
	bg_ns "$(ctr "$1")" timeout 8 socat -u "UDP-RECV:$2,reuseaddr" "OPEN:$3,creat,append"
}
udp_wait() { wait_until 5 bash -c "[ -n \"\$(ip netns exec $1 ss -Huln 'sport = :$2')\" ]"; }

# ---- broadcast ----
for dst in 255.255.255.255 $SUB.255; do
	: >"$T/b" >"$T/c" >"$T/a" >"$T/e"
	for x in a b c e; do udp_listen $x 6000 "$T/$x"; done
	for x in a b c e; do udp_wait "$(ctr $x)" 6000; done
	f0=$(stat_packets "$C_FLOOD")
	echo "hello-$dst" | in_ctr d socat -u - "UDP-DATAGRAM:$dst:6000,broadcast"
	for x in b c a; do
		check "broadcast to $dst from d reaches $x" wait_until 3 grep -q "hello-$dst" "$T/$x"
	done
	sleep 0.3
	check_fails "broadcast to $dst does not reach a container of another network" \
		grep -q "hello" "$T/e"
	f1=$(stat_packets "$C_FLOOD")
	check "the flood counter rose ($f0 -> $f1)" test "$f1" -gt "$f0"
	for p in $_EB_PIDS; do kill "$p" 2>/dev/null; done
	wait 2>/dev/null
	_EB_PIDS=
done

# ---- ARP answered by the datapath ----
check "a pings the gateway" in_ctr a ping -c1 -W2 $SUB.1
HDEV=$(ls_field a host_dev)
HMAC=$(mac_of "$HOST" "$HDEV")
check_eq "ls --json gateway_mac of a is its host device's MAC" "$(ls_field a gateway_mac)" "$HMAC"
check_match "ip neigh in a: the gateway's MAC is the host device's MAC" \
	"$(in_ctr a ip neigh show $SUB.1 dev eth0)" "^$SUB\.1 lladdr $HMAC "
check "a pings b" in_ctr a ping -c1 -W2 "$IPB"
check_match "ip neigh in a: b's MAC is b's eth0 MAC" \
	"$(in_ctr a ip neigh show "$IPB" dev eth0)" "^$IPB lladdr $(ls_field b mac) "

if command -v arping >/dev/null; then
	out=$(in_ctr a arping -c1 -w3 -I eth0 $SUB.1 2>&1)
	check_match "arping the gateway: answered with the host device's MAC" "$out" \
		"reply from $SUB\.1 \[${HMAC^^}\]"
	out=$(in_ctr a arping -c1 -w3 -I eth0 "$IPC" 2>&1)
	check_match "arping c: answered with c's MAC" "$out" "reply from $IPC \[$(ls_field c mac | tr a-f A-F)\]"
	i0=$(stat_packets "$C_ARP_IGN")
	check_fails "arping a's own address from a: no answer" \
		in_ctr a arping -c2 -w2 -I eth0 "$IPA"
	check "arping -D (duplicate address detection) of a's own address: no duplicate" \
		in_ctr a arping -D -c2 -w2 -I eth0 "$IPA"
	check_fails "arping an address nobody has: no answer" in_ctr a arping -c1 -w2 -I eth0 $SUB.200
	i1=$(stat_packets "$C_ARP_IGN")
	check "the ARP-ignored counter rose ($i0 -> $i1)" test "$i1" -ge $((i0 + 3))
else
	skip "arping" "not installed (apt-get install iputils-arping)"
fi

# ---- spoofing: another source MAC ----
# d knows b's MAC for good, so that only the source MAC changes.
in_ctr d ip neigh replace "$IPB" lladdr "$(ls_field b mac)" dev eth0 nud permanent
: >"$T/b"
udp_listen b 6001 "$T/b"
udp_wait "$(ctr b)" 6001
echo before | in_ctr d socat -u - "UDP-SENDTO:$IPB:6001"
check "d reaches b before it changes its MAC" wait_until 3 grep -q before "$T/b"
m0=$(stat_packets "$C_SPOOF_MAC")
DMAC=$(ls_field d mac)
in_ctr d ip link set dev eth0 address 02:00:5e:00:53:99
echo spoofed-mac | in_ctr d socat -u - "UDP-SENDTO:$IPB:6001"
check_fails "d with a changed MAC cannot ping b" in_ctr d ping -c2 -i0.2 -W1 "$IPB"
check_fails "d with a changed MAC cannot ping the gateway" in_ctr d ping -c1 -W1 $SUB.1
sleep 0.3
check_fails "b received nothing sent from the changed MAC" grep -q spoofed-mac "$T/b"
m1=$(stat_packets "$C_SPOOF_MAC")
check "the spoofed-MAC drop counter rose ($m0 -> $m1)" test "$m1" -ge $((m0 + 3))
in_ctr d ip link set dev eth0 address "$DMAC"
check "d with its own MAC back pings b again" in_ctr d ping -c1 -W2 "$IPB"

# ---- spoofing: an address the container does not own ----
in_ctr d ip addr add $SUB.77/24 dev eth0
p0=$(stat_packets "$C_SPOOF_IP")
echo spoofed-ip | in_ctr d socat -u - "UDP-SENDTO:$IPB:6001,bind=$SUB.77"
check_fails "d cannot ping b from an address it does not own" \
	in_ctr d ping -c2 -i0.2 -W1 -I $SUB.77 "$IPB"
check_fails "d cannot ping the gateway from an address it does not own" \
	in_ctr d ping -c1 -W1 -I $SUB.77 $SUB.1
sleep 0.3
check_fails "b received nothing sent from the foreign address" grep -q spoofed-ip "$T/b"
p1=$(stat_packets "$C_SPOOF_IP")
check "the spoofed-IP drop counter rose ($p0 -> $p1)" test "$p1" -ge $((p0 + 3))
check "d still pings b from its own address" in_ctr d ping -c1 -W2 -I "$IPD" "$IPB"

for n in "$NET" "$NET2"; do check "down --net $n" eb down --net "$n"; done
finish
