/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Conntrack helpers of the outbound NAT tests (test_nat_ct.c,
 * test_nat_ports.c; after nat_pkt.h): ageing a flow's entry, TCP sequence
 * numbers, a DNAT handshake, the established lifetime, an entry's state.
 */
#ifndef EB_TEST_NAT_CT_H
#define EB_TEST_NAT_CT_H

/* Not every test file that includes this calls each helper. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-function"

/* Moves the last packet of the flow whose entry is k back by ns. */
static void ct_age(int fd, const struct eb_ct_key *k, uint64_t ns)
{
	struct eb_ct_entry e;

	if (!ASSERT_EQ(bpf_map_lookup_elem(fd, k, &e), 0, "ct age: the flow's entry is there"))
		return;
	e.last_seen -= ns;
	ASSERT_EQ(bpf_map_update_elem(fd, k, &e, BPF_EXIST), 0, "ct age: entry written back");
}

/* Sets a TCP segment's sequence and ack numbers (checksum refilled). */
static void tcp_nums(struct pkt *p, uint32_t seq, uint32_t ack)
{
	uint8_t *iph = ip_of(p), *l4 = l4_of(p);

	put16(l4 + 4, seq >> 16), put16(l4 + 6, seq & 0xffff);
	put16(l4 + 8, ack >> 16), put16(l4 + 10, ack & 0xffff);
	fill_l4_csum(iph, l4, l4_len(p));
}

/* The rest of the handshake of a flow from SERVER:sport to the published
 * 8080 -> b:80 whose SYN went in: b's SYN-ACK, the client's ACK of it. */
static void handshake_dnat(const char *t, struct fx *f, uint16_t sport)
{
	struct pkt in;
	struct res *r;
	char w[200];

	tcp(&in, MAC_B_HOST, MAC_B, IP_B, 80, SERVER, sport, TCP_SYN | TCP_ACK, 0);
	tcp_nums(&in, 7000, 0x11223345);
	r = from_ctr(f, env.if_b, &in);
	ASSERT_EQ(r->verdict, TC_ACT_REDIRECT, W("b's SYN-ACK goes out"));
	tcp(&in, MAC_UP, MAC_GW, SERVER, sport, SNAT_IP, 8080, TCP_ACK, 0);
	tcp_nums(&in, 0x11223345, 7001);
	r = from_up(f, &in);
	ASSERT_EQ(r->verdict, TC_ACT_REDIRECT, W("the client's ACK goes in"));
}

/* Moves the start of the flow whose entry is k back by ns. */
static void ct_age_created(int fd, const struct eb_ct_key *k, uint64_t ns)
{
	struct eb_ct_entry e;

	if (!ASSERT_EQ(bpf_map_lookup_elem(fd, k, &e), 0, "ct age: the flow's entry is there"))
		return;
	e.created -= ns;
	ASSERT_EQ(bpf_map_update_elem(fd, k, &e, BPF_EXIST), 0, "ct age: entry written back");
}

/* ct_tcp_est of the fixture's config set to secs: a test that ages an
 * entry by more than the machine's uptime would wrap last_seen around. */
static void set_est(struct fx *f, uint32_t secs)
{
	struct eb_config cfg;
	uint32_t zero = 0;

	ASSERT_EQ(bpf_map_lookup_elem(f->cfg, &zero, &cfg), 0, "config read");
	cfg.ct_tcp_est = secs;
	ASSERT_EQ(bpf_map_update_elem(f->cfg, &zero, &cfg, BPF_ANY), 0, "config written");
}

static uint8_t ct_state(int fd, const struct eb_ct_key *k)
{
	struct eb_ct_entry e;

	return bpf_map_lookup_elem(fd, k, &e) ? 0xff : e.state;
}

static bool ct_has(int fd, const struct eb_ct_key *k)
{
	struct eb_ct_entry e;

	return bpf_map_lookup_elem(fd, k, &e) == 0;
}

#pragma GCC diagnostic pop

#endif
