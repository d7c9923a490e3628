// SPDX-License-Identifier: GPL-2.0
/*
 * Datapath unit tests of outbound NAT (issue 3), with BPF_PROG_TEST_RUN: ICMP
 * echo out and back, ICMP errors from outside about TCP and UDP flows
 * translated back (quoting 8 bytes or the whole packet), a container's ICMP
 * error translated out, errors about echo. The world: nat_world.h, nat_pkt.h.
 */
#include "nat_world.h"
#include "nat_pkt.h"

/* ---- the tests ---- */

static void test_icmp_echo(void)
{
	struct fx f;
	struct fx_opts o = {};
	struct pkt in;
	struct res *r;
	struct eb_ct_key k1, k2;
	struct eb_ct_entry e1, e2;
	uint16_t nid;

	if (!ASSERT_EQ(fx_open(&f, &o), 0, "icmp echo: load"))
		return;
	icmp_echo(&in, MAC_A_HOST, MAC_A, IP_A, SERVER, 8, 0x4242, 7);
	r = from_ctr(&f, env.if_a, &in);
	check_out("icmp echo", r, &in);
	nid = get16(l4_of(&r->out) + 4);
	ASSERT_TRUE(nid >= NAT_MIN && nid <= NAT_MAX, "icmp echo: identifier mapped into the range");
	ASSERT_EQ(get16(l4_of(&r->out) + 6), 7, "icmp echo: sequence unchanged");
	ASSERT_EQ(l4_of(&r->out)[0], 8, "icmp echo: still an echo request");
	k1 = ct_key(IPPROTO_ICMP, IP_A, 0x4242, SERVER, 0);
	k2 = ct_key(IPPROTO_ICMP, SERVER, 0, SNAT_IP, nid);
	if (ASSERT_EQ(bpf_map_lookup_elem(f.ct_other, &k1, &e1), 0,
		      "icmp echo: container side keyed sport = id, dport = 0")) {
		ASSERT_EQ(e1.kind, EB_CT_SNAT_CTR, "icmp echo: container side kind");
		ASSERT_EQ(ntohs(e1.xport), nid, "icmp echo: container side xport = NAT id");
	}
	if (ASSERT_EQ(bpf_map_lookup_elem(f.ct_other, &k2, &e2), 0,
		      "icmp echo: outside side keyed sport = 0, dport = NAT id")) {
		ASSERT_EQ(e2.kind, EB_CT_SNAT_OUT, "icmp echo: outside side kind");
		ASSERT_EQ(ntohs(e2.xport), 0x4242, "icmp echo: outside side xport = A's id");
	}

	icmp_echo(&in, MAC_UP, MAC_GW, SERVER, SNAT_IP, 0, nid, 7);
	r = from_up(&f, &in);
	check_in("icmp echo reply", r, &in, IP_A, env.if_a, MAC_A, MAC_A_HOST, EB_CNT_SNAT_IN);
	ASSERT_EQ(get16(l4_of(&r->out) + 4), 0x4242, "icmp echo reply: identifier back to A's");

	/* An echo request from outside to the NAT address is the host's. */
	icmp_echo(&in, MAC_UP, MAC_GW, SERVER, SNAT_IP, 8, nid, 8);
	r = from_up(&f, &in);
	ASSERT_EQ(r->verdict, TC_ACT_UNSPEC, "icmp echo request from outside: left to the host");
	fx_close(&f);
}

/* An ICMP error from outside about a SNATed TCP flow. full: quote the whole
 * segment (a SYN: header only) rather than its first 8 bytes. */
