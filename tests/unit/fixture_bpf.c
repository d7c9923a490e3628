// SPDX-License-Identifier: GPL-2.0
/*
 * The unit tests' fixture (see fixture.h), its part of BPF: loading the
 * programs from the skeletons with their maps shared, writing the records
 * (the config from eb_config_defaults(); the record writers are the
 * fixture's own because the loader's, ctx_put_ep and the FDB writes of
 * ctr_prepare, are steps of a whole `up` that take an eb_ctx of pinned maps
 * and a lock, not a map fd), frames, checksums, running a program
 * (BPF_PROG_TEST_RUN) and reading its counters.
 */
#include <errno.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <linux/rtnetlink.h>
#include <libmnl/libmnl.h>

#include "fixture.h"
#include "ebnet.h"
#include "nl.h"
#include "fixture_int.h"

/* ---- programs ---- */

static int quiet(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (level != LIBBPF_WARN && !getenv("EB_TEST_VERBOSE"))
		return 0;
	return vfprintf(stderr, fmt, ap);
}

/* Pins nothing; takes the container object's maps where they share a name
 * (.rodata, .bss and the like stay each object's own). */
static int share_maps(struct bpf_object *obj, const struct fx_progs *p)
{
	struct bpf_map *m;

	bpf_object__for_each_map(m, obj) {
		const char *name = bpf_map__name(m);
		struct bpf_map *cm;
		int err;

		bpf_map__set_pin_path(m, NULL);
		if (!p || strchr(name, '.'))
			continue;
		cm = bpf_object__find_map_by_name(p->c->obj, name);
		err = cm ? bpf_map__reuse_fd(m, bpf_map__fd(cm)) : 0;
		if (err)
			return fx_fail(err, "sharing map %s", name);
	}
	return 0;
}

/* Loads an object opened by its skeleton (s, NULL: the open failed) with
 * the maps of p's container object. */
static int load_shared(struct bpf_object_skeleton *s, const struct fx_progs *p, const char *what)
{
	int err;

	if (!s)
		return fx_fail(errno ? errno : ENOMEM, "opening %s", what);
	err = share_maps(*s->obj, p);
	if (!err && (err = bpf_object__load_skeleton(s)))
		return fx_fail(err, "loading %s", what);
	return err;
}

int fx_load(struct fx_progs *p, const struct fx_load_opts *o)
{
	static const struct fx_load_opts none;
	int err;

	if (!o)
		o = &none;
	memset(p, 0, sizeof(*p));
	p->pc = p->pu = p->px = -1;
	libbpf_set_print(quiet);
	p->c = container_bpf__open();
	if (!p->c)
		return fx_fail(errno, "opening container.bpf.o");
	share_maps(p->c->obj, NULL);
	/* The IPv6 maps take the same sizes, as `up` sizes them. */
	if (o->ct_tcp_max) {
		bpf_map__set_max_entries(p->c->maps.eb_ct_tcp, o->ct_tcp_max);
		bpf_map__set_max_entries(p->c->maps.eb_ct6_tcp, o->ct_tcp_max);
	}
	if (o->ct_other_max) {
		bpf_map__set_max_entries(p->c->maps.eb_ct_other, o->ct_other_max);
		bpf_map__set_max_entries(p->c->maps.eb_ct6_other, o->ct_other_max);
	}
	if (o->ct6_other_max)
		bpf_map__set_max_entries(p->c->maps.eb_ct6_other, o->ct6_other_max);
	err = container_bpf__load(p->c);
	if (err)
		return fx_fail(err, "loading container.bpf.o");
	p->pc = bpf_program__fd(p->c->progs.eb_from_container);
	if (o->uplink) {
		p->u = uplink_bpf__open();
		err = load_shared(p->u ? p->u->skeleton : NULL, p, "uplink.bpf.o");
		p->pu = err ? -1 : bpf_program__fd(p->u->progs.eb_from_uplink);
	}
	if (o->xdp && !err) {
		p->x = uplink_xdp_bpf__open();
		err = load_shared(p->x ? p->x->skeleton : NULL, p, "uplink_xdp.bpf.o");
		p->px = err ? -1 : bpf_program__fd(p->x->progs.eb_xdp_uplink);
	}
	return err;
}

void fx_unload(struct fx_progs *p)
{
	uplink_xdp_bpf__destroy(p->x);
	uplink_bpf__destroy(p->u);
	container_bpf__destroy(p->c);
	memset(p, 0, sizeof(*p));
	p->pc = p->pu = p->px = -1;
}

bool fx_map_pinned(const struct bpf_map *m)
{
	char path[256];

	snprintf(path, sizeof(path), "/sys/fs/bpf/%s", bpf_map__name(m));
	return access(path, F_OK) == 0;
}

/* ---- maps ---- */

void fx_config(struct eb_config *cfg, const char *subnet, int plen, const struct fx_progs *p)
{
	memset(cfg, 0, sizeof(*cfg));
	eb_config_defaults(cfg, fx_ip(subnet), plen, bpf_map__max_entries(p->c->maps.eb_ct_tcp),
			   bpf_map__max_entries(p->c->maps.eb_ct_other));
}

