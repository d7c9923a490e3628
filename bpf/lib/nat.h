/* SPDX-License-Identifier: GPL-2.0 */
/*
 * SNAT out of the uplink and its reverse, ICMP errors included. Shared by
 * eb_from_container (the way out) and eb_from_uplink (the way back).
 */
#ifndef EB_LIB_NAT_H
#define EB_LIB_NAT_H

#include <linux/pkt_cls.h>
#include "ct_flow.h"
#include "icmp.h"

/* An ICMP error's quoted packet: offsets and tuple. */
struct eb_inner {
	__u32 l3, l4, qlen;
	__u32 saddr, daddr;
	__u16 sport, dport;
	__u8 proto;
};

/* Parses the packet quoted by the ICMP error whose header is at p->l4.
 * Copies rather than packet pointers: the quote's length varies, and the
 * copies keep the verifier's bookkeeping simple. */
static __always_inline int eb_parse_inner(struct __sk_buff *skb, const struct eb_pkt *p,
					  struct eb_inner *in)
{
	struct iphdr iph;
	__u8 l4[8];
	__u32 off = p->l4 + sizeof(struct eb_icmphdr), hlen;

	if (bpf_skb_load_bytes(skb, off, &iph, sizeof(iph)))
		return EB_DROP(EB_CNT_DROP_MALFORMED);
	hlen = iph.ihl * 4;
	if (iph.version != 4 || hlen < sizeof(iph) || hlen > 60)
		return EB_DROP(EB_CNT_DROP_MALFORMED);
	/* Routers quote at least 8 bytes of L4 (RFC 792): ports or echo id. */
	if (bpf_skb_load_bytes(skb, off + hlen, l4, sizeof(l4)))
		return EB_DROP(EB_CNT_DROP_MALFORMED);
	in->l3 = off;
	in->l4 = off + hlen;
	/* The quote ends where the outer IP packet does, not the frame: a
	 * trailer (Ethernet padding) is no part of it. */
	if (p->l3 + p->tot_len < in->l4 + 8)
		return EB_DROP(EB_CNT_DROP_MALFORMED);
	in->qlen = p->l3 + p->tot_len - in->l4;
	in->saddr = iph.saddr;
	in->daddr = iph.daddr;
	in->proto = iph.protocol;
	switch (iph.protocol) {
	case IPPROTO_TCP:
	case IPPROTO_UDP:
		__builtin_memcpy(&in->sport, l4, 2);
		__builtin_memcpy(&in->dport, l4 + 2, 2);
		return 0;
	case IPPROTO_ICMP:
		if (l4[0] != ICMP_ECHO && l4[0] != ICMP_ECHOREPLY)
			return EB_DROP(EB_CNT_DROP_PROTO);
		__builtin_memcpy(&in->sport, l4 + 4, 2);
		in->dport = in->sport;
		return 0;
	}
	return EB_DROP(EB_CNT_DROP_PROTO);
}

/* Rewrites the outer IPv4 source or destination address of an ICMP message
 * (ICMP has no pseudo header: only the IP checksum changes). */
static __always_inline int eb_rewrite_l3_only(struct __sk_buff *skb, __u32 l3, bool src,
					      __u32 old_addr, __u32 new_addr)
{
	__u32 off = l3 + (src ? offsetof(struct iphdr, saddr) : offsetof(struct iphdr, daddr));

	if (bpf_l3_csum_replace(skb, l3 + EB_IP_CSUM_OFF, old_addr, new_addr, 4))
		return -1;
	return bpf_skb_store_bytes(skb, off, &new_addr, 4, 0) ? -1 : 0;
}

static __always_inline void eb_frag_key_of(struct eb_frag_key *k, const struct eb_pkt *p)
{
	__builtin_memset(k, 0, sizeof(*k));
	k->src = p->saddr;
	k->dst = p->daddr;
	k->id = p->ip_id;
	k->proto = p->proto;
}

/* After the first fragment was translated: how its datagram's other
 * fragments follow. new_addr is read back from the rewritten packet. */
static __always_inline void eb_frag_remember(struct __sk_buff *skb, const struct eb_pkt *p,
					     bool src, __u32 ifindex)
{
	struct eb_frag_key k;
	struct eb_frag_val v = { .ifindex = ifindex };

	if (p->frag != EB_FRAG_FIRST || eb_trace_mode)
		return;
	if (bpf_skb_load_bytes(skb, p->l3 + (src ? offsetof(struct iphdr, saddr)
						: offsetof(struct iphdr, daddr)),
			       &v.addr, 4))
		return;
	eb_frag_key_of(&k, p);
	bpf_map_update_elem(&eb_frags, &k, &v, BPF_ANY);
}

