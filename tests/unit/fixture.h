/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The one fixture of the unit tests (fixture.c, fixture_net.c,
 * fixture_bpf.c, linked into every test binary). A test that runs the real programs through BPF_PROG_TEST_RUN:
 *
 *   topology  fx_netns() enters a private network namespace (unshare), and
 *             fx_veth/fx_addr/fx_route/fx_neigh (fx_addr6/fx_route6/fx_neigh6
 *             for IPv6, fx_mtu) make its devices with libebnet's own
 *             netlink code (loader/nl*.c), as `ebnet up` does;
 *   programs  fx_load() loads container.bpf.o (and uplink.bpf.o,
 *             uplink_xdp.bpf.o) from the skeletons with nothing pinned, the
 *             maps shared between them as the pin folder shares them;
 *   maps      fx_config() is eb_config as `up` starts a network
 *             (eb_config_defaults), fx_config6_write its IPv6 settings,
 *             fx_put_ep/fx_put_fdb/fx_put_flood/fx_put_ip6/fx_put_pub write
 *             the records `up` and `publish` write;
 *   packets   one Internet checksum (fx_sum, fx_fold) with the IPv4 and
 *             IPv6 pseudo headers;
 *   reading   fx_run/fx_run_xdp (verdict, decision, target, copies, the
 *             output), fx_counter (eb_stats over the CPUs), fx_ctr_slot.
 *
 * fx_ports() builds on these the port set of test_l2.c, test_ndp.c and
 * golden.h. Every function returns 0 (or an fd, an ifindex) or a negative
 * errno, and says what failed on stderr.
 */
#ifndef EB_TEST_FIXTURE_H
#define EB_TEST_FIXTURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/bpf.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "ebnet_maps.h"
#include "container.skel.h"
#include "uplink.skel.h"
#include "uplink_xdp.skel.h"

/* An IPv4 address in network order; 0 for garbage. */
uint32_t fx_ip(const char *s);
/* An IPv6 address into out; all 0 for garbage. */
void fx_ip6(const char *s, uint8_t out[16]);

/* ---- topology: a private namespace, devices through loader/nl*.c ---- */

/* Enters a network namespace of this process's own, loopback up. */
int fx_netns(void);
/* A veth pair name/peer (mac NULL: the kernel's), both up; name's ifindex. */
int fx_veth(const char *name, const unsigned char *mac, const char *peer,
	    const unsigned char *peer_mac);
int fx_ifindex(const char *name);
/* A container port's device settings (eb_nl_link_port_conf): IPv4
 * forwarding on, which bpf_fib_lookup() needs on the ingress device. */
int fx_forwarding(int ifindex);
int fx_addr(int ifindex, const char *addr, int plen);
/* dst/plen (dst NULL: default) via gw (NULL: on-link) out of ifindex. */
int fx_route(const char *dst, int plen, const char *gw, int ifindex);
/* A blackhole route: libebnet makes none, so the fixture's own request. */
int fx_route_blackhole(const char *dst, int plen);
int fx_neigh(int ifindex, const char *addr, const unsigned char *mac);
/* IPv6: an address (no DAD), a route (dst NULL: default; gw NULL:
 * on-link), a permanent neighbour. */
int fx_addr6(int ifindex, const char *addr, int plen);
int fx_route6(const char *dst, int plen, const char *gw, int ifindex);
int fx_neigh6(int ifindex, const char *addr, const unsigned char *mac);
/* The device's MTU. */
int fx_mtu(int ifindex, unsigned int mtu);
/* Writes val into a /proc/sys file (of this namespace for net.*). */
int fx_sysctl(const char *path, const char *val);

/* ---- programs ---- */

struct fx_progs {
	struct container_bpf *c;
	struct uplink_bpf *u;	  /* NULL unless fx_load_opts.uplink */
	struct uplink_xdp_bpf *x; /* NULL unless fx_load_opts.xdp */
	int pc, pu, px;		  /* eb_from_container, eb_from_uplink, eb_xdp_uplink */
};

struct fx_load_opts {
	bool uplink, xdp;
	uint32_t ct_tcp_max, ct_other_max; /* max entries of the conntrack maps (IPv4 and
					    * IPv6, as `up` sizes them); 0: as built */
	uint32_t ct6_other_max;		   /* ...of eb_ct6_other alone, when not 0 */
};

/* Loads the programs, pinning nothing (a test leaves nothing under
 * /sys/fs/bpf and runs beside any real network). */
int fx_load(struct fx_progs *p, const struct fx_load_opts *o);
void fx_unload(struct fx_progs *p);
/* The fd of one of the shared maps: FX_MAP(p, eb_stats). */
#define FX_MAP(p, name) bpf_map__fd((p)->c->maps.name)
/* Is m pinned by name under /sys/fs/bpf (as the object would by default)? */
bool fx_map_pinned(const struct bpf_map *m);
/* One check per map of p's container object that it is not pinned (in a
 * test that includes check.h). */
#define FX_ASSERT_UNPINNED(p)                                                                      \
	do {                                                                                       \
		const struct bpf_map *__m;                                                         \
		bpf_object__for_each_map(__m, (p)->c->obj)                                         \
			ASSERT_TRUE(!fx_map_pinned(__m), "the test pinned no map");                \
	} while (0)

/* ---- maps ---- */

