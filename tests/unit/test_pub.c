// SPDX-License-Identifier: GPL-2.0
/*
 * Published ports in the datapath, through BPF_PROG_TEST_RUN: DNAT of new
 * flows from outside on the uplink (eb_from_uplink), the container's
 * replies translated back (eb_from_container), TCP and UDP, every
 * checksum recomputed here from scratch and compared; and the parser of
 * `ebnet publish` specs (eb_parse_port_spec).
 *
 * The fixture (fixture.h) loads the programs from the skeletons with
 * pinning off (nothing under /sys/fs/bpf is touched), their maps shared.
 * The test runs in a private network namespace of its own, where it makes
 * the devices that the datapath needs to see: a container port (veth ctr0)
 * and an uplink (veth up0) with a route out, so that bpf_fib_lookup()
 * answers as on a real host. Each datapath test starts from the same maps
 * (fresh()): none depends on another having run before it.
 */
#include <errno.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include <linux/pkt_cls.h>
#include <netinet/in.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "check.h"
#include "util.h"
#include "fixture.h"

#define SNAT_IP	  "198.51.100.1"
#define ROUTER_IP "198.51.100.254"
#define CLIENT_IP "203.0.113.2"
#define CTR_IP	  "10.91.0.2"
#define GW_IP	  "10.91.0.1"

static const unsigned char ctr_mac[6] = { 0x02, 0xeb, 0x0a, 0x5b, 0x00, 0x02 };
static const unsigned char port_mac[6] = { 0x06, 0xeb, 0x0a, 0x5b, 0x00, 0x02 };
static const unsigned char up_mac[6] = { 0x02, 0x00, 0x00, 0x00, 0xaa, 0x01 };
static const unsigned char rtr_mac[6] = { 0x02, 0x00, 0x00, 0x00, 0xaa, 0xfe };

static struct fx_progs fp;
static int ctr_ifindex, up_ifindex;

/* ---- packets ---- */

struct pkt {
	unsigned char buf[1600];
	unsigned int len;
};

/* The IPv4 header's checksum over the header as it is: 0 when right. */
static uint16_t ip_csum_check(const struct iphdr *iph)
{
	return fx_csum(iph, iph->ihl * 4);
}

/* The L4 checksum over pseudo header and segment as they are: 0 when right. */
static uint16_t l4_csum_check(const struct iphdr *iph)
{
	const unsigned char *l4 = (const unsigned char *)iph + iph->ihl * 4;
	unsigned int l4len = ntohs(iph->tot_len) - iph->ihl * 4;

	return fx_fold(fx_sum(l4, l4len, fx_pseudo4((const uint8_t *)iph, l4len)));
}

/* Fills in both checksums from scratch (UDP: zero_udp keeps 0, "none"). */
static void pkt_csum(struct pkt *p, bool zero_udp)
{
	struct iphdr *iph = (void *)(p->buf + ETH_HLEN);
	unsigned char *l4 = (unsigned char *)iph + iph->ihl * 4;
	uint16_t c;

	iph->check = 0;
	c = ip_csum_check(iph);
	iph->check = htons(c);
	if (iph->protocol == IPPROTO_TCP) {
		struct tcphdr *th = (void *)l4;

		th->check = 0;
		th->check = htons(l4_csum_check(iph));
	} else if (iph->protocol == IPPROTO_UDP) {
		struct udphdr *uh = (void *)l4;

		uh->check = 0;
		if (!zero_udp) {
			c = l4_csum_check(iph);
			uh->check = htons(c ? c : 0xffff);
		}
	}
}

/* Ethernet + IPv4 + TCP (flags) or UDP, with a small payload. */
static void mkpkt(struct pkt *p, const unsigned char *dmac, const unsigned char *smac,
		  uint8_t proto, const char *src, uint16_t sport, const char *dst, uint16_t dport,
		  uint8_t tcp_flags, bool zero_udp)
{
	struct iphdr *iph = (void *)(p->buf + ETH_HLEN);
	unsigned char *l4 = (unsigned char *)(iph + 1);
	static const char payload[] = "ebnet-publish!";
	unsigned int l4len;

	memset(p, 0, sizeof(*p));
	fx_put_eth(p->buf, dmac, smac, ETH_P_IP);
	iph->version = 4;
	iph->ihl = 5;
	iph->ttl = 64;
	iph->id = htons(0x1234);
	iph->protocol = proto;
	iph->saddr = fx_ip(src);
	iph->daddr = fx_ip(dst);
	if (proto == IPPROTO_TCP) {
		struct tcphdr *th = (void *)l4;

		th->source = htons(sport);
		th->dest = htons(dport);
		th->seq = htonl(1000);
		th->ack_seq = (tcp_flags & 0x10) ? htonl(2000) : 0;
		th->doff = 5;
		((unsigned char *)th)[13] = tcp_flags;
		th->window = htons(64240);
		memcpy(l4 + sizeof(*th), payload, sizeof(payload) - 1);
		l4len = sizeof(*th) + sizeof(payload) - 1;
	} else {
		struct udphdr *uh = (void *)l4;

		uh->source = htons(sport);
		uh->dest = htons(dport);
		l4len = sizeof(*uh) + sizeof(payload) - 1;
		uh->len = htons(l4len);
		memcpy(l4 + sizeof(*uh), payload, sizeof(payload) - 1);
	}
	iph->tot_len = htons(sizeof(*iph) + l4len);
	p->len = ETH_HLEN + sizeof(*iph) + l4len;
	pkt_csum(p, zero_udp);
}

static struct iphdr *pkt_ip(struct pkt *p)
{
	return (void *)(p->buf + ETH_HLEN);
}

static uint16_t pkt_sport(struct pkt *p)
{
	return ntohs(*(uint16_t *)(p->buf + ETH_HLEN + sizeof(struct iphdr)));
}

