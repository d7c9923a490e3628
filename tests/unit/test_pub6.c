// SPDX-License-Identifier: GPL-2.0
/*
 * Published ports reached by IPv6 clients from outside, with
 * BPF_PROG_TEST_RUN (issue 16): eb_from_uplink's DNAT6 to a container's
 * IPv6 address (bpf/lib/nat6_in.h eb_dnat6_new), and the translation between
 * the families for a container without IPv6 (bpf/lib/nat46.h: the
 * client's IPv6 SYN in as IPv4, the container's IPv4 SYN-ACK out as IPv6).
 * A full map keeps an assured flow to a published port (the early drop
 * reads a flow's state from its container side, as for IPv4). The
 * programs come from the fixture (fixture.h), afresh for each part.
 *
 * Every checksum is verified from scratch over the output bytes: the IPv4
 * header's, and TCP's and UDP's over the pseudo header of the family the
 * packet has left the program with.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf.h>

#include "check.h"
#include "fixture.h"

#define SUBNET	 "10.99.0.0"
#define GATEWAY	 "10.99.0.1"
#define IP_A	 "10.99.0.2"
#define SNAT_IP	 "198.51.100.1"
#define NAT_MIN	 20000
#define NAT_MAX	 20099
#define HPORT	 8080 /* published, TCP and UDP, to A's port 80 */
#define CPORT	 80
#define CLIENT_P 40000

static const uint8_t MAC_A[6] = { 0x02, 0xeb, 0x0a, 0x63, 0x00, 0x02 };
static const uint8_t MAC_A_HOST[6] = { 0x06, 0xeb, 0x0a, 0x63, 0x00, 0x02 };
static const uint8_t MAC_UP[6] = { 0x02, 0x00, 0x5e, 0x00, 0x00, 0x01 };
static const uint8_t MAC_RTR[6] = { 0x02, 0x00, 0x5e, 0x00, 0x00, 0xfe };

static uint8_t host6[16], client6[16], prefix6[16], gw6[16], ctr6[16], lo6[16];
static int if_a, if_up;
static struct fx_progs fp;

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v & 0xff;
}

static void a6(uint8_t *out, const char *s)
{
	if (inet_pton(AF_INET6, s, out) != 1)
		memset(out, 0, 16);
}

/* A TCP segment (20 bytes + an MSS option when mss) or a UDP datagram
 * with 4 bytes of payload at l4, its checksum over the pseudo-header sum
 * ps. Returns its length. */
static uint32_t put_l4(uint8_t *l4, uint8_t proto, uint16_t sport, uint16_t dport, uint8_t flags,
		       uint16_t mss, uint32_t (*pseudo)(const uint8_t *, uint32_t, uint8_t),
		       const uint8_t *l3)
{
	uint32_t n;

	put16(l4, sport);
	put16(l4 + 2, dport);
	if (proto == IPPROTO_TCP) {
		n = mss ? 24 : 20;
		memset(l4 + 4, 0, n - 4);
		l4[4] = 0x11; /* seq */
		l4[12] = (uint8_t)((n / 4) << 4);
		l4[13] = flags;
		put16(l4 + 14, 64240);
		if (mss) {
			l4[20] = 2;
			l4[21] = 4;
			put16(l4 + 22, mss);
		}
		put16(l4 + 16, fx_fold(fx_sum(l4, n, pseudo(l3, n, proto))));
	} else {
		n = 12;
		put16(l4 + 4, n);
		put16(l4 + 6, 0);
		memcpy(l4 + 8, "ping", 4);
		put16(l4 + 6, fx_fold(fx_sum(l4, n, pseudo(l3, n, proto))));
	}
	return n;
}

static uint32_t ps6(const uint8_t *ip6, uint32_t n, uint8_t nh)
{
	return fx_pseudo6(ip6, n, nh);
}

static uint32_t ps4(const uint8_t *iph, uint32_t n, uint8_t nh)
{
	(void)nh;
	return fx_pseudo4(iph, n);
}

