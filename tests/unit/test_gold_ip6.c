// SPDX-License-Identifier: GPL-2.0
/*
 * The container side's IPv6 decisions (eb_from_container6) as golden
 * rows (golden.h): the source check (the container's address, its EUI-64
 * link-local, :: for DAD and MLD only), extension headers dropped whole,
 * neighbour discovery answered in place (the NA byte for byte, its ICMPv6
 * checksum over the pseudo header), what goes nowhere quietly (RS, RA,
 * redirects, MLD), the gateway to the host, container to container, the
 * multicast that is flooded (ff02::1) and the rest, malformed frames, and
 * a network without IPv6. test_ndp.c checks the same answers field by
 * field; here each decision is one row.
 *
 * The fixture's port set (fx_ports: a namespace of its own, veth ports,
 * unpinned maps); every table starts from golden_ip6(), so none depends
 * on another having run. Needs root; skips without it.
 */
#include <stdio.h>
#include <unistd.h>
#include <linux/pkt_cls.h>

#include "check.h"
#include "golden.h"

static struct fx_ports pt; /* the fixture's port set (fixture.h fx_ports) */

#define OTHER_MAC  "02:00:5e:00:53:01"
#define NOBODY_MAC "02:eb:0a:4d:00:c8"
#define NOBODY6	   G6_PREFIX "99"
#define OUTSIDE6   "2001:db8::1"
#define PLEN_LO	   19 /* the low byte of the IPv6 payload length, in the frame */
#define REFUSED	   G_REFUSABLE /* BPF_PROG_TEST_RUN may want a whole header */

/* Whose source it is: the container's own, or not. */
static const struct golden src_rows[] = {
	{ "UDP from c0 to c1", 0,
	  { G_UDP6, .dst = "ep1", .src = "ep0", .saddr = "ep0", .daddr = "ep1" },
	  TC_ACT_REDIRECT, EB_CNT_FWD, .to = 1 },
	{ "ping6 from c2 to c0", 2,
	  { G_ICMP6, .dst = "ep0", .src = "ep2", .saddr = "ep2", .daddr = "ep0" },
	  TC_ACT_REDIRECT, EB_CNT_FWD, .to = 0 },
	{ "from its EUI-64 link-local to c1's", 0,
	  { G_ICMP6, .dst = "ep1", .src = "ep0", .saddr = "ll0", .daddr = "ll1" },
	  TC_ACT_REDIRECT, EB_CNT_FWD, .to = 1 },
	{ "c0 sends from c2's address", 0,
	  { G_UDP6, .dst = "ep1", .src = "ep0", .saddr = "ep2", .daddr = "ep1" },
	  TC_ACT_SHOT, EB_CNT_DROP_SPOOF_IP6 },
	{ "c0 sends from an address of the subnet nobody has", 0,
	  { G_UDP6, .dst = "ep1", .src = "ep0", .saddr = NOBODY6, .daddr = "ep1" },
	  TC_ACT_SHOT, EB_CNT_DROP_SPOOF_IP6 },
	{ "c0 sends from an address outside the subnet", 0,
	  { G_UDP6, .dst = "ep1", .src = "ep0", .saddr = "2001:db8::2", .daddr = "ep1" },
	  TC_ACT_SHOT, EB_CNT_DROP_SPOOF_IP6 },
	{ "c0 sends from the gateway's address", 0,
	  { G_UDP6, .dst = "ep1", .src = "ep0", .saddr = "gw", .daddr = "ep1" },
	  TC_ACT_SHOT, EB_CNT_DROP_SPOOF_IP6 },
	{ "c0 sends from c1's link-local", 0,
	  { G_UDP6, .dst = "ep1", .src = "ep0", .saddr = "ll1", .daddr = "ep1" },
	  TC_ACT_SHOT, EB_CNT_DROP_SPOOF_IP6 },
	{ "c0 sends from a link-local not of its MAC", 0,
	  { G_UDP6, .dst = "ep1", .src = "ep0", .saddr = "fe80::1", .daddr = "ep1" },
	  TC_ACT_SHOT, EB_CNT_DROP_SPOOF_IP6 },
	{ "c0 sends from a multicast address", 0,
	  { G_UDP6, .dst = "ep1", .src = "ep0", .saddr = "ff02::1", .daddr = "ep1" },
	  TC_ACT_SHOT, EB_CNT_DROP_SPOOF_IP6 },
	/* :: is for DAD and MLD only. */
	{ "UDP from ::", 0,
	  { G_UDP6, .dst = "ep1", .src = "ep0", .saddr = "::", .daddr = "ep1" },
	  TC_ACT_SHOT, EB_CNT_DROP_SPOOF_IP6 },
	{ "ping6 from ::", 0,
	  { G_ICMP6, .dst = "ep1", .src = "ep0", .saddr = "::", .daddr = "ep1" },
	  TC_ACT_SHOT, EB_CNT_DROP_SPOOF_IP6 },
	{ "ff02::1 from ::", 0,
	  { G_ICMP6, .dst = "mc6", .src = "ep0", .saddr = "::", .daddr = "ff02::1" },
	  TC_ACT_SHOT, EB_CNT_DROP_SPOOF_IP6 },
	{ "IPv6 from another source MAC", 0,
	  { G_UDP6, .dst = "ep1", .src = OTHER_MAC, .saddr = "ep0", .daddr = "ep1" },
	  TC_ACT_SHOT, EB_CNT_DROP_SPOOF_MAC },
	{ "IPv6 on a port with no endpoint", FX_STRAY,
	  { G_UDP6, .dst = "ep1", .src = "ep0", .saddr = "ep0", .daddr = "ep1" },
	  TC_ACT_SHOT, EB_CNT_DROP_NO_PORT },
};

