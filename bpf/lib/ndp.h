/* SPDX-License-Identifier: GPL-2.0 */
/*
 * IPv6 neighbour discovery answered by the datapath, as ARP is (arp.h):
 * a neighbour solicitation for the gateway's IPv6 address is answered with
 * the MAC of the host-side veth it came in on (the gateway is a router:
 * flag R), one for another container's address with that container's MAC
 * (eb_ip6). A solicitation from :: (duplicate address detection) or for
 * the asker's own address is never answered, and none is flooded.
 *
 * The frame is read into a stack buffer (bpf_skb_load_bytes) laid out as
 * the answer: every address is 4-byte aligned there, and the answer is
 * built in it and written back whole, its ICMPv6 checksum computed anew
 * over the pseudo header (IPv6 has no header checksum: RFC 4443 2.3).
 */
#ifndef EB_LIB_NDP_H
#define EB_LIB_NDP_H

#include <linux/pkt_cls.h>
#include "parse.h"
#include "maps.h"
#include "counters.h"

#define EB_ETH_P_IPV6	0x86DD
#define EB_NH_ICMPV6	58
#define EB_ICMP6_MLD_Q	130
#define EB_ICMP6_MLD_R1 131
#define EB_ICMP6_MLD_D1 132
#define EB_ICMP6_RS	133
#define EB_ICMP6_RA	134
#define EB_ICMP6_NS	135
#define EB_ICMP6_NA	136
#define EB_ICMP6_REDIR	137
#define EB_ICMP6_MLD_R2 143
#define EB_ND_OPT_SLLA	1
#define EB_ND_OPT_TLLA	2
#define EB_NA_ROUTER	0x80000000U
#define EB_NA_SOLICITED 0x40000000U
#define EB_NA_OVERRIDE	0x20000000U

union eb_in6 {
	__u8 b[16];
	__u32 w[4];
};

/* The first 86 bytes of a frame, 2 bytes in: Ethernet (14), IPv6 (40),
 * ICMPv6 header (8), an NS/NA target (16), one option of 8 bytes. The
 * same layout is the answer (86 bytes from dmac). */
struct eb_nd_buf {
	__u8 pad[2];
	__u8 dmac[6]; /* the frame from here */
	__u8 smac[6];
	__be16 proto;
	__be32 vtc_flow; /* version 4 bits, class 8, flow label 20 */
	__be16 payload_len;
	__u8 nexthdr;
	__u8 hop_limit;
	union eb_in6 saddr; /* at 24: aligned */
	union eb_in6 daddr;
	__u8 type; /* ICMPv6, at 56 */
	__u8 code;
	__u16 csum;
	__be32 flags;
	union eb_in6 target;
	__u8 opt_type;
	__u8 opt_len; /* in 8 bytes */
	__u8 opt_mac[6];
} __attribute__((aligned(8)));
_Static_assert(sizeof(struct eb_nd_buf) == 88 && __builtin_offsetof(struct eb_nd_buf, saddr) == 24 &&
		       __builtin_offsetof(struct eb_nd_buf, target) == 64,
	       "eb_nd_buf: the frame's layout, 2 bytes in");

/* The buffer, per CPU, off the 512-byte stack (the program's deepest path
 * leaves no room for it). Not pinned. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct eb_nd_buf);
} eb_nd_scratch SEC(".maps");

#define EB_ND_OFF_L4 (14 + 40) /* the ICMPv6 header, in the frame */
#define EB_NA_LEN    86	       /* Ethernet + IPv6 + NA with its TLLA option */

static __always_inline bool eb_in6_eq(const union eb_in6 *a, const union eb_in6 *b)
{
	return ((a->w[0] ^ b->w[0]) | (a->w[1] ^ b->w[1]) | (a->w[2] ^ b->w[2]) |
		(a->w[3] ^ b->w[3])) == 0;
}

/* a and b are 4-byte aligned (the stack buffer, a map value). */
static __always_inline bool eb_in6_eq_raw(const union eb_in6 *a, const __u8 *b)
{
	return eb_in6_eq(a, (const union eb_in6 *)b);
}

static __always_inline bool eb_in6_zero(const union eb_in6 *a)
{
	return (a->w[0] | a->w[1] | a->w[2] | a->w[3]) == 0;
}

/* fe80::/64 */
static __always_inline bool eb_in6_linklocal(const union eb_in6 *a)
{
	return a->w[0] == bpf_htonl(0xfe800000) && a->w[1] == 0;
}

/* The link-local address that the kernel derives from a MAC (EUI-64,
 * RFC 4291 appendix A): fe80::(mac0^2)mac1:mac2ff:fe mac3:mac4mac5. */
static __always_inline bool eb_in6_is_eui64(const union eb_in6 *a, const __u8 *mac)
{
	return a->b[8] == (mac[0] ^ 2) && a->b[9] == mac[1] && a->b[10] == mac[2] &&
	       a->b[11] == 0xff && a->b[12] == 0xfe && a->b[13] == mac[3] &&
	       a->b[14] == mac[4] && a->b[15] == mac[5];
}

/* MACs in the buffer are 2-byte aligned only (dmac at 2, opt_mac at 82),
 * and the verifier checks the stack's alignment: three 2-byte words. */
static __always_inline bool eb_mac_eq16(const __u8 *a, const __u8 *b)
{
	const __u16 *x = (const __u16 *)a, *y = (const __u16 *)b;

	return ((x[0] ^ y[0]) | (x[1] ^ y[1]) | (x[2] ^ y[2])) == 0;
}

static __always_inline void eb_mac_copy16(__u8 *dst, const __u8 *src)
{
	__u16 *x = (__u16 *)dst;
	const __u16 *y = (const __u16 *)src;

	x[0] = y[0];
	x[1] = y[1];
	x[2] = y[2];
}

