// SPDX-License-Identifier: GPL-2.0
/*
 * A network's resolvers and its containers' resolv.conf: `up`'s name
 * options checked, eb_dns made (the domain, the upstream resolvers: given,
 * or the host's), and the file each container reads. See ebnet_names.h.
 */
#include <errno.h>
#include <ifaddrs.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/stat.h>
#include <bpf/bpf.h>

#include "ebnet_names.h"
#include "dp.h"
#include "names_priv.h"

#define EB_NETNS_ETC	  "/etc/netns"
#define EB_RESOLV_CONF	  "/etc/resolv.conf"
#define EB_RESOLVED_CONF  "/run/systemd/resolve/resolv.conf" /* resolved's upstreams */

int names_read_cfg(const char *net, struct eb_dns_cfg *dc, struct eb_err *e)
{
	__u32 zero = 0;
	int fd = eb_pin_open(net, EB_MAP_DNS, e), err = 0;

	if (fd < 0)
		return fd;
	if (bpf_map_lookup_elem(fd, &zero, dc) < 0) {
		err = -errno;
		eb_errf(e, "cannot read map '%s': %s", EB_MAP_DNS, strerror(-err));
	}
	close(fd);
	return err;
}

int eb_names_check(const char *net, const struct eb_names_opts *o, struct eb_err *e)
{
	uint8_t w[EB_DNS_DOMAIN_LEN];

	if (o->domain && eb_dns_wire(o->domain, w, sizeof(w), false) < 0) {
		eb_errf(e, "invalid --domain '%s': want labels of 1 to 63 characters joined by "
			   "dots, %d bytes at most",
			o->domain, EB_DNS_DOMAIN_LEN - 2);
		return -EINVAL;
	}
	if (o->ndns > EB_DNS_MAX_UP) {
		eb_errf(e, "--dns: at most %d resolvers", EB_DNS_MAX_UP);
		return -EINVAL;
	}
	for (int i = 0; i < o->naliases; i++) {
		const char *a = o->aliases[i].name;

		if (eb_valid_name(a, EB_NAME_LEN) || eb_dns_wire(a, w, sizeof(w), false) < 0) {
			eb_errf(e, "invalid alias '%s' of '%s': use 1 to %d of A-Z a-z 0-9 _ . -, "
				   "no empty label",
				a, o->aliases[i].ctr, EB_NAME_LEN - 1);
			return -EINVAL;
		}
	}
	return 0;
}

/* Is addr one of this namespace's own (loopback included)? */
static bool addr_is_local(uint32_t addr)
{
	struct ifaddrs *ifa, *i;
	bool local = (ntohl(addr) >> 24) == 127;

	if (local || getifaddrs(&ifa) < 0)
		return local;
	for (i = ifa; i && !local; i = i->ifa_next)
		local = i->ifa_addr && i->ifa_addr->sa_family == AF_INET &&
			((struct sockaddr_in *)i->ifa_addr)->sin_addr.s_addr == addr;
	freeifaddrs(ifa);
	return local;
}

/* The nameserver lines of a resolv.conf; returns how many, up to max. */
static int resolv_servers(const char *path, uint32_t *out, int max)
{
	char line[256];
	int n = 0;
	FILE *f = fopen(path, "re");

	if (!f)
		return 0;
	while (n < max && fgets(line, sizeof(line), f)) {
		char addr[64];
		uint32_t a;

		if (sscanf(line, " nameserver %63s", addr) == 1 && eb_parse_ipv4(addr, &a) == 0)
			out[n++] = a;
	}
	fclose(f);
	return n;
}

/* The host's resolvers: /etc/resolv.conf, or when it names only
 * systemd-resolved's stub (127.0.0.53, which answers loopback clients
 * only), the upstreams resolved itself uses, as Docker does. */
static int host_servers(uint32_t *out, int max)
{
	const char *path = getenv("EBNET_RESOLV_CONF");
	uint32_t stub = htonl(0x7f000035);
	int n = resolv_servers(path && *path ? path : EB_RESOLV_CONF, out, max), i;

	for (i = 0; i < n && out[i] == stub; i++)
		;
	if (n && i == n && !(path && *path)) {
		int m = resolv_servers(EB_RESOLVED_CONF, out, max);

		if (m)
			return m;
		n = resolv_servers(EB_RESOLV_CONF, out, max);
	}
	return n;
}

