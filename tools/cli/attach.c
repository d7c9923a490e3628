// SPDX-License-Identifier: GPL-2.0
#include "cli.h"

/* ---- attach, detach ---- */

json_t *ip6_json(const uint8_t a[16], int plen)
{
	char t[INET6_ADDRSTRLEN];

	inet_ntop(AF_INET6, a, t, sizeof(t));
	return plen >= 0 ? jstrf("%s/%d", t, plen) : jstr(t);
}

int do_attach(int argc, char **argv)
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

int do_detach(int argc, char **argv)
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

int do_exec(int argc, char **argv)
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
