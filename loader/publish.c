// SPDX-License-Identifier: GPL-2.0
/*
 * Published ports: `ebnet publish`, `unpublish`, `ports`. A mapping is one
 * entry of eb_published per host port; the next packet (TC, on the uplink)
 * or the next connect() (sock_addr, on the host and in containers) uses
 * it, with no program reloaded. Removing or moving a mapping also removes
 * the conntrack entries of its flows, so no flow keeps reaching a container
 * that no longer owns the port (moby issues 8795, 44688).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <bpf/bpf.h>

#include "ebnet.h"
#include "ebnet_pub.h"
#include "hostsock.h"
#include "nl.h"

/* Every published entry of a network; returns the count. */
static int load_published(int fd, struct eb_pub_key *keys, struct eb_pub_val *vals, int max)
{
	struct eb_pub_key k, next;
	void *prev = NULL;
	int n = 0;
	__u32 batch, count;
	bool first = true;
	int err;

	/* In batches: 10,000 ports are a few system calls, not 20,000. */
	while (n < max) {
		count = max - n > 4096 ? 4096 : max - n;
		err = bpf_map_lookup_batch(fd, first ? NULL : &batch, &batch, keys + n, vals + n,
					   &count, NULL);
		first = false;
		if (err && errno != ENOENT) {
			n = 0; /* no batch operations here: one by one */
			goto one_by_one;
		}
		n += count;
		if (err)
			return n; /* ENOENT: the end */
	}
	return n;
one_by_one:
	while (n < max && bpf_map_get_next_key(fd, prev, &next) == 0) {
		k = next;
		prev = &k;
		if (bpf_map_lookup_elem(fd, &k, &vals[n]) == 0)
			keys[n++] = k;
	}
	return n;
}

/* The entries of eb_published (fd), in arrays of their own (no static
 * state: the Docker driver calls these from its threads); their count or
 * -ENOMEM. pub_free() frees them. */
static int pub_load(int fd, struct eb_pub_key **keys, struct eb_pub_val **vals)
{
	*keys = calloc(EB_PUB_MAX, sizeof(**keys));
	*vals = calloc(EB_PUB_MAX, sizeof(**vals));
	if (!*keys || !*vals)
		return -ENOMEM;
	return load_published(fd, *keys, *vals, EB_PUB_MAX);
}

static void pub_free(struct eb_pub_key *keys, struct eb_pub_val *vals)
{
	free(keys);
	free(vals);
}

/* Removes the conntrack entries of flows that match: DNAT flows to host
 * ports [lo, hi]/proto (lo 0: none), or every flow of a container port
 * (ifindex 0: none). */
void eb_ct_forget(const struct eb_dp *dp, uint8_t proto, uint16_t lo, uint16_t hi,
		  uint32_t ifindex)
{
	for (int m = 0; m < 2; m++) {
		int fd = m ? dp->ct_other : dp->ct_tcp;
		struct eb_ct_key k, next, *del = NULL;
		struct eb_ct_entry v;
		size_t n = 0, cap = 0;
		void *prev = NULL;

		if (lo && (proto == IPPROTO_TCP) != (m == 0))
			continue;
		while (bpf_map_get_next_key(fd, prev, &next) == 0) {
			bool hit = false;

			k = next;
			prev = &k;
			if (bpf_map_lookup_elem(fd, &k, &v) < 0)
				continue;
			if (ifindex && v.ifindex == ifindex)
				hit = true;
			if (lo && v.kind == EB_CT_DNAT_OUT && k.proto == proto &&
			    ntohs(k.dport) >= lo && ntohs(k.dport) <= hi)
				hit = true;
			if (!hit)
				continue;
			if (n + 2 > cap) {
				cap = cap ? cap * 2 : 256;
				del = realloc(del, cap * sizeof(*del));
				if (!del)
					return;
			}
			del[n++] = k;
			del[n++] = v.peer;
		}
		for (size_t i = 0; i < n; i++)
			bpf_map_delete_elem(fd, &del[i]);
		free(del);
	}
}

static const char *proto_name(uint8_t p)
{
	return p == IPPROTO_UDP ? "udp" : "tcp";
}

/* Is host_ip:port/proto free in every network of this host (the network
 * namespace ebnet runs in)? Networks run from other namespaces have other
 * addresses and ports. */
