/* SPDX-License-Identifier: GPL-2.0 */
/*
 * An IPv6 client outside reaches a published port of a container that has
 * no IPv6 address (a network without --ipv6, or a container without one):
 * the flow is translated between the families in the datapath, as
 * Docker's userland proxy does it in a process. The container sees an
 * IPv4 connection from the gateway's address and a port of the network's
 * NAT range; the client sees the host's IPv6 address and the published
 * port. The client's own address does not reach the container (IPv4 has
 * no room for it: the same as Docker).
 *
 * The flow lives in the IPv6 conntrack maps (eb_ct6_*), its container side
 * keyed by IPv4-mapped addresses (::ffff:A.B.C.D):
 *   container side  ::ffff:CTR:cport -> ::ffff:GW:natport   kind DNAT_CTR
 *                   xaddr the host's IPv6 address, ct.xport the host port
 *   outside side    CLIENT:port -> HOST6:hport              kind DNAT_OUT
 *                   xaddr ::ffff:CTR, ct.xport cport
 * so that the sweeper, `ebnet ct`, gc, unpublish and rm treat it as any
 * other IPv6 flow to a published port, and an IPv4-mapped xaddr says
 * which flows are translated (eb_nat6_in_do hands those to eb_nat46_in).
 *
 * In: eb_from_uplink -> eb_nat6_in -> eb_dnat6_new (a published port of a
 * container without IPv6: EB_NAT46_GO) -> eb_nat46_in: the IPv6 header
 * becomes an IPv4 one (bpf_skb_change_proto), the L4 checksum follows the
 * pseudo header, delivered into the container. Out: the container's reply
 * to the gateway's address (eb_from_container) -> eb_nat46_out: found by
 * its container-side key, the IPv4 header becomes IPv6, out of the uplink
 * with the kernel's route and neighbour (bpf_redirect_neigh). ICMP errors
 * about these flows are not translated (left to the host): instead the
 * client's SYN is clamped to an MSS whose segments fit 1280 bytes, the
 * IPv6 minimum MTU, on any path (eb_nat46_clamp). A UDP datagram that
 * does not fit the path is lost, as for a host without PMTU for UDP.
 */
#ifndef EB_LIB_NAT46_H
#define EB_LIB_NAT46_H

#include "nat6_in.h"

#ifndef ETH_P_IP
#define ETH_P_IP 0x0800
#endif
#define EB_IP_DF 0x4000
/* The largest MSS a translated flow's container is told: 1280 - 40 - 20. */
#define EB_NAT46_MSS 1220

/* An IPv4 header without options, as on the wire. */
struct eb_ip4hdr {
	__u8 ver_ihl;
	__u8 tos;
	__be16 tot_len;
	__be16 id;
	__be16 frag_off;
	__u8 ttl;
	__u8 protocol;
	__u16 check;
	__be32 saddr;
	__be32 daddr;
};

/* Per CPU, not pinned (as eb_nat6_buf): the new header, the pseudo
 * headers' addresses before and after. */
struct eb_nat46_buf {
	struct eb_ip4hdr ip4;
	__be16 eth_proto;
	__u16 pad;
	__u8 a_old[32];
	__u8 a_new[32];
	/* eb_nat46_in's flow for eb_nat46_deliver: the container, its
	 * port, the flow's NAT port, the container's host-side port. */
	__be32 ctr4;
	__be16 cport, natport;
	__u32 ifindex;
	__u8 opt[4]; /* a SYN's first TCP option */
	__u8 l4[20]; /* the container's TCP or UDP header (eb_nat46_out) */
	__u32 is_new; /* eb_nat46_in made the flow: eb_nat46_deliver writes its event */
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct eb_nat46_buf);
} eb_nat46_buf SEC(".maps");

static __always_inline void eb_in6_map4(__u8 *out, __u32 ip4)
{
	__u32 w[4] = { 0, 0, bpf_htonl(0xffff), ip4 };

	__builtin_memcpy(out, w, 16);
}

/* The L4 checksum's offset from the L4 header, TCP or UDP. */
static __always_inline __u32 eb_l4_csum_at(__u8 proto)
{
	return proto == EB_NH_TCP ? 16 : 6;
}

