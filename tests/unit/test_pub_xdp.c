// SPDX-License-Identifier: GPL-2.0
/*
 * Published ports in eb_xdp_uplink, through BPF_PROG_TEST_RUN: DNAT of TCP and
 * UDP from outside, a frame with a partial checksum, a reply to SNAT. The
 * world: pub_world.h.
 */
#include "pub_world.h"

/* ---- eb_xdp_uplink ---- */

/* Runs the XDP program on in, arriving on the uplink; out gets the frame. */
static int run_xdp(const struct pkt *in, struct pkt *out)
{
	static struct fx_result r;

	memset(out, 0, sizeof(*out));
	if (fx_run_xdp(fp.px, up_ifindex, in->buf, in->len, &r)) {
		fprintf(stderr, "test_run of eb_xdp_uplink: %s\n", strerror(-r.err));
		return -1000;
	}
	out->len = r.out_len < sizeof(out->buf) ? r.out_len : sizeof(out->buf);
	memcpy(out->buf, r.out, out->len);
	return (int)r.retval;
}

/* Makes p's payload extra bytes longer (a pattern), checksums anew. */
static void pkt_grow(struct pkt *p, unsigned int extra)
{
	struct iphdr *iph = pkt_ip(p);

	for (unsigned int i = 0; i < extra; i++)
		p->buf[p->len + i] = (unsigned char)(i * 7 + 3);
	p->len += extra;
	iph->tot_len = htons(ntohs(iph->tot_len) + extra);
	if (iph->protocol == IPPROTO_UDP) {
		struct udphdr *uh = (void *)(iph + 1);

		uh->len = htons(ntohs(uh->len) + extra);
	}
	pkt_csum(p, false);
}

/* The TCP checksum field as a local socket leaves it behind a veth
 * (CHECKSUM_PARTIAL): the pseudo header's sum only, not complemented. */
static void pkt_partial(struct pkt *p)
{
	struct iphdr *iph = pkt_ip(p);
	struct tcphdr *th = (void *)(iph + 1);
	unsigned int l4len = ntohs(iph->tot_len) - sizeof(*iph);

	th->check = htons((uint16_t)~fx_fold(fx_pseudo4((const uint8_t *)iph, l4len)));
}

static uint64_t stat_sum(int idx)
{
	return fx_counter(&fp, idx);
}

