/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Conntrack: the two maps, the lifetimes, and what a full map frees
 * before a new flow is refused. See struct eb_ct_entry in maps/ebnet_maps.h
 * for the two entries of a flow. No daemon: an entry past its lifetime is
 * treated as absent here, and removed by the sweeper or `ebnet gc`. The
 * flows themselves (keys, tracking, SNAT binding) are in ct_flow.h.
 */
#ifndef EB_LIB_CT_H
#define EB_LIB_CT_H

#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/in.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include <bpf/bpf_endian.h>
#include "maps.h"
#include "csum.h"
#include "counters.h"

#ifndef EEXIST
#define EEXIST 17 /* asm-generic/errno-base.h; libc's errno.h does not build for BPF */
#endif
#ifndef E2BIG
#define E2BIG 7 /* what a full hash map answers to a new key */
#endif
#ifndef AF_INET
#define AF_INET 2
#endif

#include "pkt4.h"

#define EB_NAT_TRIES  32 /* ports tried for one new flow */
#define EB_NSEC	      1000000000ULL

static __always_inline void *eb_ct_map(__u8 proto)
{
	return proto == IPPROTO_TCP ? (void *)&eb_ct_tcp : (void *)&eb_ct_other;
}

static __always_inline __u64 eb_ct_lifetime(const struct eb_ct_entry *e, __u8 proto,
					    const struct eb_config *cfg)
{
	struct eb_ct_conf *cc = NULL;
	__u32 zero = 0;

	/* Only the states of the newer settings look them up (an array
	 * lookup, inlined): established flows pay nothing more. */
	if (proto == IPPROTO_TCP && (e->state & EB_CTS_TRACKED) &&
	    (e->state & (EB_CTS_SYNACK | EB_CTS_FIN_CTR | EB_CTS_FIN_OUT)))
		cc = bpf_map_lookup_elem(&eb_ct_conf, &zero);
	return (__u64)eb_ct_lifetime_s(e->state, proto, cfg, cc) * EB_NSEC;
}

static __always_inline bool eb_ct_expired(const struct eb_ct_entry *e, __u8 proto,
					  const struct eb_config *cfg, __u64 now)
{
	return now > e->last_seen && now - e->last_seen > eb_ct_lifetime(e, proto, cfg);
}

/*
 * A full conntrack map. The maps are not LRU (an LRU map evicts whatever
 * was touched least lately, an idle established flow as soon as a flood's
 * newest entry), so a full map frees slots itself, as Linux conntrack's
 * early drop does, before a new flow is refused:
 *  - flows that are over: expired ones (the datapath treats them as absent
 *    already), and TCP flows closed (FIN both ways or RST) at least
 *    EB_CT_CLOSED_GRACE ago, so that the last ACK or a retransmitted FIN
 *    of the close still finds its flow (counted ct_free_over);
 *  - flows not assured (EB_CTS_ASSURED: TCP not established, UDP and ICMP
 *    not a replied stream): half-open connections and unanswered or
 *    one-shot datagrams, which is what a flood is made of (counted
 *    ct_evict_halfopen, ct_evict_unassured).
 * An assured flow is never evicted: connections established before a flood
 * go on through it. Among flows not assured, the direction decides (the
 * budget of each direction, without counting entries: a BPF hash map has no
 * cheap count on the kernels we support): a flow the outside opened (to a
 * published port) goes at any age, but one a container opened only once it
 * has been idle EB_CT_EARLY_IDLE. So the outside's new flows, a spoofed
 * flood included, take slots only from each other and from flows that are
 * over or idle, never from a container's DNS query waiting for its answer
 * or its SYN waiting for the SYN-ACK; a container's new flow takes them
 * from the outside's. Without this, a SYN flood or a UDP flood to a
 * published port from many source ports filled the map in seconds and
 * every container's outbound flow was refused (drop_ct_full) until the
 * flood's entries expired.
 * The walk looks at EB_CT_RECLAIM_SCAN entries at most. A CPU whose last
 * walk freed less than EB_CT_RECLAIM_PAYS entries walks at most once per
 * EB_CT_RECLAIM_GAP: a map full of live flows costs a refused packet no
 * more than before, and a map full of a flood's entries is walked as often
 * as it fills (each walk frees thousands of slots).
 */
#define EB_CT_RECLAIM_SCAN 8192		     /* entries looked at, at most, per walk */
#define EB_CT_RECLAIM_GAP  (10 * 1000000ULL) /* ns between two walks of one CPU */
#define EB_CT_RECLAIM_PAYS 128		     /* freed by a walk: the next need not wait */
#define EB_CT_CLOSED_GRACE (1 * EB_NSEC)     /* a closed flow is kept this long at least */
#define EB_CT_EARLY_IDLE   (1 * EB_NSEC)     /* a container's own flow not assured is kept
					      * while it was used this recently */

/* Whether v, an outside-side entry whose container-side entry is missing,
 * is an orphan to free rather than a port being claimed right now (see
 * EB_CT_CLAIM_GRACE_S). */
static __always_inline bool eb_ct_orphan(const struct eb_ct_entry *v, __u64 now)
{
	return now > v->created && now - v->created >= EB_CT_CLAIM_GRACE_S * EB_NSEC;
}

struct eb_ct_reclaim { /* 32-bit counts: the walk's frame adds to the deepest stack */
	__u64 now;
	__u32 skip; /* entries passed over first: where the last walk ended */
	__u32 left; /* entries it may still look at */
	__u32 seen; /* entries passed over or looked at */
	__u32 freed;
};

/* Whether a full map may take the slots of the flow whose container-side
 * entry is own: 0, or the counter it goes under (see above). */
