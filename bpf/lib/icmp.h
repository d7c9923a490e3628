/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The datapath as a router: TTL decremented on the way out and in, and the
 * ICMP errors a router sends (fragmentation needed, time exceeded), made in
 * place from the packet they are about. Without them path MTU discovery
 * meets a black hole where the uplink is narrower than the container's
 * MTU, and traceroute never sees the gateway.
 */
#ifndef EB_LIB_ICMP_H
#define EB_LIB_ICMP_H

#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_endian.h>
#include "csum.h"

#define ICMP_FRAG_NEEDED 4 /* code of ICMP_DEST_UNREACH */
#define ICMP_EXC_TTL	 0 /* code of ICMP_TIME_EXCEEDED */

#define EB_IP_DF 0x4000

/* The quote: the IP header and 20 bytes of what follows (8 are the
 * minimum, RFC 792; 20 keep the TCP checksum field inside, which a
 * CHECKSUM_PARTIAL packet's trim needs). */
#define EB_ICMP_QUOTE_MAX (60 + 20)

/* The quote is built here, off the 512-byte stack (the programs that
 * send errors use most of it already). Not pinned: each object has its
 * own. */
struct eb_icmp_scratch {
	struct iphdr ip; /* the new headers */
	struct eb_icmphdr icmp;
	__u8 quote[EB_ICMP_QUOTE_MAX + 4]; /* + the checksum's rounding, for the verifier */
	struct iphdr orig;
	__u8 mac[12];
};
_Static_assert(offsetof(struct eb_icmp_scratch, icmp) == 20, "the new headers: one store of 28");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct eb_icmp_scratch);
} eb_icmp_buf SEC(".maps");

/* One TTL less, with the IP checksum updated incrementally (the TTL and
 * protocol share a 16-bit word). The caller checked ttl > 1. */
static __always_inline int eb_ttl_dec(struct __sk_buff *skb, __u32 l3, __u8 ttl, __u8 proto)
{
	__u16 old = bpf_htons(((__u16)ttl << 8) | proto);
	__u16 new = bpf_htons(((__u16)(ttl - 1) << 8) | proto);

	if (bpf_l3_csum_replace(skb, l3 + EB_IP_CSUM_OFF, old, new, 2))
		return -1;
	ttl--;
	return bpf_skb_store_bytes(skb, l3 + offsetof(struct iphdr, ttl), &ttl, 1, 0) ? -1 : 0;
}

/* The hop of a packet the datapath routes: its TTL and protocol read from
 * the packet, one TTL less unless none is left (a packet about to be
 * answered with "time exceeded", or an ICMP error: as it is). */
static __always_inline int eb_ttl_hop(struct __sk_buff *skb, __u32 l3)
{
	__u8 tp[2];

	if (bpf_skb_load_bytes(skb, l3 + offsetof(struct iphdr, ttl), tp, 2))
		return -1;
	return tp[0] > 1 ? eb_ttl_dec(skb, l3, tp[0], tp[1]) : 0;
}

static __always_inline __u16 eb_csum_fold(__s64 s)
{
	__u32 c = (__u32)s;

	c = (c & 0xffff) + (c >> 16);
	c = (c & 0xffff) + (c >> 16);
	return (__u16)~c;
}

/*
 * Turns the IPv4 packet at ETH_HLEN into the ICMP error type/code about it,
 * from saddr to its sender, back where it came from: MACs swapped, a new
 * IP and ICMP header, the start of the packet quoted. rest: the 4 bytes
 * after the ICMP checksum, network order (the next-hop MTU for
 * fragmentation needed). The caller checked that the packet is no ICMP
 * error and no later fragment (no error about those, RFC 1122). Returns 0
 * or a negative drop reason; the caller redirects out of skb->ifindex.
 */
static __always_inline int eb_icmp_error(struct __sk_buff *skb, __u8 type, __u8 code, __u32 rest,
					 __u32 saddr)
{
	struct eb_icmp_scratch *b;
	__u32 qlen, tot, sum, zero = 0;

	b = bpf_map_lookup_elem(&eb_icmp_buf, &zero);
	if (!b)
		return EB_DROP(EB_CNT_DROP_MALFORMED);
	__builtin_memset(b, 0, sizeof(*b));
	if (bpf_skb_load_bytes(skb, 0, b->mac, sizeof(b->mac)) ||
	    bpf_skb_load_bytes(skb, ETH_HLEN, &b->orig, sizeof(b->orig)))
		return EB_DROP(EB_CNT_DROP_MALFORMED);
	tot = bpf_ntohs(b->orig.tot_len);
	qlen = b->orig.ihl * 4 + 20;
	if (qlen > tot)
		qlen = tot;
	if (qlen < sizeof(b->orig) || qlen > EB_ICMP_QUOTE_MAX)
		return EB_DROP(EB_CNT_DROP_MALFORMED);
	if (bpf_skb_load_bytes(skb, ETH_HLEN, b->quote, qlen))
		return EB_DROP(EB_CNT_DROP_MALFORMED);

	b->ip.version = 4;
	b->ip.ihl = 5;
	b->ip.tos = 0xc0; /* internetwork control, as Linux sends its errors */
	b->ip.tot_len = bpf_htons(sizeof(b->ip) + sizeof(b->icmp) + qlen);
	b->ip.ttl = 64;
	b->ip.protocol = IPPROTO_ICMP;
	b->ip.saddr = saddr;
	b->ip.daddr = b->orig.saddr;
	b->ip.check = eb_csum_fold(bpf_csum_diff(NULL, 0, (__be32 *)&b->ip, sizeof(b->ip), 0));
	b->icmp.type = type;
	b->icmp.code = code;
	__builtin_memcpy(&b->icmp.id, &rest, 4);
	/* The quote's zeroed tail pads it to 4 bytes: zeros add nothing. */
	sum = bpf_csum_diff(NULL, 0, (__be32 *)&b->icmp, sizeof(b->icmp), 0);
	b->icmp.checksum =
	    eb_csum_fold(bpf_csum_diff(NULL, 0, (__be32 *)b->quote, (qlen + 3) & ~3U, sum));

	/* The new length first (a trim or, for a small packet, growth),
	 * then the bytes. */
	if (bpf_skb_change_tail(skb, ETH_HLEN + 28 + qlen, 0))
		return EB_DROP(EB_CNT_DROP_MALFORMED);
	if (bpf_skb_store_bytes(skb, 0, b->mac + 6, 6, 0) ||
	    bpf_skb_store_bytes(skb, 6, b->mac, 6, 0) ||
	    bpf_skb_store_bytes(skb, ETH_HLEN, &b->ip, 28, 0) ||
	    bpf_skb_store_bytes(skb, ETH_HLEN + 28, b->quote, qlen, 0))
		return EB_DROP(EB_CNT_DROP_MALFORMED);
	eb_count(EB_CNT_ICMP_SENT, 0);
	return 0;
}

#endif