static uint16_t pkt_dport(struct pkt *p)
{
	return ntohs(*(uint16_t *)(p->buf + ETH_HLEN + sizeof(struct iphdr) + 2));
}

static uint16_t pkt_udp_csum(struct pkt *p)
{
	return ((struct udphdr *)(p->buf + ETH_HLEN + sizeof(struct iphdr)))->check;
}

/* Runs prog on in (arriving on ifindex); out gets the packet as left,
 * ctx_out the context (cb: decision, target). */
static int run(int prog, int ifindex, const struct pkt *in, struct pkt *out,
	       struct __sk_buff *ctx_out)
{
	static struct fx_result r;

	memset(out, 0, sizeof(*out));
	if (fx_run(prog, ifindex, in->buf, in->len, 0, &r)) {
		fprintf(stderr, "test_run: %s\n", strerror(-r.err));
		memset(ctx_out, 0, sizeof(*ctx_out));
		return -1000;
	}
	*ctx_out = r.ctx;
	out->len = r.out_len < sizeof(out->buf) ? r.out_len : sizeof(out->buf);
	memcpy(out->buf, r.out, out->len);
	return (int)r.retval;
}

/* ---- maps ---- */

static int ct_count(int fd, int kind)
{
	struct eb_ct_key k, next;
	struct eb_ct_entry v;
	void *prev = NULL;
	int n = 0;

	while (bpf_map_get_next_key(fd, prev, &next) == 0) {
		k = next;
		prev = &k;
		if (bpf_map_lookup_elem(fd, &k, &v) == 0 && (kind < 0 || v.kind == kind))
			n++;
	}
	return n;
}

static void ct_clear(int fd)
{
	fx_map_clear(fd, sizeof(struct eb_ct_key));
}

static struct eb_ct_key ctkey(const char *src, uint16_t sport, const char *dst, uint16_t dport,
			      uint8_t proto)
{
	return fx_ct_key(proto, src, sport, dst, dport);
}

static int publish(uint32_t host_ip, uint16_t hport, uint8_t proto, uint16_t cport)
{
	return fx_put_pub(&fp, host_ip, hport, proto, CTR_IP, cport, ctr_ifindex, "web");
}

static uint64_t pub_conns(uint32_t host_ip, uint16_t hport, uint8_t proto)
{
	struct eb_pub_key k;
	struct eb_pub_val v;

	memset(&k, 0, sizeof(k));
	k.host_ip = host_ip;
	k.host_port = hport;
	k.proto = proto;
	if (bpf_map_lookup_elem(FX_MAP(&fp, eb_pub_ports), &k, &v))
		return (uint64_t)-1;
	return v.conns;
}

/* ---- setup: a private namespace, devices, programs, maps ---- */

static int setup_net(void)
{
	if (fx_netns())
		return -1;
	ctr_ifindex = fx_veth("ctr0", port_mac, "ctr0p", ctr_mac);
	up_ifindex = fx_veth("up0", up_mac, "up0p", rtr_mac);
	if (ctr_ifindex < 0 || up_ifindex < 0)
		return -1;
	/* The container port forwards (bpf_fib_lookup() answers only for
	 * packets coming in where forwarding is on): this namespace only. */
	if (fx_forwarding(ctr_ifindex) || fx_addr(up_ifindex, SNAT_IP, 24) ||
	    fx_route(NULL, 0, ROUTER_IP, up_ifindex) || fx_neigh(up_ifindex, ROUTER_IP, rtr_mac))
		return -1;
	return 0;
}

static int setup_progs(void)
{
	struct fx_load_opts o = { .uplink = true, .xdp = true };

	return fx_load(&fp, &o);
}

static int setup_maps(void)
{
	struct eb_config cfg;
	struct eb_endpoint ep;

	fx_config(&cfg, "10.91.0.0", 24, &fp);
	fx_config_uplink(&cfg, up_ifindex, up_mac, SNAT_IP, 1024, 32767);
	cfg.flood_max = 1;
	fx_ep(&ep, CTR_IP, ctr_ifindex, ctr_mac, port_mac, "web", "ctr0", 0);
	return fx_config_write(&fp, &cfg) || fx_put_ep(&fp, &ep) ? -1 : 0;
}

/* What every datapath test starts from: no flow, no counted port, and the
 * published ports 8080/tcp and 5353/udp on every address, 7070/tcp on
 * 127.0.0.1, nothing else. */
static void fresh(void)
{
	ct_clear(FX_MAP(&fp, eb_ct_tcp));
	ct_clear(FX_MAP(&fp, eb_ct_other));
	fx_map_clear(FX_MAP(&fp, eb_pub_ports), sizeof(struct eb_pub_key));
	fx_map_clear(FX_MAP(&fp, eb_pub_stats), sizeof(struct eb_pub_key));
	if (publish(0, 8080, IPPROTO_TCP, 80) || publish(0, 5353, IPPROTO_UDP, 53) ||
	    publish(fx_ip("127.0.0.1"), 7070, IPPROTO_TCP, 80))
		ASSERT_TRUE(0, "the published ports written");
}

/* The outside's SYN to SNAT_IP:8080 from port sport, as a flow's start. */
static int syn_from_outside(uint16_t sport)
{
	struct __sk_buff cb;
	struct pkt in, out;

	mkpkt(&in, up_mac, rtr_mac, IPPROTO_TCP, CLIENT_IP, sport, SNAT_IP, 8080, 0x02, false);
	return run(fp.pu, up_ifindex, &in, &out, &cb);
}

/* ---- datapath tests ---- */

