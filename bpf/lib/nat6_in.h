/* SPDX-License-Identifier: GPL-2.0 */
/*
 * IPv6 from the uplink (eb_from_uplink's stages): the replies of the
 * containers' NAT66 and routed flows (eb_nat6_in), and new flows from
 * outside to a published port (eb_dnat6_new, DNAT6: the client's address
 * kept, two eb_ct6 entries of kinds EB_CT_DNAT_*). A flow to a container
 * without IPv6 goes on to lib/nat46.h. The way out, and the rules of
 * state and lifetime these flows share, are lib/nat6.h's.
 */
#ifndef EB_LIB_NAT6_IN_H
#define EB_LIB_NAT6_IN_H

#include "nat6.h"

/* Into a container from the uplink: one hop less, its port's MACs,
 * bpf_redirect_peer. */
static __always_inline int eb_deliver6(struct __sk_buff *skb, __u32 ifindex, __u8 hop)
{
	struct eb_ifindex_key k = { .ifindex = ifindex };
	struct eb_endpoint *ep = bpf_map_lookup_elem(&eb_ports, &k);

	if (!ep)
		return EB_DROP(EB_CNT_DROP_NO_PORT);
	if (hop <= 1)
		return EB_DROP(EB_CNT_DROP_TTL);
	if (eb_hop6_dec(skb, hop) || bpf_skb_store_bytes(skb, 0, ep->mac, 6, 0) ||
	    bpf_skb_store_bytes(skb, 6, ep->host_mac, 6, 0))
		return EB_DROP(EB_CNT_DROP_MALFORMED);
	bpf_skb_change_type(skb, PACKET_HOST);
	skb->cb[EB_CB_TARGET] = ifindex;
	eb_ctr_count(ep->flood_slot, 1, skb->len);
	return bpf_redirect_peer(ifindex, 0);
}

/* Does a host socket own this TCP or UDP packet from outside (a TCP
 * connection of the host's, a listener, a bound UDP socket)? The host's own
 * connections are never taken. (Wider than eb_host_owns for IPv4, which
 * leaves a bare listener's or a wildcard UDP socket's packets to a port
 * published with --force: here they are the host's.) */
static __always_inline bool eb_host_sock6(struct __sk_buff *skb, struct eb_nat6_buf *s)
{
	struct bpf_sock_tuple *t = (void *)&s->tuple;
	struct bpf_sock *sk;

	__builtin_memcpy(s->tuple.saddr, &s->p.saddr, 16);
	__builtin_memcpy(s->tuple.daddr, &s->p.daddr, 16);
	s->tuple.sport = s->p.sport;
	s->tuple.dport = s->p.dport;
	if (s->p.proto == EB_NH_TCP)
		sk = bpf_skc_lookup_tcp(skb, t, sizeof(s->tuple), BPF_F_CURRENT_NETNS, 0);
	else
		sk = bpf_sk_lookup_udp(skb, t, sizeof(s->tuple), BPF_F_CURRENT_NETNS, 0);
	if (!sk)
		return false;
	bpf_sk_release(sk);
	return true;
}

/* The published port a packet from outside (s->p) is addressed to, its
 * key in s->pk6 (one address of the host) or s->pk (every address), or
 * NULL. ::1 never comes from a wire: a port published on [::1] only is the
 * host's alone (the frame is left to the host's stack, which drops it). */
static __always_inline struct eb_pub_val *eb_pub6_find(struct eb_nat6_buf *s)
{
	struct eb_pkt6 *p = &s->p;
	struct eb_pub_val *pub;

	if (p->proto != EB_NH_TCP && p->proto != EB_NH_UDP)
		return NULL;
	if (!(p->daddr.w[0] | p->daddr.w[1] | p->daddr.w[2]) &&
	    (p->daddr.w[3] == bpf_htonl(1) || !p->daddr.w[3]))
		return NULL;
	__builtin_memset(&s->pk6, 0, sizeof(s->pk6));
	__builtin_memcpy(s->pk6.host_ip6, &p->daddr, 16);
	s->pk6.host_port = bpf_ntohs(p->dport); /* the maps' ports are host order */
	s->pk6.proto = p->proto;
	__builtin_memset(&s->pk, 0, sizeof(s->pk));
	pub = bpf_map_lookup_elem(&eb_pub_ports6, &s->pk6);
	if (pub)
		return pub;
	s->pk.host_port = s->pk6.host_port;
	s->pk.proto = p->proto;
	return bpf_map_lookup_elem(&eb_pub_ports, &s->pk);
}

