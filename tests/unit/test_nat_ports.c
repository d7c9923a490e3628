// SPDX-License-Identifier: GPL-2.0
/*
 * Datapath unit tests of outbound NAT (issue 3), with BPF_PROG_TEST_RUN: the
 * NAT port range: a port being claimed on another CPU, the range exhausted, a
 * full conntrack table. The world: nat_world.h, nat_pkt.h, nat_ct.h.
 */
#include "nat_world.h"
#include "nat_pkt.h"
#include "nat_ct.h"

/* ---- the tests ---- */

/* A port being claimed on another CPU: eb_snat_bind inserts the outside-side
 * entry (the claim) before the container-side one. A second flow that asks
 * for the same port in between must not take the claim for an orphan (two
 * containers' SYNs from one source port at once once got the same NAT port:
 * the first one's replies went to the second and it timed out, nat_ports.sh).
 * An orphan older than EB_CT_CLAIM_GRACE_S is freed and its port given. */
static void test_claim_race(void)
{
	const char *t = "claim race";
	char w[160];
	struct fx f;
	struct fx_opts o = {};
	struct pkt in;
	struct res *r;
	struct eb_ct_key rk, ka;
	struct eb_ct_entry claim, got;
	struct timespec ts;

	if (!ASSERT_EQ(fx_open(&f, &o), 0, W("load")))
		return;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	/* A's SYN from 20030 to SERVER:80 is half-way: its claim of NAT port
	 * 20030 is in, its container-side entry not yet. */
	ka = ct_key(IPPROTO_TCP, IP_A, 20030, SERVER, 80);
	rk = ct_key(IPPROTO_TCP, SERVER, 80, SNAT_IP, 20030);
	memset(&claim, 0, sizeof(claim));
	claim.peer = ka;
	claim.xaddr = fx_ip(IP_A);
	claim.xport = htons(20030);
	claim.kind = EB_CT_SNAT_OUT;
	claim.ifindex = env.if_a;
	claim.created = claim.last_seen = ts.tv_sec * 1000000000ULL + ts.tv_nsec;
	ASSERT_EQ(bpf_map_update_elem(f.ct_tcp, &rk, &claim, BPF_NOEXIST), 0, W("claim written"));

	tcp(&in, MAC_B_HOST, MAC_B, IP_B, 20030, SERVER, 80, TCP_SYN, 0);
	r = from_ctr(&f, env.if_b, &in);
	ASSERT_EQ(r->verdict, TC_ACT_REDIRECT, W("B's SYN goes out"));
	ASSERT_TRUE(get16(l4_of(&r->out)) != 20030, W("B gets another port than the one A claims"));
	if (ASSERT_EQ(bpf_map_lookup_elem(f.ct_tcp, &rk, &got), 0, W("A's claim still there")))
		ASSERT_TRUE(!memcmp(&got.peer, &ka, sizeof(ka)), W("the claim is still A's"));

	/* Left that way 2 s (A's flow was freed half-way): an orphan, and its
	 * port goes to the next flow that wants it. */
	ct_age_created(f.ct_tcp, &rk, 2000000000ULL);
	tcp(&in, MAC_A_HOST, MAC_A, IP_A, 20030, SERVER, 80, TCP_SYN, 0);
	r = from_ctr(&f, env.if_a, &in);
	ASSERT_EQ(r->verdict, TC_ACT_REDIRECT, W("A's SYN goes out"));
	ASSERT_EQ(get16(l4_of(&r->out)), 20030, W("the orphan's port is given to A"));
	if (ASSERT_EQ(bpf_map_lookup_elem(f.ct_tcp, &rk, &got), 0, W("port 20030 bound")))
		ASSERT_TRUE(!memcmp(&got.peer, &ka, sizeof(ka)) && got.created > claim.created,
			    W("bound anew to A's flow"));
	ASSERT_TRUE(ct_has(f.ct_tcp, &ka), W("A's flow has its container-side entry"));
	fx_close(&f);
}

