// SPDX-License-Identifier: GPL-2.0
/*
 * ebnet: a single-host container network in eBPF, without a bridge or
 * iptables. This file is the command line: a table of commands, one
 * do_<cmd>() each, prefix matching and a help text per command, in the
 * manner of bpftool. The work itself is done by libebnet (loader/).
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>

#include "ebnet.h"
#include "netns.h"
#include "ebnet_ct.h"
#include "ebnet_pub.h"
#include "ebnet_obs.h"
#include "docker_plugin.h"
#include <signal.h>
#include <time.h>
#include <bpf/bpf.h>
#include <netinet/in.h>
#include <limits.h>
#include <sys/mount.h>
#include <stdarg.h>
#include <stddef.h>
#include <jansson.h>

#define EB_VERSION "0.1.0"

static const char *prog = "ebnet";
static bool json;
static bool verbose;

struct cmd {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *usage;
	const char *help;
};

static const struct cmd *find_cmd(const char *word);

static void die_usage(const char *cmdname, const char *fmt, ...)
	__attribute__((format(printf, 2, 3), noreturn));

static void die_usage(const char *cmdname, const char *fmt, ...)
{
	const struct cmd *c = cmdname ? find_cmd(cmdname) : NULL;
	va_list ap;

	fprintf(stderr, "%s: ", prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	if (c)
		fprintf(stderr, "usage: %s %s\n", prog, c->usage);
	fprintf(stderr, "Try '%s help%s%s'.\n", prog, c ? " " : "", c ? c->name : "");
	exit(2);
}

static int fail(int err, const struct eb_err *e)
{
	fprintf(stderr, "%s: %s\n", prog, e->msg[0] ? e->msg : strerror(-err));
	return 1;
}

static void need_root(void)
{
	if (geteuid() != 0) {
		fprintf(stderr, "%s: must run as root (it needs CAP_NET_ADMIN and CAP_BPF)\n", prog);
		exit(1);
	}
}

/* Options shared by the commands: --net NAME and --json, anywhere. */
struct opts {
	const char *net;
	bool net_given;
	const char *subnet;
	const char *uplink;
	const char *attach;
	const char *xdp;
	const char *snat_ip;
	const char *ct_tcp_size;
	const char *ct_other_size;
	const char *nat_ports;
	const char *mtu;
	const char *subnet6;
	bool ipv6;
	const char *snat_ip6, *nat6;
	const char *watch;
	const char *domain;
	const char *dns_query, *dns_type;
	const char *multi[2][64]; /* --dns, --alias: may be given again */
	int nmulti[2];
	const char *netns, *pid, *ip, *ip6, *host_peer; /* attach */
	bool prog;
	bool force;
	int nargs;
	char **args;
	int ncmd; /* exec: the command after -- */
	char **cmd;
};

/* The options a command may take besides --net, -v and -h: what each
 * one sets. */
enum opt_kind { OPT_VALUE, OPT_FLAG, OPT_WATCH, OPT_MULTI, OPT_JSON };

static const struct opt_def {
	const char *name;
	enum opt_kind kind;
	size_t off; /* in struct opts; OPT_MULTI: the index in multi[] */
} opt_defs[] = {
	{ "--json", OPT_JSON, 0 },
	{ "--force", OPT_FLAG, offsetof(struct opts, force) },
	{ "--prog", OPT_FLAG, offsetof(struct opts, prog) },
	{ "--watch", OPT_WATCH, offsetof(struct opts, watch) },
	{ "--dns", OPT_MULTI, 0 },
	{ "--alias", OPT_MULTI, 1 },
	{ "--domain", OPT_VALUE, offsetof(struct opts, domain) },
	{ "--dns-query", OPT_VALUE, offsetof(struct opts, dns_query) },
	{ "--dns-type", OPT_VALUE, offsetof(struct opts, dns_type) },
	{ "--subnet", OPT_VALUE, offsetof(struct opts, subnet) },
	{ "--uplink", OPT_VALUE, offsetof(struct opts, uplink) },
	{ "--attach", OPT_VALUE, offsetof(struct opts, attach) },
	{ "--xdp", OPT_VALUE, offsetof(struct opts, xdp) },
	{ "--snat-ip", OPT_VALUE, offsetof(struct opts, snat_ip) },
	{ "--ct-tcp-size", OPT_VALUE, offsetof(struct opts, ct_tcp_size) },
	{ "--ct-other-size", OPT_VALUE, offsetof(struct opts, ct_other_size) },
	{ "--nat-ports", OPT_VALUE, offsetof(struct opts, nat_ports) },
	{ "--netns", OPT_VALUE, offsetof(struct opts, netns) },
	{ "--pid", OPT_VALUE, offsetof(struct opts, pid) },
	{ "--ip", OPT_VALUE, offsetof(struct opts, ip) },
	{ "--ip6", OPT_VALUE, offsetof(struct opts, ip6) },
	{ "--host-peer", OPT_VALUE, offsetof(struct opts, host_peer) },
	{ "--mtu", OPT_VALUE, offsetof(struct opts, mtu) },
	{ "--ipv6", OPT_FLAG, offsetof(struct opts, ipv6) },
	{ "--subnet6", OPT_VALUE, offsetof(struct opts, subnet6) },
	{ "--snat-ip6", OPT_VALUE, offsetof(struct opts, snat_ip6) },
	{ "--nat6", OPT_VALUE, offsetof(struct opts, nat6) },
};

/* The lists of options, NULL-terminated, that commands pass to
 * parse_opts(). */
#define NET_OPTS                                                                          \
	"--subnet", "--uplink", "--attach", "--xdp", "--snat-ip", "--ct-tcp-size",        \
		"--ct-other-size", "--nat-ports"
static const char *const up_opts[] = { NET_OPTS, "--domain", "--dns", "--alias", "--mtu", "--ipv6",
				       "--subnet6", "--snat-ip6", "--nat6", NULL };
static const char *const attach_opts[] = { NET_OPTS, "--mtu", "--netns", "--pid", "--ip", "--ip6",
					   "--host-peer", "--json", NULL };
static const char *const no_opts[] = { NULL };
static const char *const json_opts[] = { "--json", NULL };
static const char *const publish_opts[] = { "--json", "--force", NULL };
static const char *const stats_opts[] = { "--json", "--watch", "--prog", NULL };
static const char *const trace_opts[] = { "--json", "--dns-query", "--dns-type", NULL };

/* The definition of option a when the command's list names it, exactly. */
static const struct opt_def *opt_find(const char *a, const char *const *allowed)
{
	for (; *allowed; allowed++) {
		if (strcmp(a, *allowed))
			continue;
		for (size_t i = 0; i < sizeof(opt_defs) / sizeof(opt_defs[0]); i++)
			if (!strcmp(opt_defs[i].name, a))
				return &opt_defs[i];
	}
	return NULL;
}

static void parse_opts(const char *cmdname, int argc, char **argv, struct opts *o,
		       const char *const *allowed)
{
	int i;

	memset(o, 0, sizeof(*o));
	o->net = getenv("EBNET_NET") ? getenv("EBNET_NET") : EB_DEFAULT_NET;
	o->args = calloc(argc + 1, sizeof(char *));
	for (i = 0; i < argc; i++) {
		const char *a = argv[i];
		const struct opt_def *d;

		if (!strcmp(a, "--")) {
			if (!strcmp(cmdname, "exec")) {
				o->cmd = argv + i + 1;
				o->ncmd = argc - i - 1;
				break;
			}
			/* End of options: the rest are arguments, even "-x". */
			for (i++; i < argc; i++)
				o->args[o->nargs++] = argv[i];
			break;
		}
		if (!strcmp(a, "-j"))
			a = "--json";
		if (!strcmp(a, "--json") && !opt_find(a, allowed))
			die_usage(cmdname, "'%s' takes no --json", cmdname);
		if (!strcmp(a, "-v") || !strcmp(a, "--verbose")) {
			verbose = true;
			continue;
		}
		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			const struct cmd *c = find_cmd(cmdname);

			printf("usage: %s %s\n\n%s", prog, c->usage, c->help);
			exit(0);
		}
		d = !strcmp(a, "--net") ? &(const struct opt_def){ "--net", OPT_VALUE,
								   offsetof(struct opts, net) }
					: opt_find(a, allowed);
		if (d && d->kind == OPT_JSON) {
			json = true;
			continue;
		}
		if (d && d->kind == OPT_FLAG) {
			*(bool *)((char *)o + d->off) = true;
			continue;
		}
		if (d && d->kind == OPT_WATCH) {
			o->watch = "1";
			if (i + 1 < argc && argv[i + 1][0] >= '0' && argv[i + 1][0] <= '9')
				o->watch = argv[++i];
			continue;
		}
		if (d && d->kind == OPT_MULTI) {
			int w = d->off;

			if (i + 1 >= argc || !argv[i + 1][0])
				die_usage(cmdname, "option '%s' needs a value", a);
			if (o->nmulti[w] == 64)
				die_usage(cmdname, "too many '%s' options", a);
			o->multi[w][o->nmulti[w]++] = argv[++i];
			continue;
		}
		if (d) {
			const char **dst = (const char **)((char *)o + d->off);

			if (i + 1 >= argc || !argv[i + 1][0])
				die_usage(cmdname, "option '%s' needs a value", a);
			*dst = argv[++i];
			if (dst == &o->net)
				o->net_given = true;
			continue;
		}
		if (a[0] == '-' && a[1]) {
			die_usage(cmdname, "unknown option '%s' for '%s'", a, cmdname);
		}
		if (!strcmp(cmdname, "exec") && o->nargs == 1) {
			/* exec CONTAINER CMD...: the rest is the command. */
			o->cmd = argv + i;
			o->ncmd = argc - i;
			break;
		}
		o->args[o->nargs++] = argv[i];
	}
	if (eb_valid_name(o->net, EB_NAME_LEN))
		die_usage(cmdname, "invalid network name '%s': use 1 to %d of A-Z a-z 0-9 _ . -",
			  o->net, EB_NAME_LEN - 1);
}

/* ---- JSON output (--json), through jansson ---- */

/* A string as JSON. jansson wants UTF-8: a name from a runtime (a label,
 * a path) that is not has its stray bytes shown as '?'. */
static json_t *jstr(const char *s)
{
	json_t *j = json_string(s ? s : "");
	char *c;

	if (j)
		return j;
	c = strdup(s);
	if (!c)
		return json_string("?");
	for (char *p = c; *p; p++)
		if ((unsigned char)*p >= 0x80)
			*p = '?';
	j = json_string(c);
	free(c);
	return j ? j : json_string("?");
}

static json_t *jstrf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static json_t *jstrf(const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	return jstr(buf);
}

/* A u64 counter: json_int_t is long long. */
static json_t *jint(unsigned long long v)
{
	return json_integer((json_int_t)v);
}

/* A rate or an age, with one decimal as before ("%.1f"): the double
 * nearest that decimal, which jput() prints back as it. */
