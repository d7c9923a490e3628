/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The contract between the datapath (bpf/) and user space (loader/, tools/).
 *
 * Every key and value struct of every pinned map is declared here, once, and
 * included by both sides. Sizes are asserted so that a change of layout is
 * seen at build time; a changed layout must get a new map name (the kernel
 * refuses to reuse a pinned map of another layout, and the loader says so).
 *
 * Byte order: IPv4 addresses are kept in network byte order, as they are on
 * the wire, and so are the L4 ports of the maps that the datapath compares
 * with packet headers on every packet (conntrack, fragments, sockets, DNS);
 * the ports of the published-port maps (eb_pub_ports, eb_pub_ports6,
 * eb_pub_stats: written by people, read by people with bpftool) and
 * everything else are host order. Every IPv4
 * address is declared with EB_IPV4(), a union of the __u32 that the code
 * uses and its four bytes, so that bpftool (which prints from BTF) shows
 * `"ip_bytes": [10,77,0,2]` beside `"ip": 33574154`: same layout, same
 * instructions, nothing to migrate.
 *
 * Callers zero every key (padding included) before use.
 */
#ifndef EBNET_MAPS_H
#define EBNET_MAPS_H

#include <linux/types.h>
#include "ebnet_counters.h"

/* An IPv4 address (network order) that bpftool also prints as bytes. */
#define EB_IPV4(f)                                                                                 \
	union {                                                                                    \
		__u32 f;                                                                           \
		__u8 f##_bytes[4];                                                                 \
	}

/* Pinned file names: one source for the loader, the CLI, docs and tests. */
#define EB_MAP_CONFIG	 "eb_config"
#define EB_MAP_ENDPOINTS "eb_endpoints"
#define EB_MAP_PORTS	 "eb_ports"
#define EB_MAP_FDB	 "eb_fdb_v2"
#define EB_MAP_FLOOD	 "eb_flood"
#define EB_MAP_STATS	 "eb_stats"
#define EB_MAP_CT_TCP	 "eb_ct_tcp"
#define EB_MAP_CT_OTHER	 "eb_ct_other"
#define EB_MAP_PUBLISHED "eb_pub_ports"
#define EB_MAP_SOCK_REV	 "eb_sock_rev"
#define EB_MAP_NETNS	 "eb_netns"
#define EB_MAP_CTR_STATS "eb_ctr_slots"
#define EB_MAP_PORT_STATS "eb_pub_stats"
#define EB_MAP_EVENTS	 "eb_events"
#define EB_MAP_MONITOR	 "eb_monitor"
#define EB_MAP_BUILD	 "eb_build"
#define EB_MAP_FRAGS	 "eb_frags"
#define EB_MAP_NAMES	 "eb_names"
#define EB_MAP_NAMES_REV "eb_names_rev"
#define EB_MAP_DNS	 "eb_dns"
#define EB_MAP_DNS_FWD	 "eb_dns_fwd"
#define EB_MAP_DNS_TRY	 "eb_dns_try"
#define EB_MAP_CT_CONF	 "eb_ct_conf"
#define EB_MAP_CONFIG6	 "eb_config6"
#define EB_MAP_IP6	 "eb_ip6"
#define EB_MAP_GC	 "eb_gc" /* bpf/gc.bpf.c alone */
#define EB_MAP_CT6_TCP	 "eb_ct6_tcp"
#define EB_MAP_CT6_OTHER "eb_ct6_other"

/* Maps of earlier builds, of another layout. `ebnet up` carries what they
 * hold over to the maps that replaced them when it upgrades a network, then
 * removes them. */
#define EB_MAP_OLD_FDB	     "eb_fdb"	    /* MAC -> {ifindex}; now eb_fdb_v2 */
#define EB_MAP_OLD_CTR_STATS "eb_ctr_stats" /* per-CPU hash by ifindex; now eb_ctr_slots */
#define EB_MAP_OLD_STATS     "eb_stats_old" /* eb_stats of fewer entries (48), moved aside
					    * while the grown eb_stats takes its name */
