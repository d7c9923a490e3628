// SPDX-License-Identifier: GPL-2.0
/* Names of a network's containers; see ebnet_names.h and bpf/lib/dns.h. */
#include <errno.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <strings.h>
#include <sys/stat.h>
#include <bpf/bpf.h>

#include "ebnet_names.h"
#include "dp.h"

#define EB_NETNS_ETC	  "/etc/netns"
#define EB_RESOLV_CONF	  "/etc/resolv.conf"
#define EB_RESOLVED_CONF  "/run/systemd/resolve/resolv.conf" /* resolved's upstreams */

static int open_map(const char *net, const char *name, struct eb_err *e)
{
	return eb_pin_open(net, name, e);
}

/* "db.web" -> "\2db\3web\0", lowercase unless keep_case. Returns the
 * length (final 0 included) or -EINVAL: an empty label, one over 63 bytes,
 * or over max. */
static int to_wire_case(const char *name, uint8_t *out, size_t max, bool keep_case)
{
	size_t n = 0, len = strlen(name);
	const char *p = name;

	if (!len)
		return -EINVAL;
	while (*p) {
		const char *dot = strchr(p, '.');
		size_t l = dot ? (size_t)(dot - p) : strlen(p);

		if (l == 0 || l > 63 || n + 1 + l + 1 > max)
			return -EINVAL;
		out[n++] = l;
		for (size_t i = 0; i < l; i++) {
			char c = p[i];

			out[n++] = (!keep_case && c >= 'A' && c <= 'Z') ? c + ('a' - 'A') : c;
		}
		if (!dot)
			break;
		p = dot + 1;
		if (!*p)
			return -EINVAL; /* "name." */
	}
	out[n++] = 0;
	return n;
}

static int to_wire(const char *name, uint8_t *out, size_t max)
{
	return to_wire_case(name, out, max, false);
}

/* The key of name (+ domain when given, in wire form). */
static int name_key(const char *name, const struct eb_dns_cfg *dc, struct eb_name_key *k)
{
	int n;

	memset(k, 0, sizeof(*k));
	n = to_wire(name, k->name, sizeof(k->name));
	if (n < 0)
		return n;
	if (!dc)
		return 0;
	if (n - 1 + dc->domain_len > sizeof(k->name))
		return -ENAMETOOLONG;
	memcpy(k->name + n - 1, dc->domain, dc->domain_len);
	return 0;
}

static void wire_to_text(const uint8_t *w, size_t len, char *out, size_t outlen)
{
	size_t i = 0, o = 0;

	out[0] = 0;
	while (i < len && w[i] && o + w[i] + 2 < outlen) {
		size_t l = w[i++];

		if (o)
			out[o++] = '.';
		memcpy(out + o, w + i, l);
		o += l;
		i += l;
	}
	out[o] = 0;
}

