// SPDX-License-Identifier: GPL-2.0
/*
 * IPv6, first part, through BPF_PROG_TEST_RUN on the real eb_from_container
 * (the fixture's port set, as test_l2.c: a namespace of its own, veth
 * ports, unpinned maps), with eb_config6 and eb_ip6 seeded as `ebnet up
 * --ipv6` writes them: neighbour solicitations answered in place (the NA's bytes and its
 * ICMPv6 checksum checked from the output, against a sum computed here
 * over the pseudo header), never for the asker's own address nor a DAD
 * probe; IPv6 source anti-spoofing; extension headers dropped whole;
 * unicast by the FDB, ff02::1 flooded, the gateway to the host, the rest
 * dropped with its reason; a network without IPv6 drops it as before.
 * Needs root; skips without it.
 */
#include <errno.h>
#include <stdbool.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <net/if.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <linux/ip.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "check.h"
#include "fixture.h"

static struct fx_ports pt; /* the fixture's port set (fixture.h fx_ports) */

/* ---- IPv6 ---- */

#define PREFIX6 "fd00:77::"
static unsigned char gw6[16], a6[FX_NPORTS][16];

static void in6(const char *s, unsigned char out[16])
{
	inet_pton(AF_INET6, s, out);
}

static int seed6(__u32 flags)
{
	struct eb_config6 c6 = {};
	__u32 zero = 0;

	in6(PREFIX6, c6.prefix);
	in6(PREFIX6 "1", c6.gateway);
	memcpy(gw6, c6.gateway, 16);
	c6.plen = 64;
	c6.flags = flags;
	if (bpf_map_update_elem(FX_MAP(&pt.p, eb_config6), &zero, &c6, BPF_ANY))
		return -1;
	for (int i = 0; i < FX_NPORTS; i++) {
		struct eb_ip6_key k = {};
		struct eb_ip6_ep v = { .ifindex = pt.ifidx[i], .slot = i, .ip4 = pt.eps[i].ip };
		char a[64];

		snprintf(a, sizeof(a), PREFIX6 "%d", i + 2);
		in6(a, a6[i]);
		memcpy(k.addr, a6[i], 16);
		memcpy(v.mac, pt.eps[i].mac, 6);
		if (bpf_map_update_elem(FX_MAP(&pt.p, eb_ip6), &k, &v, BPF_ANY))
			return -1;
	}
	return 0;
}

/* The ICMPv6 checksum as RFC 4443 2.3 defines it, computed here: over
 * source, destination, the upper-layer length, the next header, and the
 * message (its checksum field as it is: 0 over a correct one). */
static __u16 icmp6_sum(const unsigned char *ip6, int l4len)
{
	return fx_fold(fx_sum(ip6 + 40, l4len, fx_pseudo6(ip6, l4len, 58)));
}

/* Ethernet + IPv6 header; returns the offset of the payload. */
static int put_ip6(unsigned char *f, const unsigned char *dmac, const unsigned char *smac,
		   const unsigned char *src, const unsigned char *dst, __u8 nh, __u8 hops, int plen)
{
	int n = fx_put_eth(f, dmac, smac, 0x86dd);

	memset(f + n, 0, 40);
	f[n] = 0x60;
	f[n + 4] = plen >> 8;
	f[n + 5] = plen & 0xff;
	f[n + 6] = nh;
	f[n + 7] = hops;
	memcpy(f + n + 8, src, 16);
	memcpy(f + n + 24, dst, 16);
	return n + 40;
}

/* A neighbour solicitation for target, with its SLLA option (sll) or none,
 * a correct checksum. */
static int ns_frame(unsigned char *f, const unsigned char *smac, const unsigned char *src,
		    const unsigned char *target, bool sll)
{
	unsigned char dst[16], dmac[6] = { 0x33, 0x33, 0xff, target[13], target[14], target[15] };
	int plen = sll ? 32 : 24, n;
	__u16 c;

	in6("ff02::1:ff00:0", dst);
	memcpy(dst + 13, target + 13, 3);
	n = put_ip6(f, dmac, smac, src, dst, 58, 255, plen);
	memset(f + n, 0, plen);
	f[n] = 135;
	memcpy(f + n + 8, target, 16);
	if (sll) {
		f[n + 24] = 1;
		f[n + 25] = 1;
		memcpy(f + n + 26, smac, 6);
	}
	c = icmp6_sum(f + 14, plen);
	f[n + 2] = c >> 8;
	f[n + 3] = c & 0xff;
	return n + plen;
}

