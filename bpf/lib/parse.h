/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Header parsing. Every access is bounds-checked against data_end first.
 * Parsers return the next header's protocol (host order) or a negative
 * drop reason.
 */
#ifndef EB_LIB_PARSE_H
#define EB_LIB_PARSE_H

#include <linux/if_ether.h>
#include <linux/ip.h>
#include <bpf/bpf_endian.h>
#include "../../maps/ebnet_maps.h"

struct eb_cursor {
	void *pos;
	void *end;
};

static __always_inline int eb_parse_eth(struct eb_cursor *c, struct ethhdr **eth)
{
	struct ethhdr *h = c->pos;

	if ((void *)(h + 1) > c->end)
		return EB_DROP(EB_CNT_DROP_MALFORMED);
	c->pos = h + 1;
	*eth = h;
	return bpf_ntohs(h->h_proto);
}

static __always_inline int eb_parse_ipv4(struct eb_cursor *c, struct iphdr **iph)
{
	struct iphdr *h = c->pos;
	__u32 hlen;

	if ((void *)(h + 1) > c->end)
		return EB_DROP(EB_CNT_DROP_MALFORMED);
	hlen = h->ihl * 4;
	if (h->version != 4 || hlen < sizeof(*h))
		return EB_DROP(EB_CNT_DROP_MALFORMED);
	if (c->pos + hlen > c->end)
		return EB_DROP(EB_CNT_DROP_MALFORMED);
	c->pos += hlen;
	*iph = h;
	return h->protocol;
}

/* MACs are compared and copied as a 4-byte and a 2-byte word, not byte by
 * byte. Every MAC the datapath touches is 2-byte aligned (Ethernet header
 * fields, struct members at even offsets); in a packet or a map value the
 * 4-byte word may be unaligned, which the verifier allows on the
 * architectures whose JIT loads it in one instruction (x86-64, arm64). On
 * the stack the verifier checks alignment always: a MAC there must be
 * 4-byte aligned (see mkey in eb_from_container). */
static __always_inline int eb_mac_eq(const __u8 *a, const __u8 *b)
{
	return ((*(const __u32 *)a ^ *(const __u32 *)b) |
		(*(const __u16 *)(a + 4) ^ *(const __u16 *)(b + 4))) == 0;
}

static __always_inline void eb_mac_copy(__u8 *dst, const __u8 *src)
{
	*(__u32 *)dst = *(const __u32 *)src;
	*(__u16 *)(dst + 4) = *(const __u16 *)(src + 4);
}

#endif
