// SPDX-License-Identifier: GPL-2.0
/*
 * Published ports: `ebnet publish` and `unpublish` (`ports` reads the maps
 * in pub_maps.c). A mapping is one entry of eb_pub_ports per host port;
 * the next packet (TC, on the uplink) or the next connect() (sock_addr, on
 * the host and in containers) uses it, with no program reloaded. Removing or moving a mapping also removes
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
#include "pub_priv.h"

/* "[2001:db8::1]:" or "198.51.100.1:" or "" (every address) */
static const char *spec_host(const struct eb_pub_spec *sp, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN];

	if (sp->v6)
		snprintf(buf, len, "[%s]:", eb_ip6_str(sp->host_ip6, a));
	else if (sp->host_ip)
		snprintf(buf, len, "%s:", eb_ip_str(sp->host_ip, a));
	else
		buf[0] = 0;
	return buf;
}

static const char *proto_name(uint8_t p)
{
	return p == IPPROTO_UDP ? "udp" : "tcp";
}

/* Does an entry at host address (v6 ? a6 : ip) overlap the spec's? An
 * address and "every address" (IPv4 0, which covers the IPv6 addresses
 * too) overlap; an IPv4 address and an IPv6 one do not. */
static bool addr_overlap(const struct eb_pub_spec *sp, bool v6, uint32_t ip, const uint8_t *a6)
{
	if (!v6 && !ip)
		return true; /* the entry is on every address */
	if (!sp->v6 && !sp->host_ip)
		return true; /* the spec is */
	if (v6 != sp->v6)
		return false;
	return v6 ? !memcmp(a6, sp->host_ip6, 16) : ip == sp->host_ip;
}

/* Is host_ip:port/proto free in every network of this host (the network
 * namespace ebnet runs in)? Networks run from other namespaces have other
 * addresses and ports. */
static int check_free(const struct eb_pub_spec *sp, uint32_t ctr_ip, struct eb_err *e)
{
	char nets[EB_MAX_NETS][64];
	struct eb_pub_key *keys = NULL;
	struct eb_pub6_key *keys6 = NULL;
	struct eb_pub_val *vals = NULL, *vals6 = NULL;
	int nn = eb_net_list(nets, EB_MAX_NETS), err = 0;
	char a[INET6_ADDRSTRLEN];

	for (int i = 0; i < nn; i++) {
		int n, n6;

		if (!eb_net_is_here(nets[i]))
			continue;
		pub_free(keys, vals);
		pub_free(keys6, vals6);
		keys6 = NULL;
		vals6 = NULL;
		/* A network not upgraded yet is read from its earlier maps:
		 * its datapath takes those ports too. */
		n = pub_load_net(nets[i], false, (void **)&keys, &vals);
		if (n == -ENOENT)
			continue;
		n6 = pub_load_net(nets[i], true, (void **)&keys6, &vals6);
		if (n < 0 || n6 < 0) {
			eb_errf(e, "out of memory reading the published ports");
			err = -ENOMEM;
			break;
		}
		for (int j = 0; j < n + n6 && !err; j++) {
			bool v6 = j >= n;
			const struct eb_pub_val *v = v6 ? &vals6[j - n] : &vals[j];
			uint32_t ip = v6 ? 0 : keys[j].host_ip;
			const uint8_t *a6 = v6 ? keys6[j - n].host_ip6 : NULL;
			uint16_t port = v6 ? keys6[j - n].host_port : keys[j].host_port;
			uint8_t proto = v6 ? keys6[j - n].proto : keys[j].proto;
			bool same_key = v6 == sp->v6 && (v6 ? !memcmp(a6, sp->host_ip6, 16)
							    : ip == sp->host_ip);

			if (proto != sp->proto || port < sp->hport_lo || port > sp->hport_hi)
				continue;
			if (!addr_overlap(sp, v6, ip, a6))
				continue;
			/* The very mapping asked for: already done, not a conflict
			 * (so a publish run again, after a kill, completes). */
			if (same_key && v->ctr_ip == ctr_ip &&
			    v->ctr_port == sp->cport_lo + (port - sp->hport_lo))
				continue;
			eb_errf(e, "%s%s%s%s%u/%s is already published to %s:%u (network %s); "
				   "`ebnet unpublish` it first",
				v6 ? "[" : "", v6 ? eb_ip6_str(a6, a) : ip ? eb_ip_str(ip, a) : "",
				v6 ? "]" : "", v6 || ip ? ":" : "", port, proto_name(sp->proto),
				v->name, v->ctr_port, nets[i]);
			err = -EADDRINUSE;
		}
		if (err)
			break;
	}
	pub_free(keys, vals);
	pub_free(keys6, vals6);
	return err;
}

