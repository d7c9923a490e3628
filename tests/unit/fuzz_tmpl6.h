/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Part of test_fuzz.c (its header comment says what the test holds), included
 * there only, in the order its #includes give: the IPv6 templates (tmpl6()) and
 * the IPv6 flows their replies refer to.
 */
#ifndef EB_TEST_FUZZ_TMPL6_H
#define EB_TEST_FUZZ_TMPL6_H

/* The IPv6 flows that replies refer to, made with the IPv4 ones: NAT66
 * out of A, a DNAT6 flow to B, NAT46 flows to B in the world without IPv6. */
static struct {
	uint16_t tcp_nport, udp_nport, icmp_nid; /* NAT66 of A's 41000/tcp, 41001/udp, echo */
	uint16_t client_port;			 /* DNAT6: the client's port to PUB_TCP */
	uint16_t n46_port, n46_nat;		 /* NAT46 TCP: the client's port, B's view */
	uint16_t n46u_port, n46u_nat;		 /* NAT46 UDP */
} seed6;

#define NTEMPLATES6 32

static void uplink6(struct tmpl_out *t)
{
	t->prog = 1;
	t->ifindex = env.if_up;
}

/* Builds IPv6 template number j (NAT46 ones in the world without IPv6). */
static void tmpl6(int j, struct tmpl_out *t)
{
	static const uint8_t *const ns_tgt[] = {b6, a6, other6};
	static const uint8_t ff02_1[16] = {0xff, 0x02, [15] = 1};
	static const uint8_t ff02_2[16] = {0xff, 0x02, [15] = 2};
	static const uint8_t ff02_16[16] = {0xff, 0x02, [15] = 0x16};
	static const uint8_t ff05_13[16] = {0xff, 0x05, [13] = 1, [15] = 3};
	uint8_t *l4 = t->f.b + IP6_L4, q[160], grp[16], gmac[6], code, type;
	uint16_t sp = 41000 + rnd(8);
	uint32_t n, qn, qi;
	uint8_t hop = chance(5) ? (uint8_t)rnd(2) : 64; /* the last hops now and then */

	switch (j) {
	case 0: /* NS for the gateway, from A's address or its link-local */
		n = mk_ns(l4, gw6, chance(80) ? MAC_A : NULL);
		snm(gw6, grp, gmac);
		finish_ip6(t, chance(80) ? gmac : MAC_A_HOST, MAC_A, IPPROTO_ICMPV6,
			   chance(50) ? a6 : ll_a, chance(90) ? grp : gw6, n, 255);
		t->name = "ns6 A->gateway";
		break;
	case 1: { /* NS for B, for A itself, for an address nobody has */
		const uint8_t *tgt = ns_tgt[rnd(3)];

		n = mk_ns(l4, tgt, chance(80) ? MAC_A : NULL);
		snm(tgt, grp, gmac);
		finish_ip6(t, gmac, MAC_A, IPPROTO_ICMPV6, chance(80) ? a6 : ll_a, grp, n, 255);
		t->name = "ns6 A->peer/own/unknown";
		break;
	}
	case 2: /* duplicate address detection: from ::, no option */
		n = mk_ns(l4, a6, chance(10) ? MAC_A : NULL);
		snm(a6, grp, gmac);
		finish_ip6(t, gmac, MAC_A, IPPROTO_ICMPV6, any6, grp, n, 255);
		t->name = "ns6 DAD probe A";
		break;
	case 3: /* ping6 of the gateway */
		n = mk_echo(l4, 128, 7, rnd(32));
		finish_ip6(t, MAC_A_HOST, MAC_A, IPPROTO_ICMPV6, chance(20) ? ll_a : a6, gw6, n,
			   64);
		t->name = "ping6 A->gateway";
		break;
	case 4: /* A -> B by B's MAC (forward) */
		if (chance(50)) {
			n = mk_tcp(l4, sp, 80, (uint8_t)rnd(256), rnd(64));
			finish_ip6(t, MAC_B, MAC_A, IPPROTO_TCP, a6, b6, n, 64);
		} else {
			n = mk_udp(l4, sp, 53, rnd(64), true);
			finish_ip6(t, MAC_B, MAC_A, IPPROTO_UDP, a6, b6, n, 64);
		}
		t->name = "ip6 A->B (L2)";
		break;
	case 5: /* A -> B through the gateway (the host routes it) */
		n = mk_udp(l4, sp, 53, rnd(32), true);
		finish_ip6(t, MAC_A_HOST, MAC_A, IPPROTO_UDP, a6, b6, n, hop);
		t->name = "udp6 A->B (routed)";
		break;
	case 6: /* NAT66: A -> server, TCP (SYN, anything) */
		n = chance(20) ? mk_syn_mss(l4, sp, 80, 1440)
			       : mk_tcp(l4, sp, 80, chance(50) ? 0x02 : (uint8_t)rnd(256), rnd(64));
		finish_ip6(t, MAC_A_HOST, MAC_A, IPPROTO_TCP, a6, server6, n, hop);
		t->name = "tcp6 A->server";
		break;
	case 7: /* NAT66: UDP */
		n = mk_udp(l4, sp, 53, rnd(64), !chance(10));
		finish_ip6(t, MAC_A_HOST, MAC_A, IPPROTO_UDP, a6, server6, n, hop);
		t->name = "udp6 A->server";
		break;
	case 8: /* NAT66: ICMPv6 echo */
		n = mk_echo(l4, 128, 0x4242 + rnd(4), rnd(64));
		finish_ip6(t, MAC_A_HOST, MAC_A, IPPROTO_ICMPV6, a6, server6, n, hop);
		t->name = "echo6 A->server";
		break;
	case 9: /* another network's container (isolated), or no neighbour */
		n = mk_tcp(l4, sp, 80, 0x02, 0);
		finish_ip6(t, MAC_A_HOST, MAC_A, IPPROTO_TCP, a6, chance(50) ? other6 : noneigh6, n,
			   hop);
		t->name = "tcp6 A->other network/no neighbour";
		break;
	case 10: /* all nodes: UDP, or an unsolicited NA */
		mcast_mac(ff02_1, gmac);
		if (chance(50)) {
			n = mk_udp(l4, 5353, 5353, rnd(32), true);
			finish_ip6(t, gmac, MAC_A, IPPROTO_UDP, a6, ff02_1, n, 1);
		} else {
			n = mk_ns(l4, a6, MAC_A);
			l4[0] = 136;
			l4[4] = 0x20; /* override */
			l4[24] = 2;   /* target link-layer address */
			finish_ip6(t, gmac, MAC_A, IPPROTO_ICMPV6, chance(50) ? a6 : ll_a, ff02_1,
				   n, 255);
		}
		t->name = "ip6 A->ff02::1";
		break;
	case 11: /* other groups: a site-local group, an RS, an MLDv2 report */
		switch (rnd(3)) {
		case 0:
			mcast_mac(ff05_13, gmac);
			n = mk_udp(l4, sp, 547, rnd(32), true);
			finish_ip6(t, gmac, MAC_A, IPPROTO_UDP, a6, ff05_13, n, 8);
			break;
		case 1:
			mcast_mac(ff02_2, gmac);
			memset(l4, 0, 8);
			l4[0] = 133;
			finish_ip6(t, gmac, MAC_A, IPPROTO_ICMPV6, chance(50) ? ll_a : any6, ff02_2,
				   8, 255);
			break;
		default: /* hop-by-hop with router alert, then MLDv2 report */
			mcast_mac(ff02_16, gmac);
			memset(l4, 0, 8 + 8);
			l4[0] = IPPROTO_ICMPV6;
			l4[2] = 5; /* router alert */
			l4[3] = 2;
			l4[6] = 1; /* PadN */
			l4[8] = 143;
			finish_ip6(t, gmac, MAC_A, 0, chance(50) ? ll_a : any6, ff02_16, 16, 1);
			put16(l4 + 8 + 2,
			      fx_fold(fx_sum(l4 + 8, 8,
					     fx_pseudo6(t->f.b + ETH_LEN, 8, IPPROTO_ICMPV6))));
			break;
		}
		t->name = "ip6 A->other multicast/RS/MLD";
		break;
	case 12: { /* an extension header, then TCP */
		static const uint8_t ext[] = {0, 60, 43, 44};
		uint8_t e = ext[rnd(4)];

		n = mk_tcp(l4 + 8, sp, 80, 0x02, rnd(16));
		memset(l4, 0, 8);
		l4[0] = IPPROTO_TCP;
		if (e == 0 || e == 60) {
			l4[2] = 1; /* PadN */
			l4[3] = 4;
		} else if (e == 43) {
			l4[2] = 4; /* segment routing, nothing left */
		} else {
			put16(l4 + 2, (uint16_t)(chance(50) ? 1 : rnd(65536))); /* offset, M */
			rnd_bytes(l4 + 4, 4);
		}
		finish_ip6(t, MAC_A_HOST, MAC_A, e, a6, server6, 8 + n, 64);
		put16(l4 + 8 + 16, 0);
		put16(l4 + 8 + 16,
		      fx_fold(fx_sum(l4 + 8, n, fx_pseudo6(t->f.b + ETH_LEN, n, IPPROTO_TCP))));
		t->name = "tcp6 A->server behind an extension header";
		break;
	}
	case 13: { /* A's ICMPv6 error about a reply of its TCP or UDP flow */
		bool tcp = chance(50);

		qi = tcp ? mk_tcp(q + 40, 80, 41000, 0x12, rnd(16))
			 : mk_udp(q + 40, 53, 41001, rnd(16), true);
		qn = mk_ip6(q, tcp ? IPPROTO_TCP : IPPROTO_UDP, server6, a6, qi, 63);
		pkt_fix6(q, qn);
		type = err_type6(&code);
		n = mk_icmp6_err(l4, type, code, q, quote_len(qn, 40));
		finish_ip6(t, MAC_A_HOST, MAC_A, IPPROTO_ICMPV6, a6, server6, n, 64);
		t->name = "icmp6 error A->server (its flow)";
		break;
	}
	/* ---- from the outside, on the uplink ---- */
	case 14: /* reply of the seeded TCP flow */
		n = mk_tcp(l4, 80, seed6.tcp_nport, chance(50) ? 0x12 : (uint8_t)rnd(256), rnd(64));
		finish_ip6(t, MAC_UP, MAC_RTR, IPPROTO_TCP, server6, snat6, n, hop);
		t->name = "tcp6 server->NAT (reply)";
		uplink6(t);
		break;
	case 15: /* reply of the seeded UDP flow */
		n = mk_udp(l4, 53, seed6.udp_nport, rnd(64), !chance(10));
		finish_ip6(t, MAC_UP, MAC_RTR, IPPROTO_UDP, server6, snat6, n, hop);
		t->name = "udp6 server->NAT (reply)";
		uplink6(t);
		break;
	case 16: /* echo reply of the seeded echo */
		n = mk_echo(l4, 129, seed6.icmp_nid, rnd(64));
		finish_ip6(t, MAC_UP, MAC_RTR, IPPROTO_ICMPV6, server6, snat6, n, hop);
		t->name = "echo6 reply server->NAT";
		uplink6(t);
		break;
	case 17: { /* the router's error about the seeded TCP or UDP flow */
		bool tcp = chance(50);

		qi = tcp ? mk_tcp(q + 40, seed6.tcp_nport, 80, 0x18, 24)
			 : mk_udp(q + 40, seed6.udp_nport, 53, 24, true);
		qn = mk_ip6(q, tcp ? IPPROTO_TCP : IPPROTO_UDP, snat6, server6, qi, 60);
		pkt_fix6(q, qn);
		type = err_type6(&code);
		n = mk_icmp6_err(l4, type, code, q, quote_len(qn, 40));
		finish_ip6(t, MAC_UP, MAC_RTR, IPPROTO_ICMPV6, router6, snat6, n, 64);
		t->name = "icmp6 error router->NAT (seeded flow)";
		uplink6(t);
		break;
	}
	case 18: /* the router's error about the seeded echo */
		qi = mk_echo(q + 40, 128, seed6.icmp_nid, 16);
		qn = mk_ip6(q, IPPROTO_ICMPV6, snat6, server6, qi, 60);
		pkt_fix6(q, qn);
		type = err_type6(&code);
		n = mk_icmp6_err(l4, type, code, q, quote_len(qn, 40));
		finish_ip6(t, MAC_UP, MAC_RTR, IPPROTO_ICMPV6, router6, snat6, n, 64);
		t->name = "icmp6 error router->NAT (seeded echo)";
		uplink6(t);
		break;
	case 19: /* an extension header from outside: to the NAT address, to A */
		n = mk_tcp(l4 + 8, 80, seed6.tcp_nport, 0x10, rnd(16));
		memset(l4, 0, 8);
		l4[0] = IPPROTO_TCP;
		l4[2] = 1;
		l4[3] = 4;
		finish_ip6(t, MAC_UP, MAC_RTR, chance(50) ? 60 : 0, server6,
			   chance(70) ? snat6 : a6, 8 + n, 64);
		t->name = "tcp6 server->NAT/A behind an extension header";
		uplink6(t);
		break;
	case 20: /* DNAT6: a new flow to the published TCP port */
		n = chance(30) ? mk_syn_mss(l4, 30000 + rnd(100), PUB_TCP, 1440)
			       : mk_tcp(l4, 30000 + rnd(100), PUB_TCP,
					chance(70) ? 0x02 : (uint8_t)rnd(256), rnd(32));
		finish_ip6(t, MAC_UP, MAC_RTR, IPPROTO_TCP, client6, snat6, n, hop);
		t->name = "tcp6 client->published port (DNAT6)";
		uplink6(t);
		break;
	case 21: /* DNAT6: a datagram to the published UDP port */
		n = mk_udp(l4, 30000 + rnd(100), PUB_UDP, rnd(64), !chance(10));
		finish_ip6(t, MAC_UP, MAC_RTR, IPPROTO_UDP, client6, snat6, n, hop);
		t->name = "udp6 client->published port (DNAT6)";
		uplink6(t);
		break;
	case 22: /* DNAT6: the seeded flow, next segment */
		n = mk_tcp(l4, seed6.client_port, PUB_TCP, 0x10, rnd(64));
		finish_ip6(t, MAC_UP, MAC_RTR, IPPROTO_TCP, client6, snat6, n, hop);
		t->name = "tcp6 client->published port (DNAT6, established)";
		uplink6(t);
		break;
	case 23: /* DNAT6: B answers on the seeded flow */
		n = mk_tcp(l4, 80, seed6.client_port, chance(50) ? 0x12 : 0x10, rnd(64));
		finish_ip6(t, MAC_B_HOST, MAC_B, IPPROTO_TCP, b6, client6, n, hop);
		t->ifindex = env.if_b;
		t->name = "tcp6 B->client (DNAT6 flow)";
		break;
	case 24: /* the host's own: a connection, an echo request, an NS */
		switch (rnd(3)) {
		case 0:
			n = mk_tcp(l4, 443, 22, 0x12, rnd(32));
			finish_ip6(t, MAC_UP, MAC_RTR, IPPROTO_TCP, server6, snat6, n, 64);
			break;
		case 1:
			n = mk_echo(l4, 128, 99, rnd(32));
			finish_ip6(t, MAC_UP, MAC_RTR, IPPROTO_ICMPV6, server6, snat6, n, 64);
			break;
		default:
			n = mk_ns(l4, snat6, MAC_RTR);
			snm(snat6, grp, gmac);
			finish_ip6(t, gmac, MAC_RTR, IPPROTO_ICMPV6, router6, grp, n, 255);
			break;
		}
		t->name = "ip6 server->host (not ours)";
		uplink6(t);
		break;
	case 25: /* straight to A's address from outside (NAT66: never) */
		n = mk_tcp(l4, 30000, 80, 0x02, 0);
		finish_ip6(t, MAC_UP, MAC_RTR, IPPROTO_TCP, client6, a6, n, 64);
		t->name = "tcp6 client->A's address";
		uplink6(t);
		break;
	/* ---- NAT46: the world without IPv6 ---- */
	case 26: /* a new flow to the published TCP port (MSS clamped; or a SYN with data) */
		if (chance(40)) {
			n = mk_syn_mss(l4, 30000 + rnd(100), PUB_TCP, chance(70) ? 1440 : 1000);
		} else {
			n = mk_tcp(l4, 30000 + rnd(100), PUB_TCP,
				   chance(70) ? 0x02 : (uint8_t)rnd(256), rnd(32));
			if (chance(20) && n >= 24) { /* data that looks like an MSS option */
				l4[20] = 2;
				l4[21] = 4;
				put16(l4 + 22, 1460);
			}
		}
		finish_ip6(t, MAC_UP, MAC_RTR, IPPROTO_TCP, client6, snat6, n, hop);
		t->name = "tcp6 client->published port (NAT46)";
		uplink6(t);
		t->world = 1;
		break;
	case 27: /* a datagram to the published UDP port */
		n = mk_udp(l4, 30000 + rnd(100), PUB_UDP, rnd(64), !chance(10));
		finish_ip6(t, MAC_UP, MAC_RTR, IPPROTO_UDP, client6, snat6, n, hop);
		t->name = "udp6 client->published port (NAT46)";
		uplink6(t);
		t->world = 1;
		break;
	case 28: /* the seeded translated flow, next segment */
		n = mk_tcp(l4, seed6.n46_port, PUB_TCP, 0x10, rnd(64));
		finish_ip6(t, MAC_UP, MAC_RTR, IPPROTO_TCP, client6, snat6, n, hop);
		t->name = "tcp6 client->published port (NAT46, established)";
		uplink6(t);
		t->world = 1;
		break;
	case 29: /* B's IPv4 answer on the translated flow: out as IPv6 */
		l4 = l4_at(t, 0);
		n = mk_tcp(l4, 80, seed6.n46_nat, chance(50) ? 0x12 : 0x10, rnd(64));
		finish_ip(t, MAC_B_HOST, MAC_B, IPPROTO_TCP, fx_ip(IP_B), fx_ip(GATEWAY), n, 0,
			  0x4000);
		t->ifindex = env.if_b;
		t->name = "tcp B->client (NAT46 flow, IPv4 in)";
		t->world = 1;
		break;
	case 30: /* B's IPv4 UDP answer on the translated flow */
		l4 = l4_at(t, 0);
		n = mk_udp(l4, 53, seed6.n46u_nat, rnd(64), !chance(10));
		finish_ip(t, MAC_B_HOST, MAC_B, IPPROTO_UDP, fx_ip(IP_B), fx_ip(GATEWAY), n, 0,
			  0x4000);
		t->ifindex = env.if_b;
		t->name = "udp B->client (NAT46 flow, IPv4 in)";
		t->world = 1;
		break;
	default: /* A -> the host's uplink address: the host's */
		n = mk_tcp(l4, sp, 22, 0x02, 0);
		finish_ip6(t, MAC_A_HOST, MAC_A, IPPROTO_TCP, a6, snat6, n, 64);
		t->name = "tcp6 A->host's address";
		break;
	}
}

#endif
