/* SPDX-License-Identifier: GPL-2.0 */
/*
 * IPv6 out of the uplink and back: NAT66 masquerade (the source becomes
 * eb_config6.snat_ip6 and a port of the NAT range, as lib/ct.h binds IPv4
 * flows), or with --nat6 off the containers' own addresses, routed and
 * tracked (only replies of the containers' flows come in). TCP, UDP and
 * ICMPv6 echo; ICMPv6 errors translated both ways (packet too big above
 * all: IPv6 routers never fragment, so without it path MTU discovery
 * breaks; time exceeded, destination unreachable, parameter problem); the
 * gateway as a router (hop limit, "time exceeded" and "packet too big" to
 * the container).
 *
 * Flows live in eb_ct6_tcp / eb_ct6_other (struct eb_ct6_entry holds a
 * struct eb_ct_entry, so that the IPv4 rules of state, lifetime and expiry
 * apply as they are: eb_ct_track_l4, eb_ct_expired, eb_ct_orphan).
 *
 * IPv6 has no header checksum: every address change goes into the L4
 * checksum through the pseudo header (bpf_l4_csum_replace with
 * BPF_F_PSEUDO_HDR and a bpf_csum_diff of the 16 bytes), ports without it.
 * Extension headers never get here: eb_from_container6 drops them
 * (drop_ip6_exthdr); on the uplink, a packet with one to the NAT address
 * is the host's (left to its stack), one to a routed container's address
 * is dropped.
 *
 * Everything big lives in a per-CPU scratch (eb_nat6_buf), off the 512-byte
 * stack that eb_from_container's deepest path nearly fills.
 */
#ifndef EB_LIB_NAT6_H
#define EB_LIB_NAT6_H

#include "nat6_pkt.h"

/* The FIB request for a container's IPv6 packet p, as it came in on its
 * port. */
static __always_inline void eb_nat6_fib_req(struct bpf_fib_lookup *fib,
					    const struct __sk_buff *skb, const struct eb_pkt6 *p)
{
	__builtin_memset(fib, 0, sizeof(*fib));
	fib->family = AF_INET6;
	fib->l4_protocol = p->proto;
	fib->ifindex = skb->ifindex;
	/* The route's MTU checks the packet's length; a GSO packet is
	 * checked by the kernel, whose segments fit the device. */
	fib->tot_len = skb->gso_size ? 0 : 40 + p->plen;
	__builtin_memcpy(fib->ipv6_src, &p->saddr, 16);
	__builtin_memcpy(fib->ipv6_dst, &p->daddr, 16);
}

/*
 * Stage 1: a container's IPv6 packet to its gateway's MAC for an address
 * that is not the gateway's (its first bytes in eb_nd_scratch, as
 * eb_from_container6 read them; no extension header). The kernel's FIB
 * says where it goes: a local address of the host to the host's stack;
 * out of the uplink it goes on to stage 2 (EB_NAT6_GO), unless the
 * gateway answers it ("time exceeded", "packet too big"). Returns a
 * verdict, counted (TC_ACT_OK: to_host, the host's stack has it), a
 * negative drop reason, or EB_NAT6_GO.
 */
