#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# nat_ipforward: `sysctl -w net.ipv4.ip_forward=1` then `=0` in the host
# namespace (what a VPN client, `sysctl --system` or a network manager
# does) resets every device's forwarding, the containers' ports included.
# Outbound traffic (TCP, UDP, ping, a large DF ping, traceroute's first
# hop) and a published port keep working with no ebnet command run.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/nat_lib.sh"
sandbox ahd

SUB=10.84.0
T=$(tmpdir)
T=$_EB_TMP

check "up a" eb up --net "$NET" --subnet $SUB.0/24 "$(ctr a)"
DEV=$(ls_field a host_dev)
out_server 8080
udp_server 9000
bg_in "$(ctr a)" socat TCP-LISTEN:80,fork,reuseaddr SYSTEM:'echo web'
wait_until 10 listening "$(ctr a)" 80
check "publish 11800:a:80" eb publish "11800:$(ctr a):80"

works() {
	local when=$1
	check_eq "$when: TCP from the container to OUT" \
		"$(in_ctr a socat -t 3 - TCP:$OUT_IP:8080,connect-timeout=3 </dev/null 2>&1)" "from $UPLINK_IP"
	check_match "$when: UDP from the container to OUT" \
		"$(echo hi | in_ctr a socat -t 3 - UDP4:$OUT_IP:9000 2>&1)" "^hi from $UPLINK_IP:"
	check "$when: ping from the container to OUT" in_ctr a ping -c 1 -W 2 $OUT_IP
	check_eq "$when: the published port from OUT" \
		"$(in_out socat -t 3 - TCP:$UPLINK_IP:11800,connect-timeout=3 </dev/null 2>&1)" web
}
works "forwarding as ebnet set it"
check_eq "the container's port forwards (ebnet's per-device setting)" \
	"$(in_host sysctl -n net.ipv4.conf.$DEV.forwarding)" 1

check "ip_forward=1 then =0, in the host namespace" \
	bash -c "nsenter --net=/run/netns/$HOST sysctl -qw net.ipv4.ip_forward=1 && nsenter --net=/run/netns/$HOST sysctl -qw net.ipv4.ip_forward=0"
check_eq "...which reset the port's forwarding to 0" \
	"$(in_host sysctl -n net.ipv4.conf.$DEV.forwarding)" 0
n0=$(nat_stat EB_CNT_ROUTED_NOFIB)
works "after the toggle, no command run"
check "the datapath routed them without the FIB (routed_nofib $n0 -> $(nat_stat EB_CNT_ROUTED_NOFIB))" \
	test "$(nat_stat EB_CNT_ROUTED_NOFIB)" -gt "$n0"
check_match "after the toggle: traceroute's first hop is still the gateway" \
	"$(in_ctr a traceroute -n -q 1 -w 2 -m 2 $OUT_IP 2>&1)" "^ 1  $SUB.1 "
check "after the toggle: the host reaches the container" in_host ping -c 1 -W 2 "$(ls_field a ip)"
ip -n "$HOST" link set up0 mtu 1400
ip -n "$RTR" link set down0 mtu 1400
check_match "after the toggle: a DF ping larger than the uplink gets frag needed (mtu = 1400)" \
	"$(in_ctr a ping -c 1 -W 2 -M do -s 1450 $OUT_IP 2>&1)" "Frag needed and DF set \(mtu = 1400\)"

eb unpublish --net "$NET" 11800 >/dev/null
check "down" eb down --net "$NET"
finish
