// SPDX-License-Identifier: GPL-2.0
/*
 * eb_from_uplink's IPv4 decisions about packets from outside, as golden
 * rows (golden.h): what is addressed to a container itself is dropped
 * (drop_unpublished), the host's own traffic is left to it (uplink_pass),
 * a new flow to a published port is translated to the container's address
 * and port (the frame byte for byte, its checksums verified), and the last
 * hop toward a published port is answered "time exceeded" back out of the
 * uplink (the ICMP error byte for byte). test_pub.c checks the flows'
 * conntrack entries and their replies; here each decision is one row.
 *
 * A namespace of its own with a container port (p0) and an uplink (up0)
 * with an address and a route out, the programs loaded unpinned. Every row
 * starts from the same maps (fresh(): no flow, the published ports below),
 * so none depends on another having run. Needs root; skips without it.
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
#define CLIENT_IP "203.0.113.2"
#define CTR_IP	  "10.77.0.2" /* ep0 */

#define CTR	0 /* the ports, in pt.ifidx: the container's, */
#define UPLINK	1 /* the uplink */
#define CPORT	40000 /* the client's source port */

static struct fx_ports pt; /* one container (eps[0]) behind p0; up0 as port 1 */

/* The published ports every row starts with: 8080/tcp -> 80 and
 * 5353/udp -> 53 on every address of the host, 7070/tcp on 127.0.0.1 only. */
static void fresh(void)
{
	fx_map_clear(FX_MAP(&pt.p, eb_ct_tcp), sizeof(struct eb_ct_key));
	fx_map_clear(FX_MAP(&pt.p, eb_ct_other), sizeof(struct eb_ct_key));
	fx_map_clear(FX_MAP(&pt.p, eb_pub_ports), sizeof(struct eb_pub_key));
	fx_map_clear(FX_MAP(&pt.p, eb_pub_stats), sizeof(struct eb_pub_key));
	if (fx_put_pub(&pt.p, 0, 8080, IPPROTO_TCP, CTR_IP, 80, pt.ifidx[CTR], "c0") ||
	    fx_put_pub(&pt.p, 0, 5353, IPPROTO_UDP, CTR_IP, 53, pt.ifidx[CTR], "c0") ||
	    fx_put_pub(&pt.p, fx_ip("127.0.0.1"), 7070, IPPROTO_TCP, CTR_IP, 80, pt.ifidx[CTR],
		       "c0"))
		ASSERT_TRUE(0, "the published ports written");
}

/* From the router to the uplink. */
#define IN_UDP(...)                                                                                \
	{ G_UDP, .dst = UP_MAC, .src = RTR_MAC, .saddr = CLIENT_IP, .sport = CPORT,                \
	  .l4csum = true, __VA_ARGS__ }
#define IN_TCP(...)                                                                                \
	{ G_TCP, .dst = UP_MAC, .src = RTR_MAC, .saddr = CLIENT_IP, .sport = CPORT, __VA_ARGS__ }
/* Into the container, translated: one hop fewer. */
#define TO_CTR(kind, ...)                                                                          \
	{ kind, .dst = "ep0", .src = "host0", .saddr = CLIENT_IP, .daddr = "ep0",                  \
	  .sport = CPORT, __VA_ARGS__ }
/* Back to the client: time exceeded, from the address it was sent to. */
#define TIME_EXCEEDED                                                                              \
	{ G_ICMP_ERR, .icmp_type = 11, .icmp_code = 0, .dst = RTR_MAC, .src = UP_MAC,              \
	  .saddr = SNAT_IP, .daddr = CLIENT_IP }

