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
#include "ebnet_maps.h"
#include "container.skel.h"

#include "port_fixture.h"

static const unsigned char bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

/* ---- frames ---- */

/* An Ethernet/IPv4 ARP packet after the Ethernet header. */
static int put_arp(unsigned char *p, __u16 op, const unsigned char *sha, __u32 spa,
		   const unsigned char *tha, __u32 tpa)
{
	p[0] = 0, p[1] = 1;		/* hardware: Ethernet */
	p[2] = 0x08, p[3] = 0x00;	/* protocol: IPv4 */
	p[4] = 6, p[5] = 4;
	p[6] = op >> 8, p[7] = op & 0xff;
	memcpy(p + 8, sha, 6);
	memcpy(p + 14, &spa, 4);
	memcpy(p + 18, tha, 6);
	memcpy(p + 24, &tpa, 4);
	return 28;
}

static int put_ipv4_udp(unsigned char *p, __u32 saddr, __u32 daddr, const char *payload)
{
	struct iphdr *h = (struct iphdr *)p;
	int plen = strlen(payload), ulen = 8 + plen;
	__u16 c;

	memset(h, 0, sizeof(*h));
	h->version = 4;
	h->ihl = 5;
	h->ttl = 64;
	h->protocol = 17;
	h->tot_len = htons(20 + ulen);
	h->id = htons(0x1234);
	h->saddr = saddr;
	h->daddr = daddr;
	c = csum16(h, 20);
	h->check = htons(c);
	p[20] = 0x30, p[21] = 0x39; /* 12345 */
	p[22] = 0x17, p[23] = 0x70; /* 6000 */
	p[24] = ulen >> 8, p[25] = ulen & 0xff;
	p[26] = 0, p[27] = 0; /* no UDP checksum */
	memcpy(p + 28, payload, plen);
	return 20 + ulen;
}

/* A UDP frame from port `from` (its own MAC and address unless told). */
static int udp_frame(unsigned char *f, const unsigned char *dst_mac, const unsigned char *src_mac,
		     __u32 saddr, __u32 daddr, const char *payload)
{
	int n = put_eth(f, dst_mac, src_mac, ETH_P_IP);

	return n + put_ipv4_udp(f + n, saddr, daddr, payload);
}

static int arp_frame(unsigned char *f, const unsigned char *src_mac, const unsigned char *sha,
		     __u32 spa, __u32 tpa)
{
	static const unsigned char zero[6];
	int n = put_eth(f, bcast, src_mac, ETH_P_ARP);

	return n + put_arp(f + n, 1, sha, spa, zero, tpa);
}

/* ---- tests ---- */

static void check_arp_reply(const char *what, const struct result *r, int in_len,
			    const struct eb_endpoint *asker, const unsigned char *answer_mac,
			    __u32 answer_ip, int port)
{
	const unsigned char *o = r->out;
	char w[160];

#define W(s) (snprintf(w, sizeof(w), "%s: %s", what, s), w)
	ASSERT_EQ(r->err, 0, W("test run"));
	ASSERT_EQ(r->retval, TC_ACT_REDIRECT, W("verdict TC_ACT_REDIRECT"));
	ASSERT_EQ(r->decision, EB_CNT_ARP_REPLY, W("decision EB_CNT_ARP_REPLY"));
	ASSERT_EQ(r->target, ifidx[port], W("back out of the port it came in on"));
	ASSERT_EQ(r->out_len, in_len, W("length unchanged"));
	ASSERT_TRUE(!memcmp(o, asker->mac, 6), W("eth dst = the asker's MAC"));
	ASSERT_TRUE(!memcmp(o + 6, answer_mac, 6), W("eth src = the answer's MAC"));
	ASSERT_EQ((o[12] << 8) | o[13], ETH_P_ARP, W("ethertype ARP"));
	o += 14;
	ASSERT_EQ((o[0] << 8) | o[1], 1, W("hardware type Ethernet"));
	ASSERT_EQ((o[2] << 8) | o[3], ETH_P_IP, W("protocol type IPv4"));
	ASSERT_EQ(o[4], 6, W("hardware length 6"));
	ASSERT_EQ(o[5], 4, W("protocol length 4"));
	ASSERT_EQ((o[6] << 8) | o[7], 2, W("opcode reply"));
	ASSERT_TRUE(!memcmp(o + 8, answer_mac, 6), W("sender MAC = the answer"));
	ASSERT_TRUE(!memcmp(o + 14, &answer_ip, 4), W("sender IP = the address asked for"));
	ASSERT_TRUE(!memcmp(o + 18, asker->mac, 6), W("target MAC = the asker's"));
	ASSERT_TRUE(!memcmp(o + 24, &asker->ip, 4), W("target IP = the asker's"));
#undef W
}

