// SPDX-License-Identifier: GPL-2.0
/*
 * The upgrade of the published-port maps from their first layout: eb_published,
 * eb_published6 and eb_port_stats kept ports in network order, so bpftool
 * printed 8080 as 36895. Their successors eb_pub_ports, eb_pub_ports6 and
 * eb_pub_stats hold the same structs with the ports in host order.
 *
 * In the shape of the other retired maps (upgrade.c): the new objects
 * create the new maps empty; before their programs take over, every
 * mapping is copied over, its ports swapped (pub_fill_v2); the old
 * programs go on running on the old maps and counting in them until
 * every hook runs the new programs; then the old maps' counts are added
 * to the new ones and the old pins removed (pub_retire_v1, stats_retire_v1).
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "dp_priv.h"
#include "pub_priv.h"

/* The entries of an old published map, their ports in host order: keys
 * of struct eb_pub6_key (v6) or eb_pub_key. The count, or a negative
 * errno; *keys and *vals for pub_free(). */
static int old_pub_load(int fd, bool v6, void **keys, struct eb_pub_val **vals)
{
	size_t ksz = v6 ? sizeof(struct eb_pub6_key) : sizeof(struct eb_pub_key);
	size_t off = v6 ? offsetof(struct eb_pub6_key, host_port)
			: offsetof(struct eb_pub_key, host_port);
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);
	int n;

	*keys = NULL;
	*vals = NULL;
	if (bpf_obj_get_info_by_fd(fd, &info, &len) || info.key_size != ksz ||
	    info.value_size != sizeof(struct eb_pub_val))
		return 0; /* not the map this code knows: nothing to carry over */
	n = v6 ? pub6_load(fd, (struct eb_pub6_key **)keys, vals)
	       : pub_load(fd, (struct eb_pub_key **)keys, vals);
	for (int i = 0; i < n; i++) {
		char *k = (char *)*keys + i * ksz;
		__u16 port;

		memcpy(&port, k + off, sizeof(port));
		port = ntohs(port);
		memcpy(k + off, &port, sizeof(port));
		(*vals)[i].ctr_port = ntohs((*vals)[i].ctr_port);
	}
	return n;
}

static int old_pin(const char *net, bool v6)
{
	char p[PATH_MAX];

	pin_path(net, v6 ? EB_MAP_OLD_PUBLISHED6 : EB_MAP_OLD_PUBLISHED, p, sizeof(p));
	return bpf_obj_get(p);
}

/* Every mapping of eb_published (v6: eb_published6) into its successor,
 * its counts 0 (added when the old map retires). An entry there already is
 * left as it is: run again by an upgrade that was interrupted, the copy is
 * the same. */
static int pub_fill_one(const char *net, bool v6, struct eb_err *e)
{
	const char *to = v6 ? EB_MAP_PUBLISHED6 : EB_MAP_PUBLISHED;
	size_t ksz = v6 ? sizeof(struct eb_pub6_key) : sizeof(struct eb_pub_key);
	struct eb_pub_val *vals;
	void *keys;
	int old, nfd = -1, n, err;

	old = old_pin(net, v6);
	if (old < 0)
		return 0; /* not from such a build */
	n = old_pub_load(old, v6, &keys, &vals);
	close(old);
	if (n < 0) {
		eb_errf(e, "out of memory reading the published ports");
		pub_free(keys, vals);
		return n;
	}
	err = open_pin(net, to, &nfd, e);
	for (int i = 0; !err && i < n; i++) {
		vals[i].conns = vals[i].local = 0;
		if (bpf_map_update_elem(nfd, (char *)keys + i * ksz, &vals[i], BPF_NOEXIST) < 0 &&
		    errno != EEXIST) {
			err = -errno;
			eb_errf(e, "cannot carry the published ports over to '%s': %s", to,
				strerror(-err));
		}
	}
	if (nfd >= 0)
		close(nfd);
	pub_free(keys, vals);
	return err;
}

int pub_fill_v2(const char *net, struct eb_err *e)
{
	return pub_fill_one(net, false, e);
}

int pub6_fill_v2(const char *net, struct eb_err *e)
{
	return pub_fill_one(net, true, e);
}

/* The old map's connection counts added to the new entries; its pin
 * removed first (a run that stops halfway loses counts rather than adding
 * them twice). */
