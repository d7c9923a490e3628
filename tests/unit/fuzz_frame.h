/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Part of test_fuzz.c (its header comment says what the test holds), included
 * there only, in the order its #includes give: a frame, its layout, the
 * checksum convention and state of a frame, and what makes a frame invalid
 * (invalid_reason(), IPv4 and IPv6).
 */
#ifndef EB_TEST_FUZZ_FRAME_H
#define EB_TEST_FUZZ_FRAME_H

/* ---- frames ---- */

struct fr {
	uint8_t b[FR_MAX];
	uint32_t len;
};

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v & 0xff;
}

/*
 * The layout of an IP frame as far as it goes, and the checksum convention
 * of this test: the L4 part is min(tot_len, bytes present) minus the
 * header (IPv6: min(payload length, bytes present after the 40-byte
 * header)), and the pseudo header carries that length. NAT never changes
 * a length, and NAT46 changes the header only (tot_len = payload length +
 * 20 and back), so a checksum right by this convention on input must be
 * right on output whatever the lengths say. IPv6 extension headers are not
 * followed: proto is the first next header.
 */
struct lay {
	bool ipv4;	  /* EtherType IPv4 and a whole header with IHL >= 5 present */
	bool ipv6;	  /* EtherType IPv6, version 6 and a whole header present */
	uint32_t l3, hl;  /* offset and length of the IP header */
	uint32_t l4, l4n; /* offset and length of the L4 part (by the convention) */
	uint8_t proto;
	bool later; /* a fragment with offset > 0 */
};

static struct lay layout(const struct fr *f)
{
	struct lay l = {};
	uint32_t avail, tot, end;
	const uint8_t *ip4;

	if (f->len >= IP6_L4 && get16(f->b + 12) == ETH_P6) {
		const uint8_t *ip6 = f->b + ETH_LEN;
		uint32_t plen = get16(ip6 + 4), have = f->len - IP6_L4;

		if ((ip6[0] >> 4) != 6)
			return l;
		l.ipv6 = true;
		l.l3 = ETH_LEN;
		l.hl = 40;
		l.proto = ip6[6];
		l.l4 = IP6_L4;
		l.l4n = plen < have ? plen : have;
		return l;
	}
	if (f->len < ETH_LEN + 20 || get16(f->b + 12) != 0x0800)
		return l;
	ip4 = f->b + ETH_LEN;
	l.l3 = ETH_LEN;
	l.hl = (ip4[0] & 0x0f) * 4;
	avail = f->len - ETH_LEN;
	if ((ip4[0] >> 4) != 4 || l.hl < 20 || l.hl > avail)
		return l;
	l.ipv4 = true;
	l.proto = ip4[9];
	l.later = (get16(ip4 + 6) & 0x1fff) != 0;
	tot = get16(ip4 + 2);
	end = tot < avail ? tot : avail;
	l.l4 = ETH_LEN + l.hl;
	l.l4n = end > l.hl ? end - l.hl : 0;
	return l;
}

static void fill_ip_csum(uint8_t *iph)
{
	uint32_t hl = (iph[0] & 0x0f) * 4;

	put16(iph + 10, 0);
	put16(iph + 10, fx_fold(fx_sum(iph, hl, 0)));
}

/* Where the L4 checksum is; ICMP is ICMPv4 in IPv4, ICMPv6 in IPv6. */
static int l4_csum_off(uint8_t proto, bool v6)
{
	return proto == IPPROTO_TCP			       ? 16
	       : proto == IPPROTO_UDP			       ? 6
	       : proto == (v6 ? IPPROTO_ICMPV6 : IPPROTO_ICMP) ? 2
							       : -1;
}

/* The pseudo header's sum of the L4 part of l (ICMPv4 has none). */
static uint32_t l4_pseudo(const struct fr *f, const struct lay *l)
{
	const uint8_t *ip = f->b + l->l3;

	if (l->ipv6)
		return fx_pseudo6(ip, l->l4n, l->proto);
	return l->proto == IPPROTO_ICMP ? 0 : fx_pseudo4(ip, l->l4n);
}

