// SPDX-License-Identifier: GPL-2.0
/*
 * `ebnet docker-plugin`: ebnet as a Docker network driver (Docker's remote
 * driver API: JSON over HTTP on a unix socket that dockerd finds under
 * /run/docker/plugins/). Each call maps onto libebnet:
 *
 *   CreateNetwork   eb_up() of a network with Docker's IPAM pool as subnet
 *                   (its gateway must be the pool's first host), with
 *                   --ipv6 its IPv6 pool as --subnet6 (gateway prefix::1),
 *                   and the `-o ebnet.*` options as `ebnet up` settings
 *   CreateEndpoint  checks and records Docker's addresses and MAC (the
 *                   IPv6 one goes to eb_attach as given: eb_addr6)
 *   Join            eb_attach(): a veth whose host end has ebnet's program
 *                   before any link is up; its peer stays in this namespace
 *                   for Docker to move into the container as eth0 (Docker
 *                   sets the addresses and the routes itself; Join names
 *                   the gateways)
 *   Program/RevokeExternalConnectivity   eb_publish()/eb_unpublish() of -p
 *   Leave           eb_detach()
 *   DeleteNetwork   eb_down()
 *
 * The datapath is in pinned maps: this process can die at any time and no
 * packet is lost. What the maps cannot hold (Docker's ids, the options to
 * make a network again after a reboot, which dockerd never re-sends) is in
 * files (docker_state.c), read on every call, so a restarted driver serves
 * networks and endpoints made before it.
 *
 * HTTP: libmicrohttpd, because it is a small C server library that takes a
 * listening socket of any family (MHD_OPTION_LISTEN_SOCKET: our unix
 * socket), parses HTTP/1.1 with keep-alive and chunked bodies (which
 * dockerd's Go client may send) and is in Debian main; a hand-written
 * parser would be the one part here nobody could trust. Its one internal
 * polling thread runs every call in turn, so calls never overlap (libebnet
 * takes its lock anyway). JSON: jansson, as the CNI plugin.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <net/if.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/vfs.h>
#include <linux/magic.h>
#include <pthread.h>
#include <jansson.h>
#include <microhttpd.h>

#include "ebnet.h"
#include "ebnet_pub.h"
#include "docker_plugin.h"
#include "docker_state.h"

#define DK_DEFAULT_SOCKET "/run/docker/plugins/ebnet.sock"
#define DK_MAX_BODY	  (1 << 20)
#define DK_OPT_PREFIX	  "ebnet."
#define DK_OPT_KEYS                                                                                \
	"net, uplink, snat_ip, nat_ports, xdp, attach, ct_tcp_size, ct_other_size, mtu, " \
	"and with --ipv6 nat6, snat_ip6"
#define DK_MTU_KEY	  "com.docker.network.driver.mtu"
#define DK_GENERIC	  "com.docker.network.generic"
#define DK_PORTMAP	  "com.docker.network.portmap"
/* Docker's own range for -p without a host port (its portallocator). */
#define DK_EPHEMERAL_LO 49153
#define DK_EPHEMERAL_HI 60999

static bool dk_verbose;

static void dk_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void dk_log(const char *fmt, ...)
{
	char ts[32];
	time_t t = time(NULL);
	va_list ap;

	strftime(ts, sizeof(ts), "%H:%M:%S", localtime(&t));
	fprintf(stderr, "ebnet docker-plugin %s: ", ts);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* ---- small JSON helpers ---- */

static const char *jstr(json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s ? s : "";
}

/* Docker's "10.77.0.2/16" (or a bare address) -> the address. */
static int parse_addr(const char *s, uint32_t *ip)
{
	char buf[32];
	char *slash;

	snprintf(buf, sizeof(buf), "%s", s);
	slash = strchr(buf, '/');
	if (slash)
		*slash = 0;
	return eb_parse_ipv4(buf, ip);
}

static int parse_mac(const char *s, unsigned char mac[6])
{
	unsigned int b[6];
	char end;

	if (sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x%c", &b[0], &b[1], &b[2], &b[3], &b[4], &b[5],
		   &end) != 6)
		return -EINVAL;
	for (int i = 0; i < 6; i++)
		mac[i] = b[i];
	/* A container's MAC is unicast (bit 0 of the first byte clear). */
	return (mac[0] & 1) ? -EINVAL : 0;
}

/* Docker's "fd00:77::2/64" (or a bare address) -> the address. */
static int parse_addr6(const char *s, uint8_t a[16])
{
	char buf[INET6_ADDRSTRLEN + 8];
	char *slash;

	snprintf(buf, sizeof(buf), "%s", s);
	slash = strchr(buf, '/');
	if (slash)
		*slash = 0;
	return inet_pton(AF_INET6, buf, a) == 1 ? 0 : -EINVAL;
}

/* libebnet speaks of `ebnet` flags; a Docker user writes -o ebnet.X. */
static void docker_words(struct eb_err *e)
{
	static const char *words[][2] = {
		{ "--snat-ip", "-o ebnet.snat_ip" },	 { "--nat-ports", "-o ebnet.nat_ports" },
		{ "--uplink", "-o ebnet.uplink" },	 { "--xdp", "-o ebnet.xdp" },
		{ "--attach", "-o ebnet.attach" },	 { "--ct-tcp-size", "-o ebnet.ct_tcp_size" },
		{ "--ct-other-size", "-o ebnet.ct_other_size" },
		{ "--subnet6", "the IPv6 --subnet" },	 { "--nat6", "-o ebnet.nat6" },
	};
	char out[sizeof(e->msg)];

	for (size_t w = 0; w < sizeof(words) / sizeof(words[0]); w++) {
		char *hit = strstr(e->msg, words[w][0]);

		if (!hit)
			continue;
		snprintf(out, sizeof(out), "%.*s%s%s", (int)(hit - e->msg), e->msg, words[w][1],
			 hit + strlen(words[w][0]));
		memcpy(e->msg, out, sizeof(out));
	}
}

/* ---- networks ---- */

/* The options of ebnet's own (not `ebnet up` settings). */
static bool own_key(const char *key)
{
	return !strcmp(key, "net");
}