/* The checksum and ports of the TCP/UDP segment at l4, for a new pseudo
 * header (s->a_old: the old addresses, a_olen bytes; s->a_new: a_nlen)
 * and new ports (network order). The L4 bytes stay where they are. */
static __always_inline int eb_l4_refit(struct __sk_buff *skb, struct eb_nat46_buf *x, __u32 l4,
				       __u8 proto, __u32 olen, __u32 nlen, __u16 osport,
				       __u16 nsport, __u16 odport, __u16 ndport)
{
	__u32 csum = l4 + eb_l4_csum_at(proto);
	__u64 mangled = proto == EB_NH_UDP ? BPF_F_MARK_MANGLED_0 : 0;
	__s64 d;

	if (olen > sizeof(x->a_old) || nlen > sizeof(x->a_new))
		return -1;
	d = bpf_csum_diff((__be32 *)x->a_old, olen, (__be32 *)x->a_new, nlen, 0);
	if (d < 0)
		return -1;
	if (bpf_l4_csum_replace(skb, csum, 0, d, BPF_F_PSEUDO_HDR | mangled))
		return -1;
	if (osport != nsport && (bpf_l4_csum_replace(skb, csum, osport, nsport, mangled | 2) ||
				 bpf_skb_store_bytes(skb, l4, &nsport, 2, 0)))
		return -1;
	if (odport != ndport && (bpf_l4_csum_replace(skb, csum, odport, ndport, mangled | 2) ||
				 bpf_skb_store_bytes(skb, l4 + 2, &ndport, 2, 0)))
		return -1;
	return 0;
}

/* The client's SYN: an MSS above EB_NAT46_MSS becomes EB_NAT46_MSS, so
 * that the container's segments, 20 bytes longer once IPv6, fit the IPv6
 * minimum MTU (1280) on any path: ICMPv6 "packet too big" about them is
 * not translated into ICMPv4 (see the top of this file). Linux, Windows
 * and the BSDs send MSS as a SYN's first option; it is looked for there
 * only. Returns 0 or < 0. */
static __always_inline int eb_nat46_clamp(struct __sk_buff *skb, struct eb_nat46_buf *x,
					  __u32 plen)
{
	const __u32 opt = EB_IP6_OFF_L4 + 20;
	__u16 old, new = bpf_htons(EB_NAT46_MSS);
	__u8 doff;

	/* The first option is there only if the header has options (data
	 * offset > 5) and the segment holds them: not payload, not a
	 * trailer past the payload length. */
	if (bpf_skb_load_bytes(skb, EB_IP6_OFF_L4 + 12, &doff, 1))
		return 0;
	doff = (doff >> 4) * 4;
	if (doff < 24 || doff > plen || bpf_skb_load_bytes(skb, opt, x->opt, 4))
		return 0;
	if (x->opt[0] != 2 || x->opt[1] != 4)
		return 0;
	__builtin_memcpy(&old, x->opt + 2, 2);
	if (bpf_ntohs(old) <= EB_NAT46_MSS)
		return 0;
	if (bpf_l4_csum_replace(skb, EB_IP6_OFF_L4 + 16, old, new, 2) ||
	    bpf_skb_store_bytes(skb, opt + 2, &new, 2, 0))
		return -1;
	return 0;
}

/*
 * A new translated flow of the IPv6 packet s->p to published port pub:
 * the container side takes a free port of the NAT range on the gateway's
 * address (tried as eb_nat6_claim tries: a random start, linear), then the
 * outside side. Leaves both in s->k/s->ne and s->rk/s->re. Returns 0,
 * EB_NAT6_FULL or a drop.
 *
 * The entries are filled as eb_dnat6_bind (lib/nat6_in.h) fills them, and
 * not by a shared always_inline filler: one was tried, and one of
 * eb_from_uplink's global stages grew from 128 to 136 bytes of stack, past
 * what its 384-byte frame leaves to a stage (512 in all).
 */