/* The published-port maps with their ports in network order; now
 * eb_pub_ports, eb_pub_ports6, eb_pub_stats (ports in host order). */
#define EB_MAP_OLD_PUBLISHED	"eb_published"
#define EB_MAP_OLD_PUBLISHED6	"eb_published6"
#define EB_MAP_OLD_PORT_STATS	"eb_port_stats"

#define EB_PIN_ROOT	 "/sys/fs/bpf/ebnet"

#define EB_MAX_ENDPOINTS 1024 /* containers per network */
#define EB_NAME_LEN	 32   /* container name, NUL included */
#define EB_IFNAME_LEN	 16   /* IFNAMSIZ */

/* Sizes (max_entries) that more than the map's definition knows. */
#define EB_CT_TCP_ENTRIES   65536 /* eb_ct_tcp, unless `up --ct-size` says */
#define EB_CT_OTHER_ENTRIES 32768 /* eb_ct_other, likewise */
#define EB_PUB_MAX	    65536 /* eb_pub_ports, eb_pub_stats: published ports */
#define EB_SOCK_REV_ENTRIES 65536 /* eb_sock_rev: translated host sockets */

/* eb_config[0]: the network's settings. Written by `ebnet up` when it
 * creates the network (and when a setting changes), read by every program. */
struct eb_config {
	EB_IPV4(subnet);      /* network address, network order */
	EB_IPV4(mask);	      /* netmask, network order */
	EB_IPV4(gateway);     /* the host's address in the network */
	__u32 uplink_ifindex; /* 0: no uplink */
	EB_IPV4(snat_ip);     /* source for traffic leaving the uplink */
	__u32 flags;	      /* EB_CFG_* */
	__u32 flood_max;      /* eb_flood slots in use are below this */
	__u8 uplink_mac[6];
	__u8 prefix_len;
	__u8 pad;
	__u16 nat_port_min;   /* SNAT source ports, host order; kept apart */
	__u16 nat_port_max;   /* from the host's ephemeral range */
	/* Conntrack lifetimes in seconds (see struct eb_ct_entry). */
	__u32 ct_tcp_syn;     /* TCP, no reply seen yet */
	__u32 ct_tcp_est;     /* TCP, both directions seen */
	__u32 ct_tcp_close;   /* TCP, FIN both ways or RST */
	__u32 ct_udp;	      /* UDP (and other) flows */
	__u32 ct_icmp;	      /* ICMP echo */
	__u32 ct_tcp_size;    /* max entries of eb_ct_tcp, as loaded */
	__u32 ct_other_size;  /* max entries of eb_ct_other, as loaded */
};
_Static_assert(sizeof(struct eb_config) == 68, "eb_config layout");

#define EB_CFG_CLSACT	      (1U << 0) /* made with --attach clsact: clsact everywhere */
#define EB_CFG_UPLINK_CLSACT  (1U << 1) /* eb_from_uplink attached with clsact */
#define EB_CFG_UPLINK_QDISC   (1U << 2) /* ...on a clsact qdisc that ebnet added */
#define EB_CFG_TCX	      (1U << 3) /* made with --attach tcx: tcx on container ports too */
#define EB_CFG_XDP_OFF	      (1U << 4) /* --xdp off (and the default): no XDP */
#define EB_CFG_XDP_NATIVE     (1U << 5) /* --xdp native: XDP or an error */
#define EB_CFG_XDP	      (1U << 6) /* eb_xdp_uplink is attached to the uplink */
#define EB_CFG_XDP_AUTO	      (1U << 7) /* --xdp auto (no bit of the three: off) */

/* One container's port. The same record is stored under two keys:
 * eb_endpoints: container IPv4 -> endpoint (ARP answers, `ebnet ls`)
 * eb_ports:     host-side ifindex -> endpoint (anti-spoofing, source port)
 * Written by `ebnet up`, removed by `ebnet rm` and `ebnet down`. */