/* The outside's SYN to SNAT_IP:8080: DNAT to the container, source kept. */
static void test_tcp_dnat(void)
{
	int tcp = FX_MAP(&fp, eb_ct_tcp);
	struct eb_ct_key k1 = ctkey(CTR_IP, 80, CLIENT_IP, 40000, IPPROTO_TCP);
	struct eb_ct_key k2 = ctkey(CLIENT_IP, 40000, SNAT_IP, 8080, IPPROTO_TCP);
	struct eb_ct_entry e;
	struct __sk_buff cb;
	struct pkt in, out;
	struct iphdr *iph;
	int ret;

	fresh();
	mkpkt(&in, up_mac, rtr_mac, IPPROTO_TCP, CLIENT_IP, 40000, SNAT_IP, 8080, 0x02, false);
	ASSERT_EQ(ip_csum_check(pkt_ip(&in)), 0, "tcp dnat: the test's own IP checksum");
	ASSERT_EQ(l4_csum_check(pkt_ip(&in)), 0, "tcp dnat: the test's own TCP checksum");
	ret = run(fp.pu, up_ifindex, &in, &out, &cb);
	ASSERT_EQ(ret, TC_ACT_REDIRECT, "tcp dnat: SYN to a published port is redirected");
	ASSERT_EQ(cb.cb[EB_CB_TARGET], ctr_ifindex, "tcp dnat: into the container's port");
	ASSERT_EQ(cb.cb[EB_CB_DECISION], EB_CNT_DNAT_IN, "tcp dnat: decision DNAT_IN");
	ASSERT_EQ(out.len, in.len, "tcp dnat: length unchanged");
	iph = pkt_ip(&out);
	ASSERT_EQ(iph->daddr, fx_ip(CTR_IP), "tcp dnat: destination is the container");
	ASSERT_EQ(pkt_dport(&out), 80, "tcp dnat: destination port is the container's");
	ASSERT_EQ(iph->saddr, fx_ip(CLIENT_IP), "tcp dnat: source address kept (the client's)");
	ASSERT_EQ(pkt_sport(&out), 40000, "tcp dnat: source port kept");
	ASSERT_EQ(ip_csum_check(iph), 0, "tcp dnat: IP checksum verifies");
	ASSERT_EQ(l4_csum_check(iph), 0, "tcp dnat: TCP checksum verifies");
	ASSERT_TRUE(!memcmp(out.buf, ctr_mac, 6), "tcp dnat: destination MAC is the container's");
	ASSERT_TRUE(!memcmp(out.buf + 6, port_mac, 6), "tcp dnat: source MAC is its port's");
	/* seq, ack, offset, flags, window; then urgent pointer and payload. */
	ASSERT_TRUE(!memcmp(out.buf + ETH_HLEN + 20 + 4, in.buf + ETH_HLEN + 20 + 4, 12) &&
			    !memcmp(out.buf + ETH_HLEN + 20 + 18, in.buf + ETH_HLEN + 20 + 18,
				    in.len - (ETH_HLEN + 20 + 18)),
		    "tcp dnat: the rest of the TCP header and the payload unchanged");

	ASSERT_EQ(ct_count(tcp, -1), 2, "tcp dnat: two conntrack entries");
	if (ASSERT_EQ(bpf_map_lookup_elem(tcp, &k2, &e), 0, "tcp dnat: outside-side entry")) {
		ASSERT_EQ(e.kind, EB_CT_DNAT_OUT, "tcp dnat: outside-side kind");
		ASSERT_EQ(e.xaddr, fx_ip(CTR_IP), "tcp dnat: outside-side rewrites to the container");
		ASSERT_EQ(ntohs(e.xport), 80, "tcp dnat: outside-side port 80");
		ASSERT_EQ(e.ifindex, ctr_ifindex, "tcp dnat: outside-side port ifindex");
		ASSERT_TRUE(!memcmp(&e.peer, &k1, sizeof(k1)), "tcp dnat: outside-side peer key");
	}
	if (ASSERT_EQ(bpf_map_lookup_elem(tcp, &k1, &e), 0, "tcp dnat: container-side entry")) {
		ASSERT_EQ(e.kind, EB_CT_DNAT_CTR, "tcp dnat: container-side kind");
		ASSERT_EQ(e.xaddr, fx_ip(SNAT_IP), "tcp dnat: container-side source back to the host");
		ASSERT_EQ(ntohs(e.xport), 8080, "tcp dnat: container-side port 8080");
		ASSERT_TRUE(!memcmp(&e.peer, &k2, sizeof(k2)), "tcp dnat: container-side peer key");
	}
	ASSERT_EQ(pub_conns(0, 8080, IPPROTO_TCP), 1, "tcp dnat: published entry counts a flow");
}

