// SPDX-License-Identifier: GPL-2.0
/*
 * Upgrade in place: which build's programs a network runs (eb_build), the
 * new programs given to every pinned link at once, and the maps of earlier
 * layouts carried over into their successors, then retired; see dp.h.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "dp_priv.h"
#include "ebnet_maps.h"
#include "pub_priv.h"
#include "build_id.h"

/* Were the programs attached now built from another datapath than this
 * ebnet's? EBNET_FORCE_UPGRADE=1 says yes (tests use it). */
bool needs_upgrade(const char *net)
{
	struct eb_build b = {};
	char p[PATH_MAX];
	__u32 zero = 0;
	const char *force = getenv("EBNET_FORCE_UPGRADE");
	int fd;

	pin_path(net, EB_PROG_PIN_CONTAINER, p, sizeof(p));
	if (access(p, F_OK) < 0)
		return false; /* nothing attached yet */
	if (force && !strcmp(force, "1"))
		return true;
	pin_path(net, EB_MAP_BUILD, p, sizeof(p));
	fd = bpf_obj_get(p);
	if (fd < 0)
		return true; /* from before builds were recorded */
	bpf_map_lookup_elem(fd, &zero, &b);
	close(fd);
	return strncmp(b.id, EB_BUILD_ID, sizeof(b.id)) != 0;
}

int write_build(const char *net, struct eb_err *e)
{
	struct eb_build b = {};
	char p[PATH_MAX];
	__u32 zero = 0;
	int fd, err = 0;

	snprintf(b.id, sizeof(b.id), "%s", EB_BUILD_ID);
	pin_path(net, EB_MAP_BUILD, p, sizeof(p));
	fd = bpf_obj_get(p);
	if (fd < 0)
		return 0; /* made by the next load */
	if (bpf_map_update_elem(fd, &zero, &b, BPF_ANY) < 0) {
		err = -errno;
		eb_errf(e, "cannot write map '%s': %s", EB_MAP_BUILD, strerror(-err));
	}
	close(fd);
	return err;
}

/* After an upgrade: every pinned link (tcx ports, the uplink, the cgroup
 * hooks) gets the new program in one atomic step each (bpf_link_update);
 * packets see the old program or the new one, never none. */
int swap_links(const char *net, struct eb_err *e)
{
	char dir[PATH_MAX], p[PATH_MAX * 2], prog[PATH_MAX * 2];
	struct dirent *de;
	DIR *d;
	int err = 0;

	eb_pin_dir(net, dir, sizeof(dir));
	d = opendir(dir);
	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		const char *n = de->d_name;
		int lfd, pfd;

		if (strncmp(n, "link_", 5))
			continue;
		if (!strcmp(n, EB_LINK_PIN_UPLINK))
			pin_path(net, EB_PROG_PIN_UPLINK, prog, sizeof(prog));
		else if (!strcmp(n, EB_LINK_PIN_XDP))
			pin_path(net, EB_PROG_PIN_XDP, prog, sizeof(prog));
		else if (!strncmp(n, "link_cg_", 8))
			snprintf(prog, sizeof(prog), "%s/prog_%s", dir, n + 8);
		else
			pin_path(net, EB_PROG_PIN_CONTAINER, prog, sizeof(prog));
		snprintf(p, sizeof(p), "%s/%s", dir, n);
		lfd = bpf_obj_get(p);
		pfd = bpf_obj_get(prog);
		if (lfd < 0 || pfd < 0) {
			/* Nothing of an upgrade is skipped in silence. */
			err = -errno;
			eb_errf(e, "cannot open '%s' to give it the new program: %s",
				lfd < 0 ? p : prog, strerror(-err));
		} else if (bpf_link_update(lfd, pfd, NULL) < 0) {
			err = -errno;
			if (err == -ENOLINK) {
				/* Its device is gone (an uplink or a port removed):
				 * the dead link goes, and `up` attaches the device
				 * that has the name now. */
				unlink(p);
				err = 0;
			} else {
				eb_errf(e, "cannot give '%s' the new program: %s", p,
					strerror(-err));
			}
		}
		if (lfd >= 0)
			close(lfd);
		if (pfd >= 0)
			close(pfd);
		if (err)
			break;
	}
	closedir(d);
	return err;
}

