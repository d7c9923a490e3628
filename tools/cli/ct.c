// SPDX-License-Identifier: GPL-2.0
#include "cli.h"

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

int do_ct(int argc, char **argv)
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

int do_gc(int argc, char **argv)
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