/*
 * An IPv6 packet on the uplink: replies of the containers' flows (and
 * ICMPv6 errors about them) are translated back and delivered; a packet of
 * a translated flow to a container without IPv6 goes to eb_nat46_in
 * (EB_NAT46_GO); a TCP or UDP packet to a host address that no flow takes
 * goes to eb_dnat6_new (EB_NAT6_GO: a published port, or the host's);
 * nothing but the replies of the containers' flows reaches their own
 * addresses (drop_unpublished). The rest is the host's (TC_ACT_UNSPEC):
 * NDP, its own connections, anything to its other addresses. Returns a
 * verdict, one of those codes, or a negative drop reason.
 */
/* An ICMPv6 error from outside about a packet one of our flows sent (its
 * source is the NAT side): the quoted packet and the destination put back
 * to the container's. Returns the flow's outside-side entry, or NULL with
 * *ret the verdict (TC_ACT_UNSPEC: not ours, the host's) or drop. */
static __always_inline struct eb_ct6_entry *eb_nat6_in_err(struct __sk_buff *skb,
							   const struct eb_config *cfg,
							   struct eb_nat6_buf *s, bool to_ctr,
							   __u32 len, __u64 now, int *ret)
{
	struct eb_pkt6 *p = &s->p, *in = &s->in;
	struct eb_ct6_key *k = &s->k;
	struct eb_ct6_entry *e1, *e2;

	*ret = to_ctr ? EB_DROP(EB_CNT_DROP_NO_CT) : TC_ACT_UNSPEC;
	if (eb_parse6_inner(skb, s, p->plen) < 0 || !eb_in6_eq(&in->saddr, &p->daddr))
		return NULL;
	__builtin_memset(k, 0, sizeof(*k));
	__builtin_memcpy(k->src, &in->daddr, 16);
	__builtin_memcpy(k->dst, &in->saddr, 16);
	k->proto = in->proto;
	k->sport = in->proto == EB_NH_ICMPV6 ? 0 : in->dport;
	k->dport = in->sport;
	e2 = bpf_map_lookup_elem(eb_ct6_map(in->proto), k);
	if (!e2 || (e2->ct.kind != EB_CT_SNAT_OUT && e2->ct.kind != EB_CT_DNAT_OUT))
		return NULL;
	if (eb_in6_v4mapped(e2->xaddr)) {
		*ret = TC_ACT_UNSPEC; /* a translated flow's: not translated */
		return NULL;
	}
	e1 = bpf_map_lookup_elem(eb_ct6_map(in->proto), &e2->peer);
	if (!e1 || eb_ct_expired(&e1->ct, in->proto, cfg, now))
		return NULL;
	eb_ct_account(&e1->ct, 1, len, now, 0);
	if (eb_icmp6_xlate(skb, in, true, &in->saddr, e2->xaddr, in->sport, e2->ct.xport)) {
		*ret = EB_DROP(EB_CNT_DROP_MALFORMED);
		return NULL;
	}
	return e2;
}

/* Time exceeded, from the address the packet was sent to, back out of the
 * uplink. A verdict or a drop. */
static __always_inline int eb_nat6_in_last_hop(struct __sk_buff *skb, struct eb_nat6_buf *s,
					       __u32 len)
{
	int ret = eb_icmp6_error(skb, s, EB_ICMP6_TE, 0, 0, (const __u8 *)&s->p.daddr);

	if (ret < 0)
		return ret;
	skb->cb[EB_CB_DECISION] = EB_CNT_ICMP6_SENT;
	skb->cb[EB_CB_TARGET] = skb->ifindex;
	eb_count(EB_CNT_ICMP6_SENT, len);
	return bpf_redirect(skb->ifindex, 0);
}

/* The flow a packet from outside (s->p) belongs to: its outside-side
 * entry (SNAT_OUT or DNAT_OUT), with the live container side in *e1 (NULL
 * when it has none or it expired). */
static __always_inline struct eb_ct6_entry *eb_nat6_rev_find(struct eb_nat6_buf *s,
							     const struct eb_config *cfg,
							     __u64 now, struct eb_ct6_entry **e1)
{
	struct eb_pkt6 *p = &s->p;
	struct eb_ct6_entry *e2;

	eb_ct6_key_in(&s->k, p);
	*e1 = NULL;
	e2 = bpf_map_lookup_elem(eb_ct6_map(p->proto), &s->k);
	if (e2 && (e2->ct.kind == EB_CT_SNAT_OUT || e2->ct.kind == EB_CT_DNAT_OUT))
		*e1 = bpf_map_lookup_elem(eb_ct6_map(p->proto), &e2->peer);
	if (*e1 && eb_ct_expired(&(*e1)->ct, p->proto, cfg, now))
		*e1 = NULL;
	return e2;
}

