// SPDX-License-Identifier: GPL-2.0
#include "cli.h"

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

/* TRACE's PROTO word: the IPPROTO_* number; *icmp6 when it names ICMPv6. */
static uint8_t trace_proto(const char *w, bool *icmp6)
{
	if (!strcmp(w, "tcp"))
		return IPPROTO_TCP;
	if (!strcmp(w, "udp"))
		return IPPROTO_UDP;
	if (!strcmp(w, "icmp"))
		return IPPROTO_ICMP;
	if (!strcmp(w, "icmp6") || !strcmp(w, "icmpv6")) {
		*icmp6 = true;
		return IPPROTO_ICMPV6;
	}
	die_usage("trace", "unknown protocol '%s' (want tcp, udp, icmp or icmp6)", w);
	return 0;
}

/* --dns-query NAME [--dns-type T]: the question the probe carries. */
static void trace_dns_opts(const struct opts *o, struct eb_trace_req *rq)
{
	size_t l;
	uint8_t probe[600];

	if (o->dns_type && !o->dns_query)
		die_usage("trace", "--dns-type goes with --dns-query NAME");
	if (!o->dns_query)
		return;
	l = strlen(o->dns_query);
	if (rq->proto != IPPROTO_UDP)
		die_usage("trace", "--dns-query needs udp");
	if (rq->v6)
		die_usage("trace", "--dns-query needs IPv4 addresses (names are answered at "
				   "the gateway's IPv4 address)");
	if (!eb_dns_query_build(probe, sizeof(probe), o->dns_query, 1))
		die_usage("trace", "invalid --dns-query '%s': not a DNS name", o->dns_query);
	rq->dns_query = o->dns_query;
	rq->dns_type = o->dns_type ? eb_dns_type_parse(o->dns_type)
		       : l > 13 && !strcasecmp(o->dns_query + l - 13, ".in-addr.arpa") ? 12
											  : 1;
	if (!rq->dns_type)
		die_usage("trace", "unknown --dns-type '%s' (A, AAAA, PTR, MX, TXT...)", o->dns_type);
}

/* FROM PROTO SRC[:PORT] DST[:PORT] and the options into the request. */
static void trace_request(const struct opts *o, struct eb_trace_req *rq)
{
	char why[96];
	int sv6, dv6;
	bool icmp6 = false;

	if (o->nargs != 4)
		die_usage("trace", "want FROM PROTO SRC[:PORT] DST[:PORT]");
	rq->from = o->args[0];
	rq->proto = trace_proto(o->args[1], &icmp6);
	if (parse_trace_end(o->args[2], &sv6, &rq->src, rq->src6, &rq->sport, why, sizeof(why)))
		die_usage("trace", "invalid source '%s': %s (want A.B.C.D[:PORT] or [IPV6][:PORT])",
			  o->args[2], why);
	if (parse_trace_end(o->args[3], &dv6, &rq->dst, rq->dst6, &rq->dport, why, sizeof(why)))
		die_usage("trace",
			  "invalid destination '%s': %s (want A.B.C.D[:PORT] or [IPV6][:PORT])",
			  o->args[3], why);
	if (sv6 != dv6)
		die_usage("trace", "the source '%s' is %s and the destination '%s' %s: both must be "
				   "of one family",
			  o->args[2], sv6 ? "IPv6" : "IPv4", o->args[3], dv6 ? "IPv6" : "IPv4");
	rq->v6 = sv6;
	/* icmp is the echo of the addresses' family; icmp6 wants IPv6 ones. */
	if (icmp6 && !rq->v6)
		die_usage("trace", "%s needs IPv6 addresses (icmp is ICMP echo over IPv4)",
			  o->args[1]);
	if (rq->v6 && rq->proto == IPPROTO_ICMP)
		rq->proto = IPPROTO_ICMPV6;
	if (rq->proto != IPPROTO_ICMP && rq->proto != IPPROTO_ICMPV6 && (!rq->sport || !rq->dport))
		die_usage("trace", "tcp and udp need ports: SRC:PORT DST:PORT (IPv6: [ADDR]:PORT)");
	if ((rq->proto == IPPROTO_ICMP || rq->proto == IPPROTO_ICMPV6) && !rq->sport)
		rq->sport = 1;
	trace_dns_opts(o, rq);
}

/* The packet as it left, for the report: its addresses and ports, in its
 * own family (an answer of the datapath may be another packet than the one
 * sent), and the DNS message it carries when the probe asked a name. */
struct trace_out {
	char src[64], dst[64];
	uint16_t sport;
	char dns[300];
};

static void trace_out_read(const struct eb_trace_req *rq, const struct eb_trace_res *rs,
			   struct trace_out *t)
{
	const unsigned char *ip = rs->out + 14, *l4;
	uint16_t sp = 0, dp = 0;

