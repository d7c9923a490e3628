/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The contract between the datapath (bpf/) and user space (loader/, tools/).
 *
 * Every key and value struct of every pinned map is declared here, once, and
 * included by both sides. Sizes are asserted so that a change of layout is
 * seen at build time; a changed layout must get a new map name (the kernel
 * refuses to reuse a pinned map of another layout, and the loader says so).
 *
 * Byte order: IPv4 addresses and L4 ports are kept in network byte order,
 * as they are on the wire; everything else is host order.
 *
 * Callers zero every key (padding included) before use.
 */
#ifndef EBNET_MAPS_H
#define EBNET_MAPS_H

#include <linux/types.h>

/* Pinned file names: one source for the loader, the CLI, docs and tests. */
#define EB_MAP_CONFIG	 "eb_config"
#define EB_MAP_ENDPOINTS "eb_endpoints"
#define EB_MAP_PORTS	 "eb_ports"
#define EB_MAP_FDB	 "eb_fdb"
#define EB_MAP_FLOOD	 "eb_flood"
#define EB_MAP_STATS	 "eb_stats"

#define EB_PIN_ROOT	 "/sys/fs/bpf/ebnet"

#define EB_MAX_ENDPOINTS 1024 /* containers per network */
#define EB_NAME_LEN	 32   /* container name, NUL included */
#define EB_IFNAME_LEN	 16   /* IFNAMSIZ */

/* eb_config[0]: the network's settings. Written by `ebnet up` when it
 * creates the network (and when a setting changes), read by every program. */
struct eb_config {
	__u32 subnet;	      /* network address, network order */
	__u32 mask;	      /* netmask, network order */
	__u32 gateway;	      /* the host's address in the network */
	__u32 uplink_ifindex; /* 0: no uplink */
	__u32 snat_ip;	      /* source for traffic leaving the uplink */
	__u32 flags;	      /* EB_CFG_* */
	__u32 flood_max;      /* eb_flood slots in use are below this */
	__u8 uplink_mac[6];
	__u8 prefix_len;
	__u8 pad;
};
_Static_assert(sizeof(struct eb_config) == 36, "eb_config layout");

#define EB_CFG_CLSACT (1U << 0) /* attach with clsact, not tcx */

/* One container's port. The same record is stored under two keys:
 * eb_endpoints: container IPv4 -> endpoint (ARP answers, `ebnet ls`)
 * eb_ports:     host-side ifindex -> endpoint (anti-spoofing, source port)
 * Written by `ebnet up`, removed by `ebnet rm` and `ebnet down`. */
struct eb_endpoint {
	__u32 ip;	    /* container address, network order */
	__u32 ifindex;	    /* host-side veth; 0 while being created */
	__u8 mac[6];	    /* container eth0 */
	__u8 host_mac[6];   /* host-side veth: the gateway's MAC for this port */
	__u32 flood_slot;   /* index in eb_flood */
	__u32 flags;	    /* EB_EP_* */
	char name[EB_NAME_LEN];
	char host_dev[EB_IFNAME_LEN];
};
_Static_assert(sizeof(struct eb_endpoint) == 76, "eb_endpoint layout");

#define EB_EP_READY  (1U << 0) /* fully created; clear: a create was interrupted */
#define EB_EP_CLSACT (1U << 1) /* program attached with clsact (else a pinned tcx link) */

struct eb_ip_key {
	__u32 addr; /* network order */
};

struct eb_ifindex_key {
	__u32 ifindex;
};

/* eb_fdb: container MAC -> host-side port. The bridge's forwarding database,
 * static: written by `ebnet up` with the endpoint, never learned. */
struct eb_mac_key {
	__u8 mac[6];
	__u8 pad[2];
};
_Static_assert(sizeof(struct eb_mac_key) == 8, "eb_mac_key layout");

struct eb_fdb_entry {
	__u32 ifindex; /* host-side veth of the container that owns the MAC */
};

/* eb_flood: slot -> host-side ifindex (0: free). Broadcast and multicast
 * are copied to every port listed here but the one they came from. */

/* eb_stats: per-CPU counters, indexed by enum eb_counter. Drops are the
 * datapath's negative error codes (-EB_DROP_*) turned into an index at the
 * program's single exit. */
enum eb_counter {
	EB_CNT_RX = 0,	       /* frames seen from containers */
	EB_CNT_ARP_REPLY,      /* ARP requests answered by the datapath */
	EB_CNT_ARP_IGNORED,    /* ARP not answered: own address, unknown target */
	EB_CNT_FWD,	       /* unicast redirected to another container */
	EB_CNT_FLOOD,	       /* broadcast or multicast frames copied out */
	EB_CNT_TO_HOST,	       /* frames passed to the host's stack */
	EB_CNT_DROP_FIRST = 16,
	EB_CNT_DROP_MALFORMED = EB_CNT_DROP_FIRST,
	EB_CNT_DROP_NO_PORT,	    /* frame on a port that has no endpoint */
	EB_CNT_DROP_SPOOF_MAC,	    /* source MAC is not the container's own */
	EB_CNT_DROP_SPOOF_IP,	    /* source IPv4 is not the container's own */
	EB_CNT_DROP_UNKNOWN_UNICAST, /* destination MAC in no FDB entry */
	EB_CNT_DROP_HAIRPIN,	    /* destination is the sender itself */
	EB_CNT_DROP_REDIRECT,	    /* the kernel refused the redirect */
	EB_CNT_MAX = 48,
};

/* Drop reasons as the datapath returns them: negative, below any TC verdict. */
#define EB_DROP(cnt) (-(int)(cnt)-1000)
#define EB_DROP_TO_COUNTER(ret) ((-(ret)) - 1000)

struct eb_counter_val {
	__u64 packets;
	__u64 bytes;
};

/* What the datapath decided, left in skb->cb for BPF_PROG_TEST_RUN callers
 * (unit tests, and later `ebnet trace`): cb[0] = enum eb_counter of the
 * decision, cb[1] = target ifindex, cb[2] = number of flood copies. */
#define EB_CB_DECISION 0
#define EB_CB_TARGET   1
#define EB_CB_COPIES   2

#endif /* EBNET_MAPS_H */