void fx_config_uplink(struct eb_config *cfg, int ifindex, const unsigned char *mac,
		      const char *snat_ip, uint16_t nat_min, uint16_t nat_max)
{
	cfg->uplink_ifindex = ifindex;
	memcpy(cfg->uplink_mac, mac, 6);
	cfg->snat_ip = fx_ip(snat_ip);
	cfg->nat_port_min = nat_min;
	cfg->nat_port_max = nat_max;
}

int fx_config_write(const struct fx_progs *p, const struct eb_config *cfg)
{
	uint32_t zero = 0;

	if (bpf_map_update_elem(FX_MAP(p, eb_config), &zero, cfg, BPF_ANY))
		return fx_fail(errno, "writing eb_config");
	return 0;
}

int fx_config6_write(const struct fx_progs *p, const struct eb_config6 *c6)
{
	uint32_t zero = 0;

	if (bpf_map_update_elem(FX_MAP(p, eb_config6), &zero, c6, BPF_ANY))
		return fx_fail(errno, "writing eb_config6");
	return 0;
}

void fx_ep(struct eb_endpoint *ep, const char *ip, int ifindex, const unsigned char *mac,
	   const unsigned char *host_mac, const char *name, const char *host_dev, uint32_t slot)
{
	memset(ep, 0, sizeof(*ep));
	ep->ip = fx_ip(ip);
	ep->ifindex = ifindex;
	memcpy(ep->mac, mac, 6);
	memcpy(ep->host_mac, host_mac, 6);
	ep->flood_slot = slot;
	ep->flags = EB_EP_READY;
	snprintf(ep->name, sizeof(ep->name), "%s", name);
	if (host_dev)
		snprintf(ep->host_dev, sizeof(ep->host_dev), "%s", host_dev);
}

int fx_put_ep(const struct fx_progs *p, const struct eb_endpoint *ep)
{
	struct eb_ip_key k = { .addr = ep->ip };
	struct eb_ifindex_key pk = { .ifindex = ep->ifindex };

	if (bpf_map_update_elem(FX_MAP(p, eb_endpoints), &k, ep, BPF_ANY) ||
	    (ep->ifindex && bpf_map_update_elem(FX_MAP(p, eb_ports), &pk, ep, BPF_ANY)))
		return fx_fail(errno, "writing the record of %s", ep->name);
	return 0;
}

int fx_put_fdb(const struct fx_progs *p, const struct eb_endpoint *ep)
{
	struct eb_mac_key mk = {};
	struct eb_fdb_entry fe = { .ifindex = ep->ifindex, .slot = ep->flood_slot };

	memcpy(mk.mac, ep->mac, 6);
	if (bpf_map_update_elem(FX_MAP(p, eb_fdb_v2), &mk, &fe, BPF_ANY))
		return fx_fail(errno, "writing the FDB entry of %s", ep->name);
	return 0;
}

int fx_put_flood(const struct fx_progs *p, uint32_t slot, uint32_t ifindex)
{
	if (bpf_map_update_elem(FX_MAP(p, eb_flood), &slot, &ifindex, BPF_ANY))
		return fx_fail(errno, "writing flood slot %u", slot);
	return 0;
}

int fx_put_ip6(const struct fx_progs *p, const uint8_t addr[16], const struct eb_endpoint *ep)
{
	struct eb_ip6_key k = {};
	struct eb_ip6_ep v = { .ifindex = ep->ifindex, .slot = ep->flood_slot, .ip4 = ep->ip };

	memcpy(k.addr, addr, 16);
	memcpy(v.mac, ep->mac, 6);
	if (bpf_map_update_elem(FX_MAP(p, eb_ip6), &k, &v, BPF_ANY))
		return fx_fail(errno, "writing the IPv6 entry of %s", ep->name);
	return 0;
}

int fx_put_pub(const struct fx_progs *p, uint32_t host_ip, uint16_t hport, uint8_t proto,
	       const char *ctr_ip, uint16_t cport, int ifindex, const char *name)
{
	struct eb_pub_key k;
	struct eb_pub_val v;

	memset(&k, 0, sizeof(k));
	memset(&v, 0, sizeof(v));
	k.host_ip = host_ip;
	k.host_port = hport;
	k.proto = proto;
	v.ctr_ip = fx_ip(ctr_ip);
	v.ctr_port = cport;
	v.ifindex = ifindex;
	snprintf(v.name, sizeof(v.name), "%s", name);
	if (bpf_map_update_elem(FX_MAP(p, eb_pub_ports), &k, &v, BPF_ANY))
		return fx_fail(errno, "publishing %u/%u", hport, proto);
	return 0;
}

int fx_map_count(int fd, uint32_t ksize)
{
	uint8_t k[64], next[64];
	void *prev = NULL;
	int n = 0;

	while (ksize <= sizeof(k) && bpf_map_get_next_key(fd, prev, next) == 0) {
		memcpy(k, next, ksize);
		prev = k;
		n++;
	}
	return n;
}

