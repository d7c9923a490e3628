/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Part of test_fuzz.c (its header comment says what the test holds), included
 * there only, in the order its #includes give: running a frame through a program
 * (BPF_PROG_TEST_RUN) and seeding the flows that replies refer to.
 */
#ifndef EB_TEST_FUZZ_RUN_H
#define EB_TEST_FUZZ_RUN_H

/* ---- running ---- */

struct run_res {
	int err;
	int verdict;
	uint32_t decision, target;
	struct fr out;
};

static void run_prog(int prog, int ifindex, const struct fr *in, struct run_res *r)
{
	static struct fx_result fr;

	r->err = fx_run(prog, ifindex, in->b, in->len, 0, &fr);
	r->verdict = (int)fr.retval;
	r->out.len = fr.out_len < sizeof(r->out.b) ? fr.out_len : sizeof(r->out.b);
	memcpy(r->out.b, fr.out, r->out.len);
	r->decision = fr.decision;
	r->target = fr.target;
}

/* Runs t (made by the caller) and asks for a REDIRECT. */
static int seed_run(const struct world *w, int prog, int ifindex, struct tmpl_out *t,
		    struct run_res *r)
{
	run_prog(prog ? w->pu : w->pc, ifindex, &t->f, r);
	return r->err || r->verdict != TC_ACT_REDIRECT ? -1 : 0;
}

/* The IPv6 flows: NAT66 out of A (TCP, UDP, echo), a DNAT6 flow to B,
 * and in fx46 the NAT46 flows to B (TCP, UDP). Returns 0 when all were
 * made. */
static int seed_flows6(void)
{
	static struct tmpl_out t;
	static struct run_res r;
	uint8_t *l4 = t.f.b + IP6_L4;
	uint32_t n;

	memset(&t, 0, sizeof(t));
	n = mk_tcp(l4, 41000, 80, 0x02, 0);
	finish_ip6(&t, MAC_A_HOST, MAC_A, IPPROTO_TCP, a6, server6, n, 64);
	if (seed_run(&fx, 0, env.if_a, &t, &r))
		return -1;
	seed6.tcp_nport = get16(r.out.b + IP6_L4);

	n = mk_udp(l4, 41001, 53, 8, true);
	finish_ip6(&t, MAC_A_HOST, MAC_A, IPPROTO_UDP, a6, server6, n, 64);
	if (seed_run(&fx, 0, env.if_a, &t, &r))
		return -1;
	seed6.udp_nport = get16(r.out.b + IP6_L4);

	n = mk_echo(l4, 128, 0x4242, 8);
	finish_ip6(&t, MAC_A_HOST, MAC_A, IPPROTO_ICMPV6, a6, server6, n, 64);
	if (seed_run(&fx, 0, env.if_a, &t, &r))
		return -1;
	seed6.icmp_nid = get16(r.out.b + IP6_L4 + 4);

	seed6.client_port = 33000 + rnd(1000);
	n = mk_tcp(l4, seed6.client_port, PUB_TCP, 0x02, 0);
	finish_ip6(&t, MAC_UP, MAC_RTR, IPPROTO_TCP, client6, snat6, n, 64);
	if (seed_run(&fx, 1, env.if_up, &t, &r))
		return -1;

	seed6.n46_port = 34000 + rnd(1000);
	n = mk_syn_mss(l4, seed6.n46_port, PUB_TCP, 1440);
	finish_ip6(&t, MAC_UP, MAC_RTR, IPPROTO_TCP, client6, snat6, n, 64);
	if (seed_run(&fx46, 1, env.if_up, &t, &r) || get16(r.out.b + 12) != 0x0800)
		return -1;
	seed6.n46_nat = get16(r.out.b + ETH_LEN + 20);

	seed6.n46u_port = 35000 + rnd(1000);
	n = mk_udp(l4, seed6.n46u_port, PUB_UDP, 8, true);
	finish_ip6(&t, MAC_UP, MAC_RTR, IPPROTO_UDP, client6, snat6, n, 64);
	if (seed_run(&fx46, 1, env.if_up, &t, &r) || get16(r.out.b + 12) != 0x0800)
		return -1;
	seed6.n46u_nat = get16(r.out.b + ETH_LEN + 20);
	return 0;
}

/* Makes the flows that replies refer to; returns 0 when all were made. */
static int seed_flows(void)
{
	struct tmpl_out t;
	struct run_res r;
	uint32_t a = fx_ip(IP_A), srv = fx_ip(SERVER), snat = fx_ip(SNAT_IP), cli = fx_ip(CLIENT);
	uint8_t *l4 = l4_at(&t, 0);
	uint32_t n;

	memset(&t, 0, sizeof(t));
	n = mk_tcp(l4, 41000, 80, 0x02, 0);
	finish_ip(&t, MAC_A_HOST, MAC_A, IPPROTO_TCP, a, srv, n, 0, 0x4000);
	run_prog(fx.pc, env.if_a, &t.f, &r);
	if (r.err || r.verdict != TC_ACT_REDIRECT)
		return -1;
	seed.tcp_nport = get16(r.out.b + ETH_LEN + 20);

	n = mk_udp(l4, 41001, 53, 8, true);
	finish_ip(&t, MAC_A_HOST, MAC_A, IPPROTO_UDP, a, srv, n, 0, 0);
	run_prog(fx.pc, env.if_a, &t.f, &r);
	if (r.err || r.verdict != TC_ACT_REDIRECT)
		return -1;
	seed.udp_nport = get16(r.out.b + ETH_LEN + 20);

	n = mk_echo(l4, 8, 0x4242, 8);
	finish_ip(&t, MAC_A_HOST, MAC_A, IPPROTO_ICMP, a, srv, n, 0, 0);
	run_prog(fx.pc, env.if_a, &t.f, &r);
	if (r.err || r.verdict != TC_ACT_REDIRECT)
		return -1;
	seed.icmp_nid = get16(r.out.b + ETH_LEN + 20 + 4);

	seed.client_port = 33000 + rnd(1000);
	n = mk_tcp(l4, seed.client_port, PUB_TCP, 0x02, 0);
	finish_ip(&t, MAC_UP, MAC_RTR, IPPROTO_TCP, cli, snat, n, 0, 0x4000);
	run_prog(fx.pu, env.if_up, &t.f, &r);
	if (r.err || r.verdict != TC_ACT_REDIRECT)
		return -1;
	return seed_flows6();
}

#endif