/* A later fragment follows its first: the same address rewrite (source on
 * the way out, destination on the way in). NULL with *r = TC_ACT_UNSPEC
 * when no first fragment was seen, or a drop reason. */
static __always_inline struct eb_frag_val *eb_frag_follow(struct __sk_buff *skb,
							  const struct eb_pkt *p, bool src, int *r)
{
	struct eb_frag_key fk;
	struct eb_frag_val *fv;

	eb_frag_key_of(&fk, p);
	fv = bpf_map_lookup_elem(&eb_frags, &fk);
	if (!fv) {
		*r = TC_ACT_UNSPEC;
		return NULL;
	}
	if (eb_rewrite_l3_only(skb, p->l3, src, src ? p->saddr : p->daddr, fv->addr)) {
		*r = EB_DROP(EB_CNT_DROP_MALFORMED);
		return NULL;
	}
	return fv;
}

/* Into a container, from the host's side: L2 header of its port, then
 * bpf_redirect_peer. */
static __always_inline int eb_deliver(struct __sk_buff *skb, __u32 ifindex)
{
	struct eb_ifindex_key k = { .ifindex = ifindex };
	struct eb_endpoint *ep = bpf_map_lookup_elem(&eb_ports, &k);

	if (!ep)
		return EB_DROP(EB_CNT_DROP_NO_PORT);
	/* The hop into the network. */
	if (eb_ttl_hop(skb, ETH_HLEN))
		return EB_DROP(EB_CNT_DROP_MALFORMED);
	if (bpf_skb_store_bytes(skb, 0, ep->mac, 6, 0) ||
	    bpf_skb_store_bytes(skb, 6, ep->host_mac, 6, 0))
		return EB_DROP(EB_CNT_DROP_MALFORMED);
	bpf_skb_change_type(skb, PACKET_HOST);
	skb->cb[EB_CB_TARGET] = ifindex;
	eb_ctr_count(ep->flood_slot, 1, skb->len);
	return bpf_redirect_peer(ifindex, 0);
}

/* Counts traffic to a published port under the key it was published with:
 * the flow's outside-side entry e2 says which (an entry made before it
 * did, by a lookup). */
static __always_inline void eb_port_count_for(const struct eb_ct_key *k2,
					      const struct eb_ct_entry *e2, __u32 len)
{
	struct eb_pub_key pk = { .host_ip = k2->dst,
				 .host_port = bpf_ntohs(k2->dport), /* host order there */
				 .proto = k2->proto };

	if (eb_trace_mode)
		return;
	if (e2->pub_key == EB_CT_PUB_ANY ||
	    (e2->pub_key != EB_CT_PUB_ADDR && !bpf_map_lookup_elem(&eb_pub_ports, &pk)))
		pk.host_ip = 0;
	eb_port_count(&pk, len);
}

/*
 * The way back, looked up: the outside-side entry (SNAT_OUT or DNAT_OUT) of
 * the flow a packet from outside belongs to, with its live container-side
 * entry in *e1 and its key in *k. Changes nothing; NULL when not ours.
 * Shared by eb_from_uplink (TC) and eb_xdp_uplink (XDP).
 */
static __always_inline struct eb_ct_entry *eb_rev_find(const struct eb_pkt *p,
						       const struct eb_config *cfg, __u64 now,
						       struct eb_ct_entry **e1, struct eb_ct_key *k)
{
	void *ct = eb_ct_map(p->proto);
	struct eb_ct_entry *e2;

	eb_ct_key_in(k, p);
	e2 = bpf_map_lookup_elem(ct, k);
	if (!e2 || (e2->kind != EB_CT_SNAT_OUT && e2->kind != EB_CT_DNAT_OUT))
		return NULL;
	*e1 = bpf_map_lookup_elem(ct, &e2->peer);
	if (!*e1 || eb_ct_expired(*e1, p->proto, cfg, now))
		return NULL;
	return e2;
}

/* A packet of that flow is delivered: its state and counters. Returns the
 * counter it goes under. */
