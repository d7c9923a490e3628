// SPDX-License-Identifier: GPL-2.0
#include "dk.h"

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
int net_opts(json_t *st, struct eb_up_opts *uo, struct eb_err *e)
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
int net_ensure(json_t *st, struct eb_err *e)
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

json_t *net_load(json_t *req, struct eb_err *e)
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

/* The subnets of a CreateNetwork: one IPv4, and one IPv6 with --ipv6 only. */
static int dk_net_subnets(json_t *v4, json_t *v6, bool ipv6, struct eb_err *e)
{
	if (ipv6 && json_array_size(v6) != 1) {
		eb_errf(e, "an ebnet network with --ipv6 has exactly one IPv6 subnet (got %zu): give "
			   "--subnet PREFIX/N (like fd00:77::/64) beside the IPv4 one",
			json_array_size(v6));
		return -EINVAL;
	}
	if (!ipv6 && json_array_size(v6)) {
		eb_errf(e, "an IPv6 --subnet needs --ipv6 (`docker network create --ipv6 ...`)");
		return -EINVAL;
	}
	if (json_array_size(v4) != 1) {
		eb_errf(e, "an ebnet network has exactly one IPv4 subnet (got %zu): give one "
			   "--subnet",
			json_array_size(v4));
		return -EINVAL;
	}
	return 0;
}

/* The driver options (`-o`) kept in the record, and -o ebnet.net's value. */
static json_t *dk_net_own_opts(json_t *opts, const char **netname)
{
	json_t *own_opts = json_object(), *o;
	const char *key;

	json_object_foreach(opts, key, o) {
		/* Docker's own name of the setting (`-o
		 * com.docker.network.driver.mtu=1400`, as for its bridge)
		 * is ebnet.mtu. */
		if (!strcmp(key, DK_MTU_KEY) && json_is_string(o))
			json_object_set(own_opts, DK_OPT_PREFIX "mtu", o);
		else if (json_is_string(o))
			json_object_set(own_opts, key, o);
		if (!strcmp(key, DK_OPT_PREFIX "net"))
			*netname = json_string_value(o);
	}
	return own_opts;
}

/* The gateways: ebnet's are the first address of the IPv4 subnet and
 * prefix::1 (Docker's IPAM default); another one asked for is refused.
 * Both go into the record st. */
static int dk_net_gateways(json_t *st, const struct eb_up_opts *uo, json_t *v4, json_t *v6,
			   bool ipv6, struct eb_err *e)
{
	char gwb[16], gw6b[INET6_ADDRSTRLEN];
	uint32_t gw = eb_first_host(uo->subnet, uo->plen), want;
	const char *g = jstr(json_array_get(v4, 0), "Gateway");
	uint8_t gw6[16], want6[16];

	if (*g && (parse_addr(g, &want) || want != gw)) {
		eb_errf(e, "the gateway of an ebnet network is the first address of its "
			   "subnet, %s: give --gateway %s or none",
			eb_ip_str(gw, gwb), eb_ip_str(gw, gwb));
		return -EINVAL;
	}
	json_object_set_new(st, "gateway", json_string(eb_ip_str(gw, gwb)));
	if (!ipv6)
		return 0;
	g = jstr(json_array_get(v6, 0), "Gateway");
	memcpy(gw6, uo->subnet6, 16);
	gw6[15] |= 1;
	inet_ntop(AF_INET6, gw6, gw6b, sizeof(gw6b));
	if (*g && (parse_addr6(g, want6) || memcmp(want6, gw6, 16))) {
		eb_errf(e, "the IPv6 gateway of an ebnet network is the first address of its "
			   "IPv6 subnet, %s: give --gateway %s or none for it",
			gw6b, gw6b);
		return -EINVAL;
	}
	json_object_set_new(st, "gateway6", json_string(gw6b));
	return 0;
}

/* CreateNetwork: the record written first, then the ebnet network made;
 * a retried call finds the record and answers at once. */
json_t *h_create_network(json_t *req, struct eb_err *e)
{
	const char *id = jstr(req, "NetworkID");
	json_t *opts = json_object_get(json_object_get(req, "Options"), DK_GENERIC);
	json_t *v4 = json_object_get(req, "IPv4Data"), *v6 = json_object_get(req, "IPv6Data");
	json_t *st = NULL, *have, *own_opts;
	struct eb_up_opts uo;
	const char *netname = NULL;
	char name[EB_NAME_LEN];
	bool ipv6;
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
	if (dk_net_subnets(v4, v6, ipv6, e))
		return NULL;
	own_opts = dk_net_own_opts(opts, &netname);
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
	if (net_opts(st, &uo, e) || dk_net_gateways(st, &uo, v4, v6, ipv6, e))
		goto fail;
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