	if (rs->out_len >= 14 + 40 && rs->out[12] == 0x86 && rs->out[13] == 0xdd) {
		uint8_t nh = ip[6];

		l4 = ip + 40;
		if (rs->out_len >= 14 + 40 + 4 && (nh == IPPROTO_TCP || nh == IPPROTO_UDP)) {
			sp = l4[0] << 8 | l4[1];
			dp = l4[2] << 8 | l4[3];
		} else if (rs->out_len >= 14 + 40 + 8 && nh == IPPROTO_ICMPV6) {
			sp = dp = l4[4] << 8 | l4[5];
		}
		addr_port_str(1, ip + 8, sp, t->src, sizeof(t->src));
		addr_port_str(1, ip + 24, dp, t->dst, sizeof(t->dst));
	} else {
		l4 = ip + (ip[0] & 0xf) * 4;
		if (rs->out_len >= 14 + 20 + 4 && rq->proto != IPPROTO_ICMP) {
			sp = l4[0] << 8 | l4[1];
			dp = l4[2] << 8 | l4[3];
		} else if (rs->out_len >= 14 + 20 + 8) {
			sp = dp = l4[4] << 8 | l4[5];
		}
		addr_port_str(0, ip + 12, sp, t->src, sizeof(t->src));
		addr_port_str(0, ip + 16, dp, t->dst, sizeof(t->dst));
	}
	t->sport = sp;
	t->dns[0] = 0;
	if (rq->dns_query) {
		/* The message of what comes out: the answer when the datapath
		 * gave one. */
		size_t at = (size_t)(l4 - rs->out) + 8;

		if (rs->out_len > at)
			eb_dns_describe(l4 + 8, rs->out_len - at, t->dns, sizeof(t->dns));
		else
			snprintf(t->dns, sizeof(t->dns), "no answer");
		if (rs->decision != EB_CNT_DNS_ANSWERED && rs->decision != EB_CNT_DNS_NXDOMAIN &&
		    rs->decision != EB_CNT_DNS_MALFORMED)
			snprintf(t->dns, sizeof(t->dns), "not answered here (%s)",
				 rs->verdict == 2 ? "dropped" : "sent on to the upstream resolver");
	}
}

static void trace_print_json(const struct eb_trace_req *rq, const struct eb_trace_res *rs,
			     const struct trace_out *t)
{
	json_t *j = jobj(
		"verdict",
		jstr(rs->verdict == 7 ? "redirect" : rs->verdict == 2 ? "drop"
				   : rs->verdict == 0 ? "pass" : "continue"),
		"decision", jstr(eb_counter_name(rs->decision) ? eb_counter_name(rs->decision) : "?"),
		"target", jstr(rs->target_name), "copies", jint(rs->copies), "out",
		jobj("src", jstr(t->src), "dst", jstr(t->dst), NULL), NULL);

	if (rq->dns_query)
		jadd(j, "dns", jstr(t->dns), NULL);
	jadd(j, "family", jstr(rq->v6 ? "ipv6" : "ipv4"), NULL);
	jput(j);
}

static void trace_print(const struct eb_trace_req *rq, const struct eb_trace_res *rs,
			const struct trace_out *t)
{
	const unsigned char *m = rs->out;

	printf("verdict:  %s\n", verdict_str(rs->verdict));
	printf("decision: %s (%s)\n", eb_counter_name(rs->decision) ? eb_counter_name(rs->decision) : "?",
	       eb_counter_help(rs->decision) ? eb_counter_help(rs->decision) : "");
	if (rs->target)
		printf("to:       %s (ifindex %u)\n", rs->target_name[0] ? rs->target_name : "?",
		       rs->target);
	if (rs->copies)
		printf("copies:   %u\n", rs->copies);
	printf("out:      %s -> %s  (mac %02x:%02x:%02x:%02x:%02x:%02x -> "
	       "%02x:%02x:%02x:%02x:%02x:%02x)\n",
	       t->src, t->dst, m[6], m[7], m[8], m[9], m[10], m[11], m[0], m[1], m[2], m[3], m[4],
	       m[5]);
	if (rq->dns_query)
		printf("dns:      %s\n", t->dns);
	if ((rs->decision == EB_CNT_SNAT_OUT || rs->decision == EB_CNT_NAT6_OUT) && t->sport == 0)
		printf("          (a new flow: its NAT port is chosen when the first real packet "
		       "comes)\n");
}

int do_trace(int argc, char **argv)
{
	struct eb_trace_req rq = {};
	struct eb_trace_res rs;
	struct trace_out t;
	struct eb_err e = {};
	struct opts o;
	int err;

	parse_opts("trace", argc, argv, &o, trace_opts);
	trace_request(&o, &rq);
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
	trace_out_read(&rq, &rs, &t);
	if (json)
		trace_print_json(&rq, &rs, &t);
	else
		trace_print(&rq, &rs, &t);
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

int do_monitor(int argc, char **argv)
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