__attribute__((noinline)) int eb_nat6_route(struct __sk_buff *skb)
{
	struct bpf_fib_lookup *fib;
	struct eb_config *cfg;
	struct eb_config6 *c6;
	struct eb_nd_buf *b;
	struct eb_nat6_buf *s;
	struct eb_pkt6 *p;
	__u32 zero = 0, mtu;
	int rc, ret;

	cfg = bpf_map_lookup_elem(&eb_config, &zero);
	c6 = bpf_map_lookup_elem(&eb_config6, &zero);
	b = bpf_map_lookup_elem(&eb_nd_scratch, &zero);
	s = bpf_map_lookup_elem(&eb_nat6_buf, &zero);
	if (!cfg || !c6 || !b || !s)
		return EB_DROP(EB_CNT_DROP_MALFORMED);
	/* No IPv6 address on the uplink to translate to (and not routed):
	 * nothing goes out. */
	if (!(c6->flags & EB_CFG6_NAT6_OFF) && eb_in6_zero((const union eb_in6 *)c6->snat_ip6))
		return EB_DROP(EB_CNT_DROP_IP6_NO_ROUTE);
	p = &s->p;
	p->saddr = b->saddr;
	p->daddr = b->daddr;
	p->plen = bpf_ntohs(b->payload_len);
	p->hop = b->hop_limit;
	ret = eb_parse6_l4(skb, EB_IP6_OFF_L4, p->plen, b->nexthdr, p, s->l4, false);
	if (ret < 0)
		return ret;

	fib = &s->fib;
	eb_nat6_fib_req(fib, skb, p);
	rc = bpf_fib_lookup(skb, fib, sizeof(*fib), 0);
	s->fib_rc = rc;
	switch (rc) {
	case BPF_FIB_LKUP_RET_SUCCESS:
	case BPF_FIB_LKUP_RET_NO_NEIGH:
		break;
	case BPF_FIB_LKUP_RET_NOT_FWDED: /* a local address, or no route */
		return eb_tc_decide(skb, EB_CNT_TO_HOST, skb->len, TC_ACT_OK);
	case BPF_FIB_LKUP_RET_FWD_DISABLED:
		/* IPv6 forwarding off on the port (ipv6.c turns it on; a
		 * write to conf/all resets it): out of the uplink with the
		 * helper's own route and neighbour lookup, as IPv4 does
		 * (eb_routed_nofib); the host's own addresses and the
		 * subnet stay the host's. */
		if (!cfg->uplink_ifindex || eb_in6_eq_raw(&p->daddr, c6->snat_ip6) ||
		    eb_in6_in_prefix(&p->daddr, c6) ||
		    (p->daddr.w[0] | p->daddr.w[1] | p->daddr.w[2]) == 0)
			return eb_tc_decide(skb, EB_CNT_TO_HOST, skb->len, TC_ACT_OK);
		fib->ifindex = cfg->uplink_ifindex;
		mtu = 40 + p->plen;
		if (!skb->gso_size &&
		    bpf_check_mtu(skb, cfg->uplink_ifindex, &mtu, 0, 0) ==
			    BPF_MTU_CHK_RET_FRAG_NEEDED)
			return eb_nat6_answer(skb, s, c6, EB_ICMP6_PTB, bpf_htonl(mtu));
		break;
	case BPF_FIB_LKUP_RET_FRAG_NEEDED:
		/* Too big for its route: IPv6 routers never fragment, the
		 * sender learns the MTU from us. */
		return eb_nat6_answer(skb, s, c6, EB_ICMP6_PTB, bpf_htonl(fib->mtu_result));
	default:
		return EB_DROP(EB_CNT_DROP_IP6_NO_ROUTE);
	}
	if (fib->ifindex != cfg->uplink_ifindex || !cfg->uplink_ifindex) {
		/* Another container of this network, by its address: the
		 * host's stack has it; anything else is not ours to reach. */
		struct eb_ifindex_key pk = { .ifindex = fib->ifindex };

		if (bpf_map_lookup_elem(&eb_ports, &pk))
			return eb_tc_decide(skb, EB_CNT_TO_HOST, skb->len, TC_ACT_OK);
		return EB_DROP(EB_CNT_DROP_ISOLATED);
	}
	/* The last hop: "time exceeded" from the gateway (traceroute6's
	 * first hop). */
	if (p->hop <= 1)
		return eb_nat6_answer(skb, s, c6, EB_ICMP6_TE, 0);
	return EB_NAT6_GO;
}

/*
 * Stage 2 of a container's ICMPv6 error about a packet of one of its
 * flows: the quote came in translated, its destination is the container
 * side of the flow; quote and outer source are translated here
 * (s->xlated: stage 3 sends it as it is). Returns EB_NAT6_GO (not an
 * error: nothing done) or a negative drop reason.
 */
