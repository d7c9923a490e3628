/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Golden-packet tables, in the shape of Cilium's bpf/tests (PKTGEN, SETUP,
 * CHECK) and Katran's testing/ fixtures: a datapath decision is one row of
 * a table, not a function.
 *
 *   PKTGEN  .in: the frame, described by what is in it (golden_pkt.h:
 *           addresses by role, "ep0" is port 0's container, "host1" port
 *           1's host-side MAC, "gw" the gateway, or a literal) plus bytes
 *           to poke and a length to cut it to;
 *   SETUP   the port set's maps (fixture.c fx_ports; golden_ip6() for
 *           IPv6), or a test's own, and a setup() run before each row;
 *   CHECK   .verdict, .decision (the counter it counts as: up by one),
 *           .to (the port it leaves by, for a redirect) and the frame
 *           that comes out: byte for byte .out when given (built by the
 *           same generator; an ICMP error quotes the row's input), else
 *           the input unchanged; and the output's IPv4, TCP, UDP, ICMP
 *           and ICMPv6 checksums, verified from scratch.
 *
 * golden_run() runs every row through eb_from_container, golden_run_with()
 * through any TC program, and reports each check under the row's name.
 * Included after check.h.
 */
#ifndef EB_TEST_GOLDEN_H
#define EB_TEST_GOLDEN_H

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <linux/pkt_cls.h>

#include "golden_pkt.h"
#include "ebnet_obs.h"

#define G_REFUSABLE 1 /* BPF_PROG_TEST_RUN may refuse the frame (-EINVAL): a skip */

struct golden {
	const char *name;
	int port; /* the port it comes in on (FX_STRAY: no endpoint) */
	struct gpkt in;
	int verdict;
	__u32 decision;
	int to;		 /* for TC_ACT_REDIRECT: the port it leaves by */
	struct gpkt out; /* G_NONE: the input, unchanged */
	int flags;
	/* An IPv4 TCP or UDP output whose source port the program chooses at
	 * run time (a NAT port): when port_max is set, that port must be in
	 * [port_min, port_max]; it and the L4 checksum (which covers it, and
	 * is verified from scratch) are left out of the byte comparison. */
	__u16 port_min, port_max;
};

/* The output's chosen source port is in c's range; want takes it and the
 * L4 checksum from got, so that the rest is compared byte for byte. */
static void g_port_chosen(const struct golden *c, const struct fx_result *r, unsigned char *want,
			  int wlen)
{
	const unsigned char *o = r->out;
	int csum = o[23] == 6 ? 14 + 20 + 16 : 14 + 20 + 6;
	unsigned int port;
	char w[320];

	snprintf(w, sizeof(w), "%s: an IPv4 TCP or UDP frame out, whole", c->name);
	ASSERT_TRUE(r->out_len >= 14 + 20 + 8 && wlen >= csum + 2 && o[14] == 0x45 &&
			(o[23] == 6 || o[23] == 17) && (int)r->out_len >= csum + 2,
		    w);
	if (r->out_len < 14 + 20 + 8 || wlen < csum + 2 || (int)r->out_len < csum + 2)
		return;
	port = o[34] << 8 | o[35];
	snprintf(w, sizeof(w), "%s: source port %u in the NAT range %u-%u", c->name, port,
		 c->port_min, c->port_max);
	ASSERT_TRUE(port >= c->port_min && port <= c->port_max, w);
	memcpy(want + 34, o + 34, 2);
	memcpy(want + csum, o + csum, 2);
}

/* The first byte where two frames differ, for the failure message. */
static void g_diff(char *w, size_t wl, const char *what, const unsigned char *got, int gn,
		   const unsigned char *want, int wn)
{
	int i;

	for (i = 0; i < gn && i < wn && got[i] == want[i]; i++)
		;
	snprintf(w, wl,
		 "%s: output = the golden frame (%d bytes, got %d; first difference at byte %d: "
		 "got 0x%02x, want 0x%02x)",
		 what, wn, gn, i, i < gn ? got[i] : 0, i < wn ? want[i] : 0);
}

/* The output's checksums verify (an IPv4 frame: its header's, and its
 * TCP's, UDP's (when set) or ICMP's, of a packet that is whole). */
static void g_check_csum4(const char *name, const unsigned char *o, int n)
{
	const unsigned char *l4 = o + 14 + 20;
	int tot, l4len;
	char w[320];

	if (n < 14 + 20 || o[12] != 0x08 || o[13] != 0x00 || o[14] != 0x45)
		return;
	snprintf(w, sizeof(w), "%s: IPv4 header checksum valid", name);
	ASSERT_EQ(fx_csum(o + 14, 20), 0, w);
	tot = o[16] << 8 | o[17];
	l4len = tot - 20;
	if (tot > n - 14 || (o[20] & 0x3f) || o[21] || l4len < 8)
		return; /* cut, or a fragment */
	if (o[23] == 1) {
		snprintf(w, sizeof(w), "%s: ICMP checksum valid", name);
		ASSERT_EQ(fx_csum(l4, l4len), 0, w);
	} else if (o[23] == 6 || (o[23] == 17 && (l4[6] | l4[7]))) {
		snprintf(w, sizeof(w), "%s: %s checksum valid", name, o[23] == 6 ? "TCP" : "UDP");
		ASSERT_EQ(fx_fold(fx_sum(l4, l4len, fx_pseudo4(o + 14, l4len))), 0, w);
	}
}

/* The output's upper-layer checksum verifies (an IPv6 frame with UDP or
 * ICMPv6 right behind the header). */
static void g_check_csum6(const char *name, const unsigned char *o, int n)
{
	char w[320];
	int l4len;

	if (n < 14 + 40 + 8 || o[12] != 0x86 || o[13] != 0xdd || (o[20] != 17 && o[20] != 58))
		return;
	l4len = o[18] << 8 | o[19];
	if (14 + 40 + l4len > n)
		return;
	snprintf(w, sizeof(w), "%s: %s checksum valid", name, o[20] == 17 ? "UDP" : "ICMPv6");
	ASSERT_EQ(g_csum6(o + 14, o + 54, l4len, o[20]), 0, w);
}

/* CHECK every row of t through the program prog (run on the row's port),
 * each after setup() (NULL: none) so that none sees another's state. */
static void golden_run_with(const struct fx_ports *pt, int prog, void (*setup)(void),
			    const struct golden *t, int n)
{
	for (int i = 0; i < n; i++) {
		const struct golden *c = &t[i];
		unsigned char in[256], want[256];
		struct fx_result r;
		char w[320];
		__u64 before;
		int len, wlen;

		if (setup)
			setup();
		before = fx_counter(&pt->p, c->decision);
		len = g_build(pt, &c->in, in, c->name);

		fx_run(prog, pt->ifidx[c->port], in, len, 0, &r);
		if ((c->flags & G_REFUSABLE) && r.err == -EINVAL) {
			snprintf(w, sizeof(w), "%s: the kernel's test run refuses this frame",
				 c->name);
			SKIP(w);
			continue;
		}
		snprintf(w, sizeof(w), "%s: test run", c->name);
		ASSERT_EQ(r.err, 0, w);
		snprintf(w, sizeof(w), "%s: verdict %d", c->name, c->verdict);
		ASSERT_EQ((int)r.retval, c->verdict, w); /* TC_ACT_UNSPEC is -1 */
		snprintf(w, sizeof(w), "%s: decision %s", c->name,
			 eb_counter_name(c->decision) ? eb_counter_name(c->decision) : "?");
		ASSERT_EQ(r.decision, c->decision, w);
		snprintf(w, sizeof(w), "%s: eb_stats[%u] rose by one", c->name, c->decision);
		ASSERT_EQ(fx_counter(&pt->p, c->decision), before + 1, w);
		if (c->verdict == TC_ACT_REDIRECT) {
			snprintf(w, sizeof(w), "%s: leaves by port %d", c->name, c->to);
			ASSERT_EQ(r.target, pt->ifidx[c->to], w);
		}
		if (c->verdict == TC_ACT_SHOT)
			continue; /* what a dropped frame leaves in the buffer is not output */
		if (c->out.kind != G_NONE) {
			wlen = g_build_about(pt, &c->out, want, c->name, in, len);
		} else {
			memcpy(want, in, len);
			wlen = len;
		}
		if (c->port_max)
			g_port_chosen(c, &r, want, wlen);
		g_diff(w, sizeof(w), c->name, r.out, r.out_len, want, wlen);
		ASSERT_TRUE(r.out_len == (__u32)wlen && !memcmp(r.out, want, wlen), w);
		g_check_csum4(c->name, r.out, r.out_len);
		g_check_csum6(c->name, r.out, r.out_len);
	}
}

/* CHECK every row of t through eb_from_container. */
static inline void golden_run(const struct fx_ports *pt, const struct golden *t, int n)
{
	golden_run_with(pt, pt->p.pc, NULL, t, n);
}

/* The network of the tables with an uplink (test_gold_uplink.c,
 * test_gold_route.c, test_gold_uplink6.c): eb_config with the uplink
 * pt->ifidx[1] (MAC up_mac, SNAT address snat_ip, NAT ports min..max) and
 * one container, 10.77.0.2 behind pt->ifidx[0] as fx_ports makes port 0's:
 * its endpoint, FDB entry and flood slot. 0 or -1. */
static inline int golden_uplink_net(struct fx_ports *pt, const unsigned char *up_mac,
				    const char *snat_ip, __u16 min, __u16 max)
{
	struct eb_config cfg;
	int err;

	fx_config(&cfg, FX_SUBNET, 24, &pt->p);
	fx_config_uplink(&cfg, pt->ifidx[1], up_mac, snat_ip, min, max);
	cfg.flood_max = 1;
	fx_ep(&pt->eps[0], "10.77.0.2", pt->ifidx[0], (unsigned char[]){ 0x02, 0xeb, 10, 77, 0, 2 },
	      (unsigned char[]){ 0x06, 0xeb, 10, 77, 0, 2 }, "c0", "p0", 0);
	err = fx_config_write(&pt->p, &cfg);
	if (!err)
		err = fx_put_ep(&pt->p, &pt->eps[0]);
	if (!err)
		err = fx_put_fdb(&pt->p, &pt->eps[0]);
	if (!err)
		err = fx_put_flood(&pt->p, 0, pt->ifidx[0]);
	return err;
}

#endif