static __always_inline int eb_nat46_bind(struct eb_nat6_buf *s, const struct eb_config *cfg,
					 const struct eb_pub_val *pub, __u32 len, __u64 now)
{
	struct eb_pkt6 *p = &s->p;
	void *ct = eb_ct6_map(p->proto);
	__u32 span, start, i;
	int r = -EEXIST;

	if (cfg->nat_port_max < cfg->nat_port_min || !cfg->gateway)
		return EB_DROP(EB_CNT_DROP_NAT_EXHAUSTED);
	span = (__u32)cfg->nat_port_max - cfg->nat_port_min + 1;
	__builtin_memset(&s->k, 0, sizeof(s->k));
	eb_in6_map4(s->k.src, pub->ctr_ip);
	eb_in6_map4(s->k.dst, cfg->gateway);
	s->k.sport = bpf_htons(pub->ctr_port); /* host order in the map */
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
	eb_in6_map4(s->re.xaddr, pub->ctr_ip);
	s->re.ct.xport = s->k.sport;
	s->re.ct.kind = EB_CT_DNAT_OUT;
	s->re.ct.ifindex = pub->ifindex;
	s->re.ct.pub_key = EB_CT_PUB_ANY;
	s->re.ct.created = now;
	s->re.ct.last_seen = now;

	start = bpf_get_prandom_u32() % span;
	for (i = 0; i < EB_NAT_TRIES; i++) {
		s->k.dport = bpf_htons(cfg->nat_port_min + (start + i) % span);
		r = bpf_map_update_elem(ct, &s->k, &s->ne, BPF_NOEXIST);
		if (r != -EEXIST)
			break;
	}
	if (r)
		return r == -EEXIST	      ? EB_DROP(EB_CNT_DROP_NAT_EXHAUSTED)
		       : r == -E2BIG && !s->reclaimed ? EB_NAT6_FULL
						      : EB_DROP(EB_CNT_DROP_CT_FULL);
	s->re.peer = s->k;
	r = bpf_map_update_elem(ct, &s->rk, &s->re, BPF_ANY);
	if (r) {
		bpf_map_delete_elem(ct, &s->k);
		return r == -E2BIG && !s->reclaimed ? EB_NAT6_FULL : EB_DROP(EB_CNT_DROP_CT_FULL);
	}
	return 0;
}

/*
 * From the uplink (s->p parsed by eb_nat6_in): a packet of a translated
 * flow, or the first of a new one to a published port of a container
 * without IPv6 (eb_dnat6_new found it). Leaves the flow in eb_nat46_buf
 * for eb_nat46_deliver. Returns EB_NAT6_GO, TC_ACT_UNSPEC, EB_NAT6_FULL,
 * or a drop.
 */
__attribute__((noinline)) int eb_nat46_in(struct __sk_buff *skb)
{
	struct eb_ct6_entry *re, *ne = NULL;
	struct eb_nat46_buf *x;
	struct eb_config *cfg;
	struct eb_nat6_buf *s;
	struct eb_pub_val *pub;
	struct eb_pkt6 *p;
	__u64 now = bpf_ktime_get_ns();
	__u32 zero = 0, len = skb->len;
	void *ct;
	int r;

	cfg = bpf_map_lookup_elem(&eb_config, &zero);
	s = bpf_map_lookup_elem(&eb_nat6_buf, &zero);
	x = bpf_map_lookup_elem(&eb_nat46_buf, &zero);
	if (!cfg || !s || !x)
		return EB_DROP(EB_CNT_DROP_MALFORMED);
	p = &s->p;
	if (p->proto != EB_NH_TCP && p->proto != EB_NH_UDP)
		return TC_ACT_UNSPEC;
	ct = eb_ct6_map(p->proto);
	eb_ct6_key_in(&s->rk, p);
	re = bpf_map_lookup_elem(ct, &s->rk);
	if (re && re->ct.kind == EB_CT_DNAT_OUT && eb_in6_v4mapped(re->xaddr))
		ne = bpf_map_lookup_elem(ct, &re->peer);
	if (re && ne && !eb_ct_expired(&ne->ct, p->proto, cfg, now)) {
		eb_ct_track_l4(&ne->ct, 1, p->proto, p->tcp_flags, p->tcp_num, len, now);
		__builtin_memcpy(&x->ctr4, re->xaddr + 12, 4);
		x->cport = re->ct.xport;
		x->natport = re->peer.dport;
		x->ifindex = re->ct.ifindex;
		x->is_new = 0;
		return EB_NAT6_GO;
	}
	r = eb_pub6_admit(skb, s, &pub);
	if (r || !pub)
		return r;
	if (p->proto == EB_NH_UDP) {
		__u16 c;

		/* IPv6 has no UDP datagram without a checksum (RFC 8200 8.1),
		 * and IPv4 would take a 0 for "none": refused before a flow is
		 * made for it. */
		if (bpf_skb_load_bytes(skb, EB_IP6_OFF_L4 + 6, &c, 2) || !c)
			return EB_DROP(EB_CNT_DROP_MALFORMED);
	}
	x->ctr4 = pub->ctr_ip;
	x->cport = bpf_htons(pub->ctr_port);
	x->ifindex = pub->ifindex;
	x->natport = 0; /* in a trace: found at run time */
	x->is_new = 0;
	if (eb_trace_mode)
		return EB_NAT6_GO;
	r = eb_nat46_bind(s, cfg, pub, len, now);
	if (r)
		return r;
	x->natport = s->k.dport;
	__sync_fetch_and_add(&pub->conns, 1);
	if (s->pk.host_port)
		eb_port_count(&s->pk, len);
	x->is_new = 1; /* its event: eb_nat46_deliver (this frame has no room) */
	eb_count(EB_CNT_DNAT6_NEW, 0);
	return EB_NAT6_GO;
}