/* An IPv6 frame from the router to the uplink. Returns its length. */
static uint32_t frame6(uint8_t *b, const uint8_t *src, const uint8_t *dst, uint8_t proto,
		       uint16_t sport, uint16_t dport, uint8_t flags, uint16_t mss, uint8_t hop)
{
	uint8_t *ip6 = b + 14;
	uint32_t n;

	fx_put_eth(b, MAC_UP, MAC_RTR, 0x86dd);
	memset(ip6, 0, 40);
	ip6[0] = 0x60;
	ip6[6] = proto;
	ip6[7] = hop;
	memcpy(ip6 + 8, src, 16);
	memcpy(ip6 + 24, dst, 16);
	n = put_l4(ip6 + 40, proto, sport, dport, flags, mss, ps6, ip6);
	put16(ip6 + 4, n);
	return 14 + 40 + n;
}

/* An IPv4 frame from container A to the gateway's MAC. */
static uint32_t frame4(uint8_t *b, const char *src, const char *dst, uint8_t proto, uint16_t sport,
		       uint16_t dport, uint8_t flags)
{
	uint8_t *iph = b + 14;
	uint32_t s = fx_ip(src), d = fx_ip(dst), n;

	fx_put_eth(b, MAC_A_HOST, MAC_A, 0x0800);
	memset(iph, 0, 20);
	iph[0] = 0x45;
	iph[6] = 0x40; /* DF */
	iph[8] = 64;
	iph[9] = proto;
	memcpy(iph + 12, &s, 4);
	memcpy(iph + 16, &d, 4);
	n = put_l4(iph + 20, proto, sport, dport, flags, proto == IPPROTO_TCP ? 1460 : 0, ps4, iph);
	put16(iph + 2, 20 + n);
	put16(iph + 10, fx_csum(iph, 20));
	return 14 + 20 + n;
}

/* Does the L4 checksum of the packet at l3 verify (IPv6: v6 set)? */
static bool l4_ok(const uint8_t *l3, bool v6)
{
	uint32_t n, ps;
	uint8_t proto;
	const uint8_t *l4;

	if (v6) {
		n = get16(l3 + 4);
		proto = l3[6];
		l4 = l3 + 40;
		ps = fx_pseudo6(l3, n, proto);
	} else {
		n = get16(l3 + 2) - 20;
		proto = l3[9];
		l4 = l3 + 20;
		ps = fx_pseudo4(l3, n);
	}
	return fx_fold(fx_sum(l4, n, ps)) == 0;
}

static int ct6_count(int fd)
{
	return fx_map_count(fd, sizeof(struct eb_ct6_key));
}

/* ---- setup: a namespace, container A's port and the uplink ---- */

static int setup_netns(void)
{
	if (fx_netns())
		return -1;
	if_a = fx_veth("p6_a", MAC_A_HOST, "p6_ap", MAC_A);
	if_up = fx_veth("up0", MAC_UP, "up0p", MAC_RTR);
	return if_a < 0 || if_up < 0 ? -1 : 0;
}

/* The programs, the network (IPv6 when v6), A, and port HPORT published
 * to A:CPORT (TCP and UDP) on every address. */