static void test_arp_gateway(void)
{
	unsigned char f[64];
	struct result r;
	__u64 before = counter(EB_CNT_ARP_REPLY);
	int n = arp_frame(f, eps[0].mac, eps[0].mac, eps[0].ip, ip(GATEWAY));

	prog_run(ifidx[0], f, n, &r);
	check_arp_reply("ARP for the gateway", &r, n, &eps[0], eps[0].host_mac, ip(GATEWAY), 0);
	ASSERT_EQ(counter(EB_CNT_ARP_REPLY), before + 1, "ARP for the gateway: counted");

	/* Another port: the gateway is that port's host-side MAC. */
	n = arp_frame(f, eps[2].mac, eps[2].mac, eps[2].ip, ip(GATEWAY));
	prog_run(ifidx[2], f, n, &r);
	check_arp_reply("ARP for the gateway from port 2", &r, n, &eps[2], eps[2].host_mac,
			ip(GATEWAY), 2);

	/* Ethernet pads short frames to 60 bytes: the padding stays. */
	n = arp_frame(f, eps[0].mac, eps[0].mac, eps[0].ip, ip(GATEWAY));
	memset(f + n, 0, 60 - n);
	prog_run(ifidx[0], f, 60, &r);
	check_arp_reply("padded ARP for the gateway", &r, 60, &eps[0], eps[0].host_mac,
			ip(GATEWAY), 0);
}

static void test_arp_container(void)
{
	unsigned char f[64];
	struct result r;
	int n = arp_frame(f, eps[0].mac, eps[0].mac, eps[0].ip, eps[1].ip);

	prog_run(ifidx[0], f, n, &r);
	check_arp_reply("ARP for another container", &r, n, &eps[0], eps[1].mac, eps[1].ip, 0);
}

/* An ARP request that must pass unanswered, unchanged. */
static void arp_ignored(const char *what, int port, __u32 spa, __u32 tpa)
{
	unsigned char f[64];
	struct result r;
	char w[160];
	__u64 before = counter(EB_CNT_ARP_IGNORED);
	int n = arp_frame(f, eps[port].mac, eps[port].mac, spa, tpa);

	prog_run(ifidx[port], f, n, &r);
	snprintf(w, sizeof(w), "%s: verdict TC_ACT_OK", what);
	ASSERT_EQ(r.retval, TC_ACT_OK, w);
	snprintf(w, sizeof(w), "%s: decision EB_CNT_ARP_IGNORED", what);
	ASSERT_EQ(r.decision, EB_CNT_ARP_IGNORED, w);
	snprintf(w, sizeof(w), "%s: frame unchanged", what);
	ASSERT_TRUE(r.out_len == (__u32)n && !memcmp(r.out, f, n), w);
	snprintf(w, sizeof(w), "%s: counted", what);
	ASSERT_EQ(counter(EB_CNT_ARP_IGNORED), before + 1, w);
}

static void test_arp_ignored(void)
{
	arp_ignored("ARP for the asker's own address", 1, eps[1].ip, eps[1].ip);
	arp_ignored("ARP probe (sender 0.0.0.0, duplicate address detection)", 1, 0, eps[1].ip);
	arp_ignored("ARP for an address nobody has", 1, eps[1].ip, ip("10.77.0.200"));
	arp_ignored("ARP for a container that is not ready", 1, eps[1].ip, ip(NOT_READY));
}

/* A frame that must be dropped, and counted under idx. */
static void dropped_(const char *what, int port, const void *f, int n, __u32 idx, bool may_refuse)
{
	struct result r;
	char w[160];
	__u64 before = counter(idx);

	prog_run(ifidx[port], f, n, &r);
	if (may_refuse && r.err == -EINVAL) {
		snprintf(w, sizeof(w), "%s: the kernel's test run refuses an IPv4 frame this short",
			 what);
		SKIP(w);
		return;
	}
	snprintf(w, sizeof(w), "%s: test run", what);
	ASSERT_EQ(r.err, 0, w);
	snprintf(w, sizeof(w), "%s: verdict TC_ACT_SHOT", what);
	ASSERT_EQ(r.retval, TC_ACT_SHOT, w);
	snprintf(w, sizeof(w), "%s: decision %u", what, idx);
	ASSERT_EQ(r.decision, idx, w);
	snprintf(w, sizeof(w), "%s: eb_stats[%u] rose by one", what, idx);
	ASSERT_EQ(counter(idx), before + 1, w);
}

