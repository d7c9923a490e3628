// SPDX-License-Identifier: GPL-2.0
/*
 * The L2 datapath (eb_from_container) through BPF_PROG_TEST_RUN, in the
 * manner of the kernel's prog_tests and Cilium's bpf/tests: seed the maps,
 * build the frame by hand, run the real entry point, check the verdict, the
 * decision left in skb->cb, the counters and every byte that comes out.
 *
 * The program looks up its port by skb->ifindex and copies broadcasts out
 * with bpf_clone_redirect(), so the test needs real devices: it enters a
 * network namespace of its own (unshare) and makes veth pairs there. Its
 * maps are not pinned (pin paths cleared before load), so it leaves nothing
 * behind and runs beside any real network. Needs root; skips without it.
 */
#include <errno.h>
#include <stdbool.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <net/if.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <linux/ip.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "check.h"
#include "golden.h"

static struct fx_ports pt; /* the fixture's port set (fixture.h fx_ports) */

/* ---- frames ---- */

/* A UDP frame (for the cases that are code, not rows: slots, flood). */
static int udp_frame(unsigned char *f, const char *dst, const char *src, const char *saddr,
		     const char *daddr, const char *payload)
{
	struct gpkt g = { .kind = G_UDP, .dst = dst, .src = src, .saddr = saddr, .daddr = daddr };

	return g_build(&pt, &g, f, payload);
}

/* ---- the decisions, as golden rows ---- */

#define OTHER_MAC  "02:00:5e:00:53:01"
#define NOBODY_MAC "02:eb:0a:4d:00:c8"
#define REFUSED	   G_REFUSABLE /* BPF_PROG_TEST_RUN wants a whole IPv4 header under the
				* IPv4 ethertype, though a container can send less */

/* ARP: who-has from a container; the answer is built in the datapath. */
static const struct golden arp_rows[] = {
	{ "ARP for the gateway", 0,
	  { G_ARP_REQ, .dst = "bcast", .src = "ep0", .saddr = "ep0", .daddr = "gw" },
	  TC_ACT_REDIRECT, EB_CNT_ARP_REPLY, .to = 0,
	  .out = { G_ARP_REPLY, .dst = "ep0", .src = "host0", .saddr = "gw", .daddr = "ep0",
		   .tha = "ep0" } },
	/* Another port: the gateway is that port's host-side MAC. */
	{ "ARP for the gateway from port 2", 2,
	  { G_ARP_REQ, .dst = "bcast", .src = "ep2", .saddr = "ep2", .daddr = "gw" },
	  TC_ACT_REDIRECT, EB_CNT_ARP_REPLY, .to = 2,
	  .out = { G_ARP_REPLY, .dst = "ep2", .src = "host2", .saddr = "gw", .daddr = "ep2",
		   .tha = "ep2" } },
	/* Ethernet pads short frames to 60 bytes: the padding stays. */
	{ "padded ARP for the gateway", 0,
	  { G_ARP_REQ, .dst = "bcast", .src = "ep0", .saddr = "ep0", .daddr = "gw", .len = 60 },
	  TC_ACT_REDIRECT, EB_CNT_ARP_REPLY, .to = 0,
	  .out = { G_ARP_REPLY, .dst = "ep0", .src = "host0", .saddr = "gw", .daddr = "ep0",
		   .tha = "ep0", .len = 60 } },
	{ "ARP for another container", 0,
	  { G_ARP_REQ, .dst = "bcast", .src = "ep0", .saddr = "ep0", .daddr = "ep1" },
	  TC_ACT_REDIRECT, EB_CNT_ARP_REPLY, .to = 0,
	  .out = { G_ARP_REPLY, .dst = "ep0", .src = "ep1", .saddr = "ep1", .daddr = "ep0",
		   .tha = "ep0" } },
	/* Unanswered, passed on unchanged. */
	{ "ARP for the asker's own address", 1,
	  { G_ARP_REQ, .dst = "bcast", .src = "ep1", .saddr = "ep1", .daddr = "ep1" },
	  TC_ACT_OK, EB_CNT_ARP_IGNORED },
	{ "ARP probe (sender 0.0.0.0, duplicate address detection)", 1,
	  { G_ARP_REQ, .dst = "bcast", .src = "ep1", .saddr = "0.0.0.0", .daddr = "ep1" },
	  TC_ACT_OK, EB_CNT_ARP_IGNORED },
	{ "ARP for an address nobody has", 1,
	  { G_ARP_REQ, .dst = "bcast", .src = "ep1", .saddr = "ep1", .daddr = "10.77.0.200" },
	  TC_ACT_OK, EB_CNT_ARP_IGNORED },
	{ "ARP for a container that is not ready", 1,
	  { G_ARP_REQ, .dst = "bcast", .src = "ep1", .saddr = "ep1", .daddr = FX_NOT_READY },
	  TC_ACT_OK, EB_CNT_ARP_IGNORED },
	/* The container answers the host's own ARP request: the host gets it. */
	{ "ARP reply to the host", 1,
	  { G_ARP_REPLY, .dst = "host1", .src = "ep1", .saddr = "ep1", .daddr = "gw",
	    .tha = "host1" },
	  TC_ACT_OK, EB_CNT_TO_HOST },
	/* Lies and garbage. */
	{ "ARP with another sender MAC inside", 0,
	  { G_ARP_REQ, .dst = "bcast", .src = "ep0", .sha = OTHER_MAC, .saddr = "ep0", .daddr = "gw" },
	  TC_ACT_SHOT, EB_CNT_DROP_SPOOF_MAC },
	{ "ARP with another sender IP inside", 0,
	  { G_ARP_REQ, .dst = "bcast", .src = "ep0", .saddr = "ep1", .daddr = "gw" },
	  TC_ACT_SHOT, EB_CNT_DROP_SPOOF_IP },
	{ "ARP from another source MAC", 0,
	  { G_ARP_REQ, .dst = "bcast", .src = OTHER_MAC, .saddr = "ep0", .daddr = "gw" },
	  TC_ACT_SHOT, EB_CNT_DROP_SPOOF_MAC },
	{ "ARP of another hardware type", 0,
	  { G_ARP_REQ, .dst = "bcast", .src = "ep0", .saddr = "ep0", .daddr = "gw",
	    .poke = { { 14 + 1, 6 } } /* IEEE 802 */ },
	  TC_ACT_SHOT, EB_CNT_DROP_MALFORMED },
	{ "ARP cut after 20 of its 28 bytes", 0,
	  { G_ARP_REQ, .dst = "bcast", .src = "ep0", .saddr = "ep0", .daddr = "gw", .len = 14 + 20 },
	  TC_ACT_SHOT, EB_CNT_DROP_MALFORMED },
};

