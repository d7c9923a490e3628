/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Golden-packet tables for the port set of the fixture (fixture.h
 * fx_ports), in the shape
 * of Cilium's bpf/tests (PKTGEN, SETUP, CHECK) and Katran's testing/
 * fixtures: a datapath decision is one row of a table, not a function.
 *
 *   PKTGEN  .in: the frame, described by what is in it (addresses by
 *           role: "ep0" is port 0's container, "host1" port 1's host-side
 *           MAC, "gw" the gateway, or a literal) plus bytes to poke and a
 *           length to cut it to;
 *   SETUP   the port set's maps (fixture.c fx_ports), shared by all;
 *   CHECK   .verdict, .decision (the counter it counts as: up by one),
 *           .to (the port it leaves by, for a redirect) and the frame
 *           that comes out: byte for byte .out when given (built by the
 *           same generator), else the input unchanged.
 *
 * golden_run() runs every row through the real program and reports each
 * check under the row's name. Included after check.h.
 */
#ifndef EB_TEST_GOLDEN_H
#define EB_TEST_GOLDEN_H

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/pkt_cls.h>

#include "fixture.h"
#include "ebnet_obs.h"

enum gkind { G_NONE, G_UDP, G_ARP_REQ, G_ARP_REPLY, G_ETHER };

struct gpkt {
	enum gkind kind;
	const char *dst, *src;	 /* Ethernet MACs */
	const char *saddr, *daddr; /* IPv4 (ARP: sender and target address) */
	const char *sha, *tha;	 /* ARP: sender and target MAC (default: src, zero) */
	__u16 ethertype;	 /* G_ETHER: the ethertype; 28 bytes of payload follow */
	struct {
		int at; /* offset in the frame; 0 ends the list */
		unsigned char val;
	} poke[4];
	int len;  /* cut (or pad with zeros) to this length; 0: as built */
};

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
};

static const unsigned char g_zero_mac[6];

/* A MAC by role: ep<N>, host<N>, bcast, zero, or aa:bb:cc:dd:ee:ff. */
static void g_mac(const struct fx_ports *pt, const char *s, unsigned char m[6])
{
	int n;

	if (!s || !strcmp(s, "zero"))
		memset(m, 0, 6);
	else if (!strcmp(s, "bcast"))
		memset(m, 0xff, 6);
	else if (sscanf(s, "ep%d", &n) == 1 && n >= 0 && n < FX_NPORTS)
		memcpy(m, pt->eps[n].mac, 6);
	else if (sscanf(s, "host%d", &n) == 1 && n >= 0 && n < FX_NPORTS)
		memcpy(m, pt->eps[n].host_mac, 6);
	else if (sscanf(s, "%hhx:%hhx:%hhx:%hhx:%hhx:%hhx", &m[0], &m[1], &m[2], &m[3], &m[4],
			&m[5]) != 6) {
		fprintf(stderr, "golden: bad MAC '%s'\n", s);
		memset(m, 0, 6);
	}
}

/* An IPv4 address by role: ep<N>, gw, or dotted. */
static __u32 g_ip(const struct fx_ports *pt, const char *s)
{
	int n;

	if (!s)
		return 0;
	if (!strcmp(s, "gw"))
		return fx_ip(FX_GATEWAY);
	if (sscanf(s, "ep%d", &n) == 1 && n >= 0 && n < FX_NPORTS)
		return pt->eps[n].ip;
	return fx_ip(s);
}

static int g_arp(const struct fx_ports *pt, unsigned char *p, __u16 op, const struct gpkt *g)
{
	unsigned char sha[6], tha[6];
	__u32 spa = g_ip(pt, g->saddr), tpa = g_ip(pt, g->daddr);

	g_mac(pt, g->sha ? g->sha : g->src, sha);
	g_mac(pt, g->tha, tha);
	p[0] = 0, p[1] = 1;	  /* hardware: Ethernet */
	p[2] = 0x08, p[3] = 0x00; /* protocol: IPv4 */
	p[4] = 6, p[5] = 4;
	p[6] = op >> 8, p[7] = op & 0xff;
	memcpy(p + 8, sha, 6);
	memcpy(p + 14, &spa, 4);
	memcpy(p + 18, tha, 6);
	memcpy(p + 24, &tpa, 4);
	return 28;
}

