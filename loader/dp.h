/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The datapath of one network: its pinned maps and programs under
 * /sys/fs/bpf/ebnet/NET/, and attaching the container program to a port.
 * Functions return 0 or a negative errno and say why in struct eb_err.
 * Made by pins.c (the folder, opening and checking the maps), load.c
 * (loading the objects: eb_dp_ensure*), upgrade.c (upgrade in place,
 * retired maps) and hooks.c (tcx, clsact, XDP, cgroup); dp_priv.h is what
 * they share. The maps come from maps/ebnet_map_list.h.
 */
#ifndef EB_DP_H
#define EB_DP_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>
#include "util.h"
#include "ebnet_map_list.h"

enum eb_attach {
	/* eb_dp_attach*(): tcx where the kernel has it, clsact otherwise. As
	 * `ebnet up --attach auto`, the default: the uplink so, container
	 * ports with clsact (ctx.c, ports_attach()). */
	EB_ATTACH_AUTO = 0,
	EB_ATTACH_TCX,
	EB_ATTACH_CLSACT,
};

#define EB_NSOCK_PROGS 8

struct eb_dp {
	union {
		/* The fds of the maps of EB_MAPS_DP (maps/ebnet_map_list.h):
		 * dp->cfg, dp->endpoints..., or by index, dp->map_fd[EB_DPM_*]. */
		struct {
#define EB_DP_MAP_FD(id, ident, field, key, value, flags) int field;
			EB_MAPS_DP(EB_DP_MAP_FD)
#undef EB_DP_MAP_FD
		};
		int map_fd[EB_DP_NMAPS];
	};
	int prog_container;		   /* eb_from_container */
	int prog_uplink;		   /* eb_from_uplink */
	int prog_xdp;			   /* eb_xdp_uplink */
	int prog_sock[EB_NSOCK_PROGS]; /* connect4, sendmsg4, recvmsg4, getpeername4, the same 6 */
	int published6; /* eb_pub_ports6, -1 when the network has none (an earlier build's) */
	bool upgraded; /* eb_dp_ensure replaced the programs: clsact hooks need them too */
	struct eb_dp_pending *pending; /* programs still loading (eb_dp_ensure_begin) */
	char pending_err[512];
};

/* A map of struct eb_dp: its pin name, value size and EB_MAPF_*; the
 * table is EB_MAPS_DP's, by enum eb_dp_map. */
struct eb_map_row {
	const char *name;
	__u32 vsize;
	__u32 flags;
};
extern const struct eb_map_row eb_dp_maps[EB_DP_NMAPS];

/* The cgroup sock_addr programs: pin of the program, pin of its link. */
struct eb_sock_prog {
	const char *pin;
	const char *link;
	int type; /* enum bpf_attach_type */
};
extern const struct eb_sock_prog eb_sock_progs[EB_NSOCK_PROGS];

/* Attaches the sock_addr programs to the root cgroup (links pinned as
 * link_cg_*); those already attached are left as they are. */
int eb_cgroup2_root(char *buf, size_t len);
int eb_dp_attach_sock(const struct eb_dp *dp, const char *net, struct eb_err *e);

/* Sizes of the maps whose size is a setting; 0 keeps the built-in one. */
struct eb_dp_sizes {
	unsigned int ct_tcp;
	unsigned int ct_other;
};

#define EB_PROG_PIN_CONTAINER "prog_from_container"
#define EB_PROG_PIN_UPLINK    "prog_from_uplink"
#define EB_LINK_PIN_UPLINK    "link_uplink"
#define EB_PROG_PIN_XDP	      "prog_xdp_uplink"
#define EB_LINK_PIN_XDP	      "link_xdp_uplink"
#define EB_PROG_PIN_GC	      "prog_gc_start"

void eb_dp_init(struct eb_dp *dp);
void eb_dp_close(struct eb_dp *dp);
void eb_pin_dir(const char *net, char *buf, size_t len);
/* A pinned map or program of the network: its fd, or a negative errno
 * (the message in e, when e is given). */
int eb_pin_open(const char *net, const char *name, struct eb_err *e);
/* Has this network been created (its config map is pinned)? */
bool eb_dp_exists(const char *net);
/* Makes sure bpffs is mounted at /sys/fs/bpf. */
int eb_dp_mount_bpffs(struct eb_err *e);
/* Opens the pinned maps of an existing network, checking their layout. */
int eb_dp_open(const char *net, struct eb_dp *dp, struct eb_err *e);
/* Opens whatever maps of the network are pinned, checking nothing: for
 * removing a network that a failed run or another version left. */
void eb_dp_open_lenient(const char *net, struct eb_dp *dp);
/* Creates what is missing (maps, programs, pins) and opens all of it. */
/* In two steps: begin opens the maps (the programs of a new network may
 * still be loading, in a thread); end waits for the programs and opens
 * them. eb_dp_close() waits too. */
int eb_dp_ensure_begin(const char *net, struct eb_dp *dp, const struct eb_dp_sizes *sz,
		       bool verbose, struct eb_err *e);
int eb_dp_ensure_end(const char *net, struct eb_dp *dp, struct eb_err *e);
int eb_dp_ensure(const char *net, struct eb_dp *dp, const struct eb_dp_sizes *sz, bool verbose,
		 struct eb_err *e);
/* Zeroes a port slot's counters in eb_ctr_slots (every CPU's). */
int eb_dp_ctr_zero(const struct eb_dp *dp, __u32 slot);
/* After an upgrade has given every hook the new programs: the counters of
 * an earlier build's eb_ctr_stats are added to eb_ctr_slots, and the maps
 * that earlier builds used (eb_fdb, eb_ctr_stats) are unpinned. */
void eb_dp_retire_old_maps(const struct eb_dp *dp, const char *net);
/* Attaches eb_from_container to ifindex's TC ingress. *clsact tells (and
 * on EB_ATTACH_AUTO, returns) which hook was used. */
int eb_dp_attach(const struct eb_dp *dp, const char *net, int ifindex, const char *ifname,
		 enum eb_attach mode, bool *clsact, struct eb_err *e);
/* Adds the clsact qdisc of a port ahead of eb_dp_attach(). The first
 * filter on a clsact qdisc waits for an expedited RCU grace period unless
 * one has passed since the qdisc was made (mini_qdisc_pair_swap()): made
 * while the other containers are prepared, it has. */
int eb_dp_clsact_prepare(int ifindex);
/* Attaches eb_from_uplink to the uplink's TC ingress (pin link_uplink for
 * tcx; a priority of the network's own for clsact). */
int eb_dp_attach_uplink(const struct eb_dp *dp, const char *net, int ifindex,
			const char *ifname, enum eb_attach mode, bool *clsact, bool *made_qdisc,
			struct eb_err *e);
bool eb_dp_uplink_attached(const char *net);
int eb_dp_detach_uplink_clsact(const char *net, int ifindex, bool destroy_qdisc);
__u32 eb_uplink_prio(const char *net);
/* eb_xdp_uplink on the uplink in native (driver) mode, its link pinned as
 * link_xdp_uplink; -EOPNOTSUPP when the driver has no native XDP, -EBUSY
 * when the device has an XDP program already. */
int eb_dp_attach_xdp(const struct eb_dp *dp, const char *net, int ifindex, const char *ifname,
		     struct eb_err *e);
bool eb_dp_xdp_attached(const char *net);
int eb_dp_detach_xdp(const char *net);
/* Drops the pinned tcx link of ifname, if any. */
int eb_dp_detach(const char *net, const char *ifname);
/* Removes every pin of the network and its folder. */
int eb_dp_destroy(const char *net);

#endif
