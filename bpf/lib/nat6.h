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

#include <linux/pkt_cls.h>
#include <linux/if_packet.h>
#include "ndp.h"
#include "nat.h"
#include "ip6.h"

#ifndef AF_INET6
#define AF_INET6 10
#endif
#define EB_NH_TCP	  6
#define EB_NH_UDP	  17
#define EB_ICMP6_DU	  1 /* destination unreachable */
#define EB_ICMP6_PTB	  2 /* packet too big */
#define EB_ICMP6_TE	  3 /* time exceeded */
#define EB_ICMP6_PP	  4 /* parameter problem */
#define EB_ICMP6_ECHO_RQ  128
#define EB_ICMP6_ECHO_RP  129
#define EB_IP6_OFF_SRC	  (ETH_HLEN + 8)
#define EB_IP6_OFF_DST	  (ETH_HLEN + 24)
#define EB_IP6_OFF_L4	  (ETH_HLEN + 40)
/* An error's quote: the IPv6 header and 88 bytes after it (RFC 4443 asks
 * for as much as fits in 1280; the container's stack needs the header and
 * 8 bytes of L4 to find its socket, TCP its sequence number). */
#define EB_Q6_MAX	  128

/* An IPv6 header as on the wire. */
struct eb_ip6hdr {
	__be32 vtc_flow;
	__be16 payload_len;
	__u8 nexthdr;
	__u8 hop_limit;
	union eb_in6 saddr;
	union eb_in6 daddr;
};

/* A parsed packet (or an error's quoted one): its tuple as on the wire. */
struct eb_pkt6 {
	union eb_in6 saddr, daddr;
	__u32 plen;	    /* payload length, host order */
	__u32 tcp_num;	    /* TCP: SYN's seq, else the ack number (network order) */
	__u32 csum_off;	    /* quoted packet: its L4 checksum's offset, 0 when not quoted */
	__u16 sport, dport; /* network order; ICMPv6 echo: both the identifier */
	__u8 proto;
	__u8 tcp_flags;
	__u8 icmp_type;
	__u8 hop;
};

/* An ICMPv6 error made by the gateway: the new IPv6 header, its pseudo
 * header (for the checksum), the ICMPv6 header and the quote. */
struct eb_icmp6_err {
	__u8 mac[12];
	__u8 pad[4];
	struct eb_ip6hdr ip6;
	__be32 pseudo[10]; /* source, destination, upper-layer length, next header */
	__u8 icmp[8];	   /* type, code, checksum, the 4 bytes after (PTB: the MTU) */
	__u8 quote[EB_Q6_MAX + 4]; /* + the checksum's rounding, for the verifier */
};

struct eb_nat6_buf {
	struct eb_ip6hdr ip6; /* the uplink's packet */
	struct eb_ip6hdr inner;
	struct eb_pkt6 p;
	struct eb_pkt6 in; /* an ICMPv6 error's quoted packet */
	__u8 l4[20];
	struct bpf_fib_lookup fib;
	int fib_rc; /* what bpf_fib_lookup answered for s->fib */
	union eb_in6 xaddr; /* the binding of the flow (stage 2 for stage 3) */
	__u16 xport;
	__u16 xlated; /* an ICMPv6 error, translated whole by stage 2 */
	__u32 claim;  /* a new flow: eb_nat6_claim binds it */
	__u32 routed; /* --nat6 off */
	__u32 port_min, port_span, port_orig; /* the NAT range, the container's port */
	__u32 reclaimed; /* eb_nat6_reclaim ran for this packet */
	/* This CPU's walks of a full map (eb_nat6_reclaim): when the last
	 * was, what it freed, where it stopped ([1] TCP, [0] the other). */
	__u64 rc_last;
	__u32 rc_freed, rc_budget, rc_skip[2];
	struct bpf_redir_neigh nh;
	struct eb_ct6_key k, rk;
	struct eb_ct6_entry ne, re;
	struct {
		__be32 saddr[4], daddr[4];
		__be16 sport, dport;
	} tuple; /* bpf_skc_lookup_tcp's IPv6 tuple */
	struct eb_icmp6_err err;
	/* A new flow from outside (eb_dnat6_new): the published port's keys,
	 * and whether the packet came to the NAT address (eb_nat6_in_do). */
	struct eb_pub6_key pk6;
	struct eb_pub_key pk;
	__u32 nat_addr;
	__u32 on; /* the network carries IPv6 (else only published ports: lib/nat46.h) */
};

