/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The packets of the outbound NAT tests (test_nat_*.c; after nat_world.h):
 * building them (IPv4, TCP, UDP, ICMP echo and errors), running them
 * through a program, and the checks the tests share. Every checksum is
 * verified from scratch over the output bytes (pseudo header included),
 * never by trusting the program's incremental updates.
 */
#ifndef EB_TEST_NAT_PKT_H
#define EB_TEST_NAT_PKT_H

/* Not every test file that includes this calls each helper. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-function"

/* ---- packets ---- */

struct pkt {
	uint8_t b[4096];
	uint32_t len;
};

struct res {
	int verdict;
	struct pkt out;
	struct __sk_buff ctx;
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

static uint32_t get_addr(const uint8_t *p)
{
	uint32_t a;

	memcpy(&a, p, 4);
	return a;
}

/* An IPv4 header's length, total length and L4 start. */
static uint32_t ihl(const uint8_t *iph)
{
	return (iph[0] & 0x0f) * 4;
}

static bool ip_csum_ok(const uint8_t *iph)
{
	return fx_csum(iph, ihl(iph)) == 0;
}

/* TCP/UDP (pseudo header) or ICMP checksum over l4len bytes at l4. */
static bool l4_csum_ok(const uint8_t *iph, const uint8_t *l4, uint32_t l4len)
{
	uint32_t s = iph[9] == IPPROTO_ICMP ? 0 : fx_pseudo4(iph, l4len);

	return fx_fold(fx_sum(l4, l4len, s)) == 0;
}

static void fill_ip_csum(uint8_t *iph)
{
	put16(iph + 10, 0);
	put16(iph + 10, fx_csum(iph, ihl(iph)));
}

static void fill_l4_csum(uint8_t *iph, uint8_t *l4, uint32_t l4len)
{
	uint32_t off = iph[9] == IPPROTO_TCP ? 16 : iph[9] == IPPROTO_UDP ? 6 : 2;
	uint32_t s = iph[9] == IPPROTO_ICMP ? 0 : fx_pseudo4(iph, l4len);
	uint16_t c;

	put16(l4 + off, 0);
	c = fx_fold(fx_sum(l4, l4len, s));
	if (iph[9] == IPPROTO_UDP && c == 0)
		c = 0xffff;
	put16(l4 + off, c);
}

/* An IPv4 header at p for l4len bytes of L4; its checksum filled in. */
static void mk_ip(uint8_t *p, uint8_t proto, const char *src, const char *dst, uint32_t l4len,
		  uint8_t ttl)
{
	uint32_t s = fx_ip(src), d = fx_ip(dst);

	memset(p, 0, IP_LEN);
	p[0] = 0x45;
	put16(p + 2, (uint16_t)(IP_LEN + l4len));
	put16(p + 4, 0x1234);
	put16(p + 6, 0x4000); /* DF */
	p[8] = ttl;
	p[9] = proto;
	memcpy(p + 12, &s, 4);
	memcpy(p + 16, &d, 4);
	fill_ip_csum(p);
}

static void mk_eth(uint8_t *p, const uint8_t *dst, const uint8_t *src)
{
	fx_put_eth(p, dst, src, 0x0800);
}

#define TCP_FIN 0x01
#define TCP_SYN 0x02
#define TCP_RST 0x04
#define TCP_ACK 0x10

/* The L4 bytes of a TCP segment (20-byte header, plen bytes of payload). */
static uint32_t mk_tcp_l4(uint8_t *l4, uint16_t sport, uint16_t dport, uint8_t flags,
			  uint32_t plen)
{
	memset(l4, 0, 20 + plen);
	put16(l4, sport);
	put16(l4 + 2, dport);
	l4[4] = 0x11, l4[5] = 0x22, l4[6] = 0x33, l4[7] = 0x44; /* seq */
	if (flags & TCP_ACK)
		l4[8] = 0x55, l4[9] = 0x66, l4[10] = 0x77, l4[11] = 0x88;
	l4[12] = 5 << 4;
	l4[13] = flags;
	put16(l4 + 14, 64240);
	for (uint32_t i = 0; i < plen; i++)
		l4[20 + i] = (uint8_t)(i * 7 + 3);
	return 20 + plen;
}

static void tcp(struct pkt *p, const uint8_t *dmac, const uint8_t *smac, const char *src,
		uint16_t sport, const char *dst, uint16_t dport, uint8_t flags, uint32_t plen)
{
	uint8_t *iph = p->b + ETH_LEN, *l4 = iph + IP_LEN;
	uint32_t n;

	mk_eth(p->b, dmac, smac);
	n = mk_tcp_l4(l4, sport, dport, flags, plen);
	mk_ip(iph, IPPROTO_TCP, src, dst, n, 64);
	fill_l4_csum(iph, l4, n);
	p->len = ETH_LEN + IP_LEN + n;
}

static void udp(struct pkt *p, const uint8_t *dmac, const uint8_t *smac, const char *src,
		uint16_t sport, const char *dst, uint16_t dport, bool csum)
{
	uint8_t *iph = p->b + ETH_LEN, *l4 = iph + IP_LEN;
	const char msg[] = "ebnet-udp-payload";
	uint32_t n = 8 + sizeof(msg);

	mk_eth(p->b, dmac, smac);
	memset(l4, 0, 8);
	put16(l4, sport);
	put16(l4 + 2, dport);
	put16(l4 + 4, (uint16_t)n);
	memcpy(l4 + 8, msg, sizeof(msg));
	mk_ip(iph, IPPROTO_UDP, src, dst, n, 64);
	if (csum)
		fill_l4_csum(iph, l4, n);
	p->len = ETH_LEN + IP_LEN + n;
}

static void icmp_echo(struct pkt *p, const uint8_t *dmac, const uint8_t *smac, const char *src,
		      const char *dst, uint8_t type, uint16_t id, uint16_t seq)
{
	uint8_t *iph = p->b + ETH_LEN, *l4 = iph + IP_LEN;
	uint32_t n = 8 + 32;

	mk_eth(p->b, dmac, smac);
	memset(l4, 0, n);
	l4[0] = type;
	put16(l4 + 4, id);
	put16(l4 + 6, seq);
	for (uint32_t i = 8; i < n; i++)
		l4[i] = (uint8_t)i;
	mk_ip(iph, IPPROTO_ICMP, src, dst, n, 64);
	fill_l4_csum(iph, l4, n);
	p->len = ETH_LEN + IP_LEN + n;
}

/* An ICMP error from src to dst quoting qlen bytes of the IP packet q
 * (which starts with its IPv4 header). word: the 4 bytes after the
 * checksum (the MTU of fragmentation-needed). */
static void icmp_err(struct pkt *p, const uint8_t *dmac, const uint8_t *smac, const char *src,
		     const char *dst, uint8_t type, uint8_t code, uint32_t word, const uint8_t *q,
		     uint32_t qlen)
{
	uint8_t *iph = p->b + ETH_LEN, *l4 = iph + IP_LEN;
	uint32_t n = 8 + qlen;

	mk_eth(p->b, dmac, smac);
	memset(l4, 0, 8);
	l4[0] = type;
	l4[1] = code;
	l4[4] = word >> 24, l4[5] = word >> 16, l4[6] = word >> 8, l4[7] = word;
	memcpy(l4 + 8, q, qlen);
	mk_ip(iph, IPPROTO_ICMP, src, dst, n, 64);
	fill_l4_csum(iph, l4, n);
	p->len = ETH_LEN + IP_LEN + n;
}

static struct res *run(int prog, int ifindex, const struct pkt *in, uint32_t gso_size)
{
	static struct fx_result fr;
	static struct res r;

