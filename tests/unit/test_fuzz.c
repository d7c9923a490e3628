// SPDX-License-Identifier: GPL-2.0
/*
 * Malformed packets (issue 6): well over 100,000 random, truncated and
 * inconsistent frames through eb_from_container and eb_from_uplink with
 * BPF_PROG_TEST_RUN, against a seeded network (two containers, an uplink
 * with a route out, published ports, live NAT flows). Every frame starts
 * as one of ~30 valid templates (SNAT, its replies, DNAT, ICMP errors,
 * fragments, ARP, broadcast, forwarding, isolation, no route, DNS queries
 * to the gateway, whole or garbled, answered or sent on...) and is
 * then mutated: truncated, bad IHL, IP options, version != 4, tot_len too
 * short or too long, fragment bits, TCP data offset, ICMP errors quoting
 * garbage or a truncated quote, flipped bytes, or replaced by random bytes.
 *
 * What must hold, for every frame:
 *  verdicts   container: OK, SHOT or REDIRECT; uplink: UNSPEC, SHOT or
 *             REDIRECT. Nothing else, and test_run itself never fails.
 *  drops      a SHOT moves exactly one counter of eb_stats by one packet,
 *             a drop reason (>= EB_CNT_DROP_FIRST), the one the program
 *             left in skb->cb[0]; any other verdict moves no drop counter.
 *  no state   an invalid IPv4 frame (defined by invalid_reason() below)
 *             creates no key in eb_ct_tcp, eb_ct_other or eb_frags.
 *  no half    a REDIRECT carries a whole translation: every checksum that
 *             was right on input (IP header, L4 with its pseudo header,
 *             an ICMP error's quoted IP header) is right on output, a
 *             packet out of the uplink has the NAT source, a packet into
 *             a container has its address and MACs. A pass (OK, UNSPEC)
 *             leaves every byte as it was.
 *
 * The seed is fixed (EB_FUZZ_SEED overrides it, EB_FUZZ_FRAMES the count)
 * and printed, so that a failure can be replayed. A failure prints the
 * frame in hex with its template and mutation.
 *
 * Like test_nat.c, the test runs on the fixture (fixture.h): a network
 * namespace of its own with real veths, since the programs read
 * skb->ifindex and ask bpf_fib_lookup; maps are not pinned and are shared
 * between the two programs. Needs root; skips without it.
 */
#include <errno.h>
#include <inttypes.h>
#include <sched.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "check.h"
#include "fixture.h"

/* ---- the test's world (inside its own network namespace) ---- */

#define SUBNET	  "10.66.0.0"
#define GATEWAY	  "10.66.0.1"
#define IP_A	  "10.66.0.2" /* container A, port fz_a */
#define IP_B	  "10.66.0.3" /* container B, port fz_b; published 8080/tcp, 5353/udp */
#define IP_OTHER  "10.67.0.5" /* another network's container, behind fz_x */
#define SNAT_IP	  "198.51.100.1"
#define ROUTER	  "198.51.100.254"
#define SERVER	  "203.0.113.2" /* default route, neighbour known: bpf_redirect */
#define CLIENT	  "203.0.113.7" /* talks to the published ports */
#define NONEIGH	  "192.0.2.10"	/* via 198.51.100.253, no neighbour: bpf_redirect_neigh */
#define BLACKHOLE "100.64.1.1"	/* blackhole route: no route */
#define NAT_MIN	  20000
#define NAT_MAX	  20999
#define PUB_TCP	  8080
#define PUB_UDP	  5353

#define ETH_LEN 14
#define FR_MAX	1514

static const uint8_t MAC_A[6] = {0x02, 0xeb, 0x0a, 0x42, 0x00, 0x02};
static const uint8_t MAC_A_HOST[6] = {0x06, 0xeb, 0x0a, 0x42, 0x00, 0x02};
static const uint8_t MAC_B[6] = {0x02, 0xeb, 0x0a, 0x42, 0x00, 0x03};
static const uint8_t MAC_B_HOST[6] = {0x06, 0xeb, 0x0a, 0x42, 0x00, 0x03};
static const uint8_t MAC_UP[6] = {0x02, 0x00, 0x5e, 0x00, 0x42, 0x01};
static const uint8_t MAC_RTR[6] = {0x02, 0x00, 0x5e, 0x00, 0x42, 0xfe};
static const uint8_t MAC_BCAST[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
static const uint8_t MAC_MCAST[6] = {0x01, 0x00, 0x5e, 0x00, 0x00, 0xfb};

static struct {
	int if_a, if_b, if_up, if_x, if_lo;
} env;

/* ---- a fixed-seed generator (xorshift64*) ---- */

static uint64_t rng;

static uint64_t rnd64(void)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return rng * 0x2545F4914F6CDD1DULL;
}

static uint32_t rnd(uint32_t n) /* 0..n-1 */
{
	return n ? (uint32_t)((rnd64() >> 11) % n) : 0;
}

static bool chance(uint32_t pct)
{
	return rnd(100) < pct;
}

static void rnd_bytes(uint8_t *p, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++)
		p[i] = (uint8_t)rnd64();
}

/* ---- the private namespace ---- */

static int setup_netns(void)
{
	if (fx_netns())
		return -1;
	env.if_a = fx_veth("fz_a", MAC_A_HOST, "fz_ap", MAC_A);
	env.if_b = fx_veth("fz_b", MAC_B_HOST, "fz_bp", MAC_B);
	env.if_x = fx_veth("fz_x", NULL, "fz_xp", NULL);
	env.if_up = fx_veth("up0", MAC_UP, "up0p", MAC_RTR);
	env.if_lo = fx_ifindex("lo");
	if (env.if_a < 0 || env.if_b < 0 || env.if_x < 0 || env.if_up < 0 || env.if_lo < 0)
		return -1;
	if (fx_addr(env.if_a, GATEWAY, 32) || fx_addr(env.if_b, GATEWAY, 32) ||
	    fx_route(IP_A, 32, NULL, env.if_a) || fx_route(IP_B, 32, NULL, env.if_b) ||
	    fx_route("10.67.0.0", 24, NULL, env.if_x) || fx_addr(env.if_up, SNAT_IP, 24) ||
	    fx_route(NULL, 0, ROUTER, env.if_up) || fx_neigh(env.if_up, ROUTER, MAC_RTR) ||
	    fx_route("192.0.2.0", 24, "198.51.100.253", env.if_up) ||
	    fx_route_blackhole("100.64.0.0", 10))
		return -1;
	/* bpf_fib_lookup answers FWD_DISABLED unless the ingress device
	 * forwards; only inside this namespace. */
	if (fx_forwarding(env.if_a) || fx_forwarding(env.if_b) || fx_forwarding(env.if_up))
		return -1;
	return 0;
}

/* ---- the programs and their maps ---- */

static struct {
	struct fx_progs p;
	struct container_bpf *c;
	int pc, pu;
	int cfg, eps, ports, fdb, flood, stats, ct_tcp, ct_other, frags, published;
	int ncpu;
} fx;

