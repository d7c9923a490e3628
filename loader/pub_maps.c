// SPDX-License-Identifier: GPL-2.0
/*
 * The published-port maps read whole (eb_pub_ports, eb_pub_ports6: every
 * entry, for the checks of publish and unpublish, `ebnet ports` and the
 * walks of the front ends), and their ifindex rewritten when a container's
 * port is re-made (reindex).
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
#include "pub_priv.h"

/* Every entry of a published map (keys of ksz bytes); returns the count. */
static int load_published(int fd, void *keys, size_t ksz, struct eb_pub_val *vals, int max)
{
	char k[sizeof(struct eb_pub6_key)], next[sizeof(struct eb_pub6_key)];
	void *prev = NULL;
	int n = 0;
	__u32 count;
	char batch[sizeof(struct eb_pub6_key)];
	bool first = true;
	int err;

	/* In batches: 10,000 ports are a few system calls, not 20,000. */
	while (n < max) {
		count = max - n > 4096 ? 4096 : max - n;
		err = bpf_map_lookup_batch(fd, first ? NULL : batch, batch, (char *)keys + n * ksz,
					   vals + n, &count, NULL);
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
	while (n < max && bpf_map_get_next_key(fd, prev, next) == 0) {
		memcpy(k, next, ksz);
		prev = k;
		if (bpf_map_lookup_elem(fd, k, &vals[n]) == 0)
			memcpy((char *)keys + n++ * ksz, k, ksz);
	}
	return n;
}

/* The entries of eb_pub_ports (fd), in arrays of their own (no static
 * state: the Docker driver calls these from its threads); their count or
 * -ENOMEM. pub_free() frees them. */
int pub_load(int fd, struct eb_pub_key **keys, struct eb_pub_val **vals)
{
	*keys = calloc(EB_PUB_MAX, sizeof(**keys));
	*vals = calloc(EB_PUB_MAX, sizeof(**vals));
	if (!*keys || !*vals)
		return -ENOMEM;
	return load_published(fd, *keys, sizeof(**keys), *vals, EB_PUB_MAX);
}

void pub_free(void *keys, struct eb_pub_val *vals)
{
	free(keys);
	free(vals);
}

/* The same for eb_pub_ports6 (fd < 0: a network of an earlier build, which
 * has none: 0 entries). */
int pub6_load(int fd, struct eb_pub6_key **keys, struct eb_pub_val **vals)
{
	struct eb_pub6_key first;

	*keys = NULL;
	*vals = NULL;
	/* Mostly empty: no 5 MB of buffers for nothing. */
	if (fd < 0 || bpf_map_get_next_key(fd, NULL, &first) < 0)
		return 0;
	*keys = calloc(EB_PUB_MAX, sizeof(**keys));
	*vals = calloc(EB_PUB_MAX, sizeof(**vals));
	if (!*keys || !*vals)
		return -ENOMEM;
	return load_published(fd, *keys, sizeof(**keys), *vals, EB_PUB_MAX);
}

static void reindex(int fd, void *keys, size_t ksz, struct eb_pub_val *vals, int n,
		    const uint32_t *ctr_ip, const uint32_t *ifindex, int nctr)
{
	for (int i = 0; i < n; i++)
		for (int j = 0; j < nctr; j++)
			if (vals[i].ctr_ip == ctr_ip[j]) {
				if (vals[i].ifindex != ifindex[j]) {
					vals[i].ifindex = ifindex[j];
					bpf_map_update_elem(fd, (char *)keys + i * ksz, &vals[i],
							    BPF_EXIST);
				}
				break;
			}
}

void eb_published_reindex_many(const struct eb_dp *dp, const uint32_t *ctr_ip,
				const uint32_t *ifindex, int nctr)
{
	struct eb_pub_key *keys;
	struct eb_pub6_key *keys6;
	struct eb_pub_val *vals, *vals6;
	int n;

	if (nctr <= 0)
		return;
	n = pub_load(dp->published, &keys, &vals);
	reindex(dp->published, keys, sizeof(*keys), vals, n, ctr_ip, ifindex, nctr);
	pub_free(keys, vals);
	n = pub6_load(dp->published6, &keys6, &vals6);
	reindex(dp->published6, keys6, sizeof(*keys6), vals6, n, ctr_ip, ifindex, nctr);
	pub_free(keys6, vals6);
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
	uint32_t kx = (uint32_t)x->proto << 16 | x->host_port;
	uint32_t ky = (uint32_t)y->proto << 16 | y->host_port;

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

static int pub6_ent_cmp(const void *a, const void *b)
{
	const struct eb_pub6_key *x = *(const struct eb_pub6_key *const *)a;
	const struct eb_pub6_key *y = *(const struct eb_pub6_key *const *)b;
	uint32_t kx = (uint32_t)x->proto << 16 | x->host_port;
	uint32_t ky = (uint32_t)y->proto << 16 | y->host_port;

	if (kx != ky)
		return kx < ky ? -1 : 1;
	return memcmp(x->host_ip6, y->host_ip6, 16);
}

int eb_ports_walk6(const char *net, eb_port6_fn fn, void *ctx, struct eb_err *e)
{
	struct eb_pub6_key *keys, **order = NULL;
	struct eb_pub_val *vals;
	int fd, n;

	fd = eb_pin_open(net, EB_MAP_PUBLISHED6, NULL);
	if (fd < 0)
		return 0; /* a network of an earlier build: none */
	n = pub6_load(fd, &keys, &vals);
	close(fd);
	if (n > 0)
		order = calloc(n, sizeof(*order));
	if (n < 0 || (n > 0 && !order)) {
		eb_errf(e, "out of memory reading the published ports");
		pub_free(keys, vals);
		return -ENOMEM;
	}
	for (int i = 0; i < n; i++)
		order[i] = &keys[i];
	qsort(order, n, sizeof(*order), pub6_ent_cmp);
	for (int i = 0; i < n; i++)
		fn(order[i], &vals[order[i] - keys], ctx);
	free(order);
	pub_free(keys, vals);
	return n;
}
