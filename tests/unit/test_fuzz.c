// SPDX-License-Identifier: GPL-2.0
/*
 * Malformed packets (issue 6; IPv6: issue 16): well over 100,000 random,
 * truncated and inconsistent frames through eb_from_container and
 * eb_from_uplink with BPF_PROG_TEST_RUN, against a seeded network (two
 * containers, an uplink with a route out, published ports, live NAT
 * flows), IPv4 and IPv6 alike. Every frame starts as one of ~35 valid IPv4
 * templates (SNAT, its replies, DNAT, ICMP errors, fragments, ARP,
 * broadcast, forwarding, isolation, no route, DNS queries to the gateway,
 * whole or garbled, answered or sent on...) or ~30 IPv6 ones (NS for the
 * gateway and a peer, DAD, ping6 of the gateway, forwarding, NAT66 out
 * (TCP, UDP, echo) and its replies, ICMPv6 errors from outside and from a
 * container, extension headers, multicast and MLD, DNAT6 to a published
 * port and its reply, and NAT46: an IPv6 client to a published port of a
 * network without IPv6 and the container's IPv4 answer), and is then
 * mutated: truncated, bad IHL, IP options, version != 4 (6), tot_len or
 * the payload length too short or too long, fragment bits, TTL or hop
 * limit 0/1, an extension header put in, the next header changed, TCP
 * data offset, UDP length, ICMP errors quoting garbage or a truncated
 * quote, flipped bytes, or replaced by random bytes.
 *
 * Two worlds side by side, each its own programs and maps: the network
 * with IPv6 (eb_config6 on, fd00:66::/64), and the same without IPv6
 * (eb_config6 flags 0), where the NAT46 templates run.
 *
 * What must hold, for every frame (counted apart for IPv4 and IPv6):
 *  verdicts   container: OK, SHOT or REDIRECT; uplink: UNSPEC, SHOT or
 *             REDIRECT. Nothing else, and test_run itself never fails.
 *  drops      a SHOT moves exactly one counter of eb_stats by one packet,
 *             a drop reason (>= EB_CNT_DROP_FIRST), the one the program
 *             left in skb->cb[0] (or is NDP/MLD gone quietly: ndp_ignored
 *             by one, no drop counter); any other verdict moves no drop
 *             counter.
 *  no state   an invalid frame (defined by invalid_reason() below, IPv4
 *             and IPv6) creates no key in eb_ct_tcp, eb_ct_other,
 *             eb_frags, eb_ct6_tcp or eb_ct6_other, and is not translated.
 *  no half    a REDIRECT carries a whole translation: every checksum that
 *             was right on input (IPv4 header; L4 with its pseudo header,
 *             IPv6's or, when NAT46 changed the family, IPv4's; an ICMP
 *             error's quoted IPv4 header; an ICMPv6 error's quoted L4) is
 *             right on output, a packet out of the uplink has the NAT
 *             source, a packet into a container has its address and MACs,
 *             NAT46 changes the EtherType, the length by 20 and nothing of
 *             the L4 payload; the gateway's own answers (NA, ICMPv6
 *             errors) go back to the asker. A pass (OK, UNSPEC) leaves
 *             every byte as it was.
 *
 * The seed is fixed (EB_FUZZ_SEED overrides it, EB_FUZZ_FRAMES the count)
 * and printed, so that a failure can be replayed. A failure prints the
 * frame in hex with its template and mutation (and what came out). (It
 * found two bugs of NAT46, fixed in bpf/lib/nat46.h: tests/unit/
 * test_nat46.c keeps their frames.)
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
#include "nl.h"
#include "ebnet_obs.h"

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

/* IPv6 (issue 16): the network's /64, its containers (prefix + their IPv4
 * host number, as `ebnet up --ipv6` gives them), the uplink's address. */
#define PREFIX6	 "fd00:66::"
#define GW6	 "fd00:66::1"
#define A6	 "fd00:66::2"
#define B6	 "fd00:66::3"
#define OTHER6	 "fd00:67::5"	    /* another network's, behind fz_x */
#define SNAT6	 "2001:db8:100::1"  /* the uplink's address: NAT66, published ports */
#define ROUTER6	 "2001:db8:100::fe" /* the default route, neighbour known */
#define SERVER6	 "2001:db8:113::2"
#define CLIENT6	 "2001:db8:113::7"  /* talks to the published ports */
#define NONEIGH6 "2001:db8:200::10" /* via 2001:db8:100::fd, no neighbour */
#define ETH_P6	 0x86dd
#define IP6_L4	 (ETH_LEN + 40) /* the L4 header of an IPv6 frame without extensions */

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

/* The IPv6 addresses as 16 bytes; LL_A: A's EUI-64 link-local. */
static uint8_t a6[16], b6[16], gw6[16], prefix6[16], other6[16], snat6[16], router6[16],
    server6[16], client6[16], noneigh6[16], ll_a[16], any6[16];

static void in6(const char *s, uint8_t out[16])
{
	if (inet_pton(AF_INET6, s, out) != 1)
		memset(out, 0, 16);
}

static void addrs6(void)
{
	in6(A6, a6);
	in6(B6, b6);
	in6(GW6, gw6);
	in6(PREFIX6, prefix6);
	in6(OTHER6, other6);
	in6(SNAT6, snat6);
	in6(ROUTER6, router6);
	in6(SERVER6, server6);
	in6(CLIENT6, client6);
	in6(NONEIGH6, noneigh6);
	memset(ll_a, 0, 16);
	ll_a[0] = 0xfe;
	ll_a[1] = 0x80;
	ll_a[8] = MAC_A[0] ^ 2;
	ll_a[9] = MAC_A[1];
	ll_a[10] = MAC_A[2];
	ll_a[11] = 0xff;
	ll_a[12] = 0xfe;
	memcpy(ll_a + 13, MAC_A + 3, 3);
	memset(any6, 0, 16);
}

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

/*
 * IPv6 in the namespace, as `ebnet up --ipv6` leaves the host (loader/ipv6.c,
 * loader/nat6.c): the gateway's address on each port, a /128 route and a
 * permanent neighbour per container, IPv6 forwarding on the ports (else
 * bpf_fib_lookup answers FWD_DISABLED); the uplink's address, a default
 * route via a known neighbour, a route via one that is not known, and
 * another network's prefix behind fz_x. libebnet's netlink calls, on a
 * socket of this test's own (fixture.h has IPv4 helpers only).
 */
static int setup_netns6(void)
{
	static const uint8_t norouter6[16] = {0x20, 0x01, 0x0d, 0xb8, 0x01, 0x00, [15] = 0xfd};
	uint8_t net200[16] = {0x20, 0x01, 0x0d, 0xb8, 0x02, 0x00}, net67[16] = {};
	struct eb_nl nl;
	int err;

	memcpy(net67, other6, 8);
	err = eb_nl_open(&nl);
	if (err) {
		fprintf(stderr, "setup: netlink: %s\n", strerror(-err));
		return -1;
	}
	/* Each step's errno kept: the first that fails is named. */
	const char *step = "address on up0";

	if (!(err = eb_nl_addr6_add(&nl, env.if_up, snat6, 64, false)) &&
	    (step = "default route") &&
	    !(err = eb_nl_route6_add(&nl, any6, 0, router6, env.if_up)) && (step = "router") &&
	    !(err = eb_nl_neigh6_add(&nl, env.if_up, router6, MAC_RTR)) &&
	    (step = "2001:db8:200::/64") &&
	    !(err = eb_nl_route6_add(&nl, net200, 64, norouter6, env.if_up)) &&
	    (step = "fd00:67::/64") && !(err = eb_nl_route6_add(&nl, net67, 64, NULL, env.if_x)) &&
	    (step = "gateway on fz_a") && !(err = eb_nl_addr6_add(&nl, env.if_a, gw6, 128, true)) &&
	    (step = "gateway on fz_b") && !(err = eb_nl_addr6_add(&nl, env.if_b, gw6, 128, true)) &&
	    (step = "routes of A, B") && !(err = eb_nl_route6_add(&nl, a6, 128, NULL, env.if_a)) &&
	    !(err = eb_nl_route6_add(&nl, b6, 128, NULL, env.if_b)) && (step = "neighbours A, B") &&
	    !(err = eb_nl_neigh6_add(&nl, env.if_a, a6, MAC_A)))
		err = eb_nl_neigh6_add(&nl, env.if_b, b6, MAC_B);
	eb_nl_close(&nl);
	if (err) {
		fprintf(stderr, "setup: IPv6 %s: %s%s%s\n", step, strerror(-err),
			eb_nl_extack()[0] ? "; kernel: " : "", eb_nl_extack());
		return -1;
	}
	/* Only inside this namespace. */
	if (fx_sysctl("/proc/sys/net/ipv6/conf/fz_a/forwarding", "1") ||
	    fx_sysctl("/proc/sys/net/ipv6/conf/fz_b/forwarding", "1") ||
	    fx_sysctl("/proc/sys/net/ipv6/conf/up0/forwarding", "1"))
		return -1;
	return 0;
}

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
	return setup_netns6();
}

/* ---- the programs and their maps ---- */

/*
 * Two worlds side by side in the namespace, each its own programs and
 * maps: fx, the network with IPv6 (eb_config6 on: NAT66, DNAT6, NDP), and
 * fx46, the same network without IPv6 (eb_config6 flags 0), where an IPv6
 * client reaches B's published ports through NAT46 (bpf/lib/nat46.h).
 */
