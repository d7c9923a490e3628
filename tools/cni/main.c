// SPDX-License-Identifier: GPL-2.0
#include "cni.h"

/* ---- verbs ---- */

static void id_of(char *buf, size_t len)
{
	const char *cid = env("CNI_CONTAINERID", true), *ifn = env("CNI_IFNAME", true);

	if (snprintf(buf, len, "%s/%s", cid, ifn) >= (int)len)
		cni_errorf(CNI_ERR_ENV, NULL, "CNI_CONTAINERID is longer than %d characters",
			   EB_ATTACH_ID_MAX - 20);
}

static json_t *ip_json(uint32_t ip, int plen, uint32_t gw)
{
	char a[16], g[16], cidr[24];
	json_t *o;

	snprintf(cidr, sizeof(cidr), "%s/%d", eb_ip_str(ip, a), plen);
	o = json_pack("{s:s,s:s,s:i}", "address", cidr, "gateway", eb_ip_str(gw, g), "interface", 1);
	if (pre_1_0())
		json_object_set_new(o, "version", json_string("4"));
	return o;
}

static json_t *ip6_json(const uint8_t ip[16], int plen, const uint8_t gw[16])
{
	char a[INET6_ADDRSTRLEN], g[INET6_ADDRSTRLEN], cidr[INET6_ADDRSTRLEN + 4];
	json_t *o;

	inet_ntop(AF_INET6, ip, a, sizeof(a));
	inet_ntop(AF_INET6, gw, g, sizeof(g));
	snprintf(cidr, sizeof(cidr), "%s/%d", a, plen);
	o = json_pack("{s:s,s:s,s:i}", "address", cidr, "gateway", g, "interface", 1);
	if (pre_1_0())
		json_object_set_new(o, "version", json_string("6"));
	return o;
}

static int cmd_add(struct conf *c)
{
	struct eb_attach_req r = { .owner = "cni", .configure = true };
	struct eb_attach_res res;
	struct eb_err e = {};
	struct cni_args a;
	struct pmap *pm;
	const char *aliases[CNI_MAX_ALIASES];
	char id[EB_ATTACH_ID_MAX], hm[18], m[18], g[16], g2[16], why[64];
	const char *domain;
	int n, err;
	json_t *out;

	id_of(id, sizeof(id));
	parse_args(env("CNI_ARGS", false), &a);
	runtime_addr(c, &a);
	r.id = id;
	r.label = a.label;
	r.netns = env("CNI_NETNS", true);
	r.ifname = env("CNI_IFNAME", true);
	r.ip = a.ip;
	r.mac = a.have_mac ? a.mac : NULL;
	r.aliases = aliases;
	r.naliases = runtime_aliases(c, aliases);
	n = port_maps(c, &pm);
	err = eb_attach(&c->uo, &r, &res, &e);
	if (err)
		lib_error(err, &e, "ADD");
	/* The runtime logs a plugin's stderr: a name left out is said there. */
	if (res.aliases_skipped[0])
		fprintf(stderr, "ebnet: container %s: aliases left out: %s\n", res.name,
			res.aliases_skipped);
	for (int i = 0; i < n; i++) {
		char net[64];

		snprintf(pm[i].sp.ctr, sizeof(pm[i].sp.ctr), "%s", res.name);
		/* The runtime's own placeholder sockets on these ports (conmon
		 * holds them) are no reason to refuse: DNAT acts before any
		 * socket lookup. */
		err = eb_publish(c->net, &pm[i].sp, net, sizeof(net), &e);
		if (err) {
			struct eb_err ue = {};

			/* All or nothing: the attachment (and the ports
			 * published so far) go. */
			eb_detach(c->net, id, &ue);
			snprintf(why, sizeof(why), "publishing host port %u", pm[i].sp.hport_lo);
			lib_error(err, &e, why);
		}
	}
	free(pm);
	/* Names are answered at the gateway (bpf/lib/dns.h): the container's
	 * NAME and NAME.DOMAIN, the rest forwarded upstream. */
	domain = c->uo.names.domain ? c->uo.names.domain : c->net;
	out = json_pack("{s:s,s:[{s:s,s:s},{s:s,s:s,s:s}],s:[o],s:[{s:s,s:s}],"
			"s:{s:[s],s:s,s:[s]}}",
			"cniVersion", answer_version, "interfaces", "name", res.host_ifname, "mac",
			eb_mac_str(res.host_mac, hm), "name", r.ifname, "mac", eb_mac_str(res.mac, m),
			"sandbox", r.netns, "ips", ip_json(res.ip, res.plen, res.gateway), "routes",
			"dst", "0.0.0.0/0", "gw", eb_ip_str(res.gateway, g), "dns", "nameservers",
			eb_ip_str(res.gateway, g2), "domain", domain, "search", domain);
	if (res.plen6) {
		char g6[INET6_ADDRSTRLEN];

		/* IPv6 beside IPv4: its address and its default route. */
		json_array_append_new(json_object_get(out, "ips"),
				      ip6_json(res.ip6, res.plen6, res.gateway6));
		json_array_append_new(json_object_get(out, "routes"),
				      json_pack("{s:s,s:s}", "dst", "::/0", "gw",
						inet_ntop(AF_INET6, res.gateway6, g6, sizeof(g6))));
	}
	json_dumpf(out, stdout, JSON_COMPACT);
	fputc('\n', stdout);
	json_decref(out);
	return 0;
}

static int cmd_del(struct conf *c)
{
	struct eb_err e = {};
	char id[EB_ATTACH_ID_MAX];
	int err;

	/* No CNI_NETNS needed: containerd sends it empty once the task is gone. */
	id_of(id, sizeof(id));
	err = eb_detach(c->net, id, &e);
	if (err)
		lib_error(err, &e, "DEL");
	return 0;
}