/* The parsed packet's fields that its IPv6 header gives. */
static __always_inline void eb_pkt6_hdr(struct eb_pkt6 *p, const struct eb_ip6hdr *h)
{
	p->saddr = h->saddr;
	p->daddr = h->daddr;
	p->plen = bpf_ntohs(h->payload_len);
	p->hop = h->hop_limit;
}

static __always_inline int eb_nat6_in_do(struct __sk_buff *skb, const struct eb_config *cfg,
					 const struct eb_config6 *c6, struct eb_nat6_buf *s)
{
	struct eb_ct6_entry *e1, *e2;
	struct eb_pkt6 *p;
	__u64 now = bpf_ktime_get_ns();
	__u32 len = skb->len;
	bool routed, to_ctr;
	int ret, cnt = EB_CNT_NAT6_IN;

	if (bpf_skb_load_bytes(skb, ETH_HLEN, &s->ip6, sizeof(s->ip6)) ||
	    (bpf_ntohl(s->ip6.vtc_flow) >> 28) != 6)
		return TC_ACT_UNSPEC;
	/* A network without IPv6 has published ports only (lib/nat46.h). */
	routed = c6->flags & EB_CFG6_NAT6_OFF;
	to_ctr = s->on && eb_in6_in_prefix(&s->ip6.daddr, c6) &&
		 !eb_in6_eq_raw(&s->ip6.daddr, c6->gateway);
	/* To the NAT address: replies of the containers' flows, or a
	 * published port; to another address of the host: a published port. */
	s->nat_addr = s->on && !routed && !eb_in6_zero((const union eb_in6 *)c6->snat_ip6) &&
		      eb_in6_eq_raw(&s->ip6.daddr, c6->snat_ip6);
	if (!to_ctr && !s->nat_addr && !eb_host6_has(&s->ip6.daddr))
		return TC_ACT_UNSPEC;
	if (to_ctr && !routed)
		return EB_DROP(EB_CNT_DROP_UNPUBLISHED); /* NAT66: never addressed as they are */
	p = &s->p;
	eb_pkt6_hdr(p, &s->ip6);
	if (eb_ip6_is_exthdr(s->ip6.nexthdr))
		/* Not parsed: to the NAT address it is the host's; to a
		 * container never forwarded half-parsed. */
		return to_ctr ? EB_DROP(EB_CNT_DROP_IP6_EXTHDR) : TC_ACT_UNSPEC;
	if (ETH_HLEN + 40 + p->plen > len)
		return to_ctr ? EB_DROP(EB_CNT_DROP_MALFORMED) : TC_ACT_UNSPEC;
	ret = eb_parse6_l4(skb, EB_IP6_OFF_L4, p->plen, s->ip6.nexthdr, p, s->l4, false);
	if (ret < 0)
		return to_ctr ? ret : TC_ACT_UNSPEC;

	if (p->proto == EB_NH_ICMPV6 && eb_icmp6_is_error(p->icmp_type)) {
		e2 = eb_nat6_in_err(skb, cfg, s, to_ctr, len, now, &ret);
		if (!e2)
			return ret;
		cnt = EB_CNT_ICMP6_ERR_IN;
		goto deliver;
	}
	if (p->proto == EB_NH_ICMPV6 && p->icmp_type != EB_ICMP6_ECHO_RP)
		/* NDP, an echo request to the host: the host's. */
		return to_ctr ? EB_DROP(EB_CNT_DROP_UNPUBLISHED) : TC_ACT_UNSPEC;

	e2 = eb_nat6_rev_find(s, cfg, now, &e1);
	if (!e1 || !e2) {
		if (to_ctr)
			return EB_DROP(EB_CNT_DROP_UNPUBLISHED);
		if (p->proto == EB_NH_ICMPV6)
			return TC_ACT_UNSPEC;
		/* A new flow to a published port, or nobody's: eb_dnat6_new
		 * (the last hop of one to a published port is answered here). */
		if (p->hop > 1 || !eb_pub6_find(s))
			return EB_NAT6_GO;
	}
	if (p->hop <= 1) {
		/* The last hop of a packet that would go to a container:
		 * "time exceeded" from the address it was sent to, back out
		 * (as eb_from_uplink does for IPv4): traceroute6 to a
		 * published port sees the host. */
		return eb_nat6_in_last_hop(skb, s, len);
	}
	if (!e1 || !e2)
		return EB_DROP(EB_CNT_DROP_MALFORMED); /* not reached */
	if (eb_in6_v4mapped(e2->xaddr))
		return EB_NAT46_GO; /* to an IPv4 container (lib/nat46.h) */
	if (e2->ct.kind == EB_CT_DNAT_OUT)
		cnt = EB_CNT_DNAT6_IN;
	eb_ct_track_l4(&e1->ct, 1, p->proto, p->tcp_flags, p->tcp_num, len, now);
	if (eb_rewrite6(skb, p->proto, false, &p->daddr, e2->xaddr, p->dport, e2->ct.xport))
		return EB_DROP(EB_CNT_DROP_MALFORMED);
deliver:
	ret = eb_deliver6(skb, e2->ct.ifindex, p->hop);
	if (ret < 0)
		return ret;
	skb->cb[EB_CB_DECISION] = cnt;
	eb_count(cnt, len);
	return ret;
}

