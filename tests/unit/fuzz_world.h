/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Part of test_fuzz.c (its header comment says what the test holds), included
 * there only, in the order its #includes give: the addresses of the test's world,
 * the fixed-seed generator, the private namespace (IPv4 and IPv6), the two
 * worlds' programs and maps, and the snapshots of map state.
 */
#ifndef EB_TEST_FUZZ_WORLD_H
#define EB_TEST_FUZZ_WORLD_H

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

#endif