/* Is no host socket listening there? The host's services stay the host's
 * unless the user says otherwise (Docker refuses such a port too). With
 * --force, new flows go to the container; the datapath still leaves the
 * host's own connections on that port alone. */
static int check_host_free(const struct eb_pub_spec *sp, struct eb_err *e)
{
	struct eb_host_sock hs;
	char h[INET6_ADDRSTRLEN + 4], what[200];
	int hit;

	if (sp->force)
		return 0;
	hit = sp->v6 ? eb_host_listener6(sp->host_ip6, sp->hport_lo, sp->hport_hi, sp->proto, &hs)
		     : eb_host_listener(sp->host_ip, sp->hport_lo, sp->hport_hi, sp->proto, &hs);
	if (!hit)
		return 0;
	eb_errf(e, "%s%u/%s: a host socket %s it: %s; pass --force to publish it anyway "
		   "(new flows from outside then go to the container)",
		spec_host(sp, h, sizeof(h)), hs.port, proto_name(sp->proto),
		sp->proto == IPPROTO_UDP ? "is bound to" : "listens on",
		eb_host_sock_str(&hs, what, sizeof(what)));
	return -EADDRINUSE;
}

/* Can a port on an IPv6 host address reach the container? One with an
 * IPv6 address (its network --ipv6, its stored address in place:
 * eb_ctr_addr6) is reached there; one on a network without IPv6 over IPv4
 * (from outside translated between the families, bpf/lib/nat46.h; from
 * the host and containers at its v4-mapped address, TCP and connected
 * UDP). A container of an IPv6 network whose address is not written yet
 * is refused. */
/* A network that still runs on the published-port maps of an earlier
 * build (their ports in network order) is upgraded by `up` before its
 * ports change: written here, they would be lost or undone by the
 * upgrade's copy. */
static int pub_net_current(const char *net, struct eb_err *e)
{
	if (!pub_net_is_v1(net))
		return 0;
	eb_errf(e, "network '%s' runs the datapath of an earlier ebnet (its published ports are in "
		   "%s); run `ebnet up --net %s` first to upgrade it",
		net, EB_MAP_OLD_PUBLISHED, net);
	return -EOPNOTSUPP;
}

static int ctr_ip6_check(const char *net, const struct eb_endpoint *ep, struct eb_err *e)
{
	struct eb_config6 c6;
	uint8_t a[16];

	if (eb_config6_get(net, &c6) == 0 && (c6.flags & EB_CFG6_ON)) {
		if (eb_ctr_addr6(net, ep->ip, a)) {
			eb_errf(e, "container '%s' has no IPv6 address yet; run `ebnet up --net %s` "
				   "first",
				ep->name, net);
			return -EADDRNOTAVAIL;
		}
		return 0;
	}
	return 0; /* a network without IPv6: over IPv4 */
}

/* The container a publish names, in net (written), ready; net_opt, when
 * given, must be its network. */