static int read_dns_cfg(const char *net, struct eb_dns_cfg *dc, struct eb_err *e)
{
	__u32 zero = 0;
	int fd = open_map(net, EB_MAP_DNS, e), err = 0;

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

	if (o->domain && to_wire(o->domain, w, sizeof(w)) < 0) {
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

		if (eb_valid_name(a, EB_NAME_LEN) || to_wire(a, w, sizeof(w)) < 0) {
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

	err = read_dns_cfg(net, &dc, e);
	if (err)
		return err;
	wl = to_wire(o->domain ? o->domain : net, want.domain, sizeof(want.domain));
	if (wl < 0) {
		/* A network name that is no domain ("a..b"): names without one. */
		wl = 1;
		want.domain[0] = 0;
	}
	want.domain_len = wl;
	if (dc.domain_len && o->domain &&
	    (dc.domain_len != want.domain_len || memcmp(dc.domain, want.domain, wl))) {
		wire_to_text(dc.domain, dc.domain_len, have, sizeof(have));
		wire_to_text(want.domain, want.domain_len, asked, sizeof(asked));
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
	fd = open_map(net, EB_MAP_DNS, e);
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

		fd = open_map(net, EB_MAP_DNS_TRY, NULL);
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
static int resolv_write(const char *ctr, uint32_t gw, const struct eb_dns_cfg *dc,
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
	wire_to_text(dc->domain, dc->domain_len, dom, sizeof(dom));
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

/* The network's eb_dns settings into dc, and eb_names opened: its fd, or
 * a negative errno. */
static int open_names(const char *net, struct eb_dns_cfg *dc, struct eb_err *e)
{
	int err = read_dns_cfg(net, dc, e);

	return err ? err : open_map(net, EB_MAP_NAMES, e);
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
		int l = to_wire_case(ep->name, rv.name, sizeof(rv.name), true);

		if (l < 0)
			goto resolv; /* no DNS name: no PTR either */
		if (dc.domain_len > 1 && l - 1 + dc.domain_len <= sizeof(rv.name)) {
			memcpy(rv.name + l - 1, dc.domain, dc.domain_len);
			l += dc.domain_len - 1;
		}
		rv.len = l;
		rfd = open_map(net, EB_MAP_NAMES_REV, e);
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
		err = resolv_write(ep->name, gateway, &dc, e);
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

	fd = open_map(net, EB_MAP_NAMES, NULL);
	if (fd >= 0) {
		n = owned_keys(fd, ep->name, &keys);
		for (int i = 0; i < n; i++)
			bpf_map_delete_elem(fd, &keys[i]);
		free(keys);
		close(fd);
	}
	fd = open_map(net, EB_MAP_NAMES_REV, NULL);
	if (fd >= 0) {
		bpf_map_delete_elem(fd, &ik);
		close(fd);
	}
}

/* ---- trace ---- */

size_t eb_dns_query_build(uint8_t *buf, size_t max, const char *name, uint16_t qtype)
{
	int n;

	if (max < 12 + 255 + 4)
		return 0;
	memset(buf, 0, 12);
	buf[0] = 0xeb;
	buf[1] = 0x17;
	buf[2] = 0x01; /* RD */
	buf[5] = 1;    /* one question */
	/* Letters as given: the datapath matches them without case. */
	n = to_wire_case(name, buf + 12, 255, true);
	if (n < 0)
		return 0;
	buf[12 + n] = qtype >> 8;
	buf[12 + n + 1] = qtype & 0xff;
	buf[12 + n + 2] = 0;
	buf[12 + n + 3] = 1; /* IN */
	return 12 + n + 4;
}

static const struct {
	const char *s;
	uint16_t t;
} dns_types[] = { { "A", 1 }, { "NS", 2 }, { "CNAME", 5 }, { "SOA", 6 }, { "PTR", 12 },
		  { "MX", 15 }, { "TXT", 16 }, { "AAAA", 28 }, { "SRV", 33 }, { "ANY", 255 } };

uint16_t eb_dns_type_parse(const char *s)
{
	for (size_t i = 0; i < sizeof(dns_types) / sizeof(dns_types[0]); i++)
		if (!strcasecmp(s, dns_types[i].s))
			return dns_types[i].t;
	return 0;
}

static const char *type_str(uint16_t t, char *buf)
{
	for (size_t i = 0; i < sizeof(dns_types) / sizeof(dns_types[0]); i++)
		if (dns_types[i].t == t)
			return dns_types[i].s;
	sprintf(buf, "TYPE%u", t);
	return buf;
}

/* A name at off of msg (pointers followed, at most 16); the offset after
 * it, or -1. */
static int read_name(const uint8_t *msg, size_t len, size_t off, char *out, size_t outlen)
{
	size_t o = 0, end = 0;
	int hops = 0;

	out[0] = 0;
	while (off < len) {
		uint8_t l = msg[off];

		if (!l) {
			if (!end)
				end = off + 1;
			if (!o && outlen > 1)
				out[o++] = '.';
			out[o] = 0;
			return end;
		}
		if ((l & 0xc0) == 0xc0) {
			if (off + 1 >= len || ++hops > 16)
				return -1;
			if (!end)
				end = off + 2;
			off = ((l & 0x3f) << 8) | msg[off + 1];
			continue;
		}
		if (off + 1 + l > len || o + l + 2 >= outlen)
			return -1;
		memcpy(out + o, msg + off + 1, l);
		o += l;
		out[o++] = '.';
		off += 1 + l;
	}
	return -1;
}

void eb_dns_describe(const uint8_t *msg, size_t len, char *out, size_t outlen)
{
	static const char *rcodes[] = { "NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN",
					"NOTIMP",  "REFUSED" };
	char name[300], rname[300], tb[16];
	int off, an, rc;
	size_t o;

	if (len < 12 || !(msg[2] & 0x80)) {
		snprintf(out, outlen, "no answer");
		return;
	}
	rc = msg[3] & 0xf;
	an = msg[6] << 8 | msg[7];
	o = snprintf(out, outlen, "%s%s%s", rc < 6 ? rcodes[rc] : "RCODE?", msg[2] & 0x04 ? " aa" : "",
		     msg[2] & 0x02 ? " tc" : "");
	off = 12;
	if (msg[5]) {
		off = read_name(msg, len, off, name, sizeof(name));
		if (off < 0 || (size_t)off + 4 > len)
			return;
		off += 4;
	}
	if (!an && o < outlen)
		snprintf(out + o, outlen - o, ", no record");
	for (int i = 0; i < an && o < outlen; i++) {
		uint16_t type, rdlen;

		off = read_name(msg, len, off, rname, sizeof(rname));
		if (off < 0 || (size_t)off + 10 > len)
			return;
		type = msg[off] << 8 | msg[off + 1];
		rdlen = msg[off + 8] << 8 | msg[off + 9];
		off += 10;
		if ((size_t)off + rdlen > len)
			return;
		if (type == 1 && rdlen == 4) {
			char ipb[16];
			uint32_t a;

			memcpy(&a, msg + off, 4);
			o += snprintf(out + o, outlen - o, ", %s A %s", rname, eb_ip_str(a, ipb));
		} else if (type == 12 && read_name(msg, len, off, name, sizeof(name)) > 0) {
			o += snprintf(out + o, outlen - o, ", %s PTR %s", rname, name);
		} else {
			o += snprintf(out + o, outlen - o, ", %s %s", rname, type_str(type, tb));
		}
		off += rdlen;
	}
}