static __always_inline int eb_rev_account(const struct eb_pkt *p, const struct eb_config *cfg,
					  const struct eb_ct_key *k, struct eb_ct_entry *e1,
					  const struct eb_ct_entry *e2, __u32 len, __u64 now)
{
	eb_ct_track(e1, 1, p, len, now);
	if (e2->kind == EB_CT_DNAT_OUT) {
		eb_port_count_for(k, e2, len);
		return EB_CNT_DNAT_IN;
	}
	return EB_CNT_SNAT_IN;
}

/* The published port a packet from outside is addressed to (its key in
 * *pk), or NULL. Changes nothing. */
static __always_inline struct eb_pub_val *eb_pub_find(const struct eb_pkt *p,
						      const struct eb_config *cfg,
						      struct eb_pub_key *pk)
{
	struct eb_pub_val *pub;

	if ((p->proto != IPPROTO_TCP && p->proto != IPPROTO_UDP) || p->frag == EB_FRAG_LATER)
		return NULL;
	/* 127.0.0.0/8 never comes from a wire: a frame that says so is
	 * left to the host's stack, which drops it as a martian. A port
	 * published on 127.0.0.1 must not be reachable this way (moby
	 * issue 45610, CVE-2020-8558). */
	if ((bpf_ntohl(p->daddr) >> 24) == 127)
		return NULL;
	__builtin_memset(pk, 0, sizeof(*pk));
	pk->host_ip = p->daddr;
	pk->host_port = bpf_ntohs(p->dport); /* the map's ports are host order */
	pk->proto = p->proto;
	pub = bpf_map_lookup_elem(&eb_pub_ports, pk);
	if (!pub && p->daddr == cfg->snat_ip) {
		pk->host_ip = 0;
		pub = bpf_map_lookup_elem(&eb_pub_ports, pk);
	}
	return pub;
}

/*
 * A new flow to a published port, bound in conntrack: both entries, so the
 * container's replies are translated back, not SNATed. TCP flows start
 * with a SYN only: a stray segment of a flow whose mapping was removed is
 * dropped, not handed to whoever owns the port now. Returns 0 (the caller
 * rewrites to pub->ctr_ip:ctr_port and delivers to pub->ifindex) or a
 * negative drop reason. pub->ctr_port is host order, the entries' ports
 * network order.
 */
static __always_inline int eb_dnat_bind(const struct eb_pkt *p, struct eb_pub_val *pub,
					const struct eb_pub_key *pk, __u32 len, __u32 in_ifindex,
					__u64 now)
{
	struct eb_ct_key k1, k2;
	struct eb_ct_entry e1 = {}, e2 = {};
	__u16 cport = bpf_htons(pub->ctr_port);
	void *ct;

	if (p->proto == IPPROTO_TCP &&
	    (p->tcp_flags & (EB_TCP_SYN | EB_TCP_RST | 0x10)) != EB_TCP_SYN)
		return EB_DROP(EB_CNT_DROP_NO_CT);
	if (eb_trace_mode)
		return 0;

	eb_ct_key_in(&k2, p);
	__builtin_memset(&k1, 0, sizeof(k1));
	k1.src = pub->ctr_ip;
	k1.dst = p->saddr;
	k1.sport = cport;
	k1.dport = p->sport;
	k1.proto = p->proto;

	e2.peer = k1;
	e2.xaddr = pub->ctr_ip;
	e2.xport = cport;
	e2.kind = EB_CT_DNAT_OUT;
	e2.ifindex = pub->ifindex;
	e2.pub_key = pk->host_ip ? EB_CT_PUB_ADDR : EB_CT_PUB_ANY;
	e2.created = e2.last_seen = now;
	e1.peer = k2;
	e1.xaddr = p->daddr;
	e1.xport = p->dport;
	e1.kind = EB_CT_DNAT_CTR;
	e1.ifindex = pub->ifindex;
	e1.created = e1.last_seen = now;
	e1.state = EB_CTS_SEEN_REPLY | EB_CTS_TRACKED;
	e1.packets[1] = 1;
	e1.bytes[1] = len;

	ct = eb_ct_map(p->proto);
	if (eb_ct_insert(p->proto, &k1, &e1, BPF_ANY, now))
		return EB_DROP(EB_CNT_DROP_CT_FULL);
	if (eb_ct_insert(p->proto, &k2, &e2, BPF_ANY, now)) {
		bpf_map_delete_elem(ct, &k1);
		return EB_DROP(EB_CNT_DROP_CT_FULL);
	}
	__sync_fetch_and_add(&pub->conns, 1);
	eb_port_count(pk, len);
	eb_event(EB_EV_DNAT_NEW, 0, in_ifindex, p->saddr, p->daddr, p->sport, p->dport, p->proto,
		 pub->ctr_ip, cport);
	eb_count(EB_CNT_DNAT_NEW, 0);
	return 0;
}

