// SPDX-License-Identifier: GPL-2.0
/*
 * ebnet's command line: errors and usage, the option parser (the options
 * each command takes) and the helpers of --json output.
 */
#include "cli.h"

void die_usage(const char *cmdname, const char *fmt, ...)
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

int fail(int err, const struct eb_err *e)
{
	fprintf(stderr, "%s: %s\n", prog, e->msg[0] ? e->msg : strerror(-err));
	return 1;
}

void need_root(void)
{
	if (geteuid() != 0) {
		fprintf(stderr, "%s: must run as root (it needs CAP_NET_ADMIN and CAP_BPF)\n", prog);
		exit(1);
	}
}

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
const char *const up_opts[] = { NET_OPTS, "--domain", "--dns", "--alias", "--mtu", "--ipv6",
				       "--subnet6", "--snat-ip6", "--nat6", NULL };
const char *const attach_opts[] = { NET_OPTS, "--mtu", "--netns", "--pid", "--ip", "--ip6",
					   "--host-peer", "--json", NULL };
const char *const no_opts[] = { NULL };
const char *const json_opts[] = { "--json", NULL };
const char *const publish_opts[] = { "--json", "--force", NULL };
const char *const stats_opts[] = { "--json", "--watch", "--prog", NULL };
const char *const trace_opts[] = { "--json", "--dns-query", "--dns-type", NULL };

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

/* The option d of the table, given as the word a at argv[i]: set in o, its
 * value taken from the next word. Returns the index of the last word used. */
static int opt_take(const char *cmdname, const struct opt_def *d, const char *a, int i, int argc,
		    char **argv, struct opts *o)
{
	if (d->kind == OPT_JSON) {
		json = true;
		return i;
	}
	if (d->kind == OPT_FLAG) {
		*(bool *)((char *)o + d->off) = true;
		return i;
	}
	if (d->kind == OPT_WATCH) {
		o->watch = "1";
		if (i + 1 < argc && argv[i + 1][0] >= '0' && argv[i + 1][0] <= '9')
			o->watch = argv[++i];
		return i;
	}
	if (i + 1 >= argc || !argv[i + 1][0])
		die_usage(cmdname, "option '%s' needs a value", a);
	if (d->kind == OPT_MULTI) {
		int w = d->off;

		if (o->nmulti[w] == 64)
			die_usage(cmdname, "too many '%s' options", a);
		o->multi[w][o->nmulti[w]++] = argv[++i];
		return i;
	}
	{
		const char **dst = (const char **)((char *)o + d->off);

		*dst = argv[++i];
		if (dst == &o->net)
			o->net_given = true;
	}
	return i;
}

/* The words of a command: options of its allowed list (and --net, -v, -h,
 * -j everywhere), then its arguments; "--" ends the options. */
void parse_opts(const char *cmdname, int argc, char **argv, struct opts *o,
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
		if (d) {
			i = opt_take(cmdname, d, a, i, argc, argv, o);
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
json_t *jstr(const char *s)
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

json_t *jstrf(const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	return jstr(buf);
}

/* A u64 counter: json_int_t is long long. */
json_t *jint(unsigned long long v)
{
	return json_integer((json_int_t)v);
}

/* A rate or an age, with one decimal as before ("%.1f"): the double
 * nearest that decimal, which jput() prints back as it. */
json_t *jreal1(double v)
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
json_t *jstr_or_null(const char *s)
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

json_t *jadd(json_t *o, const char *key, ...)
{
	va_list ap;

	va_start(ap, key);
	jaddv(o, key, ap);
	va_end(ap);
	return o;
}

/* A new object of those pairs. */
json_t *jobj(const char *key, ...)
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
void jput(json_t *j)
{
	/* 15 significant digits: a value rounded to one decimal prints as it
	 * did with "%.1f" (0.1, not 0.10000000000000001). */
	json_dumpf(j, stdout, JSON_COMPACT | JSON_REAL_PRECISION(15));
	putchar('\n');
	fflush(stdout);
	json_decref(j);
}

void warn_private_mounts(void)
{
	if (eb_private_mount_ns())
		fprintf(stderr,
			"%s: warning: running in a private mount namespace (as under `ip netns "
			"exec`): container namespaces mounted under /run/netns here are not seen "
			"outside it; enter a network namespace with `nsenter --net=...` instead\n",
			prog);
}
