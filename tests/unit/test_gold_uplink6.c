// SPDX-License-Identifier: GPL-2.0
/*
 * eb_from_uplink's IPv6 decisions about packets from outside, on a network
 * with NAT66 (the uplink's IPv6 address its SNAT address), as golden rows
 * (golden.h):
 *
 *   in    to a container's own address: dropped (drop_unpublished); to the
 *         host at a port nobody published: the host's (nat6_pass); a new
 *         flow to a published port: to the container's IPv6 address and
 *         port, the client's kept, one hop fewer (dnat6_in);
 *   out   (eb_from_container) a container's datagram out: source-translated
 *         to the uplink's address, its port kept in the NAT range (nat6_out);
 *   back  the reply of that NAT66 flow, translated back into the container
 *         (nat6_in); one to a NAT port with no flow is the host's.
 *
 * test_nat6.c and test_pub6.c check the flows' entries, TCP, ICMPv6 and
 * the errors; here each decision is one row. A namespace of its own with a
 * container port (p0, IPv6 forwarding on) and an uplink (up0,
 * 2001:db8:100::1/64, default via ::fe whose neighbour is permanent), the
 * programs loaded unpinned. Every row starts from the same maps (no flow,
 * or the flow below). Needs root; skips without it.
 */
#include <stdio.h>
#include <unistd.h>
#include <netinet/in.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf.h>

#include "check.h"
#include "golden.h"

#define UP_MAC	"02:00:00:00:aa:01"
#define RTR_MAC "02:00:00:00:aa:fe"
#define SNAT_IP "198.51.100.1"
#define SNAT6	"2001:db8:100::1"
#define ROUTER6 "2001:db8:100::fe"
#define CLIENT6 "2001:db8:200::2"
#define CTR_IP	"10.77.0.2" /* ep0 */
#define NAT_MIN 20000
#define NAT_MAX 20099

#define CTR	 0 /* the ports, in pt.ifidx: the container's, */
#define UPLINK	 1 /* the uplink */
#define IN_RANGE 20005 /* the container's source port, in the NAT range: kept */

static struct fx_ports pt; /* one container (eps[0]) behind p0; up0 as port 1 */

/* From the router to the uplink, from the client. */
#define IN_UDP6(to, ...)                                                                           \
	{ G_UDP6, .dst = UP_MAC, .src = RTR_MAC, .saddr = CLIENT6, .daddr = to, __VA_ARGS__ }
#define IN_ICMP6(to) { G_ICMP6, .dst = UP_MAC, .src = RTR_MAC, .saddr = CLIENT6, .daddr = to }
/* Into the container, from the client, one hop fewer (hop limit h). */
#define TO_CTR6_HOPS(h, ...)                                                                       \
	{ G_UDP6, .dst = "ep0", .src = "host0", .saddr = CLIENT6, .daddr = "ep0", .hops = h,       \
	  __VA_ARGS__ }
#define TO_CTR6(...) TO_CTR6_HOPS(63, __VA_ARGS__)

static const struct golden in_rows[] = {
	/* Addressed to a container itself: NAT66 never shows it outside. */
	{ "UDP to a container's own IPv6 address", UPLINK, IN_UDP6("ep0"), TC_ACT_SHOT,
	  EB_CNT_DROP_UNPUBLISHED },
	{ "UDP to a container's own IPv6 address, at a published port's number", UPLINK,
	  IN_UDP6("ep0", .dport = 8080), TC_ACT_SHOT, EB_CNT_DROP_UNPUBLISHED },
	{ "echo request to a container's own IPv6 address", UPLINK, IN_ICMP6("ep0"), TC_ACT_SHOT,
	  EB_CNT_DROP_UNPUBLISHED },

	/* The host's own: left to its stack, unchanged. */
	{ "UDP to the host at a port not published", UPLINK, IN_UDP6(SNAT6), TC_ACT_UNSPEC,
	  EB_CNT_NAT6_PASS },
	{ "echo request to the host", UPLINK, IN_ICMP6(SNAT6), TC_ACT_UNSPEC, EB_CNT_NAT6_PASS },
	{ "UDP to the host at a NAT port with no flow", UPLINK,
	  IN_UDP6(SNAT6, .sport = 53, .dport = IN_RANGE), TC_ACT_UNSPEC, EB_CNT_NAT6_PASS },

	/* A new flow to a published port: to the container's address and
	 * port, the client's kept. */
	{ "UDP to the published 8080/udp", UPLINK, IN_UDP6(SNAT6, .dport = 8080), TC_ACT_REDIRECT,
	  EB_CNT_DNAT6_IN, .to = CTR, .out = TO_CTR6(.dport = 80) },
	{ "UDP with hop limit 2 to 8080/udp: the last hop is the container's", UPLINK,
	  IN_UDP6(SNAT6, .dport = 8080, .hops = 2), TC_ACT_REDIRECT, EB_CNT_DNAT6_IN, .to = CTR,
	  .out = TO_CTR6_HOPS(1, .dport = 80) },
};

/* The container's datagram out (the NAT66 flow of back_rows). */
#define CTR_OUT6                                                                                   \
	{ G_UDP6, .dst = "host0", .src = "ep0", .saddr = "ep0", .daddr = CLIENT6,                  \
	  .sport = IN_RANGE, .dport = 53 }