/* An echo request (ICMPv6 128) with a correct checksum. */
static int echo6_frame(unsigned char *f, const unsigned char *dmac, const unsigned char *smac,
		       const unsigned char *src, const unsigned char *dst)
{
	int n = put_ip6(f, dmac, smac, src, dst, 58, 64, 16);
	__u16 c;

	memset(f + n, 0, 16);
	f[n] = 128;
	f[n + 4] = 0x12, f[n + 5] = 0x34, f[n + 7] = 1;
	memcpy(f + n + 8, "ping6-me", 8);
	c = icmp6_sum(f + 14, 16);
	f[n + 2] = c >> 8;
	f[n + 3] = c & 0xff;
	return n + 16;
}

static void check_na(const char *what, const struct fx_result *r, const struct eb_endpoint *asker,
		     const unsigned char *asker6, const unsigned char *target,
		     const unsigned char *answer_mac, bool router, int port)
{
	const unsigned char *o = r->out, *ip6 = o + 14, *na = o + 54;
	char w[160];

#define NA_EQ(got, want, t)                                                                        \
	do {                                                                                       \
		snprintf(w, sizeof(w), "%s: %s", what, t);                                         \
		ASSERT_EQ(got, want, w);                                                           \
	} while (0)
#define NA_TRUE(c, t)                                                                              \
	do {                                                                                       \
		snprintf(w, sizeof(w), "%s: %s", what, t);                                         \
		ASSERT_TRUE(c, w);                                                                 \
	} while (0)
	NA_EQ(r->err, 0, "test run");
	NA_EQ(r->retval, TC_ACT_REDIRECT, "verdict TC_ACT_REDIRECT (back out of its port)");
	NA_EQ(r->decision, EB_CNT_NDP_REPLY, "decision ndp_reply");
	NA_EQ(r->target, port, "target: the port it came in on");
	NA_EQ(r->out_len, 86, "the NA is 86 bytes: Ethernet, IPv6, NA, its TLLA option");
	NA_TRUE(!memcmp(o, asker->mac, 6), "Ethernet destination: the asker");
	NA_TRUE(!memcmp(o + 6, answer_mac, 6), "Ethernet source: the answer's MAC");
	NA_EQ((o[12] << 8) | o[13], 0x86dd, "EtherType IPv6");
	NA_EQ(ip6[0], 0x60, "IPv6 version 6, class 0");
	NA_EQ((ip6[4] << 8) | ip6[5], 32, "payload length 32");
	NA_EQ(ip6[6], 58, "next header ICMPv6");
	NA_EQ(ip6[7], 255, "hop limit 255");
	NA_TRUE(!memcmp(ip6 + 8, target, 16), "IPv6 source: the target");
	NA_TRUE(!memcmp(ip6 + 24, asker6, 16), "IPv6 destination: the asker");
	NA_EQ(na[0], 136, "ICMPv6 type 136 (NA)");
	NA_EQ(na[1], 0, "code 0");
	NA_EQ(na[4], router ? 0xe0 : 0x60, router ? "flags R, S, O" : "flags S, O (not a router)");
	NA_TRUE(!memcmp(na + 8, target, 16), "target address");
	NA_EQ(na[24], 2, "option: target link-layer address");
	NA_EQ(na[25], 1, "option length 1 (8 bytes)");
	NA_TRUE(!memcmp(na + 26, answer_mac, 6), "option: the answer's MAC");
	NA_EQ(icmp6_sum(ip6, 32), 0, "ICMPv6 checksum over the pseudo header verifies");
	NA_TRUE(na[2] | na[3], "the checksum field is set");
#undef NA_EQ
#undef NA_TRUE
}