static void test_icmp_error_in(uint8_t type, uint8_t code, uint32_t word, bool full)
{
	char t[64], w[160];
	struct fx f;
	struct fx_opts o = {};
	struct pkt in, sent;
	struct res *r;
	uint8_t *oip, *ol4, *qip, *ql4;
	uint32_t qlen;

	snprintf(t, sizeof(t), "icmp %u/%u quoting %s", type, code, full ? "all of TCP" : "8 bytes");
	if (!ASSERT_EQ(fx_open(&f, &o), 0, W("load")))
		return;
	tcp(&in, MAC_A_HOST, MAC_A, IP_A, 40002, SERVER, 80, TCP_SYN, 0);
	r = from_ctr(&f, env.if_a, &in);
	check_out(t, r, &in);
	sent = r->out; /* as it left: source NAT address and port */

	qlen = full ? IP_LEN + 20 : IP_LEN + 8;
	sent.b[ETH_LEN + 8] = 1; /* the router quotes it with TTL 1 */
	fill_ip_csum(ip_of(&sent));
	icmp_err(&in, MAC_UP, MAC_GW, ROUTER, SNAT_IP, type, code, word, ip_of(&sent), qlen);
	r = from_up(&f, &in);
	oip = ip_of(&r->out);
	ol4 = oip + IP_LEN;
	qip = ol4 + 8;
	ql4 = qip + IP_LEN;
	ASSERT_EQ(r->verdict, TC_ACT_REDIRECT, W("verdict is TC_ACT_REDIRECT"));
	ASSERT_EQ(r->ctx.cb[EB_CB_DECISION], EB_CNT_ICMP_ERR_IN, W("decision EB_CNT_ICMP_ERR_IN"));
	ASSERT_EQ(r->ctx.cb[EB_CB_TARGET], env.if_a, W("target is A's port"));
	ASSERT_EQ(r->out.len, in.len, W("length unchanged"));
	ASSERT_TRUE(!memcmp(r->out.b, MAC_A, 6), W("destination MAC is A's"));
	ASSERT_EQ(get_addr(oip + 16), fx_ip(IP_A), W("outer destination is A"));
	ASSERT_EQ(get_addr(oip + 12), fx_ip(ROUTER), W("outer source still the router"));
	ASSERT_TRUE(ip_csum_ok(oip), W("outer IP checksum verifies"));
	ASSERT_EQ(ol4[0], type, W("ICMP type unchanged"));
	ASSERT_EQ(ol4[1], code, W("ICMP code unchanged"));
	ASSERT_EQ((uint32_t)get16(ol4 + 4) << 16 | get16(ol4 + 6), word,
		  W("ICMP rest-of-header (MTU) unchanged"));
	ASSERT_TRUE(l4_csum_ok(oip, ol4, l4_len(&r->out)),
		    W("outer ICMP checksum verifies over the whole message"));
	ASSERT_EQ(get_addr(qip + 12), fx_ip(IP_A), W("inner source is A again"));
	ASSERT_EQ(get_addr(qip + 16), fx_ip(SERVER), W("inner destination unchanged"));
	ASSERT_TRUE(ip_csum_ok(qip), W("inner IP checksum verifies"));
	ASSERT_EQ(get16(ql4), 40002, W("inner source port is A's again"));
	ASSERT_EQ(get16(ql4 + 2), 80, W("inner destination port unchanged"));
	ASSERT_TRUE(!memcmp(ql4 + 4, in.b + ETH_LEN + IP_LEN + 8 + IP_LEN + 4, 4),
		    W("inner sequence number unchanged"));
	if (full)
		ASSERT_TRUE(l4_csum_ok(qip, ql4, 20),
			    W("inner TCP checksum verifies (all of the segment quoted)"));
	ASSERT_EQ(stat_pkts(&f, EB_CNT_ICMP_ERR_IN), 1, W("EB_CNT_ICMP_ERR_IN counts 1"));

	/* An error about a flow that does not exist is the host's. */
	tcp(&sent, MAC_UP, MAC_GW, SNAT_IP, 33333, SERVER, 80, TCP_SYN, 0);
	icmp_err(&in, MAC_UP, MAC_GW, ROUTER, SNAT_IP, type, code, word, ip_of(&sent), qlen);
	r = from_up(&f, &in);
	ASSERT_EQ(r->verdict, TC_ACT_UNSPEC, W("error about no flow of ours: left to the host"));
	fx_close(&f);
}

/* An ICMP error about a UDP flow quoting the whole datagram: the inner UDP
 * checksum is translated too. */
