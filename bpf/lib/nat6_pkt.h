/* SPDX-License-Identifier: GPL-2.0 */
/*
 * IPv6 packets as the NAT66/DNAT6/NAT46 stages see them: the per-CPU
 * scratch (eb_nat6_buf), parsing of the L4 header and of an ICMPv6
 * error's inner packet, the conntrack keys of both sides, address and
 * port rewriting with the pseudo-header checksum, ICMPv6 errors that the
 * gateway writes itself, and the codes by which one stage hands a packet
 * to the next. lib/nat6.h (the way out) and lib/nat6_in.h (the way in)
 * are made of these.
 */
#ifndef EB_LIB_NAT6_PKT_H
#define EB_LIB_NAT6_PKT_H

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
 * of its port: a redirect verdict (icmp6_sent, counted), or a drop reason.
 * None about an ICMPv6 error (RFC 4443 2.4 e). */
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
	return bpf_redirect(skb->ifindex, 0);
}

/* One hop less (IPv6 has no header checksum). The caller checked > 1. */
static __always_inline int eb_hop6_dec(struct __sk_buff *skb, __u8 hop)
{
	hop--;
	return bpf_skb_store_bytes(skb, ETH_HLEN + 7, &hop, 1, 0);
}

/* eb_from_container6's answer "routed: go on with eb_nat6_route", and
 * eb_nat6_route's "go on with the next stage": above every TC verdict
 * (and apart from the negative drop reasons, lib/counters.h). The stages
 * are global functions called one after the other from eb_from_container,
 * not from each other: each is verified once, and each frame adds alone
 * to the program's (the 512 bytes of the deepest call chain are nearly
 * all the IPv4 path's). */
#define EB_NAT6_GO   1000
#define EB_NAT6_FULL 1001 /* eb_nat6_claim: the map is full; eb_nat6_reclaim, then again */
#define EB_NAT46_GO  1002 /* to a container without IPv6: eb_nat46_in (lib/nat46.h) */

#endif
