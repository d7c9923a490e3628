// SPDX-License-Identifier: GPL-2.0
/*
 * NAT66 through BPF_PROG_TEST_RUN on the real eb_from_container and
 * eb_from_uplink (loaded by the fixture, fixture.h: from the skeletons with
 * no pinning, sharing their maps): TCP, UDP and ICMPv6 echo translated out
 * of the uplink and back; ICMPv6 errors from outside translated into the
 * container (packet too big with the whole segment quoted, port
 * unreachable), inner and outer; the gateway's own errors (hop limit 1:
 * time exceeded; too big for the uplink: packet too big); extension
 * headers dropped whole; a reply to a NAT port with no flow left to the
 * host; the monitor's IPv6 records (a new flow, drops from either side);
 * and a few thousand random and broken IPv6 frames through both
 * (test_fuzz6). IPv6 has no header checksum: every L4 checksum, inner ones
 * included, is verified here from the output bytes over the pseudo header,
 * never trusted from the program.
 *
 * The test runs in a network namespace of its own (the programs read
 * skb->ifindex and call bpf_fib_lookup there), its devices made by the
 * fixture through libebnet's netlink code: nat_a, container A's host-side
 * veth (IPv6 forwarding on), and up0, the uplink, 2001:db8:100::1/64 with
 * a default route via 2001:db8:100::fe whose neighbour entry is permanent.
 * Needs root; skips without it.
 *
 * One binary, its tests in this order on one set of programs and maps:
 * the flows and the SYN (syn_out) of the first ones are quoted by the later
 * ones and by test_fuzz6(). The world (namespace, programs, packets,
 * checks): nat6_world.h; the mutated frames: nat6_fuzz.h.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <netinet/in.h>
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "check.h"
#include "fixture.h"
#include "nat6_world.h"

/* ---- tests ---- */

static struct pkt syn_out; /* the translated SYN, quoted by test_ptb_in */

static void test_tcp(void)
{
	struct pkt p;
	struct fx_result *r;
	uint8_t t[20];
	uint16_t port;

	tcp_hdr(t, 40000, 80, 1000, 0, 0x02);
	build6(&p, MAC_A_HOST, MAC_A, a6, server6, IPPROTO_TCP, 64, t, 20);
	r = from_ctr(&p);
	port = check_out("tcp SYN out", r, 64, 20);
	ASSERT_TRUE(port >= NAT_MIN && port <= NAT_MAX, "tcp SYN out: source port in the NAT range");
	ASSERT_EQ(get16(r->out + L4 + 2), 80, "tcp SYN out: destination port unchanged");
	memcpy(syn_out.b, r->out, r->out_len);
	syn_out.len = r->out_len;

	/* The SYN-ACK back: to A's address and port. */
	tcp_hdr(t, 80, port, 5000, 1001, 0x12);
	build6(&p, MAC_UP, MAC_GW, server6, snat6, IPPROTO_TCP, 60, t, 20);
	r = from_up(&p);
	check_in("tcp SYN-ACK in", r, 60, 20, EB_CNT_NAT6_IN);
	ASSERT_EQ(get16(r->out + L4 + 2), 40000, "tcp SYN-ACK in: destination port: A's");
	ASSERT_TRUE(!memcmp(r->out + ETH_LEN + 8, server6, 16), "tcp SYN-ACK in: source unchanged");

	/* The same SYN-ACK with hop limit 1: "time exceeded" from the
	 * address it was sent to, back out of the uplink. */
	tcp_hdr(t, 80, port, 5000, 1001, 0x12);
	build6(&p, MAC_UP, MAC_GW, server6, snat6, IPPROTO_TCP, 1, t, 20);
	r = from_up(&p);
	ASSERT_EQ(verdict(r), TC_ACT_REDIRECT, "tcp SYN-ACK in, hop 1: back out (redirect)");
	ASSERT_EQ(r->target, if_up, "tcp SYN-ACK in, hop 1: out of the uplink");
	ASSERT_EQ(r->decision, EB_CNT_ICMP6_SENT, "tcp SYN-ACK in, hop 1: icmp6_sent");
	ASSERT_TRUE(!memcmp(r->out, MAC_GW, 6) && !memcmp(r->out + 6, MAC_UP, 6),
		    "tcp SYN-ACK in, hop 1: MACs swapped");
	ASSERT_TRUE(!memcmp(r->out + ETH_LEN + 8, snat6, 16) &&
			    !memcmp(r->out + ETH_LEN + 24, server6, 16),
		    "tcp SYN-ACK in, hop 1: from the uplink's address to the sender");
	ASSERT_EQ(r->out[L4], 3, "tcp SYN-ACK in, hop 1: time exceeded");
	ASSERT_TRUE(!memcmp(r->out + L4 + 8, p.b + ETH_LEN, 60),
		    "tcp SYN-ACK in, hop 1: the quote is the packet as it came (untranslated)");
	ASSERT_EQ(l4sum6(r->out + ETH_LEN, get16(r->out + ETH_LEN + 4)), 0xffff,
		  "tcp SYN-ACK in, hop 1: ICMPv6 checksum verifies");

	/* A's ACK: the same binding. */
	tcp_hdr(t, 40000, 80, 1001, 5001, 0x10);
	build6(&p, MAC_A_HOST, MAC_A, a6, server6, IPPROTO_TCP, 64, t, 20);
	r = from_ctr(&p);
	ASSERT_EQ(check_out("tcp ACK out", r, 64, 20), port, "tcp ACK out: the flow's NAT port");
}