/* Per CPU, not pinned: each object has its own. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct eb_nat6_buf);
} eb_nat6_buf SEC(".maps");

static __always_inline void *eb_ct6_map(__u8 proto)
{
	return proto == EB_NH_TCP ? (void *)&eb_ct6_tcp : (void *)&eb_ct6_other;
}

static __always_inline bool eb_icmp6_is_error(__u8 t)
{
	return t >= EB_ICMP6_DU && t <= EB_ICMP6_PP;
}

static __always_inline __u32 eb_fold32(__u32 x)
{
	x = (x & 0xffff) + (x >> 16);
	return (x & 0xffff) + (x >> 16);
}

/* Is a (16 bytes) an IPv4-mapped address, ::ffff:A.B.C.D? */
static __always_inline bool eb_in6_v4mapped(const void *a)
{
	const __u32 *w = a;

	return !w[0] && !w[1] && w[2] == bpf_htonl(0xffff);
}

/* Is a inside the network's IPv6 prefix? */
static __always_inline bool eb_in6_in_prefix(const union eb_in6 *a, const struct eb_config6 *c6)
{
	const union eb_in6 *pf = (const union eb_in6 *)c6->prefix;
	__u32 plen = c6->plen;

#pragma unroll
	for (int i = 0; i < 4; i++) {
		__u32 bits = plen > 32 ? 32 : plen;
		__u32 m = bits ? bpf_htonl(~0U << (32 - bits)) : 0;

		if ((a->w[i] ^ pf->w[i]) & m)
			return false;
		plen -= bits;
	}
	return true;
}

/* The L4 header of a packet (or of a quote: quoted true, where L4 may be cut
 * after 8 bytes) at l4, plen bytes of payload from it. Fills p's ports,
 * flags, ICMPv6 type. Returns 0 or a negative drop reason. */
static __always_inline int eb_parse6_l4(struct __sk_buff *skb, __u32 l4, __u32 plen, __u8 proto,
					struct eb_pkt6 *p, __u8 *buf, bool quoted)
{
	p->proto = proto;
	p->tcp_flags = 0;
	p->icmp_type = 0;
	p->tcp_num = 0;
	p->csum_off = 0;
	if (plen < 8 || bpf_skb_load_bytes(skb, l4, buf, 8))
		return EB_DROP(EB_CNT_DROP_MALFORMED);
	switch (proto) {
	case EB_NH_TCP:
		__builtin_memcpy(&p->sport, buf, 2);
		__builtin_memcpy(&p->dport, buf + 2, 2);
		if (quoted) {
			if (plen >= 18)
				p->csum_off = l4 + 16;
			return 0;
		}
		if (plen < 20 || bpf_skb_load_bytes(skb, l4 + 8, buf + 8, 12))
			return EB_DROP(EB_CNT_DROP_MALFORMED);
		if ((buf[12] >> 4) < 5 || (buf[12] >> 4) * 4 > plen)
			return EB_DROP(EB_CNT_DROP_MALFORMED);
		p->tcp_flags = buf[13];
		__builtin_memcpy(&p->tcp_num, buf + ((p->tcp_flags & EB_TCP_SYN) ? 4 : 8), 4);
		return 0;
	case EB_NH_UDP:
		__builtin_memcpy(&p->sport, buf, 2);
		__builtin_memcpy(&p->dport, buf + 2, 2);
		if (quoted) {
			if (buf[6] | buf[7])
				p->csum_off = l4 + 6;
			return 0;
		}
		if (((buf[4] << 8) | buf[5]) < 8 || ((buf[4] << 8) | buf[5]) > plen)
			return EB_DROP(EB_CNT_DROP_MALFORMED);
		return 0;
	case EB_NH_ICMPV6:
		p->icmp_type = buf[0];
		__builtin_memcpy(&p->sport, buf + 4, 2);
		p->dport = p->sport;
		if (quoted) {
			if (buf[0] != EB_ICMP6_ECHO_RQ && buf[0] != EB_ICMP6_ECHO_RP)
				return EB_DROP(EB_CNT_DROP_PROTO);
			p->csum_off = l4 + 2;
		}
		return 0;
	}
	return EB_DROP(EB_CNT_DROP_PROTO);
}

