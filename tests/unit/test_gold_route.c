// SPDX-License-Identifier: GPL-2.0
/*
 * eb_from_container's routed IPv4 path (a container's packet to the
 * gateway's MAC, for an address beyond it) and the way back through
 * eb_from_uplink, as golden rows (golden.h):
 *
 *   out   a new flow leaves by the uplink, source-translated to the SNAT
 *         address (snat_out; its NAT port the container's own when that
 *         is in the NAT range, else one chosen at run time, in the range),
 *         one hop fewer, toward the router's MAC; the last hop is answered
 *         "time exceeded" from the gateway, back into the container; to
 *         the host's uplink address with no socket there: to the uplink's
 *         ingress (to_uplink), to 127.0.0.1: the host's (to_host); no
 *         route (a blackhole), a route by another device (isolated), a
 *         reset with no flow (drop_no_ct) and an ICMP type that is not an
 *         echo (drop_proto) are dropped;
 *   flow  a flow that has its binding: its later segments, a reset
 *         included, leave with the same port;
 *   back  the replies from outside, through eb_from_uplink: translated
 *         back to the container's address and port (snat_in); one to a
 *         NAT port with no flow is the host's (uplink_pass).
 *
 * test_nat.c checks the bindings' conntrack entries, their lifetimes and
 * the ICMP errors; here each decision is one row. A namespace of its own:
 * a container port (p0), an uplink (up0, 198.51.100.1/24, default via
 * .254 whose neighbour is permanent), a device of another network (oth0)
 * and a blackhole route; the programs loaded unpinned. Every row starts
 * from the same maps (no flow, or the flows below), so none depends on
 * another having run. Needs root; skips without it.
 */
#include <stdio.h>
#include <unistd.h>
#include <netinet/in.h>
#include <linux/pkt_cls.h>

#include "check.h"
#include "golden.h"

#define UP_MAC	  "02:00:00:00:aa:01"
#define RTR_MAC	  "02:00:00:00:aa:fe"
#define SNAT_IP	  "198.51.100.1"
#define ROUTER_IP "198.51.100.254"
#define SERVER	  "203.0.113.2"
#define CTR_IP	  "10.77.0.2" /* ep0 */
#define HOLE	  "192.0.2.9"  /* in a blackhole route */
#define OTHER	  "198.18.0.9" /* routed by oth0, a device of no network of ours */
#define NAT_MIN	  20000
#define NAT_MAX	  20099

#define CTR	  0 /* the ports, in pt.ifidx: the container's, */
#define UPLINK	  1 /* the uplink */
#define IN_RANGE  20005 /* a container's source port in the NAT range: kept */
#define IN_RANGE2 20006
#define OUT_RANGE 40000 /* one outside it: another chosen */

static struct fx_ports pt; /* one container (eps[0]) behind p0; up0 as port 1 */

/* From the container to the gateway's MAC, for an address beyond it. */
#define C_TCP_TO(to, ...)                                                                          \
	{ G_TCP, .dst = "host0", .src = "ep0", .saddr = "ep0", .daddr = to, .dport = 80,           \
	  __VA_ARGS__ }
#define C_UDP_TO(to, ...)                                                                          \
	{ G_UDP, .dst = "host0", .src = "ep0", .saddr = "ep0", .daddr = to, .dport = 53,           \
	  .l4csum = true, __VA_ARGS__ }
#define C_TCP(...) C_TCP_TO(SERVER, __VA_ARGS__)
#define C_UDP(...) C_UDP_TO(SERVER, __VA_ARGS__)
/* Out of the uplink to the router, from the SNAT address, one hop fewer. */
#define U_TCP_TTL(t, ...)                                                                          \
	{ G_TCP, .dst = RTR_MAC, .src = UP_MAC, .saddr = SNAT_IP, .daddr = SERVER, .dport = 80,    \
	  .ttl = t, __VA_ARGS__ }
#define U_TCP(...) U_TCP_TTL(63, __VA_ARGS__)
#define U_UDP(...)                                                                                 \
	{ G_UDP, .dst = RTR_MAC, .src = UP_MAC, .saddr = SNAT_IP, .daddr = SERVER, .dport = 53,    \
	  .ttl = 63, .l4csum = true, __VA_ARGS__ }
/* Back to the container, from the gateway. */
#define TIME_EXCEEDED                                                                              \
	{ G_ICMP_ERR, .icmp_type = 11, .icmp_code = 0, .dst = "ep0", .src = "host0", .saddr = "gw", \
	  .daddr = "ep0" }
