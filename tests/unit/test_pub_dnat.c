// SPDX-License-Identifier: GPL-2.0
/*
 * Published ports in the datapath, through BPF_PROG_TEST_RUN: DNAT of new
 * flows from outside on the uplink (eb_from_uplink), the container's replies
 * translated back (eb_from_container), TCP and UDP, every checksum recomputed
 * and compared; a segment without SYN, the reverse direction, unpublished
 * ports, the outside's loopback source, the per-port counters. The world:
 * pub_world.h.
 */
#include "pub_world.h"

/* ---- datapath tests ---- */

/* The outside's SYN to SNAT_IP:8080: DNAT to the container, source kept. */
static void test_tcp_dnat(void)
{
	int tcp = FX_MAP(&fp, eb_ct_tcp);
	struct eb_ct_key k1 = ctkey(CTR_IP, 80, CLIENT_IP, 40000, IPPROTO_TCP);
	struct eb_ct_key k2 = ctkey(CLIENT_IP, 40000, SNAT_IP, 8080, IPPROTO_TCP);
	struct eb_ct_entry e;
	struct __sk_buff cb;
	struct pkt in, out;
	struct iphdr *iph;
	int ret;

	fresh();
	mkpkt(&in, up_mac, rtr_mac, IPPROTO_TCP, CLIENT_IP, 40000, SNAT_IP, 8080, 0x02, false);
	ASSERT_EQ(ip_csum_check(pkt_ip(&in)), 0, "tcp dnat: the test's own IP checksum");
	ASSERT_EQ(l4_csum_check(pkt_ip(&in)), 0, "tcp dnat: the test's own TCP checksum");
	ret = run(fp.pu, up_ifindex, &in, &out, &cb);
	ASSERT_EQ(ret, TC_ACT_REDIRECT, "tcp dnat: SYN to a published port is redirected");
	ASSERT_EQ(cb.cb[EB_CB_TARGET], ctr_ifindex, "tcp dnat: into the container's port");
	ASSERT_EQ(cb.cb[EB_CB_DECISION], EB_CNT_DNAT_IN, "tcp dnat: decision DNAT_IN");
	ASSERT_EQ(out.len, in.len, "tcp dnat: length unchanged");
	iph = pkt_ip(&out);
	ASSERT_EQ(iph->daddr, fx_ip(CTR_IP), "tcp dnat: destination is the container");
	ASSERT_EQ(pkt_dport(&out), 80, "tcp dnat: destination port is the container's");
	ASSERT_EQ(iph->saddr, fx_ip(CLIENT_IP), "tcp dnat: source address kept (the client's)");
	ASSERT_EQ(pkt_sport(&out), 40000, "tcp dnat: source port kept");
	ASSERT_EQ(ip_csum_check(iph), 0, "tcp dnat: IP checksum verifies");
	ASSERT_EQ(l4_csum_check(iph), 0, "tcp dnat: TCP checksum verifies");
	ASSERT_TRUE(!memcmp(out.buf, ctr_mac, 6), "tcp dnat: destination MAC is the container's");
	ASSERT_TRUE(!memcmp(out.buf + 6, port_mac, 6), "tcp dnat: source MAC is its port's");
	/* seq, ack, offset, flags, window; then urgent pointer and payload. */
	ASSERT_TRUE(!memcmp(out.buf + ETH_HLEN + 20 + 4, in.buf + ETH_HLEN + 20 + 4, 12) &&
			    !memcmp(out.buf + ETH_HLEN + 20 + 18, in.buf + ETH_HLEN + 20 + 18,
				    in.len - (ETH_HLEN + 20 + 18)),
		    "tcp dnat: the rest of the TCP header and the payload unchanged");

	ASSERT_EQ(ct_count(tcp, -1), 2, "tcp dnat: two conntrack entries");
	if (ASSERT_EQ(bpf_map_lookup_elem(tcp, &k2, &e), 0, "tcp dnat: outside-side entry")) {
		ASSERT_EQ(e.kind, EB_CT_DNAT_OUT, "tcp dnat: outside-side kind");
		ASSERT_EQ(e.xaddr, fx_ip(CTR_IP), "tcp dnat: outside-side rewrites to the container");
		ASSERT_EQ(ntohs(e.xport), 80, "tcp dnat: outside-side port 80");
		ASSERT_EQ(e.ifindex, ctr_ifindex, "tcp dnat: outside-side port ifindex");
		ASSERT_TRUE(!memcmp(&e.peer, &k1, sizeof(k1)), "tcp dnat: outside-side peer key");
	}
	if (ASSERT_EQ(bpf_map_lookup_elem(tcp, &k1, &e), 0, "tcp dnat: container-side entry")) {
		ASSERT_EQ(e.kind, EB_CT_DNAT_CTR, "tcp dnat: container-side kind");
		ASSERT_EQ(e.xaddr, fx_ip(SNAT_IP), "tcp dnat: container-side source back to the host");
		ASSERT_EQ(ntohs(e.xport), 8080, "tcp dnat: container-side port 8080");
		ASSERT_TRUE(!memcmp(&e.peer, &k2, sizeof(k2)), "tcp dnat: container-side peer key");
	}
	ASSERT_EQ(pub_conns(0, 8080, IPPROTO_TCP), 1, "tcp dnat: published entry counts a flow");
}