static json_t *jreal1(double v)
{
	char buf[64];

	if (v != v || v - v != 0) /* NaN, infinity: not JSON */
		return json_real(0);
	if (v > 1e14 || v < -1e14) /* more digits than jput() prints */
		return json_real(v);
	snprintf(buf, sizeof(buf), "%.1f", v);
	return json_real(strtod(buf, NULL));
}

/* A string or null. */
static json_t *jstr_or_null(const char *s)
{
	return s && s[0] ? jstr(s) : json_null();
}

/* Adds key, value pairs, NULL-terminated, to the object o: keys keep
 * their order (jansson 2.8 and later keep insertion order). */
static json_t *jaddv(json_t *o, const char *key, va_list ap)
{
	for (const char *k = key; k; k = va_arg(ap, const char *))
		json_object_set_new(o, k, va_arg(ap, json_t *));
	return o;
}

static json_t *jadd(json_t *o, const char *key, ...)
{
	va_list ap;

	va_start(ap, key);
	jaddv(o, key, ap);
	va_end(ap);
	return o;
}

/* A new object of those pairs. */
static json_t *jobj(const char *key, ...)
{
	json_t *o = json_object();
	va_list ap;

	va_start(ap, key);
	jaddv(o, key, ap);
	va_end(ap);
	return o;
}

/* One document, compact, on a line of its own, flushed (monitor, stats
 * --watch and publish print one per event, spec or round). */
static void jput(json_t *j)
{
	/* 15 significant digits: a value rounded to one decimal prints as it
	 * did with "%.1f" (0.1, not 0.10000000000000001). */
	json_dumpf(j, stdout, JSON_COMPACT | JSON_REAL_PRECISION(15));
	putchar('\n');
	fflush(stdout);
	json_decref(j);
}

static void warn_private_mounts(void)
{
	if (eb_private_mount_ns())
		fprintf(stderr,
			"%s: warning: running in a private mount namespace (as under `ip netns "
			"exec`): container namespaces mounted under /run/netns here are not seen "
			"outside it; enter a network namespace with `nsenter --net=...` instead\n",
			prog);
}

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
static void up_opts_from(const char *cmdname, const struct opts *o, struct eb_up_opts *uo)
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
static int here_nets(char names[][64], int max)
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
static bool all_nets(const struct opts *o)
{
	return !o->net_given && !getenv("EBNET_NET");
}

/* A command that changes state, or follows one network, without --net:
 * the one network of this namespace; with several, it asks. */
static void infer_net(const char *cmd, struct opts *o)
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

static int do_up(int argc, char **argv)
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

static int do_rm(int argc, char **argv)
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

static int do_down(int argc, char **argv)
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

/* ---- attach, detach ---- */

static json_t *ip6_json(const uint8_t a[16], int plen)
{
	char t[INET6_ADDRSTRLEN];

	inet_ntop(AF_INET6, a, t, sizeof(t));
	return plen >= 0 ? jstrf("%s/%d", t, plen) : jstr(t);
}

static int do_attach(int argc, char **argv)
{
	struct eb_attach_req r = { .configure = true };
	struct eb_attach_res res;
	struct eb_up_opts uo;
	struct eb_err e = {};
	struct opts o;
	char path[64], a[16], g[16], m[18];
	uint8_t ip6[16];
	int err;

	parse_opts("attach", argc, argv, &o, attach_opts);
	up_opts_from("attach", &o, &uo);
	if (o.nargs != 1)
		die_usage("attach", o.nargs ? "one name at a time" : "name the attachment");
	if (eb_valid_name(o.args[0], EB_NAME_LEN))
		die_usage("attach", "invalid name '%s': use 1 to %d of A-Z a-z 0-9 _ . -, not "
				    "starting with - or .",
			  o.args[0], EB_NAME_LEN - 1);
	if ((o.netns && o.pid) || (!o.netns && !o.pid && !o.host_peer))
		die_usage("attach", "give one of --netns PATH or --pid PID (and/or --host-peer IFNAME)");
	if (o.pid) {
		unsigned long pid;

		if (eb_parse_uint(o.pid, 1, 4194304, &pid))
			die_usage("attach", "invalid --pid '%s': want a process id", o.pid);
		snprintf(path, sizeof(path), "/proc/%lu/ns/net", pid);
		o.netns = path;
	}
	if (o.ip && eb_parse_ipv4(o.ip, &r.ip))
		die_usage("attach", "invalid --ip '%s': want an IPv4 address", o.ip);
	if (o.ip6 && inet_pton(AF_INET6, o.ip6, ip6) != 1)
		die_usage("attach", "invalid --ip6 '%s': want an IPv6 address", o.ip6);
	r.ip6 = o.ip6 ? ip6 : NULL;
	r.id = o.args[0];
	r.netns = o.netns;
	r.ifname = o.host_peer;
	r.host_peer = o.host_peer != NULL;
	need_root();
	err = eb_attach(&uo, &r, &res, &e);
	if (err)
		return fail(err, &e);
	if (json)
		jput(jobj("name", jstr(res.name), "network", jstr(o.net),
			  "ip", jstrf("%s/%d", eb_ip_str(res.ip, a), res.plen),
			  "gateway", jstr(eb_ip_str(res.gateway, g)), "mac", jstr(eb_mac_str(res.mac, m)),
			  "host_dev", jstr(res.host_ifname),
			  "ip6", res.plen6 ? ip6_json(res.ip6, res.plen6) : json_null(),
			  "gateway6", res.plen6 ? ip6_json(res.gateway6, -1) : json_null(), NULL));
	else {
		printf("attached '%s' to network %s: %s/%d via %s", res.name, o.net,
		       eb_ip_str(res.ip, a), res.plen, eb_ip_str(res.gateway, g));
		if (res.plen6) {
			char a6[INET6_ADDRSTRLEN], g6[INET6_ADDRSTRLEN];

			printf(", %s/%d via %s", inet_ntop(AF_INET6, res.ip6, a6, sizeof(a6)),
			       res.plen6, inet_ntop(AF_INET6, res.gateway6, g6, sizeof(g6)));
		}
		printf(", host end %s\n", res.host_ifname);
	}
	return 0;
}

static int do_detach(int argc, char **argv)
{
	struct eb_attach_info ai;
	struct eb_err e = {};
	struct opts o;
	int err;

	parse_opts("detach", argc, argv, &o, no_opts);
	if (o.nargs != 1)
		die_usage("detach", o.nargs ? "one name at a time" : "name the attachment");
	need_root();
	/* An unknown name is an error here (a typo should not pass quietly);
	 * the library's detach is idempotent for runtimes. */
	if (eb_attach_get(o.net_given ? o.net : NULL, o.args[0], &ai, &e)) {
		fprintf(stderr, "%s: no attachment '%s'%s%s\n", prog, o.args[0],
			o.net_given ? " in network " : "", o.net_given ? o.net : "");
		return 1;
	}
	err = eb_detach(ai.net, o.args[0], &e);
	return err ? fail(err, &e) : 0;
}

/* ---- exec ---- */

/* As `ip netns exec` does with /etc/netns/NAME/resolv.conf: in a mount
 * namespace of the command's own, the container's resolv.conf (the gateway
 * answers names) over /etc/resolv.conf. Without one, the host's stays. */
static void exec_resolv_conf(const char *ctr)
{
	char p[PATH_MAX];

	eb_names_resolv_path(ctr, p, sizeof(p));
	if (access(p, R_OK))
		return;
	if (unshare(CLONE_NEWNS) < 0 || mount("", "/", NULL, MS_SLAVE | MS_REC, NULL) < 0 ||
	    mount(p, "/etc/resolv.conf", NULL, MS_BIND, NULL) < 0)
		fprintf(stderr, "%s: warning: cannot show '%s' as /etc/resolv.conf: %s\n", prog, p,
			strerror(errno));
}

/* The attachment whose record is named name. */
static bool attach_by_name(const char *net, const char *name, struct eb_attach_info *out)
{
	struct eb_attach_info *all = calloc(EB_MAX_ENDPOINTS, sizeof(*all));
	struct eb_err e = {};
	bool found = false;
	int n = all ? eb_attach_list(net, all, EB_MAX_ENDPOINTS, &e) : 0;

	for (int i = 0; i < n && !found; i++)
		if (!strcmp(all[i].name, name)) {
			*out = all[i];
			found = true;
		}
	free(all);
	return found;
}

static int do_exec(int argc, char **argv)
{
	struct opts o;
	char net[64];
	int fd;

	parse_opts("exec", argc, argv, &o, no_opts);
	if (!o.nargs)
		die_usage("exec", "name the container");
	if (!o.ncmd)
		die_usage("exec", "name the command to run in '%s'", o.args[0]);
	need_root();
	if (eb_find_container(o.args[0], net, sizeof(net), NULL) ||
	    (o.net_given && strcmp(net, o.net))) {
		fprintf(stderr, "%s: no container '%s'%s%s\n", prog, o.args[0],
			o.net_given ? " in network " : "", o.net_given ? o.net : "");
		return 1;
	}
	{
		struct eb_endpoint ep;
		struct eb_attach_info ai;

		fd = -1;
		if (eb_find_container(o.args[0], net, sizeof(net), &ep) == 0 &&
		    (ep.flags & EB_EP_ATTACHED)) {
			/* An attachment: its runtime's namespace, by the path it
			 * was attached with (by name or id: the record's name is
			 * the id's when it is a valid name). */
			if (attach_by_name(net, o.args[0], &ai) && ai.netns[0])
				fd = open(ai.netns, O_RDONLY | O_CLOEXEC);
			else
				errno = ENOENT;
		} else {
			fd = eb_netns_open(o.args[0]);
		}
	}
	if (fd < 0 || setns(fd, CLONE_NEWNET) < 0) {
		fprintf(stderr, "%s: cannot enter the namespace of '%s': %s\n", prog, o.args[0],
			strerror(errno));
		return 1;
	}
	close(fd);
	exec_resolv_conf(o.args[0]);
	execvp(o.cmd[0], o.cmd);
	fprintf(stderr, "%s: cannot run '%s': %s\n", prog, o.cmd[0], strerror(errno));
	return errno == ENOENT ? 127 : 126;
}

/* ---- ls ---- */

/* XDP on the uplink: "native" (attached), "none" (auto or native asked
 * for, not attached: TC only), "off" (the default). */
static const char *xdp_state(const struct eb_config *cfg)
{
	if (cfg->flags & EB_CFG_XDP)
		return "native";
	if (cfg->flags & (EB_CFG_XDP_AUTO | EB_CFG_XDP_NATIVE))
		return "none";
	return "off";
}

/* The attachments of the network being listed: runtime id and label. */
static struct eb_attach_info *ls_atts;
static int ls_natts;

static const struct eb_attach_info *att_of(const struct eb_endpoint *ep)
{
	if (!(ep->flags & EB_EP_ATTACHED))
		return NULL;
	for (int i = 0; i < ls_natts; i++)
		if (!strcmp(ls_atts[i].name, ep->name))
			return &ls_atts[i];
	return NULL;
}