/* The packet of eb_nat46_in into the container: IPv6 becomes IPv4 from
 * the gateway's address and the flow's NAT port to the container's
 * address and port, one hop less. Returns a verdict or a drop. */
__attribute__((noinline)) int eb_nat46_deliver(struct __sk_buff *skb)
{
	struct eb_nat46_buf *x;
	struct eb_config *cfg;
	struct eb_nat6_buf *s;
	struct eb_pkt6 *p;
	__u32 zero = 0, len = skb->len;
	int r;

	cfg = bpf_map_lookup_elem(&eb_config, &zero);
	s = bpf_map_lookup_elem(&eb_nat6_buf, &zero);
	x = bpf_map_lookup_elem(&eb_nat46_buf, &zero);
	if (!cfg || !s || !x)
		return EB_DROP(EB_CNT_DROP_MALFORMED);
	p = &s->p;
	if (p->hop <= 1)
		return EB_DROP(EB_CNT_DROP_TTL);
	if (p->proto == EB_NH_UDP) {
		__u16 c;

		/* IPv6 has no UDP datagram without a checksum (RFC 8200 8.1):
		 * IPv4 would take a 0 for "none". */
		if (bpf_skb_load_bytes(skb, EB_IP6_OFF_L4 + 6, &c, 2) || !c)
			return EB_DROP(EB_CNT_DROP_MALFORMED);
	}
	/* The L4 header first, while it is IPv6: the pseudo header's
	 * addresses (upper-layer length and protocol are the same sum in
	 * both families), then the ports. */
	__builtin_memcpy(x->a_old, &s->ip6.saddr, 16);
	__builtin_memcpy(x->a_old + 16, &s->ip6.daddr, 16);
	__builtin_memcpy(x->a_new, &cfg->gateway, 4);
	__builtin_memcpy(x->a_new + 4, &x->ctr4, 4);
	if (eb_l4_refit(skb, x, EB_IP6_OFF_L4, p->proto, 32, 8, p->sport, x->natport, p->dport,
			x->cport))
		return EB_DROP(EB_CNT_DROP_MALFORMED);
	if (p->proto == EB_NH_TCP && (p->tcp_flags & EB_TCP_SYN) && eb_nat46_clamp(skb, x, p->plen))
		return EB_DROP(EB_CNT_DROP_MALFORMED);
	if (bpf_skb_change_proto(skb, bpf_htons(ETH_P_IP), 0))
		return EB_DROP(EB_CNT_DROP_MALFORMED);
	__builtin_memset(&x->ip4, 0, sizeof(x->ip4));
	x->ip4.ver_ihl = 0x45;
	x->ip4.tos = (bpf_ntohl(s->ip6.vtc_flow) >> 20) & 0xff;
	x->ip4.tot_len = bpf_htons(p->plen + 20);
	x->ip4.frag_off = bpf_htons(EB_IP_DF);
	x->ip4.ttl = p->hop; /* eb_deliver takes the hop */
	x->ip4.protocol = p->proto;
	x->ip4.saddr = cfg->gateway;
	x->ip4.daddr = x->ctr4;
	x->ip4.check = eb_csum_fold(bpf_csum_diff(NULL, 0, (__be32 *)&x->ip4, 20, 0));
	x->eth_proto = bpf_htons(ETH_P_IP);
	if (bpf_skb_store_bytes(skb, ETH_HLEN, &x->ip4, 20, 0) ||
	    bpf_skb_store_bytes(skb, 12, &x->eth_proto, 2, 0))
		return EB_DROP(EB_CNT_DROP_MALFORMED);
	if (x->is_new) {
		/* The container's side as ::ffff:A.B.C.D, its IPv4 address. */
		eb_in6_map4(x->a_new, x->ctr4);
		eb_event6(EB_EV_DNAT_NEW, 0, skb->ifindex, &s->ip6.saddr, &s->ip6.daddr, p->sport,
			  p->dport, p->proto, x->a_new, x->cport);
	}
	r = eb_deliver(skb, x->ifindex);
	if (r < 0)
		return r;
	skb->cb[EB_CB_DECISION] = EB_CNT_DNAT6_IN;
	eb_count(EB_CNT_DNAT6_IN, len);
	return r;
}

