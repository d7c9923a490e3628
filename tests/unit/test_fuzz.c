// SPDX-License-Identifier: GPL-2.0
/*
 * Malformed packets (issue 6; IPv6: issue 16): well over 100,000 random,
 * truncated and inconsistent frames through eb_from_container and
 * eb_from_uplink with BPF_PROG_TEST_RUN, against a seeded network (two
 * containers, an uplink with a route out, published ports, live NAT
 * flows), IPv4 and IPv6 alike. Every frame starts as one of ~35 valid IPv4
 * templates (SNAT, its replies, DNAT, ICMP errors, fragments, ARP,
 * broadcast, forwarding, isolation, no route, DNS queries to the gateway,
 * whole or garbled, answered or sent on...) or ~30 IPv6 ones (NS for the
 * gateway and a peer, DAD, ping6 of the gateway, forwarding, NAT66 out
 * (TCP, UDP, echo) and its replies, ICMPv6 errors from outside and from a
 * container, extension headers, multicast and MLD, DNAT6 to a published
 * port and its reply, and NAT46: an IPv6 client to a published port of a
 * network without IPv6 and the container's IPv4 answer), and is then
 * mutated: truncated, bad IHL, IP options, version != 4 (6), tot_len or
 * the payload length too short or too long, fragment bits, TTL or hop
 * limit 0/1, an extension header put in, the next header changed, TCP
 * data offset, UDP length, ICMP errors quoting garbage or a truncated
 * quote, flipped bytes, or replaced by random bytes.
 *
 * Two worlds side by side, each its own programs and maps: the network
 * with IPv6 (eb_config6 on, fd00:66::/64), and the same without IPv6
 * (eb_config6 flags 0), where the NAT46 templates run.
 *
 * What must hold, for every frame (counted apart for IPv4 and IPv6):
 *  verdicts   container: OK, SHOT or REDIRECT; uplink: UNSPEC, SHOT or
 *             REDIRECT. Nothing else, and test_run itself never fails.
 *  drops      a SHOT moves exactly one counter of eb_stats by one packet,
 *             a drop reason (>= EB_CNT_DROP_FIRST), the one the program
 *             left in skb->cb[0] (or is NDP/MLD gone quietly: ndp_ignored
 *             by one, no drop counter); any other verdict moves no drop
 *             counter.
 *  no state   an invalid frame (defined by invalid_reason() below, IPv4
 *             and IPv6) creates no key in eb_ct_tcp, eb_ct_other,
 *             eb_frags, eb_ct6_tcp or eb_ct6_other, and is not translated.
 *  no half    a REDIRECT carries a whole translation: every checksum that
 *             was right on input (IPv4 header; L4 with its pseudo header,
 *             IPv6's or, when NAT46 changed the family, IPv4's; an ICMP
 *             error's quoted IPv4 header; an ICMPv6 error's quoted L4) is
 *             right on output, a packet out of the uplink has the NAT
 *             source, a packet into a container has its address and MACs,
 *             NAT46 changes the EtherType, the length by 20 and nothing of
 *             the L4 payload; the gateway's own answers (NA, ICMPv6
 *             errors) go back to the asker. A pass (OK, UNSPEC) leaves
 *             every byte as it was.
 *
 * The seed is fixed (EB_FUZZ_SEED overrides it, EB_FUZZ_FRAMES the count)
 * and printed, so that a failure can be replayed. A failure prints the
 * frame in hex with its template and mutation (and what came out). (It
 * found two bugs of NAT46, fixed in bpf/lib/nat46.h: tests/unit/
 * test_nat46.c keeps their frames.)
 *
 * Like test_nat.c, the test runs on the fixture (fixture.h): a network
 * namespace of its own with real veths, since the programs read
 * skb->ifindex and ask bpf_fib_lookup; maps are not pinned and are shared
 * between the two programs. Needs root; skips without it.
 *
 * Its parts, in the order they are included: fuzz_world.h (the world,
 * its namespace, programs and maps), fuzz_frame.h (a frame's layout,
 * checksums, invalid_reason()), fuzz_build.h (building frames),
 * fuzz_tmpl6.h and fuzz_tmpl4.h (the templates), fuzz_mutate.h (the
 * mutations), fuzz_run.h (running a frame, the seeded flows),
 * fuzz_check.h (the invariants, one_frame()); main() here.
 */