/* The outside's SYN, then segments of the flow: DNAT in XDP. */
static void test_xdp_tcp(void)
{
	int tcp = FX_MAP(&fp, eb_ct_tcp);
	struct eb_ct_key k2 = ctkey(CLIENT_IP, 43000, SNAT_IP, 8080, IPPROTO_TCP);
	static const unsigned int sizes[] = { 1, 2, 3, 31, 32, 33, 63, 64, 65, 511, 1000, 1406 };
	struct eb_ct_entry e;
	struct pkt in, out;
	struct iphdr *iph;
	uint64_t x0 = stat_sum(EB_CNT_XDP_IN);
	char what[128];
	int ret;

	fresh();
	mkpkt(&in, up_mac, rtr_mac, IPPROTO_TCP, CLIENT_IP, 43000, SNAT_IP, 8080, 0x02, false);
	ret = run_xdp(&in, &out);
	ASSERT_EQ(ret, XDP_REDIRECT, "xdp tcp: SYN to a published port is redirected");
	iph = pkt_ip(&out);
	ASSERT_EQ(out.len, in.len, "xdp tcp: length unchanged");
	ASSERT_EQ(iph->daddr, fx_ip(CTR_IP), "xdp tcp: destination is the container");
	ASSERT_EQ(pkt_dport(&out), 80, "xdp tcp: destination port is the container's");
	ASSERT_EQ(iph->saddr, fx_ip(CLIENT_IP), "xdp tcp: the client's source address kept");
	ASSERT_EQ(pkt_sport(&out), 43000, "xdp tcp: source port kept");
	ASSERT_EQ(ip_csum_check(iph), 0, "xdp tcp: IP checksum verifies");
	ASSERT_EQ(l4_csum_check(iph), 0, "xdp tcp: TCP checksum verifies");
	ASSERT_TRUE(!memcmp(out.buf, ctr_mac, 6), "xdp tcp: destination MAC is the container's");
	ASSERT_TRUE(!memcmp(out.buf + 6, port_mac, 6), "xdp tcp: source MAC is its port's");
	ASSERT_EQ(ct_count(tcp, -1), 2, "xdp tcp: two conntrack entries, as TC makes them");
	if (ASSERT_EQ(bpf_map_lookup_elem(tcp, &k2, &e), 0, "xdp tcp: outside-side entry"))
		ASSERT_EQ(e.kind, EB_CT_DNAT_OUT, "xdp tcp: outside-side entry kind");
	ASSERT_EQ(stat_sum(EB_CNT_XDP_IN), x0 + 1, "xdp tcp: xdp_in counted the SYN");

	/* Segments of every length class the checksum walk has (64-byte
	 * runs, a 32-byte run, a 0-31 byte tail, odd lengths). */
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		mkpkt(&in, up_mac, rtr_mac, IPPROTO_TCP, CLIENT_IP, 43000, SNAT_IP, 8080, 0x18,
		      false);
		pkt_grow(&in, sizes[i]);
		ret = run_xdp(&in, &out);
		snprintf(what, sizeof(what), "xdp tcp: a segment of %u more bytes is redirected",
			 sizes[i]);
		ASSERT_EQ(ret, XDP_REDIRECT, what);
		snprintf(what, sizeof(what), "xdp tcp: segment +%u, TCP checksum verifies",
			 sizes[i]);
		ASSERT_EQ(l4_csum_check(pkt_ip(&out)), 0, what);
		snprintf(what, sizeof(what), "xdp tcp: segment +%u, payload unchanged", sizes[i]);
		ASSERT_TRUE(out.len == in.len && !memcmp(out.buf + ETH_HLEN + 40,
							 in.buf + ETH_HLEN + 40,
							 in.len - ETH_HLEN - 40),
			    what);
	}

	/* A wrong checksum, by one bit: not ours to judge; TC and the stack. */
	mkpkt(&in, up_mac, rtr_mac, IPPROTO_TCP, CLIENT_IP, 43000, SNAT_IP, 8080, 0x10, false);
	in.buf[in.len - 1] ^= 1;
	ASSERT_EQ(run_xdp(&in, &out), XDP_PASS, "xdp tcp: a bad checksum is passed to TC");
	ASSERT_TRUE(!memcmp(out.buf, in.buf, in.len), "xdp tcp: ...unchanged");

	/* No flow and no SYN: dropped, as TC drops it. */
	mkpkt(&in, up_mac, rtr_mac, IPPROTO_TCP, CLIENT_IP, 43001, SNAT_IP, 8080, 0x10, false);
	ASSERT_EQ(run_xdp(&in, &out), XDP_DROP, "xdp tcp: an ACK with no flow is dropped");
	ASSERT_EQ(ct_count(tcp, -1), 2, "xdp tcp: ...and makes no flow");
}

/* A partial checksum (a local socket behind a veth) is left to TC, and
 * nothing is bound in XDP. */
static void test_xdp_partial(void)
{
	int tcp = FX_MAP(&fp, eb_ct_tcp);
	struct pkt in, out;
	uint64_t p0 = stat_sum(EB_CNT_XDP_PASS_CSUM);
	struct __sk_buff cb;
	int n, ret;

	fresh();
	n = ct_count(tcp, -1);
	mkpkt(&in, up_mac, rtr_mac, IPPROTO_TCP, CLIENT_IP, 43100, SNAT_IP, 8080, 0x02, false);
	pkt_partial(&in);
	ASSERT_TRUE(l4_csum_check(pkt_ip(&in)) != 0, "xdp partial: the test's checksum is partial");
	ASSERT_EQ(run_xdp(&in, &out), XDP_PASS, "xdp partial: SYN is passed to TC");
	ASSERT_TRUE(!memcmp(out.buf, in.buf, in.len), "xdp partial: ...unchanged");
	ASSERT_EQ(ct_count(tcp, -1), n, "xdp partial: no conntrack entry made in XDP");
	ASSERT_EQ(stat_sum(EB_CNT_XDP_PASS_CSUM), p0 + 1, "xdp partial: xdp_pass_csum counted");
	/* TC then takes it, as before. */
	ret = run(fp.pu, up_ifindex, &in, &out, &cb);
	ASSERT_EQ(ret, TC_ACT_REDIRECT, "xdp partial: TC redirects it");
	ASSERT_EQ(ct_count(tcp, -1), n + 2, "xdp partial: TC binds the flow");
}