/*
 * The settings of a network from its state (or from a CreateNetwork being
 * checked): the subnet and the -o ebnet.* options. The strings point into
 * st, which must outlive uo.
 */
static int net_opts(json_t *st, struct eb_up_opts *uo, struct eb_err *e)
{
	json_t *opts = json_object_get(st, "options"), *v;
	const char *key;

	memset(uo, 0, sizeof(*uo));
	uo->net = jstr(st, "net");
	uo->verbose = dk_verbose;
	if (eb_parse_cidr(jstr(st, "subnet"), &uo->subnet, &uo->plen)) {
		eb_errf(e, "invalid subnet '%s': want A.B.C.D/N with N from 1 to 30 (give "
			   "`docker network create --subnet`)",
			jstr(st, "subnet"));
		return -EINVAL;
	}
	/* --ipv6: Docker's IPv6 pool is the network's IPv6 subnet. */
	if (*jstr(st, "subnet6")) {
		if (eb_parse_cidr6(jstr(st, "subnet6"), uo->subnet6, &uo->plen6)) {
			eb_errf(e, "invalid IPv6 subnet '%s': the ebnet driver takes a prefix /48 "
				   "to /120 with no host bits set (like fd00:77::/64)",
				jstr(st, "subnet6"));
			return -EINVAL;
		}
		uo->ipv6 = true;
	}
	json_object_foreach(opts, key, v) {
		const char *k = key + strlen(DK_OPT_PREFIX), *val = json_string_value(v);
		char dashed[32], why[sizeof(e->msg) - 64];
		int err;

		if (strncmp(key, DK_OPT_PREFIX, strlen(DK_OPT_PREFIX)) || !*k || strlen(k) >= 32 ||
		    !strcmp(k, "subnet")) {
			eb_errf(e, "unknown option '%s'%s: the ebnet driver takes -o ebnet.KEY=VALUE "
				   "with KEY one of " DK_OPT_KEYS,
				key, !strcmp(k, "subnet") ? " (give --subnet)" : "");
			return -EINVAL;
		}
		if (!strcmp(k, "ipv6") || !strcmp(k, "subnet6")) {
			/* Docker's own IPAM hands out the IPv6 addresses: the
			 * network is IPv6 as Docker knows it, or not at all. */
			eb_errf(e, "option '%s': give IPv6 to Docker, which hands out the "
				   "addresses: `docker network create --ipv6 --subnet A.B.C.D/N "
				   "--subnet PREFIX/N -d ebnet`",
				key);
			return -EINVAL;
		}
		if ((!strcmp(k, "nat6") || !strcmp(k, "snat_ip6")) && !uo->ipv6) {
			eb_errf(e, "option '%s' is for a network with IPv6: create it with --ipv6 "
				   "and an IPv6 --subnet",
				key);
			return -EINVAL;
		}
		if (!val) {
			eb_errf(e, "option '%s' needs a string value", key);
			return -EINVAL;
		}
		if (own_key(k))
			continue;
		/* ebnet.snat_ip is `ebnet up --snat-ip`. */
		snprintf(dashed, sizeof(dashed), "%s", k);
		for (char *c = dashed; *c; c++)
			if (*c == '_')
				*c = '-';
		err = eb_up_opt_set(uo, dashed, val, why, sizeof(why));
		if (err == -ENOENT) {
			eb_errf(e, "unknown option '%s': the ebnet driver takes -o ebnet.KEY=VALUE "
				   "with KEY one of " DK_OPT_KEYS,
				key);
			return -EINVAL;
		}
		if (err) {
			eb_errf(e, "-o %s=%s: %s", key, val, why);
			return -EINVAL;
		}
	}
	return 0;
}

/* The ebnet network of a Docker network is there (after a reboot the
 * pins are gone and dockerd sends no CreateNetwork: make it again). */
static int net_ensure(json_t *st, struct eb_err *e)
{
	struct eb_up_opts uo;
	int err;

	if (eb_dp_exists(jstr(st, "net")))
		return 0;
	err = net_opts(st, &uo, e);
	if (err)
		return err;
	dk_log("network %s (Docker %.12s) is not there: making it again", uo.net,
	       jstr(st, "id"));
	err = eb_up(&uo, NULL, 0, e);
	docker_words(e);
	return err;
}

static json_t *net_load(json_t *req, struct eb_err *e)
{
	const char *id = jstr(req, "NetworkID");
	json_t *st;
	int err;

	st = dks_load(DKS_NET, id, &err, e);
	if (!st && err == -ENOENT)
		eb_errf(e, "network %.12s is not known to the ebnet driver (no state file; was "
			   "its state folder removed?): `docker network rm` it and create it again",
			id);
	return st;
}

