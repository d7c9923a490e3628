/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Part of test_fuzz.c (its header comment says what the test holds), included
 * there only, in the order its #includes give: the mutations of a template
 * (mutate(), mutate6()).
 */
#ifndef EB_TEST_FUZZ_MUTATE_H
#define EB_TEST_FUZZ_MUTATE_H

/* ---- mutations ---- */

enum mut {
	M_NONE,
	M_TRUNC,	 /* cut anywhere */
	M_IHL_SMALL,	 /* IHL 0..4 */
	M_IHL_BIG,	 /* IHL beyond what is there */
	M_VERSION,	 /* version != 4 */
	M_TOTLEN_LESS,	 /* tot_len shorter than the packet */
	M_TOTLEN_MORE,	 /* tot_len longer than the frame */
	M_OPTIONS,	 /* random IP options (consistent IHL) */
	M_FRAG,		 /* fragment bits and offset */
	M_TCP_DOFF,	 /* TCP data offset 0..4 or beyond the segment */
	M_UDP_LEN,	 /* UDP length 0..7 or beyond the packet */
	M_QUOTE_GARBAGE, /* an ICMP error's quote replaced by random bytes */
	M_QUOTE_TRUNC,	 /* an ICMP error's quote cut short */
	M_FLIP,		 /* a few random bytes changed */
	M_RANDOM,	 /* random bytes, Ethernet header kept or not */
	M_BAD_CSUM,	 /* checksums broken, structure valid */
	M_PROTO,	 /* IP protocol (IPv6: next header) changed, nothing else */
	M_HOP,		 /* TTL / hop limit 0 or 1 */
	M_EXTHDR,	 /* IPv6 only: an extension header put in before the L4 header */
	M_MAX,
};
/* IPv4 draws from M_NONE..M_HOP; IPv6 from mut6[] (what applies to it:
 * tot_len short/long are the payload length, protocol the next header). */

static const char *mut_name[M_MAX] = {
    "none",	     "truncate",      "ihl<5",		 "ihl beyond",	     "version",
    "tot_len short", "tot_len long",  "ip options",	 "fragment",	     "tcp doff",
    "udp length",    "quote garbage", "quote truncated", "flip bytes",	     "random",
    "bad csum",	     "protocol",      "hop limit 0/1",	 "extension header",
};

/* Moves the bytes after the IP header to make room for optlen more
 * bytes of options (as long as the frame has room). */
static void add_options(struct fr *f, uint32_t extra)
{
	uint8_t *iph = f->b + ETH_LEN;
	uint32_t hl = (iph[0] & 0x0f) * 4;

	if (hl + extra > 60 || f->len + extra > FR_MAX)
		return;
	memmove(iph + hl + extra, iph + hl, f->len - ETH_LEN - hl);
	rnd_bytes(iph + hl, extra);
	iph[0] = (iph[0] & 0xf0) | (uint8_t)((hl + extra) / 4);
	put16(iph + 2, (uint16_t)(get16(iph + 2) + extra));
	f->len += extra;
}

/* An 8-byte extension header (hop-by-hop, destination options, routing,
 * fragment) between the IPv6 header and what followed it. */
static void add_exthdr6(struct fr *f)
{
	static const uint8_t ext[] = {0, 60, 43, 44, 135, 253};
	uint8_t *ip6 = f->b + ETH_LEN, *e = f->b + IP6_L4;

	if (f->len + 8 > FR_MAX)
		return;
	memmove(e + 8, e, f->len - IP6_L4);
	memset(e, 0, 8);
	e[0] = ip6[6];
	ip6[6] = ext[rnd(sizeof(ext))];
	if (ip6[6] == 44 || chance(20))
		rnd_bytes(e + 1, 7);
	else if (ip6[6] == 0 || ip6[6] == 60) {
		e[2] = 1; /* PadN */
		e[3] = 4;
	}
	put16(ip6 + 4, (uint16_t)(get16(ip6 + 4) + 8));
	f->len += 8;
}

static enum mut mutate6(struct fr *f)
{
	static const enum mut mut6[] = {
	    M_NONE,   M_TRUNC,	  M_VERSION,  M_TOTLEN_LESS,   M_TOTLEN_MORE,
	    M_EXTHDR, M_TCP_DOFF, M_UDP_LEN,  M_QUOTE_GARBAGE, M_QUOTE_TRUNC,
	    M_FLIP,   M_RANDOM,	  M_BAD_CSUM, M_PROTO,	       M_HOP,
	};
	struct lay l = layout(f);
	uint8_t *ip6 = f->b + ETH_LEN;
	enum mut m = mut6[rnd(sizeof(mut6) / sizeof(mut6[0]))];
	bool fix = chance(75);
	uint32_t n;
	int off;