static void test_icmp_error_udp(void)
{
	const char *t = "icmp port unreachable quoting all of UDP";
	char w[160];
	struct fx f;
	struct fx_opts o = {};
	struct pkt in, sent;
	struct res *r;
	uint8_t *oip, *qip, *ql4;
	uint32_t qlen;

	if (!ASSERT_EQ(fx_open(&f, &o), 0, W("load")))
		return;
	udp(&in, MAC_A_HOST, MAC_A, IP_A, 40005, SERVER, 53, true);
	r = from_ctr(&f, env.if_a, &in);
	check_out(t, r, &in);
	sent = r->out;
	qlen = get16(ip_of(&sent) + 2);
	icmp_err(&in, MAC_UP, MAC_GW, SERVER, SNAT_IP, 3, 3, 0, ip_of(&sent), qlen);
	r = from_up(&f, &in);
	oip = ip_of(&r->out);
	qip = oip + IP_LEN + 8;
	ql4 = qip + IP_LEN;
	ASSERT_EQ(r->verdict, TC_ACT_REDIRECT, W("verdict is TC_ACT_REDIRECT"));
	ASSERT_EQ(get_addr(oip + 16), fx_ip(IP_A), W("outer destination is A"));
	ASSERT_TRUE(ip_csum_ok(oip), W("outer IP checksum verifies"));
	ASSERT_TRUE(l4_csum_ok(oip, oip + IP_LEN, l4_len(&r->out)), W("ICMP checksum verifies"));
	ASSERT_EQ(get_addr(qip + 12), fx_ip(IP_A), W("inner source is A"));
	ASSERT_TRUE(ip_csum_ok(qip), W("inner IP checksum verifies"));
	ASSERT_EQ(get16(ql4), 40005, W("inner source port is A's"));
	ASSERT_TRUE(l4_csum_ok(qip, ql4, qlen - IP_LEN), W("inner UDP checksum verifies"));
	fx_close(&f);
}

/* The other way: container A answers a reply of its flow with an ICMP
 * error (port unreachable): the quoted packet's destination and the outer
 * source become the NAT address and port. */
static void test_icmp_error_out(void)
{
	const char *t = "icmp error from a container";
	char w[160];
	struct fx f;
	struct fx_opts o = {};
	struct pkt in, got;
	struct res *r;
	uint8_t *oip, *qip, *ql4;
	uint16_t nport;
	uint32_t qlen;

	if (!ASSERT_EQ(fx_open(&f, &o), 0, W("load")))
		return;
	udp(&in, MAC_A_HOST, MAC_A, IP_A, 40006, SERVER, 53, true);
	r = from_ctr(&f, env.if_a, &in);
	nport = get16(l4_of(&r->out));
	udp(&in, MAC_UP, MAC_GW, SERVER, 53, SNAT_IP, nport, true);
	r = from_up(&f, &in);
	got = r->out; /* the reply as A received it */
	qlen = get16(ip_of(&got) + 2);
	icmp_err(&in, MAC_A_HOST, MAC_A, IP_A, SERVER, 3, 3, 0, ip_of(&got), qlen);
	r = from_ctr(&f, env.if_a, &in);
	oip = ip_of(&r->out);
	qip = oip + IP_LEN + 8;
	ql4 = qip + IP_LEN;
	ASSERT_EQ(r->verdict, TC_ACT_REDIRECT, W("verdict is TC_ACT_REDIRECT"));
	ASSERT_EQ(r->ctx.cb[EB_CB_DECISION], EB_CNT_ICMP_ERR_OUT, W("decision EB_CNT_ICMP_ERR_OUT"));
	ASSERT_EQ(r->ctx.cb[EB_CB_TARGET], env.if_up, W("target is the uplink"));
	ASSERT_EQ(get_addr(oip + 12), fx_ip(SNAT_IP), W("outer source is the NAT address"));
	ASSERT_TRUE(ip_csum_ok(oip), W("outer IP checksum verifies"));
	ASSERT_TRUE(l4_csum_ok(oip, oip + IP_LEN, l4_len(&r->out)), W("ICMP checksum verifies"));
	ASSERT_EQ(get_addr(qip + 16), fx_ip(SNAT_IP), W("inner destination is the NAT address"));
	ASSERT_EQ(get16(ql4 + 2), nport, W("inner destination port is the NAT port"));
	ASSERT_TRUE(ip_csum_ok(qip), W("inner IP checksum verifies"));
	ASSERT_TRUE(l4_csum_ok(qip, ql4, qlen - IP_LEN), W("inner UDP checksum verifies"));
	fx_close(&f);
}

