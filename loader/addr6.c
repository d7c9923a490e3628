// SPDX-License-Identifier: GPL-2.0
/*
 * IPv6, the containers' addresses: stored in eb_addr6 (IPv4 -> IPv6), read
 * with eb_ip6 (IPv6 -> port: the address in place). `up` checks the ones
 * given (ipv6_check_ctrs), and chooses and stores every container's before
 * any port is made (ipv6_plan): the given ones first; then a container's
 * stored one, or eb_ip6's (a network made before eb_addr6), or the prefix
 * + its IPv4 host number (eb_ip6_for), or when another container has that,
 * the next free address counting up from it. ipv6.c puts them in place.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <bpf/bpf.h>

#include "ebnet.h"
#include "net_priv.h"
#include "addr6.h"

void addr6_open(const char *net, struct addr6_maps *m)
{
	m->afd = eb_pin_open(net, EB_MAP_ADDR6, NULL);
	m->ipfd = eb_pin_open(net, EB_MAP_IP6, NULL);
}

void addr6_close(struct addr6_maps *m)
{
	if (m->afd >= 0)
		close(m->afd);
	if (m->ipfd >= 0)
		close(m->ipfd);
	m->afd = m->ipfd = -1;
}

/* The eb_ip6 entry whose ip4 is ip4: its address into out. */
static int ip6_scan(int ipfd, uint32_t ip4, uint8_t out[16])
{
	struct eb_ip6_key k, next;
	struct eb_ip6_ep v;
	void *prev = NULL;

	while (ipfd >= 0 && bpf_map_get_next_key(ipfd, prev, &next) == 0) {
		k = next;
		prev = &k;
		if (bpf_map_lookup_elem(ipfd, &k, &v) == 0 && v.ip4 == ip4) {
			memcpy(out, k.addr, 16);
			return 0;
		}
	}
	return -ENOENT;
}

/* The address of ip4 as stored; else (a network whose eb_addr6 is not
 * filled yet: made by an earlier build) the one eb_ip6 has for it. */
int addr6_lookup(const struct addr6_maps *m, uint32_t ip4, uint8_t out[16])
{
	struct eb_ip_key k = {};
	struct eb_addr6 v;

	k.addr = ip4;
	if (m->afd >= 0 && bpf_map_lookup_elem(m->afd, &k, &v) == 0) {
		memcpy(out, v.addr, 16);
		return 0;
	}
	return ip6_scan(m->ipfd, ip4, out);
}

/* Is addr in place as ip4's (its eb_ip6 entry written, with that ip4)? */
bool addr6_in_place(const struct addr6_maps *m, uint32_t ip4, const uint8_t addr[16])
{
	struct eb_ip6_key k = {};
	struct eb_ip6_ep v;

	memcpy(k.addr, addr, 16);
	return m->ipfd >= 0 && bpf_map_lookup_elem(m->ipfd, &k, &v) == 0 && v.ip4 == ip4;
}

int eb_ctr_addr6(const char *net, uint32_t ip4, uint8_t out[16])
{
	struct addr6_maps m;
	uint8_t a[16];
	int err;

	addr6_open(net, &m);
	err = addr6_lookup(&m, ip4, a);
	if (!err && !addr6_in_place(&m, ip4, a))
		err = -ENOENT;
	addr6_close(&m);
	if (!err)
		memcpy(out, a, 16);
	return err;
}

static int addr6_put(struct eb_ctx *c, int afd, uint32_t ip4, const uint8_t a[16], __u32 flags)
{
	struct eb_ip_key k = {};
	struct eb_addr6 v = { .flags = flags };
	char b[INET6_ADDRSTRLEN], ipb[16];
	int err;

	k.addr = ip4;
	memcpy(v.addr, a, 16);
	if (bpf_map_update_elem(afd, &k, &v, BPF_ANY) == 0)
		return 0;
	err = -errno;
	eb_errf(c->e, "cannot write %s -> %s into %s of '%s': %s", eb_ip_str(ip4, ipb),
		eb_ip6_str(a, b), EB_MAP_ADDR6, c->net, strerror(-err));
	return err;
}

static int taken_add(struct addr6_taken *t, uint32_t ip4, const uint8_t a[16])
{
	if (t->n == t->cap) {
		int cap = t->cap ? t->cap * 2 : 64;
		struct taken6 *e = realloc(t->e, (size_t)cap * sizeof(*e));

		if (!e)
			return -ENOMEM;
		t->e = e;
		t->cap = cap;
	}
	t->e[t->n].ip4 = ip4;
	memcpy(t->e[t->n++].a, a, 16);
	return 0;
}