struct eb_endpoint {
	EB_IPV4(ip);	    /* container address, network order */
	__u32 ifindex;	    /* host-side veth; 0 while being created */
	__u8 mac[6];	    /* container eth0 */
	__u8 host_mac[6];   /* host-side veth: the gateway's MAC for this port */
	__u32 flood_slot;   /* index in eb_flood and eb_ctr_slots */
	__u32 flags;	    /* EB_EP_* */
	char name[EB_NAME_LEN];
	char host_dev[EB_IFNAME_LEN];
};
_Static_assert(sizeof(struct eb_endpoint) == 76, "eb_endpoint layout");

#define EB_EP_READY  (1U << 0) /* fully created; clear: a create was interrupted */
#define EB_EP_CLSACT (1U << 1) /* program attached with clsact (else a pinned tcx link) */
/* A namespace that another tool made (`ebnet attach`, CNI, Docker): not
 * /run/netns/NAME, never removed by ebnet; its runtime id and namespace
 * are in the state dir (loader/attach_state.c). */
#define EB_EP_ATTACHED (1U << 2)

struct eb_ip_key {
	EB_IPV4(addr); /* network order */
};

struct eb_ifindex_key {
	__u32 ifindex;
};

/* eb_fdb_v2: container MAC -> host-side port and its slot. The bridge's
 * forwarding database, static: written by `ebnet up` with the endpoint,
 * never learned. (eb_fdb, of earlier builds, held the ifindex only.) */
struct eb_mac_key {
	__u8 mac[6];
	__u8 pad[2];
};
_Static_assert(sizeof(struct eb_mac_key) == 8, "eb_mac_key layout");

struct eb_fdb_entry {
	__u32 ifindex; /* host-side veth of the container that owns the MAC */
	__u32 slot;    /* its endpoint's flood_slot: its index in eb_ctr_slots */
};
_Static_assert(sizeof(struct eb_fdb_entry) == 8, "eb_fdb_entry layout");

/* eb_flood: slot -> host-side ifindex (0: free). Broadcast and multicast
 * are copied to every port listed here but the one they came from. */

/* eb_stats: per-CPU counters, indexed by enum eb_counter, made from the one
 * list in maps/ebnet_counters.h (which says how to add one: append only).
 * Drops are the datapath's negative error codes (-EB_DROP_*) turned into
 * an index at the program's single exit. */
enum eb_counter {
#define EB_CNT_ENUM(idx, name, text, help) EB_CNT_##name = idx,
	EB_COUNTERS(EB_CNT_ENUM)
#undef EB_CNT_ENUM
	EB_CNT_DROP_FIRST = 16, /* drop reasons are EB_CNT_DROP_FIRST.. */
	EB_CNT_DROP_END = 40,	/* ..below this */
	EB_CNT_LAST = 63,	/* one past the last counter in use */
	EB_CNT_MAX = 96,	/* eb_stats' size (builds before 2026-12-03: 48) */
};

_Static_assert(EB_CNT_LAST <= EB_CNT_MAX, "enum eb_counter: eb_stats has room");

/* Drop reasons as the datapath returns them: negative, below any TC verdict. */
#define EB_DROP(cnt) (-(int)(cnt)-1000)
#define EB_DROP_TO_COUNTER(ret) ((-(ret)) - 1000)

struct eb_counter_val {
	__u64 packets;
	__u64 bytes;
};

/*
 * Conntrack and NAT: eb_ct_tcp (TCP) and eb_ct_other (UDP, ICMP echo). Hash
 * maps, not LRU: when a map is full a new flow is refused and counted
 * (EB_CNT_DROP_CT_FULL) instead of silently evicting a live flow. Expired
 * entries are treated as absent by the datapath and removed by `ebnet gc`
 * and by `ebnet up`'s in-kernel sweeper.
 *
 * A flow has two entries:
 *  - the container-side one, keyed by the tuple as the container sends it
 *    (src = container). It owns the flow's state, times and counters, and
 *    says what to rewrite the source to (xaddr:xport).
 *  - the outside-side one, keyed by the tuple as it arrives from outside
 *    (dst = the NAT address). It says what to rewrite the destination to
 *    and which port to deliver to; `peer` is the container-side key.
 * ICMP echo uses its identifier as a port: sport = id for the container
 * side's key, dport = id for the outside side's (the other port is 0).
 */