void fx_map_clear(int fd, uint32_t ksize)
{
	uint8_t k[64];

	while (ksize <= sizeof(k) && bpf_map_get_next_key(fd, NULL, k) == 0)
		if (bpf_map_delete_elem(fd, k))
			break;
}

struct eb_ct_key fx_ct_key(uint8_t proto, const char *src, uint16_t sport, const char *dst,
			   uint16_t dport)
{
	struct eb_ct_key k;

	memset(&k, 0, sizeof(k));
	k.src = fx_ip(src);
	k.dst = fx_ip(dst);
	k.sport = htons(sport);
	k.dport = htons(dport);
	k.proto = proto;
	return k;
}

/* ---- frames ---- */

int fx_put_eth(unsigned char *p, const unsigned char *dst, const unsigned char *src,
	       uint16_t proto)
{
	memcpy(p, dst, 6);
	memcpy(p + 6, src, 6);
	p[12] = proto >> 8;
	p[13] = proto & 0xff;
	return 14;
}

/* ---- checksums ---- */

uint32_t fx_sum(const void *p, size_t n, uint32_t s)
{
	const uint8_t *b = p;
	size_t i;

	for (i = 0; i + 1 < n; i += 2)
		s += (uint32_t)b[i] << 8 | b[i + 1];
	if (n & 1)
		s += (uint32_t)b[n - 1] << 8;
	return s;
}

uint16_t fx_fold(uint32_t s)
{
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

uint16_t fx_csum(const void *p, size_t n)
{
	return fx_fold(fx_sum(p, n, 0));
}

uint32_t fx_pseudo4(const uint8_t *iph, uint32_t l4len)
{
	return fx_sum(iph + 12, 8, 0) + iph[9] + l4len;
}

uint32_t fx_pseudo6(const uint8_t *ip6, uint32_t l4len, uint8_t nh)
{
	return fx_sum(ip6 + 8, 32, 0) + (l4len >> 16) + (l4len & 0xffff) + nh;
}

/* ---- running and reading ---- */

static int test_run(int prog_fd, struct bpf_test_run_opts *o, struct fx_result *r)
{
	r->err = bpf_prog_test_run_opts(prog_fd, o);
	if (r->err)
		r->err = r->err < 0 ? r->err : -errno;
	r->retval = o->retval;
	r->out_len = o->data_size_out;
	return r->err;
}

int fx_run(int prog_fd, int ifindex, const void *frame, uint32_t len, uint32_t gso_size,
	   struct fx_result *r)
{
	struct __sk_buff ctx = { .ifindex = ifindex };
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = frame, .data_size_in = len,
		    .data_out = r->out, .data_size_out = sizeof(r->out), .ctx_in = &ctx,
		    .ctx_size_in = sizeof(ctx), .ctx_out = &r->ctx, .ctx_size_out = sizeof(r->ctx),
		    .repeat = 1);

	memset(r, 0, sizeof(*r));
	if (gso_size) {
		ctx.gso_size = gso_size;
		ctx.gso_segs = (len - 14 - 20 - 20 + gso_size - 1) / gso_size;
	}
	test_run(prog_fd, &o, r);
	r->decision = r->ctx.cb[EB_CB_DECISION];
	r->target = r->ctx.cb[EB_CB_TARGET];
	r->copies = r->ctx.cb[EB_CB_COPIES];
	return r->err;
}

int fx_run_xdp(int prog_fd, int ifindex, const void *frame, uint32_t len, struct fx_result *r)
{
	struct xdp_md ctx = { .data_end = len, .ingress_ifindex = ifindex };
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = frame, .data_size_in = len,
		    .data_out = r->out, .data_size_out = sizeof(r->out), .ctx_in = &ctx,
		    .ctx_size_in = sizeof(ctx), .repeat = 1);

	memset(r, 0, sizeof(*r));
	return test_run(prog_fd, &o, r);
}

uint64_t fx_percpu_packets(int fd, const void *key)
{
	int ncpu = libbpf_num_possible_cpus();
	struct eb_counter_val *v = calloc(ncpu > 0 ? ncpu : 1, sizeof(*v));
	uint64_t sum = 0;

	if (v && ncpu > 0 && bpf_map_lookup_elem(fd, key, v) == 0)
		for (int i = 0; i < ncpu; i++)
			sum += v[i].packets;
	free(v);
	return sum;
}

uint64_t fx_counter(const struct fx_progs *p, uint32_t idx)
{
	return fx_percpu_packets(FX_MAP(p, eb_stats), &idx);
}

struct eb_ctr_counters fx_ctr_slot(const struct fx_progs *p, uint32_t slot)
{
	int ncpu = libbpf_num_possible_cpus();
	struct eb_ctr_counters *v = calloc(ncpu > 0 ? ncpu : 1, sizeof(*v)), sum = {};

	if (v && ncpu > 0 && bpf_map_lookup_elem(FX_MAP(p, eb_ctr_slots), &slot, v) == 0)
		for (int i = 0; i < ncpu; i++) {
			sum.from_packets += v[i].from_packets;
			sum.from_bytes += v[i].from_bytes;
			sum.to_packets += v[i].to_packets;
			sum.to_bytes += v[i].to_bytes;
		}
	free(v);
	return sum;
}
