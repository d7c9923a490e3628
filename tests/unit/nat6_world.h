/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Part of test_nat6.c (its header comment says what the test holds), included
 * there only, after its system headers, check.h and fixture.h: the addresses,
 * the namespace, the programs and their maps, building and running IPv6
 * packets, and the checks of a packet sent out and of one delivered.
 */
#ifndef EB_TEST_NAT6_WORLD_H
#define EB_TEST_NAT6_WORLD_H

#define SUBNET	 "10.99.0.0"
#define IP_A	 "10.99.0.2"
#define P6	 "fd00:99::"
#define GW6	 "fd00:99::1"
#define A6	 "fd00:99::2"
#define SNAT6	 "2001:db8:100::1"
#define ROUTER6	 "2001:db8:100::fe"
#define SERVER6	 "2001:db8:113::2"
#define NAT_MIN	 20000
#define NAT_MAX	 20099
#define ETH_LEN	 14
#define IP6_LEN	 40
#define L4	 (ETH_LEN + IP6_LEN)
#define CT6_OTHER_MAX 16 /* entries: 8 flows */

static const uint8_t MAC_A[6] = { 0x02, 0xeb, 0x0a, 0x63, 0x00, 0x02 };
static const uint8_t MAC_A_HOST[6] = { 0x06, 0xeb, 0x0a, 0x63, 0x00, 0x02 };
static const uint8_t MAC_UP[6] = { 0x02, 0x00, 0x5e, 0x00, 0x00, 0x01 };
static const uint8_t MAC_GW[6] = { 0x02, 0x00, 0x5e, 0x00, 0x00, 0xfe };

static uint8_t a6[16], gw6[16], snat6[16], router6[16], server6[16];
static int if_a, if_up;

static struct fx_progs progs; /* eb_from_container (.pc), eb_from_uplink (.pu) */

/* ---- the namespace, the programs, their maps ---- */

static int setup_netns(void)
{
	if (fx_netns())
		return -1;
	if_a = fx_veth("nat_a", MAC_A_HOST, "nat_ap", MAC_A);
	if_up = fx_veth("up0", MAC_UP, "up0p", MAC_GW);
	if (if_a < 0 || if_up < 0 || fx_addr6(if_up, SNAT6, 64) ||
	    fx_route6(NULL, 0, ROUTER6, if_up) || fx_neigh6(if_up, ROUTER6, MAC_GW))
		return -1;
	/* bpf_fib_lookup answers FWD_DISABLED unless the ingress device
	 * forwards (ebnet turns it on per port: loader/nat6.c). */
	return fx_sysctl("/proc/sys/net/ipv6/conf/nat_a/forwarding", "1");
}

static int load(void)
{
	/* eb_ct6_other small, so that test_ct_full fills it. */
	struct fx_load_opts lo = { .uplink = true, .ct6_other_max = CT6_OTHER_MAX };
	struct eb_config cfg;
	struct eb_config6 c6 = {};
	struct eb_endpoint ep;

	if (fx_load(&progs, &lo))
		return -1;
	fx_config(&cfg, SUBNET, 24, &progs);
	fx_config_uplink(&cfg, if_up, MAC_UP, "198.51.100.1", NAT_MIN, NAT_MAX);
	fx_ip6(P6, c6.prefix);
	memcpy(c6.gateway, gw6, 16);
	memcpy(c6.snat_ip6, snat6, 16);
	c6.plen = 64;
	c6.flags = EB_CFG6_ON;
	fx_ep(&ep, IP_A, if_a, MAC_A, MAC_A_HOST, "a", "nat_a", 0);
	if (fx_config_write(&progs, &cfg) || fx_config6_write(&progs, &c6) ||
	    fx_put_ep(&progs, &ep) || fx_put_ip6(&progs, a6, &ep))
		return -1;
	return 0;
}

static uint64_t stat_pkts(uint32_t idx)
{
	return fx_counter(&progs, idx);
}

/* ---- packets ---- */