/* Recomputes the IP and L4 checksums, as far as the frame allows. */
static void fix_csums(struct fr *f)
{
	struct lay l = layout(f);
	uint8_t *iph = f->b + ETH_LEN, *l4;
	int off;
	uint16_t c;

	if (!l.ipv4 && !l.ipv6)
		return;
	if (l.ipv4)
		fill_ip_csum(iph);
	off = l4_csum_off(l.proto, l.ipv6);
	if (l.later || off < 0 || l.l4n < (uint32_t)off + 2)
		return;
	l4 = f->b + l.l4;
	if (l.proto == IPPROTO_UDP && get16(l4 + 6) == 0)
		return; /* no checksum: stays so */
	put16(l4 + off, 0);
	c = fx_fold(fx_sum(l4, l.l4n, l4_pseudo(f, &l)));
	if (l.proto == IPPROTO_UDP && c == 0)
		c = 0xffff;
	put16(l4 + off, c);
}

#define CS_IP	    1  /* the IP header checksum verifies */
#define CS_L4	    2  /* the L4 checksum verifies (UDP: and is not 0) */
#define CS_UDP0	    4  /* UDP without a checksum */
#define CS_INNER_IP 8  /* an ICMP error's quoted IP header verifies */
#define CS_INNER_L4 16 /* an ICMPv6 error's quote is whole and its L4 checksum verifies */

/* An ICMPv6 error (types 1-4) at l4, n bytes: is its quote a whole IPv6
 * packet (payload length within the quote) whose L4 checksum verifies? */
static bool quote6_l4_ok(const uint8_t *l4, uint32_t n)
{
	const uint8_t *in = l4 + 8;
	uint32_t qn, ipl;
	uint8_t nh;
	int off;

	if (n < 8 + 40 || (in[0] >> 4) != 6)
		return false;
	qn = n - 48;
	ipl = get16(in + 4);
	nh = in[6];
	off = l4_csum_off(nh, true);
	if (off < 0 || ipl > qn || ipl < (uint32_t)off + 2)
		return false;
	if (nh == IPPROTO_UDP && get16(in + 40 + 6) == 0)
		return false;
	return fx_fold(fx_sum(in + 40, ipl, fx_pseudo6(in, ipl, nh))) == 0;
}

static uint32_t csum_state(const struct fr *f)
{
	struct lay l = layout(f);
	const uint8_t *iph = f->b + ETH_LEN, *l4;
	uint32_t s = 0;
	int off;

	if (!l.ipv4 && !l.ipv6)
		return 0;
	if (l.ipv4 && fx_fold(fx_sum(iph, l.hl, 0)) == 0)
		s |= CS_IP;
	off = l4_csum_off(l.proto, l.ipv6);
	if (l.later || off < 0 || l.l4n < (uint32_t)off + 2)
		return s;
	l4 = f->b + l.l4;
	if (l.proto == IPPROTO_UDP && get16(l4 + 6) == 0)
		s |= CS_UDP0;
	else if (fx_fold(fx_sum(l4, l.l4n, l4_pseudo(f, &l))) == 0)
		s |= CS_L4;
	if (l.ipv6) {
		if (l.proto == IPPROTO_ICMPV6 && l4[0] >= 1 && l4[0] <= 4 &&
		    quote6_l4_ok(l4, l.l4n))
			s |= CS_INNER_L4;
		return s;
	}
	if (l.proto == IPPROTO_ICMP && l.l4n >= 8 + 20 &&
	    (l4[0] == 3 || l4[0] == 11 || l4[0] == 12)) {
		const uint8_t *in = l4 + 8;
		uint32_t ihl = (in[0] & 0x0f) * 4;

		if ((in[0] >> 4) == 4 && ihl >= 20 && 8 + ihl <= l.l4n &&
		    fx_fold(fx_sum(in, ihl, 0)) == 0)
			s |= CS_INNER_IP;
	}
	return s;
}

/*
 * Invalid IPv4 frames, the ones from which no state may be made. The
 * reasons the kernel's own IPv4 input (ip_rcv_core) and netfilter's
 * conntrack (tcp_error, udp_error) reject a packet for:
 */