/* The L4 header of a reply going out through NAT46, checked whole as
 * eb_parse_l4 checks it for IPv4 (TCP's data offset within the segment,
 * UDP's length within the datagram) before anything changes, and the flow
 * tracked. False, with *err the drop, when it is not fit. */
static __always_inline bool eb_nat46_out_l4(struct __sk_buff *skb, struct eb_nat46_buf *x,
					    struct eb_ct6_entry *ne, __u8 proto, __u16 tot,
					    __u32 len, __u64 now, int *err)
{
	*err = EB_DROP(EB_CNT_DROP_MALFORMED);
	if (proto == EB_NH_TCP) {
		__u32 doff, num;

		if (tot < 40 || bpf_skb_load_bytes(skb, ETH_HLEN + 20, x->l4, 20))
			return false;
		doff = (x->l4[12] >> 4) * 4;
		if (doff < 20 || doff > (__u32)tot - 20)
			return false;
		/* As eb_parse_l4 gives it: a SYN's sequence number, else the
		 * ack number (the SYN-ACK's is what the client must ack). */
		__builtin_memcpy(&num, x->l4 + ((x->l4[13] & EB_TCP_SYN) ? 4 : 8), 4);
		eb_ct_track_l4(&ne->ct, 0, proto, x->l4[13], num, len, now);
	} else {
		__u32 ulen;

		if (bpf_skb_load_bytes(skb, ETH_HLEN + 20, x->l4, 8))
			return false;
		ulen = (__u32)x->l4[4] << 8 | x->l4[5];
		if (ulen < 8 || ulen > (__u32)tot - 20)
			return false;
		/* IPv4's "no checksum" has no IPv6 form: nothing to follow. */
		if (!(x->l4[6] | x->l4[7])) {
			*err = EB_DROP(EB_CNT_DROP_PROTO);
			return false;
		}
		eb_ct_track_l4(&ne->ct, 0, proto, 0, 0, len, now);
	}
	return true;
}

/*
 * From a container, an IPv4 packet to the gateway's address: a reply of a
 * translated flow (its container-side key, ::ffff:-mapped, in eb_ct6_*)
 * becomes IPv6 from the host's address and published port to the client,
 * out of the uplink. Returns a redirect verdict (counted), a drop, or
 * TC_ACT_UNSPEC: not such a flow (the host's).
 */
