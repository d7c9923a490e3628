/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Part of test_fuzz.c (its header comment says what the test holds), included
 * there only, in the order its #includes give: the IPv4 templates (tmpl(), which
 * draws the IPv6 ones of fuzz_tmpl6.h too).
 */
#ifndef EB_TEST_FUZZ_TMPL4_H
#define EB_TEST_FUZZ_TMPL4_H

#define NTEMPLATES4 35
#define NTEMPLATES  (NTEMPLATES4 + NTEMPLATES6)

/* Builds template number i (valid frames of every kind the datapath sees). */
static void tmpl(int i, struct tmpl_out *t)
{
	uint32_t opt = chance(15) ? 4 * (1 + rnd(10)) : 0; /* IP options, valid */
	uint32_t a = fx_ip(IP_A), b = fx_ip(IP_B), srv = fx_ip(SERVER), snat = fx_ip(SNAT_IP);
	uint32_t cli = fx_ip(CLIENT), n, qn;
	uint8_t *l4 = l4_at(t, opt), q[128], code, type;
	uint16_t sp = 41000 + rnd(8), id = seed.frag_ids[rnd(4)];

	memset(t, 0, sizeof(*t));
	t->prog = 0;
	t->ifindex = env.if_a;
	if (i >= NTEMPLATES4) {
		tmpl6(i - NTEMPLATES4, t);
		return;
	}
	switch (i) {
	case 0: /* A -> server, TCP (SYN, ACK, FIN, RST, anything) */
		n = mk_tcp(l4, sp, 80, chance(50) ? 0x02 : (uint8_t)rnd(256), rnd(64));
		finish_ip(t, MAC_A_HOST, MAC_A, IPPROTO_TCP, a, srv, n, opt, 0x4000);
		t->name = "tcp A->server";
		break;
	case 1: /* A -> server, UDP */
		n = mk_udp(l4, sp, 53, rnd(64), !chance(10));
		finish_ip(t, MAC_A_HOST, MAC_A, IPPROTO_UDP, a, srv, n, opt, 0);
		t->name = "udp A->server";
		break;
	case 2: /* A -> server, ICMP echo */
		n = mk_echo(l4, 8, 0x4242 + rnd(4), rnd(64));
		finish_ip(t, MAC_A_HOST, MAC_A, IPPROTO_ICMP, a, srv, n, opt, 0);
		t->name = "icmp echo A->server";
		break;
	case 3: /* A -> a destination without a neighbour (bpf_redirect_neigh) */
		n = mk_udp(l4, sp, 53, rnd(32), true);
		finish_ip(t, MAC_A_HOST, MAC_A, IPPROTO_UDP, a, fx_ip(NONEIGH), n, opt, 0);
		t->name = "udp A->no neighbour";
		break;
	case 4: /* A -> blackhole */
		n = mk_tcp(l4, sp, 80, 0x02, 0);
		finish_ip(t, MAC_A_HOST, MAC_A, IPPROTO_TCP, a, fx_ip(BLACKHOLE), n, opt, 0);
		t->name = "tcp A->blackhole";
		break;
	case 5: /* A -> another network's container */
		n = mk_tcp(l4, sp, 80, 0x02, 0);
		finish_ip(t, MAC_A_HOST, MAC_A, IPPROTO_TCP, a, fx_ip(IP_OTHER), n, opt, 0);
		t->name = "tcp A->other network";
		break;
	case 6: /* A -> B by B's MAC (forward) */
		n = mk_tcp(l4, sp, 80, (uint8_t)rnd(256), rnd(64));
		finish_ip(t, MAC_B, MAC_A, IPPROTO_TCP, a, b, n, opt, 0);
		t->name = "tcp A->B (L2)";
		break;
	case 7: /* A -> B through the gateway (the host routes it) */
		n = mk_udp(l4, sp, 53, rnd(32), true);
		finish_ip(t, MAC_A_HOST, MAC_A, IPPROTO_UDP, a, b, n, opt, 0);
		t->name = "udp A->B (routed)";
		break;
	case 8: /* A -> the gateway */
		n = mk_echo(l4, 8, 7, 16);
		finish_ip(t, MAC_A_HOST, MAC_A, IPPROTO_ICMP, a, fx_ip(GATEWAY), n, opt, 0);
		t->name = "icmp A->gateway";
		break;
	case 9: /* A broadcasts / multicasts UDP */
		n = mk_udp(l4, 68, 67, rnd(32), true);
		finish_ip(t, chance(50) ? MAC_BCAST : MAC_MCAST, MAC_A, IPPROTO_UDP, a,
			  fx_ip("255.255.255.255"), n, opt, 0);
		t->name = "udp A broadcast";
		break;
	case 10: { /* ARP request from A: for B, the gateway, itself, nobody */
		static const char *tgt[] = {IP_B, GATEWAY, IP_A, "10.66.0.77"};
		uint32_t spa = a, tpa = fx_ip(tgt[rnd(4)]);
		uint8_t *p = t->f.b + ETH_LEN;

		memcpy(t->f.b, MAC_BCAST, 6);
		memcpy(t->f.b + 6, MAC_A, 6);
		put16(t->f.b + 12, 0x0806);
		put16(p, 1);
		put16(p + 2, 0x0800);
		p[4] = 6, p[5] = 4;
		put16(p + 6, chance(80) ? 1 : 2);
		memcpy(p + 8, MAC_A, 6);
		memcpy(p + 14, &spa, 4);
		memset(p + 18, 0, 6);
		memcpy(p + 24, &tpa, 4);
		t->f.len = ETH_LEN + 28 + (chance(50) ? 18 : 0); /* padded to 60 or not */
		memset(t->f.b + ETH_LEN + 28, 0, 18);
		t->name = "arp A";
		break;
	}
	case 11: /* A -> server: a protocol that cannot be translated */
		n = 24;
		rnd_bytes(l4, n);
		finish_ip(t, MAC_A_HOST, MAC_A, chance(50) ? 47 : 132, a, srv, n, opt, 0);
		t->name = "gre/sctp A->server";
		break;
	case 12: /* A -> server: ICMP that is neither echo nor an error */
		n = mk_echo(l4, chance(50) ? 13 : 0, 0x4242, 12);
		finish_ip(t, MAC_A_HOST, MAC_A, IPPROTO_ICMP, a, srv, n, opt, 0);
		t->name = "icmp timestamp/reply A->server";
		break;
	case 13: /* A -> server, UDP first fragment */
		n = mk_udp(l4, sp, 53, 64, true);
		finish_ip(t, MAC_A_HOST, MAC_A, IPPROTO_UDP, a, srv, n, opt, 0x2000);
		put16(t->f.b + ETH_LEN + 4, id);
		fix_csums(&t->f);
		t->name = "udp first fragment A->server";
		break;
	case 14: /* A -> server, a later fragment */
		n = 48;
		rnd_bytes(l4, n);
		finish_ip(t, MAC_A_HOST, MAC_A, IPPROTO_UDP, a, srv, n, opt,
			  (uint16_t)((chance(50) ? 0x2000 : 0) | (9 + rnd(20))));
		put16(t->f.b + ETH_LEN + 4, id);
		fix_csums(&t->f);
		t->name = "later fragment A->server";
		break;
	case 15: { /* B sends an ICMP error about a packet of the published-port flow */
		uint32_t qi = mk_tcp(q + 20, seed.client_port, 80, 0x18, 16);

		qn = mk_ip(q, IPPROTO_TCP, cli, b, qi, 0, 0x4000);
		pkt_fix(q, qn);
		type = err_type(&code);
		n = mk_icmp_err(l4, type, code, q, quote_len(qn, 20));
		finish_ip(t, MAC_B_HOST, MAC_B, IPPROTO_ICMP, b, cli, n, opt, 0);
		t->ifindex = env.if_b;
		t->name = "icmp error B->client (published flow)";
		break;
	}
	case 16: /* B answers on the published-port flow */
		n = mk_tcp(l4, 80, seed.client_port, chance(50) ? 0x12 : 0x10, rnd(64));
		finish_ip(t, MAC_B_HOST, MAC_B, IPPROTO_TCP, b, cli, n, opt, 0x4000);
		t->ifindex = env.if_b;
		t->name = "tcp B->client (published flow)";
		break;
	/* ---- from the outside, on the uplink ---- */
	case 17: /* reply of the seeded TCP flow */
		n = mk_tcp(l4, 80, seed.tcp_nport, chance(50) ? 0x12 : (uint8_t)rnd(256), rnd(64));
		finish_ip(t, MAC_UP, MAC_RTR, IPPROTO_TCP, srv, snat, n, opt, 0x4000);
		t->name = "tcp server->NAT (reply)";
		goto uplink;
	case 18: /* reply of the seeded UDP flow */
		n = mk_udp(l4, 53, seed.udp_nport, rnd(64), !chance(10));
		finish_ip(t, MAC_UP, MAC_RTR, IPPROTO_UDP, srv, snat, n, opt, 0);
		t->name = "udp server->NAT (reply)";
		goto uplink;
	case 19: /* echo reply of the seeded ICMP flow */
		n = mk_echo(l4, 0, seed.icmp_nid, rnd(64));
		finish_ip(t, MAC_UP, MAC_RTR, IPPROTO_ICMP, srv, snat, n, opt, 0);
		t->name = "icmp echo reply server->NAT";
		goto uplink;
	case 20: { /* the router's ICMP error about the seeded TCP or UDP flow */
		bool tcp = chance(50);
		uint32_t qi = tcp ? mk_tcp(q + 20, seed.tcp_nport, 80, 0x18, 24)
				  : mk_udp(q + 20, seed.udp_nport, 53, 24, true);

		qn = mk_ip(q, tcp ? IPPROTO_TCP : IPPROTO_UDP, snat, srv, qi, 0, 0x4000);
		pkt_fix(q, qn);
		type = err_type(&code);
		n = mk_icmp_err(l4, type, code, q, quote_len(qn, 20));
		finish_ip(t, MAC_UP, MAC_RTR, IPPROTO_ICMP, fx_ip(ROUTER), snat, n, opt, 0);
		t->name = "icmp error router->NAT (seeded flow)";
		goto uplink;
	}
	case 21: { /* an ICMP error about an echo of the seeded ICMP flow */
		uint32_t qi = mk_echo(q + 20, 8, seed.icmp_nid, 16);

		qn = mk_ip(q, IPPROTO_ICMP, snat, srv, qi, 0, 0);
		pkt_fix(q, qn);
		type = err_type(&code);
		n = mk_icmp_err(l4, type, code, q, quote_len(qn, 20));
		finish_ip(t, MAC_UP, MAC_RTR, IPPROTO_ICMP, fx_ip(ROUTER), snat, n, opt, 0);
		t->name = "icmp error router->NAT (seeded echo)";
		goto uplink;
	}
	case 22: /* a new flow to the published TCP port */
		n = mk_tcp(l4, 30000 + rnd(100), PUB_TCP, chance(70) ? 0x02 : (uint8_t)rnd(256),
			   rnd(32));
		finish_ip(t, MAC_UP, MAC_RTR, IPPROTO_TCP, cli, snat, n, opt, 0x4000);
		t->name = "tcp client->published port";
		goto uplink;
	case 23: /* a datagram to the published UDP port */
		n = mk_udp(l4, 30000 + rnd(100), PUB_UDP, rnd(64), !chance(10));
		finish_ip(t, MAC_UP, MAC_RTR, IPPROTO_UDP, cli, snat, n, opt, 0);
		t->name = "udp client->published port";
		goto uplink;
	case 24: /* the seeded published-port flow, next segment */
		n = mk_tcp(l4, seed.client_port, PUB_TCP, 0x10, rnd(64));
		finish_ip(t, MAC_UP, MAC_RTR, IPPROTO_TCP, cli, snat, n, opt, 0x4000);
		t->name = "tcp client->published port (established)";
		goto uplink;
	case 25: /* the host's own traffic: not ebnet's */
		n = mk_tcp(l4, 443, 22, 0x12, rnd(32));
		finish_ip(t, MAC_UP, MAC_RTR, IPPROTO_TCP, srv, snat, n, opt, 0x4000);
		t->name = "tcp server->host (not ours)";
		goto uplink;
	case 26: /* 127.0.0.1 from the wire (moby 45610) */
		n = mk_tcp(l4, 30000, PUB_TCP, 0x02, 0);
		finish_ip(t, MAC_UP, MAC_RTR, IPPROTO_TCP, cli, fx_ip("127.0.0.1"), n, opt, 0x4000);
		t->name = "tcp client->127.0.0.1 published port";
		goto uplink;
	case 27: /* a first fragment of a reply (UDP) */
		n = mk_udp(l4, 53, seed.udp_nport, 64, true);
		finish_ip(t, MAC_UP, MAC_RTR, IPPROTO_UDP, srv, snat, n, opt, 0x2000);
		put16(t->f.b + ETH_LEN + 4, id);
		fix_csums(&t->f);
		t->name = "udp first fragment server->NAT";
		goto uplink;
	case 28: /* a later fragment toward the NAT address */
		n = 40;
		rnd_bytes(l4, n);
		finish_ip(t, MAC_UP, MAC_RTR, IPPROTO_UDP, srv, snat, n, opt,
			  (uint16_t)(9 + rnd(20)));
		put16(t->f.b + ETH_LEN + 4, id);
		fix_csums(&t->f);
		t->name = "later fragment server->NAT";
		goto uplink;
	case 29: /* ICMP error with a quote of another protocol */
		qn = mk_ip(q, 47, snat, srv, 8, 0, 0);
		n = mk_icmp_err(l4, 3, 1, q, qn);
		finish_ip(t, MAC_UP, MAC_RTR, IPPROTO_ICMP, fx_ip(ROUTER), snat, n, opt, 0);
		t->name = "icmp error quoting GRE";
		goto uplink;
	case 30: /* A's RST on the seeded flow (no new flow from a reset) */
		n = mk_tcp(l4, 41000, 80, 0x04 | (chance(50) ? 0x10 : 0), 0);
		finish_ip(t, MAC_A_HOST, MAC_A, IPPROTO_TCP, a, srv, n, opt, 0x4000);
		t->name = "tcp RST A->server";
		break;
	case 31: /* A asks the gateway a name (bpf/lib/dns.h): answered, or sent on */
	case 32: {
		static const char *const names[] = {
		    "\1b",
		    "\1B\3net",
		    "\4nope",
		    "\4nope\3net",
		    "\7example\3org",
		    "\0011\0010\00266\00210\7in-addr\4arpa",
		    "\0019\0019\0019\0019\7in-addr\4arpa",
		};
		const char *nm = names[rnd(7)];
		uint32_t nl = strlen(nm) + 1, pl;
		uint8_t *d = l4 + 8;

		opt = 0; /* no options: the datapath answers those only */
		l4 = l4_at(t, 0);
		d = l4 + 8;
		put16(d, (uint16_t)rnd(65536));
		put16(d + 2, chance(90) ? 0x0100 : (uint16_t)rnd(65536));
		put16(d + 4, chance(90) ? 1 : (uint16_t)rnd(4));
		put16(d + 6, 0);
		put16(d + 8, 0);
		put16(d + 10, chance(20) ? 1 : 0);
		memcpy(d + 12, nm, nl);
		put16(d + 12 + nl, chance(50) ? 1 : (uint16_t)rnd(64));
		put16(d + 14 + nl, 1);
		pl = 16 + nl;
		if (i == 32) { /* the name's bytes garbled or cut */
			rnd_bytes(d + 12 + rnd(nl), 1 + rnd(4));
			pl = 12 + rnd(nl + 5);
		}
		put16(l4, sp);
		put16(l4 + 2, 53);
		put16(l4 + 4, (uint16_t)(8 + pl));
		put16(l4 + 6, chance(90) ? 0xffff : 0);
		finish_ip(t, MAC_A_HOST, MAC_A, IPPROTO_UDP, a, fx_ip(GATEWAY), 8 + pl, 0, 0);
		t->name = i == 31 ? "dns query A->gateway" : "dns query garbled A->gateway";
		break;
	}
	case 33: /* A's TCP to the gateway's port 53: sent on to the upstream */
		n = mk_tcp(l4, sp, 53, chance(50) ? 0x02 : (uint8_t)rnd(256), rnd(64));
		finish_ip(t, MAC_A_HOST, MAC_A, IPPROTO_TCP, a, fx_ip(GATEWAY), n, opt, 0x4000);
		t->name = "tcp A->gateway:53";
		break;
	default: /* A sends an ICMP error about the seeded TCP flow's reply */
	{
		uint32_t qi = mk_tcp(q + 20, 80, 41000, 0x12, 0);

		qn = mk_ip(q, IPPROTO_TCP, srv, a, qi, 0, 0x4000);
		pkt_fix(q, qn);
		type = err_type(&code);
		n = mk_icmp_err(l4, type, code, q, quote_len(qn, 20));
		finish_ip(t, MAC_A_HOST, MAC_A, IPPROTO_ICMP, a, srv, n, opt, 0);
		t->name = "icmp error A->server";
		break;
	}
	}
	return;
uplink:
	t->prog = 1;
	t->ifindex = env.if_up;
}

#endif