/* Extension headers are not parsed: dropped whole, but for MLD behind a
 * hop-by-hop header, which goes nowhere quietly. ESP is a payload. */
static const struct golden ext_rows[] = {
#define EXT(what, t)                                                                               \
	{ what " before UDP", 0,                                                                   \
	  { G_UDP6, .dst = "ep1", .src = "ep0", .saddr = "ep0", .daddr = "ep1", .ext = G_EXT | t }, \
	  TC_ACT_SHOT, EB_CNT_DROP_IP6_EXTHDR }
	EXT("hop-by-hop (0)", 0),
	EXT("routing (43)", 43),
	EXT("fragment (44)", 44),
	EXT("destination options (60)", 60),
	EXT("authentication (51)", 51),
	EXT("mobility (135)", 135),
	EXT("HIP (139)", 139),
	EXT("shim6 (140)", 140),
	EXT("experimental (253)", 253),
	EXT("experimental (254)", 254),
#undef EXT
	{ "hop-by-hop before a ping6", 0,
	  { G_ICMP6, .dst = "ep1", .src = "ep0", .saddr = "ep0", .daddr = "ep1", .ext = G_EXT | 0 },
	  TC_ACT_SHOT, EB_CNT_DROP_IP6_EXTHDR },
	{ "routing header from ::", 0,
	  { G_UDP6, .dst = "ep1", .src = "ep0", .saddr = "::", .daddr = "ep1", .ext = G_EXT | 43 },
	  TC_ACT_SHOT, EB_CNT_DROP_IP6_EXTHDR },
	{ "an MLDv2 report behind hop-by-hop", 0,
	  { G_ICMP6, .icmp_type = 143, .dst = "mc6", .src = "ep0", .saddr = "ll0",
	    .daddr = "ff02::16", .hops = 1, .ext = G_EXT | 0 },
	  TC_ACT_SHOT, EB_CNT_NDP_IGNORED },
	{ "an MLDv2 report from :: (before its link-local is up)", 0,
	  { G_ICMP6, .icmp_type = 143, .dst = "mc6", .src = "ep0", .saddr = "::",
	    .daddr = "ff02::16", .hops = 1, .ext = G_EXT | 0 },
	  TC_ACT_SHOT, EB_CNT_NDP_IGNORED },
	{ "an MLDv1 report behind hop-by-hop", 0,
	  { G_ICMP6, .icmp_type = 131, .dst = "mc6", .src = "ep0", .saddr = "ll0",
	    .daddr = "ff02::fb", .hops = 1, .ext = G_EXT | 0 },
	  TC_ACT_SHOT, EB_CNT_NDP_IGNORED },
	{ "hop-by-hop cut to 4 bytes", 0,
	  { G_UDP6, .dst = "ep1", .src = "ep0", .saddr = "ep0", .daddr = "ep1", .ext = G_EXT | 0,
	    .poke = { { 18, 0 }, { PLEN_LO, 4 } }, .len = 14 + 40 + 4 },
	  TC_ACT_SHOT, EB_CNT_DROP_MALFORMED },
	{ "ESP (50) from c0 to c1, carried as a payload", 0,
	  { G_IP6, .nh = 50, .dst = "ep1", .src = "ep0", .saddr = "ep0", .daddr = "ep1" },
	  TC_ACT_REDIRECT, EB_CNT_FWD, .to = 1 },
};