/* Ports here stay in network order (unlike the published-port maps'): the
 * datapath compares and copies them against packet headers on every
 * packet, so a byte swap there would cost on the hot path for a key only
 * tools read; `ebnet ct` prints them. */
struct eb_ct_key {
	EB_IPV4(src); /* network order */
	EB_IPV4(dst);
	__u16 sport; /* network order */
	__u16 dport;
	__u8 proto;
	__u8 pad[3];
};
_Static_assert(sizeof(struct eb_ct_key) == 16, "eb_ct_key layout");

struct eb_ct_entry {
	struct eb_ct_key peer; /* the flow's other key */
	EB_IPV4(xaddr);        /* container side: new source; outside side: new destination */
	__u16 xport;	       /* likewise, network order */
	__u8 kind;	       /* EB_CT_* */
	__u8 state;	       /* EB_CTS_* bits; kept in the container-side entry */
	__u32 ifindex;	       /* the container's host-side port */
	union {
		__u32 pub_key; /* outside side of a DNAT flow: its published key's address
				* was 0 (EB_CT_PUB_ANY) or this one (EB_CT_PUB_ADDR), so its
				* counters need no lookup of eb_pub_ports; 0 unknown */
		__u32 tcp_ack; /* container side of a TCP flow: the responder's SYN-ACK
				* sequence number + 1 (host order), which the originator's
				* ACK must acknowledge (EB_CTS_SYNACK) */
	};
	__u64 created;	       /* bpf_ktime_get_ns(), CLOCK_MONOTONIC */
	__u64 last_seen;
	__u64 packets[2];      /* [0] from the container, [1] to it */
	__u64 bytes[2];
};
_Static_assert(sizeof(struct eb_ct_entry) == 80, "eb_ct_entry layout");

#define EB_CT_PUB_ANY  1
#define EB_CT_PUB_ADDR 2

#define EB_CT_SNAT_CTR 1 /* container side of an outbound (SNAT) flow */
#define EB_CT_SNAT_OUT 2 /* outside side of an outbound flow */
#define EB_CT_DNAT_CTR 3 /* container side of a flow to a published port */
#define EB_CT_DNAT_OUT 4 /* outside side of a flow to a published port */

#define EB_CTS_FIN_CTR	  (1U << 1)
#define EB_CTS_FIN_OUT	  (1U << 2)
#define EB_CTS_RST	  (1U << 3)

/* Both sides have sent (a flow of a build before EB_CTS_TRACKED is
 * established then). */
#define EB_CTS_SEEN_REPLY (1U << 0) /* a packet from the outside side */
#define EB_CTS_SEEN_CTR	  (1U << 4) /* a packet from the container side */

/*
 * TCP's handshake, as Linux conntrack follows it (the originator is the
 * container for EB_CT_SNAT_*, the outside for EB_CT_DNAT_*):
 *   SYN_SENT     the originator's SYN only           ct_tcp_syn
 *   SYN_RECV     the responder's SYN-ACK seen       eb_ct_conf.tcp_syn_recv
 *   ESTABLISHED  the originator acked that SYN-ACK  ct_tcp_est
 *                (its ack number is tcp_ack, up to a window further)
 *   FIN_WAIT     a FIN one way                      eb_ct_conf.tcp_fin
 *   CLOSE        FIN both ways, or RST              ct_tcp_close
 * A spoofed SYN that the container answers stays SYN_RECV: the spoofer
 * never sees the SYN-ACK, so it cannot ack it, and the entry goes after
 * 60 s, or at once when the map is full (early drop, bpf/lib/ct.h).
 * EB_CTS_TRACKED marks the flows made by a build that follows the
 * handshake; flows of an earlier build (upgrade in place) keep that
 * build's rule: established once both sides have sent.
 */
#define EB_CTS_TRACKED	  (1U << 5)
#define EB_CTS_SYNACK	  (1U << 6) /* TCP: SYN_RECV (tcp_ack holds what to ack) */
/* Assured: TCP established; UDP and ICMP replied and still used 2 s after
 * it began (Linux's UDP "stream" rule: a DNS query and its answer are not
 * assured). A full map never evicts an assured flow. */
