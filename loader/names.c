// SPDX-License-Identifier: GPL-2.0
/*
 * Names of a network's containers in the maps eb_names and eb_names_rev
 * (NAME, NAME.DOMAIN, aliases, the PTR), written and removed with the
 * records; see ebnet_names.h and bpf/lib/dns.h. The resolvers and
 * resolv.conf are in resolv.c, the wire form in dns_wire.c.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>

#include "ebnet_names.h"
#include "dp.h"
#include "names_priv.h"

/* The key of name (+ domain when given, in wire form). */
static int name_key(const char *name, const struct eb_dns_cfg *dc, struct eb_name_key *k)
{
	int n;

	memset(k, 0, sizeof(*k));
	n = eb_dns_wire(name, k->name, sizeof(k->name), false);
	if (n < 0)
		return n;
	if (!dc)
		return 0;
	if (n - 1 + dc->domain_len > sizeof(k->name))
		return -ENAMETOOLONG;
	memcpy(k->name + n - 1, dc->domain, dc->domain_len);
	return 0;
}

/* The network's eb_dns settings into dc, and eb_names opened: its fd, or
 * a negative errno. */
static int open_names(const char *net, struct eb_dns_cfg *dc, struct eb_err *e)
{
	int err = names_read_cfg(net, dc, e);

	return err ? err : eb_pin_open(net, EB_MAP_NAMES, e);
}

static int put_name(int fd, const struct eb_name_key *k, const struct eb_name_val *v,
		    const char *text, struct eb_err *e)
{
	struct eb_name_val old;

	if (v->flags & EB_NAME_ALIAS && bpf_map_lookup_elem(fd, k, &old) == 0 &&
	    strncmp(old.owner, v->owner, EB_NAME_LEN)) {
		eb_errf(e, "the name '%s' is container '%s''s already; alias of '%s' refused", text,
			old.owner, v->owner);
		return -EEXIST;
	}
	if (bpf_map_update_elem(fd, k, v, BPF_ANY) < 0) {
		int err = -errno;

		eb_errf(e, "cannot record the name '%s' in map '%s': %s", text, EB_MAP_NAMES,
			strerror(-err));
		return err;
	}
	return 0;
}

/* NAME and NAME.DOMAIN -> ip for owner. A name that is no DNS name ("a..b")
 * is left out: the container has no name then, nothing fails. */
static int put_pair(int fd, const char *name, const struct eb_dns_cfg *dc, uint32_t ip,
		    const char *owner, uint32_t flags, struct eb_err *e)
{
	struct eb_name_val v = { .ip = ip, .flags = flags };
	struct eb_name_key k;
	int err;

	snprintf(v.owner, sizeof(v.owner), "%s", owner);
	if (name_key(name, NULL, &k))
		return 0;
	err = put_name(fd, &k, &v, name, e);
	if (!err && dc->domain_len > 1 && name_key(name, dc, &k) == 0)
		err = put_name(fd, &k, &v, name, e);
	return err;
}

/* The keys of eb_names (fd) whose owner is the container, in *keys
 * (malloc'd); their count or -ENOMEM. Collected first: a key deleted or
 * changed during bpf_map_get_next_key() would restart the walk. */
static int owned_keys(int fd, const char *owner, struct eb_name_key **keys)
{
	struct eb_name_key k, next, *out = NULL;
	struct eb_name_val v;
	bool first = true;
	int n = 0, cap = 0;

	while (bpf_map_get_next_key(fd, first ? NULL : &k, &next) == 0) {
		first = false;
		k = next;
		if (bpf_map_lookup_elem(fd, &k, &v) || strncmp(v.owner, owner, EB_NAME_LEN))
			continue;
		if (n == cap) {
			struct eb_name_key *nk = realloc(out, (cap = cap ? 2 * cap : 8) * sizeof(*out));

			if (!nk) {
				free(out);
				return -ENOMEM;
			}
			out = nk;
		}
		out[n++] = k;
	}
	*keys = out;
	return n;
}

int eb_names_put(const char *net, const struct eb_endpoint *ep, uint32_t gateway,
		 struct eb_err *e)
{
	struct eb_name_key *keys = NULL;
	struct eb_dns_cfg dc;
	struct eb_name_rev rv = {};
	struct eb_ip_key ik = { .addr = ep->ip };
	struct eb_name_val v;
	int fd, rfd = -1, err, n;