	memset(&r, 0, sizeof(r));
	if (fx_run(prog, ifindex, in->b, in->len, gso_size, &fr)) {
		fprintf(stderr, "bpf_prog_test_run_opts: %s\n", strerror(-fr.err));
		r.verdict = -1000;
		return &r;
	}
	r.verdict = (int)fr.retval;
	r.ctx = fr.ctx;
	r.out.len = fr.out_len;
	memcpy(r.out.b, fr.out, fr.out_len);
	return &r;
}

/* From container A or B (ingress of its host-side veth). */
static struct res *from_ctr(struct fx *f, int ifindex, const struct pkt *in)
{
	return run(f->pc, ifindex, in, 0);
}

/* From outside (ingress of the uplink). */
static struct res *from_up(struct fx *f, const struct pkt *in)
{
	return run(f->pu, env.if_up, in, 0);
}

static uint8_t *ip_of(struct pkt *p)
{
	return p->b + ETH_LEN;
}

static uint8_t *l4_of(struct pkt *p)
{
	return p->b + ETH_LEN + ihl(p->b + ETH_LEN);
}

static uint32_t l4_len(struct pkt *p)
{
	uint8_t *iph = ip_of(p);

	return get16(iph + 2) - ihl(iph);
}

/* ---- checks shared by the tests ---- */

/* A packet leaving the uplink: redirected there, Ethernet from the uplink
 * to the router, source = the NAT address, both checksums right. */
static void check_out(const char *t, struct res *r, const struct pkt *in)
{
	char w[160];
	uint8_t *iph = ip_of(&r->out);

#define W(s) (snprintf(w, sizeof(w), "%s: %s", t, s), w)
	ASSERT_EQ(r->verdict, TC_ACT_REDIRECT, W("verdict is TC_ACT_REDIRECT"));
	ASSERT_EQ(r->ctx.cb[EB_CB_DECISION], EB_CNT_SNAT_OUT, W("decision is EB_CNT_SNAT_OUT"));
	ASSERT_EQ(r->ctx.cb[EB_CB_TARGET], env.if_up, W("target is the uplink"));
	ASSERT_EQ(r->out.len, in->len, W("length unchanged"));
	ASSERT_TRUE(!memcmp(r->out.b, MAC_GW, 6), W("destination MAC is the router's"));
	ASSERT_TRUE(!memcmp(r->out.b + 6, MAC_UP, 6), W("source MAC is the uplink's"));
	ASSERT_EQ(get_addr(iph + 12), fx_ip(SNAT_IP), W("source address is the NAT address"));
	ASSERT_EQ(get_addr(iph + 16), get_addr(in->b + ETH_LEN + 16), W("destination unchanged"));
	ASSERT_TRUE(ip_csum_ok(iph), W("IP checksum verifies"));
	if (iph[9] != IPPROTO_UDP || get16(l4_of(&r->out) + 6) != 0)
		ASSERT_TRUE(l4_csum_ok(iph, l4_of(&r->out), l4_len(&r->out)),
			    W("L4 checksum verifies (pseudo header included)"));
}

/* A packet delivered into container ip/ifindex with mac. */
static void check_in(const char *t, struct res *r, const struct pkt *in, const char *ctr_ip,
		     int ifindex, const uint8_t *mac, const uint8_t *host_mac, uint32_t decision)
{
	char w[160];
	uint8_t *iph = ip_of(&r->out);

	ASSERT_EQ(r->verdict, TC_ACT_REDIRECT, W("verdict is TC_ACT_REDIRECT"));
	ASSERT_EQ(r->ctx.cb[EB_CB_DECISION], decision, W("decision"));
	ASSERT_EQ(r->ctx.cb[EB_CB_TARGET], ifindex, W("target is the container's host-side port"));
	ASSERT_EQ(r->out.len, in->len, W("length unchanged"));
	ASSERT_TRUE(!memcmp(r->out.b, mac, 6), W("destination MAC is the container's"));
	ASSERT_TRUE(!memcmp(r->out.b + 6, host_mac, 6), W("source MAC is its gateway port's"));
	ASSERT_EQ(get_addr(iph + 16), fx_ip(ctr_ip), W("destination is the container"));
	ASSERT_EQ(get_addr(iph + 12), get_addr(in->b + ETH_LEN + 12), W("source unchanged"));
	ASSERT_TRUE(ip_csum_ok(iph), W("IP checksum verifies"));
	if (iph[9] != IPPROTO_UDP || get16(l4_of(&r->out) + 6) != 0)
		ASSERT_TRUE(l4_csum_ok(iph, l4_of(&r->out), l4_len(&r->out)),
			    W("L4 checksum verifies"));
}

static struct eb_ct_key ct_key(uint8_t proto, const char *src, uint16_t sport, const char *dst,
			       uint16_t dport)
{
	return fx_ct_key(proto, src, sport, dst, dport);
}

#pragma GCC diagnostic pop

#endif