#define EB_CTS_ASSURED	  (1U << 7)

#define EB_CT_STREAM_S	  2	  /* UDP/ICMP: assured after this long with a reply */
/* An outside-side SNAT entry whose container-side entry is missing is an
 * orphan (its flow was freed half-way), and its port may be taken again,
 * but only once it is this old: eb_snat_bind claims the port (inserts the
 * outside-side entry) before it inserts the container-side one, and a
 * second CPU that took the claim for an orphan in between gave the same
 * NAT port to two flows (two containers' SYNs from the same port at once:
 * the first one's replies went to the second, and it timed out). */
#define EB_CT_CLAIM_GRACE_S 1
#define EB_CT_ACK_WINDOW  65535 /* an ACK of the SYN-ACK acks at most this much more
				 * (data the responder sent at once: the SYN's window
				 * is never scaled) */

/* eb_ct_conf[0]: conntrack settings added after eb_config's layout was
 * fixed (a new map rather than eb_config_v2: every program reads
 * eb_config, and an upgrade in place creates a new map empty). 0 means
 * the default below, so a network upgraded from an earlier build needs no
 * migration. Written by `ebnet up` when it creates the network. */
struct eb_ct_conf {
	__u32 tcp_syn_recv; /* s, SYN_RECV; 0: EB_CT_DEF_SYN_RECV */
	__u32 tcp_fin;	    /* s, FIN one way; 0: EB_CT_DEF_FIN */
	__u32 spare[6];	    /* 0; room for later settings */
};
_Static_assert(sizeof(struct eb_ct_conf) == 32, "eb_ct_conf layout");

/* Defaults, as Linux's nf_conntrack (net/netfilter/nf_conntrack_proto_tcp.c):
 * SYN_SENT 120 s, SYN_RECV 60 s, FIN_WAIT 120 s; ESTABLISHED is 5 days there
 * and 6 h here (a NAT binding of a dead peer should not hold a port for
 * days); CLOSE 10 s (TIME_WAIT is 120 s there, but the NAT port of a
 * closed flow is wanted back soon). */
#define EB_CT_DEF_SYN_SENT 120
#define EB_CT_DEF_SYN_RECV 60
#define EB_CT_DEF_FIN	   120
#define EB_CT_DEF_EST	   (6 * 3600)
#define EB_CT_DEF_CLOSE	   10
/* UDP (and other) flows, and ICMP echo: eb_config's ct_udp and ct_icmp. */
#define EB_CT_DEF_UDP	   60
#define EB_CT_DEF_ICMP	   30

static inline __attribute__((always_inline)) int eb_ct_closed(__u8 state)
{
	return (state & EB_CTS_RST) ||
	       (state & (EB_CTS_FIN_CTR | EB_CTS_FIN_OUT)) == (EB_CTS_FIN_CTR | EB_CTS_FIN_OUT);
}

/* Never evicted by a full map (see EB_CTS_ASSURED). 6 = TCP. */
static inline __attribute__((always_inline)) int eb_ct_assured(__u8 state, __u8 proto)
{
	const __u8 both = EB_CTS_SEEN_REPLY | EB_CTS_SEEN_CTR;

	if (proto == 6 && !(state & EB_CTS_TRACKED))
		return (state & both) == both;
	return (state & EB_CTS_ASSURED) != 0;
}

/* A flow's lifetime in seconds, by protocol and (TCP) state: the one rule
 * for the datapath, the sweeper and `ebnet ct`/`gc`. 6 = TCP, 1 = ICMP.
 * cc may be NULL (the defaults). */
