// SPDX-License-Identifier: GPL-2.0
#include "cli.h"

/* ---- stats, trace, monitor ---- */

volatile int stop_now;

void on_signal(int sig)
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
					   "host_port", jint(p->key.host_port),
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
				 p->key.host_port);
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

/* Programs of a network that --prog times, at most. */
#define STATS_PROGS 16

/* `ebnet stats` without --net, --watch or --prog: every network of this
 * namespace, each under its name. */
static int stats_all_nets(void)
{
	static struct eb_stats_snap cur;
	static char names[EB_MAX_NETS][64];
	struct eb_prog_stat ps[STATS_PROGS];
	struct eb_err e = {};
	int n = here_nets(names, EB_MAX_NETS), err;
	json_t *jnets = json_array();

	for (int i = 0; i < n; i++) {
		err = eb_stats_read(names[i], &cur, &e);
		if (err)
			return fail(err, &e);
		if (json) {
			json_array_append_new(jnets,
					      jobj("network", jstr(names[i]), "stats",
						   stats_json(&cur, NULL, 0, ps, NULL, 0), NULL));
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

/* --watch: the counters again every secs seconds, with the rates since
 * the last print, until SIGINT or SIGTERM. cur holds the first read; ps
 * and pps the programs' run times now and before (--prog). */
static int stats_watch(const struct opts *o, unsigned long secs, struct eb_stats_snap *cur,
		       struct eb_prog_stat *ps, struct eb_prog_stat *pps, int nps)
{
	static struct eb_stats_snap prev;
	struct eb_err e = {};
	int err;

	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	while (!stop_now) {
		eb_stats_free(&prev);
		prev = *cur;
		memset(cur, 0, sizeof(*cur));
		if (o->prog)
			memcpy(pps, ps, STATS_PROGS * sizeof(*ps));
		sleep(secs);
		if (stop_now)
			break;
		err = eb_stats_read(o->net, cur, &e);
		if (err)
			return fail(err, &e);
		if (o->prog)
			nps = eb_prog_stats(o->net, ps, STATS_PROGS);
		if (!json)
			printf("\033[H\033[2J");
		print_stats(cur, &prev, secs, ps, o->prog ? pps : NULL, nps);
	}
	return 0;
}

int do_stats(int argc, char **argv)
{
	static struct eb_stats_snap cur;
	struct eb_prog_stat ps[STATS_PROGS], pps[STATS_PROGS];
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
	if (all_nets(&o) && !o.watch && !o.prog)
		return stats_all_nets();
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
		nps = eb_prog_stats(o.net, pps, STATS_PROGS);
		if (!o.watch)
			sleep(1); /* one second of traffic, measured */
	}
	err = eb_stats_read(o.net, &cur, &e);
	if (err)
		return fail(err, &e);
	if (o.prog)
		nps = eb_prog_stats(o.net, ps, STATS_PROGS);
	if (o.watch)
		err = stats_watch(&o, secs, &cur, ps, pps, nps);
	else
		print_stats(&cur, NULL, 0, ps, o.prog ? pps : NULL, nps);
	eb_stats_free(&cur);
	if (stats_fd >= 0)
		close(stats_fd);
	return err;
}
