// SPDX-License-Identifier: GPL-2.0
/*
 * Two NAT46 bugs (bpf/lib/nat46.h) that test_fuzz.c found (issue 16), kept
 * as checks now that they are fixed:
 *
 * 1. eb_nat46_clamp looked 20 bytes into the client's SYN for an MSS
 *    option whatever its data offset: a SYN without options (doff 5)
 *    whose first data bytes were 02 04 05 b4 had them rewritten to
 *    02 04 04 c4; and when those bytes lay past the payload length (a
 *    trailer), the checksum, changed for them, no longer verified.
 * 2. eb_nat46_out did not parse the container's IPv4 reply of a
 *    translated flow (as eb_parse_l4 does): a TCP data offset < 5, a UDP
 *    length < 8 went out of the uplink as IPv6 instead of being dropped
 *    as malformed.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <linux/pkt_cls.h>

#include "check.h"
#include "fixture.h"

static const uint8_t MAC_A[6] = {0x02, 0xeb, 0x0a, 0x63, 0x00, 0x02};
static const uint8_t MAC_A_HOST[6] = {0x06, 0xeb, 0x0a, 0x63, 0x00, 0x02};
static const uint8_t MAC_UP[6] = {0x02, 0x00, 0x5e, 0x00, 0x00, 0x01};
static const uint8_t MAC_RTR[6] = {0x02, 0x00, 0x5e, 0x00, 0x00, 0xfe};
static uint8_t host6[16], client6[16];
static struct fx_progs fp;
static int if_a, if_up;

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v & 0xff;
}

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/* An IPv6 TCP SYN client6:sport -> host6:8080, doff 5, data (dlen bytes
 * counted in the payload length, tail more bytes after it in the frame). */
static uint32_t syn6(uint8_t *b, uint16_t sport, const uint8_t *data, uint32_t dlen, uint32_t tail)
{
	uint8_t *ip6 = b + 14, *l4 = ip6 + 40;
	uint32_t plen = 20 + dlen;

	fx_put_eth(b, MAC_UP, MAC_RTR, 0x86dd);
	memset(ip6, 0, 40 + 20);
	ip6[0] = 0x60;
	put16(ip6 + 4, (uint16_t)plen);
	ip6[6] = IPPROTO_TCP;
	ip6[7] = 64;
	memcpy(ip6 + 8, client6, 16);
	memcpy(ip6 + 24, host6, 16);
	put16(l4, sport);
	put16(l4 + 2, 8080);
	l4[12] = 5 << 4;
	l4[13] = 0x02;
	put16(l4 + 14, 64240);
	memcpy(l4 + 20, data, dlen + tail);
	put16(l4 + 16, fx_fold(fx_sum(l4, plen, fx_pseudo6(ip6, plen, IPPROTO_TCP))));
	return 14 + 40 + plen + tail;
}

static int load(void)
{
	struct fx_load_opts lo = {.uplink = true};
	struct eb_config6 c6 = {};
	struct eb_ip6_key hk = {};
	struct eb_config cfg;
	struct eb_endpoint ep;
	uint32_t zero = 0, one = 1;

	if (fx_netns())
		return -1;
	if_a = fx_veth("rp_a", MAC_A_HOST, "rp_ap", MAC_A);
	if_up = fx_veth("up0", MAC_UP, "up0p", MAC_RTR);
	if (if_a < 0 || if_up < 0 || fx_load(&fp, &lo))
		return -1;
	fx_config(&cfg, "10.99.0.0", 24, &fp);
	fx_config_uplink(&cfg, if_up, MAC_UP, "198.51.100.1", 20000, 20099);
	fx_ep(&ep, "10.99.0.2", if_a, MAC_A, MAC_A_HOST, "a", "rp_a", 0);
	memcpy(hk.addr, host6, 16);
	if (fx_config_write(&fp, &cfg) || fx_put_ep(&fp, &ep) ||
	    bpf_map_update_elem(FX_MAP(&fp, eb_host6), &hk, &one, BPF_ANY) ||
	    bpf_map_update_elem(FX_MAP(&fp, eb_config6), &zero, &c6, BPF_ANY)) /* no IPv6 */
		return -1;
	return fx_put_pub(&fp, 0, 8080, IPPROTO_TCP, "10.99.0.2", 80, if_a, "a") ||
	       fx_put_pub(&fp, 0, 8080, IPPROTO_UDP, "10.99.0.2", 80, if_a, "a");
}

int main(void)
{
	static const uint8_t mss_like[4] = {2, 4, 0x05, 0xb4};
	static struct fx_result r;
	uint8_t f[256], *l3 = r.out + 14;
	uint32_t n, gw = fx_ip("10.99.0.1"), a = fx_ip("10.99.0.2");
	uint16_t natport;

	if (geteuid() != 0) {
		SKIP("needs root");
		return eb_check_done();
	}
	inet_pton(AF_INET6, "2001:db8:100::1", host6);
	inet_pton(AF_INET6, "2001:db8:113::2", client6);
	if (!ASSERT_EQ(load(), 0, "setup: a network without IPv6, 8080 published to A:80"))
		return eb_check_done();

	/* 1a: a SYN without options whose data begins like an MSS option. */
	n = syn6(f, 40000, mss_like, 4, 0);
	fx_run(fp.pu, if_up, f, n, 0, &r);
	ASSERT_EQ(r.retval, TC_ACT_REDIRECT, "NAT46 SYN with data: into A");
	ASSERT_TRUE(!memcmp(l3 + 40, mss_like, 4), "NAT46 SYN with data: its data as it came");
	/* 1b: the same 4 bytes past the payload length (1 byte of data). */
	n = syn6(f, 40001, mss_like, 1, 3);
	fx_run(fp.pu, if_up, f, n, 0, &r);
	ASSERT_EQ(r.retval, TC_ACT_REDIRECT, "NAT46 SYN with a trailer: into A");
	ASSERT_EQ(fx_fold(fx_sum(l3 + 20, 21, fx_pseudo4(l3, 21))), 0,
		  "NAT46 SYN with a trailer: its TCP checksum verifies (it did as IPv6)");
	natport = get16(l3 + 20);

	/* 2: A's reply with TCP data offset 4 to the translated flow. */
	fx_put_eth(f, MAC_A_HOST, MAC_A, 0x0800);
	memset(f + 14, 0, 40);
	f[14] = 0x45;
	put16(f + 16, 40);
	f[20] = 0x40;
	f[22] = 64;
	f[23] = IPPROTO_TCP;
	memcpy(f + 26, &a, 4);
	memcpy(f + 30, &gw, 4);
	put16(f + 24, fx_csum(f + 14, 20));
	put16(f + 34, 80);
	put16(f + 36, natport);
	f[46] = 4 << 4; /* data offset 4: invalid */
	f[47] = 0x12;
	put16(f + 48, 64240);
	put16(f + 50, fx_fold(fx_sum(f + 34, 20, fx_pseudo4(f + 14, 20))));
	fx_run(fp.pc, if_a, f, 54, 0, &r);
	ASSERT_EQ(r.retval, TC_ACT_SHOT,
		  "A's reply with TCP data offset 4: dropped, not translated");
	fx_unload(&fp);
	return eb_check_done();
}
