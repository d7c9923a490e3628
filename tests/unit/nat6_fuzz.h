/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Part of test_nat6.c (its header comment says what the test holds), included
 * there only, after its system headers, check.h and fixture.h: a few thousand
 * random and broken IPv6 frames through both programs (test_fuzz6()), after
 * the tests that made the flows and the SYN (syn_out) they quote.
 */
#ifndef EB_TEST_NAT6_FUZZ_H
#define EB_TEST_NAT6_FUZZ_H

/* ---- IPv6 frames, mutated ---- */

static uint64_t rng = 0x6e36366e36366e36ULL;

static uint32_t rnd(uint32_t n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return n ? (uint32_t)(rng % n) : 0;
}

static void stats_all(uint64_t *out)
{
	for (uint32_t i = 0; i < EB_CNT_LAST; i++)
		out[i] = stat_pkts(i);
}

/*
 * Random and broken IPv6 frames through both programs (valid templates of
 * this test, then truncated, a lying payload length, a random next header
 * or extension header chain, an ICMPv6 error quoting garbage, flipped
 * bytes, or random bytes). What must hold for every frame: the test run
 * never fails; the verdict is OK/SHOT/REDIRECT from a container and
 * UNSPEC/SHOT/REDIRECT on the uplink; a SHOT moves exactly the drop
 * counter the program left in cb[0], by one; a pass leaves every byte as
 * it was; a frame redirected out of the uplink or into A whose L4
 * checksum was right still has it right.
 */