static void test_udp(void)
{
	uint8_t u[8 + 13] = { 0x9c, 0x40, 0x00, 0x35, 0, 21 };
	struct pkt p;
	struct fx_result *r;
	uint16_t port;

	memcpy(u + 8, "hello, world!", 13);
	build6(&p, MAC_A_HOST, MAC_A, a6, server6, IPPROTO_UDP, 64, u, sizeof(u));
	r = from_ctr(&p);
	port = check_out("udp out", r, 64, sizeof(u));
	ASSERT_TRUE(!memcmp(r->out + L4 + 8, "hello, world!", 13), "udp out: payload unchanged");

	put16(u, 53);
	put16(u + 2, port);
	build6(&p, MAC_UP, MAC_GW, server6, snat6, IPPROTO_UDP, 60, u, sizeof(u));
	r = from_up(&p);
	check_in("udp reply in", r, 60, sizeof(u), EB_CNT_NAT6_IN);
	ASSERT_EQ(get16(r->out + L4 + 2), 40000, "udp reply in: A's port");
}

static void test_echo(void)
{
	uint8_t e[16] = { 128, 0, 0, 0, 0x12, 0x34, 0, 1 };
	struct pkt p;
	struct fx_result *r;
	uint16_t id;

	memcpy(e + 8, "ping6-me", 8);
	build6(&p, MAC_A_HOST, MAC_A, a6, server6, IPPROTO_ICMPV6, 64, e, sizeof(e));
	r = from_ctr(&p);
	id = check_out("echo out", r, 64, sizeof(e));
	ASSERT_TRUE(id >= NAT_MIN && id <= NAT_MAX, "echo out: identifier in the NAT range");
	e[0] = 129;
	put16(e + 4, id);
	build6(&p, MAC_UP, MAC_GW, server6, snat6, IPPROTO_ICMPV6, 60, e, sizeof(e));
	r = from_up(&p);
	check_in("echo reply in", r, 60, sizeof(e), EB_CNT_NAT6_IN);
	ASSERT_EQ(get16(r->out + L4 + 4), 0x1234, "echo reply in: A's identifier");
}

/* An error from the router about the translated SYN (quoted whole):
 * packet too big, or destination unreachable. */