static void put_ep(const char *addr, int ifindex, const uint8_t *mac, const uint8_t *host_mac,
		   const char *name, uint32_t slot)
{
	struct eb_endpoint ep;
	char dev[16];

	snprintf(dev, sizeof(dev), "fz_%s", name);
	fx_ep(&ep, addr, ifindex, mac, host_mac, name, dev, slot);
	fx_put_ep(&fx.p, &ep);
	fx_put_fdb(&fx.p, &ep);
	fx_put_flood(&fx.p, slot, ifindex);
}

static void put_pub(uint16_t port, uint8_t proto, uint16_t cport)
{
	fx_put_pub(&fx.p, 0, port, proto, IP_B, cport, env.if_b, "b");
}

static int fx_open(void)
{
	/* Small conntrack maps: the test empties them often. */
	struct fx_load_opts lo = { .uplink = true, .ct_tcp_max = 4096, .ct_other_max = 4096 };
	struct eb_config cfg;
	uint32_t zero = 0;

	if (fx_load(&fx.p, &lo))
		return -1;
	fx.c = fx.p.c;
	fx.pc = fx.p.pc;
	fx.pu = fx.p.pu;
	fx.cfg = FX_MAP(&fx.p, eb_config);
	fx.eps = FX_MAP(&fx.p, eb_endpoints);
	fx.ports = FX_MAP(&fx.p, eb_ports);
	fx.fdb = FX_MAP(&fx.p, eb_fdb_v2);
	fx.flood = FX_MAP(&fx.p, eb_flood);
	fx.stats = FX_MAP(&fx.p, eb_stats);
	fx.ct_tcp = FX_MAP(&fx.p, eb_ct_tcp);
	fx.ct_other = FX_MAP(&fx.p, eb_ct_other);
	fx.frags = FX_MAP(&fx.p, eb_frags);
	fx.published = FX_MAP(&fx.p, eb_published);
	fx.ncpu = libbpf_num_possible_cpus();

	fx_config(&cfg, SUBNET, 24, &fx.p);
	fx_config_uplink(&cfg, env.if_up, MAC_UP, SNAT_IP, NAT_MIN, NAT_MAX);
	cfg.flood_max = 2;
	if (fx_config_write(&fx.p, &cfg))
		return -1;
	put_ep(IP_A, env.if_a, MAC_A, MAC_A_HOST, "a", 0);
	put_ep(IP_B, env.if_b, MAC_B, MAC_B_HOST, "b", 1);
	put_pub(PUB_TCP, IPPROTO_TCP, 80);
	put_pub(PUB_UDP, IPPROTO_UDP, 53);
	{
		/* Names: b, b.net, its PTR; other names go to SERVER. */
		struct eb_dns_cfg dc = { .domain = { 3, 'n', 'e', 't', 0 }, .domain_len = 5,
					 .ttl = 10, .n_up = 1 };
		struct eb_name_val nv = { .ip = fx_ip(IP_B) };
		struct eb_name_rev rv = { .len = 7, .name = { 1, 'b', 3, 'n', 'e', 't', 0 } };
		struct eb_name_key nk = { .name = { 1, 'b' } };
		struct eb_ip_key k = { .addr = fx_ip(IP_B) };

		dc.up[0] = fx_ip(SERVER);
		if (bpf_map_update_elem(FX_MAP(&fx.p, eb_dns), &zero, &dc, BPF_ANY) ||
		    bpf_map_update_elem(FX_MAP(&fx.p, eb_names), &nk, &nv, BPF_ANY) ||
		    bpf_map_update_elem(FX_MAP(&fx.p, eb_names_rev), &k, &rv, BPF_ANY))
			return -1;
		memcpy(nk.name, "\1b\3net", 7);
		if (bpf_map_update_elem(FX_MAP(&fx.p, eb_names), &nk, &nv, BPF_ANY))
			return -1;
	}
	return fx.ncpu > 0 ? 0 : -1;
}

static void fx_close(void)
{
	fx_unload(&fx.p);
}

/* ---- map state ---- */

/* Packets of every counter, summed over the CPUs: one batch lookup. */
static int stats_read(uint64_t out[EB_CNT_MAX])
{
	static struct eb_counter_val *vals;
	static uint32_t keys[EB_CNT_MAX];
	uint32_t n = EB_CNT_MAX, out_batch = 0;
	LIBBPF_OPTS(bpf_map_batch_opts, o);
	int err;

	if (!vals)
		vals = calloc((size_t)EB_CNT_MAX * fx.ncpu, sizeof(*vals));
	if (!vals)
		return -1;
	err = bpf_map_lookup_batch(fx.stats, NULL, &out_batch, keys, vals, &n, &o);
	if (err && errno != ENOENT)
		return -1;
	memset(out, 0, sizeof(uint64_t) * EB_CNT_MAX);
	for (uint32_t i = 0; i < n; i++)
		for (int c = 0; c < fx.ncpu; c++)
			if (keys[i] < EB_CNT_MAX)
				out[keys[i]] += vals[(size_t)i * fx.ncpu + c].packets;
	return 0;
}

#define SNAP_MAX 512

struct snap {
	uint32_t n;
	uint8_t keys[SNAP_MAX][16];
	uint32_t ksize;
};

static int snap_take(int fd, uint32_t ksize, struct snap *s)
{
	uint8_t k[16], next[16];
	void *prev = NULL;

	s->n = 0;
	s->ksize = ksize;
	while (bpf_map_get_next_key(fd, prev, next) == 0) {
		if (s->n >= SNAP_MAX) {
			ASSERT_TRUE(0, "a map of at most 512 keys to snapshot");
			return -1;
		}
		memcpy(s->keys[s->n++], next, ksize);
		memcpy(k, next, ksize);
		prev = k;
	}
	return 0;
}

/* Keys in b that are not in a. */
static uint32_t snap_new(const struct snap *a, const struct snap *b)
{
	uint32_t added = 0;

	for (uint32_t i = 0; i < b->n; i++) {
		bool found = false;

		for (uint32_t j = 0; j < a->n && !found; j++)
			found = !memcmp(b->keys[i], a->keys[j], b->ksize);
		added += !found;
	}
	return added;
}

static uint32_t map_count(int fd, uint32_t ksize)
{
	return fx_map_count(fd, ksize);
}

static void map_flush(int fd, uint32_t ksize)
{
	fx_map_clear(fd, ksize);
}

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
 * The layout of an IPv4 frame as far as it goes, and the checksum
 * convention of this test: the L4 part is min(tot_len, bytes present)
 * minus the header, and the pseudo header carries that length. NAT never
 * changes a length, so a checksum right by this convention on input must
 * be right on output whatever the lengths say.
 */