	switch (m) {
	case M_TRUNC:
		f->len = ETH_LEN + rnd(f->len - ETH_LEN);
		fix = false;
		break;
	case M_VERSION:
		ip6[0] = (ip6[0] & 0x0f) | (uint8_t)((chance(50) ? 4 : rnd(16)) << 4);
		if ((ip6[0] >> 4) == 6)
			ip6[0] ^= 0x10; /* never 6 */
		break;
	case M_TOTLEN_LESS:
		put16(ip6 + 4, (uint16_t)rnd(get16(ip6 + 4)));
		break;
	case M_TOTLEN_MORE:
		n = f->len - IP6_L4;
		put16(ip6 + 4, (uint16_t)(n + 1 + rnd(65535 - n)));
		break;
	case M_EXTHDR:
		add_exthdr6(f);
		break;
	case M_TCP_DOFF:
		if (l.ipv6 && l.proto == IPPROTO_TCP && l.l4n >= 13) {
			uint8_t doff = chance(50) ? (uint8_t)rnd(5) : (uint8_t)(6 + rnd(10));

			f->b[l.l4 + 12] = (uint8_t)(doff << 4) | (f->b[l.l4 + 12] & 0x0f);
		}
		break;
	case M_UDP_LEN:
		if (l.ipv6 && l.proto == IPPROTO_UDP && l.l4n >= 6)
			put16(f->b + l.l4 + 4,
			      chance(50) ? (uint16_t)rnd(8) : (uint16_t)(l.l4n + 1 + rnd(600)));
		break;
	case M_QUOTE_GARBAGE:
		if (l.ipv6 && l.proto == IPPROTO_ICMPV6 && l.l4n > 8) {
			rnd_bytes(f->b + l.l4 + 8, l.l4n - 8);
			if (chance(50)) /* still claims to be IPv6 */
				f->b[l.l4 + 8] = 0x60 | (uint8_t)rnd(16);
		}
		break;
	case M_QUOTE_TRUNC:
		if (l.ipv6 && l.proto == IPPROTO_ICMPV6 && l.l4n > 8) {
			n = rnd(l.l4n - 8);
			f->len = l.l4 + 8 + n;
			put16(ip6 + 4, (uint16_t)(8 + n));
		}
		break;
	case M_FLIP:
		n = 1 + rnd(8);
		for (uint32_t i = 0; i < n; i++)
			f->b[rnd(f->len)] ^= (uint8_t)(1 + rnd(255));
		break;
	case M_RANDOM: {
		uint32_t keep = chance(50) ? ETH_LEN : 0;

		n = ETH_LEN + rnd(200);
		rnd_bytes(f->b + keep, n - keep);
		f->len = n;
		if (chance(50))
			put16(f->b + 12, ETH_P6);
		if (chance(30))
			f->b[ETH_LEN] = 0x60;
		break;
	}
	case M_BAD_CSUM:
		off = l4_csum_off(l.proto, true);
		if (l.ipv6 && off >= 0 && l.l4n >= (uint32_t)off + 2)
			f->b[l.l4 + off] ^= 0x33;
		fix = false;
		break;
	case M_PROTO:
		ip6[6] = (uint8_t)rnd(256);
		break;
	case M_HOP:
		ip6[7] = (uint8_t)rnd(2);
		break;
	default:
		break;
	}
	if (fix)
		fix_csums(f);
	return m;
}

static enum mut mutate(struct fr *f)
{
	struct lay l = layout(f);
	uint8_t *iph = f->b + ETH_LEN;
	enum mut m;
	bool fix;
	uint32_t n;

	if (f->len >= IP6_L4 && get16(f->b + 12) == ETH_P6)
		return mutate6(f);
	m = (enum mut)rnd(M_HOP + 1);
	fix = chance(75); /* most inputs keep right checksums */