/* The container answers the host's own ARP request: the host gets it. */
static void test_arp_reply_to_host(void)
{
	unsigned char f[64];
	struct result r;
	int n = put_eth(f, eps[1].host_mac, eps[1].mac, ETH_P_ARP);

	n += put_arp(f + n, 2, eps[1].mac, eps[1].ip, eps[1].host_mac, ip(GATEWAY));
	prog_run(ifidx[1], f, n, &r);
	ASSERT_EQ(r.retval, TC_ACT_OK, "ARP reply to the host: verdict TC_ACT_OK");
	ASSERT_EQ(r.decision, EB_CNT_TO_HOST, "ARP reply to the host: decision EB_CNT_TO_HOST");
	ASSERT_TRUE(r.out_len == (__u32)n && !memcmp(r.out, f, n),
		    "ARP reply to the host: frame unchanged");
}

static void dropped(const char *what, int port, const void *f, int n, __u32 idx)
{
	dropped_(what, port, f, n, idx, false);
}

static void test_arp_bad(void)
{
	unsigned char f[64], other[6] = { 0x02, 0, 0x5e, 0, 0x53, 1 };
	int n;

	n = arp_frame(f, eps[0].mac, other, eps[0].ip, ip(GATEWAY));
	dropped("ARP with another sender MAC inside", 0, f, n, EB_CNT_DROP_SPOOF_MAC);
	n = arp_frame(f, eps[0].mac, eps[0].mac, eps[1].ip, ip(GATEWAY));
	dropped("ARP with another sender IP inside", 0, f, n, EB_CNT_DROP_SPOOF_IP);
	n = arp_frame(f, other, other, eps[0].ip, ip(GATEWAY));
	dropped("ARP from another source MAC", 0, f, n, EB_CNT_DROP_SPOOF_MAC);
	n = arp_frame(f, eps[0].mac, eps[0].mac, eps[0].ip, ip(GATEWAY));
	f[14 + 1] = 6; /* hardware type IEEE 802 */
	dropped("ARP of another hardware type", 0, f, n, EB_CNT_DROP_MALFORMED);
	n = arp_frame(f, eps[0].mac, eps[0].mac, eps[0].ip, ip(GATEWAY));
	dropped("ARP cut after 20 of its 28 bytes", 0, f, 14 + 20, EB_CNT_DROP_MALFORMED);
}

/* The IPv4 header of an output frame: a valid checksum and the input's bytes. */
static void check_ipv4_intact(const char *what, const struct result *r, const unsigned char *in,
			      int n)
{
	char w[160];

	snprintf(w, sizeof(w), "%s: IPv4 header checksum valid", what);
	ASSERT_EQ(csum16(r->out + 14, 20), 0, w);
	snprintf(w, sizeof(w), "%s: frame unchanged", what);
	ASSERT_TRUE(r->out_len == (__u32)n && !memcmp(r->out, in, n), w);
}