/* Segments other than a bare SYN start no flow; a flow's ACK goes on. */
static void test_tcp_nosyn(void)
{
	static const struct {
		uint8_t flags;
		const char *what;
	} cases[] = {
		{ 0x10, "ACK" }, { 0x18, "PSH|ACK" }, { 0x12, "SYN|ACK" },
		{ 0x04, "RST" }, { 0x06, "SYN|RST" }, { 0x11, "FIN|ACK" },
	};
	int tcp = FX_MAP(&fp, eb_ct_tcp);
	struct __sk_buff cb;
	struct pkt in, out;
	int before, ret;
	char what[96];

	fresh();
	syn_from_outside(40000); /* the flow whose ACK goes on below */
	before = ct_count(tcp, -1);

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		mkpkt(&in, up_mac, rtr_mac, IPPROTO_TCP, CLIENT_IP, 40001, SNAT_IP, 8080,
		      cases[i].flags, false);
		ret = run(fp.pu, up_ifindex, &in, &out, &cb);
		snprintf(what, sizeof(what), "tcp %s with no flow to a published port: dropped",
			 cases[i].what);
		ASSERT_EQ(ret, TC_ACT_SHOT, what);
		snprintf(what, sizeof(what), "tcp %s with no flow: counted as DROP_NO_CT",
			 cases[i].what);
		ASSERT_EQ(cb.cb[EB_CB_DECISION], EB_CNT_DROP_NO_CT, what);
	}
	ASSERT_EQ(ct_count(tcp, -1), before, "tcp no-SYN: no conntrack entry made");

	/* The flow started above goes on with an ACK. */
	mkpkt(&in, up_mac, rtr_mac, IPPROTO_TCP, CLIENT_IP, 40000, SNAT_IP, 8080, 0x10, false);
	ret = run(fp.pu, up_ifindex, &in, &out, &cb);
	ASSERT_EQ(ret, TC_ACT_REDIRECT, "tcp: ACK of the flow is redirected");
	ASSERT_EQ(pkt_ip(&out)->daddr, fx_ip(CTR_IP), "tcp: ACK of the flow goes to the container");
	ASSERT_EQ(pkt_dport(&out), 80, "tcp: ACK of the flow to port 80");
	ASSERT_EQ(ip_csum_check(pkt_ip(&out)), 0, "tcp: ACK of the flow, IP checksum");
	ASSERT_EQ(l4_csum_check(pkt_ip(&out)), 0, "tcp: ACK of the flow, TCP checksum");
}