static int pub_find_ctr(const char *net_opt, const struct eb_pub_spec *sp, char *net,
			size_t netlen, struct eb_endpoint *ep, struct eb_err *e)
{
	if (eb_find_container(sp->ctr, net, netlen, ep)) {
		eb_errf(e, "no container '%s'%s%s", sp->ctr, net_opt ? " in network " : "",
			net_opt ? net_opt : "");
		return -ENOENT;
	}
	if (net_opt && strcmp(net_opt, net)) {
		eb_errf(e, "container '%s' is in network '%s', not '%s'", sp->ctr, net, net_opt);
		return -ENOENT;
	}
	if (!(ep->flags & EB_EP_READY)) {
		eb_errf(e, "container '%s' is half-made; run `ebnet up` again first", sp->ctr);
		return -EAGAIN;
	}
	return 0;
}

/* The host address a port is published on (none: every address) must be
 * one of this host's (loopback always is); an IPv6 one wants a container
 * with IPv6 in a network with IPv6. */
static int pub_host_addr_check(const struct eb_pub_spec *sp, const char *net,
			       const struct eb_endpoint *ep, struct eb_err *e)
{
	struct eb_nl nl;
	char a[INET6_ADDRSTRLEN];
	int err;

	if (sp->v6) {
		err = ctr_ip6_check(net, ep, e);
		if (err)
			return err;
		if (!IN6_IS_ADDR_LOOPBACK(sp->host_ip6) && host_has_ip6(sp->host_ip6) <= 0) {
			eb_errf(e, "[%s] is not an address of this host", eb_ip6_str(sp->host_ip6, a));
			return -EADDRNOTAVAIL;
		}
	}
	if (sp->host_ip && (ntohl(sp->host_ip) >> 24) != 127) {
		err = eb_nl_open(&nl);
		if (!err) {
			err = eb_nl_addr_is_local(&nl, sp->host_ip);
			eb_nl_close(&nl);
		}
		if (err <= 0) {
			eb_errf(e, "%s is not an address of this host", eb_ip_str(sp->host_ip, a));
			return -EADDRNOTAVAIL;
		}
	}
	return 0;
}

/* The entries of a publish, one per port of the range, into the published
 * map mfd (eb_pub_ports or eb_pub_ports6). A port mapped the same way
 * already is left as it is; on any other failure, every entry this call
 * added is removed again. */
static int pub_write(int mfd, const struct eb_pub_spec *sp, const struct eb_endpoint *ep,
		     struct eb_err *e)
{
	uint32_t cnt = sp->hport_hi - sp->hport_lo + 1;
	unsigned char *added = calloc(cnt, 1);
	int err = 0;

	if (!added)
		return -ENOMEM;
	for (uint32_t i = 0; i < cnt; i++) {
		struct eb_pub_key k = { .host_ip = sp->host_ip,
					.host_port = sp->hport_lo + i,
					.proto = sp->proto };
		struct eb_pub6_key k6 = { .host_port = sp->hport_lo + i, .proto = sp->proto };
		struct eb_pub_val v = { .ctr_ip = ep->ip,
					.ctr_port = sp->cport_lo + i,
					.ifindex = ep->ifindex };
		void *key = sp->v6 ? (void *)&k6 : (void *)&k;

		memcpy(k6.host_ip6, sp->host_ip6, 16);
		snprintf(v.name, sizeof(v.name), "%s", ep->name);
		if (bpf_map_update_elem(mfd, key, &v, BPF_NOEXIST) < 0) {
			struct eb_pub_val have;

			err = -errno;
			/* The same mapping is there already (check_free let it
			 * through): nothing to do for this port. */
			if (err == -EEXIST && bpf_map_lookup_elem(mfd, key, &have) == 0 &&
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
				k.host_port = k6.host_port = sp->hport_lo + j;
				bpf_map_delete_elem(mfd, key);
			}
			break;
		}
		added[i] = 1;
	}
	free(added);
	return err;
}

