/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Conntrack and SNAT. See struct eb_ct_entry in maps/ebnet_maps.h for the
 * two entries of a flow. No daemon: an entry past its lifetime is treated
 * as absent here, and removed by the sweeper or `ebnet gc`.
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

#define EB_NAT_TRIES  32 /* ports tried for one new flow */
#define EB_NSEC	      1000000000ULL
#define EB_IP_MF      0x2000
#define EB_IP_OFFMASK 0x1fff

/* A parsed packet: where its headers are and its tuple as on the wire. */
struct eb_pkt {
	__u32 l3;	/* offset of the IPv4 header */
	__u32 l4;	/* offset of the L4 header */
	__u32 saddr, daddr;
	__u16 sport, dport; /* ICMP echo: both the identifier */
	__u8 proto;
	__u8 tcp_flags;	    /* FIN 0x01, SYN 0x02, RST 0x04, ACK 0x10 */
	__u8 icmp_type;
	__u8 frag;	    /* EB_FRAG_* */
	__u16 ip_id;	    /* network order */
	__u16 tot_len;	    /* host order: the IP packet's length, trailer excluded */
	__u32 tcp_num;	    /* TCP, network order: the sequence number of a SYN, else
			     * the ack number (all eb_ct_track needs; the stack is short) */
};

#define EB_FRAG_NONE  0
#define EB_FRAG_FIRST 1 /* offset 0, more to come: has the L4 header */
#define EB_FRAG_LATER 2 /* offset > 0: no L4 header */

#define EB_TCP_FIN 0x01
#define EB_TCP_SYN 0x02
#define EB_TCP_RST 0x04
#define EB_TCP_ACK 0x10

static __always_inline void *eb_ct_map(__u8 proto)
{
	return proto == IPPROTO_TCP ? (void *)&eb_ct_tcp : (void *)&eb_ct_other;
}

static __always_inline bool eb_icmp_is_error(__u8 type)
{
	return type == ICMP_DEST_UNREACH || type == ICMP_TIME_EXCEEDED ||
	       type == ICMP_PARAMETERPROB;
}

/* L4 part of the parse, for TC and XDP alike. data/end are the packet's
 * bounds, len its length (the skb's, which may exceed end - data), iph the
 * parsed IPv4 header. Returns 0 or a negative drop reason. */
static __always_inline int eb_parse_l4_at(void *data, __u32 len, struct iphdr *iph, void *end,
					  struct eb_pkt *p)
{
	void *l4 = (void *)iph + iph->ihl * 4;
	__u32 tot, hlen;

	p->l3 = (void *)iph - data;
	p->l4 = l4 - data;
	p->saddr = iph->saddr;
	p->daddr = iph->daddr;
	p->proto = iph->protocol;
	p->tcp_flags = 0;
	p->icmp_type = 0;
	p->ip_id = iph->id;
	p->frag = EB_FRAG_NONE;
	/* The IP length covers the headers and fits in the frame (which may
	 * be longer: Ethernet pads short packets). */
	tot = bpf_ntohs(iph->tot_len);
	hlen = iph->ihl * 4;
	if (tot < hlen || tot > len - p->l3)
		return EB_DROP(EB_CNT_DROP_MALFORMED);
	p->tot_len = tot;
	if (iph->frag_off & bpf_htons(EB_IP_OFFMASK)) {
		/* No L4 header here: the caller follows the first fragment. */
		p->frag = EB_FRAG_LATER;
		p->sport = p->dport = 0;
		return 0;
	}
	if (iph->frag_off & bpf_htons(EB_IP_MF))
		p->frag = EB_FRAG_FIRST;
	switch (iph->protocol) {
	case IPPROTO_TCP: {
		struct tcphdr *th = l4;

		if ((void *)(th + 1) > end)
			return EB_DROP(EB_CNT_DROP_MALFORMED);
		/* A data offset below the header, or past the packet. */
		if (hlen + sizeof(*th) > tot || th->doff < 5 ||
		    (p->frag == EB_FRAG_NONE && hlen + th->doff * 4 > tot))
			return EB_DROP(EB_CNT_DROP_MALFORMED);
		p->sport = th->source;
		p->dport = th->dest;
		p->tcp_flags = ((__u8 *)th)[13];
		p->tcp_num = (p->tcp_flags & EB_TCP_SYN) ? th->seq : th->ack_seq;
		return 0;
	}
	case IPPROTO_UDP: {
		struct udphdr *uh = l4;

		if ((void *)(uh + 1) > end)
			return EB_DROP(EB_CNT_DROP_MALFORMED);
		if (hlen + sizeof(*uh) > tot ||
		    (p->frag == EB_FRAG_NONE &&
		     (bpf_ntohs(uh->len) < sizeof(*uh) || bpf_ntohs(uh->len) > tot - hlen)))
			return EB_DROP(EB_CNT_DROP_MALFORMED);
		p->sport = uh->source;
		p->dport = uh->dest;
		return 0;
	}
	case IPPROTO_ICMP: {
		struct eb_icmphdr *ih = l4;

		if ((void *)(ih + 1) > end || hlen + sizeof(*ih) > tot)
			return EB_DROP(EB_CNT_DROP_MALFORMED);
		p->icmp_type = ih->type;
		p->sport = p->dport = ih->id;
		return 0;
	}
	}
	return EB_DROP(EB_CNT_DROP_PROTO);
}

