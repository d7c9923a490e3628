/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The IPv6 maps, a part of the contract of maps/ebnet_maps.h (which
 * includes it at its end: include ebnet_maps.h, not this file).
 */
#ifndef EBNET_MAPS6_H
#define EBNET_MAPS6_H

/*
 * IPv6 (first part: between the containers of a network and with the
 * gateway; nothing routed out yet). Maps of their own: eb_config and
 * eb_endpoints keep their layouts, and a network made before them gains
 * them empty at its next `up` (no IPv6 until `up --ipv6`).
 *
 * eb_config6[0]: the network's IPv6 subnet. flags 0 (or the map absent):
 * the network carries no IPv6 (every IPv6 frame is drop_not_ipv4, as
 * before). A container's address is by default the prefix with the
 * container's IPv4 host number in its last 32 bits (prefix + (ip &
 * ~mask)), or the one given; either is stored in eb_addr6, so a re-up
 * gives it the same one; the gateway's is prefix::1. Written by `ebnet up
 * --ipv6`, read by eb_from_container and `ebnet ls`.
 */
struct eb_config6 {
	__u8 prefix[16];  /* network address */
	__u8 gateway[16]; /* prefix::1, the host's address on every port */
	__u8 plen;	  /* 48..120 */
	__u8 pad[3];
	__u32 flags;	  /* EB_CFG6_* */
	__u8 snat_ip6[16]; /* NAT66: the source of traffic leaving the uplink (the
			    * uplink's global address, or --snat-ip6); all 0 (a
			    * network of the first part): no IPv6 out of the uplink */
	__u32 spare[2];	  /* 0; room for later settings */
};
_Static_assert(sizeof(struct eb_config6) == 64, "eb_config6 layout");

#define EB_CFG6_ON	 (1U << 0) /* the network carries IPv6 */
#define EB_CFG6_NAT6_OFF (1U << 1) /* --nat6 off: routed, the containers' own addresses */

/* eb_ip6: a container's IPv6 address -> its port. Neighbour solicitations
 * for it are answered with mac; a packet from that source is accepted on
 * ifindex only (anti-spoofing). Written by `ebnet up` once the address is
 * on the container's eth0, removed by `ebnet rm`. */
struct eb_ip6_key {
	__u8 addr[16];
};
_Static_assert(sizeof(struct eb_ip6_key) == 16, "eb_ip6_key layout");

struct eb_ip6_ep {
	__u32 ifindex; /* host-side veth */
	__u32 slot;    /* its endpoint's flood_slot */
	EB_IPV4(ip4);  /* its IPv4 address (eb_endpoints' key), network order */
	__u8 mac[6];   /* container eth0 */
	__u8 pad[2];
};
_Static_assert(sizeof(struct eb_ip6_ep) == 20, "eb_ip6_ep layout");

/* eb_addr6: a container's IPv4 address (struct eb_ip_key) -> its IPv6
 * address, as `ebnet up` chose it: given (`up NAME=IPV4,IPV6`), or the
 * prefix + the IPv4 host number (eb_ip6_for()), or, when another
 * container was given that one, the next free address counting up from
 * it. Stored, so that an address that is not derived is still known; the
 * datapath takes it as the container's only while eb_ip6 has it with the
 * same ip4 (eb_ctr_ip6(), bpf/lib/ip6.h). Written by `ebnet up` (and
 * attach) before the container's port is made, as an intent, removed by
 * `ebnet rm`; a network made before it gets it filled from eb_ip6 when
 * `up` upgrades it (loader/upgrade.c). */
#define EB_MAP_ADDR6 "eb_addr6"

struct eb_addr6 {
	__u8 addr[16];
	__u32 flags; /* EB_ADDR6_* */
};
_Static_assert(sizeof(struct eb_addr6) == 20, "eb_addr6 layout");

#define EB_ADDR6_GIVEN (1U << 0) /* given by `up NAME=IPV4,IPV6` (else chosen by ebnet) */