/* The quoted packet of the ICMPv6 error at EB_IP6_OFF_L4 (outer payload
 * plen), into s->in (its header in s->inner). */
static __always_inline int eb_parse6_inner(struct __sk_buff *skb, struct eb_nat6_buf *s, __u32 plen)
{
	struct eb_pkt6 *in = &s->in;

	if (plen < 8 + 40 + 8 ||
	    bpf_skb_load_bytes(skb, EB_IP6_OFF_L4 + 8, &s->inner, sizeof(s->inner)))
		return EB_DROP(EB_CNT_DROP_MALFORMED);
	if ((bpf_ntohl(s->inner.vtc_flow) >> 28) != 6)
		return EB_DROP(EB_CNT_DROP_MALFORMED);
	in->saddr = s->inner.saddr;
	in->daddr = s->inner.daddr;
	in->plen = plen - 48; /* what the quote holds of its L4 part */
	return eb_parse6_l4(skb, EB_IP6_OFF_L4 + 48, in->plen, s->inner.nexthdr, in, s->l4, true);
}

/* The container-side key of a packet a container sends. */
static __always_inline void eb_ct6_key_out(struct eb_ct6_key *k, const struct eb_pkt6 *p)
{
	__builtin_memset(k, 0, sizeof(*k));
	__builtin_memcpy(k->src, &p->saddr, 16);
	__builtin_memcpy(k->dst, &p->daddr, 16);
	k->proto = p->proto;
	k->sport = p->sport;
	k->dport = p->proto == EB_NH_ICMPV6 ? 0 : p->dport;
}

/* The outside-side key of a packet arriving from outside. */
static __always_inline void eb_ct6_key_in(struct eb_ct6_key *k, const struct eb_pkt6 *p)
{
	__builtin_memset(k, 0, sizeof(*k));
	__builtin_memcpy(k->src, &p->saddr, 16);
	__builtin_memcpy(k->dst, &p->daddr, 16);
	k->proto = p->proto;
	k->sport = p->proto == EB_NH_ICMPV6 ? 0 : p->sport;
	k->dport = p->dport;
}

/* Where the L4 checksum and the port (src: the source's) of an IPv6
 * packet are, and how the checksum helper treats it: TCP and UDP as for
 * IPv4 (eb_l4_offsets); ICMPv6 echo's identifier is the port both ways,
 * and its checksum covers the pseudo header (ICMPv4's does not). */
static __always_inline int eb_l4_offsets6(__u8 proto, __u32 l4, bool src, __u32 *csum_off,
					  __u32 *port_off, __u64 *flags)
{
	if (proto == EB_NH_TCP || proto == EB_NH_UDP)
		return eb_l4_offsets(proto, l4, src, csum_off, port_off, flags);
	if (proto != EB_NH_ICMPV6)
		return -1;
	*csum_off = l4 + 2;
	*port_off = l4 + 4;
	*flags = BPF_F_PSEUDO_HDR;
	return 0;
}

/* Rewrites the source (src) or destination address and port of the IPv6
 * packet at ETH_HLEN, the L4 checksum with it. Returns 0 or < 0. */
static __always_inline int eb_rewrite6(struct __sk_buff *skb, __u8 proto, bool src,
				       const void *old_addr, const void *new_addr, __u16 old_port,
				       __u16 new_port)
{
	__u32 csum_off, port_off;
	__u64 flags;
	__s64 d;

	if (eb_l4_offsets6(proto, EB_IP6_OFF_L4, src, &csum_off, &port_off, &flags))
		return -1;
	if (!eb_in6_eq(old_addr, new_addr)) {
		d = bpf_csum_diff((__be32 *)old_addr, 16, (__be32 *)new_addr, 16, 0);
		if (d < 0)
			return -1;
		if (bpf_l4_csum_replace(skb, csum_off, 0, d, flags))
			return -1;
		if (bpf_skb_store_bytes(skb, src ? EB_IP6_OFF_SRC : EB_IP6_OFF_DST, new_addr, 16, 0))
			return -1;
	}
	if (old_port != new_port) {
		if (bpf_l4_csum_replace(skb, csum_off, old_port, new_port,
					(flags & BPF_F_MARK_MANGLED_0) | 2))
			return -1;
		if (bpf_skb_store_bytes(skb, port_off, &new_port, 2, 0))
			return -1;
	}
	return 0;
}