__attribute__((noinline)) int eb_nat6_err(struct __sk_buff *skb)
{
	struct eb_config *cfg;
	struct eb_nat6_buf *s;
	struct eb_ct6_entry *e;
	struct eb_pkt6 *p, *in;
	struct eb_ct6_key *k;
	__u64 now = bpf_ktime_get_ns();
	__u32 zero = 0, len = skb->len;
	int ret;

	cfg = bpf_map_lookup_elem(&eb_config, &zero);
	s = bpf_map_lookup_elem(&eb_nat6_buf, &zero);
	if (!cfg || !s)
		return EB_DROP(EB_CNT_DROP_MALFORMED);
	p = &s->p;
	s->xlated = 0;
	if (p->proto != EB_NH_ICMPV6 || !eb_icmp6_is_error(p->icmp_type))
		return EB_NAT6_GO;
	in = &s->in;
	k = &s->k;
	ret = eb_parse6_inner(skb, s, p->plen);
	if (ret < 0)
		return ret;
	__builtin_memset(k, 0, sizeof(*k));
	__builtin_memcpy(k->src, &in->daddr, 16);
	__builtin_memcpy(k->dst, &in->saddr, 16);
	k->proto = in->proto;
	k->sport = in->dport;
	k->dport = in->proto == EB_NH_ICMPV6 ? 0 : in->sport;
	e = bpf_map_lookup_elem(eb_ct6_map(in->proto), k);
	if (!e || (e->ct.kind != EB_CT_SNAT_CTR && e->ct.kind != EB_CT_DNAT_CTR) ||
	    eb_ct_expired(&e->ct, in->proto, cfg, now))
		return EB_DROP(EB_CNT_DROP_NO_CT);
	eb_ct_account(&e->ct, 0, len, now, 0);
	if (eb_icmp6_xlate(skb, in, false, &in->daddr, e->xaddr, in->dport, e->ct.xport))
		return EB_DROP(EB_CNT_DROP_MALFORMED);
	s->xlated = 1;
	return EB_NAT6_GO;
}

/*
 * Stage 2: the flow of the packet of stage 1 (s->p), found, or a new one
 * prepared for eb_nat6_claim (s->claim: its two entries in s->ne, s->re,
 * their keys in s->k, s->rk). The binding of a flow found is left in
 * s->xaddr, s->xport for stage 3 (an ICMPv6 error was translated by
 * eb_nat6_err already). Returns EB_NAT6_GO or a negative drop reason.
 */