static int load(bool v6, uint32_t ct_max)
{
	struct fx_load_opts lo = { .uplink = true, .ct_tcp_max = ct_max };
	struct eb_config6 c6 = {};
	struct eb_ip6_key hk = {};
	struct eb_config cfg;
	struct eb_endpoint ep;
	uint32_t zero = 0, one = 1;

	if (fx_load(&fp, &lo))
		return -1;
	fx_config(&cfg, SUBNET, 24, &fp);
	fx_config_uplink(&cfg, if_up, MAC_UP, SNAT_IP, NAT_MIN, NAT_MAX);
	if (fx_config_write(&fp, &cfg))
		return -1;
	fx_ep(&ep, IP_A, if_a, MAC_A, MAC_A_HOST, "a", "p6_a", 0);
	if (fx_put_ep(&fp, &ep))
		return -1;
	memcpy(hk.addr, host6, 16);
	if (bpf_map_update_elem(FX_MAP(&fp, eb_host6), &hk, &one, BPF_ANY))
		return -1;
	if (v6) {
		struct eb_ip6_ep e6 = { .ifindex = if_a, .ip4 = fx_ip(IP_A) };
		struct eb_ip6_key k6 = {};
		struct eb_ip_key k4 = {};
		struct eb_addr6 a6 = {};

		memcpy(c6.prefix, prefix6, 16);
		memcpy(c6.gateway, gw6, 16);
		c6.plen = 64;
		c6.flags = EB_CFG6_ON;
		memcpy(c6.snat_ip6, host6, 16);
		memcpy(e6.mac, MAC_A, 6);
		memcpy(k6.addr, ctr6, 16);
		if (bpf_map_update_elem(FX_MAP(&fp, eb_ip6), &k6, &e6, BPF_ANY))
			return -1;
		/* A's address as `up` stores it (eb_ctr_ip6 reads it there). */
		k4.addr = fx_ip(IP_A);
		memcpy(a6.addr, ctr6, 16);
		if (bpf_map_update_elem(FX_MAP(&fp, eb_addr6), &k4, &a6, BPF_ANY))
			return -1;
	}
	if (bpf_map_update_elem(FX_MAP(&fp, eb_config6), &zero, &c6, BPF_ANY))
		return -1;
	return fx_put_pub(&fp, 0, HPORT, IPPROTO_TCP, IP_A, CPORT, if_a, "a") ||
	       fx_put_pub(&fp, 0, HPORT, IPPROTO_UDP, IP_A, CPORT, if_a, "a");
}

/* ---- DNAT6: to the container's IPv6 address, the client's kept ---- */