static json_t *h_create_network(json_t *req, struct eb_err *e)
{
	const char *id = jstr(req, "NetworkID");
	json_t *opts = json_object_get(json_object_get(req, "Options"), DK_GENERIC);
	json_t *v4 = json_object_get(req, "IPv4Data"), *v6 = json_object_get(req, "IPv6Data");
	json_t *st = NULL, *have, *o, *own_opts;
	struct eb_up_opts uo;
	const char *key, *netname = NULL;
	char name[EB_NAME_LEN], gwb[16], gw6b[INET6_ADDRSTRLEN];
	bool ipv6;
	uint32_t gw;
	int err;

	if (!dks_valid_id(id)) {
		eb_errf(e, "NetworkID '%s' is not a Docker id", id);
		return NULL;
	}
	have = dks_load(DKS_NET, id, &err, e);
	if (have) {
		/* Sent again (dockerd retried): it is there. */
		json_decref(have);
		return json_object();
	}
	ipv6 = json_is_true(json_object_get(json_object_get(req, "Options"),
					    "com.docker.network.enable_ipv6"));
	if (ipv6 && json_array_size(v6) != 1) {
		eb_errf(e, "an ebnet network with --ipv6 has exactly one IPv6 subnet (got %zu): give "
			   "--subnet PREFIX/N (like fd00:77::/64) beside the IPv4 one",
			json_array_size(v6));
		return NULL;
	}
	if (!ipv6 && json_array_size(v6)) {
		eb_errf(e, "an IPv6 --subnet needs --ipv6 (`docker network create --ipv6 ...`)");
		return NULL;
	}
	if (json_array_size(v4) != 1) {
		eb_errf(e, "an ebnet network has exactly one IPv4 subnet (got %zu): give one "
			   "--subnet",
			json_array_size(v4));
		return NULL;
	}
	own_opts = json_object();
	json_object_foreach(opts, key, o) {
		/* Docker's own name of the setting (`-o
		 * com.docker.network.driver.mtu=1400`, as for its bridge)
		 * is ebnet.mtu. */
		if (!strcmp(key, DK_MTU_KEY) && json_is_string(o))
			json_object_set(own_opts, DK_OPT_PREFIX "mtu", o);
		else if (json_is_string(o))
			json_object_set(own_opts, key, o);
		if (!strcmp(key, DK_OPT_PREFIX "net"))
			netname = json_string_value(o);
	}
	if (netname) {
		if (eb_valid_name(netname, EB_NAME_LEN)) {
			eb_errf(e, "invalid -o ebnet.net '%s': use 1 to %d of A-Z a-z 0-9 _ . -",
				netname, EB_NAME_LEN - 1);
			goto fail;
		}
		snprintf(name, sizeof(name), "%s", netname);
	} else {
		/* ebnet's name of it: "dk" + Docker's short id. */
		snprintf(name, sizeof(name), "dk%.12s", id);
	}
	st = json_pack("{s:s, s:s, s:s, s:o}", "id", id, "net", name, "subnet",
		       jstr(json_array_get(v4, 0), "Pool"), "options", own_opts);
	own_opts = NULL;
	if (!st) {
		eb_errf(e, "out of memory");
		goto fail;
	}
	if (ipv6)
		json_object_set_new(st, "subnet6", json_string(jstr(json_array_get(v6, 0), "Pool")));
	err = net_opts(st, &uo, e);
	if (err)
		goto fail;
	gw = eb_first_host(uo.subnet, uo.plen);
	{
		const char *g = jstr(json_array_get(v4, 0), "Gateway");
		uint32_t want;

		if (*g && (parse_addr(g, &want) || want != gw)) {
			eb_errf(e, "the gateway of an ebnet network is the first address of its "
				   "subnet, %s: give --gateway %s or none",
				eb_ip_str(gw, gwb), eb_ip_str(gw, gwb));
			goto fail;
		}
	}
	json_object_set_new(st, "gateway", json_string(eb_ip_str(gw, gwb)));
	if (ipv6) {
		/* ebnet's IPv6 gateway is prefix::1 (Docker's IPAM default). */
		const char *g = jstr(json_array_get(v6, 0), "Gateway");
		uint8_t gw6[16], want6[16];

		memcpy(gw6, uo.subnet6, 16);
		gw6[15] |= 1;
		inet_ntop(AF_INET6, gw6, gw6b, sizeof(gw6b));
		if (*g && (parse_addr6(g, want6) || memcmp(want6, gw6, 16))) {
			eb_errf(e, "the IPv6 gateway of an ebnet network is the first address of its "
				   "IPv6 subnet, %s: give --gateway %s or none for it",
				gw6b, gw6b);
			goto fail;
		}
		json_object_set_new(st, "gateway6", json_string(gw6b));
	}
	if (eb_dp_exists(name)) {
		eb_errf(e, "an ebnet network named '%s' exists already (`ebnet ls`); choose "
			   "another with -o ebnet.net=NAME",
			name);
		goto fail;
	}
	/* The intent first: a driver killed during eb_up() leaves a record
	 * that DeleteNetwork (or the next Join) knows. */
	if (dks_save(DKS_NET, id, st, e))
		goto fail;
	err = eb_up(&uo, NULL, 0, e);
	if (err) {
		struct eb_err ignored;

		docker_words(e);
		eb_down(name, &ignored);
		dks_remove(DKS_NET, id, &ignored);
		goto fail;
	}
	if (e->warn[0])
		dk_log("network %s: note: %s", name, e->warn);
	dk_log("network %s: made for Docker network %.12s, subnet %s%s%s", name, id,
	       jstr(st, "subnet"), ipv6 ? " " : "", jstr(st, "subnet6"));
	json_decref(st);
	return json_object();
fail:
	json_decref(own_opts);
	json_decref(st);
	return NULL;
}

/* ---- endpoints ---- */

/* The peer's name until Docker moves it into the container (and renames
 * it eth0): from Docker's id, unique on the host. */
static void ep_peer(const char *eid, char peer[IF_NAMESIZE])
{
	snprintf(peer, IF_NAMESIZE, "dkp%.12s", eid);
}

static json_t *ep_load(json_t *req, struct eb_err *e)
{
	const char *id = jstr(req, "EndpointID");
	json_t *st;
	int err;

	st = dks_load(DKS_EP, id, &err, e);
	if (!st && err == -ENOENT)
		eb_errf(e, "endpoint %.12s is not known to the ebnet driver (no state file)", id);
	return st;
}

/*
 * Docker's sandbox (SandboxKey) is the container's namespace, bind-mounted
 * there by Docker's prestart hook once runc has made it: after Join and
 * after ProgramExternalConnectivity, so no call of the driver sees it.
 * A thread per endpoint waits for it (every 20 ms, at most 120 s) and
 * tells libebnet (eb_attach_netns): the namespace's cookie goes in
 * eb_netns, and the cgroup programs translate the container's connections
 * to a published port at the host's address (hairpin). Missing it costs
 * only that, never the container.
 */
static pthread_mutex_t dk_lib_lock = PTHREAD_MUTEX_INITIALIZER;

struct sb_watch {
	char net[64];
	char id[80];
	char path[PATH_MAX];
};

static bool is_netns(const char *path)
{
	struct statfs fs;

	return statfs(path, &fs) == 0 && fs.f_type == NSFS_MAGIC;
}

static void *sandbox_wait(void *arg)
{
	struct sb_watch *w = arg;
	struct eb_err e = {};
	int err = -ETIMEDOUT;

	for (int i = 0; i < 6000; i++) {
		if (is_netns(w->path)) {
			pthread_mutex_lock(&dk_lib_lock);
			err = eb_attach_netns(w->net, w->id, w->path, &e);
			pthread_mutex_unlock(&dk_lib_lock);
			break;
		}
		usleep(20 * 1000);
	}
	if (err)
		dk_log("endpoint %.12s: its namespace %s: %s (no hairpin to published ports)",
		       w->id, w->path, e.msg[0] ? e.msg : strerror(-err));
	else
		dk_log("endpoint %.12s: in namespace %s", w->id, w->path);
	free(w);
	return NULL;
}

