// SPDX-License-Identifier: GPL-2.0
/*
 * Datapath unit tests of outbound NAT (issue 3), with BPF_PROG_TEST_RUN: flows
 * out of the uplink and back: TCP (and a tuple used again after FIN or RST), a
 * source port kept, UDP with and without a checksum, fragments, other
 * protocols, two containers with the same source port. The world: nat_world.h,
 * nat_pkt.h.
 */
#include "nat_world.h"
#include "nat_pkt.h"

/* ---- the tests ---- */

static void test_tcp(void)
{
	struct fx f;
	struct fx_opts o = {};
	struct pkt in, syn_out;
	struct res *r;
	struct eb_ct_key k1, k2;
	struct eb_ct_entry e1, e2;
	uint16_t nport;
	uint8_t *l4;

	if (!ASSERT_EQ(fx_open(&f, &o), 0, "tcp: load the programs"))
		return;

	/* SYN from A, source port outside the NAT range: remapped. */
	tcp(&in, MAC_A_HOST, MAC_A, IP_A, 40000, SERVER, 80, TCP_SYN, 0);
	r = from_ctr(&f, env.if_a, &in);
	check_out("tcp SYN", r, &in);
	syn_out = r->out;
	l4 = l4_of(&syn_out);
	nport = get16(l4);
	ASSERT_TRUE(nport >= NAT_MIN && nport <= NAT_MAX, "tcp SYN: NAT port inside the NAT range");
	ASSERT_EQ(get16(l4 + 2), 80, "tcp SYN: destination port unchanged");
	ASSERT_TRUE(!memcmp(l4 + 4, in.b + ETH_LEN + IP_LEN + 4, 10),
		    "tcp SYN: seq, ack, offset and flags unchanged");
	ASSERT_EQ(syn_out.b[ETH_LEN + 9], IPPROTO_TCP, "tcp SYN: protocol unchanged");
	ASSERT_EQ(stat_pkts(&f, EB_CNT_SNAT_NEW), 1, "tcp SYN: EB_CNT_SNAT_NEW counts 1");
	ASSERT_EQ(stat_pkts(&f, EB_CNT_SNAT_OUT), 1, "tcp SYN: EB_CNT_SNAT_OUT counts 1");

	/* Both conntrack entries. */
	k1 = ct_key(IPPROTO_TCP, IP_A, 40000, SERVER, 80);
	k2 = ct_key(IPPROTO_TCP, SERVER, 80, SNAT_IP, nport);
	if (ASSERT_EQ(bpf_map_lookup_elem(f.ct_tcp, &k1, &e1), 0,
		      "ct: container-side entry keyed by the tuple as sent")) {
		ASSERT_EQ(e1.kind, EB_CT_SNAT_CTR, "ct: container side kind EB_CT_SNAT_CTR");
		ASSERT_TRUE(!memcmp(&e1.peer, &k2, sizeof(k2)), "ct: container side peer = outside key");
		ASSERT_EQ(e1.xaddr, fx_ip(SNAT_IP), "ct: container side xaddr = NAT address");
		ASSERT_EQ(ntohs(e1.xport), nport, "ct: container side xport = NAT port");
		ASSERT_EQ(e1.ifindex, env.if_a, "ct: container side ifindex = A's port");
		ASSERT_EQ(e1.packets[0], 1, "ct: one packet from the container");
		ASSERT_EQ(e1.bytes[0], in.len, "ct: its bytes");
		ASSERT_EQ(e1.packets[1], 0, "ct: none to it yet");
		ASSERT_TRUE(e1.created && e1.last_seen >= e1.created, "ct: created, last_seen set");
		ASSERT_EQ(e1.state & (EB_CTS_SEEN_REPLY | EB_CTS_FIN_CTR | EB_CTS_FIN_OUT | EB_CTS_RST),
			  0, "ct: state: no reply, no FIN, no RST yet");
	}
	if (ASSERT_EQ(bpf_map_lookup_elem(f.ct_tcp, &k2, &e2), 0,
		      "ct: outside-side entry keyed by the reply's tuple")) {
		ASSERT_EQ(e2.kind, EB_CT_SNAT_OUT, "ct: outside side kind EB_CT_SNAT_OUT");
		ASSERT_TRUE(!memcmp(&e2.peer, &k1, sizeof(k1)), "ct: outside side peer = container key");
		ASSERT_EQ(e2.xaddr, fx_ip(IP_A), "ct: outside side xaddr = A");
		ASSERT_EQ(ntohs(e2.xport), 40000, "ct: outside side xport = A's port");
		ASSERT_EQ(e2.ifindex, env.if_a, "ct: outside side ifindex = A's port");
	}
	ASSERT_EQ(ct_count(f.ct_tcp), 2, "ct: exactly two entries for one flow");
	ASSERT_EQ(ct_count(f.ct_other), 0, "ct: nothing in eb_ct_other");

	/* The SYN-ACK back from the server. */
	tcp(&in, MAC_UP, MAC_GW, SERVER, 80, SNAT_IP, nport, TCP_SYN | TCP_ACK, 0);
	r = from_up(&f, &in);
	check_in("tcp SYN-ACK", r, &in, IP_A, env.if_a, MAC_A, MAC_A_HOST, EB_CNT_SNAT_IN);
	l4 = l4_of(&r->out);
	ASSERT_EQ(get16(l4 + 2), 40000, "tcp SYN-ACK: destination port back to A's");
	ASSERT_EQ(get16(l4), 80, "tcp SYN-ACK: source port unchanged");
	ASSERT_EQ(stat_pkts(&f, EB_CNT_SNAT_IN), 1, "tcp SYN-ACK: EB_CNT_SNAT_IN counts 1");
	if (!bpf_map_lookup_elem(f.ct_tcp, &k1, &e1)) {
		ASSERT_TRUE(e1.state & EB_CTS_SEEN_REPLY, "ct: reply seen after SYN-ACK");
		ASSERT_EQ(e1.packets[1], 1, "ct: one packet to the container");
		ASSERT_EQ(e1.bytes[1], in.len, "ct: its bytes");
	}

	/* The ACK with data: same binding, no new flow. */
	tcp(&in, MAC_A_HOST, MAC_A, IP_A, 40000, SERVER, 80, TCP_ACK, 100);
	r = from_ctr(&f, env.if_a, &in);
	check_out("tcp ACK+data", r, &in);
	ASSERT_EQ(get16(l4_of(&r->out)), nport, "tcp ACK+data: same NAT port");
	ASSERT_EQ(stat_pkts(&f, EB_CNT_SNAT_NEW), 1, "tcp ACK+data: no new binding");
	ASSERT_EQ(ct_count(f.ct_tcp), 2, "ct: still two entries");

	/* A GSO packet larger than the uplink's MTU (1500) is not refused. */
	tcp(&in, MAC_A_HOST, MAC_A, IP_A, 40000, SERVER, 80, TCP_ACK, 2800);
	r = run(f.pc, env.if_a, &in, 1448);
	check_out("tcp GSO 2800 bytes", r, &in);

	/* A FIN each way, then the flow is closing/closed. */
	tcp(&in, MAC_A_HOST, MAC_A, IP_A, 40000, SERVER, 80, TCP_FIN | TCP_ACK, 0);
	r = from_ctr(&f, env.if_a, &in);
	check_out("tcp FIN out", r, &in);
	tcp(&in, MAC_UP, MAC_GW, SERVER, 80, SNAT_IP, nport, TCP_FIN | TCP_ACK, 0);
	r = from_up(&f, &in);
	check_in("tcp FIN in", r, &in, IP_A, env.if_a, MAC_A, MAC_A_HOST, EB_CNT_SNAT_IN);
	if (!bpf_map_lookup_elem(f.ct_tcp, &k1, &e1))
		ASSERT_EQ(e1.state & (EB_CTS_FIN_CTR | EB_CTS_FIN_OUT),
			  EB_CTS_FIN_CTR | EB_CTS_FIN_OUT, "ct: FIN both ways recorded");
	fx_close(&f);
}

