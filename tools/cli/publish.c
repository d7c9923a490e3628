// SPDX-License-Identifier: GPL-2.0
#include "cli.h"

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

int do_publish(int argc, char **argv)
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

int do_unpublish(int argc, char **argv)
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

/* One published port, on the host address ip (its text: "0.0.0.0", "::1")
 * shown as host ("[::1]:11680" for IPv6) in the text's HOST column. */
static void port_row(struct ports_print *pp, const char *ip, const char *host, uint16_t port,
		     uint8_t proto, const struct eb_pub_val *v)
{
	char b[16], c[16], js[80];

	if (json) {
		json_t *p = pp->net ? jobj("network", jstr(pp->net), NULL) : json_object();

		jadd(p, "host_ip", jstr(ip), "host_port", jint(port), "proto",
		     jstr(proto == IPPROTO_UDP ? "udp" : "tcp"), "container", jstr(v->name),
		     "container_ip", jstr(eb_ip_str(v->ctr_ip, b)), "container_port",
		     jint(v->ctr_port), "connections_outside", jint(v->conns),
		     "connections_local", jint(v->local), NULL);
		json_array_append_new(pp->ports, p);
	} else {
		ports_header(pp);
		snprintf(js, sizeof(js), "%s:%u", host, port);
		snprintf(c, sizeof(c), "%u", v->ctr_port);
		if (pp->net)
			printf("%-16s ", pp->net);
		printf("%-22s %-5s %-20s %s:%-6s %10llu %10llu\n", js,
		       proto == IPPROTO_UDP ? "udp" : "tcp", v->name, eb_ip_str(v->ctr_ip, b), c,
		       (unsigned long long)v->conns, (unsigned long long)v->local);
	}
	pp->n++;
}

static void port_print_one(const struct eb_pub_key *k, const struct eb_pub_val *v, void *ctx)
{
	char a[16];

	eb_ip_str(k->host_ip, a);
	port_row(ctx, a, a, k->host_port, k->proto, v);
}

/* A port on one IPv6 address of the host: "[::1]:11680" in the HOST column,
 * "::1" as the JSON host_ip. */
static void port6_print_one(const struct eb_pub6_key *k, const struct eb_pub_val *v, void *ctx)
{
	char a[INET6_ADDRSTRLEN], h[INET6_ADDRSTRLEN + 2];

	inet_ntop(AF_INET6, k->host_ip6, a, sizeof(a));
	snprintf(h, sizeof(h), "[%s]", a);
	port_row(ctx, a, h, k->host_port, k->proto, v);
}

int do_ports(int argc, char **argv)
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