/* A reply from the server to the SNAT address, at the router's MAC. */
#define R_TCP(...)                                                                                 \
	{ G_TCP, .dst = UP_MAC, .src = RTR_MAC, .saddr = SERVER, .sport = 80, .daddr = SNAT_IP,    \
	  __VA_ARGS__ }
#define R_UDP_FROM(from, port, ...)                                                                \
	{ G_UDP, .dst = UP_MAC, .src = RTR_MAC, .saddr = from, .sport = port, .daddr = SNAT_IP,    \
	  .l4csum = true, __VA_ARGS__ }
#define R_UDP(...) R_UDP_FROM(SERVER, 53, __VA_ARGS__)
/* ... translated back into the container, one hop fewer. */
#define TO_CTR(kind, ...)                                                                          \
	{ kind, .dst = "ep0", .src = "host0", .saddr = SERVER, .daddr = "ep0", .ttl = 63,          \
	  __VA_ARGS__ }

#define SYN_ACK 0x12
#define ACK	0x10
#define RST	0x04

static const struct golden out_rows[] = {
	/* A new flow: its source translated, its port kept when in range. */
	{ "SYN from a port in the NAT range: the port kept", CTR, C_TCP(.sport = IN_RANGE),
	  TC_ACT_REDIRECT, EB_CNT_SNAT_OUT, .to = UPLINK, .out = U_TCP(.sport = IN_RANGE) },
	{ "UDP from a port in the NAT range: the port kept", CTR, C_UDP(.sport = IN_RANGE),
	  TC_ACT_REDIRECT, EB_CNT_SNAT_OUT, .to = UPLINK, .out = U_UDP(.sport = IN_RANGE) },
	{ "UDP without a checksum: it stays without", CTR,
	  { G_UDP, .dst = "host0", .src = "ep0", .saddr = "ep0", .daddr = SERVER, .dport = 53,
	    .sport = IN_RANGE },
	  TC_ACT_REDIRECT, EB_CNT_SNAT_OUT, .to = UPLINK,
	  .out = { G_UDP, .dst = RTR_MAC, .src = UP_MAC, .saddr = SNAT_IP, .daddr = SERVER,
		   .dport = 53, .ttl = 63, .sport = IN_RANGE } },
	{ "SYN with TTL 2: it leaves with 1", CTR, C_TCP(.sport = IN_RANGE, .ttl = 2),
	  TC_ACT_REDIRECT, EB_CNT_SNAT_OUT, .to = UPLINK,
	  .out = U_TCP_TTL(1, .sport = IN_RANGE) },
	{ "SYN from a port outside the NAT range: one chosen in it", CTR,
	  C_TCP(.sport = OUT_RANGE), TC_ACT_REDIRECT, EB_CNT_SNAT_OUT, .to = UPLINK,
	  .out = U_TCP(.sport = OUT_RANGE), .port_min = NAT_MIN, .port_max = NAT_MAX },
	{ "UDP from a port outside the NAT range: one chosen in it", CTR,
	  C_UDP(.sport = OUT_RANGE), TC_ACT_REDIRECT, EB_CNT_SNAT_OUT, .to = UPLINK,
	  .out = U_UDP(.sport = OUT_RANGE), .port_min = NAT_MIN, .port_max = NAT_MAX },

	/* The last hop: "time exceeded" from the gateway, as a router's. */
	{ "SYN with TTL 1", CTR, C_TCP(.sport = IN_RANGE, .ttl = 1), TC_ACT_REDIRECT,
	  EB_CNT_ICMP_SENT, .to = CTR, .out = TIME_EXCEEDED },
	{ "UDP with TTL 1", CTR, C_UDP(.sport = IN_RANGE, .ttl = 1), TC_ACT_REDIRECT,
	  EB_CNT_ICMP_SENT, .to = CTR, .out = TIME_EXCEEDED },

	/* Nowhere to go. */
	{ "SYN to an address in a blackhole route", CTR, C_TCP_TO(HOLE, .sport = IN_RANGE),
	  TC_ACT_SHOT, EB_CNT_DROP_NO_ROUTE },
	{ "UDP to an address in a blackhole route", CTR, C_UDP_TO(HOLE, .sport = IN_RANGE),
	  TC_ACT_SHOT, EB_CNT_DROP_NO_ROUTE },
	{ "SYN to an address routed by another network's device", CTR,
	  C_TCP_TO(OTHER, .sport = IN_RANGE), TC_ACT_SHOT, EB_CNT_DROP_ISOLATED },
	{ "UDP to an address routed by another network's device", CTR,
	  C_UDP_TO(OTHER, .sport = IN_RANGE), TC_ACT_SHOT, EB_CNT_DROP_ISOLATED },

	/* The host's uplink address, where no host socket listens: handed,
	 * unchanged but for its MAC, to the uplink's ingress (another
	 * network's published port may be there); 127/8 is the host's. */
	{ "UDP to the host's uplink address, no socket there", CTR,
	  C_UDP_TO(SNAT_IP, .sport = IN_RANGE), TC_ACT_REDIRECT, EB_CNT_TO_UPLINK, .to = UPLINK,
	  .out = { G_UDP, .dst = UP_MAC, .src = "ep0", .saddr = "ep0", .daddr = SNAT_IP,
		   .dport = 53, .sport = IN_RANGE, .l4csum = true } },
	{ "SYN to the host's uplink address, no listener there", CTR,
	  C_TCP_TO(SNAT_IP, .sport = IN_RANGE), TC_ACT_REDIRECT, EB_CNT_TO_UPLINK, .to = UPLINK,
	  .out = { G_TCP, .dst = UP_MAC, .src = "ep0", .saddr = "ep0", .daddr = SNAT_IP,
		   .dport = 80, .sport = IN_RANGE } },
	{ "SYN to 127.0.0.1", CTR, C_TCP_TO("127.0.0.1", .sport = IN_RANGE), TC_ACT_OK,
	  EB_CNT_TO_HOST },

	/* Nothing to translate, or nothing to carry it. */
	{ "RST with no flow", CTR, C_TCP(.sport = IN_RANGE, .tcp_flags = RST), TC_ACT_SHOT,
	  EB_CNT_DROP_NO_CT },
	{ "RST+ACK with no flow", CTR, C_TCP(.sport = IN_RANGE, .tcp_flags = RST | ACK),
	  TC_ACT_SHOT, EB_CNT_DROP_NO_CT },
	{ "ICMP timestamp request (not an echo)", CTR,
	  { G_ICMP_ERR, .icmp_type = 13, .dst = "host0", .src = "ep0", .saddr = "ep0",
	    .daddr = SERVER },
	  TC_ACT_SHOT, EB_CNT_DROP_PROTO },
	{ "ICMP echo reply (not a request)", CTR,
	  { G_ICMP_ERR, .icmp_type = 0, .dst = "host0", .src = "ep0", .saddr = "ep0",
	    .daddr = SERVER },
	  TC_ACT_SHOT, EB_CNT_DROP_PROTO },
};

