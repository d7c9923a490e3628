// SPDX-License-Identifier: GPL-2.0
/*
 * eb_xdp_uplink: XDP on the uplink (`ebnet up --xdp`), in front of
 * eb_from_uplink. It takes the common case of the way in before the kernel
 * builds a socket buffer: a TCP or UDP packet, unfragmented, no IP options,
 * that is a reply of a container's outbound flow, a packet of a flow to a
 * published port, or the first packet of a new one. It rewrites the
 * destination, fixes the checksums incrementally and redirects the frame to
 * the container's port. Everything else (ARP, ICMP and its errors,
 * fragments, the host's own traffic, other networks', malformed packets)
 * goes on with XDP_PASS to eb_from_uplink and the stack, which decide with
 * the same maps and the same helpers (lib/nat.h).
 *
 * Checksums: a frame from a NIC carries a complete L4 checksum, which an
 * incremental update keeps right. A frame from a local socket through a
 * veth may carry only the pseudo-header part (CHECKSUM_PARTIAL, finished
 * by "hardware" later), and XDP cannot see that state: redirected as is,
 * it would arrive with a wrong checksum. So the program verifies the L4
 * checksum before taking a packet; one that does not verify is passed to
 * TC, which handles partial checksums through the skb. On a real NIC every
 * packet verifies and the check costs a pass over the bytes that the
 * receiver would make anyway; on a veth uplink, TCP from a local socket is
 * handled by TC (see docs/BENCHMARKS.md for what that means in figures).
 *
 * The frame leaves through the container's host-side veth, whose peer
 * (the container's eth0) must run NAPI to take XDP frames: the loader turns
 * GRO on there when XDP is attached.
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/pkt_cls.h>
#include <linux/if_packet.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#include "lib/maps.h"
#include "lib/parse.h"
#include "lib/counters.h"
#include "lib/nat.h"

char LICENSE[] SEC("license") = "GPL";

/* Ones' complement sum folded to 16 bits. */
static __always_inline __u16 eb_fold(__u64 s)
{
	s = (s & 0xffffffff) + (s >> 32);
	s = (s & 0xffff) + (s >> 16);
	s = (s & 0xffff) + (s >> 16);
	s = (s & 0xffff) + (s >> 16);
	return (__u16)s;
}

/* RFC 1624: the checksum *sum after a 32-bit field changes from old to new
 * (both as in memory; the halves are summed as they lie). */
static __always_inline void eb_csum_replace4(__u16 *sum, __u32 old, __u32 new)
{
	__u64 s = (__u16)~*sum;

	s += (__u16)~(old & 0xffff);
	s += (__u16)~(old >> 16);
	s += new & 0xffff;
	s += new >> 16;
	*sum = ~eb_fold(s);
}

static __always_inline void eb_csum_replace2(__u16 *sum, __u16 old, __u16 new)
{
	__u64 s = (__u16)~*sum;

	s += (__u16)~old;
	s += new;
	*sum = ~eb_fold(s);
}

/* The pseudo header's sum: addresses, protocol, L4 length. */
static __always_inline __u32 eb_pseudo_sum(const struct iphdr *iph, __u32 len)
{
	__u64 s = (iph->saddr & 0xffff) + (iph->saddr >> 16) + (iph->daddr & 0xffff) +
		  (iph->daddr >> 16) + bpf_htons((__u16)iph->protocol) + bpf_htons((__u16)len);

	return eb_fold(s);
}

/*
 * Does the L4 checksum of the segment after an option-less IPv4 header
 * (len bytes: to the end of the IP packet) verify, given the pseudo
 * header's sum? A global function:
 * the verifier checks it once, on its own, rather than in every path of
 * the caller. Returns 1 or 0.
 */