static inline __attribute__((always_inline)) __u32
eb_ct_lifetime_s(__u8 state, __u8 proto, const struct eb_config *cfg,
		 const struct eb_ct_conf *cc)
{
	const __u8 both = EB_CTS_SEEN_REPLY | EB_CTS_SEEN_CTR;

	if (proto == 6) {
		if (eb_ct_closed(state))
			return cfg->ct_tcp_close;
		if (!(state & EB_CTS_TRACKED))
			return (state & both) == both ? cfg->ct_tcp_est : cfg->ct_tcp_syn;
		if (state & (EB_CTS_FIN_CTR | EB_CTS_FIN_OUT))
			return cc && cc->tcp_fin ? cc->tcp_fin : EB_CT_DEF_FIN;
		if (state & EB_CTS_ASSURED)
			return cfg->ct_tcp_est;
		if (state & EB_CTS_SYNACK)
			return cc && cc->tcp_syn_recv ? cc->tcp_syn_recv : EB_CT_DEF_SYN_RECV;
		return cfg->ct_tcp_syn;
	}
	return proto == 1 || proto == 58 ? cfg->ct_icmp : cfg->ct_udp; /* ICMP, ICMPv6 */
}

/*
 * eb_pub_ports: a published port -> its container. Written by `ebnet
 * publish`/`unpublish`; read by eb_from_uplink (DNAT of new flows from
 * outside) and by the cgroup sock_addr programs (the host's and the
 * containers' own connections, translated at connect time).
 * host_ip 0 is every address of the host; 127.0.0.1 the host only.
 */
struct eb_pub_key {
	EB_IPV4(host_ip); /* network order; 0: any */
	__u16 host_port; /* host order (8080 is 8080 in bpftool's dump) */
	__u8 proto;	 /* IPPROTO_TCP or IPPROTO_UDP */
	__u8 pad;
};
_Static_assert(sizeof(struct eb_pub_key) == 8, "eb_pub_key layout");

struct eb_pub_val {
	EB_IPV4(ctr_ip); /* network order */
	__u16 ctr_port; /* host order */
	__u16 pad;
	__u32 ifindex;	/* the container's host-side port */
	__u32 pad2;
	__u64 conns;	/* new flows from outside (datapath) */
	__u64 local;	/* connections translated at connect time */
	char name[EB_NAME_LEN];
};
_Static_assert(sizeof(struct eb_pub_val) == 64, "eb_pub_val layout");

/* eb_sock_rev: (socket cookie, container ip:port) -> the address the
 * socket asked for. Written by connect4/sendmsg4 when they translate, read
 * by recvmsg4 and getpeername4 so that the application sees the address it
 * used; only translated sockets are answered this way. LRU: entries of
 * closed sockets age out. */
struct eb_sock_rev_key {
	__u64 cookie;
	EB_IPV4(ctr_ip);
	__u16 ctr_port;
	__u16 pad;
};
_Static_assert(sizeof(struct eb_sock_rev_key) == 16, "eb_sock_rev_key layout");

struct eb_sock_rev_val {
	EB_IPV4(ip);
	__u16 port;
	__u16 pad;
};

/* eb_netns: network namespace cookie -> EB_NS_*. The sock_addr programs
 * act only inside these namespaces. Written by `ebnet up`. */
#define EB_NS_HOST	1 /* where ebnet runs: reaches published ports at 127.0.0.1 too */
#define EB_NS_CONTAINER 2

/* eb_ctr_slots: a port's slot (its endpoint's flood_slot) -> a container's
 * traffic, per CPU. A per-CPU array, so that the datapath's access is an
 * inlined array index rather than a hash lookup. "from" is what the
 * container sent, "to" what was delivered to it by the datapath. `ebnet up`
 * zeroes a slot when it gives it to a container, `ebnet rm` when the
 * container goes. (eb_ctr_stats, of earlier builds, was a per-CPU hash
 * keyed by the host-side ifindex.) */
struct eb_ctr_counters {
	__u64 from_packets;
	__u64 from_bytes;
	__u64 to_packets;
	__u64 to_bytes;
};

/* eb_pub_stats: struct eb_pub_key -> struct eb_counter_val, per CPU:
 * packets and bytes from outside to a published port. Made by the
 * datapath, removed by `ebnet unpublish`. */

/* eb_events: a ring buffer of struct eb_event (and struct eb_event6) for
 * `ebnet monitor`.
 * eb_monitor[0]: CLOCK_MONOTONIC ns until which someone listens; the
 * monitor renews it every second, so the datapath writes no event when
 * nobody listens (or after a monitor died). */