static void test_error_in(uint8_t type, uint8_t code, uint32_t mtu)
{
	uint8_t m[8 + 1280];
	const uint8_t *q = syn_out.b + ETH_LEN;
	uint32_t qlen = syn_out.len - ETH_LEN;
	const uint8_t *o, *ip6, *inner;
	struct pkt p;
	struct fx_result *r;
	char what[64];
	uint64_t n0 = stat_pkts(EB_CNT_ICMP6_ERR_IN);

	snprintf(what, sizeof(what), "ICMPv6 %u/%u in", type, code);
	memset(m, 0, 8);
	m[0] = type;
	m[1] = code;
	m[4] = mtu >> 24, m[5] = mtu >> 16, m[6] = mtu >> 8, m[7] = mtu;
	memcpy(m + 8, q, qlen);
	build6(&p, MAC_UP, MAC_GW, router6, snat6, IPPROTO_ICMPV6, 64, m, 8 + qlen);
	r = from_up(&p);
	check_in(what, r, 64, 8 + qlen, EB_CNT_ICMP6_ERR_IN);
	o = r->out;
	ip6 = o + ETH_LEN;
	inner = ip6 + 48;
	ASSERT_TRUE(!memcmp(ip6 + 8, router6, 16), "error in: outer source (the router) unchanged");
	ASSERT_EQ(ip6[40], type, "error in: type kept");
	ASSERT_EQ((uint32_t)(ip6[44] << 24 | ip6[45] << 16 | ip6[46] << 8 | ip6[47]), mtu,
		  "error in: the MTU (or unused field) kept");
	ASSERT_TRUE(!memcmp(inner + 8, a6, 16), "error in: quoted source: A's address");
	ASSERT_TRUE(!memcmp(inner + 24, server6, 16), "error in: quoted destination unchanged");
	ASSERT_EQ(get16(inner + 40), 40000, "error in: quoted source port: A's");
	ASSERT_EQ(l4sum6(inner, get16(inner + 4)), 0xffff,
		  "error in: the quoted TCP checksum verifies (A's stack matches the quote)");
	ASSERT_EQ(stat_pkts(EB_CNT_ICMP6_ERR_IN), n0 + 1, "error in: counted icmp6_error_in");
}

/* Hop limit 1: "time exceeded" from the gateway, back out of A's port. */
static void test_hop1(void)
{
	uint8_t u[8 + 4] = { 0x9c, 0x41, 0x82, 0x9a, 0, 12, 0, 0, 't', 'r', 'c', 'e' };
	const uint8_t *o, *ip6;
	struct pkt p;
	struct fx_result *r;

	build6(&p, MAC_A_HOST, MAC_A, a6, server6, IPPROTO_UDP, 1, u, sizeof(u));
	r = from_ctr(&p);
	o = r->out;
	ip6 = o + ETH_LEN;
	ASSERT_EQ(verdict(r), TC_ACT_REDIRECT, "hop 1: verdict TC_ACT_REDIRECT (back to A)");
	ASSERT_EQ(r->target, if_a, "hop 1: target: A's port");
	ASSERT_EQ(r->decision, EB_CNT_ICMP6_SENT, "hop 1: decision icmp6_sent");
	ASSERT_TRUE(!memcmp(o, MAC_A, 6) && !memcmp(o + 6, MAC_A_HOST, 6), "hop 1: MACs swapped");
	ASSERT_TRUE(!memcmp(ip6 + 8, gw6, 16), "hop 1: from the gateway's address");
	ASSERT_TRUE(!memcmp(ip6 + 24, a6, 16), "hop 1: to A");
	ASSERT_EQ(ip6[6], IPPROTO_ICMPV6, "hop 1: ICMPv6");
	ASSERT_EQ(ip6[40], 3, "hop 1: type 3 (time exceeded)");
	ASSERT_EQ(ip6[41], 0, "hop 1: code 0 (hop limit)");
	ASSERT_EQ(get16(ip6 + 4), 8 + 40 + sizeof(u), "hop 1: the whole packet quoted");
	ASSERT_EQ(r->out_len, L4 + 8 + 40 + sizeof(u), "hop 1: frame length");
	ASSERT_TRUE(!memcmp(ip6 + 48, p.b + ETH_LEN, 40 + sizeof(u)), "hop 1: the quote is the packet");
	ASSERT_EQ(l4sum6(ip6, get16(ip6 + 4)), 0xffff, "hop 1: ICMPv6 checksum verifies");
}