static int check_free(const struct eb_pub_spec *sp, uint32_t ctr_ip, struct eb_err *e)
{
	char nets[EB_MAX_NETS][64];
	struct eb_pub_key *keys = NULL;
	struct eb_pub_val *vals = NULL;
	int nn = eb_net_list(nets, EB_MAX_NETS), err = 0;
	char a[16];

	for (int i = 0; i < nn; i++) {
		char p[8192];
		int fd, n;

		if (!eb_net_is_here(nets[i]))
			continue;
		snprintf(p, sizeof(p), "%s/%.63s/%s", EB_PIN_ROOT, nets[i], EB_MAP_PUBLISHED);
		fd = bpf_obj_get(p);
		if (fd < 0)
			continue;
		pub_free(keys, vals);
		n = pub_load(fd, &keys, &vals);
		close(fd);
		if (n < 0) {
			eb_errf(e, "out of memory reading the published ports");
			err = n;
			break;
		}
		for (int j = 0; j < n && !err; j++) {
			uint16_t port = ntohs(keys[j].host_port);

			if (keys[j].proto != sp->proto || port < sp->hport_lo || port > sp->hport_hi)
				continue;
			/* An address and "every address" overlap. */
			if (keys[j].host_ip && sp->host_ip && keys[j].host_ip != sp->host_ip)
				continue;
			/* The very mapping asked for: already done, not a conflict
			 * (so a publish run again, after a kill, completes). */
			if (keys[j].host_ip == sp->host_ip && vals[j].ctr_ip == ctr_ip &&
			    ntohs(vals[j].ctr_port) == sp->cport_lo + (port - sp->hport_lo))
				continue;
			eb_errf(e, "%s%s%u/%s is already published to %s:%u (network %s); "
				   "`ebnet unpublish` it first",
				keys[j].host_ip ? eb_ip_str(keys[j].host_ip, a) : "",
				keys[j].host_ip ? ":" : "", port, proto_name(sp->proto), vals[j].name,
				ntohs(vals[j].ctr_port), nets[i]);
			err = -EADDRINUSE;
		}
		if (err)
			break;
	}
	pub_free(keys, vals);
	return err;
}

/* Is no host socket listening there? The host's services stay the host's
 * unless the user says otherwise (Docker refuses such a port too). With
 * --force, new flows go to the container; the datapath still leaves the
 * host's own connections on that port alone. */
static int check_host_free(const struct eb_pub_spec *sp, struct eb_err *e)
{
	struct eb_host_sock hs;
	char a[16], what[200];

	if (sp->force || !eb_host_listener(sp->host_ip, sp->hport_lo, sp->hport_hi, sp->proto, &hs))
		return 0;
	eb_errf(e, "%s%s%u/%s: a host socket %s it: %s; pass --force to publish it anyway "
		   "(new flows from outside then go to the container)",
		sp->host_ip ? eb_ip_str(sp->host_ip, a) : "", sp->host_ip ? ":" : "", hs.port,
		proto_name(sp->proto), sp->proto == IPPROTO_UDP ? "is bound to" : "listens on",
		eb_host_sock_str(&hs, what, sizeof(what)));
	return -EADDRINUSE;
}

int eb_publish(const char *net_opt, const struct eb_pub_spec *sp, char *net_out, size_t netlen,
	       struct eb_err *e)
{
	struct eb_endpoint ep;
	struct eb_dp dp;
	struct eb_nl nl;
	char net[64], a[16];
	int lock, err, n = 0;
	uint32_t cnt = sp->hport_hi - sp->hport_lo + 1;
	unsigned char *added = NULL;