static void test_ns_gateway(void)
{
	unsigned char f[128];
	struct fx_result r;
	__u64 before = fx_counter(&pt.p, EB_CNT_NDP_REPLY);
	struct eb_ctr_counters c0 = fx_ctr_slot(&pt.p, 0), x;
	int n = ns_frame(f, pt.eps[0].mac, a6[0], gw6, true);

	fx_run(pt.p.pc, pt.ifidx[0], f, n, 0, &r);
	check_na("NS for the gateway (with SLLA)", &r, &pt.eps[0], a6[0], gw6, pt.eps[0].host_mac, true,
		 pt.ifidx[0]);
	ASSERT_EQ(fx_counter(&pt.p, EB_CNT_NDP_REPLY), before + 1,
		  "NS for the gateway: ndp_reply counted");
	x = fx_ctr_slot(&pt.p, 0);
	ASSERT_EQ(x.to_packets, c0.to_packets + 1, "NS for the gateway: the NA counted to c0");

	n = ns_frame(f, pt.eps[1].mac, a6[1], gw6, false);
	fx_run(pt.p.pc, pt.ifidx[1], f, n, 0, &r);
	check_na("NS for the gateway (no option: the frame grows)", &r, &pt.eps[1], a6[1], gw6,
		 pt.eps[1].host_mac, true, pt.ifidx[1]);
	/* Longer than the NA: trimmed. */
	n = ns_frame(f, pt.eps[2].mac, a6[2], gw6, true);
	memset(f + n, 0, 16); /* a nonce option, 16 bytes */
	f[n] = 14, f[n + 1] = 2;
	f[19] = 48; /* payload length 48 */
	{
		__u16 c;

		f[56] = f[57] = 0;
		c = icmp6_sum(f + 14, 48);
		f[56] = c >> 8, f[57] = c & 0xff;
	}
	fx_run(pt.p.pc, pt.ifidx[2], f, n + 16, 0, &r);
	check_na("NS for the gateway (two options: the frame shrinks)", &r, &pt.eps[2], a6[2], gw6,
		 pt.eps[2].host_mac, true, pt.ifidx[2]);
}

static void test_ns_container(void)
{
	unsigned char f[128];
	struct fx_result r;
	int n = ns_frame(f, pt.eps[0].mac, a6[0], a6[1], true);

	fx_run(pt.p.pc, pt.ifidx[0], f, n, 0, &r);
	check_na("NS for c1 from c0", &r, &pt.eps[0], a6[0], a6[1], pt.eps[1].mac, false, pt.ifidx[0]);
	ASSERT_EQ(r.copies, 0, "NS for c1: not flooded");
	n = ns_frame(f, pt.eps[2].mac, a6[2], a6[0], false);
	fx_run(pt.p.pc, pt.ifidx[2], f, n, 0, &r);
	check_na("NS for c0 from c2", &r, &pt.eps[2], a6[2], a6[0], pt.eps[0].mac, false, pt.ifidx[2]);
}

static void ignored(const char *what, int port, const unsigned char *frame, int n)
{
	struct fx_result r;
	__u64 before = fx_counter(&pt.p, EB_CNT_NDP_IGNORED), rep = fx_counter(&pt.p, EB_CNT_NDP_REPLY);
	char w[160];

	fx_run(pt.p.pc, port, frame, n, 0, &r);
	snprintf(w, sizeof(w), "%s: dropped, not answered", what);
	ASSERT_EQ(r.retval, TC_ACT_SHOT, w);
	snprintf(w, sizeof(w), "%s: decision ndp_ignored", what);
	ASSERT_EQ(r.decision, EB_CNT_NDP_IGNORED, w);
	snprintf(w, sizeof(w), "%s: ndp_ignored counted, no ndp_reply", what);
	ASSERT_TRUE(fx_counter(&pt.p, EB_CNT_NDP_IGNORED) == before + 1 &&
		    fx_counter(&pt.p, EB_CNT_NDP_REPLY) == rep,
		    w);
	snprintf(w, sizeof(w), "%s: not flooded", what);
	ASSERT_EQ(r.copies, 0, w);
}