/* The IPv4 address of another container than ip4's that has a: 0 when none. */
static uint32_t taken_by(const struct addr6_taken *t, uint32_t ip4, const uint8_t a[16],
			 bool *found)
{
	for (int i = 0; i < t->n; i++)
		if (t->e[i].ip4 != ip4 && !memcmp(t->e[i].a, a, 16)) {
			*found = true;
			return t->e[i].ip4;
		}
	*found = false;
	return 0;
}

/* What eb_addr6 and eb_ip6 hold for the records of c (an entry of no
 * record is a leftover of a run that stopped: ipv6_plan removes it). */
static int taken_load(struct eb_ctx *c, const struct addr6_maps *m, struct addr6_taken *t)
{
	struct eb_ip_key k4, n4;
	struct eb_ip6_key k6, n6;
	struct eb_addr6 a;
	struct eb_ip6_ep v;
	void *prev = NULL;
	int err = 0;

	while (!err && m->afd >= 0 && bpf_map_get_next_key(m->afd, prev, &n4) == 0) {
		k4 = n4;
		prev = &k4;
		if (ctx_find_ip(c, k4.addr) && bpf_map_lookup_elem(m->afd, &k4, &a) == 0)
			err = taken_add(t, k4.addr, a.addr);
	}
	prev = NULL;
	while (!err && m->ipfd >= 0 && bpf_map_get_next_key(m->ipfd, prev, &n6) == 0) {
		k6 = n6;
		prev = &k6;
		if (bpf_map_lookup_elem(m->ipfd, &k6, &v) == 0 && ctx_find_ip(c, v.ip4))
			err = taken_add(t, v.ip4, k6.addr);
	}
	return err;
}

static bool in_prefix6(const struct eb_config6 *c6, const uint8_t a[16])
{
	for (int i = 0; i < c6->plen; i++)
		if (((a[i / 8] ^ c6->prefix[i / 8]) >> (7 - i % 8)) & 1)
			return false;
	return true;
}

/* a + 1 within the prefix: past its last address, its first. */
static void next6(const struct eb_config6 *c6, uint8_t a[16])
{
	for (int i = 15; i >= 0 && ++a[i] == 0; i--)
		;
	if (!in_prefix6(c6, a))
		memcpy(a, c6->prefix, 16);
}

/* A container's address may be any of the prefix but the network address
 * (the subnet-router anycast address) and the gateway. */
static bool usable6(const struct eb_config6 *c6, const uint8_t a[16])
{
	return in_prefix6(c6, a) && memcmp(a, c6->prefix, 16) && memcmp(a, c6->gateway, 16);
}

/* The address of ip4 when none is given: the derived one (eb_ip6_for) or,
 * when another container has that, the next free one counting up from it. */
static int addr6_pick(struct eb_ctx *c, const struct eb_config6 *c6, const struct addr6_taken *t,
		      uint32_t ip4, uint8_t out[16])
{
	char b[INET6_ADDRSTRLEN], ipb[16];
	uint8_t a[16];
	bool found;

	eb_ip6_for(c6, &c->cfg, ip4, a);
	/* Of t->n + 3 addresses in a row, t->n are taken at most, and two
	 * are the network address and the gateway. */
	for (int tries = 0; tries < t->n + 3; tries++) {
		if (usable6(c6, a) && (taken_by(t, ip4, a, &found), !found)) {
			memcpy(out, a, 16);
			return 0;
		}
		next6(c6, a);
	}
	eb_errf(c->e, "no free IPv6 address left in %s/%d for %s", eb_ip6_str(c6->prefix, b), c6->plen,
		eb_ip_str(ip4, ipb));
	return -ENOSPC;
}

/* The address of a container (ip4): stored; else eb_ip6's, now stored;
 * else, when pick, chosen (addr6_pick) and stored; -ENOENT otherwise. */
int addr6_resolve(struct eb_ctx *c, const struct eb_config6 *c6, const struct addr6_maps *m,
			 struct addr6_taken *t, uint32_t ip4, bool pick, uint8_t out[16])
{
	struct eb_ip_key k = {};
	struct eb_addr6 v;
	int err;

	k.addr = ip4;
	if (bpf_map_lookup_elem(m->afd, &k, &v) == 0) {
		memcpy(out, v.addr, 16);
		return 0;
	}
	if (ip6_scan(m->ipfd, ip4, out) == 0)
		return addr6_put(c, m->afd, ip4, out, 0);
	if (!pick)
		return -ENOENT;
	err = addr6_pick(c, c6, t, ip4, out);
	if (!err)
		err = addr6_put(c, m->afd, ip4, out, 0);
	if (!err)
		err = taken_add(t, ip4, out);
	return err;
}