/* IPv4 and other frames. */
static const struct golden ip_rows[] = {
	{ "to the gateway", 0,
	  { G_UDP, .dst = "host0", .src = "ep0", .saddr = "ep0", .daddr = "gw" },
	  TC_ACT_OK, EB_CNT_TO_HOST },
	{ "unknown unicast", 0,
	  { G_UDP, .dst = NOBODY_MAC, .src = "ep0", .saddr = "ep0", .daddr = "10.77.0.200" },
	  TC_ACT_SHOT, EB_CNT_DROP_UNKNOWN_UNICAST },
	{ "spoofed source MAC", 0,
	  { G_UDP, .dst = "ep1", .src = OTHER_MAC, .saddr = "ep0", .daddr = "ep1" },
	  TC_ACT_SHOT, EB_CNT_DROP_SPOOF_MAC },
	{ "spoofed source IP", 0,
	  { G_UDP, .dst = "ep1", .src = "ep0", .saddr = "10.77.0.77", .daddr = "ep1" },
	  TC_ACT_SHOT, EB_CNT_DROP_SPOOF_IP },
	{ "another container's source IP", 0,
	  { G_UDP, .dst = "ep1", .src = "ep0", .saddr = "ep2", .daddr = "ep1" },
	  TC_ACT_SHOT, EB_CNT_DROP_SPOOF_IP },
	{ "broadcast from a spoofed source IP", 0,
	  { G_UDP, .dst = "bcast", .src = "ep0", .saddr = "10.77.0.77", .daddr = "10.77.0.255" },
	  TC_ACT_SHOT, EB_CNT_DROP_SPOOF_IP },
	{ "unicast to the sender itself", 0,
	  { G_UDP, .dst = "ep0", .src = "ep0", .saddr = "ep0", .daddr = "ep0" },
	  TC_ACT_SHOT, EB_CNT_DROP_HAIRPIN },
	{ "a frame on a port with no endpoint", FX_STRAY,
	  { G_UDP, .dst = "ep1", .src = "ep0", .saddr = "ep0", .daddr = "ep1" },
	  TC_ACT_SHOT, EB_CNT_DROP_NO_PORT },
	/* Truncated and malformed. */
	{ "Ethernet header only, IPv4 ethertype", 0,
	  { G_UDP, .dst = "ep1", .src = "ep0", .saddr = "ep0", .daddr = "ep1", .len = 14 },
	  TC_ACT_SHOT, EB_CNT_DROP_MALFORMED, .flags = REFUSED },
	{ "IPv4 header cut at 12 bytes", 0,
	  { G_UDP, .dst = "ep1", .src = "ep0", .saddr = "ep0", .daddr = "ep1", .len = 14 + 12 },
	  TC_ACT_SHOT, EB_CNT_DROP_MALFORMED, .flags = REFUSED },
	{ "IPv4 header longer than the frame", 0,
	  { G_UDP, .dst = "ep1", .src = "ep0", .saddr = "ep0", .daddr = "ep1",
	    .poke = { { 14, 0x46 } } /* 24-byte header, of a frame cut at 22 */, .len = 14 + 22 },
	  TC_ACT_SHOT, EB_CNT_DROP_MALFORMED },
	{ "IPv4 header length below 20", 0,
	  { G_UDP, .dst = "ep1", .src = "ep0", .saddr = "ep0", .daddr = "ep1",
	    .poke = { { 14, 0x44 } } },
	  TC_ACT_SHOT, EB_CNT_DROP_MALFORMED },
	{ "IP version 6 under the IPv4 ethertype", 0,
	  { G_UDP, .dst = "ep1", .src = "ep0", .saddr = "ep0", .daddr = "ep1",
	    .poke = { { 14, 0x65 } } },
	  TC_ACT_SHOT, EB_CNT_DROP_MALFORMED },
	/* Not IPv4, not ARP, and IPv6 on a network without it: what the
	 * network cannot source-check it does not carry. */
	{ "unicast of another ethertype", 0,
	  { G_ETHER, .dst = "ep2", .src = "ep0", .ethertype = 0x88b5 },
	  TC_ACT_SHOT, EB_CNT_DROP_NOT_IPV4 },
	{ "IPv6 unicast (the network has no IPv6)", 0,
	  { G_ETHER, .dst = "ep2", .src = "ep0", .ethertype = 0x86dd, .len = 14 + 40 },
	  TC_ACT_SHOT, EB_CNT_DROP_NOT_IPV4 },
};