/*
 * Rewrites an ICMPv6 error (at ETH_HLEN) about a packet of one of our
 * flows: in the quote, its source (in_src) or destination address from old
 * to new and that side's port, and the quote's L4 checksum where quoted
 * (computed here: the helper would follow the outer packet's checksum
 * state); the outer address of the same side's opposite (the error goes to
 * the quote's source: the outer destination is the quote's source) from old
 * to new; and the outer ICMPv6 checksum for every byte changed (the
 * quote's without the pseudo-header flag: they are payload).
 */
static __always_inline int eb_icmp6_xlate(struct __sk_buff *skb, const struct eb_pkt6 *in,
					  bool in_src, const void *old_addr, const void *new_addr,
					  __u16 old_port, __u16 new_port)
{
	const __u32 outer = EB_IP6_OFF_L4 + 2, in3 = EB_IP6_OFF_L4 + 8, in4 = in3 + 40;
	__u32 port_off = in4 + (in->proto == EB_NH_ICMPV6 ? 4 : in_src ? 0 : 2);
	__u16 oc, nc;
	__s64 d;

	d = bpf_csum_diff((__be32 *)old_addr, 16, (__be32 *)new_addr, 16, 0);
	if (d < 0)
		return -1;
	if (in->csum_off && in->csum_off < 1600) {
		if (bpf_skb_load_bytes(skb, in->csum_off, &oc, 2))
			return -1;
		nc = ~eb_fold32((__u16)~oc + eb_fold32((__u32)d) + (__u16)~old_port + new_port);
		if (in->proto == EB_NH_UDP && nc == 0)
			nc = 0xffff;
		if (bpf_skb_store_bytes(skb, in->csum_off, &nc, 2, 0) ||
		    bpf_l4_csum_replace(skb, outer, oc, nc, 2))
			return -1;
	}
	if (old_port != new_port &&
	    (bpf_skb_store_bytes(skb, port_off, &new_port, 2, 0) ||
	     bpf_l4_csum_replace(skb, outer, old_port, new_port, 2)))
		return -1;
	if (bpf_skb_store_bytes(skb, in3 + (in_src ? 8 : 24), new_addr, 16, 0) ||
	    bpf_l4_csum_replace(skb, outer, 0, d, 0))
		return -1;
	/* The outer address: the quote's source is whom the error goes to. */
	if (bpf_skb_store_bytes(skb, in_src ? EB_IP6_OFF_DST : EB_IP6_OFF_SRC, new_addr, 16, 0) ||
	    bpf_l4_csum_replace(skb, outer, 0, d, BPF_F_PSEUDO_HDR))
		return -1;
	return 0;
}

/*
 * Turns the IPv6 packet at ETH_HLEN into the ICMPv6 error type/code about
 * it, from `from` (the gateway) to its sender, back where it came from:
 * MACs swapped, a new IPv6 and ICMPv6 header, the start of the packet
 * quoted, the checksum over the pseudo header. rest: the 4 bytes after the
 * checksum, network order (packet too big: the MTU). The caller checked
 * that the packet is no ICMPv6 error. Returns 0 or a negative drop reason;
 * the caller redirects out of skb->ifindex.
 */