/* Neighbour discovery: solicitations answered back out of the asker's
 * port; the rest of NDP goes nowhere. */
static const struct golden ndp_rows[] = {
	{ "NS for the gateway", 0,
	  { G_NS, .dst = "mc6", .src = "ep0", .saddr = "ep0", .target = "gw" },
	  TC_ACT_REDIRECT, EB_CNT_NDP_REPLY, .to = 0,
	  .out = { G_NA, .dst = "ep0", .src = "host0", .saddr = "gw", .daddr = "ep0",
		   .router = true } },
	{ "NS for the gateway from its link-local", 0,
	  { G_NS, .dst = "mc6", .src = "ep0", .saddr = "ll0", .target = "gw" },
	  TC_ACT_REDIRECT, EB_CNT_NDP_REPLY, .to = 0,
	  .out = { G_NA, .dst = "ep0", .src = "host0", .saddr = "gw", .daddr = "ll0",
		   .router = true } },
	/* With no option the NS is shorter than its answer: the frame grows. */
	{ "NS for the gateway without an SLLA option, from port 1", 1,
	  { G_NS, .dst = "mc6", .src = "ep1", .saddr = "ep1", .target = "gw", .sha = "none" },
	  TC_ACT_REDIRECT, EB_CNT_NDP_REPLY, .to = 1,
	  .out = { G_NA, .dst = "ep1", .src = "host1", .saddr = "gw", .daddr = "ep1",
		   .router = true } },
	{ "NS for the gateway to its address (a reachability probe)", 0,
	  { G_NS, .dst = "host0", .src = "ep0", .saddr = "ep0", .daddr = "gw", .target = "gw" },
	  TC_ACT_REDIRECT, EB_CNT_NDP_REPLY, .to = 0,
	  .out = { G_NA, .dst = "ep0", .src = "host0", .saddr = "gw", .daddr = "ep0",
		   .router = true } },
	{ "NS for c1 from c0", 0,
	  { G_NS, .dst = "mc6", .src = "ep0", .saddr = "ep0", .target = "ep1" },
	  TC_ACT_REDIRECT, EB_CNT_NDP_REPLY, .to = 0,
	  .out = { G_NA, .dst = "ep0", .src = "ep1", .saddr = "ep1", .daddr = "ep0" } },
	{ "NS for c0 from c2", 2,
	  { G_NS, .dst = "mc6", .src = "ep2", .saddr = "ep2", .target = "ep0" },
	  TC_ACT_REDIRECT, EB_CNT_NDP_REPLY, .to = 2,
	  .out = { G_NA, .dst = "ep2", .src = "ep0", .saddr = "ep0", .daddr = "ep2" } },
	/* Not answered, not flooded. */
	{ "NS for the asker's own address", 0,
	  { G_NS, .dst = "mc6", .src = "ep0", .saddr = "ep0", .target = "ep0" },
	  TC_ACT_SHOT, EB_CNT_NDP_IGNORED },
	{ "DAD (from ::) for its own address", 0,
	  { G_NS, .dst = "mc6", .src = "ep0", .saddr = "::", .target = "ep0", .sha = "none" },
	  TC_ACT_SHOT, EB_CNT_NDP_IGNORED },
	{ "NS for an address nobody has", 0,
	  { G_NS, .dst = "mc6", .src = "ep0", .saddr = "ep0", .target = NOBODY6 },
	  TC_ACT_SHOT, EB_CNT_NDP_IGNORED },
	{ "a router solicitation", 0,
	  { G_ICMP6, .icmp_type = 133, .dst = "mc6", .src = "ep0", .saddr = "ll0",
	    .daddr = "ff02::2", .hops = 255 },
	  TC_ACT_SHOT, EB_CNT_NDP_IGNORED },
	{ "a router advertisement from a container", 0,
	  { G_ICMP6, .icmp_type = 134, .dst = "mc6", .src = "ep0", .saddr = "ll0",
	    .daddr = "ff02::1", .hops = 255 },
	  TC_ACT_SHOT, EB_CNT_NDP_IGNORED },
	{ "a redirect from a container", 0,
	  { G_ICMP6, .icmp_type = 137, .dst = "ep1", .src = "ep0", .saddr = "ll0", .daddr = "ll1",
	    .hops = 255 },
	  TC_ACT_SHOT, EB_CNT_NDP_IGNORED },
	{ "an MLDv1 report without hop-by-hop", 0,
	  { G_ICMP6, .icmp_type = 131, .dst = "mc6", .src = "ep0", .saddr = "ll0",
	    .daddr = "ff02::fb", .hops = 1 },
	  TC_ACT_SHOT, EB_CNT_NDP_IGNORED },
	/* Lies and garbage. */
	{ "NS from c2's address on port 0", 0,
	  { G_NS, .dst = "mc6", .src = "ep0", .saddr = "ep2", .target = "gw" },
	  TC_ACT_SHOT, EB_CNT_DROP_SPOOF_IP6 },
	{ "NS with another MAC in its SLLA option", 0,
	  { G_NS, .dst = "mc6", .src = "ep0", .saddr = "ep0", .target = "gw", .sha = OTHER_MAC },
	  TC_ACT_SHOT, EB_CNT_DROP_SPOOF_MAC },
	{ "NS with hop limit 64 (a router forwarded it)", 0,
	  { G_NS, .dst = "mc6", .src = "ep0", .saddr = "ep0", .target = "gw", .hops = 64 },
	  TC_ACT_SHOT, EB_CNT_DROP_MALFORMED },
	{ "DAD (from ::) with an SLLA option", 0,
	  { G_NS, .dst = "mc6", .src = "ep0", .saddr = "::", .target = "ep0" },
	  TC_ACT_SHOT, EB_CNT_DROP_MALFORMED },
	{ "NS cut to 16 bytes", 0,
	  { G_NS, .dst = "mc6", .src = "ep0", .saddr = "ep0", .target = "gw", .sha = "none",
	    .poke = { { PLEN_LO, 16 } }, .len = 14 + 40 + 16 },
	  TC_ACT_SHOT, EB_CNT_DROP_MALFORMED },
};