static void test_unicast(void)
{
	unsigned char f[128];
	struct result r;
	__u64 before = counter(EB_CNT_FWD), rx = counter(EB_CNT_RX);
	struct eb_ctr_counters c0 = ctr_slot(0), c1 = ctr_slot(1), c2 = ctr_slot(2), x;
	int n = udp_frame(f, eps[1].mac, eps[0].mac, eps[0].ip, eps[1].ip, "to c1");

	prog_run(ifidx[0], f, n, &r);
	ASSERT_EQ(r.err, 0, "unicast to c1: test run");
	ASSERT_EQ(r.retval, TC_ACT_REDIRECT, "unicast to c1: verdict TC_ACT_REDIRECT");
	ASSERT_EQ(r.decision, EB_CNT_FWD, "unicast to c1: decision EB_CNT_FWD");
	ASSERT_EQ(r.target, ifidx[1], "unicast to c1: target is c1's port");
	ASSERT_EQ(counter(EB_CNT_FWD), before + 1, "unicast to c1: counted");
	ASSERT_EQ(counter(EB_CNT_RX), rx + 1, "unicast to c1: rx counted");
	x = ctr_slot(0);
	ASSERT_EQ(x.from_packets, c0.from_packets + 1, "unicast to c1: c0's slot, from_packets + 1");
	ASSERT_EQ(x.from_bytes, c0.from_bytes + n, "unicast to c1: c0's slot, from_bytes + the frame");
	ASSERT_EQ(x.to_packets, c0.to_packets, "unicast to c1: c0's slot, to_packets unchanged");
	x = ctr_slot(1);
	ASSERT_EQ(x.to_packets, c1.to_packets + 1, "unicast to c1: c1's slot (from the FDB), to_packets + 1");
	ASSERT_EQ(x.to_bytes, c1.to_bytes + n, "unicast to c1: c1's slot, to_bytes + the frame");
	ASSERT_EQ(x.from_packets, c1.from_packets, "unicast to c1: c1's slot, from_packets unchanged");
	x = ctr_slot(2);
	ASSERT_EQ(x.to_packets + x.from_packets, c2.to_packets + c2.from_packets,
		  "unicast to c1: the bystander c2's slot unchanged");
	check_ipv4_intact("unicast to c1", &r, f, n);

	n = udp_frame(f, eps[0].mac, eps[2].mac, eps[2].ip, eps[0].ip, "to c0");
	prog_run(ifidx[2], f, n, &r);
	ASSERT_EQ(r.retval, TC_ACT_REDIRECT, "unicast c2 -> c0: verdict");
	ASSERT_EQ(r.target, ifidx[0], "unicast c2 -> c0: target is c0's port");

	/* Not IPv4, not ARP (IPv6 included): an ebnet network is IPv4, and
	 * what it cannot source-check it does not carry. */
	before = counter(EB_CNT_DROP_NOT_IPV4);
	n = put_eth(f, eps[2].mac, eps[0].mac, 0x88b5);
	memcpy(f + n, "local experimental ethertype", 28);
	n += 28;
	prog_run(ifidx[0], f, n, &r);
	ASSERT_EQ(r.retval, TC_ACT_SHOT, "unicast of another ethertype: dropped");
	ASSERT_EQ(r.decision, EB_CNT_DROP_NOT_IPV4, "unicast of another ethertype: reason");
	ASSERT_EQ(counter(EB_CNT_DROP_NOT_IPV4), before + 1, "unicast of another ethertype: counted");
	n = put_eth(f, eps[2].mac, eps[0].mac, 0x86dd);
	memset(f + n, 0, 40);
	f[n] = 0x60;
	n += 40;
	prog_run(ifidx[0], f, n, &r);
	ASSERT_EQ(r.retval, TC_ACT_SHOT, "IPv6 unicast: dropped");
	ASSERT_EQ(r.decision, EB_CNT_DROP_NOT_IPV4, "IPv6 unicast: reason");
}

static void test_to_host(void)
{
	unsigned char f[128];
	struct result r;
	int n = udp_frame(f, eps[0].host_mac, eps[0].mac, eps[0].ip, ip(GATEWAY), "to the host");

	prog_run(ifidx[0], f, n, &r);
	ASSERT_EQ(r.retval, TC_ACT_OK, "to the gateway: verdict TC_ACT_OK");
	ASSERT_EQ(r.decision, EB_CNT_TO_HOST, "to the gateway: decision EB_CNT_TO_HOST");
	check_ipv4_intact("to the gateway", &r, f, n);
}