/* A tuple used again: once a flow is closed (FIN both ways, or RST), a new
 * SYN on the same tuple starts a new connection. Its conntrack state must
 * start over, or the new connection keeps the closed flow's short lifetime
 * (ct_tcp_close) and loses its binding after that long idle: the next
 * packet gets another NAT port and the server answers it with a reset.
 * (Linux conntrack and Cilium both reopen on a SYN.) */
static void test_tcp_reopen(uint8_t close_flags)
{
	const char *t = close_flags & TCP_RST ? "tcp reopen after RST" : "tcp reopen after FIN";
	char w[160];
	struct fx f;
	struct fx_opts o = {};
	struct pkt in;
	struct res *r;
	struct eb_ct_key k1;
	struct eb_ct_entry e1;
	uint16_t nport;

	if (!ASSERT_EQ(fx_open(&f, &o), 0, W("load")))
		return;
	k1 = ct_key(IPPROTO_TCP, IP_A, 40020, SERVER, 80);
	tcp(&in, MAC_A_HOST, MAC_A, IP_A, 40020, SERVER, 80, TCP_SYN, 0);
	r = from_ctr(&f, env.if_a, &in);
	nport = get16(l4_of(&r->out));
	tcp(&in, MAC_UP, MAC_GW, SERVER, 80, SNAT_IP, nport, TCP_SYN | TCP_ACK, 0);
	from_up(&f, &in);
	/* The server closes first, then the container (or the server resets). */
	tcp(&in, MAC_UP, MAC_GW, SERVER, 80, SNAT_IP, nport, close_flags | TCP_ACK, 0);
	from_up(&f, &in);
	if (!(close_flags & TCP_RST)) {
		tcp(&in, MAC_A_HOST, MAC_A, IP_A, 40020, SERVER, 80, TCP_FIN | TCP_ACK, 0);
		from_ctr(&f, env.if_a, &in);
	}
	if (ASSERT_EQ(bpf_map_lookup_elem(f.ct_tcp, &k1, &e1), 0, W("flow in conntrack")))
		ASSERT_TRUE(e1.state & (EB_CTS_FIN_CTR | EB_CTS_FIN_OUT | EB_CTS_RST),
			    W("the first connection is recorded closed"));

	/* A new connection on the same tuple. */
	tcp(&in, MAC_A_HOST, MAC_A, IP_A, 40020, SERVER, 80, TCP_SYN, 0);
	r = from_ctr(&f, env.if_a, &in);
	check_out(t, r, &in);
	tcp(&in, MAC_UP, MAC_GW, SERVER, 80, SNAT_IP, get16(l4_of(&r->out)), TCP_SYN | TCP_ACK, 0);
	r = from_up(&f, &in);
	check_in(t, r, &in, IP_A, env.if_a, MAC_A, MAC_A_HOST, EB_CNT_SNAT_IN);
	if (ASSERT_EQ(bpf_map_lookup_elem(f.ct_tcp, &k1, &e1), 0, W("flow in conntrack"))) {
		ASSERT_EQ(e1.state & (EB_CTS_FIN_CTR | EB_CTS_FIN_OUT | EB_CTS_RST), 0,
			  W("new SYN: the closed state starts over (no FIN/RST bits)"));
		ASSERT_TRUE(e1.state & EB_CTS_SEEN_REPLY, W("new SYN-ACK seen"));
	}
	fx_close(&f);
}

