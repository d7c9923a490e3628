// SPDX-License-Identifier: GPL-2.0
#include "dk.h"

/* ---- endpoints ---- */

/* The peer's name until Docker moves it into the container (and renames
 * it eth0): from Docker's id, unique on the host. */
static void ep_peer(const char *eid, char peer[IF_NAMESIZE])
{
	snprintf(peer, IF_NAMESIZE, "dkp%.12s", eid);
}

json_t *ep_load(json_t *req, struct eb_err *e)
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
pthread_mutex_t dk_lib_lock = PTHREAD_MUTEX_INITIALIZER;

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
int rewatch(const char *id, json_t *ep, void *ctx)
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

int ep_detach(json_t *ep, struct eb_err *e)
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

void sweep(const char *net)
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

/* Docker's IPv6 address of an endpoint (none: ip6b stays ""), given to
 * eb_attach at Join (which checks that no other container has it): it must
 * be a container address of the network's IPv6 subnet. */
static int ep_addr6(const char *eid, json_t *iface, json_t *nst, const struct eb_up_opts *uo,
		    char *ip6b, size_t len, struct eb_err *e)
{
	uint8_t ip6[16];

	if (!*jstr(iface, "AddressIPv6"))
		return 0;
	if (!uo->ipv6) {
		eb_errf(e, "network %s has no IPv6 (created without --ipv6): drop --ip6",
			jstr(nst, "net"));
		return -EINVAL;
	}
	if (parse_addr6(jstr(iface, "AddressIPv6"), ip6)) {
		eb_errf(e, "endpoint %.12s: invalid IPv6 address '%s' from Docker's IPAM", eid,
			jstr(iface, "AddressIPv6"));
		return -EINVAL;
	}
	inet_ntop(AF_INET6, ip6, ip6b, len);
	if (!in_prefix6(ip6, uo->subnet6, uo->plen6) || !memcmp(ip6, uo->subnet6, 16) ||
	    !strcmp(ip6b, jstr(nst, "gateway6"))) {
		eb_errf(e, "IPv6 address %s is not a container address of %s (the gateway is %s)",
			ip6b, jstr(nst, "subnet6"), jstr(nst, "gateway6"));
		ip6b[0] = 0;
		return -EINVAL;
	}
	return 0;
}

/* CreateEndpoint: the addresses checked, the MAC chosen when Docker leaves
 * it to the driver, the record written; the namespace is made at Join. */
json_t *h_create_endpoint(json_t *req, struct eb_err *e)
{
	const char *eid = jstr(req, "EndpointID");
	json_t *iface = json_object_get(req, "Interface"), *nst, *st = NULL, *have, *res = NULL;
	const char *mac_s = jstr(iface, "MacAddress");
	struct eb_up_opts uo;
	unsigned char mac[6];
	char peer[IF_NAMESIZE], ipb[16], macb[18], ip6b[INET6_ADDRSTRLEN] = "";
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
	if (ep_addr6(eid, iface, nst, &uo, ip6b, sizeof(ip6b), e))
		goto out;
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

json_t *h_join(json_t *req, struct eb_err *e)
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
