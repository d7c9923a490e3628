/* SPDX-License-Identifier: GPL-2.0 */
/*
 * PKTGEN of the golden tables (golden.h): a frame described by what is in
 * it (struct gpkt), addresses by role, built byte for byte by g_build().
 *
 * Roles: the MAC "ep0" is port 0's container, "host1" port 1's host-side
 * MAC, "bcast", "zero", "mc6" the IPv6 destination's multicast MAC (33:33
 * and its last four bytes), or a literal; the IPv4 address "ep0" is port
 * 0's container's, "gw" the gateway, or dotted; the IPv6 address "ep0" is
 * port 0's container's as `up --ipv6` derives it (eb_ip6_for: the prefix
 * + the IPv4 host number) and golden_ip6() writes it, "ll0" its EUI-64
 * link-local, "gw" the gateway prefix::1, "::" or a literal. The port set
 * is the fixture's (fixture.h fx_ports), or one a test fills in alike.
 */
#ifndef EB_TEST_GOLDEN_PKT_H
#define EB_TEST_GOLDEN_PKT_H

#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <linux/ip.h>

#include "fixture.h"
#include "ebnet.h"

enum gkind {
	G_NONE,
	G_UDP,
	G_ARP_REQ,
	G_ARP_REPLY,
	G_ETHER,
	G_UDP6,	    /* IPv6/UDP .sport -> .dport (0: 12345, 6000), the row's name as payload,
		     * its checksum set */
	G_ICMP6,    /* ICMPv6 of .icmp_type (0: echo request, the row's name as payload) */
	G_NS,	    /* neighbour solicitation for .target, its SLLA option .sha (default src;
		     * "none": no option); to the target's solicited-node group by default */
	G_NA,	    /* neighbour advertisement of .target (default saddr), flags S and O (and
		     * R: .router), its TLLA option .tha (default src) */
	G_IP6,	    /* IPv6 of next header .nh, the row's name as payload */
	G_TCP,	    /* IPv4/TCP (g_ip4) */
	G_ICMP_ERR, /* an IPv4 ICMP error about the row's input frame (g_ip4) */
};

/* .ext = G_EXT | type: an 8-byte extension header first (G_EXT | 0:
 * hop-by-hop, with a router alert option). */
#define G_EXT	      0x100
#define G_PAYLOAD_MAX 100 /* bytes of the row's name carried as payload, at most */