/* On a network without IPv6 only packets to the host's IPv6 addresses are
 * looked at (a published port reached over IPv6: lib/nat46.h), and
 * nothing is counted unless one is translated. */
__attribute__((noinline)) int eb_nat6_in(struct __sk_buff *skb)
{
	struct eb_config *cfg;
	struct eb_nat6_buf *s;
	struct eb_config6 *c6;
	__u32 zero = 0;
	int ret;

	cfg = bpf_map_lookup_elem(&eb_config, &zero);
	c6 = bpf_map_lookup_elem(&eb_config6, &zero);
	s = bpf_map_lookup_elem(&eb_nat6_buf, &zero);
	if (!cfg || !c6 || !s)
		return TC_ACT_UNSPEC;
	s->reclaimed = 0;
	s->on = (c6->flags & EB_CFG6_ON) != 0;
	ret = eb_nat6_in_do(skb, cfg, c6, s);
	if (ret == TC_ACT_UNSPEC && s->on) {
		skb->cb[EB_CB_DECISION] = EB_CNT_NAT6_PASS;
		eb_count(EB_CNT_NAT6_PASS, skb->len);
	}
	return ret;
}

/* Nobody's flow and no published port of this network: the host's (its
 * stack answers a closed port as Linux conntrack leaves it to, for IPv4
 * too). A port in the NAT range is not dropped: another network on this
 * uplink may publish it, and its program runs after this one. */
static __always_inline int eb_nat6_nobody(struct __sk_buff *skb, struct eb_nat6_buf *s)
{
	if (s->on) {
		skb->cb[EB_CB_DECISION] = EB_CNT_NAT6_PASS;
		eb_count(EB_CNT_NAT6_PASS, skb->len);
	}
	return TC_ACT_UNSPEC;
}

/* May the packet s->p start a flow to a published port (*pub)? A TCP
 * flow starts with a bare SYN only (a stray segment of a flow whose mapping
 * was removed is dropped, not handed to the port's new owner); any other
 * packet that a host socket owns is the host's. Returns 0 (yes), or what
 * to do instead: TC_ACT_UNSPEC or a drop. */
static __always_inline int eb_pub6_admit(struct __sk_buff *skb, struct eb_nat6_buf *s,
					 struct eb_pub_val **pub)
{
	struct eb_pkt6 *p = &s->p;
	bool syn = p->proto == EB_NH_TCP &&
		   (p->tcp_flags & (EB_TCP_SYN | EB_TCP_RST | EB_TCP_ACK)) == EB_TCP_SYN;

	*pub = eb_pub6_find(s);
	if (!*pub)
		return eb_nat6_nobody(skb, s);
	if (!syn && eb_host_sock6(skb, s))
		return eb_nat6_nobody(skb, s);
	if (p->proto == EB_NH_TCP && !syn)
		return EB_DROP(EB_CNT_DROP_NO_CT);
	return 0;
}

/* Both conntrack entries of a new flow from outside to a published port
 * (the IPv4 rule of eb_dnat_bind): the container side (s->k, s->ne) holds
 * the state, the outside side (s->rk, s->re) finds it. Returns 0,
 * EB_NAT6_FULL (a map full before eb_nat6_reclaim ran) or a drop. */