static void sandbox_watch(const char *net, const char *id, const char *path)
{
	struct sb_watch *w = calloc(1, sizeof(*w));
	pthread_attr_t a;
	pthread_t t;

	if (!w)
		return;
	snprintf(w->net, sizeof(w->net), "%s", net);
	snprintf(w->id, sizeof(w->id), "%s", id);
	snprintf(w->path, sizeof(w->path), "%s", path);
	pthread_attr_init(&a);
	pthread_attr_setdetachstate(&a, PTHREAD_CREATE_DETACHED);
	if (pthread_create(&t, &a, sandbox_wait, w)) {
		dk_log("endpoint %.12s: cannot wait for its namespace", id);
		free(w);
	}
	pthread_attr_destroy(&a);
}

/* At start: an endpoint joined while the driver was down or restarting
 * may not have its namespace known yet (eb_attach_netns is idempotent). */
static int rewatch(const char *id, json_t *ep, void *ctx)
{
	(void)ctx;
	if (json_is_true(json_object_get(ep, "joined")) && *jstr(ep, "sandbox") &&
	    *jstr(ep, "net"))
		sandbox_watch(jstr(ep, "net"), *jstr(ep, "id") ? jstr(ep, "id") : id, jstr(ep, "sandbox"));
	return 0;
}

/*
 * The attachment of an endpoint (libebnet's eb_attach): the network made
 * first if it is not there (a reboot), then a veth pair whose host end has
 * the program, the gateway address and the route before it is up, and
 * whose peer stays here, down and bare, named as Join tells Docker.
 */
static int ep_attach(json_t *nst, json_t *ep, const char *sandbox, char host_dev[IF_NAMESIZE],
		     char name[EB_NAME_LEN], struct eb_err *e)
{
	struct eb_attach_req r = { .id = jstr(ep, "id"), .owner = "docker",
				   .ifname = jstr(ep, "peer") };
	struct eb_attach_res res = {};
	struct eb_up_opts uo;
	unsigned char mac[6];
	uint8_t ip6[16];
	int err;

	if (net_opts(nst, &uo, e) || parse_addr(jstr(ep, "address"), &r.ip) ||
	    parse_mac(jstr(ep, "mac"), mac) ||
	    (*jstr(ep, "address6") && parse_addr6(jstr(ep, "address6"), ip6))) {
		if (!e->msg[0])
			eb_errf(e, "endpoint %.12s: its state file is broken", r.id);
		return -EINVAL;
	}
	r.mac = mac;
	r.ip6 = *jstr(ep, "address6") ? ip6 : NULL;
	err = eb_attach(&uo, &r, &res, e);
	docker_words(e);
	if (err)
		return err;
	if (*sandbox)
		sandbox_watch(uo.net, r.id, sandbox);
	snprintf(host_dev, IF_NAMESIZE, "%s", res.host_ifname);
	snprintf(name, EB_NAME_LEN, "%s", res.name);
	return 0;
}

static int ep_detach(json_t *ep, struct eb_err *e)
{
	return eb_detach(jstr(ep, "net"), jstr(ep, "id"), e);
}

/* Is the endpoint's host-side device still there? Its peer went into the
 * container: when the container's namespace goes, so does the pair. */
static bool ep_alive(json_t *ep)
{
	const char *dev = jstr(ep, "host_dev");

	return *dev && if_nametoindex(dev) > 0;
}

/* Drops endpoints whose container is gone without a Leave (the driver was
 * down when Docker sent it, or the host rebooted): their records, and
 * their addresses, are free again. */
struct sweep_ctx {
	const char *net; /* NULL: every network */
	int n;
};

static int sweep_one(const char *id, json_t *ep, void *p)
{
	struct sweep_ctx *s = p;
	struct eb_err e = {};

	if (s->net && strcmp(jstr(ep, "net"), s->net))
		return 0;
	if (!json_is_true(json_object_get(ep, "joined")) || ep_alive(ep))
		return 0;
	dk_log("endpoint %.12s: its container is gone without a Leave: removing it", id);
	ep_detach(ep, &e);
	dks_remove(DKS_EP, id, &e);
	s->n++;
	return 0;
}

static void sweep(const char *net)
{
	struct sweep_ctx s = { .net = net };

	dks_each(DKS_EP, sweep_one, &s);
}

/* Is a in prefix/plen? */
static bool in_prefix6(const uint8_t a[16], const uint8_t prefix[16], int plen)
{
	for (int i = 0; i < plen; i++)
		if (((a[i / 8] ^ prefix[i / 8]) >> (7 - i % 8)) & 1)
			return false;
	return true;
}

