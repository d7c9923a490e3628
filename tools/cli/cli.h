/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The ebnet command line (tools/cli/): what its files share. main.c has
 * the table of commands, prefix matching and the help; opts.c the option
 * parser and the --json helpers; one file per group of commands.
 */
#ifndef EB_CLI_H
#define EB_CLI_H

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
#include "../docker/docker_plugin.h"
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

struct cmd {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *usage;
	const char *help;
};

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

/* opts.c: the lists of options, NULL-terminated, that commands pass to
 * parse_opts(). */
extern const char *const up_opts[];
extern const char *const attach_opts[];
extern const char *const no_opts[];
extern const char *const json_opts[];
extern const char *const publish_opts[];
extern const char *const stats_opts[];
extern const char *const trace_opts[];
/* stats.c */
extern volatile int stop_now;
/* main.c */
extern const char *prog;
extern bool json;
extern bool verbose;


/* opts.c */
void die_usage(const char *cmdname, const char *fmt, ...)
	__attribute__((format(printf, 2, 3), noreturn));
int fail(int err, const struct eb_err *e);
void need_root(void);
void parse_opts(const char *cmdname, int argc, char **argv, struct opts *o,
		const char *const *allowed);
json_t *jstr(const char *s);
json_t *jstrf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
json_t *jint(unsigned long long v);
json_t *jreal1(double v);
json_t *jstr_or_null(const char *s);
json_t *jadd(json_t *o, const char *key, ...);
json_t *jobj(const char *key, ...);
void jput(json_t *j);
void warn_private_mounts(void);

/* net.c */
void up_opts_from(const char *cmdname, const struct opts *o, struct eb_up_opts *uo);
int here_nets(char names[][64], int max);
bool all_nets(const struct opts *o);
void infer_net(const char *cmd, struct opts *o);
int do_up(int argc, char **argv);
int do_rm(int argc, char **argv);
int do_down(int argc, char **argv);

/* attach.c */
json_t *ip6_json(const uint8_t a[16], int plen);
int do_attach(int argc, char **argv);
int do_detach(int argc, char **argv);
int do_exec(int argc, char **argv);

/* ls.c */
int do_ls(int argc, char **argv);

/* ct.c */
int do_ct(int argc, char **argv);
int do_gc(int argc, char **argv);

/* publish.c */
int do_publish(int argc, char **argv);
int do_unpublish(int argc, char **argv);
int do_ports(int argc, char **argv);

/* stats.c */
void on_signal(int sig);
int do_stats(int argc, char **argv);

/* trace.c */
int do_trace(int argc, char **argv);
int do_monitor(int argc, char **argv);

/* main.c */
const struct cmd *find_cmd(const char *word);
void usage(FILE *f);

#endif