/* The container's SYN-ACK of a published flow goes out as SNAT_IP:8080,
 * not SNATed anew. */
static void test_tcp_reverse(void)
{
	int tcp = FX_MAP(&fp, eb_ct_tcp);
	struct __sk_buff cb;
	struct pkt in, out;
	struct iphdr *iph;
	int ret;

	fresh();
	syn_from_outside(40000); /* the client's SYN, DNATed in */
	mkpkt(&in, port_mac, ctr_mac, IPPROTO_TCP, CTR_IP, 80, CLIENT_IP, 40000, 0x12, false);
	ret = run(fp.pc, ctr_ifindex, &in, &out, &cb);
	ASSERT_EQ(ret, TC_ACT_REDIRECT, "tcp reverse: the reply is redirected");
	ASSERT_EQ(cb.cb[EB_CB_TARGET], up_ifindex, "tcp reverse: out of the uplink");
	iph = pkt_ip(&out);
	ASSERT_EQ(iph->saddr, fx_ip(SNAT_IP), "tcp reverse: source is the host's address");
	ASSERT_EQ(pkt_sport(&out), 8080, "tcp reverse: source port is the published port");
	ASSERT_EQ(iph->daddr, fx_ip(CLIENT_IP), "tcp reverse: destination unchanged");
	ASSERT_EQ(pkt_dport(&out), 40000, "tcp reverse: destination port unchanged");
	ASSERT_EQ(ip_csum_check(iph), 0, "tcp reverse: IP checksum verifies");
	ASSERT_EQ(l4_csum_check(iph), 0, "tcp reverse: TCP checksum verifies");
	ASSERT_TRUE(!memcmp(out.buf, rtr_mac, 6), "tcp reverse: to the router's MAC");
	ASSERT_TRUE(!memcmp(out.buf + 6, up_mac, 6), "tcp reverse: from the uplink's MAC");
	ASSERT_EQ(ct_count(tcp, -1), 2, "tcp reverse: no new conntrack entry (no second NAT)");
	ASSERT_EQ(ct_count(tcp, EB_CT_SNAT_CTR), 0, "tcp reverse: no SNAT binding made");
}