/* Segments other than a bare SYN start no flow; a flow's ACK goes on. */
static void test_tcp_nosyn(void)
{
	static const struct {
		uint8_t flags;
		const char *what;
	} cases[] = {
		{ 0x10, "ACK" }, { 0x18, "PSH|ACK" }, { 0x12, "SYN|ACK" },
		{ 0x04, "RST" }, { 0x06, "SYN|RST" }, { 0x11, "FIN|ACK" },
	};
	int tcp = FX_MAP(&fp, eb_ct_tcp);
	struct __sk_buff cb;
	struct pkt in, out;
	int before, ret;
	char what[96];

	fresh();
	syn_from_outside(40000); /* the flow whose ACK goes on below */
	before = ct_count(tcp, -1);

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		mkpkt(&in, up_mac, rtr_mac, IPPROTO_TCP, CLIENT_IP, 40001, SNAT_IP, 8080,
		      cases[i].flags, false);
		ret = run(fp.pu, up_ifindex, &in, &out, &cb);
		snprintf(what, sizeof(what), "tcp %s with no flow to a published port: dropped",
			 cases[i].what);
		ASSERT_EQ(ret, TC_ACT_SHOT, what);
		snprintf(what, sizeof(what), "tcp %s with no flow: counted as DROP_NO_CT",
			 cases[i].what);
		ASSERT_EQ(cb.cb[EB_CB_DECISION], EB_CNT_DROP_NO_CT, what);
	}
	ASSERT_EQ(ct_count(tcp, -1), before, "tcp no-SYN: no conntrack entry made");

	/* The flow started above goes on with an ACK. */
	mkpkt(&in, up_mac, rtr_mac, IPPROTO_TCP, CLIENT_IP, 40000, SNAT_IP, 8080, 0x10, false);
	ret = run(fp.pu, up_ifindex, &in, &out, &cb);
	ASSERT_EQ(ret, TC_ACT_REDIRECT, "tcp: ACK of the flow is redirected");
	ASSERT_EQ(pkt_ip(&out)->daddr, fx_ip(CTR_IP), "tcp: ACK of the flow goes to the container");
	ASSERT_EQ(pkt_dport(&out), 80, "tcp: ACK of the flow to port 80");
	ASSERT_EQ(ip_csum_check(pkt_ip(&out)), 0, "tcp: ACK of the flow, IP checksum");
	ASSERT_EQ(l4_csum_check(pkt_ip(&out)), 0, "tcp: ACK of the flow, TCP checksum");
}

/* The container's SYN-ACK of a published flow goes out as SNAT_IP:8080,
 * not SNATed anew. */
static void test_tcp_reverse(void)
{
	int tcp = FX_MAP(&fp, eb_ct_tcp);
	struct __sk_buff cb;
	struct pkt in, out;
	struct iphdr *iph;
	int ret;

	fresh();
	syn_from_outside(40000); /* the client's SYN, DNATed in */
	mkpkt(&in, port_mac, ctr_mac, IPPROTO_TCP, CTR_IP, 80, CLIENT_IP, 40000, 0x12, false);
	ret = run(fp.pc, ctr_ifindex, &in, &out, &cb);
	ASSERT_EQ(ret, TC_ACT_REDIRECT, "tcp reverse: the reply is redirected");
	ASSERT_EQ(cb.cb[EB_CB_TARGET], up_ifindex, "tcp reverse: out of the uplink");
	iph = pkt_ip(&out);
	ASSERT_EQ(iph->saddr, fx_ip(SNAT_IP), "tcp reverse: source is the host's address");
	ASSERT_EQ(pkt_sport(&out), 8080, "tcp reverse: source port is the published port");
	ASSERT_EQ(iph->daddr, fx_ip(CLIENT_IP), "tcp reverse: destination unchanged");
	ASSERT_EQ(pkt_dport(&out), 40000, "tcp reverse: destination port unchanged");
	ASSERT_EQ(ip_csum_check(iph), 0, "tcp reverse: IP checksum verifies");
	ASSERT_EQ(l4_csum_check(iph), 0, "tcp reverse: TCP checksum verifies");
	ASSERT_TRUE(!memcmp(out.buf, rtr_mac, 6), "tcp reverse: to the router's MAC");
	ASSERT_TRUE(!memcmp(out.buf + 6, up_mac, 6), "tcp reverse: from the uplink's MAC");
	ASSERT_EQ(ct_count(tcp, -1), 2, "tcp reverse: no new conntrack entry (no second NAT)");
	ASSERT_EQ(ct_count(tcp, EB_CT_SNAT_CTR), 0, "tcp reverse: no SNAT binding made");
}