/* Too big for the uplink: "packet too big" from the gateway, with the MTU. */
static void test_ptb_gateway(void)
{
	static uint8_t t[20 + 1400];
	const uint8_t *ip6;
	struct pkt p;
	struct fx_result *r;

	if (!ASSERT_TRUE(fx_mtu(if_up, 1280) == 0, "too big: the uplink's MTU set to 1280"))
		return;
	tcp_hdr(t, 40001, 80, 1, 1, 0x10);
	build6(&p, MAC_A_HOST, MAC_A, a6, server6, IPPROTO_TCP, 64, t, sizeof(t));
	r = from_ctr(&p);
	ip6 = r->out + ETH_LEN;
	ASSERT_EQ(verdict(r), TC_ACT_REDIRECT, "too big: verdict TC_ACT_REDIRECT (back to A)");
	ASSERT_EQ(r->decision, EB_CNT_ICMP6_SENT, "too big: decision icmp6_sent");
	ASSERT_TRUE(!memcmp(ip6 + 8, gw6, 16) && !memcmp(ip6 + 24, a6, 16),
		    "too big: from the gateway to A");
	ASSERT_EQ(ip6[40], 2, "too big: type 2 (packet too big)");
	ASSERT_EQ((uint32_t)(ip6[44] << 24 | ip6[45] << 16 | ip6[46] << 8 | ip6[47]), 1280,
		  "too big: MTU 1280 (the uplink's)");
	ASSERT_EQ(l4sum6(ip6, get16(ip6 + 4)), 0xffff, "too big: ICMPv6 checksum verifies");
	ASSERT_TRUE(!memcmp(ip6 + 48, p.b + ETH_LEN, get16(ip6 + 4) - 8),
		    "too big: the quote is the packet's start");
	fx_mtu(if_up, 1500);
}

/* Extension headers: dropped whole, never forwarded half-parsed. */
static void test_exthdr(void)
{
	uint8_t dst_opts[8 + 8] = { IPPROTO_UDP, 0, 1, 4, 0, 0, 0, 0, 0x9c, 0x40, 0, 53, 0, 8 };
	uint8_t frag[8 + 8] = { IPPROTO_UDP, 0, 0, 1, 0, 0, 0, 7, 0x9c, 0x40, 0, 53, 0, 8 };
	uint64_t d0 = stat_pkts(EB_CNT_DROP_IP6_EXTHDR);
	struct pkt p;
	struct fx_result *r;

	build6(&p, MAC_A_HOST, MAC_A, a6, server6, 60, 64, dst_opts, sizeof(dst_opts));
	r = from_ctr(&p);
	ASSERT_EQ(verdict(r), TC_ACT_SHOT, "destination options out: dropped");
	ASSERT_EQ(r->decision, EB_CNT_DROP_IP6_EXTHDR, "destination options out: drop_ip6_exthdr");
	build6(&p, MAC_A_HOST, MAC_A, a6, server6, 44, 64, frag, sizeof(frag));
	r = from_ctr(&p);
	ASSERT_EQ(verdict(r), TC_ACT_SHOT, "fragment header out: dropped");
	ASSERT_EQ(r->decision, EB_CNT_DROP_IP6_EXTHDR, "fragment header out: drop_ip6_exthdr");
	ASSERT_EQ(stat_pkts(EB_CNT_DROP_IP6_EXTHDR), d0 + 2, "drop_ip6_exthdr counted both");
	/* From outside to the uplink's address: the host's own (its stack
	 * reassembles its fragments), not parsed here. */
	build6(&p, MAC_UP, MAC_GW, server6, snat6, 44, 64, frag, sizeof(frag));
	r = from_up(&p);
	ASSERT_EQ(verdict(r), TC_ACT_UNSPEC, "fragment header in, to the uplink's address: the host's");
}

