/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The world of the outbound NAT tests (issue 3), test_nat_*.c: each a
 * binary of its own that sets it up in main() (setup_netns()) and loads
 * eb_from_container (SNAT out of the uplink) and eb_from_uplink (replies and
 * ICMP errors translated back) afresh for each test, through the fixture
 * (fixture.h), with no pinning and sharing their maps.
 *
 * The tests run in a network namespace of their own (unshare), with real
 * devices made through libebnet's netlink code, because the programs read
 * skb->ifindex (test_run takes it from the ctx's ifindex) and call
 * bpf_fib_lookup in the caller's namespace:
 *
 *   nat_a / nat_b  host-side veths of containers A (10.99.0.2) and B
 *                  (10.99.0.3); forwarding=1 on them, as the FIB lookup needs
 *   up0            the uplink, 198.51.100.1/24, default via 198.51.100.254
 *                  whose neighbour entry is permanent
 *
 * Here: its addresses, the namespace, the programs and their maps.
 */
#ifndef EB_TEST_NAT_WORLD_H
#define EB_TEST_NAT_WORLD_H

#include <errno.h>
#include <sched.h>
#include <stdarg.h>
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

/* Not every test file that includes this calls each helper. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-function"

/* ---- addresses of the test's world ---- */

#define SUBNET	 "10.99.0.0"
#define GATEWAY	 "10.99.0.1"
#define IP_A	 "10.99.0.2"
#define IP_B	 "10.99.0.3"
#define SNAT_IP	 "198.51.100.1"
#define ROUTER	 "198.51.100.254"
#define SERVER	 "203.0.113.2"
#define NAT_MIN	 20000
#define NAT_MAX	 20099
#define ETH_LEN	 14
#define IP_LEN	 20
#define IPPROTO_GRE_ 47

static const uint8_t MAC_A[6] = { 0x02, 0xeb, 0x0a, 0x63, 0x00, 0x02 };
static const uint8_t MAC_A_HOST[6] = { 0x06, 0xeb, 0x0a, 0x63, 0x00, 0x02 };
static const uint8_t MAC_B[6] = { 0x02, 0xeb, 0x0a, 0x63, 0x00, 0x03 };
static const uint8_t MAC_B_HOST[6] = { 0x06, 0xeb, 0x0a, 0x63, 0x00, 0x03 };
static const uint8_t MAC_UP[6] = { 0x02, 0x00, 0x5e, 0x00, 0x00, 0x01 };
static const uint8_t MAC_GW[6] = { 0x02, 0x00, 0x5e, 0x00, 0x00, 0xfe };

static struct {
	int if_a, if_b, if_up;
} env;

/* ---- the private namespace ---- */

static int setup_netns(void)
{
	if (fx_netns())
		return -1;
	env.if_a = fx_veth("nat_a", MAC_A_HOST, "nat_ap", MAC_A);
	env.if_b = fx_veth("nat_b", MAC_B_HOST, "nat_bp", MAC_B);
	env.if_up = fx_veth("up0", MAC_UP, "up0p", MAC_GW);
	if (env.if_a < 0 || env.if_b < 0 || env.if_up < 0)
		return -1;
	/* bpf_fib_lookup answers FWD_DISABLED unless the ingress device
	 * forwards; only inside this namespace. */
	if (fx_addr(env.if_up, SNAT_IP, 24) || fx_route(NULL, 0, ROUTER, env.if_up) ||
	    fx_neigh(env.if_up, ROUTER, MAC_GW) || fx_forwarding(env.if_a) ||
	    fx_forwarding(env.if_b))
		return -1;
	return 0;
}

/* The start of every NAT test binary's main(): root, and the namespace.
 * False (said: skipped, or failed) when the tests cannot run. */
static bool nat_world_ready(void)
{
	if (geteuid() != 0) {
		SKIP("needs root (unshare, BPF_PROG_TEST_RUN)");
		return false;
	}
	if (setup_netns()) {
		ASSERT_TRUE(0, "set up the private network namespace");
		return false;
	}
	return true;
}

/* ---- the programs and their maps ---- */

struct fx_opts {
	uint16_t nat_min, nat_max;
	uint32_t ct_tcp_max; /* 0: as built */
	uint32_t ct_other_max;
	uint32_t ct_udp;     /* lifetime; 0: 60 s */
};

struct fx {
	struct fx_progs p;
	struct container_bpf *c;
	int pc, pu;
	int cfg, eps, ports, stats, ct_tcp, ct_other;
};

static void fx_close(struct fx *f)
{
	fx_unload(&f->p);
	memset(f, 0, sizeof(*f));
}

static void put_ep(struct fx *f, const char *addr, int ifindex, const uint8_t *mac,
		   const uint8_t *host_mac, const char *name)
{
	struct eb_endpoint ep;
	char dev[16];

	snprintf(dev, sizeof(dev), "nat_%s", name);
	fx_ep(&ep, addr, ifindex, mac, host_mac, name, dev, 0);
	fx_put_ep(&f->p, &ep);
}

static int fx_open(struct fx *f, const struct fx_opts *o)
{
	struct fx_load_opts lo = { .uplink = true, .ct_tcp_max = o->ct_tcp_max,
				   .ct_other_max = o->ct_other_max };
	struct eb_config cfg;

	memset(f, 0, sizeof(*f));
	if (fx_load(&f->p, &lo))
		return -1;
	f->c = f->p.c;
	f->pc = f->p.pc;
	f->pu = f->p.pu;
	f->cfg = FX_MAP(&f->p, eb_config);
	f->eps = FX_MAP(&f->p, eb_endpoints);
	f->ports = FX_MAP(&f->p, eb_ports);
	f->stats = FX_MAP(&f->p, eb_stats);
	f->ct_tcp = FX_MAP(&f->p, eb_ct_tcp);
	f->ct_other = FX_MAP(&f->p, eb_ct_other);

	fx_config(&cfg, SUBNET, 24, &f->p);
	fx_config_uplink(&cfg, env.if_up, MAC_UP, SNAT_IP, o->nat_min ? o->nat_min : NAT_MIN,
			 o->nat_max ? o->nat_max : NAT_MAX);
	/* A SYN_SENT lifetime shorter than `up`'s (EB_CT_DEF_SYN_SENT), the
	 * one test_tcp_lifetimes ages a flow past; the others are up's. */
	cfg.ct_tcp_syn = 30;
	if (o->ct_udp)
		cfg.ct_udp = o->ct_udp;
	if (fx_config_write(&f->p, &cfg))
		return -1;
	put_ep(f, IP_A, env.if_a, MAC_A, MAC_A_HOST, "a");
	put_ep(f, IP_B, env.if_b, MAC_B, MAC_B_HOST, "b");
	return 0;
}

static uint64_t stat_pkts(struct fx *f, uint32_t idx)
{
	return fx_counter(&f->p, idx);
}

static int ct_count(int fd)
{
	return fx_map_count(fd, sizeof(struct eb_ct_key));
}

#pragma GCC diagnostic pop

#endif
