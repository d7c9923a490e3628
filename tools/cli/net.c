// SPDX-License-Identifier: GPL-2.0
#include "cli.h"

/* ---- up ---- */

/* --domain, --dns ADDR[,ADDR...], --alias CONTAINER:NAME[,NAME...]. The
 * strings stay o's (argv); the arrays live as long as the process. */
static void parse_names(const char *cmdname, struct opts *o, struct eb_names_opts *no)
{
	static uint32_t dns[EB_DNS_MAX_UP + 1];
	static struct eb_alias al[256];
	int nal = 0;

	no->domain = o->domain;
	for (int i = 0; i < o->nmulti[0]; i++) {
		char *list = strdup(o->multi[0][i]), *save = NULL, *t;

		for (t = strtok_r(list, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
			if (no->ndns == EB_DNS_MAX_UP)
				die_usage(cmdname, "--dns: at most %d resolvers", EB_DNS_MAX_UP);
			if (eb_parse_ipv4(t, &dns[no->ndns]))
				die_usage(cmdname,
					  "invalid --dns '%s': want IPv4 addresses, comma-separated", t);
			no->ndns++;
		}
		no->dns = dns;
	}
	for (int i = 0; i < o->nmulti[1]; i++) {
		char *spec = strdup(o->multi[1][i]), *colon = strchr(spec, ':'), *save = NULL, *t;

		if (!colon || colon == spec || !colon[1])
			die_usage(cmdname, "invalid --alias '%s': want CONTAINER:NAME[,NAME...]",
				  o->multi[1][i]);
		*colon = 0;
		for (t = strtok_r(colon + 1, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
			if (nal == 256)
				die_usage(cmdname, "too many aliases");
			al[nal].ctr = spec;
			al[nal++].name = t;
		}
	}
	no->aliases = al;
	no->naliases = nal;
}

/* The network's settings of `up` (and `attach`, which makes the network on
 * first use), through the parser the CNI plugin uses too. */
void up_opts_from(const char *cmdname, const struct opts *o, struct eb_up_opts *uo)
{
	const struct {
		const char *key, *val;
	} kv[] = { { "--subnet", o->subnet },
		   { "--snat-ip", o->snat_ip },
		   { "--ct-tcp-size", o->ct_tcp_size },
		   { "--ct-other-size", o->ct_other_size },
		   { "--nat-ports", o->nat_ports },
		   { "--mtu", o->mtu },
		   { "--subnet6", o->subnet6 },
		   { "--snat-ip6", o->snat_ip6 },
		   { "--nat6", o->nat6 },
		   { "--attach", o->attach ? o->attach : getenv("EBNET_ATTACH") },
		   { "--xdp", o->xdp ? o->xdp : getenv("EBNET_XDP") } };
	char why[200];

	memset(uo, 0, sizeof(*uo));
	uo->net = o->net;
	uo->uplink = o->uplink;
	uo->verbose = verbose;
	uo->attach = EB_ATTACH_AUTO;
	uo->xdp = EB_XDP_KEEP;
	uo->ipv6 = o->ipv6;
	for (size_t i = 0; i < sizeof(kv) / sizeof(kv[0]); i++)
		if (kv[i].val && *kv[i].val && eb_up_opt_set(uo, kv[i].key, kv[i].val, why, sizeof(why)))
			die_usage(cmdname, "%s", why);
}

/* ---- which network, without --net ---- */

/* The networks made in this namespace (where their `up` ran): what a
 * command without --net covers. */
int here_nets(char names[][64], int max)
{
	static char all[EB_MAX_NETS][64];
	int n = eb_net_list(all, EB_MAX_NETS), k = 0;

	for (int i = 0; i < n && k < max; i++)
		if (eb_net_is_here(all[i]))
			memcpy(names[k++], all[i], 64);
	return k;
}

/* Does a command that reads cover every network of this namespace (no
 * --net, no $EBNET_NET)? */
bool all_nets(const struct opts *o)
{
	return !o->net_given && !getenv("EBNET_NET");
}

/* A command that changes state, or follows one network, without --net:
 * the one network of this namespace; with several, it asks. */
void infer_net(const char *cmd, struct opts *o)
{
	static char names[EB_MAX_NETS][64];
	char list[512] = "";
	int n;

	if (!all_nets(o))
		return;
	n = here_nets(names, EB_MAX_NETS);
	if (n == 1)
		o->net = names[0];
	if (n <= 1)
		return;
	for (int i = 0; i < n && strlen(list) < sizeof(list) - 70; i++)
		snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s%s", i ? ", " : "",
			 names[i]);
	die_usage(cmd, "this namespace has %d networks (%s): name one with --net", n, list);
}

int do_up(int argc, char **argv)
{
	struct eb_up_opts uo;
	struct eb_ctr_req *reqs;
	struct eb_err e = {};
	struct opts o;
	int i, err;

	parse_opts("up", argc, argv, &o, up_opts);
	up_opts_from("up", &o, &uo);
	parse_names("up", &o, &uo.names);

	reqs = calloc(o.nargs + 1, sizeof(*reqs));
	for (i = 0; i < o.nargs; i++) {
		char *eq = strchr(o.args[i], '=');

		reqs[i].name = o.args[i];
		if (eq) {
			char *v4 = eq + 1, *comma = strchr(v4, ',');

			*eq = 0;
			if (comma)
				*comma = 0;
			/* IPV4, IPV4,IPV6, or ,IPV6 (the IPv4 address the next free). */
			if ((*v4 || !comma) && eb_parse_ipv4(v4, &reqs[i].ip))
				die_usage("up", "invalid address '%s' for container '%s': want "
						"NAME=IPV4, NAME=IPV4,IPV6 or NAME=,IPV6",
					  v4, o.args[i]);
			if (comma && (inet_pton(AF_INET6, comma + 1, reqs[i].ip6) != 1 ||
				      !memcmp(reqs[i].ip6, (uint8_t[16]){ 0 }, 16)))
				die_usage("up", "invalid IPv6 address '%s' for container '%s': want "
						"NAME=IPV4,IPV6 or NAME=,IPV6",
					  comma + 1, o.args[i]);
		}
	}
	need_root();
	warn_private_mounts();
	err = eb_up(&uo, reqs, o.nargs, &e);
	free(reqs);
	if (err)
		return fail(err, &e);
	if (e.warn[0])
		fprintf(stderr, "%s: note: %s\n", prog, e.warn);
	return 0;
}

/* ---- rm ---- */

int do_rm(int argc, char **argv)
{
	struct eb_err e = {};
	struct opts o;
	char net[64];
	int i, err;

	parse_opts("rm", argc, argv, &o, no_opts);
	if (!o.nargs)
		die_usage("rm", "name the containers to remove");
	need_root();
	if (!o.net_given) {
		/* The network follows from the container's name. */
		if (eb_find_container(o.args[0], net, sizeof(net), NULL)) {
			fprintf(stderr, "%s: no container '%s' in any network\n", prog, o.args[0]);
			return 1;
		}
		o.net = net;
	}
	for (i = 0; i < o.nargs; i++)
		if (eb_valid_name(o.args[i], EB_NAME_LEN)) {
			fprintf(stderr, "%s: invalid container name '%s'\n", prog, o.args[i]);
			return 1;
		}
	err = eb_rm(o.net, o.args, o.nargs, &e);
	return err ? fail(err, &e) : 0;
}

/* ---- down ---- */

int do_down(int argc, char **argv)
{
	struct eb_err e = {};
	struct opts o;
	int err;

	parse_opts("down", argc, argv, &o, no_opts);
	if (o.nargs)
		die_usage("down", "unexpected argument '%s'", o.args[0]);
	need_root();
	infer_net("down", &o);
	err = eb_down(o.net, &e);
	return err ? fail(err, &e) : 0;
}