/* Has container i an IPv6 address (eb_ip6)? */
static bool has_ip6(const struct eb_net_info *n, int i)
{
	static const uint8_t zero[16];

	return memcmp(n->ctr_ip6[i], zero, 16) != 0;
}


static json_t *net_json(const struct eb_net_info *n)
{
	char a[16], b[16], c[16], m[18], hm[18];
	json_t *ctrs = json_array();
	int i;

	for (i = 0; i < n->nctr; i++) {
		const struct eb_endpoint *ep = &n->ctr[i];
		const struct eb_attach_info *ai = att_of(ep);
		json_t *cj = jobj("name", jstr(ep->name), "ip", jstr(eb_ip_str(ep->ip, a)),
				  "mac", jstr(eb_mac_str(ep->mac, m)), "host_dev", jstr(ep->host_dev),
				  "host_ifindex", jint(ep->ifindex),
				  "gateway_mac", jstr(eb_mac_str(ep->host_mac, hm)),
				  "attach", jstr(ep->flags & EB_EP_CLSACT ? "clsact" : "tcx"),
				  "state",
				  jstr(!(ep->flags & EB_EP_READY) ? "incomplete" : n->ctr_state[i]),
				  NULL);

		jadd(cj, "ip6", has_ip6(n, i) ? ip6_json(n->ctr_ip6[i], -1) : json_null(), NULL);
		if (ai)
			jadd(cj, "runtime_id", jstr(ai->id), "label", jstr(ai->label),
			     "owner", jstr(ai->owner), "netns", jstr(ai->netns),
			     "ifname", jstr(ai->ifname), "alive", json_boolean(ai->alive), NULL);
		json_array_append_new(ctrs, cj);
	}
	bool v6 = n->cfg6.flags & EB_CFG6_ON;

	return jobj("name", jstr(n->name),
		    "subnet", jstrf("%s/%d", eb_ip_str(n->cfg.subnet, a), n->cfg.prefix_len),
		    "gateway", jstr(eb_ip_str(n->cfg.gateway, b)),
		    "subnet6", v6 ? ip6_json(n->cfg6.prefix, n->cfg6.plen) : json_null(),
		    "gateway6", v6 ? ip6_json(n->cfg6.gateway, -1) : json_null(),
		    "nat6", v6 ? jstr(n->cfg6.flags & EB_CFG6_NAT6_OFF ? "off" : "on") : json_null(),
		    "snat_ip6", v6 && !(n->cfg6.flags & EB_CFG6_NAT6_OFF) &&
				    memcmp(n->cfg6.snat_ip6, (const uint8_t[16]){ 0 }, 16)
				? ip6_json(n->cfg6.snat_ip6, -1)
				: json_null(),
		    "uplink_attach", jstr_or_null(n->uplink_attach),
		    "uplink_state", jstr(n->uplink_state), "uplink", jstr_or_null(n->uplink),
		    "snat_ip", jstr(eb_ip_str(n->cfg.snat_ip, c)),
		    "nat_ports", jstrf("%u-%u", n->cfg.nat_port_min, n->cfg.nat_port_max),
		    "ct_tcp_size", jint(n->cfg.ct_tcp_size),
		    "ct_other_size", jint(n->cfg.ct_other_size), "map_bytes", jint(n->map_bytes),
		    "xdp", jstr(xdp_state(&n->cfg)),
		    "pin_dir", jstrf("%s/%s", EB_PIN_ROOT, n->name), "containers", ctrs, NULL);
}

static void print_net_text(const struct eb_net_info *n)
{
	char a[16], b[16], c[16], m[18];
	int i;

	printf("network %s  subnet %s/%d  gateway %s  uplink %s  snat %s  containers %d\n",
	       n->name, eb_ip_str(n->cfg.subnet, a), n->cfg.prefix_len,
	       eb_ip_str(n->cfg.gateway, b), n->uplink[0] ? n->uplink : "-",
	       n->cfg.snat_ip ? eb_ip_str(n->cfg.snat_ip, c) : "-", n->nctr);
	if (strcmp(n->uplink_state, "ok") && strcmp(n->uplink_state, "none"))
		printf("  uplink %s\n", n->uplink_state);
	if (n->cfg6.flags & EB_CFG6_ON) {
		char p6[INET6_ADDRSTRLEN], g6[INET6_ADDRSTRLEN];

		char s6[INET6_ADDRSTRLEN];
		static const uint8_t none[16];

		printf("  ipv6 subnet %s/%d  gateway %s  nat6 %s\n",
		       inet_ntop(AF_INET6, n->cfg6.prefix, p6, sizeof(p6)), n->cfg6.plen,
		       inet_ntop(AF_INET6, n->cfg6.gateway, g6, sizeof(g6)),
		       (n->cfg6.flags & EB_CFG6_NAT6_OFF) ? "off (routed)"
		       : memcmp(n->cfg6.snat_ip6, none, 16)
			       ? inet_ntop(AF_INET6, n->cfg6.snat_ip6, s6, sizeof(s6))
			       : "- (no IPv6 address on the uplink: not routed out)");
	}
	printf("  nat ports %u-%u  conntrack %u tcp + %u other entries  maps hold %.1f MiB%s%s"
	       "  xdp %s\n",
	       n->cfg.nat_port_min, n->cfg.nat_port_max, n->cfg.ct_tcp_size, n->cfg.ct_other_size,
	       n->map_bytes / 1048576.0, n->uplink_attach[0] ? "  uplink attach " : "",
	       n->uplink_attach, xdp_state(&n->cfg));
	if (!n->nctr)
		return;
	printf("  %-20s %-15s %-17s %-11s %-6s %s\n", "CONTAINER", "ADDRESS", "MAC", "HOST-DEV",
	       "ATTACH", "STATE");
	for (i = 0; i < n->nctr; i++) {
		const struct eb_endpoint *ep = &n->ctr[i];

		printf("  %-20s %-15s %-17s %-11s %-6s %s\n", ep->name, eb_ip_str(ep->ip, a),
		       eb_mac_str(ep->mac, m), ep->host_dev,
		       ep->flags & EB_EP_CLSACT ? "clsact" : "tcx",
		       ep->flags & EB_EP_READY ? n->ctr_state[i] : "incomplete (run `ebnet up` again)");
		if (has_ip6(n, i)) {
			char a6[INET6_ADDRSTRLEN];

			printf("  %-20s %s\n", "", inet_ntop(AF_INET6, n->ctr_ip6[i], a6, sizeof(a6)));
		}
		if (att_of(ep)) {
			const struct eb_attach_info *ai = att_of(ep);

			printf("  %-20s attached by %s: id %s%s%s  netns %s  %s\n", "", ai->owner, ai->id,
			       ai->label[0] ? "  label " : "", ai->label,
			       ai->netns[0] ? ai->netns : "(peer left in the host)",
			       ai->alive ? "alive" : "gone (`ebnet gc` reclaims it)");
		}
	}
}

static int do_ls(int argc, char **argv)
{
	static char names[EB_MAX_NETS][64];
	static struct eb_net_info info;
	struct eb_err e = {};
	struct opts o;
	json_t *jnets = json_array();
	int n, i, err, shown = 0;

	parse_opts("ls", argc, argv, &o, json_opts);
	if (o.nargs)
		die_usage("ls", "unexpected argument '%s'", o.args[0]);
	need_root();
	if (!all_nets(&o)) {
		if (!eb_dp_exists(o.net)) {
			fprintf(stderr, "%s: network '%s' does not exist\n", prog, o.net);
			return 1;
		}
		snprintf(names[0], 64, "%s", o.net);
		n = 1;
	} else {
		/* Those of this namespace, as ports, ct and stats (pins are
		 * the machine's: another namespace's networks are there too). */
		n = here_nets(names, EB_MAX_NETS);
	}
	for (i = 0; i < n; i++) {
		err = eb_net_info(names[i], &info, &e);
		if (err) {
			fprintf(stderr, "%s: network '%s': %s\n", prog, names[i], e.msg);
			continue;
		}
		if (!ls_atts)
			ls_atts = calloc(EB_MAX_ENDPOINTS, sizeof(*ls_atts));
		ls_natts = ls_atts ? eb_attach_list(names[i], ls_atts, EB_MAX_ENDPOINTS, &e) : 0;
		if (json)
			json_array_append_new(jnets, net_json(&info));
		else
			print_net_text(&info);
		shown++;
	}
	if (json)
		jput(jobj("networks", jnets, NULL));
	else if (!shown)
		printf("no networks (create one with `ebnet up`)\n");
	return 0;
}

/* ---- ct, gc ---- */

static const char *proto_str(uint8_t p)
{
	return p == IPPROTO_TCP	   ? "tcp"
	       : p == IPPROTO_UDP  ? "udp"
	       : p == IPPROTO_ICMP ? "icmp"
	       : p == IPPROTO_ICMPV6 ? "icmp6"
				    : "?";
}

struct ct_print {
	int n;
	const char *net; /* set when covering several networks: said on each line */
	json_t *flows;	 /* --json: the flows' array */
};

static void ct_print_row(struct ct_print *cp, const char *family, uint8_t proto,
			 const struct eb_ct_entry *v, const char *orig, const char *dst,
			 const char *nat, const struct eb_ct_cfg *cfg, uint64_t now);

static void ct_print_one(const struct eb_ct_key *k, const struct eb_ct_entry *v,
			 const struct eb_ct_cfg *cfg, uint64_t now, void *ctx)
{
	char a[16], b[16], x[16], orig[32], dst[32], nat[32];

	snprintf(orig, sizeof(orig), "%s:%u", eb_ip_str(k->src, a), ntohs(k->sport));
	snprintf(dst, sizeof(dst), "%s:%u", eb_ip_str(k->dst, b),
		 k->proto == IPPROTO_ICMP ? 0 : ntohs(k->dport));
	snprintf(nat, sizeof(nat), "%s:%u", eb_ip_str(v->xaddr, x), ntohs(v->xport));
	ct_print_row(ctx, "ipv4", k->proto, v, orig, dst, nat, cfg, now);
}

/* An IPv6 flow: addresses in brackets, [ADDR]:PORT. */
static void ct6_print_one(const struct eb_ct6_key *k, const struct eb_ct6_entry *v,
			  const struct eb_ct_cfg *cfg, uint64_t now, void *ctx)
{
	char a[INET6_ADDRSTRLEN], b[INET6_ADDRSTRLEN], x[INET6_ADDRSTRLEN];
	char orig[64], dst[64], nat[64];

	inet_ntop(AF_INET6, k->src, a, sizeof(a));
	inet_ntop(AF_INET6, k->dst, b, sizeof(b));
	inet_ntop(AF_INET6, v->xaddr, x, sizeof(x));
	snprintf(orig, sizeof(orig), "[%s]:%u", a, ntohs(k->sport));
	snprintf(dst, sizeof(dst), "[%s]:%u", b, k->proto == IPPROTO_ICMPV6 ? 0 : ntohs(k->dport));
	snprintf(nat, sizeof(nat), "[%s]:%u", x, ntohs(v->ct.xport));
	ct_print_row(ctx, "ipv6", k->proto, &v->ct, orig, dst, nat, cfg, now);
}