static __always_inline int eb_icmp6_error(struct __sk_buff *skb, struct eb_nat6_buf *s, __u8 type,
					  __u8 code, __u32 rest, const __u8 *from)
{
	struct eb_icmp6_err *b = &s->err;
	__u32 qlen = s->p.plen, sum;
	__u16 c;

	if (qlen > EB_Q6_MAX - 40)
		qlen = EB_Q6_MAX - 40;
	qlen += 40;
	if (qlen + ETH_HLEN > skb->len)
		return EB_DROP(EB_CNT_DROP_MALFORMED);
	/* The bounds again, where the verifier sees them. */
	asm volatile("" : "+r"(qlen));
	if (qlen < 40 || qlen > EB_Q6_MAX)
		return EB_DROP(EB_CNT_DROP_MALFORMED);
	__builtin_memset(b, 0, sizeof(*b));
	if (bpf_skb_load_bytes(skb, 0, b->mac, sizeof(b->mac)) ||
	    bpf_skb_load_bytes(skb, ETH_HLEN, b->quote, qlen))
		return EB_DROP(EB_CNT_DROP_MALFORMED);
	b->ip6.vtc_flow = bpf_htonl(0x60000000);
	b->ip6.payload_len = bpf_htons(8 + qlen);
	b->ip6.nexthdr = EB_NH_ICMPV6;
	b->ip6.hop_limit = 64;
	__builtin_memcpy(&b->ip6.saddr, from, 16);
	b->ip6.daddr = s->p.saddr;
	__builtin_memcpy(b->pseudo, from, 16);
	__builtin_memcpy(&b->pseudo[4], &s->p.saddr, 16);
	b->pseudo[8] = bpf_htonl(8 + qlen);
	b->pseudo[9] = bpf_htonl(EB_NH_ICMPV6);
	b->icmp[0] = type;
	b->icmp[1] = code;
	__builtin_memcpy(b->icmp + 4, &rest, 4);
	sum = bpf_csum_diff(NULL, 0, b->pseudo, sizeof(b->pseudo), 0);
	/* The quote's zeroed tail pads it to 4 bytes: zeros add nothing. */
	sum = bpf_csum_diff(NULL, 0, (__be32 *)b->icmp, (8 + qlen + 3) & ~3U, sum);
	c = ~eb_fold32(sum);
	__builtin_memcpy(b->icmp + 2, &c, 2);
	if (bpf_skb_change_tail(skb, ETH_HLEN + 48 + qlen, 0))
		return EB_DROP(EB_CNT_DROP_MALFORMED);
	if (bpf_skb_store_bytes(skb, 0, b->mac + 6, 6, 0) ||
	    bpf_skb_store_bytes(skb, 6, b->mac, 6, 0) ||
	    bpf_skb_store_bytes(skb, ETH_HLEN, &b->ip6, 40, 0) ||
	    bpf_skb_store_bytes(skb, ETH_HLEN + 40, b->icmp, 8 + qlen, 0))
		return EB_DROP(EB_CNT_DROP_MALFORMED);
	return 0;
}

/* An ICMPv6 error from the gateway about the container's packet, back out
 * of its port: a verdict + EB_CNT_MAX (counted), or a drop reason. None
 * about an ICMPv6 error (RFC 4443 2.4 e). */
static __always_inline int eb_nat6_answer(struct __sk_buff *skb, struct eb_nat6_buf *s,
					  const struct eb_config6 *c6, __u8 type, __u32 rest)
{
	__u32 len = skb->len;
	int ret;

	if (s->p.proto == EB_NH_ICMPV6 && eb_icmp6_is_error(s->p.icmp_type))
		return EB_DROP(type == EB_ICMP6_TE ? EB_CNT_DROP_TTL : EB_CNT_DROP_FRAG_NEEDED);
	ret = eb_icmp6_error(skb, s, type, 0, rest, c6->gateway);
	if (ret < 0)
		return ret;
	skb->cb[EB_CB_DECISION] = EB_CNT_ICMP6_SENT;
	skb->cb[EB_CB_TARGET] = skb->ifindex;
	eb_count(EB_CNT_ICMP6_SENT, len);
	return bpf_redirect(skb->ifindex, 0) + EB_CNT_MAX;
}

/* One hop less (IPv6 has no header checksum). The caller checked > 1. */
static __always_inline int eb_hop6_dec(struct __sk_buff *skb, __u8 hop)
{
	hop--;
	return bpf_skb_store_bytes(skb, ETH_HLEN + 7, &hop, 1, 0);
}

/* eb_from_container6's answer "routed: go on with eb_nat6_route", and
 * eb_nat6_route's "go on with eb_nat6_forward" (above every verdict +
 * EB_CNT_MAX). The stages are global functions called one after the
 * other from eb_from_container, not from each other: each is verified
 * once, and each frame adds alone to the program's (the 512 bytes of the
 * deepest call chain are nearly all the IPv4 path's). */
#define EB_NAT6_GO   1000
#define EB_NAT6_FULL 1001 /* eb_nat6_claim: the map is full; eb_nat6_reclaim, then again */
#define EB_NAT46_GO  1002 /* to a container without IPv6: eb_nat46_in (lib/nat46.h) */