#include <errno.h>
#include <inttypes.h>
#include <sched.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "check.h"
#include "fixture.h"
#include "nl.h"
#include "ebnet_obs.h"

#include "fuzz_world.h"
#include "fuzz_frame.h"
#include "fuzz_build.h"
#include "fuzz_tmpl6.h"
#include "fuzz_tmpl4.h"
#include "fuzz_mutate.h"
#include "fuzz_run.h"
#include "fuzz_check.h"

/* The conntrack and fragment entries of a world, and emptying them. */
static uint32_t ct_entries(const struct world *w)
{
	return map_count(w->ct_tcp, sizeof(struct eb_ct_key)) +
	       map_count(w->ct_other, sizeof(struct eb_ct_key)) +
	       map_count(w->frags, sizeof(struct eb_frag_key)) +
	       map_count(w->ct6_tcp, sizeof(struct eb_ct6_key)) +
	       map_count(w->ct6_other, sizeof(struct eb_ct6_key));
}

static void ct_flush(const struct world *w)
{
	map_flush(w->ct_tcp, sizeof(struct eb_ct_key));
	map_flush(w->ct_other, sizeof(struct eb_ct_key));
	map_flush(w->frags, sizeof(struct eb_frag_key));
	map_flush(w->ct6_tcp, sizeof(struct eb_ct6_key));
	map_flush(w->ct6_other, sizeof(struct eb_ct6_key));
}

static void too_short(void)
{
	/* Under 14 bytes no frame reaches TC: test_run refuses it too. */
	struct fr f = {};
	struct run_res r;

	for (uint32_t n = 0; n < ETH_LEN; n++) {
		f.len = n;
		rnd_bytes(f.b, n);
		run_prog(fx.pc, env.if_a, &f, &r);
		n_short_refused += r.err == -EINVAL;
		run_prog(fx.pu, env.if_up, &f, &r);
		n_short_refused += r.err == -EINVAL;
	}
	ASSERT_EQ(n_short_refused, 2 * ETH_LEN, "frames of 0..13 bytes are refused (no TC run)");
}

