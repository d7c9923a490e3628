// SPDX-License-Identifier: GPL-2.0
/* Counters: their names and help, the per-CPU sums of a network's stats
 * maps, and the programs' run counts; see ebnet_obs.h. */
#include <errno.h>
#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "ebnet_obs.h"

static const struct {
	const char *name, *help;
} counters[EB_CNT_MAX] = {
#define EB_CNT_TEXT(idx, name, text, help) [idx] = { text, help },
	EB_COUNTERS(EB_CNT_TEXT)
#undef EB_CNT_TEXT
};

/* The list's own checks, at compile time: an index past EB_CNT_LAST, or
 * one given twice (a duplicate case label), does not build. */
#define EB_CNT_BELOW_LAST(idx, name, text, help) \
	_Static_assert(idx < EB_CNT_LAST, "counter " #name ": index past EB_CNT_LAST");
EB_COUNTERS(EB_CNT_BELOW_LAST)
#undef EB_CNT_BELOW_LAST

static inline __attribute__((unused)) int eb_counter_unique(int i)
{
	switch (i) {
#define EB_CNT_CASE(idx, name, text, help) case idx:
		EB_COUNTERS(EB_CNT_CASE)
#undef EB_CNT_CASE
		return 1;
	}
	return 0;
}

const char *eb_counter_name(unsigned int idx)
{
	return idx < EB_CNT_MAX ? counters[idx].name : NULL;
}

const char *eb_counter_help(unsigned int idx)
{
	return idx < EB_CNT_MAX ? counters[idx].help : NULL;
}

/* The global counters (eb_stats), each summed over the CPUs; pc has room
 * for ncpu values. */
static int stats_global(const char *net, struct eb_stats_snap *s, struct eb_counter_val *pc,
			int ncpu, struct eb_err *e)
{
	int fd = eb_pin_open(net, EB_MAP_STATS, e);

	if (fd < 0)
		return fd;
	for (__u32 i = 0; i < EB_CNT_MAX; i++) {
		if (bpf_map_lookup_elem(fd, &i, pc))
			continue;
		for (int c = 0; c < ncpu; c++) {
			s->global[i].packets += pc[c].packets;
			s->global[i].bytes += pc[c].bytes;
		}
	}
	close(fd);
	return 0;
}

/* Every container of the network, with the counters of its slot
 * (eb_ctr_slots) where it has one; cc has room for ncpu values. */
static int stats_ctrs(const char *net, const struct eb_net_info *info, struct eb_stats_snap *s,
		      struct eb_ctr_counters *cc, int ncpu, struct eb_err *e)
{
	int fd = eb_pin_open(net, EB_MAP_CTR_STATS, e);

	if (fd < 0)
		return fd;
	for (int i = 0; i < info->nctr; i++) {
		struct eb_ctr_stat *st = &s->ctr[s->nctr++];
		__u32 slot = info->ctr[i].flood_slot;

		snprintf(st->name, sizeof(st->name), "%s", info->ctr[i].name);
		st->ifindex = info->ctr[i].ifindex;
		if (!st->ifindex || slot >= EB_MAX_ENDPOINTS || bpf_map_lookup_elem(fd, &slot, cc))
			continue;
		for (int c = 0; c < ncpu; c++) {
			st->c.from_packets += cc[c].from_packets;
			st->c.from_bytes += cc[c].from_bytes;
			st->c.to_packets += cc[c].to_packets;
			st->c.to_bytes += cc[c].to_bytes;
		}
	}
	close(fd);
	return 0;
}

/* Every published port, with its counters where it has any (a network
 * without eb_pub_stats lists its ports with none). */
static int stats_ports(const char *net, struct eb_stats_snap *s, struct eb_counter_val *pc,
		       int ncpu, struct eb_err *e)
{
	int pfd = eb_pin_open(net, EB_MAP_PUBLISHED, e), sfd;
	struct eb_pub_key k, next;
	struct eb_pub_val v;
	void *prev = NULL;

	if (pfd < 0)
		return pfd;
	sfd = eb_pin_open(net, EB_MAP_PORT_STATS, e);
	while (s->nport < EB_PUB_MAX && bpf_map_get_next_key(pfd, prev, &next) == 0) {
		struct eb_port_stat *st;

		k = next;
		prev = &k;
		if (bpf_map_lookup_elem(pfd, &k, &v))
			continue;
		st = &s->port[s->nport++];
		st->key = k;
		snprintf(st->name, sizeof(st->name), "%s", v.name);
		if (sfd >= 0 && bpf_map_lookup_elem(sfd, &k, pc) == 0)
			for (int c = 0; c < ncpu; c++) {
				st->c.packets += pc[c].packets;
				st->c.bytes += pc[c].bytes;
			}
	}
	close(pfd);
	if (sfd >= 0)
		close(sfd);
	e->msg[0] = 0;
	return 0;
}

int eb_stats_read(const char *net, struct eb_stats_snap *s, struct eb_err *e)
{
	int ncpu = libbpf_num_possible_cpus();
	struct eb_counter_val *pc = calloc(ncpu, sizeof(*pc));
	struct eb_ctr_counters *cc = calloc(ncpu, sizeof(*cc));
	struct eb_net_info *info = calloc(1, sizeof(*info));
	int err = 0;

	memset(s, 0, sizeof(*s));
	s->port = calloc(EB_PUB_MAX, sizeof(*s->port));
	if (!pc || !cc || !info || !s->port) {
		err = -ENOMEM;
		goto out;
	}
	err = eb_net_info(net, info, e);
	if (!err)
		err = stats_global(net, s, pc, ncpu, e);
	if (!err)
		err = stats_ctrs(net, info, s, cc, ncpu, e);
	if (!err)
		err = stats_ports(net, s, pc, ncpu, e);
out:
	free(pc);
	free(cc);
	free(info);
	return err;
}

void eb_stats_free(struct eb_stats_snap *s)
{
	free(s->port);
	s->port = NULL;
}

int eb_prog_stats(const char *net, struct eb_prog_stat *out, int max)
{
	char dir[PATH_MAX], p[PATH_MAX * 2];
	struct dirent *de;
	DIR *d;
	int n = 0;

	snprintf(dir, sizeof(dir), "%s/%s", EB_PIN_ROOT, net);
	d = opendir(dir);
	if (!d)
		return -errno;
	while ((de = readdir(d)) && n < max) {
		struct bpf_prog_info info = {};
		__u32 len = sizeof(info);
		int fd;

		if (strncmp(de->d_name, "prog_", 5))
			continue;
		snprintf(p, sizeof(p), "%s/%s", dir, de->d_name);
		fd = bpf_obj_get(p);
		if (fd < 0)
			continue;
		if (bpf_obj_get_info_by_fd(fd, &info, &len) == 0) {
			snprintf(out[n].name, sizeof(out[n].name), "%s", de->d_name + 5);
			out[n].run_cnt = info.run_cnt;
			out[n].run_time_ns = info.run_time_ns;
			n++;
		}
		close(fd);
	}
	closedir(d);
	return n;
}