static void test_dnat6(void)
{
	int ct = FX_MAP(&fp, eb_ct6_tcp);
	struct fx_result r;
	uint8_t f[256];
	const uint8_t *ip6 = r.out + 14;
	uint32_t n;

	n = frame6(f, client6, host6, IPPROTO_TCP, CLIENT_P, HPORT, 0x02, 1440, 64);
	fx_run(fp.pu, if_up, f, n, 0, &r);
	ASSERT_EQ(r.retval, TC_ACT_REDIRECT, "dnat6 SYN: redirected");
	ASSERT_EQ(r.target, if_a, "dnat6 SYN: into A's port");
	ASSERT_EQ(r.decision, EB_CNT_DNAT6_IN, "dnat6 SYN: dnat6_in");
	ASSERT_TRUE(!memcmp(r.out, MAC_A, 6) && !memcmp(r.out + 6, MAC_A_HOST, 6),
		    "dnat6 SYN: A's MAC from its port's");
	ASSERT_TRUE(!memcmp(ip6 + 24, ctr6, 16), "dnat6 SYN: to A's IPv6 address");
	ASSERT_TRUE(!memcmp(ip6 + 8, client6, 16), "dnat6 SYN: the client's address kept");
	ASSERT_EQ(get16(ip6 + 42), CPORT, "dnat6 SYN: to A's port 80");
	ASSERT_EQ(get16(ip6 + 40), CLIENT_P, "dnat6 SYN: from the client's port");
	ASSERT_EQ(ip6[7], 63, "dnat6 SYN: one hop less");
	ASSERT_TRUE(l4_ok(ip6, true), "dnat6 SYN: TCP checksum verifies (IPv6 pseudo header)");
	ASSERT_EQ(get16(ip6 + 62), 1440, "dnat6 SYN: the MSS as it was (no translation)");
	ASSERT_EQ(ct6_count(ct), 2, "dnat6 SYN: its two conntrack entries");
	ASSERT_EQ(fx_counter(&fp, EB_CNT_DNAT6_NEW), 1, "dnat6 SYN: dnat6_new");

	n = frame6(f, client6, host6, IPPROTO_TCP, CLIENT_P, HPORT, 0x10, 0, 64);
	fx_run(fp.pu, if_up, f, n, 0, &r);
	ASSERT_EQ(r.retval, TC_ACT_REDIRECT, "dnat6 ACK of the flow: redirected");
	ASSERT_TRUE(!memcmp(ip6 + 24, ctr6, 16) && get16(ip6 + 42) == CPORT,
		    "dnat6 ACK of the flow: to A:80");
	ASSERT_TRUE(l4_ok(ip6, true), "dnat6 ACK: TCP checksum verifies");
	ASSERT_EQ(ct6_count(ct), 2, "dnat6 ACK: no new entry");

	n = frame6(f, client6, host6, IPPROTO_TCP, CLIENT_P + 1, HPORT, 0x10, 0, 64);
	fx_run(fp.pu, if_up, f, n, 0, &r);
	ASSERT_EQ(r.retval, TC_ACT_SHOT, "a stray ACK to the published port (no flow): dropped");
	ASSERT_EQ(r.decision, EB_CNT_DROP_NO_CT, "a stray ACK: drop_no_ct");

	n = frame6(f, client6, lo6, IPPROTO_TCP, CLIENT_P, HPORT, 0x02, 0, 64);
	fx_run(fp.pu, if_up, f, n, 0, &r);
	ASSERT_EQ(r.retval, (uint32_t)TC_ACT_UNSPEC, "a SYN to [::1]:8080 from a wire: not translated");
	n = frame6(f, client6, host6, IPPROTO_TCP, CLIENT_P, HPORT + 1, 0x02, 0, 64);
	fx_run(fp.pu, if_up, f, n, 0, &r);
	ASSERT_EQ(r.retval, (uint32_t)TC_ACT_UNSPEC, "a SYN to an unpublished port: the host's");
	ASSERT_EQ(ct6_count(ct), 2, "... no entry made for either");

	n = frame6(f, client6, host6, IPPROTO_TCP, CLIENT_P + 2, HPORT, 0x02, 0, 1);
	fx_run(fp.pu, if_up, f, n, 0, &r);
	ASSERT_EQ(r.retval, TC_ACT_REDIRECT, "a SYN with hop limit 1: answered");
	ASSERT_EQ(r.target, if_up, "... back out of the uplink");
	ASSERT_TRUE(ip6[6] == 58 && ip6[40] == 3 && !memcmp(ip6 + 8, host6, 16) &&
			    !memcmp(ip6 + 24, client6, 16),
		    "... time exceeded from the host's address to the client");
	ASSERT_TRUE(l4_ok(ip6, true), "... its ICMPv6 checksum verifies");

	n = frame6(f, client6, host6, IPPROTO_UDP, CLIENT_P, HPORT, 0, 0, 64);
	fx_run(fp.pu, if_up, f, n, 0, &r);
	ASSERT_EQ(r.retval, TC_ACT_REDIRECT, "dnat6 UDP: redirected");
	ASSERT_TRUE(!memcmp(ip6 + 24, ctr6, 16) && get16(ip6 + 42) == CPORT,
		    "dnat6 UDP: to A:80");
	ASSERT_TRUE(l4_ok(ip6, true), "dnat6 UDP: checksum verifies");
	ASSERT_EQ(ct6_count(FX_MAP(&fp, eb_ct6_other)), 2, "dnat6 UDP: its two entries");
}

/* ---- a full eb_ct6_tcp: flows to published ports and early drop ---- */

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

/* The map holds two flows (4 entries): an assured one whose outside-side
 * entry was last written an hour ago (as it is: only the container side's
 * times move), and a bare SYN's. A third client's SYN: the half-open flow
 * is evicted, the assured one stays (its state is its container side's,
 * not the stale outside entry's). */