static void test_drops(void)
{
	unsigned char f[128], nobody[6] = { 0x02, 0xeb, 10, 77, 0, 200 };
	unsigned char other[6] = { 0x02, 0, 0x5e, 0, 0x53, 1 };
	int n;

	n = udp_frame(f, nobody, eps[0].mac, eps[0].ip, ip("10.77.0.200"), "x");
	dropped("unknown unicast", 0, f, n, EB_CNT_DROP_UNKNOWN_UNICAST);
	n = udp_frame(f, eps[1].mac, other, eps[0].ip, eps[1].ip, "x");
	dropped("spoofed source MAC", 0, f, n, EB_CNT_DROP_SPOOF_MAC);
	n = udp_frame(f, eps[1].mac, eps[0].mac, ip("10.77.0.77"), eps[1].ip, "x");
	dropped("spoofed source IP", 0, f, n, EB_CNT_DROP_SPOOF_IP);
	n = udp_frame(f, eps[1].mac, eps[0].mac, eps[2].ip, eps[1].ip, "x");
	dropped("another container's source IP", 0, f, n, EB_CNT_DROP_SPOOF_IP);
	n = udp_frame(f, bcast, eps[0].mac, ip("10.77.0.77"), ip("10.77.0.255"), "x");
	dropped("broadcast from a spoofed source IP", 0, f, n, EB_CNT_DROP_SPOOF_IP);
	n = udp_frame(f, eps[0].mac, eps[0].mac, eps[0].ip, eps[0].ip, "x");
	dropped("unicast to the sender itself", 0, f, n, EB_CNT_DROP_HAIRPIN);
	n = udp_frame(f, eps[1].mac, eps[0].mac, eps[0].ip, eps[1].ip, "x");
	dropped("a frame on a port with no endpoint", STRAY, f, n, EB_CNT_DROP_NO_PORT);

	/* Truncated and malformed. */
	n = udp_frame(f, eps[1].mac, eps[0].mac, eps[0].ip, eps[1].ip, "x");
	/* BPF_PROG_TEST_RUN may refuse these (it wants a whole IPv4 header
	 * under the IPv4 ethertype), though a container can send them. */
	dropped_("Ethernet header only, IPv4 ethertype", 0, f, 14, EB_CNT_DROP_MALFORMED, true);
	dropped_("IPv4 header cut at 12 bytes", 0, f, 14 + 12, EB_CNT_DROP_MALFORMED, true);
	f[14] = 0x46; /* 24-byte header, 20 bytes... of a frame cut there */
	dropped("IPv4 header longer than the frame", 0, f, 14 + 22, EB_CNT_DROP_MALFORMED);
	f[14] = 0x44; /* 16-byte header */
	dropped("IPv4 header length below 20", 0, f, n, EB_CNT_DROP_MALFORMED);
	f[14] = 0x65; /* version 6 under the IPv4 ethertype */
	dropped("IP version 6 under the IPv4 ethertype", 0, f, n, EB_CNT_DROP_MALFORMED);
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

static void flood(const char *what, const unsigned char *dst_mac, __u32 daddr)
{
	unsigned char f[128];
	struct result r;
	char w[160], marker[64];
	__u64 before = counter(EB_CNT_FLOOD);
	int fds[NPORTS], i, n;

	snprintf(marker, sizeof(marker), "flood-%s", what);
	n = udp_frame(f, dst_mac, eps[0].mac, eps[0].ip, daddr, marker);
	for (i = 0; i < NPORTS; i++) {
		char dev[8];

		snprintf(dev, sizeof(dev), "c%d", i);
		fds[i] = sock_on(dev);
	}
	prog_run(ifidx[0], f, n, &r);
	snprintf(w, sizeof(w), "%s: verdict TC_ACT_OK (the host has a copy too)", what);
	ASSERT_EQ(r.retval, TC_ACT_OK, w);
	snprintf(w, sizeof(w), "%s: decision EB_CNT_FLOOD", what);
	ASSERT_EQ(r.decision, EB_CNT_FLOOD, w);
	snprintf(w, sizeof(w), "%s: copies = the other existing ports", what);
	ASSERT_EQ(r.copies, NPORTS - 1, w);
	snprintf(w, sizeof(w), "%s: counted", what);
	ASSERT_EQ(counter(EB_CNT_FLOOD), before + 1, w);
	check_ipv4_intact(what, &r, f, n);
	for (i = 0; i < NPORTS; i++) {
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
	unsigned char mcast[6] = { 0x01, 0x00, 0x5e, 0x00, 0x00, 0xfb };

	flood("broadcast ff:ff:ff:ff:ff:ff", bcast, ip("10.77.0.255"));
	flood("limited broadcast 255.255.255.255", bcast, ip("255.255.255.255"));
	flood("IPv4 multicast 224.0.0.251", mcast, ip("224.0.0.251"));
}

int main(void)
{
	if (geteuid() != 0) {
		SKIP("BPF_PROG_TEST_RUN and namespaces need root");
		return eb_check_done();
	}
	if (setup()) {
		ASSERT_TRUE(0, "setup: namespace, veth pairs, skeleton, maps");
		return eb_check_done();
	}
	test_arp_gateway();
	test_arp_container();
	test_arp_ignored();
	test_arp_reply_to_host();
	test_arp_bad();
	test_unicast();
	test_to_host();
	test_drops();
	test_flood();
	container_bpf__destroy(skel);
	return eb_check_done();
}