	eb_dp_init(&dp);
	lock = eb_lock(e);
	if (lock < 0)
		return lock;
	if (eb_find_container(sp->ctr, net, sizeof(net), &ep)) {
		eb_errf(e, "no container '%s'%s%s", sp->ctr, net_opt ? " in network " : "",
			net_opt ? net_opt : "");
		err = -ENOENT;
		goto out;
	}
	if (net_opt && strcmp(net_opt, net)) {
		eb_errf(e, "container '%s' is in network '%s', not '%s'", sp->ctr, net, net_opt);
		err = -ENOENT;
		goto out;
	}
	if (!(ep.flags & EB_EP_READY)) {
		eb_errf(e, "container '%s' is half-made; run `ebnet up` again first", sp->ctr);
		err = -EAGAIN;
		goto out;
	}
	if (sp->host_ip && (ntohl(sp->host_ip) >> 24) != 127) {
		err = eb_nl_open(&nl);
		if (!err) {
			err = eb_nl_addr_is_local(&nl, sp->host_ip);
			eb_nl_close(&nl);
		}
		if (err <= 0) {
			eb_errf(e, "%s is not an address of this host", eb_ip_str(sp->host_ip, a));
			err = -EADDRNOTAVAIL;
			goto out;
		}
	}
	err = check_free(sp, ep.ip, e);
	if (err)
		goto out;
	err = check_host_free(sp, e);
	if (err)
		goto out;
	err = eb_dp_open(net, &dp, e);
	if (err)
		goto out;
	added = calloc(cnt, 1);
	if (!added) {
		err = -ENOMEM;
		goto out;
	}
	for (uint32_t i = 0; i < cnt; i++) {
		struct eb_pub_key k = { .host_ip = sp->host_ip,
					.host_port = htons(sp->hport_lo + i),
					.proto = sp->proto };
		struct eb_pub_val v = { .ctr_ip = ep.ip,
					.ctr_port = htons(sp->cport_lo + i),
					.ifindex = ep.ifindex };

		snprintf(v.name, sizeof(v.name), "%s", ep.name);
		if (bpf_map_update_elem(dp.published, &k, &v, BPF_NOEXIST) < 0) {
			struct eb_pub_val have;

			err = -errno;
			/* The same mapping is there already (check_free let it
			 * through): nothing to do for this port. */
			if (err == -EEXIST && bpf_map_lookup_elem(dp.published, &k, &have) == 0 &&
			    have.ctr_ip == v.ctr_ip && have.ctr_port == v.ctr_port) {
				err = 0;
				continue;
			}
			eb_errf(e, "cannot publish port %u: %s%s", sp->hport_lo + i, strerror(-err),
				err == -E2BIG ? " (the published-ports map is full)" : "");
			/* Roll back: nothing this command added stays. */
			for (uint32_t j = 0; j < i; j++) {
				if (!added[j])
					continue;
				k.host_port = htons(sp->hport_lo + j);
				bpf_map_delete_elem(dp.published, &k);
			}
			goto out;
		}
		added[i] = 1;
		n++;
	}
	/* No conntrack walk here: unpublish and rm already removed the flows
	 * of an earlier owner, and the walk costs with the table's size. */
	if (net_out)
		snprintf(net_out, netlen, "%s", net);
	err = 0;
out:
	free(added);
	eb_dp_close(&dp);
	eb_unlock(lock);
	return err;
}

int eb_unpublish(const char *net_opt, const struct eb_pub_spec *sp, struct eb_err *e)
{
	char nets[EB_MAX_NETS][64];
	int lock, err = 0, nn, removed = 0;
	uint32_t cnt = sp->hport_hi - sp->hport_lo + 1;

	lock = eb_lock(e);
	if (lock < 0)
		return lock;
	if (net_opt) {
		snprintf(nets[0], 64, "%s", net_opt);
		nn = eb_dp_exists(net_opt) ? 1 : 0;
		if (!nn) {
			eb_errf(e, "network '%s' does not exist", net_opt);
			err = -ENOENT;
			goto out;
		}
	} else {
		nn = eb_net_list(nets, EB_MAX_NETS);
	}
	for (int i = 0; i < nn; i++) {
		struct eb_dp dp;
		int here = 0;

		if (!net_opt && !eb_net_is_here(nets[i]))
			continue;
		if (eb_dp_open(nets[i], &dp, e))
			continue;
		for (uint32_t j = 0; j < cnt; j++) {
			struct eb_pub_key k = { .host_ip = sp->host_ip,
						.host_port = htons(sp->hport_lo + j),
						.proto = sp->proto };

			if (bpf_map_delete_elem(dp.published, &k) == 0)
				here++;
			bpf_map_delete_elem(dp.port_stats, &k);
		}
		if (here)
			eb_ct_forget(&dp, sp->proto, sp->hport_lo, sp->hport_hi, 0);
		removed += here;
		eb_dp_close(&dp);
	}
	if (!removed) {
		char a[16];

		eb_errf(e, "%s%s%u%s%.0u/%s is not published%s%s",
			sp->host_ip ? eb_ip_str(sp->host_ip, a) : "", sp->host_ip ? ":" : "",
			sp->hport_lo, sp->hport_hi != sp->hport_lo ? "-" : "",
			sp->hport_hi != sp->hport_lo ? sp->hport_hi : 0, proto_name(sp->proto),
			net_opt ? " in network " : "", net_opt ? net_opt : "");
		err = -ENOENT;
	}
out:
	eb_unlock(lock);
	return err < 0 ? err : removed;
}