static void ct_print_row(struct ct_print *cp, const char *family, uint8_t proto,
			 const struct eb_ct_entry *v, const char *orig, const char *dst,
			 const char *nat, const struct eb_ct_cfg *cfg, uint64_t now)
{
	uint64_t life = eb_ct_lifetime_ns(v, proto, cfg);
	double age = now > v->created ? (now - v->created) / 1e9 : 0;
	double idle = now > v->last_seen ? (now - v->last_seen) / 1e9 : 0;
	bool expired = idle * 1e9 > life;

	if (json) {
		json_t *f = cp->net ? jobj("network", jstr(cp->net), NULL) : json_object();

		jadd(f, "proto", jstr(proto_str(proto)), "src", jstr(orig),
					   "dst", jstr(dst), "nat", jstr(nat),
					   "state", jstr(eb_ct_state_str(v, proto)),
					   "expired", json_boolean(expired), "age_s", jreal1(age),
					   "idle_s", jreal1(idle), "packets_out", jint(v->packets[0]),
					   "bytes_out", jint(v->bytes[0]),
					   "packets_in", jint(v->packets[1]),
					   "bytes_in", jint(v->bytes[1]), "family", jstr(family), NULL);
		json_array_append_new(cp->flows, f);
	} else {
		if (!cp->n && cp->net)
			printf("%-16s ", "NETWORK");
		if (!cp->n)
			printf("%-5s %-21s %-21s %-21s %-11s %7s %15s %15s\n", "PROTO", "SOURCE",
			       "DESTINATION", "TRANSLATED", "STATE", "AGE", "OUT pkt/bytes",
			       "IN pkt/bytes");
		if (cp->net)
			printf("%-16s ", cp->net);
		printf("%-5s %-21s %-21s %-21s %-11s %6.0fs %6llu/%-8llu %6llu/%-8llu\n",
		       proto_str(proto), orig, dst, nat,
		       expired ? "expired" : eb_ct_state_str(v, proto), age,
		       (unsigned long long)v->packets[0], (unsigned long long)v->bytes[0],
		       (unsigned long long)v->packets[1], (unsigned long long)v->bytes[1]);
	}
	cp->n++;
}

static int do_ct(int argc, char **argv)
{
	struct ct_print cp = {};
	struct eb_err e = {};
	struct opts o;
	int err;

	parse_opts("ct", argc, argv, &o, json_opts);
	cp.flows = json_array();
	if (o.nargs > 1 || (o.nargs == 1 && strcmp(o.args[0], "flush") && strcmp(o.args[0], "list")))
		die_usage("ct", "unexpected argument '%s'", o.args[o.nargs - 1]);
	need_root();
	if (o.nargs == 1 && !strcmp(o.args[0], "flush"))
		infer_net("ct", &o);
	else if (all_nets(&o)) {
		/* Every network of this namespace, each line saying which. */
		static char names[EB_MAX_NETS][64];
		int n = here_nets(names, EB_MAX_NETS);

		err = 0;
		for (int i = 0; i < n && !err; i++) {
			cp.net = names[i];
			err = eb_ct_walk(names[i], ct_print_one, &cp, &e);
			if (!err)
				err = eb_ct6_walk(names[i], ct6_print_one, &cp, &e);
		}
		if (json)
			jput(jobj("flows", cp.flows, NULL));
		else if (!err && !cp.n)
			printf("no flows\n");
		return err ? fail(err, &e) : 0;
	}
	if (!eb_dp_exists(o.net)) {
		fprintf(stderr, "%s: network '%s' does not exist\n", prog, o.net);
		return 1;
	}
	if (o.nargs == 1 && !strcmp(o.args[0], "flush")) {
		err = eb_ct_flush(o.net, &e);
		if (err < 0)
			return fail(err, &e);
		if (json)
			jput(jobj("flushed", json_integer(err), NULL));
		else
			printf("flushed %d flows\n", err);
		return 0;
	}
	err = eb_ct_walk(o.net, ct_print_one, &cp, &e);
	if (!err)
		err = eb_ct6_walk(o.net, ct6_print_one, &cp, &e);
	if (json)
		jput(jobj("flows", cp.flows, NULL));
	else if (!err && !cp.n)
		printf("no flows\n");
	return err ? fail(err, &e) : 0;
}

static int do_gc(int argc, char **argv)
{
	struct eb_err e = {};
	struct opts o;
	int n, na;

	parse_opts("gc", argc, argv, &o, json_opts);
	if (o.nargs)
		die_usage("gc", "unexpected argument '%s'", o.args[0]);
	need_root();
	infer_net("gc", &o);
	if (!eb_dp_exists(o.net)) {
		fprintf(stderr, "%s: network '%s' does not exist\n", prog, o.net);
		return 1;
	}
	n = eb_ct_gc(o.net, &e);
	if (n < 0)
		return fail(n, &e);
	/* Attachments whose namespace is gone: a runtime that never sent DEL
	 * (`ctr run -d`), a process that ended. */
	na = eb_attach_gc(o.net, NULL, NULL, 0, &e);
	if (na < 0)
		return fail(na, &e);
	if (json)
		jput(jobj("removed", json_integer(n), "attachments_removed", json_integer(na), NULL));
	else
		printf("removed %d expired flows, %d attachments whose namespace is gone\n", n, na);
	return 0;
}

/* ---- publish, unpublish, ports ---- */

/* Do two specs name a common host address? "Every address" (no host
 * address) meets all of them, IPv6 ones included. */
static bool spec_addr_overlap(const struct eb_pub_spec *x, const struct eb_pub_spec *y)
{
	if ((!x->v6 && !x->host_ip) || (!y->v6 && !y->host_ip))
		return true;
	if (x->v6 != y->v6)
		return false;
	return x->v6 ? !memcmp(x->host_ip6, y->host_ip6, 16) : x->host_ip == y->host_ip;
}

/* A spec's host address for JSON: "0.0.0.0", "127.0.0.1", "::1". */
static const char *spec_ip_str(const struct eb_pub_spec *sp, char buf[INET6_ADDRSTRLEN])
{
	if (sp->v6)
		return inet_ntop(AF_INET6, sp->host_ip6, buf, INET6_ADDRSTRLEN);
	return eb_ip_str(sp->host_ip, buf);
}

static int do_publish(int argc, char **argv)
{
	struct eb_pub_spec sp;
	struct eb_err e = {};
	struct opts o;
	char why[160], net[64], a[INET6_ADDRSTRLEN];
	int i, err;

	parse_opts("publish", argc, argv, &o, publish_opts);
	if (!o.nargs)
		die_usage("publish", "name the ports to publish");
	for (i = 0; i < o.nargs; i++)
		if (eb_parse_port_spec(o.args[i], true, &sp, why, sizeof(why)))
			die_usage("publish", "invalid port spec '%s': %s", o.args[i], why);
	/* Specs of one command must not overlap each other. */
	for (i = 0; i < o.nargs; i++) {
		struct eb_pub_spec x;

		eb_parse_port_spec(o.args[i], true, &x, why, sizeof(why));
		for (int j = 0; j < i; j++) {
			struct eb_pub_spec y;

			eb_parse_port_spec(o.args[j], true, &y, why, sizeof(why));
			if (x.proto == y.proto && x.hport_lo <= y.hport_hi && y.hport_lo <= x.hport_hi &&
			    spec_addr_overlap(&x, &y))
				die_usage("publish", "'%s' and '%s' publish the same port", o.args[j],
					  o.args[i]);
		}
	}
	need_root();
	for (i = 0; i < o.nargs; i++) {
		eb_parse_port_spec(o.args[i], true, &sp, why, sizeof(why));
		sp.force = o.force;
		err = eb_publish(o.net_given ? o.net : NULL, &sp, net, sizeof(net), &e);
		if (err) {
			/* All or nothing: the specs published before this one go. */
			for (int j = 0; j < i; j++) {
				struct eb_pub_spec u;
				struct eb_err ue = {};

				eb_parse_port_spec(o.args[j], true, &u, why, sizeof(why));
				eb_unpublish(net, &u, &ue);
			}
			return fail(err, &e);
		}
		if (json)
			jput(jobj("network", jstr(net), "host_ip", jstr(spec_ip_str(&sp, a)),
				  "host_ports", jstrf("%u-%u", sp.hport_lo, sp.hport_hi),
				  "container", jstr(sp.ctr),
				  "ports", jstrf("%u-%u", sp.cport_lo, sp.cport_hi),
				  "proto", jstr(sp.proto == IPPROTO_UDP ? "udp" : "tcp"), NULL));
	}
	return 0;
}

static int do_unpublish(int argc, char **argv)
{
	struct eb_pub_spec sp;
	struct eb_err e = {};
	struct opts o;
	char why[160];
	int i, n;

	int removed = 0, missing = 0;

	parse_opts("unpublish", argc, argv, &o, no_opts);
	if (!o.nargs)
		die_usage("unpublish", "name the ports to unpublish");
	for (i = 0; i < o.nargs; i++)
		if (eb_parse_port_spec(o.args[i], false, &sp, why, sizeof(why)))
			die_usage("unpublish", "invalid port spec '%s': %s", o.args[i], why);
	need_root();
	/* Every spec is done; one that is not published is an error only
	 * when none was (a typo), so that a run cut short runs again. */
	for (i = 0; i < o.nargs; i++) {
		struct eb_err ue = {};

		eb_parse_port_spec(o.args[i], false, &sp, why, sizeof(why));
		n = eb_unpublish(o.net_given ? o.net : NULL, &sp, &ue);
		if (n > 0) {
			removed += n;
		} else if (n == -ENOENT) {
			if (!missing++)
				e = ue;
			else if (o.nargs > 1)
				fprintf(stderr, "%s: note: %s\n", prog, ue.msg);
		} else {
			return fail(n, &ue);
		}
	}
	if (!removed)
		return fail(-ENOENT, &e);
	if (missing)
		fprintf(stderr, "%s: note: %s\n", prog, e.msg);
	return 0;
}

struct ports_print {
	int n;
	const char *net; /* set when covering several networks: said on each line */
	json_t *ports;	 /* --json: the ports' array */
};

static void ports_header(const struct ports_print *pp)
{
	if (pp->n)
		return;
	if (pp->net)
		printf("%-16s ", "NETWORK");
	printf("%-22s %-5s %-20s %-21s %10s %10s\n", "HOST", "PROTO", "CONTAINER", "TO",
	       "FROM-OUT", "LOCAL");
}