/* Where it goes: the host, another container, the flood, nowhere. */
static const struct golden deliver_rows[] = {
	{ "ping6 of the gateway", 0,
	  { G_ICMP6, .dst = "host0", .src = "ep0", .saddr = "ep0", .daddr = "gw" },
	  TC_ACT_OK, EB_CNT_TO_HOST },
	{ "ping6 of the gateway from its link-local", 1,
	  { G_ICMP6, .dst = "host1", .src = "ep1", .saddr = "ll1", .daddr = "gw" },
	  TC_ACT_OK, EB_CNT_TO_HOST },
	{ "UDP to the gateway", 2,
	  { G_UDP6, .dst = "host2", .src = "ep2", .saddr = "ep2", .daddr = "gw" },
	  TC_ACT_OK, EB_CNT_TO_HOST },
	{ "NA to the gateway (the answer to the host's NS)", 0,
	  { G_NA, .dst = "host0", .src = "ep0", .saddr = "ep0", .daddr = "gw" },
	  TC_ACT_OK, EB_CNT_TO_HOST },
	{ "NA from c0 to c1", 0,
	  { G_NA, .dst = "ep1", .src = "ep0", .saddr = "ep0", .daddr = "ep1" },
	  TC_ACT_REDIRECT, EB_CNT_FWD, .to = 1 },
	/* No IPv6 address on the uplink here: nothing to translate to. */
	{ "UDP beyond the subnet", 0,
	  { G_UDP6, .dst = "host0", .src = "ep0", .saddr = "ep0", .daddr = OUTSIDE6 },
	  TC_ACT_SHOT, EB_CNT_DROP_IP6_NO_ROUTE },
	{ "unknown unicast", 0,
	  { G_UDP6, .dst = NOBODY_MAC, .src = "ep0", .saddr = "ep0", .daddr = NOBODY6 },
	  TC_ACT_SHOT, EB_CNT_DROP_UNKNOWN_UNICAST },
	{ "unicast to the sender itself", 0,
	  { G_UDP6, .dst = "ep0", .src = "ep0", .saddr = "ep0", .daddr = "ep0" },
	  TC_ACT_SHOT, EB_CNT_DROP_HAIRPIN },
	/* Multicast: ff02::1 to every other port and the host, as a bridge
	 * would; other groups have no listener known (no MLD snooping). */
	{ "ping6 of ff02::1 (all nodes)", 0,
	  { G_ICMP6, .dst = "mc6", .src = "ep0", .saddr = "ep0", .daddr = "ff02::1" },
	  TC_ACT_OK, EB_CNT_FLOOD },
	{ "UDP to ff02::1 from its link-local", 2,
	  { G_UDP6, .dst = "mc6", .src = "ep2", .saddr = "ll2", .daddr = "ff02::1" },
	  TC_ACT_OK, EB_CNT_FLOOD },
	{ "ff02::1 to the broadcast MAC", 0,
	  { G_ICMP6, .dst = "bcast", .src = "ep0", .saddr = "ep0", .daddr = "ff02::1" },
	  TC_ACT_OK, EB_CNT_FLOOD },
	{ "ff02::2 (all routers)", 0,
	  { G_ICMP6, .dst = "mc6", .src = "ep0", .saddr = "ep0", .daddr = "ff02::2" },
	  TC_ACT_SHOT, EB_CNT_DROP_IP6_MCAST },
	{ "mDNS to ff02::fb", 0,
	  { G_UDP6, .dst = "mc6", .src = "ep0", .saddr = "ll0", .daddr = "ff02::fb" },
	  TC_ACT_SHOT, EB_CNT_DROP_IP6_MCAST },
	{ "a global group ff0e::1", 0,
	  { G_UDP6, .dst = "mc6", .src = "ep0", .saddr = "ep0", .daddr = "ff0e::1" },
	  TC_ACT_SHOT, EB_CNT_DROP_IP6_MCAST },
	/* Truncated and malformed. */
	{ "payload length past the frame", 0,
	  { G_UDP6, .dst = "ep1", .src = "ep0", .saddr = "ep0", .daddr = "ep1",
	    .poke = { { PLEN_LO, 200 } } },
	  TC_ACT_SHOT, EB_CNT_DROP_MALFORMED },
	{ "IP version 4 under the IPv6 ethertype", 0,
	  { G_UDP6, .dst = "ep1", .src = "ep0", .saddr = "ep0", .daddr = "ep1",
	    .poke = { { 14, 0x45 } } },
	  TC_ACT_SHOT, EB_CNT_DROP_MALFORMED, .flags = REFUSED },
	{ "ICMPv6 cut to 4 bytes", 0,
	  { G_ICMP6, .dst = "ep1", .src = "ep0", .saddr = "ep0", .daddr = "ep1",
	    .poke = { { PLEN_LO, 4 } }, .len = 14 + 40 + 4 },
	  TC_ACT_SHOT, EB_CNT_DROP_MALFORMED },
	{ "IPv6 header cut at 20 bytes", 0,
	  { G_UDP6, .dst = "ep1", .src = "ep0", .saddr = "ep0", .daddr = "ep1", .len = 14 + 20 },
	  TC_ACT_SHOT, EB_CNT_DROP_MALFORMED, .flags = REFUSED },
	{ "Ethernet header only, IPv6 ethertype", 0,
	  { G_UDP6, .dst = "ep1", .src = "ep0", .saddr = "ep0", .daddr = "ep1", .len = 14 },
	  TC_ACT_SHOT, EB_CNT_DROP_MALFORMED, .flags = REFUSED },
};