/* ICMP echo from two containers with the same identifier, and a
 * time-exceeded quoting the whole echo (ping -t 1): the quoted identifier
 * and the quoted ICMP checksum are translated back. */
static void test_icmp_echo_errors(void)
{
	const char *t = "icmp echo id";
	char w[160];
	struct fx f;
	struct fx_opts o = {};
	struct pkt in, sent;
	struct res *r;
	uint16_t na, nb;
	uint8_t *oip, *qip, *ql4;
	uint32_t qlen;

	if (!ASSERT_EQ(fx_open(&f, &o), 0, W("load")))
		return;
	icmp_echo(&in, MAC_A_HOST, MAC_A, IP_A, SERVER, 8, 0x4242, 1);
	r = from_ctr(&f, env.if_a, &in);
	check_out("icmp echo id A", r, &in);
	sent = r->out;
	na = get16(l4_of(&r->out) + 4);
	icmp_echo(&in, MAC_B_HOST, MAC_B, IP_B, SERVER, 8, 0x4242, 1);
	r = from_ctr(&f, env.if_b, &in);
	check_out("icmp echo id B", r, &in);
	nb = get16(l4_of(&r->out) + 4);
	ASSERT_TRUE(na != nb, W("same identifier from two containers: two NAT identifiers"));
	icmp_echo(&in, MAC_UP, MAC_GW, SERVER, SNAT_IP, 0, nb, 1);
	r = from_up(&f, &in);
	check_in("icmp echo id reply to B", r, &in, IP_B, env.if_b, MAC_B, MAC_B_HOST,
		 EB_CNT_SNAT_IN);
	ASSERT_EQ(get16(l4_of(&r->out) + 4), 0x4242, W("B's reply has B's identifier"));

	/* Time exceeded quoting all of A's echo request. */
	sent.b[ETH_LEN + 8] = 1;
	fill_ip_csum(ip_of(&sent));
	qlen = get16(ip_of(&sent) + 2);
	icmp_err(&in, MAC_UP, MAC_GW, ROUTER, SNAT_IP, 11, 0, 0, ip_of(&sent), qlen);
	r = from_up(&f, &in);
	oip = ip_of(&r->out);
	qip = oip + IP_LEN + 8;
	ql4 = qip + IP_LEN;
	ASSERT_EQ(r->verdict, TC_ACT_REDIRECT, W("time exceeded about an echo: redirected"));
	ASSERT_EQ(r->ctx.cb[EB_CB_TARGET], env.if_a, W("time exceeded about A's echo: to A"));
	ASSERT_EQ(get_addr(oip + 16), fx_ip(IP_A), W("time exceeded: outer destination A"));
	ASSERT_TRUE(ip_csum_ok(oip), W("time exceeded: outer IP checksum verifies"));
	ASSERT_TRUE(l4_csum_ok(oip, oip + IP_LEN, l4_len(&r->out)),
		    W("time exceeded: outer ICMP checksum verifies"));
	ASSERT_EQ(get_addr(qip + 12), fx_ip(IP_A), W("time exceeded: inner source A"));
	ASSERT_TRUE(ip_csum_ok(qip), W("time exceeded: inner IP checksum verifies"));
	ASSERT_EQ(get16(ql4 + 4), 0x4242, W("time exceeded: inner identifier A's again"));
	ASSERT_TRUE(l4_csum_ok(qip, ql4, qlen - IP_LEN),
		    W("time exceeded: inner ICMP checksum verifies"));
	fx_close(&f);
}

int main(void)
{
	if (!nat_world_ready())
		return eb_check_done();
	test_icmp_echo();
	test_icmp_error_in(11, 0, 0, false);	  /* time exceeded, 8 bytes of TCP */
	test_icmp_error_in(3, 4, 1280, false); /* frag needed, 8 bytes of TCP */
	test_icmp_error_in(3, 4, 1280, true);  /* frag needed, the whole segment */
	test_icmp_error_udp();
	test_icmp_error_out();
	test_icmp_echo_errors();
	return eb_check_done();
}