/* UDP in XDP: with a checksum, and with none (0 stays 0). */
static void test_xdp_udp(void)
{
	int other = FX_MAP(&fp, eb_ct_other);
	struct pkt in, out;
	int ret;

	fresh();
	mkpkt(&in, up_mac, rtr_mac, IPPROTO_UDP, CLIENT_IP, 44000, SNAT_IP, 5353, 0, false);
	pkt_grow(&in, 101);
	ret = run_xdp(&in, &out);
	ASSERT_EQ(ret, XDP_REDIRECT, "xdp udp: datagram to a published port is redirected");
	ASSERT_EQ(pkt_ip(&out)->daddr, fx_ip(CTR_IP), "xdp udp: to the container");
	ASSERT_EQ(pkt_dport(&out), 53, "xdp udp: to port 53");
	ASSERT_EQ(ip_csum_check(pkt_ip(&out)), 0, "xdp udp: IP checksum verifies");
	ASSERT_EQ(l4_csum_check(pkt_ip(&out)), 0, "xdp udp: UDP checksum verifies");
	ASSERT_EQ(ct_count(other, -1), 2, "xdp udp: two conntrack entries");

	mkpkt(&in, up_mac, rtr_mac, IPPROTO_UDP, CLIENT_IP, 44001, SNAT_IP, 5353, 0, true);
	ret = run_xdp(&in, &out);
	ASSERT_EQ(ret, XDP_REDIRECT, "xdp udp, no checksum: redirected");
	ASSERT_EQ(pkt_udp_csum(&out), 0, "xdp udp, no checksum: stays 0");
	ASSERT_EQ(ip_csum_check(pkt_ip(&out)), 0, "xdp udp, no checksum: IP checksum verifies");

	/* Not published: left alone. */
	mkpkt(&in, up_mac, rtr_mac, IPPROTO_UDP, CLIENT_IP, 44002, SNAT_IP, 9999, 0, false);
	ASSERT_EQ(run_xdp(&in, &out), XDP_PASS, "xdp udp: to an unpublished port, passed");
	ASSERT_TRUE(!memcmp(out.buf, in.buf, in.len), "xdp udp: ...unchanged");
	ASSERT_EQ(ct_count(other, -1), 4, "xdp udp: ...and no flow made");
}

/* The reply of a container's outbound flow (SNAT), translated in XDP. */
static void test_xdp_snat_reply(void)
{
	struct __sk_buff cb;
	struct pkt in, out;
	uint16_t nat_port;
	int ret;

	fresh();
	mkpkt(&in, port_mac, ctr_mac, IPPROTO_TCP, CTR_IP, 45000, CLIENT_IP, 9000, 0x02, false);
	ret = run(fp.pc, ctr_ifindex, &in, &out, &cb);
	if (!ASSERT_EQ(ret, TC_ACT_REDIRECT, "xdp snat: the container's SYN goes out (TC)"))
		return;
	ASSERT_EQ(pkt_ip(&out)->saddr, fx_ip(SNAT_IP), "xdp snat: ...from the host's address");
	nat_port = pkt_sport(&out);
	mkpkt(&in, up_mac, rtr_mac, IPPROTO_TCP, CLIENT_IP, 9000, SNAT_IP, nat_port, 0x12, false);
	ret = run_xdp(&in, &out);
	ASSERT_EQ(ret, XDP_REDIRECT, "xdp snat: the SYN-ACK is redirected in XDP");
	ASSERT_EQ(pkt_ip(&out)->daddr, fx_ip(CTR_IP), "xdp snat: to the container's address");
	ASSERT_EQ(pkt_dport(&out), 45000, "xdp snat: to the container's own port");
	ASSERT_EQ(ip_csum_check(pkt_ip(&out)), 0, "xdp snat: IP checksum verifies");
	ASSERT_EQ(l4_csum_check(pkt_ip(&out)), 0, "xdp snat: TCP checksum verifies");
}

int main(void)
{
	if (!pub_world_ready())
		goto out;
	test_xdp_tcp();
	test_xdp_partial();
	test_xdp_udp();
	test_xdp_snat_reply();
out:
	fx_unload(&fp);
	return eb_check_done();
}