static void test_dnat6_full(void)
{
	int ct = FX_MAP(&fp, eb_ct6_tcp);
	struct eb_ct6_key k, next, *prev = NULL, own = {}, out = {}, keys[2];
	struct eb_ct6_entry v;
	struct fx_result r;
	uint8_t f[256];
	uint64_t ev0;
	uint32_t n;
	int nk = 0;
	bool own_ok = false, out_ok = false;

	n = frame6(f, client6, host6, IPPROTO_TCP, CLIENT_P, HPORT, 0x02, 0, 64);
	fx_run(fp.pu, if_up, f, n, 0, &r);
	/* The keys first: an update moves its entry in the hash's bucket,
	 * and a walk that updates as it goes can come back to it forever. */
	while (nk < 2 && bpf_map_get_next_key(ct, prev, &next) == 0) {
		keys[nk++] = next;
		prev = &keys[nk - 1];
	}
	ASSERT_EQ(nk, 2, "full: the first flow's two entries");
	for (int i = 0; i < nk; i++) {
		k = keys[i];
		if (bpf_map_lookup_elem(ct, &k, &v))
			continue;
		if (v.ct.kind == EB_CT_DNAT_CTR) {
			v.ct.state |= EB_CTS_ASSURED | EB_CTS_SEEN_CTR;
			v.ct.last_seen = mono_ns();
			own = k;
			own_ok = !bpf_map_update_elem(ct, &k, &v, BPF_EXIST);
		} else {
			v.ct.last_seen = v.ct.created = mono_ns() - 3600ULL * 1000000000ULL;
			out = k;
			out_ok = !bpf_map_update_elem(ct, &k, &v, BPF_EXIST);
		}
	}
	ASSERT_TRUE(own_ok && out_ok, "full: the first flow made assured, its outside entry an hour old");
	n = frame6(f, client6, host6, IPPROTO_TCP, CLIENT_P + 1, HPORT, 0x02, 0, 64);
	fx_run(fp.pu, if_up, f, n, 0, &r);
	ASSERT_EQ(ct6_count(ct), 4, "full: a second flow, the map full (4 entries)");
	ev0 = fx_counter(&fp, EB_CNT_CT_EVICT_HALFOPEN);
	n = frame6(f, client6, host6, IPPROTO_TCP, CLIENT_P + 2, HPORT, 0x02, 0, 64);
	fx_run(fp.pu, if_up, f, n, 0, &r);
	ASSERT_EQ(r.retval, TC_ACT_REDIRECT, "full: a third client's SYN gets in");
	ASSERT_EQ(r.decision, EB_CNT_DNAT6_IN, "full: ... translated (dnat6_in)");
	ASSERT_EQ(fx_counter(&fp, EB_CNT_CT_EVICT_HALFOPEN), ev0 + 1,
		  "full: the half-open flow was evicted (ct_evict_halfopen)");
	ASSERT_TRUE(!bpf_map_lookup_elem(ct, &own, &v) && !bpf_map_lookup_elem(ct, &out, &v),
		    "full: the assured flow kept both its entries");
	ASSERT_EQ(ct6_count(ct), 4, "full: the map holds the assured flow and the new one");
}

/* ---- NAT46: a container without IPv6 ---- */