__attribute__((noinline)) int eb_nat6_flow(struct __sk_buff *skb)
{
	struct eb_config *cfg;
	struct eb_config6 *c6;
	struct eb_nat6_buf *s;
	struct eb_ct6_entry *e;
	struct eb_pkt6 *p;
	__u64 now = bpf_ktime_get_ns();
	__u32 zero = 0;
	void *ct;

	cfg = bpf_map_lookup_elem(&eb_config, &zero);
	c6 = bpf_map_lookup_elem(&eb_config6, &zero);
	s = bpf_map_lookup_elem(&eb_nat6_buf, &zero);
	if (!cfg || !c6 || !s)
		return EB_DROP(EB_CNT_DROP_MALFORMED);
	p = &s->p;
	s->claim = 0;
	s->reclaimed = 0;
	if (s->xlated)
		return EB_NAT6_GO; /* an error, translated by eb_nat6_err */
	if (p->proto == EB_NH_ICMPV6 && p->icmp_type != EB_ICMP6_ECHO_RQ)
		return EB_DROP(EB_CNT_DROP_PROTO);
	ct = eb_ct6_map(p->proto);
	eb_ct6_key_out(&s->k, p);
	e = bpf_map_lookup_elem(ct, &s->k);
	if (e && !eb_ct_expired(&e->ct, p->proto, cfg, now)) {
		eb_ct_track_l4(&e->ct, 0, p->proto, p->tcp_flags, p->tcp_num, skb->len, now);
		__builtin_memcpy(&s->xaddr, e->xaddr, 16);
		s->xport = e->ct.xport;
		return EB_NAT6_GO;
	}
	/* A reset starts nothing: only an existing flow carries it. */
	if (p->proto == EB_NH_TCP && (p->tcp_flags & EB_TCP_RST))
		return EB_DROP(EB_CNT_DROP_NO_CT);
	if (e && !eb_trace_mode) {
		/* Expired: its binding is released, a new one is made. */
		bpf_map_delete_elem(ct, &e->peer);
		bpf_map_delete_elem(ct, &s->k);
	}
	s->routed = (c6->flags & EB_CFG6_NAT6_OFF) != 0;
	if (!s->routed && cfg->nat_port_max < cfg->nat_port_min)
		return EB_DROP(EB_CNT_DROP_IP6_NO_ROUTE);
	/* The container-side entry (its port set by the claim), and the
	 * outside-side one that claims the NAT port. */
	__builtin_memset(&s->ne, 0, sizeof(s->ne));
	s->ne.ct.kind = EB_CT_SNAT_CTR;
	s->ne.ct.state = EB_CTS_TRACKED;
	s->ne.ct.ifindex = skb->ifindex;
	s->ne.ct.created = now;
	s->ne.ct.last_seen = now;
	if (s->routed)
		__builtin_memcpy(s->ne.xaddr, &p->saddr, 16);
	else
		__builtin_memcpy(s->ne.xaddr, c6->snat_ip6, 16);
	__builtin_memset(&s->re, 0, sizeof(s->re));
	__builtin_memset(&s->rk, 0, sizeof(s->rk));
	__builtin_memcpy(s->rk.src, &p->daddr, 16);
	__builtin_memcpy(s->rk.dst, s->ne.xaddr, 16);
	s->rk.proto = p->proto;
	s->rk.sport = p->proto == EB_NH_ICMPV6 ? 0 : p->dport;
	s->re.peer = s->k;
	__builtin_memcpy(s->re.xaddr, &p->saddr, 16);
	s->re.ct.xport = p->sport;
	s->re.ct.kind = EB_CT_SNAT_OUT;
	s->re.ct.ifindex = skb->ifindex;
	s->re.ct.created = now;
	s->re.ct.last_seen = now;
	s->port_min = cfg->nat_port_min;
	s->port_span = s->routed ? 1 : (__u32)cfg->nat_port_max - cfg->nat_port_min + 1;
	s->port_orig = bpf_ntohs(p->sport);
	s->claim = 1;
	return EB_NAT6_GO;
}

/*
 * Stage 2, a new flow: the algorithm of eb_snat_bind (lib/ct.h) on the
 * IPv6 maps. The outside-side entry claims the NAT port first
 * (BPF_NOEXIST): the container's own port when it is in the NAT range,
 * else a random start and linear tries; a port whose flow is over
 * (expired, closed, or orphaned) is taken again. Then the container-side
 * entry. With --nat6 off the binding is the container's own address and
 * port. Leaves the binding in s->xaddr, s->xport; returns EB_NAT6_GO or a
 * negative drop reason. (In a trace: what the flow would get, claiming
 * nothing; port 0 is one found at run time.)
 */
