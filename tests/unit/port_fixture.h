/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The fixture of the unit tests that run eb_from_container on real ports
 * (test_l2.c, test_ndp.c): a private network namespace with NPORTS veth
 * ports (p0..p2, peers c0..c2) plus a stray device, the program loaded
 * from the skeleton with unpinned maps, endpoint records written for them,
 * and the helpers to run a frame through the program and read counters.
 * Included once by each test (static functions, not a library).
 */
#ifndef EB_TEST_PORT_FIXTURE_H
#define EB_TEST_PORT_FIXTURE_H

#define NPORTS	 3 /* ports with a container: p0 p1 p2 (peers c0 c1 c2) */
#define STRAY	 3 /* p3: a device with no endpoint */
#define SUBNET	 "10.77.0.0"
#define GATEWAY	 "10.77.0.1"
#define NOT_READY "10.77.0.9" /* an endpoint whose creation did not finish */

static struct container_bpf *skel;
static int prog_fd;
static int ifidx[NPORTS + 1];
static struct eb_endpoint eps[NPORTS];

static __u32 ip(const char *s)
{
	__u32 a = 0;

	inet_pton(AF_INET, s, &a);
	return a;
}

static int run(const char *cmd)
{
	int rc = system(cmd);

	if (rc != 0)
		fprintf(stderr, "setup: '%s' failed (%d)\n", cmd, rc);
	return rc;
}

/* ---- frames ---- */

static int put_eth(unsigned char *p, const unsigned char *dst, const unsigned char *src, __u16 proto)
{
	struct ethhdr *e = (struct ethhdr *)p;

	memcpy(e->h_dest, dst, 6);
	memcpy(e->h_source, src, 6);
	e->h_proto = htons(proto);
	return sizeof(*e);
}

static __u16 csum16(const void *data, int len)
{
	const unsigned char *b = data;
	__u32 sum = 0;
	int i;

	for (i = 0; i + 1 < len; i += 2)
		sum += (b[i] << 8) | b[i + 1];
	if (len & 1)
		sum += b[len - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return ~sum & 0xffff;
}

/* ---- running the program ---- */

struct result {
	int err;
	__u32 retval;
	__u32 decision, target, copies;
	unsigned char out[1600];
	__u32 out_len;
};

static void prog_run(int ifindex, const void *frame, int len, struct result *r)
{
	struct __sk_buff ctx = { .ifindex = ifindex }, ctx_out = {};
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = frame, .data_size_in = len,
		    .data_out = r->out, .data_size_out = sizeof(r->out), .ctx_in = &ctx,
		    .ctx_size_in = sizeof(ctx), .ctx_out = &ctx_out,
		    .ctx_size_out = sizeof(ctx_out), .repeat = 1);

	memset(r, 0, sizeof(*r));
	r->err = bpf_prog_test_run_opts(prog_fd, &o);
	r->retval = o.retval;
	r->out_len = o.data_size_out;
	r->decision = ctx_out.cb[EB_CB_DECISION];
	r->target = ctx_out.cb[EB_CB_TARGET];
	r->copies = ctx_out.cb[EB_CB_COPIES];
}

/* packets of counter idx, summed over all CPUs */
static __u64 counter(__u32 idx)
{
	int ncpu = libbpf_num_possible_cpus();
	struct eb_counter_val *v = calloc(ncpu, sizeof(*v));
	__u64 sum = 0;

	if (v && bpf_map_lookup_elem(bpf_map__fd(skel->maps.eb_stats), &idx, v) == 0)
		for (int i = 0; i < ncpu; i++)
			sum += v[i].packets;
	free(v);
	return sum;
}

/* A port slot's counters in eb_ctr_slots, summed over all CPUs. */
static struct eb_ctr_counters ctr_slot(__u32 slot)
{
	int ncpu = libbpf_num_possible_cpus();
	struct eb_ctr_counters *v = calloc(ncpu, sizeof(*v)), sum = {};

	if (v && bpf_map_lookup_elem(bpf_map__fd(skel->maps.eb_ctr_slots), &slot, v) == 0)
		for (int i = 0; i < ncpu; i++) {
			sum.from_packets += v[i].from_packets;
			sum.from_bytes += v[i].from_bytes;
			sum.to_packets += v[i].to_packets;
			sum.to_bytes += v[i].to_bytes;
		}
	free(v);
	return sum;
}

/* ---- setup ---- */