/*
 * Stage 1: a container's IPv6 packet to its gateway's MAC for an address
 * that is not the gateway's (its first bytes in eb_nd_scratch, as
 * eb_from_container6 read them; no extension header). The kernel's FIB
 * says where it goes: a local address of the host to the host's stack;
 * out of the uplink it goes on to stage 2 (EB_NAT6_GO), unless the
 * gateway answers it ("time exceeded", "packet too big"). Returns a
 * counter (>= 0: pass to the host), a negative drop reason, a verdict +
 * EB_CNT_MAX (counted already), or EB_NAT6_GO.
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
	__builtin_memset(fib, 0, sizeof(*fib));
	fib->family = AF_INET6;
	fib->l4_protocol = p->proto;
	fib->ifindex = skb->ifindex;
	/* The route's MTU checks the packet's length; a GSO packet is
	 * checked by the kernel, whose segments fit the device. */
	fib->tot_len = skb->gso_size ? 0 : 40 + p->plen;
	__builtin_memcpy(fib->ipv6_src, &p->saddr, 16);
	__builtin_memcpy(fib->ipv6_dst, &p->daddr, 16);
	rc = bpf_fib_lookup(skb, fib, sizeof(*fib), 0);
	s->fib_rc = rc;
	switch (rc) {
	case BPF_FIB_LKUP_RET_SUCCESS:
	case BPF_FIB_LKUP_RET_NO_NEIGH:
		break;
	case BPF_FIB_LKUP_RET_NOT_FWDED: /* a local address, or no route */
		return EB_CNT_TO_HOST;
	case BPF_FIB_LKUP_RET_FWD_DISABLED:
		/* IPv6 forwarding off on the port (ipv6.c turns it on; a
		 * write to conf/all resets it): out of the uplink with the
		 * helper's own route and neighbour lookup, as IPv4 does
		 * (eb_routed_nofib); the host's own addresses and the
		 * subnet stay the host's. */
		if (!cfg->uplink_ifindex || eb_in6_eq_raw(&p->daddr, c6->snat_ip6) ||
		    eb_in6_in_prefix(&p->daddr, c6) ||
		    (p->daddr.w[0] | p->daddr.w[1] | p->daddr.w[2]) == 0)
			return EB_CNT_TO_HOST;
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
			return EB_CNT_TO_HOST;
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
 * verdict + EB_CNT_MAX (counted), or a negative drop reason.
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
		return bpf_redirect_neigh(s->fib.ifindex, NULL, 0, 0) + EB_CNT_MAX;
	if (s->fib_rc == BPF_FIB_LKUP_RET_SUCCESS) {
		if (bpf_skb_store_bytes(skb, 0, s->fib.dmac, 6, 0) ||
		    bpf_skb_store_bytes(skb, 6, s->fib.smac, 6, 0))
			return EB_DROP(EB_CNT_DROP_MALFORMED);
		return bpf_redirect(s->fib.ifindex, 0) + EB_CNT_MAX;
	}
	s->nh.nh_family = AF_INET6;
	__builtin_memcpy(s->nh.ipv6_nh, s->fib.ipv6_dst, 16);
	return bpf_redirect_neigh(s->fib.ifindex, &s->nh, sizeof(s->nh), 0) + EB_CNT_MAX;
}

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
	s->pk6.host_port = p->dport;
	s->pk6.proto = p->proto;
	__builtin_memset(&s->pk, 0, sizeof(s->pk));
	pub = bpf_map_lookup_elem(&eb_published6, &s->pk6);
	if (pub)
		return pub;
	s->pk.host_port = p->dport;
	s->pk.proto = p->proto;
	return bpf_map_lookup_elem(&eb_published, &s->pk);
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
static __always_inline int eb_nat6_in_do(struct __sk_buff *skb, const struct eb_config *cfg,
					 const struct eb_config6 *c6, struct eb_nat6_buf *s)
{
	struct eb_ct6_entry *e1, *e2;
	struct eb_pkt6 *p, *in;
	struct eb_ct6_key *k;
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
	p->saddr = s->ip6.saddr;
	p->daddr = s->ip6.daddr;
	p->plen = bpf_ntohs(s->ip6.payload_len);
	p->hop = s->ip6.hop_limit;
	if (eb_ip6_is_exthdr(s->ip6.nexthdr))
		/* Not parsed: to the NAT address it is the host's; to a
		 * container never forwarded half-parsed. */
		return to_ctr ? EB_DROP(EB_CNT_DROP_IP6_EXTHDR) : TC_ACT_UNSPEC;
	if (ETH_HLEN + 40 + p->plen > len)
		return to_ctr ? EB_DROP(EB_CNT_DROP_MALFORMED) : TC_ACT_UNSPEC;
	ret = eb_parse6_l4(skb, EB_IP6_OFF_L4, p->plen, s->ip6.nexthdr, p, s->l4, false);
	if (ret < 0)
		return to_ctr ? ret : TC_ACT_UNSPEC;

	k = &s->k;
	if (p->proto == EB_NH_ICMPV6 && eb_icmp6_is_error(p->icmp_type)) {
		/* About a packet we sent: its source is the NAT side. */
		in = &s->in;
		if (eb_parse6_inner(skb, s, p->plen) < 0 || !eb_in6_eq(&in->saddr, &p->daddr))
			return to_ctr ? EB_DROP(EB_CNT_DROP_NO_CT) : TC_ACT_UNSPEC;
		__builtin_memset(k, 0, sizeof(*k));
		__builtin_memcpy(k->src, &in->daddr, 16);
		__builtin_memcpy(k->dst, &in->saddr, 16);
		k->proto = in->proto;
		k->sport = in->proto == EB_NH_ICMPV6 ? 0 : in->dport;
		k->dport = in->sport;
		e2 = bpf_map_lookup_elem(eb_ct6_map(in->proto), k);
		if (!e2 || (e2->ct.kind != EB_CT_SNAT_OUT && e2->ct.kind != EB_CT_DNAT_OUT))
			return to_ctr ? EB_DROP(EB_CNT_DROP_NO_CT) : TC_ACT_UNSPEC;
		if (eb_in6_v4mapped(e2->xaddr))
			return TC_ACT_UNSPEC; /* a translated flow's: not translated */
		e1 = bpf_map_lookup_elem(eb_ct6_map(in->proto), &e2->peer);
		if (!e1 || eb_ct_expired(&e1->ct, in->proto, cfg, now))
			return to_ctr ? EB_DROP(EB_CNT_DROP_NO_CT) : TC_ACT_UNSPEC;
		eb_ct_account(&e1->ct, 1, len, now, 0);
		if (eb_icmp6_xlate(skb, in, true, &in->saddr, e2->xaddr, in->sport, e2->ct.xport))
			return EB_DROP(EB_CNT_DROP_MALFORMED);
		cnt = EB_CNT_ICMP6_ERR_IN;
		goto deliver;
	}
	if (p->proto == EB_NH_ICMPV6 && p->icmp_type != EB_ICMP6_ECHO_RP)
		/* NDP, an echo request to the host: the host's. */
		return to_ctr ? EB_DROP(EB_CNT_DROP_UNPUBLISHED) : TC_ACT_UNSPEC;

	eb_ct6_key_in(k, p);
	e1 = NULL;
	e2 = bpf_map_lookup_elem(eb_ct6_map(p->proto), k);
	if (e2 && (e2->ct.kind == EB_CT_SNAT_OUT || e2->ct.kind == EB_CT_DNAT_OUT))
		e1 = bpf_map_lookup_elem(eb_ct6_map(p->proto), &e2->peer);
	if (e1 && eb_ct_expired(&e1->ct, p->proto, cfg, now))
		e1 = NULL;
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
		ret = eb_icmp6_error(skb, s, EB_ICMP6_TE, 0, 0, (const __u8 *)&p->daddr);
		if (ret < 0)
			return ret;
		skb->cb[EB_CB_DECISION] = EB_CNT_ICMP6_SENT;
		skb->cb[EB_CB_TARGET] = skb->ifindex;
		eb_count(EB_CNT_ICMP6_SENT, len);
		return bpf_redirect(skb->ifindex, 0);
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
	s->k.sport = pub->ctr_port;
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
	s->re.ct.xport = pub->ctr_port;
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
			  p->proto, &s->xaddr, pub->ctr_port);
		eb_count(EB_CNT_DNAT6_NEW, 0);
	}
	if (eb_rewrite6(skb, p->proto, false, &p->daddr, &s->xaddr, p->dport, pub->ctr_port))
		return EB_DROP(EB_CNT_DROP_MALFORMED);
	r = eb_deliver6(skb, pub->ifindex, p->hop);
	if (r < 0)
		return r;
	skb->cb[EB_CB_DECISION] = EB_CNT_DNAT6_IN;
	eb_count(EB_CNT_DNAT6_IN, len);
	return r;
}

#endif