static void test_port_kept(void)
{
	struct fx f;
	struct fx_opts o = {};
	struct pkt in;
	struct res *r;

	if (!ASSERT_EQ(fx_open(&f, &o), 0, "port kept: load"))
		return;
	tcp(&in, MAC_A_HOST, MAC_A, IP_A, 20050, SERVER, 443, TCP_SYN, 0);
	r = from_ctr(&f, env.if_a, &in);
	check_out("port kept", r, &in);
	ASSERT_EQ(get16(l4_of(&r->out)), 20050, "port kept: source port inside the range kept");
	fx_close(&f);
}

static void test_udp(bool csum)
{
	const char *t = csum ? "udp" : "udp csum 0";
	struct fx f;
	struct fx_opts o = {};
	struct pkt in;
	struct res *r;
	struct eb_ct_key k1;
	struct eb_ct_entry e1;
	uint16_t nport;
	char w[160];

	if (!ASSERT_EQ(fx_open(&f, &o), 0, "udp: load"))
		return;
	udp(&in, MAC_A_HOST, MAC_A, IP_A, 40001, SERVER, 53, csum);
	r = from_ctr(&f, env.if_a, &in);
	check_out(t, r, &in);
	nport = get16(l4_of(&r->out));
	ASSERT_TRUE(nport >= NAT_MIN && nport <= NAT_MAX, W("NAT port in range"));
	ASSERT_EQ(get16(l4_of(&r->out) + 2), 53, W("destination port unchanged"));
	if (csum)
		ASSERT_TRUE(get16(l4_of(&r->out) + 6) != 0, W("checksum still in use"));
	else
		ASSERT_EQ(get16(l4_of(&r->out) + 6), 0, W("zero checksum stays zero on the way out"));
	ASSERT_TRUE(!memcmp(l4_of(&r->out) + 8, in.b + ETH_LEN + IP_LEN + 8, l4_len(&in) - 8),
		    W("payload unchanged"));
	k1 = ct_key(IPPROTO_UDP, IP_A, 40001, SERVER, 53);
	ASSERT_EQ(bpf_map_lookup_elem(f.ct_other, &k1, &e1), 0, W("flow in eb_ct_other"));
	ASSERT_EQ(ct_count(f.ct_other), 2, W("two entries in eb_ct_other"));
	ASSERT_EQ(ct_count(f.ct_tcp), 0, W("nothing in eb_ct_tcp"));

	udp(&in, MAC_UP, MAC_GW, SERVER, 53, SNAT_IP, nport, csum);
	r = from_up(&f, &in);
	check_in(t, r, &in, IP_A, env.if_a, MAC_A, MAC_A_HOST, EB_CNT_SNAT_IN);
	ASSERT_EQ(get16(l4_of(&r->out) + 2), 40001, W("reply: destination port back to A's"));
	if (!csum)
		ASSERT_EQ(get16(l4_of(&r->out) + 6), 0, W("reply: zero checksum stays zero"));
	fx_close(&f);
}