static void port_print_one(const struct eb_pub_key *k, const struct eb_pub_val *v, void *ctx)
{
	struct ports_print *pp = ctx;
	char a[16], b[16], js[80];

	if (json) {
		json_t *p = pp->net ? jobj("network", jstr(pp->net), NULL) : json_object();

		jadd(p, "host_ip", jstr(eb_ip_str(k->host_ip, a)), "host_port",
		     jint(ntohs(k->host_port)), "proto", jstr(k->proto == IPPROTO_UDP ? "udp" : "tcp"),
		     "container", jstr(v->name), "container_ip", jstr(eb_ip_str(v->ctr_ip, b)),
		     "container_port", jint(ntohs(v->ctr_port)), "connections_outside", jint(v->conns),
		     "connections_local", jint(v->local), NULL);
		json_array_append_new(pp->ports, p);
	} else {
		ports_header(pp);
		snprintf(js, sizeof(js), "%s:%u", eb_ip_str(k->host_ip, a), ntohs(k->host_port));
		snprintf(b, sizeof(b), "%u", ntohs(v->ctr_port));
		if (pp->net)
			printf("%-16s ", pp->net);
		printf("%-22s %-5s %-20s %s:%-6s %10llu %10llu\n", js,
		       k->proto == IPPROTO_UDP ? "udp" : "tcp", v->name, eb_ip_str(v->ctr_ip, a), b,
		       (unsigned long long)v->conns, (unsigned long long)v->local);
	}
	pp->n++;
}

/* A port on one IPv6 address of the host: "[::1]:11680" in the HOST column,
 * "::1" as the JSON host_ip. */
static void port6_print_one(const struct eb_pub6_key *k, const struct eb_pub_val *v, void *ctx)
{
	char a[INET6_ADDRSTRLEN], b[16], js[80];
	struct ports_print *pp = ctx;

	inet_ntop(AF_INET6, k->host_ip6, a, sizeof(a));
	if (json) {
		json_t *p = pp->net ? jobj("network", jstr(pp->net), NULL) : json_object();

		jadd(p, "host_ip", jstr(a), "host_port", jint(ntohs(k->host_port)), "proto",
		     jstr(k->proto == IPPROTO_UDP ? "udp" : "tcp"), "container", jstr(v->name),
		     "container_ip", jstr(eb_ip_str(v->ctr_ip, b)), "container_port",
		     jint(ntohs(v->ctr_port)), "connections_outside", jint(v->conns),
		     "connections_local", jint(v->local), NULL);
		json_array_append_new(pp->ports, p);
		pp->n++;
		return;
	}
	ports_header(pp);
	snprintf(js, sizeof(js), "[%s]:%u", a, ntohs(k->host_port));
	snprintf(b, sizeof(b), "%u", ntohs(v->ctr_port));
	if (pp->net)
		printf("%-16s ", pp->net);
	printf("%-22s %-5s %-20s %s:%-6s %10llu %10llu\n", js,
	       k->proto == IPPROTO_UDP ? "udp" : "tcp", v->name, eb_ip_str(v->ctr_ip, a), b,
	       (unsigned long long)v->conns, (unsigned long long)v->local);
	pp->n++;
}

static int do_ports(int argc, char **argv)
{
	struct ports_print pp = {};
	struct eb_err e = {};
	struct opts o;
	int err;

	parse_opts("ports", argc, argv, &o, json_opts);
	pp.ports = json_array();
	if (o.nargs)
		die_usage("ports", "unexpected argument '%s'", o.args[0]);
	need_root();
	if (all_nets(&o)) {
		/* Every network of this namespace, each line saying which. */
		static char names[EB_MAX_NETS][64];
		int n = here_nets(names, EB_MAX_NETS);

		err = 0;
		for (int i = 0; i < n && err >= 0; i++) {
			pp.net = names[i];
			err = eb_ports_walk(names[i], port_print_one, &pp, &e);
			if (err >= 0)
				err = eb_ports_walk6(names[i], port6_print_one, &pp, &e);
		}
		if (json)
			jput(jobj("ports", pp.ports, NULL));
		else if (err >= 0 && !pp.n)
			printf("no published ports\n");
		return err < 0 ? fail(err, &e) : 0;
	}
	if (!eb_dp_exists(o.net)) {
		fprintf(stderr, "%s: network '%s' does not exist\n", prog, o.net);
		return 1;
	}
	err = eb_ports_walk(o.net, port_print_one, &pp, &e);
	if (err >= 0)
		err = eb_ports_walk6(o.net, port6_print_one, &pp, &e);
	if (json)
		jput(jobj("ports", pp.ports, NULL));
	else if (err >= 0 && !pp.n)
		printf("no published ports\n");
	return err < 0 ? fail(err, &e) : 0;
}

/* ---- stats, trace, monitor ---- */

static volatile int stop_now;

static void on_signal(int sig)
{
	stop_now = 1;
}

#define RATE(now, was) (prev && secs > 0 ? ((double)(now) - (double)(was)) / secs : -1.0)

/* stats --json: one network's counters. */
static json_t *stats_json(const struct eb_stats_snap *s, const struct eb_stats_snap *prev,
			  double secs, const struct eb_prog_stat *ps,
			  const struct eb_prog_stat *pps, int nps)
{
	json_t *cnt = json_object(), *ctrs = json_array(), *ports = json_array(), *out;
	char a[16];

	for (int i = 0; i < EB_CNT_MAX; i++) {
		json_t *c;

		if (!eb_counter_name(i))
			continue;
		c = jobj("packets", jint(s->global[i].packets), "bytes", jint(s->global[i].bytes),
			 NULL);
		if (prev)
			jadd(c, "pps", jreal1(RATE(s->global[i].packets, prev->global[i].packets)),
			     NULL);
		json_object_set_new(cnt, eb_counter_name(i), c);
	}
	for (int i = 0; i < s->nctr; i++) {
		const struct eb_ctr_counters *c = &s->ctr[i].c;

		json_array_append_new(ctrs, jobj("name", jstr(s->ctr[i].name),
						 "from_packets", jint(c->from_packets),
						 "from_bytes", jint(c->from_bytes),
						 "to_packets", jint(c->to_packets),
						 "to_bytes", jint(c->to_bytes), NULL));
	}
	for (int i = 0; i < s->nport; i++) {
		const struct eb_port_stat *p = &s->port[i];

		json_array_append_new(ports,
				      jobj("host_ip", jstr(eb_ip_str(p->key.host_ip, a)),
					   "host_port", jint(ntohs(p->key.host_port)),
					   "proto", jstr(p->key.proto == IPPROTO_UDP ? "udp" : "tcp"),
					   "container", jstr(p->name), "packets", jint(p->c.packets),
					   "bytes", jint(p->c.bytes), NULL));
	}
	out = jobj("counters", cnt, "containers", ctrs, "ports", ports, NULL);
	if (nps) {
		json_t *progs = json_array();

		for (int i = 0; i < nps; i++) {
			uint64_t runs = ps[i].run_cnt - (pps ? pps[i].run_cnt : 0);
			uint64_t ns = ps[i].run_time_ns - (pps ? pps[i].run_time_ns : 0);

			json_array_append_new(progs, jobj("name", jstr(ps[i].name), "runs", jint(runs),
							  "ns_per_run",
							  jreal1(runs ? (double)ns / runs : 0.0),
							  NULL));
		}
		jadd(out, "programs", progs, NULL);
	}
	return out;
}

static void print_stats(const struct eb_stats_snap *s, const struct eb_stats_snap *prev,
			double secs, const struct eb_prog_stat *ps, const struct eb_prog_stat *pps,
			int nps)
{
	char a[16];

	if (json) {
		jput(stats_json(s, prev, secs, ps, pps, nps));
		return;
	}
	printf("%-22s %14s %16s %12s   %s\n", "COUNTER", "PACKETS", "BYTES",
	       prev ? "PKT/S" : "", "MEANING");
	for (int i = 0; i < EB_CNT_MAX; i++) {
		if (!eb_counter_name(i) || (!s->global[i].packets && !prev))
			continue;
		if (prev)
			printf("%-22s %14llu %16llu %12.1f   %s\n", eb_counter_name(i),
			       (unsigned long long)s->global[i].packets,
			       (unsigned long long)s->global[i].bytes,
			       RATE(s->global[i].packets, prev->global[i].packets),
			       eb_counter_help(i));
		else
			printf("%-22s %14llu %16llu %12s   %s\n", eb_counter_name(i),
			       (unsigned long long)s->global[i].packets,
			       (unsigned long long)s->global[i].bytes, "", eb_counter_help(i));
	}
	if (s->nctr) {
		printf("\n%-20s %12s %14s %12s %14s\n", "CONTAINER", "FROM-PKTS", "FROM-BYTES",
		       "TO-PKTS", "TO-BYTES");
		for (int i = 0; i < s->nctr; i++) {
			const struct eb_ctr_counters *c = &s->ctr[i].c;

			printf("%-20s %12llu %14llu %12llu %14llu\n", s->ctr[i].name,
			       (unsigned long long)c->from_packets, (unsigned long long)c->from_bytes,
			       (unsigned long long)c->to_packets, (unsigned long long)c->to_bytes);
		}
	}
	if (s->nport) {
		printf("\n%-22s %-5s %-20s %12s %14s\n", "PUBLISHED", "PROTO", "CONTAINER", "PACKETS",
		       "BYTES");
		for (int i = 0; i < s->nport && i < 200; i++) {
			const struct eb_port_stat *p = &s->port[i];
			char hp[32];

			snprintf(hp, sizeof(hp), "%s:%u", eb_ip_str(p->key.host_ip, a),
				 ntohs(p->key.host_port));
			printf("%-22s %-5s %-20s %12llu %14llu\n", hp,
			       p->key.proto == IPPROTO_UDP ? "udp" : "tcp", p->name,
			       (unsigned long long)p->c.packets, (unsigned long long)p->c.bytes);
		}
		if (s->nport > 200)
			printf("... %d more (see --json)\n", s->nport - 200);
	}
	if (nps) {
		printf("\n%-20s %12s %12s\n", "PROGRAM", "RUNS", "NS/RUN");
		for (int i = 0; i < nps; i++) {
			uint64_t runs = ps[i].run_cnt - (pps ? pps[i].run_cnt : 0);
			uint64_t ns = ps[i].run_time_ns - (pps ? pps[i].run_time_ns : 0);

			printf("%-20s %12llu %12.1f\n", ps[i].name, (unsigned long long)runs,
			       runs ? (double)ns / runs : 0.0);
		}
	}
	fflush(stdout);
#undef RATE
}