struct world {
	struct fx_progs p;
	struct container_bpf *c;
	int pc, pu;
	int cfg, eps, ports, fdb, flood, stats, ct_tcp, ct_other, frags, published;
	int ct6_tcp, ct6_other;
	int ncpu;
};

static struct world fx, fx46;

static void put_ep(struct world *w, const char *addr, int ifindex, const uint8_t *mac,
		   const uint8_t *host_mac, const char *name, uint32_t slot)
{
	struct eb_endpoint ep;
	char dev[16];

	snprintf(dev, sizeof(dev), "fz_%s", name);
	fx_ep(&ep, addr, ifindex, mac, host_mac, name, dev, slot);
	fx_put_ep(&w->p, &ep);
	fx_put_fdb(&w->p, &ep);
	fx_put_flood(&w->p, slot, ifindex);
}

static void put_pub(struct world *w, uint16_t port, uint8_t proto, uint16_t cport)
{
	fx_put_pub(&w->p, 0, port, proto, IP_B, cport, env.if_b, "b");
}

/* The IPv6 of a world: eb_config6 (off without v6), the containers'
 * addresses, the host's address in eb_host6 (where published ports answer,
 * in both worlds). */

/* A container's stored IPv6 address (eb_addr6: its IPv4 -> IPv6). */
static int put_addr6(struct world *w, const char *ip4, const uint8_t *ip6)
{
	struct eb_ip_key k = { .addr = fx_ip(ip4) };
	struct eb_addr6 v = {};

	memcpy(v.addr, ip6, 16);
	return bpf_map_update_elem(FX_MAP(&w->p, eb_addr6), &k, &v, BPF_ANY) ? -1 : 0;
}

static int put_ipv6(struct world *w, bool v6)
{
	struct eb_config6 c6 = {};
	struct eb_ip6_key k = {};
	uint32_t zero = 0, one = 1;

	memcpy(k.addr, snat6, 16);
	if (bpf_map_update_elem(FX_MAP(&w->p, eb_host6), &k, &one, BPF_ANY))
		return -1;
	if (v6) {
		struct eb_ip6_ep ea = {.ifindex = env.if_a, .slot = 0, .ip4 = fx_ip(IP_A)};
		struct eb_ip6_ep eb = {.ifindex = env.if_b, .slot = 1, .ip4 = fx_ip(IP_B)};

		memcpy(c6.prefix, prefix6, 16);
		memcpy(c6.gateway, gw6, 16);
		memcpy(c6.snat_ip6, snat6, 16);
		c6.plen = 64;
		c6.flags = EB_CFG6_ON;
		memcpy(ea.mac, MAC_A, 6);
		memcpy(eb.mac, MAC_B, 6);
		memcpy(k.addr, a6, 16);
		if (bpf_map_update_elem(FX_MAP(&w->p, eb_ip6), &k, &ea, BPF_ANY))
			return -1;
		memcpy(k.addr, b6, 16);
		if (bpf_map_update_elem(FX_MAP(&w->p, eb_ip6), &k, &eb, BPF_ANY))
			return -1;
		/* Their stored addresses, as `up` writes them (eb_ctr_ip6). */
		if (put_addr6(w, IP_A, a6) || put_addr6(w, IP_B, b6))
			return -1;
	}
	return bpf_map_update_elem(FX_MAP(&w->p, eb_config6), &zero, &c6, BPF_ANY) ? -1 : 0;
}

static int fx_open(struct world *w, bool v6)
{
	/* Small conntrack maps: the test empties them often. */
	struct fx_load_opts lo = {.uplink = true, .ct_tcp_max = 4096, .ct_other_max = 4096};
	struct eb_config cfg;
	uint32_t zero = 0;

	if (fx_load(&w->p, &lo))
		return -1;
	w->c = w->p.c;
	w->pc = w->p.pc;
	w->pu = w->p.pu;
	w->cfg = FX_MAP(&w->p, eb_config);
	w->eps = FX_MAP(&w->p, eb_endpoints);
	w->ports = FX_MAP(&w->p, eb_ports);
	w->fdb = FX_MAP(&w->p, eb_fdb_v2);
	w->flood = FX_MAP(&w->p, eb_flood);
	w->stats = FX_MAP(&w->p, eb_stats);
	w->ct_tcp = FX_MAP(&w->p, eb_ct_tcp);
	w->ct_other = FX_MAP(&w->p, eb_ct_other);
	w->frags = FX_MAP(&w->p, eb_frags);
	w->ct6_tcp = FX_MAP(&w->p, eb_ct6_tcp);
	w->ct6_other = FX_MAP(&w->p, eb_ct6_other);
	w->published = FX_MAP(&w->p, eb_pub_ports);
	w->ncpu = libbpf_num_possible_cpus();

	fx_config(&cfg, SUBNET, 24, &w->p);
	fx_config_uplink(&cfg, env.if_up, MAC_UP, SNAT_IP, NAT_MIN, NAT_MAX);
	cfg.flood_max = 2;
	if (fx_config_write(&w->p, &cfg))
		return -1;
	put_ep(w, IP_A, env.if_a, MAC_A, MAC_A_HOST, "a", 0);
	put_ep(w, IP_B, env.if_b, MAC_B, MAC_B_HOST, "b", 1);
	put_pub(w, PUB_TCP, IPPROTO_TCP, 80);
	put_pub(w, PUB_UDP, IPPROTO_UDP, 53);
	if (put_ipv6(w, v6))
		return -1;
	{
		/* Names: b, b.net, its PTR; other names go to SERVER. */
		struct eb_dns_cfg dc = {
		    .domain = {3, 'n', 'e', 't', 0}, .domain_len = 5, .ttl = 10, .n_up = 1};
		struct eb_name_val nv = {.ip = fx_ip(IP_B)};
		struct eb_name_rev rv = {.len = 7, .name = {1, 'b', 3, 'n', 'e', 't', 0}};
		struct eb_name_key nk = {.name = {1, 'b'}};
		struct eb_ip_key k = {.addr = fx_ip(IP_B)};

		dc.up[0] = fx_ip(SERVER);
		if (bpf_map_update_elem(FX_MAP(&w->p, eb_dns), &zero, &dc, BPF_ANY) ||
		    bpf_map_update_elem(FX_MAP(&w->p, eb_names), &nk, &nv, BPF_ANY) ||
		    bpf_map_update_elem(FX_MAP(&w->p, eb_names_rev), &k, &rv, BPF_ANY))
			return -1;
		memcpy(nk.name, "\1b\3net", 7);
		if (bpf_map_update_elem(FX_MAP(&w->p, eb_names), &nk, &nv, BPF_ANY))
			return -1;
	}
	return w->ncpu > 0 ? 0 : -1;
}

static void fx_close(void)
{
	fx_unload(&fx.p);
	fx_unload(&fx46.p);
}

/* ---- map state ---- */

/* Packets of every counter, summed over the CPUs: one batch lookup. */
static int stats_read(const struct world *w, uint64_t out[EB_CNT_MAX])
{
	static struct eb_counter_val *vals;
	static uint32_t keys[EB_CNT_MAX];
	uint32_t n = EB_CNT_MAX, out_batch = 0;
	LIBBPF_OPTS(bpf_map_batch_opts, o);
	int err;

	if (!vals)
		vals = calloc((size_t)EB_CNT_MAX * w->ncpu, sizeof(*vals));
	if (!vals)
		return -1;
	err = bpf_map_lookup_batch(w->stats, NULL, &out_batch, keys, vals, &n, &o);
	if (err && errno != ENOENT)
		return -1;
	memset(out, 0, sizeof(uint64_t) * EB_CNT_MAX);
	for (uint32_t i = 0; i < n; i++)
		for (int c = 0; c < w->ncpu; c++)
			if (keys[i] < EB_CNT_MAX)
				out[keys[i]] += vals[(size_t)i * w->ncpu + c].packets;
	return 0;
}

#define SNAP_MAX 512

#define KEY_MAX 40 /* struct eb_ct6_key */

struct snap {
	uint32_t n;
	uint8_t keys[SNAP_MAX * KEY_MAX]; /* key i at i * ksize */
	uint32_t ksize;
};

/* The keys of a hash map, in batches (one syscall for the few keys this
 * test keeps, where get_next_key takes one per key). Values of at most
 * VAL_MAX bytes (struct eb_ct6_entry is the largest). */
#define VAL_MAX 256

static int snap_take(int fd, uint32_t ksize, struct snap *s)
{
	static uint8_t vals[SNAP_MAX * VAL_MAX];
	uint8_t in[KEY_MAX], out[KEY_MAX];
	LIBBPF_OPTS(bpf_map_batch_opts, o);
	bool first = true;
	int err;

	s->n = 0;
	s->ksize = ksize;
	for (;;) {
		uint32_t n = SNAP_MAX - s->n;

		err = bpf_map_lookup_batch(fd, first ? NULL : in, out, s->keys + s->n * ksize, vals,
					   &n, &o);
		if (err && errno != ENOENT) {
			ASSERT_TRUE(0, "a snapshot of the conntrack maps (bpf_map_lookup_batch)");
			return -1;
		}
		s->n += n;
		if (err)
			return 0; /* ENOENT: all of them */
		if (s->n >= SNAP_MAX) {
			ASSERT_TRUE(0, "a map of at most 512 keys to snapshot");
			return -1;
		}
		memcpy(in, out, sizeof(in));
		first = false;
	}
}