struct lay {
	bool ipv4;	  /* EtherType IPv4 and a whole header with IHL >= 5 present */
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

static int l4_csum_off(uint8_t proto)
{
	return proto == IPPROTO_TCP    ? 16
	       : proto == IPPROTO_UDP  ? 6
	       : proto == IPPROTO_ICMP ? 2
				       : -1;
}

/* Recomputes the IP and L4 checksums, as far as the frame allows. */
static void fix_csums(struct fr *f)
{
	struct lay l = layout(f);
	uint8_t *iph = f->b + ETH_LEN, *l4;
	int off;
	uint16_t c;

	if (!l.ipv4)
		return;
	fill_ip_csum(iph);
	off = l4_csum_off(l.proto);
	if (l.later || off < 0 || l.l4n < (uint32_t)off + 2)
		return;
	l4 = f->b + l.l4;
	if (l.proto == IPPROTO_UDP && get16(l4 + 6) == 0)
		return; /* no checksum: stays so */
	put16(l4 + off, 0);
	c = fx_fold(fx_sum(l4, l.l4n, l.proto == IPPROTO_ICMP ? 0 : fx_pseudo4(iph, l.l4n)));
	if (l.proto == IPPROTO_UDP && c == 0)
		c = 0xffff;
	put16(l4 + off, c);
}

#define CS_IP	    1 /* the IP header checksum verifies */
#define CS_L4	    2 /* the L4 checksum verifies (UDP: and is not 0) */
#define CS_UDP0	    4 /* UDP without a checksum */
#define CS_INNER_IP 8 /* an ICMP error's quoted IP header verifies */

static uint32_t csum_state(const struct fr *f)
{
	struct lay l = layout(f);
	const uint8_t *iph = f->b + ETH_LEN, *l4;
	uint32_t s = 0;
	int off;

	if (!l.ipv4)
		return 0;
	if (fx_fold(fx_sum(iph, l.hl, 0)) == 0)
		s |= CS_IP;
	off = l4_csum_off(l.proto);
	if (l.later || off < 0 || l.l4n < (uint32_t)off + 2)
		return s;
	l4 = f->b + l.l4;
	if (l.proto == IPPROTO_UDP && get16(l4 + 6) == 0)
		s |= CS_UDP0;
	else if (fx_fold(fx_sum(l4, l.l4n, l.proto == IPPROTO_ICMP ? 0 : fx_pseudo4(iph, l.l4n))) == 0)
		s |= CS_L4;
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
};

/* Bytes after the IP packet, in the frame (tot_len < what is there). */
static bool has_trailer(const struct fr *f)
{
	return f->len > ETH_LEN + 4 && get16(f->b + ETH_LEN + 2) < f->len - ETH_LEN;
}

static uint32_t l4_min(uint8_t proto)
{
	return proto == IPPROTO_TCP ? 20 : proto == IPPROTO_UDP || proto == IPPROTO_ICMP ? 8 : 0;
}

static enum inv invalid_reason(const struct fr *f)
{
	const uint8_t *iph = f->b + ETH_LEN;
	uint32_t avail, hl, tot, frame_l4;
	bool later, first;
	uint8_t proto;