/* UDP both ways, with a checksum and with none (0 stays 0). */
static void test_udp(void)
{
	int other = FX_MAP(&fp, eb_ct_other);
	struct eb_ct_key k1 = ctkey(CTR_IP, 53, CLIENT_IP, 41000, IPPROTO_UDP);
	struct eb_ct_key k2 = ctkey(CLIENT_IP, 41000, SNAT_IP, 5353, IPPROTO_UDP);
	struct eb_ct_entry e;
	struct __sk_buff cb;
	struct pkt in, out;
	struct iphdr *iph;
	int ret;

	fresh();
	mkpkt(&in, up_mac, rtr_mac, IPPROTO_UDP, CLIENT_IP, 41000, SNAT_IP, 5353, 0, false);
	ASSERT_EQ(l4_csum_check(pkt_ip(&in)), 0, "udp dnat: the test's own UDP checksum");
	ret = run(fp.pu, up_ifindex, &in, &out, &cb);
	ASSERT_EQ(ret, TC_ACT_REDIRECT, "udp dnat: datagram to a published port is redirected");
	ASSERT_EQ(cb.cb[EB_CB_TARGET], ctr_ifindex, "udp dnat: into the container's port");
	iph = pkt_ip(&out);
	ASSERT_EQ(iph->daddr, fx_ip(CTR_IP), "udp dnat: destination is the container");
	ASSERT_EQ(pkt_dport(&out), 53, "udp dnat: destination port is the container's");
	ASSERT_EQ(iph->saddr, fx_ip(CLIENT_IP), "udp dnat: source address kept");
	ASSERT_EQ(pkt_sport(&out), 41000, "udp dnat: source port kept");
	ASSERT_EQ(ip_csum_check(iph), 0, "udp dnat: IP checksum verifies");
	ASSERT_EQ(l4_csum_check(iph), 0, "udp dnat: UDP checksum verifies");
	ASSERT_TRUE(pkt_udp_csum(&out) != 0, "udp dnat: UDP checksum not zero");
	ASSERT_EQ(ct_count(other, -1), 2, "udp dnat: two conntrack entries");
	if (ASSERT_EQ(bpf_map_lookup_elem(other, &k2, &e), 0, "udp dnat: outside-side entry"))
		ASSERT_EQ(e.kind, EB_CT_DNAT_OUT, "udp dnat: outside-side kind");
	if (ASSERT_EQ(bpf_map_lookup_elem(other, &k1, &e), 0, "udp dnat: container-side entry"))
		ASSERT_EQ(e.kind, EB_CT_DNAT_CTR, "udp dnat: container-side kind");

	mkpkt(&in, port_mac, ctr_mac, IPPROTO_UDP, CTR_IP, 53, CLIENT_IP, 41000, 0, false);
	ret = run(fp.pc, ctr_ifindex, &in, &out, &cb);
	ASSERT_EQ(ret, TC_ACT_REDIRECT, "udp reverse: the reply is redirected");
	ASSERT_EQ(cb.cb[EB_CB_TARGET], up_ifindex, "udp reverse: out of the uplink");
	iph = pkt_ip(&out);
	ASSERT_EQ(iph->saddr, fx_ip(SNAT_IP), "udp reverse: source is the host's address");
	ASSERT_EQ(pkt_sport(&out), 5353, "udp reverse: source port is the published port");
	ASSERT_EQ(iph->daddr, fx_ip(CLIENT_IP), "udp reverse: destination unchanged");
	ASSERT_EQ(pkt_dport(&out), 41000, "udp reverse: destination port unchanged");
	ASSERT_EQ(ip_csum_check(iph), 0, "udp reverse: IP checksum verifies");
	ASSERT_EQ(l4_csum_check(iph), 0, "udp reverse: UDP checksum verifies");
	ASSERT_EQ(ct_count(other, -1), 2, "udp reverse: no new conntrack entry");

	/* A datagram without a checksum (0) keeps none. */
	mkpkt(&in, up_mac, rtr_mac, IPPROTO_UDP, CLIENT_IP, 41001, SNAT_IP, 5353, 0, true);
	ret = run(fp.pu, up_ifindex, &in, &out, &cb);
	ASSERT_EQ(ret, TC_ACT_REDIRECT, "udp dnat, no checksum: redirected");
	ASSERT_EQ(pkt_ip(&out)->daddr, fx_ip(CTR_IP), "udp dnat, no checksum: to the container");
	ASSERT_EQ(pkt_udp_csum(&out), 0, "udp dnat, no checksum: stays 0");
	ASSERT_EQ(ip_csum_check(pkt_ip(&out)), 0, "udp dnat, no checksum: IP checksum verifies");
	mkpkt(&in, port_mac, ctr_mac, IPPROTO_UDP, CTR_IP, 53, CLIENT_IP, 41001, 0, true);
	ret = run(fp.pc, ctr_ifindex, &in, &out, &cb);
	ASSERT_EQ(ret, TC_ACT_REDIRECT, "udp reverse, no checksum: redirected");
	ASSERT_EQ(pkt_sport(&out), 5353, "udp reverse, no checksum: source port published");
	ASSERT_EQ(pkt_udp_csum(&out), 0, "udp reverse, no checksum: stays 0");
	ASSERT_EQ(ip_csum_check(pkt_ip(&out)), 0, "udp reverse, no checksum: IP checksum");
}

/* Not published, or published elsewhere: left to the host, untouched. */
static void test_unpublished(void)
{
	static const struct {
		uint8_t proto;
		const char *dst;
		uint16_t dport;
		const char *what;
	} cases[] = {
		{ IPPROTO_TCP, SNAT_IP, 9999, "tcp SYN to an unpublished port" },
		{ IPPROTO_UDP, SNAT_IP, 9999, "udp to an unpublished port" },
		{ IPPROTO_UDP, SNAT_IP, 8080, "udp to a port published for tcp only" },
		{ IPPROTO_TCP, SNAT_IP, 5353, "tcp SYN to a port published for udp only" },
		{ IPPROTO_TCP, SNAT_IP, 7070, "tcp SYN at the host's address to a 127.0.0.1 port" },
		{ IPPROTO_TCP, "198.51.100.77", 8080, "tcp SYN to another address" },
	};
	int tcp = FX_MAP(&fp, eb_ct_tcp), other = FX_MAP(&fp, eb_ct_other);
	struct __sk_buff cb;
	struct pkt in, out;
	char what[128];
	int ret, n;

	fresh();
	n = ct_count(tcp, -1) + ct_count(other, -1);

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		mkpkt(&in, up_mac, rtr_mac, cases[i].proto, CLIENT_IP, 42000, cases[i].dst,
		      cases[i].dport, 0x02, false);
		ret = run(fp.pu, up_ifindex, &in, &out, &cb);
		snprintf(what, sizeof(what), "%s: TC_ACT_UNSPEC (left to the host)", cases[i].what);
		ASSERT_EQ(ret, TC_ACT_UNSPEC, what);
		snprintf(what, sizeof(what), "%s: packet unchanged", cases[i].what);
		ASSERT_TRUE(out.len == in.len && !memcmp(out.buf, in.buf, in.len), what);
		snprintf(what, sizeof(what), "%s: decision UPLINK_PASS", cases[i].what);
		ASSERT_EQ(cb.cb[EB_CB_DECISION], EB_CNT_UPLINK_PASS, what);
	}
	ASSERT_EQ(ct_count(tcp, -1) + ct_count(other, -1), n, "unpublished: no conntrack entry");
}

/*
 * A port published on 127.0.0.1 is the host's only. A neighbour on the
 * uplink's segment can send a frame to the host's MAC with destination
 * 127.0.0.1 (moby issue 45610, CVE-2020-8558): it must not reach the
 * container.
 */