/* IPv4/UDP 12345 -> 6000 with payload, header checksum set, no UDP checksum. */
static int g_udp(const struct fx_ports *pt, unsigned char *p, const struct gpkt *g,
		 const char *payload)
{
	struct iphdr *h = (struct iphdr *)p;
	int plen = strlen(payload), ulen = 8 + plen;

	memset(h, 0, sizeof(*h));
	h->version = 4;
	h->ihl = 5;
	h->ttl = 64;
	h->protocol = 17;
	h->tot_len = htons(20 + ulen);
	h->id = htons(0x1234);
	h->saddr = g_ip(pt, g->saddr);
	h->daddr = g_ip(pt, g->daddr);
	h->check = htons(fx_csum(h, 20));
	p[20] = 0x30, p[21] = 0x39;
	p[22] = 0x17, p[23] = 0x70;
	p[24] = ulen >> 8, p[25] = ulen & 0xff;
	p[26] = 0, p[27] = 0;
	memcpy(p + 28, payload, plen);
	return 20 + ulen;
}

/* PKTGEN: builds g into f (at least 128 bytes); returns the length. */
static int g_build(const struct fx_ports *pt, const struct gpkt *g, unsigned char *f,
		   const char *payload)
{
	unsigned char dst[6], src[6];
	int n, i;

	g_mac(pt, g->dst, dst);
	g_mac(pt, g->src, src);
	switch (g->kind) {
	case G_UDP:
		n = fx_put_eth(f, dst, src, ETH_P_IP);
		n += g_udp(pt, f + n, g, payload);
		break;
	case G_ARP_REQ:
	case G_ARP_REPLY:
		n = fx_put_eth(f, dst, src, ETH_P_ARP);
		n += g_arp(pt, f + n, g->kind == G_ARP_REQ ? 1 : 2, g);
		break;
	case G_ETHER:
		n = fx_put_eth(f, dst, src, g->ethertype);
		memset(f + n, 0, 28);
		if (g->ethertype == 0x86dd)
			f[n] = 0x60; /* an IPv6 header's version */
		else
			memcpy(f + n, "local experimental ethertype", 28);
		n += 28;
		break;
	default:
		return 0;
	}
	for (i = 0; i < 4 && g->poke[i].at; i++)
		f[g->poke[i].at] = g->poke[i].val;
	if (g->len) {
		if (g->len > n)
			memset(f + n, 0, g->len - n);
		n = g->len;
	}
	return n;
}

/* The first byte where two frames differ, for the failure message. */
static void g_diff(char *w, size_t wl, const char *what, const unsigned char *got, int gn,
		   const unsigned char *want, int wn)
{
	int i;

	for (i = 0; i < gn && i < wn && got[i] == want[i]; i++)
		;
	snprintf(w, wl, "%s: output = the golden frame (%d bytes, got %d; first difference at byte %d: "
		 "got 0x%02x, want 0x%02x)", what, wn, gn, i, i < gn ? got[i] : 0,
		 i < wn ? want[i] : 0);
}

/* CHECK every row of t. */
static void golden_run(const struct fx_ports *pt, const struct golden *t, int n)
{
	for (int i = 0; i < n; i++) {
		const struct golden *c = &t[i];
		unsigned char in[256], want[256];
		struct fx_result r;
		char w[320];
		__u64 before = fx_counter(&pt->p, c->decision);
		int len = g_build(pt, &c->in, in, c->name), wlen;

		fx_run(pt->p.pc, pt->ifidx[c->port], in, len, 0, &r);
		if ((c->flags & G_REFUSABLE) && r.err == -EINVAL) {
			snprintf(w, sizeof(w), "%s: the kernel's test run refuses this frame", c->name);
			SKIP(w);
			continue;
		}
		snprintf(w, sizeof(w), "%s: test run", c->name);
		ASSERT_EQ(r.err, 0, w);
		snprintf(w, sizeof(w), "%s: verdict %d", c->name, c->verdict);
		ASSERT_EQ(r.retval, c->verdict, w);
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
			wlen = g_build(pt, &c->out, want, c->name);
		} else {
			memcpy(want, in, len);
			wlen = len;
		}
		g_diff(w, sizeof(w), c->name, r.out, r.out_len, want, wlen);
		ASSERT_TRUE(r.out_len == (__u32)wlen && !memcmp(r.out, want, wlen), w);
		if (c->in.kind == G_UDP && wlen >= 34) {
			snprintf(w, sizeof(w), "%s: IPv4 header checksum valid", c->name);
			ASSERT_EQ(fx_csum(r.out + 14, 20), 0, w);
		}
	}
}

#endif