/* UDP both ways, with a checksum and with none (0 stays 0). */
static void test_udp(void)
{
	int other = FX_MAP(&fp, eb_ct_other);
	struct eb_ct_key k1 = ctkey(CTR_IP, 53, CLIENT_IP, 41000, IPPROTO_UDP);
	struct eb_ct_key k2 = ctkey(CLIENT_IP, 41000, SNAT_IP, 5353, IPPROTO_UDP);
	struct eb_ct_entry e;
	struct __sk_buff cb;
	struct pkt in, out;
	struct iphdr *iph;
	int ret;

	fresh();
	mkpkt(&in, up_mac, rtr_mac, IPPROTO_UDP, CLIENT_IP, 41000, SNAT_IP, 5353, 0, false);
	ASSERT_EQ(l4_csum_check(pkt_ip(&in)), 0, "udp dnat: the test's own UDP checksum");
	ret = run(fp.pu, up_ifindex, &in, &out, &cb);
	ASSERT_EQ(ret, TC_ACT_REDIRECT, "udp dnat: datagram to a published port is redirected");
	ASSERT_EQ(cb.cb[EB_CB_TARGET], ctr_ifindex, "udp dnat: into the container's port");
	iph = pkt_ip(&out);
	ASSERT_EQ(iph->daddr, fx_ip(CTR_IP), "udp dnat: destination is the container");
	ASSERT_EQ(pkt_dport(&out), 53, "udp dnat: destination port is the container's");
	ASSERT_EQ(iph->saddr, fx_ip(CLIENT_IP), "udp dnat: source address kept");
	ASSERT_EQ(pkt_sport(&out), 41000, "udp dnat: source port kept");
	ASSERT_EQ(ip_csum_check(iph), 0, "udp dnat: IP checksum verifies");
	ASSERT_EQ(l4_csum_check(iph), 0, "udp dnat: UDP checksum verifies");
	ASSERT_TRUE(pkt_udp_csum(&out) != 0, "udp dnat: UDP checksum not zero");
	ASSERT_EQ(ct_count(other, -1), 2, "udp dnat: two conntrack entries");
	if (ASSERT_EQ(bpf_map_lookup_elem(other, &k2, &e), 0, "udp dnat: outside-side entry"))
		ASSERT_EQ(e.kind, EB_CT_DNAT_OUT, "udp dnat: outside-side kind");
	if (ASSERT_EQ(bpf_map_lookup_elem(other, &k1, &e), 0, "udp dnat: container-side entry"))
		ASSERT_EQ(e.kind, EB_CT_DNAT_CTR, "udp dnat: container-side kind");

	mkpkt(&in, port_mac, ctr_mac, IPPROTO_UDP, CTR_IP, 53, CLIENT_IP, 41000, 0, false);
	ret = run(fp.pc, ctr_ifindex, &in, &out, &cb);
	ASSERT_EQ(ret, TC_ACT_REDIRECT, "udp reverse: the reply is redirected");
	ASSERT_EQ(cb.cb[EB_CB_TARGET], up_ifindex, "udp reverse: out of the uplink");
	iph = pkt_ip(&out);
	ASSERT_EQ(iph->saddr, fx_ip(SNAT_IP), "udp reverse: source is the host's address");
	ASSERT_EQ(pkt_sport(&out), 5353, "udp reverse: source port is the published port");
	ASSERT_EQ(iph->daddr, fx_ip(CLIENT_IP), "udp reverse: destination unchanged");
	ASSERT_EQ(pkt_dport(&out), 41000, "udp reverse: destination port unchanged");
	ASSERT_EQ(ip_csum_check(iph), 0, "udp reverse: IP checksum verifies");
	ASSERT_EQ(l4_csum_check(iph), 0, "udp reverse: UDP checksum verifies");
	ASSERT_EQ(ct_count(other, -1), 2, "udp reverse: no new conntrack entry");

	/* A datagram without a checksum (0) keeps none. */
	mkpkt(&in, up_mac, rtr_mac, IPPROTO_UDP, CLIENT_IP, 41001, SNAT_IP, 5353, 0, true);
	ret = run(fp.pu, up_ifindex, &in, &out, &cb);
	ASSERT_EQ(ret, TC_ACT_REDIRECT, "udp dnat, no checksum: redirected");
	ASSERT_EQ(pkt_ip(&out)->daddr, fx_ip(CTR_IP), "udp dnat, no checksum: to the container");
	ASSERT_EQ(pkt_udp_csum(&out), 0, "udp dnat, no checksum: stays 0");
	ASSERT_EQ(ip_csum_check(pkt_ip(&out)), 0, "udp dnat, no checksum: IP checksum verifies");
	mkpkt(&in, port_mac, ctr_mac, IPPROTO_UDP, CTR_IP, 53, CLIENT_IP, 41001, 0, true);
	ret = run(fp.pc, ctr_ifindex, &in, &out, &cb);
	ASSERT_EQ(ret, TC_ACT_REDIRECT, "udp reverse, no checksum: redirected");
	ASSERT_EQ(pkt_sport(&out), 5353, "udp reverse, no checksum: source port published");
	ASSERT_EQ(pkt_udp_csum(&out), 0, "udp reverse, no checksum: stays 0");
	ASSERT_EQ(ip_csum_check(pkt_ip(&out)), 0, "udp reverse, no checksum: IP checksum");
}