__noinline int eb_xdp_l4_csum_ok(struct xdp_md *ctx, __u32 len, __u32 pseudo)
{
	void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
	__u8 *pos, tail[32] = {};
	__u64 s = pseudo;
	int i;

	if (len > 1480)
		return 0; /* more than one frame of the usual MTU: leave it to TC */
	pos = data + sizeof(struct ethhdr) + sizeof(struct iphdr);
	for (i = 0; i < 1480 / 64; i++) {
		if (len < 64)
			break;
		if ((void *)(pos + 64) > end)
			return 0;
		s = (__u32)bpf_csum_diff(NULL, 0, (void *)pos, 64, (__u32)s);
		pos += 64;
		len -= 64;
	}
	if (len >= 32) {
		if ((void *)(pos + 32) > end)
			return 0;
		s = (__u32)bpf_csum_diff(NULL, 0, (void *)pos, 32, (__u32)s);
		pos += 32;
		len -= 32;
	}
	/* The last 0-31 bytes, zero-padded (which adds nothing to the sum). */
	if (len) {
		__u32 off = (void *)pos - data, n;

		/* n, not len, as the size: the verifier wants its bound on the
		 * register that is passed, and the compiler would pass len. */
		asm volatile("" : "+r"(len));
		n = len & 31;
		if (n != len || !n || bpf_xdp_load_bytes(ctx, off, tail, n))
			return 0;
		s = (__u32)bpf_csum_diff(NULL, 0, (void *)tail, sizeof(tail), (__u32)s);
	}
	return eb_fold(s) == 0xffff;
}

/* Rewrites the destination address and port in place, checksums included.
 * Packet pointers are taken anew from ctx and checked again: the verifier
 * forgets their ranges across the calls made since the parse. */
static __always_inline int eb_xdp_rewrite_dst(struct xdp_md *ctx, __u8 proto, __u32 new_addr,
					      __u16 new_port)
{
	void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
	struct iphdr *iph = data + sizeof(struct ethhdr);
	void *l4 = iph + 1;
	__u32 old_addr;

	if (proto == IPPROTO_TCP) {
		struct tcphdr *th = l4;

		if ((void *)(th + 1) > end)
			return -1;
		old_addr = iph->daddr;
		eb_csum_replace4(&th->check, old_addr, new_addr);
		eb_csum_replace2(&th->check, th->dest, new_port);
		th->dest = new_port;
	} else {
		struct udphdr *uh = l4;

		if ((void *)(uh + 1) > end)
			return -1;
		old_addr = iph->daddr;
		if (uh->check) { /* zero: no checksum, and it stays so */
			eb_csum_replace4(&uh->check, old_addr, new_addr);
			eb_csum_replace2(&uh->check, uh->dest, new_port);
			if (!uh->check)
				uh->check = 0xffff;
		}
		uh->dest = new_port;
	}
	eb_csum_replace4(&iph->check, old_addr, new_addr);
	iph->daddr = new_addr;
	/* The hop into the network (the caller left TTL 1 to TC). */
	eb_csum_replace2(&iph->check, bpf_htons((__u16)iph->ttl << 8), bpf_htons((__u16)(iph->ttl - 1) << 8));
	iph->ttl--;
	return 0;
}

/* Into the container behind port ifindex: its L2 header, then out of the
 * host-side veth, which hands the frame to eth0 in the container. */
static __always_inline int eb_xdp_deliver(struct xdp_md *ctx, __u32 ifindex, __u32 len)
{
	void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
	struct eb_ifindex_key k = { .ifindex = ifindex };
	struct eb_endpoint *ep = bpf_map_lookup_elem(&eb_ports, &k);
	struct ethhdr *eth = data;

	if (!ep || (void *)(eth + 1) > end)
		return -1;
	__builtin_memcpy(eth->h_dest, ep->mac, 6);
	__builtin_memcpy(eth->h_source, ep->host_mac, 6);
	eb_ctr_count(ep->flood_slot, 1, len);
	return bpf_redirect(ifindex, 0);
}

/* The IPv4 header of a frame this program may take, or NULL: whole TCP or
 * UDP, no options, no fragment, hops left; everything else is TC's. */