	switch (m) {
	case M_NONE:
		break;
	case M_TRUNC:
		if (f->len > ETH_LEN)
			f->len = ETH_LEN + rnd(f->len - ETH_LEN);
		fix = false; /* a cut packet keeps what it said */
		break;
	case M_IHL_SMALL:
		if (f->len > ETH_LEN)
			iph[0] = (iph[0] & 0xf0) | (uint8_t)rnd(5);
		break;
	case M_IHL_BIG:
		if (f->len > ETH_LEN) {
			n = (f->len - ETH_LEN) / 4 + 1;
			iph[0] = (iph[0] & 0xf0) | (uint8_t)(n < 15 ? n + rnd(16 - n) : 15);
			if (n > 15)
				f->len =
				    ETH_LEN + 20 + rnd(36); /* short enough for IHL 15 to overrun */
		}
		break;
	case M_VERSION:
		if (f->len > ETH_LEN)
			iph[0] = (iph[0] & 0x0f) | (uint8_t)((chance(50) ? 6 : rnd(16)) << 4);
		if (f->len > ETH_LEN && (iph[0] >> 4) == 4)
			iph[0] ^= 0x20; /* never 4 */
		break;
	case M_TOTLEN_LESS:
		if (l.ipv4)
			put16(iph + 2, (uint16_t)rnd(get16(iph + 2)));
		break;
	case M_TOTLEN_MORE:
		if (l.ipv4)
			put16(iph + 2,
			      (uint16_t)(f->len - ETH_LEN + 1 + rnd(65535 - (f->len - ETH_LEN))));
		break;
	case M_OPTIONS:
		if (l.ipv4)
			add_options(f, 4 * (1 + rnd(10)));
		break;
	case M_FRAG:
		if (l.ipv4)
			put16(iph + 6, (uint16_t)((chance(50) ? 0x2000 : 0) |
						  (chance(50) ? 0 : 1 + rnd(0x1fff)) |
						  (chance(10) ? 0x8000 : 0)));
		break;
	case M_TCP_DOFF:
		if (l.ipv4 && l.proto == IPPROTO_TCP && l.l4n >= 13) {
			uint8_t doff = chance(50) ? (uint8_t)rnd(5) : (uint8_t)(6 + rnd(10));

			f->b[l.l4 + 12] = (uint8_t)(doff << 4) | (f->b[l.l4 + 12] & 0x0f);
		}
		break;
	case M_UDP_LEN:
		if (l.ipv4 && l.proto == IPPROTO_UDP && l.l4n >= 6)
			put16(f->b + l.l4 + 4,
			      chance(50) ? (uint16_t)rnd(8) : (uint16_t)(l.l4n + 1 + rnd(600)));
		break;
	case M_QUOTE_GARBAGE:
		if (l.ipv4 && l.proto == IPPROTO_ICMP && l.l4n > 8) {
			n = l.l4n - 8;
			rnd_bytes(f->b + l.l4 + 8, n);
			if (chance(50)) /* still claims to be IPv4 */
				f->b[l.l4 + 8] = 0x40 | (uint8_t)rnd(16);
		}
		break;
	case M_QUOTE_TRUNC:
		if (l.ipv4 && l.proto == IPPROTO_ICMP && l.l4n > 8) {
			n = rnd(l.l4n - 8);
			f->len = l.l4 + 8 + n;
			put16(iph + 2, (uint16_t)(f->len - ETH_LEN));
		}
		break;
	case M_FLIP:
		n = 1 + rnd(8);
		for (uint32_t i = 0; i < n && f->len > 0; i++)
			f->b[rnd(f->len)] ^= (uint8_t)(1 + rnd(255));
		break;
	case M_RANDOM: {
		uint32_t keep = chance(50) ? ETH_LEN : 0;

		n = ETH_LEN + rnd(200);
		rnd_bytes(f->b + keep, n - keep);
		f->len = n;
		if (chance(50))
			put16(f->b + 12, 0x0800);
		if (chance(30))
			f->b[ETH_LEN] = 0x45;
		break;
	}
	case M_BAD_CSUM:
		if (l.ipv4) {
			f->b[l.l3 + 10] ^= 0x5a;
			if (l.l4n >= 20)
				f->b[l.l4 + (l.proto == IPPROTO_TCP   ? 16
					     : l.proto == IPPROTO_UDP ? 6
								      : 2)] ^= 0x33;
		}
		fix = false;
		break;
	case M_PROTO:
		if (l.ipv4)
			iph[9] = (uint8_t)rnd(256);
		break;
	case M_HOP:
		if (l.ipv4)
			iph[8] = (uint8_t)rnd(2);
		break;
	default:
		break;
	}
	if (fix)
		fix_csums(f);
	return m;
}

#endif