__attribute__((noinline)) int eb_nat46_out(struct __sk_buff *skb)
{
	struct eb_nat46_buf *x;
	struct eb_config *cfg;
	struct eb_nat6_buf *s;
	struct eb_ct6_entry *ne;
	__u64 now = bpf_ktime_get_ns();
	__u32 zero = 0, len = skb->len, mtu;
	__u16 ports[2], tot;
	__u8 proto;
	int r;

	cfg = bpf_map_lookup_elem(&eb_config, &zero);
	s = bpf_map_lookup_elem(&eb_nat6_buf, &zero);
	x = bpf_map_lookup_elem(&eb_nat46_buf, &zero);
	if (!cfg || !s || !x)
		return TC_ACT_UNSPEC;
	if (bpf_skb_load_bytes(skb, ETH_HLEN, &x->ip4, 20) || x->ip4.ver_ihl != 0x45)
		return TC_ACT_UNSPEC;
	proto = x->ip4.protocol;
	if ((proto != EB_NH_TCP && proto != EB_NH_UDP) ||
	    (bpf_ntohs(x->ip4.frag_off) & 0x3fff) || /* MF or an offset: a fragment */
	    bpf_skb_load_bytes(skb, ETH_HLEN + 20, ports, 4))
		return TC_ACT_UNSPEC;
	if (bpf_ntohs(ports[1]) < cfg->nat_port_min || bpf_ntohs(ports[1]) > cfg->nat_port_max)
		return TC_ACT_UNSPEC;
	__builtin_memset(&s->k, 0, sizeof(s->k));
	eb_in6_map4(s->k.src, x->ip4.saddr);
	eb_in6_map4(s->k.dst, x->ip4.daddr);
	s->k.sport = ports[0];
	s->k.dport = ports[1];
	s->k.proto = proto;
	ne = bpf_map_lookup_elem(eb_ct6_map(proto), &s->k);
	if (!ne || ne->ct.kind != EB_CT_DNAT_CTR || eb_ct_expired(&ne->ct, proto, cfg, now))
		return TC_ACT_UNSPEC;
	tot = bpf_ntohs(x->ip4.tot_len);
	if (tot < 28 || tot + ETH_HLEN > len)
		return EB_DROP(EB_CNT_DROP_MALFORMED);
	if (x->ip4.ttl <= 1)
		return EB_DROP(EB_CNT_DROP_TTL);
	if (!eb_nat46_out_l4(skb, x, ne, proto, tot, len, now, &r))
		return r;
	/* Too big for the uplink once 20 bytes longer: TCP's MSS keeps
	 * segments within it; anything else is dropped (no ICMP made). */
	mtu = tot + 20;
	if (!skb->gso_size &&
	    bpf_check_mtu(skb, cfg->uplink_ifindex, &mtu, 0, 0) == BPF_MTU_CHK_RET_FRAG_NEEDED)
		return EB_DROP(EB_CNT_DROP_FRAG_NEEDED);

	__builtin_memcpy(x->a_old, &x->ip4.saddr, 8);
	__builtin_memcpy(x->a_new, ne->xaddr, 16);
	__builtin_memcpy(x->a_new + 16, ne->peer.src, 16);
	if (eb_l4_refit(skb, x, ETH_HLEN + 20, proto, 8, 32, ports[0], ne->ct.xport, ports[1],
			ne->peer.sport))
		return EB_DROP(EB_CNT_DROP_MALFORMED);
	s->ip6.vtc_flow = bpf_htonl(0x60000000 | ((__u32)x->ip4.tos << 20));
	s->ip6.payload_len = bpf_htons(tot - 20);
	s->ip6.nexthdr = proto;
	s->ip6.hop_limit = x->ip4.ttl - 1;
	__builtin_memcpy(&s->ip6.saddr, ne->xaddr, 16);
	__builtin_memcpy(&s->ip6.daddr, ne->peer.src, 16);
	x->eth_proto = bpf_htons(EB_ETH_P_IPV6);
	if (bpf_skb_change_proto(skb, bpf_htons(EB_ETH_P_IPV6), 0) ||
	    bpf_skb_store_bytes(skb, ETH_HLEN, &s->ip6, 40, 0) ||
	    bpf_skb_store_bytes(skb, 12, &x->eth_proto, 2, 0))
		return EB_DROP(EB_CNT_DROP_MALFORMED);
	skb->cb[EB_CB_DECISION] = EB_CNT_NAT6_OUT;
	skb->cb[EB_CB_TARGET] = cfg->uplink_ifindex;
	eb_count(EB_CNT_NAT6_OUT, len);
	/* The kernel's route and neighbour for the client, out of the
	 * uplink (IPv6 forwarding may be off there: no FIB lookup). */
	return bpf_redirect_neigh(cfg->uplink_ifindex, NULL, 0, 0);
}

#endif