static void pub_retire_one(int to, const char *net, bool v6)
{
	size_t ksz = v6 ? sizeof(struct eb_pub6_key) : sizeof(struct eb_pub_key);
	struct eb_pub_val *vals = NULL;
	char p[PATH_MAX];
	void *keys = NULL;
	int old, n;

	old = old_pin(net, v6);
	if (old < 0)
		return;
	pin_path(net, v6 ? EB_MAP_OLD_PUBLISHED6 : EB_MAP_OLD_PUBLISHED, p, sizeof(p));
	unlink(p);
	n = to < 0 ? 0 : old_pub_load(old, v6, &keys, &vals);
	for (int i = 0; i < n; i++) {
		void *k = (char *)keys + i * ksz;
		struct eb_pub_val v;

		if (bpf_map_lookup_elem(to, k, &v))
			continue; /* unpublished since */
		v.conns += vals[i].conns;
		v.local += vals[i].local;
		bpf_map_update_elem(to, k, &v, BPF_EXIST);
	}
	pub_free(keys, vals);
	close(old);
}

void pub_retire_v1(const struct eb_dp *dp, const char *net)
{
	pub_retire_one(dp->published, net, false);
}

void pub6_retire_v1(const struct eb_dp *dp, const char *net)
{
	pub_retire_one(dp->published6, net, true);
}

/* eb_port_stats (per CPU, keys with network-order ports): its counts added
 * to eb_pub_stats under the host-order key. */
void stats_retire_v1(const struct eb_dp *dp, const char *net)
{
	int ncpu = libbpf_num_possible_cpus();
	struct eb_counter_val *ov = NULL, *nv = NULL;
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);
	struct eb_pub_key k, next, *keys = NULL;
	struct eb_pub_val pv;
	char p[PATH_MAX];
	int old, n = 0;

	pin_path(net, EB_MAP_OLD_PORT_STATS, p, sizeof(p));
	old = bpf_obj_get(p);
	if (old < 0)
		return;
	unlink(p);
	if (ncpu <= 0 || dp->port_stats < 0 || bpf_obj_get_info_by_fd(old, &info, &len) ||
	    info.type != BPF_MAP_TYPE_PERCPU_HASH || info.key_size != sizeof(k) ||
	    info.value_size != sizeof(*ov))
		goto out;
	ov = calloc(ncpu, sizeof(*ov));
	nv = calloc(ncpu, sizeof(*nv));
	keys = calloc(EB_PUB_MAX, sizeof(*keys));
	if (!ov || !nv || !keys)
		goto out;
	/* Keys first, then the copies: no walk of a map being written. */
	while (n < EB_PUB_MAX && bpf_map_get_next_key(old, n ? &keys[n - 1] : NULL, &next) == 0)
		keys[n++] = next;
	for (int i = 0; i < n; i++) {
		if (bpf_map_lookup_elem(old, &keys[i], ov))
			continue;
		k = keys[i];
		k.host_port = ntohs(k.host_port);
		if (bpf_map_lookup_elem(dp->published, &k, &pv))
			continue; /* unpublished since: its counts went with it */
		if (bpf_map_lookup_elem(dp->port_stats, &k, nv))
			memset(nv, 0, ncpu * sizeof(*nv));
		counters_add(nv, ov, ncpu);
		bpf_map_update_elem(dp->port_stats, &k, nv, BPF_ANY);
	}
out:
	free(keys);
	free(ov);
	free(nv);
	close(old);
}

int pub_load_net(const char *net, bool v6, void **keys, struct eb_pub_val **vals)
{
	int fd = eb_pin_open(net, v6 ? EB_MAP_PUBLISHED6 : EB_MAP_PUBLISHED, NULL), n;

	*keys = NULL;
	*vals = NULL;
	if (fd >= 0) {
		n = v6 ? pub6_load(fd, (struct eb_pub6_key **)keys, vals)
		       : pub_load(fd, (struct eb_pub_key **)keys, vals);
	} else {
		fd = old_pin(net, v6);
		if (fd < 0)
			return v6 ? 0 : -ENOENT; /* IPv6: none before it had a map */
		n = old_pub_load(fd, v6, keys, vals);
	}
	close(fd);
	return n;
}

bool pub_net_is_v1(const char *net)
{
	int fd = old_pin(net, false);

	if (fd < 0)
		return false;
	close(fd);
	return true;
}