/* An upgrade from a build whose FDB was eb_fdb (MAC -> ifindex): before the
 * new programs take over, eb_fdb_v2 gets every entry, with the port's slot
 * from eb_ports. The old map stays pinned (the old programs still run on
 * it) until eb_dp_retire_old_maps. Run again by an upgrade that was
 * interrupted: entries are written with BPF_ANY, the same each time. */
static int fill_fdb_v2(const char *net, struct eb_err *e)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);
	struct eb_mac_key k, next;
	void *prev = NULL;
	char p[PATH_MAX];
	int old, fdb = -1, ports = -1, err = 0;

	pin_path(net, EB_MAP_OLD_FDB, p, sizeof(p));
	old = bpf_obj_get(p);
	if (old < 0)
		return 0; /* not from such a build */
	if (bpf_obj_get_info_by_fd(old, &info, &len) || info.key_size != sizeof(k) ||
	    info.value_size != sizeof(__u32))
		goto out; /* not the map this code knows: nothing to carry over */
	err = open_pin(net, EB_MAP_FDB, &fdb, e);
	if (!err)
		err = open_pin(net, EB_MAP_PORTS, &ports, e);
	while (!err && bpf_map_get_next_key(old, prev, &next) == 0) {
		struct eb_ifindex_key pk = {};
		struct eb_endpoint ep;
		struct eb_fdb_entry v = {};

		k = next;
		prev = &k;
		if (bpf_map_lookup_elem(old, &k, &pk.ifindex) ||
		    bpf_map_lookup_elem(ports, &pk, &ep) || ep.flood_slot >= EB_MAX_ENDPOINTS)
			continue; /* a port half made or half gone: `up` redoes it */
		v.ifindex = pk.ifindex;
		v.slot = ep.flood_slot;
		if (bpf_map_update_elem(fdb, &k, &v, BPF_ANY) < 0) {
			err = -errno;
			eb_errf(e, "cannot carry the FDB over to '%s': %s", EB_MAP_FDB,
				strerror(-err));
		}
	}
out:
	close(old);
	if (fdb >= 0)
		close(fdb);
	if (ports >= 0)
		close(ports);
	return err;
}

/* An upgrade from a build whose eb_stats held fewer counters: its pin is
 * moved aside to EB_MAP_OLD_STATS, so that the new objects create the
 * grown map under the same name (what bpftool and scripts read), and the
 * old programs count into the old map until the new ones take over;
 * eb_dp_retire_old_maps then adds its counts to the new map. A run that
 * stopped after the move finds eb_stats missing and creates it. */
static int set_aside_small_stats(const char *net, struct eb_err *e)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);
	char p[PATH_MAX], old[PATH_MAX];
	int fd, err = 0;

	pin_path(net, EB_MAP_STATS, p, sizeof(p));
	pin_path(net, EB_MAP_OLD_STATS, old, sizeof(old));
	fd = bpf_obj_get(p);
	if (fd < 0)
		return 0;
	if (bpf_obj_get_info_by_fd(fd, &info, &len) == 0 &&
	    info.type == BPF_MAP_TYPE_PERCPU_ARRAY && info.key_size == sizeof(__u32) &&
	    info.value_size == sizeof(struct eb_counter_val) && info.max_entries < EB_CNT_MAX &&
	    access(old, F_OK) < 0 && rename(p, old) < 0) {
		err = -errno;
		eb_errf(e, "cannot move '%s' aside to grow it: %s", p, strerror(-err));
	}
	close(fd);
	return err;
}

/* An fd of the retired map name, its pin removed; a negative errno when
 * it is not pinned. Unpinned first: a run that stops halfway loses some
 * counts rather than adding them twice. */