static json_t *h_create_endpoint(json_t *req, struct eb_err *e)
{
	const char *eid = jstr(req, "EndpointID");
	json_t *iface = json_object_get(req, "Interface"), *nst, *st = NULL, *have, *res = NULL;
	const char *mac_s = jstr(iface, "MacAddress");
	struct eb_up_opts uo;
	unsigned char mac[6];
	char peer[IF_NAMESIZE], ipb[16], macb[18], ip6b[INET6_ADDRSTRLEN] = "";
	uint8_t ip6[16];
	uint32_t ip;
	int err;

	if (!dks_valid_id(eid)) {
		eb_errf(e, "EndpointID '%s' is not a Docker id", eid);
		return NULL;
	}
	nst = net_load(req, e);
	if (!nst)
		return NULL;
	have = dks_load(DKS_EP, eid, &err, e);
	if (have) {
		json_decref(have);
		json_decref(nst);
		return json_pack("{s:{}}", "Interface");
	}
	if (parse_addr(jstr(iface, "Address"), &ip)) {
		eb_errf(e, "endpoint %.12s has no IPv4 address from Docker's IPAM ('%s')", eid,
			jstr(iface, "Address"));
		goto out;
	}
	if (net_opts(nst, &uo, e))
		goto out;
	if (!eb_ip_is_host(ip, uo.subnet, uo.plen) || ip == eb_first_host(uo.subnet, uo.plen)) {
		eb_errf(e, "address %s is not a container address of %s (the gateway is %s)",
			eb_ip_str(ip, ipb), jstr(nst, "subnet"), jstr(nst, "gateway"));
		goto out;
	}
	/* Docker's IPv6 address, given to eb_attach at Join (which checks
	 * that no other container has it). */
	if (*jstr(iface, "AddressIPv6")) {
		if (!uo.ipv6) {
			eb_errf(e, "network %s has no IPv6 (created without --ipv6): drop --ip6",
				jstr(nst, "net"));
			goto out;
		}
		if (parse_addr6(jstr(iface, "AddressIPv6"), ip6)) {
			eb_errf(e, "endpoint %.12s: invalid IPv6 address '%s' from Docker's IPAM",
				eid, jstr(iface, "AddressIPv6"));
			goto out;
		}
		inet_ntop(AF_INET6, ip6, ip6b, sizeof(ip6b));
		if (!in_prefix6(ip6, uo.subnet6, uo.plen6) || !memcmp(ip6, uo.subnet6, 16) ||
		    !strcmp(ip6b, jstr(nst, "gateway6"))) {
			eb_errf(e, "IPv6 address %s is not a container address of %s (the gateway "
				   "is %s)",
				ip6b, jstr(nst, "subnet6"), jstr(nst, "gateway6"));
			goto out;
		}
	}
	if (*mac_s) {
		if (parse_mac(mac_s, mac)) {
			eb_errf(e, "invalid MAC address '%s': want a unicast XX:XX:XX:XX:XX:XX",
				mac_s);
			goto out;
		}
		res = json_pack("{s:{}}", "Interface");
	} else {
		/* Docker leaves it to the driver: ebnet's own, from the address. */
		eb_mac_for(ip, false, mac);
		res = json_pack("{s:{s:s}}", "Interface", "MacAddress", eb_mac_str(mac, macb));
	}
	ep_peer(eid, peer);
	st = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:b, s:[]}", "id", eid, "network",
		       jstr(nst, "id"), "net", jstr(nst, "net"), "peer", peer,
		       "address", eb_ip_str(ip, ipb), "mac", eb_mac_str(mac, macb), "joined", 0,
		       "ports");
	if (st && *ip6b)
		json_object_set_new(st, "address6", json_string(ip6b));
	if (!st || !res) {
		eb_errf(e, "out of memory");
		goto fail;
	}
	if (dks_save(DKS_EP, eid, st, e))
		goto fail;
	dk_log("endpoint %.12s: %s%s%s %s on network %s", eid, ipb, *ip6b ? " " : "", ip6b, macb,
	       jstr(nst, "net"));
	goto out;
fail:
	json_decref(res);
	res = NULL;
out:
	json_decref(st);
	json_decref(nst);
	return res;
}

static json_t *h_join(json_t *req, struct eb_err *e)
{
	json_t *st, *nst = NULL, *res = NULL;
	char host_dev[IF_NAMESIZE] = "", name[EB_NAME_LEN] = "";

	st = ep_load(req, e);
	if (!st)
		return NULL;
	nst = net_load(req, e);
	if (!nst)
		goto out;
	sweep(jstr(nst, "net"));
	if (!json_is_true(json_object_get(st, "joined")) || !ep_alive(st)) {
		if (ep_attach(nst, st, jstr(req, "SandboxKey"), host_dev, name, e))
			goto out;
		json_object_set_new(st, "joined", json_true());
		json_object_set_new(st, "sandbox", json_string(jstr(req, "SandboxKey")));
		json_object_set_new(st, "host_dev", json_string(host_dev));
		json_object_set_new(st, "name", json_string(name));
		if (dks_save(DKS_EP, jstr(st, "id"), st, e)) {
			struct eb_err ignored;

			ep_detach(st, &ignored);
			goto out;
		}
	}
	/* Gateway, or Docker adds a docker_gwbridge Linux bridge and an eth1
	 * (RUNTIMES.md): ebnet's gateway is on the host end of each port. */
	res = json_pack("{s:{s:s, s:s}, s:s, s:[], s:b}", "InterfaceName", "SrcName",
			jstr(st, "peer"), "DstPrefix", "eth", "Gateway", jstr(nst, "gateway"),
			"StaticRoutes", "DisableGatewayService", 0);
	/* With IPv6: Docker adds the default route via prefix::1 too. */
	if (res && *jstr(nst, "gateway6"))
		json_object_set_new(res, "GatewayIPv6", json_string(jstr(nst, "gateway6")));
	dk_log("endpoint %.12s: joined (host end %s, peer %s)", jstr(st, "id"),
	       jstr(st, "host_dev"), jstr(st, "peer"));
out:
	json_decref(nst);
	json_decref(st);
	return res;
}

/* ---- published ports ---- */

/* One "com.docker.network.portmap" entry:
 * {"Proto":6,"IP":"","Port":80,"HostIP":"","HostPort":8080,"HostPortEnd":8080}. */