static __always_inline int eb_parse_l4(struct __sk_buff *skb, struct iphdr *iph, void *end,
				       struct eb_pkt *p)
{
	return eb_parse_l4_at((void *)(long)skb->data, skb->len, iph, end, p);
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

/* The container-side key of a packet the container sends. */
static __always_inline void eb_ct_key_out(struct eb_ct_key *k, const struct eb_pkt *p)
{
	__builtin_memset(k, 0, sizeof(*k));
	k->src = p->saddr;
	k->dst = p->daddr;
	k->proto = p->proto;
	k->sport = p->sport;
	k->dport = p->proto == IPPROTO_ICMP ? 0 : p->dport;
}

/* The outside-side key of a packet arriving from outside. */
static __always_inline void eb_ct_key_in(struct eb_ct_key *k, const struct eb_pkt *p)
{
	__builtin_memset(k, 0, sizeof(*k));
	k->src = p->saddr;
	k->dst = p->daddr;
	k->proto = p->proto;
	k->sport = p->proto == IPPROTO_ICMP ? 0 : p->sport;
	k->dport = p->dport;
}

static __always_inline void eb_ct_account(struct eb_ct_entry *e, int dir, __u32 len, __u64 now,
					  __u8 state)
{
	if (eb_trace_mode)
		return;
	e->last_seen = now;
	if ((e->state & state) != state)
		e->state |= state;
	__sync_fetch_and_add(&e->packets[dir & 1], 1);
	__sync_fetch_and_add(&e->bytes[dir & 1], len);
}

static __always_inline __u8 eb_tcp_state_bits(__u8 flags, bool from_ctr)
{
	__u8 s = 0;

	if (flags & EB_TCP_RST)
		s |= EB_CTS_RST;
	if (flags & EB_TCP_FIN)
		s |= from_ctr ? EB_CTS_FIN_CTR : EB_CTS_FIN_OUT;
	return s;
}

/*
 * A packet of a flow: its state, times and counters. dir 0 from the
 * container, 1 to it. TCP follows the handshake (see EB_CTS_TRACKED in
 * maps/ebnet_maps.h): the responder's SYN-ACK makes the flow SYN_RECV and
 * records what its ACK must acknowledge; the originator's ACK of it makes
 * the flow established (assured); a bare SYN of the originator on a closed
 * flow starts it over, as Linux conntrack lets a new SYN take a closed
 * tuple. UDP and ICMP become assured when, with a reply seen, they are
 * still used EB_CT_STREAM_S after they began.
 */
static __always_inline void eb_ct_track_l4(struct eb_ct_entry *e, int dir, __u8 proto, __u8 fl,
					   __u32 tcp_num, __u32 len, __u64 now)
{
	const __u8 both = EB_CTS_SEEN_REPLY | EB_CTS_SEEN_CTR;
	__u8 s, bits = dir ? EB_CTS_SEEN_REPLY : EB_CTS_SEEN_CTR;
	bool from_orig = (dir == 0) == (e->kind == EB_CT_SNAT_CTR);

	if (eb_trace_mode)
		return;
	s = e->state;
	if (proto == IPPROTO_TCP) {
		if (from_orig && (fl & (EB_TCP_SYN | EB_TCP_RST | EB_TCP_ACK)) == EB_TCP_SYN &&
		    (s & (EB_CTS_FIN_CTR | EB_CTS_FIN_OUT | EB_CTS_RST)))
			s = EB_CTS_TRACKED;
		bits |= eb_tcp_state_bits(fl, dir == 0);
		if (s & EB_CTS_TRACKED) {
			if (!from_orig &&
			    (fl & (EB_TCP_SYN | EB_TCP_RST | EB_TCP_ACK)) == (EB_TCP_SYN | EB_TCP_ACK)) {
				e->tcp_ack = bpf_ntohl(tcp_num) + 1;
				bits |= EB_CTS_SYNACK;
			} else if (from_orig && (s & (EB_CTS_SYNACK | EB_CTS_ASSURED)) == EB_CTS_SYNACK &&
				   (fl & (EB_TCP_SYN | EB_TCP_RST | EB_TCP_ACK)) == EB_TCP_ACK &&
				   bpf_ntohl(tcp_num) - e->tcp_ack <= EB_CT_ACK_WINDOW) {
				bits |= EB_CTS_ASSURED;
			}
		}
	} else if (!(s & EB_CTS_ASSURED) && ((s | bits) & both) == both &&
		   now - e->created >= EB_CT_STREAM_S * EB_NSEC) {
		bits |= EB_CTS_ASSURED;
	}
	e->last_seen = now;
	if ((s | bits) != e->state)
		e->state = s | bits;
	__sync_fetch_and_add(&e->packets[dir & 1], 1);
	__sync_fetch_and_add(&e->bytes[dir & 1], len);
}

/* The same for an IPv4 packet (IPv6's, lib/nat6.h, call eb_ct_track_l4 with
 * their own fields: one rule for both families). */
static __always_inline void eb_ct_track(struct eb_ct_entry *e, int dir, const struct eb_pkt *p,
					__u32 len, __u64 now)
{
	eb_ct_track_l4(e, dir, p->proto, p->tcp_flags, p->tcp_num, len, now);
}

/*
 * Finds or makes the SNAT binding of a packet a container sends out of the
 * uplink. Returns the container-side entry, or NULL with *err set.
 */
static __always_inline struct eb_ct_entry *eb_snat_bind(const struct eb_pkt *p, __u32 ifindex,
							const struct eb_config *cfg, __u64 now,
							int *err)
{
	void *ct = eb_ct_map(p->proto);
	struct eb_ct_key k, rk;
	struct eb_ct_entry *e, *old, *ne, *re;
	__u16 min = cfg->nat_port_min, max = cfg->nat_port_max, orig = bpf_ntohs(p->sport);
	__u32 span, start, i, zero = 0, one = 1;
	int r;

	eb_ct_key_out(&k, p);
	e = bpf_map_lookup_elem(ct, &k);
	if (e && !eb_ct_expired(e, p->proto, cfg, now))
		return e;
	if (e && !eb_trace_mode) {
		/* Expired: its binding is released, a new one is made. */
		bpf_map_delete_elem(ct, &e->peer);
		bpf_map_delete_elem(ct, &k);
	}
	if (!cfg->snat_ip || max < min) {
		*err = EB_DROP(EB_CNT_DROP_NO_ROUTE);
		return NULL;
	}
	if (eb_trace_mode) {
		/* What a new flow would get, claiming nothing: its own port
		 * when that is in the NAT range, else one found at run time
		 * (shown as port 0). */
		__u32 zero = 0;

		e = bpf_map_lookup_elem(&eb_scratch, &zero);
		if (!e) {
			*err = EB_DROP(EB_CNT_DROP_CT_FULL);
			return NULL;
		}
		__builtin_memset(e, 0, sizeof(*e));
		e->xaddr = cfg->snat_ip;
		e->xport = orig >= min && orig <= max ? p->sport : 0;
		e->kind = EB_CT_SNAT_CTR;
		e->ifindex = ifindex;
		return e;
	}

	re = bpf_map_lookup_elem(&eb_scratch, &zero);
	ne = bpf_map_lookup_elem(&eb_scratch, &one);
	if (!re || !ne) {
		*err = EB_DROP(EB_CNT_DROP_CT_FULL);
		return NULL;
	}
	__builtin_memset(re, 0, sizeof(*re));
	__builtin_memset(ne, 0, sizeof(*ne));
	__builtin_memset(&rk, 0, sizeof(rk));
	rk.src = p->daddr;
	rk.dst = cfg->snat_ip;
	rk.proto = p->proto;
	rk.sport = p->proto == IPPROTO_ICMP ? 0 : p->dport;
	re->peer = k;
	re->xaddr = p->saddr;
	re->xport = p->sport;
	re->kind = EB_CT_SNAT_OUT;
	re->ifindex = ifindex;
	re->created = now;
	re->last_seen = now;

	span = (__u32)max - min + 1;
	start = bpf_get_prandom_u32() % span;
	for (i = 0; i < EB_NAT_TRIES; i++) {
		__u16 port;

		/* The container's own port first, when it is ours to give. */
		if (i == 0 && orig >= min && orig <= max)
			port = orig;
		else
			port = min + (start + i) % span;
		rk.dport = bpf_htons(port);
		r = bpf_map_update_elem(ct, &rk, re, BPF_NOEXIST);
		if (r == -EEXIST) {
			/* Taken; reusable if the flow that holds it is over. */
			old = bpf_map_lookup_elem(ct, &rk);
			if (old) {
				struct eb_ct_entry *own = bpf_map_lookup_elem(ct, &old->peer);

				/* Reusable: its flow is gone (not just being
				 * made on another CPU), expired, or closed (FIN
				 * both ways or RST), as conntrack lets a new SYN
				 * take a closed tuple. */
				if (!own) {
					if (eb_ct_orphan(old, now)) {
						bpf_map_delete_elem(ct, &rk);
						r = bpf_map_update_elem(ct, &rk, re, BPF_NOEXIST);
					}
				} else if (eb_ct_expired(own, p->proto, cfg, now) ||
					   (p->proto == IPPROTO_TCP && eb_ct_closed(own->state))) {
					bpf_map_delete_elem(ct, &old->peer);
					bpf_map_delete_elem(ct, &rk);
					r = bpf_map_update_elem(ct, &rk, re, BPF_NOEXIST);
				}
			}
		}
		if (r == 0)
			break;
		if (r != -EEXIST)
			break;
	}
	/* The port was free but the map full: free flows that are over, and
	 * the same port once more. */
	if (r != 0 && r != -EEXIST &&
	    (r != -E2BIG || !eb_ct_reclaim(p->proto, now) ||
	     bpf_map_update_elem(ct, &rk, re, BPF_NOEXIST))) {
		*err = EB_DROP(EB_CNT_DROP_CT_FULL);
		return NULL;
	}
	if (i == EB_NAT_TRIES) {
		*err = EB_DROP(EB_CNT_DROP_NAT_EXHAUSTED);
		return NULL;
	}

	ne->peer = rk;
	ne->xaddr = cfg->snat_ip;
	ne->xport = rk.dport;
	ne->kind = EB_CT_SNAT_CTR;
	ne->state = EB_CTS_TRACKED;
	ne->ifindex = ifindex;
	ne->created = now;
	ne->last_seen = now;
	if (eb_ct_insert(p->proto, &k, ne, BPF_ANY, now)) {
		bpf_map_delete_elem(ct, &rk);
		*err = EB_DROP(EB_CNT_DROP_CT_FULL);
		return NULL;
	}
	e = bpf_map_lookup_elem(ct, &k);
	if (!e) {
		*err = EB_DROP(EB_CNT_DROP_CT_FULL);
		return NULL;
	}
	eb_count(EB_CNT_SNAT_NEW, 0);
	eb_event(EB_EV_SNAT_NEW, 0, ifindex, p->saddr, p->daddr, p->sport, p->dport, p->proto,
		 cfg->snat_ip, rk.dport);
	return e;
}

#endif