static int take_retired(const char *net, const char *name)
{
	char p[PATH_MAX];
	int fd;

	pin_path(net, name, p, sizeof(p));
	fd = bpf_obj_get(p);
	if (fd >= 0)
		unlink(p);
	return fd;
}

void counters_add(struct eb_counter_val *to, const struct eb_counter_val *from, int ncpu)
{
	for (int c = 0; c < ncpu; c++) {
		to[c].packets += from[c].packets;
		to[c].bytes += from[c].bytes;
	}
}

/* Adds the counts of the set-aside eb_stats to the new one. */
static void retire_small_stats(const struct eb_dp *dp, const char *net)
{
	int ncpu = libbpf_num_possible_cpus(), old;
	struct eb_counter_val *ov = NULL, *nv = NULL;
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);

	old = take_retired(net, EB_MAP_OLD_STATS);
	if (old < 0)
		return;
	if (ncpu <= 0 || dp->stats < 0 || bpf_obj_get_info_by_fd(old, &info, &len) ||
	    info.value_size != sizeof(*ov))
		goto out;
	ov = calloc(ncpu, sizeof(*ov));
	nv = calloc(ncpu, sizeof(*nv));
	if (!ov || !nv)
		goto out;
	for (__u32 i = 0; i < info.max_entries && i < EB_CNT_MAX; i++) {
		if (bpf_map_lookup_elem(old, &i, ov) || bpf_map_lookup_elem(dp->stats, &i, nv))
			continue;
		counters_add(nv, ov, ncpu);
		bpf_map_update_elem(dp->stats, &i, nv, BPF_ANY);
	}
out:
	free(ov);
	free(nv);
	close(old);
}

/* Adds the counts of the earlier eb_ctr_stats (by ifindex) to the slots
 * of eb_ctr_slots that the ports have now. */
static void retire_ctr_stats(const struct eb_dp *dp, const char *net)
{
	int ncpu = libbpf_num_possible_cpus();
	struct eb_ctr_counters *ov = NULL, *nv = NULL;
	struct bpf_map_info info = {};
	__u32 len = sizeof(info), k, next;
	void *prev = NULL;
	int old;

	old = take_retired(net, EB_MAP_OLD_CTR_STATS);
	if (old < 0)
		return;
	if (ncpu <= 0 || dp->ctr_slots < 0 || bpf_obj_get_info_by_fd(old, &info, &len) ||
	    info.type != BPF_MAP_TYPE_PERCPU_HASH || info.key_size != sizeof(k) ||
	    info.value_size != sizeof(*ov))
		goto out;
	ov = calloc(ncpu, sizeof(*ov));
	nv = calloc(ncpu, sizeof(*nv));
	if (!ov || !nv)
		goto out;
	while (bpf_map_get_next_key(old, prev, &next) == 0) {
		struct eb_ifindex_key pk = { .ifindex = next };
		struct eb_endpoint ep;

		k = next;
		prev = &k;
		if (bpf_map_lookup_elem(old, &k, ov) || bpf_map_lookup_elem(dp->ports, &pk, &ep) ||
		    ep.flood_slot >= EB_MAX_ENDPOINTS ||
		    bpf_map_lookup_elem(dp->ctr_slots, &ep.flood_slot, nv))
			continue;
		for (int c = 0; c < ncpu; c++) {
			nv[c].from_packets += ov[c].from_packets;
			nv[c].from_bytes += ov[c].from_bytes;
			nv[c].to_packets += ov[c].to_packets;
			nv[c].to_bytes += ov[c].to_bytes;
		}
		bpf_map_update_elem(dp->ctr_slots, &ep.flood_slot, nv, BPF_ANY);
	}
out:
	free(ov);
	free(nv);
	close(old);
}

/* eb_fdb: the old programs ran on it; nothing in it is lost (eb_fdb_v2
 * has it all, fill_fdb_v2). */