enum inv {
	INV_NONE = 0,
	INV_IP_SHORT,	   /* fewer than 20 bytes after the Ethernet header */
	INV_VERSION,	   /* version != 4 */
	INV_IHL_SMALL,	   /* IHL < 5 */
	INV_IHL_BEYOND,	   /* IHL * 4 beyond the frame */
	INV_L4_TRUNC,	   /* not a later fragment; the L4 header is not all in the frame */
	INV_TOTLEN_SHORT,  /* tot_len < IHL * 4, or too short for the L4 header */
	INV_TOTLEN_BEYOND, /* tot_len longer than the frame */
	INV_TCP_DOFF,	   /* TCP data offset < 5, or (unfragmented) beyond the segment */
	INV_UDP_LEN,	   /* unfragmented: UDP length < 8, or beyond the packet */
	INV_QUOTE_BAD,	   /* an ICMP error quoting no IPv4 header (version, IHL < 5) */
	INV_QUOTE_TRUNC,   /* an ICMP error quoting less than an IP header + 8 bytes */
	INV_QUOTE_TOTLEN,  /* ...in the packet tot_len says, though the frame has more */
	/*
	 * IPv6 (EtherType 0x86dd): what the kernel's ipv6_rcv and netfilter
	 * reject, what the datapath's parsers (eb_parse6_l4, eb_parse6_inner,
	 * eb_from_container6) refuse, and what RFC 4861 7.1.1 makes an
	 * invalid neighbour solicitation. A UDP checksum of 0 is not among
	 * them: netfilter's udp_error lets it by for both families.
	 */
	INV6_SHORT,	  /* fewer than 40 bytes after the Ethernet header */
	INV6_VERSION,	  /* version != 6 */
	INV6_PLEN_BEYOND, /* 40 + payload length beyond the frame */
	INV6_EXTHDR,	  /* an extension header first: never parsed (no state by contract) */
	INV6_PLEN_SHORT,  /* payload length shorter than the L4 header (TCP 20, UDP/ICMPv6 8) */
	INV6_TCP_DOFF,	  /* TCP data offset < 5 or beyond the payload */
	INV6_UDP_LEN,	  /* UDP length < 8 or beyond the payload */
	INV6_QUOTE_TRUNC, /* an ICMPv6 error quoting less than an IPv6 header + 8 bytes */
	INV6_QUOTE_BAD,	  /* an ICMPv6 error quoting no IPv6 header (version) */
	INV6_ND,	  /* an NS: hop limit != 255, code != 0, < 24 bytes, or from :: with SLLA */
	INV_MAX,
};

static const char *inv_name[INV_MAX] = {
    "valid",
    "fewer than 20 bytes of IPv4 header",
    "IP version != 4",
    "IHL < 5",
    "IHL beyond the frame",
    "L4 header truncated by the end of the frame",
    "tot_len shorter than the headers",
    "tot_len beyond the frame",
    "TCP data offset < 5 or beyond the segment",
    "UDP length < 8 or beyond the packet (unfragmented)",
    "ICMP error quoting no IPv4 header",
    "ICMP error quoting less than an IP header and 8 bytes",
    "ICMP error whose quote is cut short by tot_len (the frame has more)",
    "IPv6: fewer than 40 bytes of header",
    "IPv6: version != 6",
    "IPv6: payload length beyond the frame",
    "IPv6: an extension header (not parsed)",
    "IPv6: payload length shorter than the L4 header",
    "IPv6: TCP data offset < 5 or beyond the payload",
    "IPv6: UDP length < 8 or beyond the payload",
    "IPv6: ICMPv6 error quoting less than an IPv6 header and 8 bytes",
    "IPv6: ICMPv6 error quoting no IPv6 header",
    "IPv6: neighbour solicitation invalid by RFC 4861 7.1.1",
};

/* Bytes after the IP packet, in the frame (tot_len or 40 + payload length
 * < what is there). */
static bool has_trailer(const struct fr *f)
{
	if (f->len > ETH_LEN + 6 && get16(f->b + 12) == ETH_P6)
		return 40u + get16(f->b + ETH_LEN + 4) < f->len - ETH_LEN;
	return f->len > ETH_LEN + 4 && get16(f->b + ETH_LEN + 2) < f->len - ETH_LEN;
}

static uint32_t l4_min(uint8_t proto)
{
	return proto == IPPROTO_TCP ? 20 : proto == IPPROTO_UDP || proto == IPPROTO_ICMP ? 8 : 0;
}

/* The extension headers of RFC 8200 4.1 and after (bpf/lib/ndp.h's list). */
static bool is_exthdr6(uint8_t nh)
{
	return nh == 0 || nh == 43 || nh == 44 || nh == 60 || nh == 51 || nh == 135 || nh == 139 ||
	       nh == 140 || nh == 253 || nh == 254;
}

static enum inv invalid6_reason(const struct fr *f)
{
	const uint8_t *ip6 = f->b + ETH_LEN, *l4 = f->b + IP6_L4;
	uint32_t avail = f->len - ETH_LEN, plen;
	uint8_t nh;