static void test_fuzz6(void)
{
	static uint64_t before[EB_CNT_LAST], after[EB_CNT_LAST];
	int frames = getenv("EB_FUZZ_FRAMES") ? atoi(getenv("EB_FUZZ_FRAMES")) : 3000;
	int bad_verdict = 0, bad_drop = 0, bad_pass = 0, bad_csum = 0, runs = 0, short_frames = 0;

	for (int i = 0; i < frames; i++) {
		uint8_t l4[256];
		uint32_t l4len = 8 + rnd(120), m = rnd(8);
		bool up = rnd(2), csum_in;
		uint8_t nh = (uint8_t[]){ IPPROTO_TCP, IPPROTO_UDP, IPPROTO_ICMPV6 }[rnd(3)];
		struct pkt p;
		struct fx_result *r;
		int ok;

		for (uint32_t j = 0; j < sizeof(l4); j++)
			l4[j] = rnd(256);
		if (nh == IPPROTO_TCP) {
			if (l4len < 20)
				l4len = 20;
			l4[12] = 5 << 4;
		}
		if (nh == IPPROTO_UDP)
			put16(l4 + 4, l4len);
		if (nh == IPPROTO_ICMPV6) {
			l4[0] = (uint8_t[]){ 128, 129, 1, 2, 3, 4, 135 }[rnd(7)];
			if (l4[0] < 128 && rnd(2)) {
				/* An error quoting one of our packets, maybe cut. */
				uint32_t q = syn_out.len - ETH_LEN;

				memcpy(l4 + 8, syn_out.b + ETH_LEN, q);
				l4len = 8 + (rnd(2) ? q : 40 + rnd(q - 40));
			}
			if (rnd(2))
				put16(l4 + 4, NAT_MIN + rnd(NAT_MAX - NAT_MIN + 1));
		} else if (up && rnd(2)) {
			put16(l4 + 2, NAT_MIN + rnd(NAT_MAX - NAT_MIN + 1));
		}
		if (up)
			build6(&p, MAC_UP, MAC_GW, rnd(2) ? server6 : router6, rnd(4) ? snat6 : a6, nh,
			       1 + rnd(255), l4, l4len);
		else
			build6(&p, MAC_A_HOST, MAC_A, a6, rnd(4) ? server6 : gw6, nh, 1 + rnd(255), l4,
			       l4len);
		switch (m) {
		case 0: /* truncated */
			p.len = ETH_LEN + rnd(p.len - ETH_LEN);
			break;
		case 1: /* the payload length lies */
			put16(p.b + ETH_LEN + 4, rnd(2) ? rnd(65536) : l4len + 1 + rnd(64));
			break;
		case 2: /* another next header, an extension header among them */
			p.b[ETH_LEN + 6] = (uint8_t[]){ 0, 43, 44, 50, 51, 60, 135, 139, 140, 253,
							rnd(256) }[rnd(11)];
			break;
		case 3: /* a flipped byte */
			p.b[ETH_LEN + rnd(p.len - ETH_LEN)] ^= 1 << rnd(8);
			break;
		case 4: /* random bytes after the Ethernet header */
			for (uint32_t j = ETH_LEN + 1; j < p.len; j++)
				p.b[j] = rnd(256);
			p.b[ETH_LEN] = 0x60;
			break;
		default: /* as built */
			break;
		}
		if (p.len < ETH_LEN + 1)
			p.len = ETH_LEN + 1;
		csum_in = p.len >= L4 && get16(p.b + ETH_LEN + 4) == p.len - L4 &&
			  (p.b[ETH_LEN + 6] == IPPROTO_TCP || p.b[ETH_LEN + 6] == IPPROTO_UDP ||
			   p.b[ETH_LEN + 6] == IPPROTO_ICMPV6) &&
			  l4sum6(p.b + ETH_LEN, p.len - L4) == 0xffff;
		stats_all(before);
		r = up ? from_up(&p) : from_ctr(&p);
		stats_all(after);
		runs++;
		if (verdict(r) == -1000 && p.len < L4) {
			/* The kernel's test run refuses an IPv6 frame shorter
			 * than its header (a device never hands one up). */
			short_frames++;
			continue;
		}
		if (verdict(r) == -1000) {
			if (bad_verdict++ < 3)
				fprintf(stderr, "fuzz: test run failed: frame %d, %u bytes\n", i, p.len);
			continue;
		}
		ok = verdict(r) == TC_ACT_SHOT || verdict(r) == TC_ACT_REDIRECT ||
		     verdict(r) == (up ? TC_ACT_UNSPEC : TC_ACT_OK);
		if (!ok) {
			if (bad_verdict++ < 3)
				fprintf(stderr, "fuzz: frame %d (%s, mutation %u): verdict %d\n", i,
					up ? "uplink" : "container", m, verdict(r));
			continue;
		}
		if (verdict(r) == TC_ACT_SHOT) {
			int moved = 0;

			for (uint32_t c = EB_CNT_DROP_FIRST; c < EB_CNT_DROP_END; c++)
				moved += (int)(after[c] - before[c]);
			if (moved != 1 || r->decision < EB_CNT_DROP_FIRST ||
			    r->decision >= EB_CNT_DROP_END ||
			    after[r->decision] != before[r->decision] + 1)
				bad_drop++;
		} else if (verdict(r) != TC_ACT_REDIRECT) {
			if (r->out_len != p.len || memcmp(r->out, p.b, p.len))
				bad_pass++;
		} else if (csum_in && r->out_len >= L4 &&
			   (r->target == (uint32_t)if_up || r->target == (uint32_t)if_a) &&
			   r->decision != EB_CNT_ICMP6_SENT &&
			   l4sum6(r->out + ETH_LEN, r->out_len - L4) != 0xffff) {
			bad_csum++;
		}
	}
	ASSERT_EQ(runs, frames, "fuzz: every frame ran");
	ASSERT_TRUE(short_frames < frames / 10, "fuzz: most frames long enough for the test run");
	ASSERT_EQ(bad_verdict, 0, "fuzz: the test run never failed, every verdict an allowed one");
	ASSERT_EQ(bad_drop, 0, "fuzz: every SHOT moved exactly its drop counter (cb[0]) by one");
	ASSERT_EQ(bad_pass, 0, "fuzz: every pass left the frame as it was");
	ASSERT_EQ(bad_csum, 0, "fuzz: every redirect of a frame with a right checksum kept it right");
}

#endif