static const struct golden rows[] = {
	/* Addressed to a container itself: nothing from outside reaches one
	 * but through a published port. */
	{ "UDP to a container's own address", UPLINK, IN_UDP(.daddr = "ep0"),
	  TC_ACT_SHOT, EB_CNT_DROP_UNPUBLISHED },
	{ "SYN to a container's own address, at the port it serves", UPLINK,
	  IN_TCP(.daddr = "ep0", .dport = 80), TC_ACT_SHOT, EB_CNT_DROP_UNPUBLISHED },
	{ "SYN to a container's own address, at a published port's number", UPLINK,
	  IN_TCP(.daddr = "ep0", .dport = 8080), TC_ACT_SHOT, EB_CNT_DROP_UNPUBLISHED },
	{ "TTL 1 to a container's own address", UPLINK, IN_TCP(.daddr = "ep0", .dport = 80, .ttl = 1),
	  TC_ACT_SHOT, EB_CNT_DROP_UNPUBLISHED },
	{ "UDP to an address of the subnet nobody has", UPLINK, IN_UDP(.daddr = "10.77.0.200"),
	  TC_ACT_SHOT, EB_CNT_DROP_UNPUBLISHED },
	{ "UDP to the subnet's broadcast address", UPLINK, IN_UDP(.daddr = "10.77.0.255"),
	  TC_ACT_SHOT, EB_CNT_DROP_UNPUBLISHED },

	/* The host's own: left to its stack, unchanged. */
	{ "UDP to the host at a port not published", UPLINK, IN_UDP(.daddr = SNAT_IP),
	  TC_ACT_UNSPEC, EB_CNT_UPLINK_PASS },
	{ "SYN to the host's port 22", UPLINK, IN_TCP(.daddr = SNAT_IP, .dport = 22),
	  TC_ACT_UNSPEC, EB_CNT_UPLINK_PASS },
	{ "UDP to the published TCP port 8080", UPLINK, IN_UDP(.daddr = SNAT_IP, .dport = 8080),
	  TC_ACT_UNSPEC, EB_CNT_UPLINK_PASS },
	{ "SYN to a port published on 127.0.0.1 only", UPLINK,
	  IN_TCP(.daddr = SNAT_IP, .dport = 7070), TC_ACT_UNSPEC, EB_CNT_UPLINK_PASS },
	/* 127/8 never comes from a wire (CVE-2020-8558): the host's stack
	 * drops it as a martian. */
	{ "SYN to 127.0.0.1:7070 from the wire", UPLINK, IN_TCP(.daddr = "127.0.0.1", .dport = 7070),
	  TC_ACT_UNSPEC, EB_CNT_UPLINK_PASS },
	{ "UDP to the gateway's address (the host's own)", UPLINK, IN_UDP(.daddr = "gw"),
	  TC_ACT_UNSPEC, EB_CNT_UPLINK_PASS },
	{ "UDP to another address of the uplink's subnet", UPLINK, IN_UDP(.daddr = "198.51.100.7"),
	  TC_ACT_UNSPEC, EB_CNT_UPLINK_PASS },
	{ "TTL 1 to the host at a port not published", UPLINK,
	  IN_UDP(.daddr = SNAT_IP, .ttl = 1), TC_ACT_UNSPEC, EB_CNT_UPLINK_PASS },

	/* A new flow to a published port: to the container's address and
	 * port, the source kept, the checksums updated. */
	{ "SYN to the published 8080/tcp", UPLINK, IN_TCP(.daddr = SNAT_IP, .dport = 8080),
	  TC_ACT_REDIRECT, EB_CNT_DNAT_IN, .to = CTR,
	  .out = TO_CTR(G_TCP, .dport = 80, .ttl = 63) },
	{ "UDP to the published 5353/udp", UPLINK, IN_UDP(.daddr = SNAT_IP, .dport = 5353),
	  TC_ACT_REDIRECT, EB_CNT_DNAT_IN, .to = CTR,
	  .out = TO_CTR(G_UDP, .dport = 53, .ttl = 63, .l4csum = true) },
	{ "UDP without a checksum to 5353/udp: it stays without", UPLINK,
	  { G_UDP, .dst = UP_MAC, .src = RTR_MAC, .saddr = CLIENT_IP, .sport = CPORT,
	    .daddr = SNAT_IP, .dport = 5353 },
	  TC_ACT_REDIRECT, EB_CNT_DNAT_IN, .to = CTR,
	  .out = TO_CTR(G_UDP, .dport = 53, .ttl = 63) },
	{ "SYN with TTL 2 to 8080/tcp: the last hop is the container's", UPLINK,
	  IN_TCP(.daddr = SNAT_IP, .dport = 8080, .ttl = 2),
	  TC_ACT_REDIRECT, EB_CNT_DNAT_IN, .to = CTR,
	  .out = TO_CTR(G_TCP, .dport = 80, .ttl = 1) },
	/* Only a SYN starts a TCP flow. */
	{ "ACK with no flow to 8080/tcp", UPLINK,
	  IN_TCP(.daddr = SNAT_IP, .dport = 8080, .tcp_flags = 0x10),
	  TC_ACT_SHOT, EB_CNT_DROP_NO_CT },
	{ "RST with no flow to 8080/tcp", UPLINK,
	  IN_TCP(.daddr = SNAT_IP, .dport = 8080, .tcp_flags = 0x04),
	  TC_ACT_SHOT, EB_CNT_DROP_NO_CT },

	/* The last hop toward a published port: answered as a router would,
	 * from the address it was sent to, back out of the uplink. */
	{ "TTL 1 to the published 8080/tcp", UPLINK,
	  IN_TCP(.daddr = SNAT_IP, .dport = 8080, .ttl = 1),
	  TC_ACT_REDIRECT, EB_CNT_ICMP_SENT, .to = UPLINK, .out = TIME_EXCEEDED },
	{ "TTL 1 to the published 5353/udp", UPLINK,
	  IN_UDP(.daddr = SNAT_IP, .dport = 5353, .ttl = 1),
	  TC_ACT_REDIRECT, EB_CNT_ICMP_SENT, .to = UPLINK, .out = TIME_EXCEEDED },
};