static __always_inline struct iphdr *eb_xdp_candidate(struct ethhdr *eth, void *end)
{
	struct iphdr *iph;

	if ((void *)(eth + 1) > end || eth->h_proto != bpf_htons(ETH_P_IP))
		return NULL;
	iph = (void *)(eth + 1);
	if ((void *)(iph + 1) > end || iph->version != 4 || iph->ihl != 5)
		return NULL;
	if (iph->frag_off & bpf_htons(EB_IP_MF | EB_IP_OFFMASK))
		return NULL;
	/* The last hop: TC answers it ("time exceeded"). */
	if (iph->ttl <= 1)
		return NULL;
	if (iph->protocol != IPPROTO_TCP && iph->protocol != IPPROTO_UDP)
		return NULL;
	/* DNS replies: TC gives forwarded queries' answers the gateway's
	 * source (bpf/lib/dns.h). */
	if (((struct udphdr *)(iph + 1) + 1) <= (struct udphdr *)end &&
	    ((struct udphdr *)(iph + 1))->source == bpf_htons(53))
		return NULL;
	return iph;
}

SEC("xdp")
int eb_xdp_uplink(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct eb_ct_entry *e1, *e2;
	struct eb_pub_val *pub;
	struct eb_config *cfg;
	struct eb_pub_key pk;
	struct eb_ct_key k;
	struct iphdr *iph;
	struct eb_pkt p;
	__u32 zero = 0, len, tot, ifindex, xaddr;
	__u16 xport;
	__u64 now;
	void *l4;
	int cnt;

	iph = eb_xdp_candidate(eth, end);
	if (!iph)
		return XDP_PASS;
	len = end - data;
	/* The parser TC uses; what it would drop, TC drops and counts. */
	if (eb_parse_l4_at(data, len, iph, end, &p) < 0)
		return XDP_PASS;
	tot = p.tot_len;
	l4 = iph + 1;
	cfg = bpf_map_lookup_elem(&eb_config, &zero);
	if (!cfg)
		return XDP_PASS;

	now = bpf_ktime_get_ns();
	e2 = eb_rev_find(&p, cfg, now, &e1, &k);
	pub = e2 ? NULL : eb_pub_find(&p, cfg, &pk);
	if (!e2 && (!pub || !eb_pub_takes(ctx, &p)))
		return XDP_PASS;
	/* Bounds again: the verifier does not carry the parser's here. */
	if ((void *)((struct udphdr *)l4 + 1) > end)
		return XDP_PASS;
	if (!(p.proto == IPPROTO_UDP && ((struct udphdr *)l4)->check == 0) &&
	    !eb_xdp_l4_csum_ok(ctx, tot - sizeof(*iph),
			       eb_pseudo_sum(iph, tot - sizeof(*iph)))) {
		eb_count(EB_CNT_XDP_PASS_CSUM, len);
		return XDP_PASS;
	}

	if (e2) {
		cnt = eb_rev_account(&p, cfg, &k, e1, e2, len, now);
		xaddr = e2->xaddr;
		xport = e2->xport;
		ifindex = e2->ifindex;
	} else {
		int r = eb_dnat_bind(&p, pub, &pk, len, ctx->ingress_ifindex, now);

		if (r < 0)
			return eb_xdp_drop(ctx, r, len, p.saddr, p.daddr, p.sport, p.dport, p.proto);
		cnt = EB_CNT_DNAT_IN;
		xaddr = pub->ctr_ip;
		xport = bpf_htons(pub->ctr_port); /* host order in the map */
		ifindex = pub->ifindex;
	}
	if (eb_xdp_rewrite_dst(ctx, p.proto, xaddr, xport))
		return eb_xdp_drop(ctx, EB_DROP(EB_CNT_DROP_MALFORMED), len, p.saddr, p.daddr,
				   p.sport, p.dport, p.proto);
	eb_count(cnt, len);
	eb_count(EB_CNT_XDP_IN, len);
	if (eb_xdp_deliver(ctx, ifindex, len) != XDP_REDIRECT)
		return eb_xdp_drop(ctx, EB_DROP(EB_CNT_DROP_NO_PORT), len, p.saddr, p.daddr, p.sport,
				   p.dport, p.proto);
	return XDP_REDIRECT;
}