int eb_publish(const char *net_opt, const struct eb_pub_spec *sp, char *net_out, size_t netlen,
	       struct eb_err *e)
{
	struct eb_endpoint ep;
	struct eb_dp dp;
	char net[64];
	int lock, err;

	eb_dp_init(&dp);
	lock = eb_lock(e);
	if (lock < 0)
		return lock;
	err = pub_find_ctr(net_opt, sp, net, sizeof(net), &ep, e);
	if (!err)
		err = pub_net_current(net, e);
	if (!err)
		err = pub_host_addr_check(sp, net, &ep, e);
	if (!err)
		err = check_free(sp, ep.ip, e);
	if (!err)
		err = check_host_free(sp, e);
	if (!err)
		err = eb_dp_open(net, &dp, e);
	if (err)
		goto out;
	if (sp->v6 && dp.published6 < 0) {
		eb_errf(e, "network '%s' was made by an earlier ebnet, without IPv6 published ports; "
			   "run `ebnet up --net %s` first",
			net, net);
		err = -EOPNOTSUPP;
		goto out;
	}
	err = pub_write(sp->v6 ? dp.published6 : dp.published, sp, &ep, e);
	if (err)
		goto out;
	/* A port on every address answers at the host's IPv6 addresses too:
	 * the list the sock_addr programs know them by, as they are now. */
	if (!sp->v6 && !sp->host_ip)
		eb_host6_sync(net);
	/* No conntrack walk here: unpublish and rm already removed the flows
	 * of an earlier owner, and the walk costs with the table's size. */
	if (net_out)
		snprintf(net_out, netlen, "%s", net);
out:
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
	for (int i = 0; i < nn && !err; i++)
		if (net_opt || eb_net_is_here(nets[i]))
			err = pub_net_current(nets[i], e);
	if (err)
		goto out;
	for (int i = 0; i < nn; i++) {
		struct eb_dp dp;
		int here = 0;

		if (!net_opt && !eb_net_is_here(nets[i]))
			continue;
		if (eb_dp_open(nets[i], &dp, e))
			continue;
		for (uint32_t j = 0; j < cnt; j++) {
			struct eb_pub_key k = { .host_ip = sp->host_ip,
						.host_port = sp->hport_lo + j,
						.proto = sp->proto };
			struct eb_pub6_key k6 = { .host_port = k.host_port, .proto = sp->proto };

			if (sp->v6) {
				/* Its flows are IPv6 only (eb_ct6_forget below). */
				memcpy(k6.host_ip6, sp->host_ip6, 16);
				if (dp.published6 >= 0 && bpf_map_delete_elem(dp.published6, &k6) == 0)
					here++;
				continue;
			}
			if (bpf_map_delete_elem(dp.published, &k) == 0)
				here++;
			bpf_map_delete_elem(dp.port_stats, &k);
		}
		if (here && !sp->v6)
			eb_ct_forget(&dp, sp, 0);
		if (here) /* a plain publish is reached over IPv6 too */
			eb_ct6_forget(nets[i], sp, 0);
		removed += here;
		eb_dp_close(&dp);
	}
	if (!removed) {
		char h[INET6_ADDRSTRLEN + 4];

		eb_errf(e, "%s%u%s%.0u/%s is not published%s%s", spec_host(sp, h, sizeof(h)),
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

	struct eb_pub6_key *keys6;
	struct eb_pub_val *vals6;

	for (int i = 0; i < n; i++)
		if (vals[i].ctr_ip == ctr_ip) {
			bpf_map_delete_elem(dp->published, &keys[i]);
			bpf_map_delete_elem(dp->port_stats, &keys[i]);
		}
	pub_free(keys, vals);
	n = pub6_load(dp->published6, &keys6, &vals6);
	for (int i = 0; i < n; i++)
		if (vals6[i].ctr_ip == ctr_ip)
			bpf_map_delete_elem(dp->published6, &keys6[i]);
	pub_free(keys6, vals6);
}