static void test_ns_ignored(void)
{
	unsigned char f[128], zero6[16] = {}, other[16];
	int n;

	n = ns_frame(f, pt.eps[0].mac, a6[0], a6[0], true);
	ignored("NS for the asker's own address", pt.ifidx[0], f, n);
	n = ns_frame(f, pt.eps[0].mac, zero6, a6[0], false);
	ignored("DAD probe (from ::) for its own address", pt.ifidx[0], f, n);
	n = ns_frame(f, pt.eps[2].mac, zero6, a6[1], false);
	ignored("DAD probe (from ::) for c1's address, taken", pt.ifidx[2], f, n);
	in6(PREFIX6 "99", other);
	n = ns_frame(f, pt.eps[0].mac, a6[0], other, true);
	ignored("NS for an address nobody has", pt.ifidx[0], f, n);
	{
		struct fx_result r;
		__u64 before = fx_counter(&pt.p, EB_CNT_DROP_MALFORMED);

		n = ns_frame(f, pt.eps[0].mac, a6[0], gw6, true);
		f[21] = 64; /* hop limit: forwarded by a router */
		fx_run(pt.p.pc, pt.ifidx[0], f, n, 0, &r);
		ASSERT_EQ(r.retval, TC_ACT_SHOT, "NS with hop limit 64: dropped");
		ASSERT_EQ(r.decision, EB_CNT_DROP_MALFORMED, "NS with hop limit 64: malformed");
		ASSERT_EQ(fx_counter(&pt.p, EB_CNT_DROP_MALFORMED), before + 1, "NS with hop limit 64: counted");
		before = fx_counter(&pt.p, EB_CNT_DROP_SPOOF_MAC);
		n = ns_frame(f, pt.eps[0].mac, a6[0], gw6, true);
		f[14 + 40 + 26 + 5] ^= 1; /* its SLLA option: another MAC */
		fx_run(pt.p.pc, pt.ifidx[0], f, n, 0, &r);
		ASSERT_EQ(r.decision, EB_CNT_DROP_SPOOF_MAC, "NS with another MAC in its SLLA: spoof");
		ASSERT_EQ(fx_counter(&pt.p, EB_CNT_DROP_SPOOF_MAC), before + 1, "NS with another SLLA: counted");
	}
}

static void dropped(const char *what, int port, const unsigned char *frame, int n, __u32 reason)
{
	struct fx_result r;
	__u64 before = fx_counter(&pt.p, reason);
	char w[160];

	fx_run(pt.p.pc, port, frame, n, 0, &r);
	snprintf(w, sizeof(w), "%s: dropped", what);
	ASSERT_EQ(r.retval, TC_ACT_SHOT, w);
	snprintf(w, sizeof(w), "%s: its reason", what);
	ASSERT_EQ(r.decision, reason, w);
	snprintf(w, sizeof(w), "%s: counted", what);
	ASSERT_EQ(fx_counter(&pt.p, reason), before + 1, w);
}

