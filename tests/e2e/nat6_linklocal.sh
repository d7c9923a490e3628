#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# nat6_linklocal: a link-local destination never leaves its link. A
# container that sends to the router's link-local address through the
# gateway's MAC (a neighbour entry of its own: the datapath answers no NS
# for it) must not reach the router: out of the uplink, translated to the
# host's IPv6 address, it would reach the router as the host (RFC 4291
# 2.5.6: link-local destinations are never forwarded). Both ways the port
# can be: IPv6 forwarding on (as `up` sets it) and off
# (net.ipv6.conf.all.forwarding=0 written by another tool, when the
# datapath would route by the helper's own lookup). What keeps it in today
# is the kernel: bpf_fib_lookup answers NOT_FWDED for a link-local source
# or destination (rt6_need_strict) before it looks at forwarding, and
# eb_nat6_route gives NOT_FWDED to the host's stack. The capture on the
# router is checked to see such a ping when the host itself sends one.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/nat_lib.sh"
sandbox n6l
sandbox6
T=$(tmpdir)

check "up --ipv6 a" eb up --net "$NET" --subnet 10.67.0.0/24 --subnet6 fd00:67:1::/64 "$(ctr a)"
HMAC=$(mac_of "$HOST" "$(ls_field a host_dev)")
RLL=$(in_rtr ip -6 -o addr show dev down0 scope link | awk '{print $4}' | cut -d/ -f1)
check "the router's uplink side has a link-local address ($RLL)" test -n "$RLL"
check "a: the router's link-local through the gateway's MAC" \
	in_ctr a ip -6 neigh replace "$RLL" lladdr "$HMAC" dev eth0 nud permanent
TO_HOST=$(eb_counter EB_CNT_TO_HOST)

for fwd in 1 0; do
	check "net.ipv6.conf.all.forwarding=$fwd in the host" \
		in_host sysctl -qw net.ipv6.conf.all.forwarding=$fwd
	bg_ns "$RTR" sh -c "timeout 5 tcpdump -l -n -i down0 'icmp6 and ip6[40] == 128' >'$T/rtr$fwd' 2>/dev/null"
	sleep 1
	before=$(stat_packets "$TO_HOST")
	check_fails "forwarding $fwd: a's ping of the router's link-local gets no answer" \
		in_ctr a ping -6 -c 2 -W 1 "$RLL%eth0"
	check "forwarding $fwd: ...it went to the host's stack (to_host +2)" \
		test "$(stat_packets "$TO_HOST")" -ge $((before + 2))
	check "forwarding $fwd: the host's own ping of it is answered (the capture's control)" \
		in_host ping -6 -c 1 -W 2 "$RLL%up0"
	wait
	check_match "forwarding $fwd: the router's capture saw the host's echo request" \
		"$(cat "$T/rtr$fwd")" "ICMP6, echo request"
	check_eq "forwarding $fwd: ...and none from a (only the host's one)" \
		"$(grep -c 'ICMP6, echo request' "$T/rtr$fwd")" 1
done
check "down" eb down --net "$NET"
finish