static void test_exhausted(void)
{
	struct fx f;
	struct fx_opts o = { .nat_min = 20000, .nat_max = 20000 };
	struct pkt in;
	struct res *r;

	if (!ASSERT_EQ(fx_open(&f, &o), 0, "exhausted: load"))
		return;
	tcp(&in, MAC_A_HOST, MAC_A, IP_A, 40000, SERVER, 80, TCP_SYN, 0);
	r = from_ctr(&f, env.if_a, &in);
	check_out("exhausted: first flow", r, &in);
	ASSERT_EQ(get16(l4_of(&r->out)), 20000, "exhausted: first flow has the only port");

	tcp(&in, MAC_B_HOST, MAC_B, IP_B, 40000, SERVER, 80, TCP_SYN, 0);
	r = from_ctr(&f, env.if_b, &in);
	ASSERT_EQ(r->verdict, TC_ACT_SHOT, "exhausted: second flow to the same server dropped");
	ASSERT_EQ(r->ctx.cb[EB_CB_DECISION], EB_CNT_DROP_NAT_EXHAUSTED,
		  "exhausted: decision EB_CNT_DROP_NAT_EXHAUSTED");
	ASSERT_EQ(stat_pkts(&f, EB_CNT_DROP_NAT_EXHAUSTED), 1,
		  "exhausted: EB_CNT_DROP_NAT_EXHAUSTED counts 1");
	ASSERT_EQ(ct_count(f.ct_tcp), 2, "exhausted: no half-made entry left");

	tcp(&in, MAC_A_HOST, MAC_A, IP_A, 40000, SERVER, 80, TCP_ACK, 10);
	r = from_ctr(&f, env.if_a, &in);
	check_out("exhausted: existing flow", r, &in);
	ASSERT_EQ(get16(l4_of(&r->out)), 20000, "exhausted: existing flow keeps its port");
	tcp(&in, MAC_UP, MAC_GW, SERVER, 80, SNAT_IP, 20000, TCP_ACK, 10);
	r = from_up(&f, &in);
	check_in("exhausted: existing flow's reply", r, &in, IP_A, env.if_a, MAC_A, MAC_A_HOST,
		 EB_CNT_SNAT_IN);

	/* The same port toward another destination port is another tuple. */
	tcp(&in, MAC_B_HOST, MAC_B, IP_B, 40000, SERVER, 443, TCP_SYN, 0);
	r = from_ctr(&f, env.if_b, &in);
	check_out("exhausted: B to another server port", r, &in);
	fx_close(&f);
}

static void test_ct_full(void)
{
	struct fx f;
	struct fx_opts o = { .ct_tcp_max = 4 };
	struct pkt in;
	struct res *r;
	uint16_t p1;

	if (!ASSERT_EQ(fx_open(&f, &o), 0, "ct full: load with eb_ct_tcp of 4 entries"))
		return;
	tcp(&in, MAC_A_HOST, MAC_A, IP_A, 40000, SERVER, 80, TCP_SYN, 0);
	r = from_ctr(&f, env.if_a, &in);
	check_out("ct full: flow 1", r, &in);
	p1 = get16(l4_of(&r->out));
	tcp(&in, MAC_A_HOST, MAC_A, IP_A, 40001, SERVER, 80, TCP_SYN, 0);
	r = from_ctr(&f, env.if_a, &in);
	check_out("ct full: flow 2", r, &in);
	ASSERT_EQ(ct_count(f.ct_tcp), 4, "ct full: the map is full");

	tcp(&in, MAC_B_HOST, MAC_B, IP_B, 40002, SERVER, 80, TCP_SYN, 0);
	r = from_ctr(&f, env.if_b, &in);
	ASSERT_EQ(r->verdict, TC_ACT_SHOT, "ct full: new flow dropped");
	ASSERT_EQ(r->ctx.cb[EB_CB_DECISION], EB_CNT_DROP_CT_FULL, "ct full: EB_CNT_DROP_CT_FULL");
	ASSERT_EQ(stat_pkts(&f, EB_CNT_DROP_CT_FULL), 1, "ct full: EB_CNT_DROP_CT_FULL counts 1");

	tcp(&in, MAC_A_HOST, MAC_A, IP_A, 40000, SERVER, 80, TCP_ACK, 10);
	r = from_ctr(&f, env.if_a, &in);
	check_out("ct full: existing flow still translated", r, &in);
	ASSERT_EQ(get16(l4_of(&r->out)), p1, "ct full: existing flow keeps its port");
	tcp(&in, MAC_UP, MAC_GW, SERVER, 80, SNAT_IP, p1, TCP_ACK, 10);
	r = from_up(&f, &in);
	check_in("ct full: existing flow's reply", r, &in, IP_A, env.if_a, MAC_A, MAC_A_HOST,
		 EB_CNT_SNAT_IN);
	fx_close(&f);
}

int main(void)
{
	if (!nat_world_ready())
		return eb_check_done();
	test_claim_race();
	test_exhausted();
	test_ct_full();
	return eb_check_done();
}