/* IPv4 fragments carry no ports (but the first): whatever the datapath
 * does with them, it never sends a container's address out untranslated. */
static void test_fragments(void)
{
	const char *t = "fragment";
	char w[160];
	struct fx f;
	struct fx_opts o = {};
	struct pkt in;
	struct res *r;
	uint8_t *iph = in.b + ETH_LEN;

	if (!ASSERT_EQ(fx_open(&f, &o), 0, W("load")))
		return;
	/* A first fragment (MF, offset 0) of a UDP datagram... */
	udp(&in, MAC_A_HOST, MAC_A, IP_A, 40008, SERVER, 53, false);
	put16(iph + 6, 0x2000);
	fill_ip_csum(iph);
	r = from_ctr(&f, env.if_a, &in);
	ASSERT_TRUE(r->verdict == TC_ACT_SHOT ||
			    (r->verdict == TC_ACT_REDIRECT &&
			     get_addr(ip_of(&r->out) + 12) == fx_ip(SNAT_IP)),
		    W("first fragment: dropped or translated, never leaked"));
	/* ...and a later one (offset 1480 bytes, no L4 header). */
	put16(iph + 6, 1480 / 8);
	fill_ip_csum(iph);
	r = from_ctr(&f, env.if_a, &in);
	ASSERT_TRUE(r->verdict == TC_ACT_SHOT ||
			    (r->verdict == TC_ACT_REDIRECT &&
			     get_addr(ip_of(&r->out) + 12) == fx_ip(SNAT_IP)),
		    W("later fragment: dropped or translated, never leaked"));
	if (r->verdict == TC_ACT_SHOT)
		ASSERT_EQ(r->ctx.cb[EB_CB_DECISION], EB_CNT_DROP_FRAGMENT,
			  W("later fragment dropped: counted EB_CNT_DROP_FRAGMENT"));
	fx_close(&f);
}

static void test_proto(void)
{
	struct fx f;
	struct fx_opts o = {};
	struct pkt in;
	struct res *r;
	uint8_t *iph = in.b + ETH_LEN;

	if (!ASSERT_EQ(fx_open(&f, &o), 0, "gre: load"))
		return;
	mk_eth(in.b, MAC_A_HOST, MAC_A);
	memset(iph + IP_LEN, 0, 8);
	put16(iph + IP_LEN + 2, 0x0800); /* GRE carrying IPv4 */
	mk_ip(iph, IPPROTO_GRE_, IP_A, SERVER, 8, 64);
	in.len = ETH_LEN + IP_LEN + 8;
	r = from_ctr(&f, env.if_a, &in);
	ASSERT_EQ(r->verdict, TC_ACT_SHOT, "gre: dropped, not leaked untranslated");
	ASSERT_EQ(r->ctx.cb[EB_CB_DECISION], EB_CNT_DROP_PROTO, "gre: decision EB_CNT_DROP_PROTO");
	ASSERT_EQ(stat_pkts(&f, EB_CNT_DROP_PROTO), 1, "gre: EB_CNT_DROP_PROTO counts 1");
	ASSERT_EQ(ct_count(f.ct_other) + ct_count(f.ct_tcp), 0, "gre: no conntrack entry");

	/* A reset that belongs to no flow starts nothing. */
	tcp(&in, MAC_A_HOST, MAC_A, IP_A, 40010, SERVER, 80, TCP_RST, 0);
	r = from_ctr(&f, env.if_a, &in);
	ASSERT_EQ(r->verdict, TC_ACT_SHOT, "stray RST: dropped");
	ASSERT_EQ(r->ctx.cb[EB_CB_DECISION], EB_CNT_DROP_NO_CT, "stray RST: EB_CNT_DROP_NO_CT");
	ASSERT_EQ(ct_count(f.ct_tcp), 0, "stray RST: no conntrack entry");

	/* Traffic to the NAT address that is no reply of ours: the host's. */
	tcp(&in, MAC_UP, MAC_GW, SERVER, 5000, SNAT_IP, 22, TCP_SYN, 0);
	r = from_up(&f, &in);
	ASSERT_EQ(r->verdict, TC_ACT_UNSPEC, "uplink: SYN to the host's port 22 left to the host");
	ASSERT_EQ(r->ctx.cb[EB_CB_DECISION], EB_CNT_UPLINK_PASS, "uplink: EB_CNT_UPLINK_PASS");
	ASSERT_TRUE(!memcmp(r->out.b, in.b, in.len), "uplink: the host's packet is not touched");
	fx_close(&f);
}