/* On a network without IPv6 (eb_config6 without EB_CFG6_ON), IPv6 is not
 * carried at all: it could not be source-checked. */
static const struct golden off_rows[] = {
	{ "NS for the gateway, IPv6 off", 0,
	  { G_NS, .dst = "mc6", .src = "ep0", .saddr = "ep0", .target = "gw" },
	  TC_ACT_SHOT, EB_CNT_DROP_NOT_IPV4 },
	{ "UDP from c0 to c1, IPv6 off", 0,
	  { G_UDP6, .dst = "ep1", .src = "ep0", .saddr = "ep0", .daddr = "ep1" },
	  TC_ACT_SHOT, EB_CNT_DROP_NOT_IPV4 },
	{ "ping6 of the gateway, IPv6 off", 0,
	  { G_ICMP6, .dst = "host0", .src = "ep0", .saddr = "ep0", .daddr = "gw" },
	  TC_ACT_SHOT, EB_CNT_DROP_NOT_IPV4 },
	{ "ff02::1, IPv6 off", 0,
	  { G_ICMP6, .dst = "mc6", .src = "ep0", .saddr = "ep0", .daddr = "ff02::1" },
	  TC_ACT_SHOT, EB_CNT_DROP_NOT_IPV4 },
};

#define ROWS(t) (int)(sizeof(t) / sizeof((t)[0]))