/* A flow of the container's through eb_from_container: its binding made
 * (the port kept: in range). */
static void open_flow(const struct gpkt *g, const char *what)
{
	unsigned char f[256];
	struct fx_result r;
	int n = g_build(&pt, g, f, what);

	fx_run(pt.p.pc, pt.ifidx[CTR], f, n, 0, &r);
	ASSERT_TRUE(r.err == 0 && r.retval == TC_ACT_REDIRECT && r.decision == EB_CNT_SNAT_OUT,
		    what);
}

/* No flow. */
static void fresh(void)
{
	fx_map_clear(FX_MAP(&pt.p, eb_ct_tcp), sizeof(struct eb_ct_key));
	fx_map_clear(FX_MAP(&pt.p, eb_ct_other), sizeof(struct eb_ct_key));
}

/* A TCP flow from IN_RANGE to the server's port 80 and a UDP one from
 * IN_RANGE2 to its port 53, bound. */
static void with_flows(void)
{
	fresh();
	open_flow(&(struct gpkt)C_TCP(.sport = IN_RANGE), "setup: the TCP flow's SYN out");
	open_flow(&(struct gpkt)C_UDP(.sport = IN_RANGE2), "setup: the UDP flow's first out");
}

static const struct golden flow_rows[] = {
	{ "ACK of a bound flow: the same port", CTR, C_TCP(.sport = IN_RANGE, .tcp_flags = ACK),
	  TC_ACT_REDIRECT, EB_CNT_SNAT_OUT, .to = UPLINK,
	  .out = U_TCP(.sport = IN_RANGE, .tcp_flags = ACK) },
	{ "RST of a bound flow: carried", CTR, C_TCP(.sport = IN_RANGE, .tcp_flags = RST),
	  TC_ACT_REDIRECT, EB_CNT_SNAT_OUT, .to = UPLINK,
	  .out = U_TCP(.sport = IN_RANGE, .tcp_flags = RST) },
	{ "UDP of a bound flow: the same port", CTR, C_UDP(.sport = IN_RANGE2), TC_ACT_REDIRECT,
	  EB_CNT_SNAT_OUT, .to = UPLINK, .out = U_UDP(.sport = IN_RANGE2) },
	{ "RST from another port (no flow of its own)", CTR,
	  C_TCP(.sport = IN_RANGE2, .tcp_flags = RST), TC_ACT_SHOT, EB_CNT_DROP_NO_CT },
};