static void test_loopback_from_outside(void)
{
	int tcp = FX_MAP(&fp, eb_ct_tcp);
	struct __sk_buff cb;
	struct pkt in, out;
	int ret, n;

	fresh();
	n = ct_count(tcp, -1);
	mkpkt(&in, up_mac, rtr_mac, IPPROTO_TCP, ROUTER_IP, 45610, "127.0.0.1", 7070, 0x02, false);
	ret = run(fp.pu, up_ifindex, &in, &out, &cb);
	ASSERT_TRUE(ret == TC_ACT_UNSPEC || ret == TC_ACT_SHOT,
		    "SYN from the uplink to 127.0.0.1:7070 (published on 127.0.0.1) is not "
		    "delivered to the container (moby 45610)");
	ASSERT_TRUE(pkt_ip(&out)->daddr != fx_ip(CTR_IP),
		    "SYN from the uplink to 127.0.0.1:7070: destination not rewritten");
	ASSERT_EQ(ct_count(tcp, -1), n, "SYN from the uplink to 127.0.0.1:7070: no flow made");
	ASSERT_EQ(pub_conns(fx_ip("127.0.0.1"), 7070, IPPROTO_TCP), 0,
		  "SYN from the uplink to 127.0.0.1:7070: no connection counted");
}


/* Packets from outside count under the key the port was published with:
 * on every address (host_ip 0) or on the host's address only. The flow's
 * outside-side entry remembers which. */
/* Packets of a per-CPU eb_counter_val map's entry, summed over the CPUs. */
static uint64_t port_stat(uint32_t host_ip, uint16_t hport, uint8_t proto)
{
	struct eb_pub_key k;

	memset(&k, 0, sizeof(k));
	k.host_ip = host_ip;
	k.host_port = hport;
	k.proto = proto;
	return fx_percpu_packets(FX_MAP(&fp, eb_pub_stats), &k);
}

static void test_port_counters(void)
{
	int tcp = FX_MAP(&fp, eb_ct_tcp);
	struct eb_ct_key k2 = ctkey(CLIENT_IP, 47001, SNAT_IP, 9090, IPPROTO_TCP);
	struct eb_ct_entry e;
	struct __sk_buff cb;
	struct pkt in, out;
	uint64_t any0, addr0;

	fresh();
	if (!ASSERT_EQ(publish(fx_ip(SNAT_IP), 9090, IPPROTO_TCP, 80), 0,
		       "port counters: 9090 published on the host's address only"))
		return;
	any0 = port_stat(0, 8080, IPPROTO_TCP);
	addr0 = port_stat(fx_ip(SNAT_IP), 9090, IPPROTO_TCP);
	/* A flow to each: SYN, then an ACK (the established path). */
	mkpkt(&in, up_mac, rtr_mac, IPPROTO_TCP, CLIENT_IP, 47000, SNAT_IP, 8080, 0x02, false);
	run(fp.pu, up_ifindex, &in, &out, &cb);
	mkpkt(&in, up_mac, rtr_mac, IPPROTO_TCP, CLIENT_IP, 47000, SNAT_IP, 8080, 0x10, false);
	ASSERT_EQ(run(fp.pu, up_ifindex, &in, &out, &cb), TC_ACT_REDIRECT,
		  "port counters: ACK to 8080 delivered");
	mkpkt(&in, up_mac, rtr_mac, IPPROTO_TCP, CLIENT_IP, 47001, SNAT_IP, 9090, 0x02, false);
	run(fp.pu, up_ifindex, &in, &out, &cb);
	mkpkt(&in, up_mac, rtr_mac, IPPROTO_TCP, CLIENT_IP, 47001, SNAT_IP, 9090, 0x10, false);
	ASSERT_EQ(run(fp.pu, up_ifindex, &in, &out, &cb), TC_ACT_REDIRECT,
		  "port counters: ACK to 9090 delivered");
	ASSERT_EQ(port_stat(0, 8080, IPPROTO_TCP) - any0, 2,
		  "port counters: 8080 (every address) counts SYN and ACK under host_ip 0");
	ASSERT_EQ(port_stat(fx_ip(SNAT_IP), 9090, IPPROTO_TCP) - addr0, 2,
		  "port counters: 9090 (host address) counts SYN and ACK under that address");
	ASSERT_EQ(port_stat(0, 9090, IPPROTO_TCP), 0, "port counters: nothing under 0:9090");
	ASSERT_EQ(port_stat(fx_ip(SNAT_IP), 8080, IPPROTO_TCP), 0,
		  "port counters: nothing under SNAT_IP:8080");
	if (ASSERT_EQ(bpf_map_lookup_elem(tcp, &k2, &e), 0, "port counters: 9090's flow entry"))
		ASSERT_EQ(e.pub_key, EB_CT_PUB_ADDR, "port counters: the entry says: by address");
	/* An entry of an older build (pub_key 0) is counted by a lookup. */
	e.pub_key = 0;
	bpf_map_update_elem(tcp, &k2, &e, BPF_EXIST);
	ASSERT_EQ(run(fp.pu, up_ifindex, &in, &out, &cb), TC_ACT_REDIRECT,
		  "port counters: ACK of an older entry delivered");
	ASSERT_EQ(port_stat(fx_ip(SNAT_IP), 9090, IPPROTO_TCP) - addr0, 3,
		  "port counters: ...and counted under the address it was published on");
}

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

/* ---- eb_parse_port_spec ---- */