	if (avail < 40)
		return INV6_SHORT;
	if ((ip6[0] >> 4) != 6)
		return INV6_VERSION;
	plen = get16(ip6 + 4);
	nh = ip6[6];
	if (40 + plen > avail)
		return INV6_PLEN_BEYOND;
	if (is_exthdr6(nh))
		return INV6_EXTHDR;
	if (plen < (nh == IPPROTO_TCP ? 20u : nh == IPPROTO_UDP || nh == IPPROTO_ICMPV6 ? 8u : 0u))
		return INV6_PLEN_SHORT;
	if (nh == IPPROTO_TCP && ((l4[12] >> 4) < 5 || (l4[12] >> 4) * 4u > plen))
		return INV6_TCP_DOFF;
	if (nh == IPPROTO_UDP && (get16(l4 + 4) < 8 || get16(l4 + 4) > plen))
		return INV6_UDP_LEN;
	if (nh == IPPROTO_ICMPV6 && l4[0] >= 1 && l4[0] <= 4) {
		if (plen < 8 + 40 + 8)
			return INV6_QUOTE_TRUNC;
		if ((l4[8] >> 4) != 6)
			return INV6_QUOTE_BAD;
	}
	if (nh == IPPROTO_ICMPV6 && l4[0] == 135) {
		bool from_any = !memcmp(ip6 + 8, any6, 16);

		if (ip6[7] != 255 || l4[1] != 0 || plen < 24 ||
		    (from_any && plen >= 32 && l4[24] == 1 && l4[25] == 1))
			return INV6_ND;
	}
	return INV_NONE;
}

static enum inv invalid_reason(const struct fr *f)
{
	const uint8_t *iph = f->b + ETH_LEN;
	uint32_t avail, hl, tot, frame_l4;
	bool later, first;
	uint8_t proto;

	if (f->len >= ETH_LEN && get16(f->b + 12) == ETH_P6)
		return invalid6_reason(f);
	if (f->len < ETH_LEN || get16(f->b + 12) != 0x0800)
		return INV_NONE; /* not IP: no conntrack state is possible */
	avail = f->len - ETH_LEN;
	if (avail < 20)
		return INV_IP_SHORT;
	if ((iph[0] >> 4) != 4)
		return INV_VERSION;
	hl = (iph[0] & 0x0f) * 4;
	if (hl < 20)
		return INV_IHL_SMALL;
	if (hl > avail)
		return INV_IHL_BEYOND;
	proto = iph[9];
	later = (get16(iph + 6) & 0x1fff) != 0;
	first = !later && (get16(iph + 6) & 0x2000);
	frame_l4 = avail - hl;
	if (!later && frame_l4 < l4_min(proto))
		return INV_L4_TRUNC;
	tot = get16(iph + 2);
	if (tot < hl || (!later && tot - hl < l4_min(proto)))
		return INV_TOTLEN_SHORT;
	if (tot > avail)
		return INV_TOTLEN_BEYOND;
	/* A first fragment holds the TCP header (RFC 1858) but not all of
	 * the segment, nor all of the datagram a UDP length counts. */
	if (!later && proto == IPPROTO_TCP) {
		uint32_t doff = (iph[hl + 12] >> 4) * 4;

		if (doff < 20 || (!first && doff > tot - hl))
			return INV_TCP_DOFF;
	}
	if (!later && !first && proto == IPPROTO_UDP) {
		uint32_t ulen = get16(iph + hl + 4);

		if (ulen < 8 || ulen > tot - hl)
			return INV_UDP_LEN;
	}
	if (!later && proto == IPPROTO_ICMP && (iph[hl] == 3 || iph[hl] == 11 || iph[hl] == 12)) {
		const uint8_t *in = iph + hl + 8;
		uint32_t in_frame = avail - hl - 8, in_tot = tot - hl - 8, ihl;

		if (in_frame < 20)
			return INV_QUOTE_TRUNC;
		ihl = (in[0] & 0x0f) * 4;
		if ((in[0] >> 4) != 4 || ihl < 20)
			return INV_QUOTE_BAD;
		if (in_frame < ihl + 8)
			return INV_QUOTE_TRUNC;
		if (in_tot < ihl + 8)
			return INV_QUOTE_TOTLEN;
	}
	return INV_NONE;
}

#endif