static __always_inline int eb_dnat6_bind(struct eb_nat6_buf *s, const struct eb_pub_val *pub,
					 __u32 len, __u64 now)
{
	struct eb_pkt6 *p = &s->p;
	void *ct = eb_ct6_map(p->proto);
	int r;

	__builtin_memset(&s->k, 0, sizeof(s->k));
	__builtin_memcpy(s->k.src, &s->xaddr, 16);
	__builtin_memcpy(s->k.dst, &p->saddr, 16);
	s->k.sport = bpf_htons(pub->ctr_port); /* host order in the map */
	s->k.dport = p->sport;
	s->k.proto = p->proto;
	eb_ct6_key_in(&s->rk, p);

	__builtin_memset(&s->ne, 0, sizeof(s->ne));
	s->ne.peer = s->rk;
	__builtin_memcpy(s->ne.xaddr, &p->daddr, 16);
	s->ne.ct.xport = p->dport;
	s->ne.ct.kind = EB_CT_DNAT_CTR;
	s->ne.ct.ifindex = pub->ifindex;
	s->ne.ct.created = now;
	s->ne.ct.last_seen = now;
	s->ne.ct.state = EB_CTS_SEEN_REPLY | EB_CTS_TRACKED;
	s->ne.ct.packets[1] = 1;
	s->ne.ct.bytes[1] = len;
	__builtin_memset(&s->re, 0, sizeof(s->re));
	s->re.peer = s->k;
	__builtin_memcpy(s->re.xaddr, &s->xaddr, 16);
	s->re.ct.xport = s->k.sport;
	s->re.ct.kind = EB_CT_DNAT_OUT;
	s->re.ct.ifindex = pub->ifindex;
	s->re.ct.pub_key = s->pk.host_port ? EB_CT_PUB_ANY : EB_CT_PUB_ADDR;
	s->re.ct.created = now;
	s->re.ct.last_seen = now;

	r = bpf_map_update_elem(ct, &s->k, &s->ne, BPF_ANY);
	if (!r) {
		r = bpf_map_update_elem(ct, &s->rk, &s->re, BPF_ANY);
		if (r)
			bpf_map_delete_elem(ct, &s->k);
	}
	if (r)
		return r == -E2BIG && !s->reclaimed ? EB_NAT6_FULL : EB_DROP(EB_CNT_DROP_CT_FULL);
	return 0;
}

/*
 * A packet from outside that no flow of ours takes (eb_nat6_in said
 * EB_NAT6_GO; s->p parsed): a new flow to a published port on the
 * container's IPv6 address, the client's address kept, as eb_dnat_new
 * does for IPv4. TCP flows start with a bare SYN only (a stray segment of
 * a flow whose mapping was removed is dropped); any other packet that a
 * host socket owns is the host's. A container without an IPv6 address is
 * reached through eb_nat46_in (EB_NAT46_GO). Returns a verdict,
 * TC_ACT_UNSPEC, EB_NAT46_GO, EB_NAT6_FULL (eb_nat6_reclaim, then this
 * again), or a negative drop reason.
 */
__attribute__((noinline)) int eb_dnat6_new(struct __sk_buff *skb)
{
	struct eb_config *cfg;
	struct eb_nat6_buf *s;
	struct eb_pub_val *pub;
	struct eb_pkt6 *p;
	__u64 now = bpf_ktime_get_ns();
	__u32 zero = 0, len = skb->len;
	int r;

	cfg = bpf_map_lookup_elem(&eb_config, &zero);
	s = bpf_map_lookup_elem(&eb_nat6_buf, &zero);
	if (!cfg || !s)
		return EB_DROP(EB_CNT_DROP_MALFORMED);
	p = &s->p;
	r = eb_pub6_admit(skb, s, &pub);
	if (r || !pub)
		return r;
	if (!eb_ctr_ip6(pub->ctr_ip, s->xaddr.w))
		return EB_NAT46_GO; /* a container without IPv6 (lib/nat46.h) */
	if (!eb_trace_mode) {
		r = eb_dnat6_bind(s, pub, len, now);
		if (r)
			return r;
		__sync_fetch_and_add(&pub->conns, 1);
		if (s->pk.host_port)
			eb_port_count(&s->pk, len);
		eb_event6(EB_EV_DNAT_NEW, 0, skb->ifindex, &p->saddr, &p->daddr, p->sport, p->dport,
			  p->proto, &s->xaddr, bpf_htons(pub->ctr_port));
		eb_count(EB_CNT_DNAT6_NEW, 0);
	}
	if (eb_rewrite6(skb, p->proto, false, &p->daddr, &s->xaddr, p->dport,
			bpf_htons(pub->ctr_port)))
		return EB_DROP(EB_CNT_DROP_MALFORMED);
	r = eb_deliver6(skb, pub->ifindex, p->hop);
	if (r < 0)
		return r;
	skb->cb[EB_CB_DECISION] = EB_CNT_DNAT6_IN;
	eb_count(EB_CNT_DNAT6_IN, len);
	return r;
}

#endif
