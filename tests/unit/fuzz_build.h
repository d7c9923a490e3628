/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Part of test_fuzz.c (its header comment says what the test holds), included
 * there only, in the order its #includes give: building IPv4 and IPv6 frames
 * (TCP, UDP, echo, IP headers, ICMP and ICMPv6 errors with their quotes,
 * neighbour solicitations, multicast addresses).
 */
#ifndef EB_TEST_FUZZ_BUILD_H
#define EB_TEST_FUZZ_BUILD_H

/* ---- building frames ---- */

static uint32_t mk_tcp(uint8_t *l4, uint16_t sp, uint16_t dp, uint8_t flags, uint32_t plen)
{
	memset(l4, 0, 20);
	put16(l4, sp);
	put16(l4 + 2, dp);
	rnd_bytes(l4 + 4, 8); /* seq, ack */
	l4[12] = 5 << 4;
	l4[13] = flags;
	put16(l4 + 14, 64240);
	rnd_bytes(l4 + 20, plen);
	return 20 + plen;
}

static uint32_t mk_udp(uint8_t *l4, uint16_t sp, uint16_t dp, uint32_t plen, bool csum)
{
	put16(l4, sp);
	put16(l4 + 2, dp);
	put16(l4 + 4, (uint16_t)(8 + plen));
	put16(l4 + 6, csum ? 0xffff : 0); /* non-zero: filled in by fix_csums */
	rnd_bytes(l4 + 8, plen);
	return 8 + plen;
}

static uint32_t mk_echo(uint8_t *l4, uint8_t type, uint16_t id, uint32_t plen)
{
	memset(l4, 0, 8);
	l4[0] = type;
	put16(l4 + 4, id);
	put16(l4 + 6, (uint16_t)rnd(65536));
	rnd_bytes(l4 + 8, plen);
	return 8 + plen;
}

/* An IPv4 packet (no Ethernet) at p: header with optlen bytes of options,
 * l4 bytes already at p + 20 + optlen. Returns its length. */
static uint32_t mk_ip(uint8_t *p, uint8_t proto, uint32_t src, uint32_t dst, uint32_t l4len,
		      uint32_t optlen, uint16_t frag)
{
	p[0] = 0x40 | (uint8_t)((20 + optlen) / 4);
	p[1] = 0;
	put16(p + 2, (uint16_t)(20 + optlen + l4len));
	put16(p + 4, (uint16_t)rnd(65536));
	put16(p + 6, frag);
	p[8] = 64;
	p[9] = proto;
	memcpy(p + 12, &src, 4);
	memcpy(p + 16, &dst, 4);
	for (uint32_t i = 0; i < optlen; i++)
		p[20 + i] = i + 1 == optlen ? 0 /* EOL */ : 1 /* NOP */;
	fill_ip_csum(p);
	return 20 + optlen + l4len;
}

/* A whole frame: Ethernet, IPv4 (with optlen bytes of options), and the
 * L4 bytes made by the callback's values already placed by the caller. */
struct tmpl_out {
	struct fr f;
	int prog; /* 0: eb_from_container, 1: eb_from_uplink */
	int ifindex;
	int world; /* 0: fx (IPv6 on), 1: fx46 (no IPv6: NAT46) */
	const char *name;
};

static uint8_t *l4_at(struct tmpl_out *t, uint32_t optlen)
{
	return t->f.b + ETH_LEN + 20 + optlen;
}

static void finish_ip(struct tmpl_out *t, const uint8_t *dmac, const uint8_t *smac, uint8_t proto,
		      uint32_t src, uint32_t dst, uint32_t l4len, uint32_t optlen, uint16_t frag)
{
	memcpy(t->f.b, dmac, 6);
	memcpy(t->f.b + 6, smac, 6);
	put16(t->f.b + 12, 0x0800);
	t->f.len = ETH_LEN + mk_ip(t->f.b + ETH_LEN, proto, src, dst, l4len, optlen, frag);
	fix_csums(&t->f);
}

/* The flows that replies refer to: made at the start of each epoch. */
static struct {
	uint16_t tcp_nport, udp_nport, icmp_nid;
	uint16_t client_port; /* of the flow to the published TCP port */
	uint16_t frag_ids[4]; /* IP ids of first fragments seen both ways */
} seed;

/* The checksums of an IPv4 packet without its Ethernet header (a quote). */
static void pkt_fix(uint8_t *q, uint32_t qn)
{
	static struct fr tmp;

	memset(tmp.b, 0, ETH_LEN);
	put16(tmp.b + 12, 0x0800);
	memcpy(tmp.b + ETH_LEN, q, qn);
	tmp.len = ETH_LEN + qn;
	fix_csums(&tmp);
	memcpy(q, tmp.b + ETH_LEN, qn);
}

/* An ICMP error at l4 quoting the IP packet q (qlen bytes of it). */
static uint32_t mk_icmp_err(uint8_t *l4, uint8_t type, uint8_t code, const uint8_t *q,
			    uint32_t qlen)
{
	memset(l4, 0, 8);
	l4[0] = type;
	l4[1] = code;
	if (type == 3 && code == 4)
		put16(l4 + 6, 1280);
	memcpy(l4 + 8, q, qlen);
	return 8 + qlen;
}