	if (f->len < ETH_LEN || get16(f->b + 12) != 0x0800)
		return INV_NONE; /* not IPv4: no conntrack state is possible */
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

#define NTEMPLATES 35

/* Builds template number i (valid frames of every kind the datapath sees). */
static void tmpl(int i, struct tmpl_out *t)
{
	uint32_t opt = chance(15) ? 4 * (1 + rnd(10)) : 0; /* IP options, valid */
	uint32_t a = fx_ip(IP_A), b = fx_ip(IP_B), srv = fx_ip(SERVER), snat = fx_ip(SNAT_IP);
	uint32_t cli = fx_ip(CLIENT), n, qn;
	uint8_t *l4 = l4_at(t, opt), q[128], code, type;
	uint16_t sp = 41000 + rnd(8), id = seed.frag_ids[rnd(4)];

	memset(t, 0, sizeof(*t));
	t->prog = 0;
	t->ifindex = env.if_a;
	switch (i) {
	case 0: /* A -> server, TCP (SYN, ACK, FIN, RST, anything) */
		n = mk_tcp(l4, sp, 80, chance(50) ? 0x02 : (uint8_t)rnd(256), rnd(64));
		finish_ip(t, MAC_A_HOST, MAC_A, IPPROTO_TCP, a, srv, n, opt, 0x4000);
		t->name = "tcp A->server";
		break;
	case 1: /* A -> server, UDP */
		n = mk_udp(l4, sp, 53, rnd(64), !chance(10));
		finish_ip(t, MAC_A_HOST, MAC_A, IPPROTO_UDP, a, srv, n, opt, 0);
		t->name = "udp A->server";
		break;
	case 2: /* A -> server, ICMP echo */
		n = mk_echo(l4, 8, 0x4242 + rnd(4), rnd(64));
		finish_ip(t, MAC_A_HOST, MAC_A, IPPROTO_ICMP, a, srv, n, opt, 0);
		t->name = "icmp echo A->server";
		break;
	case 3: /* A -> a destination without a neighbour (bpf_redirect_neigh) */
		n = mk_udp(l4, sp, 53, rnd(32), true);
		finish_ip(t, MAC_A_HOST, MAC_A, IPPROTO_UDP, a, fx_ip(NONEIGH), n, opt, 0);
		t->name = "udp A->no neighbour";
		break;
	case 4: /* A -> blackhole */
		n = mk_tcp(l4, sp, 80, 0x02, 0);
		finish_ip(t, MAC_A_HOST, MAC_A, IPPROTO_TCP, a, fx_ip(BLACKHOLE), n, opt, 0);
		t->name = "tcp A->blackhole";
		break;
	case 5: /* A -> another network's container */
		n = mk_tcp(l4, sp, 80, 0x02, 0);
		finish_ip(t, MAC_A_HOST, MAC_A, IPPROTO_TCP, a, fx_ip(IP_OTHER), n, opt, 0);
		t->name = "tcp A->other network";
		break;
	case 6: /* A -> B by B's MAC (forward) */
		n = mk_tcp(l4, sp, 80, (uint8_t)rnd(256), rnd(64));
		finish_ip(t, MAC_B, MAC_A, IPPROTO_TCP, a, b, n, opt, 0);
		t->name = "tcp A->B (L2)";
		break;
	case 7: /* A -> B through the gateway (the host routes it) */
		n = mk_udp(l4, sp, 53, rnd(32), true);
		finish_ip(t, MAC_A_HOST, MAC_A, IPPROTO_UDP, a, b, n, opt, 0);
		t->name = "udp A->B (routed)";
		break;
	case 8: /* A -> the gateway */
		n = mk_echo(l4, 8, 7, 16);
		finish_ip(t, MAC_A_HOST, MAC_A, IPPROTO_ICMP, a, fx_ip(GATEWAY), n, opt, 0);
		t->name = "icmp A->gateway";
		break;
	case 9: /* A broadcasts / multicasts UDP */
		n = mk_udp(l4, 68, 67, rnd(32), true);
		finish_ip(t, chance(50) ? MAC_BCAST : MAC_MCAST, MAC_A, IPPROTO_UDP, a,
			  fx_ip("255.255.255.255"), n, opt, 0);
		t->name = "udp A broadcast";
		break;
	case 10: { /* ARP request from A: for B, the gateway, itself, nobody */
		static const char *tgt[] = {IP_B, GATEWAY, IP_A, "10.66.0.77"};
		uint32_t spa = a, tpa = fx_ip(tgt[rnd(4)]);
		uint8_t *p = t->f.b + ETH_LEN;

		memcpy(t->f.b, MAC_BCAST, 6);
		memcpy(t->f.b + 6, MAC_A, 6);
		put16(t->f.b + 12, 0x0806);
		put16(p, 1);
		put16(p + 2, 0x0800);
		p[4] = 6, p[5] = 4;
		put16(p + 6, chance(80) ? 1 : 2);
		memcpy(p + 8, MAC_A, 6);
		memcpy(p + 14, &spa, 4);
		memset(p + 18, 0, 6);
		memcpy(p + 24, &tpa, 4);
		t->f.len = ETH_LEN + 28 + (chance(50) ? 18 : 0); /* padded to 60 or not */
		memset(t->f.b + ETH_LEN + 28, 0, 18);
		t->name = "arp A";
		break;
	}
	case 11: /* A -> server: a protocol that cannot be translated */
		n = 24;
		rnd_bytes(l4, n);
		finish_ip(t, MAC_A_HOST, MAC_A, chance(50) ? 47 : 132, a, srv, n, opt, 0);
		t->name = "gre/sctp A->server";
		break;
	case 12: /* A -> server: ICMP that is neither echo nor an error */
		n = mk_echo(l4, chance(50) ? 13 : 0, 0x4242, 12);
		finish_ip(t, MAC_A_HOST, MAC_A, IPPROTO_ICMP, a, srv, n, opt, 0);
		t->name = "icmp timestamp/reply A->server";
		break;
	case 13: /* A -> server, UDP first fragment */
		n = mk_udp(l4, sp, 53, 64, true);
		finish_ip(t, MAC_A_HOST, MAC_A, IPPROTO_UDP, a, srv, n, opt, 0x2000);
		put16(t->f.b + ETH_LEN + 4, id);
		fix_csums(&t->f);
		t->name = "udp first fragment A->server";
		break;
	case 14: /* A -> server, a later fragment */
		n = 48;
		rnd_bytes(l4, n);
		finish_ip(t, MAC_A_HOST, MAC_A, IPPROTO_UDP, a, srv, n, opt,
			  (uint16_t)((chance(50) ? 0x2000 : 0) | (9 + rnd(20))));
		put16(t->f.b + ETH_LEN + 4, id);
		fix_csums(&t->f);
		t->name = "later fragment A->server";
		break;
	case 15: { /* B sends an ICMP error about a packet of the published-port flow */
		uint32_t qi = mk_tcp(q + 20, seed.client_port, 80, 0x18, 16);

		qn = mk_ip(q, IPPROTO_TCP, cli, b, qi, 0, 0x4000);
		pkt_fix(q, qn);
		type = err_type(&code);
		n = mk_icmp_err(l4, type, code, q, quote_len(qn, 20));
		finish_ip(t, MAC_B_HOST, MAC_B, IPPROTO_ICMP, b, cli, n, opt, 0);
		t->ifindex = env.if_b;
		t->name = "icmp error B->client (published flow)";
		break;
	}
	case 16: /* B answers on the published-port flow */
		n = mk_tcp(l4, 80, seed.client_port, chance(50) ? 0x12 : 0x10, rnd(64));
		finish_ip(t, MAC_B_HOST, MAC_B, IPPROTO_TCP, b, cli, n, opt, 0x4000);
		t->ifindex = env.if_b;
		t->name = "tcp B->client (published flow)";
		break;
	/* ---- from the outside, on the uplink ---- */
	case 17: /* reply of the seeded TCP flow */
		n = mk_tcp(l4, 80, seed.tcp_nport, chance(50) ? 0x12 : (uint8_t)rnd(256), rnd(64));
		finish_ip(t, MAC_UP, MAC_RTR, IPPROTO_TCP, srv, snat, n, opt, 0x4000);
		t->name = "tcp server->NAT (reply)";
		goto uplink;
	case 18: /* reply of the seeded UDP flow */
		n = mk_udp(l4, 53, seed.udp_nport, rnd(64), !chance(10));
		finish_ip(t, MAC_UP, MAC_RTR, IPPROTO_UDP, srv, snat, n, opt, 0);
		t->name = "udp server->NAT (reply)";
		goto uplink;
	case 19: /* echo reply of the seeded ICMP flow */
		n = mk_echo(l4, 0, seed.icmp_nid, rnd(64));
		finish_ip(t, MAC_UP, MAC_RTR, IPPROTO_ICMP, srv, snat, n, opt, 0);
		t->name = "icmp echo reply server->NAT";
		goto uplink;
	case 20: { /* the router's ICMP error about the seeded TCP or UDP flow */
		bool tcp = chance(50);
		uint32_t qi = tcp ? mk_tcp(q + 20, seed.tcp_nport, 80, 0x18, 24)
				  : mk_udp(q + 20, seed.udp_nport, 53, 24, true);

		qn = mk_ip(q, tcp ? IPPROTO_TCP : IPPROTO_UDP, snat, srv, qi, 0, 0x4000);
		pkt_fix(q, qn);
		type = err_type(&code);
		n = mk_icmp_err(l4, type, code, q, quote_len(qn, 20));
		finish_ip(t, MAC_UP, MAC_RTR, IPPROTO_ICMP, fx_ip(ROUTER), snat, n, opt, 0);
		t->name = "icmp error router->NAT (seeded flow)";
		goto uplink;
	}
	case 21: { /* an ICMP error about an echo of the seeded ICMP flow */
		uint32_t qi = mk_echo(q + 20, 8, seed.icmp_nid, 16);

		qn = mk_ip(q, IPPROTO_ICMP, snat, srv, qi, 0, 0);
		pkt_fix(q, qn);
		type = err_type(&code);
		n = mk_icmp_err(l4, type, code, q, quote_len(qn, 20));
		finish_ip(t, MAC_UP, MAC_RTR, IPPROTO_ICMP, fx_ip(ROUTER), snat, n, opt, 0);
		t->name = "icmp error router->NAT (seeded echo)";
		goto uplink;
	}
	case 22: /* a new flow to the published TCP port */
		n = mk_tcp(l4, 30000 + rnd(100), PUB_TCP, chance(70) ? 0x02 : (uint8_t)rnd(256),
			   rnd(32));
		finish_ip(t, MAC_UP, MAC_RTR, IPPROTO_TCP, cli, snat, n, opt, 0x4000);
		t->name = "tcp client->published port";
		goto uplink;
	case 23: /* a datagram to the published UDP port */
		n = mk_udp(l4, 30000 + rnd(100), PUB_UDP, rnd(64), !chance(10));
		finish_ip(t, MAC_UP, MAC_RTR, IPPROTO_UDP, cli, snat, n, opt, 0);
		t->name = "udp client->published port";
		goto uplink;
	case 24: /* the seeded published-port flow, next segment */
		n = mk_tcp(l4, seed.client_port, PUB_TCP, 0x10, rnd(64));
		finish_ip(t, MAC_UP, MAC_RTR, IPPROTO_TCP, cli, snat, n, opt, 0x4000);
		t->name = "tcp client->published port (established)";
		goto uplink;
	case 25: /* the host's own traffic: not ebnet's */
		n = mk_tcp(l4, 443, 22, 0x12, rnd(32));
		finish_ip(t, MAC_UP, MAC_RTR, IPPROTO_TCP, srv, snat, n, opt, 0x4000);
		t->name = "tcp server->host (not ours)";
		goto uplink;
	case 26: /* 127.0.0.1 from the wire (moby 45610) */
		n = mk_tcp(l4, 30000, PUB_TCP, 0x02, 0);
		finish_ip(t, MAC_UP, MAC_RTR, IPPROTO_TCP, cli, fx_ip("127.0.0.1"), n, opt, 0x4000);
		t->name = "tcp client->127.0.0.1 published port";
		goto uplink;
	case 27: /* a first fragment of a reply (UDP) */
		n = mk_udp(l4, 53, seed.udp_nport, 64, true);
		finish_ip(t, MAC_UP, MAC_RTR, IPPROTO_UDP, srv, snat, n, opt, 0x2000);
		put16(t->f.b + ETH_LEN + 4, id);
		fix_csums(&t->f);
		t->name = "udp first fragment server->NAT";
		goto uplink;
	case 28: /* a later fragment toward the NAT address */
		n = 40;
		rnd_bytes(l4, n);
		finish_ip(t, MAC_UP, MAC_RTR, IPPROTO_UDP, srv, snat, n, opt,
			  (uint16_t)(9 + rnd(20)));
		put16(t->f.b + ETH_LEN + 4, id);
		fix_csums(&t->f);
		t->name = "later fragment server->NAT";
		goto uplink;
	case 29: /* ICMP error with a quote of another protocol */
		qn = mk_ip(q, 47, snat, srv, 8, 0, 0);
		n = mk_icmp_err(l4, 3, 1, q, qn);
		finish_ip(t, MAC_UP, MAC_RTR, IPPROTO_ICMP, fx_ip(ROUTER), snat, n, opt, 0);
		t->name = "icmp error quoting GRE";
		goto uplink;
	case 30: /* A's RST on the seeded flow (no new flow from a reset) */
		n = mk_tcp(l4, 41000, 80, 0x04 | (chance(50) ? 0x10 : 0), 0);
		finish_ip(t, MAC_A_HOST, MAC_A, IPPROTO_TCP, a, srv, n, opt, 0x4000);
		t->name = "tcp RST A->server";
		break;
	case 31: /* A asks the gateway a name (bpf/lib/dns.h): answered, or sent on */
	case 32: {
		static const char *const names[] = {
			"\1b", "\1B\3net", "\4nope", "\4nope\3net", "\7example\3org",
			"\0011\0010\00266\00210\7in-addr\4arpa", "\0019\0019\0019\0019\7in-addr\4arpa",
		};
		const char *nm = names[rnd(7)];
		uint32_t nl = strlen(nm) + 1, pl;
		uint8_t *d = l4 + 8;

		opt = 0; /* no options: the datapath answers those only */
		l4 = l4_at(t, 0);
		d = l4 + 8;
		put16(d, (uint16_t)rnd(65536));
		put16(d + 2, chance(90) ? 0x0100 : (uint16_t)rnd(65536));
		put16(d + 4, chance(90) ? 1 : (uint16_t)rnd(4));
		put16(d + 6, 0);
		put16(d + 8, 0);
		put16(d + 10, chance(20) ? 1 : 0);
		memcpy(d + 12, nm, nl);
		put16(d + 12 + nl, chance(50) ? 1 : (uint16_t)rnd(64));
		put16(d + 14 + nl, 1);
		pl = 16 + nl;
		if (i == 32) { /* the name's bytes garbled or cut */
			rnd_bytes(d + 12 + rnd(nl), 1 + rnd(4));
			pl = 12 + rnd(nl + 5);
		}
		put16(l4, sp);
		put16(l4 + 2, 53);
		put16(l4 + 4, (uint16_t)(8 + pl));
		put16(l4 + 6, chance(90) ? 0xffff : 0);
		finish_ip(t, MAC_A_HOST, MAC_A, IPPROTO_UDP, a, fx_ip(GATEWAY), 8 + pl, 0, 0);
		t->name = i == 31 ? "dns query A->gateway" : "dns query garbled A->gateway";
		break;
	}
	case 33: /* A's TCP to the gateway's port 53: sent on to the upstream */
		n = mk_tcp(l4, sp, 53, chance(50) ? 0x02 : (uint8_t)rnd(256), rnd(64));
		finish_ip(t, MAC_A_HOST, MAC_A, IPPROTO_TCP, a, fx_ip(GATEWAY), n, opt, 0x4000);
		t->name = "tcp A->gateway:53";
		break;
	default: /* A sends an ICMP error about the seeded TCP flow's reply */
	{
		uint32_t qi = mk_tcp(q + 20, 80, 41000, 0x12, 0);

		qn = mk_ip(q, IPPROTO_TCP, srv, a, qi, 0, 0x4000);
		pkt_fix(q, qn);
		type = err_type(&code);
		n = mk_icmp_err(l4, type, code, q, quote_len(qn, 20));
		finish_ip(t, MAC_A_HOST, MAC_A, IPPROTO_ICMP, a, srv, n, opt, 0);
		t->name = "icmp error A->server";
		break;
	}
	}
	return;
uplink:
	t->prog = 1;
	t->ifindex = env.if_up;
}

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
	M_PROTO,	 /* IP protocol changed, nothing else */
	M_MAX,
};

static const char *mut_name[M_MAX] = {
    "none",	     "truncate",      "ihl<5",		 "ihl beyond", "version",
    "tot_len short", "tot_len long",  "ip options",	 "fragment",   "tcp doff",
    "udp length",    "quote garbage", "quote truncated", "flip bytes", "random",
    "bad csum",	     "protocol",
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

static enum mut mutate(struct fr *f)
{
	struct lay l = layout(f);
	uint8_t *iph = f->b + ETH_LEN;
	enum mut m = (enum mut)rnd(M_MAX);
	bool fix = chance(75); /* most inputs keep right checksums */
	uint32_t n;

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
	default:
		break;
	}
	if (fix)
		fix_csums(f);
	return m;
}

/* ---- running ---- */

struct run_res {
	int err;
	int verdict;
	uint32_t decision, target;
	struct fr out;
};

static void run_prog(int prog, int ifindex, const struct fr *in, struct run_res *r)
{
	static struct fx_result fr;

	r->err = fx_run(prog, ifindex, in->b, in->len, 0, &fr);
	r->verdict = (int)fr.retval;
	r->out.len = fr.out_len < sizeof(r->out.b) ? fr.out_len : sizeof(r->out.b);
	memcpy(r->out.b, fr.out, r->out.len);
	r->decision = fr.decision;
	r->target = fr.target;
}

/* Makes the flows that replies refer to; returns 0 when all were made. */
static int seed_flows(void)
{
	struct tmpl_out t;
	struct run_res r;
	uint32_t a = fx_ip(IP_A), srv = fx_ip(SERVER), snat = fx_ip(SNAT_IP), cli = fx_ip(CLIENT);
	uint8_t *l4 = l4_at(&t, 0);
	uint32_t n;

	memset(&t, 0, sizeof(t));
	n = mk_tcp(l4, 41000, 80, 0x02, 0);
	finish_ip(&t, MAC_A_HOST, MAC_A, IPPROTO_TCP, a, srv, n, 0, 0x4000);
	run_prog(fx.pc, env.if_a, &t.f, &r);
	if (r.err || r.verdict != TC_ACT_REDIRECT)
		return -1;
	seed.tcp_nport = get16(r.out.b + ETH_LEN + 20);

	n = mk_udp(l4, 41001, 53, 8, true);
	finish_ip(&t, MAC_A_HOST, MAC_A, IPPROTO_UDP, a, srv, n, 0, 0);
	run_prog(fx.pc, env.if_a, &t.f, &r);
	if (r.err || r.verdict != TC_ACT_REDIRECT)
		return -1;
	seed.udp_nport = get16(r.out.b + ETH_LEN + 20);

	n = mk_echo(l4, 8, 0x4242, 8);
	finish_ip(&t, MAC_A_HOST, MAC_A, IPPROTO_ICMP, a, srv, n, 0, 0);
	run_prog(fx.pc, env.if_a, &t.f, &r);
	if (r.err || r.verdict != TC_ACT_REDIRECT)
		return -1;
	seed.icmp_nid = get16(r.out.b + ETH_LEN + 20 + 4);

	seed.client_port = 33000 + rnd(1000);
	n = mk_tcp(l4, seed.client_port, PUB_TCP, 0x02, 0);
	finish_ip(&t, MAC_UP, MAC_RTR, IPPROTO_TCP, cli, snat, n, 0, 0x4000);
	run_prog(fx.pu, env.if_up, &t.f, &r);
	if (r.err || r.verdict != TC_ACT_REDIRECT)
		return -1;
	return 0;
}

/* ---- the invariants, counted over the whole run ---- */

enum inv_check {
	C_RUN,		      /* test_run accepted the frame */
	C_VERDICT,	      /* a known verdict */
	C_DROP_COUNT,	      /* a SHOT moves exactly its drop counter, by one */
	C_NO_DROP,	      /* other verdicts move no drop counter */
	C_PASS_INTACT,	      /* OK/UNSPEC: every byte as it came */
	C_REDIR_CSUM,	      /* REDIRECT: checksums right on input are right on output */
	C_REDIR_CSUM_TRAILER, /* ...of a frame with bytes after the IP packet */
	C_REDIR_XLATE,	      /* REDIRECT: the translation is whole (addresses, MACs, target) */
	C_NMAX,
};

static const char *check_name[C_NMAX] = {
    "BPF_PROG_TEST_RUN accepts every frame of 14 bytes or more",
    "every verdict is a known one (container: OK/SHOT/REDIRECT; uplink: UNSPEC/SHOT/REDIRECT)",
    "every SHOT moves one drop counter of eb_stats by one, the reason left in skb->cb",
    "no verdict but SHOT moves a drop counter",
    "a pass (OK/UNSPEC) leaves every byte as it came",
    "a REDIRECT carries right checksums (IP, L4 with pseudo header, quoted IP) when the input had "
    "them",
    "...also when the frame has bytes after the IP packet (tot_len < frame: a trailer)",
    "a REDIRECT carries a whole translation (NAT source out, container address and MACs in)",
};

static uint64_t viol[C_NMAX];
static uint64_t ct_viol[INV_MAX], xlate_viol[INV_MAX], inv_seen[INV_MAX];
static uint64_t n_frames, n_verdict[2][16], n_short_refused, n_refused;
static uint64_t n_by_mut[M_MAX], n_decision[2][EB_CNT_MAX];

static void hexdump(const struct fr *f)
{
	for (uint32_t i = 0; i < f->len && i < 96; i++)
		fprintf(stderr, "%02x%s", f->b[i], (i % 32) == 31 ? "\n    " : " ");
	fprintf(stderr, "%s\n", f->len > 96 ? "..." : "");
}

/* kind 0: check c; 1: state made from invalid frame of reason c; 2:
 * invalid frame of reason c translated and forwarded. */
static void report(int c, int kind, const struct tmpl_out *t, enum mut m, const struct run_res *r,
		   const char *detail)
{
	uint64_t n = kind == 1 ? ct_viol[c] : kind == 2 ? xlate_viol[c] : viol[c];
	const char *what = kind == 1   ? "conntrack entry made from an invalid frame: "
			   : kind == 2 ? "invalid frame translated and forwarded: "
				       : check_name[c];

	if (n >= 3)
		return; /* the first three of each kind */
	fprintf(stderr, "FAIL frame %" PRIu64 " (%s, mutation %s, %s, %u bytes): %s%s%s\n",
		n_frames, t->name, mut_name[m], t->prog ? "eb_from_uplink" : "eb_from_container",
		t->f.len, what, kind ? inv_name[c] : "", detail ? detail : "");
	fprintf(stderr, "    verdict %d decision %u target %u; frame:\n    ", r->verdict,
		r->decision, r->target);
	hexdump(&t->f);
}

/* BPF_PROG_TEST_RUN itself refuses an IPv4 frame without a whole IPv4
 * header (and IPv6 likewise): such frames can reach TC on a wire, but no
 * test can run them. Counted apart. */
static bool kernel_refuses(const struct fr *f)
{
	uint16_t et = get16(f->b + 12);

	return (et == 0x0800 && f->len < ETH_LEN + 20) || (et == 0x86dd && f->len < ETH_LEN + 40);
}

static bool verdict_known(int prog, int v)
{
	if (v == TC_ACT_SHOT || v == TC_ACT_REDIRECT)
		return true;
	return prog == 0 ? v == TC_ACT_OK : v == TC_ACT_UNSPEC;
}

static const uint8_t *ep_mac(uint32_t ifindex, bool host)
{
	if (ifindex == (uint32_t)env.if_a)
		return host ? MAC_A_HOST : MAC_A;
	if (ifindex == (uint32_t)env.if_b)
		return host ? MAC_B_HOST : MAC_B;
	return NULL;
}

/* A DNS answer of the datapath: back out of the asker's port, UDP from 53. */
static bool is_dns_answer(const struct tmpl_out *t, const struct run_res *r)
{
	struct lay lo = layout(&r->out);

	return t->prog == 0 && r->target == (uint32_t)t->ifindex && lo.ipv4 &&
	       r->out.b[ETH_LEN + 9] == IPPROTO_UDP && get16(r->out.b + ETH_LEN + 20) == 53;
}

/* Is a REDIRECT's packet a whole translation? Returns NULL or what is wrong. */
static const char *redirect_whole(const struct tmpl_out *t, const struct run_res *r)
{
	struct lay lo = layout(&r->out);
	uint32_t saddr, daddr;
	const uint8_t *mac;

	if (is_dns_answer(t, r)) {
		/* A DNS answer, back out of the port: to the asker, from the
		 * gateway (its checksums are checked by the caller). */
		memcpy(&saddr, r->out.b + ETH_LEN + 12, 4);
		memcpy(&daddr, r->out.b + ETH_LEN + 16, 4);
		if (memcmp(r->out.b, MAC_A, 6) || memcmp(r->out.b + 6, MAC_A_HOST, 6))
			return ": a DNS answer without the asker's MACs";
		if (saddr != fx_ip(GATEWAY) || daddr != fx_ip(IP_A))
			return ": a DNS answer not from the gateway to the asker";
		if ((uint32_t)get16(r->out.b + ETH_LEN + 2) + ETH_LEN != r->out.len ||
		    (uint32_t)get16(r->out.b + ETH_LEN + 24) + ETH_LEN + 20 != r->out.len)
			return ": a DNS answer whose lengths are not the packet's";
		return NULL;
	}
	if (r->decision == EB_CNT_ICMP_SENT) {
		/* The datapath as a router: an ICMP error (frag needed, time
		 * exceeded) to the sender, back where it came from. */
		if (r->target != (uint32_t)t->ifindex)
			return ": an ICMP error not sent back where the packet came from";
		if (!lo.ipv4 || r->out.b[ETH_LEN + 9] != 1 ||
		    (r->out.b[ETH_LEN + 20] != 3 && r->out.b[ETH_LEN + 20] != 11))
			return ": icmp_sent, but no ICMP error";
		if (memcmp(r->out.b + ETH_LEN + 16, t->f.b + ETH_LEN + 12, 4) ||
		    memcmp(r->out.b, t->f.b + 6, 6))
			return ": an ICMP error, not to the packet's sender";
		return NULL;
	}
	if (r->decision == EB_CNT_TO_UPLINK) {
		/* To the host's address with no host socket: the frame goes
		 * to the uplink's ingress as it is, but for its MAC. */
		if (t->prog != 0 || r->target != (uint32_t)env.if_up)
			return ": to_uplink, but not from a container to the uplink";
		if (r->out.len != t->f.len || memcmp(r->out.b + 6, t->f.b + 6, t->f.len - 6))
			return ": to_uplink, but changed";
		return NULL;
	}
	if (r->out.len != t->f.len)
		return ": length changed";
	if (t->prog == 0) {
		if (r->target == (uint32_t)env.if_up) {
			if (!lo.ipv4)
				return ": out of the uplink, not IPv4";
			memcpy(&saddr, r->out.b + ETH_LEN + 12, 4);
			if (saddr != fx_ip(SNAT_IP))
				return ": out of the uplink with a source other than the NAT "
				       "address";
			return NULL;
		}
		if (r->target == (uint32_t)t->ifindex) {
			/* an ARP reply, back out of the port */
			if (get16(r->out.b + 12) != 0x0806 || get16(r->out.b + ETH_LEN + 6) != 2)
				return ": back to the sender, but not an ARP reply";
			return NULL;
		}
		if (ep_mac(r->target, false)) {
			if (memcmp(r->out.b, t->f.b, t->f.len))
				return ": forwarded to a container, but changed";
			return NULL;
		}
		return ": redirected to an unknown device";
	}
	mac = ep_mac(r->target, false);
	if (!mac)
		return ": from the uplink to a device that is no container's";
	if (memcmp(r->out.b, mac, 6) || memcmp(r->out.b + 6, ep_mac(r->target, true), 6))
		return ": into a container without its MACs";
	if (!lo.ipv4)
		return ": into a container, not IPv4";
	memcpy(&daddr, r->out.b + ETH_LEN + 16, 4);
	if (daddr != fx_ip(r->target == (uint32_t)env.if_a ? IP_A : IP_B))
		return ": into a container, destination not its address";
	return NULL;
}

static void one_frame(struct tmpl_out *t, enum mut m)
{
	static struct snap before[3], after[3];
	uint64_t s0[EB_CNT_MAX], s1[EB_CNT_MAX], drops = 0;
	enum inv why = invalid_reason(&t->f);
	int prog = t->prog ? fx.pu : fx.pc;
	int fds[3] = {fx.ct_tcp, fx.ct_other, fx.frags};
	uint32_t ks[3] = {sizeof(struct eb_ct_key), sizeof(struct eb_ct_key),
			  sizeof(struct eb_frag_key)};
	uint32_t cs_in = csum_state(&t->f), cs_out, moved = 0, moved_idx = 0;
	struct run_res r;
	const char *what;
	char det[96];

	n_frames++;
	n_by_mut[m]++;
	inv_seen[why]++;
	if (why != INV_NONE)
		for (int i = 0; i < 3; i++)
			snap_take(fds[i], ks[i], &before[i]);
	stats_read(s0);
	run_prog(prog, t->ifindex, &t->f, &r);
	if (r.err == -EINVAL && kernel_refuses(&t->f)) {
		n_refused++;
		return;
	}
	if (r.err) {
		snprintf(det, sizeof(det), ": %s", strerror(-r.err));
		report(C_RUN, 0, t, m, &r, det);
		viol[C_RUN]++;
		return;
	}
	stats_read(s1);
	n_verdict[t->prog][(r.verdict + 1) & 15]++;
	n_decision[t->prog][r.decision < EB_CNT_MAX ? r.decision : 0]++;

	if (!verdict_known(t->prog, r.verdict)) {
		snprintf(det, sizeof(det), ": verdict %d", r.verdict);
		report(C_VERDICT, 0, t, m, &r, det);
		viol[C_VERDICT]++;
	}
	for (uint32_t i = EB_CNT_DROP_FIRST; i < EB_CNT_DROP_END; i++) {
		if (s1[i] != s0[i]) {
			moved++;
			moved_idx = i;
			drops += s1[i] - s0[i];
		}
	}
	if (r.verdict == TC_ACT_SHOT) {
		if (drops != 1 || moved != 1 || moved_idx != r.decision) {
			snprintf(det, sizeof(det),
				 ": %" PRIu64 " drops over %u counters (last %u), decision %u",
				 drops, moved, moved_idx, r.decision);
			report(C_DROP_COUNT, 0, t, m, &r, det);
			viol[C_DROP_COUNT]++;
		}
	} else if (drops) {
		snprintf(det, sizeof(det), ": counter %u moved", moved_idx);
		report(C_NO_DROP, 0, t, m, &r, det);
		viol[C_NO_DROP]++;
	}
	if (r.verdict == TC_ACT_OK || r.verdict == TC_ACT_UNSPEC) {
		if (r.out.len != t->f.len || memcmp(r.out.b, t->f.b, t->f.len)) {
			report(C_PASS_INTACT, 0, t, m, &r, NULL);
			viol[C_PASS_INTACT]++;
		}
	}
	if (r.verdict == TC_ACT_REDIRECT && why == INV_NONE) {
		cs_out = csum_state(&r.out);
		/* A DNS answer is a packet made anew: both its checksums are
		 * complete, whatever the query had (UDP checksum 0 included). */
		if (is_dns_answer(t, &r))
			cs_in = CS_IP | CS_L4;
		if ((cs_in & cs_out) != cs_in) {
			int c = has_trailer(&t->f) ? C_REDIR_CSUM_TRAILER : C_REDIR_CSUM;

			snprintf(det, sizeof(det), ": checksums in %#x, out %#x", cs_in, cs_out);
			report(c, 0, t, m, &r, det);
			viol[c]++;
		}
		what = redirect_whole(t, &r);
		if (what) {
			report(C_REDIR_XLATE, 0, t, m, &r, what);
			viol[C_REDIR_XLATE]++;
		}
	}
	if (why != INV_NONE && r.verdict == TC_ACT_REDIRECT &&
	    (r.out.len != t->f.len || memcmp(r.out.b, t->f.b, t->f.len))) {
		report(why, 2, t, m, &r, NULL);
		xlate_viol[why]++;
	}
	if (why != INV_NONE) {
		uint32_t added = 0;

		for (int i = 0; i < 3; i++) {
			snap_take(fds[i], ks[i], &after[i]);
			added += snap_new(&before[i], &after[i]);
		}
		if (added) {
			snprintf(det, sizeof(det), " (%u new keys)", added);
			report(why, 1, t, m, &r, det);
			ct_viol[why]++;
		}
	}
}

static void too_short(void)
{
	/* Under 14 bytes no frame reaches TC: test_run refuses it too. */
	struct fr f = {};
	struct run_res r;

	for (uint32_t n = 0; n < ETH_LEN; n++) {
		f.len = n;
		rnd_bytes(f.b, n);
		run_prog(fx.pc, env.if_a, &f, &r);
		n_short_refused += r.err == -EINVAL;
		run_prog(fx.pu, env.if_up, &f, &r);
		n_short_refused += r.err == -EINVAL;
	}
	ASSERT_EQ(n_short_refused, 2 * ETH_LEN, "frames of 0..13 bytes are refused (no TC run)");
}

int main(void)
{
	uint64_t seed0 = 0xeb6e7f022aULL, frames = 120000;
	const char *s;
	struct timespec t0, t1;
	double secs;

	if ((s = getenv("EB_FUZZ_SEED")))
		seed0 = strtoull(s, NULL, 0);
	if ((s = getenv("EB_FUZZ_FRAMES")))
		frames = strtoull(s, NULL, 0);
	rng = seed0 ? seed0 : 1;
	printf("# seed 0x%" PRIx64 ", %" PRIu64 " frames (EB_FUZZ_SEED, EB_FUZZ_FRAMES)\n", seed0,
	       frames);
	if (geteuid() != 0) {
		SKIP("needs root (unshare, BPF_PROG_TEST_RUN)");
		return eb_check_done();
	}
	if (setup_netns() || fx_open()) {
		ASSERT_TRUE(0, "set up the private network namespace and load the programs");
		fx_close();
		return eb_check_done();
	}
	for (int i = 0; i < 4; i++)
		seed.frag_ids[i] = (uint16_t)(0x7000 + i);
	if (!ASSERT_EQ(seed_flows(), 0,
		       "seed flows: TCP, UDP, ICMP out, a published-port flow in")) {
		fx_close();
		return eb_check_done();
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	too_short();
	while (n_frames < frames) {
		struct tmpl_out t;
		enum mut m;

		/* Conntrack small: its snapshots stay cheap. */
		if ((n_frames & 63) == 0 && map_count(fx.ct_tcp, 16) + map_count(fx.ct_other, 16) +
						    map_count(fx.frags, 12) >
						64) {
			map_flush(fx.ct_tcp, 16);
			map_flush(fx.ct_other, 16);
			map_flush(fx.frags, 12);
			if (seed_flows()) {
				ASSERT_TRUE(0, "seed flows again after emptying conntrack");
				break;
			}
		}
		tmpl((int)rnd(NTEMPLATES), &t);
		m = mutate(&t.f);
		if (t.f.len < ETH_LEN)
			t.f.len = ETH_LEN;
		/* Now and then on another port than its own: the uplink's
		 * frames on a container port and back, and on a port that is
		 * no container's. */
		if (chance(3)) {
			t.prog = !t.prog;
			t.ifindex = t.prog ? env.if_up : env.if_a;
		} else if (chance(1)) {
			t.ifindex = chance(50) ? env.if_lo : env.if_x;
		}
		one_frame(&t, m);
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;

	printf("# %" PRIu64 " frames in %.1f s; verdicts container: OK %" PRIu64 " SHOT %" PRIu64
	       " REDIRECT %" PRIu64 "; uplink: UNSPEC %" PRIu64 " SHOT %" PRIu64
	       " REDIRECT %" PRIu64 "\n",
	       n_frames, secs, n_verdict[0][TC_ACT_OK + 1], n_verdict[0][TC_ACT_SHOT + 1],
	       n_verdict[0][TC_ACT_REDIRECT + 1], n_verdict[1][TC_ACT_UNSPEC + 1],
	       n_verdict[1][TC_ACT_SHOT + 1], n_verdict[1][TC_ACT_REDIRECT + 1]);
	printf("# mutations:");
	for (int i = 0; i < M_MAX; i++)
		printf(" %s %" PRIu64 ";", mut_name[i], n_by_mut[i]);
	for (int p = 0; p < 2; p++) {
		printf("\n# decisions (enum eb_counter: frames) of %s:",
		       p ? "eb_from_uplink" : "eb_from_container");
		for (int i = 0; i < EB_CNT_MAX; i++)
			if (n_decision[p][i])
				printf(" %d: %" PRIu64, i, n_decision[p][i]);
	}
	printf("\n# invalid frames by reason:");
	for (int i = 1; i < INV_MAX; i++)
		printf(" %s %" PRIu64 ";", inv_name[i], inv_seen[i]);
	printf("\n");

	ASSERT_TRUE(n_frames >= 100000 || getenv("EB_FUZZ_FRAMES"), "at least 100,000 frames");
	for (int c = 0; c < C_NMAX; c++)
		ASSERT_EQ(viol[c], 0, check_name[c]);
	for (int i = 1; i < INV_MAX; i++) {
		char what[2][200];

		snprintf(what[0], sizeof(what[0]),
			 "no conntrack or fragment entry from an invalid frame: %s (%" PRIu64
			 " seen)",
			 inv_name[i], inv_seen[i]);
		snprintf(what[1], sizeof(what[1]),
			 "no invalid frame translated and forwarded: %s (%" PRIu64 " seen)",
			 inv_name[i], inv_seen[i]);
		ASSERT_EQ(ct_viol[i], 0, what[0]);
		ASSERT_EQ(xlate_viol[i], 0, what[1]);
	}
	printf("# %" PRIu64 " frames of an IPv4 EtherType shorter than an IPv4 header: refused by "
	       "BPF_PROG_TEST_RUN itself, not run\n",
	       n_refused);
	/* (Its time is printed above, not asserted: speed belongs to the
	 * benchmark, and a loaded machine is no defect of the datapath.) */
	fx_close();
	return eb_check_done();
}