__attribute__((noinline)) int eb_nat6_claim(struct __sk_buff *skb)
{
	struct eb_ct6_entry *e, *old, *own;
	struct eb_config *cfg;
	struct eb_nat6_buf *s;
	__u64 now = bpf_ktime_get_ns();
	__u32 zero = 0, i, start;
	int r = -EEXIST;
	void *ct;

	cfg = bpf_map_lookup_elem(&eb_config, &zero);
	s = bpf_map_lookup_elem(&eb_nat6_buf, &zero);
	if (!cfg || !s)
		return EB_DROP(EB_CNT_DROP_MALFORMED);
	if (!s->claim)
		return EB_NAT6_GO;
	ct = eb_ct6_map(s->p.proto);
	if (eb_trace_mode) {
		__builtin_memcpy(&s->xaddr, s->ne.xaddr, 16);
		s->xport = s->routed || (s->port_orig >= s->port_min &&
					 s->port_orig < s->port_min + s->port_span)
				   ? s->p.sport
				   : 0;
		return EB_NAT6_GO;
	}
	start = s->port_span ? bpf_get_prandom_u32() % s->port_span : 0;
	for (i = 0; i < EB_NAT_TRIES; i++) {
		__u32 port;

		/* The container's own port first, when it is ours to give. */
		if (s->routed || (i == 0 && s->port_orig >= s->port_min &&
				  s->port_orig < s->port_min + s->port_span))
			port = s->port_orig;
		else
			port = s->port_min + (start + i) % (s->port_span ? s->port_span : 1);
		s->rk.dport = bpf_htons(port);
		r = bpf_map_update_elem(ct, &s->rk, &s->re, BPF_NOEXIST);
		if (r == -EEXIST) {
			old = bpf_map_lookup_elem(ct, &s->rk);
			if (old) {
				own = bpf_map_lookup_elem(ct, &old->peer);
				if (!own) {
					if (eb_ct_orphan(&old->ct, now)) {
						bpf_map_delete_elem(ct, &s->rk);
						r = bpf_map_update_elem(ct, &s->rk, &s->re, BPF_NOEXIST);
					}
				} else if (eb_ct_expired(&own->ct, s->p.proto, cfg, now) ||
					   (s->p.proto == EB_NH_TCP && eb_ct_closed(own->ct.state))) {
					bpf_map_delete_elem(ct, &old->peer);
					bpf_map_delete_elem(ct, &s->rk);
					r = bpf_map_update_elem(ct, &s->rk, &s->re, BPF_NOEXIST);
				}
			}
		}
		if (r != -EEXIST || s->routed)
			break;
	}
	if (r == -E2BIG)
		return s->reclaimed ? EB_DROP(EB_CNT_DROP_CT_FULL) : EB_NAT6_FULL;
	if (r)
		return r == -EEXIST ? EB_DROP(EB_CNT_DROP_NAT_EXHAUSTED) : EB_DROP(EB_CNT_DROP_CT_FULL);
	s->ne.peer = s->rk;
	s->ne.ct.xport = s->rk.dport;
	r = bpf_map_update_elem(ct, &s->k, &s->ne, BPF_ANY);
	if (r) {
		bpf_map_delete_elem(ct, &s->rk);
		return r == -E2BIG && !s->reclaimed ? EB_NAT6_FULL : EB_DROP(EB_CNT_DROP_CT_FULL);
	}
	e = bpf_map_lookup_elem(ct, &s->k);
	if (!e)
		return EB_DROP(EB_CNT_DROP_CT_FULL);
	eb_count(EB_CNT_NAT6_NEW, 0);
	eb_ct_track_l4(&e->ct, 0, s->p.proto, s->p.tcp_flags, s->p.tcp_num, skb->len, now);
	__builtin_memcpy(&s->xaddr, e->xaddr, 16);
	s->xport = e->ct.xport;
	eb_event6(EB_EV_SNAT_NEW, 0, skb->ifindex, &s->p.saddr, &s->p.daddr, s->p.sport,
		  s->p.dport, s->p.proto, &s->xaddr, s->xport);
	return EB_NAT6_GO;
}

/* One entry of a full IPv6 conntrack map: freed when its flow may go, by
 * the IPv4 rule (eb_ct_reclaim_visit, on the struct eb_ct_entry it holds). */
static long eb_ct6_reclaim_one(void *map, struct eb_ct6_key *k, struct eb_ct6_entry *v,
			       struct eb_ct_reclaim *r)
{
	return eb_ct_reclaim_visit(map, k, k->proto, &v->ct, &v->peer, r);
}

/*
 * Stage 2, the map of a new flow full (eb_nat6_claim said EB_NAT6_FULL):
 * frees the flows that are over or not assured, as eb_ct_reclaim does for
 * IPv4 (the same budget of entries per walk, the same pause between the
 * walks of a CPU that freed little, each walk going on where the last
 * stopped), then eb_nat6_claim tries once more (s->reclaimed). Returns
 * EB_NAT6_GO, or drop_ct_full when nothing was freed.
 */