/*
 * The way back: a packet on the uplink addressed to the NAT address.
 * Returns a TC verdict, or TC_ACT_UNSPEC when it is not ours (the host's
 * own traffic, or another network's), or a negative drop reason.
 */
static __always_inline int eb_snat_reverse(struct __sk_buff *skb, struct eb_pkt *p,
					   const struct eb_config *cfg, __u32 len, int *cnt)
{
	struct eb_ct_entry *e2, *e1;
	struct eb_ct_key k;
	struct eb_inner in;
	__u64 now = bpf_ktime_get_ns();
	void *ct;
	int r;

	if (p->frag == EB_FRAG_LATER) {
		struct eb_frag_val *fv = eb_frag_follow(skb, p, false, &r);

		if (!fv)
			return r; /* not ours (TC_ACT_UNSPEC), or malformed */
		*cnt = EB_CNT_SNAT_IN;
		return eb_deliver(skb, fv->ifindex);
	}

	if (p->proto == IPPROTO_ICMP && eb_icmp_is_error(p->icmp_type)) {
		r = eb_parse_inner(skb, p, &in);
		if (r < 0)
			return TC_ACT_UNSPEC;
		/* The quoted packet is one we sent: its source is the NAT side. */
		__builtin_memset(&k, 0, sizeof(k));
		k.src = in.daddr;
		k.dst = in.saddr;
		k.proto = in.proto;
		k.sport = in.proto == IPPROTO_ICMP ? 0 : in.dport;
		k.dport = in.sport;
		ct = eb_ct_map(in.proto);
		e2 = bpf_map_lookup_elem(ct, &k);
		if (!e2 || (e2->kind != EB_CT_SNAT_OUT && e2->kind != EB_CT_DNAT_OUT))
			return TC_ACT_UNSPEC;
		e1 = bpf_map_lookup_elem(ct, &e2->peer);
		if (!e1 || eb_ct_expired(e1, in.proto, cfg, now))
			return TC_ACT_UNSPEC;
		eb_ct_account(e1, 1, len, now, 0);
		if (eb_rewrite_icmp_inner(skb, p->l4 + offsetof(struct eb_icmphdr, checksum), in.l3,
					  in.l4, in.qlen, in.proto, true, in.saddr, e2->xaddr,
					  in.sport, e2->xport) ||
		    eb_rewrite_l3_only(skb, p->l3, false, p->daddr, e2->xaddr))
			return EB_DROP(EB_CNT_DROP_MALFORMED);
		*cnt = EB_CNT_ICMP_ERR_IN;
		return eb_deliver(skb, e2->ifindex);
	}
	if (p->proto == IPPROTO_ICMP && p->icmp_type != ICMP_ECHOREPLY)
		return TC_ACT_UNSPEC;

	e2 = eb_rev_find(p, cfg, now, &e1, &k);
	if (!e2)
		return TC_ACT_UNSPEC;
	*cnt = eb_rev_account(p, cfg, &k, e1, e2, len, now);
	if (eb_rewrite(skb, p->l3, p->l4, p->proto, false, p->daddr, e2->xaddr, p->dport,
		       e2->xport))
		return EB_DROP(EB_CNT_DROP_MALFORMED);
	eb_frag_remember(skb, p, false, e2->ifindex);
	return eb_deliver(skb, e2->ifindex);
}

/* The host socket (in the namespace of the device the packet is on) that
 * takes this TCP or UDP packet, a listener included, or NULL. The caller
 * releases it. */
static __always_inline struct bpf_sock *eb_host_sk(void *ctx, const struct eb_pkt *p)
{
	/* The IPv4 member of struct bpf_sock_tuple only: 12 bytes of stack,
	 * not the union's 36. */
	struct {
		__be32 saddr, daddr;
		__be16 sport, dport;
	} t = { p->saddr, p->daddr, p->sport, p->dport };
	struct bpf_sock_tuple *tp = (void *)&t;

	if (p->proto == IPPROTO_TCP)
		return bpf_skc_lookup_tcp(ctx, tp, sizeof(t), BPF_F_CURRENT_NETNS, 0);
	return bpf_sk_lookup_udp(ctx, tp, sizeof(t), BPF_F_CURRENT_NETNS, 0);
}