static int make_ports(void)
{
	char cmd[256];
	int i;

	if (unshare(CLONE_NEWNET) < 0) {
		fprintf(stderr, "setup: unshare(CLONE_NEWNET): %s\n", strerror(errno));
		return -1;
	}
	/* /proc/sys/net follows the opener's namespace: this one only. */
	if (run("sysctl -qw net.ipv6.conf.default.disable_ipv6=1 net.ipv6.conf.all.disable_ipv6=1") ||
	    run("ip link set lo up"))
		return -1;
	for (i = 0; i <= NPORTS; i++) {
		snprintf(cmd, sizeof(cmd),
			 "ip link add p%d type veth peer name c%d && ip link set p%d up && "
			 "ip link set c%d up",
			 i, i, i, i);
		if (run(cmd))
			return -1;
		snprintf(cmd, sizeof(cmd), "p%d", i);
		ifidx[i] = if_nametoindex(cmd);
		if (!ifidx[i])
			return -1;
	}
	return 0;
}

static int seed_maps(void)
{
	struct eb_config cfg = {};
	__u32 zero = 0, slot;
	__u32 flood[5];
	int i;

	cfg.subnet = ip(SUBNET);
	cfg.mask = htonl(0xffffff00);
	cfg.prefix_len = 24;
	cfg.gateway = ip(GATEWAY);
	cfg.flood_max = 5;
	if (bpf_map_update_elem(bpf_map__fd(skel->maps.eb_config), &zero, &cfg, BPF_ANY))
		return -1;

	for (i = 0; i < NPORTS; i++) {
		struct eb_endpoint *ep = &eps[i];
		struct eb_ip_key k = {};
		struct eb_ifindex_key pk = {};
		struct eb_mac_key mk = {};
		struct eb_fdb_entry fdb = { .ifindex = ifidx[i], .slot = i };
		char a[16];

		snprintf(a, sizeof(a), "10.77.0.%d", i + 2);
		ep->ip = ip(a);
		ep->ifindex = ifidx[i];
		memcpy(ep->mac, (unsigned char[]){ 0x02, 0xeb, 10, 77, 0, i + 2 }, 6);
		memcpy(ep->host_mac, (unsigned char[]){ 0x06, 0xeb, 10, 77, 0, i + 2 }, 6);
		ep->flood_slot = i;
		ep->flags = EB_EP_READY;
		snprintf(ep->name, sizeof(ep->name), "c%d", i);
		snprintf(ep->host_dev, sizeof(ep->host_dev), "p%d", i);
		k.addr = ep->ip;
		pk.ifindex = ep->ifindex;
		memcpy(mk.mac, ep->mac, 6);
		if (bpf_map_update_elem(bpf_map__fd(skel->maps.eb_endpoints), &k, ep, BPF_ANY) ||
		    bpf_map_update_elem(bpf_map__fd(skel->maps.eb_ports), &pk, ep, BPF_ANY) ||
		    bpf_map_update_elem(bpf_map__fd(skel->maps.eb_fdb_v2), &mk, &fdb, BPF_ANY))
			return -1;
	}
	/* Not ready: in eb_endpoints only, as `ebnet up` leaves it halfway. */
	{
		struct eb_endpoint half = eps[0];
		struct eb_ip_key k = { .addr = ip(NOT_READY) };

		half.ip = k.addr;
		half.flags = 0;
		half.ifindex = 0;
		half.mac[5] = 9;
		snprintf(half.name, sizeof(half.name), "half");
		if (bpf_map_update_elem(bpf_map__fd(skel->maps.eb_endpoints), &k, &half, BPF_ANY))
			return -1;
	}
	/* The flood list: the three ports, a free slot, and a stale ifindex
	 * of a device that is gone. */
	flood[0] = ifidx[0];
	flood[1] = ifidx[1];
	flood[2] = ifidx[2];
	flood[3] = 0;
	flood[4] = 424242;
	for (slot = 0; slot < 5; slot++)
		if (bpf_map_update_elem(bpf_map__fd(skel->maps.eb_flood), &slot, &flood[slot], BPF_ANY))
			return -1;
	return 0;
}

static int quiet(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	return level == LIBBPF_WARN ? vfprintf(stderr, fmt, ap) : 0;
}

static int setup(void)
{
	struct bpf_map *m;
	int err;

	if (make_ports())
		return -1;
	libbpf_set_print(quiet);
	skel = container_bpf__open();
	if (!skel) {
		fprintf(stderr, "setup: cannot open the skeleton: %s\n", strerror(errno));
		return -1;
	}
	/* Pin nothing: the object pins by name, and by default under /sys/fs/bpf. */
	bpf_object__for_each_map(m, skel->obj)
		bpf_map__set_pin_path(m, NULL);
	err = container_bpf__load(skel);
	if (err) {
		fprintf(stderr, "setup: cannot load the skeleton: %s\n", strerror(-err));
		return -1;
	}
	prog_fd = bpf_program__fd(skel->progs.eb_from_container);
	bpf_object__for_each_map(m, skel->obj) {
		char p[256];

		snprintf(p, sizeof(p), "/sys/fs/bpf/%s", bpf_map__name(m));
		ASSERT_TRUE(access(p, F_OK) != 0, "the test pinned no map");
	}
	return seed_maps();
}

#endif