/* Not published, or published elsewhere: left to the host, untouched. */
static void test_unpublished(void)
{
	static const struct {
		uint8_t proto;
		const char *dst;
		uint16_t dport;
		const char *what;
	} cases[] = {
		{ IPPROTO_TCP, SNAT_IP, 9999, "tcp SYN to an unpublished port" },
		{ IPPROTO_UDP, SNAT_IP, 9999, "udp to an unpublished port" },
		{ IPPROTO_UDP, SNAT_IP, 8080, "udp to a port published for tcp only" },
		{ IPPROTO_TCP, SNAT_IP, 5353, "tcp SYN to a port published for udp only" },
		{ IPPROTO_TCP, SNAT_IP, 7070, "tcp SYN at the host's address to a 127.0.0.1 port" },
		{ IPPROTO_TCP, "198.51.100.77", 8080, "tcp SYN to another address" },
	};
	int tcp = FX_MAP(&fp, eb_ct_tcp), other = FX_MAP(&fp, eb_ct_other);
	struct __sk_buff cb;
	struct pkt in, out;
	char what[128];
	int ret, n;

	fresh();
	n = ct_count(tcp, -1) + ct_count(other, -1);

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		mkpkt(&in, up_mac, rtr_mac, cases[i].proto, CLIENT_IP, 42000, cases[i].dst,
		      cases[i].dport, 0x02, false);
		ret = run(fp.pu, up_ifindex, &in, &out, &cb);
		snprintf(what, sizeof(what), "%s: TC_ACT_UNSPEC (left to the host)", cases[i].what);
		ASSERT_EQ(ret, TC_ACT_UNSPEC, what);
		snprintf(what, sizeof(what), "%s: packet unchanged", cases[i].what);
		ASSERT_TRUE(out.len == in.len && !memcmp(out.buf, in.buf, in.len), what);
		snprintf(what, sizeof(what), "%s: decision UPLINK_PASS", cases[i].what);
		ASSERT_EQ(cb.cb[EB_CB_DECISION], EB_CNT_UPLINK_PASS, what);
	}
	ASSERT_EQ(ct_count(tcp, -1) + ct_count(other, -1), n, "unpublished: no conntrack entry");
}

/*
 * A port published on 127.0.0.1 is the host's only. A neighbour on the
 * uplink's segment can send a frame to the host's MAC with destination
 * 127.0.0.1 (moby issue 45610, CVE-2020-8558): it must not reach the
 * container.
 */
static void test_loopback_from_outside(void)
{
	int tcp = FX_MAP(&fp, eb_ct_tcp);
	struct __sk_buff cb;
	struct pkt in, out;
	int ret, n;

	fresh();
	n = ct_count(tcp, -1);
	mkpkt(&in, up_mac, rtr_mac, IPPROTO_TCP, ROUTER_IP, 45610, "127.0.0.1", 7070, 0x02, false);
	ret = run(fp.pu, up_ifindex, &in, &out, &cb);
	ASSERT_TRUE(ret == TC_ACT_UNSPEC || ret == TC_ACT_SHOT,
		    "SYN from the uplink to 127.0.0.1:7070 (published on 127.0.0.1) is not "
		    "delivered to the container (moby 45610)");
	ASSERT_TRUE(pkt_ip(&out)->daddr != fx_ip(CTR_IP),
		    "SYN from the uplink to 127.0.0.1:7070: destination not rewritten");
	ASSERT_EQ(ct_count(tcp, -1), n, "SYN from the uplink to 127.0.0.1:7070: no flow made");
	ASSERT_EQ(pub_conns(fx_ip("127.0.0.1"), 7070, IPPROTO_TCP), 0,
		  "SYN from the uplink to 127.0.0.1:7070: no connection counted");
}

/* Packets from outside count under the key the port was published with:
 * on every address (host_ip 0) or on the host's address only. The flow's
 * outside-side entry remembers which. */
/* Packets of a per-CPU eb_counter_val map's entry, summed over the CPUs. */
static uint64_t port_stat(uint32_t host_ip, uint16_t hport, uint8_t proto)
{
	struct eb_pub_key k;

	memset(&k, 0, sizeof(k));
	k.host_ip = host_ip;
	k.host_port = hport;
	k.proto = proto;
	return fx_percpu_packets(FX_MAP(&fp, eb_pub_stats), &k);
}

