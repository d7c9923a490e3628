/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Address and port rewrites with incremental checksum updates only
 * (bpf_l3_csum_replace, bpf_l4_csum_replace): right for GSO packets and
 * CHECKSUM_PARTIAL, where recomputing from scratch is not. UDP's zero
 * checksum ("none") stays zero (BPF_F_MARK_MANGLED_0).
 */
#ifndef EB_LIB_CSUM_H
#define EB_LIB_CSUM_H

#include <stddef.h>
#include <stdbool.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/tcp.h>
#include <linux/udp.h>

/* linux/icmp.h pulls in libc's socket headers, which do not build for the
 * BPF target; the ICMP header and types are restated (RFC 792). */
struct eb_icmphdr {
	__u8 type;
	__u8 code;
	__sum16 checksum;
	__be16 id;
	__be16 sequence;
};
#define ICMP_ECHOREPLY	   0
#define ICMP_DEST_UNREACH  3
#define ICMP_ECHO	   8
#define ICMP_TIME_EXCEEDED 11
#define ICMP_PARAMETERPROB 12
#include <bpf/bpf_helpers.h>

#define EB_IP_CSUM_OFF (offsetof(struct iphdr, check))

/* Where the L4 checksum and the port (or ICMP echo identifier) live. */
static __always_inline int eb_l4_offsets(__u8 proto, __u32 l4, bool src, __u32 *csum_off,
					 __u32 *port_off, __u64 *flags)
{
	switch (proto) {
	case IPPROTO_TCP:
		*csum_off = l4 + offsetof(struct tcphdr, check);
		*port_off = l4 + (src ? offsetof(struct tcphdr, source) : offsetof(struct tcphdr, dest));
		*flags = BPF_F_PSEUDO_HDR;
		return 0;
	case IPPROTO_UDP:
		*csum_off = l4 + offsetof(struct udphdr, check);
		*port_off = l4 + (src ? offsetof(struct udphdr, source) : offsetof(struct udphdr, dest));
		*flags = BPF_F_PSEUDO_HDR | BPF_F_MARK_MANGLED_0;
		return 0;
	case IPPROTO_ICMP:
		/* Echo: the identifier is the port, both ways; no pseudo header. */
		*csum_off = l4 + offsetof(struct eb_icmphdr, checksum);
		*port_off = l4 + offsetof(struct eb_icmphdr, id);
		*flags = 0;
		return 0;
	}
	return -1;
}

/* Rewrites the source (src) or destination address and port of the packet
 * whose IPv4 header is at l3 and L4 header at l4. Returns 0 or < 0. */
static __always_inline int eb_rewrite(struct __sk_buff *skb, __u32 l3, __u32 l4, __u8 proto,
				      bool src, __u32 old_addr, __u32 new_addr, __u16 old_port,
				      __u16 new_port)
{
	__u32 addr_off = l3 + (src ? offsetof(struct iphdr, saddr) : offsetof(struct iphdr, daddr));
	__u32 csum_off, port_off;
	__u64 flags;

	if (eb_l4_offsets(proto, l4, src, &csum_off, &port_off, &flags))
		return -1;
	if (old_addr != new_addr) {
		if (proto != IPPROTO_ICMP &&
		    bpf_l4_csum_replace(skb, csum_off, old_addr, new_addr, flags | 4))
			return -1;
		if (bpf_l3_csum_replace(skb, l3 + EB_IP_CSUM_OFF, old_addr, new_addr, 4))
			return -1;
		if (bpf_skb_store_bytes(skb, addr_off, &new_addr, 4, 0))
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

/* A 16-bit field inside an ICMP error's quoted packet changes from old to
 * new: store it and fold the change into the outer ICMP checksum. */
static __always_inline int eb_icmp_inner_store2(struct __sk_buff *skb, __u32 icmp_csum_off,
						__u32 off, __u16 old, __u16 new)
{
	if (old == new)
		return 0;
	if (bpf_skb_store_bytes(skb, off, &new, 2, 0))
		return -1;
	return bpf_l4_csum_replace(skb, icmp_csum_off, old, new, 2) ? -1 : 0;
}

/*
 * Rewrites the quoted packet of an ICMP error: its source (src) or
 * destination address and port, the quoted IP checksum, the quoted L4
 * checksum when the quote holds it (UDP and ICMP echo do in their first 8
 * bytes; TCP's lies beyond, routers may quote only 8 bytes), and the outer
 * ICMP checksum for every byte changed. in3/in4: offsets of the quoted IP
 * and L4 headers; q_len: bytes of the quoted L4 header present.
 */
static __always_inline int eb_rewrite_icmp_inner(struct __sk_buff *skb, __u32 icmp_csum_off,
						 __u32 in3, __u32 in4, __u32 q_len, __u8 proto,
						 bool src, __u32 old_addr, __u32 new_addr,
						 __u16 old_port, __u16 new_port)
{
	__u32 addr_off = in3 + (src ? offsetof(struct iphdr, saddr) : offsetof(struct iphdr, daddr));
	__u32 csum_off, port_off;
	__u16 c_old, c_new;
	__u64 flags;

	if (eb_l4_offsets(proto, in4, src, &csum_off, &port_off, &flags))
		return -1;

	/* The quoted L4 checksum, if quoted and in use. */
	if (csum_off + 2 <= in4 + q_len && bpf_skb_load_bytes(skb, csum_off, &c_old, 2) == 0 &&
	    !(proto == IPPROTO_UDP && c_old == 0)) {
		if (proto != IPPROTO_ICMP)
			bpf_l4_csum_replace(skb, csum_off, old_addr, new_addr, 4);
		if (old_port != new_port)
			bpf_l4_csum_replace(skb, csum_off, old_port, new_port, 2);
		if (bpf_skb_load_bytes(skb, csum_off, &c_new, 2))
			return -1;
		if (c_new != c_old && bpf_l4_csum_replace(skb, icmp_csum_off, c_old, c_new, 2))
			return -1;
	}
	/* The quoted port or echo identifier. */
	if (old_port != new_port && port_off + 2 <= in4 + q_len) {
		if (bpf_skb_store_bytes(skb, port_off, &new_port, 2, 0))
			return -1;
		if (bpf_l4_csum_replace(skb, icmp_csum_off, old_port, new_port, 2))
			return -1;
	}
	/* The quoted address and the quoted IP header checksum. */
	if (bpf_skb_load_bytes(skb, in3 + EB_IP_CSUM_OFF, &c_old, 2))
		return -1;
	if (bpf_l3_csum_replace(skb, in3 + EB_IP_CSUM_OFF, old_addr, new_addr, 4))
		return -1;
	if (bpf_skb_store_bytes(skb, addr_off, &new_addr, 4, 0))
		return -1;
	if (bpf_l4_csum_replace(skb, icmp_csum_off, old_addr, new_addr, 4))
		return -1;
	if (bpf_skb_load_bytes(skb, in3 + EB_IP_CSUM_OFF, &c_new, 2))
		return -1;
	return bpf_l4_csum_replace(skb, icmp_csum_off, c_old, c_new, 2) ? -1 : 0;
}

#endif