static int do_stats(int argc, char **argv)
{
	static struct eb_stats_snap cur, prev;
	struct eb_prog_stat ps[16], pps[16];
	struct eb_err e = {};
	struct opts o;
	unsigned long secs = 0;
	int err, nps = 0, stats_fd = -1;

	parse_opts("stats", argc, argv, &o, stats_opts);
	if (o.nargs)
		die_usage("stats", "unexpected argument '%s'", o.args[0]);
	if (o.watch && eb_parse_uint(o.watch, 1, 3600, &secs))
		die_usage("stats", "invalid --watch '%s': want seconds, 1 to 3600", o.watch);
	need_root();
	if (all_nets(&o) && !o.watch && !o.prog) {
		/* Every network of this namespace, each under its name. */
		static char names[EB_MAX_NETS][64];
		int n = here_nets(names, EB_MAX_NETS);

		json_t *jnets = json_array();

		for (int i = 0; i < n; i++) {
			err = eb_stats_read(names[i], &cur, &e);
			if (err)
				return fail(err, &e);
			if (json) {
				json_array_append_new(jnets,
						      jobj("network", jstr(names[i]), "stats",
							   stats_json(&cur, NULL, 0, ps, NULL, 0),
							   NULL));
			} else {
				printf("%snetwork %s\n", i ? "\n" : "", names[i]);
				print_stats(&cur, NULL, 0, ps, NULL, 0);
			}
			eb_stats_free(&cur);
		}
		if (json)
			jput(jobj("networks", jnets, NULL));
		else if (!n)
			printf("no networks in this namespace (create one with `ebnet up`)\n");
		return 0;
	}
	/* Following one network over time: the one of this namespace. */
	infer_net("stats", &o);
	if (!eb_dp_exists(o.net)) {
		fprintf(stderr, "%s: network '%s' does not exist\n", prog, o.net);
		return 1;
	}
	if (o.prog) {
		/* The kernel times programs only while this fd is open. */
		stats_fd = bpf_enable_stats(BPF_STATS_RUN_TIME);
		if (stats_fd < 0) {
			fprintf(stderr, "%s: cannot switch on BPF run-time statistics: %s\n", prog,
				strerror(errno));
			return 1;
		}
		nps = eb_prog_stats(o.net, pps, 16);
		if (!o.watch) {
			/* One second of traffic, measured. */
			sleep(1);
		}
	}
	err = eb_stats_read(o.net, &cur, &e);
	if (err)
		return fail(err, &e);
	if (o.prog)
		nps = eb_prog_stats(o.net, ps, 16);
	if (!o.watch) {
		print_stats(&cur, NULL, 0, ps, o.prog ? pps : NULL, nps);
		eb_stats_free(&cur);
		if (stats_fd >= 0)
			close(stats_fd);
		return 0;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	while (!stop_now) {
		eb_stats_free(&prev);
		prev = cur;
		memset(&cur, 0, sizeof(cur));
		if (o.prog)
			memcpy(pps, ps, sizeof(ps));
		sleep(secs);
		if (stop_now)
			break;
		err = eb_stats_read(o.net, &cur, &e);
		if (err)
			return fail(err, &e);
		if (o.prog)
			nps = eb_prog_stats(o.net, ps, 16);
		if (!json)
			printf("\033[H\033[2J");
		print_stats(&cur, &prev, secs, ps, o.prog ? pps : NULL, nps);
	}
	if (stats_fd >= 0)
		close(stats_fd);
	return 0;
}

static const char *verdict_str(int v)
{
	switch (v) {
	case -1: return "continue (left to the host's stack)";
	case 0: return "pass to the host's stack";
	case 2: return "drop";
	case 7: return "redirect";
	}
	return "other";
}

/* One end of a traced packet: "A.B.C.D", "A.B.C.D:PORT", an IPv6 address
 * alone ("fd00::2": no port can follow it unbracketed), "[IPV6]" or
 * "[IPV6]:PORT". Fills *v6 and the address of its family; returns 0, or -1
 * with the reason in why. */
static int parse_trace_end(const char *s, int *v6, uint32_t *ip, uint8_t ip6[16],
			   uint16_t *port, char *why, size_t wl)
{
	char buf[64], *addr = buf, *ps = NULL, *close;
	unsigned long p = 0;

	if (strlen(s) >= sizeof(buf)) {
		snprintf(why, wl, "too long");
		return -1;
	}
	strcpy(buf, s);
	if (buf[0] == '[') {
		close = strchr(buf, ']');
		if (!close) {
			snprintf(why, wl, "no ']' after the IPv6 address");
			return -1;
		}
		*close = 0;
		addr = buf + 1;
		if (close[1] == ':')
			ps = close + 2;
		else if (close[1]) {
			snprintf(why, wl, "want [IPV6]:PORT, not '%s' after ']'", close + 1);
			return -1;
		}
		*v6 = 1;
	} else if (strchr(buf, ':') && strchr(buf, ':') != strrchr(buf, ':')) {
		*v6 = 1; /* two colons or more: an IPv6 address, no port */
	} else {
		*v6 = 0;
		ps = strchr(buf, ':');
		if (ps)
			*ps++ = 0;
	}
	if (ps) {
		char *end;

		errno = 0;
		p = strtoul(ps, &end, 10);
		if (!*ps || *end || ps[0] == '-' || ps[0] == '+') {
			snprintf(why, wl, "port '%s' is not a number", ps);
			return -1;
		}
		if (errno == ERANGE || p > 65535) {
			snprintf(why, wl, "port %s out of range (0-65535)", ps);
			return -1;
		}
	}
	*port = p;
	if (*v6) {
		if (inet_pton(AF_INET6, addr, ip6) != 1) {
			snprintf(why, wl, "'%s' is not an IPv6 address", addr);
			return -1;
		}
		return 0;
	}
	if (eb_parse_ipv4(addr, ip)) {
		snprintf(why, wl, "'%s' is not an IPv4 address", addr);
		return -1;
	}
	return 0;
}

/* "ADDR:PORT" of an address of the family given (IPv6 in brackets). */
static const char *addr_port_str(int v6, const void *addr, uint16_t port, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN];

	inet_ntop(v6 ? AF_INET6 : AF_INET, addr, a, sizeof(a));
	snprintf(buf, len, v6 ? "[%s]:%u" : "%s:%u", a, port);
	return buf;
}

static int do_trace(int argc, char **argv)
{
	struct eb_trace_req rq = {};
	struct eb_trace_res rs;
	struct eb_err e = {};
	struct opts o;
	char a[64], b[64], why[96];
	const unsigned char *ip, *l4;
	uint16_t sp = 0, dp = 0;
	char dns[300] = "";
	int err, sv6, dv6, ov6;
	bool icmp6 = false;

	parse_opts("trace", argc, argv, &o, trace_opts);
	if (o.nargs != 4)
		die_usage("trace", "want FROM PROTO SRC[:PORT] DST[:PORT]");
	rq.from = o.args[0];
	if (!strcmp(o.args[1], "tcp"))
		rq.proto = IPPROTO_TCP;
	else if (!strcmp(o.args[1], "udp"))
		rq.proto = IPPROTO_UDP;
	else if (!strcmp(o.args[1], "icmp"))
		rq.proto = IPPROTO_ICMP;
	else if (!strcmp(o.args[1], "icmp6") || !strcmp(o.args[1], "icmpv6"))
		rq.proto = IPPROTO_ICMPV6, icmp6 = true;
	else
		die_usage("trace", "unknown protocol '%s' (want tcp, udp, icmp or icmp6)", o.args[1]);
	if (parse_trace_end(o.args[2], &sv6, &rq.src, rq.src6, &rq.sport, why, sizeof(why)))
		die_usage("trace", "invalid source '%s': %s (want A.B.C.D[:PORT] or [IPV6][:PORT])",
			  o.args[2], why);
	if (parse_trace_end(o.args[3], &dv6, &rq.dst, rq.dst6, &rq.dport, why, sizeof(why)))
		die_usage("trace",
			  "invalid destination '%s': %s (want A.B.C.D[:PORT] or [IPV6][:PORT])",
			  o.args[3], why);
	if (sv6 != dv6)
		die_usage("trace", "the source '%s' is %s and the destination '%s' %s: both must be "
				   "of one family",
			  o.args[2], sv6 ? "IPv6" : "IPv4", o.args[3], dv6 ? "IPv6" : "IPv4");
	rq.v6 = sv6;
	/* icmp is the echo of the addresses' family; icmp6 wants IPv6 ones. */
	if (icmp6 && !rq.v6)
		die_usage("trace", "%s needs IPv6 addresses (icmp is ICMP echo over IPv4)",
			  o.args[1]);
	if (rq.v6 && rq.proto == IPPROTO_ICMP)
		rq.proto = IPPROTO_ICMPV6;
	if (rq.proto != IPPROTO_ICMP && rq.proto != IPPROTO_ICMPV6 && (!rq.sport || !rq.dport))
		die_usage("trace", "tcp and udp need ports: SRC:PORT DST:PORT (IPv6: [ADDR]:PORT)");
	if ((rq.proto == IPPROTO_ICMP || rq.proto == IPPROTO_ICMPV6) && !rq.sport)
		rq.sport = 1;
	if (o.dns_type && !o.dns_query)
		die_usage("trace", "--dns-type goes with --dns-query NAME");
	if (o.dns_query) {
		size_t l = strlen(o.dns_query);
		uint8_t probe[600];

		if (rq.proto != IPPROTO_UDP)
			die_usage("trace", "--dns-query needs udp");
		if (rq.v6)
			die_usage("trace", "--dns-query needs IPv4 addresses (names are answered at "
					   "the gateway's IPv4 address)");
		if (!eb_dns_query_build(probe, sizeof(probe), o.dns_query, 1))
			die_usage("trace", "invalid --dns-query '%s': not a DNS name", o.dns_query);
		rq.dns_query = o.dns_query;
		rq.dns_type = o.dns_type ? eb_dns_type_parse(o.dns_type)
			      : l > 13 && !strcasecmp(o.dns_query + l - 13, ".in-addr.arpa") ? 12
											 : 1;
		if (!rq.dns_type)
			die_usage("trace", "unknown --dns-type '%s' (A, AAAA, PTR, MX, TXT...)",
				  o.dns_type);
	}
	need_root();
	if (all_nets(&o)) {
		/* FROM a container: its network; from the uplink: the one of
		 * this namespace. */
		static char net[64];

		if (strcmp(rq.from, "uplink") && eb_find_container(rq.from, net, sizeof(net), NULL) == 0)
			o.net = net;
		else
			infer_net("trace", &o);
	}
	if (!eb_dp_exists(o.net)) {
		fprintf(stderr, "%s: network '%s' does not exist\n", prog, o.net);
		return 1;
	}
	err = eb_trace(o.net, &rq, &rs, &e);
	if (err)
		return fail(err, &e);
	/* The packet as it left: its own family (an answer of the datapath
	 * may be another packet than the one sent). */
	ip = rs.out + 14;
	ov6 = rs.out_len >= 14 + 40 && rs.out[12] == 0x86 && rs.out[13] == 0xdd;
	if (ov6) {
		uint8_t nh = ip[6];

		l4 = ip + 40;
		if (rs.out_len >= 14 + 40 + 4 && (nh == IPPROTO_TCP || nh == IPPROTO_UDP)) {
			sp = l4[0] << 8 | l4[1];
			dp = l4[2] << 8 | l4[3];
		} else if (rs.out_len >= 14 + 40 + 8 && nh == IPPROTO_ICMPV6) {
			sp = dp = l4[4] << 8 | l4[5];
		}
		addr_port_str(1, ip + 8, sp, a, sizeof(a));
		addr_port_str(1, ip + 24, dp, b, sizeof(b));
	} else {
		l4 = ip + (ip[0] & 0xf) * 4;
		if (rs.out_len >= 14 + 20 + 4 && rq.proto != IPPROTO_ICMP) {
			sp = l4[0] << 8 | l4[1];
			dp = l4[2] << 8 | l4[3];
		} else if (rs.out_len >= 14 + 20 + 8) {
			sp = dp = l4[4] << 8 | l4[5];
		}
		addr_port_str(0, ip + 12, sp, a, sizeof(a));
		addr_port_str(0, ip + 16, dp, b, sizeof(b));
	}
	if (rq.dns_query) {
		/* The message of what comes out: the answer when the datapath
		 * gave one. */
		size_t at = (size_t)(l4 - rs.out) + 8;

		if (rs.out_len > at)
			eb_dns_describe(l4 + 8, rs.out_len - at, dns, sizeof(dns));
		else
			snprintf(dns, sizeof(dns), "no answer");
		if (rs.decision != EB_CNT_DNS_ANSWERED && rs.decision != EB_CNT_DNS_NXDOMAIN &&
		    rs.decision != EB_CNT_DNS_MALFORMED)
			snprintf(dns, sizeof(dns), "not answered here (%s)",
				 rs.verdict == 2 ? "dropped" : "sent on to the upstream resolver");
	}
	if (json) {
		json_t *t = jobj(
			"verdict",
			jstr(rs.verdict == 7 ? "redirect" : rs.verdict == 2 ? "drop"
					  : rs.verdict == 0 ? "pass" : "continue"),
			"decision",
			jstr(eb_counter_name(rs.decision) ? eb_counter_name(rs.decision) : "?"),
			"target", jstr(rs.target_name), "copies", jint(rs.copies), "out",
			jobj("src", jstr(a), "dst", jstr(b), NULL), NULL);

		if (rq.dns_query)
			jadd(t, "dns", jstr(dns), NULL);
		jadd(t, "family", jstr(rq.v6 ? "ipv6" : "ipv4"), NULL);
		jput(t);
		return 0;
	}
	printf("verdict:  %s\n", verdict_str(rs.verdict));
	printf("decision: %s (%s)\n", eb_counter_name(rs.decision) ? eb_counter_name(rs.decision) : "?",
	       eb_counter_help(rs.decision) ? eb_counter_help(rs.decision) : "");
	if (rs.target)
		printf("to:       %s (ifindex %u)\n", rs.target_name[0] ? rs.target_name : "?",
		       rs.target);
	if (rs.copies)
		printf("copies:   %u\n", rs.copies);
	printf("out:      %s -> %s  (mac %02x:%02x:%02x:%02x:%02x:%02x -> "
	       "%02x:%02x:%02x:%02x:%02x:%02x)\n",
	       a, b, rs.out[6], rs.out[7], rs.out[8], rs.out[9], rs.out[10], rs.out[11], rs.out[0],
	       rs.out[1], rs.out[2], rs.out[3], rs.out[4], rs.out[5]);
	if (rq.dns_query)
		printf("dns:      %s\n", dns);
	if ((rs.decision == EB_CNT_SNAT_OUT || rs.decision == EB_CNT_NAT6_OUT) && sp == 0)
		printf("          (a new flow: its NAT port is chosen when the first real packet "
		       "comes)\n");
	return 0;
}