__attribute__((noinline)) int eb_nat6_reclaim(struct __sk_buff *skb)
{
	struct eb_ct_reclaim r = { .now = bpf_ktime_get_ns() };
	struct eb_nat6_buf *s;
	__u32 zero = 0, tcp;

	/* skb is read, so that the compiler hands it over (a global
	 * function's first argument must be the context, for the verifier). */
	if (!skb->len)
		return EB_DROP(EB_CNT_DROP_MALFORMED);
	s = bpf_map_lookup_elem(&eb_nat6_buf, &zero);
	if (!s)
		return EB_DROP(EB_CNT_DROP_MALFORMED);
	s->reclaimed = 1;
	if (eb_trace_mode || (s->rc_last && r.now - s->rc_last < EB_CT_RECLAIM_GAP &&
			      s->rc_freed < EB_CT_RECLAIM_PAYS))
		return EB_DROP(EB_CNT_DROP_CT_FULL);
	s->rc_last = r.now;
	s->rc_budget = EB_CT_RECLAIM_SCAN;
	/* Read back from the map: a constant would make the verifier follow
	 * every call of the callback. */
	r.left = *(volatile __u32 *)&s->rc_budget;
	tcp = s->p.proto == EB_NH_TCP;
	r.skip = s->rc_skip[tcp & 1];
	if (tcp)
		bpf_for_each_map_elem(&eb_ct6_tcp, eb_ct6_reclaim_one, &r, 0);
	else
		bpf_for_each_map_elem(&eb_ct6_other, eb_ct6_reclaim_one, &r, 0);
	s->rc_skip[tcp & 1] = r.left ? 0 : r.seen;
	s->rc_freed = r.freed;
	return r.freed ? EB_NAT6_GO : EB_DROP(EB_CNT_DROP_CT_FULL);
}

/*
 * Stage 3: the packet of stage 2 out of the uplink: its source rewritten
 * to s->xaddr:s->xport (the same with --nat6 off: nothing changes), one
 * hop less, sent to the FIB's next hop (s->fib of stage 1). Returns a
 * redirect verdict (counted), or a negative drop reason.
 */
__attribute__((noinline)) int eb_nat6_send(struct __sk_buff *skb)
{
	struct eb_nat6_buf *s;
	__u32 zero = 0, len = skb->len;
	int cnt = EB_CNT_NAT6_OUT;

	s = bpf_map_lookup_elem(&eb_nat6_buf, &zero);
	if (!s)
		return EB_DROP(EB_CNT_DROP_MALFORMED);
	if (s->xlated)
		cnt = EB_CNT_ICMP6_ERR_OUT;
	else if (eb_rewrite6(skb, s->p.proto, true, &s->p.saddr, &s->xaddr, s->p.sport, s->xport))
		return EB_DROP(EB_CNT_DROP_MALFORMED);
	if (eb_hop6_dec(skb, s->p.hop))
		return EB_DROP(EB_CNT_DROP_MALFORMED);

	skb->cb[EB_CB_DECISION] = cnt;
	skb->cb[EB_CB_TARGET] = s->fib.ifindex;
	eb_count(cnt, len);
	if (s->fib_rc == BPF_FIB_LKUP_RET_FWD_DISABLED)
		return bpf_redirect_neigh(s->fib.ifindex, NULL, 0, 0);
	if (s->fib_rc == BPF_FIB_LKUP_RET_SUCCESS) {
		if (bpf_skb_store_bytes(skb, 0, s->fib.dmac, 6, 0) ||
		    bpf_skb_store_bytes(skb, 6, s->fib.smac, 6, 0))
			return EB_DROP(EB_CNT_DROP_MALFORMED);
		return bpf_redirect(s->fib.ifindex, 0);
	}
	s->nh.nh_family = AF_INET6;
	__builtin_memcpy(s->nh.ipv6_nh, s->fib.ipv6_dst, 16);
	return bpf_redirect_neigh(s->fib.ifindex, &s->nh, sizeof(s->nh), 0);
}

#endif
