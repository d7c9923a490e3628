// SPDX-License-Identifier: GPL-2.0
/*
 * The networks of this host: the lock that every command takes, listing
 * them, finding a container across them, which of them this namespace
 * hosts, and what `ebnet ls` shows of one (eb_net_info).
 */
#include <errno.h>
#include <fcntl.h>
#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <arpa/inet.h>
#include <bpf/bpf.h>

#include "ebnet.h"
#include "health.h"
#include "nl.h"
#include "net_priv.h"

int eb_lock(struct eb_err *e)
{
	int fd = open(EB_LOCK_FILE, O_RDWR | O_CREAT | O_CLOEXEC, 0600);

	if (fd < 0) {
		int err = -errno;

		eb_errf(e, "cannot open the lock file '%s': %s", EB_LOCK_FILE, strerror(-err));
		return err;
	}
	if (flock(fd, LOCK_EX) < 0) {
		int err = -errno;

		close(fd);
		eb_errf(e, "cannot lock '%s': %s", EB_LOCK_FILE, strerror(-err));
		return err;
	}
	return fd;
}

void eb_unlock(int fd)
{
	if (fd >= 0)
		close(fd);
}

/* All records of eb_endpoints; returns the count or a negative errno. */
int load_endpoints(int fd, struct eb_endpoint *out, int max)
{
	struct eb_ip_key key, next;
	void *prev = NULL;
	int n = 0;

	while (n < max && bpf_map_get_next_key(fd, prev, &next) == 0) {
		if (bpf_map_lookup_elem(fd, &next, &out[n]) == 0)
			n++;
		key = next;
		prev = &key;
	}
	return n;
}

int open_endpoints_of(const char *net)
{
	char p[PATH_MAX + 64];

	snprintf(p, sizeof(p), "%s/%.63s/%s", EB_PIN_ROOT, net, EB_MAP_ENDPOINTS);
	return bpf_obj_get(p);
}

int eb_net_list(char names[][64], int max)
{
	struct dirent *de;
	DIR *d = opendir(EB_PIN_ROOT);
	int n = 0;

	if (!d)
		return 0;
	while ((de = readdir(d)) && n < max) {
		if (de->d_name[0] == '.' || strlen(de->d_name) >= 64)
			continue;
		snprintf(names[n++], 64, "%s", de->d_name);
	}
	closedir(d);
	/* Stable order for people and scripts. */
	for (int i = 1; i < n; i++)
		for (int j = i; j > 0 && strcmp(names[j - 1], names[j]) > 0; j--) {
			char t[64];

			memcpy(t, names[j], 64);
			memcpy(names[j], names[j - 1], 64);
			memcpy(names[j - 1], t, 64);
		}
	return n;
}

int eb_find_container(const char *name, char *net, size_t netlen, struct eb_endpoint *ep)
{
	/* Reentrant (the Docker driver calls it from its threads). */
	struct eb_endpoint *scratch = calloc(EB_MAX_ENDPOINTS, sizeof(*scratch));
	char nets[EB_MAX_NETS][64];
	int nn = eb_net_list(nets, EB_MAX_NETS), i, j, n, fd, err = -ENOENT;

	if (!scratch)
		return -ENOMEM;
	for (i = 0; i < nn && err; i++) {
		fd = open_endpoints_of(nets[i]);
		if (fd < 0)
			continue;
		n = load_endpoints(fd, scratch, EB_MAX_ENDPOINTS);
		close(fd);
		for (j = 0; j < n; j++) {
			if (strncmp(scratch[j].name, name, EB_NAME_LEN) == 0) {
				if (net)
					snprintf(net, netlen, "%s", nets[i]);
				if (ep)
					*ep = scratch[j];
				err = 0;
				break;
			}
		}
	}
	free(scratch);
	return err;
}

bool eb_net_is_here(const char *net)
{
	char p[PATH_MAX];
	__u64 cookie;
	__u32 kind;
	int fd, sk;
	bool here = false;

	snprintf(p, sizeof(p), "%s/%s/%s", EB_PIN_ROOT, net, EB_MAP_NETNS);
	fd = bpf_obj_get(p);
	if (fd < 0)
		return false;
	sk = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (sk >= 0) {
		socklen_t len = sizeof(cookie);

		if (getsockopt(sk, SOL_SOCKET, 71 /* SO_NETNS_COOKIE */, &cookie, &len) == 0 &&
		    bpf_map_lookup_elem(fd, &cookie, &kind) == 0)
			here = kind == EB_NS_HOST;
		close(sk);
	}
	close(fd);
	return here;
}

