/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The datapath's counters, in one list: X(INDEX, NAME, "stats name", "help").
 *
 * INDEX is the ABI of the pinned per-CPU array eb_stats: scripts read it with
 * bpftool by index, and an upgrade in place keeps the map. Append only: a
 * counter is never renumbered nor reused for another meaning. A new drop
 * reason takes the next free index below EB_CNT_DROP_END (40), any other
 * counter the next one from EB_CNT_LAST; then raise EB_CNT_LAST (in
 * maps/ebnet_maps.h). When EB_CNT_MAX must grow, the upgrade grows the map
 * (loader/upgrade.c set_aside_small_stats).
 *
 * From this list: enum eb_counter (maps/ebnet_maps.h, for the programs and
 * the loader), the names and help of `ebnet stats` (loader/stats.c), and the
 * checks that no index is used twice and every one is below EB_CNT_LAST
 * (loader/stats.c, at compile time; tests/unit/test_parse.c: drops and only
 * drops in the drop range, EB_CNT_LAST one past the last).
 */
#ifndef EBNET_COUNTERS_H
#define EBNET_COUNTERS_H

#define EB_COUNTERS(X) \
	X(0, RX, "rx", "frames seen from containers") \
	X(1, ARP_REPLY, "arp_reply", "ARP requests answered by the datapath") \
	X(2, ARP_IGNORED, "arp_ignored", "ARP not answered (own address, unknown target)") \
	X(3, FWD, "forward", "unicast redirected to another container") \
	X(4, FLOOD, "flood", "broadcast/multicast copied to the other ports") \
	X(5, TO_HOST, "to_host", "passed to the host's stack") \
	X(6, SNAT_NEW, "snat_new", "new outbound flows given a NAT binding") \
	X(7, SNAT_OUT, "snat_out", "packets source-translated out of the uplink") \
	X(8, SNAT_IN, "snat_in", "replies translated back into a container") \
	X(9, ICMP_ERR_OUT, "icmp_error_out", "ICMP errors from containers translated") \
	X(10, ICMP_ERR_IN, "icmp_error_in", "ICMP errors from outside translated") \
	X(11, UPLINK_PASS, "uplink_pass", "uplink packets left to the host") \
	X(12, DNAT_NEW, "dnat_new", "new flows from outside to a published port") \
	X(13, DNAT_IN, "dnat_in", "packets from outside translated to a container") \
	X(14, SOCK_XLATE, "sock_translate", "host/container connections translated at connect") \
	X(15, XDP_IN, "xdp_in", "of snat_in/dnat_in: translated in XDP on the uplink") \
	X(16, DROP_MALFORMED, "drop_malformed", "malformed or truncated packet") \
	X(17, DROP_NO_PORT, "drop_no_port", "frame on a port that has no endpoint") \
	X(18, DROP_SPOOF_MAC, "drop_spoof_mac", "source MAC not the container's own") \
	X(19, DROP_SPOOF_IP, "drop_spoof_ip", "source IPv4 not the container's own") \
	X(20, DROP_UNKNOWN_UNICAST, "drop_unknown_unicast", "destination MAC unknown") \
	X(21, DROP_HAIRPIN, "drop_hairpin", "frame addressed to its own sender") \
	X(22, DROP_REDIRECT, "drop_redirect", "the kernel refused the redirect") \
	X(23, DROP_PROTO, "drop_proto", "protocol that cannot be translated") \
	X(24, DROP_NO_ROUTE, "drop_no_route", "no route out of the uplink") \
	X(25, DROP_CT_FULL, "drop_ct_full", "conntrack full: new flow refused") \
	X(26, DROP_NAT_EXHAUSTED, "drop_nat_exhausted", "no free NAT port for the destination") \
	X(27, DROP_FRAG_NEEDED, "drop_frag_needed", "larger than the uplink's MTU") \
	X(28, DROP_FRAGMENT, "drop_fragment", "IPv4 fragment (no ports to translate)") \
	X(29, DROP_NO_CT, "drop_no_ct", "matches no flow (stray segment, stale mapping)") \
	X(30, DROP_ISOLATED, "drop_isolated", "toward another network or interface") \
	X(31, DROP_NOT_IPV4, "drop_not_ipv4", "neither IPv4 nor ARP (nor IPv6 on a network made with --ipv6)") \
	X(32, DROP_UNPUBLISHED, "drop_unpublished", "from the uplink to a container's address (not published)") \
	X(33, DROP_TTL, "drop_ttl", "TTL exhausted (ICMP error, fragment: not answered)") \
	X(34, DROP_SPOOF_IP6, "drop_spoof_ip6", "source IPv6 not the container's own (nor its link-local, nor :: for DAD)") \
	X(35, DROP_IP6_EXTHDR, "drop_ip6_exthdr", "IPv6 extension header (not parsed: dropped whole)") \
	X(36, DROP_IP6_NO_ROUTE, "drop_ip6_no_route", "IPv6 beyond the subnet with no route out (the uplink has no IPv6 address)") \
	X(37, DROP_IP6_MCAST, "drop_ip6_mcast", "IPv6 multicast other than ff02::1 (no MLD snooping)") \
	X(40, XDP_PASS_CSUM, "xdp_pass_csum", "ours, left by XDP to TC: L4 checksum partial or wrong") \
	X(41, DNS_ANSWERED, "dns_answered", "DNS queries answered by the datapath (NXDOMAIN included)") \
	X(42, DNS_NXDOMAIN, "dns_nxdomain", "of dns_answered: NXDOMAIN") \
	X(43, DNS_FORWARDED, "dns_forwarded", "DNS queries sent on to the upstream resolver") \
	X(44, DNS_MALFORMED, "dns_malformed", "malformed DNS queries: dropped or answered FORMERR") \
	X(45, CT_EVICT_HALFOPEN, "ct_evict_halfopen", "half-open TCP flows evicted from a full conntrack") \
	X(46, CT_EVICT_UNASSURED, "ct_evict_unassured", "UDP/ICMP flows not assured evicted from a full conntrack") \
	X(47, CT_FREE_OVER, "ct_free_over", "closed or expired flows freed by a full conntrack") \
	X(48, ICMP_SENT, "icmp_sent", "ICMP errors sent as a router (frag needed, time exceeded)") \
	X(49, ROUTED_NOFIB, "routed_nofib", "out of the uplink without the FIB (forwarding off: ip_forward reset)") \
	X(50, TO_UPLINK, "to_uplink", "to the host's address, no host socket there: via the uplink's programs") \
	X(51, DNS_FAILOVER, "dns_failover", "DNS queries asked again unanswered: sent to the next resolver") \
	X(52, NDP_REPLY, "ndp_reply", "IPv6 neighbour solicitations answered by the datapath") \
	X(53, NDP_IGNORED, "ndp_ignored", "NDP/MLD not answered nor carried (DAD, own address, unknown target, RS, MLD)") \
	X(54, NAT6_NEW, "nat6_new", "new outbound IPv6 flows bound (NAT66, or tracked with --nat6 off)") \
	X(55, NAT6_OUT, "nat6_out", "IPv6 packets sent out of the uplink (source-translated unless --nat6 off)") \
	X(56, NAT6_IN, "nat6_in", "IPv6 replies from the uplink delivered into a container") \
	X(57, ICMP6_ERR_IN, "icmp6_error_in", "ICMPv6 errors from outside translated into a container") \
	X(58, ICMP6_SENT, "icmp6_sent", "ICMPv6 errors sent as a router (packet too big, time exceeded)") \
	X(59, ICMP6_ERR_OUT, "icmp6_error_out", "ICMPv6 errors from containers about their flows, translated out") \
	X(60, NAT6_PASS, "nat6_pass", "IPv6 on the uplink left to the host (not a flow of ours)") \
	X(61, DNAT6_NEW, "dnat6_new", "new IPv6 flows from outside to a published port") \
	X(62, DNAT6_IN, "dnat6_in", "IPv6 packets from outside translated to a container (published ports)")

#endif /* EBNET_COUNTERS_H */