static void test_spoof6(void)
{
	unsigned char f[128], ll[16], bad_ll[16], zero6[16] = {};
	const unsigned char *m = pt.eps[0].mac;
	struct fx_result r;
	int n;

	n = echo6_frame(f, pt.eps[1].mac, pt.eps[0].mac, a6[2], a6[1]);
	dropped("c0 sends from c2's IPv6 address", pt.ifidx[0], f, n, EB_CNT_DROP_SPOOF_IP6);
	n = ns_frame(f, pt.eps[0].mac, a6[2], gw6, true);
	dropped("c0 solicits from c2's IPv6 address", pt.ifidx[0], f, n, EB_CNT_DROP_SPOOF_IP6);
	n = echo6_frame(f, pt.eps[1].mac, pt.eps[0].mac, zero6, a6[1]);
	dropped("c0 sends an echo from ::", pt.ifidx[0], f, n, EB_CNT_DROP_SPOOF_IP6);
	in6("fe80::1", bad_ll);
	n = echo6_frame(f, pt.eps[1].mac, pt.eps[0].mac, bad_ll, a6[1]);
	dropped("c0 sends from a link-local not of its MAC", pt.ifidx[0], f, n, EB_CNT_DROP_SPOOF_IP6);

	/* Its own EUI-64 link-local is its own. */
	in6("fe80::", ll);
	ll[8] = m[0] ^ 2, ll[9] = m[1], ll[10] = m[2], ll[11] = 0xff, ll[12] = 0xfe;
	ll[13] = m[3], ll[14] = m[4], ll[15] = m[5];
	n = echo6_frame(f, pt.eps[1].mac, pt.eps[0].mac, ll, a6[1]);
	fx_run(pt.p.pc, pt.ifidx[0], f, n, 0, &r);
	ASSERT_EQ(r.retval, TC_ACT_REDIRECT, "c0 from its EUI-64 link-local to c1: forwarded");
	ASSERT_EQ(r.decision, EB_CNT_FWD, "c0 from its EUI-64 link-local: decision forward");
}

static void test_exthdr(void)
{
	unsigned char f[160], all_routers[16];
	int n, nh[] = { 43, 44, 60, 51 };

	for (size_t i = 0; i < sizeof(nh) / sizeof(nh[0]); i++) {
		char w[64];

		n = put_ip6(f, pt.eps[1].mac, pt.eps[0].mac, a6[0], a6[1], nh[i], 64, 16);
		memset(f + n, 0, 16);
		f[n] = 58;
		snprintf(w, sizeof(w), "extension header %d to c1", nh[i]);
		dropped(w, pt.ifidx[0], f, n + 16, EB_CNT_DROP_IP6_EXTHDR);
	}
	/* Hop-by-hop with UDP behind it: dropped too. */
	n = put_ip6(f, pt.eps[1].mac, pt.eps[0].mac, a6[0], a6[1], 0, 64, 16);
	memset(f + n, 0, 16);
	f[n] = 17;
	dropped("hop-by-hop + UDP to c1", pt.ifidx[0], f, n + 16, EB_CNT_DROP_IP6_EXTHDR);
	/* An MLDv2 report behind hop-by-hop (router alert): quietly nowhere. */
	in6("ff02::16", all_routers);
	n = put_ip6(f, (unsigned char[]){ 0x33, 0x33, 0, 0, 0, 0x16 }, pt.eps[0].mac, a6[0],
		    all_routers, 0, 1, 8 + 28);
	memset(f + n, 0, 36);
	f[n] = 58, f[n + 2] = 5, f[n + 3] = 2; /* router alert, MLD */
	f[n + 8] = 143;
	ignored("an MLDv2 report behind hop-by-hop", pt.ifidx[0], f, n + 36);
}