#define ROWS(t) (int)(sizeof(t) / sizeof((t)[0]))

static void test_rows(void)
{
	golden_run(&pt, arp_rows, ROWS(arp_rows));
	golden_run(&pt, ip_rows, ROWS(ip_rows));
}

/* The IPv4 header of an output frame: a valid checksum and the input's bytes. */
static void check_ipv4_intact(const char *what, const struct fx_result *r, const unsigned char *in,
			      int n)
{
	char w[160];

	snprintf(w, sizeof(w), "%s: IPv4 header checksum valid", what);
	ASSERT_EQ(fx_csum(r->out + 14, 20), 0, w);
	snprintf(w, sizeof(w), "%s: frame unchanged", what);
	ASSERT_TRUE(r->out_len == (__u32)n && !memcmp(r->out, in, n), w);
}

static void test_unicast(void)
{
	unsigned char f[128];
	struct fx_result r;
	__u64 before = fx_counter(&pt.p, EB_CNT_FWD), rx = fx_counter(&pt.p, EB_CNT_RX);
	struct eb_ctr_counters c0 = fx_ctr_slot(&pt.p, 0), c1 = fx_ctr_slot(&pt.p, 1);
	struct eb_ctr_counters c2 = fx_ctr_slot(&pt.p, 2), x;
	int n = udp_frame(f, "ep1", "ep0", "ep0", "ep1", "to c1");

	fx_run(pt.p.pc, pt.ifidx[0], f, n, 0, &r);
	ASSERT_EQ(r.err, 0, "unicast to c1: test run");
	ASSERT_EQ(r.retval, TC_ACT_REDIRECT, "unicast to c1: verdict TC_ACT_REDIRECT");
	ASSERT_EQ(r.decision, EB_CNT_FWD, "unicast to c1: decision EB_CNT_FWD");
	ASSERT_EQ(r.target, pt.ifidx[1], "unicast to c1: target is c1's port");
	ASSERT_EQ(fx_counter(&pt.p, EB_CNT_FWD), before + 1, "unicast to c1: counted");
	ASSERT_EQ(fx_counter(&pt.p, EB_CNT_RX), rx + 1, "unicast to c1: rx counted");
	x = fx_ctr_slot(&pt.p, 0);
	ASSERT_EQ(x.from_packets, c0.from_packets + 1, "unicast to c1: c0's slot, from_packets + 1");
	ASSERT_EQ(x.from_bytes, c0.from_bytes + n, "unicast to c1: c0's slot, from_bytes + the frame");
	ASSERT_EQ(x.to_packets, c0.to_packets, "unicast to c1: c0's slot, to_packets unchanged");
	x = fx_ctr_slot(&pt.p, 1);
	ASSERT_EQ(x.to_packets, c1.to_packets + 1,
		  "unicast to c1: c1's slot (from the FDB), to_packets + 1");
	ASSERT_EQ(x.to_bytes, c1.to_bytes + n, "unicast to c1: c1's slot, to_bytes + the frame");
	ASSERT_EQ(x.from_packets, c1.from_packets, "unicast to c1: c1's slot, from_packets unchanged");
	x = fx_ctr_slot(&pt.p, 2);
	ASSERT_EQ(x.to_packets + x.from_packets, c2.to_packets + c2.from_packets,
		  "unicast to c1: the bystander c2's slot unchanged");
	check_ipv4_intact("unicast to c1", &r, f, n);

	n = udp_frame(f, "ep0", "ep2", "ep2", "ep0", "to c0");
	fx_run(pt.p.pc, pt.ifidx[2], f, n, 0, &r);
	ASSERT_EQ(r.retval, TC_ACT_REDIRECT, "unicast c2 -> c0: verdict");
	ASSERT_EQ(r.target, pt.ifidx[0], "unicast c2 -> c0: target is c0's port");
}