static void retire_fdb(const struct eb_dp *dp, const char *net)
{
	char p[PATH_MAX];

	pin_path(net, EB_MAP_OLD_FDB, p, sizeof(p));
	unlink(p);
}

/* The steps of the upgrade for each retired map (EB_MAPS_RETIRED, in its
 * order): before the new objects load, after they loaded (before the new
 * programs take over), and once every hook runs the new programs. A map
 * appended to EB_MAPS_RETIRED gets its row here. */
static const struct {
	int (*before_load)(const char *net, struct eb_err *e);
	int (*after_load)(const char *net, struct eb_err *e);
	void (*retire)(const struct eb_dp *dp, const char *net);
} eb_retired[EB_NRETIRED] = {
	[EB_RET_OLD_FDB] = { NULL, fill_fdb_v2, retire_fdb },
	[EB_RET_OLD_STATS] = { set_aside_small_stats, NULL, retire_small_stats },
	[EB_RET_OLD_CTR_STATS] = { NULL, NULL, retire_ctr_stats },
	[EB_RET_OLD_PUBLISHED] = { NULL, pub_fill_v2, pub_retire_v1 },
	[EB_RET_OLD_PUBLISHED6] = { NULL, pub6_fill_v2, pub6_retire_v1 },
	[EB_RET_OLD_PORT_STATS] = { NULL, NULL, stats_retire_v1 },
};

/* The before_load (after false) or after_load steps of every retired map. */
static int run_steps(const char *net, bool after, struct eb_err *e)
{
	for (size_t i = 0; i < EB_NRETIRED; i++) {
		int (*step)(const char *, struct eb_err *) =
			after ? eb_retired[i].after_load : eb_retired[i].before_load;
		int err = step ? step(net, e) : 0;

		if (err)
			return err;
	}
	return 0;
}

int upgrade_before_load(const char *net, struct eb_err *e)
{
	return run_steps(net, false, e);
}

/* eb_addr6, a map that builds before it did not have (a container's IPv6
 * address, which they derived from its IPv4 one): the new objects created
 * it empty; before their programs take over (eb_ctr_ip6() reads it), it
 * gets every address that eb_ip6 has, so that each container keeps its
 * own. An entry there already is left as it is. */
static int fill_addr6(const char *net, struct eb_err *e)
{
	struct eb_ip6_key k, next;
	struct eb_ip6_ep v;
	void *prev = NULL;
	char p[PATH_MAX];
	int ip6, addr6 = -1, err = 0;

	pin_path(net, EB_MAP_IP6, p, sizeof(p));
	ip6 = bpf_obj_get(p);
	if (ip6 < 0)
		return 0; /* no IPv6 maps yet: nothing to carry over */
	err = open_pin(net, EB_MAP_ADDR6, &addr6, e);
	while (!err && bpf_map_get_next_key(ip6, prev, &next) == 0) {
		struct eb_ip_key k4 = {};
		struct eb_addr6 a = {};

		k = next;
		prev = &k;
		if (bpf_map_lookup_elem(ip6, &k, &v))
			continue;
		k4.addr = v.ip4;
		memcpy(a.addr, k.addr, 16);
		if (bpf_map_update_elem(addr6, &k4, &a, BPF_NOEXIST) < 0 && errno != EEXIST) {
			err = -errno;
			eb_errf(e, "cannot carry the IPv6 addresses over to '%s': %s", EB_MAP_ADDR6,
				strerror(-err));
		}
	}
	close(ip6);
	if (addr6 >= 0)
		close(addr6);
	return err;
}

int upgrade_after_load(const char *net, struct eb_err *e)
{
	int err = run_steps(net, true, e);

	return err ? err : fill_addr6(net, e);
}

void eb_dp_retire_old_maps(const struct eb_dp *dp, const char *net)
{
	for (size_t i = 0; i < EB_NRETIRED; i++)
		if (eb_retired[i].retire)
			eb_retired[i].retire(dp, net);
}