/* Does another network use this uplink (and so the clsact qdisc on it)? */
bool uplink_shared(const char *net, __u32 ifindex)
{
	char nets[EB_MAX_NETS][64];
	int n = eb_net_list(nets, EB_MAX_NETS);

	for (int i = 0; i < n; i++) {
		char p[PATH_MAX + 128];
		struct eb_config cfg;
		__u32 zero = 0;
		int fd;

		if (!strcmp(nets[i], net))
			continue;
		snprintf(p, sizeof(p), "%s/%.63s/%s", EB_PIN_ROOT, nets[i], EB_MAP_CONFIG);
		fd = bpf_obj_get(p);
		if (fd < 0)
			continue;
		if (bpf_map_lookup_elem(fd, &zero, &cfg) == 0 && cfg.uplink_ifindex == ifindex) {
			close(fd);
			return true;
		}
		close(fd);
	}
	return false;
}

/* What the kernel charges for a map ("memlock" in its fdinfo). */
static unsigned long long map_memlock(int fd)
{
	char p[64], line[128];
	unsigned long long v = 0;
	FILE *f;

	snprintf(p, sizeof(p), "/proc/self/fdinfo/%d", fd);
	f = fopen(p, "r");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "memlock: %llu", &v) == 1)
			break;
	fclose(f);
	return v;
}

static int cmp_ep(const void *a, const void *b)
{
	const struct eb_endpoint *x = a, *y = b;

	return ntohl(x->ip) < ntohl(y->ip) ? -1 : ntohl(x->ip) > ntohl(y->ip);
}

int eb_net_info(const char *net, struct eb_net_info *info, struct eb_err *e)
{
	struct eb_dp dp;
	struct eb_nl nl;
	struct eb_link l;
	__u32 zero = 0;
	int err;

	memset(info, 0, sizeof(*info));
	snprintf(info->name, sizeof(info->name), "%s", net);
	err = eb_dp_open(net, &dp, e);
	if (err)
		return err;
	bpf_map_lookup_elem(dp.cfg, &zero, &info->cfg);
	info->nctr = load_endpoints(dp.endpoints, info->ctr, EB_MAX_ENDPOINTS);
	for (int i = 0; i < EB_DP_NMAPS; i++)
		if (eb_dp_maps[i].flags & EB_MAPF_LS_MEM)
			info->map_bytes += map_memlock(dp.map_fd[i]);
	qsort(info->ctr, info->nctr, sizeof(info->ctr[0]), cmp_ep);
	eb_dp_close(&dp);
	ipv6_info(net, info);
	/* The uplink's hook may differ from the ports' (see ports_attach). */
	if (info->cfg.flags & EB_CFG_UPLINK_CLSACT)
		snprintf(info->uplink_attach, sizeof(info->uplink_attach), "clsact");
	else if (eb_dp_uplink_attached(net))
		snprintf(info->uplink_attach, sizeof(info->uplink_attach), "tcx");
	if (eb_nl_open(&nl) == 0) {
		__u32 want = eb_pinned_prog_id(net, EB_PROG_PIN_CONTAINER);

		if (info->cfg.uplink_ifindex) {
			/* Empty while the device is gone (uplink_state names it). */
			if (eb_nl_link_get_index(&nl, info->cfg.uplink_ifindex, &l) == 0)
				snprintf(info->uplink, sizeof(info->uplink), "%s", l.name);
		}
		if (eb_uplink_state(net, &nl, &info->cfg, info->uplink_state,
				    sizeof(info->uplink_state)))
			snprintf(info->uplink_state, sizeof(info->uplink_state), "%s",
				 info->cfg.uplink_ifindex && info->cfg.snat_ip ? "ok" : "none");
		for (int i = 0; i < info->nctr; i++) {
			char *st = info->ctr_state[i];
			size_t len = sizeof(info->ctr_state[i]);
			char why[sizeof(info->ctr_state[i]) - 16];

			eb_port_state(net, &nl, &info->ctr[i], want, why, sizeof(why));
			if (!why[0])
				snprintf(st, len, "ready");
			else if (!(info->ctr[i].flags & EB_EP_READY))
				snprintf(st, len, "%s", why);
			else
				snprintf(st, len, "degraded: %s", why);
		}
		eb_nl_close(&nl);
	}
	return 0;
}