/* Frames waiting on a packet socket bound to dev that carry marker. */
static int sock_on(const char *dev)
{
	struct sockaddr_ll sll = { .sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_ALL) };
	int fd = socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK, htons(ETH_P_ALL));

	sll.sll_ifindex = if_nametoindex(dev);
	if (fd >= 0 && bind(fd, (struct sockaddr *)&sll, sizeof(sll)) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static int count_marked(int fd, const char *marker, const unsigned char *frame, int n)
{
	unsigned char buf[2048];
	int got = 0, len;

	usleep(20000);
	while ((len = recv(fd, buf, sizeof(buf), 0)) > 0)
		if (len == n && !memcmp(buf, frame, n) && memmem(buf, len, marker, strlen(marker)))
			got++;
	return got;
}

static void flood(const char *what, const char *dst_mac, const char *daddr)
{
	unsigned char f[128];
	struct fx_result r;
	char w[160], marker[64];
	__u64 before = fx_counter(&pt.p, EB_CNT_FLOOD);
	int fds[FX_NPORTS], i, n;

	snprintf(marker, sizeof(marker), "flood-%s", what);
	n = udp_frame(f, dst_mac, "ep0", "ep0", daddr, marker);
	for (i = 0; i < FX_NPORTS; i++) {
		char dev[8];

		snprintf(dev, sizeof(dev), "c%d", i);
		fds[i] = sock_on(dev);
	}
	fx_run(pt.p.pc, pt.ifidx[0], f, n, 0, &r);
	snprintf(w, sizeof(w), "%s: verdict TC_ACT_OK (the host has a copy too)", what);
	ASSERT_EQ(r.retval, TC_ACT_OK, w);
	snprintf(w, sizeof(w), "%s: decision EB_CNT_FLOOD", what);
	ASSERT_EQ(r.decision, EB_CNT_FLOOD, w);
	snprintf(w, sizeof(w), "%s: copies = the other existing ports", what);
	ASSERT_EQ(r.copies, FX_NPORTS - 1, w);
	snprintf(w, sizeof(w), "%s: counted", what);
	ASSERT_EQ(fx_counter(&pt.p, EB_CNT_FLOOD), before + 1, w);
	check_ipv4_intact(what, &r, f, n);
	for (i = 0; i < FX_NPORTS; i++) {
		if (fds[i] < 0) {
			SKIP("no packet socket");
			continue;
		}
		snprintf(w, sizeof(w), "%s: c%d received %s", what, i, i ? "one copy" : "none (sender)");
		ASSERT_EQ(count_marked(fds[i], marker, f, n), i ? 1 : 0, w);
		close(fds[i]);
	}
}

static void test_flood(void)
{
	flood("broadcast ff:ff:ff:ff:ff:ff", "bcast", "10.77.0.255");
	flood("limited broadcast 255.255.255.255", "bcast", "255.255.255.255");
	flood("IPv4 multicast 224.0.0.251", "01:00:5e:00:00:fb", "224.0.0.251");
}

int main(void)
{
	if (geteuid() != 0) {
		SKIP("BPF_PROG_TEST_RUN and namespaces need root");
		return eb_check_done();
	}
	if (fx_ports(&pt)) {
		ASSERT_TRUE(0, "setup: namespace, veth pairs, skeleton, maps");
		return eb_check_done();
	}
	FX_ASSERT_UNPINNED(&pt.p);
	test_rows();
	test_unicast();
	test_flood();
	fx_unload(&pt.p);
	return eb_check_done();
}