static void test_deliver6(void)
{
	unsigned char f[160], dst[16], mc[6] = { 0x33, 0x33, 0, 0, 0, 1 };
	struct fx_result r;
	__u64 before;
	int n;

	before = fx_counter(&pt.p, EB_CNT_FWD);
	n = echo6_frame(f, pt.eps[1].mac, pt.eps[0].mac, a6[0], a6[1]);
	fx_run(pt.p.pc, pt.ifidx[0], f, n, 0, &r);
	ASSERT_EQ(r.retval, TC_ACT_REDIRECT, "IPv6 unicast to c1: redirected");
	ASSERT_EQ(r.decision, EB_CNT_FWD, "IPv6 unicast to c1: decision forward");
	ASSERT_EQ(r.target, pt.ifidx[1], "IPv6 unicast to c1: c1's port");
	ASSERT_EQ(fx_counter(&pt.p, EB_CNT_FWD), before + 1, "IPv6 unicast to c1: counted");
	ASSERT_EQ(r.out_len, n, "IPv6 unicast to c1: the frame unchanged (length)");
	ASSERT_TRUE(!memcmp(r.out, f, n), "IPv6 unicast to c1: the frame unchanged (bytes)");

	n = echo6_frame(f, pt.eps[0].mac, pt.eps[0].mac, a6[0], a6[0]);
	dropped("IPv6 to its own MAC", pt.ifidx[0], f, n, EB_CNT_DROP_HAIRPIN);

	before = fx_counter(&pt.p, EB_CNT_TO_HOST);
	n = echo6_frame(f, pt.eps[0].host_mac, pt.eps[0].mac, a6[0], gw6);
	fx_run(pt.p.pc, pt.ifidx[0], f, n, 0, &r);
	ASSERT_EQ(r.retval, TC_ACT_OK, "ping6 of the gateway: to the host's stack");
	ASSERT_EQ(r.decision, EB_CNT_TO_HOST, "ping6 of the gateway: decision to_host");
	ASSERT_EQ(fx_counter(&pt.p, EB_CNT_TO_HOST), before + 1, "ping6 of the gateway: counted");

	in6("2001:db8::1", dst);
	n = echo6_frame(f, pt.eps[0].host_mac, pt.eps[0].mac, a6[0], dst);
	dropped("ping6 beyond the subnet (no IPv6 address on the uplink to translate to)", pt.ifidx[0], f, n,
		EB_CNT_DROP_IP6_NO_ROUTE);

	in6("ff02::1", dst);
	before = fx_counter(&pt.p, EB_CNT_FLOOD);
	n = echo6_frame(f, mc, pt.eps[0].mac, a6[0], dst);
	fx_run(pt.p.pc, pt.ifidx[0], f, n, 0, &r);
	ASSERT_EQ(r.retval, TC_ACT_OK, "ff02::1: to the host too");
	ASSERT_EQ(r.decision, EB_CNT_FLOOD, "ff02::1: flooded");
	ASSERT_EQ(r.copies, FX_NPORTS - 1, "ff02::1: a copy to each other port");
	ASSERT_EQ(fx_counter(&pt.p, EB_CNT_FLOOD), before + 1, "ff02::1: counted");

	in6("ff02::2", dst);
	mc[5] = 2;
	n = echo6_frame(f, mc, pt.eps[0].mac, a6[0], dst);
	dropped("ff02::2 (another group)", pt.ifidx[0], f, n, EB_CNT_DROP_IP6_MCAST);

	/* Truncated: a payload length past the frame. */
	n = echo6_frame(f, pt.eps[1].mac, pt.eps[0].mac, a6[0], a6[1]);
	f[19] = 200;
	dropped("IPv6 payload length past the frame", pt.ifidx[0], f, n, EB_CNT_DROP_MALFORMED);
}

static void test_no_ipv6(void)
{
	unsigned char f[128];
	int n;

	if (seed6(0)) {
		ASSERT_TRUE(0, "eb_config6 without EB_CFG6_ON");
		return;
	}
	n = ns_frame(f, pt.eps[0].mac, a6[0], gw6, true);
	dropped("NS on a network without IPv6", pt.ifidx[0], f, n, EB_CNT_DROP_NOT_IPV4);
	n = echo6_frame(f, pt.eps[1].mac, pt.eps[0].mac, a6[0], a6[1]);
	dropped("IPv6 unicast on a network without IPv6", pt.ifidx[0], f, n, EB_CNT_DROP_NOT_IPV4);
	/* IPv6 on again, as every other test here wants it. */
	if (seed6(EB_CFG6_ON))
		ASSERT_TRUE(0, "eb_config6 with EB_CFG6_ON again");
}

int main(void)
{
	if (geteuid() != 0) {
		SKIP("BPF_PROG_TEST_RUN and namespaces need root");
		return eb_check_done();
	}
	if (fx_ports(&pt) || seed6(EB_CFG6_ON)) {
		ASSERT_TRUE(0, "setup: namespace, veth pairs, skeleton, maps");
		return eb_check_done();
	}
	FX_ASSERT_UNPINNED(&pt.p);
	test_ns_gateway();
	test_ns_container();
	test_ns_ignored();
	test_spoof6();
	test_exthdr();
	test_deliver6();
	test_no_ipv6();
	fx_unload(&pt.p);
	return eb_check_done();
}