static __always_inline __u32 eb_ct_evictable(const struct eb_ct_entry *own, __u8 proto,
					     const struct eb_config *cfg,
					     const struct eb_ct_conf *cc, __u64 now)
{
	__u64 idle = now > own->last_seen ? now - own->last_seen : 0;

	if (idle > (__u64)eb_ct_lifetime_s(own->state, proto, cfg, cc) * EB_NSEC)
		return EB_CNT_CT_FREE_OVER;
	if (proto == IPPROTO_TCP && eb_ct_closed(own->state))
		return idle >= EB_CT_CLOSED_GRACE ? EB_CNT_CT_FREE_OVER : 0;
	if (eb_ct_assured(own->state, proto))
		return 0;
	if (own->kind != EB_CT_DNAT_CTR && idle < EB_CT_EARLY_IDLE)
		return 0;
	return proto == IPPROTO_TCP ? EB_CNT_CT_EVICT_HALFOPEN : EB_CNT_CT_EVICT_UNASSURED;
}

/* One entry of a walk, for both families: k and v an entry of map (v the
 * struct eb_ct_entry at the start of an IPv6 entry too), peer its peer's
 * key, proto the flow's protocol. */
static __always_inline long eb_ct_reclaim_visit(void *map, const void *k, __u8 proto,
						struct eb_ct_entry *v, const void *peer,
						struct eb_ct_reclaim *r)
{
	struct eb_ct_entry *own = v;
	struct eb_config *cfg;
	struct eb_ct_conf *cc;
	__u32 zero = 0, why;
	long dp, dk;
	bool out;

	if (r->skip) {
		r->skip--;
		r->seen++;
		return 0;
	}
	if (!r->left)
		return 1;
	r->left--;
	r->seen++;
	cfg = bpf_map_lookup_elem(&eb_config, &zero);
	cc = bpf_map_lookup_elem(&eb_ct_conf, &zero);
	if (!cfg || !cc)
		return 1;
	out = v->kind == EB_CT_SNAT_OUT || v->kind == EB_CT_DNAT_OUT;
	if (out) {
		/* The flow's state lives in its container-side entry. */
		own = bpf_map_lookup_elem(map, peer);
		if (!own) {
			if (eb_ct_orphan(v, r->now) && bpf_map_delete_elem(map, k) == 0)
				r->freed++;
			return 0;
		}
	}
	why = eb_ct_evictable(own, proto, cfg, cc, r->now);
	if (!why)
		return 0;
	/* The peer's key is read from v, which stays until k goes. The flow
	 * is counted by whoever deletes its container-side entry: another
	 * CPU's walk may be freeing the same flow. */
	dp = bpf_map_delete_elem(map, peer);
	dk = bpf_map_delete_elem(map, k);
	r->freed += (dp == 0) + (dk == 0);
	if ((out ? dp : dk) == 0) {
		/* eb_count(why), with zero as the key: the callback's stack
		 * adds to the deepest call chain's. */
		struct eb_counter_val *c;

		zero = why;
		c = bpf_map_lookup_elem(&eb_stats, &zero);
		if (c)
			c->packets++;
	}
	return 0;
}

static long eb_ct_reclaim_one(void *map, struct eb_ct_key *k, struct eb_ct_entry *v,
			      struct eb_ct_reclaim *r)
{
	return eb_ct_reclaim_visit(map, k, k->proto, v, &v->peer, r);
}

/* Frees the entries of flows that are over in the conntrack map of proto
 * (see above); returns how many. A global function: verified once, not at
 * every call site. */
__attribute__((noinline)) int eb_ct_reclaim(__u32 proto, __u64 now)
{
	struct eb_ct_reclaim r = { .now = now };
	__u32 slot = EB_SCRATCH_RECLAIM;
	struct eb_ct_entry *last = bpf_map_lookup_elem(&eb_scratch, &slot);

	if (!last || (last->created && now - last->created < EB_CT_RECLAIM_GAP &&
		      last->packets[1] < EB_CT_RECLAIM_PAYS))
		return 0;
	last->created = now;
	/* The budget is read back from the map: a constant would make the
	 * verifier follow all EB_CT_RECLAIM_SCAN calls of the callback. */
	last->packets[0] = EB_CT_RECLAIM_SCAN;
	r.left = *(volatile __u64 *)&last->packets[0];
	/* Each walk goes on where this CPU's last one stopped (passing over
	 * is cheap), so that live flows at the front of the map do not hide
	 * the closed ones behind them from every walk. */
	r.skip = last->bytes[proto == IPPROTO_TCP];
	if (proto == IPPROTO_TCP)
		bpf_for_each_map_elem(&eb_ct_tcp, eb_ct_reclaim_one, &r, 0);
	else
		bpf_for_each_map_elem(&eb_ct_other, eb_ct_reclaim_one, &r, 0);
	/* The end of the map reached (budget left): start over next time. */
	last->bytes[proto == IPPROTO_TCP] = r.left ? 0 : r.seen;
	last->packets[1] = r.freed;
	return r.freed;
}

/* Inserts a conntrack entry; when the map is full, frees flows that are
 * over and tries once more. Returns as bpf_map_update_elem does. */
static __always_inline long eb_ct_insert(__u8 proto, const struct eb_ct_key *k,
					 const struct eb_ct_entry *v, __u64 flags, __u64 now)
{
	void *ct = eb_ct_map(proto);
	long err;

	err = bpf_map_update_elem(ct, k, v, flags);
	if (err != -E2BIG || eb_trace_mode || !eb_ct_reclaim(proto, now))
		return err;
	return bpf_map_update_elem(ct, k, v, flags);
}

#endif