int addr6_give(struct eb_ctx *c, const struct eb_config6 *c6, const struct addr6_maps *m,
	       struct addr6_taken *t, uint32_t ip4, const uint8_t want[16])
{
	char b[INET6_ADDRSTRLEN], b2[INET6_ADDRSTRLEN], ipb[16];
	struct eb_endpoint *owner;
	uint32_t other;
	bool found;

	eb_ip6_str(want, b);
	if (!in_prefix6(c6, want)) {
		eb_errf(c->e, "IPv6 address %s is not in the network's IPv6 subnet %s/%d", b,
			eb_ip6_str(c6->prefix, b2), c6->plen);
		return -EINVAL;
	}
	if (!memcmp(want, c6->prefix, 16)) {
		eb_errf(c->e, "IPv6 address %s is the subnet's own address (%s/%d), not a host's", b,
			b, c6->plen);
		return -EINVAL;
	}
	if (!memcmp(want, c6->gateway, 16)) {
		eb_errf(c->e, "IPv6 address %s is the gateway's", b);
		return -EINVAL;
	}
	other = taken_by(t, ip4, want, &found);
	if (found) {
		owner = ctx_find_ip(c, other);
		eb_errf(c->e, "IPv6 address %s is taken by container '%s'", b,
			owner ? owner->name : eb_ip_str(other, ipb));
		return -EADDRINUSE;
	}
	return addr6_put(c, m->afd, ip4, want, EB_ADDR6_GIVEN);
}

/* Both maps open, eb_addr6 at least, and what they hold into t. */
int addr6_begin(struct eb_ctx *c, struct addr6_maps *m, struct addr6_taken *t)
{
	addr6_open(c->net, m);
	memset(t, 0, sizeof(*t));
	if (m->afd < 0) {
		/* `up` made it (a new network) or upgraded the network to
		 * have it: its pin was removed by hand. */
		eb_errf(c->e, "cannot open %s of '%s': %s (its pin removed? `ebnet down --net %s` "
			      "and `up` make the network afresh)",
			EB_MAP_ADDR6, c->net, strerror(-m->afd), c->net);
		return m->afd;
	}
	return taken_load(c, m, t);
}

void addr6_end(struct addr6_maps *m, struct addr6_taken *t)
{
	addr6_close(m);
	free(t->e);
	memset(t, 0, sizeof(*t));
}

/* Removes a container's eb_ip6 entry (`rm`, or before it is made again),
 * and its stored address unless keep_addr (made again: the same one). */
void ipv6_forget(struct eb_ctx *c, const struct eb_endpoint *ep, bool keep_addr)
{
	struct eb_ip6_key k = {};
	struct eb_ip_key k4 = {};
	struct addr6_maps m;
	struct eb_ip6_ep v;

	addr6_open(c->net, &m);
	if (addr6_lookup(&m, ep->ip, k.addr) == 0 && m.ipfd >= 0 &&
	    bpf_map_lookup_elem(m.ipfd, &k, &v) == 0 && v.ip4 == ep->ip)
		bpf_map_delete_elem(m.ipfd, &k);
	k4.addr = ep->ip;
	if (!keep_addr && m.afd >= 0)
		bpf_map_delete_elem(m.afd, &k4);
	addr6_close(&m);
}

void ipv6_info(const char *net, struct eb_net_info *info)
{
	struct addr6_maps m;

	if (eb_config6_get(net, &info->cfg6) || !(info->cfg6.flags & EB_CFG6_ON))
		return;
	addr6_open(net, &m);
	for (int i = 0; i < info->nctr; i++) {
		uint8_t a[16];

		if (addr6_lookup(&m, info->ctr[i].ip, a) == 0 &&
		    addr6_in_place(&m, info->ctr[i].ip, a))
			memcpy(info->ctr_ip6[i], a, 16);
	}
	addr6_close(&m);
}

/* The addresses given in the request (`up NAME=IPV4,IPV6`), checked
 * before anything changes. */
int ipv6_check_ctrs(const struct eb_up_opts *o, const struct eb_ctr_req *ctrs, int n,
		    struct eb_ctx *c, struct eb_err *e)
{
	static const uint8_t none[16];
	char b[INET6_ADDRSTRLEN], b2[INET6_ADDRSTRLEN], ipb[16];
	struct addr6_maps m = { -1, -1 };
	struct addr6_taken t = {};
	struct eb_config6 c6;
	bool has6, found;
	int i, err = 0;