int eb_names_setup(const char *net, const struct eb_names_opts *o, struct eb_err *e)
{
	struct eb_dns_cfg dc = {}, want = {};
	uint32_t ups[EB_DNS_MAX_UP];
	char have[128], asked[128];
	__u32 zero = 0;
	int fd, err, n, wl;

	err = names_read_cfg(net, &dc, e);
	if (err)
		return err;
	wl = eb_dns_wire(o->domain ? o->domain : net, want.domain, sizeof(want.domain), false);
	if (wl < 0) {
		/* A network name that is no domain ("a..b"): names without one. */
		wl = 1;
		want.domain[0] = 0;
	}
	want.domain_len = wl;
	if (dc.domain_len && o->domain &&
	    (dc.domain_len != want.domain_len || memcmp(dc.domain, want.domain, wl))) {
		eb_dns_wire_text(dc.domain, dc.domain_len, have, sizeof(have));
		eb_dns_wire_text(want.domain, want.domain_len, asked, sizeof(asked));
		eb_errf(e, "network '%s' exists with domain '%s', not '%s'; `ebnet down --net %s` "
			   "first to change it",
			net, have, asked, net);
		return -EEXIST;
	}
	if (dc.domain_len && !o->dns)
		return 0; /* as it was made */
	if (!dc.domain_len) {
		dc = want;
		dc.ttl = EB_DNS_TTL;
	}
	if (o->dns || !dc.n_up) {
		n = o->dns ? o->ndns : host_servers(ups, EB_DNS_MAX_UP);
		dc.n_up = n;
		dc.up_local = 0;
		for (int i = 0; i < n; i++) {
			dc.up[i] = o->dns ? o->dns[i] : ups[i];
			if (addr_is_local(dc.up[i]))
				dc.up_local |= 1U << i;
		}
	}
	fd = eb_pin_open(net, EB_MAP_DNS, e);
	if (fd < 0)
		return fd;
	if (bpf_map_update_elem(fd, &zero, &dc, BPF_ANY) < 0) {
		err = -errno;
		eb_errf(e, "cannot write map '%s': %s", EB_MAP_DNS, strerror(-err));
	}
	close(fd);
	if (!err && o->dns) {
		/* New resolvers: the first of them is every container's current
		 * one again. The map is a cache: all of it goes (keys read
		 * first, one at a time: deleting while walking restarts it). */
		struct eb_dns_fwd_key k;

		fd = eb_pin_open(net, EB_MAP_DNS_TRY, NULL);
		while (fd >= 0 && bpf_map_get_next_key(fd, NULL, &k) == 0 &&
		       bpf_map_delete_elem(fd, &k) == 0)
			;
		if (fd >= 0)
			close(fd);
	}
	return err;
}

void eb_names_resolv_path(const char *ctr, char *buf, size_t len)
{
	const char *dir = getenv("EBNET_NETNS_ETC");

	snprintf(buf, len, "%s/%s/resolv.conf", dir && *dir ? dir : EB_NETNS_ETC, ctr);
}

/* The container's resolv.conf: the gateway answers, the domain searched.
 * Written whole (a temporary file renamed over it). */
int names_resolv_write(const char *ctr, uint32_t gw, const struct eb_dns_cfg *dc,
			struct eb_err *e)
{
	char p[PATH_MAX], tmp[PATH_MAX + 8], dom[128], ipb[16], *slash;
	FILE *f;
	int err = 0;

	eb_names_resolv_path(ctr, p, sizeof(p));
	snprintf(tmp, sizeof(tmp), "%s", p);
	/* Its folders: /etc/netns, then /etc/netns/NAME. */
	slash = strrchr(tmp, '/');
	*slash = 0;
	{
		char *up = strrchr(tmp, '/');

		if (up && up != tmp) {
			*up = 0;
			mkdir(tmp, 0755);
			*up = '/';
		}
	}
	if (mkdir(tmp, 0755) < 0 && errno != EEXIST) {
		err = -errno;
		eb_errf(e, "cannot create '%s' for the resolv.conf of '%s': %s", tmp, ctr,
			strerror(-err));
		return err;
	}
	snprintf(tmp, sizeof(tmp), "%s.tmp", p);
	f = fopen(tmp, "we");
	if (!f) {
		err = -errno;
		eb_errf(e, "cannot write '%s': %s", tmp, strerror(-err));
		return err;
	}
	eb_dns_wire_text(dc->domain, dc->domain_len, dom, sizeof(dom));
	fprintf(f, "# written by ebnet: the gateway answers the names of the network\n");
	fprintf(f, "nameserver %s\n", eb_ip_str(gw, ipb));
	if (dom[0])
		fprintf(f, "search %s\n", dom);
	if (fflush(f) || fsync(fileno(f)))
		err = -errno;
	if (fclose(f) && !err)
		err = -errno;
	if (!err && rename(tmp, p) < 0)
		err = -errno;
	if (err) {
		unlink(tmp);
		eb_errf(e, "cannot write '%s': %s", p, strerror(-err));
	}
	return err;
}

void eb_names_resolv_remove(const char *ctr)
{
	char p[PATH_MAX], *slash;

	eb_names_resolv_path(ctr, p, sizeof(p));
	unlink(p);
	slash = strrchr(p, '/');
	*slash = 0;
	rmdir(p); /* only if empty: other files of iproute2's stay */
}