struct pkt {
	uint8_t b[2048];
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

/* The L4 checksum of the IPv6 packet at ip6 over l4len bytes (RFC 8200
 * 8.1), folded: 0xffff when the stored one is right. */
static uint16_t l4sum6(const uint8_t *ip6, uint32_t l4len)
{
	return (uint16_t)~fx_fold(fx_sum(ip6 + 40, l4len, fx_pseudo6(ip6, l4len, ip6[6])));
}

static int csum_off(uint8_t nh)
{
	return nh == IPPROTO_TCP ? 16 : nh == IPPROTO_UDP ? 6 : 2;
}

/* Ethernet + IPv6 + l4 (l4len bytes), its checksum computed here. */
static void build6(struct pkt *p, const uint8_t *dmac, const uint8_t *smac, const uint8_t *src,
		   const uint8_t *dst, uint8_t nh, uint8_t hop, const uint8_t *l4, uint32_t l4len)
{
	uint8_t *ip6 = p->b + ETH_LEN;
	uint16_t c;

	memset(p->b, 0, sizeof(p->b));
	fx_put_eth(p->b, dmac, smac, 0x86dd);
	ip6[0] = 0x60;
	put16(ip6 + 4, l4len);
	ip6[6] = nh;
	ip6[7] = hop;
	memcpy(ip6 + 8, src, 16);
	memcpy(ip6 + 24, dst, 16);
	memcpy(ip6 + 40, l4, l4len);
	p->len = L4 + l4len;
	if (nh == IPPROTO_TCP || nh == IPPROTO_UDP || nh == IPPROTO_ICMPV6) {
		put16(ip6 + 40 + csum_off(nh), 0);
		c = ~l4sum6(ip6, l4len);
		if (nh == IPPROTO_UDP && c == 0)
			c = 0xffff;
		put16(ip6 + 40 + csum_off(nh), c);
	}
}

static void tcp_hdr(uint8_t *t, uint16_t sport, uint16_t dport, uint32_t seq, uint32_t ack,
		    uint8_t flags)
{
	memset(t, 0, 20);
	put16(t, sport);
	put16(t + 2, dport);
	t[4] = seq >> 24, t[5] = seq >> 16, t[6] = seq >> 8, t[7] = seq;
	t[8] = ack >> 24, t[9] = ack >> 16, t[10] = ack >> 8, t[11] = ack;
	t[12] = 5 << 4;
	t[13] = flags;
	put16(t + 14, 64240);
}

/* The verdict of a run, -1000 when the test run itself failed (no verdict
 * is that). */
static int verdict(const struct fx_result *r)
{
	return r->err ? -1000 : (int)r->retval;
}

static struct fx_result *run(int prog, int ifindex, const struct pkt *in)
{
	static struct fx_result r;

	fx_run(prog, ifindex, in->b, in->len, 0, &r);
	return &r;
}

static struct fx_result *from_ctr(const struct pkt *in)
{
	return run(progs.pc, if_a, in);
}

static struct fx_result *from_up(const struct pkt *in)
{
	return run(progs.pu, if_up, in);
}

/* ---- the checks of a packet sent out, and of one delivered ---- */

/* Out of the uplink: to the router's MAC from the uplink's, the source
 * translated, one hop less, the L4 checksum right. Returns the NAT port. */
static uint16_t check_out(const char *what, const struct fx_result *r, uint8_t hop_in,
			  uint32_t l4len)
{
	const uint8_t *o = r->out, *ip6 = o + ETH_LEN;
	char w[200];

#define W(t) (snprintf(w, sizeof(w), "%s: %s", what, t), w)
	ASSERT_EQ(verdict(r), TC_ACT_REDIRECT, W("verdict TC_ACT_REDIRECT (out of the uplink)"));
	ASSERT_EQ(r->target, if_up, W("target: the uplink"));
	ASSERT_EQ(r->decision, EB_CNT_NAT6_OUT, W("decision nat6_out"));
	ASSERT_TRUE(!memcmp(o, MAC_GW, 6), W("Ethernet destination: the router (FIB's neighbour)"));
	ASSERT_TRUE(!memcmp(o + 6, MAC_UP, 6), W("Ethernet source: the uplink"));
	ASSERT_TRUE(!memcmp(ip6 + 8, snat6, 16), W("IPv6 source: the uplink's address"));
	ASSERT_TRUE(!memcmp(ip6 + 24, server6, 16), W("IPv6 destination unchanged"));
	ASSERT_EQ(ip6[7], hop_in - 1, W("hop limit one less"));
	ASSERT_EQ(get16(ip6 + 4), l4len, W("payload length unchanged"));
	ASSERT_EQ(l4sum6(ip6, l4len), 0xffff, W("L4 checksum verifies over the new pseudo header"));
#undef W
	return get16(ip6 + 40 + (ip6[6] == IPPROTO_ICMPV6 ? 4 : 0));
}

/* Into container A: its MACs, its address, one hop less, checksum right. */
static void check_in(const char *what, const struct fx_result *r, uint8_t hop_in, uint32_t l4len,
		     uint32_t decision)
{
	const uint8_t *o = r->out, *ip6 = o + ETH_LEN;
	char w[200];

#define W(t) (snprintf(w, sizeof(w), "%s: %s", what, t), w)
	ASSERT_EQ(verdict(r), TC_ACT_REDIRECT, W("verdict TC_ACT_REDIRECT (redirect_peer to A)"));
	ASSERT_EQ(r->target, if_a, W("target: A's port"));
	ASSERT_EQ(r->decision, decision, W("decision"));
	ASSERT_TRUE(!memcmp(o, MAC_A, 6), W("Ethernet destination: A"));
	ASSERT_TRUE(!memcmp(o + 6, MAC_A_HOST, 6), W("Ethernet source: A's gateway MAC"));
	ASSERT_TRUE(!memcmp(ip6 + 24, a6, 16), W("IPv6 destination: A's address"));
	ASSERT_EQ(ip6[7], hop_in - 1, W("hop limit one less"));
	ASSERT_EQ(l4sum6(ip6, l4len), 0xffff, W("L4 checksum verifies over the new pseudo header"));
#undef W
}

#endif