/* Does any host socket take this packet (a listener included)? */
static __always_inline bool eb_host_sock(void *ctx, const struct eb_pkt *p)
{
	struct bpf_sock *sk = eb_host_sk(ctx, p);

	if (!sk)
		return false;
	bpf_sk_release(sk);
	return true;
}

/*
 * Does a packet to a published port belong to one of the host's own
 * sockets (in the uplink's namespace)? A TCP segment of a connection the
 * host has on that port (connecting, established or closing: any socket
 * but a listener), or a UDP datagram for a host socket connected to this
 * peer. A published port takes new flows only; the host's own connections
 * on it are never translated (the host's sshd after `publish --force 22`,
 * or a host client whose local port happens to be a published one). ctx
 * is the skb or the XDP buffer: the helpers take either.
 */
static __always_inline bool eb_host_owns(void *ctx, const struct eb_pkt *p)
{
	struct bpf_sock *sk = eb_host_sk(ctx, p);
	bool own;

	if (!sk)
		return false;
	own = p->proto == IPPROTO_TCP ? sk->state != BPF_TCP_LISTEN : sk->dst_port != 0;
	bpf_sk_release(sk);
	return own;
}

/* Is a packet to a published port (with no flow of ours) the published
 * port's rather than the host's? A bare TCP SYN opens a new flow (no
 * lookup needed); any other packet is the host's when a host socket owns
 * it, and otherwise the port's (eb_dnat_bind drops a stray TCP segment). */
static __always_inline bool eb_pub_takes(void *ctx, const struct eb_pkt *p)
{
	if (p->proto == IPPROTO_TCP &&
	    (p->tcp_flags & (EB_TCP_SYN | EB_TCP_RST | 0x10)) == EB_TCP_SYN)
		return true;
	return !eb_host_owns(ctx, p);
}

/* A new flow from outside to a published port, in TC. Returns a verdict,
 * TC_ACT_UNSPEC when the port is not published or the packet is the host's
 * own, or a negative drop reason. */
static __always_inline int eb_dnat_new(struct __sk_buff *skb, struct eb_pkt *p,
				       const struct eb_config *cfg, __u32 len, int *cnt)
{
	struct eb_pub_key pk;
	struct eb_pub_val *pub;
	__u32 xaddr, ifindex;
	__u16 xport;
	int r;

	pub = eb_pub_find(p, cfg, &pk);
	if (!pub)
		return TC_ACT_UNSPEC;
	if (!eb_pub_takes(skb, p))
		return TC_ACT_UNSPEC;
	r = eb_dnat_bind(p, pub, &pk, len, skb->ifindex, bpf_ktime_get_ns());
	if (r < 0)
		return r;
	xaddr = pub->ctr_ip;
	xport = bpf_htons(pub->ctr_port);
	ifindex = pub->ifindex;
	if (eb_rewrite(skb, p->l3, p->l4, p->proto, false, p->daddr, xaddr, p->dport, xport))
		return EB_DROP(EB_CNT_DROP_MALFORMED);
	eb_frag_remember(skb, p, false, ifindex);
	*cnt = EB_CNT_DNAT_IN;
	return eb_deliver(skb, ifindex);
}

/* An ICMP error a container sends out about a packet of one of its flows:
 * the quoted packet came in translated, so its destination is the
 * container side of a flow. Its source and the quoted packet are put back
 * as the outside saw them. 0 or a negative drop reason. */