static void test_same_port(void)
{
	struct fx f;
	struct fx_opts o = {};
	struct pkt in;
	struct res *r;
	uint16_t pa, pb;

	if (!ASSERT_EQ(fx_open(&f, &o), 0, "same port: load"))
		return;
	/* Port 20020 is inside the NAT range: A keeps it, B cannot. */
	tcp(&in, MAC_A_HOST, MAC_A, IP_A, 20020, SERVER, 80, TCP_SYN, 0);
	r = from_ctr(&f, env.if_a, &in);
	check_out("same port A", r, &in);
	pa = get16(l4_of(&r->out));
	tcp(&in, MAC_B_HOST, MAC_B, IP_B, 20020, SERVER, 80, TCP_SYN, 0);
	r = from_ctr(&f, env.if_b, &in);
	check_out("same port B", r, &in);
	pb = get16(l4_of(&r->out));
	ASSERT_EQ(pa, 20020, "same port: A keeps 20020");
	ASSERT_TRUE(pa != pb, "same port: B gets another NAT port");
	ASSERT_TRUE(pb >= NAT_MIN && pb <= NAT_MAX, "same port: B's NAT port in range");
	ASSERT_EQ(ct_count(f.ct_tcp), 4, "same port: two flows, four entries");

	tcp(&in, MAC_UP, MAC_GW, SERVER, 80, SNAT_IP, pb, TCP_SYN | TCP_ACK, 0);
	r = from_up(&f, &in);
	check_in("same port reply to B", r, &in, IP_B, env.if_b, MAC_B, MAC_B_HOST,
		 EB_CNT_SNAT_IN);
	ASSERT_EQ(get16(l4_of(&r->out) + 2), 20020, "same port: B's reply to its port 20020");
	tcp(&in, MAC_UP, MAC_GW, SERVER, 80, SNAT_IP, pa, TCP_SYN | TCP_ACK, 0);
	r = from_up(&f, &in);
	check_in("same port reply to A", r, &in, IP_A, env.if_a, MAC_A, MAC_A_HOST,
		 EB_CNT_SNAT_IN);

	/* Same source port outside the range: two distinct NAT ports too. */
	tcp(&in, MAC_A_HOST, MAC_A, IP_A, 5555, SERVER, 8080, TCP_SYN, 0);
	r = from_ctr(&f, env.if_a, &in);
	pa = get16(l4_of(&r->out));
	tcp(&in, MAC_B_HOST, MAC_B, IP_B, 5555, SERVER, 8080, TCP_SYN, 0);
	r = from_ctr(&f, env.if_b, &in);
	pb = get16(l4_of(&r->out));
	ASSERT_EQ(r->verdict, TC_ACT_REDIRECT, "same port 5555: B's SYN sent");
	ASSERT_TRUE(pa != pb, "same port 5555: two distinct NAT ports");
	fx_close(&f);
}

int main(void)
{
	if (!nat_world_ready())
		return eb_check_done();
	test_tcp();
	test_tcp_reopen(TCP_FIN);
	test_tcp_reopen(TCP_RST);
	test_port_kept();
	test_udp(true);
	test_udp(false);
	test_fragments();
	test_proto();
	test_same_port();
	return eb_check_done();
}