/* SETUP then CHECK: IPv6 on (flags EB_CFG6_ON) or off (0). */
static void table(const char *what, __u32 flags, const struct golden *t, int n)
{
	char w[128];

	snprintf(w, sizeof(w), "%s: eb_config6 and eb_ip6 written", what);
	if (!ASSERT_EQ(golden_ip6(&pt, flags), 0, w))
		return;
	golden_run(&pt, t, n);
}

int main(void)
{
	if (geteuid() != 0) {
		SKIP("BPF_PROG_TEST_RUN and namespaces need root");
		return eb_check_done();
	}
	if (fx_ports(&pt)) {
		ASSERT_TRUE(0, "setup: namespace, veth pairs, skeleton, maps");
		return eb_check_done();
	}
	FX_ASSERT_UNPINNED(&pt.p);
	table("sources", EB_CFG6_ON, src_rows, ROWS(src_rows));
	table("extension headers", EB_CFG6_ON, ext_rows, ROWS(ext_rows));
	table("neighbour discovery", EB_CFG6_ON, ndp_rows, ROWS(ndp_rows));
	table("delivery", EB_CFG6_ON, deliver_rows, ROWS(deliver_rows));
	table("IPv6 off", 0, off_rows, ROWS(off_rows));
	fx_unload(&pt.p);
	return eb_check_done();
}
