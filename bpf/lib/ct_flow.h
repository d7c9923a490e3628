/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A flow in conntrack: its keys from a packet, the accounting and TCP
 * state tracking of each packet, and the SNAT binding of a container's
 * new flow (a port on the uplink address, both entries inserted).
 */
#ifndef EB_LIB_CT_FLOW_H
#define EB_LIB_CT_FLOW_H

#include "ct.h"

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

/* In a trace (eb_trace_mode): what a new flow would get, claiming
 * nothing: its own port when that is in the NAT range, else one found at
 * run time (shown as port 0). */
static __always_inline struct eb_ct_entry *eb_snat_bind_trace(const struct eb_pkt *p,
							      __u32 ifindex,
							      const struct eb_config *cfg, __u16 min,
							      __u16 max, int *err)
{
	__u16 orig = bpf_ntohs(p->sport);
	struct eb_ct_entry *e;
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

/*
 * Claims a NAT port for a new flow: inserts the outside-side entry *re
 * under *rk, its port (rk->dport) chosen here: the container's own port
 * first when it is ours to give, then from a random start, EB_NAT_TRIES
 * of them; a port whose flow is over is taken back. False, with *err
 * set, when none could be had.
 */
static __always_inline bool eb_snat_claim(const struct eb_pkt *p, void *ct,
					  const struct eb_config *cfg, struct eb_ct_key *rk,
					  const struct eb_ct_entry *re, __u16 min, __u16 max,
					  __u64 now, int *err)
{
	__u16 orig = bpf_ntohs(p->sport);
	struct eb_ct_entry *old;
	__u32 span, start, i;
	int r;

	span = (__u32)max - min + 1;
	start = bpf_get_prandom_u32() % span;
	for (i = 0; i < EB_NAT_TRIES; i++) {
		__u16 port;

		/* The container's own port first, when it is ours to give. */
		if (i == 0 && orig >= min && orig <= max)
			port = orig;
		else
			port = min + (start + i) % span;
		rk->dport = bpf_htons(port);
		r = bpf_map_update_elem(ct, rk, re, BPF_NOEXIST);
		if (r == -EEXIST) {
			/* Taken; reusable if the flow that holds it is over. */
			old = bpf_map_lookup_elem(ct, rk);
			if (old) {
				struct eb_ct_entry *own = bpf_map_lookup_elem(ct, &old->peer);

				/* Reusable: its flow is gone (not just being
				 * made on another CPU), expired, or closed (FIN
				 * both ways or RST), as conntrack lets a new SYN
				 * take a closed tuple. */
				if (!own) {
					if (eb_ct_orphan(old, now)) {
						bpf_map_delete_elem(ct, rk);
						r = bpf_map_update_elem(ct, rk, re, BPF_NOEXIST);
					}
				} else if (eb_ct_expired(own, p->proto, cfg, now) ||
					   (p->proto == IPPROTO_TCP && eb_ct_closed(own->state))) {
					bpf_map_delete_elem(ct, &old->peer);
					bpf_map_delete_elem(ct, rk);
					r = bpf_map_update_elem(ct, rk, re, BPF_NOEXIST);
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
	     bpf_map_update_elem(ct, rk, re, BPF_NOEXIST))) {
		*err = EB_DROP(EB_CNT_DROP_CT_FULL);
		return false;
	}
	if (i == EB_NAT_TRIES) {
		*err = EB_DROP(EB_CNT_DROP_NAT_EXHAUSTED);
		return false;
	}
	return true;
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
	struct eb_ct_entry *e, *ne, *re;
	__u16 min = cfg->nat_port_min, max = cfg->nat_port_max;
	__u32 zero = 0, one = 1;

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
	if (eb_trace_mode)
		return eb_snat_bind_trace(p, ifindex, cfg, min, max, err);

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

	if (!eb_snat_claim(p, ct, cfg, &rk, re, min, max, now, err))
		return NULL;

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