struct gpkt {
	enum gkind kind;
	const char *dst, *src;	   /* Ethernet MACs */
	const char *saddr, *daddr; /* IPv4 (ARP: sender and target address) */
	const char *sha, *tha;	   /* ARP: sender and target MAC (default: src, zero) */
	__u16 ethertype;	   /* G_ETHER: the ethertype; 28 bytes of payload follow */
	const char *target;	   /* G_NS, G_NA: the target address */
	__u8 icmp_type;		   /* G_ICMP6 */
	__u8 nh;		   /* G_IP6: the next header */
	__u8 hops;		   /* IPv6 hop limit; 0: 64 (255 for G_NS, G_NA) */
	bool router;		   /* G_NA: flag R */
	__u16 ext;		   /* IPv6: G_EXT | an extension header's type; 0: none */
	__u16 sport, dport;	   /* G_UDP, G_UDP6, G_TCP: 0: 12345, 6000 */
	__u8 ttl;		   /* IPv4: 0: 64 */
	__u8 tcp_flags;		   /* G_TCP: 0: SYN */
	__u8 icmp_code;		   /* G_ICMP_ERR (its type: .icmp_type) */
	bool l4csum;		   /* G_UDP: the UDP checksum set (else 0: none) */
	struct {
		int at; /* offset in the frame; 0 ends the list */
		unsigned char val;
	} poke[4];
	int len; /* cut (or pad with zeros) to this length; 0: as built */
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

static void g_put16(unsigned char *p, __u16 v)
{
	p[0] = v >> 8;
	p[1] = v & 0xff;
}

/*
 * IPv4 of g at p, its header checksum set; the length. Behind it UDP
 * (.sport -> .dport, by default 12345 -> 6000, the payload; its checksum
 * with .l4csum, else 0: none), a TCP segment (.tcp_flags, by default SYN;
 * seq 1000, no payload, its checksum set), or, as a router sends it, an
 * ICMP error (.icmp_type, .icmp_code; tos 0xc0, id 0) quoting the IPv4
 * header of the frame orig and 20 bytes more (as far as orig has them).
 */
static int g_ip4(const struct fx_ports *pt, unsigned char *p, const struct gpkt *g,
		 const char *payload, const unsigned char *orig, int olen)
{
	struct iphdr *h = (struct iphdr *)p;
	unsigned char *l4 = p + 20;
	int plen = strnlen(payload, G_PAYLOAD_MAX), l4len, q = 0, c;
	__u16 sport = g->sport ? g->sport : 12345, dport = g->dport ? g->dport : 6000;
	__u8 proto;

	switch (g->kind) {
	case G_TCP:
		proto = 6;
		l4len = 20;
		memset(l4, 0, l4len);
		g_put16(l4, sport);
		g_put16(l4 + 2, dport);
		g_put16(l4 + 6, 1000); /* seq */
		l4[12] = 5 << 4;       /* data offset: 20 bytes */
		l4[13] = g->tcp_flags ? g->tcp_flags : 0x02;
		if (l4[13] & 0x10)
			g_put16(l4 + 10, 2000); /* ack */
		g_put16(l4 + 14, 64240);	/* window */
		break;
	case G_ICMP_ERR:
		proto = 1;
		if (orig && olen >= 14 + 20) {
			q = (orig[14] & 0xf) * 4 + 20;
			if (q > (orig[16] << 8 | orig[17]))
				q = orig[16] << 8 | orig[17];
			if (q > olen - 14)
				q = olen - 14;
		}
		memset(l4, 0, 8);
		l4[0] = g->icmp_type;
		l4[1] = g->icmp_code;
		if (q > 0)
			memcpy(l4 + 8, orig + 14, q);
		l4len = 8 + q;
		break;
	default:
		proto = 17;
		l4len = 8 + plen;
		g_put16(l4, sport);
		g_put16(l4 + 2, dport);
		g_put16(l4 + 4, l4len);
		g_put16(l4 + 6, 0);
		memcpy(l4 + 8, payload, plen);
		break;
	}
	memset(h, 0, sizeof(*h));
	h->version = 4;
	h->ihl = 5;
	h->tos = g->kind == G_ICMP_ERR ? 0xc0 : 0;
	h->ttl = g->ttl ? g->ttl : 64;
	h->protocol = proto;
	h->tot_len = htons(20 + l4len);
	h->id = g->kind == G_ICMP_ERR ? 0 : htons(0x1234);
	h->saddr = g_ip(pt, g->saddr);
	h->daddr = g_ip(pt, g->daddr);
	h->check = htons(fx_csum(h, 20));
	if (proto == 1) {
		g_put16(l4 + 2, fx_csum(l4, l4len));
	} else if (proto == 6 || g->l4csum) {
		c = fx_fold(fx_sum(l4, l4len, fx_pseudo4(p, l4len)));
		/* UDP: a sum of 0 is sent as 0xffff (0 is "none"). */
		g_put16(l4 + (proto == 6 ? 16 : 6), proto == 17 && !c ? 0xffff : c);
	}
	return 20 + l4len;
}

/* ---- IPv6 ---- */

static bool g_is_ip6(enum gkind k)
{
	return k == G_UDP6 || k == G_ICMP6 || k == G_NS || k == G_NA || k == G_IP6;
}

#define G6_PREFIX  "fd00:77::" /* the port set's IPv6 subnet, /64 */
#define G6_GATEWAY G6_PREFIX "1"

/* The port set's IPv6 addresses, as golden_ip6() wrote them. */
static struct {
	struct eb_config6 c6;
	__u8 ep[FX_NPORTS][16];
} g6;

/* SETUP of the IPv6 rows: eb_config6 of G6_PREFIX/64 (flags: EB_CFG6_ON,
 * or 0 for a network without IPv6) and each container's address in eb_ip6,
 * derived as `up --ipv6` derives it, through the fixture's writers. */
static inline int golden_ip6(const struct fx_ports *pt, __u32 flags)
{
	struct eb_config cfg;
	int err;

	memset(&g6, 0, sizeof(g6));
	fx_ip6(G6_PREFIX, g6.c6.prefix);
	fx_ip6(G6_GATEWAY, g6.c6.gateway);
	g6.c6.plen = 64;
	g6.c6.flags = flags;
	fx_config(&cfg, FX_SUBNET, 24, &pt->p);
	err = fx_config6_write(&pt->p, &g6.c6);
	for (int i = 0; i < FX_NPORTS && !err; i++) {
		eb_ip6_for(&g6.c6, &cfg, pt->eps[i].ip, g6.ep[i]);
		err = fx_put_ip6(&pt->p, g6.ep[i], &pt->eps[i]);
	}
	return err;
}

/* An IPv6 address by role: ep<N>, ll<N> (its EUI-64 link-local), gw, or a
 * literal (NULL: ::). */
static void g_ip6(const struct fx_ports *pt, const char *s, __u8 a[16])
{
	const unsigned char *m;
	int n;

	memset(a, 0, 16);
	if (!s)
		return;
	if (!strcmp(s, "gw")) {
		memcpy(a, g6.c6.gateway, 16);
	} else if (sscanf(s, "ep%d", &n) == 1 && n >= 0 && n < FX_NPORTS) {
		memcpy(a, g6.ep[n], 16);
	} else if (sscanf(s, "ll%d", &n) == 1 && n >= 0 && n < FX_NPORTS) {
		m = pt->eps[n].mac;
		a[0] = 0xfe, a[1] = 0x80;
		a[8] = m[0] ^ 2, a[9] = m[1], a[10] = m[2], a[11] = 0xff, a[12] = 0xfe;
		a[13] = m[3], a[14] = m[4], a[15] = m[5];
	} else if (inet_pton(AF_INET6, s, a) != 1) {
		fprintf(stderr, "golden: bad IPv6 address '%s'\n", s);
		memset(a, 0, 16);
	}
}

/* The upper layer's checksum, as RFC 8200 8.1 has it: the pseudo header
 * (source, final destination, upper-layer length, next header) and l4. */
static __u16 g_csum6(const unsigned char *ip6, const unsigned char *l4, int l4len, __u8 nh)
{
	return fx_fold(fx_sum(l4, l4len, fx_pseudo6(ip6, l4len, nh)));
}

/* The upper layer of g at p; its length and next header (*nh). */
static int g_l4_6(const struct fx_ports *pt, unsigned char *p, const struct gpkt *g,
		  const char *payload, __u8 *nh)
{
	int plen = strnlen(payload, G_PAYLOAD_MAX), n;
	unsigned char mac[6];
	__u8 a[16];

	switch (g->kind) {
	case G_UDP6:
		*nh = 17;
		g_put16(p, g->sport ? g->sport : 12345);
		g_put16(p + 2, g->dport ? g->dport : 6000);
		p[4] = (8 + plen) >> 8, p[5] = (8 + plen) & 0xff;
		p[6] = p[7] = 0;
		memcpy(p + 8, payload, plen);
		return 8 + plen;
	case G_ICMP6:
		*nh = 58;
		memset(p, 0, 8);
		p[0] = g->icmp_type ? g->icmp_type : 128;
		if (p[0] != 128 && p[0] != 129) {
			memset(p + 8, 0, 16); /* an MLD report's group, an RS's options */
			return 24;
		}
		p[4] = 0x12, p[5] = 0x34, p[7] = 1; /* identifier, sequence */
		memcpy(p + 8, payload, plen);
		return 8 + plen;
	case G_NS:
	case G_NA:
		*nh = 58;
		memset(p, 0, 24);
		p[0] = g->kind == G_NS ? 135 : 136;
		if (g->kind == G_NA)
			p[4] = (g->router ? 0x80 : 0) | 0x60; /* R, S, O */
		g_ip6(pt, g->target ? g->target : g->saddr, a);
		memcpy(p + 8, a, 16);
		n = 24;
		if (g->kind == G_NS && g->sha && !strcmp(g->sha, "none"))
			return n;
		g_mac(pt, g->kind == G_NS ? (g->sha ? g->sha : g->src) : (g->tha ? g->tha : g->src),
		      mac);
		p[n] = g->kind == G_NS ? 1 : 2; /* source / target link-layer address */
		p[n + 1] = 1;			/* 8 bytes */
		memcpy(p + n + 2, mac, 6);
		return n + 8;
	default:
		*nh = g->nh;
		memcpy(p, payload, plen);
		return plen;
	}
}

/* Ethernet, IPv6, the extension header if any, the upper layer with its
 * checksum; the length. */
static int g_ip6_frame(const struct fx_ports *pt, unsigned char *f, const struct gpkt *g,
		       const char *payload)
{
	unsigned char dst[6], src[6], *ip6 = f + 14, *l4 = f + 14 + 40;
	int ext = g->ext ? 8 : 0, l4len, c;
	__u8 nh;

	memset(ip6, 0, 40 + ext);
	ip6[0] = 0x60;
	ip6[7] = g->hops ? g->hops : (g->kind == G_NS || g->kind == G_NA) ? 255 : 64;
	g_ip6(pt, g->saddr, ip6 + 8);
	if (g->kind == G_NS && !g->daddr) {
		__u8 t[16];

		/* The target's solicited-node group: ff02::1:ffXX:XXXX. */
		g_ip6(pt, g->target, t);
		inet_pton(AF_INET6, "ff02::1:ff00:0", ip6 + 24);
		memcpy(ip6 + 24 + 13, t + 13, 3);
	} else {
		g_ip6(pt, g->daddr, ip6 + 24);
	}
	l4len = g_l4_6(pt, l4 + ext, g, payload, &nh);
	if (ext) {
		ip6[6] = g->ext & 0xff;
		l4[0] = nh;
		if ((g->ext & 0xff) == 0)
			l4[2] = 5, l4[3] = 2, l4[6] = 1; /* router alert (MLD), PadN */
	} else {
		ip6[6] = nh;
	}
	ip6[4] = (ext + l4len) >> 8;
	ip6[5] = (ext + l4len) & 0xff;
	if (nh == 17 || nh == 58) {
		c = g_csum6(ip6, l4 + ext, l4len, nh);
		/* UDP: a sum of 0 is sent as 0xffff (0 is "none", not allowed in IPv6). */
		if (nh == 17 && !c)
			c = 0xffff;
		l4[ext + (nh == 17 ? 6 : 2)] = c >> 8;
		l4[ext + (nh == 17 ? 7 : 3)] = c & 0xff;
	}
	if (g->dst && !strcmp(g->dst, "mc6")) {
		dst[0] = dst[1] = 0x33;
		memcpy(dst + 2, ip6 + 24 + 12, 4);
	} else {
		g_mac(pt, g->dst, dst);
	}
	g_mac(pt, g->src, src);
	fx_put_eth(f, dst, src, 0x86dd);
	return 14 + 40 + ext + l4len;
}

/* PKTGEN: builds g into f (at least 256 bytes); returns the length. An
 * ICMP error quotes orig (olen bytes: the row's input). */
static int g_build_about(const struct fx_ports *pt, const struct gpkt *g, unsigned char *f,
			 const char *payload, const unsigned char *orig, int olen)
{
	unsigned char dst[6], src[6];
	int n, i;

	if (!g_is_ip6(g->kind)) {
		g_mac(pt, g->dst, dst);
		g_mac(pt, g->src, src);
	}
	switch (g->kind) {
	case G_UDP:
	case G_TCP:
	case G_ICMP_ERR:
		n = fx_put_eth(f, dst, src, ETH_P_IP);
		n += g_ip4(pt, f + n, g, payload, orig, olen);
		break;
	case G_ARP_REQ:
	case G_ARP_REPLY:
		n = fx_put_eth(f, dst, src, ETH_P_ARP);
		n += g_arp(pt, f + n, g->kind == G_ARP_REQ ? 1 : 2, g);
		break;
	case G_UDP6:
	case G_ICMP6:
	case G_NS:
	case G_NA:
	case G_IP6:
		n = g_ip6_frame(pt, f, g, payload);
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

static int g_build(const struct fx_ports *pt, const struct gpkt *g, unsigned char *f,
		   const char *payload)
{
	return g_build_about(pt, g, f, payload, NULL, 0);
}

#endif