/* The headers that RFC 8200 4.1 lists between IPv6 and its payload (and
 * the ones after: mobility, HIP, shim6, experiments). ESP (50) is a
 * payload here: it is carried between containers as it is. */
static __always_inline bool eb_ip6_is_exthdr(__u8 nh)
{
	return nh == 0 || nh == 43 || nh == 44 || nh == 60 || nh == 51 || nh == 135 ||
	       nh == 139 || nh == 140 || nh == 253 || nh == 254;
}

static __always_inline bool eb_icmp6_is_mld(__u8 t)
{
	return t == EB_ICMP6_MLD_Q || t == EB_ICMP6_MLD_R1 || t == EB_ICMP6_MLD_D1 ||
	       t == EB_ICMP6_MLD_R2;
}

/* The ICMPv6 checksum of the answer: the pseudo header (source,
 * destination, upper-layer length, next header) and the message, which
 * follow each other in the buffer from saddr on (64 bytes). */
static __always_inline __u16 eb_na_csum(struct eb_nd_buf *b, __u32 l4len)
{
	const __u16 *w = (const __u16 *)&b->saddr;
	__u32 sum = bpf_htons(l4len) + bpf_htons(EB_NH_ICMPV6);

#pragma unroll
	for (int i = 0; i < 32; i++)
		sum += w[i];
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return ~sum & 0xffff;
}

/*
 * A neighbour solicitation from the container of src, whose first 14 + 40
 * + 8 bytes are in b already (plen: the IPv6 payload length; len: the
 * frame's length as it came in). Returns a verdict, decided and counted
 * (lib/counters.h): the frame turned into the answer and sent back out of
 * the port it came in on (ndp_reply), or not answered and gone nowhere
 * (TC_ACT_SHOT, ndp_ignored); or a negative drop reason.
 */
static __always_inline int eb_ndp_ns(struct __sk_buff *skb, struct eb_nd_buf *b,
				     const struct eb_endpoint *src, const struct eb_config6 *c6,
				     __u32 plen, __u32 len)
{
	const __u8 *answer;
	struct eb_ip6_ep *peer;
	__u32 flags = EB_NA_SOLICITED | EB_NA_OVERRIDE;
	bool dad = eb_in6_zero(&b->saddr);

	/* RFC 4861 7.1.1: hop limit 255 (no router forwarded it), code 0. */
	if (plen < 24 || b->hop_limit != 255 || b->code != 0)
		return EB_DROP(EB_CNT_DROP_MALFORMED);
	if (bpf_skb_load_bytes(skb, EB_ND_OFF_L4 + 8, &b->target, 16))
		return EB_DROP(EB_CNT_DROP_MALFORMED);
	if (plen >= 32) {
		if (bpf_skb_load_bytes(skb, EB_ND_OFF_L4 + 24, &b->opt_type, 8))
			return EB_DROP(EB_CNT_DROP_MALFORMED);
		/* The source's link-layer address is its claim about itself;
		 * from :: there must be none (RFC 4861 7.1.1). */
		if (b->opt_type == EB_ND_OPT_SLLA && b->opt_len == 1) {
			if (dad)
				return EB_DROP(EB_CNT_DROP_MALFORMED);
			if (!eb_mac_eq16(b->opt_mac, src->mac))
				return EB_DROP(EB_CNT_DROP_SPOOF_MAC);
		}
	}
	if (dad) /* DAD: nobody else has the address */
		return eb_tc_decide(skb, EB_CNT_NDP_IGNORED, len, TC_ACT_SHOT);
	if (eb_in6_eq_raw(&b->target, c6->gateway)) {
		answer = src->host_mac;
		flags |= EB_NA_ROUTER;
	} else {
		peer = bpf_map_lookup_elem(&eb_ip6, &b->target);
		if (!peer || peer->ifindex == skb->ifindex) /* unknown, or the asker's own */
			return eb_tc_decide(skb, EB_CNT_NDP_IGNORED, len, TC_ACT_SHOT);
		answer = peer->mac;
	}

	/* The answer, in the buffer: back to the asker, from the target. */
	eb_mac_copy16(b->dmac, src->mac);
	eb_mac_copy16(b->smac, answer);
	b->proto = bpf_htons(EB_ETH_P_IPV6);
	b->vtc_flow = bpf_htonl(0x60000000);
	b->payload_len = bpf_htons(32);
	b->nexthdr = EB_NH_ICMPV6;
	b->hop_limit = 255;
	b->daddr = b->saddr;
	b->saddr = b->target;
	b->type = EB_ICMP6_NA;
	b->code = 0;
	b->csum = 0;
	b->flags = bpf_htonl(flags);
	b->opt_type = EB_ND_OPT_TLLA;
	b->opt_len = 1;
	eb_mac_copy16(b->opt_mac, answer);
	b->csum = eb_na_csum(b, 32);

	/* Exactly the answer's length: an NS without an option is shorter,
	 * one with more options longer. A trace decides, changes nothing. */
	if (!eb_trace_mode && (bpf_skb_change_tail(skb, EB_NA_LEN, 0) ||
			       bpf_skb_store_bytes(skb, 0, b->dmac, EB_NA_LEN, 0)))
		return EB_DROP(EB_CNT_DROP_MALFORMED);
	/* Back out of the port it came in on. */
	skb->cb[EB_CB_DECISION] = EB_CNT_NDP_REPLY;
	skb->cb[EB_CB_TARGET] = skb->ifindex;
	eb_count(EB_CNT_NDP_REPLY, len);
	eb_ctr_count(src->flood_slot, 1, EB_NA_LEN);
	return bpf_redirect(skb->ifindex, 0);
}

#endif