static int port_spec(json_t *pm, const char *ctr, struct eb_pub_spec *sp, uint16_t *lo,
		     uint16_t *hi, struct eb_err *e)
{
	json_int_t proto = json_integer_value(json_object_get(pm, "Proto"));
	json_int_t port = json_integer_value(json_object_get(pm, "Port"));
	json_int_t hp = json_integer_value(json_object_get(pm, "HostPort"));
	json_int_t hpe = json_integer_value(json_object_get(pm, "HostPortEnd"));
	const char *hip = jstr(pm, "HostIP");

	memset(sp, 0, sizeof(*sp));
	snprintf(sp->ctr, sizeof(sp->ctr), "%s", ctr);
	if (proto != IPPROTO_TCP && proto != IPPROTO_UDP) {
		eb_errf(e, "-p .../%s: ebnet publishes tcp and udp only",
			proto == IPPROTO_SCTP ? "sctp" : "?");
		return -EINVAL;
	}
	sp->proto = proto;
	if (port < 1 || port > 65535 || hp < 0 || hp > 65535 || hpe < 0 || hpe > 65535) {
		eb_errf(e, "-p: port out of 1-65535");
		return -EINVAL;
	}
	if (!strcmp(hip, "::")) {
		/* Docker asks for 0.0.0.0 and :: for one -p: the plain publish
		 * of the first answers IPv6 clients too. */
		return 1;
	} else if (strchr(hip, ':')) {
		char why[128];

		/* One IPv6 address of the host (-p [ADDR]:8080:80). */
		if (eb_parse_host_ip6(hip, sp->host_ip6, why, sizeof(why))) {
			eb_errf(e, "-p [%s]:...: %s", hip, why);
			return -EINVAL;
		}
		sp->v6 = true;
	} else if (*hip && strcmp(hip, "0.0.0.0") && eb_parse_ipv4(hip, &sp->host_ip)) {
		eb_errf(e, "-p %s:...: not an IPv4 address", hip);
		return -EINVAL;
	}
	sp->cport_lo = sp->cport_hi = port;
	/* No host port: one from Docker's range. A host range for one
	 * container port (-p 8000-8010:80): the first free one of it. */
	*lo = hp ? hp : DK_EPHEMERAL_LO;
	*hi = hp ? (hpe > hp ? hpe : hp) : DK_EPHEMERAL_HI;
	return 0;
}

/* Unpublishes what the endpoint's state says it published. */
static void ports_revoke(json_t *st)
{
	json_t *ports = json_object_get(st, "ports"), *p;
	size_t i;

	json_array_foreach(ports, i, p) {
		struct eb_pub_spec sp = {};
		struct eb_err e = {};

		sp.proto = json_integer_value(json_object_get(p, "Proto"));
		sp.hport_lo = sp.hport_hi = json_integer_value(json_object_get(p, "HostPort"));
		if (strchr(jstr(p, "HostIP"), ':'))
			sp.v6 = inet_pton(AF_INET6, jstr(p, "HostIP"), sp.host_ip6) == 1;
		else if (*jstr(p, "HostIP"))
			eb_parse_ipv4(jstr(p, "HostIP"), &sp.host_ip);
		if (eb_unpublish(jstr(st, "net"), &sp, &e) < 0 && dk_verbose)
			dk_log("endpoint %.12s: %s", jstr(st, "id"), e.msg);
	}
	json_object_set_new(st, "ports", json_array());
}

static json_t *h_program_ext(json_t *req, struct eb_err *e)
{
	json_t *pms = json_object_get(json_object_get(req, "Options"), DK_PORTMAP), *pm, *st;
	json_t *done = NULL;
	size_t i;

	st = ep_load(req, e);
	if (!st)
		return NULL;
	/* Called again: what was published goes, then the new list. */
	ports_revoke(st);
	done = json_object_get(st, "ports");
	json_array_foreach(pms, i, pm) {
		struct eb_pub_spec sp;
		uint16_t lo, hi;
		int err = port_spec(pm, jstr(st, "name"), &sp, &lo, &hi, e);
		char hipb[INET6_ADDRSTRLEN];

		if (err > 0)
			continue;
		if (err)
			goto fail;
		err = -EADDRINUSE;
		for (uint32_t hp = lo; hp <= hi && err == -EADDRINUSE; hp++) {
			sp.hport_lo = sp.hport_hi = hp;
			err = eb_publish(jstr(st, "net"), &sp, NULL, 0, e);
		}
		if (err) {
			if (lo != hi && err == -EADDRINUSE)
				eb_errf(e, "no free host port in %u-%u/%s", lo, hi,
					sp.proto == IPPROTO_UDP ? "udp" : "tcp");
			snprintf(e->msg + strlen(e->msg), sizeof(e->msg) - strlen(e->msg),
				 "; choose another host port with -p");
			goto fail;
		}
		json_array_append_new(done, json_pack("{s:i, s:s, s:i, s:i}", "Proto", sp.proto,
						      "HostIP",
						      sp.v6 ? inet_ntop(AF_INET6, sp.host_ip6, hipb,
									sizeof(hipb))
						      : sp.host_ip ? eb_ip_str(sp.host_ip, hipb)
								   : "",
						      "HostPort", sp.hport_lo, "Port", sp.cport_lo));
		/* Recorded one by one: a driver killed here forgets nothing. */
		if (dks_save(DKS_EP, jstr(st, "id"), st, e))
			goto fail;
	}
	dk_log("endpoint %.12s: %zu port(s) published", jstr(st, "id"), json_array_size(done));
	json_decref(st);
	return json_object();
fail:
	{
		struct eb_err ignored;

		ports_revoke(st);
		dks_save(DKS_EP, jstr(st, "id"), st, &ignored);
	}
	json_decref(st);
	return NULL;
}

static json_t *h_revoke_ext(json_t *req, struct eb_err *e)
{
	json_t *st = ep_load(req, e);

	if (!st)
		return json_object(); /* nothing published */
	ports_revoke(st);
	if (dks_save(DKS_EP, jstr(st, "id"), st, e)) {
		json_decref(st);
		return NULL;
	}
	json_decref(st);
	return json_object();
}

static json_t *h_leave(json_t *req, struct eb_err *e)
{
	json_t *st = ep_load(req, e);

	if (!st)
		return json_object(); /* gone already: nothing to undo */
	ports_revoke(st);
	if (ep_detach(st, e)) {
		json_decref(st);
		return NULL;
	}
	json_object_set_new(st, "joined", json_false());
	json_object_del(st, "host_dev");
	if (dks_save(DKS_EP, jstr(st, "id"), st, e)) {
		json_decref(st);
		return NULL;
	}
	dk_log("endpoint %.12s: left", jstr(st, "id"));
	json_decref(st);
	return json_object();
}

static json_t *h_delete_endpoint(json_t *req, struct eb_err *e)
{
	const char *eid = jstr(req, "EndpointID");
	json_t *st = ep_load(req, e);

	if (!st)
		return json_object();
	if (json_is_true(json_object_get(st, "joined"))) {
		/* No Leave came (the driver was down): undo the Join too. */
		ports_revoke(st);
		if (ep_detach(st, e)) {
			json_decref(st);
			return NULL;
		}
	}
	json_decref(st);
	if (dks_remove(DKS_EP, eid, e))
		return NULL;
	dk_log("endpoint %.12s: deleted", eid);
	return json_object();
}