/* Keys in b that are not in a. */
static uint32_t snap_new(const struct snap *a, const struct snap *b)
{
	uint32_t added = 0;

	for (uint32_t i = 0; i < b->n; i++) {
		bool found = false;

		for (uint32_t j = 0; j < a->n && !found; j++)
			found = !memcmp(b->keys + i * b->ksize, a->keys + j * a->ksize, b->ksize);
		added += !found;
	}
	return added;
}

static uint32_t map_count(int fd, uint32_t ksize)
{
	static struct snap s;

	return snap_take(fd, ksize, &s) ? SNAP_MAX : s.n;
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
 * The layout of an IP frame as far as it goes, and the checksum convention
 * of this test: the L4 part is min(tot_len, bytes present) minus the
 * header (IPv6: min(payload length, bytes present after the 40-byte
 * header)), and the pseudo header carries that length. NAT never changes
 * a length, and NAT46 changes the header only (tot_len = payload length +
 * 20 and back), so a checksum right by this convention on input must be
 * right on output whatever the lengths say. IPv6 extension headers are not
 * followed: proto is the first next header.
 */
struct lay {
	bool ipv4;	  /* EtherType IPv4 and a whole header with IHL >= 5 present */
	bool ipv6;	  /* EtherType IPv6, version 6 and a whole header present */
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

	if (f->len >= IP6_L4 && get16(f->b + 12) == ETH_P6) {
		const uint8_t *ip6 = f->b + ETH_LEN;
		uint32_t plen = get16(ip6 + 4), have = f->len - IP6_L4;

		if ((ip6[0] >> 4) != 6)
			return l;
		l.ipv6 = true;
		l.l3 = ETH_LEN;
		l.hl = 40;
		l.proto = ip6[6];
		l.l4 = IP6_L4;
		l.l4n = plen < have ? plen : have;
		return l;
	}
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

/* Where the L4 checksum is; ICMP is ICMPv4 in IPv4, ICMPv6 in IPv6. */
static int l4_csum_off(uint8_t proto, bool v6)
{
	return proto == IPPROTO_TCP			       ? 16
	       : proto == IPPROTO_UDP			       ? 6
	       : proto == (v6 ? IPPROTO_ICMPV6 : IPPROTO_ICMP) ? 2
							       : -1;
}

/* The pseudo header's sum of the L4 part of l (ICMPv4 has none). */
static uint32_t l4_pseudo(const struct fr *f, const struct lay *l)
{
	const uint8_t *ip = f->b + l->l3;

	if (l->ipv6)
		return fx_pseudo6(ip, l->l4n, l->proto);
	return l->proto == IPPROTO_ICMP ? 0 : fx_pseudo4(ip, l->l4n);
}

/* Recomputes the IP and L4 checksums, as far as the frame allows. */
static void fix_csums(struct fr *f)
{
	struct lay l = layout(f);
	uint8_t *iph = f->b + ETH_LEN, *l4;
	int off;
	uint16_t c;

	if (!l.ipv4 && !l.ipv6)
		return;
	if (l.ipv4)
		fill_ip_csum(iph);
	off = l4_csum_off(l.proto, l.ipv6);
	if (l.later || off < 0 || l.l4n < (uint32_t)off + 2)
		return;
	l4 = f->b + l.l4;
	if (l.proto == IPPROTO_UDP && get16(l4 + 6) == 0)
		return; /* no checksum: stays so */
	put16(l4 + off, 0);
	c = fx_fold(fx_sum(l4, l.l4n, l4_pseudo(f, &l)));
	if (l.proto == IPPROTO_UDP && c == 0)
		c = 0xffff;
	put16(l4 + off, c);
}

#define CS_IP	    1  /* the IP header checksum verifies */
#define CS_L4	    2  /* the L4 checksum verifies (UDP: and is not 0) */
#define CS_UDP0	    4  /* UDP without a checksum */
#define CS_INNER_IP 8  /* an ICMP error's quoted IP header verifies */
#define CS_INNER_L4 16 /* an ICMPv6 error's quote is whole and its L4 checksum verifies */

/* An ICMPv6 error (types 1-4) at l4, n bytes: is its quote a whole IPv6
 * packet (payload length within the quote) whose L4 checksum verifies? */
static bool quote6_l4_ok(const uint8_t *l4, uint32_t n)
{
	const uint8_t *in = l4 + 8;
	uint32_t qn, ipl;
	uint8_t nh;
	int off;

	if (n < 8 + 40 || (in[0] >> 4) != 6)
		return false;
	qn = n - 48;
	ipl = get16(in + 4);
	nh = in[6];
	off = l4_csum_off(nh, true);
	if (off < 0 || ipl > qn || ipl < (uint32_t)off + 2)
		return false;
	if (nh == IPPROTO_UDP && get16(in + 40 + 6) == 0)
		return false;
	return fx_fold(fx_sum(in + 40, ipl, fx_pseudo6(in, ipl, nh))) == 0;
}

static uint32_t csum_state(const struct fr *f)
{
	struct lay l = layout(f);
	const uint8_t *iph = f->b + ETH_LEN, *l4;
	uint32_t s = 0;
	int off;

	if (!l.ipv4 && !l.ipv6)
		return 0;
	if (l.ipv4 && fx_fold(fx_sum(iph, l.hl, 0)) == 0)
		s |= CS_IP;
	off = l4_csum_off(l.proto, l.ipv6);
	if (l.later || off < 0 || l.l4n < (uint32_t)off + 2)
		return s;
	l4 = f->b + l.l4;
	if (l.proto == IPPROTO_UDP && get16(l4 + 6) == 0)
		s |= CS_UDP0;
	else if (fx_fold(fx_sum(l4, l.l4n, l4_pseudo(f, &l))) == 0)
		s |= CS_L4;
	if (l.ipv6) {
		if (l.proto == IPPROTO_ICMPV6 && l4[0] >= 1 && l4[0] <= 4 &&
		    quote6_l4_ok(l4, l.l4n))
			s |= CS_INNER_L4;
		return s;
	}
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
	/*
	 * IPv6 (EtherType 0x86dd): what the kernel's ipv6_rcv and netfilter
	 * reject, what the datapath's parsers (eb_parse6_l4, eb_parse6_inner,
	 * eb_from_container6) refuse, and what RFC 4861 7.1.1 makes an
	 * invalid neighbour solicitation. A UDP checksum of 0 is not among
	 * them: netfilter's udp_error lets it by for both families.
	 */
	INV6_SHORT,	  /* fewer than 40 bytes after the Ethernet header */
	INV6_VERSION,	  /* version != 6 */
	INV6_PLEN_BEYOND, /* 40 + payload length beyond the frame */
	INV6_EXTHDR,	  /* an extension header first: never parsed (no state by contract) */
	INV6_PLEN_SHORT,  /* payload length shorter than the L4 header (TCP 20, UDP/ICMPv6 8) */
	INV6_TCP_DOFF,	  /* TCP data offset < 5 or beyond the payload */
	INV6_UDP_LEN,	  /* UDP length < 8 or beyond the payload */
	INV6_QUOTE_TRUNC, /* an ICMPv6 error quoting less than an IPv6 header + 8 bytes */
	INV6_QUOTE_BAD,	  /* an ICMPv6 error quoting no IPv6 header (version) */
	INV6_ND,	  /* an NS: hop limit != 255, code != 0, < 24 bytes, or from :: with SLLA */
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
    "IPv6: fewer than 40 bytes of header",
    "IPv6: version != 6",
    "IPv6: payload length beyond the frame",
    "IPv6: an extension header (not parsed)",
    "IPv6: payload length shorter than the L4 header",
    "IPv6: TCP data offset < 5 or beyond the payload",
    "IPv6: UDP length < 8 or beyond the payload",
    "IPv6: ICMPv6 error quoting less than an IPv6 header and 8 bytes",
    "IPv6: ICMPv6 error quoting no IPv6 header",
    "IPv6: neighbour solicitation invalid by RFC 4861 7.1.1",
};

/* Bytes after the IP packet, in the frame (tot_len or 40 + payload length
 * < what is there). */
static bool has_trailer(const struct fr *f)
{
	if (f->len > ETH_LEN + 6 && get16(f->b + 12) == ETH_P6)
		return 40u + get16(f->b + ETH_LEN + 4) < f->len - ETH_LEN;
	return f->len > ETH_LEN + 4 && get16(f->b + ETH_LEN + 2) < f->len - ETH_LEN;
}

static uint32_t l4_min(uint8_t proto)
{
	return proto == IPPROTO_TCP ? 20 : proto == IPPROTO_UDP || proto == IPPROTO_ICMP ? 8 : 0;
}

/* The extension headers of RFC 8200 4.1 and after (bpf/lib/ndp.h's list). */
static bool is_exthdr6(uint8_t nh)
{
	return nh == 0 || nh == 43 || nh == 44 || nh == 60 || nh == 51 || nh == 135 || nh == 139 ||
	       nh == 140 || nh == 253 || nh == 254;
}

static enum inv invalid6_reason(const struct fr *f)
{
	const uint8_t *ip6 = f->b + ETH_LEN, *l4 = f->b + IP6_L4;
	uint32_t avail = f->len - ETH_LEN, plen;
	uint8_t nh;

	if (avail < 40)
		return INV6_SHORT;
	if ((ip6[0] >> 4) != 6)
		return INV6_VERSION;
	plen = get16(ip6 + 4);
	nh = ip6[6];
	if (40 + plen > avail)
		return INV6_PLEN_BEYOND;
	if (is_exthdr6(nh))
		return INV6_EXTHDR;
	if (plen < (nh == IPPROTO_TCP ? 20u : nh == IPPROTO_UDP || nh == IPPROTO_ICMPV6 ? 8u : 0u))
		return INV6_PLEN_SHORT;
	if (nh == IPPROTO_TCP && ((l4[12] >> 4) < 5 || (l4[12] >> 4) * 4u > plen))
		return INV6_TCP_DOFF;
	if (nh == IPPROTO_UDP && (get16(l4 + 4) < 8 || get16(l4 + 4) > plen))
		return INV6_UDP_LEN;
	if (nh == IPPROTO_ICMPV6 && l4[0] >= 1 && l4[0] <= 4) {
		if (plen < 8 + 40 + 8)
			return INV6_QUOTE_TRUNC;
		if ((l4[8] >> 4) != 6)
			return INV6_QUOTE_BAD;
	}
	if (nh == IPPROTO_ICMPV6 && l4[0] == 135) {
		bool from_any = !memcmp(ip6 + 8, any6, 16);

		if (ip6[7] != 255 || l4[1] != 0 || plen < 24 ||
		    (from_any && plen >= 32 && l4[24] == 1 && l4[25] == 1))
			return INV6_ND;
	}
	return INV_NONE;
}

static enum inv invalid_reason(const struct fr *f)
{
	const uint8_t *iph = f->b + ETH_LEN;
	uint32_t avail, hl, tot, frame_l4;
	bool later, first;
	uint8_t proto;

	if (f->len >= ETH_LEN && get16(f->b + 12) == ETH_P6)
		return invalid6_reason(f);
	if (f->len < ETH_LEN || get16(f->b + 12) != 0x0800)
		return INV_NONE; /* not IP: no conntrack state is possible */
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

/* The IPv6 flows that replies refer to, made with the IPv4 ones: NAT66
 * out of A, a DNAT6 flow to B, NAT46 flows to B in the world without IPv6. */
static struct {
	uint16_t tcp_nport, udp_nport, icmp_nid; /* NAT66 of A's 41000/tcp, 41001/udp, echo */
	uint16_t client_port;			 /* DNAT6: the client's port to PUB_TCP */
	uint16_t n46_port, n46_nat;		 /* NAT46 TCP: the client's port, B's view */
	uint16_t n46u_port, n46u_nat;		 /* NAT46 UDP */
} seed6;

#define NTEMPLATES6 32

static void uplink6(struct tmpl_out *t)
{
	t->prog = 1;
	t->ifindex = env.if_up;
}

/* Builds IPv6 template number j (NAT46 ones in the world without IPv6). */
static void tmpl6(int j, struct tmpl_out *t)
{
	static const uint8_t *const ns_tgt[] = {b6, a6, other6};
	static const uint8_t ff02_1[16] = {0xff, 0x02, [15] = 1};
	static const uint8_t ff02_2[16] = {0xff, 0x02, [15] = 2};
	static const uint8_t ff02_16[16] = {0xff, 0x02, [15] = 0x16};
	static const uint8_t ff05_13[16] = {0xff, 0x05, [13] = 1, [15] = 3};
	uint8_t *l4 = t->f.b + IP6_L4, q[160], grp[16], gmac[6], code, type;
	uint16_t sp = 41000 + rnd(8);
	uint32_t n, qn, qi;
	uint8_t hop = chance(5) ? (uint8_t)rnd(2) : 64; /* the last hops now and then */

	switch (j) {
	case 0: /* NS for the gateway, from A's address or its link-local */
		n = mk_ns(l4, gw6, chance(80) ? MAC_A : NULL);
		snm(gw6, grp, gmac);
		finish_ip6(t, chance(80) ? gmac : MAC_A_HOST, MAC_A, IPPROTO_ICMPV6,
			   chance(50) ? a6 : ll_a, chance(90) ? grp : gw6, n, 255);
		t->name = "ns6 A->gateway";
		break;
	case 1: { /* NS for B, for A itself, for an address nobody has */
		const uint8_t *tgt = ns_tgt[rnd(3)];

		n = mk_ns(l4, tgt, chance(80) ? MAC_A : NULL);
		snm(tgt, grp, gmac);
		finish_ip6(t, gmac, MAC_A, IPPROTO_ICMPV6, chance(80) ? a6 : ll_a, grp, n, 255);
		t->name = "ns6 A->peer/own/unknown";
		break;
	}
	case 2: /* duplicate address detection: from ::, no option */
		n = mk_ns(l4, a6, chance(10) ? MAC_A : NULL);
		snm(a6, grp, gmac);
		finish_ip6(t, gmac, MAC_A, IPPROTO_ICMPV6, any6, grp, n, 255);
		t->name = "ns6 DAD probe A";
		break;
	case 3: /* ping6 of the gateway */
		n = mk_echo(l4, 128, 7, rnd(32));
		finish_ip6(t, MAC_A_HOST, MAC_A, IPPROTO_ICMPV6, chance(20) ? ll_a : a6, gw6, n,
			   64);
		t->name = "ping6 A->gateway";
		break;
	case 4: /* A -> B by B's MAC (forward) */
		if (chance(50)) {
			n = mk_tcp(l4, sp, 80, (uint8_t)rnd(256), rnd(64));
			finish_ip6(t, MAC_B, MAC_A, IPPROTO_TCP, a6, b6, n, 64);
		} else {
			n = mk_udp(l4, sp, 53, rnd(64), true);
			finish_ip6(t, MAC_B, MAC_A, IPPROTO_UDP, a6, b6, n, 64);
		}
		t->name = "ip6 A->B (L2)";
		break;
	case 5: /* A -> B through the gateway (the host routes it) */
		n = mk_udp(l4, sp, 53, rnd(32), true);
		finish_ip6(t, MAC_A_HOST, MAC_A, IPPROTO_UDP, a6, b6, n, hop);
		t->name = "udp6 A->B (routed)";
		break;
	case 6: /* NAT66: A -> server, TCP (SYN, anything) */
		n = chance(20) ? mk_syn_mss(l4, sp, 80, 1440)
			       : mk_tcp(l4, sp, 80, chance(50) ? 0x02 : (uint8_t)rnd(256), rnd(64));
		finish_ip6(t, MAC_A_HOST, MAC_A, IPPROTO_TCP, a6, server6, n, hop);
		t->name = "tcp6 A->server";
		break;
	case 7: /* NAT66: UDP */
		n = mk_udp(l4, sp, 53, rnd(64), !chance(10));
		finish_ip6(t, MAC_A_HOST, MAC_A, IPPROTO_UDP, a6, server6, n, hop);
		t->name = "udp6 A->server";
		break;
	case 8: /* NAT66: ICMPv6 echo */
		n = mk_echo(l4, 128, 0x4242 + rnd(4), rnd(64));
		finish_ip6(t, MAC_A_HOST, MAC_A, IPPROTO_ICMPV6, a6, server6, n, hop);
		t->name = "echo6 A->server";
		break;
	case 9: /* another network's container (isolated), or no neighbour */
		n = mk_tcp(l4, sp, 80, 0x02, 0);
		finish_ip6(t, MAC_A_HOST, MAC_A, IPPROTO_TCP, a6, chance(50) ? other6 : noneigh6, n,
			   hop);
		t->name = "tcp6 A->other network/no neighbour";
		break;
	case 10: /* all nodes: UDP, or an unsolicited NA */
		mcast_mac(ff02_1, gmac);
		if (chance(50)) {
			n = mk_udp(l4, 5353, 5353, rnd(32), true);
			finish_ip6(t, gmac, MAC_A, IPPROTO_UDP, a6, ff02_1, n, 1);
		} else {
			n = mk_ns(l4, a6, MAC_A);
			l4[0] = 136;
			l4[4] = 0x20; /* override */
			l4[24] = 2;   /* target link-layer address */
			finish_ip6(t, gmac, MAC_A, IPPROTO_ICMPV6, chance(50) ? a6 : ll_a, ff02_1,
				   n, 255);
		}
		t->name = "ip6 A->ff02::1";
		break;
	case 11: /* other groups: a site-local group, an RS, an MLDv2 report */
		switch (rnd(3)) {
		case 0:
			mcast_mac(ff05_13, gmac);
			n = mk_udp(l4, sp, 547, rnd(32), true);
			finish_ip6(t, gmac, MAC_A, IPPROTO_UDP, a6, ff05_13, n, 8);
			break;
		case 1:
			mcast_mac(ff02_2, gmac);
			memset(l4, 0, 8);
			l4[0] = 133;
			finish_ip6(t, gmac, MAC_A, IPPROTO_ICMPV6, chance(50) ? ll_a : any6, ff02_2,
				   8, 255);
			break;
		default: /* hop-by-hop with router alert, then MLDv2 report */
			mcast_mac(ff02_16, gmac);
			memset(l4, 0, 8 + 8);
			l4[0] = IPPROTO_ICMPV6;
			l4[2] = 5; /* router alert */
			l4[3] = 2;
			l4[6] = 1; /* PadN */
			l4[8] = 143;
			finish_ip6(t, gmac, MAC_A, 0, chance(50) ? ll_a : any6, ff02_16, 16, 1);
			put16(l4 + 8 + 2,
			      fx_fold(fx_sum(l4 + 8, 8,
					     fx_pseudo6(t->f.b + ETH_LEN, 8, IPPROTO_ICMPV6))));
			break;
		}
		t->name = "ip6 A->other multicast/RS/MLD";
		break;
	case 12: { /* an extension header, then TCP */
		static const uint8_t ext[] = {0, 60, 43, 44};
		uint8_t e = ext[rnd(4)];

		n = mk_tcp(l4 + 8, sp, 80, 0x02, rnd(16));
		memset(l4, 0, 8);
		l4[0] = IPPROTO_TCP;
		if (e == 0 || e == 60) {
			l4[2] = 1; /* PadN */
			l4[3] = 4;
		} else if (e == 43) {
			l4[2] = 4; /* segment routing, nothing left */
		} else {
			put16(l4 + 2, (uint16_t)(chance(50) ? 1 : rnd(65536))); /* offset, M */
			rnd_bytes(l4 + 4, 4);
		}
		finish_ip6(t, MAC_A_HOST, MAC_A, e, a6, server6, 8 + n, 64);
		put16(l4 + 8 + 16, 0);
		put16(l4 + 8 + 16,
		      fx_fold(fx_sum(l4 + 8, n, fx_pseudo6(t->f.b + ETH_LEN, n, IPPROTO_TCP))));
		t->name = "tcp6 A->server behind an extension header";
		break;
	}
	case 13: { /* A's ICMPv6 error about a reply of its TCP or UDP flow */
		bool tcp = chance(50);

		qi = tcp ? mk_tcp(q + 40, 80, 41000, 0x12, rnd(16))
			 : mk_udp(q + 40, 53, 41001, rnd(16), true);
		qn = mk_ip6(q, tcp ? IPPROTO_TCP : IPPROTO_UDP, server6, a6, qi, 63);
		pkt_fix6(q, qn);
		type = err_type6(&code);
		n = mk_icmp6_err(l4, type, code, q, quote_len(qn, 40));
		finish_ip6(t, MAC_A_HOST, MAC_A, IPPROTO_ICMPV6, a6, server6, n, 64);
		t->name = "icmp6 error A->server (its flow)";
		break;
	}
	/* ---- from the outside, on the uplink ---- */
	case 14: /* reply of the seeded TCP flow */
		n = mk_tcp(l4, 80, seed6.tcp_nport, chance(50) ? 0x12 : (uint8_t)rnd(256), rnd(64));
		finish_ip6(t, MAC_UP, MAC_RTR, IPPROTO_TCP, server6, snat6, n, hop);
		t->name = "tcp6 server->NAT (reply)";
		uplink6(t);
		break;
	case 15: /* reply of the seeded UDP flow */
		n = mk_udp(l4, 53, seed6.udp_nport, rnd(64), !chance(10));
		finish_ip6(t, MAC_UP, MAC_RTR, IPPROTO_UDP, server6, snat6, n, hop);
		t->name = "udp6 server->NAT (reply)";
		uplink6(t);
		break;
	case 16: /* echo reply of the seeded echo */
		n = mk_echo(l4, 129, seed6.icmp_nid, rnd(64));
		finish_ip6(t, MAC_UP, MAC_RTR, IPPROTO_ICMPV6, server6, snat6, n, hop);
		t->name = "echo6 reply server->NAT";
		uplink6(t);
		break;
	case 17: { /* the router's error about the seeded TCP or UDP flow */
		bool tcp = chance(50);

		qi = tcp ? mk_tcp(q + 40, seed6.tcp_nport, 80, 0x18, 24)
			 : mk_udp(q + 40, seed6.udp_nport, 53, 24, true);
		qn = mk_ip6(q, tcp ? IPPROTO_TCP : IPPROTO_UDP, snat6, server6, qi, 60);
		pkt_fix6(q, qn);
		type = err_type6(&code);
		n = mk_icmp6_err(l4, type, code, q, quote_len(qn, 40));
		finish_ip6(t, MAC_UP, MAC_RTR, IPPROTO_ICMPV6, router6, snat6, n, 64);
		t->name = "icmp6 error router->NAT (seeded flow)";
		uplink6(t);
		break;
	}
	case 18: /* the router's error about the seeded echo */
		qi = mk_echo(q + 40, 128, seed6.icmp_nid, 16);
		qn = mk_ip6(q, IPPROTO_ICMPV6, snat6, server6, qi, 60);
		pkt_fix6(q, qn);
		type = err_type6(&code);
		n = mk_icmp6_err(l4, type, code, q, quote_len(qn, 40));
		finish_ip6(t, MAC_UP, MAC_RTR, IPPROTO_ICMPV6, router6, snat6, n, 64);
		t->name = "icmp6 error router->NAT (seeded echo)";
		uplink6(t);
		break;
	case 19: /* an extension header from outside: to the NAT address, to A */
		n = mk_tcp(l4 + 8, 80, seed6.tcp_nport, 0x10, rnd(16));
		memset(l4, 0, 8);
		l4[0] = IPPROTO_TCP;
		l4[2] = 1;
		l4[3] = 4;
		finish_ip6(t, MAC_UP, MAC_RTR, chance(50) ? 60 : 0, server6,
			   chance(70) ? snat6 : a6, 8 + n, 64);
		t->name = "tcp6 server->NAT/A behind an extension header";
		uplink6(t);
		break;
	case 20: /* DNAT6: a new flow to the published TCP port */
		n = chance(30) ? mk_syn_mss(l4, 30000 + rnd(100), PUB_TCP, 1440)
			       : mk_tcp(l4, 30000 + rnd(100), PUB_TCP,
					chance(70) ? 0x02 : (uint8_t)rnd(256), rnd(32));
		finish_ip6(t, MAC_UP, MAC_RTR, IPPROTO_TCP, client6, snat6, n, hop);
		t->name = "tcp6 client->published port (DNAT6)";
		uplink6(t);
		break;
	case 21: /* DNAT6: a datagram to the published UDP port */
		n = mk_udp(l4, 30000 + rnd(100), PUB_UDP, rnd(64), !chance(10));
		finish_ip6(t, MAC_UP, MAC_RTR, IPPROTO_UDP, client6, snat6, n, hop);
		t->name = "udp6 client->published port (DNAT6)";
		uplink6(t);
		break;
	case 22: /* DNAT6: the seeded flow, next segment */
		n = mk_tcp(l4, seed6.client_port, PUB_TCP, 0x10, rnd(64));
		finish_ip6(t, MAC_UP, MAC_RTR, IPPROTO_TCP, client6, snat6, n, hop);
		t->name = "tcp6 client->published port (DNAT6, established)";
		uplink6(t);
		break;
	case 23: /* DNAT6: B answers on the seeded flow */
		n = mk_tcp(l4, 80, seed6.client_port, chance(50) ? 0x12 : 0x10, rnd(64));
		finish_ip6(t, MAC_B_HOST, MAC_B, IPPROTO_TCP, b6, client6, n, hop);
		t->ifindex = env.if_b;
		t->name = "tcp6 B->client (DNAT6 flow)";
		break;
	case 24: /* the host's own: a connection, an echo request, an NS */
		switch (rnd(3)) {
		case 0:
			n = mk_tcp(l4, 443, 22, 0x12, rnd(32));
			finish_ip6(t, MAC_UP, MAC_RTR, IPPROTO_TCP, server6, snat6, n, 64);
			break;
		case 1:
			n = mk_echo(l4, 128, 99, rnd(32));
			finish_ip6(t, MAC_UP, MAC_RTR, IPPROTO_ICMPV6, server6, snat6, n, 64);
			break;
		default:
			n = mk_ns(l4, snat6, MAC_RTR);
			snm(snat6, grp, gmac);
			finish_ip6(t, gmac, MAC_RTR, IPPROTO_ICMPV6, router6, grp, n, 255);
			break;
		}
		t->name = "ip6 server->host (not ours)";
		uplink6(t);
		break;
	case 25: /* straight to A's address from outside (NAT66: never) */
		n = mk_tcp(l4, 30000, 80, 0x02, 0);
		finish_ip6(t, MAC_UP, MAC_RTR, IPPROTO_TCP, client6, a6, n, 64);
		t->name = "tcp6 client->A's address";
		uplink6(t);
		break;
	/* ---- NAT46: the world without IPv6 ---- */
	case 26: /* a new flow to the published TCP port (MSS clamped; or a SYN with data) */
		if (chance(40)) {
			n = mk_syn_mss(l4, 30000 + rnd(100), PUB_TCP, chance(70) ? 1440 : 1000);
		} else {
			n = mk_tcp(l4, 30000 + rnd(100), PUB_TCP,
				   chance(70) ? 0x02 : (uint8_t)rnd(256), rnd(32));
			if (chance(20) && n >= 24) { /* data that looks like an MSS option */
				l4[20] = 2;
				l4[21] = 4;
				put16(l4 + 22, 1460);
			}
		}
		finish_ip6(t, MAC_UP, MAC_RTR, IPPROTO_TCP, client6, snat6, n, hop);
		t->name = "tcp6 client->published port (NAT46)";
		uplink6(t);
		t->world = 1;
		break;
	case 27: /* a datagram to the published UDP port */
		n = mk_udp(l4, 30000 + rnd(100), PUB_UDP, rnd(64), !chance(10));
		finish_ip6(t, MAC_UP, MAC_RTR, IPPROTO_UDP, client6, snat6, n, hop);
		t->name = "udp6 client->published port (NAT46)";
		uplink6(t);
		t->world = 1;
		break;
	case 28: /* the seeded translated flow, next segment */
		n = mk_tcp(l4, seed6.n46_port, PUB_TCP, 0x10, rnd(64));
		finish_ip6(t, MAC_UP, MAC_RTR, IPPROTO_TCP, client6, snat6, n, hop);
		t->name = "tcp6 client->published port (NAT46, established)";
		uplink6(t);
		t->world = 1;
		break;
	case 29: /* B's IPv4 answer on the translated flow: out as IPv6 */
		l4 = l4_at(t, 0);
		n = mk_tcp(l4, 80, seed6.n46_nat, chance(50) ? 0x12 : 0x10, rnd(64));
		finish_ip(t, MAC_B_HOST, MAC_B, IPPROTO_TCP, fx_ip(IP_B), fx_ip(GATEWAY), n, 0,
			  0x4000);
		t->ifindex = env.if_b;
		t->name = "tcp B->client (NAT46 flow, IPv4 in)";
		t->world = 1;
		break;
	case 30: /* B's IPv4 UDP answer on the translated flow */
		l4 = l4_at(t, 0);
		n = mk_udp(l4, 53, seed6.n46u_nat, rnd(64), !chance(10));
		finish_ip(t, MAC_B_HOST, MAC_B, IPPROTO_UDP, fx_ip(IP_B), fx_ip(GATEWAY), n, 0,
			  0x4000);
		t->ifindex = env.if_b;
		t->name = "udp B->client (NAT46 flow, IPv4 in)";
		t->world = 1;
		break;
	default: /* A -> the host's uplink address: the host's */
		n = mk_tcp(l4, sp, 22, 0x02, 0);
		finish_ip6(t, MAC_A_HOST, MAC_A, IPPROTO_TCP, a6, snat6, n, 64);
		t->name = "tcp6 A->host's address";
		break;
	}
}

#define NTEMPLATES4 35
#define NTEMPLATES  (NTEMPLATES4 + NTEMPLATES6)

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
	if (i >= NTEMPLATES4) {
		tmpl6(i - NTEMPLATES4, t);
		return;
	}
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
		    "\1b",
		    "\1B\3net",
		    "\4nope",
		    "\4nope\3net",
		    "\7example\3org",
		    "\0011\0010\00266\00210\7in-addr\4arpa",
		    "\0019\0019\0019\0019\7in-addr\4arpa",
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

/* Runs t (made by the caller) and asks for a REDIRECT. */
static int seed_run(const struct world *w, int prog, int ifindex, struct tmpl_out *t,
		    struct run_res *r)
{
	run_prog(prog ? w->pu : w->pc, ifindex, &t->f, r);
	return r->err || r->verdict != TC_ACT_REDIRECT ? -1 : 0;
}

/* The IPv6 flows: NAT66 out of A (TCP, UDP, echo), a DNAT6 flow to B,
 * and in fx46 the NAT46 flows to B (TCP, UDP). Returns 0 when all were
 * made. */
static int seed_flows6(void)
{
	static struct tmpl_out t;
	static struct run_res r;
	uint8_t *l4 = t.f.b + IP6_L4;
	uint32_t n;

	memset(&t, 0, sizeof(t));
	n = mk_tcp(l4, 41000, 80, 0x02, 0);
	finish_ip6(&t, MAC_A_HOST, MAC_A, IPPROTO_TCP, a6, server6, n, 64);
	if (seed_run(&fx, 0, env.if_a, &t, &r))
		return -1;
	seed6.tcp_nport = get16(r.out.b + IP6_L4);

	n = mk_udp(l4, 41001, 53, 8, true);
	finish_ip6(&t, MAC_A_HOST, MAC_A, IPPROTO_UDP, a6, server6, n, 64);
	if (seed_run(&fx, 0, env.if_a, &t, &r))
		return -1;
	seed6.udp_nport = get16(r.out.b + IP6_L4);

	n = mk_echo(l4, 128, 0x4242, 8);
	finish_ip6(&t, MAC_A_HOST, MAC_A, IPPROTO_ICMPV6, a6, server6, n, 64);
	if (seed_run(&fx, 0, env.if_a, &t, &r))
		return -1;
	seed6.icmp_nid = get16(r.out.b + IP6_L4 + 4);

	seed6.client_port = 33000 + rnd(1000);
	n = mk_tcp(l4, seed6.client_port, PUB_TCP, 0x02, 0);
	finish_ip6(&t, MAC_UP, MAC_RTR, IPPROTO_TCP, client6, snat6, n, 64);
	if (seed_run(&fx, 1, env.if_up, &t, &r))
		return -1;

	seed6.n46_port = 34000 + rnd(1000);
	n = mk_syn_mss(l4, seed6.n46_port, PUB_TCP, 1440);
	finish_ip6(&t, MAC_UP, MAC_RTR, IPPROTO_TCP, client6, snat6, n, 64);
	if (seed_run(&fx46, 1, env.if_up, &t, &r) || get16(r.out.b + 12) != 0x0800)
		return -1;
	seed6.n46_nat = get16(r.out.b + ETH_LEN + 20);

	seed6.n46u_port = 35000 + rnd(1000);
	n = mk_udp(l4, seed6.n46u_port, PUB_UDP, 8, true);
	finish_ip6(&t, MAC_UP, MAC_RTR, IPPROTO_UDP, client6, snat6, n, 64);
	if (seed_run(&fx46, 1, env.if_up, &t, &r) || get16(r.out.b + 12) != 0x0800)
		return -1;
	seed6.n46u_nat = get16(r.out.b + ETH_LEN + 20);
	return 0;
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
	return seed_flows6();
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
    "every SHOT moves one drop counter of eb_stats by one, the reason left in skb->cb (or is an "
    "NDP/MLD frame gone quietly: ndp_ignored by one, no drop counter)",
    "no verdict but SHOT moves a drop counter",
    "a pass (OK/UNSPEC) leaves every byte as it came",
    "a REDIRECT carries right checksums (IPv4 header, L4 with the pseudo header of the family it "
    "leaves with, quoted IPv4 header, an ICMPv6 error's quoted L4) when the input had them",
    "...also when the frame has bytes after the IP packet (a trailer)",
    "a REDIRECT carries a whole translation (NAT source out, container address and MACs in, "
    "NAT46: the family, length and IPv4 header)",
};

/* Counted apart by the family of the frame as it came: [0] IPv4 and the
 * rest, [1] EtherType IPv6. */
static uint64_t viol[2][C_NMAX];
static uint64_t ct_viol[INV_MAX], xlate_viol[INV_MAX], inv_seen[INV_MAX];
static uint64_t n_frames, n_frames6, n_verdict[2][16], n_short_refused, n_refused;
static uint64_t n_by_mut[M_MAX], n_decision[2][EB_CNT_MAX], n_world46;
/* Of the frames of EtherType IPv6 as run; NAT46 REDIRECTs (the family changed). */
static uint64_t n_decision6[2][EB_CNT_MAX], n_nat46[2];

static void hexdump(const struct fr *f)
{
	for (uint32_t i = 0; i < f->len && i < 128; i++)
		fprintf(stderr, "%02x%s", f->b[i], (i % 32) == 31 ? "\n    " : " ");
	fprintf(stderr, "%s\n", f->len > 128 ? "..." : "");
}

static bool is_ip6(const struct fr *f)
{
	return f->len >= ETH_LEN && get16(f->b + 12) == ETH_P6;
}

/* kind 0: check c; 1: state made from invalid frame of reason c; 2:
 * invalid frame of reason c translated and forwarded. */
static void report(int c, int kind, const struct tmpl_out *t, enum mut m, const struct run_res *r,
		   const char *detail)
{
	uint64_t n = kind == 1 ? ct_viol[c] : kind == 2 ? xlate_viol[c] : viol[is_ip6(&t->f)][c];
	const char *what = kind == 1   ? "conntrack entry made from an invalid frame: "
			   : kind == 2 ? "invalid frame translated and forwarded: "
				       : check_name[c];

	if (n >= 3)
		return; /* the first three of each kind */
	fprintf(stderr, "FAIL frame %" PRIu64 " (%s, mutation %s, %s%s, %u bytes): %s%s%s\n",
		n_frames, t->name, mut_name[m], t->prog ? "eb_from_uplink" : "eb_from_container",
		t->world ? " of the network without IPv6" : "", t->f.len, what,
		kind ? inv_name[c] : "", detail ? detail : "");
	fprintf(stderr, "    verdict %d decision %u target %u; frame:\n    ", r->verdict,
		r->decision, r->target);
	hexdump(&t->f);
	if (r->verdict == TC_ACT_REDIRECT && kind != 1) {
		fprintf(stderr, "    out (%u bytes):\n    ", r->out.len);
		hexdump(&r->out);
	}
}

/* BPF_PROG_TEST_RUN itself refuses an IPv4 frame without a whole IPv4
 * header (and IPv6 likewise): such frames can reach TC on a wire, but no
 * test can run them. Counted apart. */
static bool kernel_refuses(const struct fr *f)
{
	uint16_t et = get16(f->b + 12);

	return (et == 0x0800 && f->len < ETH_LEN + 20) || (et == ETH_P6 && f->len < IP6_L4);
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

/* The gateway's IPv6 answers (bpf/lib/ndp.h, eb_icmp6_error): NULL or
 * what is wrong. */
static const char *answer6_whole(const struct tmpl_out *t, const struct run_res *r)
{
	struct lay lo = layout(&r->out);
	const uint8_t *o6 = r->out.b + ETH_LEN, *i6 = t->f.b + ETH_LEN, *want;
	uint32_t qn;

	if (r->target != (uint32_t)t->ifindex)
		return ": an IPv6 answer not sent back where the packet came from";
	if (memcmp(r->out.b, t->f.b + 6, 6) || memcmp(o6 + 24, i6 + 8, 16))
		return ": an IPv6 answer, not to the packet's sender (MAC, address)";
	if (!lo.ipv6 || lo.proto != IPPROTO_ICMPV6 ||
	    (uint32_t)get16(o6 + 4) + IP6_L4 != r->out.len)
		return ": an IPv6 answer that is no ICMPv6 packet of its own length";
	if (r->decision == EB_CNT_NDP_REPLY) {
		if (t->prog != 0 || r->out.len != 86 || o6[40] != 136 || o6[7] != 255 ||
		    o6[40 + 24] != 2 || o6[40 + 25] != 1)
			return ": ndp_reply, but no NA (hop limit 255, its TLLA option, 86 bytes)";
		if (memcmp(o6 + 8, i6 + 48, 16))
			return ": an NA not from the solicited target";
		want = !memcmp(i6 + 48, gw6, 16)  ? ep_mac(t->ifindex, true)
		       : !memcmp(i6 + 48, b6, 16) ? MAC_B
		       : !memcmp(i6 + 48, a6, 16) ? MAC_A
						  : NULL;
		if (!want || memcmp(r->out.b + 6, want, 6) || memcmp(o6 + 40 + 26, want, 6))
			return ": an NA with a MAC other than the target's (gateway: its port's)";
		return NULL;
	}
	/* icmp6_sent: time exceeded or packet too big, quoting the packet as
	 * it came (RFC 4443 2.4 c: as much as fits). */
	if (lo.l4n < 8 + 40 || (o6[40] != 2 && o6[40] != 3))
		return ": icmp6_sent, but no packet too big nor time exceeded";
	qn = lo.l4n - 8;
	if (qn > t->f.len - ETH_LEN || memcmp(o6 + 48, i6, qn))
		return ": an ICMPv6 error not quoting the packet as it came";
	if (memcmp(o6 + 8, t->prog ? i6 + 24 : gw6, 16))
		return ": an ICMPv6 error from an address other than the gateway's (uplink: the "
		       "one "
		       "the packet was sent to)";
	return NULL;
}

/* Is a REDIRECT's packet a whole translation? Returns NULL or what is wrong. */
static const char *redirect_whole(const struct tmpl_out *t, const struct run_res *r)
{
	struct lay li = layout(&t->f), lo = layout(&r->out);
	const uint8_t *o3 = r->out.b + ETH_LEN, *i3 = t->f.b + ETH_LEN, *mac;
	uint32_t saddr, daddr;
	int delta = 0;

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
	if (r->decision == EB_CNT_ICMP6_SENT || r->decision == EB_CNT_NDP_REPLY)
		return answer6_whole(t, r);
	if (r->decision == EB_CNT_TO_UPLINK) {
		/* To the host's address with no host socket: the frame goes
		 * to the uplink's ingress as it is, but for its MAC. */
		if (t->prog != 0 || r->target != (uint32_t)env.if_up)
			return ": to_uplink, but not from a container to the uplink";
		if (r->out.len != t->f.len || memcmp(r->out.b + 6, t->f.b + 6, t->f.len - 6))
			return ": to_uplink, but changed";
		return NULL;
	}
	/* NAT46 (the world without IPv6 only): the family changes, and the
	 * length by the 20 bytes between the two headers. */
	if (li.ipv6 && lo.ipv4)
		delta = -20;
	else if (li.ipv4 && lo.ipv6)
		delta = 20;
	if (delta && !t->world)
		return ": the family changed on a network with IPv6";
	if ((int64_t)r->out.len != (int64_t)t->f.len + delta)
		return ": length changed";
	if (t->prog == 0) {
		if (r->target == (uint32_t)env.if_up) {
			if (lo.ipv6) {
				if (memcmp(o3 + 8, snat6, 16))
					return ": out of the uplink with an IPv6 source other than "
					       "the NAT address";
				if (delta && (memcmp(o3 + 24, client6, 16) ||
					      (uint32_t)get16(o3 + 4) + 20 != get16(i3 + 2)))
					return ": NAT46 out: not to the client, or payload length "
					       "not tot_len - 20";
				return NULL;
			}
			if (!lo.ipv4)
				return ": out of the uplink, not IP";
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
	if (lo.ipv6) {
		if (memcmp(o3 + 24, r->target == (uint32_t)env.if_a ? a6 : b6, 16))
			return ": into a container, IPv6 destination not its address";
		return NULL;
	}
	if (!lo.ipv4)
		return ": into a container, not IP";
	memcpy(&daddr, r->out.b + ETH_LEN + 16, 4);
	if (daddr != fx_ip(r->target == (uint32_t)env.if_a ? IP_A : IP_B))
		return ": into a container, destination not its address";
	if (delta) {
		/* NAT46 in: a header made anew, the L4 payload as it came. */
		uint32_t hdr = li.proto == IPPROTO_TCP ? (i3[40 + 12] >> 4) * 4u : 8;

		memcpy(&saddr, o3 + 12, 4);
		if (lo.hl != 20 || fx_fold(fx_sum(o3, 20, 0)))
			return ": NAT46 in: an IPv4 header whose checksum does not verify";
		if (saddr != fx_ip(GATEWAY) || o3[9] != li.proto ||
		    get16(o3 + 2) != get16(i3 + 4) + 20)
			return ": NAT46 in: not from the gateway, or protocol, tot_len not the "
			       "packet's";
		if (hdr < li.l4n && memcmp(o3 + 20 + hdr, i3 + 40 + hdr, li.l4n - hdr))
			return ": NAT46 in: the L4 payload after the header changed";
	}
	return NULL;
}

static void one_frame(struct tmpl_out *t, enum mut m)
{
	static struct snap before[5], after[5];
	struct world *w = t->world ? &fx46 : &fx;
	uint64_t s0[EB_CNT_MAX], s1[EB_CNT_MAX], drops = 0;
	enum inv why = invalid_reason(&t->f);
	int prog = t->prog ? w->pu : w->pc, fam = is_ip6(&t->f);
	int fds[5] = {w->ct_tcp, w->ct_other, w->frags, w->ct6_tcp, w->ct6_other};
	uint32_t ks[5] = {sizeof(struct eb_ct_key), sizeof(struct eb_ct_key),
			  sizeof(struct eb_frag_key), sizeof(struct eb_ct6_key),
			  sizeof(struct eb_ct6_key)};
	uint32_t cs_in = csum_state(&t->f), cs_out, moved = 0, moved_idx = 0;
	struct run_res r;
	const char *what;
	char det[96];

	n_frames++;
	n_frames6 += fam;
	n_world46 += t->world;
	n_by_mut[m]++;
	inv_seen[why]++;
	if (why != INV_NONE)
		for (int i = 0; i < 5; i++)
			snap_take(fds[i], ks[i], &before[i]);
	stats_read(w, s0);
	run_prog(prog, t->ifindex, &t->f, &r);
	if (r.err == -EINVAL && kernel_refuses(&t->f)) {
		n_refused++;
		return;
	}
	if (r.err) {
		snprintf(det, sizeof(det), ": %s", strerror(-r.err));
		report(C_RUN, 0, t, m, &r, det);
		viol[fam][C_RUN]++;
		return;
	}
	stats_read(w, s1);
	n_verdict[t->prog][(r.verdict + 1) & 15]++;
	n_decision[t->prog][r.decision < EB_CNT_MAX ? r.decision : 0]++;
	if (fam)
		n_decision6[t->prog][r.decision < EB_CNT_MAX ? r.decision : 0]++;
	if (r.verdict == TC_ACT_REDIRECT && t->world && get16(r.out.b + 12) != get16(t->f.b + 12))
		n_nat46[t->prog]++;

	if (!verdict_known(t->prog, r.verdict)) {
		snprintf(det, sizeof(det), ": verdict %d", r.verdict);
		report(C_VERDICT, 0, t, m, &r, det);
		viol[fam][C_VERDICT]++;
	}
	for (uint32_t i = EB_CNT_DROP_FIRST; i < EB_CNT_DROP_END; i++) {
		if (s1[i] != s0[i]) {
			moved++;
			moved_idx = i;
			drops += s1[i] - s0[i];
		}
	}
	if (r.verdict == TC_ACT_SHOT && r.decision == EB_CNT_NDP_IGNORED) {
		/* NDP and MLD that go nowhere (bpf/lib/ndp.h): no drop. */
		if (drops || s1[EB_CNT_NDP_IGNORED] - s0[EB_CNT_NDP_IGNORED] != 1) {
			snprintf(det, sizeof(det), ": ndp_ignored %+" PRId64 ", %" PRIu64 " drops",
				 (int64_t)(s1[EB_CNT_NDP_IGNORED] - s0[EB_CNT_NDP_IGNORED]), drops);
			report(C_DROP_COUNT, 0, t, m, &r, det);
			viol[fam][C_DROP_COUNT]++;
		}
	} else if (r.verdict == TC_ACT_SHOT) {
		if (drops != 1 || moved != 1 || moved_idx != r.decision) {
			snprintf(det, sizeof(det),
				 ": %" PRIu64 " drops over %u counters (last %u), decision %u",
				 drops, moved, moved_idx, r.decision);
			report(C_DROP_COUNT, 0, t, m, &r, det);
			viol[fam][C_DROP_COUNT]++;
		}
	} else if (drops) {
		snprintf(det, sizeof(det), ": counter %u moved", moved_idx);
		report(C_NO_DROP, 0, t, m, &r, det);
		viol[fam][C_NO_DROP]++;
	}
	if (r.verdict == TC_ACT_OK || r.verdict == TC_ACT_UNSPEC) {
		if (r.out.len != t->f.len || memcmp(r.out.b, t->f.b, t->f.len)) {
			report(C_PASS_INTACT, 0, t, m, &r, NULL);
			viol[fam][C_PASS_INTACT]++;
		}
	}
	if (r.verdict == TC_ACT_REDIRECT && why == INV_NONE) {
		struct lay lo = layout(&r.out);

		cs_out = csum_state(&r.out);
		/* A packet made anew (a DNS answer, an ICMP error of the
		 * gateway, an NA): its checksums are complete, whatever the
		 * input had (UDP checksum 0 included). */
		if (is_dns_answer(t, &r) || r.decision == EB_CNT_ICMP_SENT)
			cs_in = CS_IP | CS_L4;
		else if (r.decision == EB_CNT_ICMP6_SENT || r.decision == EB_CNT_NDP_REPLY)
			cs_in = CS_L4;
		/* IPv6 out (NAT46): no header checksum left to keep. */
		if (lo.ipv6)
			cs_in &= ~(uint32_t)(CS_IP | CS_INNER_IP);
		if ((cs_in & cs_out) != cs_in) {
			int c = has_trailer(&t->f) ? C_REDIR_CSUM_TRAILER : C_REDIR_CSUM;

			snprintf(det, sizeof(det), ": checksums in %#x, out %#x", cs_in, cs_out);
			report(c, 0, t, m, &r, det);
			viol[fam][c]++;
		}
		what = redirect_whole(t, &r);
		if (what) {
			report(C_REDIR_XLATE, 0, t, m, &r, what);
			viol[fam][C_REDIR_XLATE]++;
		}
	}
	if (why != INV_NONE && r.verdict == TC_ACT_REDIRECT &&
	    (r.out.len != t->f.len || memcmp(r.out.b, t->f.b, t->f.len))) {
		report(why, 2, t, m, &r, NULL);
		xlate_viol[why]++;
	}
	if (why != INV_NONE) {
		uint32_t added = 0;

		for (int i = 0; i < 5; i++) {
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

/* The conntrack and fragment entries of a world, and emptying them. */
static uint32_t ct_entries(const struct world *w)
{
	return map_count(w->ct_tcp, sizeof(struct eb_ct_key)) +
	       map_count(w->ct_other, sizeof(struct eb_ct_key)) +
	       map_count(w->frags, sizeof(struct eb_frag_key)) +
	       map_count(w->ct6_tcp, sizeof(struct eb_ct6_key)) +
	       map_count(w->ct6_other, sizeof(struct eb_ct6_key));
}

static void ct_flush(const struct world *w)
{
	map_flush(w->ct_tcp, sizeof(struct eb_ct_key));
	map_flush(w->ct_other, sizeof(struct eb_ct_key));
	map_flush(w->frags, sizeof(struct eb_frag_key));
	map_flush(w->ct6_tcp, sizeof(struct eb_ct6_key));
	map_flush(w->ct6_other, sizeof(struct eb_ct6_key));
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
	addrs6();
	if (setup_netns() || fx_open(&fx, true) || fx_open(&fx46, false)) {
		ASSERT_TRUE(0, "set up the private network namespace and load the programs");
		fx_close();
		return eb_check_done();
	}
	for (int i = 0; i < 4; i++)
		seed.frag_ids[i] = (uint16_t)(0x7000 + i);
	if (!ASSERT_EQ(seed_flows(), 0,
		       "seed flows: TCP, UDP, ICMP out, a published-port flow in; IPv6: TCP, UDP, "
		       "echo out (NAT66), a DNAT6 flow in, NAT46 TCP and UDP flows in")) {
		fx_close();
		return eb_check_done();
	}
	/* The snapshots (bpf_map_lookup_batch) see what the seeds made: two
	 * entries a flow. */
	ASSERT_EQ(map_count(fx.ct_tcp, sizeof(struct eb_ct_key)), 4,
		  "the snapshot sees the seeded TCP flows (SNAT, DNAT)");
	ASSERT_EQ(map_count(fx.ct6_tcp, sizeof(struct eb_ct6_key)), 4,
		  "the snapshot sees the seeded IPv6 TCP flows (NAT66, DNAT6)");
	ASSERT_EQ(map_count(fx.ct6_other, sizeof(struct eb_ct6_key)), 4,
		  "the snapshot sees the seeded IPv6 UDP and echo flows (NAT66)");
	ASSERT_EQ(map_count(fx46.ct6_tcp, sizeof(struct eb_ct6_key)) +
		      map_count(fx46.ct6_other, sizeof(struct eb_ct6_key)),
		  4, "the snapshot sees the seeded NAT46 flows (TCP, UDP)");
	clock_gettime(CLOCK_MONOTONIC, &t0);
	too_short();
	while (n_frames < frames) {
		struct tmpl_out t;
		enum mut m;

		/* Conntrack small: its snapshots stay cheap. */
		if ((n_frames & 63) == 0 && ct_entries(&fx) + ct_entries(&fx46) > 64) {
			ct_flush(&fx);
			ct_flush(&fx46);
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
	for (int p = 0; p < 2; p++) {
		printf("\n# ...of the IPv6 frames of %s:",
		       p ? "eb_from_uplink" : "eb_from_container");
		for (int i = 0; i < EB_CNT_MAX; i++)
			if (n_decision6[p][i])
				printf(" %d: %" PRIu64, i, n_decision6[p][i]);
	}
	printf("\n# NAT46 (the family changed): in %" PRIu64 ", out %" PRIu64, n_nat46[1],
	       n_nat46[0]);
	printf("\n# %" PRIu64 " frames of EtherType IPv6 as run; %" PRIu64
	       " frames run on the network without IPv6 (NAT46)",
	       n_frames6, n_world46);
	printf("\n# invalid frames by reason:");
	for (int i = 1; i < INV_MAX; i++)
		printf(" %s %" PRIu64 ";", inv_name[i], inv_seen[i]);
	printf("\n");

	ASSERT_TRUE(n_frames >= 100000 || getenv("EB_FUZZ_FRAMES"), "at least 100,000 frames");
	ASSERT_TRUE(n_frames6 >= n_frames / 3, "at least a third of them IPv6 frames");
	if (n_frames >= 20000) {
		/* The IPv6 templates reach what they were made for (a seed
		 * that no longer made its flow would not). */
		static const struct {
			int prog, cnt;
			const char *what;
		} cov[] = {
		    {0, EB_CNT_NDP_REPLY, "NS answered"},
		    {0, EB_CNT_NDP_IGNORED, "NDP/MLD gone quietly"},
		    {0, EB_CNT_FWD, "container to container"},
		    {0, EB_CNT_FLOOD, "ff02::1 flooded"},
		    {0, EB_CNT_TO_HOST, "the gateway, the host"},
		    {0, EB_CNT_NAT6_OUT, "NAT66 out"},
		    {0, EB_CNT_ICMP6_SENT, "the gateway's time exceeded"},
		    {0, EB_CNT_ICMP6_ERR_OUT, "a container's ICMPv6 error translated out"},
		    {0, EB_CNT_DROP_IP6_EXTHDR, "extension header dropped"},
		    {0, EB_CNT_DROP_IP6_MCAST, "multicast dropped"},
		    {0, EB_CNT_DROP_ISOLATED, "another network's prefix"},
		    {0, EB_CNT_DROP_SPOOF_IP6, "a spoofed source"},
		    {1, EB_CNT_NAT6_IN, "NAT66 replies in"},
		    {1, EB_CNT_ICMP6_ERR_IN, "ICMPv6 errors from outside translated in"},
		    {1, EB_CNT_ICMP6_SENT, "time exceeded on the uplink"},
		    {1, EB_CNT_DNAT6_IN, "DNAT6/NAT46 in"},
		    {1, EB_CNT_DROP_UNPUBLISHED, "a container's address from outside"},
		};
		char what[200];

		for (size_t i = 0; i < sizeof(cov) / sizeof(cov[0]); i++) {
			snprintf(what, sizeof(what), "IPv6 frames reach %s (%s: %s)", cov[i].what,
				 cov[i].prog ? "eb_from_uplink" : "eb_from_container",
				 eb_counter_name(cov[i].cnt));
			ASSERT_TRUE(n_decision6[cov[i].prog][cov[i].cnt] > 0, what);
		}
		ASSERT_TRUE(n_nat46[1] > 0, "NAT46 in: IPv6 from the uplink into B as IPv4");
		ASSERT_TRUE(n_nat46[0] > 0, "NAT46 out: B's IPv4 out of the uplink as IPv6");
	}
	for (int c = 0; c < C_NMAX; c++) {
		char what[300];

		ASSERT_EQ(viol[0][c], 0, check_name[c]);
		snprintf(what, sizeof(what), "IPv6 frames: %s", check_name[c]);
		ASSERT_EQ(viol[1][c], 0, what);
	}
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
	printf("# %" PRIu64
	       " frames of an IPv4 (IPv6) EtherType shorter than an IPv4 (IPv6) header: "
	       "refused by BPF_PROG_TEST_RUN itself, not run\n",
	       n_refused);
	/* (Its time is printed above, not asserted: speed belongs to the
	 * benchmark, and a loaded machine is no defect of the datapath.) */
	fx_close();
	return eb_check_done();
}