static uint8_t err_type(uint8_t *code)
{
	switch (rnd(3)) {
	case 0:
		*code = 4; /* fragmentation needed */
		return 3;
	case 1:
		*code = 0;
		return 11;
	default:
		*code = 0;
		return 12;
	}
}

/* Quote length of an ICMP error: 8 bytes of L4 (RFC 792) or the whole packet. */
static uint32_t quote_len(uint32_t whole, uint32_t hl)
{
	return chance(50) ? hl + 8 : whole;
}

/* ---- building IPv6 frames ---- */

/* An IPv6 header at p (traffic class and flow label random), l4len bytes
 * of payload already at p + 40. Returns the packet's length. */
static uint32_t mk_ip6(uint8_t *p, uint8_t nh, const uint8_t *src, const uint8_t *dst,
		       uint32_t l4len, uint8_t hop)
{
	rnd_bytes(p, 4);
	p[0] = 0x60 | (p[0] & 0x0f);
	put16(p + 4, (uint16_t)l4len);
	p[6] = nh;
	p[7] = hop;
	memcpy(p + 8, src, 16);
	memcpy(p + 24, dst, 16);
	return 40 + l4len;
}

static void finish_ip6(struct tmpl_out *t, const uint8_t *dmac, const uint8_t *smac, uint8_t nh,
		       const uint8_t *src, const uint8_t *dst, uint32_t l4len, uint8_t hop)
{
	memcpy(t->f.b, dmac, 6);
	memcpy(t->f.b + 6, smac, 6);
	put16(t->f.b + 12, ETH_P6);
	t->f.len = ETH_LEN + mk_ip6(t->f.b + ETH_LEN, nh, src, dst, l4len, hop);
	fix_csums(&t->f);
}

/* The checksum of an IPv6 packet without its Ethernet header (a quote). */
static void pkt_fix6(uint8_t *q, uint32_t qn)
{
	static struct fr tmp;

	memset(tmp.b, 0, ETH_LEN);
	put16(tmp.b + 12, ETH_P6);
	memcpy(tmp.b + ETH_LEN, q, qn);
	tmp.len = ETH_LEN + qn;
	fix_csums(&tmp);
	memcpy(q, tmp.b + ETH_LEN, qn);
}

/* An ICMPv6 error at l4 quoting the IPv6 packet q (qlen bytes of it). */
static uint32_t mk_icmp6_err(uint8_t *l4, uint8_t type, uint8_t code, const uint8_t *q,
			     uint32_t qlen)
{
	memset(l4, 0, 8);
	l4[0] = type;
	l4[1] = code;
	if (type == 2)
		put16(l4 + 6, 1280); /* packet too big: the MTU */
	if (type == 4)
		l4[7] = (uint8_t)rnd(48); /* parameter problem: the pointer */
	memcpy(l4 + 8, q, qlen);
	return 8 + qlen;
}

/* Destination unreachable, packet too big, time exceeded, parameter problem. */
static uint8_t err_type6(uint8_t *code)
{
	uint8_t type = (uint8_t)(1 + rnd(4));

	*code = type == 1   ? (uint8_t)rnd(7)
		: type == 3 ? (uint8_t)rnd(2)
		: type == 4 ? (uint8_t)rnd(3)
			    : 0;
	return type;
}

/* A TCP SYN with an MSS option (data offset 6). */
static uint32_t mk_syn_mss(uint8_t *l4, uint16_t sp, uint16_t dp, uint16_t mss)
{
	mk_tcp(l4, sp, dp, 0x02, 0);
	l4[12] = 6 << 4;
	l4[20] = 2;
	l4[21] = 4;
	put16(l4 + 22, mss);
	return 24;
}

/* A neighbour solicitation for target at l4, with the source link-layer
 * address option of mac (NULL: none). Returns its length. */
static uint32_t mk_ns(uint8_t *l4, const uint8_t *target, const uint8_t *mac)
{
	memset(l4, 0, 24);
	l4[0] = 135;
	memcpy(l4 + 8, target, 16);
	if (!mac)
		return 24;
	l4[24] = 1;
	l4[25] = 1;
	memcpy(l4 + 26, mac, 6);
	return 32;
}

/* The solicited-node group of a (ff02::1:ffXX:XXXX) and its MAC. */
static void snm(const uint8_t *a, uint8_t grp[16], uint8_t mac[6])
{
	static const uint8_t g[13] = {0xff, 0x02, [11] = 0x01, [12] = 0xff};

	memcpy(grp, g, 13);
	memcpy(grp + 13, a + 13, 3);
	mac[0] = mac[1] = 0x33;
	memcpy(mac + 2, grp + 12, 4);
}

static void mcast_mac(const uint8_t *grp, uint8_t mac[6])
{
	mac[0] = mac[1] = 0x33;
	memcpy(mac + 2, grp + 12, 4);
}

#endif
