/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The world of the published-port tests (test_pub_dnat.c, test_pub_xdp.c):
 * packets with every checksum recomputed here from scratch, the maps, and
 * the setup each binary does in main().
 *
 * The fixture (fixture.h) loads the programs from the skeletons with
 * pinning off (nothing under /sys/fs/bpf is touched), their maps shared.
 * Each test binary runs in a private network namespace of its own, where it
 * makes the devices that the datapath needs to see: a container port (veth
 * ctr0) and an uplink (veth up0) with a route out, so that bpf_fib_lookup()
 * answers as on a real host. Each datapath test starts from the same maps
 * (fresh()): none depends on another having run before it.
 */
#ifndef EB_TEST_PUB_WORLD_H
#define EB_TEST_PUB_WORLD_H

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

/* Not every test file that includes this calls each helper. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-function"

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

/* The start of both datapath binaries' main(): root, the namespace, the
 * programs, the maps. False (said: skipped, or failed) when the tests
 * cannot run. */
static bool pub_world_ready(void)
{
	if (geteuid() != 0) {
		SKIP("datapath tests need root (BPF, a private network namespace)");
		return false;
	}
	return ASSERT_EQ(setup_net(), 0, "private namespace with a container port and an uplink") &&
	       ASSERT_EQ(setup_progs(), 0, "uplink and container programs load, maps shared") &&
	       ASSERT_EQ(setup_maps(), 0, "config, endpoint and published ports written");
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

#pragma GCC diagnostic pop

#endif