	fd = open_names(net, &dc, e);
	if (fd < 0)
		return fd;
	err = put_pair(fd, ep->name, &dc, ep->ip, ep->name, 0, e);
	if (err)
		goto out;
	/* Its aliases follow it to a new address. */
	n = owned_keys(fd, ep->name, &keys);
	if (n < 0) {
		err = n;
		goto out;
	}
	for (int i = 0; i < n; i++)
		if (bpf_map_lookup_elem(fd, &keys[i], &v) == 0 && v.ip != ep->ip) {
			v.ip = ep->ip;
			bpf_map_update_elem(fd, &keys[i], &v, BPF_ANY);
		}
	/* PTR: NAME.DOMAIN, as the container was named. */
	{
		int l = eb_dns_wire(ep->name, rv.name, sizeof(rv.name), true);

		if (l < 0)
			goto resolv; /* no DNS name: no PTR either */
		if (dc.domain_len > 1 && l - 1 + dc.domain_len <= sizeof(rv.name)) {
			memcpy(rv.name + l - 1, dc.domain, dc.domain_len);
			l += dc.domain_len - 1;
		}
		rv.len = l;
		rfd = eb_pin_open(net, EB_MAP_NAMES_REV, e);
		if (rfd < 0) {
			err = rfd;
			goto out;
		}
		if (bpf_map_update_elem(rfd, &ik, &rv, BPF_ANY) < 0) {
			err = -errno;
			eb_errf(e, "cannot record the address of '%s' in map '%s': %s", ep->name,
				EB_MAP_NAMES_REV, strerror(-err));
			goto out;
		}
	}
resolv:
	/* An attachment's runtime (CNI, Docker) writes its containers'
	 * resolv.conf itself, from the result it is given. */
	if (!(ep->flags & EB_EP_ATTACHED))
		err = names_resolv_write(ep->name, gateway, &dc, e);
out:
	free(keys);
	if (rfd >= 0)
		close(rfd);
	close(fd);
	return err;
}

int eb_names_sync(const char *net, const struct eb_endpoint *eps, int n, uint32_t gateway,
		  const struct eb_names_opts *o, struct eb_err *e)
{
	struct eb_dns_cfg dc;
	int fd, err = 0, i;

	for (i = 0; i < n && !err; i++)
		if (eps[i].flags & EB_EP_READY)
			err = eb_names_put(net, &eps[i], gateway, e);
	if (err || !o->naliases)
		return err;
	fd = open_names(net, &dc, e);
	if (fd < 0)
		return fd;
	for (i = 0; i < o->naliases && !err; i++) {
		const struct eb_endpoint *ep = NULL;

		for (int j = 0; j < n; j++)
			if (!strncmp(eps[j].name, o->aliases[i].ctr, EB_NAME_LEN))
				ep = &eps[j];
		if (!ep) {
			eb_errf(e, "no container '%s' in network '%s' for the alias '%s'",
				o->aliases[i].ctr, net, o->aliases[i].name);
			err = -ENOENT;
			break;
		}
		err = put_pair(fd, o->aliases[i].name, &dc, ep->ip, ep->name, EB_NAME_ALIAS, e);
	}
	close(fd);
	return err;
}

int eb_names_add_aliases(const char *net, const struct eb_endpoint *ep,
			 const char *const *names, int n, char *skipped, size_t len,
			 struct eb_err *e)
{
	struct eb_dns_cfg dc;
	int fd, err = 0;
	size_t used = 0;

	if (len)
		skipped[0] = 0;
	if (n <= 0)
		return 0;
	fd = open_names(net, &dc, e);
	if (fd < 0)
		return fd;
	for (int i = 0; i < n && !err; i++) {
		struct eb_err pe = {};
		struct eb_name_key k;
		const char *why = NULL;

		if (!names[i] || name_key(names[i], NULL, &k) || !strcmp(names[i], ep->name)) {
			if (names[i] && !strcmp(names[i], ep->name))
				continue; /* its own name already */
			why = "not a DNS name";
		} else {
			err = put_pair(fd, names[i], &dc, ep->ip, ep->name, EB_NAME_ALIAS, &pe);
			if (err == -EEXIST) {
				why = "another container's name";
				err = 0;
			} else if (err) {
				*e = pe;
			}
		}
		if (why && used < len) {
			int w = snprintf(skipped + used, len - used, "%s%.63s (%s)", used ? ", " : "",
					 names[i] ? names[i] : "?", why);

			used += w > 0 ? (size_t)w : 0;
		}
	}
	close(fd);
	return err;
}

void eb_names_forget(const char *net, const struct eb_endpoint *ep)
{
	struct eb_name_key *keys = NULL;
	struct eb_ip_key ik = { .addr = ep->ip };
	int fd, n;

	fd = eb_pin_open(net, EB_MAP_NAMES, NULL);
	if (fd >= 0) {
		n = owned_keys(fd, ep->name, &keys);
		for (int i = 0; i < n; i++)
			bpf_map_delete_elem(fd, &keys[i]);
		free(keys);
		close(fd);
	}
	fd = eb_pin_open(net, EB_MAP_NAMES_REV, NULL);
	if (fd >= 0) {
		bpf_map_delete_elem(fd, &ik);
		close(fd);
	}
}