static const struct golden out_rows[] = {
	{ "UDP from a port in the NAT range, out", CTR, CTR_OUT6, TC_ACT_REDIRECT, EB_CNT_NAT6_OUT,
	  .to = UPLINK,
	  .out = { G_UDP6, .dst = RTR_MAC, .src = UP_MAC, .saddr = SNAT6, .daddr = CLIENT6,
		   .sport = IN_RANGE, .dport = 53, .hops = 63 } },
};

static const struct golden back_rows[] = {
	{ "UDP reply of the NAT66 flow: to the container", UPLINK,
	  IN_UDP6(SNAT6, .sport = 53, .dport = IN_RANGE), TC_ACT_REDIRECT, EB_CNT_NAT6_IN,
	  .to = CTR, .out = TO_CTR6(.sport = 53, .dport = IN_RANGE) },
	{ "UDP from the client's other port to the flow's NAT port", UPLINK,
	  IN_UDP6(SNAT6, .sport = 54, .dport = IN_RANGE), TC_ACT_UNSPEC, EB_CNT_NAT6_PASS },
};

#define ROWS(t) (int)(sizeof(t) / sizeof((t)[0]))

static void fresh(void)
{
	fx_map_clear(FX_MAP(&pt.p, eb_ct6_tcp), sizeof(struct eb_ct6_key));
	fx_map_clear(FX_MAP(&pt.p, eb_ct6_other), sizeof(struct eb_ct6_key));
}

/* The container's NAT66 flow, bound with its own port. */
static void with_flow(void)
{
	unsigned char f[256];
	struct fx_result r;
	int n;

	fresh();
	n = g_build(&pt, &(struct gpkt)CTR_OUT6, f, "setup: the flow's first datagram");
	fx_run(pt.p.pc, pt.ifidx[CTR], f, n, 0, &r);
	ASSERT_TRUE(r.err == 0 && r.retval == TC_ACT_REDIRECT && r.decision == EB_CNT_NAT6_OUT &&
			    r.out_len > 14 + 40 + 2 && (r.out[54] << 8 | r.out[55]) == IN_RANGE,
		    "setup: the NAT66 flow out, its port kept");
}

/* IPv6 of the network (golden_ip6), NAT66 to the uplink's address, which
 * is the host's; the container's address as `up` stores it. */
static int setup6(void)
{
	struct eb_ip6_key hk = {};
	struct eb_ip_key k4 = { .addr = pt.eps[0].ip };
	struct eb_addr6 a6 = {};
	__u32 one = 1;

	if (golden_ip6(&pt, EB_CFG6_ON))
		return -1;
	fx_ip6(SNAT6, g6.c6.snat_ip6);
	fx_ip6(SNAT6, hk.addr);
	memcpy(a6.addr, g6.ep[0], 16);
	if (fx_config6_write(&pt.p, &g6.c6) ||
	    bpf_map_update_elem(FX_MAP(&pt.p, eb_host6), &hk, &one, BPF_ANY) ||
	    bpf_map_update_elem(FX_MAP(&pt.p, eb_addr6), &k4, &a6, BPF_ANY))
		return -1;
	return fx_put_pub(&pt.p, 0, 8080, IPPROTO_UDP, CTR_IP, 80, pt.ifidx[CTR], "c0");
}

static int setup(void)
{
	unsigned char up_mac[6] = { 0x02, 0, 0, 0, 0xaa, 0x01 }, rtr[6] = { 0x02, 0, 0, 0, 0xaa, 0xfe };
	int err;

	if (fx_netns())
		return -1;
	pt.ifidx[CTR] = fx_veth("p0", NULL, "c0", NULL);
	pt.ifidx[UPLINK] = fx_veth("up0", up_mac, "up0p", rtr);
	if (pt.ifidx[CTR] < 0 || pt.ifidx[UPLINK] < 0)
		return -1;
	if (fx_forwarding(pt.ifidx[CTR]) ||
	    fx_sysctl("/proc/sys/net/ipv6/conf/p0/forwarding", "1") ||
	    fx_addr6(pt.ifidx[UPLINK], SNAT6, 64) || fx_route6(NULL, 0, ROUTER6, pt.ifidx[UPLINK]) ||
	    fx_neigh6(pt.ifidx[UPLINK], ROUTER6, rtr))
		return -1;
	if (fx_load(&pt.p, &(struct fx_load_opts){ .uplink = true }))
		return -1;
	/* The container as fx_ports makes port 0's (CTR_IP), the uplink
	 * (golden.h). */
	err = golden_uplink_net(&pt, up_mac, SNAT_IP, NAT_MIN, NAT_MAX);
	if (!err)
		err = setup6();
	return err;
}

int main(void)
{
	if (geteuid() != 0) {
		SKIP("BPF_PROG_TEST_RUN and namespaces need root");
		return eb_check_done();
	}
	if (setup()) {
		ASSERT_TRUE(0, "setup: namespace, veth pairs, uplink, IPv6, skeletons, maps");
		return eb_check_done();
	}
	FX_ASSERT_UNPINNED(&pt.p);
	golden_run_with(&pt, pt.p.pu, fresh, in_rows, ROWS(in_rows));
	golden_run_with(&pt, pt.p.pc, fresh, out_rows, ROWS(out_rows));
	golden_run_with(&pt, pt.p.pu, with_flow, back_rows, ROWS(back_rows));
	fx_unload(&pt.p);
	return eb_check_done();
}