int main(void)
{
	uint64_t seed0 = 0xeb6e7f022aULL, frames = 120000;
	const char *s;
	struct timespec t0, t1;
	double secs;

	if ((s = getenv("EB_FUZZ_SEED")))
		seed0 = strtoull(s, NULL, 0);
	if ((s = getenv("EB_FUZZ_FRAMES")))
		frames = strtoull(s, NULL, 0);
	rng = seed0 ? seed0 : 1;
	printf("# seed 0x%" PRIx64 ", %" PRIu64 " frames (EB_FUZZ_SEED, EB_FUZZ_FRAMES)\n", seed0,
	       frames);
	if (geteuid() != 0) {
		SKIP("needs root (unshare, BPF_PROG_TEST_RUN)");
		return eb_check_done();
	}
	addrs6();
	if (setup_netns() || fx_open(&fx, true) || fx_open(&fx46, false)) {
		ASSERT_TRUE(0, "set up the private network namespace and load the programs");
		fx_close();
		return eb_check_done();
	}
	for (int i = 0; i < 4; i++)
		seed.frag_ids[i] = (uint16_t)(0x7000 + i);
	if (!ASSERT_EQ(seed_flows(), 0,
		       "seed flows: TCP, UDP, ICMP out, a published-port flow in; IPv6: TCP, UDP, "
		       "echo out (NAT66), a DNAT6 flow in, NAT46 TCP and UDP flows in")) {
		fx_close();
		return eb_check_done();
	}
	/* The snapshots (bpf_map_lookup_batch) see what the seeds made: two
	 * entries a flow. */
	ASSERT_EQ(map_count(fx.ct_tcp, sizeof(struct eb_ct_key)), 4,
		  "the snapshot sees the seeded TCP flows (SNAT, DNAT)");
	ASSERT_EQ(map_count(fx.ct6_tcp, sizeof(struct eb_ct6_key)), 4,
		  "the snapshot sees the seeded IPv6 TCP flows (NAT66, DNAT6)");
	ASSERT_EQ(map_count(fx.ct6_other, sizeof(struct eb_ct6_key)), 4,
		  "the snapshot sees the seeded IPv6 UDP and echo flows (NAT66)");
	ASSERT_EQ(map_count(fx46.ct6_tcp, sizeof(struct eb_ct6_key)) +
		      map_count(fx46.ct6_other, sizeof(struct eb_ct6_key)),
		  4, "the snapshot sees the seeded NAT46 flows (TCP, UDP)");
	clock_gettime(CLOCK_MONOTONIC, &t0);
	too_short();
	while (n_frames < frames) {
		struct tmpl_out t;
		enum mut m;

		/* Conntrack small: its snapshots stay cheap. */
		if ((n_frames & 63) == 0 && ct_entries(&fx) + ct_entries(&fx46) > 64) {
			ct_flush(&fx);
			ct_flush(&fx46);
			if (seed_flows()) {
				ASSERT_TRUE(0, "seed flows again after emptying conntrack");
				break;
			}
		}
		tmpl((int)rnd(NTEMPLATES), &t);
		m = mutate(&t.f);
		if (t.f.len < ETH_LEN)
			t.f.len = ETH_LEN;
		/* Now and then on another port than its own: the uplink's
		 * frames on a container port and back, and on a port that is
		 * no container's. */
		if (chance(3)) {
			t.prog = !t.prog;
			t.ifindex = t.prog ? env.if_up : env.if_a;
		} else if (chance(1)) {
			t.ifindex = chance(50) ? env.if_lo : env.if_x;
		}
		one_frame(&t, m);
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;

	printf("# %" PRIu64 " frames in %.1f s; verdicts container: OK %" PRIu64 " SHOT %" PRIu64
	       " REDIRECT %" PRIu64 "; uplink: UNSPEC %" PRIu64 " SHOT %" PRIu64
	       " REDIRECT %" PRIu64 "\n",
	       n_frames, secs, n_verdict[0][TC_ACT_OK + 1], n_verdict[0][TC_ACT_SHOT + 1],
	       n_verdict[0][TC_ACT_REDIRECT + 1], n_verdict[1][TC_ACT_UNSPEC + 1],
	       n_verdict[1][TC_ACT_SHOT + 1], n_verdict[1][TC_ACT_REDIRECT + 1]);
	printf("# mutations:");
	for (int i = 0; i < M_MAX; i++)
		printf(" %s %" PRIu64 ";", mut_name[i], n_by_mut[i]);
	for (int p = 0; p < 2; p++) {
		printf("\n# decisions (enum eb_counter: frames) of %s:",
		       p ? "eb_from_uplink" : "eb_from_container");
		for (int i = 0; i < EB_CNT_MAX; i++)
			if (n_decision[p][i])
				printf(" %d: %" PRIu64, i, n_decision[p][i]);
	}
	for (int p = 0; p < 2; p++) {
		printf("\n# ...of the IPv6 frames of %s:",
		       p ? "eb_from_uplink" : "eb_from_container");
		for (int i = 0; i < EB_CNT_MAX; i++)
			if (n_decision6[p][i])
				printf(" %d: %" PRIu64, i, n_decision6[p][i]);
	}
	printf("\n# NAT46 (the family changed): in %" PRIu64 ", out %" PRIu64, n_nat46[1],
	       n_nat46[0]);
	printf("\n# %" PRIu64 " frames of EtherType IPv6 as run; %" PRIu64
	       " frames run on the network without IPv6 (NAT46)",
	       n_frames6, n_world46);
	printf("\n# invalid frames by reason:");
	for (int i = 1; i < INV_MAX; i++)
		printf(" %s %" PRIu64 ";", inv_name[i], inv_seen[i]);
	printf("\n");

	ASSERT_TRUE(n_frames >= 100000 || getenv("EB_FUZZ_FRAMES"), "at least 100,000 frames");
	ASSERT_TRUE(n_frames6 >= n_frames / 3, "at least a third of them IPv6 frames");
	if (n_frames >= 20000) {
		/* The IPv6 templates reach what they were made for (a seed
		 * that no longer made its flow would not). */
		static const struct {
			int prog, cnt;
			const char *what;
		} cov[] = {
		    {0, EB_CNT_NDP_REPLY, "NS answered"},
		    {0, EB_CNT_NDP_IGNORED, "NDP/MLD gone quietly"},
		    {0, EB_CNT_FWD, "container to container"},
		    {0, EB_CNT_FLOOD, "ff02::1 flooded"},
		    {0, EB_CNT_TO_HOST, "the gateway, the host"},
		    {0, EB_CNT_NAT6_OUT, "NAT66 out"},
		    {0, EB_CNT_ICMP6_SENT, "the gateway's time exceeded"},
		    {0, EB_CNT_ICMP6_ERR_OUT, "a container's ICMPv6 error translated out"},
		    {0, EB_CNT_DROP_IP6_EXTHDR, "extension header dropped"},
		    {0, EB_CNT_DROP_IP6_MCAST, "multicast dropped"},
		    {0, EB_CNT_DROP_ISOLATED, "another network's prefix"},
		    {0, EB_CNT_DROP_SPOOF_IP6, "a spoofed source"},
		    {1, EB_CNT_NAT6_IN, "NAT66 replies in"},
		    {1, EB_CNT_ICMP6_ERR_IN, "ICMPv6 errors from outside translated in"},
		    {1, EB_CNT_ICMP6_SENT, "time exceeded on the uplink"},
		    {1, EB_CNT_DNAT6_IN, "DNAT6/NAT46 in"},
		    {1, EB_CNT_DROP_UNPUBLISHED, "a container's address from outside"},
		};
		char what[200];

		for (size_t i = 0; i < sizeof(cov) / sizeof(cov[0]); i++) {
			snprintf(what, sizeof(what), "IPv6 frames reach %s (%s: %s)", cov[i].what,
				 cov[i].prog ? "eb_from_uplink" : "eb_from_container",
				 eb_counter_name(cov[i].cnt));
			ASSERT_TRUE(n_decision6[cov[i].prog][cov[i].cnt] > 0, what);
		}
		ASSERT_TRUE(n_nat46[1] > 0, "NAT46 in: IPv6 from the uplink into B as IPv4");
		ASSERT_TRUE(n_nat46[0] > 0, "NAT46 out: B's IPv4 out of the uplink as IPv6");
	}
	for (int c = 0; c < C_NMAX; c++) {
		char what[300];

		ASSERT_EQ(viol[0][c], 0, check_name[c]);
		snprintf(what, sizeof(what), "IPv6 frames: %s", check_name[c]);
		ASSERT_EQ(viol[1][c], 0, what);
	}
	for (int i = 1; i < INV_MAX; i++) {
		char what[2][200];

		snprintf(what[0], sizeof(what[0]),
			 "no conntrack or fragment entry from an invalid frame: %s (%" PRIu64
			 " seen)",
			 inv_name[i], inv_seen[i]);
		snprintf(what[1], sizeof(what[1]),
			 "no invalid frame translated and forwarded: %s (%" PRIu64 " seen)",
			 inv_name[i], inv_seen[i]);
		ASSERT_EQ(ct_viol[i], 0, what[0]);
		ASSERT_EQ(xlate_viol[i], 0, what[1]);
	}
	printf("# %" PRIu64
	       " frames of an IPv4 (IPv6) EtherType shorter than an IPv4 (IPv6) header: "
	       "refused by BPF_PROG_TEST_RUN itself, not run\n",
	       n_refused);
	/* (Its time is printed above, not asserted: speed belongs to the
	 * benchmark, and a loaded machine is no defect of the datapath.) */
	fx_close();
	return eb_check_done();
}