#define ROWS(t) (int)(sizeof(t) / sizeof((t)[0]))

static int setup(void)
{
	int err;

	if (fx_netns())
		return -1;
	pt.ifidx[CTR] = fx_veth("p0", NULL, "c0", NULL);
	pt.ifidx[UPLINK] = fx_veth("up0", (unsigned char[]){ 0x02, 0, 0, 0, 0xaa, 0x01 }, "up0p",
				   (unsigned char[]){ 0x02, 0, 0, 0, 0xaa, 0xfe });
	if (pt.ifidx[CTR] < 0 || pt.ifidx[UPLINK] < 0)
		return -1;
	if (fx_forwarding(pt.ifidx[CTR]) || fx_addr(pt.ifidx[UPLINK], SNAT_IP, 24) ||
	    fx_route(NULL, 0, ROUTER_IP, pt.ifidx[UPLINK]) ||
	    fx_neigh(pt.ifidx[UPLINK], ROUTER_IP, (unsigned char[]){ 0x02, 0, 0, 0, 0xaa, 0xfe }))
		return -1;
	if (fx_load(&pt.p, &(struct fx_load_opts){ .uplink = true }))
		return -1;
	/* The container as fx_ports makes port 0's (CTR_IP), the uplink
	 * (golden.h). */
	err = golden_uplink_net(&pt, (unsigned char[]){ 0x02, 0, 0, 0, 0xaa, 0x01 }, SNAT_IP, 1024, 32767);
	return err;
}

int main(void)
{
	if (geteuid() != 0) {
		SKIP("BPF_PROG_TEST_RUN and namespaces need root");
		return eb_check_done();
	}
	if (setup()) {
		ASSERT_TRUE(0, "setup: namespace, veth pairs, uplink, skeletons, maps");
		return eb_check_done();
	}
	FX_ASSERT_UNPINNED(&pt.p);
	golden_run_with(&pt, pt.p.pu, fresh, rows, ROWS(rows));
	fx_unload(&pt.p);
	return eb_check_done();
}