void eb_unpublish_container(const struct eb_dp *dp, uint32_t ctr_ip)
{
	struct eb_pub_key *keys;
	struct eb_pub_val *vals;
	int n = pub_load(dp->published, &keys, &vals);

	for (int i = 0; i < n; i++)
		if (vals[i].ctr_ip == ctr_ip) {
			bpf_map_delete_elem(dp->published, &keys[i]);
			bpf_map_delete_elem(dp->port_stats, &keys[i]);
		}
	pub_free(keys, vals);
}

void eb_published_reindex_many(const struct eb_dp *dp, const uint32_t *ctr_ip,
				const uint32_t *ifindex, int nctr)
{
	struct eb_pub_key *keys;
	struct eb_pub_val *vals;
	int n;

	if (nctr <= 0)
		return;
	n = pub_load(dp->published, &keys, &vals);
	for (int i = 0; i < n; i++)
		for (int j = 0; j < nctr; j++)
			if (vals[i].ctr_ip == ctr_ip[j]) {
				if (vals[i].ifindex != ifindex[j]) {
					vals[i].ifindex = ifindex[j];
					bpf_map_update_elem(dp->published, &keys[i], &vals[i],
							    BPF_EXIST);
				}
				break;
			}
	pub_free(keys, vals);
}

void eb_published_reindex(const struct eb_dp *dp, uint32_t ctr_ip, uint32_t ifindex)
{
	eb_published_reindex_many(dp, &ctr_ip, &ifindex, 1);
}

struct pub_ent {
	const struct eb_pub_key *k;
	const struct eb_pub_val *v;
};

static int pub_ent_cmp(const void *a, const void *b)
{
	const struct eb_pub_key *x = ((const struct pub_ent *)a)->k;
	const struct eb_pub_key *y = ((const struct pub_ent *)b)->k;
	uint32_t kx = (uint32_t)x->proto << 16 | ntohs(x->host_port);
	uint32_t ky = (uint32_t)y->proto << 16 | ntohs(y->host_port);

	if (kx != ky)
		return kx < ky ? -1 : 1;
	/* The same port on several addresses: by address, for a stable list. */
	return ntohl(x->host_ip) < ntohl(y->host_ip) ? -1 : ntohl(x->host_ip) > ntohl(y->host_ip);
}

int eb_ports_walk(const char *net, eb_port_fn fn, void *ctx, struct eb_err *e)
{
	struct eb_pub_key *keys;
	struct eb_pub_val *vals;
	struct pub_ent *ents = NULL;
	struct eb_dp dp;
	int n, err;

	err = eb_dp_open(net, &dp, e);
	if (err)
		return err;
	n = pub_load(dp.published, &keys, &vals);
	eb_dp_close(&dp);
	if (n > 0)
		ents = calloc(n, sizeof(*ents));
	if (n < 0 || (n > 0 && !ents)) {
		eb_errf(e, "out of memory reading the published ports");
		pub_free(keys, vals);
		return -ENOMEM;
	}
	/* By protocol, then port (qsort: 10,000 ports by insertion were
	 * 25 million swaps). */
	for (int i = 0; i < n; i++) {
		ents[i].k = &keys[i];
		ents[i].v = &vals[i];
	}
	qsort(ents, n, sizeof(*ents), pub_ent_cmp);
	for (int i = 0; i < n; i++)
		fn(ents[i].k, ents[i].v, ctx);
	free(ents);
	pub_free(keys, vals);
	return n;
}