static const struct golden back_rows[] = {
	{ "SYN-ACK of the TCP flow: to the container", UPLINK,
	  R_TCP(.dport = IN_RANGE, .tcp_flags = SYN_ACK), TC_ACT_REDIRECT, EB_CNT_SNAT_IN,
	  .to = CTR, .out = TO_CTR(G_TCP, .sport = 80, .dport = IN_RANGE, .tcp_flags = SYN_ACK) },
	{ "UDP reply of the UDP flow: to the container", UPLINK, R_UDP(.dport = IN_RANGE2),
	  TC_ACT_REDIRECT, EB_CNT_SNAT_IN, .to = CTR,
	  .out = TO_CTR(G_UDP, .sport = 53, .dport = IN_RANGE2, .l4csum = true) },
	{ "RST of the TCP flow: to the container", UPLINK, R_TCP(.dport = IN_RANGE, .tcp_flags = RST),
	  TC_ACT_REDIRECT, EB_CNT_SNAT_IN, .to = CTR,
	  .out = TO_CTR(G_TCP, .sport = 80, .dport = IN_RANGE, .tcp_flags = RST) },
	/* Not a flow of ours: the host's, unchanged. */
	{ "SYN-ACK to a NAT port with no flow", UPLINK,
	  R_TCP(.dport = NAT_MIN + 50, .tcp_flags = SYN_ACK), TC_ACT_UNSPEC, EB_CNT_UPLINK_PASS },
	{ "UDP from the server's other port to the UDP flow's NAT port", UPLINK,
	  R_UDP_FROM(SERVER, 54, .dport = IN_RANGE2), TC_ACT_UNSPEC, EB_CNT_UPLINK_PASS },
	{ "UDP from another address to the UDP flow's NAT port", UPLINK,
	  R_UDP_FROM("203.0.113.3", 53, .dport = IN_RANGE2), TC_ACT_UNSPEC, EB_CNT_UPLINK_PASS },
};

#define ROWS(t) (int)(sizeof(t) / sizeof((t)[0]))

static int setup(void)
{
	unsigned char up_mac[6] = { 0x02, 0, 0, 0, 0xaa, 0x01 }, rtr[6] = { 0x02, 0, 0, 0, 0xaa, 0xfe };
	int err, oth;

	if (fx_netns())
		return -1;
	pt.ifidx[CTR] = fx_veth("p0", NULL, "c0", NULL);
	pt.ifidx[UPLINK] = fx_veth("up0", up_mac, "up0p", rtr);
	oth = fx_veth("oth0", NULL, "oth0p", NULL);
	if (pt.ifidx[CTR] < 0 || pt.ifidx[UPLINK] < 0 || oth < 0)
		return -1;
	if (fx_forwarding(pt.ifidx[CTR]) || fx_addr(pt.ifidx[UPLINK], SNAT_IP, 24) ||
	    fx_route(NULL, 0, ROUTER_IP, pt.ifidx[UPLINK]) ||
	    fx_neigh(pt.ifidx[UPLINK], ROUTER_IP, rtr) || fx_route_blackhole("192.0.2.0", 24) ||
	    fx_route("198.18.0.0", 24, NULL, oth))
		return -1;
	if (fx_load(&pt.p, &(struct fx_load_opts){ .uplink = true }))
		return -1;
	/* The container as fx_ports makes port 0's (CTR_IP), the uplink
	 * (golden.h). */
	err = golden_uplink_net(&pt, up_mac, SNAT_IP, NAT_MIN, NAT_MAX);
	return err;
}

int main(void)
{
	if (geteuid() != 0) {
		SKIP("BPF_PROG_TEST_RUN and namespaces need root");
		return eb_check_done();
	}
	if (setup()) {
		ASSERT_TRUE(0, "setup: namespace, veth pairs, uplink, routes, skeletons, maps");
		return eb_check_done();
	}
	FX_ASSERT_UNPINNED(&pt.p);
	golden_run_with(&pt, pt.p.pc, fresh, out_rows, ROWS(out_rows));
	golden_run_with(&pt, pt.p.pc, with_flows, flow_rows, ROWS(flow_rows));
	golden_run_with(&pt, pt.p.pu, with_flows, back_rows, ROWS(back_rows));
	fx_unload(&pt.p);
	return eb_check_done();
}