static void test_nat46(void)
{
	int ct = FX_MAP(&fp, eb_ct6_tcp);
	struct fx_result r;
	uint8_t f[256];
	const uint8_t *l3 = r.out + 14;
	uint32_t n, gw = fx_ip(GATEWAY), a = fx_ip(IP_A);
	uint16_t natport;

	n = frame6(f, client6, host6, IPPROTO_TCP, CLIENT_P, HPORT, 0x02, 1440, 64);
	fx_run(fp.pu, if_up, f, n, 0, &r);
	ASSERT_EQ(r.retval, TC_ACT_REDIRECT, "nat46 SYN: redirected");
	ASSERT_EQ(r.target, if_a, "nat46 SYN: into A's port");
	ASSERT_EQ(r.decision, EB_CNT_DNAT6_IN, "nat46 SYN: dnat6_in");
	ASSERT_EQ(get16(r.out + 12), 0x0800, "nat46 SYN: an IPv4 frame now");
	ASSERT_EQ(r.out_len, n - 20, "nat46 SYN: 20 bytes shorter (the IPv4 header)");
	ASSERT_TRUE(l3[0] == 0x45 && fx_csum(l3, 20) == 0, "nat46 SYN: IPv4 header checksum verifies");
	ASSERT_EQ(get16(l3 + 2), n - 14 - 20, "nat46 SYN: IPv4 total length");
	ASSERT_TRUE(!memcmp(l3 + 12, &gw, 4), "nat46 SYN: from the gateway's address");
	ASSERT_TRUE(!memcmp(l3 + 16, &a, 4), "nat46 SYN: to A's IPv4 address");
	ASSERT_EQ(l3[8], 63, "nat46 SYN: TTL one hop less than the hop limit");
	ASSERT_EQ(l3[9], IPPROTO_TCP, "nat46 SYN: TCP");
	natport = get16(l3 + 20);
	ASSERT_TRUE(natport >= NAT_MIN && natport <= NAT_MAX, "nat46 SYN: from a port of the NAT range");
	ASSERT_EQ(get16(l3 + 22), CPORT, "nat46 SYN: to A's port 80");
	ASSERT_EQ(get16(l3 + 42), 1220, "nat46 SYN: MSS 1440 clamped to 1220");
	ASSERT_TRUE(l4_ok(l3, false), "nat46 SYN: TCP checksum verifies (IPv4 pseudo header)");
	ASSERT_EQ(ct6_count(ct), 2, "nat46 SYN: its two entries in eb_ct6_tcp");

	/* A's SYN-ACK, to the gateway's address and the NAT port. */
	n = frame4(f, IP_A, GATEWAY, IPPROTO_TCP, CPORT, natport, 0x12);
	fx_run(fp.pc, if_a, f, n, 0, &r);
	ASSERT_EQ(r.retval, TC_ACT_REDIRECT, "nat46 SYN-ACK: redirected");
	ASSERT_EQ(r.target, if_up, "nat46 SYN-ACK: out of the uplink");
	ASSERT_EQ(r.decision, EB_CNT_NAT6_OUT, "nat46 SYN-ACK: nat6_out");
	ASSERT_EQ(get16(r.out + 12), 0x86dd, "nat46 SYN-ACK: an IPv6 frame now");
	ASSERT_EQ(r.out_len, n + 20, "nat46 SYN-ACK: 20 bytes longer");
	ASSERT_TRUE(l3[0] >> 4 == 6 && l3[6] == IPPROTO_TCP && get16(l3 + 4) == n - 14 - 20,
		    "nat46 SYN-ACK: IPv6 header, TCP, payload length");
	ASSERT_EQ(l3[7], 63, "nat46 SYN-ACK: hop limit one less than the TTL");
	ASSERT_TRUE(!memcmp(l3 + 8, host6, 16), "nat46 SYN-ACK: from the host's IPv6 address");
	ASSERT_TRUE(!memcmp(l3 + 24, client6, 16), "nat46 SYN-ACK: to the client");
	ASSERT_EQ(get16(l3 + 40), HPORT, "nat46 SYN-ACK: from the published port");
	ASSERT_EQ(get16(l3 + 42), CLIENT_P, "nat46 SYN-ACK: to the client's port");
	ASSERT_TRUE(l4_ok(l3, true), "nat46 SYN-ACK: TCP checksum verifies (IPv6 pseudo header)");

	/* The client acks the SYN-ACK (its sequence number + 1): the flow is
	 * established and assured, as Linux conntrack has it. */
	n = frame6(f, client6, host6, IPPROTO_TCP, CLIENT_P, HPORT, 0x10, 0, 64);
	f[14 + 40 + 8] = 0x11; /* ack = 0x11000001: the SYN-ACK's seq (put_l4) + 1 */
	f[14 + 40 + 11] = 0x01;
	put16(f + 14 + 40 + 16, 0);
	put16(f + 14 + 40 + 16, fx_fold(fx_sum(f + 54, n - 54, fx_pseudo6(f + 14, n - 54, 6))));
	fx_run(fp.pu, if_up, f, n, 0, &r);
	ASSERT_EQ(r.retval, TC_ACT_REDIRECT, "nat46 ACK of the SYN-ACK: into A");
	{
		struct eb_ct6_key k = {}, next, *prev = NULL;
		struct eb_ct6_entry v;
		int assured = -1;

		while (bpf_map_get_next_key(ct, prev, &next) == 0) {
			k = next;
			prev = &k;
			if (!bpf_map_lookup_elem(ct, &k, &v) && v.ct.kind == EB_CT_DNAT_CTR)
				assured = !!(v.ct.state & EB_CTS_ASSURED);
		}
		ASSERT_EQ(assured, 1, "nat46: the handshake made the flow assured (its container side)");
	}

	n = frame4(f, IP_A, GATEWAY, IPPROTO_TCP, CPORT, natport == NAT_MAX ? NAT_MIN : natport + 1,
		   0x12);
	fx_run(fp.pc, if_a, f, n, 0, &r);
	ASSERT_EQ(r.retval, TC_ACT_OK, "to the gateway, no such flow: the host's");
	ASSERT_EQ(r.decision, EB_CNT_TO_HOST, "... to_host");

	n = frame6(f, client6, host6, IPPROTO_UDP, CLIENT_P, HPORT, 0, 0, 64);
	fx_run(fp.pu, if_up, f, n, 0, &r);
	ASSERT_EQ(r.retval, TC_ACT_REDIRECT, "nat46 UDP: redirected");
	ASSERT_TRUE(get16(r.out + 12) == 0x0800 && fx_csum(l3, 20) == 0,
		    "nat46 UDP: IPv4, header checksum verifies");
	ASSERT_TRUE(l4_ok(l3, false), "nat46 UDP: UDP checksum verifies");
	natport = get16(l3 + 20);
	n = frame4(f, IP_A, GATEWAY, IPPROTO_UDP, CPORT, natport, 0);
	fx_run(fp.pc, if_a, f, n, 0, &r);
	ASSERT_EQ(r.retval, TC_ACT_REDIRECT, "nat46 UDP reply: out of the uplink");
	ASSERT_TRUE(get16(r.out + 12) == 0x86dd && !memcmp(l3 + 24, client6, 16) &&
			    get16(l3 + 40) == HPORT,
		    "nat46 UDP reply: IPv6 to the client from the published port");
	ASSERT_TRUE(l4_ok(l3, true), "nat46 UDP reply: UDP checksum verifies");
}

int main(void)
{
	if (geteuid() != 0) {
		SKIP("needs root (BPF_PROG_TEST_RUN, a network namespace)");
		return eb_check_done();
	}
	a6(host6, "2001:db8:100::1");
	a6(client6, "2001:db8:113::2");
	a6(prefix6, "fd00:99::");
	a6(gw6, "fd00:99::1");
	a6(ctr6, "fd00:99::a6"); /* not A's derived address (::2): eb_addr6 says it */
	a6(lo6, "::1");
	if (!ASSERT_EQ(setup_netns(), 0, "setup: namespace, A's port, the uplink"))
		return eb_check_done();
	if (ASSERT_EQ(load(true, 0), 0, "load: an IPv6 network, A, port 8080 published"))
		test_dnat6();
	fx_unload(&fp);
	if (ASSERT_EQ(load(true, 4), 0, "load: the same, eb_ct6_tcp of 4 entries"))
		test_dnat6_full();
	fx_unload(&fp);
	if (ASSERT_EQ(load(false, 0), 0, "load: an IPv4-only network, A, port 8080 published"))
		test_nat46();
	fx_unload(&fp);
	return eb_check_done();
}