static __always_inline int eb_snat_icmp_err(struct __sk_buff *skb, struct eb_pkt *p,
					    const struct eb_config *cfg, __u32 len, __u64 now)
{
	struct eb_ct_entry *e;
	struct eb_inner in;
	struct eb_ct_key k;
	int err;

	err = eb_parse_inner(skb, p, &in);
	if (err < 0)
		return err;
	__builtin_memset(&k, 0, sizeof(k));
	k.src = in.daddr;
	k.dst = in.saddr;
	k.proto = in.proto;
	k.sport = in.dport;
	k.dport = in.proto == IPPROTO_ICMP ? 0 : in.sport;
	e = bpf_map_lookup_elem(eb_ct_map(in.proto), &k);
	if (!e || (e->kind != EB_CT_SNAT_CTR && e->kind != EB_CT_DNAT_CTR) ||
	    eb_ct_expired(e, in.proto, cfg, now))
		return EB_DROP(EB_CNT_DROP_NO_CT);
	eb_ct_account(e, 0, len, now, 0);
	if (eb_rewrite_icmp_inner(skb, p->l4 + offsetof(struct eb_icmphdr, checksum), in.l3, in.l4,
				  in.qlen, in.proto, false, in.daddr, e->xaddr, in.dport, e->xport) ||
	    eb_rewrite_l3_only(skb, p->l3, true, p->saddr, e->xaddr))
		return EB_DROP(EB_CNT_DROP_MALFORMED);
	return 0;
}

/*
 * The way out: a container's packet toward a destination routed out of the
 * uplink. Binds or finds the flow, rewrites the source and sends it out.
 */
static __always_inline int eb_snat_forward(struct __sk_buff *skb, struct eb_pkt *p,
					   const struct eb_config *cfg,
					   const struct bpf_fib_lookup *fib, int fib_rc, __u32 len,
					   int *cnt)
{
	__u64 now = bpf_ktime_get_ns();
	struct eb_ct_entry *e;
	struct eb_ct_key k;
	int err = 0;

	if (p->frag == EB_FRAG_LATER) {
		int r;

		/* One before its first fragment is dropped: never leak it. */
		if (!eb_frag_follow(skb, p, true, &r))
			return r == TC_ACT_UNSPEC ? EB_DROP(EB_CNT_DROP_FRAGMENT) : r;
		*cnt = EB_CNT_SNAT_OUT;
	} else if (p->proto == IPPROTO_ICMP && eb_icmp_is_error(p->icmp_type)) {
		err = eb_snat_icmp_err(skb, p, cfg, len, now);
		if (err < 0)
			return err;
		*cnt = EB_CNT_ICMP_ERR_OUT;
	} else {
		if (p->proto == IPPROTO_ICMP && p->icmp_type != ICMP_ECHO)
			return EB_DROP(EB_CNT_DROP_PROTO);
		if (p->proto == IPPROTO_TCP && (p->tcp_flags & EB_TCP_RST)) {
			/* A reset starts nothing: only an existing flow carries it. */
			eb_ct_key_out(&k, p);
			e = bpf_map_lookup_elem(&eb_ct_tcp, &k);
			if (!e || eb_ct_expired(e, p->proto, cfg, now))
				return EB_DROP(EB_CNT_DROP_NO_CT);
		} else {
			/* A bare SYN on a flow that closed (FIN or RST) but
			 * is not swept yet starts it over, with its binding
			 * (eb_ct_track). */
			e = eb_snat_bind(p, skb->ifindex, cfg, now, &err);
			if (!e)
				return err;
		}
		eb_ct_track(e, 0, p, len, now);
		if (eb_rewrite(skb, p->l3, p->l4, p->proto, true, p->saddr, e->xaddr, p->sport,
			       e->xport))
			return EB_DROP(EB_CNT_DROP_MALFORMED);
		eb_frag_remember(skb, p, true, fib->ifindex);
		*cnt = EB_CNT_SNAT_OUT;
	}

	/* The hop out (the gateway answered a packet with none left). */
	if (eb_ttl_hop(skb, p->l3))
		return EB_DROP(EB_CNT_DROP_MALFORMED);
	if (fib_rc == BPF_FIB_LKUP_RET_FWD_DISABLED)
		/* No FIB answer (forwarding off): the helper's own route
		 * lookup and neighbour, out of the uplink. */
		return bpf_redirect_neigh(fib->ifindex, NULL, 0, 0);
	if (fib_rc == BPF_FIB_LKUP_RET_SUCCESS) {
		if (bpf_skb_store_bytes(skb, 0, fib->dmac, 6, 0) ||
		    bpf_skb_store_bytes(skb, 6, fib->smac, 6, 0))
			return EB_DROP(EB_CNT_DROP_MALFORMED);
		return bpf_redirect(fib->ifindex, 0);
	} else {
		struct bpf_redir_neigh nh = { .nh_family = AF_INET, .ipv4_nh = fib->ipv4_dst };

		return bpf_redirect_neigh(fib->ifindex, &nh, sizeof(nh), 0);
	}
}

#endif