/* eb_config of a new network of subnet/plen as `ebnet up` starts it
 * (eb_config_defaults), conntrack sizes those of p's maps as loaded. */
void fx_config(struct eb_config *cfg, const char *subnet, int plen, const struct fx_progs *p);
/* ...with an uplink: its ifindex and MAC, the NAT address and port range. */
void fx_config_uplink(struct eb_config *cfg, int ifindex, const unsigned char *mac,
		      const char *snat_ip, uint16_t nat_min, uint16_t nat_max);
int fx_config_write(const struct fx_progs *p, const struct eb_config *cfg);
/* eb_config6 as `up --ipv6` writes it. */
int fx_config6_write(const struct fx_progs *p, const struct eb_config6 *c6);

/* A ready endpoint record as `up` leaves it (host_dev NULL: none). */
void fx_ep(struct eb_endpoint *ep, const char *ip, int ifindex, const unsigned char *mac,
	   const unsigned char *host_mac, const char *name, const char *host_dev, uint32_t slot);
/* The record into eb_endpoints and, with an ifindex, eb_ports. */
int fx_put_ep(const struct fx_progs *p, const struct eb_endpoint *ep);
/* The FDB entry of ep (its MAC to its port and slot), and its flood slot. */
int fx_put_fdb(const struct fx_progs *p, const struct eb_endpoint *ep);
int fx_put_flood(const struct fx_progs *p, uint32_t slot, uint32_t ifindex);
/* ep's IPv6 address addr in eb_ip6 (its port, slot, IPv4 address, MAC). */
int fx_put_ip6(const struct fx_progs *p, const uint8_t addr[16], const struct eb_endpoint *ep);
/* A published port: host_ip (0: every address):hport/proto to the
 * container ctr_ip:cport behind ifindex. */
int fx_put_pub(const struct fx_progs *p, uint32_t host_ip, uint16_t hport, uint8_t proto,
	       const char *ctr_ip, uint16_t cport, int ifindex, const char *name);

/* Entries of a hash map (keys of ksize bytes, at most 64); empties it. */
int fx_map_count(int fd, uint32_t ksize);
void fx_map_clear(int fd, uint32_t ksize);
struct eb_ct_key fx_ct_key(uint8_t proto, const char *src, uint16_t sport, const char *dst,
			   uint16_t dport);

/* ---- frames ---- */

/* An Ethernet header at p; its length (14). */
int fx_put_eth(unsigned char *p, const unsigned char *dst, const unsigned char *src,
	       uint16_t proto);

/* ---- checksums (RFC 1071) ---- */

/* Adds the 16-bit big-endian words of p[0..n) to s. */
uint32_t fx_sum(const void *p, size_t n, uint32_t s);
/* The checksum of a sum: folded and complemented (0 over correct data). */
uint16_t fx_fold(uint32_t s);
/* fx_fold(fx_sum(p, n, 0)). */
uint16_t fx_csum(const void *p, size_t n);
/* The sums of the pseudo headers: IPv4 at iph, IPv6 at ip6 (next header nh). */
uint32_t fx_pseudo4(const uint8_t *iph, uint32_t l4len);
uint32_t fx_pseudo6(const uint8_t *ip6, uint32_t l4len, uint8_t nh);

/* ---- running and reading ---- */

#define FX_OUT_MAX 4096

struct fx_result {
	int err;	   /* of bpf_prog_test_run_opts */
	uint32_t retval;   /* the verdict */
	uint32_t decision; /* skb->cb as the program left it (TC only) */
	uint32_t target;
	uint32_t copies;
	struct __sk_buff ctx;
	unsigned char out[FX_OUT_MAX];
	uint32_t out_len;
};

/* A TC program on a frame arriving on ifindex; gso_size > 0: a TCP GSO
 * packet (IPv4, no options) of that segment size. Returns r->err. */
int fx_run(int prog_fd, int ifindex, const void *frame, uint32_t len, uint32_t gso_size,
	   struct fx_result *r);
int fx_run_xdp(int prog_fd, int ifindex, const void *frame, uint32_t len, struct fx_result *r);

/* Packets of an eb_counter_val entry of a per-CPU map, over the CPUs. */
uint64_t fx_percpu_packets(int fd, const void *key);
/* Packets of counter idx (eb_stats). */
uint64_t fx_counter(const struct fx_progs *p, uint32_t idx);
/* A port slot's counters (eb_ctr_slots), over the CPUs. */
struct eb_ctr_counters fx_ctr_slot(const struct fx_progs *p, uint32_t slot);

/* ---- the port set (test_l2.c, test_ndp.c, golden.h) ---- */

#define FX_NPORTS    3 /* ports with a container: p0 p1 p2 (peers c0 c1 c2) */
#define FX_STRAY     3 /* p3: a device with no endpoint */
#define FX_SUBNET    "10.77.0.0"
#define FX_GATEWAY   "10.77.0.1"
#define FX_NOT_READY "10.77.0.9" /* an endpoint whose creation did not finish */

struct fx_ports {
	struct fx_progs p;
	int ifidx[FX_NPORTS + 1];
	struct eb_endpoint eps[FX_NPORTS];
};

/* A namespace (IPv6 off) with p0..p3, eb_from_container, the config, the
 * three containers (10.77.0.2-4, endpoints, FDB), the half-made endpoint
 * and the flood list (the three ports, a free slot, a stale ifindex). */
int fx_ports(struct fx_ports *pt);

#endif