struct net_eps {
	const char *nid;
	struct eb_err *e;
};

static int drop_ep_of(const char *id, json_t *ep, void *p)
{
	struct net_eps *ne = p;

	if (strcmp(jstr(ep, "network"), ne->nid))
		return 0;
	if (json_is_true(json_object_get(ep, "joined")) && ep_detach(ep, ne->e))
		return -EBUSY;
	return dks_remove(DKS_EP, id, ne->e);
}

static json_t *h_delete_network(json_t *req, struct eb_err *e)
{
	const char *nid = jstr(req, "NetworkID");
	json_t *st = dks_load(DKS_NET, nid, &(int){ 0 }, e);
	struct net_eps ne = { nid, e };

	if (!st)
		return json_object(); /* never made, or gone already */
	if (dks_each(DKS_EP, drop_ep_of, &ne) || eb_down(jstr(st, "net"), e)) {
		json_decref(st);
		return NULL;
	}
	dk_log("network %s: removed (Docker network %.12s)", jstr(st, "net"), nid);
	json_decref(st);
	if (dks_remove(DKS_NET, nid, e))
		return NULL;
	return json_object();
}

static json_t *h_oper_info(json_t *req, struct eb_err *e)
{
	json_t *st = ep_load(req, e), *res;

	if (!st)
		return NULL;
	res = json_pack("{s:{s:s, s:s, s:s, s:s, s:s, s:O}}", "Value", "ebnet.network",
			jstr(st, "net"), "ebnet.container", jstr(st, "name"), "ebnet.host_dev",
			jstr(st, "host_dev"), "ebnet.address", jstr(st, "address"), "ebnet.mac",
			jstr(st, "mac"), "ebnet.ports", json_object_get(st, "ports"));
	if (res && *jstr(st, "address6"))
		json_object_set_new(json_object_get(res, "Value"), "ebnet.address6",
				    json_string(jstr(st, "address6")));
	json_decref(st);
	return res;
}

static json_t *h_activate(json_t *req, struct eb_err *e)
{
	return json_pack("{s:[s]}", "Implements", "NetworkDriver");
}

static json_t *h_capabilities(json_t *req, struct eb_err *e)
{
	return json_pack("{s:s, s:s}", "Scope", "local", "ConnectivityScope", "local");
}

/* Discovery (and swarm's allocation) calls: nothing for a local driver. */
static json_t *h_nothing(json_t *req, struct eb_err *e)
{
	return json_object();
}

static const struct {
	const char *path;
	json_t *(*fn)(json_t *req, struct eb_err *e);
} calls[] = {
	{ "/Plugin.Activate", h_activate },
	{ "/NetworkDriver.GetCapabilities", h_capabilities },
	{ "/NetworkDriver.CreateNetwork", h_create_network },
	{ "/NetworkDriver.DeleteNetwork", h_delete_network },
	{ "/NetworkDriver.CreateEndpoint", h_create_endpoint },
	{ "/NetworkDriver.DeleteEndpoint", h_delete_endpoint },
	{ "/NetworkDriver.EndpointOperInfo", h_oper_info },
	{ "/NetworkDriver.Join", h_join },
	{ "/NetworkDriver.Leave", h_leave },
	{ "/NetworkDriver.ProgramExternalConnectivity", h_program_ext },
	{ "/NetworkDriver.RevokeExternalConnectivity", h_revoke_ext },
	{ "/NetworkDriver.DiscoverNew", h_nothing },
	{ "/NetworkDriver.DiscoverDelete", h_nothing },
	{ "/NetworkDriver.AllocateNetwork", h_nothing },
	{ "/NetworkDriver.FreeNetwork", h_nothing },
};

/* ---- HTTP ---- */

struct dk_req {
	char *body;
	size_t len, cap;
	bool too_big;
};

static enum MHD_Result reply(struct MHD_Connection *c, unsigned int status, json_t *obj)
{
	char *text = json_dumps(obj, JSON_COMPACT);
	struct MHD_Response *r;
	enum MHD_Result ret;

	if (!text)
		return MHD_NO;
	r = MHD_create_response_from_buffer(strlen(text), text, MHD_RESPMEM_MUST_FREE);
	if (!r) {
		free(text);
		return MHD_NO;
	}
	MHD_add_response_header(r, "Content-Type", "application/vnd.docker.plugins.v1.2+json");
	ret = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
				  const char *method, const char *version,
				  const char *upload, size_t *upload_size, void **con_cls)
{
	struct dk_req *rq = *con_cls;
	struct eb_err e = {};
	json_t *req, *res = NULL;
	json_error_t je;
	unsigned int status = MHD_HTTP_OK;
	enum MHD_Result ret;
	size_t i;

	if (!rq) {
		rq = calloc(1, sizeof(*rq));
		if (!rq)
			return MHD_NO;
		*con_cls = rq;
		return MHD_YES;
	}
	if (*upload_size) {
		if (rq->len + *upload_size > DK_MAX_BODY) {
			rq->too_big = true;
		} else {
			if (rq->len + *upload_size + 1 > rq->cap) {
				size_t cap = (rq->len + *upload_size + 1) * 2;
				char *b = realloc(rq->body, cap);

				if (!b)
					return MHD_NO;
				rq->body = b;
				rq->cap = cap;
			}
			memcpy(rq->body + rq->len, upload, *upload_size);
			rq->len += *upload_size;
			rq->body[rq->len] = 0;
		}
		*upload_size = 0;
		return MHD_YES;
	}
	if (rq->too_big) {
		eb_errf(&e, "request body over %d bytes", DK_MAX_BODY);
		status = MHD_HTTP_CONTENT_TOO_LARGE;
		goto err;
	}
	/* Plugin.Activate comes with an empty body. */
	req = rq->len ? json_loadb(rq->body, rq->len, 0, &je) : json_object();
	if (!req || !json_is_object(req)) {
		eb_errf(&e, "the request to %s is not a JSON object (%s)", url,
			req ? "another type" : je.text);
		json_decref(req);
		status = MHD_HTTP_BAD_REQUEST;
		goto err;
	}
	for (i = 0; i < sizeof(calls) / sizeof(calls[0]); i++)
		if (!strcmp(calls[i].path, url))
			break;
	if (i == sizeof(calls) / sizeof(calls[0])) {
		eb_errf(&e, "the ebnet driver has no call %s", url);
		json_decref(req);
		status = MHD_HTTP_NOT_FOUND;
		goto err;
	}
	if (dk_verbose) {
		char *t = json_dumps(req, JSON_COMPACT);

		dk_log("%s %s", url, t ? t : "");
		free(t);
	}
	pthread_mutex_lock(&dk_lib_lock);
	res = calls[i].fn(req, &e);
	pthread_mutex_unlock(&dk_lib_lock);
	json_decref(req);
	if (res) {
		ret = reply(c, status, res);
		json_decref(res);
		return ret;
	}
	if (!e.msg[0])
		eb_errf(&e, "%s failed (out of memory?)", url);
	dk_log("%s: error: %s", url + 1, e.msg);
	/* dockerd shows a non-200 answer's Err to the user as
	 * "Error response from daemon: ...: <Err>". */
	status = MHD_HTTP_INTERNAL_SERVER_ERROR;
err:
	res = json_pack("{s:s}", "Err", e.msg);
	ret = reply(c, status, res);
	json_decref(res);
	return ret;
}