static void test_port_counters(void)
{
	int tcp = FX_MAP(&fp, eb_ct_tcp);
	struct eb_ct_key k2 = ctkey(CLIENT_IP, 47001, SNAT_IP, 9090, IPPROTO_TCP);
	struct eb_ct_entry e;
	struct __sk_buff cb;
	struct pkt in, out;
	uint64_t any0, addr0;

	fresh();
	if (!ASSERT_EQ(publish(fx_ip(SNAT_IP), 9090, IPPROTO_TCP, 80), 0,
		       "port counters: 9090 published on the host's address only"))
		return;
	any0 = port_stat(0, 8080, IPPROTO_TCP);
	addr0 = port_stat(fx_ip(SNAT_IP), 9090, IPPROTO_TCP);
	/* A flow to each: SYN, then an ACK (the established path). */
	mkpkt(&in, up_mac, rtr_mac, IPPROTO_TCP, CLIENT_IP, 47000, SNAT_IP, 8080, 0x02, false);
	run(fp.pu, up_ifindex, &in, &out, &cb);
	mkpkt(&in, up_mac, rtr_mac, IPPROTO_TCP, CLIENT_IP, 47000, SNAT_IP, 8080, 0x10, false);
	ASSERT_EQ(run(fp.pu, up_ifindex, &in, &out, &cb), TC_ACT_REDIRECT,
		  "port counters: ACK to 8080 delivered");
	mkpkt(&in, up_mac, rtr_mac, IPPROTO_TCP, CLIENT_IP, 47001, SNAT_IP, 9090, 0x02, false);
	run(fp.pu, up_ifindex, &in, &out, &cb);
	mkpkt(&in, up_mac, rtr_mac, IPPROTO_TCP, CLIENT_IP, 47001, SNAT_IP, 9090, 0x10, false);
	ASSERT_EQ(run(fp.pu, up_ifindex, &in, &out, &cb), TC_ACT_REDIRECT,
		  "port counters: ACK to 9090 delivered");
	ASSERT_EQ(port_stat(0, 8080, IPPROTO_TCP) - any0, 2,
		  "port counters: 8080 (every address) counts SYN and ACK under host_ip 0");
	ASSERT_EQ(port_stat(fx_ip(SNAT_IP), 9090, IPPROTO_TCP) - addr0, 2,
		  "port counters: 9090 (host address) counts SYN and ACK under that address");
	ASSERT_EQ(port_stat(0, 9090, IPPROTO_TCP), 0, "port counters: nothing under 0:9090");
	ASSERT_EQ(port_stat(fx_ip(SNAT_IP), 8080, IPPROTO_TCP), 0,
		  "port counters: nothing under SNAT_IP:8080");
	if (ASSERT_EQ(bpf_map_lookup_elem(tcp, &k2, &e), 0, "port counters: 9090's flow entry"))
		ASSERT_EQ(e.pub_key, EB_CT_PUB_ADDR, "port counters: the entry says: by address");
	/* An entry of an older build (pub_key 0) is counted by a lookup. */
	e.pub_key = 0;
	bpf_map_update_elem(tcp, &k2, &e, BPF_EXIST);
	ASSERT_EQ(run(fp.pu, up_ifindex, &in, &out, &cb), TC_ACT_REDIRECT,
		  "port counters: ACK of an older entry delivered");
	ASSERT_EQ(port_stat(fx_ip(SNAT_IP), 9090, IPPROTO_TCP) - addr0, 3,
		  "port counters: ...and counted under the address it was published on");
}

int main(void)
{
	if (!pub_world_ready())
		goto out;
	test_tcp_dnat();
	test_tcp_nosyn();
	test_tcp_reverse();
	test_udp();
	test_unpublished();
	test_loopback_from_outside();
	test_port_counters();
out:
	fx_unload(&fp);
	return eb_check_done();
}