struct mon_print {
	long left; /* events still to print; -1: no limit */
};

static int mon_print_one(const struct eb_mon_event *ev, void *ctx)
{
	struct mon_print *mp = ctx;
	char a[64], b[64], x[64];
	const char *p = ev->proto == IPPROTO_TCP ? "tcp" : ev->proto == IPPROTO_UDP ? "udp"
			: ev->proto == IPPROTO_ICMP ? "icmp" : ev->proto == IPPROTO_ICMPV6 ? "icmp6"
			: "-";
	const char *type = ev->type == EB_EV_SNAT_NEW ? "snat_new"
			   : ev->type == EB_EV_DNAT_NEW ? "dnat_new"
							: "drop";
	const char *reason = ev->type == EB_EV_DROP && eb_counter_name(ev->reason)
				     ? eb_counter_name(ev->reason) : "";

	addr_port_str(ev->v6, ev->saddr, ntohs(ev->sport), a, sizeof(a));
	addr_port_str(ev->v6, ev->daddr, ntohs(ev->dport), b, sizeof(b));
	addr_port_str(ev->v6, ev->xaddr, ntohs(ev->xport), x, sizeof(x));
	if (json)
		jput(jobj("ts_ns", jint(ev->ts), "event", jstr(type), "reason", jstr(reason),
			  "ifindex", jint(ev->ifindex), "proto", jstr(p), "src", jstr(a), "dst",
			  jstr(b), "nat", jstr(x), "family", jstr(ev->v6 ? "ipv6" : "ipv4"), NULL));
	else
		printf("%-9s %-20s if %-4u %-5s %s -> %s%s%s\n", type, reason, ev->ifindex, p, a, b,
		       ev->type == EB_EV_DROP ? "" : "  as ", ev->type == EB_EV_DROP ? "" : x);
	fflush(stdout);
	if (mp->left > 0 && --mp->left == 0)
		return 1;
	return 0;
}