/*
 * IPv6 conntrack and NAT66: eb_ct6_tcp (TCP) and eb_ct6_other (UDP,
 * ICMPv6 echo), apart from the IPv4 maps (128-bit keys would double
 * theirs). The same two entries per flow as struct eb_ct_entry says, keyed
 * by struct eb_ct6_key: addresses as 16 bytes as on the wire, ports in
 * network order, ICMPv6 echo's identifier as the port (sport on the
 * container side, dport on the outside side, the other 0), proto 6, 17 or
 * 58. The value holds a whole struct eb_ct_entry, so that the IPv4 rules
 * (state, lifetime, expiry, counters: bpf/lib/ct.h, ct_flow.h, loader/ct.c) apply to
 * it as they are: its ct.kind, ct.state, ct.xport, ct.ifindex, times and
 * counters are used, its ct.peer and ct.xaddr are 0; the IPv6 peer key and
 * translated address follow it. With --nat6 off the binding is the
 * identity (xaddr:xport the container's own): the flow is tracked, so
 * that only its replies come in. Sizes: those of eb_ct_tcp and
 * eb_ct_other (--ct-tcp-size, --ct-other-size); not preallocated, so a
 * network without IPv6 flows spends no memory on them. Flows from outside
 * to a published port (eb_dnat6_new) have the kinds EB_CT_DNAT_*; one to
 * a container without IPv6 (bpf/lib/nat46.h) has its container side keyed
 * by ::ffff:-mapped IPv4 addresses (container -> gateway:NAT port), and an
 * outside side whose xaddr is ::ffff:CONTAINER. Written by the datapath;
 * removed by the sweeper and `ebnet gc`.
 */
/* Ports in network order, as in struct eb_ct_key and for its reason. */
struct eb_ct6_key {
	__u8 src[16];
	__u8 dst[16];
	__u16 sport; /* network order */
	__u16 dport;
	__u8 proto;  /* IPPROTO_TCP, IPPROTO_UDP, IPPROTO_ICMPV6 */
	__u8 pad[3];
};
_Static_assert(sizeof(struct eb_ct6_key) == 40, "eb_ct6_key layout");

struct eb_ct6_entry {
	struct eb_ct_entry ct;	/* kind, state, xport, ifindex, times, counters */
	struct eb_ct6_key peer; /* the flow's other key */
	__u8 xaddr[16];		/* container side: new source; outside side: new destination */
};
_Static_assert(sizeof(struct eb_ct6_entry) == 136, "eb_ct6_entry layout");

/*
 * Published ports over IPv6, from the host and from containers (the cgroup
 * connect6/sendmsg6/recvmsg6/getpeername6 programs). Maps of their own:
 * eb_pub_ports and eb_sock_rev keep their layouts.
 *
 * eb_pub_ports6: a port published on one IPv6 address of the host
 * (`ebnet publish [ADDR]:PORT:CTR:PORT`; [::1]: the host only) -> its
 * container, the value as eb_pub_ports'. The container's IPv6 address is
 * eb_addr6's for ctr_ip, and publish refuses a container that has none.
 * A plain publish (no host address) is the eb_pub_ports entry of host_ip 0,
 * and covers the host's IPv6 addresses too: there is no "::" key here.
 * Written by `ebnet publish`/`unpublish`/`rm`.
 */
#define EB_MAP_PUBLISHED6 "eb_pub_ports6"
#define EB_MAP_SOCK_REV6  "eb_sock_rev6"
#define EB_MAP_HOST6	  "eb_host6"

struct eb_pub6_key {
	__u8 host_ip6[16]; /* never :: (a plain publish is eb_pub_ports') */
	__u16 host_port;   /* host order */
	__u8 proto;	   /* IPPROTO_TCP or IPPROTO_UDP */
	__u8 pad;
};
_Static_assert(sizeof(struct eb_pub6_key) == 20, "eb_pub6_key layout");

/* eb_sock_rev6: (socket cookie, the address connect6/sendmsg6 gave the
 * socket) -> the address it asked for, as eb_sock_rev for IPv4. ctr_ip6 is
 * the container's IPv6 address, or ::ffff:IPV4 when the socket reached an
 * IPv4-only container through a v4-mapped address. LRU. */
struct eb_sock_rev6_key {
	__u64 cookie;
	__u8 ctr_ip6[16];
	__u16 ctr_port; /* network order */
	__u8 pad[6];
};
_Static_assert(sizeof(struct eb_sock_rev6_key) == 32, "eb_sock_rev6_key layout");

struct eb_sock_rev6_val {
	__u8 ip6[16];
	__u16 port;
	__u16 pad;
};
_Static_assert(sizeof(struct eb_sock_rev6_val) == 20, "eb_sock_rev6_val layout");

/* eb_host6: an IPv6 address of the host (struct eb_ip6_key) -> 1. A plain
 * publish answers at these (and at the network's gateway6, and at ::1 from
 * the host), as an IPv4 one answers at the uplink's address and the
 * gateway. Every global and unique-local address of the namespace ebnet
 * runs in, as `ebnet publish` (and `up`) last found them: link-local and
 * ::1 are not listed. */
#define EB_HOST6_MAX 256

#endif /* EBNET_MAPS6_H */