	for (i = 0; i < n && !memcmp(ctrs[i].ip6, none, 16); i++)
		;
	if (i == n)
		return 0;
	has6 = ipv6_c6_of(o->net, o, c != NULL, &c6);
	if (c) {
		addr6_open(o->net, &m);
		err = taken_load(c, &m, &t);
	}
	for (i = 0; i < n && !err; i++) {
		const uint8_t *a = ctrs[i].ip6;
		const char *name = ctrs[i].name;
		struct eb_endpoint *have = c ? ctx_find_name(c, name) : NULL, *owner;
		uint32_t other;
		uint8_t cur[16];

		if (!memcmp(a, none, 16))
			continue;
		eb_ip6_str(a, b);
		if (!has6) {
			eb_errf(e, "network '%s' has no IPv6: the IPv6 address %s of '%s' needs "
				   "--ipv6 (`ebnet up --net %s --ipv6 ...`)",
				o->net, b, name, o->net);
			err = -EINVAL;
		} else if (!in_prefix6(&c6, a)) {
			eb_errf(e, "IPv6 address %s of '%s' is not in the network's IPv6 subnet %s/%d", b,
				name, eb_ip6_str(c6.prefix, b2), c6.plen);
			err = -EINVAL;
		} else if (!memcmp(a, c6.prefix, 16)) {
			eb_errf(e, "IPv6 address %s of '%s' is the subnet's own address (%s/%d), not "
				   "a host's",
				b, name, b, c6.plen);
			err = -EINVAL;
		} else if (!memcmp(a, c6.gateway, 16)) {
			eb_errf(e, "IPv6 address %s of '%s' is the gateway's", b, name);
			err = -EINVAL;
		} else if (have && addr6_lookup(&m, have->ip, cur) == 0 && memcmp(cur, a, 16)) {
			eb_errf(e, "container '%s' exists with IPv6 address %s; `ebnet rm %s` first to "
				   "change it",
				name, eb_ip6_str(cur, b2), name);
			err = -EEXIST;
		} else if ((other = taken_by(&t, have ? have->ip : ctrs[i].ip, a, &found)), found) {
			owner = ctx_find_ip(c, other);
			eb_errf(e, "IPv6 address %s is taken by container '%s'", b,
				owner ? owner->name : eb_ip_str(other, ipb));
			err = -EEXIST;
		}
		for (int j = 0; j < i && !err; j++)
			if (!memcmp(ctrs[j].ip6, a, 16)) {
				eb_errf(e, "IPv6 address %s is given to both '%s' and '%s'", b,
					ctrs[j].name, name);
				err = -EINVAL;
			}
	}
	addr6_close(&m);
	free(t.e);
	return err;
}

/* eb_addr6 entries of no record: a run that stopped between choosing a
 * new container's address and writing its record. */
static void addr6_gc(struct eb_ctx *c, int afd)
{
	struct eb_ip_key k, next, *gone = calloc(EB_MAX_ENDPOINTS, sizeof(*gone));
	void *prev = NULL;
	int n = 0;

	while (gone && n < EB_MAX_ENDPOINTS && bpf_map_get_next_key(afd, prev, &next) == 0) {
		k = next;
		prev = &k;
		if (!ctx_find_ip(c, k.addr))
			gone[n++] = k;
	}
	for (int i = 0; i < n; i++)
		bpf_map_delete_elem(afd, &gone[i]);
	free(gone);
}

int ipv6_plan(struct eb_ctx *c, const struct eb_up_opts *o, const struct eb_ctr_req *ctrs,
	      const uint32_t *want, int n)
{
	static const uint8_t none[16];
	struct eb_config6 c6;
	struct addr6_maps m;
	struct addr6_taken t;
	uint8_t a[16];
	int i, err;

	if (!ipv6_c6_of(c->net, o, true, &c6))
		return 0;
	addr6_open(c->net, &m);
	if (m.afd >= 0)
		addr6_gc(c, m.afd);
	addr6_close(&m);
	err = addr6_begin(c, &m, &t);
	/* The given addresses first: a container whose derived address one
	 * of them is gets the next free one. */
	for (i = 0; i < n && !err; i++) {
		if (!memcmp(ctrs[i].ip6, none, 16))
			continue;
		err = addr6_put(c, m.afd, want[i], ctrs[i].ip6, EB_ADDR6_GIVEN);
		if (!err)
			err = taken_add(&t, want[i], ctrs[i].ip6);
	}
	/* Then the containers there already (their own, or for one that
	 * has none yet, chosen: an attachment's is chosen when it is made),
	 * then the new ones. */
	for (i = 0; i < c->neps && !err; i++) {
		err = addr6_resolve(c, &c6, &m, &t, c->eps[i].ip,
				    !(c->eps[i].flags & EB_EP_ATTACHED), a);
		if (err == -ENOENT)
			err = 0;
	}
	for (i = 0; i < n && !err; i++)
		if (!ctx_find_ip(c, want[i]))
			err = addr6_resolve(c, &c6, &m, &t, want[i], true, a);
	addr6_end(&m, &t);
	return err;
}