static void test_spec_good(void)
{
	static const struct {
		const char *s;
		bool with_ctr;
		const char *host_ip;
		uint16_t hlo, hhi, clo, chi;
		uint8_t proto;
		const char *ctr;
	} good[] = {
		{ "8080:web:80", true, "0.0.0.0", 8080, 8080, 80, 80, 6, "web" },
		{ "8080:web:80/tcp", true, "0.0.0.0", 8080, 8080, 80, 80, 6, "web" },
		{ "5353:dns:53/udp", true, "0.0.0.0", 5353, 5353, 53, 53, 17, "dns" },
		{ "127.0.0.1:7070:web:80", true, "127.0.0.1", 7070, 7070, 80, 80, 6, "web" },
		{ "198.51.100.1:443:web-1:8443/tcp", true, "198.51.100.1", 443, 443, 8443, 8443, 6,
		  "web-1" },
		{ "9000-9009:web:9000-9009", true, "0.0.0.0", 9000, 9009, 9000, 9009, 6, "web" },
		{ "20000-29999:web:20000-29999", true, "0.0.0.0", 20000, 29999, 20000, 29999, 6,
		  "web" },
		{ "9000-9009:web:19000-19009/udp", true, "0.0.0.0", 9000, 9009, 19000, 19009, 17,
		  "web" },
		{ "1:a:65535", true, "0.0.0.0", 1, 1, 65535, 65535, 6, "a" },
		{ "65535:a:1", true, "0.0.0.0", 65535, 65535, 1, 1, 6, "a" },
		{ "1-65535:a:1-65535", true, "0.0.0.0", 1, 65535, 1, 65535, 6, "a" },
		{ "80-80:web:8080-8080", true, "0.0.0.0", 80, 80, 8080, 8080, 6, "web" },
		{ "8080", false, "0.0.0.0", 8080, 8080, 0, 0, 6, NULL },
		{ "8080/udp", false, "0.0.0.0", 8080, 8080, 0, 0, 17, NULL },
		{ "127.0.0.1:7070", false, "127.0.0.1", 7070, 7070, 0, 0, 6, NULL },
		{ "9000-9009/tcp", false, "0.0.0.0", 9000, 9009, 0, 0, 6, NULL },
	};
	struct eb_pub_spec sp;
	char why[160], what[320];

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		int r;

		memset(why, 0, sizeof(why));
		r = eb_parse_port_spec(good[i].s, good[i].with_ctr, &sp, why, sizeof(why));
		snprintf(what, sizeof(what), "spec '%s' (%s) parses: %s", good[i].s,
			 good[i].with_ctr ? "publish" : "unpublish", why);
		if (!ASSERT_EQ(r, 0, what))
			continue;
		snprintf(what, sizeof(what), "spec '%s': host address", good[i].s);
		ASSERT_EQ(sp.host_ip, fx_ip(good[i].host_ip), what);
		snprintf(what, sizeof(what), "spec '%s': host ports", good[i].s);
		ASSERT_EQ(sp.hport_lo << 16 | sp.hport_hi, good[i].hlo << 16 | good[i].hhi, what);
		snprintf(what, sizeof(what), "spec '%s': protocol", good[i].s);
		ASSERT_EQ(sp.proto, good[i].proto, what);
		if (good[i].with_ctr) {
			snprintf(what, sizeof(what), "spec '%s': container ports", good[i].s);
			ASSERT_EQ(sp.cport_lo << 16 | sp.cport_hi, good[i].clo << 16 | good[i].chi,
				  what);
			snprintf(what, sizeof(what), "spec '%s': container name", good[i].s);
			ASSERT_TRUE(!strcmp(sp.ctr, good[i].ctr), what);
		}
	}
}

static void test_spec_bad(void)
{
	static const struct {
		const char *s;
		bool with_ctr;
		const char *why; /* a word the reason must contain */
	} bad[] = {
		{ "0:web:80", true, "host port" },
		{ "65536:web:80", true, "host port" },
		{ "8080:web:0", true, "container port" },
		{ "8080:web:65536", true, "container port" },
		{ "90-80:web:90-80", true, "reversed" },
		{ "80-90:web:90-80", true, "reversed" },
		{ "80-81:web:80-82", true, "unequal" },
		{ "80-82:web:80", true, "unequal" },
		{ "8080:web:80/sctp", true, "sctp" },
		{ "8080:web:80/", true, "protocol" },
		{ "8080:web:80/TCP", true, "protocol" },
		{ ":::", true, "" },
		{ "abc:web:80", true, "" },
		{ "8080:web", true, "" },
		{ "8080", true, "" },
		{ "", true, "" },
		{ "8080:web:80:90", true, "" },
		{ "1.2.3.4:8080:web:80:1", true, "" },
		{ "999.1.1.1:8080:web:80", true, "address" },
		{ "localhost:8080:web:80", true, "address" },
		{ "8080::80", true, "container" },
		{ "8080:-web:80", true, "container" },
		{ "8080:we b:80", true, "container" },
		{ "8080:a2345678901234567890123456789012:80", true, "container" },
		{ "-8080:web:80", true, "" },
		{ "8080-:web:80", true, "" },
		{ "80-81-82:web:80-81-82", true, "" },
		{ "+80:web:80", true, "" },
		{ " 80:web:80", true, "" },
		{ "0x50:web:80", true, "" },
		{ "0", false, "host port" },
		{ "65536", false, "host port" },
		{ "90-80", false, "reversed" },
		{ "8080/sctp", false, "sctp" },
		{ "8080:web:80", false, "" },
		{ "abc", false, "" },
		{ "", false, "" },
	};
	struct eb_pub_spec sp;
	char why[160], what[320];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int r;

		why[0] = 0;
		r = eb_parse_port_spec(bad[i].s, bad[i].with_ctr, &sp, why, sizeof(why));
		snprintf(what, sizeof(what), "spec '%s' (%s) is refused", bad[i].s,
			 bad[i].with_ctr ? "publish" : "unpublish");
		ASSERT_EQ(r, -EINVAL, what);
		snprintf(what, sizeof(what), "spec '%s': the reason ('%s') names '%s'", bad[i].s,
			 why, bad[i].why);
		ASSERT_TRUE(why[0] && strstr(why, bad[i].why), what);
	}
	/* Longer than the parser's buffer. */
	{
		char longs[300];

		memset(longs, '1', sizeof(longs) - 1);
		longs[sizeof(longs) - 1] = 0;
		ASSERT_EQ(eb_parse_port_spec(longs, true, &sp, why, sizeof(why)), -EINVAL,
			  "a 299-character spec is refused");
	}
}

