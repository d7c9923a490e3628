#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# pub_unpublished: with forwarding on in the host namespace (a host that
# also runs Docker or a VPN), a neighbour on the uplink's network that
# routes the container subnet via the host reaches no container port
# directly: TCP, UDP and ping to the container's own address are dropped
# and counted (drop_unpublished), and nothing arrives on the container's
# eth0. The container's own flows, a published port and the host's direct
# access to its containers keep working.
. "$(dirname "$0")/pub_lib.sh"
. "$(dirname "$0")/nat_lib.sh"
sandbox ahb

SUB=10.82.0
W=$(ctr web)
pub_tmp

check "up web" eb up --net "$NET" --subnet $SUB.0/24 "$W"
IPW=$(ls_field web ip)
bg_log "$W" "$T/tcp.log" socat TCP-LISTEN:80,fork,reuseaddr SYSTEM:'echo web'
bg_log "$W" "$T/udp.log" socat -u UDP4-RECV:6000 OPEN:"$T/udp.got",creat,append
check "servers in web (tcp 80, udp 6000)" wait_until 10 listening "$W" 80

# Global forwarding in the host namespace (never the machine's), and the
# neighbours' routes to the subnet via the host.
check "forwarding on in the host namespace" in_host sysctl -qw net.ipv4.ip_forward=1
check "the router routes $SUB.0/24 via the host" ip -n "$RTR" route add $SUB.0/24 via $UPLINK_IP
C_UNPUB=$(eb_counter EB_CNT_DROP_UNPUBLISHED)
d0=$(stat_packets "$C_UNPUB")

# What arrives on the container's eth0 while the outside probes it.
bg_log "$W" "$T/dump" tcpdump -lni eth0 "tcp port 80 or udp port 6000 or icmp"
sleep 1
check_fails "from outside: TCP to $IPW:80 (unpublished) gets no answer" \
	in_out socat -t 2 - TCP:$IPW:80,connect-timeout=2
echo probe | in_out socat -u - UDP4-SENDTO:$IPW:6000
check_fails "from outside: ping $IPW gets no answer" in_out ping -c 2 -i 0.2 -W 1 $IPW
check_fails "from the router: TCP to $IPW:80 gets no answer" \
	in_rtr socat -t 2 - TCP:$IPW:80,connect-timeout=2
sleep 0.5
check_eq "no probe arrived on the container's eth0" "$(grep -c "$IPW" "$T/dump")" 0
check_fails "the UDP datagram did not reach the container's socket" test -s "$T/udp.got"
d1=$(stat_packets "$C_UNPUB")
check "drop_unpublished counted them ($d0 -> $d1)" test "$d1" -ge $((d0 + 4))
check_match "ebnet stats names the counter" "$(eb stats --net "$NET")" "drop_unpublished +[1-9]"

# What still works.
out_server 8080
check_eq "the container's own flow to the outside gets its replies" \
	"$(in_ctr web socat -t 3 - TCP:$OUT_IP:8080,connect-timeout=3 </dev/null 2>&1)" "from $UPLINK_IP"
check "publish 11700:web:80" eb publish "11700:$W:80"
check_eq "from outside, the published port $UPLINK_IP:11700 reaches it" \
	"$(in_out socat -t 3 - TCP:$UPLINK_IP:11700,connect-timeout=3 </dev/null 2>&1)" web
check_eq "the host reaches the container directly at $IPW:80" \
	"$(in_host socat -t 3 - TCP:$IPW:80,connect-timeout=3 </dev/null 2>&1)" web
check "the host pings it" in_host ping -c 1 -W 2 $IPW
eb unpublish --net "$NET" 11700 >/dev/null

check "down" eb down --net "$NET"
finish
