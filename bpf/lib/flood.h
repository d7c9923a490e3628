/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Flooding of the container program: a broadcast or multicast frame of a
 * container (ARP requests, IPv6's ff02::1) copied to every other container
 * port of the network (eb_flood, one slot per port), as a bridge floods;
 * the frame itself goes on to the host.
 */
#ifndef EB_LIB_FLOOD_H
#define EB_LIB_FLOOD_H

#include "maps.h"
#include "counters.h"

struct eb_flood_ctx {
	struct __sk_buff *skb;
	__u32 n; /* slots in use: eb_config.flood_max */
	__u32 copies;
};

/* One slot of eb_flood, a bpf_for_each_map_elem() callback: the verifier
 * checks it once. The bounded loop over EB_MAX_ENDPOINTS slots it replaces
 * was checked slot by slot, 0.35 M instructions and about 0.2 s of every
 * network's creation (`ebnet up`). */
static long eb_flood_one(void *map, __u32 *slot, __u32 *ifindex,
			 struct eb_flood_ctx *fc)
{
	struct __sk_buff *skb = fc->skb;

	if (*slot >= fc->n)
		return 1; /* past the last slot in use: stop */
	if (!*ifindex || *ifindex == skb->ifindex)
		return 0;
	/* Egress of the other host-side veth: the copy enters that
	 * container as if sent on a wire. */
	if (eb_trace_mode) {
		fc->copies++; /* a trace sends nothing */
		return 0;
	}
	if (bpf_clone_redirect(skb, *ifindex, 0) == 0) {
		fc->copies++;
		eb_ctr_count(*slot, 1, skb->len); /* the slot is the port's */
	}
	return 0;
}

/* Copies the frame to the other ports; the frame itself goes on to the
 * host's stack. Returns TC_ACT_OK, decided and counted (flood; len: the
 * frame's length). */
static __always_inline int eb_flood_copy(struct __sk_buff *skb, const struct eb_config *cfg,
					 __u32 len)
{
	struct eb_flood_ctx fc = { .skb = skb, .n = cfg->flood_max };

	if (fc.n > EB_MAX_ENDPOINTS)
		fc.n = EB_MAX_ENDPOINTS;
	bpf_for_each_map_elem(&eb_flood, eb_flood_one, &fc, 0);
	skb->cb[EB_CB_COPIES] = fc.copies;
	return eb_tc_decide(skb, EB_CNT_FLOOD, len, TC_ACT_OK);
}

#endif