enum eb_event_type {
	EB_EV_SNAT_NEW = 1, /* a container opened a flow to the outside */
	EB_EV_DNAT_NEW,	    /* the outside opened a flow to a published port */
	EB_EV_DROP,	    /* a packet dropped; reason = enum eb_counter */
};

struct eb_event {
	__u64 ts;      /* bpf_ktime_get_ns() */
	__u32 type;    /* enum eb_event_type */
	__u32 reason;  /* EB_EV_DROP: enum eb_counter */
	__u32 ifindex; /* where the packet came in */
	EB_IPV4(saddr);     /* network order; 0 when not parsed */
	EB_IPV4(daddr);
	EB_IPV4(xaddr);     /* the translated address (new flows) */
	__u16 sport, dport, xport;
	__u8 proto;
	__u8 pad;
};
_Static_assert(sizeof(struct eb_event) == 40, "eb_event layout");

/* An IPv6 event, in the same ring: type is enum eb_event_type with
 * EB_EV_F_IPV6 set, which tells the reader this layout (struct eb_event's
 * own stays as it is: pinned rings live across upgrades). The fields of
 * struct eb_event, the addresses as 16 bytes as on the wire; the first
 * 20 bytes (ts, type, reason, ifindex) are the same in both. */
#define EB_EV_F_IPV6 (1U << 8)
#define EB_EV_KIND(type) ((type) & 0xff)

struct eb_event6 {
	__u64 ts;      /* bpf_ktime_get_ns() */
	__u32 type;    /* enum eb_event_type | EB_EV_F_IPV6 */
	__u32 reason;  /* EB_EV_DROP: enum eb_counter */
	__u32 ifindex; /* where the packet came in */
	__u16 sport, dport, xport; /* network order; ICMPv6 echo: the identifier */
	__u8 proto;    /* IPPROTO_TCP, IPPROTO_UDP, IPPROTO_ICMPV6; 0 when not parsed */
	__u8 pad;
	__u8 saddr[16]; /* all 0 when not parsed */
	__u8 daddr[16];
	__u8 xaddr[16]; /* the translated address (new flows) */
	__u32 pad2;
};
_Static_assert(sizeof(struct eb_event6) == 80, "eb_event6 layout");

/* eb_frags: an IPv4 datagram in fragments -> the address its first
 * fragment was translated to. Only the first fragment carries the ports;
 * the others follow it by (addresses, IP id, protocol). LRU: entries of
 * finished datagrams age out. Written by the datapath. */
struct eb_frag_key {
	EB_IPV4(src); /* as on the wire, before translation */
	EB_IPV4(dst);
	__u16 id;	/* IP identification */
	__u8 proto;
	__u8 pad;
};
_Static_assert(sizeof(struct eb_frag_key) == 12, "eb_frag_key layout");

struct eb_frag_val {
	EB_IPV4(addr); /* the new source (way out) or destination (way in) */
	__u32 ifindex; /* way in: the container's port; way out: the uplink */
};

/* eb_build[0]: the build of the programs attached now (a hash of the BPF
 * objects). Written by `ebnet up`; a different build replaces them. */
struct eb_build {
	char id[32];
};

/* eb_uplink: 0 -> the uplink's name, so that `ebnet up` finds the uplink
 * again when its device is deleted and made again (a new ifindex and MAC;
 * eb_config holds those). Written by ebnet up. */
#define EB_MAP_UPLINK "eb_uplink"
struct eb_uplink_rec {
	char name[16];
};

/* The maps of names, and the IPv6 maps: files of their own. */
#include "ebnet_maps_dns.h"
#include "ebnet_maps6.h"

/* What the datapath decided, left in skb->cb for BPF_PROG_TEST_RUN callers
 * (unit tests, and later `ebnet trace`): cb[0] = enum eb_counter of the
 * decision, cb[1] = target ifindex, cb[2] = number of flood copies. */
#define EB_CB_DECISION 0
#define EB_CB_TARGET   1
#define EB_CB_COPIES   2

#endif /* EBNET_MAPS_H */