/* A "reply" to a NAT port with no flow: the host's, as for IPv4. */
static void test_no_flow(void)
{
	uint8_t u[8 + 4] = { 0, 53, 0x4e, 0x52, 0, 12, 0, 0, 'f', 'a', 'k', 'e' }; /* to 20050 */
	struct pkt p;
	struct fx_result *r;

	build6(&p, MAC_UP, MAC_GW, server6, snat6, IPPROTO_UDP, 60, u, sizeof(u));
	r = from_up(&p);
	ASSERT_EQ(verdict(r), TC_ACT_UNSPEC,
		  "no flow: a UDP 'reply' to NAT port 20050 is the host's (another network may publish it)");
	ASSERT_EQ(r->target, 0, "no flow: delivered nowhere");
	put16(u + 2, 33000); /* the host's ephemeral range: its own */
	build6(&p, MAC_UP, MAC_GW, server6, snat6, IPPROTO_UDP, 60, u, sizeof(u));
	r = from_up(&p);
	ASSERT_EQ(verdict(r), TC_ACT_UNSPEC, "no flow: to a port outside the NAT range: the host's");
}

/* ---- monitor events (struct eb_event6) ---- */

#define EV_MAX 8
static struct {
	uint32_t len;
	uint8_t b[96];
} evs[EV_MAX];
static int nev;

static int ev_cb(void *ctx, void *data, size_t len)
{
	(void)ctx;
	if (nev < EV_MAX && len <= sizeof(evs[0].b)) {
		evs[nev].len = len;
		memcpy(evs[nev].b, data, len);
	}
	nev++;
	return 0;
}

/* Runs prog on p with a monitor listening; the events it wrote. */
static int events_of(struct ring_buffer *rb, int prog, int ifindex, const struct pkt *p)
{
	nev = 0;
	run(prog, ifindex, p);
	ring_buffer__consume(rb);
	return nev;
}

/* With a monitor listening (eb_monitor[0] ahead of now), a new NAT66 flow
 * writes an IPv6 snat_new record with the container's and the outside's
 * addresses and the translation; IPv6 drops (a spoofed source from A, a
 * packet from outside to A's own address) write IPv6 drop records with the
 * frame's addresses and ports; an IPv4 drop still writes struct eb_event. */