static int cmd_check(struct conf *c)
{
	struct eb_attach_info ai;
	struct eb_err e = {}, ge = {};
	char id[EB_ATTACH_ID_MAX], a[16], cidr[24];
	json_t *prev = json_object_get(c->root, "prevResult"), *ips;
	int err;

	id_of(id, sizeof(id));
	env("CNI_NETNS", true);
	err = eb_attach_check(c->net, id, &e);
	/* What runtimes that never send DEL left goes, this one too if its
	 * namespace is gone: after the answer is known. */
	eb_attach_gc(c->net, NULL, NULL, 0, &ge);
	if (err == -ENOENT)
		cni_errorf(CNI_ERR_UNKNOWN, e.msg, "no attachment %s in network '%s'", id, c->net);
	if (err)
		cni_error(CNI_ERR_CHECK, e.msg, id);
	/* The result the runtime holds must be what is there. */
	ips = prev ? json_object_get(prev, "ips") : NULL;
	if (ips && json_array_size(ips) && eb_attach_get(c->net, id, &ai, &e) == 0) {
		const char *want = json_string_value(json_object_get(json_array_get(ips, 0), "address"));

		snprintf(cidr, sizeof(cidr), "%s/", eb_ip_str(ai.ep.ip, a));
		if (!want || strncmp(want, cidr, strlen(cidr)))
			cni_errorf(CNI_ERR_CHECK, NULL, "the attachment has %s, the prevResult says %s",
				   a, want ? want : "nothing");
	}
	return 0;
}

static int cmd_gc(struct conf *c)
{
	json_t *l = json_object_get(c->root, "cni.dev/valid-attachments"), *it;
	const char **keep = NULL;
	struct eb_err e = {};
	size_t i;
	int n = 0, err;

	if (!l)
		l = json_object_get(c->root, "cni.dev/attachments");
	if (l && !json_is_array(l))
		cni_error(CNI_ERR_CONFIG, "cni.dev/valid-attachments is not an array", NULL);
	if (l) {
		keep = calloc(json_array_size(l) + 1, sizeof(*keep));
		json_array_foreach(l, i, it) {
			const char *cid = json_string_value(json_object_get(it, "containerID"));
			const char *ifn = json_string_value(json_object_get(it, "ifname"));
			char *id;

			if (!cid || !ifn)
				cni_errorf(CNI_ERR_CONFIG, NULL,
					   "cni.dev/valid-attachments[%zu] needs containerID and ifname", i);
			if (asprintf(&id, "%s/%s", cid, ifn) < 0)
				cni_error(CNI_ERR_IO, "out of memory", NULL);
			keep[n++] = id;
		}
	}
	if (!eb_dp_exists(c->net))
		return 0;
	err = eb_attach_gc(c->net, "cni", keep, n, &e);
	if (err < 0)
		lib_error(err, &e, "GC");
	return 0;
}

static int cmd_status(struct conf *c)
{
	struct eb_net_info *info;
	struct eb_err e = {};
	int err;

	if (geteuid() != 0)
		cni_error(CNI_ERR_UNAVAILABLE, "ebnet needs root (CAP_NET_ADMIN and CAP_BPF)", NULL);
	if (!eb_dp_exists(c->net))
		return 0; /* made by the first ADD */
	info = calloc(1, sizeof(*info));
	err = info ? eb_net_info(c->net, info, &e) : -ENOMEM;
	if (err)
		cni_errorf(CNI_ERR_UNAVAILABLE, e.msg, "network '%s' cannot be opened", c->net);
	if (info->cfg.uplink_ifindex && !info->uplink[0])
		cni_errorf(CNI_ERR_LIMITED, "containers reach each other and the host, not beyond",
			   "the uplink of network '%s' is gone", c->net);
	if (info->cfg.uplink_ifindex && info->cfg.snat_ip && !info->uplink_attach[0])
		cni_errorf(CNI_ERR_LIMITED, "`ebnet up --net NAME` puts it back",
			   "no program on the uplink '%s' of network '%s'", info->uplink, c->net);
	free(info);
	return 0;
}

int main(int argc, char **argv)
{
	const char *cmd = getenv("CNI_COMMAND");
	struct conf c;
	json_t *root;

	if (!cmd || !*cmd) {
		if (argc > 1 && !strcmp(argv[1], "--version")) {
			printf("ebnet CNI plugin, CNI 0.3.1 0.4.0 1.0.0 1.1.0\n");
			return 0;
		}
		cni_error(CNI_ERR_ENV, "CNI_COMMAND is not set",
			  "ebnet-cni is run by a container runtime as a CNI plugin "
			  "(/opt/cni/bin/ebnet); see the README");
	}
	if (!strcmp(cmd, "VERSION")) {
		json_error_t je;

		root = json_loadf(stdin, 0, &je);
		return cmd_version(root);
	}
	root = read_stdin();
	parse_conf(root, &c);
	if (strcmp(cmd, "STATUS"))
		wait_lock();
	if (!strcmp(cmd, "ADD"))
		return cmd_add(&c);
	if (!strcmp(cmd, "DEL"))
		return cmd_del(&c);
	if (!strcmp(cmd, "CHECK"))
		return cmd_check(&c);
	if (!strcmp(cmd, "GC"))
		return cmd_gc(&c);
	if (!strcmp(cmd, "STATUS"))
		return cmd_status(&c);
	cni_errorf(CNI_ERR_ENV, "want VERSION, ADD, DEL, CHECK, STATUS or GC",
		   "unknown CNI_COMMAND '%s'", cmd);
}