/* IPv6 host addresses in brackets. */
static void test_spec_v6(void)
{
	static const struct {
		const char *s;
		bool with_ctr;
		const char *host; /* NULL: refused */
		uint16_t hlo, hhi, clo;
		uint8_t proto;
		const char *why; /* refused: a word the reason must contain */
	} cases[] = {
		{ "[::1]:8080:web:80", true, "::1", 8080, 8080, 80, 6, NULL },
		{ "[2001:db8::1]:9000-9009:web:19000-19009/udp", true, "2001:db8::1", 9000, 9009, 19000,
		  17, NULL },
		{ "[fd00:96:1::2]:1:a:65535", true, "fd00:96:1::2", 1, 1, 65535, 6, NULL },
		{ "[::1]:7070", false, "::1", 7070, 7070, 0, 6, NULL },
		{ "[2001:db8::1]:53/udp", false, "2001:db8::1", 53, 53, 0, 17, NULL },
		{ "[::1", true, NULL, 0, 0, 0, 0, "unclosed" },
		{ "[::1", false, NULL, 0, 0, 0, 0, "unclosed" },
		{ "[zz::1]:80:c:80", true, NULL, 0, 0, 0, 0, "invalid IPv6 host address 'zz::1'" },
		{ "[1.2.3.4]:80:c:80", true, NULL, 0, 0, 0, 0, "invalid IPv6" },
		{ "[]:80:c:80", true, NULL, 0, 0, 0, 0, "invalid IPv6" },
		{ "[::]:80:c:80", true, NULL, 0, 0, 0, 0, "every address" },
		{ "[::ffff:10.0.0.1]:80:c:80", true, NULL, 0, 0, 0, 0, "IPv4" },
		{ "[fe80::1]:80:c:80", true, NULL, 0, 0, 0, 0, "link-local" },
		{ "[ff02::1]:80:c:80", true, NULL, 0, 0, 0, 0, "multicast" },
		{ "::1:80:c:80", true, NULL, 0, 0, 0, 0, "brackets" },
		{ "[::1]80:c:80", true, NULL, 0, 0, 0, 0, "after [::1]" },
		{ "[::1]:c:80", true, NULL, 0, 0, 0, 0, "want [IPV6ADDR]" },
		{ "[::1]:80:c:80:1", true, NULL, 0, 0, 0, 0, "" },
		{ "[::1]:80:c", false, NULL, 0, 0, 0, 0, "want [IPV6ADDR]" },
		{ "[::1]:0:c:80", true, NULL, 0, 0, 0, 0, "host port" },
		{ "[::1]:80:c:80/sctp", true, NULL, 0, 0, 0, 0, "sctp" },
	};
	struct eb_pub_spec sp;
	char why[160], what[320];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint8_t want[16];
		int r;

		why[0] = 0;
		r = eb_parse_port_spec(cases[i].s, cases[i].with_ctr, &sp, why, sizeof(why));
		if (!cases[i].host) {
			snprintf(what, sizeof(what), "spec '%s' is refused", cases[i].s);
			ASSERT_EQ(r, -EINVAL, what);
			snprintf(what, sizeof(what), "spec '%s': the reason ('%s') names '%s'",
				 cases[i].s, why, cases[i].why);
			ASSERT_TRUE(why[0] && strstr(why, cases[i].why), what);
			continue;
		}
		snprintf(what, sizeof(what), "spec '%s' parses: %s", cases[i].s, why);
		if (!ASSERT_EQ(r, 0, what))
			continue;
		inet_pton(AF_INET6, cases[i].host, want);
		snprintf(what, sizeof(what), "spec '%s': an IPv6 host address, %s", cases[i].s,
			 cases[i].host);
		ASSERT_TRUE(sp.v6 && sp.host_ip == 0 && !memcmp(sp.host_ip6, want, 16), what);
		snprintf(what, sizeof(what), "spec '%s': host ports", cases[i].s);
		ASSERT_EQ(sp.hport_lo << 16 | sp.hport_hi, cases[i].hlo << 16 | cases[i].hhi, what);
		snprintf(what, sizeof(what), "spec '%s': protocol", cases[i].s);
		ASSERT_EQ(sp.proto, cases[i].proto, what);
		snprintf(what, sizeof(what), "spec '%s': container port", cases[i].s);
		ASSERT_EQ(sp.cport_lo, cases[i].clo, what);
	}
	/* An IPv4 spec says nothing of IPv6. */
	eb_parse_port_spec("127.0.0.1:80:c:80", true, &sp, why, sizeof(why));
	ASSERT_TRUE(!sp.v6, "an IPv4 spec is not v6");
}

int main(void)
{
	test_spec_good();
	test_spec_bad();
	test_spec_v6();

	if (geteuid() != 0) {
		SKIP("datapath tests need root (BPF, a private network namespace)");
		return eb_check_done();
	}
	if (!ASSERT_EQ(setup_net(), 0, "private namespace with a container port and an uplink") ||
	    !ASSERT_EQ(setup_progs(), 0, "uplink and container programs load, maps shared") ||
	    !ASSERT_EQ(setup_maps(), 0, "config, endpoint and published ports written"))
		goto out;
	test_tcp_dnat();
	test_tcp_nosyn();
	test_tcp_reverse();
	test_udp();
	test_unpublished();
	test_loopback_from_outside();
	test_port_counters();
	test_xdp_tcp();
	test_xdp_partial();
	test_xdp_udp();
	test_xdp_snat_reply();
out:
	fx_unload(&fp);
	return eb_check_done();
}