static int do_monitor(int argc, char **argv)
{
	struct mon_print mp = { .left = -1 };
	struct eb_err e = {};
	struct opts o;
	unsigned long secs = 0, n;
	int err, i, j = 0;

	/* --count N and --timeout S, for scripts. */
	for (i = 0; i < argc; i++) {
		if ((!strcmp(argv[i], "--count") || !strcmp(argv[i], "--timeout")) && i + 1 < argc) {
			if (eb_parse_uint(argv[i + 1], 1, 1UL << 30, &n))
				die_usage("monitor", "invalid %s '%s'", argv[i], argv[i + 1]);
			if (argv[i][2] == 'c')
				mp.left = n;
			else
				secs = n;
			i++;
			continue;
		}
		argv[j++] = argv[i];
	}
	parse_opts("monitor", j, argv, &o, json_opts);
	if (o.nargs)
		die_usage("monitor", "unexpected argument '%s'", o.args[0]);
	need_root();
	infer_net("monitor", &o);
	if (!eb_dp_exists(o.net)) {
		fprintf(stderr, "%s: network '%s' does not exist\n", prog, o.net);
		return 1;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	if (!json)
		fprintf(stderr, "%s: watching network '%s' (Ctrl-C stops)\n", prog, o.net);
	err = eb_monitor(o.net, mon_print_one, &mp, &stop_now, secs * 1000, &e);
	return err ? fail(err, &e) : 0;
}

/* ---- help ---- */

static int do_help(int argc, char **argv);
static int do_version(int argc, char **argv)
{
	printf("ebnet %s\n", EB_VERSION);
	return 0;
}

static const struct cmd cmds[] = {
	{ "up", do_up,
	  "up [--net NAME] [--subnet CIDR] [--ipv6 [--subnet6 CIDR] [--snat-ip6 ADDR] [--nat6 on|off]] "
	  "[--uplink IFACE] [--mtu N] "
	  "[--attach auto|tcx|clsact] "
	  "[--xdp auto|native|off] [--domain DOMAIN] [--dns ADDR[,ADDR]] "
	  "[--alias CONTAINER:NAME[,NAME]] [CONTAINER[=IP[,IP6]] ...]",
	  "Creates the network NAME (default ebnet0) if it does not exist, then every\n"
	  "CONTAINER that does not exist yet: a network namespace named CONTAINER (see\n"
	  "`ip netns`), a veth pair whose container end is eth0 with the given address or\n"
	  "the next free one, a default route via the gateway, lo up.\n"
	  "Running it again changes nothing; a container keeps its address; a container\n"
	  "left half-made by an interrupted run is made again. On an IPv6 network\n"
	  "CONTAINER=IP,IP6 (or CONTAINER=,IP6: the next free IPv4 address) gives the IPv6\n"
	  "address too: one of the IPv6 subnet, not its first (the subnet's own) nor the\n"
	  "gateway's, nor another container's.\n\n"
	  "  --subnet CIDR    the network's IPv4 subnet (default " EB_DEFAULT_SUBNET ");\n"
	  "                   the gateway is its first host address, owned by the host\n"
	  "  --ipv6           IPv6 too: each container gets prefix + its IPv4 host number\n"
	  "                   (unless given another; if one given takes it, the next free),\n"
	  "                   the gateway prefix::1; an existing network gains it with no\n"
	  "                   container restarted; out of the uplink through NAT66\n"
	  "  --subnet6 CIDR   its IPv6 subnet, /48 to /120 (default: a ULA fdXX:XXXX:XXXX::/64\n"
	  "                   from a hash of the network's name); implies --ipv6\n"
	  "  --snat-ip6 ADDR  NAT66 translates to ADDR, an address of the uplink (default:\n"
	  "                   the uplink's first global IPv6 address); implies --ipv6\n"
	  "  --nat6 on|off    off: no NAT66, the containers' own addresses go out as they are\n"
	  "                   (a routable --subnet6 that the outside routes to this host);\n"
	  "                   only replies of the containers' flows come in; implies --ipv6\n"
	  "  --uplink IFACE   the host's way out (default: the default route's device)\n"
	  "  --mtu N          the containers' MTU (default: the uplink's, so that what they\n"
	  "                   send fits out of it; larger gets frag-needed toward it)\n"
	  "  --attach MODE    how TC programs attach: auto (container ports with clsact,\n"
	  "                   the uplink with tcx where the kernel has it), tcx (Linux\n"
	  "                   6.6+; ports too), or clsact (everywhere); EBNET_ATTACH sets\n"
	  "                   the default; a network remembers tcx or clsact\n"
	  "  --xdp MODE       XDP on the uplink for published ports and replies, in front\n"
	  "                   of TC: off (the default; see docs/BENCHMARKS.md), native\n"
	  "                   (or an error), or auto (native where the uplink's driver\n"
	  "                   has it, a veth excepted, else TC alone with a note); kept\n"
	  "                   by later runs unless given again; EBNET_XDP sets the\n"
	  "                   default; `ebnet ls` shows the state (native, none, off)\n"
	  "  --snat-ip ADDR   source address for traffic leaving the uplink (default: the\n"
	  "                   uplink's first IPv4 address; must be one of its addresses)\n"
	  "  --nat-ports L-H  source ports SNAT may use (default: the larger gap around\n"
	  "                   net.ipv4.ip_local_port_range, so host and NAT never collide)\n"
	  "  --ct-tcp-size N, --ct-other-size N\n"
	  "                   conntrack entries (two per flow) for TCP and for UDP/ICMP\n"
	  "                   (default " EB_XSTR(EB_CT_TCP_ENTRIES) " and " EB_XSTR(EB_CT_OTHER_ENTRIES)
	  "; the IPv6 maps take the same;\n"
	  "                   `ebnet ls` shows the memory)\n"
	  "  --domain DOMAIN  the containers' names are NAME and NAME.DOMAIN (default:\n"
	  "                   the network's name); answered by the datapath at the\n"
	  "                   gateway's port 53 (see README, Names)\n"
	  "  --dns ADDR[,ADDR]\n"
	  "                   where other names are asked (default: the nameservers of\n"
	  "                   /etc/resolv.conf when the network is made; one on the host\n"
	  "                   itself, 127.0.0.1 included, works)\n"
	  "  --alias CONTAINER:NAME[,NAME]\n"
	  "                   more names for a container (again for more containers)\n"
	  "  -v               libbpf's messages, the verifier's log on failure\n\n"
	  "Example: ebnet up --net demo --subnet 10.77.0.0/16 web db=10.77.0.10\n" },
	{ "rm", do_rm, "rm [--net NAME] CONTAINER...",
	  "Removes containers: namespace, veth pair, route, map entries, attached program.\n"
	  "The network follows from the first container's name unless --net is given.\n"
	  "An unknown name removes nothing and exits 1.\n" },
	{ "down", do_down, "down [--net NAME]",
	  "Removes the network NAME (default ebnet0) and all its containers, leaving no\n"
	  "namespace, device, route, pin or attached program. A network that is not there\n"
	  "is not an error.\n" },
	{ "attach", do_attach,
	  "attach [--net NAME] [--ip ADDR] [--ip6 ADDR6] [up's options] NAME --netns PATH|--pid PID\n"
	  "       [--host-peer IFNAME]",
	  "Gives a network namespace that another tool made (a `docker run --network\n"
	  "none` container, a service with PrivateNetwork=, `unshare -n`) a port of the\n"
	  "network, as `up` does for its own containers: eth0 with the given or the next\n"
	  "free address and a default route via the gateway (on a network with IPv6:\n"
	  "--ip6's address, checked as up's NAME=IPV4,IPV6, or the default one). The\n"
	  "namespace is named by path (--netns /run/netns/X) or by a process in it\n"
	  "(--pid). --host-peer IFNAME leaves the container end in this namespace as\n"
	  "IFNAME, down and unconfigured, for a tool that moves it (into the namespace\n"
	  "named, if one is) and configures it itself. The network is made on first use\n"
	  "with up's options. NAME then works with ls, publish, ports, stats, rm.\n"
	  "Example: ebnet attach --net demo job --pid 4242\n" },
	{ "detach", do_detach, "detach [--net NAME] NAME",
	  "Removes an attachment: its port, map entries, published ports and flows. The\n"
	  "namespace stays, without the device. An unknown name exits 1.\n" },
	{ "exec", do_exec, "exec CONTAINER [--] CMD [ARG...]",
	  "Runs CMD inside the network namespace of CONTAINER; its exit status is ebnet's.\n"
	  "Example: ebnet exec web -- ping -c1 172.18.0.3\n" },
	{ "ls", do_ls, "ls [--net NAME] [--json]",
	  "Lists networks and their containers: address, MAC, host-side device, how the\n"
	  "program is attached. --json prints one JSON object for scripts.\n" },
	{ "publish", do_publish,
	  "publish [--net NAME] [--force] [HOSTIP:]HOSTPORT[-END]:CONTAINER:PORT[-END][/tcp|/udp]...",
	  "Publishes host ports to a container's ports (tcp by default; equal ranges map\n"
	  "port to port). It takes effect on the next packet: from outside through the\n"
	  "uplink (the client's address kept), from the host at its addresses and at\n"
	  "127.0.0.1, and from containers at the host's address. HOSTIP 127.0.0.1\n"
	  "publishes to the host only. HOSTIP may be IPv6, in brackets ([::1]: the host\n"
	  "only; [2001:db8::1]); a port without HOSTIP answers at the host's IPv6\n"
	  "addresses and [::1] too, from the host and containers (to the container's\n"
	  "IPv6 address, or its IPv4 one through a v4-mapped address when it has none).\n"
	  "A port already published is refused, naming its owner, and so is a port a\n"
	  "host socket listens on (naming the process), unless --force: then new flows\n"
	  "from outside go to the container, and the host's own connections on that port\n"
	  "stay the host's. The network follows from the container.\n"
	  "Examples: ebnet publish 8080:web:80\n"
	  "          ebnet publish 127.0.0.1:5432:db:5432 5353:dns:53/udp\n"
	  "          ebnet publish [::1]:5432:db:5432\n" },
	{ "unpublish", do_unpublish, "unpublish [--net NAME] [HOSTIP:]HOSTPORT[-END][/tcp|/udp]...",
	  "Removes published ports. New flows are refused from the next packet; flows of\n"
	  "the removed mapping are dropped, not delivered to a container.\n" },
	{ "ports", do_ports, "ports [--net NAME] [--json]",
	  "Lists published ports: host address and port, protocol, container and port,\n"
	  "new flows from outside and connections translated on the host.\n" },
	{ "stats", do_stats, "stats [--net NAME] [--json] [--watch [SECS]] [--prog]",
	  "Counters summed over CPUs: what the datapath did and every drop by reason,\n"
	  "then per container (from it / to it) and per published port.\n"
	  "  --watch [SECS]  redraw every SECS seconds (default 1) with rates\n"
	  "  --prog          each program's runs and nanoseconds per run, from the\n"
	  "                  kernel's BPF statistics, switched on only while asked\n"
	  "Same data: bpftool map dump pinned /sys/fs/bpf/ebnet/NAME/eb_stats\n" },
	{ "trace", do_trace,
	  "trace [--net NAME] [--json] FROM tcp|udp|icmp|icmp6 SRC[:PORT] DST[:PORT] "
	  "[--dns-query NAME [--dns-type TYPE]]",
	  "Builds that packet as FROM (a container, or 'uplink' for the outside) would\n"
	  "send it, runs it through the real program against the live maps\n"
	  "(BPF_PROG_TEST_RUN) and prints the decision: delivered where, translated to\n"
	  "what, or dropped and why. It changes nothing: no flow, NAT port or counter.\n"
	  "Examples: ebnet trace web tcp 172.18.0.2:40000 203.0.113.2:80\n"
	  "          ebnet trace uplink tcp 203.0.113.2:5555 198.51.100.1:8080\n"
	  "IPv6: [ADDR]:PORT, or ADDR alone; icmp is the echo of the addresses' family\n"
	  "(icmp6, or icmpv6, wants IPv6 ones); both ends of one family:\n"
	  "          ebnet trace web tcp [fd00:1::2]:40000 [2001:db8::2]:80\n"
	  "With --dns-query NAME the UDP packet is a DNS query for NAME (type A, PTR\n"
	  "for *.in-addr.arpa, or --dns-type), and the answer the datapath would give\n"
	  "is shown: ebnet trace web udp 172.18.0.2:5353 172.18.0.1:53 --dns-query db\n" },
	{ "monitor", do_monitor, "monitor [--net NAME] [--json] [--count N] [--timeout SECS]",
	  "Streams events as they happen: new NAT flows (IPv4 and NAT66), new flows to\n"
	  "published ports, drops with their reason (IPv6 addresses as [ADDR]:PORT).\n"
	  "The datapath writes events only while a monitor runs (and for 3 s after\n"
	  "one dies).\n" },
	{ "ct", do_ct, "ct [--net NAME] [--json] [list|flush]",
	  "Lists the network's NAT flows: protocol, source as the container sent it,\n"
	  "destination, the translated source, state, age, packets and bytes each way.\n"
	  "`ct flush` removes every flow (established connections break).\n" },
	{ "gc", do_gc, "gc [--net NAME] [--json]",
	  "Removes expired conntrack entries now. The datapath already ignores them;\n"
	  "gc gives their slots back before the maps fill. It also removes attachments\n"
	  "(`attach`, CNI, Docker) whose namespace is gone, as a runtime that never sent\n"
	  "DEL (`ctr run -d`) leaves them.\n" },
	{ "docker-plugin", do_docker_plugin, DK_USAGE, DK_HELP },
	{ "help", do_help, "help [COMMAND]", "Shows the commands, or one command in full.\n" },
	{ "version", do_version, "version", "Prints the version.\n" },
};

#define NCMDS (sizeof(cmds) / sizeof(cmds[0]))

/* Exact name, or an unambiguous prefix of one. */
static const struct cmd *find_cmd(const char *word)
{
	const struct cmd *hit = NULL;
	size_t i, len = strlen(word);

	if (!len)
		return NULL;
	for (i = 0; i < NCMDS; i++) {
		if (!strcmp(cmds[i].name, word))
			return &cmds[i];
		if (!strncmp(cmds[i].name, word, len)) {
			if (hit)
				return NULL;
			hit = &cmds[i];
		}
	}
	return hit;
}

static void usage(FILE *f)
{
	size_t i;

	fprintf(f,
		"ebnet: a single-host container network in eBPF: no bridge, no iptables.\n\n"
		"usage: %s COMMAND [OPTIONS]\n\n",
		prog);
	for (i = 0; i < NCMDS; i++)
		fprintf(f, "  %s %s\n", prog, cmds[i].usage);
	fprintf(f,
		"\nEvery command takes --net NAME (or $EBNET_NET) and -v. Without it, ls, ports,\n"
		"ct and stats cover every network of this namespace (each line says which), and\n"
		"the others take the one network of this namespace (up: ebnet0), or ask.\n"
		"State lives in BPF maps pinned under " EB_PIN_ROOT "/NAME/; read any of them\n"
		"with `bpftool map dump pinned " EB_PIN_ROOT "/NAME/MAP`.\n"
		"`%s help COMMAND` tells more.\n",
		prog);
}

static int do_help(int argc, char **argv)
{
	const struct cmd *c;

	if (argc < 1) {
		usage(stdout);
		return 0;
	}
	c = find_cmd(argv[0]);
	if (!c) {
		fprintf(stderr, "%s: no command '%s'\n", prog, argv[0]);
		usage(stderr);
		return 2;
	}
	printf("usage: %s %s\n\n%s", prog, c->usage, c->help);
	return 0;
}

int main(int argc, char **argv)
{
	const struct cmd *c;

	if (argc < 2) {
		usage(stdout);
		return 0;
	}
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
		usage(stdout);
		return 0;
	}
	if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "-V"))
		return do_version(0, NULL);
	c = find_cmd(argv[1]);
	if (!c) {
		fprintf(stderr, "%s: unknown or ambiguous command '%s'\n", prog, argv[1]);
		fprintf(stderr, "Try '%s help'.\n", prog);
		return 2;
	}
	return c->fn(argc - 2, argv + 2);
}