static void on_done(void *cls, struct MHD_Connection *c, void **con_cls,
		    enum MHD_RequestTerminationCode toe)
{
	struct dk_req *rq = *con_cls;

	if (rq) {
		free(rq->body);
		free(rq);
		*con_cls = NULL;
	}
}

/* The listening socket; a stale socket file (a driver that was killed)
 * is replaced, a live one is not. */
static int listen_unix(const char *path, struct eb_err *e)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct stat sb;
	char dir[sizeof(sa.sun_path)], *slash;
	int fd, err;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		eb_errf(e, "socket path too long (at most %zu bytes): '%s'",
			sizeof(sa.sun_path) - 1, path);
		return -ENAMETOOLONG;
	}
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	if (slash && slash != dir) {
		*slash = 0;
		for (char *s = dir + 1; *s; s++)
			if (*s == '/') {
				*s = 0;
				mkdir(dir, 0755);
				*s = '/';
			}
		mkdir(dir, 0755);
	}
	if (lstat(path, &sb) == 0) {
		if (!S_ISSOCK(sb.st_mode)) {
			eb_errf(e, "'%s' exists and is not a socket", path);
			return -EEXIST;
		}
		fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd >= 0 && connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0) {
			close(fd);
			eb_errf(e, "another driver listens on '%s'", path);
			return -EADDRINUSE;
		}
		if (fd >= 0)
			close(fd);
		unlink(path);
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		goto fail;
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) || chmod(path, 0660) ||
	    listen(fd, 64))
		goto fail;
	return fd;
fail:
	err = -errno;
	eb_errf(e, "cannot listen on '%s': %s", path, strerror(-err));
	if (fd >= 0)
		close(fd);
	return err;
}

/* At start: networks whose pins are gone (a reboot) are made again, and
 * endpoints whose container went while the driver was away are dropped. */
static int restore_net(const char *id, json_t *st, void *p)
{
	struct eb_err e = {};

	if (net_ensure(st, &e))
		dk_log("network %s (Docker %.12s): cannot make it again: %s", jstr(st, "net"),
		       id, e.msg);
	return 0;
}

int do_docker_plugin(int argc, char **argv)
{
	const char *sock = DK_DEFAULT_SOCKET;
	char root[PATH_MAX - 16], dir[PATH_MAX];
	struct MHD_Daemon *d;
	struct eb_err e = {};
	sigset_t sigs;
	int fd, sig;

	for (int i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "-v") || !strcmp(argv[i], "--verbose")) {
			dk_verbose = true;
		} else if (!strcmp(argv[i], "--socket") && i + 1 < argc && argv[i + 1][0]) {
			sock = argv[++i];
		} else if (!strcmp(argv[i], "--state-dir") && i + 1 < argc && argv[i + 1][0]) {
			/* libebnet keeps its attachments there too. */
			setenv(EB_STATE_DIR_ENV, argv[++i], 1);
		} else {
			fprintf(stderr,
				"ebnet: docker-plugin: unknown or incomplete option '%s'\n"
				"usage: ebnet %s\n",
				argv[i], DK_USAGE);
			return 2;
		}
	}
	snprintf(dir, sizeof(dir), "%s/docker", eb_state_dir(root, sizeof(root)));
	if (geteuid() != 0) {
		fprintf(stderr, "ebnet: must run as root (it needs CAP_NET_ADMIN and CAP_BPF)\n");
		return 1;
	}
	if (dks_init(dir, &e)) {
		fprintf(stderr, "ebnet: docker-plugin: %s\n", e.msg);
		return 1;
	}
	signal(SIGPIPE, SIG_IGN);
	/* The signals that stop us wait for sigwait(), in this thread only:
	 * blocked before the server's thread is made, which inherits that. */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);

	sweep(NULL);
	dks_each(DKS_NET, restore_net, NULL);
	dks_each(DKS_EP, rewatch, NULL);
	fd = listen_unix(sock, &e);
	if (fd < 0) {
		fprintf(stderr, "ebnet: docker-plugin: %s\n", e.msg);
		return 1;
	}
	d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG, 0, NULL, NULL,
			     on_request, NULL, MHD_OPTION_LISTEN_SOCKET, fd,
			     MHD_OPTION_NOTIFY_COMPLETED, on_done, NULL,
			     MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)300, MHD_OPTION_END);
	if (!d) {
		fprintf(stderr, "ebnet: docker-plugin: cannot start the HTTP server on '%s'\n",
			sock);
		close(fd);
		unlink(sock);
		return 1;
	}
	dk_log("listening on %s, state in %s", sock, dir);
	do {
		sig = 0;
		sigwait(&sigs, &sig);
	} while (sig == SIGHUP);
	dk_log("signal %d: stopping (the datapath stays)", sig);
	MHD_stop_daemon(d);
	close(fd);
	unlink(sock);
	return 0;
}