static void test_events6(void)
{
	int rfd = FX_MAP(&progs, eb_events), mfd = FX_MAP(&progs, eb_monitor);
	uint8_t u[8 + 4] = { 0xa0, 0x28, 0, 53, 0, 12, 0, 0, 'm', 'o', 'n', '6' }; /* 41000 */
	uint8_t spoof6[16], ip4h[20 + 8] = { 0x45, 0, 0, 28, 0, 0, 0x40, 0, 64, IPPROTO_UDP };
	const struct eb_event6 *e6 = (const void *)evs[0].b;
	const struct eb_event *e4 = (const void *)evs[0].b;
	struct ring_buffer *rb;
	struct timespec ts;
	uint32_t zero = 0;
	uint64_t until;
	uint16_t port;
	struct pkt p;
	struct fx_result *r;

	rb = ring_buffer__new(rfd, ev_cb, NULL, NULL);
	if (!ASSERT_TRUE(rb != NULL, "events: the ring opens"))
		return;
	ring_buffer__consume(rb); /* nothing written without a monitor, but be sure */
	clock_gettime(CLOCK_MONOTONIC, &ts);
	until = (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec + 30000000000ULL;
	bpf_map_update_elem(mfd, &zero, &until, BPF_ANY);

	build6(&p, MAC_A_HOST, MAC_A, a6, server6, IPPROTO_UDP, 64, u, sizeof(u));
	ASSERT_EQ(events_of(rb, progs.pc, if_a, &p), 1, "events: a new NAT66 flow writes one record");
	r = from_ctr(&p); /* the same packet again: the flow exists, no event */
	port = get16(r->out + L4);
	ASSERT_EQ(evs[0].len, sizeof(struct eb_event6), "events: the record is a struct eb_event6");
	ASSERT_EQ(e6->type, EB_EV_SNAT_NEW | EB_EV_F_IPV6, "events: snat_new, flagged IPv6");
	ASSERT_EQ(e6->ifindex, if_a, "events: the ifindex of A's port");
	ASSERT_TRUE(!memcmp(e6->saddr, a6, 16), "events: the source is A's address");
	ASSERT_TRUE(!memcmp(e6->daddr, server6, 16), "events: the destination is the server's");
	ASSERT_TRUE(!memcmp(e6->xaddr, snat6, 16), "events: translated to the uplink's address");
	ASSERT_EQ(ntohs(e6->sport), 41000, "events: A's source port");
	ASSERT_EQ(ntohs(e6->dport), 53, "events: the destination port");
	ASSERT_EQ(ntohs(e6->xport), port, "events: the NAT port the packet went out with");
	ASSERT_EQ(e6->proto, IPPROTO_UDP, "events: udp");
	ASSERT_EQ(events_of(rb, progs.pc, if_a, &p), 0, "events: a packet of the flow writes none");

	fx_ip6("fd00:99::77", spoof6);
	build6(&p, MAC_A_HOST, MAC_A, spoof6, server6, IPPROTO_UDP, 64, u, sizeof(u));
	ASSERT_EQ(events_of(rb, progs.pc, if_a, &p), 1, "events: a spoofed IPv6 source writes one record");
	ASSERT_EQ(evs[0].len, sizeof(struct eb_event6), "events: the drop is a struct eb_event6");
	ASSERT_EQ(e6->type, EB_EV_DROP | EB_EV_F_IPV6, "events: drop, flagged IPv6");
	ASSERT_EQ(e6->reason, EB_CNT_DROP_SPOOF_IP6, "events: reason drop_spoof_ip6");
	ASSERT_TRUE(!memcmp(e6->saddr, spoof6, 16), "events: the drop's source, as sent");
	ASSERT_TRUE(!memcmp(e6->daddr, server6, 16), "events: the drop's destination");
	ASSERT_EQ(ntohs(e6->sport), 41000, "events: the drop's source port");
	ASSERT_EQ(e6->proto, IPPROTO_UDP, "events: the drop's protocol");

	put16(u, 53);
	put16(u + 2, 20050);
	build6(&p, MAC_UP, MAC_GW, server6, a6, IPPROTO_UDP, 60, u, sizeof(u));
	ASSERT_EQ(events_of(rb, progs.pu, if_up, &p), 1,
		  "events: a packet from outside to A's own address writes one record");
	ASSERT_EQ(e6->reason, EB_CNT_DROP_UNPUBLISHED, "events: reason drop_unpublished");
	ASSERT_EQ(e6->ifindex, if_up, "events: came in on the uplink");
	ASSERT_TRUE(!memcmp(e6->saddr, server6, 16) && !memcmp(e6->daddr, a6, 16),
		    "events: from the server to A's address");
	ASSERT_EQ(ntohs(e6->dport), 20050, "events: to its port");

	/* IPv4, spoofed: the record of old. */
	memcpy(p.b, MAC_A_HOST, 6);
	memcpy(p.b + 6, MAC_A, 6);
	put16(p.b + 12, 0x0800);
	*(uint32_t *)(ip4h + 12) = fx_ip("10.99.0.77");
	*(uint32_t *)(ip4h + 16) = fx_ip("203.0.113.2");
	put16(ip4h + 10, fx_csum(ip4h, 20));
	put16(ip4h + 20, 41000);
	put16(ip4h + 22, 53);
	put16(ip4h + 24, 8);
	memcpy(p.b + ETH_LEN, ip4h, sizeof(ip4h));
	p.len = ETH_LEN + sizeof(ip4h);
	ASSERT_EQ(events_of(rb, progs.pc, if_a, &p), 1, "events: a spoofed IPv4 source writes one record");
	ASSERT_EQ(evs[0].len, sizeof(struct eb_event), "events: IPv4: a struct eb_event, as before");
	ASSERT_EQ(e4->type, EB_EV_DROP, "events: IPv4: drop, no IPv6 flag");
	ASSERT_EQ(e4->reason, EB_CNT_DROP_SPOOF_IP, "events: IPv4: reason drop_spoof_ip");
	ASSERT_EQ(e4->saddr, fx_ip("10.99.0.77"), "events: IPv4: the spoofed source");

	until = 0;
	bpf_map_update_elem(mfd, &zero, &until, BPF_ANY);
	build6(&p, MAC_A_HOST, MAC_A, spoof6, server6, IPPROTO_UDP, 64, u, sizeof(u));
	ASSERT_EQ(events_of(rb, progs.pc, if_a, &p), 0, "events: nobody listens: no record");
	ring_buffer__free(rb);
}

/* A full eb_ct6_other: a new flow frees the flows that may go (not
 * assured, idle 1 s), as the IPv4 maps do; before that it is refused. */
static void test_ct_full(void)
{
	int fd = FX_MAP(&progs, eb_ct6_other);
	uint8_t u[8 + 4] = { 0x9c, 0x40, 0, 0, 0, 12, 0, 0, 'f', 'u', 'l', 'l' };
	uint64_t ev0;
	struct pkt p;
	struct fx_result *r;
	int i;

	fx_map_clear(fd, sizeof(struct eb_ct6_key));
	for (i = 0; i < CT6_OTHER_MAX / 2; i++) {
		put16(u + 2, 1000 + i);
		build6(&p, MAC_A_HOST, MAC_A, a6, server6, IPPROTO_UDP, 64, u, sizeof(u));
		r = from_ctr(&p);
		ASSERT_EQ(verdict(r), TC_ACT_REDIRECT, "ct full: the first 8 UDP flows go out");
	}
	put16(u + 2, 2000);
	build6(&p, MAC_A_HOST, MAC_A, a6, server6, IPPROTO_UDP, 64, u, sizeof(u));
	r = from_ctr(&p);
	ASSERT_EQ(verdict(r), TC_ACT_SHOT, "ct full: a 9th flow, the others just used: refused");
	ASSERT_EQ(r->decision, EB_CNT_DROP_CT_FULL, "ct full: drop_ct_full");
	usleep(1100 * 1000);
	ev0 = stat_pkts(EB_CNT_CT_EVICT_UNASSURED);
	r = from_ctr(&p);
	ASSERT_EQ(verdict(r), TC_ACT_REDIRECT, "ct full: once they are idle 1 s, the 9th goes out");
	ASSERT_EQ(stat_pkts(EB_CNT_CT_EVICT_UNASSURED), ev0 + CT6_OTHER_MAX / 2,
		  "ct full: the 8 unanswered flows were evicted (ct_evict_unassured)");
}

#include "nat6_fuzz.h"

int main(void)
{
	if (geteuid() != 0) {
		SKIP("needs root (unshare, BPF_PROG_TEST_RUN)");
		return eb_check_done();
	}
	fx_ip6(A6, a6);
	fx_ip6(GW6, gw6);
	fx_ip6(SNAT6, snat6);
	fx_ip6(ROUTER6, router6);
	fx_ip6(SERVER6, server6);
	if (!ASSERT_TRUE(setup_netns() == 0, "setup: the private network namespace") ||
	    !ASSERT_TRUE(load() == 0, "setup: the programs and their maps"))
		return eb_check_done();
	test_tcp();
	test_udp();
	test_echo();
	test_error_in(2, 0, 1280); /* packet too big */
	test_error_in(1, 4, 0);	   /* port unreachable */
	test_hop1();
	test_ptb_gateway();
	test_exthdr();
	test_no_flow();
	test_events6();
	test_ct_full();
	test_fuzz6();
	fx_unload(&progs);
	return eb_check_done();
}
